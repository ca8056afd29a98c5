/* test_check.c: the checker and the model: the canonical plan is clean, rules fire at the
 * right line (found from the plan's text, not written down), and the concrete model, as the
 * simulated target uses it, runs both procedures of the canonical plan to a healthy end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "check.h"
#include "model.h"
#include "parse.h"
#include "sema.h"

static char *slurp(const char *rel)
{
	const char *root = getenv("HOTPLAN_SOURCE_DIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", root ? root : ".", rel);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long n = ftell(f);
	assert_true(n >= 0);
	assert_int_equal(fseek(f, 0, SEEK_SET), 0);
	char *buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* Replace the first occurrence of `from` with `to` (a tired operator's edit). */
static char *edit(const char *text, const char *from, const char *to)
{
	const char *p = strstr(text, from);
	assert_non_null(p);
	size_t a = (size_t)(p - text), lf = strlen(from), lt = strlen(to), lr = strlen(p + lf);
	char *out = malloc(a + lt + lr + 1);
	assert_non_null(out);
	memcpy(out, text, a);
	memcpy(out + a, to, lt); /* NOLINT(bugprone-not-null-terminated-result): the tail's NUL comes next */
	memcpy(out + a + lt, p + lf, lr + 1);
	return out;
}

/* Check `text`; return a malloc'd string "HPxxx:LINE HPyyy:LINE ..." of the diagnostics. */
static char *check_text(const char *text, unsigned kinds)
{
	struct hp_ctx ctx;
	ctx_init(&ctx);
	struct ast_file *f = parse_buffer(&ctx, "t.hplan", text, strlen(text));
	check_file(&ctx, f, kinds, kinds != CHECK_ALL);
	diag_finish(&ctx);
	size_t cap = 64 + ctx.diags.n * 16, len = 0;
	char *out = malloc(cap);
	out[0] = '\0';
	for (unsigned i = 0; i < ctx.diags.n; i++) {
		struct diag *d = ctx.diags.v[i];
		struct src_pos pos = source_pos(ctx_source(&ctx, d->loc.file), d->loc.start);
		len += (size_t)snprintf(out + len, cap - len, "%s%s:%u", len ? " " : "", rule_table[d->rule].id, pos.line);
	}
	ctx_free(&ctx);
	return out;
}

/* The 1-based line of the first `needle` in `text` after the first `anchor` (NULL: from the
 * start): where a rule must be reported, found from the plan as it is. */
static unsigned line_of(const char *text, const char *anchor, const char *needle)
{
	const char *from = text;
	if (anchor != NULL) {
		from = strstr(text, anchor);
		assert_non_null(from);
	}
	const char *p = strstr(from, needle);
	assert_non_null(p);
	unsigned line = 1;
	for (const char *q = text; q < p; q++)
		line += *q == '\n';
	return line;
}

/* Does the list of check_text hold exactly the diagnostic RULE:LINE? */
static bool has_diag(const char *got, const char *rule, unsigned line)
{
	char want[32];
	snprintf(want, sizeof(want), "%s:%u", rule, line);
	size_t n = strlen(want);
	for (const char *p = strstr(got, want); p != NULL; p = strstr(p + 1, want))
		if ((p == got || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

/* Check `text` and expect RULE at the line of `needle` (after `anchor`) among its diagnostics. */
static void expect_at(const char *text, unsigned kinds, const char *rule, const char *anchor, const char *needle)
{
	unsigned line = line_of(text, anchor, needle);
	char *got = check_text(text, kinds);
	if (!has_diag(got, rule, line))
		print_error("want %s:%u (the line of \"%s\") among \"%s\"\n", rule, line, needle, got);
	assert_true(has_diag(got, rule, line));
	free(got);
}

static void expect_diags(const char *text, unsigned kinds, const char *want)
{
	char *got = check_text(text, kinds);
	if (strcmp(got, want) != 0)
		print_error("want \"%s\"\n got \"%s\"\n", want, got);
	assert_string_equal(got, want);
	free(got);
}

static void canonical_is_clean(void **state)
{
	(void)state;
	char *plan = slurp("plans/ese-hotfix.hplan");
	expect_diags(plan, CHECK_ALL, "");
	expect_diags(plan, CHECK_STANDALONE, "");
	expect_diags(plan, CHECK_CLUSTER, "");
	free(plan);
}

static void standalone_mistakes(void **state)
{
	(void)state;
	char *plan = slurp("plans/ese-hotfix.hplan");
	char *p;

	/* dismount all stores: HP101 at the dismount */
	p = edit(plan, "dismount stores not in affected\n        }\n        checkpoint others_dismounted",
		 "dismount all stores\n        }\n        checkpoint others_dismounted");
	expect_at(p, CHECK_STANDALONE, "HP101", "procedure standalone", "dismount all stores");
	free(p);

	/* stop gracefully instead of the forced stop: HP103 at the stop */
	p = edit(plan, "kill process \"store.exe\"\n        }\n        checkpoint store_killed",
		 "stop service \"MSExchangeIS\"\n        }\n        checkpoint store_killed");
	expect_at(p, CHECK_STANDALONE, "HP103", "procedure standalone", "stop service \"MSExchangeIS\"");
	free(p);

	/* forget to remount: HP121 at the dismount */
	p = edit(plan, "        step remount \"Mount the stores dismounted in the first step\" {\n"
		       "            mount stores not in affected\n        }\n", "");
	expect_at(p, CHECK_STANDALONE, "HP121", "procedure standalone", "dismount stores not in affected");
	free(p);
	free(plan);
}

static void cluster_mistakes(void **state)
{
	(void)state;
	char *plan = slurp("plans/ese-hotfix.hplan");
	char *p;

	/* never set restart back: HP120 at the disable */
	p = edit(plan, "        step restart_enabled \"Set the Information Store instance back to Restart\" {\n"
		       "            enable restart of resource \"Exchange Information Store Instance\"\n        }\n", "");
	expect_at(p, CHECK_CLUSTER, "HP120", "procedure cluster", "disable restart of resource");
	free(p);

	/* move to a node that has not rejoined: HP113 at the move */
	p = edit(plan, "            restart node\n            wait until passive member timeout 30m\n",
		 "            restart node\n");
	expect_at(p, CHECK_CLUSTER, "HP113", "step failover", "move group \"Exchange\" to passive");
	free(p);

	/* stop the cluster service on the owner: HP115 at the stop */
	p = edit(plan, "step passive_stop \"Stop the Cluster service on the passive node\" on passive",
		 "step passive_stop \"Stop the Cluster service on the passive node\" on active");
	expect_at(p, CHECK_CLUSTER, "HP115", "step passive_stop", "stop service \"ClusSvc\"");
	free(p);
	free(plan);
}

/* ---- the concrete model, as the simulated target uses it --------------------------------- */

/* The built-in simulated targets (SPEC section 5), a run with
 * --set "affected=First Storage Group/Mailbox Store (SIM)": runtime/setup.c
 * (setup_target) and runtime/target.c (params_for_model) build the model this way. */
static const char *const sim_stores[] = {
	"First Storage Group/Mailbox Store (SIM)",
	"First Storage Group/Public Folder Store (SIM)",
	"Second Storage Group/Mailbox Store (SIM)",
};
static const char *const sim_server[] = { "sim-server" };
static const char *const sim_cluster[] = { "sim-node1", "sim-node2" };

struct sim {
	struct hp_ctx ctx;
	char *text;
	const struct ast_plan *P;
	const struct ast_procedure *proc;
	struct model *m;
	struct model_state *s;
	nodeset nodes[8];
	struct model_bind b;
	unsigned violations;         /* what the runtime's guard would have refused */
	unsigned steps;
};

static void sim_open(struct sim *x, enum proc_kind kind, bool failback)
{
	memset(x, 0, sizeof(*x));
	x->text = slurp("plans/ese-hotfix.hplan");
	ctx_init(&x->ctx);
	struct ast_file *f = parse_buffer(&x->ctx, "ese-hotfix.hplan", x->text, strlen(x->text));
	assert_true(sema_resolve(&x->ctx, f, CHECK_ALL));
	x->P = f->plans;
	x->proc = x->P->proc[kind];
	assert_non_null(x->proc);
	struct model_param_value *pv = arena_alloc(&x->ctx.arena, (x->P->nparams + 1) * sizeof(*pv));
	memset(pv, 0, (x->P->nparams + 1) * sizeof(*pv));
	for (const struct ast_param *p = x->P->params; p != NULL; p = p->next) {
		pv[p->index].known = true;
		if (strcmp(p->name.s, "affected") == 0)
			pv[p->index].stores = sim_stores, pv[p->index].nstores = 1;
		else if (strcmp(p->name.s, "failback") == 0)
			pv[p->index].b = failback;
	}
	unsigned nnodes = kind == PROC_STANDALONE ? 1 : 2;
	x->m = model_init_concrete(&x->ctx.arena, x->P, kind, nnodes, kind == PROC_STANDALONE ? sim_server : sim_cluster,
				   3, sim_stores, pv);
	assert_true(x->m->concrete);
	assert_int_equal(x->m->nstores, 3);
	x->s = model_state_start(&x->ctx.arena, x->m, 0);   /* sim-node1 owns every group */
	model_state_set_params(x->m, x->s, pv);
	assert_true(x->proc->nroles <= sizeof(x->nodes) / sizeof(x->nodes[0]));
	x->b = (struct model_bind){ x->nodes, x->proc->nroles, NULL };
	model_bind_roles(x->m, x->s, x->proc, &x->b);
}

static void sim_close(struct sim *x)
{
	ctx_free(&x->ctx);
	free(x->text);
}

static void sim_violation(void *ud, const struct model_violation *v)
{
	struct sim *x = ud;
	print_error("%s at action %u\n", rule_table[v->rule].id, v->act->index);
	x->violations++;
}

/* Every value of a concrete state is one value, every group has one owner. (The slot of a
 * param that is not a bool holds nothing: the stores of a stores param are the model's.) */
static void assert_concrete(const struct sim *x)
{
	for (unsigned i = 0; i < x->m->nv; i++) {
		if (i >= x->m->o_param && x->m->params[i - x->m->o_param]->type != TY_BOOL)
			continue;
		if (x->s->v[i] == 0 || (x->s->v[i] & (x->s->v[i] - 1)) != 0)
			fail_msg("value %u of %u is %#x, not one value", i, x->m->nv, x->s->v[i]);
	}
	for (unsigned g = 0; g < x->m->ngroups; g++)
		assert_int_equal(__builtin_popcountll(x->s->owner[g]), 1);
}

static void sim_actions(struct sim *x, const struct ast_stmt *st)
{
	for (const struct ast_action *a = st->actions; a != NULL; a = a->next) {
		assert_true(model_apply(x->m, x->s, &x->b, a, sim_violation, x));
		assert_concrete(x);
	}
	x->steps++;
}

/* The steps of `st` as the runtime walks them: a checkpoint passed changes nothing; an
 * `if` takes the branch its condition, always known on a concrete state, picks. */
static void sim_walk(struct sim *x, const struct ast_stmt *st)
{
	for (; st != NULL; st = st->next) {
		switch (st->kind) {
		case S_STEP:
			sim_actions(x, st);
			break;
		case S_CHECKPOINT:
			break;
		case S_IF: {
			mset v = model_eval(x->m, x->s, &x->b, st->cond, NULL);
			assert_true(v == B_YES || v == B_NO);
			sim_walk(x, v == B_YES ? st->body : st->else_body);
			break;
		}
		case S_FOREACH:
			fail_msg("the canonical plan has no `for each`");
		}
	}
}

static const struct ast_stmt *step_named(const struct ast_stmt *st, const char *name)
{
	for (; st != NULL; st = st->next) {
		if (st->kind == S_STEP && strcmp(st->name.s, name) == 0)
			return st;
		const struct ast_stmt *in = step_named(st->body, name);
		if (in == NULL)
			in = step_named(st->else_body, name);
		if (in != NULL)
			return in;
	}
	return NULL;
}

static void sim_step(struct sim *x, const char *name)
{
	const struct ast_stmt *st = step_named(x->proc->body, name);
	assert_non_null(st);
	sim_actions(x, st);
}

static unsigned svc_index(const struct sim *x, const char *name)
{
	for (unsigned i = 0; i < x->m->nsvc; i++)
		if (strcmp(x->m->svcs[i]->name.s, name) == 0)
			return i;
	fail_msg("no service %s", name);
	return 0;
}

/* At the end: every store mounted, the affected one soft-recovered, the hotfix installed with
 * its file on every node, every service running where it runs, nothing degraded. */
static void assert_healthy_end(struct sim *x)
{
	struct model_degr d[8];
	for (unsigned k = 0; k < 3; k++)
		assert_int_equal(*model_store(x->m, x->s, k), STO_MOUNTED);
	assert_int_equal(*model_risk(x->m, x->s, 0), B_NO);
	for (unsigned n = 0; n < x->m->nnodes; n++) {
		assert_int_equal(*model_mem(x->m, x->s, n), MEM_MEMBER);
		assert_int_equal(*model_hf(x->m, x->s, n, 0), HF_INSTALLED);
		assert_int_equal(*model_fv(x->m, x->s, n, 0), FV_NEW);
	}
	assert_int_equal(model_degradations(x->m, x->s, d, 8), 0);
	assert_int_equal(x->violations, 0);
}

static void concrete_standalone(void **state)
{
	(void)state;
	struct sim x;
	sim_open(&x, PROC_STANDALONE, false);
	unsigned is = svc_index(&x, "MSExchangeIS");
	assert_concrete(&x);
	assert_int_equal(*model_risk(x.m, x.s, 0), B_YES);      /* the affected store, named by --set */
	assert_int_equal(*model_risk(x.m, x.s, 1), B_NO);

	sim_step(&x, "dismount_others");
	assert_int_equal(*model_store(x.m, x.s, 0), STO_MOUNTED);
	assert_int_equal(*model_store(x.m, x.s, 1), STO_DISMOUNTED);
	assert_int_equal(*model_store(x.m, x.s, 2), STO_DISMOUNTED);
	sim_step(&x, "kill_store");
	assert_int_equal(*model_store(x.m, x.s, 0), STO_DIRTY);
	assert_int_equal(*model_store(x.m, x.s, 1), STO_DISMOUNTED);
	assert_int_equal(*model_svc(x.m, x.s, 0, is), SVC_STOPPED);
	assert_int_equal(*model_risk(x.m, x.s, 0), B_YES);
	sim_step(&x, "apply");
	assert_int_equal(*model_store(x.m, x.s, 0), STO_MOUNTED);     /* soft recovery on a patched server */
	assert_int_equal(*model_risk(x.m, x.s, 0), B_NO);
	assert_int_equal(*model_store(x.m, x.s, 1), STO_DISMOUNTED);  /* stays so until a mount */
	assert_int_equal(*model_svc(x.m, x.s, 0, is), SVC_RUNNING);
	assert_int_equal(*model_hf(x.m, x.s, 0, 0), HF_INSTALLED);
	sim_step(&x, "started");
	sim_step(&x, "recovered");
	sim_step(&x, "remount");
	assert_healthy_end(&x);
	assert_int_equal(*model_svc(x.m, x.s, 0, is), SVC_RUNNING);
	sim_close(&x);
}

/* The whole cluster procedure, failback off and on: the groups end on the patched passive
 * node, or back on the first one. */
static void concrete_cluster(void **state)
{
	(void)state;
	for (int failback = 0; failback <= 1; failback++) {
		struct sim x;
		sim_open(&x, PROC_CLUSTER, failback);
		unsigned is = svc_index(&x, "MSExchangeIS");
		unsigned owner = failback ? 0 : 1;
		assert_concrete(&x);
		assert_int_equal(x.nodes[0], 1);                    /* active = owner of group "Exchange" */
		assert_int_equal(x.nodes[1], 2);                    /* passive = any node except active */
		assert_int_equal(*model_svc(x.m, x.s, 0, is), SVC_RUNNING);   /* a resource: on its owner only */
		assert_int_equal(*model_svc(x.m, x.s, 1, is), SVC_STOPPED);
		sim_walk(&x, x.proc->body);
		assert_int_equal(x.steps, failback ? 15 : 14);
		assert_healthy_end(&x);
		for (unsigned g = 0; g < x.m->ngroups; g++)
			assert_int_equal(x.s->owner[g], (nodeset)1 << owner);
		assert_int_equal(*model_svc(x.m, x.s, owner, is), SVC_RUNNING);
		assert_int_equal(*model_svc(x.m, x.s, 1 - owner, is), SVC_STOPPED);
		assert_int_equal(*model_restart(x.m, x.s, 0), B_YES);
		sim_close(&x);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(canonical_is_clean),
		cmocka_unit_test(standalone_mistakes),
		cmocka_unit_test(cluster_mistakes),
		cmocka_unit_test(concrete_standalone),
		cmocka_unit_test(concrete_cluster),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
