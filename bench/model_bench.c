/* bench/model_bench.c: how many actions per second the model alone follows on a concrete
 * state (the simulated target's, and the runtime's view of a live one), for
 * bench/run-runtime.sh. No process, no journal, no output: the upper bound of `sim:`.
 *
 *   model_bench [-k standalone|cluster] [-t SECONDS] [-s NAME=VALUE]... PLAN
 *
 * Loads and checks PLAN as `hotplan run` does (parse, resolve, check), builds the built-in
 * simulated target of the kind (target_builtin), binds the params (defaults, then -s), makes
 * the concrete model (model_init_concrete) and its start state (model_state_start, the
 * params, the roles), and then, pass after pass for SECONDS (default 1), resets the state to
 * the start and walks the procedure as the runtime does: each step's actions in order
 * (`if` by the condition's value in the current state, `for each` once per node of its set;
 * checkpoints are passed, not acted), timing two loops:
 *
 *   apply: model_apply(state, action, report) per action: preconditions and effect.
 *   guard: what the runtime's walk does with the model per action: the guard (copy the
 *          state, model_apply with a report on the copy; not for wait/verify/pause) and
 *          then the effect on the live state (model_apply).
 *
 * Prints one line of key=value words for the script:
 *   model kind=K actions_per_pass=A passes=P apply_per_s=X guard_per_s=Y violations=V
 * (violations: what the reports saw in one pass; 0 for a plan the checker accepts).
 *
 * Built by the script against the built library:
 *   cc -O2 -I compiler -I runtime bench/model_bench.c BUILD/libhotplan_core.a \
 *      -ljansson -lcrypto -lz -lpthread */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "ctx.h"
#include "model.h"
#include "parse.h"
#include "target.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct bench {
	const struct model *m;
	struct model_state *s, *scratch;
	struct model_bind bind;
	bool guard;              /* the runtime's loop (guard + effect) instead of apply alone */
	unsigned long actions;   /* actions in the current pass */
	unsigned long violations;
};

static void count_report(void *ud, const struct model_violation *v)
{
	(void)v;
	((struct bench *)ud)->violations++;
}

static void walk(struct bench *B, const struct ast_stmt *st);

static void act(struct bench *B, const struct ast_action *a)
{
	B->actions++;
	if (!B->guard) {
		model_apply(B->m, B->s, &B->bind, a, count_report, B);
		return;
	}
	if (a->kind != A_WAIT_UNTIL && a->kind != A_VERIFY && a->kind != A_WAIT && a->kind != A_PAUSE) {
		model_state_copy(B->m, B->scratch, B->s);
		model_apply(B->m, B->scratch, &B->bind, a, count_report, B);
	}
	model_apply(B->m, B->s, &B->bind, a, NULL, NULL);
}

static void walk(struct bench *B, const struct ast_stmt *st)
{
	for (; st != NULL; st = st->next) {
		switch (st->kind) {
		case S_STEP:
			for (const struct ast_action *a = st->actions; a != NULL; a = a->next)
				act(B, a);
			break;
		case S_CHECKPOINT:
			break;
		case S_IF: {
			mset v = model_eval(B->m, B->s, &B->bind, st->cond, NULL);
			walk(B, v == B_NO ? st->else_body : st->body);
			break;
		}
		case S_FOREACH: {
			if (st->var == NULL || st->set_role == NULL)
				break;
			nodeset set = B->bind.nodes[st->set_role->index];
			for (unsigned n = 0; n < B->m->nnodes; n++)
				if (set & ((nodeset)1 << n)) {
					B->bind.nodes[st->var->index] = (nodeset)1 << n;
					walk(B, st->body);
				}
			B->bind.nodes[st->var->index] = 0;
			break;
		}
		}
	}
}

int main(int argc, char **argv)
{
	enum proc_kind kind = PROC_STANDALONE;
	double seconds = 1.0;
	const char *sets[64];
	unsigned nsets = 0;
	int c;
	while ((c = getopt(argc, argv, "k:t:s:")) != -1) {
		switch (c) {
		case 'k':
			kind = strcmp(optarg, "cluster") == 0 ? PROC_CLUSTER : PROC_STANDALONE;
			break;
		case 't': {
			char *end = NULL;
			seconds = strtod(optarg, &end);
			if (end == optarg || *end != '\0' || !(seconds > 0)) {
				fprintf(stderr, "model_bench: -t wants a positive number of seconds, not '%s'\n", optarg);
				return 2;
			}
			break;
		}
		case 's':
			if (nsets < 64)
				sets[nsets++] = optarg;
			break;
		default:
			fprintf(stderr, "usage: model_bench [-k standalone|cluster] [-t SECONDS] [-s NAME=VALUE]... PLAN\n");
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: model_bench [-k standalone|cluster] [-t SECONDS] [-s NAME=VALUE]... PLAN\n");
		return 2;
	}

	struct hp_ctx ctx;
	ctx_init(&ctx);
	const char *why = NULL;
	struct ast_file *f = parse_file(&ctx, argv[optind], &why);
	if (f == NULL) {
		fprintf(stderr, "model_bench: %s\n", why ? why : "cannot read the plan");
		return 1;
	}
	check_file(&ctx, f, kind == PROC_CLUSTER ? CHECK_CLUSTER : CHECK_STANDALONE, true);
	diag_finish(&ctx);
	if (ctx.diags.errors > 0 || f->plans == NULL || f->plans->proc[kind] == NULL) {
		diag_print_text(&ctx, stderr, false);
		fprintf(stderr, "model_bench: %s: no %s procedure without errors\n", argv[optind],
			kind == PROC_CLUSTER ? "cluster" : "standalone");
		return 1;
	}
	const struct ast_plan *plan = f->plans;
	const struct ast_procedure *proc = plan->proc[kind];

	struct rt_target t;
	target_builtin(&ctx.arena, kind, &t);
	struct rt_value *values = arena_alloc(&ctx.arena, (plan->nparams + 1) * sizeof(*values));
	char err[512];
	if (params_bind(&ctx.arena, plan, &t, sets, nsets, values, err, sizeof(err)) < 0) {
		fprintf(stderr, "model_bench: %s\n", err);
		return 1;
	}
	struct model_param_value *pv = arena_alloc(&ctx.arena, (plan->nparams + 1) * sizeof(*pv));
	params_for_model(plan, values, pv);
	const char **names = arena_alloc(&ctx.arena, (t.nnodes + 1) * sizeof(*names));
	for (unsigned n = 0; n < t.nnodes; n++)
		names[n] = t.nodes[n].name;
	struct model *m = model_init_concrete(&ctx.arena, plan, kind, t.nnodes, names, t.nstores, t.stores, pv);
	struct model_state *start = model_state_start(&ctx.arena, m, 0);
	model_state_set_params(m, start, pv);

	struct bench B = { .m = m };
	B.s = model_state_clone(&ctx.arena, m, start);
	B.scratch = model_state_clone(&ctx.arena, m, start);
	B.bind.n = proc->nroles;
	B.bind.nodes = arena_alloc(&ctx.arena, (B.bind.n + 1) * sizeof(nodeset));
	model_bind_roles(m, start, proc, &B.bind);
	nodeset *bind0 = arena_alloc(&ctx.arena, (B.bind.n + 1) * sizeof(nodeset));
	memcpy(bind0, B.bind.nodes, B.bind.n * sizeof(nodeset));

	/* one pass to count the actions and the violations */
	walk(&B, proc->body);
	unsigned long per_pass = B.actions, violations = B.violations;
	if (per_pass == 0) {
		fprintf(stderr, "model_bench: the procedure has no actions\n");
		return 1;
	}

	double rate[2];
	unsigned long passes[2];
	for (int g = 0; g < 2; g++) {
		B.guard = g == 1;
		unsigned long p = 0, total = 0;
		double t0 = now(), t1;
		do {
			/* a batch of passes between clock reads */
			for (int k = 0; k < 1000; k++) {
				model_state_copy(m, B.s, start);
				memcpy(B.bind.nodes, bind0, B.bind.n * sizeof(nodeset));
				B.actions = 0;
				walk(&B, proc->body);
				total += B.actions;
				p++;
			}
			t1 = now();
		} while (t1 - t0 < seconds);
		rate[g] = (double)total / (t1 - t0);
		passes[g] = p;
	}
	printf("model kind=%s actions_per_pass=%lu passes=%lu apply_per_s=%.0f guard_per_s=%.0f violations=%lu\n",
	       kind == PROC_CLUSTER ? "cluster" : "standalone", per_pass, passes[0] + passes[1], rate[0], rate[1],
	       violations);
	ctx_free(&ctx);
	return 0;
}
