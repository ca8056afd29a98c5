/* nodes.h: a target's nodes as the command driver reaches them (driver_cmd.h): each node's
 * profile and transport, a private directory for ssh control sockets and captures, and the
 * two things done with a node: render a profile key's command for it, and run a line on it.
 * Everything lives in the arena of the compile context passed to nodes_new (the run's); the
 * transports are the nodes' until nodes_close, which may be called more than once. */
#ifndef HP_NODES_H
#define HP_NODES_H

#include <stdbool.h>
#include <stddef.h>

#include "ctx.h"
#include "model.h"
#include "needs.h"
#include "profile.h"
#include "target.h"
#include "transport.h"

struct nodes_entry {
	const struct profile *prof;          /* NULL: none (the plan needs none, or a sim: node) */
	struct transport *tr;                /* NULL: sim:, or not connected */
	const char *log_name;                /* the node's name made safe for a file name */
};

struct nodes {
	struct hp_ctx *ctx;
	const struct rt_target *t;
	struct nodes_entry *node;            /* by the target's node index */
	unsigned n;
	bool real;                           /* local: and ssh:// nodes (else a preview on sim:) */
	char tmp_dir[64];                    /* private: ssh control sockets, list output; "" none */
	unsigned tmp_seq;                    /* names the next file in tmp_dir */
	volatile int *abort;                 /* handed to the transports */
	void *crm_cache;                     /* crm_probe.c's: statuses reused while a pass lasts */
	bool closed;
};

/* Add a variable for nodes_render to v[*n]. */
static inline void nodes_var(struct profile_var *v, unsigned *n, const char *name, const char *value, bool raw)
{
	v[*n].name = name;
	v[*n].value = value != NULL ? value : "";
	v[*n].raw = raw;
	(*n)++;
}

/* The lowest node of a set, or -1 for none. */
static inline int nodes_first(nodeset ns)
{
	return ns ? __builtin_ctzll(ns) : -1;
}

/* The nodes of target t, with no profile and no transport yet; real when none is sim:. */
struct nodes *nodes_new(struct hp_ctx *ctx, const struct rt_target *t, volatile int *abort);

/* Give each node its profile: its own, the target's, or the transport's default
 * (linux-systemd for local: and ssh:// when the plan needs any key; none for sim:), each
 * loaded once from `local` (the inventory's profile blocks) or the search path of plan_path,
 * and each checked against nd. 0, or EXIT_USAGE (not found, a sim profile on a real node, a
 * cmd profile on a real transport) or EXIT_REJECTED (a key nd needs is missing) with msg. */
int nodes_load_profiles(struct nodes *ns, const struct needs *nd, const char *plan_path,
			const struct ast_profile *local, char *msg, size_t len);

/* Make the private directory and open a transport to each node (real targets). 0, or
 * EXIT_USAGE with msg, everything opened closed again. */
int nodes_connect(struct nodes *ns, char *msg, size_t len);

/* Close the transports and remove the private directory. NULL or closed: nothing. */
void nodes_close(struct nodes *ns);

/* Key k of the node's profile rendered with vars (and ${node}, ${sandbox}, ${fact.PATH}): the
 * line (arena), or NULL with err (no profile, no such key, a value that cannot be quoted). */
const char *nodes_render(struct nodes *ns, unsigned node, enum profile_key k, const struct profile_var *vars,
			 unsigned nvars, char *err, size_t errlen);

/* The same for template tmpl of the node's profile (which it must have), `key` naming it in
 * messages: `probe cluster status` and `probe cluster config`, which are no profile_key. */
const char *nodes_render_tmpl(struct nodes *ns, unsigned node, const char *key, const char *tmpl,
			      const struct profile_var *vars, unsigned nvars, char *err, size_t errlen);

/* The sandbox of node `node` of t (where the posix-test profile acts: ${sandbox}): its
 * `fact sandbox`, else $HOTPLAN_SANDBOX/NAME; NULL when it has none. In arena a. */
const char *nodes_sandbox(struct arena *a, const struct rt_target *t, unsigned node);

/* Where the target lock of `node` lives (docs/locks.md): its profile's `lock` rendered as a
 * shell word (its variables quoted), or NULL when the profile names none (the default then
 * applies) or err is set (a variable with no value). In the nodes' arena. */
const char *nodes_lock_word(struct nodes *ns, unsigned node, char *err, size_t errlen);

/* Run a line on a node through its transport. 0 when it ran (r says how it ended), -1 (err)
 * when it could not run. capture and label as in struct transport_cmd. */
int nodes_run(struct nodes *ns, unsigned node, const char *line, long long timeout_ns, const char *capture,
	      const char *label, struct transport_result *r, char *err, size_t errlen);

/* Call fn(items + i * size) for each of the n items at once: a thread each but the last, which
 * runs in the calling thread, as does any whose thread cannot start; returns when every call
 * has returned. A parallel loop's other lanes go on meanwhile (lanes_release, lanes.h): fn must
 * not touch the run but through what it was given. */
void nodes_fanout(void *items, unsigned n, size_t size, void *(*fn)(void *));

/* One line for one node in nodes_run_all: the caller fills in node, line, timeout_ns, capture
 * and label; rc (nodes_run's: 0 it ran, r says how; -1 it could not, err says why), r and err
 * come back. */
struct nodes_job {
	unsigned node;
	const char *line;
	long long timeout_ns;
	const char *capture;
	const char *label;
	int rc;
	struct transport_result r;
	char err[1024];
};

/* Run *jobs[0..n), each as nodes_run would, all at once: a thread each but the last, which runs
 * in the calling thread (as an action's commands on several nodes, dispatch.c); a job whose
 * thread cannot start runs in the calling thread too. Returns when every job has ended. At most
 * one job per node. Nothing here touches the arena or anything else of the run: the caller
 * prepares the lines before (its arena is not thread-safe) and reads the results after, in
 * the order it chooses. */
void nodes_run_all(struct nodes *ns, struct nodes_job *const *jobs, unsigned n);

/* How a command ended, for a message: "timed out after 1s" (the timeout it was given),
 * "exited with status 2", "killed by signal 9" or "aborted by a second interrupt" (with `was`:
 * "was killed …", "was aborted …", to follow a command's text). */
void nodes_ending(const struct transport_result *r, bool was, char *out, size_t len);

/* nodes_run with the whole command c (its `started` hook too). */
int nodes_exec(struct nodes *ns, unsigned node, const struct transport_cmd *c, struct transport_result *r, char *err,
	       size_t errlen);

/* Why key k's command `line`, which ran on node, failed (status, signal, timeout), with the
 * last lines of its output: "KEY on NODE: `LINE` exited with status 2: OUTPUT". */
void nodes_failure_text(const struct nodes *ns, unsigned node, enum profile_key k, const char *line,
			const struct transport_result *r, char *out, size_t len);

/* Where the stores live: the owner of the store service's group, else the first node. */
unsigned nodes_store_host(const struct model *m, const struct model_state *live);

/* Where a group's commands run: its owner, else the first node. */
unsigned nodes_group_host(const struct model *m, const struct model_state *live, const struct ast_model_item *grp);

#endif
