/* commands.c: an action to its commands, per node (commands.h). */
#include "commands.h"

#include <stdlib.h>
#include <string.h>

#include "declared.h"
#include "text.h"
#include "util.h"

#define NO_PROFILE_TIMEOUT_NS (30LL * 60 * 1000000000LL)
#define MAX_COMMANDS 4096

/* What an exec string's `${NAME}` looks up: the driver's param values, the run's roles. */
struct exec_ref {
	const struct driver_cmd *d;
	const struct model_bind *b;
	const struct ast_procedure *proc;
};

/* The node a role is bound to, by the role's name (`${passive}`): its name on the target, quoted
 * like a param's value. A role bound to no node, or to several, is an error. */
static const char *role_lookup(const struct exec_ref *x, const char *name, char *err, size_t errlen)
{
	const struct model *m = x->d->base.m;
	for (const struct ast_role *r = x->proc ? x->proc->roles : NULL; r != NULL && x->b != NULL; r = r->next) {
		if (strcmp(r->name.s, name) != 0 || r->index >= x->b->n)
			continue;
		nodeset ns = x->b->nodes[r->index];
		if (ns == 0 || (ns & (ns - 1)) != 0) {
			snprintf(err, errlen, "${%s}: role '%s' is bound to %s", name, name, ns ? "several nodes" : "no node");
			return NULL;
		}
		return m->node_names[__builtin_ctzll(ns)];
	}
	return NULL;
}

/* The param values by name, then the roles, for exec strings. */
/* NOLINTNEXTLINE(readability-non-const-parameter): the signature of a template lookup callback */
static const char *param_lookup(void *ud, const char *name, bool *raw, char *err, size_t errlen)
{
	const struct exec_ref *x = ud;
	*raw = false;
	for (const struct ast_param *p = x->d->base.m->plan->params; p != NULL; p = p->next)
		if (strcmp(p->name.s, name) == 0) {
			const struct rt_value *v = &x->d->values[p->index];
			return v->set && v->text != NULL ? v->text : "";
		}
	return role_lookup(x, name, err, errlen);
}

/* The same for the line people see (progress, --dry-run, the capture file's header): a
 * secret param's value is "***". */
static const char *param_lookup_shown(void *ud, const char *name, bool *raw, char *err, size_t errlen)
{
	const struct exec_ref *x = ud;
	for (const struct ast_param *p = x->d->base.m->plan->params; p != NULL; p = p->next)
		if (p->secret && strcmp(p->name.s, name) == 0) {
			*raw = false;
			return "***";
		}
	return param_lookup(ud, name, raw, err, errlen);
}

/* commands_exec_roles' lookup: a role's node; anything else as written. */
static const char *roles_only_lookup(void *ud, const char *name, bool *raw, char *err, size_t errlen)
{
	const struct exec_ref *x = ud;
	for (const struct ast_param *p = x->d->base.m->plan->params; p != NULL; p = p->next)
		if (strcmp(p->name.s, name) == 0) {
			*raw = true;
			return arena_printf(x->d->a, "${%s}", name);
		}
	*raw = false;
	return role_lookup(x, name, err, errlen);
}

const char *commands_exec_roles(struct arena *a, const struct model *m, const struct ast_procedure *proc,
				const struct model_bind *b, const char *s)
{
	struct driver_cmd d;
	memset(&d, 0, sizeof(d));
	d.base.m = m;
	d.a = a;
	struct exec_ref x = { &d, b, proc };
	char err[256];
	if (s == NULL || strstr(s, "${") == NULL)
		return s;
	const char *out = profile_subst(a, PROFILE_SH, s, roles_only_lookup, &x, err, sizeof(err));
	return out != NULL ? out : s;
}

const char *commands_shown(struct driver_cmd *d, const char *s)
{
	if (s == NULL || d->prog == NULL || d->prog->nsecrets == 0)
		return s;
	char *r = progress_redact(d->prog, s);
	const char *out = r != NULL ? arena_strdup(d->a, r) : "***";
	free(r);
	return out;
}

static const char *join_lines(struct arena *a, const char *const *v, unsigned n)
{
	size_t len = 1;
	for (unsigned i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	char *s = arena_alloc(a, len), *o = s;
	for (unsigned i = 0; i < n; i++) {
		if (i > 0)
			*o++ = '\n';
		o = stpcpy(o, v[i]);
	}
	*o = '\0';
	return s;
}

/* Key k rendered for node as v[*n]. */
static void add(struct driver_cmd *d, struct command *v, unsigned *n, unsigned node, enum profile_key k,
		const struct profile_var *vars, unsigned nvars)
{
	if (*n >= MAX_COMMANDS)
		return;
	struct command *c = &v[*n];
	char err[768];
	memset(c, 0, sizeof(*c));
	c->node = node;
	c->key = k;
	c->line = nodes_render(d->ns, node, k, vars, nvars, err, sizeof(err));
	c->shown = commands_shown(d, c->line);
	if (c->line == NULL)
		c->err = arena_strdup(d->a, err);
	const struct profile *p = d->ns->node[node].prof;
	c->timeout_ns = p ? p->timeout_ns : NO_PROFILE_TIMEOUT_NS;
	(*n)++;
}

/* dismount, mount: each store selected, on each node (by default the store host). */
static int store_commands(struct driver_cmd *d, const struct ast_action *act, nodeset nodes, struct command **out)
{
	const struct model *m = d->base.m;
	const struct ast_model_item *svc = act->svc;
	struct profile_var v[2];
	unsigned cap = 1, n = 0;

	for (unsigned k = 0; k < m->nstores; k++)
		cap += model_store_selected(m, k, &act->stores) == B_YES;
	if (nodes == 0)
		nodes = (nodeset)1 << nodes_store_host(m, d->base.live);
	cap *= (unsigned)__builtin_popcountll(nodes);
	struct command *cmds = arena_alloc(d->a, cap * sizeof(*cmds));
	for (unsigned k = 0; k < m->nstores; k++) {
		if (model_store_selected(m, k, &act->stores) != B_YES)
			continue;
		for (unsigned nd = 0; nd < m->nnodes; nd++) {
			if (!(nodes & ((nodeset)1 << nd)))
				continue;
			unsigned nv = 0;
			nodes_var(v, &nv, "store", m->stores[k].name, false);
			nodes_var(v, &nv, "service", svc ? svc->name.s : "", false);
			add(d, cmds, &n, nd, act->kind == A_DISMOUNT ? PK_DISMOUNT_STORE : PK_MOUNT_STORE, v, nv);
			cmds[n - 1].what = arena_printf(d->a, "store \"%s\"", m->stores[k].name);
		}
	}
	*out = cmds;
	return (int)n;
}

/* move group, disable restart, enable restart: one command, on the group's owner. */
static int group_command(struct driver_cmd *d, const struct ast_action *act, const struct model_bind *b,
			 struct command **out, char *msg, size_t len)
{
	const struct model *m = d->base.m;
	struct profile_var v[2];
	unsigned nv = 0, n = 0;
	struct command *cmds = arena_alloc(d->a, sizeof(*cmds));

	if (act->kind == A_MOVE_GROUP) {
		int to = act->to_role && act->to_role->index < b->n ? nodes_first(b->nodes[act->to_role->index]) : -1;
		if (to < 0)
			return util_err(msg, len, "move group \"%s\": the role %s is bound to no node", act->arg.s,
					act->to.s ? act->to.s : "?");
		nodes_var(v, &nv, "group", act->arg.s, false);
		nodes_var(v, &nv, "to", m->node_names[to], false);
		add(d, cmds, &n, nodes_group_host(m, d->base.live, act->grp), PK_MOVE_GROUP, v, nv);
	} else {
		const struct ast_model_item *grp = act->grp ? act->grp->grp : NULL;
		nodes_var(v, &nv, "resource", act->arg.s, false);
		nodes_var(v, &nv, "group", grp ? grp->name.s : "", false);
		add(d, cmds, &n, nodes_group_host(m, d->base.live, grp),
		    act->kind == A_DISABLE_RESTART ? PK_DISABLE_RESTART : PK_ENABLE_RESTART, v, nv);
	}
	*out = cmds;
	return (int)n;
}

/* The variables of `install hotfix h`: its name, package, args, files (NAME=VERSION, one a
 * line) and the services it restarts (one a line). */
static void install_vars(struct arena *a, const struct ast_hotfix *h, struct profile_var *v, unsigned *nv)
{
	unsigned nf = 0;
	for (const struct ast_hfile *f = h->files; f != NULL; f = f->next)
		nf++;
	const char **files = arena_alloc(a, (nf + 1) * sizeof(*files));
	nf = 0;
	for (const struct ast_hfile *f = h->files; f != NULL; f = f->next) {
		struct ast_literal l = { .kind = LIT_VERSION, .ver = f->version };
		files[nf++] = f->has_version ? arena_printf(a, "%s=%s", f->name.s, text_literal(a, &l)) : f->name.s;
	}
	const char **rs = arena_alloc(a, (h->nrestarts + 1) * sizeof(*rs));
	for (uint32_t i = 0; i < h->nrestarts; i++)
		rs[i] = h->restarts[i].s;
	nodes_var(v, nv, "hotfix", h->name.s, false);
	nodes_var(v, nv, "package", h->package, false);
	nodes_var(v, nv, "args", h->args, true);
	nodes_var(v, nv, "files", join_lines(a, files, nf), false);
	nodes_var(v, nv, "restarts", join_lines(a, rs, h->nrestarts), false);
}

/* exec on node nd: the plan's string with its params quoted for the node's shell, run as it is
 * or through the profile's `exec` wrapper. */
static void exec_command(struct driver_cmd *d, const struct ast_action *act, const struct model_bind *b,
			 unsigned nd, long long timeout, struct command *c)
{
	struct arena *a = d->a;
	struct exec_ref x = { d, b, d->base.m->plan->proc[d->base.m->kind] };
	const struct profile *p = d->ns->node[nd].prof;
	char err[768];

	memset(c, 0, sizeof(*c));
	c->node = nd;
	c->key = PK_EXEC;
	c->timeout_ns = timeout > 0 ? timeout : p ? p->timeout_ns : NO_PROFILE_TIMEOUT_NS;
	const char *cmd = profile_subst(a, p ? p->shell : PROFILE_SH, act->arg.s, param_lookup, &x, err, sizeof(err));
	if (cmd == NULL) {
		c->err = arena_printf(a, "exec on %s: %s", d->base.m->node_names[nd], err);
		return;
	}
	/* the line people see: the real value of a secret param is only in what runs */
	const char *shown = profile_subst(a, p ? p->shell : PROFILE_SH, act->arg.s, param_lookup_shown, &x, err,
					  sizeof(err));
	if (p == NULL || p->cmd[PK_EXEC] == NULL) {
		c->line = cmd;
		c->shown = commands_shown(d, shown != NULL ? shown : "***");
		return;
	}
	struct profile_var ev[1];
	unsigned nev = 0;
	nodes_var(ev, &nev, "command", cmd, true);
	c->line = nodes_render(d->ns, nd, PK_EXEC, ev, nev, err, sizeof(err));
	if (c->line == NULL) {
		c->err = arena_strdup(a, err);
		return;
	}
	nev = 0;
	nodes_var(ev, &nev, "command", shown != NULL ? shown : "***", true);
	c->shown = commands_shown(d, nodes_render(d->ns, nd, PK_EXEC, ev, nev, err, sizeof(err)));
}

/* A node action: one command on each node of `nodes`. */
static int node_commands(struct driver_cmd *d, const struct ast_action *act, const struct model_bind *b,
			 nodeset nodes, struct command **out, char *msg, size_t len)
{
	const struct model *m = d->base.m;
	const struct ast_model_item *svc = act->svc;
	struct profile_var v[8];
	unsigned nv = 0, n = 0;
	enum profile_key key = PK_EXEC;
	long long timeout = 0;

	if (nodes == 0)
		return util_err(msg, len, "no node to run it on");
	switch (act->kind) {
	case A_STOP_SERVICE:
	case A_START_SERVICE:
		key = act->kind == A_STOP_SERVICE ? PK_STOP_SERVICE : PK_START_SERVICE;
		nodes_var(v, &nv, "service", act->arg.s, false);
		nodes_var(v, &nv, "process", svc && svc->kind == M_SERVICE ? svc->process.s : "", false);
		break;
	case A_KILL_PROCESS:
		key = PK_KILL_PROCESS;
		nodes_var(v, &nv, "process", act->arg.s, false);
		nodes_var(v, &nv, "service", svc ? svc->name.s : "", false);
		break;
	case A_INSTALL:
		key = PK_INSTALL_HOTFIX;
		if (act->hotfix == NULL)
			return util_err(msg, len, "unknown hotfix");
		install_vars(d->a, act->hotfix, v, &nv);
		break;
	case A_RESTART_NODE:
		key = PK_RESTART_NODE;
		break;
	case A_EXEC:
		timeout = act->duration > 0 ? act->duration * 1000000000LL : 0;
		break;
	default:
		return 0;
	}
	struct command *cmds = arena_alloc(d->a, ((size_t)__builtin_popcountll(nodes) + 1) * sizeof(*cmds));
	for (unsigned nd = 0; nd < m->nnodes; nd++) {
		if (!(nodes & ((nodeset)1 << nd)))
			continue;
		if (key != PK_EXEC)
			add(d, cmds, &n, nd, key, v, nv);
		else
			exec_command(d, act, b, nd, timeout, &cmds[n++]);
	}
	*out = cmds;
	return (int)n;
}

int commands_of(struct driver_cmd *d, const struct ast_action *act, const struct model_bind *b, nodeset nodes,
		struct command **out, char *msg, size_t len)
{
	*out = NULL;
	switch (act->kind) {
	case A_WAIT_UNTIL:
	case A_WAIT:
	case A_VERIFY:
	case A_PAUSE:
		return 0;
	case A_DISMOUNT:
	case A_MOUNT:
		return store_commands(d, act, nodes, out);
	case A_MOVE_GROUP:
	case A_DISABLE_RESTART:
	case A_ENABLE_RESTART:
		return group_command(d, act, b, out, msg, len);
	case A_CALL:
		return declared_commands(d, act, b, out, msg, len);
	default:
		return node_commands(d, act, b, nodes, out, msg, len);
	}
}
