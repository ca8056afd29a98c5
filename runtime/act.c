/* act.c: a run of a procedure: what the walk (walk.h) does on a target. Before each action
 * the model's preconditions are checked against the live state (the guard: the checker
 * proved the plan, the runtime guards the moment); the action is journaled before and after;
 * its effect is the model's. A failed step rolls back to the latest checkpoint passed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "act.h"
#include "commands.h"
#include "ask.h"
#include "lanes.h"
#include "run.h"

/* ---- the guard ------------------------------------------------------------------------- */

struct guard {
	struct run *R;
	char *msg;
	size_t len;
	bool refused;
};

static void guard_report(void *ud, const struct model_violation *v)
{
	struct guard *g = ud;
	if (v->decl_rule != NULL) {   /* a declared action's `requires`: an error rule refuses it */
		if (!g->refused && !v->decl_rule->warning) {
			g->refused = true;
			snprintf(g->msg, g->len, "refused by the guard: %s [%s]", v->decl_rule->message, v->decl_rule->id.s);
		}
		return;
	}
	const char *what = rule_table[v->rule].summary;
	if (g->refused || !rule_table[v->rule].guard_refuses)
		return;
	g->refused = true;
	const struct model *m = g->R->m;
	if (v->store >= 0)
		snprintf(g->msg, g->len, "refused by the guard: %s (%s) [%s]", what, m->stores[v->store].label,
			 rule_table[v->rule].id);
	else if (v->node >= 0)
		snprintf(g->msg, g->len, "refused by the guard: %s (%s) [%s]", what, g->R->target.nodes[v->node].name,
			 rule_table[v->rule].id);
	else
		snprintf(g->msg, g->len, "refused by the guard: %s [%s]", what, rule_table[v->rule].id);
}

/* Would the action break a rule in the live state? Then it must not run. */
/* NOLINTNEXTLINE(readability-non-const-parameter): msg is written through g.msg */
static bool guard_refuses(struct run *R, const struct ast_action *a, char *msg, size_t len)
{
	struct guard g = { R, msg, len, false };
	char why[1024] = "";
	if (!model_action_kinds[a->kind].guarded)
		return false;
	if (R->drv->ops->refresh != NULL)
		R->drv->ops->refresh(R->drv, a, why, sizeof(why));   /* the target as it is now */
	model_state_copy(R->m, R->scratch, R->live);
	model_apply(R->m, R->scratch, &R->bind, a, guard_report, &g);
	if (g.refused && why[0] != '\0') {
		size_t n = strlen(msg);
		snprintf(msg + n, len - n, " (%s)", why);
	}
	return g.refused;
}

/* ---- actions --------------------------------------------------------------------------- */

static void sleep_ns(long long ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL) };
	lanes_release();   /* the other nodes of a parallel loop go on meanwhile */
	while (nanosleep(&ts, &ts) < 0 && !run_aborted())
		;
	lanes_acquire();
}

/* "pause: TEXT\ncontinue? [y/N] ", TEXT escaped for the terminal (malloc'd). */
static char *pause_question(const char *text)
{
	char *q = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&q, &n);
	if (f == NULL)
		arena_oom(strlen(text) + 64);
	fputs("pause: ", f);
	progress_put_escaped(f, text);
	fputs("\ncontinue? [y/N] ", f);
	if (fclose(f) != 0)
		arena_oom(strlen(text) + 64);   /* only memory can run out here */
	return q;
}

static int ask_pause(struct run *R, const struct ast_action *a, char *msg, size_t len)
{
	if (R->o.yes)
		return 0;
	int e = 0;
	char *q = pause_question(a->arg.s);
	enum ask_answer ans = ask_yes_no(q, &e);
	free(q);
	switch (ans) {
	case ASK_YES:
		return 0;
	case ASK_NO_TERMINAL:
		snprintf(msg, len, "pause \"%s\": no terminal to ask and no --yes", a->arg.s);
		return -1;
	case ASK_UNSEEN:
		snprintf(msg, len, "pause \"%s\": cannot ask on the terminal (%s)", a->arg.s, strerror(e));
		return -1;
	case ASK_NO:
		break;
	}
	snprintf(msg, len, "pause \"%s\": the operator said no", a->arg.s);
	return -1;
}

/* `wait until COND [timeout]`: the driver's part (a command, if the profile has one), then
 * the condition, polled each second until it holds or the timeout (an hour if none) passes.
 * The simulated target gets there at once: a restarted node comes back. */
static int wait_until(struct run *R, const struct ast_action *a, char *msg, size_t len)
{
	mset v;
	if (R->drv->ops->act(R->drv, a, &R->bind, 0, msg, len) < 0)
		return -1;
	if (R->sim) {
		model_apply(R->m, R->live, &R->bind, a, NULL, NULL);
		v = run_eval(R, a->cond, msg, len);
		if (v != B_YES) {
			if (v == B_NO)
				snprintf(msg, len, "timed out: %s never held", run_text(R, a->cond->loc));
			return -1;
		}
		return 0;
	}
	long long timeout = a->duration >= 0 ? a->duration : 3600;
	double deadline = run_now() + (double)timeout;
	for (;;) {
		msg[0] = '\0';
		v = run_eval(R, a->cond, msg, len);
		if (v == B_YES)
			break;
		if (run_now() >= deadline || run_aborted()) {   /* and what the last look found */
			char found[768];
			snprintf(found, sizeof(found), "%s", msg);
			snprintf(msg, len, "timed out after %llds: %s%s%s", timeout, run_text(R, a->cond->loc),
				 found[0] ? ": " : "", found);
			return -1;
		}
		sleep_ns(1000000000LL);
	}
	model_apply(R->m, R->live, &R->bind, a, NULL, NULL);
	return 0;
}

/* Can the action change the target? Every action that runs a command that can: `verify`,
 * `wait`, `wait until` and `pause` only read (their probes included). */
static bool changes_target(const struct ast_action *a)
{
	switch (a->kind) {
	case A_VERIFY:
	case A_WAIT:
	case A_WAIT_UNTIL:
	case A_PAUSE:
		return false;
	default:
		return true;
	}
}

/* A move of `move all groups to R` whose group is on R already: nothing to run (a move
 * written out for one group runs its command whatever the owner). */
static bool know_move_done(struct run *R, const struct ast_action *a)
{
	if (a->grp == NULL || a->grp->index >= R->m->ngroups || a->to_role == NULL || a->to_role->index >= R->bind.n)
		return false;
	if (!a->all_groups && strncmp(run_text(R, a->loc), "move all groups", 15) != 0)
		return false;
	nodeset to = R->bind.nodes[a->to_role->index];
	return to != 0 && R->live->owner[a->grp->index] == to;
}

/* Carry one action out. 0 done, -1 failed (msg). The effect reaches the live state. */
static int do_action(struct run *R, const struct ast_action *a, char *msg, size_t len)
{
	nodeset nodes = model_action_nodes(R->m, R->live, &R->bind, a);
	mset v;

	switch (a->kind) {
	case A_WAIT:
		if (R->sim)
			return R->drv->ops->act(R->drv, a, &R->bind, 0, msg, len);
		sleep_ns(a->duration * 1000000000LL);
		return 0;
	case A_PAUSE:
		return ask_pause(R, a, msg, len);
	case A_VERIFY:
		v = run_eval(R, a->cond, msg, len);
		if (v == B_YES)
			return 0;
		if (v == B_NO) {   /* and what the atom that decided found, when it said */
			char found[768];
			snprintf(found, sizeof(found), "%s", msg);
			snprintf(msg, len, "verification failed: %s%s%s", a->message ? a->message : run_text(R, a->cond->loc),
				 found[0] ? ": " : "", found);
		} else if (msg[0] == '\0') {
			snprintf(msg, len, "cannot tell whether %s holds", run_text(R, a->cond->loc));
		}
		return -1;
	case A_WAIT_UNTIL:
		return wait_until(R, a, msg, len);
	case A_MOVE_GROUP:
		if (know_move_done(R, a))
			return 0;
		/* fall through */
	default:
		if (R->drv->ops->act(R->drv, a, &R->bind, nodes, msg, len) < 0)
			return -1;
		model_apply(R->m, R->live, &R->bind, a, NULL, NULL);
		return 0;
	}
}

/* `exec "S"` as the plan writes a string: `"` and `\` escaped. */
static const char *know_exec_text(struct arena *a, const char *str)
{
	size_t n = strlen(str);
	char *out = arena_alloc(a, 2 * n + 8), *o = stpcpy(out, "exec \"");
	for (const char *p = str; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			*o++ = '\\';
		*o++ = *p;
	}
	*o++ = '"';
	*o = '\0';
	return out;
}

/* A `move all groups to R` is one move per group: each says which. An exec's `${ROLE}`s on a
 * target whose commands are not rendered (the simulated one): the nodes' names. */
static void know_words(struct run *R, const struct ast_action *a, struct progress_ev *ev)
{
	if (a->kind == A_MOVE_GROUP && a->arg.s != NULL &&
	    (a->all_groups || strncmp(run_text(R, a->loc), "move all groups", 15) == 0))   /* an image keeps the text */
		ev->said = arena_printf(&R->ctx.arena, "move group \"%s\" to %s (all groups)", a->arg.s,
					a->to.s ? a->to.s : "?");
	else if (a->kind == A_EXEC && R->cmd == NULL && a->arg.s != NULL && strstr(a->arg.s, "${") != NULL)
		ev->said = know_exec_text(&R->ctx.arena,
					  commands_exec_roles(&R->ctx.arena, R->m, R->proc, &R->bind, a->arg.s));
}

/* How the text form names an action and where it goes (progress.h): the action without its
 * own `on ROLE`, and the role its node is bound to (own or the step's), so that a line reads
 * `exec "…" on SQLN2 (passive)`, not `exec "…" on passive on SQLN2`. */
static void action_words(struct run *R, const struct ast_action *a, struct progress_ev *ev)
{
	ev->role = a->node != NULL ? a->node->name.s : NULL;
	know_words(R, a, ev);
	if (ev->said != NULL || a->on.s == NULL || a->on.loc.start <= a->loc.start || a->on.loc.end > a->loc.end)
		return;
	const char *t = ctx_source(&R->ctx, a->loc.file)->text;
	uint32_t kw = a->on.loc.start;   /* back over the blanks and `on` before the role */
	while (kw > a->loc.start && (t[kw - 1] == ' ' || t[kw - 1] == '\t'))
		kw--;
	if (kw < a->loc.start + 2 || strncmp(t + kw - 2, "on", 2) != 0)
		return;
	const char *head = run_text(R, (loc_t){ a->loc.file, a->loc.start, kw - 2 });
	uint32_t rest = a->on.loc.end;
	while (rest < a->loc.end && (t[rest] == ' ' || t[rest] == '\t'))
		rest++;
	const char *tail = run_text(R, (loc_t){ a->loc.file, rest, a->loc.end });
	ev->said = arena_printf(&R->ctx.arena, "%s%s%s", head, *tail ? " " : "", tail);
}

/* Has an action whose end the journal lacks already taken effect? The probe is the model's:
 * acting again would change nothing. */
static bool effect_present(struct run *R, const struct ast_action *a)
{
	if (!model_action_kinds[a->kind].reverify)
		return false;
	model_state_copy(R->m, R->scratch, R->live);
	model_apply(R->m, R->scratch, &R->bind, a, NULL, NULL);
	return model_state_equal(R->m, R->scratch, R->live);
}

/* Did this action (action idx of step st, in the walk's iteration) act before the run
 * was resumed? Done if the journal says so; and one it shows started but not ended is done
 * if its effect is there (journaled done, then, so that the next resume does not ask). */
static bool done_before(struct run *R, const struct ast_stmt *st, const struct ast_action *a, int idx,
			const char *node, const char *text)
{
	if (journal_resume_action_done(&R->rs, (int32_t)st->index, R->walk.label, idx, node ? node : ""))
		return true;
	for (size_t i = 0; i < R->rs.ninflight; i++) {
		const struct journal_ref *f = &R->rs.inflight[i];
		if (f->step == (int32_t)st->index && f->action == idx && strcmp(f->iter ? f->iter : "", R->walk.label) == 0 &&
		    effect_present(R, a)) {
			run_journal(R, JOURNAL_ACTION_DONE, st, idx, node, "verified after an interruption", 0);
			struct progress_ev ev = { .kind = EV_ACTION_DONE, .step = st->name.s, .node = node,
						  .action = text, .status = "ok", .message = "already done (verified)" };
			action_words(R, a, &ev);
			progress_emit(&R->prog, &ev);
			return true;
		}
	}
	return false;
}

/* One action of a step (rollback: of a checkpoint), journaled before and after, under the
 * guard. 0 done, -1 failed (R->why says where and why). */
static int journaled_action(struct run *R, const struct ast_stmt *st, const struct ast_action *a, int idx, bool rollback)
{
	char msg[1024] = "";
	nodeset nodes = model_action_nodes(R->m, R->live, &R->bind, a);
	const char *node = run_nodes_text(R, nodes);
	const char *text = run_text(R, a->loc);
	double t0 = run_now();

	struct progress_ev said = { .step = st->name.s, .node = node, .action = text };
	action_words(R, a, &said);

	if (R->o.dry_run) {
		/* say it, and follow it in the model so that what comes after binds right */
		said.kind = EV_DRY_RUN;
		progress_emit(&R->prog, &said);
		R->drv->ops->describe(R->drv, a, &R->bind, nodes, R->prog.out);
		model_apply(R->m, R->live, &R->bind, a, NULL, NULL);
		return 0;
	}
	if (R->resuming && !rollback && done_before(R, st, a, idx, node, text))
		return 0;
	enum journal_kind k_start = rollback ? JOURNAL_ROLLBACK_ACTION_START : JOURNAL_ACTION_START;
	enum journal_kind k_done = rollback ? JOURNAL_ROLLBACK_ACTION_DONE : JOURNAL_ACTION_DONE;
	enum journal_kind k_fail = rollback ? JOURNAL_ROLLBACK_ACTION_FAILED : JOURNAL_ACTION_FAILED;

	if (run_journal(R, k_start, st, idx, node, NULL, 0) < 0)
		return -1;
	said.kind = EV_ACTION_START;
	progress_emit(&R->prog, &said);
	int rc;
	R->acting = st;   /* the commands it starts are journaled as its (run_process_started) */
	R->acting_idx = idx;
	if (guard_refuses(R, a, msg, sizeof(msg))) {
		rc = -1;
	} else {
		R->changed |= changes_target(a);   /* from here on its command may have acted */
		rc = do_action(R, a, msg, sizeof(msg));
	}
	R->acting = NULL;
	if (R->sim && rc == 0 && run_save_sim(R) < 0)
		return -1;   /* not recorded as done: a resume re-verifies it against the saved state */
	if (rc < 0) {
		run_journal(R, k_fail, st, idx, node, msg, 0);
		said.kind = EV_ACTION_FAILED;
		said.status = "failed";
		said.message = msg;
		progress_emit(&R->prog, &said);
		if (R->io_failed)
			return -1;   /* R->why names the write that failed */
		struct src_pos pos = source_pos(ctx_source(&R->ctx, a->loc.file), a->loc.start);
		int n = snprintf(R->why, sizeof(R->why), "%s:%u:%u: ", ctx_source(&R->ctx, a->loc.file)->path, pos.line,
				 pos.col);
		if (n >= 0 && (size_t)n < sizeof(R->why))
			snprintf(R->why + n, sizeof(R->why) - (size_t)n, "%s", msg);
		return -1;
	}
	if (run_journal(R, k_done, st, idx, node, NULL, 0) < 0)
		return -1;
	said.kind = EV_ACTION_DONE;
	said.status = "ok";
	said.elapsed = run_now() - t0;
	progress_emit(&R->prog, &said);
	return 0;
}

/* ---- the walk: what the runtime does at each statement (walk.h) --------------------------- */

static enum walk_status step_start(void *ud, const struct ast_stmt *st, unsigned k)
{
	struct run *R = ud;
	const char *node = st->node && st->node->index < R->bind.n ? run_nodes_text(R, R->bind.nodes[st->node->index]) : NULL;

	if (lanes_stopping())
		return WALK_INTERRUPTED;   /* another node of the loop failed: this one stops here */
	R->step_node = node;
	R->step_t0 = run_now();
	if (R->resuming && journal_resume_step_done(&R->rs, (int32_t)st->index, R->walk.label)) {
		progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_RESUME_SKIP, .step = st->name.s, .k = k,
				.n = R->nsteps, .node = node });
		return WALK_SKIP;
	}
	R->replayed = true;   /* past what the journal shows done: from here on, record everything */
	progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_STEP_START, .step = st->name.s, .title = st->title,
			.k = k, .n = R->nsteps, .node = node });
	if (st == R->fail_at && !R->fail_at_used && !R->o.dry_run) {
		R->fail_at_used = true;
		snprintf(R->why, sizeof(R->why), "step '%s' failed on purpose (--fail-at)", st->name.s);
		if (run_journal(R, JOURNAL_STEP_FAILED, st, -1, node, R->why, 0) < 0)
			return WALK_ERROR;
		progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_STEP_FAILED, .step = st->name.s, .node = node,
				.message = R->why });
		return WALK_FAILED;
	}
	return WALK_ON;
}

static enum walk_status step_action(void *ud, const struct ast_stmt *st, const struct ast_action *a, int idx)
{
	struct run *R = ud;
	if (journaled_action(R, st, a, idx, false) < 0) {
		if ((R->j == NULL && !R->o.dry_run) || R->io_failed)
			return WALK_ERROR;
		if (run_journal(R, JOURNAL_STEP_FAILED, st, -1, R->step_node, R->why, 0) < 0)
			return WALK_ERROR;
		progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_STEP_FAILED, .step = st->name.s,
				.node = R->step_node, .message = R->why });
		return WALK_FAILED;
	}
	enum run_stop stop = run_stop(R);
	if (stop == RUN_IO_FAILED)
		return WALK_ERROR;         /* "verified after an interruption" could not be journaled */
	if (stop == RUN_INTERRUPTED && a->next != NULL)
		return WALK_INTERRUPTED;   /* after a step's last action: at its end (step_done) */
	return WALK_ON;
}

static enum walk_status step_done(void *ud, const struct ast_stmt *st, unsigned k)
{
	struct run *R = ud;
	if (run_journal(R, JOURNAL_STEP_DONE, st, -1, R->step_node, NULL, 0) < 0)
		return WALK_ERROR;
	progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_STEP_DONE, .step = st->name.s, .k = k, .n = R->nsteps,
			.node = R->step_node, .elapsed = run_now() - R->step_t0 });
	return run_stop(R) == RUN_INTERRUPTED ? WALK_INTERRUPTED : WALK_ON;
}

static enum walk_status pass_checkpoint(void *ud, const struct walk_snapshot *snap)
{
	struct run *R = ud;
	const struct ast_stmt *st = snap->ckpt;
	R->ckpt = snap;
	if ((!R->resuming || R->replayed) &&   /* a resume passes again the checkpoints it journaled before */
	    run_journal(R, JOURNAL_CHECKPOINT, st, -1, NULL, NULL, 0) < 0)
		return WALK_ERROR;
	progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_CHECKPOINT, .step = st->name.s });
	return WALK_ON;
}

/* An `if`: its condition on the target decides the one branch that runs. */
static enum walk_status decide_if(void *ud, struct walk *w, const struct ast_stmt *st)
{
	struct run *R = ud;
	char why[512] = "";
	mset v = run_eval(R, st->cond, why, sizeof(why));
	if (v == B_ANY) {
		snprintf(R->why, sizeof(R->why), "`if %s`: %s", run_text(R, st->cond->loc), why);
		return WALK_ERROR;
	}
	return walk_branch(w, st, v == B_YES);
}

/* `for each … serial N`: the nodes in lanes, up to N at once (lanes.h). */
static enum walk_status run_foreach(void *ud, struct walk *w, const struct ast_stmt *st, const unsigned *nodes,
				    unsigned n, unsigned serial)
{
	static const struct lanes_ops ops = { run_lane_save, run_lane_load };
	return (enum walk_status)lanes_foreach(ud, &ops, w, st, nodes, n, serial);
}

static const struct walk_ops act_ops = {
	.step = step_start,
	.action = step_action,
	.step_done = step_done,
	.checkpoint = pass_checkpoint,
	.branch = decide_if,
	.foreach = run_foreach,
};

/* ---- the end: done, rolled back, or failed ----------------------------------------------- */

static void print_degradations(struct run *R)
{
	struct model_degr d[16];
	unsigned n = model_degradations(R->m, R->live, d, 16);
	if (n == 0) {
		progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_NOTE,
				.message = "the target was left in service: nothing the model follows is degraded" });
		return;
	}
	progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_NOTE, .message = "the target was left degraded:" });
	for (unsigned i = 0; i < n && i < 16; i++) {
		const char *s = model_degr_text(&R->ctx.arena, R->m, &d[i], NULL, NULL);
		progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_NOTE,
				.message = arena_printf(&R->ctx.arena, "  %s", s) });
	}
}

/* A checkpoint's action, in a rollback (a resume's: unless the journal shows it done). */
static enum walk_status rollback_action(void *ud, const struct ast_stmt *ck, const struct ast_action *a, int idx)
{
	struct run *R = ud;
	if (R->resuming && R->rs.rollback_started) {
		const char *node = run_nodes_text(R, model_action_nodes(R->m, R->live, &R->bind, a));
		if (journal_resume_rollback_action_done(&R->rs, idx, node ? node : ""))
			return WALK_ON;
	}
	return journaled_action(R, ck, a, idx, true) < 0 ? WALK_FAILED : WALK_ON;
}

static int rollback(struct run *R)
{
	const struct ast_stmt *ck = R->ckpt->ckpt;
	/* what follows is the checkpoint's: its bindings, and its label in the rollback-start
	 * record, which a resume binds again (act_finish_rollback) */
	walk_restore(&R->walk, R->ckpt);
	if (run_journal(R, JOURNAL_ROLLBACK_START, ck, -1, NULL, NULL, 0) < 0)
		return -1;
	progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_ROLLBACK_START, .step = ck->name.s });
	if (walk_replay(&R->walk, R->ckpt, rollback_action, R) != WALK_ON) {
		run_journal(R, JOURNAL_ROLLBACK_FAILED, ck, -1, NULL, R->why, 0);
		progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_ROLLBACK_FAILED, .step = ck->name.s,
				.message = R->why });
		return -1;
	}
	/* the checkpoint's actions ran: did they undo what the run degraded? (what was degraded
	 * before the run, read back from a live target, is not the run's to undo) */
	struct model_degr d[64];
	unsigned nd = model_degradations(R->m, R->live, d, 64);
	bool ours = false;
	for (unsigned i = 0; i < nd && i < 64; i++)
		ours |= d[i].cause != NULL;
	if (ours) {
		snprintf(R->why, sizeof(R->why), "the actions of checkpoint '%s' ran, but the target is still degraded",
			 ck->name.s);
		run_journal(R, JOURNAL_ROLLBACK_FAILED, ck, -1, NULL, R->why, 0);
		progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_ROLLBACK_FAILED, .step = ck->name.s,
				.message = R->why });
		return -1;
	}
	run_journal(R, JOURNAL_ROLLBACK_DONE, ck, -1, NULL, NULL, 0);
	progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_ROLLBACK_DONE, .step = ck->name.s });
	return 0;
}

/* An `ensure` that does not hold when the procedure ends, said at the `ensure` (an action
 * that certainly makes it false is a check error, HP123: the run would not have started),
 * with its message and what the probe that decided found. */
static void ensure_failed(struct run *R, const struct ast_require *e, const char *found)
{
	struct source *src = ctx_source(&R->ctx, e->loc.file);
	struct src_pos pos = source_pos(src, e->loc.start);
	snprintf(R->why, sizeof(R->why), "%s:%u:%u: ensure %s does not hold when the procedure ends%s%s%s%s",
		 src->path, pos.line, pos.col, run_text(R, e->cond->loc), e->message || *found ? ": " : "",
		 e->message ? e->message : "", e->message && *found ? ": " : "", found);
}

static int verify_ensures(struct run *R)
{
	for (const struct ast_require *e = R->plan->ensures; e != NULL; e = e->next) {
		char why[512] = "";
		if (run_eval(R, e->cond, why, sizeof(why)) != B_YES) {
			ensure_failed(R, e, why);
			return -1;
		}
	}
	return 0;
}

static int done(struct run *R, const char *status, enum journal_status js, int code, const char *msg)
{
	if (!R->o.dry_run)
		run_finish(R, js);
	if (R->io_failed && code != EXIT_FAILED) {
		/* the journal does not say how the run ended: a person must look; resume finishes it */
		status = "failed";
		code = EXIT_FAILED;
		msg = R->why;
	}
	progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_RUN_DONE, .status = status, .message = msg,
			.elapsed = run_now() - R->t0 });
	return code;
}

int act_finish_rollback(struct run *R, const struct ast_stmt *ck)
{
	/* the checkpoint's bindings, as the journal's label of the rollback names them */
	walk_init(&R->walk, &act_ops, R, R->m, &R->bind, &R->ctx.arena);
	walk_set_label(&R->walk, R->proc, R->rs.rollback.iter);
	R->ckpt = walk_snapshot(&R->walk, ck);
	if (rollback(R) < 0) {
		print_degradations(R);
		return done(R, "failed", JOURNAL_STATUS_FAILED, EXIT_FAILED, R->why);
	}
	return done(R, "rolled-back", JOURNAL_STATUS_ROLLED_BACK, EXIT_ROLLED_BACK, "the rollback was finished by resume");
}

/* A run that failed before any action that can change the target ran: nothing to roll back
 * and nothing for a person to look at; it ends like a failed prerequisite (exit 1) and
 * leaves the target free (SPEC section 5; docs/journal.md). */
static int unchanged(struct run *R, const char *why)
{
	progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_NOTE,
			.message = "nothing was changed: the run failed before any action that changes the target" });
	return done(R, "failed", JOURNAL_STATUS_UNCHANGED, EXIT_REJECTED, why);
}

int act_walk(struct run *R)
{
	R->changed |= R->resuming;
	walk_init(&R->walk, &act_ops, R, R->m, &R->bind, &R->ctx.arena);
	enum walk_status w = walk_stmts(&R->walk, R->proc->body);

	if (w == WALK_INTERRUPTED) {
		run_journal(R, JOURNAL_INTERRUPTED, NULL, -1, NULL, "interrupted", 0);
		char msg[JOURNAL_PATH_MAX + 64];
		snprintf(msg, sizeof(msg), "continue with: hotplan resume %s", R->journal_path);
		progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_INTERRUPTED, .message = msg });
		return EXIT_INTERRUPTED;
	}
	if (w == WALK_ERROR) {
		progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_NOTE, .message = R->why });
		if (!R->changed && !R->io_failed)
			return unchanged(R, R->why);
		print_degradations(R);
		return done(R, "failed", JOURNAL_STATUS_FAILED, EXIT_FAILED, R->why);
	}
	if (w == WALK_ON) {
		if (R->o.dry_run || verify_ensures(R) == 0)
			return done(R, "completed", JOURNAL_STATUS_COMPLETED, EXIT_OK, NULL);
		if (!R->changed)
			return unchanged(R, R->why);
		print_degradations(R);
		return done(R, "failed", JOURNAL_STATUS_FAILED, EXIT_FAILED, R->why);
	}
	/* a step failed */
	char why[sizeof(R->why)];
	memcpy(why, R->why, sizeof(why));
	if (!R->changed)
		return unchanged(R, why);
	if (R->ckpt == NULL) {
		progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_NOTE,
				.message = "no checkpoint was passed: there is nothing to roll back to" });
		print_degradations(R);
		return done(R, "failed", JOURNAL_STATUS_FAILED, EXIT_FAILED, why);
	}
	if (rollback(R) < 0) {
		print_degradations(R);
		return done(R, "failed", JOURNAL_STATUS_FAILED, EXIT_FAILED, R->why);
	}
	return done(R, "rolled-back", JOURNAL_STATUS_ROLLED_BACK, EXIT_ROLLED_BACK, why);
}
