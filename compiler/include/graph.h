/* graph.h: Graphviz DOT rendering of a plan's procedure: the steps in order per role,
 * the checkpoints, the failovers (what moves where), and one dashed rollback edge per run
 * of steps that would roll back to the same checkpoint, labelled with the run. Reads only
 * what the parser fills (no resolution needed). Writes to `out`; allocates nothing that
 * outlives the call. */
#ifndef HP_GRAPH_H
#define HP_GRAPH_H

#include <stdio.h>

#include "ctx.h"

/* Write one digraph for `plan`'s procedure of `kind`. Returns 0, or -1 when the plan
 * has no such procedure (nothing written). */
int graph_write_dot(struct hp_ctx *ctx, const struct ast_plan *plan, enum proc_kind kind, FILE *out);

#endif
