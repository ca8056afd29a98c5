/* fmt_verify.c: `hotplan fmt`'s front door and its proof. fmt_source parses the text with
 * the real parser (syntax errors: no formatting), lays it out (fmt.c), then proves the
 * result with the real scanner (grammar/lexer.l): the same tokens, byte for byte, and the
 * same comments, in order. Only white space and line ends may differ. */
#include "fmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt_tok.h"
#include "parse.h"
#include "scan.h"
#include "util.h"

#define INPUT_LIMIT ((size_t)HP_MAX_INPUT)

static char *copy_text(const char *text, size_t len)
{
	char *c = malloc(len + 1);
	if (c == NULL) {
		fputs("hotplan: out of memory\n", stderr);
		abort();
	}
	memcpy(c, text, len);
	c[len] = '\0';
	return c;
}

/* Scan source src of ctx with the real scanner into *v (malloc'd). Returns the number of
 * lexical errors (reported into ctx). */
static unsigned scan(struct hp_ctx *ctx, uint32_t src, struct scan_tok **v, size_t *n)
{
	struct scan *sc = scan_open(ctx, src);
	struct scan_tok t;
	size_t cap = 0;

	*v = NULL;
	*n = 0;
	while (scan_next(sc, &t)) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			struct scan_tok *nv = realloc(*v, cap * sizeof(**v));
			if (nv == NULL) {
				fputs("hotplan: out of memory\n", stderr);
				abort();
			}
			*v = nv;
		}
		(*v)[(*n)++] = t;
	}
	return scan_close(sc);
}

static bool same_comments(const char *a, size_t alen, const char *b, size_t blen, char *err, size_t errlen)
{
	struct fmt_toks A, B;
	bool ok = true;
	size_t i = 0, j = 0;

	if (fmt_tokenize(a, alen, &A) != 0) {
		util_err(err, errlen, "the formatter cannot split the input into tokens");
		return false;
	}
	if (fmt_tokenize(b, blen, &B) != 0) {
		free(A.v);
		util_err(err, errlen, "the formatter cannot split its output into tokens");
		return false;
	}
	for (;;) {
		while (i < A.n && A.v[i].kind != TK_COMMENT)
			i++;
		while (j < B.n && B.v[j].kind != TK_COMMENT)
			j++;
		if (i == A.n || j == B.n) {
			if (i != A.n || j != B.n) {
				util_err(err, errlen, "a comment was %s", i != A.n ? "lost" : "added");
				ok = false;
			}
			break;
		}
		if (A.v[i].n != B.v[j].n || memcmp(a + A.v[i].off, b + B.v[j].off, A.v[i].n) != 0) {
			util_err(err, errlen, "comment `%.*s` changed", (int)(A.v[i].n > 60 ? 60 : A.v[i].n),
				 a + A.v[i].off);
			ok = false;
			break;
		}
		i++;
		j++;
	}
	free(A.v);
	free(B.v);
	return ok;
}

bool fmt_same_tokens(const char *a, size_t alen, const char *b, size_t blen, char *err, size_t errlen)
{
	struct hp_ctx ctx;
	struct scan_tok *A = NULL, *B = NULL;
	size_t na = 0, nb = 0;
	bool ok = true;

	if (alen > INPUT_LIMIT || blen > INPUT_LIMIT) {
		util_err(err, errlen, "input larger than %u bytes", HP_MAX_INPUT);
		return false;
	}
	ctx_init(&ctx);
	uint32_t sa = ctx_add_source(&ctx, "before", copy_text(a, alen), alen);
	uint32_t sb = ctx_add_source(&ctx, "after", copy_text(b, blen), blen);
	unsigned ea = scan(&ctx, sa, &A, &na);
	unsigned eb = scan(&ctx, sb, &B, &nb);
	const char *ta = ctx_source(&ctx, sa)->text, *tb = ctx_source(&ctx, sb)->text;

	if (eb > ea) {
		util_err(err, errlen, "the result has %u lexical error%s", eb, eb == 1 ? "" : "s");
		ok = false;
	}
	for (size_t k = 0; ok && k < na && k < nb; k++) {
		uint32_t la = A[k].end - A[k].start, lb = B[k].end - B[k].start;
		if (A[k].kind != B[k].kind || la != lb || memcmp(ta + A[k].start, tb + B[k].start, la) != 0) {
			util_err(err, errlen, "token %zu `%.*s` became `%.*s`", k + 1, (int)(la > 60 ? 60 : la),
				 ta + A[k].start, (int)(lb > 60 ? 60 : lb), tb + B[k].start);
			ok = false;
		}
	}
	if (ok && na != nb) {
		util_err(err, errlen, "%zu tokens became %zu", na, nb);
		ok = false;
	}
	if (ok)
		ok = same_comments(a, alen, b, blen, err, errlen);
	free(A);
	free(B);
	ctx_free(&ctx);
	return ok;
}

enum fmt_status fmt_source(struct hp_ctx *ctx, const char *name, const char *text, size_t len,
			   char **out, size_t *outlen, char *err, size_t errlen)
{
	*out = NULL;
	*outlen = 0;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (len > INPUT_LIMIT) {
		uint32_t src = ctx_add_source(ctx, name, copy_text("", 0), 0);
		loc_t l = { src, 0, 0 };
		diag_report(ctx, HP001, l, "input is larger than %u MiB",
			    (unsigned)(INPUT_LIMIT / ((size_t)1024 * 1024)));
		return FMT_SYNTAX;
	}
	/* the file alone: its imports are other files, formatted on their own */
	uint32_t src = ctx_add_source(ctx, name, copy_text(text, len), len);
	struct ast_file *f = arena_alloc(&ctx->arena, sizeof(*f));
	if (parse_source(ctx, src, f) > 0)
		return FMT_SYNTAX;
	if (fmt_layout(text, len, out, outlen) != 0) {
		util_err(err, errlen, "the formatter cannot split the text into tokens");
		return FMT_BUG;
	}
	if (!fmt_same_tokens(text, len, *out, *outlen, err, errlen)) {
		free(*out);
		*out = NULL;
		*outlen = 0;
		return FMT_BUG;
	}
	return FMT_OK;
}
