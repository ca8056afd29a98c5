/* last_run.h: how a target's latest run ended (SPEC section 6): the last-run record
 * STATE_DIR/targets/TARGET.last. A struct target_last is a plain value the caller owns.
 *
 * A new run refuses to start while the last run is unfinished or failed (exit 5), unless
 * --abandon names it, and only the last run may be resumed. The file is replaced atomically
 * and durably; a reader accepts only a complete record. Format: docs/journal.md, "Last-run
 * records".
 *
 * Functions return -1 with a message naming the operation and the system error in
 * msg[msglen] / err[errlen] (which may be NULL). Target names are stored escaped (%XX) in
 * file names (target_file.h), so any name is safe. */
#ifndef HP_LAST_RUN_H
#define HP_LAST_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "journal.h"

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
