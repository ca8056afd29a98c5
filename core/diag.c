/* diag.c: recording, sorting and de-duplicating diagnostics. Printing is in diag_print.c. */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"

static char *vformat(struct hp_ctx *ctx, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		n = 0;
	char *p = arena_alloc(&ctx->arena, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

struct diag *diag_report(struct hp_ctx *ctx, enum rule_id rule, loc_t loc, const char *fmt, ...)
{
	struct diag_list *l = &ctx->diags;
	struct diag *d = arena_alloc(&ctx->arena, sizeof(*d));
	va_list ap;

	d->rule = rule;
	d->severity = rule_table[rule].severity;
	d->loc = loc;
	va_start(ap, fmt);
	d->message = vformat(ctx, fmt, ap);
	va_end(ap);
	d->seq = ctx->seq++;
	if (l->n == l->cap) {
		unsigned cap = l->cap ? l->cap * 2 : 64;
		struct diag **v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL)
			abort();
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = d;
	return d;
}

struct diag *diag_report_decl(struct hp_ctx *ctx, const struct ast_rule_decl *r, loc_t loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = vformat(ctx, fmt, ap);
	va_end(ap);
	struct diag *d = diag_report(ctx, HP001, loc, "%s", msg);
	d->rule = RULE_COUNT;
	d->decl_rule = r;
	d->severity = r->warning ? SEV_WARNING : SEV_ERROR;
	return d;
}

const char *diag_rule_id(const struct diag *d)
{
	return d->decl_rule != NULL ? d->decl_rule->id.s : rule_table[d->rule].id;
}

void diag_note(struct hp_ctx *ctx, struct diag *d, const char *fmt, ...)
{
	va_list ap;
	if (d->nnotes == DIAG_MAX_NOTES)
		return;
	va_start(ap, fmt);
	d->notes[d->nnotes++] = vformat(ctx, fmt, ap);
	va_end(ap);
}

void diag_help(struct hp_ctx *ctx, struct diag *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	d->help = vformat(ctx, fmt, ap);
	va_end(ap);
}

void diag_secondary(struct diag *d, loc_t loc)
{
	if (d->nsecondary < 2)
		d->secondary[d->nsecondary++] = loc;
}

static int cmp_diag(const void *pa, const void *pb)
{
	const struct diag *a = *(const struct diag *const *)pa;
	const struct diag *b = *(const struct diag *const *)pb;
	if (a->loc.file != b->loc.file)
		return a->loc.file < b->loc.file ? -1 : 1;
	if (a->loc.start != b->loc.start)
		return a->loc.start < b->loc.start ? -1 : 1;
	if (a->rule != b->rule)
		return a->rule < b->rule ? -1 : 1;
	if (a->decl_rule != b->decl_rule) {
		int c = strcmp(diag_rule_id(a), diag_rule_id(b));
		if (c != 0)
			return c;
	}
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void diag_finish(struct hp_ctx *ctx)
{
	struct diag_list *l = &ctx->diags;
	unsigned out = 0;

	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cmp_diag);
	l->errors = l->warnings = 0;
	for (unsigned i = 0; i < l->n; i++) {
		struct diag *d = l->v[i];
		if (out > 0) {
			struct diag *p = l->v[out - 1];
			if (p->rule == d->rule && p->decl_rule == d->decl_rule && p->loc.file == d->loc.file && p->loc.start == d->loc.start)
				continue;
		}
		l->v[out++] = d;
		if (d->severity == SEV_ERROR)
			l->errors++;
		else
			l->warnings++;
	}
	l->n = out;
}
