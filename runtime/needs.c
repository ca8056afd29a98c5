/* needs.c: the profile keys a procedure needs, and its exec strings' params (needs.h). */
#include "needs.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "exec.h"
#include "util.h"

static const char *where(struct hp_ctx *ctx, loc_t l)
{
	struct source *s = ctx_source(ctx, l.file);
	struct src_pos pos = source_pos(s, l.start);
	return arena_printf(&ctx->arena, "%s:%u:%u", s->path, pos.line, pos.col);
}

static void need(struct needs *nd, enum profile_key k, loc_t at)
{
	if (!nd->key[k]) {
		nd->key[k] = true;
		nd->at[k] = at;
	}
}

/* The model's own state, read like declared state (compiler/model_decl.h's DECL_STATE_*): no
 * profile probes it; the runtime has it from what it is made of, the hotfixes installed
 * (`updated`) and the groups' owners (`owned_by`), through the built-in probes. */
enum { NEEDS_STATE_UPDATED = 0xFFFFFF00u, NEEDS_STATE_OWNED_BY = 0xFFFFFF01u };

static void need_dstate(struct needs *nd, const struct ast_state_decl *st, loc_t at)
{
	if (st == NULL)
		return;
	if (st->index == NEEDS_STATE_UPDATED || st->index == NEEDS_STATE_OWNED_BY) {
		need(nd, st->index == NEEDS_STATE_UPDATED ? PK_PROBE_INSTALLED : PK_PROBE_OWNER, at);
		return;
	}
	for (unsigned i = 0; i < nd->ndstate; i++)
		if (nd->dstate[i] == st)
			return;
	if (nd->ndstate < NEEDS_MAX_DECL) {
		nd->dstate[nd->ndstate] = st;
		nd->dstate_at[nd->ndstate++] = at;
	}
}

/* The declared states a declared action's `requires` read: the guard reads them live. */
static void need_requires(struct needs *nd, const struct ast_cond *c, loc_t at)
{
	if (c == NULL)
		return;
	if (c->kind == C_DSTATE)
		need_dstate(nd, c->state, at);
	need_requires(nd, c->lhs, at);
	need_requires(nd, c->rhs, at);
}

static void need_call(struct needs *nd, const struct ast_action *a)
{
	const struct ast_action_decl *d = a->decl;
	if (d == NULL)
		return;
	for (const struct ast_effect *e = d->effects; e != NULL; e = e->next)
		if (e->kind == E_REQUIRES)
			need_requires(nd, e->cond, a->loc);
	for (unsigned i = 0; i < nd->ndact; i++)
		if (nd->dact[i] == d)
			return;
	if (nd->ndact < NEEDS_MAX_DECL) {
		nd->dact[nd->ndact] = d;
		nd->dact_at[nd->ndact++] = a->loc;
	}
}

static void need_cond(struct needs *nd, const struct ast_cond *c)
{
	if (c == NULL)
		return;
	switch (c->kind) {
	case C_DSTATE:
		need_dstate(nd, c->state, c->loc);
		break;
	case C_OR:
	case C_AND:
		need_cond(nd, c->lhs);
		need_cond(nd, c->rhs);
		break;
	case C_NOT:
		need_cond(nd, c->lhs);
		break;
	case C_SERVICE:
		need(nd, PK_PROBE_SERVICE, c->loc);
		break;
	case C_PROCESS:
		need(nd, PK_PROBE_PROCESS, c->loc);
		break;
	case C_STORES:
		need(nd, PK_PROBE_STORE, c->loc);
		nd->stores = true;
		nd->store_sets |= c->stores.kind != ST_ONE;
		break;
	case C_MEMBER:
	case C_DOWN:
		need(nd, PK_PROBE_MEMBER, c->loc);
		break;
	case C_OWNS_GROUP:
	case C_OWNS_NO_GROUPS:
		need(nd, PK_PROBE_OWNER, c->loc);
		break;
	case C_INSTALLED:
		need(nd, PK_PROBE_INSTALLED, c->loc);
		break;
	case C_FILE_VERSION:
		need(nd, PK_PROBE_FILE_VERSION, c->loc);
		break;
	default:
		break;
	}
}

static void need_stmts(struct needs *nd, const struct ast_stmt *st)
{
	static const int key_of[] = {
		[A_STOP_SERVICE] = PK_STOP_SERVICE, [A_START_SERVICE] = PK_START_SERVICE,
		[A_KILL_PROCESS] = PK_KILL_PROCESS, [A_DISMOUNT] = PK_DISMOUNT_STORE, [A_MOUNT] = PK_MOUNT_STORE,
		[A_INSTALL] = PK_INSTALL_HOTFIX, [A_RESTART_NODE] = PK_RESTART_NODE, [A_MOVE_GROUP] = PK_MOVE_GROUP,
		[A_DISABLE_RESTART] = PK_DISABLE_RESTART, [A_ENABLE_RESTART] = PK_ENABLE_RESTART,
		[A_WAIT_UNTIL] = -1, [A_WAIT] = -1, [A_VERIFY] = -1, [A_PAUSE] = -1, [A_EXEC] = -1, [A_CALL] = -1,
	};
	for (; st != NULL; st = st->next) {
		for (const struct ast_action *a = st->actions; a != NULL; a = a->next) {
			if (key_of[a->kind] >= 0)
				need(nd, (enum profile_key)key_of[a->kind], a->loc);
			if (a->kind == A_DISMOUNT || a->kind == A_MOUNT) {
				nd->stores = true;
				nd->store_sets |= a->stores.kind != ST_ONE;
			}
			need_cond(nd, a->cond);
			if (a->kind == A_CALL)
				need_call(nd, a);
		}
		if (st->kind == S_IF)
			need_cond(nd, st->cond);
		need_stmts(nd, st->body);
		need_stmts(nd, st->else_body);
	}
}

void needs_of(struct needs *nd, const struct ast_plan *plan, const struct ast_procedure *proc)
{
	memset(nd, 0, sizeof(*nd));
	need_stmts(nd, proc->body);
	for (const struct ast_require *r = plan->requires; r != NULL; r = r->next)
		need_cond(nd, r->cond);
	for (const struct ast_require *r = plan->ensures; r != NULL; r = r->next)
		need_cond(nd, r->cond);
}

bool needs_any(const struct needs *nd)
{
	for (int k = 0; k < PK_COUNT; k++)
		if (nd->key[k])
			return true;
	return nd->ndact > 0 || nd->ndstate > 0;
}

/* The ${…} of a declared action's command: its parameters' names, or what every key knows. */
struct decl_vars {
	const struct ast_action_decl *act;   /* NULL: a state's probe */
	const struct ast_state_decl *st;
	const char *bad;
	size_t badlen;
};

static bool word_is(const char *w, const char *name, size_t len)
{
	return strlen(w) == len && memcmp(w, name, len) == 0;
}

static int decl_var(void *ud, const char *name, size_t len)
{
	struct decl_vars *dv = ud;
	if (word_is("node", name, len) || word_is("sandbox", name, len) || (len > 5 && memcmp(name, "fact.", 5) == 0))
		return 0;
	for (const struct ast_dparam *p = dv->act ? dv->act->params : NULL; p != NULL; p = p->next)
		if (word_is(p->name.s, name, len))
			return 0;
	if (dv->st != NULL && ((dv->st->scope == DS_GROUP && word_is("group", name, len)) ||
			       ((dv->st->scope == DS_RESOURCE || (dv->st->pair && dv->st->scope2 == DS_RESOURCE)) &&
				word_is("resource", name, len))))
		return 0;
	dv->bad = name;
	dv->badlen = len;
	return 1;
}

static const char *scope_word(enum decl_scope sc)
{
	static const char *const w[] = { [DS_TARGET] = "target", [DS_NODE] = "node", [DS_GROUP] = "group",
					 [DS_RESOURCE] = "resource" };
	return w[sc];
}

/* A `from cluster` reader reads a state of one scope. */
static bool reader_fits(const char *reader, const struct ast_state_decl *st)
{
	enum decl_scope sc = strcmp(reader, "quorum") == 0 ? DS_TARGET : strcmp(reader, "constraint") == 0 ? DS_GROUP
											   : DS_NODE;
	return !st->pair && st->scope == sc;
}

static int rejected(char *msg, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int rejected(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return EXIT_REJECTED;
}

static int check_decls(struct hp_ctx *ctx, const struct needs *nd, const struct rt_node *node,
		       const struct profile *p, char *msg, size_t len)
{
	char why[256];
	for (unsigned i = 0; i < nd->ndact; i++) {
		const struct ast_action_decl *d = nd->dact[i];
		const struct profile_named *pn = profile_action(p, d->name.s);
		if (pn == NULL)
			return rejected(msg, len, "node %s: profile '%s' (%s) has no `action %s`, which %s needs (a "
					"declared action runs on a real target through its profile's command)", node->name,
					p->name, p->where, d->name.s, where(ctx, nd->dact_at[i]));
		struct decl_vars dv = { d, NULL, NULL, 0 };
		if (profile_each_var(pn->cmd, decl_var, &dv, why, sizeof(why)) > 0)
			return rejected(msg, len, "%s: profile '%s': `action %s` uses ${%.*s}, which is not a parameter of "
					"action %s (%s)", pn->value_where, p->name, d->name.s, (int)dv.badlen, dv.bad,
					d->name.s, where(ctx, d->name.loc));
	}
	for (unsigned i = 0; i < nd->ndstate; i++) {
		const struct ast_state_decl *st = nd->dstate[i];
		const struct profile_named *pn = profile_state(p, st->name.s);
		if (pn == NULL)
			return rejected(msg, len, "node %s: profile '%s' (%s) has no `probe state %s`, which %s needs (the "
					"runtime reads declared state from a real target through its profile's probe)",
					node->name, p->name, p->where, st->name.s, where(ctx, nd->dstate_at[i]));
		struct decl_vars dv = { NULL, st, NULL, 0 };
		if (pn->from_cluster && !reader_fits(pn->cmd, st))
			return rejected(msg, len, "%s: profile '%s': `probe state %s from cluster` reads \"%s\", which is "
					"not a state of the %s (%s)", pn->value_where, p->name, st->name.s, pn->cmd,
					scope_word(st->scope), where(ctx, st->name.loc));
		if (!pn->from_cluster && profile_each_var(pn->cmd, decl_var, &dv, why, sizeof(why)) > 0)
			return rejected(msg, len, "%s: profile '%s': `probe state %s` uses ${%.*s}, which a state of the %s "
					"does not know (%s)", pn->value_where, p->name, st->name.s, (int)dv.badlen, dv.bad,
					scope_word(st->scope), where(ctx, st->name.loc));
	}
	return 0;
}

int needs_check_profile(struct hp_ctx *ctx, const struct needs *nd, const struct rt_node *node,
			const struct profile *p, char *msg, size_t len)
{
	for (int k = 0; k < PK_COUNT; k++)
		if (nd->key[k] && p->cmd[k] == NULL) {
			util_err(msg, len, "node %s: profile '%s' (%s) has no `%s`, which %s needs", node->name, p->name,
				 p->where, profile_key_name((enum profile_key)k), where(ctx, nd->at[k]));
			return EXIT_REJECTED;
		}
	return check_decls(ctx, nd, node, p, msg, len);
}

/* Exec strings: every ${NAME} a param of the plan. */
struct exec_check {
	const struct ast_plan *plan;
	const char *bad;
	size_t badlen;
};

static int exec_var(void *ud, const char *name, size_t len)
{
	struct exec_check *ec = ud;
	for (const struct ast_param *p = ec->plan->params; p != NULL; p = p->next)
		if (strlen(p->name.s) == len && memcmp(p->name.s, name, len) == 0)
			return 0;
	/* a role's node (`${passive}`): the cluster procedure's roles and loop variables */
	const struct ast_procedure *proc = ec->plan->proc[PROC_CLUSTER];
	for (const struct ast_role *r = proc ? proc->roles : NULL; r != NULL; r = r->next)
		if (strlen(r->name.s) == len && memcmp(r->name.s, name, len) == 0)
			return 0;
	ec->bad = name;
	ec->badlen = len;
	return 1;
}

int needs_check_execs(struct hp_ctx *ctx, const struct ast_plan *plan, const struct ast_stmt *st, char *msg,
		      size_t len)
{
	for (; st != NULL; st = st->next) {
		for (const struct ast_action *a = st->actions; a != NULL; a = a->next) {
			if (a->kind != A_EXEC || a->arg.s == NULL)
				continue;
			struct exec_check ec = { plan, NULL, 0 };
			char why[256];
			int rc = profile_each_var(a->arg.s, exec_var, &ec, why, sizeof(why));
			if (rc < 0) {
				util_err(msg, len, "%s: exec: %s", where(ctx, a->arg.loc), why);
				return EXIT_REJECTED;
			}
			if (rc > 0) {
				util_err(msg, len, "%s: exec uses ${%.*s}, which is not a param or a role of plan '%s'",
					 where(ctx, a->arg.loc), (int)ec.badlen, ec.bad, plan->name.s);
				return EXIT_REJECTED;
			}
		}
		int rc = needs_check_execs(ctx, plan, st->body, msg, len);
		if (rc == 0)
			rc = needs_check_execs(ctx, plan, st->else_body, msg, len);
		if (rc != 0)
			return rc;
	}
	return 0;
}
