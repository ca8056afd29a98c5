/* crm_xml.h: Pacemaker's XML read with libxml2 (XPath), which is loaded with dlopen on first
 * use, once per process whichever thread asks first (a hotplan without libxml2 runs every plan
 * that reads no Pacemaker XML): the status `crm_mon --output-as=xml` prints (the DC and quorum, each node's state, where each resource and group runs, the bans)
 * and the location constraints of a CIB (`cibadmin -Q`, or its constraints section). Input is
 * untrusted: whatever it holds, the answer is a parsed state or an error message, never a
 * crash. Everything parsed is copied into the caller's arena; nothing here keeps libxml2's
 * memory. Used by crm_probe.c; the keys that run these commands: docs/profiles.md. */
#ifndef HP_CRM_XML_H
#define HP_CRM_XML_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

struct crm_node {
	const char *name;
	bool online, standby, pending, unclean, shutdown, maintenance;
};

/* A primitive: its group ("" none), role ("Started", "Stopped"…) and the nodes it is active on. */
struct crm_rsc {
	const char *id;
	const char *group;
	const char *role;
	bool active, failed;
	const char **on;
	unsigned non;
};

/* A location constraint: crm_mon's <ban> (score -INFINITY) or a CIB's <rsc_location>. */
struct crm_location {
	const char *id, *rsc, *node;
	long long score;                 /* ±CRM_SCORE_INFINITY for INFINITY */
	bool rule;                       /* it has rules instead of a node: not judged here */
};

#define CRM_SCORE_INFINITY 1000000LL

/* What crm_mon prints. `answered` false: crm_mon ran but could not reach the cluster on that
 * node (its <status> code is not 0, as 102 "Not connected" when the node's stack is down);
 * `why` then holds its message and the rest is empty. */
struct crm_status {
	bool answered;
	const char *why;
	const char *dc;                  /* NULL: no DC elected */
	bool quorum;
	struct crm_node *nodes;
	unsigned nnodes;
	struct crm_rsc *rscs;
	unsigned nrscs;
	struct crm_location *bans;
	unsigned nbans;
};

/* Parse crm_mon's XML (xml, len bytes, not necessarily NUL-terminated) into st. 0, or -1
 * with err: "libxml2.so.2 cannot be loaded: WHY", not XML (libxml2's message and line), not crm_mon's (<pacemaker-result> with a
 * <status>), or a node, resource or ban without the attributes it must have. */
int crm_status_parse(struct arena *a, const char *xml, size_t len, struct crm_status *st, char *err, size_t errlen);

/* Node `name` of st, or NULL. */
const struct crm_node *crm_status_node(const struct crm_status *st, const char *name);

/* A node that is a member a group may run on: online, not pending, unclean, shutting down or
 * in standby. */
bool crm_node_member(const struct crm_node *n);

/* Where resource or group `id` runs: the one node every primitive of it is Started (or
 * Promoted) on, not failed. NULL with why when it does not run on one node (stopped,
 * moving, failed, split, unknown). */
const char *crm_status_where(const struct crm_status *st, const char *id, char *why, size_t wl);

/* Is primitive or group `id` active on `node` (every primitive of it)? */
bool crm_status_active_on(const struct crm_status *st, const char *id, const char *node);

/* The location constraints of a CIB (root <cib> or <constraints>) into *out (arena). 0, or -1
 * with err (libxml2 cannot be loaded, not XML, not a CIB, a score that is none). */
int crm_cib_locations(struct arena *a, const char *xml, size_t len, struct crm_location **out, unsigned *n,
		      char *err, size_t errlen);

/* The first location in v[0..n) that keeps resource `rsc` off `node` (score -INFINITY for it
 * on that node), or NULL. */
const struct crm_location *crm_banned(const struct crm_location *v, unsigned n, const char *rsc, const char *node);

#endif
