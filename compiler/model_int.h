/* model_int.h: what the model's files share, private to them (model.h is the model's
 * interface). The model is six files in layers, bottom up; each calls only the ones below it
 * (tools/house.py checks that no two call each other and that their calls have no cycle):
 *
 *   model_decl.c    declared state: its layout, start values, atoms (model_decl.h)
 *   model.c         the layout, the abstract and concrete models, layout queries
 *   model_state.c   states, roles, the logged primitive updates
 *   model_eval.c    conditions, declared rules, narrowing (model_assume)
 *   model_effect.c  the built-in actions' effects on one node, group or store
 *   model_apply.c   model_apply: the dispatch, `wait until`, declared actions
 *   model_degr.c    degradations, their keys and text; live state read back
 *
 * model_eval.c and model_effect.c do not call each other; model_apply.c calls both. */
#ifndef HP_MODEL_INT_H
#define HP_MODEL_INT_H

#include "model.h"

/* ---- model.c: layout queries (the one-liners here, inline: the model's hot loops call them) ---- */

/* The number of nodes in x. */
static inline unsigned popcount64(nodeset x)
{
	return (unsigned)__builtin_popcountll(x);
}

/* Every node of m. */
static inline nodeset all_nodes(const struct model *m)
{
	return m->nnodes >= 64 ? ~(nodeset)0 : (((nodeset)1 << m->nnodes) - 1);
}

/* The place of service svc on node n in the state vector. */
static inline unsigned isvc(const struct model *m, unsigned n, unsigned svc)
{
	return m->o_svc + n * m->nsvc + svc;
}

/* Is store k selected by `sel`? B_NO, B_YES or B_ANY. */
mset model_selected(const struct model *m, unsigned k, const struct ast_stores *sel);
/* The stores `sel` may select, in order: from model_sel_first(m, sel), while k < nstores, k =
 * sel_next(m, sel, k). Every store, but for `store "X"` only the stores of its name. */
unsigned model_sel_first(const struct model *m, const struct ast_stores *sel);
static inline unsigned sel_next(const struct model *m, const struct ast_stores *sel, unsigned k)
{
	return sel->kind == ST_ONE ? m->store_next[k] : k + 1;
}

/* ---- model_state.c: the logged primitive updates (set_value, put, remap here, inline) ---- */

/* Every change model_apply and model_assume make goes through note (a state with a log has
 * the old value noted first) and set_value / set_owner (value i, group g's owner). */
void model_note(struct model_state *s, uint32_t place, nodeset val, const struct ast_action *cause);
static inline void set_value(struct model_state *s, unsigned i, mset val, const struct ast_action *cause)
{
	if (s->log != NULL)
		model_note(s, i, s->v[i], s->cause[i]);
	s->v[i] = val;
	s->cause[i] = cause;
}

void model_set_owner(const struct model *m, struct model_state *s, unsigned g, nodeset owner,
	       const struct ast_action *cause);

/* One action being applied: the model, the state it changes, the bindings of the
 * procedure's roles, the action (the cause of every change) and where violations go. */
struct apply {
	const struct model *m;
	struct model_state *s;
	const struct model_bind *b;
	const struct ast_action *act;
	model_report_fn report;
	void *ud;
};

/* Value i becomes val; a weak update adds val to the possible values. */
static inline void put(struct apply *x, unsigned i, mset val, bool weak)
{
	mset old = x->s->v[i];
	mset nv = weak ? (mset)(old | val) : val;
	if (nv != old)
		set_value(x->s, i, nv, x->act);
}

/* Values in `from` become `to`; the others stay. */
static inline void remap(struct apply *x, unsigned i, mset from, mset to, bool weak)
{
	mset old = x->s->v[i];
	if (!(old & from))
		return;
	put(x, i, weak ? (mset)(old | to) : (mset)((old & ~from) | to), false);
}

/* Report a violation of rule on node, store or group (-1: none) of the action applied. */
void model_report(struct apply *x, enum rule_id rule, int node, int store, int group, bool certain);

/* ---- model_effect.c: the built-in actions' effects ---- */

/* May node n own a group? Certainly? */
mset model_owns_any(const struct model *m, const struct model_state *s, unsigned n);
/* Is node n patched (some hotfix installed, not pending)? */
mset model_patched(const struct model *m, const struct model_state *s, unsigned n);
/* An at-risk store that may be in one of the states `bad` (exists, affected, at risk): its
 * index, or -1; *certain when it certainly is. */
int model_at_risk_store_in(const struct model *m, const struct model_state *s, mset bad, bool *certain);
/* Is svc the service that holds the stores? */
bool model_holds_stores(const struct ast_model_item *svc);
/* HP103: a clean stop of the store service while an at-risk store is mounted. */
void model_check_clean_stop(struct apply *x, unsigned n, const struct ast_model_item *svc);
/* The service stops on node n: cleanly, or killed. Its mounted stores go offline or dirty. */
void model_svc_stop(struct apply *x, unsigned n, const struct ast_model_item *svc, bool weak, bool killed);
/* The service starts on node n: its stores mounted, the hotfixes waiting for it activated. */
void model_svc_start(struct apply *x, unsigned n, const struct ast_model_item *svc, bool weak);
/* A cluster none of whose nodes is certainly a member? */
bool model_none_member_possible(const struct model *m, const struct model_state *s);
/* The node is back: a member, its pending hotfixes installed, its services running. */
void model_node_up(struct apply *x, unsigned n, bool weak);
/* The action's hotfix installs on node n. */
void model_do_install(struct apply *x, unsigned n, bool weak);
/* The action's stores are dismounted / mounted (on a node of host). */
void model_do_dismount(struct apply *x);
void model_do_mount(struct apply *x, nodeset host, bool weak);
/* Group g moves to node t. */
void model_do_move(struct apply *x, unsigned g, unsigned t);

#endif
