/* test_walk.c: the walk over a procedure (compiler/walk.c), through a client that writes down
 * what it is shown: step order and numbers across `if`/`else` and `for each`, `serial`
 * batches in lock-step, the loop variable and the label, checkpoint snapshots replayed under
 * their own bindings, and step counting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "check.h"
#include "model.h"
#include "parse.h"
#include "walk.h"

/* The plan every test walks; SERIAL is replaced by the test's `serial` clause. */
static const char PLAN[] =
	"plan walk \"The walk\" {\n"
	"    param deep : bool \"take the deep branch\"\n"
	"    model {\n"
	"        service \"W3SVC\" process \"inetinfo.exe\"\n"
	"    }\n"
	"    procedure cluster {\n"
	"        roles {\n"
	"            members = all nodes\n"
	"        }\n"
	"        step a \"A\" on members {\n"
	"            stop service \"W3SVC\"\n"
	"        }\n"
	"        if deep {\n"
	"            step b { wait 1s }\n"
	"            step c { wait 1s }\n"
	"        } else {\n"
	"            step d { wait 1s }\n"
	"        }\n"
	"        for each n in members SERIAL {\n"
	"            step e on n { wait 1s }\n"
	"            checkpoint k {\n"
	"                start service \"W3SVC\" on n\n"
	"                wait 1s\n"
	"            }\n"
	"            step f on n { wait 1s }\n"
	"        }\n"
	"        step g on members {\n"
	"            start service \"W3SVC\"\n"
	"        }\n"
	"    }\n"
	"}\n";

enum take { TAKE_THEN, TAKE_ELSE, TAKE_BOTH };

/* A client that writes down what the walk shows it. */
struct rec {
	struct hp_ctx ctx;
	struct ast_procedure *proc;
	struct model *m;
	struct model_bind bind;
	struct walk w;
	enum take take;
	char log[4096];
	size_t len;
	const struct walk_snapshot *snaps[8];
	unsigned nsnaps;
	const char *fail_at;          /* a step (by name) whose start fails … */
	const char *fail_label;       /* … in this iteration */
	const char *skip;             /* a step whose start says it is done already */
};

static void put(struct rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct rec *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(r->log + r->len, sizeof(r->log) - r->len, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(r->log) - r->len);
	r->len += (size_t)n;
}

static const char *lbl(const struct rec *r)
{
	return r->w.label[0] ? r->w.label : "-";
}

static enum walk_status on_step(void *ud, const struct ast_stmt *st, unsigned k)
{
	struct rec *r = ud;
	put(r, "%s#%u[%s] ", st->name.s, k, lbl(r));
	if (r->fail_at != NULL && strcmp(st->name.s, r->fail_at) == 0 && strcmp(r->w.label, r->fail_label) == 0)
		return WALK_FAILED;
	if (r->skip != NULL && strcmp(st->name.s, r->skip) == 0)
		return WALK_SKIP;
	return WALK_ON;
}

static enum walk_status on_action(void *ud, const struct ast_stmt *st, const struct ast_action *a, int idx)
{
	struct rec *r = ud;
	(void)a;
	put(r, "%s.%d ", st->name.s, idx);
	return WALK_ON;
}

static enum walk_status on_step_done(void *ud, const struct ast_stmt *st, unsigned k)
{
	struct rec *r = ud;
	put(r, "/%s#%u ", st->name.s, k);
	return WALK_ON;
}

static enum walk_status on_checkpoint(void *ud, const struct walk_snapshot *snap)
{
	struct rec *r = ud;
	put(r, "%s[%s] ", snap->ckpt->name.s, snap->label[0] ? snap->label : "-");
	assert_true(r->nsnaps < 8);
	r->snaps[r->nsnaps++] = snap;
	return WALK_ON;
}

static enum walk_status on_if(void *ud, struct walk *w, const struct ast_stmt *st)
{
	struct rec *r = ud;
	enum walk_status s = WALK_ON;
	put(r, "if ");
	if (r->take != TAKE_ELSE)
		s = walk_branch(w, st, true);
	if (s == WALK_ON && r->take != TAKE_THEN)
		s = walk_branch(w, st, false);
	put(r, "fi ");
	return s;
}

static const struct walk_ops rec_ops = {
	.step = on_step,
	.action = on_action,
	.step_done = on_step_done,
	.checkpoint = on_checkpoint,
	.branch = on_if,
};

/* The plan with `serial` (an empty string: none), on a concrete cluster of nnodes nodes
 * named n1, n2, … */
static struct rec *rec_new(const char *serial, unsigned nnodes, enum take take)
{
	static const char *const names[] = { "n1", "n2", "n3", "n4", "n5" };
	struct rec *r = calloc(1, sizeof(*r));
	assert_non_null(r);
	assert_true(nnodes <= 5);
	char text[sizeof(PLAN) + 32];
	const char *at = strstr(PLAN, "SERIAL");
	assert_non_null(at);
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - PLAN), PLAN, serial, at + strlen("SERIAL"));

	ctx_init(&r->ctx);
	struct ast_file *f = parse_buffer(&r->ctx, "walk.hplan", text, strlen(text));
	assert_true(sema_resolve(&r->ctx, f, CHECK_CLUSTER));
	assert_non_null(f->plans);
	r->proc = f->plans->proc[PROC_CLUSTER];
	assert_non_null(r->proc);
	r->m = model_init_concrete(&r->ctx.arena, f->plans, PROC_CLUSTER, nnodes, names, 0, NULL, NULL);
	r->bind.n = r->proc->nroles;
	r->bind.nodes = arena_alloc(&r->ctx.arena, (r->bind.n + 1) * sizeof(nodeset));
	model_bind_roles(r->m, model_state_start(&r->ctx.arena, r->m, 0), r->proc, &r->bind);
	r->take = take;
	walk_init(&r->w, &rec_ops, r, r->m, &r->bind, &r->ctx.arena);
	return r;
}

static void rec_free(struct rec *r)
{
	ctx_free(&r->ctx);
	free(r);
}

static const struct ast_role *role(const struct rec *r, const char *name)
{
	for (const struct ast_role *x = r->proc->roles; x != NULL; x = x->next)
		if (strcmp(x->name.s, name) == 0)
			return x;
	fail_msg("no role %s", name);
	return NULL;
}

static void expect_log(struct rec *r, const char *want)
{
	if (strcmp(r->log, want) != 0)
		print_error("want \"%s\"\n got \"%s\"\n", want, r->log);
	assert_string_equal(r->log, want);
}

/* ---- order and numbers --------------------------------------------------------------- */

static void then_branch_numbers(void **state)
{
	(void)state;
	struct rec *r = rec_new("", 3, TAKE_THEN);
	assert_int_equal(walk_stmts(&r->w, r->proc->body), WALK_ON);
	/* d, not taken, keeps number 4: the loop's steps come after it */
	expect_log(r, "a#1[-] a.0 /a#1 if b#2[-] b.0 /b#2 c#3[-] c.0 /c#3 fi "
		      "e#5[n=n1] e.0 /e#5 k[n=n1] f#6[n=n1] f.0 /f#6 "
		      "e#7[n=n2] e.0 /e#7 k[n=n2] f#8[n=n2] f.0 /f#8 "
		      "e#9[n=n3] e.0 /e#9 k[n=n3] f#10[n=n3] f.0 /f#10 "
		      "g#11[-] g.0 /g#11 ");
	assert_int_equal(walk_count_steps(&r->bind, r->proc->body), 11);
	/* after the loop its variable is unbound and the label is the outer one */
	assert_int_equal(r->bind.nodes[role(r, "n")->index], 0);
	assert_string_equal(r->w.label, "");
	rec_free(r);
}

static void else_branch_numbers(void **state)
{
	(void)state;
	struct rec *r = rec_new("", 2, TAKE_ELSE);
	assert_int_equal(walk_stmts(&r->w, r->proc->body), WALK_ON);
	/* b and c, skipped, keep numbers 2 and 3 */
	expect_log(r, "a#1[-] a.0 /a#1 if d#4[-] d.0 /d#4 fi "
		      "e#5[n=n1] e.0 /e#5 k[n=n1] f#6[n=n1] f.0 /f#6 "
		      "e#7[n=n2] e.0 /e#7 k[n=n2] f#8[n=n2] f.0 /f#8 "
		      "g#9[-] g.0 /g#9 ");
	assert_int_equal(walk_count_steps(&r->bind, r->proc->body), 9);
	rec_free(r);
}

static void both_branches_numbers(void **state)
{
	(void)state;
	/* the checker's way: both branches, then what follows numbered after both */
	struct rec *r = rec_new("", 2, TAKE_BOTH);
	assert_int_equal(walk_stmts(&r->w, r->proc->body), WALK_ON);
	expect_log(r, "a#1[-] a.0 /a#1 if b#2[-] b.0 /b#2 c#3[-] c.0 /c#3 d#4[-] d.0 /d#4 fi "
		      "e#5[n=n1] e.0 /e#5 k[n=n1] f#6[n=n1] f.0 /f#6 "
		      "e#7[n=n2] e.0 /e#7 k[n=n2] f#8[n=n2] f.0 /f#8 "
		      "g#9[-] g.0 /g#9 ");
	rec_free(r);
}

static void stop_and_skip(void **state)
{
	(void)state;
	struct rec *r = rec_new("", 3, TAKE_THEN);
	r->fail_at = "f";
	r->fail_label = "n=n2";
	r->skip = "b";
	assert_int_equal(walk_stmts(&r->w, r->proc->body), WALK_FAILED);
	/* a skipped step runs no action and is not done again; a failure stops everything */
	expect_log(r, "a#1[-] a.0 /a#1 if b#2[-] c#3[-] c.0 /c#3 fi "
		      "e#5[n=n1] e.0 /e#5 k[n=n1] f#6[n=n1] f.0 /f#6 "
		      "e#7[n=n2] e.0 /e#7 k[n=n2] f#8[n=n2] ");
	/* the label is the outer one again; the loop variable keeps the failed iteration's node */
	assert_string_equal(r->w.label, "");
	assert_int_equal(r->bind.nodes[role(r, "n")->index], (nodeset)1 << 1);
	/* walk_branch belongs in ops->branch of its own `if` */
	const struct ast_stmt *iff = r->proc->body->next;
	assert_int_equal(iff->kind, S_IF);
	assert_int_equal(walk_branch(&r->w, iff, true), WALK_ERROR);
	rec_free(r);
}

/* ---- serial batches ---------------------------------------------------------------------- */

static void serial_two_in_lock_step(void **state)
{
	(void)state;
	struct rec *r = rec_new("serial 2", 3, TAKE_ELSE);
	assert_int_equal(walk_stmts(&r->w, r->proc->body), WALK_ON);
	/* n1 and n2 take each statement of the body together, and each action of a step (a
	 * client without lanes: the checker, docs/checker.md "serial"); n3, alone, follows */
	expect_log(r, "a#1[-] a.0 /a#1 if d#4[-] d.0 /d#4 fi "
		      "e#5[n=n1] e#6[n=n2] e.0 e.0 /e#5 /e#6 k[n=n1] k[n=n2] "
		      "f#7[n=n1] f#8[n=n2] f.0 f.0 /f#7 /f#8 "
		      "e#9[n=n3] e.0 /e#9 k[n=n3] f#10[n=n3] f.0 /f#10 "
		      "g#11[-] g.0 /g#11 ");
	assert_int_equal(walk_count_steps(&r->bind, r->proc->body), 11);
	rec_free(r);
}

static void serial_over_node_count(void **state)
{
	(void)state;
	/* a batch larger than the set: every node at once */
	struct rec *r = rec_new("serial 1000", 3, TAKE_ELSE);
	assert_int_equal(walk_stmts(&r->w, r->proc->body), WALK_ON);
	expect_log(r, "a#1[-] a.0 /a#1 if d#4[-] d.0 /d#4 fi "
		      "e#5[n=n1] e#6[n=n2] e#7[n=n3] e.0 e.0 e.0 /e#5 /e#6 /e#7 k[n=n1] k[n=n2] k[n=n3] "
		      "f#8[n=n1] f#9[n=n2] f#10[n=n3] f.0 f.0 f.0 /f#8 /f#9 /f#10 "
		      "g#11[-] g.0 /g#11 ");
	rec_free(r);
}

static void serial_one_is_sequential(void **state)
{
	(void)state;
	struct rec *a = rec_new("serial 1", 3, TAKE_THEN);
	struct rec *b = rec_new("", 3, TAKE_THEN);
	assert_int_equal(walk_stmts(&a->w, a->proc->body), WALK_ON);
	assert_int_equal(walk_stmts(&b->w, b->proc->body), WALK_ON);
	assert_string_equal(a->log, b->log);
	rec_free(a);
	rec_free(b);
}

static void serial_clamp(void **state)
{
	(void)state;
	struct ast_stmt st = { .kind = S_FOREACH, .serial = 1 };
	assert_int_equal(walk_serial(&st), 1);
	st.serial = 0;
	assert_int_equal(walk_serial(&st), 1);
	st.serial = -5;
	assert_int_equal(walk_serial(&st), 1);
	st.serial = 3;
	assert_int_equal(walk_serial(&st), 3);
	st.serial = MODEL_MAX_NODES;
	assert_int_equal(walk_serial(&st), MODEL_MAX_NODES);
	st.serial = (int64_t)MODEL_MAX_NODES + 1;
	assert_int_equal(walk_serial(&st), MODEL_MAX_NODES);
	st.serial = INT64_MAX;
	assert_int_equal(walk_serial(&st), MODEL_MAX_NODES);
}

/* ---- checkpoints --------------------------------------------------------------------- */

struct replayed {
	struct rec *r;
	unsigned var;
	char log[256];
	size_t len;
};

static enum walk_status on_replay(void *ud, const struct ast_stmt *ck, const struct ast_action *a, int idx)
{
	struct replayed *x = ud;
	/* the action sees the checkpoint's bindings (its node, through the model) and label */
	nodeset to = model_action_nodes(x->r->m, model_state_start(&x->r->ctx.arena, x->r->m, 0), &x->r->bind, a);
	int n = snprintf(x->log + x->len, sizeof(x->log) - x->len, "%s.%d n=%llx to=%llx [%s] ", ck->name.s, idx,
			 (unsigned long long)x->r->bind.nodes[x->var], (unsigned long long)to, x->r->w.label);
	assert_true(n >= 0 && (size_t)n < sizeof(x->log) - x->len);
	x->len += (size_t)n;
	return WALK_ON;
}

static void checkpoint_snapshot_and_replay(void **state)
{
	(void)state;
	struct rec *r = rec_new("", 3, TAKE_THEN);
	assert_int_equal(walk_stmts(&r->w, r->proc->body), WALK_ON);
	assert_int_equal(r->nsnaps, 3);
	unsigned var = role(r, "n")->index;
	const struct walk_snapshot *k2 = r->snaps[1];
	assert_string_equal(k2->ckpt->name.s, "k");
	assert_string_equal(k2->label, "n=n2");
	assert_int_equal(walk_snapshot_nodes(k2, var), (nodeset)1 << 1);
	assert_int_equal(walk_snapshot_nodes(k2, role(r, "members")->index), 7);

	/* replayed after the loop: under n = n2 and its label, then the walk's own again */
	struct replayed x = { .r = r, .var = var };
	assert_int_equal(walk_replay(&r->w, k2, on_replay, &x), WALK_ON);
	assert_string_equal(x.log, "k.0 n=2 to=2 [n=n2] k.1 n=2 to=0 [n=n2] ");
	assert_int_equal(r->bind.nodes[var], 0);
	assert_string_equal(r->w.label, "");

	/* a rollback goes back to it: its bindings and label stay */
	walk_restore(&r->w, k2);
	assert_int_equal(r->bind.nodes[var], (nodeset)1 << 1);
	assert_string_equal(r->w.label, "n=n2");
	rec_free(r);
}

/* A client that replays the latest checkpoint at every step's start, as the checker's
 * failure points do: the replay must leave the walk exactly as it was. */
static enum walk_status replay_at_step(void *ud, const struct ast_stmt *st, unsigned k)
{
	struct rec *r = ud;
	if (r->nsnaps > 0) {
		struct replayed x = { .r = r, .var = role(r, "n")->index };
		nodeset before[4];
		char label[WALK_LABEL_MAX];
		memcpy(before, r->bind.nodes, r->bind.n * sizeof(nodeset));
		memcpy(label, r->w.label, sizeof(label));
		walk_replay(&r->w, r->snaps[r->nsnaps - 1], on_replay, &x);
		assert_memory_equal(before, r->bind.nodes, r->bind.n * sizeof(nodeset));
		assert_string_equal(label, r->w.label);
		put(r, "<%s> ", x.log);
	}
	return on_step(ud, st, k);
}

static void replay_inside_the_walk(void **state)
{
	(void)state;
	static const struct walk_ops ops = {
		.step = replay_at_step, .action = on_action, .checkpoint = on_checkpoint, .branch = on_if,
	};
	struct rec *r = rec_new("", 2, TAKE_ELSE);
	assert_true(r->bind.n <= 4);
	walk_init(&r->w, &ops, r, r->m, &r->bind, &r->ctx.arena);
	assert_int_equal(walk_stmts(&r->w, r->proc->body), WALK_ON);
	expect_log(r, "a#1[-] a.0 if d#4[-] d.0 fi "
		      "e#5[n=n1] e.0 k[n=n1] <k.0 n=1 to=1 [n=n1] k.1 n=1 to=0 [n=n1] > f#6[n=n1] f.0 "
		      "<k.0 n=1 to=1 [n=n1] k.1 n=1 to=0 [n=n1] > e#7[n=n2] e.0 "
		      "k[n=n2] <k.0 n=2 to=2 [n=n2] k.1 n=2 to=0 [n=n2] > f#8[n=n2] f.0 "
		      "<k.0 n=2 to=2 [n=n2] k.1 n=2 to=0 [n=n2] > g#9[-] g.0 ");
	rec_free(r);
}

static void label_read_back(void **state)
{
	(void)state;
	struct rec *r = rec_new("", 3, TAKE_THEN);
	unsigned var = role(r, "n")->index;
	walk_set_label(&r->w, r->proc, "n=n3");
	assert_string_equal(r->w.label, "n=n3");
	assert_int_equal(r->bind.nodes[var], (nodeset)1 << 2);
	const struct walk_snapshot *s = walk_snapshot(&r->w, r->proc->body->next->next->body->next);
	assert_string_equal(s->ckpt->name.s, "k");
	assert_string_equal(s->label, "n=n3");
	assert_int_equal(walk_snapshot_nodes(s, var), (nodeset)1 << 2);
	/* names that are no loop variable, or no node, bind nothing */
	r->bind.nodes[var] = 0;
	walk_set_label(&r->w, r->proc, "members=n1,n=n9");
	assert_int_equal(r->bind.nodes[var], 0);
	assert_int_equal(r->bind.nodes[role(r, "members")->index], 7);
	walk_set_label(&r->w, r->proc, NULL);
	assert_string_equal(r->w.label, "");
	rec_free(r);
}

/* ---- counting ------------------------------------------------------------------------ */

static void counting(void **state)
{
	(void)state;
	static const char plan[] =
		"plan counting \"Counting\" {\n"
		"    param deep : bool \"deep\"\n"
		"    procedure cluster {\n"
		"        roles {\n"
		"            members = all nodes\n"
		"            nobody = all nodes except members\n"
		"        }\n"
		"        step one { wait 1s }\n"
		"        for each n in members {\n"
		"            for each m in n {\n"
		"                step inner { wait 1s }\n"
		"            }\n"
		"            if deep {\n"
		"                step deep1 { wait 1s }\n"
		"            } else {\n"
		"                step shallow1 { wait 1s }\n"
		"                step shallow2 { wait 1s }\n"
		"            }\n"
		"        }\n"
		"        for each x in nobody {\n"
		"            step never { wait 1s }\n"
		"        }\n"
		"    }\n"
		"}\n";
	static const char *const names[] = { "n1", "n2", "n3", "n4" };
	struct hp_ctx ctx;
	ctx_init(&ctx);
	struct ast_file *f = parse_buffer(&ctx, "count.hplan", plan, strlen(plan));
	assert_true(sema_resolve(&ctx, f, CHECK_CLUSTER));
	assert_non_null(f->plans);
	struct ast_procedure *proc = f->plans->proc[PROC_CLUSTER];
	struct model *m = model_init_concrete(&ctx.arena, f->plans, PROC_CLUSTER, 4, names, 0, NULL, NULL);
	nodeset nodes[8] = { 0 };
	struct model_bind b = { nodes, proc->nroles, NULL };
	assert_true(b.n <= 8);
	model_bind_roles(m, model_state_start(&ctx.arena, m, 0), proc, &b);
	/* 1 + 4 * (a loop over one node's set: 1, + both branches: 3) + 0 */
	assert_int_equal(walk_count_steps(&b, proc->body), 17);
	assert_int_equal(walk_count_steps(&b, NULL), 0);
	ctx_free(&ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(then_branch_numbers),
		cmocka_unit_test(else_branch_numbers),
		cmocka_unit_test(both_branches_numbers),
		cmocka_unit_test(stop_and_skip),
		cmocka_unit_test(serial_two_in_lock_step),
		cmocka_unit_test(serial_over_node_count),
		cmocka_unit_test(serial_one_is_sequential),
		cmocka_unit_test(serial_clamp),
		cmocka_unit_test(checkpoint_snapshot_and_replay),
		cmocka_unit_test(replay_inside_the_walk),
		cmocka_unit_test(label_read_back),
		cmocka_unit_test(counting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
