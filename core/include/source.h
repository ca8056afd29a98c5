/* source.h: source buffers and positions. A source owns its text (read-only after load);
 * sources are owned by the compile context (ctx.h) and freed with it. */
#ifndef HP_SOURCE_H
#define HP_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A location: byte offsets [start, end) into source number `file` of the context. */
typedef struct loc {
	uint32_t file;
	uint32_t start, end;
} loc_t;

struct ast_library;

struct source {
	char *path;            /* as the user named it (or as resolved for imports) */
	char *text;            /* whole file, NUL-terminated; a leading BOM is kept (offsets stay true) */
	size_t len;
	uint32_t *line_start;  /* byte offset of each line's first byte; built on first use */
	uint32_t nlines;
	/* source_pos's last answer: the next one on the same line counts on from it (diagnostics
	 * are printed in position order: many on one long line stay linear) */
	uint32_t memo_off, memo_line, memo_col;   /* memo_col 0: none */
	/* the libraries the parser found in it (grammar/parse.c), for a later input of the same
	 * run that imports it again: a file is parsed once, its libraries seen by every input */
	struct ast_library *libs;
	uint32_t nlibs;
};

struct src_pos {
	uint32_t line;   /* 1-based */
	uint32_t col;    /* 1-based, counted in Unicode code points (a BOM counts for nothing) */
};

/* Byte offset -> line and column. Builds the line map on first call. */
struct src_pos source_pos(struct source *s, uint32_t off);
/* The text of 1-based line `line` without its line ending; *len receives its length in bytes. */
const char *source_line(struct source *s, uint32_t line, size_t *len);
/* Free the line map and text (not the struct itself). */
void source_release(struct source *s);

#endif
