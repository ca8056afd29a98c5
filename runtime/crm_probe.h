/* crm_probe.h: the questions a `cluster "pacemaker"` profile (profile.h) leaves to the runtime,
 * answered from what its `probe cluster status` prints on a node (crm_mon's XML) and what its
 * `probe cluster config` prints (the CIB), both parsed by crm_xml.h: who runs a group, whether
 * a node is a member, whether the cluster keeps a group off a node. Nothing here changes the
 * cluster. Answers and messages live in the nodes' arena or the caller's buffer. */
#ifndef HP_CRM_PROBE_H
#define HP_CRM_PROBE_H

#include <stddef.h>

#include "crm_xml.h"
#include "model.h"
#include "nodes.h"

/* Begin (on) or end (off) a pass that reads the cluster's state once: while it lasts, each
 * node's `probe cluster status` runs at most once and its parsed answer is reused. */
void crm_probe_batch(struct nodes *ns, bool on);

/* Run node's `probe cluster status` and parse what it prints into st. 0 with st->answered
 * false when crm_mon ran but that node's stack does not answer (its exit status is then not
 * 0: 102 "Not connected"); -1 with msg when it could not run, failed otherwise, or printed
 * something that is not crm_mon's XML. */
int crm_probe_status(struct nodes *ns, unsigned node, struct crm_status *st, char *msg, size_t len);

/* The node that runs `group` as node's crm_mon shows it: its name, or NULL with msg (that
 * node's stack does not answer, the group does not run on one node, the probe failed). */
const char *crm_probe_owner_on(struct nodes *ns, unsigned node, const char *group, char *msg, size_t len);

/* Is node a member: its own crm_mon answers with a DC that has quorum, and shows the node
 * online, not pending, unclean, shutting down or in standby. B_NO too when its stack does not
 * answer; B_ANY with msg when the probe fails. */
mset crm_probe_member(struct nodes *ns, unsigned node, char *msg, size_t len);

/* May `group` move to node `to`, asked on node `on`: 0 yes; -1 with msg when the cluster keeps
 * it off that node (a ban in crm_mon's XML, or a location constraint of -INFINITY in the CIB
 * `probe cluster config` prints, when the profile has one), `to` is not a member there, or
 * the question could not be answered. */
int crm_probe_move(struct nodes *ns, unsigned on, const char *group, const char *to, char *msg, size_t len);

/* A declared state's value as reader `reader` (profile.h: profile_cluster_readers) reads it on
 * node: "quorum", from crm_mon's XML: "held" (a DC with quorum) or "lost"; "standby" and
 * "maintenance" of node `arg`, from crm_mon's XML: "standby" or "online", "on" or "off";
 * "constraint" of group `arg`, from the CIB's location constraints (`probe cluster config`):
 * "moved" (cli-prefer-ARG, left by `crm_resource --move`), "banned" (cli-ban-ARG-…, by
 * `--ban`) or "none". The word (arena or static), or NULL with msg; *unanswered is then true
 * when another node may answer (this node's stack does not). */
const char *crm_probe_word(struct nodes *ns, unsigned node, const char *reader, const char *arg,
			   bool *unanswered, char *msg, size_t len);

#endif
