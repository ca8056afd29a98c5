/* run.c: the owner of struct run (run.h): making and freeing a run, signals and the stop
 * flag, what is said, the truth of a condition on the target, the journal's records and the
 * run's end in it, and the simulated target's saved state. It calls nothing of the
 * executor's other parts. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "driver_cmd.h"
#include "lanes.h"
#include "last_run.h"
#include "leftover.h"
#include "run.h"
#include "sim_state.h"
#include "util.h"

volatile sig_atomic_t run_interrupts;

double run_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void run_say(struct run *R, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	util_verr(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	char *shown = progress_redact(&R->prog, buf);   /* a secret param's value is never shown */
	fputs("hotplan: ", stderr);
	progress_put_escaped(stderr, shown != NULL ? shown : "(out of memory)");
	fputc('\n', stderr);
	free(shown);
}

/* ---- a run's life ------------------------------------------------------------------------ */

struct run *run_new(const struct run_opts *o)
{
	struct run *R = calloc(1, sizeof(*R));
	if (R == NULL)
		arena_oom(sizeof(*R));
	ctx_init(&R->ctx);
	R->o = *o;
	R->t0 = run_now();
	pthread_mutex_init(&R->journal_mu, NULL);
	return R;
}

int run_free(struct run *R, int rc)
{
	progress_close(&R->prog);
	int e = progress_write_error(&R->prog);
	if (e != 0) {
		run_say(R, "the progress output was cut short: %s%s%s", strerror(e),
			R->j != NULL ? "; the journal has the whole run: " : "", R->j != NULL ? R->journal_path : "");
		if (R->o.dry_run && rc == EXIT_OK)
			rc = EXIT_USAGE;
	}
	run_release(R);   /* the locks on the nodes go through their transports: before they close */
	if (R->drv != NULL)
		R->drv->ops->close(R->drv);
	nodes_close(R->cmd);
	if (R->resuming) {
		journal_resume_free(&R->rs);
		journal_log_free(&R->log);
	}
	ctx_free(&R->ctx);
	pthread_mutex_destroy(&R->journal_mu);
	free(R);
	return rc;
}

void run_release(struct run *R)
{
	/* Everything journaled is durable before the target's lock goes. Every end of a run
	 * appends a synced last record (run-done, interrupted), which takes a pending step-done
	 * with it; this is for a path that would not. A failure loses only what a resume can do
	 * without, and a failed journal has said so already. */
	if (R->j != NULL) {
		char err[256];
		(void)journal_sync(R->j, err, sizeof(err));
	}
	journal_close(R->j);
	R->j = NULL;
	if (R->tl != NULL) {
		char err[2048];
		if (lock_target_release(R->tl, err, sizeof(err)) != 0)
			run_say(R, "%s", err);
		R->tl = NULL;
	}
	if (R->lk != NULL) {
		char err[256];
		lock_release(R->lk, err, sizeof(err));
	}
	R->lk = NULL;
}

void run_lane_save(struct run *R, struct run_lane_ctx *c)
{
	if (c->bind_nodes == NULL)
		c->bind_nodes = arena_alloc(&R->ctx.arena, (R->bind.n + 1) * sizeof(nodeset));
	c->walk = R->walk;
	memcpy(c->bind_nodes, R->bind.nodes, R->bind.n * sizeof(nodeset));
	c->step_node = R->step_node;
	c->step_t0 = R->step_t0;
	c->acting = R->acting;
	c->acting_idx = R->acting_idx;
	c->ckpt = R->ckpt;
	c->replayed = R->replayed;
	memcpy(c->why, R->why, sizeof(c->why));
}

void run_lane_load(struct run *R, const struct run_lane_ctx *c)
{
	R->walk = c->walk;
	memcpy(R->bind.nodes, c->bind_nodes, R->bind.n * sizeof(nodeset));
	R->step_node = c->step_node;
	R->step_t0 = c->step_t0;
	R->acting = c->acting;
	R->acting_idx = c->acting_idx;
	R->ckpt = c->ckpt;
	R->replayed = c->replayed;
	memcpy(R->why, c->why, sizeof(R->why));
}

/* ---- signals and the stop flag ----------------------------------------------------------- */

static void on_signal(int sig)
{
	(void)sig;
	if (run_interrupts < 100)
		run_interrupts++;
}

int run_catch_signals(struct run *R)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;   /* no SA_RESTART: a sleeping action wakes up to look */
	/* progress goes to stdout: a reader that goes away (`| head`) must not kill the run in the
	 * middle of an action; the write fails instead (EPIPE), reported at the end (run_free) */
	struct sigaction ign = sa;
	ign.sa_handler = SIG_IGN;
	if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0 ||
	    sigaction(SIGPIPE, &ign, NULL) != 0) {
		run_say(R, "install the signal handlers: %s", strerror(errno));
		return EXIT_USAGE;
	}
	run_interrupts = 0;
	return 0;
}

enum run_stop run_stop(const struct run *R)
{
	if (R->io_failed)
		return RUN_IO_FAILED;
	return run_interrupts > 0 ? RUN_INTERRUPTED : RUN_GO;
}

bool run_aborted(void)
{
	return run_interrupts >= 2;
}

/* ---- text ------------------------------------------------------------------------------ */

const char *run_text(struct run *R, loc_t loc)
{
	struct source *src = ctx_source(&R->ctx, loc.file);
	if (loc.end <= loc.start || loc.end > src->len)
		return "";
	const char *s = src->text + loc.start;
	size_t n = loc.end - loc.start;
	const char *nl = memchr(s, '\n', n);
	if (nl != NULL)
		n = (size_t)(nl - s);
	while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' '))
		n--;
	return arena_strndup(&R->ctx.arena, s, n);
}

const char *run_nodes_text(struct run *R, nodeset ns)
{
	char buf[1024];
	size_t len = 0;
	buf[0] = '\0';
	for (unsigned n = 0; n < R->m->nnodes && len < sizeof(buf) - 1; n++)
		if (ns & ((nodeset)1 << n))
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", len ? "," : "", R->target.nodes[n].name);
	return len ? arena_strdup(&R->ctx.arena, buf) : NULL;
}

/* ---- conditions ------------------------------------------------------------------------ */

/* A fact of the target: each node's own, or the target's. All nodes must agree for a
 * comparison to hold. */
static mset fact_eval(struct run *R, const struct ast_cond *c, char *why, size_t len)
{
	mset r = 0;
	unsigned nn = R->target.nnodes ? R->target.nnodes : 1;
	for (unsigned n = 0; n < nn; n++) {
		const struct ast_literal *v = target_fact(&R->target, (int)n, c->fact);
		if (v == NULL) {
			snprintf(why, len, "fact %s is not known for %s", c->fact,
				 R->target.nnodes ? R->target.nodes[n].name : R->target.name);
			return B_ANY;
		}
		bool comparable;
		mset holds = model_fact_eval(c, v, &comparable);
		if (!comparable) {
			snprintf(why, len, "fact %s cannot be compared with that value (its types differ)", c->fact);
			return B_ANY;
		}
		r |= holds;
	}
	return (r & B_NO) ? B_NO : B_YES;
}

/* An atom of a condition on the target: facts, params and counts are the run's; the rest
 * the driver probes (the simulated target: its model state). */
static mset live_atom(void *ud, const struct ast_cond *c, char *why, size_t len)
{
	struct run *R = ud;
	const struct rt_value *v = c->param ? &R->values[c->param->index] : NULL;
	switch (c->kind) {
	case C_FACT_CMP:
	case C_FACT_IN:
		return fact_eval(R, c, why, len);
	case C_COUNT:
	case C_PARAM:
		if (v == NULL || !v->set) {
			snprintf(why, len, "param '%s' has no value", c->name.s);
			return B_ANY;
		}
		if (c->kind == C_COUNT)
			return model_count_eval(c, (int64_t)v->nlist);
		return v->lit.num ? B_YES : B_NO;
	default:
		return R->drv->ops->probe(R->drv, c, &R->bind, why, len);
	}
}

mset run_eval(struct run *R, const struct ast_cond *c, char *why, size_t len)
{
	struct model_env env = { live_atom, R };
	return model_eval_env(&env, c, why, len);
}

/* ---- the journal ----------------------------------------------------------------------- */

int run_journal(struct run *R, enum journal_kind kind, const struct ast_stmt *st, int action,
		const char *node, const char *msg, enum journal_status status)
{
	char err[512];
	if (R->j == NULL)
		return 0;
	pthread_mutex_lock(&R->journal_mu);   /* an action's commands start on several nodes at once */
	if (R->io_failed) {
		pthread_mutex_unlock(&R->journal_mu);
		return -1;   /* said once, when it failed */
	}
	char *shown = R->nsecrets > 0 && msg != NULL ? progress_redact(&R->prog, msg) : NULL;
	char label[WALK_LABEL_MAX];   /* the lane's: R's lane part changes hands during the sync */
	memcpy(label, R->walk.label, sizeof(label));
	struct journal_record rec = {
		.kind = kind, .status = status, .step = st ? (int32_t)st->index : -1, .action = action,
		.step_name = st ? st->name.s : NULL, .iter = label, .node = node,
		.message = shown != NULL ? shown : msg,   /* a secret param's value is never journaled */
	};
	/* step-done and action-process are the records appended without a sync of their own
	 * (docs/journal.md, "Durability"): the next record is synced before anything acts, which
	 * makes them durable too. A resume that finds a step-done missing goes through the step
	 * again, all of whose actions are journaled done, and journals it then; an action-process
	 * is lost only with a power cut, which ends its process group too (a killed runner loses
	 * nothing it wrote: the page cache keeps it). Every other record is synced:
	 * action-start before the action acts, action-done because it decides whether a resume
	 * acts again, checkpoint because a resume does not journal again the checkpoints it passes
	 * before its first unfinished step, and the run's last record (run-done, interrupted). */
	bool nosync = kind == JOURNAL_STEP_DONE || kind == JOURNAL_ACTION_PROCESS;
	/* the other lanes of a parallel loop go on during the write and its fsync (lanes.h); the
	 * journal's mutex keeps the appends whole and in order */
	if (!nosync) {
		pthread_mutex_unlock(&R->journal_mu);
		lanes_release();
		pthread_mutex_lock(&R->journal_mu);
	}
	int rc = nosync ? journal_append_nosync(R->j, &rec, err, sizeof(err)) : journal_append(R->j, &rec, err, sizeof(err));
	free(shown);
	if (!nosync) {
		pthread_mutex_unlock(&R->journal_mu);
		lanes_acquire();
		pthread_mutex_lock(&R->journal_mu);
	}
	if (rc < 0)
		rc = run_io_failed(R, err);
	pthread_mutex_unlock(&R->journal_mu);
	return rc < 0 ? -1 : 0;
}

void run_process_started(void *ud, unsigned node, long pgid)
{
	struct run *R = ud;
	/* under lanes, from a command's thread: the lane's acting action and label (lanes.h) */
	bool entered = lanes_enter();
	if (R->acting != NULL && node < R->target.nnodes) {
		char msg[LEFTOVER_TEXT_MAX];
		leftover_describe(msg, sizeof(msg), pgid);
		/* a failure is said once and stops the walk after this action (run_io_failed) */
		(void)run_journal(R, JOURNAL_ACTION_PROCESS, R->acting, R->acting_idx, R->target.nodes[node].name, msg, 0);
	}
	lanes_leave(entered);
}

int run_io_failed(struct run *R, const char *what)
{
	if (!R->io_failed) {
		R->io_failed = true;
		snprintf(R->why, sizeof(R->why), "%s", what);
		run_say(R, "%s: the run stops here; `hotplan resume %s` continues it once that is fixed", what,
			R->journal_path);
	}
	return -1;
}

void run_finish(struct run *R, enum journal_status st)
{
	char err[512];
	if (R->j == NULL)
		return;
	if (run_journal(R, JOURNAL_RUN_DONE, NULL, -1, NULL, NULL, st) < 0)
		return;   /* the target stays unfinished: `resume` sees how it ended */
	struct last_run last;
	if (last_run_make(&last, R->run_id, R->journal_path, last_run_status_of(st), err, sizeof(err)) < 0 ||
	    last_run_write(R->state_dir, R->target.name, &last, true, err, sizeof(err)) < 0)
		run_say(R, "%s", err);
	char msg[2048];
	if (R->tl != NULL && lock_target_write_last(R->tl, last_run_status_of(st), R->journal_path, msg, sizeof(msg)) < 0)
		run_say(R, "%s (so the node's record still says run %s is unfinished: a new run there needs --abandon %s)",
			msg, R->run_id, R->run_id);
}

/* ---- the simulated target's state ------------------------------------------------------ */

/* The simulated target outlives the runner, as a real one would: its state is saved after
 * every action, whole or not at all: written to NAME.sim.tmp, renamed over NAME.sim (a write
 * cut short by a full disk must not leave half a state for `resume` to read; a simulated
 * target need not survive a power cut, so nothing is fsync'ed: no UTIL_DURABLE). The tmp name
 * is fixed: the run holds the target's lock. */
int run_save_sim(struct run *R)
{
	if (R->j == NULL || R->sim_path[0] == '\0')
		return 0;
	size_t len = sim_state_size(R->m);
	if (R->sim_buf == NULL)
		R->sim_buf = arena_alloc(&R->ctx.arena, len);
	if (sim_state_encode(R->m, R->live, R->plan_hash, R->sim_buf, len) != len)
		abort();   /* the buffer is sim_state_size bytes */
	char err[JOURNAL_PATH_MAX + 128];
	if (util_replace(R->sim_path, R->sim_buf, len, 0600, UTIL_FIXED_TMP, err, sizeof(err)) != 0)
		return run_io_failed(R, arena_printf(&R->ctx.arena, "save the simulated target's state: %s", err));
	return 0;
}

#define SIM_FILE_MAX (16u << 20)   /* far more than any target's state */

/* The whole of the regular file fd, whose size is `size`, into buf (malloc'd, the caller
 * frees it), *len the bytes it had (fewer than size if it shrank). 0, or -1 with err. */
static int read_sim_file(const char *path, int fd, size_t size, unsigned char **buf, size_t *len,
			 char *err, size_t errlen)
{
	unsigned char *b = malloc(size);
	size_t got = 0;
	if (b == NULL)
		return util_err(err, errlen, "read %s: %s", path, strerror(ENOMEM));
	while (got < size) {
		ssize_t n = read(fd, b + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			free(b);
			return util_err(err, errlen, "read %s: %s", path, strerror(e));
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*buf = b;
	*len = got;
	return 0;
}

int run_load_sim(struct run *R, char *err, size_t errlen)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	struct stat st;
	int rc = -1;
	int fd = open(R->sim_path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;   /* nothing acted yet: the start state */
		return util_err(err, errlen, "open %s: %s", R->sim_path, strerror(errno));
	}
	if (fstat(fd, &st) != 0)
		util_err(err, errlen, "stat %s: %s", R->sim_path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		util_err(err, errlen, "%s: not a regular file", R->sim_path);
	else if (st.st_size == 0)
		rc = 0;     /* killed between creating and writing it: likewise */
	else if ((unsigned long long)st.st_size > SIM_FILE_MAX)
		util_err(err, errlen, "%s: saved simulated state: %lld bytes, more than any state", R->sim_path,
			 (long long)st.st_size);
	else if (read_sim_file(R->sim_path, fd, (size_t)st.st_size, &buf, &len, err, errlen) == 0) {
		char why[256];
		rc = sim_state_decode(R->m, R->plan_hash, buf, len, R->live, why, sizeof(why));
		if (rc < 0)
			util_err(err, errlen, "%s: %s", R->sim_path, why);
	}
	close(fd);   /* read only */
	free(buf);
	return rc;
}
