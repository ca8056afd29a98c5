/* inputs.c: what a run is bound to (inputs.h): the files it read and its nodes' identities,
 * to and from the journal header's vars, and what changed between two sets of them. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digest.h"
#include "inputs.h"
#include "nodes.h"

static const char *const role_names[] = {
	[INPUT_PLAN] = "plan",
	[INPUT_IMPORT] = "import",
	[INPUT_INVENTORY] = "inventory",
	[INPUT_PROFILE] = "profile",
};
#define NROLES (sizeof(role_names) / sizeof(role_names[0]))
#define NODES_WORD "nodes"

const char *inputs_role_name(enum input_role role)
{
	return (unsigned)role < NROLES ? role_names[role] : "?";
}

/* ---- gathering ------------------------------------------------------------------------------ */

static struct input_file *push_file(struct inputs *in, struct arena *a)
{
	if (in->nfiles == in->cap) {
		unsigned cap = in->cap ? 2 * in->cap : 8;
		in->files = arena_realloc(a, in->files, in->cap * sizeof(*in->files), cap * sizeof(*in->files));
		in->cap = cap;
	}
	struct input_file *f = &in->files[in->nfiles++];
	memset(f, 0, sizeof(*f));
	return f;
}

void inputs_add_text(struct inputs *in, struct arena *a, enum input_role role, const char *path,
		     const char *text, size_t len)
{
	char abs[PATH_MAX];
	struct input_file *f = push_file(in, a);
	f->role = role;
	f->path = arena_strdup(a, realpath(path, abs) != NULL ? abs : path);
	digest_sha256(text, len, f->sha);
}

void inputs_add_sources(struct inputs *in, struct arena *a, struct hp_ctx *ctx, unsigned from, unsigned to,
			enum input_role first, enum input_role rest)
{
	for (unsigned i = from; i < to && i < ctx->nsources; i++) {
		const struct source *s = ctx_source(ctx, i);
		inputs_add_text(in, a, i == from ? first : rest, s->path, s->text, s->len);
	}
}

/* A node as the run reaches it: ssh://'s address; local:'s sandbox (where the posix-test
 * profile acts: its fact, or $HOTPLAN_SANDBOX/NAME) on this host; sim:. */
static const char *identity(struct arena *a, const struct rt_target *t, unsigned n)
{
	const struct rt_node *nd = &t->nodes[n];
	char host[256];
	switch (nd->transport) {
	case TR_SSH:
		return nd->address;
	case TR_LOCAL:
		if (gethostname(host, sizeof(host)) != 0)
			snprintf(host, sizeof(host), "?");
		host[sizeof(host) - 1] = '\0';
		const char *sb = nodes_sandbox(a, t, n);
		return arena_printf(a, "local:%s on %s", sb != NULL ? sb : "", host);
	case TR_SIM:
		break;
	}
	return "sim:";
}

void inputs_set_nodes(struct inputs *in, struct arena *a, const struct rt_target *t)
{
	in->nnodes = t->nnodes;
	in->nodes = arena_alloc(a, ((size_t)t->nnodes + 1) * sizeof(*in->nodes));
	for (unsigned n = 0; n < t->nnodes; n++)
		in->nodes[n] = (struct input_node){ t->nodes[n].name, identity(a, t, n) };
}

/* ---- the header's vars ---------------------------------------------------------------------- */

static void hex(const unsigned char *sha, char *out)
{
	for (unsigned i = 0; i < INPUTS_HASH_LEN; i++)
		snprintf(out + 2 * (size_t)i, 3, "%02x", sha[i]);
}

/* A node's name as one word: '%', blanks and control bytes as %XX. */
static const char *escape_name(struct arena *a, const char *s)
{
	size_t n = strlen(s);
	char *out = arena_alloc(a, 3 * n + 1), *o = out;
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p <= 0x20 || *p == 0x7f || *p == '%')
			o += sprintf(o, "%%%02X", *p);
		else
			*o++ = (char)*p;
	}
	*o = '\0';
	return out;
}

static int unhex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* escape_name undone; NULL when s[0..n) is not its output. */
static const char *unescape_name(struct arena *a, const char *s, size_t n)
{
	char *out = arena_alloc(a, n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%') {
			*o++ = s[i];
			continue;
		}
		if (i + 2 >= n || unhex(s[i + 1]) < 0 || unhex(s[i + 2]) < 0)
			return NULL;
		*o++ = (char)(unhex(s[i + 1]) * 16 + unhex(s[i + 2]));
		i += 2;
	}
	*o = '\0';
	return out;
}

unsigned inputs_nvars(const struct inputs *in)
{
	return in->nfiles + in->nnodes;
}

unsigned inputs_to_vars(const struct inputs *in, struct arena *a, const char **vars)
{
	unsigned nv = 0;
	char h[2 * INPUTS_HASH_LEN + 1];
	for (unsigned i = 0; i < in->nfiles; i++) {
		hex(in->files[i].sha, h);
		vars[nv++] = arena_printf(a, "input=%s %s %s", inputs_role_name(in->files[i].role), h, in->files[i].path);
	}
	for (unsigned i = 0; i < in->nnodes; i++)
		vars[nv++] = arena_printf(a, "node=%s %s", escape_name(a, in->nodes[i].name), in->nodes[i].identity);
	return nv;
}

/* "ROLE HEX PATH" into a file. */
static int parse_input(struct input_file *f, struct arena *a, const char *v)
{
	const char *sp = strchr(v, ' ');
	unsigned r = 0;
	while (sp != NULL && r < NROLES && (strlen(role_names[r]) != (size_t)(sp - v) || strncmp(v, role_names[r], (size_t)(sp - v)) != 0))
		r++;
	if (sp == NULL || r == NROLES || strlen(sp + 1) < 2 * INPUTS_HASH_LEN + 2 || sp[1 + 2 * INPUTS_HASH_LEN] != ' ')
		return -1;
	for (unsigned i = 0; i < INPUTS_HASH_LEN; i++) {
		int hi = unhex(sp[1 + 2 * i]), lo = unhex(sp[2 + 2 * i]);
		if (hi < 0 || lo < 0)
			return -1;
		f->sha[i] = (unsigned char)(hi * 16 + lo);
	}
	f->role = (enum input_role)r;
	f->path = arena_strdup(a, sp + 2 + 2 * (size_t)INPUTS_HASH_LEN);
	return 0;
}

int inputs_from_vars(struct inputs *in, struct arena *a, const char *const *vars, size_t n, char *err,
		     size_t errlen)
{
	unsigned nn = 0;
	memset(in, 0, sizeof(*in));
	in->nodes = arena_alloc(a, (n + 1) * sizeof(*in->nodes));
	for (size_t i = 0; i < n; i++) {
		const char *v = vars[i];
		if (strncmp(v, "input=", 6) == 0) {
			in->recorded = true;
			if (parse_input(push_file(in, a), a, v + 6) < 0) {
				snprintf(err, errlen, "the journal's input record '%s' is malformed", v);
				return -1;
			}
		} else if (strncmp(v, "node=", 5) == 0) {
			const char *sp = strchr(v + 5, ' ');
			const char *name = sp != NULL ? unescape_name(a, v + 5, (size_t)(sp - (v + 5))) : NULL;
			in->recorded = true;
			if (name == NULL || name[0] == '\0') {
				snprintf(err, errlen, "the journal's node record '%s' is malformed", v);
				return -1;
			}
			in->nodes[nn++] = (struct input_node){ name, arena_strdup(a, sp + 1) };
		}
	}
	in->nnodes = nn;
	return 0;
}

/* ---- what changed --------------------------------------------------------------------------- */

struct changes {
	struct arena *a;
	const char *const *accept;
	unsigned naccept;
	const char **lines;
	bool *accepted;
	unsigned n, cap, refused;
	unsigned long long used;
};

/* Whether accept entry `what` names a file at path with role. */
static bool names_file(const char *what, enum input_role role, const char *path)
{
	char abs[PATH_MAX];
	if (strcmp(what, inputs_role_name(role)) == 0 || strcmp(what, path) == 0)
		return true;
	return realpath(what, abs) != NULL && strcmp(abs, path) == 0;
}

/* One change; accepted when an accept entry names it (a file of `role` at `path`; role < 0:
 * a node's identity). */
static void change(struct changes *c, int role, const char *path, const char *line)
{
	bool ok = false;
	for (unsigned i = 0; i < c->naccept; i++) {
		bool hit = role < 0 ? strcmp(c->accept[i], NODES_WORD) == 0
				    : names_file(c->accept[i], (enum input_role)role, path);
		if (hit) {
			ok = true;
			if (i < 64)
				c->used |= 1ULL << i;
		}
	}
	if (c->n == c->cap) {
		unsigned cap = c->cap ? 2 * c->cap : 8;
		c->lines = arena_realloc(c->a, c->lines, c->cap * sizeof(*c->lines), cap * sizeof(*c->lines));
		c->accepted = arena_realloc(c->a, c->accepted, c->cap * sizeof(*c->accepted), cap * sizeof(*c->accepted));
		c->cap = cap;
	}
	c->lines[c->n] = line;
	c->accepted[c->n++] = ok;
	c->refused += !ok;
}

static const struct input_file *find_file(const struct inputs *in, const char *path)
{
	for (unsigned i = 0; i < in->nfiles; i++)
		if (strcmp(in->files[i].path, path) == 0)
			return &in->files[i];
	return NULL;
}

static const struct input_node *find_node(const struct inputs *in, const char *name)
{
	for (unsigned i = 0; i < in->nnodes; i++)
		if (strcmp(in->nodes[i].name, name) == 0)
			return &in->nodes[i];
	return NULL;
}

static void compare_files(struct changes *c, const struct inputs *then, const struct inputs *now, unsigned roles)
{
	char h1[2 * INPUTS_HASH_LEN + 1], h2[2 * INPUTS_HASH_LEN + 1];
	for (unsigned i = 0; i < then->nfiles; i++) {
		const struct input_file *t = &then->files[i];
		if (!(roles & (1u << t->role)))
			continue;
		const struct input_file *f = find_file(now, t->path);
		const char *role = inputs_role_name(t->role);
		if (f == NULL) {
			change(c, (int)t->role, t->path,
			       arena_printf(c->a, "%s %s is no longer read (the run read it when it started)", role, t->path));
		} else if (memcmp(f->sha, t->sha, INPUTS_HASH_LEN) != 0) {
			hex(t->sha, h1);
			hex(f->sha, h2);
			change(c, (int)t->role, t->path,
			       arena_printf(c->a, "%s %s changed since the run started (sha256 %.16s…→%.16s…)", role, t->path,
					    h1, h2));
		}
	}
	for (unsigned i = 0; i < now->nfiles; i++) {
		const struct input_file *f = &now->files[i];
		if ((roles & (1u << f->role)) && find_file(then, f->path) == NULL)
			change(c, (int)f->role, f->path,
			       arena_printf(c->a, "%s %s is read now, but was not when the run started",
					    inputs_role_name(f->role), f->path));
	}
}

static void compare_nodes(struct changes *c, const struct inputs *then, const struct inputs *now)
{
	for (unsigned i = 0; i < then->nnodes; i++) {
		const struct input_node *t = &then->nodes[i];
		const struct input_node *n = find_node(now, t->name);
		if (n == NULL)
			change(c, -1, NULL, arena_printf(c->a, "node %s is no longer in the target (it was %s)", t->name,
							 t->identity));
		else if (strcmp(n->identity, t->identity) != 0)
			change(c, -1, NULL, arena_printf(c->a, "node %s's address changed: %s → %s", t->name, t->identity,
							 n->identity));
	}
	for (unsigned i = 0; i < now->nnodes; i++)
		if (find_node(then, now->nodes[i].name) == NULL)
			change(c, -1, NULL, arena_printf(c->a, "node %s (%s) was not in the target when the run started",
							 now->nodes[i].name, now->nodes[i].identity));
}

unsigned inputs_compare(const struct inputs *then, const struct inputs *now, unsigned roles, bool nodes,
			const char *const *accept, unsigned naccept, struct arena *a, const char ***lines,
			bool **accepted, unsigned *nlines, unsigned long long *used)
{
	struct changes c = { .a = a, .accept = accept, .naccept = naccept };
	compare_files(&c, then, now, roles);
	if (nodes)
		compare_nodes(&c, then, now);
	*lines = c.lines;
	*accepted = c.accepted;
	*nlines = c.n;
	*used = c.used;
	return c.refused;
}
