/* check.c: the checker. Walks each procedure (walk.c) over the abstract model (model.c)
 * along every path, judges the rules at the actions that break them, at each failure point
 * (HP130, HP203) and at the procedure's end (HP112, HP120-HP123), and reports them in the
 * words of the runbook. */
#include "check.h"

#include <string.h>

#include "check_int.h"
#include "sema.h"

#define MAX_PATHS 64

/* A selection of stores as the plan wrote it. */
static const char *stores_text(struct arena *a, const struct ast_stores *st)
{
	switch (st->kind) {
	case ST_ONE: return arena_printf(a, "store \"%s\"", st->name.s);
	case ST_ALL: return "all stores";
	case ST_IN: return arena_printf(a, "stores in %s", st->name.s);
	case ST_NOT_IN: return arena_printf(a, "stores not in %s", st->name.s);
	}
	return "stores";
}

/* ---- degradations, in words ---------------------------------------------------------- */

/* node_label, as the model names nodes (model_name_fn) */
static const char *role_label(void *ud, int node)
{
	return check_node_label(ud, node);
}

static const char *degr_text(struct checker *C, const struct model_degr *g)
{
	return model_degr_text(&C->ctx->arena, C->m, g, role_label, C);
}

/* Apply `a` on the entered state; a declared rule that may hold after it and could not
 * before is reported at it (`report`: the checker's callback, or NULL in a rollback). */
static void apply_judged(struct checker *C, const struct ast_action *a, model_report_fn report)
{
	uint32_t nr = C->plan->nrules;
	for (uint32_t i = 0; i < nr; i++)
		C->rule_held[i] = model_rule_eval(C->m, C->P.w, &C->bind, C->plan->rules[i], NULL) != B_NO;
	model_apply(C->m, C->P.w, &C->bind, a, report, C);
	for (uint32_t i = 0; i < nr; i++)
		if (!C->rule_held[i] && model_rule_eval(C->m, C->P.w, &C->bind, C->plan->rules[i], NULL) != B_NO)
			check_report_decl(C, C->plan->rules[i], a->loc,
				    report == NULL ? "it holds after this action, run as the checkpoint's rollback"
						   : "it holds after this action");
}

/* ---- failure points ------------------------------------------------------------------ */

static bool step_can_fail(const struct ast_stmt *st)
{
	return st->actions != NULL;
}

/* A checkpoint's action, simulated as rollback on the path's state (undone afterwards). */
static enum walk_status rollback_action(void *ud, const struct ast_stmt *ckpt, const struct ast_action *a, int idx)
{
	struct checker *C = ud;
	(void)ckpt, (void)idx;
	apply_judged(C, a, NULL);
	return WALK_ON;
}

/* HP130: rolling back to checkpoint ck from step `step` leaves the first degradation of the
 * state rolled back to. */
static void rollback_report(struct checker *C, const struct ast_stmt *ck, const struct ast_stmt *step)
{
	struct hp_ctx *ctx = C->ctx;
	paths_degradations(&C->P, &C->degr[0]);
	struct diag *d = diag_report(ctx, HP130, ck->head,
				     "rolling back to checkpoint '%s' leaves the target degraded: %s",
				     ck->name.s, degr_text(C, &C->degr[0]));
	diag_note(ctx, d, "if step '%s' (line %u) fails, the runtime runs this checkpoint's actions and stops there",
		  step->name.s, check_line(ctx, step->head));
	diag_help(ctx, d, "add the actions that bring it back to this checkpoint");
}

/* A failure point on path p before any checkpoint (p not entered). */
static void failure_point_unguarded(struct checker *C, struct path *p, const struct ast_stmt *step)
{
	struct hp_ctx *ctx = C->ctx;
	unsigned n = paths_count_degradations(&C->P, p);
	if (n == 0 || !check_first_report(C, HP203, step->head))
		return;
	paths_enter(&C->P, p);
	paths_degradations(&C->P, &C->degr[0]);
	struct diag *d = diag_report(ctx, HP203, step->head,
				     "step '%s' can fail while %s, and no checkpoint has been passed",
				     step->name.s, degr_text(C, &C->degr[0]));
	diag_note(ctx, d, "a failure here would end with exit 4 and the target degraded");
	diag_help(ctx, d, "add a checkpoint before this step whose actions undo it");
	paths_leave(&C->P);
}

/* A failure point on path p (not entered): before any checkpoint, what is degraded; past one,
 * what the rollback to it leaves. */
static void failure_point(struct checker *C, struct path *p, const struct ast_stmt *step)
{
	if (p->ckpt == NULL) {
		failure_point_unguarded(C, p, step);
		return;
	}
	/* roll back from here: the checkpoint's actions under the bindings it was passed with */
	const struct ast_stmt *ck = p->ckpt->ckpt;
	paths_enter(&C->P, p);
	unsigned mark = paths_log_mark(&C->P);
	walk_replay(&C->walk, p->ckpt, rollback_action, C);
	unsigned n = paths_degradations(&C->P, NULL);
	if (n > 0 && check_first_report(C, HP130, ck->head))
		rollback_report(C, ck, step);
	paths_undo(&C->P, mark);
	paths_leave(&C->P);
}

/* ---- the walk: what the checker does at each statement (walk.h) ---------------------- */

static size_t if_slot(const struct ast_stmt *st, unsigned cap)
{
	uint64_t h = (uint64_t)(uintptr_t)st * 0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 20) & (cap - 1);
}

/* Where `if` st is in C->ifs: its slot in the index (a free one when it is not there yet). */
static size_t if_find(struct checker *C, const struct ast_stmt *st)
{
	size_t j = if_slot(st, C->if_index_cap);
	while (C->if_index[j] != 0 && C->ifs[C->if_index[j] - 1].st != st)
		j = (j + 1) & (C->if_index_cap - 1);
	return j;
}

static void record_if(struct checker *C, const struct ast_stmt *st, mset v)
{
	if ((C->nifs + 1) * 2 > C->if_index_cap) {   /* the index, grown at half full */
		unsigned cap = C->if_index_cap ? C->if_index_cap * 2 : 64;
		C->if_index = arena_alloc(C->a, cap * sizeof(*C->if_index));
		C->if_index_cap = cap;
		for (unsigned i = 0; i < C->nifs; i++)
			C->if_index[if_find(C, C->ifs[i].st)] = i + 1;
	}
	size_t j = if_find(C, st);
	if (C->if_index[j] != 0) {
		C->ifs[C->if_index[j] - 1].seen |= v;
		return;
	}
	if (C->nifs == C->ifs_cap) {
		unsigned cap = C->ifs_cap ? C->ifs_cap * 2 : 16;
		C->ifs = arena_realloc(C->a, C->ifs, C->ifs_cap * sizeof(*C->ifs), cap * sizeof(*C->ifs));
		C->ifs_cap = cap;
	}
	C->ifs[C->nifs++] = (struct if_seen){ st, v };
	C->if_index[j] = C->nifs;
}

/* Narrow path p to the states where `c` is `want`; false when there are none. */
static bool assume_on(struct checker *C, struct path *p, const struct ast_cond *c, mset want)
{
	paths_enter(&C->P, p);
	bool ok = model_assume(C->m, C->P.w, &C->bind, c, want);
	paths_leave(&C->P);
	return ok;
}

/* Split the paths in `in` by `if` st's condition into those that take the `then` branch and
 * those that take the `else` branch; returns the values the condition took. */
static mset split_paths(struct checker *C, struct pathv *in, const struct ast_stmt *st, struct pathv *thenv,
			struct pathv *elsev)
{
	mset seen = 0;
	for (unsigned i = 0; i < in->n; i++) {
		struct path p = in->v[i];
		paths_enter(&C->P, &p);
		mset v = model_eval(C->m, C->P.w, &C->bind, st->cond, NULL);
		seen |= v;
		if (v == B_ANY) {   /* both: a copy of p narrowed to `then`, p narrowed to `else` */
			struct path q = paths_clone_entered(&C->P);
			bool p_ok = model_assume(C->m, C->P.w, &C->bind, st->cond, B_NO);
			paths_leave(&C->P);
			if (assume_on(C, &q, st->cond, B_YES))
				paths_push(&C->P, thenv, q);
			else
				paths_drop(&C->P, &q);
			if (p_ok)
				paths_push(&C->P, elsev, p);
			else
				paths_drop(&C->P, &p);
		} else {
			paths_leave(&C->P);
			paths_push(&C->P, v == B_YES ? thenv : elsev, p);
		}
	}
	return seen;
}

/* An `if`: every path goes down the branch its condition takes; a path where it is unknown
 * goes down both, narrowed to each. The paths that come out of both go on, merged. */
static enum walk_status sim_if(void *ud, struct walk *w, const struct ast_stmt *st)
{
	struct checker *C = ud;
	struct pathv in = C->P.cur, thenv = { 0 }, elsev = { 0 };
	if (in.n == 0)
		return WALK_ON;
	memset(&C->P.cur, 0, sizeof(C->P.cur));
	record_if(C, st, split_paths(C, &in, st, &thenv, &elsev));
	paths_vfree(&C->P, &in);

	unsigned mark = paths_if_start(&C->P);
	C->P.cur = thenv;
	if (C->P.cur.n > 0)
		walk_branch(w, st, true);
	struct pathv after_then = C->P.cur;
	C->P.cur = elsev;
	paths_if_else(&C->P, mark, &after_then);
	if (C->P.cur.n > 0)
		walk_branch(w, st, false);
	paths_if_end(&C->P, mark, &after_then);
	for (unsigned i = 0; i < after_then.n; i++)
		paths_push(&C->P, &C->P.cur, after_then.v[i]);
	paths_vfree(&C->P, &after_then);
	paths_merge(&C->P, MAX_PATHS);
	return WALK_ON;
}

/* A step's start: a failure point on every path. */
static enum walk_status sim_step(void *ud, const struct ast_stmt *st, unsigned k)
{
	struct checker *C = ud;
	(void)k;
	if (!step_can_fail(st))
		return WALK_ON;
	for (unsigned i = 0; i < C->P.cur.n; i++)
		failure_point(C, &C->P.cur.v[i], st);
	return WALK_ON;
}

static enum walk_status sim_action(void *ud, const struct ast_stmt *st, const struct ast_action *a, int idx)
{
	struct checker *C = ud;
	(void)st, (void)idx;
	if (model_action_kinds[a->kind].inert)
		return WALK_ON;
	for (unsigned i = 0; i < C->P.cur.n; i++) {
		paths_enter(&C->P, &C->P.cur.v[i]);
		C->cur = C->P.w;
		apply_judged(C, a, check_on_violation);
		paths_leave(&C->P);
	}
	paths_fold(&C->P);
	return WALK_ON;
}

static enum walk_status sim_checkpoint(void *ud, const struct walk_snapshot *snap)
{
	struct checker *C = ud;
	for (unsigned i = 0; i < C->P.cur.n; i++)
		C->P.cur.v[i].ckpt = snap;
	return WALK_ON;
}

static const struct walk_ops sim_ops = {
	.step = sim_step,
	.action = sim_action,
	.checkpoint = sim_checkpoint,
	.branch = sim_if,
	.loop_start = check_loop_start,
	.loop_end = check_loop_end,
};

/* ---- the end of the procedure -------------------------------------------------------- */

static void end_report(struct checker *C, enum rule_id rule, const struct ast_action *cause, const char *msg,
		       const char *note, const char *help)
{
	if (cause == NULL || !check_first_report(C, rule, cause->loc))
		return;
	struct diag *d = diag_report(C->ctx, rule, cause->loc, "%s", msg);
	diag_note(C->ctx, d, "%s (the procedure ends at line %u)", note,
		  check_line(C->ctx, (loc_t){ C->proc->loc.file, C->proc->loc.end ? C->proc->loc.end - 1 : 0,
					   C->proc->loc.end }));
	if (help != NULL)
		diag_help(C->ctx, d, "%s", help);
}

/* Declared state left away from its normal value at the end: the rule its state names
 * (`normal V else RULE`), or HP124. */
static void judge_decl(struct checker *C, const struct model_degr *g)
{
	const struct model *m = C->m;
	struct arena *a = &C->ctx->arena;
	unsigned p = m->o_decl + (unsigned)g->index;
	const struct ast_state_decl *st = m->dstates[model_decl_state_of(m, p, NULL)];
	const char *what = arena_printf(a, "%s when the procedure ends (at line %u)", degr_text(C, g),
					check_line(C->ctx, (loc_t){ C->proc->loc.file, C->proc->loc.end ? C->proc->loc.end - 1 : 0,
								 C->proc->loc.end }));
	if (g->cause == NULL)
		return;
	if (st->restore_rule != NULL) {
		check_report_decl(C, st->restore_rule, g->cause->loc, what);
		return;
	}
	const char *undo = NULL;
	for (const struct ast_effect *e = g->cause->decl != NULL ? g->cause->decl->effects : NULL; e != NULL; e = e->next)
		if (e->kind == E_UNDO)
			undo = arena_printf(a, "add `%s(…)` (the library's undo of `%s`) before the end", e->name.s,
					    g->cause->decl->name.s);
	end_report(C, HP124, g->cause,
		   arena_printf(a, "changes state '%s', and it is not back at '%s' when the procedure ends", st->name.s,
				st->values[st->normal_index].s),
		   arena_printf(a, "%s", degr_text(C, g)), undo != NULL ? undo : "add the action that puts it back before the end");
}

/* A degradation outstanding at the end, as the end-of-procedure rule that says it: a node
 * restarted and never seen back, or out of the cluster, and a service stopped (HP122); a
 * resource left at Do not restart (HP120); a store a `dismount` left dismounted (HP121). A
 * store left offline or dirty is its stopped store service's outcome: HP122 says it there
 * (docs/checker.md). */
static void judge_degradation(struct checker *C, const struct model_degr *g)
{
	const struct model *m = C->m;
	struct arena *a = &C->ctx->arena;

	switch (g->kind) {
	case DEG_NODE:
		if (g->state & MEM_DOWN)
			end_report(C, HP122, g->cause,
				   arena_printf(a, "%s restarts here and is not seen back as a member before the procedure ends",
						check_node_label(C, g->node)),
				   "its services are not known to run again",
				   "add `wait until ROLE member timeout 30m` after the restart");
		if ((g->state & MEM_OUT) && m->plan->cluster_svc != NULL)
			end_report(C, HP122, g->cause,
				   arena_printf(a, "the cluster service stopped here on %s is not running when the procedure ends",
						check_node_label(C, g->node)),
				   "the node stays out of the cluster", "start it again, or restart the node");
		break;
	case DEG_SERVICE:
		end_report(C, HP122, g->cause,
			   arena_printf(a, "service \"%s\" stopped here is not running when the procedure ends",
					m->svcs[g->index]->name.s),
			   arena_printf(a, "it is still stopped on %s", check_node_label(C, g->node)),
			   "start it again before the end");
		break;
	case DEG_RESTART:
		end_report(C, HP120, g->cause,
			   arena_printf(a, "disables restart of resource \"%s\" and no later step enables it again",
					m->res[g->index]->name.s),
			   product_rule_note(C->plan, HP120),
			   arena_printf(a, "add `enable restart of resource \"%s\"` after the failover", m->res[g->index]->name.s));
		break;
	case DEG_DECL:
		judge_decl(C, g);
		break;
	case DEG_STORE:
		if (!(g->state & STO_DISMOUNTED) || g->cause == NULL || g->cause->kind != A_DISMOUNT)
			break;
		end_report(C, HP121, g->cause, "dismounts stores that are not mounted again when the procedure ends",
			   product_note(C->plan, HP121) != NULL
				   ? arena_printf(a, "%s stays dismounted; %s", m->stores[g->index].label,
						  product_note(C->plan, HP121))
				   : arena_printf(a, "%s stays dismounted", m->stores[g->index].label),
			   arena_printf(a, "add a final step: `mount %s`", stores_text(a, &g->cause->stores)));
		break;
	}
}

/* HP112's help at the end: how the install at `install` takes effect. */
static const char *restart_help(struct checker *C, const struct ast_action *install)
{
	const struct ast_hotfix *h = install != NULL ? install->hotfix : NULL;
	if (h == NULL || h->need_svc == NULL || (h->need & (1u << NEED_RESTART)))
		return "add `restart node` and `wait until ROLE member` after the install";
	return arena_printf(&C->ctx->arena, "restart service \"%s\" on that node after the install "
			    "(`stop service`, then `start service`), or restart the node", h->need_svc->name.s);
}

/* The end of the procedure on the entered path. */
static void judge_end(struct checker *C)
{
	const struct model *m = C->m;
	struct model_state *s = C->P.w;
	struct arena *a = &C->ctx->arena;

	/* a pending install is no degradation (SPEC section 4), but the end must not leave one */
	for (unsigned n = 0; n < m->nnodes && m->kind == PROC_CLUSTER; n++)
		for (unsigned h = 0; h < m->nhf; h++) {
			unsigned i = m->o_hf + n * m->nhf + h;
			if (s->v[i] & HF_PENDING)
				end_report(C, HP112, s->cause[i],
					   arena_printf(a, (s->v[m->o_mem + n] & MEM_DOWN)
								   ? "hotfix installed on %s: its restart is never seen to finish"
								   : "hotfix installed on %s is never followed by a restart",
							check_node_label(C, (int)n)),
					   product_rule_note(C->plan, HP112), restart_help(C, s->cause[i]));
		}
	unsigned nd = model_degradations(m, s, NULL, 0);
	struct model_degr *degr = arena_alloc(C->a, (nd + 1) * sizeof(*degr));
	model_degradations(m, s, degr, nd);
	for (unsigned i = 0; i < nd; i++)
		judge_degradation(C, &degr[i]);
	for (const struct ast_require *e = C->plan->ensures; e != NULL; e = e->next) {
		const struct ast_action *cause = NULL;
		mset v = model_eval(m, s, &C->bind, e->cond, &cause);
		if (v != B_NO)
			continue;
		if (cause != NULL) {
			end_report(C, HP123, cause, "this makes an `ensure` false when the procedure ends",
				   arena_printf(a, "`ensure` at line %u can never hold", check_line(C->ctx, e->loc)), NULL);
		} else if (check_first_report(C, HP123, e->loc)) {
			struct diag *d = diag_report(C->ctx, HP123, e->loc, "this `ensure` is false when the procedure ends");
			if (e->message)
				diag_note(C->ctx, d, "its message: %s", e->message);
		}
	}
}

static void report_unreachable(struct checker *C)
{
	for (unsigned i = 0; i < C->nifs; i++) {
		const struct ast_stmt *st = C->ifs[i].st;
		const struct ast_stmt *dead = NULL;
		if (C->ifs[i].seen == B_YES)
			dead = st->else_body;
		else if (C->ifs[i].seen == B_NO)
			dead = st->body;
		if (dead == NULL || !check_first_report(C, HP204, dead->head))
			continue;
		struct diag *d = diag_report(C->ctx, HP204, dead->head, "unreachable: the condition at line %u is always %s",
					     check_line(C->ctx, st->cond->loc), C->ifs[i].seen == B_YES ? "true" : "false");
		diag_note(C->ctx, d, "the simulation proves the `if` condition constant here");
	}
}

/* ---- a procedure --------------------------------------------------------------------- */

static void check_procedure(struct hp_ctx *ctx, struct ast_plan *plan, struct ast_procedure *proc,
			    unsigned nnodes, struct checker *C)
{
	C->ctx = ctx;
	C->plan = plan;
	C->proc = proc;
	C->m = model_init_abstract(C->a, plan, proc->kind, nnodes);
	C->bind.n = proc->nroles;
	C->bind.nodes = arena_alloc(C->a, (proc->nroles + 1) * sizeof(nodeset));
	C->nifs = C->ifs_cap = C->if_index_cap = 0;
	C->ifs = NULL;
	C->if_index = NULL;
	C->rule_held = arena_alloc(C->a, plan->nrules + 1);
	C->lane_note = NULL;
	C->loops = NULL;

	struct model_state *start = model_state_start(C->a, C->m, 0);
	model_bind_roles(C->m, start, proc, &C->bind);
	model_place_groups(C->m, start, proc, &C->bind);
	sema_bind_ensures(plan, proc);
	paths_init(&C->P, C->a, C->m, start);
	walk_init(&C->walk, &sim_ops, C, C->m, &C->bind, C->a);
	walk_stmts(&C->walk, proc->body);
	for (unsigned i = 0; i < C->P.cur.n; i++) {
		paths_enter(&C->P, &C->P.cur.v[i]);
		C->cur = C->P.w;
		judge_end(C);
		paths_leave(&C->P);
	}
	report_unreachable(C);
}

void check_file(struct hp_ctx *ctx, struct ast_file *file, unsigned kinds, bool explicit_kind)
{
	/* a file that did not parse is resolved (names are worth reporting) but not simulated:
	 * the simulation of a half-parsed procedure would only report the parser's gaps */
	bool syntax_errors = false;
	for (unsigned i = 0; i < ctx->diags.n; i++)   /* this file's and its imports' (loaded after it) */
		syntax_errors |= ctx->diags.v[i]->rule == HP001 && ctx->diags.v[i]->loc.file >= file->source;
	for (struct ast_plan *plan = file->plans; plan != NULL; plan = plan->next) {
		unsigned errors[2] = { 0, 0 };
		plan->libs = file->libraries;
		sema_resolve_plan(ctx, plan, kinds, errors);
		if (syntax_errors)
			continue;
		for (int k = PROC_STANDALONE; k <= PROC_CLUSTER; k++) {
			if (!(kinds & (1u << k)))
				continue;
			struct ast_procedure *proc = plan->proc[k];
			if (proc == NULL) {
				if (explicit_kind && plan->procs != NULL) {
					struct diag *d = diag_report(ctx, HP006, plan->name.loc, "plan '%s' has no %s procedure",
								     plan->name.s, k == PROC_CLUSTER ? "cluster" : "standalone");
					diag_help(ctx, d, "add `procedure %s { … }`", k == PROC_CLUSTER ? "cluster" : "standalone");
				}
				continue;
			}
			if (errors[k] != 0)
				continue;
			struct arena scratch = { 0 };
			struct checker C = { .a = &scratch };
			if (k == PROC_CLUSTER && sema_uses_node_sets(proc)) {
				check_procedure(ctx, plan, proc, 2, &C);
				check_procedure(ctx, plan, proc, 3, &C);
			} else {
				check_procedure(ctx, plan, proc, k == PROC_CLUSTER ? 2 : 1, &C);
			}
			arena_free(&scratch);
		}
	}
}
