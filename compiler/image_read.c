/* image_read.c: image bytes -> sources and AST in a compile context (docs/image.md).
 * The input is untrusted: every read is bounds-checked, every count is capped by the bytes
 * left before anything is allocated for it, every string's length and shape, every enum
 * code, location and source index is checked, nesting is capped at IMG_MAX_DEPTH, and the
 * encoding must be the canonical one image_write produces (so an image that loads writes
 * back to the same bytes). What loads is an AST the parser could have built. */
#include "image_fmt.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct rsource {
	const char *path;            /* in the arena */
	const unsigned char *text;   /* in the image */
	uint32_t len;
};

struct reader {
	struct hp_ctx *ctx;
	const unsigned char *buf;
	size_t pos, end;             /* the body still to read: [pos, end) */
	struct rsource *src;         /* malloc'd, nsrc entries */
	uint32_t nsrc;
	uint32_t used;               /* sources referenced so far: each is first used after the one before */
	uint32_t base;               /* context index that image source 0 will get */
	char *err;
	size_t errlen;
	bool failed;
	bool decls;                  /* version 2: declarations, C_DSTATE and A_CALL */
};

static void fail(struct reader *R, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* "image is malformed at byte AT: WHAT"; the first failure wins. */
static void fail(struct reader *R, size_t at, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	if (R->failed)
		return;
	R->failed = true;
	va_start(ap, fmt);
	util_verr(what, sizeof(what), fmt, ap);
	va_end(ap);
	util_err(R->err, R->errlen, "image is malformed at byte %zu: %s", at, what);
}

/* Are k more bytes there? */
static bool need(struct reader *R, size_t k, const char *what)
{
	if (R->failed)
		return false;
	if (R->end - R->pos < k) {
		fail(R, R->pos, "%s runs past the end of the plan data", what);
		return false;
	}
	return true;
}

static unsigned get_u8(struct reader *R, const char *what)
{
	if (!need(R, 1, what))
		return 0;
	return R->buf[R->pos++];
}

static uint32_t get_u32(struct reader *R, const char *what)
{
	if (!need(R, 4, what))
		return 0;
	uint32_t v = img_get_u32(R->buf + R->pos);
	R->pos += 4;
	return v;
}

static int64_t get_i64(struct reader *R, int64_t min, const char *what)
{
	size_t at = R->pos;
	if (!need(R, 8, what))
		return min;
	uint64_t u = img_get_u64(R->buf + R->pos);
	R->pos += 8;
	int64_t v = u > (uint64_t)INT64_MAX ? -(int64_t)(~u) - 1 : (int64_t)u;
	if (v < min) {
		fail(R, at, "%s %" PRId64 " is out of range", what, v);
		return min;
	}
	return v;
}

static bool get_bool(struct reader *R, const char *what)
{
	size_t at = R->pos;
	unsigned v = get_u8(R, what);
	if (v > 1)
		fail(R, at, "%s is %u, not 0 or 1", what, v);
	return v == 1;
}

/* An enum code no larger than max. */
static unsigned get_code(struct reader *R, unsigned max, const char *what)
{
	size_t at = R->pos;
	unsigned v = get_u8(R, what);
	if (v > max) {
		fail(R, at, "unknown %s code %u", what, v);
		return 0;
	}
	return v;
}

/* A list's length, refused when that many elements of at least min bytes each cannot fit
 * in what is left (so nothing is ever allocated for a count the data cannot back). */
static uint32_t get_count(struct reader *R, size_t min, const char *what)
{
	size_t at = R->pos;
	uint32_t n = get_u32(R, what);
	if (R->failed)
		return 0;
	if (n > (R->end - R->pos) / min) {
		fail(R, at, "%" PRIu32 " %s cannot fit in the %zu bytes left", n, what, R->end - R->pos);
		return 0;
	}
	return n;
}

static const char *get_str(struct reader *R, enum img_str k, bool required, const char *what)
{
	size_t at = R->pos;
	uint32_t n = get_u32(R, what);
	if (R->failed)
		return NULL;
	if (n == IMG_NONE) {
		if (required)
			fail(R, at, "%s is missing", what);
		return NULL;
	}
	if (!need(R, n, what))
		return NULL;
	const char *s = (const char *)R->buf + R->pos;
	if (!image_valid_str(k, s, n)) {
		fail(R, at, "%s is not a well-formed %s", what, image_str_what(k));
		return NULL;
	}
	R->pos += n;
	return arena_strndup(&R->ctx->arena, s, n);
}

static loc_t get_loc(struct reader *R)
{
	loc_t l = { 0, 0, 0 };
	size_t at = R->pos;
	uint32_t f = get_u32(R, "a location");
	uint32_t start = get_u32(R, "a location");
	uint32_t end = get_u32(R, "a location");

	if (R->failed)
		return l;
	if (f == IMG_NONE) {
		if (start != 0 || end != 0)
			fail(R, at, "a location in no file has bytes %" PRIu32 "-%" PRIu32, start, end);
		return l;
	}
	if (f >= R->nsrc || f > R->used) {
		fail(R, at, "a location names source %" PRIu32 " (%s)", f,
		     f >= R->nsrc ? "there is no such source" : "sources must be used in order");
		return l;
	}
	if (start > end || end > R->src[f].len || end == 0) {
		fail(R, at, "location %" PRIu32 "-%" PRIu32 " does not fit in source %" PRIu32 " of %" PRIu32 " bytes",
		     start, end, f, R->src[f].len);
		return l;
	}
	if (f == R->used)
		R->used++;
	l.file = R->base + f;
	l.start = start;
	l.end = end;
	return l;
}

static struct ast_name get_name(struct reader *R, enum img_str k, bool required, const char *what)
{
	struct ast_name n;
	n.s = get_str(R, k, required, what);
	n.loc = get_loc(R);
	return n;
}

static struct ast_version get_version(struct reader *R)
{
	struct ast_version v;
	size_t at = R->pos;

	memset(&v, 0, sizeof(v));
	unsigned n = get_u8(R, "a version");
	if (!R->failed && n != 3 && n != 4) {
		fail(R, at, "a version has %u components", n);
		n = 3;
	}
	v.n = (uint8_t)n;
	for (unsigned i = 0; i < n; i++)
		v.c[i] = get_u32(R, "a version");
	return v;
}

#define NEW(T) ((T *)arena_alloc(&R->ctx->arena, sizeof(T)))

static struct ast_literal *get_literal(struct reader *R)
{
	struct ast_literal *l = NEW(struct ast_literal);

	l->kind = (enum lit_kind)get_code(R, IMG_MAX_LIT, "value");
	l->loc = get_loc(R);
	switch (l->kind) {
	case LIT_STRING:
		l->str = get_str(R, IMG_TEXT, true, "a string value");
		break;
	case LIT_INT:
	case LIT_DURATION:
		l->num = get_i64(R, 0, "a number");
		break;
	case LIT_VERSION:
		l->ver = get_version(R);
		break;
	case LIT_BOOL:
		l->num = get_bool(R, "a bool value");
		break;
	}
	return l;
}

/* A literal of the one kind the grammar allows at that place. */
static struct ast_literal *get_literal_of(struct reader *R, enum lit_kind kind, const char *what)
{
	size_t at = R->pos;
	struct ast_literal *l = get_literal(R);
	if (!R->failed && l->kind != kind)
		fail(R, at, "%s", what);
	return l;
}

static void get_stores(struct reader *R, struct ast_stores *st)
{
	st->kind = (enum stores_kind)get_code(R, IMG_MAX_STORES, "store selection");
	st->loc = get_loc(R);
	switch (st->kind) {
	case ST_ONE:
		st->name = get_name(R, IMG_TEXT, true, "the store's name");
		break;
	case ST_ALL:
		break;
	case ST_IN:
	case ST_NOT_IN:
		st->name = get_name(R, IMG_IDENT, true, "the stores param");
		break;
	}
}

static struct ast_arg *get_args(struct reader *R)
{
	struct ast_arg *head = NULL, **tail = &head;
	uint32_t n = get_count(R, IMG_MIN_NAME + 1, "arguments");
	for (uint32_t i = 0; i < n && !R->failed; i++) {
		struct ast_arg *a = NEW(struct ast_arg);
		size_t at = R->pos;
		a->name = get_name(R, IMG_TEXT, true, "an argument");
		a->is_string = get_bool(R, "an argument's kind");
		if (!R->failed && !a->is_string && a->name.s != NULL &&
		    !image_valid_str(IMG_IDENT, a->name.s, strlen(a->name.s)))
			fail(R, at, "an argument is not a well-formed identifier");
		*tail = a;
		tail = &a->next;
	}
	return head;
}

static struct ast_cond *get_cond(struct reader *R, int depth)
{
	if (R->failed)
		return NULL;
	if (depth > IMG_MAX_DEPTH) {
		fail(R, R->pos, "a condition is nested more than %d deep", IMG_MAX_DEPTH);
		return NULL;
	}
	struct ast_cond *c = NEW(struct ast_cond);
	unsigned code = get_code(R, IMG_ALL_GROUPS_ON, "condition");
	if (code == IMG_ALL_GROUPS_ON) {   /* `all groups on ROLE` */
		c->kind = C_OWNS_GROUP;
		c->all_groups = true;
		c->loc = get_loc(R);
		c->name = get_name(R, IMG_IDENT, true, "the role");
		return c;
	}
	if (code > (R->decls ? (unsigned)C_DSTATE : (unsigned)IMG_MAX_COND)) {
		fail(R, R->pos - 1, "unknown condition code %u", code);
		code = 0;
	}
	c->kind = (enum cond_kind)code;
	c->loc = get_loc(R);
	switch (c->kind) {
	case C_OR:
	case C_AND:
		c->lhs = get_cond(R, depth + 1);
		c->rhs = get_cond(R, depth + 1);
		break;
	case C_NOT:
		c->lhs = get_cond(R, depth + 1);
		break;
	case C_SERVICE:
	case C_PROCESS:
		c->name = get_name(R, IMG_TEXT, true, c->kind == C_SERVICE ? "the service" : "the process");
		c->positive = get_bool(R, "running or stopped");
		c->on = get_name(R, IMG_IDENT, false, "the role after `on`");
		break;
	case C_STORES:
		get_stores(R, &c->stores);
		c->positive = get_bool(R, "mounted or dismounted");
		break;
	case C_MEMBER:
	case C_DOWN:
	case C_OWNS_NO_GROUPS:
		c->name = get_name(R, IMG_IDENT, true, "the role");
		break;
	case C_OWNS_GROUP:
		c->name = get_name(R, IMG_IDENT, true, "the role");
		c->group = get_name(R, IMG_TEXT, true, "the group");
		break;
	case C_INSTALLED:
		c->name = get_name(R, IMG_IDENT, true, "the hotfix");
		c->on = get_name(R, IMG_IDENT, false, "the role after `on`");
		break;
	case C_FILE_VERSION:
		c->name = get_name(R, IMG_TEXT, true, "the file");
		c->op = (enum cmp_op)get_code(R, IMG_MAX_CMP, "comparison");
		c->lit = get_literal_of(R, LIT_VERSION, "a file version is compared with something other than a version");
		c->on = get_name(R, IMG_IDENT, false, "the role after `on`");
		break;
	case C_FACT_CMP:
		c->fact = get_str(R, IMG_FACT, true, "the fact");
		c->op = (enum cmp_op)get_code(R, IMG_MAX_CMP, "comparison");
		c->lit = get_literal(R);
		break;
	case C_FACT_IN: {
		c->fact = get_str(R, IMG_FACT, true, "the fact");
		size_t at = R->pos;
		uint32_t n = get_count(R, IMG_MIN_LITERAL, "values");
		if (!R->failed && n == 0)
			fail(R, at, "`in [ … ]` has no value");
		struct ast_literal **tail = &c->lit;
		for (uint32_t i = 0; i < n && !R->failed; i++) {
			*tail = get_literal(R);
			tail = &(*tail)->next;
		}
		break;
	}
	case C_COUNT:
		c->name = get_name(R, IMG_IDENT, true, "the param");
		c->op = (enum cmp_op)get_code(R, IMG_MAX_CMP, "comparison");
		c->lit = get_literal_of(R, LIT_INT, "`count` is compared with something other than an integer");
		break;
	case C_PARAM:
		c->name = get_name(R, IMG_IDENT, true, "the param");
		break;
	case C_DSTATE:   /* version 2 */
		c->name = get_name(R, IMG_IDENT, true, "the state");
		c->args = get_args(R);
		c->op = (enum cmp_op)get_code(R, CMP_NE, "comparison");
		c->value = get_name(R, IMG_IDENT, true, "the state's value");
		break;
	}
	return c;
}

static struct ast_action *get_action(struct reader *R)
{
	struct ast_action *a = NEW(struct ast_action);

	unsigned code = get_code(R, IMG_MOVE_ALL, "action");
	a->duration = -1;
	if (code == IMG_MOVE_ALL) {   /* `move all groups to ROLE` */
		a->kind = A_MOVE_GROUP;
		a->all_groups = true;
		a->loc = get_loc(R);
		a->to = get_name(R, IMG_IDENT, true, "the role after `to`");
		return a;
	}
	if (code > (R->decls ? (unsigned)A_CALL : (unsigned)IMG_MAX_ACTION)) {
		fail(R, R->pos - 1, "unknown action code %u", code);
		code = 0;
	}
	a->kind = (enum action_kind)code;
	a->loc = get_loc(R);
	switch (a->kind) {
	case A_STOP_SERVICE:
	case A_START_SERVICE:
	case A_KILL_PROCESS:
		a->arg = get_name(R, IMG_TEXT, true, a->kind == A_KILL_PROCESS ? "the process" : "the service");
		a->on = get_name(R, IMG_IDENT, false, "the role after `on`");
		break;
	case A_DISMOUNT:
	case A_MOUNT:
		get_stores(R, &a->stores);
		a->on = get_name(R, IMG_IDENT, false, "the role after `on`");
		break;
	case A_INSTALL:
		a->arg = get_name(R, IMG_IDENT, true, "the hotfix");
		a->on = get_name(R, IMG_IDENT, false, "the role after `on`");
		break;
	case A_RESTART_NODE:
		a->on = get_name(R, IMG_IDENT, false, "the role after `on`");
		break;
	case A_MOVE_GROUP:
		a->arg = get_name(R, IMG_TEXT, true, "the group");
		a->to = get_name(R, IMG_IDENT, true, "the role after `to`");
		break;
	case A_DISABLE_RESTART:
	case A_ENABLE_RESTART:
		a->arg = get_name(R, IMG_TEXT, true, "the resource");
		break;
	case A_WAIT_UNTIL:
		a->cond = get_cond(R, 1);
		a->duration = get_i64(R, -1, "a timeout");
		break;
	case A_WAIT:
		a->duration = get_i64(R, 0, "a duration");
		break;
	case A_VERIFY:
		a->cond = get_cond(R, 1);
		a->message = get_str(R, IMG_TEXT, false, "the message after `else`");
		break;
	case A_PAUSE:
		a->arg = get_name(R, IMG_TEXT, true, "the pause message");
		break;
	case A_EXEC:
		a->arg = get_name(R, IMG_TEXT, true, "the command");
		a->on = get_name(R, IMG_IDENT, false, "the role after `on`");
		a->duration = get_i64(R, -1, "a timeout");
		break;
	case A_CALL:     /* version 2 */
		a->arg = get_name(R, IMG_IDENT, true, "the declared action");
		a->args = get_args(R);
		a->on = get_name(R, IMG_IDENT, false, "the role after `on`");
		break;
	}
	return a;
}

static struct ast_action *get_actions(struct reader *R)
{
	struct ast_action *head = NULL, **tail = &head;
	uint32_t n = get_count(R, IMG_MIN_ACTION, "actions");

	for (uint32_t i = 0; i < n && !R->failed; i++) {
		*tail = get_action(R);
		tail = &(*tail)->next;
	}
	return head;
}

/* depth: the statement nesting; loops: the `for each` loops around (HP_MAX_LOOP_DEPTH, as the
 * parser caps them). */
static struct ast_stmt *get_stmts(struct reader *R, int depth, int loops)
{
	struct ast_stmt *head = NULL, **tail = &head;
	size_t at = R->pos;
	uint32_t n = get_count(R, IMG_MIN_STMT, "statements");

	if (n > 0 && depth > IMG_MAX_DEPTH) {
		fail(R, at, "statements are nested more than %d deep", IMG_MAX_DEPTH);
		return NULL;
	}
	for (uint32_t i = 0; i < n && !R->failed; i++) {
		struct ast_stmt *st = NEW(struct ast_stmt);
		size_t st_at = R->pos;
		st->kind = (enum stmt_kind)get_code(R, IMG_MAX_STMT, "statement");
		st->loc = get_loc(R);
		st->head = get_loc(R);
		st->serial = 1;
		switch (st->kind) {
		case S_STEP:
			st->name = get_name(R, IMG_IDENT, true, "the step's name");
			st->title = get_str(R, IMG_TEXT, false, "the step's title");
			st->on = get_name(R, IMG_IDENT, false, "the role after `on`");
			st->actions = get_actions(R);
			break;
		case S_CHECKPOINT:
			st->name = get_name(R, IMG_IDENT, true, "the checkpoint's name");
			st->actions = get_actions(R);
			break;
		case S_FOREACH:
			if (loops >= HP_MAX_LOOP_DEPTH) {
				fail(R, st_at, "`for each` loops are nested more than %d deep", HP_MAX_LOOP_DEPTH);
				return NULL;
			}
			st->name = get_name(R, IMG_IDENT, true, "the loop variable");
			st->set = get_name(R, IMG_IDENT, true, "the role after `in`");
			st->serial = get_i64(R, 0, "`serial`");
			st->body = get_stmts(R, depth + 1, loops + 1);
			break;
		case S_IF:
			st->cond = get_cond(R, 1);
			st->body = get_stmts(R, depth + 1, loops);
			st->has_else = get_bool(R, "has `else`");
			if (st->has_else)
				st->else_body = get_stmts(R, depth + 1, loops);
			break;
		}
		*tail = st;
		tail = &st->next;
	}
	return head;
}

static struct ast_procedure *get_procedure(struct reader *R)
{
	struct ast_procedure *p = NEW(struct ast_procedure);
	struct ast_role **tail = &p->roles;

	p->kind = (enum proc_kind)get_code(R, IMG_MAX_PROC, "procedure kind");
	p->loc = get_loc(R);
	p->head = get_loc(R);
	uint32_t n = get_count(R, IMG_MIN_ROLE, "roles");
	for (uint32_t i = 0; i < n && !R->failed; i++) {
		struct ast_role *r = NEW(struct ast_role);
		size_t at = R->pos;
		r->kind = (enum role_kind)get_code(R, IMG_MAX_ROLE, "role");
		if (r->kind == R_LOOPVAR)
			fail(R, at, "unknown role code %u", (unsigned)r->kind);
		r->name = get_name(R, IMG_IDENT, true, "the role's name");
		r->loc = get_loc(R);
		if (r->kind == R_OWNER_OF)
			r->group = get_name(R, IMG_TEXT, true, "the group");
		else if (r->kind == R_ANY_EXCEPT || r->kind == R_ALL_EXCEPT)
			r->except = get_name(R, IMG_IDENT, true, "the role after `except`");
		else if (r->kind == R_NODE)
			r->node = get_name(R, IMG_TEXT, true, "the node");
		*tail = r;
		tail = &r->next;
	}
	p->body = get_stmts(R, 1, 0);
	return p;
}

static struct ast_require *get_requires(struct reader *R)
{
	struct ast_require *head = NULL, **tail = &head;
	uint32_t n = get_count(R, IMG_MIN_REQUIRE, "conditions");

	for (uint32_t i = 0; i < n && !R->failed; i++) {
		struct ast_require *r = NEW(struct ast_require);
		r->loc = get_loc(R);
		r->cond = get_cond(R, 1);
		r->message = get_str(R, IMG_TEXT, false, "the message after `else`");
		*tail = r;
		tail = &r->next;
	}
	return head;
}

static struct ast_model_item *get_model(struct reader *R)
{
	struct ast_model_item *head = NULL, **tail = &head;
	uint32_t n = get_count(R, IMG_MIN_MODEL, "model entries");

	for (uint32_t i = 0; i < n && !R->failed; i++) {
		struct ast_model_item *it = NEW(struct ast_model_item);
		unsigned code = get_code(R, IMG_GROUP_AT, "model entry");
		it->kind = code == IMG_GROUP_AT ? M_GROUP : (enum model_kind)code;
		it->loc = get_loc(R);
		it->name = get_name(R, it->kind == M_RECOVER ? IMG_IDENT : IMG_TEXT, true, "the model entry's name");
		if (code == IMG_GROUP_AT) {
			it->start = get_name(R, IMG_IDENT, false, "the role the group starts on");
			it->start_any = it->start.s == NULL;
		}
		if (it->kind == M_SERVICE) {
			it->process = get_name(R, IMG_TEXT, true, "the process");
			it->holds_stores = get_bool(R, "holds stores");
		} else if (it->kind == M_RESOURCE) {
			it->service = get_name(R, IMG_TEXT, true, "the resource's service");
			it->group = get_name(R, IMG_TEXT, true, "the resource's group");
		}
		*tail = it;
		tail = &it->next;
	}
	return head;
}

static struct ast_hotfix *get_hotfix(struct reader *R)
{
	struct ast_hotfix *h = NEW(struct ast_hotfix);
	struct ast_hfile **tail = &h->files;

	h->name = get_name(R, IMG_IDENT, true, "the hotfix's name");
	h->loc = get_loc(R);
	uint32_t n = get_count(R, IMG_MIN_HFILE, "files");
	for (uint32_t i = 0; i < n && !R->failed; i++) {
		struct ast_hfile *f = NEW(struct ast_hfile);
		f->name = get_name(R, IMG_TEXT, true, "the file's name");
		f->loc = get_loc(R);
		size_t at = R->pos;
		unsigned has = get_u8(R, "the file's attributes");
		if (has > 7)
			fail(R, at, "unknown file attributes %#x", has);
		f->has_version = (has & 1) != 0;
		f->has_size = (has & 2) != 0;
		f->has_sha256 = (has & 4) != 0;
		if (f->has_version)
			f->version = get_version(R);
		if (f->has_size)
			f->size = get_i64(R, 0, "a size");
		if (f->has_sha256)
			f->sha256 = get_str(R, IMG_TEXT, true, "the file's sha256");
		*tail = f;
		tail = &f->next;
	}
	h->package = get_str(R, IMG_TEXT, false, "the package");
	h->args = get_str(R, IMG_TEXT, false, "the args");
	n = get_count(R, IMG_MIN_NAME, "restarts");
	if (n > 0 && !R->failed) {
		h->restarts = arena_alloc(&R->ctx->arena, n * sizeof(*h->restarts));
		for (uint32_t i = 0; i < n && !R->failed; i++)
			h->restarts[h->nrestarts++] = get_name(R, IMG_TEXT, true, "a service after `restarts`");
	}
	return h;
}

/* ---- declarations (version 2) ---- */

static struct ast_dparam *get_dparams(struct reader *R, uint32_t *count)
{
	struct ast_dparam *head = NULL, **tail = &head;
	uint32_t n = get_count(R, IMG_MIN_NAME + 1, "parameters");
	for (uint32_t i = 0; i < n && !R->failed; i++) {
		struct ast_dparam *p = NEW(struct ast_dparam);
		p->name = get_name(R, IMG_IDENT, true, "a parameter");
		p->loc = p->name.loc;
		p->scope = (enum decl_scope)get_code(R, IMG_MAX_SCOPE, "scope");
		p->index = i;
		*tail = p;
		tail = &p->next;
	}
	*count = n;
	return head;
}

static struct ast_state_decl *get_state_decl(struct reader *R)
{
	struct ast_state_decl *s = NEW(struct ast_state_decl);
	s->name = get_name(R, IMG_IDENT, true, "the state");
	s->loc = get_loc(R);
	s->scope = (enum decl_scope)get_code(R, IMG_MAX_SCOPE, "scope");
	unsigned pair = get_code(R, IMG_MAX_SCOPE + 1, "second scope");
	s->pair = pair > 0;
	s->scope2 = pair > 0 ? (enum decl_scope)(pair - 1) : DS_TARGET;
	s->nvalues = get_count(R, IMG_MIN_NAME, "values");
	s->values = arena_alloc(&R->ctx->arena, (s->nvalues + 1) * sizeof(*s->values));
	for (uint32_t i = 0; i < s->nvalues && !R->failed; i++)
		s->values[i] = get_name(R, IMG_IDENT, true, "a value");
	s->normal = get_name(R, IMG_IDENT, false, "the normal value");
	s->restore = get_name(R, IMG_IDENT, false, "the restore rule");
	return s;
}

static struct ast_rule_decl *get_rule_decl(struct reader *R)
{
	struct ast_rule_decl *r = NEW(struct ast_rule_decl);
	r->id = get_name(R, IMG_IDENT, true, "the rule's id");
	r->loc = get_loc(R);
	r->warning = get_bool(R, "the rule's severity");
	r->message = get_str(R, IMG_TEXT, true, "the rule's message");
	r->note = get_str(R, IMG_TEXT, false, "the rule's note");
	r->help = get_str(R, IMG_TEXT, false, "the rule's help");
	r->params = get_dparams(R, &r->nparams);
	if (get_bool(R, "a rule's `when`"))
		r->when = get_cond(R, 1);
	return r;
}

static struct ast_action_decl *get_action_decl(struct reader *R)
{
	struct ast_action_decl *d = NEW(struct ast_action_decl);
	d->name = get_name(R, IMG_IDENT, true, "the action");
	d->loc = get_loc(R);
	d->params = get_dparams(R, &d->nparams);
	struct ast_effect **tail = &d->effects;
	uint32_t n = get_count(R, 13, "effects");
	for (uint32_t i = 0; i < n && !R->failed; i++) {
		struct ast_effect *e = NEW(struct ast_effect);
		e->kind = (enum effect_kind)get_code(R, IMG_MAX_EFFECT, "effect");
		e->loc = get_loc(R);
		e->value_index = -1;
		switch (e->kind) {
		case E_REQUIRES:
			e->cond = get_cond(R, 1);
			e->rule = get_name(R, IMG_IDENT, true, "the rule after `else`");
			break;
		case E_SET:
			e->name = get_name(R, IMG_IDENT, true, "the state");
			e->args = get_args(R);
			e->value = get_name(R, IMG_IDENT, true, "the value");
			break;
		case E_MOVE:
		case E_MOVE_ALL:
		case E_MOVE_AWAY:
			e->args = get_args(R);
			break;
		case E_UNDO:
			e->name = get_name(R, IMG_IDENT, true, "the action after `undo`");
			e->args = get_args(R);
			break;
		}
		*tail = e;
		tail = &e->next;
	}
	return d;
}

static void get_library(struct reader *R, struct ast_library *l)
{
	l->name = get_name(R, IMG_LIBNAME, false, "the library's name");
	l->loc = get_loc(R);
	struct ast_state_decl **st = &l->states;
	uint32_t n = get_count(R, 40, "states");
	for (uint32_t i = 0; i < n && !R->failed; i++) {
		*st = get_state_decl(R);
		st = &(*st)->next;
	}
	struct ast_rule_decl **rt = &l->rules;
	n = get_count(R, 40, "rules");
	for (uint32_t i = 0; i < n && !R->failed; i++) {
		*rt = get_rule_decl(R);
		rt = &(*rt)->next;
	}
	struct ast_action_decl **at = &l->actions;
	n = get_count(R, 36, "actions");
	for (uint32_t i = 0; i < n && !R->failed; i++) {
		*at = get_action_decl(R);
		at = &(*at)->next;
	}
}

/* The libraries the plan sees (returned), then its own declarations (into plan->decls). */
static struct ast_library *get_decls(struct reader *R, struct ast_plan *plan)
{
	struct ast_library *head = NULL, **tail = &head;
	uint32_t n = get_count(R, 36, "libraries");
	for (uint32_t i = 0; i < n && !R->failed; i++) {
		struct ast_library *l = NEW(struct ast_library);
		get_library(R, l);
		*tail = l;
		tail = &l->next;
	}
	get_library(R, &plan->decls);
	return head;
}

static struct ast_need *get_needs(struct reader *R)
{
	struct ast_need *head = NULL, **tail = &head;
	uint32_t n = get_count(R, 9, "needs");
	for (uint32_t i = 0; i < n && !R->failed; i++) {
		struct ast_need *d = NEW(struct ast_need);
		d->kind = (enum need_kind)get_code(R, IMG_MAX_NEED, "need");
		d->loc = get_loc(R);
		if (d->kind == NEED_SERVICE_RESTART)
			d->service = get_name(R, IMG_TEXT, true, "the service after `needs restart of service`");
		*tail = d;
		tail = &d->next;
	}
	return head;
}

/* Version 3: what put_needs_all wrote. */
static void get_needs_all(struct reader *R, struct ast_plan *plan, struct ast_library *libs)
{
	for (struct ast_library *l = libs; l != NULL && !R->failed; l = l->next) {
		l->needs = get_needs(R);
		struct ast_pnote **tail = &l->notes;
		uint32_t n = get_count(R, 24, "notes");
		for (uint32_t i = 0; i < n && !R->failed; i++) {
			struct ast_pnote *p = NEW(struct ast_pnote);
			p->rule = get_name(R, IMG_IDENT, true, "the rule of a `note`");
			p->loc = get_loc(R);
			p->text = get_str(R, IMG_TEXT, true, "the text of a `note`");
			*tail = p;
			tail = &p->next;
		}
	}
	for (struct ast_hotfix *h = plan->hotfixes; h != NULL && !R->failed; h = h->next)
		h->needs = get_needs(R);
}

static struct ast_plan *get_plan(struct reader *R)
{
	struct ast_plan *plan = NEW(struct ast_plan);
	size_t at = R->pos;

	plan->name = get_name(R, IMG_IDENT, true, "the plan's name");
	plan->loc = get_loc(R);
	if (!R->failed && (plan->loc.end == 0 || plan->loc.file != R->base))
		fail(R, at, "the plan is not in the image's first source");
	plan->title = get_str(R, IMG_TEXT, false, "the title");
	plan->kb = get_str(R, IMG_TEXT, false, "the kb");

	struct ast_param **ptail = &plan->params;
	uint32_t n = get_count(R, IMG_MIN_PARAM, "params");
	for (uint32_t i = 0; i < n && !R->failed; i++) {
		struct ast_param *p = NEW(struct ast_param);
		p->name = get_name(R, IMG_IDENT, true, "the param's name");
		p->loc = get_loc(R);
		p->type = (enum ast_type)get_code(R, IMG_MAX_TYPE, "type");
		p->type_loc = get_loc(R);
		unsigned flags = get_code(R, 2, "param flags");   /* 1 a default, 2 secret: never both (3) */
		p->secret = flags == 2;
		if (flags == 1)
			p->def = get_literal(R);
		p->doc = get_str(R, IMG_TEXT, false, "the param's description");
		*ptail = p;
		ptail = &p->next;
	}
	plan->requires = get_requires(R);
	plan->ensures = get_requires(R);
	plan->model = get_model(R);

	struct ast_hotfix **htail = &plan->hotfixes;
	n = get_count(R, IMG_MIN_HOTFIX, "hotfixes");
	for (uint32_t i = 0; i < n && !R->failed; i++) {
		*htail = get_hotfix(R);
		htail = &(*htail)->next;
	}

	struct ast_procedure **ptail2 = &plan->procs;
	n = get_count(R, IMG_MIN_PROC, "procedures");
	for (uint32_t i = 0; i < n && !R->failed; i++) {
		*ptail2 = get_procedure(R);
		ptail2 = &(*ptail2)->next;
	}
	return plan;
}

/* The fixed header and the checksum: what can be told without decoding the body.
 * Returns the image's total length, or 0 with the message written. */
static size_t check_frame(const unsigned char *buf, size_t len, char *err, size_t errlen)
{
	if (len == 0) {
		util_err(err, errlen, "not a hotplan image (the file is empty)");
		return 0;
	}
	if (len < IMAGE_MAGIC_LEN) {
		if (memcmp(buf, IMAGE_MAGIC, len) == 0)
			util_err(err, errlen, "image truncated at byte %zu", len);
		else
			util_err(err, errlen, "not a hotplan image");
		return 0;
	}
	if (!image_is_image(buf, len)) {
		util_err(err, errlen, "not a hotplan image");
		return 0;
	}
	if (len < IMG_OFF_VERSION + 4) {
		util_err(err, errlen, "image truncated at byte %zu", len);
		return 0;
	}
	uint32_t version = img_get_u32(buf + IMG_OFF_VERSION);
	if (version != IMAGE_VERSION && version != IMAGE_VERSION_DECL && version != IMAGE_VERSION_NEEDS) {
		util_err(err, errlen, "image format version %" PRIu32 " is not supported (this hotplan reads versions %u to %u)",
		    version, IMAGE_VERSION, IMAGE_VERSION_NEEDS);
		return 0;
	}
	if (len < IMG_HEADER_SIZE) {
		util_err(err, errlen, "image truncated at byte %zu", len);
		return 0;
	}
	uint64_t total = img_get_u64(buf + IMG_OFF_TOTAL);
	if (total < IMG_HEADER_SIZE + 4 + IMG_CHECKSUM_SIZE || total > IMAGE_MAX_SIZE) {
		util_err(err, errlen, "image is malformed at byte %d: its length %" PRIu64 " is impossible", IMG_OFF_TOTAL,
		    total);
		return 0;
	}
	if (len < total) {
		util_err(err, errlen, "image truncated at byte %zu (the header says %" PRIu64 " bytes)", len, total);
		return 0;
	}
	if (len > total) {
		util_err(err, errlen, "image has %zu bytes of trailing data after its end at byte %" PRIu64, len - (size_t)total,
		    total);
		return 0;
	}
	unsigned char sum[IMAGE_HASH_LEN];
	image_sha256(buf, (size_t)total - IMG_CHECKSUM_SIZE, sum);
	if (memcmp(sum, buf + total - IMG_CHECKSUM_SIZE, IMG_CHECKSUM_SIZE) != 0) {
		util_err(err, errlen, "image checksum mismatch: the file is corrupted or was changed");
		return 0;
	}
	return (size_t)total;
}

int image_read(struct hp_ctx *ctx, const unsigned char *buf, size_t len, struct ast_file **out,
	       char *err, size_t errlen)
{
	struct reader R = { .ctx = ctx, .buf = buf, .err = err, .errlen = errlen, .base = ctx->nsources };
	char **texts = NULL;
	int rc = -1;

	*out = NULL;
	size_t total = check_frame(buf, len, err, errlen);
	if (total == 0)
		return -1;
	R.pos = IMG_HEADER_SIZE;
	R.end = total - IMG_CHECKSUM_SIZE;

	/* the sources: paths and texts, pointed at in place until everything is checked */
	size_t at = R.pos;
	R.nsrc = get_count(&R, IMG_MIN_SOURCE, "sources");
	if (!R.failed && R.nsrc == 0)
		fail(&R, at, "the image has no source");
	if (R.failed)
		goto out;
	R.src = calloc(R.nsrc, sizeof(*R.src));
	if (R.src == NULL) {
		util_err(err, errlen, "cannot load the image: out of memory");
		goto out;
	}
	for (uint32_t i = 0; i < R.nsrc && !R.failed; i++) {
		R.src[i].path = get_str(&R, IMG_PATH, true, "a source path");
		at = R.pos;
		uint32_t n = get_u32(&R, "a source text");
		if (R.failed)
			break;
		if (n > HP_MAX_INPUT) {
			fail(&R, at, "a source text of %" PRIu32 " bytes is larger than %u MiB", n,
			     (unsigned)(HP_MAX_INPUT / (1024u * 1024u)));
			break;
		}
		if (!need(&R, n, "a source text"))
			break;
		R.src[i].text = buf + R.pos;
		R.src[i].len = n;
		R.pos += n;
	}
	if (R.failed)
		goto out;
	unsigned char hash[IMAGE_HASH_LEN];
	image_sha256(R.src[0].text, R.src[0].len, hash);
	if (memcmp(hash, buf + IMG_OFF_HASH, IMAGE_HASH_LEN) != 0) {
		fail(&R, IMG_OFF_HASH, "the recorded source SHA-256 is not that of the source it holds");
		goto out;
	}

	R.used = 1;   /* the main source holds the plan */
	R.decls = img_get_u32(buf + IMG_OFF_VERSION) >= IMAGE_VERSION_DECL;
	struct ast_plan *plan = get_plan(&R);
	struct ast_library *libs = R.decls && !R.failed ? get_decls(&R, plan) : NULL;
	if (img_get_u32(buf + IMG_OFF_VERSION) == IMAGE_VERSION_NEEDS && !R.failed)
		get_needs_all(&R, plan, libs);
	if (R.failed)
		goto out;
	if (R.pos != R.end) {
		fail(&R, R.pos, "%zu bytes of unknown data after the plan", R.end - R.pos);
		goto out;
	}
	if (R.used != R.nsrc) {
		fail(&R, IMG_HEADER_SIZE, "source %" PRIu32 " is not used by the plan", R.used);
		goto out;
	}

	/* all checked: copy the texts (the scanner's convention: two NUL bytes after the text),
	 * then hand them to the context */
	texts = calloc(R.nsrc, sizeof(*texts));
	if (texts == NULL) {
		util_err(err, errlen, "cannot load the image: out of memory");
		goto out;
	}
	for (uint32_t i = 0; i < R.nsrc; i++) {
		texts[i] = malloc((size_t)R.src[i].len + 2);
		if (texts[i] == NULL) {
			util_err(err, errlen, "cannot load the image: out of memory");
			goto out;
		}
		if (R.src[i].len > 0)
			memcpy(texts[i], R.src[i].text, R.src[i].len);
		texts[i][R.src[i].len] = texts[i][R.src[i].len + 1] = '\0';
	}
	for (uint32_t i = 0; i < R.nsrc; i++) {
		ctx_add_source(ctx, R.src[i].path, texts[i], R.src[i].len);   /* index R.base + i */
		texts[i] = NULL;
	}
	struct ast_file *file = arena_alloc(&ctx->arena, sizeof(*file));
	file->source = R.base;
	file->plans = plan;
	file->libraries = libs;
	plan->libs = libs;
	*out = file;
	rc = 0;
out:
	if (texts != NULL)
		for (uint32_t i = 0; i < R.nsrc; i++)
			free(texts[i]);
	free(texts);
	free(R.src);
	return rc;
}
