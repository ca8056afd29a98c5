/* check_report.c: the checker's diagnostics in the runbook's words (check_int.h): a
 * precondition an action breaks, a declared rule that holds, each once per rule and position,
 * and the names they use for nodes and groups. */
#include "check_int.h"
#include "ctx.h"
#include "sema.h"
#include "source.h"

bool check_first_report(struct checker *C, enum rule_id rule, loc_t loc)
{
	uint64_t key = ((uint64_t)loc.file << 40) ^ ((uint64_t)rule << 32) ^ loc.start;
	key = key * 0x9E3779B97F4A7C15ull + 1;
	if ((C->nseen + 1) * 2 > C->seen_cap) {
		unsigned cap = C->seen_cap ? C->seen_cap * 2 : 256;
		uint64_t *nv = arena_alloc(C->a, cap * sizeof(*nv));
		for (unsigned i = 0; i < C->seen_cap; i++)
			if (C->seen[i] != 0) {
				unsigned j = (unsigned)(C->seen[i] >> 17) & (cap - 1);
				while (nv[j] != 0)
					j = (j + 1) & (cap - 1);
				nv[j] = C->seen[i];
			}
		C->seen = nv;
		C->seen_cap = cap;
	}
	unsigned j = (unsigned)(key >> 17) & (C->seen_cap - 1);
	for (; C->seen[j] != 0; j = (j + 1) & (C->seen_cap - 1))
		if (C->seen[j] == key)
			return false;
	C->seen[j] = key;
	C->nseen++;
	return true;
}

unsigned check_line(struct hp_ctx *ctx, loc_t loc)
{
	return source_pos(ctx_source(ctx, loc.file), loc.start).line;
}

/* A node, as the plan's author knows it: by the role bound to it. */
const char *check_node_label(struct checker *C, int node)
{
	if (node < 0)
		return "a node";
	if (C->m->kind == PROC_STANDALONE)
		return "the server";
	nodeset bit = (nodeset)1 << node;
	/* a role that names one node by nature (owner of, any node except, a loop variable)
	 * reads better than a set that happens to hold one node here */
	for (int pass = 0; pass < 2; pass++)
		for (const struct ast_role *r = C->proc->roles; r != NULL; r = r->next) {
			bool set = r->kind == R_ALL || r->kind == R_ALL_EXCEPT;
			if (set == (pass == 0) || r->index >= C->bind.n || C->bind.nodes[r->index] != bit)
				continue;
			return arena_printf(&C->ctx->arena, "'%s' (%s)", r->name.s, model_node_name(C->m, (unsigned)node));
		}
	return model_node_name(C->m, (unsigned)node);
}

const char *check_group_name(struct checker *C, int g)
{
	if (g < 0 || (unsigned)g >= C->m->ngroups)
		return "?";
	return C->m->groups[g]->name.s;
}

const char *check_recover_name(struct checker *C)
{
	return C->plan->recover ? C->plan->recover->name.s : "affected";
}

void check_report_decl(struct checker *C, const struct ast_rule_decl *r, loc_t loc, const char *what)
{
	if (!check_first_report(C, (enum rule_id)(RULE_COUNT + r->index), loc))
		return;
	struct diag *d = diag_report_decl(C->ctx, r, loc, "%s", r->message);
	if (what != NULL)
		diag_note(C->ctx, d, "%s", what);
	if (C->lane_note != NULL)
		diag_note(C->ctx, d, "%s", C->lane_note);
	if (r->note != NULL)
		diag_note(C->ctx, d, "%s", r->note);
	if (r->help != NULL)
		diag_help(C->ctx, d, "%s", r->help);
}

void check_on_violation(void *ud, const struct model_violation *v)
{
	struct checker *C = ud;
	const struct ast_action *act = v->act;
	struct hp_ctx *ctx = C->ctx;
	const char *mayb = v->certain ? "is" : "may be";
	struct diag *d = NULL;

	if (v->decl_rule != NULL) {
		const struct ast_action_decl *ad = act->decl;
		check_report_decl(C, v->decl_rule, act->loc,
			    arena_printf(&ctx->arena, "a precondition of action '%s' (%s:%u) %s here",
					 ad != NULL ? ad->name.s : "?", ad != NULL ? ctx_source(ctx, ad->loc.file)->path : "?",
					 ad != NULL ? check_line(ctx, ad->loc) : 0, v->certain ? "does not hold" : "may not hold"));
		return;
	}
	if (!check_first_report(C, v->rule, act->loc))
		return;
	const char *store = v->store >= 0 ? C->m->stores[v->store].label : "a store";
	const char *node = check_node_label(C, v->node);
	switch (v->rule) {
	case HP101:
		d = diag_report(ctx, HP101, act->loc, "dismounts stores that %sbe affected (event ID 217)",
				v->certain ? "will " : "may ");
		diag_note(ctx, d, "an affected store must stay mounted so that the forced stop leaves it in soft recovery");
		diag_help(ctx, d, "dismount only the stores that are not affected: `dismount stores not in %s`",
			  check_recover_name(C));
		break;
	case HP102:
		d = diag_report(ctx, HP102, act->loc, "force-stops the store process while %s %s mounted",
				store, v->certain ? "is not" : "may not be");
		diag_note(ctx, d, "%s", product_rule_note(C->plan, HP102));
		diag_help(ctx, d, "keep the stores in `%s` mounted until the forced stop", check_recover_name(C));
		break;
	case HP103:
		if (act->kind == A_MOVE_GROUP)
			d = diag_report(ctx, HP103, act->loc,
					"moving group \"%s\" away %sstop the store service cleanly while %s is mounted",
					act->arg.s, v->certain ? "will " : "may ", store);
		else if (act->kind == A_INSTALL)
			d = diag_report(ctx, HP103, act->loc,
					"the installer of hotfix '%s' %sstop the store service cleanly while %s is mounted",
					act->arg.s, v->certain ? "will " : "may ", store);
		else if (act->kind == A_RESTART_NODE)
			d = diag_report(ctx, HP103, act->loc,
					"restarting %s stops the store service cleanly while %s is mounted", node, store);
		else
			d = diag_report(ctx, HP103, act->loc, "stops the store service cleanly while %s %s mounted",
					store, mayb);
		diag_note(ctx, d, "a clean stop dismounts the database cleanly: it never enters the soft-recovery "
				  "state the hotfix needs (the forced stop was skipped)");
		diag_help(ctx, d, "force the stop first: `kill process \"%s\"`",
			  C->plan->store_svc && C->plan->store_svc->process.s ? C->plan->store_svc->process.s
									      : "PROCESS");
		break;
	case HP110:
		d = diag_report(ctx, HP110, act->loc, "installs hotfix '%s' on %s, which %s a group",
				act->arg.s, node, v->certain ? "owns" : "may own");
		diag_note(ctx, d, "%s", product_rule_note(C->plan, HP110));
		diag_help(ctx, d, "move every group to another node before installing here");
		break;
	case HP111:
		d = diag_report(ctx, HP111, act->loc, "installs hotfix '%s' on %s while its cluster service %s",
				act->arg.s, node, v->certain ? "runs" : "may run");
		diag_note(ctx, d, "%s", product_rule_note(C->plan, HP111));
		diag_help(ctx, d, "stop the cluster service on that node in an earlier step");
		break;
	case HP112:
		if (v->node >= 0 && (C->cur->v[C->m->o_mem + (unsigned)v->node] & MEM_DOWN))
			d = diag_report(ctx, HP112, act->loc,
					"moves group \"%s\" to %s, whose restart after the install %sbeen seen to finish",
					check_group_name(C, v->group), node, v->certain ? "has not " : "may not have ");
		else
			d = diag_report(ctx, HP112, act->loc,
					"moves group \"%s\" to %s, which has a hotfix installed and %sbeen restarted since",
					check_group_name(C, v->group), node, v->certain ? "has not " : "may not have ");
		diag_note(ctx, d, "%s", product_rule_note(C->plan, HP112));
		diag_help(ctx, d, "restart the node and wait until it is a member before it owns a group");
		break;
	case HP113:
		d = diag_report(ctx, HP113, act->loc, "moves group \"%s\" to %s, which %s not a cluster member",
				check_group_name(C, v->group), node, v->certain ? "is" : "may be");
		diag_note(ctx, d, "%s", product_rule_note(C->plan, HP113));
		diag_help(ctx, d, "add `wait until ROLE member timeout 30m` after its restart");
		break;
	case HP114:
		d = diag_report(ctx, HP114, act->loc,
				"kills the store process on the owner of group \"%s\" while the resource %s set to Restart",
				check_group_name(C, v->group), mayb);
		diag_note(ctx, d, "%s", product_rule_note(C->plan, HP114));
		diag_help(ctx, d, "add a step before it: `disable restart of resource \"…\"`");
		break;
	case HP115:
		if (act->kind == A_RESTART_NODE)
			d = diag_report(ctx, HP115, act->loc, "restarts %s, which %s a group", node,
					v->certain ? "owns" : "may own");
		else
			d = diag_report(ctx, HP115, act->loc, "stops the cluster service on %s, which %s a group",
					node, v->certain ? "owns" : "may own");
		diag_note(ctx, d, "%s", product_rule_note(C->plan, HP115));
		diag_help(ctx, d, "move every group away from that node first");
		break;
	case HP116:
		d = diag_report(ctx, HP116, act->loc, "takes the last member out: no node of the cluster %s a member",
				v->certain ? "is" : "may be");
		diag_note(ctx, d, "%s", product_rule_note(C->plan, HP116));
		diag_help(ctx, d, "wait until the other node is a member again before this");
		break;
	case HP117:
		d = diag_report(ctx, HP117, act->loc, "`on` names %s, but this goes to the owner of group \"%s\"",
				node, check_group_name(C, v->group));
		diag_note(ctx, d, "the owner %s another node at this point", v->certain ? "is" : "may be");
		diag_help(ctx, d, "drop the `on`: it goes to the group's owner by itself");
		break;
	case HP123:
		if (act->kind == A_WAIT_UNTIL)
			d = diag_report(ctx, HP123, act->loc, "this wait can never end: the condition is false here");
		else
			d = diag_report(ctx, HP123, act->loc, "this verification is false here");
		{
			const struct ast_action *why = NULL;
			model_eval(C->m, C->cur, &C->bind, act->cond, &why);
			if (why != NULL)
				diag_note(ctx, d, "the condition cannot hold after what line %u does", check_line(ctx, why->loc));
			else
				diag_note(ctx, d, "the condition is false when the procedure starts, and nothing before "
						  "this changes it");
		}
		if (act->message != NULL)
			diag_note(ctx, d, "its message: %s", act->message);
		break;
	case HP131:
		d = diag_report(ctx, HP131, act->loc, "acts on %s right after `restart node`, before it is back", node);
		diag_note(ctx, d, "%s", product_rule_note(C->plan, HP131));
		diag_help(ctx, d, "add `wait until ROLE member timeout 30m` first");
		break;
	default:
		break;
	}
	if (d != NULL && C->lane_note != NULL)
		diag_note(ctx, d, "%s", C->lane_note);
}

