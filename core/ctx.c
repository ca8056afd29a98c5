/* ctx.c: the compile context. */
#include "ctx.h"

#include <stdlib.h>
#include <string.h>

void ctx_init(struct hp_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
}

void ctx_free(struct hp_ctx *ctx)
{
	for (unsigned i = 0; i < ctx->nsources; i++) {
		source_release(&ctx->sources[i]);
		free(ctx->sources[i].path);
	}
	free(ctx->sources);
	free(ctx->diags.v);
	free(ctx->decl_rules);
	arena_free(&ctx->arena);
	memset(ctx, 0, sizeof(*ctx));
}

unsigned ctx_add_source(struct hp_ctx *ctx, const char *path, char *text, size_t len)
{
	if (ctx->nsources == ctx->cap_sources) {
		unsigned cap = ctx->cap_sources ? ctx->cap_sources * 2 : 8;
		struct source *v = realloc(ctx->sources, cap * sizeof(*v));
		if (v == NULL)
			arena_oom(0);
		ctx->sources = v;
		ctx->cap_sources = cap;
	}
	struct source *s = &ctx->sources[ctx->nsources];
	memset(s, 0, sizeof(*s));
	s->path = strdup(path);
	if (s->path == NULL)
		arena_oom(0);
	s->text = text;
	s->len = len;
	return ctx->nsources++;
}

void ctx_add_decl_rule(struct hp_ctx *ctx, struct ast_rule_decl *r)
{
	for (unsigned i = 0; i < ctx->ndecl_rules; i++)
		if (ctx->decl_rules[i] == r)
			return;
	if (ctx->ndecl_rules == ctx->cap_decl_rules) {
		unsigned cap = ctx->cap_decl_rules ? ctx->cap_decl_rules * 2 : 16;
		const struct ast_rule_decl **v = realloc(ctx->decl_rules, cap * sizeof(*v));
		if (v == NULL)
			arena_oom(0);
		ctx->decl_rules = v;
		ctx->cap_decl_rules = cap;
	}
	r->index = ctx->ndecl_rules;
	ctx->decl_rules[ctx->ndecl_rules++] = r;
}
