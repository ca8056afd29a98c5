/* resume.c: `hotplan resume` (resume.h). The journal is read first without the target's
 * lock (a live run may be writing it: that run then holds the lock, and the resume is
 * refused), the run rebuilt from its header, the lock taken, and only then is the journal
 * opened for appending and read again, its torn tail cut. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "act.h"
#include "ask.h"
#include "last_run.h"
#include "leftover.h"
#include "resume.h"
#include "setup.h"

/* The target's lock for mending its last-run record (resume_ended), unless the resume holds it
 * already. 0, or EXIT_LOCKED when another run holds it (said), or -1: no lock to be had (an
 * error, said; the record is then left alone). */
static int lock_for_mending(struct run *R, const char *target)
{
	char msg[1024];
	struct lock_owner me, holder;
	if (R->lk != NULL)
		return 0;
	if (lock_owner_self(&me, R->log.header.run_id, journal_now_ns(), msg, sizeof(msg)) < 0) {
		run_say(R, "%s", msg);
		return -1;
	}
	int rc = lock_acquire(R->state_dir, target, &me, &R->lk, &holder, msg, sizeof(msg));
	if (rc == 1) {
		run_say(R, "%s", msg);
		return EXIT_LOCKED;
	}
	if (rc < 0 || msg[0] != '\0')
		run_say(R, "%s", msg);   /* an error, or a stale lock released */
	return rc < 0 ? -1 : 0;
}

/* A run that already ended cannot be resumed. If it died between its last record and the
 * target's last-run record, that record still says unfinished: mend it from the journal,
 * holding the target's lock (a `run --abandon` may be rewriting it). */
static int resume_ended(struct run *R, const char *journal_path)
{
	char err[512];
	const char *target = R->log.header.target;
	enum journal_status st = R->rs.end_status;
	struct last_run last;
	int rc = 0;
	if (target != NULL && journal_state_dir(R->state_dir, sizeof(R->state_dir), err, sizeof(err)) == 0 &&
	    (rc = lock_for_mending(R, target)) == 0 &&
	    last_run_read(R->state_dir, target, &last, err, sizeof(err)) == 0 &&
	    strcmp(last.run_id, R->log.header.run_id) == 0 && last.status == LAST_RUN_UNFINISHED) {
		last.status = last_run_status_of(st);
		if (last_run_write(R->state_dir, target, &last, true, err, sizeof(err)) == 0) {
			/* the runner died after its last record: this resume finishes its bookkeeping */
			run_say(R, "run %s had ended (%s); target '%s' now says so too", R->log.header.run_id,
				journal_status_name(st), target);
			return st == JOURNAL_STATUS_COMPLETED ? EXIT_OK
			       : st == JOURNAL_STATUS_ROLLED_BACK ? EXIT_ROLLED_BACK
			       : st == JOURNAL_STATUS_UNCHANGED ? EXIT_REJECTED : EXIT_FAILED;
		}
	}
	if (rc == EXIT_LOCKED)
		return EXIT_LOCKED;
	run_say(R, "run %s %s: it cannot be resumed; a new run starts from the beginning (%s)", R->log.header.run_id,
		last_run_ended_text(last_run_status_of(st)), journal_path);
	return EXIT_USAGE;
}

/* The value of the header's var KEY=VALUE; with iter, the next one from *iter on. NULL: none.
 * A copy in the run's arena: the log is read again, and freed, once the lock is held
 * (reopen), and what the run keeps of it must outlive that. */
static const char *header_var(struct run *R, const char *key, size_t *iter)
{
	const struct journal_log *log = &R->log;
	size_t klen = strlen(key);
	for (size_t i = iter ? *iter : 0; i < log->header.nvars; i++) {
		const char *v = log->header.vars[i];
		if (strncmp(v, key, klen) == 0 && v[klen] == '=') {
			if (iter)
				*iter = i + 1;
			return arena_strdup(&R->ctx.arena, v + klen + 1);
		}
	}
	return NULL;
}

/* ---- the run as it was started ------------------------------------------------------------ */

/* Its plan, inventory, target, kind, pace and --fail-at, from the header. */
static int started_options(struct run *R, const char *journal_path)
{
	const char *kind = header_var(R, "kind", NULL);
	R->o.plan_path = header_var(R, "plan", NULL);
	R->o.inventory_path = header_var(R, "inventory", NULL);
	R->o.target_name = header_var(R, "target", NULL);
	R->o.kind = kind && strcmp(kind, "cluster") == 0 ? PROC_CLUSTER : PROC_STANDALONE;
	const char *pace = header_var(R, "pace-ns", NULL);
	if (pace != NULL) {
		char *end;
		errno = 0;
		R->o.pace_ns = strtoll(pace, &end, 10);
		if (errno != 0 || end == pace || *end != '\0' || R->o.pace_ns < 0) {
			run_say(R, "%s: the journal's pace-ns is not a number of nanoseconds: '%s'", journal_path, pace);
			return EXIT_USAGE;
		}
	}
	if (!R->rs.has_failed_step)
		R->o.fail_at = header_var(R, "fail-at", NULL);
	return 0;
}

/* A secret param's value asked on the terminal, without echo: "NAME=VALUE" (arena), or NULL
 * when there is no terminal or no answer. */
static const char *ask_value(struct run *R, const char *name)
{
	char buf[4096];
	int e = 0;
	const char *q = arena_printf(&R->ctx.arena, "run %s was started with secret param '%s': its value (not shown): ",
				     R->log.header.run_id, name);
	enum ask_answer a = ask_secret(q, buf, sizeof(buf), &e);
	if (a == ASK_UNSEEN)
		run_say(R, "cannot ask for secret param '%s' on the terminal: %s", name, strerror(e));
	if (a != ASK_YES)
		return NULL;
	const char *v = arena_printf(&R->ctx.arena, "%s=%s", name, buf);
	memset(buf, 0, sizeof(buf));
	return v;
}

/* Its --set values, from the header; a secret param's (whose name alone the journal keeps)
 * from `given` (--set, --set-file), which may hold nothing else, or else asked on the
 * terminal. */
static int started_sets(struct run *R, const char *journal_path, const char *const *given, unsigned ngiven)
{
	const char **sets = arena_alloc(&R->ctx.arena, (R->log.header.nvars + 1) * sizeof(*sets));
	size_t it = 0;
	const char *s;
	while ((s = header_var(R, "set", &it)) != NULL) {
		if (strchr(s, '=') == NULL) {
			/* a secret param: the journal has its name only; the value comes again with --set */
			size_t n = strlen(s);
			const char *v = NULL;
			for (unsigned i = 0; i < ngiven; i++)
				if (strncmp(given[i], s, n) == 0 && given[i][n] == '=')
					v = given[i];
			if (v == NULL)
				v = ask_value(R, s);
			if (v == NULL) {
				run_say(R, "run %s was started with secret param '%s', whose value the journal does not keep: "
					"give it again with `hotplan resume %s --set %s=VALUE` (or --set-file %s=PATH, or "
					"on a terminal, where resume asks for it)", R->log.header.run_id, s, journal_path, s, s);
				return EXIT_USAGE;
			}
			s = v;
		}
		sets[R->o.nsets++] = s;
	}
	R->o.sets = sets;
	for (unsigned i = 0; i < ngiven; i++) {
		size_t n = strcspn(given[i], "=");
		bool secret = false;
		it = 0;
		while ((s = header_var(R, "set", &it)) != NULL)
			secret |= strchr(s, '=') == NULL && strlen(s) == n && strncmp(s, given[i], n) == 0;
		if (!secret || given[i][n] != '=') {
			run_say(R, "resume --set %.*s: only the secret params the run was started with are given again (the "
				"journal keeps every other value)", (int)n, given[i]);
			return EXIT_USAGE;
		}
	}
	return 0;
}

/* The roles as they were bound when the run started (a `move group` since must not move
 * them). */
static void started_roles(struct run *R)
{
	size_t it = 0;
	const char *s;
	while ((s = header_var(R, "role", &it)) != NULL) {
		const char *eq = strrchr(s, '=');
		for (const struct ast_role *r = R->proc->roles; eq && r != NULL; r = r->next)
			if (strlen(r->name.s) == (size_t)(eq - s) && strncmp(r->name.s, s, (size_t)(eq - s)) == 0)
				R->bind.nodes[r->index] = (nodeset)strtoull(eq + 1, NULL, 16);
	}
}

/* The run rebuilt: options, the same plan (its hash the header's), the target (rebuild_state,
 * under the lock, does the rest). */
static int rebuild(struct run *R, const char *journal_path, const char *const *given, unsigned ngiven)
{
	char err[1024];
	int rc;
	if ((rc = started_options(R, journal_path)) != 0 || (rc = started_sets(R, journal_path, given, ngiven)) != 0)
		return rc;
	if (R->o.plan_path == NULL) {
		run_say(R, "%s: the journal does not say which plan ran", journal_path);
		return EXIT_USAGE;
	}
	if (inputs_from_vars(&R->bound, &R->ctx.arena, R->log.header.vars, R->log.header.nvars, err, sizeof(err)) < 0) {
		run_say(R, "%s: %s", journal_path, err);
		return EXIT_USAGE;
	}
	if (!R->bound.recorded && R->naccept > 0) {
		run_say(R, "--accept-changed: run %s's journal records no inputs (written by an older hotplan): only its "
			"plan is compared", R->log.header.run_id);
		return EXIT_USAGE;
	}
	if ((rc = setup_load_plan(R, R->o.plan_path)) != 0)
		return rc;
	if (!R->bound.recorded) {
		if (memcmp(R->plan_hash, R->log.header.plan_hash, 32) != 0) {
			run_say(R, "%s changed since run %s started: resume needs the same plan", R->o.plan_path,
				R->log.header.run_id);
			return EXIT_USAGE;
		}
		run_say(R, "run %s's journal records no inputs (written by an older hotplan): only the plan's hash was "
			"compared, not its imports, the inventory, the profiles nor the nodes' addresses", R->log.header.run_id);
	}
	snprintf(R->sim_path, sizeof(R->sim_path), "%s.sim", R->journal_path);
	snprintf(R->run_id, sizeof(R->run_id), "%s", R->log.header.run_id);
	progress_init(&R->prog, stdout, R->o.log_json, R->run_id);
	if ((rc = setup_target(R)) != 0)
		return rc;
	/* the run keeps its identity: a plan changed with --accept-changed plan still resumes run
	 * R's journal and saved state */
	memcpy(R->plan_hash, R->log.header.plan_hash, 32);
	return 0;
}

/* Under the target's locks: the live target read, the roles as the run bound them, the
 * simulated target's saved state, then the operator's yes. */
static int rebuild_state(struct run *R)
{
	char err[1024];
	int rc;
	if ((rc = setup_live(R)) != 0)
		return rc;
	started_roles(R);
	if (R->sim && run_load_sim(R, err, sizeof(err)) < 0) {
		run_say(R, "%s", err);
		return EXIT_USAGE;
	}
	return setup_confirm(R);
}

/* ---- under the lock ------------------------------------------------------------------------- */

/* A runner killed while a command ran could not take the secret values out of what that
 * command printed (progress_redact_file): the resume, which has them again, does it, under the
 * lock, for every capture file of the run. */
static void redact_captures(struct run *R)
{
	if (R->nsecrets == 0)
		return;
	const char *dir = arena_printf(&R->ctx.arena, "%s.out", R->journal_path);
	DIR *d = opendir(dir);
	if (d == NULL)
		return;   /* no command ran, or none printed anything */
	for (const struct dirent *e; (e = readdir(d)) != NULL;)
		if (e->d_name[0] != '.')
			progress_redact_file(&R->prog, arena_printf(&R->ctx.arena, "%s/%s", dir, e->d_name), 0);
	closedir(d);
}

/* The journal again, now under the lock: opened for appending (its torn tail cut) and read. */
static int reopen(struct run *R, const char *journal_path)
{
	char err[1024];
	journal_resume_free(&R->rs);
	journal_log_free(&R->log);
	R->resuming = false;
	if (journal_open_append(journal_path, &R->j, &R->log, err, sizeof(err)) < 0) {
		run_say(R, "%s", err);
		return EXIT_USAGE;
	}
	if (journal_resume_state(&R->log, &R->rs, err, sizeof(err)) < 0) {
		run_say(R, "%s: %s", journal_path, err);
		journal_log_free(&R->log);
		return EXIT_USAGE;
	}
	R->resuming = true;
	return 0;
}

/* One command a runner that died left running (the journal's action-process record p of an
 * action whose end it lacks): waited for while its process group lives, up to R->wait_leftover
 * seconds from t0 (said once, *said). 0 when it has ended; EXIT_LOCKED when it still runs
 * (running its action again alongside it would act twice at once) or cannot be seen from this
 * host; EXIT_USAGE for a record that names no group; EXIT_INTERRUPTED on Ctrl-C. */
static int wait_leftover(struct run *R, const struct journal_ref *p, double t0, bool *said)
{
	struct leftover l;
	const char *text = R->log.records[p->seq].message;
	if (leftover_parse(text, &l) < 0) {
		run_say(R, "%s: record %u (action-process) names no process group: '%s'", R->journal_path, p->seq, text);
		return EXIT_USAGE;
	}
	const char *what = arena_printf(&R->ctx.arena, "the command of step '%s' (action %d) on %s", p->step_name,
					p->action, p->node);
	for (;;) {
		enum leftover_state st = leftover_state(&l);
		if (st == LEFTOVER_ENDED)
			return 0;
		if (st == LEFTOVER_ELSEWHERE) {
			run_say(R, "run %s: %s ran as process group %ld on host %s (runner pid %ld), which cannot be seen "
				"from here: resume it on %s", R->run_id, what, l.pgid, l.host, l.runner, l.host);
			return EXIT_LOCKED;
		}
		if (run_interrupts > 0) {
			run_say(R, "interrupted while waiting for process group %ld: nothing was run", l.pgid);
			return EXIT_INTERRUPTED;
		}
		double waited = run_now() - t0;
		if (waited >= R->wait_leftover) {
			run_say(R, "run %s: %s still runs as process group %ld (left by runner pid %ld, which is gone)%s: "
				"resume refused, nothing was run; wait for it to end, or stop it (kill -TERM -- -%ld), then "
				"resume again", R->run_id, what, l.pgid, l.runner,
				waited > 0.05 ? arena_printf(&R->ctx.arena, " after %.0f s", waited) : "", l.pgid);
			return EXIT_LOCKED;
		}
		if (!*said)
			progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_NOTE,
					.message = arena_printf(&R->ctx.arena, "%s, started by runner pid %ld before it "
								"died, still runs as process group %ld: waiting up to "
								"%.0f s for it to end", what, l.runner, l.pgid,
								R->wait_leftover) });
		*said = true;
		struct timespec ts = { 0, 100000000L };
		nanosleep(&ts, NULL);
	}
}

/* The commands a runner that died may have left running: each waited for, or the resume
 * refused (wait_leftover). */
static int wait_leftovers(struct run *R)
{
	double t0 = run_now();
	bool said = false;
	for (size_t i = 0; i < R->rs.nprocesses; i++) {
		int rc = wait_leftover(R, &R->rs.processes[i], t0, &said);
		if (rc != 0)
			return rc;
	}
	if (said)
		progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_NOTE,
				.message = arena_printf(&R->ctx.arena, "the commands left running ended after %.1f s: "
							"going on", run_now() - t0) });
	return 0;
}

/* run-resume journaled, then the rollback that had started, or the walk. */
static int go_on(struct run *R, const char *journal_path)
{
	char err[1024];
	progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_RUN_START,
			.message = arena_printf(&R->ctx.arena, "resume %s: plan %s (%s) on %s", R->run_id, R->plan->name.s,
						ctx_source(&R->ctx, R->plan->name.loc.file)->path, R->target.name) });
	struct journal_record rec = { .kind = JOURNAL_RUN_RESUME, .step = -1, .action = -1, .message = "hotplan resume" };
	if (journal_append(R->j, &rec, err, sizeof(err)) < 0) {
		run_say(R, "%s", err);
		return EXIT_USAGE;
	}
	if (R->rs.next != JOURNAL_NEXT_ROLLBACK)
		return act_walk(R);
	const struct ast_stmt *ck = setup_stmt_at(R, R->rs.rollback.step);
	if (ck == NULL || ck->kind != S_CHECKPOINT) {
		run_say(R, "%s: the journal rolls back to a checkpoint the plan does not have", journal_path);
		return EXIT_USAGE;
	}
	return act_finish_rollback(R, ck);
}

int resume_run(struct run *R, const char *given_path, const char *const *given, unsigned ngiven)
{
	char err[1024];
	int rc;

	/* absolute: every `hotplan resume PATH` said works from any directory */
	if (realpath(given_path, R->journal_path) == NULL)
		snprintf(R->journal_path, sizeof(R->journal_path), "%s", given_path);
	const char *jpath = R->journal_path;

	/* read it first (without its lock: a live run may be writing it), take the target's
	 * lock, and only then open it for appending */
	if (journal_read(jpath, &R->log, err, sizeof(err)) < 0) {
		run_say(R, "%s", err);
		return EXIT_USAGE;
	}
	R->resuming = true;
	if (journal_resume_state(&R->log, &R->rs, err, sizeof(err)) < 0) {
		run_say(R, "%s: %s", jpath, err);
		return EXIT_USAGE;
	}
	if (R->rs.next == JOURNAL_NEXT_NONE)
		return resume_ended(R, jpath);
	if ((rc = rebuild(R, jpath, given, ngiven)) != 0)
		return rc;
	if (journal_state_dir(R->state_dir, sizeof(R->state_dir), err, sizeof(err)) < 0) {
		run_say(R, "%s", err);
		return EXIT_USAGE;
	}
	if ((rc = setup_lock(R, true)) != 0 || (rc = rebuild_state(R)) != 0)
		return rc;
	redact_captures(R);
	if ((rc = reopen(R, jpath)) != 0)
		return rc;
	if (R->rs.next == JOURNAL_NEXT_NONE)
		return resume_ended(R, jpath);
	if ((rc = wait_leftovers(R)) != 0)
		return rc;
	return go_on(R, jpath);
}
