/* product.c: what a plan's product says to the built-in rules (docs/language.md, "What an
 * update needs"): the needs of each hotfix (HP111, HP112) and the notes of the built-in rules.
 * A plan that uses no library gets lib/exchange-2003.hplan's, built in here (SPEC plans keep
 * their diagnostics); a plan that uses libraries gets what they and its hotfixes declare.
 * Everything lives in the context's arena. */
#include "sema.h"

#include <string.h>

/* The built-in rules' notes: the product-neutral one, and the one lib/exchange-2003.hplan
 * declares (`note HPnnn "…"`), which a plan that uses no library gets. The two copies of the
 * Exchange notes are kept equal by tests/diag/run-exchange-explicit.sh. */
static const struct {
	enum rule_id rule;
	const char *neutral;
	const char *exchange;
} notes[] = {
	{ HP102, "a store that is not mounted when its process is killed gets no soft recovery",
	  "the KB: kill Store.exe with the database mounted to force it into a soft-recovery state; a store "
	  "that is not mounted gets no soft recovery" },
	{ HP110, "the groups it owns would run under the update: move them to another node first",
	  "the KB: on the passive node, make sure the node does not own the Exchange or the Cluster Group "
	  "resource groups" },
	{ HP111, "the update declares that its install needs the cluster service stopped on the node "
		 "(`needs cluster service stopped`)",
	  "the KB: stop the Cluster service on the node, then install the hotfix" },
	{ HP112, "the update declares that it takes effect only after a restart (`needs restart`, or "
		 "`needs restart of service`)",
	  "the KB: on clustered servers, you must restart the cluster nodes" },
	{ HP113, "a node that is not a cluster member cannot take the group: wait until it is one",
	  "the KB: after it restarts, wait until Cluster Administrator displays the node as an active cluster "
	  "member" },
	{ HP114, "the cluster would restart the resource or fail the group over",
	  "the cluster would restart the resource or fail the group over; the KB sets the Information Store "
	  "instance to Do not restart first" },
	{ HP115, "its groups would fail over uncontrolled",
	  "its groups would fail over uncontrolled; the KB moves the groups first" },
	{ HP116, "with no member left the cluster runs nothing: update one node at a time",
	  "the KB patches one node at a time: the other node stays an active member" },
	{ HP120, "the resource is still set to Do not restart when the procedure ends",
	  "the resource is still set to Do not restart when the procedure ends; the KB sets it back to Restart" },
	{ HP121, NULL, "the KB: mount the information stores that you dismounted" },
	{ HP131, "a restarted node is back only once it is a cluster member again",
	  "the KB: after it restarts, wait until the node is an active cluster member" },
	{ HP202, "the update's list of files and their versions is what proves that it landed",
	  "a KB article's \"File information\" table gives the version that proves the hotfix landed" },
};

/* The needs a plan that uses no library gets (lib/exchange-2003.hplan's). */
#define EXCHANGE_NEEDS ((1u << NEED_CLUSTER_STOPPED) | (1u << NEED_RESTART))

static int note_index(enum rule_id r)
{
	for (size_t i = 0; i < sizeof(notes) / sizeof(notes[0]); i++)
		if (notes[i].rule == r)
			return (int)i;
	return -1;
}

const char *product_note(const struct ast_plan *plan, enum rule_id r)
{
	if (plan->libs == NULL) {
		int i = note_index(r);
		return i >= 0 ? notes[i].exchange : NULL;
	}
	const char *id = rule_table[r].id;
	for (const struct ast_library *l = plan->libs; l != NULL; l = l->next)
		for (const struct ast_pnote *n = l->notes; n != NULL; n = n->next)
			if (n->rule.s != NULL && strcmp(n->rule.s, id) == 0)
				return n->text;
	return NULL;
}

const char *product_neutral_note(enum rule_id r)
{
	int i = note_index(r);
	return i >= 0 ? notes[i].neutral : NULL;
}

const char *product_builtin_note(enum rule_id r)
{
	int i = note_index(r);
	return i >= 0 ? notes[i].exchange : NULL;
}

const char *product_rule_note(const struct ast_plan *plan, enum rule_id r)
{
	const char *n = product_note(plan, r);
	return n != NULL ? n : product_neutral_note(r);
}

/* Add need n to hotfix h; a service restart names a service of the plan's model (HP002,
 * reported when `report`: a library's need is reported once, not once per hotfix). */
static unsigned add_need(struct hp_ctx *ctx, struct ast_hotfix *h, const struct ast_need *n,
			 const struct strmap *services, bool report)
{
	if (n->kind == NEED_SERVICE_RESTART) {
		struct ast_model_item *svc = n->service.s != NULL ? strmap_gets(services, n->service.s) : NULL;
		if (svc == NULL) {
			if (!report)
				return 0;
			struct diag *d = diag_report(ctx, HP002, n->service.loc, "unknown service \"%s\"",
						     n->service.s != NULL ? n->service.s : "?");
			diag_help(ctx, d, "name a service of the plan's model: `needs restart of service \"NAME\"`");
			return 1;
		}
		if (svc->kind != M_SERVICE) {
			if (!report)
				return 0;
			struct diag *d = diag_report(ctx, HP004, n->service.loc,
						     "\"%s\" is the cluster service: its restart is the node's", svc->name.s);
			diag_help(ctx, d, "for an update that takes effect when the node restarts: `needs restart`");
			return 1;
		}
		if (h->need_svc == NULL)
			h->need_svc = svc;
		svc->used = true;
		svc->activates = true;
	}
	h->need |= 1u << n->kind;
	return 0;
}

unsigned product_resolve(struct hp_ctx *ctx, struct ast_plan *plan, const struct strmap *services)
{
	unsigned errors = 0;
	for (const struct ast_library *l = plan->libs; l != NULL; l = l->next)
		for (const struct ast_pnote *n = l->notes; n != NULL; n = n->next)
			if (n->rule.s != NULL && rule_lookup(n->rule.s) == NULL) {
				struct diag *d = diag_report(ctx, HP002, n->rule.loc, "unknown rule '%s'", n->rule.s);
				diag_help(ctx, d, "a library's `note RULE \"…\"` is the note of a built-in rule "
						  "(`hotplan explain RULE`); its own rules carry their note in `rule`");
				errors++;
			}
	for (struct ast_model_item *it = plan->model; it != NULL; it = it->next)
		it->activates = false;
	bool first = true;
	for (struct ast_hotfix *h = plan->hotfixes; h != NULL; h = h->next, first = false) {
		h->need = plan->libs == NULL ? EXCHANGE_NEEDS : 0;
		h->need_svc = NULL;
		for (const struct ast_need *n = h->needs; n != NULL; n = n->next)
			errors += add_need(ctx, h, n, services, true);
		for (const struct ast_library *l = plan->libs; l != NULL; l = l->next)
			for (const struct ast_need *n = l->needs; n != NULL; n = n->next)
				errors += add_need(ctx, h, n, services, first);
	}
	return errors;
}
