/* test_graph.c: graph_write_dot (graph.h): nodes, lanes, order and rollback edges of the
 * canonical plan, rollback through `if` and `for each`, escaping, determinism.
 *
 * Which checkpoint each step rolls back to is in the step's tooltip ("rolls back to c1 or
 * c2"); the picture draws one rollback edge per run of consecutive steps that share that
 * set, from the run's last step, labelled at the checkpoint with the range it covers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctx.h"
#include "graph.h"
#include "parse.h"

/* The DOT text of `plan`'s procedure of `kind` (malloc'd), or NULL when there is none. */
static char *dot_of(struct hp_ctx *ctx, struct ast_plan *plan, enum proc_kind kind)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	int rc = graph_write_dot(ctx, plan, kind, f);
	assert_int_equal(fclose(f), 0);
	if (rc != 0) {
		assert_int_equal(rc, -1);
		assert_int_equal(len, 0);
		free(buf);
		return NULL;
	}
	return buf;
}

static struct ast_plan *parse_text(struct hp_ctx *ctx, const char *text)
{
	struct ast_file *file = parse_buffer(ctx, "test.hplan", text, strlen(text));
	assert_non_null(file);
	assert_int_equal(ctx->diags.n, 0);
	assert_non_null(file->plans);
	return file->plans;
}

static struct ast_plan *parse_canonical(struct hp_ctx *ctx)
{
	const char *dir = getenv("HOTPLAN_SOURCE_DIR");
	char path[4096];
	const char *why = NULL;

	if (dir != NULL) {
		snprintf(path, sizeof(path), "%s/plans/ese-hotfix.hplan", dir);
	} else {   /* run by hand: find the tree from this file's path */
		const char *self = __FILE__, *cut = strstr(self, "tests/unit/");
		int n = cut ? (int)(cut - self) : 0;
		snprintf(path, sizeof(path), "%.*splans/ese-hotfix.hplan", n, self);
	}
	struct ast_file *file = parse_file(ctx, path, &why);
	if (file == NULL)
		fail_msg("%s", why ? why : path);
	assert_int_equal(ctx->diags.n, 0);
	assert_non_null(file->plans);
	return file->plans;
}

static bool has_rollback(const char *dot, const char *from, const char *to)
{
	char pat[256];
	snprintf(pat, sizeof(pat), "\"%s\" -> \"%s\" [style=dashed", from, to);
	return strstr(dot, pat) != NULL;
}

/* Rollback edges leaving `from`; `from` NULL: all of them. */
static int rollbacks_from(const char *dot, const char *from)
{
	char pat[256];
	int n = 0;
	if (from)
		snprintf(pat, sizeof(pat), "\t\"%s\" -> ", from);
	else
		snprintf(pat, sizeof(pat), "\t\"");
	for (const char *p = strstr(dot, pat); p; p = strstr(p + 1, pat)) {
		const char *eol = strchr(p, '\n');
		const char *arrow = strstr(p, "\" -> \"");
		const char *d = strstr(p, "[style=dashed");
		if (d && arrow && arrow < d && (eol == NULL || d < eol))
			n++;
	}
	return n;
}

/* The text of the rollback edge from -> to (up to the end of its line). */
static char *rollback_edge(const char *dot, const char *from, const char *to)
{
	char pat[256];
	snprintf(pat, sizeof(pat), "\t\"%s\" -> \"%s\" [style=dashed", from, to);
	const char *p = strstr(dot, pat);
	if (p == NULL)
		fail_msg("no rollback edge %s -> %s", from, to);
	const char *eol = strchr(p, '\n');
	size_t n = eol ? (size_t)(eol - p) : strlen(p);
	char *s = malloc(n + 1);
	assert_non_null(s);
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* The attribute text of node `id`'s declaration (up to the end of its line). */
static char *node_decl(const char *dot, const char *id)
{
	char pat[256];
	snprintf(pat, sizeof(pat), "\"%s\" [", id);
	for (const char *p = strstr(dot, pat); p; p = strstr(p + 1, pat)) {
		if (p[-1] != '\t')
			continue;
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		char *s = malloc(n + 1);
		assert_non_null(s);
		memcpy(s, p, n);
		s[n] = '\0';
		return s;
	}
	fail_msg("no node \"%s\" declared", id);
	return NULL;
}

static void assert_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("expected to find <%s> in:\n%s", needle, hay);
}

static void assert_lacks(const char *hay, const char *needle)
{
	if (strstr(hay, needle) != NULL)
		fail_msg("did not expect <%s> in:\n%s", needle, hay);
}

/* Step `id` rolls back to `what` ("c1", "c2 or c3", "c1, or on some paths no rollback
 * point (exit 4)"), or, `what` NULL, has no rollback point: its tooltip says so, before
 * the first action's line. */
static void assert_rolls_back(const char *dot, const char *id, const char *what)
{
	char want[512];
	char *decl = node_decl(dot, id);
	if (what)
		snprintf(want, sizeof(want), "tooltip=\"rolls back to %s\\n", what);
	else
		snprintf(want, sizeof(want), "tooltip=\"no rollback point: ");
	assert_contains(decl, want);
	free(decl);
}

/* The rollback edge from -> to exists and holds `attr` (NULL: no headlabel). */
static void assert_rollback_edge(const char *dot, const char *from, const char *to, const char *attr)
{
	char *e = rollback_edge(dot, from, to);
	if (attr)
		assert_contains(e, attr);
	else
		assert_lacks(e, "headlabel=");
	assert_contains(e, "constraint=false");
	free(e);
}

static void test_canonical_cluster(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	struct ast_plan *plan = parse_canonical(&ctx);
	char *dot = dot_of(&ctx, plan, PROC_CLUSTER);
	assert_non_null(dot);

	assert_true(strncmp(dot, "digraph \"ese_hotfix\" {\n", 23) == 0);
	assert_contains(dot, "graph [label=\"Exchange Server 2003 SP1: Ese.dll 6.5.7232.54\"");
	assert_contains(dot, "subgraph \"cluster_active\" {");
	assert_contains(dot, "label=\"on active\"");
	assert_contains(dot, "subgraph \"cluster_passive\" {");
	assert_contains(dot, "label=\"on passive\"");
	assert_contains(dot, "label=\"cluster-wide\"");

	/* steps in order, each labelled with its name and title */
	assert_contains(dot, "\t\"#start\" -> \"passive_ready\";\n");
	assert_contains(dot, "\t\"passive_ready\" -> \"passive_stop\";\n");
	assert_contains(dot, "\t\"passive_stop\" -> \"passive_stopped\";\n");
	assert_contains(dot, "\t\"remount\" -> \"#end\";\n");
	char *decl = node_decl(dot, "passive_install");
	assert_contains(decl, "label=\"passive_install\\nInstall the hotfix on the passive node\"");
	free(decl);

	/* a checkpoint: its own shape, its rollback actions one per line */
	decl = node_decl(dot, "passive_stopped");
	assert_contains(decl, "peripheries=2");
	assert_contains(decl, "checkpoint passive_stopped");
	assert_contains(decl, "start service \\\"ClusSvc\\\" on passive\\l");
	free(decl);
	decl = node_decl(dot, "failed_over");
	assert_contains(decl, "enable restart of resource \\\"Exchange Information Store Instance\\\"\\l");
	assert_contains(decl, "start service \\\"ClusSvc\\\" on active\\l");
	assert_contains(decl, "mount stores not in affected\\l");
	free(decl);

	/* the failover stands out, and says what it moves where; so does the failback */
	assert_contains(dot, "\t\"failover\" -> \"failed_over\" [label=\"Exchange, Cluster Group \xe2\x86\x92 passive\", penwidth=3");
	assert_contains(dot, "\t\"failback\" -> \"#if");
	assert_contains(dot, "#join\" [label=\"Exchange, Cluster Group \xe2\x86\x92 active\", penwidth=3");
	assert_lacks(dot, "label=\"failover\"");
	decl = node_decl(dot, "failover");
	assert_contains(decl, "penwidth=3");
	assert_contains(decl, "move group \\\"Exchange\\\" to passive");
	free(decl);

	/* the `if`: a diamond, true and false edges that rejoin */
	assert_contains(dot, "\"#if");
	assert_contains(dot, "label=\"if failback\"");
	assert_contains(dot, "-> \"failback\" [label=\"true\"];");
	assert_contains(dot, "#join\" [label=\"false\"];");

	/* each step: the checkpoint it rolls back to, the most recent one passed */
	assert_rolls_back(dot, "passive_ready", NULL);
	assert_rolls_back(dot, "passive_stop", NULL);
	const char *const to_passive_stopped[] = { "passive_install", "passive_restart", "no_restart" };
	const char *const to_restart_disabled[] = { "active_dismount", "active_kill", "failover" };
	const char *const to_failed_over[] = { "active_stop", "active_install", "active_restart", "failback",
		                               "restart_enabled", "recovered", "remount" };
	for (size_t i = 0; i < sizeof(to_passive_stopped) / sizeof(to_passive_stopped[0]); i++)
		assert_rolls_back(dot, to_passive_stopped[i], "passive_stopped");
	for (size_t i = 0; i < sizeof(to_restart_disabled) / sizeof(to_restart_disabled[0]); i++)
		assert_rolls_back(dot, to_restart_disabled[i], "restart_disabled");
	for (size_t i = 0; i < sizeof(to_failed_over) / sizeof(to_failed_over[0]); i++)
		assert_rolls_back(dot, to_failed_over[i], "failed_over");

	/* the picture: one rollback edge per run of steps, from its last step, labelled with
	 * the range at the checkpoint and listing every step in its tooltip */
	assert_int_equal(rollbacks_from(dot, NULL), 3);
	assert_rollback_edge(dot, "no_restart", "passive_stopped",
	                     "headlabel=\"rollback if a step from\\npassive_install to no_restart fails\"");
	assert_rollback_edge(dot, "no_restart", "passive_stopped",
	                     "tooltip=\"if passive_install, passive_restart or no_restart fails, roll back to passive_stopped\"");
	assert_rollback_edge(dot, "failover", "restart_disabled",
	                     "headlabel=\"rollback if a step from\\nactive_dismount to failover fails\"");
	assert_rollback_edge(dot, "remount", "failed_over",
	                     "headlabel=\"rollback if a step from\\nactive_stop to remount fails\"");
	assert_rollback_edge(dot, "remount", "failed_over",
	                     "tooltip=\"if active_stop, active_install, active_restart, failback, restart_enabled, recovered "
	                     "or remount fails, roll back to failed_over\"");
	/* along the east side, without bending the ranks */
	assert_rollback_edge(dot, "remount", "failed_over", "tailport=e, headport=e");
	for (size_t i = 0; i < sizeof(to_failed_over) / sizeof(to_failed_over[0]) - 1; i++)
		assert_int_equal(rollbacks_from(dot, to_failed_over[i]), 0);
	assert_int_equal(rollbacks_from(dot, "passive_ready"), 0);
	assert_int_equal(rollbacks_from(dot, "passive_stop"), 0);
	/* checkpoints are not failure points */
	assert_int_equal(rollbacks_from(dot, "failed_over"), 0);

	/* the legend (an HTML-like table over several lines) names every kind of mark the
	 * picture holds */
	decl = node_decl(dot, "#legend");
	assert_contains(decl, "shape=plain");
	free(decl);
	assert_contains(dot, "<B>procedure cluster</B>");
	assert_contains(dot, "<B>failover</B>");
	assert_contains(dot, "<B>rollback</B>");
	assert_contains(dot, "no rollback point (on some path)");

	free(dot);
	ctx_free(&ctx);
}

static void test_canonical_standalone(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	struct ast_plan *plan = parse_canonical(&ctx);
	char *dot = dot_of(&ctx, plan, PROC_STANDALONE);
	assert_non_null(dot);

	assert_contains(dot, "subgraph \"cluster_server\" {");
	assert_contains(dot, "label=\"server\"");
	assert_lacks(dot, "cluster_active");
	assert_rolls_back(dot, "dismount_others", NULL);
	assert_rolls_back(dot, "kill_store", "others_dismounted");
	const char *const to_store_killed[] = { "apply", "started", "recovered", "remount" };
	for (size_t i = 0; i < sizeof(to_store_killed) / sizeof(to_store_killed[0]); i++)
		assert_rolls_back(dot, to_store_killed[i], "store_killed");
	assert_int_equal(rollbacks_from(dot, NULL), 2);
	assert_rollback_edge(dot, "kill_store", "others_dismounted", "headlabel=\"rollback if kill_store fails\"");
	assert_rollback_edge(dot, "remount", "store_killed", "headlabel=\"rollback if a step from\\napply to remount fails\"");
	assert_int_equal(rollbacks_from(dot, "dismount_others"), 0);
	assert_int_equal(rollbacks_from(dot, "apply"), 0);
	/* no failover here: none drawn, none in the legend */
	assert_lacks(dot, "penwidth=3");
	assert_lacks(dot, "<B>failover</B>");
	char *decl = node_decl(dot, "store_killed");
	assert_contains(decl, "start service \\\"MSExchangeIS\\\"\\l");
	assert_contains(decl, "mount stores not in affected\\l");
	free(decl);

	/* same input, same bytes */
	char *again = dot_of(&ctx, plan, PROC_STANDALONE);
	assert_string_equal(dot, again);
	free(again);
	free(dot);
	ctx_free(&ctx);
}

static void test_no_procedure(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	struct ast_plan *plan = parse_text(&ctx,
		"plan p {\n"
		"    procedure standalone {\n"
		"        step a { wait 1s }\n"
		"    }\n"
		"}\n");
	assert_null(dot_of(&ctx, plan, PROC_CLUSTER));
	char *dot = dot_of(&ctx, plan, PROC_STANDALONE);
	assert_non_null(dot);
	/* no title: the graph is labelled with the plan's name */
	assert_contains(dot, "graph [label=\"p\"");
	free(dot);
	ctx_free(&ctx);
}

static void test_if_checkpoint(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	struct ast_plan *plan = parse_text(&ctx,
		"plan p \"if\" {\n"
		"    param flag : bool = false\n"
		"    param other : bool = false\n"
		"    procedure standalone {\n"
		"        step a { wait 1s }\n"
		"        if flag {\n"
		"            step b { wait 1s }\n"
		"            checkpoint c1 { wait 1s }\n"
		"            step c { wait 1s }\n"
		"        }\n"
		"        step d { wait 1s }\n"
		"        checkpoint c0 { wait 1s }\n"
		"        step e { wait 1s }\n"
		"        if other {\n"
		"            step f { wait 1s }\n"
		"            checkpoint c2 { wait 1s }\n"
		"            step g { wait 1s }\n"
		"            if flag { checkpoint c3 { wait 1s } }\n"
		"            step h { wait 1s }\n"
		"        } else {\n"
		"            checkpoint c4 { wait 1s }\n"
		"            step i { wait 1s }\n"
		"        }\n"
		"        step j { wait 1s }\n"
		"    }\n"
		"}\n");
	char *dot = dot_of(&ctx, plan, PROC_STANDALONE);
	assert_non_null(dot);

	/* each step's set: before any checkpoint on every path: none */
	assert_rolls_back(dot, "a", NULL);
	assert_rolls_back(dot, "b", NULL);
	/* after the one in the branch, on that branch only */
	assert_rolls_back(dot, "c", "c1");
	/* after the join: c1 on one path, none on the other */
	assert_rolls_back(dot, "d", "c1, or on some paths no rollback point (exit 4)");
	char *decl = node_decl(dot, "d");
	assert_contains(decl, "peripheries=2");
	free(decl);
	decl = node_decl(dot, "c");
	assert_lacks(decl, "no rollback point");
	free(decl);
	/* a checkpoint passed on every path covers what follows alone */
	assert_rolls_back(dot, "e", "c0");
	assert_rolls_back(dot, "f", "c0");
	assert_rolls_back(dot, "g", "c2");
	/* nested if: c3 or c2 */
	assert_rolls_back(dot, "h", "c2 or c3");
	assert_rolls_back(dot, "i", "c4");
	/* after the join: every checkpoint that can be the last one passed, not c0 */
	assert_rolls_back(dot, "j", "c2 or c3 or c4");

	/* the edges: a run ends at a checkpoint or where the set changes (c | d, e..f, g | h) */
	assert_int_equal(rollbacks_from(dot, "a"), 0);
	assert_int_equal(rollbacks_from(dot, "b"), 0);
	assert_int_equal(rollbacks_from(dot, "c"), 1);
	assert_int_equal(rollbacks_from(dot, "d"), 1);
	assert_true(has_rollback(dot, "c", "c1"));
	assert_true(has_rollback(dot, "d", "c1"));
	/* two edges into c1: one label for both, on the first */
	assert_rollback_edge(dot, "c", "c1", "headlabel=\"rollback if c fails,\\nor if d fails (on some paths)\"");
	assert_rollback_edge(dot, "d", "c1", NULL);
	assert_rollback_edge(dot, "d", "c1", "tooltip=\"if d fails, roll back to c1 when it was the last checkpoint passed\"");
	assert_int_equal(rollbacks_from(dot, "e"), 0);
	assert_rollback_edge(dot, "f", "c0", "headlabel=\"rollback if a step from\\ne to f fails\"");
	assert_int_equal(rollbacks_from(dot, "f"), 1);
	assert_true(has_rollback(dot, "g", "c2"));
	assert_int_equal(rollbacks_from(dot, "g"), 1);
	assert_true(has_rollback(dot, "h", "c2"));
	assert_true(has_rollback(dot, "h", "c3"));
	assert_int_equal(rollbacks_from(dot, "h"), 2);
	assert_true(has_rollback(dot, "i", "c4"));
	assert_int_equal(rollbacks_from(dot, "i"), 1);
	assert_true(has_rollback(dot, "j", "c2"));
	assert_true(has_rollback(dot, "j", "c3"));
	assert_true(has_rollback(dot, "j", "c4"));
	assert_int_equal(rollbacks_from(dot, "j"), 3);
	assert_int_equal(rollbacks_from(dot, NULL), 10);
	assert_rollback_edge(dot, "i", "c4", "headlabel=\"rollback if i fails,\\nor if j fails (on some paths)\"");
	assert_rollback_edge(dot, "j", "c4", NULL);

	free(dot);
	ctx_free(&ctx);
}

static void test_foreach(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	struct ast_plan *plan = parse_text(&ctx,
		"plan p \"loop\" {\n"
		"    procedure cluster {\n"
		"        roles {\n"
		"            active = owner of group \"G\"\n"
		"            others = all nodes except active\n"
		"        }\n"
		"        checkpoint c0 { wait 1s }\n"
		"        for each n in others serial 2 {\n"
		"            step x \"patch\" on n { restart node }\n"
		"            checkpoint cn { start service \"S\" on n }\n"
		"            step y on n { wait 1s }\n"
		"        }\n"
		"        step z on active { wait 1s }\n"
		"        for each m in others {\n"
		"            step u on m { wait 1s }\n"
		"            step v on active { wait 1s }\n"
		"        }\n"
		"    }\n"
		"}\n");
	char *dot = dot_of(&ctx, plan, PROC_CLUSTER);
	assert_non_null(dot);

	/* first iteration after c0, later ones after the previous iteration's cn */
	assert_rolls_back(dot, "x", "c0 or cn");
	assert_rolls_back(dot, "y", "cn");
	assert_rolls_back(dot, "z", "cn");
	assert_rolls_back(dot, "u", "cn");
	assert_rolls_back(dot, "v", "cn");
	/* edges: x to each; y to v, one run across the loop's exit and into the next loop */
	assert_true(has_rollback(dot, "x", "c0"));
	assert_true(has_rollback(dot, "x", "cn"));
	assert_int_equal(rollbacks_from(dot, "x"), 2);
	assert_rollback_edge(dot, "v", "cn", "tooltip=\"if y, z, u or v fails, roll back to cn\"");
	assert_rollback_edge(dot, "v", "cn", NULL);
	assert_rollback_edge(dot, "x", "cn",
	                     "headlabel=\"rollback if x fails (on some paths),\\nor if a step from\\ny to v fails\"");
	assert_int_equal(rollbacks_from(dot, NULL), 3);

	/* the loop: a labelled cluster with a head node, a back edge and an exit */
	assert_contains(dot, "label=\"for each n in others (serial 2)\"");
	assert_contains(dot, "label=\"for each m in others (serial 1)\"");
	assert_contains(dot, "label=\"on n\"");
	assert_contains(dot, "\t\"y\" -> \"#each");
	assert_contains(dot, "[label=\"next n\"");
	assert_contains(dot, "[label=\"done\"];");
	/* a loop whose steps run on two roles holds a lane of each */
	assert_contains(dot, "-active\" {");
	assert_contains(dot, "-m\" {");

	free(dot);
	ctx_free(&ctx);
}

/* A failover edge says what moved where: the groups per destination, in the plan's order;
 * a name that would read ambiguously in the list is quoted as in the source. */
static void test_failover_labels(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	struct ast_plan *plan = parse_text(&ctx,
		"plan p \"moves\" {\n"
		"    procedure cluster {\n"
		"        roles {\n"
		"            active = owner of group \"G\"\n"
		"            passive = any node except active\n"
		"        }\n"
		"        step swap {\n"
		"            move group \"Exchange\" to passive\n"
		"            move group \"a, \\\"b\\\"\" to active\n"
		"            move group \"Cluster Group\" to passive\n"
		"            move group \"Gr\xc3\xbc\xc3\x9f\x65\" to active\n"
		"        }\n"
		"        for each n in passive {\n"
		"            step hop { move group \"G\" to n }\n"
		"        }\n"
		"    }\n"
		"}\n");
	char *dot = dot_of(&ctx, plan, PROC_CLUSTER);
	assert_non_null(dot);
	assert_contains(dot, "\t\"swap\" -> \"#each1\" [label=\"Exchange, Cluster Group \xe2\x86\x92 passive\\n"
	                     "\\\"a, \\\\\\\"b\\\\\\\"\\\", Gr\xc3\xbc\xc3\x9f\x65 \xe2\x86\x92 active\", penwidth=3");
	assert_contains(dot, "tooltip=\"swap:\\nmove group \\\"Exchange\\\" to passive\\n");
	/* the last step of a loop body: the back edge says both */
	assert_contains(dot, "\t\"hop\" -> \"#each1\" [label=\"G \xe2\x86\x92 n\\nnext n\", penwidth=3");
	/* no failover, no rollback point: the legend says only what is drawn */
	assert_contains(dot, "<B>failover</B>");
	assert_lacks(dot, "<B>rollback</B>");
	assert_int_equal(rollbacks_from(dot, NULL), 0);
	free(dot);
	ctx_free(&ctx);
}

static void test_escape(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	struct ast_plan *plan = parse_text(&ctx,
		"plan p \"say \\\"hi\\\" C:\\\\dir\\nnext & more\" {\n"
		"    procedure standalone {\n"
		"        step s \"a \\\"b\\\" \\\\ c\\td\\ne\" { pause \"q\\\"\\\\\\n\" }\n"
		"        checkpoint k { exec \"echo \\\"}\\\"\" }\n"
		"        step t { wait 1s }\n"
		"    }\n"
		"}\n");
	char *dot = dot_of(&ctx, plan, PROC_STANDALONE);
	assert_non_null(dot);
	assert_contains(dot, "graph [label=\"say \\\"hi\\\" C:\\\\dir\\nnext &amp; more\"");
	char *decl = node_decl(dot, "s");
	assert_contains(decl, "label=\"s\\na \\\"b\\\" \\\\ c d\\ne\"");
	/* in an action's summary, a string reads as in the source */
	assert_contains(decl, "pause \\\"q\\\\\\\"\\\\\\\\\\\\n\\\"");
	free(decl);
	decl = node_decl(dot, "k");
	assert_contains(decl, "exec \\\"echo \\\\\\\"}\\\\\\\"\\\"");
	free(decl);
	free(dot);

	/* bytes the lexer would not let through: shown, never written raw */
	/* NOLINTNEXTLINE(misc-misleading-bidirectional): an escaped U+202E, the test's input */
	plan->title = "x\001y\177z\xff\xc3(w\xe2\x80\xae" "v\xc3\xa9";
	dot = dot_of(&ctx, plan, PROC_STANDALONE);
	assert_non_null(dot);
	assert_contains(dot, "graph [label=\"x\\\\x01y\\\\x7fz\\\\xff\\\\xc3(w\\\\u202ev\xc3\xa9\"");
	for (const unsigned char *p = (const unsigned char *)dot; *p; p++)
		assert_true(*p >= 0x20 || *p == '\n' || *p == '\t');
	free(dot);
	ctx_free(&ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical_cluster),
		cmocka_unit_test(test_canonical_standalone),
		cmocka_unit_test(test_no_procedure),
		cmocka_unit_test(test_if_checkpoint),
		cmocka_unit_test(test_foreach),
		cmocka_unit_test(test_failover_labels),
		cmocka_unit_test(test_escape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
