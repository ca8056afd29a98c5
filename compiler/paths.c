/* paths.c: the checker's paths, a shared base and each path's differences (paths.h). */
#include "paths.h"

#include <stdlib.h>
#include <string.h>

/* ---- the degradations of w, by key ------------------------------------------------------ */

static void degr_set(struct paths *P, unsigned key, bool on)
{
	uint64_t bit = (uint64_t)1 << (key % 64);
	uint64_t *w = &P->degr[key / 64];
	if (((*w & bit) != 0) == on)
		return;
	*w ^= bit;
	P->ndegr = on ? P->ndegr + 1 : P->ndegr - 1;
	unsigned i = key / 64;
	if (*w != 0)
		P->degr_sum[i / 64] |= (uint64_t)1 << (i % 64);
	else
		P->degr_sum[i / 64] &= ~((uint64_t)1 << (i % 64));
}

static void degr_key(void *ud, unsigned key)
{
	struct paths *P = ud;
	degr_set(P, key, model_degr_at(P->m, P->w, key, NULL));
}

/* Place `place` of w changed: the degradations it decides follow. */
static void degr_place(struct paths *P, uint32_t place)
{
	if (model_degr_place(P->m, place))
		model_degr_keys(P->m, place, degr_key, P);
}

/* The degradations follow every change noted in the log. */
static void degr_sync(struct paths *P)
{
	for (; P->synced < P->log.n; P->synced++)
		degr_place(P, P->log.v[P->synced].place);
}

unsigned paths_count_degradations(struct paths *P, struct path *p)
{
	bool differs = false;   /* in a place that decides a degradation */
	for (unsigned i = 0; i < p->nd && !differs; i++)
		differs = model_degr_place(P->m, p->d[i].place);
	if (!differs)
		return P->ndegr;
	paths_enter(P, p);
	unsigned n = P->ndegr;
	paths_leave(P);
	return n;
}

unsigned paths_degradations(struct paths *P, struct model_degr *first)
{
	degr_sync(P);
	if (P->ndegr == 0 || first == NULL)
		return P->ndegr;
	unsigned nsum = (P->nkeys + 4095) / 4096;
	for (unsigned s = 0; s < nsum; s++) {
		if (P->degr_sum[s] == 0)
			continue;
		unsigned i = s * 64 + (unsigned)__builtin_ctzll(P->degr_sum[s]);
		unsigned key = i * 64 + (unsigned)__builtin_ctzll(P->degr[i]);
		model_degr_at(P->m, P->w, key, first);
		break;
	}
	return P->ndegr;
}

/* ---- places ------------------------------------------------------------------------------ */

static unsigned nplaces(const struct model *m)
{
	return m->nv + m->ngroups;
}

/* Does change c hold what w holds at its place (value and cause)? */
static bool same_as_w(const struct paths *P, const struct model_change *c)
{
	if (c->place < P->m->nv)
		return c->val == P->w->v[c->place] && c->cause == P->w->cause[c->place];
	return c->val == P->w->owner[c->place - P->m->nv] && c->cause == P->w->cause[c->place];
}

/* The value (not the cause) w holds at place. */
static nodeset w_value(const struct paths *P, uint32_t place)
{
	return place < P->m->nv ? P->w->v[place] : P->w->owner[place - P->m->nv];
}

/* Exchange what c holds with what w holds at its place. */
static void swap_place(struct paths *P, struct model_change *c)
{
	struct model_state *w = P->w;
	if (c->place < P->m->nv) {
		mset v = w->v[c->place];
		const struct ast_action *cause = w->cause[c->place];
		w->v[c->place] = (mset)c->val;
		w->cause[c->place] = c->cause;
		c->val = v;
		c->cause = cause;
	} else {
		unsigned g = c->place - P->m->nv;
		nodeset o = w->owner[g];
		const struct ast_action *cause = w->cause[c->place];
		w->owner[g] = c->val;
		w->cause[c->place] = c->cause;
		c->val = o;
		c->cause = cause;
	}
	degr_place(P, c->place);
}

/* w takes c's value and cause at its place. */
static void put_place(struct paths *P, const struct model_change *c)
{
	if (c->place < P->m->nv) {
		P->w->v[c->place] = (mset)c->val;
		P->w->cause[c->place] = c->cause;
	} else {
		P->w->owner[c->place - P->m->nv] = c->val;
		P->w->cause[c->place] = c->cause;
	}
	degr_place(P, c->place);
}

static uint32_t next_stamp(struct paths *P)
{
	if (++P->stamp == 0) {
		memset(P->mark, 0, nplaces(P->m) * sizeof(*P->mark));
		P->stamp = 1;
	}
	return P->stamp;
}

/* ---- lists of changes ---------------------------------------------------------------------- */

static struct model_change *changes_alloc(struct paths *P, unsigned n, size_t *size)
{
	return arena_pool_get(&P->pool, (n ? n : 1) * sizeof(struct model_change), size);
}

static int by_place(const void *a, const void *b)
{
	uint32_t x = ((const struct model_change *)a)->place, y = ((const struct model_change *)b)->place;
	return (x > y) - (x < y);
}

/* Sort changes by place: by insertion when there are few (a step's changes usually are). */
static void sort_changes(struct model_change *c, unsigned n)
{
	if (n > 16) {
		qsort(c, n, sizeof(*c), by_place);
		return;
	}
	for (unsigned i = 1; i < n; i++) {
		struct model_change x = c[i];
		unsigned j = i;
		for (; j > 0 && c[j - 1].place > x.place; j--)
			c[j] = c[j - 1];
		c[j] = x;
	}
}

/* Where p holds place, or -1. */
static long find_place(const struct path *p, uint32_t place)
{
	size_t lo = 0, hi = p->nd;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (p->d[mid].place < place)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < p->nd && p->d[lo].place == place ? (long)lo : -1;
}

/* ---- entering and leaving a path ----------------------------------------------------------- */

/* The base's place c->place held c (value and cause) before a change inside an `if`'s branch. */
static void journal_note(struct paths *P, const struct model_change *c)
{
	struct model_log *j = &P->journal;
	if (j->n == j->cap) {
		unsigned cap = j->cap ? j->cap * 2 : 64;
		j->v = arena_realloc(P->a, j->v, j->cap * sizeof(*j->v), cap * sizeof(*j->v));
		j->cap = cap;
	}
	j->v[j->n++] = *c;
}

void paths_enter(struct paths *P, struct path *p)
{
	for (unsigned i = 0; i < p->nd; i++)
		swap_place(P, &p->d[i]);
	P->log.n = P->synced = 0;
	P->w->log = &P->log;
	P->in = p;
	/* the only path, the same as the base: what changes in it is the base's change */
	P->direct = P->cur.n == 1 && p == &P->cur.v[0] && p->nd == 0;
}

/* Room in P->fresh for one change after the n it holds. */
static void fresh_grow(struct paths *P, unsigned n)
{
	if ((n + 1) * sizeof(*P->fresh) <= P->fresh_size)
		return;
	size_t size;
	struct model_change *f = changes_alloc(P, 2 * (n + 1), &size);
	if (n > 0)
		memcpy(f, P->fresh, n * sizeof(*f));
	arena_pool_put(&P->pool, P->fresh, P->fresh_size);
	P->fresh = f;
	P->fresh_size = size;
}

/* The places the log changed that p did not hold, with the base's value (their first note). */
static unsigned fresh_places(struct paths *P, const struct path *p)
{
	uint32_t stamp = next_stamp(P);
	for (unsigned i = 0; i < p->nd; i++)
		P->mark[p->d[i].place] = stamp;
	unsigned n = 0;
	for (unsigned i = 0; i < P->log.n; i++) {
		const struct model_change *c = &P->log.v[i];
		if (P->mark[c->place] == stamp)
			continue;
		P->mark[c->place] = stamp;
		fresh_grow(P, n);
		P->fresh[n++] = *c;
	}
	return n;
}

/* p's list and the fresh places, merged by place into a new list; what equals the base goes. */
static void merge_fresh(struct paths *P, struct path *p, unsigned nfresh)
{
	size_t size;
	struct model_change *out = changes_alloc(P, p->nd + nfresh, &size);
	unsigned n = 0, i = 0, j = 0;
	while (i < p->nd || j < nfresh) {
		const struct model_change *c;
		if (j == nfresh || (i < p->nd && p->d[i].place < P->fresh[j].place))
			c = &p->d[i++];
		else
			c = &P->fresh[j++];
		if (!same_as_w(P, c))
			out[n++] = *c;
	}
	arena_pool_put(&P->pool, p->d, p->size);
	p->d = out;
	p->nd = n;
	p->size = size;
}

/* The log's changes stay in the base, as paths_fold would put them there (journaled). */
static void leave_direct(struct paths *P)
{
	degr_sync(P);
	for (unsigned i = 0; i < P->log.n && P->depth > 0; i++)
		journal_note(P, &P->log.v[i]);
	P->log.n = P->synced = 0;
}

void paths_leave(struct paths *P)
{
	struct path *p = P->in;
	P->w->log = NULL;
	P->in = NULL;
	if (P->direct) {
		leave_direct(P);
		return;
	}
	if (P->log.n == 0) {   /* nothing changed */
		for (unsigned i = 0; i < p->nd; i++)
			swap_place(P, &p->d[i]);
		return;
	}
	P->dirty = true;
	unsigned nfresh = fresh_places(P, p);
	for (unsigned i = 0; i < p->nd; i++)
		swap_place(P, &p->d[i]);
	for (unsigned j = 0; j < nfresh; j++)
		swap_place(P, &P->fresh[j]);
	sort_changes(P->fresh, nfresh);
	merge_fresh(P, p, nfresh);
}

unsigned paths_log_mark(const struct paths *P)
{
	return P->log.n;
}

void paths_undo(struct paths *P, unsigned mark)
{
	while (P->log.n > mark) {
		const struct model_change *c = &P->log.v[--P->log.n];
		put_place(P, c);
	}
	if (P->synced > mark)
		P->synced = mark;
}

/* ---- paths ---------------------------------------------------------------------------------- */

struct path paths_clone_entered(struct paths *P)
{
	struct path q = *P->in;
	q.d = changes_alloc(P, q.nd, &q.size);
	for (unsigned i = 0; i < q.nd; i++) {   /* w holds the path's values, its list the base's */
		uint32_t place = P->in->d[i].place;
		q.d[i] = (struct model_change){ place, w_value(P, place), P->w->cause[place] };
	}
	return q;
}

void paths_drop(struct paths *P, struct path *p)
{
	arena_pool_put(&P->pool, p->d, p->size);
	p->d = NULL;
	p->nd = 0;
	p->size = 0;
}

void paths_push(struct paths *P, struct pathv *v, struct path p)
{
	if ((v->n + 1) * sizeof(*v->v) > v->size) {
		size_t size;
		struct path *nv = arena_pool_get(&P->pool, (size_t)2 * (v->n + 1) * sizeof(*nv), &size);
		if (v->n > 0)
			memcpy(nv, v->v, v->n * sizeof(*nv));
		arena_pool_put(&P->pool, v->v, v->size);
		v->v = nv;
		v->size = size;
	}
	v->v[v->n++] = p;
}

void paths_vfree(struct paths *P, struct pathv *v)
{
	arena_pool_put(&P->pool, v->v, v->size);
	memset(v, 0, sizeof(*v));
}

void paths_init(struct paths *P, struct arena *a, const struct model *m, struct model_state *start)
{
	memset(P, 0, sizeof(*P));
	P->a = a;
	P->m = m;
	P->w = start;
	P->pool.a = a;
	P->log.a = a;
	P->mark = arena_alloc(a, (nplaces(m) + 1) * sizeof(*P->mark));
	P->nkeys = model_degr_nkeys(m);
	unsigned nwords = (P->nkeys + 63) / 64;
	P->degr = arena_alloc(a, (nwords + 1) * sizeof(*P->degr));
	P->degr_sum = arena_alloc(a, (nwords / 64 + 1) * sizeof(*P->degr_sum));
	for (unsigned k = 0; k < P->nkeys; k++)
		degr_key(P, k);
	paths_push(P, &P->cur, (struct path){ NULL, 0, 0, NULL });
}

/* ---- merging ---------------------------------------------------------------------------------- */

/* The same checkpoint, passed under the same bindings? */
static bool same_ckpt(const struct path *a, const struct path *b)
{
	if (a->ckpt == b->ckpt)
		return true;
	if (a->ckpt == NULL || b->ckpt == NULL || a->ckpt->ckpt != b->ckpt->ckpt || a->ckpt->nbound != b->ckpt->nbound)
		return false;
	for (unsigned i = 0; i < a->ckpt->nbound; i++)
		if (a->ckpt->bound[i].index != b->ckpt->bound[i].index || a->ckpt->bound[i].nodes != b->ckpt->bound[i].nodes)
			return false;
	return true;
}

static uint64_t mix(uint64_t h, uint64_t x)
{
	h = (h ^ x) * 0x9E3779B97F4A7C15ull;
	return h ^ (h >> 29);
}

/* A hash of what same_ckpt compares. */
static uint64_t ckpt_hash(const struct path *p)
{
	if (p->ckpt == NULL)
		return 0;
	uint64_t h = mix(1, (uint64_t)(uintptr_t)p->ckpt->ckpt);
	for (unsigned i = 0; i < p->ckpt->nbound; i++)
		h = mix(mix(h, p->ckpt->bound[i].index), p->ckpt->bound[i].nodes);
	return h;
}

/* A hash of what same_state compares: the values that differ from the base's. */
static uint64_t state_hash(const struct paths *P, const struct path *p)
{
	uint64_t h = ckpt_hash(p);
	for (unsigned i = 0; i < p->nd; i++)
		if (p->d[i].val != w_value(P, p->d[i].place))
			h = mix(mix(h, p->d[i].place), p->d[i].val);
	return h;
}

/* Do two paths hold the same values (causes aside, as model_state_equal)? */
static bool same_state(const struct paths *P, const struct path *a, const struct path *b)
{
	unsigned i = 0, j = 0;
	while (i < a->nd || j < b->nd) {
		if (j == b->nd || (i < a->nd && a->d[i].place < b->d[j].place)) {
			if (a->d[i].val != w_value(P, a->d[i].place))
				return false;
			i++;
		} else if (i == a->nd || b->d[j].place < a->d[i].place) {
			if (b->d[j].val != w_value(P, b->d[j].place))
				return false;
			j++;
		} else {
			if (a->d[i].val != b->d[j].val)
				return false;
			i++, j++;
		}
	}
	return true;
}

/* dst := dst ∪ src, as model_state_join: every value may take either's, a cause missing in
 * dst is src's. src is dropped. */
static void join(struct paths *P, struct path *dst, struct path *src)
{
	size_t size;
	struct model_change *out = changes_alloc(P, dst->nd + src->nd, &size);
	unsigned n = 0, i = 0, j = 0;
	while (i < dst->nd || j < src->nd) {
		struct model_change d, s;
		uint32_t place = j == src->nd || (i < dst->nd && dst->d[i].place <= src->d[j].place) ? dst->d[i].place
												      : src->d[j].place;
		struct model_change base = { place, w_value(P, place), P->w->cause[place] };
		d = i < dst->nd && dst->d[i].place == place ? dst->d[i++] : base;
		s = j < src->nd && src->d[j].place == place ? src->d[j++] : base;
		struct model_change c = { place, d.val | s.val, d.cause != NULL ? d.cause : s.cause };
		if (!same_as_w(P, &c))
			out[n++] = c;
	}
	arena_pool_put(&P->pool, dst->d, dst->size);
	dst->d = out;
	dst->nd = n;
	dst->size = size;
	paths_drop(P, src);
}

/* The hash table of paths_merge: room for n entries at most half full, all empty. */
static unsigned *table_clear(struct paths *P, unsigned n, size_t *mask)
{
	size_t cap = 16;
	while (cap < 2 * (size_t)n)
		cap *= 2;
	if (cap * sizeof(*P->table) > P->table_size) {
		arena_pool_put(&P->pool, P->table, P->table_size);
		P->table = arena_pool_get(&P->pool, cap * sizeof(*P->table), &P->table_size);
	}
	memset(P->table, 0, cap * sizeof(*P->table));   /* 0: empty, else 1 + the path's index */
	*mask = cap - 1;
	return P->table;
}

/* Drop the paths equal to an earlier one (the first stays). */
static void drop_duplicates(struct paths *P)
{
	struct pathv *v = &P->cur;
	size_t mask;
	unsigned *t = table_clear(P, v->n, &mask);
	size_t hsize;
	uint64_t *hash = arena_pool_get(&P->pool, (v->n + 1) * sizeof(*hash), &hsize);
	unsigned out = 0;
	for (unsigned i = 0; i < v->n; i++) {
		uint64_t h = state_hash(P, &v->v[i]);
		size_t s = (size_t)h & mask;
		bool dup = false;
		for (; t[s] != 0 && !dup; s = (s + 1) & mask) {
			unsigned j = t[s] - 1;
			dup = hash[j] == h && same_ckpt(&v->v[j], &v->v[i]) && same_state(P, &v->v[j], &v->v[i]);
		}
		if (dup) {
			paths_drop(P, &v->v[i]);
			continue;
		}
		hash[out] = h;
		v->v[out] = v->v[i];
		t[s] = ++out;
	}
	P->dirty |= out < v->n;
	v->n = out;
	arena_pool_put(&P->pool, hash, hsize);
}

/* Join every path into the first that shares its checkpoint. */
static void join_by_checkpoint(struct paths *P)
{
	struct pathv *v = &P->cur;
	size_t mask;
	unsigned *t = table_clear(P, v->n, &mask);
	unsigned out = 0;
	for (unsigned i = 0; i < v->n; i++) {
		size_t s = (size_t)ckpt_hash(&v->v[i]) & mask;
		for (; t[s] != 0 && !same_ckpt(&v->v[t[s] - 1], &v->v[i]); s = (s + 1) & mask)
			;
		if (t[s] != 0) {
			join(P, &v->v[t[s] - 1], &v->v[i]);
			P->dirty = true;
			continue;
		}
		v->v[out] = v->v[i];
		t[s] = ++out;
	}
	v->n = out;
}

void paths_merge(struct paths *P, unsigned max)
{
	drop_duplicates(P);
	if (P->cur.n > max)
		join_by_checkpoint(P);
	paths_fold(P);
}

/* ---- folding ---------------------------------------------------------------------------------- */

/* The base takes c's value at its place; inside an `if`'s branch, what it held is journaled. */
static void set_base(struct paths *P, const struct model_change *c)
{
	if (P->depth > 0)
		journal_note(P, &(struct model_change){ c->place, w_value(P, c->place),
							 P->w->cause[c->place] });
	put_place(P, c);
}

/* ---- an `if`'s branches ---------------------------------------------------------------------- */

unsigned paths_if_start(struct paths *P)
{
	P->depth++;
	return P->journal.n;
}

/* The places the base changed at since journal mark `mark`, each once, by place: with the
 * value the base held at the mark (first) or holds now (!first). Into P->fresh; how many. */
static unsigned journal_places(struct paths *P, unsigned mark, bool first)
{
	uint32_t stamp = next_stamp(P);
	unsigned n = 0;
	for (unsigned i = mark; i < P->journal.n; i++) {
		struct model_change c = P->journal.v[i];
		if (P->mark[c.place] == stamp)
			continue;
		P->mark[c.place] = stamp;
		if (!first) {
			c.val = w_value(P, c.place);
			c.cause = P->w->cause[c.place];
		}
		fresh_grow(P, n);
		P->fresh[n++] = c;
	}
	sort_changes(P->fresh, n);
	return n;
}

/* Every path of v holds, where it held nothing, what the first n of P->fresh say; then what
 * equals the base goes. */
static void rebase(struct paths *P, struct pathv *v, unsigned n)
{
	for (unsigned k = 0; k < v->n && n > 0; k++) {
		struct path *p = &v->v[k];
		size_t size;
		struct model_change *out = changes_alloc(P, p->nd + n, &size);
		unsigned m = 0, i = 0, j = 0;
		while (i < p->nd || j < n) {
			const struct model_change *c;
			if (j == n || (i < p->nd && p->d[i].place < P->fresh[j].place)) {
				c = &p->d[i++];
			} else if (i == p->nd || P->fresh[j].place < p->d[i].place) {
				c = &P->fresh[j++];
			} else {
				c = &p->d[i++];   /* the path's own */
				j++;
			}
			if (!same_as_w(P, c))
				out[m++] = *c;
		}
		arena_pool_put(&P->pool, p->d, p->size);
		p->d = out;
		p->nd = m;
		p->size = size;
	}
}

void paths_if_else(struct paths *P, unsigned mark, struct pathv *after_then)
{
	unsigned n = journal_places(P, mark, false);
	while (P->journal.n > mark)   /* the base as it was at the `if` */
		put_place(P, &P->journal.v[--P->journal.n]);
	rebase(P, after_then, n);
}

void paths_if_end(struct paths *P, unsigned mark, struct pathv *after_then)
{
	unsigned n = journal_places(P, mark, true);
	rebase(P, after_then, n);
	if (--P->depth == 0)
		P->journal.n = 0;
	P->dirty |= n > 0;
}

/* Does every path hold c (value and cause)? */
static bool held_by_all(const struct paths *P, const struct model_change *c)
{
	for (unsigned j = 1; j < P->cur.n; j++) {
		const struct path *q = &P->cur.v[j];
		long k = find_place(q, c->place);
		if (k < 0 || q->d[k].val != c->val || q->d[k].cause != c->cause)
			return false;
	}
	return true;
}

void paths_fold(struct paths *P)
{
	struct pathv *v = &P->cur;
	if (!P->dirty || v->n == 0 || v->v[0].nd == 0)
		return;
	P->dirty = false;
	uint32_t stamp = next_stamp(P);
	unsigned nfold = 0;
	const struct path *p0 = &v->v[0];
	for (unsigned i = 0; i < p0->nd; i++)
		if (held_by_all(P, &p0->d[i])) {
			P->mark[p0->d[i].place] = stamp;
			set_base(P, &p0->d[i]);
			nfold++;
		}
	if (nfold == 0)
		return;
	for (unsigned j = 0; j < v->n; j++) {
		struct path *q = &v->v[j];
		unsigned n = 0;
		for (unsigned i = 0; i < q->nd; i++)
			if (P->mark[q->d[i].place] != stamp)
				q->d[n++] = q->d[i];
		q->nd = n;
	}
}
