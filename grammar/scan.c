/* scan.c: the token stream of scan.h over the scanner of lexer.l. */
#include "scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pstate.h"

struct scan {
	struct pstate ps;
};

static void oom(void)
{
	fputs("hotplan: out of memory\n", stderr);
	abort();
}

struct scan *scan_open(struct hp_ctx *ctx, uint32_t src)
{
	struct scan *s = calloc(1, sizeof(*s));
	const struct source *text = ctx_source(ctx, src);

	if (s == NULL)
		oom();
	s->ps.ctx = ctx;
	s->ps.file = src;
	s->ps.text = text->text;
	s->ps.len = (uint32_t)text->len;
	s->ps.prev_tok = -1;
	if (!lex_open(&s->ps))
		oom();
	return s;
}

bool scan_next(struct scan *s, struct scan_tok *t)
{
	HP_YYSTYPE val;
	HP_YYLTYPE loc;

	if (s->ps.stop)
		return false;
	int kind = lex_scan(&val, &loc, s->ps.scanner);
	if (kind == 0 || s->ps.stop)
		return false;
	t->kind = kind;
	t->start = loc.start;
	t->end = loc.end;
	return true;
}

unsigned scan_close(struct scan *s)
{
	unsigned errors = s->ps.nerrors;

	lex_close(&s->ps);
	free(s->ps.sbuf);
	free(s);
	return errors;
}
