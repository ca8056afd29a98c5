/* fuzz_inventory.c: libFuzzer harness for inventories: the input is the text of an
 * inventory file (`target` and `profile` blocks). It goes the way `hotplan run --inventory`
 * takes one (runtime/setup.c): parse_buffer (an inventory with any diagnostic is
 * refused there, so here too), each profile block compiled, then each target picked
 * (target_from_inventory, unnamed and by each target's name), its `set`s bound to the
 * params of the canonical plan (params_bind) and the concrete model built for it.
 * The canonical plan (plans/ese-hotfix.hplan, or $HOTPLAN_FUZZ_PLAN) is parsed and checked
 * once per process and must be clean.
 * Oracles besides the sanitizers: a picked target is the one named, its node names are
 * distinct and found by target_node_index, its facts by target_fact, its group owners are
 * nodes. */
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "ctx.h"
#include "fuzz.h"
#include "model.h"
#include "parse.h"
#include "profile.h"
#include "target.h"

#ifndef HOTPLAN_FUZZ_PLAN
#define HOTPLAN_FUZZ_PLAN "plans/ese-hotfix.hplan"
#endif

static struct hp_ctx plan_ctx;
static const struct ast_plan *plan;

/* NOLINTNEXTLINE(readability-non-const-parameter): libFuzzer's signature */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = getenv("HOTPLAN_FUZZ_PLAN");
	const char *why = NULL;

	(void)argc;
	(void)argv;
	if (path == NULL || *path == '\0')
		path = HOTPLAN_FUZZ_PLAN;
	ctx_init(&plan_ctx);
	struct ast_file *f = parse_file(&plan_ctx, path, &why);
	if (f == NULL) {
		fprintf(stderr, "fuzz_inventory: %s\n", why);
		abort();
	}
	check_file(&plan_ctx, f, CHECK_ALL, false);
	diag_finish(&plan_ctx);
	if (plan_ctx.diags.errors > 0 || f->plans == NULL) {
		diag_print_text(&plan_ctx, stderr, false);
		fprintf(stderr, "fuzz_inventory: %s: the canonical plan must check clean\n", path);
		abort();
	}
	plan = f->plans;
	return 0;
}

/* What setup_target does with a target it picked. */
static void use_target(struct hp_ctx *ctx, const struct rt_target *t, const char *name)
{
	char err[1024] = "";

	FUZZ_ASSERT(t->name != NULL, "a target without a name");
	if (name != NULL)
		FUZZ_ASSERT(strcmp(t->name, name) == 0, "asked for target '%s', got '%s'", name, t->name);
	FUZZ_ASSERT(t->nnodes >= 1 && t->nnodes <= MODEL_MAX_NODES, "target '%s' has %u nodes", t->name, t->nnodes);
	FUZZ_ASSERT(t->kind != PROC_STANDALONE || t->nnodes == 1, "standalone target '%s' has %u nodes", t->name,
		    t->nnodes);
	for (unsigned n = 0; n < t->nnodes; n++) {
		const struct rt_node *node = &t->nodes[n];
		FUZZ_ASSERT(target_node_index(t, node->name) == (int)n, "node '%s' is not found at %u", node->name, n);
		for (unsigned i = 0; i < node->nfacts; i++)
			FUZZ_ASSERT(target_fact(t, (int)n, node->facts[i].path) != NULL, "fact '%s' of node '%s' not found",
				    node->facts[i].path, node->name);
		if (node->transport == TR_SSH)
			FUZZ_ASSERT(node->host != NULL && node->host[0] != '\0' && node->port >= 0 && node->port <= 65535,
				    "ssh node '%s': host '%s' port %d", node->name, node->host ? node->host : "(null)",
				    node->port);
	}
	for (unsigned i = 0; i < t->nfacts; i++)
		FUZZ_ASSERT(target_fact(t, -1, t->facts[i].path) != NULL, "fact '%s' not found", t->facts[i].path);
	for (unsigned g = 0; g < t->ngroups; g++)
		FUZZ_ASSERT(target_node_index(t, t->group_owners[g]) >= 0, "group '%s' owned by '%s', not a node",
			    t->group_names[g], t->group_owners[g]);

	struct rt_value *values = arena_alloc(&ctx->arena, (plan->nparams + 1) * sizeof(*values));
	if (params_bind(&ctx->arena, plan, t, NULL, 0, values, err, sizeof(err)) != 0) {
		FUZZ_ASSERT(err[0] != '\0', "params_bind failed without a message");
		return;
	}
	if (plan->proc[t->kind] == NULL)
		return;
	struct model_param_value *pv = arena_alloc(&ctx->arena, (plan->nparams + 1) * sizeof(*pv));
	params_for_model(plan, values, pv);
	const char **names = arena_alloc(&ctx->arena, (t->nnodes + 1) * sizeof(*names));
	for (unsigned n = 0; n < t->nnodes; n++)
		names[n] = t->nodes[n].name;
	struct model *m = model_init_concrete(&ctx->arena, plan, t->kind, t->nnodes, names, t->nstores, t->stores, pv);
	struct model_state *live = model_state_start(&ctx->arena, m, 0);
	for (unsigned g = 0; g < t->ngroups; g++)
		for (unsigned i = 0; i < m->ngroups; i++)
			if (strcmp(m->groups[i]->name.s, t->group_names[g]) == 0)
				live->owner[i] = (nodeset)1 << target_node_index(t, t->group_owners[g]);
	model_state_set_params(m, live, pv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hp_ctx ctx;
	struct rt_target t;
	char err[1024] = "";

	ctx_init(&ctx);
	struct ast_file *inv = parse_buffer(&ctx, "fuzz-inventory.hplan", (const char *)data, size);
	diag_finish(&ctx);
	diag_print_text(&ctx, fuzz_devnull(), false);
	if (ctx.diags.n > 0)
		goto out;     /* "the inventory has errors" */

	for (const struct ast_profile *p = inv->profiles; p != NULL; p = p->next) {
		struct profile *prof = NULL;
		if (profile_compile(&ctx, p, &prof, err, sizeof(err)) != 0)
			FUZZ_ASSERT(err[0] != '\0', "profile_compile failed without a message");
	}
	if (target_from_inventory(&ctx, inv, NULL, &t, err, sizeof(err)) == 0)
		use_target(&ctx, &t, NULL);
	else
		FUZZ_ASSERT(err[0] != '\0', "target_from_inventory failed without a message");
	for (const struct ast_target *x = inv->targets; x != NULL; x = x->next) {
		err[0] = '\0';
		if (target_from_inventory(&ctx, inv, x->name.s, &t, err, sizeof(err)) == 0)
			use_target(&ctx, &t, x->name.s);
		else
			FUZZ_ASSERT(err[0] != '\0', "target_from_inventory failed without a message");
	}
out:
	ctx_free(&ctx);
	return 0;
}
