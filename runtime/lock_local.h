/* lock_local.h: the target lock's operations on this machine, in this process, for local:
 * nodes. lock_target.c runs each operation on a node as a short /bin/sh script (mkdir, mv,
 * cat, rm: a dozen processes for one run's take, records and release); a local: node's lock is
 * a directory on this machine, so the same operation is done here with the same system calls
 * in the same order, and answers with the same marked lines the script prints. The two are one
 * protocol on one directory: a run here and a run that reaches this machine over ssh:// (or
 * with HOTPLAN_LOCAL_LOCK=script) exclude each other as two scripts do (docs/locks.md,
 * "In-process on local: nodes"). Nothing here is shared between threads. */
#ifndef HP_LOCK_LOCAL_H
#define HP_LOCK_LOCAL_H

enum lock_local_kind {
	LOCK_LOCAL_PEEK,     /* read the lock and the last-run record */
	LOCK_LOCAL_TAKE,     /* take the lock, then read the record */
	LOCK_LOCAL_LAST,     /* write the last-run record */
	LOCK_LOCAL_REMOVE,   /* remove the lock if its holder file reads `text` */
};

/* One operation, as lock_target.c's script for it is written. */
struct lock_local_op {
	enum lock_local_kind kind;
	const char *text;    /* TAKE: this run's holder file; LAST: the record; REMOVE: the holder
			      * file expected (each without its last newline) */
	const char *stale;   /* TAKE: a dead holder's file to clear first if it still reads so; "" none */
	const char *run_id;  /* names this run's temporary paths (LOCK.new.RUN.N, LOCK.stale.RUN,
			      * LOCK.last.tmp.RUN) */
	unsigned node;       /* TAKE: N of LOCK.new.RUN.N */
	const char *tag;     /* REMOVE: LOCK.old.TAG, the lock's name while it goes */
};

/* Do op on the lock at `lock` (the path as the profile, $HOTPLAN_LOCK_PATH or the default gave
 * it: checked to be absolute and its trailing slashes dropped here, as the script's prelude
 * does). Returns the answer the script would have printed after its capture header, behind a
 * header line of its own: malloc'd (the caller frees it); NULL when memory runs out. */
char *lock_local_run(const char *lock, const struct lock_local_op *op);

#endif
