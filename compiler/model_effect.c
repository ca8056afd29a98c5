/* model_effect.c: the effects of the built-in actions on one node, group or store, each
 * written once over sets of possible values: services stopping and starting (and the
 * hotfixes a start activates), a node coming back, an install, dismounts and mounts, a group
 * moving, and the state queries they share (owns_any, patched, at_risk_store_in). Called by
 * model_apply.c; calls model_state.c and model.c only (model_int.h has the layering). */
#include "model.h"

#include "model_int.h"

/* May node n own a group? Certainly? */
mset model_owns_any(const struct model *m, const struct model_state *s, unsigned n)
{
	mset r = 0;
	bool may = false, sure = false;
	for (unsigned g = 0; g < m->ngroups; g++) {
		nodeset o = s->owner[g];
		if (o & ((nodeset)1 << n)) {
			may = true;
			if (o == ((nodeset)1 << n))
				sure = true;
		}
	}
	if (may)
		r |= B_YES;
	if (!sure)
		r |= B_NO;
	return r;
}

/* Is node n patched (some hotfix installed, not pending)? */
mset model_patched(const struct model *m, const struct model_state *s, unsigned n)
{
	mset r = 0;
	bool sure = false;
	for (unsigned h = 0; h < m->nhf; h++) {
		mset v = s->v[m->o_hf + n * m->nhf + h];
		if (v & HF_INSTALLED)
			r |= B_YES;
		if (v == HF_INSTALLED)
			sure = true;
	}
	if (!sure)
		r |= B_NO;
	return r;
}

/* An at-risk store that may be in one of the states `bad` (exists, affected, at risk). */
int model_at_risk_store_in(const struct model *m, const struct model_state *s, mset bad, bool *certain)
{
	for (unsigned k = 0; k < m->nstores; k++) {
		if (!(s->v[m->o_risk + k] & B_YES) || !(m->stores[k].exists & B_YES))
			continue;
		if (s->v[m->o_store + k] & bad) {
			*certain = s->v[m->o_risk + k] == B_YES && m->stores[k].exists == B_YES &&
				   !(s->v[m->o_store + k] & ~bad);
			return (int)k;
		}
	}
	return -1;
}

/* ---- service effects ---------------------------------------------------------------- */

bool model_holds_stores(const struct ast_model_item *svc)
{
	return svc != NULL && svc->kind == M_SERVICE && svc->holds_stores;
}

/* HP103: a clean stop of the store service while an at-risk store is mounted. */
void model_check_clean_stop(struct apply *x, unsigned n, const struct ast_model_item *svc)
{
	bool certain = false;
	if (!model_holds_stores(svc) || !(x->s->v[isvc(x->m, n, svc->index)] & SVC_RUNNING))
		return;
	int k = model_at_risk_store_in(x->m, x->s, STO_MOUNTED, &certain);
	if (k >= 0)
		model_report(x, HP103, (int)n, k, -1, certain && x->s->v[isvc(x->m, n, svc->index)] == SVC_RUNNING);
}

/* The service stops on node n: cleanly, or killed. Its mounted stores go offline or dirty. */
void model_svc_stop(struct apply *x, unsigned n, const struct ast_model_item *svc, bool weak, bool killed)
{
	unsigned i = isvc(x->m, n, svc->index);
	mset old = x->s->v[i];
	if (!(old & SVC_RUNNING))
		return;
	put(x, i, SVC_STOPPED, weak);
	if (!model_holds_stores(svc))
		return;
	bool w = weak || old != SVC_RUNNING;
	for (unsigned k = 0; k < x->m->nstores; k++)
		remap(x, x->m->o_store + k, STO_MOUNTED, killed ? STO_DIRTY : STO_OFFLINE, w);
}

/* The service starts on node n: every store not dismounted gets mounted, a dirty one after
 * soft recovery, which ends the risk of an affected store when n is patched. */
/* Service svc started again on node n: the hotfixes that `needs restart of service` it and are
 * pending there take effect (HP112 no longer applies to them). */
static void activate(struct apply *x, unsigned n, const struct ast_model_item *svc, bool weak)
{
	const struct model *m = x->m;
	for (const struct ast_hotfix *h = m->plan->hotfixes; h != NULL; h = h->next) {
		unsigned hi = m->o_hf + n * m->nhf + h->index;
		if (h->need_svc != svc || h->index >= m->nhf || !(x->s->v[hi] & HF_PENDING))
			continue;
		bool w = weak || x->s->v[hi] != HF_PENDING;
		remap(x, hi, HF_PENDING, HF_INSTALLED, w);
		for (unsigned f = m->hf_files[h->index]; f < m->hf_files[h->index + 1]; f++)
			put(x, m->o_fv + n * m->nfiles + f, FV_NEW, w);
	}
}

void model_svc_start(struct apply *x, unsigned n, const struct ast_model_item *svc, bool weak)
{
	unsigned i = isvc(x->m, n, svc->index);
	mset old = x->s->v[i];
	if (old == SVC_RUNNING)
		return;
	put(x, i, SVC_RUNNING, weak);
	if (svc->activates)
		activate(x, n, svc, weak || old != SVC_STOPPED);
	if (!model_holds_stores(svc))
		return;
	bool w = weak || old != SVC_STOPPED;
	mset p = model_patched(x->m, x->s, n);
	for (unsigned k = 0; k < x->m->nstores; k++) {
		unsigned si = x->m->o_store + k;
		mset st = x->s->v[si];
		if ((st & STO_DIRTY) && (p & B_YES) && (x->s->v[x->m->o_risk + k] & B_YES))
			put(x, x->m->o_risk + k, B_NO, w || st != STO_DIRTY || p != B_YES);
		remap(x, si, STO_OFFLINE | STO_DIRTY, STO_MOUNTED, w);
	}
}

/* ---- membership ---------------------------------------------------------------------- */

bool model_none_member_possible(const struct model *m, const struct model_state *s)
{
	if (m->kind != PROC_CLUSTER)
		return false;
	for (unsigned n = 0; n < m->nnodes; n++)
		if (s->v[m->o_mem + n] == MEM_MEMBER)
			return false;
	return true;
}

/* The node is back: a member, its pending hotfixes installed, its services running. */
void model_node_up(struct apply *x, unsigned n, bool weak)
{
	const struct model *m = x->m;
	unsigned mi = m->o_mem + n;
	if (!(x->s->v[mi] & MEM_DOWN))
		return;
	bool w = weak || x->s->v[mi] != MEM_DOWN;
	remap(x, mi, MEM_DOWN, MEM_MEMBER, w);
	for (unsigned h = 0; h < m->nhf; h++) {
		unsigned hi = m->o_hf + n * m->nhf + h;
		if (!(x->s->v[hi] & HF_PENDING))
			continue;
		remap(x, hi, HF_PENDING, HF_INSTALLED, w);
		for (unsigned f = m->hf_files[h]; f < m->hf_files[h + 1]; f++)
			put(x, m->o_fv + n * m->nfiles + f, FV_NEW, w || x->s->v[hi] != HF_INSTALLED);
	}
	for (unsigned i = 0; i < m->nsvc; i++) {
		const struct ast_model_item *svc = m->svcs[i];
		if (svc->kind == M_CLUSTER_SERVICE)
			continue;
		if (model_is_resource_svc(m, svc)) {
			nodeset o = x->s->owner[svc->res->grp->index];
			if (!(o & ((nodeset)1 << n)))
				continue;
			model_svc_start(x, n, svc, w || o != ((nodeset)1 << n));
		} else {
			model_svc_start(x, n, svc, w);
		}
	}
}

/* ---- install ------------------------------------------------------------------------- */

static void set_files_new(struct apply *x, unsigned n, const struct ast_hotfix *h, bool weak)
{
	for (unsigned f = x->m->hf_files[h->index]; f < x->m->hf_files[h->index + 1]; f++)
		put(x, x->m->o_fv + n * x->m->nfiles + f, FV_NEW, weak);
}

void model_do_install(struct apply *x, unsigned n, bool weak)
{
	const struct model *m = x->m;
	const struct ast_hotfix *h = x->act->hotfix;
	unsigned hi = m->o_hf + n * m->nhf + h->index;

	if (m->kind == PROC_CLUSTER) {
		mset o = model_owns_any(m, x->s, n);
		if (o & B_YES)
			model_report(x, HP110, (int)n, -1, -1, o == B_YES);
		mset mem = x->s->v[m->o_mem + n];
		if ((mem & MEM_MEMBER) && (h->need & (1u << NEED_CLUSTER_STOPPED)))
			model_report(x, HP111, (int)n, -1, -1, mem == MEM_MEMBER);
		if (h->need & ((1u << NEED_RESTART) | (1u << NEED_SERVICE_RESTART))) {
			remap(x, hi, HF_ABSENT, HF_PENDING, weak);
		} else {   /* it takes effect at once (docs/language.md, "What an update needs") */
			put(x, hi, HF_INSTALLED, weak);
			set_files_new(x, n, h, weak);
		}
		return;
	}
	/* stand-alone: the installer stops the services it names (cleanly), replaces the files,
	 * and starts them again, even those that were stopped */
	for (uint32_t r = 0; r < h->nrestarts; r++)
		if (h->restart_svcs[r] != NULL)
			model_check_clean_stop(x, n, h->restart_svcs[r]);
	for (uint32_t r = 0; r < h->nrestarts; r++)
		if (h->restart_svcs[r] != NULL && h->restart_svcs[r]->kind == M_SERVICE)
			model_svc_stop(x, n, h->restart_svcs[r], weak, false);
	put(x, hi, HF_INSTALLED, weak);
	set_files_new(x, n, h, weak);
	for (uint32_t r = 0; r < h->nrestarts; r++)
		if (h->restart_svcs[r] != NULL && h->restart_svcs[r]->kind == M_SERVICE)
			model_svc_start(x, n, h->restart_svcs[r], weak);
}

/* ---- stores -------------------------------------------------------------------------- */

/* Is the store selected AND affected, possibly? (Correlated: a `not in affected` selection
 * of an affected store is impossible.) */
static bool selected_affected_may(const struct model *m, unsigned k, const struct ast_stores *sel, bool *certain)
{
	const struct model_store *st = &m->stores[k];
	const struct ast_param *rec = m->plan->recover;
	if (rec == NULL || !(st->exists & B_YES))
		return false;
	mset aff = st->in[rec->index];
	mset s = model_selected(m, k, sel);
	if (!(aff & B_YES) || !(s & B_YES))
		return false;
	*certain = aff == B_YES && s == B_YES && st->exists == B_YES;
	return true;
}

void model_do_dismount(struct apply *x)
{
	const struct model *m = x->m;
	bool reported = false;
	for (unsigned k = model_sel_first(m, &x->act->stores); k < m->nstores; k = sel_next(m, &x->act->stores, k)) {
		bool certain = false;
		if (!reported && selected_affected_may(m, k, &x->act->stores, &certain)) {
			model_report(x, HP101, -1, (int)k, -1, certain);
			reported = true;
		}
		mset s = model_selected(m, k, &x->act->stores);
		if (s & B_YES)
			put(x, m->o_store + k, STO_DISMOUNTED, s != B_YES);
	}
}

void model_do_mount(struct apply *x, nodeset host, bool weak)
{
	const struct model *m = x->m;
	mset running = 0;
	const struct ast_model_item *svc = x->act->svc;

	for (unsigned n = 0; n < m->nnodes; n++)
		if (host & ((nodeset)1 << n))
			running |= svc ? x->s->v[isvc(m, n, svc->index)] : SVC_RUNNING;
	if (running == 0)
		running = SVC_RUNNING | SVC_STOPPED;
	mset to = (mset)(((running & SVC_RUNNING) ? STO_MOUNTED : 0) | ((running & SVC_STOPPED) ? STO_OFFLINE : 0));
	for (unsigned k = model_sel_first(m, &x->act->stores); k < m->nstores; k = sel_next(m, &x->act->stores, k)) {
		mset s = model_selected(m, k, &x->act->stores);
		if (s & B_YES)
			remap(x, m->o_store + k, STO_DISMOUNTED, to, weak || s != B_YES);
	}
}

/* ---- groups -------------------------------------------------------------------------- */

/* Does moving group g start what activates hotfix h (`needs restart of service` a service of
 * g, and no restart of the node)? Then the move is that restart, not an HP112. */
static bool move_activates(const struct model *m, const struct ast_hotfix *h, unsigned g)
{
	const struct ast_model_item *svc = h->need_svc;
	return svc != NULL && !(h->need & (1u << NEED_RESTART)) && svc->res != NULL && svc->res->grp != NULL &&
	       svc->res->grp->index == g && g < m->ngroups;
}

void model_do_move(struct apply *x, unsigned g, unsigned t)
{
	const struct model *m = x->m;
	if (g >= m->ngroups)
		return;
	nodeset old = x->s->owner[g];
	nodeset tb = (nodeset)1 << t;

	mset mem = x->s->v[m->o_mem + t];
	if (mem != MEM_MEMBER)
		model_report(x, HP113, (int)t, -1, (int)g, !(mem & MEM_MEMBER));
	for (const struct ast_hotfix *h = m->plan->hotfixes; h != NULL; h = h->next) {
		mset hv = h->index < m->nhf ? x->s->v[m->o_hf + t * m->nhf + h->index] : 0;
		if ((hv & HF_PENDING) && !move_activates(m, h, g)) {
			model_report(x, HP112, (int)t, -1, (int)g, hv == HF_PENDING);
			break;
		}
	}
	if (old == tb)
		return;
	bool weak_old = popcount64(old & ~tb) > 1 || (old & tb);
	for (unsigned j = m->grp_res[g]; j < m->grp_res[g + 1]; j++) {
		const struct ast_model_item *res = m->res[m->res_of_grp[j]];
		if (res->svc == NULL)
			continue;
		for (unsigned n = 0; n < m->nnodes; n++) {
			if (n == t || !(old & ((nodeset)1 << n)))
				continue;
			model_check_clean_stop(x, n, res->svc);
			model_svc_stop(x, n, res->svc, weak_old, false);
		}
	}
	model_set_owner(m, x->s, g, tb, x->act);
	for (unsigned j = m->grp_res[g]; j < m->grp_res[g + 1]; j++) {
		const struct ast_model_item *res = m->res[m->res_of_grp[j]];
		if (res->svc != NULL && res->svc->kind == M_SERVICE)
			model_svc_start(x, t, res->svc, false);
	}
}
