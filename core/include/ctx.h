/* ctx.h: the compile context. It owns the arena (the AST and everything derived from it),
 * the sources and the diagnostics; ctx_free releases all of it at once. */
#ifndef HP_CTX_H
#define HP_CTX_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "source.h"

#define HP_MAX_INPUT (64u << 20)           /* bytes per file (64 MiB) */
#define HP_MAX_DEPTH 64                    /* nesting of blocks and conditions */
#define HP_MAX_SYNTAX_ERRORS 20            /* per file, then the parser gives up */
#define HP_MAX_IMPORT_DEPTH 16
#define HP_MAX_LOOP_DEPTH 4                /* `for each` loops one inside another: the checker and
                                            * the runtime run a loop's body once per node for
                                            * every iteration of the loops around it */

struct hp_ctx {
	struct arena arena;
	struct source *sources;      /* array of nsources */
	unsigned nsources, cap_sources;
	struct diag_list diags;
	unsigned seq;
	/* what the caller asked for */
	bool werror;
	/* the declared rules of every library and plan resolved, by ast_rule_decl.index */
	const struct ast_rule_decl **decl_rules;
	unsigned ndecl_rules, cap_decl_rules;
};

/* Register a declared rule (once: a rule already registered keeps its index); sets r->index. */
void ctx_add_decl_rule(struct hp_ctx *ctx, struct ast_rule_decl *r);

void ctx_init(struct hp_ctx *ctx);
void ctx_free(struct hp_ctx *ctx);

/* Take ownership of `text` (malloc'd, NUL-terminated, len bytes) as a new source.
 * Returns its index. */
unsigned ctx_add_source(struct hp_ctx *ctx, const char *path, char *text, size_t len);

static inline struct source *ctx_source(struct hp_ctx *ctx, unsigned i)
{
	return &ctx->sources[i];
}

#endif
