/* inputs.h: what a run is bound to (docs/journal.md, "What a run is bound to"): every file it
 * read (the plan and what it imports, the inventory and what it imports, the profiles), each
 * with its SHA-256, and each node's identity (its address; a local: node's sandbox and the
 * controller's host). `hotplan run` keeps them in its journal's header; `hotplan resume`
 * gathers them again and refuses to go on when they differ, unless --accept-changed names the
 * change. A struct inputs and everything it points to live in the arena passed in (the run's).
 *
 * In the header they are vars (journal.h: NAME=VALUE strings the runtime defines):
 *   input=ROLE SHA256-HEX PATH      one per file; ROLE plan, import, inventory or profile
 *   node=NAME IDENTITY              one per node; NAME escaped (%XX for '%', blanks, controls)
 * A journal without any is one written before inputs were recorded. */
#ifndef HP_INPUTS_H
#define HP_INPUTS_H

#include <stdbool.h>
#include <stddef.h>

#include "ctx.h"
#include "target.h"

#define INPUTS_HASH_LEN 32

/* Which part of the run a file is. The names (inputs_role_name) are what the header keeps and
 * what --accept-changed takes. */
enum input_role { INPUT_PLAN, INPUT_IMPORT, INPUT_INVENTORY, INPUT_PROFILE };

struct input_file {
	enum input_role role;
	const char *path;                    /* absolute (realpath) when it could be resolved */
	unsigned char sha[INPUTS_HASH_LEN];
};

struct input_node {
	const char *name;
	const char *identity;                /* "ssh://u@h:22", "local:/sandbox/ex1 on host1", "sim:" */
};

struct inputs {
	struct input_file *files;
	unsigned nfiles, cap;
	struct input_node *nodes;
	unsigned nnodes;
	bool recorded;                       /* inputs_from_vars found input records */
};

/* "plan", "import", "inventory", "profile". */
const char *inputs_role_name(enum input_role role);

/* Add a file read whole into memory (its text, len bytes): its SHA-256 is taken of exactly what
 * was read. path is made absolute when it exists. */
void inputs_add_text(struct inputs *in, struct arena *a, enum input_role role, const char *path,
		     const char *text, size_t len);

/* Add sources [from, to) of ctx: the first as role `first`, the others (what it imports) as
 * `rest`. Nothing when from >= to. */
void inputs_add_sources(struct inputs *in, struct arena *a, struct hp_ctx *ctx, unsigned from, unsigned to,
			enum input_role first, enum input_role rest);

/* The identities of target t's nodes (replacing any set before). */
void inputs_set_nodes(struct inputs *in, struct arena *a, const struct rt_target *t);

/* The header vars for in, into vars[] (which holds inputs_nvars(in) entries); returns the
 * number written. */
unsigned inputs_nvars(const struct inputs *in);
unsigned inputs_to_vars(const struct inputs *in, struct arena *a, const char **vars);

/* The inputs a journal's header recorded (vars[0..n)). in->recorded says whether there were any.
 * -1 with err for a record that does not parse. */
int inputs_from_vars(struct inputs *in, struct arena *a, const char *const *vars, size_t n, char *err,
		     size_t errlen);

/* What changed between `then` (the journal's) and `now`, among the files whose role is in
 * `roles` (a bit per enum input_role) and, when `nodes`, the nodes' identities. Each change is
 * one line of text in (*lines)[0..*nlines) (arena), and (*accepted)[i] says whether one of
 * accept[0..naccept) names it: a role name ("inventory"), "nodes" (every node's identity) or a
 * file's path. *used gets a bit per accept entry that named a change. Returns the number of
 * changes that were not accepted. */
unsigned inputs_compare(const struct inputs *then, const struct inputs *now, unsigned roles, bool nodes,
			const char *const *accept, unsigned naccept, struct arena *a, const char ***lines,
			bool **accepted, unsigned *nlines, unsigned long long *used);

#endif
