/* fleet_view.c: what a fleet shows (fleet.h): its targets' events taken in, a live view on a
 * terminal, plain lines otherwise, JSON events with the target (--log json), the summary, and
 * the reports (--report FILE.json | FILE.html: one self-contained page, no network). */
#include <errno.h>
#include <jansson.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "fleet.h"
#include "progress.h"
#include "util.h"

static const char *const status_names[FS_NSTATUS] = {
	[FS_QUEUED] = "queued", [FS_RUNNING] = "running", [FS_COMPLETED] = "completed",
	[FS_ROLLED_BACK] = "rolled-back", [FS_FAILED] = "failed", [FS_REJECTED] = "rejected",
	[FS_UNCHANGED] = "unchanged",
	[FS_LOCKED] = "locked", [FS_SKIPPED] = "not-started", [FS_INTERRUPTED] = "interrupted",
	[FS_ELSEWHERE] = "done-elsewhere",
};

const char *fleet_status_name(enum fleet_status s)
{
	return s < FS_NSTATUS ? status_names[s] : "?";
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void set(char **dst, const char *s)
{
	free(*dst);
	*dst = s != NULL ? strdup(s) : NULL;
}

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void push_step(struct fleet *F, struct fleet_target *t, const char *name)
{
	if (t->nsteps == t->capsteps) {
		t->capsteps = t->capsteps ? 2 * t->capsteps : 8;
		t->steps = realloc(t->steps, t->capsteps * sizeof(*t->steps));
		if (t->steps == NULL)
			arena_oom(t->capsteps * sizeof(*t->steps));
	}
	t->steps[t->nsteps++] = (struct fleet_step){ .name = strdup(name), .t0 = mono() - F->t0, .t1 = -1 };
}

static void end_step(struct fleet *F, struct fleet_target *t, const char *name, bool failed)
{
	for (unsigned i = t->nsteps; i-- > 0;)
		if (t->steps[i].t1 < 0 && name != NULL && strcmp(t->steps[i].name, name) == 0) {
			t->steps[i].t1 = mono() - F->t0;
			t->steps[i].failed = failed;
			return;
		}
}

static void take_event(struct fleet *F, struct fleet_target *t, json_t *e, const char *ev)
{
	const char *step = str(e, "step"), *msg = str(e, "message");
	if (strcmp(ev, "run-start") == 0) {
		set(&t->run_id, str(e, "run"));
	} else if (strcmp(ev, "step-start") == 0 && step != NULL) {
		set(&t->step, step);
		t->k = (unsigned)json_integer_value(json_object_get(e, "index"));
		t->n = (unsigned)json_integer_value(json_object_get(e, "steps"));
		push_step(F, t, step);
	} else if (strcmp(ev, "step-done") == 0 || strcmp(ev, "resume-skip") == 0) {
		t->steps_done++;
		end_step(F, t, step, false);
		if (strcmp(ev, "resume-skip") == 0)
			t->n = (unsigned)json_integer_value(json_object_get(e, "steps"));
	} else if (strcmp(ev, "action-failed") == 0 || strcmp(ev, "step-failed") == 0) {
		if (strcmp(ev, "step-failed") == 0)
			end_step(F, t, step, true);
		if (t->fail_msg == NULL) {
			set(&t->fail_step, step != NULL ? step : t->step);
			set(&t->fail_action, str(e, "action"));
			set(&t->fail_msg, msg != NULL ? msg : "failed");
			if (F->line_of != NULL)
				t->fail_line = F->line_of(F->plan_run, t->fail_step, t->fail_action);
		}
	} else if (strcmp(ev, "rollback-start") == 0 && step != NULL) {
		push_step(F, t, step);
		t->steps[t->nsteps - 1].rollback = true;
	} else if ((strcmp(ev, "rollback-done") == 0 || strcmp(ev, "rollback-failed") == 0) && step != NULL) {
		end_step(F, t, step, strcmp(ev, "rollback-failed") == 0);
	} else if (strcmp(ev, "preflight-failed") == 0 || (strcmp(ev, "run-done") == 0 && msg != NULL)) {
		set(&t->message, msg);
	}
	if (strcmp(ev, "run-done") == 0 && str(e, "status") != NULL && strcmp(str(e, "status"), "done-elsewhere") == 0)
		t->elsewhere = true;
}

void fleet_view_event(struct fleet *F, struct fleet_target *t, const char *line)
{
	json_t *e = json_loads(line, 0, NULL);
	const char *ev = e != NULL ? str(e, "event") : NULL;
	if (ev == NULL) {
		json_decref(e);
		return;
	}
	take_event(F, t, e, ev);
	if (F->json) {
		json_object_set_new(e, "target", json_string(t->name));
		json_object_set_new(e, "fleet", json_string(F->id));
		char *s = json_dumps(e, JSON_COMPACT | JSON_ENSURE_ASCII);
		if (s != NULL)
			printf("%s\n", s);
		free(s);
	} else if (strcmp(ev, "step-failed") == 0 || strcmp(ev, "rollback-start") == 0) {
		fleet_view_erase(F);
		printf("%s: ", t->name);
		if (strcmp(ev, "rollback-start") == 0)
			printf("rolling back to checkpoint %s\n", str(e, "step") ? str(e, "step") : "?");
		else {
			printf("step %s failed: ", str(e, "step") ? str(e, "step") : "?");
			progress_put_escaped(stdout, str(e, "message") ? str(e, "message") : "");
			putchar('\n');
		}
	}
	json_decref(e);
	(void)fflush(stdout);
}

static json_t *controller_json(void);

static void counts(const struct fleet *F, unsigned c[FS_NSTATUS])
{
	memset(c, 0, FS_NSTATUS * sizeof(c[0]));
	for (unsigned i = 0; i < F->nt; i++)
		c[F->t[i].status]++;
}

void fleet_view_say(struct fleet *F, const char *ev, struct fleet_target *t, const char *msg)
{
	if (F->json) {
		char ts[64];
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		(void)strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		json_t *o = json_pack("{s:s, s:s, s:s}", "event", ev, "time", ts, "fleet", F->id);
		if (t != NULL) {
			json_object_set_new(o, "target", json_string(t->name));
			json_object_set_new(o, "status", json_string(fleet_status_name(t->status)));
			if (strcmp(ev, "target-done") == 0)
				json_object_set_new(o, "exit", json_integer(t->rc));
		}
		if (msg != NULL)
			json_object_set_new(o, "message", json_string(msg));
		if (strcmp(ev, "fleet-done") == 0) {
			json_object_set_new(o, "exit", json_integer(F->exit_code));
			json_object_set_new(o, "controller", controller_json());
		}
		if (strcmp(ev, "fleet-start") == 0)
			json_object_set_new(o, "journal", json_string(F->journal_path));
		char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
		if (s != NULL)
			printf("%s\n", s);
		free(s);
		json_decref(o);
		(void)fflush(stdout);
		return;
	}
	if (strcmp(ev, "fleet-done") == 0 || (strcmp(ev, "target-start") == 0 && F->tty))
		return;
	fleet_view_erase(F);
	if (strcmp(ev, "fleet-start") == 0)
		printf("fleet %s: %u target%s, --parallel %u, --max-failures %s; journal %s\n", F->id, F->nt,
		       F->nt == 1 ? "" : "s", F->parallel, F->budget_text, F->journal_path);
	else if (t != NULL) {
		printf("%s: %s", t->name, strcmp(ev, "target-start") == 0 ? "" : fleet_status_name(t->status));
		if (strcmp(ev, "target-done") == 0 && t->status != FS_COMPLETED && t->status != FS_ELSEWHERE)
			printf(" (exit %d)", t->rc);
		if (msg != NULL) {
			fputs(strcmp(ev, "target-start") == 0 ? "" : ": ", stdout);
			progress_put_escaped(stdout, msg);
		}
		putchar('\n');
	} else if (msg != NULL) {
		fputs("fleet: ", stdout);
		progress_put_escaped(stdout, msg);
		putchar('\n');
	}
	(void)fflush(stdout);
	fleet_view_draw(F, true);
}

void fleet_view_erase(struct fleet *F)
{
	for (; F->drawn > 0; F->drawn--)
		fputs("\033[1A\033[2K\r", stdout);
}

#define LIVE_LINES 20

void fleet_view_draw(struct fleet *F, bool force)
{
	if (!F->tty || F->json)
		return;
	double t = mono();
	if (!force && t - F->last_draw < 0.1)
		return;
	F->last_draw = t;
	unsigned c[FS_NSTATUS], shown = 0;
	counts(F, c);
	fleet_view_erase(F);
	printf("%squeued %u  running %u  completed %u  rolled back %u  failed %u  locked %u%s\n",
	       F->color ? "\033[1m" : "", c[FS_QUEUED], c[FS_RUNNING], c[FS_COMPLETED] + c[FS_ELSEWHERE], c[FS_ROLLED_BACK],
	       c[FS_FAILED] + c[FS_REJECTED] + c[FS_UNCHANGED], c[FS_LOCKED], F->color ? "\033[0m" : "");
	F->drawn = 1;
	for (unsigned i = 0; i < F->nt; i++) {
		struct fleet_target *x = &F->t[i];
		if (x->status != FS_RUNNING)
			continue;
		if (shown++ == LIVE_LINES) {
			printf("  … and %u more\n", c[FS_RUNNING] - LIVE_LINES);
			F->drawn++;
			break;
		}
		printf("%s  ... ", F->color ? "\033[36m" : "");
		progress_put_escaped(stdout, x->name);
		if (x->step != NULL) {
			printf(": [%u/%u] ", x->k, x->n);
			progress_put_escaped(stdout, x->step);
		}
		printf("  %.1fs%s\n", t - F->t0 - x->t0, F->color ? "\033[0m" : "");
		F->drawn++;
	}
	(void)fflush(stdout);
}

/* ---- the summary ---- */

static const enum fleet_status order[] = { FS_FAILED, FS_REJECTED, FS_UNCHANGED, FS_ROLLED_BACK, FS_INTERRUPTED,
					   FS_LOCKED,
					   FS_SKIPPED, FS_QUEUED, FS_RUNNING, FS_ELSEWHERE, FS_COMPLETED };

static void summary_line(const struct fleet_target *t)
{
	printf("  %-12s ", fleet_status_name(t->status));
	progress_put_escaped(stdout, t->name);
	if (t->status != FS_COMPLETED && t->status != FS_SKIPPED && t->status != FS_QUEUED && t->status != FS_ELSEWHERE)
		printf(" (exit %d)", t->rc);
	if (t->fail_msg != NULL) {
		printf(": step %s: ", t->fail_step ? t->fail_step : "?");
		progress_put_escaped(stdout, t->fail_msg);
		if (t->fail_line > 0)
			printf(" (plan line %u)", t->fail_line);
	} else if (t->message != NULL && t->status != FS_COMPLETED) {
		fputs(": ", stdout);
		progress_put_escaped(stdout, t->message);
	} else if (t->status == FS_SKIPPED) {
		fputs(": the failure budget ran out", stdout);
	}
	putchar('\n');
}

void fleet_view_summary(struct fleet *F)
{
	if (F->json)
		return;
	unsigned c[FS_NSTATUS], shown = 0;
	counts(F, c);
	printf("fleet %s: %u target%s:", F->id, F->nt, F->nt == 1 ? "" : "s");
	for (size_t k = sizeof(order) / sizeof(order[0]); k-- > 0;)
		if (c[order[k]] > 0)
			printf("%s %u %s", shown++ ? "," : "", c[order[k]], fleet_status_name(order[k]));
	putchar('\n');
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++)
		for (unsigned i = 0; i < F->nt; i++)
			if (F->t[i].status == order[k] && (order[k] != FS_COMPLETED || F->nt <= 100))
				summary_line(&F->t[i]);
	static const char *const why[] = { [0] = "every target completed", [3] = "some targets were rolled back",
					   [4] = "some targets need a person",
					   [5] = "some targets were locked or not started" };
	if (F->exit_code <= 5 && why[F->exit_code] != NULL)
		printf("exit %d: %s\n", F->exit_code, why[F->exit_code]);
	else if (F->exit_code == EXIT_INTERRUPTED)
		printf("exit 130: interrupted\n");
	bool more = false;
	for (unsigned i = 0; i < F->nt; i++)
		more |= F->t[i].status != FS_COMPLETED && F->t[i].status != FS_ROLLED_BACK && F->t[i].status != FS_ELSEWHERE;
	if (more)
		printf("continue with: hotplan resume %s\n", F->journal_path);
	(void)fflush(stdout);
}

/* ---- the reports ---- */

/* What the controller itself cost (its CPU, its peak RSS, its threads) and what its targets'
 * runs cost together: for the benchmark (docs/performance.md, "Fleets"). */
static json_t *controller_json(void)
{
	struct rusage self, kids;
	long threads = 0;
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "Threads:", 8) == 0)
			threads = strtol(line + 8, NULL, 10);
	if (f != NULL)
		(void)fclose(f);   /* read only */
	return json_pack("{s:f, s:f, s:i, s:i, s:f, s:f}", "user_s",
			 (double)self.ru_utime.tv_sec + (double)self.ru_utime.tv_usec / 1e6, "sys_s",
			 (double)self.ru_stime.tv_sec + (double)self.ru_stime.tv_usec / 1e6, "max_rss_kib",
			 (json_int_t)self.ru_maxrss, "threads", (json_int_t)threads, "runs_user_s",
			 (double)kids.ru_utime.tv_sec + (double)kids.ru_utime.tv_usec / 1e6, "runs_sys_s",
			 (double)kids.ru_stime.tv_sec + (double)kids.ru_stime.tv_usec / 1e6);
}

static json_t *target_json(const struct fleet_target *t)
{
	json_t *o = json_pack("{s:s, s:s, s:i, s:i, s:i, s:f}", "target", t->name, "status", fleet_status_name(t->status),
			      "exit", t->rc, "steps_done", t->steps_done, "steps", t->n,
			      "duration", t->t1 >= 0 && t->t0 >= 0 ? t->t1 - t->t0 : 0.0);
	json_object_set_new(o, "journal", json_string(t->journal));
	if (t->run_id)
		json_object_set_new(o, "run", json_string(t->run_id));
	if (t->message)
		json_object_set_new(o, "message", json_string(t->message));
	if (t->fail_msg) {
		json_t *f = json_pack("{s:s, s:s}", "step", t->fail_step ? t->fail_step : "", "message", t->fail_msg);
		if (t->fail_action)
			json_object_set_new(f, "action", json_string(t->fail_action));
		if (t->fail_line)
			json_object_set_new(f, "line", json_integer(t->fail_line));
		json_object_set_new(o, "first_failure", f);
	}
	json_t *tl = json_array();
	for (unsigned k = 0; k < t->nsteps; k++)
		json_array_append_new(tl, json_pack("{s:s, s:f, s:f, s:b}", "step", t->steps[k].name, "start", t->steps[k].t0,
						    "end", t->steps[k].t1, "failed", t->steps[k].failed));
	json_object_set_new(o, "timeline", tl);
	return o;
}

static int write_json(struct fleet *F, FILE *f)
{
	unsigned c[FS_NSTATUS];
	counts(F, c);
	json_t *cs = json_object(), *ts = json_array();
	for (int k = 0; k < FS_NSTATUS; k++)
		json_object_set_new(cs, fleet_status_name((enum fleet_status)k), json_integer(c[k]));
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++)
		for (unsigned i = 0; i < F->nt; i++)
			if (F->t[i].status == order[k])
				json_array_append_new(ts, target_json(&F->t[i]));
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:f}", "fleet", F->id, "journal", F->journal_path,
			      "plan", F->plan, "inventory", F->inventory, "exit", F->exit_code, "parallel", F->parallel,
			      "max_failures", F->budget_text, "duration", mono() - F->t0);
	json_object_set_new(o, "counts", cs);
	json_object_set_new(o, "controller", controller_json());
	json_object_set_new(o, "targets", ts);
	int rc = json_dumpf(o, f, JSON_INDENT(1) | JSON_ENSURE_ASCII);
	fputc('\n', f);
	json_decref(o);
	return rc;
}

static void html_text(FILE *f, const char *s)
{
	for (; s != NULL && *s; s++)
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
}

static const char *status_color(enum fleet_status s)
{
	switch (s) {
	case FS_COMPLETED: return "#2e7d32";
	case FS_ELSEWHERE: return "#558b2f";
	case FS_ROLLED_BACK: return "#ef6c00";
	case FS_FAILED: case FS_REJECTED: case FS_UNCHANGED: return "#c62828";
	case FS_LOCKED: return "#6a1b9a";
	default: return "#757575";
	}
}

/* One target's row: its name, outcome and first failure, and an SVG timeline of its steps. */
static void html_target(FILE *f, const struct fleet_target *t, double total)
{
	fprintf(f, "<tr class=\"t %s\"><td class=\"name\">", fleet_status_name(t->status));
	html_text(f, t->name);
	fprintf(f, "</td><td><span class=\"st\" style=\"background:%s\">%s</span></td><td>%u/%u</td><td>%.1f s</td><td>",
		status_color(t->status), fleet_status_name(t->status), t->steps_done, t->n,
		t->t1 >= 0 && t->t0 >= 0 ? t->t1 - t->t0 : 0.0);
	if (t->fail_msg != NULL) {
		fputs("step <b>", f);
		html_text(f, t->fail_step);
		fputs("</b>", f);
		if (t->fail_line)
			fprintf(f, " (plan line %u)", t->fail_line);
		fputs(": ", f);
		html_text(f, t->fail_msg);
	} else if (t->message != NULL && t->status != FS_COMPLETED) {
		html_text(f, t->message);
	}
	fputs("</td><td><svg width=\"400\" height=\"14\" viewBox=\"0 0 400 14\">", f);
	for (unsigned k = 0; k < t->nsteps; k++) {
		const struct fleet_step *s = &t->steps[k];
		double x0 = 400 * s->t0 / total, x1 = 400 * (s->t1 >= 0 ? s->t1 : total) / total;
		fprintf(f, "<rect x=\"%.1f\" y=\"1\" width=\"%.1f\" height=\"12\" fill=\"%s\"><title>", x0,
			x1 - x0 < 1 ? 1 : x1 - x0, s->failed ? "#c62828" : s->rollback ? "#ef6c00" : k % 2 ? "#66bb6a" : "#43a047");
		fputs(s->rollback ? "rollback to " : "", f);
		html_text(f, s->name);
		fputs("</title></rect>", f);
	}
	fputs("</svg></td></tr>\n", f);
}

static int write_html(struct fleet *F, FILE *f)
{
	unsigned c[FS_NSTATUS];
	double total = mono() - F->t0;
	counts(F, c);
	if (total <= 0)
		total = 1;
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>hotplan fleet ", f);
	html_text(f, F->id);
	fputs("</title>\n<style>body{font:14px sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse}"
	      "td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}"
	      ".st{color:#fff;border-radius:3px;padding:1px 6px;font-size:12px;white-space:nowrap}.name{font-family:monospace}"
	      ".counts span{margin-right:1.2em}svg{background:#f4f4f4}</style></head><body>\n<h1>Fleet ", f);
	html_text(f, F->id);
	fprintf(f, "</h1>\n<p>Plan <code>");
	html_text(f, F->plan);
	fputs("</code>, inventory <code>", f);
	html_text(f, F->inventory);
	fprintf(f, "</code>; --parallel %u, --max-failures ", F->parallel);
	html_text(f, F->budget_text);
	fprintf(f, "; exit <b id=\"exit\">%d</b>; %.1f s.</p>\n<p class=\"counts\">", F->exit_code, total);
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++)
		if (c[order[k]] > 0)
			fprintf(f, "<span><b>%u</b> %s</span>", c[order[k]], fleet_status_name(order[k]));
	fputs("</p>\n<table id=\"targets\"><tr><th>target</th><th>outcome</th><th>steps</th><th>time</th>"
	      "<th>first failure</th><th>timeline</th></tr>\n", f);
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++)   /* failures first */
		for (unsigned i = 0; i < F->nt; i++)
			if (F->t[i].status == order[k])
				html_target(f, &F->t[i], total);
	fputs("</table>\n<p>Timeline: each step of a target as a bar, from the fleet's start (left) to its end "
	      "(right); red: the step that failed, orange: the rollback to a checkpoint.</p>\n</body></html>\n", f);
	return 0;
}

int fleet_view_report(struct fleet *F, const char *path, char *err, size_t errlen)
{
	size_t n = strlen(path);
	bool html = n > 5 && (strcmp(path + n - 5, ".html") == 0 || strcmp(path + n - 4, ".htm") == 0);
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (f == NULL)
		return util_err(err, errlen, "write report %s: %s", path, strerror(errno));
	int rc = html ? write_html(F, f) : write_json(F, f);
	if (fclose(f) != 0 || rc != 0 || rename(tmp, path) != 0) {
		(void)unlink(tmp);
		return util_err(err, errlen, "write report %s: %s", path, strerror(errno ? errno : EIO));
	}
	return 0;
}
