/* parse.h: the front end's interface: text -> AST (grammar/lexer.l, grammar/parser.y).
 * The AST lives in the context's arena; syntax errors are reported as HP001 diagnostics. */
#ifndef HP_PARSE_H
#define HP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "ctx.h"

/* Read `path` (at most HP_MAX_INPUT bytes; not a directory, FIFO or device) and parse it,
 * loading its imports (paths relative to the importing file; each file once; a cycle is
 * an HP001 error at the import). Plans and targets of imported files are appended to the
 * returned file's lists, after its own.
 * Returns NULL when `path` itself cannot be read: *why then holds a message such as
 * "cannot read 'x.hplan': No such file or directory" (arena-allocated).
 * Syntax errors do not return NULL: they are diagnostics; the AST holds what parsed. */
struct ast_file *parse_file(struct hp_ctx *ctx, const char *path, const char **why);

/* The directories `use NAME` looks in, in order, for a file at `near` (NULL: the current
 * directory): each of HOTPLAN_LIB_PATH, lib/ beside it and beside its directory,
 * PREFIX/share/hotplan/lib beside the running binary, the installed library directory.
 * Fills dirs (arena strings, at most max) and returns how many. */
unsigned parse_lib_dirs(struct hp_ctx *ctx, const char *near, const char **dirs, unsigned max);

/* Parse an in-memory buffer named `name` (copied); imports resolve relative to the
 * current directory. Never returns NULL. */
struct ast_file *parse_buffer(struct hp_ctx *ctx, const char *name, const char *text, size_t len);

/* Parse source `src` of the context alone into `out`: its imports are listed in
 * out->imports, not loaded (`hotplan fmt` formats a file on its own). Returns the number
 * of HP001 errors reported. */
unsigned parse_source(struct hp_ctx *ctx, uint32_t src, struct ast_file *out);

#endif
