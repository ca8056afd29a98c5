/* describe.c: the commands and probes of an action, for --dry-run (describe.h). */
#include "describe.h"

#include <jansson.h>
#include <stdlib.h>
#include <time.h>

#include "commands.h"
#include "declared.h"

static void describe_line(struct driver_cmd *d, FILE *out, unsigned node, const char *prefix, const char *line,
			  const char *err)
{
	const char *name = d->ns->t->nodes[node].name;
	if (d->prog != NULL && d->prog->mode == PROGRESS_JSON) {
		struct timespec ts;
		struct tm tm;
		char when[64];
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		if (strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
			when[0] = '\0'; /* 20 characters into 64 do not fail; if they did, no garbage */
		json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "event", "dry-run-command", "time", when, "run",
				      d->prog->run ? d->prog->run : "", "node", name);
		if (o == NULL)
			return;
		json_object_set_new(o, line ? "command" : "error", json_string(line ? line : err));
		if (prefix[0] == '?')
			json_object_set_new(o, "probe", json_true());
		char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
		if (s != NULL)
			fprintf(out, "%s\n", s);
		free(s);
		json_decref(o);
		return;
	}
	/* through the progress module: on a terminal it keeps the live lines out of the way */
	const char *text = arena_printf(d->a, "        %s %s: %s", prefix, name, line ? line : err);
	if (d->prog != NULL) {
		progress_emit(d->prog, &(struct progress_ev){ .kind = EV_NOTE, .node = name, .message = text });
		return;
	}
	progress_put_escaped(out, text);
	fputc('\n', out);
}

/* A probe of key k with vars, on node. */
static void describe_probe(struct driver_cmd *d, FILE *out, unsigned node, enum profile_key k,
			   const struct profile_var *v, unsigned nv)
{
	char err[768];
	const char *line = nodes_render(d->ns, node, k, v, nv, err, sizeof(err));
	describe_line(d, out, node, "?", line, err);
}

/* `stores S mounted`: one probe for each store selected, on the store host. */
static void describe_stores(struct driver_cmd *d, const struct ast_cond *c, FILE *out)
{
	const struct model *m = d->base.m;
	unsigned host = nodes_store_host(m, d->base.live);
	const struct ast_model_item *svc = m->plan->store_svc;
	struct profile_var v[2];
	for (unsigned s = 0; s < m->nstores; s++) {
		if (model_store_selected(m, s, &c->stores) != B_YES)
			continue;
		unsigned nv = 0;
		nodes_var(v, &nv, "store", m->stores[s].name, false);
		nodes_var(v, &nv, "service", svc ? svc->name.s : "", false);
		describe_probe(d, out, host, PK_PROBE_STORE, v, nv);
	}
}

/* `owns group G`, `owns no groups`: one probe for each group, on the first node that has one. */
static void describe_owners(struct driver_cmd *d, const struct ast_cond *c, FILE *out)
{
	const struct model *m = d->base.m;
	struct profile_var v[1];
	for (unsigned g = 0; g < m->ngroups; g++) {
		if (c->kind == C_OWNS_GROUP && (c->grp == NULL || c->grp->index != g))
			continue;
		unsigned nv = 0;
		nodes_var(v, &nv, "group", m->groups[g]->name.s, false);
		unsigned host = 0;
		while (host + 1 < d->ns->n &&
		       (d->ns->node[host].prof == NULL || d->ns->node[host].prof->cmd[PK_PROBE_OWNER] == NULL))
			host++;
		describe_probe(d, out, host, PK_PROBE_OWNER, v, nv);
	}
}

struct describe_to {
	struct driver_cmd *d;
	FILE *out;
};

static void describe_probe_line(void *ud, unsigned node, const char *line, const char *err)
{
	const struct describe_to *to = ud;
	describe_line(to->d, to->out, node, "?", line, err);
}

static void describe_cond(struct driver_cmd *d, const struct ast_cond *c, const struct model_bind *b, FILE *out)
{
	const struct model *m = d->base.m;
	struct profile_var v[2];
	unsigned nv = 0;
	enum profile_key k;
	nodeset on;

	if (c == NULL)
		return;
	switch (c->kind) {
	case C_OR:
	case C_AND:
		describe_cond(d, c->lhs, b, out);
		describe_cond(d, c->rhs, b, out);
		return;
	case C_NOT:
		describe_cond(d, c->lhs, b, out);
		return;
	case C_SERVICE:
	case C_PROCESS:
		k = c->kind == C_SERVICE ? PK_PROBE_SERVICE : PK_PROBE_PROCESS;
		nodes_var(v, &nv, c->kind == C_SERVICE ? "service" : "process", c->name.s, false);
		nodes_var(v, &nv, c->kind == C_SERVICE ? "process" : "service",
			  c->svc == NULL ? "" : c->kind == C_SERVICE ? (c->svc->kind == M_SERVICE ? c->svc->process.s : "")
			  : c->svc->name.s, false);
		on = model_cond_nodes(m, d->base.live, b, c, c->svc);
		break;
	case C_STORES:
		describe_stores(d, c, out);
		return;
	case C_MEMBER:
	case C_DOWN:
		k = PK_PROBE_MEMBER;
		on = c->role && c->role->index < b->n ? b->nodes[c->role->index] : 0;
		break;
	case C_OWNS_GROUP:
	case C_OWNS_NO_GROUPS:
		describe_owners(d, c, out);
		return;
	case C_INSTALLED:
		k = PK_PROBE_INSTALLED;
		nodes_var(v, &nv, "hotfix", c->name.s, false);
		nodes_var(v, &nv, "package", c->hotfix ? c->hotfix->package : "", false);
		on = model_cond_nodes(m, d->base.live, b, c, NULL);
		break;
	case C_FILE_VERSION:
		k = PK_PROBE_FILE_VERSION;
		nodes_var(v, &nv, "file", c->name.s, false);
		on = model_cond_nodes(m, d->base.live, b, c, NULL);
		break;
	case C_DSTATE:
		declared_describe(d->ns, m, d->base.live, c, b, describe_probe_line, &(struct describe_to){ d, out });
		return;
	default:
		return;
	}
	for (unsigned n = 0; n < m->nnodes; n++)
		if ((on & ((nodeset)1 << n)) && d->ns->node[n].prof != NULL)
			describe_probe(d, out, n, k, v, nv);
}

void describe_action(struct driver_cmd *d, const struct ast_action *act, const struct model_bind *b, nodeset nodes,
		     FILE *out)
{
	char msg[768];
	struct command *cmds = NULL;

	if (act->kind == A_WAIT_UNTIL || act->kind == A_VERIFY) {
		describe_cond(d, act->cond, b, out);
		return;
	}
	int n = commands_of(d, act, b, nodes, &cmds, msg, sizeof(msg));
	if (n < 0) {
		describe_line(d, out, 0, "!", NULL, msg);
		return;
	}
	for (int i = 0; i < n; i++) {
		if (d->sim != NULL && d->ns->node[cmds[i].node].prof == NULL && cmds[i].key != PK_EXEC)
			continue;   /* a sim: node without a real profile: the model is all there is */
		describe_line(d, out, cmds[i].node, cmds[i].line ? "$" : "!", cmds[i].shown, commands_shown(d, cmds[i].err));
	}
	/* out is the progress stream: a failed write stays in its error indicator, and the run
	 * reports it at the end (progress_write_error(); progress.c says why it goes on) */
	(void)fflush(out);
}
