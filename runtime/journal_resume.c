/* journal_resume.c: what a journal means for `hotplan resume`: the records replayed in order
 * into a struct journal_resume (what is done, what is in flight, where a rollback stands) and
 * what to do next. The file itself is journal.c's. Rules: docs/journal.md, "Resume state". */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "journal_resume.h"

/* ---- step and action instances ---- */

struct refs {
	struct journal_ref *v;
	size_t n, cap;
};

static int refs_push(struct refs *a, const struct journal_ref *r)
{
	if (a->n == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 16;
		struct journal_ref *nv = realloc(a->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return -1;
		a->v = nv;
		a->cap = ncap;
	}
	a->v[a->n++] = *r;
	return 0;
}

static int ref_cmp(const void *pa, const void *pb)
{
	const struct journal_ref *a = pa, *b = pb;
	int c;
	if (a->step != b->step)
		return a->step < b->step ? -1 : 1;
	if (a->action != b->action)
		return a->action < b->action ? -1 : 1;
	if ((c = strcmp(a->iter, b->iter)) != 0)
		return c;
	return strcmp(a->node, b->node);
}

static bool ref_eq(const struct journal_ref *a, const struct journal_ref *b)
{
	return ref_cmp(a, b) == 0;
}

/* Sort and drop duplicates (the first record of each instance is kept). */
static void refs_settle(struct refs *a)
{
	size_t w = 0;
	if (a->n == 0)
		return;
	qsort(a->v, a->n, sizeof(*a->v), ref_cmp);
	for (size_t i = 1; i < a->n; i++) {
		if (!ref_eq(&a->v[w], &a->v[i]))
			a->v[++w] = a->v[i];
	}
	a->n = w + 1;
}

/* Remove the instance equal to r; false when there is none. */
static bool refs_take(struct refs *a, const struct journal_ref *r)
{
	for (size_t i = 0; i < a->n; i++) {
		if (ref_eq(&a->v[i], r)) {
			a->v[i] = a->v[--a->n];
			return true;
		}
	}
	return false;
}

static bool refs_has(const struct refs *a, const struct journal_ref *r)
{
	for (size_t i = 0; i < a->n; i++)
		if (ref_eq(&a->v[i], r))
			return true;
	return false;
}

static struct journal_ref ref_of(const struct journal_record *r, bool with_action, bool with_node)
{
	struct journal_ref ref = {
		.step = r->step,
		.action = with_action ? r->action : -1,
		.step_name = r->step_name ? r->step_name : "",
		.iter = r->iter ? r->iter : "",
		.node = with_node && r->node ? r->node : "",
		.seq = r->seq,
	};
	return ref;
}

void journal_resume_free(struct journal_resume *rs)
{
	free(rs->steps_done);
	free(rs->actions_done);
	free(rs->inflight);
	free(rs->rollback_done);
	free(rs->rollback_inflight);
	free(rs->processes);
	memset(rs, 0, sizeof(*rs));
}

/* ---- replaying a log ---- */

/* The record-by-record replay: the instances found so far, handed to rs at the end. */
struct replay {
	struct journal_resume *rs;
	struct refs steps, done, inflight, rb_done, rb_inflight, procs;
	bool nomem;
};

static void replay_push(struct replay *x, struct refs *a, const struct journal_ref *r)
{
	if (refs_push(a, r) != 0)
		x->nomem = true;
}

static void replay_free(struct replay *x)
{
	free(x->steps.v), free(x->done.v), free(x->inflight.v), free(x->rb_done.v), free(x->rb_inflight.v);
	free(x->procs.v);
}

/* What may follow what, whatever the record says: NULL, or why r cannot come here. */
static const char *replay_order(const struct journal_resume *rs, const struct journal_record *r)
{
	if (r->kind != JOURNAL_RUN_START && !rs->started)
		return "the first record is not run-start";
	if (rs->ended && r->kind != JOURNAL_RUN_RESUME)
		return "it follows run-done";
	if (rs->interrupted && r->kind != JOURNAL_RUN_RESUME)
		return "it follows interrupted";
	return NULL;
}

/* action-start, action-done, action-failed. */
static const char *replay_action(struct replay *x, const struct journal_record *r)
{
	struct journal_ref ref = ref_of(r, true, true);

	if (r->kind == JOURNAL_ACTION_START) {
		if (x->rs->rollback_started)
			return "an action starts after the rollback started";
		if (!refs_has(&x->inflight, &ref))
			replay_push(x, &x->inflight, &ref);
		return NULL;
	}
	if (!refs_take(&x->inflight, &ref))
		return "no action-start before it";
	if (r->kind == JOURNAL_ACTION_DONE)
		replay_push(x, &x->done, &ref);
	return NULL;
}

/* step-done, step-failed. */
static const char *replay_step(struct replay *x, const struct journal_record *r)
{
	struct journal_resume *rs = x->rs;
	struct journal_ref ref = ref_of(r, false, false);

	for (size_t k = 0; k < x->inflight.n; k++)
		if (x->inflight.v[k].step == ref.step && strcmp(x->inflight.v[k].iter, ref.iter) == 0)
			return "its step still has an action running";
	if (rs->has_failed_step && rs->failed_step.step == ref.step && strcmp(rs->failed_step.iter, ref.iter) == 0)
		rs->has_failed_step = false;
	if (r->kind == JOURNAL_STEP_DONE) {
		replay_push(x, &x->steps, &ref);
	} else {
		rs->has_failed_step = true;
		rs->failed_step = ref;
	}
	return NULL;
}

static const char *replay_rollback_start(struct replay *x, const struct journal_record *r)
{
	struct journal_resume *rs = x->rs;
	struct journal_ref ref = ref_of(r, false, true);

	if (rs->rollback_started && (rs->rollback.step != ref.step || strcmp(rs->rollback.iter, ref.iter) != 0))
		return "a rollback to another checkpoint";
	if (x->inflight.n > 0)
		return "an action is still running";
	if (!rs->rollback_started)
		rs->rollback = ref;
	rs->rollback_started = true;
	rs->rollback_end = 0;
	return NULL;
}

/* rollback-action-start, -done, -failed. */
static const char *replay_rollback_action(struct replay *x, const struct journal_record *r)
{
	const struct journal_resume *rs = x->rs;

	if (!rs->rollback_started || rs->rollback_end != 0)
		return "no rollback is running";
	if (r->step != rs->rollback.step)
		return "a rollback action of another checkpoint";
	struct journal_ref ref = ref_of(r, true, true);
	ref.iter = rs->rollback.iter;
	if (r->kind == JOURNAL_ROLLBACK_ACTION_START) {
		if (!refs_has(&x->rb_inflight, &ref))
			replay_push(x, &x->rb_inflight, &ref);
	} else if (!refs_take(&x->rb_inflight, &ref)) {
		return "no rollback-action-start before it";
	} else if (r->kind == JOURNAL_ROLLBACK_ACTION_DONE) {
		replay_push(x, &x->rb_done, &ref);
	}
	return NULL;
}

/* Is the action instance (step, iter, action) of ref, whatever its node, in a? */
static bool refs_has_action(const struct refs *a, const struct journal_ref *ref)
{
	const char *iter = ref->iter != NULL ? ref->iter : "";
	for (size_t k = 0; k < a->n; k++)
		if (a->v[k].step == ref->step && a->v[k].action == ref->action &&
		    strcmp(a->v[k].iter != NULL ? a->v[k].iter : "", iter) == 0)
			return true;
	return false;
}

/* action-process: a command of an action that is running (an action's, or a rollback's). */
static const char *replay_process(struct replay *x, const struct journal_record *r)
{
	struct journal_ref ref = ref_of(r, true, true);
	struct journal_ref rb = ref;
	rb.iter = x->rs->rollback.iter ? x->rs->rollback.iter : "";
	if (!refs_has_action(&x->inflight, &ref) &&
	    !(x->rs->rollback_started && r->step == x->rs->rollback.step && refs_has_action(&x->rb_inflight, &rb)))
		return "its action is not running";
	replay_push(x, &x->procs, &ref);
	return NULL;
}

/* The action-process records whose action is still in flight at the end of the log. */
static void keep_running_processes(struct replay *x)
{
	size_t n = 0;
	for (size_t k = 0; k < x->procs.n; k++) {
		struct journal_ref rb = x->procs.v[k];
		rb.iter = x->rs->rollback.iter ? x->rs->rollback.iter : "";
		if (refs_has_action(&x->inflight, &x->procs.v[k]) ||
		    (x->rs->rollback_started && x->procs.v[k].step == x->rs->rollback.step &&
		     refs_has_action(&x->rb_inflight, &rb)))
			x->procs.v[n++] = x->procs.v[k];
	}
	x->procs.n = n;
}

/* rollback-done, rollback-failed, run-done. */
static const char *replay_end(struct replay *x, const struct journal_record *r)
{
	struct journal_resume *rs = x->rs;
	const char *bad = NULL;

	if (r->kind != JOURNAL_RUN_DONE) {
		if (!rs->rollback_started || rs->rollback_end != 0)
			return "no rollback is running";
		if (x->rb_inflight.n > 0)
			return "a rollback action is still running";
		rs->rollback_end = r->kind;
		return NULL;
	}
	if (x->inflight.n > 0 || x->rb_inflight.n > 0)
		bad = "an action is still running";
	else if (r->status == JOURNAL_STATUS_COMPLETED && (rs->rollback_started || rs->has_failed_step))
		bad = "completed after a failure";
	else if (r->status == JOURNAL_STATUS_ROLLED_BACK && rs->rollback_end != JOURNAL_ROLLBACK_DONE)
		bad = "rolled back without rollback-done";
	rs->ended = true;
	rs->end_status = r->status;
	return bad;
}

/* Take one record into the replay: NULL, or why no runtime writes it here. */
static const char *replay_record(struct replay *x, const struct journal_record *r)
{
	struct journal_resume *rs = x->rs;
	const char *bad = replay_order(rs, r);

	if (bad != NULL)
		return bad;
	switch (r->kind) {
	case JOURNAL_RUN_START:
		if (rs->started)
			bad = "a second run-start";
		rs->started = true;
		break;
	case JOURNAL_RUN_RESUME:
		if (rs->ended && rs->end_status != JOURNAL_STATUS_FAILED)
			bad = "a resume of a run that did not fail";
		rs->ended = false;
		rs->end_status = JOURNAL_STATUS_NONE;
		rs->interrupted = false;
		rs->resumes++;
		break;
	case JOURNAL_INTERRUPTED:
		rs->interrupted = true;
		break;
	case JOURNAL_CHECKPOINT:
		rs->has_checkpoint = true;
		rs->checkpoint = ref_of(r, false, true);
		break;
	case JOURNAL_ACTION_START:
	case JOURNAL_ACTION_DONE:
	case JOURNAL_ACTION_FAILED:
		bad = replay_action(x, r);
		break;
	case JOURNAL_STEP_DONE:
	case JOURNAL_STEP_FAILED:
		bad = replay_step(x, r);
		break;
	case JOURNAL_ROLLBACK_START:
		bad = replay_rollback_start(x, r);
		break;
	case JOURNAL_ROLLBACK_ACTION_START:
	case JOURNAL_ROLLBACK_ACTION_DONE:
	case JOURNAL_ROLLBACK_ACTION_FAILED:
		bad = replay_rollback_action(x, r);
		break;
	case JOURNAL_ROLLBACK_DONE:
	case JOURNAL_ROLLBACK_FAILED:
	case JOURNAL_RUN_DONE:
		bad = replay_end(x, r);
		break;
	case JOURNAL_ACTION_PROCESS:
		bad = replay_process(x, r);
		break;
	}
	return bad;
}

/* What to do next, once every record is in (docs/journal.md, the table under "Resume state"). */
static void decide_next(struct journal_resume *rs)
{
	if (rs->ended && rs->end_status != JOURNAL_STATUS_FAILED)
		rs->next = JOURNAL_NEXT_NONE;
	else if (rs->rollback_started)
		rs->next = JOURNAL_NEXT_ROLLBACK; /* NOLINT(bugprone-branch-clone): two cases, kept apart */
	else if (rs->has_failed_step && rs->has_checkpoint && !rs->ended)
		rs->next = JOURNAL_NEXT_ROLLBACK;    /* died between step-failed and rollback-start */
	else if (rs->has_failed_step)
		rs->next = JOURNAL_NEXT_RETRY_STEP;
	else
		rs->next = JOURNAL_NEXT_CONTINUE;
	if (rs->next == JOURNAL_NEXT_ROLLBACK && !rs->rollback_started)
		rs->rollback = rs->checkpoint;
}

int journal_resume_state(const struct journal_log *log, struct journal_resume *rs,
			 char *err, size_t errlen)
{
	struct replay x = { .rs = rs };
	const char *bad = NULL;
	const struct journal_record *r = NULL;

	memset(rs, 0, sizeof(*rs));
	if (log->damaged)
		return util_err(err, errlen, "journal of run %s is damaged (%s): resume it by hand",
			    log->header.run_id, log->why);

	for (size_t i = 0; i < log->n && bad == NULL; i++) {
		r = &log->records[i];
		bad = replay_record(&x, r);
		if (x.nomem) {
			replay_free(&x);
			memset(rs, 0, sizeof(*rs));
			return util_err(err, errlen, "resume: %s", strerror(ENOMEM));
		}
	}
	if (bad != NULL) {
		unsigned seq = r ? r->seq : 0;
		const char *kind = r ? journal_kind_name(r->kind) : "?";
		unsigned long long off = r ? (unsigned long long)r->offset : 0;
		replay_free(&x);
		memset(rs, 0, sizeof(*rs));
		return util_err(err, errlen, "journal of run %s is inconsistent: record %u (%s, byte %llu): %s",
			    log->header.run_id, seq, kind, off, bad);
	}

	refs_settle(&x.steps);
	refs_settle(&x.done);
	refs_settle(&x.rb_done);
	rs->steps_done = x.steps.v, rs->nsteps_done = x.steps.n;
	rs->actions_done = x.done.v, rs->nactions_done = x.done.n;
	rs->inflight = x.inflight.v, rs->ninflight = x.inflight.n;
	rs->rollback_done = x.rb_done.v, rs->nrollback_done = x.rb_done.n;
	rs->rollback_inflight = x.rb_inflight.v, rs->nrollback_inflight = x.rb_inflight.n;
	keep_running_processes(&x);
	rs->processes = x.procs.v, rs->nprocesses = x.procs.n;
	decide_next(rs);
	return 0;
}

static bool sorted_has(const struct journal_ref *v, size_t n, const struct journal_ref *key)
{
	return n > 0 && bsearch(key, v, n, sizeof(*v), ref_cmp) != NULL;
}

bool journal_resume_step_done(const struct journal_resume *rs, int32_t step, const char *iter)
{
	struct journal_ref key = { .step = step, .action = -1, .iter = iter ? iter : "", .node = "" };
	return sorted_has(rs->steps_done, rs->nsteps_done, &key);
}

bool journal_resume_action_done(const struct journal_resume *rs, int32_t step, const char *iter,
				int32_t action, const char *node)
{
	struct journal_ref key = { .step = step, .action = action, .iter = iter ? iter : "",
				   .node = node ? node : "" };
	return sorted_has(rs->actions_done, rs->nactions_done, &key);
}

bool journal_resume_rollback_action_done(const struct journal_resume *rs, int32_t action,
					 const char *node)
{
	struct journal_ref key = { .step = rs->rollback.step, .action = action,
				   .iter = rs->rollback.iter ? rs->rollback.iter : "",
				   .node = node ? node : "" };
	return sorted_has(rs->rollback_done, rs->nrollback_done, &key);
}
