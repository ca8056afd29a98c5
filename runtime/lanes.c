/* lanes.c: the nodes of a `for each … serial N` loop in flight at once, one thread each,
 * taking turns on the run (lanes.h). Design notes: docs/checker.md, "serial". */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "lanes.h"
#include "run.h"

struct lane {
	struct run *R;
	const struct lanes_ops *ops;         /* its part of the run kept and put back (run.c's) */
	const struct ast_stmt *st;           /* the `for each` */
	struct run_lane_ctx ctx;             /* its part of the run while another lane has it */
	int status;                          /* enum walk_status, once finished */
	unsigned idx;                        /* its node's place in the loop */
	bool started, finished, joined;
	pthread_t thread;
};

static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t lane_ended = PTHREAD_COND_INITIALIZER;
static pthread_cond_t lane_turn = PTHREAD_COND_INITIALIZER;
static bool stopping;                        /* under run_lock */
static unsigned begun;                       /* under run_lock: lanes that had their first turn */
static _Thread_local struct lane *self;      /* the calling thread's lane */
static _Thread_local bool held;              /* it holds run_lock */
static _Thread_local unsigned released;      /* lanes_release calls not yet acquired back (the first
					      * let go of run_lock; the others nest in it) */

void lanes_release(void)
{
	if (self == NULL || (!held && released == 0))
		return;
	if (released++ > 0)
		return;   /* nested in a release: run_lock is let go of already */
	self->ops->save(self->R, &self->ctx);
	held = false;
	pthread_mutex_unlock(&run_lock);
}

void lanes_acquire(void)
{
	if (self == NULL || released == 0 || --released > 0)
		return;
	pthread_mutex_lock(&run_lock);
	held = true;
	self->ops->load(self->R, &self->ctx);
}

bool lanes_enter(void)
{
	if (self == NULL || held)
		return false;
	pthread_mutex_lock(&run_lock);
	held = true;
	self->ops->load(self->R, &self->ctx);
	return true;
}

void lanes_leave(bool entered)
{
	if (!entered)
		return;
	self->ops->save(self->R, &self->ctx);
	held = false;
	pthread_mutex_unlock(&run_lock);
}

void *lanes_self(void)
{
	return self;
}

void lanes_adopt(void *lane)
{
	self = lane;
	held = false;
	released = 0;
}

bool lanes_stopping(void)
{
	return self != NULL && stopping;
}

/* A lane: the body, for its node, holding the run lock but while it waits. */
static void *lane_main(void *arg)
{
	struct lane *l = arg;
	pthread_mutex_lock(&run_lock);
	/* first turns in the loop's order: lanes that never wait (a dry run, a simulated target)
	 * go node by node, as the target orders them */
	while (begun != l->idx)
		pthread_cond_wait(&lane_turn, &run_lock);
	begun++;
	pthread_cond_broadcast(&lane_turn);
	self = l;
	held = true;
	l->ops->load(l->R, &l->ctx);
	enum walk_status s = walk_stmts(&l->R->walk, l->st->body);
	l->ops->save(l->R, &l->ctx);
	l->status = (int)s;
	if (s != WALK_ON)
		stopping = true;   /* no new lane; the others stop at their next step */
	l->finished = true;
	pthread_cond_signal(&lane_ended);
	held = false;
	self = NULL;
	pthread_mutex_unlock(&run_lock);
	return NULL;
}

/* Each lane's part of the run: the parent's (in R), with a walk of its own, its node bound,
 * its label and its step numbers (node i's pass numbers its steps after nodes 0..i-1's). */
static void lanes_make(struct run *R, const struct lanes_ops *ops, struct lane *lane, const struct ast_stmt *st,
		       const unsigned *nodes, unsigned n, const struct run_lane_ctx *parent)
{
	size_t outer = strlen(R->walk.label);
	unsigned per = walk_body_steps(&R->walk, st), base = R->walk.step_no;
	for (unsigned i = 0; i < n; i++) {
		ops->load(R, parent);
		unsigned *live = arena_alloc(&R->ctx.arena, (R->bind.n + 1) * sizeof(*live));
		unsigned *live_at = arena_alloc(&R->ctx.arena, (R->bind.n + 1) * sizeof(*live_at));
		memcpy(live, R->walk.live, (R->bind.n + 1) * sizeof(*live));
		memcpy(live_at, R->walk.live_at, (R->bind.n + 1) * sizeof(*live_at));
		R->walk.live = live;
		R->walk.live_at = live_at;
		R->walk.replay_nodes = NULL;
		walk_lane(&R->walk, st, nodes[i], outer);
		R->walk.step_no = base + i * per;
		lane[i] = (struct lane){ .R = R, .ops = ops, .st = st, .status = WALK_ON, .idx = i };
		ops->save(R, &lane[i].ctx);
	}
	ops->load(R, parent);
	R->walk.step_no = base + n * per;   /* where the walk goes on after the loop */
}

/* Start lanes up to `width` in flight, wait for them; returns when none is left to start. */
static void lanes_run(struct run *R, struct lane *lane, unsigned n, unsigned width)
{
	unsigned next = 0, running = 0;
	for (;;) {
		while (!stopping && running < width && next < n) {
			struct lane *l = &lane[next++];
			int e = pthread_create(&l->thread, NULL, lane_main, l);
			if (e != 0) {
				snprintf(R->why, sizeof(R->why), "cannot start a thread for a node of `for each %s`: %s",
					 l->st->name.s, strerror(e));
				l->status = WALK_ERROR;
				l->finished = l->joined = true;
				stopping = true;
				continue;
			}
			l->started = true;
			running++;
		}
		if (running == 0)
			return;
		pthread_cond_wait(&lane_ended, &run_lock);   /* lets go of the run lock meanwhile */
		for (unsigned i = 0; i < next; i++)
			if (lane[i].started && lane[i].finished && !lane[i].joined) {
				pthread_join(lane[i].thread, NULL);
				lane[i].joined = true;
				running--;
			}
	}
}

int lanes_foreach(struct run *R, const struct lanes_ops *ops, struct walk *w, const struct ast_stmt *st,
		  const unsigned *nodes, unsigned n, unsigned serial)
{
	(void)w;   /* R->walk: the lanes' walk is the run's, their parts swapped in and out */
	if (self != NULL)
		return WALK_LOCKSTEP;   /* a loop in a lane's body: lock-step within the lane */
	struct lane parent = { .R = R, .ops = ops };
	struct lane *lane = arena_alloc(&R->ctx.arena, n * sizeof(*lane));
	pthread_mutex_lock(&run_lock);
	self = &parent;
	held = true;
	stopping = false;
	begun = 0;
	ops->save(R, &parent.ctx);
	lanes_make(R, ops, lane, st, nodes, n, &parent.ctx);
	ops->save(R, &parent.ctx);
	lanes_run(R, lane, n, serial < n ? serial : n);
	/* the outcome: an error, else the first failure, else an interruption */
	static const int rank[] = { [WALK_ON] = 0, [WALK_SKIP] = 0, [WALK_INTERRUPTED] = 1, [WALK_FAILED] = 2,
				    [WALK_ERROR] = 3, [WALK_LOCKSTEP] = 0 };
	const struct lane *worst = NULL;
	for (unsigned i = 0; i < n; i++)
		if (lane[i].status != WALK_ON && (worst == NULL || rank[lane[i].status] > rank[worst->status]))
			worst = &lane[i];
	int s = WALK_ON;
	if (worst == NULL) {
		ops->load(R, &parent.ctx);
	} else {
		char why[sizeof(R->why)];
		memcpy(why, R->why, sizeof(why));
		ops->load(R, &worst->ctx);   /* its checkpoint is the rollback's; its why the failure */
		if (!worst->started)
			memcpy(R->why, why, sizeof(why));   /* a thread that could not start */
		s = worst->status;
	}
	stopping = false;
	held = false;
	self = NULL;
	pthread_mutex_unlock(&run_lock);
	return s;
}
