/* driver.h: how the runtime acts on a target's nodes. The runtime (act.c) keeps the model's
 * concrete state of the target (the "live" state), guards every action with the model's
 * preconditions, and applies the model's effect once the driver has carried the action out:
 * for the simulated target the model is the target, so its driver only paces and fails on
 * demand; a command driver (local:, ssh://) runs the profile's commands.
 * A driver is owned by the run and closed with it. */
#ifndef HP_DRIVER_H
#define HP_DRIVER_H

#include <stdio.h>

#include "model.h"
#include "target.h"

struct driver;

struct driver_ops {
	/* Carry `act` out on `nodes` (node indexes of the target; 0 for a target-wide action).
	 * 0 done; -1 failed, msg says why. Interrupted by a signal only when `abort` is set. */
	int (*act)(struct driver *d, const struct ast_action *act, const struct model_bind *b, nodeset nodes,
		   char *msg, size_t len);
	/* The live value of a condition atom (facts, params and counts are the runtime's):
	 * B_YES or B_NO; B_ANY when it cannot be probed (msg). */
	mset (*probe)(struct driver *d, const struct ast_cond *c, const struct model_bind *b, char *msg, size_t len);
	/* What `act` would run on `nodes`, one line per command, for --dry-run. */
	void (*describe)(struct driver *d, const struct ast_action *act, const struct model_bind *b, nodeset nodes,
			 FILE *out);
	void (*close)(struct driver *d);
	/* Optional: read the live state again, before the guard judges `act` (a command driver
	 * whose profile reads a cluster's state as a whole; the declared state a declared
	 * action's `requires` read). What could not be read is unknown, and why says why ("" when
	 * everything was read). NULL: the run's state is the target's (the simulated target). */
	void (*refresh)(struct driver *d, const struct ast_action *act, char *why, size_t len);
};

struct driver {
	const struct driver_ops *ops;
	const struct model *m;
	struct model_state *live;          /* the runtime's state of the target (owned by the run) */
	const struct rt_target *target;
	volatile int *abort;               /* set by a second Ctrl-C: stop the running action */
	long long pace_ns;                 /* sim: how long each action takes */
};

/* The simulated target's driver (sim:; driver_sim.c). */
struct driver *driver_sim_new(struct arena *a, const struct model *m, struct model_state *live,
			      const struct rt_target *t, long long pace_ns, volatile int *abort);

#endif
