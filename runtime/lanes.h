/* lanes.h: `for each v in R serial N` as SPEC 6 says it: up to N nodes in flight at once,
 * each going through the loop's body on its own ("a lane": one thread each), a node's step k
 * never waiting for another node's step k (docs/checker.md, "serial"). Internal to runtime/.
 *
 * The lanes take turns on the run: one lock, the run lock, which a lane holds whenever it runs
 * the executor's code (the walk, the guard, the model, the journal's appends, what is said),
 * and lets go of while it waits: for a command on a node (nodes.c), a sleep (act.c). So the
 * commands of the lanes run at once, and nothing else of a run needs to be thread-safe: when a
 * lane takes the lock back, its own part of the run (struct run_lane_ctx: its walk, bindings,
 * step, acting action, latest checkpoint) is put back into the struct run.
 *
 * Every function here is a no-op outside a parallel loop: a run without one, and the checker
 * (which has no lanes), are as before. */
#ifndef HP_LANES_H
#define HP_LANES_H

#include <stdbool.h>

struct run;
struct run_lane_ctx;
struct walk;
struct ast_stmt;

/* How a lane's part of the run is kept and put back: run_lane_save and run_lane_load (run.h),
 * given by the caller, so that lanes.c calls nothing of run.c (which calls lanes.c). */
struct lanes_ops {
	void (*save)(struct run *R, struct run_lane_ctx *c);
	void (*load)(struct run *R, const struct run_lane_ctx *c);
};

/* A lane is about to wait (a command, a sleep, its commands' threads): let the others run.
 * Only when the calling thread holds the run lock, or nested in such a release (a pair inside
 * a pair changes nothing); lanes_acquire after the wait. */
void lanes_release(void);
void lanes_acquire(void);

/* A thread of a lane that does not hold the run lock (a command's thread, a lane waiting)
 * needs the run, as its lane sees it: take the lock and the lane's part (true), or nothing
 * when it holds it already, or is no lane's (false). lanes_leave(what lanes_enter said). */
bool lanes_enter(void);
void lanes_leave(bool entered);

/* The calling thread's lane (NULL: none), for a thread it starts to adopt (dispatch.c: an
 * action's commands on several nodes, each a thread). */
void *lanes_self(void);
void lanes_adopt(void *lane);

/* Has a lane of the loop in flight failed (or been stopped): a lane stops at its next step's
 * start (act.c). */
bool lanes_stopping(void);

/* ops->foreach of the runtime's walk (walk.h): the nodes[0..n) of `for each` st in lanes, up
 * to `serial` at once (all of them when serial >= n). WALK_LOCKSTEP for a loop inside a
 * lane. A lane that never waits (a dry run, a simulated target) runs its whole body once it
 * has the run: those go node by node, in the target's order. When a lane's step fails, no new lane starts and the
 * others in flight finish their step and stop; the loop then says WALK_FAILED with the
 * failing lane's part of the run in R (its latest checkpoint: the rollback's). WALK_ERROR
 * (one of them could not go on) wins over WALK_FAILED, which wins over WALK_INTERRUPTED. */
int lanes_foreach(struct run *R, const struct lanes_ops *ops, struct walk *w, const struct ast_stmt *st,
		  const unsigned *nodes, unsigned n, unsigned serial);

#endif
