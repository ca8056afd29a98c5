/* test_parse.c: the front end (parse.h, grammar/lexer.l, grammar/parser.y): the canonical
 * plan's AST and locations, every lexical error, CRLF and BOM input, fact paths, targets,
 * precedence, error recovery and its caps, nesting, empty files, reading and imports. */
#define _GNU_SOURCE /* nftw */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctx.h"
#include "keywords.h"
#include "parse.h"
#include "scan.h"

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

static const char *canonical_path(void)
{
	static char path[4096];
	const char *dir = getenv("HOTPLAN_SOURCE_DIR");
	snprintf(path, sizeof(path), "%s/plans/ese-hotfix.hplan", dir ? dir : ".");
	return path;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

static struct ast_file *parse_str(struct hp_ctx *ctx, const char *text)
{
	struct ast_file *f = parse_buffer(ctx, "test.hplan", text, strlen(text));
	assert_non_null(f);
	return f;
}

/* Parse text that must have no diagnostics; returns its first plan (or NULL). */
static struct ast_plan *parse_ok(struct hp_ctx *ctx, const char *text)
{
	struct ast_file *f = parse_str(ctx, text);
	if (ctx->diags.n != 0)
		fail_msg("unexpected diagnostic: %s", ctx->diags.v[0]->message);
	return f->plans;
}

static struct src_pos pos_of(struct hp_ctx *ctx, loc_t l)
{
	return source_pos(ctx_source(ctx, l.file), l.start);
}

static struct src_pos end_of(struct hp_ctx *ctx, loc_t l)
{
	return source_pos(ctx_source(ctx, l.file), l.end);
}

/* Line and column of the first occurrence of needle in text, counted by hand. */
static struct src_pos find_pos(const char *text, const char *needle)
{
	const char *at = strstr(text, needle);
	struct src_pos p = { 1, 1 };
	if (at == NULL)
		fail_msg("'%s' not in text", needle);
	for (const char *c = text; c < at; c++) {
		if (*c == '\n') {
			p.line++;
			p.col = 1;
		} else if (((unsigned char)*c & 0xC0) != 0x80) {
			p.col++;
		}
	}
	return p;
}

/* The diagnostics, sorted, must be exactly n HP001 errors at these line:col pairs, their
 * messages containing the given substrings. */
struct want {
	unsigned line, col;
	const char *msg;
};

static void expect_errors(const char *text, size_t len, const struct want *w, unsigned n)
{
	struct hp_ctx ctx;
	ctx_init(&ctx);
	parse_buffer(&ctx, "err.hplan", text, len);
	diag_finish(&ctx);
	for (unsigned i = 0; i < ctx.diags.n && i < n; i++) {
		struct diag *d = ctx.diags.v[i];
		struct src_pos p = pos_of(&ctx, d->loc);
		if (d->rule != HP001 || p.line != w[i].line || p.col != w[i].col ||
		    strstr(d->message, w[i].msg) == NULL)
			fail_msg("diagnostic %u: %u:%u %s; want %u:%u ...%s...", i, p.line, p.col,
				 d->message, w[i].line, w[i].col, w[i].msg);
	}
	if (ctx.diags.n != n) {
		for (unsigned i = 0; i < ctx.diags.n; i++) {
			struct src_pos p = pos_of(&ctx, ctx.diags.v[i]->loc);
			print_message("  %u:%u %s\n", p.line, p.col, ctx.diags.v[i]->message);
		}
		fail_msg("%u diagnostics, want %u", ctx.diags.n, n);
	}
	ctx_free(&ctx);
}

#define EXPECT(text, ...)                                                                 \
	do {                                                                              \
		static const struct want w_[] = { __VA_ARGS__ };                          \
		expect_errors(text, sizeof(text) - 1, w_, sizeof(w_) / sizeof(w_[0]));    \
	} while (0)

static unsigned count_stmts(const struct ast_stmt *s)
{
	unsigned n = 0;
	for (; s != NULL; s = s->next)
		n++;
	return n;
}

static unsigned count_actions(const struct ast_action *a)
{
	unsigned n = 0;
	for (; a != NULL; a = a->next)
		n++;
	return n;
}

static const struct ast_stmt *find_stmt(const struct ast_stmt *s, const char *name)
{
	for (; s != NULL; s = s->next) {
		if (s->name.s != NULL && strcmp(s->name.s, name) == 0)
			return s;
		const struct ast_stmt *r = find_stmt(s->body, name);
		if (r == NULL)
			r = find_stmt(s->else_body, name);
		if (r != NULL)
			return r;
	}
	return NULL;
}

/* ---- the canonical plan ---- */

static void test_canonical(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	const char *why = NULL;
	size_t len;
	ctx_init(&ctx);
	char *text = slurp(canonical_path(), &len);

	struct ast_file *f = parse_file(&ctx, canonical_path(), &why);
	if (f == NULL)
		fail_msg("%s", why);
	assert_int_equal(ctx.diags.n, 0);
	assert_null(f->imports);
	assert_null(f->targets);
	struct ast_plan *p = f->plans;
	assert_non_null(p);
	assert_null(p->next);
	assert_string_equal(p->name.s, "ese_hotfix");
	assert_non_null(p->title);
	/* the text the scanner borrowed is back */
	assert_int_equal(ctx_source(&ctx, f->source)->len, len);
	assert_memory_equal(ctx_source(&ctx, f->source)->text, text, len);

	/* params */
	struct ast_param *a = p->params;
	assert_non_null(a);
	assert_string_equal(a->name.s, "affected");
	assert_int_equal(a->type, TY_STORES);
	assert_null(a->def);
	assert_string_equal(a->doc, "the stores named in event ID 217");
	struct ast_param *fb = a->next;
	assert_non_null(fb);
	assert_null(fb->next);
	assert_string_equal(fb->name.s, "failback");
	assert_int_equal(fb->type, TY_BOOL);
	assert_non_null(fb->def);
	assert_int_equal(fb->def->kind, LIT_BOOL);
	assert_int_equal(fb->def->num, 0);
	struct src_pos tp = pos_of(&ctx, fb->type_loc), want = find_pos(text, "bool = false");
	assert_int_equal(tp.line, want.line);
	assert_int_equal(tp.col, want.col);

	/* requires */
	struct ast_require *r = p->requires;
	assert_non_null(r);
	assert_int_equal(r->cond->kind, C_FACT_CMP);
	assert_string_equal(r->cond->fact, "exchange.version");
	assert_int_equal(r->cond->op, CMP_GE);
	assert_int_equal(r->cond->lit->kind, LIT_VERSION);
	assert_int_equal(r->cond->lit->ver.n, 4);
	assert_int_equal(r->cond->lit->ver.c[2], 7226);
	assert_string_equal(r->message, "Exchange Server 2003 SP1 is required");
	r = r->next;
	assert_non_null(r);
	assert_null(r->next);
	assert_int_equal(r->cond->kind, C_COUNT);
	assert_string_equal(r->cond->name.s, "affected");
	assert_int_equal(r->cond->op, CMP_GT);
	assert_int_equal(r->cond->lit->kind, LIT_INT);
	assert_int_equal(r->cond->lit->num, 0);
	assert_null(p->ensures);

	/* model */
	struct ast_model_item *m = p->model;
	assert_int_equal(m->kind, M_SERVICE);
	assert_string_equal(m->name.s, "MSExchangeIS");
	assert_string_equal(m->process.s, "store.exe");
	assert_true(m->holds_stores);
	m = m->next;
	assert_int_equal(m->kind, M_CLUSTER_SERVICE);
	assert_string_equal(m->name.s, "ClusSvc");
	m = m->next;
	assert_int_equal(m->kind, M_RESOURCE);
	assert_string_equal(m->name.s, "Exchange Information Store Instance");
	assert_string_equal(m->service.s, "MSExchangeIS");
	assert_string_equal(m->group.s, "Exchange");
	m = m->next;
	assert_int_equal(m->kind, M_GROUP);
	assert_string_equal(m->name.s, "Cluster Group");
	m = m->next;
	assert_int_equal(m->kind, M_RECOVER);
	assert_string_equal(m->name.s, "affected");
	assert_null(m->next);

	/* hotfix */
	struct ast_hotfix *h = p->hotfixes;
	assert_non_null(h);
	assert_null(h->next);
	assert_string_equal(h->name.s, "ese");
	assert_non_null(h->files);
	assert_string_equal(h->files->name.s, "Ese.dll");
	assert_true(h->files->has_version);
	assert_int_equal(h->files->version.n, 4);
	assert_int_equal(h->files->version.c[0], 6);
	assert_int_equal(h->files->version.c[1], 5);
	assert_int_equal(h->files->version.c[2], 7232);
	assert_int_equal(h->files->version.c[3], 54);
	assert_true(h->files->has_size);
	assert_int_equal(h->files->size, 2115072);
	assert_false(h->files->has_sha256);
	assert_string_equal(h->package, "hotfix/ese-6.5.7232.54.exe");
	assert_null(h->args);
	assert_int_equal(h->nrestarts, 1);
	assert_string_equal(h->restarts[0].s, "MSExchangeIS");
	/* a name's location includes its quotes */
	want = find_pos(text, "\"MSExchangeIS\"\n    }");
	tp = pos_of(&ctx, h->restarts[0].loc);
	assert_int_equal(tp.line, want.line);
	assert_int_equal(tp.col, want.col);
	assert_int_equal(h->restarts[0].loc.end - h->restarts[0].loc.start, strlen("\"MSExchangeIS\""));

	/* procedures */
	struct ast_procedure *sa = p->procs, *cl = sa->next;
	assert_int_equal(sa->kind, PROC_STANDALONE);
	assert_non_null(cl);
	assert_int_equal(cl->kind, PROC_CLUSTER);
	assert_null(cl->next);
	assert_null(sa->roles);
	assert_int_equal(count_stmts(sa->body), 8);
	assert_int_equal(count_stmts(cl->body), 18);
	want = find_pos(text, "procedure standalone");
	tp = pos_of(&ctx, sa->loc);
	assert_int_equal(tp.line, want.line);
	assert_int_equal(tp.col, want.col);
	assert_int_equal(sa->head.end - sa->head.start, strlen("procedure standalone"));

	const struct ast_stmt *s = sa->body;
	assert_int_equal(s->kind, S_STEP);
	assert_string_equal(s->name.s, "dismount_others");
	assert_int_equal(s->actions->kind, A_DISMOUNT);
	assert_int_equal(s->actions->stores.kind, ST_NOT_IN);
	assert_string_equal(s->actions->stores.name.s, "affected");
	assert_int_equal(s->next->kind, S_CHECKPOINT);
	assert_string_equal(s->next->name.s, "others_dismounted");
	assert_null(s->next->title);

	/* step apply: location of the statement, its head and its action */
	s = find_stmt(sa->body, "apply");
	assert_non_null(s);
	assert_string_equal(s->title, "Apply the hotfix");
	assert_null(s->on.s);
	want = find_pos(text, "step apply");
	tp = pos_of(&ctx, s->loc);
	assert_int_equal(tp.line, want.line);
	assert_int_equal(tp.col, want.col);
	assert_int_equal(s->head.start, s->loc.start);
	assert_int_equal(s->head.end - s->head.start, strlen("step apply"));
	struct src_pos e = end_of(&ctx, s->loc);
	assert_int_equal(e.line, want.line + 2); /* the closing brace, two lines down */
	assert_int_equal(ctx_source(&ctx, f->source)->text[s->loc.end - 1], '}');
	assert_int_equal(count_actions(s->actions), 1);
	assert_int_equal(s->actions->kind, A_INSTALL);
	assert_string_equal(s->actions->arg.s, "ese");
	want = find_pos(text, "install hotfix ese");
	tp = pos_of(&ctx, s->actions->loc);
	assert_int_equal(tp.line, want.line);
	assert_int_equal(tp.col, want.col);
	assert_int_equal(s->actions->loc.end - s->actions->loc.start, strlen("install hotfix ese"));

	s = find_stmt(sa->body, "started");
	const struct ast_action *act = s->actions;
	assert_int_equal(act->kind, A_WAIT_UNTIL);
	assert_int_equal(act->duration, 15 * 60);
	assert_int_equal(act->cond->kind, C_SERVICE);
	assert_true(act->cond->positive);
	assert_string_equal(act->cond->name.s, "MSExchangeIS");
	assert_int_equal(act->loc.end - act->loc.start,
			 strlen("wait until service \"MSExchangeIS\" running timeout 15m"));
	act = act->next;
	assert_int_equal(act->kind, A_VERIFY);
	assert_null(act->message);
	assert_int_equal(act->cond->kind, C_FILE_VERSION);
	assert_int_equal(act->cond->op, CMP_EQ);
	assert_int_equal(act->cond->lit->kind, LIT_VERSION);
	assert_int_equal(act->cond->lit->ver.c[3], 54);
	s = find_stmt(sa->body, "recovered");
	assert_int_equal(s->actions->duration, 2 * 3600);
	assert_int_equal(s->actions->cond->kind, C_STORES);
	assert_true(s->actions->cond->positive);
	assert_int_equal(s->actions->cond->stores.kind, ST_IN);

	/* cluster: roles, `on`, `if failback` */
	struct ast_role *ro = cl->roles;
	assert_non_null(ro);
	assert_string_equal(ro->name.s, "active");
	assert_int_equal(ro->kind, R_OWNER_OF);
	assert_string_equal(ro->group.s, "Exchange");
	ro = ro->next;
	assert_non_null(ro);
	assert_string_equal(ro->name.s, "passive");
	assert_int_equal(ro->kind, R_ANY_EXCEPT);
	assert_string_equal(ro->except.s, "active");
	assert_null(ro->next);
	s = find_stmt(cl->body, "passive_stop");
	assert_string_equal(s->on.s, "passive");
	s = find_stmt(cl->body, "passive_stopped");
	assert_int_equal(s->kind, S_CHECKPOINT);
	assert_int_equal(s->actions->kind, A_START_SERVICE);
	assert_string_equal(s->actions->on.s, "passive");
	s = find_stmt(cl->body, "passive_restart");
	assert_int_equal(s->actions->kind, A_RESTART_NODE);
	assert_int_equal(s->actions->next->kind, A_WAIT_UNTIL);
	assert_int_equal(s->actions->next->cond->kind, C_MEMBER);
	assert_int_equal(s->actions->next->duration, 30 * 60);
	s = find_stmt(cl->body, "passive_ready");
	assert_int_equal(s->actions->cond->kind, C_OWNS_NO_GROUPS);
	s = find_stmt(cl->body, "no_restart");
	assert_int_equal(s->actions->kind, A_DISABLE_RESTART);
	assert_string_equal(s->actions->arg.s, "Exchange Information Store Instance");
	s = find_stmt(cl->body, "failover");
	assert_int_equal(s->actions->kind, A_MOVE_GROUP);
	assert_string_equal(s->actions->arg.s, "Exchange");
	assert_string_equal(s->actions->to.s, "passive");

	const struct ast_stmt *iff = NULL;
	for (s = cl->body; s != NULL; s = s->next)
		if (s->kind == S_IF)
			iff = s;
	assert_non_null(iff);
	assert_int_equal(iff->cond->kind, C_PARAM);
	assert_string_equal(iff->cond->name.s, "failback");
	assert_false(iff->has_else);
	assert_null(iff->else_body);
	assert_int_equal(count_stmts(iff->body), 1);
	assert_string_equal(iff->body->name.s, "failback");
	assert_int_equal(count_actions(iff->body->actions), 2);
	want = find_pos(text, "if failback");
	tp = pos_of(&ctx, iff->loc);
	assert_int_equal(tp.line, want.line);
	assert_int_equal(tp.col, want.col);
	tp = pos_of(&ctx, iff->cond->loc);
	assert_int_equal(tp.col, want.col + 3);

	free(text);
	ctx_free(&ctx);
}

/* ---- CRLF and BOM ---- */

struct locs {
	struct src_pos v[4096];
	unsigned n;
};

static void add_loc(struct hp_ctx *ctx, struct locs *L, loc_t l)
{
	assert_true(L->n + 2 <= 4096);
	L->v[L->n++] = pos_of(ctx, l);
	L->v[L->n++] = end_of(ctx, l);
}

static void cond_locs(struct hp_ctx *ctx, struct locs *L, const struct ast_cond *c)
{
	if (c == NULL)
		return;
	add_loc(ctx, L, c->loc);
	add_loc(ctx, L, c->name.loc);
	cond_locs(ctx, L, c->lhs);
	cond_locs(ctx, L, c->rhs);
}

static void stmt_locs(struct hp_ctx *ctx, struct locs *L, const struct ast_stmt *s)
{
	for (; s != NULL; s = s->next) {
		add_loc(ctx, L, s->loc);
		add_loc(ctx, L, s->head);
		add_loc(ctx, L, s->name.loc);
		for (const struct ast_action *a = s->actions; a != NULL; a = a->next) {
			add_loc(ctx, L, a->loc);
			add_loc(ctx, L, a->arg.loc);
			cond_locs(ctx, L, a->cond);
		}
		cond_locs(ctx, L, s->cond);
		stmt_locs(ctx, L, s->body);
		stmt_locs(ctx, L, s->else_body);
	}
}

static void plan_locs(struct hp_ctx *ctx, struct locs *L, const struct ast_plan *p)
{
	add_loc(ctx, L, p->loc);
	for (const struct ast_param *a = p->params; a != NULL; a = a->next)
		add_loc(ctx, L, a->loc);
	for (const struct ast_require *r = p->requires; r != NULL; r = r->next) {
		add_loc(ctx, L, r->loc);
		cond_locs(ctx, L, r->cond);
	}
	for (const struct ast_model_item *m = p->model; m != NULL; m = m->next)
		add_loc(ctx, L, m->loc);
	for (const struct ast_hotfix *h = p->hotfixes; h != NULL; h = h->next)
		add_loc(ctx, L, h->loc);
	for (const struct ast_procedure *pr = p->procs; pr != NULL; pr = pr->next) {
		add_loc(ctx, L, pr->loc);
		for (const struct ast_role *r = pr->roles; r != NULL; r = r->next)
			add_loc(ctx, L, r->loc);
		stmt_locs(ctx, L, pr->body);
	}
}

static void test_crlf_bom(void **state)
{
	(void)state;
	size_t len;
	char *lf = slurp(canonical_path(), &len);
	char *crlf = malloc(2 * len + 4), *o = crlf;
	assert_non_null(crlf);
	o = stpcpy(o, "\xEF\xBB\xBF");
	for (size_t i = 0; i < len; i++) {
		if (lf[i] == '\n')
			*o++ = '\r';
		*o++ = lf[i];
	}
	*o = '\0';

	struct hp_ctx a, b;
	struct locs *la = calloc(1, sizeof(*la)), *lb = calloc(1, sizeof(*lb));
	assert_non_null(la);
	assert_non_null(lb);
	ctx_init(&a);
	ctx_init(&b);
	struct ast_plan *pa = parse_ok(&a, lf);
	struct ast_plan *pb = parse_ok(&b, crlf);
	assert_non_null(pa);
	assert_non_null(pb);
	plan_locs(&a, la, pa);
	plan_locs(&b, lb, pb);
	assert_true(la->n > 200);
	assert_int_equal(la->n, lb->n);
	for (unsigned i = 0; i < la->n; i++) {
		assert_int_equal(la->v[i].line, lb->v[i].line);
		assert_int_equal(la->v[i].col, lb->v[i].col);
	}
	assert_string_equal(pa->procs->next->body->title, pb->procs->next->body->title);
	/* a BOM anywhere else is an error */
	EXPECT("plan p {\n  \xEF\xBB\xBF}\n", { 2, 3, "byte order mark" });
	free(la);
	free(lb);
	free(lf);
	free(crlf);
	ctx_free(&a);
	ctx_free(&b);
}

/* ---- lexical errors ---- */

static void test_lex_errors(void **state)
{
	(void)state;
	EXPECT("plan p {\n  title \"abc\n}\n", { 2, 9, "unterminated string" });
	EXPECT("plan p {\n  title \"abc", { 2, 9, "unterminated string" }, { 2, 13, "missing `}`" });
	EXPECT("plan p {\r\n  title \"abc\r\n}\r\n", { 2, 9, "unterminated string" });
	EXPECT("plan p {\n  title \"a\\qb\"\n}\n", { 2, 11, "unknown escape" });
	EXPECT("plan p {\n  title \"a\x01\"\n}\n", { 2, 11, "control character" });
	EXPECT("plan p {\n  @ title \"x\"\n}\n", { 2, 3, "unexpected character `@`" });
	EXPECT("plan p {\n  title \"x\" $\n}\n", { 2, 13, "unexpected character `$`" });
	EXPECT("plan p {\n  title \"x\"\x01\n}\n", { 2, 12, "control character" });
	EXPECT("plan p {\n  title \"x\"\r \n}\n", { 2, 12, "control character U+000D" });
	EXPECT("plan p {\n  \xC3\xA9 title \"x\"\n}\n", { 2, 3, "unexpected character `\xC3\xA9`" });
	/* NUL bytes, anywhere */
	EXPECT("plan p {\n  \0 title \"x\"\n}\n", { 2, 3, "NUL" });
	EXPECT("plan p {\n  title \"a\0b\"\n}\n", { 2, 11, "NUL" });
	EXPECT("plan p { # a \0 comment\n}\n", { 1, 14, "NUL" });
	/* invalid UTF-8: in code, in strings, in comments; one error per broken sequence */
	EXPECT("plan p {\n  \xFF title \"x\"\n}\n", { 2, 3, "invalid UTF-8" });
	EXPECT("plan p {\n  title \"\xC3\xA9\xE2\x82\"\n}\n", { 2, 11, "invalid UTF-8" });
	EXPECT("plan p { # \xC3\xA9 \x80\x80 \xF0\x9F\x98 x\n}\n", { 1, 14, "invalid UTF-8" },
	       { 1, 15, "invalid UTF-8" });
	/* a surrogate, an overlong form: one error each */
	EXPECT("plan p {\n  title \"\xED\xA0\x80\"\n  kb \"\xC0\xAF\"\n}\n", { 2, 10, "invalid UTF-8" },
	       { 3, 7, "invalid UTF-8" });
	/* versions */
	EXPECT("plan p {\n  param v : version = 6.5\n}\n", { 2, 23, "malformed version `6.5`" });
	EXPECT("plan p {\n  param v : version = 1.2.3.4.5\n}\n", { 2, 23, "malformed version `1.2.3.4.5`" });
	EXPECT("plan p {\n  param v : version = 1.2.\n}\n", { 2, 23, "malformed version `1.2.`" });
	EXPECT("plan p {\n  param v : version = 1.2.3x\n}\n", { 2, 23, "malformed version" });
	EXPECT("plan p {\n  param v : version = 1.2.4294967296\n}\n", { 2, 23, "larger than" });
	/* durations and integers */
	EXPECT("plan p {\n  param d : duration = 15x\n}\n", { 2, 24, "malformed duration `15x`" });
	EXPECT("plan p {\n  param d : duration = 15ms\n}\n", { 2, 24, "malformed duration `15ms`" });
	EXPECT("plan p {\n  param d : duration = 10sec\n}\n", { 2, 24, "malformed duration `10sec`" });
	EXPECT("plan p {\n  param i : int = 9223372036854775808\n}\n", { 2, 19, "too large" });
	EXPECT("plan p {\n  param i : int = 1_0\n}\n", { 2, 19, "malformed number" });
	EXPECT("plan p {\n  param d : duration = 9223372036854775807h\n}\n", { 2, 24, "too long" });
	/* lexical errors do not cascade into syntax errors */
	EXPECT("plan p {\n  param d : duration = 15ms \"doc\"\n  param v : version = 6.5\n}\n",
	       { 2, 24, "duration" }, { 3, 23, "version" });
}

static void test_literals(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	struct ast_plan *p = parse_ok(&ctx,
		"plan p {\n"
		"  param a : string = \"q\\\"b\\\\s\\nt\\t\xC3\xA9\"\n"
		"  param b : int = 9223372036854775807\n"
		"  param c : duration = 90s\n"
		"  param d : duration = 2h\n"
		"  param e : version = 1.2.3\n"
		"  param f : bool = true\n"
		"  param g : int = 007\n"
		"}\n");
	struct ast_param *a = p->params;
	assert_string_equal(a->def->str, "q\"b\\s\nt\t\xC3\xA9");
	assert_int_equal(a->def->kind, LIT_STRING);
	a = a->next;
	assert_int_equal(a->def->num, INT64_MAX);
	a = a->next;
	assert_int_equal(a->def->kind, LIT_DURATION);
	assert_int_equal(a->def->num, 90);
	a = a->next;
	assert_int_equal(a->def->num, 7200);
	a = a->next;
	assert_int_equal(a->def->kind, LIT_VERSION);
	assert_int_equal(a->def->ver.n, 3);
	assert_int_equal(a->def->ver.c[2], 3);
	a = a->next;
	assert_int_equal(a->def->kind, LIT_BOOL);
	assert_int_equal(a->def->num, 1);
	a = a->next;
	assert_int_equal(a->def->num, 7);
	ctx_free(&ctx);
}

/* ---- grammar ---- */

static void test_fact_words(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	struct ast_plan *p = parse_ok(&ctx,
		"plan p {\n"
		"  require fact plan.step.not.in.and.or.fact.true in [\"a\", 1, 1.2.3, 5m, false]\n"
		"  require fact os . name == \"Windows\"\n"
		"  ensure fact if.else != 2\n"
		"}\n");
	struct ast_require *r = p->requires;
	assert_int_equal(r->cond->kind, C_FACT_IN);
	assert_string_equal(r->cond->fact, "plan.step.not.in.and.or.fact.true");
	struct ast_literal *l = r->cond->lit;
	assert_int_equal(l->kind, LIT_STRING);
	assert_int_equal(l->next->kind, LIT_INT);
	assert_int_equal(l->next->next->kind, LIT_VERSION);
	assert_int_equal(l->next->next->next->kind, LIT_DURATION);
	assert_int_equal(l->next->next->next->num, 300);
	assert_int_equal(l->next->next->next->next->kind, LIT_BOOL);
	assert_null(l->next->next->next->next->next);
	r = r->next;
	assert_int_equal(r->cond->kind, C_FACT_CMP);
	assert_string_equal(r->cond->fact, "os.name");
	assert_string_equal(r->cond->lit->str, "Windows");
	assert_int_equal(p->ensures->cond->op, CMP_NE);
	assert_string_equal(p->ensures->cond->fact, "if.else");
	ctx_free(&ctx);
	/* elsewhere keywords are reserved */
	EXPECT("plan step { }\n", { 1, 6, "unexpected `step`, expecting a name" });
}

/* ---- the keyword table (grammar/include/keywords.h) ---- */

static void test_keywords(void **state)
{
	(void)state;
	struct kw_index ix;
	char text[256], want[128];

	kw_index_init(&ix);
	for (int k = 0; k < KW_NUM; k++) {
		const char *w = kw_table[k].spelling;
		/* found by its spelling (so spelt once) */
		assert_int_equal(kw_table[k].len, strlen(w));
		assert_int_equal(kw_find(&ix, w, strlen(w)), k);
		/* reserved, and named by its spelling in messages */
		snprintf(text, sizeof(text), "plan %s { }\n", w);
		snprintf(want, sizeof(want), "unexpected `%s`, expecting a name", w);
		struct want e[] = { { 1, 6, want } };
		expect_errors(text, strlen(text), e, 1);
		/* a word of a fact path, first or not (parser.y's `kw` holds every keyword) */
		struct hp_ctx ctx;
		ctx_init(&ctx);
		snprintf(text, sizeof(text), "target t standalone {\n  fact %s.x = 1\n  fact a.%s = 2\n}\n", w, w);
		struct ast_file *f = parse_str(&ctx, text);
		if (ctx.diags.n != 0)
			fail_msg("%s in a fact path: %s", w, ctx.diags.v[0]->message);
		snprintf(want, sizeof(want), "%s.x", w);
		assert_string_equal(f->targets->items->str, want);
		snprintf(want, sizeof(want), "a.%s", w);
		assert_string_equal(f->targets->items->next->str, want);
		ctx_free(&ctx);
	}
	/* names that are not keywords */
	static const char *const names[] = { "plans", "Plan", "PLAN", "ste", "step_", "sha", "sha2567",
					     "x", "checkpoints", "dismountedx", "_if" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_int_equal(kw_find(&ix, names[i], strlen(names[i])), -1);
	assert_int_equal(kw_find(&ix, "plan", 0), -1);
	/* blocks: the keyword that opens one names it when its `}` is missing */
	assert_int_equal(kw_table[KW_STEP].opens, KB_ACTIONS);
	assert_int_equal(kw_table[KW_PARAM].opens, KB_NONE);
	EXPECT("target t standalone {\n  node \"n\" {\n", { 2, 13, "missing `}` to close `node` opened at line 2" });
	EXPECT("plan p {\n  procedure standalone {\n    if x { } else {\n",
	       { 3, 20, "missing `}` to close `else` opened at line 3" });
	/* expected: any keyword or a name is "a word" */
	EXPECT("target t standalone {\n  fact a. = 1\n}\n", { 2, 11, "unexpected `=`, expecting a word" });
}

/* ---- the source text is read-only ---- */

static void test_read_only_source(void **state)
{
	(void)state;
	size_t len, page = (size_t)sysconf(_SC_PAGESIZE);
	char *text = slurp(canonical_path(), &len);
	size_t size = (len + 1 + page - 1) / page * page;
	char *ro = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(ro != MAP_FAILED);
	memcpy(ro, text, len + 1);
	free(text);
	assert_int_equal(mprotect(ro, size, PROT_READ), 0);   /* a write now faults */

	struct hp_ctx ctx;
	ctx_init(&ctx);
	uint32_t src = ctx_add_source(&ctx, canonical_path(), ro, len);
	struct ast_file *f = arena_alloc(&ctx.arena, sizeof(*f));
	assert_int_equal(parse_source(&ctx, src, f), 0);
	assert_non_null(f->plans);
	assert_string_equal(f->plans->name.s, "ese_hotfix");

	/* the token stream of scan.h: kinds and places; a keyword is not a name */
	struct scan *sc = scan_open(&ctx, src);
	struct scan_tok t, first = { 0, 0, 0 }, name = { 0, 0, 0 };
	size_t n = 0;
	while (scan_next(sc, &t)) {
		if (n == 0)
			first = t;
		if (n == 1)
			name = t;
		n++;
	}
	assert_int_equal(scan_close(sc), 0);
	assert_true(n > 300);
	assert_memory_equal(ro + first.start, "plan", 4);
	assert_int_equal(first.end - first.start, 4);
	assert_memory_equal(ro + name.start, "ese_hotfix", 10);
	assert_int_not_equal(first.kind, name.kind);

	ctx_source(&ctx, src)->text = NULL;   /* mapped, not malloc'd: not the context's to free */
	ctx_free(&ctx);
	assert_int_equal(munmap(ro, size), 0);
}

static void test_scan(void **state)
{
	(void)state;
	static const char text[] = "plan p step # c\n\"s\" 15ms 1.2.3 plan q";
	struct hp_ctx ctx;
	struct scan_tok t[16];
	size_t n = 0;

	ctx_init(&ctx);
	char *copy = strdup(text);
	assert_non_null(copy);
	uint32_t src = ctx_add_source(&ctx, "scan.hplan", copy, strlen(text));
	struct scan *sc = scan_open(&ctx, src);
	while (n < 16 && scan_next(sc, &t[n]))
		n++;
	/* a lexical error is reported and counted; the tokens go on */
	assert_int_equal(scan_close(sc), 1);
	assert_int_equal(ctx.diags.n, 1);
	assert_int_equal(n, 8);
	assert_int_equal(t[0].kind, t[6].kind);    /* plan, plan */
	assert_int_equal(t[1].kind, t[7].kind);    /* p, q: names */
	assert_int_not_equal(t[0].kind, t[1].kind);
	assert_int_not_equal(t[0].kind, t[2].kind);
	assert_int_equal(t[3].start, strchr(text, '"') - text);   /* the comment is no token */
	assert_int_equal(t[3].end - t[3].start, 3);
	assert_int_equal(t[5].end - t[5].start, 5);
	ctx_free(&ctx);
}

static void test_target(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	struct ast_file *f = parse_str(&ctx,
		"# inventory\n"
		"target lab cluster {\n"
		"  profile \"windows-2003\"\n"
		"  node \"n1\" address \"ssh://admin@10.0.0.1:22\" {\n"
		"    profile \"linux-systemd\"\n"
		"    fact os.name = \"Windows Server 2003\"\n"
		"  }\n"
		"  node \"n2\"\n"
		"  fact exchange.version = 6.5.7226.0\n"
		"  store \"First Storage Group/Mailbox Store\"\n"
		"  group \"Exchange\" owner \"n1\"\n"
		"  set affected = \"First Storage Group/Mailbox Store\"\n"
		"}\n"
		"target solo standalone { node \"s\" }\n");
	assert_int_equal(ctx.diags.n, 0);
	assert_null(f->plans);
	struct ast_target *t = f->targets;
	assert_non_null(t);
	assert_string_equal(t->name.s, "lab");
	assert_int_equal(t->kind, PROC_CLUSTER);
	struct ast_node *n = t->nodes;
	assert_string_equal(n->name.s, "n1");
	assert_string_equal(n->address, "ssh://admin@10.0.0.1:22");
	assert_int_equal(n->items->kind, TI_PROFILE);
	assert_string_equal(n->items->str, "linux-systemd");
	assert_int_equal(n->items->next->kind, TI_FACT);
	assert_string_equal(n->items->next->str, "os.name");
	assert_string_equal(n->items->next->value->str, "Windows Server 2003");
	assert_int_equal(pos_of(&ctx, n->loc).line, 4);
	assert_int_equal(end_of(&ctx, n->loc).line, 7);
	n = n->next;
	assert_string_equal(n->name.s, "n2");
	assert_null(n->address);
	assert_null(n->items);
	assert_null(n->next);
	struct ast_target_item *i = t->items;
	assert_int_equal(i->kind, TI_PROFILE);
	i = i->next;
	assert_int_equal(i->kind, TI_FACT);
	assert_string_equal(i->str, "exchange.version");
	assert_int_equal(i->value->kind, LIT_VERSION);
	i = i->next;
	assert_int_equal(i->kind, TI_STORE);
	i = i->next;
	assert_int_equal(i->kind, TI_GROUP);
	assert_string_equal(i->str, "Exchange");
	assert_string_equal(i->owner, "n1");
	i = i->next;
	assert_int_equal(i->kind, TI_SET);
	assert_string_equal(i->str, "affected");
	assert_int_equal(i->value->kind, LIT_STRING);
	assert_null(i->next);
	t = t->next;
	assert_string_equal(t->name.s, "solo");
	assert_int_equal(t->kind, PROC_STANDALONE);
	assert_null(t->next);
	ctx_free(&ctx);
}

static void test_precedence(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	struct ast_plan *p = parse_ok(&ctx,
		"plan p {\n"
		"  require a or b and not c\n"
		"  require not a and b\n"
		"  require (a or b) and c\n"
		"  require a and b and c\n"
		"  require not not a\n"
		"  require stores not in x dismounted and not store \"s\" mounted\n"
		"}\n");
	struct ast_cond *c = p->requires->cond;
	assert_int_equal(c->kind, C_OR);
	assert_int_equal(c->lhs->kind, C_PARAM);
	assert_string_equal(c->lhs->name.s, "a");
	assert_int_equal(c->rhs->kind, C_AND);
	assert_string_equal(c->rhs->lhs->name.s, "b");
	assert_int_equal(c->rhs->rhs->kind, C_NOT);
	assert_string_equal(c->rhs->rhs->lhs->name.s, "c");
	assert_int_equal(c->loc.end - c->loc.start, strlen("a or b and not c"));
	c = p->requires->next->cond;
	assert_int_equal(c->kind, C_AND);
	assert_int_equal(c->lhs->kind, C_NOT);
	assert_string_equal(c->lhs->lhs->name.s, "a");
	assert_string_equal(c->rhs->name.s, "b");
	c = p->requires->next->next->cond;
	assert_int_equal(c->kind, C_AND);
	assert_int_equal(c->lhs->kind, C_OR);
	assert_int_equal(c->lhs->loc.end - c->lhs->loc.start, strlen("(a or b)"));
	assert_string_equal(c->rhs->name.s, "c");
	c = p->requires->next->next->next->cond;
	assert_int_equal(c->kind, C_AND); /* left-associative */
	assert_int_equal(c->lhs->kind, C_AND);
	assert_string_equal(c->rhs->name.s, "c");
	c = p->requires->next->next->next->next->cond;
	assert_int_equal(c->kind, C_NOT);
	assert_int_equal(c->lhs->kind, C_NOT);
	assert_int_equal(c->lhs->lhs->kind, C_PARAM);
	c = p->requires->next->next->next->next->next->cond;
	assert_int_equal(c->kind, C_AND);
	assert_int_equal(c->lhs->kind, C_STORES);
	assert_int_equal(c->lhs->stores.kind, ST_NOT_IN);
	assert_false(c->lhs->positive);
	assert_int_equal(c->rhs->kind, C_NOT);
	assert_int_equal(c->rhs->lhs->stores.kind, ST_ONE);
	ctx_free(&ctx);
}

static void test_statements(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	struct ast_plan *p = parse_ok(&ctx,
		"plan p {\n"
		"  procedure cluster {\n"
		"    roles {\n"
		"      every = all nodes\n"
		"      others = all nodes except every\n"
		"    }\n"
		"    for each n in every serial 2 {\n"
		"      step s on n {\n"
		"        exec \"true\" on n timeout 90s\n"
		"        exec \"x\"\n"
		"        wait 5m\n"
		"        verify n member else \"gone\"\n"
		"        pause \"look\"\n"
		"        wait until n down\n"
		"        dismount all stores\n"
		"        mount store \"S\" on n\n"
		"        stop service \"A\" on n\n"
		"        kill process \"a.exe\"\n"
		"        enable restart of resource \"R\"\n"
		"      }\n"
		"    }\n"
		"    for each m in others {\n"
		"      if hotfix h installed on m and n owns group \"G\" {\n"
		"        checkpoint c { start service \"A\" }\n"
		"      } else {\n"
		"        step t { restart node on m }\n"
		"      }\n"
		"    }\n"
		"  }\n"
		"  hotfix h {\n"
		"    file \"a.dll\" sha256 \"00ff\" version 1.2.3\n"
		"    file \"b.dll\"\n"
		"    args \"/quiet\"\n"
		"    restarts \"A\", \"B\"\n"
		"    restarts \"C\"\n"
		"  }\n"
		"  model { service \"A\" process \"a.exe\"\n store \"S\" }\n"
		"  model { recover x }\n"
		"  param x : stores\n"
		"}\n");
	struct ast_procedure *pr = p->procs;
	assert_int_equal(pr->roles->kind, R_ALL);
	assert_int_equal(pr->roles->next->kind, R_ALL_EXCEPT);
	assert_string_equal(pr->roles->next->except.s, "every");
	struct ast_stmt *fe = pr->body;
	assert_int_equal(fe->kind, S_FOREACH);
	assert_string_equal(fe->name.s, "n");
	assert_string_equal(fe->set.s, "every");
	assert_int_equal(fe->serial, 2);
	assert_int_equal(fe->head.end - fe->head.start, strlen("for each n"));
	struct ast_action *a = fe->body->actions;
	assert_string_equal(fe->body->on.s, "n");
	assert_int_equal(a->kind, A_EXEC);
	assert_int_equal(a->duration, 90);
	assert_string_equal(a->on.s, "n");
	assert_int_equal(a->loc.end - a->loc.start, strlen("exec \"true\" on n timeout 90s"));
	a = a->next;
	assert_int_equal(a->kind, A_EXEC);
	assert_int_equal(a->duration, -1);
	assert_null(a->on.s);
	a = a->next;
	assert_int_equal(a->kind, A_WAIT);
	assert_int_equal(a->duration, 300);
	a = a->next;
	assert_int_equal(a->kind, A_VERIFY);
	assert_string_equal(a->message, "gone");
	a = a->next;
	assert_int_equal(a->kind, A_PAUSE);
	assert_string_equal(a->arg.s, "look");
	a = a->next;
	assert_int_equal(a->kind, A_WAIT_UNTIL);
	assert_int_equal(a->duration, -1);
	assert_int_equal(a->cond->kind, C_DOWN);
	a = a->next;
	assert_int_equal(a->kind, A_DISMOUNT);
	assert_int_equal(a->stores.kind, ST_ALL);
	a = a->next;
	assert_int_equal(a->kind, A_MOUNT);
	assert_int_equal(a->stores.kind, ST_ONE);
	assert_string_equal(a->stores.name.s, "S");
	assert_string_equal(a->on.s, "n");
	a = a->next;
	assert_int_equal(a->kind, A_STOP_SERVICE);
	a = a->next;
	assert_int_equal(a->kind, A_KILL_PROCESS);
	a = a->next;
	assert_int_equal(a->kind, A_ENABLE_RESTART);
	assert_null(a->next);
	struct ast_stmt *fe2 = fe->next;
	assert_int_equal(fe2->serial, 1);
	struct ast_stmt *iff = fe2->body;
	assert_int_equal(iff->kind, S_IF);
	assert_true(iff->has_else);
	assert_int_equal(iff->cond->kind, C_AND);
	assert_int_equal(iff->cond->lhs->kind, C_INSTALLED);
	assert_string_equal(iff->cond->lhs->on.s, "m");
	assert_int_equal(iff->cond->rhs->kind, C_OWNS_GROUP);
	assert_string_equal(iff->cond->rhs->group.s, "G");
	assert_int_equal(iff->body->kind, S_CHECKPOINT);
	assert_int_equal(iff->else_body->kind, S_STEP);
	assert_int_equal(iff->else_body->actions->kind, A_RESTART_NODE);
	assert_string_equal(iff->else_body->actions->on.s, "m");

	struct ast_hotfix *h = p->hotfixes;
	assert_true(h->files->has_sha256);
	assert_string_equal(h->files->sha256, "00ff");
	assert_true(h->files->has_version);
	assert_false(h->files->has_size);
	assert_string_equal(h->files->next->name.s, "b.dll");
	assert_false(h->files->next->has_version);
	assert_string_equal(h->args, "/quiet");
	assert_null(h->package);
	assert_int_equal(h->nrestarts, 3);
	assert_string_equal(h->restarts[0].s, "A");
	assert_string_equal(h->restarts[1].s, "B");
	assert_string_equal(h->restarts[2].s, "C");
	struct ast_model_item *m = p->model;
	assert_int_equal(m->kind, M_SERVICE);
	assert_false(m->holds_stores);
	assert_int_equal(m->next->kind, M_STORE);
	assert_int_equal(m->next->next->kind, M_RECOVER);
	assert_null(m->next->next->next);
	assert_string_equal(p->params->name.s, "x");
	ctx_free(&ctx);
}

/* ---- syntax errors ---- */

static void test_recovery(void **state)
{
	(void)state;
	/* two separate errors, each reported, with what was expected */
	EXPECT("plan p {\n"
	       "  procedure standalone {\n"
	       "    step a {\n"
	       "      stop servce \"x\"\n"
	       "    }\n"
	       "    step b {\n"
	       "      mount stores of x\n"
	       "    }\n"
	       "  }\n"
	       "}\n",
	       { 4, 12, "unexpected name `servce`, expecting `service`" },
	       { 7, 20, "unexpected `of`, expecting `in` or `not`" });
	/* recovery at `}` keeps the later items */
	{
		struct hp_ctx ctx;
		ctx_init(&ctx);
		struct ast_file *f = parse_str(&ctx,
			"plan p {\n"
			"  param x : nope\n"
			"  procedure standalone { step a { wait 1s wait } step b { } }\n"
			"  param y : bool\n"
			"}\n"
			"plan q { }\n");
		assert_int_equal(ctx.diags.n, 2);
		assert_non_null(f->plans);
		assert_non_null(f->plans->next);
		assert_string_equal(f->plans->params->name.s, "y");
		assert_int_equal(count_stmts(f->plans->procs->body), 2);
		ctx_free(&ctx);
	}
	/* a missing `}` at the end says which block is open */
	EXPECT("plan p {\n  procedure standalone {\n    step a {\n      wait 1s\n",
	       { 4, 14, "missing `}` to close `step` opened at line 3" });
	EXPECT("plan p {\n  procedure standalone {\n    if x {\n      step a { }\n  }\n",
	       { 5, 4, "missing `}` to close `procedure` opened at line 2" });
	EXPECT("plan p {\n  procedure standalone {\n    step a", { 3, 11, "unexpected end of file" });
	/* an unclosed block before the next statement: the note says which */
	{
		struct hp_ctx ctx;
		ctx_init(&ctx);
		parse_str(&ctx, "plan p {\n  procedure standalone {\n    step a {\n      wait 1s\n"
				"    step b { }\n  }\n}\n");
		assert_int_equal(ctx.diags.n, 1);
		struct diag *d = ctx.diags.v[0];
		assert_non_null(strstr(d->message, "unexpected `step`, expecting an action or `}`"));
		assert_int_equal(d->nnotes, 1);
		assert_non_null(strstr(d->notes[0], "`step` opened at line 3"));
		ctx_free(&ctx);
	}
	/* grammar checks done in the parser */
	EXPECT("plan p { procedure standalone { step a { } roles { r = all nodes } } }\n",
	       { 1, 44, "before the first statement" });
	EXPECT("plan p \"T\" { title \"U\" }\n", { 1, 14, "`title` given twice" });
	EXPECT("plan p { hotfix h { file \"f\" size 1 size 2 } }\n", { 1, 37, "`size` given twice" });
	EXPECT("plan p { }\nstep a { }\n", { 2, 1, "unexpected `step`, expecting `import`, `plan`, `target`, `profile` or end of file" });
}

static void test_error_cap(void **state)
{
	(void)state;
	char text[4096], *o = text;
	o += sprintf(o, "plan p {\n");
	for (int i = 0; i < 30; i++)
		o += sprintf(o, "  param x%d : nope\n", i);
	sprintf(o, "}\n");

	struct hp_ctx ctx;
	ctx_init(&ctx);
	parse_str(&ctx, text);
	diag_finish(&ctx);
	assert_int_equal(ctx.diags.n, HP_MAX_SYNTAX_ERRORS + 1);
	for (unsigned i = 0; i < HP_MAX_SYNTAX_ERRORS; i++) {
		assert_int_equal(ctx.diags.v[i]->rule, HP001);
		assert_int_equal(pos_of(&ctx, ctx.diags.v[i]->loc).line, i + 2);
	}
	struct diag *last = ctx.diags.v[HP_MAX_SYNTAX_ERRORS];
	assert_string_equal(last->message, "too many errors; giving up");
	assert_int_equal(pos_of(&ctx, last->loc).line, HP_MAX_SYNTAX_ERRORS + 2);
	/* the buffer the scanner borrowed is restored even though it stopped early */
	assert_memory_equal(ctx_source(&ctx, 0)->text, text, strlen(text));
	ctx_free(&ctx);

	/* lexical errors count too: a binary file stops quickly */
	char bin[4096];
	for (size_t i = 0; i < sizeof(bin); i++)
		bin[i] = (char)(i % 2 ? 0xFF : 0x01);
	ctx_init(&ctx);
	parse_buffer(&ctx, "bin", bin, sizeof(bin));
	assert_int_equal(ctx.diags.n, HP_MAX_SYNTAX_ERRORS + 1);
	ctx_free(&ctx);
}

static char *nested(const char *open, const char *close, int n, const char *pre, const char *mid,
		    const char *post)
{
	size_t cap = strlen(pre) + strlen(mid) + strlen(post) + (size_t)n * (strlen(open) + strlen(close)) + 1;
	char *s = malloc(cap), *o = s;
	assert_non_null(s);
	o = stpcpy(o, pre);
	for (int i = 0; i < n; i++)
		o = stpcpy(o, open);
	o = stpcpy(o, mid);
	for (int i = 0; i < n; i++)
		o = stpcpy(o, close);
	stpcpy(o, post);
	return s;
}

static int count_diags(const char *text, const char *msg)
{
	struct hp_ctx ctx;
	ctx_init(&ctx);
	parse_str(&ctx, text);
	int n = (int)ctx.diags.n;
	if (msg != NULL && n > 0 && strstr(ctx.diags.v[0]->message, msg) == NULL)
		fail_msg("got '%s'", ctx.diags.v[0]->message);
	ctx_free(&ctx);
	return n;
}

static void test_nesting(void **state)
{
	(void)state;
	/* blocks: `plan` and `procedure` make two levels */
	char *s = nested("if x {\n", "}\n", HP_MAX_DEPTH - 2, "plan p { procedure standalone {\n", "", "} }\n");
	assert_int_equal(count_diags(s, NULL), 0);
	free(s);
	s = nested("if x {\n", "}\n", HP_MAX_DEPTH - 1, "plan p { procedure standalone {\n", "", "} }\n");
	assert_int_equal(count_diags(s, "nesting too deep"), 1);
	free(s);
	/* parentheses and `not`, inside `plan { }` */
	s = nested("(", ")", HP_MAX_DEPTH - 1, "plan p { require ", "x", " }\n");
	assert_int_equal(count_diags(s, NULL), 0);
	free(s);
	s = nested("(", ")", HP_MAX_DEPTH, "plan p { require ", "x", " }\n");
	assert_int_equal(count_diags(s, "nesting too deep"), 1);
	free(s);
	s = nested("not ", "", HP_MAX_DEPTH - 1, "plan p { require ", "x", " }\n");
	assert_int_equal(count_diags(s, NULL), 0);
	free(s);
	s = nested("not (", ")", 100000, "plan p { require ", "x", " }\n");
	assert_int_equal(count_diags(s, "nesting too deep"), 1);
	free(s);
	s = nested("if x {", "}", 100000, "plan p { procedure standalone {", "", "} }\n");
	assert_int_equal(count_diags(s, "nesting too deep"), 1);
	free(s);
	/* `not`s end with their operand: many in a row are not nested */
	s = nested("require not x and not (not y or not z)\n", "", 1000, "plan p {\n", "", "}\n");
	assert_int_equal(count_diags(s, NULL), 0);
	free(s);
	s = nested("mount stores not in x\n", "", 1000, "plan p { procedure standalone { step a {\n", "",
		   "} } }\n");
	assert_int_equal(count_diags(s, NULL), 0);
	free(s);
	/* long chains of `and`/`or` make deep trees */
	s = nested("x or ", "", 100, "plan p { require ", "x", " }\n");
	assert_int_equal(count_diags(s, "condition too complex"), 1);
	free(s);
}

static void test_empty(void **state)
{
	(void)state;
	EXPECT("", { 1, 1, "no plan or target in file" });
	EXPECT("# just a comment\n\n   # another\n", { 1, 1, "no plan or target in file" });
	EXPECT("\xEF\xBB\xBF", { 1, 1, "no plan or target in file" });
	/* a file with only errors gets no extra complaint */
	EXPECT("plan\n", { 1, 5, "unexpected end of file, expecting a name" });
}

/* ---- files and imports ---- */

static char tmpdir[256];

static const char *tmp(const char *name)
{
	static char path[4][512];
	static int i;
	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/%s", tmpdir, name);
	return path[i];
}

static int setup_tmp(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hotplan-test-parse-XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int teardown_tmp(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

static void test_read_errors(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	const char *why = NULL;
	ctx_init(&ctx);
	assert_null(parse_file(&ctx, tmpdir, &why));
	assert_non_null(strstr(why, "is a directory"));
	assert_null(parse_file(&ctx, tmp("missing.hplan"), &why));
	assert_non_null(strstr(why, "No such file or directory"));
	struct stat st;
	if (stat("/dev/zero", &st) == 0) {
		assert_null(parse_file(&ctx, "/dev/zero", &why));
		assert_non_null(strstr(why, "not a regular file"));
	}
	/* a FIFO with no writer must not block */
	const char *fifo = tmp("fifo.hplan");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_null(parse_file(&ctx, fifo, &why));
	assert_non_null(strstr(why, "not a regular file"));
	/* too large (sparse, so cheap) */
	const char *big = tmp("big.hplan");
	FILE *f = fopen(big, "wb");
	assert_non_null(f);
	assert_int_equal(ftruncate(fileno(f), (off_t)HP_MAX_INPUT + 1), 0);
	assert_int_equal(fclose(f), 0);
	assert_null(parse_file(&ctx, big, &why));
	assert_non_null(strstr(why, "is larger than 64 MiB"));
	assert_int_equal(ctx.nsources, 0);
	ctx_free(&ctx);
}

static void test_imports(void **state)
{
	(void)state;
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/sub", tmpdir);
	mkdir(dir, 0700);
	write_file(tmp("a.hplan"), "import \"sub/b.hplan\"\nimport \"c.hplan\"\nplan a { }\n");
	write_file(tmp("sub/b.hplan"), "import \"../c.hplan\"\nplan b { }\n");
	write_file(tmp("c.hplan"), "import \"d.hplan\"\nplan c { }\n");
	write_file(tmp("d.hplan"), "plan d { }\ntarget t standalone { node \"n\" }\n");
	write_file(tmp("only.hplan"), "# only imports\nimport \"d.hplan\"\n");

	struct hp_ctx ctx;
	const char *why = NULL;
	ctx_init(&ctx);
	struct ast_file *f = parse_file(&ctx, tmp("a.hplan"), &why);
	assert_non_null(f);
	assert_int_equal(ctx.diags.n, 0);
	/* own plans first, then imports depth first; the diamond's d only once */
	const char *order[] = { "a", "b", "c", "d" };
	struct ast_plan *p = f->plans;
	for (int i = 0; i < 4; i++, p = p->next) {
		assert_non_null(p);
		assert_string_equal(p->name.s, order[i]);
	}
	assert_null(p);
	assert_non_null(f->targets);
	assert_null(f->targets->next);
	assert_int_equal(ctx.nsources, 4);
	assert_string_equal(f->imports->path, "sub/b.hplan");
	ctx_free(&ctx);

	ctx_init(&ctx);
	f = parse_file(&ctx, tmp("only.hplan"), &why);
	assert_non_null(f);
	assert_int_equal(ctx.diags.n, 0);
	assert_string_equal(f->plans->name.s, "d");
	ctx_free(&ctx);

	/* errors at the import statement */
	write_file(tmp("bad.hplan"), "import \"nope.hplan\"\nimport \"sub\"\nplan x { }\n");
	ctx_init(&ctx);
	f = parse_file(&ctx, tmp("bad.hplan"), &why);
	assert_non_null(f);
	diag_finish(&ctx);
	assert_int_equal(ctx.diags.n, 2);
	assert_non_null(strstr(ctx.diags.v[0]->message, "cannot import"));
	assert_non_null(strstr(ctx.diags.v[0]->message, "No such file or directory"));
	assert_int_equal(pos_of(&ctx, ctx.diags.v[0]->loc).line, 1);
	assert_non_null(strstr(ctx.diags.v[1]->message, "is a directory"));
	ctx_free(&ctx);

	/* an imported file with nothing in it */
	write_file(tmp("empty.hplan"), "# nothing\n");
	write_file(tmp("ie.hplan"), "import \"empty.hplan\"\n");
	ctx_init(&ctx);
	f = parse_file(&ctx, tmp("ie.hplan"), &why);
	assert_non_null(f);
	assert_int_equal(ctx.diags.n, 2);
	ctx_free(&ctx);
}

static void test_import_cycle(void **state)
{
	(void)state;
	write_file(tmp("x.hplan"), "import \"y.hplan\"\nplan x { }\n");
	write_file(tmp("y.hplan"), "plan y { }\n\nimport \"x.hplan\"\n");
	write_file(tmp("self.hplan"), "plan s { }\nimport \"self.hplan\"\n");

	struct hp_ctx ctx;
	const char *why = NULL;
	ctx_init(&ctx);
	struct ast_file *f = parse_file(&ctx, tmp("x.hplan"), &why);
	assert_non_null(f);
	assert_int_equal(ctx.diags.n, 1);
	struct diag *d = ctx.diags.v[0];
	assert_int_equal(d->rule, HP001);
	char want[1024];
	snprintf(want, sizeof(want), "import cycle: %s -> %s -> %s", tmp("x.hplan"), tmp("y.hplan"),
		 tmp("x.hplan"));
	assert_string_equal(d->message, want);
	assert_int_equal(d->loc.file, 1);
	assert_int_equal(pos_of(&ctx, d->loc).line, 3);
	assert_string_equal(f->plans->name.s, "x");
	assert_string_equal(f->plans->next->name.s, "y");
	assert_null(f->plans->next->next);
	ctx_free(&ctx);

	ctx_init(&ctx);
	f = parse_file(&ctx, tmp("self.hplan"), &why);
	assert_int_equal(ctx.diags.n, 1);
	snprintf(want, sizeof(want), "import cycle: %s -> %s", tmp("self.hplan"), tmp("self.hplan"));
	assert_string_equal(ctx.diags.v[0]->message, want);
	assert_null(f->plans->next);
	ctx_free(&ctx);

	/* a chain deeper than HP_MAX_IMPORT_DEPTH */
	for (int i = 0; i <= HP_MAX_IMPORT_DEPTH + 1; i++) {
		char name[64], text[128];
		snprintf(name, sizeof(name), "chain%d.hplan", i);
		snprintf(text, sizeof(text), "import \"chain%d.hplan\"\nplan c%d { }\n", i + 1, i);
		write_file(tmp(name), text);
	}
	ctx_init(&ctx);
	f = parse_file(&ctx, tmp("chain0.hplan"), &why);
	assert_non_null(f);
	assert_int_equal(ctx.diags.n, 1);
	assert_non_null(strstr(ctx.diags.v[0]->message, "imports nested too deeply"));
	ctx_free(&ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_crlf_bom),
		cmocka_unit_test(test_lex_errors),
		cmocka_unit_test(test_literals),
		cmocka_unit_test(test_fact_words),
		cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_read_only_source),
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_target),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_statements),
		cmocka_unit_test(test_recovery),
		cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_read_errors),
		cmocka_unit_test(test_imports),
		cmocka_unit_test(test_import_cycle),
	};
	return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
