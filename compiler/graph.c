/* graph.c: Graphviz DOT rendering of one procedure (graph.h).
 *
 * Works from the AST as the parser leaves it (names, kinds, `on`): none of the resolved
 * fields are read, so a plan can be drawn before, or without, the checker. Everything
 * allocated here lives in a local arena freed before returning.
 *
 * The procedure is flattened into an array of `struct gstmt` in pre-order, then:
 *   1. lanes: each step and checkpoint gets the lane of its role (its `on`, else the one
 *      role its actions name, else the cluster-wide lane; standalone: one "server" lane);
 *      an `if` or `for each` belongs to a lane when everything inside it does;
 *   2. rollback: for each step, the set of checkpoints that can be the most recent one
 *      passed on some path to it (CP_NONE: a path that passed none). A statement list
 *      maps an incoming set S to G ∪ (T ? S : ∅) (G: checkpoints that can be the last one
 *      passed through it; T: some path through it passes none), so a loop body's summary
 *      is computed once bottom-up and every statement is visited once top-down;
 *   3. output: a legend, the node declarations, lane by lane (a loop is a cluster: inside
 *      its lane when it fits in one, else holding lane clusters of its own), then the
 *      order-of-execution edges (a failover's bold orange, saying what moves where), then
 *      the rollback edges: the steps in the plan's order are cut into runs that share
 *      their rollback set, and each run gets one dashed red edge per checkpoint, from its
 *      last step, labelled at the checkpoint with the range it covers (each step's own
 *      set stays in its tooltip). One edge per run rather than per step keeps a long
 *      stretch after a checkpoint from fanning out into a tangle across the lanes.
 * The output depends only on the AST: the same plan gives the same bytes. */
#include "graph.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define CP_NONE (-1)          /* in a rollback set: no checkpoint passed yet */
#define LANE_UNSET (-1)       /* an empty `if`/`for each`: nothing inside */
#define LANE_MIXED (-2)       /* content spans several lanes */
#define SUMMARY_MAX 72        /* code points per summarised action or condition */
#define COND_MAX_DEPTH 24     /* deeper conditions are summarised as "..." */

/* Colours (Graphviz accepts #rrggbb everywhere). */
#define COL_ROLLBACK "#e03131"
#define COL_FAILOVER "#d9480f"
#define FILL_FAILOVER "#ffe8cc"
#define COL_CHECKPOINT "#2b8a3e"
#define FILL_CHECKPOINT "#d3f9d8"
#define FILL_NO_ROLLBACK "#fff3bf"
#define COL_NO_ROLLBACK "#e67700"
#define COL_LOOP "#5f3dc4"

struct iset {                 /* a sorted set of checkpoint ordinals (CP_NONE first) */
	int *v;
	size_t n, cap;
};

struct gstmt {
	const struct ast_stmt *st;
	int next, body, else_body;   /* indices into the flat array; -1 when none */
	int cp;                      /* checkpoint ordinal, or -1 */
	int lane;                    /* lane index, LANE_UNSET or LANE_MIXED */
	const char *id;              /* node id: plain characters, never needs escaping */
	bool failover;               /* a step that moves a group */
	struct iset loop_g;          /* S_FOREACH: the body's G */
	struct iset rb;              /* S_STEP: checkpoints it would roll back to */
};

struct lane {
	const char *role;            /* NULL: the cluster-wide lane, or standalone's "server" */
	const char *key;             /* in cluster ids: plain characters */
	int cls, pos;                /* order: declared roles, other roles, cluster-wide */
	size_t kfirst, kend;         /* its keys, while lanes are assigned */
};

struct graph {
	struct arena a;
	FILE *out;
	const struct ast_procedure *proc;
	struct gstmt *g;
	size_t n, cap;
	int *cps;                    /* checkpoint ordinal -> index in g */
	int ncp;
	struct lane *lanes;
	int nlanes;
};

/* ---- small helpers ---------------------------------------------------------------- */

struct sbuf {
	struct arena *a;
	char *s;
	size_t n, cap;
};

static void sb_putn(struct sbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->n + n + 1)
			cap *= 2;
		b->s = arena_realloc(b->a, b->s, b->n, cap);
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s)
{
	sb_putn(b, s, strlen(s));
}

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		sb_putn(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static const char *sb_str(struct sbuf *b)
{
	return b->s ? b->s : "";
}

static bool is_plain_ident(const char *s)
{
	if (s == NULL || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* Code points that print nothing or reorder text: controls, and the invisible and
 * bidirectional formatting characters (a label must show what the plan says). */
static bool invisible(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0xad || (c >= 0x200b && c <= 0x200f) ||
	       (c >= 0x2028 && c <= 0x202e) || (c >= 0x2060 && c <= 0x2069) || c == 0xfeff;
}

/* Write `s` as the inside of a DOT double-quoted escString (a label or tooltip): quotes
 * and backslashes escaped, `&` kept literal (Graphviz reads entities in labels), a
 * newline as a line break when `newlines`, every other invisible character and every
 * byte that is not valid UTF-8 shown as a visible \xNN or \uNNNN. */
static void dot_escape(FILE *out, const char *s, bool newlines)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	while (n > 0) {
		uint32_t c;
		size_t len = util_utf8_decode(p, n, &c);
		if (len == 0) {
			fprintf(out, "\\\\x%02x", p[0]);
			p++, n--;
			continue;
		}
		if (c == '"')
			fputs("\\\"", out);
		else if (c == '\\')
			fputs("\\\\", out);
		else if (c == '&')
			fputs("&amp;", out);
		else if (c == '\n')
			fputs(newlines ? "\\n" : "\\\\n", out);
		else if (c == '\t')
			fputs(newlines ? " " : "\\\\t", out);
		else if (invisible(c) && c < 0x100)
			fprintf(out, "\\\\x%02" PRIx32, c);
		else if (invisible(c))
			fprintf(out, "\\\\u%04" PRIx32, c);
		else
			fwrite(p, 1, len, out);
		p += len, n -= len;
	}
}

static void put_q(FILE *out, const char *s)
{
	fputc('"', out);
	dot_escape(out, s, true);
	fputc('"', out);
}

static void indent(FILE *out, int depth)
{
	for (int i = 0; i < depth; i++)
		fputc('\t', out);
}

/* ---- summaries of actions and conditions (source syntax, one line) ---------------- */

static void sb_string_lit(struct sbuf *b, const char *s)
{
	sb_puts(b, "\"");
	for (; s && *s; s++) {
		if (*s == '"')
			sb_puts(b, "\\\"");
		else if (*s == '\\')
			sb_puts(b, "\\\\");
		else if (*s == '\n')
			sb_puts(b, "\\n");
		else if (*s == '\t')
			sb_puts(b, "\\t");
		else
			sb_putn(b, s, 1);
	}
	sb_puts(b, "\"");
}

static void sb_name(struct sbuf *b, const struct ast_name *n)
{
	sb_puts(b, n->s ? n->s : "?");
}

static void sb_on(struct sbuf *b, const struct ast_name *on)
{
	if (on->s) {
		sb_puts(b, " on ");
		sb_puts(b, on->s);
	}
}

static void sb_duration(struct sbuf *b, int64_t secs)
{
	if (secs != 0 && secs % 3600 == 0)
		sb_printf(b, "%" PRId64 "h", secs / 3600);
	else if (secs != 0 && secs % 60 == 0)
		sb_printf(b, "%" PRId64 "m", secs / 60);
	else
		sb_printf(b, "%" PRId64 "s", secs);
}

static void sb_version(struct sbuf *b, const struct ast_version *v)
{
	for (unsigned i = 0; i < v->n && i < 4; i++)
		sb_printf(b, i ? ".%" PRIu32 : "%" PRIu32, v->c[i]);
}

static void sb_literal(struct sbuf *b, const struct ast_literal *l)
{
	if (l == NULL) {
		sb_puts(b, "?");
		return;
	}
	switch (l->kind) {
	case LIT_STRING: sb_string_lit(b, l->str); break;
	case LIT_INT: sb_printf(b, "%" PRId64, l->num); break;
	case LIT_VERSION: sb_version(b, &l->ver); break;
	case LIT_DURATION: sb_duration(b, l->num); break;
	case LIT_BOOL: sb_puts(b, l->num ? "true" : "false"); break;
	}
}

static void sb_stores(struct sbuf *b, const struct ast_stores *st)
{
	switch (st->kind) {
	case ST_ONE: sb_puts(b, "store "); sb_string_lit(b, st->name.s); break;
	case ST_ALL: sb_puts(b, "all stores"); break;
	case ST_IN: sb_puts(b, "stores in "); sb_name(b, &st->name); break;
	case ST_NOT_IN: sb_puts(b, "stores not in "); sb_name(b, &st->name); break;
	}
}

static const char *cmp_str(enum cmp_op op)
{
	static const char *const s[] = { "==", "!=", "<", "<=", ">", ">=" };
	return (unsigned)op < sizeof(s) / sizeof(s[0]) ? s[op] : "?";
}

static int cond_prec(const struct ast_cond *c)
{
	return c->kind == C_OR ? 1 : c->kind == C_AND ? 2 : 3;
}

static void sb_cond(struct sbuf *b, const struct ast_cond *c, int depth);

static void sb_subcond(struct sbuf *b, const struct ast_cond *c, int min_prec, int depth)
{
	bool paren = c != NULL && cond_prec(c) < min_prec;
	if (paren)
		sb_puts(b, "(");
	sb_cond(b, c, depth + 1);
	if (paren)
		sb_puts(b, ")");
}

static void sb_cond(struct sbuf *b, const struct ast_cond *c, int depth)
{
	if (c == NULL) {
		sb_puts(b, "?");
		return;
	}
	if (depth > COND_MAX_DEPTH || b->n > (size_t)4 * SUMMARY_MAX) {
		sb_puts(b, "...");
		return;
	}
	switch (c->kind) {
	case C_OR:
	case C_AND:
		sb_subcond(b, c->lhs, cond_prec(c), depth);
		sb_puts(b, c->kind == C_OR ? " or " : " and ");
		sb_subcond(b, c->rhs, cond_prec(c) + 1, depth);
		break;
	case C_NOT:
		sb_puts(b, "not ");
		sb_subcond(b, c->lhs, 3, depth);
		break;
	case C_SERVICE:
	case C_PROCESS:
		sb_puts(b, c->kind == C_SERVICE ? "service " : "process ");
		sb_string_lit(b, c->name.s);
		sb_puts(b, c->positive ? " running" : " stopped");
		sb_on(b, &c->on);
		break;
	case C_STORES:
		sb_stores(b, &c->stores);
		sb_puts(b, c->positive ? " mounted" : " dismounted");
		break;
	case C_MEMBER:
	case C_DOWN:
		sb_name(b, &c->name);
		sb_puts(b, c->kind == C_MEMBER ? " member" : " down");
		break;
	case C_OWNS_GROUP:
		sb_name(b, &c->name);
		sb_puts(b, " owns group ");
		sb_string_lit(b, c->group.s);
		break;
	case C_OWNS_NO_GROUPS:
		sb_name(b, &c->name);
		sb_puts(b, " owns no groups");
		break;
	case C_INSTALLED:
		sb_puts(b, "hotfix ");
		sb_name(b, &c->name);
		sb_puts(b, " installed");
		sb_on(b, &c->on);
		break;
	case C_FILE_VERSION:
		sb_puts(b, "file ");
		sb_string_lit(b, c->name.s);
		sb_printf(b, " version %s ", cmp_str(c->op));
		sb_literal(b, c->lit);
		sb_on(b, &c->on);
		break;
	case C_FACT_CMP:
		sb_puts(b, "fact ");
		sb_puts(b, c->fact ? c->fact : "?");
		sb_printf(b, " %s ", cmp_str(c->op));
		sb_literal(b, c->lit);
		break;
	case C_FACT_IN:
		sb_puts(b, "fact ");
		sb_puts(b, c->fact ? c->fact : "?");
		sb_puts(b, " in [");
		for (const struct ast_literal *l = c->lit; l; l = l->next) {
			sb_literal(b, l);
			if (l->next)
				sb_puts(b, ", ");
			if (b->n > (size_t)4 * SUMMARY_MAX) {
				sb_puts(b, "...");
				break;
			}
		}
		sb_puts(b, "]");
		break;
	case C_COUNT:
		sb_puts(b, "count(");
		sb_name(b, &c->name);
		sb_printf(b, ") %s ", cmp_str(c->op));
		sb_literal(b, c->lit);
		break;
	case C_PARAM:
		sb_name(b, &c->name);
		break;
	case C_DSTATE:
		sb_name(b, &c->name);
		sb_puts(b, c->op == CMP_NE ? " != " : " == ");
		sb_name(b, &c->value);
		break;
	}
}

static void sb_action(struct sbuf *b, const struct ast_action *a)
{
	switch (a->kind) {
	case A_STOP_SERVICE:
	case A_START_SERVICE:
		sb_puts(b, a->kind == A_STOP_SERVICE ? "stop service " : "start service ");
		sb_string_lit(b, a->arg.s);
		break;
	case A_KILL_PROCESS:
		sb_puts(b, "kill process ");
		sb_string_lit(b, a->arg.s);
		break;
	case A_DISMOUNT:
	case A_MOUNT:
		sb_puts(b, a->kind == A_DISMOUNT ? "dismount " : "mount ");
		sb_stores(b, &a->stores);
		break;
	case A_INSTALL:
		sb_puts(b, "install hotfix ");
		sb_name(b, &a->arg);
		break;
	case A_RESTART_NODE:
		sb_puts(b, "restart node");
		break;
	case A_MOVE_GROUP:
		sb_puts(b, "move group ");
		sb_string_lit(b, a->arg.s);
		sb_puts(b, " to ");
		sb_name(b, &a->to);
		break;
	case A_DISABLE_RESTART:
	case A_ENABLE_RESTART:
		sb_puts(b, a->kind == A_DISABLE_RESTART ? "disable" : "enable");
		sb_puts(b, " restart of resource ");
		sb_string_lit(b, a->arg.s);
		break;
	case A_WAIT_UNTIL:
		sb_puts(b, "wait until ");
		sb_cond(b, a->cond, 0);
		break;
	case A_WAIT:
		sb_puts(b, "wait ");
		sb_duration(b, a->duration);
		break;
	case A_VERIFY:
		sb_puts(b, "verify ");
		sb_cond(b, a->cond, 0);
		break;
	case A_PAUSE:
		sb_puts(b, "pause ");
		sb_string_lit(b, a->arg.s);
		break;
	case A_EXEC:
		sb_puts(b, "exec ");
		sb_string_lit(b, a->arg.s);
		break;
	case A_CALL:
		sb_name(b, &a->arg);
		sb_puts(b, "(…)");
		break;
	}
	sb_on(b, &a->on);
	if ((a->kind == A_WAIT_UNTIL || a->kind == A_EXEC) && a->duration >= 0) {
		sb_puts(b, " timeout ");
		sb_duration(b, a->duration);
	}
}

/* Cut `s` to at most `max` code points, at a character boundary, marking the cut. */
static const char *clip(struct arena *a, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), off = 0, count = 0;

	while (off < n) {
		uint32_t c;
		size_t len = util_utf8_decode(p + off, n - off, &c);
		if (count == max)
			return arena_printf(a, "%.*s...", (int)off, s);
		off += len ? len : 1;
		count++;
	}
	return s;
}

static const char *action_line(struct arena *a, const struct ast_action *act)
{
	struct sbuf b = { .a = a };
	sb_action(&b, act);
	return clip(a, sb_str(&b), SUMMARY_MAX);
}

/* ---- sets of checkpoints -------------------------------------------------------- */

static void iset_add(struct arena *a, struct iset *s, int x)
{
	size_t i = s->n;
	while (i > 0 && s->v[i - 1] > x)
		i--;
	if (i > 0 && s->v[i - 1] == x)
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4;
		s->v = arena_realloc(a, s->v, s->n * sizeof(int), cap * sizeof(int));
		s->cap = cap;
	}
	memmove(s->v + i + 1, s->v + i, (s->n - i) * sizeof(int));
	s->v[i] = x;
	s->n++;
}

/* dst = dst ∪ src, by a merge. */
static void iset_union(struct arena *a, struct iset *dst, const struct iset *src)
{
	if (src->n == 0)
		return;
	size_t n = dst->n + src->n, i = 0, j = 0, k = 0;
	int *v = arena_alloc(a, n * sizeof(int));
	while (i < dst->n || j < src->n) {
		if (j == src->n || (i < dst->n && dst->v[i] < src->v[j]))
			v[k++] = dst->v[i++];
		else if (i == dst->n || src->v[j] < dst->v[i])
			v[k++] = src->v[j++];
		else
			v[k++] = dst->v[i++], j++;
	}
	dst->v = v;
	dst->n = k;
	dst->cap = n;
}

static bool iset_has(const struct iset *s, int x)
{
	for (size_t i = 0; i < s->n && s->v[i] <= x; i++)
		if (s->v[i] == x)
			return true;
	return false;
}

/* ---- flattening ----------------------------------------------------------------- */

static int flatten(struct graph *gr, const struct ast_stmt *st)
{
	int first = -1, prev = -1;

	for (; st; st = st->next) {
		if (gr->n == gr->cap) {
			size_t cap = gr->cap ? gr->cap * 2 : 64;
			gr->g = arena_realloc(&gr->a, gr->g, gr->n * sizeof(*gr->g), cap * sizeof(*gr->g));
			gr->cap = cap;
		}
		int i = (int)gr->n++;
		struct gstmt *g = &gr->g[i];
		memset(g, 0, sizeof(*g));
		g->st = st;
		g->next = g->body = g->else_body = -1;
		g->cp = -1;
		g->lane = LANE_UNSET;
		if (prev >= 0)
			gr->g[prev].next = i;
		else
			first = i;
		prev = i;
		if (st->kind == S_STEP)
			for (const struct ast_action *a = st->actions; a; a = a->next)
				if (a->kind == A_MOVE_GROUP)
					g->failover = true;
		if (st->kind == S_CHECKPOINT)
			g->cp = gr->ncp++;
		if (st->kind == S_IF || st->kind == S_FOREACH) {
			int body = flatten(gr, st->body);
			gr->g[i].body = body;   /* gr->g may have moved */
		}
		if (st->kind == S_IF) {
			int e = flatten(gr, st->else_body);
			gr->g[i].else_body = e;
		}
	}
	return first;
}

/* ---- lanes ------------------------------------------------------------------------ */

/* The role a step or checkpoint runs on: its `on`, else the one role its actions name
 * (NULL when they name none or several: the cluster-wide lane). */
static const char *leaf_role(const struct ast_stmt *st)
{
	const char *role = NULL;

	if (st->on.s)
		return st->on.s;
	for (const struct ast_action *a = st->actions; a; a = a->next) {
		if (a->on.s == NULL)
			continue;
		if (role && strcmp(role, a->on.s) != 0)
			return NULL;
		role = a->on.s;
	}
	return role;
}

struct lane_key {
	const char *name;
	int cls, pos;    /* cls 0: a declared role (pos: its order); 1: a leaf (pos: its index) */
};

static int lane_key_cmp(const void *x, const void *y)
{
	const struct lane_key *a = x, *b = y;
	int c = strcmp(a->name, b->name);
	if (c)
		return c;
	if (a->cls != b->cls)
		return a->cls - b->cls;
	return (a->pos > b->pos) - (a->pos < b->pos);
}

static int lane_cmp(const void *x, const void *y)
{
	const struct lane *a = x, *b = y;
	if (a->cls != b->cls)
		return a->cls - b->cls;
	return (a->pos > b->pos) - (a->pos < b->pos);
}

static int combine_lane(int a, int b)
{
	if (a == LANE_UNSET)
		return b;
	if (b == LANE_UNSET || a == b)
		return a;
	return LANE_MIXED;
}

/* The lane of every statement of the list starting at i; returns their combination. */
static int control_lanes(struct graph *gr, int i)
{
	int all = LANE_UNSET;

	for (; i >= 0; i = gr->g[i].next) {
		struct gstmt *g = &gr->g[i];
		if (g->st->kind == S_IF || g->st->kind == S_FOREACH) {
			int l = control_lanes(gr, g->body);
			if (g->st->kind == S_IF)
				l = combine_lane(l, control_lanes(gr, g->else_body));
			g->lane = l;
		}
		all = combine_lane(all, g->lane);
	}
	return all;
}

static void assign_lanes(struct graph *gr)
{
	struct arena *a = &gr->a;
	size_t nroles = 0, nk = 0;
	bool wide = false;

	if (gr->proc->kind == PROC_STANDALONE) {
		gr->lanes = arena_alloc(a, sizeof(*gr->lanes));
		gr->lanes[0] = (struct lane){ .role = NULL, .key = "server" };
		for (size_t i = 0; i < gr->n; i++)
			if (gr->g[i].st->kind == S_STEP || gr->g[i].st->kind == S_CHECKPOINT) {
				gr->g[i].lane = 0;
				gr->nlanes = 1;
			}
		control_lanes(gr, gr->n ? 0 : -1);
		return;
	}

	for (const struct ast_role *r = gr->proc->roles; r; r = r->next)
		nroles++;
	struct lane_key *keys = arena_alloc(a, (nroles + gr->n + 1) * sizeof(*keys));
	int pos = 0;
	for (const struct ast_role *r = gr->proc->roles; r; r = r->next, pos++)
		if (r->name.s)
			keys[nk++] = (struct lane_key){ r->name.s, 0, pos };
	for (size_t i = 0; i < gr->n; i++) {
		const struct ast_stmt *st = gr->g[i].st;
		if (st->kind != S_STEP && st->kind != S_CHECKPOINT)
			continue;
		const char *role = leaf_role(st);
		if (role)
			keys[nk++] = (struct lane_key){ role, 1, (int)i };
		else
			wide = true;
	}
	qsort(keys, nk, sizeof(*keys), lane_key_cmp);

	gr->lanes = arena_alloc(a, (nk + 1) * sizeof(*gr->lanes));
	for (size_t k = 0; k < nk;) {
		size_t end = k;
		bool used = false;
		while (end < nk && strcmp(keys[end].name, keys[k].name) == 0)
			used |= keys[end++].cls == 1;
		if (used)
			gr->lanes[gr->nlanes++] = (struct lane){
				.role = keys[k].name, .cls = keys[k].cls, .pos = keys[k].pos, .kfirst = k, .kend = end,
			};
		k = end;
	}
	if (wide)
		gr->lanes[gr->nlanes++] = (struct lane){ .role = NULL, .cls = 2 };
	qsort(gr->lanes, (size_t)gr->nlanes, sizeof(*gr->lanes), lane_cmp);

	for (int l = 0; l < gr->nlanes; l++) {
		struct lane *ln = &gr->lanes[l];
		if (ln->role == NULL)
			ln->key = "#cluster-wide";
		else if (is_plain_ident(ln->role))
			ln->key = ln->role;
		else
			ln->key = arena_printf(a, "#lane%d", l);
		for (size_t k = ln->kfirst; k < ln->kend; k++)
			if (keys[k].cls == 1)
				gr->g[keys[k].pos].lane = l;
	}
	for (size_t i = 0; i < gr->n; i++) {
		const struct ast_stmt *st = gr->g[i].st;
		if ((st->kind == S_STEP || st->kind == S_CHECKPOINT) && gr->g[i].lane == LANE_UNSET)
			gr->g[i].lane = gr->nlanes - 1;   /* the cluster-wide lane, last */
	}
	control_lanes(gr, gr->n ? 0 : -1);
}

/* ---- node ids ------------------------------------------------------------------- */

struct id_key {
	const char *name;
	int idx;
};

static int id_key_cmp(const void *x, const void *y)
{
	const struct id_key *a = x, *b = y;
	int c = strcmp(a->name, b->name);
	return c ? c : (a->idx > b->idx) - (a->idx < b->idx);
}

/* Steps and checkpoints are named by their name (the first of a duplicated name; later
 * ones get "#index"); other nodes by kind and index. Ids hold only [A-Za-z0-9_#-]. */
static void assign_ids(struct graph *gr)
{
	struct arena *a = &gr->a;
	struct id_key *keys = arena_alloc(a, (gr->n + 1) * sizeof(*keys));
	size_t nk = 0;

	for (size_t i = 0; i < gr->n; i++) {
		struct gstmt *g = &gr->g[i];
		switch (g->st->kind) {
		case S_STEP:
		case S_CHECKPOINT:
			if (is_plain_ident(g->st->name.s))
				keys[nk++] = (struct id_key){ g->st->name.s, (int)i };
			else
				g->id = arena_printf(a, "#%zu", i);
			break;
		case S_IF: g->id = arena_printf(a, "#if%zu", i); break;
		case S_FOREACH: g->id = arena_printf(a, "#each%zu", i); break;
		}
	}
	qsort(keys, nk, sizeof(*keys), id_key_cmp);
	for (size_t k = 0; k < nk; k++) {
		bool dup = k > 0 && strcmp(keys[k - 1].name, keys[k].name) == 0;
		gr->g[keys[k].idx].id = dup ? arena_printf(a, "%s#%d", keys[k].name, keys[k].idx) : keys[k].name;
	}
}

/* ---- rollback analysis ------------------------------------------------------------ */

/* Bottom-up: the summary (G, T) of the list at i; records each loop body's G. */
static void summarize(struct graph *gr, int i, struct iset *G, bool *T)
{
	struct arena *a = &gr->a;

	*G = (struct iset){ 0 };
	*T = true;
	for (; i >= 0; i = gr->g[i].next) {
		struct gstmt *g = &gr->g[i];
		struct iset g1 = { 0 }, g2 = { 0 };
		bool t1 = true, t2 = true;

		switch (g->st->kind) {
		case S_STEP:
			continue;
		case S_CHECKPOINT:
			*G = (struct iset){ 0 };
			iset_add(a, G, g->cp);
			*T = false;
			continue;
		case S_IF:
			summarize(gr, g->body, &g1, &t1);
			summarize(gr, g->else_body, &g2, &t2);
			iset_union(a, &g1, &g2);
			t1 = t1 || t2;
			break;
		case S_FOREACH:   /* the body runs at least once: its summary is the loop's */
			summarize(gr, g->body, &g1, &t1);
			gr->g[i].loop_g = g1;
			break;
		}
		/* compose: f_stmt ∘ f_prefix */
		if (t1)
			iset_union(a, &g1, G);
		*G = g1;
		*T = *T && t1;
	}
}

/* Top-down: record each step's rollback set; *S is the set on entry, and on exit. */
static void propagate(struct graph *gr, int i, struct iset *S)
{
	struct arena *a = &gr->a;

	for (; i >= 0; i = gr->g[i].next) {
		struct gstmt *g = &gr->g[i];
		struct iset s1, s2;

		switch (g->st->kind) {
		case S_STEP:
			iset_union(a, &g->rb, S);
			break;
		case S_CHECKPOINT:
			*S = (struct iset){ 0 };
			iset_add(a, S, g->cp);
			break;
		case S_IF:
			s1 = *S;
			s2 = *S;
			propagate(gr, g->body, &s1);
			propagate(gr, gr->g[i].else_body, &s2);
			iset_union(a, &s1, &s2);
			*S = s1;
			break;
		case S_FOREACH:
			/* later iterations start from what the previous one ends with */
			iset_union(a, S, &g->loop_g);
			propagate(gr, g->body, S);
			break;
		}
	}
}

/* ---- output: nodes ---------------------------------------------------------------- */

static void write_step(struct graph *gr, const struct gstmt *g, int depth)
{
	FILE *out = gr->out;
	const struct ast_stmt *st = g->st;
	bool none = iset_has(&g->rb, CP_NONE);
	bool some = g->rb.n > (none ? 1u : 0u);

	indent(out, depth);
	fprintf(out, "\"%s\" [label=\"", g->id);
	dot_escape(out, st->name.s ? st->name.s : "?", true);
	if (st->title) {
		fputs("\\n", out);
		dot_escape(out, st->title, true);
	}
	if (g->failover) {
		for (const struct ast_action *a = st->actions; a; a = a->next)
			if (a->kind == A_MOVE_GROUP) {
				fputs("\\n", out);
				dot_escape(out, action_line(&gr->a, a), true);
			}
	}
	fputs("\", tooltip=\"", out);
	if (!some)
		dot_escape(out, "no rollback point: a failure here ends the run with exit 4 and the target as the failure left it", true);
	else {
		fputs("rolls back to ", out);
		bool first = true;
		for (size_t k = 0; k < g->rb.n; k++) {
			if (g->rb.v[k] == CP_NONE)
				continue;
			const struct ast_stmt *cp = gr->g[gr->cps[g->rb.v[k]]].st;
			fputs(first ? "" : " or ", out);
			dot_escape(out, cp->name.s ? cp->name.s : "?", true);
			first = false;
		}
		if (none)
			fputs(", or on some paths no rollback point (exit 4)", out);
	}
	for (const struct ast_action *a = st->actions; a; a = a->next) {
		fputs("\\n", out);
		dot_escape(out, action_line(&gr->a, a), true);
	}
	fputc('"', out);
	if (g->failover)
		fputs(", penwidth=3, color=\"" COL_FAILOVER "\", fillcolor=\"" FILL_FAILOVER "\", fontcolor=\"" COL_FAILOVER "\"", out);
	else if (none)
		fputs(", color=\"" COL_NO_ROLLBACK "\", fillcolor=\"" FILL_NO_ROLLBACK "\"", out);
	if (none)
		fputs(", peripheries=2", out);
	fputs("];\n", out);
}

static void write_checkpoint(struct graph *gr, const struct gstmt *g, int depth)
{
	FILE *out = gr->out;
	const struct ast_stmt *st = g->st;

	indent(out, depth);
	fprintf(out, "\"%s\" [shape=box, style=\"filled,bold\", peripheries=2, color=\"" COL_CHECKPOINT "\", "
	             "fillcolor=\"" FILL_CHECKPOINT "\", label=\"checkpoint ", g->id);
	dot_escape(out, st->name.s ? st->name.s : "?", true);
	fputs("\\nrollback:\\l", out);
	if (st->actions == NULL)
		fputs("(nothing to undo)\\l", out);
	for (const struct ast_action *a = st->actions; a; a = a->next) {
		fputs("  ", out);
		dot_escape(out, action_line(&gr->a, a), true);
		fputs("\\l", out);
	}
	fputs("\", tooltip=\"rollback point: if a later step fails, these actions run\"];\n", out);
}

static void write_if(struct graph *gr, const struct gstmt *g, int depth)
{
	FILE *out = gr->out;
	struct sbuf b = { .a = &gr->a };

	sb_puts(&b, "if ");
	sb_cond(&b, g->st->cond, 0);
	indent(out, depth);
	fprintf(out, "\"%s\" [shape=diamond, style=filled, fillcolor=\"#e7f5ff\", label=\"", g->id);
	dot_escape(out, clip(&gr->a, sb_str(&b), SUMMARY_MAX), true);
	fputs("\"];\n", out);
	indent(out, depth);
	fprintf(out, "\"%s#join\" [shape=point, width=0.12, label=\"\"];\n", g->id);
}

static const char *foreach_text(struct graph *gr, const struct ast_stmt *st)
{
	struct sbuf b = { .a = &gr->a };
	sb_puts(&b, "for each ");
	sb_name(&b, &st->name);
	sb_puts(&b, " in ");
	sb_name(&b, &st->set);
	sb_printf(&b, " (serial %" PRId64 ")", st->serial > 0 ? st->serial : 1);
	return sb_str(&b);
}

static void write_foreach_head(struct graph *gr, const struct gstmt *g, int depth)
{
	indent(gr->out, depth);
	fprintf(gr->out, "\"%s\" [shape=hexagon, style=filled, fillcolor=\"#f3f0ff\", color=\"" COL_LOOP "\", label=\"each ", g->id);
	dot_escape(gr->out, g->st->name.s ? g->st->name.s : "?", true);
	fputs("\", tooltip=", gr->out);
	put_q(gr->out, foreach_text(gr, g->st));
	fputs("];\n", gr->out);
}

/* A loop whose body spans several lanes is a region of its own: a cluster holding its
 * own lane clusters. The procedure is the outermost region. */
struct ritem {
	int lane, idx;
};

struct region {
	struct ritem *items;   /* what goes into a lane cluster of this region */
	size_t nitems, capitems;
	struct { int idx; bool whole; } *ctl; /* control statements that belong to no lane */
	size_t nctl, capctl;
};

static void region_item(struct graph *gr, struct region *r, int lane, int idx)
{
	if (r->nitems == r->capitems) {
		size_t cap = r->capitems ? r->capitems * 2 : 16;
		r->items = arena_realloc(&gr->a, r->items, r->nitems * sizeof(*r->items), cap * sizeof(*r->items));
		r->capitems = cap;
	}
	r->items[r->nitems++] = (struct ritem){ lane, idx };
}

static void region_ctl(struct graph *gr, struct region *r, int idx, bool whole)
{
	if (r->nctl == r->capctl) {
		size_t cap = r->capctl ? r->capctl * 2 : 8;
		r->ctl = arena_realloc(&gr->a, r->ctl, r->nctl * sizeof(*r->ctl), cap * sizeof(*r->ctl));
		r->capctl = cap;
	}
	r->ctl[r->nctl].idx = idx;
	r->ctl[r->nctl++].whole = whole;
}

/* Sort the statements of the list at i into the region: by lane, or onto the region
 * itself (an `if` spanning lanes: its diamond, its branches sorted in turn; a loop
 * spanning lanes: a region of its own; an empty `if` or loop: whole). */
static void region_collect(struct graph *gr, struct region *r, int i)
{
	for (; i >= 0; i = gr->g[i].next) {
		const struct gstmt *g = &gr->g[i];
		if (g->lane >= 0) {
			region_item(gr, r, g->lane, i);
		} else if (g->lane != LANE_UNSET && g->st->kind == S_IF) {
			region_ctl(gr, r, i, false);
			region_collect(gr, r, g->body);
			region_collect(gr, r, g->else_body);
		} else {
			region_ctl(gr, r, i, true);
		}
	}
}

static int region_item_cmp(const void *x, const void *y)
{
	const struct ritem *a = x, *b = y;
	if (a->lane != b->lane)
		return (a->lane > b->lane) - (a->lane < b->lane);
	return (a->idx > b->idx) - (a->idx < b->idx);
}

static void write_region(struct graph *gr, int i, const char *prefix, int depth);

/* Declare statement i and everything in it (all of one lane, or none). */
static void write_whole(struct graph *gr, int i, int depth)
{
	const struct gstmt *g = &gr->g[i];
	FILE *out = gr->out;

	switch (g->st->kind) {
	case S_STEP:
		write_step(gr, g, depth);
		break;
	case S_CHECKPOINT:
		write_checkpoint(gr, g, depth);
		break;
	case S_IF:
		write_if(gr, g, depth);
		for (int k = g->body; k >= 0; k = gr->g[k].next)
			write_whole(gr, k, depth);
		for (int k = g->else_body; k >= 0; k = gr->g[k].next)
			write_whole(gr, k, depth);
		break;
	case S_FOREACH:
		indent(out, depth);
		fprintf(out, "subgraph \"cluster_%s\" {\n", g->id);
		indent(out, depth + 1);
		fputs("label=", out);
		put_q(out, foreach_text(gr, g->st));
		fputs("; style=\"dashed,rounded\"; color=\"" COL_LOOP "\"; fontcolor=\"" COL_LOOP "\"; penwidth=1.5; fontsize=12;\n", out);
		write_foreach_head(gr, g, depth + 1);
		if (g->lane == LANE_MIXED)
			write_region(gr, g->body, g->id, depth + 1);
		else
			for (int k = g->body; k >= 0; k = gr->g[k].next)
				write_whole(gr, k, depth + 1);
		indent(out, depth);
		fputs("}\n", out);
		break;
	}
}

/* Declare the nodes of the list at i as one region: a cluster per lane, then what
 * belongs to no lane. `prefix`: NULL for the procedure, else the loop's id. */
static void write_region(struct graph *gr, int i, const char *prefix, int depth)
{
	struct region r = { 0 };
	FILE *out = gr->out;

	region_collect(gr, &r, i);
	if (r.nitems > 1)
		qsort(r.items, r.nitems, sizeof(*r.items), region_item_cmp);
	for (size_t k = 0; k < r.nitems;) {
		const struct lane *ln = &gr->lanes[r.items[k].lane];
		indent(out, depth);
		fprintf(out, "subgraph \"cluster_%s%s%s\" {\n", prefix ? prefix : "", prefix ? "-" : "", ln->key);
		indent(out, depth + 1);
		fputs("label=", out);
		if (gr->proc->kind == PROC_STANDALONE)
			put_q(out, "server");
		else if (ln->role == NULL)
			put_q(out, "cluster-wide");
		else {
			fputs("\"on ", out);
			dot_escape(out, ln->role, true);
			fputc('"', out);
		}
		fputs("; style=\"rounded,filled\"; fillcolor=\"#f1f3f5\"; color=\"#adb5bd\"; fontcolor=black; fontsize=13;\n", out);
		size_t end = k;
		while (end < r.nitems && r.items[end].lane == r.items[k].lane)
			write_whole(gr, r.items[end++].idx, depth + 1);
		indent(out, depth);
		fputs("}\n", out);
		k = end;
	}
	for (size_t k = 0; k < r.nctl; k++) {
		if (r.ctl[k].whole)
			write_whole(gr, r.ctl[k].idx, depth);
		else
			write_if(gr, &gr->g[r.ctl[k].idx], depth);
	}
}

/* ---- output: edges -------------------------------------------------------------- */

enum pend_kind { P_PLAIN, P_FAILOVER, P_TRUE, P_FALSE, P_DONE };

struct pend {
	const char *from;
	enum pend_kind kind;
	const struct ast_stmt *st;   /* P_FAILOVER: the step that moves the groups */
};

struct pendv {
	struct pend *v;
	size_t n, cap;
};

static void pend_add(struct graph *gr, struct pendv *p, const char *from, enum pend_kind kind, const struct ast_stmt *st)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 4;
		p->v = arena_realloc(&gr->a, p->v, p->n * sizeof(*p->v), cap * sizeof(*p->v));
		p->cap = cap;
	}
	p->v[p->n++] = (struct pend){ from, kind, st };
}

/* A group's name in a list of them: as it is, or quoted as in the source when it would
 * read ambiguously (empty, a comma, a quote, a control character). */
static void sb_group(struct sbuf *b, const char *s)
{
	bool plain = s != NULL && *s != '\0';
	for (const char *p = s; plain && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == ',' || *p == '"')
			plain = false;
	if (plain)
		sb_puts(b, s);
	else
		sb_string_lit(b, s ? s : "");
}

/* What a failover step moves where, one line per destination in the order the plan
 * names them: "Exchange, Cluster Group → passive". */
static const char *moves_text(struct graph *gr, const struct ast_stmt *st)
{
	struct sbuf b = { .a = &gr->a };

	for (const struct ast_action *a = st->actions; a; a = a->next) {
		if (a->kind != A_MOVE_GROUP)
			continue;
		const char *to = a->to.s ? a->to.s : "?";
		bool seen = false;   /* this destination already has its line */
		for (const struct ast_action *e = st->actions; e != a; e = e->next)
			if (e->kind == A_MOVE_GROUP && strcmp(e->to.s ? e->to.s : "?", to) == 0)
				seen = true;
		if (seen)
			continue;
		struct sbuf line = { .a = &gr->a };
		for (const struct ast_action *e = a; e; e = e->next)
			if (e->kind == A_MOVE_GROUP && strcmp(e->to.s ? e->to.s : "?", to) == 0) {
				if (line.n)
					sb_puts(&line, ", ");
				sb_group(&line, e->arg.s);
			}
		sb_puts(&line, " \xe2\x86\x92 ");   /* U+2192 → */
		sb_puts(&line, to);
		if (b.n)
			sb_puts(&b, "\n");
		sb_puts(&b, clip(&gr->a, sb_str(&line), SUMMARY_MAX));
	}
	return sb_str(&b);
}

/* One order-of-execution edge: a failover's is bold orange and says what it moved
 * where. `loop`: the back edge of a `for each` (its text). */
static void edge(struct graph *gr, const struct pend *from, const char *to, const char *loop)
{
	static const char *const text[] = {
		[P_PLAIN] = NULL, [P_FAILOVER] = NULL, [P_TRUE] = "true", [P_FALSE] = "false", [P_DONE] = "done",
	};
	FILE *out = gr->out;
	const char *label = from->kind == P_FAILOVER ? moves_text(gr, from->st) : text[from->kind];

	fprintf(out, "\t\"%s\" -> \"%s\"", from->from, to);
	if (label == NULL && loop == NULL) {
		fputs(";\n", out);
		return;
	}
	fputs(" [label=\"", out);
	if (label)
		dot_escape(out, label, true);
	if (loop) {
		fputs(label ? "\\n" : "", out);
		dot_escape(out, loop, true);
	}
	fputc('"', out);
	if (from->kind == P_FAILOVER) {
		fputs(", penwidth=3, color=\"" COL_FAILOVER "\", fontcolor=\"" COL_FAILOVER "\", fontsize=12, tooltip=\"", out);
		dot_escape(out, from->st->name.s ? from->st->name.s : "?", true);
		fputc(':', out);
		for (const struct ast_action *a = from->st->actions; a; a = a->next)
			if (a->kind == A_MOVE_GROUP) {
				fputs("\\n", out);
				dot_escape(out, action_line(&gr->a, a), true);
			}
		fputc('"', out);
	} else if (loop) {
		fputs(", color=\"" COL_LOOP "\", fontcolor=\"" COL_LOOP "\"", out);
	}
	fputs("];\n", out);
}

/* Connect every pending exit to `to`, and clear them. */
static void flush(struct graph *gr, struct pendv *p, const char *to)
{
	for (size_t k = 0; k < p->n; k++)
		edge(gr, &p->v[k], to, NULL);
	p->n = 0;
}

/* Order-of-execution edges of the list at i, entered from the exits in *p; leaves the
 * list's own exits in *p. */
static void write_flow(struct graph *gr, int i, struct pendv *p)
{
	for (; i >= 0; i = gr->g[i].next) {
		const struct gstmt *g = &gr->g[i];
		struct pendv q = { 0 };

		flush(gr, p, g->id);
		switch (g->st->kind) {
		case S_STEP:
		case S_CHECKPOINT:
			pend_add(gr, p, g->id, g->failover ? P_FAILOVER : P_PLAIN, g->st);
			break;
		case S_IF: {
			const char *join = arena_printf(&gr->a, "%s#join", g->id);
			pend_add(gr, &q, g->id, P_TRUE, NULL);
			write_flow(gr, g->body, &q);
			flush(gr, &q, join);
			pend_add(gr, &q, g->id, P_FALSE, NULL);
			write_flow(gr, g->else_body, &q);
			flush(gr, &q, join);
			pend_add(gr, p, join, P_PLAIN, NULL);
			break;
		}
		case S_FOREACH: {
			pend_add(gr, &q, g->id, P_PLAIN, NULL);
			write_flow(gr, g->body, &q);
			const char *next = arena_printf(&gr->a, "next %s", g->st->name.s ? g->st->name.s : "?");
			for (size_t k = 0; k < q.n; k++)
				if (strcmp(q.v[k].from, g->id) != 0)   /* an empty body has no loop edge */
					edge(gr, &q.v[k], g->id, next);
			pend_add(gr, p, g->id, P_DONE, NULL);
			break;
		}
		}
	}
}

/* ---- output: rollback edges ------------------------------------------------------- */

static bool iset_eq(const struct iset *x, const struct iset *y)
{
	return x->n == y->n && (x->n == 0 || memcmp(x->v, y->v, x->n * sizeof(int)) == 0);
}

static const char *stmt_name(const struct gstmt *g)
{
	return g->st->name.s ? g->st->name.s : "?";
}

/* A run: consecutive steps in the plan's order, with no checkpoint between them and the
 * same checkpoints to roll back to (those of every step in it). */
struct run {
	int first, last;   /* indices into the flat array */
	int nsteps;
};

/* One rollback edge: from run `run`'s last step to checkpoint ordinal `cp`; `next`: the
 * next edge into the same checkpoint, or -1. */
struct rbedge {
	int run, cp, next;
};

/* "X fails" or "a step from\nA to B fails", then "(on some paths)" when the run can roll
 * back elsewhere, or nowhere, too. */
static void write_run_text(struct graph *gr, const struct run *r)
{
	FILE *out = gr->out;

	if (r->nsteps == 1) {
		dot_escape(out, stmt_name(&gr->g[r->last]), true);
	} else {
		fputs("a step from\\n", out);
		dot_escape(out, stmt_name(&gr->g[r->first]), true);
		fputs(" to ", out);
		dot_escape(out, stmt_name(&gr->g[r->last]), true);
	}
	fputs(" fails", out);
	if (gr->g[r->last].rb.n > 1)
		fputs(" (on some paths)", out);
}

/* Edge e; when `labelled` (the first edge into its checkpoint), with the label of every
 * edge into that checkpoint: labels of edges that meet there would overlap. */
static void write_rbedge(struct graph *gr, const struct run *runs, const struct rbedge *es, int e, bool labelled)
{
	FILE *out = gr->out;
	const struct run *r = &runs[es[e].run];
	const struct gstmt *cp = &gr->g[gr->cps[es[e].cp]];

	fprintf(out, "\t\"%s\" -> \"%s\" [style=dashed, color=\"" COL_ROLLBACK "\", fontcolor=\"" COL_ROLLBACK "\", "
	             "penwidth=2, constraint=false, tailport=e, headport=e",
	        gr->g[r->last].id, cp->id);
	if (labelled) {
		fputs(", headlabel=\"rollback if ", out);
		for (int k = e; k >= 0; k = es[k].next) {
			if (k != e)
				fputs(",\\nor if ", out);
			write_run_text(gr, &runs[es[k].run]);
		}
		fputc('"', out);
	}
	fputs(", tooltip=\"if ", out);
	int seen = 0;
	for (int i = r->first; i <= r->last; i++) {
		if (gr->g[i].st->kind != S_STEP)
			continue;
		seen++;
		fputs(seen == 1 ? "" : seen == r->nsteps ? " or " : ", ", out);
		dot_escape(out, stmt_name(&gr->g[i]), true);
	}
	fputs(" fails, roll back to ", out);
	dot_escape(out, stmt_name(cp), true);
	if (gr->g[r->last].rb.n > 1)
		fputs(" when it was the last checkpoint passed", out);
	fputs("\"];\n", out);
}

/* The rollback edges: the steps in the plan's order cut into runs, and for each run one
 * edge per checkpoint it can roll back to, from its last step, along the east side of
 * both. A step before any checkpoint has none (its node says so). */
static void write_rollback(struct graph *gr)
{
	struct arena *a = &gr->a;
	struct run *runs = arena_alloc(a, (gr->n + 1) * sizeof(*runs));
	size_t nruns = 0, ne = 0;
	bool open = false;   /* runs[nruns - 1] may still grow */

	for (size_t i = 0; i < gr->n; i++) {
		const struct gstmt *g = &gr->g[i];
		if (g->st->kind == S_CHECKPOINT) {
			open = false;
		} else if (g->st->kind == S_STEP) {
			struct run *r = open ? &runs[nruns - 1] : NULL;
			if (r != NULL && iset_eq(&gr->g[r->first].rb, &g->rb)) {
				r->last = (int)i;
				r->nsteps++;
			} else {
				runs[nruns++] = (struct run){ (int)i, (int)i, 1 };
				open = true;
			}
		}
	}

	for (size_t k = 0; k < nruns; k++)
		ne += gr->g[runs[k].last].rb.n;
	struct rbedge *es = arena_alloc(a, (ne + 1) * sizeof(*es));
	int *first = arena_alloc(a, ((size_t)gr->ncp + 1) * sizeof(int));   /* per checkpoint */
	int *last = arena_alloc(a, ((size_t)gr->ncp + 1) * sizeof(int));
	for (int c = 0; c < gr->ncp; c++)
		first[c] = last[c] = -1;
	ne = 0;
	for (size_t k = 0; k < nruns; k++) {
		const struct iset *rb = &gr->g[runs[k].last].rb;
		for (size_t j = 0; j < rb->n; j++) {
			int c = rb->v[j];
			if (c == CP_NONE)
				continue;
			es[ne] = (struct rbedge){ (int)k, c, -1 };
			if (last[c] >= 0)
				es[last[c]].next = (int)ne;
			else
				first[c] = (int)ne;
			last[c] = (int)ne++;
		}
	}
	for (size_t e = 0; e < ne; e++)
		write_rbedge(gr, runs, es, (int)e, first[es[e].cp] == (int)e);
}

/* Does some step roll back to a checkpoint (on some path)? */
static bool any_rollback(const struct graph *gr)
{
	for (size_t i = 0; i < gr->n; i++) {
		const struct iset *rb = &gr->g[i].rb;
		if (gr->g[i].st->kind == S_STEP && rb->n > (iset_has(rb, CP_NONE) ? 1u : 0u))
			return true;
	}
	return false;
}

/* ---- entry -------------------------------------------------------------------------- */

/* The legend: an HTML-like table (fixed text only, nothing from the plan), one row per
 * kind of mark the picture holds, each with a sample in its colour. */
static void write_legend(struct graph *gr)
{
	FILE *out = gr->out;
	bool failover = false, none = false;

	for (size_t i = 0; i < gr->n; i++) {
		failover |= gr->g[i].failover;
		none |= gr->g[i].st->kind == S_STEP && iset_has(&gr->g[i].rb, CP_NONE);
	}
	fprintf(out, "\t\"#legend\" [shape=plain, fontsize=10, tooltip=\"legend\", label=<"
	             "<TABLE BORDER=\"1\" CELLBORDER=\"0\" CELLSPACING=\"2\" CELLPADDING=\"2\" "
	             "BGCOLOR=\"#f8f9fa\" COLOR=\"#adb5bd\" STYLE=\"rounded\">\n"
	             "\t\t<TR><TD COLSPAN=\"2\" ALIGN=\"LEFT\"><B>procedure %s</B></TD></TR>\n",
	        gr->proc->kind == PROC_STANDALONE ? "standalone" : "cluster");
	fputs("\t\t<TR><TD ALIGN=\"LEFT\">&#9472;&#9472;&#9472;&#9654;</TD><TD ALIGN=\"LEFT\">order of execution</TD></TR>\n", out);
	if (failover)
		fputs("\t\t<TR><TD ALIGN=\"LEFT\"><FONT COLOR=\"" COL_FAILOVER "\"><B>&#9473;&#9473;&#9473;&#9654;</B></FONT></TD>"
		      "<TD ALIGN=\"LEFT\"><FONT COLOR=\"" COL_FAILOVER "\"><B>failover</B>: the groups moved &#8594; the node they move to</FONT></TD></TR>\n", out);
	if (any_rollback(gr))
		fputs("\t\t<TR><TD ALIGN=\"LEFT\" VALIGN=\"TOP\"><FONT COLOR=\"" COL_ROLLBACK "\"><B>- - -&#9654;</B></FONT></TD>"
		      "<TD ALIGN=\"LEFT\"><FONT COLOR=\"" COL_ROLLBACK "\"><B>rollback</B>: if a step in the range named at the arrow fails,"
		      "<BR ALIGN=\"LEFT\"/>the run rolls back to the checkpoint it points to<BR ALIGN=\"LEFT\"/></FONT></TD></TR>\n", out);
	if (gr->ncp > 0)
		fputs("\t\t<TR><TD BGCOLOR=\"" FILL_CHECKPOINT "\" BORDER=\"2\" WIDTH=\"28\" HEIGHT=\"12\" FIXEDSIZE=\"TRUE\" COLOR=\"" COL_CHECKPOINT "\"></TD>"
		      "<TD ALIGN=\"LEFT\">checkpoint, with the actions a rollback to it runs</TD></TR>\n", out);
	if (none)
		fputs("\t\t<TR><TD BGCOLOR=\"" FILL_NO_ROLLBACK "\" BORDER=\"1\" WIDTH=\"28\" HEIGHT=\"12\" FIXEDSIZE=\"TRUE\" COLOR=\"" COL_NO_ROLLBACK "\"></TD>"
		      "<TD ALIGN=\"LEFT\">no rollback point (on some path): a failure there ends the run</TD></TR>\n", out);
	fputs("\t\t</TABLE>>];\n", out);
}

static void write_graph(struct graph *gr, const struct ast_plan *plan)
{
	FILE *out = gr->out;
	bool standalone = gr->proc->kind == PROC_STANDALONE;

	fputs("digraph ", out);
	put_q(out, plan->name.s ? plan->name.s : "plan");
	fputs(" {\n\tgraph [label=", out);
	put_q(out, plan->title ? plan->title : plan->name.s ? plan->name.s : "plan");
	fputs(", labelloc=t, fontsize=18, fontname=\"Helvetica\", rankdir=TB, nodesep=0.35, ranksep=0.3, "
	      "newrank=true];\n", out);
	fputs("\tnode [shape=box, style=\"rounded,filled\", fillcolor=white, fontname=\"Helvetica\", fontsize=11];\n", out);
	fputs("\tedge [fontname=\"Helvetica\", fontsize=10];\n", out);
	fprintf(out, "\t\"#start\" [shape=circle, style=filled, fillcolor=black, fontcolor=white, fontsize=9, "
	             "label=\"start\", tooltip=\"procedure %s\"];\n", standalone ? "standalone" : "cluster");
	fputs("\t\"#end\" [shape=doublecircle, style=filled, fillcolor=black, fontcolor=white, fontsize=9, "
	      "label=\"end\"];\n", out);
	write_legend(gr);

	write_region(gr, gr->n ? 0 : -1, NULL, 1);

	struct pendv p = { 0 };
	pend_add(gr, &p, "#start", P_PLAIN, NULL);
	write_flow(gr, gr->n ? 0 : -1, &p);
	flush(gr, &p, "#end");
	write_rollback(gr);
	fputs("}\n", out);
}

int graph_write_dot(struct hp_ctx *ctx, const struct ast_plan *plan, enum proc_kind kind, FILE *out)
{
	struct graph gr = { .out = out };
	const struct ast_procedure *proc = NULL;

	(void)ctx;
	for (const struct ast_procedure *p = plan->procs; p && proc == NULL; p = p->next)
		if (p->kind == kind)
			proc = p;
	if (proc == NULL)
		return -1;
	gr.proc = proc;

	flatten(&gr, proc->body);
	gr.cps = arena_alloc(&gr.a, ((size_t)gr.ncp + 1) * sizeof(int));
	for (size_t i = 0; i < gr.n; i++)
		if (gr.g[i].cp >= 0)
			gr.cps[gr.g[i].cp] = (int)i;
	assign_lanes(&gr);
	assign_ids(&gr);

	struct iset G, S = { 0 };
	bool T;
	summarize(&gr, gr.n ? 0 : -1, &G, &T);
	iset_add(&gr.a, &S, CP_NONE);
	propagate(&gr, gr.n ? 0 : -1, &S);

	write_graph(&gr, plan);
	arena_free(&gr.a);
	return 0;
}
