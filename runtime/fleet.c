/* fleet.c: a fleet (exec.h, docs/fleets.md): the plan checked once, the targets chosen from the
 * inventory, the fleet's journal written, then fleet_loop.c runs one `hotplan run` per target;
 * `hotplan resume FLEET-JOURNAL` rebuilds the fleet from its journal first. */
#define _GNU_SOURCE /* fnmatch's extensions are not used; environ */
#include <errno.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "ask.h"
#include "diag.h"
#include "fleet.h"
#include "journal.h"
#include "parse.h"
#include "run.h"
#include "setup.h"
#include "target_file.h"
#include "util.h"

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	util_verr(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fputs("hotplan: ", stderr);
	progress_put_escaped(stderr, buf);
	fputc('\n', stderr);
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s != NULL ? s : "");
	if (d == NULL)
		arena_oom(strlen(s != NULL ? s : "") + 1);
	return d;
}

bool exec_is_fleet_journal(const char *path)
{
	return fleet_journal_is(path);
}

/* ---- the plan: checked once, its secret params, the lines of its steps ---- */

static unsigned line_of(void *ud, const char *step, const char *action)
{
	struct run *R = ud;
	const struct ast_stmt *st = NULL;
	for (unsigned k = 0; k < 2 && st == NULL && step != NULL; k++)
		if (R->plan->proc[k] != NULL)
			st = walk_find_stmt(R->plan->proc[k]->body, step, true);
	if (st == NULL)
		return 0;
	loc_t loc = st->loc;
	for (const struct ast_action *a = st->actions; a != NULL && action != NULL; a = a->next)
		if (strcmp(run_text(R, a->loc), action) == 0)
			loc = a->loc;
	return source_pos(ctx_source(&R->ctx, loc.file), loc.start).line;
}

/* Check the plan as a run would (its diagnostics shown once, not once per target): 0, or the
 * exit code. The struct run is kept for the plan's lines and secret params. */
static int load_plan(struct fleet *F)
{
	struct run_opts ro = { .plan_path = F->plan, .kind = -1 };
	struct run *R = run_new(&ro);
	int rc = setup_load_plan(R, F->plan);
	if (rc != 0)
		return run_free(R, rc);
	F->plan_run = R;
	F->line_of = line_of;
	for (const struct ast_param *p = R->plan->params; p != NULL; p = p->next)
		if (p->secret) {
			F->secrets = realloc(F->secrets, (F->nsecrets + 1) * sizeof(char *));
			if (F->secrets == NULL)
				arena_oom((F->nsecrets + 1) * sizeof(char *));
			F->secrets[F->nsecrets++] = xstrdup(p->name.s);
		}
	return 0;
}

static bool is_secret_set(const struct fleet *F, const char *set)
{
	size_t n = strcspn(set, "=");
	for (unsigned i = 0; i < F->nsecrets; i++)
		if (strlen(F->secrets[i]) == n && strncmp(F->secrets[i], set, n) == 0)
			return true;
	return false;
}

/* ---- the targets ---- */

static void add_target(struct fleet *F, const char *name)
{
	for (unsigned i = 0; i < F->nt; i++)
		if (strcmp(F->t[i].name, name) == 0)
			return;
	F->t = realloc(F->t, (F->nt + 1) * sizeof(*F->t));
	if (F->t == NULL)
		arena_oom((F->nt + 1) * sizeof(*F->t));
	struct fleet_target *t = &F->t[F->nt++];
	memset(t, 0, sizeof(*t));
	t->name = xstrdup(name);
	t->fd = -1;
	t->t1 = -1;
}

/* --targets all|NAME|GLOB[,…] against the inventory's targets, in the inventory's order. Each
 * pattern must match one at least. 0, or EXIT_USAGE (said). */
static int pick_targets(struct fleet *F, const struct ast_file *inv)
{
	char *list = xstrdup(F->o.targets), *save = NULL;
	int rc = 0;
	for (char *pat = strtok_r(list, ",", &save); pat != NULL && rc == 0; pat = strtok_r(NULL, ",", &save)) {
		unsigned found = 0;
		for (const struct ast_target *x = inv->targets; x != NULL; x = x->next)
			if (strcmp(pat, "all") == 0 || fnmatch(pat, x->name.s, 0) == 0) {
				add_target(F, x->name.s);
				found++;
			}
		if (found == 0) {
			say("--targets: %s names no target of %s", pat, F->inventory);
			rc = EXIT_USAGE;
		}
	}
	free(list);
	if (rc == 0 && F->nt == 0) {
		say("--targets: no target given");
		rc = EXIT_USAGE;
	}
	/* a real target changes only after a yes (SPEC 5): asked once for the fleet */
	unsigned real = 0;
	for (const struct ast_target *x = inv->targets; x != NULL && rc == 0; x = x->next)
		for (const struct ast_node *n = x->nodes; n != NULL; n = n->next)
			if (n->address != NULL) {
				for (unsigned i = 0; i < F->nt; i++)
					real += strcmp(F->t[i].name, x->name.s) == 0;
				break;
			}
	if (rc == 0 && real > 0 && !F->o.yes) {
		int e = 0;
		char q[256];
		snprintf(q, sizeof(q), "change %u real target%s of %u with this plan? [y/N] ", real, real == 1 ? "" : "s", F->nt);
		enum ask_answer a = ask_yes_no(q, &e);
		if (a != ASK_YES) {
			say("%s", a == ASK_NO ? "not confirmed: nothing was changed" : "the fleet has real targets: confirm on a terminal, or give --yes");
			rc = a == ASK_NO ? EXIT_REJECTED : EXIT_USAGE;
		}
	}
	return rc;
}

/* The inventory read (in a context of its own: its diagnostics alone are shown, as a run shows
 * them) and the targets picked from it. */
static int choose_targets(struct fleet *F)
{
	struct hp_ctx ctx;
	const char *why = NULL;
	int rc;
	ctx_init(&ctx);
	struct ast_file *inv = parse_file(&ctx, F->inventory, &why);
	if (inv == NULL) {
		say("%s", why);
		rc = EXIT_USAGE;
	} else if (ctx.diags.n > 0) {
		diag_finish(&ctx);
		diag_print_text(&ctx, stderr, util_color(STDERR_FILENO));
		say("%s: the inventory has errors", F->inventory);
		rc = EXIT_USAGE;
	} else {
		rc = pick_targets(F, inv);
	}
	ctx_free(&ctx);
	return rc;
}

/* --max-failures N or P% (of the targets): the failures tolerated. 0, or EXIT_USAGE. */
static int parse_budget(struct fleet *F, const char *s)
{
	char *end = NULL;
	long v = strtol(s, &end, 10);
	if (end == s || v < 0 || v > 100000000 || (*end != '\0' && strcmp(end, "%") != 0) || (*end == '%' && v > 100)) {
		say("invalid --max-failures '%s' (a number of targets, or a percentage: 10%%)", s);
		return EXIT_USAGE;
	}
	F->budget = *end == '%' ? v * (long)F->nt / 100 : v;
	if (s != F->budget_text)
		snprintf(F->budget_text, sizeof(F->budget_text), "%s", s);
	return 0;
}

/* One descriptor per target in flight, and a few of the controller's own: refused before
 * anything starts when the limit cannot be raised that far. */
static int check_fds(struct fleet *F)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)F->parallel + 32;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 0;
	if (rl.rlim_cur >= need)
		return 0;
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need) {
		rl.rlim_cur = need;
		if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
			return 0;
	}
	say("--parallel %u needs %llu file descriptors (one per target in flight, 32 for the controller), but the "
	    "limit is %llu (hard %llu): lower --parallel, or raise the limit (ulimit -n)", F->parallel,
	    (unsigned long long)need, (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
	return EXIT_USAGE;
}

/* ---- a new fleet: its directory and journal ---- */

static char **fields(const char *a, const char *b, const char *c, const char *d)
{
	char **f = calloc(5, sizeof(char *));
	if (f == NULL)
		arena_oom(5 * sizeof(char *));
	f[0] = xstrdup(a);
	f[1] = b ? xstrdup(b) : NULL;
	f[2] = b && c ? xstrdup(c) : NULL;
	f[3] = b && c && d ? xstrdup(d) : NULL;
	return f;
}

static int new_journal(struct fleet *F)
{
	char err[1024];
	if (journal_state_dir(F->state_dir, sizeof(F->state_dir), err, sizeof(err)) < 0 ||
	    journal_new_run_id(F->id, sizeof(F->id), err, sizeof(err)) < 0)
		goto fail;
	if ((size_t)snprintf(F->dir, sizeof(F->dir), "%s/fleets/%s", F->state_dir, F->id) >= sizeof(F->dir) - 32) {
		util_err(err, sizeof(err), "state directory %s: too long a path", F->state_dir);
		goto fail;
	}
	if (journal_mkdirs(F->dir, err, sizeof(err)) < 0)
		goto fail;
	if (snprintf(F->journal_path, sizeof(F->journal_path), "%s/fleet.journal", F->dir) < 0)
		goto fail;
	for (unsigned i = 0; i < F->nt; i++) {
		char path[4096];
		if (target_file_path(F->dir, "runs", F->t[i].name, ".journal", path, sizeof(path), err, sizeof(err)) < 0)
			goto fail;
		F->t[i].journal = xstrdup(path);
		memcpy(path + strlen(path) - strlen(".journal"), ".err", 5);
		F->t[i].errlog = xstrdup(path);
	}
	unsigned cap = 16 + F->nargs + F->nt + F->nfail_at, n = 0;
	char ***lines = calloc(cap, sizeof(*lines));
	if (lines == NULL)
		arena_oom(cap * sizeof(*lines));
	char par[32];
	snprintf(par, sizeof(par), "%u", F->parallel);
	lines[n++] = fields("fleet", F->id, NULL, NULL);
	lines[n++] = fields("state", F->state_dir, NULL, NULL);
	lines[n++] = fields("plan", F->plan, NULL, NULL);
	lines[n++] = fields("inventory", F->inventory, NULL, NULL);
	lines[n++] = fields("parallel", par, NULL, NULL);
	lines[n++] = fields("max-failures", F->budget < 0 ? "none" : F->budget_text, NULL, NULL);
	for (unsigned i = 0; i + 1 < F->nargs; i += 2) {   /* a secret param's value is never journaled */
		if (strcmp(F->args[i], "--set") == 0 && is_secret_set(F, F->args[i + 1])) {
			lines[n] = fields("secret", F->args[i + 1], NULL, NULL);
			lines[n++][1][strcspn(F->args[i + 1], "=")] = '\0';   /* its name only */
		} else {
			lines[n++] = fields("arg", F->args[i], F->args[i + 1], NULL);
		}
	}
	for (unsigned i = 0; i < F->nfail_at; i++)
		lines[n++] = fields("fail-at", F->fail_at[i], NULL, NULL);
	for (unsigned i = 0; i < F->nt; i++)
		lines[n++] = fields("target", F->t[i].name, F->t[i].journal, F->t[i].errlog);
	lines[n++] = fields("begin", NULL, NULL, NULL);
	int rc = fleet_journal_create(F->journal_path, lines, n, &F->jfd, err, sizeof(err));
	for (unsigned i = 0; i < n; i++) {
		for (char **f = lines[i]; *f != NULL; f++)
			free(*f);
		free(lines[i]);
	}
	free(lines);
	if (rc == 0)
		return 0;
fail:
	say("%s", err);
	return EXIT_USAGE;
}

/* --fail-at: STEP for every target, or TARGET-GLOB:STEP[,…] for chosen ones. */
static void split_fail_at(struct fleet *F, const char *spec)
{
	char *list = xstrdup(spec), *save = NULL;
	for (char *x = strtok_r(list, ",", &save); x != NULL; x = strtok_r(NULL, ",", &save)) {
		F->fail_at = realloc(F->fail_at, (F->nfail_at + 1) * sizeof(char *));
		if (F->fail_at == NULL)
			arena_oom((F->nfail_at + 1) * sizeof(char *));
		F->fail_at[F->nfail_at++] = xstrdup(x);
	}
	free(list);
}

static void free_fleet(struct fleet *F)
{
	for (unsigned i = 0; i < F->nt; i++) {
		struct fleet_target *t = &F->t[i];
		for (unsigned k = 0; k < t->nsteps; k++)
			free(t->steps[k].name);
		free(t->steps);
		free(t->name), free(t->journal), free(t->errlog), free(t->buf), free(t->run_id), free(t->step);
		free(t->fail_step), free(t->fail_action), free(t->fail_msg), free(t->message);
	}
	free(F->t);
	for (unsigned i = 0; i < F->nargs; i++)
		free(F->args[i]);
	free(F->args);
	for (unsigned i = 0; i < F->nsecrets; i++)
		free(F->secrets[i]);
	free(F->secrets);
	for (unsigned i = 0; i < F->nfail_at; i++)
		free(F->fail_at[i]);
	free(F->fail_at);
	if (F->jfd >= 0)
		close(F->jfd);
	if (F->plan_run != NULL)
		run_free(F->plan_run, 0);
}

static void add_arg(struct fleet *F, const char *a, const char *b)
{
	F->args = realloc(F->args, (F->nargs + 2) * sizeof(char *));
	if (F->args == NULL)
		arena_oom((F->nargs + 2) * sizeof(char *));
	F->args[F->nargs++] = xstrdup(a);
	F->args[F->nargs++] = xstrdup(b);
}

static int abs_path(const char *in, char *out, size_t len, const char *what)
{
	if (realpath(in, out) != NULL)
		return 0;
	say("%s %s: %s", what, in, strerror(errno));
	(void)len;
	return EXIT_USAGE;
}

static int start_fleet(struct fleet *F)
{
	int rc;
	if (F->o.inventory_path == NULL) {
		say("--targets needs --inventory: the targets are the inventory's");
		return EXIT_USAGE;
	}
	if ((rc = abs_path(F->o.plan_path, F->plan, sizeof(F->plan), "plan")) != 0 ||
	    (rc = abs_path(F->o.inventory_path, F->inventory, sizeof(F->inventory), "inventory")) != 0)
		return rc;
	for (unsigned i = 0; i + 1 < F->o.nargs; i += 2)
		add_arg(F, F->o.args[i], F->o.args[i + 1]);
	if (F->o.fail_at != NULL)
		split_fail_at(F, F->o.fail_at);
	F->parallel = F->o.parallel > 0 ? F->o.parallel : 1;
	if ((rc = load_plan(F)) != 0 || (rc = choose_targets(F)) != 0)
		return rc;
	if (F->o.max_failures != NULL && (rc = parse_budget(F, F->o.max_failures)) != 0)
		return rc;
	if ((rc = check_fds(F)) != 0 || (rc = new_journal(F)) != 0)
		return rc;
	return 0;
}

/* ---- a fleet resumed from its journal ---- */

static struct fleet_target *target_named(struct fleet *F, const char *name)
{
	for (unsigned i = 0; i < F->nt; i++)
		if (strcmp(F->t[i].name, name) == 0)
			return &F->t[i];
	return NULL;
}

static enum fleet_status status_named(const char *s)
{
	for (int k = 0; k < FS_NSTATUS; k++)
		if (strcmp(fleet_status_name((enum fleet_status)k), s) == 0)
			return (enum fleet_status)k;
	return FS_QUEUED;
}

/* A secret param's value, given again to the resume (--set NAME=V or --set-file NAME=PATH). */
static int secret_again(struct fleet *F, const char *name)
{
	size_t n = strlen(name);
	for (unsigned i = 0; i + 1 < F->o.nargs; i += 2)
		if (strncmp(F->o.args[i + 1], name, n) == 0 && F->o.args[i + 1][n] == '=') {
			add_arg(F, F->o.args[i], F->o.args[i + 1]);
			return 0;
		}
	say("param '%s' is secret: the fleet's journal does not keep its value; give it again with --set %s=VALUE "
	    "or --set-file %s=PATH", name, name, name);
	return EXIT_USAGE;
}

/* One line of the header or of what happened since. */
static int replay_line(struct fleet *F, const struct fleet_line *l, char host[256], char boot[64])
{
	const char *k = l->f[0], *a = l->n > 1 ? l->f[1] : "", *b = l->n > 2 ? l->f[2] : "", *c = l->n > 3 ? l->f[3] : "";
	struct fleet_target *t = l->n > 1 ? target_named(F, a) : NULL;
	if (strcmp(k, "fleet") == 0)
		snprintf(F->id, sizeof(F->id), "%s", a);
	else if (strcmp(k, "state") == 0)
		snprintf(F->state_dir, sizeof(F->state_dir), "%s", a);
	else if (strcmp(k, "plan") == 0)
		snprintf(F->plan, sizeof(F->plan), "%s", a);
	else if (strcmp(k, "inventory") == 0)
		snprintf(F->inventory, sizeof(F->inventory), "%s", a);
	else if (strcmp(k, "parallel") == 0)
		F->parallel = F->o.parallel > 0 ? F->o.parallel : (unsigned)strtoul(a, NULL, 10);
	else if (strcmp(k, "max-failures") == 0)
		snprintf(F->budget_text, sizeof(F->budget_text), "%s", F->o.max_failures ? F->o.max_failures : a);
	else if (strcmp(k, "arg") == 0)
		add_arg(F, a, b);
	else if (strcmp(k, "secret") == 0)
		return secret_again(F, a);
	else if (strcmp(k, "fail-at") == 0)
		split_fail_at(F, a);
	else if (strcmp(k, "target") == 0 && t == NULL) {
		add_target(F, a);
		F->t[F->nt - 1].journal = xstrdup(b);
		F->t[F->nt - 1].errlog = xstrdup(c);
	} else if (strcmp(k, "start") == 0 && t != NULL) {
		t->status = FS_RUNNING;
		t->orphan = 0;
	} else if (strcmp(k, "pid") == 0 && t != NULL && l->n > 4) {
		/* a runner on this machine, since its last boot, may still run */
		t->orphan = strcmp(b, "") != 0 && strcmp(c, host) == 0 && strcmp(l->f[4], boot) == 0 ? strtol(b, NULL, 10) : 0;
	} else if (strcmp(k, "end") == 0 && t != NULL) {
		t->status = status_named(b);
		t->rc = (int)strtol(c, NULL, 10);
		t->orphan = 0;
	}
	return 0;
}

/* The fleet's journal names the plan, the inventory and the options its resume runs: like the
 * state directory (docs/journal.md), it and its directory must be the effective user's and
 * not writable by others. 0, or EXIT_USAGE (said). */
static int trusted(const char *path)
{
	if (path == NULL)
		return EXIT_USAGE;
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	if (slash == NULL) {
		free(dir);
		dir = xstrdup(".");
	} else {
		slash[slash == dir] = '\0';   /* "/x" -> "/" */
	}
	const char *what[2] = { path, dir };
	int rc = 0;
	for (int i = 0; i < 2 && rc == 0; i++) {
		struct stat st;
		if (stat(what[i], &st) != 0) {
			say("%s: %s", what[i], strerror(errno));
			rc = EXIT_USAGE;
		} else if (st.st_uid != geteuid() || (st.st_mode & 022) != 0) {
			say("unsafe fleet journal: %s belongs to uid %u, mode %04o: only its owner (uid %u, who runs hotplan) "
			    "may write it or its directory, since its resume runs the plan it names", what[i],
			    (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777), (unsigned)geteuid());
			rc = EXIT_USAGE;
		}
	}
	free(dir);
	return rc;
}

static int fleet_resume_load(struct fleet *F)
{
	char err[1024], host[256], boot[64];
	struct fleet_line *lines = NULL;
	unsigned n = 0;
	int rc = trusted(F->o.resume_journal);
	if (rc != 0)
		return rc;
	if (fleet_journal_open(F->o.resume_journal, &F->jfd, err, sizeof(err)) < 0) {
		say("%s", err);
		return strstr(err, "another hotplan") != NULL ? EXIT_LOCKED : EXIT_USAGE;
	}
	if (fleet_journal_read(F->o.resume_journal, &lines, &n, err, sizeof(err)) < 0) {
		say("%s", err);
		return EXIT_USAGE;
	}
	if (realpath(F->o.resume_journal, F->journal_path) == NULL)
		snprintf(F->journal_path, sizeof(F->journal_path), "%s", F->o.resume_journal);
	fleet_host_boot(host, boot);
	for (unsigned i = 0; i < n && rc == 0; i++)
		if (lines[i].n > 0)
			rc = replay_line(F, &lines[i], host, boot);
	fleet_journal_free(lines, n);
	if (rc != 0)
		return rc;
	if (F->nt == 0 || F->plan[0] == '\0') {
		say("%s: the fleet's journal names no target (it was cut before its header ended)", F->journal_path);
		return EXIT_USAGE;
	}
	/* the targets' runs use the state directory the fleet started with */
	if (F->state_dir[0] != '\0' && setenv("HOTPLAN_STATE_DIR", F->state_dir, 1) != 0)
		return EXIT_USAGE;
	if (F->parallel == 0)
		F->parallel = 1;
	if ((rc = load_plan(F)) != 0 || (rc = parse_budget(F, F->budget_text)) != 0 || (rc = check_fds(F)) != 0)
		return rc;
	const char *resume[] = { "resume", F->id, NULL };
	if (fleet_journal_append(F->jfd, resume, err, sizeof(err)) < 0) {
		say("%s", err);
		return EXIT_USAGE;
	}
	for (unsigned i = 0; i < F->nt; i++) {
		struct fleet_target *t = &F->t[i];
		if (t->status == FS_COMPLETED || t->status == FS_ROLLED_BACK || t->status == FS_ELSEWHERE) {
			t->final = true;
			F->failures += t->status == FS_ROLLED_BACK;
		} else if (t->orphan > 0 && fleet_group_alive(t->orphan)) {
			t->status = FS_RUNNING;   /* left running by the controller that died: waited for */
			F->running++;
		} else {
			t->orphan = 0;
			fleet_settle(F, t);
		}
	}
	/* the budget counts what was rolled back before: past it, only the targets started
	 * before go on (a larger --max-failures lets new ones start) */
	F->budget_out = F->budget >= 0 && (long)F->failures > F->budget;
	return 0;
}

int exec_fleet(const struct fleet_opts *o)
{
	struct fleet F = { .o = *o, .jfd = -1, .budget = 0 };
	snprintf(F.budget_text, sizeof(F.budget_text), "0");
	const char *term = getenv("TERM");
	F.json = o->log_json;
	F.tty = !F.json && isatty(STDOUT_FILENO) && !(term != NULL && strcmp(term, "dumb") == 0);
	F.color = F.tty && util_color(STDOUT_FILENO);
	int rc = o->resume_journal != NULL ? fleet_resume_load(&F) : start_fleet(&F);
	if (rc == 0)
		rc = fleet_loop(&F);
	free_fleet(&F);
	return rc;
}
