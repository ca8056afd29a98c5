/* lock_target.c: the lock and last-run record on a real target's nodes, through their
 * transports (lock_target.h). Each operation is one short /bin/sh script run on each node,
 * all nodes at once (struct script); its answer is a few marked lines ("=taken", "=held" and
 * the holder file, "=last" and the record, "=end") read back from a private capture file, the
 * nodes' answers in node order. Design notes: docs/locks.md. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "digest.h"

#include "arena.h"
#include "leftover.h"
#include "lock_local.h"
#include "lock_target.h"
#include "shell_words.h"
#include "target_file.h"
#include "util.h"

#define HOLDER_MAGIC "hotplan-target-lock 1"
#define LAST_MAGIC "hotplan-target-last 1"
#define ANSWER_MAX ((size_t)4 * LOCK_TARGET_TEXT_MAX)
#define LOCK_TIMEOUT_NS (120LL * 1000000000LL)

/* ---- who holds it -------------------------------------------------------------------------- */

/* The start of process pid (field 22 of /proc/PID/stat: clock ticks after boot), or -1. */
static int64_t proc_start(int64_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%" PRId64 "/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);   /* read only */
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	const char *p = strrchr(buf, ')');   /* the command name may hold blanks and parentheses */
	if (p == NULL)
		return -1;
	p++;
	for (int field = 3; field <= 22 && p != NULL; field++) {
		while (*p == ' ')
			p++;
		if (field == 3 && (*p == 'Z' || *p == 'X'))
			return -1;   /* a zombie runs nothing */
		if (field == 22) {
			char *end;
			long long v = strtoll(p, &end, 10);
			return end == p ? -1 : (int64_t)v;
		}
		p = strchr(p, ' ');
	}
	return -1;
}

/* A value for one line of a holder or a record: a control character shown as '?'. */
static void put_value(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src != NULL && src[0] != '\0' ? src : "-");
	for (char *p = dst; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

int lock_holder_self(struct lock_holder *me, const char *run_id, const char *plan, const char *journal,
		     const char *target, char *err, size_t errlen)
{
	memset(me, 0, sizeof(*me));
	if (!target_file_value_ok(run_id) || strlen(run_id) >= sizeof(me->run_id))
		return util_err(err, errlen, "target lock: invalid run id");
	snprintf(me->run_id, sizeof(me->run_id), "%s", run_id);
	leftover_here(me->host, sizeof(me->host), me->boot, sizeof(me->boot));
	struct passwd pw, *res = NULL;
	char buf[4096];
	if (getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
		put_value(me->user, sizeof(me->user), pw.pw_name);
	else
		snprintf(me->user, sizeof(me->user), "uid%u", (unsigned)geteuid());
	me->pid = (int64_t)getpid();
	me->pidstart = proc_start(me->pid);
	me->started_ns = journal_now_ns();
	put_value(me->plan, sizeof(me->plan), plan);
	put_value(me->journal, sizeof(me->journal), journal);
	put_value(me->target, sizeof(me->target), target);
	return 0;
}

static void format_time(int64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "@%" PRId64, ns);
}

void lock_holder_text(const struct lock_holder *h, char *buf, size_t len)
{
	char when[64];
	format_time(h->started_ns, when, sizeof(when));
	snprintf(buf, len, "run %s (host %s, user %s, pid %" PRId64 ", since %s)", h->run_id, h->host, h->user, h->pid,
		 when);
}

static bool same_machine(const struct lock_holder *h)
{
	char host[LOCK_HOST_MAX], boot[64];
	leftover_here(host, sizeof(host), boot, sizeof(boot));
	return strcmp(host, h->host) == 0 && strcmp(boot, "?") != 0 && strcmp(boot, h->boot) == 0;
}

bool lock_holder_alive_here(const struct lock_holder *h)
{
	if (!same_machine(h) || h->pid <= 0 || (int64_t)(pid_t)h->pid != h->pid)
		return false;
	int64_t st = proc_start(h->pid);
	return st >= 0 && (h->pidstart < 0 || st == h->pidstart);
}

bool lock_holder_dead(const struct lock_holder *h)
{
	return same_machine(h) && !lock_holder_alive_here(h);
}

/* The holder file's text, without its last newline. */
static void holder_format(const struct lock_holder *h, char *buf, size_t len)
{
	snprintf(buf, len,
		 HOLDER_MAGIC "\nrun %s\nhost %s\nuser %s\npid %" PRId64 "\npidstart %" PRId64 "\nboot %s\nstarted %" PRId64
		 "\nplan %s\njournal %s\ntarget %s\nend",
		 h->run_id, h->host, h->user, h->pid, h->pidstart, h->boot, h->started_ns, h->plan, h->journal, h->target);
}

static bool holder_parse(const char *text, size_t n, struct lock_holder *h)
{
	char pid[32], pidstart[32], started[32];
	struct target_file_kv kv[] = {
		{ "run", h->run_id, sizeof(h->run_id), false, false },
		{ "host", h->host, sizeof(h->host), false, false },
		{ "user", h->user, sizeof(h->user), false, false },
		{ "pid", pid, sizeof(pid), false, false },
		{ "pidstart", pidstart, sizeof(pidstart), false, false },
		{ "boot", h->boot, sizeof(h->boot), false, false },
		{ "started", started, sizeof(started), false, false },
		{ "plan", h->plan, sizeof(h->plan), false, false },
		{ "journal", h->journal, sizeof(h->journal), false, false },
		{ "target", h->target, sizeof(h->target), false, false },
	};
	memset(h, 0, sizeof(*h));
	return target_file_parse(text, n, HOLDER_MAGIC, kv, sizeof(kv) / sizeof(kv[0])) &&
	       target_file_i64(pid, &h->pid) && target_file_i64(pidstart, &h->pidstart) &&
	       target_file_i64(started, &h->started_ns);
}

static bool last_parse(const char *text, size_t n, struct lock_target_last *l)
{
	char status[32], when[32];
	struct target_file_kv kv[] = {
		{ "run", l->run_id, sizeof(l->run_id), false, false },
		{ "status", status, sizeof(status), false, false },
		{ "host", l->host, sizeof(l->host), false, false },
		{ "user", l->user, sizeof(l->user), false, false },
		{ "journal", l->journal, sizeof(l->journal), false, false },
		{ "target", l->target, sizeof(l->target), false, false },
		{ "time", when, sizeof(when), false, false },
		{ "work", l->work, sizeof(l->work), false, true },     /* both, or neither (an older */
		{ "state", l->state, sizeof(l->state), false, true },  /* record) */
	};
	memset(l, 0, sizeof(*l));
	if (!target_file_parse(text, n, LAST_MAGIC, kv, sizeof(kv) / sizeof(kv[0])) || !target_file_i64(when, &l->time_ns) ||
	    kv[7].seen != kv[8].seen)
		return false;
	if (strcmp(l->work, "-") == 0)
		l->work[0] = '\0';
	for (int s = LAST_RUN_UNFINISHED; s <= LAST_RUN_UNCHANGED; s++)
		if (strcmp(status, last_run_status_name((enum last_run_status)s)) == 0) {
			l->status = (enum last_run_status)s;
			return true;
		}
	return false;
}

/* ---- talking to a node ------------------------------------------------------------------- */

/* A value as one shell word, in the arena. */
static const char *quoted(struct nodes *ns, const char *s)
{
	size_t cap = 4 * strlen(s) + 3;
	char *q = arena_alloc(&ns->ctx->arena, cap);
	shell_quote(s, q, cap);
	return q;
}

/* The script's first lines: L set to the lock directory (w: the profile's `lock` word, or
 * NULL), said. */
static const char *prelude(struct nodes *ns, const char *w)
{
	/* the profile's, else $HOTPLAN_LOCK_PATH (a lab's, a test's), else the default */
	const char *env = getenv("HOTPLAN_LOCK_PATH");
	const char *set = w != NULL ? arena_printf(&ns->ctx->arena, "L=%s", w)
			  : env != NULL && env[0] != '\0' ? arena_printf(&ns->ctx->arena, "L=%s", quoted(ns, env))
			  : "if [ \"$(id -u)\" = 0 ]; then L=/var/lib/hotplan/lock; else L=/var/tmp/hotplan-lock; fi";
	return arena_printf(&ns->ctx->arena,
			    "exec 2>/dev/null; umask 077\n%s\n"
			    "case $L in /*) ;; *) echo \"=error the lock path '$L' is not absolute\"; exit 0;; esac\n"
			    "while [ \"${L%%/}\" != \"$L\" ]; do L=${L%%/}; done\n"
			    "[ -n \"$L\" ] || { echo \"=error the lock path names the root directory\"; exit 0; }\n"
			    "echo \"=path $L\"\n", set);
}

/* The answer's marked lines. */
struct answer {
	char status[32];                     /* "taken", "held", … (the first "=" line after =path) */
	char detail[512];                    /* what follows it ("=error WHY") */
	const char *holder, *last;           /* the text after the status / after =last (NULL: none) */
	size_t nholder, nlast;
	bool ended;                          /* "=end" came */
};

/* Split the capture file's text (its header line first) into a. */
static void parse_answer(char *text, struct lock_node *ln, struct answer *a)
{
	memset(a, 0, sizeof(*a));
	char *p = strchr(text, '\n');   /* "==== lock ====" */
	p = p != NULL ? p + 1 : text;
	const char **sect = NULL;
	size_t *nsect = NULL;
	while (*p != '\0') {
		char *nl = strchr(p, '\n');
		size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (n > 0 && p[0] == '=') {
			if (sect != NULL)
				*nsect = (size_t)(p - *sect);
			sect = NULL;
			if (strncmp(p, "=path ", 6) == 0)
				snprintf(ln->path, sizeof(ln->path), "%.*s", (int)(n - 6), p + 6);
			else if (strncmp(p, "=last", n) == 0 && n == 5) {
				a->last = nl != NULL ? nl + 1 : p + n;
				sect = &a->last, nsect = &a->nlast;
			} else if (n == 4 && strncmp(p, "=end", 4) == 0) {
				a->ended = true;
				break;
			} else if (a->status[0] == '\0') {
				const char *sp = memchr(p, ' ', n);
				size_t w = sp != NULL ? (size_t)(sp - p) : n;
				snprintf(a->status, sizeof(a->status), "%.*s", (int)(w - 1), p + 1);
				if (sp != NULL)
					snprintf(a->detail, sizeof(a->detail), "%.*s", (int)(n - w - 1), sp + 1);
				a->holder = nl != NULL ? nl + 1 : p + n;
				sect = &a->holder, nsect = &a->nholder;
			}
		}
		p = nl != NULL ? nl + 1 : p + n;
	}
	if (sect != NULL)
		*nsect = (size_t)(p - *sect);
}

/* Read the capture file at path (whole, up to ANSWER_MAX bytes) into a malloc'd string. */
static char *read_answer(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *buf = malloc(ANSWER_MAX + 1);
	size_t got = 0;
	while (buf != NULL && got < ANSWER_MAX) {
		ssize_t r = read(fd, buf + got, ANSWER_MAX - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);   /* read only */
	if (buf != NULL)
		buf[got] = '\0';
	return buf;
}

/* One node's script: prepared in the calling thread (the arena is not thread-safe), run with
 * the other nodes' at once (nodes_run_all), its answer read in the calling thread, in node
 * order, so that what is said and decided is what it was when the nodes went one by one. On
 * a local: node whose lock path is literal the same operation is done in this process
 * instead (lock_local.h): no process at all. */
struct script {
	struct nodes_job job;
	const char *what;                    /* "take", "release", …: for a message */
	bool ready;                          /* prepared (else job.err says why not) */
	struct lock_local_op op;             /* what the script does, for lock_local_run */
	const char *here;                    /* the lock path when done in this process, else NULL */
	char *answer;                        /* its answer, done here (malloc'd; NULL: out of memory) */
};

/* The lock path of node n when its lock is taken in this process: a local: node whose path
 * (the profile's `lock`, else $HOTPLAN_LOCK_PATH, else the default for this process's user,
 * as the prelude finds it) needs no shell to read; else NULL (the script).
 * HOTPLAN_LOCAL_LOCK=script keeps the script (docs/locks.md). w: the profile's `lock` word,
 * or NULL. */
static const char *local_path(struct nodes *ns, unsigned n, const char *w)
{
	const char *mode = getenv("HOTPLAN_LOCAL_LOCK");
	if (ns->t->nodes[n].transport != TR_LOCAL || (mode != NULL && strcmp(mode, "script") == 0))
		return NULL;
	if (w != NULL) {
		size_t k = 0;
		char **words = shell_words_literal(w, &k);
		const char *path = words != NULL && k == 1 ? arena_strdup(&ns->ctx->arena, words[0]) : NULL;
		free(words);
		return path;
	}
	const char *env = getenv("HOTPLAN_LOCK_PATH");
	if (env != NULL && env[0] != '\0')
		return arena_strdup(&ns->ctx->arena, env);
	return geteuid() == 0 ? "/var/lib/hotplan/lock" : "/var/tmp/hotplan-lock";
}

/* Prepare `body` after the prelude for node n into sc; `op` is the same operation, done here
 * where it can be (local_path). */
static void script_prepare(struct nodes *ns, unsigned n, const char *what, const char *body,
			   const struct lock_local_op *op, struct script *sc)
{
	const struct profile *p = ns->node[n].prof;
	memset(sc, 0, sizeof(*sc));
	sc->what = what;
	sc->job.node = n;
	sc->op = *op;
	char err[1024];
	const char *w = nodes_lock_word(ns, n, err, sizeof(err));   /* the profile's `lock`, or NULL */
	if (w == NULL && err[0] != '\0') {
		util_err(sc->job.err, sizeof(sc->job.err), "%s", err);
		return;
	}
	sc->here = local_path(ns, n, w);
	if (sc->here == NULL) {
		sc->job.line = arena_printf(&ns->ctx->arena, "%s%s", prelude(ns, w), body);
		sc->job.capture = arena_printf(&ns->ctx->arena, "%s/lock-%u", ns->tmp_dir, ++ns->tmp_seq);
		sc->job.label = "lock";
		sc->job.timeout_ns = p != NULL ? p->probe_timeout_ns : LOCK_TIMEOUT_NS;
	}
	sc->ready = true;
}

/* Run the prepared scripts of sc[0..n) at once (those not ready are left out). Not cut short
 * by a second Ctrl-C: the scripts are short (and bounded by their timeout), and a release cut
 * short would leave the lock behind. */
static void scripts_run(struct nodes *ns, struct script *sc, unsigned n)
{
	struct nodes_job **jobs = arena_alloc(&ns->ctx->arena, (n + 1) * sizeof(*jobs));
	volatile int **abort_at = arena_alloc(&ns->ctx->arena, (n + 1) * sizeof(*abort_at));
	unsigned k = 0;
	for (unsigned i = 0; i < n; i++) {
		struct transport *tr = ns->node[sc[i].job.node].tr;
		abort_at[i] = tr != NULL ? tr->abort : NULL;
		if (tr != NULL)
			tr->abort = NULL;
		if (sc[i].ready && sc[i].here != NULL)
			sc[i].answer = lock_local_run(sc[i].here, &sc[i].op);
		else if (sc[i].ready)
			jobs[k++] = &sc[i].job;
	}
	nodes_run_all(ns, jobs, k);
	for (unsigned i = 0; i < n; i++) {
		struct transport *tr = ns->node[sc[i].job.node].tr;
		if (tr != NULL)
			tr->abort = abort_at[i];
	}
}

/* The answer of sc, which ran: into *a (text kept in *text, the caller frees it), the node's
 * holder and record into ln. 0, or -1 (msg). The capture file is removed either way. */
static int script_answer(struct nodes *ns, struct script *sc, struct lock_node *ln, struct answer *a, char **text,
			 char *msg, size_t len)
{
	const struct transport_result *r = &sc->job.r;
	const char *what = sc->what, *node = ns->t->nodes[sc->job.node].name;
	*text = NULL;
	memset(a, 0, sizeof(*a));
	if (!sc->ready)
		return util_err(msg, len, "%s", sc->job.err);
	if (sc->here != NULL) {
		*text = sc->answer;   /* the caller frees it */
		sc->answer = NULL;
		if (*text == NULL)
			return util_err(msg, len, "%s the lock on node %s: out of memory", what, node);
	} else if (sc->job.rc < 0) {
		unlink(sc->job.capture);
		return util_err(msg, len, "%s the lock on node %s: %s", what, node, sc->job.err);
	} else {
		*text = read_answer(sc->job.capture);
		unlink(sc->job.capture);
		if (*text == NULL)
			return util_err(msg, len, "%s the lock on node %s: cannot read its answer: %s", what, node,
					strerror(errno));
	}
	parse_answer(*text, ln, a);
	if (r->timed_out || r->interrupted || r->signal != 0 || r->status != 0 || !a->ended) {
		char how[96];
		nodes_ending(r, false, how, sizeof(how));
		return util_err(msg, len, "%s the lock on node %s: the command %s%s%s", what, node,
				a->ended ? how : "did not answer whole", a->detail[0] != '\0' ? ": " : "", a->detail);
	}
	if (strcmp(a->status, "error") == 0)
		return util_err(msg, len, "%s the lock on node %s: %s", what, node, a->detail);
	/* what the node keeps */
	ln->held = false;
	ln->holder_ok = false;
	ln->raw[0] = '\0';
	if (strcmp(a->status, "held") == 0 || strcmp(a->status, "notours") == 0) {
		ln->held = true;
		size_t h = a->holder != NULL ? a->nholder : 0;
		if (h > 0 && a->holder[h - 1] == '\n')
			h--;
		if (a->holder != NULL && h < sizeof(ln->raw)) {
			memcpy(ln->raw, a->holder, h);
			ln->raw[h] = '\0';
			ln->holder_ok = holder_parse(a->holder, a->nholder, &ln->holder);
		}
	}
	ln->has_last = a->last != NULL && a->nlast > 0;
	ln->last_ok = ln->has_last && last_parse(a->last, a->nlast, &ln->last);
	return 0;
}

/* Run `body` after the prelude on node n alone; its answer as script_answer's. */
static int ask(struct nodes *ns, unsigned n, const char *what, const char *body, const struct lock_local_op *op,
	       struct lock_node *ln, struct answer *a, char **text, char *msg, size_t len)
{
	struct script sc;
	script_prepare(ns, n, what, body, op, &sc);
	scripts_run(ns, &sc, 1);
	return script_answer(ns, &sc, ln, a, text, msg, len);
}

/* ---- the operations -------------------------------------------------------------------------- */

void lock_target_init(struct lock_target *lt, struct nodes *ns, const struct lock_holder *me)
{
	lt->ns = ns;
	lt->me = *me;
	lt->n = ns->n;
	lt->node = arena_alloc(&ns->ctx->arena, (lt->n + 1) * sizeof(*lt->node));
	lt->work[0] = '\0';
	lt->state = NULL;
}

static const char peek_body[] =
	"if [ -d \"$L\" ]; then echo =held; cat -- \"$L/holder\"; elif [ -e \"$L\" ] || [ -L \"$L\" ]; then "
	"echo \"=error $L is not a directory\"; exit 0; else echo =free; fi\n"
	"echo =last; cat -- \"$L.last\"; echo =end\n";
static const struct lock_local_op peek_op = { LOCK_LOCAL_PEEK, "", "", "", 0, "" };

int lock_target_peek(struct lock_target *lt, unsigned n, char *msg, size_t len)
{
	struct answer a;
	char *text = NULL;
	int rc = ask(lt->ns, n, "read", peek_body, &peek_op, &lt->node[n], &a, &text, msg, len);
	free(text);
	return rc;
}

int lock_target_peek_all(struct lock_target *lt, unsigned *failed, char *msg, size_t len)
{
	struct nodes *ns = lt->ns;
	struct script *sc = arena_alloc(&ns->ctx->arena, (lt->n + 1) * sizeof(*sc));
	char ignored[1024] = "";   /* what a node after the first failure says: not said */
	int rc = 0;
	*failed = lt->n;
	for (unsigned n = 0; n < lt->n; n++)
		script_prepare(ns, n, "read", peek_body, &peek_op, &sc[n]);
	scripts_run(ns, sc, lt->n);
	for (unsigned n = 0; n < lt->n; n++) {
		struct answer a;
		char *text = NULL;
		if (script_answer(ns, &sc[n], &lt->node[n], &a, &text, rc == 0 ? msg : ignored,
				  rc == 0 ? len : sizeof(ignored)) < 0 && rc == 0) {
			rc = -1;
			*failed = n;
		}
		free(text);
	}
	return rc;
}

/* The script that takes node n's lock (me: this run's holder file); `stale`: the holder file's
 * text to remove first if it still reads so (NULL: none). Its LOCK.new is the node's own
 * (RUN.N): two nodes of this run that are one machine take their lock at once. */
static const char *take_body(struct lock_target *lt, unsigned n, const char *me, const char *stale)
{
	struct nodes *ns = lt->ns;
	return arena_printf(
		&ns->ctx->arena,
		"ME=%s; X=%s; T=$L.new.%s.%u; S=$L.stale.%s\n"
		/* L is absolute, without a trailing slash (prelude): its parent without a dirname
		 * process, and no rm when there is nothing to remove (each process counts: docs/locks.md,
		 * "Cost") */
		"D=${L%%/*}; D=${D:-/}; [ -d \"$D\" ] || mkdir -p -- \"$D\" || { echo \"=error cannot make $D\"; exit 0; }\n"
		"if [ -e \"$T\" ] || [ -e \"$S\" ]; then rm -rf -- \"$T\" \"$S\"; fi\n"
		"if [ -n \"$X\" ] && [ -d \"$L\" ] && [ \"$(cat -- \"$L/holder\")\" = \"$X\" ]; then "
		"mv -- \"$L\" \"$S\" && rm -rf -- \"$S\"; fi\n"
		/* another run may take or release L between any two of these commands: a lock that
		 * is gone by the time its holder is read is tried again, not reported */
		"I=0; while :; do\n"
		"mkdir -- \"$T\" && printf '%%s\\n' \"$ME\" >\"$T/holder\" || "
		"{ rm -rf -- \"$T\"; echo \"=error cannot write $T/holder\"; exit 0; }\n"
		"if [ ! -e \"$L\" ] && [ ! -L \"$L\" ] && mv -- \"$T\" \"$L\" && [ ! -e \"$L/${T##*/}\" ]; then echo =taken; break; fi\n"
		"rm -rf -- \"$T\" \"$L/${T##*/}\"; H=\n"
		"if [ -d \"$L\" ]; then H=$(cat -- \"$L/holder\"); fi\n"
		"if [ -n \"$H\" ]; then echo =held; printf '%%s\\n' \"$H\"; break; fi\n"
		"I=$((I + 1)); if [ \"$I\" -ge 20 ]; then if [ -d \"$L\" ]; then echo =held; break; fi\n"
		"if [ -e \"$L\" ] || [ -L \"$L\" ]; then echo \"=error $L is not a directory\"; else "
		"echo \"=error $L keeps changing\"; fi; exit 0; fi\n"
		"if [ -e \"$L\" ] && [ ! -d \"$L\" ]; then echo \"=error $L is not a directory\"; exit 0; fi\n"
		"done\n"
		"echo =last; cat -- \"$L.last\"; echo =end\n",
		quoted(ns, me), quoted(ns, stale != NULL ? stale : ""), lt->me.run_id, n, lt->me.run_id);
}

/* take_body's operation, done here (lock_local.h) */
static struct lock_local_op take_op(const struct lock_target *lt, unsigned n, const char *me, const char *stale)
{
	return (struct lock_local_op){ LOCK_LOCAL_TAKE, me, stale != NULL ? stale : "", lt->me.run_id, n, "" };
}

/* What the take sc answered (me: this run's holder file). 0 taken, or held by this run as
 * another of its nodes (the same machine); 1 held (lt->node[n] says by whom); -1 error. */
static int take_answer(struct lock_target *lt, struct script *sc, const char *me, char *msg, size_t len)
{
	struct nodes *ns = lt->ns;
	unsigned n = sc->job.node;
	struct answer a;
	char *text = NULL;
	int rc = script_answer(ns, sc, &lt->node[n], &a, &text, msg, len);
	if (rc == 0 && strcmp(a.status, "taken") == 0) {
		lt->node[n].taken = lt->node[n].held = true;
		rc = 0;
	} else if (rc == 0 && strcmp(a.status, "held") == 0 && strcmp(lt->node[n].raw, me) == 0) {
		lt->node[n].alias = lt->node[n].held = true;   /* another node of this run is the same machine */
		rc = 0;
	} else if (rc == 0 && strcmp(a.status, "held") == 0) {
		rc = 1;
	} else if (rc == 0) {
		rc = util_err(msg, len, "take the lock on node %s: unexpected answer '%s'", ns->t->nodes[n].name, a.status);
	}
	free(text);
	return rc;
}

/* Take node n's lock alone; `stale` as take_body's. 0, 1 or -1 as take_answer's. */
static int take(struct lock_target *lt, unsigned n, const char *stale, char *msg, size_t len)
{
	char me[LOCK_TARGET_TEXT_MAX];
	struct script sc;
	holder_format(&lt->me, me, sizeof(me));
	struct lock_local_op op = take_op(lt, n, me, stale);
	script_prepare(lt->ns, n, "take", take_body(lt, n, me, stale), &op, &sc);
	scripts_run(lt->ns, &sc, 1);
	return take_answer(lt, &sc, me, msg, len);
}

/* Node n is held by someone else: what to say (exit 5). */
static void say_held(const struct lock_target *lt, unsigned n, char *msg, size_t len)
{
	const struct lock_node *ln = &lt->node[n];
	const char *node = lt->ns->t->nodes[n].name;
	char who[1024];
	if (!ln->holder_ok) {
		util_err(msg, len, "node %s is locked (%s), but its holder file cannot be read: hotplan writes it before the "
			 "lock directory gets its name, so a person or another tool made it; if no run is going on, "
			 "remove it (rm -r %s)", node, ln->path, ln->path);
		return;
	}
	lock_holder_text(&ln->holder, who, sizeof(who));
	util_err(msg, len, "node %s is locked by %s, plan %s, journal %s (%s); if that run is gone, `hotplan unlock %s "
		 "--inventory %s --holder %s` clears it", node, who, ln->holder.plan, ln->holder.journal, ln->path,
		 lt->me.target, lt->inventory != NULL ? lt->inventory : "FILE", ln->holder.run_id);
}

/* Append s to buf[len] ("; " between). */
static void add_note(char *buf, size_t len, const char *s)
{
	size_t k = strlen(buf);
	if (k + 3 < len)
		snprintf(buf + k, len - k, "%s%s", k > 0 ? "; " : "", s);
}

/* Node n is held by a dead holder (or, for resume_run, by that run's dead runner): take it
 * over. 0 taken, 1 held, -1 error. */
static int take_over(struct lock_target *lt, unsigned n, char *note, size_t notelen, char *msg, size_t len)
{
	struct lock_node *ln = &lt->node[n];
	char who[1024], raw[LOCK_TARGET_TEXT_MAX];
	lock_holder_text(&ln->holder, who, sizeof(who));
	snprintf(raw, sizeof(raw), "%s", ln->raw);
	int rc = take(lt, n, raw, msg, len);
	if (rc == 0 && ln->taken) {   /* not when another node of this run, the same machine, cleared it */
		char said[1400];
		snprintf(said, sizeof(said), "stale lock on node %s of %s released: its runner is no longer running on this "
			 "host", lt->ns->t->nodes[n].name, who);
		add_note(note, notelen, said);
	}
	return rc;
}

/* Node n's take was refused (lt->node[n] says by whom): take over a dead holder's lock, else
 * say who holds it. 0 taken, 1 held (msg), -1 error (msg). */
static int refused(struct lock_target *lt, unsigned n, const char *resume_run, char *note, size_t notelen, char *msg,
		   size_t len)
{
	const struct lock_node *ln = &lt->node[n];
	int rc = 1;
	if (ln->holder_ok && lock_holder_dead(&ln->holder))
		rc = take_over(lt, n, note, notelen, msg, len);
	if (rc == 1) {
		if (ln->holder_ok && resume_run != NULL && strcmp(ln->holder.run_id, resume_run) == 0 &&
		    lock_holder_alive_here(&ln->holder))
			util_err(msg, len, "run %s is still running here (pid %" PRId64 "): node %s is its", resume_run,
				 ln->holder.pid, lt->ns->t->nodes[n].name);
		else
			say_held(lt, n, msg, len);
	}
	return rc;
}

/* For each node, the earlier node whose lock it is known to share without asking, or -1: two
 * local: nodes are one machine, so one lock word (their profiles' `lock` rendered alike, or
 * neither naming one) is one lock. Asked once, through the first. */
static int *same_lock(struct lock_target *lt)
{
	struct nodes *ns = lt->ns;
	int *same = arena_alloc(&ns->ctx->arena, (lt->n + 1) * sizeof(*same));
	const char **word = arena_alloc(&ns->ctx->arena, (lt->n + 1) * sizeof(*word));
	for (unsigned n = 0; n < lt->n; n++) {
		char err[1024];
		same[n] = -1;
		word[n] = nodes_lock_word(ns, n, err, sizeof(err));
		if (ns->t->nodes[n].transport != TR_LOCAL || err[0] != '\0')
			continue;
		for (unsigned i = 0; i < n && same[n] < 0; i++)
			if (same[i] < 0 && ns->t->nodes[i].transport == TR_LOCAL &&
			    (word[i] == NULL ? word[n] == NULL : word[n] != NULL && strcmp(word[i], word[n]) == 0))
				same[n] = (int)i;
	}
	return same;
}

int lock_target_acquire(struct lock_target *lt, const char *resume_run, char *note, size_t notelen, char *msg,
			size_t len)
{
	struct nodes *ns = lt->ns;
	struct script *sc = arena_alloc(&ns->ctx->arena, (lt->n + 1) * sizeof(*sc));
	int *same = same_lock(lt);
	char me[LOCK_TARGET_TEXT_MAX], ignored[1024];
	unsigned k = 0;
	int rc = 0;
	note[0] = '\0';
	holder_format(&lt->me, me, sizeof(me));
	for (unsigned n = 0; n < lt->n; n++)
		if (same[n] < 0) {
			struct lock_local_op op = take_op(lt, n, me, NULL);
			script_prepare(ns, n, "take", take_body(lt, n, me, NULL), &op, &sc[k++]);
		}
	scripts_run(ns, sc, k);
	/* the answers in node order: the first node refused (or that failed) is the one said, and
	 * a dead holder is taken over, as when the nodes went one by one; the nodes after it are
	 * read all the same, so that what they took goes back with the rest */
	k = 0;
	for (unsigned n = 0; n < lt->n; n++) {
		if (same[n] >= 0) {
			if (rc == 0) {   /* what its first node found: held by this run, as that node */
				struct lock_node *ln = &lt->node[n];
				*ln = lt->node[same[n]];
				ln->taken = false;
				ln->alias = ln->held = ln->holder_ok = true;
				ln->holder = lt->me;
				snprintf(ln->raw, sizeof(ln->raw), "%s", me);
			}
			continue;
		}
		if (rc != 0) {
			(void)take_answer(lt, &sc[k++], me, ignored, sizeof(ignored));
			continue;
		}
		rc = take_answer(lt, &sc[k++], me, msg, len);
		if (rc == 1)
			rc = refused(lt, n, resume_run, note, notelen, msg, len);
	}
	if (rc != 0) {
		char err[512];
		(void)lock_target_release(lt, err, sizeof(err));   /* what was taken goes back */
	}
	return rc;
}

int lock_target_gate(const struct lock_target *lt, const char *abandon, const char *resume_run, bool *used,
		     char *note, size_t notelen, char *msg, size_t len)
{
	*used = false;
	note[0] = '\0';
	for (unsigned n = 0; n < lt->n; n++) {
		const struct lock_node *ln = &lt->node[n];
		const char *node = lt->ns->t->nodes[n].name;
		if (!ln->has_last)
			continue;
		if (!ln->last_ok) {
			util_err(msg, len, "node %s: its last-run record %s.last cannot be read; a person must look (remove it "
				 "if no run of this node is unfinished)", node, ln->path);
			return 1;
		}
		const struct lock_target_last *l = &ln->last;
		if (resume_run != NULL) {
			if (strcmp(l->run_id, resume_run) != 0) {
				util_err(msg, len, "run %s was superseded on node %s: its last run is %s (%s, from host %s, user "
					 "%s): resume refused, nothing was run", resume_run, node, l->run_id,
					 last_run_status_name(l->status), l->host, l->user);
				return 1;
			}
			continue;
		}
		if (l->status != LAST_RUN_UNFINISHED && l->status != LAST_RUN_FAILED)
			continue;
		if (abandon != NULL && strcmp(abandon, l->run_id) == 0) {
			char said[2 * JOURNAL_PATH_MAX];
			*used = true;
			snprintf(said, sizeof(said), "run %s (%s on node %s, from host %s, journal %s) abandoned: it can no "
				 "longer be resumed", l->run_id, last_run_status_name(l->status), node, l->host, l->journal);
			add_note(note, notelen, said);
			continue;
		}
		util_err(msg, len, "node %s: its last run %s (target '%s', from host %s, user %s) %s; continue it with "
			 "`hotplan resume %s` on %s, or give it up with `--abandon %s`", node, l->run_id, l->target, l->host,
			 l->user, l->status == LAST_RUN_FAILED ? "failed and a person must look" : "is unfinished",
			 l->journal, l->host, l->run_id);
		return 1;
	}
	return 0;
}

int lock_target_write_last(struct lock_target *lt, enum last_run_status st, const char *journal, char *msg,
			   size_t len)
{
	struct nodes *ns = lt->ns;
	char text[LOCK_TARGET_TEXT_MAX], jpath[JOURNAL_PATH_MAX], state[JOURNAL_PATH_MAX];
	put_value(jpath, sizeof(jpath), journal);
	put_value(state, sizeof(state), lt->state);
	snprintf(text, sizeof(text), LAST_MAGIC "\nrun %s\nstatus %s\nhost %s\nuser %s\njournal %s\ntarget %s\ntime %" PRId64
		 "\nwork %s\nstate %s\nend", lt->me.run_id, last_run_status_name(st), lt->me.host, lt->me.user, jpath,
		 lt->me.target, journal_now_ns(), lt->work[0] != '\0' ? lt->work : "-", state);
	struct script *sc = arena_alloc(&ns->ctx->arena, (lt->n + 1) * sizeof(*sc));
	unsigned k = 0;
	struct lock_local_op op = { LOCK_LOCAL_LAST, text, "", lt->me.run_id, 0, "" };
	for (unsigned n = 0; n < lt->n; n++) {
		if (!lt->node[n].taken)
			continue;   /* an alias shares the record of the node it is */
		const char *body = arena_printf(
			&ns->ctx->arena,
			"R=%s; F=$L.last; if [ -d \"$F\" ]; then echo \"=error $F is a directory\"; exit 0; fi\n"
			"if printf '%%s\\n' \"$R\" >\"$F.tmp.%s\" && mv -f -- \"$F.tmp.%s\" \"$F\"; then echo =written; "
			"else rm -f -- \"$F.tmp.%s\"; echo \"=error cannot write $F\"; fi\necho =end\n",
			quoted(ns, text), lt->me.run_id, lt->me.run_id, lt->me.run_id);
		script_prepare(ns, n, "write the last-run record beside", body, &op, &sc[k++]);
	}
	scripts_run(ns, sc, k);
	/* every node is written; the first that failed, in node order, is said */
	int ret = 0;
	for (unsigned i = 0; i < k; i++) {
		struct answer a;
		struct lock_node tmp;
		char *out = NULL, err[2048];
		int rc = script_answer(ns, &sc[i], &tmp, &a, &out, ret == 0 ? msg : err, ret == 0 ? len : sizeof(err));
		free(out);
		if (rc != 0)
			ret = -1;
	}
	return ret;
}

/* The script that removes node n's lock if its holder file reads `expect` (its old name
 * LOCK.old.TAG while it goes). */
static const char *remove_body(struct nodes *ns, const char *expect, const char *tag)
{
	return arena_printf(
		&ns->ctx->arena,
		"X=%s; O=$L.old.%s\n"
		"if [ -d \"$L\" ] && [ \"$(cat -- \"$L/holder\")\" = \"$X\" ]; then if [ -e \"$O\" ]; then rm -rf -- \"$O\"; fi; "
		"if mv -- \"$L\" \"$O\" && rm -rf -- \"$O\"; then echo =released; else echo \"=error cannot remove $L\"; fi\n"
		"elif [ -d \"$L\" ]; then echo =notours; cat -- \"$L/holder\"; else echo =gone; fi\necho =end\n",
		quoted(ns, expect), tag);
}

/* What the removal sc answered. 0 removed, 1 not (lt->node[n]: what is there), -1 error. */
static int remove_answer(struct lock_target *lt, struct script *sc, char *msg, size_t len)
{
	unsigned n = sc->job.node;
	struct answer a;
	struct lock_node tmp;
	char *out = NULL;
	memset(&tmp, 0, sizeof(tmp));
	int rc = script_answer(lt->ns, sc, &tmp, &a, &out, msg, len);
	if (rc == 0 && strcmp(a.status, "released") != 0) {
		rc = 1;
		lt->node[n].held = tmp.held;
		lt->node[n].holder_ok = tmp.holder_ok;
		lt->node[n].holder = tmp.holder;
	}
	free(out);
	return rc;
}

int lock_target_release(struct lock_target *lt, char *msg, size_t len)
{
	struct nodes *ns = lt->ns;
	struct script *sc = arena_alloc(&ns->ctx->arena, (lt->n + 1) * sizeof(*sc));
	char me[LOCK_TARGET_TEXT_MAX];
	unsigned k = 0;
	int ret = 0;
	holder_format(&lt->me, me, sizeof(me));
	struct lock_local_op op = { LOCK_LOCAL_REMOVE, me, "", lt->me.run_id, 0, lt->me.run_id };
	for (unsigned n = 0; n < lt->n; n++) {
		lt->node[n].alias = false;
		if (lt->node[n].taken)
			script_prepare(ns, n, "release", remove_body(ns, me, lt->me.run_id), &op, &sc[k++]);
	}
	scripts_run(ns, sc, k);
	/* every lock taken is released; the first that stays, in node order, is said */
	for (unsigned i = 0; i < k; i++) {
		unsigned n = sc[i].job.node;
		char err[1024];
		int rc = remove_answer(lt, &sc[i], err, sizeof(err));
		lt->node[n].taken = false;
		if (rc < 0 && ret == 0)
			ret = util_err(msg, len, "%s; it still names run %s: `hotplan unlock %s --inventory %s --holder %s` "
				       "clears it", err, lt->me.run_id, lt->me.target,
				       lt->inventory != NULL ? lt->inventory : "FILE", lt->me.run_id);
		else if (rc == 1 && ret == 0)
			ret = util_err(msg, len, "the lock on node %s no longer names run %s (someone removed or replaced it): "
				       "left as it is", lt->ns->t->nodes[n].name, lt->me.run_id);
	}
	return ret;
}

int lock_target_clear(struct lock_target *lt, unsigned n, char *msg, size_t len)
{
	char tag[64], raw[LOCK_TARGET_TEXT_MAX];
	struct script sc;
	snprintf(tag, sizeof(tag), "unlock-%ld", (long)getpid());
	snprintf(raw, sizeof(raw), "%s", lt->node[n].raw);
	struct lock_local_op op = { LOCK_LOCAL_REMOVE, raw, "", lt->me.run_id, 0, tag };
	script_prepare(lt->ns, n, "release", remove_body(lt->ns, raw, tag), &op, &sc);
	scripts_run(lt->ns, &sc, 1);
	return remove_answer(lt, &sc, msg, len);
}

/* ---- the same work, done by another controller ------------------------------------------- */

void lock_target_work(const unsigned char plan_hash[32], const char *const *names, const char *const *texts,
		      const bool *secret, unsigned n, char *out)
{
	unsigned char md[DIGEST_LEN];
	struct digest d;
	digest_begin(&d);
	digest_add(&d, "hotplan-work 1\n", 15);
	digest_add(&d, plan_hash, 32);
	for (unsigned i = 0; i < n; i++) {
		/* each NAME=VALUE ends in a NUL: no two lists hash the same */
		const char *v = secret[i] ? "(secret)" : texts[i] != NULL ? texts[i] : "(unset)";
		digest_add(&d, names[i], strlen(names[i]) + 1);
		digest_add(&d, v, strlen(v) + 1);
	}
	digest_end(&d, md);
	for (unsigned i = 0; i < DIGEST_LEN; i++)
		snprintf(out + (size_t)2 * i, 3, "%02x", md[i]);
	out[LOCK_TARGET_WORK_HEX] = '\0';
}

int lock_target_done_elsewhere(const struct lock_target *lt, char *msg, size_t len)
{
	const struct lock_target_last *first = NULL;
	if (lt->work[0] == '\0')
		return 0;
	for (unsigned n = 0; n < lt->n; n++) {
		const struct lock_node *ln = &lt->node[n];
		if (!ln->taken)
			continue;   /* an alias: the node it is has the record */
		const struct lock_target_last *l = &ln->last;
		if (!ln->has_last || !ln->last_ok || l->status != LAST_RUN_COMPLETED || strcmp(l->work, lt->work) != 0 ||
		    (first != NULL && strcmp(first->run_id, l->run_id) != 0))
			return 0;
		first = l;
	}
	if (first == NULL)
		return 0;
	/* this controller's own earlier run is not another's: run again, as without --once */
	if (strcmp(first->host, lt->me.host) == 0 && lt->state != NULL && strcmp(first->state, lt->state) == 0)
		return 0;
	char when[64];
	format_time(first->time_ns, when, sizeof(when));
	util_err(msg, len, "target '%s' was done by another controller: run %s (host %s, user %s, state directory %s) "
		 "completed this plan with these inputs at %s; not run again", lt->me.target, first->run_id, first->host,
		 first->user, first->state, when);
	return 1;
}
