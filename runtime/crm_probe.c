/* crm_probe.c: a `cluster "pacemaker"` profile's questions answered from crm_mon's XML and the
 * CIB (crm_probe.h). */
#include "crm_probe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "text.h"
#include "util.h"

#define MAX_XML (16u << 20)

/* What a command printed, from its capture file: the header line and hotplan's own notes
 * left out. 0 (arena buffer), or -1 with msg. */
static int read_capture(struct arena *a, const char *path, char **out, size_t *outlen, char *msg, size_t len)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return util_err(msg, len, "read %s: %s", path, strerror(errno));
	size_t cap = 4096, n = 0;
	char *buf = arena_alloc(a, cap);
	char *line = NULL;
	size_t lcap = 0;
	ssize_t got;
	bool header = true;
	int rc = 0;
	while ((got = getline(&line, &lcap, f)) >= 0) {
		if (header || strncmp(line, "[hotplan: ", 10) == 0) {
			header = false;
			continue;
		}
		if (n + (size_t)got + 1 > MAX_XML) {
			rc = util_err(msg, len, "%s: more than %u bytes of output", path, MAX_XML);
			break;
		}
		if (n + (size_t)got + 1 > cap) {
			size_t ncap = cap;
			while (n + (size_t)got + 1 > ncap)
				ncap *= 2;
			buf = arena_realloc(a, buf, cap, ncap);
			cap = ncap;
		}
		memcpy(buf + n, line, (size_t)got);
		n += (size_t)got;
	}
	if (rc == 0 && ferror(f))
		rc = util_err(msg, len, "read %s: %s", path, strerror(errno != 0 ? errno : EIO));
	free(line);
	(void)fclose(f); /* read only: nothing to lose */
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	return rc;
}

/* The XML in what a command printed: from the first line that begins with '<'. What comes
 * before it (a login shell's words on stderr, which the capture interleaves: a banner,
 * .bashrc's) is not the document; the parser judges the rest strictly. */
static const char *document(const char *out, size_t n, size_t *len)
{
	const char *at = out;
	while (at < out + n && *at != '<') {
		const char *nl = memchr(at, '\n', (size_t)(out + n - at));
		at = nl != NULL ? nl + 1 : out + n;
	}
	*len = (size_t)(out + n - at);
	return at;
}

/* "; it printed: 'FIRST LINE'" for a message about output that is not the XML it should be. */
static const char *printed(struct arena *a, const char *out, size_t n)
{
	char line[128], shown[160];
	size_t k = 0;
	if (out == NULL || n == 0)
		return "";
	while (k < n && k + 1 < sizeof(line) && out[k] != '\n')
		k++;
	memcpy(line, out, k);
	line[k] = '\0';
	text_escape(shown, sizeof(shown), line, 100);
	return arena_printf(a, "; it printed: '%s%s'", shown, k < n && out[k] != '\n' ? "…" : "");
}

/* Run template tmpl (`key`) on node, what it printed into *out. 0 when it ran to an end (*r
 * says how), -1 with msg when it could not run or be read. */
static int run_capture(struct nodes *ns, unsigned node, const char *key, const char *tmpl, const char **line,
		       struct transport_result *r, char **out, size_t *outlen, char *msg, size_t len)
{
	struct arena *a = &ns->ctx->arena;
	char err[768];
	*line = nodes_render_tmpl(ns, node, key, tmpl, NULL, 0, err, sizeof(err));
	if (*line == NULL)
		return util_err(msg, len, "%s", err);
	const char *path = arena_printf(a, "%s/crm-%u", ns->tmp_dir, ++ns->tmp_seq);
	int rc = nodes_run(ns, node, *line, ns->node[node].prof->probe_timeout_ns, path, key, r, err, sizeof(err));
	if (rc < 0) {
		unlink(path);
		return util_err(msg, len, "%s on %s: %s", key, ns->t->nodes[node].name, err);
	}
	rc = read_capture(a, path, out, outlen, msg, len);
	unlink(path);
	return rc;
}

/* "probe cluster status on NODE: `LINE` exited with status 1: OUTPUT" */
static int failed(struct nodes *ns, unsigned node, const char *key, const char *line,
		  const struct transport_result *r, const char *why, char *msg, size_t len)
{
	char how[96], tail[512], shown[256];
	text_escape(shown, sizeof(shown), line, 160);
	nodes_ending(r, true, how, sizeof(how));
	text_tail_lines(r->tail, 3, tail, sizeof(tail));
	if (why != NULL)
		return util_err(msg, len, "%s on %s: `%s` %s: %s", key, ns->t->nodes[node].name, shown, how, why);
	return util_err(msg, len, "%s on %s: `%s` %s%s%s", key, ns->t->nodes[node].name, shown, how, tail[0] ? ": " : "",
			tail);
}

struct crm_cache {
	bool on;
	bool have[MODEL_MAX_NODES];
	struct crm_status st[MODEL_MAX_NODES];
};

void crm_probe_batch(struct nodes *ns, bool on)
{
	struct crm_cache *c = ns->crm_cache;
	if (c == NULL) {
		if (!on)
			return;
		c = ns->crm_cache = arena_alloc(&ns->ctx->arena, sizeof(*c));
	}
	memset(c->have, 0, sizeof(c->have));
	c->on = on;
}

static int status_run(struct nodes *ns, unsigned node, struct crm_status *st, char *msg, size_t len);

int crm_probe_status(struct nodes *ns, unsigned node, struct crm_status *st, char *msg, size_t len)
{
	struct crm_cache *c = ns->crm_cache;
	bool cached = c != NULL && c->on && node < MODEL_MAX_NODES;
	if (cached && c->have[node]) {
		*st = c->st[node];
		return 0;
	}
	int rc = status_run(ns, node, st, msg, len);
	if (rc == 0 && cached) {
		c->st[node] = *st;
		c->have[node] = true;
	}
	return rc;
}

static int status_run(struct nodes *ns, unsigned node, struct crm_status *st, char *msg, size_t len)
{
	static const char key[] = "probe cluster status";
	const struct profile *p = ns->node[node].prof;
	memset(st, 0, sizeof(*st));
	if (p == NULL || p->cluster_status == NULL)
		return util_err(msg, len, "node %s: its profile has no `%s`", ns->t->nodes[node].name, key);
	const char *line = NULL;
	struct transport_result r;
	memset(&r, 0, sizeof(r));
	char *xml = NULL;
	size_t n = 0;
	if (run_capture(ns, node, key, p->cluster_status, &line, &r, &xml, &n, msg, len) < 0)
		return -1;
	if (r.timed_out || r.interrupted || r.signal != 0)
		return failed(ns, node, key, line, &r, NULL, msg, len);
	char why[512];
	size_t dn = 0;
	const char *doc = document(xml, n, &dn);
	if (crm_status_parse(&ns->ctx->arena, doc, dn, st, why, sizeof(why)) < 0) {
		if (r.status != 0)
			return failed(ns, node, key, line, &r, NULL, msg, len);
		return util_err(msg, len, "%s on %s: %s%s", key, ns->t->nodes[node].name, why,
				printed(&ns->ctx->arena, xml, n));
	}
	if (r.status != 0 && st->answered)   /* a failure that still printed a whole status */
		return failed(ns, node, key, line, &r, "crm_mon's XML says OK", msg, len);
	return 0;
}

const char *crm_probe_owner_on(struct nodes *ns, unsigned node, const char *group, char *msg, size_t len)
{
	struct crm_status st;
	if (crm_probe_status(ns, node, &st, msg, len) < 0)
		return NULL;
	if (!st.answered) {
		util_err(msg, len, "probe cluster status on %s: %s", ns->t->nodes[node].name, st.why);
		return NULL;
	}
	char why[256];
	const char *on = crm_status_where(&st, group, why, sizeof(why));
	if (on == NULL)
		util_err(msg, len, "group \"%s\" does not run on one node, as %s's crm_mon shows: %s", group,
			 ns->t->nodes[node].name, why);
	return on;
}

mset crm_probe_member(struct nodes *ns, unsigned node, char *msg, size_t len)
{
	struct crm_status st;
	if (crm_probe_status(ns, node, &st, msg, len) < 0)
		return B_ANY;
	if (!st.answered || st.dc == NULL || !st.quorum)
		return B_NO;
	return crm_node_member(crm_status_node(&st, ns->t->nodes[node].name)) ? B_YES : B_NO;
}

/* The location constraints of the CIB as node `on`'s `probe cluster config` prints them. 0
 * (*v, *nv), or -1 msg. */
static int cib_locations(struct nodes *ns, unsigned on, struct crm_location **v, unsigned *nv, char *msg, size_t len)
{
	static const char key[] = "probe cluster config";
	const struct profile *p = ns->node[on].prof;
	const char *line = NULL;
	struct transport_result r;
	memset(&r, 0, sizeof(r));
	char *xml = NULL;
	size_t n = 0;
	if (run_capture(ns, on, key, p->cluster_config, &line, &r, &xml, &n, msg, len) < 0)
		return -1;
	if (r.timed_out || r.interrupted || r.signal != 0 || r.status != 0)
		return failed(ns, on, key, line, &r, NULL, msg, len);
	char why[512];
	size_t dn = 0;
	const char *doc = document(xml, n, &dn);
	if (crm_cib_locations(&ns->ctx->arena, doc, dn, v, nv, why, sizeof(why)) < 0)
		return util_err(msg, len, "%s on %s: %s%s", key, ns->t->nodes[on].name, why,
				printed(&ns->ctx->arena, xml, n));
	return 0;
}

/* A location constraint of the CIB (`probe cluster config`) that keeps group off `to`: 1 (msg
 * names it), 0 none, -1 msg. */
static int cib_bans(struct nodes *ns, unsigned on, const char *group, const char *to, char *msg, size_t len)
{
	struct crm_location *v = NULL;
	unsigned nv = 0;
	if (ns->node[on].prof->cluster_config == NULL)
		return 0;
	if (cib_locations(ns, on, &v, &nv, msg, len) < 0)
		return -1;
	const struct crm_location *b = crm_banned(v, nv, group, to);
	if (b == NULL)
		return 0;
	util_err(msg, len, "the CIB keeps group \"%s\" off %s: location constraint %s (score -INFINITY)", group, to,
		 b->id);
	return 1;
}

/* "moved", "banned" or "none": the constraints `crm_resource --move` (`pcs resource move`)
 * and `--ban` leave on `rsc`, named cli-prefer-RSC and cli-ban-RSC-on-NODE. */
static const char *constraint_word(const struct crm_location *v, unsigned n, const char *rsc)
{
	const char *word = "none";
	for (unsigned i = 0; i < n; i++) {
		if (v[i].rsc == NULL || strcmp(v[i].rsc, rsc) != 0 || v[i].id == NULL)
			continue;
		if (strncmp(v[i].id, "cli-prefer-", 11) == 0)
			return "moved";
		if (strncmp(v[i].id, "cli-ban-", 8) == 0)
			word = "banned";
	}
	return word;
}

const char *crm_probe_word(struct nodes *ns, unsigned node, const char *reader, const char *arg,
			   bool *unanswered, char *msg, size_t len)
{
	struct crm_status st;
	*unanswered = false;
	if (strcmp(reader, "constraint") == 0) {
		struct crm_location *v = NULL;
		unsigned nv = 0;
		if (ns->node[node].prof->cluster_config == NULL) {
			util_err(msg, len, "node %s: profile '%s' reads `constraint` from `probe cluster config`, which it "
				 "does not have", ns->t->nodes[node].name, ns->node[node].prof->name);
			return NULL;
		}
		if (cib_locations(ns, node, &v, &nv, msg, len) < 0) {
			*unanswered = true;   /* another node's may answer */
			return NULL;
		}
		return constraint_word(v, nv, arg);
	}
	if (crm_probe_status(ns, node, &st, msg, len) < 0)
		return NULL;
	if (!st.answered) {
		*unanswered = true;
		util_err(msg, len, "probe cluster status on %s: %s", ns->t->nodes[node].name, st.why);
		return NULL;
	}
	if (strcmp(reader, "quorum") == 0)
		return st.dc != NULL && st.quorum ? "held" : "lost";
	const struct crm_node *nd = crm_status_node(&st, arg);
	if (nd == NULL) {
		util_err(msg, len, "%s is not a node of the cluster, as %s's crm_mon shows", arg, ns->t->nodes[node].name);
		return NULL;
	}
	if (strcmp(reader, "standby") == 0)
		return nd->standby ? "standby" : "online";
	return nd->maintenance ? "on" : "off";
}

int crm_probe_move(struct nodes *ns, unsigned on, const char *group, const char *to, char *msg, size_t len)
{
	struct crm_status st;
	if (crm_probe_status(ns, on, &st, msg, len) < 0)
		return -1;
	if (!st.answered)
		return util_err(msg, len, "probe cluster status on %s: %s", ns->t->nodes[on].name, st.why);
	const struct crm_location *b = crm_banned(st.bans, st.nbans, group, to);
	if (b != NULL)
		return util_err(msg, len, "the cluster keeps group \"%s\" off %s: %s", group, to, b->id);
	const struct crm_node *nd = crm_status_node(&st, to);
	if (!crm_node_member(nd))
		return util_err(msg, len, "%s is not a member a group can move to, as %s's crm_mon shows (%s)", to,
				ns->t->nodes[on].name,
				nd == NULL ? "not a node of the cluster" : !nd->online ? "offline" : nd->standby ? "standby"
											: "not ready");
	return cib_bans(ns, on, group, to, msg, len) != 0 ? -1 : 0;
}
