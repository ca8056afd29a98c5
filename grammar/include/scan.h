/* scan.h: the front end's scanner as a token stream, for tools that compare the tokens of
 * two texts (`hotplan fmt` proves its output with it). A struct scan is malloc'd by
 * scan_open and freed by scan_close; token values are not kept, only kinds and places. */
#ifndef HP_SCAN_H
#define HP_SCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "ctx.h"

/* A token: its kind (a number the parser gives it: two tokens are of one kind or not;
 * nothing else is promised) and its bytes [start, end) of the source. */
struct scan_tok {
	int kind;
	uint32_t start, end;
};

struct scan;

/* Start scanning source `src` of ctx with the real scanner (grammar/lexer.l). The source
 * text is only read. Aborts when out of memory. */
struct scan *scan_open(struct hp_ctx *ctx, uint32_t src);

/* The next token into *t: false at the end of the text, or once the scanner gave up (too
 * many errors). Lexical errors are reported into the context as HP001 diagnostics. */
bool scan_next(struct scan *s, struct scan_tok *t);

/* Free the scanner; returns the number of lexical errors it reported. */
unsigned scan_close(struct scan *s);

#endif
