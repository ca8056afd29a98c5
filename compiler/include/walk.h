/* walk.h: the walk over a procedure, written once for the checker (check.c, over the
 * abstract model, along every path) and the runtime (exec.c, on a target). The walk owns
 * what a plan's structure means: statement order; `for each … serial N` (the nodes of a
 * batch of N go through the body's statements in lock-step, N clamped to 1..MODEL_MAX_NODES,
 * unless the client's ops->foreach runs them on their own: the runtime's lanes);
 * the binding of loop variables and the iteration label ("n=node2,m=node3"); checkpoint
 * snapshots (the bindings and label when one is passed) and the replay of a checkpoint's
 * actions under them; step numbers (a step keeps its number whichever `if` branch runs).
 * Its client says what happens at a step's start (a failure point), at each action, at a
 * checkpoint, and how an `if` is decided: the checker takes both branches with narrowed
 * states, the runtime evaluates the condition and takes one.
 *
 * Ownership: a struct walk lives in its client's state; it binds loop variables in the
 * client's struct model_bind. Snapshots are allocated from the arena given to walk_init and
 * live as long as it. The client binds the roles before walk_init; from then on only the
 * walk binds (the walk follows what is bound, so that a snapshot costs what is bound). */
#ifndef HP_WALK_H
#define HP_WALK_H

#include <stdbool.h>

#include "arena.h"
#include "ast.h"
#include "model.h"

#define WALK_LABEL_MAX 256

/* What a client's callback says; the walk goes on only on WALK_ON (and WALK_SKIP from a
 * step's start) and returns any other status as it is. */
enum walk_status {
	WALK_ON,            /* go on */
	WALK_SKIP,          /* a step's start: the step is done already; go on after it */
	WALK_FAILED,        /* a step failed: the client rolls back */
	WALK_INTERRUPTED,   /* the operator stopped the run */
	WALK_ERROR,         /* the walk cannot go on */
	WALK_LOCKSTEP,      /* from ops->foreach only: walk this loop in lock-step, as without it */
};

/* A role or loop variable bound to a node set. */
struct walk_binding {
	unsigned index;              /* into struct model_bind's nodes */
	nodeset nodes;
};

/* The bindings and the iteration label when checkpoint `ckpt` was passed: those that were not
 * empty, by index (a loop variable outside its loop is empty), so that a snapshot costs what
 * is bound, not every loop variable of the procedure. */
struct walk_snapshot {
	const struct ast_stmt *ckpt;
	const struct walk_binding *bound;   /* [nbound], by index */
	unsigned nbound;
	const char *label;
};

struct walk;

/* An action of a step (or, in a replay, of checkpoint `st`), number idx in its block. */
typedef enum walk_status (*walk_action_fn)(void *ud, const struct ast_stmt *st, const struct ast_action *a,
					   int idx);

struct walk_ops {
	/* Step st, number k, starts (its failure point). WALK_ON runs its actions, WALK_SKIP
	 * passes over it. */
	enum walk_status (*step)(void *ud, const struct ast_stmt *st, unsigned k);
	walk_action_fn action;
	/* Every action of step st ran (may be NULL). */
	enum walk_status (*step_done)(void *ud, const struct ast_stmt *st, unsigned k);
	/* A checkpoint is passed: snap holds what a rollback to it needs (may be NULL). */
	enum walk_status (*checkpoint)(void *ud, const struct walk_snapshot *snap);
	/* An `if`: decide, and walk the branch(es) to take with walk_branch. A branch not
	 * walked is skipped over (its steps keep their numbers). */
	enum walk_status (*branch)(void *ud, struct walk *w, const struct ast_stmt *st);
	/* A `for each` st over nodes[0..n) whose `serial` is more than 1 (may be NULL: every
	 * loop in lock-step). The client runs each node through the body on its own (up to
	 * `serial` at once, walk_lane for each), or says WALK_LOCKSTEP. It leaves w->step_no
	 * past the loop's steps. The runtime's lanes (runtime/lanes.c); the checker has none. */
	enum walk_status (*foreach)(void *ud, struct walk *w, const struct ast_stmt *st, const unsigned *nodes,
				    unsigned n, unsigned serial);
	/* Around such a loop when the walk goes through it in lock-step (may be NULL):
	 * loop_start before its first statement, loop_end after it (s: how the loop's walk
	 * ended). The checker's look at nodes part-way through the body at different points
	 * (check_lanes.c). */
	void (*loop_start)(void *ud, struct walk *w, const struct ast_stmt *st, const unsigned *nodes, unsigned n,
			   unsigned serial);
	void (*loop_end)(void *ud, struct walk *w, const struct ast_stmt *st, const unsigned *nodes, unsigned n,
			 unsigned serial, enum walk_status s);
};

struct walk_if;

struct walk {
	const struct walk_ops *ops;
	void *ud;
	const struct model *m;          /* the nodes a `for each` goes over, and their names */
	struct model_bind *bind;        /* the client's: loop variables are bound here */
	struct arena *a;                /* snapshots */
	unsigned step_no;               /* the number of the last step reached (1-based) */
	char label[WALK_LABEL_MAX];     /* the `for each` bindings of the statement walked */
	struct walk_if *in_if;          /* the `if` whose branch is being decided */
	nodeset *replay_nodes;          /* a replay's bindings ([bind->n], empty but for its own) */
	unsigned *live, nlive;          /* the bindings that may not be empty, by index */
	unsigned *live_at;              /* [bind->n]: 1 + where an index is in live, or 0 */
};

/* Prepare a walk over the statements of a procedure whose roles are bound in `b`. */
void walk_init(struct walk *w, const struct walk_ops *ops, void *ud, const struct model *m, struct model_bind *b,
	       struct arena *a);

/* Walk a list of statements in order; stops at the first status other than WALK_ON. */
enum walk_status walk_stmts(struct walk *w, const struct ast_stmt *st);

/* From ops->branch only: walk the `then` (true) or `else` (false) branch of `if` st. */
enum walk_status walk_branch(struct walk *w, const struct ast_stmt *st, bool then);

/* The bindings and label now, for a rollback to checkpoint `ckpt` (allocated from the walk's
 * arena). */
const struct walk_snapshot *walk_snapshot(struct walk *w, const struct ast_stmt *ckpt);

/* The node set binding `index` held in snap (0: empty). */
nodeset walk_snapshot_nodes(const struct walk_snapshot *snap, unsigned index);

/* Replay the actions of snap's checkpoint under the bindings and label it saved: `act` for
 * each, in order, until one says other than WALK_ON (returned). `act` must not bind (the
 * bindings it sees are the snapshot's). The walk's bindings and label are put back
 * afterwards. */
enum walk_status walk_replay(struct walk *w, const struct walk_snapshot *snap, walk_action_fn act, void *ud);

/* Go back to snap's checkpoint, as a rollback does: its bindings and label become the
 * walk's. */
void walk_restore(struct walk *w, const struct walk_snapshot *snap);

/* Make `label` the walk's label and bind the loop variables of `proc` it names (a journal's
 * label, read back by `resume`). Names that match no loop variable or node are ignored. */
void walk_set_label(struct walk *w, const struct ast_procedure *proc, const char *label);

/* How many steps the statements `st` number: each `for each` once per member of its set as
 * bound in `b` (a loop variable: one), both branches of each `if`. */
unsigned walk_count_steps(const struct model_bind *b, const struct ast_stmt *st);

/* The first statement in plan order, in st or what it nests (loop bodies, both branches of an
 * `if`), that is the step named `name`, or with `checkpoints` a step or checkpoint so named.
 * NULL: none. */
const struct ast_stmt *walk_find_stmt(const struct ast_stmt *st, const char *name, bool checkpoints);

/* The size of the batches of `for each` st: its `serial`, clamped to 1..MODEL_MAX_NODES (a
 * target has at most MODEL_MAX_NODES nodes: a larger `serial` is all of them at once). */
unsigned walk_serial(const struct ast_stmt *st);

/* For ops->foreach: bind `for each` st's variable to `node` and make the label the enclosing
 * loops' (its first `outer` bytes) and `var=NODE`, as the walk does before the body; w is the
 * walk the lane goes on with (walk_stmts(w, st->body)). */
void walk_lane(struct walk *w, const struct ast_stmt *st, unsigned node, size_t outer);

/* How many steps one node's pass through the body of `for each` st numbers. */
unsigned walk_body_steps(const struct walk *w, const struct ast_stmt *st);

#endif
