/* target.c: inventories, the built-in simulated targets, and param values. */
#include "target.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- the built-in targets ------------------------------------------------------------ */

static const char *const builtin_stores[] = {
	"First Storage Group/Mailbox Store (SIM)",
	"First Storage Group/Public Folder Store (SIM)",
	"Second Storage Group/Mailbox Store (SIM)",
};

static struct ast_literal *lit_string(struct arena *a, const char *s)
{
	struct ast_literal *l = arena_alloc(a, sizeof(*l));
	l->kind = LIT_STRING;
	l->str = arena_strdup(a, s);
	return l;
}

static struct ast_literal *lit_version(struct arena *a, uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3)
{
	struct ast_literal *l = arena_alloc(a, sizeof(*l));
	l->kind = LIT_VERSION;
	l->ver = (struct ast_version){ { c0, c1, c2, c3 }, 4 };
	return l;
}

void target_builtin(struct arena *a, enum proc_kind kind, struct rt_target *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = kind;
	out->builtin = true;
	out->name = kind == PROC_CLUSTER ? "sim-cluster" : "sim-server";
	out->nnodes = kind == PROC_CLUSTER ? 2 : 1;
	out->nodes = arena_alloc(a, out->nnodes * sizeof(*out->nodes));
	for (unsigned n = 0; n < out->nnodes; n++) {
		out->nodes[n].name = kind == PROC_CLUSTER ? arena_printf(a, "sim-node%u", n + 1) : "sim-server";
		out->nodes[n].transport = TR_SIM;
	}
	out->nstores = 3;
	out->stores = arena_alloc(a, 3 * sizeof(*out->stores));
	for (unsigned k = 0; k < 3; k++)
		out->stores[k] = builtin_stores[k];
	out->nfacts = 2;
	out->facts = arena_alloc(a, 2 * sizeof(*out->facts));
	out->facts[0] = (struct rt_fact){ "exchange.version", lit_version(a, 6, 5, 7226, 0), NULL };
	out->facts[1] = (struct rt_fact){ "os.name", lit_string(a, "Windows Server 2003"), NULL };
	/* no `group … owner`: every group is owned by the first node */
}

/* ---- inventories --------------------------------------------------------------------- */

static int parse_address(struct arena *a, struct rt_node *n, const char *addr, char *err, size_t errlen)
{
	n->address = addr;
	if (strcmp(addr, "sim:") == 0 || strncmp(addr, "sim:", 4) == 0) {
		n->transport = TR_SIM;
		return 0;
	}
	if (strcmp(addr, "local:") == 0) {
		n->transport = TR_LOCAL;
		return 0;
	}
	if (strncmp(addr, "ssh://", 6) == 0) {
		const char *rest = addr + 6;
		const char *at = strchr(rest, '@');
		const char *hoststart = at ? at + 1 : rest;
		const char *colon = strrchr(hoststart, ':');
		n->transport = TR_SSH;
		n->user = at ? arena_strndup(a, rest, (size_t)(at - rest)) : NULL;
		n->host = arena_strndup(a, hoststart, colon ? (size_t)(colon - hoststart) : strlen(hoststart));
		if (colon) {
			char *end = NULL;
			long port = strtol(colon + 1, &end, 10);
			if (end == colon + 1 || *end != '\0' || port < 1 || port > 65535) {
				snprintf(err, errlen, "node '%s': bad port in address '%s'", n->name, addr);
				return -1;
			}
			n->port = (int)port;
		}
		/* the host and user reach a command line: keep them to safe characters */
		for (const char *p = n->host; *p; p++)
			if (!(*p == '.' || *p == '-' || *p == '_' || *p == '[' || *p == ']' || *p == ':' ||
			      (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) {
				snprintf(err, errlen, "node '%s': bad host in address '%s'", n->name, addr);
				return -1;
			}
		if (*n->host == '\0' || *n->host == '-') {
			snprintf(err, errlen, "node '%s': bad host in address '%s'", n->name, addr);
			return -1;
		}
		for (const char *p = n->user; p && *p; p++)
			if (!(*p == '.' || *p == '-' || *p == '_' || (*p >= '0' && *p <= '9') ||
			      (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) {
				snprintf(err, errlen, "node '%s': bad user in address '%s'", n->name, addr);
				return -1;
			}
		return 0;
	}
	snprintf(err, errlen, "node '%s': unknown address '%s' (expected sim:, local: or ssh://user@host[:port])",
		 n->name, addr);
	return -1;
}

static unsigned count_items(const struct ast_target_item *it, enum target_item_kind k)
{
	unsigned n = 0;
	for (; it != NULL; it = it->next)
		n += it->kind == k;
	return n;
}

static void collect_facts(struct arena *a, const struct ast_target_item *items, struct rt_fact **out,
			  unsigned *n)
{
	*n = count_items(items, TI_FACT);
	*out = arena_alloc(a, (*n + 1) * sizeof(**out));
	unsigned i = 0;
	for (const struct ast_target_item *it = items; it != NULL; it = it->next)
		if (it->kind == TI_FACT)
			(*out)[i++] = (struct rt_fact){ it->str, it->value, NULL };
}

int target_from_inventory(struct hp_ctx *ctx, const struct ast_file *inv, const char *name,
			  struct rt_target *out, char *err, size_t errlen)
{
	struct arena *a = &ctx->arena;
	const struct ast_target *t = NULL;
	unsigned count = 0;

	for (const struct ast_target *x = inv->targets; x != NULL; x = x->next) {
		count++;
		if (name != NULL && strcmp(x->name.s, name) == 0)
			t = x;
	}
	if (name == NULL && count == 1)
		t = inv->targets;
	if (t == NULL) {
		if (count == 0)
			snprintf(err, errlen, "the inventory holds no target");
		else if (name == NULL)
			snprintf(err, errlen, "the inventory holds %u targets: name one with --target", count);
		else
			snprintf(err, errlen, "the inventory holds no target '%s'", name);
		return -1;
	}
	memset(out, 0, sizeof(*out));
	out->name = t->name.s;
	out->kind = t->kind;
	for (const struct ast_target_item *it = t->items; it != NULL; it = it->next)
		if (it->kind == TI_PROFILE)
			out->profile = it->str;
	for (const struct ast_node *n = t->nodes; n != NULL; n = n->next)
		out->nnodes++;
	if (out->nnodes == 0) {
		snprintf(err, errlen, "target '%s' has no node", t->name.s);
		return -1;
	}
	if (out->nnodes > MODEL_MAX_NODES) {
		snprintf(err, errlen, "target '%s' has %u nodes; hotplan runs targets of at most %u", t->name.s,
			 out->nnodes, (unsigned)MODEL_MAX_NODES);
		return -1;
	}
	if (t->kind == PROC_STANDALONE && out->nnodes != 1) {
		snprintf(err, errlen, "standalone target '%s' has %u nodes; it must have exactly one", t->name.s,
			 out->nnodes);
		return -1;
	}
	out->nodes = arena_alloc(a, out->nnodes * sizeof(*out->nodes));
	unsigned i = 0;
	for (const struct ast_node *n = t->nodes; n != NULL; n = n->next, i++) {
		struct rt_node *rn = &out->nodes[i];
		rn->name = n->name.s;
		for (unsigned j = 0; j < i; j++)
			if (strcmp(out->nodes[j].name, rn->name) == 0) {
				snprintf(err, errlen, "target '%s' names node '%s' twice", t->name.s, rn->name);
				return -1;
			}
		if (n->address != NULL && parse_address(a, rn, n->address, err, errlen) < 0)
			return -1;
		rn->profile = out->profile;
		for (const struct ast_target_item *it = n->items; it != NULL; it = it->next)
			if (it->kind == TI_PROFILE)
				rn->profile = it->str;
		collect_facts(a, n->items, &rn->facts, &rn->nfacts);
	}
	collect_facts(a, t->items, &out->facts, &out->nfacts);
	out->nstores = count_items(t->items, TI_STORE);
	out->stores = arena_alloc(a, (out->nstores + 1) * sizeof(*out->stores));
	out->ngroups = count_items(t->items, TI_GROUP);
	out->group_names = arena_alloc(a, (out->ngroups + 1) * sizeof(char *));
	out->group_owners = arena_alloc(a, (out->ngroups + 1) * sizeof(char *));
	out->nsets = count_items(t->items, TI_SET);
	out->sets = arena_alloc(a, (out->nsets + 1) * sizeof(*out->sets));
	unsigned ks = 0, kg = 0, kv = 0;
	for (const struct ast_target_item *it = t->items; it != NULL; it = it->next) {
		if (it->kind == TI_STORE) {
			out->stores[ks++] = it->str;
		} else if (it->kind == TI_GROUP) {
			if (target_node_index(out, it->owner) < 0) {
				snprintf(err, errlen, "group \"%s\" is owned by '%s', which is not a node of target '%s'",
					 it->str, it->owner, t->name.s);
				return -1;
			}
			out->group_names[kg] = it->str;
			out->group_owners[kg++] = it->owner;
		} else if (it->kind == TI_SET) {
			out->sets[kv++] = (struct rt_fact){ it->str, it->value, it->env };
		}
	}
	return 0;
}

const struct ast_literal *target_fact(const struct rt_target *t, int node, const char *path)
{
	if (node >= 0 && (unsigned)node < t->nnodes)
		for (unsigned i = 0; i < t->nodes[node].nfacts; i++)
			if (strcmp(t->nodes[node].facts[i].path, path) == 0)
				return t->nodes[node].facts[i].value;
	for (unsigned i = 0; i < t->nfacts; i++)
		if (strcmp(t->facts[i].path, path) == 0)
			return t->facts[i].value;
	return NULL;
}

int target_node_index(const struct rt_target *t, const char *name)
{
	for (unsigned i = 0; i < t->nnodes; i++)
		if (strcmp(t->nodes[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* ---- values -------------------------------------------------------------------------- */

static int parse_int(const char *s, int64_t *out)
{
	char *end = NULL;
	if (*s == '\0')
		return -1;
	errno = 0;
	long long x = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = x;
	return 0;
}

int value_parse(struct arena *a, enum ast_type type, const char *text, struct rt_value *out,
		char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	out->set = true;
	out->text = arena_strdup(a, text);
	switch (type) {
	case TY_BOOL:
		out->lit.kind = LIT_BOOL;
		if (strcmp(text, "true") == 0)
			out->lit.num = 1;
		else if (strcmp(text, "false") != 0) {
			snprintf(err, errlen, "'%s' is not a bool (true or false)", text);
			return -1;
		}
		return 0;
	case TY_INT:
		out->lit.kind = LIT_INT;
		if (parse_int(text, &out->lit.num) < 0) {
			snprintf(err, errlen, "'%s' is not an integer", text);
			return -1;
		}
		return 0;
	case TY_DURATION: {
		size_t n = strlen(text);
		char *num = arena_strndup(a, text, n ? n - 1 : 0);
		int64_t x;
		int64_t unit = n ? (text[n - 1] == 's' ? 1 : text[n - 1] == 'm' ? 60 : text[n - 1] == 'h' ? 3600 : 0) : 0;
		out->lit.kind = LIT_DURATION;
		if (unit == 0 || parse_int(num, &x) < 0 || x < 0 || x > INT64_MAX / 3600) {
			snprintf(err, errlen, "'%s' is not a duration (like 90s, 15m, 2h)", text);
			return -1;
		}
		out->lit.num = x * unit;
		return 0;
	}
	case TY_VERSION: {
		int n = util_parse_version(text, out->lit.ver.c);
		out->lit.kind = LIT_VERSION;
		if (n < 0) {
			snprintf(err, errlen, "'%s' is not a version (three or four numbers: 6.5.7232.54)", text);
			return -1;
		}
		out->lit.ver.n = (uint8_t)n;
		return 0;
	}
	case TY_STRING:
		out->lit.kind = LIT_STRING;
		out->lit.str = out->text;
		return 0;
	case TY_STORES: {
		out->lit.kind = LIT_STRING;
		out->lit.str = out->text;
		/* comma-separated names; blanks around a name are not part of it */
		unsigned cap = 1;
		for (const char *p = text; *p; p++)
			cap += *p == ',';
		out->list = arena_alloc(a, cap * sizeof(*out->list));
		const char *p = text;
		for (;;) {
			const char *e = strchr(p, ',');
			size_t len = e ? (size_t)(e - p) : strlen(p);
			while (len > 0 && (*p == ' ' || *p == '\t'))
				p++, len--;
			while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
				len--;
			if (len > 0)
				out->list[out->nlist++] = arena_strndup(a, p, len);
			if (e == NULL)
				break;
			p = e + 1;
		}
		return 0;
	}
	}
	return -1;
}

static int value_from_literal(struct arena *a, const struct ast_param *p, const struct ast_literal *l,
			      struct rt_value *out, char *err, size_t errlen)
{
	char buf[128];
	switch (l->kind) {
	case LIT_STRING:
		return value_parse(a, p->type, l->str, out, err, errlen);
	case LIT_BOOL:
		return value_parse(a, p->type, l->num ? "true" : "false", out, err, errlen);
	case LIT_INT:
		snprintf(buf, sizeof(buf), "%lld", (long long)l->num);
		return value_parse(a, p->type, buf, out, err, errlen);
	case LIT_DURATION:
		snprintf(buf, sizeof(buf), "%llds", (long long)l->num);
		return value_parse(a, p->type, buf, out, err, errlen);
	case LIT_VERSION:
		if (l->ver.n == 4)
			snprintf(buf, sizeof(buf), "%u.%u.%u.%u", l->ver.c[0], l->ver.c[1], l->ver.c[2], l->ver.c[3]);
		else
			snprintf(buf, sizeof(buf), "%u.%u.%u", l->ver.c[0], l->ver.c[1], l->ver.c[2]);
		return value_parse(a, p->type, buf, out, err, errlen);
	}
	return -1;
}

static const struct ast_param *find_param(const struct ast_plan *plan, const char *name, size_t len)
{
	for (const struct ast_param *p = plan->params; p != NULL; p = p->next)
		if (strlen(p->name.s) == len && strncmp(p->name.s, name, len) == 0)
			return p;
	return NULL;
}

const char *target_set_env(const struct rt_fact *set)
{
	return set->env != NULL ? getenv(set->env) : NULL;
}

int params_bind(struct arena *a, const struct ast_plan *plan, const struct rt_target *t,
		const char *const *sets, unsigned nsets, struct rt_value *values, char *err, size_t errlen)
{
	char why[256];
	for (const struct ast_param *p = plan->params; p != NULL; p = p->next) {
		memset(&values[p->index], 0, sizeof(values[p->index]));
		if (p->def != NULL && value_from_literal(a, p, p->def, &values[p->index], why, sizeof(why)) < 0) {
			snprintf(err, errlen, "param '%s': its default: %s", p->name.s, why);
			return -1;
		}
	}
	for (unsigned i = 0; t != NULL && i < t->nsets; i++) {
		const struct ast_param *p = find_param(plan, t->sets[i].path, strlen(t->sets[i].path));
		if (p == NULL) {
			snprintf(err, errlen, "target '%s' sets '%s', which is not a param of plan '%s'", t->name,
				 t->sets[i].path, plan->name.s);
			return -1;
		}
		if (t->sets[i].env != NULL) {
			const char *v = target_set_env(&t->sets[i]);
			if (v == NULL) {
				snprintf(err, errlen, "target '%s' sets param '%s' from the environment variable %s, which is "
					 "not set", t->name, p->name.s, t->sets[i].env);
				return -1;
			}
			if (value_parse(a, p->type, v, &values[p->index], why, sizeof(why)) < 0) {
				snprintf(err, errlen, "target '%s' sets param '%s' from $%s: %s", t->name, p->name.s,
					 t->sets[i].env, why);
				return -1;
			}
		} else if (value_from_literal(a, p, t->sets[i].value, &values[p->index], why, sizeof(why)) < 0) {
			snprintf(err, errlen, "target '%s' sets param '%s': %s", t->name, p->name.s, why);
			return -1;
		}
	}
	for (unsigned i = 0; i < nsets; i++) {
		const char *eq = strchr(sets[i], '=');
		if (eq == NULL) {
			snprintf(err, errlen, "--set '%s': expected NAME=VALUE", sets[i]);
			return -1;
		}
		const struct ast_param *p = find_param(plan, sets[i], (size_t)(eq - sets[i]));
		if (p == NULL) {
			snprintf(err, errlen, "--set: plan '%s' has no param '%.*s'", plan->name.s, (int)(eq - sets[i]), sets[i]);
			return -1;
		}
		if (value_parse(a, p->type, eq + 1, &values[p->index], why, sizeof(why)) < 0) {
			snprintf(err, errlen, "--set %s: %s", p->name.s, why);
			return -1;
		}
	}
	return 0;
}

void params_for_model(const struct ast_plan *plan, const struct rt_value *values, struct model_param_value *out)
{
	for (const struct ast_param *p = plan->params; p != NULL; p = p->next) {
		const struct rt_value *v = &values[p->index];
		struct model_param_value *m = &out[p->index];
		memset(m, 0, sizeof(*m));
		m->known = v->set;
		m->b = v->set && p->type == TY_BOOL && v->lit.num != 0;
		m->stores = v->list;
		m->nstores = v->nlist;
	}
}
