/* test_model.c: the target model (model.h), concrete and abstract, against SPEC section 4:
 * the start state, the effect of each kind of action, the rules an action breaks (reported
 * as violations, certain or possible), conditions (eval, assume, the action that decided a
 * value), degradations, versions and store selection; and a concrete run is one the
 * abstract model allows.
 *
 * One plan below holds a step per action the tests apply; a test applies the actions it
 * needs, in its own order, to a fresh state. Concrete targets: the server "srv", or the
 * nodes "n1" and "n2" (n1 owning every group), with the stores "A", "B" and "C", and
 * --set affected=A (flag keeps its default, false). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "check.h"
#include "model.h"
#include "parse.h"

static const char PLAN[] =
	"plan t \"model tests\" {\n"
	"    param affected : stores \"the stores named in event ID 217\"\n"
	"    param flag : bool = false \"a bool param\"\n"
	"    model {\n"
	"        service \"MSExchangeIS\" process \"store.exe\" holds stores\n"
	"        service \"ClusSvc\" cluster\n"
	"        service \"W3SVC\" process \"inetinfo.exe\"\n"
	"        resource \"Exchange Information Store Instance\" service \"MSExchangeIS\" group \"Exchange\"\n"
	"        group \"Cluster Group\"\n"
	"        recover affected\n"
	"    }\n"
	"    hotfix ese {\n"
	"        file \"Ese.dll\" version 6.5.7232.54 size 2115072\n"
	"        package \"hotfix/ese.exe\"\n"
	"        restarts \"MSExchangeIS\"\n"
	"    }\n"
	"    procedure standalone {\n"
	"        step s_stop_is { stop service \"MSExchangeIS\" }\n"
	"        step s_start_is { start service \"MSExchangeIS\" }\n"
	"        step s_kill_is { kill process \"store.exe\" }\n"
	"        step s_stop_www { stop service \"W3SVC\" }\n"
	"        step s_start_www { start service \"W3SVC\" }\n"
	"        step s_dismount_others { dismount stores not in affected }\n"
	"        step s_dismount_affected { dismount stores in affected }\n"
	"        step s_dismount_all { dismount all stores }\n"
	"        step s_dismount_b { dismount store \"B\" }\n"
	"        step s_mount_all { mount all stores }\n"
	"        step s_install { install hotfix ese }\n"
	"        step s_restart { restart node }\n"
	"        step s_wait { wait 5s }\n"
	"        step s_pause { pause \"look\" }\n"
	"        step s_exec { exec \"true\" }\n"
	"        step s_verify_running { verify service \"MSExchangeIS\" running }\n"
	"        step s_verify_new { verify file \"Ese.dll\" version == 6.5.7232.54 }\n"
	"        step s_verify_mounted { verify stores in affected mounted }\n"
	"        step s_flag { verify flag }\n"
	"        step s_not_flag { verify not flag }\n"
	"        step s_some { verify count(affected) > 0 }\n"
	"        step s_none { verify count(affected) == 0 }\n"
	"        step s_flag_and_some { verify flag and count(affected) > 0 }\n"
	"        step s_flag_or_some { verify flag or count(affected) > 0 }\n"
	"        step s_flag_and_none { verify flag and count(affected) == 0 }\n"
	"    }\n"
	"    procedure cluster {\n"
	"        roles {\n"
	"            active = owner of group \"Exchange\"\n"
	"            passive = any node except active\n"
	"        }\n"
	"        step c_stop_clus_passive on passive { stop service \"ClusSvc\" }\n"
	"        step c_start_clus_passive on passive { start service \"ClusSvc\" }\n"
	"        step c_stop_clus_active on active { stop service \"ClusSvc\" }\n"
	"        step c_install_passive on passive { install hotfix ese }\n"
	"        step c_install_active on active { install hotfix ese }\n"
	"        step c_restart_passive on passive { restart node }\n"
	"        step c_restart_active on active { restart node }\n"
	"        step c_wait_passive { wait until passive member }\n"
	"        step c_move_passive { move group \"Exchange\" to passive }\n"
	"        step c_move_cg_passive { move group \"Cluster Group\" to passive }\n"
	"        step c_disable { disable restart of resource \"Exchange Information Store Instance\" }\n"
	"        step c_enable { enable restart of resource \"Exchange Information Store Instance\" }\n"
	"        step c_kill { kill process \"store.exe\" }\n"
	"        step c_kill_on_passive { kill process \"store.exe\" on passive }\n"
	"        step c_stop_www_passive on passive { stop service \"W3SVC\" }\n"
	"        step c_exec_passive on passive { exec \"true\" }\n"
	"        step c_dismount_others { dismount stores not in affected }\n"
	"        step c_verify_passive_free { verify passive owns no groups }\n"
	"    }\n"
	"}\n";

enum { MAX_VIOLATIONS = 16 };

struct fx {
	struct hp_ctx ctx;
	const struct ast_plan *P;
	const struct ast_procedure *proc;
	struct model *m;
	struct model_state *s;
	nodeset nodes[8];
	struct model_bind b;
	struct model_violation v[MAX_VIOLATIONS];
	unsigned nv;                 /* violations of the last action applied */
};

static const char *const concrete_stores[] = { "A", "B", "C" };
static const char *const concrete_nodes[] = { "n1", "n2", "n3" };
enum { A, B, C };                /* the concrete stores; A is the affected one */

/* A model of PLAN's procedure of `kind`: concrete over the stores A, B, C, or abstract over
 * `nnodes` representative nodes; the start state with n1 owning every group; roles bound. */
static struct fx *fx_new(enum proc_kind kind, bool concrete, unsigned nnodes)
{
	struct fx *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	ctx_init(&x->ctx);
	struct ast_file *f = parse_buffer(&x->ctx, "model.hplan", PLAN, strlen(PLAN));
	assert_true(sema_resolve(&x->ctx, f, CHECK_ALL));
	for (unsigned i = 0; i < x->ctx.diags.n; i++)
		assert_int_not_equal(x->ctx.diags.v[i]->rule, HP001);
	x->P = f->plans;
	x->proc = x->P->proc[kind];
	assert_non_null(x->proc);
	struct model_param_value *pv = arena_alloc(&x->ctx.arena, (x->P->nparams + 1) * sizeof(*pv));
	memset(pv, 0, (x->P->nparams + 1) * sizeof(*pv));
	for (const struct ast_param *p = x->P->params; p != NULL; p = p->next) {
		pv[p->index].known = true;
		if (p->type == TY_STORES)
			pv[p->index].stores = concrete_stores, pv[p->index].nstores = 1;
	}
	if (concrete)
		x->m = model_init_concrete(&x->ctx.arena, x->P, kind, nnodes, concrete_nodes, 3, concrete_stores, pv);
	else
		x->m = model_init_abstract(&x->ctx.arena, x->P, kind, nnodes);
	x->s = model_state_start(&x->ctx.arena, x->m, 0);
	if (concrete)
		model_state_set_params(x->m, x->s, pv);
	assert_true(x->proc->nroles <= sizeof(x->nodes) / sizeof(x->nodes[0]));
	x->b = (struct model_bind){ x->nodes, x->proc->nroles, NULL };
	model_bind_roles(x->m, x->s, x->proc, &x->b);
	return x;
}

static void fx_free(struct fx *x)
{
	ctx_free(&x->ctx);
	free(x);
}

static void collect(void *ud, const struct model_violation *v)
{
	struct fx *x = ud;
	assert_true(x->nv < MAX_VIOLATIONS);
	x->v[x->nv++] = *v;
}

static const struct ast_action *action(const struct fx *x, const char *step)
{
	for (const struct ast_stmt *st = x->proc->body; st != NULL; st = st->next)
		if (strcmp(st->name.s, step) == 0)
			return st->actions;
	fail_msg("no step %s", step);
	return NULL;
}

/* Apply the action of `step`: its violations are in x->v, x->nv. */
static void act(struct fx *x, const char *step)
{
	x->nv = 0;
	assert_true(model_apply(x->m, x->s, &x->b, action(x, step), collect, x));
}

/* Was `rule` reported by the last action? 0: no; 1: as possible; 2: as certain. */
static int reported(const struct fx *x, enum rule_id rule)
{
	for (unsigned i = 0; i < x->nv; i++)
		if (x->v[i].rule == rule)
			return x->v[i].certain ? 2 : 1;
	return 0;
}

/* The last action broke no rule. */
static void clean(const struct fx *x)
{
	for (unsigned i = 0; i < x->nv; i++)
		print_error("unexpected %s\n", rule_table[x->v[i].rule].id);
	assert_int_equal(x->nv, 0);
}

static const struct ast_cond *cond(const struct fx *x, const char *step)
{
	return action(x, step)->cond;
}

/* (One place for the evaluator's signature.) */
static mset eval(const struct fx *x, const struct model_state *s, const char *step)
{
	return model_eval(x->m, s, &x->b, cond(x, step), NULL);
}

static bool assume(const struct fx *x, struct model_state *s, const char *step, mset want)
{
	return model_assume(x->m, s, &x->b, cond(x, step), want);
}

static unsigned svc(const struct fx *x, const char *name)
{
	for (unsigned i = 0; i < x->m->nsvc; i++)
		if (strcmp(x->m->svcs[i]->name.s, name) == 0)
			return i;
	fail_msg("no service %s", name);
	return 0;
}

static mset svc_on(const struct fx *x, unsigned node, const char *name)
{
	return *model_svc(x->m, x->s, node, svc(x, name));
}

static mset store(const struct fx *x, unsigned k)
{
	return *model_store(x->m, x->s, k);
}

static unsigned group(const struct fx *x, const char *name)
{
	for (unsigned g = 0; g < x->m->ngroups; g++)
		if (strcmp(x->m->groups[g]->name.s, name) == 0)
			return g;
	fail_msg("no group %s", name);
	return 0;
}

/* ---- the start state ------------------------------------------------------------------- */

static void start_concrete_standalone(void **state)
{
	(void)state;
	struct fx *x = fx_new(PROC_STANDALONE, true, 1);
	struct model_degr d[4];
	assert_true(x->m->concrete);
	assert_int_equal(x->m->nnodes, 1);
	assert_int_equal(x->m->nstores, 3);
	assert_int_equal(x->m->ngroups, 0);   /* on a stand-alone target, groups and resources are ignored */
	assert_int_equal(x->m->nres, 0);
	assert_int_equal(*model_mem(x->m, x->s, 0), MEM_MEMBER);
	for (unsigned i = 0; i < x->m->nsvc; i++)
		assert_int_equal(*model_svc(x->m, x->s, 0, i), SVC_RUNNING);
	assert_int_equal(*model_hf(x->m, x->s, 0, 0), HF_ABSENT);
	assert_int_equal(*model_fv(x->m, x->s, 0, 0), FV_OLD);
	const unsigned affected = x->P->recover->index;
	for (unsigned k = A; k <= C; k++) {
		assert_int_equal(store(x, k), STO_MOUNTED);
		assert_int_equal(x->m->stores[k].exists, B_YES);
		assert_int_equal(x->m->stores[k].in[affected], k == A ? B_YES : B_NO);
		assert_int_equal(*model_risk(x->m, x->s, k), k == A ? B_YES : B_NO);
	}
	for (const struct ast_param *p = x->P->params; p != NULL; p = p->next)
		if (p->type == TY_BOOL)
			assert_int_equal(*model_param(x->m, x->s, p->index), B_NO);   /* flag's default */
	assert_int_equal(model_degradations(x->m, x->s, d, 4), 0);
	fx_free(x);
}

static void start_concrete_cluster(void **state)
{
	(void)state;
	struct fx *x = fx_new(PROC_CLUSTER, true, 2);
	unsigned ex = group(x, "Exchange");
	assert_int_equal(x->m->ngroups, 2);
	assert_int_equal(x->m->nres, 1);
	for (unsigned g = 0; g < x->m->ngroups; g++)
		assert_int_equal(x->s->owner[g], 1);          /* n1 owns every group */
	assert_int_equal(*model_restart(x->m, x->s, 0), B_YES);
	for (unsigned n = 0; n < 2; n++) {
		assert_int_equal(*model_mem(x->m, x->s, n), MEM_MEMBER);
		assert_int_equal(svc_on(x, n, "W3SVC"), SVC_RUNNING);
		/* a cluster resource's service runs on its group's owner only */
		assert_int_equal(svc_on(x, n, "MSExchangeIS"), n == 0 ? SVC_RUNNING : SVC_STOPPED);
	}
	assert_int_equal(x->nodes[0], 1);                     /* active = owner of group "Exchange" */
	assert_int_equal(x->nodes[1], 2);                     /* passive = any node except active */
	assert_string_equal(model_node_name(x->m, 1), "n2");

	/* the inventory may say another node owns a group */
	model_state_set_owner(x->m, x->s, ex, 1);
	assert_int_equal(x->s->owner[ex], 2);
	assert_int_equal(svc_on(x, 0, "MSExchangeIS"), SVC_STOPPED);
	assert_int_equal(svc_on(x, 1, "MSExchangeIS"), SVC_RUNNING);
	model_bind_roles(x->m, x->s, x->proc, &x->b);
	assert_int_equal(x->nodes[0], 2);
	assert_int_equal(x->nodes[1], 1);
	fx_free(x);
}

/* The abstract start: the affected and the unaffected class of stores, each store the plan
 * names split by whether it is affected (either may be the real one), params unknown,
 * defaults included. */
static void start_abstract(void **state)
{
	(void)state;
	struct fx *x = fx_new(PROC_STANDALONE, false, 1);
	const unsigned affected = x->P->recover->index;
	assert_false(x->m->concrete);
	assert_int_equal(x->m->nstores, 4);
	assert_null(x->m->stores[0].name);
	assert_int_equal(x->m->stores[0].exists, B_YES);
	assert_int_equal(x->m->stores[0].in[affected], B_YES);
	assert_int_equal(x->m->stores[1].in[affected], B_NO);
	for (unsigned k = 2; k < 4; k++) {
		assert_string_equal(x->m->stores[k].name, "B");
		assert_int_equal(x->m->stores[k].exists, B_ANY);
		assert_int_equal(x->m->stores[k].in[affected], k == 2 ? B_YES : B_NO);
	}
	for (unsigned k = 0; k < 4; k++) {
		assert_int_equal(store(x, k), STO_MOUNTED);
		assert_int_equal(*model_risk(x->m, x->s, k), x->m->stores[k].in[affected] == B_YES ? B_YES : B_NO);
	}
	for (unsigned p = 0; p < x->m->nparams; p++)
		assert_int_equal(*model_param(x->m, x->s, p), B_ANY);
	fx_free(x);

	x = fx_new(PROC_CLUSTER, false, 3);
	assert_int_equal(x->m->nnodes, 3);
	assert_string_equal(model_node_name(x->m, 2), "node 3");
	assert_int_equal(x->nodes[1], 2);   /* passive: the first node other than the owner */
	fx_free(x);
}

/* ---- services and stores --------------------------------------------------------------- */

static void stop_and_start_service(void **state)
{
	(void)state;
	struct fx *x = fx_new(PROC_STANDALONE, true, 1);
	act(x, "s_stop_is");
	assert_int_equal(reported(x, HP103), 2);            /* A, at risk, stopped cleanly */
	assert_int_equal(svc_on(x, 0, "MSExchangeIS"), SVC_STOPPED);
	for (unsigned k = A; k <= C; k++)
		assert_int_equal(store(x, k), STO_OFFLINE);
	assert_ptr_equal(x->s->cause[x->m->o_store + A], action(x, "s_stop_is"));
	act(x, "s_start_is");
	clean(x);
	assert_int_equal(svc_on(x, 0, "MSExchangeIS"), SVC_RUNNING);
	for (unsigned k = A; k <= C; k++)
		assert_int_equal(store(x, k), STO_MOUNTED);
	assert_int_equal(*model_risk(x->m, x->s, A), B_YES);  /* never dirty: no soft recovery */

	act(x, "s_stop_www");                                  /* a service that holds no stores */
	clean(x);
	assert_int_equal(svc_on(x, 0, "W3SVC"), SVC_STOPPED);
	assert_int_equal(store(x, A), STO_MOUNTED);
	act(x, "s_start_www");
	clean(x);
	assert_int_equal(svc_on(x, 0, "W3SVC"), SVC_RUNNING);
	fx_free(x);
}

static void kill_process(void **state)
{
	(void)state;
	struct fx *x = fx_new(PROC_STANDALONE, true, 1);
	act(x, "s_dismount_others");
	clean(x);
	act(x, "s_kill_is");
	clean(x);                                              /* A is mounted: it goes dirty */
	assert_int_equal(svc_on(x, 0, "MSExchangeIS"), SVC_STOPPED);
	assert_int_equal(store(x, A), STO_DIRTY);
	assert_int_equal(store(x, B), STO_DISMOUNTED);
	assert_int_equal(store(x, C), STO_DISMOUNTED);
	assert_int_equal(*model_risk(x->m, x->s, A), B_YES);
	fx_free(x);

	/* the affected store not mounted: no soft recovery */
	x = fx_new(PROC_STANDALONE, true, 1);
	act(x, "s_dismount_affected");
	assert_int_equal(reported(x, HP101), 2);
	act(x, "s_kill_is");
	assert_int_equal(reported(x, HP102), 2);
	assert_int_equal(store(x, A), STO_DISMOUNTED);
	fx_free(x);

	/* killed after a clean stop: HP102 for the offline store (HP103 at the stop) */
	x = fx_new(PROC_STANDALONE, true, 1);
	act(x, "s_stop_is");
	act(x, "s_kill_is");
	assert_int_equal(reported(x, HP102), 2);
	assert_int_equal(store(x, A), STO_OFFLINE);
	fx_free(x);
}

static void dismount_and_mount(void **state)
{
	(void)state;
	struct fx *x = fx_new(PROC_STANDALONE, true, 1);
	act(x, "s_dismount_b");
	clean(x);
	assert_int_equal(store(x, A), STO_MOUNTED);
	assert_int_equal(store(x, B), STO_DISMOUNTED);
	assert_int_equal(store(x, C), STO_MOUNTED);
	act(x, "s_stop_is");                                   /* B stays dismounted */
	assert_int_equal(store(x, B), STO_DISMOUNTED);
	assert_int_equal(store(x, C), STO_OFFLINE);
	act(x, "s_mount_all");                                 /* the service is stopped: offline */
	clean(x);
	assert_int_equal(store(x, B), STO_OFFLINE);
	act(x, "s_start_is");
	for (unsigned k = A; k <= C; k++)
		assert_int_equal(store(x, k), STO_MOUNTED);
	act(x, "s_dismount_all");
	assert_int_equal(reported(x, HP101), 2);
	for (unsigned k = A; k <= C; k++)
		assert_int_equal(store(x, k), STO_DISMOUNTED);
	act(x, "s_mount_all");
	clean(x);
	for (unsigned k = A; k <= C; k++)
		assert_int_equal(store(x, k), STO_MOUNTED);
	fx_free(x);

	/* abstract: `dismount store "B"` may dismount an affected store (B may be one) */
	x = fx_new(PROC_STANDALONE, false, 1);
	act(x, "s_dismount_b");
	assert_int_equal(reported(x, HP101), 1);
	assert_int_equal(store(x, 2), STO_DISMOUNTED);
	assert_int_equal(store(x, 3), STO_DISMOUNTED);
	assert_int_equal(store(x, 0), STO_MOUNTED);
	fx_free(x);
}

/* ---- install, restart -------------------------------------------------------------------- */

static void install_standalone(void **state)
{
	(void)state;
	struct fx *x = fx_new(PROC_STANDALONE, true, 1);
	act(x, "s_kill_is");
	act(x, "s_install");
	clean(x);
	assert_int_equal(*model_hf(x->m, x->s, 0, 0), HF_INSTALLED);
	assert_int_equal(*model_fv(x->m, x->s, 0, 0), FV_NEW);
	assert_int_equal(svc_on(x, 0, "MSExchangeIS"), SVC_RUNNING);   /* the installer starts what it restarts */
	assert_int_equal(store(x, A), STO_MOUNTED);                     /* after soft recovery, patched */
	assert_int_equal(*model_risk(x->m, x->s, A), B_NO);
	fx_free(x);

	/* the installer stops the store service cleanly while A is mounted: HP103 */
	x = fx_new(PROC_STANDALONE, true, 1);
	act(x, "s_install");
	assert_int_equal(reported(x, HP103), 2);
	assert_int_equal(store(x, A), STO_MOUNTED);
	assert_int_equal(*model_risk(x->m, x->s, A), B_YES);
	fx_free(x);
}

static void restart_standalone(void **state)
{
	(void)state;
	struct fx *x = fx_new(PROC_STANDALONE, true, 1);
	act(x, "s_kill_is");
	act(x, "s_restart");             /* a lone server is back at once: its services run */
	clean(x);
	assert_int_equal(*model_mem(x->m, x->s, 0), MEM_MEMBER);
	assert_int_equal(svc_on(x, 0, "MSExchangeIS"), SVC_RUNNING);
	assert_int_equal(svc_on(x, 0, "W3SVC"), SVC_RUNNING);
	assert_int_equal(store(x, A), STO_MOUNTED);
	assert_int_equal(*model_risk(x->m, x->s, A), B_YES);   /* recovered unpatched */
	fx_free(x);

	x = fx_new(PROC_STANDALONE, true, 1);
	act(x, "s_restart");             /* stops the store service cleanly */
	assert_int_equal(reported(x, HP103), 2);
	fx_free(x);
}

static void cluster_install_and_restart(void **state)
{
	(void)state;
	struct fx *x = fx_new(PROC_CLUSTER, true, 2);
	act(x, "c_install_active");
	assert_int_equal(reported(x, HP110), 2);   /* it owns a group */
	assert_int_equal(reported(x, HP111), 2);   /* its cluster service runs */
	act(x, "c_install_passive");
	assert_int_equal(reported(x, HP110), 0);
	assert_int_equal(reported(x, HP111), 2);
	fx_free(x);

	x = fx_new(PROC_CLUSTER, true, 2);
	act(x, "c_stop_clus_passive");
	clean(x);
	assert_int_equal(*model_mem(x->m, x->s, 1), MEM_OUT);
	act(x, "c_install_passive");
	clean(x);
	assert_int_equal(*model_hf(x->m, x->s, 1, 0), HF_PENDING);   /* until the node restarts */
	assert_int_equal(*model_fv(x->m, x->s, 1, 0), FV_OLD);
	act(x, "c_restart_passive");
	clean(x);
	assert_int_equal(*model_mem(x->m, x->s, 1), MEM_DOWN);
	assert_int_equal(svc_on(x, 1, "W3SVC"), SVC_STOPPED);
	act(x, "c_exec_passive");
	assert_int_equal(reported(x, HP131), 2);   /* a node action before `wait until passive member` */
	act(x, "c_wait_passive");
	clean(x);
	assert_int_equal(*model_mem(x->m, x->s, 1), MEM_MEMBER);
	assert_int_equal(*model_hf(x->m, x->s, 1, 0), HF_INSTALLED);
	assert_int_equal(*model_fv(x->m, x->s, 1, 0), FV_NEW);
	assert_int_equal(svc_on(x, 1, "W3SVC"), SVC_RUNNING);
	assert_int_equal(svc_on(x, 1, "MSExchangeIS"), SVC_STOPPED);   /* it owns no group */
	act(x, "c_restart_active");
	assert_int_equal(reported(x, HP115), 2);   /* restarting the owner: uncontrolled failover */
	fx_free(x);
}

/* ---- groups, restart policy, membership --------------------------------------------------- */

static void move_group(void **state)
{
	(void)state;
	struct fx *x = fx_new(PROC_CLUSTER, true, 2);
	unsigned ex = group(x, "Exchange");
	act(x, "c_move_passive");
	assert_int_equal(reported(x, HP103), 2);   /* the store service stops cleanly on the old owner */
	assert_int_equal(x->s->owner[ex], 2);
	assert_int_equal(svc_on(x, 0, "MSExchangeIS"), SVC_STOPPED);
	assert_int_equal(svc_on(x, 1, "MSExchangeIS"), SVC_RUNNING);
	assert_int_equal(store(x, A), STO_MOUNTED);
	fx_free(x);

	/* the forced stop first, the passive node patched: the move recovers the stores there */
	x = fx_new(PROC_CLUSTER, true, 2);
	act(x, "c_stop_clus_passive");
	act(x, "c_install_passive");
	act(x, "c_restart_passive");
	act(x, "c_move_passive");
	assert_int_equal(reported(x, HP113), 2);   /* to a node that is down */
	fx_free(x);

	x = fx_new(PROC_CLUSTER, true, 2);
	act(x, "c_stop_clus_passive");
	act(x, "c_install_passive");
	act(x, "c_start_clus_passive");
	act(x, "c_move_passive");
	assert_int_equal(reported(x, HP112), 2);   /* its hotfix pending: not restarted */
	fx_free(x);

	x = fx_new(PROC_CLUSTER, true, 2);
	act(x, "c_stop_clus_passive");
	act(x, "c_install_passive");
	act(x, "c_restart_passive");
	act(x, "c_wait_passive");
	act(x, "c_disable");
	act(x, "c_kill");
	clean(x);
	assert_int_equal(store(x, A), STO_DIRTY);
	act(x, "c_move_passive");
	clean(x);
	assert_int_equal(svc_on(x, 1, "MSExchangeIS"), SVC_RUNNING);
	assert_int_equal(store(x, A), STO_MOUNTED);
	assert_int_equal(*model_risk(x->m, x->s, A), B_NO);
	fx_free(x);
}

static void restart_policy_and_owner(void **state)
{
	(void)state;
	struct fx *x = fx_new(PROC_CLUSTER, true, 2);
	act(x, "c_kill");
	assert_int_equal(reported(x, HP114), 2);   /* restart enabled: the cluster restarts it */
	fx_free(x);

	x = fx_new(PROC_CLUSTER, true, 2);
	act(x, "c_disable");
	clean(x);
	assert_int_equal(*model_restart(x->m, x->s, 0), B_NO);
	act(x, "c_kill");
	clean(x);
	assert_int_equal(svc_on(x, 0, "MSExchangeIS"), SVC_STOPPED);   /* on the owner */
	act(x, "c_enable");
	clean(x);
	assert_int_equal(*model_restart(x->m, x->s, 0), B_YES);
	fx_free(x);

	/* an action that goes to the owner, with `on` naming another node */
	x = fx_new(PROC_CLUSTER, true, 2);
	act(x, "c_kill_on_passive");
	assert_int_equal(reported(x, HP117), 2);
	fx_free(x);
}

static void membership(void **state)
{
	(void)state;
	struct fx *x = fx_new(PROC_CLUSTER, true, 2);
	act(x, "c_stop_clus_active");
	assert_int_equal(reported(x, HP115), 2);   /* the owner leaves the cluster */
	assert_int_equal(*model_mem(x->m, x->s, 0), MEM_OUT);
	act(x, "c_stop_clus_passive");
	assert_int_equal(reported(x, HP116), 2);   /* no member left */
	act(x, "c_start_clus_passive");
	clean(x);
	assert_int_equal(*model_mem(x->m, x->s, 1), MEM_MEMBER);
	fx_free(x);
}

/* ---- actions that change nothing the model follows --------------------------------------- */

static void no_effect(void **state)
{
	(void)state;
	struct fx *x = fx_new(PROC_STANDALONE, true, 1);
	struct model_state *before = model_state_clone(&x->ctx.arena, x->m, x->s);
	static const char *const steps[] = { "s_wait", "s_pause", "s_exec", "s_verify_running",
					     "s_verify_mounted", "s_some" };
	for (unsigned i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		act(x, steps[i]);
		clean(x);
	}
	assert_true(model_state_equal(x->m, before, x->s));
	fx_free(x);
}

static void verify(void **state)
{
	(void)state;
	struct fx *x = fx_new(PROC_STANDALONE, true, 1);
	/* the old version of a file is not known: not proved false */
	assert_int_equal(eval(x, x->s, "s_verify_new"), B_ANY);
	act(x, "s_verify_new");
	clean(x);
	act(x, "s_stop_is");
	act(x, "s_verify_running");
	assert_int_equal(reported(x, HP123), 2);
	act(x, "s_start_is");
	act(x, "s_kill_is");
	act(x, "s_install");
	assert_int_equal(eval(x, x->s, "s_verify_new"), B_YES);
	assert_int_equal(eval(x, x->s, "s_verify_mounted"), B_YES);
	fx_free(x);

	x = fx_new(PROC_CLUSTER, true, 2);
	act(x, "c_verify_passive_free");
	clean(x);
	act(x, "c_move_passive");
	act(x, "c_verify_passive_free");
	assert_int_equal(reported(x, HP123), 2);
	fx_free(x);
}

/* ---- conditions ---------------------------------------------------------------------------- */

static void eval_three_valued(void **state)
{
	(void)state;
	struct fx *x = fx_new(PROC_STANDALONE, false, 1);
	assert_int_equal(eval(x, x->s, "s_flag"), B_ANY);         /* a param is unknown to the checker */
	assert_int_equal(eval(x, x->s, "s_not_flag"), B_ANY);
	assert_int_equal(eval(x, x->s, "s_some"), B_YES);         /* the recover set is not empty */
	assert_int_equal(eval(x, x->s, "s_none"), B_NO);
	assert_int_equal(eval(x, x->s, "s_flag_and_some"), B_ANY);
	assert_int_equal(eval(x, x->s, "s_flag_or_some"), B_YES);
	assert_int_equal(eval(x, x->s, "s_flag_and_none"), B_NO);
	assert_int_equal(eval(x, x->s, "s_verify_mounted"), B_YES);
	fx_free(x);

	x = fx_new(PROC_STANDALONE, true, 1);                     /* a concrete state knows flag */
	assert_int_equal(eval(x, x->s, "s_flag"), B_NO);
	assert_int_equal(eval(x, x->s, "s_not_flag"), B_YES);
	assert_int_equal(eval(x, x->s, "s_flag_or_some"), B_YES);
	fx_free(x);
}

static void eval_cause(void **state)
{
	(void)state;
	struct fx *x = fx_new(PROC_STANDALONE, true, 1);
	const struct ast_action *cause = NULL;
	assert_int_equal(model_eval(x->m, x->s, &x->b, cond(x, "s_verify_mounted"), &cause), B_YES);
	assert_null(cause);
	act(x, "s_kill_is");
	assert_int_equal(model_eval(x->m, x->s, &x->b, cond(x, "s_verify_mounted"), &cause), B_NO);
	assert_ptr_equal(cause, action(x, "s_kill_is"));
	fx_free(x);
}

static void assume_narrows(void **state)
{
	(void)state;
	struct fx *x = fx_new(PROC_STANDALONE, false, 1);
	struct model_state *yes = model_state_clone(&x->ctx.arena, x->m, x->s);
	struct model_state *no = model_state_clone(&x->ctx.arena, x->m, x->s);
	assert_true(assume(x, yes, "s_flag", B_YES));
	assert_int_equal(eval(x, yes, "s_flag"), B_YES);
	assert_int_equal(eval(x, yes, "s_not_flag"), B_NO);
	assert_true(assume(x, no, "s_not_flag", B_YES));
	assert_int_equal(eval(x, no, "s_flag"), B_NO);
	assert_false(assume(x, no, "s_flag", B_YES));             /* infeasible */
	assert_false(model_state_equal(x->m, yes, no));

	/* a service that may run or not (two paths joined): assuming narrows it */
	struct model_state *both = model_state_clone(&x->ctx.arena, x->m, x->s);
	act(x, "s_stop_is");
	model_state_join(x->m, both, x->s);
	assert_int_equal(*model_svc(x->m, both, 0, svc(x, "MSExchangeIS")), SVC_RUNNING | SVC_STOPPED);
	assert_int_equal(eval(x, both, "s_verify_running"), B_ANY);
	assert_true(assume(x, both, "s_verify_running", B_YES));
	assert_int_equal(*model_svc(x->m, both, 0, svc(x, "MSExchangeIS")), SVC_RUNNING);
	assert_true(assume(x, x->s, "s_verify_running", B_NO));  /* already so */
	assert_false(assume(x, x->s, "s_verify_running", B_YES));
	fx_free(x);
}

/* model_state_widen adds values to one place (a value, or a group's owner), notes the old ones
 * in the state's log when it has one, and takes the new cause only when it adds a value. */
static void widen_places(void **state)
{
	(void)state;
	struct fx *x = fx_new(PROC_CLUSTER, false, 2);
	const struct model *m = x->m;
	unsigned p = m->o_svc + svc(x, "ClusSvc");   /* node 0's */
	const struct ast_action *stop = action(x, "c_stop_clus_passive");
	struct model_log log = { .a = &x->ctx.arena };
	x->s->log = &log;
	assert_int_equal(model_state_get(m, x->s, p), SVC_RUNNING);
	assert_false(model_state_widen(m, x->s, p, SVC_RUNNING, stop));   /* holds it already */
	assert_int_equal(log.n, 0);
	assert_null(x->s->cause[p]);
	assert_true(model_state_widen(m, x->s, p, SVC_STOPPED, stop));
	assert_int_equal(model_state_get(m, x->s, p), SVC_RUNNING | SVC_STOPPED);
	assert_ptr_equal(x->s->cause[p], stop);
	assert_int_equal(log.n, 1);
	assert_int_equal(log.v[0].place, p);
	assert_int_equal(log.v[0].val, SVC_RUNNING);
	/* a group's owner: place nv + g */
	unsigned g = m->nv;
	nodeset owner = model_state_get(m, x->s, g);
	assert_int_equal(__builtin_popcountll(owner), 1);
	assert_true(model_state_widen(m, x->s, g, 3, stop));
	assert_int_equal(x->s->owner[0], 3);
	assert_int_equal(log.n, 2);
	assert_int_equal(log.v[1].val, owner);
	x->s->log = NULL;
	fx_free(x);
}

/* ---- degradations --------------------------------------------------------------------------- */

static bool has_degr(const struct model_degr *d, unsigned n, enum model_degr_kind kind, int index,
		     const struct ast_action *cause)
{
	for (unsigned i = 0; i < n; i++)
		if (d[i].kind == kind && d[i].index == index && (cause == NULL || d[i].cause == cause))
			return true;
	return false;
}

static void degradations(void **state)
{
	(void)state;
	struct fx *x = fx_new(PROC_STANDALONE, true, 1);
	struct model_degr d[8];
	act(x, "s_dismount_others");
	act(x, "s_kill_is");
	unsigned n = model_degradations(x->m, x->s, d, 8);
	assert_int_equal(n, 4);
	const struct ast_action *kill = action(x, "s_kill_is"), *dis = action(x, "s_dismount_others");
	assert_true(has_degr(d, n, DEG_SERVICE, (int)svc(x, "MSExchangeIS"), kill));
	assert_true(has_degr(d, n, DEG_STORE, A, kill));          /* dirty */
	assert_true(has_degr(d, n, DEG_STORE, B, dis));           /* dismounted */
	assert_true(has_degr(d, n, DEG_STORE, C, dis));
	assert_int_equal(model_degradations(x->m, x->s, d, 1), 4); /* the count, whatever fits */
	act(x, "s_install");
	act(x, "s_mount_all");
	assert_int_equal(model_degradations(x->m, x->s, d, 8), 0);  /* an install is no degradation */
	act(x, "s_stop_www");
	n = model_degradations(x->m, x->s, d, 8);
	assert_int_equal(n, 1);
	assert_true(has_degr(d, n, DEG_SERVICE, (int)svc(x, "W3SVC"), action(x, "s_stop_www")));
	fx_free(x);

	x = fx_new(PROC_CLUSTER, true, 2);
	act(x, "c_disable");
	act(x, "c_stop_clus_passive");
	n = model_degradations(x->m, x->s, d, 8);
	assert_int_equal(n, 2);
	assert_true(has_degr(d, n, DEG_RESTART, 0, action(x, "c_disable")));
	assert_true(has_degr(d, n, DEG_NODE, -1, action(x, "c_stop_clus_passive")));
	assert_int_equal(d[0].kind == DEG_NODE ? d[0].node : d[1].node, 1);
	fx_free(x);

	/* abstract: one that may be outstanding counts */
	x = fx_new(PROC_STANDALONE, false, 1);
	struct model_state *ok = model_state_clone(&x->ctx.arena, x->m, x->s);
	act(x, "s_stop_www");
	model_state_join(x->m, x->s, ok);
	assert_int_equal(model_degradations(x->m, x->s, d, 8), 1);
	fx_free(x);
}

/* ---- the rest of the interface ----------------------------------------------------------- */

static void versions(void **state)
{
	(void)state;
	const struct ast_version v4 = { { 6, 5, 7232, 54 }, 4 }, v3 = { { 6, 5, 7232, 0 }, 3 },
				 v30 = { { 6, 5, 7232, 0 }, 4 }, old = { { 6, 5, 7226, 0 }, 4 };
	assert_true(model_version_cmp(&v4, &v3) > 0);
	assert_int_equal(model_version_cmp(&v3, &v30), 0);        /* a missing fourth is 0 */
	assert_true(model_version_cmp(&old, &v4) < 0);
	assert_true(model_version_cmp(&v4, &old) > 0);
	const int c[3] = { -1, 0, 1 };
	const bool want[6][3] = {
		[CMP_EQ] = { false, true, false }, [CMP_NE] = { true, false, true },
		[CMP_LT] = { true, false, false }, [CMP_LE] = { true, true, false },
		[CMP_GT] = { false, false, true }, [CMP_GE] = { false, true, true },
	};
	for (int op = CMP_EQ; op <= CMP_GE; op++)
		for (int i = 0; i < 3; i++)
			assert_int_equal(model_cmp_holds(c[i], (enum cmp_op)op), want[op][i]);
}

static void store_selection(void **state)
{
	(void)state;
	struct fx *x = fx_new(PROC_STANDALONE, true, 1);
	const struct ast_stores *others = &action(x, "s_dismount_others")->stores,
				*in = &action(x, "s_dismount_affected")->stores,
				*all = &action(x, "s_dismount_all")->stores, *b = &action(x, "s_dismount_b")->stores;
	for (unsigned k = A; k <= C; k++) {
		assert_int_equal(model_store_selected(x->m, k, in), k == A ? B_YES : B_NO);
		assert_int_equal(model_store_selected(x->m, k, others), k == A ? B_NO : B_YES);
		assert_int_equal(model_store_selected(x->m, k, all), B_YES);
		assert_int_equal(model_store_selected(x->m, k, b), k == B ? B_YES : B_NO);
	}
	assert_int_equal(model_store_selected(x->m, 3, all), B_NO);   /* no such store */
	fx_free(x);

	x = fx_new(PROC_STANDALONE, false, 1);
	in = &action(x, "s_dismount_affected")->stores;
	b = &action(x, "s_dismount_b")->stores;
	assert_int_equal(model_store_selected(x->m, 0, in), B_YES);
	assert_int_equal(model_store_selected(x->m, 1, in), B_NO);
	assert_int_equal(model_store_selected(x->m, 2, in), B_YES);   /* "B" if it is affected */
	assert_int_equal(model_store_selected(x->m, 3, in), B_NO);
	assert_int_equal(model_store_selected(x->m, 0, b), B_NO);     /* a class is not "B" */
	assert_int_equal(model_store_selected(x->m, 2, b), B_YES);
	fx_free(x);
}

static void action_nodes(void **state)
{
	(void)state;
	struct fx *x = fx_new(PROC_STANDALONE, true, 1);
	assert_int_equal(model_action_nodes(x->m, x->s, &x->b, action(x, "s_install")), 1);
	fx_free(x);

	x = fx_new(PROC_CLUSTER, true, 2);
	assert_int_equal(model_action_nodes(x->m, x->s, &x->b, action(x, "c_kill")), 1);   /* the owner */
	assert_int_equal(model_action_nodes(x->m, x->s, &x->b, action(x, "c_install_passive")), 2);
	assert_int_equal(model_action_nodes(x->m, x->s, &x->b, action(x, "c_stop_www_passive")), 2);
	assert_int_equal(model_action_nodes(x->m, x->s, &x->b, action(x, "c_disable")), 0);
	act(x, "c_move_passive");
	assert_int_equal(model_action_nodes(x->m, x->s, &x->b, action(x, "c_kill")), 2);   /* follows the group */
	fx_free(x);
}

/* A concrete run is one of the runs the abstract model allows: after each action, every
 * value of the concrete state is among the abstract state's (A is of the affected class, C
 * of the unaffected one, B the unaffected variant of the named store "B"). */
static void concrete_within_abstract(void **state)
{
	(void)state;
	struct fx *c = fx_new(PROC_STANDALONE, true, 1), *a = fx_new(PROC_STANDALONE, false, 1);
	static const char *const steps[] = { "s_dismount_others", "s_kill_is", "s_install", "s_verify_new",
					     "s_verify_mounted", "s_mount_all", "s_stop_www", "s_restart" };
	static const unsigned as[3] = { 0, 3, 1 };   /* the abstract store of A, B, C */
	assert_int_equal(c->m->o_store, a->m->o_store);   /* the same layout up to the stores */
	for (unsigned i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		act(c, steps[i]);
		act(a, steps[i]);
		for (unsigned v = 0; v < c->m->o_store; v++)
			assert_int_equal(c->s->v[v] & ~a->s->v[v], 0);
		for (unsigned k = A; k <= C; k++) {
			assert_int_equal(store(c, k) & ~store(a, as[k]), 0);
			assert_int_equal(*model_risk(c->m, c->s, k) & ~*model_risk(a->m, a->s, as[k]), 0);
		}
	}
	fx_free(c);
	fx_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(start_concrete_standalone),
		cmocka_unit_test(start_concrete_cluster),
		cmocka_unit_test(start_abstract),
		cmocka_unit_test(stop_and_start_service),
		cmocka_unit_test(kill_process),
		cmocka_unit_test(dismount_and_mount),
		cmocka_unit_test(install_standalone),
		cmocka_unit_test(restart_standalone),
		cmocka_unit_test(cluster_install_and_restart),
		cmocka_unit_test(move_group),
		cmocka_unit_test(restart_policy_and_owner),
		cmocka_unit_test(membership),
		cmocka_unit_test(no_effect),
		cmocka_unit_test(verify),
		cmocka_unit_test(eval_three_valued),
		cmocka_unit_test(eval_cause),
		cmocka_unit_test(assume_narrows),
		cmocka_unit_test(widen_places),
		cmocka_unit_test(degradations),
		cmocka_unit_test(versions),
		cmocka_unit_test(store_selection),
		cmocka_unit_test(action_nodes),
		cmocka_unit_test(concrete_within_abstract),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
