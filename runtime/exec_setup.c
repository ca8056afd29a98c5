/* exec_setup.c: everything around the walk: loading the plan and the target, params,
 * preflight, the lock, the journal, the simulated target's saved state, and the two entry
 * points, `run` and `resume`. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "driver_cmd.h"
#include "image.h"
#include "parse.h"
#include "run.h"
#include "util.h"

double run_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_signal(int sig)
{
	(void)sig;
	if (exec_interrupts < 100)
		exec_interrupts++;
}

static void say(struct run *R, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* 0, or EXIT_USAGE (said) if a handler cannot be installed. */
static int install_signals(struct run *R)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;   /* no SA_RESTART: a sleeping action wakes up to look */
	/* progress goes to stdout: a reader that goes away (`| head`) must not kill the run in the
	 * middle of an action; the write fails instead (EPIPE), reported at the end (run_free) */
	struct sigaction ign = sa;
	ign.sa_handler = SIG_IGN;
	if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0 ||
	    sigaction(SIGPIPE, &ign, NULL) != 0) {
		say(R, "install the signal handlers: %s", strerror(errno));
		return EXIT_USAGE;
	}
	exec_interrupts = 0;
	return 0;
}

static void say(struct run *R, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	util_verr(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	char *shown = progress_redact(&R->prog, buf);   /* a secret param's value is never shown */
	fputs("hotplan: ", stderr);
	progress_put_escaped(stderr, shown != NULL ? shown : "(out of memory)");
	fputc('\n', stderr);
	free(shown);
}

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

/* ---- the plan -------------------------------------------------------------------------- */

static void sha256_file(const char *text, size_t len, unsigned char out[32])
{
	unsigned int n = 32;
	EVP_Digest(text, len, out, &n, EVP_sha256(), NULL);
}

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

int run_load_plan(struct run *R, const char *path)
{
	const char *why = NULL;
	struct ast_file *f = NULL;

	if (is_image_file(path)) {
		unsigned char *buf = NULL;
		size_t len = 0;
		char err[512];
		if (image_read_file(path, &buf, &len, err, sizeof(err)) < 0 ||
		    image_read(&R->ctx, buf, len, &f, err, sizeof(err)) < 0) {
			free(buf);
			say(R, "%s: %s", path, err);
			return EXIT_USAGE;
		}
		image_source_hash(buf, len, R->plan_hash);
		free(buf);
	} else {
		f = parse_file(&R->ctx, path, &why);
		if (f == NULL) {
			say(R, "%s", why);
			return EXIT_USAGE;
		}
	}
	check_file(&R->ctx, f, CHECK_ALL, false);
	diag_finish(&R->ctx);
	bool color = util_color(STDERR_FILENO);
	if (R->ctx.diags.n > 0)
		diag_print_text(&R->ctx, stderr, color);
	if (R->ctx.diags.errors > 0) {
		say(R, "%s: the plan has errors: nothing was run", path);
		return EXIT_REJECTED;
	}
	if (f->plans == NULL) {
		say(R, "%s: no plan in the file", path);
		return EXIT_REJECTED;
	}
	if (f->plans->next != NULL) {
		say(R, "%s: more than one plan; hotplan runs one plan per file", path);
		return EXIT_USAGE;
	}
	R->plan = f->plans;
	if (!is_image_file(path)) {
		struct source *src = ctx_source(&R->ctx, f->source);
		sha256_file(src->text, src->len, R->plan_hash);
	}
	return 0;
}

static const struct ast_stmt *find_step(const struct ast_stmt *st, const char *name)
{
	for (; st != NULL; st = st->next) {
		if (st->kind == S_STEP && st->name.s && strcmp(st->name.s, name) == 0)
			return st;
		const struct ast_stmt *r = find_step(st->body, name);
		if (r == NULL)
			r = find_step(st->else_body, name);
		if (r != NULL)
			return r;
	}
	return NULL;
}

static const struct ast_stmt *find_stmt_index(const struct ast_stmt *st, int32_t index)
{
	for (; st != NULL; st = st->next) {
		if ((st->kind == S_STEP || st->kind == S_CHECKPOINT) && (int32_t)st->index == index)
			return st;
		const struct ast_stmt *r = find_stmt_index(st->body, index);
		if (r == NULL)
			r = find_stmt_index(st->else_body, index);
		if (r != NULL)
			return r;
	}
	return NULL;
}

/* ---- the target, params and the model ---------------------------------------------------- */

static int setup_target(struct run *R)
{
	char err[1024];
	struct ast_file *inv = NULL;   /* its targets, and the profile blocks it and its imports hold */
	if (R->o.inventory_path != NULL) {
		const char *why = NULL;
		unsigned before = R->ctx.diags.n;
		inv = parse_file(&R->ctx, R->o.inventory_path, &why);
		if (inv == NULL) {
			say(R, "%s", why);
			return EXIT_USAGE;
		}
		if (R->ctx.diags.n > before) {
			diag_finish(&R->ctx);
			diag_print_text(&R->ctx, stderr, false);
			say(R, "%s: the inventory has errors", R->o.inventory_path);
			return EXIT_USAGE;
		}
		if (target_from_inventory(&R->ctx, inv, R->o.target_name, &R->target, err, sizeof(err)) < 0) {
			say(R, "%s: %s", R->o.inventory_path, err);
			return EXIT_USAGE;
		}
		if (R->o.kind >= 0 && (enum proc_kind)R->o.kind != R->target.kind) {
			say(R, "--kind %s, but target '%s' is %s", R->o.kind == PROC_CLUSTER ? "cluster" : "standalone",
			    R->target.name, R->target.kind == PROC_CLUSTER ? "a cluster" : "standalone");
			return EXIT_USAGE;
		}
	} else {
		enum proc_kind k = R->o.kind >= 0 ? (enum proc_kind)R->o.kind : PROC_STANDALONE;
		if (R->o.kind < 0 && R->plan->proc[PROC_STANDALONE] == NULL && R->plan->proc[PROC_CLUSTER] != NULL)
			k = PROC_CLUSTER;
		target_builtin(&R->ctx.arena, k, &R->target);
	}
	R->proc = R->plan->proc[R->target.kind];
	if (R->proc == NULL) {
		say(R, "plan '%s' has no %s procedure for target '%s' [HP006]", R->plan->name.s,
		    R->target.kind == PROC_CLUSTER ? "cluster" : "standalone", R->target.name);
		return EXIT_REJECTED;
	}
	R->sim = true;
	for (unsigned n = 0; n < R->target.nnodes; n++)
		R->sim &= R->target.nodes[n].transport == TR_SIM;
	if (cmd_target_wanted(&R->target)) {
		/* local: and ssh:// nodes, and sim: nodes that name a real profile: their profiles and
		 * transports, the stores and group owners of the live target (driver_cmd.h) */
		const struct ast_profile *local = NULL;
		unsigned before = R->ctx.diags.n;
		char msg[2048];
		if (inv != NULL)
			local = inv->profiles;
		struct cmd_open co = { R->plan, R->proc, R->o.plan_path, local, R->o.dry_run, &exec_interrupts };
		int rc = cmd_target_open(&R->ctx, &co, &R->target, &R->cmd, msg, sizeof(msg));
		cmd_print_diags(&R->ctx, before, stderr);
		if (rc != 0) {
			say(R, "%s", msg);
			return rc;
		}
		if (!R->sim && !R->o.dry_run && !R->o.yes) {
			/* SPEC 5: `run` asks before it changes a real target; --yes answers */
			FILE *tty = isatty(STDIN_FILENO) ? fopen("/dev/tty", "r+") : NULL;
			if (tty == NULL) {
				say(R, "target '%s' is real: confirm on a terminal, or give --yes", R->target.name);
				return EXIT_USAGE;
			}
			fprintf(tty, "change target %s (%u node%s) with plan %s? [y/N] ", R->target.name, R->target.nnodes,
				R->target.nnodes == 1 ? "" : "s", R->plan->name.s);
			if (fflush(tty) != 0) {
				/* a question the operator did not see has no answer */
				int e = errno;
				(void)fclose(tty); /* the write failed already */
				say(R, "target '%s' is real: cannot ask on the terminal (%s): give --yes", R->target.name,
				    strerror(e));
				return EXIT_USAGE;
			}
			char line[64] = "";
			bool yes = fgets(line, sizeof(line), tty) != NULL && (line[0] == 'y' || line[0] == 'Y');
			(void)fclose(tty); /* flushed above: only read since */
			if (!yes) {
				say(R, "not confirmed: nothing was changed");
				return EXIT_REJECTED;
			}
		}
	}
	if (R->o.fail_at != NULL) {
		R->fail_at = find_step(R->proc->body, R->o.fail_at);
		if (R->fail_at == NULL) {
			say(R, "--fail-at %s: the %s procedure has no step of that name", R->o.fail_at,
			    R->target.kind == PROC_CLUSTER ? "cluster" : "standalone");
			return EXIT_USAGE;
		}
	}
	R->values = arena_alloc(&R->ctx.arena, (R->plan->nparams + 1) * sizeof(*R->values));
	/* secret values, as given, before anything could show them (a bad value's message) */
	for (unsigned i = 0; i < R->o.nsets; i++)
		if (secret_param(R->plan, R->o.sets[i]) != NULL && strchr(R->o.sets[i], '=') != NULL)
			add_secret(R, strchr(R->o.sets[i], '=') + 1);
	for (unsigned i = 0; i < R->target.nsets; i++)
		if (secret_param(R->plan, R->target.sets[i].path) != NULL && R->target.sets[i].value->kind == LIT_STRING)
			add_secret(R, R->target.sets[i].value->str);
	if (params_bind(&R->ctx.arena, R->plan, &R->target, R->o.sets, R->o.nsets, R->values, err, sizeof(err)) < 0) {
		say(R, "%s", err);
		return EXIT_USAGE;
	}
	for (const struct ast_param *p = R->plan->params; p != NULL; p = p->next)
		if (p->secret && R->values[p->index].set)
			add_secret(R, R->values[p->index].text);

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
	R->nsteps = walk_count_steps(&R->bind, R->proc->body);
	if (R->cmd == NULL || R->sim)
		R->drv = driver_sim_new(&R->ctx.arena, R->m, R->live, &R->target, R->o.pace_ns, &exec_interrupts);
	if (R->cmd != NULL) {
		char msg[2048];
		R->drv = driver_cmd_new(&R->ctx.arena, R->m, R->live, &R->target, R->cmd, R->values, R->journal_path,
					&R->prog, R->sim ? R->drv : NULL, &exec_interrupts, msg, sizeof(msg));
		if (R->drv == NULL) {
			say(R, "%s", msg);
			return EXIT_USAGE;
		}
	}
	return 0;
}

/* Params, their stores, and the plan's prerequisites: nothing changes when one fails. */
int run_preflight(struct run *R)
{
	char why[1024];
	for (const struct ast_param *p = R->plan->params; p != NULL; p = p->next) {
		const struct rt_value *v = &R->values[p->index];
		if (!v->set) {
			snprintf(why, sizeof(why), "param '%s' has no value: give it with --set %s=VALUE or `set %s = …` in "
				 "the inventory", p->name.s, p->name.s, p->name.s);
			goto fail;
		}
		if (p->type == TY_STORES && R->target.nstores > 0)
			for (unsigned i = 0; i < v->nlist; i++) {
				bool found = false;
				for (unsigned k = 0; k < R->target.nstores; k++)
					found |= strcmp(R->target.stores[k], v->list[i]) == 0;
				if (!found) {
					snprintf(why, sizeof(why), "param '%s' names store \"%s\", which target '%s' does not have",
						 p->name.s, v->list[i], R->target.name);
					goto fail;
				}
			}
	}
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

/* ---- the journal ----------------------------------------------------------------------- */

int run_journal(struct run *R, enum journal_kind kind, const struct ast_stmt *st, int action,
		const char *node, const char *msg, enum journal_status status)
{
	char err[512];
	if (R->j == NULL)
		return 0;
	if (R->io_failed)
		return -1;   /* said once, when it failed */
	char *shown = R->nsecrets > 0 && msg != NULL ? progress_redact(&R->prog, msg) : NULL;
	struct journal_record rec = {
		.kind = kind, .status = status, .step = st ? (int32_t)st->index : -1, .action = action,
		.step_name = st ? st->name.s : NULL, .iter = R->walk.label, .node = node,
		.message = shown != NULL ? shown : msg,   /* a secret param's value is never journaled */
	};
	/* step-done is the one record appended without a sync of its own (docs/journal.md,
	 * "Durability"): the next record is synced before anything acts, which makes it durable
	 * too, and a resume that finds it missing goes through the step again, all of whose
	 * actions are journaled done, and journals it then. Every other record is synced:
	 * action-start before the action acts, action-done because it decides whether a resume
	 * acts again, checkpoint because a resume does not journal again the checkpoints it passes
	 * before its first unfinished step, and the run's last record (run-done, interrupted). */
	int rc = kind == JOURNAL_STEP_DONE ? journal_append_nosync(R->j, &rec, err, sizeof(err))
					   : journal_append(R->j, &rec, err, sizeof(err));
	free(shown);
	if (rc < 0)
		return run_io_failed(R, err);
	return 0;
}

int run_io_failed(struct run *R, const char *what)
{
	if (!R->io_failed) {
		R->io_failed = true;
		snprintf(R->why, sizeof(R->why), "%s", what);
		say(R, "%s: the run stops here; `hotplan resume %s` continues it once that is fixed", what, R->journal_path);
	}
	exec_interrupts = 100;
	return -1;
}

static const char *var(struct run *R, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *var(struct run *R, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *p = arena_alloc(&R->ctx.arena, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

int run_start_journal(struct run *R)
{
	char err[1024];
	const char **vars = arena_alloc(&R->ctx.arena, (R->o.nsets + R->bind.n + 12) * sizeof(*vars));
	size_t nv = 0;
	char abs[JOURNAL_PATH_MAX];

	if (realpath(R->o.plan_path, abs) == NULL)
		snprintf(abs, sizeof(abs), "%s", R->o.plan_path);
	vars[nv++] = var(R, "plan=%s", abs);
	if (R->o.inventory_path) {
		char inv[JOURNAL_PATH_MAX];
		if (realpath(R->o.inventory_path, inv) == NULL)
			snprintf(inv, sizeof(inv), "%s", R->o.inventory_path);
		vars[nv++] = var(R, "inventory=%s", inv);
	}
	if (R->o.target_name)
		vars[nv++] = var(R, "target=%s", R->o.target_name);
	vars[nv++] = var(R, "kind=%s", R->target.kind == PROC_CLUSTER ? "cluster" : "standalone");
	if (R->o.fail_at)
		vars[nv++] = var(R, "fail-at=%s", R->o.fail_at);
	if (R->o.pace_ns)
		vars[nv++] = var(R, "pace-ns=%lld", R->o.pace_ns);
	for (unsigned i = 0; i < R->o.nsets; i++) {
		const struct ast_param *sp = secret_param(R->plan, R->o.sets[i]);
		/* a secret param's value is not journaled: its name says `resume` needs it again */
		vars[nv++] = sp != NULL ? var(R, "set=%s", sp->name.s) : var(R, "set=%s", R->o.sets[i]);
	}
	/* roles bind once, when the run starts: a resume must not bind them again */
	for (const struct ast_role *r = R->proc->roles; r != NULL; r = r->next)
		if (r->kind != R_LOOPVAR)
			vars[nv++] = var(R, "role=%s=%llx", r->name.s, (unsigned long long)R->bind.nodes[r->index]);

	if (R->o.journal_path != NULL)
		snprintf(R->journal_path, sizeof(R->journal_path), "%s", R->o.journal_path);
	else if (journal_default_path(R->state_dir, R->run_id, R->journal_path, sizeof(R->journal_path), err,
				      sizeof(err)) < 0) {
		say(R, "%s", err);
		return EXIT_USAGE;
	}
	struct journal_header h = { .run_id = R->run_id, .plan_path = abs, .target = R->target.name,
				    .start_ns = journal_now_ns(), .vars = vars, .nvars = nv };
	memcpy(h.plan_hash, R->plan_hash, 32);
	if (journal_create(R->journal_path, &h, &R->j, err, sizeof(err)) < 0) {
		say(R, "%s", err);
		return EXIT_USAGE;
	}
	snprintf(R->sim_path, sizeof(R->sim_path), "%s.sim", R->journal_path);
	struct journal_record rec = { .kind = JOURNAL_RUN_START, .step = -1, .action = -1 };
	if (journal_append(R->j, &rec, err, sizeof(err)) < 0) {
		say(R, "%s", err);
		return EXIT_USAGE;
	}
	struct last_run last = { .status = LAST_RUN_UNFINISHED };
	snprintf(last.run_id, sizeof(last.run_id), "%s", R->run_id);
	if (realpath(R->journal_path, last.journal) == NULL)
		snprintf(last.journal, sizeof(last.journal), "%s", R->journal_path);
	if (last_run_write(R->state_dir, R->target.name, &last, err, sizeof(err)) < 0) {
		say(R, "%s", err);
		return EXIT_USAGE;
	}
	return 0;
}

void run_finish(struct run *R, enum journal_status st)
{
	char err[512];
	if (R->j == NULL)
		return;
	if (run_journal(R, JOURNAL_RUN_DONE, NULL, -1, NULL, NULL, st) < 0)
		return;   /* the target stays unfinished: `resume` sees how it ended */
	struct last_run last = { .status = last_run_status_of(st) };
	snprintf(last.run_id, sizeof(last.run_id), "%s", R->run_id);
	if (realpath(R->journal_path, last.journal) == NULL)
		snprintf(last.journal, sizeof(last.journal), "%s", R->journal_path);
	if (last_run_write(R->state_dir, R->target.name, &last, err, sizeof(err)) < 0)
		say(R, "%s", err);
}

/* ---- the simulated target's state ------------------------------------------------------ */

#define SIM_MAGIC "HPSIM001"

/* The simulated target outlives the runner, as a real one would: its state is saved after
 * every action, whole or not at all: written to NAME.sim.tmp, renamed over NAME.sim (a write
 * cut short by a full disk must not leave half a state for `resume` to read; a simulated
 * target need not survive a power cut, so nothing is fsync'ed: no UTIL_DURABLE). The tmp name
 * is fixed: the run holds the target's lock. */
int run_save_sim(struct run *R)
{
	if (R->j == NULL || R->sim_path[0] == '\0')
		return 0;
	size_t ng = R->m->ngroups * sizeof(nodeset), len = 8 + 12 + ng + R->m->nv;
	if (R->sim_buf == NULL)
		R->sim_buf = arena_alloc(&R->ctx.arena, len);
	uint32_t hdr[3] = { R->m->nv, R->m->ngroups, R->m->nnodes };
	unsigned char *p = R->sim_buf;
	memcpy(p, SIM_MAGIC, 8); /* NOLINT(bugprone-not-null-terminated-result): a binary header */
	memcpy(p + 8, hdr, 12);
	memcpy(p + 20, R->live->owner, ng);
	memcpy(p + 20 + ng, R->live->v, R->m->nv);
	char err[JOURNAL_PATH_MAX + 128];
	if (util_replace(R->sim_path, p, len, 0600, UTIL_FIXED_TMP, err, sizeof(err)) != 0)
		return run_io_failed(R, arena_printf(&R->ctx.arena, "save the simulated target's state: %s", err));
	return 0;
}

static int load_sim(struct run *R)
{
	int fd = open(R->sim_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;   /* nothing acted yet: the start state */
	struct stat st;
	if (fstat(fd, &st) == 0 && st.st_size == 0) {
		close(fd);                         /* killed between creating and writing it: likewise */
		return 0;
	}
	char magic[8];
	uint32_t hdr[3];
	bool ok = read(fd, magic, 8) == 8 && memcmp(magic, SIM_MAGIC, 8) == 0 &&
		  read(fd, hdr, sizeof(hdr)) == (ssize_t)sizeof(hdr) && hdr[0] == R->m->nv &&
		  hdr[1] == R->m->ngroups && hdr[2] == R->m->nnodes &&
		  read(fd, R->live->owner, R->m->ngroups * sizeof(nodeset)) == (ssize_t)(R->m->ngroups * sizeof(nodeset)) &&
		  read(fd, R->live->v, R->m->nv) == (ssize_t)R->m->nv;
	close(fd);
	return ok ? 0 : -1;
}

/* ---- the lock ---------------------------------------------------------------------------- */

static int take_lock(struct run *R, bool resume)
{
	char msg[1024];
	struct lock_owner me, holder;
	if (lock_owner_self(&me, R->run_id, journal_now_ns(), msg, sizeof(msg)) < 0) {
		say(R, "%s", msg);
		return EXIT_USAGE;
	}
	int rc = lock_acquire(R->state_dir, R->target.name, &me, &R->lk, &holder, msg, sizeof(msg));
	if (rc == 1) {
		say(R, "%s", msg);
		progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_RUN_DONE, .status = "failed", .message = msg,
				.elapsed = run_now() - R->t0 });
		return EXIT_LOCKED;
	}
	if (rc < 0) {
		say(R, "%s", msg);
		return EXIT_USAGE;
	}
	if (msg[0] != '\0')
		progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_NOTE, .message = msg });
	struct last_run last;
	rc = last_run_read(R->state_dir, R->target.name, &last, msg, sizeof(msg));
	if (rc < 0) {
		say(R, "%s", msg);
		return EXIT_USAGE;
	}
	if (resume)
		rc = last_run_resume_gate(rc == 0 ? &last : NULL, R->target.name, R->run_id, msg, sizeof(msg));
	else
		rc = last_run_gate(rc == 0 ? &last : NULL, R->target.name, R->o.abandon, msg, sizeof(msg));
	if (rc != 0) {
		say(R, "%s", msg);
		if (rc == 1)
			progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_RUN_DONE, .status = "failed",
					.message = msg, .elapsed = run_now() - R->t0 });
		return rc == 1 ? EXIT_LOCKED : EXIT_USAGE;
	}
	if (msg[0] != '\0')
		progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_NOTE, .message = msg });
	return 0;
}

void run_release(struct run *R)
{
	/* Everything journaled is durable before the target's lock goes. Every end of a run
	 * appends a synced last record (run-done, interrupted), which takes a pending step-done
	 * with it; this is for a path that would not. A failure loses only what a resume can do
	 * without, and a failed journal has said so already. */
	if (R->j != NULL) {
		char err[256];
		(void)journal_sync(R->j, err, sizeof(err));
	}
	journal_close(R->j);
	R->j = NULL;
	if (R->lk != NULL) {
		char err[256];
		lock_release(R->lk, err, sizeof(err));
	}
	R->lk = NULL;
}

/* ---- run ------------------------------------------------------------------------------- */

static struct run *run_new(const struct run_opts *o)
{
	struct run *R = calloc(1, sizeof(*R));
	if (R == NULL)
		abort();
	ctx_init(&R->ctx);
	R->o = *o;
	R->t0 = run_now();
	return R;
}

/* The end of a run or a resume whose exit status is rc: the status to exit with. Progress
 * output cut short (progress.c: the run went on without it) is said here. A dry run, whose
 * output is all it is for, then fails as any command whose output cannot be written; a run
 * keeps its status, which says what became of the target, and its journal has every step. */
static int run_free(struct run *R, int rc)
{
	progress_close(&R->prog);
	int e = progress_write_error(&R->prog);
	if (e != 0) {
		say(R, "the progress output was cut short: %s%s%s", strerror(e),
		    R->j != NULL ? "; the journal has the whole run: " : "", R->j != NULL ? R->journal_path : "");
		if (R->o.dry_run && rc == EXIT_OK)
			rc = EXIT_USAGE;
	}
	if (R->drv != NULL)
		R->drv->ops->close(R->drv);
	cmd_target_close(R->cmd);
	run_release(R);
	if (R->resuming) {
		journal_resume_free(&R->rs);
		journal_log_free(&R->log);
	}
	ctx_free(&R->ctx);
	free(R);
	return rc;
}

static int run_begin(struct run *R)
{
	char err[512];
	int rc;
	if (journal_new_run_id(R->run_id, sizeof(R->run_id), err, sizeof(err)) < 0) {
		say(R, "%s", err);
		return EXIT_USAGE;
	}
	progress_init(&R->prog, stdout, R->o.log_json, R->run_id);
	if ((rc = setup_target(R)) != 0)
		return rc;
	progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_RUN_START,
			.message = arena_printf(&R->ctx.arena, "%s %s: plan %s (%s) on %s%s: %u steps", R->o.dry_run ? "dry run" : "run",
					       R->run_id, R->plan->name.s,
					       R->target.kind == PROC_CLUSTER ? "cluster" : "standalone", R->target.name,
					       R->sim ? " (simulated)" : "", R->nsteps) });
	return run_preflight(R);
}

int exec_run(const struct run_opts *o)
{
	struct run *R = run_new(o);
	char err[512];
	int rc;

	if ((rc = install_signals(R)) != 0)
		goto out;
	if ((rc = run_load_plan(R, o->plan_path)) != 0)
		goto out;
	if ((rc = run_begin(R)) != 0)
		goto out;
	if (o->dry_run) {
		rc = run_walk(R);
		goto out;
	}
	if (journal_state_dir(R->state_dir, sizeof(R->state_dir), err, sizeof(err)) < 0) {
		say(R, "%s", err);
		rc = EXIT_USAGE;
		goto out;
	}
	if ((rc = take_lock(R, false)) != 0)
		goto out;
	if ((rc = run_start_journal(R)) != 0)
		goto out;
	progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_PREFLIGHT_OK, .message = R->journal_path });
	rc = run_walk(R);
out:
	return run_free(R, rc);
}

/* ---- resume ---------------------------------------------------------------------------- */

/* A run that already ended cannot be resumed. If it died between its last record and the
 * target's last-run record, that record still says unfinished: mend it from the journal. */
static int resume_ended(struct run *R, const char *journal_path)
{
	char err[512];
	const char *target = R->log.header.target;
	enum journal_status st = R->rs.end_status;
	struct last_run last;
	if (target != NULL && journal_state_dir(R->state_dir, sizeof(R->state_dir), err, sizeof(err)) == 0 &&
	    last_run_read(R->state_dir, target, &last, err, sizeof(err)) == 0 &&
	    strcmp(last.run_id, R->log.header.run_id) == 0 && last.status == LAST_RUN_UNFINISHED) {
		last.status = last_run_status_of(st);
		if (last_run_write(R->state_dir, target, &last, err, sizeof(err)) == 0) {
			/* the runner died after its last record: this resume finishes its bookkeeping */
			say(R, "run %s had ended (%s); target '%s' now says so too", R->log.header.run_id,
			    journal_status_name(st), target);
			return st == JOURNAL_STATUS_COMPLETED ? EXIT_OK
			       : st == JOURNAL_STATUS_ROLLED_BACK ? EXIT_ROLLED_BACK : EXIT_FAILED;
		}
	}
	say(R, "run %s %s: it cannot be resumed; a new run starts from the beginning (%s)", R->log.header.run_id,
	    st == JOURNAL_STATUS_COMPLETED ? "completed" : "was rolled back", journal_path);
	return EXIT_USAGE;
}

static const char *header_var(const struct journal_log *log, const char *key, size_t *iter)
{
	size_t klen = strlen(key);
	for (size_t i = iter ? *iter : 0; i < log->header.nvars; i++) {
		const char *v = log->header.vars[i];
		if (strncmp(v, key, klen) == 0 && v[klen] == '=') {
			if (iter)
				*iter = i + 1;
			return v + klen + 1;
		}
	}
	return NULL;
}

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

int exec_resume(const char *journal_path, bool yes, bool log_json, const char *const *given, unsigned ngiven)
{
	struct run_opts o = { .yes = yes, .log_json = log_json, .kind = -1 };
	struct run *R = run_new(&o);
	char err[1024];
	int rc;

	if ((rc = install_signals(R)) != 0)
		goto out;
	/* read it first (without its lock: a live run may be writing it), take the target's
	 * lock, and only then open it for appending */
	if (journal_read(journal_path, &R->log, err, sizeof(err)) < 0) {
		say(R, "%s", err);
		rc = EXIT_USAGE;
		goto out;
	}
	R->resuming = true;
	if (journal_resume_state(&R->log, &R->rs, err, sizeof(err)) < 0) {
		say(R, "%s: %s", journal_path, err);
		rc = EXIT_USAGE;
		goto out;
	}
	if (R->rs.next == JOURNAL_NEXT_NONE) {
		rc = resume_ended(R, journal_path);
		goto out;
	}
	/* the run as it was started */
	const char *plan = header_var(&R->log, "plan", NULL);
	const char *kind = header_var(&R->log, "kind", NULL);
	R->o.plan_path = plan;
	R->o.inventory_path = header_var(&R->log, "inventory", NULL);
	R->o.target_name = header_var(&R->log, "target", NULL);
	R->o.kind = kind && strcmp(kind, "cluster") == 0 ? PROC_CLUSTER : PROC_STANDALONE;
	const char *pace = header_var(&R->log, "pace-ns", NULL);
	if (pace != NULL) {
		char *end;
		errno = 0;
		R->o.pace_ns = strtoll(pace, &end, 10);
		if (errno != 0 || end == pace || *end != '\0' || R->o.pace_ns < 0) {
			say(R, "%s: the journal's pace-ns is not a number of nanoseconds: '%s'", journal_path, pace);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	if (!R->rs.has_failed_step)
		R->o.fail_at = header_var(&R->log, "fail-at", NULL);
	const char **sets = arena_alloc(&R->ctx.arena, (R->log.header.nvars + 1) * sizeof(*sets));
	size_t it = 0;
	const char *s;
	while ((s = header_var(&R->log, "set", &it)) != NULL) {
		if (strchr(s, '=') == NULL) {
			/* a secret param: the journal has its name only; the value comes again with --set */
			size_t n = strlen(s);
			const char *v = NULL;
			for (unsigned i = 0; i < ngiven; i++)
				if (strncmp(given[i], s, n) == 0 && given[i][n] == '=')
					v = given[i];
			if (v == NULL) {
				say(R, "run %s was started with secret param '%s', whose value the journal does not keep: give it "
				    "again with `hotplan resume %s --set %s=VALUE`", R->log.header.run_id, s, journal_path, s);
				rc = EXIT_USAGE;
				goto out;
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
		while ((s = header_var(&R->log, "set", &it)) != NULL)
			secret |= strchr(s, '=') == NULL && strlen(s) == n && strncmp(s, given[i], n) == 0;
		if (!secret || given[i][n] != '=') {
			say(R, "resume --set %.*s: only the secret params the run was started with are given again (the journal "
			    "keeps every other value)", (int)n, given[i]);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	if (plan == NULL) {
		say(R, "%s: the journal does not say which plan ran", journal_path);
		rc = EXIT_USAGE;
		goto out;
	}
	if ((rc = run_load_plan(R, plan)) != 0)
		goto out;
	if (memcmp(R->plan_hash, R->log.header.plan_hash, 32) != 0) {
		say(R, "%s changed since run %s started: resume needs the same plan", plan, R->log.header.run_id);
		rc = EXIT_USAGE;
		goto out;
	}
	snprintf(R->journal_path, sizeof(R->journal_path), "%s", journal_path);
	snprintf(R->sim_path, sizeof(R->sim_path), "%s.sim", journal_path);
	snprintf(R->run_id, sizeof(R->run_id), "%s", R->log.header.run_id);
	progress_init(&R->prog, stdout, log_json, R->run_id);
	if ((rc = setup_target(R)) != 0)
		goto out;
	/* the roles as they were bound when the run started */
	it = 0;
	while ((s = header_var(&R->log, "role", &it)) != NULL) {
		const char *eq = strrchr(s, '=');
		for (const struct ast_role *r = R->proc->roles; eq && r != NULL; r = r->next)
			if (strlen(r->name.s) == (size_t)(eq - s) && strncmp(r->name.s, s, (size_t)(eq - s)) == 0)
				R->bind.nodes[r->index] = (nodeset)strtoull(eq + 1, NULL, 16);
	}
	if (R->sim && load_sim(R) < 0) {
		say(R, "%s: the simulated target's saved state is unreadable", R->sim_path);
		rc = EXIT_USAGE;
		goto out;
	}
	if (journal_state_dir(R->state_dir, sizeof(R->state_dir), err, sizeof(err)) < 0) {
		say(R, "%s", err);
		rc = EXIT_USAGE;
		goto out;
	}
	if ((rc = take_lock(R, true)) != 0)
		goto out;
	redact_captures(R);
	/* now the journal: read again under the lock, its torn tail cut */
	journal_resume_free(&R->rs);
	journal_log_free(&R->log);
	R->resuming = false;
	if (journal_open_append(journal_path, &R->j, &R->log, err, sizeof(err)) < 0) {
		say(R, "%s", err);
		rc = EXIT_USAGE;
		goto out;
	}
	if (journal_resume_state(&R->log, &R->rs, err, sizeof(err)) < 0) {
		say(R, "%s: %s", journal_path, err);
		journal_log_free(&R->log);
		rc = EXIT_USAGE;
		goto out;
	}
	R->resuming = true;
	if (R->rs.next == JOURNAL_NEXT_NONE) {
		rc = resume_ended(R, journal_path);
		goto out;
	}
	progress_emit(&R->prog, &(struct progress_ev){ .kind = EV_RUN_START,
			.message = arena_printf(&R->ctx.arena, "resume %s: plan %s on %s", R->run_id, R->plan->name.s,
					       R->target.name) });
	struct journal_record rec = { .kind = JOURNAL_RUN_RESUME, .step = -1, .action = -1, .message = "hotplan resume" };
	if (journal_append(R->j, &rec, err, sizeof(err)) < 0) {
		say(R, "%s", err);
		rc = EXIT_USAGE;
		goto out;
	}
	if (R->rs.next == JOURNAL_NEXT_ROLLBACK) {
		const struct ast_stmt *ck = find_stmt_index(R->proc->body, R->rs.rollback.step);
		if (ck == NULL || ck->kind != S_CHECKPOINT) {
			say(R, "%s: the journal rolls back to a checkpoint the plan does not have", journal_path);
			rc = EXIT_USAGE;
			goto out;
		}
		rc = run_finish_rollback(R, ck);
		goto out;
	}
	rc = run_walk(R);
out:
	return run_free(R, rc);
}
