/* proc.c: one child process for a command transport: posix_spawn (or fork/exec) in its own
 * process group, its input fed through a pipe, its output through a pipe into the capture
 * file (proc_capture.c) and a tail ring, timeout and abort by killing the group. Design
 * notes: docs/transports.md, "Running a command". */
#define _GNU_SOURCE /* pipe2, NSIG, environ, posix_spawn_file_actions_addclosefrom_np */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "proc.h"
#include "proc_capture.h"

extern char **environ; /* NOLINT(readability-redundant-declaration): POSIX has the application declare it */

#define KILL_GRACE_NS 2000000000LL      /* SIGTERM to the group .. SIGKILL */
#define DRAIN_NS 250000000LL            /* output still open after the command ended by itself */
#define KILLED_DRAIN_NS 1000000000LL    /* output still open after SIGKILL */
#define UNKILLABLE_NS 10000000000LL     /* SIGKILL'ed and still not ended: give up (state D) */
#define TICK_MS 100                     /* look at *abort at least this often */
#define TICK_NO_PIDFD_MS 10             /* without a pidfd, look for the child's end this often */
#define READ_CHUNK 65536
#define START_FAILED (-2)               /* start_child: the spawn (or fork, or exec) failed */

/* posix_spawn can do all that the child must do before exec (a group of its own, default
 * dispositions, an empty mask, the three descriptors and no other) once it can close every
 * other descriptor: posix_spawn_file_actions_addclosefrom_np, glibc 2.34. glibc starts the
 * child with clone(CLONE_VM|CLONE_VFORK): no copy of the runner's page tables, which fork
 * makes and which costs more the larger the runner (a plan of 1,000 steps: about 0.1 ms a
 * command; docs/performance.md, "Runtime"). Elsewhere, fork and the same steps by hand
 * (-DPROC_FORK builds that path here, to test it). */
#if defined(__GLIBC__) && defined(__GLIBC_PREREQ) && !defined(PROC_FORK)
#if __GLIBC_PREREQ(2, 34)
#define PROC_SPAWN 1
#endif
#endif

#ifndef PROC_SPAWN
enum child_stage { STAGE_SETPGID = 1, STAGE_DUP, STAGE_EXEC, STAGE_SIGACTION };

struct child_err {
	int stage;
	int err;
};

struct child_args {
	const char *path;
	const char *const *argv;
	int in, out, ep;                    /* stdin, stdout+stderr, the exec-error pipe */
	int maxfd;                          /* close fds below this when close_range is missing */
};
#endif



long long proc_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		(void)close(*fd); /* EINTR: Linux has closed it anyway; never retry */
		*fd = -1;
	}
}

/* ---- the tail ---- */

/* The ring as a string, starting at a line when older output was dropped, with `note` (if
 * any) at the end; NUL bytes become '?' so that the string is the whole tail. */
static void ring_out(const struct proc_ring *g, const char *note, char out[TRANSPORT_TAIL])
{
	const size_t cap = g->cap;
	char lin[TRANSPORT_TAIL - 1];
	size_t n = g->len, skip = 0, notelen = note != NULL ? strlen(note) : 0;
	for (size_t i = 0; i < n; i++)
		lin[i] = g->buf[(g->start + i) % cap];
	if (notelen > cap)
		notelen = cap;
	if (n + notelen > cap)
		skip = n + notelen - cap;
	if (g->dropped || skip > 0) {
		char *nl = memchr(lin + skip, '\n', n - skip);
		if (nl != NULL && nl + 1 < lin + n)
			skip = (size_t)(nl + 1 - lin);
	}
	n -= skip;
	memcpy(out, lin + skip, n);
	for (size_t i = 0; i < n; i++)
		if (out[i] == '\0')
			out[i] = '?';
	memcpy(out + n, note != NULL ? note : "", notelen);
	out[n + notelen] = '\0';
}

/* ---- the child ---- */

#ifdef PROC_SPAWN
/* Start path with argv, stdin from `in`, stdout and stderr into `out` (neither below 3: the file
 * actions dup2 onto 0, 1 and 2 in turn), in a process group of its own, every disposition
 * SIG_DFL (a SIG_IGN would survive exec), an empty signal mask, no other descriptor. glibc
 * blocks every signal across the clone and resets the runner's handlers in the child before
 * it unblocks them, so none of them runs there. posix_spawn returns once the child has
 * exec'd (CLONE_VFORK), or with the error of whatever failed before (reaping the child):
 * almost always the exec itself. The pid, or -1 with err set. */
static pid_t spawn_child(const char *path, const char *const *argv, int in, int out, char *err, size_t errlen)
{
	posix_spawnattr_t at;
	posix_spawn_file_actions_t fa;
	sigset_t all, none;
	pid_t pid = -1;
	int e = posix_spawnattr_init(&at);
	if (e != 0) {
		util_err(err, errlen, "posix_spawnattr_init: %s", strerror(e));
		return -1;
	}
	e = posix_spawn_file_actions_init(&fa);
	if (e != 0) {
		posix_spawnattr_destroy(&at);
		util_err(err, errlen, "posix_spawn_file_actions_init: %s", strerror(e));
		return -1;
	}
	/* Every signal, glibc's own two (32 and 33, SIGCANCEL and SIGSETXID) included, which
	 * sigfillset leaves out: the spawning child would set those to SIG_IGN otherwise, and
	 * SIG_IGN survives exec. glibc's sigfillset is this memset, less those two. */
	memset(&all, 0xff, sizeof(all));
	sigemptyset(&none);
	e = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	if (e == 0)
		e = posix_spawnattr_setpgroup(&at, 0);
	if (e == 0)
		e = posix_spawnattr_setsigdefault(&at, &all);
	if (e == 0)
		e = posix_spawnattr_setsigmask(&at, &none);
	if (e == 0)
		e = posix_spawn_file_actions_adddup2(&fa, in, 0);
	if (e == 0)
		e = posix_spawn_file_actions_adddup2(&fa, out, 1);
	if (e == 0)
		e = posix_spawn_file_actions_adddup2(&fa, out, 2);
	if (e == 0)
		e = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	if (e != 0)
		util_err(err, errlen, "posix_spawn set-up: %s", strerror(e));
	else if ((e = posix_spawn(&pid, path, &fa, &at, (char *const *)argv, environ)) != 0) {
		util_err(err, errlen, "exec %s: %s", path, strerror(e));
		pid = -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return pid;
}

/* fd, or a close-on-exec duplicate of it at 3 or above (the original closed) */
static int fd_above_std(int *fd)
{
	if (*fd >= 3)
		return 0;
	int n = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
	if (n < 0)
		return -1;
	close_fd(fd);
	*fd = n;
	return 0;
}
#else
static void child_fail(int ep, int stage) __attribute__((noreturn));

static void child_fail(int ep, int stage)
{
	struct child_err e = { stage, errno };
	ssize_t w;
	do
		w = write(ep, &e, sizeof(e));
	while (w < 0 && errno == EINTR);
	_exit(127);
}

/* Only async-signal-safe calls from here to execve: the runner may have threads. */
static void close_from(unsigned lo, unsigned hi, int maxfd)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, lo, hi, 0u) == 0)
		return;
#endif
	for (unsigned fd = lo; fd <= hi && fd < (unsigned)maxfd; fd++)
		(void)close((int)fd);
}

static int move_up(int fd, int cloexec)
{
	return fd >= 3 ? fd : fcntl(fd, cloexec ? F_DUPFD_CLOEXEC : F_DUPFD, 3);
}

static void child_run(const struct child_args *a) __attribute__((noreturn));

static void child_run(const struct child_args *a)
{
	int ep = move_up(a->ep, 1);
	if (ep < 0)
		_exit(127);
	/* a group of its own: the terminal's SIGINT goes to the runner's foreground group only,
	 * and a timeout can kill everything the command started */
	if (setpgid(0, 0) < 0)
		child_fail(ep, STAGE_SETPGID);
	/* the runner's handlers die with exec, but ignored signals (SIGPIPE...) would not */
	struct sigaction dfl;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	/* EINVAL is expected and ignored: SIGKILL, SIGSTOP and the signals libc keeps for itself
	 * cannot be changed. Any other failure stops the child. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sigaction(sig, &dfl, NULL) != 0 && errno != EINVAL)
			child_fail(ep, STAGE_SIGACTION);
	/* std fds may be among ours when the runner was started with 0, 1 or 2 closed */
	int in = move_up(a->in, 0), out = move_up(a->out, 0);
	if (in < 0 || out < 0)
		child_fail(ep, STAGE_DUP);
	while (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		if (errno != EINTR)
			child_fail(ep, STAGE_DUP);
	if (ep > 3)
		close_from(3, (unsigned)ep - 1, a->maxfd);
	close_from((unsigned)ep + 1, ~0U, a->maxfd);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(a->path, (char *const *)a->argv, environ);
	child_fail(ep, STAGE_EXEC);
}
#endif

/* ---- the parent ---- */

static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd >= 0)
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
#else
	(void)pid;
	return -1;
#endif
}

/* Has the child ended (left unreaped, so that its pid and group id stay ours)? *si says how
 * (zeroed when that is unknown). */
static bool child_ended(pid_t pid, siginfo_t *si)
{
	for (;;) {
		memset(si, 0, sizeof(*si));
		if (waitid(P_PID, (id_t)pid, si, WEXITED | WNOHANG | WNOWAIT) == 0)
			return si->si_pid == pid;
		if (errno != EINTR)
			return true; /* ECHILD: reaped behind our back (SIGCHLD ignored); waitpid says so */
	}
}

/* Is a process other than `leader` alive in group `pgid`? kill(-pgid, 0) cannot tell: the
 * unreaped leader counts. Conservative (true) when /proc cannot be read. */
static bool group_has_others(pid_t pgid, pid_t leader)
{
	DIR *d = opendir("/proc");
	if (d == NULL)
		return true;
	bool found = false;
	struct dirent *e;
	while (!found && (e = readdir(d)) != NULL) {
		char *end = NULL;
		long p = strtol(e->d_name, &end, 10);
		if (e->d_name[0] < '1' || e->d_name[0] > '9' || *end != '\0' || p == leader)
			continue;
		char path[64], buf[512];
		snprintf(path, sizeof(path), "/proc/%ld/stat", p);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		char *rp = strrchr(buf, ')'), state = 0;
		int ppid = 0, pgrp = 0;
		/* NOLINTNEXTLINE(cert-err34-c): the kernel writes /proc/PID/stat: its pids fit an int */
		if (rp != NULL && sscanf(rp + 1, " %c %d %d", &state, &ppid, &pgrp) == 3 && pgrp == pgid &&
		    state != 'Z' && state != 'X')
			found = true;
	}
	closedir(d);
	return found;
}

static void kill_group(pid_t pgid, int sig)
{
	if (kill(-pgid, sig) < 0)
		(void)kill(pgid, sig);
}

/* ---- one command ---- */

/* What the parts of proc_run share: the descriptors, the child and where the watch stands. */
struct proc {
	const struct transport_cmd *c;
	int in, hold, out[2], ep[2], pidfd;
	pid_t pid;                          /* > 0 while the child is ours to kill and reap */
	long long start;
	struct capture cap;                 /* cap.fd -1: no capture file */
	int poll_errno;
	/* the input: in_data[in_pos, in_len) is still to be written to `hold` */
	const char *in_data;
	size_t in_len, in_pos;
	bool in_keep;                       /* hold stays open after the input (PROC_STDIN_HOLD) */
	bool sh_status;                     /* a signal's death said as sh says it (PROC_SH_STATUS) */
	/* the watch */
	bool ended, eof;
	int killing;                        /* 1: SIGTERM sent, 2: SIGKILL sent */
	long long deadline, t_kill, drain_end;
	char note[256];                     /* said at the end of the tail */
	char tail_buf[TRANSPORT_TAIL - 1];
	struct proc_ring ring;              /* the tail, in tail_buf */
	char buf[READ_CHUNK];
};

/* The child's stdin (/dev/null, or a pipe whose write end p->hold keeps, non-blocking) and
 * the output pipe, its read end non-blocking. */
static int open_pipes(struct proc *p, char *err, size_t errlen)
{
	if (p->in_data != NULL || p->in_keep) {
		int fds[2];
		if (pipe2(fds, O_CLOEXEC) < 0)
			return util_err(err, errlen, "pipe: %s", strerror(errno));
		p->in = fds[0];
		p->hold = fds[1];
		if (fcntl(p->hold, F_SETFL, O_NONBLOCK) < 0)
			return util_err(err, errlen, "fcntl: %s", strerror(errno));
	} else {
		do
			p->in = open("/dev/null", O_RDONLY | O_CLOEXEC);
		while (p->in < 0 && errno == EINTR);
		if (p->in < 0)
			return util_err(err, errlen, "open /dev/null: %s", strerror(errno));
	}
	if (pipe2(p->out, O_CLOEXEC) < 0)
		return util_err(err, errlen, "pipe: %s", strerror(errno));
	if (fcntl(p->out[0], F_SETFL, O_NONBLOCK) < 0)
		return util_err(err, errlen, "fcntl: %s", strerror(errno));
	return 0;
}

/* write() without SIGPIPE when the reader is gone (EPIPE instead): the signal is blocked in
 * this thread, which it is sent to, and taken back if the write raised it. */
static ssize_t write_nosigpipe(int fd, const void *buf, size_t n)
{
	sigset_t pipe_set, old, pending;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	sigpending(&pending);
	bool was_pending = sigismember(&pending, SIGPIPE) == 1;
	ssize_t w = write(fd, buf, n);
	int e = errno;
	if (w < 0 && e == EPIPE && !was_pending) {
		const struct timespec zero = { 0, 0 };
		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return w;
}

/* Write what the pipe takes of the input; once it is all written, close the pipe unless it
 * is held (PROC_STDIN_HOLD). A reader gone (EPIPE: the child ended or closed its stdin) ends
 * the input: what it did not read is not its to have. */
static void feed(struct proc *p)
{
	while (p->hold >= 0 && p->in_pos < p->in_len) {
		ssize_t w = write_nosigpipe(p->hold, p->in_data + p->in_pos, p->in_len - p->in_pos);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return;
		if (w <= 0) {
			p->in_pos = p->in_len;
			close_fd(&p->hold);
			return;
		}
		p->in_pos += (size_t)w;
	}
	if (!p->in_keep)
		close_fd(&p->hold);
}

#ifdef PROC_SPAWN
/* Start the child: p->pid and p->start. The child's ends of the pipes are closed after. 0,
 * -1 when what it needs could not be made, START_FAILED when it could not be started. */
static int start_child(struct proc *p, const char *path, const char *const *argv, char *err, size_t errlen)
{
	/* std fds may be among ours when the runner was started with 0, 1 or 2 closed */
	if (fd_above_std(&p->in) < 0 || fd_above_std(&p->out[1]) < 0)
		return util_err(err, errlen, "fcntl: %s", strerror(errno));
	p->start = proc_now_ns();
	p->pid = spawn_child(path, argv, p->in, p->out[1], err, errlen);
	if (p->pid < 0)
		return START_FAILED;
	close_fd(&p->out[1]);
	close_fd(&p->in);
	return 0;
}
#else
/* What the child reported through the exec-error pipe: nothing (it exec'd), or why it could
 * not (then it is reaped and p->pid is -1). */
static int child_report(struct proc *p, const char *path, char *err, size_t errlen)
{
	struct child_err ce;
	ssize_t got;
	do
		got = read(p->ep[0], &ce, sizeof(ce));
	while (got < 0 && errno == EINTR);
	close_fd(&p->ep[0]);
	if (got == 0)
		return 0;
	int st;
	while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
		;
	p->pid = -1;
	if (got != (ssize_t)sizeof(ce))
		return util_err(err, errlen, "exec %s: %s", path, got < 0 ? strerror(errno) : "lost the child's report");
	if (ce.stage == STAGE_EXEC)
		return util_err(err, errlen, "exec %s: %s", path, strerror(ce.err));
	return util_err(err, errlen, "%s: %s",
			ce.stage == STAGE_SETPGID ? "setpgid" : ce.stage == STAGE_DUP ? "dup2" : "sigaction",
			strerror(ce.err));
}

/* Start the child: p->pid and p->start. The child's ends of the pipes are closed after. 0,
 * -1 when what it needs could not be made, START_FAILED when it could not be started. */
static int start_child(struct proc *p, const char *path, const char *const *argv, char *err, size_t errlen)
{
	if (pipe2(p->ep, O_CLOEXEC) < 0)
		return util_err(err, errlen, "pipe: %s", strerror(errno));
	struct rlimit rl;
	struct child_args ca = { path, argv, p->in, p->out[1], p->ep[1], 65536 };
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (1u << 20))
		ca.maxfd = (int)rl.rlim_cur;

	/* no handler of the runner's may run in the child before exec: block everything
	 * across fork, the child resets dispositions and then unblocks */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	p->start = proc_now_ns();
	p->pid = fork();
	if (p->pid == 0)
		child_run(&ca);
	int fork_errno = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (p->pid < 0) {
		util_err(err, errlen, "fork: %s", strerror(fork_errno));
		return START_FAILED;
	}
	(void)setpgid(p->pid, p->pid); /* also here, so that the group exists before any kill of ours */
	close_fd(&p->ep[1]);
	close_fd(&p->out[1]);
	close_fd(&p->in);
	return child_report(p, path, err, errlen) < 0 ? START_FAILED : 0;
}
#endif

/* The deadline or an abort, while the child runs: SIGTERM to the group; the grace over:
 * SIGKILL. Called only once child_ended has said no at `now`: a child that ended by itself
 * is never killed, however late the runner (stopped, or starved of the CPU) looks at the
 * clock; the timeout measures the command, not the runner. */
static void escalate(struct proc *p, long long now, const volatile int *abort, struct transport_result *r)
{
	if (p->killing == 0) {
		if (p->deadline > 0 && now >= p->deadline)
			r->timed_out = true;
		else if (abort != NULL && *abort >= 2)
			r->interrupted = true;
		if (r->timed_out || r->interrupted) {
			kill_group(p->pid, SIGTERM);
			p->killing = 1;
			p->t_kill = now + KILL_GRACE_NS;
		}
	}
	if (p->killing == 1 && now >= p->t_kill) {
		kill_group(p->pid, SIGKILL);
		p->killing = 2;
		p->drain_end = now + KILLED_DRAIN_NS;
		p->t_kill = now + UNKILLABLE_NS;
	}
}

static int poll_ms(long long now, long long until, int ms)
{
	if (until > 0) {
		long long left = (until - now + 999999) / 1000000;
		if (left < ms)
			ms = left < 0 ? 0 : (int)left;
	}
	return ms;
}

/* How long the next poll may wait: until the next tick, deadline, kill or end of draining. */
static int next_wait_ms(const struct proc *p, long long now)
{
	int ms = p->ended || p->pidfd >= 0 ? TICK_MS : TICK_NO_PIDFD_MS;
	if (!p->ended)
		ms = poll_ms(now, p->deadline, ms);
	ms = poll_ms(now, p->killing ? p->t_kill : 0, ms);
	return poll_ms(now, p->ended || p->killing == 2 ? p->drain_end : 0, ms);
}

/* Read what the pipe holds, a bounded batch, into the ring and the capture file. */
static void drain(struct proc *p)
{
	for (int i = 0; i < 16; i++) { /* a bounded batch, then look at the clock again */
		ssize_t k = read(p->out[0], p->buf, sizeof(p->buf));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EAGAIN)
			break;
		if (k <= 0) {
			if (k < 0)
				snprintf(p->note, sizeof(p->note), "\n[hotplan: read output: %s]\n", strerror(errno));
			p->eof = true;
			close_fd(&p->out[0]);
			break;
		}
		proc_ring_put(&p->ring, p->buf, (size_t)k);
		capture_put(&p->cap, p->buf, (size_t)k);
	}
}

/* PROC_SH_STATUS: what dash writes to its stderr when its foreground command dies of a signal
 * (dash's sprint_status): the signal's description (strsignal: hotplan sets no locale, dash
 * none either), " (core dumped)" when it dumped core, a newline; nothing for SIGINT and
 * SIGPIPE. After what the program wrote (first read from the pipe: the program has ended, its
 * output is all there; a process it left behind may write more later, as with sh). */
static void sh_note(struct proc *p, const siginfo_t *si)
{
	char line[128];
	if (si->si_code != CLD_KILLED && si->si_code != CLD_DUMPED)
		return;
	if (si->si_status == SIGINT || si->si_status == SIGPIPE)
		return;
	if (!p->eof)
		drain(p);
	/* NOLINTNEXTLINE(concurrency-mt-unsafe): glibc's strsignal keeps its buffer per thread */
	const char *what = strsignal(si->si_status);
	int n = snprintf(line, sizeof(line), "%s%s\n", what, si->si_code == CLD_DUMPED ? " (core dumped)" : "");
	if (n <= 0 || (size_t)n >= sizeof(line))
		return;
	proc_ring_put(&p->ring, line, (size_t)n);
	capture_put(&p->cap, line, (size_t)n);
}

/* Whether the watch is over: the child ended and its output drained, or (killed) every
 * process of its group gone. */
static bool watch_done(const struct proc *p, long long now)
{
	/* killed: all of the group gone, or SIGKILL'ed and drained; else drained */
	return p->killing == 1 ? p->eof && !group_has_others(p->pid, p->pid) : p->eof || now >= p->drain_end;
}

/* One poll: the output, the input still to write, the child's end. -1 when poll failed. */
static int poll_once(struct proc *p, long long now)
{
	struct pollfd pf[3];
	nfds_t n = 0;
	int out = -1, in = -1;
	if (!p->eof) {
		out = (int)n;
		pf[n++] = (struct pollfd){ .fd = p->out[0], .events = POLLIN };
	}
	if (!p->ended && p->hold >= 0 && p->in_pos < p->in_len) {
		in = (int)n;
		pf[n++] = (struct pollfd){ .fd = p->hold, .events = POLLOUT };
	}
	if (!p->ended && p->pidfd >= 0)
		pf[n++] = (struct pollfd){ .fd = p->pidfd, .events = POLLIN };
	if (poll(pf, n, next_wait_ms(p, now)) < 0)
		return errno == EINTR ? 0 : -1;
	if (out >= 0 && pf[out].revents != 0)
		drain(p);
	if (in >= 0 && pf[in].revents != 0)
		feed(p);
	return 0;
}

/* Watch the child until it has ended and its output is read, killing it on the deadline or
 * an abort. 0 when it ended (left unreaped; p->poll_errno when poll failed and the group was
 * killed), -1 when it outlived SIGKILL (then it is left to init and p->pid is -1). */
static int watch(struct proc *p, const volatile int *abort, struct transport_result *r, char *err, size_t errlen)
{
	p->deadline = p->c->timeout_ns > 0 ? p->start + p->c->timeout_ns : 0;
	for (;;) {
		long long now = proc_now_ns();
		/* first whether it ended, then the clock: it may have ended in time while the
		 * runner was not looking */
		siginfo_t si;
		if (!p->ended && child_ended(p->pid, &si)) {
			p->ended = true;
			if (p->killing == 0) {
				p->drain_end = now + DRAIN_NS;
				if (p->sh_status)
					sh_note(p, &si);
			}
		}
		if (!p->ended || p->killing > 0)
			escalate(p, now, abort, r);
		if (p->ended) {
			if (watch_done(p, now))
				break;
		} else if (p->killing == 2 && now >= p->t_kill) {
			util_err(err, errlen, "process %d did not end after SIGKILL", (int)p->pid);
			p->pid = -1; /* left to init: waiting longer would hang the run */
			return -1;
		}
		if (poll_once(p, now) < 0) {
			p->poll_errno = errno;
			kill_group(p->pid, SIGKILL);
			break;
		}
	}
	if (p->killing > 0)
		kill_group(p->pid, SIGKILL); /* the unreaped leader keeps the group id ours: no stray kill */
	return 0;
}

/* Reap the child and say how it ended. */
static int reap(struct proc *p, struct transport_result *r, char *err, size_t errlen)
{
	int st;
	while (waitpid(p->pid, &st, 0) < 0) {
		if (errno == EINTR)
			continue;
		p->pid = -1;
		return util_err(err, errlen, "waitpid: %s", strerror(errno));
	}
	p->pid = -1;
	r->seconds = (double)(proc_now_ns() - p->start) / 1e9;
	if (WIFEXITED(st))
		r->status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st) && p->sh_status && !r->timed_out && !r->interrupted)
		r->status = 128 + WTERMSIG(st); /* what sh exits with when its command dies so */
	else if (WIFSIGNALED(st))
		r->signal = WTERMSIG(st);
	return 0;
}

/* The capture file's last line (the error or the kill), then close it; a capture that could
 * not be written is noted at the end of the tail. A timeout is said as the command's
 * timeout ("timed out after 1s"), which is what it was given, not the time it took to end. */
static void close_capture(struct proc *p, int ret, const struct transport_result *r, const char *err,
			  size_t errlen)
{
	char end[160];
	const char *e = NULL;
	if (ret < 0 && err != NULL && errlen > 0)
		snprintf(end, sizeof(end), "[hotplan: %s]", err), e = end;
	else if (r->timed_out)
		snprintf(end, sizeof(end), "[hotplan: timed out after %gs: process group killed]",
			 (double)p->c->timeout_ns / 1e9), e = end;
	else if (r->interrupted)
		snprintf(end, sizeof(end), "[hotplan: interrupted after %.1f s: process group killed]", r->seconds), e = end;
	capture_close(&p->cap, e);
	if (p->cap.err != 0)
		snprintf(p->note, sizeof(p->note), "\n[hotplan: write capture %s: %s]\n", p->c->capture_path,
			 strerror(p->cap.err));
}

/* A child still ours after a failure (it started, then something failed): kill and reap it,
 * so that nothing is left running or unreaped. */
static void stop_leftover(struct proc *p)
{
	if (p->pid > 0) {
		kill_group(p->pid, SIGKILL);
		while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
			;
		p->pid = -1;
	}
}

static void close_all(struct proc *p)
{
	close_fd(&p->hold);
	close_fd(&p->in);
	close_fd(&p->out[0]);
	close_fd(&p->out[1]);
	close_fd(&p->ep[0]);
	close_fd(&p->ep[1]);
	if (p->pidfd >= 0)
		close(p->pidfd);
}

static void proc_init(struct proc *p, const struct transport_cmd *c, const char *in, size_t inlen, unsigned flags)
{
	p->c = c;
	p->in = p->hold = p->pidfd = -1;
	p->out[0] = p->out[1] = p->ep[0] = p->ep[1] = -1;
	p->pid = -1;
	p->start = 0;
	memset(&p->cap, 0, sizeof(p->cap));
	p->cap.fd = -1;
	p->poll_errno = 0;
	p->in_data = in;
	p->in_len = in != NULL ? inlen : 0;
	p->in_pos = 0;
	p->in_keep = (flags & PROC_STDIN_HOLD) != 0;
	p->sh_status = (flags & PROC_SH_STATUS) != 0;
	p->ended = p->eof = false;
	p->killing = 0;
	p->deadline = p->t_kill = p->drain_end = 0;
	p->note[0] = '\0';
	p->ring = (struct proc_ring){ .buf = p->tail_buf, .cap = sizeof(p->tail_buf) };
}

/* PROC_EXEC_SOFT: the program did not start: the capture file back to what it held before
 * this command's header, and closed. */
static void capture_take_back(struct proc *p)
{
	if (p->cap.fd < 0)
		return;
	if (p->cap.start >= 0) {
		int rc;
		do
			rc = ftruncate(p->cap.fd, (off_t)p->cap.start);
		while (rc < 0 && errno == EINTR);
	}
	capture_close(&p->cap, NULL);
	p->cap.fd = -1;
}

int proc_run(const char *const *argv, const char *in, size_t inlen, unsigned flags, const struct transport_cmd *c,
	     const volatile int *abort, struct transport_result *r, char *err, size_t errlen)
{
	return proc_run_path(argv[0], argv, in, inlen, flags, c, abort, r, err, errlen);
}

int proc_run_path(const char *path, const char *const *argv, const char *in, size_t inlen, unsigned flags,
		  const struct transport_cmd *c, const volatile int *abort, struct transport_result *r, char *err,
		  size_t errlen)
{
	struct proc p;                      /* its output buffer is left as it is: read() fills it */
	int ret = -1;

	proc_init(&p, c, in, inlen, flags);
	memset(r, 0, sizeof(*r));
	r->status = -1;
	r->timeout_ns = c->timeout_ns;
	if (abort != NULL && *abort >= 2) {
		r->interrupted = true;
		return util_err(err, errlen, "not started: the run is being aborted");
	}
	if (c->capture_path != NULL && capture_open(&p.cap, c->capture_path, c->label, err, errlen) < 0)
		goto out;
	if (open_pipes(&p, err, errlen) < 0)
		goto out;
	feed(&p);   /* what the pipe holds before the child starts: all of a usual command line */
	int started = start_child(&p, path, argv, err, errlen);
	if (started == START_FAILED && (flags & PROC_EXEC_SOFT) != 0) {
		capture_take_back(&p);
		ret = 1;
		goto out;
	}
	if (started < 0)
		goto out;
	if (c->started != NULL)
		c->started(c->started_ud, (long)p.pid);
	p.pidfd = open_pidfd(p.pid);
	if (watch(&p, abort, r, err, errlen) < 0 || reap(&p, r, err, errlen) < 0)
		goto out;
	if (p.poll_errno != 0)
		util_err(err, errlen, "poll: %s", strerror(p.poll_errno));
	else
		ret = 0;

out:
	stop_leftover(&p);
	if (p.cap.fd >= 0)
		close_capture(&p, ret, r, err, errlen);
	ring_out(&p.ring, p.note[0] != '\0' ? p.note : NULL, r->tail);
	close_all(&p);
	return ret;
}

bool proc_group_alive(long pgid)
{
	return pgid > 0 && group_has_others((pid_t)pgid, 0);
}
