/* check_lanes.c: the nodes of a `for each … serial N` loop (N > 1) part-way through its body
 * at different points at once (check_int.h; docs/checker.md, "serial").
 *
 * check.c walks such a loop in lock-step: every state in which the nodes of a batch are at
 * the same point of the body. The runtime's lanes go further: each node goes through the body
 * on its own, so while one node is at its third action another may be at its first or its
 * tenth, and a node starts whenever another ends. Here, once the lock-step walk of the loop
 * is done, each node goes through the body again on its own while every other node of the
 * loop may be anywhere in its own: rely and guarantee, over the model's state, whose places
 * are independent sets of values.
 *
 * A node's guarantee is what its pass through the body can write: the places its actions
 * change and every value they leave there. Its rely is the other nodes' guarantees joined.
 * The guarantees are computed first, to a fixed point (a pass depends on what the others
 * write: its conditions, its `wait until`s, the effects that read shared places), then each
 * node's pass runs once more with its rely joined into its state after each of its actions
 * (what it reads of the others, for its own way through the body). The rules are judged at
 * each of its actions as check.c judges them, once for each point every other node may be
 * at: the places only that node writes hold what they hold at that point of its pass (a
 * "snapshot"), so that a rule reading two of its places together sees them as they are
 * together (a joined state would let `pool(b) == drained and pool(b) == serving` hold). A
 * rule is reported at the action after which it may hold where it could not before, for
 * the same points of the others; what the others' actions make hold at this node's points
 * is reported in their passes. Last, the states after the loop may hold what any node's pass
 * leaves in a place it writes, whatever order the nodes end in.
 *
 * It is an over-approximation: any other node of the loop, not only N - 1 of them, may be at
 * any point of its body, so a plan flagged with `serial N` below the node count may be one
 * that N at a time would not break; a plan it passes breaks no rule in any order the lanes
 * can take. */
#include <stdio.h>
#include <string.h>

#include "check_int.h"

/* What a node's pass through the body can write: its places in the order first written, and
 * per place every value it leaves there (`vals`) and those it holds when the pass ends (`end`),
 * with the action that wrote it. Places as struct model_change numbers them. */
struct guar {
	uint32_t *places;
	unsigned n, cap;
	uint8_t *in;                 /* [nv + ngroups]: the place is in `places` */
	struct model_state *vals, *end;
	/* the snapshots: the values of `places` at each point of the pass, nsnap rows of n, and
	 * the action each point comes after (NULL: the pass's start) */
	nodeset *snap;
	const struct ast_action **snap_after;
	unsigned nsnap, snapcap;
	/* while it is judged: its places no other node writes (indexes into places) */
	unsigned *own, nown;
};

/* Past this many combinations of the other nodes' points, an action is judged on the joined
 * state only (sound, less precise); and so is every action of a loop once its judgements
 * reach LANES_BUDGET, so that no plan makes the checker slow. */
#define LANES_MAX_COMBOS 4096
#define LANES_BUDGET 250000ul

/* A loop being walked (check_loop_start): the states its paths start in. */
struct check_loop {
	const struct ast_stmt *st;
	struct model_state **start;
	unsigned nstart;
	struct check_loop *up;
};

/* One node's pass through the body. */
struct lane {
	struct checker *C;
	const struct ast_stmt *st;   /* the loop */
	struct model_state *s;       /* its state */
	struct model_log log;        /* s's changes during the action being applied */
	struct guar *self;           /* where its guarantee is recorded, or NULL */
	struct guar *rely;           /* the other nodes' guarantees joined */
	bool snapshots;              /* record self's snapshots */
	/* judging (the last passes): the other nodes' guarantees, and which point each is at */
	struct guar **others;
	unsigned nothers, *at;
	bool report;
	unsigned long budget;        /* judgements left for the loop's combinations */
	unsigned serial, line;       /* the loop's `serial` and its line, for the note */
	char note[256];              /* the note of the points judged (C->lane_note) */
	bool grew;                   /* self took a place or a value it did not have */
	const struct ast_action *last;   /* the action the lane applied last, NULL at its start */
};

/* ---- guarantees ------------------------------------------------------------------------ */

static unsigned nplaces(const struct model *m)
{
	return m->nv + m->ngroups;
}

/* A state that may hold nothing anywhere: the bottom the joins start from. */
static struct model_state *state_none(struct arena *a, const struct model *m, const struct model_state *like)
{
	struct model_state *s = model_state_clone(a, m, like);
	memset(s->v, 0, m->nv);
	memset(s->owner, 0, m->ngroups * sizeof(*s->owner));
	memset(s->cause, 0, nplaces(m) * sizeof(*s->cause));
	return s;
}

static void guar_init(struct guar *g, struct arena *a, const struct model *m, const struct model_state *like)
{
	memset(g, 0, sizeof(*g));
	g->in = arena_alloc(a, nplaces(m) + 1);
	g->vals = state_none(a, m, like);
	g->end = state_none(a, m, like);
}

/* Place p joins g; true when it is new. */
static bool guar_add(struct guar *g, struct arena *a, uint32_t p)
{
	if (g->in[p])
		return false;
	if (g->n == g->cap) {
		unsigned cap = g->cap ? g->cap * 2 : 16;
		g->places = arena_realloc(a, g->places, g->cap * sizeof(*g->places), cap * sizeof(*g->places));
		g->cap = cap;
	}
	g->places[g->n++] = p;
	g->in[p] = 1;
	return true;
}

/* g := the guarantees of every node of the loop but nodes[self] (g emptied first). */
static void rely_build(struct checker *C, struct guar *g, const struct guar *all, unsigned n, unsigned self)
{
	const struct model *m = C->m;
	for (unsigned i = 0; i < g->n; i++) {
		uint32_t p = g->places[i];
		g->in[p] = 0;
		model_state_put(m, g->vals, p, 0, NULL);
	}
	g->n = 0;
	for (unsigned k = 0; k < n; k++)
		for (unsigned i = 0; i < all[k].n && k != self; i++) {
			uint32_t p = all[k].places[i];
			guar_add(g, C->a, p);
			model_state_widen(m, g->vals, p, model_state_get(m, all[k].vals, p), all[k].vals->cause[p]);
		}
}

/* The lane's state may hold what the other nodes write, wherever they are. */
static void rely_apply(struct lane *L)
{
	const struct model *m = L->C->m;
	struct model_log *log = L->s->log;
	L->s->log = NULL;   /* not the lane's own change */
	for (unsigned i = 0; i < L->rely->n; i++) {
		uint32_t p = L->rely->places[i];
		model_state_widen(m, L->s, p, model_state_get(m, L->rely->vals, p), L->rely->vals->cause[p]);
	}
	L->s->log = log;
}

/* The places the action just applied changed, and the values it left there, join the
 * lane's guarantee. */
static void guar_record(struct lane *L)
{
	const struct model *m = L->C->m;
	for (unsigned i = 0; i < L->log.n; i++) {
		uint32_t p = L->log.v[i].place;
		L->grew |= guar_add(L->self, L->C->a, p);
		L->grew |= model_state_widen(m, L->self->vals, p, model_state_get(m, L->s, p), L->s->cause[p]);
	}
}

/* The values of the lane's guarantee places now, as a snapshot (not when an earlier one holds
 * the same). */
static void snap_record(struct lane *L)
{
	struct guar *g = L->self;
	const struct model *m = L->C->m;
	if (g->nsnap == g->snapcap) {
		unsigned cap = g->snapcap ? g->snapcap * 2 : 16;
		g->snap = arena_realloc(L->C->a, g->snap, (size_t)g->snapcap * g->n * sizeof(*g->snap),
					(size_t)cap * g->n * sizeof(*g->snap));
		g->snap_after = arena_realloc(L->C->a, g->snap_after, g->snapcap * sizeof(*g->snap_after),
					      cap * sizeof(*g->snap_after));
		g->snapcap = cap;
	}
	nodeset *row = g->snap + (size_t)g->nsnap * g->n;
	for (unsigned i = 0; i < g->n; i++)
		row[i] = model_state_get(m, L->s, g->places[i]);
	/* a point whose places hold what an earlier one's hold is judged as that one */
	for (unsigned k = g->nsnap; k-- > 0;)
		if (memcmp(row, g->snap + (size_t)k * g->n, g->n * sizeof(*row)) == 0)
			return;
	g->snap_after[g->nsnap++] = L->last;
}

/* ---- judging an action ----------------------------------------------------------------- */

/* A precondition broken with the other nodes at the points judged: possible, not certain
 * (whether the lanes meet there is timing). */
static void lane_violation(void *ud, const struct model_violation *v)
{
	struct model_violation w = *v;
	w.certain = false;
	check_on_violation(ud, &w);
}

/* Undo what the log holds, last change first. */
static void lane_undo(struct lane *L)
{
	struct model_log *log = L->s->log;
	L->s->log = NULL;
	while (L->log.n > 0) {
		const struct model_change *c = &L->log.v[--L->log.n];
		model_state_put(L->C->m, L->s, c->place, c->val, c->cause);
	}
	L->s->log = log;
}

/* C->lane_note for the points judged: where the other nodes are. */
static void lane_note(struct lane *L, bool combos)
{
	struct checker *C = L->C;
	size_t len = (size_t)snprintf(L->note, sizeof(L->note),
				      "`serial %u` (line %u) runs the loop's nodes through its body at once, each at its own point: ",
				      L->serial, L->line);
	if (!combos) {
		snprintf(L->note + len, sizeof(L->note) - len, "here with the other nodes anywhere in it");
	} else {
		for (unsigned k = 0; k < L->nothers && len < sizeof(L->note); k++) {
			const struct ast_action *after = L->others[k]->snap_after[L->at[k]];
			const char *sep = k == 0 ? "here with" : " and";
			if (after == NULL)
				len += (size_t)snprintf(L->note + len, sizeof(L->note) - len, "%s another node about to start it", sep);
			else
				len += (size_t)snprintf(L->note + len, sizeof(L->note) - len, "%s another node just past line %u", sep,
							check_line(C->ctx, after->loc));
		}
	}
	C->lane_note = L->note;
}

/* The places only other node k writes take their values at point at[k] of its pass (noted
 * in the lane's log when its state has one). */
static void overlay(struct lane *L)
{
	for (unsigned k = 0; k < L->nothers; k++) {
		const struct guar *g = L->others[k];
		const nodeset *row = g->snap + (size_t)L->at[k] * g->n;
		for (unsigned j = 0; j < g->nown; j++) {
			uint32_t p = g->places[g->own[j]];
			model_state_put(L->C->m, L->s, p, row[g->own[j]], g->vals->cause[p]);
		}
	}
}

/* Judge action `a` with the other nodes at the points L->at: its preconditions, and the
 * declared rules it makes hold; the lane's state is as it was afterwards. */
static void judge_at(struct lane *L, const struct ast_action *a, bool combos)
{
	struct checker *C = L->C;
	struct model_state *s = L->s;
	struct model_log *log = s->log;
	L->log.n = 0;
	s->log = &L->log;
	if (combos)
		overlay(L);   /* noted in the log: undone with the action */
	lane_note(L, combos);
	uint32_t nr = C->plan->nrules;
	for (uint32_t i = 0; i < nr; i++)
		C->rule_held[i] = model_rule_eval(C->m, s, &C->bind, C->plan->rules[i], NULL) != B_NO;
	C->cur = s;
	model_apply(C->m, s, &C->bind, a, lane_violation, C);
	for (uint32_t i = 0; i < nr; i++)
		if (!C->rule_held[i] && model_rule_eval(C->m, s, &C->bind, C->plan->rules[i], NULL) != B_NO)
			check_report_decl(C, C->plan->rules[i], a->loc, "it may hold after this action");
	lane_undo(L);
	s->log = log;
}

/* Judge `a` at every combination of the points the other nodes may be at (on the joined
 * state alone past LANES_MAX_COMBOS, or once the loop's budget is spent). */
static void judge(struct lane *L, const struct ast_action *a)
{
	unsigned long combos = 1;
	for (unsigned k = 0; k < L->nothers && combos <= LANES_MAX_COMBOS; k++)
		combos *= L->others[k]->nsnap ? L->others[k]->nsnap : 1;
	if (combos > LANES_MAX_COMBOS || combos > L->budget || L->nothers == 0) {
		judge_at(L, a, false);
		return;
	}
	L->budget -= combos;
	memset(L->at, 0, L->nothers * sizeof(*L->at));
	for (;;) {
		judge_at(L, a, true);
		unsigned k = 0;
		while (k < L->nothers && ++L->at[k] >= L->others[k]->nsnap)
			L->at[k++] = 0;
		if (k == L->nothers)
			return;
	}
}

/* ---- a lane's walk through the body ---------------------------------------------------- */

static enum walk_status lane_step(void *ud, const struct ast_stmt *st, unsigned k)
{
	(void)ud, (void)st, (void)k;
	return WALK_ON;   /* failure points: check.c's, in lock-step */
}

static enum walk_status lane_action(void *ud, const struct ast_stmt *st, const struct ast_action *a, int idx)
{
	struct lane *L = ud;
	struct checker *C = L->C;
	(void)st, (void)idx;
	if (model_action_kinds[a->kind].inert)
		return WALK_ON;
	if (L->report)
		judge(L, a);
	L->log.n = 0;
	model_apply(C->m, L->s, &C->bind, a, NULL, NULL);
	if (L->self != NULL)
		guar_record(L);
	rely_apply(L);
	L->last = a;
	if (L->snapshots)
		snap_record(L);
	return WALK_ON;
}

/* Narrow the lane's state to `c` being `want` (not a change the lane makes). */
static bool lane_assume(struct lane *L, const struct ast_cond *c, mset want)
{
	struct model_log *log = L->s->log;
	L->s->log = NULL;
	bool ok = model_assume(L->C->m, L->s, &L->C->bind, c, want);
	L->s->log = log;
	return ok;
}

/* An `if`: the branch its condition takes; both when it is unknown, each narrowed to it,
 * the states they leave joined. */
static enum walk_status lane_if(void *ud, struct walk *w, const struct ast_stmt *st)
{
	struct lane *L = ud;
	const struct model *m = L->C->m;
	mset v = model_eval(m, L->s, &L->C->bind, st->cond, NULL);
	if (v != B_ANY)
		return walk_branch(w, st, v == B_YES);
	struct model_state *before = model_state_clone(L->C->a, m, L->s), *after_then = NULL;
	if (lane_assume(L, st->cond, B_YES)) {
		walk_branch(w, st, true);
		after_then = model_state_clone(L->C->a, m, L->s);
	}
	model_state_copy(m, L->s, before);
	if (lane_assume(L, st->cond, B_NO)) {
		walk_branch(w, st, false);
		if (after_then != NULL)
			model_state_join(m, L->s, after_then);
	} else if (after_then != NULL) {
		model_state_copy(m, L->s, after_then);
	}
	return WALK_ON;
}

static const struct walk_ops lane_ops = {
	.step = lane_step,
	.action = lane_action,
	.branch = lane_if,
};

/* Node `node` goes through the body from `start`, the other nodes anywhere in theirs. */
static void lane_pass(struct lane *L, const struct model_state *start, unsigned node)
{
	struct checker *C = L->C;
	struct walk w;
	model_state_copy(C->m, L->s, start);
	walk_init(&w, &lane_ops, L, C->m, &C->bind, C->a);
	walk_lane(&w, L->st, node, 0);
	rely_apply(L);
	L->last = NULL;
	if (L->snapshots)
		snap_record(L);
	L->s->log = &L->log;
	walk_stmts(&w, L->st->body);
	L->s->log = NULL;
	C->bind.nodes[L->st->var->index] = 0;
	for (unsigned i = 0; L->self != NULL && i < L->self->n; i++) {
		uint32_t p = L->self->places[i];
		L->grew |= model_state_widen(C->m, L->self->end, p, model_state_get(C->m, L->s, p), L->s->cause[p]);
	}
}

/* ---- the loop -------------------------------------------------------------------------- */

void check_loop_start(void *ud, struct walk *w, const struct ast_stmt *st, const unsigned *nodes, unsigned n,
		      unsigned serial)
{
	struct checker *C = ud;
	(void)w, (void)nodes, (void)n, (void)serial;
	struct check_loop *l = arena_alloc(C->a, sizeof(*l));
	l->st = st;
	l->nstart = C->P.cur.n;
	l->start = arena_alloc(C->a, (l->nstart + 1) * sizeof(*l->start));
	for (unsigned i = 0; i < l->nstart; i++) {
		paths_enter(&C->P, &C->P.cur.v[i]);
		l->start[i] = model_state_clone(C->a, C->m, C->P.w);
		paths_leave(&C->P);
	}
	l->up = C->loops;
	C->loops = l;
}

/* Every node's guarantee, to a fixed point: each pass with the others' guarantees so far as
 * its rely, until no pass adds a place or a value (each can only grow, and a state has
 * finitely many values). */
static void guarantees(struct lane *L, const struct check_loop *l, struct guar *g, const unsigned *nodes,
		       unsigned n)
{
	for (bool grew = true; grew;) {
		grew = false;
		for (unsigned k = 0; k < n; k++) {
			rely_build(L->C, L->rely, g, n, k);
			L->self = &g[k];
			for (unsigned i = 0; i < l->nstart; i++) {
				L->grew = false;
				lane_pass(L, l->start[i], nodes[k]);
				grew |= L->grew;
			}
		}
	}
	L->self = NULL;
}

/* The states after the loop may hold whatever any node's pass leaves in a place it writes:
 * which node ends last, and where the others were when it read what it acted on, is the
 * lanes' order. */
static void widen_after(struct checker *C, const struct guar *g, unsigned n)
{
	for (unsigned i = 0; i < C->P.cur.n; i++) {
		paths_enter(&C->P, &C->P.cur.v[i]);
		for (unsigned k = 0; k < n; k++)
			for (unsigned j = 0; j < g[k].n; j++) {
				uint32_t p = g[k].places[j];
				model_state_widen(C->m, C->P.w, p, model_state_get(C->m, g[k].end, p), g[k].end->cause[p]);
			}
		paths_leave(&C->P);
	}
	paths_fold(&C->P);
}

/* Each guarantee's places that no other node writes (the snapshots overlay those alone). */
static void own_places(struct checker *C, struct guar *g, unsigned n)
{
	uint8_t *count = arena_alloc(C->a, nplaces(C->m) + 1);
	for (unsigned k = 0; k < n; k++)
		for (unsigned j = 0; j < g[k].n; j++)
			if (count[g[k].places[j]] < 2)
				count[g[k].places[j]]++;
	for (unsigned k = 0; k < n; k++) {
		g[k].own = arena_alloc(C->a, (g[k].n + 1) * sizeof(*g[k].own));
		for (unsigned j = 0; j < g[k].n; j++)
			if (count[g[k].places[j]] == 1)
				g[k].own[g[k].nown++] = j;
	}
}

/* Each node's snapshots, from its passes with the fixed point's rely. */
static void snapshots(struct lane *L, const struct check_loop *l, struct guar *g, const unsigned *nodes,
		      unsigned n)
{
	L->snapshots = true;
	for (unsigned k = 0; k < n; k++) {
		rely_build(L->C, L->rely, g, n, k);
		L->self = &g[k];
		for (unsigned i = 0; i < l->nstart; i++)
			lane_pass(L, l->start[i], nodes[k]);
	}
	L->snapshots = false;
	L->self = NULL;
}

void check_loop_end(void *ud, struct walk *w, const struct ast_stmt *st, const unsigned *nodes, unsigned n,
		    unsigned serial, enum walk_status s)
{
	struct checker *C = ud;
	struct check_loop *l = C->loops;
	(void)w;
	if (l == NULL || l->st != st)
		return;
	C->loops = l->up;
	if (s != WALK_ON || l->nstart == 0)
		return;
	struct lane L = { .C = C, .st = st, .s = model_state_clone(C->a, C->m, l->start[0]) };
	L.log.a = C->a;
	struct guar *g = arena_alloc(C->a, n * sizeof(*g)), rely;
	for (unsigned k = 0; k < n; k++)
		guar_init(&g[k], C->a, C->m, l->start[0]);
	guar_init(&rely, C->a, C->m, l->start[0]);
	L.rely = &rely;
	guarantees(&L, l, g, nodes, n);
	own_places(C, g, n);
	snapshots(&L, l, g, nodes, n);

	L.report = true;
	L.budget = LANES_BUDGET;
	L.others = arena_alloc(C->a, n * sizeof(*L.others));
	L.at = arena_alloc(C->a, n * sizeof(*L.at));
	L.serial = serial;
	L.line = check_line(C->ctx, st->head);
	for (unsigned k = 0; k < n; k++) {
		rely_build(C, &rely, g, n, k);
		L.nothers = 0;
		for (unsigned j = 0; j < n; j++)
			if (j != k)
				L.others[L.nothers++] = &g[j];
		for (unsigned i = 0; i < l->nstart; i++)
			lane_pass(&L, l->start[i], nodes[k]);
	}
	C->lane_note = NULL;
	widen_after(C, g, n);
}
