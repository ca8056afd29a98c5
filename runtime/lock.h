/* lock.h: one run per target (SPEC section 6). A struct lock belongs to the caller until
 * lock_release; a lock_owner is a plain value the caller owns.
 *
 * The lock is an flock(2) on STATE_DIR/locks/TARGET.lock, never the file's existence: it dies
 * with its holder, so a crashed run cannot leave a target locked. The holder writes its run id,
 * pid, start time and host into the file so that a second run can name it, and clears them
 * when it releases; a file still naming someone when the lock is free is a holder that died.
 * The lock file is never unlinked (a waiter could end up locking a deleted file).
 *
 * How the target's latest run ended is the last-run record's (last_run.h).
 *
 * Functions return -1 with a message naming the operation and the system error in
 * msg[msglen] / err[errlen] (which may be NULL). Target names are stored escaped (%XX) in
 * file names (target_file.h), so any name is safe. */
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

#endif
