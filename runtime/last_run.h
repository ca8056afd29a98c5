/* last_run.h: how a target's latest run ended (SPEC section 6): the last-run record
 * STATE_DIR/targets/TARGET.last. A struct last_run is a plain value the caller owns.
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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "journal.h"

/* The numbers are not stored (the file says the names). */
enum last_run_status {
	LAST_RUN_UNFINISHED,                 /* running, interrupted or crashed: resumable */
	LAST_RUN_FAILED,                     /* exit 4: resumable */
	LAST_RUN_COMPLETED,                  /* exit 0 */
	LAST_RUN_ROLLED_BACK,                /* exit 3 */
	LAST_RUN_UNCHANGED,                  /* exit 1: failed before anything changed */
};

struct last_run {
	char run_id[JOURNAL_RUN_ID_MAX];
	char journal[JOURNAL_PATH_MAX];      /* absolute, so `hotplan resume` works from anywhere */
	enum last_run_status status;
	int64_t time_ns;                     /* when it was written (last_run_write sets it) */
	bool has_file_id;                    /* dev and ino say which file the journal is (a record
					      * written before they were kept has only the path) */
	uint64_t dev, ino;
};

/* The record of run run_id, whose journal is at journal_path (made absolute; its device and
 * inode taken), with status st. -1 with err when the journal cannot be found. */
int last_run_make(struct last_run *last, const char *run_id, const char *journal_path, enum last_run_status st,
		  char *err, size_t errlen);

/* "unfinished", "failed", "completed", "rolled-back", "unchanged". */

/* How a finished run ended, for messages: "completed", "was rolled back", "failed before it
 * changed anything" (anything else: "failed"). */
const char *last_run_ended_text(enum last_run_status status);
const char *last_run_status_name(enum last_run_status status);

/* How a run whose journal ends with run-done status st ended: completed, rolled back,
 * unchanged, or (anything else) failed. */
enum last_run_status last_run_status_of(enum journal_status st);

/* Read STATE_DIR/targets/TARGET.last: 0 read, 1 there is none (no run of this target
 * started from this state directory), -1 unreadable or malformed (err). */
int last_run_read(const char *state_dir, const char *target, struct last_run *last,
		  char *err, size_t errlen);

/* Replace it atomically and durably: write a temporary file, fsync, rename, fsync the
 * directory (created 0700 if missing). `locked`: the caller holds the target's lock (every
 * caller of the runtime does: the record says what the lock holder did), so the temporary is
 * the fixed TARGET.last.tmp, one stale file after a crash; otherwise a fresh name, so that two
 * writers never write one temporary. */
int last_run_write(const char *state_dir, const char *target, const struct last_run *last, bool locked,
		   char *err, size_t errlen);

/* May a new run of `target` start, given its last run (NULL: none) and --abandon (NULL: not
 * given)?
 *  0  yes; msg is "" or a note to print ("run R abandoned: ...").
 *  1  no (exit 5): msg names the run and the `hotplan resume JOURNAL` command to use.
 * -1  --abandon names a run that is not the one in the way (a usage error: exit 2). */
int last_run_gate(const struct last_run *last, const char *target, const char *abandon,
		  char *msg, size_t msglen);

/* May `hotplan resume` continue run `run_id` of `target` from the journal at `journal`? Only
 * while it is the target's last run (a run given up with --abandon, or followed by a newer
 * run, must never be resumed), `journal` is the file the record names (the same path, and the
 * same device and inode: a copy of a journal, or a file put in its place, would run again what
 * the original ran), and the run is unfinished or failed. 0 yes (msg "" or a note to print,
 * for a record that keeps no device and inode); 1 no (exit 5), msg says why. */
int last_run_resume_gate(const struct last_run *last, const char *target, const char *run_id, const char *journal,
			 char *msg, size_t msglen);

#endif
