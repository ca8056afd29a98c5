/* hotplan-posix-test.c: the real parts behind the `posix-test` profile (plans/profiles/
 * posix-test.hplan, docs/profiles.md): a sandbox directory plays an Exchange server, so that
 * `hotplan run` on local: and ssh:// nodes changes real things that a test can check.
 *
 *   SANDBOX/bin/hpt          a copy of this program (what the profile runs)
 *   SANDBOX/config           node=, store_service=, store_process=, cluster_service=, …
 *   SANDBOX/stores/          the stores (a cluster: a link to CLUSTER/stores, shared):
 *       NAME.edb             the database: a mounted store is this file held open by the daemon
 *       NAME.state           "mounted" while the daemon holds it, "clean" once closed cleanly;
 *                            "mounted" with no daemon: it was killed (soft recovery pending)
 *       NAME.dismounted      dismounted by an operator: the daemon leaves it closed
 *       recovery.log         one line per soft recovery (node, store, Ese.dll's version)
 *       events.log           what happened, in order (start, stop, kill, dismount, mount, …)
 *   SANDBOX/files/FILE       a versioned file (Ese.dll): its content is its version
 *   SANDBOX/pending/FILE     a cluster node's installed file, in place at the next restart
 *   SANDBOX/hotfixes/H       the hotfix is installed ("installed" or "pending")
 *   SANDBOX/services/S       a plain service that runs (S is neither the store service nor
 *                            the cluster service)
 *   SANDBOX/run/             store.pid, store.ready, restarting, daemon.log
 *   SANDBOX/fail/VERB        makes VERB fail (its content is the message): failure injection
 *   CLUSTER/members/NODE     the node is a cluster member (its cluster service runs)
 *   CLUSTER/groups/GROUP     the group's owner
 *   CLUSTER/resources/RES    its RestartAction: 2 restart, 0 do not restart
 *   CLUSTER/nodes/NODE       the node's sandbox
 *
 * The daemon (`hpt SANDBOX daemon`, started by start-service) plays store.exe: its process
 * name is the store process's, it writes its pid file, mounts every store that is not
 * dismounted (soft-recovering those a killed daemon left), closes and reopens stores on SIGHUP
 * as the markers say, and on SIGTERM marks its stores clean and exits. SIGKILL leaves them
 * "mounted": dirty. Names in file names are percent-encoded; every name reaches the files as
 * data. Exit status: 0 done / true, 1 false or failed, 2 usage or an unknown name. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define WAIT_STEP_NS 20000000L
#define WAIT_LIMIT_S 20
#define MAX_STORES 256

/* A test helper that lives for one command (or as a daemon until stopped): what it
 * allocates is freed at exit, which LeakSanitizer need not report. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

static const char *S;         /* the sandbox */
static char cfg_node[256], cfg_store_service[256] = "MSExchangeIS", cfg_store_process[256] = "store.exe";
static char cfg_cluster_service[256] = "ClusSvc", cfg_resource[256] = "Exchange Information Store Instance";
static char cfg_resource_group[256] = "Exchange", cfg_dll[256] = "Ese.dll";
static char cfg_cluster[PATH_MAX];  /* "" standalone */
static double cfg_boot_delay = 1.0;

static void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static void die(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("hpt: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(code);
}

static char *path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *path(const char *fmt, ...)
{
	va_list ap;
	char *p = NULL;
	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) < 0)
		die(1, "out of memory");
	va_end(ap);
	return p;
}

/* Percent-encoding: a name becomes one safe file name. */
static char *enc(const char *s)
{
	size_t n = strlen(s);
	char *o = malloc(3 * n + 1), *p = o;
	if (o == NULL)
		die(1, "out of memory");
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_' ||
		    *c == '-' || (*c == '.' && c != (const unsigned char *)s))
			*p++ = (char)*c;
		else
			p += sprintf(p, "%%%02X", *c);
	}
	*p = '\0';
	return o;
}

static char *dec(const char *s, size_t n)
{
	char *o = malloc(n + 1), *p = o;
	if (o == NULL)
		die(1, "out of memory");
	for (size_t i = 0; i < n; i++) {
		unsigned x;
		/* NOLINTNEXTLINE(cert-err34-c): two hex digits at most cannot overflow; the count is checked */
		if (s[i] == '%' && i + 2 < n && sscanf(s + i + 1, "%2x", &x) == 1) {
			*p++ = (char)x;
			i += 2;
		} else {
			*p++ = s[i];
		}
	}
	*p = '\0';
	return o;
}

static bool exists(const char *p)
{
	struct stat st;
	return lstat(p, &st) == 0;
}

/* The whole file (NUL-terminated, trailing newlines cut), or NULL. */
static char *slurp(const char *p)
{
	FILE *f = fopen(p, "re");
	if (f == NULL)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			char *nb = realloc(buf, cap);
			if (nb == NULL)
				die(1, "out of memory");
			buf = nb;
		}
		size_t k = fread(buf + n, 1, cap - n - 1, f);
		n += k;
		if (k == 0)
			break;
	}
	(void)fclose(f); /* read only: nothing to lose */
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return buf;
}

/* Write a file atomically (tmp + rename), durable enough for a test. */
static void put(const char *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(const char *p, const char *fmt, ...)
{
	char *tmp = path("%s.tmp.%d", p, (int)getpid());
	FILE *f = fopen(tmp, "we");
	if (f == NULL)
		die(1, "write %s: %s", p, strerror(errno));
	va_list ap;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0)
		die(1, "write %s: %s", p, strerror(errno));
	if (rename(tmp, p) < 0)
		die(1, "rename %s: %s", p, strerror(errno));
	free(tmp);
}

static void append(const char *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append(const char *p, const char *fmt, ...)
{
	int fd = open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		die(1, "open %s: %s", p, strerror(errno));
	char *line = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0 || write(fd, line, (size_t)n) != n)
		die(1, "append %s: %s", p, strerror(errno));
	free(line);
	close(fd);
}

static void now_text(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	if (strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		die(1, "strftime: a buffer of %zu bytes is too small", len);
}

/* A number of seconds (>= 0, all of s) into *out. */
static bool seconds(const char *s, double *out)
{
	char *end = NULL;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !(v >= 0))
		return false;
	*out = v;
	return true;
}

static void mkdirs(const char *p)
{
	char *c = strdup(p);
	for (char *s = c + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			(void)mkdir(c, 0755);
			*s = '/';
		}
	if (mkdir(c, 0755) < 0 && errno != EEXIST)
		die(1, "mkdir %s: %s", c, strerror(errno));
	free(c);
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- the sandbox ------------------------------------------------------------------------ */

static void event(const char *sandbox, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void event(const char *sandbox, const char *fmt, ...)
{
	char when[64], *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		die(1, "out of memory");
	va_end(ap);
	now_text(when, sizeof(when));
	char *p = path("%s/stores/events.log", sandbox);
	append(p, "%s %s\n", when, msg);
	free(p);
	free(msg);
}

static void load_config(const char *sandbox)
{
	char *p = path("%s/config", sandbox);
	FILE *f = fopen(p, "re");
	if (f == NULL)
		die(2, "%s is not a sandbox (no config): run `hpt %s init` first", sandbox, sandbox);
	char line[PATH_MAX + 64];
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		char *eq = strchr(line, '=');
		if (eq == NULL)
			continue;
		*eq++ = '\0';
		struct { const char *k; char *v; size_t n; } keys[] = {
			{ "node", cfg_node, sizeof(cfg_node) },
			{ "store_service", cfg_store_service, sizeof(cfg_store_service) },
			{ "store_process", cfg_store_process, sizeof(cfg_store_process) },
			{ "cluster_service", cfg_cluster_service, sizeof(cfg_cluster_service) },
			{ "resource", cfg_resource, sizeof(cfg_resource) },
			{ "resource_group", cfg_resource_group, sizeof(cfg_resource_group) },
			{ "dll", cfg_dll, sizeof(cfg_dll) },
			{ "cluster", cfg_cluster, sizeof(cfg_cluster) },
		};
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strcmp(line, keys[i].k) == 0)
				snprintf(keys[i].v, keys[i].n, "%s", eq);
		if (strcmp(line, "boot_delay") == 0 && !seconds(eq, &cfg_boot_delay))
			die(2, "%s: boot_delay=%s is not a number of seconds", p, eq);
	}
	(void)fclose(f); /* read only: nothing to lose */
	free(p);
}

/* A configured failure: S/fail/VERB holds the message. */
static void maybe_fail(const char *verb)
{
	char *p = path("%s/fail/%s", S, verb);
	char *msg = slurp(p);
	if (msg != NULL)
		die(1, "%s failed: %s", verb, msg[0] ? msg : "(injected failure)");
	free(p);
}

/* ---- the daemon's liveness --------------------------------------------------------------- */

/* The daemon of a sandbox: its pid when it runs (its name is the store process's), else 0. */
static pid_t daemon_pid(const char *sandbox)
{
	char *p = path("%s/run/store.pid", sandbox);
	char *s = slurp(p);
	free(p);
	if (s == NULL)
		return 0;
	char *end = NULL;
	long v = strtol(s, &end, 10);
	pid_t pid = end != s && *end == '\0' && v > 0 && v <= INT_MAX ? (pid_t)v : 0;
	free(s);
	if (pid <= 0 || kill(pid, 0) < 0)
		return 0;
#ifdef __linux__
	char *st = path("/proc/%d/stat", (int)pid);
	char *txt = slurp(st);
	free(st);
	if (txt == NULL)
		return 0;
	char *rp = strrchr(txt, ')');
	bool zombie = rp == NULL || rp[1] == '\0' || rp[2] == 'Z' || rp[2] == 'X';
	free(txt);
	if (zombie)
		return 0;
	char *cp = path("/proc/%d/comm", (int)pid);
	char *comm = slurp(cp);
	free(cp);
	/* the kernel keeps the first 15 bytes of a process name */
	size_t want = strnlen(cfg_store_process, 15);
	bool ours = comm != NULL && strlen(comm) == want && memcmp(comm, cfg_store_process, want) == 0;
	free(comm);
	if (!ours)
		return 0;
#endif
	return pid;
}

/* Does the daemon hold `file` open? (/proc/PID/fd on Linux; elsewhere: its state file.) */
static bool holds(pid_t pid, const char *file)
{
#ifdef __linux__
	char real[PATH_MAX];
	if (realpath(file, real) == NULL)
		return false;
	char *d = path("/proc/%d/fd", (int)pid);
	DIR *dir = opendir(d);
	bool found = false;
	if (dir != NULL) {
		struct dirent *e;
		while (!found && (e = readdir(dir)) != NULL) {
			char link[PATH_MAX], *lp = path("%s/%s", d, e->d_name);
			ssize_t n = readlink(lp, link, sizeof(link) - 1);
			free(lp);
			if (n > 0) {
				link[n] = '\0';
				found = strcmp(link, real) == 0;
			}
		}
		closedir(dir);
	}
	free(d);
	return found;
#else
	(void)pid, (void)file;
	return true;
#endif
}

/* ---- stores --------------------------------------------------------------------------- */

struct store {
	char *name;        /* decoded */
	char *base;        /* SANDBOX/stores/ENC (no suffix) */
};

static int stores_of(const char *sandbox, struct store *out, int max)
{
	char *d = path("%s/stores", sandbox);
	DIR *dir = opendir(d);
	int n = 0;
	if (dir == NULL)
		die(1, "open %s: %s", d, strerror(errno));
	struct dirent *e;
	while ((e = readdir(dir)) != NULL && n < max) {
		size_t len = strlen(e->d_name);
		if (len <= 4 || strcmp(e->d_name + len - 4, ".edb") != 0)
			continue;
		out[n].name = dec(e->d_name, len - 4);
		out[n].base = path("%s/%.*s", d, (int)(len - 4), e->d_name);
		n++;
	}
	closedir(dir);
	free(d);
	/* a stable order: by name */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && strcmp(out[j - 1].name, out[j].name) > 0; j--) {
			struct store t = out[j];
			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

static void stores_free(struct store *st, int n)
{
	for (int i = 0; i < n; i++) {
		free(st[i].name);
		free(st[i].base);
	}
}

static char *store_base(const char *sandbox, const char *name)
{
	char *e = enc(name);
	char *b = path("%s/stores/%s", sandbox, e);
	free(e);
	char *edb = path("%s.edb", b);
	if (!exists(edb))
		die(2, "no store \"%s\" on %s", name, cfg_node);
	free(edb);
	return b;
}

static char *state_of(const char *base)
{
	char *p = path("%s.state", base);
	char *s = slurp(p);
	free(p);
	return s ? s : strdup("clean");
}

/* ---- the daemon ------------------------------------------------------------------------- */

static volatile sig_atomic_t got_hup, got_term;

static void on_sig(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

struct held {
	char *base;
	char *name;
	int fd;          /* -1: closed */
};

static const char *file_version(const char *sandbox, const char *file);

static void recover(const char *sandbox, struct held *h)
{
	char when[64];
	now_text(when, sizeof(when));
	char *log = path("%s/stores/recovery.log", sandbox);
	const char *ver = file_version(sandbox, cfg_dll);
	append(log, "%s %s recovered \"%s\" (soft recovery, %s %s)\n", when, cfg_node, h->name, cfg_dll, ver);
	free(log);
	event(sandbox, "%s recover %s", cfg_node, h->name);
}

static void mount_one(const char *sandbox, struct held *h)
{
	char *edb = path("%s.edb", h->base), *st = path("%s.state", h->base);
	h->fd = open(edb, O_RDWR | O_CLOEXEC);
	if (h->fd < 0) {
		fprintf(stderr, "daemon: open %s: %s\n", edb, strerror(errno));
	} else {
		put(st, "mounted\n");
		event(sandbox, "%s mounted %s", cfg_node, h->name);
	}
	free(edb);
	free(st);
}

static void close_one(const char *sandbox, struct held *h, const char *why)
{
	if (h->fd < 0)
		return;
	char *st = path("%s.state", h->base);
	(void)fsync(h->fd); /* the daemon never writes the store: the state file says "clean" */
	close(h->fd);
	h->fd = -1;
	put(st, "clean\n");
	event(sandbox, "%s %s %s", cfg_node, why, h->name);
	free(st);
}

/* Open what is not dismounted, close what is. */
static void reconcile(const char *sandbox, struct held *h, int n)
{
	for (int i = 0; i < n; i++) {
		char *mark = path("%s.dismounted", h[i].base);
		bool dm = exists(mark);
		free(mark);
		if (dm && h[i].fd >= 0)
			close_one(sandbox, &h[i], "dismounted");
		else if (!dm && h[i].fd < 0)
			mount_one(sandbox, &h[i]);
	}
}

static int run_daemon(const char *sandbox)
{
#ifdef __linux__
	prctl(PR_SET_NAME, cfg_store_process, 0, 0, 0);
#endif
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	if (sigaction(SIGHUP, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
		die(1, "sigaction: %s", strerror(errno));

	char *pidf = path("%s/run/store.pid", sandbox), *ready = path("%s/run/store.ready", sandbox);
	put(pidf, "%d\n", (int)getpid());
	event(sandbox, "%s start %s (pid %d)", cfg_node, cfg_store_service, (int)getpid());

	static struct store st[MAX_STORES];
	static struct held h[MAX_STORES];
	int n = stores_of(sandbox, st, MAX_STORES);
	for (int i = 0; i < n; i++) {
		h[i] = (struct held){ st[i].base, st[i].name, -1 };
		char *state = state_of(st[i].base);
		if (strcmp(state, "mounted") == 0) {
			recover(sandbox, &h[i]);   /* a killed daemon left it: soft recovery first */
			char *sp = path("%s.state", st[i].base);
			put(sp, "clean\n");
			free(sp);
		}
		free(state);
	}
	reconcile(sandbox, h, n);
	put(ready, "%d\n", (int)getpid());

	while (!got_term) {
		sigsuspend(&old);
		if (got_hup) {
			got_hup = 0;
			reconcile(sandbox, h, n);
		}
	}
	for (int i = 0; i < n; i++)
		close_one(sandbox, &h[i], "closed");
	event(sandbox, "%s stop %s (pid %d)", cfg_node, cfg_store_service, (int)getpid());
	unlink(ready);
	unlink(pidf);
	return 0;
}

/* Start the daemon of `sandbox` (detached: its own session, no descriptor of ours) and wait
 * until it has mounted its stores. */
static void start_daemon(const char *sandbox)
{
	if (daemon_pid(sandbox) > 0)
		return;
	char *ready = path("%s/run/store.ready", sandbox), *hpt = path("%s/bin/hpt", sandbox);
	char *log = path("%s/run/daemon.log", sandbox);
	unlink(ready);
	pid_t pid = fork();
	if (pid < 0)
		die(1, "fork: %s", strerror(errno));
	if (pid == 0) {
		setsid();
		if (fork() != 0)
			_exit(0);
		int in = open("/dev/null", O_RDONLY), out = open(log, O_WRONLY | O_APPEND | O_CREAT, 0644);
		if (in < 0 || out < 0)
			_exit(1);
		if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
			_exit(1);
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
		if (chdir("/") < 0)
			_exit(1);
		execl(hpt, hpt, sandbox, "daemon", (char *)NULL);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	for (int i = 0; i < WAIT_LIMIT_S * 50; i++) {
		char *r = slurp(ready);
		if (r != NULL) {
			free(r);
			free(ready);
			free(hpt);
			free(log);
			return;
		}
		sleep_s(0.02);
	}
	die(1, "%s did not start (see %s)", cfg_store_service, log);
}

static void stop_daemon(const char *sandbox, int sig)
{
	pid_t pid = daemon_pid(sandbox);
	if (pid <= 0)
		return;
	if (sig == SIGKILL)
		event(sandbox, "%s kill %s (pid %d)", cfg_node, cfg_store_process, (int)pid);
	if (kill(pid, sig) < 0 && errno != ESRCH)
		die(1, "kill %d: %s", (int)pid, strerror(errno));
	for (int i = 0; i < WAIT_LIMIT_S * 50; i++) {
		if (daemon_pid(sandbox) != pid)
			return;
		sleep_s(0.02);
	}
	die(1, "%s (pid %d) did not end", cfg_store_process, (int)pid);
}

/* Tell the daemon to look at the markers, and wait until `base` is in state `want`. */
static void poke(const char *sandbox, const char *base, bool want_open)
{
	pid_t pid = daemon_pid(sandbox);
	if (pid <= 0)
		return;   /* not running: the store is offline anyway */
	kill(pid, SIGHUP);
	char *edb = path("%s.edb", base);
	for (int i = 0; i < WAIT_LIMIT_S * 50; i++) {
		char *state = state_of(base);
		bool is_open = strcmp(state, "mounted") == 0 && holds(pid, edb);
		free(state);
		if (is_open == want_open) {
			free(edb);
			return;
		}
		if (i % 25 == 24)
			kill(pid, SIGHUP);
		sleep_s(0.02);
	}
	die(1, "the store did not %s in time", want_open ? "mount" : "dismount");
}

/* ---- the cluster ------------------------------------------------------------------------ */

static bool clustered(void)
{
	return cfg_cluster[0] != '\0';
}

static char *cpath(const char *kind, const char *name)
{
	char *e = enc(name);
	char *p = path("%s/%s/%s", cfg_cluster, kind, e);
	free(e);
	return p;
}

static bool is_member(const char *node)
{
	char *p = cpath("members", node);
	bool m = exists(p);
	free(p);
	return m;
}

static void set_member(const char *node, bool on)
{
	char *p = cpath("members", node);
	if (on)
		put(p, "member\n");
	else
		unlink(p);
	free(p);
}

static char *owner_of(const char *group)
{
	char *p = cpath("groups", group);
	char *o = slurp(p);
	free(p);
	return o;
}

static char *sandbox_of(const char *node)
{
	char *p = cpath("nodes", node);
	char *s = slurp(p);
	free(p);
	if (s == NULL)
		die(2, "no node '%s' in the cluster", node);
	return s;
}

static bool owns_store_group(const char *node)
{
	char *o = owner_of(cfg_resource_group);
	bool yes = o != NULL && strcmp(o, node) == 0;
	free(o);
	return yes;
}

static bool restart_enabled(const char *res)
{
	char *p = cpath("resources", res);
	char *v = slurp(p);
	free(p);
	bool on = v == NULL || strcmp(v, "0") != 0;
	free(v);
	return on;
}

/* ---- files and hotfixes ------------------------------------------------------------------ */

static const char *file_version(const char *sandbox, const char *file)
{
	static char ver[128];
	char *e = enc(file);
	char *p = path("%s/files/%s", sandbox, e);
	char *v = slurp(p);
	snprintf(ver, sizeof(ver), "%s", v ? v : "0.0.0.0");
	free(v);
	free(p);
	free(e);
	return ver;
}

/* Put the pending files in place (a restart). */
static void apply_pending(const char *sandbox)
{
	char *d = path("%s/pending", sandbox);
	DIR *dir = opendir(d);
	if (dir != NULL) {
		struct dirent *e;
		while ((e = readdir(dir)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			char *from = path("%s/%s", d, e->d_name), *to = path("%s/files/%s", sandbox, e->d_name);
			if (rename(from, to) < 0)
				die(1, "rename %s: %s", from, strerror(errno));
			free(from);
			free(to);
		}
		closedir(dir);
	}
	free(d);
	d = path("%s/hotfixes", sandbox);
	dir = opendir(d);
	if (dir != NULL) {
		struct dirent *e;
		while ((e = readdir(dir)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			char *p = path("%s/%s", d, e->d_name);
			put(p, "installed\n");
			free(p);
		}
		closedir(dir);
	}
	free(d);
}

/* ---- services -------------------------------------------------------------------------- */

enum svc_kind { SVC_STORE, SVC_CLUSTER, SVC_PLAIN };

static enum svc_kind svc_kind(const char *name, bool must_exist)
{
	if (strcmp(name, cfg_store_service) == 0)
		return SVC_STORE;
	if (clustered() && strcmp(name, cfg_cluster_service) == 0)
		return SVC_CLUSTER;
	if (must_exist) {
		char *e = enc(name), *p = path("%s/services/%s", S, e);
		bool known = exists(p) || exists(path("%s/services/%s.stopped", S, e));
		free(p);
		free(e);
		if (!known)
			die(2, "no service \"%s\" on %s", name, cfg_node);
	}
	return SVC_PLAIN;
}

static void plain_service(const char *name, bool run)
{
	char *e = enc(name), *on = path("%s/services/%s", S, e), *off = path("%s/services/%s.stopped", S, e);
	if (run) {
		put(on, "running\n");
		unlink(off);
	} else {
		put(off, "stopped\n");
		unlink(on);
	}
	free(e);
	free(on);
	free(off);
}

static bool plain_running(const char *name)
{
	char *e = enc(name), *on = path("%s/services/%s", S, e);
	bool r = exists(on);
	free(e);
	free(on);
	return r;
}

/* ---- verbs ---------------------------------------------------------------------------- */

static int usage(void)
{
	fputs("usage: hpt SANDBOX VERB [ARG…]\n"
	      "  init --node NAME [--store NAME]… [--version V] [--cluster DIR [--owner]] [--service NAME]…\n"
	      "       [--boot-delay SECONDS]\n"
	      "  start-service S | stop-service S | kill-process P | dismount STORE | mount STORE\n"
	      "  install HOTFIX FILES RESTARTS | restart-node | move-group GROUP NODE | set-restart RES 0|2\n"
	      "  service-running S | process-running P | store-mounted STORE | store-dismounted STORE\n"
	      "  member [NODE] | group-owner GROUP | hotfix-installed H | file-version FILE\n"
	      "  restart-enabled RES | up | list-stores | status | daemon | boot\n", stderr);
	return 2;
}

static void copy_self(const char *to)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		die(1, "readlink /proc/self/exe: %s", strerror(errno));
	self[n] = '\0';
	int in = open(self, O_RDONLY | O_CLOEXEC);
	char *tmp = path("%s.tmp", to);
	int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (in < 0 || out < 0)
		die(1, "copy %s to %s: %s", self, to, strerror(errno));
	char buf[65536];
	ssize_t k;
	while ((k = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)k) != k)
			die(1, "write %s: %s", tmp, strerror(errno));
	close(in);
	if (close(out) < 0 || rename(tmp, to) < 0)
		die(1, "copy to %s: %s", to, strerror(errno));
	free(tmp);
}

static int do_init(int argc, char **argv)
{
	const char *node = NULL, *version = "6.5.7226.0", *cluster = NULL;
	bool owner = false;
	double boot_delay = 1.0;
	const char *stores[MAX_STORES], *services[64];
	int nstores = 0, nservices = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--owner") == 0) {
			owner = true;
			continue;
		}
		if (v == NULL)
			return usage();
		i++;
		if (strcmp(a, "--node") == 0)
			node = v;
		else if (strcmp(a, "--store") == 0 && nstores < MAX_STORES)
			stores[nstores++] = v;
		else if (strcmp(a, "--service") == 0 && nservices < 64)
			services[nservices++] = v;
		else if (strcmp(a, "--version") == 0)
			version = v;
		else if (strcmp(a, "--cluster") == 0)
			cluster = v;
		else if (strcmp(a, "--boot-delay") == 0 && seconds(v, &boot_delay))
			continue;
		else
			return usage();
	}
	if (node == NULL)
		return usage();
	mkdirs(S);
	char sreal[PATH_MAX];
	if (realpath(S, sreal) == NULL)
		die(1, "realpath %s: %s", S, strerror(errno));
	S = strdup(sreal);
	const char *dirs[] = { "bin", "files", "pending", "hotfixes", "services", "run", "fail" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		mkdirs(path("%s/%s", S, dirs[i]));
	copy_self(path("%s/bin/hpt", S));
	char creal[PATH_MAX] = "";
	if (cluster != NULL) {
		mkdirs(cluster);
		if (realpath(cluster, creal) == NULL)
			die(1, "realpath %s: %s", cluster, strerror(errno));
		const char *cd[] = { "stores", "members", "groups", "resources", "nodes" };
		for (size_t i = 0; i < sizeof(cd) / sizeof(cd[0]); i++)
			mkdirs(path("%s/%s", creal, cd[i]));
		char *link = path("%s/stores", S);
		unlink(link);
		if (symlink(path("%s/stores", creal), link) < 0)
			die(1, "symlink %s: %s", link, strerror(errno));
	} else {
		mkdirs(path("%s/stores", S));
	}
	put(path("%s/config", S),
	    "node=%s\nstore_service=%s\nstore_process=%s\ncluster_service=%s\nresource=%s\nresource_group=%s\n"
	    "dll=%s\ncluster=%s\nboot_delay=%g\n",
	    node, cfg_store_service, cfg_store_process, cfg_cluster_service, cfg_resource, cfg_resource_group, cfg_dll,
	    creal, boot_delay);
	load_config(S);
	put(path("%s/files/%s", S, enc(cfg_dll)), "%s\n", version);
	for (int i = 0; i < nservices; i++)
		plain_service(services[i], true);
	for (int i = 0; i < nstores; i++) {
		char *b = path("%s/stores/%s", S, enc(stores[i]));
		char *edb = path("%s.edb", b);
		if (!exists(edb))
			put(edb, "database \"%s\"\n", stores[i]);
		if (!exists(path("%s.state", b)))
			put(path("%s.state", b), "clean\n");
	}
	if (clustered()) {
		put(cpath("nodes", node), "%s\n", S);
		set_member(node, true);
		if (owner) {
			put(cpath("groups", cfg_resource_group), "%s\n", node);
			put(cpath("groups", "Cluster Group"), "%s\n", node);
			if (!exists(cpath("resources", cfg_resource)))
				put(cpath("resources", cfg_resource), "2\n");
		}
	}
	return 0;
}

/* What a node does when it starts: cluster service, the store service where it belongs. */
static void boot(void)
{
	apply_pending(S);
	if (clustered()) {
		set_member(cfg_node, true);
		if (owns_store_group(cfg_node))
			start_daemon(S);
	} else {
		start_daemon(S);
	}
	char *r = path("%s/run/restarting", S);
	unlink(r);
	free(r);
	event(S, "%s booted", cfg_node);
}

static int do_restart(void)
{
	maybe_fail("restart-node");
	char *r = path("%s/run/restarting", S);
	put(r, "restarting\n");
	event(S, "%s restart", cfg_node);
	stop_daemon(S, SIGTERM);
	if (clustered())
		set_member(cfg_node, false);
	/* the machine comes back by itself, a little later */
	pid_t pid = fork();
	if (pid < 0)
		die(1, "fork: %s", strerror(errno));
	if (pid == 0) {
		setsid();
		if (fork() != 0)
			_exit(0);
		char *log = path("%s/run/daemon.log", S);
		int in = open("/dev/null", O_RDONLY), out = open(log, O_WRONLY | O_APPEND | O_CREAT, 0644);
		if (in < 0 || out < 0)
			_exit(1);
		if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
			_exit(1);
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
		sleep_s(cfg_boot_delay);
		boot();
		_exit(0);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	free(r);
	return 0;
}

static int do_install(const char *hotfix, const char *files, const char *restarts)
{
	maybe_fail("install");
	char *e = enc(hotfix);
	char *hf = path("%s/hotfixes/%s", S, e);
	event(S, "%s install %s", cfg_node, hotfix);
	/* the services the installer restarts (stand-alone: as the KB says) */
	bool store = false;
	for (const char *p = restarts; p && *p;) {
		size_t n = strcspn(p, "\n");
		if (n == strlen(cfg_store_service) && strncmp(p, cfg_store_service, n) == 0)
			store = true;
		p += n + (p[n] == '\n');
	}
	if (!clustered() && store)
		stop_daemon(S, SIGTERM);
	for (const char *p = files; p && *p;) {
		size_t n = strcspn(p, "\n");
		char *line = strndup(p, n), *eq = strrchr(line, '=');
		if (eq != NULL) {
			*eq = '\0';
			char *fe = enc(line);
			char *dst = clustered() ? path("%s/pending/%s", S, fe) : path("%s/files/%s", S, fe);
			put(dst, "%s\n", eq + 1);
			free(dst);
			free(fe);
		}
		free(line);
		p += n + (p[n] == '\n');
	}
	put(hf, "%s\n", clustered() ? "pending" : "installed");
	if (!clustered() && store)
		start_daemon(S);
	free(hf);
	free(e);
	return 0;
}

static int do_move(const char *group, const char *to)
{
	maybe_fail("move-group");
	if (!clustered())
		die(2, "%s is not a cluster node", cfg_node);
	char *from = owner_of(group);
	if (from == NULL)
		die(2, "no group \"%s\"", group);
	if (strcmp(from, to) == 0)
		return 0;
	if (!is_member(to))
		die(1, "cannot move group \"%s\" to %s: the node is not up in the cluster", group, to);
	bool holds_store = strcmp(group, cfg_resource_group) == 0;
	if (holds_store) {
		char *sb = sandbox_of(from);
		stop_daemon(sb, SIGTERM);
		free(sb);
	}
	put(cpath("groups", group), "%s\n", to);
	event(S, "move %s from %s to %s", group, from, to);
	if (holds_store) {
		char *sb = sandbox_of(to);
		start_daemon(sb);
		free(sb);
	}
	free(from);
	return 0;
}

static int do_status(void)
{
	pid_t pid = daemon_pid(S);
	printf("node %s\n%s %s", cfg_node, cfg_store_service, pid > 0 ? "running" : "stopped");
	if (pid > 0)
		printf(" (pid %d)", (int)pid);
	printf("\n%s %s\n", cfg_dll, file_version(S, cfg_dll));
	struct store st[MAX_STORES];
	int n = stores_of(S, st, MAX_STORES);
	for (int i = 0; i < n; i++) {
		char *state = state_of(st[i].base), *edb = path("%s.edb", st[i].base), *mk = path("%s.dismounted", st[i].base);
		printf("store \"%s\": %s%s%s\n", st[i].name, state, exists(mk) ? ", dismounted" : "",
		       pid > 0 && holds(pid, edb) ? ", held" : "");
		free(state);
		free(edb);
		free(mk);
	}
	stores_free(st, n);
	if (clustered())
		printf("member %s\n", is_member(cfg_node) ? "yes" : "no");
	return 0;
}

/* ---- dispatch ------------------------------------------------------------------------- */

/* The verbs that act: each checks its failure injection (SANDBOX/fail/VERB) first. */

static int verb_service(const char *verb, char **a)
{
	bool start = verb[2] == 'a';
	maybe_fail(verb);
	switch (svc_kind(a[0], true)) {
	case SVC_STORE:
		event(S, "%s %s-service %s", cfg_node, start ? "start" : "stop", a[0]);
		if (start)
			start_daemon(S);
		else
			stop_daemon(S, SIGTERM);
		break;
	case SVC_CLUSTER:
		set_member(cfg_node, start);
		event(S, "%s %s %s)", cfg_node, start ? "join (start" : "leave (stop", a[0]);
		break;
	case SVC_PLAIN:
		plain_service(a[0], start);
		break;
	}
	return 0;
}

static int verb_kill(const char *verb, char **a)
{
	maybe_fail(verb);
	if (strcmp(a[0], cfg_store_process) != 0)
		die(1, "no process \"%s\" on %s", a[0], cfg_node);
	if (daemon_pid(S) <= 0)
		die(1, "process \"%s\" is not running on %s", a[0], cfg_node);
	stop_daemon(S, SIGKILL);
	/* a cluster whose resource may restart does restart it (what HP114 is about) */
	if (clustered() && owns_store_group(cfg_node) && restart_enabled(cfg_resource) && is_member(cfg_node)) {
		event(S, "cluster restarts %s on %s", cfg_resource, cfg_node);
		start_daemon(S);
	}
	return 0;
}

static int verb_mount(const char *verb, char **a)
{
	bool dm = verb[0] == 'd';
	maybe_fail(verb);
	char *b = store_base(S, a[0]), *mark = path("%s.dismounted", b);
	event(S, "%s %s %s", cfg_node, verb, a[0]);
	if (dm)
		put(mark, "dismounted\n");
	else
		unlink(mark);
	poke(S, b, !dm);
	return 0;
}

static int verb_install(const char *verb, char **a)
{
	(void)verb;
	return do_install(a[0], a[1], a[2]);
}

static int verb_restart(const char *verb, char **a)
{
	(void)verb, (void)a;
	return do_restart();
}

static int verb_move(const char *verb, char **a)
{
	(void)verb;
	return do_move(a[0], a[1]);
}

static int verb_set_restart(const char *verb, char **a)
{
	maybe_fail(verb);
	if (!clustered())
		die(2, "%s is not a cluster node", cfg_node);
	put(cpath("resources", a[0]), "%s\n", a[1]);
	event(S, "resource %s RestartAction=%s", a[0], a[1]);
	return 0;
}

/* The probes: 0 true, 1 false. */

static int verb_service_running(const char *verb, char **a)
{
	(void)verb;
	switch (svc_kind(a[0], true)) {
	case SVC_STORE:
		return daemon_pid(S) > 0 ? 0 : 1;
	case SVC_CLUSTER:
		return is_member(cfg_node) ? 0 : 1;
	case SVC_PLAIN:
		return plain_running(a[0]) ? 0 : 1;
	}
	return 2;
}

static int verb_process_running(const char *verb, char **a)
{
	(void)verb;
	return strcmp(a[0], cfg_store_process) == 0 && daemon_pid(S) > 0 ? 0 : 1;
}

static int verb_store(const char *verb, char **a)
{
	char *b = store_base(S, a[0]), *edb = path("%s.edb", b), *mark = path("%s.dismounted", b);
	bool yes;
	if (verb[6] == 'd') {
		yes = exists(mark);
	} else {
		pid_t pid = daemon_pid(S);
		char *state = state_of(b);
		yes = pid > 0 && !exists(mark) && strcmp(state, "mounted") == 0 && holds(pid, edb);
		free(state);
	}
	free(b);
	free(edb);
	free(mark);
	return yes ? 0 : 1;
}

/* `member` alone asks about this node; a[0] is NULL then. */
static int verb_member(const char *verb, char **a)
{
	(void)verb;
	if (!clustered())
		die(2, "%s is not a cluster node", cfg_node);
	return is_member(a[0] != NULL ? a[0] : cfg_node) ? 0 : 1;
}

static int verb_group_owner(const char *verb, char **a)
{
	(void)verb;
	if (!clustered())
		die(2, "%s is not a cluster node", cfg_node);
	char *o = owner_of(a[0]);
	if (o == NULL)
		die(2, "no group \"%s\"", a[0]);
	printf("%s\n", o);
	return 0;
}

static int verb_hotfix_installed(const char *verb, char **a)
{
	(void)verb;
	char *p = path("%s/hotfixes/%s", S, enc(a[0]));
	return exists(p) ? 0 : 1;
}

static int verb_file_version(const char *verb, char **a)
{
	(void)verb;
	printf("%s\n", file_version(S, a[0]));
	return 0;
}

static int verb_restart_enabled(const char *verb, char **a)
{
	(void)verb;
	if (!clustered())
		die(2, "%s is not a cluster node", cfg_node);
	return restart_enabled(a[0]) ? 0 : 1;
}

static int verb_up(const char *verb, char **a)
{
	(void)verb, (void)a;
	char *r = path("%s/run/restarting", S);
	return exists(r) ? 1 : 0;
}

static int verb_list_stores(const char *verb, char **a)
{
	(void)verb, (void)a;
	struct store st[MAX_STORES];
	int n = stores_of(S, st, MAX_STORES);
	for (int i = 0; i < n; i++)
		printf("%s\n", st[i].name);
	stores_free(st, n);
	return 0;
}

/* Node life and inspection: any arguments are ignored. */

static int verb_daemon(const char *verb, char **a)
{
	(void)verb, (void)a;
	return run_daemon(S);
}

static int verb_boot(const char *verb, char **a)
{
	(void)verb, (void)a;
	boot();
	return 0;
}

static int verb_status(const char *verb, char **a)
{
	(void)verb, (void)a;
	return do_status();
}

#define ANY INT_MAX

static const struct verb {
	const char *name;
	int min, max;                       /* arguments after the verb */
	int (*run)(const char *verb, char **a);
} verbs[] = {
	{ "daemon", 0, ANY, verb_daemon },
	{ "boot", 0, ANY, verb_boot },
	{ "status", 0, ANY, verb_status },
	{ "start-service", 1, 1, verb_service },
	{ "stop-service", 1, 1, verb_service },
	{ "kill-process", 1, 1, verb_kill },
	{ "dismount", 1, 1, verb_mount },
	{ "mount", 1, 1, verb_mount },
	{ "install", 3, 3, verb_install },
	{ "restart-node", 0, 0, verb_restart },
	{ "move-group", 2, 2, verb_move },
	{ "set-restart", 2, 2, verb_set_restart },
	{ "service-running", 1, 1, verb_service_running },
	{ "process-running", 1, 1, verb_process_running },
	{ "store-mounted", 1, 1, verb_store },
	{ "store-dismounted", 1, 1, verb_store },
	{ "member", 0, 1, verb_member },
	{ "group-owner", 1, 1, verb_group_owner },
	{ "hotfix-installed", 1, 1, verb_hotfix_installed },
	{ "file-version", 1, 1, verb_file_version },
	{ "restart-enabled", 1, 1, verb_restart_enabled },
	{ "up", 0, 0, verb_up },
	{ "list-stores", 0, 0, verb_list_stores },
};

int main(int argc, char **argv)
{
	if (argc < 3)
		return usage();
	S = argv[1];
	const char *verb = argv[2];
	char **a = argv + 3;                /* argv[argc] is NULL: a[na] too */
	int na = argc - 3;

	if (strcmp(verb, "init") == 0)
		return do_init(na, a);
	load_config(S);
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(verb, verbs[i].name) != 0)
			continue;
		if (na < verbs[i].min || na > verbs[i].max)
			return usage();
		return verbs[i].run(verb, a);
	}
	return usage();
}
