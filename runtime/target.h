/* target.h: what a plan runs on: a target from an inventory file's `target` block (SPEC
 * section 6) or one of the built-in simulated targets (SPEC section 5), and the values of
 * the plan's params for a run. Everything lives in the arena passed in (the run's). */
#ifndef HP_TARGET_H
#define HP_TARGET_H

#include <stdbool.h>
#include <stddef.h>

#include "ctx.h"
#include "model.h"

enum transport_kind { TR_SIM, TR_LOCAL, TR_SSH };

struct rt_fact {
	const char *path;                  /* "exchange.version" */
	const struct ast_literal *value;   /* NULL for a `set NAME from env "VAR"` */
	const char *env;                   /* that VAR (sets only), else NULL */
};

struct rt_node {
	const char *name;
	const char *address;               /* as written; NULL for sim: */
	enum transport_kind transport;
	const char *user, *host;           /* ssh://user@host[:port] */
	int port;                          /* 0: the default */
	const char *profile;               /* NULL: the transport's default */
	struct rt_fact *facts;
	unsigned nfacts;
};

struct rt_target {
	const char *name;
	enum proc_kind kind;
	bool builtin;
	struct rt_node *nodes;
	unsigned nnodes;
	const char **stores;               /* simulated targets */
	unsigned nstores;
	const char **group_names, **group_owners; /* simulated targets: `group G owner N` */
	unsigned ngroups;
	struct rt_fact *facts;             /* target-wide */
	unsigned nfacts;
	struct rt_fact *sets;              /* `set NAME = literal`: param values */
	unsigned nsets;
	const char *profile;               /* default for its nodes */
};

/* The built-in simulated target of `kind`: sim-server, or sim-node1 + sim-node2 (sim-node1
 * owning every group), with SPEC section 5's stores and facts. */
void target_builtin(struct arena *a, enum proc_kind kind, struct rt_target *out);

/* Pick the target `name` (or the only one, when name is NULL) of an inventory file.
 * Returns 0, or -1 with a message (unknown target, several and none named, a bad address). */
int target_from_inventory(struct hp_ctx *ctx, const struct ast_file *inv, const char *name,
			  struct rt_target *out, char *err, size_t errlen);

/* A fact of node `node` (its own first, then the target's); NULL when there is none. */
const struct ast_literal *target_fact(const struct rt_target *t, int node, const char *path);

/* Index of the node called `name`, or -1. */
int target_node_index(const struct rt_target *t, const char *name);

/* ---- params ---------------------------------------------------------------------------- */

struct rt_value {
	bool set;
	struct ast_literal lit;            /* the value, typed as the param */
	const char **list;                 /* a stores param: the names */
	unsigned nlist;
	const char *text;                  /* as given, for the journal (NAME=TEXT) */
};

/* Parse `text` as a value of `type` into *out (arena strings). Returns 0, or -1 with a
 * message ("'x' is not a duration (like 90s, 15m, 2h)"). */
int value_parse(struct arena *a, enum ast_type type, const char *text, struct rt_value *out,
		char *err, size_t errlen);

/* The text of a target's `set NAME from env "VAR"`: $VAR, or NULL when it is not set. */
const char *target_set_env(const struct rt_fact *set);

/* Values for every param of `plan` (indexed by param index): defaults, then the target's
 * `set`s (a `set NAME from env "VAR"`: $VAR, which must be set), then `--set NAME=VALUE`
 * (later wins). An unknown name or a bad value is an error
 * (-1, message); a param with no value is left unset (preflight reports it). */
int params_bind(struct arena *a, const struct ast_plan *plan, const struct rt_target *t,
		const char *const *sets, unsigned nsets, struct rt_value *values, char *err, size_t errlen);

/* What the model needs of them. */
void params_for_model(const struct ast_plan *plan, const struct rt_value *values,
		      struct model_param_value *out);

#endif
