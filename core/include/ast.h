/* ast.h: the syntax tree of .hplan files. Every node and string lives in the compile
 * context's arena (ctx.h) and is freed with it; nothing here is freed on its own.
 * Lists are singly linked through `next`, in source order.
 * Fields under "resolved" are filled by sema (resolve.c), never by the parser. */
#ifndef HP_AST_H
#define HP_AST_H

#include <stdbool.h>
#include <stdint.h>

#include "source.h"

struct ast_name {
	const char *s;   /* NULL when absent */
	loc_t loc;
};

enum ast_type { TY_BOOL, TY_INT, TY_STRING, TY_DURATION, TY_VERSION, TY_STORES };

/* A version: three or four components; a missing fourth compares as 0. */
struct ast_version {
	uint32_t c[4];
	uint8_t n;
};

enum lit_kind { LIT_STRING, LIT_INT, LIT_VERSION, LIT_DURATION, LIT_BOOL };

struct ast_literal {
	enum lit_kind kind;
	loc_t loc;
	const char *str;          /* LIT_STRING: unescaped value */
	int64_t num;              /* LIT_INT; LIT_DURATION in seconds; LIT_BOOL 0/1 */
	struct ast_version ver;   /* LIT_VERSION */
	struct ast_literal *next; /* in `fact … in [ … ]` lists */
};

/* `store "X"`, `all stores`, `stores in P`, `stores not in P` */
enum stores_kind { ST_ONE, ST_ALL, ST_IN, ST_NOT_IN };

struct ast_stores {
	enum stores_kind kind;
	loc_t loc;
	struct ast_name name;     /* ST_ONE: the store; ST_IN/ST_NOT_IN: the stores param */
	/* resolved */
	struct ast_param *param;  /* ST_IN/ST_NOT_IN */
};

enum cmp_op { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE };

enum cond_kind {
	C_OR, C_AND, C_NOT,
	C_SERVICE,        /* service S running|stopped [on R] */
	C_PROCESS,        /* process P running|stopped [on R] */
	C_STORES,         /* stores mounted|dismounted */
	C_MEMBER,         /* R member */
	C_DOWN,           /* R down */
	C_OWNS_GROUP,     /* R owns group G */
	C_OWNS_NO_GROUPS, /* R owns no groups */
	C_INSTALLED,      /* hotfix H installed [on R] */
	C_FILE_VERSION,   /* file F version CMP V [on R] */
	C_FACT_CMP,       /* fact a.b CMP literal */
	C_FACT_IN,        /* fact a.b in [ … ] */
	C_COUNT,          /* count(P) CMP INT */
	C_PARAM,          /* a bool param */
	C_DSTATE,         /* declared state: FIELD[(ARGS)] ==|!= VALUE (docs/language.md) */
};

/* Declared state, actions and rules (docs/language.md, "Declared state, actions and rules"). */
enum decl_scope { DS_TARGET, DS_NODE, DS_GROUP, DS_RESOURCE };

/* A parameter of a declared action or rule: `n: node`. */
struct ast_dparam {
	struct ast_name name;
	enum decl_scope scope;
	loc_t loc;
	struct ast_dparam *next;
	/* resolved */
	uint32_t index;              /* 0-based position in its declaration */
};

/* An argument: a role or a declared parameter (IDENT), or a group or resource (STRING). */
struct ast_arg {
	struct ast_name name;
	bool is_string;
	struct ast_arg *next;
	/* resolved */
	struct ast_dparam *param;    /* inside a declaration: the parameter it names */
	struct ast_role *role;       /* in a procedure: the role it names */
	struct ast_model_item *item; /* a group or a resource of the model */
};

struct ast_cond {
	enum cond_kind kind;
	loc_t loc;                   /* the whole condition */
	struct ast_cond *lhs, *rhs;  /* C_OR, C_AND; C_NOT uses lhs */
	struct ast_name name;        /* service, process, role, hotfix, file, param (as the kind says) */
	struct ast_name group;       /* C_OWNS_GROUP */
	struct ast_name on;          /* optional `on ROLE` */
	bool positive;               /* running / mounted (true) vs stopped / dismounted (false) */
	struct ast_stores stores;    /* C_STORES */
	enum cmp_op op;
	struct ast_literal *lit;     /* C_FACT_CMP, C_COUNT (INT), C_FILE_VERSION (VERSION); list for C_FACT_IN */
	const char *fact;            /* dotted fact path, e.g. "exchange.version" */
	/* resolved */
	struct ast_model_item *svc;  /* C_SERVICE, C_PROCESS: the model entry of the service */
	struct ast_role *role;       /* role named by name (C_MEMBER…C_OWNS_NO_GROUPS) or by on */
	struct ast_hotfix *hotfix;   /* C_INSTALLED */
	struct ast_param *param;     /* C_PARAM, C_COUNT */
	struct ast_model_item *grp;  /* C_OWNS_GROUP */
	struct ast_dparam *dparam;   /* inside a declaration: the parameter that names the node */
	/* C_DSTATE: name is the field, args its instance, value the value compared with (op ==, !=) */
	struct ast_arg *args;
	struct ast_name value;
	struct ast_state_decl *state;  /* resolved */
	int value_index;               /* resolved */
	bool all_groups;             /* `all groups on ROLE` (C_OWNS_GROUP, group.s NULL): sema makes it an `and` */
	struct ast_cond *written;    /* resolved: that `and`'s `all groups on ROLE`, as an image keeps it */
};

enum action_kind {
	A_STOP_SERVICE, A_START_SERVICE, A_KILL_PROCESS,
	A_DISMOUNT, A_MOUNT,
	A_INSTALL, A_RESTART_NODE,
	A_MOVE_GROUP,
	A_DISABLE_RESTART, A_ENABLE_RESTART,
	A_WAIT_UNTIL, A_WAIT, A_VERIFY, A_PAUSE, A_EXEC,
	A_CALL,          /* a declared action: NAME(ARGS) [on ROLE] */
};

struct ast_action {
	enum action_kind kind;
	loc_t loc;                   /* from the verb to the end of the action */
	struct ast_name arg;         /* service, process, hotfix, group, resource name; pause/exec text */
	struct ast_stores stores;    /* A_DISMOUNT, A_MOUNT */
	struct ast_name on;          /* its own `on ROLE`, if any */
	struct ast_name to;          /* A_MOVE_GROUP: the role */
	struct ast_cond *cond;       /* A_WAIT_UNTIL, A_VERIFY */
	int64_t duration;            /* A_WAIT; timeout in seconds for A_WAIT_UNTIL/A_EXEC, -1 when absent */
	const char *message;         /* A_VERIFY `else` text, NULL when absent */
	struct ast_action *next;
	/* resolved */
	struct ast_stmt *step;       /* the enclosing step or checkpoint */
	struct ast_role *node;       /* the role the action runs on (own `on`, else the step's), or NULL */
	struct ast_model_item *svc;  /* stop/start/kill: the service's model entry; dismount/mount: the store service */
	struct ast_model_item *grp;  /* A_MOVE_GROUP: the group; enable/disable: the resource */
	struct ast_role *to_role;    /* A_MOVE_GROUP */
	struct ast_hotfix *hotfix;   /* A_INSTALL */
	struct ast_arg *args;        /* A_CALL */
	struct ast_action_decl *decl; /* A_CALL: resolved */
	uint32_t index;              /* 0-based position in the procedure, in source order */
	bool all_groups;             /* `move all groups to ROLE` (A_MOVE_GROUP, arg.s NULL): sema makes one move per group */
	bool all_copy;               /* resolved: a move sema made after the first (an image keeps the first only) */
};

enum stmt_kind { S_STEP, S_CHECKPOINT, S_FOREACH, S_IF };

struct ast_stmt {
	enum stmt_kind kind;
	loc_t loc;                   /* the keyword to the closing brace */
	loc_t head;                  /* the keyword to the end of the name (for diagnostics) */
	struct ast_name name;        /* step, checkpoint; S_FOREACH: the loop variable */
	const char *title;           /* step title or NULL */
	struct ast_name on;          /* step's `on ROLE` */
	struct ast_action *actions;  /* S_STEP, S_CHECKPOINT */
	struct ast_name set;         /* S_FOREACH: the role iterated over */
	int64_t serial;              /* S_FOREACH: 1 when absent */
	struct ast_cond *cond;       /* S_IF */
	struct ast_stmt *body;       /* S_FOREACH, S_IF then-branch */
	struct ast_stmt *else_body;  /* S_IF */
	bool has_else;
	struct ast_stmt *next;
	/* resolved */
	struct ast_role *node;       /* step's `on` */
	struct ast_role *var;        /* S_FOREACH: the role the loop variable binds */
	struct ast_role *set_role;   /* S_FOREACH */
	uint32_t index;              /* steps and checkpoints: 0-based order in the procedure */
};

enum role_kind { R_OWNER_OF, R_ANY_EXCEPT, R_ALL, R_ALL_EXCEPT, R_LOOPVAR, R_NODE };

struct ast_role {
	enum role_kind kind;
	struct ast_name name;
	loc_t loc;
	struct ast_name group;       /* R_OWNER_OF */
	struct ast_name except;      /* R_ANY_EXCEPT, R_ALL_EXCEPT */
	struct ast_name node;        /* R_NODE: `node "NAME"`, a node of the target's inventory */
	struct ast_role *next;
	/* resolved */
	struct ast_role *except_role;
	struct ast_model_item *grp;
	struct ast_stmt *loop;       /* R_LOOPVAR: the for each that binds it */
	uint32_t index;              /* 0-based, in declaration order (loop variables after roles) */
	bool used;
};

enum proc_kind { PROC_STANDALONE, PROC_CLUSTER };

struct ast_procedure {
	enum proc_kind kind;
	loc_t loc;
	loc_t head;                  /* `procedure KIND` */
	struct ast_role *roles;      /* declared roles; sema appends loop variables */
	struct ast_stmt *body;
	struct ast_procedure *next;
	/* resolved */
	uint32_t nsteps;             /* steps and checkpoints */
	uint32_t nactions;
	uint32_t nroles;
};

struct ast_param {
	struct ast_name name;
	loc_t loc;
	enum ast_type type;
	loc_t type_loc;
	struct ast_literal *def;     /* NULL when absent (always for a secret one) */
	const char *doc;
	bool secret;                 /* `secret`: its value is never shown, logged, journaled or compiled */
	struct ast_param *next;
	/* resolved */
	uint32_t index;
	bool used;
};

struct ast_require {
	struct ast_cond *cond;
	const char *message;         /* NULL when absent */
	loc_t loc;
	struct ast_require *next;
};

enum model_kind { M_SERVICE, M_CLUSTER_SERVICE, M_RESOURCE, M_GROUP, M_STORE, M_RECOVER };

struct ast_model_item {
	enum model_kind kind;
	loc_t loc;
	struct ast_name name;        /* service, resource, group, store name; M_RECOVER: the param */
	struct ast_name process;     /* M_SERVICE */
	bool holds_stores;           /* M_SERVICE */
	struct ast_name service;     /* M_RESOURCE */
	struct ast_name group;       /* M_RESOURCE */
	struct ast_model_item *next;
	/* resolved */
	struct ast_model_item *res;      /* M_SERVICE: its cluster resource, if any */
	struct ast_model_item *svc;      /* M_RESOURCE: its service */
	struct ast_model_item *grp;      /* M_RESOURCE: its group (an M_GROUP, possibly implicit) */
	struct ast_param *param;         /* M_RECOVER */
	uint32_t index;                  /* per kind: services, groups and resources are numbered apart */
	bool used;
	bool implicit;                   /* M_GROUP declared by a resource's `group` */
	/* M_GROUP `group "G" on ROLE` / `on any node`: where it starts (docs/checker.md) */
	struct ast_name start;           /* the role; .s NULL: on the first `owner of group` role's node */
	bool start_any;                  /* `on any node`: unknown */
	struct ast_role *start_role;     /* resolved, in the cluster procedure */
	bool activates;                  /* a hotfix `needs restart of service` it (product.c) */
};

struct ast_hfile {
	struct ast_name name;
	loc_t loc;
	bool has_version, has_size, has_sha256;
	struct ast_version version;
	int64_t size;
	const char *sha256;
	struct ast_hfile *next;
};

/* `needs …` in a hotfix or a library (docs/language.md, "What an update needs"): what its
 * install takes on a cluster node. HP111 and HP112 judge only what is declared. */
enum need_kind {
	NEED_CLUSTER_STOPPED,        /* `needs cluster service stopped`: HP111 */
	NEED_RESTART,                /* `needs restart`: pending until the node restarts (HP112) */
	NEED_SERVICE_RESTART,        /* `needs restart of service "X"`: or until X starts again there */
};

struct ast_need {
	enum need_kind kind;
	loc_t loc;
	struct ast_name service;     /* NEED_SERVICE_RESTART */
	struct ast_need *next;
};

/* `note HPnnn "TEXT"` in a library: the product's note for a built-in rule, shown instead of
 * the checker's neutral one to every plan that uses the library. */
struct ast_pnote {
	struct ast_name rule;
	loc_t loc;
	const char *text;
	struct ast_pnote *next;
};

struct ast_hotfix {
	struct ast_name name;
	loc_t loc;
	struct ast_hfile *files;
	struct ast_need *needs;      /* its own; its plan's libraries add theirs */
	const char *package;
	const char *args;
	struct ast_name *restarts;   /* array of nrestarts service names */
	uint32_t nrestarts;
	struct ast_hotfix *next;
	/* resolved */
	struct ast_model_item **restart_svcs; /* nrestarts entries */
	uint32_t index;
	bool used;
	unsigned need;               /* bit k: need k (enum need_kind), its own or its libraries' */
	struct ast_model_item *need_svc; /* NEED_SERVICE_RESTART: the service whose start activates it */
};

/* `state NAME of SCOPE [, SCOPE2] : V1 | V2 … [, normal V [else RULE]]` */
struct ast_state_decl {
	struct ast_name name;
	loc_t loc;
	enum decl_scope scope;
	bool pair;                   /* `of resource, node`: an instance per pair */
	enum decl_scope scope2;      /* pair: the second scope */
	struct ast_name *values;     /* the domain, in order; at most 8 */
	uint32_t nvalues;
	struct ast_name normal;      /* .s NULL: unknown at the start, no restore obligation */
	struct ast_name restore;     /* `else RULE`: the rule a value left changed breaks */
	struct ast_state_decl *next;
	/* resolved */
	int normal_index;            /* -1 when none */
	struct ast_rule_decl *restore_rule;
	uint32_t index;              /* among the states a plan sees */
	bool used;
};

/* One item of a declared action's body. */
enum effect_kind { E_REQUIRES, E_SET, E_MOVE, E_UNDO,
	E_MOVE_ALL,      /* `move all groups of N to M` / `to other nodes` (args: N, then M or none) */
	E_MOVE_AWAY,     /* `move G away from N`: G leaves N for another node if it is there (args: G, N) */
};

struct ast_effect {
	enum effect_kind kind;
	loc_t loc;
	struct ast_cond *cond;       /* E_REQUIRES */
	struct ast_name rule;        /* E_REQUIRES: `else RULE` */
	struct ast_name name;        /* E_SET: the field; E_UNDO: the action */
	struct ast_arg *args;        /* E_SET: the field's instance; E_MOVE: group, node; E_UNDO: its args */
	struct ast_name value;       /* E_SET */
	struct ast_effect *next;
	/* resolved */
	struct ast_rule_decl *rulep;
	struct ast_state_decl *state;
	int value_index;
	struct ast_action_decl *undo;
};

/* `action NAME(PARAMS) { ITEMS }` */
struct ast_action_decl {
	struct ast_name name;
	loc_t loc;
	struct ast_dparam *params;
	uint32_t nparams;
	struct ast_effect *effects;
	struct ast_action_decl *next;
	/* resolved */
	bool used;
};

/* `rule ID error|warning "MESSAGE" [(PARAMS)] [{ when COND note "…" help "…" }]` */
struct ast_rule_decl {
	struct ast_name id;
	loc_t loc;
	bool warning;
	const char *message;
	const char *note, *help;
	struct ast_dparam *params;
	uint32_t nparams;
	struct ast_cond *when;       /* NULL: the rule is only named by a `requires` or a `normal … else` */
	struct ast_rule_decl *next;
	/* resolved */
	uint32_t index;              /* in the context's table of declared rules (ctx.h) */
	bool used;                   /* HP201: named by a `requires` or a `normal … else` */
};

/* `library NAME { … }`, or the declarations written directly in a plan (name NULL). */
struct ast_library {
	struct ast_name name;
	loc_t loc;
	struct ast_state_decl *states;
	struct ast_action_decl *actions;
	struct ast_rule_decl *rules;
	struct ast_need *needs;      /* for every hotfix of a plan that uses the library */
	struct ast_pnote *notes;
	struct ast_library *next;
};

struct ast_plan {
	struct ast_name name;
	loc_t loc;
	const char *title;
	const char *kb;
	struct ast_param *params;
	struct ast_require *requires;
	struct ast_require *ensures;
	struct ast_model_item *model;
	struct ast_hotfix *hotfixes;
	struct ast_procedure *procs;
	struct ast_library decls;               /* declarations written in the plan itself */
	struct ast_plan *next;
	/* resolved */
	struct ast_library *libs;               /* the libraries of its file and its imports */
	struct ast_state_decl **states;         /* every declared state it sees, by index */
	struct ast_rule_decl **rules;           /* every declared rule with `when` it sees */
	uint32_t nstates, nrules;
	struct ast_procedure *proc[2];          /* by enum proc_kind */
	struct ast_model_item *store_svc;       /* the service that holds stores */
	struct ast_model_item *cluster_svc;     /* the cluster service */
	struct ast_param *recover;              /* the `recover` param */
	uint32_t nparams, nservices, ngroups, nresources, nhotfixes;
};

/* Inventory (SPEC section 6). */
enum target_item_kind { TI_PROFILE, TI_FACT, TI_STORE, TI_GROUP, TI_SET };

struct ast_target_item {
	enum target_item_kind kind;
	loc_t loc;
	const char *str;             /* profile name, store name, group name, fact path, set name */
	const char *owner;           /* TI_GROUP */
	struct ast_literal *value;   /* TI_FACT, TI_SET (NULL for `set NAME from env "VAR"`) */
	const char *env;             /* TI_SET from env: the environment variable's name */
	struct ast_target_item *next;
};

struct ast_node {
	struct ast_name name;
	loc_t loc;
	const char *address;         /* NULL: sim: */
	struct ast_target_item *items; /* TI_PROFILE, TI_FACT only */
	struct ast_node *next;
};

struct ast_target {
	struct ast_name name;
	loc_t loc;
	enum proc_kind kind;
	struct ast_node *nodes;
	struct ast_target_item *items;
	struct ast_target *next;
};

/* A profile (SPEC section 6, docs/profiles.md): `profile "NAME" { KEY… [=] "COMMAND" … }`.
 * A key is a sequence of words (names or keywords); the parser keeps it as written and
 * runtime/profile.c gives it meaning. */
struct ast_profile_entry {
	const char *key;             /* its words joined by one space: "probe service running" */
	loc_t key_loc;
	const char *value;           /* the string, unescaped */
	loc_t value_loc;
	loc_t loc;
	struct ast_profile_entry *next;
};

struct ast_profile {
	struct ast_name name;
	loc_t loc;
	struct ast_profile_entry *entries;
	struct ast_profile *next;
};

struct ast_import {
	const char *path;            /* as written, relative to the importing file; `use`: the library's name */
	bool use;                    /* `use NAME`: NAME.hplan on the library path (docs/language.md) */
	loc_t loc;
	struct ast_import *next;
};

/* One parsed file. Imports are resolved by the loader (parse.h): plans, targets and
 * profiles of imported files are appended to `plans`, `targets` and `profiles` of the
 * importing file's unit. */
struct ast_file {
	uint32_t source;             /* index of its source in the context */
	struct ast_import *imports;
	struct ast_plan *plans;
	struct ast_library *libraries;
	struct ast_target *targets;
	struct ast_profile *profiles;
};

#endif
