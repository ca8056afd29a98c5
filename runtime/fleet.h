/* fleet.h: a fleet run (`hotplan run --targets`, docs/fleets.md): the state fleet.c owns and
 * drives, which fleet_view.c shows (the live view, plain lines, JSON events, the reports) and
 * fleet_journal.c makes durable. Internal to runtime/. Every string a struct fleet_target
 * holds is malloc'd and freed by fleet.c. */
#ifndef HP_FLEET_H
#define HP_FLEET_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "exec.h"

/* Where a target is. The names (fleet_status_name) are what the journal and the reports say. */
enum fleet_status {
	FS_QUEUED,           /* not started yet */
	FS_RUNNING,
	FS_COMPLETED,        /* its run exited 0 */
	FS_ROLLED_BACK,      /* 3 */
	FS_FAILED,           /* 4, or its runner died of a signal: a person must look */
	FS_REJECTED,         /* 1 or 2: nothing was changed on it (a prerequisite, its inventory entry) */
	FS_UNCHANGED,        /* 1 after a step failed: it failed before it changed anything */
	FS_LOCKED,           /* 5: another run holds it, or its last run is unfinished */
	FS_SKIPPED,          /* not started: the failure budget ran out */
	FS_INTERRUPTED,      /* 130: stopped at a safe point; resume continues it */
	FS_ELSEWHERE,        /* 0 without running: another controller completed it with this plan and
			      * these inputs (its nodes' last-run records say so): done, not a failure */
	FS_NSTATUS
};

/* One step of a target as its events showed it (for the timeline), in seconds since the fleet
 * started on the controller's monotonic clock. */
struct fleet_step {
	char *name;
	double t0, t1;       /* t1 < 0: still running */
	bool failed;
	bool rollback;       /* the rollback to a checkpoint (name: the checkpoint's) */
};

struct fleet_target {
	char *name;
	char *journal;               /* its run's journal (the fleet chooses it: --journal) */
	char *errlog;                /* its runner's standard error */
	enum fleet_status status;
	int rc;                      /* its runner's exit code (128 + N for signal N) */
	bool final;                  /* ended in an earlier session (a fleet resume) */
	bool resume_it;              /* start it as `hotplan resume JOURNAL` */
	pid_t pid;                   /* its runner (its own process group), 0 when none */
	long orphan;                 /* resume: the process group a dead controller left running */
	int fd;                      /* the runner's stdout (JSON events), -1 when closed */
	char *buf;                   /* a line being read */
	size_t len, cap;
	double t0, t1;               /* started, ended (seconds since the fleet started) */
	char *run_id;
	char *step;                  /* the step in flight */
	unsigned k, n;               /* step k of n */
	unsigned steps_done;
	struct fleet_step *steps;
	unsigned nsteps, capsteps;
	char *fail_step, *fail_action, *fail_msg;   /* the first failure its events showed */
	unsigned fail_line;          /* its line in the plan, 0 when unknown */
	char *message;               /* run-done's message (a lock's holder, why it was rejected) */
	bool elsewhere;              /* its run-done said "done-elsewhere" */
};

struct fleet {
	struct fleet_opts o;
	char id[64];
	char state_dir[4096], dir[4096], journal_path[4096];
	char plan[4096], inventory[4096];
	const char *plan_file;       /* the plan's path as shown in the report (plan[] unless it failed) */
	struct fleet_target *t;
	unsigned nt;
	char **args;                 /* the options every target's `run` gets (--kind, --set, --pace…) */
	unsigned nargs;
	char **secrets;              /* secret params' names: their --set values are never journaled */
	unsigned nsecrets;
	char **fail_at;              /* TARGET-GLOB:STEP or STEP */
	unsigned nfail_at;
	unsigned parallel;
	long budget;                 /* failures tolerated; -1: no limit */
	char budget_text[32];
	unsigned running, failures;
	bool stopping;               /* no new target starts (budget, interrupt) */
	bool budget_out, interrupted;
	int jfd;                     /* the fleet's journal, flock'ed */
	bool unsynced;               /* lines added to it since its last fdatasync */
	double t0;                   /* monotonic */
	long long start_ns;          /* wall clock, unix ns */
	int exit_code;
	/* the view */
	bool json, tty, color;
	unsigned drawn;
	double last_draw;
	void *plan_run;              /* the struct run holding the plan (fleet.c), for plan lines */
	unsigned (*line_of)(void *plan_run, const char *step, const char *action);
};

const char *fleet_status_name(enum fleet_status s);

/* ---- fleet_journal.c: the fleet's journal (docs/fleets.md, "The fleet's journal") ---- */

/* Text lines "CRC32HEX FIELD FIELD…\n", fields %XX-escaped; the first line is the magic. */
#define FLEET_JOURNAL_MAGIC "hotplan-fleet 1\n"

/* Create path (O_EXCL, 0600, flock'ed) with the magic and the header lines (each an array of
 * fields ending in NULL), durable (fdatasync, then the directory). -1 with err. */
int fleet_journal_create(const char *path, char ***lines, unsigned n, int *fd, char *err, size_t errlen);
/* Open an existing one for appending, flock'ed (-1 with err: held by another controller). */
int fleet_journal_open(const char *path, int *fd, char *err, size_t errlen);
/* Append one line of fields (NULL-terminated), durable before it returns. -1 with err. */
int fleet_journal_append(int fd, const char *const *fields, char *err, size_t errlen);
/* Append one line, not yet durable: a group of lines is made durable at once with
 * fleet_journal_sync (one fdatasync), before the controller acts on any of them. -1 with err. */
int fleet_journal_add(int fd, const char *const *fields, char *err, size_t errlen);
int fleet_journal_sync(int fd, char *err, size_t errlen);

/* A journal read back: lines of fields, every string malloc'd (fleet_journal_free). */
struct fleet_line {
	char **f;
	unsigned n;
};
/* Read every valid line; a torn last line (cut, or a bad checksum at the end) is ignored; a bad
 * line before a good one is damage (-1 with err). */
int fleet_journal_read(const char *path, struct fleet_line **lines, unsigned *n, char *err, size_t errlen);
void fleet_journal_free(struct fleet_line *lines, unsigned n);
/* Whether the file at path starts with the magic line. */
bool fleet_journal_is(const char *path);

/* ---- fleet_loop.c: the targets' runs ---- */

/* Run the fleet: start each queued target (up to F->parallel at once) as a `hotplan run` (or
 * `hotplan resume` of its journal), follow their events, keep the budget, journal each start
 * and end, report. Returns the fleet's exit code. */
int fleet_loop(struct fleet *F);
/* A target that is not running: decide from its run's journal what it needs. Ended completed
 * or rolled back: final (its end journaled); ended failed, or not ended: resumed; no journal:
 * started anew. */
void fleet_settle(struct fleet *F, struct fleet_target *t);
/* This machine's host name and boot id. */
void fleet_host_boot(char host[256], char boot[64]);
/* Whether a process of group pgid lives. */
bool fleet_group_alive(long pgid);

/* ---- fleet_view.c: what the fleet shows and writes ---- */

/* A child's JSON event line (NUL-terminated): update t from it, and pass it on with its target
 * (--log json) or say what matters (text). */
void fleet_view_event(struct fleet *F, struct fleet_target *t, const char *line);
/* Something the fleet itself says: a fleet event (JSON) or a plain line. ev: "target-start",
 * "target-done", "fleet-start", "fleet-done", "note"; t may be NULL. */
void fleet_view_say(struct fleet *F, const char *ev, struct fleet_target *t, const char *msg);
/* Redraw the live view on a terminal (at most every 100 ms unless force). */
void fleet_view_draw(struct fleet *F, bool force);
/* Erase the live view. */
void fleet_view_erase(struct fleet *F);
/* The summary at the end: counts, then which target got which outcome (not completed first). */
void fleet_view_summary(struct fleet *F);
/* Write --report FILE (.json or .html). 0, or -1 with err. */
int fleet_view_report(struct fleet *F, const char *path, char *err, size_t errlen);

#endif
