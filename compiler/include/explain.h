/* explain.h: `hotplan explain RULE`: a rule's summary, rationale, an example that breaks
 * it and the fix, from the rule table (rules.c). */
#ifndef HP_EXPLAIN_H
#define HP_EXPLAIN_H

#include <stdio.h>

#include "ast.h"
#include "rules.h"

/* Print the explanation of `r` to `out`. */
void explain_print(const struct rule_info *r, FILE *out);
/* Print the table of all rules, one per line (id, severity, summary). */
void explain_list(FILE *out);
/* Print a declared rule (a library's, docs/language.md): its id, severity, message, note and
 * help, and where it is declared (`where`: "lib/pacemaker.hplan:17"). */
void explain_print_decl(const struct ast_rule_decl *r, const char *where, FILE *out);

#endif
