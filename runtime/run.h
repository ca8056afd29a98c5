/* run.h: the state of one run, shared by the executor's parts (exec.c: the walk and the
 * actions; exec_setup.c: loading, preflight, locks, journal, resume). Internal to runtime/.
 * Everything hangs off the run's compile context (its arena) and is freed with it. */
#ifndef HP_RUN_H
#define HP_RUN_H

#include <signal.h>

#include "ctx.h"
#include "driver.h"
#include "exec.h"
#include "journal.h"
#include "journal_resume.h"
#include "last_run.h"
#include "lock.h"
#include "model.h"
#include "progress.h"
#include "target.h"
#include "walk.h"

struct run {
	struct hp_ctx ctx;
	struct run_opts o;
	struct ast_plan *plan;
	struct ast_procedure *proc;
	struct rt_target target;
	struct rt_value *values;               /* by param index */
	const char **secrets;                  /* the values of secret params: never shown (progress_set_secrets) */
	unsigned nsecrets, cap_secrets;
	struct model *m;
	struct model_state *live;              /* the target as the runtime knows it */
	struct model_state *scratch;           /* the guard's trial state */
	struct model_bind bind;
	struct driver *drv;
	struct nodes *cmd;                /* local:, ssh://, previewed profiles (driver_cmd.h) */
	struct progress prog;
	char run_id[JOURNAL_RUN_ID_MAX];
	char state_dir[JOURNAL_PATH_MAX];
	char journal_path[JOURNAL_PATH_MAX];
	char sim_path[JOURNAL_PATH_MAX + 8];    /* the simulated target's state, beside the journal */
	unsigned char *sim_buf;
	unsigned char plan_hash[32];
	struct journal *j;
	bool io_failed;                        /* the journal or the simulated target's state could not be
						* written: the walk stops, nothing more is recorded (why says
						* what failed; exit 4, `hotplan resume` continues) */
	struct lock *lk;
	bool sim;                              /* every node is simulated */
	/* resume */
	struct journal_log log;
	struct journal_resume rs;
	bool resuming;
	bool replayed;                         /* the resume is past the steps the journal shows done */
	/* progress of the walk */
	struct walk walk;                      /* its label (walk.label) is the `for each` binding of the
						* current step: "n=node2" */
	unsigned nsteps;
	const struct walk_snapshot *ckpt;      /* the latest checkpoint passed */
	const char *step_node;                 /* the nodes of the current step, for its records */
	double step_t0;
	const struct ast_stmt *fail_at;        /* --fail-at */
	bool fail_at_used;
	char why[1024];                        /* why the current step failed */
	double t0;
};

extern volatile sig_atomic_t exec_interrupts;   /* Ctrl-C / SIGTERM count */

/* exec_setup.c */
int run_load_plan(struct run *R, const char *path);
int run_preflight(struct run *R);
int run_start_journal(struct run *R);
int run_open_resume(struct run *R, const char *journal_path);
void run_finish(struct run *R, enum journal_status st);
void run_release(struct run *R);
int run_save_sim(struct run *R);
int run_journal(struct run *R, enum journal_kind kind, const struct ast_stmt *st, int action,
		const char *node, const char *msg, enum journal_status status);
/* The run's state could not be written (what: "append journal: No space left on device"):
 * say it once, set io_failed and why, stop the walk. Returns -1. */
int run_io_failed(struct run *R, const char *what);
double run_now(void);

/* exec.c */
int run_walk(struct run *R);            /* the procedure, then rollback on failure: exit code */
int run_finish_rollback(struct run *R, const struct ast_stmt *ck);
mset run_eval(struct run *R, const struct ast_cond *c, char *why, size_t len);
const char *run_text(struct run *R, loc_t loc);   /* source text of a location, one line */

#endif
