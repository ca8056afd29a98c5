/* check_int.h: what the checker's files share, private to them (check.h is the checker's
 * interface). check.c walks a procedure along every path and judges the rules; check_lanes.c
 * looks at the nodes of a `for each … serial N` loop part-way through its body at different
 * points at once (docs/checker.md, "serial"); both report through check_report.c. */
#ifndef HP_CHECK_INT_H
#define HP_CHECK_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"
#include "paths.h"
#include "walk.h"

/* The values an `if`'s condition took, over every path that reached it. */
struct if_seen {
	const struct ast_stmt *st;
	mset seen;
};

struct check_loop;

struct checker {
	struct hp_ctx *ctx;
	struct arena *a;               /* scratch: freed when the procedure is done */
	struct ast_plan *plan;
	struct ast_procedure *proc;
	struct model *m;
	struct model_bind bind;
	struct walk walk;
	struct paths P;                /* the paths; P.w is the state the model works on */
	struct model_degr degr[1];
	/* rule+position pairs already reported */
	uint64_t *seen;
	unsigned seen_cap, nseen;
	struct if_seen *ifs;           /* in the order first reached */
	unsigned ifs_cap, nifs;
	unsigned *if_index;            /* open addressing by the `if`: 0 empty, else 1 + its place in ifs */
	unsigned if_index_cap;
	struct model_state *cur;       /* the state the action being applied acts on */
	bool *rule_held;               /* [plan->nrules]: each declared rule, before an action */
	const char *lane_note;         /* a note every diagnostic gets, or NULL (check_lanes.c) */
	struct check_loop *loops;      /* the `serial` loops being walked, innermost first */
};

/* ---- check_report.c ---- */

/* Has rule `rule` not been reported at loc yet? Notes it as reported. */
bool check_first_report(struct checker *C, enum rule_id rule, loc_t loc);
/* The 1-based line of loc. */
unsigned check_line(struct hp_ctx *ctx, loc_t loc);
/* Node `node` as the plan's author knows it: by the role bound to it ("'passive' (node 2)"). */
const char *check_node_label(struct checker *C, int node);
/* Group g's name ("?" out of range). */
const char *check_group_name(struct checker *C, int g);
/* The name of the plan's `stores` param of the stores to keep mounted ("affected"). */
const char *check_recover_name(struct checker *C);

/* A violation of a precondition, as a diagnostic in the runbook's words (model_report_fn;
 * ud: the checker). C->cur must be the state the action was applied to. */
void check_on_violation(void *ud, const struct model_violation *v);

/* A declared rule's diagnostic at `loc`: the library's message, note and help, after a note
 * of the checker's own (`what`); once per rule and position. */
void check_report_decl(struct checker *C, const struct ast_rule_decl *r, loc_t loc, const char *what);

/* ---- check_lanes.c ---- */

/* walk_ops.loop_start and loop_end: a `for each` st over nodes[0..n) with
 * `serial` above 1, walked in lock-step by check.c. loop_start keeps the states the loop
 * starts in; loop_end runs each node through the body while every other node of the loop
 * may be anywhere in its own, reports what breaks there, and widens the state after the
 * loop by what the order the nodes end in can leave. */
void check_loop_start(void *ud, struct walk *w, const struct ast_stmt *st, const unsigned *nodes, unsigned n,
		      unsigned serial);
void check_loop_end(void *ud, struct walk *w, const struct ast_stmt *st, const unsigned *nodes, unsigned n,
		    unsigned serial, enum walk_status s);

#endif
