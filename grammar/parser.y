/* parser.y: the grammar of .hplan files (plans, targets, profiles and imports; SPEC
 * sections 2, 6; profiles: docs/profiles.md).
 * A pure LALR(1) parser with no conflicts. It builds the AST (ast.h) in the context's
 * arena; nothing it allocates needs a destructor. Syntax errors are HP001 diagnostics
 * saying what was found and what was expected; the parser recovers at the next item or
 * `}` and gives up after HP_MAX_SYNTAX_ERRORS, or when nesting passes HP_MAX_DEPTH. */

%code requires {
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast.h"

struct pstate;

/* A condition and the depth of its tree. */
struct cexp {
	struct ast_cond *c;
	uint32_t depth;
};
/* The words of a fact path, joined once the path is complete. */
struct pword {
	const char *s;
	struct pword *next;
};
struct wpath {
	struct pword *head, *tail;
	size_t len;
};
struct namenode {
	struct ast_name name;
	struct namenode *next;
};
struct namelist {
	struct namenode *head, *tail;
	uint32_t n;
};
struct actlist {
	struct ast_action *head, *tail;
};
struct stmtlist {
	struct ast_stmt *head, *tail;
};
struct litlist {
	struct ast_literal *head, *tail;
};

#define YYLLOC_DEFAULT(Cur, Rhs, N)                                     \
	do {                                                            \
		if (N) {                                                \
			(Cur).file = YYRHSLOC(Rhs, 1).file;             \
			(Cur).start = YYRHSLOC(Rhs, 1).start;           \
			(Cur).end = YYRHSLOC(Rhs, N).end;               \
		} else {                                                \
			(Cur).file = YYRHSLOC(Rhs, 0).file;             \
			(Cur).start = (Cur).end = YYRHSLOC(Rhs, 0).end; \
		}                                                       \
	} while (0)
}

%code {
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "pstate.h"

/* Nesting is capped at HP_MAX_DEPTH on the token stream (yylex below); this only bounds
 * the stack if that cap ever failed. */
#define YYINITDEPTH 256
#define YYMAXDEPTH 8192

static int yylex(YYSTYPE *lval, YYLTYPE *lloc, struct pstate *ps);
static void yyerror(YYLTYPE *lloc, struct pstate *ps, const char *msg);

#define NEW(T) ((T *)arena_alloc(&ps->ctx->arena, sizeof(T)))
#define APPEND(list, node)                                   \
	do {                                                 \
		if ((list).tail != NULL)                     \
			(list).tail->next = (node);          \
		else                                         \
			(list).head = (node);                \
		(list).tail = (node);                        \
	} while (0)

static struct ast_name mkname(const char *s, loc_t l);
static loc_t mkloc(loc_t a, loc_t b);
static struct cexp leaf(struct pstate *ps, enum cond_kind k, loc_t l);
static struct cexp binary(struct pstate *ps, enum cond_kind k, struct cexp a, struct cexp b, loc_t l);
static struct ast_action *action(struct pstate *ps, enum action_kind k, loc_t l);
static struct ast_stores *stores(struct pstate *ps, enum stores_kind k, loc_t l);
static struct ast_literal *literal(struct pstate *ps, enum lit_kind k, loc_t l);
static struct ast_stmt *stmt_new(struct pstate *ps, enum stmt_kind k);
static const char *word_text(struct pstate *ps, loc_t l);
static const char *path_join(struct pstate *ps, struct wpath p, char sep);
static void plan_begin(struct pstate *ps, struct ast_plan *p, bool link);
static void once(struct pstate *ps, const char **field, const char *value, loc_t l, const char *what);
static void lib_begin(struct pstate *ps, struct ast_library *l);
static void ctx_word(struct pstate *ps, const char *word, loc_t l, const char *want);
static struct ast_effect *effect_new(struct pstate *ps, enum effect_kind k, loc_t l);
static struct ast_need *need_new(struct pstate *ps, const char *word, loc_t wl, enum need_kind k, loc_t l);
static void need_add(struct pstate *ps, struct ast_need **list, struct ast_need *n);
static struct ast_arg *arg_new(struct pstate *ps, const char *s, bool is_string, loc_t l);
}

%define api.pure full
%define api.prefix {hp_yy}
%define api.location.type {loc_t}
%define parse.error custom
%define parse.lac full
%locations
%expect 0
%param {struct pstate *ps}

%union {
	const char *str;
	int64_t num;
	bool flag;
	int kind;
	struct ast_version ver;
	struct ast_name name;
	struct cexp cond;
	struct wpath path;
	struct namelist names;
	struct actlist actions;
	struct stmtlist stmts;
	struct litlist lits;
	struct ast_literal *lit;
	struct ast_stores *stores;
	struct ast_action *action;
	struct ast_stmt *stmt;
	struct ast_role *role;
	struct ast_arg *arg;
	struct ast_dparam *dparam;
	struct namelist values;
	struct ast_need *need;
}

%token <str> T_IDENT "identifier"
%token <str> T_DASHNAME "hyphenated name"
%token <str> T_STRING "string literal"
%token <num> T_INT "integer literal"
%token <num> T_DURATION "duration literal"
%token <ver> T_VERSION "version literal"
%token T_LBRACE "{" T_RBRACE "}" T_LPAREN "(" T_RPAREN ")" T_LBRACKET "[" T_RBRACKET "]"
%token T_COMMA "," T_DOT "." T_COLON ":" T_ASSIGN "=" T_BAR "|"
%token T_EQ "==" T_NE "!=" T_LT "<" T_LE "<=" T_GT ">" T_GE ">="
/* The keywords, in the order of keywords.h, which spells them and says which blocks they
 * open. Bison must see every token, so they are named here too; the build checks that the
 * two lists agree (KW_SYM0 below). */
%token K_IMPORT K_PLAN K_TITLE K_KB K_PARAM K_REQUIRE K_ELSE K_MODEL K_HOTFIX K_PROCEDURE
%token K_STANDALONE K_CLUSTER K_ENSURE K_BOOL K_INT K_STRING K_DURATION K_VERSION K_STORES
%token K_SERVICE K_PROCESS K_HOLDS K_RESOURCE K_GROUP K_STORE K_RECOVER K_FILE K_SIZE
%token K_SHA256 K_PACKAGE K_ARGS K_RESTARTS K_ROLES K_OWNER K_OF K_ANY K_NODE K_EXCEPT K_ALL
%token K_NODES K_STEP K_ON K_CHECKPOINT K_FOR K_EACH K_IN K_SERIAL K_IF K_STOP K_START
%token K_KILL K_DISMOUNT K_MOUNT K_INSTALL K_RESTART K_MOVE K_TO K_DISABLE K_ENABLE K_WAIT
%token K_UNTIL K_TIMEOUT K_VERIFY K_PAUSE K_EXEC K_NOT K_OR K_AND K_RUNNING K_STOPPED
%token K_MOUNTED K_DISMOUNTED K_MEMBER K_DOWN K_OWNS K_NO K_GROUPS K_INSTALLED K_FACT
%token K_COUNT K_TRUE K_FALSE K_TARGET K_ADDRESS K_PROFILE K_SET K_SECRET K_FROM K_ENV

%type <str> opt_string opt_else opt_address word lib_name
%type <lit> opt_default literal
%type <lits> literal_list
%type <kind> type proc_kind cmp
%type <flag> opt_holds run_state mount_state opt_secret
%type <num> opt_timeout opt_serial
%type <name> opt_on
%type <cond> cond cond_and cond_not cond_prim
%type <stores> stores
%type <path> fact_path profile_key
%type <names> restart_list
%type <action> action
%type <actions> action_list
%type <stmt> stmt step_head ckpt_head for_head if_head
%type <stmts> stmt_list
%type <role> role
%type <action> know_action
%type <cond> know_cond
%type <arg> dargs opt_dargs darg opt_args
%type <dparam> dparams opt_dparams dparam paren_dparams
%type <kind> scope opt_scope2
%type <values> value_list
%type <need> need

%%

file
	: %empty
	| file import
	| file plan
	| file target
	| file profile
	| file library
	| file use
	| file error
	;

/* `use NAME`: the library NAME.hplan, found on the library path (grammar/parse.c) */
use
	: T_IDENT lib_name {
		struct ast_import *imp = NEW(struct ast_import);
		ctx_word(ps, $1, @1, "use");
		imp->path = $2;
		imp->use = true;
		imp->loc = @$;
		*ps->import_next = imp;
		ps->import_next = &imp->next;
	}
	;

/* ---- declared state, actions and rules (docs/language.md) ----
 * `library`, `state`, `action`, `rule`, `normal`, `requires`, `undo`, `when`, `note`, `help`,
 * `error` and `warning` are not reserved: they are names (T_IDENT) that the rules below
 * check by spelling, so a plan that uses them as names keeps its meaning. */

library
	: library_head lib_items "}" {
		ps->lib->loc.end = @3.end;
		ps->lib = NULL;
	}
	;

/* A library's name, in `use` and `library` only, may hold hyphens: `use exchange-2003`. */
lib_name
	: T_IDENT
	| T_DASHNAME
	;

library_head
	: T_IDENT lib_name "{" {
		struct ast_library *l = NEW(struct ast_library);
		ctx_word(ps, $1, @1, "library");
		l->name = mkname($2, @2);
		l->loc = @$;
		*ps->library_next = l;
		ps->library_next = &l->next;
		lib_begin(ps, l);
	}
	;

lib_items
	: %empty
	| lib_items decl
	| lib_items need { need_add(ps, &ps->lib->needs, $2); }
	| lib_items T_IDENT T_IDENT T_STRING {
		struct ast_pnote *n = NEW(struct ast_pnote), **at = &ps->lib->notes;
		ctx_word(ps, $2, @2, "note");
		n->rule = mkname($3, @3);
		n->loc = @$;
		n->text = $4;
		while (*at != NULL)
			at = &(*at)->next;
		*at = n;
	}
	| lib_items error
	;

/* `needs …`: what installing an update takes on a cluster node (HP111, HP112) */
need
	: T_IDENT K_CLUSTER K_SERVICE K_STOPPED { $$ = need_new(ps, $1, @1, NEED_CLUSTER_STOPPED, @$); }
	| T_IDENT K_RESTART { $$ = need_new(ps, $1, @1, NEED_RESTART, @$); }
	| T_IDENT K_RESTART K_OF K_SERVICE T_STRING {
		$$ = need_new(ps, $1, @1, NEED_SERVICE_RESTART, @$);
		$$->service = mkname($5, @5);
	}
	;

decl
	: T_IDENT T_IDENT K_OF scope opt_scope2 ":" value_list opt_normal {
		struct ast_state_decl *d = NEW(struct ast_state_decl);
		ctx_word(ps, $1, @1, "state");
		d->name = mkname($2, @2);
		d->loc = @$;
		d->scope = (enum decl_scope)$4;
		d->pair = $5 >= 0;
		d->scope2 = $5 >= 0 ? (enum decl_scope)$5 : DS_TARGET;
		if (d->pair && (d->scope == DS_TARGET || d->scope2 == DS_TARGET))
			ps_error(ps, @5.start, @5.end, "a state of the target has no second scope");
		d->nvalues = $7.n;
		d->values = arena_alloc(&ps->ctx->arena, ($7.n + 1) * sizeof(*d->values));
		uint32_t i = 0;
		for (struct namenode *n = $7.head; n != NULL; n = n->next)
			d->values[i++] = n->name;
		d->normal = ps->normal;
		d->restore = ps->restore;
		*ps->state_next = d;
		ps->state_next = &d->next;
	}
	| adecl_head "{" effects "}" {
		ps->adecl->loc.end = @4.end;
	}
	| rule_head opt_rule_body {
		ps->rule->loc.end = @$.end;
	}
	;

adecl_head
	: T_IDENT T_IDENT paren_dparams {
		struct ast_action_decl *d = NEW(struct ast_action_decl);
		ctx_word(ps, $1, @1, "action");
		d->name = mkname($2, @2);
		d->loc = @$;
		d->params = $3;
		for (struct ast_dparam *p = $3; p != NULL; p = p->next)
			p->index = d->nparams++;
		*ps->adecl_next = d;
		ps->adecl_next = &d->next;
		ps->adecl = d;
		ps->effect_next = &d->effects;
	}
	;

rule_head
	: T_IDENT T_IDENT T_IDENT T_STRING opt_dparams {
		struct ast_rule_decl *r = NEW(struct ast_rule_decl);
		ctx_word(ps, $1, @1, "rule");
		r->id = mkname($2, @2);
		r->loc = @$;
		if (strcmp($3, "warning") == 0)
			r->warning = true;
		else if (strcmp($3, "error") != 0)
			ps_error(ps, @3.start, @3.end, "expected `error` or `warning` after the rule's id, found `%s`", $3);
		r->message = $4;
		r->params = $5;
		for (struct ast_dparam *p = $5; p != NULL; p = p->next)
			p->index = r->nparams++;
		*ps->rule_next = r;
		ps->rule_next = &r->next;
		ps->rule = r;
	}
	;

opt_rule_body
	: %empty
	| "{" rule_items "}"
	;

rule_items
	: %empty
	| rule_items T_IDENT cond {
		ctx_word(ps, $2, @2, "when");
		if (ps->rule->when != NULL)
			ps_error(ps, @2.start, @2.end, "a rule has one `when`");
		ps->rule->when = $3.c;
	}
	| rule_items T_IDENT T_STRING {
		if (strcmp($2, "note") == 0)
			once(ps, &ps->rule->note, $3, @$, "note");
		else if (strcmp($2, "help") == 0)
			once(ps, &ps->rule->help, $3, @$, "help");
		else
			ps_error(ps, @2.start, @2.end, "expected `when`, `note` or `help` in a rule, found `%s`", $2);
	}
	| rule_items error
	;

opt_normal
	: %empty {
		ps->normal = mkname(NULL, @$);
		ps->restore = mkname(NULL, @$);
	}
	| "," T_IDENT word {
		ctx_word(ps, $2, @2, "normal");
		ps->normal = mkname($3, @3);
		ps->restore = mkname(NULL, @$);
	}
	| "," T_IDENT word K_ELSE T_IDENT {
		ctx_word(ps, $2, @2, "normal");
		ps->normal = mkname($3, @3);
		ps->restore = mkname($5, @5);
	}
	;

opt_scope2
	: %empty { $$ = -1; }
	| "," scope { $$ = $2; }
	;

scope
	: K_TARGET { $$ = DS_TARGET; }
	| K_NODE { $$ = DS_NODE; }
	| K_GROUP { $$ = DS_GROUP; }
	| K_RESOURCE { $$ = DS_RESOURCE; }
	;

value_list
	: word {
		struct namenode *n = NEW(struct namenode);
		n->name = mkname($1, @1);
		$$.head = $$.tail = n;
		$$.n = 1;
	}
	| value_list "|" word {
		struct namenode *n = NEW(struct namenode);
		n->name = mkname($3, @3);
		$$ = $1;
		APPEND($$, n);
		$$.n++;
	}
	;

opt_dparams
	: %empty { $$ = NULL; }
	| paren_dparams { $$ = $1; }
	;

paren_dparams
	: "(" ")" { $$ = NULL; }
	| "(" dparams ")" { $$ = $2; }
	;

dparams
	: dparam { $$ = $1; }
	| dparams "," dparam {
		struct ast_dparam *p = $1;
		while (p->next != NULL)
			p = p->next;
		p->next = $3;
		$$ = $1;
	}
	;

dparam
	: T_IDENT ":" scope {
		$$ = NEW(struct ast_dparam);
		$$->name = mkname($1, @1);
		$$->scope = (enum decl_scope)$3;
		$$->loc = @$;
	}
	;

effects
	: %empty
	| effects effect
	| effects error
	;

effect
	: T_IDENT cond K_ELSE T_IDENT {
		struct ast_effect *e = effect_new(ps, E_REQUIRES, @$);
		ctx_word(ps, $1, @1, "requires");
		e->cond = $2.c;
		e->rule = mkname($4, @4);
	}
	| K_SET T_IDENT opt_dargs "=" word {
		struct ast_effect *e = effect_new(ps, E_SET, @$);
		e->name = mkname($2, @2);
		e->args = $3;
		e->value = mkname($5, @5);
	}
	| K_MOVE T_IDENT K_TO T_IDENT {
		struct ast_effect *e = effect_new(ps, E_MOVE, @$);
		e->args = arg_new(ps, $2, false, @2);
		e->args->next = arg_new(ps, $4, false, @4);
	}
	| know_effect
	| T_IDENT T_IDENT "(" opt_args ")" {
		struct ast_effect *e = effect_new(ps, E_UNDO, @$);
		ctx_word(ps, $1, @1, "undo");
		e->name = mkname($2, @2);
		e->args = $4;
	}
	;

opt_dargs
	: %empty { $$ = NULL; }
	| "(" opt_args ")" { $$ = $2; }
	;

opt_args
	: %empty { $$ = NULL; }
	| dargs { $$ = $1; }
	;

dargs
	: darg { $$ = $1; }
	| dargs "," darg {
		struct ast_arg *a = $1;
		while (a->next != NULL)
			a = a->next;
		a->next = $3;
		$$ = $1;
	}
	;

darg
	: T_IDENT { $$ = arg_new(ps, $1, false, @1); }
	| T_STRING { $$ = arg_new(ps, $1, true, @1); }
	;

/* ---- what a plan knows (issue 10 item 5, docs/language.md "Where groups are") ----
 * `group "G" on ROLE` / `on any node` in the model; `move all groups to ROLE`;
 * `all groups on ROLE`; in a declared action `move all groups of N to M` and
 * `… to other nodes`; a role `= node "NAME"` (above, in `role`). */

know_model_item
	: K_GROUP T_STRING K_ON T_IDENT {
		struct ast_model_item *m = NEW(struct ast_model_item);
		m->kind = M_GROUP;
		m->loc = @$;
		m->name = mkname($2, @2);
		m->start = mkname($4, @4);
		*ps->model_next = m;
		ps->model_next = &m->next;
	}
	| K_GROUP T_STRING K_ON K_ANY K_NODE {
		struct ast_model_item *m = NEW(struct ast_model_item);
		m->kind = M_GROUP;
		m->loc = @$;
		m->name = mkname($2, @2);
		m->start_any = true;
		*ps->model_next = m;
		ps->model_next = &m->next;
	}
	;

know_action
	: K_MOVE K_ALL K_GROUPS K_TO T_IDENT {
		$$ = action(ps, A_MOVE_GROUP, @$);
		$$->all_groups = true;
		$$->to = mkname($5, @5);
	}
	;

know_cond
	: K_ALL K_GROUPS K_ON T_IDENT {
		$$ = leaf(ps, C_OWNS_GROUP, @$);
		$$.c->all_groups = true;
		$$.c->name = mkname($4, @4);
	}
	;

know_effect
	: K_MOVE K_ALL K_GROUPS K_OF T_IDENT K_TO T_IDENT {
		struct ast_effect *e = effect_new(ps, E_MOVE_ALL, @$);
		e->args = arg_new(ps, $5, false, @5);
		e->args->next = arg_new(ps, $7, false, @7);
	}
	| K_MOVE T_IDENT T_IDENT K_FROM T_IDENT {
		struct ast_effect *e = effect_new(ps, E_MOVE_AWAY, @$);
		ctx_word(ps, $3, @3, "away");
		e->args = arg_new(ps, $2, false, @2);
		e->args->next = arg_new(ps, $5, false, @5);
	}
	| K_MOVE K_ALL K_GROUPS K_OF T_IDENT K_TO T_IDENT K_NODES {
		struct ast_effect *e = effect_new(ps, E_MOVE_ALL, @$);
		ctx_word(ps, $7, @7, "other");
		e->args = arg_new(ps, $5, false, @5);
	}
	;

import
	: K_IMPORT T_STRING {
		struct ast_import *imp = NEW(struct ast_import);
		imp->path = $2;
		imp->loc = @$;
		*ps->import_next = imp;
		ps->import_next = &imp->next;
	}
	;

/* ---- plans ---- */

plan
	: plan_head plan_items "}" {
		ps->plan->loc.end = @3.end;
		ps->plan = NULL;
	}
	;

plan_head
	: K_PLAN T_IDENT opt_string "{" {
		struct ast_plan *p = NEW(struct ast_plan);
		p->name = mkname($2, @2);
		p->title = $3;
		p->loc = @$;
		plan_begin(ps, p, true);
	}
	| K_PLAN error "{" {
		struct ast_plan *p = NEW(struct ast_plan);
		p->loc = @$;
		plan_begin(ps, p, false);
	}
	;

opt_string
	: %empty { $$ = NULL; }
	| T_STRING { $$ = $1; }
	;

plan_items
	: %empty
	| plan_items plan_item
	| plan_items error
	;

plan_item
	: K_TITLE T_STRING { once(ps, &ps->plan->title, $2, @$, "title"); }
	| K_KB T_STRING { once(ps, &ps->plan->kb, $2, @$, "kb"); }
	| K_PARAM T_IDENT ":" type opt_secret opt_default opt_string {
		struct ast_param *p = NEW(struct ast_param);
		p->name = mkname($2, @2);
		p->loc = @$;
		p->type = (enum ast_type)$4;
		p->type_loc = @4;
		p->secret = $5;
		p->def = $6;
		p->doc = $7;
		if ($5 && $6 != NULL)
			ps_error(ps, @6.start, @6.end, "a secret param takes no default: its value would be written in the "
				 "plan and in its image (give it with --set %s=VALUE or the inventory's `set`)", $2);
		*ps->param_next = p;
		ps->param_next = &p->next;
	}
	| K_REQUIRE cond opt_else {
		struct ast_require *r = NEW(struct ast_require);
		r->cond = $2.c;
		r->message = $3;
		r->loc = @$;
		*ps->require_next = r;
		ps->require_next = &r->next;
	}
	| K_ENSURE cond opt_else {
		struct ast_require *r = NEW(struct ast_require);
		r->cond = $2.c;
		r->message = $3;
		r->loc = @$;
		*ps->ensure_next = r;
		ps->ensure_next = &r->next;
	}
	| K_MODEL "{" model_items "}"
	| K_MODEL error "{" model_items "}"
	| hotfix_head hotfix_items "}" {
		ps->hotfix->loc.end = @3.end;
		ps->hotfix = NULL;
	}
	| proc_head proc_body "}" {
		ps->proc->loc.end = @3.end;
		ps->proc = NULL;
	}
	| decl
	;

type
	: K_BOOL { $$ = TY_BOOL; }
	| K_INT { $$ = TY_INT; }
	| K_STRING { $$ = TY_STRING; }
	| K_DURATION { $$ = TY_DURATION; }
	| K_VERSION { $$ = TY_VERSION; }
	| K_STORES { $$ = TY_STORES; }
	;

opt_secret
	: %empty { $$ = false; }
	| K_SECRET { $$ = true; }
	;

opt_default
	: %empty { $$ = NULL; }
	| "=" literal { $$ = $2; }
	;

opt_else
	: %empty { $$ = NULL; }
	| K_ELSE T_STRING { $$ = $2; }
	;

/* ---- model ---- */

model_items
	: %empty
	| model_items model_item
	| model_items error
	;

model_item
	: K_SERVICE T_STRING K_PROCESS T_STRING opt_holds {
		struct ast_model_item *m = NEW(struct ast_model_item);
		m->kind = M_SERVICE;
		m->loc = @$;
		m->name = mkname($2, @2);
		m->process = mkname($4, @4);
		m->holds_stores = $5;
		*ps->model_next = m;
		ps->model_next = &m->next;
	}
	| K_SERVICE T_STRING K_CLUSTER {
		struct ast_model_item *m = NEW(struct ast_model_item);
		m->kind = M_CLUSTER_SERVICE;
		m->loc = @$;
		m->name = mkname($2, @2);
		*ps->model_next = m;
		ps->model_next = &m->next;
	}
	| K_RESOURCE T_STRING K_SERVICE T_STRING K_GROUP T_STRING {
		struct ast_model_item *m = NEW(struct ast_model_item);
		m->kind = M_RESOURCE;
		m->loc = @$;
		m->name = mkname($2, @2);
		m->service = mkname($4, @4);
		m->group = mkname($6, @6);
		*ps->model_next = m;
		ps->model_next = &m->next;
	}
	| K_GROUP T_STRING {
		struct ast_model_item *m = NEW(struct ast_model_item);
		m->kind = M_GROUP;
		m->loc = @$;
		m->name = mkname($2, @2);
		*ps->model_next = m;
		ps->model_next = &m->next;
	}
	| K_STORE T_STRING {
		struct ast_model_item *m = NEW(struct ast_model_item);
		m->kind = M_STORE;
		m->loc = @$;
		m->name = mkname($2, @2);
		*ps->model_next = m;
		ps->model_next = &m->next;
	}
	| know_model_item
	| K_RECOVER T_IDENT {
		struct ast_model_item *m = NEW(struct ast_model_item);
		m->kind = M_RECOVER;
		m->loc = @$;
		m->name = mkname($2, @2);
		*ps->model_next = m;
		ps->model_next = &m->next;
	}
	;

opt_holds
	: %empty { $$ = false; }
	| K_HOLDS K_STORES { $$ = true; }
	;

/* ---- hotfixes ---- */

hotfix_head
	: K_HOTFIX T_IDENT "{" {
		struct ast_hotfix *h = NEW(struct ast_hotfix);
		h->name = mkname($2, @2);
		h->loc = @$;
		*ps->hotfix_next = h;
		ps->hotfix_next = &h->next;
		ps->hotfix = h;
		ps->hfile_next = &h->files;
		ps->restarts_cap = 0;
	}
	| K_HOTFIX error "{" {
		struct ast_hotfix *h = NEW(struct ast_hotfix);
		h->loc = @$;
		ps->hotfix = h;
		ps->hfile_next = &h->files;
		ps->restarts_cap = 0;
	}
	;

hotfix_items
	: %empty
	| hotfix_items hotfix_item
	| hotfix_items error
	;

hotfix_item
	: hfile_head hfile_attrs { ps->hfile->loc = @$; }
	| K_PACKAGE T_STRING { once(ps, &ps->hotfix->package, $2, @$, "package"); }
	| K_ARGS T_STRING { once(ps, &ps->hotfix->args, $2, @$, "args"); }
	| need { need_add(ps, &ps->hotfix->needs, $1); }
	| K_RESTARTS restart_list {
		struct ast_hotfix *h = ps->hotfix;
		if ((uint64_t)h->nrestarts + $2.n > UINT32_MAX / 2) {
			ps_error(ps, @$.start, @$.end, "too many `restarts`");
		} else {
			if (h->nrestarts + $2.n > ps->restarts_cap) {
				uint32_t cap = ps->restarts_cap ? ps->restarts_cap : 4;
				while (cap < h->nrestarts + $2.n)
					cap *= 2;
				h->restarts = arena_realloc(&ps->ctx->arena, h->restarts,
							    h->nrestarts * sizeof(*h->restarts),
							    cap * sizeof(*h->restarts));
				ps->restarts_cap = cap;
			}
			for (struct namenode *n = $2.head; n != NULL; n = n->next)
				h->restarts[h->nrestarts++] = n->name;
		}
	}
	;

hfile_head
	: K_FILE T_STRING {
		struct ast_hfile *f = NEW(struct ast_hfile);
		f->name = mkname($2, @2);
		*ps->hfile_next = f;
		ps->hfile_next = &f->next;
		ps->hfile = f;
	}
	;

hfile_attrs
	: %empty
	| hfile_attrs K_VERSION T_VERSION {
		if (ps->hfile->has_version)
			ps_error(ps, @2.start, @3.end, "`version` given twice for one file");
		ps->hfile->has_version = true;
		ps->hfile->version = $3;
	}
	| hfile_attrs K_SIZE T_INT {
		if (ps->hfile->has_size)
			ps_error(ps, @2.start, @3.end, "`size` given twice for one file");
		ps->hfile->has_size = true;
		ps->hfile->size = $3;
	}
	| hfile_attrs K_SHA256 T_STRING {
		if (ps->hfile->has_sha256)
			ps_error(ps, @2.start, @3.end, "`sha256` given twice for one file");
		ps->hfile->has_sha256 = true;
		ps->hfile->sha256 = $3;
	}
	;

restart_list
	: T_STRING {
		struct namenode *n = NEW(struct namenode);
		n->name = mkname($1, @1);
		$$.head = $$.tail = n;
		$$.n = 1;
	}
	| restart_list "," T_STRING {
		struct namenode *n = NEW(struct namenode);
		n->name = mkname($3, @3);
		$$ = $1;
		APPEND($$, n);
		$$.n++;
	}
	;

/* ---- procedures ---- */

proc_head
	: K_PROCEDURE proc_kind "{" {
		struct ast_procedure *p = NEW(struct ast_procedure);
		p->kind = (enum proc_kind)$2;
		p->loc = @$;
		p->head = mkloc(@1, @2);
		*ps->proc_next = p;
		ps->proc_next = &p->next;
		ps->proc = p;
		ps->role_next = &p->roles;
		ps->body_next = &p->body;
		ps->proc_has_roles = ps->proc_has_stmts = false;
	}
	| K_PROCEDURE error "{" {
		struct ast_procedure *p = NEW(struct ast_procedure);
		p->loc = @$;
		p->head = @1;
		ps->proc = p;
		ps->role_next = &p->roles;
		ps->body_next = &p->body;
		ps->proc_has_roles = ps->proc_has_stmts = false;
	}
	;

proc_kind
	: K_STANDALONE { $$ = PROC_STANDALONE; }
	| K_CLUSTER { $$ = PROC_CLUSTER; }
	;

proc_body
	: %empty
	| proc_body roles_block
	| proc_body stmt {
		ps->proc_has_stmts = true;
		if ($2 != NULL) {
			*ps->body_next = $2;
			ps->body_next = &$2->next;
		}
	}
	| proc_body error
	;

roles_block
	: K_ROLES "{" role_list "}" {
		if (ps->proc_has_stmts)
			ps_error(ps, @1.start, @1.end, "`roles` must come before the first statement of the procedure");
		else if (ps->proc_has_roles)
			ps_error(ps, @1.start, @1.end, "a procedure has one `roles` block");
		ps->proc_has_roles = true;
	}
	;

role_list
	: %empty
	| role_list role {
		*ps->role_next = $2;
		ps->role_next = &$2->next;
	}
	| role_list error
	;

role
	: T_IDENT "=" K_OWNER K_OF K_GROUP T_STRING {
		$$ = NEW(struct ast_role);
		$$->kind = R_OWNER_OF;
		$$->name = mkname($1, @1);
		$$->loc = @$;
		$$->group = mkname($6, @6);
	}
	| T_IDENT "=" K_ANY K_NODE K_EXCEPT T_IDENT {
		$$ = NEW(struct ast_role);
		$$->kind = R_ANY_EXCEPT;
		$$->name = mkname($1, @1);
		$$->loc = @$;
		$$->except = mkname($6, @6);
	}
	| T_IDENT "=" K_NODE T_STRING {
		$$ = NEW(struct ast_role);
		$$->kind = R_NODE;
		$$->name = mkname($1, @1);
		$$->loc = @$;
		$$->node = mkname($4, @4);
	}
	| T_IDENT "=" K_ALL K_NODES {
		$$ = NEW(struct ast_role);
		$$->kind = R_ALL;
		$$->name = mkname($1, @1);
		$$->loc = @$;
	}
	| T_IDENT "=" K_ALL K_NODES K_EXCEPT T_IDENT {
		$$ = NEW(struct ast_role);
		$$->kind = R_ALL_EXCEPT;
		$$->name = mkname($1, @1);
		$$->loc = @$;
		$$->except = mkname($6, @6);
	}
	;

/* ---- statements ---- */

/* A statement whose head did not parse is checked for errors but left out of the AST:
 * its head has no name (no condition for `if`). */
stmt
	: step_head action_list "}" {
		$1->actions = $2.head;
		$1->loc = @$;
		$$ = $1->name.s != NULL ? $1 : NULL;
	}
	| ckpt_head action_list "}" {
		$1->actions = $2.head;
		$1->loc = @$;
		$$ = $1->name.s != NULL ? $1 : NULL;
	}
	| for_head stmt_list "}" {
		$1->body = $2.head;
		$1->loc = @$;
		$$ = $1->name.s != NULL ? $1 : NULL;
	}
	| if_head stmt_list "}" {
		$1->body = $2.head;
		$1->loc = @$;
		$$ = $1->cond != NULL ? $1 : NULL;
	}
	| if_head stmt_list "}" K_ELSE "{" stmt_list "}" {
		$1->body = $2.head;
		$1->has_else = true;
		$1->else_body = $6.head;
		$1->loc = @$;
		$$ = $1->cond != NULL ? $1 : NULL;
	}
	;

step_head
	: K_STEP T_IDENT opt_string opt_on "{" {
		$$ = stmt_new(ps, S_STEP);
		$$->head = mkloc(@1, @2);
		$$->name = mkname($2, @2);
		$$->title = $3;
		$$->on = $4;
	}
	| K_STEP error "{" {
		$$ = stmt_new(ps, S_STEP);
		$$->head = @1;
	}
	;

ckpt_head
	: K_CHECKPOINT T_IDENT "{" {
		$$ = stmt_new(ps, S_CHECKPOINT);
		$$->head = mkloc(@1, @2);
		$$->name = mkname($2, @2);
	}
	| K_CHECKPOINT error "{" {
		$$ = stmt_new(ps, S_CHECKPOINT);
		$$->head = @1;
	}
	;

for_head
	: K_FOR K_EACH T_IDENT K_IN T_IDENT opt_serial "{" {
		$$ = stmt_new(ps, S_FOREACH);
		$$->head = mkloc(@1, @3);
		$$->name = mkname($3, @3);
		$$->set = mkname($5, @5);
		$$->serial = $6;
	}
	| K_FOR error "{" {
		$$ = stmt_new(ps, S_FOREACH);
		$$->head = @1;
	}
	;

if_head
	: K_IF cond "{" {
		$$ = stmt_new(ps, S_IF);
		$$->head = @1;
		$$->cond = $2.c;
	}
	| K_IF error "{" {
		$$ = stmt_new(ps, S_IF);
		$$->head = @1;
	}
	;

opt_serial
	: %empty { $$ = 1; }
	| K_SERIAL T_INT { $$ = $2; }
	;

stmt_list
	: %empty { $$.head = $$.tail = NULL; }
	| stmt_list stmt {
		$$ = $1;
		if ($2 != NULL)
			APPEND($$, $2);
	}
	| stmt_list error { $$ = $1; }
	;

action_list
	: %empty { $$.head = $$.tail = NULL; }
	| action_list action {
		$$ = $1;
		APPEND($$, $2);
	}
	| action_list error { $$ = $1; }
	;

opt_on
	: %empty { $$ = mkname(NULL, @$); }
	| K_ON T_IDENT { $$ = mkname($2, @2); }
	;

opt_timeout
	: %empty { $$ = -1; }
	| K_TIMEOUT T_DURATION { $$ = $2; }
	;

/* ---- actions ---- */

action
	: K_STOP K_SERVICE T_STRING opt_on {
		$$ = action(ps, A_STOP_SERVICE, @$);
		$$->arg = mkname($3, @3);
		$$->on = $4;
	}
	| K_START K_SERVICE T_STRING opt_on {
		$$ = action(ps, A_START_SERVICE, @$);
		$$->arg = mkname($3, @3);
		$$->on = $4;
	}
	| K_KILL K_PROCESS T_STRING opt_on {
		$$ = action(ps, A_KILL_PROCESS, @$);
		$$->arg = mkname($3, @3);
		$$->on = $4;
	}
	| K_DISMOUNT stores opt_on {
		$$ = action(ps, A_DISMOUNT, @$);
		$$->stores = *$2;
		$$->on = $3;
	}
	| K_MOUNT stores opt_on {
		$$ = action(ps, A_MOUNT, @$);
		$$->stores = *$2;
		$$->on = $3;
	}
	| K_INSTALL K_HOTFIX T_IDENT opt_on {
		$$ = action(ps, A_INSTALL, @$);
		$$->arg = mkname($3, @3);
		$$->on = $4;
	}
	| K_RESTART K_NODE opt_on {
		$$ = action(ps, A_RESTART_NODE, @$);
		$$->on = $3;
	}
	| K_MOVE K_GROUP T_STRING K_TO T_IDENT {
		$$ = action(ps, A_MOVE_GROUP, @$);
		$$->arg = mkname($3, @3);
		$$->to = mkname($5, @5);
	}
	| know_action { $$ = $1; }
	| K_DISABLE K_RESTART K_OF K_RESOURCE T_STRING {
		$$ = action(ps, A_DISABLE_RESTART, @$);
		$$->arg = mkname($5, @5);
	}
	| K_ENABLE K_RESTART K_OF K_RESOURCE T_STRING {
		$$ = action(ps, A_ENABLE_RESTART, @$);
		$$->arg = mkname($5, @5);
	}
	| K_WAIT K_UNTIL cond opt_timeout {
		$$ = action(ps, A_WAIT_UNTIL, @$);
		$$->cond = $3.c;
		$$->duration = $4;
	}
	| K_WAIT T_DURATION {
		$$ = action(ps, A_WAIT, @$);
		$$->duration = $2;
	}
	| K_VERIFY cond opt_else {
		$$ = action(ps, A_VERIFY, @$);
		$$->cond = $2.c;
		$$->message = $3;
	}
	| K_PAUSE T_STRING {
		$$ = action(ps, A_PAUSE, @$);
		$$->arg = mkname($2, @2);
	}
	| T_IDENT "(" opt_args ")" opt_on {
		$$ = action(ps, A_CALL, @$);
		$$->arg = mkname($1, @1);
		$$->args = $3;
		$$->on = $5;
	}
	| K_EXEC T_STRING opt_on opt_timeout {
		$$ = action(ps, A_EXEC, @$);
		$$->arg = mkname($2, @2);
		$$->on = $3;
		$$->duration = $4;
	}
	;

stores
	: K_STORE T_STRING {
		$$ = stores(ps, ST_ONE, @$);
		$$->name = mkname($2, @2);
	}
	| K_ALL K_STORES { $$ = stores(ps, ST_ALL, @$); }
	| K_STORES K_IN T_IDENT {
		$$ = stores(ps, ST_IN, @$);
		$$->name = mkname($3, @3);
	}
	| K_STORES K_NOT K_IN T_IDENT {
		$$ = stores(ps, ST_NOT_IN, @$);
		$$->name = mkname($4, @4);
	}
	;

/* ---- conditions: `not` binds tighter than `and`, `and` tighter than `or` ---- */

cond
	: cond K_OR cond_and { $$ = binary(ps, C_OR, $1, $3, @$); }
	| cond_and { $$ = $1; }
	;

cond_and
	: cond_and K_AND cond_not { $$ = binary(ps, C_AND, $1, $3, @$); }
	| cond_not { $$ = $1; }
	;

cond_not
	: K_NOT cond_not {
		$$ = leaf(ps, C_NOT, @$);
		$$.c->lhs = $2.c;
		$$.depth = $2.depth + 1;
	}
	| cond_prim { $$ = $1; }
	;

cond_prim
	: "(" cond ")" {
		$$ = $2;
		$$.c->loc = @$;
	}
	| K_SERVICE T_STRING run_state opt_on {
		$$ = leaf(ps, C_SERVICE, @$);
		$$.c->name = mkname($2, @2);
		$$.c->positive = $3;
		$$.c->on = $4;
	}
	| K_PROCESS T_STRING run_state opt_on {
		$$ = leaf(ps, C_PROCESS, @$);
		$$.c->name = mkname($2, @2);
		$$.c->positive = $3;
		$$.c->on = $4;
	}
	| stores mount_state {
		$$ = leaf(ps, C_STORES, @$);
		$$.c->stores = *$1;
		$$.c->positive = $2;
	}
	| T_IDENT K_MEMBER {
		$$ = leaf(ps, C_MEMBER, @$);
		$$.c->name = mkname($1, @1);
	}
	| T_IDENT K_DOWN {
		$$ = leaf(ps, C_DOWN, @$);
		$$.c->name = mkname($1, @1);
	}
	| T_IDENT K_OWNS K_GROUP T_STRING {
		$$ = leaf(ps, C_OWNS_GROUP, @$);
		$$.c->name = mkname($1, @1);
		$$.c->group = mkname($4, @4);
	}
	| T_IDENT K_OWNS K_NO K_GROUPS {
		$$ = leaf(ps, C_OWNS_NO_GROUPS, @$);
		$$.c->name = mkname($1, @1);
	}
	| know_cond { $$ = $1; }
	| K_HOTFIX T_IDENT K_INSTALLED opt_on {
		$$ = leaf(ps, C_INSTALLED, @$);
		$$.c->name = mkname($2, @2);
		$$.c->on = $4;
	}
	| K_FILE T_STRING K_VERSION cmp T_VERSION opt_on {
		$$ = leaf(ps, C_FILE_VERSION, @$);
		$$.c->name = mkname($2, @2);
		$$.c->op = (enum cmp_op)$4;
		$$.c->lit = literal(ps, LIT_VERSION, @5);
		$$.c->lit->ver = $5;
		$$.c->on = $6;
	}
	| K_FACT fact_path cmp literal {
		$$ = leaf(ps, C_FACT_CMP, @$);
		$$.c->fact = path_join(ps, $2, '.');
		$$.c->op = (enum cmp_op)$3;
		$$.c->lit = $4;
	}
	| K_FACT fact_path K_IN "[" literal_list "]" {
		$$ = leaf(ps, C_FACT_IN, @$);
		$$.c->fact = path_join(ps, $2, '.');
		$$.c->lit = $5.head;
	}
	| K_COUNT "(" T_IDENT ")" cmp T_INT {
		$$ = leaf(ps, C_COUNT, @$);
		$$.c->name = mkname($3, @3);
		$$.c->op = (enum cmp_op)$5;
		$$.c->lit = literal(ps, LIT_INT, @6);
		$$.c->lit->num = $6;
	}
	| T_IDENT {
		$$ = leaf(ps, C_PARAM, @$);
		$$.c->name = mkname($1, @1);
	}
	| T_IDENT cmp word {
		$$ = leaf(ps, C_DSTATE, @$);
		$$.c->name = mkname($1, @1);
		$$.c->op = (enum cmp_op)$2;
		$$.c->value = mkname($3, @3);
	}
	| T_IDENT "(" opt_args ")" cmp word {
		$$ = leaf(ps, C_DSTATE, @$);
		$$.c->name = mkname($1, @1);
		$$.c->args = $3;
		$$.c->op = (enum cmp_op)$5;
		$$.c->value = mkname($6, @6);
	}
	;

run_state
	: K_RUNNING { $$ = true; }
	| K_STOPPED { $$ = false; }
	;

mount_state
	: K_MOUNTED { $$ = true; }
	| K_DISMOUNTED { $$ = false; }
	;

cmp
	: "==" { $$ = CMP_EQ; }
	| "!=" { $$ = CMP_NE; }
	| "<" { $$ = CMP_LT; }
	| "<=" { $$ = CMP_LE; }
	| ">" { $$ = CMP_GT; }
	| ">=" { $$ = CMP_GE; }
	;

literal
	: T_STRING {
		$$ = literal(ps, LIT_STRING, @$);
		$$->str = $1;
	}
	| T_INT {
		$$ = literal(ps, LIT_INT, @$);
		$$->num = $1;
	}
	| T_VERSION {
		$$ = literal(ps, LIT_VERSION, @$);
		$$->ver = $1;
	}
	| T_DURATION {
		$$ = literal(ps, LIT_DURATION, @$);
		$$->num = $1;
	}
	| K_TRUE {
		$$ = literal(ps, LIT_BOOL, @$);
		$$->num = 1;
	}
	| K_FALSE {
		$$ = literal(ps, LIT_BOOL, @$);
		$$->num = 0;
	}
	;

literal_list
	: literal { $$.head = $$.tail = $1; }
	| literal_list "," literal {
		$$ = $1;
		APPEND($$, $3);
	}
	;

/* A fact path: after `fact` and after `.`, any keyword is a word. */
fact_path
	: word {
		struct pword *w = NEW(struct pword);
		w->s = $1;
		$$.head = $$.tail = w;
		$$.len = strlen($1);
	}
	| fact_path "." word {
		struct pword *w = NEW(struct pword);
		w->s = $3;
		$$ = $1;
		APPEND($$, w);
		$$.len += 1 + strlen($3);
	}
	;

word
	: T_IDENT { $$ = $1; }
	| kw { $$ = word_text(ps, @1); }
	;

/* Every keyword of keywords.h (tests/unit/test_parse.c checks that each is a word here). */
kw	: K_IMPORT | K_PLAN | K_TITLE | K_KB | K_PARAM | K_REQUIRE | K_ELSE | K_MODEL
	| K_HOTFIX | K_PROCEDURE | K_STANDALONE | K_CLUSTER | K_ENSURE | K_BOOL | K_INT
	| K_STRING | K_DURATION | K_VERSION | K_STORES | K_SERVICE | K_PROCESS | K_HOLDS
	| K_RESOURCE | K_GROUP | K_STORE | K_RECOVER | K_FILE | K_SIZE | K_SHA256 | K_PACKAGE
	| K_ARGS | K_RESTARTS | K_ROLES | K_OWNER | K_OF | K_ANY | K_NODE | K_EXCEPT | K_ALL
	| K_NODES | K_STEP | K_ON | K_CHECKPOINT | K_FOR | K_EACH | K_IN | K_SERIAL | K_IF
	| K_STOP | K_START | K_KILL | K_DISMOUNT | K_MOUNT | K_INSTALL | K_RESTART | K_MOVE
	| K_TO | K_DISABLE | K_ENABLE | K_WAIT | K_UNTIL | K_TIMEOUT | K_VERIFY | K_PAUSE
	| K_EXEC | K_NOT | K_OR | K_AND | K_RUNNING | K_STOPPED | K_MOUNTED | K_DISMOUNTED
	| K_MEMBER | K_DOWN | K_OWNS | K_NO | K_GROUPS | K_INSTALLED | K_FACT | K_COUNT | K_TRUE
	| K_FALSE | K_TARGET | K_ADDRESS | K_PROFILE | K_SET | K_SECRET | K_FROM | K_ENV
	;

/* ---- inventories (SPEC section 6) ---- */

target
	: target_head target_items "}" {
		ps->target->loc.end = @3.end;
		ps->target = NULL;
	}
	;

target_head
	: K_TARGET T_IDENT proc_kind "{" {
		struct ast_target *t = NEW(struct ast_target);
		t->name = mkname($2, @2);
		t->loc = @$;
		t->kind = (enum proc_kind)$3;
		*ps->target_next = t;
		ps->target_next = &t->next;
		ps->target = t;
		ps->node_next = &t->nodes;
		ps->titem_next = &t->items;
	}
	| K_TARGET error "{" {
		struct ast_target *t = NEW(struct ast_target);
		t->loc = @$;
		ps->target = t;
		ps->node_next = &t->nodes;
		ps->titem_next = &t->items;
	}
	;

target_items
	: %empty
	| target_items target_item
	| target_items error
	;

target_item
	: node_head { ps->node->loc = @$; }
	| node_head "{" node_items "}" { ps->node->loc = @$; }
	| K_PROFILE T_STRING {
		struct ast_target_item *i = NEW(struct ast_target_item);
		i->kind = TI_PROFILE;
		i->loc = @$;
		i->str = $2;
		*ps->titem_next = i;
		ps->titem_next = &i->next;
	}
	| K_FACT fact_path "=" literal {
		struct ast_target_item *i = NEW(struct ast_target_item);
		i->kind = TI_FACT;
		i->loc = @$;
		i->str = path_join(ps, $2, '.');
		i->value = $4;
		*ps->titem_next = i;
		ps->titem_next = &i->next;
	}
	| K_STORE T_STRING {
		struct ast_target_item *i = NEW(struct ast_target_item);
		i->kind = TI_STORE;
		i->loc = @$;
		i->str = $2;
		*ps->titem_next = i;
		ps->titem_next = &i->next;
	}
	| K_GROUP T_STRING K_OWNER T_STRING {
		struct ast_target_item *i = NEW(struct ast_target_item);
		i->kind = TI_GROUP;
		i->loc = @$;
		i->str = $2;
		i->owner = $4;
		*ps->titem_next = i;
		ps->titem_next = &i->next;
	}
	| K_SET T_IDENT "=" literal {
		struct ast_target_item *i = NEW(struct ast_target_item);
		i->kind = TI_SET;
		i->loc = @$;
		i->str = $2;
		i->value = $4;
		*ps->titem_next = i;
		ps->titem_next = &i->next;
	}
	| K_SET T_IDENT K_FROM K_ENV T_STRING {
		struct ast_target_item *i = NEW(struct ast_target_item);
		i->kind = TI_SET;
		i->loc = @$;
		i->str = $2;
		i->env = $5;
		*ps->titem_next = i;
		ps->titem_next = &i->next;
	}
	;

node_head
	: K_NODE T_STRING opt_address {
		struct ast_node *n = NEW(struct ast_node);
		n->name = mkname($2, @2);
		n->loc = @$;
		n->address = $3;
		*ps->node_next = n;
		ps->node_next = &n->next;
		ps->node = n;
		ps->nitem_next = &n->items;
	}
	;

opt_address
	: %empty { $$ = NULL; }
	| K_ADDRESS T_STRING { $$ = $2; }
	;

node_items
	: %empty
	| node_items node_item
	| node_items error
	;

node_item
	: K_PROFILE T_STRING {
		struct ast_target_item *i = NEW(struct ast_target_item);
		i->kind = TI_PROFILE;
		i->loc = @$;
		i->str = $2;
		*ps->nitem_next = i;
		ps->nitem_next = &i->next;
	}
	| K_FACT fact_path "=" literal {
		struct ast_target_item *i = NEW(struct ast_target_item);
		i->kind = TI_FACT;
		i->loc = @$;
		i->str = path_join(ps, $2, '.');
		i->value = $4;
		*ps->nitem_next = i;
		ps->nitem_next = &i->next;
	}
	;

/* ---- profiles (docs/profiles.md) ---- */

profile
	: profile_head profile_entries "}" {
		ps->profile->loc.end = @3.end;
		ps->profile = NULL;
	}
	;

profile_head
	: K_PROFILE T_STRING "{" {
		struct ast_profile *p = NEW(struct ast_profile);
		p->name = mkname($2, @2);
		p->loc = @$;
		*ps->profile_next = p;
		ps->profile_next = &p->next;
		ps->profile = p;
		ps->pentry_next = &p->entries;
	}
	| K_PROFILE error "{" {
		struct ast_profile *p = NEW(struct ast_profile);
		p->loc = @$;
		ps->profile = p;
		ps->pentry_next = &p->entries;
	}
	;

profile_entries
	: %empty
	| profile_entries profile_entry
	| profile_entries error
	;

/* `KEY WORDS = "command"`, or `KEY "value"` for settings such as `shell "cmd"` */
profile_entry
	: profile_key "=" T_STRING {
		struct ast_profile_entry *e = NEW(struct ast_profile_entry);
		e->key = path_join(ps, $1, ' ');
		e->key_loc = @1;
		e->value = $3;
		e->value_loc = @3;
		e->loc = @$;
		*ps->pentry_next = e;
		ps->pentry_next = &e->next;
	}
	| profile_key T_STRING {
		struct ast_profile_entry *e = NEW(struct ast_profile_entry);
		e->key = path_join(ps, $1, ' ');
		e->key_loc = @1;
		e->value = $2;
		e->value_loc = @2;
		e->loc = @$;
		*ps->pentry_next = e;
		ps->pentry_next = &e->next;
	}
	;

profile_key
	: word {
		struct pword *w = NEW(struct pword);
		w->s = $1;
		$$.head = $$.tail = w;
		$$.len = strlen($1);
	}
	| profile_key word {
		struct pword *w = NEW(struct pword);
		w->s = $2;
		$$ = $1;
		APPEND($$, w);
		$$.len += 1 + strlen($2);
	}
	;

%%

/* The keywords are the last terminals, in the order of keywords.h: keyword k is symbol
 * KW_SYM0 + k, and token KW_TOK0 + k (bison numbers the tokens it declares from 258, the
 * token of symbol 3). A keyword that keywords.h lists and the %token list does not (or the
 * other way round, or in another place) fails here. */
#define KW_SYM0 (YYNTOKENS - KW_NUM)
#define KW_TOK0 (KW_SYM0 + 255)
#define KW_CHECK(name, spelling, opens, items, flags)                                   \
	_Static_assert((int)YYSYMBOL_K_##name == KW_SYM0 + KW_##name &&                      \
			       K_##name == KW_TOK0 + KW_##name,                                      \
		       "the keyword " spelling " is not where keywords.h puts it in the %token list");
HP_KEYWORDS(KW_CHECK)
#undef KW_CHECK

/* The keyword a token is, or -1. */
static int kw_of(int token)
{
	return token >= KW_TOK0 && token < KW_TOK0 + KW_NUM ? token - KW_TOK0 : -1;
}

static struct ast_name mkname(const char *s, loc_t l)
{
	struct ast_name n = { s, l };
	return n;
}

static loc_t mkloc(loc_t a, loc_t b)
{
	a.end = b.end;
	return a;
}

static struct cexp leaf(struct pstate *ps, enum cond_kind k, loc_t l)
{
	struct cexp e = { NEW(struct ast_cond), 1 };
	e.c->kind = k;
	e.c->loc = l;
	return e;
}

static struct cexp binary(struct pstate *ps, enum cond_kind k, struct cexp a, struct cexp b, loc_t l)
{
	struct cexp e = leaf(ps, k, l);
	e.c->lhs = a.c;
	e.c->rhs = b.c;
	e.depth = (a.depth > b.depth ? a.depth : b.depth) + 1;
	if (e.depth > HP_MAX_DEPTH) {
		/* Later passes walk conditions recursively: keep them shallow. */
		ps_error(ps, l.start, l.end, "condition too complex (more than %d nested operators)",
			 HP_MAX_DEPTH);
		ps->stop = true;
	}
	return e;
}

static struct ast_action *action(struct pstate *ps, enum action_kind k, loc_t l)
{
	struct ast_action *a = NEW(struct ast_action);
	a->kind = k;
	a->loc = l;
	a->duration = -1;
	return a;
}

static struct ast_stores *stores(struct pstate *ps, enum stores_kind k, loc_t l)
{
	struct ast_stores *s = NEW(struct ast_stores);
	s->kind = k;
	s->loc = l;
	return s;
}

static struct ast_literal *literal(struct pstate *ps, enum lit_kind k, loc_t l)
{
	struct ast_literal *lit = NEW(struct ast_literal);
	lit->kind = k;
	lit->loc = l;
	return lit;
}

static struct ast_stmt *stmt_new(struct pstate *ps, enum stmt_kind k)
{
	struct ast_stmt *s = NEW(struct ast_stmt);
	s->kind = k;
	s->serial = 1;
	return s;
}

/* The text of a token already shifted. */
static const char *word_text(struct pstate *ps, loc_t l)
{
	return arena_strndup(&ps->ctx->arena, ps->text + l.start, l.end - l.start);
}

/* The words of a path joined by `sep` (p.len counts one separator between words). */
static const char *path_join(struct pstate *ps, struct wpath p, char sep)
{
	char *s = arena_alloc(&ps->ctx->arena, p.len + 1);
	size_t o = 0;
	for (struct pword *w = p.head; w != NULL; w = w->next) {
		size_t n = strlen(w->s);
		if (o > 0)
			s[o++] = sep;
		memcpy(s + o, w->s, n);
		o += n;
	}
	s[o] = '\0';
	return s;
}

static void plan_begin(struct pstate *ps, struct ast_plan *p, bool link)
{
	if (link) {
		*ps->plan_next = p;
		ps->plan_next = &p->next;
	}
	ps->plan = p;
	ps->param_next = &p->params;
	ps->require_next = &p->requires;
	ps->ensure_next = &p->ensures;
	ps->model_next = &p->model;
	ps->hotfix_next = &p->hotfixes;
	ps->proc_next = &p->procs;
	lib_begin(ps, &p->decls);
}

/* Declarations go to library l from here on (a top-level library, or a plan's own). */
static void lib_begin(struct pstate *ps, struct ast_library *l)
{
	ps->lib = l;
	ps->state_next = &l->states;
	ps->adecl_next = &l->actions;
	ps->rule_next = &l->rules;
}

/* A word that is a keyword only where it stands (`library`, `state`, `action`, `rule`…): any
 * other name there is a syntax error that says which word was expected. */
static void ctx_word(struct pstate *ps, const char *word, loc_t l, const char *want)
{
	if (strcmp(word, want) != 0)
		ps_error(ps, l.start, l.end, "expected `%s` here, found `%s`", want, word);
}

static struct ast_need *need_new(struct pstate *ps, const char *word, loc_t wl, enum need_kind k, loc_t l)
{
	struct ast_need *n = NEW(struct ast_need);
	ctx_word(ps, word, wl, "needs");
	n->kind = k;
	n->loc = l;
	return n;
}

/* Append n to list; a need said twice is an error there. */
static void need_add(struct pstate *ps, struct ast_need **list, struct ast_need *n)
{
	for (; *list != NULL; list = &(*list)->next)
		if ((*list)->kind == n->kind &&
		    (n->kind != NEED_SERVICE_RESTART || strcmp((*list)->service.s, n->service.s) == 0)) {
			ps_error(ps, n->loc.start, n->loc.end, "this need is already declared");
			return;
		}
	*list = n;
}

static struct ast_effect *effect_new(struct pstate *ps, enum effect_kind k, loc_t l)
{
	struct ast_effect *e = NEW(struct ast_effect);
	e->kind = k;
	e->loc = l;
	e->value_index = -1;
	if (ps->effect_next != NULL) {
		*ps->effect_next = e;
		ps->effect_next = &e->next;
	}
	return e;
}

static struct ast_arg *arg_new(struct pstate *ps, const char *s, bool is_string, loc_t l)
{
	struct ast_arg *a = NEW(struct ast_arg);
	a->name = mkname(s, l);
	a->is_string = is_string;
	return a;
}

static void once(struct pstate *ps, const char **field, const char *value, loc_t l, const char *what)
{
	if (*field != NULL)
		ps_error(ps, l.start, l.end, "`%s` given twice", what);
	*field = value;
}

/* ---- errors ---- */

struct diag *ps_error(struct pstate *ps, uint32_t start, uint32_t end, const char *fmt, ...)
{
	loc_t l = { ps->file, start, end };
	va_list ap;
	char buf[1024];

	if (ps->stop)
		return NULL;
	if (ps->nerrors >= HP_MAX_SYNTAX_ERRORS) {
		ps->nerrors++;
		ps->stop = true;
		return diag_report(ps->ctx, HP001, l, "too many errors; giving up");
	}
	ps->nerrors++;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return diag_report(ps->ctx, HP001, l, "%s", buf);
}

/* 1-based line of a byte offset before the scanner's position. Counted on demand (only
 * error messages need it); queries mostly go forward, so it resumes where it stopped. */
static unsigned line_of(struct pstate *ps, uint32_t off)
{
	if (off < ps->line_off || ps->line_no == 0) {
		ps->line_off = 0;
		ps->line_no = 1;
	}
	const char *p = ps->text + ps->line_off, *e = ps->text + off;
	while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		ps->line_no++;
		p++;
	}
	ps->line_off = off;
	return ps->line_no;
}

static void yyerror(YYLTYPE *lloc, struct pstate *ps, const char *msg)
{
	(void)msg; /* "memory exhausted": the parser's stack is full */
	ps_error(ps, lloc->start, lloc->end, "nesting too deep");
	ps->stop = true;
}

/* What the messages call a token: `plan`, `{`, a name… */
static const char *sym_text(yysymbol_kind_t s, char *buf, size_t n)
{
	switch (s) {
	case YYSYMBOL_YYEOF:
		return "end of file";
	case YYSYMBOL_T_IDENT:
		return "a name";
	case YYSYMBOL_T_STRING:
		return "a string";
	case YYSYMBOL_T_INT:
		return "an integer";
	case YYSYMBOL_T_DURATION:
		return "a duration";
	case YYSYMBOL_T_VERSION:
		return "a version";
	default:
		break;
	}
	if (s >= KW_SYM0 && s < YYNTOKENS) {
		snprintf(buf, n, "`%s`", kw_table[s - KW_SYM0].spelling);
		return buf;
	}
	const char *name = yysymbol_name(s);
	size_t len = strlen(name);
	if (len >= 2 && name[0] == '"' && name[len - 1] == '"') {
		name++;
		len -= 2;
	}
	snprintf(buf, n, "`%.*s`", (int)len, name);
	return buf;
}

/* Groups of tokens that read better as one phrase: listed here, or the keywords that
 * start an item of a kind of block (keywords.h). */
static const yysymbol_kind_t grp_cond[] = {
	YYSYMBOL_K_NOT, YYSYMBOL_T_LPAREN, YYSYMBOL_K_SERVICE, YYSYMBOL_K_PROCESS, YYSYMBOL_K_STORE,
	YYSYMBOL_K_ALL, YYSYMBOL_K_STORES, YYSYMBOL_T_IDENT, YYSYMBOL_K_HOTFIX, YYSYMBOL_K_FILE,
	YYSYMBOL_K_FACT, YYSYMBOL_K_COUNT, YYSYMBOL_YYEMPTY,
};
static const yysymbol_kind_t grp_value[] = {
	YYSYMBOL_T_STRING, YYSYMBOL_T_INT, YYSYMBOL_T_VERSION, YYSYMBOL_T_DURATION,
	YYSYMBOL_K_TRUE, YYSYMBOL_K_FALSE, YYSYMBOL_YYEMPTY,
};
static const yysymbol_kind_t grp_cmp[] = {
	YYSYMBOL_T_EQ, YYSYMBOL_T_NE, YYSYMBOL_T_LT, YYSYMBOL_T_LE, YYSYMBOL_T_GT, YYSYMBOL_T_GE,
	YYSYMBOL_YYEMPTY,
};

struct phrase {
	const char *text;
	const yysymbol_kind_t *g;   /* ends with YYSYMBOL_YYEMPTY; NULL: the items of `items` */
	enum kw_block items;
};

/* The phrases, in the order a message lists them. */
static const struct phrase phrases[] = {
	{ "a condition", grp_cond, KB_NONE },       { "an action", NULL, KB_ACTIONS },
	{ "a plan item", NULL, KB_PLAN },           { "a model entry", NULL, KB_MODEL },
	{ "a target item", NULL, KB_TARGET },       { "a value", grp_value, KB_NONE },
	{ "a comparison", grp_cmp, KB_NONE },
};

static void phrase_members(const struct phrase *p, bool *member)
{
	memset(member, 0, YYNTOKENS * sizeof(*member));
	if (p->g != NULL) {
		for (const yysymbol_kind_t *g = p->g; *g != YYSYMBOL_YYEMPTY; g++)
			member[*g] = true;
		return;
	}
	for (int k = 0; k < KW_NUM; k++)
		member[KW_SYM0 + k] = kw_starts_item((enum kw_id)k, p->items);
	/* a declared action's call, a declaration (`state`, `action`, `rule`) start with a name */
	member[YYSYMBOL_T_IDENT] = p->items == KB_ACTIONS || p->items == KB_PLAN;
}

/* If every token of phrase p is in `in`, take them from `left` and say so. */
static bool phrase_take(const struct phrase *p, const bool *in, bool *left)
{
	bool member[YYNTOKENS];

	phrase_members(p, member);
	for (int s = 0; s < YYNTOKENS; s++)
		if (member[s] && !in[s])
			return false;
	for (int s = 0; s < YYNTOKENS; s++)
		if (member[s])
			left[s] = false;
	return true;
}

/* "`a`, a condition or `}`" for the expected tokens, or NULL when that would be too long
 * to help. */
static const char *expected_text(struct pstate *ps, const yysymbol_kind_t *exp, int n)
{
	bool in[YYNTOKENS] = { false }, left[YYNTOKENS] = { false };
	const char *part[YYNTOKENS + 8];
	char bufs[YYNTOKENS][40];
	int np = 0, nwords = 0;

	if (n <= 0)
		return NULL;
	for (int i = 0; i < n; i++)
		in[exp[i]] = left[exp[i]] = true;
	for (int s = KW_SYM0; s < YYNTOKENS; s++)
		nwords += in[s];
	/* at the top of a file a name can only start a `library`: not worth saying there */
	if (in[YYSYMBOL_K_PLAN] && in[YYSYMBOL_K_IMPORT] && nwords < KW_NUM)
		in[YYSYMBOL_T_IDENT] = left[YYSYMBOL_T_IDENT] = false;
	/* individual tokens first, then groups, then `}` and end of file */
	const char *groups[8];
	int ng = 0;
	const bool *basis = in;
	if (in[YYSYMBOL_T_IDENT] && nwords == KW_NUM) {
		groups[ng++] = "a word";
		left[YYSYMBOL_T_IDENT] = false;
		for (int s = KW_SYM0; s < YYNTOKENS; s++)
			left[s] = false;
		basis = left;   /* "a word" says it all: no phrase for words again */
	}
	for (size_t i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++)
		if (phrase_take(&phrases[i], basis, left))
			groups[ng++] = phrases[i].text;
	for (int s = 0; s < YYNTOKENS; s++)
		if (left[s] && s != YYSYMBOL_T_RBRACE && s != YYSYMBOL_YYEOF)
			part[np++] = sym_text((yysymbol_kind_t)s, bufs[s], sizeof(bufs[s]));
	for (int i = 0; i < ng; i++)
		part[np++] = groups[i];
	if (left[YYSYMBOL_T_RBRACE])
		part[np++] = "`}`";
	if (left[YYSYMBOL_YYEOF])
		part[np++] = "end of file";
	if (np == 0 || np > 8)
		return NULL;

	size_t len = 1;
	for (int i = 0; i < np; i++)
		len += strlen(part[i]) + 4;
	char *out = arena_alloc(&ps->ctx->arena, len), *o = out;
	for (int i = 0; i < np; i++) {
		if (i > 0)
			o = stpcpy(o, i == np - 1 ? " or " : ", ");
		o = stpcpy(o, part[i]);
	}
	return out;
}

/* Up to max code points of a token's text that are safe to quote in a message: printable
 * ASCII and well-formed UTF-8 (a string may hold bytes already reported as errors). */
static size_t quotable(const char *s, size_t n, size_t max, bool *cut)
{
	size_t i = 0, cps = 0;

	while (i < n && cps < max) {
		unsigned char c = (unsigned char)s[i];
		size_t k = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 :
			   c >= 0xF0 && c <= 0xF4 ? 4 : 0;
		if (k == 0 || i + k > n || (k == 1 && (c < 0x20 || c == 0x7F)))
			break;
		for (size_t j = 1; j < k; j++)
			if (((unsigned char)s[i + j] & 0xC0) != 0x80)
				goto stop;
		i += k;
		cps++;
	}
stop:
	*cut = i < n;
	return i;
}

/* What was found, with its text where that helps: "name `servce`". */
static const char *found_text(struct pstate *ps, yysymbol_kind_t s, const YYLTYPE *l)
{
	char buf[48];
	const char *what;
	bool cut;

	switch (s) {
	case YYSYMBOL_T_IDENT:
		what = "name";
		break;
	case YYSYMBOL_T_STRING:
		what = "string";
		break;
	case YYSYMBOL_T_INT:
		what = "integer";
		break;
	case YYSYMBOL_T_DURATION:
		what = "duration";
		break;
	case YYSYMBOL_T_VERSION:
		what = "version";
		break;
	default:
		return arena_strdup(&ps->ctx->arena, sym_text(s, buf, sizeof(buf)));
	}
	const char *text = ps->text + l->start;
	int n = (int)quotable(text, l->end - l->start, 32, &cut);
	if (s == YYSYMBOL_T_STRING)
		return arena_printf(&ps->ctx->arena, "%s %.*s%s", what, n, text, cut ? "…" : "");
	return arena_printf(&ps->ctx->arena, "%s `%.*s%s`", what, n, text, cut ? "…" : "");
}

/* Does this token suggest a block left open, when `}` was expected? */
static bool starts_block(yysymbol_kind_t s)
{
	return s >= KW_SYM0 && s < YYNTOKENS && (kw_table[s - KW_SYM0].flags & KF_HINT) != 0;
}

/* Was a name expected, and no keyword (where a keyword would do too, as in a condition, the
 * word found may be a keyword misplaced rather than a name)? */
static bool expects_name_only(const yysymbol_kind_t *exp, int n)
{
	bool name = false;
	for (int i = 0; i < n; i++) {
		if (exp[i] >= KW_SYM0 && exp[i] < YYNTOKENS)
			return false;
		name |= exp[i] == YYSYMBOL_T_IDENT;
	}
	return name;
}

static int yyreport_syntax_error(const yypcontext_t *yyctx, struct pstate *ps)
{
	yysymbol_kind_t exp[YYNTOKENS];
	yysymbol_kind_t la = yypcontext_token(yyctx);
	const YYLTYPE *l = yypcontext_location(yyctx);
	int n = yypcontext_expected_tokens(yyctx, exp, YYNTOKENS);
	bool want_rbrace = false;
	struct diag *d;

	if (ps->stop)
		return 0;
	for (int i = 0; i < n; i++)
		want_rbrace |= exp[i] == YYSYMBOL_T_RBRACE;
	const struct open_block *open = ps->nopen > 0 ? &ps->open[ps->nopen - 1] : NULL;
	/* at end of file, point just past the last token rather than at an empty line */
	YYLTYPE at = *l;
	if (la == YYSYMBOL_YYEOF)
		at.start = at.end = ps->prev_end;
	l = &at;
	if (la == YYSYMBOL_YYEOF && open != NULL && want_rbrace) {
		ps_error(ps, l->start, l->end, "missing `}` to close `%s` opened at line %u",
			 open->what, line_of(ps, open->off));
		return 0;
	}
	const char *found = found_text(ps, la, l);
	const char *expect = expected_text(ps, exp, n);
	if (expect != NULL)
		d = ps_error(ps, l->start, l->end, "syntax error, unexpected %s, expecting %s", found, expect);
	else
		d = ps_error(ps, l->start, l->end, "syntax error, unexpected %s", found);
	if (d != NULL && open != NULL && want_rbrace && starts_block(la))
		diag_note(ps->ctx, d, "is a `}` missing to close `%s` opened at line %u?", open->what,
			  line_of(ps, open->off));
	if (d != NULL && la >= KW_SYM0 && la < YYNTOKENS && expects_name_only(exp, n))
		diag_note(ps->ctx, d, "`%s` is a keyword, which cannot be a name (quoted, it would be a string): "
			  "choose another name", kw_table[la - KW_SYM0].spelling);
	return 0;
}

/* ---- the token stream: nesting and the blocks still open ---- */

/* The keyword that names the block its `{` opens (`step`, `else`…), or NULL. */
static const char *block_word(int t)
{
	int k = kw_of(t);
	return k >= 0 && kw_table[k].opens != KB_NONE ? kw_table[k].spelling : NULL;
}

static void cond_reset(struct pstate *ps)
{
	ps->parens = 0;
	ps->nots = 0;
	ps->level_nots[0] = 0;
}

/* Blocks, parentheses and `not`s open at this token; past HP_MAX_DEPTH, give up on the
 * file before anything recurses or the stack grows. */
static bool too_deep(struct pstate *ps, const YYLTYPE *l)
{
	if (ps->nopen + ps->parens + ps->nots <= HP_MAX_DEPTH)
		return false;
	ps_error(ps, l->start, l->end, "nesting too deep (more than %d levels of blocks, parentheses and `not`)",
		 HP_MAX_DEPTH);
	ps->stop = true;
	return true;
}

/* A `for each` opened inside HP_MAX_LOOP_DEPTH others: the loops multiply (every iteration
 * of the outer ones runs the inner one over its nodes), so the checker's simulation and a run
 * would grow exponentially with the depth. Said at the loop that makes one too many (not again
 * at the loops inside it); parsing goes on. */
static void loops_too_deep(struct pstate *ps, const YYLTYPE *l)
{
	const struct open_block *b = &ps->open[ps->nopen - 1];
	unsigned loops = 0;
	if (strcmp(b->what, "for") != 0)
		return;
	for (unsigned i = 0; i < ps->nopen; i++)
		loops += strcmp(ps->open[i].what, "for") == 0;
	if (loops == HP_MAX_LOOP_DEPTH + 1)
		ps_error(ps, b->off, l->end, "`for each` nested too deeply (more than %d loops, one inside another)",
			 HP_MAX_LOOP_DEPTH);
}

static int yylex(YYSTYPE *lval, YYLTYPE *lloc, struct pstate *ps)
{
	int t;

	if (ps->stop)
		goto eof;
	t = lex_scan(lval, lloc, ps->scanner);
	if (ps->stop)
		goto eof;

	/* after `fact` and `.`, keywords are words of a fact path */
	int prev = ps->prev_tok;
	ps->prev_tok = t;
	if (t != 0)
		ps->prev_end = lloc->end;
	/* a top-level `profile` block: its keys are words, not the start of blocks or
	 * conditions; only its braces count */
	if (ps->nopen == 0) {
		int k = kw_of(t);
		if (k == KW_PROFILE)
			ps->profile_pending = true;
		else if (k >= 0 && kw_starts_item((enum kw_id)k, KB_TOP))   /* `plan`, `target`… */
			ps->profile_pending = false;
		else if (t == T_LBRACE) {
			ps->in_profile = ps->profile_pending;
			ps->profile_pending = false;
		}
	} else if (ps->in_profile && t != T_LBRACE && t != T_RBRACE) {
		return t;
	}
	if (prev == K_FACT || prev == T_DOT)
		return t;
	const char *w = block_word(t);
	if (w != NULL && !ps->blockkw_locked) {
		ps->blockkw = w;
		ps->blockkw_off = lloc->start;
		ps->blockkw_locked = t == K_IF; /* its condition may hold `hotfix` */
	}
	switch (t) {
	case T_LBRACE:
		cond_reset(ps);
		ps->open[ps->nopen].what = ps->blockkw != NULL ? ps->blockkw : "{";
		ps->open[ps->nopen].off = ps->blockkw != NULL ? ps->blockkw_off : lloc->start;
		ps->nopen++;
		ps->blockkw = NULL;
		ps->blockkw_locked = false;
		if (too_deep(ps, lloc))
			goto eof;
		loops_too_deep(ps, lloc);
		break;
	case T_RBRACE:
		cond_reset(ps);
		if (ps->nopen > 0)
			ps->nopen--;
		if (ps->nopen == 0)
			ps->in_profile = false;
		ps->blockkw = NULL;
		ps->blockkw_locked = false;
		break;
	case T_LPAREN:
		ps->parens++;
		ps->level_nots[ps->parens] = 0;
		if (too_deep(ps, lloc))
			goto eof;
		break;
	case T_RPAREN:
		if (ps->parens > 0) {
			ps->nots -= ps->level_nots[ps->parens];
			ps->parens--;
		}
		break;
	case K_NOT:
		/* `stores not in P` is no operator */
		if (prev == K_STORES)
			break;
		ps->level_nots[ps->parens]++;
		ps->nots++;
		if (too_deep(ps, lloc))
			goto eof;
		break;
	case K_AND:
	case K_OR:
		/* `not` binds tighter: an operator ends the operands of the `not`s before it */
		ps->nots -= ps->level_nots[ps->parens];
		ps->level_nots[ps->parens] = 0;
		break;
	case K_REQUIRE:
	case K_ENSURE:
	case K_UNTIL:
	case K_VERIFY:
	case K_IF:
		cond_reset(ps); /* a new condition starts */
		break;
	default:
		break;
	}
	return t;
eof:
	lloc->file = ps->file;
	lloc->start = lloc->end = ps->off;
	return 0;
}

/* ---- driver ---- */

unsigned parse_source(struct hp_ctx *ctx, uint32_t src, struct ast_file *out)
{
	struct pstate ps;
	struct source *s = ctx_source(ctx, src);

	memset(&ps, 0, sizeof(ps));
	ps.ctx = ctx;
	ps.file = src;
	ps.text = s->text;
	ps.len = (uint32_t)s->len;
	ps.out = out;
	ps.prev_tok = -1;
	out->source = src;
	ps.import_next = &out->imports;
	ps.plan_next = &out->plans;
	ps.target_next = &out->targets;
	ps.profile_next = &out->profiles;
	ps.library_next = &out->libraries;
	while (*ps.library_next != NULL)
		ps.library_next = &(*ps.library_next)->next;
	while (*ps.profile_next != NULL)
		ps.profile_next = &(*ps.profile_next)->next;
	while (*ps.import_next != NULL)
		ps.import_next = &(*ps.import_next)->next;
	while (*ps.plan_next != NULL)
		ps.plan_next = &(*ps.plan_next)->next;
	while (*ps.target_next != NULL)
		ps.target_next = &(*ps.target_next)->next;
	if (!lex_open(&ps)) {
		arena_oom(0);
	}
	yyparse(&ps);
	lex_close(&ps);
	free(ps.sbuf);
	/* a plan or target left open at the end still ends there */
	if (ps.plan != NULL)
		ps.plan->loc.end = ps.len;
	if (ps.target != NULL)
		ps.target->loc.end = ps.len;
	if (ps.profile != NULL)
		ps.profile->loc.end = ps.len;
	if (ps.lib != NULL && ps.lib->name.s != NULL && ps.lib->loc.end == ps.lib->loc.start)
		ps.lib->loc.end = ps.len;
	return ps.nerrors;
}
