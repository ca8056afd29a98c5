/* image_write.c: a plan -> the bytes of its image (docs/image.md). Reads only the fields
 * the parser fills. Everything it writes is what image_read accepts: it refuses an AST the
 * parser could not have produced from a clean file (a missing name, a malformed string, a
 * location outside its source, nesting past IMG_MAX_DEPTH) instead of writing it. */
#include "image_fmt.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct writer {
	struct hp_ctx *ctx;
	unsigned char *p;            /* the body (the plan's encoding), malloc'd */
	size_t n, cap;
	uint32_t *map;               /* context source -> image source, IMG_NONE while unused */
	uint32_t *order;             /* image source -> context source */
	uint32_t nsrc;
	char *err;
	size_t errlen;
	bool failed;
};

static void fail(struct writer *W, loc_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* "cannot compile to an image: WHAT (at FILE:LINE:COL)"; the first failure wins. */
static void fail(struct writer *W, loc_t at, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	if (W->failed)
		return;
	W->failed = true;
	if (W->err == NULL || W->errlen == 0)
		return;
	va_start(ap, fmt);
	util_verr(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (at.file < W->ctx->nsources && at.end > 0 && at.start <= W->ctx->sources[at.file].len) {
		struct source *s = ctx_source(W->ctx, at.file);
		struct src_pos pos = source_pos(s, at.start);
		snprintf(W->err, W->errlen, "cannot compile to an image: %s (at %s:%u:%u)", what, s->path,
			 (unsigned)pos.line, (unsigned)pos.col);
	} else {
		snprintf(W->err, W->errlen, "cannot compile to an image: %s", what);
	}
}

static const loc_t NOWHERE = { 0, 0, 0 };

static void put(struct writer *W, const void *data, size_t k)
{
	if (W->failed)
		return;
	if (k > IMAGE_MAX_SIZE - W->n) {
		fail(W, NOWHERE, "the image would be larger than %u MiB",
		     (unsigned)(IMAGE_MAX_SIZE / (1024u * 1024u)));
		return;
	}
	if (W->n + k > W->cap) {
		size_t cap = W->cap ? W->cap : 4096;
		while (cap < W->n + k)
			cap *= 2;
		unsigned char *np = realloc(W->p, cap);
		if (np == NULL) {
			fail(W, NOWHERE, "out of memory");
			return;
		}
		W->p = np;
		W->cap = cap;
	}
	memcpy(W->p + W->n, data, k);
	W->n += k;
}

static void put_u8(struct writer *W, unsigned v)
{
	unsigned char b = (unsigned char)v;
	put(W, &b, 1);
}

static void put_u32(struct writer *W, uint32_t v)
{
	unsigned char b[4];
	img_set_u32(b, v);
	put(W, b, 4);
}

static void put_i64(struct writer *W, int64_t v)
{
	unsigned char b[8];
	img_set_u64(b, (uint64_t)v);
	put(W, b, 8);
}

/* A location: its file as an image source index (assigned on first use), or IMG_NONE for
 * the empty location {0, 0, 0} of a field the parser left zeroed. */
static void put_loc(struct writer *W, loc_t l)
{
	if (l.start == 0 && l.end == 0) {
		put_u32(W, IMG_NONE);
		put_u32(W, 0);
		put_u32(W, 0);
		return;
	}
	if (l.file >= W->ctx->nsources || l.start > l.end || l.end > W->ctx->sources[l.file].len) {
		fail(W, NOWHERE, "a location lies outside its source (file %u, bytes %u-%u)", (unsigned)l.file,
		     (unsigned)l.start, (unsigned)l.end);
		return;
	}
	if (W->map[l.file] == IMG_NONE) {
		W->map[l.file] = W->nsrc;
		W->order[W->nsrc++] = l.file;
	}
	put_u32(W, W->map[l.file]);
	put_u32(W, l.start);
	put_u32(W, l.end);
}

/* A string: u32 length and its bytes, or IMG_NONE when absent. `at` places a message. */
static void put_str(struct writer *W, const char *s, enum img_str k, bool required, loc_t at, const char *what)
{
	if (s == NULL) {
		if (required)
			fail(W, at, "%s is missing", what);
		put_u32(W, IMG_NONE);
		return;
	}
	size_t n = strlen(s);
	if (n > HP_MAX_INPUT || !image_valid_str(k, s, n)) {
		fail(W, at, "%s is not a well-formed %s", what, image_str_what(k));
		return;
	}
	put_u32(W, (uint32_t)n);
	put(W, s, n);
}

static void put_name(struct writer *W, struct ast_name nm, enum img_str k, bool required, const char *what)
{
	put_str(W, nm.s, k, required, nm.loc, what);
	put_loc(W, nm.loc);
}

static void put_count(struct writer *W, size_t n, loc_t at, const char *what)
{
	if (n >= IMG_NONE) {
		fail(W, at, "too many %s", what);
		return;
	}
	put_u32(W, (uint32_t)n);
}

static void put_nonneg(struct writer *W, int64_t v, int64_t min, loc_t at, const char *what)
{
	if (v < min)
		fail(W, at, "%s %lld is out of range", what, (long long)v);
	put_i64(W, v);
}

static void put_version(struct writer *W, const struct ast_version *v, loc_t at)
{
	if (v->n != 3 && v->n != 4) {
		fail(W, at, "a version has %u components", (unsigned)v->n);
		return;
	}
	put_u8(W, v->n);
	for (unsigned i = 0; i < v->n; i++)
		put_u32(W, v->c[i]);
}

static void put_literal(struct writer *W, const struct ast_literal *l, loc_t at)
{
	if (l == NULL) {
		fail(W, at, "a value is missing");
		return;
	}
	put_u8(W, l->kind);
	put_loc(W, l->loc);
	switch (l->kind) {
	case LIT_STRING:
		put_str(W, l->str, IMG_TEXT, true, l->loc, "a string value");
		break;
	case LIT_INT:
	case LIT_DURATION:
		put_nonneg(W, l->num, 0, l->loc, "a number");
		break;
	case LIT_VERSION:
		put_version(W, &l->ver, l->loc);
		break;
	case LIT_BOOL:
		if (l->num != 0 && l->num != 1)
			fail(W, l->loc, "a bool value is %lld", (long long)l->num);
		put_u8(W, l->num != 0);
		break;
	}
}

static void put_stores(struct writer *W, const struct ast_stores *st)
{
	put_u8(W, st->kind);
	put_loc(W, st->loc);
	switch (st->kind) {
	case ST_ONE:
		put_name(W, st->name, IMG_TEXT, true, "the store's name");
		break;
	case ST_ALL:
		break;
	case ST_IN:
	case ST_NOT_IN:
		put_name(W, st->name, IMG_IDENT, true, "the stores param");
		break;
	}
}

/* Arguments of a declared state or action: a count, then each: name (an identifier, or a
 * group's or resource's name as a string), u8 1 for a string. */
static void put_args(struct writer *W, const struct ast_arg *args, loc_t at)
{
	size_t n = 0;
	for (const struct ast_arg *a = args; a != NULL; a = a->next)
		n++;
	put_count(W, n, at, "arguments");
	for (const struct ast_arg *a = args; a != NULL && !W->failed; a = a->next) {
		put_name(W, a->name, a->is_string ? IMG_TEXT : IMG_IDENT, true, "an argument");
		put_u8(W, a->is_string ? 1 : 0);
	}
}

static void put_cond(struct writer *W, const struct ast_cond *c, loc_t at, int depth)
{
	if (c == NULL) {
		fail(W, at, "a condition is missing");
		return;
	}
	if (depth > IMG_MAX_DEPTH) {
		fail(W, c->loc, "a condition is nested more than %d deep", IMG_MAX_DEPTH);
		return;
	}
	if (c->written != NULL)
		c = c->written;
	if (c->kind == C_OWNS_GROUP && c->all_groups) {
		put_u8(W, IMG_ALL_GROUPS_ON);
		put_loc(W, c->loc);
		put_name(W, c->name, IMG_IDENT, true, "the role");
		return;
	}
	put_u8(W, c->kind);
	put_loc(W, c->loc);
	switch (c->kind) {
	case C_OR:
	case C_AND:
		put_cond(W, c->lhs, c->loc, depth + 1);
		put_cond(W, c->rhs, c->loc, depth + 1);
		break;
	case C_NOT:
		put_cond(W, c->lhs, c->loc, depth + 1);
		break;
	case C_SERVICE:
	case C_PROCESS:
		put_name(W, c->name, IMG_TEXT, true, c->kind == C_SERVICE ? "the service" : "the process");
		put_u8(W, c->positive);
		put_name(W, c->on, IMG_IDENT, false, "the role after `on`");
		break;
	case C_STORES:
		put_stores(W, &c->stores);
		put_u8(W, c->positive);
		break;
	case C_MEMBER:
	case C_DOWN:
	case C_OWNS_NO_GROUPS:
		put_name(W, c->name, IMG_IDENT, true, "the role");
		break;
	case C_OWNS_GROUP:
		put_name(W, c->name, IMG_IDENT, true, "the role");
		put_name(W, c->group, IMG_TEXT, true, "the group");
		break;
	case C_INSTALLED:
		put_name(W, c->name, IMG_IDENT, true, "the hotfix");
		put_name(W, c->on, IMG_IDENT, false, "the role after `on`");
		break;
	case C_FILE_VERSION:
		put_name(W, c->name, IMG_TEXT, true, "the file");
		put_u8(W, c->op);
		if (c->lit != NULL && c->lit->kind != LIT_VERSION)
			fail(W, c->loc, "a file version is compared with something other than a version");
		put_literal(W, c->lit, c->loc);
		put_name(W, c->on, IMG_IDENT, false, "the role after `on`");
		break;
	case C_FACT_CMP:
		put_str(W, c->fact, IMG_FACT, true, c->loc, "the fact");
		put_u8(W, c->op);
		put_literal(W, c->lit, c->loc);
		break;
	case C_FACT_IN: {
		size_t n = 0;
		put_str(W, c->fact, IMG_FACT, true, c->loc, "the fact");
		for (const struct ast_literal *l = c->lit; l != NULL; l = l->next)
			n++;
		if (n == 0)
			fail(W, c->loc, "`in [ … ]` has no value");
		put_count(W, n, c->loc, "values");
		for (const struct ast_literal *l = c->lit; l != NULL; l = l->next)
			put_literal(W, l, c->loc);
		break;
	}
	case C_COUNT:
		put_name(W, c->name, IMG_IDENT, true, "the param");
		put_u8(W, c->op);
		if (c->lit != NULL && c->lit->kind != LIT_INT)
			fail(W, c->loc, "`count` is compared with something other than an integer");
		put_literal(W, c->lit, c->loc);
		break;
	case C_PARAM:
		put_name(W, c->name, IMG_IDENT, true, "the param");
		break;
	case C_DSTATE:
		put_name(W, c->name, IMG_IDENT, true, "the state");
		put_args(W, c->args, c->loc);
		put_u8(W, c->op);
		put_name(W, c->value, IMG_IDENT, true, "the state's value");
		break;
	}
}

static void put_action(struct writer *W, const struct ast_action *a, int depth)
{
	if (a->kind == A_MOVE_GROUP && a->all_groups) {
		put_u8(W, IMG_MOVE_ALL);
		put_loc(W, a->loc);
		put_name(W, a->to, IMG_IDENT, true, "the role after `to`");
		return;
	}
	put_u8(W, a->kind);
	put_loc(W, a->loc);
	switch (a->kind) {
	case A_STOP_SERVICE:
	case A_START_SERVICE:
	case A_KILL_PROCESS:
		put_name(W, a->arg, IMG_TEXT, true, a->kind == A_KILL_PROCESS ? "the process" : "the service");
		put_name(W, a->on, IMG_IDENT, false, "the role after `on`");
		break;
	case A_DISMOUNT:
	case A_MOUNT:
		put_stores(W, &a->stores);
		put_name(W, a->on, IMG_IDENT, false, "the role after `on`");
		break;
	case A_INSTALL:
		put_name(W, a->arg, IMG_IDENT, true, "the hotfix");
		put_name(W, a->on, IMG_IDENT, false, "the role after `on`");
		break;
	case A_RESTART_NODE:
		put_name(W, a->on, IMG_IDENT, false, "the role after `on`");
		break;
	case A_MOVE_GROUP:
		put_name(W, a->arg, IMG_TEXT, true, "the group");
		put_name(W, a->to, IMG_IDENT, true, "the role after `to`");
		break;
	case A_DISABLE_RESTART:
	case A_ENABLE_RESTART:
		put_name(W, a->arg, IMG_TEXT, true, "the resource");
		break;
	case A_WAIT_UNTIL:
		put_cond(W, a->cond, a->loc, depth);
		put_nonneg(W, a->duration, -1, a->loc, "a timeout");
		break;
	case A_WAIT:
		put_nonneg(W, a->duration, 0, a->loc, "a duration");
		break;
	case A_VERIFY:
		put_cond(W, a->cond, a->loc, depth);
		put_str(W, a->message, IMG_TEXT, false, a->loc, "the message after `else`");
		break;
	case A_PAUSE:
		put_name(W, a->arg, IMG_TEXT, true, "the pause message");
		break;
	case A_EXEC:
		put_name(W, a->arg, IMG_TEXT, true, "the command");
		put_name(W, a->on, IMG_IDENT, false, "the role after `on`");
		put_nonneg(W, a->duration, -1, a->loc, "a timeout");
		break;
	case A_CALL:
		put_name(W, a->arg, IMG_IDENT, true, "the declared action");
		put_args(W, a->args, a->loc);
		put_name(W, a->on, IMG_IDENT, false, "the role after `on`");
		break;
	}
}

static void put_actions(struct writer *W, const struct ast_stmt *st)
{
	size_t n = 0;
	for (const struct ast_action *a = st->actions; a != NULL; a = a->next)
		n += !a->all_copy;
	put_count(W, n, st->head, "actions");
	for (const struct ast_action *a = st->actions; a != NULL && !W->failed; a = a->next)
		if (!a->all_copy)
			put_action(W, a, 1);
}

static void put_stmts(struct writer *W, const struct ast_stmt *list, loc_t at, int depth)
{
	size_t n = 0;
	for (const struct ast_stmt *st = list; st != NULL; st = st->next)
		n++;
	if (n > 0 && depth > IMG_MAX_DEPTH) {
		fail(W, list->head, "statements are nested more than %d deep", IMG_MAX_DEPTH);
		return;
	}
	put_count(W, n, at, "statements");
	for (const struct ast_stmt *st = list; st != NULL && !W->failed; st = st->next) {
		put_u8(W, st->kind);
		put_loc(W, st->loc);
		put_loc(W, st->head);
		switch (st->kind) {
		case S_STEP:
			put_name(W, st->name, IMG_IDENT, true, "the step's name");
			put_str(W, st->title, IMG_TEXT, false, st->head, "the step's title");
			put_name(W, st->on, IMG_IDENT, false, "the role after `on`");
			put_actions(W, st);
			break;
		case S_CHECKPOINT:
			put_name(W, st->name, IMG_IDENT, true, "the checkpoint's name");
			put_actions(W, st);
			break;
		case S_FOREACH:
			put_name(W, st->name, IMG_IDENT, true, "the loop variable");
			put_name(W, st->set, IMG_IDENT, true, "the role after `in`");
			put_nonneg(W, st->serial, 0, st->head, "`serial`");
			put_stmts(W, st->body, st->head, depth + 1);
			break;
		case S_IF:
			put_cond(W, st->cond, st->head, 1);
			put_stmts(W, st->body, st->head, depth + 1);
			put_u8(W, st->has_else);
			if (st->has_else)
				put_stmts(W, st->else_body, st->head, depth + 1);
			break;
		}
	}
}

static void put_procedure(struct writer *W, const struct ast_procedure *proc)
{
	size_t n = 0;

	put_u8(W, proc->kind);
	put_loc(W, proc->loc);
	put_loc(W, proc->head);
	/* the declared roles; sema appends the loop variables after them */
	for (const struct ast_role *r = proc->roles; r != NULL; r = r->next)
		n += r->kind != R_LOOPVAR;
	put_count(W, n, proc->head, "roles");
	for (const struct ast_role *r = proc->roles; r != NULL && !W->failed; r = r->next) {
		if (r->kind == R_LOOPVAR)
			continue;
		put_u8(W, r->kind);
		put_name(W, r->name, IMG_IDENT, true, "the role's name");
		put_loc(W, r->loc);
		if (r->kind == R_OWNER_OF)
			put_name(W, r->group, IMG_TEXT, true, "the group");
		else if (r->kind == R_ANY_EXCEPT || r->kind == R_ALL_EXCEPT)
			put_name(W, r->except, IMG_IDENT, true, "the role after `except`");
		else if (r->kind == R_NODE)
			put_name(W, r->node, IMG_TEXT, true, "the node");
	}
	put_stmts(W, proc->body, proc->head, 1);
}

static void put_requires(struct writer *W, const struct ast_require *list, loc_t at)
{
	size_t n = 0;
	for (const struct ast_require *r = list; r != NULL; r = r->next)
		n++;
	put_count(W, n, at, "conditions");
	for (const struct ast_require *r = list; r != NULL && !W->failed; r = r->next) {
		put_loc(W, r->loc);
		put_cond(W, r->cond, r->loc, 1);
		put_str(W, r->message, IMG_TEXT, false, r->loc, "the message after `else`");
	}
}

static void put_model(struct writer *W, const struct ast_plan *plan)
{
	size_t n = 0;
	/* sema appends the groups that only a resource declares (implicit): not the parser's */
	for (const struct ast_model_item *it = plan->model; it != NULL; it = it->next)
		n += !it->implicit;
	put_count(W, n, plan->loc, "model entries");
	for (const struct ast_model_item *it = plan->model; it != NULL && !W->failed; it = it->next) {
		if (it->implicit)
			continue;
		bool at = it->kind == M_GROUP && (it->start.s != NULL || it->start_any);
		put_u8(W, at ? IMG_GROUP_AT : it->kind);
		put_loc(W, it->loc);
		put_name(W, it->name, it->kind == M_RECOVER ? IMG_IDENT : IMG_TEXT, true, "the model entry's name");
		if (at)
			put_name(W, it->start, IMG_IDENT, false, "the role the group starts on");
		if (it->kind == M_SERVICE) {
			put_name(W, it->process, IMG_TEXT, true, "the process");
			put_u8(W, it->holds_stores);
		} else if (it->kind == M_RESOURCE) {
			put_name(W, it->service, IMG_TEXT, true, "the resource's service");
			put_name(W, it->group, IMG_TEXT, true, "the resource's group");
		}
	}
}

static void put_hotfix(struct writer *W, const struct ast_hotfix *h)
{
	size_t n = 0;

	put_name(W, h->name, IMG_IDENT, true, "the hotfix's name");
	put_loc(W, h->loc);
	for (const struct ast_hfile *f = h->files; f != NULL; f = f->next)
		n++;
	put_count(W, n, h->loc, "files");
	for (const struct ast_hfile *f = h->files; f != NULL && !W->failed; f = f->next) {
		put_name(W, f->name, IMG_TEXT, true, "the file's name");
		put_loc(W, f->loc);
		put_u8(W, (f->has_version ? 1u : 0u) | (f->has_size ? 2u : 0u) | (f->has_sha256 ? 4u : 0u));
		if (f->has_version)
			put_version(W, &f->version, f->loc);
		if (f->has_size)
			put_nonneg(W, f->size, 0, f->loc, "a size");
		if (f->has_sha256)
			put_str(W, f->sha256, IMG_TEXT, true, f->loc, "the file's sha256");
	}
	put_str(W, h->package, IMG_TEXT, false, h->loc, "the package");
	put_str(W, h->args, IMG_TEXT, false, h->loc, "the args");
	put_count(W, h->nrestarts, h->loc, "restarts");
	for (uint32_t i = 0; i < h->nrestarts && !W->failed; i++)
		put_name(W, h->restarts[i], IMG_TEXT, true, "a service after `restarts`");
}

/* ---- declarations (version 2) ---- */

static void put_dparams(struct writer *W, const struct ast_dparam *ps, loc_t at)
{
	size_t n = 0;
	for (const struct ast_dparam *p = ps; p != NULL; p = p->next)
		n++;
	put_count(W, n, at, "parameters");
	for (const struct ast_dparam *p = ps; p != NULL && !W->failed; p = p->next) {
		put_name(W, p->name, IMG_IDENT, true, "a parameter");
		put_u8(W, p->scope);
	}
}

static void put_state_decl(struct writer *W, const struct ast_state_decl *s)
{
	put_name(W, s->name, IMG_IDENT, true, "the state");
	put_loc(W, s->loc);
	put_u8(W, s->scope);
	put_u8(W, s->pair ? 1u + s->scope2 : 0u);
	put_count(W, s->nvalues, s->loc, "values");
	for (uint32_t i = 0; i < s->nvalues && !W->failed; i++)
		put_name(W, s->values[i], IMG_IDENT, true, "a value");
	put_name(W, s->normal, IMG_IDENT, false, "the normal value");
	put_name(W, s->restore, IMG_IDENT, false, "the restore rule");
}

static void put_rule_decl(struct writer *W, const struct ast_rule_decl *r)
{
	put_name(W, r->id, IMG_IDENT, true, "the rule's id");
	put_loc(W, r->loc);
	put_u8(W, r->warning ? 1 : 0);
	put_str(W, r->message, IMG_TEXT, true, r->loc, "the rule's message");
	put_str(W, r->note, IMG_TEXT, false, r->loc, "the rule's note");
	put_str(W, r->help, IMG_TEXT, false, r->loc, "the rule's help");
	put_dparams(W, r->params, r->loc);
	put_u8(W, r->when != NULL ? 1 : 0);
	if (r->when != NULL)
		put_cond(W, r->when, r->loc, 1);
}

static void put_action_decl(struct writer *W, const struct ast_action_decl *d)
{
	size_t n = 0;
	put_name(W, d->name, IMG_IDENT, true, "the action");
	put_loc(W, d->loc);
	put_dparams(W, d->params, d->loc);
	for (const struct ast_effect *e = d->effects; e != NULL; e = e->next)
		n++;
	put_count(W, n, d->loc, "effects");
	for (const struct ast_effect *e = d->effects; e != NULL && !W->failed; e = e->next) {
		put_u8(W, e->kind);
		put_loc(W, e->loc);
		switch (e->kind) {
		case E_REQUIRES:
			put_cond(W, e->cond, e->loc, 1);
			put_name(W, e->rule, IMG_IDENT, true, "the rule after `else`");
			break;
		case E_SET:
			put_name(W, e->name, IMG_IDENT, true, "the state");
			put_args(W, e->args, e->loc);
			put_name(W, e->value, IMG_IDENT, true, "the value");
			break;
		case E_MOVE:
		case E_MOVE_ALL:
		case E_MOVE_AWAY:
			put_args(W, e->args, e->loc);
			break;
		case E_UNDO:
			put_name(W, e->name, IMG_IDENT, true, "the action after `undo`");
			put_args(W, e->args, e->loc);
			break;
		}
	}
}

static void put_library(struct writer *W, const struct ast_library *l)
{
	size_t n = 0;
	put_name(W, l->name, IMG_LIBNAME, false, "the library's name");
	put_loc(W, l->loc);
	for (const struct ast_state_decl *s = l->states; s != NULL; s = s->next)
		n++;
	put_count(W, n, l->loc, "states");
	for (const struct ast_state_decl *s = l->states; s != NULL && !W->failed; s = s->next)
		put_state_decl(W, s);
	n = 0;
	for (const struct ast_rule_decl *r = l->rules; r != NULL; r = r->next)
		n++;
	put_count(W, n, l->loc, "rules");
	for (const struct ast_rule_decl *r = l->rules; r != NULL && !W->failed; r = r->next)
		put_rule_decl(W, r);
	n = 0;
	for (const struct ast_action_decl *a = l->actions; a != NULL; a = a->next)
		n++;
	put_count(W, n, l->loc, "actions");
	for (const struct ast_action_decl *a = l->actions; a != NULL && !W->failed; a = a->next)
		put_action_decl(W, a);
}

/* The libraries the plan sees, in order, then its own declarations. */
static void put_decls(struct writer *W, const struct ast_plan *plan)
{
	size_t n = 0;
	for (const struct ast_library *l = plan->libs; l != NULL; l = l->next)
		n++;
	put_count(W, n, plan->loc, "libraries");
	for (const struct ast_library *l = plan->libs; l != NULL && !W->failed; l = l->next)
		put_library(W, l);
	put_library(W, &plan->decls);
}

static void put_needs(struct writer *W, const struct ast_need *needs, loc_t at)
{
	size_t n = 0;
	for (const struct ast_need *d = needs; d != NULL; d = d->next)
		n++;
	put_count(W, n, at, "needs");
	for (const struct ast_need *d = needs; d != NULL && !W->failed; d = d->next) {
		put_u8(W, (unsigned)d->kind);
		put_loc(W, d->loc);
		if (d->kind == NEED_SERVICE_RESTART)
			put_name(W, d->service, IMG_TEXT, true, "the service after `needs restart of service`");
	}
}

/* Version 3: each library's needs and notes, in the order of put_decls, then each hotfix's
 * needs, in the order of the hotfixes. */
static void put_needs_all(struct writer *W, const struct ast_plan *plan)
{
	for (const struct ast_library *l = plan->libs; l != NULL && !W->failed; l = l->next) {
		put_needs(W, l->needs, l->loc);
		size_t n = 0;
		for (const struct ast_pnote *p = l->notes; p != NULL; p = p->next)
			n++;
		put_count(W, n, l->loc, "notes");
		for (const struct ast_pnote *p = l->notes; p != NULL && !W->failed; p = p->next) {
			put_name(W, p->rule, IMG_IDENT, true, "the rule of a `note`");
			put_loc(W, p->loc);
			put_str(W, p->text, IMG_TEXT, true, p->loc, "the text of a `note`");
		}
	}
	for (const struct ast_hotfix *h = plan->hotfixes; h != NULL && !W->failed; h = h->next)
		put_needs(W, h->needs, h->loc);
}

static void put_plan(struct writer *W, const struct ast_plan *plan)
{
	size_t n = 0;

	put_name(W, plan->name, IMG_IDENT, true, "the plan's name");
	put_loc(W, plan->loc);
	put_str(W, plan->title, IMG_TEXT, false, plan->loc, "the title");
	put_str(W, plan->kb, IMG_TEXT, false, plan->loc, "the kb");

	for (const struct ast_param *p = plan->params; p != NULL; p = p->next)
		n++;
	put_count(W, n, plan->loc, "params");
	for (const struct ast_param *p = plan->params; p != NULL && !W->failed; p = p->next) {
		put_name(W, p->name, IMG_IDENT, true, "the param's name");
		put_loc(W, p->loc);
		put_u8(W, p->type);
		put_loc(W, p->type_loc);
		/* flags: bit 0 a default follows, bit 1 secret (never with a default: its value is
		 * not written anywhere, an image least of all) */
		if (p->secret && p->def != NULL)
			fail(W, p->loc, "secret param '%s' has a default", p->name.s);
		put_u8(W, (p->def != NULL ? 1u : 0u) | (p->secret ? 2u : 0u));
		if (p->def != NULL)
			put_literal(W, p->def, p->loc);
		put_str(W, p->doc, IMG_TEXT, false, p->loc, "the param's description");
	}
	put_requires(W, plan->requires, plan->loc);
	put_requires(W, plan->ensures, plan->loc);
	put_model(W, plan);

	n = 0;
	for (const struct ast_hotfix *h = plan->hotfixes; h != NULL; h = h->next)
		n++;
	put_count(W, n, plan->loc, "hotfixes");
	for (const struct ast_hotfix *h = plan->hotfixes; h != NULL && !W->failed; h = h->next)
		put_hotfix(W, h);

	n = 0;
	for (const struct ast_procedure *p = plan->procs; p != NULL; p = p->next)
		n++;
	put_count(W, n, plan->loc, "procedures");
	for (const struct ast_procedure *p = plan->procs; p != NULL && !W->failed; p = p->next)
		put_procedure(W, p);
	if (image_version_of(plan) >= IMAGE_VERSION_DECL)
		put_decls(W, plan);
	if (image_version_of(plan) >= IMAGE_VERSION_NEEDS)
		put_needs_all(W, plan);
}

int image_write(struct hp_ctx *ctx, const struct ast_plan *plan, unsigned char **out, size_t *len,
		char *err, size_t errlen) /* NOLINT(readability-non-const-parameter): written through W.err */
{
	struct writer W = { .ctx = ctx, .err = err, .errlen = errlen };
	unsigned char *img = NULL;
	int rc = -1;

	*out = NULL;
	*len = 0;
	if (plan == NULL || plan->loc.file >= ctx->nsources || plan->loc.end == 0) {
		fail(&W, NOWHERE, "no plan");
		return -1;
	}
	W.map = malloc(ctx->nsources * sizeof(*W.map));
	W.order = malloc(ctx->nsources * sizeof(*W.order));
	if (W.map == NULL || W.order == NULL) {
		fail(&W, NOWHERE, "out of memory");
		goto out;
	}
	for (unsigned i = 0; i < ctx->nsources; i++)
		W.map[i] = IMG_NONE;
	/* the main source, the file that holds the plan, is image source 0 */
	W.map[plan->loc.file] = 0;
	W.order[W.nsrc++] = plan->loc.file;

	put_plan(&W, plan);
	if (W.failed)
		goto out;

	/* header, sources, body, checksum */
	size_t total = IMG_HEADER_SIZE + 4 + W.n + IMG_CHECKSUM_SIZE;
	for (uint32_t i = 0; i < W.nsrc; i++) {
		const struct source *s = ctx_source(ctx, W.order[i]);
		size_t pl = strlen(s->path);
		if (!image_valid_str(IMG_PATH, s->path, pl)) {
			fail(&W, NOWHERE, "the source path '%s' is empty, longer than %d bytes or holds control "
					  "characters", s->path, IMG_MAX_PATH);
			goto out;
		}
		if (s->len > HP_MAX_INPUT) {
			fail(&W, NOWHERE, "the source '%s' is larger than %u MiB", s->path,
			     (unsigned)(HP_MAX_INPUT / (1024u * 1024u)));
			goto out;
		}
		total += 8 + pl + s->len;
	}
	if (total > IMAGE_MAX_SIZE) {
		fail(&W, NOWHERE, "the image would be larger than %u MiB", (unsigned)(IMAGE_MAX_SIZE / (1024u * 1024u)));
		goto out;
	}
	img = malloc(total);
	if (img == NULL) {
		fail(&W, NOWHERE, "out of memory");
		goto out;
	}
	const struct source *main_src = ctx_source(ctx, W.order[0]);
	memcpy(img, IMAGE_MAGIC, IMAGE_MAGIC_LEN);
	img_set_u32(img + IMG_OFF_VERSION, image_version_of(plan));
	img_set_u64(img + IMG_OFF_TOTAL, total);
	image_sha256(main_src->text, main_src->len, img + IMG_OFF_HASH);
	size_t o = IMG_HEADER_SIZE;
	img_set_u32(img + o, W.nsrc);
	o += 4;
	for (uint32_t i = 0; i < W.nsrc; i++) {
		const struct source *s = ctx_source(ctx, W.order[i]);
		size_t pl = strlen(s->path);
		img_set_u32(img + o, (uint32_t)pl);
		memcpy(img + o + 4, s->path, pl);
		o += 4 + pl;
		img_set_u32(img + o, (uint32_t)s->len);
		if (s->len > 0)
			memcpy(img + o + 4, s->text, s->len);
		o += 4 + s->len;
	}
	memcpy(img + o, W.p, W.n);
	o += W.n;
	image_sha256(img, o, img + o);
	*out = img;
	*len = total;
	img = NULL;
	rc = 0;
out:
	free(img);
	free(W.p);
	free(W.map);
	free(W.order);
	return rc;
}
