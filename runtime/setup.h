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
 * run's first, before any node is reached), --fail-at, the params' values. Nothing is run on
 * a node. */
int setup_target(struct run *R);

/* What the live target says (a real one's group owners and stores; the state its guard
 * starts from), the concrete model, the roles bound in it, the driver. After setup_lock: what
 * is read is what the run acts on. */
int setup_live(struct run *R);

/* A real target: the operator's yes on the terminal (SPEC 5), unless --yes or --dry-run. */
int setup_confirm(struct run *R);

/* The step or checkpoint whose index (in R->proc) is `index`, or NULL. */
const struct ast_stmt *setup_stmt_at(struct run *R, int32_t index);

/* What setup_lock and setup_run return when HOTPLAN_ONCE=1 and the target was done by another
 * controller (lock_target_done_elsewhere): the run ends at once, said, with exit 0. */
#define SETUP_DONE_ELSEWHERE 1000

/* Take the target's locks: the state directory's (R->state_dir), then, for a real target, one
 * on each node (lock_target.h); then pass the last-run gates, the nodes' and the state
 * directory's: a new run's (--abandon), or, when `resume`, the gate for resuming run
 * R->run_id. EXIT_LOCKED when refused. */
int setup_lock(struct run *R, bool resume);

/* A new run, its plan loaded: a run id, progress, setup_target; unless it is a dry run, the
 * locks (setup_lock); setup_live, preflight, the operator's yes (setup_confirm); then the
 * journal (header, run-start) and the last-run records (unfinished). A dry run says instead
 * whether a real run would be refused, and why. */
int setup_run(struct run *R);

#endif
