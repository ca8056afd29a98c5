/* model.h: the state of a target and the effect of every action on it, written once.
 *
 * Every field of the state is a set of possible values (an mset). The checker runs the
 * model over sets with several members (three-valued state: "unknown" is the set of both);
 * the simulated target (sim:) runs the same code over singletons (concrete state). The
 * same functions check each action's preconditions (the rules HP101-HP131 that are judged
 * at an action) and apply its effect; a caller gets each possible violation through a
 * callback: the checker turns it into a diagnostic, the runtime refuses the action.
 *
 * Ownership: a struct model and its states are allocated from the arena passed to
 * model_init_*; they live as long as that arena. */
#ifndef HP_MODEL_H
#define HP_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "ast.h"
#include "rules.h"

#define MODEL_MAX_NODES 64

typedef uint8_t mset;   /* a set of possible values of one field */
typedef uint64_t nodeset;

/* tri-valued truth: {NO}, {YES}, or {NO, YES} = unknown */
enum { B_NO = 1, B_YES = 2, B_ANY = 3 };
/* node membership */
enum { MEM_MEMBER = 1, MEM_OUT = 2, MEM_DOWN = 4 };
/* a (non-cluster) service on a node */
enum { SVC_RUNNING = 1, SVC_STOPPED = 2 };
/* a hotfix on a node */
enum { HF_ABSENT = 1, HF_PENDING = 2, HF_INSTALLED = 4 };
/* a file a hotfix lists, on a node */
enum { FV_OLD = 1, FV_NEW = 2 };
/* a store */
enum { STO_MOUNTED = 1, STO_OFFLINE = 2, STO_DIRTY = 4, STO_DISMOUNTED = 8 };

static inline bool mset_only(mset m, mset v) { return m == v; }
static inline bool mset_may(mset m, mset v) { return (m & v) != 0; }

struct model_store {
	const char *name;       /* NULL for a class representative (abstract only) */
	const char *label;      /* for messages: the name, or "an affected store" … */
	mset exists;            /* B_YES, or B_ANY for a representative that may stand for none */
	mset *in;               /* [nparams]: membership in each `stores` param (B_NO/B_YES/B_ANY) */
};

struct model {
	const struct ast_plan *plan;
	enum proc_kind kind;
	bool concrete;
	unsigned nnodes;
	const char **node_names;         /* [nnodes] */
	unsigned nsvc, ngroups, nres, nhf, nfiles, nparams, nstores;
	const struct ast_hfile **files;  /* [nfiles] every file of every hotfix */
	const struct ast_hotfix **file_hf; /* [nfiles] */
	const struct ast_model_item **svcs, **groups, **res; /* by index */
	struct model_store *stores;      /* [nstores] */
	const struct ast_param **params; /* [nparams] */
	/* layout of a state's value array */
	unsigned o_mem, o_svc, o_hf, o_fv, o_restart, o_store, o_risk, o_param, nv;
};

struct model_state {
	nodeset *owner;                  /* [ngroups]: possible owners */
	const struct ast_action **cause; /* [nv]: the action that last set each value */
	mset *v;                         /* [nv] */
};

/* What a caller binds roles to: one node set per role index (sema's ast_role.index). */
struct model_bind {
	nodeset *nodes;
	unsigned n;
};

/* A precondition an action breaks (or may break). */
struct model_violation {
	enum rule_id rule;
	const struct ast_action *act;
	int node;          /* the node concerned, or -1 */
	int store;         /* the store concerned, or -1 */
	int group;         /* the group concerned, or -1 */
	bool certain;      /* the violation is certain, not only possible */
};

typedef void (*model_report_fn)(void *ud, const struct model_violation *v);

/* An abstract model of `plan` for a procedure of `kind` over `nnodes` representative nodes
 * (1 for standalone). Stores: the affected and the unaffected class, and each store the
 * plan names, split by whether it is affected. */
struct model *model_init_abstract(struct arena *a, const struct ast_plan *plan, enum proc_kind kind,
				  unsigned nnodes);

/* What the model needs of a param's value on a concrete target. */
struct model_param_value {
	bool known;
	bool b;                      /* a bool param */
	const char *const *stores;   /* a stores param: the store names it holds */
	unsigned nstores;
};

/* A concrete model (the simulated target, and the runtime's view of a live one): real
 * nodes and stores; store membership in each `stores` param from `values` (indexed by
 * param index; NULL: none known). */
struct model *model_init_concrete(struct arena *a, const struct ast_plan *plan, enum proc_kind kind,
				  unsigned nnodes, const char *const *node_names,
				  unsigned nstores, const char *const *store_names,
				  const struct model_param_value *values);

/* A start state where group g is owned by `node`: its resources' services run there only. */
void model_state_set_owner(const struct model *m, struct model_state *s, unsigned g, unsigned node);

/* Set the bool params of `s` from `values` (unknown ones stay unknown). */
void model_state_set_params(const struct model *m, struct model_state *s, const struct model_param_value *values);

/* The healthy start state of SPEC section 4: every node a member, every service running on
 * its node (a resource's service on its group's owner), every store mounted, every group
 * owned by node `owner`, nothing installed, every affected store at risk, params unknown. */
struct model_state *model_state_start(struct arena *a, const struct model *m, unsigned owner);

struct model_state *model_state_clone(struct arena *a, const struct model *m, const struct model_state *s);
void model_state_copy(const struct model *m, struct model_state *dst, const struct model_state *src);
bool model_state_equal(const struct model *m, const struct model_state *a, const struct model_state *b);
/* dst := dst ∪ src (every field may take the values of either). */
void model_state_join(const struct model *m, struct model_state *dst, const struct model_state *src);

/* Bind the declared roles of `proc` (not loop variables) in state `s`. */
void model_bind_roles(const struct model *m, const struct model_state *s,
		      const struct ast_procedure *proc, struct model_bind *b);

/* Check the preconditions of `act` and apply its effect. Violations go to `report`
 * (which may be NULL). Returns false when the action cannot be followed at all. */
bool model_apply(const struct model *m, struct model_state *s, const struct model_bind *b,
		 const struct ast_action *act, model_report_fn report, void *ud);

/* Evaluate a condition: B_NO, B_YES or B_ANY. *cause, when not NULL, receives the action
 * that set the deciding value (NULL when it holds from the start). */
mset model_eval(const struct model *m, const struct model_state *s, const struct model_bind *b,
		const struct ast_cond *c, const struct ast_action **cause);

/* Narrow `s` to the states where `c` has value `want` (B_NO or B_YES). Returns false when no
 * such state exists (the path is infeasible). */
bool model_assume(const struct model *m, struct model_state *s, const struct model_bind *b,
		  const struct ast_cond *c, mset want);

/* Degradations (SPEC section 4) that may be outstanding. */
enum model_degr_kind { DEG_SERVICE, DEG_STORE, DEG_RESTART, DEG_NODE };
struct model_degr {
	enum model_degr_kind kind;
	int node, index;                 /* index: service, store or resource */
	const struct ast_action *cause;
};
/* Fill up to `max` degradations of `s`; returns how many there are (may exceed max). */
unsigned model_degradations(const struct model *m, const struct model_state *s,
			    struct model_degr *out, unsigned max);

/* The nodes `act` goes to under binding `b` (the owner for a resource's service or the
 * stores; its `on` role otherwise; the only node of a standalone target). */
nodeset model_action_nodes(const struct model *m, const struct model_state *s,
			   const struct model_bind *b, const struct ast_action *act);

/* Is store k selected by `sel` (`store "X"`, `all stores`, `stores [not] in P`)? B_NO, B_YES,
 * or B_ANY when the model cannot know (always B_NO or B_YES on a concrete model). */
mset model_store_selected(const struct model *m, unsigned k, const struct ast_stores *sel);

/* Names for messages. */
const char *model_node_name(const struct model *m, unsigned node);

/* Versions compare component by component, a missing fourth as 0: <0, 0, >0. */
int model_version_cmp(const struct ast_version *a, const struct ast_version *b);
/* Does a comparison whose three-way result is c satisfy op? */
bool model_cmp_holds(int c, enum cmp_op op);

/* Value accessors (for the checker's end-of-procedure rules and the runtime). */
static inline mset *model_mem(const struct model *m, struct model_state *s, unsigned n)
{
	return &s->v[m->o_mem + n];
}
static inline mset *model_svc(const struct model *m, struct model_state *s, unsigned n, unsigned svc)
{
	return &s->v[m->o_svc + n * m->nsvc + svc];
}
static inline mset *model_hf(const struct model *m, struct model_state *s, unsigned n, unsigned h)
{
	return &s->v[m->o_hf + n * m->nhf + h];
}
static inline mset *model_fv(const struct model *m, struct model_state *s, unsigned n, unsigned f)
{
	return &s->v[m->o_fv + n * m->nfiles + f];
}
static inline mset *model_restart(const struct model *m, struct model_state *s, unsigned r)
{
	return &s->v[m->o_restart + r];
}
static inline mset *model_store(const struct model *m, struct model_state *s, unsigned k)
{
	return &s->v[m->o_store + k];
}
static inline mset *model_risk(const struct model *m, struct model_state *s, unsigned k)
{
	return &s->v[m->o_risk + k];
}
static inline mset *model_param(const struct model *m, struct model_state *s, unsigned p)
{
	return &s->v[m->o_param + p];
}

#endif
