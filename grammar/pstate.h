/* pstate.h: state shared by the scanner (lexer.l) and the parser (parser.y) while one
 * source is parsed or scanned. Private to the front end (parse.h and scan.h are its
 * interface). A pstate lives on parse_source's stack (or in a struct scan); the AST it
 * builds lives in the context's arena; sbuf is malloc'd and freed by its owner. */
#ifndef HP_PSTATE_H
#define HP_PSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "keywords.h"
#include "parser.h"

/* A `{` not yet closed: the keyword that opened the block and where that keyword is. */
struct open_block {
	const char *what;
	uint32_t off;
};

struct pstate {
	struct hp_ctx *ctx;
	uint32_t file;               /* source index */
	const char *text;            /* the source text (read-only) */
	uint32_t len;
	struct ast_file *out;
	void *scanner;

	/* scanner */
	struct kw_index kw;
	uint32_t in;                 /* offset of the next byte to hand to flex (lex_input) */
	uint32_t off;                /* offset of the next byte to scan */
	uint32_t str_start;          /* start of the string being scanned (slow path) */
	char *sbuf;                  /* slow-path string value */
	size_t slen, scap;

	/* errors */
	unsigned nerrors;
	bool stop;                   /* gave up: the scanner returns end of file from now on */

	/* nesting, tracked on the token stream (parser.y, hp_yylex) */
	struct open_block open[HP_MAX_DEPTH + 2];
	unsigned nopen;
	unsigned parens;             /* open `(` of the current condition */
	unsigned nots;               /* pending `not`s of the current condition, all levels */
	unsigned level_nots[HP_MAX_DEPTH + 2]; /* pending `not`s per parenthesis level */
	int prev_tok;
	uint32_t prev_end;           /* end of the last token before end of file */
	const char *blockkw;         /* the keyword the next `{` belongs to */
	uint32_t blockkw_off;
	bool blockkw_locked;         /* inside an `if` condition */
	bool profile_pending;        /* a top-level `profile` whose `{` has not come yet */
	bool in_profile;             /* inside a top-level profile block: keys are plain words */

	/* line numbers for hints, without the line map (see line_of in parser.y) */
	uint32_t line_off, line_no;

	/* builders: plans, procedures, hotfixes, targets, nodes and profiles do not nest */
	struct ast_import **import_next;
	struct ast_plan **plan_next;
	struct ast_target **target_next;
	struct ast_plan *plan;
	struct ast_param **param_next;
	struct ast_require **require_next, **ensure_next;
	struct ast_model_item **model_next;
	struct ast_hotfix **hotfix_next;
	struct ast_procedure **proc_next;
	struct ast_hotfix *hotfix;
	struct ast_hfile **hfile_next;
	struct ast_hfile *hfile;
	uint32_t restarts_cap;
	struct ast_procedure *proc;
	struct ast_role **role_next;
	struct ast_stmt **body_next;
	bool proc_has_roles, proc_has_stmts;
	struct ast_target *target;
	struct ast_node **node_next;
	struct ast_target_item **titem_next;
	struct ast_node *node;
	struct ast_target_item **nitem_next;
	struct ast_profile **profile_next;
	struct ast_profile *profile;
	struct ast_profile_entry **pentry_next;
	/* declarations: of a top-level library, or of the plan being parsed */
	struct ast_library **library_next;
	struct ast_library *lib;
	struct ast_state_decl **state_next;
	struct ast_action_decl **adecl_next;
	struct ast_rule_decl **rule_next;
	struct ast_effect **effect_next;
	struct ast_rule_decl *rule;
	struct ast_action_decl *adecl;
	struct ast_name normal, restore;   /* a state's `, normal V else RULE` */
};

/* Scanner (lexer.l). lex_open binds a scanner to the ps->len bytes at ps->text, which it
 * only reads; lex_close frees it. lex_open returns false when out of memory. */
bool lex_open(struct pstate *ps);
int lex_scan(HP_YYSTYPE *yylval_param, HP_YYLTYPE *yylloc_param, void *yyscanner);
void lex_close(struct pstate *ps);

/* Report an HP001 error at [start, end) of the current source, counting it against
 * HP_MAX_SYNTAX_ERRORS; past the cap, reports "too many errors" once and sets ps->stop.
 * Returns the record, or NULL when nothing was reported. (parser.y) */
struct diag *ps_error(struct pstate *ps, uint32_t start, uint32_t end, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
