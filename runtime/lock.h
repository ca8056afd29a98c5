/* lock.h: one run per target (SPEC section 6). A struct lock belongs to the caller until
 * lock_release; lock_owner and target_last are plain values the caller owns.
 *
 * The lock is an flock(2) on STATE_DIR/locks/TARGET.lock, never the file's existence: it dies
 * with its holder, so a crashed run cannot leave a target locked. The holder writes its run id,
 * pid, start time and host into the file so that a second run can name it, and clears them
 * when it releases; a file still naming someone when the lock is free is a holder that died.
 * The lock file is never unlinked (a waiter could end up locking a deleted file).
 *
 * The last-run record STATE_DIR/targets/TARGET.last says how the target's latest run ended;
 * a new run refuses to start while it is unfinished or failed (exit 4), unless --abandon.
 *
 * Functions return -1 with a message naming the operation and the system error in
 * msg[msglen] / err[errlen] (which may be NULL). Target names are stored escaped (%XX) in
 * file names, so any name is safe. */
#ifndef HP_LOCK_H
#define HP_LOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "journal.h"

#define LOCK_HOST_MAX 256

struct lock_owner {
	char run_id[JOURNAL_RUN_ID_MAX];
	int64_t pid;
	int64_t started_ns;                  /* unix ns */
	char host[LOCK_HOST_MAX];
};

struct lock;

/* This process as a lock owner: run_id, getpid(), started_ns, gethostname(). */
int lock_owner_self(struct lock_owner *me, const char *run_id, int64_t started_ns,
		    char *err, size_t errlen);

/* Take the target's lock without waiting; creates STATE_DIR/locks (0700) if missing.
 *  0  taken; *out is the lock. When the file named a holder that had died (its flock died
 *     with it), *holder describes it and msg says so, for the caller to print:
 *     "stale lock of run R (pid P, no longer running) released"; otherwise holder->run_id
 *     and msg are "".
 *  1  held by another run (exit 5): *holder is it (run_id "" if it has not written itself
 *     yet) and msg is "target 'x' is locked by run R (pid P, started T)".
 * -1  error (msg). */
int lock_acquire(const char *state_dir, const char *target, const struct lock_owner *me,
		 struct lock **out, struct lock_owner *holder, char *msg, size_t msglen);

/* Clear the holder information and drop the lock. NULL is allowed. The lock is released
 * even when clearing fails (-1): the next run then reports a stale lock, which is harmless. */
int lock_release(struct lock *lk, char *err, size_t errlen);

/* ---- the last run of a target ---- */

/* The numbers are not stored (the file says the names). */
enum target_status {
	TARGET_UNFINISHED,                   /* running, interrupted or crashed: resumable */
	TARGET_FAILED,                       /* exit 4: resumable */
	TARGET_COMPLETED,                    /* exit 0 */
	TARGET_ROLLED_BACK,                  /* exit 3 */
};

struct target_last {
	char run_id[JOURNAL_RUN_ID_MAX];
	char journal[JOURNAL_PATH_MAX];      /* absolute, so `hotplan resume` works from anywhere */
	enum target_status status;
	int64_t time_ns;                     /* when it was written (target_last_write sets it) */
};

/* "unfinished", "failed", "completed", "rolled-back". */
const char *target_status_name(enum target_status status);

/* Read STATE_DIR/targets/TARGET.last: 0 read, 1 there is none (no run of this target
 * started from this state directory), -1 unreadable or malformed (err). */
int target_last_read(const char *state_dir, const char *target, struct target_last *last,
		     char *err, size_t errlen);

/* Replace it atomically and durably: write TARGET.last.tmp, fsync, rename, fsync the
 * directory (created 0700 if missing). Call it holding the target's lock. */
int target_last_write(const char *state_dir, const char *target, const struct target_last *last,
		      char *err, size_t errlen);

/* May a new run of `target` start, given its last run (NULL: none) and --abandon (NULL: not
 * given)?
 *  0  yes; msg is "" or a note to print ("run R abandoned: ...").
 *  1  no (exit 5): msg names the run and the `hotplan resume JOURNAL` command to use.
 * -1  --abandon names a run that is not the one in the way (a usage error: exit 2). */
int target_last_gate(const struct target_last *last, const char *target, const char *abandon,
		     char *msg, size_t msglen);

/* May `hotplan resume` continue run `run_id` of `target`? Only while it is the target's last
 * run (a run given up with --abandon, or followed by a newer run, must never be resumed)
 * and is unfinished or failed. 0 yes; 1 no (exit 5), msg says why. */
int target_resume_gate(const struct target_last *last, const char *target, const char *run_id,
		       char *msg, size_t msglen);

#endif
