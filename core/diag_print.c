/* diag_print.c: printing diagnostics: the compiler's text form (the source line with a
 * gutter and carets), one JSON array (SPEC section 5), and a SARIF 2.1.0 log.
 * Text never sends a raw control character to the terminal: control characters, bidi
 * controls and bytes that are not UTF-8 are shown escaped (`\x1b`, `\u{202e}`). */
#include "diag.h"
#include "util.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"

#define GUTTER_MIN 4          /* the line number's width, at least */
#define TAB_STOP 8
#define LINE_MAX_CELLS 200    /* longer source lines are shown as a window around the caret */
#define WINDOW_CELLS 120
#define WINDOW_LEAD 40        /* cells shown before the caret in a window */
#define LONG_LINE_BYTES 1024  /* of a longer line, only this many bytes around the caret are read */
#define ELLIPSIS "..."
#define TEXT_MAX_BYTES 4096   /* longer messages and paths (a name of megabytes) are cut */

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"
#define HOTPLAN_INFO_URI "https://hotplan.invalid/docs/SPEC.md"

#define SGR_BOLD "\033[1m"
#define SGR_RED "\033[1;31m"
#define SGR_MAGENTA "\033[1;35m"
#define SGR_GREEN "\033[1;32m"
#define SGR_RESET "\033[0m"

/* CamelCase short names for SARIF's reportingDescriptor.name, by rule. */
static const char *const rule_names[RULE_COUNT] = {
	[HP001] = "SyntaxError",
	[HP002] = "UnknownName",
	[HP003] = "DuplicateName",
	[HP004] = "TypeMismatch",
	[HP005] = "MissingNode",
	[HP006] = "MissingProcedure",
	[HP007] = "MalformedDeclaration",
	[HP101] = "DismountsAffectedStore",
	[HP102] = "KillWithoutMountedStore",
	[HP103] = "CleanStopOfAffectedStore",
	[HP110] = "InstallOnGroupOwner",
	[HP111] = "InstallWhileClusterServiceRuns",
	[HP112] = "PatchedNodeNotRestarted",
	[HP113] = "MoveToNonMember",
	[HP114] = "KillWithResourceRestartEnabled",
	[HP115] = "UncontrolledFailover",
	[HP116] = "NoClusterMember",
	[HP117] = "ActionOnWrongOwner",
	[HP120] = "ResourceRestartNotReenabled",
	[HP121] = "StoresNotRemounted",
	[HP122] = "ServiceNotRestarted",
	[HP123] = "ConditionProvedFalse",
	[HP124] = "DeclaredStateNotRestored",
	[HP130] = "IncompleteRollback",
	[HP131] = "NodeActionBeforeRejoin",
	[HP201] = "UnusedDeclaration",
	[HP202] = "HotfixWithoutFileVersion",
	[HP203] = "UnprotectedStep",
	[HP204] = "UnreachableStatement",
	[HP205] = "UnmodeledAction",
};

/* ---- characters ---- */

/* Code points a terminal must not receive raw: C0 and C1 controls, DEL, the bidi
 * controls (they reorder what is shown), line/paragraph separators and a stray BOM. */
static bool must_escape(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C ||
	       cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF;
}

/* One display unit of a line: a character shown as is, a tab, or an escape. */
struct unit {
	size_t len;        /* bytes */
	size_t width;      /* cells */
	bool raw;          /* print the bytes themselves */
	bool tab;
	char repr[16];     /* the escape when !raw && !tab */
};

/* Scan the unit at p (n > 0 bytes); `cell` is its column from the start of the line (for
 * tab stops). `short_esc`: write \t \n \r as such (messages) instead of \x09… */
static void unit_scan(const unsigned char *p, size_t n, size_t cell, bool short_esc, struct unit *u)
{
	uint32_t cp = 0;
	size_t len = util_utf8_decode(p, n, &cp);

	u->raw = false;
	u->tab = false;
	u->repr[0] = '\0';
	if (len == 0) {
		u->len = 1;
		snprintf(u->repr, sizeof(u->repr), "\\x%02x", p[0]);
	} else {
		u->len = len;
		if (cp == '\t' && !short_esc) {
			u->tab = true;
			u->width = TAB_STOP - cell % TAB_STOP;
			return;
		}
		if (!must_escape(cp)) {
			u->raw = true;
			u->width = 1;
			return;
		}
		if (short_esc && (cp == '\t' || cp == '\n' || cp == '\r'))
			snprintf(u->repr, sizeof(u->repr), "\\%c", cp == '\t' ? 't' : cp == '\n' ? 'n' : 'r');
		else if (cp < 0x80)
			snprintf(u->repr, sizeof(u->repr), "\\x%02x", (unsigned)cp);
		else
			snprintf(u->repr, sizeof(u->repr), "\\u{%x}", (unsigned)cp);
	}
	u->width = strlen(u->repr);
}

static void unit_put(FILE *out, const unsigned char *p, const struct unit *u)
{
	if (u->raw)
		fwrite(p, 1, u->len, out);
	else if (u->tab)
		fprintf(out, "%*s", (int)u->width, "");
	else
		fputs(u->repr, out);
}

/* Print text from the program's data (paths, messages) with anything unsafe escaped, cut
 * after TEXT_MAX_BYTES (stderr is unbuffered: a message naming a name of megabytes would
 * take one write per character). */
static void put_clean(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	struct unit u;

	for (size_t i = 0; i < n; i += u.len) {
		if (i >= TEXT_MAX_BYTES) {
			fputs(ELLIPSIS, out);
			break;
		}
		unit_scan(p + i, n - i, 0, true, &u);
		unit_put(out, p + i, &u);
	}
}

/* ---- positions ---- */

struct where {
	struct source *src;    /* NULL: the diagnostic names no source */
	struct src_pos start, end;
};

static struct where diag_where(struct hp_ctx *ctx, const struct diag *d)
{
	struct where w = { NULL, { 1, 1 }, { 1, 1 } };

	if (d->loc.file >= ctx->nsources || ctx->sources[d->loc.file].text == NULL)
		return w;
	w.src = ctx_source(ctx, d->loc.file);
	w.start = source_pos(w.src, d->loc.start);
	w.end = d->loc.end > d->loc.start ? source_pos(w.src, d->loc.end) : w.start;
	return w;
}

/* ---- text ---- */

static unsigned digits(uint32_t n)
{
	unsigned k = 1;
	while (n >= 10) {
		n /= 10;
		k++;
	}
	return k;
}

struct span {
	size_t s, e;           /* byte offsets in the line, s <= e */
};

/* Clamp the location [start, end) of the source to the line at byte `base` of length len. */
static struct span span_in_line(uint32_t start, uint32_t end, size_t base, size_t len)
{
	struct span sp;
	sp.s = start <= base ? 0 : start - base;
	if (sp.s > len)
		sp.s = len;
	sp.e = end <= base ? 0 : end - base;
	if (sp.e > len)
		sp.e = len;
	if (sp.e < sp.s)
		sp.e = sp.s;
	return sp;
}

static bool span_hits(struct span sp, size_t b, size_t ulen)
{
	if (sp.s == sp.e)
		return sp.s >= b && sp.s < b + ulen;
	return b < sp.e && b + ulen > sp.s;
}

/* The source line of `w`, then the caret line: `^` under the main location's first
 * character, `~` under the rest of it and under secondary locations on that line. */
static void print_snippet(FILE *out, const struct diag *d, const struct where *w, bool color)
{
	size_t len = 0;
	const char *text = source_line(w->src, w->start.line, &len);
	const unsigned char *line = (const unsigned char *)text;
	size_t base = (size_t)(text - w->src->text);
	if (len > LONG_LINE_BYTES) {
		/* a line of megabytes: only the bytes around the caret, from a character's start
		 * (scanning all of it for each of many diagnostics would take hours) */
		size_t at = d->loc.start > base ? d->loc.start - base : 0, from, to;
		if (at > len)
			at = len;
		from = at > LONG_LINE_BYTES / 2 ? at - LONG_LINE_BYTES / 2 : 0;
		while (from > 0 && (line[from] & 0xC0) == 0x80)
			from--;
		to = len - at > LONG_LINE_BYTES / 2 ? at + LONG_LINE_BYTES / 2 : len;
		while (to < len && (line[to] & 0xC0) == 0x80)
			to++;
		line += from;
		base += from;
		len = to - from;
	}
	struct span main = span_in_line(d->loc.start, d->loc.end, base, len);
	struct span sec[2];
	int nsec = 0;
	int gw = (int)digits(w->start.line);
	struct unit u;

	if (gw < GUTTER_MIN)
		gw = GUTTER_MIN;
	for (int i = 0; i < d->nsecondary && i < 2; i++) {
		loc_t l = d->secondary[i];
		if (l.file != d->loc.file || source_pos(w->src, l.start).line != w->start.line)
			continue;
		sec[nsec++] = span_in_line(l.start, l.end, base, len);
	}

	/* First pass: where the caret falls and how wide the line is. */
	size_t cell = 0, caret = SIZE_MAX;
	for (size_t b = 0; b < len; b += u.len) {
		unit_scan(line + b, len - b, cell, false, &u);
		if (caret == SIZE_MAX && b + u.len > main.s)
			caret = cell;
		cell += u.width;
	}
	size_t total = cell;
	if (caret == SIZE_MAX)
		caret = total;

	size_t ws = 0, we = SIZE_MAX, lead = 0;
	if (total > LINE_MAX_CELLS) {
		ws = caret > WINDOW_LEAD ? caret - WINDOW_LEAD : 0;
		we = ws + WINDOW_CELLS;
	}
	size_t cap = (total > LINE_MAX_CELLS ? WINDOW_CELLS : total) + 2 * sizeof(ELLIPSIS) + 2;
	char *marks = malloc(cap);
	if (marks == NULL)
		arena_oom(0);
	memset(marks, ' ', cap);

	/* Second pass: the line and the marks under it. */
	fprintf(out, " %*u |", gw, w->start.line);
	if (len > 0)
		fputc(' ', out);
	bool started = false, cut = false;
	size_t first = 0;      /* the cell of the first unit shown */
	cell = 0;
	for (size_t b = 0; b < len; cell += u.width, b += u.len) {
		unit_scan(line + b, len - b, cell, false, &u);
		if (cell < ws)
			continue;
		if (!started) {
			started = true;
			first = cell;
			if (first > 0) {
				fputs(ELLIPSIS, out);
				lead = strlen(ELLIPSIS);
			}
		}
		if (cell + u.width > we) {
			cut = true;
			break;
		}
		unit_put(out, line + b, &u);
		size_t at = lead + cell - first;
		char m = ' ';
		if (span_hits(main, b, u.len)) {
			m = '~';
			if (b <= main.s && main.s < b + u.len) {
				marks[at] = '^';
				for (size_t k = 1; k < u.width; k++)
					marks[at + k] = main.s == main.e ? ' ' : '~';
				continue;
			}
		} else {
			for (int i = 0; i < nsec; i++)
				if (span_hits(sec[i], b, u.len))
					m = '~';
		}
		for (size_t k = 0; k < u.width; k++)
			marks[at + k] = m;
	}
	if (cut)
		fputs(ELLIPSIS, out);
	fputc('\n', out);
	if (!started)
		first = total;
	size_t end_at = lead + total - first;   /* the cell just past the line */
	if (main.s >= len && end_at < cap)
		marks[end_at] = '^';
	for (int i = 0; i < nsec; i++)
		if (sec[i].s >= len && end_at < cap && marks[end_at] == ' ')
			marks[end_at] = '~';

	size_t n = cap;
	while (n > 0 && marks[n - 1] == ' ')
		n--;
	size_t lead_sp = 0;
	while (lead_sp < n && marks[lead_sp] == ' ')
		lead_sp++;
	fprintf(out, " %*s | %.*s", gw, "", (int)lead_sp, marks);
	if (color)
		fputs(SGR_GREEN, out);
	fwrite(marks + lead_sp, 1, n - lead_sp, out);
	if (color)
		fputs(SGR_RESET, out);
	fputc('\n', out);
	free(marks);
}

static void print_label(FILE *out, const char *label, const char *text, bool color)
{
	fprintf(out, "   %s%s%s: ", color ? SGR_BOLD : "", label, color ? SGR_RESET : "");
	put_clean(out, text);
	fputc('\n', out);
}

static void print_one(struct hp_ctx *ctx, const struct diag *d, FILE *out, bool color);

void diag_print_text(struct hp_ctx *ctx, FILE *out, bool color)
{
	/* stderr is unbuffered: each diagnostic is composed in memory and written at once (one
	 * write per character would make 100,000 diagnostics take minutes) */
	for (unsigned i = 0; i < ctx->diags.n; i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&buf, &len);
		if (mem == NULL) {
			print_one(ctx, ctx->diags.v[i], out, color);
			continue;
		}
		print_one(ctx, ctx->diags.v[i], mem, color);
		if (fclose(mem) == 0)
			fwrite(buf, 1, len, out);
		free(buf);
	}
}

static void print_one(struct hp_ctx *ctx, const struct diag *d, FILE *out, bool color)
{
	struct where w = diag_where(ctx, d);
	bool err = d->severity == SEV_ERROR;

	if (color)
		fputs(SGR_BOLD, out);
	if (w.src != NULL) {
		put_clean(out, w.src->path);
		fprintf(out, ":%u:%u:", w.start.line, w.start.col);
	} else {
		fputs("hotplan:", out);
	}
	if (color)
		fputs(SGR_RESET, out);
	fprintf(out, " %s%s%s: ", color ? (err ? SGR_RED : SGR_MAGENTA) : "",
		err ? "error" : "warning", color ? SGR_RESET : "");
	put_clean(out, d->message);
	fprintf(out, " [%s]\n", diag_rule_id(d));
	if (w.src != NULL)
		print_snippet(out, d, &w, color);
	for (int k = 0; k < d->nnotes; k++)
		print_label(out, "note", d->notes[k], color);
	if (d->help != NULL)
		print_label(out, "help", d->help, color);
}

/* ---- JSON ---- */

/* A JSON string of s; bytes that are not UTF-8 become U+FFFD (jansson accepts only UTF-8). */
static json_t *jstr(const char *s)
{
	if (s == NULL)
		return json_null();
	json_t *j = json_string(s);
	if (j != NULL)
		return j;

	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), o = 0;
	char *buf = malloc(3 * n + 1);
	if (buf == NULL)
		arena_oom(0);
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = util_utf8_decode(p + i, n - i, &cp);
		if (k == 0) {
			memcpy(buf + o, "\xEF\xBF\xBD", 3);
			o += 3;
			i++;
		} else {
			memcpy(buf + o, p + i, k);
			o += k;
			i += k;
		}
	}
	buf[o] = '\0';
	j = json_string(buf);
	free(buf);
	return j != NULL ? j : json_string("");
}

static int obj_set(json_t *obj, const char *key, json_t *v)
{
	if (v == NULL)
		arena_oom(0);
	return json_object_set_new(obj, key, v);
}

static const char *severity_name(enum severity s)
{
	return s == SEV_ERROR ? "error" : "warning";
}

/* The notes joined with sep (arena), or NULL when there are none. */
static const char *join_notes(struct hp_ctx *ctx, const struct diag *d, const char *prefix, const char *sep)
{
	if (d->nnotes == 0)
		return NULL;
	size_t n = 1;
	for (int k = 0; k < d->nnotes; k++)
		n += strlen(prefix) + strlen(d->notes[k]) + strlen(sep);
	char *s = arena_alloc(&ctx->arena, n);
	size_t off = 0;
	for (int k = 0; k < d->nnotes; k++)
		off += (size_t)snprintf(s + off, n - off, "%s%s%s", k > 0 ? sep : "", prefix, d->notes[k]);
	return s;
}

static int dump(json_t *root, FILE *out)
{
	int rc = json_dumpf(root, out, JSON_INDENT(2));
	json_decref(root);
	if (rc == 0 && fputc('\n', out) == EOF)
		rc = -1;
	if (rc == 0 && fflush(out) != 0)
		rc = -1;
	return rc == 0 && !ferror(out) ? 0 : -1;
}

int diag_print_json(struct hp_ctx *ctx, FILE *out)
{
	json_t *arr = json_array();
	if (arr == NULL)
		return -1;
	for (unsigned i = 0; i < ctx->diags.n; i++) {
		const struct diag *d = ctx->diags.v[i];
		struct where w = diag_where(ctx, d);
		json_t *o = json_object();
		if (o == NULL)
			arena_oom(0);
		obj_set(o, "file", w.src ? jstr(w.src->path) : json_null());
		obj_set(o, "line", json_integer(w.start.line));
		obj_set(o, "column", json_integer(w.start.col));
		obj_set(o, "end_line", json_integer(w.end.line));
		obj_set(o, "end_column", json_integer(w.end.col));
		obj_set(o, "severity", json_string(severity_name(d->severity)));
		obj_set(o, "rule", jstr(diag_rule_id(d)));
		obj_set(o, "message", jstr(d->message));
		obj_set(o, "note", jstr(join_notes(ctx, d, "", "; ")));
		obj_set(o, "help", jstr(d->help));
		json_array_append_new(arr, o);
	}
	return dump(arr, out);
}

/* ---- SARIF ---- */

/* The artifact URI of a path: relative paths as given (forward slashes, no leading "./",
 * percent-encoded) for uriBaseId %SRCROOT%; absolute ones as file:// URIs. Arena. */
static const char *path_uri(struct hp_ctx *ctx, const char *path, bool *relative)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path);
	char *u = arena_alloc(&ctx->arena, 3 * n + sizeof("file://"));
	char *o = u;
	const char *p = path;

	*relative = !(p[0] == '/' || p[0] == '\\');
	if (*relative) {
		while ((p[0] == '.' && (p[1] == '/' || p[1] == '\\')))
			for (p += 2; *p == '/' || *p == '\\'; p++)
				;
	} else {
		static const char scheme[] = "file://";
		memcpy(o, scheme, sizeof(scheme) - 1);
		o += sizeof(scheme) - 1;
	}
	for (; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '\\')
			c = '/';
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
			*o++ = (char)c;
		} else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
	return u;
}

static json_t *sarif_text(const char *s)
{
	json_t *o = json_object();
	if (o == NULL)
		arena_oom(0);
	obj_set(o, "text", jstr(s != NULL ? s : ""));
	return o;
}

/* A declared rule (a library's): its id, message, note and help as the library wrote them. */
static json_t *sarif_decl_rule(const struct ast_rule_decl *r)
{
	json_t *o = json_object(), *conf = json_object();
	if (o == NULL || conf == NULL)
		arena_oom(0);
	obj_set(o, "id", jstr(r->id.s));
	obj_set(o, "shortDescription", sarif_text(r->message));
	obj_set(o, "fullDescription", sarif_text(r->note != NULL ? r->note : r->message));
	obj_set(o, "help", sarif_text(r->help != NULL ? r->help : r->message));
	obj_set(conf, "level", json_string(r->warning ? "warning" : "error"));
	obj_set(o, "defaultConfiguration", conf);
	return o;
}

static json_t *sarif_rule(const struct rule_info *r)
{
	json_t *o = json_object(), *help = NULL, *conf = json_object();
	if (o == NULL || conf == NULL)
		arena_oom(0);
	obj_set(o, "id", json_string(r->id));
	obj_set(o, "name", json_string(rule_names[r - rule_table]));
	obj_set(o, "shortDescription", sarif_text(r->summary));
	obj_set(o, "fullDescription", sarif_text(r->rationale != NULL ? r->rationale : r->summary));
	help = sarif_text(r->fix != NULL ? r->fix : r->summary);
	if (r->example != NULL && r->fix != NULL) {
		size_t n = strlen(r->fix) + strlen(r->example) + 64;
		char *md = malloc(n);
		if (md == NULL)
			arena_oom(0);
		snprintf(md, n, "%s\n\nAn example that breaks the rule:\n\n```\n%s```\n", r->fix, r->example);
		obj_set(help, "markdown", jstr(md));
		free(md);
	}
	obj_set(o, "help", help);
	obj_set(conf, "level", json_string(severity_name(r->severity)));
	obj_set(o, "defaultConfiguration", conf);
	return o;
}

struct artifacts {
	json_t *arr;
	int *index;          /* per source: its artifact index */
	const char **uri;    /* per source */
	bool *relative;      /* per source */
};

static void artifacts_build(struct hp_ctx *ctx, struct artifacts *a)
{
	unsigned n = ctx->nsources;
	a->arr = json_array();
	a->index = calloc(n + 1, sizeof(*a->index));
	a->uri = calloc(n + 1, sizeof(*a->uri));
	a->relative = calloc(n + 1, sizeof(*a->relative));
	if (a->arr == NULL || a->index == NULL || a->uri == NULL || a->relative == NULL)
		arena_oom(0);
	for (unsigned i = 0; i < n; i++) {
		a->uri[i] = path_uri(ctx, ctx->sources[i].path, &a->relative[i]);
		a->index[i] = -1;
		for (unsigned j = 0; j < i; j++)
			if (a->relative[j] == a->relative[i] && strcmp(a->uri[j], a->uri[i]) == 0)
				a->index[i] = a->index[j];
		if (a->index[i] >= 0)
			continue;
		json_t *art = json_object(), *loc = json_object();
		if (art == NULL || loc == NULL)
			arena_oom(0);
		obj_set(loc, "uri", jstr(a->uri[i]));
		if (a->relative[i])
			obj_set(loc, "uriBaseId", json_string("%SRCROOT%"));
		obj_set(art, "location", loc);
		obj_set(art, "length", json_integer((json_int_t)ctx->sources[i].len));
		a->index[i] = (int)json_array_size(a->arr);
		json_array_append_new(a->arr, art);
	}
}

static void artifacts_free(struct artifacts *a)
{
	free(a->index);
	free(a->uri);
	free(a->relative);
}

static json_t *sarif_location(struct hp_ctx *ctx, const struct artifacts *a, loc_t loc)
{
	struct source *src = ctx_source(ctx, loc.file);
	struct src_pos s = source_pos(src, loc.start);
	struct src_pos e = loc.end > loc.start ? source_pos(src, loc.end) : s;
	json_t *pl = json_object(), *al = json_object(), *reg = json_object(), *l = json_object();

	if (pl == NULL || al == NULL || reg == NULL || l == NULL)
		arena_oom(0);
	obj_set(al, "uri", jstr(a->uri[loc.file]));
	if (a->relative[loc.file])
		obj_set(al, "uriBaseId", json_string("%SRCROOT%"));
	obj_set(al, "index", json_integer(a->index[loc.file]));
	obj_set(reg, "startLine", json_integer(s.line));
	obj_set(reg, "startColumn", json_integer(s.col));
	obj_set(reg, "endLine", json_integer(e.line));
	obj_set(reg, "endColumn", json_integer(e.col));
	obj_set(pl, "artifactLocation", al);
	obj_set(pl, "region", reg);
	obj_set(l, "physicalLocation", pl);
	return l;
}

static bool loc_valid(struct hp_ctx *ctx, loc_t loc)
{
	return loc.file < ctx->nsources && ctx->sources[loc.file].text != NULL;
}

int diag_print_sarif(struct hp_ctx *ctx, FILE *out)
{
	json_t *root = json_object(), *runs = json_array(), *run = json_object();
	json_t *tool = json_object(), *driver = json_object(), *rules = json_array();
	json_t *results = json_array();
	struct artifacts a;

	if (root == NULL || runs == NULL || run == NULL || tool == NULL || driver == NULL ||
	    rules == NULL || results == NULL)
		arena_oom(0);
	obj_set(root, "$schema", json_string(SARIF_SCHEMA));
	obj_set(root, "version", json_string("2.1.0"));

	obj_set(driver, "name", json_string("hotplan"));
	obj_set(driver, "informationUri", json_string(HOTPLAN_INFO_URI));
	obj_set(driver, "version", json_string(HOTPLAN_VERSION));
	obj_set(driver, "semanticVersion", json_string(HOTPLAN_VERSION));
	for (int i = 0; i < RULE_COUNT; i++)
		json_array_append_new(rules, sarif_rule(&rule_table[i]));
	for (unsigned i = 0; i < ctx->ndecl_rules; i++)
		json_array_append_new(rules, sarif_decl_rule(ctx->decl_rules[i]));
	obj_set(driver, "rules", rules);
	obj_set(tool, "driver", driver);
	obj_set(run, "tool", tool);

	artifacts_build(ctx, &a);
	for (unsigned i = 0; i < ctx->diags.n; i++) {
		const struct diag *d = ctx->diags.v[i];
		json_t *res = json_object();
		if (res == NULL)
			arena_oom(0);
		obj_set(res, "ruleId", jstr(diag_rule_id(d)));
		obj_set(res, "ruleIndex", json_integer(d->decl_rule != NULL ? (json_int_t)RULE_COUNT + d->decl_rule->index
									     : (json_int_t)d->rule));
		obj_set(res, "level", json_string(severity_name(d->severity)));
		const char *notes = join_notes(ctx, d, "\nnote: ", "");
		const char *text = notes ? arena_printf(&ctx->arena, "%s%s", d->message, notes) : d->message;
		obj_set(res, "message", sarif_text(text));
		if (loc_valid(ctx, d->loc)) {
			json_t *locs = json_array();
			if (locs == NULL)
				arena_oom(0);
			json_array_append_new(locs, sarif_location(ctx, &a, d->loc));
			obj_set(res, "locations", locs);
			json_t *rel = NULL;
			for (int k = 0; k < d->nsecondary && k < 2; k++) {
				if (!loc_valid(ctx, d->secondary[k]))
					continue;
				if (rel == NULL && (rel = json_array()) == NULL)
					arena_oom(0);
				json_t *l = sarif_location(ctx, &a, d->secondary[k]);
				obj_set(l, "id", json_integer(k + 1));
				json_array_append_new(rel, l);
			}
			if (rel != NULL)
				obj_set(res, "relatedLocations", rel);
		}
		json_array_append_new(results, res);
	}
	obj_set(run, "columnKind", json_string("unicodeCodePoints"));
	obj_set(run, "artifacts", a.arr);
	obj_set(run, "results", results);
	artifacts_free(&a);
	json_array_append_new(runs, run);
	obj_set(root, "runs", runs);
	return dump(root, out);
}
