/* parse.c: the front end's driver: reads files safely, registers them as sources, runs
 * the parser (grammar/parser.y) and loads imports, each file once per context. */
#include "parse.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MIB (1024u * 1024u)

/* One file loaded by the current parse_file / parse_buffer call. */
struct unit {
	uint32_t src;
	bool has_id;
	dev_t dev;
	ino_t ino;
	bool has_content;            /* it, or a file it imports, holds a plan, target or profile */
};

struct loader {
	struct hp_ctx *ctx;
	struct unit *u;              /* malloc'd array of n */
	size_t n, cap;
	size_t stack[HP_MAX_IMPORT_DEPTH + 1]; /* units being loaded, root first */
	unsigned depth;
	unsigned first_src;          /* sources below this come from earlier calls */
	struct ast_plan **plan_next; /* the root's lists */
	struct ast_target **target_next;
	struct ast_profile **profile_next;
	struct ast_library **library_next;
};

static void oom(void)
{
	arena_oom(0);
}

/* Open `path` for reading without blocking on a FIFO, refusing anything but a regular
 * file no larger than HP_MAX_INPUT. Returns the descriptor, or -1 with *why set. */
static int open_source(struct hp_ctx *ctx, const char *verb, const char *path, struct stat *st,
		       const char **why)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		*why = arena_printf(&ctx->arena, "cannot %s '%s': %s", verb, path, strerror(errno));
		return -1;
	}
	if (fstat(fd, st) != 0) {
		*why = arena_printf(&ctx->arena, "cannot %s '%s': %s", verb, path, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st->st_mode)) {
		*why = arena_printf(&ctx->arena, "cannot %s '%s': is a directory", verb, path);
		goto fail;
	}
	if (!S_ISREG(st->st_mode)) {
		*why = arena_printf(&ctx->arena, "cannot %s '%s': not a regular file", verb, path);
		goto fail;
	}
	if (st->st_size > (off_t)HP_MAX_INPUT) {
		*why = arena_printf(&ctx->arena, "'%s' is larger than %u MiB", path, HP_MAX_INPUT / MIB);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/* Read all of fd (at most HP_MAX_INPUT bytes, whatever fstat said) into a malloc'd,
 * NUL-terminated buffer. Closes fd. */
static char *read_source(struct hp_ctx *ctx, int fd, const char *path, off_t size, size_t *len,
			 const char **why)
{
	size_t cap = (size_t)size + 1, n = 0;
	char *buf = NULL;

	if (cap > (size_t)HP_MAX_INPUT + 1)
		cap = (size_t)HP_MAX_INPUT + 1;
	buf = malloc(cap + 1);
	if (buf == NULL)
		oom();
	for (;;) {
		if (n == cap) {
			if (cap > HP_MAX_INPUT)
				break;
			size_t ncap = cap * 2 > (size_t)HP_MAX_INPUT + 1 ? (size_t)HP_MAX_INPUT + 1 : cap * 2;
			char *nb = realloc(buf, ncap + 1);
			if (nb == NULL)
				oom();
			buf = nb;
			cap = ncap;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			*why = arena_printf(&ctx->arena, "cannot read '%s': %s", path, strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > HP_MAX_INPUT) {
		*why = arena_printf(&ctx->arena, "'%s' is larger than %u MiB", path, HP_MAX_INPUT / MIB);
		goto fail;
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	close(fd);
	free(buf);
	return NULL;
}

/* "dir/of/importer/" + rel, or rel itself when it is absolute or the importer has no
 * directory (or is a buffer: then imports are relative to the current directory). */
static char *import_path(struct hp_ctx *ctx, const char *importer, bool importer_is_file, const char *rel)
{
	const char *slash = importer_is_file ? strrchr(importer, '/') : NULL;

	if (rel[0] == '/' || slash == NULL)
		return arena_strdup(&ctx->arena, rel);
	return arena_printf(&ctx->arena, "%.*s/%s", (int)(slash - importer), importer, rel);
}

#ifndef HOTPLAN_LIB_DIR
#define HOTPLAN_LIB_DIR "/usr/local/share/hotplan/lib"
#endif

unsigned parse_lib_dirs(struct hp_ctx *ctx, const char *near, const char **dirs, unsigned max)
{
	struct arena *a = &ctx->arena;
	const char *slash = near != NULL ? strrchr(near, '/') : NULL;
	const char *dir = slash ? arena_strndup(a, near, (size_t)(slash - near)) : ".";
	unsigned n = 0;
	const char *env = getenv("HOTPLAN_LIB_PATH");
	for (const char *p = env; p != NULL && *p && n + 4 < max;) {
		const char *e = strchr(p, ':');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len > 0)
			dirs[n++] = arena_strndup(a, p, len);
		p = e ? e + 1 : p + len;
	}
	if (n + 4 > max)
		return n;
	dirs[n++] = arena_printf(a, "%s/lib", dir);
	dirs[n++] = arena_printf(a, "%s/../lib", dir);
	char exe[4096];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len > 0) {
		exe[len] = '\0';
		char *s = strrchr(exe, '/');
		if (s != NULL) {
			*s = '\0';
			s = strrchr(exe, '/');
			if (s != NULL && strcmp(s, "/bin") == 0) {
				*s = '\0';
				dirs[n++] = arena_printf(a, "%s/share/hotplan/lib", exe);
			}
		}
	}
	dirs[n++] = HOTPLAN_LIB_DIR;
	return n;
}

/* Where `use NAME` finds NAME.hplan (parse_lib_dirs); NULL when no directory has it: `tried`
 * gets the places looked in. */
static char *use_path(struct hp_ctx *ctx, const char *importer, bool importer_is_file, const char *name,
		      const char **tried)
{
	struct arena *a = &ctx->arena;
	const char *dirs[64];
	unsigned n = parse_lib_dirs(ctx, importer_is_file ? importer : NULL, dirs, 64);
	char *list = arena_strdup(a, "");
	for (unsigned i = 0; i < n; i++) {
		char *path = arena_printf(a, "%s/%s.hplan", dirs[i], name);
		if (access(path, R_OK) == 0)
			return path;
		list = arena_printf(a, "%s%s%s", list, i ? ", " : "", dirs[i]);
	}
	*tried = list;
	return NULL;
}

static size_t unit_add(struct loader *L, uint32_t src, const struct stat *st)
{
	if (L->n == L->cap) {
		size_t cap = L->cap ? L->cap * 2 : 8;
		struct unit *v = realloc(L->u, cap * sizeof(*v));
		if (v == NULL)
			oom();
		L->u = v;
		L->cap = cap;
	}
	struct unit *u = &L->u[L->n];
	memset(u, 0, sizeof(*u));
	u->src = src;
	if (st != NULL) {
		u->has_id = true;
		u->dev = st->st_dev;
		u->ino = st->st_ino;
	}
	return L->n++;
}

/* Was this file loaded by an earlier call on the same context? Its source, or NULL. */
static const struct source *loaded_before(struct loader *L, const struct stat *st)
{
	struct stat o;

	for (unsigned i = 0; i < L->first_src; i++) {
		const struct source *s = &L->ctx->sources[i];
		if (stat(s->path, &o) == 0 && o.st_dev == st->st_dev && o.st_ino == st->st_ino)
			return s;
	}
	return NULL;
}

/* An earlier input of the run loaded the file: this one sees its libraries too (copies of
 * their heads, so that each input's list is its own). */
static void reuse_libraries(struct loader *L, const struct source *s)
{
	const struct ast_library *l = s->libs;
	for (uint32_t i = 0; i < s->nlibs && l != NULL; i++, l = l->next) {
		struct ast_library *c = arena_alloc(&L->ctx->arena, sizeof(*c));
		*c = *l;
		c->next = NULL;
		*L->library_next = c;
		L->library_next = &c->next;
	}
}

/* Append a parsed file's plans, targets and profiles to the root's lists. */
static void collect(struct loader *L, struct ast_file *f)
{
	*L->plan_next = f->plans;
	while (*L->plan_next != NULL)
		L->plan_next = &(*L->plan_next)->next;
	*L->target_next = f->targets;
	while (*L->target_next != NULL)
		L->target_next = &(*L->target_next)->next;
	*L->profile_next = f->profiles;
	while (*L->profile_next != NULL)
		L->profile_next = &(*L->profile_next)->next;
	*L->library_next = f->libraries;
	while (*L->library_next != NULL)
		L->library_next = &(*L->library_next)->next;
}

static void load(struct loader *L, size_t ui, struct ast_file *f, bool is_file);

/* Load the file one `import` names, unless it is loaded already. Returns whether it (or
 * what it imports) holds a plan, target or profile, as far as that is known. */
static bool load_import(struct loader *L, size_t ui, struct ast_import *imp, bool is_file)
{
	struct hp_ctx *ctx = L->ctx;
	const char *importer = ctx->sources[L->u[ui].src].path;
	const char *why = NULL;
	const char *path = imp->use ? use_path(ctx, importer, is_file, imp->path, &why)
				    : import_path(ctx, importer, is_file, imp->path);
	if (path == NULL) {
		diag_report(ctx, HP001, imp->loc, "no library '%s' (looked for %s.hplan in %s; HOTPLAN_LIB_PATH adds directories)",
			    imp->path, imp->path, why);
		return true;
	}
	struct stat st;
	size_t len = 0;

	int fd = open_source(ctx, "import", path, &st, &why);
	if (fd < 0) {
		diag_report(ctx, HP001, imp->loc, "%s", why);
		return true;
	}
	for (unsigned i = 0; i < L->depth; i++) {
		struct unit *a = &L->u[L->stack[i]];
		if (!a->has_id || a->dev != st.st_dev || a->ino != st.st_ino)
			continue;
		/* a cycle: list the files from the first one on the cycle back to itself */
		size_t n = 32;
		for (unsigned j = i; j < L->depth; j++)
			n += strlen(ctx->sources[L->u[L->stack[j]].src].path) + 4;
		n += strlen(ctx->sources[a->src].path);
		char *msg = arena_alloc(&ctx->arena, n), *o = stpcpy(msg, "import cycle: ");
		for (unsigned j = i; j < L->depth; j++) {
			o = stpcpy(o, ctx->sources[L->u[L->stack[j]].src].path);
			o = stpcpy(o, " -> ");
		}
		stpcpy(o, ctx->sources[a->src].path);
		diag_report(ctx, HP001, imp->loc, "%s", msg);
		close(fd);
		return true;
	}
	for (size_t i = 0; i < L->n; i++) {
		struct unit *a = &L->u[i];
		if (a->has_id && a->dev == st.st_dev && a->ino == st.st_ino) {
			close(fd);
			return a->has_content;
		}
	}
	const struct source *before = loaded_before(L, &st);
	if (before != NULL) {
		reuse_libraries(L, before);
		close(fd);
		return true;
	}
	if (L->depth > HP_MAX_IMPORT_DEPTH) {
		diag_report(ctx, HP001, imp->loc, "imports nested too deeply (more than %d levels)",
			    HP_MAX_IMPORT_DEPTH);
		close(fd);
		return true;
	}
	char *text = read_source(ctx, fd, path, st.st_size, &len, &why);
	if (text == NULL) {
		diag_report(ctx, HP001, imp->loc, "%s", why);
		return true;
	}
	uint32_t src = ctx_add_source(ctx, path, text, len);
	size_t ci = unit_add(L, src, &st);
	struct ast_file *f = arena_alloc(&ctx->arena, sizeof(*f));
	load(L, ci, f, true);
	return L->u[ci].has_content;
}

/* Parse unit ui into f, add its plans and targets to the root's lists, then load what it
 * imports, depth first, in order. */
static void load(struct loader *L, size_t ui, struct ast_file *f, bool is_file)
{
	struct hp_ctx *ctx = L->ctx;
	uint32_t src = L->u[ui].src;
	unsigned errors_before = ctx->diags.n;

	parse_source(ctx, src, f);
	ctx->sources[src].libs = f->libraries;
	for (const struct ast_library *l = f->libraries; l != NULL; l = l->next)
		ctx->sources[src].nlibs++;
	if (L->depth == 0) {
		/* the root's own plans and targets head its lists; imported ones follow */
		L->plan_next = &f->plans;
		L->target_next = &f->targets;
		L->profile_next = &f->profiles;
		L->library_next = &f->libraries;
	}
	collect(L, f);
	bool has = f->plans != NULL || f->targets != NULL || f->profiles != NULL || f->libraries != NULL;
	L->stack[L->depth++] = ui;
	for (struct ast_import *imp = f->imports; imp != NULL; imp = imp->next)
		has |= load_import(L, ui, imp, is_file);
	L->depth--;
	L->u[ui].has_content = has;
	/* an error of its own already says what is wrong with the file */
	bool own_errors = false;
	for (unsigned i = errors_before; i < ctx->diags.n; i++)
		own_errors |= ctx->diags.v[i]->loc.file == src;
	if (!has && !own_errors) {
		loc_t l = { src, 0, 0 };
		diag_report(ctx, HP001, l, "no plan or target in file");
	}
}

static struct ast_file *load_root(struct hp_ctx *ctx, uint32_t src, const struct stat *st, bool is_file)
{
	struct loader L;
	struct ast_file *f = arena_alloc(&ctx->arena, sizeof(*f));

	memset(&L, 0, sizeof(L));
	L.ctx = ctx;
	L.first_src = src;
	size_t ui = unit_add(&L, src, st);
	load(&L, ui, f, is_file);
	free(L.u);
	for (struct ast_plan *p = f->plans; p != NULL; p = p->next)
		p->libs = f->libraries;   /* every plan sees its unit's libraries */
	return f;
}

struct ast_file *parse_file(struct hp_ctx *ctx, const char *path, const char **why)
{
	struct stat st;
	size_t len = 0;
	const char *msg = NULL;

	int fd = open_source(ctx, "read", path, &st, &msg);
	if (fd < 0)
		goto fail;
	char *text = read_source(ctx, fd, path, st.st_size, &len, &msg);
	if (text == NULL)
		goto fail;
	uint32_t src = ctx_add_source(ctx, path, text, len);
	return load_root(ctx, src, &st, true);
fail:
	if (why != NULL)
		*why = msg;
	return NULL;
}

struct ast_file *parse_buffer(struct hp_ctx *ctx, const char *name, const char *text, size_t len)
{
	size_t n = len > HP_MAX_INPUT ? 0 : len;
	char *copy = malloc(n + 1);

	if (copy == NULL)
		oom();
	memcpy(copy, text, n);
	copy[n] = '\0';
	uint32_t src = ctx_add_source(ctx, name, copy, n);
	if (len > HP_MAX_INPUT) {
		loc_t l = { src, 0, 0 };
		diag_report(ctx, HP001, l, "input is larger than %u MiB", HP_MAX_INPUT / MIB);
		struct ast_file *f = arena_alloc(&ctx->arena, sizeof(*f));
		f->source = src;
		return f;
	}
	return load_root(ctx, src, NULL, false);
}
