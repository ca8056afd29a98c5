/* dispatch.c: an action's commands run on its nodes (dispatch.h). */
#include "dispatch.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "commands.h"
#include "crm_probe.h"
#include "lanes.h"
#include "probe.h"
#include "proc.h"
#include "text.h"
#include "util.h"

#define UP_POLL_NS 1000000000LL
#define DOWN_WAIT_NS (120LL * 1000000000LL)

static const char *capture_path(struct driver_cmd *d, unsigned node)
{
	if (d->journal_path == NULL || d->journal_path[0] == '\0')
		return NULL;
	const char *dir = arena_printf(d->a, "%s.out", d->journal_path);
	if (!d->out_dir_ready) {
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return NULL;   /* the command still runs; its output is only not kept */
		d->out_dir_ready = true;
	}
	return arena_printf(d->a, "%s/%s.log", dir, d->ns->node[node].log_name);
}

/* Why an action's own command failed, for the progress line that names the action and the
 * node: how it ended, its output's last lines, and where the whole output is. */
static void failure_text(const struct nodes *ns, const struct command *c, bool several_nodes,
			 const struct transport_result *r, const char *capture, char *out, size_t len)
{
	char how[96], tail[512];
	nodes_ending(r, false, how, sizeof(how));
	text_tail_lines(r->tail, 3, tail, sizeof(tail));
	snprintf(out, len, "%s%s%s%s%s%s%s%s%s%s", several_nodes ? ns->t->nodes[c->node].name : "",
		 several_nodes ? ": " : "", c->what ? c->what : "", c->what ? ": " : "", how, tail[0] ? ": " : "", tail,
		 capture ? " (output: " : "", capture ? capture : "", capture ? ")" : "");
}

struct worker {
	struct driver_cmd *d;
	struct command *cmds;
	unsigned n;
	unsigned node;
	bool several;                        /* the action runs on several nodes */
	const char **captures;
	const char **labels;
	void *lane;                          /* the parallel loop's lane it acts for (lanes.h) */
};

static off_t file_size(const char *path)
{
	struct stat st;
	return path != NULL && stat(path, &st) == 0 ? st.st_size : 0;
}

/* An action's command started on w's node: the driver's hook hears of it. */
static void command_started(void *ud, long pgid)
{
	const struct worker *w = ud;
	if (w->d->started != NULL)
		w->d->started(w->d->started_ud, w->node, pgid);
}

/* Run the commands of one node in order; stop at the first that fails. */
static void *run_node(void *arg)
{
	struct worker *w = arg;
	struct nodes *ns = w->d->ns;
	if (w->lane != lanes_self())
		lanes_adopt(w->lane);
	for (unsigned i = 0; i < w->n; i++) {
		struct command *c = &w->cmds[i];
		if (c->node != w->node)
			continue;
		struct transport_result r;
		char err[512];
		off_t before = w->d->prog != NULL && w->d->prog->nsecrets > 0 ? file_size(w->captures[i]) : 0;
		struct transport_cmd tc = { c->line, c->timeout_ns, w->captures[i], w->labels[i], command_started, w };
		int rc = nodes_exec(ns, c->node, &tc, &r, err, sizeof(err));
		if (w->d->prog != NULL)
			progress_redact_file(w->d->prog, w->captures[i], before);
		if (rc < 0) {
			c->failed = 1;
			snprintf(c->msg, sizeof(c->msg), "%s%s%s%s%s", w->several ? ns->t->nodes[c->node].name : "",
				 w->several ? ": " : "", c->what ? c->what : "", c->what ? ": " : "", err);
			return NULL;
		}
		if (r.timed_out || r.interrupted || r.signal != 0 || r.status != 0) {
			c->failed = 1;
			failure_text(ns, c, w->several, &r, w->captures[i], c->msg, sizeof(c->msg));
			return NULL;
		}
	}
	return NULL;
}

/* The nodes of one action at once (a thread each but the last), each its own commands in
 * order. */
static void run_nodes(struct driver_cmd *d, struct command *cmds, unsigned n, const char **captures,
		      const char **labels)
{
	nodeset used = 0;
	for (unsigned i = 0; i < n; i++)
		used |= (nodeset)1 << cmds[i].node;
	struct worker *w = arena_alloc(d->a, ((size_t)__builtin_popcountll(used) + 1) * sizeof(*w));
	unsigned nw = 0;
	for (unsigned nd = 0; nd < d->ns->n; nd++)
		if (used & ((nodeset)1 << nd))
			w[nw++] = (struct worker){ .d = d, .cmds = cmds, .n = n, .node = nd, .captures = captures,
						   .labels = labels, .several = __builtin_popcountll(used) > 1,
						   .lane = lanes_self() };
	/* the run is let go of meanwhile: a command's thread may need it (lanes.h) */
	nodes_fanout(w, nw, sizeof(*w), run_node);
}

static void sleep_ns(long long ns, const volatile int *abort)
{
	struct timespec ts = { (time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL) };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR && (abort == NULL || *abort < 2))
		;
}

/* A stand-alone server restarts: seen going down (when it does so visibly), then up again. */
static int wait_up(struct driver_cmd *d, unsigned node, long long timeout_ns, char *msg, size_t len)
{
	struct nodes *ns = d->ns;
	char why[768] = "";
	/* the monotonic clock: a step of the wall clock (NTP, a person) must not make the node
	 * seem to have gone down, or come back, or run out of time */
	long long t0 = proc_now_ns();
	long long down_until = t0 + (timeout_ns < DOWN_WAIT_NS ? timeout_ns : DOWN_WAIT_NS);
	long long deadline = t0 + timeout_ns;
	long long now = t0;
	while (now < down_until && probe_bool(ns, node, PK_PROBE_UP, NULL, 0, why, sizeof(why)) == B_YES) {
		if (d->base.abort != NULL && *d->base.abort >= 2)
			return util_err(msg, len, "aborted by a second interrupt while %s restarted", ns->t->nodes[node].name);
		sleep_ns(UP_POLL_NS, d->base.abort);
		now = proc_now_ns();
	}
	for (;;) {
		if (probe_bool(ns, node, PK_PROBE_UP, NULL, 0, why, sizeof(why)) == B_YES)
			return 0;
		now = proc_now_ns();
		if (now >= deadline)
			return util_err(msg, len, "%s did not come back after its restart within %llds%s%s",
					ns->t->nodes[node].name, timeout_ns / 1000000000LL, why[0] ? ": " : "", why);
		if (d->base.abort != NULL && *d->base.abort >= 2)
			return util_err(msg, len, "aborted by a second interrupt while %s restarted", ns->t->nodes[node].name);
		sleep_ns(UP_POLL_NS, d->base.abort);
	}
}

/* A `cluster` profile: does the cluster itself keep the group off the node it moves to (a ban, a
 * location constraint), or is that node no member? Then the move is refused (msg). */
static bool move_refused(struct driver_cmd *d, const struct ast_action *act, const struct model_bind *b,
			 unsigned on, char *msg, size_t len)
{
	const struct profile *p = d->ns->node[on].prof;
	if (p == NULL || p->cluster == PROFILE_CLUSTER_NONE || act->to_role == NULL || act->to_role->index >= b->n)
		return false;
	int to = nodes_first(b->nodes[act->to_role->index]);
	if (to < 0)
		return false;
	char why[1024];
	if (crm_probe_move(d->ns, on, act->arg.s, d->base.m->node_names[to], why, sizeof(why)) == 0)
		return false;
	util_err(msg, len, "move group \"%s\" refused: %s", act->arg.s, why);
	return true;
}

int dispatch_action(struct driver_cmd *d, const struct ast_action *act, const struct model_bind *b, nodeset nodes,
	    char *msg, size_t len)
{
	struct command *cmds = NULL;
	int n = commands_of(d, act, b, nodes, &cmds, msg, len);
	if (n < 0)
		return -1;
	/* nothing runs unless every command could be rendered */
	for (int i = 0; i < n; i++)
		if (cmds[i].line == NULL)
			return util_err(msg, len, "%s", cmds[i].err);
	const char **captures = arena_alloc(d->a, ((size_t)n + 1) * sizeof(*captures));
	const char **labels = arena_alloc(d->a, ((size_t)n + 1) * sizeof(*labels));
	for (int i = 0; i < n; i++) {
		const struct ast_stmt *st = act->step;
		captures[i] = capture_path(d, cmds[i].node);
		char shown[512];
		text_escape(shown, sizeof(shown), cmds[i].shown != NULL ? cmds[i].shown : "***", 400);
		labels[i] = arena_printf(d->a, "step %s, action %u, on %s: %s", st && st->name.s ? st->name.s : "?",
					 (unsigned)act->index, d->ns->t->nodes[cmds[i].node].name, shown);
	}
	if (act->kind == A_MOVE_GROUP && n == 1 && move_refused(d, act, b, cmds[0].node, msg, len))
		return -1;
	run_nodes(d, cmds, (unsigned)n, captures, labels);
	for (int i = 0; i < n; i++)
		if (cmds[i].failed)
			return util_err(msg, len, "%s", cmds[i].msg);
	if (act->kind == A_RESTART_NODE && d->base.m->kind == PROC_STANDALONE) {
		for (int i = 0; i < n; i++) {
			const struct profile *p = d->ns->node[cmds[i].node].prof;
			if (p != NULL && p->cmd[PK_PROBE_UP] != NULL && wait_up(d, cmds[i].node, p->timeout_ns, msg, len) < 0)
				return -1;
		}
	}
	return 0;
}
