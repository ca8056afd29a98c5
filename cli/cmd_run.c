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

#define SET_FILE_MAX (64u << 10)

/* A --set-file NAME=PATH as "NAME=VALUE" (malloc'd): the file's bytes, its last newline (or
 * CRLF) dropped. NULL after a usage error, which names the file, never what it holds. */
static char *read_set_file(const char *cmd, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (eq == NULL || eq == arg || eq[1] == '\0') {
		usage_error(cmd, "--set-file '%s': expected NAME=PATH", arg);
		return NULL;
	}
	FILE *f = fopen(eq + 1, "rb");
	size_t nlen = (size_t)(eq - arg) + 1, n = 0;
	char *buf = f != NULL ? malloc(nlen + SET_FILE_MAX + 2) : NULL;
	if (buf != NULL) {
		memcpy(buf, arg, nlen);
		n = fread(buf + nlen, 1, SET_FILE_MAX + 1, f);
	}
	bool bad = f == NULL || buf == NULL || ferror(f) || n > SET_FILE_MAX || memchr(buf + nlen, '\0', n) != NULL;
	if (f != NULL)
		(void)fclose(f);   /* read only */
	if (bad) {
		free(buf);
		usage_error(cmd, "--set-file '%s': cannot be read, or is not text of at most 64 KiB", arg);
		return NULL;
	}
	if (n > 0 && buf[nlen + n - 1] == '\n')
		n--;
	if (n > 0 && buf[nlen + n - 1] == '\r')
		n--;
	buf[nlen + n] = '\0';
	return buf;
}

/* --set, then --set-file (read), into sets (2 * CLI_MAX_SETS entries); the values read are
 * malloc'd: free(sets[from..*n)) after. -1 after a usage error. */
static int all_sets(const char *cmd, const struct args *a, const char **sets, unsigned *n, unsigned *from)
{
	*n = 0;
	for (unsigned i = 0; i < a->nsets; i++)
		sets[(*n)++] = a->sets[i];
	*from = *n;
	for (unsigned i = 0; i < a->nset_files; i++) {
		char *s = read_set_file(cmd, a->set_files[i]);
		if (s == NULL) {
			while (*n > *from)
				free((char *)sets[--(*n)]);
			return -1;
		}
		sets[(*n)++] = s;
	}
	return 0;
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

/* The options a fleet passes to every target's run or resume: pairs of words (pointing into
 * argv). n: entries used. */
static void fleet_args(const struct args *a, const char **v, unsigned *n)
{
	*n = 0;
	if (a->kind != NULL)
		v[(*n)++] = "--kind", v[(*n)++] = a->kind;
	if (a->pace != NULL)
		v[(*n)++] = "--pace", v[(*n)++] = a->pace;
	for (unsigned i = 0; i < a->nsets; i++)
		v[(*n)++] = "--set", v[(*n)++] = a->sets[i];
	for (unsigned i = 0; i < a->nset_files; i++)
		v[(*n)++] = "--set-file", v[(*n)++] = a->set_files[i];
}

/* --parallel, --max-failures, --report of a fleet run or resume into o. -1 after a usage error. */
static int fleet_common(const char *cmd, const struct args *a, struct fleet_opts *o)
{
	if (a->parallel != NULL) {
		char *end = NULL;
		long p = strtol(a->parallel, &end, 10);
		if (end == a->parallel || *end != '\0' || p < 1 || p > 100000) {
			usage_error(cmd, "invalid --parallel '%s' (a number of targets, 1 to 100000)", a->parallel);
			return -1;
		}
		o->parallel = (unsigned)p;
	}
	o->max_failures = a->max_failures;
	o->report = a->report;
	return parse_log(cmd, a->log, &o->log_json) != 0 ? -1 : 0;
}

/* `hotplan run PLAN --inventory INV --targets …`: a fleet (docs/fleets.md). */
static int cmd_run_fleet(const struct args *a)
{
	static const char *args[4 * CLI_MAX_SETS + 8];
	struct fleet_opts o = { .plan_path = a->pos[0], .inventory_path = a->inventory, .targets = a->targets,
				.fail_at = a->fail_at, .yes = a->yes, .wait_ns = -1, .args = args };
	const char *alone = a->target != NULL ? "--target" : a->journal != NULL ? "--journal"
			  : a->abandon != NULL ? "--abandon" : a->dry_run ? "--dry-run" : NULL;
	if (alone != NULL)
		return usage_error("run", "%s is for one target; with --targets each target's run has its own", alone);
	if (a->inventory == NULL)
		return usage_error("run", "%s", "--targets needs --inventory: the targets are the inventory's");
	if (a->targets[0] == '\0')
		return usage_error("run", "%s", "--targets names no target");
	if (a->kind != NULL && strcmp(a->kind, "standalone") != 0 && strcmp(a->kind, "cluster") != 0)
		return usage_error("run", "invalid --kind '%s' (expected standalone or cluster)", a->kind);
	if (a->pace != NULL && parse_pace(a->pace) < 0)
		return usage_error("run", "invalid --pace '%s' (a duration: 500ms, 2s, 1m)", a->pace);
	if (fleet_common("run", a, &o) < 0)
		return EXIT_USAGE;
	fleet_args(a, args, &o.nargs);
	return exec_fleet(&o);
}

int cmd_run(const struct args *a)
{
	struct run_opts o = { .kind = -1 };
	if (a->npos != 1)
		return usage_error("run", "%s", a->npos == 0 ? "expects a PLAN.hplan or IMAGE.hpc" : "expects one plan");
	if (a->targets != NULL)
		return cmd_run_fleet(a);
	if (a->parallel != NULL || a->max_failures != NULL || a->report != NULL)
		return usage_error("run", "%s", "--parallel, --max-failures and --report are for fleets (--targets)");
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
	const char *sets[2 * CLI_MAX_SETS];
	unsigned from;
	if (all_sets("run", a, sets, &o.nsets, &from) < 0)
		return EXIT_USAGE;
	o.inventory_path = a->inventory;
	o.target_name = a->target;
	o.sets = sets;
	o.dry_run = a->dry_run;
	o.yes = a->yes;
	o.journal_path = a->journal;
	o.abandon = a->abandon;
	o.fail_at = a->fail_at;
	int rc = exec_run(&o);
	for (unsigned i = from; i < o.nsets; i++)
		free((char *)sets[i]);
	return rc;
}

int cmd_resume(const struct args *a)
{
	bool json;
	if (a->npos != 1)
		return usage_error("resume", "%s", "expects one JOURNAL");
	if (a->targets != NULL)
		return usage_error("resume", "%s", "--targets: a fleet's journal names its targets");
	if (exec_is_fleet_journal(a->pos[0])) {
		static const char *args[4 * CLI_MAX_SETS + 8];
		struct fleet_opts fo = { .resume_journal = a->pos[0], .yes = a->yes, .wait_ns = -1, .args = args };
		if (fleet_common("resume", a, &fo) < 0)
			return EXIT_USAGE;
		fleet_args(a, args, &fo.nargs);
		return exec_fleet(&fo);
	}
	if (a->parallel != NULL || a->max_failures != NULL || a->report != NULL)
		return usage_error("resume", "%s", "--parallel, --max-failures and --report are for a fleet's journal");
	if (parse_log("resume", a->log, &json) != 0)
		return EXIT_USAGE;
	struct resume_opts o = { .journal_path = a->pos[0], .yes = a->yes, .log_json = json,
				 .accept = a->accepts, .naccept = a->naccepts, .wait_ns = -1 };
	if (a->wait != NULL) {
		o.wait_ns = strcmp(a->wait, "0") == 0 ? 0 : parse_pace(a->wait);
		if (o.wait_ns < 0)
			return usage_error("resume", "invalid --wait-commands '%s' (a duration: 0, 500ms, 30s, 5m)", a->wait);
	}
	const char *sets[2 * CLI_MAX_SETS];
	unsigned n, from;
	if (all_sets("resume", a, sets, &n, &from) < 0)
		return EXIT_USAGE;
	o.given = sets;
	o.ngiven = n;
	int rc = exec_resume(&o);
	for (unsigned i = from; i < n; i++)
		free((char *)sets[i]);
	return rc;
}
