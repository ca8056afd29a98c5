/* test_image.c: compiled images (compiler/image*.c, docs/image.md). Every clean plan of the
 * repository round-trips (write, read, write: the same bytes; the loaded AST equal to the
 * parsed one field by field; the same diagnostics); the same source gives the same bytes;
 * every damaged image is refused with a message: each byte flipped, each truncation, a wrong
 * magic or version, and hand-made images with a valid checksum but absurd contents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "check.h"
#include "image.h"
#include "parse.h"

static char *slurp(const char *path, size_t *len)
{
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
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

/* Paths are relative to the repository root, as a user at its top would type them. */
static int setup(void **state)
{
	(void)state;
	const char *root = getenv("HOTPLAN_SOURCE_DIR");
	if (root != NULL && chdir(root) != 0)
		return -1;
	return 0;
}

/* The kinds a tests/diag plan is checked with: its `# kind:` header line, or all. */
static unsigned plan_kinds(const char *path, bool *explicit_kind)
{
	char *text = slurp(path, NULL);
	unsigned kinds = CHECK_ALL;
	*explicit_kind = false;
	if (strstr(text, "# kind: standalone\n") != NULL) {
		kinds = CHECK_STANDALONE;
		*explicit_kind = true;
	} else if (strstr(text, "# kind: cluster\n") != NULL) {
		kinds = CHECK_CLUSTER;
		*explicit_kind = true;
	}
	free(text);
	return kinds;
}

/* Check and return the diagnostics as the compiler prints them (malloc'd). */
static char *check_print(struct hp_ctx *ctx, struct ast_file *f, unsigned kinds, bool explicit_kind)
{
	char *text = NULL;
	size_t n = 0;
	check_file(ctx, f, kinds, explicit_kind);
	diag_finish(ctx);
	FILE *m = open_memstream(&text, &n);
	assert_non_null(m);
	diag_print_text(ctx, m, false);
	assert_int_equal(fclose(m), 0);
	return text;
}

static unsigned char *compile(struct hp_ctx *ctx, struct ast_file *f, size_t *len)
{
	unsigned char *img = NULL;
	char err[512] = "";
	assert_non_null(f);
	assert_non_null(f->plans);
	if (image_write(ctx, f->plans, &img, len, err, sizeof(err)) != 0)
		fail_msg("image_write: %s", err);
	assert_non_null(img);
	return img;
}

static struct ast_file *load(struct hp_ctx *ctx, const unsigned char *img, size_t len)
{
	struct ast_file *f = NULL;
	char err[512] = "";
	if (image_read(ctx, img, len, &f, err, sizeof(err)) != 0)
		fail_msg("image_read: %s", err);
	assert_non_null(f);
	return f;
}

static void assert_same_bytes(const unsigned char *a, size_t na, const unsigned char *b, size_t nb, const char *what)
{
	if (na != nb)
		fail_msg("%s: %zu bytes, then %zu", what, na, nb);
	for (size_t i = 0; i < na; i++)
		if (a[i] != b[i])
			fail_msg("%s: first difference at byte %zu: %02x vs %02x", what, i, a[i], b[i]);
}

/* ---- the loaded AST equals the parsed one, every parser-filled field ------------------ */

static const char *where;   /* what is being compared, for failure messages */

#define SAME(a, b)                                                                       \
	do {                                                                             \
		if ((long long)(a) != (long long)(b))                                    \
			fail_msg("%s: %s differs: %lld vs %lld", where, #a, (long long)(a), (long long)(b)); \
	} while (0)

static void same_str(const char *a, const char *b, const char *what)
{
	if ((a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0))
		fail_msg("%s: %s differs: \"%s\" vs \"%s\"", where, what, a ? a : "(null)", b ? b : "(null)");
}

static void same_loc(loc_t a, loc_t b)
{
	SAME(a.file, b.file);
	SAME(a.start, b.start);
	SAME(a.end, b.end);
}

static void same_name(struct ast_name a, struct ast_name b)
{
	same_str(a.s, b.s, "name");
	same_loc(a.loc, b.loc);
}

static void same_version(const struct ast_version *a, const struct ast_version *b)
{
	SAME(a->n, b->n);
	for (int i = 0; i < 4; i++)
		SAME(a->c[i], b->c[i]);
}

static void same_lits(const struct ast_literal *a, const struct ast_literal *b)
{
	for (; a != NULL || b != NULL; a = a->next, b = b->next) {
		SAME(a != NULL, b != NULL);
		SAME(a->kind, b->kind);
		same_loc(a->loc, b->loc);
		same_str(a->str, b->str, "literal");
		SAME(a->num, b->num);
		same_version(&a->ver, &b->ver);
	}
}

static void same_stores(const struct ast_stores *a, const struct ast_stores *b)
{
	SAME(a->kind, b->kind);
	same_loc(a->loc, b->loc);
	same_name(a->name, b->name);
}

static void same_cond(const struct ast_cond *a, const struct ast_cond *b)
{
	SAME(a != NULL, b != NULL);
	if (a == NULL)
		return;
	SAME(a->kind, b->kind);
	same_loc(a->loc, b->loc);
	same_cond(a->lhs, b->lhs);
	same_cond(a->rhs, b->rhs);
	same_name(a->name, b->name);
	same_name(a->group, b->group);
	same_name(a->on, b->on);
	SAME(a->positive, b->positive);
	same_stores(&a->stores, &b->stores);
	SAME(a->op, b->op);
	same_lits(a->lit, b->lit);
	same_str(a->fact, b->fact, "fact");
}

static void same_actions(const struct ast_action *a, const struct ast_action *b)
{
	for (; a != NULL || b != NULL; a = a->next, b = b->next) {
		SAME(a != NULL, b != NULL);
		SAME(a->kind, b->kind);
		same_loc(a->loc, b->loc);
		same_name(a->arg, b->arg);
		same_stores(&a->stores, &b->stores);
		same_name(a->on, b->on);
		same_name(a->to, b->to);
		same_cond(a->cond, b->cond);
		SAME(a->duration, b->duration);
		same_str(a->message, b->message, "message");
		/* resolved, after both were checked */
		SAME(a->index, b->index);
	}
}

static void same_stmts(const struct ast_stmt *a, const struct ast_stmt *b)
{
	for (; a != NULL || b != NULL; a = a->next, b = b->next) {
		SAME(a != NULL, b != NULL);
		SAME(a->kind, b->kind);
		same_loc(a->loc, b->loc);
		same_loc(a->head, b->head);
		same_name(a->name, b->name);
		same_str(a->title, b->title, "title");
		same_name(a->on, b->on);
		same_actions(a->actions, b->actions);
		same_name(a->set, b->set);
		SAME(a->serial, b->serial);
		same_cond(a->cond, b->cond);
		same_stmts(a->body, b->body);
		same_stmts(a->else_body, b->else_body);
		SAME(a->has_else, b->has_else);
		SAME(a->index, b->index);
	}
}

static void same_requires(const struct ast_require *a, const struct ast_require *b)
{
	for (; a != NULL || b != NULL; a = a->next, b = b->next) {
		SAME(a != NULL, b != NULL);
		same_cond(a->cond, b->cond);
		same_str(a->message, b->message, "message");
		same_loc(a->loc, b->loc);
	}
}

static void same_plan(const struct ast_plan *a, const struct ast_plan *b)
{
	same_name(a->name, b->name);
	same_loc(a->loc, b->loc);
	same_str(a->title, b->title, "title");
	same_str(a->kb, b->kb, "kb");
	const struct ast_param *pa = a->params, *pb = b->params;
	for (; pa != NULL || pb != NULL; pa = pa->next, pb = pb->next) {
		SAME(pa != NULL, pb != NULL);
		same_name(pa->name, pb->name);
		same_loc(pa->loc, pb->loc);
		SAME(pa->type, pb->type);
		same_loc(pa->type_loc, pb->type_loc);
		same_lits(pa->def, pb->def);
		same_str(pa->doc, pb->doc, "doc");
	}
	same_requires(a->requires, b->requires);
	same_requires(a->ensures, b->ensures);
	const struct ast_model_item *ma = a->model, *mb = b->model;
	for (; ma != NULL || mb != NULL; ma = ma->next, mb = mb->next) {
		SAME(ma != NULL, mb != NULL);
		SAME(ma->kind, mb->kind);
		same_loc(ma->loc, mb->loc);
		same_name(ma->name, mb->name);
		same_name(ma->process, mb->process);
		SAME(ma->holds_stores, mb->holds_stores);
		same_name(ma->service, mb->service);
		same_name(ma->group, mb->group);
		SAME(ma->implicit, mb->implicit);
	}
	const struct ast_hotfix *ha = a->hotfixes, *hb = b->hotfixes;
	for (; ha != NULL || hb != NULL; ha = ha->next, hb = hb->next) {
		SAME(ha != NULL, hb != NULL);
		same_name(ha->name, hb->name);
		same_loc(ha->loc, hb->loc);
		same_str(ha->package, hb->package, "package");
		same_str(ha->args, hb->args, "args");
		SAME(ha->nrestarts, hb->nrestarts);
		for (uint32_t i = 0; i < ha->nrestarts; i++)
			same_name(ha->restarts[i], hb->restarts[i]);
		const struct ast_need *na = ha->needs, *nb = hb->needs;
		for (; na != NULL || nb != NULL; na = na->next, nb = nb->next) {
			assert_true(na != NULL && nb != NULL);
			SAME(na->kind, nb->kind);
			same_loc(na->loc, nb->loc);
			same_str(na->service.s, nb->service.s, "a need's service");
		}
		const struct ast_hfile *fa = ha->files, *fb = hb->files;
		for (; fa != NULL || fb != NULL; fa = fa->next, fb = fb->next) {
			SAME(fa != NULL, fb != NULL);
			same_name(fa->name, fb->name);
			same_loc(fa->loc, fb->loc);
			SAME(fa->has_version, fb->has_version);
			SAME(fa->has_size, fb->has_size);
			SAME(fa->has_sha256, fb->has_sha256);
			same_version(&fa->version, &fb->version);
			SAME(fa->size, fb->size);
			same_str(fa->sha256, fb->sha256, "sha256");
		}
	}
	const struct ast_procedure *xa = a->procs, *xb = b->procs;
	for (; xa != NULL || xb != NULL; xa = xa->next, xb = xb->next) {
		SAME(xa != NULL, xb != NULL);
		SAME(xa->kind, xb->kind);
		same_loc(xa->loc, xb->loc);
		same_loc(xa->head, xb->head);
		const struct ast_role *ra = xa->roles, *rb = xb->roles;
		for (; ra != NULL || rb != NULL; ra = ra->next, rb = rb->next) {
			SAME(ra != NULL, rb != NULL);
			SAME(ra->kind, rb->kind);
			same_name(ra->name, rb->name);
			same_loc(ra->loc, rb->loc);
			same_name(ra->group, rb->group);
			same_name(ra->except, rb->except);
		}
		same_stmts(xa->body, xb->body);
		SAME(xa->nsteps, xb->nsteps);
		SAME(xa->nactions, xb->nactions);
		SAME(xa->nroles, xb->nroles);
	}
	SAME(a->next == NULL, b->next == NULL);
}

/* ---- round trips ----------------------------------------------------------------------- */

static char *emit_json(struct hp_ctx *ctx, const struct ast_plan *plan)
{
	char *text = NULL, err[256] = "";
	size_t n = 0;
	FILE *m = open_memstream(&text, &n);
	assert_non_null(m);
	if (image_write_json(ctx, plan, m, err, sizeof(err)) != 0)
		fail_msg("image_write_json: %s", err);
	assert_int_equal(fclose(m), 0);
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	if (j == NULL)
		fail_msg("JSON does not parse: %s at line %d", je.text, je.line);
	json_decref(j);
	return text;
}

static void round_trip(const char *path)
{
	struct hp_ctx a, b, c, d;
	bool explicit_kind;
	unsigned kinds = plan_kinds(path, &explicit_kind);
	const char *why = NULL;
	size_t n1, n2, n3, n4, n5, n6;

	where = path;
	/* compile as `hotplan compile` would: parse, check clean, write */
	ctx_init(&a);
	struct ast_file *fa = parse_file(&a, path, &why);
	if (fa == NULL)
		fail_msg("%s", why);
	char *diags_a = check_print(&a, fa, kinds, explicit_kind);
	if (a.diags.n != 0)
		fail_msg("%s is not clean:\n%s", path, diags_a);
	unsigned char *img1 = compile(&a, fa, &n1);
	unsigned char *again = compile(&a, fa, &n2);
	assert_same_bytes(img1, n1, again, n2, "written twice");
	free(again);

	/* another context; written before the check (only parser fields are read) */
	ctx_init(&b);
	struct ast_file *fb = parse_file(&b, path, &why);
	assert_non_null(fb);
	unsigned char *img2 = compile(&b, fb, &n2);
	assert_same_bytes(img1, n1, img2, n2, "another context");
	ctx_free(&b);

	/* load, write back before and after the check, compare the AST and the diagnostics */
	ctx_init(&c);
	struct ast_file *fc = load(&c, img1, n1);
	assert_int_equal(c.nsources, 1);
	assert_string_equal(c.sources[0].path, path);
	unsigned char *img3 = compile(&c, fc, &n3);
	assert_same_bytes(img1, n1, img3, n3, "loaded, then written");
	char *diags_c = check_print(&c, fc, kinds, explicit_kind);
	assert_string_equal(diags_a, diags_c);
	assert_int_equal(c.diags.n, 0);
	unsigned char *img4 = compile(&c, fc, &n4);
	assert_same_bytes(img1, n1, img4, n4, "loaded, checked, then written");
	same_plan(fa->plans, fc->plans);
	char *ja = emit_json(&a, fa->plans), *jc = emit_json(&c, fc->plans);
	assert_string_equal(ja, jc);

	/* the loaded plan checks clean for every kind it has, like its source */
	for (unsigned k = CHECK_STANDALONE; k <= CHECK_ALL; k++) {
		struct hp_ctx s, l;
		ctx_init(&s);
		ctx_init(&l);
		struct ast_file *fs = parse_file(&s, path, &why);
		assert_non_null(fs);
		bool has = k == CHECK_ALL || fs->plans->procs == NULL;
		for (const struct ast_procedure *p = fs->plans->procs; p != NULL; p = p->next)
			has |= k == (1u << p->kind);
		if (has) {
			char *ds = check_print(&s, fs, k, k != CHECK_ALL);
			struct ast_file *fl = load(&l, img1, n1);
			char *dl = check_print(&l, fl, k, k != CHECK_ALL);
			assert_string_equal(ds, dl);
			free(ds);
			free(dl);
		}
		ctx_free(&s);
		ctx_free(&l);
	}

	/* loaded into a context that holds other sources already: locations are remapped */
	ctx_init(&d);
	static const char other[] = "plan other {\n    procedure standalone {\n    }\n}\n";
	parse_buffer(&d, "other.hplan", other, strlen(other));
	struct ast_file *fd = load(&d, img1, n1);
	assert_int_equal(fd->source, 1);
	assert_int_equal(fd->plans->loc.file, 1);
	unsigned char *img5 = compile(&d, fd, &n5);
	assert_same_bytes(img1, n1, img5, n5, "loaded after another source");
	unsigned before = d.diags.n;
	check_file(&d, fd, kinds, explicit_kind);
	assert_int_equal(d.diags.n, before);
	unsigned char *img6 = compile(&d, fd, &n6);
	assert_same_bytes(img1, n1, img6, n6, "loaded after another source, checked");

	/* the header's hash is the source's */
	size_t slen;
	char *src = slurp(path, &slen);
	unsigned char want[IMAGE_HASH_LEN], got[IMAGE_HASH_LEN];
	image_sha256(src, slen, want);
	assert_int_equal(image_source_hash(img1, n1, got), 0);
	assert_memory_equal(want, got, IMAGE_HASH_LEN);
	assert_true(image_is_image(img1, n1));

	free(src);
	free(ja);
	free(jc);
	free(diags_a);
	free(diags_c);
	free(img1);
	free(img2);
	free(img3);
	free(img4);
	free(img5);
	free(img6);
	ctx_free(&a);
	ctx_free(&c);
	ctx_free(&d);
}

static void round_trip_canonical(void **state)
{
	(void)state;
	round_trip("plans/ese-hotfix.hplan");
}

/* A plan that uses a library (`use pacemaker`): a version 2 image that carries the library's
 * declarations; loaded, it checks clean and writes back the same bytes. */
static void round_trip_library_plan(const char *path)
{
	struct hp_ctx a, c;
	const char *why = NULL;
	size_t n1, n2;
	where = path;
	setenv("HOTPLAN_LIB_PATH", "lib", 1);
	ctx_init(&a);
	struct ast_file *fa = parse_file(&a, path, &why);
	assert_non_null(fa);
	assert_non_null(fa->libraries);
	char *diags_a = check_print(&a, fa, CHECK_ALL, false);
	assert_string_equal(diags_a, "");
	unsigned char *img1 = compile(&a, fa, &n1);
	assert_int_equal(img1[8], 2);
	ctx_init(&c);
	struct ast_file *fc = load(&c, img1, n1);
	assert_non_null(fc->libraries);
	assert_int_equal(c.nsources, 2);   /* the plan and lib/pacemaker.hplan */
	char *diags_c = check_print(&c, fc, CHECK_ALL, false);
	assert_string_equal(diags_c, "");
	unsigned char *img2 = compile(&c, fc, &n2);
	assert_same_bytes(img1, n1, img2, n2, "loaded, checked, then written");
	free(diags_a);
	free(diags_c);
	free(img1);
	free(img2);
	ctx_free(&a);
	ctx_free(&c);
	unsetenv("HOTPLAN_LIB_PATH");
}

static void round_trip_clean_plans(void **state)
{
	(void)state;
	glob_t g;
	memset(&g, 0, sizeof(g));
	assert_int_equal(glob("tests/diag/*-ok.hplan", 0, NULL, &g), 0);
	assert_int_equal(glob("tests/diag/safe-*.hplan", GLOB_APPEND, NULL, &g), 0);
	assert_true(g.gl_pathc >= 30);
	for (size_t i = 0; i < g.gl_pathc; i++)
		round_trip(g.gl_pathv[i]);
	globfree(&g);
	round_trip_library_plan("plans/pacemaker-planned-failover.hplan");
}

/* What updates need and the notes libraries give (version 3, docs/language.md "What an update
 * needs"): the gating goldens' diagnostics (HP111/HP112 at their lines, with their product's
 * notes) are the same from the image as from the source, and so are an Exchange plan's that
 * says `use exchange-2003` (a hyphenated library name, with needs and notes). */
static void needs_same_from_image(const char *name, const char *text)
{
	struct hp_ctx a, c;
	const char *why = NULL;
	size_t n1, n2;
	where = name;
	ctx_init(&a);
	struct ast_file *fa = text != NULL ? parse_buffer(&a, name, text, strlen(text)) : parse_file(&a, name, &why);
	assert_non_null(fa);
	char *da = check_print(&a, fa, CHECK_ALL, false);
	unsigned char *img1 = compile(&a, fa, &n1);
	assert_int_equal(img1[8], 3);
	ctx_init(&c);
	struct ast_file *fc = load(&c, img1, n1);
	char *dc = check_print(&c, fc, CHECK_ALL, false);
	assert_string_equal(da, dc);
	same_plan(fa->plans, fc->plans);
	unsigned char *img2 = compile(&c, fc, &n2);
	assert_same_bytes(img1, n1, img2, n2, "loaded, checked, then written");
	free(da);
	free(dc);
	free(img1);
	free(img2);
	ctx_free(&a);
	ctx_free(&c);
}

static void round_trip_needs(void **state)
{
	(void)state;
	static const char *const plans[] = {
		"tests/diag/products/needs-cluster-stopped-bad.hplan",
		"tests/diag/products/needs-restart-bad.hplan",
		"tests/diag/products/needs-service-restart-bad.hplan",
		"tests/diag/products/needs-service-restart-ok.hplan",
	};
	for (size_t i = 0; i < sizeof(plans) / sizeof(plans[0]); i++)
		needs_same_from_image(plans[i], NULL);

	setenv("HOTPLAN_LIB_PATH", "lib", 1);
	size_t len;
	char *src = slurp("tests/diag/hp111-bad.hplan", &len);
	static const char use[] = "\nuse exchange-2003\n";
	char *text = malloc(len + sizeof(use));
	assert_non_null(text);
	memcpy(text, src, len);
	memcpy(text + len, use, sizeof(use));   /* with its NUL */
	needs_same_from_image("hp111-explicit.hplan", text);
	free(text);
	free(src);
	unsetenv("HOTPLAN_LIB_PATH");
}

/* ---- the canonical plan's image, for the damage tests --------------------------------- */

static unsigned char *canonical(size_t *len)
{
	struct hp_ctx ctx;
	const char *why = NULL;
	ctx_init(&ctx);
	struct ast_file *f = parse_file(&ctx, "plans/ese-hotfix.hplan", &why);
	assert_non_null(f);
	unsigned char *img = compile(&ctx, f, len);
	ctx_free(&ctx);
	return img;
}

/* image_read must refuse: returns the message (static). */
static const char *refused(const unsigned char *img, size_t len)
{
	static char err[512];
	struct hp_ctx ctx;
	struct ast_file *f = (struct ast_file *)1;
	ctx_init(&ctx);
	err[0] = '\0';
	int rc = image_read(&ctx, img, len, &f, err, sizeof(err));
	if (rc == 0)
		fail_msg("%s: a damaged image (%zu bytes) was loaded", where, len);
	assert_null(f);
	assert_int_equal(ctx.nsources, 0);   /* nothing added on failure */
	if (err[0] == '\0')
		fail_msg("%s: refused without a message", where);
	ctx_free(&ctx);
	return err;
}

static void every_byte_flipped(void **state)
{
	(void)state;
	size_t len;
	unsigned char *img = canonical(&len);
	where = "flipped byte";
	for (size_t i = 0; i < len; i++) {
		for (unsigned bit = 0; bit < 8; bit += 7) {   /* the lowest and the highest bit */
			img[i] ^= (unsigned char)(1u << bit);
			const char *msg = refused(img, len);
			if (i >= IMAGE_MAGIC_LEN + 4 + 8)   /* past magic, version and length: the checksum */
				assert_string_equal(msg, "image checksum mismatch: the file is corrupted or was changed");
			img[i] ^= (unsigned char)(1u << bit);
		}
	}
	free(img);
}

static void every_truncation(void **state)
{
	(void)state;
	size_t len;
	unsigned char *img = canonical(&len);
	unsigned char *cut = malloc(len + 1);
	assert_non_null(cut);
	where = "truncated";
	for (size_t n = 0; n < len; n++) {
		memcpy(cut, img, n);   /* a copy of exactly n bytes, so that ASan sees any overread */
		const char *msg = refused(cut, n);
		if (n >= 52) {
			char want[128];
			snprintf(want, sizeof(want), "image truncated at byte %zu (the header says %zu bytes)", n, len);
			assert_string_equal(msg, want);
		}
	}
	memcpy(cut, img, len);
	cut[len] = 0;
	const char *msg = refused(cut, len + 1);
	assert_non_null(strstr(msg, "trailing"));
	assert_string_equal(refused(cut, 0), "not a hotplan image (the file is empty)");
	assert_string_equal(refused(cut, 5), "image truncated at byte 5");
	free(cut);
	free(img);
}

static void fix_checksum(unsigned char *img, size_t len)
{
	image_sha256(img, len - IMAGE_HASH_LEN, img + len - IMAGE_HASH_LEN);
}

static void wrong_magic_and_version(void **state)
{
	(void)state;
	size_t len;
	unsigned char *img = canonical(&len);
	where = "header";

	img[0] = 'X';
	assert_string_equal(refused(img, len), "not a hotplan image");
	assert_false(image_is_image(img, len));
	img[0] = 'H';
	static const char text[] = "plan x {\n}\n";
	assert_string_equal(refused((const unsigned char *)text, sizeof(text) - 1), "not a hotplan image");

	img[8] = 4;
	fix_checksum(img, len);
	assert_string_equal(refused(img, len),
			    "image format version 4 is not supported (this hotplan reads versions 1 to 3)");
	img[8] = 7;
	assert_string_equal(refused(img, len),
			    "image format version 7 is not supported (this hotplan reads versions 1 to 3)");
	/* a version 1 image read as version 3: the declarations and needs it lacks run past its end */
	img[8] = 3;
	fix_checksum(img, len);
	assert_non_null(strstr(refused(img, len), "runs past the end"));
	img[8] = 1;
	fix_checksum(img, len);

	/* a length field that cannot be */
	img[12] = 3;
	img[13] = img[14] = img[15] = 0;
	assert_non_null(strstr(refused(img, len), "is impossible"));
	free(img);
}

/* ---- hand-made images: a valid checksum, absurd contents ------------------------------ */

struct bb {
	unsigned char *p;
	size_t n, cap;
};

static void bput(struct bb *b, const void *d, size_t k)
{
	if (b->n + k > b->cap) {
		b->cap = (b->n + k) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->n, d, k);
	b->n += k;
}

static void b8(struct bb *b, unsigned v)
{
	unsigned char c = (unsigned char)v;
	bput(b, &c, 1);
}

static void b32(struct bb *b, uint32_t v)
{
	unsigned char c[4] = { (unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 24) };
	bput(b, c, 4);
}

static void b64(struct bb *b, uint64_t v)
{
	b32(b, (uint32_t)v);
	b32(b, (uint32_t)(v >> 32));
}

static void bstr(struct bb *b, const char *s)
{
	if (s == NULL) {
		b32(b, 0xFFFFFFFFu);
		return;
	}
	b32(b, (uint32_t)strlen(s));
	bput(b, s, strlen(s));
}

static void bloc(struct bb *b, uint32_t file, uint32_t start, uint32_t end)
{
	b32(b, file);
	b32(b, start);
	b32(b, end);
}

/* The source of the hand-made images, and where its tokens are. */
static const char mini[] = "plan p {\n"
			   "    procedure standalone {\n"
			   "        step s {\n"
			   "            wait 1s\n"
			   "        }\n"
			   "    }\n"
			   "}\n";

static uint32_t at(const char *token)
{
	const char *p = strstr(mini, token);
	assert_non_null(p);
	return (uint32_t)(p - mini);
}

static uint32_t after(const char *token)
{
	return at(token) + (uint32_t)strlen(token);
}

/* What to make absurd in the hand-made image. */
enum damage {
	D_NONE,
	D_STMT_COUNT,        /* 2^31 statements */
	D_ACTION_COUNT,      /* 2^32 - 2 actions */
	D_PARAM_COUNT,
	D_SOURCE_COUNT,
	D_STRING_LEN,        /* a name of 0xFFFFFFF0 bytes */
	D_SOURCE_LEN,        /* a source text longer than the cap */
	D_ACTION_KIND,       /* an unknown action code */
	D_LOC_PAST_END,      /* a location past its source */
	D_LOC_FILE,          /* a location in a source that does not exist */
	D_BAD_IDENT,         /* a step named "s-1" */
	D_DURATION,          /* wait -5s */
	D_TRAILING,          /* bytes after the plan */
	D_EXTRA_SOURCE,      /* a second source nothing points into */
	D_DEEP_IF,           /* statements nested 65 deep */
	D_DEEP_COND,         /* a condition 65 `not`s deep */
	D_SOURCE_HASH,       /* the header's source hash is not the source's */
	D_NO_NAME,           /* the step has no name */
};

static void b_wait_step(struct bb *b, enum damage dmg)
{
	b8(b, 0);                                              /* S_STEP */
	bloc(b, 0, at("step"), after("        }"));
	bloc(b, 0, at("step"), after("step s"));
	if (dmg == D_NO_NAME)
		bstr(b, NULL);
	else
		bstr(b, dmg == D_BAD_IDENT ? "s-1" : "s");
	bloc(b, 0, at("s {"), at("s {") + 1);
	bstr(b, NULL);                                         /* title */
	bstr(b, NULL);                                         /* on: absent, placed after the name */
	bloc(b, 0, at("s {") + 1, at("s {") + 1);
	b32(b, dmg == D_ACTION_COUNT ? 0xFFFFFFFEu : 1);
	b8(b, dmg == D_ACTION_KIND ? 15 : 11);                /* A_WAIT */
	bloc(b, dmg == D_LOC_FILE ? 3 : 0, at("wait"), dmg == D_LOC_PAST_END ? (uint32_t)sizeof(mini) + 1 : after("1s"));
	b64(b, dmg == D_DURATION ? (uint64_t)-5 : 1);
}

static unsigned char *handmade(enum damage dmg, size_t *len)
{
	struct bb b = { 0 };
	unsigned char zero[32] = { 0 };

	bput(&b, "HPLANIMG", 8);
	b32(&b, 1);
	b64(&b, 0);                                            /* total, set below */
	bput(&b, zero, 32);                                    /* source hash, set below */
	b32(&b, dmg == D_SOURCE_COUNT ? 0x7FFFFFFFu : dmg == D_EXTRA_SOURCE ? 2 : 1);
	bstr(&b, "mini.hplan");
	b32(&b, dmg == D_SOURCE_LEN ? 0x7FFFFFFFu : (uint32_t)strlen(mini));
	bput(&b, mini, strlen(mini));
	if (dmg == D_EXTRA_SOURCE) {
		bstr(&b, "extra.hplan");
		b32(&b, 3);
		bput(&b, "abc", 3);
	}
	/* the plan */
	if (dmg == D_STRING_LEN)
		b32(&b, 0xFFFFFFF0u);
	else
		bstr(&b, "p");
	bloc(&b, 0, at("p {"), at("p {") + 1);
	bloc(&b, 0, 0, (uint32_t)strlen(mini) - 1);
	bstr(&b, NULL);                                        /* title */
	bstr(&b, NULL);                                        /* kb */
	b32(&b, dmg == D_PARAM_COUNT ? 0xFFFFFFFFu - 1 : 0);   /* params */
	b32(&b, 0);                                            /* requires */
	b32(&b, 0);                                            /* ensures */
	b32(&b, 0);                                            /* model */
	b32(&b, 0);                                            /* hotfixes */
	b32(&b, 1);                                            /* procedures */
	b8(&b, 0);                                             /* standalone */
	bloc(&b, 0, at("procedure"), after("\n    }"));
	bloc(&b, 0, at("procedure"), after("procedure standalone"));
	b32(&b, 0);                                            /* roles */
	if (dmg == D_DEEP_IF) {
		/* if x { if x { … step s … } } 65 deep; x is a bool param that does not exist, but
		 * the nesting is refused first */
		for (int i = 0; i < 65; i++) {
			b32(&b, 1);
			b8(&b, 3);                             /* S_IF */
			bloc(&b, 0, at("step"), after("        }"));
			bloc(&b, 0, at("step"), after("step"));
			b8(&b, 15);                            /* C_PARAM */
			bloc(&b, 0, at("s {"), at("s {") + 1);
			bstr(&b, "s");
			bloc(&b, 0, at("s {"), at("s {") + 1);
		}
		b32(&b, 1);
		b_wait_step(&b, dmg);
		for (int i = 0; i < 65; i++)
			b8(&b, 0);                             /* has_else */
	} else if (dmg == D_DEEP_COND) {
		b32(&b, 1);
		b8(&b, 0);
		bloc(&b, 0, at("step"), after("        }"));
		bloc(&b, 0, at("step"), after("step s"));
		bstr(&b, "s");
		bloc(&b, 0, at("s {"), at("s {") + 1);
		bstr(&b, NULL);
		bstr(&b, NULL);
		bloc(&b, 0, at("s {") + 1, at("s {") + 1);
		b32(&b, 1);
		b8(&b, 12);                                    /* A_VERIFY */
		bloc(&b, 0, at("wait"), after("1s"));
		for (int i = 0; i < 65; i++) {
			b8(&b, 2);                             /* C_NOT */
			bloc(&b, 0, at("wait"), after("1s"));
		}
		b8(&b, 15);
		bloc(&b, 0, at("s {"), at("s {") + 1);
		bstr(&b, "s");
		bloc(&b, 0, at("s {"), at("s {") + 1);
		bstr(&b, NULL);
	} else {
		b32(&b, dmg == D_STMT_COUNT ? 0x80000000u : 1);
		b_wait_step(&b, dmg);
	}
	if (dmg == D_TRAILING)
		b32(&b, 0);
	bput(&b, zero, 32);                                    /* the checksum */
	unsigned char *p = b.p;
	uint64_t total = b.n;
	for (int i = 0; i < 8; i++)
		p[12 + i] = (unsigned char)(total >> (8 * i));
	image_sha256(mini, strlen(mini), p + 20);
	if (dmg == D_SOURCE_HASH)
		p[20] ^= 1;
	fix_checksum(p, b.n);
	*len = b.n;
	return p;
}

static void handmade_image_is_the_written_one(void **state)
{
	(void)state;
	size_t len, wlen;
	unsigned char *img = handmade(D_NONE, &len);
	struct hp_ctx ctx;
	ctx_init(&ctx);
	struct ast_file *f = parse_buffer(&ctx, "mini.hplan", mini, strlen(mini));
	check_file(&ctx, f, CHECK_ALL, false);
	assert_int_equal(ctx.diags.n, 0);
	unsigned char *w = compile(&ctx, f, &wlen);
	/* docs/image.md describes the format exactly: the bytes made here from it are the
	 * bytes the writer makes */
	assert_same_bytes(w, wlen, img, len, "hand-made vs written");
	ctx_free(&ctx);

	ctx_init(&ctx);
	f = load(&ctx, img, len);
	check_file(&ctx, f, CHECK_ALL, false);
	assert_int_equal(ctx.diags.n, 0);
	assert_int_equal(f->plans->procs->body->actions->duration, 1);
	ctx_free(&ctx);
	free(w);
	free(img);
}

static void absurd_contents_refused(void **state)
{
	(void)state;
	static const struct {
		enum damage dmg;
		const char *want;   /* in the message */
	} cases[] = {
		{ D_STMT_COUNT, "2147483648 statements cannot fit" },
		{ D_ACTION_COUNT, "4294967294 actions cannot fit" },
		{ D_PARAM_COUNT, "4294967294 params cannot fit" },
		{ D_SOURCE_COUNT, "2147483647 sources cannot fit" },
		{ D_STRING_LEN, "the plan's name runs past the end" },
		{ D_SOURCE_LEN, "larger than 64 MiB" },
		{ D_ACTION_KIND, "unknown action code 15" },
		{ D_LOC_PAST_END, "does not fit in source 0" },
		{ D_LOC_FILE, "names source 3" },
		{ D_BAD_IDENT, "the step's name is not a well-formed identifier" },
		{ D_DURATION, "a duration -5 is out of range" },
		{ D_TRAILING, "4 bytes of unknown data after the plan" },
		{ D_EXTRA_SOURCE, "source 1 is not used by the plan" },
		{ D_DEEP_IF, "statements are nested more than 64 deep" },
		{ D_DEEP_COND, "a condition is nested more than 64 deep" },
		{ D_SOURCE_HASH, "the recorded source SHA-256 is not that of the source it holds" },
		{ D_NO_NAME, "the step's name is missing" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len;
		unsigned char *img = handmade(cases[i].dmg, &len);
		char err[512] = "";
		struct hp_ctx ctx;
		struct ast_file *f = NULL;
		ctx_init(&ctx);
		where = cases[i].want;
		if (image_read(&ctx, img, len, &f, err, sizeof(err)) == 0)
			fail_msg("loaded an image with damage %d", (int)cases[i].dmg);
		if (strstr(err, cases[i].want) == NULL || strncmp(err, "image is malformed at byte ", 27) != 0)
			fail_msg("damage %d: want \"%s\", got \"%s\"", (int)cases[i].dmg, cases[i].want, err);
		assert_int_equal(ctx.nsources, 0);
		assert_true(ctx.arena.used < (size_t)64 * 1024);   /* nothing allocated for the absurd count */
		ctx_free(&ctx);
		free(img);
	}
}

/* Random damage with the checksum made valid again: the loader refuses or loads; what it
 * loads writes back to the same bytes and goes through the checker. */
#define ROUNDS 5000

static void random_damage_with_valid_checksum(void **state)
{
	(void)state;
	size_t len;
	unsigned char *orig = canonical(&len);
	unsigned char *img = malloc(len);
	uint64_t seed = 0x9E3779B97F4A7C15u;
	unsigned loaded = 0;
	assert_non_null(img);
	where = "random damage";
	/* most of the damage goes to the plan's encoding, after the source text */
	uint32_t pathlen = (uint32_t)orig[56] | (uint32_t)orig[57] << 8;
	size_t textlen_at = 60 + pathlen;
	size_t plan_at = textlen_at + 4 + ((size_t)orig[textlen_at] | (size_t)orig[textlen_at + 1] << 8 |
					   (size_t)orig[textlen_at + 2] << 16);
	assert_true(plan_at < len - 32);
	for (int iter = 0; iter < ROUNDS; iter++) {
		memcpy(img, orig, len);
		seed = seed * 6364136223846793005u + 1442695040888963407u;
		int nflips = 1 + (int)((seed >> 33) % 3);
		for (int k = 0; k < nflips; k++) {
			seed = seed * 6364136223846793005u + 1442695040888963407u;
			size_t from = (seed >> 8) % 8 == 0 ? 52 : plan_at;
			size_t pos = from + (size_t)((seed >> 20) % (len - from - 32));
			unsigned v = (unsigned)(seed >> 56);
			img[pos] = (seed >> 12) & 1 ? (unsigned char)v : (unsigned char)(img[pos] ^ (1u << (v & 7)));
		}
		fix_checksum(img, len);
		struct hp_ctx ctx;
		struct ast_file *f = NULL;
		char err[512] = "";
		ctx_init(&ctx);
		if (image_read(&ctx, img, len, &f, err, sizeof(err)) == 0) {
			loaded++;
			unsigned char *w = NULL;
			size_t wlen = 0;
			if (image_write(&ctx, f->plans, &w, &wlen, err, sizeof(err)) != 0)
				fail_msg("an image that loads does not write back: %s", err);
			assert_same_bytes(img, len, w, wlen, "damaged, loaded, written");
			free(w);
			check_file(&ctx, f, CHECK_ALL, false);
			diag_finish(&ctx);
		} else {
			assert_true(err[0] != '\0');
		}
		ctx_free(&ctx);
	}
	print_message("random damage: %u of %d images still loaded\n", loaded, ROUNDS);
	free(img);
	free(orig);
}

static void read_file_cases(void **state)
{
	(void)state;
	unsigned char *buf = NULL;
	size_t len = 0;
	char err[512];

	assert_int_equal(image_read_file("tests/no-such-file.hpc", &buf, &len, err, sizeof(err)), -1);
	assert_string_equal(err, "cannot read 'tests/no-such-file.hpc': No such file or directory");
	assert_int_equal(image_read_file("tests", &buf, &len, err, sizeof(err)), -1);
	assert_string_equal(err, "cannot read 'tests': is a directory");
	assert_int_equal(image_read_file("/dev/null", &buf, &len, err, sizeof(err)), -1);
	assert_string_equal(err, "cannot read '/dev/null': not a regular file");
	assert_null(buf);

	size_t n;
	unsigned char *img = canonical(&n);
	char path[] = "/tmp/test_image_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, img, n), (ssize_t)n);
	close(fd);
	assert_int_equal(image_read_file(path, &buf, &len, err, sizeof(err)), 0);
	assert_same_bytes(img, n, buf, len, "read back");
	free(buf);
	/* an empty file reads as 0 bytes (and is then refused as an image) */
	assert_int_equal(truncate(path, 0), 0);
	assert_int_equal(image_read_file(path, &buf, &len, err, sizeof(err)), 0);
	assert_int_equal(len, 0);
	free(buf);
	unlink(path);
	free(img);
}

static void json_content(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	const char *why = NULL;
	ctx_init(&ctx);
	struct ast_file *f = parse_file(&ctx, "plans/ese-hotfix.hplan", &why);
	assert_non_null(f);
	char *text = emit_json(&ctx, f->plans);
	json_t *j = json_loads(text, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "format")), "hotplan-image");
	assert_int_equal(json_integer_value(json_object_get(j, "version")), 1);
	json_t *src = json_object_get(j, "source");
	assert_string_equal(json_string_value(json_object_get(src, "path")), "plans/ese-hotfix.hplan");
	unsigned char h[IMAGE_HASH_LEN];
	char hex[2 * IMAGE_HASH_LEN + 1];
	image_sha256(ctx.sources[0].text, ctx.sources[0].len, h);
	image_hex(h, sizeof(h), hex);
	assert_string_equal(json_string_value(json_object_get(src, "sha256")), hex);
	json_t *plan = json_object_get(j, "plan");
	assert_string_equal(json_string_value(json_object_get(plan, "name")), "ese_hotfix");
	json_t *procs = json_object_get(plan, "procedures");
	assert_int_equal(json_array_size(procs), 2);
	json_t *steps = json_object_get(json_array_get(procs, 0), "steps");
	assert_int_equal(json_array_size(steps), 8);   /* six steps, two checkpoints */
	json_t *first = json_array_get(json_object_get(json_array_get(steps, 0), "actions"), 0);
	assert_string_equal(json_string_value(json_object_get(first, "kind")), "dismount");
	assert_string_equal(json_string_value(json_object_get(first, "text")), "dismount stores not in affected");
	assert_int_equal(json_integer_value(json_object_get(first, "line")), 25);
	assert_int_equal(json_integer_value(json_object_get(first, "column")), 13);
	/* the cluster procedure: the failback step is inside `if failback` */
	json_t *csteps = json_object_get(json_array_get(procs, 1), "steps");
	bool found = false;
	for (size_t i = 0; i < json_array_size(csteps); i++) {
		json_t *st = json_array_get(csteps, i);
		if (strcmp(json_string_value(json_object_get(st, "name")), "failback") != 0)
			continue;
		json_t *w = json_array_get(json_object_get(st, "within"), 0);
		assert_string_equal(json_string_value(json_object_get(w, "if")), "failback");
		assert_string_equal(json_string_value(json_object_get(w, "branch")), "then");
		found = true;
	}
	assert_true(found);
	/* the same as the resolved indices */
	check_file(&ctx, f, CHECK_ALL, false);
	const struct ast_stmt *last = f->plans->proc[PROC_CLUSTER]->body;
	while (last->next != NULL)
		last = last->next;
	json_t *jl = json_array_get(csteps, json_array_size(csteps) - 1);
	assert_int_equal(json_integer_value(json_object_get(jl, "index")), last->index);
	json_decref(j);
	free(text);
	ctx_free(&ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip_canonical),
		cmocka_unit_test(round_trip_clean_plans),
		cmocka_unit_test(round_trip_needs),
		cmocka_unit_test(every_byte_flipped),
		cmocka_unit_test(every_truncation),
		cmocka_unit_test(wrong_magic_and_version),
		cmocka_unit_test(handmade_image_is_the_written_one),
		cmocka_unit_test(absurd_contents_refused),
		cmocka_unit_test(random_damage_with_valid_checksum),
		cmocka_unit_test(read_file_cases),
		cmocka_unit_test(json_content),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
