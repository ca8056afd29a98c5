/* run.h: the state of one run of a procedure (`hotplan run`, `hotplan resume`) and its owner,
 * run.c: making and freeing it, what every part of the executor does with it (say something,
 * journal a record, stop on an I/O failure, read a condition on the target, save the
 * simulated target's state). Internal to runtime/; the parts above it are setup.c (the plan,
 * the target, preflight, the lock, the journal's start), act.c (the walk's actions, the
 * guard, rollback) and resume.c, called by exec.c. Everything a run allocates hangs off its
 * compile context (its arena) and is freed with it by run_free. */
#ifndef HP_RUN_H
#define HP_RUN_H

#include <pthread.h>
#include <signal.h>

#include "ctx.h"
#include "driver.h"
#include "exec.h"
#include "inputs.h"
#include "journal.h"
#include "journal_resume.h"
#include "lock.h"
#include "lock_target.h"
#include "model.h"
#include "progress.h"
#include "target.h"
#include "walk.h"

struct run { /* NOLINT(clang-analyzer-optin.performance.Padding): one a run, laid out by meaning */
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
	unsigned char *sim_buf;                /* its encoding (sim_state.h), sim_state_size bytes */
	unsigned char plan_hash[32];
	struct journal *j;
	bool io_failed;                        /* the journal or the simulated target's state could not be
						* written: the walk stops, nothing more is recorded (why says
						* what failed; exit 4, `hotplan resume` continues) */
	struct lock *lk;
	struct lock_target *tl;                /* its locks on a real target's nodes (lock_target.h); NULL:
						* none taken (a simulated target, a dry run) */
	bool sim;                              /* every node is simulated */
	struct inputs inputs;                  /* what it read and its nodes (setup.c gathers them) */
	/* resume */
	struct inputs bound;                   /* the inputs the journal's header recorded */
	const char *const *accept;             /* --accept-changed: changes the resume may go on with */
	unsigned naccept;
	unsigned long long accept_used;        /* a bit per accept entry that named a change */
	double wait_leftover;                  /* seconds to wait for a command a dead runner left running */
	struct journal_log log;
	struct journal_resume rs;
	bool resuming;
	bool changed;                          /* an action that can change the target ran (or may
						* have: a resume assumes so) */
	bool replayed;                         /* the resume is past the steps the journal shows done */
	/* progress of the walk */
	struct walk walk;                      /* its label (walk.label) is the `for each` binding of the
						* current step: "n=node2" */
	unsigned nsteps;
	const struct walk_snapshot *ckpt;      /* the latest checkpoint passed */
	const char *step_node;                 /* the nodes of the current step, for its records */
	double step_t0;
	const struct ast_stmt *acting;         /* the step (rollback: checkpoint) whose action acts now */
	int acting_idx;                        /* and that action's index */
	pthread_mutex_t journal_mu;            /* the journal's appends: an action's commands start on
						* several nodes at once (run_process_started) */
	const struct ast_stmt *fail_at;        /* --fail-at */
	bool fail_at_used;
	char why[1024];                        /* why the current step failed */
	double t0;
};

/* What of a run is one node's own while the nodes of a `for each … serial N` go through the
 * body at once (runtime/lanes.c): where its walk is, what it binds, its step, its acting
 * action, why it failed, its latest checkpoint. A lane's is kept here while another runs. */
struct run_lane_ctx {
	struct walk walk;
	nodeset *bind_nodes;                   /* [bind.n] */
	const char *step_node;
	double step_t0;
	const struct ast_stmt *acting;
	int acting_idx;
	const struct walk_snapshot *ckpt;
	bool replayed;
	char why[1024];
};

/* Keep R's lane part in c (c->bind_nodes allocated from R's arena on the first save). */
void run_lane_save(struct run *R, struct run_lane_ctx *c);

/* Make c R's lane part again. */
void run_lane_load(struct run *R, const struct run_lane_ctx *c);

/* SIGINT and SIGTERM received so far. The handler only counts; the walk reads it between
 * actions (run_stop), and drivers and transports get its address to stop a running action
 * at the second one. */
extern volatile sig_atomic_t run_interrupts;

/* A new run with options o (copied), its context initialised. Never NULL (arena_oom when memory
 * runs out: "hotplan: out of memory", exit 2). Free it with run_free. */
struct run *run_new(const struct run_opts *o);

/* Free R and everything it holds (driver, transports, journal, lock, resume state), once the
 * run or resume ended with exit status rc; returns the status to exit with. Progress output
 * that was cut short is said here: a dry run then fails (EXIT_USAGE), a run keeps rc. */
int run_free(struct run *R, int rc);

/* Count SIGINT and SIGTERM (run_interrupts, from 0), without SA_RESTART so that a sleeping
 * action wakes up to look, and ignore SIGPIPE. 0, or EXIT_USAGE (said) when a handler
 * cannot be installed. */
int run_catch_signals(struct run *R);

/* Why the walk should stop before its next action: RUN_GO, RUN_INTERRUPTED (a signal came),
 * or RUN_IO_FAILED (run_io_failed: nothing more can be recorded). */
enum run_stop { RUN_GO, RUN_INTERRUPTED, RUN_IO_FAILED };
enum run_stop run_stop(const struct run *R);

/* A second interrupt came: stop waiting, abort what runs. */
bool run_aborted(void);

/* Say "hotplan: MESSAGE" on stderr, escaped for a terminal, every secret value shown as ***. */
void run_say(struct run *R, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Seconds on the monotonic clock. */
double run_now(void);

/* The source text of a location, its first line, trailing blanks cut (in the run's arena;
 * "" for an empty location). */
const char *run_text(struct run *R, loc_t loc);

/* The names of the target's nodes in ns, joined by ",", in the run's arena; NULL for none. */
const char *run_nodes_text(struct run *R, nodeset ns);

/* The truth of a condition on the target: the model's evaluator over the run's facts and
 * params and the driver's probes. B_ANY when it cannot be known, with why[len] saying why. */
mset run_eval(struct run *R, const struct ast_cond *c, char *why, size_t len);

/* Append a record to the run's journal (nothing without one): st (NULL: none) and action
 * (-1: none) say where, the walk's label the iteration; msg is shown with secrets as ***.
 * 0, or -1 after run_io_failed (or when the journal failed before). */
int run_journal(struct run *R, enum journal_kind kind, const struct ast_stmt *st, int action,
		const char *node, const char *msg, enum journal_status status);

/* The run's state could not be written (what: "append journal: No space left on device"):
 * say it once with the `hotplan resume` to use, set io_failed and why. From now on run_stop
 * says RUN_IO_FAILED and run_journal records nothing. Returns -1. */
int run_io_failed(struct run *R, const char *what);

/* The last record of a run (run-done with status st) and the target's last-run records
 * (the state directory's, and each node's for a real target) saying the same. Nothing without a journal; a failure is said (the last-run record then
 * stays unfinished: `resume` sees how the run ended). */
void run_finish(struct run *R, enum journal_status st);

/* Sync and close the journal, release the target's locks: the state directory's and those on
 * the target's nodes (each may be absent). The locks on the nodes go on every end of the
 * runner, whatever its status: the last-run records keep an unfinished or failed run's target
 * from a new run (docs/locks.md). */
void run_release(struct run *R);

/* A command of the acting action (R->acting) started on node `node` as process group pgid:
 * an action-process record, "pgid=P runner=PID host=H boot=B", appended without a sync of its
 * own (a runner killed loses nothing it wrote; a power cut ends the group too). For the
 * command driver's `started` hook (ud: the run); any thread. Nothing when no action acts. */
void run_process_started(void *ud, unsigned node, long pgid);

/* Save the simulated target's state (R->live) to R->sim_path, whole or not at all (format:
 * sim_state.h). Nothing without a journal. 0, or -1 after run_io_failed. */
int run_save_sim(struct run *R);

/* Read R->sim_path back into R->live. No file, or an empty one (a run killed before its
 * first save), is the start state: R->live is left alone. 0, or -1 with err (the file cannot
 * be read, or the decoder's reason: "saved simulated state: checksum mismatch"). */
int run_load_sim(struct run *R, char *err, size_t errlen);

#endif
