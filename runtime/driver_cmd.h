/* driver_cmd.h: the command driver (runtime/driver.h's ops for real targets): an action's
 * profile commands run on its nodes through their transports (local:, ssh://), conditions are
 * answered by the profile's probes, and --dry-run shows the rendered commands, also for sim:
 * nodes that name a real profile (a preview for real servers; the simulated target still
 * acts). Design: docs/profiles.md. Everything lives in the run's arena; the transports are
 * closed by the driver's close (or cmd_target_close when no driver was made). */
#ifndef HP_DRIVER_CMD_H
#define HP_DRIVER_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "driver.h"
#include "profile.h"
#include "progress.h"
#include "target.h"
#include "transport.h"

struct cmd_target;

struct cmd_open {
	const struct ast_plan *plan;
	const struct ast_procedure *proc;       /* the procedure that will run */
	const char *plan_path;                  /* for the profile search path */
	const struct ast_profile *local;        /* profile blocks of the inventory (looked up first) */
	bool dry_run;
	volatile int *abort;
};

/* Does target t need the command driver: a local: or ssh:// node, or a sim: node naming a
 * profile other than "sim"? */
bool cmd_target_wanted(const struct rt_target *t);

/* Load each node's profile (its own, the target's, or the transport's default:
 * linux-systemd for local: and ssh://, none for sim:), check that it has every key the
 * procedure needs, check the exec strings' ${PARAM}s, open a transport to each local: and
 * ssh:// node, then read from the live target what the model is built from: each group's
 * owner (`probe group owner`) and, when the inventory lists no store, the stores (`list
 * stores`); both go into *t. Returns 0, or an exit code (exec.h: EXIT_USAGE for what cannot be
 * loaded or reached, EXIT_REJECTED when a profile lacks what the plan needs) with msg. */
int cmd_target_open(struct hp_ctx *ctx, const struct cmd_open *o, struct rt_target *t, struct cmd_target **out,
		    char *msg, size_t len);

/* Close the transports of a target whose driver was never made. */
void cmd_target_close(struct cmd_target *ct);

/* The driver over ct. `values` are the params by index (exec strings); `journal_path` is
 * read when a command runs (output goes to JOURNAL.out/NODE.log; empty: not captured);
 * --dry-run's lines go through `prog` (text, or JSON objects); `sim` (sim: targets: the simulated driver)
 * acts and probes in its place. On a real target the live state is first read back through
 * the probes the profile has (services, membership, stores, hotfixes, file versions, restart
 * policies), so that the guard judges the target as it is. NULL with msg when that fails. */
struct driver *driver_cmd_new(struct arena *a, const struct model *m, struct model_state *live,
			      const struct rt_target *t, struct cmd_target *ct, const struct rt_value *values,
			      const char *journal_path, struct progress *prog, struct driver *sim, volatile int *abort,
			      char *msg, size_t len);

/* Print the diagnostics reported since index `from` (a profile file's syntax errors). */
void cmd_print_diags(struct hp_ctx *ctx, unsigned from, FILE *out);

#endif
