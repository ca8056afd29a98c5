/* walk.c: the walk over a procedure's statements (walk.h). */
#include "walk.h"

#include <stdio.h>
#include <string.h>

/* The `if` whose branches are being walked: where its steps' numbers start, and how many
 * each branch walked has (a branch not walked is counted). */
struct walk_if {
	const struct ast_stmt *st;
	unsigned base;
	unsigned nsteps[2];          /* [0] then, [1] else */
	bool walked[2];
	struct walk_if *up;
};

/* Binding `index` may not be empty from now on: a snapshot looks at it. */
static void live_add(struct walk *w, unsigned index)
{
	if (index >= w->bind->n || w->live_at[index] != 0)
		return;
	w->live[w->nlive++] = index;
	w->live_at[index] = w->nlive;
}

void walk_init(struct walk *w, const struct walk_ops *ops, void *ud, const struct model *m, struct model_bind *b,
	       struct arena *a)
{
	memset(w, 0, sizeof(*w));
	w->ops = ops;
	w->ud = ud;
	w->m = m;
	w->bind = b;
	w->a = a;
	w->live = arena_alloc(a, (b->n + 1) * sizeof(*w->live));
	w->live_at = arena_alloc(a, (b->n + 1) * sizeof(*w->live_at));
	for (unsigned i = 0; i < b->n; i++)
		if (b->nodes[i] != 0)
			live_add(w, i);
}

unsigned walk_serial(const struct ast_stmt *st)
{
	if (st->serial < 1)
		return 1;
	return st->serial > MODEL_MAX_NODES ? MODEL_MAX_NODES : (unsigned)st->serial;
}

static unsigned count_steps(const struct model_bind *b, const struct ast_stmt *st, unsigned mult)
{
	unsigned n = 0;
	for (; st != NULL; st = st->next) {
		if (st->kind == S_STEP) {
			n += mult;
		} else if (st->kind == S_FOREACH) {
			/* once per member of the set it goes over: a role bound when the walk
			 * started, or a loop variable of an enclosing loop (one node) */
			unsigned members = 1;
			if (st->set_role != NULL && st->set_role->kind != R_LOOPVAR && st->set_role->index < b->n)
				members = (unsigned)__builtin_popcountll(b->nodes[st->set_role->index]);
			n += count_steps(b, st->body, mult * members);
		} else if (st->kind == S_IF) {
			n += count_steps(b, st->body, mult) + count_steps(b, st->else_body, mult);
		}
	}
	return n;
}

unsigned walk_count_steps(const struct model_bind *b, const struct ast_stmt *st)
{
	return count_steps(b, st, 1);
}

const struct ast_stmt *walk_find_stmt(const struct ast_stmt *st, const char *name, bool checkpoints)
{
	for (; st != NULL; st = st->next) {
		if ((st->kind == S_STEP || (checkpoints && st->kind == S_CHECKPOINT)) && st->name.s != NULL &&
		    strcmp(st->name.s, name) == 0)
			return st;
		const struct ast_stmt *r = walk_find_stmt(st->body, name, checkpoints);
		if (r == NULL)
			r = walk_find_stmt(st->else_body, name, checkpoints);
		if (r != NULL)
			return r;
	}
	return NULL;
}

/* ---- the label ------------------------------------------------------------------------- */

static void set_label(struct walk *w, const char *label)
{
	snprintf(w->label, sizeof(w->label), "%s", label != NULL ? label : "");
}

/* The label of the enclosing loops (its first `outer` bytes), then `var=NODE`. */
static void label_bind(struct walk *w, size_t outer, const char *var, unsigned node)
{
	if (outer >= sizeof(w->label) - 1)
		return;   /* full: the outer loops' bindings are what it holds */
	snprintf(w->label + outer, sizeof(w->label) - outer, "%s%s=%s", outer ? "," : "", var,
		 model_node_name(w->m, node));
}

void walk_set_label(struct walk *w, const struct ast_procedure *proc, const char *label)
{
	set_label(w, label);
	for (const char *p = label; p != NULL && *p != '\0';) {
		const char *eq = strchr(p, '='), *comma = strchr(p, ',');
		if (eq == NULL)
			return;
		size_t nlen = (size_t)(eq - p);
		size_t vlen = comma ? (size_t)(comma - eq - 1) : strlen(eq + 1);
		for (const struct ast_role *r = proc->roles; r != NULL; r = r->next) {
			if (r->kind != R_LOOPVAR || r->index >= w->bind->n || strlen(r->name.s) != nlen ||
			    memcmp(r->name.s, p, nlen) != 0)
				continue;
			for (unsigned n = 0; n < w->m->nnodes; n++) {
				const char *name = model_node_name(w->m, n);
				if (strlen(name) == vlen && memcmp(name, eq + 1, vlen) == 0) {
					w->bind->nodes[r->index] = (nodeset)1 << n;
					live_add(w, r->index);
				}
			}
		}
		p = comma ? comma + 1 : NULL;
	}
}

/* ---- statements ------------------------------------------------------------------------ */

static enum walk_status walk_stmt(struct walk *w, const struct ast_stmt *st);

static enum walk_status walk_step(struct walk *w, const struct ast_stmt *st)
{
	unsigned k = ++w->step_no;
	enum walk_status s = w->ops->step(w->ud, st, k);
	if (s == WALK_SKIP)
		return WALK_ON;
	if (s != WALK_ON)
		return s;
	int idx = 0;
	for (const struct ast_action *a = st->actions; a != NULL; a = a->next, idx++)
		if ((s = w->ops->action(w->ud, st, a, idx)) != WALK_ON)
			return s;
	return w->ops->step_done != NULL ? w->ops->step_done(w->ud, st, k) : WALK_ON;
}

/* Drop from live the bindings that are empty now, and put the others in order. */
static void live_prune(struct walk *w)
{
	unsigned n = 0;
	for (unsigned i = 0; i < w->nlive; i++) {
		unsigned x = w->live[i];
		w->live_at[x] = 0;
		if (w->bind->nodes[x] == 0)
			continue;
		unsigned j = n++;   /* insertion: live is short (the roles, the loops around) */
		for (; j > 0 && w->live[j - 1] > x; j--)
			w->live[j] = w->live[j - 1];
		w->live[j] = x;
	}
	w->nlive = n;
	for (unsigned i = 0; i < n; i++)
		w->live_at[w->live[i]] = i + 1;
}

const struct walk_snapshot *walk_snapshot(struct walk *w, const struct ast_stmt *ckpt)
{
	/* one block: the snapshot, the bindings that are not empty, the label */
	live_prune(w);
	unsigned n = w->nlive;
	size_t nb = n * sizeof(struct walk_binding), ll = strlen(w->label) + 1;
	struct walk_snapshot *snap = arena_alloc(w->a, sizeof(*snap) + nb + ll);
	struct walk_binding *bound = (struct walk_binding *)(snap + 1);
	char *label = (char *)bound + nb;
	for (unsigned i = 0; i < n; i++)
		bound[i] = (struct walk_binding){ w->live[i], w->bind->nodes[w->live[i]] };
	memcpy(label, w->label, ll);
	snap->ckpt = ckpt;
	snap->bound = bound;
	snap->nbound = n;
	snap->label = label;
	return snap;
}

nodeset walk_snapshot_nodes(const struct walk_snapshot *snap, unsigned index)
{
	for (unsigned i = 0; i < snap->nbound; i++)
		if (snap->bound[i].index == index)
			return snap->bound[i].nodes;
	return 0;
}

static enum walk_status replay_actions(const struct walk_snapshot *snap, walk_action_fn act, void *ud)
{
	enum walk_status s = WALK_ON;
	int idx = 0;
	for (const struct ast_action *a = snap->ckpt->actions; a != NULL && s == WALK_ON; a = a->next, idx++)
		s = act(ud, snap->ckpt, a, idx);
	return s;
}

/* A replay under the snapshot's label, then the walk's again (rarely: the checker replays at
 * every step, mostly where the labels are the same). */
static enum walk_status replay_relabelled(struct walk *w, const struct walk_snapshot *snap, walk_action_fn act,
					  void *ud)
{
	char label[WALK_LABEL_MAX];
	memcpy(label, w->label, sizeof(label));
	set_label(w, snap->label);
	enum walk_status s = replay_actions(snap, act, ud);
	memcpy(w->label, label, sizeof(label));
	return s;
}

enum walk_status walk_replay(struct walk *w, const struct walk_snapshot *snap, walk_action_fn act, void *ud)
{
	/* the snapshot's bindings stand in for the walk's while its actions run (they bind
	 * nothing) */
	nodeset *nodes = w->bind->nodes;
	enum walk_status s;
	if (w->replay_nodes == NULL)
		w->replay_nodes = arena_alloc(w->a, (w->bind->n + 1) * sizeof(nodeset));
	for (unsigned i = 0; i < snap->nbound; i++)
		w->replay_nodes[snap->bound[i].index] = snap->bound[i].nodes;
	w->bind->nodes = w->replay_nodes;
	if ((w->label[0] == '\0' && snap->label[0] == '\0') || strcmp(w->label, snap->label) == 0)
		s = replay_actions(snap, act, ud);
	else
		s = replay_relabelled(w, snap, act, ud);
	w->bind->nodes = nodes;
	for (unsigned i = 0; i < snap->nbound; i++)
		w->replay_nodes[snap->bound[i].index] = 0;
	return s;
}

void walk_restore(struct walk *w, const struct walk_snapshot *snap)
{
	for (unsigned i = 0; i < w->nlive; i++)
		w->bind->nodes[w->live[i]] = 0;
	for (unsigned i = 0; i < snap->nbound; i++) {
		w->bind->nodes[snap->bound[i].index] = snap->bound[i].nodes;
		live_add(w, snap->bound[i].index);
	}
	set_label(w, snap->label);
}

/* Step `step` of loop st's body for nodes[0..n) at once, action by action. A node whose step
 * start says WALK_SKIP does not act; its number is the one the statement lock-step gives it. */
static enum walk_status steps_lockstep(struct walk *w, const struct ast_stmt *st, const struct ast_stmt *step,
				       const unsigned *nodes, unsigned n, size_t outer)
{
	bool acts[MODEL_MAX_NODES];
	unsigned k0 = w->step_no;
	enum walk_status s = WALK_ON;
	for (unsigned k = 0; k < n && s == WALK_ON; k++) {
		walk_lane(w, st, nodes[k], outer);
		s = w->ops->step(w->ud, step, k0 + 1 + k);
		acts[k] = s == WALK_ON;
		if (s == WALK_SKIP)
			s = WALK_ON;
	}
	int idx = 0;
	for (const struct ast_action *a = step->actions; a != NULL && s == WALK_ON; a = a->next, idx++)
		for (unsigned k = 0; k < n && s == WALK_ON; k++)
			if (acts[k]) {
				walk_lane(w, st, nodes[k], outer);
				s = w->ops->action(w->ud, step, a, idx);
			}
	for (unsigned k = 0; k < n && s == WALK_ON && w->ops->step_done != NULL; k++)
		if (acts[k]) {
			walk_lane(w, st, nodes[k], outer);
			s = w->ops->step_done(w->ud, step, k0 + 1 + k);
		}
	w->step_no = k0 + n;
	return s;
}

static enum walk_status walk_foreach(struct walk *w, const struct ast_stmt *st)
{
	if (st->var == NULL || st->set_role == NULL)
		return WALK_ON;
	nodeset set = w->bind->nodes[st->set_role->index];
	unsigned nodes[MODEL_MAX_NODES], n = 0;
	for (unsigned i = 0; i < w->m->nnodes && i < MODEL_MAX_NODES; i++)
		if (set & ((nodeset)1 << i))
			nodes[n++] = i;
	unsigned serial = walk_serial(st);
	size_t outer = strlen(w->label);
	enum walk_status s = WALK_LOCKSTEP;
	if (serial > 1 && n > 1 && w->ops->foreach != NULL)
		s = w->ops->foreach(w->ud, w, st, nodes, n, serial);
	if (s != WALK_LOCKSTEP) {
		w->label[outer] = '\0';
		if (s == WALK_ON)
			w->bind->nodes[st->var->index] = 0;
		return s;
	}
	s = WALK_ON;
	bool lanes = serial > 1 && n > 1;   /* nodes part-way through the body at once */
	if (lanes && w->ops->loop_start != NULL)
		w->ops->loop_start(w->ud, w, st, nodes, n, serial);
	for (unsigned b = 0; b < n && s == WALK_ON; b += serial) {
		unsigned e = b + serial < n ? b + serial : n;
		/* the nodes of one batch go through the body's statements together (lock-step:
		 * statement k for every node of the batch, then statement k+1); without a client's
		 * lanes (the checker), a step's actions too: action j of the step for every node,
		 * then action j+1, so that two nodes between a step's `stop` and its `start` at
		 * once are seen as the runtime's lanes can make them (docs/checker.md, "serial") */
		for (const struct ast_stmt *body = st->body; body != NULL && s == WALK_ON; body = body->next) {
			if (body->kind == S_STEP && e - b > 1 && w->ops->foreach == NULL) {
				s = steps_lockstep(w, st, body, nodes + b, e - b, outer);
				continue;
			}
			for (unsigned k = b; k < e && s == WALK_ON; k++) {
				walk_lane(w, st, nodes[k], outer);
				s = walk_stmt(w, body);
			}
		}
	}
	w->label[outer] = '\0';
	if (s == WALK_ON)
		w->bind->nodes[st->var->index] = 0;
	if (lanes && w->ops->loop_end != NULL)
		w->ops->loop_end(w->ud, w, st, nodes, n, serial, s);
	return s;
}

void walk_lane(struct walk *w, const struct ast_stmt *st, unsigned node, size_t outer)
{
	w->bind->nodes[st->var->index] = (nodeset)1 << node;
	live_add(w, st->var->index);
	label_bind(w, outer, st->name.s, node);
}

unsigned walk_body_steps(const struct walk *w, const struct ast_stmt *st)
{
	return count_steps(w->bind, st->body, 1);
}

static unsigned branch_steps(const struct walk *w, const struct walk_if *f, int i)
{
	if (f->walked[i])
		return f->nsteps[i];
	return walk_count_steps(w->bind, i == 0 ? f->st->body : f->st->else_body);
}

enum walk_status walk_branch(struct walk *w, const struct ast_stmt *st, bool then)
{
	struct walk_if *f = w->in_if;
	if (f == NULL || f->st != st)
		return WALK_ERROR;   /* not from ops->branch of this `if` */
	int i = then ? 0 : 1;
	unsigned first = f->base + (then ? 0 : branch_steps(w, f, 0));
	w->step_no = first;
	w->in_if = f->up;
	enum walk_status s = walk_stmts(w, then ? st->body : st->else_body);
	w->in_if = f;
	f->walked[i] = true;
	f->nsteps[i] = w->step_no - first;
	return s;
}

static enum walk_status walk_if(struct walk *w, const struct ast_stmt *st)
{
	struct walk_if f = { st, w->step_no, { 0, 0 }, { false, false }, w->in_if };
	w->in_if = &f;
	enum walk_status s = w->ops->branch(w->ud, w, st);
	w->in_if = f.up;
	if (s != WALK_ON)
		return s;
	/* a step keeps its number whichever branch runs: what follows comes after both */
	w->step_no = f.base + branch_steps(w, &f, 0) + branch_steps(w, &f, 1);
	return WALK_ON;
}

static enum walk_status walk_stmt(struct walk *w, const struct ast_stmt *st)
{
	switch (st->kind) {
	case S_STEP:
		return walk_step(w, st);
	case S_CHECKPOINT: {
		const struct walk_snapshot *snap = walk_snapshot(w, st);
		return w->ops->checkpoint != NULL ? w->ops->checkpoint(w->ud, snap) : WALK_ON;
	}
	case S_FOREACH:
		return walk_foreach(w, st);
	case S_IF:
		return walk_if(w, st);
	}
	return WALK_ON;
}

enum walk_status walk_stmts(struct walk *w, const struct ast_stmt *st)
{
	for (; st != NULL; st = st->next) {
		enum walk_status s = walk_stmt(w, st);
		if (s != WALK_ON)
			return s;
	}
	return WALK_ON;
}
