/* diag.h: diagnostics. Records live in the compile context's arena; the list is owned by
 * the context. Report everything, then sort once (diag_finish) and print once. */
#ifndef HP_DIAG_H
#define HP_DIAG_H

#include <stdbool.h>
#include <stdio.h>

#include "rules.h"
#include "source.h"

struct hp_ctx;
struct ast_rule_decl;

#define DIAG_MAX_NOTES 4

struct diag {
	enum rule_id rule;               /* RULE_COUNT for a declared rule (decl_rule) */
	const struct ast_rule_decl *decl_rule; /* a library's or a plan's own rule, or NULL */
	enum severity severity;
	loc_t loc;                       /* main location: ^ under its first character, ~ under the rest */
	loc_t secondary[2];              /* ~ only; printed when on the main location's line */
	int nsecondary;
	const char *message;
	const char *notes[DIAG_MAX_NOTES]; /* "note: …" lines, in order */
	int nnotes;
	const char *help;                /* "help: …": the fix, when there is one */
	unsigned seq;                    /* report order, for a stable sort */
};

struct diag_list {
	struct diag **v;
	unsigned n, cap;
	unsigned errors, warnings;       /* counted by diag_finish */
};

/* Report a diagnostic of `rule` (severity from the rule table) at `loc`.
 * Returns the record so notes can be attached; never NULL. */
struct diag *diag_report(struct hp_ctx *ctx, enum rule_id rule, loc_t loc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Report a diagnostic of a declared rule (a library's, docs/language.md) at `loc`: its id
 * and severity are the declaration's. */
struct diag *diag_report_decl(struct hp_ctx *ctx, const struct ast_rule_decl *r, loc_t loc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The id a diagnostic is reported under: "HP101", or a declared rule's "PCMK001". */
const char *diag_rule_id(const struct diag *d);
/* Attach a note / the fix / a secondary location. */
void diag_note(struct hp_ctx *ctx, struct diag *d, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_help(struct hp_ctx *ctx, struct diag *d, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_secondary(struct diag *d, loc_t loc);

/* Sort by file, position, rule; drop a rule reported twice at one position; count. */
void diag_finish(struct hp_ctx *ctx);

/* Print every diagnostic in the compiler's text form. `color`: ANSI colours. */
void diag_print_text(struct hp_ctx *ctx, FILE *out, bool color);
/* Print one JSON array of objects (SPEC section 5). */
int diag_print_json(struct hp_ctx *ctx, FILE *out);
/* Print a SARIF 2.1.0 log with one run, the tool's rules and every result. */
int diag_print_sarif(struct hp_ctx *ctx, FILE *out);

#endif
