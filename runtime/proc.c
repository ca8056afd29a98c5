/* proc.c: one child process for a command transport: posix_spawn (or fork/exec) in its own
 * process group, output through a pipe into the capture file and a tail ring, timeout and
 * abort by killing the group. Design notes: docs/transports.md, "Running a command". */
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

extern char **environ; /* NOLINT(readability-redundant-declaration): POSIX has the application declare it */

#define KILL_GRACE_NS 2000000000LL      /* SIGTERM to the group .. SIGKILL */
#define DRAIN_NS 250000000LL            /* output still open after the command ended by itself */
#define KILLED_DRAIN_NS 1000000000LL    /* output still open after SIGKILL */
#define UNKILLABLE_NS 10000000000LL     /* SIGKILL'ed and still not ended: give up (state D) */
#define TICK_MS 100                     /* look at *abort at least this often */
#define TICK_NO_PIDFD_MS 10             /* without a pidfd, look for the child's end this often */
#define READ_CHUNK 65536

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
	const char *const *argv;
	int in, out, ep;                    /* stdin, stdout+stderr, the exec-error pipe */
	int maxfd;                          /* close fds below this when close_range is missing */
};
#endif

struct ring {
	char buf[TRANSPORT_TAIL - 1];
	size_t start, len;
	bool dropped;                       /* older output was overwritten */
};


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

static void ring_put(struct ring *g, const char *p, size_t n)
{
	const size_t cap = sizeof(g->buf);
	if (n >= cap) {
		memcpy(g->buf, p + n - cap, cap);
		g->dropped |= g->len > 0 || n > cap;
		g->start = 0;
		g->len = cap;
		return;
	}
	size_t end = (g->start + g->len) % cap;
	size_t first = cap - end < n ? cap - end : n;
	memcpy(g->buf + end, p, first);
	memcpy(g->buf, p + first, n - first);
	g->len += n;
	if (g->len > cap) {
		g->start = (g->start + g->len - cap) % cap;
		g->len = cap;
		g->dropped = true;
	}
}

/* The ring as a string, starting at a line when older output was dropped, with `note` (if
 * any) at the end; NUL bytes become '?' so that the string is the whole tail. */
static void ring_out(const struct ring *g, const char *note, char out[TRANSPORT_TAIL])
{
	const size_t cap = sizeof(g->buf);
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
/* Start argv with stdin from `in`, stdout and stderr into `out` (neither below 3: the file
 * actions dup2 onto 0, 1 and 2 in turn), in a process group of its own, every disposition
 * SIG_DFL (a SIG_IGN would survive exec), an empty signal mask, no other descriptor. glibc
 * blocks every signal across the clone and resets the runner's handlers in the child before
 * it unblocks them, so none of them runs there. posix_spawn returns once the child has
 * exec'd (CLONE_VFORK), or with the error of whatever failed before (reaping the child):
 * almost always the exec itself. The pid, or -1 with err set. */
static pid_t spawn_child(const char *const *argv, int in, int out, char *err, size_t errlen)
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
	else if ((e = posix_spawn(&pid, argv[0], &fa, &at, (char *const *)argv, environ)) != 0) {
		util_err(err, errlen, "exec %s: %s", argv[0], strerror(e));
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
	execve(a->argv[0], (char *const *)a->argv, environ);
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

/* Has the child ended (left unreaped, so that its pid and group id stay ours)? */
static bool child_ended(pid_t pid)
{
	siginfo_t si;
	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0)
			return si.si_pid == pid;
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

static int poll_ms(long long now, long long until, int ms)
{
	if (until > 0) {
		long long left = (until - now + 999999) / 1000000;
		if (left < ms)
			ms = left < 0 ? 0 : (int)left;
	}
	return ms;
}

int proc_run(const char *const *argv, unsigned flags, const struct transport_cmd *c, const volatile int *abort,
	     struct transport_result *r, char *err, size_t errlen)
{
	int cap = -1, in = -1, hold = -1, out[2] = { -1, -1 }, ep[2] = { -1, -1 }, pidfd = -1, ret = -1;
	pid_t pid = -1;
	bool cap_nl = true;                 /* the capture file ends with a newline */
	int cap_errno = 0, poll_errno = 0;
	const char *capture = c->capture_path;
	char note[256] = "";
	struct ring ring;
	char buf[READ_CHUNK];

	memset(&ring, 0, sizeof(ring));

	memset(r, 0, sizeof(*r));
	r->status = -1;
	if (abort != NULL && *abort >= 2) {
		r->interrupted = true;
		return util_err(err, errlen, "not started: the run is being aborted");
	}

	if (capture != NULL) {
		do
			cap = open(capture, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0600);
		while (cap < 0 && errno == EINTR);
		if (cap < 0)
			return util_err(err, errlen, "open capture %s: %s", capture, strerror(errno));
		int n = snprintf(buf, sizeof(buf), "==== %s ====\n", c->label != NULL ? c->label : "command");
		if (util_write_all(cap, buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1) < 0) {
			util_err(err, errlen, "write capture %s: %s", capture, strerror(errno));
			goto out;
		}
	}

	if (flags & PROC_STDIN_PIPE) {
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0) {
			util_err(err, errlen, "pipe: %s", strerror(errno));
			goto out;
		}
		in = p[0];
		hold = p[1];
	} else {
		do
			in = open("/dev/null", O_RDONLY | O_CLOEXEC);
		while (in < 0 && errno == EINTR);
		if (in < 0) {
			util_err(err, errlen, "open /dev/null: %s", strerror(errno));
			goto out;
		}
	}
	if (pipe2(out, O_CLOEXEC) < 0) {
		util_err(err, errlen, "pipe: %s", strerror(errno));
		goto out;
	}
	if (fcntl(out[0], F_SETFL, O_NONBLOCK) < 0) {
		util_err(err, errlen, "fcntl: %s", strerror(errno));
		goto out;
	}

#ifdef PROC_SPAWN
	/* std fds may be among ours when the runner was started with 0, 1 or 2 closed */
	if (fd_above_std(&in) < 0 || fd_above_std(&out[1]) < 0) {
		util_err(err, errlen, "fcntl: %s", strerror(errno));
		goto out;
	}
	long long start = proc_now_ns();
	pid = spawn_child(argv, in, out[1], err, errlen);
	if (pid < 0)
		goto out;
	close_fd(&out[1]);
	close_fd(&in);
#else
	if (pipe2(ep, O_CLOEXEC) < 0) {
		util_err(err, errlen, "pipe: %s", strerror(errno));
		goto out;
	}
	struct rlimit rl;
	struct child_args ca = { argv, in, out[1], ep[1], 65536 };
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (1u << 20))
		ca.maxfd = (int)rl.rlim_cur;

	/* no handler of the runner's may run in the child before exec: block everything
	 * across fork, the child resets dispositions and then unblocks */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	long long start = proc_now_ns();
	pid = fork();
	if (pid == 0)
		child_run(&ca);
	int fork_errno = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		util_err(err, errlen, "fork: %s", strerror(fork_errno));
		goto out;
	}
	(void)setpgid(pid, pid); /* also here, so that the group exists before any kill of ours */
	close_fd(&ep[1]);
	close_fd(&out[1]);
	close_fd(&in);

	struct child_err ce;
	ssize_t got;
	do
		got = read(ep[0], &ce, sizeof(ce));
	while (got < 0 && errno == EINTR);
	close_fd(&ep[0]);
	if (got != 0) {
		int st;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		pid = -1;
		if (got != (ssize_t)sizeof(ce))
			util_err(err, errlen, "exec %s: %s", argv[0], got < 0 ? strerror(errno) : "lost the child's report");
		else if (ce.stage == STAGE_EXEC)
			util_err(err, errlen, "exec %s: %s", argv[0], strerror(ce.err));
		else
			util_err(err, errlen, "%s: %s",
				 ce.stage == STAGE_SETPGID ? "setpgid" : ce.stage == STAGE_DUP ? "dup2" : "sigaction",
				 strerror(ce.err));
		goto out;
	}
#endif
	pidfd = open_pidfd(pid);

	bool ended = false, eof = false;
	int killing = 0;                    /* 1: SIGTERM sent, 2: SIGKILL sent */
	long long deadline = c->timeout_ns > 0 ? start + c->timeout_ns : 0, t_kill = 0, drain_end = 0;
	for (;;) {
		long long now = proc_now_ns();
		if (killing == 0) {
			if (deadline > 0 && now >= deadline)
				r->timed_out = true;
			else if (abort != NULL && *abort >= 2)
				r->interrupted = true;
			if (r->timed_out || r->interrupted) {
				kill_group(pid, SIGTERM);
				killing = 1;
				t_kill = now + KILL_GRACE_NS;
			}
		}
		if (killing == 1 && now >= t_kill) {
			kill_group(pid, SIGKILL);
			killing = 2;
			drain_end = now + KILLED_DRAIN_NS;
			t_kill = now + UNKILLABLE_NS;
		}
		if (!ended && child_ended(pid)) {
			ended = true;
			if (killing == 0)
				drain_end = now + DRAIN_NS;
		}
		if (ended) {
			/* killed: all of the group gone, or SIGKILL'ed and drained; else drained */
			if (killing == 1 ? eof && !group_has_others(pid, pid) : eof || now >= drain_end)
				break;
		} else if (killing == 2 && now >= t_kill) {
			util_err(err, errlen, "process %d did not end after SIGKILL", (int)pid);
			pid = -1; /* left to init: waiting longer would hang the run */
			goto out;
		}

		int ms = ended || pidfd >= 0 ? TICK_MS : TICK_NO_PIDFD_MS;
		ms = poll_ms(now, deadline, ms);
		ms = poll_ms(now, killing ? t_kill : 0, ms);
		ms = poll_ms(now, ended || killing == 2 ? drain_end : 0, ms);
		struct pollfd pf[2];
		nfds_t n = 0;
		if (!eof)
			pf[n++] = (struct pollfd){ .fd = out[0], .events = POLLIN };
		if (!ended && pidfd >= 0)
			pf[n++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
		if (poll(pf, n, ms) < 0) {
			if (errno == EINTR)
				continue;
			poll_errno = errno;
			kill_group(pid, SIGKILL);
			break;
		}
		if (eof || pf[0].revents == 0)
			continue;
		for (int i = 0; i < 16; i++) { /* a bounded batch, then look at the clock again */
			ssize_t k = read(out[0], buf, sizeof(buf));
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0 && errno == EAGAIN)
				break;
			if (k <= 0) {
				if (k < 0)
					snprintf(note, sizeof(note), "\n[hotplan: read output: %s]\n", strerror(errno));
				eof = true;
				close_fd(&out[0]);
				break;
			}
			ring_put(&ring, buf, (size_t)k);
			if (cap >= 0 && cap_errno == 0) {
				if (util_write_all(cap, buf, (size_t)k) < 0)
					cap_errno = errno;
				else
					cap_nl = buf[k - 1] == '\n';
			}
		}
	}
	if (killing > 0)
		kill_group(pid, SIGKILL); /* the unreaped leader keeps the group id ours: no stray kill */

	int st;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno == EINTR)
			continue;
		util_err(err, errlen, "waitpid: %s", strerror(errno));
		pid = -1;
		goto out;
	}
	pid = -1;
	r->seconds = (double)(proc_now_ns() - start) / 1e9;
	if (WIFEXITED(st))
		r->status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		r->signal = WTERMSIG(st);
	if (poll_errno != 0)
		util_err(err, errlen, "poll: %s", strerror(poll_errno));
	else
		ret = 0;

out:
	if (pid > 0) { /* only on a failure after fork: do not leave it running or unreaped */
		kill_group(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (cap >= 0) {
		if (cap_errno == 0) {
			char end[160];
			int n = 0;
			if (ret < 0 && err != NULL && errlen > 0)
				n = snprintf(end, sizeof(end), "%s[hotplan: %s]\n", cap_nl ? "" : "\n", err);
			else if (r->timed_out || r->interrupted)
				n = snprintf(end, sizeof(end), "%s[hotplan: %s after %.1f s: process group killed]\n",
					     cap_nl ? "" : "\n", r->timed_out ? "timed out" : "interrupted", r->seconds);
			else if (!cap_nl)
				n = snprintf(end, sizeof(end), "\n");
			if (n > 0 && util_write_all(cap, end, (size_t)n < sizeof(end) ? (size_t)n : sizeof(end) - 1) < 0)
				cap_errno = errno;
		}
		if (close(cap) < 0 && errno != EINTR && cap_errno == 0)
			cap_errno = errno;
		if (cap_errno != 0)
			snprintf(note, sizeof(note), "\n[hotplan: write capture %s: %s]\n", capture, strerror(cap_errno));
	}
	ring_out(&ring, note[0] != '\0' ? note : NULL, r->tail);
	close_fd(&hold);
	close_fd(&in);
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&ep[0]);
	close_fd(&ep[1]);
	if (pidfd >= 0)
		close(pidfd);
	return ret;
}
