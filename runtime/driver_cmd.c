/* driver_cmd.c: the command driver: profiles and transports per node, the commands of each
 * action, the probes of each condition, the live state read back at the start, and the
 * commands shown by --dry-run. Design: docs/profiles.md. */
#define _GNU_SOURCE /* mkdtemp */
#include "driver_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"
#include "parse.h"
#include "progress.h"
#include "util.h"

#define DEFAULT_PROFILE "linux-systemd"
#define NO_PROFILE_TIMEOUT_NS (30LL * 60 * 1000000000LL)
#define UP_POLL_NS 1000000000LL
#define DOWN_WAIT_NS (120LL * 1000000000LL)
#define MAX_ITEMS 4096

struct cmd_node {
	const struct rt_node *node;
	const struct profile *prof;          /* NULL: none (the plan needs none, or a sim: node) */
	struct transport *tr;                /* NULL: sim: */
	const char *log_name;                /* the node's name made safe for a file name */
};

struct cmd_target {
	struct hp_ctx *ctx;
	const struct rt_target *t;
	const struct ast_plan *plan;
	struct cmd_node *nodes;
	unsigned n;
	bool real;                           /* local: and ssh:// nodes (else a preview on sim:) */
	char tmp_dir[64];                    /* private: ssh control sockets, list output; "" none */
	unsigned tmp_seq;
	volatile int *abort;
	bool closed;
};

struct cmd_driver {
	struct driver base;
	struct cmd_target *ct;
	struct arena *a;
	const struct rt_value *values;
	const char *journal_path;
	struct progress *prog;               /* where --dry-run's lines go */
	struct driver *sim;
	bool out_dir_ready;
};

/* One command of an action, rendered. */
struct item {
	unsigned node;
	enum profile_key key;
	const char *line;                    /* NULL: it could not be rendered (err) */
	const char *shown;                   /* the line for people: a secret param's value as *** */
	const char *err;
	const char *what;                    /* `store "X"` when the action has one command per store */
	long long timeout_ns;
	/* results */
	int failed;
	char msg[768];
};

/* util_err, returning rc: `return say(msg, len, EXIT_USAGE, "...")`. */
static int say(char *msg, size_t len, int rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int say(char *msg, size_t len, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	util_verr(msg, len, fmt, ap);
	va_end(ap);
	return rc;
}

static const char *where(struct hp_ctx *ctx, loc_t l)
{
	struct source *s = ctx_source(ctx, l.file);
	struct src_pos pos = source_pos(s, l.start);
	return arena_printf(&ctx->arena, "%s:%u:%u", s->path, pos.line, pos.col);
}

/* Text for a message or a terminal: control characters as \n, \xNN. */
static void escape_into(char *out, size_t len, const char *s, size_t max)
{
	size_t o = 0;
	if (len == 0)
		return;
	for (size_t i = 0; i < max && s[i] != '\0' && o + 5 < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n')
			o += (size_t)snprintf(out + o, len - o, "\\n");
		else if (c == '\t')
			o += (size_t)snprintf(out + o, len - o, "\\t");
		else if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(out + o, len - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	if (strnlen(s, max + 1) > max && o + 4 < len)
		o += (size_t)snprintf(out + o, len - o, "...");
	out[o] = '\0';
}

/* The last `lines` non-empty lines of a command's output, joined by " | ", escaped. */
static void tail_lines(const char *tail, unsigned lines, char *out, size_t len)
{
	size_t n = strlen(tail);
	while (n > 0 && (tail[n - 1] == '\n' || tail[n - 1] == '\r' || tail[n - 1] == ' '))
		n--;
	size_t start = n;
	unsigned got = 0;
	while (start > 0 && got < lines) {
		size_t e = start;
		start--;
		while (start > 0 && tail[start - 1] != '\n')
			start--;
		if (e > start)
			got++;
	}
	char buf[TRANSPORT_TAIL];
	size_t o = 0;
	for (size_t i = start; i < n && o + 4 < sizeof(buf); i++) {
		if (tail[i] == '\r')
			continue;
		if (tail[i] == '\n') {
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, " | ");
			continue;
		}
		buf[o++] = tail[i];
	}
	buf[o] = '\0';
	escape_into(out, len, buf, 400);
}

/* The last non-empty line of the output, trimmed: what `group owner` and `file version` say. */
static const char *last_line(struct arena *a, const char *tail)
{
	size_t n = strlen(tail);
	while (n > 0 && (tail[n - 1] == '\n' || tail[n - 1] == '\r' || tail[n - 1] == ' ' || tail[n - 1] == '\t'))
		n--;
	size_t s = n;
	while (s > 0 && tail[s - 1] != '\n')
		s--;
	while (s < n && (tail[s] == ' ' || tail[s] == '\t'))
		s++;
	return arena_strndup(a, tail + s, n - s);
}

static const char *lit_text(struct arena *a, const struct ast_literal *l)
{
	switch (l->kind) {
	case LIT_STRING:
		return l->str;
	case LIT_INT:
		return arena_printf(a, "%lld", (long long)l->num);
	case LIT_DURATION:
		return arena_printf(a, "%llds", (long long)l->num);
	case LIT_BOOL:
		return l->num ? "true" : "false";
	case LIT_VERSION:
		if (l->ver.n == 4)
			return arena_printf(a, "%u.%u.%u.%u", l->ver.c[0], l->ver.c[1], l->ver.c[2], l->ver.c[3]);
		return arena_printf(a, "%u.%u.%u", l->ver.c[0], l->ver.c[1], l->ver.c[2]);
	}
	return "";
}

static int first_node(nodeset ns)
{
	return ns ? __builtin_ctzll(ns) : -1;
}

/* ---- what the procedure needs ------------------------------------------------------------ */

struct needs {
	bool key[PK_COUNT];
	loc_t at[PK_COUNT];
	bool store_sets;                     /* selects stores by set: the store list must be known */
	bool stores;                         /* acts on or asks about stores at all */
};

static void need(struct needs *nd, enum profile_key k, loc_t at)
{
	if (!nd->key[k]) {
		nd->key[k] = true;
		nd->at[k] = at;
	}
}

static void need_cond(struct needs *nd, const struct ast_cond *c)
{
	if (c == NULL)
		return;
	switch (c->kind) {
	case C_OR:
	case C_AND:
		need_cond(nd, c->lhs);
		need_cond(nd, c->rhs);
		break;
	case C_NOT:
		need_cond(nd, c->lhs);
		break;
	case C_SERVICE:
		need(nd, PK_PROBE_SERVICE, c->loc);
		break;
	case C_PROCESS:
		need(nd, PK_PROBE_PROCESS, c->loc);
		break;
	case C_STORES:
		need(nd, PK_PROBE_STORE, c->loc);
		nd->stores = true;
		nd->store_sets |= c->stores.kind != ST_ONE;
		break;
	case C_MEMBER:
	case C_DOWN:
		need(nd, PK_PROBE_MEMBER, c->loc);
		break;
	case C_OWNS_GROUP:
	case C_OWNS_NO_GROUPS:
		need(nd, PK_PROBE_OWNER, c->loc);
		break;
	case C_INSTALLED:
		need(nd, PK_PROBE_INSTALLED, c->loc);
		break;
	case C_FILE_VERSION:
		need(nd, PK_PROBE_FILE_VERSION, c->loc);
		break;
	default:
		break;
	}
}

static void need_stmts(struct needs *nd, const struct ast_stmt *st)
{
	static const int key_of[] = {
		[A_STOP_SERVICE] = PK_STOP_SERVICE, [A_START_SERVICE] = PK_START_SERVICE,
		[A_KILL_PROCESS] = PK_KILL_PROCESS, [A_DISMOUNT] = PK_DISMOUNT_STORE, [A_MOUNT] = PK_MOUNT_STORE,
		[A_INSTALL] = PK_INSTALL_HOTFIX, [A_RESTART_NODE] = PK_RESTART_NODE, [A_MOVE_GROUP] = PK_MOVE_GROUP,
		[A_DISABLE_RESTART] = PK_DISABLE_RESTART, [A_ENABLE_RESTART] = PK_ENABLE_RESTART,
		[A_WAIT_UNTIL] = -1, [A_WAIT] = -1, [A_VERIFY] = -1, [A_PAUSE] = -1, [A_EXEC] = -1,
	};
	for (; st != NULL; st = st->next) {
		for (const struct ast_action *a = st->actions; a != NULL; a = a->next) {
			if (key_of[a->kind] >= 0)
				need(nd, (enum profile_key)key_of[a->kind], a->loc);
			if (a->kind == A_DISMOUNT || a->kind == A_MOUNT) {
				nd->stores = true;
				nd->store_sets |= a->stores.kind != ST_ONE;
			}
			need_cond(nd, a->cond);
		}
		if (st->kind == S_IF)
			need_cond(nd, st->cond);
		need_stmts(nd, st->body);
		need_stmts(nd, st->else_body);
	}
}

/* Exec strings: every ${NAME} a param of the plan. */
struct exec_check {
	const struct ast_plan *plan;
	const char *bad;
	size_t badlen;
};

static int exec_var(void *ud, const char *name, size_t len)
{
	struct exec_check *ec = ud;
	for (const struct ast_param *p = ec->plan->params; p != NULL; p = p->next)
		if (strlen(p->name.s) == len && memcmp(p->name.s, name, len) == 0)
			return 0;
	ec->bad = name;
	ec->badlen = len;
	return 1;
}

static int check_execs(struct hp_ctx *ctx, const struct ast_plan *plan, const struct ast_stmt *st, char *msg,
		       size_t len)
{
	for (; st != NULL; st = st->next) {
		for (const struct ast_action *a = st->actions; a != NULL; a = a->next) {
			if (a->kind != A_EXEC || a->arg.s == NULL)
				continue;
			struct exec_check ec = { plan, NULL, 0 };
			char why[256];
			int rc = profile_each_var(a->arg.s, exec_var, &ec, why, sizeof(why));
			if (rc < 0)
				return say(msg, len, EXIT_REJECTED, "%s: exec: %s", where(ctx, a->arg.loc), why);
			if (rc > 0)
				return say(msg, len, EXIT_REJECTED, "%s: exec uses ${%.*s}, which is not a param of plan '%s'",
					   where(ctx, a->arg.loc), (int)ec.badlen, ec.bad, plan->name.s);
		}
		int rc = check_execs(ctx, plan, st->body, msg, len);
		if (rc == 0)
			rc = check_execs(ctx, plan, st->else_body, msg, len);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* ---- running one command ------------------------------------------------------------------ */

static void var_add(struct profile_var *v, unsigned *n, const char *name, const char *value, bool raw)
{
	v[*n].name = name;
	v[*n].value = value != NULL ? value : "";
	v[*n].raw = raw;
	(*n)++;
}

struct lookup {
	struct cmd_target *ct;
	unsigned node;
	const struct profile_var *vars;
	unsigned nvars;
};

static const char *node_lookup(void *ud, const char *name, bool *raw, char *err, size_t errlen)
{
	struct lookup *l = ud;
	const struct rt_node *nd = &l->ct->t->nodes[l->node];
	struct arena *a = &l->ct->ctx->arena;
	for (unsigned i = 0; i < l->nvars; i++)
		if (strcmp(l->vars[i].name, name) == 0) {
			*raw = l->vars[i].raw;
			return l->vars[i].value;
		}
	if (strcmp(name, "node") == 0)
		return nd->name;
	if (strcmp(name, "sandbox") == 0) {
		const struct ast_literal *f = target_fact(l->ct->t, (int)l->node, "sandbox");
		if (f != NULL)
			return lit_text(a, f);
		const char *env = getenv("HOTPLAN_SANDBOX");
		if (env != NULL && env[0] != '\0')
			return arena_printf(a, "%s/%s", env, nd->name);
		snprintf(err, errlen, "node %s has no sandbox: give it `fact sandbox = \"DIR\"` or set HOTPLAN_SANDBOX",
			 nd->name);
		return NULL;
	}
	if (strncmp(name, "fact.", 5) == 0) {
		const struct ast_literal *f = target_fact(l->ct->t, (int)l->node, name + 5);
		if (f != NULL)
			return lit_text(a, f);
		snprintf(err, errlen, "fact %s is not known for node %s", name + 5, nd->name);
		return NULL;
	}
	return NULL;
}

/* Render key k for a node: the line, or NULL with err. */
static const char *render(struct cmd_target *ct, unsigned node, enum profile_key k, const struct profile_var *vars,
			  unsigned nvars, char *err, size_t errlen)
{
	const struct profile *p = ct->nodes[node].prof;
	if (p == NULL || p->cmd[k] == NULL) {
		snprintf(err, errlen, "node %s: %s has no `%s`", ct->t->nodes[node].name,
			 p ? arena_printf(&ct->ctx->arena, "profile '%s'", p->name) : "no profile", profile_key_name(k));
		return NULL;
	}
	struct lookup l = { ct, node, vars, nvars };
	char why[512];
	char *line = (char *)profile_subst(&ct->ctx->arena, p->shell, p->cmd[k], node_lookup, &l, why, sizeof(why));
	if (line == NULL) {
		snprintf(err, errlen, "node %s: profile '%s', `%s`: %s", ct->t->nodes[node].name, p->name,
			 profile_key_name(k), why);
		return NULL;
	}
	/* an empty value at the end (no `args`) leaves blanks: not part of the command */
	size_t n = strlen(line);
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		line[--n] = '\0';
	return line;
}

/* Run a line on a node. 0 when it ran (r says how it ended), -1 (err) when it could not. */
static int run_line(struct cmd_target *ct, unsigned node, const char *line, long long timeout_ns, const char *capture,
		    const char *label, struct transport_result *r, char *err, size_t errlen)
{
	struct transport *tr = ct->nodes[node].tr;
	if (tr == NULL) {
		snprintf(err, errlen, "node %s has no transport", ct->t->nodes[node].name);
		return -1;
	}
	struct transport_cmd c = { line, timeout_ns, capture, label };
	return transport_run(tr, &c, r, err, errlen);
}

/* Why a command that ran failed (status, signal, timeout), with its output's last lines. */
static void failure_text(const struct cmd_target *ct, unsigned node, enum profile_key k, const char *line,
			 const struct transport_result *r, char *out, size_t len)
{
	char how[96], tail[512], shown[256];
	escape_into(shown, sizeof(shown), line, 160);
	if (r->timed_out)
		snprintf(how, sizeof(how), "timed out after %.0fs", r->seconds);
	else if (r->interrupted)
		snprintf(how, sizeof(how), "was aborted by a second interrupt");
	else if (r->signal)
		snprintf(how, sizeof(how), "was killed by signal %d", r->signal);
	else
		snprintf(how, sizeof(how), "exited with status %d", r->status);
	tail_lines(r->tail, 3, tail, sizeof(tail));
	snprintf(out, len, "%s on %s: `%s` %s%s%s", k == PK_EXEC ? "exec" : profile_key_name(k), ct->t->nodes[node].name,
		 shown, how, tail[0] ? ": " : "", tail);
}

/* The same for an action's own command, whose action and node the progress line names:
 * how it ended, its output's last lines, and where the whole output is. */
static void act_failure_text(const struct cmd_target *ct, const struct item *it, bool several_nodes,
			     const struct transport_result *r, const char *capture, char *out, size_t len)
{
	char how[96], tail[512];
	if (r->timed_out)
		snprintf(how, sizeof(how), "timed out after %.0fs", r->seconds);
	else if (r->interrupted)
		snprintf(how, sizeof(how), "aborted by a second interrupt");
	else if (r->signal)
		snprintf(how, sizeof(how), "killed by signal %d", r->signal);
	else
		snprintf(how, sizeof(how), "exited with status %d", r->status);
	tail_lines(r->tail, 3, tail, sizeof(tail));
	snprintf(out, len, "%s%s%s%s%s%s%s%s%s%s", several_nodes ? ct->t->nodes[it->node].name : "",
		 several_nodes ? ": " : "", it->what ? it->what : "", it->what ? ": " : "", how, tail[0] ? ": " : "", tail,
		 capture ? " (output: " : "", capture ? capture : "", capture ? ")" : "");
}

/* A probe: B_YES on exit 0, B_NO on exit 1, B_ANY (msg) otherwise. */
static mset probe_bool(struct cmd_target *ct, unsigned node, enum profile_key k, const struct profile_var *vars,
		       unsigned nvars, char *msg, size_t len)
{
	char err[768];
	const char *line = render(ct, node, k, vars, nvars, err, sizeof(err));
	if (line == NULL) {
		snprintf(msg, len, "%s", err);
		return B_ANY;
	}
	struct transport_result r;
	if (run_line(ct, node, line, ct->nodes[node].prof->probe_timeout_ns, NULL, NULL, &r, err, sizeof(err)) < 0) {
		snprintf(msg, len, "%s on %s: %s", profile_key_name(k), ct->t->nodes[node].name, err);
		return B_ANY;
	}
	if (!r.timed_out && !r.interrupted && r.signal == 0 && (r.status == 0 || r.status == 1))
		return r.status == 0 ? B_YES : B_NO;
	failure_text(ct, node, k, line, &r, msg, len);
	return B_ANY;
}

/* A probe that prints its answer: the last line of its output, or NULL (msg). */
static const char *probe_text(struct cmd_target *ct, unsigned node, enum profile_key k, const struct profile_var *vars,
			      unsigned nvars, char *msg, size_t len)
{
	char err[768];
	const char *line = render(ct, node, k, vars, nvars, err, sizeof(err));
	if (line == NULL) {
		snprintf(msg, len, "%s", err);
		return NULL;
	}
	struct transport_result r;
	if (run_line(ct, node, line, ct->nodes[node].prof->probe_timeout_ns, NULL, NULL, &r, err, sizeof(err)) < 0) {
		snprintf(msg, len, "%s on %s: %s", profile_key_name(k), ct->t->nodes[node].name, err);
		return NULL;
	}
	if (r.timed_out || r.interrupted || r.signal != 0 || r.status != 0) {
		failure_text(ct, node, k, line, &r, msg, len);
		return NULL;
	}
	const char *out = last_line(&ct->ctx->arena, r.tail);
	if (out[0] == '\0') {
		snprintf(msg, len, "%s on %s printed nothing", profile_key_name(k), ct->t->nodes[node].name);
		return NULL;
	}
	return out;
}

/* A cluster-wide question (who owns a group): the first node that answers. */
static int group_owner(struct cmd_target *ct, const char *group, char *msg, size_t len)
{
	struct profile_var v[1];
	unsigned nv = 0;
	var_add(v, &nv, "group", group, false);
	msg[0] = '\0';
	for (unsigned n = 0; n < ct->n; n++) {
		if (ct->nodes[n].prof == NULL || ct->nodes[n].prof->cmd[PK_PROBE_OWNER] == NULL || ct->nodes[n].tr == NULL)
			continue;
		const char *who = probe_text(ct, n, PK_PROBE_OWNER, v, nv, msg, len);
		if (who == NULL)
			continue;
		int i = target_node_index(ct->t, who);
		if (i < 0) {
			char shown[128];
			escape_into(shown, sizeof(shown), who, 100);
			snprintf(msg, len, "probe group owner on %s says group \"%s\" is owned by '%s', which is not a node of "
				 "target '%s'", ct->t->nodes[n].name, group, shown, ct->t->name);
			return -1;
		}
		return i;
	}
	if (msg[0] == '\0')
		snprintf(msg, len, "no node's profile has `probe group owner`");
	return -1;
}

/* The stores `list stores` prints, one per line, read from a private capture file (the tail
 * is too short for a long list). */
static int list_stores(struct cmd_target *ct, unsigned node, const char *service, const char ***out, unsigned *nout,
		       char *msg, size_t len)
{
	struct arena *a = &ct->ctx->arena;
	struct profile_var v[1];
	unsigned nv = 0;
	char err[768];
	var_add(v, &nv, "service", service, false);
	const char *line = render(ct, node, PK_LIST_STORES, v, nv, err, sizeof(err));
	if (line == NULL)
		return say(msg, len, -1, "%s", err);
	const char *path = arena_printf(a, "%s/list-%u", ct->tmp_dir, ++ct->tmp_seq);
	struct transport_result r;
	int rc = run_line(ct, node, line, ct->nodes[node].prof->probe_timeout_ns, path, "list stores", &r, err,
			  sizeof(err));
	if (rc < 0) {
		unlink(path);
		return say(msg, len, -1, "list stores on %s: %s", ct->t->nodes[node].name, err);
	}
	if (r.timed_out || r.interrupted || r.signal != 0 || r.status != 0) {
		unlink(path);
		failure_text(ct, node, PK_LIST_STORES, line, &r, msg, len);
		return -1;
	}
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		rc = errno;
		unlink(path);
		return say(msg, len, -1, "read %s: %s", path, strerror(rc));
	}
	unsigned cap = 8, n = 0;
	const char **v2 = arena_alloc(a, cap * sizeof(*v2));
	char *buf = NULL;
	size_t bcap = 0;
	ssize_t got;
	bool header = true;
	while ((got = getline(&buf, &bcap, f)) >= 0) {
		while (got > 0 && (buf[got - 1] == '\n' || buf[got - 1] == '\r'))
			buf[--got] = '\0';
		if (header) { /* "==== label ====" */
			header = false;
			continue;
		}
		if (got == 0 || strncmp(buf, "[hotplan: ", 10) == 0)
			continue;
		bool dup = false;
		for (unsigned i = 0; i < n && !dup; i++)
			dup = strcmp(v2[i], buf) == 0;
		if (dup)
			continue;
		if (n == cap) {
			v2 = arena_realloc(a, v2, cap * sizeof(*v2), 2 * (size_t)cap * sizeof(*v2));
			cap *= 2;
		}
		v2[n++] = arena_strdup(a, buf);
	}
	/* getline() returns -1 at the end and on a read error alike: a list cut short is an error */
	rc = ferror(f) ? (errno != 0 ? errno : EIO) : 0;
	free(buf);
	(void)fclose(f); /* read only: nothing to lose */
	unlink(path);
	if (rc != 0)
		return say(msg, len, -1, "read %s: %s", path, strerror(rc));
	*out = v2;
	*nout = n;
	return 0;
}

/* ---- opening -------------------------------------------------------------------------------- */

bool cmd_target_wanted(const struct rt_target *t)
{
	for (unsigned n = 0; n < t->nnodes; n++) {
		const struct rt_node *nd = &t->nodes[n];
		if (nd->transport != TR_SIM || (nd->profile != NULL && strcmp(nd->profile, "sim") != 0))
			return true;
	}
	return false;
}

void cmd_print_diags(struct hp_ctx *ctx, unsigned from, FILE *out)
{
	if (from >= ctx->diags.n)
		return;
	struct diag **v = ctx->diags.v;
	unsigned n = ctx->diags.n, e = ctx->diags.errors, w = ctx->diags.warnings;
	ctx->diags.v = v + from;
	ctx->diags.n = n - from;
	diag_finish(ctx);
	diag_print_text(ctx, out, false);
	ctx->diags.v = v;
	ctx->diags.n = n;
	ctx->diags.errors = e;
	ctx->diags.warnings = w;
}

void cmd_target_close(struct cmd_target *ct)
{
	if (ct == NULL || ct->closed)
		return;
	ct->closed = true;
	for (unsigned n = 0; n < ct->n; n++) {
		transport_close(ct->nodes[n].tr);
		ct->nodes[n].tr = NULL;
	}
	if (ct->tmp_dir[0] != '\0') {
		(void)rmdir(ct->tmp_dir); /* the ssh transports removed their sockets */
		ct->tmp_dir[0] = '\0';
	}
}

static const char *safe_file_name(struct arena *a, const char *name)
{
	char *s = arena_strdup(a, name);
	for (char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		      *p == '-' || *p == '_'))
			*p = '_';
	if (s[0] == '.' || s[0] == '\0')
		return arena_printf(a, "_%s", s);
	return s;
}

int cmd_target_open(struct hp_ctx *ctx, const struct cmd_open *o, struct rt_target *t, struct cmd_target **out,
		    char *msg, size_t len)
{
	struct arena *a = &ctx->arena;
	struct cmd_target *ct = arena_alloc(a, sizeof(*ct));
	struct needs nd;
	int rc;

	*out = NULL;
	memset(&nd, 0, sizeof(nd));
	ct->ctx = ctx;
	ct->t = t;
	ct->plan = o->plan;
	ct->abort = o->abort;
	ct->n = t->nnodes;
	ct->nodes = arena_alloc(a, (ct->n + 1) * sizeof(*ct->nodes));
	need_stmts(&nd, o->proc->body);
	for (const struct ast_require *r = o->plan->requires; r != NULL; r = r->next)
		need_cond(&nd, r->cond);
	for (const struct ast_require *r = o->plan->ensures; r != NULL; r = r->next)
		need_cond(&nd, r->cond);
	bool needs_profile = false;
	for (int k = 0; k < PK_COUNT; k++)
		needs_profile |= nd.key[k];

	unsigned nsim = 0;
	for (unsigned n = 0; n < ct->n; n++)
		nsim += t->nodes[n].transport == TR_SIM;
	if (nsim > 0 && nsim < ct->n)
		return say(msg, len, EXIT_USAGE, "target '%s' mixes sim: nodes with local: or ssh:// ones", t->name);
	ct->real = nsim == 0;
	if ((rc = check_execs(ctx, o->plan, o->proc->body, msg, len)) != 0)
		return rc;

	/* profiles, each loaded once */
	const char **dirs = NULL;
	unsigned ndirs = profile_search_path(a, o->plan_path, &dirs);
	const char **names = arena_alloc(a, (ct->n + 1) * sizeof(*names));
	const struct profile **loaded = arena_alloc(a, (ct->n + 1) * sizeof(*loaded));
	unsigned nloaded = 0;
	for (unsigned n = 0; n < ct->n; n++) {
		struct cmd_node *cn = &ct->nodes[n];
		const struct rt_node *rn = &t->nodes[n];
		cn->node = rn;
		cn->log_name = safe_file_name(a, rn->name);
		const char *name = rn->profile;
		bool explicit = name != NULL;
		if (name != NULL && strcmp(name, "sim") == 0) {
			if (rn->transport != TR_SIM)
				return say(msg, len, EXIT_USAGE, "node %s: profile \"sim\" is for sim: nodes only (its address "
					   "is %s)", rn->name, rn->address);
			continue;
		}
		if (name == NULL) {
			if (rn->transport == TR_SIM || !needs_profile)
				continue;   /* exec, wait, pause and verify of facts need no profile */
			name = DEFAULT_PROFILE;
		}
		const struct profile *p = NULL;
		for (unsigned i = 0; i < nloaded && p == NULL; i++)
			if (strcmp(names[i], name) == 0)
				p = loaded[i];
		if (p == NULL) {
			char err[1536];
			if (profile_find(ctx, name, o->local, dirs, ndirs, &p, err, sizeof(err)) < 0) {
				return say(msg, len, EXIT_USAGE, "node %s: %s%s", rn->name, err,
					   explicit ? "" : " (the default for local: and ssh:// nodes; name another with "
					   "`profile \"NAME\"` in the inventory)");
			}
			names[nloaded] = name;
			loaded[nloaded++] = p;
		}
		cn->prof = p;
		if (p->shell == PROFILE_CMD && rn->transport != TR_SIM)
			return say(msg, len, EXIT_USAGE, "node %s: profile '%s' runs its commands under cmd, and the %s "
				   "transport runs /bin/sh -c: a cmd profile previews Windows commands (--dry-run) on sim: "
				   "nodes", rn->name, p->name, rn->transport == TR_LOCAL ? "local:" : "ssh://");
		for (int k = 0; k < PK_COUNT; k++)
			if (nd.key[k] && p->cmd[k] == NULL)
				return say(msg, len, EXIT_REJECTED, "node %s: profile '%s' (%s) has no `%s`, which %s needs",
					   rn->name, p->name, p->where, profile_key_name((enum profile_key)k),
					   where(ctx, nd.at[k]));
	}
	if (!ct->real) {
		*out = ct;
		return 0;
	}

	/* transports */
	const char *tmp = getenv("TMPDIR");
	if (tmp == NULL || tmp[0] == '\0' || strlen(tmp) > 24)
		tmp = "/tmp";
	snprintf(ct->tmp_dir, sizeof(ct->tmp_dir), "%s/hotplan-XXXXXX", tmp);
	if (mkdtemp(ct->tmp_dir) == NULL) {
		rc = errno;
		ct->tmp_dir[0] = '\0';
		return say(msg, len, EXIT_USAGE, "mkdtemp %s/hotplan-XXXXXX: %s", tmp, strerror(rc));
	}
	for (unsigned n = 0; n < ct->n; n++) {
		char err[1024] = "";
		const struct rt_node *rn = &t->nodes[n];
		ct->nodes[n].tr = rn->transport == TR_LOCAL ? transport_local_new(rn, o->abort, err, sizeof(err))
			: transport_ssh_new(rn, ct->tmp_dir, o->abort, err, sizeof(err));
		if (ct->nodes[n].tr == NULL) {
			cmd_target_close(ct);
			return say(msg, len, EXIT_USAGE, "node %s (%s): %s", rn->name, rn->address, err);
		}
	}

	/* the live target: group owners, then the stores */
	if (t->kind == PROC_CLUSTER) {
		unsigned ng = 0;
		for (const struct ast_model_item *it = o->plan->model; it != NULL; it = it->next)
			ng += it->kind == M_GROUP && it->name.s != NULL;
		const char **gn = arena_alloc(a, (ng + t->ngroups + 1) * sizeof(*gn));
		const char **go = arena_alloc(a, (ng + t->ngroups + 1) * sizeof(*go));
		unsigned k = 0;
		bool any = false;
		for (unsigned n = 0; n < ct->n; n++)
			any |= ct->nodes[n].prof != NULL && ct->nodes[n].prof->cmd[PK_PROBE_OWNER] != NULL;
		for (const struct ast_model_item *it = o->plan->model; any && it != NULL; it = it->next) {
			if (it->kind != M_GROUP || it->name.s == NULL)
				continue;
			char why[1024];
			int owner = group_owner(ct, it->name.s, why, sizeof(why));
			if (owner < 0) {
				cmd_target_close(ct);
				return say(msg, len, EXIT_USAGE, "target '%s': who owns group \"%s\"? %s", t->name, it->name.s,
					   why);
			}
			gn[k] = it->name.s;
			go[k++] = t->nodes[owner].name;
		}
		for (unsigned g = 0; g < t->ngroups; g++) {
			bool dup = false;
			for (unsigned i = 0; i < k && !dup; i++)
				dup = strcmp(gn[i], t->group_names[g]) == 0;
			if (!dup) {
				gn[k] = t->group_names[g];
				go[k++] = t->group_owners[g];
			}
		}
		t->group_names = gn;
		t->group_owners = go;
		t->ngroups = k;
	}
	if (t->nstores == 0 && nd.stores) {
		unsigned host = 0;
		const struct ast_model_item *svc = o->plan->store_svc;
		if (t->kind == PROC_CLUSTER && svc != NULL && svc->res != NULL && svc->res->grp != NULL)
			for (unsigned g = 0; g < t->ngroups; g++)
				if (strcmp(t->group_names[g], svc->res->grp->name.s) == 0 &&
				    target_node_index(t, t->group_owners[g]) >= 0)
					host = (unsigned)target_node_index(t, t->group_owners[g]);
		const struct profile *p = ct->nodes[host].prof;
		if (p != NULL && p->cmd[PK_LIST_STORES] != NULL) {
			char why[1024];
			if (list_stores(ct, host, svc ? svc->name.s : "", &t->stores, &t->nstores, why, sizeof(why)) < 0) {
				cmd_target_close(ct);
				return say(msg, len, EXIT_USAGE, "target '%s': which stores? %s", t->name, why);
			}
		} else if (nd.store_sets) {
			cmd_target_close(ct);
			return say(msg, len, EXIT_USAGE, "target '%s': the plan selects stores, and the stores are unknown: list "
				   "them in the inventory (`store \"NAME\"`) or give %s a `list stores`", t->name,
				   p ? arena_printf(a, "profile '%s'", p->name) : "the node a profile");
		}
	}
	*out = ct;
	return 0;
}

/* ---- the driver -------------------------------------------------------------------------- */

static const struct ast_model_item *store_service(const struct model *m)
{
	return m->plan->store_svc;
}

/* Where the stores live: the owner of the store service's group, else the first node. */
static unsigned store_host(const struct cmd_driver *d)
{
	const struct model *m = d->base.m;
	const struct ast_model_item *svc = store_service(m);
	if (m->kind == PROC_CLUSTER && svc != NULL && svc->res != NULL && svc->res->grp != NULL && m->ngroups > 0) {
		int n = first_node(d->base.live->owner[svc->res->grp->index]);
		if (n >= 0)
			return (unsigned)n;
	}
	return 0;
}

static unsigned group_host(const struct cmd_driver *d, const struct ast_model_item *grp)
{
	if (grp != NULL && d->base.m->ngroups > 0 && grp->index < d->base.m->ngroups) {
		int n = first_node(d->base.live->owner[grp->index]);
		if (n >= 0)
			return (unsigned)n;
	}
	return 0;
}

/* The param values by name, for exec strings. */
/* NOLINTNEXTLINE(readability-non-const-parameter): the signature of a template lookup callback */
static const char *param_lookup(void *ud, const char *name, bool *raw, char *err, size_t errlen)
{
	const struct cmd_driver *d = ud;
	(void)err, (void)errlen;
	*raw = false;
	for (const struct ast_param *p = d->base.m->plan->params; p != NULL; p = p->next)
		if (strcmp(p->name.s, name) == 0) {
			const struct rt_value *v = &d->values[p->index];
			return v->set && v->text != NULL ? v->text : "";
		}
	return NULL;
}

/* The same for the line people see (progress, --dry-run, the capture file's header): a
 * secret param's value is "***". */
static const char *param_lookup_shown(void *ud, const char *name, bool *raw, char *err, size_t errlen)
{
	const struct cmd_driver *d = ud;
	for (const struct ast_param *p = d->base.m->plan->params; p != NULL; p = p->next)
		if (p->secret && strcmp(p->name.s, name) == 0) {
			*raw = false;
			return "***";
		}
	return param_lookup(ud, name, raw, err, errlen);
}

/* s for people: every secret param's value as *** (progress.h); arena-owned. */
static const char *shown_text(struct cmd_driver *d, const char *s)
{
	if (s == NULL || d->prog == NULL || d->prog->nsecrets == 0)
		return s;
	char *r = progress_redact(d->prog, s);
	const char *out = r != NULL ? arena_strdup(d->a, r) : "***";
	free(r);
	return out;
}

static const char *join_lines(struct arena *a, const char *const *v, unsigned n)
{
	size_t len = 1;
	for (unsigned i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	char *s = arena_alloc(a, len), *o = s;
	for (unsigned i = 0; i < n; i++) {
		if (i > 0)
			*o++ = '\n';
		o = stpcpy(o, v[i]);
	}
	*o = '\0';
	return s;
}

static void add_item(struct cmd_driver *d, struct item *items, unsigned *n, unsigned node, enum profile_key k,
		     const struct profile_var *vars, unsigned nvars, long long timeout_ns)
{
	if (*n >= MAX_ITEMS)
		return;
	struct item *it = &items[*n];
	char err[768];
	memset(it, 0, sizeof(*it));
	it->node = node;
	it->key = k;
	it->line = render(d->ct, node, k, vars, nvars, err, sizeof(err));
	it->shown = shown_text(d, it->line);
	if (it->line == NULL)
		it->err = arena_strdup(d->a, err);
	const struct profile *p = d->ct->nodes[node].prof;
	it->timeout_ns = timeout_ns > 0 ? timeout_ns : p ? p->timeout_ns : NO_PROFILE_TIMEOUT_NS;
	(*n)++;
}

/* The commands of an action (none for the runtime's own: wait, verify, pause). Returns how
 * many, or -1 (msg) when the action cannot be placed on a node. */
static int plan_action(struct cmd_driver *d, const struct ast_action *act, const struct model_bind *b, nodeset nodes,
		       struct item **out, char *msg, size_t len)
{
	const struct model *m = d->base.m;
	struct arena *a = d->a;
	struct profile_var v[8];
	unsigned nv = 0, n = 0;
	struct item *items = NULL;
	const struct ast_model_item *svc = act->svc;
	long long timeout = 0;

	*out = NULL;
	switch (act->kind) {
	case A_WAIT_UNTIL:
	case A_WAIT:
	case A_VERIFY:
	case A_PAUSE:
		return 0;
	case A_DISMOUNT:
	case A_MOUNT: {
		unsigned cap = 1;
		for (unsigned k = 0; k < m->nstores; k++)
			cap += model_store_selected(m, k, &act->stores) == B_YES;
		if (nodes == 0)
			nodes = (nodeset)1 << store_host(d);
		cap *= (unsigned)__builtin_popcountll(nodes);
		items = arena_alloc(a, cap * sizeof(*items));
		for (unsigned k = 0; k < m->nstores; k++) {
			if (model_store_selected(m, k, &act->stores) != B_YES)
				continue;
			for (unsigned nd = 0; nd < m->nnodes; nd++) {
				if (!(nodes & ((nodeset)1 << nd)))
					continue;
				nv = 0;
				var_add(v, &nv, "store", m->stores[k].name, false);
				var_add(v, &nv, "service", svc ? svc->name.s : "", false);
				add_item(d, items, &n, nd, act->kind == A_DISMOUNT ? PK_DISMOUNT_STORE : PK_MOUNT_STORE, v, nv, 0);
				items[n - 1].what = arena_printf(a, "store \"%s\"", m->stores[k].name);
			}
		}
		*out = items;
		return (int)n;
	}
	case A_MOVE_GROUP:
	case A_DISABLE_RESTART:
	case A_ENABLE_RESTART: {
		items = arena_alloc(a, sizeof(*items));
		if (act->kind == A_MOVE_GROUP) {
			int to = act->to_role && act->to_role->index < b->n ? first_node(b->nodes[act->to_role->index]) : -1;
			if (to < 0)
				return say(msg, len, -1, "move group \"%s\": the role %s is bound to no node", act->arg.s,
					   act->to.s ? act->to.s : "?");
			var_add(v, &nv, "group", act->arg.s, false);
			var_add(v, &nv, "to", m->node_names[to], false);
			add_item(d, items, &n, group_host(d, act->grp), PK_MOVE_GROUP, v, nv, 0);
		} else {
			const struct ast_model_item *grp = act->grp ? act->grp->grp : NULL;
			var_add(v, &nv, "resource", act->arg.s, false);
			var_add(v, &nv, "group", grp ? grp->name.s : "", false);
			add_item(d, items, &n, group_host(d, grp),
				 act->kind == A_DISABLE_RESTART ? PK_DISABLE_RESTART : PK_ENABLE_RESTART, v, nv, 0);
		}
		*out = items;
		return (int)n;
	}
	default:
		break;
	}

	/* node actions: one command per node */
	if (nodes == 0)
		return say(msg, len, -1, "no node to run it on");
	enum profile_key key = PK_EXEC;
	switch (act->kind) {
	case A_STOP_SERVICE:
	case A_START_SERVICE:
		key = act->kind == A_STOP_SERVICE ? PK_STOP_SERVICE : PK_START_SERVICE;
		var_add(v, &nv, "service", act->arg.s, false);
		var_add(v, &nv, "process", svc && svc->kind == M_SERVICE ? svc->process.s : "", false);
		break;
	case A_KILL_PROCESS:
		key = PK_KILL_PROCESS;
		var_add(v, &nv, "process", act->arg.s, false);
		var_add(v, &nv, "service", svc ? svc->name.s : "", false);
		break;
	case A_INSTALL: {
		const struct ast_hotfix *h = act->hotfix;
		key = PK_INSTALL_HOTFIX;
		if (h == NULL)
			return say(msg, len, -1, "unknown hotfix");
		unsigned nf = 0;
		for (const struct ast_hfile *f = h->files; f != NULL; f = f->next)
			nf++;
		const char **files = arena_alloc(a, (nf + 1) * sizeof(*files));
		nf = 0;
		for (const struct ast_hfile *f = h->files; f != NULL; f = f->next) {
			struct ast_literal l = { .kind = LIT_VERSION, .ver = f->version };
			files[nf++] = f->has_version ? arena_printf(a, "%s=%s", f->name.s, lit_text(a, &l)) : f->name.s;
		}
		const char **rs = arena_alloc(a, (h->nrestarts + 1) * sizeof(*rs));
		for (uint32_t i = 0; i < h->nrestarts; i++)
			rs[i] = h->restarts[i].s;
		var_add(v, &nv, "hotfix", h->name.s, false);
		var_add(v, &nv, "package", h->package, false);
		var_add(v, &nv, "args", h->args, true);
		var_add(v, &nv, "files", join_lines(a, files, nf), false);
		var_add(v, &nv, "restarts", join_lines(a, rs, h->nrestarts), false);
		break;
	}
	case A_RESTART_NODE:
		key = PK_RESTART_NODE;
		break;
	case A_EXEC:
		timeout = act->duration > 0 ? act->duration * 1000000000LL : 0;
		break;
	default:
		return 0;
	}
	items = arena_alloc(a, ((size_t)__builtin_popcountll(nodes) + 1) * sizeof(*items));
	for (unsigned nd = 0; nd < m->nnodes; nd++) {
		if (!(nodes & ((nodeset)1 << nd)))
			continue;
		if (key != PK_EXEC) {
			add_item(d, items, &n, nd, key, v, nv, 0);
			continue;
		}
		/* exec: the plan's string with its params quoted for the node's shell, run as it is
		 * or through the profile's `exec` wrapper */
		const struct profile *p = d->ct->nodes[nd].prof;
		char err[768];
		struct item *it = &items[n++];
		memset(it, 0, sizeof(*it));
		it->node = nd;
		it->key = PK_EXEC;
		it->timeout_ns = timeout > 0 ? timeout : p ? p->timeout_ns : NO_PROFILE_TIMEOUT_NS;
		const char *cmd = profile_subst(a, p ? p->shell : PROFILE_SH, act->arg.s, param_lookup, d, err, sizeof(err));
		if (cmd == NULL) {
			it->err = arena_printf(a, "exec on %s: %s", m->node_names[nd], err);
			continue;
		}
		/* the line people see: the real value of a secret param is only in what runs */
		const char *shown = profile_subst(a, p ? p->shell : PROFILE_SH, act->arg.s, param_lookup_shown, d, err,
						  sizeof(err));
		if (p == NULL || p->cmd[PK_EXEC] == NULL) {
			it->line = cmd;
			it->shown = shown_text(d, shown != NULL ? shown : "***");
			continue;
		}
		struct profile_var ev[1];
		unsigned nev = 0;
		var_add(ev, &nev, "command", cmd, true);
		it->line = render(d->ct, nd, PK_EXEC, ev, nev, err, sizeof(err));
		if (it->line == NULL) {
			it->err = arena_strdup(a, err);
			continue;
		}
		nev = 0;
		var_add(ev, &nev, "command", shown != NULL ? shown : "***", true);
		it->shown = shown_text(d, render(d->ct, nd, PK_EXEC, ev, nev, err, sizeof(err)));
	}
	*out = items;
	return (int)n;
}

/* ---- acting ------------------------------------------------------------------------------ */

static const char *capture_path(struct cmd_driver *d, unsigned node)
{
	if (d->journal_path == NULL || d->journal_path[0] == '\0')
		return NULL;
	const char *dir = arena_printf(d->a, "%s.out", d->journal_path);
	if (!d->out_dir_ready) {
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return NULL;   /* the command still runs; its output is only not kept */
		d->out_dir_ready = true;
	}
	return arena_printf(d->a, "%s/%s.log", dir, d->ct->nodes[node].log_name);
}

struct worker {
	struct cmd_driver *d;
	struct item *items;
	unsigned n;
	unsigned node;
	bool several;                        /* the action runs on several nodes */
	const char **captures;
	const char **labels;
	pthread_t thread;
	bool started;
};

static off_t file_size(const char *path)
{
	struct stat st;
	return path != NULL && stat(path, &st) == 0 ? st.st_size : 0;
}

/* Run the items of one node in order; stop at the first that fails. */
static void *run_node_items(void *arg)
{
	struct worker *w = arg;
	struct cmd_target *ct = w->d->ct;
	for (unsigned i = 0; i < w->n; i++) {
		struct item *it = &w->items[i];
		if (it->node != w->node)
			continue;
		struct transport_result r;
		char err[512];
		off_t before = w->d->prog != NULL && w->d->prog->nsecrets > 0 ? file_size(w->captures[i]) : 0;
		int rc = run_line(ct, it->node, it->line, it->timeout_ns, w->captures[i], w->labels[i], &r, err, sizeof(err));
		if (w->d->prog != NULL)
			progress_redact_file(w->d->prog, w->captures[i], before);
		if (rc < 0) {
			it->failed = 1;
			snprintf(it->msg, sizeof(it->msg), "%s%s%s%s%s", w->several ? ct->t->nodes[it->node].name : "",
				 w->several ? ": " : "", it->what ? it->what : "", it->what ? ": " : "", err);
			return NULL;
		}
		if (r.timed_out || r.interrupted || r.signal != 0 || r.status != 0) {
			it->failed = 1;
			act_failure_text(ct, it, w->several, &r, w->captures[i], it->msg, sizeof(it->msg));
			return NULL;
		}
	}
	return NULL;
}

static void sleep_ns(long long ns, const volatile int *abort)
{
	struct timespec ts = { (time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL) };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR && (abort == NULL || *abort < 2))
		;
}

/* A stand-alone server restarts: seen going down (when it does so visibly), then up again. */
static int wait_up(struct cmd_driver *d, unsigned node, long long timeout_ns, char *msg, size_t len)
{
	struct cmd_target *ct = d->ct;
	char why[768] = "";
	long long t0 = (long long)time(NULL) * 1000000000LL;
	long long down_until = t0 + (timeout_ns < DOWN_WAIT_NS ? timeout_ns : DOWN_WAIT_NS);
	long long deadline = t0 + timeout_ns;
	long long now = t0;
	while (now < down_until && probe_bool(ct, node, PK_PROBE_UP, NULL, 0, why, sizeof(why)) == B_YES) {
		if (d->base.abort != NULL && *d->base.abort >= 2)
			return say(msg, len, -1, "aborted by a second interrupt while %s restarted", ct->t->nodes[node].name);
		sleep_ns(UP_POLL_NS, d->base.abort);
		now = (long long)time(NULL) * 1000000000LL;
	}
	for (;;) {
		if (probe_bool(ct, node, PK_PROBE_UP, NULL, 0, why, sizeof(why)) == B_YES)
			return 0;
		now = (long long)time(NULL) * 1000000000LL;
		if (now >= deadline)
			return say(msg, len, -1, "%s did not come back after its restart within %llds%s%s",
				   ct->t->nodes[node].name, timeout_ns / 1000000000LL, why[0] ? ": " : "", why);
		if (d->base.abort != NULL && *d->base.abort >= 2)
			return say(msg, len, -1, "aborted by a second interrupt while %s restarted", ct->t->nodes[node].name);
		sleep_ns(UP_POLL_NS, d->base.abort);
	}
}

static int cmd_act(struct driver *dv, const struct ast_action *act, const struct model_bind *b, nodeset nodes,
		   char *msg, size_t len)
{
	struct cmd_driver *d = (struct cmd_driver *)dv;
	if (d->sim != NULL)
		return d->sim->ops->act(d->sim, act, b, nodes, msg, len);
	struct item *items = NULL;
	int n = plan_action(d, act, b, nodes, &items, msg, len);
	if (n < 0)
		return -1;
	/* nothing runs unless every command could be rendered */
	for (int i = 0; i < n; i++)
		if (items[i].line == NULL)
			return say(msg, len, -1, "%s", items[i].err);
	const char **captures = arena_alloc(d->a, ((size_t)n + 1) * sizeof(*captures));
	const char **labels = arena_alloc(d->a, ((size_t)n + 1) * sizeof(*labels));
	nodeset used = 0;
	for (int i = 0; i < n; i++) {
		const struct ast_stmt *st = act->step;
		captures[i] = capture_path(d, items[i].node);
		char shown[512];
		escape_into(shown, sizeof(shown), items[i].shown != NULL ? items[i].shown : "***", 400);
		labels[i] = arena_printf(d->a, "step %s, action %u, on %s: %s", st && st->name.s ? st->name.s : "?",
					 (unsigned)act->index, d->ct->t->nodes[items[i].node].name, shown);
		used |= (nodeset)1 << items[i].node;
	}
	/* the nodes of one action run at once, each its own commands in order */
	struct worker *w = arena_alloc(d->a, ((size_t)__builtin_popcountll(used) + 1) * sizeof(*w));
	unsigned nw = 0;
	for (unsigned nd = 0; nd < d->ct->n; nd++)
		if (used & ((nodeset)1 << nd))
			w[nw++] = (struct worker){ .d = d, .items = items, .n = (unsigned)n, .node = nd, .captures = captures,
						   .labels = labels, .several = __builtin_popcountll(used) > 1 };
	for (unsigned i = 0; i + 1 < nw; i++)
		w[i].started = pthread_create(&w[i].thread, NULL, run_node_items, &w[i]) == 0;
	for (unsigned i = 0; i < nw; i++)
		if (!w[i].started)
			run_node_items(&w[i]);
	for (unsigned i = 0; i < nw; i++)
		if (w[i].started)
			pthread_join(w[i].thread, NULL);
	for (int i = 0; i < n; i++)
		if (items[i].failed)
			return say(msg, len, -1, "%s", items[i].msg);
	if (act->kind == A_RESTART_NODE && d->base.m->kind == PROC_STANDALONE) {
		for (int i = 0; i < n; i++) {
			const struct profile *p = d->ct->nodes[items[i].node].prof;
			if (p != NULL && p->cmd[PK_PROBE_UP] != NULL && wait_up(d, items[i].node, p->timeout_ns, msg, len) < 0)
				return -1;
		}
	}
	return 0;
}

/* ---- probing ----------------------------------------------------------------------------- */

/* A file's version on a node: 0 and *v, or -1 (msg). */
static int file_version(struct cmd_driver *d, unsigned node, const char *file, struct ast_version *v, char *msg,
			size_t len)
{
	struct profile_var pv[1];
	unsigned nv = 0;
	var_add(pv, &nv, "file", file, false);
	const char *out = probe_text(d->ct, node, PK_PROBE_FILE_VERSION, pv, nv, msg, len);
	if (out == NULL)
		return -1;
	/* the first word that reads as a version: "6.5.7232.54", "Version=6.5.7232.54" */
	const char *at = out;
	for (; *at != '\0'; at++) {
		if (*at < '0' || *at > '9' || (at > out && ((at[-1] >= '0' && at[-1] <= '9') || at[-1] == '.')))
			continue;
		size_t n = strspn(at, "0123456789.");
		char *word = arena_strndup(d->a, at, n);
		while (n > 0 && word[n - 1] == '.')
			word[--n] = '\0';
		int k = util_parse_version(word, v->c);
		if (k > 0) {
			v->n = (uint8_t)k;
			return 0;
		}
	}
	char shown[128];
	escape_into(shown, sizeof(shown), out, 100);
	return say(msg, len, -1, "probe file version on %s printed '%s': no version in it", d->ct->t->nodes[node].name,
		   shown);
}

static mset store_mounted(struct cmd_driver *d, unsigned host, const char *store, char *msg, size_t len)
{
	struct profile_var v[2];
	unsigned nv = 0;
	const struct ast_model_item *svc = store_service(d->base.m);
	var_add(v, &nv, "store", store, false);
	var_add(v, &nv, "service", svc ? svc->name.s : "", false);
	return probe_bool(d->ct, host, PK_PROBE_STORE, v, nv, msg, len);
}

static mset cmd_probe(struct driver *dv, const struct ast_cond *c, const struct model_bind *b, char *msg, size_t len)
{
	struct cmd_driver *d = (struct cmd_driver *)dv;
	const struct model *m = d->base.m;
	struct profile_var v[2];
	unsigned nv = 0;

	if (d->sim != NULL)
		return d->sim->ops->probe(d->sim, c, b, msg, len);
	switch (c->kind) {
	case C_SERVICE:
	case C_PROCESS: {
		nodeset ns = model_cond_nodes(m, d->base.live, b, c, c->svc);
		bool svc = c->kind == C_SERVICE;
		var_add(v, &nv, svc ? "service" : "process", c->name.s, false);
		var_add(v, &nv, svc ? "process" : "service",
			c->svc == NULL ? "" : svc ? (c->svc->kind == M_SERVICE ? c->svc->process.s : "") : c->svc->name.s,
			false);
		mset all = B_YES;
		for (unsigned n = 0; n < m->nnodes && all == B_YES; n++) {
			if (!(ns & ((nodeset)1 << n)))
				continue;
			mset r = probe_bool(d->ct, n, svc ? PK_PROBE_SERVICE : PK_PROBE_PROCESS, v, nv, msg, len);
			if (r == B_ANY)
				return B_ANY;
			all = r;
		}
		return c->positive ? all : model_not(all);
	}
	case C_STORES: {
		unsigned host = store_host(d);
		for (unsigned k = 0; k < m->nstores; k++) {
			if (model_store_selected(m, k, &c->stores) != B_YES)
				continue;
			mset r = store_mounted(d, host, m->stores[k].name, msg, len);
			if (r == B_ANY)
				return B_ANY;
			if (r != (c->positive ? B_YES : B_NO))
				return B_NO;
		}
		return B_YES;
	}
	case C_MEMBER:
	case C_DOWN: {
		if (c->role == NULL || c->role->index >= b->n)
			return say(msg, len, B_ANY, "%s: no such role", c->name.s ? c->name.s : "?");
		nodeset ns = b->nodes[c->role->index];
		for (unsigned n = 0; n < m->nnodes; n++) {
			if (!(ns & ((nodeset)1 << n)))
				continue;
			mset r = probe_bool(d->ct, n, PK_PROBE_MEMBER, NULL, 0, msg, len);
			if (r == B_ANY)
				return B_ANY;
			if (r != (c->kind == C_MEMBER ? B_YES : B_NO))
				return B_NO;
		}
		return B_YES;
	}
	case C_OWNS_GROUP:
	case C_OWNS_NO_GROUPS: {
		if (c->role == NULL || c->role->index >= b->n)
			return say(msg, len, B_ANY, "%s: no such role", c->name.s ? c->name.s : "?");
		nodeset rn = b->nodes[c->role->index];
		for (unsigned g = 0; g < m->ngroups; g++) {
			if (c->kind == C_OWNS_GROUP && (c->grp == NULL || c->grp->index != g))
				continue;
			int owner = group_owner(d->ct, m->groups[g]->name.s, msg, len);
			if (owner < 0)
				return B_ANY;
			bool in = (rn & ((nodeset)1 << owner)) != 0;
			if (c->kind == C_OWNS_GROUP)
				return in ? B_YES : B_NO;
			if (in)
				return B_NO;
		}
		return c->kind == C_OWNS_GROUP ? B_NO : B_YES;
	}
	case C_INSTALLED: {
		nodeset ns = model_cond_nodes(m, d->base.live, b, c, NULL);
		var_add(v, &nv, "hotfix", c->name.s, false);
		var_add(v, &nv, "package", c->hotfix ? c->hotfix->package : "", false);
		for (unsigned n = 0; n < m->nnodes; n++) {
			if (!(ns & ((nodeset)1 << n)))
				continue;
			mset r = probe_bool(d->ct, n, PK_PROBE_INSTALLED, v, nv, msg, len);
			if (r != B_YES)
				return r;
		}
		return B_YES;
	}
	case C_FILE_VERSION: {
		nodeset ns = model_cond_nodes(m, d->base.live, b, c, NULL);
		for (unsigned n = 0; n < m->nnodes; n++) {
			if (!(ns & ((nodeset)1 << n)))
				continue;
			struct ast_version ver;
			if (file_version(d, n, c->name.s, &ver, msg, len) < 0)
				return B_ANY;
			if (!model_cmp_holds(model_version_cmp(&ver, &c->lit->ver), c->op)) {
				struct ast_literal l = { .kind = LIT_VERSION, .ver = ver };
				snprintf(msg, len, "%s has %s %s", m->node_names[n], c->name.s, lit_text(d->a, &l));
				return B_NO;
			}
		}
		return B_YES;
	}
	default:
		return say(msg, len, B_ANY, "this condition has no probe");
	}
}

/* ---- describing (--dry-run) -------------------------------------------------------------- */

static void describe_line(struct cmd_driver *d, FILE *out, unsigned node, const char *prefix, const char *line,
			  const char *err)
{
	const char *name = d->ct->t->nodes[node].name;
	if (d->prog != NULL && d->prog->mode == PROGRESS_JSON) {
		struct timespec ts;
		struct tm tm;
		char when[64];
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		if (strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
			when[0] = '\0'; /* 20 characters into 64 do not fail; if they did, no garbage */
		json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "event", "dry-run-command", "time", when, "run",
				      d->prog->run ? d->prog->run : "", "node", name);
		if (o == NULL)
			return;
		json_object_set_new(o, line ? "command" : "error", json_string(line ? line : err));
		if (prefix[0] == '?')
			json_object_set_new(o, "probe", json_true());
		char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
		if (s != NULL)
			fprintf(out, "%s\n", s);
		free(s);
		json_decref(o);
		return;
	}
	/* through the progress module: on a terminal it keeps the live lines out of the way */
	const char *text = arena_printf(d->a, "        %s %s: %s", prefix, name, line ? line : err);
	if (d->prog != NULL) {
		progress_emit(d->prog, &(struct progress_ev){ .kind = EV_NOTE, .node = name, .message = text });
		return;
	}
	progress_put_escaped(out, text);
	fputc('\n', out);
}

static void describe_cond(struct cmd_driver *d, const struct ast_cond *c, const struct model_bind *b, FILE *out)
{
	const struct model *m = d->base.m;
	struct profile_var v[2];
	unsigned nv = 0;
	enum profile_key k;
	nodeset ns;
	char err[768];

	if (c == NULL)
		return;
	switch (c->kind) {
	case C_OR:
	case C_AND:
		describe_cond(d, c->lhs, b, out);
		describe_cond(d, c->rhs, b, out);
		return;
	case C_NOT:
		describe_cond(d, c->lhs, b, out);
		return;
	case C_SERVICE:
	case C_PROCESS:
		k = c->kind == C_SERVICE ? PK_PROBE_SERVICE : PK_PROBE_PROCESS;
		var_add(v, &nv, c->kind == C_SERVICE ? "service" : "process", c->name.s, false);
		var_add(v, &nv, c->kind == C_SERVICE ? "process" : "service",
			c->svc == NULL ? "" : c->kind == C_SERVICE ? (c->svc->kind == M_SERVICE ? c->svc->process.s : "")
			: c->svc->name.s, false);
		ns = model_cond_nodes(m, d->base.live, b, c, c->svc);
		break;
	case C_STORES: {
		unsigned host = store_host(d);
		const struct ast_model_item *svc = store_service(m);
		for (unsigned s = 0; s < m->nstores; s++) {
			if (model_store_selected(m, s, &c->stores) != B_YES)
				continue;
			nv = 0;
			var_add(v, &nv, "store", m->stores[s].name, false);
			var_add(v, &nv, "service", svc ? svc->name.s : "", false);
			const char *line = render(d->ct, host, PK_PROBE_STORE, v, nv, err, sizeof(err));
			describe_line(d, out, host, "?", line, err);
		}
		return;
	}
	case C_MEMBER:
	case C_DOWN:
		k = PK_PROBE_MEMBER;
		ns = c->role && c->role->index < b->n ? b->nodes[c->role->index] : 0;
		break;
	case C_OWNS_GROUP:
	case C_OWNS_NO_GROUPS: {
		for (unsigned g = 0; g < m->ngroups; g++) {
			if (c->kind == C_OWNS_GROUP && (c->grp == NULL || c->grp->index != g))
				continue;
			nv = 0;
			var_add(v, &nv, "group", m->groups[g]->name.s, false);
			unsigned host = 0;
			while (host + 1 < d->ct->n && (d->ct->nodes[host].prof == NULL ||
						       d->ct->nodes[host].prof->cmd[PK_PROBE_OWNER] == NULL))
				host++;
			const char *line = render(d->ct, host, PK_PROBE_OWNER, v, nv, err, sizeof(err));
			describe_line(d, out, host, "?", line, err);
		}
		return;
	}
	case C_INSTALLED:
		k = PK_PROBE_INSTALLED;
		var_add(v, &nv, "hotfix", c->name.s, false);
		var_add(v, &nv, "package", c->hotfix ? c->hotfix->package : "", false);
		ns = model_cond_nodes(m, d->base.live, b, c, NULL);
		break;
	case C_FILE_VERSION:
		k = PK_PROBE_FILE_VERSION;
		var_add(v, &nv, "file", c->name.s, false);
		ns = model_cond_nodes(m, d->base.live, b, c, NULL);
		break;
	default:
		return;
	}
	for (unsigned n = 0; n < m->nnodes; n++) {
		if (!(ns & ((nodeset)1 << n)))
			continue;
		if (d->ct->nodes[n].prof == NULL)
			continue;
		const char *line = render(d->ct, n, k, v, nv, err, sizeof(err));
		describe_line(d, out, n, "?", line, err);
	}
}

static void cmd_describe(struct driver *dv, const struct ast_action *act, const struct model_bind *b, nodeset nodes,
			 FILE *out)
{
	struct cmd_driver *d = (struct cmd_driver *)dv;
	char msg[768];
	struct item *items = NULL;

	if (act->kind == A_WAIT_UNTIL || act->kind == A_VERIFY) {
		describe_cond(d, act->cond, b, out);
		return;
	}
	int n = plan_action(d, act, b, nodes, &items, msg, sizeof(msg));
	if (n < 0) {
		describe_line(d, out, 0, "!", NULL, msg);
		return;
	}
	for (int i = 0; i < n; i++) {
		if (d->sim != NULL && d->ct->nodes[items[i].node].prof == NULL && items[i].key != PK_EXEC)
			continue;   /* a sim: node without a real profile: the model is all there is */
		describe_line(d, out, items[i].node, items[i].line ? "$" : "!", items[i].shown, shown_text(d, items[i].err));
	}
	/* out is the progress stream: a failed write stays in its error indicator, and the run
	 * reports it at the end (progress_write_error(); progress.c says why it goes on) */
	(void)fflush(out);
}

static void cmd_close(struct driver *dv)
{
	struct cmd_driver *d = (struct cmd_driver *)dv;
	if (d->sim != NULL)
		d->sim->ops->close(d->sim);
	cmd_target_close(d->ct);
}

static const struct driver_ops cmd_ops = { cmd_act, cmd_probe, cmd_describe, cmd_close };

/* ---- the live state at the start --------------------------------------------------------- */

/* One node's services, membership, hotfixes and files, into the model. -1 (why) when a
 * probe fails. */
static int sync_node(struct cmd_driver *d, unsigned n, char *why, size_t wl)
{
	const struct model *m = d->base.m;
	struct model_state *s = d->base.live;
	struct cmd_target *ct = d->ct;
	const struct profile *p = ct->nodes[n].prof;
	struct profile_var v[2];
	mset r;

	for (unsigned i = 0; i < m->nsvc; i++) {
		const struct ast_model_item *svc = m->svcs[i];
		unsigned nv = 0;
		if (svc->kind == M_CLUSTER_SERVICE) {
			if (m->kind != PROC_CLUSTER || p->cmd[PK_PROBE_MEMBER] == NULL)
				continue;
			if ((r = probe_bool(ct, n, PK_PROBE_MEMBER, NULL, 0, why, wl)) == B_ANY)
				return -1;
			model_observe_member(m, s, n, r == B_YES);
		} else if ((model_is_resource_svc(m, svc) && !(s->owner[svc->res->grp->index] & ((nodeset)1 << n))) ||
			   p->cmd[PK_PROBE_SERVICE] == NULL) {
			/* nothing to ask: it runs on its group's owner only, or there is no probe */
			model_observe_service(m, s, n, i, B_ANY);
		} else {
			var_add(v, &nv, "service", svc->name.s, false);
			var_add(v, &nv, "process", svc->process.s, false);
			if ((r = probe_bool(ct, n, PK_PROBE_SERVICE, v, nv, why, wl)) == B_ANY)
				return -1;
			model_observe_service(m, s, n, i, r);
		}
	}
	if (p->cmd[PK_PROBE_INSTALLED] == NULL)
		return 0;
	for (const struct ast_hotfix *h = m->plan->hotfixes; h != NULL; h = h->next) {
		unsigned nv = 0;
		var_add(v, &nv, "hotfix", h->name.s, false);
		var_add(v, &nv, "package", h->package, false);
		if ((r = probe_bool(ct, n, PK_PROBE_INSTALLED, v, nv, why, wl)) == B_ANY)
			return -1;
		bool files_new = true;
		for (unsigned f = 0; r == B_YES && f < m->nfiles; f++) {
			if (m->file_hf[f] != h || !m->files[f]->has_version || p->cmd[PK_PROBE_FILE_VERSION] == NULL)
				continue;
			struct ast_version ver;
			if (file_version(d, n, m->files[f]->name.s, &ver, why, wl) < 0)
				return -1;
			files_new &= model_observe_file(m, s, n, f, &ver);
		}
		model_observe_hotfix(m, s, n, h->index, r == B_YES, files_new);
	}
	return 0;
}

static int sync_live(struct cmd_driver *d, char *msg, size_t len)
{
	const struct model *m = d->base.m;
	struct model_state *s = d->base.live;
	struct cmd_target *ct = d->ct;
	struct profile_var v[2];
	char why[1024];

	for (unsigned n = 0; n < m->nnodes; n++)
		if (ct->nodes[n].prof != NULL && ct->nodes[n].tr != NULL && sync_node(d, n, why, sizeof(why)) < 0)
			return say(msg, len, -1, "target '%s': reading the live state: %s", ct->t->name, why);
	unsigned host = store_host(d);
	const struct profile *hp = ct->nodes[host].prof;
	const struct ast_model_item *ssvc = store_service(m);
	for (unsigned k = 0; hp != NULL && hp->cmd[PK_PROBE_STORE] != NULL && k < m->nstores; k++) {
		mset r = store_mounted(d, host, m->stores[k].name, why, sizeof(why));
		if (r == B_ANY)
			return say(msg, len, -1, "target '%s': reading the live state: %s", ct->t->name, why);
		mset dm = B_ANY;   /* not asked: the model tells from the store service */
		if (r == B_NO && hp->cmd[PK_PROBE_STORE_DISMOUNTED] != NULL) {
			unsigned nv = 0;
			var_add(v, &nv, "store", m->stores[k].name, false);
			var_add(v, &nv, "service", ssvc ? ssvc->name.s : "", false);
			dm = probe_bool(ct, host, PK_PROBE_STORE_DISMOUNTED, v, nv, why, sizeof(why));
			if (dm == B_ANY)
				return say(msg, len, -1, "target '%s': reading the live state: %s", ct->t->name, why);
		}
		model_observe_store(m, s, k, host, r == B_YES, dm);
	}
	for (unsigned r = 0; r < m->nres; r++) {
		const struct ast_model_item *res = m->res[r];
		unsigned gh = group_host(d, res->grp);
		const struct profile *p = ct->nodes[gh].prof;
		if (p == NULL || p->cmd[PK_PROBE_RESTART] == NULL)
			continue;
		unsigned nv = 0;
		var_add(v, &nv, "resource", res->name.s, false);
		var_add(v, &nv, "group", res->grp ? res->grp->name.s : "", false);
		mset e = probe_bool(ct, gh, PK_PROBE_RESTART, v, nv, why, sizeof(why));
		if (e == B_ANY)
			return say(msg, len, -1, "target '%s': reading the live state: %s", ct->t->name, why);
		model_observe_restart(m, s, r, e == B_YES);
	}
	return 0;
}

struct driver *driver_cmd_new(struct arena *a, const struct model *m, struct model_state *live,
			      const struct rt_target *t, struct cmd_target *ct, const struct rt_value *values,
			      const char *journal_path, struct progress *prog, struct driver *sim, volatile int *abort,
			      char *msg, size_t len)
{
	struct cmd_driver *d = arena_alloc(a, sizeof(*d));
	d->base.ops = &cmd_ops;
	d->base.m = m;
	d->base.live = live;
	d->base.target = t;
	d->base.abort = abort;
	d->ct = ct;
	d->a = a;
	d->values = values;
	d->journal_path = journal_path;
	d->prog = prog;
	d->sim = sim;
	if (ct->real && sync_live(d, msg, len) < 0) {
		cmd_target_close(ct);
		return NULL;
	}
	return &d->base;
}
