/* progress.c: event lines, plain, live or JSON. */
#define _GNU_SOURCE /* memmem */
#include "progress.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <signal.h>
#include <unistd.h>

#include "util.h"

static const char *const names[] = {
	[EV_RUN_START] = "run-start", [EV_PREFLIGHT_OK] = "preflight-ok",
	[EV_PREFLIGHT_FAILED] = "preflight-failed", [EV_STEP_START] = "step-start",
	[EV_ACTION_START] = "action-start", [EV_ACTION_DONE] = "action-done",
	[EV_ACTION_FAILED] = "action-failed", [EV_STEP_DONE] = "step-done",
	[EV_STEP_FAILED] = "step-failed", [EV_CHECKPOINT] = "checkpoint",
	[EV_ROLLBACK_START] = "rollback-start", [EV_ROLLBACK_DONE] = "rollback-done",
	[EV_ROLLBACK_FAILED] = "rollback-failed", [EV_RUN_DONE] = "run-done",
	[EV_RESUME_SKIP] = "resume-skip", [EV_INTERRUPTED] = "interrupted",
	[EV_DRY_RUN] = "dry-run", [EV_NOTE] = "note",
};

struct ticker {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
};

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A write of progress that fails (a full disk, a closed pipe, a terminal gone) does not stop
 * the run: the action under way must end, and the journal, not this output, is the record of
 * the run. Nor is it forgotten: the first failure is kept, and the runner reports it when the
 * run ends (progress_write_error()). Every flush of the stream goes through here. */
static void flush(struct progress *p)
{
	if (fflush(p->out) != 0 && p->write_errno == 0)
		p->write_errno = errno != 0 ? errno : EIO;
}

static void live_erase(struct progress *p)
{
	for (; p->drawn > 0; p->drawn--)
		fputs("\033[1A\033[2K\r", p->out);
}

static void live_draw(struct progress *p)
{
	double now = mono();
	for (unsigned i = 0; i < p->nlive; i++) {
		char node[4 * sizeof(p->live[i].node)];
		util_escape(p->live[i].node, node, sizeof(node));   /* a node's name reaches a terminal */
		fprintf(p->out, "%s  ... %s%s%s  %.1fs%s\n", p->color ? "\033[36m" : "", node,
			*node ? ": " : "", p->live[i].text, now - p->live[i].t0, p->color ? "\033[0m" : "");
		p->drawn++;
	}
	flush(p);
}

static void *tick(void *arg)
{
	struct progress *p = arg;
	struct ticker *t = p->tty;
	pthread_mutex_lock(&t->mu);
	while (!t->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);   /* the clock the condition variable waits on */
		ts.tv_nsec += 200000000L;
		if (ts.tv_nsec >= 1000000000L)
			ts.tv_sec++, ts.tv_nsec -= 1000000000L;
		pthread_cond_timedwait(&t->cv, &t->mu, &ts);
		if (t->stop || p->nlive == 0)
			continue;
		live_erase(p);
		live_draw(p);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

static void live_set(struct progress *p, const char *node, const struct progress_ev *e)
{
	unsigned i;
	for (i = 0; i < p->nlive; i++)
		if (strcmp(p->live[i].node, node) == 0)
			break;
	if (i == p->nlive) {
		if (p->nlive == PROGRESS_LIVE_MAX)
			return;
		p->nlive++;
	}
	snprintf(p->live[i].node, sizeof(p->live[i].node), "%s", node);
	int n = snprintf(p->live[i].text, sizeof(p->live[i].text), "[%u/%u] %s%s", e->k, e->n, e->step,
			 e->title ? ": " : "");
	if (e->title && n > 0 && (size_t)n < sizeof(p->live[i].text))   /* it reaches a terminal: escaped */
		util_escape(e->title, p->live[i].text + n, sizeof(p->live[i].text) - (size_t)n);
	p->live[i].t0 = mono();
}

static void live_clear(struct progress *p, const char *node)
{
	for (unsigned i = 0; i < p->nlive; i++)
		if (strcmp(p->live[i].node, node) == 0) {
			p->live[i] = p->live[--p->nlive];
			return;
		}
}

void progress_close(struct progress *p)
{
	struct ticker *t = p->tty;
	if (t == NULL)
		return;
	pthread_mutex_lock(&t->mu);
	t->stop = true;
	live_erase(p);
	p->nlive = 0;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
	pthread_join(t->thread, NULL);
	pthread_mutex_destroy(&t->mu);
	pthread_cond_destroy(&t->cv);
	free(t);
	p->tty = NULL;
}

int progress_write_error(struct progress *p)
{
	if (p->out == NULL)
		return 0;
	flush(p);
	/* a write that failed before a flush (a line-buffered terminal) left only the indicator */
	if (p->write_errno == 0 && ferror(p->out))
		p->write_errno = EIO;
	return p->write_errno;
}

void progress_init(struct progress *p, FILE *out, bool json, const char *run_id)
{
	memset(p, 0, sizeof(*p));
	p->out = out;
	p->run = run_id;
	if (json)
		p->mode = PROGRESS_JSON;
	else if (isatty(fileno(out)))
		p->mode = PROGRESS_TTY;
	else
		p->mode = PROGRESS_TEXT;
	const char *term = getenv("TERM");
	bool dumb = term != NULL && strcmp(term, "dumb") == 0;
	if (dumb && p->mode == PROGRESS_TTY)
		p->mode = PROGRESS_TEXT;
	p->color = p->mode == PROGRESS_TTY && util_color(fileno(out));
	if (p->mode == PROGRESS_TTY) {
		struct ticker *t = calloc(1, sizeof(*t));
		if (t == NULL)
			return;
		pthread_condattr_t ca;
		pthread_mutex_init(&t->mu, NULL);
		/* a redraw every 200 ms measured on the monotonic clock: a step of the wall clock
		 * neither stalls nor rushes it */
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&t->cv, &ca);
		pthread_condattr_destroy(&ca);
		p->tty = t;
		/* the ticker must not take the run's Ctrl-C: block the signals it would steal */
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		if (pthread_create(&t->thread, NULL, tick, p) != 0) {
			pthread_mutex_destroy(&t->mu);
			pthread_cond_destroy(&t->cv);
			free(t);
			p->tty = NULL;
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
}

void progress_put_escaped(FILE *out, const char *s)
{
	size_t n = strlen(s);
	char esc[UTIL_ESC_MAX];
	for (size_t i = 0; i < n;) {
		size_t k = util_escape_char(s + i, n - i, esc);
		if (esc[0] != '\0')
			fputs(esc, out);
		else
			fwrite(s + i, 1, k, out);
		i += k;
	}
}

static void rfc3339(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

static void emit_json(struct progress *p, const struct progress_ev *e)
{
	char t[64];
	rfc3339(t, sizeof(t));
	json_t *o = json_object();
	json_object_set_new(o, "event", json_string(names[e->kind]));
	json_object_set_new(o, "time", json_string(t));
	json_object_set_new(o, "run", json_string(p->run ? p->run : ""));
	if (e->step)
		json_object_set_new(o, "step", json_string(e->step));
	if (e->k)
		json_object_set_new(o, "index", json_integer(e->k)), json_object_set_new(o, "steps", json_integer(e->n));
	if (e->node)
		json_object_set_new(o, "node", json_string(e->node));
	if (e->action)
		json_object_set_new(o, "action", json_string(e->action));
	if (e->status)
		json_object_set_new(o, "status", json_string(e->status));
	if (e->message)
		json_object_set_new(o, "message", json_string(e->message));
	if (e->kind == EV_ACTION_DONE || e->kind == EV_STEP_DONE || e->kind == EV_RUN_DONE)
		json_object_set_new(o, "elapsed", json_real(e->elapsed));
	/* invalid UTF-8 in a value makes json_string return NULL: jansson then drops the key */
	char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (s != NULL) {
		fputs(s, p->out);
		fputc('\n', p->out);
		free(s);
	}
	json_decref(o);
	flush(p);
}

static void emit_text(struct progress *p, const struct progress_ev *e)
{
	FILE *o = p->out;
	const char *bold = p->color ? "\033[1m" : "", *red = p->color ? "\033[31m" : "",
		   *green = p->color ? "\033[32m" : "", *dim = p->color ? "\033[2m" : "", *off = p->color ? "\033[0m" : "";
	switch (e->kind) {
	case EV_RUN_START:
	case EV_NOTE:
	case EV_PREFLIGHT_FAILED:
		if (e->kind == EV_PREFLIGHT_FAILED)
			fprintf(o, "%spreflight failed:%s ", red, off);
		progress_put_escaped(o, e->message ? e->message : "");
		fputc('\n', o);
		break;
	case EV_PREFLIGHT_OK:
		fputs(e->message ? "preflight ok: " : "preflight ok", o);
		progress_put_escaped(o, e->message ? e->message : "");
		fputc('\n', o);
		break;
	case EV_STEP_START:
		fprintf(o, "%s[%u/%u] %s%s", bold, e->k, e->n, e->step, off);
		if (e->title) {
			fputs(": ", o);
			progress_put_escaped(o, e->title);
		}
		if (e->node) {
			fprintf(o, " %s(", dim);
			progress_put_escaped(o, e->node);
			fprintf(o, ")%s", off);
		}
		fputc('\n', o);
		break;
	case EV_ACTION_START:
		break;
	case EV_ACTION_DONE:
	case EV_ACTION_FAILED:
	case EV_DRY_RUN:
		fprintf(o, "      %s ", e->kind == EV_ACTION_DONE ? "ok  " : e->kind == EV_DRY_RUN ? "would" : "FAIL");
		progress_put_escaped(o, e->said ? e->said : e->action ? e->action : "");
		if (e->node) {   /* "on EXCH2 (passive)": the node, then the role it is bound to */
			fprintf(o, " %son ", dim);
			progress_put_escaped(o, e->node);
			if (e->role) {
				fputs(" (", o);
				progress_put_escaped(o, e->role);
				fputc(')', o);
			}
			fputs(off, o);
		}
		if (e->message) {
			fprintf(o, "%s: ", e->kind == EV_ACTION_FAILED ? red : "");
			progress_put_escaped(o, e->message);
			fputs(off, o);
		}
		fputc('\n', o);
		break;
	case EV_STEP_DONE:
		break;
	case EV_STEP_FAILED:
		fprintf(o, "%sstep %s failed%s", red, e->step, off);
		if (e->message) {
			fputs(": ", o);
			progress_put_escaped(o, e->message);
		}
		fputc('\n', o);
		break;
	case EV_CHECKPOINT:
		fprintf(o, "%s      checkpoint %s passed%s\n", dim, e->step, off);
		break;
	case EV_ROLLBACK_START:
		fprintf(o, "%srolling back to checkpoint %s%s\n", bold, e->step, off);
		break;
	case EV_ROLLBACK_DONE:
		fprintf(o, "rolled back to checkpoint %s\n", e->step);
		break;
	case EV_ROLLBACK_FAILED:
		fprintf(o, "%srollback to checkpoint %s failed%s", red, e->step ? e->step : "?", off);
		if (e->message) {
			fputs(": ", o);
			progress_put_escaped(o, e->message);
		}
		fputc('\n', o);
		break;
	case EV_RUN_DONE:
		fprintf(o, "%srun %s: %s%s", strcmp(e->status, "completed") == 0 ? green : red, p->run, e->status, off);
		fprintf(o, " (%.1f s)", e->elapsed);
		if (e->message) {
			fputs(": ", o);
			progress_put_escaped(o, e->message);
		}
		fputc('\n', o);
		break;
	case EV_RESUME_SKIP:
		fprintf(o, "%s[%u/%u] %s: done before, skipped%s\n", dim, e->k, e->n, e->step, off);
		break;
	case EV_INTERRUPTED:
		fprintf(o, "%sinterrupted%s", red, off);
		if (e->message) {
			fputs(": ", o);
			progress_put_escaped(o, e->message);
		}
		fputc('\n', o);
		break;
	}
	flush(p);
}

void progress_set_secrets(struct progress *p, const char *const *values, unsigned n)
{
	p->secrets = values;
	p->nsecrets = n;
}

#define REDACT_MAX (64u << 20)   /* a command's output larger than this is left as it is */

/* Where the next occurrence of any secret is in p[0, n): its index (the longest at the
 * earliest place), or -1. */
static int next_secret(const struct progress *pg, const char *p, size_t n, const char **at)
{
	int best = -1;
	*at = NULL;
	for (unsigned i = 0; i < pg->nsecrets; i++) {
		size_t k = strlen(pg->secrets[i]);
		const char *f = k > 0 ? memmem(p, n, pg->secrets[i], k) : NULL;
		if (f != NULL && (*at == NULL || f < *at || (f == *at && k > strlen(pg->secrets[best])))) {
			*at = f;
			best = (int)i;
		}
	}
	return best;
}

/* p[0, n) with every secret as ***, malloc'd and NUL-terminated (its length in *len); NULL
 * when memory runs out. A secret shorter than "***" makes the text grow. */
static char *redact(const struct progress *pg, const char *p, size_t n, size_t *len_out)
{
	size_t cap = n + 1, len = 0, pos = 0;
	char *out = malloc(cap);
	if (out == NULL)
		return NULL;
	for (;;) {
		const char *at;
		int i = next_secret(pg, p + pos, n - pos, &at);
		size_t keep = i < 0 ? n - pos : (size_t)(at - (p + pos));
		if (len + keep + 4 > cap) {
			char *o2 = realloc(out, cap = len + keep + 4 + cap);
			if (o2 == NULL) {
				free(out);
				return NULL;
			}
			out = o2;
		}
		memcpy(out + len, p + pos, keep);
		len += keep;
		pos += keep;
		if (i < 0)
			break;
		memset(out + len, '*', 3);
		len += 3;
		pos += strlen(pg->secrets[i]);
	}
	out[len] = '\0';
	if (len_out != NULL)
		*len_out = len;
	return out;
}

char *progress_redact(const struct progress *p, const char *s)
{
	return s != NULL ? redact(p, s, strlen(s), NULL) : NULL;
}

void progress_redact_file(const struct progress *pg, const char *path, off_t from)
{
	if (path == NULL || pg->nsecrets == 0)
		return;
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	struct stat st;
	if (fd < 0)
		return;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= from || st.st_size - from > (off_t)REDACT_MAX) {
		close(fd);
		return;
	}
	size_t n = (size_t)(st.st_size - from), got = 0, len = 0;
	char *buf = malloc(n), *out = NULL;
	while (buf != NULL && got < n) {
		ssize_t r = pread(fd, buf + got, n - got, from + (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	const char *at;
	if (buf != NULL && got == n && next_secret(pg, buf, n, &at) >= 0 && (out = redact(pg, buf, n, &len)) != NULL &&
	    util_pwrite_all(fd, out, len, from) == 0)
		(void)!ftruncate(fd, from + (off_t)len);
	free(buf);
	free(out);
	close(fd);
}

static bool has_secret(const struct progress *p, const char *s)
{
	const char *at;
	return s != NULL && p->nsecrets > 0 && next_secret(p, s, strlen(s), &at) >= 0;
}

static void emit(struct progress *p, const struct progress_ev *e);

void progress_emit(struct progress *p, const struct progress_ev *e)
{
	const char *const *f[] = { &e->step, &e->title, &e->node, &e->action, &e->said, &e->status, &e->message };
	bool any = false;
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]) && !any; i++)
		any = has_secret(p, *f[i]);
	if (!any) {
		emit(p, e);
		return;
	}
	/* a secret param's value is never shown: a copy of the event with each one as *** */
	struct progress_ev r = *e;
	char *own[7] = { NULL };
	const char **g[] = { &r.step, &r.title, &r.node, &r.action, &r.said, &r.status, &r.message };
	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++)
		if (has_secret(p, *g[i]) && (*g[i] = own[i] = progress_redact(p, *g[i])) == NULL)
			*g[i] = "***";
	emit(p, &r);
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		free(own[i]);
}

static void emit(struct progress *p, const struct progress_ev *e)
{
	if (p->mode == PROGRESS_JSON) {
		if (e->kind != EV_NOTE)
			emit_json(p, e);
		return;
	}
	struct ticker *t = p->tty;
	if (t == NULL) {
		emit_text(p, e);
		return;
	}
	pthread_mutex_lock(&t->mu);
	live_erase(p);
	emit_text(p, e);
	const char *node = e->node ? e->node : "";
	if (e->kind == EV_STEP_START)
		live_set(p, node, e);
	else if (e->kind == EV_STEP_DONE || e->kind == EV_STEP_FAILED)
		live_clear(p, node);
	else if (e->kind == EV_RUN_DONE || e->kind == EV_INTERRUPTED || e->kind == EV_ROLLBACK_START)
		p->nlive = 0;
	live_draw(p);
	pthread_mutex_unlock(&t->mu);
}
