/* text.h: the text of commands and of what they printed, made fit for a message or a line on a
 * terminal: control characters escaped, an output's last lines, a literal as a command line
 * writes it. Used by the command driver's parts (driver_cmd.h). Buffers are the caller's;
 * strings returned live in the arena passed in. */
#ifndef HP_TEXT_H
#define HP_TEXT_H

#include <stddef.h>

#include "arena.h"
#include "ast.h"

/* s (at most max bytes of it) into out[len], control characters as \n, \t, \xNN, and "..."
 * when s was longer; cut to fit. */
void text_escape(char *out, size_t len, const char *s, size_t max);

/* The last `lines` non-empty lines of a command's output `tail`, joined by " | ", escaped,
 * into out[len]. */
void text_tail_lines(const char *tail, unsigned lines, char *out, size_t len);

/* The last non-empty line of `tail`, trimmed: what `probe group owner` and `probe file
 * version` answer. "" when there is none. */
const char *text_last_line(struct arena *a, const char *tail);

/* A literal as a command line writes it: a string as it is, 90s, 6.5.7232.54, true. */
const char *text_literal(struct arena *a, const struct ast_literal *l);

#endif
