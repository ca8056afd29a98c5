/* driver_cmd.h: the command driver (runtime/driver.h's ops for real targets): an action's
 * profile commands run on its nodes through their transports (local:, ssh://), conditions are
 * answered by the profile's probes, and --dry-run shows the rendered commands, also for sim:
 * nodes that name a real profile (a preview for real servers; the simulated target still
 * acts). Design: docs/profiles.md.
 *
 * Its parts, each with its own header: needs.c (the profile keys a plan needs), nodes.c (the
 * nodes' profiles and transports; rendering and running a line), live.c (the live target read
 * back), probe.c (a condition's truth, asked of the nodes), commands.c (an action to its
 * commands), act.c (running them), describe.c (--dry-run), text.c (text for messages). This
 * file ties them together. Everything lives in the run's arena; the transports are closed by
 * the driver's close (or nodes_close when no driver was made). */
#ifndef HP_DRIVER_CMD_H
#define HP_DRIVER_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "driver.h"
#include "nodes.h"
#include "progress.h"
#include "target.h"

struct driver_cmd_opts {
	const struct ast_plan *plan;
	const struct ast_procedure *proc;       /* the procedure that will run */
	const char *plan_path;                  /* for the profile search path */
	const struct ast_profile *local;        /* profile blocks of the inventory (looked up first) */
	bool dry_run;
	volatile int *abort;
};

/* Does target t need the command driver: a local: or ssh:// node, or a sim: node naming a
 * profile other than "sim"? */
bool driver_cmd_wanted(const struct rt_target *t);

/* Load each node's profile (its own, the target's, or the transport's default:
 * linux-systemd for local: and ssh://, none for sim:), check that it has every key the
 * procedure needs and the exec strings' ${PARAM}s. Nothing is reached yet: a resume compares
 * the profiles with the run's first (inputs.h). Returns 0, or an exit code (exec.h: EXIT_USAGE
 * for what cannot be loaded, EXIT_REJECTED when a profile lacks what the plan needs) with msg. */
int driver_cmd_open(struct hp_ctx *ctx, const struct driver_cmd_opts *o, struct rt_target *t, struct nodes **out,
		    char *msg, size_t len);

/* Then open a transport to each local: and ssh:// node of ns (nothing is run on them yet:
 * the run takes its lock on the target first). Nothing for a preview on sim: nodes. 0, or
 * EXIT_USAGE with msg (everything opened closed again). */
int driver_cmd_connect(const struct driver_cmd_opts *o, struct rt_target *t, struct nodes *ns, char *msg, size_t len);

/* Read from the live target what the model is built from: each group's owner (`probe group
 * owner`) and, when the inventory lists no store, the stores (`list stores`); both go into
 * *t. Nothing for a preview on sim: nodes. 0, or EXIT_USAGE with msg (the transports stay open:
 * the run releases its lock on the target through them, then closes them). */
int driver_cmd_discover(const struct driver_cmd_opts *o, struct rt_target *t, struct nodes *ns, char *msg,
			size_t len);

/* The driver over ns. `values` are the params by index (exec strings); `journal_path` is
 * read when a command runs (output goes to JOURNAL.out/NODE.log; empty: not captured);
 * --dry-run's lines go through `prog` (text, or JSON objects); `sim` (sim: targets: the simulated driver)
 * acts and probes in its place. On a real target the live state is first read back through
 * the probes the profile has (services, membership, stores, hotfixes, file versions, restart
 * policies), so that the guard judges the target as it is. NULL with msg when that fails (ns
 * stays open: the caller closes it). */
struct driver *driver_cmd_new(struct arena *a, const struct model *m, struct model_state *live,
			      const struct rt_target *t, struct nodes *ns, const struct rt_value *values,
			      const char *journal_path, struct progress *prog, struct driver *sim, volatile int *abort,
			      char *msg, size_t len);

/* Print the diagnostics reported since index `from` (a profile file's syntax errors). */
void driver_cmd_print_diags(struct hp_ctx *ctx, unsigned from, FILE *out);

/* The command driver's state: made by driver_cmd_new, read by its parts (commands.c, act.c,
 * describe.c). */
struct driver_cmd {
	struct driver base;
	struct nodes *ns;
	struct arena *a;
	const struct rt_value *values;
	const char *journal_path;
	struct progress *prog;               /* where --dry-run's lines go */
	struct driver *sim;
	bool out_dir_ready;                  /* JOURNAL.out exists */
	/* NULL, or told each time an action's command starts on a node: its process group (set by
	 * the run: the journal records it); called from the thread that runs the command */
	void (*started)(void *ud, unsigned node, long pgid);
	void *started_ud;
};

#endif
