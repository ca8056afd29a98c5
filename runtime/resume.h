/* resume.h: `hotplan resume` of a run from its journal (resume.c): the run rebuilt as it was
 * started (the header's plan, target, params and role bindings; the simulated target's saved
 * state), the target's lock and resume gate, the journal reopened, then the walk or the
 * rollback continued where the journal ends. Works on the caller's struct run (run.h). */
#ifndef HP_RESUME_H
#define HP_RESUME_H

#include "run.h"

/* Resume the run whose journal is at given_path. `given` are the values of the secret
 * params it was started with (NAME=VALUE; the journal keeps their names only); any other is
 * refused. Returns the exit code (exec.h); a run that had ended is not resumed (docs/journal.md,
 * "One crash window"). */
int resume_run(struct run *R, const char *given_path, const char *const *given, unsigned ngiven);

#endif
