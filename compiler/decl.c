/* decl.c: declared state, actions and rules (docs/language.md, "Declared state, actions and
 * rules"): the names a plan sees (its own declarations and its file's libraries), and the
 * resolution of what each declaration says (HP002, HP003, HP004, HP007). Uses of the
 * declarations in a procedure are resolved by resolve_role.c through decl_state and decl_action.
 * Everything lives in the context's arena or in the caller's tables. */
#include "model_decl.h"
#include "sema.h"

#include <string.h>

#define REPORTD(D, rule, loc, ...) \
	((D)->errors++, diag_report((D)->ctx, (rule), (loc), __VA_ARGS__))

static const char *const scope_names[] = { "the target", "a node", "a group", "a resource" };

const char *decl_scope_name(enum decl_scope s)
{
	return scope_names[s];
}

static unsigned line_of(struct hp_ctx *ctx, loc_t l)
{
	return source_pos(ctx_source(ctx, l.file), l.start).line;
}

/* Enter every declaration of library l in D's tables; a second one of a name is HP003. */
static void enter_library(struct decls *D, struct ast_library *l)
{
	for (struct ast_state_decl *s = l->states; s != NULL; s = s->next) {
		if (s->name.s == NULL)
			continue;
		struct ast_state_decl *q = strmap_put(&D->states, s->name.s, s);
		if (q != s) {
			struct diag *d = REPORTD(D, HP003, s->name.loc, "duplicate state '%s'", s->name.s);
			diag_note(D->ctx, d, "first declared at line %u", line_of(D->ctx, q->name.loc));
		}
	}
	for (struct ast_action_decl *a = l->actions; a != NULL; a = a->next) {
		if (a->name.s == NULL)
			continue;
		struct ast_action_decl *q = strmap_put(&D->actions, a->name.s, a);
		if (q != a) {
			struct diag *d = REPORTD(D, HP003, a->name.loc, "duplicate action '%s'", a->name.s);
			diag_note(D->ctx, d, "first declared at line %u", line_of(D->ctx, q->name.loc));
		}
	}
	for (struct ast_rule_decl *r = l->rules; r != NULL; r = r->next) {
		if (r->id.s == NULL)
			continue;
		struct ast_rule_decl *q = strmap_put(&D->rules, r->id.s, r);
		if (q != r) {
			struct diag *d = REPORTD(D, HP003, r->id.loc, "duplicate rule '%s'", r->id.s);
			diag_note(D->ctx, d, "first declared at line %u", line_of(D->ctx, q->id.loc));
		}
	}
}

/* ---- built-in state: the model's own, read like declared state ------------------------ */

static const char *const builtin_names[2] = { "updated", "owned_by" };

/* `updated of node : no | yes` and `owned_by of group, node : no | yes`, made once per
 * resolution: a declaration of the same name hides them. */
static void make_builtins(struct decls *D)
{
	struct arena *a = &D->ctx->arena;
	struct ast_name *values = arena_alloc(a, 2 * sizeof(*values));
	values[0].s = "no";
	values[1].s = "yes";
	for (unsigned k = 0; k < 2; k++) {
		struct ast_state_decl *s = arena_alloc(a, sizeof(*s));
		s->name.s = builtin_names[k];
		s->scope = k == 0 ? DS_NODE : DS_GROUP;
		s->pair = k == 1;
		s->scope2 = DS_NODE;
		s->values = values;
		s->nvalues = 2;
		s->normal_index = -1;
		s->index = k == 0 ? DECL_STATE_UPDATED : DECL_STATE_OWNER;
		D->builtin[k] = s;
	}
}

static bool is_builtin(const struct ast_state_decl *s)
{
	return s->index == DECL_STATE_UPDATED || s->index == DECL_STATE_OWNER;
}

struct ast_state_decl *decl_state(const struct decls *D, const char *name)
{
	if (name == NULL)
		return NULL;
	struct ast_state_decl *s = strmap_gets(&D->states, name);
	for (unsigned k = 0; s == NULL && k < 2; k++)
		if (D->builtin[k] != NULL && strcmp(name, builtin_names[k]) == 0)
			s = D->builtin[k];
	return s;
}

struct ast_action_decl *decl_action(const struct decls *D, const char *name)
{
	return name != NULL ? strmap_gets(&D->actions, name) : NULL;
}

int decl_value(const struct ast_state_decl *s, const char *v)
{
	for (uint32_t i = 0; v != NULL && i < s->nvalues; i++)
		if (strcmp(s->values[i].s, v) == 0)
			return (int)i;
	return -1;
}

/* The value `v` of state s, or HP007 listing its values. */
static int value_of(struct decls *D, const struct ast_state_decl *s, struct ast_name v)
{
	int i = decl_value(s, v.s);
	if (i < 0) {
		struct diag *d = REPORTD(D, HP007, v.loc, "'%s' is not a value of state '%s'", v.s, s->name.s);
		char list[256];
		size_t n = 0;
		list[0] = '\0';
		for (uint32_t k = 0; k < s->nvalues && n + 2 < sizeof(list); k++)
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", k ? ", " : "", s->values[k].s);
		diag_note(D->ctx, d, "its values: %s", list);
	}
	return i;
}

static struct ast_rule_decl *rule_of(struct decls *D, struct ast_name n)
{
	struct ast_rule_decl *r = n.s != NULL ? strmap_gets(&D->rules, n.s) : NULL;
	if (r == NULL && n.s != NULL) {
		struct diag *d = REPORTD(D, HP002, n.loc, "unknown rule '%s'", n.s);
		diag_help(D->ctx, d, "declare it: `rule %s error \"…\"`", n.s);
	}
	return r;
}

/* ---- arguments ----------------------------------------------------------------------- */

/* The parameter of the declaration being resolved that `n` names, or NULL. */
static struct ast_dparam *param_named(struct ast_dparam *params, const char *n)
{
	for (struct ast_dparam *p = params; p != NULL; p = p->next)
		if (n != NULL && strcmp(p->name.s, n) == 0)
			return p;
	return NULL;
}

/* Arguments inside a declaration: each names a parameter of the scope expected. `want`
 * holds n scopes; `what` says whose arguments they are. */
static void decl_args(struct decls *D, struct ast_dparam *params, struct ast_arg *args, const enum decl_scope *want,
		      unsigned n, loc_t at, const char *what)
{
	unsigned k = 0;
	for (struct ast_arg *a = args; a != NULL; a = a->next, k++) {
		if (k >= n) {
			REPORTD(D, HP007, a->name.loc, "%s takes %u argument%s", what, n, n == 1 ? "" : "s");
			return;
		}
		if (a->is_string) {
			REPORTD(D, HP007, a->name.loc, "a declaration names %s by a parameter, not by a string",
				scope_names[want[k]]);
			continue;
		}
		a->param = param_named(params, a->name.s);
		if (a->param == NULL)
			REPORTD(D, HP002, a->name.loc, "unknown parameter '%s'", a->name.s);
		else if (a->param->scope != want[k])
			REPORTD(D, HP004, a->name.loc, "'%s' is %s, but %s takes %s here", a->name.s,
				scope_names[a->param->scope], what, scope_names[want[k]]);
	}
	if (k < n)
		REPORTD(D, HP007, at, "%s takes %u argument%s, given %u", what, n, n == 1 ? "" : "s", k);
}

/* The instance arguments of state s: none for the target, one of its scope otherwise. */
unsigned decl_state_arity(const struct ast_state_decl *s)
{
	return s->pair ? 2 : s->scope == DS_TARGET ? 0 : 1;
}

void decl_state_scopes(const struct ast_state_decl *s, enum decl_scope want[2])
{
	want[0] = s->scope;
	want[1] = s->scope2;
}

/* ---- conditions ---------------------------------------------------------------------- */

static void decl_cond(struct decls *D, struct ast_dparam *params, struct ast_cond *c, int depth)
{
	if (c == NULL || depth > 256)
		return;
	switch (c->kind) {
	case C_OR:
	case C_AND:
		decl_cond(D, params, c->lhs, depth + 1);
		decl_cond(D, params, c->rhs, depth + 1);
		return;
	case C_NOT:
		decl_cond(D, params, c->lhs, depth + 1);
		return;
	case C_DSTATE: {
		c->state = decl_state(D, c->name.s);
		if (c->state == NULL) {
			REPORTD(D, HP002, c->name.loc, "unknown state '%s'", c->name.s);
			return;
		}
		c->state->used = true;
		enum decl_scope sc[2];
		decl_state_scopes(c->state, sc);
		if (is_builtin(c->state) && c->args != NULL && !c->args->is_string) {
			/* `owned_by(r, n)` of a resource: of its group; `updated(g)` of a group (or a
			 * resource's): the update level of the node it runs on */
			struct ast_dparam *p = param_named(params, c->args->name.s);
			if (p != NULL && (p->scope == DS_RESOURCE || (c->state->index == DECL_STATE_UPDATED &&
								      p->scope == DS_GROUP)))
				sc[0] = p->scope;
		}
		decl_args(D, params, c->args, sc, decl_state_arity(c->state), c->loc,
			  arena_printf(&D->ctx->arena, "state '%s'", c->name.s));
		c->value_index = value_of(D, c->state, c->value);
		if (c->op != CMP_EQ && c->op != CMP_NE)
			REPORTD(D, HP004, c->loc, "a state's values are compared with == or != only");
		return;
	}
	case C_MEMBER:
	case C_DOWN:
	case C_OWNS_NO_GROUPS:
	case C_OWNS_GROUP:
		c->dparam = param_named(params, c->name.s);
		if (c->dparam == NULL)
			REPORTD(D, HP002, c->name.loc, "unknown parameter '%s'", c->name.s);
		else if (c->dparam->scope != DS_NODE)
			REPORTD(D, HP004, c->name.loc, "'%s' is %s, not a node", c->name.s, scope_names[c->dparam->scope]);
		if (c->kind == C_OWNS_GROUP && c->all_groups) {
			REPORTD(D, HP007, c->loc, "`all groups on` is a procedure's condition; in a declaration, "
						  "say it of the other node: `m owns no groups`");
		} else if (c->kind == C_OWNS_GROUP) {
			c->grp = D->groups != NULL ? strmap_gets(D->groups, c->group.s) : NULL;
			if (c->grp == NULL)
				REPORTD(D, HP002, c->group.loc, "unknown group \"%s\"", c->group.s);
		}
		return;
	default:
		REPORTD(D, HP007, c->loc, "a declaration's condition is about declared state, or a node's membership "
					  "and groups (`n member`, `n owns no groups`)");
		return;
	}
}

/* ---- declarations -------------------------------------------------------------------- */

static void resolve_state(struct decls *D, struct ast_state_decl *s)
{
	s->normal_index = -1;
	if (s->nvalues > DECL_MAX_VALUES)
		REPORTD(D, HP007, s->name.loc, "state '%s' has %u values; at most %d", s->name.s, s->nvalues,
			DECL_MAX_VALUES);
	for (uint32_t i = 0; i < s->nvalues; i++)
		for (uint32_t j = 0; j < i; j++)
			if (strcmp(s->values[i].s, s->values[j].s) == 0)
				REPORTD(D, HP003, s->values[i].loc, "value '%s' listed twice", s->values[i].s);
	if (s->normal.s != NULL)
		s->normal_index = value_of(D, s, s->normal);
	if (s->restore.s != NULL)
		s->restore_rule = rule_of(D, s->restore);
}

static void resolve_effect(struct decls *D, struct ast_action_decl *a, struct ast_effect *e)
{
	switch (e->kind) {
	case E_REQUIRES:
		decl_cond(D, a->params, e->cond, 0);
		e->rulep = rule_of(D, e->rule);
		break;
	case E_SET: {
		e->state = decl_state(D, e->name.s);
		if (e->state == NULL) {
			REPORTD(D, HP002, e->name.loc, "unknown state '%s'", e->name.s);
			break;
		}
		e->state->used = true;
		if (is_builtin(e->state)) {
			struct diag *d = REPORTD(D, HP007, e->name.loc, "state '%s' is the model's own: it cannot be set",
						 e->name.s);
			diag_help(D->ctx, d, "%s", e->state->index == DECL_STATE_OWNER
							   ? "move the group: `move G to N`"
							   : "it follows `install hotfix` on the node");
			break;
		}
		enum decl_scope sc[2];
		decl_state_scopes(e->state, sc);
		decl_args(D, a->params, e->args, sc, decl_state_arity(e->state), e->loc,
			  arena_printf(&D->ctx->arena, "state '%s'", e->name.s));
		e->value_index = value_of(D, e->state, e->value);
		break;
	}
	case E_MOVE:
	case E_MOVE_AWAY: {
		static const enum decl_scope want[2] = { DS_GROUP, DS_NODE };
		decl_args(D, a->params, e->args, want, 2, e->loc, "`move`");
		break;
	}
	case E_MOVE_ALL: {   /* `move all groups of N to M` / `to other nodes` */
		static const enum decl_scope want[2] = { DS_NODE, DS_NODE };
		decl_args(D, a->params, e->args, want, e->args != NULL && e->args->next != NULL ? 2 : 1, e->loc,
			  "`move all groups`");
		break;
	}
	case E_UNDO: {
		e->undo = decl_action(D, e->name.s);
		if (e->undo == NULL) {
			REPORTD(D, HP002, e->name.loc, "unknown action '%s'", e->name.s);
			break;
		}
		enum decl_scope want[DECL_MAX_PARAMS];
		unsigned n = 0;
		for (struct ast_dparam *p = e->undo->params; p != NULL && n < DECL_MAX_PARAMS; p = p->next)
			want[n++] = p->scope;
		decl_args(D, a->params, e->args, want, n, e->loc, arena_printf(&D->ctx->arena, "action '%s'", e->name.s));
		break;
	}
	}
}

static void check_params(struct decls *D, struct ast_dparam *params)
{
	unsigned n = 0;
	for (struct ast_dparam *p = params; p != NULL; p = p->next, n++) {
		if (param_named(params, p->name.s) != p)
			REPORTD(D, HP003, p->name.loc, "duplicate parameter '%s'", p->name.s);
		if (n == DECL_MAX_PARAMS)
			REPORTD(D, HP007, p->name.loc, "at most %d parameters", DECL_MAX_PARAMS);
	}
}

static void resolve_rule(struct decls *D, struct ast_rule_decl *r)
{
	const char *id = r->id.s;
	if (id != NULL && (id[0] == 'H' || id[0] == 'h') && (id[1] == 'P' || id[1] == 'p')) {
		struct diag *d = REPORTD(D, HP007, r->id.loc, "rule id '%s' is spelt like hotplan's own rules", id);
		diag_help(D->ctx, d, "give the library's rules a prefix of their own, such as `PCMK001`");
	}
	check_params(D, r->params);
	decl_cond(D, r->params, r->when, 0);
	ctx_add_decl_rule(D->ctx, r);
}

static void resolve_library(struct decls *D, struct ast_library *l)
{
	for (struct ast_state_decl *s = l->states; s != NULL; s = s->next)
		resolve_state(D, s);
	for (struct ast_rule_decl *r = l->rules; r != NULL; r = r->next)
		resolve_rule(D, r);
	for (struct ast_action_decl *a = l->actions; a != NULL; a = a->next) {
		check_params(D, a->params);
		for (struct ast_effect *e = a->effects; e != NULL; e = e->next)
			resolve_effect(D, a, e);
	}
}

/* The libraries a plan sees, its file's first and its own declarations last, so that a
 * library's states keep their indexes whatever plan uses them. */
static struct ast_library *first_lib(struct ast_plan *plan)
{
	return plan->libs != NULL ? plan->libs : &plan->decls;
}

static struct ast_library *next_lib(struct ast_plan *plan, struct ast_library *l)
{
	if (l == &plan->decls)
		return NULL;
	return l->next != NULL ? l->next : &plan->decls;
}

unsigned decl_resolve(struct hp_ctx *ctx, struct ast_plan *plan, struct arena *tables, const struct strmap *groups,
		      struct decls *D)
{
	size_t ns = 0, na = 0, nr = 0;
	memset(D, 0, sizeof(*D));
	D->ctx = ctx;
	D->groups = groups;
	make_builtins(D);
	for (struct ast_library *l = first_lib(plan); l != NULL; l = next_lib(plan, l)) {
		for (struct ast_state_decl *s = l->states; s != NULL; s = s->next)
			ns++;
		for (struct ast_action_decl *a = l->actions; a != NULL; a = a->next)
			na++;
		for (struct ast_rule_decl *r = l->rules; r != NULL; r = r->next)
			nr++;
	}
	strmap_init(&D->states, tables, ns);
	strmap_init(&D->actions, tables, na);
	strmap_init(&D->rules, tables, nr);
	for (struct ast_library *l = first_lib(plan); l != NULL; l = next_lib(plan, l))
		enter_library(D, l);
	for (struct ast_library *l = first_lib(plan); l != NULL; l = next_lib(plan, l))
		resolve_library(D, l);

	/* the states and invariant rules the model and the checker follow, in order */
	plan->states = arena_alloc(&ctx->arena, (ns + 1) * sizeof(*plan->states));
	plan->rules = arena_alloc(&ctx->arena, (nr + 1) * sizeof(*plan->rules));
	plan->nstates = plan->nrules = 0;
	for (struct ast_library *l = first_lib(plan); l != NULL; l = next_lib(plan, l)) {
		for (struct ast_state_decl *s = l->states; s != NULL; s = s->next)
			if (decl_state(D, s->name.s) == s) {
				s->index = plan->nstates;
				plan->states[plan->nstates++] = s;
			}
		for (struct ast_rule_decl *r = l->rules; r != NULL; r = r->next)
			if (r->when != NULL && strmap_gets(&D->rules, r->id.s) == r)
				plan->rules[plan->nrules++] = r;
	}
	return D->errors;
}
