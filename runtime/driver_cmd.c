/* driver_cmd.c: the command driver: opening a target for it, and its ops, each done by a part
 * (driver_cmd.h lists them). Design: docs/profiles.md. */
#include "driver_cmd.h"

#include <string.h>

#include "dispatch.h"
#include "declared.h"
#include "describe.h"
#include "exec.h"
#include "live.h"
#include "needs.h"
#include "probe.h"
#include "util.h"

bool driver_cmd_wanted(const struct rt_target *t)
{
	for (unsigned n = 0; n < t->nnodes; n++) {
		const struct rt_node *nd = &t->nodes[n];
		if (nd->transport != TR_SIM || (nd->profile != NULL && strcmp(nd->profile, "sim") != 0))
			return true;
	}
	return false;
}

void driver_cmd_print_diags(struct hp_ctx *ctx, unsigned from, FILE *out)
{
	if (from >= ctx->diags.n)
		return;
	struct diag **v = ctx->diags.v;
	unsigned n = ctx->diags.n, e = ctx->diags.errors, w = ctx->diags.warnings;
	ctx->diags.v = v + from;
	ctx->diags.n = n - from;
	diag_finish(ctx);
	diag_print_text(ctx, out, false);
	ctx->diags.v = v;
	ctx->diags.n = n;
	ctx->diags.errors = e;
	ctx->diags.warnings = w;
}

int driver_cmd_open(struct hp_ctx *ctx, const struct driver_cmd_opts *o, struct rt_target *t, struct nodes **out,
		    char *msg, size_t len)
{
	struct needs nd;
	int rc;

	*out = NULL;
	needs_of(&nd, o->plan, o->proc);
	unsigned nsim = 0;
	for (unsigned n = 0; n < t->nnodes; n++)
		nsim += t->nodes[n].transport == TR_SIM;
	if (nsim > 0 && nsim < t->nnodes) {
		util_err(msg, len, "target '%s' mixes sim: nodes with local: or ssh:// ones", t->name);
		return EXIT_USAGE;
	}
	if ((rc = needs_check_execs(ctx, o->plan, o->proc->body, msg, len)) != 0)
		return rc;
	struct nodes *ns = nodes_new(ctx, t, o->abort);
	if ((rc = nodes_load_profiles(ns, &nd, o->plan_path, o->local, msg, len)) != 0)
		return rc;
	*out = ns;
	return 0;
}

int driver_cmd_connect(const struct driver_cmd_opts *o, struct rt_target *t, struct nodes *ns, char *msg, size_t len)
{
	(void)o, (void)t;
	if (!ns->real)
		return 0;
	return nodes_connect(ns, msg, len);
}

int driver_cmd_discover(const struct driver_cmd_opts *o, struct rt_target *t, struct nodes *ns, char *msg,
			size_t len)
{
	struct needs nd;
	if (!ns->real)
		return 0;
	needs_of(&nd, o->plan, o->proc);
	return live_discover(ns, o->plan, &nd, t, msg, len);
}

/* ---- the ops: the simulated driver's in its place (sim: targets), else the parts' ---------- */

static int op_act(struct driver *dv, const struct ast_action *act, const struct model_bind *b, nodeset nodes,
		  char *msg, size_t len)
{
	struct driver_cmd *d = (struct driver_cmd *)dv;
	if (d->sim != NULL)
		return d->sim->ops->act(d->sim, act, b, nodes, msg, len);
	return dispatch_action(d, act, b, nodes, msg, len);
}

static mset op_probe(struct driver *dv, const struct ast_cond *c, const struct model_bind *b, char *msg, size_t len)
{
	struct driver_cmd *d = (struct driver_cmd *)dv;
	if (d->sim != NULL)
		return d->sim->ops->probe(d->sim, c, b, msg, len);
	return probe_cond(d->ns, d->base.m, d->base.live, c, b, msg, len);
}

static void op_describe(struct driver *dv, const struct ast_action *act, const struct model_bind *b, nodeset nodes,
			FILE *out)
{
	describe_action((struct driver_cmd *)dv, act, b, nodes, out);
}

static void op_close(struct driver *dv)
{
	struct driver_cmd *d = (struct driver_cmd *)dv;
	if (d->sim != NULL)
		d->sim->ops->close(d->sim);
	nodes_close(d->ns);
}

static void op_refresh(struct driver *dv, const struct ast_action *act, char *why, size_t len)
{
	struct driver_cmd *d = (struct driver_cmd *)dv;
	why[0] = '\0';
	if (d->sim != NULL || !d->ns->real)
		return;
	live_refresh(d->ns, d->base.m, d->base.live);
	(void)declared_read(d->ns, d->base.m, d->base.live, act, why, len);
}

static const struct driver_ops ops = { op_act, op_probe, op_describe, op_close, op_refresh };

struct driver *driver_cmd_new(struct arena *a, const struct model *m, struct model_state *live,
			      const struct rt_target *t, struct nodes *ns, const struct rt_value *values,
			      const char *journal_path, struct progress *prog, struct driver *sim, volatile int *abort,
			      char *msg, size_t len)
{
	struct driver_cmd *d = arena_alloc(a, sizeof(*d));
	d->base.ops = &ops;
	d->base.m = m;
	d->base.live = live;
	d->base.target = t;
	d->base.abort = abort;
	d->ns = ns;
	d->a = a;
	d->values = values;
	d->journal_path = journal_path;
	d->prog = prog;
	d->sim = sim;
	if (ns->real && live_read(ns, m, live, msg, len) < 0)
		return NULL;   /* the nodes stay open: the run releases its lock through them */
	if (ns->real) {   /* declared state a probe could not read stays unknown: read again where it counts */
		char why[1024];
		(void)declared_read(ns, m, live, NULL, why, sizeof(why));
	}
	return &d->base;
}
