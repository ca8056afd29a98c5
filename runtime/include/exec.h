/* exec.h: `hotplan run` and `hotplan resume`: preflight, the walk over a procedure with a
 * guard before every action and a journal record around it, rollback to the latest
 * checkpoint, locks, interruption. Both entry points return the process exit code of
 * SPEC section 5; nothing they allocate outlives the call. */
#ifndef HP_EXEC_H
#define HP_EXEC_H

#include <stdbool.h>

enum {
	EXIT_OK = 0,
	EXIT_REJECTED = 1,      /* check errors, failed prerequisite, missing param: nothing changed */
	EXIT_USAGE = 2,         /* usage error or unreadable input */
	EXIT_ROLLED_BACK = 3,   /* a step failed; the target was rolled back to a checkpoint */
	EXIT_FAILED = 4,        /* a step failed and no checkpoint, or the rollback failed */
	EXIT_LOCKED = 5,        /* another run holds the target, or its last run is unfinished */
	EXIT_INTERRUPTED = 130,
};

struct run_opts {
	const char *plan_path;          /* a .hplan or a .hpc */
	const char *inventory_path;     /* NULL: the built-in simulated target */
	const char *target_name;
	int kind;                       /* -1: the target's kind (standalone without an inventory) */
	const char **sets;              /* NAME=VALUE */
	unsigned nsets;
	bool dry_run;
	bool yes;
	const char *journal_path;       /* NULL: STATE_DIR/runs/RUN.journal */
	const char *abandon;            /* --abandon RUN */
	const char *fail_at;            /* a step's name */
	long long pace_ns;              /* --pace */
	bool log_json;
};

struct resume_opts {
	const char *journal_path;
	bool yes;
	bool log_json;
	const char *const *given;       /* --set NAME=VALUE: the secret params' values (the journal
					 * keeps their names only); any other is refused */
	unsigned ngiven;
	const char *const *accept;      /* --accept-changed: a role (plan, import, inventory,
					 * profile), "nodes", or a file; the resume goes on although
					 * these changed since the run started (docs/journal.md) */
	unsigned naccept;
	long long wait_ns;              /* how long to wait for a command that a runner which died left
					 * running (docs/journal.md); -1: the default, 30 s; 0: refuse at once */
};

struct unlock_opts {
	const char *inventory_path;
	const char *target_name;        /* the inventory's target */
	const char *holder;             /* --holder RUN: the run whose locks go */
};

/* A fleet (docs/fleets.md): one `hotplan run` per target, each a full run in a process of its
 * own, up to `parallel` at once, within a failure budget, with a journal of its own. */
struct fleet_opts {
	const char *plan_path;
	const char *inventory_path;
	const char *targets;            /* all | NAME | GLOB[,…] (--targets) */
	const char *resume_journal;     /* `hotplan resume FLEET-JOURNAL`: the fleet to continue */
	const char **args;              /* passed to every target's run: --kind K, --set N=V, --set-file
					 * N=P, --pace D (pairs of words) */
	unsigned nargs;
	const char *fail_at;            /* STEP, or TARGET-GLOB:STEP[,…] (tests) */
	unsigned parallel;              /* 0: the default (1), or the journal's on resume */
	const char *max_failures;       /* N or P%; NULL: 0 (the journal's on resume) */
	const char *report;             /* FILE.json or FILE.html, or NULL */
	bool yes;
	bool log_json;
	long long wait_ns;              /* resume: -1 default */
};

int exec_run(const struct run_opts *o);
int exec_resume(const struct resume_opts *o);
/* A fleet run or a fleet resume: the exit code of docs/fleets.md (0, 3, 4, 5, 130; 1 and 2 when
 * it cannot start). */
int exec_fleet(const struct fleet_opts *o);
/* Whether path is a fleet's journal (`hotplan resume` takes both kinds). */
bool exec_is_fleet_journal(const char *path);

/* `hotplan unlock`: remove the locks run o->holder left on the nodes of a real target
 * (docs/locks.md). Nothing is removed unless every node is free or held by that run, and the
 * run is not running on this host: EXIT_LOCKED, naming the holder, otherwise; EXIT_USAGE when
 * no node is locked by it or a node cannot be reached. */
int exec_unlock(const struct unlock_opts *o);

#endif
