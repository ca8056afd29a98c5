/* rules.c: the rule table. Summaries are SPEC section 4's table, word for word; rationales
 * quote the runbook every rule traces back to (shared/seed/ese-hotfix-kb.txt, the Ese.dll
 * hotfix for Exchange Server 2003 SP1). Examples are plan fragments in the language of SPEC
 * section 2, written against the model of plans/ese-hotfix.hplan; the line that breaks the
 * rule carries a comment naming it. */
#include "rules.h"

#include <stddef.h>
#include <strings.h>

/* The runbook's sentences that several rules quote. */
#define KB_217                                                                                 \
	"\"Important Do not dismount the information stores that are mentioned in event ID 217. " \
	"You must kill the Store.exe process with the database mounted to force the Exchange "     \
	"database in the event 217 into a soft-recovery state. The soft-recovery state is needed " \
	"for the following steps to work.\""
#define KB_FORCE                                                                               \
	"\"When you use this method, you must first dismount all the information stores that "    \
	"are not experiencing the problem. Then, you must forcefully stop the Microsoft Exchange " \
	"Information Store service before you install the hotfix.\""

const struct rule_info rule_table[RULE_COUNT] = {
	[HP001] = {
		.id = "HP001", .severity = SEV_ERROR,
		.summary = "syntax error (with what was expected); the parser recovers and reports further errors",
		.rationale =
			"A runbook is followed word for word: the KB spells out each command to the "
			"letter (\"Type taskkill /f /im store.exe, and then press ENTER.\"). A plan is "
			"read the same way, exactly as written and with nothing guessed, so text that "
			"does not follow the grammar of the language is rejected rather than read as "
			"something close to it. This includes bytes that are not valid UTF-8. The "
			"parser says what it expected, recovers at the next `}` and keeps going, so "
			"one run shows every syntax error of the file.",
		.example =
			"step kill_store \"Force the Information Store to stop\" {\n"
			"    kill \"store.exe\"                # HP001: expected `process` after `kill`\n"
			"}\n",
		.fix =
			"Write the construct as SPEC section 2 has it, using what the message says "
			"was expected: here `kill process \"store.exe\"`. Close every `{` that a "
			"`plan`, `procedure`, `step` or `checkpoint` opens.",
	},
	[HP002] = {
		.id = "HP002", .severity = SEV_ERROR,
		.summary = "unknown name: role, step, param, hotfix, service, group, resource",
		.rationale =
			"Every instruction of the runbook names what it acts on: \"On the passive node, "
			"make sure the node does not own the Exchange or the Cluster Group resource "
			"groups.\", \"right-click Exchange Information Store Instance\". A plan names "
			"them the same way, and each name must be declared: a role in `roles`, a "
			"service, resource or group in `model`, a hotfix in `hotfix`, a param with "
			"`param`. A misspelt name would otherwise make an action go to nothing, or to "
			"the wrong node.",
		.example =
			"roles {\n"
			"    active  = owner of group \"Exchange\"\n"
			"    passive = any node except active\n"
			"}\n"
			"step passive_stop \"Stop the Cluster service on the passive node\" on pasive {\n"
			"    stop service \"ClusSvc\"          # HP002: no role `pasive`\n"
			"}\n",
		.fix =
			"Spell the name as it is declared (`on passive`), or declare it: a role in the "
			"procedure's `roles`, a service, resource or group in the plan's `model`, a "
			"hotfix with `hotfix`, a param with `param`.",
	},
	[HP003] = {
		.id = "HP003", .severity = SEV_ERROR,
		.summary = "duplicate name: step, checkpoint, param, role, hotfix",
		.rationale =
			"The runbook refers back to its steps: \"Mount the information stores that you "
			"dismounted in step 1.\" A plan's steps are referred to by name in the same "
			"way: the journal records them, `--fail-at` and `hotplan resume` name them, and "
			"progress shows them. Two steps (or checkpoints, params, roles, hotfixes) with "
			"one name would make those references ambiguous. The later declaration is "
			"marked.",
		.example =
			"step recovered \"Permit time for recovery\" {\n"
			"    wait until stores in affected mounted timeout 2h\n"
			"}\n"
			"step recovered \"Mount the stores that were dismounted\" {   # HP003\n"
			"    mount stores not in affected\n"
			"}\n",
		.fix =
			"Give each step, checkpoint, param, role and hotfix a name of its own, "
			"for example `step remount` for the second step. A step inside `for each` is "
			"one declaration however often the loop runs, and needs no numbering.",
	},
	[HP004] = {
		.id = "HP004", .severity = SEV_ERROR,
		.summary = "type mismatch (a version compared with a string, `count()` of a non-`stores` param…)",
		.rationale =
			"Every value of a plan has a type, and a condition means something only when "
			"it compares like with like. The runbook's prerequisites are of two kinds. A "
			"version: \"you must be have a computer that is running Exchange Server 2003 "
			"SP1\" (Exchange 6.5.7226.0 or later); versions compare component by "
			"component, so 6.5.7232.54 is later than 6.5.7226.0, while as strings "
			"\"6.5.10000.0\" would sort before \"6.5.7226.0\". And a set of stores: "
			"\"Apply this hotfix only to systems that are experiencing this specific "
			"problem\", the stores of event ID 217, which `count()` counts. `count()`, "
			"`stores in` and `recover` need a `stores` param, and a bare param used as a "
			"condition must be a `bool`.",
		.example =
			"param affected : string \"the stores named in event ID 217\"\n"
			"require count(affected) > 0 else \"apply only to servers that log event ID 217\"   # HP004\n",
		.fix =
			"Give the param the type its uses need: `param affected : stores`. Write "
			"versions without quotes (`>= 6.5.7226.0`) and durations with their unit "
			"(`15m`).",
	},
	[HP005] = {
		.id = "HP005", .severity = SEV_ERROR,
		.summary = "a node action in a cluster procedure with no node (`on ROLE` missing); a role used in a standalone procedure",
		.rationale =
			"The cluster instructions say on which node each thing happens: \"On the passive "
			"node, click Start, click Programs, click Administrative Tools, and then click "
			"Services. Right-click Cluster Service, and then click Stop.\", \"Install this "
			"hotfix on the passive node.\", \"Install the hotfix on this local node.\" In a "
			"cluster procedure, stopping or starting a service that is not a cluster "
			"resource, killing its process, installing a hotfix, restarting a node and "
			"`exec` need a node: an `on ROLE` on the action or its step. (Store actions and "
			"a cluster resource's service go to the owner of its group and need none.) A "
			"stand-alone server has one node and no roles, so a role there is a mistake.",
		.example =
			"procedure cluster {\n"
			"    roles {\n"
			"        active  = owner of group \"Exchange\"\n"
			"        passive = any node except active\n"
			"    }\n"
			"    step passive_stop \"Stop the Cluster service on the passive node\" {\n"
			"        stop service \"ClusSvc\"      # HP005: on which node?\n"
			"    }\n"
			"}\n",
		.fix =
			"Add `on ROLE` to the step (`step passive_stop \"…\" on passive {`) or to the "
			"action (`stop service \"ClusSvc\" on passive`). In a standalone procedure, "
			"remove the `on`: the action runs on the server.",
	},
	[HP006] = {
		.id = "HP006", .severity = SEV_ERROR,
		.summary = "no procedure for a target kind the plan is run or checked against; a plan with no procedure",
		.rationale =
			"The runbook has two procedures that differ in almost every step: \"Hotfix "
			"installation instructions for non-clustered Exchange Server 2003 computers\" "
			"and \"Hotfix installation instructions for clustered Exchange Server 2003 "
			"environment\". On a stand-alone server \"you do not have to restart the "
			"computer\"; \"On clustered Exchange Server 2003 computers, you must restart the "
			"cluster nodes.\" A plan says which kinds of target it supports by having a "
			"`procedure` for each, and is never run with the other one's steps.",
		.example =
			"plan ese_hotfix \"Exchange Server 2003 SP1: Ese.dll 6.5.7232.54\" {\n"
			"    # params, model and hotfix as in plans/ese-hotfix.hplan\n"
			"    procedure standalone {\n"
			"        # the steps for a stand-alone server\n"
			"    }\n"
			"}\n"
			"# hotplan check --kind cluster: HP006, the plan has no `procedure cluster`\n",
		.fix =
			"Add the missing `procedure cluster { … }` (or `procedure standalone { … }`) "
			"following the runbook's instructions for that kind of target, or check and "
			"run the plan only with the kind it has (`--kind standalone`).",
	},
	[HP007] = {
		.id = "HP007", .severity = SEV_ERROR,
		.summary = "a malformed declaration: a value outside a declared state's domain, an argument of the wrong "
			   "kind or number, a rule id spelt like hotplan's own (HPnnn)",
		.rationale =
			"Product knowledge is declared in the language (docs/language.md, \"Declared state, "
			"actions and rules\"): a state's values, what an action does to them, what must always "
			"hold. The checker proves plans against these declarations, so a declaration that "
			"cannot mean anything (a `normal` value the state does not have, a state of more "
			"than eight values, `constraint(\"web\")` for a state of nodes) is rejected where it "
			"is written, before it silently proves nothing. A library's rule ids are its own "
			"namespace: `HPnnn` belongs to hotplan.",
		.example =
			"state constraint of group : none | moved, normal pinned   # HP007: not a value\n",
		.fix =
			"Use a value the state lists, pass each argument as its parameter's kind (a role "
			"for a node, a string for a group or a resource), and give library rules an id of "
			"their own, such as `PCMK001`.",
	},
	[HP101] = {
		.id = "HP101", .severity = SEV_ERROR, .guard_refuses = true,
		.summary = "dismounting a store that is, or may be, in the `recover` set",
		.rationale =
			"The runbook: " KB_217 "\n\nThe stores named by the `recover` param (the stores "
			"of event ID 217) must stay mounted until the store process is killed. "
			"`dismount all stores`, `dismount stores in affected`, or `dismount store "
			"\"X\"` where X may be one of them, dismounts them cleanly, and they never "
			"go through soft recovery.",
		.example =
			"step dismount_others \"Dismount the stores that are not affected\" {\n"
			"    dismount all stores              # HP101: the affected stores too\n"
			"}\n",
		.fix =
			"Dismount only the stores that are not affected: `dismount stores not in "
			"affected`, where `affected` is the param named by `recover`. The affected "
			"stores stay mounted until `kill process \"store.exe\"`.",
	},
	[HP102] = {
		.id = "HP102", .severity = SEV_ERROR, .guard_refuses = true,
		.summary = "force-stopping the store process while an at-risk store is not mounted (no soft recovery)",
		.rationale =
			"The runbook: " KB_217 "\n\nKilling the store process is what puts the affected "
			"database into soft recovery, and only a database that is mounted at that "
			"moment gets there. If an affected store was dismounted, or already went "
			"offline when the service stopped, the kill does nothing for it and the "
			"hotfix is applied without the recovery it needs.",
		.example =
			"step dismount_all \"Dismount the stores\" {\n"
			"    dismount all stores              # HP101 here\n"
			"}\n"
			"step kill_store \"Force the Information Store to stop\" {\n"
			"    kill process \"store.exe\"         # HP102: no affected store is mounted\n"
			"}\n",
		.fix =
			"Keep every affected store mounted until the kill: dismount only `stores not "
			"in affected`, do not `stop service \"MSExchangeIS\"` before the kill, and if "
			"the service was stopped, start it again (which mounts the stores) before "
			"`kill process \"store.exe\"`.",
	},
	[HP103] = {
		.id = "HP103", .severity = SEV_ERROR, .guard_refuses = true,
		.summary = "stopping the store service cleanly while an at-risk store is mounted (`stop service`, `move group` away from a running one, or `install hotfix` whose installer stops it: the forced stop was skipped): it would be dismounted cleanly, so no soft recovery",
		.rationale =
			"The runbook: " KB_FORCE " and \"Use the Kill.exe utility or the TaskKill.exe "
			"utility to forcefully stop the Microsoft Exchange Information Store "
			"service.\"\n\nThe installer itself stops the service cleanly: \"Exchange services "
			"are automatically stopped and then restarted during the hotfix "
			"installation.\" So does `stop service`, and so does moving the Exchange group "
			"away from a node where the store runs. A clean stop dismounts the affected "
			"stores cleanly: " KB_217,
		.example =
			"step dismount_others \"Dismount the stores that are not affected\" {\n"
			"    dismount stores not in affected\n"
			"}\n"
			"step apply \"Apply the hotfix\" {\n"
			"    install hotfix ese               # HP103: its installer stops MSExchangeIS cleanly\n"
			"}\n",
		.fix =
			"Force the store to stop before anything stops it cleanly: add "
			"`step kill_store \"Force the Information Store to stop\" { kill process "
			"\"store.exe\" }` before the `install hotfix`, the `stop service` or the "
			"`move group`.",
	},
	[HP110] = {
		.id = "HP110", .severity = SEV_ERROR, .guard_refuses = true,
		.summary = "installing a hotfix on a cluster node that owns a group",
		.rationale =
			"The runbook: \"On the passive node, make sure the node does not own the "
			"Exchange or the Cluster Group resource groups.\" before \"Install this hotfix "
			"on the passive node.\" The first node is patched only after its groups were "
			"moved away: \"click Move Group to have the group moved to another passive "
			"node.\" then \"Right-click Cluster Group resource group, and then click Move "
			"Group\", and only then \"Install the hotfix on this local node.\" A node that "
			"owns a group serves it; installing there takes the group down with it.",
		.example =
			"step active_stop \"Stop the Cluster service on the first node\" on active {\n"
			"    stop service \"ClusSvc\"\n"
			"}\n"
			"step active_install \"Install the hotfix on the first node\" on active {\n"
			"    install hotfix ese               # HP110: active still owns \"Exchange\"\n"
			"}\n",
		.fix =
			"Move every group to a patched member first (`move group \"Exchange\" to "
			"passive`, `move group \"Cluster Group\" to passive`); for the first node "
			"patched, `verify passive owns no groups`.",
	},
	[HP111] = {
		.id = "HP111", .severity = SEV_ERROR, .guard_refuses = true,
		.summary = "installing a hotfix on a cluster node whose cluster service is running",
		.rationale =
			"The runbook stops the Cluster service before each install: \"Right-click "
			"Cluster Service, and then click Stop.\" then \"Install this hotfix on the "
			"passive node.\"; and later \"Using the Services management console, stop the "
			"Cluster Service on the local node.\" then \"Install the hotfix on this local "
			"node.\" With the Cluster service running, the node is still a member that the "
			"cluster may fail groups over to while it is being patched.\n\nNot every update "
			"needs this: KB 958734 updates a SQL Server failover instance with the cluster "
			"service running. The rule is judged only for a hotfix that says so, `needs "
			"cluster service stopped`, in the hotfix or in a library the plan uses; a plan "
			"that uses no library gets the need for every hotfix, as the Exchange KB has it "
			"(lib/exchange-2003.hplan, docs/language.md, \"What an update needs\").",
		.example =
			"step passive_install \"Install the hotfix on the passive node\" on passive {\n"
			"    install hotfix ese               # HP111: ClusSvc still runs on passive\n"
			"}\n",
		.fix =
			"Stop the cluster service on that node in a step before the install: "
			"`step passive_stop \"Stop the Cluster service on the passive node\" on "
			"passive { stop service \"ClusSvc\" }`.",
	},
	[HP112] = {
		.id = "HP112", .severity = SEV_ERROR, .guard_refuses = true,
		.summary = "a cluster node with a hotfix installed is not restarted before it owns a group again, or before the procedure ends",
		.rationale =
			"The runbook: \"On clustered Exchange Server 2003 computers, you must restart "
			"the cluster nodes.\" Each install is followed by a restart: \"Install this "
			"hotfix on the passive node. Restart the passive node.\", \"Install the hotfix "
			"on this local node. Restart the local node.\" Until the node restarts, the old "
			"Ese.dll is still the one loaded, so a group moved there, or a node left so "
			"at the end, runs unpatched.\n\nNot every update needs a restart, and for some a "
			"service restart is what activates it. The rule is judged only for a hotfix that "
			"says so: `needs restart` (the node's), or `needs restart of service \"S\"` (S "
			"starting again on the node, a `move group` that starts it there included), in "
			"the hotfix or in a library the plan uses; a plan that uses no library gets "
			"`needs restart` for every hotfix, as the Exchange KB has it "
			"(lib/exchange-2003.hplan).",
		.example =
			"step passive_install \"Install the hotfix on the passive node\" on passive {\n"
			"    install hotfix ese\n"
			"}\n"
			"step passive_back \"Start the Cluster service again\" on passive {\n"
			"    start service \"ClusSvc\"\n"
			"}\n"
			"step failover \"Move the groups to the patched node\" {\n"
			"    move group \"Exchange\" to passive # HP112: the hotfix is still pending there\n"
			"}\n",
		.fix =
			"Restart the node after the install and wait for it to rejoin: "
			"`restart node` then `wait until passive member timeout 30m`, before any "
			"group moves to it and before the procedure ends.",
	},
	[HP113] = {
		.id = "HP113", .severity = SEV_ERROR, .guard_refuses = true,
		.summary = "moving a group to a node that is not a cluster member (stopped, down, or restarted without `wait until NODE member`)",
		.rationale =
			"The runbook: \"After it restarts, wait until Cluster Administrator on the "
			"active node displays the passive node as an active cluster member. The node "
			"icon will appear without a red \"X\" over it.\" Stopping the Cluster service "
			"\"will cause the Cluster Administrator to list the passive node as "
			"unavailable.\" A group can only move to a node that is a member; a move to "
			"one that is stopped or still restarting fails, or leaves the group offline.",
		.example =
			"step passive_restart \"Restart the passive node\" on passive {\n"
			"    restart node\n"
			"}\n"
			"step failover \"Move the groups to the patched node\" {\n"
			"    move group \"Exchange\" to passive # HP113: passive may still be down\n"
			"}\n",
		.fix =
			"Wait for the node to rejoin before the move: `wait until passive member "
			"timeout 30m` after `restart node`; a node whose cluster service was stopped "
			"needs `start service \"ClusSvc\"` or a restart first.",
	},
	[HP114] = {
		.id = "HP114", .severity = SEV_ERROR, .guard_refuses = true,
		.summary = "killing the store process on the owner node while restart of its cluster resource is enabled (the cluster restarts or fails it over)",
		.rationale =
			"Before the kill, the runbook turns off the cluster's restart of the store: "
			"\"Expand the Groups container, click Exchange resource group, and then "
			"right-click Exchange Information Store Instance. Click Properties, click the "
			"Advanced tab, and then click Do not restart.\" With restart enabled, the "
			"cluster notices the killed store.exe and restarts the resource or fails the "
			"group over by itself: the stores come up on a node that may not be patched, "
			"before the hotfix is in place.",
		.example =
			"step active_kill \"Force the Information Store to stop\" on active {\n"
			"    kill process \"store.exe\"         # HP114: the cluster restarts it\n"
			"}\n",
		.fix =
			"Disable the restart first, and enable it again once the group has moved: "
			"`step no_restart { disable restart of resource \"Exchange Information Store "
			"Instance\" }` before the kill, `enable restart of resource …` after the "
			"failover (the runbook's last steps: \"click the Advanced tab, and then click "
			"Restart.\").",
	},
	[HP115] = {
		.id = "HP115", .severity = SEV_ERROR, .guard_refuses = true,
		.summary = "stopping the cluster service on, or restarting, a node that owns a group (uncontrolled failover)",
		.rationale =
			"The runbook takes a node out of the cluster only when it owns nothing: \"On "
			"the passive node, make sure the node does not own the Exchange or the Cluster "
			"Group resource groups.\" before stopping its Cluster service; and on the "
			"first node it moves both groups away (\"click Move Group to have the group "
			"moved to another passive node\") before \"stop the Cluster Service on the "
			"local node\" and \"Restart the local node.\" Otherwise the cluster fails the "
			"groups over by itself, at a moment and to a node the plan did not choose.",
		.example =
			"step active_stop \"Stop the Cluster service on the first node\" on active {\n"
			"    stop service \"ClusSvc\"          # HP115: active still owns \"Exchange\"\n"
			"}\n",
		.fix =
			"Move every group the node owns to another member first (`move group "
			"\"Exchange\" to passive`, `move group \"Cluster Group\" to passive`), or check "
			"that it owns none (`verify passive owns no groups`).",
	},
	[HP116] = {
		.id = "HP116", .severity = SEV_ERROR, .guard_refuses = true,
		.summary = "at some point no node of the cluster is a member",
		.rationale =
			"The runbook patches one node at a time and always keeps the other in the "
			"cluster: it stops the passive node's Cluster service (\"This will cause the "
			"Cluster Administrator to list the passive node as unavailable\"), patches and "
			"restarts it, and waits until it is \"an active cluster member\" again before "
			"it touches the first node. With no member left, no node can own the Exchange "
			"and Cluster Group groups: the whole cluster is down.",
		.example =
			"step passive_restart \"Restart the passive node\" on passive {\n"
			"    restart node                     # passive is down until it rejoins\n"
			"}\n"
			"step active_restart \"Restart the first node\" on active {\n"
			"    restart node                     # HP116: no member is left\n"
			"}\n",
		.fix =
			"Take one node out at a time: after a node's `restart node` (or `stop service "
			"\"ClusSvc\"`), bring it back (`wait until passive member timeout 30m`, or "
			"`start service \"ClusSvc\"`) before another node leaves.",
	},
	[HP117] = {
		.id = "HP117", .severity = SEV_ERROR,
		.summary = "an action that goes to a group's owner carries an `on` naming a node that is not, or may not be, the owner at that point",
		.rationale =
			"Store actions and the actions on a cluster resource's service go to whichever "
			"node owns its group, and groups move: \"click Move Group to have the group "
			"moved to another passive node. Note This will start the Exchange databases on "
			"the already patched node and mount them.\" Roles do not move with groups: "
			"after the failover `active` still names the first node, which no longer holds "
			"the stores. An `on` that names a node other than the owner says something the "
			"action will not do.",
		.example =
			"step failover \"Move the groups to the patched node\" {\n"
			"    move group \"Exchange\" to passive\n"
			"}\n"
			"step remount \"Mount the stores that were dismounted\" on active {\n"
			"    mount stores not in affected     # HP117: passive owns \"Exchange\" now\n"
			"}\n",
		.fix =
			"Drop the `on` from the action or its step (the action goes to the group's "
			"owner by itself), or name the role that owns the group at that point "
			"(`on passive`).",
	},
	[HP120] = {
		.id = "HP120", .severity = SEV_ERROR,
		.summary = "`disable restart` with no later `enable restart` on every path",
		.rationale =
			"The runbook turns the restart of the store's cluster resource off only for "
			"the failover (\"click the Advanced tab, and then click Do not restart.\") and "
			"its last steps turn it back on: \"Expand the Groups container, click the "
			"Exchange resource group, right-click the Exchange Information Store Instance, "
			"click Properties, click the Advanced tab, and then click Restart.\" Left "
			"disabled, the cluster will not restart the Information Store after a future "
			"failure.",
		.example =
			"step no_restart \"Set the Information Store instance to Do not restart\" {\n"
			"    disable restart of resource \"Exchange Information Store Instance\"   # HP120\n"
			"}\n"
			"# … the procedure ends without `enable restart of resource`\n",
		.fix =
			"Add `step restart_enabled \"Set the Information Store instance back to "
			"Restart\" { enable restart of resource \"Exchange Information Store "
			"Instance\" }` after the failover, on every path (both branches of an `if`), "
			"and in every checkpoint passed after the `disable`.",
	},
	[HP121] = {
		.id = "HP121", .severity = SEV_ERROR,
		.summary = "stores dismounted by the plan are not mounted again when it ends",
		.rationale =
			"The runbook's last step: \"Mount the information stores that you dismounted "
			"in step 1.\" A store the plan dismounted stays dismounted until something "
			"mounts it: starting the Information Store again does not. Left so, its users "
			"have no mailbox after the maintenance.",
		.example =
			"step dismount_others \"Dismount the stores that are not affected\" {\n"
			"    dismount stores not in affected  # HP121: never mounted again\n"
			"}\n"
			"# kill_store, apply, started, recovered … and no `mount stores not in affected`\n",
		.fix =
			"End the procedure with `step remount \"Mount the stores dismounted in the "
			"first step\" { mount stores not in affected }`, after `wait until stores in "
			"affected mounted`.",
	},
	[HP122] = {
		.id = "HP122", .severity = SEV_WARNING,
		.summary = "a service the plan stopped is not running when it ends",
		.rationale =
			"The runbook checks that what it stopped runs again: \"The Microsoft Exchange "
			"Information Store service automatically restarts after you apply the hotfix. "
			"To make sure that the service started correctly, view the status of the "
			"service in the Services snap-in.\" \"Make sure that the Status column "
			"indicates a status of Started.\" A service the plan stopped or killed and "
			"that nothing starts again (not the installer's `restarts`, a `start service`, "
			"a `move group` or a restart) is still down when the plan reports success.",
		.example =
			"hotfix ese {\n"
			"    file \"Ese.dll\" version 6.5.7232.54\n"
			"    package \"hotfix/ese-6.5.7232.54.exe\"   # no `restarts \"MSExchangeIS\"`\n"
			"}\n"
			"procedure standalone {\n"
			"    step kill_store \"Force the Information Store to stop\" {\n"
			"        kill process \"store.exe\"     # HP122: MSExchangeIS is not running at the end\n"
			"    }\n"
			"    step apply \"Apply the hotfix\" {\n"
			"        install hotfix ese\n"
			"    }\n"
			"}\n",
		.fix =
			"If the installer restarts the service, say so in the hotfix (`restarts "
			"\"MSExchangeIS\"`); otherwise start it (`start service \"MSExchangeIS\"`) and "
			"check it (`wait until service \"MSExchangeIS\" running timeout 15m`).",
	},
	[HP123] = {
		.id = "HP123", .severity = SEV_ERROR,
		.summary = "an `ensure` or `verify` that the simulation proves false",
		.rationale =
			"The runbook's checks state what must be true at that point: \"Make sure that "
			"the Status column indicates a status of Started.\", and its \"File "
			"information\" table (\"The English version of this hotfix has the file "
			"attributes (or later file attributes) that are listed in the following "
			"table.\": Ese.dll 6.5.7232.54, 2,115,072 bytes). A `verify` or `ensure` that "
			"cannot hold in any run means the plan and its checks disagree: the run would "
			"always fail there, or the check asks for the wrong thing.",
		.example =
			"step apply \"Apply the hotfix\" {\n"
			"    install hotfix ese\n"
			"}\n"
			"step started \"The Information Store runs again\" {\n"
			"    wait until service \"MSExchangeIS\" running timeout 15m\n"
			"    verify file \"Ese.dll\" version == 6.5.7232.45   # HP123: the hotfix installs 6.5.7232.54\n"
			"}\n",
		.fix =
			"Check for what the plan actually brings about: the version the hotfix lists "
			"(`version == 6.5.7232.54`, or `>=` for \"or later file attributes\"), the state "
			"the steps before leave. Or fix the steps so that the condition holds.",
	},
	[HP124] = {
		.id = "HP124", .severity = SEV_ERROR,
		.summary = "declared state with a normal value that the plan changed is not back at it when the procedure ends",
		.rationale =
			"HP120-HP122 say it for the state hotplan knows: what a plan disables, dismounts or "
			"stops, it puts back. A library declares more state the same way (`state standby of "
			"node : online | standby, normal online`), and the same obligation holds for it on "
			"every path: a node left in standby, a location constraint never cleared, automatic "
			"failover left paused. A library names its own rule for a state with `normal V "
			"else RULE`; HP124 is the rule of a state that names none.",
		.example =
			"state paused of target : no | yes, normal no\n"
			"action pause_failover() {\n"
			"    set paused = yes\n"
			"}\n"
			"procedure standalone {\n"
			"    step pause_auto \"Pause automatic failover\" {\n"
			"        pause_failover()            # HP124: never resumed\n"
			"    }\n"
			"}\n",
		.fix =
			"Add the action that puts the state back (the library's `undo` names it) before "
			"the procedure ends, on every path.",
	},
	[HP130] = {
		.id = "HP130", .severity = SEV_WARNING,
		.summary = "at some failure point, the actions of the checkpoint that covers it leave a degradation outstanding",
		.rationale =
			"The runbook's procedure ends by undoing each thing it degraded: \"Mount the "
			"information stores that you dismounted in step 1.\", \"click the Advanced "
			"tab, and then click Restart.\" When a step fails, the runtime runs the actions "
			"of the last checkpoint passed, and they must do the same from the state the "
			"failure left: every service the plan stopped running, every store it "
			"dismounted mounted, every restart it disabled enabled, every node a member. "
			"What a checkpoint leaves undone, nobody will think of until users complain.",
		.example =
			"step no_restart \"Set the Information Store instance to Do not restart\" {\n"
			"    disable restart of resource \"Exchange Information Store Instance\"\n"
			"}\n"
			"checkpoint restart_disabled {        # HP130: restart stays disabled after a rollback\n"
			"    mount stores not in affected\n"
			"}\n"
			"step active_kill \"Force the Information Store to stop\" on active {\n"
			"    kill process \"store.exe\"         # a failure point the checkpoint covers\n"
			"}\n",
		.fix =
			"Give the checkpoint an action for every degradation outstanding at the "
			"failure points it covers (the note names one): here `enable restart of "
			"resource \"Exchange Information Store Instance\"` and `start service "
			"\"MSExchangeIS\" on active`, as the `restart_disabled` checkpoint of "
			"plans/ese-hotfix.hplan does.",
	},
	[HP131] = {
		.id = "HP131", .severity = SEV_WARNING,
		.summary = "a node action right after `restart node` with no `wait until NODE member` between",
		.rationale =
			"The runbook: \"Restart the passive node. After it restarts, wait until "
			"Cluster Administrator on the active node displays the passive node as an "
			"active cluster member.\" Right after `restart node` the node is going down or "
			"booting: an action sent to it then fails, or acts before its services are up.",
		.example =
			"step passive_restart \"Restart the passive node\" on passive {\n"
			"    restart node\n"
			"}\n"
			"step passive_stop_again \"Stop the Cluster service for the next hotfix\" on passive {\n"
			"    stop service \"ClusSvc\"          # HP131: passive is still restarting\n"
			"}\n",
		.fix =
			"Wait for the node between the restart and its next action: `wait until "
			"passive member timeout 30m`.",
	},
	[HP201] = {
		.id = "HP201", .severity = SEV_WARNING,
		.summary = "unused param, hotfix, role or model entry",
		.rationale =
			"Every entry of a runbook is there for a step that uses it. The runbook's "
			"optional ending (\"If it is required, you can move the groups back to the "
			"previously active node.\") is the `failback` param of the canonical plan, "
			"used by `if failback { … }`; a param, hotfix, role or model entry that "
			"nothing uses usually means the step that was meant to use it is missing, or "
			"that a name is misspelt where it should be used. Use is judged over the "
			"whole file; `recover P` is a use of P, and a `store` entry needs no use.",
		.example =
			"param failback : bool = false \"move the groups back to the first node at the end\"   # HP201\n"
			"# … and no `if failback { … }` in any procedure\n",
		.fix =
			"Use it where it was meant to be used (`if failback { step failback \"Move "
			"the groups back to the first node\" { move group \"Exchange\" to active "
			"… } }`), or delete the declaration.",
	},
	[HP202] = {
		.id = "HP202", .severity = SEV_WARNING,
		.summary = "a hotfix with no `file … version` to verify it by",
		.rationale =
			"The runbook's \"File information\" section says how to know that the hotfix "
			"landed: \"The English version of this hotfix has the file attributes (or later "
			"file attributes) that are listed in the following table.\" (\"21-Nov-2004 00:49 "
			"6.5.7232.54 2,115,072 Ese.dll\"). The runtime verifies these attributes after "
			"`install hotfix`; a hotfix that lists none can only be trusted to have "
			"installed because the installer said so.",
		.example =
			"hotfix ese {                         # HP202: no `file … version`\n"
			"    package \"hotfix/ese-6.5.7232.54.exe\"\n"
			"    restarts \"MSExchangeIS\"\n"
			"}\n",
		.fix =
			"List the files of the KB article's \"File information\" table: "
			"`file \"Ese.dll\" version 6.5.7232.54 size 2115072`.",
	},
	[HP203] = {
		.id = "HP203", .severity = SEV_WARNING,
		.summary = "a step that can fail runs while a degradation is outstanding and no checkpoint has been passed yet (a failure would end with exit 4 and the target degraded)",
		.rationale =
			"Between its first and its last step, the runbook leaves the server degraded: "
			"\"Dismount all information stores that are not experiencing the problem\" at "
			"the start, \"Mount the information stores that you dismounted in step 1.\" at "
			"the end. If a step in between fails and no checkpoint says how to come back, "
			"the run stops with the stores dismounted (exit 4: a person must look), and "
			"that person has to work out from the journal what to undo.",
		.example =
			"step dismount_others \"Dismount the stores that are not affected\" {\n"
			"    dismount stores not in affected\n"
			"}\n"
			"step kill_store \"Force the Information Store to stop\" {   # HP203: no checkpoint yet\n"
			"    kill process \"store.exe\"\n"
			"}\n",
		.fix =
			"Put a checkpoint after the first step that degrades the target, with the "
			"actions that undo it: `checkpoint others_dismounted { mount stores not in "
			"affected }`.",
	},
	[HP204] = {
		.id = "HP204", .severity = SEV_WARNING,
		.summary = "unreachable statement (`if` on a condition the simulation proves constant)",
		.rationale =
			"A runbook step that can never apply is a mistake in the runbook: either its "
			"condition is not the one meant, or the steps under it will silently never be "
			"done. The runbook's one optional part (\"If it is required, you can move the "
			"groups back to the previously active node.\") depends on a choice made at run "
			"time, which the checker treats as unknown; an `if` whose condition the "
			"simulation proves always true or always false has a branch no run can take.",
		.example =
			"step kill_store \"Force the Information Store to stop\" {\n"
			"    kill process \"store.exe\"\n"
			"}\n"
			"if service \"MSExchangeIS\" running {  # HP204: never true right after the kill\n"
			"    step stop_store \"Stop the Information Store\" {\n"
			"        stop service \"MSExchangeIS\"\n"
			"    }\n"
			"}\n",
		.fix =
			"Test what can actually differ between runs (a param, a fact, a state the "
			"steps before may or may not leave), or remove the `if` and keep the branch "
			"that always runs.",
	},
	[HP205] = {
		.id = "HP205", .severity = SEV_WARNING,
		.summary = "an action the model cannot follow (`exec`): the checker goes on as if it changed nothing it models, and says so instead of hiding the assumption",
		.rationale =
			"The runbook names what each command does: \"Use the Kill.exe utility or the "
			"TaskKill.exe utility to forcefully stop the Microsoft Exchange Information "
			"Store service.\", \"Type taskkill /f /im store.exe, and then press ENTER.\" A "
			"plan says the same with `kill process \"store.exe\"`, and the profile turns it "
			"into `taskkill /f /im store.exe` or `kill -f store.exe`. The checker cannot "
			"see what an `exec` command does: it goes on as if the command changed "
			"nothing it models, and every rule after it is judged on that assumption.",
		.example =
			"step kill_store \"Force the Information Store to stop\" {\n"
			"    exec \"taskkill /f /im store.exe\"  # HP205: the checker cannot see the kill\n"
			"}\n",
		.fix =
			"Use the action the language has for it (`kill process \"store.exe\"`, `stop "
			"service`, `dismount`, `move group` …), so the checker can follow it. Keep "
			"`exec` for what changes nothing the model tracks, and accept the warning "
			"there.",
	},
};

const struct rule_info *rule_lookup(const char *id)
{
	if (id == NULL)
		return NULL;
	for (int i = 0; i < RULE_COUNT; i++)
		if (strcasecmp(rule_table[i].id, id) == 0)
			return &rule_table[i];
	return NULL;
}
