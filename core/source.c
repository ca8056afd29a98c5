/* source.c: line maps and code-point columns. */
#include "source.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"

static void build_map(struct source *s)
{
	uint32_t n = 1, cap = 256;
	uint32_t *ls = malloc(cap * sizeof(*ls));
	if (ls == NULL)
		arena_oom(0);
	ls[0] = 0;
	for (const char *p = s->text, *e = s->text + s->len;
	     (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++) {
		if (n == cap) {
			cap *= 2;
			uint32_t *nls = realloc(ls, cap * sizeof(*ls));
			if (nls == NULL)
				arena_oom(0);
			ls = nls;
		}
		ls[n++] = (uint32_t)(p - s->text) + 1;
	}
	s->line_start = ls;
	s->nlines = n;
}

struct src_pos source_pos(struct source *s, uint32_t off)
{
	struct src_pos pos = { 1, 1 };
	if (s->line_start == NULL)
		build_map(s);
	if (off > s->len)
		off = (uint32_t)s->len;
	/* binary search: last line whose start <= off */
	uint32_t lo = 0, hi = s->nlines;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (s->line_start[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	pos.line = lo + 1;
	uint32_t col = 1;
	uint32_t b = s->line_start[lo];
	if (b == 0 && s->len >= 3 && memcmp(s->text, "\xEF\xBB\xBF", 3) == 0)
		b = off >= 3 ? 3 : off;
	if (s->memo_col != 0 && s->memo_line == lo && s->memo_off >= b && s->memo_off <= off) {
		b = s->memo_off;
		col = s->memo_col;
	}
	for (; b < off; b++)
		if (((unsigned char)s->text[b] & 0xC0) != 0x80)
			col++;
	pos.col = col;
	s->memo_off = off;
	s->memo_line = lo;
	s->memo_col = col;
	return pos;
}

const char *source_line(struct source *s, uint32_t line, size_t *len)
{
	if (s->line_start == NULL)
		build_map(s);
	if (line == 0 || line > s->nlines) {
		*len = 0;
		return "";
	}
	uint32_t b = s->line_start[line - 1];
	uint32_t e = line < s->nlines ? s->line_start[line] - 1 : (uint32_t)s->len;
	if (b == 0 && s->len >= 3 && memcmp(s->text, "\xEF\xBB\xBF", 3) == 0)
		b = 3 <= e ? 3 : e;
	if (e > b && s->text[e - 1] == '\r')
		e--;
	*len = e - b;
	return s->text + b;
}

void source_release(struct source *s)
{
	free(s->line_start);
	free(s->text);
	s->line_start = NULL;
	s->text = NULL;
}
