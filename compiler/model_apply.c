/* model_apply.c: model_apply, the effect of one action on a state: which nodes it goes to,
 * what each action kind is (model_action_kinds), the dispatch to model_effect.c's effects,
 * `wait until`, and declared actions under every binding of their parameters. Every effect
 * is written once over sets of possible values; a concrete state is the case where each set
 * has one member. A "weak" update adds the new value to the possible ones (the action may or
 * may not have touched that field); a strong one replaces them. The top of the model's files
 * with model_degr.c: calls model_effect.c, model_eval.c, model_state.c, model.c, model_decl.c. */
#include "model.h"

#include "model_decl.h"
#include "model_int.h"

/* ---- dispatch ------------------------------------------------------------------------ */

nodeset model_action_nodes(const struct model *m, const struct model_state *s,
			   const struct model_bind *b, const struct ast_action *act)
{
	const struct ast_model_item *svc = NULL;

	switch (act->kind) {
	case A_STOP_SERVICE:
	case A_START_SERVICE:
	case A_KILL_PROCESS:
	case A_DISMOUNT:
	case A_MOUNT:
		svc = act->svc;
		if (model_is_resource_svc(m, svc))
			return s->owner[svc->res->grp->index];
		/* fall through */
	case A_INSTALL:
	case A_RESTART_NODE:
	case A_EXEC:
		if (m->kind == PROC_STANDALONE)
			return 1;
		if (act->node != NULL && act->node->index < b->n)
			return b->nodes[act->node->index];
		return 0;
	default:
		return 0;
	}
}

/* `exec` goes to a node and is guarded, but the model follows no effect of it (HP205);
 * waits, verifications and pauses change nothing and are judged by running them. */
const struct model_action_kind model_action_kinds[] = {
	[A_STOP_SERVICE]    = { .on_node = true,  .acts = true,  .guarded = true,  .reverify = true },
	[A_START_SERVICE]   = { .on_node = true,  .acts = true,  .guarded = true,  .reverify = true },
	[A_KILL_PROCESS]    = { .on_node = true,  .acts = true,  .guarded = true,  .reverify = true },
	[A_DISMOUNT]        = { .on_node = false, .acts = true,  .guarded = true,  .reverify = true },
	[A_MOUNT]           = { .on_node = false, .acts = true,  .guarded = true,  .reverify = true },
	[A_INSTALL]         = { .on_node = true,  .acts = true,  .guarded = true,  .reverify = true },
	[A_RESTART_NODE]    = { .on_node = true,  .acts = true,  .guarded = true,  .reverify = true },
	[A_MOVE_GROUP]      = { .on_node = false, .acts = true,  .guarded = true,  .reverify = true },
	[A_DISABLE_RESTART] = { .on_node = false, .acts = true,  .guarded = true,  .reverify = true },
	[A_ENABLE_RESTART]  = { .on_node = false, .acts = true,  .guarded = true,  .reverify = true },
	[A_WAIT_UNTIL]      = { .on_node = false, .acts = false, .guarded = false, .reverify = false },
	[A_WAIT]            = { .on_node = false, .acts = false, .guarded = false, .reverify = false, .inert = true },
	[A_VERIFY]          = { .on_node = false, .acts = false, .guarded = false, .reverify = false },
	[A_PAUSE]           = { .on_node = false, .acts = false, .guarded = false, .reverify = false, .inert = true },
	[A_EXEC]            = { .on_node = true,  .acts = false, .guarded = true,  .reverify = false },
	[A_CALL]            = { .on_node = false, .acts = true,  .guarded = true,  .reverify = false },
};

/* HP117: an action that goes to a group's owner names a node that may not be the owner. */
static void check_owner_on(struct apply *x, nodeset owner)
{
	const struct ast_action *act = x->act;
	if (!model_is_resource_svc(x->m, act->svc) || act->node == NULL || act->node->index >= x->b->n)
		return;
	nodeset on = x->b->nodes[act->node->index];
	if (on != owner || popcount64(owner) != 1) {
		int node = on ? __builtin_ctzll(on) : -1;
		model_report(x, HP117, node, -1, (int)act->svc->res->grp->index, (on & owner) == 0);
	}
}

static void apply_on_node(struct apply *x, unsigned n, bool weak)
{
	const struct model *m = x->m;
	const struct ast_action *act = x->act;
	const struct ast_model_item *svc = act->svc;

	switch (act->kind) {
	case A_STOP_SERVICE:
		if (svc->kind == M_CLUSTER_SERVICE) {
			mset o = model_owns_any(m, x->s, n);
			if (o & B_YES)
				model_report(x, HP115, (int)n, -1, -1, o == B_YES);
			remap(x, m->o_mem + n, MEM_MEMBER, MEM_OUT, weak);
		} else {
			model_check_clean_stop(x, n, svc);
			model_svc_stop(x, n, svc, weak, false);
		}
		break;
	case A_START_SERVICE:
		if (svc->kind == M_CLUSTER_SERVICE)
			remap(x, m->o_mem + n, MEM_OUT, MEM_MEMBER, weak);
		else
			model_svc_start(x, n, svc, weak);
		break;
	case A_KILL_PROCESS: {
		if (svc->kind != M_SERVICE)
			break;
		if (model_is_resource_svc(m, svc)) {
			mset rs = x->s->v[m->o_restart + svc->res->index];
			if (rs & B_YES)
				model_report(x, HP114, (int)n, -1, (int)svc->res->grp->index, rs == B_YES && !weak);
		}
		if (model_holds_stores(svc)) {
			bool certain = false;
			int k = model_at_risk_store_in(m, x->s, STO_OFFLINE | STO_DISMOUNTED, &certain);
			if (k >= 0)
				model_report(x, HP102, (int)n, k, -1, certain && !weak);
		}
		model_svc_stop(x, n, svc, weak, true);
		break;
	}
	case A_INSTALL:
		model_do_install(x, n, weak);
		break;
	case A_RESTART_NODE: {
		if (m->kind == PROC_CLUSTER) {
			mset o = model_owns_any(m, x->s, n);
			if (o & B_YES)
				model_report(x, HP115, (int)n, -1, -1, o == B_YES);
		}
		for (unsigned i = 0; i < m->nsvc; i++)
			if (m->svcs[i]->kind == M_SERVICE)
				model_check_clean_stop(x, n, m->svcs[i]);
		for (unsigned i = 0; i < m->nsvc; i++)
			if (m->svcs[i]->kind == M_SERVICE)
				model_svc_stop(x, n, m->svcs[i], weak, false);
		put(x, m->o_mem + n, MEM_DOWN, weak);
		if (m->kind == PROC_STANDALONE)
			model_node_up(x, n, weak);   /* the runtime waits for a lone server to come back */
		break;
	}
	default:
		break;
	}
}

/* Bring back the nodes a `wait until` waits for (positive `R member` conjuncts), and let the
 * world's declared state come to the value waited for. */
static void wait_nodes(struct apply *x, const struct ast_cond *c)
{
	if (c == NULL)
		return;
	if (c->kind == C_AND) {
		wait_nodes(x, c->lhs);
		wait_nodes(x, c->rhs);
	} else if (c->kind == C_DSTATE && c->op == CMP_EQ && c->state != NULL && c->state->normal_index < 0 &&
		   c->value_index >= 0) {
		/* a state with no normal value is the world's (quorum, replication): it may come to
		 * any of its values while the plan waits */
		unsigned places[MODEL_MAX_NODES];
		unsigned n = model_decl_places(x->m, x->b, c->state, c->args, places);
		for (unsigned i = 0; i < n; i++)
			put(x, places[i], (mset)(1u << c->value_index), true);
	} else if (c->kind == C_MEMBER && c->role != NULL && c->role->index < x->b->n) {
		nodeset ns = x->b->nodes[c->role->index];
		for (unsigned n = 0; n < x->m->nnodes; n++)
			if (ns & ((nodeset)1 << n))
				model_node_up(x, n, false);
	}
}

/* ---- declared actions ---------------------------------------------------------------- */

/* `move all groups of N to M` (to: M's node) / `to other nodes` (to == NULL): every group
 * that is, or may be, on N moves; to the other nodes, it goes to one of them (the cluster
 * picks), so with several its owner is any of them. A group that may be elsewhere stays
 * possibly there. */
static void know_move_all(struct apply *x, const struct model_bind *b, const struct ast_arg *args)
{
	const struct model *m = x->m;
	nodeset fn, tn;
	unsigned idx;
	if (args == NULL || !model_decl_arg(m, b, args, &fn, &idx) || popcount64(fn) != 1)
		return;
	if (args->next != NULL) {
		if (!model_decl_arg(m, b, args->next, &tn, &idx) || tn == 0)
			return;
	} else {
		tn = all_nodes(m) & ~fn;
	}
	if (tn == 0)
		return;
	unsigned t = (unsigned)__builtin_ctzll(tn);
	for (unsigned g = 0; g < m->ngroups; g++) {
		nodeset old = x->s->owner[g];
		if (!(old & fn))
			continue;
		model_do_move(x, g, t);
		nodeset now = (old & ~fn) | tn;
		if (x->s->owner[g] != now)
			model_set_owner(m, x->s, g, now, x->act);
	}
}

/* `move G away from N`: G, if it is (or may be) on N, moves to one of the other nodes, as
 * Pacemaker's ban does (`crm_resource --ban`); elsewhere it stays. */
static void know_move_away(struct apply *x, const struct model_bind *b, const struct ast_arg *args)
{
	const struct model *m = x->m;
	nodeset gn, fn;
	unsigned g, idx;
	if (args == NULL || args->next == NULL || !model_decl_arg(m, b, args, &gn, &g) ||
	    !model_decl_arg(m, b, args->next, &fn, &idx) || fn == 0)
		return;
	nodeset tn = all_nodes(m) & ~fn;
	nodeset old = x->s->owner[g];
	if (tn == 0 || !(old & fn))
		return;
	model_do_move(x, g, (unsigned)__builtin_ctzll(tn));
	nodeset now = (old & ~fn) | tn;   /* the cluster picks among the other nodes */
	if (x->s->owner[g] != now)
		model_set_owner(m, x->s, g, now, x->act);
}

/* The effects of declared action d for one binding of its parameters (dargs): its
 * `requires` first (each that may be false is a violation of its rule), then its effects in
 * order, each written once: `move` is the built-in move of a group, `set` a declared value. */
static void call_apply(struct apply *x, const struct ast_action_decl *d, const unsigned *dargs)
{
	const struct model *m = x->m;
	struct model_bind b = *x->b;
	b.dargs = dargs;
	for (const struct ast_effect *e = d->effects; e != NULL; e = e->next) {
		switch (e->kind) {
		case E_REQUIRES: {
			mset v = model_eval(m, x->s, &b, e->cond, NULL);
			if (v != B_YES && e->rulep != NULL) {
				struct model_violation mv = { RULE_COUNT, x->act, -1, -1, -1, v == B_NO, e->rulep };
				if (x->report != NULL)
					x->report(x->ud, &mv);
			}
			if (v == B_ANY)
				(void)model_assume(m, x->s, &b, e->cond, B_YES);   /* the guard let it pass */
			break;
		}
		case E_MOVE: {
			nodeset gn, tn;
			unsigned g, t;
			if (model_decl_arg(m, &b, e->args, &gn, &g) && e->args->next != NULL &&
			    model_decl_arg(m, &b, e->args->next, &tn, &t) && tn != 0)
				model_do_move(x, g, (unsigned)__builtin_ctzll(tn));
			break;
		}
		case E_SET: {
			unsigned places[MODEL_MAX_NODES];
			if (e->state == NULL || e->value_index < 0)
				break;
			unsigned n = model_decl_places(m, &b, e->state, e->args, places);
			for (unsigned i = 0; i < n; i++)
				put(x, places[i], (mset)(1u << e->value_index), false);
			break;
		}
		case E_MOVE_ALL:
			know_move_all(x, &b, e->args);
			break;
		case E_MOVE_AWAY:
			know_move_away(x, &b, e->args);
			break;
		case E_UNDO:
			break;
		}
	}
}

/* Every binding of d's parameters that the call's arguments name (a role may bind several
 * nodes: the action applies to each), parameter k onwards. */
static void call_each(struct apply *x, const struct ast_action_decl *d, const struct ast_arg *a,
		      const struct ast_dparam *p, unsigned *dargs)
{
	if (p == NULL || a == NULL) {
		call_apply(x, d, dargs);
		return;
	}
	nodeset ns;
	unsigned idx;
	if (!model_decl_arg(x->m, x->b, a, &ns, &idx))
		return;
	if (p->scope != DS_NODE) {
		dargs[p->index] = idx;
		call_each(x, d, a->next, p->next, dargs);
		return;
	}
	for (unsigned n = 0; n < x->m->nnodes; n++)
		if (ns & ((nodeset)1 << n)) {
			dargs[p->index] = n;
			call_each(x, d, a->next, p->next, dargs);
		}
}

static void call_bindings(struct apply *x, const struct ast_action_decl *d, const struct ast_arg *args)
{
	unsigned dargs[DECL_MAX_ARGS] = { 0 };
	call_each(x, d, args, d->params, dargs);
}

bool model_apply(const struct model *m, struct model_state *s, const struct model_bind *b,
		 const struct ast_action *act, model_report_fn report, void *ud)
{
	struct apply x = { m, s, b, act, report, ud };
	bool none_before = model_none_member_possible(m, s);
	nodeset nodes = 0;
	bool owner_directed = false;

	switch (act->kind) {
	case A_STOP_SERVICE:
	case A_START_SERVICE:
	case A_KILL_PROCESS:
		if (act->svc == NULL)
			return false;
		/* fall through */
	case A_INSTALL:
	case A_RESTART_NODE:
	case A_EXEC:
		if (act->kind == A_INSTALL && act->hotfix == NULL)
			return false;
		nodes = model_action_nodes(m, s, b, act);
		owner_directed = model_is_resource_svc(m, act->svc) && act->kind != A_INSTALL &&
				 act->kind != A_RESTART_NODE && act->kind != A_EXEC;
		if (owner_directed)
			check_owner_on(&x, nodes);
		if (nodes == 0)
			return false;
		for (unsigned n = 0; n < m->nnodes; n++) {
			if (!(nodes & ((nodeset)1 << n)))
				continue;
			mset mem = s->v[m->o_mem + n];
			if (m->kind == PROC_CLUSTER && (mem & MEM_DOWN) && model_action_kinds[act->kind].on_node)
				model_report(&x, HP131, (int)n, -1, -1, mem == MEM_DOWN);
			apply_on_node(&x, n, owner_directed && popcount64(nodes) > 1);
		}
		break;
	case A_DISMOUNT:
		if (act->svc != NULL && model_is_resource_svc(m, act->svc))
			check_owner_on(&x, s->owner[act->svc->res->grp->index]);
		model_do_dismount(&x);
		break;
	case A_MOUNT:
		nodes = act->svc ? model_action_nodes(m, s, b, act) : 1;
		if (act->svc != NULL && model_is_resource_svc(m, act->svc))
			check_owner_on(&x, nodes);
		model_do_mount(&x, nodes, popcount64(nodes) > 1);
		break;
	case A_MOVE_GROUP: {
		if (act->to_role == NULL || act->to_role->index >= b->n)
			return false;
		nodeset to = b->nodes[act->to_role->index];
		if (to == 0)
			return false;
		if (act->grp != NULL)
			model_do_move(&x, act->grp->index, (unsigned)__builtin_ctzll(to));
		break;
	}
	case A_DISABLE_RESTART:
	case A_ENABLE_RESTART:
		if (act->grp == NULL || m->nres == 0)
			return false;
		put(&x, m->o_restart + act->grp->index, act->kind == A_ENABLE_RESTART ? B_YES : B_NO, false);
		break;
	case A_WAIT_UNTIL:
	case A_VERIFY: {
		if (act->kind == A_WAIT_UNTIL)
			wait_nodes(&x, act->cond);
		mset v = model_eval(m, s, b, act->cond, NULL);
		if (v == B_NO)
			model_report(&x, HP123, -1, -1, -1, true);
		else
			(void)model_assume(m, s, b, act->cond, B_YES);
		break;
	}
	case A_CALL:
		if (act->decl == NULL)
			return false;
		call_bindings(&x, act->decl, act->args);
		break;
	case A_WAIT:
	case A_PAUSE:
		break;
	}
	if (!none_before && model_none_member_possible(m, s)) {
		int node = -1;
		for (unsigned n = 0; n < m->nnodes; n++)
			if (nodes & ((nodeset)1 << n))
				node = (int)n;
		bool certain = true;
		for (unsigned n = 0; n < m->nnodes; n++)
			if (s->v[m->o_mem + n] & MEM_MEMBER)
				certain = false;
		model_report(&x, HP116, node, -1, -1, certain);
	}
	return true;
}
