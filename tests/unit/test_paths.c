/* test_paths.c: the checker's paths (compiler/paths.c) against whole states. Random sequences
 * of what the checker does (apply an action to every path, split the paths on a condition,
 * walk the branches of an `if` with the base journaled, merge) are run twice: on paths, and on
 * a whole copy of the state per path as the checker kept them before (model_state_clone,
 * model_state_equal, model_state_join). After every operation each path, entered, must hold
 * exactly its copy's values, causes and owners, and the degradations followed by key must be
 * those model_degradations counts. Also core/strmap.h and the arena's pools and packed
 * strings. */
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
#include "paths.h"
#include "strmap.h"
#include "walk.h"

static const char PLAN[] =
	"plan paths \"paths\" {\n"
	"    param a : bool\n"
	"    param b : bool\n"
	"    param c : bool\n"
	"    param affected : stores\n"
	"    model {\n"
	"        service \"W3SVC\" process \"inetinfo.exe\"\n"
	"        service \"IS\" process \"store.exe\" holds stores\n"
	"        service \"ClusSvc\" cluster\n"
	"        resource \"RIS\" service \"IS\" group \"Exchange\"\n"
	"        group \"Cluster Group\"\n"
	"        store \"DB1\"\n"
	"        recover affected\n"
	"    }\n"
	"    hotfix h {\n"
	"        file \"ese.dll\" version 1.0.0.1\n"
	"    }\n"
	"    procedure cluster {\n"
	"        roles {\n"
	"            active = owner of group \"Exchange\"\n"
	"            passive = any node except active\n"
	"        }\n"
	"        step s1 on passive {\n"
	"            stop service \"W3SVC\"\n"
	"            stop service \"ClusSvc\"\n"
	"            install hotfix h\n"
	"            restart node\n"
	"            wait until passive member timeout 5m\n"
	"            start service \"W3SVC\"\n"
	"        }\n"
	"        step s2 {\n"
	"            disable restart of resource \"RIS\"\n"
	"            dismount stores not in affected\n"
	"            dismount store \"DB1\"\n"
	"            kill process \"store.exe\"\n"
	"            move group \"Exchange\" to passive\n"
	"            move group \"Cluster Group\" to passive\n"
	"            mount stores not in affected\n"
	"            mount store \"DB1\"\n"
	"            enable restart of resource \"RIS\"\n"
	"            start service \"IS\"\n"
	"            move group \"Exchange\" to active\n"
	"            stop service \"W3SVC\" on active\n"
	"            start service \"ClusSvc\" on passive\n"
	"        }\n"
	"        if a { step t1 { wait 1s } }\n"
	"        if b or service \"W3SVC\" running on passive { step t2 { wait 1s } }\n"
	"        if not c and store \"DB1\" mounted { step t3 { wait 1s } }\n"
	"        if passive member { step t4 { wait 1s } }\n"
	"        if passive owns group \"Exchange\" { step t5 { wait 1s } }\n"
	"    }\n"
	"}\n";

#define MAXP 512

/* The paths, and beside each the whole state it stands for. */
struct world {
	struct hp_ctx ctx;
	struct arena scratch;
	struct ast_procedure *proc;
	struct model *m;
	struct model_bind bind;
	struct paths P;
	struct model_state *ref[MAXP];      /* ref[i]: the state of P.cur.v[i] */
	const struct ast_action *acts[64];
	unsigned nacts;
	const struct ast_cond *conds[16];
	unsigned nconds;
	struct walk_snapshot snaps[3];
	struct ast_stmt ckpts[3];
	unsigned seed;
};

static unsigned rnd(struct world *W, unsigned n)
{
	W->seed = W->seed * 1103515245u + 12345u;
	return (W->seed >> 16) % n;
}

static struct world *world_new(unsigned seed)
{
	struct world *W = calloc(1, sizeof(*W));
	assert_non_null(W);
	W->seed = seed;
	ctx_init(&W->ctx);
	struct ast_file *f = parse_buffer(&W->ctx, "paths.hplan", PLAN, strlen(PLAN));
	assert_true(sema_resolve(&W->ctx, f, CHECK_CLUSTER));
	W->proc = f->plans->proc[PROC_CLUSTER];
	W->m = model_init_abstract(&W->scratch, f->plans, PROC_CLUSTER, 2);
	W->bind.n = W->proc->nroles;
	W->bind.nodes = arena_alloc(&W->scratch, (W->bind.n + 1) * sizeof(nodeset));
	struct model_state *start = model_state_start(&W->scratch, W->m, 0);
	model_bind_roles(W->m, start, W->proc, &W->bind);
	for (const struct ast_stmt *st = W->proc->body; st != NULL; st = st->next) {
		for (const struct ast_action *a = st->actions; a != NULL; a = a->next)
			W->acts[W->nacts++] = a;
		if (st->kind == S_IF)
			W->conds[W->nconds++] = st->cond;
	}
	W->ref[0] = model_state_clone(&W->scratch, W->m, start);
	paths_init(&W->P, &W->scratch, W->m, start);
	for (int i = 0; i < 3; i++) {
		W->ckpts[i].kind = S_CHECKPOINT;
		W->snaps[i].ckpt = &W->ckpts[i];
		W->snaps[i].label = "";
	}
	return W;
}

static void world_free(struct world *W)
{
	arena_free(&W->scratch);
	ctx_free(&W->ctx);
	free(W);
}

/* Every path holds exactly what its whole state holds; the degradations agree. */
static void agree(struct world *W)
{
	const struct model *m = W->m;
	for (unsigned i = 0; i < W->P.cur.n; i++) {
		struct model_state *r = W->ref[i];
		paths_enter(&W->P, &W->P.cur.v[i]);
		struct model_state *w = W->P.w;
		assert_memory_equal(w->v, r->v, m->nv);
		assert_memory_equal(w->cause, r->cause, m->nv * sizeof(*w->cause));
		if (m->ngroups > 0)
			assert_memory_equal(w->owner, r->owner, m->ngroups * sizeof(*w->owner));
		struct model_degr first, want;
		unsigned n = model_degradations(m, r, &want, 1);
		assert_int_equal(paths_degradations(&W->P, &first), n);
		if (n > 0) {
			assert_int_equal(first.kind, want.kind);
			assert_int_equal(first.node, want.node);
			assert_int_equal(first.index, want.index);
			assert_int_equal(first.state, want.state);
			assert_ptr_equal(first.cause, want.cause);
		}
		paths_leave(&W->P);
		assert_int_equal(paths_count_degradations(&W->P, &W->P.cur.v[i]), n);
	}
}

/* An action on every path, and on every whole state. */
static void apply(struct world *W, const struct ast_action *a)
{
	for (unsigned i = 0; i < W->P.cur.n; i++) {
		paths_enter(&W->P, &W->P.cur.v[i]);
		unsigned mark = paths_log_mark(&W->P);
		if (rnd(W, 4) == 0) {   /* a rollback simulated, then undone */
			model_apply(W->m, W->P.w, &W->bind, W->acts[rnd(W, W->nacts)], NULL, NULL);
			paths_degradations(&W->P, NULL);
			paths_undo(&W->P, mark);
		}
		model_apply(W->m, W->P.w, &W->bind, a, NULL, NULL);
		paths_leave(&W->P);
		model_apply(W->m, W->ref[i], &W->bind, a, NULL, NULL);
	}
	paths_fold(&W->P);
}

/* Split the paths on c as sim_if does: into then (returned in *thenv, refs in tref) and else
 * (left in P.cur, refs in W->ref). */
static void split(struct world *W, const struct ast_cond *c, struct pathv *thenv, struct model_state **tref)
{
	struct pathv in = W->P.cur, elsev = { 0 };
	struct model_state *eref[MAXP] = { 0 };
	unsigned ne = 0;
	memset(&W->P.cur, 0, sizeof(W->P.cur));
	for (unsigned i = 0; i < in.n; i++) {
		struct path p = in.v[i];
		struct model_state *r = W->ref[i];
		paths_enter(&W->P, &p);
		mset v = model_eval(W->m, W->P.w, &W->bind, c, NULL);
		assert_int_equal(v, model_eval(W->m, r, &W->bind, c, NULL));
		if (v == B_ANY) {
			struct path q = paths_clone_entered(&W->P);
			struct model_state *qr = model_state_clone(&W->scratch, W->m, r);
			bool p_ok = model_assume(W->m, W->P.w, &W->bind, c, B_NO);
			paths_leave(&W->P);
			assert_int_equal(model_assume(W->m, r, &W->bind, c, B_NO), p_ok);
			paths_enter(&W->P, &q);
			bool q_ok = model_assume(W->m, W->P.w, &W->bind, c, B_YES);
			paths_leave(&W->P);
			assert_int_equal(model_assume(W->m, qr, &W->bind, c, B_YES), q_ok);
			if (q_ok && thenv->n < MAXP / 2) {
				tref[thenv->n] = qr;
				paths_push(&W->P, thenv, q);
			} else {
				paths_drop(&W->P, &q);
			}
			if (p_ok && ne < MAXP / 2) {
				eref[ne++] = r;
				paths_push(&W->P, &elsev, p);
			} else {
				paths_drop(&W->P, &p);
			}
		} else {
			paths_leave(&W->P);
			if (v == B_YES && thenv->n < MAXP / 2) {
				tref[thenv->n] = r;
				paths_push(&W->P, thenv, p);
			} else if (v != B_YES && ne < MAXP / 2) {
				eref[ne++] = r;
				paths_push(&W->P, &elsev, p);
			} else {
				paths_drop(&W->P, &p);
			}
		}
	}
	paths_vfree(&W->P, &in);
	W->P.cur = elsev;
	memcpy(W->ref, eref, ne * sizeof(*eref));
}

static bool same_ckpt(const struct path *a, const struct path *b)
{
	return a->ckpt == b->ckpt;   /* the test's snapshots are distinct */
}

/* The merge as the checker did it on whole states, then paths_merge. */
static void merge(struct world *W, unsigned max)
{
	struct path *v = W->P.cur.v;
	unsigned n = W->P.cur.n, out = 0;
	struct model_state *kept[MAXP] = { 0 };
	const struct walk_snapshot *ck[MAXP] = { 0 };
	for (unsigned i = 0; i < n; i++) {
		bool dup = false;
		for (unsigned j = 0; j < out && !dup; j++)
			dup = ck[j] == v[i].ckpt && model_state_equal(W->m, kept[j], W->ref[i]);
		if (!dup) {
			ck[out] = v[i].ckpt;
			kept[out++] = W->ref[i];
		}
	}
	if (out > max) {
		unsigned o2 = 0;
		for (unsigned i = 0; i < out; i++) {
			unsigned j = 0;
			while (j < o2 && ck[j] != ck[i])
				j++;
			if (j < o2) {
				model_state_join(W->m, kept[j], kept[i]);
			} else {
				ck[o2] = ck[i];
				kept[o2++] = kept[i];
			}
		}
		out = o2;
	}
	paths_merge(&W->P, max);
	assert_int_equal(W->P.cur.n, out);
	for (unsigned i = 0; i < out; i++) {
		assert_ptr_equal(W->P.cur.v[i].ckpt, ck[i]);
		W->ref[i] = kept[i];
	}
	(void)same_ckpt;
}

/* A few actions, a checkpoint now and then. */
static void walk_some(struct world *W, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		if (rnd(W, 5) == 0) {
			const struct walk_snapshot *s = &W->snaps[rnd(W, 3)];
			for (unsigned i = 0; i < W->P.cur.n; i++)
				W->P.cur.v[i].ckpt = s;
		}
		apply(W, W->acts[rnd(W, W->nacts)]);
		agree(W);
	}
}

/* An `if` on a random condition, its branches walked, nested at most `depth` more. */
static void walk_if(struct world *W, unsigned depth)
{
	struct pathv thenv = { 0 };
	struct model_state *tref[MAXP] = { 0 };
	split(W, W->conds[rnd(W, W->nconds)], &thenv, tref);
	struct pathv elsev = W->P.cur;
	struct model_state *eref[MAXP] = { 0 };
	memcpy(eref, W->ref, elsev.n * sizeof(*eref));

	unsigned mark = paths_if_start(&W->P);
	W->P.cur = thenv;
	memcpy(W->ref, tref, thenv.n * sizeof(*tref));
	walk_some(W, rnd(W, 4));
	if (depth > 0 && rnd(W, 2) == 0)
		walk_if(W, depth - 1);
	struct pathv after = W->P.cur;
	struct model_state *aref[MAXP] = { 0 };
	memcpy(aref, W->ref, after.n * sizeof(*aref));

	W->P.cur = elsev;
	memcpy(W->ref, eref, elsev.n * sizeof(*eref));
	paths_if_else(&W->P, mark, &after);
	agree(W);
	walk_some(W, rnd(W, 4));
	if (depth > 0 && rnd(W, 2) == 0)
		walk_if(W, depth - 1);
	paths_if_end(&W->P, mark, &after);
	for (unsigned i = 0; i < after.n && W->P.cur.n < MAXP; i++) {
		W->ref[W->P.cur.n] = aref[i];
		paths_push(&W->P, &W->P.cur, after.v[i]);
	}
	paths_vfree(&W->P, &after);
	agree(W);
	merge(W, 1 + rnd(W, 8));
	agree(W);
}

static void random_walks(void **state)
{
	(void)state;
	for (unsigned seed = 1; seed <= 300; seed++) {
		struct world *W = world_new(seed);
		agree(W);
		for (unsigned k = 0; k < 12; k++) {
			if (rnd(W, 2) == 0)
				walk_some(W, 1 + rnd(W, 3));
			else
				walk_if(W, 2);
		}
		world_free(W);
	}
}

/* ---- strmap and the arena ---------------------------------------------------------------- */

static void strmap_names(void **state)
{
	(void)state;
	struct arena a = { 0 };
	struct strmap m;
	static char names[3000][16];
	strmap_init(&m, &a, 0);
	assert_null(strmap_gets(&m, "x"));
	for (int i = 0; i < 3000; i++) {
		snprintf(names[i], sizeof(names[i]), "name%d", i);
		assert_ptr_equal(strmap_put(&m, names[i], names[i]), names[i]);
	}
	for (int i = 0; i < 3000; i++)
		assert_ptr_equal(strmap_gets(&m, names[i]), names[i]);
	/* the first value stays */
	assert_ptr_equal(strmap_put(&m, "name7", names[8]), names[7]);
	/* a key by its length, inside a longer string */
	assert_ptr_equal(strmap_get(&m, "name12345", 6), names[12]);
	assert_ptr_equal(strmap_get(&m, "name1", 5), names[1]);
	assert_null(strmap_get(&m, "name", 4));
	assert_null(strmap_gets(&m, "name3000"));
	assert_null(strmap_gets(&m, ""));

	struct strmap sized;
	strmap_init(&sized, &a, 100);
	struct strmap_slot *slots = sized.slots;
	for (int i = 0; i < 100; i++)
		strmap_put(&sized, names[i], names[i]);
	assert_ptr_equal(sized.slots, slots);   /* sized in advance: it did not grow */
	arena_free(&a);
}

static void arena_packs_and_pools(void **state)
{
	(void)state;
	struct arena a = { 0 };
	char *s = arena_strdup(&a, "abc");
	char *t = arena_strdup(&a, "de");
	assert_ptr_equal(t, s + 4);   /* strings are packed */
	void *p = arena_alloc(&a, 24);
	assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
	assert_string_equal(s, "abc");

	struct arena_pool pool = { .a = &a };
	size_t size, size2;
	void *b = arena_pool_get(&pool, 100, &size);
	assert_int_equal(size, 128);
	memset(b, 0x5a, size);
	arena_pool_put(&pool, b, size);
	assert_ptr_equal(arena_pool_get(&pool, 65, &size2), b);   /* reused, same size class */
	assert_int_equal(size2, 128);
	assert_ptr_not_equal(arena_pool_get(&pool, 65, &size2), b);
	assert_int_equal((uintptr_t)arena_pool_get(&pool, 1, &size) % _Alignof(max_align_t), 0);
	assert_int_equal(size, 64);
	arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(random_walks),
		cmocka_unit_test(strmap_names),
		cmocka_unit_test(arena_packs_and_pools),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
