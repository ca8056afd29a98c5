/* crm_xml.c: Pacemaker's XML (crm_mon's status, a CIB's constraints) read with libxml2 (crm_xml.h).
 * hotplan does not link libxml2: it is loaded here, the first time a document is read (the
 * way systemd loads its optional libraries), so that a process that reads no Pacemaker XML
 * never pays for loading it and ICU (docs/performance.md, "Start-up"). Every function of
 * libxml2 used below is one of the table's, called through its sym_ pointer. */
#include "crm_xml.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "util.h"

/* ---- libxml2, loaded on first use ----------------------------------------------------------- */

#define XML_LIBRARY "libxml2.so.2"

/* The functions of libxml2 this file calls: each X(name) is a pointer sym_name of the type the
 * headers give name, resolved by dlsym. */
#define XML_FUNCTIONS(X)                                                                         \
	X(xmlInitParser)                                                                         \
	X(xmlResetLastError)                                                                     \
	X(xmlGetLastError)                                                                       \
	X(xmlReadMemory)                                                                         \
	X(xmlDocGetRootElement)                                                                  \
	X(xmlFreeDoc)                                                                            \
	X(xmlXPathNewContext)                                                                    \
	X(xmlXPathEvalExpression)                                                                \
	X(xmlXPathFreeContext)                                                                   \
	X(xmlXPathFreeObject)                                                                    \
	X(xmlGetProp)                                                                            \
	X(xmlGetLineNo)

#define XML_POINTER(name) static __typeof__(name) *sym_##name;
XML_FUNCTIONS(XML_POINTER)
#undef XML_POINTER

/* libxml2's deallocator is a variable (a macro over a per-thread one in some versions): the
 * library's own, read through its exported symbol, frees what xmlGetProp returned. */
static xmlFreeFunc *sym_xmlFree;

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;
static char xml_error[512];     /* "" once loaded; else why it cannot be */

static void xml_load(void)
{
	void *lib = dlopen(XML_LIBRARY, RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		const char *why = dlerror();
		snprintf(xml_error, sizeof(xml_error), "%s", why != NULL ? why : "dlopen failed");
		return;
	}
	const char *missing = NULL;
#define XML_RESOLVE(name)                                                                        \
	if (missing == NULL && (sym_##name = (__typeof__(name) *)dlsym(lib, #name)) == NULL)     \
		missing = #name;
	XML_FUNCTIONS(XML_RESOLVE)
#undef XML_RESOLVE
	if (missing == NULL && (sym_xmlFree = (xmlFreeFunc *)dlsym(lib, "xmlFree")) == NULL)
		missing = "xmlFree";
	if (missing != NULL) {
		snprintf(xml_error, sizeof(xml_error), "it has no %s", missing);
		dlclose(lib);
		return;
	}
	/* libxml2 wants its parser initialised once before threads use it: here, under the once. */
	sym_xmlInitParser();
}

/* libxml2 ready to use (loaded once per process, whichever thread asks first), or -1 with
 * "libxml2.so.2 cannot be loaded: WHY" in err. */
static int xml_ready(char *err, size_t errlen)
{
	(void)pthread_once(&xml_once, xml_load);
	if (xml_error[0] != '\0')
		return util_err(err, errlen, "%s cannot be loaded: %s", XML_LIBRARY, xml_error);
	return 0;
}

/* ---- documents ------------------------------------------------------------------------------ */

/* xml as a document (never from the network, no entities substituted, no messages of
 * libxml2's own on stderr), or NULL with libxml2's reason in err. */
static xmlDocPtr read_doc(const char *xml, size_t len, const char *what, char *err, size_t errlen)
{
	if (len == 0) {
		util_err(err, errlen, "%s: empty output, not XML", what);
		return NULL;
	}
	if (len > INT_MAX) {
		util_err(err, errlen, "%s: %zu bytes, too long", what, len);
		return NULL;
	}
	if (xml_ready(err, errlen) < 0)
		return NULL;
	sym_xmlResetLastError();
	xmlDocPtr doc = sym_xmlReadMemory(xml, (int)len, "crm.xml", NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	if (doc == NULL || sym_xmlDocGetRootElement(doc) == NULL) {
		const xmlError *e = sym_xmlGetLastError();
		char msg[256] = "no root element";
		if (e != NULL && e->message != NULL) {
			snprintf(msg, sizeof(msg), "%s", e->message);
			size_t n = strlen(msg);
			while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
				msg[--n] = '\0';
		}
		util_err(err, errlen, "%s: not XML (line %d: %s)", what, e != NULL ? e->line : 0, msg);
		sym_xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

/* The nodes `expr` selects from the root (a set, possibly empty), or NULL (out of memory, a
 * bad expression: neither can come from the input). */
static xmlXPathObjectPtr select_nodes(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr ctx = sym_xmlXPathNewContext(doc);
	if (ctx == NULL)
		return NULL;
	xmlXPathObjectPtr o = sym_xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	sym_xmlXPathFreeContext(ctx);
	if (o != NULL && o->type != XPATH_NODESET) {
		sym_xmlXPathFreeObject(o);
		return NULL;
	}
	return o;
}

static int set_size(const xmlXPathObject *o)
{
	return o != NULL && o->nodesetval != NULL ? o->nodesetval->nodeNr : 0;
}

static xmlNodePtr set_item(const xmlXPathObject *o, int i)
{
	return o->nodesetval->nodeTab[i];
}

/* Attribute `name` of el copied into the arena, or NULL when it has none. */
static const char *attr(struct arena *a, xmlNodePtr el, const char *name)
{
	xmlChar *v = sym_xmlGetProp(el, (const xmlChar *)name);
	if (v == NULL)
		return NULL;
	const char *s = arena_strdup(a, (const char *)v);
	(*sym_xmlFree)(v);
	return s;
}

static bool attr_true(struct arena *a, xmlNodePtr el, const char *name)
{
	const char *v = attr(a, el, name);
	return v != NULL && strcmp(v, "true") == 0;
}

static bool is_element(xmlNodePtr n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* A Pacemaker score: an integer, or [+-]INFINITY. -1 when it is neither. */
static int parse_score(const char *s, long long *out)
{
	if (s == NULL)
		return -1;
	const char *p = s + (*s == '+' || *s == '-');
	if (strcmp(p, "INFINITY") == 0) {
		*out = *s == '-' ? -CRM_SCORE_INFINITY : CRM_SCORE_INFINITY;
		return 0;
	}
	char *end = NULL;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return -1;
	*out = v < -CRM_SCORE_INFINITY ? -CRM_SCORE_INFINITY : v > CRM_SCORE_INFINITY ? CRM_SCORE_INFINITY : v;
	return 0;
}

/* ---- crm_mon's status ------------------------------------------------------------------------ */

static int read_nodes(struct arena *a, xmlDocPtr doc, struct crm_status *st, char *err, size_t errlen)
{
	xmlXPathObjectPtr o = select_nodes(doc, "/pacemaker-result/nodes/node");
	int n = set_size(o);
	st->nodes = arena_alloc(a, ((size_t)n + 1) * sizeof(*st->nodes));
	for (int i = 0; i < n; i++) {
		xmlNodePtr el = set_item(o, i);
		struct crm_node *nd = &st->nodes[st->nnodes];
		nd->name = attr(a, el, "name");
		const char *online = attr(a, el, "online");
		if (nd->name == NULL || nd->name[0] == '\0' || online == NULL) {
			sym_xmlXPathFreeObject(o);
			return util_err(err, errlen, "crm_mon: a <node> without a name or `online` (line %ld)",
					sym_xmlGetLineNo(el));
		}
		nd->online = strcmp(online, "true") == 0;
		nd->standby = attr_true(a, el, "standby");
		nd->pending = attr_true(a, el, "pending");
		nd->unclean = attr_true(a, el, "unclean");
		nd->shutdown = attr_true(a, el, "shutdown");
		nd->maintenance = attr_true(a, el, "maintenance");
		st->nnodes++;
	}
	sym_xmlXPathFreeObject(o);
	return 0;
}

/* Every primitive under <resources>, in groups, clones and bundles alike. */
static int read_resources(struct arena *a, xmlDocPtr doc, struct crm_status *st, char *err, size_t errlen)
{
	xmlXPathObjectPtr o = select_nodes(doc, "/pacemaker-result/resources//resource");
	int n = set_size(o);
	st->rscs = arena_alloc(a, ((size_t)n + 1) * sizeof(*st->rscs));
	for (int i = 0; i < n; i++) {
		xmlNodePtr el = set_item(o, i);
		struct crm_rsc *r = &st->rscs[st->nrscs];
		r->id = attr(a, el, "id");
		r->role = attr(a, el, "role");
		if (r->id == NULL || r->role == NULL) {
			sym_xmlXPathFreeObject(o);
			return util_err(err, errlen, "crm_mon: a <resource> without an id or a role (line %ld)",
					sym_xmlGetLineNo(el));
		}
		r->active = attr_true(a, el, "active");
		r->failed = attr_true(a, el, "failed");
		r->group = "";
		for (xmlNodePtr up = el->parent; up != NULL && up->type == XML_ELEMENT_NODE; up = up->parent)
			if (is_element(up, "group")) {
				const char *g = attr(a, up, "id");
				r->group = g != NULL ? g : "";
				break;
			}
		unsigned non = 0;
		for (xmlNodePtr c = el->children; c != NULL; c = c->next)
			non += is_element(c, "node");
		r->on = arena_alloc(a, ((size_t)non + 1) * sizeof(*r->on));
		for (xmlNodePtr c = el->children; c != NULL; c = c->next) {
			const char *name = is_element(c, "node") ? attr(a, c, "name") : NULL;
			if (name != NULL)
				r->on[r->non++] = name;
		}
		st->nrscs++;
	}
	sym_xmlXPathFreeObject(o);
	return 0;
}

static int read_bans(struct arena *a, xmlDocPtr doc, struct crm_status *st, char *err, size_t errlen)
{
	xmlXPathObjectPtr o = select_nodes(doc, "/pacemaker-result/bans/ban");
	int n = set_size(o);
	st->bans = arena_alloc(a, ((size_t)n + 1) * sizeof(*st->bans));
	for (int i = 0; i < n; i++) {
		xmlNodePtr el = set_item(o, i);
		struct crm_location *b = &st->bans[st->nbans];
		b->id = attr(a, el, "id");
		b->rsc = attr(a, el, "resource");
		b->node = attr(a, el, "node");
		if (b->id == NULL || b->rsc == NULL || b->node == NULL || parse_score(attr(a, el, "weight"), &b->score) < 0) {
			sym_xmlXPathFreeObject(o);
			return util_err(err, errlen, "crm_mon: a <ban> without an id, resource, node or weight (line %ld)",
					sym_xmlGetLineNo(el));
		}
		st->nbans++;
	}
	sym_xmlXPathFreeObject(o);
	return 0;
}

/* <status code=… message=…>: 0 answered; another code, the node could not reach its cluster. */
static int read_result(struct arena *a, xmlDocPtr doc, struct crm_status *st, char *err, size_t errlen)
{
	xmlNodePtr root = sym_xmlDocGetRootElement(doc);
	if (!is_element(root, "pacemaker-result"))
		return util_err(err, errlen, "not crm_mon's XML: the root element is <%s>, not <pacemaker-result>",
				(const char *)root->name);
	xmlXPathObjectPtr o = select_nodes(doc, "/pacemaker-result/status");
	int n = set_size(o);
	if (n != 1) {
		sym_xmlXPathFreeObject(o);
		return util_err(err, errlen, "crm_mon: %s <status> element", n > 1 ? "more than one" : "no");
	}
	xmlNodePtr el = set_item(o, 0);
	sym_xmlXPathFreeObject(o);
	const char *code = attr(a, el, "code"), *message = attr(a, el, "message");
	if (code == NULL)
		return util_err(err, errlen, "crm_mon: <status> has no code");
	st->answered = strcmp(code, "0") == 0;
	if (!st->answered)
		st->why = arena_printf(a, "crm_mon: %s (code %s)", message != NULL ? message : "no message", code);
	return 0;
}

static int read_dc(struct arena *a, xmlDocPtr doc, struct crm_status *st)
{
	xmlXPathObjectPtr o = select_nodes(doc, "/pacemaker-result/summary/current_dc");
	if (set_size(o) == 1 && attr_true(a, set_item(o, 0), "present")) {
		st->dc = attr(a, set_item(o, 0), "name");
		st->quorum = attr_true(a, set_item(o, 0), "with_quorum");
	}
	sym_xmlXPathFreeObject(o);
	return 0;
}

int crm_status_parse(struct arena *a, const char *xml, size_t len, struct crm_status *st, char *err, size_t errlen)
{
	memset(st, 0, sizeof(*st));
	xmlDocPtr doc = read_doc(xml, len, "crm_mon", err, errlen);
	if (doc == NULL)
		return -1;
	int rc = read_result(a, doc, st, err, errlen);
	if (rc == 0 && st->answered)
		rc = read_dc(a, doc, st) < 0 || read_nodes(a, doc, st, err, errlen) < 0 ||
				     read_resources(a, doc, st, err, errlen) < 0 || read_bans(a, doc, st, err, errlen) < 0
			     ? -1
			     : 0;
	sym_xmlFreeDoc(doc);
	return rc;
}

/* ---- questions ------------------------------------------------------------------------------ */

const struct crm_node *crm_status_node(const struct crm_status *st, const char *name)
{
	for (unsigned i = 0; i < st->nnodes; i++)
		if (strcmp(st->nodes[i].name, name) == 0)
			return &st->nodes[i];
	return NULL;
}

bool crm_node_member(const struct crm_node *n)
{
	return n != NULL && n->online && !n->pending && !n->unclean && !n->shutdown && !n->standby;
}

static bool running(const struct crm_rsc *r)
{
	return (strcmp(r->role, "Started") == 0 || strcmp(r->role, "Promoted") == 0 || strcmp(r->role, "Master") == 0) &&
	       r->active && !r->failed && r->non == 1;
}

const char *crm_status_where(const struct crm_status *st, const char *id, char *why, size_t wl)
{
	const char *node = NULL;
	unsigned seen = 0;
	for (unsigned i = 0; i < st->nrscs; i++) {
		const struct crm_rsc *r = &st->rscs[i];
		if (strcmp(r->id, id) != 0 && strcmp(r->group, id) != 0)
			continue;
		seen++;
		if (!running(r)) {
			snprintf(why, wl, "%s is %s%s on %s", r->id, r->failed ? "failed, " : "", r->role,
				 r->non == 0 ? "no node" : r->non == 1 ? r->on[0] : "several nodes");
			return NULL;
		}
		if (node != NULL && strcmp(node, r->on[0]) != 0) {
			snprintf(why, wl, "%s runs on %s and on %s", id, node, r->on[0]);
			return NULL;
		}
		node = r->on[0];
	}
	if (seen == 0)
		snprintf(why, wl, "crm_mon shows no resource or group \"%s\"", id);
	return node;
}

bool crm_status_active_on(const struct crm_status *st, const char *id, const char *node)
{
	char why[256];
	const char *on = crm_status_where(st, id, why, sizeof(why));
	return on != NULL && strcmp(on, node) == 0;
}

/* ---- a CIB's constraints -------------------------------------------------------------------- */

int crm_cib_locations(struct arena *a, const char *xml, size_t len, struct crm_location **out, unsigned *nout,
		      char *err, size_t errlen)
{
	xmlDocPtr doc = read_doc(xml, len, "the CIB", err, errlen);
	if (doc == NULL)
		return -1;
	xmlNodePtr root = sym_xmlDocGetRootElement(doc);
	if (!is_element(root, "cib") && !is_element(root, "constraints")) {
		util_err(err, errlen, "not a CIB: the root element is <%s>, not <cib> or <constraints>",
			 (const char *)root->name);
		sym_xmlFreeDoc(doc);
		return -1;
	}
	xmlXPathObjectPtr o = select_nodes(doc, "/cib/configuration/constraints/rsc_location|/constraints/rsc_location");
	int n = set_size(o), rc = 0;
	struct crm_location *v = arena_alloc(a, ((size_t)n + 1) * sizeof(*v));
	unsigned k = 0;
	for (int i = 0; i < n && rc == 0; i++) {
		xmlNodePtr el = set_item(o, i);
		struct crm_location *l = &v[k];
		l->id = attr(a, el, "id");
		l->rsc = attr(a, el, "rsc");
		l->node = attr(a, el, "node");
		l->rule = l->node == NULL;
		if (l->id == NULL || l->rsc == NULL)  /* rsc-pattern: not judged here */
			continue;
		if (!l->rule && parse_score(attr(a, el, "score"), &l->score) < 0)
			rc = util_err(err, errlen, "the CIB: rsc_location %s has no score that reads as one (line %ld)", l->id,
				      sym_xmlGetLineNo(el));
		k++;
	}
	sym_xmlXPathFreeObject(o);
	sym_xmlFreeDoc(doc);
	*out = v;
	*nout = rc == 0 ? k : 0;
	return rc;
}

const struct crm_location *crm_banned(const struct crm_location *v, unsigned n, const char *rsc, const char *node)
{
	for (unsigned i = 0; i < n; i++)
		if (!v[i].rule && strcmp(v[i].rsc, rsc) == 0 && strcmp(v[i].node, node) == 0 &&
		    v[i].score <= -CRM_SCORE_INFINITY)
			return &v[i];
	return NULL;
}
