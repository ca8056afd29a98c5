/* setup.c: a run before its walk: loading the plan (a .hplan or an image) and the target
 * (an inventory's, or the built-in simulated one), its profiles and transports, the params,
 * the concrete model and the driver; preflight; the target's lock and last-run gate; the
 * journal's start. What is said goes through run_say; nothing here walks. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ask.h"
#include "check.h"
#include "digest.h"
#include "driver_cmd.h"
#include "image.h"
#include "last_run.h"
#include "parse.h"
#include "setup.h"
#include "util.h"

/* The secret param a --set ("NAME=VALUE") or a journal's set ("NAME" alone) names, or NULL. */
static const struct ast_param *secret_param(const struct ast_plan *plan, const char *set)
{
	size_t n = strcspn(set, "=");
	for (const struct ast_param *p = plan->params; p != NULL; p = p->next)
		if (p->secret && strlen(p->name.s) == n && strncmp(p->name.s, set, n) == 0)
			return p;
	return NULL;
}

/* From now on, v is shown as *** wherever the run would show it. */
static void add_secret(struct run *R, const char *v)
{
	if (v == NULL || v[0] == '\0')
		return;
	for (unsigned i = 0; i < R->nsecrets; i++)
		if (strcmp(R->secrets[i], v) == 0)
			return;
	if (R->nsecrets == R->cap_secrets) {
		unsigned cap = R->cap_secrets ? 2 * R->cap_secrets : 8;
		R->secrets = arena_realloc(&R->ctx.arena, R->secrets, R->cap_secrets * sizeof(*R->secrets),
					   cap * sizeof(*R->secrets));
		R->cap_secrets = cap;
	}
	R->secrets[R->nsecrets++] = v;
	progress_set_secrets(&R->prog, R->secrets, R->nsecrets);
}

static const char *kind_name(enum proc_kind k)
{
	return k == PROC_CLUSTER ? "cluster" : "standalone";
}

/* ---- the plan -------------------------------------------------------------------------- */

/* Is `path` a compiled image? (Its first bytes say so; a missing file is not.) */
static bool is_image_file(const char *path)
{
	unsigned char magic[IMAGE_MAGIC_LEN];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return false;
	struct stat st;
	bool yes = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && read(fd, magic, sizeof(magic)) == (ssize_t)sizeof(magic) &&
		   image_is_image(magic, sizeof(magic));
	close(fd);
	return yes;
}

int setup_load_plan(struct run *R, const char *path)
{
	const char *why = NULL;
	struct ast_file *f = NULL;
	unsigned from = R->ctx.nsources;

	if (is_image_file(path)) {
		unsigned char *buf = NULL;
		size_t len = 0;
		char err[512];
		if (image_read_file(path, &buf, &len, err, sizeof(err)) < 0 ||
		    image_read(&R->ctx, buf, len, &f, err, sizeof(err)) < 0) {
			free(buf);
			run_say(R, "%s: %s", path, err);
			return EXIT_USAGE;
		}
		image_source_hash(buf, len, R->plan_hash);
		/* what it imported is compiled in: the image's bytes are the plan */
		inputs_add_text(&R->inputs, &R->ctx.arena, INPUT_PLAN, path, (const char *)buf, len);
		free(buf);
	} else {
		f = parse_file(&R->ctx, path, &why);
		if (f == NULL) {
			run_say(R, "%s", why);
			return EXIT_USAGE;
		}
		inputs_add_sources(&R->inputs, &R->ctx.arena, &R->ctx, from, R->ctx.nsources, INPUT_PLAN, INPUT_IMPORT);
	}
	check_file(&R->ctx, f, CHECK_ALL, false);
	diag_finish(&R->ctx);
	bool color = util_color(STDERR_FILENO);
	if (R->ctx.diags.n > 0)
		diag_print_text(&R->ctx, stderr, color);
	if (R->ctx.diags.errors > 0) {
		run_say(R, "%s: the plan has errors: nothing was run", path);
		return EXIT_REJECTED;
	}
	if (f->plans == NULL) {
		run_say(R, "%s: no plan in the file", path);
		return EXIT_REJECTED;
	}
	if (f->plans->next != NULL) {
		run_say(R, "%s: more than one plan; hotplan runs one plan per file", path);
		return EXIT_USAGE;
	}
	R->plan = f->plans;
	if (!is_image_file(path)) {
		struct source *src = ctx_source(&R->ctx, f->source);
		digest_sha256(src->text, src->len, R->plan_hash);
	}
	return 0;
}

static const struct ast_stmt *stmt_at(const struct ast_stmt *st, int32_t index)
{
	for (; st != NULL; st = st->next) {
		if ((st->kind == S_STEP || st->kind == S_CHECKPOINT) && (int32_t)st->index == index)
			return st;
		const struct ast_stmt *r = stmt_at(st->body, index);
		if (r == NULL)
			r = stmt_at(st->else_body, index);
		if (r != NULL)
			return r;
	}
	return NULL;
}

const struct ast_stmt *setup_stmt_at(struct run *R, int32_t index)
{
	return stmt_at(R->proc->body, index);
}

/* Steps are matched by their place and their name together, never by place alone: every step
 * and checkpoint the journal names must be the plan's at that place, under that name (a step
 * inserted before them, in the plan or a file it imports, moves them). */
static int check_steps(struct run *R)
{
	for (size_t i = 0; i < R->log.n; i++) {
		const struct journal_record *r = &R->log.records[i];
		if (r->step < 0)
			continue;
		const struct ast_stmt *st = setup_stmt_at(R, r->step);
		const char *name = st != NULL && st->name.s != NULL ? st->name.s : NULL;
		if (name == NULL || strcmp(name, r->step_name != NULL ? r->step_name : "") != 0) {
			if (name == NULL)
				run_say(R, "run %s: the journal's step %d is '%s', but the plan has no step %d: resume refused, "
					"nothing was run", R->log.header.run_id, r->step, r->step_name, r->step);
			else
				run_say(R, "run %s: the journal's step %d is '%s', but the plan's step %d is '%s' (a step was "
					"added, removed or renamed before it): resume refused, nothing was run",
					R->log.header.run_id, r->step, r->step_name, r->step, name);
			return EXIT_USAGE;
		}
	}
	return 0;
}

/* ---- the target, params and the model ---------------------------------------------------- */

/* The target (the inventory's, or the built-in simulated one of the plan's kind) and its
 * procedure. *inv: the inventory file (its targets, and the profile blocks it and its imports
 * hold), or NULL. */
static int pick_target(struct run *R, struct ast_file **inv)
{
	char err[1024];
	const char *why = NULL;
	unsigned before = R->ctx.diags.n;

	*inv = NULL;
	if (R->o.inventory_path == NULL) {
		enum proc_kind k = R->o.kind >= 0 ? (enum proc_kind)R->o.kind : PROC_STANDALONE;
		if (R->o.kind < 0 && R->plan->proc[PROC_STANDALONE] == NULL && R->plan->proc[PROC_CLUSTER] != NULL)
			k = PROC_CLUSTER;
		target_builtin(&R->ctx.arena, k, &R->target);
		inputs_set_nodes(&R->inputs, &R->ctx.arena, &R->target);
		return 0;
	}
	unsigned from = R->ctx.nsources;
	*inv = parse_file(&R->ctx, R->o.inventory_path, &why);
	if (*inv == NULL) {
		run_say(R, "%s", why);
		return EXIT_USAGE;
	}
	inputs_add_sources(&R->inputs, &R->ctx.arena, &R->ctx, from, R->ctx.nsources, INPUT_INVENTORY, INPUT_IMPORT);
	if (R->ctx.diags.n > before) {
		diag_finish(&R->ctx);
		diag_print_text(&R->ctx, stderr, false);
		run_say(R, "%s: the inventory has errors", R->o.inventory_path);
		return EXIT_USAGE;
	}
	if (target_from_inventory(&R->ctx, *inv, R->o.target_name, &R->target, err, sizeof(err)) < 0) {
		run_say(R, "%s: %s", R->o.inventory_path, err);
		return EXIT_USAGE;
	}
	inputs_set_nodes(&R->inputs, &R->ctx.arena, &R->target);
	if (R->o.kind >= 0 && (enum proc_kind)R->o.kind != R->target.kind) {
		run_say(R, "--kind %s, but target '%s' is %s", kind_name((enum proc_kind)R->o.kind), R->target.name,
			R->target.kind == PROC_CLUSTER ? "a cluster" : "standalone");
		return EXIT_USAGE;
	}
	return 0;
}

/* SPEC 5: `run` asks before it changes a real target; --yes answers. */
static int confirm(struct run *R)
{
	int e = 0;
	char *q = arena_printf(&R->ctx.arena, "change target %s (%u node%s) with plan %s? [y/N] ", R->target.name,
			       R->target.nnodes, R->target.nnodes == 1 ? "" : "s", R->plan->name.s);
	switch (ask_yes_no(q, &e)) {
	case ASK_YES:
		return 0;
	case ASK_NO_TERMINAL:
		run_say(R, "target '%s' is real: confirm on a terminal, or give --yes", R->target.name);
		return EXIT_USAGE;
	case ASK_UNSEEN:
		run_say(R, "target '%s' is real: cannot ask on the terminal (%s): give --yes", R->target.name, strerror(e));
		return EXIT_USAGE;
	case ASK_NO:
		break;
	}
	run_say(R, "not confirmed: nothing was changed");
	return EXIT_REJECTED;
}

/* A resume: are the inputs of `roles` (a bit per enum input_role; with nodes, the nodes'
 * identities too) what the run started with (R->bound, the journal header's)? Each change is
 * said; one that --accept-changed does not name refuses the resume (EXIT_USAGE, nothing has
 * reached a node yet). `last`: the last look; an --accept-changed that named no change is a
 * usage error then. */
static int check_bound(struct run *R, unsigned roles, bool nodes, bool last)
{
	const char **lines;
	bool *accepted;
	unsigned n;
	unsigned long long used;
	if (!R->resuming || !R->bound.recorded)
		return 0;
	unsigned refused = inputs_compare(&R->bound, &R->inputs, roles, nodes, R->accept, R->naccept, &R->ctx.arena,
					  &lines, &accepted, &n, &used);
	R->accept_used |= used;
	for (unsigned i = 0; i < n; i++)
		run_say(R, "%s%s", lines[i], accepted[i] ? " (accepted: --accept-changed)" : "");
	if (refused > 0) {
		run_say(R, "run %s started with other inputs: resume refused, nothing was run (to go on all the same, "
			"name each change with --accept-changed ROLE|FILE|nodes: docs/journal.md)", R->log.header.run_id);
		return EXIT_USAGE;
	}
	for (unsigned i = 0; last && i < R->naccept; i++)
		if (i >= 64 || !(R->accept_used & (1ULL << i))) {
			run_say(R, "--accept-changed %s: nothing of that changed since run %s started", R->accept[i],
				R->log.header.run_id);
			return EXIT_USAGE;
		}
	return 0;
}

/* local: and ssh:// nodes, and sim: nodes that name a real profile: their profiles (compared
 * with the run's, when resuming) and transports (driver_cmd.h). Nothing is run on a node yet:
 * the target's lock comes first (setup_lock), then what the live target says (setup_live). */
static int open_commands(struct run *R, const struct ast_file *inv)
{
	unsigned before = R->ctx.diags.n, from = R->ctx.nsources;
	char msg[2048];

	if (!driver_cmd_wanted(&R->target))
		return check_bound(R, 1u << INPUT_PROFILE, false, true);
	struct driver_cmd_opts co = { R->plan, R->proc, R->o.plan_path, inv != NULL ? inv->profiles : NULL, R->o.dry_run,
			       &run_interrupts };
	int rc = driver_cmd_open(&R->ctx, &co, &R->target, &R->cmd, msg, sizeof(msg));
	driver_cmd_print_diags(&R->ctx, before, stderr);
	if (rc != 0) {
		run_say(R, "%s", msg);
		return rc;
	}
	inputs_add_sources(&R->inputs, &R->ctx.arena, &R->ctx, from, R->ctx.nsources, INPUT_PROFILE, INPUT_PROFILE);
	if ((rc = check_bound(R, 1u << INPUT_PROFILE, false, true)) != 0)
		return rc;
	if ((rc = driver_cmd_connect(&co, &R->target, R->cmd, msg, sizeof(msg))) != 0) {
		R->cmd = NULL;   /* closed */
		run_say(R, "%s", msg);
		return rc;
	}
	return 0;
}

/* The params' values (--set, then the inventory's `set`s, then defaults), every secret
 * value registered before anything could show it (a bad value's message). */
static int bind_params(struct run *R)
{
	char err[1024];
	R->values = arena_alloc(&R->ctx.arena, (R->plan->nparams + 1) * sizeof(*R->values));
	for (unsigned i = 0; i < R->o.nsets; i++)
		if (secret_param(R->plan, R->o.sets[i]) != NULL && strchr(R->o.sets[i], '=') != NULL)
			add_secret(R, strchr(R->o.sets[i], '=') + 1);
	for (unsigned i = 0; i < R->target.nsets; i++) {
		const struct rt_fact *ts = &R->target.sets[i];
		if (secret_param(R->plan, ts->path) == NULL)
			continue;
		if (ts->env != NULL)
			add_secret(R, target_set_env(ts));
		else if (ts->value->kind == LIT_STRING)
			add_secret(R, ts->value->str);
	}
	if (params_bind(&R->ctx.arena, R->plan, &R->target, R->o.sets, R->o.nsets, R->values, err, sizeof(err)) < 0) {
		run_say(R, "%s", err);
		return EXIT_USAGE;
	}
	for (const struct ast_param *p = R->plan->params; p != NULL; p = p->next)
		if (p->secret && R->values[p->index].set)
			add_secret(R, R->values[p->index].text);
	return 0;
}

/* The concrete model of the target, its start state (the group owners the target says, the
 * params), the roles bound in it, the number of steps. */
static void build_model(struct run *R)
{
	struct model_param_value *pv = arena_alloc(&R->ctx.arena, (R->plan->nparams + 1) * sizeof(*pv));
	params_for_model(R->plan, R->values, pv);
	const char **names = arena_alloc(&R->ctx.arena, (R->target.nnodes + 1) * sizeof(*names));
	for (unsigned n = 0; n < R->target.nnodes; n++)
		names[n] = R->target.nodes[n].name;
	R->m = model_init_concrete(&R->ctx.arena, R->plan, R->target.kind, R->target.nnodes, names,
				   R->target.nstores, R->target.stores, pv);
	R->live = model_state_start(&R->ctx.arena, R->m, 0);
	for (unsigned g = 0; g < R->target.ngroups; g++)
		for (unsigned i = 0; i < R->m->ngroups; i++)
			if (strcmp(R->m->groups[i]->name.s, R->target.group_names[g]) == 0)
				model_state_set_owner(R->m, R->live, i,
						      (unsigned)target_node_index(&R->target, R->target.group_owners[g]));
	model_state_set_params(R->m, R->live, pv);
	R->scratch = model_state_clone(&R->ctx.arena, R->m, R->live);
	R->bind.n = R->proc->nroles;
	R->bind.nodes = arena_alloc(&R->ctx.arena, (R->bind.n + 1) * sizeof(nodeset));
	model_bind_roles(R->m, R->live, R->proc, &R->bind);
	if (R->target.builtin)   /* the simulated target built from the plan: its groups where it says */
	{
		model_place_groups(R->m, R->live, R->proc, &R->bind);
		model_state_copy(R->m, R->scratch, R->live);
	}
	R->nsteps = walk_count_steps(&R->bind, R->proc->body);
}

/* The simulated driver, the command driver, or the command driver previewing for the
 * simulated one (driver_cmd.h). */
static int make_driver(struct run *R)
{
	char msg[2048];
	if (R->cmd == NULL || R->sim)
		R->drv = driver_sim_new(&R->ctx.arena, R->m, R->live, &R->target, R->o.pace_ns, &run_interrupts);
	if (R->cmd == NULL)
		return 0;
	R->drv = driver_cmd_new(&R->ctx.arena, R->m, R->live, &R->target, R->cmd, R->values, R->journal_path, &R->prog,
				R->sim ? R->drv : NULL, &run_interrupts, msg, sizeof(msg));
	if (R->drv == NULL) {
		run_say(R, "%s", msg);
		return EXIT_USAGE;
	}
	/* each command an action starts is journaled with its process group */
	((struct driver_cmd *)R->drv)->started = run_process_started;
	((struct driver_cmd *)R->drv)->started_ud = R;
	return 0;
}

int setup_target(struct run *R)
{
	struct ast_file *inv = NULL;
	int rc = pick_target(R, &inv);
	if (rc == 0)
		rc = check_bound(R, (1u << INPUT_PLAN) | (1u << INPUT_IMPORT) | (1u << INPUT_INVENTORY), true, false);
	if (rc != 0)
		return rc;
	R->proc = R->plan->proc[R->target.kind];
	if (R->proc == NULL) {
		run_say(R, "plan '%s' has no %s procedure for target '%s' [HP006]", R->plan->name.s,
			kind_name(R->target.kind), R->target.name);
		return EXIT_REJECTED;
	}
	if (R->resuming && (rc = check_steps(R)) != 0)
		return rc;
	R->sim = true;
	for (unsigned n = 0; n < R->target.nnodes; n++)
		R->sim &= R->target.nodes[n].transport == TR_SIM;
	if ((rc = open_commands(R, inv)) != 0)
		return rc;
	if (R->o.fail_at != NULL) {
		R->fail_at = walk_find_stmt(R->proc->body, R->o.fail_at, false);
		if (R->fail_at == NULL) {
			run_say(R, "--fail-at %s: the %s procedure has no step of that name", R->o.fail_at,
				kind_name(R->target.kind));
			return EXIT_USAGE;
		}
	}
	return bind_params(R);
}

int setup_live(struct run *R)
{
	if (R->cmd != NULL) {
		char msg[2048];
		struct driver_cmd_opts co = { R->plan, R->proc, R->o.plan_path, NULL, R->o.dry_run, &run_interrupts };
		int rc = driver_cmd_discover(&co, &R->target, R->cmd, msg, sizeof(msg));
		if (rc != 0) {
			run_say(R, "%s", msg);
			return rc;
		}
	}
	build_model(R);
	/* a role `= node "N"` names a node the target must have */
	for (const struct ast_role *r = R->proc->roles; r != NULL; r = r->next)
		if (r->kind == R_NODE && r->index < R->bind.n && R->bind.nodes[r->index] == 0) {
			run_say(R, "role '%s' names node \"%s\", which target '%s' does not have", r->name.s, r->node.s,
				R->target.name);
			return EXIT_USAGE;
		}
	return make_driver(R);
}

int setup_confirm(struct run *R)
{
	if (R->cmd == NULL || R->sim || R->o.dry_run || R->o.yes)
		return 0;
	return confirm(R);
}

/* ---- preflight ---------------------------------------------------------------------------- */

/* Every param has a value, and the stores a param names are the target's. 0, or -1 (why). */
static int check_params(struct run *R, char *why, size_t len)
{
	for (const struct ast_param *p = R->plan->params; p != NULL; p = p->next) {
		const struct rt_value *v = &R->values[p->index];
		if (!v->set)
			return util_err(why, len, "param '%s' has no value: give it with --set %s=VALUE or `set %s = …` in "
					"the inventory", p->name.s, p->name.s, p->name.s);
		if (p->type != TY_STORES || R->target.nstores == 0)
			continue;
		for (unsigned i = 0; i < v->nlist; i++) {
			bool found = false;
			for (unsigned k = 0; k < R->target.nstores; k++)
				found |= strcmp(R->target.stores[k], v->list[i]) == 0;
			if (!found)
				return util_err(why, len, "param '%s' names store \"%s\", which target '%s' does not have",
						p->name.s, v->list[i], R->target.name);
		}
	}
	return 0;
}

/* Params, their stores, and the plan's prerequisites: nothing changes when one fails. */
static int preflight(struct run *R)
{
	char why[1024];
	if (check_params(R, why, sizeof(why)) < 0)
		goto fail;
	for (const struct ast_require *rq = R->plan->requires; rq != NULL; rq = rq->next) {
		char how[512] = "";
		mset v = run_eval(R, rq->cond, how, sizeof(how));
		if (v == B_YES)
			continue;
		if (v == B_NO)
			snprintf(why, sizeof(why), "require %s: %s", run_text(R, rq->cond->loc),
				 rq->message ? rq->message : "it does not hold");
		else
			snprintf(why, sizeof(why), "require %s cannot be checked: %s", run_text(R, rq->cond->loc), how);
		goto fail;
	}
	return 0;
fail:
	progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_PREFLIGHT_FAILED, .message = why });
	progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_RUN_DONE, .status = "failed",
			.message = "nothing was changed", .elapsed = run_now() - R->t0 });
	return EXIT_REJECTED;
}

/* ---- the lock ---------------------------------------------------------------------------- */

/* Refused by the lock or the last-run gate (exit 5): said, and the run's end told. */
static int locked_out(struct run *R, const char *msg)
{
	run_say(R, "%s", msg);
	progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_RUN_DONE, .status = "failed", .message = msg,
			.elapsed = run_now() - R->t0 });
	return EXIT_LOCKED;
}

/* The journal's path, absolute, before it exists (the holder of a lock names it). */
static void journal_to_be(struct run *R, char *buf, size_t len)
{
	char cwd[JOURNAL_PATH_MAX];
	int n;
	if (R->resuming)
		n = snprintf(buf, len, "%s", R->journal_path);
	else if (R->o.journal_path == NULL)
		n = snprintf(buf, len, "%s/runs/%s.journal", R->state_dir, R->run_id);
	else if (R->o.journal_path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		n = snprintf(buf, len, "%s", R->o.journal_path);
	else
		n = snprintf(buf, len, "%s/%s", cwd, R->o.journal_path);
	if (n < 0 || (size_t)n >= len)
		snprintf(buf, len, "-");   /* named in the lock only: a path too long to name is not named */
}

static void work_digest(struct run *R, struct lock_target *lt);

/* The locks on a real target's nodes (lock_target.h) and their last-run gate. *used:
 * --abandon named a node's run. 0, or the exit code (said). */
static int lock_nodes(struct run *R, bool resume, bool *used)
{
	char msg[4096], note[4096], journal[JOURNAL_PATH_MAX], abs[JOURNAL_PATH_MAX];
	struct lock_holder me;
	*used = false;
	if (R->cmd == NULL || R->sim || !R->cmd->real)
		return 0;   /* a simulated target: the state directory's lock is its lock */
	journal_to_be(R, journal, sizeof(journal));
	if (realpath(R->o.plan_path, abs) == NULL)
		snprintf(abs, sizeof(abs), "%s", R->o.plan_path);
	if (lock_holder_self(&me, R->run_id, abs, journal, R->target.name, msg, sizeof(msg)) < 0) {
		run_say(R, "%s", msg);
		return EXIT_USAGE;
	}
	struct lock_target *lt = arena_alloc(&R->ctx.arena, sizeof(*lt));
	lock_target_init(lt, R->cmd, &me);
	lt->inventory = R->o.inventory_path;
	work_digest(R, lt);
	int rc = lock_target_acquire(lt, resume ? R->run_id : NULL, note, sizeof(note), msg, sizeof(msg));
	if (rc == 1)
		return locked_out(R, msg);
	if (rc < 0) {
		run_say(R, "%s", msg);
		return EXIT_USAGE;
	}
	R->tl = lt;   /* released by run_release, on every end */
	if (note[0] != '\0')
		progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_NOTE, .message = note });
	rc = lock_target_gate(lt, R->o.abandon, resume ? R->run_id : NULL, used, note, sizeof(note), msg, sizeof(msg));
	if (rc == 1)
		return locked_out(R, msg);
	if (note[0] != '\0')
		progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_NOTE, .message = note });
	/* a fleet's run: a target another controller completed with this work is not run again */
	const char *once = getenv("HOTPLAN_ONCE");
	if (!resume && once != NULL && strcmp(once, "1") == 0 && lock_target_done_elsewhere(lt, msg, sizeof(msg)) == 1) {
		progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_RUN_DONE, .status = "done-elsewhere",
				.message = msg, .elapsed = run_now() - R->t0 });
		return SETUP_DONE_ELSEWHERE;
	}
	return 0;
}

/* The run's work digest and this controller's state directory, for the nodes' last-run
 * records (lock_target_work). */
static void work_digest(struct run *R, struct lock_target *lt)
{
	unsigned n = 0;
	for (const struct ast_param *p = R->plan->params; p != NULL; p = p->next)
		n++;
	const char **names = arena_alloc(&R->ctx.arena, (n + 1) * sizeof(*names));
	const char **texts = arena_alloc(&R->ctx.arena, (n + 1) * sizeof(*texts));
	bool *secret = arena_alloc(&R->ctx.arena, (n + 1) * sizeof(*secret));
	n = 0;
	for (const struct ast_param *p = R->plan->params; p != NULL; p = p->next, n++) {
		names[n] = p->name.s;
		texts[n] = R->values != NULL && R->values[p->index].set ? R->values[p->index].text : NULL;
		secret[n] = p->secret;
	}
	lock_target_work(R->plan_hash, names, texts, secret, n, lt->work);
	lt->state = R->state_dir;
}

/* The state directory's last-run gate: a new run's (--abandon, unless a node's record took it:
 * `used`), or, when `resume`, the gate for resuming run R->run_id. 0, or the exit code (said). */
static int state_gate(struct run *R, bool resume, bool used)
{
	char msg[2048];
	struct last_run last;
	int rc = last_run_read(R->state_dir, R->target.name, &last, msg, sizeof(msg));
	if (rc < 0) {
		run_say(R, "%s", msg);
		return EXIT_USAGE;
	}
	const struct last_run *lp = rc == 0 ? &last : NULL;
	bool blocking = lp != NULL && (lp->status == LAST_RUN_UNFINISHED || lp->status == LAST_RUN_FAILED);
	if (resume)
		rc = last_run_resume_gate(lp, R->target.name, R->run_id, R->journal_path, msg, sizeof(msg));
	else
		rc = last_run_gate(lp, R->target.name, used && !blocking ? NULL : R->o.abandon, msg, sizeof(msg));
	if (rc == 1)
		return locked_out(R, msg);
	if (rc != 0) {
		run_say(R, "%s", msg);
		return EXIT_USAGE;
	}
	if (msg[0] != '\0')
		progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_NOTE, .message = msg });
	return 0;
}

int setup_lock(struct run *R, bool resume)
{
	char msg[1024];
	struct lock_owner me, holder;
	bool used = false;
	if (lock_owner_self(&me, R->run_id, journal_now_ns(), msg, sizeof(msg)) < 0) {
		run_say(R, "%s", msg);
		return EXIT_USAGE;
	}
	int rc = lock_acquire(R->state_dir, R->target.name, &me, &R->lk, &holder, msg, sizeof(msg));
	if (rc == 1)
		return locked_out(R, msg);
	if (rc < 0) {
		run_say(R, "%s", msg);
		return EXIT_USAGE;
	}
	if (msg[0] != '\0')
		progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_NOTE, .message = msg });
	if ((rc = lock_nodes(R, resume, &used)) != 0)
		return rc;
	return state_gate(R, resume, used);
}

/* --dry-run: would a real run be refused, by a lock or a last-run record, here or on the
 * target's nodes? Said as a note; nothing is taken, nothing is created. */
static void dry_gate(struct run *R)
{
	char msg[4096], note[4096], err[1024];
	const char *env = getenv("HOTPLAN_STATE_DIR");
	struct stat st;
	bool used = false;
	int rc = 0;
	msg[0] = note[0] = '\0';
	if (R->cmd != NULL && !R->sim && R->cmd->real) {
		struct lock_holder me;
		struct lock_target *lt = arena_alloc(&R->ctx.arena, sizeof(*lt));
		if (lock_holder_self(&me, R->run_id, R->o.plan_path, "-", R->target.name, msg, sizeof(msg)) < 0)
			return;
		lock_target_init(lt, R->cmd, &me);
		unsigned failed = lt->n;
		(void)lock_target_peek_all(lt, &failed, msg, sizeof(msg));   /* all nodes at once */
		for (unsigned n = 0; n < lt->n && rc == 0; n++) {
			if (n == failed) {
				run_say(R, "--dry-run: cannot tell whether a real run would be refused: %s", msg);
				return;
			}
			const struct lock_node *ln = &lt->node[n];
			if (ln->held && !(ln->holder_ok && lock_holder_dead(&ln->holder))) {
				char who[1024];
				if (ln->holder_ok)
					lock_holder_text(&ln->holder, who, sizeof(who));
				util_err(msg, sizeof(msg), "node %s is locked by %s (%s); once it has ended, run again, or if it "
					 "is gone, `hotplan unlock %s --inventory %s --holder %s` clears it",
					 R->target.nodes[n].name, ln->holder_ok ? who : "a holder whose file cannot be read",
					 ln->path, R->target.name, R->o.inventory_path, ln->holder_ok ? ln->holder.run_id : "RUN");
				rc = 1;
			}
		}
		if (rc == 0)
			rc = lock_target_gate(lt, R->o.abandon, NULL, &used, note, sizeof(note), msg, sizeof(msg));
	}
	/* the state directory's record, if there is a state directory */
	if (rc == 0 && stat(env != NULL && env[0] != '\0' ? env : ".hotplan", &st) == 0 &&
	    journal_state_dir(R->state_dir, sizeof(R->state_dir), err, sizeof(err)) == 0) {
		struct last_run last;
		int lr = last_run_read(R->state_dir, R->target.name, &last, err, sizeof(err));
		const struct last_run *lp = lr == 0 ? &last : NULL;
		bool blocking = lp != NULL && (lp->status == LAST_RUN_UNFINISHED || lp->status == LAST_RUN_FAILED);
		char m2[2048];
		rc = lr < 0 ? (snprintf(msg, sizeof(msg), "%s", err), 1)
			    : last_run_gate(lp, R->target.name, used && !blocking ? NULL : R->o.abandon, m2, sizeof(m2));
		if (rc != 0 && lr >= 0)
			snprintf(msg, sizeof(msg), "%s", m2);
		else if (rc == 0 && m2[0] != '\0' && strlen(note) + strlen(m2) + 3 < sizeof(note))
			snprintf(note + strlen(note), sizeof(note) - strlen(note), "%s%s", note[0] ? "; " : "", m2);
	} else if (rc == 0 && R->o.abandon != NULL && !used) {
		rc = -1;
		snprintf(msg, sizeof(msg), "--abandon %s: target '%s' has no unfinished run", R->o.abandon, R->target.name);
	}
	const char *said = rc == 1 ? arena_printf(&R->ctx.arena, "a real run would be refused (exit 5): %s", msg)
			   : rc < 0 ? arena_printf(&R->ctx.arena, "a real run would be refused (exit 2): %s", msg)
			   : note[0] != '\0' ? arena_printf(&R->ctx.arena, "a real run would go on: %s", note)
			   : NULL;
	if (said != NULL)
		progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_NOTE, .message = said });
}

/* ---- the journal ----------------------------------------------------------------------- */

/* The header's vars: what `resume` needs to rebuild the run (docs/journal.md). abs is the
 * plan's absolute path. */
static unsigned header_vars(struct run *R, const char *abs, const char **vars)
{
	struct arena *a = &R->ctx.arena;
	unsigned nv = 0;
	vars[nv++] = arena_printf(a, "plan=%s", abs);
	if (R->o.inventory_path) {
		char inv[JOURNAL_PATH_MAX];
		if (realpath(R->o.inventory_path, inv) == NULL)
			snprintf(inv, sizeof(inv), "%s", R->o.inventory_path);
		vars[nv++] = arena_printf(a, "inventory=%s", inv);
	}
	if (R->o.target_name)
		vars[nv++] = arena_printf(a, "target=%s", R->o.target_name);
	vars[nv++] = arena_printf(a, "kind=%s", kind_name(R->target.kind));
	if (R->o.fail_at)
		vars[nv++] = arena_printf(a, "fail-at=%s", R->o.fail_at);
	if (R->o.pace_ns)
		vars[nv++] = arena_printf(a, "pace-ns=%lld", R->o.pace_ns);
	for (unsigned i = 0; i < R->o.nsets; i++) {
		const struct ast_param *sp = secret_param(R->plan, R->o.sets[i]);
		/* a secret param's value is not journaled: its name says `resume` needs it again */
		vars[nv++] = arena_printf(a, "set=%s", sp != NULL ? sp->name.s : R->o.sets[i]);
	}
	/* roles bind once, when the run starts: a resume must not bind them again */
	for (const struct ast_role *r = R->proc->roles; r != NULL; r = r->next)
		if (r->kind != R_LOOPVAR)
			vars[nv++] = arena_printf(a, "role=%s=%llx", r->name.s, (unsigned long long)R->bind.nodes[r->index]);
	/* what it ran with: a resume refuses other inputs (inputs.h) */
	nv += inputs_to_vars(&R->inputs, a, vars + nv);
	return nv;
}

/* Create the journal, append run-start, and record the target's run as unfinished. */
static int start_journal(struct run *R)
{
	char err[1024];
	const char **vars = arena_alloc(&R->ctx.arena,
					(R->o.nsets + R->bind.n + inputs_nvars(&R->inputs) + 12) * sizeof(*vars));
	char abs[JOURNAL_PATH_MAX];

	if (realpath(R->o.plan_path, abs) == NULL)
		snprintf(abs, sizeof(abs), "%s", R->o.plan_path);
	unsigned nv = header_vars(R, abs, vars);
	if (R->o.journal_path != NULL)
		snprintf(R->journal_path, sizeof(R->journal_path), "%s", R->o.journal_path);
	else if (journal_default_path(R->state_dir, R->run_id, R->journal_path, sizeof(R->journal_path), err,
				      sizeof(err)) < 0) {
		run_say(R, "%s", err);
		return EXIT_USAGE;
	}
	struct journal_header h = { .run_id = R->run_id, .plan_path = abs, .target = R->target.name,
				    .start_ns = journal_now_ns(), .vars = vars, .nvars = nv };
	memcpy(h.plan_hash, R->plan_hash, 32);
	if (journal_create(R->journal_path, &h, &R->j, err, sizeof(err)) < 0) {
		run_say(R, "%s", err);
		return EXIT_USAGE;
	}
	/* absolute from now on: every `hotplan resume PATH` said works from any directory */
	char abs_j[JOURNAL_PATH_MAX];
	if (realpath(R->journal_path, abs_j) != NULL)
		snprintf(R->journal_path, sizeof(R->journal_path), "%s", abs_j);
	snprintf(R->sim_path, sizeof(R->sim_path), "%s.sim", R->journal_path);
	struct journal_record rec = { .kind = JOURNAL_RUN_START, .step = -1, .action = -1 };
	if (journal_append(R->j, &rec, err, sizeof(err)) < 0) {
		run_say(R, "%s", err);
		return EXIT_USAGE;
	}
	struct last_run last;
	if (last_run_make(&last, R->run_id, R->journal_path, LAST_RUN_UNFINISHED, err, sizeof(err)) < 0 ||
	    last_run_write(R->state_dir, R->target.name, &last, true, err, sizeof(err)) < 0) {
		run_say(R, "%s", err);
		return EXIT_USAGE;
	}
	/* and beside the lock on each node: another controller sees the run too */
	char msg[2048];
	if (R->tl != NULL && lock_target_write_last(R->tl, LAST_RUN_UNFINISHED, R->journal_path, msg, sizeof(msg)) < 0) {
		run_say(R, "%s: nothing was run", msg);
		run_finish(R, JOURNAL_STATUS_FAILED);
		return EXIT_USAGE;
	}
	return 0;
}

/* ---- a new run ----------------------------------------------------------------------------- */

int setup_run(struct run *R)
{
	char err[512];
	int rc;
	if (journal_new_run_id(R->run_id, sizeof(R->run_id), err, sizeof(err)) < 0) {
		run_say(R, "%s", err);
		return EXIT_USAGE;
	}
	progress_init(&R->prog, stdout, R->o.log_json, R->run_id);
	if ((rc = setup_target(R)) != 0)
		return rc;
	/* the target's locks before anything is read from it: a run waiting at the prompt below
	 * holds them, so no other run can change what it read (docs/locks.md) */
	if (!R->o.dry_run) {
		if (journal_state_dir(R->state_dir, sizeof(R->state_dir), err, sizeof(err)) < 0) {
			run_say(R, "%s", err);
			return EXIT_USAGE;
		}
		if ((rc = setup_lock(R, false)) != 0)
			return rc;
	}
	if ((rc = setup_live(R)) != 0)
		return rc;
	progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_RUN_START,
			.message = arena_printf(&R->ctx.arena, "%s %s: plan %s (%s) on %s%s: %u steps",
						R->o.dry_run ? "dry run" : "run", R->run_id, R->plan->name.s,
						kind_name(R->target.kind), R->target.name, R->sim ? " (simulated)" : "",
						R->nsteps) });
	if (R->o.dry_run)
		dry_gate(R);
	if ((rc = preflight(R)) != 0 || R->o.dry_run)
		return rc;
	if ((rc = setup_confirm(R)) != 0 || (rc = start_journal(R)) != 0)
		return rc;
	progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_PREFLIGHT_OK, .message = R->journal_path });
	return 0;
}
