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
 * model_init_*; they live as long as that arena. A state's log (struct model_log) is its
 * user's, and so is the arena the log grows in. */
#ifndef HP_MODEL_H
#define HP_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "ast.h"
#include "rules.h"
#include "strmap.h"

#define MODEL_MAX_NODES 64
#define DECL_MAX_ARGS 4         /* parameters of a declared action or rule (decl.c checks it) */

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
	/* indexes, so that an action's effect costs what it changes, not the model's size */
	unsigned *grp_res, *res_of_grp;  /* group g's resources: res_of_grp[grp_res[g] .. grp_res[g + 1]) */
	unsigned *grp_svc, *svc_of_grp;  /* the services whose resource is in group g, likewise */
	unsigned *hf_files;              /* [nhf + 1]: hotfix h's files are files[hf_files[h] .. hf_files[h + 1]) */
	unsigned *store_next;            /* [nstores]: the next store of the same name, or nstores */
	struct strmap store_by_name;     /* a name to its first store (a pointer into stores) */
	struct strmap file_by_name;      /* a name to its first file with a version (into files) */
	/* declared state (docs/language.md): instance i of state k is v[o_dstate[k] + i], a bit
	 * per value; the instances of a state are the target (1), its nodes, groups or resources */
	unsigned ndstates;
	const struct ast_state_decl *const *dstates;
	unsigned *o_dstate;              /* [ndstates + 1]: o_dstate[ndstates] == nv */
	unsigned o_decl;
};

/* A change to a state: place p < nv is v[p] with cause[p], place nv + g is owner[g]; val and
 * cause are what the place held before the change. */
struct model_change {
	uint32_t place;
	nodeset val;
	const struct ast_action *cause;
};

/* Where model_apply and model_assume note every change they make to a state, before they
 * make it, when the state has one: its user's undo. It grows in `a`. */
struct model_log {
	struct model_change *v;
	unsigned n, cap;
	struct arena *a;
};

struct model_state {
	nodeset *owner;                  /* [ngroups]: possible owners */
	const struct ast_action **cause; /* [nv + ngroups]: the action that last set each value, then
					  * each group's owner (place nv + g, as struct model_change) */
	mset *v;                         /* [nv] */
	struct model_log *log;           /* NULL: changes are not noted (model_state_* never note) */
};

/* What a caller binds roles to: one node set per role index (sema's ast_role.index). */
struct model_bind {
	nodeset *nodes;
	unsigned n;
	const unsigned *dargs;           /* inside a declared action or rule: its parameters' instances */
};

/* A precondition an action breaks (or may break). */
struct model_violation {
	enum rule_id rule;
	const struct ast_action *act;
	int node;          /* the node concerned, or -1 */
	int store;         /* the store concerned, or -1 */
	int group;         /* the group concerned, or -1 */
	bool certain;      /* the violation is certain, not only possible */
	const struct ast_rule_decl *decl_rule; /* a declared action's `requires … else RULE` (rule: RULE_COUNT) */
};

typedef void (*model_report_fn)(void *ud, const struct model_violation *v);

/* What each kind of action is, declared once (indexed by enum action_kind). */
struct model_action_kind {
	bool on_node;    /* goes to a node: in a cluster it needs one (HP005); a node that is down
			  * cannot take it (HP131) */
	bool acts;       /* changes what the model follows on the target: its effect is the model's */
	bool guarded;    /* the runtime's guard judges its preconditions against the live state first */
	bool reverify;   /* after an interruption, whether it took effect is read back from the model
			  * (acting again would change nothing) */
	bool inert;      /* model_apply neither changes the state nor reports anything (time passes) */
};
extern const struct model_action_kind model_action_kinds[];

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
/* The values place p (as struct model_change numbers places: a value, or nv + g for group g's
 * owner) may hold in s. */
nodeset model_state_get(const struct model *m, const struct model_state *s, uint32_t p);
/* Place p of s holds `val`, set by `cause`; the old value and cause are noted in s's log
 * when it has one. */
void model_state_put(const struct model *m, struct model_state *s, uint32_t p, nodeset val,
		     const struct ast_action *cause);
/* Place p of s may also hold the values `val` (s[p] := s[p] ∪ val), noted in s's log when it
 * has one; when that adds a value, the place's cause becomes `cause`. Returns whether it did. */
bool model_state_widen(const struct model *m, struct model_state *s, uint32_t p, nodeset val,
		       const struct ast_action *cause);

/* Where the groups start, as the plan says (`group "G" on ROLE`; `on any node`: unknown on an
 * abstract model, the target's on a concrete one), then the roles bound again (an `owner
 * of group` role names the first node its group may be on). Roles must be bound before
 * (model_bind_roles); nothing changes when no group says where it starts. */
void model_place_groups(const struct model *m, struct model_state *s, const struct ast_procedure *proc,
			struct model_bind *b);

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

/* Where a live target's conditions get their atoms (facts, params, counts and what its
 * driver probes): `leaf` gives the value of one atom (never `and`, `or` or `not`): B_NO,
 * B_YES, or B_ANY when it cannot be known, with why (len bytes, never NULL) saying why. */
struct model_env {
	mset (*leaf)(void *ud, const struct ast_cond *c, char *why, size_t len);
	void *ud;
};

/* Evaluate a condition on a live target: `and`, `or` and `not` as model_eval (three-valued:
 * an unknown side decides nothing the other side decides), every atom from env. why (len
 * bytes, never NULL) says why an unknown result is unknown (the first unknown atom's word)
 * or what the atom that decided said. */
mset model_eval_env(const struct model_env *env, const struct ast_cond *c, char *why, size_t len);

/* `not` over a truth value: B_NO and B_YES swap, B_ANY stays. */
mset model_not(mset v);

/* Narrow `s` to the states where `c` has value `want` (B_NO or B_YES). Returns false when no
 * such state exists (the path is infeasible). */
bool model_assume(const struct model *m, struct model_state *s, const struct model_bind *b,
		  const struct ast_cond *c, mset want);

/* Degradations (SPEC section 4) that may be outstanding: a service stopped on a node (on a
 * resource's group's owner only), a store that is not mounted (offline, dirty or
 * dismounted), a resource set to Do not restart, a cluster node that is not a member (out or
 * down). The checker's end-of-procedure rules and failure points, and the runtime's
 * rollback and its last words, all read them from here. */
enum model_degr_kind { DEG_SERVICE, DEG_STORE, DEG_RESTART, DEG_NODE, DEG_DECL };
struct model_degr {
	enum model_degr_kind kind;
	int node, index;                 /* node: DEG_SERVICE, DEG_NODE; index: service, store or resource;
					  * DEG_DECL: the place of the declared value, less o_decl */
	mset state;                      /* the degraded value's possible values (SVC_, STO_, B_ or MEM_) */
	const struct ast_action *cause;  /* the action that set it; NULL when it was so from the start */
};
/* Fill up to `max` degradations of `s` (out may be NULL when max is 0); returns how many
 * there are (may exceed max). */
unsigned model_degradations(const struct model *m, const struct model_state *s,
			    struct model_degr *out, unsigned max);

/* Each degradation a model can have, by key: 0 to model_degr_nkeys(m) - 1, in the order
 * model_degradations lists them (so that a user who follows changes can keep them in order). */
unsigned model_degr_nkeys(const struct model *m);
/* Is the degradation of key `key` outstanding in s? When it is, *out (when not NULL) is it, as
 * model_degradations gives it. */
bool model_degr_at(const struct model *m, const struct model_state *s, unsigned key, struct model_degr *out);
/* Call fn(ud, key) for each key whose degradation a change of place `place` (struct
 * model_change) can make or end. */
void model_degr_keys(const struct model *m, unsigned place, void (*fn)(void *ud, unsigned key), void *ud);
/* Can a change of place `place` make or end a degradation at all (membership, a service, a
 * restart policy, a store, an owner)? */
static inline bool model_degr_place(const struct model *m, unsigned place)
{
	return place < m->o_hf || (place >= m->o_restart && place < m->o_risk) || place >= m->o_decl;
}

/* Declared state (model_decl.c). The number of instances of a state of scope `sc`. */
unsigned model_decl_count(const struct model *m, enum decl_scope sc);
/* Which state, and which instance of it, a place of the declared region is. */
unsigned model_decl_state_of(const struct model *m, unsigned place, unsigned *instance);
/* Does a declared state's instance at `place` differ (or may it) from its normal value? */
bool model_decl_degraded(const struct model *m, const struct model_state *s, unsigned place);
/* Does rule r's `when` hold, for some binding of its parameters, in s? B_NO, B_YES or B_ANY;
 * *cause gets the action that set a deciding value. */
mset model_rule_eval(const struct model *m, const struct model_state *s, const struct model_bind *b,
		     const struct ast_rule_decl *r, const struct ast_action **cause);

/* How a caller names node n in words ("'passive' (node 2)", "exchange1"). */
typedef const char *(*model_name_fn)(void *ud, int node);

/* A degradation in words, allocated from `a`: "service \"W3SVC\" is stopped on NODE",
 * "store \"S\" is not mounted", … Nodes are named by `name` (NULL: model_node_name). On a
 * concrete model, where the state is known, it says which: "store \"S\" is dismounted". */
const char *model_degr_text(struct arena *a, const struct model *m, const struct model_degr *g,
			    model_name_fn name, void *ud);

/* The nodes `act` goes to under binding `b` (the owner for a resource's service or the
 * stores; its `on` role otherwise; the only node of a standalone target). */
nodeset model_action_nodes(const struct model *m, const struct model_state *s,
			   const struct model_bind *b, const struct ast_action *act);

/* Does `svc` run on its cluster resource's group owner only (a cluster model's resource)? */
bool model_is_resource_svc(const struct model *m, const struct ast_model_item *svc);

/* The nodes a condition talks about: the only node of a stand-alone target; for a
 * resource's service `svc`, its group's owner; its role; else every node. */
nodeset model_cond_nodes(const struct model *m, const struct model_state *s, const struct model_bind *b,
			 const struct ast_cond *c, const struct ast_model_item *svc);

/* Is store k selected by `sel` (`store "X"`, `all stores`, `stores [not] in P`)? B_NO, B_YES,
 * or B_ANY when the model cannot know (always B_NO or B_YES on a concrete model). */
mset model_store_selected(const struct model *m, unsigned k, const struct ast_stores *sel);

/* Names for messages. */
const char *model_node_name(const struct model *m, unsigned node);

/* Versions compare component by component, a missing fourth as 0: <0, 0, >0. */
int model_version_cmp(const struct ast_version *a, const struct ast_version *b);
/* Does a comparison whose three-way result is c satisfy op? */
bool model_cmp_holds(int c, enum cmp_op op);
/* Literals of one kind compare (versions as model_version_cmp, strings bytewise, numbers,
 * durations and bools by value): <0, 0, >0; *comparable is false when the kinds differ. */
int model_lit_cmp(const struct ast_literal *a, const struct ast_literal *b, bool *comparable);
/* A fact condition (`fact F CMP LIT`, `fact F in [ … ]`) on the fact's value v: B_YES or
 * B_NO; *comparable is false when v cannot be compared with the literal (`CMP` only). */
mset model_fact_eval(const struct ast_cond *c, const struct ast_literal *v, bool *comparable);
/* `count(P) CMP N` when P holds `count` values: B_YES or B_NO. */
mset model_count_eval(const struct ast_cond *c, int64_t count);

/* Live state read back from a target (a command driver's probes when the run starts): each
 * sets one value of a concrete state from what was observed. */
void model_observe_member(const struct model *m, struct model_state *s, unsigned n, bool member);
/* running: B_YES or B_NO as probed; B_ANY when not probed: as the model starts (a
 * resource's service runs on its group's owner only, every other service runs). */
void model_observe_service(const struct model *m, struct model_state *s, unsigned n, unsigned svc, mset running);
/* File f of a hotfix has version `seen` on node n: true when it is the version listed. */
bool model_observe_file(const struct model *m, struct model_state *s, unsigned n, unsigned f,
			const struct ast_version *seen);
/* Hotfix h is (not) installed on node n; files_new: every file of it that was read back has
 * its listed version. A cluster node whose files are not in place yet waits for its restart
 * (pending). */
void model_observe_hotfix(const struct model *m, struct model_state *s, unsigned n, unsigned h, bool installed,
			  bool files_new);
/* Store k is (not) mounted on node `host`; dismounted: B_YES or B_NO as probed, B_ANY when
 * not probed: a store that is not mounted while the store service runs was dismounted,
 * else it is offline. */
void model_observe_store(const struct model *m, struct model_state *s, unsigned k, unsigned host, bool mounted,
			 mset dismounted);
void model_observe_restart(const struct model *m, struct model_state *s, unsigned r, bool enabled);

/* Value accessors, for reading a state (tests, the checker's messages). Live state read back
 * from a target is written through model_observe_* instead. */
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
