/* cmd_run.c: `hotplan run` and `hotplan resume`: options to struct run_opts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"

#include "cli.h"

/* "90s", "15m", "2h", "500ms" -> ns; -1 when malformed. */
static long long parse_pace(const char *s)
{
	char *end = NULL;
	long long x = strtoll(s, &end, 10);
	if (end == s || x < 0 || x > 86400LL * 1000)
		return -1;
	if (strcmp(end, "ms") == 0)
		return x * 1000000LL;
	if (strcmp(end, "s") == 0)
		return x * 1000000000LL;
	if (strcmp(end, "m") == 0)
		return x * 60000000000LL;
	if (strcmp(end, "h") == 0)
		return x * 3600000000000LL;
	return -1;
}

static int parse_log(const char *cmd, const char *log, bool *json)
{
	*json = false;
	if (log == NULL || strcmp(log, "text") == 0)
		return 0;
	if (strcmp(log, "json") == 0) {
		*json = true;
		return 0;
	}
	return usage_error(cmd, "invalid --log '%s' (expected text or json)", log);
}

int cmd_run(const struct args *a)
{
	struct run_opts o = { .kind = -1 };
	if (a->npos != 1)
		return usage_error("run", "%s", a->npos == 0 ? "expects a PLAN.hplan or IMAGE.hpc" : "expects one plan");
	o.plan_path = a->pos[0];
	if (a->kind != NULL) {
		if (strcmp(a->kind, "standalone") == 0)
			o.kind = 0;
		else if (strcmp(a->kind, "cluster") == 0)
			o.kind = 1;
		else
			return usage_error("run", "invalid --kind '%s' (expected standalone or cluster)", a->kind);
	}
	if (a->pace != NULL && (o.pace_ns = parse_pace(a->pace)) < 0)
		return usage_error("run", "invalid --pace '%s' (a duration: 500ms, 2s, 1m)", a->pace);
	if (parse_log("run", a->log, &o.log_json) != 0)
		return EXIT_USAGE;
	o.inventory_path = a->inventory;
	o.target_name = a->target;
	o.sets = (const char **)a->sets;
	o.nsets = a->nsets;
	o.dry_run = a->dry_run;
	o.yes = a->yes;
	o.journal_path = a->journal;
	o.abandon = a->abandon;
	o.fail_at = a->fail_at;
	return exec_run(&o);
}

int cmd_resume(const struct args *a)
{
	bool json;
	if (a->npos != 1)
		return usage_error("resume", "%s", "expects one JOURNAL");
	if (parse_log("resume", a->log, &json) != 0)
		return EXIT_USAGE;
	struct resume_opts o = { .journal_path = a->pos[0], .yes = a->yes, .log_json = json,
				 .given = (const char *const *)a->sets, .ngiven = a->nsets,
				 .accept = a->accepts, .naccept = a->naccepts, .wait_ns = -1 };
	if (a->wait != NULL) {
		o.wait_ns = strcmp(a->wait, "0") == 0 ? 0 : parse_pace(a->wait);
		if (o.wait_ns < 0)
			return usage_error("resume", "invalid --wait-commands '%s' (a duration: 0, 500ms, 30s, 5m)", a->wait);
	}
	return exec_resume(&o);
}
