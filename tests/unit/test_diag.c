/* test_diag.c: diagnostics printing (diag_print.c) on hand-built contexts: the exact text
 * form (gutter, carets, tabs, UTF-8, BOM, CRLF, escapes, long lines, colour), dedup and
 * order (diag.c), the JSON fields and the SARIF structure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "ctx.h"
#include "diag.h"
#include "rules.h"

/* ---- helpers ---- */

static unsigned add_src_n(struct hp_ctx *ctx, const char *path, const char *text, size_t len)
{
	char *copy = malloc(len + 1);
	assert_non_null(copy);
	memcpy(copy, text, len);
	copy[len] = '\0';
	return ctx_add_source(ctx, path, copy, len);
}

static unsigned add_src(struct hp_ctx *ctx, const char *path, const char *text)
{
	return add_src_n(ctx, path, text, strlen(text));
}

/* The location of the `nth` (0-based) occurrence of `needle` in source f, `len` bytes long
 * (strlen(needle) when len is 0). */
static loc_t find_nth(struct hp_ctx *ctx, unsigned f, const char *needle, int nth, size_t len)
{
	const char *text = ctx->sources[f].text;
	const char *p = text;
	for (;;) {
		p = strstr(p, needle);
		assert_non_null(p);
		if (nth-- == 0)
			break;
		p++;
	}
	loc_t l = { f, (uint32_t)(p - text), (uint32_t)(p - text + (len ? len : strlen(needle))) };
	return l;
}

static loc_t find(struct hp_ctx *ctx, unsigned f, const char *needle)
{
	return find_nth(ctx, f, needle, 0, 0);
}

enum fmt { TEXT, TEXT_COLOR, JSON, SARIF };

/* diag_finish, then print in `fmt` into a malloc'd string. Not inlined: gcc 12 -O2 then
 * takes the string open_memstream fills for a pointer to the local `buf` (a false
 * -Wdangling-pointer in the callers). */
__attribute__((noinline)) static char *render(struct hp_ctx *ctx, enum fmt fmt)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	assert_non_null(f);
	diag_finish(ctx);
	switch (fmt) {
	case TEXT:
	case TEXT_COLOR:
		diag_print_text(ctx, f, fmt == TEXT_COLOR);
		break;
	case JSON:
		assert_int_equal(diag_print_json(ctx, f), 0);
		break;
	case SARIF:
		assert_int_equal(diag_print_sarif(ctx, f), 0);
		break;
	}
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void expect_text(struct hp_ctx *ctx, const char *expected)
{
	char *got = render(ctx, TEXT);
	if (strcmp(got, expected) != 0)
		fprintf(stderr, "--- expected\n%s--- got\n%s---\n", expected, got);
	assert_string_equal(got, expected);
	free(got);
}

static json_t *parse_json(const char *s)
{
	json_error_t err;
	json_t *j = json_loads(s, 0, &err);
	if (j == NULL)
		fprintf(stderr, "JSON error at line %d: %s\n%s\n", err.line, err.text, s);
	assert_non_null(j);
	return j;
}

/* Thirteen comment lines, then the example of SPEC section 4 on line 14. */
static const char BAD_PLAN[] =
	"# 1\n# 2\n# 3\n# 4\n# 5\n# 6\n# 7\n# 8\n# 9\n# 10\n# 11\n# 12\n"
	"    step dismount_all {\n"
	"        dismount all stores\n"
	"    }\n";

static struct diag *report_hp101(struct hp_ctx *ctx, unsigned f)
{
	struct diag *d = diag_report(ctx, HP101, find(ctx, f, "dismount all stores"),
				     "dismounts stores that may be affected (event ID %d)", 217);
	diag_note(ctx, d, "an affected store must stay mounted so that the forced stop leaves it in soft recovery");
	return d;
}

/* ---- text ---- */

static void test_spec_example(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	unsigned f = add_src(&ctx, "plans/bad.hplan", BAD_PLAN);
	struct diag *d = report_hp101(&ctx, f);
	diag_help(&ctx, d, "dismount only `stores not in affected`");
	expect_text(&ctx,
		    "plans/bad.hplan:14:9: error: dismounts stores that may be affected (event ID 217) [HP101]\n"
		    "   14 |         dismount all stores\n"
		    "      |         ^~~~~~~~~~~~~~~~~~~\n"
		    "   note: an affected store must stay mounted so that the forced stop leaves it in soft recovery\n"
		    "   help: dismount only `stores not in affected`\n");
	assert_int_equal(ctx.diags.errors, 1);
	assert_int_equal(ctx.diags.warnings, 0);
	ctx_free(&ctx);
}

static void test_warning_and_notes(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	unsigned f = add_src(&ctx, "p.hplan", "param x : bool\n");
	struct diag *d = diag_report(&ctx, HP201, find(&ctx, f, "x"), "unused param 'x'");
	diag_note(&ctx, d, "first");
	diag_note(&ctx, d, "second");
	expect_text(&ctx,
		    "p.hplan:1:7: warning: unused param 'x' [HP201]\n"
		    "    1 | param x : bool\n"
		    "      |       ^\n"
		    "   note: first\n"
		    "   note: second\n");
	assert_int_equal(ctx.diags.warnings, 1);
	ctx_free(&ctx);
}

static void test_tabs(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	/* "\tstep\tx": the tab expands to 8 cells, the second one from cell 12 to 16. */
	unsigned f = add_src(&ctx, "t.hplan", "\tstep\tx {\n");
	diag_report(&ctx, HP002, find(&ctx, f, "x"), "one");
	diag_report(&ctx, HP003, find_nth(&ctx, f, "step", 0, 6), "two");
	diag_report(&ctx, HP004, find(&ctx, f, "\tx"), "three");
	expect_text(&ctx,
		    "t.hplan:1:2: error: two [HP003]\n"
		    "    1 |         step    x {\n"
		    "      |         ^~~~~~~~~\n"
		    "t.hplan:1:6: error: three [HP004]\n"
		    "    1 |         step    x {\n"
		    "      |             ^~~~~\n"
		    "t.hplan:1:7: error: one [HP002]\n"
		    "    1 |         step    x {\n"
		    "      |                 ^\n");
	ctx_free(&ctx);
}

static void test_utf8_columns(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	unsigned f = add_src(&ctx, "u.hplan", "stop service \"Größe\" on pässive\n");
	diag_report(&ctx, HP002, find(&ctx, f, "pässive"), "unknown role");
	diag_report(&ctx, HP004, find(&ctx, f, "\"Größe\""), "string");
	expect_text(&ctx,
		    "u.hplan:1:14: error: string [HP004]\n"
		    "    1 | stop service \"Größe\" on pässive\n"
		    "      |              ^~~~~~~\n"
		    "u.hplan:1:25: error: unknown role [HP002]\n"
		    "    1 | stop service \"Größe\" on pässive\n"
		    "      |                         ^~~~~~~\n");
	char *json = render(&ctx, JSON);
	json_t *arr = parse_json(json);
	json_t *o = json_array_get(arr, 1);
	assert_int_equal(json_integer_value(json_object_get(o, "column")), 25);
	assert_int_equal(json_integer_value(json_object_get(o, "end_column")), 32);
	json_decref(arr);
	free(json);
	ctx_free(&ctx);
}

static void test_bom(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	unsigned f = add_src(&ctx, "b.hplan", "\xEF\xBB\xBFplan p {\n}\n");
	diag_report(&ctx, HP006, find_nth(&ctx, f, "p {", 0, 1), "no procedure");
	/* a location inside the BOM itself is shown at the start of the line */
	loc_t bom = { f, 0, 3 };
	diag_report(&ctx, HP001, bom, "at the start");
	expect_text(&ctx,
		    "b.hplan:1:1: error: at the start [HP001]\n"
		    "    1 | plan p {\n"
		    "      | ^\n"
		    "b.hplan:1:6: error: no procedure [HP006]\n"
		    "    1 | plan p {\n"
		    "      |      ^\n");
	ctx_free(&ctx);
}

static void test_crlf(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	unsigned f = add_src(&ctx, "c.hplan", "plan p {\r\n    step x {\r\n    }\r\n}\r\n");
	diag_report(&ctx, HP003, find(&ctx, f, "x"), "dup");
	/* a location that runs over the line ending is cut at the end of the text */
	loc_t l = find_nth(&ctx, f, "{", 1, 3);
	diag_report(&ctx, HP001, l, "brace");
	expect_text(&ctx,
		    "c.hplan:2:10: error: dup [HP003]\n"
		    "    2 |     step x {\n"
		    "      |          ^\n"
		    "c.hplan:2:12: error: brace [HP001]\n"
		    "    2 |     step x {\n"
		    "      |            ^\n");
	ctx_free(&ctx);
}

static void test_multiline_loc(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	const char *text = "procedure standalone {\n    step a {\n        wait 1s\n    }\n}\n";
	unsigned f = add_src(&ctx, "m.hplan", text);
	loc_t l = find(&ctx, f, "step a");
	l.end = (uint32_t)(strstr(text, "    }\n") - text) + 5;
	diag_report(&ctx, HP203, l, "a step that can fail");
	expect_text(&ctx,
		    "m.hplan:2:5: warning: a step that can fail [HP203]\n"
		    "    2 |     step a {\n"
		    "      |     ^~~~~~~~\n");
	char *json = render(&ctx, JSON);
	json_t *arr = parse_json(json);
	json_t *o = json_array_get(arr, 0);
	assert_int_equal(json_integer_value(json_object_get(o, "line")), 2);
	assert_int_equal(json_integer_value(json_object_get(o, "end_line")), 4);
	assert_int_equal(json_integer_value(json_object_get(o, "end_column")), 6);
	json_decref(arr);
	free(json);
	ctx_free(&ctx);
}

static void test_empty_loc_at_eol_and_empty_line(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	const char *text = "plan p {\n\n";
	unsigned f = add_src(&ctx, "e.hplan", text);
	loc_t eol = { f, 8, 8 };         /* just after `{` */
	loc_t empty = { f, 9, 9 };       /* on the empty line 2 */
	diag_report(&ctx, HP001, eol, "expected `}`");
	diag_report(&ctx, HP001, empty, "here");
	expect_text(&ctx,
		    "e.hplan:1:9: error: expected `}` [HP001]\n"
		    "    1 | plan p {\n"
		    "      |         ^\n"
		    "e.hplan:2:1: error: here [HP001]\n"
		    "    2 |\n"
		    "      | ^\n");
	ctx_free(&ctx);
}

static void test_secondary(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	unsigned f = add_src(&ctx, "s.hplan", "move group \"Exchange\" to passive\nx\n");
	struct diag *d = diag_report(&ctx, HP113, find(&ctx, f, "move"), "not a member");
	diag_secondary(d, find(&ctx, f, "passive"));
	diag_secondary(d, find(&ctx, f, "x\n"));    /* another line: not shown */
	expect_text(&ctx,
		    "s.hplan:1:1: error: not a member [HP113]\n"
		    "    1 | move group \"Exchange\" to passive\n"
		    "      | ^~~~                     ~~~~~~~\n");
	ctx_free(&ctx);
}

static void test_dedup_and_order(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	unsigned f = add_src(&ctx, "d.hplan", "aaa bbb\nccc\n");
	unsigned g = add_src(&ctx, "a.hplan", "zzz\n");
	diag_report(&ctx, HP122, find(&ctx, f, "ccc"), "third");
	diag_report(&ctx, HP101, find(&ctx, f, "bbb"), "second, kept");
	diag_report(&ctx, HP002, find(&ctx, g, "zzz"), "other file, after");
	loc_t longer = find(&ctx, f, "bbb");
	longer.end++;
	diag_report(&ctx, HP101, longer, "second, same rule and position: dropped");
	diag_report(&ctx, HP002, find(&ctx, f, "bbb"), "same position, lower rule: first");
	diag_report(&ctx, HP201, find(&ctx, f, "aaa"), "first");
	char *got = render(&ctx, TEXT);
	const char *order[] = { "first [HP201]", "lower rule: first [HP002]", "second, kept [HP101]",
				"third [HP122]", "other file, after [HP002]" };
	const char *p = got;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const char *q = strstr(p, order[i]);
		if (q == NULL)
			fprintf(stderr, "missing or out of order: %s\n%s", order[i], got);
		assert_non_null(q);
		p = q;
	}
	assert_null(strstr(got, "dropped"));
	assert_int_equal(ctx.diags.n, 5);
	assert_int_equal(ctx.diags.errors, 3);
	assert_int_equal(ctx.diags.warnings, 2);
	free(got);
	ctx_free(&ctx);
}

static void test_control_chars_escaped(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	/* ESC, a C1 CSI (U+009B), an RLO bidi override, an invalid byte, a lone CR */
	unsigned f = add_src(&ctx, "\x1b]0;x\a.hplan",
			     "exec \"\x1b[2J\xc2\x9b\xe2\x80\xae\xff\rz\" on n\n");
	loc_t str = find(&ctx, f, "\"");
	str.end = (uint32_t)(strrchr(ctx.sources[f].text, '"') - ctx.sources[f].text) + 1;
	diag_report(&ctx, HP205, str, "exec \x1b[31m\xe2\x80\xaered\n");
	char *got = render(&ctx, TEXT);
	for (const char *p = got; *p != '\0'; p++)
		assert_true(*p == '\n' || ((unsigned char)*p >= 0x20 && *p != 0x7f));
	assert_null(strstr(got, "\xc2\x9b"));
	assert_null(strstr(got, "\xe2\x80\xae")); /* NOLINT(misc-misleading-bidirectional): an escape, test data */
	const char *expected =
		"\\x1b]0;x\\x07.hplan:1:6: warning: exec \\x1b[31m\\u{202e}red\\n [HP205]\n"
		"    1 | exec \"\\x1b[2J\\u{9b}\\u{202e}\\xff\\x0dz\" on n\n"
		"      |      ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n";
	if (strcmp(got, expected) != 0)
		fprintf(stderr, "--- expected\n%s--- got\n%s---\n", expected, got);
	assert_string_equal(got, expected);
	free(got);

	/* Columns under the escapes: the caret for `n` sits under `n`. */
	ctx_free(&ctx);
	ctx_init(&ctx);
	f = add_src(&ctx, "x.hplan", "a\x1b" "b n\n");
	diag_report(&ctx, HP002, find(&ctx, f, "n"), "unknown");
	diag_report(&ctx, HP004, find(&ctx, f, "\x1b"), "esc");
	expect_text(&ctx,
		    "x.hplan:1:2: error: esc [HP004]\n"
		    "    1 | a\\x1bb n\n"
		    "      |  ^~~~\n"
		    "x.hplan:1:5: error: unknown [HP002]\n"
		    "    1 | a\\x1bb n\n"
		    "      |        ^\n");
	ctx_free(&ctx);
}

static void test_gutter_grows(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	size_t n = 12344;
	char *text = malloc(n + 16);
	assert_non_null(text);
	memset(text, '\n', n);
	memcpy(text + n, "step x\n", sizeof("step x\n"));
	unsigned f = add_src(&ctx, "g.hplan", text);
	free(text);
	diag_report(&ctx, HP003, find(&ctx, f, "x"), "dup");
	expect_text(&ctx,
		    "g.hplan:12345:6: error: dup [HP003]\n"
		    " 12345 | step x\n"
		    "       |      ^\n");
	ctx_free(&ctx);
}

static void test_long_line_window(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	char text[1024];
	memset(text, 'a', 600);
	memcpy(text + 300, "XYZ", 3); /* NOLINT(bugprone-not-null-terminated-result): inside the line */
	memcpy(text + 600, "\n", sizeof("\n"));
	unsigned f = add_src(&ctx, "l.hplan", text);
	diag_report(&ctx, HP001, find(&ctx, f, "XYZ"), "long");
	char *got = render(&ctx, TEXT);
	assert_non_null(strstr(got, "l.hplan:1:301: error: long [HP001]\n"));
	char *src = strstr(got, "    1 | ...");
	assert_non_null(src);
	char *eol = strchr(src, '\n');
	assert_non_null(eol);
	assert_true(eol - src < 160);
	assert_memory_equal(eol - 3, "...", 3);
	/* the caret is under X */
	char *x = strstr(src, "XYZ");
	char *caret = strchr(eol + 1, '^');
	assert_non_null(x);
	assert_non_null(caret);
	assert_int_equal(x - src, caret - (eol + 1));
	assert_memory_equal(caret, "^~~\n", 4);
	free(got);
	ctx_free(&ctx);
}

static void test_color(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	unsigned f = add_src(&ctx, "plans/bad.hplan", BAD_PLAN);
	report_hp101(&ctx, f);
	diag_report(&ctx, HP122, find(&ctx, f, "step"), "w");
	char *got = render(&ctx, TEXT_COLOR);
	assert_non_null(strstr(got, "\033[1mplans/bad.hplan:14:9:\033[0m \033[1;31merror\033[0m: dismounts"));
	assert_non_null(strstr(got, "\033[1;35mwarning\033[0m: w [HP122]"));
	assert_non_null(strstr(got, "      |         \033[1;32m^~~~~~~~~~~~~~~~~~~\033[0m\n"));
	free(got);
	got = render(&ctx, TEXT);
	assert_null(strchr(got, '\033'));
	free(got);
	ctx_free(&ctx);
}

/* ---- JSON ---- */

static void test_json(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	unsigned f = add_src(&ctx, "plans/bad.hplan", BAD_PLAN);
	struct diag *d = report_hp101(&ctx, f);
	diag_note(&ctx, d, "second note");
	diag_help(&ctx, d, "the fix");
	diag_report(&ctx, HP201, find(&ctx, f, "dismount_all"), "unused \xff");
	char *s = render(&ctx, JSON);
	json_t *arr = parse_json(s);
	assert_true(json_is_array(arr));
	assert_int_equal(json_array_size(arr), 2);

	json_t *w = json_array_get(arr, 0);
	assert_string_equal(json_string_value(json_object_get(w, "file")), "plans/bad.hplan");
	assert_int_equal(json_integer_value(json_object_get(w, "line")), 13);
	assert_int_equal(json_integer_value(json_object_get(w, "column")), 10);
	assert_int_equal(json_integer_value(json_object_get(w, "end_line")), 13);
	assert_int_equal(json_integer_value(json_object_get(w, "end_column")), 22);
	assert_string_equal(json_string_value(json_object_get(w, "severity")), "warning");
	assert_string_equal(json_string_value(json_object_get(w, "rule")), "HP201");
	assert_string_equal(json_string_value(json_object_get(w, "message")), "unused \xef\xbf\xbd");
	assert_true(json_is_null(json_object_get(w, "note")));
	assert_true(json_is_null(json_object_get(w, "help")));

	json_t *e = json_array_get(arr, 1);
	assert_int_equal(json_integer_value(json_object_get(e, "line")), 14);
	assert_int_equal(json_integer_value(json_object_get(e, "column")), 9);
	assert_int_equal(json_integer_value(json_object_get(e, "end_line")), 14);
	assert_int_equal(json_integer_value(json_object_get(e, "end_column")), 28);
	assert_string_equal(json_string_value(json_object_get(e, "severity")), "error");
	assert_string_equal(json_string_value(json_object_get(e, "rule")), "HP101");
	assert_string_equal(json_string_value(json_object_get(e, "message")),
			    "dismounts stores that may be affected (event ID 217)");
	assert_string_equal(json_string_value(json_object_get(e, "note")),
			    "an affected store must stay mounted so that the forced stop leaves it in soft recovery; second note");
	assert_string_equal(json_string_value(json_object_get(e, "help")), "the fix");
	json_decref(arr);
	free(s);
	ctx_free(&ctx);
}

static void test_json_empty(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	char *s = render(&ctx, JSON);
	json_t *arr = parse_json(s);
	assert_true(json_is_array(arr));
	assert_int_equal(json_array_size(arr), 0);
	json_decref(arr);
	free(s);
	ctx_free(&ctx);
}

/* ---- SARIF ---- */

static json_t *get_path(json_t *j, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *save = NULL, *k = strtok_r(buf, ".", &save); k != NULL; k = strtok_r(NULL, ".", &save)) {
		if (json_is_array(j))
			j = json_array_get(j, strtoul(k, NULL, 10));
		else
			j = json_object_get(j, k);
		if (j == NULL) {
			fprintf(stderr, "no %s (at %s)\n", path, k);
			return NULL;
		}
	}
	return j;
}

static const char *get_str(json_t *j, const char *path)
{
	json_t *v = get_path(j, path);
	assert_non_null(v);
	assert_true(json_is_string(v));
	return json_string_value(v);
}

static json_int_t get_int(json_t *j, const char *path)
{
	json_t *v = get_path(j, path);
	assert_non_null(v);
	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static void test_sarif(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	unsigned f = add_src(&ctx, "./plans/bad.hplan", BAD_PLAN);
	unsigned g = add_src(&ctx, "dir/my plan#1.hplan", "x\n");
	unsigned h = add_src(&ctx, "/abs/p.hplan", "y\n");
	add_src(&ctx, "plans/bad.hplan", BAD_PLAN);    /* same artifact as f */
	struct diag *d = report_hp101(&ctx, f);
	diag_note(&ctx, d, "second");
	diag_secondary(d, find(&ctx, f, "stores\n"));
	diag_report(&ctx, HP201, find(&ctx, g, "x"), "unused");
	diag_report(&ctx, HP205, find(&ctx, h, "y"), "exec");
	char *s = render(&ctx, SARIF);
	json_t *log = parse_json(s);

	assert_string_equal(get_str(log, "$schema"), "https://json.schemastore.org/sarif-2.1.0.json");
	assert_string_equal(get_str(log, "version"), "2.1.0");
	assert_int_equal(json_array_size(get_path(log, "runs")), 1);
	json_t *run = get_path(log, "runs.0");
	assert_string_equal(get_str(run, "tool.driver.name"), "hotplan");
	assert_string_equal(get_str(run, "tool.driver.version"), HOTPLAN_VERSION);
	assert_non_null(get_path(run, "tool.driver.informationUri"));
	assert_string_equal(get_str(run, "columnKind"), "unicodeCodePoints");

	json_t *rules = get_path(run, "tool.driver.rules");
	assert_int_equal(json_array_size(rules), RULE_COUNT);
	for (size_t i = 0; i < RULE_COUNT; i++) {
		json_t *r = json_array_get(rules, i);
		assert_string_equal(get_str(r, "id"), rule_table[i].id);
		const char *name = get_str(r, "name");
		assert_true(name[0] >= 'A' && name[0] <= 'Z');
		assert_null(strpbrk(name, " _-"));
		assert_string_equal(get_str(r, "shortDescription.text"), rule_table[i].summary);
		assert_true(strlen(get_str(r, "fullDescription.text")) > 0);
		assert_true(strlen(get_str(r, "help.text")) > 0);
		assert_string_equal(get_str(r, "defaultConfiguration.level"),
				    rule_table[i].severity == SEV_ERROR ? "error" : "warning");
	}
	assert_string_equal(get_str(json_array_get(rules, HP101), "fullDescription.text"), rule_table[HP101].rationale);
	assert_string_equal(get_str(json_array_get(rules, HP101), "help.text"), rule_table[HP101].fix);

	json_t *arts = get_path(run, "artifacts");
	assert_int_equal(json_array_size(arts), 3);
	assert_string_equal(get_str(arts, "0.location.uri"), "plans/bad.hplan");
	assert_string_equal(get_str(arts, "0.location.uriBaseId"), "%SRCROOT%");
	assert_string_equal(get_str(arts, "1.location.uri"), "dir/my%20plan%231.hplan");
	assert_string_equal(get_str(arts, "2.location.uri"), "file:///abs/p.hplan");
	assert_null(json_object_get(get_path(arts, "2.location"), "uriBaseId"));

	json_t *results = get_path(run, "results");
	assert_int_equal(json_array_size(results), 3);
	json_t *r0 = json_array_get(results, 0);
	assert_string_equal(get_str(r0, "ruleId"), "HP101");
	assert_int_equal(get_int(r0, "ruleIndex"), HP101);
	assert_string_equal(get_str(r0, "level"), "error");
	assert_string_equal(get_str(r0, "message.text"),
			    "dismounts stores that may be affected (event ID 217)\n"
			    "note: an affected store must stay mounted so that the forced stop leaves it in soft recovery\n"
			    "note: second");
	json_t *pl = get_path(r0, "locations.0.physicalLocation");
	assert_string_equal(get_str(pl, "artifactLocation.uri"), "plans/bad.hplan");
	assert_string_equal(get_str(pl, "artifactLocation.uriBaseId"), "%SRCROOT%");
	assert_int_equal(get_int(pl, "artifactLocation.index"), 0);
	assert_int_equal(get_int(pl, "region.startLine"), 14);
	assert_int_equal(get_int(pl, "region.startColumn"), 9);
	assert_int_equal(get_int(pl, "region.endLine"), 14);
	assert_int_equal(get_int(pl, "region.endColumn"), 28);
	assert_int_equal(get_int(r0, "relatedLocations.0.physicalLocation.region.startColumn"), 22);

	json_t *r1 = json_array_get(results, 1);
	assert_string_equal(get_str(r1, "ruleId"), "HP201");
	assert_int_equal(get_int(r1, "ruleIndex"), HP201);
	assert_string_equal(get_str(r1, "level"), "warning");
	assert_string_equal(get_str(r1, "message.text"), "unused");
	assert_int_equal(get_int(r1, "locations.0.physicalLocation.artifactLocation.index"), 1);
	json_t *r2 = json_array_get(results, 2);
	assert_string_equal(get_str(r2, "locations.0.physicalLocation.artifactLocation.uri"), "file:///abs/p.hplan");

	json_decref(log);
	free(s);
	ctx_free(&ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_example),
		cmocka_unit_test(test_warning_and_notes),
		cmocka_unit_test(test_tabs),
		cmocka_unit_test(test_utf8_columns),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_multiline_loc),
		cmocka_unit_test(test_empty_loc_at_eol_and_empty_line),
		cmocka_unit_test(test_secondary),
		cmocka_unit_test(test_dedup_and_order),
		cmocka_unit_test(test_control_chars_escaped),
		cmocka_unit_test(test_gutter_grows),
		cmocka_unit_test(test_long_line_window),
		cmocka_unit_test(test_color),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_empty),
		cmocka_unit_test(test_sarif),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
