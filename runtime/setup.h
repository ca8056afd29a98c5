/* setup.h: a run before its walk (setup.c): the plan, the target and its driver, preflight,
 * the target's lock, the journal's start. Each works on the caller's struct run (run.h) and
 * returns 0 or the exit code to end with (exec.h), having said why. */
#ifndef HP_SETUP_H
#define HP_SETUP_H

#include <stdbool.h>

#include "run.h"

/* Load the plan at path (a .hplan, or a compiled image: its first bytes say which), check it
 * (diagnostics printed) and keep its one plan and its source's hash. */
int setup_load_plan(struct run *R, const char *path);

/* The target (R->o: the inventory's, or the built-in simulated one), its procedure, its
 * profiles and transports (a resume: each input, and the journal's steps, compared with the
 * run's first, before any node is reached) (a real target: confirmed on the terminal unless --yes), --fail-at,
 * the params' values, the concrete model and its start state, the roles, the driver. */
int setup_target(struct run *R);

/* The step or checkpoint whose index (in R->proc) is `index`, or NULL. */
const struct ast_stmt *setup_stmt_at(struct run *R, int32_t index);

/* Take the target's lock (R->state_dir), then pass the last-run gate: a new run's (--abandon),
 * or, when `resume`, the gate for resuming run R->run_id. EXIT_LOCKED when refused. */
int setup_lock(struct run *R, bool resume);

/* A new run, its plan loaded: a run id, progress, setup_target, preflight; then, unless it is
 * a dry run, the lock, the journal (header, run-start) and the last-run record (unfinished). */
int setup_run(struct run *R);

#endif
