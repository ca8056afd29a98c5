/* shell_words.h: the words of a shell line that leaves the shell nothing to do but run them.
 *
 * A line is literal when it is blank-separated words (space, tab), each made of unquoted
 * characters from [A-Za-z0-9_./:@%+,=-] and '…' segments (any byte but the single quote
 * inside, as shell_quote writes them). Such a line has no expansion, glob, redirection,
 * operator, comment, escape or newline: its words are what a POSIX shell would pass to the
 * program it names, whatever the shell and the locale. What the first word means (a builtin,
 * a reserved word, an assignment) is the caller's to judge. Used where a shell can be left out
 * (transport_local.c runs a literal line without /bin/sh; lock_target.c reads a profile's
 * `lock` path on this machine). */
#ifndef HP_SHELL_WORDS_H
#define HP_SHELL_WORDS_H

#include <stddef.h>

/* The words of `line` when it is literal: a malloc'd NULL-terminated vector, words and all in
 * one block (free it once), their number in *n (at least 1). NULL when the line is not literal,
 * has no word, or memory runs out (the caller falls back to the shell either way). */
char **shell_words_literal(const char *line, size_t *n);

#endif
