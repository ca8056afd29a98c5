/* image_json.c: the content of a plan's image as readable JSON (`hotplan compile --emit
 * json`, docs/image.md). Like the image, it reads only parser-filled fields; indices of
 * steps and actions are counted here in the order sema numbers them (source order). */
#include "image_fmt.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

struct jw {
	struct hp_ctx *ctx;
	uint32_t nsteps, nactions;   /* of the procedure being written */
	json_t *steps;
	json_t *within;              /* the enclosing for/if of the statements being written */
	bool failed;                 /* out of memory, or nesting past IMG_MAX_DEPTH */
};

/* A JSON string of s[0..n), with U+FFFD for bytes that are not UTF-8 (a source buffer may
 * hold anything); json null for NULL. */
static json_t *jstrn(const char *s, size_t n)
{
	if (s == NULL)
		return json_null();
	json_t *j = json_stringn(s, n);
	if (j != NULL)
		return j;
	char *b = malloc(n * 3 + 1);
	if (b == NULL)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		size_t k = image_utf8_seq((const unsigned char *)s + i, n - i);
		if (k == 0) {
			memcpy(b + o, "\xEF\xBF\xBD", 3); /* NOLINT(bugprone-not-null-terminated-result): counted */
			o += 3;
			i++;
		} else {
			memcpy(b + o, s + i, k);
			o += k;
			i += k;
		}
	}
	j = json_stringn(b, o);
	free(b);
	return j;
}

static json_t *jstr(const char *s)
{
	return jstrn(s, s != NULL ? strlen(s) : 0);
}

static void set(struct jw *J, json_t *o, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(o, key, v) != 0)
		J->failed = true;
}

static void push(struct jw *J, json_t *a, json_t *v)
{
	if (v == NULL || json_array_append_new(a, v) != 0)
		J->failed = true;
}

static bool valid_loc(struct jw *J, loc_t l)
{
	return l.end > 0 && l.file < J->ctx->nsources && l.start <= l.end && l.end <= J->ctx->sources[l.file].len;
}

/* The text a location covers, as written. */
static json_t *jtext(struct jw *J, loc_t l)
{
	if (!valid_loc(J, l))
		return json_null();
	return jstrn(J->ctx->sources[l.file].text + l.start, l.end - l.start);
}

/* "line", "column", "end_line", "end_column" of a location (1-based; columns in code points). */
static void set_pos(struct jw *J, json_t *o, loc_t l, bool with_end)
{
	if (!valid_loc(J, l)) {
		set(J, o, "line", json_null());
		return;
	}
	struct source *s = ctx_source(J->ctx, l.file);
	struct src_pos b = source_pos(s, l.start);
	set(J, o, "line", json_integer(b.line));
	set(J, o, "column", json_integer(b.col));
	if (with_end) {
		struct src_pos e = source_pos(s, l.end);
		set(J, o, "end_line", json_integer(e.line));
		set(J, o, "end_column", json_integer(e.col));
	}
}

static json_t *jversion(const struct ast_version *v)
{
	char b[64];
	if (v->n == 4)
		snprintf(b, sizeof(b), "%u.%u.%u.%u", (unsigned)v->c[0], (unsigned)v->c[1], (unsigned)v->c[2],
			 (unsigned)v->c[3]);
	else
		snprintf(b, sizeof(b), "%u.%u.%u", (unsigned)v->c[0], (unsigned)v->c[1], (unsigned)v->c[2]);
	return json_string(b);
}

/* A literal's value: bool, integer (durations in seconds), string (versions as written). */
static json_t *jliteral(const struct ast_literal *l)
{
	if (l == NULL)
		return json_null();
	switch (l->kind) {
	case LIT_STRING:
		return jstr(l->str);
	case LIT_INT:
	case LIT_DURATION:
		return json_integer(l->num);
	case LIT_VERSION:
		return jversion(&l->ver);
	case LIT_BOOL:
		return json_boolean(l->num != 0);
	}
	return json_null();
}

static const char *action_kind(enum action_kind k)
{
	static const char *names[] = {
		[A_STOP_SERVICE] = "stop service", [A_START_SERVICE] = "start service",
		[A_KILL_PROCESS] = "kill process", [A_DISMOUNT] = "dismount", [A_MOUNT] = "mount",
		[A_INSTALL] = "install hotfix", [A_RESTART_NODE] = "restart node", [A_MOVE_GROUP] = "move group",
		[A_DISABLE_RESTART] = "disable restart", [A_ENABLE_RESTART] = "enable restart",
		[A_WAIT_UNTIL] = "wait until", [A_WAIT] = "wait", [A_VERIFY] = "verify", [A_PAUSE] = "pause",
		[A_EXEC] = "exec", [A_CALL] = "call",
	};
	return (unsigned)k < sizeof(names) / sizeof(names[0]) && names[k] ? names[k] : "?";
}

static json_t *jaction(struct jw *J, const struct ast_action *a, const struct ast_stmt *st)
{
	json_t *o = json_object();
	if (o == NULL) {
		J->failed = true;
		return NULL;
	}
	set(J, o, "index", json_integer(J->nactions++));
	set(J, o, "kind", json_string(action_kind(a->kind)));
	set(J, o, "text", jtext(J, a->loc));
	/* the node it runs on as written: its own `on`, else its step's */
	set(J, o, "on", jstr(a->on.s != NULL ? a->on.s : st->on.s));
	switch (a->kind) {
	case A_STOP_SERVICE:
	case A_START_SERVICE:
		set(J, o, "service", jstr(a->arg.s));
		break;
	case A_KILL_PROCESS:
		set(J, o, "process", jstr(a->arg.s));
		break;
	case A_DISMOUNT:
	case A_MOUNT:
		set(J, o, "stores", jtext(J, a->stores.loc));
		break;
	case A_INSTALL:
		set(J, o, "hotfix", jstr(a->arg.s));
		break;
	case A_MOVE_GROUP:
		set(J, o, "group", jstr(a->arg.s));
		set(J, o, "to", jstr(a->to.s));
		break;
	case A_DISABLE_RESTART:
	case A_ENABLE_RESTART:
		set(J, o, "resource", jstr(a->arg.s));
		break;
	case A_WAIT_UNTIL:
	case A_VERIFY:
		set(J, o, "condition", a->cond != NULL ? jtext(J, a->cond->loc) : json_null());
		if (a->kind == A_VERIFY)
			set(J, o, "message", jstr(a->message));
		else
			set(J, o, "timeout_s", a->duration >= 0 ? json_integer(a->duration) : json_null());
		break;
	case A_WAIT:
		set(J, o, "duration_s", json_integer(a->duration));
		break;
	case A_PAUSE:
		set(J, o, "message", jstr(a->arg.s));
		break;
	case A_EXEC:
		set(J, o, "command", jstr(a->arg.s));
		set(J, o, "timeout_s", a->duration >= 0 ? json_integer(a->duration) : json_null());
		break;
	case A_CALL: {
		json_t *args = json_array();
		if (args == NULL) {
			J->failed = true;
			break;
		}
		set(J, o, "action", jstr(a->arg.s));
		for (const struct ast_arg *x = a->args; x != NULL; x = x->next)
			push(J, args, jstr(x->name.s));
		set(J, o, "args", args);
		break;
	}
	case A_RESTART_NODE:
		break;
	}
	set_pos(J, o, a->loc, true);
	return o;
}

static void jstmts(struct jw *J, const struct ast_stmt *st, int depth);

/* Statements under a for/if: the enclosing statement is pushed on J->within meanwhile. */
static void jnested(struct jw *J, json_t *ctx, const struct ast_stmt *body, int depth)
{
	if (ctx == NULL || json_array_append_new(J->within, ctx) != 0) {
		J->failed = true;
		return;
	}
	jstmts(J, body, depth + 1);
	json_array_remove(J->within, json_array_size(J->within) - 1);
}

static void jstmts(struct jw *J, const struct ast_stmt *st, int depth)
{
	if (st != NULL && depth > IMG_MAX_DEPTH) {
		J->failed = true;
		return;
	}
	for (; st != NULL && !J->failed; st = st->next) {
		switch (st->kind) {
		case S_STEP:
		case S_CHECKPOINT: {
			json_t *o = json_object(), *acts = json_array();
			if (o == NULL || acts == NULL) {
				json_decref(o);
				json_decref(acts);
				J->failed = true;
				return;
			}
			set(J, o, "index", json_integer(J->nsteps++));
			set(J, o, "kind", json_string(st->kind == S_STEP ? "step" : "checkpoint"));
			set(J, o, "name", jstr(st->name.s));
			if (st->kind == S_STEP) {
				set(J, o, "title", jstr(st->title));
				set(J, o, "on", jstr(st->on.s));
			}
			set_pos(J, o, st->head, false);
			set(J, o, "within", json_deep_copy(J->within));
			for (const struct ast_action *a = st->actions; a != NULL; a = a->next)
				push(J, acts, jaction(J, a, st));
			set(J, o, "actions", acts);
			push(J, J->steps, o);
			break;
		}
		case S_FOREACH: {
			json_t *c = json_object();
			if (c != NULL) {
				set(J, c, "for_each", jstr(st->name.s));
				set(J, c, "in", jstr(st->set.s));
				set(J, c, "serial", json_integer(st->serial));
				set_pos(J, c, st->head, false);
			}
			jnested(J, c, st->body, depth);
			break;
		}
		case S_IF: {
			for (int branch = 0; branch < 1 + st->has_else; branch++) {
				json_t *c = json_object();
				if (c != NULL) {
					set(J, c, "if", st->cond != NULL ? jtext(J, st->cond->loc) : json_null());
					set(J, c, "branch", json_string(branch == 0 ? "then" : "else"));
					set_pos(J, c, st->head, false);
				}
				jnested(J, c, branch == 0 ? st->body : st->else_body, depth);
			}
			break;
		}
		}
	}
}

static json_t *jprocedure(struct jw *J, const struct ast_procedure *proc)
{
	static const char *role_kinds[] = {
		[R_OWNER_OF] = "owner of group", [R_ANY_EXCEPT] = "any node except", [R_ALL] = "all nodes",
		[R_ALL_EXCEPT] = "all nodes except",
	};
	json_t *o = json_object(), *roles = json_array();

	J->steps = json_array();
	J->within = json_array();
	J->nsteps = J->nactions = 0;
	if (o == NULL || roles == NULL || J->steps == NULL || J->within == NULL) {
		json_decref(o);
		json_decref(roles);
		json_decref(J->steps);
		json_decref(J->within);
		J->failed = true;
		return NULL;
	}
	set(J, o, "kind", json_string(proc->kind == PROC_CLUSTER ? "cluster" : "standalone"));
	set_pos(J, o, proc->head, false);
	for (const struct ast_role *r = proc->roles; r != NULL; r = r->next) {
		if (r->kind == R_LOOPVAR || (unsigned)r->kind >= sizeof(role_kinds) / sizeof(role_kinds[0]))
			continue;
		json_t *ro = json_object();
		if (ro == NULL) {
			J->failed = true;
			break;
		}
		set(J, ro, "name", jstr(r->name.s));
		set(J, ro, "kind", json_string(role_kinds[r->kind]));
		if (r->kind == R_OWNER_OF)
			set(J, ro, "group", jstr(r->group.s));
		else if (r->kind != R_ALL)
			set(J, ro, "except", jstr(r->except.s));
		set(J, ro, "text", jtext(J, r->loc));
		set_pos(J, ro, r->loc, false);
		push(J, roles, ro);
	}
	set(J, o, "roles", roles);
	jstmts(J, proc->body, 1);
	set(J, o, "steps", J->steps);
	json_decref(J->within);
	J->steps = J->within = NULL;
	return o;
}

static json_t *jconds(struct jw *J, const struct ast_require *list)
{
	json_t *a = json_array();
	if (a == NULL) {
		J->failed = true;
		return NULL;
	}
	for (const struct ast_require *r = list; r != NULL; r = r->next) {
		json_t *o = json_object();
		if (o == NULL) {
			J->failed = true;
			break;
		}
		set(J, o, "condition", r->cond != NULL ? jtext(J, r->cond->loc) : json_null());
		set(J, o, "message", jstr(r->message));
		set_pos(J, o, r->loc, false);
		push(J, a, o);
	}
	return a;
}

static json_t *jmodel(struct jw *J, const struct ast_plan *plan)
{
	static const char *kinds[] = {
		[M_SERVICE] = "service", [M_CLUSTER_SERVICE] = "cluster service", [M_RESOURCE] = "resource",
		[M_GROUP] = "group", [M_STORE] = "store", [M_RECOVER] = "recover",
	};
	json_t *a = json_array();
	if (a == NULL) {
		J->failed = true;
		return NULL;
	}
	for (const struct ast_model_item *it = plan->model; it != NULL; it = it->next) {
		if (it->implicit || (unsigned)it->kind >= sizeof(kinds) / sizeof(kinds[0]))
			continue;
		json_t *o = json_object();
		if (o == NULL) {
			J->failed = true;
			break;
		}
		set(J, o, "kind", json_string(kinds[it->kind]));
		set(J, o, it->kind == M_RECOVER ? "param" : "name", jstr(it->name.s));
		if (it->kind == M_SERVICE) {
			set(J, o, "process", jstr(it->process.s));
			set(J, o, "holds_stores", json_boolean(it->holds_stores));
		} else if (it->kind == M_RESOURCE) {
			set(J, o, "service", jstr(it->service.s));
			set(J, o, "group", jstr(it->group.s));
		}
		set_pos(J, o, it->loc, false);
		push(J, a, o);
	}
	return a;
}

static json_t *jhotfixes(struct jw *J, const struct ast_plan *plan)
{
	json_t *a = json_array();
	if (a == NULL) {
		J->failed = true;
		return NULL;
	}
	for (const struct ast_hotfix *h = plan->hotfixes; h != NULL; h = h->next) {
		json_t *o = json_object(), *files = json_array(), *restarts = json_array();
		if (o == NULL || files == NULL || restarts == NULL) {
			json_decref(o);
			json_decref(files);
			json_decref(restarts);
			J->failed = true;
			break;
		}
		set(J, o, "name", jstr(h->name.s));
		for (const struct ast_hfile *f = h->files; f != NULL; f = f->next) {
			json_t *fo = json_object();
			if (fo == NULL) {
				J->failed = true;
				break;
			}
			set(J, fo, "name", jstr(f->name.s));
			set(J, fo, "version", f->has_version ? jversion(&f->version) : json_null());
			set(J, fo, "size", f->has_size ? json_integer(f->size) : json_null());
			set(J, fo, "sha256", f->has_sha256 ? jstr(f->sha256) : json_null());
			push(J, files, fo);
		}
		set(J, o, "files", files);
		set(J, o, "package", jstr(h->package));
		set(J, o, "args", jstr(h->args));
		for (uint32_t i = 0; i < h->nrestarts; i++)
			push(J, restarts, jstr(h->restarts[i].s));
		set(J, o, "restarts", restarts);
		set_pos(J, o, h->loc, false);
		push(J, a, o);
	}
	return a;
}

/* A library (or the plan's own declarations): each declaration as written. */
/* A list of needs as written: "cluster service stopped", "restart", "restart of service S". */
static json_t *jneeds(struct jw *J, const struct ast_need *needs)
{
	json_t *a = json_array();
	if (a == NULL) {
		J->failed = true;
		return NULL;
	}
	for (const struct ast_need *d = needs; d != NULL; d = d->next)
		push(J, a, d->kind == NEED_CLUSTER_STOPPED ? jstr("cluster service stopped")
			   : d->kind == NEED_RESTART       ? jstr("restart")
							   : jstr(arena_printf(&J->ctx->arena, "restart of service \"%s\"", d->service.s)));
	return a;
}

/* Version 3: {"libraries": [{"library", "needs", "notes": {RULE: TEXT}}], "hotfixes": {H: [...]}} */
static json_t *jneeds_all(struct jw *J, const struct ast_plan *plan)
{
	json_t *o = json_object(), *libs = json_array(), *hfs = json_object();
	if (o == NULL || libs == NULL || hfs == NULL) {
		json_decref(o);
		json_decref(libs);
		json_decref(hfs);
		J->failed = true;
		return NULL;
	}
	for (const struct ast_library *l = plan->libs; l != NULL; l = l->next) {
		json_t *lo = json_object(), *notes = json_object();
		if (lo == NULL || notes == NULL) {
			json_decref(lo);
			json_decref(notes);
			J->failed = true;
			break;
		}
		set(J, lo, "library", jstr(l->name.s));
		set(J, lo, "needs", jneeds(J, l->needs));
		for (const struct ast_pnote *n = l->notes; n != NULL; n = n->next)
			set(J, notes, n->rule.s, jstr(n->text));
		set(J, lo, "notes", notes);
		push(J, libs, lo);
	}
	for (const struct ast_hotfix *h = plan->hotfixes; h != NULL; h = h->next)
		set(J, hfs, h->name.s, jneeds(J, h->needs));
	set(J, o, "libraries", libs);
	set(J, o, "hotfixes", hfs);
	return o;
}

static json_t *jlibrary(struct jw *J, const struct ast_library *l)
{
	json_t *o = json_object(), *st = json_array(), *ru = json_array(), *ac = json_array();
	if (o == NULL || st == NULL || ru == NULL || ac == NULL) {
		json_decref(o);
		json_decref(st);
		json_decref(ru);
		json_decref(ac);
		J->failed = true;
		return NULL;
	}
	set(J, o, "library", jstr(l->name.s));
	for (const struct ast_state_decl *s = l->states; s != NULL; s = s->next)
		push(J, st, jtext(J, s->loc));
	for (const struct ast_rule_decl *r = l->rules; r != NULL; r = r->next)
		push(J, ru, jtext(J, r->loc));
	for (const struct ast_action_decl *a = l->actions; a != NULL; a = a->next)
		push(J, ac, jtext(J, a->loc));
	set(J, o, "states", st);
	set(J, o, "rules", ru);
	set(J, o, "actions", ac);
	return o;
}

static json_t *jplan(struct jw *J, const struct ast_plan *plan)
{
	static const char *types[] = {
		[TY_BOOL] = "bool", [TY_INT] = "int", [TY_STRING] = "string",
		[TY_DURATION] = "duration", [TY_VERSION] = "version", [TY_STORES] = "stores",
	};
	json_t *o = json_object(), *params = json_array(), *procs = json_array();
	if (o == NULL || params == NULL || procs == NULL) {
		json_decref(o);
		json_decref(params);
		json_decref(procs);
		J->failed = true;
		return NULL;
	}
	set(J, o, "name", jstr(plan->name.s));
	set(J, o, "title", jstr(plan->title));
	set(J, o, "kb", jstr(plan->kb));
	set_pos(J, o, plan->loc, false);
	for (const struct ast_param *p = plan->params; p != NULL; p = p->next) {
		json_t *po = json_object();
		if (po == NULL) {
			J->failed = true;
			break;
		}
		set(J, po, "name", jstr(p->name.s));
		set(J, po, "type", json_string((unsigned)p->type < sizeof(types) / sizeof(types[0]) ? types[p->type] : "?"));
		set(J, po, "default", jliteral(p->def));
		if (p->secret)
			set(J, po, "secret", json_true());
		set(J, po, "doc", jstr(p->doc));
		set_pos(J, po, p->loc, false);
		push(J, params, po);
	}
	set(J, o, "params", params);
	set(J, o, "requires", jconds(J, plan->requires));
	set(J, o, "ensures", jconds(J, plan->ensures));
	set(J, o, "model", jmodel(J, plan));
	set(J, o, "hotfixes", jhotfixes(J, plan));
	for (const struct ast_procedure *p = plan->procs; p != NULL && !J->failed; p = p->next)
		push(J, procs, jprocedure(J, p));
	set(J, o, "procedures", procs);
	if (image_has_decls(plan)) {   /* version 2 */
		json_t *decls = json_array();
		if (decls == NULL) {
			J->failed = true;
			return o;
		}
		for (const struct ast_library *l = plan->libs; l != NULL; l = l->next)
			push(J, decls, jlibrary(J, l));
		push(J, decls, jlibrary(J, &plan->decls));
		set(J, o, "declarations", decls);
	}
	if (image_has_needs(plan))     /* version 3 */
		set(J, o, "needs", jneeds_all(J, plan));
	return o;
}

int image_write_json(struct hp_ctx *ctx, const struct ast_plan *plan, FILE *out, char *err, size_t errlen)
{
	struct jw J = { .ctx = ctx };
	json_t *root = NULL, *src = NULL;
	int rc = -1;

	if (plan == NULL || plan->loc.file >= ctx->nsources || plan->loc.end == 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "cannot write JSON: no plan");
		return -1;
	}
	struct source *s = ctx_source(ctx, plan->loc.file);
	unsigned char hash[IMAGE_HASH_LEN];
	char hex[2 * IMAGE_HASH_LEN + 1];
	image_sha256(s->text, s->len, hash);
	image_hex(hash, sizeof(hash), hex);

	root = json_object();
	src = json_object();
	if (root == NULL || src == NULL) {
		json_decref(src);
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "cannot write JSON: out of memory");
		goto out;
	}
	set(&J, root, "format", json_string("hotplan-image"));
	set(&J, root, "version", json_integer(image_version_of(plan)));
	set(&J, src, "path", jstr(s->path));
	set(&J, src, "sha256", json_string(hex));
	set(&J, root, "source", src);
	set(&J, root, "plan", jplan(&J, plan));
	if (J.failed) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "cannot write JSON: out of memory or statements nested more than %d deep",
				 IMG_MAX_DEPTH);
		goto out;
	}
	if (json_dumpf(root, out, JSON_INDENT(2)) != 0 || fputc('\n', out) == EOF || ferror(out)) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "cannot write JSON: write error");
		goto out;
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}
