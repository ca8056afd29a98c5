/* nodes.c: a target's nodes for the command driver: profiles, transports, rendering a key's
 * command for a node and running a line on it (nodes.h). */
#define _GNU_SOURCE /* mkdtemp */
#include "nodes.h"

#include "lanes.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"
#include "text.h"
#include "util.h"

#define DEFAULT_PROFILE "linux-systemd"

/* The node's name as its capture file's name, one to one (util_file_name: "a b" is a%20b,
 * "a_b" stays): two nodes never share a capture file. */
static const char *safe_file_name(struct arena *a, const char *name)
{
	size_t n = 3 * strlen(name) + 2;
	char *s = arena_alloc(a, n);
	if (util_file_name(name, s, n) != 0)
		return "%";   /* the empty name (an inventory has none): no other name escapes to it */
	return s;
}

struct nodes *nodes_new(struct hp_ctx *ctx, const struct rt_target *t, volatile int *abort)
{
	struct arena *a = &ctx->arena;
	struct nodes *ns = arena_alloc(a, sizeof(*ns));
	ns->ctx = ctx;
	ns->t = t;
	ns->abort = abort;
	ns->n = t->nnodes;
	ns->node = arena_alloc(a, (ns->n + 1) * sizeof(*ns->node));
	ns->real = true;
	for (unsigned n = 0; n < ns->n; n++) {
		ns->node[n].log_name = safe_file_name(a, t->nodes[n].name);
		ns->real &= t->nodes[n].transport != TR_SIM;
	}
	return ns;
}

/* The profiles loaded so far: each is loaded once. */
struct loaded {
	const char **dirs;                   /* the search path */
	unsigned ndirs;
	const char **names;
	const struct profile **v;
	unsigned n;
};

/* Profile `name` for node rn, loaded or found among those loaded. 0, or EXIT_USAGE (msg). */
static int load_profile(struct nodes *ns, struct loaded *ld, const struct ast_profile *local,
			const struct rt_node *rn, const char *name, bool explicit, const struct profile **out, char *msg,
			size_t len)
{
	for (unsigned i = 0; i < ld->n; i++)
		if (strcmp(ld->names[i], name) == 0) {
			*out = ld->v[i];
			return 0;
		}
	char err[1536];
	if (profile_find(ns->ctx, name, local, ld->dirs, ld->ndirs, out, err, sizeof(err)) < 0) {
		util_err(msg, len, "node %s: %s%s", rn->name, err,
			 explicit ? "" : " (the default for local: and ssh:// nodes; name another with "
			 "`profile \"NAME\"` in the inventory)");
		return EXIT_USAGE;
	}
	ld->names[ld->n] = name;
	ld->v[ld->n++] = *out;
	return 0;
}

int nodes_load_profiles(struct nodes *ns, const struct needs *nd, const char *plan_path,
			const struct ast_profile *local, char *msg, size_t len)
{
	struct arena *a = &ns->ctx->arena;
	struct loaded ld = { NULL, 0, NULL, NULL, 0 };
	bool needs_profile = needs_any(nd);
	int rc;

	ld.ndirs = profile_search_path(a, plan_path, &ld.dirs);
	ld.names = arena_alloc(a, (ns->n + 1) * sizeof(*ld.names));
	ld.v = arena_alloc(a, (ns->n + 1) * sizeof(*ld.v));
	for (unsigned n = 0; n < ns->n; n++) {
		const struct rt_node *rn = &ns->t->nodes[n];
		const char *name = rn->profile;
		bool explicit = name != NULL;
		if (name != NULL && strcmp(name, "sim") == 0) {
			if (rn->transport != TR_SIM) {
				util_err(msg, len, "node %s: profile \"sim\" is for sim: nodes only (its address is %s)",
					 rn->name, rn->address);
				return EXIT_USAGE;
			}
			continue;
		}
		if (name == NULL) {
			if (rn->transport == TR_SIM || !needs_profile)
				continue;   /* exec, wait, pause and verify of facts need no profile */
			name = DEFAULT_PROFILE;
		}
		const struct profile *p = NULL;
		if ((rc = load_profile(ns, &ld, local, rn, name, explicit, &p, msg, len)) != 0)
			return rc;
		ns->node[n].prof = p;
		if (p->shell == PROFILE_CMD && rn->transport != TR_SIM) {
			util_err(msg, len, "node %s: profile '%s' runs its commands under cmd, and the %s transport runs "
				 "/bin/sh -c: a cmd profile previews Windows commands (--dry-run) on sim: nodes", rn->name,
				 p->name, rn->transport == TR_LOCAL ? "local:" : "ssh://");
			return EXIT_USAGE;
		}
		if ((rc = needs_check_profile(ns->ctx, nd, rn, p, msg, len)) != 0)
			return rc;
	}
	return 0;
}

int nodes_connect(struct nodes *ns, char *msg, size_t len)
{
	const char *tmp = getenv("TMPDIR");
	if (tmp == NULL || tmp[0] == '\0' || strlen(tmp) > 24)
		tmp = "/tmp";
	snprintf(ns->tmp_dir, sizeof(ns->tmp_dir), "%s/hotplan-XXXXXX", tmp);
	if (mkdtemp(ns->tmp_dir) == NULL) {
		int e = errno;
		ns->tmp_dir[0] = '\0';
		util_err(msg, len, "mkdtemp %s/hotplan-XXXXXX: %s", tmp, strerror(e));
		return EXIT_USAGE;
	}
	for (unsigned n = 0; n < ns->n; n++) {
		char err[1024] = "";
		const struct rt_node *rn = &ns->t->nodes[n];
		ns->node[n].tr = rn->transport == TR_LOCAL ? transport_local_new(rn, ns->abort, err, sizeof(err))
			: transport_ssh_new(rn, ns->tmp_dir, ns->abort, err, sizeof(err));
		if (ns->node[n].tr == NULL) {
			nodes_close(ns);
			util_err(msg, len, "node %s (%s): %s", rn->name, rn->address, err);
			return EXIT_USAGE;
		}
	}
	return 0;
}

void nodes_close(struct nodes *ns)
{
	if (ns == NULL || ns->closed)
		return;
	ns->closed = true;
	for (unsigned n = 0; n < ns->n; n++) {
		transport_close(ns->node[n].tr);
		ns->node[n].tr = NULL;
	}
	if (ns->tmp_dir[0] != '\0') {
		(void)rmdir(ns->tmp_dir); /* the ssh transports removed their sockets */
		ns->tmp_dir[0] = '\0';
	}
}

/* ---- a key's command for a node ------------------------------------------------------------ */

struct lookup {
	struct nodes *ns;
	unsigned node;
	const struct profile_var *vars;
	unsigned nvars;
};

const char *nodes_sandbox(struct arena *a, const struct rt_target *t, unsigned node)
{
	const struct ast_literal *f = target_fact(t, (int)node, "sandbox");
	if (f != NULL)
		return text_literal(a, f);
	const char *env = getenv("HOTPLAN_SANDBOX");
	if (env != NULL && env[0] != '\0')
		return arena_printf(a, "%s/%s", env, t->nodes[node].name);
	return NULL;
}

static const char *node_lookup(void *ud, const char *name, bool *raw, char *err, size_t errlen)
{
	struct lookup *l = ud;
	const struct rt_node *nd = &l->ns->t->nodes[l->node];
	struct arena *a = &l->ns->ctx->arena;
	for (unsigned i = 0; i < l->nvars; i++)
		if (strcmp(l->vars[i].name, name) == 0) {
			*raw = l->vars[i].raw;
			return l->vars[i].value;
		}
	if (strcmp(name, "node") == 0)
		return nd->name;
	if (strcmp(name, "sandbox") == 0) {
		const char *sb = nodes_sandbox(a, l->ns->t, l->node);
		if (sb != NULL)
			return sb;
		snprintf(err, errlen, "node %s has no sandbox: give it `fact sandbox = \"DIR\"` or set HOTPLAN_SANDBOX",
			 nd->name);
		return NULL;
	}
	if (strncmp(name, "fact.", 5) == 0) {
		const struct ast_literal *f = target_fact(l->ns->t, (int)l->node, name + 5);
		if (f != NULL)
			return text_literal(a, f);
		snprintf(err, errlen, "fact %s is not known for node %s", name + 5, nd->name);
		return NULL;
	}
	return NULL;
}

const char *nodes_render(struct nodes *ns, unsigned node, enum profile_key k, const struct profile_var *vars,
			 unsigned nvars, char *err, size_t errlen)
{
	const struct profile *p = ns->node[node].prof;
	if (p == NULL || p->cmd[k] == NULL) {
		snprintf(err, errlen, "node %s: %s has no `%s`", ns->t->nodes[node].name,
			 p ? arena_printf(&ns->ctx->arena, "profile '%s'", p->name) : "no profile", profile_key_name(k));
		return NULL;
	}
	return nodes_render_tmpl(ns, node, profile_key_name(k), p->cmd[k], vars, nvars, err, errlen);
}

const char *nodes_render_tmpl(struct nodes *ns, unsigned node, const char *key, const char *tmpl,
			      const struct profile_var *vars, unsigned nvars, char *err, size_t errlen)
{
	const struct profile *p = ns->node[node].prof;
	struct lookup l = { ns, node, vars, nvars };
	char why[512];
	char *line = (char *)profile_subst(&ns->ctx->arena, p->shell, tmpl, node_lookup, &l, why, sizeof(why));
	if (line == NULL) {
		snprintf(err, errlen, "node %s: profile '%s', `%s`: %s", ns->t->nodes[node].name, p->name, key, why);
		return NULL;
	}
	/* an empty value at the end (no `args`) leaves blanks: not part of the command */
	size_t n = strlen(line);
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		line[--n] = '\0';
	return line;
}

const char *nodes_lock_word(struct nodes *ns, unsigned node, char *err, size_t errlen)
{
	const struct profile *p = ns->node[node].prof;
	err[0] = '\0';
	if (p == NULL || p->lock == NULL)
		return NULL;
	struct lookup l = { ns, node, NULL, 0 };
	char why[512];
	const char *w = profile_subst(&ns->ctx->arena, p->shell, p->lock, node_lookup, &l, why, sizeof(why));
	if (w == NULL)
		snprintf(err, errlen, "node %s: profile '%s', `lock`: %s", ns->t->nodes[node].name, p->name, why);
	return w;
}

/* ---- running a line ------------------------------------------------------------------------ */

int nodes_run(struct nodes *ns, unsigned node, const char *line, long long timeout_ns, const char *capture,
	      const char *label, struct transport_result *r, char *err, size_t errlen)
{
	struct transport_cmd c = { line, timeout_ns, capture, label, NULL, NULL };
	return nodes_exec(ns, node, &c, r, err, errlen);
}

int nodes_exec(struct nodes *ns, unsigned node, const struct transport_cmd *c, struct transport_result *r, char *err,
	       size_t errlen)
{
	struct transport *tr = ns->node[node].tr;
	if (tr == NULL) {
		snprintf(err, errlen, "node %s has no transport", ns->t->nodes[node].name);
		return -1;
	}
	lanes_release();   /* the other nodes of a parallel loop go on meanwhile (lanes.h) */
	int rc = transport_run(tr, c, r, err, errlen);
	lanes_acquire();
	return rc;
}

void nodes_fanout(void *items, unsigned n, size_t size, void *(*fn)(void *))
{
	pthread_t *thread = n > 1 ? calloc(n, sizeof(*thread)) : NULL;
	bool *started = n > 1 ? calloc(n, sizeof(*started)) : NULL;
	char *item = items;
	lanes_release();
	for (unsigned i = 0; i + 1 < n && thread != NULL && started != NULL; i++)
		started[i] = pthread_create(&thread[i], NULL, fn, item + i * size) == 0;
	for (unsigned i = 0; i < n; i++)
		if (started == NULL || !started[i])
			fn(item + i * size);
	for (unsigned i = 0; i < n && started != NULL; i++)
		if (started[i])
			pthread_join(thread[i], NULL);
	lanes_acquire();
	free(thread);
	free(started);
}

/* A job of nodes_run_all, with the nodes it runs on. */
struct job_thread {
	struct nodes *ns;
	struct nodes_job *job;
};

static void *job_main(void *arg)
{
	struct job_thread *t = arg;
	struct nodes_job *j = t->job;
	j->rc = nodes_run(t->ns, j->node, j->line, j->timeout_ns, j->capture, j->label, &j->r, j->err, sizeof(j->err));
	return NULL;
}

void nodes_run_all(struct nodes *ns, struct nodes_job *const *jobs, unsigned n)
{
	struct job_thread *t = n > 1 ? calloc(n, sizeof(*t)) : NULL;
	if (t == NULL) {   /* one job, or no memory for the threads' slots: one after another */
		for (unsigned i = 0; i < n; i++) {
			struct job_thread one = { ns, jobs[i] };
			job_main(&one);
		}
		return;
	}
	for (unsigned i = 0; i < n; i++)
		t[i] = (struct job_thread){ ns, jobs[i] };
	nodes_fanout(t, n, sizeof(*t), job_main);
	free(t);
}

void nodes_ending(const struct transport_result *r, bool was, char *out, size_t len)
{
	if (r->timed_out)
		snprintf(out, len, "timed out after %gs", (double)r->timeout_ns / 1e9);
	else if (r->interrupted)
		snprintf(out, len, "%saborted by a second interrupt", was ? "was " : "");
	else if (r->signal)
		snprintf(out, len, "%skilled by signal %d", was ? "was " : "", r->signal);
	else
		snprintf(out, len, "exited with status %d", r->status);
}

void nodes_failure_text(const struct nodes *ns, unsigned node, enum profile_key k, const char *line,
			const struct transport_result *r, char *out, size_t len)
{
	char how[96], tail[512], shown[256];
	text_escape(shown, sizeof(shown), line, 160);
	nodes_ending(r, true, how, sizeof(how));
	text_tail_lines(r->tail, 3, tail, sizeof(tail));
	snprintf(out, len, "%s on %s: `%s` %s%s%s", k == PK_EXEC ? "exec" : profile_key_name(k), ns->t->nodes[node].name,
		 shown, how, tail[0] ? ": " : "", tail);
}

/* ---- where a command runs ------------------------------------------------------------------ */

unsigned nodes_store_host(const struct model *m, const struct model_state *live)
{
	const struct ast_model_item *svc = m->plan->store_svc;
	if (m->kind == PROC_CLUSTER && svc != NULL && svc->res != NULL && svc->res->grp != NULL && m->ngroups > 0) {
		int n = nodes_first(live->owner[svc->res->grp->index]);
		if (n >= 0)
			return (unsigned)n;
	}
	return 0;
}

unsigned nodes_group_host(const struct model *m, const struct model_state *live, const struct ast_model_item *grp)
{
	if (grp != NULL && m->ngroups > 0 && grp->index < m->ngroups) {
		int n = nodes_first(live->owner[grp->index]);
		if (n >= 0)
			return (unsigned)n;
	}
	return 0;
}
