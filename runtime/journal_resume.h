/* journal_resume.h: what a journal says a resume must do (SPEC section 6, docs/journal.md,
 * "Resume state"). A struct journal_resume belongs to the caller, who frees it with
 * journal_resume_free; it borrows the strings of the struct journal_log it was derived from,
 * so it must be freed before that log.
 *
 * Functions that can fail return -1 and write a message into err[errlen] (err may be NULL). */
#ifndef HP_JOURNAL_RESUME_H
#define HP_JOURNAL_RESUME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "journal.h"

/* One step or action instance as the journal names it. Strings borrowed from the log. */
struct journal_ref {
	int32_t step;
	int32_t action;                      /* -1 for a step */
	const char *step_name;
	const char *iter;
	const char *node;
	uint32_t seq;                        /* the record it comes from */
};

/* What `hotplan resume` has to do next. */
enum journal_next {
	JOURNAL_NEXT_CONTINUE,               /* interrupted or crashed: run what is not done */
	JOURNAL_NEXT_ROLLBACK,               /* run `rollback`'s actions not recorded done, then end rolled back */
	JOURNAL_NEXT_RETRY_STEP,             /* failed with no checkpoint (exit 4): retry failed_step, go on */
	JOURNAL_NEXT_NONE,                   /* completed or rolled back: cannot be resumed */
};

struct journal_resume { /* NOLINT(clang-analyzer-optin.performance.Padding): one a resume, laid out by meaning */
	enum journal_next next;
	bool started;                        /* a run-start record exists (else nothing ran) */
	bool ended;                          /* the last run-done is not followed by a resume */
	enum journal_status end_status;
	bool interrupted;                    /* the last record is `interrupted` */
	unsigned resumes;                    /* run-resume records */

	struct journal_ref *steps_done;      /* (step, iter) finished, sorted; query with ..._step_done */
	size_t nsteps_done;
	struct journal_ref *actions_done;    /* (step, iter, action, node) done, sorted */
	size_t nactions_done;
	struct journal_ref *inflight;        /* started, end not recorded: re-verify through the
					      * probe before repeating (several under `serial N`) */
	size_t ninflight;
	bool has_failed_step;                /* a step-failed not followed by that step's step-done */
	struct journal_ref failed_step;

	bool has_checkpoint;                 /* the latest checkpoint passed */
	struct journal_ref checkpoint;

	bool rollback_started;               /* a rollback-start record exists */
	struct journal_ref rollback;         /* the checkpoint to roll back to (NEXT_ROLLBACK) */
	enum journal_kind rollback_end;      /* JOURNAL_ROLLBACK_DONE/_FAILED, or 0 while running */
	struct journal_ref *rollback_done;   /* rollback actions (action, node) done, sorted */
	size_t nrollback_done;
	struct journal_ref *rollback_inflight;
	size_t nrollback_inflight;

	struct journal_ref *processes;       /* action-process records of the actions still in flight
					      * (inflight, rollback_inflight): commands a runner that died
					      * may have left running; .seq is the record, its message
					      * names the process group */
	size_t nprocesses;
};

/* Derive the resume state from a log. Fails (-1) on a damaged log, and on a sequence no
 * runtime writes (a record after run-done other than a resume, an action-done without its
 * action-start, ...), naming the record. Free with journal_resume_free before the log. */
int journal_resume_state(const struct journal_log *log, struct journal_resume *rs,
			 char *err, size_t errlen);
/* Free what journal_resume_state allocated and clear *rs. */
void journal_resume_free(struct journal_resume *rs);

/* Whether the journal shows step instance (step, iter) finished / action instance done /
 * rollback action done. NULL strings mean "". */
bool journal_resume_step_done(const struct journal_resume *rs, int32_t step, const char *iter);
bool journal_resume_action_done(const struct journal_resume *rs, int32_t step, const char *iter,
				int32_t action, const char *node);
bool journal_resume_rollback_action_done(const struct journal_resume *rs, int32_t action,
					 const char *node);

#endif
