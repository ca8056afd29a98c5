/* test_resolve.c: name and type resolution (resolve.c, sema.h) against SPEC sections 2 and
 * 4: each case of HP002-HP006 at the line of the offending name, declaration or action (the
 * line found from the text); what resolution fills in on the canonical plan (params, the
 * model's links, hotfixes, roles and what each action and condition refers to); the node an
 * action needs in a cluster procedure; loop variables; resolving twice; procedures not asked
 * for; and a procedure with name errors is not simulated. */
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
#include "parse.h"
#include "sema.h"

/* The plan-level part of every case; a case adds its procedure and the closing brace. */
static const char HEAD[] =
	"plan t \"resolution tests\" {\n"
	"    param affected : stores \"the stores named in event ID 217\"\n"
	"    param flag : bool = false \"a bool param\"\n"
	"    param n : int = 3 \"an int param\"\n"
	"    model {\n"
	"        service \"MSExchangeIS\" process \"store.exe\" holds stores\n"
	"        service \"ClusSvc\" cluster\n"
	"        service \"W3SVC\" process \"inetinfo.exe\"\n"
	"        resource \"Exchange Information Store Instance\" service \"MSExchangeIS\" group \"Exchange\"\n"
	"        group \"Cluster Group\"\n"
	"        recover affected\n"
	"    }\n"
	"    hotfix ese {\n"
	"        file \"Ese.dll\" version 6.5.7232.54\n"
	"        restarts \"MSExchangeIS\"\n"
	"    }\n";

#define ROLES                                                \
	"        roles {\n"                                  \
	"            active = owner of group \"Exchange\"\n" \
	"            passive = any node except active\n"     \
	"        }\n"

static char *concat(const char *a, const char *b, const char *c)
{
	size_t len = strlen(a) + strlen(b) + strlen(c) + 1;
	char *out = malloc(len);
	assert_non_null(out);
	snprintf(out, len, "%s%s%s", a, b, c);
	return out;
}

/* `text` with the first `from` replaced by `to` (malloc'd). */
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

/* The 1-based line of the first `needle` in `text`. */
static unsigned line_of(const char *text, const char *needle)
{
	const char *p = strstr(text, needle);
	if (p == NULL)
		fail_msg("\"%s\" is not in the plan", needle);
	unsigned line = 1;
	for (const char *q = text; q < p; q++)
		line += *q == '\n';
	return line;
}

/* Resolve `text` (sema only, no simulation) and list its errors, "HPxxx:LINE ..." (malloc'd).
 * Warnings (HP201, HP202, HP205) are left out: each case is about one error. */
static char *errors_of(const char *text, unsigned kinds)
{
	struct hp_ctx ctx;
	ctx_init(&ctx);
	struct ast_file *f = parse_buffer(&ctx, "t.hplan", text, strlen(text));
	for (unsigned i = 0; i < ctx.diags.n; i++)
		if (ctx.diags.v[i]->rule == HP001)
			fail_msg("a syntax error in a resolution case:\n%s", text);
	(void)sema_resolve(&ctx, f, kinds);
	diag_finish(&ctx);
	size_t cap = 64 + ctx.diags.n * 16, len = 0;
	char *out = malloc(cap);
	assert_non_null(out);
	out[0] = '\0';
	for (unsigned i = 0; i < ctx.diags.n; i++) {
		const struct diag *d = ctx.diags.v[i];
		if (d->severity != SEV_ERROR)
			continue;
		struct src_pos pos = source_pos(ctx_source(&ctx, d->loc.file), d->loc.start);
		len += (size_t)snprintf(out + len, cap - len, "%s%s:%u", len ? " " : "", rule_table[d->rule].id, pos.line);
	}
	ctx_free(&ctx);
	return out;
}

/* One case: HEAD edited (from -> to, when from is not NULL), then `proc`. The errors must be
 * exactly `rule` at the line of `needle`, or none when rule is NULL. */
struct rcase {
	const char *what;
	const char *from, *to;
	const char *proc;
	const char *rule;
	const char *needle;
};

static void run_cases(const struct rcase *c, size_t n)
{
	unsigned failed = 0;
	for (size_t i = 0; i < n; i++) {
		char *head = c[i].from ? edit(HEAD, c[i].from, c[i].to) : concat(HEAD, "", "");
		char *text = concat(head, c[i].proc, "}\n");
		char want[64] = "";
		if (c[i].rule != NULL)
			snprintf(want, sizeof(want), "%s:%u", c[i].rule, line_of(text, c[i].needle));
		char *got = errors_of(text, CHECK_ALL);
		if (strcmp(got, want) != 0) {
			print_error("%s: want \"%s\", got \"%s\"\n", c[i].what, want, got);
			failed++;
		}
		free(got);
		free(text);
		free(head);
	}
	assert_int_equal(failed, 0);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- HP002: unknown names ------------------------------------------------------------------ */

static void hp002_unknown_names(void **state)
{
	(void)state;
	static const struct rcase cases[] = {
		{ "a role in `on`", NULL, NULL,
		  "    procedure cluster {\n" ROLES "        step s on pasive { wait 5s }\n    }\n", "HP002", "pasive" },
		{ "a role in a condition", NULL, NULL,
		  "    procedure cluster {\n" ROLES "        step s { wait until pasive member }\n    }\n", "HP002", "pasive" },
		{ "a role in `move … to`", NULL, NULL,
		  "    procedure cluster {\n" ROLES "        step s { move group \"Exchange\" to pasive }\n    }\n",
		  "HP002", "pasive" },
		{ "a service", NULL, NULL,
		  "    procedure standalone {\n        step s { stop service \"MSExchangeIS2\" }\n    }\n", "HP002",
		  "MSExchangeIS2" },
		{ "a process", NULL, NULL, "    procedure standalone {\n        step s { kill process \"store\" }\n    }\n",
		  "HP002", "\"store\"" },
		{ "a hotfix", NULL, NULL, "    procedure standalone {\n        step s { install hotfix esx }\n    }\n",
		  "HP002", "esx" },
		{ "a hotfix in a condition", NULL, NULL,
		  "    procedure standalone {\n        step s { verify hotfix esx installed }\n    }\n", "HP002", "esx" },
		{ "a group in `move`", NULL, NULL,
		  "    procedure cluster {\n" ROLES "        step s { move group \"Exchang\" to passive }\n    }\n",
		  "HP002", "\"Exchang\"" },
		{ "a group in `owns group`", NULL, NULL,
		  "    procedure cluster {\n" ROLES "        step s { verify passive owns group \"Nope\" }\n    }\n",
		  "HP002", "\"Nope\"" },
		{ "a group in `owner of group`", NULL, NULL,
		  "    procedure cluster {\n        roles {\n            active = owner of group \"Nope\"\n        }\n"
		  "        step s on active { restart node }\n    }\n",
		  "HP002", "\"Nope\"" },
		{ "a resource", NULL, NULL,
		  "    procedure cluster {\n" ROLES "        step s { disable restart of resource \"Exchange IS\" }\n    }\n",
		  "HP002", "\"Exchange IS\"" },
		{ "a stores param in a selection", NULL, NULL,
		  "    procedure standalone {\n        step s { dismount stores not in affectd }\n    }\n", "HP002",
		  "affectd" },
		{ "a param in a condition", NULL, NULL,
		  "    procedure standalone {\n        step s { verify flg }\n    }\n", "HP002", "flg" },
		{ "a param in count()", NULL, NULL,
		  "    procedure standalone {\n        step s { verify count(afected) > 0 }\n    }\n", "HP002", "afected" },
		{ "a param in an exec string", NULL, NULL,
		  "    procedure standalone {\n        step s { exec \"echo ${nope}\" }\n    }\n", "HP002", "exec" },
		{ "the service of a resource", "service \"MSExchangeIS\" group", "service \"MSExchange\" group",
		  "    procedure standalone {\n        step s { wait 5s }\n    }\n", "HP002", "\"MSExchange\"" },
		{ "a service the installer restarts", "restarts \"MSExchangeIS\"", "restarts \"MSExchangeI\"",
		  "    procedure standalone {\n        step s { wait 5s }\n    }\n", "HP002", "\"MSExchangeI\"" },
		{ "a recover param", "recover affected", "recover afected",
		  "    procedure standalone {\n        step s { wait 5s }\n    }\n", "HP002", "afected" },
		{ "no service holds stores", "process \"store.exe\" holds stores", "process \"store.exe\"",
		  "    procedure standalone {\n        step s { dismount stores not in affected }\n    }\n", "HP002",
		  "dismount" },
		{ "a role defined by itself", NULL, NULL,
		  "    procedure cluster {\n        roles {\n            passive = any node except passive\n        }\n"
		  "        step s on passive { restart node }\n    }\n",
		  "HP002", "except passive" },
		{ "roles defined through each other", NULL, NULL,
		  "    procedure cluster {\n        roles {\n            a = any node except b\n"
		  "            b = any node except a\n        }\n        step s on a { restart node }\n"
		  "        step t on b { restart node }\n    }\n",
		  "HP002", "except b" },
	};
	run_cases(cases, N(cases));
}

/* The help of an unknown name suggests the nearest known one. */
static void hp002_suggestion(void **state)
{
	(void)state;
	char *text = concat(HEAD, "    procedure cluster {\n" ROLES "        step s on pasive { stop service \"ClusSvc\" }\n    }\n",
			    "}\n");
	struct hp_ctx ctx;
	ctx_init(&ctx);
	struct ast_file *f = parse_buffer(&ctx, "t.hplan", text, strlen(text));
	assert_false(sema_resolve(&ctx, f, CHECK_ALL));
	bool seen = false;
	for (unsigned i = 0; i < ctx.diags.n; i++) {
		const struct diag *d = ctx.diags.v[i];
		if (d->rule != HP002)
			continue;
		seen = true;
		assert_non_null(strstr(d->message, "pasive"));
		assert_non_null(d->help);
		assert_non_null(strstr(d->help, "passive"));
	}
	assert_true(seen);
	ctx_free(&ctx);
	free(text);
}

/* ---- HP003: duplicate names ----------------------------------------------------------------- */

static void hp003_duplicates(void **state)
{
	(void)state;
	static const char *const sa = "    procedure standalone {\n        step s { wait 5s }\n    }\n";
	static const struct rcase cases[] = {
		{ "a param", "    param n :", "    param flag : bool = true \"again\"\n    param n :", sa, "HP003",
		  "flag : bool = true" },
		{ "a hotfix", "    hotfix ese {", "    hotfix ese {\n        file \"Ese.dll\" version 6.5.7232.54\n    }\n"
		  "    hotfix ese {", sa, "HP003", "ese {\n        file \"Ese.dll\" version 6.5.7232.54\n        restarts" },
		{ "a service", "        service \"W3SVC\"", "        service \"ClusSvc\" cluster\n        service \"W3SVC\"",
		  sa, "HP003", "\"ClusSvc\" cluster\n        service \"W3SVC\"" },
		{ "a step", NULL, NULL,
		  "    procedure standalone {\n        step s { wait 5s }\n        step s { wait 6s }\n    }\n", "HP003",
		  "s { wait 6s" },
		{ "a checkpoint", NULL, NULL,
		  "    procedure standalone {\n        step s { wait 5s }\n        checkpoint c { wait 5s }\n"
		  "        step t { wait 5s }\n        checkpoint c { wait 6s }\n        step u { wait 5s }\n    }\n",
		  "HP003", "c { wait 6s" },
		{ "a step and a checkpoint of one name: two namespaces", NULL, NULL,
		  "    procedure standalone {\n        step s { wait 5s }\n        checkpoint s { wait 5s }\n"
		  "        step t { wait 5s }\n    }\n",
		  NULL, NULL },
		{ "a role", NULL, NULL,
		  "    procedure cluster {\n        roles {\n            a = owner of group \"Exchange\"\n"
		  "            a = any node except a\n        }\n        step s on a { restart node }\n    }\n",
		  "HP003", "a = any" },
		{ "a loop variable named as a role", NULL, NULL,
		  "    procedure cluster {\n" ROLES "        for each active in passive {\n"
		  "            step s on active { restart node }\n        }\n    }\n",
		  "HP003", "active in passive" },
		{ "a step inside `for each` is one declaration", NULL, NULL,
		  "    procedure cluster {\n        roles {\n            all_n = all nodes\n        }\n"
		  "        for each x in all_n {\n            step s on x { restart node }\n        }\n    }\n",
		  NULL, NULL },
		{ "a second procedure of one kind", NULL, NULL,
		  "    procedure standalone {\n        step s { wait 5s }\n    }\n"
		  "    procedure standalone {\n        step t { wait 5s }\n    }\n",
		  "HP003", "procedure standalone {\n        step t" },
	};
	run_cases(cases, N(cases));
}

/* ---- HP004: types ------------------------------------------------------------------------------ */

static void hp004_types(void **state)
{
	(void)state;
	static const char *const sa = "    procedure standalone {\n        step s { wait 5s }\n    }\n";
	static const struct rcase cases[] = {
		{ "count() of a bool param", NULL, NULL,
		  "    procedure standalone {\n        step s { verify count(flag) > 0 }\n    }\n", "HP004", "flag)" },
		{ "a selection by a bool param", NULL, NULL,
		  "    procedure standalone {\n        step s { dismount stores in flag }\n    }\n", "HP004", "in flag" },
		{ "an int param as a condition", NULL, NULL,
		  "    procedure standalone {\n        step s { verify n }\n    }\n", "HP004", "verify n" },
		{ "a role as a condition", NULL, NULL,
		  "    procedure cluster {\n" ROLES "        step s { verify passive }\n    }\n", "HP004", "verify passive" },
		{ "a bool fact ordered", NULL, NULL,
		  "    procedure standalone {\n        step s { verify fact os.ok > true }\n    }\n", "HP004", "true" },
		{ "a list of facts of two types", NULL, NULL,
		  "    procedure standalone {\n        step s { verify fact os.build in [1, \"2\"] }\n    }\n", "HP004",
		  "\"2\"" },
		{ "serial 0", NULL, NULL,
		  "    procedure cluster {\n        roles {\n            all_n = all nodes\n        }\n"
		  "        for each x in all_n serial 0 {\n            step s on x { restart node }\n        }\n    }\n",
		  "HP004", "for each" },
		{ "a default of another type", "param n : int = 3", "param n : int = \"three\"", sa, "HP004", "\"three\"" },
		{ "recover of a bool param", "recover affected", "recover flag", sa, "HP004", "recover flag" },
		{ "an exec string with an unclosed ${", NULL, NULL,
		  "    procedure standalone {\n        step s { exec \"echo ${affected\" }\n    }\n", "HP004", "exec" },
	};
	run_cases(cases, N(cases));
}

/* ---- HP005: nodes and roles --------------------------------------------------------------------- */

static void hp005_nodes(void **state)
{
	(void)state;
	static const struct rcase cases[] = {
		{ "install without a node", NULL, NULL,
		  "    procedure cluster {\n" ROLES "        step s { install hotfix ese }\n    }\n", "HP005", "install" },
		{ "stop of a service that is no resource, without a node", NULL, NULL,
		  "    procedure cluster {\n" ROLES "        step s { stop service \"W3SVC\" }\n    }\n", "HP005", "stop" },
		{ "stop of the cluster service without a node", NULL, NULL,
		  "    procedure cluster {\n" ROLES "        step s { stop service \"ClusSvc\" }\n    }\n", "HP005", "stop" },
		{ "kill of a process that is no resource's, without a node", NULL, NULL,
		  "    procedure cluster {\n" ROLES "        step s { kill process \"inetinfo.exe\" }\n    }\n", "HP005",
		  "kill" },
		{ "restart node without a node", NULL, NULL,
		  "    procedure cluster {\n" ROLES "        step s { restart node }\n    }\n", "HP005", "restart node" },
		{ "exec without a node", NULL, NULL,
		  "    procedure cluster {\n" ROLES "        step s { exec \"true\" }\n    }\n", "HP005", "exec" },
		{ "mount in a cluster when the store service is no resource", "        resource", "        # resource",
		  "    procedure cluster {\n        roles {\n            first = owner of group \"Cluster Group\"\n"
		  "        }\n        step s { mount all stores }\n        step t on first { restart node }\n    }\n",
		  "HP005", "mount" },
		{ "a role declared in a standalone procedure", NULL, NULL,
		  "    procedure standalone {\n        roles {\n            a = all nodes\n        }\n"
		  "        step s { wait 5s }\n    }\n",
		  "HP005", "a = all" },
		{ "a role used in a standalone procedure", NULL, NULL,
		  "    procedure standalone {\n        step s on a { restart node }\n    }\n", "HP005", "on a" },
		{ "move group in a standalone procedure", NULL, NULL,
		  "    procedure standalone {\n        step s { move group \"Exchange\" to a }\n    }\n", "HP005", "move" },
		{ "a restart policy in a standalone procedure", NULL, NULL,
		  "    procedure standalone {\n"
		  "        step s { disable restart of resource \"Exchange Information Store Instance\" }\n    }\n",
		  "HP005", "disable" },
	};
	run_cases(cases, N(cases));
}

/* What needs no node in a cluster procedure: actions that go to a group's owner (the store
 * service is a resource), group and resource actions, waits, pauses and verifies; and an
 * action's own `on` stands in for its step's. */
static void cluster_actions_without_on(void **state)
{
	(void)state;
	static const struct rcase cases[] = {
		{ "actions of the owner, of the cluster and of time", NULL, NULL,
		  "    procedure cluster {\n" ROLES "        step s {\n"
		  "            stop service \"MSExchangeIS\"\n"
		  "            start service \"MSExchangeIS\"\n"
		  "            kill process \"store.exe\"\n"
		  "            dismount stores not in affected\n"
		  "            mount stores not in affected\n"
		  "            disable restart of resource \"Exchange Information Store Instance\"\n"
		  "            enable restart of resource \"Exchange Information Store Instance\"\n"
		  "            move group \"Exchange\" to passive\n"
		  "            wait until passive member timeout 5m\n"
		  "            wait 5s\n"
		  "            pause \"look\"\n"
		  "            verify passive owns no groups\n"
		  "            install hotfix ese on passive\n"
		  "            restart node on passive\n"
		  "            exec \"true\" on active\n"
		  "        }\n    }\n",
		  NULL, NULL },
	};
	run_cases(cases, N(cases));
}

/* ---- HP006: procedures ---------------------------------------------------------------------------- */

static void hp006_procedures(void **state)
{
	(void)state;
	static const struct rcase none = { "a plan with no procedure", NULL, NULL, "", "HP006", "plan t" };
	run_cases(&none, 1);

	/* checked for a kind the plan has no procedure for, named with --kind */
	char *text = concat(HEAD, "    procedure standalone {\n        step s { wait 5s }\n    }\n", "}\n");
	struct hp_ctx ctx;
	ctx_init(&ctx);
	struct ast_file *f = parse_buffer(&ctx, "t.hplan", text, strlen(text));
	check_file(&ctx, f, CHECK_CLUSTER, true);
	diag_finish(&ctx);
	unsigned hp006 = 0;
	for (unsigned i = 0; i < ctx.diags.n; i++)
		if (ctx.diags.v[i]->rule == HP006) {
			hp006++;
			assert_int_equal(source_pos(ctx_source(&ctx, ctx.diags.v[i]->loc.file), ctx.diags.v[i]->loc.start).line,
					 line_of(text, "plan t"));
		}
	assert_int_equal(hp006, 1);
	ctx_free(&ctx);
	free(text);
}

/* ---- what resolution fills in ---------------------------------------------------------------------- */

struct res {
	struct hp_ctx ctx;
	struct ast_plan *P;
};

static struct res *res_canonical(void)
{
	struct res *r = calloc(1, sizeof(*r));
	assert_non_null(r);
	const char *root = getenv("HOTPLAN_SOURCE_DIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/plans/ese-hotfix.hplan", root ? root : ".");
	ctx_init(&r->ctx);
	const char *why = NULL;
	struct ast_file *f = parse_file(&r->ctx, path, &why);
	if (f == NULL)
		fail_msg("%s", why);
	assert_true(sema_resolve(&r->ctx, f, CHECK_ALL));
	assert_int_equal(r->ctx.diags.n, 0);
	r->P = f->plans;
	return r;
}

static void res_free(struct res *r)
{
	ctx_free(&r->ctx);
	free(r);
}

static const struct ast_stmt *stmt_named(const struct ast_stmt *st, const char *name)
{
	for (; st != NULL; st = st->next) {
		if ((st->kind == S_STEP || st->kind == S_CHECKPOINT) && strcmp(st->name.s, name) == 0)
			return st;
		const struct ast_stmt *in = stmt_named(st->body, name);
		if (in == NULL)
			in = stmt_named(st->else_body, name);
		if (in != NULL)
			return in;
	}
	return NULL;
}

static void canonical_declarations(void **state)
{
	(void)state;
	struct res *r = res_canonical();
	struct ast_plan *P = r->P;
	assert_int_equal(P->nparams, 2);
	assert_string_equal(P->params->name.s, "affected");
	assert_int_equal(P->params->index, 0);
	assert_int_equal(P->params->next->index, 1);
	assert_ptr_equal(P->recover, P->params);
	assert_int_equal(P->nservices, 2);
	assert_string_equal(P->store_svc->name.s, "MSExchangeIS");
	assert_string_equal(P->cluster_svc->name.s, "ClusSvc");
	assert_int_equal(P->nresources, 1);
	assert_int_equal(P->ngroups, 2);
	const struct ast_model_item *res = P->store_svc->res;
	assert_non_null(res);
	assert_int_equal(res->kind, M_RESOURCE);
	assert_ptr_equal(res->svc, P->store_svc);
	/* `resource … group "Exchange"` declares the group */
	assert_string_equal(res->grp->name.s, "Exchange");
	assert_true(res->grp->implicit);
	assert_int_equal(P->nhotfixes, 1);
	assert_int_equal(P->hotfixes->nrestarts, 1);
	assert_ptr_equal(P->hotfixes->restart_svcs[0], P->store_svc);
	assert_non_null(P->proc[PROC_STANDALONE]);
	assert_non_null(P->proc[PROC_CLUSTER]);
	res_free(r);
}

static void canonical_roles_and_actions(void **state)
{
	(void)state;
	struct res *r = res_canonical();
	const struct ast_procedure *proc = r->P->proc[PROC_CLUSTER];
	const struct ast_role *active = proc->roles, *passive = active->next;
	assert_int_equal(proc->nroles, 2);
	assert_int_equal(active->kind, R_OWNER_OF);
	assert_int_equal(active->index, 0);
	assert_ptr_equal(active->grp, r->P->store_svc->res->grp);
	assert_int_equal(passive->kind, R_ANY_EXCEPT);
	assert_int_equal(passive->index, 1);
	assert_ptr_equal(passive->except_role, active);

	/* a step's `on` is its actions' node; an action's own `on` overrides it */
	const struct ast_stmt *st = stmt_named(proc->body, "passive_ready");
	assert_ptr_equal(st->node, passive);
	assert_ptr_equal(st->actions->node, passive);
	assert_int_equal(st->actions->cond->kind, C_OWNS_NO_GROUPS);
	assert_ptr_equal(st->actions->cond->role, passive);
	st = stmt_named(proc->body, "restart_disabled");
	assert_null(st->node);
	assert_ptr_equal(st->actions->grp, r->P->store_svc->res);          /* enable restart of resource */
	assert_ptr_equal(st->actions->next->node, active);                 /* start service … on active */
	assert_ptr_equal(st->actions->next->svc, r->P->store_svc);
	assert_ptr_equal(st->actions->next->next->stores.param, r->P->recover);
	st = stmt_named(proc->body, "failover");
	assert_ptr_equal(st->actions->to_role, passive);
	assert_ptr_equal(st->actions->grp, r->P->store_svc->res->grp);
	st = stmt_named(proc->body, "passive_restart");
	assert_ptr_equal(st->actions->next->cond->role, passive);           /* wait until passive member */
	st = stmt_named(proc->body, "active_install");
	assert_ptr_equal(st->actions->hotfix, r->P->hotfixes);

	/* steps and checkpoints numbered in source order, actions too, each knowing its step */
	static const char *const order[] = { "passive_ready", "passive_stop", "passive_stopped", "passive_install",
					     "passive_restart", "no_restart", "restart_disabled", "active_dismount",
					     "active_kill", "failover", "failed_over", "active_stop", "active_install",
					     "active_restart", "failback", "restart_enabled", "recovered", "remount" };
	uint32_t nst = 0, nact = 0;
	for (size_t i = 0; i < N(order); i++) {
		st = stmt_named(proc->body, order[i]);
		assert_non_null(st);
		assert_int_equal(st->index, nst++);
		for (const struct ast_action *a = st->actions; a != NULL; a = a->next) {
			assert_int_equal(a->index, nact++);
			assert_ptr_equal(a->step, st);
		}
	}
	assert_int_equal(proc->nsteps, nst);
	assert_int_equal(proc->nactions, nact);
	assert_false(sema_uses_node_sets(proc));
	res_free(r);
}

/* A `for each` variable is a role inside its loop, appended after the declared roles;
 * resolving again does not append it twice. */
static void loop_variables(void **state)
{
	(void)state;
	char *text = concat(HEAD,
			    "    procedure cluster {\n        roles {\n            first = owner of group \"Exchange\"\n"
			    "            rest = all nodes except first\n        }\n"
			    "        for each x in rest serial 2 {\n            step s on x { restart node }\n"
			    "            step t { wait until x member }\n        }\n    }\n",
			    "}\n");
	struct hp_ctx ctx;
	ctx_init(&ctx);
	struct ast_file *f = parse_buffer(&ctx, "t.hplan", text, strlen(text));
	for (int round = 0; round < 2; round++) {
		assert_true(sema_resolve(&ctx, f, CHECK_ALL));
		const struct ast_procedure *proc = f->plans->proc[PROC_CLUSTER];
		const struct ast_stmt *loop = proc->body;
		assert_int_equal(proc->nroles, 3);
		const struct ast_role *x = proc->roles->next->next;
		assert_int_equal(x->kind, R_LOOPVAR);
		assert_int_equal(x->index, 2);
		assert_null(x->next);
		assert_ptr_equal(x->loop, loop);
		assert_ptr_equal(loop->var, x);
		assert_ptr_equal(loop->set_role, proc->roles->next);
		assert_int_equal(loop->serial, 2);
		assert_ptr_equal(loop->body->node, x);
		assert_ptr_equal(loop->body->next->actions->cond->role, x);
		assert_ptr_equal(proc->roles->next->except_role, proc->roles);
		assert_true(sema_uses_node_sets(proc));
	}
	ctx_free(&ctx);
	free(text);
}

/* ---- scope: kinds asked for, ensures, the simulation ------------------------------------------------ */

/* The HP201 warnings about params of `text` resolved for `kinds`. */
static unsigned unused_params(const char *text, unsigned kinds)
{
	struct hp_ctx ctx;
	ctx_init(&ctx);
	struct ast_file *f = parse_buffer(&ctx, "t.hplan", text, strlen(text));
	(void)sema_resolve(&ctx, f, kinds);
	unsigned n = 0;
	for (unsigned i = 0; i < ctx.diags.n; i++)
		n += ctx.diags.v[i]->rule == HP201 && strncmp(ctx.diags.v[i]->message, "param ", 6) == 0;
	ctx_free(&ctx);
	return n;
}

/* Errors of a procedure not asked for are dropped; its names still count as uses. */
static void kinds_not_asked_for(void **state)
{
	(void)state;
	char *text = concat(HEAD,
			    "    procedure standalone {\n        step s { dismount stores not in affected }\n"
			    "        step t { mount stores not in affected }\n    }\n"
			    "    procedure cluster {\n" ROLES
			    "        step c on passive { exec \"echo ${n}\" }\n"
			    "        step d { verify flag }\n"
			    "        step e on pasive { wait 5s }\n    }\n",
			    "}\n");
	char *got = errors_of(text, CHECK_STANDALONE);
	assert_string_equal(got, "");
	free(got);
	got = errors_of(text, CHECK_ALL);
	char want[64];
	snprintf(want, sizeof(want), "HP002:%u", line_of(text, "pasive"));
	assert_string_equal(got, want);
	free(got);

	/* flag and n are used only by the cluster procedure: no HP201 for them either way */
	assert_int_equal(unused_params(text, CHECK_STANDALONE), 0);
	assert_int_equal(unused_params(text, CHECK_ALL), 0);
	char *alone = concat(HEAD, "    procedure standalone {\n        step s { dismount stores not in affected }\n"
			     "        step t { mount stores not in affected }\n    }\n", "}\n");
	assert_int_equal(unused_params(alone, CHECK_STANDALONE), 2);   /* without it, both are unused */
	free(alone);
	free(text);
}

static void ensures(void **state)
{
	(void)state;
	char *text = concat(HEAD,
			    "    ensure passive member\n"
			    "    procedure standalone {\n        step s { wait 5s }\n    }\n"
			    "    procedure cluster {\n" ROLES "        step c on passive { restart node }\n"
			    "        step d { wait until passive member }\n    }\n",
			    "}\n");
	struct hp_ctx ctx;
	ctx_init(&ctx);
	struct ast_file *f = parse_buffer(&ctx, "t.hplan", text, strlen(text));
	(void)sema_resolve(&ctx, f, CHECK_CLUSTER);
	struct ast_plan *P = f->plans;
	assert_true(sema_bind_ensures(P, P->proc[PROC_CLUSTER]));
	assert_ptr_equal(P->ensures->cond->role, P->proc[PROC_CLUSTER]->roles->next);
	assert_false(sema_bind_ensures(P, P->proc[PROC_STANDALONE]));   /* no role 'passive' there */
	ctx_free(&ctx);
	free(text);
}

/* A procedure with name or type errors is not simulated (SPEC section 4): the HP002 alone,
 * not the HP101 the dismount would give. */
static void errors_stop_the_simulation(void **state)
{
	(void)state;
	char *text = concat(HEAD,
			    "    procedure standalone {\n        step s { dismount all stores }\n"
			    "        step t { stop service \"Nope\" }\n    }\n",
			    "}\n");
	struct hp_ctx ctx;
	ctx_init(&ctx);
	struct ast_file *f = parse_buffer(&ctx, "t.hplan", text, strlen(text));
	check_file(&ctx, f, CHECK_ALL, false);
	diag_finish(&ctx);
	unsigned hp002 = 0;
	for (unsigned i = 0; i < ctx.diags.n; i++) {
		assert_int_not_equal(ctx.diags.v[i]->rule, HP101);
		hp002 += ctx.diags.v[i]->rule == HP002;
	}
	assert_int_equal(hp002, 1);
	ctx_free(&ctx);

	/* the same plan with the name right is simulated */
	char *fixed = edit(text, "\"Nope\"", "\"W3SVC\"");
	ctx_init(&ctx);
	f = parse_buffer(&ctx, "t.hplan", fixed, strlen(fixed));
	check_file(&ctx, f, CHECK_ALL, false);
	diag_finish(&ctx);
	unsigned hp101 = 0;
	for (unsigned i = 0; i < ctx.diags.n; i++)
		hp101 += ctx.diags.v[i]->rule == HP101;
	assert_int_equal(hp101, 1);
	ctx_free(&ctx);
	free(fixed);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hp002_unknown_names),
		cmocka_unit_test(hp002_suggestion),
		cmocka_unit_test(hp003_duplicates),
		cmocka_unit_test(hp004_types),
		cmocka_unit_test(hp005_nodes),
		cmocka_unit_test(cluster_actions_without_on),
		cmocka_unit_test(hp006_procedures),
		cmocka_unit_test(canonical_declarations),
		cmocka_unit_test(canonical_roles_and_actions),
		cmocka_unit_test(loop_variables),
		cmocka_unit_test(kinds_not_asked_for),
		cmocka_unit_test(ensures),
		cmocka_unit_test(errors_stop_the_simulation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
