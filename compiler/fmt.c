/* fmt.c: the canonical layout of .hplan files (docs/fmt.md has the rules).
 *
 * A small tokenizer mirrors grammar/lexer.l's token shapes and keeps comments and the
 * number of line ends before each token. The layout walks the tokens once with a stack of
 * blocks: each `{` opens a block whose kind (plan, model, procedure body, step…) comes
 * from the keyword that started the item owning it, and the kind says which keywords
 * start an item there (`stop` in a step, but not `restart` in `disable restart of …`, nor
 * any keyword in a fact path); both come from the keyword table (grammar/include/keywords.h). An
 * item starts a line; a line break the author put inside an item is kept as a continuation
 * line, indented one level more; no other line break is added or removed. Then `=` of roles
 * and profile entries and runs of end-of-line comments are aligned, and the lines are
 * printed. fmt_verify.c proves the result. */
#include "fmt.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fmt_tok.h"
#include "keywords.h"

#define INDENT 4
#define MAX_BLOCKS (HP_MAX_DEPTH + 8)

_Static_assert(KW_NUM <= 127, "struct lay keeps a token's keyword in a signed char");

static void oom(void)
{
	fputs("hotplan: out of memory\n", stderr);
	abort();
}

/* ---- tokens ---- */

static bool word_start(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool word_char(unsigned char c)
{
	return word_start(c) || (c >= '0' && c <= '9');
}

static void push_tok(struct fmt_toks *T, struct fmt_tok t)
{
	if (T->n == T->cap) {
		size_t cap = T->cap ? T->cap * 2 : 256;
		struct fmt_tok *v = realloc(T->v, cap * sizeof(*v));
		if (v == NULL)
			oom();
		T->v = v;
		T->cap = cap;
	}
	T->v[T->n++] = t;
}

int fmt_tokenize(const char *s, size_t len, struct fmt_toks *T)
{
	size_t i = 0;
	uint32_t nl = 0;

	memset(T, 0, sizeof(*T));
	if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		i = 3;   /* a leading byte order mark: dropped */
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '\t') {
			i++;
			continue;
		}
		if (c == '\n' || (c == '\r' && i + 1 < len && s[i + 1] == '\n')) {
			nl += c == '\n';
			i++;
			continue;
		}
		struct fmt_tok t = { .off = (uint32_t)i, .nl = nl };
		size_t j = i + 1;
		nl = 0;
		if (c == '#') {
			while (j < len && s[j] != '\n')
				j++;
			size_t e = j;   /* trailing white space (and the CR of a CRLF) is not the comment's */
			while (e > i + 1 && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r'))
				e--;
			t.kind = TK_COMMENT;
			t.n = (uint32_t)(e - i);
		} else if (c == '"') {
			while (j < len && s[j] != '"' && s[j] != '\n') {
				if (s[j] == '\\' && j + 1 < len && s[j + 1] != '\n')
					j++;
				j++;
			}
			if (j >= len || s[j] != '"')
				goto bad;
			j++;
			t.kind = TK_STR;
		} else if (word_start(c)) {
			while (j < len && word_char((unsigned char)s[j]))
				j++;
			/* a library's hyphenated name (lexer.l): `exchange-2003` */
			while (c >= 'a' && c <= 'z' && j + 1 < len && s[j] == '-' &&
			       ((s[j + 1] >= 'a' && s[j + 1] <= 'z') || (s[j + 1] >= '0' && s[j + 1] <= '9')))
				for (j++; j < len && ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= '0' && s[j] <= '9')); j++)
					;
			t.kind = TK_WORD;
		} else if (c >= '0' && c <= '9') {
			while (j < len && (word_char((unsigned char)s[j]) || s[j] == '.'))
				j++;
			t.kind = TK_NUM;
		} else if (strchr("=!<>", c) != NULL && j < len && s[j] == '=') {
			j++;
			t.kind = TK_PUNCT;
		} else if (c != '\0' && c != '!' && strchr("{}()[],.:=<>|", c) != NULL) {
			t.kind = TK_PUNCT;
		} else {
			goto bad;
		}
		if (t.kind != TK_COMMENT)
			t.n = (uint32_t)(j - i);
		push_tok(T, t);
		i = j;
	}
	T->nl_end = nl;
	return 0;
bad:
	free(T->v);
	memset(T, 0, sizeof(*T));
	return -1;
}

/* ---- layout ---- */

struct frame {
	enum kw_block kind;   /* KB_NONE: a block this formatter does not know */
	long head;            /* token that started the current item; -1 before the first */
	unsigned nitem;       /* tokens of the current item so far */
	size_t item_line;     /* the line the current item starts on */
	bool eq_seen;         /* the current item's `=` was met */
	int group;            /* alignment group of its items' `=` */
};

struct line {
	int indent;           /* columns; -1: an own-line comment waiting for the next line's */
	bool blank;           /* a blank line before it */
	bool opens;           /* its code ends with `{` */
	size_t code, ncode;   /* its code: lay.code[code, code + ncode) */
	long comment;         /* token index of its comment, or -1 */
	int group;            /* `=` alignment group, or -1 */
	size_t eq;            /* where its key ends in its code (before the space and `=`) */
};

struct lay {
	const char *s;
	const struct fmt_tok *t;
	size_t nt;
	signed char *kw;      /* per token: the keyword it spells (enum kw_id), or -1 */
	bool *path;           /* per token: a word of a fact path (not a keyword there) */
	struct line *L;
	size_t nl, capl;
	char *code;
	size_t ncode, capc;
	struct frame st[MAX_BLOCKS];
	int top;              /* index of the innermost block */
	bool open;            /* the last line takes more code (no comment ended it) */
	long prev;            /* the previous token that is not a comment, or -1 */
	bool comment_since;   /* a comment between prev and the current token */
	size_t pending;       /* first own-line comment line whose indent waits; nl when none */
	int ngroups;
};

static bool is(const struct lay *y, long i, const char *w)
{
	size_t n = strlen(w);
	return i >= 0 && (size_t)i < y->nt && y->t[i].kind != TK_COMMENT && y->t[i].kind != TK_STR &&
	       y->t[i].n == n && memcmp(y->s + y->t[i].off, w, n) == 0;
}

/* Does token i spell keyword k (wherever it is)? */
static bool is_kw(const struct lay *y, long i, enum kw_id k)
{
	return i >= 0 && (size_t)i < y->nt && y->kw[i] == (int)k;
}

/* Is token i a keyword (a word outside fact paths) that starts an item in a block of kind b? */
static bool item_kw(const struct lay *y, long i, enum kw_block b)
{
	return i >= 0 && (size_t)i < y->nt && y->kw[i] >= 0 && !y->path[i] &&
	       kw_starts_item((enum kw_id)y->kw[i], b);
}

/* The k-th token after i that is not a comment, or -1. */
static long next_code(const struct lay *y, long i, int k)
{
	for (size_t j = (size_t)i + 1; j < y->nt; j++)
		if (y->t[j].kind != TK_COMMENT && --k == 0)
			return (long)j;
	return -1;
}

/* Does token i start an item of block f? (`else` after `}`, `{` and `}` are decided apart.) */
static bool item_start(const struct lay *y, const struct frame *f, long i)
{
	if (f->head < 0 || is(y, y->prev, "}"))
		return true;
	switch (f->kind) {
	case KB_NONE:          /* a block this formatter does not know: the author's lines */
		return y->t[i].nl > 0 || y->comment_since;
	case KB_PROFILE:       /* KEY… [=] "COMMAND": an entry ends with its string */
		return y->t[y->prev].kind == TK_STR;
	case KB_ROLES:         /* NAME = … */
		return y->t[i].kind == TK_WORD && is(y, next_code(y, i, 1), "=");
	case KB_PLAN:          /* not `require hotfix H installed` */
		if (y->t[i].kind == TK_WORD && y->kw[i] < 0 && y->t[i].nl > 0)
			return true;   /* a declaration (`state`, `action`, `rule`): the author's lines */
		if (is_kw(y, i, KW_HOTFIX) && !y->path[i])
			return is(y, next_code(y, i, 2), "{");
		break;
	case KB_HOTFIX:        /* `needs …` (docs/language.md) */
		if (is(y, i, "needs"))
			return true;
		break;
	case KB_MODEL:         /* not the `service` and `group` of `resource R service S group G` */
		if (is_kw(y, f->head, KW_RESOURCE) && ((f->nitem == 2 && is_kw(y, i, KW_SERVICE)) ||
						       (f->nitem == 4 && is_kw(y, i, KW_GROUP))))
			return false;
		break;
	case KB_ACTIONS:       /* not the `restart` of `disable restart of resource R` */
		if (y->t[i].kind == TK_WORD && y->kw[i] < 0 && is(y, next_code(y, i, 1), "(") &&
		    !(is_kw(y, y->prev, KW_UNTIL) || is_kw(y, y->prev, KW_VERIFY) || is_kw(y, y->prev, KW_NOT) ||
		      is_kw(y, y->prev, KW_AND) || is_kw(y, y->prev, KW_OR) || is(y, y->prev, "(")))
			return true;   /* a declared action: NAME(ARGS); in a condition, a state: NAME(ARGS) == V */
		if (f->nitem == 1 && (is_kw(y, f->head, KW_DISABLE) || is_kw(y, f->head, KW_ENABLE)))
			return false;
		break;
	default:
		break;
	}
	return item_kw(y, i, f->kind);
}

/* The kind of block the `{` of block f's current item opens: the one its keyword opens. */
static enum kw_block child_kind(const struct lay *y, const struct frame *f)
{
	long h = f->head;

	if (h < 0 || y->kw[h] < 0 || !kw_starts_item((enum kw_id)y->kw[h], f->kind))
		return KB_NONE;
	return (enum kw_block)kw_table[y->kw[h]].opens;
}

static size_t new_line(struct lay *y, int indent, bool blank, long comment)
{
	if (y->nl == y->capl) {
		size_t cap = y->capl ? y->capl * 2 : 128;
		struct line *v = realloc(y->L, cap * sizeof(*v));
		if (v == NULL)
			oom();
		y->L = v;
		y->capl = cap;
	}
	struct line *l = &y->L[y->nl];
	memset(l, 0, sizeof(*l));
	l->indent = indent;
	/* runs of blank lines are one; none at the start, none after a line that opens a block */
	l->blank = blank && y->nl > 0 && !y->L[y->nl - 1].opens;
	l->code = y->ncode;
	l->comment = comment;
	l->group = -1;
	return y->nl++;
}

static void put(struct lay *y, const char *p, size_t n)
{
	if (y->ncode + n > y->capc) {
		size_t cap = y->capc ? y->capc : 4096;
		while (cap < y->ncode + n)
			cap *= 2;
		char *c = realloc(y->code, cap);
		if (c == NULL)
			oom();
		y->code = c;
		y->capc = cap;
	}
	memcpy(y->code + y->ncode, p, n);
	y->ncode += n;
	y->L[y->nl - 1].ncode += n;
}

/* Own-line comments waiting for the next line take its indent (or `inner`: the block a
 * `}` closes holds the comments before it). */
static void settle_comments(struct lay *y, int indent)
{
	for (size_t k = y->pending; k < y->nl; k++)
		if (y->L[k].indent < 0)
			y->L[k].indent = indent;
	y->pending = y->nl;
}

static void comment(struct lay *y, long i)
{
	if (y->t[i].nl == 0 && y->open) {
		y->L[y->nl - 1].comment = i;      /* an end-of-line comment stays on its line */
	} else {
		size_t k = new_line(y, -1, y->t[i].nl >= 2, i);
		if (y->pending == SIZE_MAX || y->pending > k)
			y->pending = k;
	}
	y->open = false;
	y->comment_since = true;
}

static bool space_between(const struct lay *y, long p, long i)
{
	if (is(y, i, ",") || is(y, i, ")") || is(y, i, "]") || is(y, i, "."))
		return false;
	if (is(y, p, "(") || is(y, p, "[") || is(y, p, "."))
		return false;
	if (is(y, i, "(") && is_kw(y, p, KW_COUNT) && !y->path[p])
		return false;   /* count(affected) */
	if (is(y, i, "(") && p >= 0 && y->t[p].kind == TK_WORD && y->kw[p] < 0)
		return false;   /* resource_move("web", passive), standby(n) */
	return !(is(y, p, "{") && is(y, i, "}"));
}

static void code_token(struct lay *y, long i)
{
	const struct fmt_tok *t = &y->t[i];
	struct frame *f = &y->st[y->top];
	int depth = y->top * INDENT;
	bool brk, cont = false;

	y->path[i] = t->kind == TK_WORD && f->kind != KB_PROFILE && y->prev >= 0 &&
		     ((is_kw(y, y->prev, KW_FACT) && !y->path[y->prev]) || is(y, y->prev, "."));
	if (is(y, i, "}")) {
		int inner = depth;
		if (y->top > 0)
			y->top--;
		depth = y->top * INDENT;
		brk = !(is(y, y->prev, "{") && !y->comment_since);   /* `{}` stays */
		if (brk)
			settle_comments(y, inner);
	} else if ((is_kw(y, i, KW_ELSE) && is(y, y->prev, "}")) || is(y, i, "{")) {
		brk = y->comment_since;                                /* `} else {`, `… {` */
		cont = is(y, i, "{");
	} else if (item_start(y, f, i)) {
		brk = true;
		f->head = i;
		f->nitem = 0;
		f->eq_seen = false;
		f->item_line = y->nl;   /* the line new_line is about to add */
	} else {
		brk = t->nl > 0 || y->comment_since;                  /* the author's continuation */
		cont = true;
	}
	if (brk || !y->open) {
		int indent = depth + (cont ? INDENT : 0);
		if (!is(y, i, "}"))
			settle_comments(y, indent);
		new_line(y, indent, t->nl >= 2 && !is(y, i, "}"), -1);
	}
	struct line *l = &y->L[y->nl - 1];
	size_t key_end = l->ncode;
	if (l->ncode > 0 && space_between(y, y->prev, i))
		put(y, " ", 1);
	f = &y->st[y->top];
	if (is(y, i, "=") && !f->eq_seen && (f->kind == KB_ROLES || f->kind == KB_PROFILE)) {
		f->eq_seen = true;
		if (f->item_line == y->nl - 1 && key_end > 0) {
			l->group = f->group;   /* `NAME = …` on the item's first line: aligned */
			l->eq = key_end;
		}
	}
	put(y, y->s + t->off, t->n);
	l->opens = is(y, i, "{");
	if (!is(y, i, "}"))
		f->nitem++;
	if (is(y, i, "{") && y->top + 1 < MAX_BLOCKS) {
		struct frame *c = &y->st[++y->top];
		memset(c, 0, sizeof(*c));
		c->kind = child_kind(y, f);
		c->head = -1;
		c->group = y->ngroups++;
	}
	y->open = true;
	y->prev = i;
	y->comment_since = false;
}

/* Display width: code points. */
static size_t width(const char *p, size_t n)
{
	size_t w = 0;
	for (size_t k = 0; k < n; k++)
		w += ((unsigned char)p[k] & 0xC0) != 0x80;
	return w;
}

static void out_put(char **o, size_t *n, size_t *cap, const char *p, size_t k)
{
	if (*n + k + 1 > *cap) {
		size_t c = *cap ? *cap : 4096;
		while (c < *n + k + 1)
			c *= 2;
		char *b = realloc(*o, c);
		if (b == NULL)
			oom();
		*o = b;
		*cap = c;
	}
	memcpy(*o + *n, p, k);
	*n += k;
	(*o)[*n] = '\0';
}

static void out_spaces(char **o, size_t *n, size_t *cap, size_t k)
{
	static const char sp[] = "                                ";
	while (k > 0) {
		size_t m = k < sizeof(sp) - 1 ? k : sizeof(sp) - 1;
		out_put(o, n, cap, sp, m);
		k -= m;
	}
}

static void print(struct lay *y, char **out, size_t *outlen)
{
	size_t *gmax = calloc((size_t)y->ngroups + 1, sizeof(*gmax));
	size_t *w = calloc(y->nl + 1, sizeof(*w));   /* a line's width before its comment */
	size_t *col = calloc(y->nl + 1, sizeof(*col)); /* where its end-of-line comment starts */
	char *o = NULL;
	size_t n = 0, cap = 0;

	if (gmax == NULL || w == NULL || col == NULL)
		oom();
	for (size_t k = 0; k < y->nl; k++) {
		struct line *l = &y->L[k];
		if (l->group >= 0) {
			size_t kw = width(y->code + l->code, l->eq);
			if (kw > gmax[l->group])
				gmax[l->group] = kw;
		}
	}
	for (size_t k = 0; k < y->nl; k++) {
		struct line *l = &y->L[k];
		w[k] = (size_t)l->indent + width(y->code + l->code, l->ncode);
		if (l->group >= 0)
			w[k] += gmax[l->group] - width(y->code + l->code, l->eq);
	}
	/* end-of-line comments of consecutive lines at one indent share a column */
	for (size_t k = 0; k < y->nl;) {
		size_t e = k + 1, m = w[k];
		if (y->L[k].ncode == 0 || y->L[k].comment < 0) {
			k++;
			continue;
		}
		while (e < y->nl && y->L[e].ncode > 0 && y->L[e].comment >= 0 && !y->L[e].blank &&
		       y->L[e].indent == y->L[k].indent) {
			if (w[e] > m)
				m = w[e];
			e++;
		}
		for (size_t j = k; j < e; j++)
			col[j] = m + 2;
		k = e;
	}
	for (size_t k = 0; k < y->nl; k++) {
		struct line *l = &y->L[k];
		const char *c = y->code + l->code;
		if (l->blank)
			out_put(&o, &n, &cap, "\n", 1);
		out_spaces(&o, &n, &cap, (size_t)(l->indent > 0 ? l->indent : 0));
		if (l->group >= 0) {
			out_put(&o, &n, &cap, c, l->eq);
			out_spaces(&o, &n, &cap, gmax[l->group] - width(c, l->eq));
			out_put(&o, &n, &cap, c + l->eq, l->ncode - l->eq);
		} else {
			out_put(&o, &n, &cap, c, l->ncode);
		}
		if (l->comment >= 0) {
			if (l->ncode > 0)
				out_spaces(&o, &n, &cap, col[k] - w[k]);
			out_put(&o, &n, &cap, y->s + y->t[l->comment].off, y->t[l->comment].n);
		}
		out_put(&o, &n, &cap, "\n", 1);
	}
	if (o == NULL)
		out_put(&o, &n, &cap, "", 0);
	free(gmax);
	free(w);
	free(col);
	*out = o;
	*outlen = n;
}

int fmt_layout(const char *text, size_t len, char **out, size_t *outlen)
{
	struct fmt_toks T;
	struct kw_index kwi;
	struct lay y;

	*out = NULL;
	*outlen = 0;
	if (fmt_tokenize(text, len, &T) != 0)
		return -1;
	memset(&y, 0, sizeof(y));
	y.s = text;
	y.t = T.v;
	y.nt = T.n;
	y.path = calloc(T.n + 1, sizeof(*y.path));
	y.kw = malloc((T.n + 1) * sizeof(*y.kw));
	y.capc = 256;
	y.code = calloc(1, y.capc);
	if (y.path == NULL || y.kw == NULL || y.code == NULL)
		oom();
	kw_index_init(&kwi);
	for (size_t i = 0; i < T.n; i++)
		y.kw[i] = (signed char)(T.v[i].kind == TK_WORD ? kw_find(&kwi, text + T.v[i].off, T.v[i].n) : -1);
	y.st[0].kind = KB_TOP;
	y.st[0].head = -1;
	y.st[0].group = y.ngroups++;
	y.prev = -1;
	y.pending = SIZE_MAX;
	for (size_t i = 0; i < T.n; i++) {
		if (T.v[i].kind == TK_COMMENT)
			comment(&y, (long)i);
		else
			code_token(&y, (long)i);
	}
	settle_comments(&y, 0);
	print(&y, out, outlen);
	free(y.path);
	free(y.kw);
	free(y.L);
	free(y.code);
	free(T.v);
	return 0;
}
