/* profile.c: profiles: keys, variables, quoting, rendering, and the search path. */
#include "profile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "parse.h"
#include "transport.h"
#include "util.h"

#ifndef HOTPLAN_PROFILE_DIR
#define HOTPLAN_PROFILE_DIR "/usr/local/share/hotplan/profiles"
#endif

#define DEFAULT_TIMEOUT_NS (30LL * 60 * 1000000000LL)
#define DEFAULT_PROBE_TIMEOUT_NS (2LL * 60 * 1000000000LL)

/* ---- keys ------------------------------------------------------------------------------ */

static const char *const v_service[] = { "service", "process", NULL };
static const char *const v_process[] = { "process", "service", NULL };
static const char *const v_store[] = { "store", "service", NULL };
static const char *const v_install[] = { "hotfix", "package", "args", "files", "restarts", NULL };
static const char *const v_none[] = { NULL };
static const char *const v_move[] = { "group", "to", NULL };
static const char *const v_resource[] = { "resource", "group", NULL };
static const char *const v_exec[] = { "command", NULL };
static const char *const v_group[] = { "group", NULL };
static const char *const v_hotfix[] = { "hotfix", "package", NULL };
static const char *const v_file[] = { "file", NULL };
static const char *const v_list[] = { "service", NULL };

static const struct {
	const char *name;
	const char *const *vars;
} keys[PK_COUNT] = {
	[PK_STOP_SERVICE] = { "stop service", v_service },
	[PK_START_SERVICE] = { "start service", v_service },
	[PK_KILL_PROCESS] = { "kill process", v_process },
	[PK_DISMOUNT_STORE] = { "dismount store", v_store },
	[PK_MOUNT_STORE] = { "mount store", v_store },
	[PK_INSTALL_HOTFIX] = { "install hotfix", v_install },
	[PK_RESTART_NODE] = { "restart node", v_none },
	[PK_MOVE_GROUP] = { "move group", v_move },
	[PK_DISABLE_RESTART] = { "disable restart of resource", v_resource },
	[PK_ENABLE_RESTART] = { "enable restart of resource", v_resource },
	[PK_EXEC] = { "exec", v_exec },
	[PK_PROBE_SERVICE] = { "probe service running", v_service },
	[PK_PROBE_PROCESS] = { "probe process running", v_process },
	[PK_PROBE_STORE] = { "probe store mounted", v_store },
	[PK_PROBE_STORE_DISMOUNTED] = { "probe store dismounted", v_store },
	[PK_PROBE_MEMBER] = { "probe node member", v_none },
	[PK_PROBE_OWNER] = { "probe group owner", v_group },
	[PK_PROBE_INSTALLED] = { "probe hotfix installed", v_hotfix },
	[PK_PROBE_FILE_VERSION] = { "probe file version", v_file },
	[PK_PROBE_RESTART] = { "probe resource restart", v_resource },
	[PK_PROBE_UP] = { "probe node up", v_none },
	[PK_LIST_STORES] = { "list stores", v_list },
};

/* Every key knows these (and ${fact.PATH}). */
static const char *const v_common[] = { "node", "sandbox", NULL };

const char *profile_key_name(enum profile_key k)
{
	return k < PK_COUNT ? keys[k].name : "?";
}

const char *const *profile_key_vars(enum profile_key k)
{
	return k < PK_COUNT ? keys[k].vars : v_none;
}

static bool in_list(const char *const *list, const char *name, size_t len)
{
	for (; *list != NULL; list++)
		if (strlen(*list) == len && memcmp(*list, name, len) == 0)
			return true;
	return false;
}

/* `fact.` followed by dot-separated words of [A-Za-z0-9_]. */
static bool fact_var(const char *name, size_t len)
{
	if (len <= 5 || memcmp(name, "fact.", 5) != 0)
		return false;
	bool word = false;
	for (size_t i = 5; i < len; i++) {
		char c = name[i];
		if (c == '.') {
			if (!word)
				return false;
			word = false;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') {
			word = true;
		} else {
			return false;
		}
	}
	return word;
}

long long profile_duration_ns(const char *s)
{
	char *end = NULL;
	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	long long x = strtoll(s, &end, 10);
	if (errno != 0 || end == s || x < 0 || x > 366LL * 24 * 3600)
		return -1;
	long long unit = strcmp(end, "s") == 0 ? 1 : strcmp(end, "m") == 0 ? 60 : strcmp(end, "h") == 0 ? 3600 : 0;
	if (unit == 0 || x * unit > 366LL * 24 * 3600)
		return -1;
	return x * unit * 1000000000LL;
}

/* ---- templates ------------------------------------------------------------------------- */

const char *profile_quote(struct arena *a, enum profile_shell sh, const char *value, char *err, size_t errlen)
{
	size_t n = strlen(value);
	if (sh == PROFILE_SH) {
		/* at worst every byte a ' (4 bytes each) and the two quotes */
		size_t cap = 4 * n + 3;
		char *out = arena_alloc(a, cap);
		if (shell_quote(value, out, cap) < 0) {
			snprintf(err, errlen, "a value is too long to quote");
			return NULL;
		}
		return out;
	}
	/* cmd: inside "…" the metacharacters & | < > ( ) ^ are plain; " would end the quote, and
	 * % and ! expand variables even there, with no escape that works in every context: such
	 * values are refused, never passed half-quoted. Backslashes before the closing quote are
	 * doubled so that a program's argument parser does not read \" */
	for (const unsigned char *p = (const unsigned char *)value; *p != '\0'; p++) {
		if (*p == '"' || *p == '%' || *p == '!' || *p < 0x20 || *p == 0x7f) {
			char shown[8];
			if (*p < 0x20 || *p == 0x7f)
				snprintf(shown, sizeof(shown), "\\x%02x", *p);
			else
				snprintf(shown, sizeof(shown), "%c", *p);
			snprintf(err, errlen, "the value '%s' holds `%s`, which cmd cannot take literally", value, shown);
			return NULL;
		}
	}
	size_t tail = 0;
	while (tail < n && value[n - 1 - tail] == '\\')
		tail++;
	char *out = arena_alloc(a, n + tail + 3);
	out[0] = '"';
	memcpy(out + 1, value, n);
	memset(out + 1 + n, '\\', tail);
	out[1 + n + tail] = '"';
	out[2 + n + tail] = '\0';
	return out;
}

struct buf {
	struct arena *a;
	char *s;
	size_t len, cap;
};

static void buf_put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 128;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->s = arena_realloc(b->a, b->s, b->cap, cap);
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

const char *profile_subst(struct arena *a, enum profile_shell sh, const char *tmpl, profile_lookup_fn lookup,
			  void *ud, char *err, size_t errlen)
{
	struct buf b = { a, NULL, 0, 0 };
	const char *p = tmpl;

	buf_put(&b, "", 0);
	while (*p != '\0') {
		const char *d = strchr(p, '$');
		if (d == NULL) {
			buf_put(&b, p, strlen(p));
			break;
		}
		buf_put(&b, p, (size_t)(d - p));
		if (d[1] == '$' && d[2] == '{') {
			buf_put(&b, "${", 2);
			p = d + 3;
			continue;
		}
		if (d[1] != '{') {
			buf_put(&b, "$", 1);
			p = d + 1;
			continue;
		}
		const char *name = d + 2, *close = name;
		while (*close != '\0' && *close != '}' && *close != '\n')
			close++;
		if (*close != '}') {
			snprintf(err, errlen, "`${` with no `}` after it");
			return NULL;
		}
		char *nm = arena_strndup(a, name, (size_t)(close - name));
		bool raw = false;
		char why[512] = "";
		const char *v = lookup(ud, nm, &raw, why, sizeof(why));
		if (v == NULL) {
			if (why[0] != '\0')
				snprintf(err, errlen, "%s", why);
			else
				snprintf(err, errlen, "unknown variable ${%s}", nm);
			return NULL;
		}
		if (!raw) {
			v = profile_quote(a, sh, v, err, errlen);
			if (v == NULL)
				return NULL;
		}
		buf_put(&b, v, strlen(v));
		p = close + 1;
	}
	return b.s;
}

struct var_list {
	const struct profile_var *v;
	unsigned n;
};

/* NOLINTNEXTLINE(readability-non-const-parameter): the signature of a template lookup callback */
static const char *list_lookup(void *ud, const char *name, bool *raw, char *err, size_t errlen)
{
	const struct var_list *l = ud;
	(void)err, (void)errlen;
	for (unsigned i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0) {
			*raw = l->v[i].raw;
			return l->v[i].value != NULL ? l->v[i].value : "";
		}
	return NULL;
}

const char *profile_subst_vars(struct arena *a, enum profile_shell sh, const char *tmpl,
			       const struct profile_var *vars, unsigned nvars, char *err, size_t errlen)
{
	struct var_list l = { vars, nvars };
	return profile_subst(a, sh, tmpl, list_lookup, &l, err, errlen);
}

/* ---- compiling --------------------------------------------------------------------------- */

static const char *where(struct hp_ctx *ctx, loc_t l)
{
	struct source *s = ctx_source(ctx, l.file);
	struct src_pos pos = source_pos(s, l.start);
	return arena_printf(&ctx->arena, "%s:%u:%u", s->path, pos.line, pos.col);
}

struct var_check {
	enum profile_key k;
	const char *bad;
	size_t badlen;
};

static int check_var(void *ud, const char *name, size_t len)
{
	struct var_check *vc = ud;
	if (in_list(keys[vc->k].vars, name, len) || in_list(v_common, name, len) || fact_var(name, len))
		return 0;
	vc->bad = name;
	vc->badlen = len;
	return 1;
}

static int check_lock_var(void *ud, const char *name, size_t len)
{
	(void)ud;
	return in_list(v_common, name, len) || fact_var(name, len) ? 0 : 1;
}

/* `lock "PATH"`: not empty, and only the variables every key knows. */
static int lock_check(const char *value, const char *at, const char *name, char *err, size_t errlen)
{
	char why[256];
	int rc = value[0] == '\0' ? 1 : profile_each_var(value, check_lock_var, NULL, why, sizeof(why));
	if (rc < 0)
		return util_err(err, errlen, "%s: profile '%s': `lock`: %s", at, name, why);
	if (rc > 0)
		return util_err(err, errlen, "%s: profile '%s': `lock` is empty or uses a variable other than ${node}, "
				"${sandbox} and ${fact.PATH}", at, name);
	return 0;
}

static const char *known_vars(struct arena *a, enum profile_key k)
{
	char buf[512];
	size_t o = 0;
	buf[0] = '\0';
	for (const char *const *v = keys[k].vars; *v != NULL; v++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "${%s}, ", *v);
	snprintf(buf + o, sizeof(buf) - o, "${node}, ${sandbox} and ${fact.PATH}");
	return arena_strdup(a, buf);
}

/* `cluster "pacemaker"`, `probe cluster status = "…"`, `probe cluster config = "…"`: 1 taken,
 * 0 not one of them, -1 (err) wrong. Their commands know only ${node}, ${sandbox} and
 * ${fact.PATH}. */
static int cluster_entry(struct hp_ctx *ctx, struct profile *p, const struct ast_profile_entry *e, const char *at,
			 char *err, size_t errlen)
{
	if (strcmp(e->key, "cluster") == 0) {
		if (p->cluster != PROFILE_CLUSTER_NONE)
			return util_err(err, errlen, "%s: profile '%s': `cluster` given twice", at, p->name);
		if (strcmp(e->value, "pacemaker") != 0)
			return util_err(err, errlen, "%s: profile '%s': unknown cluster \"%s\" (expected \"pacemaker\")", at,
					p->name, e->value);
		p->cluster = PROFILE_CLUSTER_PACEMAKER;
		return 1;
	}
	bool status = strcmp(e->key, "probe cluster status") == 0;
	if (!status && strcmp(e->key, "probe cluster config") != 0)
		return 0;
	const char **slot = status ? &p->cluster_status : &p->cluster_config;
	if (*slot != NULL)
		return util_err(err, errlen, "%s: profile '%s': `%s` given twice", at, p->name, e->key);
	struct var_check vc = { PK_PROBE_MEMBER, NULL, 0 };
	char why[256];
	const char *vat = where(ctx, e->value_loc);
	int rc = profile_each_var(e->value, check_var, &vc, why, sizeof(why));
	if (rc < 0)
		return util_err(err, errlen, "%s: profile '%s': `%s`: %s", vat, p->name, e->key, why);
	if (rc > 0)
		return util_err(err, errlen, "%s: profile '%s': `%s` uses ${%.*s}, which it does not know (it knows "
				"${node}, ${sandbox} and ${fact.PATH})", vat, p->name, e->key, (int)vc.badlen, vc.bad);
	if (e->value[0] == '\0')
		return util_err(err, errlen, "%s: profile '%s': `%s` is empty", vat, p->name, e->key);
	*slot = e->value;
	return 1;
}

/* ---- declared actions and states ---------------------------------------------------------- */

const char *const profile_cluster_readers[] = { "quorum", "standby", "maintenance", "constraint", NULL };

static const struct profile_named *named_find(const struct profile_named *v, unsigned n, const char *name)
{
	for (unsigned i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

const struct profile_named *profile_action(const struct profile *p, const char *name)
{
	return p != NULL ? named_find(p->actions, p->nactions, name) : NULL;
}

const struct profile_named *profile_state(const struct profile *p, const char *name)
{
	return p != NULL ? named_find(p->states, p->nstates, name) : NULL;
}

/* A declaration's name: letters, digits and '_', not beginning with a digit. */
static bool decl_name_ok(const char *s, size_t n)
{
	if (n == 0 || (*s >= '0' && *s <= '9'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '_'))
			return false;
	return true;
}

static int no_var(void *ud, const char *name, size_t len)
{
	(void)ud, (void)name, (void)len;
	return 0;
}

/* `action NAME = "…"`, `probe state NAME = "…"`, `probe state NAME from cluster = "READER"`:
 * 1 taken (into v, room for one more), 0 not one of them, -1 (err) wrong. */
static int decl_entry(struct hp_ctx *ctx, struct profile *p, const struct ast_profile_entry *e, const char *at,
		      struct profile_named *acts, struct profile_named *states, char *err, size_t errlen)
{
	bool action = strncmp(e->key, "action ", 7) == 0;
	if (!action && strncmp(e->key, "probe state ", 12) != 0)
		return 0;
	const char *name = e->key + (action ? 7 : 12);
	size_t n = strcspn(name, " ");
	bool from_cluster = !action && strcmp(name + n, " from cluster") == 0;
	if (!decl_name_ok(name, n) || (name[n] != '\0' && !from_cluster))
		return util_err(err, errlen, "%s: profile '%s': `%s`: expected `%s NAME` (a declared %s's name)%s", at,
				p->name, e->key, action ? "action" : "probe state", action ? "action" : "state",
				action ? "" : ", optionally followed by `from cluster`");
	struct profile_named *v = action ? acts : states;
	unsigned *cnt = action ? &p->nactions : &p->nstates;
	char *nm = arena_strndup(&ctx->arena, name, n);
	const struct profile_named *dup = named_find(v, *cnt, nm);
	if (dup != NULL)
		return util_err(err, errlen, "%s: profile '%s': `%s %s` given twice (first at %s)", at, p->name,
				action ? "action" : "probe state", nm, dup->where);
	const char *vat = where(ctx, e->value_loc);
	char why[256];
	if (e->value[0] == '\0')
		return util_err(err, errlen, "%s: profile '%s': `%s` is empty", vat, p->name, e->key);
	if (from_cluster) {
		if (!in_list(profile_cluster_readers, e->value, strlen(e->value)))
			return util_err(err, errlen, "%s: profile '%s': `%s`: unknown reader \"%s\" (expected \"quorum\", "
					"\"standby\", \"maintenance\" or \"constraint\")", vat, p->name, e->key, e->value);
	} else if (profile_each_var(e->value, no_var, NULL, why, sizeof(why)) < 0) {
		return util_err(err, errlen, "%s: profile '%s': `%s`: %s", vat, p->name, e->key, why);
	}
	v[*cnt] = (struct profile_named){ nm, e->value, at, vat, from_cluster };
	(*cnt)++;
	return 1;
}

/* A `cluster` profile's status answers `probe group owner` and `probe node member`. */
static int cluster_finish(struct profile *p, char *err, size_t errlen)
{
	static const enum profile_key answered[] = { PK_PROBE_OWNER, PK_PROBE_MEMBER };
	if (p->cluster == PROFILE_CLUSTER_NONE) {
		for (unsigned i = 0; i < p->nstates; i++)
			if (p->states[i].from_cluster)
				return util_err(err, errlen, "%s: profile '%s': `probe state %s from cluster` needs `cluster "
						"\"pacemaker\"`", p->states[i].where, p->name, p->states[i].name);
		if (p->cluster_status != NULL || p->cluster_config != NULL)
			return util_err(err, errlen, "%s: profile '%s': `probe cluster %s` needs `cluster \"pacemaker\"` (the "
					"format of its output)", p->where, p->name, p->cluster_status ? "status" : "config");
		return 0;
	}
	if (p->cluster_status == NULL)
		return util_err(err, errlen, "%s: profile '%s': `cluster \"pacemaker\"` needs `probe cluster status` (the "
				"command that prints crm_mon's XML)", p->where, p->name);
	for (size_t i = 0; i < sizeof(answered) / sizeof(answered[0]); i++) {
		enum profile_key k = answered[i];
		if (p->cmd[k] != NULL)
			return util_err(err, errlen, "%s: profile '%s': `%s`: a `cluster` profile answers it from `probe "
					"cluster status`", p->cmd_where[k], p->name, profile_key_name(k));
		p->cmd[k] = p->cluster_status;
		p->cmd_where[k] = p->where;
		p->from_status[k] = true;
	}
	return 0;
}

int profile_compile(struct hp_ctx *ctx, const struct ast_profile *ap, struct profile **out, char *err,
		    size_t errlen)
{
	struct arena *a = &ctx->arena;
	struct profile *p = arena_alloc(a, sizeof(*p));
	bool seen_shell = false, seen_timeout = false, seen_ptimeout = false;

	p->name = ap->name.s ? ap->name.s : "?";
	p->where = where(ctx, ap->name.s ? ap->name.loc : ap->loc);
	p->shell = PROFILE_SH;
	p->timeout_ns = DEFAULT_TIMEOUT_NS;
	p->probe_timeout_ns = DEFAULT_PROBE_TIMEOUT_NS;
	unsigned nent = 0;
	for (const struct ast_profile_entry *e = ap->entries; e != NULL; e = e->next)
		nent++;
	struct profile_named *acts = arena_alloc(a, (nent + 1) * sizeof(*acts));
	struct profile_named *states = arena_alloc(a, (nent + 1) * sizeof(*states));
	p->actions = acts;
	p->states = states;
	for (const struct ast_profile_entry *e = ap->entries; e != NULL; e = e->next) {
		const char *at = where(ctx, e->key_loc);
		if (strcmp(e->key, "shell") == 0) {
			if (seen_shell)
				return util_err(err, errlen, "%s: profile '%s': `shell` given twice", at, p->name);
			seen_shell = true;
			if (strcmp(e->value, "sh") == 0)
				p->shell = PROFILE_SH;
			else if (strcmp(e->value, "cmd") == 0)
				p->shell = PROFILE_CMD;
			else
				return util_err(err, errlen, "%s: profile '%s': unknown shell \"%s\" (expected \"sh\" or \"cmd\")",
					    at, p->name, e->value);
			continue;
		}
		if (strcmp(e->key, "timeout") == 0 || strcmp(e->key, "probe timeout") == 0) {
			bool probe = e->key[0] == 'p';
			bool *seen = probe ? &seen_ptimeout : &seen_timeout;
			if (*seen)
				return util_err(err, errlen, "%s: profile '%s': `%s` given twice", at, p->name, e->key);
			*seen = true;
			long long ns = profile_duration_ns(e->value);
			if (ns <= 0)
				return util_err(err, errlen, "%s: profile '%s': `%s` \"%s\" is not a duration (like 90s, 15m, 2h)",
					    at, p->name, e->key, e->value);
			*(probe ? &p->probe_timeout_ns : &p->timeout_ns) = ns;
			continue;
		}
		if (strcmp(e->key, "lock") == 0) {
			if (p->lock != NULL)
				return util_err(err, errlen, "%s: profile '%s': `lock` given twice", at, p->name);
			if (lock_check(e->value, at, p->name, err, errlen) != 0)
				return -1;
			p->lock = e->value;
			continue;
		}
		int taken = cluster_entry(ctx, p, e, at, err, errlen);
		if (taken == 0)
			taken = decl_entry(ctx, p, e, at, acts, states, err, errlen);
		if (taken < 0)
			return -1;
		if (taken > 0)
			continue;
		int k;
		for (k = 0; k < PK_COUNT; k++)
			if (strcmp(e->key, keys[k].name) == 0)
				break;
		if (k == PK_COUNT)
			return util_err(err, errlen, "%s: profile '%s': unknown key `%s` (docs/profiles.md lists the keys)", at,
				    p->name, e->key);
		if (p->cmd[k] != NULL)
			return util_err(err, errlen, "%s: profile '%s': `%s` given twice (first at %s)", at, p->name, e->key,
				    p->cmd_where[k]);
		struct var_check vc = { (enum profile_key)k, NULL, 0 };
		char why[256];
		const char *vat = where(ctx, e->value_loc);
		int rc = profile_each_var(e->value, check_var, &vc, why, sizeof(why));
		if (rc < 0)
			return util_err(err, errlen, "%s: profile '%s': `%s`: %s", vat, p->name, e->key, why);
		if (rc > 0)
			return util_err(err, errlen, "%s: profile '%s': `%s` uses ${%.*s}, which it does not know (it knows %s)",
				    vat, p->name, e->key, (int)vc.badlen, vc.bad, known_vars(a, (enum profile_key)k));
		if (e->value[0] == '\0')
			return util_err(err, errlen, "%s: profile '%s': `%s` is empty", vat, p->name, e->key);
		p->cmd[k] = e->value;
		p->cmd_where[k] = at;
	}
	if (cluster_finish(p, err, errlen) < 0)
		return -1;
	*out = p;
	return 0;
}

/* ---- finding profiles -------------------------------------------------------------------- */

/* PREFIX/share/hotplan/profiles for the prefix the running binary was installed under
 * (PREFIX/bin/hotplan), so that `cmake --install --prefix DIR` works wherever DIR is. */
static const char *beside_binary(struct arena *a)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash == NULL)
		return NULL;
	*slash = '\0';   /* PREFIX/bin */
	slash = strrchr(exe, '/');
	if (slash == NULL || strcmp(slash, "/bin") != 0)
		return NULL;
	*slash = '\0';
	return arena_printf(a, "%s/share/hotplan/profiles", exe);
}

unsigned profile_search_path(struct arena *a, const char *plan_path, const char ***dirs)
{
	const char *env = getenv("HOTPLAN_PROFILE_PATH");
	unsigned cap = 6, n = 0;
	for (const char *p = env; p != NULL && *p; p++)
		cap += *p == ':';
	const char **v = arena_alloc(a, (cap + 1) * sizeof(*v));
	for (const char *p = env; p != NULL && *p;) {
		const char *e = strchr(p, ':');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len > 0)
			v[n++] = arena_strndup(a, p, len);
		p = e ? e + 1 : p + len;
	}
	const char *slash = plan_path ? strrchr(plan_path, '/') : NULL;
	const char *dir = slash ? arena_strndup(a, plan_path, (size_t)(slash - plan_path)) : ".";
	if (slash == plan_path)
		dir = "";
	const char *installed = beside_binary(a);
	const char *more[] = { arena_printf(a, "%s/profiles", dir), arena_printf(a, "%s/plans/profiles", dir),
			       "./plans/profiles", installed, HOTPLAN_PROFILE_DIR };
	for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++) {
		bool dup = more[i] == NULL;
		for (unsigned j = 0; j < n && !dup; j++)
			dup = strcmp(v[j], more[i]) == 0;
		if (!dup)
			v[n++] = more[i];
	}
	*dirs = v;
	return n;
}

/* A name that can be a file name: no path, no leading dot. */
static bool name_ok(const char *name)
{
	if (name == NULL || name[0] == '\0' || name[0] == '.' || name[0] == '-' || strlen(name) > 100)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		      *p == '-' || *p == '_'))
			return false;
	return true;
}

int profile_find(struct hp_ctx *ctx, const char *name, const struct ast_profile *local, const char *const *dirs,
		 unsigned ndirs, const struct profile **out, char *err, size_t errlen)
{
	struct profile *p = NULL;
	for (const struct ast_profile *ap = local; ap != NULL; ap = ap->next)
		if (ap->name.s != NULL && strcmp(ap->name.s, name) == 0) {
			if (profile_compile(ctx, ap, &p, err, errlen) < 0)
				return -1;
			*out = p;
			return 0;
		}
	if (!name_ok(name))
		return util_err(err, errlen, "profile \"%s\": a profile's name is letters, digits, '.', '-' and '_'", name);
	for (unsigned i = 0; i < ndirs; i++) {
		const char *path = arena_printf(&ctx->arena, "%s/%s.hplan", dirs[i], name);
		struct stat st;
		if (stat(path, &st) != 0)
			continue;
		const char *why = NULL;
		unsigned before = ctx->diags.n;
		struct ast_file *f = parse_file(ctx, path, &why);
		if (f == NULL)
			return util_err(err, errlen, "profile '%s': %s", name, why);
		for (unsigned d = before; d < ctx->diags.n; d++)
			if (ctx->diags.v[d]->severity == SEV_ERROR)
				return util_err(err, errlen, "profile '%s': %s has errors", name, path);
		for (const struct ast_profile *ap = f->profiles; ap != NULL; ap = ap->next)
			if (ap->name.s != NULL && strcmp(ap->name.s, name) == 0) {
				if (profile_compile(ctx, ap, &p, err, errlen) < 0)
					return -1;
				*out = p;
				return 0;
			}
		return util_err(err, errlen, "profile '%s': %s does not define `profile \"%s\"`", name, path, name);
	}
	char looked[1024];
	size_t o = 0;
	looked[0] = '\0';
	for (unsigned i = 0; i < ndirs && o < sizeof(looked); i++)
		o += (size_t)snprintf(looked + o, sizeof(looked) - o, "%s%s", i ? ", " : "", dirs[i]);
	return util_err(err, errlen, "profile '%s' not found (looked in the inventory and in %s; HOTPLAN_PROFILE_PATH adds "
		    "directories)", name, looked);
}
