/* probe.c: a live target's answers to the profile's probes, and the truth of a condition atom
 * asked of it (probe.h). */
#include "probe.h"

#include <stdio.h>
#include <string.h>

#include "crm_probe.h"
#include "declared.h"
#include "text.h"
#include "util.h"

mset probe_bool(struct nodes *ns, unsigned node, enum profile_key k, const struct profile_var *vars, unsigned nvars,
		char *msg, size_t len)
{
	char err[768];
	if (ns->node[node].prof != NULL && ns->node[node].prof->from_status[k])
		return crm_probe_member(ns, node, msg, len);   /* the only yes-or-no key it answers */
	const char *line = nodes_render(ns, node, k, vars, nvars, err, sizeof(err));
	if (line == NULL) {
		snprintf(msg, len, "%s", err);
		return B_ANY;
	}
	struct transport_result r;
	if (nodes_run(ns, node, line, ns->node[node].prof->probe_timeout_ns, NULL, NULL, &r, err, sizeof(err)) < 0) {
		snprintf(msg, len, "%s on %s: %s", profile_key_name(k), ns->t->nodes[node].name, err);
		return B_ANY;
	}
	if (!r.timed_out && !r.interrupted && r.signal == 0 && (r.status == 0 || r.status == 1))
		return r.status == 0 ? B_YES : B_NO;
	nodes_failure_text(ns, node, k, line, &r, msg, len);
	return B_ANY;
}

/* A probe that prints its answer: the last line of its output, or NULL (msg). */
static const char *probe_text(struct nodes *ns, unsigned node, enum profile_key k, const struct profile_var *vars,
			      unsigned nvars, char *msg, size_t len)
{
	char err[768];
	const char *line = nodes_render(ns, node, k, vars, nvars, err, sizeof(err));
	if (line == NULL) {
		snprintf(msg, len, "%s", err);
		return NULL;
	}
	struct transport_result r;
	if (nodes_run(ns, node, line, ns->node[node].prof->probe_timeout_ns, NULL, NULL, &r, err, sizeof(err)) < 0) {
		snprintf(msg, len, "%s on %s: %s", profile_key_name(k), ns->t->nodes[node].name, err);
		return NULL;
	}
	if (r.timed_out || r.interrupted || r.signal != 0 || r.status != 0) {
		nodes_failure_text(ns, node, k, line, &r, msg, len);
		return NULL;
	}
	const char *out = text_last_line(&ns->ctx->arena, r.tail);
	if (out[0] == '\0') {
		snprintf(msg, len, "%s on %s printed nothing", profile_key_name(k), ns->t->nodes[node].name);
		return NULL;
	}
	return out;
}

int probe_group_owner(struct nodes *ns, const char *group, char *msg, size_t len)
{
	struct profile_var v[1];
	unsigned nv = 0;
	nodes_var(v, &nv, "group", group, false);
	msg[0] = '\0';
	for (unsigned n = 0; n < ns->n; n++) {
		if (ns->node[n].prof == NULL || ns->node[n].prof->cmd[PK_PROBE_OWNER] == NULL || ns->node[n].tr == NULL)
			continue;
		const char *who = ns->node[n].prof->from_status[PK_PROBE_OWNER]
					  ? crm_probe_owner_on(ns, n, group, msg, len)
					  : probe_text(ns, n, PK_PROBE_OWNER, v, nv, msg, len);
		if (who == NULL)
			continue;
		int i = target_node_index(ns->t, who);
		if (i < 0) {
			char shown[128];
			text_escape(shown, sizeof(shown), who, 100);
			snprintf(msg, len, "probe group owner on %s says group \"%s\" is owned by '%s', which is not a node of "
				 "target '%s'", ns->t->nodes[n].name, group, shown, ns->t->name);
			return -1;
		}
		return i;
	}
	if (msg[0] == '\0')
		snprintf(msg, len, "no node's profile has `probe group owner`");
	return -1;
}

int probe_file_version(struct nodes *ns, unsigned node, const char *file, struct ast_version *v, char *msg,
		       size_t len)
{
	struct profile_var pv[1];
	unsigned nv = 0;
	nodes_var(pv, &nv, "file", file, false);
	const char *out = probe_text(ns, node, PK_PROBE_FILE_VERSION, pv, nv, msg, len);
	if (out == NULL)
		return -1;
	/* the first word that reads as a version: "6.5.7232.54", "Version=6.5.7232.54" */
	const char *at = out;
	for (; *at != '\0'; at++) {
		if (*at < '0' || *at > '9' || (at > out && ((at[-1] >= '0' && at[-1] <= '9') || at[-1] == '.')))
			continue;
		size_t n = strspn(at, "0123456789.");
		char *word = arena_strndup(&ns->ctx->arena, at, n);
		while (n > 0 && word[n - 1] == '.')
			word[--n] = '\0';
		int k = util_parse_version(word, v->c);
		if (k > 0) {
			v->n = (uint8_t)k;
			return 0;
		}
	}
	char shown[128];
	text_escape(shown, sizeof(shown), out, 100);
	return util_err(msg, len, "probe file version on %s printed '%s': no version in it", ns->t->nodes[node].name,
			shown);
}

mset probe_store_mounted(struct nodes *ns, const struct model *m, unsigned host, const char *store, char *msg,
			 size_t len)
{
	struct profile_var v[2];
	unsigned nv = 0;
	const struct ast_model_item *svc = m->plan->store_svc;
	nodes_var(v, &nv, "store", store, false);
	nodes_var(v, &nv, "service", svc ? svc->name.s : "", false);
	return probe_bool(ns, host, PK_PROBE_STORE, v, nv, msg, len);
}

/* ---- a condition atom ---------------------------------------------------------------------- */

/* `service S running` or `process P running` on every node c is about. */
static mset probe_running(struct nodes *ns, const struct model *m, const struct model_state *live,
			  const struct ast_cond *c, const struct model_bind *b, char *msg, size_t len)
{
	nodeset on = model_cond_nodes(m, live, b, c, c->svc);
	bool svc = c->kind == C_SERVICE;
	struct profile_var v[2];
	unsigned nv = 0;
	nodes_var(v, &nv, svc ? "service" : "process", c->name.s, false);
	nodes_var(v, &nv, svc ? "process" : "service",
		  c->svc == NULL ? "" : svc ? (c->svc->kind == M_SERVICE ? c->svc->process.s : "") : c->svc->name.s,
		  false);
	mset all = B_YES;
	for (unsigned n = 0; n < m->nnodes && all == B_YES; n++) {
		if (!(on & ((nodeset)1 << n)))
			continue;
		mset r = probe_bool(ns, n, svc ? PK_PROBE_SERVICE : PK_PROBE_PROCESS, v, nv, msg, len);
		if (r == B_ANY)
			return B_ANY;
		all = r;
	}
	return c->positive ? all : model_not(all);
}

/* The stores c selects, each mounted (or each not). */
static mset probe_stores(struct nodes *ns, const struct model *m, const struct model_state *live,
			 const struct ast_cond *c, char *msg, size_t len)
{
	unsigned host = nodes_store_host(m, live);
	for (unsigned k = 0; k < m->nstores; k++) {
		if (model_store_selected(m, k, &c->stores) != B_YES)
			continue;
		mset r = probe_store_mounted(ns, m, host, m->stores[k].name, msg, len);
		if (r == B_ANY)
			return B_ANY;
		if (r != (c->positive ? B_YES : B_NO))
			return B_NO;
	}
	return B_YES;
}

/* The nodes of c's role each a member of the cluster (C_MEMBER) or each not (C_DOWN). */
static mset probe_members(struct nodes *ns, const struct model *m, const struct ast_cond *c,
			  const struct model_bind *b, char *msg, size_t len)
{
	if (c->role == NULL || c->role->index >= b->n) {
		util_err(msg, len, "%s: no such role", c->name.s ? c->name.s : "?");
		return B_ANY;
	}
	nodeset on = b->nodes[c->role->index];
	for (unsigned n = 0; n < m->nnodes; n++) {
		if (!(on & ((nodeset)1 << n)))
			continue;
		mset r = probe_bool(ns, n, PK_PROBE_MEMBER, NULL, 0, msg, len);
		if (r == B_ANY)
			return B_ANY;
		if (r != (c->kind == C_MEMBER ? B_YES : B_NO))
			return B_NO;
	}
	return B_YES;
}

/* c's role owns c's group (C_OWNS_GROUP), or no group at all (C_OWNS_NO_GROUPS). */
static mset probe_owners(struct nodes *ns, const struct model *m, const struct ast_cond *c,
			 const struct model_bind *b, char *msg, size_t len)
{
	if (c->role == NULL || c->role->index >= b->n) {
		util_err(msg, len, "%s: no such role", c->name.s ? c->name.s : "?");
		return B_ANY;
	}
	nodeset rn = b->nodes[c->role->index];
	for (unsigned g = 0; g < m->ngroups; g++) {
		if (c->kind == C_OWNS_GROUP && (c->grp == NULL || c->grp->index != g))
			continue;
		int owner = probe_group_owner(ns, m->groups[g]->name.s, msg, len);
		if (owner < 0)
			return B_ANY;
		bool in = (rn & ((nodeset)1 << owner)) != 0;
		if (c->kind == C_OWNS_GROUP)
			return in ? B_YES : B_NO;
		if (in)
			return B_NO;
	}
	return c->kind == C_OWNS_GROUP ? B_NO : B_YES;
}

/* The hotfix c names installed on every node c is about. */
static mset probe_installed(struct nodes *ns, const struct model *m, const struct model_state *live,
			    const struct ast_cond *c, const struct model_bind *b, char *msg, size_t len)
{
	nodeset on = model_cond_nodes(m, live, b, c, NULL);
	struct profile_var v[2];
	unsigned nv = 0;
	nodes_var(v, &nv, "hotfix", c->name.s, false);
	nodes_var(v, &nv, "package", c->hotfix ? c->hotfix->package : "", false);
	for (unsigned n = 0; n < m->nnodes; n++) {
		if (!(on & ((nodeset)1 << n)))
			continue;
		mset r = probe_bool(ns, n, PK_PROBE_INSTALLED, v, nv, msg, len);
		if (r != B_YES)
			return r;
	}
	return B_YES;
}

/* The version of the file c names compared as c says, on every node c is about. */
static mset probe_version(struct nodes *ns, const struct model *m, const struct model_state *live,
			  const struct ast_cond *c, const struct model_bind *b, char *msg, size_t len)
{
	nodeset on = model_cond_nodes(m, live, b, c, NULL);
	for (unsigned n = 0; n < m->nnodes; n++) {
		if (!(on & ((nodeset)1 << n)))
			continue;
		struct ast_version ver;
		if (probe_file_version(ns, n, c->name.s, &ver, msg, len) < 0)
			return B_ANY;
		if (!model_cmp_holds(model_version_cmp(&ver, &c->lit->ver), c->op)) {
			struct ast_literal l = { .kind = LIT_VERSION, .ver = ver };
			snprintf(msg, len, "%s has %s %s", m->node_names[n], c->name.s, text_literal(&ns->ctx->arena, &l));
			return B_NO;
		}
	}
	return B_YES;
}

mset probe_cond(struct nodes *ns, const struct model *m, const struct model_state *live, const struct ast_cond *c,
		const struct model_bind *b, char *msg, size_t len)
{
	switch (c->kind) {
	case C_SERVICE:
	case C_PROCESS:
		return probe_running(ns, m, live, c, b, msg, len);
	case C_STORES:
		return probe_stores(ns, m, live, c, msg, len);
	case C_MEMBER:
	case C_DOWN:
		return probe_members(ns, m, c, b, msg, len);
	case C_OWNS_GROUP:
	case C_OWNS_NO_GROUPS:
		return probe_owners(ns, m, c, b, msg, len);
	case C_INSTALLED:
		return probe_installed(ns, m, live, c, b, msg, len);
	case C_FILE_VERSION:
		return probe_version(ns, m, live, c, b, msg, len);
	case C_DSTATE:
		return declared_cond(ns, m, live, c, b, msg, len);
	default:
		util_err(msg, len, "this condition has no probe");
		return B_ANY;
	}
}
