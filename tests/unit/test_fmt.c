/* test_fmt.c: the formatter (compiler/fmt.h, docs/fmt.md).
 *
 * Over every .hplan file of the repository that parses (plans, profiles, inventories, the
 * golden diagnostics, the fuzz corpora, the graph inputs): the result is proved by the
 * formatter itself, and checked here again independently: the same AST (every
 * parser-filled field but locations), the same diagnostics from the checker, the same
 * comments in the same order, the layout's invariants, idempotence; whitespace-perturbed
 * copies of each file format to a fixed point too, and changing only spaces and tabs
 * never changes the result. Then exact outputs for messy inputs, and refusals. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "check.h"
#include "ctx.h"
#include "fmt.h"
#include "parse.h"

/* ---- helpers ---- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long n = ftell(f);
	assert_true(n >= 0);
	assert_int_equal(fseek(f, 0, SEEK_SET), 0);
	char *buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	assert_int_equal(fclose(f), 0);
	*len = (size_t)n;
	return buf;
}

/* Parse text alone (no imports) into ctx; returns the file, *errors the HP001 count. */
static struct ast_file *parse_alone(struct hp_ctx *ctx, const char *text, size_t len, unsigned *errors)
{
	char *copy = malloc(len + 1);
	assert_non_null(copy);
	memcpy(copy, text, len);
	copy[len] = '\0';
	uint32_t src = ctx_add_source(ctx, "test.hplan", copy, len);
	struct ast_file *f = arena_alloc(&ctx->arena, sizeof(*f));
	*errors = parse_source(ctx, src, f);
	return f;
}

/* ---- an AST dump without locations ---- */

static void d_str(FILE *m, const char *k, const char *s)
{
	fprintf(m, " %s=%s%s%s", k, s ? "\"" : "", s ? s : "-", s ? "\"" : "");
}

static void d_name(FILE *m, const char *k, struct ast_name n)
{
	d_str(m, k, n.s);
}

static void d_ver(FILE *m, struct ast_version v)
{
	fprintf(m, " v%u", v.n);
	for (int i = 0; i < v.n && i < 4; i++)
		fprintf(m, ".%u", v.c[i]);
}

static void d_lit(FILE *m, const struct ast_literal *l)
{
	for (; l != NULL; l = l->next) {
		fprintf(m, " lit%d", l->kind);
		if (l->kind == LIT_STRING)
			d_str(m, "s", l->str);
		else if (l->kind == LIT_VERSION)
			d_ver(m, l->ver);
		else
			fprintf(m, " %lld", (long long)l->num);
	}
}

static void d_stores(FILE *m, const struct ast_stores *s)
{
	fprintf(m, " stores%d", s->kind);
	d_name(m, "n", s->name);
}

static void d_cond(FILE *m, const struct ast_cond *c)
{
	if (c == NULL) {
		fputs(" nocond", m);
		return;
	}
	fprintf(m, " (cond%d op%d pos%d", c->kind, c->op, c->positive);
	d_name(m, "name", c->name);
	d_name(m, "group", c->group);
	d_name(m, "on", c->on);
	if (c->kind == C_STORES)
		d_stores(m, &c->stores);
	d_str(m, "fact", c->fact);
	d_lit(m, c->lit);
	if (c->lhs)
		d_cond(m, c->lhs);
	if (c->rhs)
		d_cond(m, c->rhs);
	fputc(')', m);
}

static void d_actions(FILE *m, const struct ast_action *a)
{
	for (; a != NULL; a = a->next) {
		fprintf(m, "\n    action%d dur%lld", a->kind, (long long)a->duration);
		d_name(m, "arg", a->arg);
		if (a->kind == A_DISMOUNT || a->kind == A_MOUNT)
			d_stores(m, &a->stores);
		d_name(m, "on", a->on);
		d_name(m, "to", a->to);
		d_str(m, "msg", a->message);
		d_cond(m, a->cond);
	}
}

static void d_stmts(FILE *m, const struct ast_stmt *s, int depth)
{
	for (; s != NULL; s = s->next) {
		fprintf(m, "\n  stmt%d depth%d serial%lld else%d", s->kind, depth, (long long)s->serial, s->has_else);
		d_name(m, "name", s->name);
		d_str(m, "title", s->title);
		d_name(m, "on", s->on);
		d_name(m, "set", s->set);
		if (s->kind == S_IF)
			d_cond(m, s->cond);
		d_actions(m, s->actions);
		d_stmts(m, s->body, depth + 1);
		if (s->has_else) {
			fputs("\n  else", m);
			d_stmts(m, s->else_body, depth + 1);
		}
	}
}

static void d_items(FILE *m, const struct ast_target_item *t)
{
	for (; t != NULL; t = t->next) {
		fprintf(m, "\n  item%d", t->kind);
		d_str(m, "str", t->str);
		d_str(m, "owner", t->owner);
		d_lit(m, t->value);
	}
}

static char *dump(const struct ast_file *f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	assert_non_null(m);
	for (const struct ast_import *i = f->imports; i; i = i->next)
		d_str(m, "\nimport", i->path);
	for (const struct ast_plan *p = f->plans; p; p = p->next) {
		fputs("\nplan", m);
		d_name(m, "name", p->name);
		d_str(m, "title", p->title);
		d_str(m, "kb", p->kb);
		for (const struct ast_param *a = p->params; a; a = a->next) {
			fprintf(m, "\n param type%d", a->type);
			d_name(m, "name", a->name);
			d_lit(m, a->def);
			d_str(m, "doc", a->doc);
		}
		for (int e = 0; e < 2; e++)
			for (const struct ast_require *r = e ? p->ensures : p->requires; r; r = r->next) {
				fprintf(m, "\n %s", e ? "ensure" : "require");
				d_cond(m, r->cond);
				d_str(m, "msg", r->message);
			}
		for (const struct ast_model_item *i = p->model; i; i = i->next) {
			fprintf(m, "\n model%d holds%d", i->kind, i->holds_stores);
			d_name(m, "name", i->name);
			d_name(m, "process", i->process);
			d_name(m, "service", i->service);
			d_name(m, "group", i->group);
		}
		for (const struct ast_hotfix *h = p->hotfixes; h; h = h->next) {
			fputs("\n hotfix", m);
			d_name(m, "name", h->name);
			d_str(m, "package", h->package);
			d_str(m, "args", h->args);
			for (uint32_t k = 0; k < h->nrestarts; k++)
				d_name(m, "restarts", h->restarts[k]);
			for (const struct ast_hfile *x = h->files; x; x = x->next) {
				fprintf(m, "\n  file %d%d%d size%lld", x->has_version, x->has_size, x->has_sha256,
					(long long)x->size);
				d_name(m, "name", x->name);
				d_ver(m, x->version);
				d_str(m, "sha", x->sha256);
			}
		}
		for (const struct ast_procedure *pr = p->procs; pr; pr = pr->next) {
			fprintf(m, "\n procedure%d", pr->kind);
			for (const struct ast_role *r = pr->roles; r; r = r->next) {
				fprintf(m, "\n  role%d", r->kind);
				d_name(m, "name", r->name);
				d_name(m, "group", r->group);
				d_name(m, "except", r->except);
			}
			d_stmts(m, pr->body, 0);
		}
	}
	for (const struct ast_target *t = f->targets; t; t = t->next) {
		fprintf(m, "\ntarget%d", t->kind);
		d_name(m, "name", t->name);
		for (const struct ast_node *n = t->nodes; n; n = n->next) {
			fputs("\n node", m);
			d_name(m, "name", n->name);
			d_str(m, "address", n->address);
			d_items(m, n->items);
		}
		d_items(m, t->items);
	}
	for (const struct ast_profile *p = f->profiles; p; p = p->next) {
		fputs("\nprofile", m);
		d_name(m, "name", p->name);
		for (const struct ast_profile_entry *e = p->entries; e; e = e->next) {
			d_str(m, "\n key", e->key);
			d_str(m, "value", e->value);
		}
	}
	assert_int_equal(fclose(m), 0);
	return buf;
}

/* ---- independent checks of a result ---- */

/* The comments of text, each without trailing white space, joined by '\n'. Strings are
 * skipped (a `#` in a string is no comment). */
static char *comments_of(const char *s, size_t len)
{
	char *buf = NULL;
	size_t blen = 0;
	FILE *m = open_memstream(&buf, &blen);
	assert_non_null(m);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"') {
			for (i++; i < len && s[i] != '"'; i++)
				if (s[i] == '\\')
					i++;
		} else if (s[i] == '#') {
			size_t j = i;
			while (j < len && s[j] != '\n')
				j++;
			size_t e = j;
			while (e > i && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r'))
				e--;
			(void)fwrite(s + i, 1, e - i, m);
			fputc('\n', m);
			i = j;
		}
	}
	assert_int_equal(fclose(m), 0);
	return buf;
}

/* The layout's invariants: LF only, no trailing white space, indentation in spaces by
 * fours, no run of blank lines, none at either end nor after `{` nor before `}`, a final
 * newline. */
static void check_layout(const char *name, const char *o, size_t n)
{
	if (n == 0)
		return;
	if (o[n - 1] != '\n')
		fail_msg("%s: no final newline", name);
	if (o[0] == '\n' || (n >= 2 && o[n - 2] == '\n'))
		fail_msg("%s: blank line at an end", name);
	const char *prev = NULL;
	size_t prevlen = 0;
	unsigned lineno = 0;
	for (const char *l = o; l < o + n;) {
		const char *e = memchr(l, '\n', (size_t)(o + n - l));
		size_t k = (size_t)(e - l);
		lineno++;
		if (memchr(l, '\r', k) != NULL && !memchr(l, '#', k) && !memchr(l, '"', k))
			fail_msg("%s:%u: carriage return", name, lineno);
		if (k > 0 && (l[k - 1] == ' ' || l[k - 1] == '\t'))
			fail_msg("%s:%u: trailing white space", name, lineno);
		size_t ind = 0;
		while (ind < k && l[ind] == ' ')
			ind++;
		if (ind < k && l[ind] == '\t')
			fail_msg("%s:%u: tab in the indentation", name, lineno);
		if (ind % 4 != 0)
			fail_msg("%s:%u: indentation of %zu", name, lineno, ind);
		if (k == 0 && prev != NULL && prevlen == 0)
			fail_msg("%s:%u: two blank lines", name, lineno);
		if (k == 0 && prevlen > 0 && prev[prevlen - 1] == '{')
			fail_msg("%s:%u: blank line after `{`", name, lineno);
		if (k > ind && l[ind] == '}' && prev != NULL && prevlen == 0)
			fail_msg("%s:%u: blank line before `}`", name, lineno);
		prev = l;
		prevlen = k;
		l = e + 1;
	}
}

static char *rules_of(struct hp_ctx *ctx)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	assert_non_null(m);
	diag_finish(ctx);
	for (unsigned i = 0; i < ctx->diags.n; i++)
		fprintf(m, "%d/%d ", ctx->diags.v[i]->rule, ctx->diags.v[i]->severity);
	assert_int_equal(fclose(m), 0);
	return buf;
}

/* Format text; it must parse. Checks everything above; returns the result (malloc'd). */
static char *check_formats(const char *name, const char *text, size_t len, size_t *outlen)
{
	struct hp_ctx c0, c1, c2;
	char *out = NULL, err[256];
	unsigned e0, e1;

	ctx_init(&c0);
	enum fmt_status st = fmt_source(&c0, name, text, len, &out, outlen, err, sizeof(err));
	if (st != FMT_OK)
		fail_msg("%s: fmt_source: %d %s", name, st, st == FMT_BUG ? err : "syntax errors");
	ctx_free(&c0);
	check_layout(name, out, *outlen);

	/* idempotent */
	char *again = NULL;
	size_t alen = 0;
	assert_int_equal(fmt_layout(out, *outlen, &again, &alen), 0);
	if (alen != *outlen || memcmp(again, out, alen) != 0)
		fail_msg("%s: not idempotent:\n---- once\n%s\n---- twice\n%s", name, out, again);
	free(again);

	/* the same tokens (the real scanner) and comments */
	if (!fmt_same_tokens(text, len, out, *outlen, err, sizeof(err)))
		fail_msg("%s: %s", name, err);
	char *ca = comments_of(text, len), *cb = comments_of(out, *outlen);
	if (strcmp(ca, cb) != 0)
		fail_msg("%s: comments differ:\n%s\n----\n%s", name, ca, cb);
	free(ca);
	free(cb);

	/* the same AST, and the checker says the same */
	ctx_init(&c1);
	ctx_init(&c2);
	struct ast_file *f1 = parse_alone(&c1, text, len, &e0);
	struct ast_file *f2 = parse_alone(&c2, out, *outlen, &e1);
	assert_int_equal(e0, 0);
	assert_int_equal(e1, 0);
	char *d1 = dump(f1), *d2 = dump(f2);
	if (strcmp(d1, d2) != 0)
		fail_msg("%s: the AST changed:\n%s\n----\n%s", name, d1, d2);
	check_file(&c1, f1, CHECK_ALL, false);
	check_file(&c2, f2, CHECK_ALL, false);
	char *r1 = rules_of(&c1), *r2 = rules_of(&c2);
	if (strcmp(r1, r2) != 0)
		fail_msg("%s: the diagnostics changed: %s / %s", name, r1, r2);
	free(d1);
	free(d2);
	free(r1);
	free(r2);
	ctx_free(&c1);
	ctx_free(&c2);
	return out;
}

/* ---- every file of the repository ---- */

struct files {
	char **v;
	size_t n, cap;
};

static void add_dir(struct files *F, const char *dir, bool all)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		size_t k = strlen(e->d_name);
		if (e->d_name[0] == '.' || (!all && (k < 6 || strcmp(e->d_name + k - 6, ".hplan") != 0)))
			continue;
		if (F->n == F->cap) {
			F->cap = F->cap ? F->cap * 2 : 64;
			F->v = realloc(F->v, F->cap * sizeof(*F->v));
			assert_non_null(F->v);
		}
		char *p = malloc(strlen(dir) + k + 2);
		assert_non_null(p);
		sprintf(p, "%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
			F->v[F->n++] = p;
		else
			free(p);
	}
	closedir(d);
}

static struct files repo_files(void)
{
	static const struct {
		const char *dir;
		bool all;      /* every file, whatever its name (the fuzz corpora) */
	} dirs[] = {
		{ "plans", false }, { "plans/profiles", false }, { "plans/inventories", false },
		{ "examples", false }, { "tests/diag", false }, { "tests/graph", false },
		{ "tests/fuzz/corpus/frontend", true }, { "tests/fuzz/corpus/inventory", true },
	};
	const char *root = getenv("HOTPLAN_SOURCE_DIR");
	struct files F = { 0 };
	char path[4096];
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root ? root : ".", dirs[i].dir);
		add_dir(&F, path, dirs[i].all);
	}
	return F;
}

static bool parses(const char *text, size_t len)
{
	struct hp_ctx ctx;
	unsigned errors;
	ctx_init(&ctx);
	parse_alone(&ctx, text, len, &errors);
	ctx_free(&ctx);
	return errors == 0;
}

static void test_repo(void **state)
{
	(void)state;
	struct files F = repo_files();
	unsigned formatted = 0, skipped = 0;
	assert_true(F.n > 100);
	for (size_t i = 0; i < F.n; i++) {
		size_t len, outlen;
		char *text = slurp(F.v[i], &len);
		if (!parses(text, len)) {
			skipped++;
		} else {
			free(check_formats(F.v[i], text, len, &outlen));
			formatted++;
		}
		free(text);
		free(F.v[i]);
	}
	free(F.v);
	print_message("formatted %u files, skipped %u with syntax errors\n", formatted, skipped);
	assert_true(formatted > 100);
}

/* The plans hotplan ships are formatted (the CI gate, as a unit test too). */
static void test_repo_plans_formatted(void **state)
{
	(void)state;
	const char *root = getenv("HOTPLAN_SOURCE_DIR");
	struct files F = { 0 };
	char path[4096];
	const char *dirs[] = { "plans", "plans/profiles", "plans/inventories" };
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", root ? root : ".", dirs[i]);
		add_dir(&F, path, false);
	}
	assert_true(F.n >= 8);
	for (size_t i = 0; i < F.n; i++) {
		size_t len, outlen;
		char *text = slurp(F.v[i], &len);
		char *out = check_formats(F.v[i], text, len, &outlen);
		if (outlen != len || memcmp(out, text, len) != 0)
			fail_msg("%s is not formatted: run hotplan fmt -w %s", F.v[i], F.v[i]);
		free(out);
		free(text);
		free(F.v[i]);
	}
	free(F.v);
}

/* ---- perturbed copies ---- */

static uint32_t next_rand(uint32_t *x)   /* xorshift32: the same copies on every run */
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* A copy of text with the white space between tokens replaced at random. horizontal:
 * spaces and tabs only (line breaks kept as they are); else line breaks, CRLF, blank
 * runs and comments come and go too. */
static char *perturb(const char *s, size_t len, unsigned seed, bool horizontal, size_t *outlen)
{
	static const char *const hs[] = { " ", "\t", "  ", " \t ", "   " };
	static const char *const vs[] = { " ", "\n", "\r\n", "\n\n\n", "\t\n  ", "  \r\n\r\n\t" };
	char *buf = NULL;
	size_t blen = 0;
	FILE *m = open_memstream(&buf, &blen);
	size_t i = 0;
	bool after_comment = false;
	uint32_t rnd = seed * 2654435761u + 1;
	assert_non_null(m);
	if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < len) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
			size_t j = i;
			unsigned nls = 0;
			while (j < len && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r' || s[j] == '\n'))
				nls += s[j++] == '\n';
			if (horizontal) {
				for (unsigned k = 0; k < nls; k++)
					fputc('\n', m);
				if (nls == 0 || j < len)
					fputs(hs[next_rand(&rnd) % 5], m);
			} else {
				const char *w = vs[next_rand(&rnd) % 6];
				if (after_comment && strchr(w, '\n') == NULL)
					w = "\n";
				fputs(w, m);
				if (next_rand(&rnd) % 40 == 0)
					fprintf(m, "# perturbed %u\n", (unsigned)i);
			}
			after_comment = false;
			i = j;
			continue;
		}
		size_t j = i + 1;
		if (s[i] == '#') {
			while (j < len && s[j] != '\n')
				j++;
			after_comment = true;
		} else if (s[i] == '"') {
			while (j < len && s[j] != '"')
				j += s[j] == '\\' ? 2 : 1;
			j++;
		} else {
			while (j < len && strchr(" \t\r\n#\"", s[j]) == NULL)
				j++;
		}
		(void)fwrite(s + i, 1, j - i, m);
		i = j;
	}
	assert_int_equal(fclose(m), 0);
	*outlen = blen;
	return buf;
}

static void test_perturbed(void **state)
{
	(void)state;
	struct files F = repo_files();
	for (size_t i = 0; i < F.n; i++) {
		size_t len, olen, plen, qlen;
		char *text = slurp(F.v[i], &len);
		if (parses(text, len)) {
			char *out = check_formats(F.v[i], text, len, &olen);
			/* spaces and tabs alone never change the result */
			char *p = perturb(text, len, (unsigned)i, true, &plen);
			char *q = check_formats(F.v[i], p, plen, &qlen);
			if (qlen != olen || memcmp(q, out, olen) != 0)
				fail_msg("%s: spaces changed the result:\n%s\n----\n%s", F.v[i], out, q);
			free(p);
			free(q);
			/* any white space: still formats, to a fixed point, keeping every comment */
			for (unsigned k = 0; k < 3; k++) {
				p = perturb(text, len, (unsigned)(i * 7 + k), false, &plen);
				free(check_formats(F.v[i], p, plen, &qlen));
				free(p);
			}
			free(out);
		}
		free(text);
		free(F.v[i]);
	}
	free(F.v);
}

/* ---- exact results ---- */

static void expect_fmt(const char *in, const char *want)
{
	size_t outlen;
	char *out = check_formats("case.hplan", in, strlen(in), &outlen);
	if (strcmp(out, want) != 0)
		fail_msg("fmt of:\n%s\n---- gave:\n%s---- wanted:\n%s", in, out, want);
	free(out);
}

static void test_messy(void **state)
{
	(void)state;
	/* tabs, odd spacing, CRLF, a BOM, blank-line runs, several items on one line */
	expect_fmt("\xEF\xBB\xBF\r\n\r\n# head\r\n\r\n\r\n\tplan  p\t\"T\"{param   a:bool=true   \"doc\"\r\n"
		   "param b :stores\r\n\r\n\r\n\r\n   require count( b )>0 else\"x\"   \r\n"
		   "model{service \"S\" process \"p\" holds stores resource \"R\" service \"S\" group \"G\" group \"H\"}"
		   "}\r\n\r\n\r\n",
		   "# head\n"
		   "\n"
		   "plan p \"T\" {\n"
		   "    param a : bool = true \"doc\"\n"
		   "    param b : stores\n"
		   "\n"
		   "    require count(b) > 0 else \"x\"\n"
		   "    model {\n"
		   "        service \"S\" process \"p\" holds stores\n"
		   "        resource \"R\" service \"S\" group \"G\"\n"
		   "        group \"H\"\n"
		   "    }\n"
		   "}\n");
	/* nested if / for each / else, empty blocks, comments at every depth */
	expect_fmt("plan p {\n"
		   "param f : bool\n"
		   "procedure cluster {\n"
		   "roles { a = owner of group \"G\" every = all nodes except a }\n"
		   "\n\n"
		   "if f and not (a member or fact os.name in [\"x\",\"y\"]) {   # the condition\n"
		   "\n"
		   "   # first\n"
		   "for each n in every serial 2 { step s \"t\" on n { stop service \"S\" start service \"S\"\n"
		   "restart node } }\n"
		   "\n"
		   "}\n"
		   "else\n"
		   "{ checkpoint c {} # empty\n"
		   "# last of else\n"
		   "\n"
		   "}\n"
		   "}\n"
		   "}\n",
		   "plan p {\n"
		   "    param f : bool\n"
		   "    procedure cluster {\n"
		   "        roles {\n"
		   "            a     = owner of group \"G\"\n"
		   "            every = all nodes except a\n"
		   "        }\n"
		   "\n"
		   "        if f and not (a member or fact os.name in [\"x\", \"y\"]) {  # the condition\n"
		   "            # first\n"
		   "            for each n in every serial 2 {\n"
		   "                step s \"t\" on n {\n"
		   "                    stop service \"S\"\n"
		   "                    start service \"S\"\n"
		   "                    restart node\n"
		   "                }\n"
		   "            }\n"
		   "        } else {\n"
		   "            checkpoint c {}  # empty\n"
		   "            # last of else\n"
		   "        }\n"
		   "    }\n"
		   "}\n");
	/* keywords that are not items there: fact paths, `disable restart`, `hotfix H
	 * installed`; a continuation line; end-of-line comments of consecutive lines aligned */
	expect_fmt("plan p {\n"
		   "  require fact a.step.restart == 1   # one\n"
		   "  require hotfix h installed   # two, aligned with one\n"
		   "  require fact model >= 1.2.3\n"
		   "        else \"continued\"\n"
		   "  hotfix h { file \"f\" version 1.2.3 size 2 sha256 \"ab\" package \"p\" args \"a\" restarts \"S\" , \"T\" }\n"
		   "  procedure standalone { step s { disable restart of resource \"R\" enable restart of resource \"R\"\n"
		   "  verify fact stop.start == 1 wait 5m wait until service \"S\" running timeout 2h exec \"x\" timeout 1m pause \"p\""
		   " move group \"G\" to r kill process \"k\" dismount store \"x\" mount stores not in a install hotfix h } }\n"
		   "}\n",
		   "plan p {\n"
		   "    require fact a.step.restart == 1  # one\n"
		   "    require hotfix h installed        # two, aligned with one\n"
		   "    require fact model >= 1.2.3\n"
		   "        else \"continued\"\n"
		   "    hotfix h {\n"
		   "        file \"f\" version 1.2.3 size 2 sha256 \"ab\"\n"
		   "        package \"p\"\n"
		   "        args \"a\"\n"
		   "        restarts \"S\", \"T\"\n"
		   "    }\n"
		   "    procedure standalone {\n"
		   "        step s {\n"
		   "            disable restart of resource \"R\"\n"
		   "            enable restart of resource \"R\"\n"
		   "            verify fact stop.start == 1\n"
		   "            wait 5m\n"
		   "            wait until service \"S\" running timeout 2h\n"
		   "            exec \"x\" timeout 1m\n"
		   "            pause \"p\"\n"
		   "            move group \"G\" to r\n"
		   "            kill process \"k\"\n"
		   "            dismount store \"x\"\n"
		   "            mount stores not in a\n"
		   "            install hotfix h\n"
		   "        }\n"
		   "    }\n"
		   "}\n");
	/* targets, node blocks, profiles (keys aligned at their `=`), imports */
	expect_fmt("import \"x.hplan\" target t cluster { profile \"sim\" node \"a\" address \"local:\" { profile \"p\" fact x.node = 1 }\n"
		   "node \"b\" fact os.name=\"n\" store \"s\" group \"G\" owner \"a\" set p = 2 }\n"
		   "profile \"q\" { shell \"sh\" timeout \"1m\" stop service = \"a\" probe service running = \"b\"\n"
		   "\n"
		   "  disable restart of resource=\"c\"   # a long key\n"
		   "  exec \"d\" }\n",
		   "import \"x.hplan\"\n"
		   "target t cluster {\n"
		   "    profile \"sim\"\n"
		   "    node \"a\" address \"local:\" {\n"
		   "        profile \"p\"\n"
		   "        fact x.node = 1\n"
		   "    }\n"
		   "    node \"b\"\n"
		   "    fact os.name = \"n\"\n"
		   "    store \"s\"\n"
		   "    group \"G\" owner \"a\"\n"
		   "    set p = 2\n"
		   "}\n"
		   "profile \"q\" {\n"
		   "    shell \"sh\"\n"
		   "    timeout \"1m\"\n"
		   "    stop service                = \"a\"\n"
		   "    probe service running       = \"b\"\n"
		   "\n"
		   "    disable restart of resource = \"c\"  # a long key\n"
		   "    exec \"d\"\n"
		   "}\n");
	/* strings and comments are kept byte for byte (escapes, tabs, `#` in a string, UTF-8) */
	expect_fmt("plan p{title \"a\\\"b\\\\c\\n\\t\td # not a comment\"   #\tcomment\t\xc3\xa9 \"x\"   \n"
		   "kb \"\xe2\x9c\x93\"}",
		   "plan p {\n"
		   "    title \"a\\\"b\\\\c\\n\\t\td # not a comment\"  #\tcomment\t\xc3\xa9 \"x\"\n"
		   "    kb \"\xe2\x9c\x93\"\n"
		   "}\n");
	/* a comment between `}` and `else` keeps them apart; a comment before `{` too */
	expect_fmt("plan p { procedure standalone { if x { step a {} }\n# otherwise\nelse { step b # b\n{} } } }\n",
		   "plan p {\n"
		   "    procedure standalone {\n"
		   "        if x {\n"
		   "            step a {}\n"
		   "        }\n"
		   "        # otherwise\n"
		   "        else {\n"
		   "            step b  # b\n"
		   "                {}\n"
		   "        }\n"
		   "    }\n"
		   "}\n");
	/* only comments; nothing at all */
	expect_fmt("\n\n   # one   \n\n\n\t# two\r\n\n", "# one\n\n# two\n");
	expect_fmt("", "");
	expect_fmt("\r\n \t\n", "");
}

static void test_syntax_errors(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"plan p { step }\n",
		"plan p { title \"unterminated }\n",
		"plan p { param x : bool = 15ms }\n",
		"plan p {\n",
		"plan p { } }\n",
		"plan p { kb \"x\" \x01 }\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct hp_ctx ctx;
		char *out = (char *)"unchanged", err[128];
		size_t outlen = 7;
		ctx_init(&ctx);
		assert_int_equal(fmt_source(&ctx, "bad.hplan", bad[i], strlen(bad[i]), &out, &outlen, err, sizeof(err)),
				 FMT_SYNTAX);
		assert_null(out);
		assert_int_equal(outlen, 0);
		assert_true(ctx.diags.n > 0);
		assert_int_equal(ctx.diags.v[0]->rule, HP001);
		ctx_free(&ctx);
	}
}

/* An import is not loaded: a file is formatted on its own, whatever it imports. */
static void test_imports_not_loaded(void **state)
{
	(void)state;
	expect_fmt("import \"does/not/exist.hplan\"\n", "import \"does/not/exist.hplan\"\n");
}

/* The proof catches a changed token, a lost or changed comment. */
static void test_same_tokens(void **state)
{
	(void)state;
	char err[128];
	const char *a = "plan p { title \"x\" } # c\n";
	const char *same = "plan p {\ntitle \"x\"}# c";
	assert_true(fmt_same_tokens(a, strlen(a), same, strlen(same), err, sizeof(err)));
	const char *b[] = {
		"plan p { title \"y\" } # c\n", "plan q { title \"x\" } # c\n", "plan p { title \"x\" }\n",
		"plan p { title \"x\" } # d\n", "plan p { title \"x\" } } # c\n", "plan p { title \"x\" } # c\n# e\n",
	};
	for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		if (fmt_same_tokens(a, strlen(a), b[i], strlen(b[i]), err, sizeof(err)))
			fail_msg("not caught: %s", b[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messy),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_imports_not_loaded),
		cmocka_unit_test(test_same_tokens),
		cmocka_unit_test(test_repo),
		cmocka_unit_test(test_repo_plans_formatted),
		cmocka_unit_test(test_perturbed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
