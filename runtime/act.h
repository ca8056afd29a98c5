/* act.h: what a run does on its target at each statement of the walk (act.c): each action
 * under the guard and between its journal records, `if` decided on the live target,
 * checkpoints, rollback, and how the run ends. Works on the caller's struct run (run.h),
 * set up and, for a resume, reopened first (setup.h, resume.h). */
#ifndef HP_ACT_H
#define HP_ACT_H

#include "run.h"

/* Walk R's procedure (a resume: skipping what the journal shows done), then, when a step
 * failed, roll back to the latest checkpoint passed; journal and say how the run ended.
 * Returns the exit code (exec.h). */
int act_walk(struct run *R);

/* `resume` of a run whose rollback to checkpoint ck had started: finish it (the actions the
 * journal does not show done); the run ends rolled back, or failed. Returns the exit code. */
int act_finish_rollback(struct run *R, const struct ast_stmt *ck);

#endif
