/* journal.h: the run journal's file (SPEC section 6). A struct journal (the writer) and a
 * struct journal_log (what was read back; it owns every string it points to) belong to the
 * caller, who frees them with journal_close / journal_log_free. What a log means for a
 * resume is journal_resume.h's.
 *
 * Format and durability rules: docs/journal.md. In short: a checksummed header, then records
 * framed [u32 length][payload][u32 CRC-32 of length+payload], little-endian; each append is
 * durable (one fdatasync) before journal_append returns, except a bookkeeping record appended
 * with journal_append_nosync, which becomes durable with the next append (or journal_sync);
 * nothing written is ever rewritten; a torn tail is ignored by readers and cut off
 * (ftruncate + fdatasync) before a resume appends.
 *
 * Every function that can fail returns -1 and writes a message naming the operation and the
 * system error into err[errlen] ("append journal: No space left on device"). err may be NULL.
 * A journal is written by one thread at a time: the exec loop serializes its appends. */
#ifndef HP_JOURNAL_H
#define HP_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JOURNAL_MAGIC "HPJ1"
#define JOURNAL_VERSION 1u
#define JOURNAL_HASH_LEN 32          /* the plan's SHA-256: resume refuses another plan */
#define JOURNAL_RUN_ID_MAX 64        /* buffer size for a run id, NUL included */
#define JOURNAL_NAME_MAX 1024        /* bytes of a step name, iteration or node name */
#define JOURNAL_MESSAGE_MAX 1024     /* longer messages are cut at a UTF-8 boundary */
#define JOURNAL_PATH_MAX 4096        /* bytes of the plan path, a target name, a var */
#define JOURNAL_VARS_MAX 4096        /* entries in journal_header.vars */

/* What a record says happened. The numbers are the on-disk encoding: never renumber. */
enum journal_kind {
	JOURNAL_RUN_START = 1,               /* first record of every journal */
	JOURNAL_RUN_RESUME = 2,              /* `hotplan resume` took over (message: who) */
	JOURNAL_CHECKPOINT = 3,              /* step = the checkpoint passed, iter = its binding */
	JOURNAL_ACTION_START = 4,            /* written before the action acts */
	JOURNAL_ACTION_DONE = 5,             /* after it succeeded (or a resume verified its effect) */
	JOURNAL_ACTION_FAILED = 6,           /* after it failed (message: why) */
	JOURNAL_STEP_DONE = 7,
	JOURNAL_STEP_FAILED = 8,
	JOURNAL_ROLLBACK_START = 9,          /* step = the checkpoint rolled back to */
	JOURNAL_ROLLBACK_ACTION_START = 10,  /* step = checkpoint, action = index in it */
	JOURNAL_ROLLBACK_ACTION_DONE = 11,
	JOURNAL_ROLLBACK_ACTION_FAILED = 12,
	JOURNAL_ROLLBACK_DONE = 13,
	JOURNAL_ROLLBACK_FAILED = 14,
	JOURNAL_RUN_DONE = 15,               /* status says how; may be followed only by a resume of a failed run */
	JOURNAL_INTERRUPTED = 16,            /* Ctrl-C/SIGTERM after the running actions were journaled */
	JOURNAL_ACTION_PROCESS = 17,         /* a running action's command started: node = where, message =
					      * "pgid=P runner=PID host=H boot=B" (docs/journal.md) */
};

/* How a run ended (JOURNAL_RUN_DONE only; every other record has JOURNAL_STATUS_NONE). */
enum journal_status {
	JOURNAL_STATUS_NONE = 0,
	JOURNAL_STATUS_COMPLETED = 1,        /* exit 0 */
	JOURNAL_STATUS_ROLLED_BACK = 2,      /* exit 3 */
	JOURNAL_STATUS_FAILED = 3,           /* exit 4: a person must look; resumable */
	JOURNAL_STATUS_UNCHANGED = 4,        /* exit 1: failed before any action that can change the
					      * target ran; finished, the target free */
};

/* The file header: written once by journal_create, never changed. For writing, the caller
 * owns every pointer; in a journal_log the log owns them. */
struct journal_header {
	uint32_t version;                    /* read back; journal_create writes JOURNAL_VERSION */
	const char *run_id;                  /* journal_new_run_id */
	uint8_t plan_hash[JOURNAL_HASH_LEN];
	const char *plan_path;               /* as given on the command line */
	const char *target;                  /* the target's name (its lock and last-run record) */
	int64_t start_ns;                    /* unix time in ns */
	/* What `hotplan resume` needs to rebuild the run, as NAME=VALUE strings the runtime
	 * defines (inventory path, kind, --set values, role bindings); opaque to the journal. */
	const char *const *vars;
	size_t nvars;
};

/* One record. Names are NULL or a string without NUL bytes; NULL is written as "". */
struct journal_record {
	enum journal_kind kind;
	enum journal_status status;
	int64_t time_ns;                     /* unix ns; 0 = journal_append stamps the current time */
	int32_t step;                        /* step or checkpoint index in the image, -1 for none */
	int32_t action;                      /* action index within it, -1 for none */
	const char *step_name;
	const char *iter;                    /* the `for each` binding of this step's iteration, "" outside loops */
	const char *node;                    /* the node the action ran on */
	const char *message;                 /* optional, short (JOURNAL_MESSAGE_MAX) */
	/* filled by the reader (and by journal_append, for the caller's log): */
	uint32_t seq;                        /* 0, 1, 2, ... in file order */
	uint64_t offset;                     /* byte offset of the record's frame */
};

/* ---- names and places ---- */

/* "run-start", "action-done", ...; "?" for a value outside the enum. */
const char *journal_kind_name(enum journal_kind kind);
/* "completed", "rolled-back", "failed", "" (none). */
const char *journal_status_name(enum journal_status status);

/* Current unix time in ns (CLOCK_REALTIME). */
int64_t journal_now_ns(void);

/* A new run id, "20261125T183000Z-3f9a1c": UTC time and 24 random bits (getrandom).
 * buf must hold JOURNAL_RUN_ID_MAX bytes. */
int journal_new_run_id(char *buf, size_t len, char *err, size_t errlen);

/* The state directory: $HOTPLAN_STATE_DIR when set and non-empty, else ./.hotplan; made
 * absolute (against the working directory, symlinks kept) and created (0700) if missing.
 * Refused (-1, err naming the directory, its owner and mode, and the fix) when it, or its
 * runs/, locks/ or targets/, is not the effective user's or is writable by group or others:
 * whoever can write there can make `resume` run their commands (docs/journal.md). */
int journal_state_dir(char *buf, size_t len, char *err, size_t errlen);

/* STATE_DIR/runs/RUN_ID.journal, creating STATE_DIR/runs (0700) if missing. */
int journal_default_path(const char *state_dir, const char *run_id, char *buf, size_t len,
			 char *err, size_t errlen);

/* mkdir -p with mode 0700 for the parts it creates; each new directory's parent is fsync'd
 * so the new entry is durable. An existing non-directory is an error. */
int journal_mkdirs(const char *path, char *err, size_t errlen);

/* ---- writing ---- */

struct journal;
struct journal_log;

/* Create a new journal at path (O_EXCL: an existing file is an error, never overwritten),
 * write the header, fdatasync it and fsync the directory. The file is flock'ed for as long as
 * the handle lives, so a second writer cannot open it. On failure nothing is left behind. */
int journal_create(const char *path, const struct journal_header *h, struct journal **out,
		   char *err, size_t errlen);

/* Open an existing journal to continue it (`hotplan resume`): take its flock, read it into
 * *log (the caller frees it with journal_log_free; it holds the header for the resumed run),
 * cut a torn tail (ftruncate + fdatasync) and fsync the directory. Refuses a damaged journal
 * (log->damaged: invalid bytes followed by valid records): that is not a torn tail, and
 * truncating would destroy records. On failure *out is NULL and *log is empty. */
int journal_open_append(const char *path, struct journal **out, struct journal_log *log,
			char *err, size_t errlen);

/* Append one record and make it durable (one pwrite loop, one fdatasync) before returning.
 * Fills rec->seq and rec->offset (and rec->time_ns when 0). A record the format cannot hold
 * (bad kind/status/indexes, a name over JOURNAL_NAME_MAX) is refused before anything is
 * written. After a failed write or sync the handle is unusable: every later append fails
 * (a sync error cannot be retried safely; the partial record is a torn tail for the resume). */
int journal_append(struct journal *j, struct journal_record *rec, char *err, size_t errlen);

/* Append one record without a sync of its own: it becomes durable with the next
 * journal_append (fdatasync flushes all of the file's data) or journal_sync. Only for a record
 * that no side effect depends on before the next synced record, and that a resume can do
 * without (docs/journal.md, "Durability": step-done). A process that is killed loses nothing
 * written (the page cache keeps it); a power cut can lose this record, or tear it while the
 * synced record after it survives whole, and the reader treats both as a torn tail. At most
 * one record is left without a sync: when one is already pending, this append syncs, so the
 * tail a power cut can tear is never longer than two records. Errors as journal_append. */
int journal_append_nosync(struct journal *j, struct journal_record *rec, char *err, size_t errlen);

/* Make every record appended so far durable: one fdatasync when a journal_append_nosync
 * record is pending, nothing otherwise. A failure makes the handle unusable, as in
 * journal_append. */
int journal_sync(struct journal *j, char *err, size_t errlen);

/* What this handle did, for tests, --log and benchmarks. */
struct journal_stats {
	uint64_t records;                    /* appended through this handle */
	uint64_t syncs;                      /* fdatasync/fsync calls, header and directory included */
	uint64_t unsynced;                   /* records appended without a sync of their own */
	uint64_t bytes;                      /* file size */
};
void journal_stats(const struct journal *j, struct journal_stats *st);
const char *journal_path(const struct journal *j);

/* Close the file (releasing its flock) and free the handle. NULL is allowed. A record still
 * pending from journal_append_nosync is synced first, best effort: a caller that must know
 * calls journal_sync before (the runtime's last record, run-done or interrupted, is synced
 * anyway). Nothing else can fail. */
void journal_close(struct journal *j);

/* ---- reading ---- */

struct journal_log {
	struct journal_header header;        /* strings and vars owned by the log */
	struct journal_record *records;      /* the valid records, in order; records[i].seq == i */
	size_t n;
	bool torn;                           /* invalid bytes at the end were ignored (a torn append) */
	bool damaged;                        /* invalid bytes followed by a valid record, or a record
					      * with a good CRC that is malformed: not a torn tail */
	uint64_t valid_end;                  /* byte offset where the valid data ends */
	uint64_t file_size;
	char why[256];                       /* when torn or damaged: what was found where */
	char *pool_;                         /* private: the strings */
};

/* Read a whole journal (without locking: a live journal may show a torn tail). A bad,
 * incomplete or unsupported header is an error; an invalid record is not: the records before
 * it are returned, and torn/damaged/why say what follows. Free with journal_log_free. */
int journal_read(const char *path, struct journal_log *log, char *err, size_t errlen);
void journal_log_free(struct journal_log *log);

#endif
