/* rules.c: the rule table. Summaries are SPEC section 4's table, word for word. */
#include "rules.h"

#include <strings.h>

const struct rule_info rule_table[RULE_COUNT] = {
	[HP001] = { "HP001", SEV_ERROR, "syntax error (with what was expected); the parser recovers and reports further errors", NULL, NULL, NULL },
	[HP002] = { "HP002", SEV_ERROR, "unknown name: role, step, param, hotfix, service, group, resource", NULL, NULL, NULL },
	[HP003] = { "HP003", SEV_ERROR, "duplicate name: step, checkpoint, param, role, hotfix", NULL, NULL, NULL },
	[HP004] = { "HP004", SEV_ERROR, "type mismatch (a version compared with a string, `count()` of a non-`stores` param…)", NULL, NULL, NULL },
	[HP005] = { "HP005", SEV_ERROR, "a node action in a cluster procedure with no node (`on ROLE` missing); a role used in a standalone procedure", NULL, NULL, NULL },
	[HP006] = { "HP006", SEV_ERROR, "no procedure for a target kind the plan is run or checked against; a plan with no procedure", NULL, NULL, NULL },
	[HP101] = { "HP101", SEV_ERROR, "dismounting a store that is, or may be, in the `recover` set", NULL, NULL, NULL },
	[HP102] = { "HP102", SEV_ERROR, "force-stopping the store process while an at-risk store is not mounted (no soft recovery)", NULL, NULL, NULL },
	[HP103] = { "HP103", SEV_ERROR, "stopping the store service cleanly while an at-risk store is mounted (`stop service`, `move group` away from a running one, or `install hotfix` whose installer stops it: the forced stop was skipped): it would be dismounted cleanly, so no soft recovery", NULL, NULL, NULL },
	[HP110] = { "HP110", SEV_ERROR, "installing a hotfix on a cluster node that owns a group", NULL, NULL, NULL },
	[HP111] = { "HP111", SEV_ERROR, "installing a hotfix on a cluster node whose cluster service is running", NULL, NULL, NULL },
	[HP112] = { "HP112", SEV_ERROR, "a cluster node with a hotfix installed is not restarted before it owns a group again, or before the procedure ends", NULL, NULL, NULL },
	[HP113] = { "HP113", SEV_ERROR, "moving a group to a node that is not a cluster member (stopped, down, or restarted without `wait until NODE member`)", NULL, NULL, NULL },
	[HP114] = { "HP114", SEV_ERROR, "killing the store process on the owner node while restart of its cluster resource is enabled (the cluster restarts or fails it over)", NULL, NULL, NULL },
	[HP115] = { "HP115", SEV_ERROR, "stopping the cluster service on, or restarting, a node that owns a group (uncontrolled failover)", NULL, NULL, NULL },
	[HP116] = { "HP116", SEV_ERROR, "at some point no node of the cluster is a member", NULL, NULL, NULL },
	[HP117] = { "HP117", SEV_ERROR, "an action that goes to a group's owner carries an `on` naming a node that is not, or may not be, the owner at that point", NULL, NULL, NULL },
	[HP120] = { "HP120", SEV_ERROR, "`disable restart` with no later `enable restart` on every path", NULL, NULL, NULL },
	[HP121] = { "HP121", SEV_ERROR, "stores dismounted by the plan are not mounted again when it ends", NULL, NULL, NULL },
	[HP122] = { "HP122", SEV_WARNING, "a service the plan stopped is not running when it ends", NULL, NULL, NULL },
	[HP123] = { "HP123", SEV_ERROR, "an `ensure` or `verify` that the simulation proves false", NULL, NULL, NULL },
	[HP130] = { "HP130", SEV_WARNING, "at some failure point, the actions of the checkpoint that covers it leave a degradation outstanding", NULL, NULL, NULL },
	[HP131] = { "HP131", SEV_WARNING, "a node action right after `restart node` with no `wait until NODE member` between", NULL, NULL, NULL },
	[HP201] = { "HP201", SEV_WARNING, "unused param, hotfix, role or model entry", NULL, NULL, NULL },
	[HP202] = { "HP202", SEV_WARNING, "a hotfix with no `file … version` to verify it by", NULL, NULL, NULL },
	[HP203] = { "HP203", SEV_WARNING, "a step that can fail runs while a degradation is outstanding and no checkpoint has been passed yet (a failure would end with exit 4 and the target degraded)", NULL, NULL, NULL },
	[HP204] = { "HP204", SEV_WARNING, "unreachable statement (`if` on a condition the simulation proves constant)", NULL, NULL, NULL },
	[HP205] = { "HP205", SEV_WARNING, "an action the model cannot follow (`exec`): the checker goes on as if it changed nothing it models, and says so instead of hiding the assumption", NULL, NULL, NULL },
};

const struct rule_info *rule_lookup(const char *id)
{
	for (int i = 0; i < RULE_COUNT; i++)
		if (strcasecmp(rule_table[i].id, id) == 0)
			return &rule_table[i];
	return NULL;
}
