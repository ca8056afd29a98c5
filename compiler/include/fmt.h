/* fmt.h: the canonical layout of .hplan files (`hotplan fmt`, docs/fmt.md).
 *
 * The formatter works on the token stream with its comments and line breaks: it changes
 * only the white space between tokens (indentation, spaces, line breaks, blank lines) and
 * the line ends, never a token or a comment's text. A file the parser rejects is not
 * formatted. fmt_source proves each result against the real scanner (grammar/lexer.l):
 * the tokens before and after must be byte-identical, and so must the comments.
 *
 * Buffers returned are malloc'd, NUL-terminated, and belong to the caller. */
#ifndef HP_FMT_H
#define HP_FMT_H

#include <stdbool.h>
#include <stddef.h>

#include "ctx.h"

enum fmt_status {
	FMT_OK = 0,
	FMT_SYNTAX = 1,     /* the text has syntax errors: HP001 diagnostics are in the context */
	FMT_BUG = 2,        /* the formatter could not prove its result (a bug): see err */
};

/* Format `text` (len bytes; at most HP_MAX_INPUT), named `name` in diagnostics. Parses it
 * (without loading its imports): on syntax errors, returns FMT_SYNTAX with the HP001
 * diagnostics reported in ctx (the text is ctx's newest source) and *out NULL. Otherwise
 * lays it out, checks that tokens and comments are unchanged, and returns FMT_OK with
 * the result in *out / *outlen (equal to the input when it was formatted already). */
enum fmt_status fmt_source(struct hp_ctx *ctx, const char *name, const char *text, size_t len,
			   char **out, size_t *outlen, char *err, size_t errlen);

/* The layout alone, for text the parser accepts: no parse and no proof. Returns 0, or -1
 * when the text holds something that is not a token of the language (then *out is NULL). */
int fmt_layout(const char *text, size_t len, char **out, size_t *outlen);

/* Whether a and b scan (grammar/lexer.l) to the same tokens, byte for byte, and hold the
 * same comments (their text without trailing white space), in order. On false, err says
 * where they first differ. Used by fmt_source and the tests. */
bool fmt_same_tokens(const char *a, size_t alen, const char *b, size_t blen, char *err, size_t errlen);

#endif
