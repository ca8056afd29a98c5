/* test_check.c: the checker and the model: the canonical plan is clean, each effect of
 * SPEC section 4 holds on a state, and rules fire at the right line. */
#include <setjmp.h>
#include <stdarg.h>
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

	/* dismount all stores (line 25) */
	p = edit(plan, "dismount stores not in affected\n        }\n        checkpoint others_dismounted",
		 "dismount all stores\n        }\n        checkpoint others_dismounted");
	char *got = check_text(p, CHECK_STANDALONE);
	assert_non_null(strstr(got, "HP101:25"));
	free(got);
	free(p);

	/* stop gracefully instead of the forced stop (line 31) */
	p = edit(plan, "kill process \"store.exe\"\n        }\n        checkpoint store_killed",
		 "stop service \"MSExchangeIS\"\n        }\n        checkpoint store_killed");
	got = check_text(p, CHECK_STANDALONE);
	assert_non_null(strstr(got, "HP103:31"));
	free(got);
	free(p);

	/* forget to remount: HP121 at the dismount */
	p = edit(plan, "        step remount \"Mount the stores dismounted in the first step\" {\n"
		       "            mount stores not in affected\n        }\n", "");
	got = check_text(p, CHECK_STANDALONE);
	assert_non_null(strstr(got, "HP121:25"));
	free(got);
	free(p);
	free(plan);
}

static void cluster_mistakes(void **state)
{
	(void)state;
	char *plan = slurp("plans/ese-hotfix.hplan");
	char *p, *got;

	/* never set restart back: HP120 at the disable (line 74) */
	p = edit(plan, "        step restart_enabled \"Set the Information Store instance back to Restart\" {\n"
		       "            enable restart of resource \"Exchange Information Store Instance\"\n        }\n", "");
	got = check_text(p, CHECK_CLUSTER);
	assert_non_null(strstr(got, "HP120:74"));
	free(got);
	free(p);

	/* move to a node that has not rejoined: HP113 at the move (line 87) */
	p = edit(plan, "            restart node\n            wait until passive member timeout 30m\n",
		 "            restart node\n");
	got = check_text(p, CHECK_CLUSTER);
	assert_non_null(strstr(got, "HP113:87"));
	free(got);
	free(p);

	/* stop the cluster service on the owner: HP115 */
	p = edit(plan, "step passive_stop \"Stop the Cluster service on the passive node\" on passive",
		 "step passive_stop \"Stop the Cluster service on the passive node\" on active");
	got = check_text(p, CHECK_CLUSTER);
	assert_non_null(strstr(got, "HP115:61"));
	free(got);
	free(p);
	free(plan);
}

/* The model as the simulated target will use it: one concrete path. */
static void model_effects(void **state)
{
	(void)state;
	char *plan = slurp("plans/ese-hotfix.hplan");
	struct hp_ctx ctx;
	ctx_init(&ctx);
	struct ast_file *f = parse_buffer(&ctx, "t.hplan", plan, strlen(plan));
	assert_true(sema_resolve(&ctx, f, CHECK_ALL));
	struct ast_plan *P = f->plans;
	struct ast_procedure *proc = P->proc[PROC_STANDALONE];
	struct model *m = model_init_abstract(&ctx.arena, P, PROC_STANDALONE, 1);
	struct model_state *s = model_state_start(&ctx.arena, m, 0);
	nodeset nodes[4] = { 0 };
	struct model_bind b = { nodes, 0 };

	/* store 0 is the affected class, store 1 the unaffected one */
	const struct ast_stmt *st = proc->body;                  /* dismount_others */
	model_apply(m, s, &b, st->actions, NULL, NULL);
	assert_int_equal(*model_store(m, s, 1), STO_DISMOUNTED);
	assert_int_equal(*model_store(m, s, 0), STO_MOUNTED);
	st = st->next->next;                                     /* kill_store */
	model_apply(m, s, &b, st->actions, NULL, NULL);
	assert_int_equal(*model_store(m, s, 0), STO_DIRTY);
	assert_int_equal(*model_svc(m, s, 0, P->store_svc->index), SVC_STOPPED);
	assert_int_equal(*model_risk(m, s, 0), B_YES);
	st = st->next->next;                                     /* apply */
	model_apply(m, s, &b, st->actions, NULL, NULL);
	assert_int_equal(*model_store(m, s, 0), STO_MOUNTED);    /* soft recovery on a patched server */
	assert_int_equal(*model_risk(m, s, 0), B_NO);
	assert_int_equal(*model_store(m, s, 1), STO_DISMOUNTED); /* stays so until a mount */
	assert_int_equal(*model_svc(m, s, 0, P->store_svc->index), SVC_RUNNING);
	assert_int_equal(*model_hf(m, s, 0, 0), HF_INSTALLED);
	ctx_free(&ctx);
	free(plan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(canonical_is_clean),
		cmocka_unit_test(standalone_mistakes),
		cmocka_unit_test(cluster_mistakes),
		cmocka_unit_test(model_effects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
