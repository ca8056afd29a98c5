/* paths.h: the checker's paths (check.c), kept so that a path costs what makes it differ.
 *
 * A path is a state of the model and the latest checkpoint passed. The paths share one
 * working state, w, and one base: w holds the base while no path is entered, and a path is
 * the list of places (struct model_change) where it differs from the base, sorted. Entering
 * a path swaps its values into w, where the model (model_apply, model_assume, model_eval)
 * works on it as on any state, noting each change in a log; leaving it swaps them out again
 * and keeps what changed. Where every path holds the same value, it goes into the base
 * (paths_fold); while there is one path and it holds what the base holds, its changes are
 * made to the base directly. So copying a path, comparing two and joining them cost the
 * places they differ in, not the size of the model; and the degradations outstanding in w
 * are kept up to date by key as w changes, so a failure point asks for them in constant
 * time.
 *
 * The paths that wait at an `if` while one of its branches is walked (paths_if_*) refer to
 * the base as it was when the `if` was reached: the changes the base takes meanwhile are
 * journaled, undone before the other branch, and the waiting paths rebased on what the base
 * has become when both come together again.
 *
 * Ownership: everything lives in the arena given to paths_init and goes with it; the lists
 * of dropped paths are reused (arena_pool). */
#ifndef HP_PATHS_H
#define HP_PATHS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "model.h"
#include "walk.h"

struct path {
	struct model_change *d;              /* [nd], by place: where it differs from the base */
	unsigned nd;
	size_t size;                         /* bytes of the block d */
	const struct walk_snapshot *ckpt;    /* the latest checkpoint passed, NULL before any */
};

/* A list of paths (its block from the pool). */
struct pathv {
	struct path *v;
	unsigned n;
	size_t size;
};

struct paths {
	const struct model *m;
	struct model_state *w;               /* the base, or the entered path's state */
	struct path *in;                     /* the entered path, or NULL */
	struct pathv cur;                    /* the paths the walk is on */
	/* private */
	struct arena *a;
	struct arena_pool pool;
	struct model_log log;                /* w's changes while a path is entered */
	unsigned synced;                     /* log entries the degradations follow */
	uint32_t *mark, stamp;               /* mark[place] == stamp: a place seen (each use its stamp) */
	uint64_t *degr, *degr_sum;           /* bit k: degradation k is outstanding in w; sum: by word */
	unsigned ndegr, nkeys;
	struct model_change *fresh;          /* paths_leave's places new to the path */
	size_t fresh_size;
	unsigned *table;                     /* paths_merge's hash table */
	size_t table_size;
	bool dirty;                          /* a path changed since the last paths_fold */
	struct model_log journal;            /* the base's changes inside an `if`'s branches */
	bool direct;                         /* the entered path is the base: its changes are the base's */
	unsigned depth;                      /* `if`s whose branches are being walked */
};

/* Start with one path, in state `start` (it becomes w), before any checkpoint. */
void paths_init(struct paths *P, struct arena *a, const struct model *m, struct model_state *start);

/* Make w the state of p (no path entered before); the model's changes to w are noted. */
void paths_enter(struct paths *P, struct path *p);
/* w becomes the base again; the entered path keeps what changed in it. */
void paths_leave(struct paths *P);

/* Where the log of the entered path's changes is, to undo back to it. */
unsigned paths_log_mark(const struct paths *P);
/* Undo the entered path's changes since `mark`. */
void paths_undo(struct paths *P, unsigned mark);

/* How many degradations are outstanding in w (as model_degradations counts them); the first
 * of them, as model_degradations gives it, into *first when there is one. */
unsigned paths_degradations(struct paths *P, struct model_degr *first);

/* paths_degradations of path p, not entered: without entering it when it differs from the
 * base in no place that decides a degradation. */
unsigned paths_count_degradations(struct paths *P, struct path *p);

/* A copy of the entered path, which has not changed since it was entered (not entered). */
struct path paths_clone_entered(struct paths *P);
/* Drop p (not entered): its list is reused. */
void paths_drop(struct paths *P, struct path *p);

/* Append p to v. */
void paths_push(struct paths *P, struct pathv *v, struct path p);
/* Give v's block back (its paths are not dropped: they have moved elsewhere). */
void paths_vfree(struct paths *P, struct pathv *v);

/* An `if` is reached (the paths of `cur` split between its branches): the mark of the base's
 * journal, for paths_if_else and paths_if_end. */
unsigned paths_if_start(struct paths *P);
/* Its `then` branch is done: after_then (the paths it left) is kept aside, and the base is as
 * it was at the `if` again, for the `else` branch. */
void paths_if_else(struct paths *P, unsigned mark, struct pathv *after_then);
/* Its `else` branch is done: after_then is rebased on the base as it is now. */
void paths_if_end(struct paths *P, unsigned mark, struct pathv *after_then);

/* Drop the paths of `cur` equal to an earlier one (same state, same checkpoint); past
 * `max`, join those that share a checkpoint into the first of them. Then paths_fold. */
void paths_merge(struct paths *P, unsigned max);
/* Move into the base every place where every path of `cur` holds the same value (and cause),
 * when a path changed since the last time. */
void paths_fold(struct paths *P);

#endif
