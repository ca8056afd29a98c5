/* lock_target.h: the lock and the last-run record on a real target's nodes (local:, ssh://),
 * taken and read through their transports, so that every controller sees them, whatever its
 * working directory, state directory or inventory name (docs/locks.md). A struct
 * lock_target and what it holds belong to the caller (the run's arena); the nodes are the
 * caller's (nodes.h).
 *
 * On each node, at the path its profile's `lock` names (else $HOTPLAN_LOCK_PATH, else
 * /var/lib/hotplan/lock for root, /var/tmp/hotplan-lock for anyone else): the lock is a directory that holds a file
 * `holder` naming the run (controller host, user, run id, pid, boot id, start time, plan,
 * journal). It is made as LOCK.new.RUN with its holder inside, then renamed to LOCK, so the
 * directory never exists without its holder: a runner killed at any point leaves either
 * nothing, a LOCK.new.RUN that the next take of that run removes, or a whole lock. Beside it,
 * LOCK.last is the node's last-run record. Neither is a timeout: a holder proven dead on the
 * controller's own host (same host name and boot id, its pid gone) is cleared; any other
 * only by `hotplan unlock`.
 *
 * Functions return -1 with a message in msg[len] when a node cannot be reached or its answer
 * read. */
#ifndef HP_LOCK_TARGET_H
#define HP_LOCK_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "journal.h"
#include "last_run.h"
#include "lock.h"
#include "nodes.h"

#define LOCK_TARGET_TEXT_MAX 12288         /* a holder or a record, as the node keeps it */

/* Who holds a lock: a run on a controller. */
struct lock_holder {
	char run_id[JOURNAL_RUN_ID_MAX];
	char host[LOCK_HOST_MAX];            /* the controller's host name */
	char user[64];                       /* the controller's user */
	int64_t pid, pidstart;               /* the runner, and its start (clock ticks after boot) */
	char boot[64];                       /* the controller's boot id */
	int64_t started_ns;                  /* unix ns */
	char plan[JOURNAL_PATH_MAX];
	char journal[JOURNAL_PATH_MAX];
	char target[256];                    /* the inventory's name for the target */
};

/* A node's last-run record. */
struct lock_target_last {
	char run_id[JOURNAL_RUN_ID_MAX];
	enum last_run_status status;
	char host[LOCK_HOST_MAX], user[64];
	char journal[JOURNAL_PATH_MAX];
	char target[256];
	int64_t time_ns;
	char work[72];                       /* the run's work digest (lock_target_work), or "" in a
					      * record written before it was kept */
	char state[JOURNAL_PATH_MAX];        /* its controller's state directory, or "" likewise */
};

/* What one node said. */
struct lock_node {
	char path[JOURNAL_PATH_MAX];         /* the lock directory, as the node resolved it */
	bool held;                           /* a lock is there (ours once taken) */
	bool taken;                          /* this run holds it */
	bool alias;                          /* this run holds it as another of its nodes (the same
					      * machine, or one lock path): released with that one */
	bool holder_ok;                      /* held, and its holder file reads */
	struct lock_holder holder;
	char raw[LOCK_TARGET_TEXT_MAX];      /* the holder file as read (clearing compares it) */
	bool has_last, last_ok;              /* a last-run record is there; it reads */
	struct lock_target_last last;
};

/* A run's locks on the nodes of its target. */
struct lock_target {
	struct nodes *ns;
	struct lock_holder me;
	struct lock_node *node;              /* by node index */
	unsigned n;
	const char *inventory;               /* its path, for the `hotplan unlock` a message names */
	char work[72];                       /* this run's work digest: "" none (written as "-") */
	const char *state;                   /* this controller's state directory, or NULL */
};

#define LOCK_TARGET_WORK_HEX 64

/* The work digest of a run: SHA-256 (hex, into out[LOCK_TARGET_WORK_HEX + 1]) of the plan's
 * hash and the values of the plan's params (`names[i]=texts[i]`, in the plan's order; a
 * secret param's value is left out, its name kept), so that two runs with the same digest run
 * the same plan with the same inputs (docs/fleets.md, "Two controllers"). */
void lock_target_work(const unsigned char plan_hash[32], const char *const *names, const char *const *texts,
		      const bool *secret, unsigned n, char *out);

/* Was the target done by another controller: does every node this run holds have a last-run
 * record saying `completed`, by one run, with this run's work digest, written by a controller
 * other than this one (another host, or another state directory)? 1 yes (msg names that run,
 * its host, user and state directory, and when); 0 no. */
int lock_target_done_elsewhere(const struct lock_target *lt, char *msg, size_t len);

/* This process as a holder: run_id, plan, journal and target as given (a newline in one is
 * shown as '?'), the host, user, pid, its start and the boot id of this machine, now. 0, or -1
 * (err). */
int lock_holder_self(struct lock_holder *me, const char *run_id, const char *plan, const char *journal,
		     const char *target, char *err, size_t errlen);

/* "run R (host H, user U, pid P, since 2026-12-06T10:30:00Z)". */
void lock_holder_text(const struct lock_holder *h, char *buf, size_t len);

/* Is the holder proven dead: it ran on this host, in this boot, and its pid is gone (or is
 * another process now)? A holder on another host is never proven dead. */
bool lock_holder_dead(const struct lock_holder *h);

/* Is the holder alive here: this host, this boot, its pid running with its start? */
bool lock_holder_alive_here(const struct lock_holder *h);

/* lt for nodes ns (all of its nodes), holder me. Arena: ns's. */
void lock_target_init(struct lock_target *lt, struct nodes *ns, const struct lock_holder *me);

/* Read node n's lock and last-run record without taking anything (--dry-run, unlock). */
int lock_target_peek(struct lock_target *lt, unsigned n, char *msg, size_t len);

/* Read every node's lock and last-run record, all nodes at once, taking nothing (--dry-run).
 * 0 all read; -1 node *failed could not be read (msg, the first in node order): those before
 * it were. */
int lock_target_peek_all(struct lock_target *lt, unsigned *failed, char *msg, size_t len);

/* Take every node's lock. `resume_run`: the run a resume continues (its own dead runner's
 * lock is taken over), or NULL. 0 taken (note: "" or what was cleared, for the caller to say);
 * 1 held (exit 5): msg names the holder and how to go on, nothing is kept; -1 error, nothing
 * kept. The nodes are asked at once, their answers read in node order: what is said is the
 * first node refused, or that failed, in that order, and every lock taken (on the nodes
 * after it too) is given back. */
int lock_target_acquire(struct lock_target *lt, const char *resume_run, char *note, size_t notelen, char *msg,
			size_t len);

/* The last-run gate of a new run on each node's record (`abandon`: --abandon, or NULL), or, with
 * resume_run, of the resume of that run. 0 go on (note: "" or what --abandon gave up; *used:
 * --abandon named a node's run); 1 refused (exit 5, msg). */
int lock_target_gate(const struct lock_target *lt, const char *abandon, const char *resume_run, bool *used,
		     char *note, size_t notelen, char *msg, size_t len);

/* Write the last-run record (run me, status st, the journal at `journal`) on every node taken,
 * all at once. 0, or -1 (msg: the first node that failed, in node order; the others are
 * written all the same). */
int lock_target_write_last(struct lock_target *lt, enum last_run_status st, const char *journal, char *msg,
			   size_t len);

/* Remove every lock taken, each only if it still names me, all at once. 0, or -1 (msg: the
 * first node, in node order, whose lock stays, and the `hotplan unlock` that clears it). */
int lock_target_release(struct lock_target *lt, char *msg, size_t len);

/* Remove node n's lock if its holder file still reads lt->node[n].raw (what peek read).
 * 0 removed, 1 it changed since (nothing removed), -1 error. */
int lock_target_clear(struct lock_target *lt, unsigned n, char *msg, size_t len);

#endif
