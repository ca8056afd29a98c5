/* resolve_stmt.c: a procedure's statements: step and checkpoint names, actions (their
 * exec strings' `${NAME}`s, HP205), `for each` and its loop variable, the procedure itself.
 * The layers, bottom up (each calls only the ones below it; resolve_int.h has what they share):
 *   resolve_names.c  <  resolve_role.c  <  resolve_cond.c  <  resolve_stmt.c  <  resolve.c */
#include "resolve_int.h"

#include <string.h>

#include "template.h"

/* ---- statements ---------------------------------------------------------------------- */

/* Slot hash of a step or checkpoint name: the two kinds have separate namespaces. */
static uint32_t hash_step(const struct ast_stmt *st)
{
	uint32_t h = st->kind == S_CHECKPOINT ? 0x9e3779b9u : 2166136261u;
	for (const char *s = st->name.s; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h ^ (h >> 15);
}

/* Declare a step or checkpoint name; reports HP003 for a second declaration. */
static void declare_step(struct sema *S, struct ast_stmt *st)
{
	if (st->name.s == NULL)
		return;
	if ((S->nsteps + 1) * 2 > S->names_cap) {
		unsigned cap = S->names_cap ? S->names_cap * 2 : 64;
		struct name_slot *nv = arena_alloc(&S->tables, cap * sizeof(*nv));
		for (unsigned i = 0; i < S->names_cap; i++) {
			if (S->names[i].st == NULL)
				continue;
			unsigned j = S->names[i].hash & (cap - 1);
			while (nv[j].st != NULL)
				j = (j + 1) & (cap - 1);
			nv[j] = S->names[i];
		}
		S->names = nv;
		S->names_cap = cap;
	}
	uint32_t h = hash_step(st);
	unsigned j = h & (S->names_cap - 1);
	for (; S->names[j].st != NULL; j = (j + 1) & (S->names_cap - 1)) {
		const struct ast_stmt *x = S->names[j].st;
		if (S->names[j].hash != h || x->kind != st->kind || strcmp(x->name.s, st->name.s) != 0)
			continue;
		struct diag *d = REPORT(S, HP003, st->name.loc, "duplicate %s '%s'",
					st->kind == S_STEP ? "step" : "checkpoint", st->name.s);
		diag_note(S->ctx, d, "first declared at line %u",
			  source_pos(ctx_source(S->ctx, x->name.loc.file), x->name.loc.start).line);
		diag_help(S->ctx, d, "each step and checkpoint needs its own name: resume and --fail-at "
				     "find them by it");
		return;
	}
	S->names[j] = (struct name_slot){ h, st };
}

/* An exec string's `${NAME}`s are uses of params; any other name is unknown. */
struct exec_ref {
	struct sema *S;
	const struct ast_action *a;
};

static int exec_param(void *ud, const char *name, size_t len)
{
	struct exec_ref *x = ud;
	struct ast_param *p = strmap_get(&x->S->params, name, len);
	if (p != NULL) {
		p->used = true;
		return 0;
	}
	struct ast_role *r = resolve_know_exec_role(x->S, name, len);
	if (r != NULL) {
		r->used = true;
		if (r->kind == R_ALL || r->kind == R_ALL_EXCEPT) {
			struct diag *d = REPORT(x->S, HP004, x->a->arg.loc, "`${%s}` inserts one node's name, but role '%s' "
						"binds several nodes", r->name.s, r->name.s);
			diag_help(x->S->ctx, d, "loop over it: `for each n in %s { … exec \"… ${n}\" … }`", r->name.s);
		}
		return 0;
	}
	struct diag *d = REPORT(x->S, HP002, x->a->arg.loc, "unknown param '%.*s' in the exec string", (int)len, name);
	diag_help(x->S->ctx, d, "`${NAME}` inserts the value of param NAME, or the node of role NAME; "
				"write `$${` for a literal `${`");
	return 0;
}

static void exec_params(struct sema *S, const struct ast_action *a)
{
	struct exec_ref x = { S, a };
	char why[128];
	if (a->arg.s != NULL && template_each_var(a->arg.s, exec_param, &x, why, sizeof(why)) < 0)
		REPORT(S, HP004, a->arg.loc, "exec string: %s", why);
}

static const char *action_verb(const struct ast_action *a)
{
	switch (a->kind) {
	case A_STOP_SERVICE: return "stop service";
	case A_START_SERVICE: return "start service";
	case A_KILL_PROCESS: return "kill process";
	case A_INSTALL: return "install hotfix";
	case A_RESTART_NODE: return "restart node";
	case A_EXEC: return "exec";
	case A_DISMOUNT: return "dismount";
	case A_MOUNT: return "mount";
	default: return "this action";
	}
}

static void resolve_action(struct sema *S, struct ast_action *a)
{
	struct ast_procedure *proc = S->proc;
	bool cluster = proc->kind == PROC_CLUSTER;
	struct suggest sg = { 0 };

	resolve_know_expand_move_all(S, a);
	a->step = S->step;
	a->index = S->nactions++;
	a->node = a->on.s ? resolve_use_role(S, a->on) : S->step->node;

	switch (a->kind) {
	case A_STOP_SERVICE:
	case A_START_SERVICE:
		a->svc = resolve_use_service(S, a->arg);
		break;
	case A_KILL_PROCESS:
		a->svc = resolve_use_process(S, a->arg);
		if (a->svc != NULL && a->svc->kind == M_CLUSTER_SERVICE)
			REPORT(S, HP004, a->arg.loc, "the cluster service has no process to kill");
		break;
	case A_DISMOUNT:
	case A_MOUNT:
		resolve_stores(S, &a->stores);
		a->svc = S->plan->store_svc;
		if (a->svc == NULL) {
			struct diag *d = REPORT(S, HP002, a->loc, "no service in the model holds stores");
			diag_help(S->ctx, d, "declare it: `service \"…\" process \"…\" holds stores`");
		} else {
			a->svc->used = true;
			if (a->svc->res)
				a->svc->res->used = true;
		}
		break;
	case A_INSTALL:
		a->hotfix = resolve_find_hotfix(S, a->arg.s, &sg);
		if (a->hotfix == NULL)
			resolve_unknown(S, "hotfix", a->arg, &sg, false);
		else
			a->hotfix->used = true;
		break;
	case A_MOVE_GROUP:
		a->grp = resolve_find_item(S, M_GROUP, M_GROUP, a->arg.s, &sg);
		if (!cluster) {
			REPORT(S, HP005, a->loc, "`move group` in a standalone procedure");
			break;
		}
		if (a->grp == NULL)
			resolve_unknown(S, "group", a->arg, &sg, true);
		else
			a->grp->used = true;
		a->to_role = resolve_use_role(S, a->to);
		break;
	case A_DISABLE_RESTART:
	case A_ENABLE_RESTART:
		a->grp = resolve_find_item(S, M_RESOURCE, M_RESOURCE, a->arg.s, &sg);
		if (!cluster) {
			REPORT(S, HP005, a->loc, "a cluster resource's restart policy in a standalone procedure");
			break;
		}
		if (a->grp == NULL)
			resolve_unknown(S, "resource", a->arg, &sg, true);
		else
			a->grp->used = true;
		break;
	case A_WAIT_UNTIL:
	case A_VERIFY:
		resolve_cond(S, a->cond, 0);
		break;
	case A_EXEC: {
		exec_params(S, a);
		struct diag *d = diag_report(S->ctx, HP205, a->loc,
					     "the model cannot follow `exec`: it is assumed to change nothing it models");
		diag_note(S->ctx, d, "the checker proves nothing about what the command does");
		diag_help(S->ctx, d, "prefer an action the model knows (stop/start service, mount, …) where one fits");
		break;
	}
	case A_CALL:
		resolve_use_daction(S, a);
		break;
	case A_RESTART_NODE:
	case A_WAIT:
	case A_PAUSE:
		break;
	}

	/* where the action runs */
	bool to_owner = cluster && (a->kind == A_STOP_SERVICE || a->kind == A_START_SERVICE ||
				    a->kind == A_KILL_PROCESS || a->kind == A_DISMOUNT || a->kind == A_MOUNT) &&
			a->svc != NULL && a->svc->res != NULL;
	/* an `on` that names no role is HP002 already: the action does say where it runs */
	bool on_written = a->on.s != NULL || (S->step != NULL && S->step->on.s != NULL);
	if (cluster && model_action_kinds[a->kind].on_node && !to_owner && a->node == NULL && !on_written &&
	    (a->kind != A_STOP_SERVICE || a->svc != NULL) && (a->kind != A_START_SERVICE || a->svc != NULL) &&
	    (a->kind != A_KILL_PROCESS || a->svc != NULL)) {
		struct diag *d = REPORT(S, HP005, a->loc, "`%s` needs a node in a cluster procedure", action_verb(a));
		diag_help(S->ctx, d, "add `on ROLE` to the action or to its step");
	}
	if (cluster && (a->kind == A_DISMOUNT || a->kind == A_MOUNT) && a->svc != NULL && a->svc->res == NULL &&
	    a->node == NULL && !on_written) {
		struct diag *d = REPORT(S, HP005, a->loc, "`%s` needs a node: the store service is not a cluster resource",
					action_verb(a));
		diag_help(S->ctx, d, "add `on ROLE`, or declare the service's resource in the model");
	}
}

static void resolve_stmts(struct sema *S, struct ast_stmt *st, int depth);

static void push_loopvar(struct sema *S, struct ast_role *r)
{
	if (S->nloop == S->loop_cap) {
		unsigned cap = S->loop_cap ? S->loop_cap * 2 : 8;
		S->loopvars = arena_realloc(&S->tables, S->loopvars, S->loop_cap * sizeof(*S->loopvars),
					    cap * sizeof(*S->loopvars));
		S->loop_cap = cap;
	}
	S->loopvars[S->nloop++] = r;
}

static void resolve_foreach(struct sema *S, struct ast_stmt *st, int depth)
{
	struct ast_procedure *proc = S->proc;
	st->set_role = resolve_use_role(S, st->set);
	if (st->serial < 1) {
		REPORT(S, HP004, st->head, "`serial` must be at least 1");
		st->serial = 1;
	}
	if (proc->kind == PROC_CLUSTER) {
		struct ast_role *clash = resolve_find_role(S, st->name.s, NULL);
		if (clash != NULL)
			REPORT(S, HP003, st->name.loc, "loop variable '%s' has the name of a role", st->name.s);
		struct ast_role *v = arena_alloc(&S->ctx->arena, sizeof(*v));
		v->kind = R_LOOPVAR;
		v->name = st->name;
		v->loc = st->name.loc;
		v->loop = st;
		v->used = true;
		v->index = proc->nroles++;
		/* append after the declared roles so bindings index it */
		*S->role_tail = v;
		S->role_tail = &v->next;
		st->var = v;
		push_loopvar(S, v);
	}
	resolve_stmts(S, st->body, depth + 1);
	if (st->var != NULL)
		S->nloop--;
}

static void resolve_stmts(struct sema *S, struct ast_stmt *st, int depth)
{
	for (; st != NULL; st = st->next) {
		if (depth > HP_MAX_DEPTH + 8)
			return;
		switch (st->kind) {
		case S_STEP:
		case S_CHECKPOINT:
			declare_step(S, st);
			st->index = S->nsteps++;
			st->node = st->on.s ? resolve_use_role(S, st->on) : NULL;
			S->step = st;
			for (struct ast_action *a = st->actions; a != NULL; a = a->next)
				resolve_action(S, a);
			S->step = NULL;
			break;
		case S_FOREACH:
			resolve_foreach(S, st, depth);
			break;
		case S_IF:
			resolve_cond(S, st->cond, 0);
			resolve_stmts(S, st->body, depth + 1);
			resolve_stmts(S, st->else_body, depth + 1);
			break;
		}
	}
}

/* The steps and checkpoints of `st` and the blocks in it (as deep as resolve_stmts goes). */
static unsigned count_names(const struct ast_stmt *st, int depth)
{
	unsigned n = 0;
	for (; st != NULL && depth <= HP_MAX_DEPTH + 8; st = st->next)
		n += (st->kind == S_STEP || st->kind == S_CHECKPOINT) + count_names(st->body, depth + 1) +
		     count_names(st->else_body, depth + 1);
	return n;
}

void resolve_procedure(struct sema *S, struct ast_procedure *proc)
{
	S->proc = proc;
	/* the table of step and checkpoint names, at most half full: it need not grow */
	unsigned n = count_names(proc->body, 0);
	S->names_cap = 64;
	while (S->names_cap < 2 * n + 2)
		S->names_cap *= 2;
	S->names = arena_alloc(&S->tables, S->names_cap * sizeof(*S->names));
	S->nsteps = S->nactions = 0;
	S->nloop = 0;
	/* re-resolution (the same AST resolved twice) must not append loop variables again */
	struct ast_role **r = &proc->roles;
	while (*r != NULL && (*r)->kind != R_LOOPVAR)
		r = &(*r)->next;
	*r = NULL;
	S->role_tail = r;
	resolve_roles(S);
	resolve_stmts(S, proc->body, 0);
	proc->nsteps = S->nsteps;
	proc->nactions = S->nactions;
	S->proc = NULL;
}

