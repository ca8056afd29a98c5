/* needs.c: the profile keys a procedure needs, and its exec strings' params (needs.h). */
#include "needs.h"

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

static void need_cond(struct needs *nd, const struct ast_cond *c)
{
	if (c == NULL)
		return;
	switch (c->kind) {
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
		[A_WAIT_UNTIL] = -1, [A_WAIT] = -1, [A_VERIFY] = -1, [A_PAUSE] = -1, [A_EXEC] = -1,
		[A_CALL] = -1,   /* a declared action: no built-in key (its own: issue 10 item 2) */
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
	return false;
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
	return 0;
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
				util_err(msg, len, "%s: exec uses ${%.*s}, which is not a param of plan '%s'",
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
