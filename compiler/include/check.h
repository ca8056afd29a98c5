/* check.h: the checker's entry point: name and type resolution (sema, resolve.c), then the
 * abstract simulation of each procedure over the model (check.c). Diagnostics go to the
 * context; nothing is returned that the caller must free. */
#ifndef HP_CHECK_H
#define HP_CHECK_H

#include "ctx.h"

enum check_kinds {
	CHECK_STANDALONE = 1u << PROC_STANDALONE,
	CHECK_CLUSTER = 1u << PROC_CLUSTER,
	CHECK_ALL = CHECK_STANDALONE | CHECK_CLUSTER,
};

/* Resolve every plan of `file` (HP002-HP006, HP201, HP202, HP205) and fill the AST's
 * resolved fields. Returns false when a plan has name or type errors. Idempotent. */
bool sema_resolve(struct hp_ctx *ctx, struct ast_file *file, unsigned kinds);

/* Resolve, then simulate each procedure `kinds` asks for (HP006 when a plan lacks one
 * that was asked for explicitly; with CHECK_ALL a plan is checked for the kinds it has).
 * `explicit_kind`: true when the user named the kind (--kind). */
void check_file(struct hp_ctx *ctx, struct ast_file *file, unsigned kinds, bool explicit_kind);

#endif
