/* driver_sim.c: the simulated target's driver (driver.h). Its state is the model's concrete
 * state, kept by the runtime; acting is waiting `--pace` (a simulated action takes time, so a
 * run can be watched or interrupted) and the effect is the model's, applied by the runtime
 * after. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "driver.h"

static int sim_act(struct driver *d, const struct ast_action *act, const struct model_bind *b, nodeset nodes,
		   char *msg, size_t len)
{
	(void)act, (void)b, (void)nodes, (void)msg, (void)len;
	if (d->pace_ns <= 0)
		return 0;
	struct timespec ts = { (time_t)(d->pace_ns / 1000000000LL), (long)(d->pace_ns % 1000000000LL) };
	/* a first Ctrl-C lets the action finish: sleep the rest; a second one aborts it */
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
		if (d->abort != NULL && *d->abort >= 2) {
			snprintf(msg, len, "aborted by a second interrupt");
			return -1;
		}
	}
	return 0;
}

/* What the simulated target has of a file version that does not make c hold: a version it
 * knows (the hotfix's), or the one from before the hotfix, which it does not know. */
static void sim_file_found(const struct driver *d, const struct ast_cond *c, const struct model_bind *b, char *msg,
			   size_t len)
{
	const struct model *m = d->m;
	const struct ast_hfile *const *file = strmap_gets(&m->file_by_name, c->name.s);
	if (file == NULL)
		return;
	unsigned f = (unsigned)(file - m->files);
	nodeset ns = model_cond_nodes(m, d->live, b, c, NULL);
	for (unsigned n = 0; n < m->nnodes; n++) {
		if (!(ns & ((nodeset)1 << n)))
			continue;
		if (*model_fv(m, d->live, n, f) == FV_OLD) {
			snprintf(msg, len, "%s has %s at the version it had before hotfix '%s', which the simulated "
				 "target does not know", m->node_names[n], c->name.s, m->file_hf[f]->name.s);
			return;
		}
		const struct ast_version *v = &m->files[f]->version;
		if (!model_cmp_holds(model_version_cmp(v, &c->lit->ver), c->op)) {
			char ver[64];
			size_t k = 0;
			for (unsigned i = 0; i < v->n && k < sizeof(ver); i++)
				k += (size_t)snprintf(ver + k, sizeof(ver) - k, "%s%u", i ? "." : "", v->c[i]);
			snprintf(msg, len, "%s has %s %s", m->node_names[n], c->name.s, ver);
			return;
		}
	}
}

/* NOLINTNEXTLINE(readability-non-const-parameter): the signature of driver_ops.probe */
static mset sim_probe(struct driver *d, const struct ast_cond *c, const struct model_bind *b, char *msg, size_t len)
{
	mset v = model_eval(d->m, d->live, b, c, NULL);
	if (v != B_YES && c->kind == C_FILE_VERSION)
		sim_file_found(d, c, b, msg, len);
	if (v == B_ANY && msg[0] == '\0')
		snprintf(msg, len, "the simulated target cannot tell");
	return v;
}

static void sim_describe(struct driver *d, const struct ast_action *act, const struct model_bind *b, nodeset nodes,
			 FILE *out)
{
	(void)d, (void)act, (void)b, (void)nodes, (void)out;
}

static void sim_close(struct driver *d)
{
	(void)d;
}

static const struct driver_ops sim_ops = { sim_act, sim_probe, sim_describe, sim_close, NULL };

struct driver *driver_sim_new(struct arena *a, const struct model *m, struct model_state *live,
			      const struct rt_target *t, long long pace_ns, volatile int *abort)
{
	struct driver *d = arena_alloc(a, sizeof(*d));
	d->ops = &sim_ops;
	d->m = m;
	d->live = live;
	d->target = t;
	d->pace_ns = pace_ns;
	d->abort = abort;
	return d;
}
