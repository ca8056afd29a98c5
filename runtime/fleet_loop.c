/* fleet_loop.c: the targets' runs of a fleet (fleet.h): one `hotplan run` process per target,
 * each in a process group of its own, its JSON events read from a pipe; up to --parallel at
 * once, one ppoll over their pipes; every start and end journaled before it matters. */
#define _GNU_SOURCE /* pipe2, ppoll */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "fleet.h"
#include "journal.h"
#include "leftover.h"
#include "run.h"
#include "util.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void fleet_host_boot(char host[256], char boot[64])
{
	if (gethostname(host, 256) != 0)
		snprintf(host, 256, "?");
	host[255] = '\0';
	snprintf(boot, 64, "?");
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
	if (f != NULL) {
		if (fgets(boot, 64, f) != NULL)
			boot[strcspn(boot, "\n")] = '\0';
		(void)fclose(f);   /* read only */
	}
}

bool fleet_group_alive(long pgid)
{
	struct leftover l = { .pgid = pgid };
	if (pgid <= 1)
		return false;
	fleet_host_boot(l.host, l.boot);   /* the caller compared the journal's with this machine's */
	return leftover_state(&l) == LEFTOVER_RUNS;   /* a zombie no init reaped has ended */
}

/* A fleet whose journal cannot be written starts nothing more. */
static void journal_failed(struct fleet *F, const char *err)
{
	fleet_view_erase(F);
	fprintf(stderr, "hotplan: %s: no new target starts; `hotplan resume %s` continues\n", err, F->journal_path);
	close(F->jfd);
	F->jfd = -1;
	F->stopping = true;
}

/* Journal a line, durable at the next commit: the controller writes the lines of what
 * happened together (the targets it starts, those that ended) and commits them with one
 * fdatasync before it acts on any (docs/fleets.md, "The fleet's journal"). */
static void record(struct fleet *F, const char *a, const char *b, const char *c, const char *d, const char *e)
{
	char err[512];
	const char *f[] = { a, b, c, d, e, NULL };
	if (F->jfd < 0)
		return;
	if (fleet_journal_add(F->jfd, f, err, sizeof(err)) < 0)
		journal_failed(F, err);
	else
		F->unsynced = true;
}

/* Make the lines recorded so far durable. */
static void commit(struct fleet *F)
{
	char err[512];
	if (F->jfd < 0 || !F->unsynced)
		return;
	F->unsynced = false;
	if (fleet_journal_sync(F->jfd, err, sizeof(err)) < 0)
		journal_failed(F, err);
}

static void record_end(struct fleet *F, struct fleet_target *t)
{
	char rc[16];
	snprintf(rc, sizeof(rc), "%d", t->rc);
	record(F, "end", t->name, fleet_status_name(t->status), rc, NULL);
}

/* ---- a target's run: its journal, its start, its end ---- */

void fleet_settle(struct fleet *F, struct fleet_target *t)
{
	char err[512];
	struct journal_log log;
	t->resume_it = false;
	t->status = FS_QUEUED;
	if (access(t->journal, F_OK) != 0)
		return;                  /* never got as far as its journal: nothing changed; start anew */
	if (journal_read(t->journal, &log, err, sizeof(err)) < 0) {
		t->status = FS_FAILED;
		t->final = true;
		free(t->message);
		t->message = strdup(err);
		F->failures++;
		return;
	}
	int end = -1;
	for (size_t i = 0; i < log.n; i++) {
		if (log.records[i].kind == JOURNAL_RUN_DONE)
			end = (int)log.records[i].status;
		else if (log.records[i].kind == JOURNAL_RUN_RESUME)
			end = -1;
	}
	journal_log_free(&log);
	if (end == JOURNAL_STATUS_COMPLETED || end == JOURNAL_STATUS_ROLLED_BACK) {
		t->status = end == JOURNAL_STATUS_COMPLETED ? FS_COMPLETED : FS_ROLLED_BACK;
		t->rc = end == JOURNAL_STATUS_COMPLETED ? EXIT_OK : EXIT_ROLLED_BACK;
		t->final = true;
		F->failures += t->status == FS_ROLLED_BACK;
		record_end(F, t);
		return;
	}
	t->resume_it = true;         /* interrupted, crashed, or failed (exit 4): `hotplan resume` */
}

static const char *fail_at_for(const struct fleet *F, const char *target)
{
	for (unsigned i = 0; i < F->nfail_at; i++) {
		const char *s = F->fail_at[i], *colon = strchr(s, ':');
		if (colon == NULL)
			return s;
		char pat[512];
		snprintf(pat, sizeof(pat), "%.*s", (int)(colon - s), s);
		if (fnmatch(pat, target, 0) == 0)
			return colon + 1;
	}
	return NULL;
}

/* A secret param's value for a runner: never on its command line (any user can read
 * /proc/PID/cmdline), but through a pipe it inherits as descriptor `fd`, named on the command
 * line as `--set-file NAME=/dev/fd/FD`. */
struct secret_pipe {
	int src;                     /* the pipe's read end, in the controller (close-on-exec) */
	int fd;                      /* the runner's descriptor for it */
	char word[320];              /* NAME=/dev/fd/FD */
};

#define SECRET_FD0 3                 /* the runners' descriptors for the secrets: 3, 4, … */
#define SECRET_PIPES_MAX 64

/* Does NAME=… name a secret param? */
static bool names_secret(const struct fleet *F, const char *set)
{
	for (unsigned s = 0; s < F->nsecrets; s++) {
		size_t k = strlen(F->secrets[s]);
		if (strncmp(set, F->secrets[s], k) == 0 && set[k] == '=')
			return true;
	}
	return false;
}

/* Is F->args[i], F->args[i + 1] a `--set NAME=VALUE` of a secret param? */
static bool secret_set(const struct fleet *F, unsigned i)
{
	return strcmp(F->args[i], "--set") == 0 && names_secret(F, F->args[i + 1]);
}

/* A pipe holding set's value (NAME=VALUE), for descriptor fd of the runner. 0, or -1 with err. */
static int secret_pipe_make(struct secret_pipe *sp, const char *set, int fd, char *err, size_t errlen)
{
	const char *eq = strchr(set, '=');
	int p[2];
	size_t n = strlen(eq + 1);
	if (n + 1 > 65536)   /* what a pipe holds with no reader yet, and what --set-file reads */
		return util_err(err, errlen, "--set %.*s: a secret value over 64 KiB", (int)(eq - set), set);
	if (pipe2(p, O_CLOEXEC) != 0)
		return util_err(err, errlen, "pipe: %s", strerror(errno));
	/* the value, and a newline: --set-file drops one (a value that ends in CR loses it) */
	bool ok = write(p[1], eq + 1, n) == (ssize_t)n && write(p[1], "\n", 1) == 1;
	close(p[1]);
	/* far above the runner's descriptors 3, 4, …, so that no dup2 onto one clobbers another */
	sp->src = ok ? fcntl(p[0], F_DUPFD_CLOEXEC, 256) : -1;
	close(p[0]);
	if (sp->src < 0)
		return util_err(err, errlen, "pass a secret to a run: %s", strerror(errno));
	sp->fd = fd;
	snprintf(sp->word, sizeof(sp->word), "%.*s=/dev/fd/%d", (int)(eq - set), set, fd);
	return 0;
}

/* The argv of a target's runner; the strings are F's, t's or sp's, the array malloc'd. Each
 * secret `--set` becomes a pipe in sp[*nsp] (*nsp counts them). NULL with err. */
static char **child_argv(struct fleet *F, struct fleet_target *t, struct secret_pipe *sp, unsigned *nsp, char *err,
			 size_t errlen)
{
	char **v = calloc(F->nargs + 24, sizeof(char *));
	unsigned n = 0;
	*nsp = 0;
	if (v == NULL)
		arena_oom((F->nargs + 24) * sizeof(char *));
	v[n++] = "hotplan";
	if (t->resume_it)
		v[n++] = "resume", v[n++] = t->journal;
	else
		v[n++] = "run", v[n++] = F->plan, v[n++] = "--inventory", v[n++] = F->inventory, v[n++] = "--target",
		v[n++] = t->name, v[n++] = "--journal", v[n++] = t->journal;
	for (unsigned i = 0; i + 1 < F->nargs; i += 2) {
		bool secret = secret_set(F, i);
		/* a resume takes only the secret params' values again (the journal has the rest) */
		if (t->resume_it && !secret && !(strcmp(F->args[i], "--set-file") == 0 && names_secret(F, F->args[i + 1])))
			continue;
		if (!secret) {
			v[n++] = F->args[i], v[n++] = F->args[i + 1];
			continue;
		}
		if (*nsp == SECRET_PIPES_MAX ||
		    secret_pipe_make(&sp[*nsp], F->args[i + 1], SECRET_FD0 + (int)*nsp, err, errlen) < 0) {
			if (*nsp == SECRET_PIPES_MAX)
				util_err(err, errlen, "more than %d secret params", SECRET_PIPES_MAX);
			for (unsigned k = 0; k < *nsp; k++)
				close(sp[k].src);
			free(v);
			return NULL;
		}
		v[n++] = "--set-file", v[n++] = sp[(*nsp)++].word;
	}
	if (!t->resume_it) {
		const char *fa = fail_at_for(F, t->name);
		if (fa != NULL)
			v[n++] = "--fail-at", v[n++] = (char *)fa;
	}
	v[n++] = "--yes", v[n++] = "--log", v[n++] = "json";
	return v;
}

static int spawn_child(struct fleet *F, struct fleet_target *t, char *err, size_t errlen)
{
	int p[2];
	struct secret_pipe sp[SECRET_PIPES_MAX];
	unsigned nsp = 0;
	char **argv = child_argv(F, t, sp, &nsp, err, errlen);
	if (argv == NULL)
		return -1;
	if (pipe2(p, O_CLOEXEC) != 0) {
		for (unsigned k = 0; k < nsp; k++)
			close(sp[k].src);
		free(argv);
		return util_err(err, errlen, "pipe: %s", strerror(errno));
	}
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, def;
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGINT), sigaddset(&def, SIGTERM), sigaddset(&def, SIGCHLD);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, t->errlog, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0600);
	for (unsigned k = 0; k < nsp; k++)
		posix_spawn_file_actions_adddup2(&fa, sp[k].src, sp[k].fd);
	posix_spawnattr_init(&at);
	/* a group of its own: the terminal's Ctrl-C reaches the controller, which passes one on */
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	int e = posix_spawn(&t->pid, "/proc/self/exe", &fa, &at, argv, environ);
	free(argv);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(p[1]);
	for (unsigned k = 0; k < nsp; k++)
		close(sp[k].src);
	if (e != 0) {
		close(p[0]);
		t->pid = 0;
		return util_err(err, errlen, "start the run of target %s: %s", t->name, strerror(e));
	}
	(void)fcntl(p[0], F_SETFL, O_NONBLOCK);
	t->fd = p[0];
	return 0;
}

/* Spawn t's run, its `start` line durable (start_targets); its `pid` recorded. */
static void start_target(struct fleet *F, struct fleet_target *t)
{
	char err[512], pid[32], host[256], boot[64];
	t->t0 = now() - F->t0;
	t->t1 = -1;
	t->status = FS_RUNNING;
	F->running++;
	if (spawn_child(F, t, err, sizeof(err)) < 0) {
		free(t->message);
		t->message = strdup(err);
		t->status = FS_FAILED;
		t->rc = EXIT_FAILED;
		t->t1 = t->t0;
		F->running--;
		F->failures++;
		record_end(F, t);
		fleet_view_say(F, "target-done", t, err);
		return;
	}
	fleet_host_boot(host, boot);
	snprintf(pid, sizeof(pid), "%ld", (long)t->pid);
	record(F, "pid", t->name, pid, host, boot);
	fleet_view_say(F, "target-start", t, t->resume_it ? "resumed" : "started");
}

/* Start what may start now: the `start` lines of every target that starts, one commit, the
 * runs spawned, their `pid` lines, one commit; not one fdatasync per line (a fleet of 100
 * paid 300 of them one after another, some 3 ms each on a virtual disk). A journal that
 * fails before the spawns starts none: their starts were not recorded. */
static void start_targets(struct fleet *F, unsigned *next)
{
	struct fleet_target **batch = calloc(F->parallel + 1, sizeof(*batch));
	unsigned nb = 0;
	if (batch == NULL)
		arena_oom((F->parallel + 1) * sizeof(*batch));
	/* past the budget, only the targets already started before (a resume) go on */
	while (!F->stopping && F->running + nb < F->parallel && *next < F->nt) {
		struct fleet_target *t = &F->t[(*next)++];
		if (t->status == FS_QUEUED && (!F->budget_out || t->resume_it)) {
			record(F, "start", t->name, t->resume_it ? "resume" : "run", NULL, NULL);
			batch[nb++] = t;
		}
	}
	commit(F);
	for (unsigned i = 0; i < nb && F->jfd >= 0; i++)
		start_target(F, batch[i]);
	commit(F);
	free(batch);
}

/* The budget: failures tolerated; the one past it stops new starts (CAU's MaxFailedNodes). */
static void count_failure(struct fleet *F)
{
	F->failures++;
	if (F->budget >= 0 && (long)F->failures > F->budget && !F->budget_out) {
		F->budget_out = true;
		char msg[256];
		snprintf(msg, sizeof(msg), "%u failures, more than --max-failures %s tolerates: no new target starts; "
			 "the ones running finish", F->failures, F->budget_text);
		fleet_view_say(F, "note", NULL, msg);
	}
}

/* How a target's run ended, from its exit code; an exit 1 after a step failed is a run that
 * failed before it changed anything (docs/journal.md), not a rejected prerequisite. */
static enum fleet_status status_of(const struct fleet_target *t, int rc)
{
	switch (rc) {
	case EXIT_OK:
		return t->elsewhere ? FS_ELSEWHERE : FS_COMPLETED;
	case EXIT_ROLLED_BACK:
		return FS_ROLLED_BACK;
	case EXIT_LOCKED:
		return FS_LOCKED;
	case EXIT_REJECTED:
		return t->fail_msg != NULL ? FS_UNCHANGED : FS_REJECTED;
	case EXIT_USAGE:
		return FS_REJECTED;
	case EXIT_INTERRUPTED:
		return FS_INTERRUPTED;
	default:
		return FS_FAILED;        /* 4, or a runner that died of a signal */
	}
}

/* ---- reading the runners ---- */

static void take_lines(struct fleet *F, struct fleet_target *t)
{
	size_t start = 0;
	for (size_t i = 0; i < t->len; i++)
		if (t->buf[i] == '\n') {
			t->buf[i] = '\0';
			fleet_view_event(F, t, t->buf + start);
			start = i + 1;
		}
	memmove(t->buf, t->buf + start, t->len - start);
	t->len -= start;
}

/* Read what the runner wrote; false at its end (EOF or an error). */
static bool read_child(struct fleet *F, struct fleet_target *t)
{
	for (;;) {
		if (t->cap - t->len < 4096) {
			if (t->cap >= (1u << 20)) {   /* a line this long is not an event: dropped */
				t->len = 0;
			} else {
				char *b = realloc(t->buf, t->cap = t->cap ? 2 * t->cap : 8192);
				if (b == NULL)
					arena_oom(t->cap);
				t->buf = b;
			}
		}
		ssize_t r = read(t->fd, t->buf + t->len, t->cap - t->len - 1);
		if (r > 0) {
			t->len += (size_t)r;
			take_lines(F, t);
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		return r < 0 && errno == EAGAIN;
	}
}

static void ended(struct fleet *F, struct fleet_target *t, int wstatus)
{
	if (t->fd >= 0) {
		(void)read_child(F, t);
		close(t->fd);
		t->fd = -1;
	}
	t->rc = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + (WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0);
	t->status = status_of(t, t->rc);
	t->t1 = now() - F->t0;
	t->pid = 0;
	F->running--;
	record_end(F, t);
	if (t->status == FS_ROLLED_BACK || t->status == FS_FAILED || t->status == FS_REJECTED || t->status == FS_UNCHANGED)
		count_failure(F);
	fleet_view_say(F, "target-done", t, t->message);
}

/* A runner the dead controller left: its group ended, so its journal says how it went. */
static void orphan_check(struct fleet *F, struct fleet_target *t)
{
	if (fleet_group_alive(t->orphan))
		return;
	t->orphan = 0;
	F->running--;
	fleet_settle(F, t);
	if (t->final)
		fleet_view_say(F, "target-done", t, "finished by the runner the previous controller left");
}

static void reap(struct fleet *F)
{
	int ws;
	pid_t pid;
	while ((pid = waitpid(-1, &ws, WNOHANG)) > 0)
		for (unsigned i = 0; i < F->nt; i++)
			if (F->t[i].pid == pid) {
				ended(F, &F->t[i], ws);
				break;
			}
	for (unsigned i = 0; i < F->nt; i++)
		if (F->t[i].orphan > 0 && F->t[i].status == FS_RUNNING)
			orphan_check(F, &F->t[i]);
}

/* ---- the exit code ---- */

static int exit_code(struct fleet *F)
{
	bool failed = false, rolled = false, locked = false, stopped = F->interrupted;
	for (unsigned i = 0; i < F->nt; i++) {
		struct fleet_target *t = &F->t[i];
		if (t->status == FS_QUEUED && F->budget_out && !F->interrupted && F->jfd >= 0)
			t->status = FS_SKIPPED;
		failed |= t->status == FS_FAILED || t->status == FS_REJECTED || t->status == FS_UNCHANGED;
		rolled |= t->status == FS_ROLLED_BACK;
		locked |= t->status == FS_LOCKED || t->status == FS_SKIPPED;
		stopped |= t->status == FS_INTERRUPTED;
	}
	if (failed || F->jfd < 0)
		return EXIT_FAILED;
	if (rolled)
		return EXIT_ROLLED_BACK;
	if (stopped)
		return EXIT_INTERRUPTED;
	return locked ? EXIT_LOCKED : EXIT_OK;
}

static void sig_nothing(int sig)
{
	(void)sig;
}

/* SIGCHLD wakes ppoll; SIGINT and SIGTERM are counted (run.c's handler); all three blocked
 * outside ppoll. */
static void catch_signals(sigset_t *blocked, sigset_t *old)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sig_nothing;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	struct run_opts ro = { .kind = -1 };
	struct run *R = run_new(&ro);
	(void)run_catch_signals(R);
	run_free(R, 0);
	sigemptyset(blocked);
	sigaddset(blocked, SIGCHLD), sigaddset(blocked, SIGINT), sigaddset(blocked, SIGTERM);
	sigprocmask(SIG_BLOCK, blocked, old);
}

static void pass_interrupt(struct fleet *F, int *seen)
{
	if (run_interrupts <= *seen)
		return;
	*seen = run_interrupts;
	if (!F->interrupted)
		fleet_view_say(F, "note", NULL, "interrupted: the runs in flight stop after their running action; "
				"no new target starts");
	F->interrupted = true;
	F->stopping = true;
	for (unsigned i = 0; i < F->nt; i++)   /* one signal each, as a terminal would send */
		if (F->t[i].pid > 0)
			kill(F->t[i].pid, SIGINT);
}

static void run_all(struct fleet *F, const sigset_t *old)
{
	struct pollfd *pf = calloc(F->parallel + 1, sizeof(*pf));
	struct fleet_target **who = calloc(F->parallel + 1, sizeof(*who));
	unsigned next = 0;
	int seen = 0;
	if (pf == NULL || who == NULL)
		arena_oom((F->parallel + 1) * sizeof(*pf));
	for (;;) {
		start_targets(F, &next);
		if (F->running == 0 && (F->stopping || next >= F->nt))
			break;
		nfds_t n = 0;
		for (unsigned i = 0; i < F->nt && n < F->parallel; i++)
			if (F->t[i].fd >= 0) {
				pf[n] = (struct pollfd){ .fd = F->t[i].fd, .events = POLLIN };
				who[n++] = &F->t[i];
			}
		struct timespec ts = { 0, 200000000L };
		int r = ppoll(pf, n, &ts, old);
		for (nfds_t i = 0; r > 0 && i < n; i++)
			if (pf[i].revents != 0 && !read_child(F, who[i])) {
				close(who[i]->fd);   /* its end: the exit status comes with SIGCHLD */
				who[i]->fd = -1;
			}
		reap(F);
		commit(F);   /* the `end` lines, before the next starts (and the budget) act on them */
		pass_interrupt(F, &seen);
		fleet_view_draw(F, false);
	}
	free(pf);
	free(who);
}

int fleet_loop(struct fleet *F)
{
	sigset_t blocked, old;
	char err[512];
	F->t0 = now();
	F->start_ns = journal_now_ns();
	/* each target's run: a target another controller completed with this plan and these
	 * inputs is reported done there, not run again (docs/fleets.md, "Two controllers") */
	if (setenv("HOTPLAN_ONCE", "1", 1) != 0) {
		fprintf(stderr, "hotplan: setenv: %s\n", strerror(errno));
		return EXIT_USAGE;
	}
	catch_signals(&blocked, &old);
	commit(F);   /* what a resume's settling recorded */
	fleet_view_say(F, "fleet-start", NULL, NULL);
	if (F->budget_out) {
		char msg[256];
		snprintf(msg, sizeof(msg), "%u failures already, more than --max-failures %s tolerates: only the targets "
			 "started before go on (a larger --max-failures starts the others)", F->failures, F->budget_text);
		fleet_view_say(F, "note", NULL, msg);
	}
	run_all(F, &old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	F->exit_code = exit_code(F);
	char code[16];
	snprintf(code, sizeof(code), "%d", F->exit_code);
	record(F, "done", code, NULL, NULL, NULL);
	commit(F);
	fleet_view_erase(F);
	fleet_view_summary(F);
	fleet_view_say(F, "fleet-done", NULL, NULL);
	if (F->o.report != NULL && fleet_view_report(F, F->o.report, err, sizeof(err)) < 0) {
		fprintf(stderr, "hotplan: %s\n", err);
		if (F->exit_code == EXIT_OK)
			F->exit_code = EXIT_USAGE;
	}
	return F->exit_code;
}
