/* live.c: the live target read back: what the model is built from, then its state (live.h). */
#include "live.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crm_probe.h"
#include "exec.h"
#include "probe.h"
#include "util.h"

/* ---- what the model is built from ---------------------------------------------------------- */

/* The owner of each group the plan's model names, then of the target's other groups. */
static int discover_owners(struct nodes *ns, const struct ast_plan *plan, struct rt_target *t, char *msg,
			   size_t len)
{
	struct arena *a = &ns->ctx->arena;
	unsigned ng = 0;
	for (const struct ast_model_item *it = plan->model; it != NULL; it = it->next)
		ng += it->kind == M_GROUP && it->name.s != NULL;
	const char **gn = arena_alloc(a, (ng + t->ngroups + 1) * sizeof(*gn));
	const char **go = arena_alloc(a, (ng + t->ngroups + 1) * sizeof(*go));
	unsigned k = 0;
	bool any = false;
	for (unsigned n = 0; n < ns->n; n++)
		any |= ns->node[n].prof != NULL && ns->node[n].prof->cmd[PK_PROBE_OWNER] != NULL;
	for (const struct ast_model_item *it = plan->model; any && it != NULL; it = it->next) {
		if (it->kind != M_GROUP || it->name.s == NULL)
			continue;
		char why[1024];
		int owner = probe_group_owner(ns, it->name.s, why, sizeof(why));
		if (owner < 0) {
			util_err(msg, len, "target '%s': who owns group \"%s\"? %s", t->name, it->name.s, why);
			return EXIT_USAGE;
		}
		gn[k] = it->name.s;
		go[k++] = t->nodes[owner].name;
	}
	for (unsigned g = 0; g < t->ngroups; g++) {
		bool dup = false;
		for (unsigned i = 0; i < k && !dup; i++)
			dup = strcmp(gn[i], t->group_names[g]) == 0;
		if (!dup) {
			gn[k] = t->group_names[g];
			go[k++] = t->group_owners[g];
		}
	}
	t->group_names = gn;
	t->group_owners = go;
	t->ngroups = k;
	return 0;
}

/* The lines of a `list stores` capture file (its header and hotplan's own notes skipped),
 * each once. 0, or an errno value. */
static int read_list(struct arena *a, FILE *f, const char ***out, unsigned *nout)
{
	unsigned cap = 8, n = 0;
	const char **v = arena_alloc(a, cap * sizeof(*v));
	char *buf = NULL;
	size_t bcap = 0;
	ssize_t got;
	bool header = true;
	while ((got = getline(&buf, &bcap, f)) >= 0) {
		while (got > 0 && (buf[got - 1] == '\n' || buf[got - 1] == '\r'))
			buf[--got] = '\0';
		if (header) { /* "==== label ====" */
			header = false;
			continue;
		}
		if (got == 0 || strncmp(buf, "[hotplan: ", 10) == 0)
			continue;
		bool dup = false;
		for (unsigned i = 0; i < n && !dup; i++)
			dup = strcmp(v[i], buf) == 0;
		if (dup)
			continue;
		if (n == cap) {
			v = arena_realloc(a, v, cap * sizeof(*v), 2 * (size_t)cap * sizeof(*v));
			cap *= 2;
		}
		v[n++] = arena_strdup(a, buf);
	}
	/* getline() returns -1 at the end and on a read error alike: a list cut short is an error */
	int rc = ferror(f) ? (errno != 0 ? errno : EIO) : 0;
	free(buf);
	*out = v;
	*nout = n;
	return rc;
}

/* The stores `list stores` prints, one per line, read from a private capture file (the tail
 * is too short for a long list). 0, or -1 with msg. */
static int list_stores(struct nodes *ns, unsigned node, const char *service, const char ***out, unsigned *nout,
		       char *msg, size_t len)
{
	struct arena *a = &ns->ctx->arena;
	struct profile_var v[1];
	unsigned nv = 0;
	char err[768];
	nodes_var(v, &nv, "service", service, false);
	const char *line = nodes_render(ns, node, PK_LIST_STORES, v, nv, err, sizeof(err));
	if (line == NULL)
		return util_err(msg, len, "%s", err);
	const char *path = arena_printf(a, "%s/list-%u", ns->tmp_dir, ++ns->tmp_seq);
	struct transport_result r;
	int rc = nodes_run(ns, node, line, ns->node[node].prof->probe_timeout_ns, path, "list stores", &r, err,
			   sizeof(err));
	if (rc < 0) {
		unlink(path);
		return util_err(msg, len, "list stores on %s: %s", ns->t->nodes[node].name, err);
	}
	if (r.timed_out || r.interrupted || r.signal != 0 || r.status != 0) {
		unlink(path);
		nodes_failure_text(ns, node, PK_LIST_STORES, line, &r, msg, len);
		return -1;
	}
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		rc = errno;
		unlink(path);
		return util_err(msg, len, "read %s: %s", path, strerror(rc));
	}
	const char **got = NULL;
	unsigned n = 0;
	rc = read_list(a, f, &got, &n);
	(void)fclose(f); /* read only: nothing to lose */
	unlink(path);
	if (rc != 0)
		return util_err(msg, len, "read %s: %s", path, strerror(rc));
	*out = got;
	*nout = n;
	return 0;
}

/* The stores, from the node that hosts the store service's group (else the first node). */
static int discover_stores(struct nodes *ns, const struct ast_plan *plan, const struct needs *nd,
			   struct rt_target *t, char *msg, size_t len)
{
	unsigned host = 0;
	const struct ast_model_item *svc = plan->store_svc;
	if (t->kind == PROC_CLUSTER && svc != NULL && svc->res != NULL && svc->res->grp != NULL)
		for (unsigned g = 0; g < t->ngroups; g++)
			if (strcmp(t->group_names[g], svc->res->grp->name.s) == 0 &&
			    target_node_index(t, t->group_owners[g]) >= 0)
				host = (unsigned)target_node_index(t, t->group_owners[g]);
	const struct profile *p = ns->node[host].prof;
	if (p != NULL && p->cmd[PK_LIST_STORES] != NULL) {
		char why[1024];
		if (list_stores(ns, host, svc ? svc->name.s : "", &t->stores, &t->nstores, why, sizeof(why)) < 0) {
			util_err(msg, len, "target '%s': which stores? %s", t->name, why);
			return EXIT_USAGE;
		}
	} else if (nd->store_sets) {
		util_err(msg, len, "target '%s': the plan selects stores, and the stores are unknown: list them in the "
			 "inventory (`store \"NAME\"`) or give %s a `list stores`", t->name,
			 p ? arena_printf(&ns->ctx->arena, "profile '%s'", p->name) : "the node a profile");
		return EXIT_USAGE;
	}
	return 0;
}

int live_discover(struct nodes *ns, const struct ast_plan *plan, const struct needs *nd, struct rt_target *t,
		  char *msg, size_t len)
{
	int rc;
	if (t->kind == PROC_CLUSTER && (rc = discover_owners(ns, plan, t, msg, len)) != 0)
		return rc;
	if (t->nstores == 0 && nd->stores && (rc = discover_stores(ns, plan, nd, t, msg, len)) != 0)
		return rc;
	return 0;
}

/* ---- the model's live state ---------------------------------------------------------------- */

/* One node's services and membership into s. -1 (why) when a probe fails. */
static int read_services(struct nodes *ns, const struct model *m, struct model_state *s, unsigned n, char *why,
			 size_t wl)
{
	const struct profile *p = ns->node[n].prof;
	struct profile_var v[2];
	mset r;

	for (unsigned i = 0; i < m->nsvc; i++) {
		const struct ast_model_item *svc = m->svcs[i];
		unsigned nv = 0;
		if (svc->kind == M_CLUSTER_SERVICE) {
			if (m->kind != PROC_CLUSTER || p->cmd[PK_PROBE_MEMBER] == NULL)
				continue;
			if ((r = probe_bool(ns, n, PK_PROBE_MEMBER, NULL, 0, why, wl)) == B_ANY)
				return -1;
			model_observe_member(m, s, n, r == B_YES);
		} else if ((model_is_resource_svc(m, svc) && !(s->owner[svc->res->grp->index] & ((nodeset)1 << n))) ||
			   p->cmd[PK_PROBE_SERVICE] == NULL) {
			/* nothing to ask: it runs on its group's owner only, or there is no probe */
			model_observe_service(m, s, n, i, B_ANY);
		} else {
			nodes_var(v, &nv, "service", svc->name.s, false);
			nodes_var(v, &nv, "process", svc->process.s, false);
			if ((r = probe_bool(ns, n, PK_PROBE_SERVICE, v, nv, why, wl)) == B_ANY)
				return -1;
			model_observe_service(m, s, n, i, r);
		}
	}
	return 0;
}

/* One node's hotfixes and their files into s. -1 (why) when a probe fails. */
static int read_hotfixes(struct nodes *ns, const struct model *m, struct model_state *s, unsigned n, char *why,
			 size_t wl)
{
	const struct profile *p = ns->node[n].prof;
	struct profile_var v[2];

	if (p->cmd[PK_PROBE_INSTALLED] == NULL)
		return 0;
	for (const struct ast_hotfix *h = m->plan->hotfixes; h != NULL; h = h->next) {
		unsigned nv = 0;
		nodes_var(v, &nv, "hotfix", h->name.s, false);
		nodes_var(v, &nv, "package", h->package, false);
		mset r = probe_bool(ns, n, PK_PROBE_INSTALLED, v, nv, why, wl);
		if (r == B_ANY)
			return -1;
		bool files_new = true;
		for (unsigned f = 0; r == B_YES && f < m->nfiles; f++) {
			if (m->file_hf[f] != h || !m->files[f]->has_version || p->cmd[PK_PROBE_FILE_VERSION] == NULL)
				continue;
			struct ast_version ver;
			if (probe_file_version(ns, n, m->files[f]->name.s, &ver, why, wl) < 0)
				return -1;
			files_new &= model_observe_file(m, s, n, f, &ver);
		}
		model_observe_hotfix(m, s, n, h->index, r == B_YES, files_new);
	}
	return 0;
}

/* Each store, mounted or not (and when not, dismounted or offline), on the store host. */
static int read_stores(struct nodes *ns, const struct model *m, struct model_state *s, char *why, size_t wl)
{
	unsigned host = nodes_store_host(m, s);
	const struct profile *hp = ns->node[host].prof;
	const struct ast_model_item *ssvc = m->plan->store_svc;
	struct profile_var v[2];

	for (unsigned k = 0; hp != NULL && hp->cmd[PK_PROBE_STORE] != NULL && k < m->nstores; k++) {
		mset r = probe_store_mounted(ns, m, host, m->stores[k].name, why, wl);
		if (r == B_ANY)
			return -1;
		mset dm = B_ANY;   /* not asked: the model tells from the store service */
		if (r == B_NO && hp->cmd[PK_PROBE_STORE_DISMOUNTED] != NULL) {
			unsigned nv = 0;
			nodes_var(v, &nv, "store", m->stores[k].name, false);
			nodes_var(v, &nv, "service", ssvc ? ssvc->name.s : "", false);
			dm = probe_bool(ns, host, PK_PROBE_STORE_DISMOUNTED, v, nv, why, wl);
			if (dm == B_ANY)
				return -1;
		}
		model_observe_store(m, s, k, host, r == B_YES, dm);
	}
	return 0;
}

/* Each resource's restart policy, asked on its group's owner. */
static int read_restarts(struct nodes *ns, const struct model *m, struct model_state *s, char *why, size_t wl)
{
	struct profile_var v[2];
	for (unsigned r = 0; r < m->nres; r++) {
		const struct ast_model_item *res = m->res[r];
		unsigned gh = nodes_group_host(m, s, res->grp);
		const struct profile *p = ns->node[gh].prof;
		if (p == NULL || p->cmd[PK_PROBE_RESTART] == NULL)
			continue;
		unsigned nv = 0;
		nodes_var(v, &nv, "resource", res->name.s, false);
		nodes_var(v, &nv, "group", res->grp ? res->grp->name.s : "", false);
		mset e = probe_bool(ns, gh, PK_PROBE_RESTART, v, nv, why, wl);
		if (e == B_ANY)
			return -1;
		model_observe_restart(m, s, r, e == B_YES);
	}
	return 0;
}

int live_read(struct nodes *ns, const struct model *m, struct model_state *s, char *msg, size_t len)
{
	char why[1024];
	bool ok = true;
	for (unsigned n = 0; ok && n < m->nnodes; n++)
		if (ns->node[n].prof != NULL && ns->node[n].tr != NULL)
			ok = read_services(ns, m, s, n, why, sizeof(why)) == 0 &&
			     read_hotfixes(ns, m, s, n, why, sizeof(why)) == 0;
	ok = ok && read_stores(ns, m, s, why, sizeof(why)) == 0 && read_restarts(ns, m, s, why, sizeof(why)) == 0;
	if (!ok)
		return util_err(msg, len, "target '%s': reading the live state: %s", ns->t->name, why);
	return 0;
}

/* ---- a cluster's state, again ------------------------------------------------------------- */

void live_refresh(struct nodes *ns, const struct model *m, struct model_state *s)
{
	char why[1024];
	bool any = false;
	for (unsigned n = 0; n < ns->n; n++)
		any |= ns->node[n].prof != NULL && ns->node[n].prof->cluster != PROFILE_CLUSTER_NONE && ns->node[n].tr != NULL;
	if (!any || m->kind != PROC_CLUSTER)
		return;
	for (unsigned g = 0; g < m->ngroups; g++) {
		const char *on = NULL;
		for (unsigned n = 0; n < ns->n && on == NULL; n++)
			if (ns->node[n].prof != NULL && ns->node[n].prof->from_status[PK_PROBE_OWNER] && ns->node[n].tr != NULL)
				on = crm_probe_owner_on(ns, n, m->groups[g]->name.s, why, sizeof(why));
		int i = on != NULL ? target_node_index(ns->t, on) : -1;
		if (i >= 0 && (unsigned)i < m->nnodes)
			s->owner[g] = (nodeset)1 << i;
	}
	for (unsigned n = 0; n < m->nnodes; n++) {
		if (ns->node[n].prof == NULL || !ns->node[n].prof->from_status[PK_PROBE_MEMBER] || ns->node[n].tr == NULL)
			continue;
		mset r = crm_probe_member(ns, n, why, sizeof(why));
		/* a node the run restarted stays down for the guard until it is a member again */
		if (r == B_YES || (r == B_NO && *model_mem(m, s, n) == MEM_MEMBER))
			model_observe_member(m, s, n, r == B_YES);
	}
}
