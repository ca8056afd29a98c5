/* declared.c: declared actions and declared state on a real target (declared.h). */
#include "declared.h"

#include <stdio.h>
#include <string.h>

#include "crm_probe.h"
#include "text.h"
#include "util.h"

#define MAX_BINDINGS 256

/* ---- reading one instance ------------------------------------------------------------------ */

/* What instance `inst` of state st is about: its node (-1 none), its group or resource's name
 * and the variables its probe gets. */
struct instance {
	int node;
	int group;                           /* the group whose owner answers first, or -1 */
	const char *arg;                     /* a `from cluster` reader's argument */
	struct profile_var v[2];
	unsigned nv;
};

static void instance_part(const struct model *m, enum decl_scope sc, unsigned i, struct instance *x)
{
	switch (sc) {
	case DS_TARGET:
		break;
	case DS_NODE:
		x->node = (int)i;
		x->arg = m->node_names[i];
		break;
	case DS_GROUP:
		x->group = (int)i;
		x->arg = m->groups[i]->name.s;
		nodes_var(x->v, &x->nv, "group", m->groups[i]->name.s, false);
		break;
	case DS_RESOURCE:
		if (m->res[i]->grp != NULL)
			x->group = (int)m->res[i]->grp->index;
		x->arg = m->res[i]->name.s;
		nodes_var(x->v, &x->nv, "resource", m->res[i]->name.s, false);
		break;
	}
}

static void instance_of(const struct model *m, const struct ast_state_decl *st, unsigned inst, struct instance *x)
{
	memset(x, 0, sizeof(*x));
	x->node = -1;
	x->group = -1;
	x->arg = "";
	if (!st->pair) {
		instance_part(m, st->scope, inst, x);
		return;
	}
	unsigned c2 = model_decl_count(m, st->scope2);
	instance_part(m, st->scope, c2 ? inst / c2 : 0, x);
	instance_part(m, st->scope2, c2 ? inst % c2 : 0, x);
}

/* "standby(n1)", "quorum": an instance for messages. */
static const char *instance_text(struct arena *a, const struct ast_state_decl *st, const struct instance *x,
				 const struct model *m)
{
	if (st->scope == DS_TARGET)
		return st->name.s;
	if (st->pair && x->node >= 0)
		return arena_printf(a, "%s(%s, %s)", st->name.s, x->v[0].value, m->node_names[x->node]);
	return arena_printf(a, "%s(%s)", st->name.s, x->arg);
}

/* Run `probe state NAME`'s command on node: the last line it printed, or NULL with msg. */
static const char *probe_command(struct nodes *ns, unsigned node, const struct profile_named *pn,
				 const struct instance *x, char *msg, size_t len)
{
	char err[768];
	const char *key = arena_printf(&ns->ctx->arena, "probe state %s", pn->name);
	const char *line = nodes_render_tmpl(ns, node, key, pn->cmd, x->v, x->nv, err, sizeof(err));
	if (line == NULL) {
		snprintf(msg, len, "%s", err);
		return NULL;
	}
	struct transport_result r;
	if (nodes_run(ns, node, line, ns->node[node].prof->probe_timeout_ns, NULL, NULL, &r, err, sizeof(err)) < 0) {
		snprintf(msg, len, "%s on %s: %s", key, ns->t->nodes[node].name, err);
		return NULL;
	}
	if (r.timed_out || r.interrupted || r.signal != 0 || r.status != 0) {
		char how[96], tail[512], shown[256];
		text_escape(shown, sizeof(shown), line, 160);
		nodes_ending(&r, true, how, sizeof(how));
		text_tail_lines(r.tail, 3, tail, sizeof(tail));
		snprintf(msg, len, "%s on %s: `%s` %s%s%s", key, ns->t->nodes[node].name, shown, how, tail[0] ? ": " : "",
			 tail);
		return NULL;
	}
	return text_last_line(&ns->ctx->arena, r.tail);
}

/* The word node's profile reads for instance x: NULL with msg; *next when another node may
 * answer instead. */
static const char *probe_word(struct nodes *ns, unsigned node, const struct profile_named *pn,
			      const struct instance *x, bool *next, char *msg, size_t len)
{
	if (pn->from_cluster)
		return crm_probe_word(ns, node, pn->cmd, x->arg, next, msg, len);
	const char *w = probe_command(ns, node, pn, x, msg, len);
	*next = w == NULL && x->node < 0;   /* a node's own state is asked of the node itself */
	return w;
}

/* The nodes to ask, in order: the instance's node (a command asks only it), else its group's
 * owner; then the others. */
static unsigned ask_order(const struct nodes *ns, const struct model *m, const struct model_state *live,
			  const struct instance *x, const struct profile_named *pn, unsigned *order)
{
	unsigned k = 0;
	int first = x->node >= 0 ? x->node : x->group >= 0 ? (int)nodes_group_host(m, live, m->groups[x->group]) : -1;
	if (first >= 0)
		order[k++] = (unsigned)first;
	if (x->node >= 0 && !pn->from_cluster)
		return k;
	for (unsigned n = 0; n < ns->n && n < m->nnodes; n++)
		if ((int)n != first)
			order[k++] = n;
	return k;
}

/* Read instance `inst` of st: the index of its value, or -1 with msg. */
static int read_instance(struct nodes *ns, const struct model *m, const struct model_state *live,
			 const struct ast_state_decl *st, unsigned inst, char *msg, size_t len)
{
	struct instance x;
	unsigned order[MODEL_MAX_NODES];
	instance_of(m, st, inst, &x);
	const char *what = instance_text(&ns->ctx->arena, st, &x, m);
	msg[0] = '\0';
	const struct profile_named *any = NULL;
	for (unsigned n = 0; n < ns->n && any == NULL; n++)
		any = profile_state(ns->node[n].prof, st->name.s);
	if (any == NULL)
		return util_err(msg, len, "%s: no node's profile has `probe state %s`", what, st->name.s);
	unsigned no = ask_order(ns, m, live, &x, any, order);
	for (unsigned i = 0; i < no; i++) {
		unsigned node = order[i];
		const struct profile_named *pn = profile_state(ns->node[node].prof, st->name.s);
		if (pn == NULL || ns->node[node].tr == NULL)
			continue;
		bool next = false;
		char why[1024];
		const char *w = probe_word(ns, node, pn, &x, &next, why, sizeof(why));
		if (w == NULL) {
			if (msg[0] == '\0')
				snprintf(msg, len, "%s: %s", what, why);
			if (next)
				continue;
			return -1;
		}
		for (uint32_t v = 0; v < st->nvalues; v++)
			if (strcmp(st->values[v].s, w) == 0)
				return (int)v;
		char shown[128], values[256];
		size_t o = 0;
		text_escape(shown, sizeof(shown), w, 100);
		values[0] = '\0';
		for (uint32_t v = 0; v < st->nvalues && o < sizeof(values); v++)
			o += (size_t)snprintf(values + o, sizeof(values) - o, "%s%s", v ? ", " : "", st->values[v].s);
		return util_err(msg, len, "%s: `probe state %s` on %s printed '%s', which is none of its values (%s)", what,
				st->name.s, ns->t->nodes[node].name, shown, values);
	}
	if (msg[0] == '\0')
		snprintf(msg, len, "%s: no node could be asked", what);
	return -1;
}

/* ---- a condition --------------------------------------------------------------------------- */

/* The instances of scope sc an argument names under b; 0 when none. */
static unsigned arg_instances(const struct model *m, const struct model_bind *b, const struct ast_arg *a,
			      enum decl_scope sc, unsigned *out)
{
	if (a == NULL)
		return 0;
	if (a->role != NULL && sc == DS_NODE) {
		unsigned k = 0;
		nodeset ns = a->role->index < b->n ? b->nodes[a->role->index] : 0;
		for (unsigned n = 0; n < m->nnodes; n++)
			if (ns & ((nodeset)1 << n))
				out[k++] = n;
		return k;
	}
	if (a->item != NULL && a->item->index < model_decl_count(m, sc)) {
		out[0] = a->item->index;
		return 1;
	}
	return 0;
}

static unsigned cond_instances(const struct model *m, const struct model_bind *b, const struct ast_state_decl *st,
			       const struct ast_arg *args, unsigned *out)
{
	if (st->scope == DS_TARGET) {
		out[0] = 0;
		return 1;
	}
	unsigned first[MODEL_MAX_NODES], n1 = arg_instances(m, b, args, st->scope, first);
	if (!st->pair) {
		memcpy(out, first, n1 * sizeof(*out));
		return n1;
	}
	unsigned second[MODEL_MAX_NODES], c2 = model_decl_count(m, st->scope2), k = 0;
	unsigned n2 = args != NULL ? arg_instances(m, b, args->next, st->scope2, second) : 0;
	for (unsigned i = 0; i < n1; i++)
		for (unsigned j = 0; j < n2 && k < MODEL_MAX_NODES; j++)
			out[k++] = first[i] * c2 + second[j];
	return k;
}

mset declared_cond(struct nodes *ns, const struct model *m, const struct model_state *live, const struct ast_cond *c,
		   const struct model_bind *b, char *msg, size_t len)
{
	const struct ast_state_decl *st = c->state;
	unsigned inst[MODEL_MAX_NODES];
	unsigned n = st != NULL && c->value_index >= 0 ? cond_instances(m, b, st, c->args, inst) : 0;
	if (n == 0) {
		util_err(msg, len, "%s: its arguments name nothing the target has", c->name.s ? c->name.s : "?");
		return B_ANY;
	}
	mset r = B_YES;
	crm_probe_batch(ns, true);   /* one look at the cluster for every instance */
	for (unsigned i = 0; i < n && r == B_YES; i++) {
		int v = read_instance(ns, m, live, st, inst[i], msg, len);
		if (v < 0) {
			r = B_ANY;
		} else if ((v == c->value_index) != (c->op == CMP_EQ)) {
			struct instance x;
			instance_of(m, st, inst[i], &x);
			snprintf(msg, len, "%s is %s", instance_text(&ns->ctx->arena, st, &x, m), st->values[v].s);
			r = B_NO;
		}
	}
	crm_probe_batch(ns, false);
	if (r == B_YES)
		msg[0] = '\0';
	return r;
}

void declared_describe(struct nodes *ns, const struct model *m, const struct model_state *live,
		       const struct ast_cond *c, const struct model_bind *b,
		       void (*fn)(void *ud, unsigned node, const char *line, const char *err), void *ud)
{
	const struct ast_state_decl *st = c->state;
	unsigned inst[MODEL_MAX_NODES], order[MODEL_MAX_NODES];
	unsigned n = st != NULL ? cond_instances(m, b, st, c->args, inst) : 0;
	for (unsigned i = 0; i < n; i++) {
		struct instance x;
		instance_of(m, st, inst[i], &x);
		const struct profile_named *pn = NULL;
		for (unsigned k = 0; k < ns->n && pn == NULL; k++)
			pn = profile_state(ns->node[k].prof, st->name.s);
		if (pn == NULL)
			continue;
		unsigned no = ask_order(ns, m, live, &x, pn, order);
		int first = -1;
		for (unsigned k = 0; k < no && first < 0; k++)
			if (profile_state(ns->node[order[k]].prof, st->name.s) != NULL)
				first = (int)order[k];
		if (first < 0)
			continue;
		unsigned node = (unsigned)first;
		const struct profile *p = ns->node[node].prof;
		pn = profile_state(p, st->name.s);
		char err[768] = "";
		bool config = pn->from_cluster && strcmp(pn->cmd, "constraint") == 0;
		const char *key = pn->from_cluster ? config ? "probe cluster config" : "probe cluster status"
						   : arena_printf(&ns->ctx->arena, "probe state %s", st->name.s);
		const char *tmpl = !pn->from_cluster ? pn->cmd : config ? p->cluster_config : p->cluster_status;
		const char *line = tmpl != NULL ? nodes_render_tmpl(ns, node, key, tmpl, x.v, x.nv, err, sizeof(err))
						: NULL;
		if (tmpl == NULL)
			snprintf(err, sizeof(err), "profile '%s' has no `%s`", p->name, key);
		fn(ud, node, line, err);
	}
}

/* ---- the live state again ------------------------------------------------------------------ */

static bool some_probe(const struct nodes *ns, const struct ast_state_decl *st)
{
	for (unsigned n = 0; n < ns->n; n++)
		if (ns->node[n].tr != NULL && profile_state(ns->node[n].prof, st->name.s) != NULL)
			return true;
	return false;
}

/* Does cond read state st? */
static bool cond_reads(const struct ast_cond *c, const struct ast_state_decl *st)
{
	if (c == NULL)
		return false;
	return (c->kind == C_DSTATE && c->state == st) || cond_reads(c->lhs, st) || cond_reads(c->rhs, st);
}

static bool requires_read(const struct ast_action *only, const struct ast_state_decl *st)
{
	if (only->decl == NULL)
		return false;
	for (const struct ast_effect *e = only->decl->effects; e != NULL; e = e->next)
		if (e->kind == E_REQUIRES && cond_reads(e->cond, st))
			return true;
	return false;
}

int declared_read(struct nodes *ns, const struct model *m, struct model_state *s, const struct ast_action *only,
		  char *why, size_t wl)
{
	int rc = 0;
	why[0] = '\0';
	if (only != NULL && only->kind != A_CALL)
		return 0;
	crm_probe_batch(ns, true);   /* one look at the cluster for the whole pass */
	for (unsigned k = 0; k < m->ndstates; k++) {
		const struct ast_state_decl *st = m->dstates[k];
		if (!some_probe(ns, st) || (only != NULL && !requires_read(only, st)))
			continue;
		for (unsigned p = m->o_dstate[k]; p < m->o_dstate[k + 1]; p++) {
			char msg[1024];
			int v = read_instance(ns, m, s, st, p - m->o_dstate[k], msg, sizeof(msg));
			if (v >= 0) {
				s->v[p] = (mset)(1u << v);
				continue;
			}
			s->v[p] = (mset)(st->nvalues >= 8 ? 0xFF : (1u << st->nvalues) - 1);
			if (rc == 0)
				snprintf(why, wl, "%s", msg);
			rc = -1;
		}
	}
	crm_probe_batch(ns, false);
	return rc;
}

/* ---- a call's commands --------------------------------------------------------------------- */

/* The candidates for each parameter of the call: cand[i][0..cn[i]). */
struct call {
	const char *name[DECL_MAX_ARGS][MODEL_MAX_NODES];
	int node[DECL_MAX_ARGS][MODEL_MAX_NODES];    /* a node parameter's node, else -1 */
	int group[DECL_MAX_ARGS][MODEL_MAX_NODES];   /* the group whose owner runs it, else -1 */
	unsigned cn[DECL_MAX_ARGS];
	unsigned np;
};

static int call_candidates(const struct model *m, const struct model_bind *b, const struct ast_action *act,
			   struct call *c, char *msg, size_t len)
{
	const struct ast_arg *a = act->args;
	memset(c, 0, sizeof(*c));
	for (const struct ast_dparam *p = act->decl->params; p != NULL && c->np < DECL_MAX_ARGS;
	     p = p->next, a = a ? a->next : NULL) {
		unsigned i = c->np++;
		unsigned inst[MODEL_MAX_NODES];
		c->cn[i] = arg_instances(m, b, a, p->scope, inst);
		if (a == NULL || c->cn[i] == 0)
			return util_err(msg, len, "%s(…): its argument for %s names nothing the target has", act->decl->name.s,
					p->name.s);
		for (unsigned k = 0; k < c->cn[i]; k++) {
			c->node[i][k] = p->scope == DS_NODE ? (int)inst[k] : -1;
			c->group[i][k] = p->scope == DS_GROUP ? (int)inst[k] : p->scope == DS_RESOURCE && m->res[inst[k]]->grp
						? (int)m->res[inst[k]]->grp->index : -1;
			c->name[i][k] = p->scope == DS_NODE ? m->node_names[inst[k]] : a->item ? a->item->name.s : "";
		}
	}
	return 0;
}

/* Where binding `pick` of call c runs. */
static nodeset call_nodes(const struct driver_cmd *d, const struct ast_action *act, const struct model_bind *b,
			  const struct call *c, const unsigned *pick)
{
	const struct model *m = d->base.m;
	if (m->kind == PROC_STANDALONE)
		return 1;
	if (act->node != NULL && act->node->index < b->n && b->nodes[act->node->index] != 0)
		return b->nodes[act->node->index];
	for (unsigned i = 0; i < c->np; i++)
		if (c->node[i][pick[i]] >= 0)
			return (nodeset)1 << c->node[i][pick[i]];
	for (unsigned i = 0; i < c->np; i++)
		if (c->group[i][pick[i]] >= 0)
			return (nodeset)1 << nodes_group_host(m, d->base.live, m->groups[c->group[i][pick[i]]]);
	return 1;
}

/* The command of binding `pick` on node nd, as out. */
static void call_command(struct driver_cmd *d, const struct ast_action *act, const struct call *c,
			 const unsigned *pick, unsigned nd, bool several, struct command *out)
{
	struct profile_var v[DECL_MAX_ARGS];
	unsigned nv = 0, i = 0;
	char err[768];
	for (const struct ast_dparam *p = act->decl->params; p != NULL && i < c->np; p = p->next, i++)
		nodes_var(v, &nv, p->name.s, c->name[i][pick[i]], false);
	memset(out, 0, sizeof(*out));
	out->node = nd;
	out->key = PK_COUNT;
	const struct profile *pr = d->ns->node[nd].prof;
	const struct profile_named *pn = profile_action(pr, act->decl->name.s);
	out->timeout_ns = pr != NULL ? pr->timeout_ns : 0;
	if (pn == NULL) {
		out->err = arena_printf(d->a, "node %s: %s has no `action %s`", d->ns->t->nodes[nd].name,
					pr ? arena_printf(d->a, "profile '%s'", pr->name) : "no profile", act->decl->name.s);
		return;
	}
	const char *key = arena_printf(d->a, "action %s", act->decl->name.s);
	out->line = nodes_render_tmpl(d->ns, nd, key, pn->cmd, v, nv, err, sizeof(err));
	out->shown = out->line;
	if (out->line == NULL)
		out->err = arena_strdup(d->a, err);
	if (several) {
		const char *args = "";
		for (unsigned k = 0; k < nv; k++)
			args = arena_printf(d->a, "%s%s%s", args, k ? ", " : "", v[k].value);
		out->what = arena_printf(d->a, "%s(%s)", act->decl->name.s, args);
	}
}

int declared_commands(struct driver_cmd *d, const struct ast_action *act, const struct model_bind *b,
		      struct command **out, char *msg, size_t len)
{
	const struct model *m = d->base.m;
	struct call *c = arena_alloc(d->a, sizeof(*c));
	*out = NULL;
	if (act->decl == NULL)
		return util_err(msg, len, "an action that is not declared");
	if (call_candidates(m, b, act, c, msg, len) < 0)
		return -1;
	unsigned total = 1;
	for (unsigned i = 0; i < c->np; i++)
		total = total * c->cn[i] > MAX_BINDINGS ? MAX_BINDINGS + 1 : total * c->cn[i];
	if (total > MAX_BINDINGS)
		return util_err(msg, len, "%s(…) binds more than %d combinations of its arguments", act->decl->name.s,
				MAX_BINDINGS);
	struct command *cmds = arena_alloc(d->a, ((size_t)total * m->nnodes + 1) * sizeof(*cmds));
	unsigned pick[DECL_MAX_ARGS] = { 0 }, n = 0;
	for (unsigned t = 0; t < total; t++) {
		unsigned rest = t;
		for (unsigned i = 0; i < c->np; i++) {
			pick[i] = rest % c->cn[i];
			rest /= c->cn[i];
		}
		nodeset on = call_nodes(d, act, b, c, pick);
		for (unsigned nd = 0; nd < m->nnodes; nd++)
			if (on & ((nodeset)1 << nd))
				call_command(d, act, c, pick, nd, total > 1, &cmds[n++]);
	}
	*out = cmds;
	return (int)n;
}
