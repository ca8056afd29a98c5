/* profile.h: profiles (SPEC section 6, docs/profiles.md): the table that turns each action
 * and each condition probe into a command line for one platform (`windows-2003`,
 * `linux-systemd`, `posix-test`…). A profile is a `profile "NAME" { KEY… = "COMMAND" … }`
 * block, looked up by name in the inventory and plan files, then as NAME.hplan in the search
 * path. Compiled profiles, rendered lines and messages live in the arena they were made in
 * (the run's); nothing here is freed on its own.
 *
 * A command is a template: `${name}` inserts a variable's value quoted for the profile's shell
 * (sh: '…'; cmd: "…", refusing values cmd cannot take literally), `$${` is a literal `${`, any
 * other `$` is itself. Which variables a key knows is fixed (profile_key_vars); a template
 * naming another one is an error when the profile is loaded. */
#ifndef HP_PROFILE_H
#define HP_PROFILE_H

#include "template.h"

#include <stdbool.h>
#include <stddef.h>

#include "ctx.h"

enum profile_shell { PROFILE_SH, PROFILE_CMD };

/* A cluster whose state the runtime reads itself (`cluster "pacemaker"`): `probe cluster
 * status` prints it (crm_mon's XML), `probe cluster config` its configuration (the CIB), and
 * the runtime parses them (crm_probe.h) instead of running a command per question. */
enum profile_cluster { PROFILE_CLUSTER_NONE, PROFILE_CLUSTER_PACEMAKER };

enum profile_key {
	/* actions */
	PK_STOP_SERVICE, PK_START_SERVICE, PK_KILL_PROCESS,
	PK_DISMOUNT_STORE, PK_MOUNT_STORE,
	PK_INSTALL_HOTFIX, PK_RESTART_NODE, PK_MOVE_GROUP,
	PK_DISABLE_RESTART, PK_ENABLE_RESTART,
	PK_EXEC,
	/* probes: exit 0 true, 1 false, anything else an error; the two marked "prints" answer
	 * on their output's first line, `list stores` with one store per line */
	PK_PROBE_SERVICE, PK_PROBE_PROCESS, PK_PROBE_STORE, PK_PROBE_STORE_DISMOUNTED, PK_PROBE_MEMBER,
	PK_PROBE_OWNER,          /* prints the owner's node name */
	PK_PROBE_INSTALLED,
	PK_PROBE_FILE_VERSION,   /* prints the version */
	PK_PROBE_RESTART, PK_PROBE_UP,
	PK_LIST_STORES,
	PK_COUNT
};

/* A declared action's command (`action NAME = "COMMAND"`) or a declared state's probe (`probe
 * state NAME = "COMMAND"`, which prints one of the state's values; in a `cluster` profile
 * also `probe state NAME from cluster = "READER"`: the runtime reads the value from the
 * cluster's own status). The command's ${…} are checked against the declaration when a plan
 * is known (needs.h), not when the profile is loaded: a profile does not know the libraries. */
struct profile_named {
	const char *name;
	const char *cmd;                   /* the template; from_cluster: the reader's name */
	const char *where;                 /* "path:line:col" of the key */
	const char *value_where;           /* of the string */
	bool from_cluster;
};

struct profile {
	const char *name;
	const char *where;                 /* "path:line:col", for messages */
	enum profile_shell shell;
	long long timeout_ns;              /* an action's command, unless the action says */
	long long probe_timeout_ns;
	const char *lock;                  /* `lock "PATH"`: the target lock's directory on the node, a
					    * template of ${node}, ${sandbox}, ${fact.PATH} (docs/locks.md);
					    * NULL: the default */
	const char *cmd[PK_COUNT];         /* templates; NULL: the profile has no such key */
	const char *cmd_where[PK_COUNT];
	enum profile_cluster cluster;
	const char *cluster_status;        /* `probe cluster status` (template); NULL: none */
	const char *cluster_config;        /* `probe cluster config` (template); NULL: none */
	/* cmd[k] is cluster_status, whose output the runtime reads for key k's question
	 * (`probe group owner`, `probe node member`) */
	bool from_status[PK_COUNT];
	/* declared actions and states (docs/profiles.md, "Declared actions and states") */
	const struct profile_named *actions;   /* `action NAME = "…"` */
	unsigned nactions;
	const struct profile_named *states;    /* `probe state NAME [from cluster] = "…"` */
	unsigned nstates;
};

/* A variable for profile_subst. `raw` values are plan text (an exec string, a hotfix's
 * `args`) and are inserted as written; every other value is quoted. */
struct profile_var {
	const char *name;
	const char *value;
	bool raw;
};

/* Looks a variable up while a template is rendered: the value (arena or static), or NULL
 * when unknown (the message then says so). */
typedef const char *(*profile_lookup_fn)(void *ud, const char *name, bool *raw, char *err, size_t errlen);

/* The readers `probe state NAME from cluster = "READER"` may name (a NULL-terminated list):
 * "quorum" (target), "standby" and "maintenance" (node), "constraint" (group). */
extern const char *const profile_cluster_readers[];

/* Profile p's `action NAME`, or NULL. */
const struct profile_named *profile_action(const struct profile *p, const char *name);

/* Profile p's `probe state NAME`, or NULL. */
const struct profile_named *profile_state(const struct profile *p, const char *name);

/* The key as written in a profile ("probe service running"). */
const char *profile_key_name(enum profile_key k);

/* The variables key k knows besides the ones every key knows (${node}, ${sandbox},
 * ${fact.PATH}): a NULL-terminated list. */
const char *const *profile_key_vars(enum profile_key k);

/* Compile a parsed profile block: known keys, each once; `shell` sh or cmd; `timeout` and
 * `probe timeout` durations ("90s", "15m", "2h"); every ${…} known to its key. Returns 0, or
 * -1 with "path:line:col: profile 'NAME': what is wrong" in err. */
int profile_compile(struct hp_ctx *ctx, const struct ast_profile *ap, struct profile **out, char *err,
		    size_t errlen);

/* The directories profiles are looked up in, in order: each of HOTPLAN_PROFILE_PATH
 * (colon-separated), DIR/profiles and DIR/plans/profiles for the plan file's directory DIR,
 * ./plans/profiles, and the installed HOTPLAN_PROFILE_DIR. Returns how many (arena array). */
unsigned profile_search_path(struct arena *a, const char *plan_path, const char ***dirs);

/* Find profile `name`: among `local` (the profile blocks of the inventory and the plan file,
 * first wins), else in DIR/NAME.hplan of the first directory that has that file, which must
 * define it. Parse errors of a profile file go to ctx's diagnostics (the caller prints them).
 * Returns 0, or -1 with a message (unknown or malformed name, not found — naming where it
 * looked —, a file that does not define it, errors in it). */
int profile_find(struct hp_ctx *ctx, const char *name, const struct ast_profile *local, const char *const *dirs,
		 unsigned ndirs, const struct profile **out, char *err, size_t errlen);

/* One value quoted as one word for `sh`: the string, or NULL with err set (cmd: a value
 * holding ", %, ! or a control character cannot be passed literally and is refused). */
const char *profile_quote(struct arena *a, enum profile_shell sh, const char *value, char *err, size_t errlen);

/* Render a template: the line, or NULL with err set (an unknown variable, a value that
 * cannot be quoted). */
const char *profile_subst(struct arena *a, enum profile_shell sh, const char *tmpl, profile_lookup_fn lookup,
			  void *ud, char *err, size_t errlen);

/* The same over a list of variables (later entries do not override earlier ones). */
const char *profile_subst_vars(struct arena *a, enum profile_shell sh, const char *tmpl,
			       const struct profile_var *vars, unsigned nvars, char *err, size_t errlen);

/* Each ${name} of a template, in order, to `fn` (ud, name, its length); stops at the first
 * nonzero return and returns it. -1 (err) when a ${ is not closed on the line. */
static inline int profile_each_var(const char *tmpl, int (*fn)(void *ud, const char *name, size_t len), void *ud,
				   char *err, size_t errlen)
{
	return template_each_var(tmpl, fn, ud, err, errlen);
}

/* "90s", "15m", "2h" -> nanoseconds; -1 when malformed. */
long long profile_duration_ns(const char *s);

#endif
