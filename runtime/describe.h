/* describe.h: what --dry-run shows under an action (the command driver's describe, driver.h):
 * each command it would run and on which node (`$`), the probes of `wait until` and `verify`
 * (`?`), and each command that could not be rendered (`!`); as lines through the progress
 * output, or as JSON objects {"event": "dry-run-command", ...} (docs/profiles.md). */
#ifndef HP_DESCRIBE_H
#define HP_DESCRIBE_H

#include <stdio.h>

#include "driver_cmd.h"

/* Describe act on `nodes` under b to out (the progress stream; a write error stays in its
 * error indicator, which the run reports at its end). */
void describe_action(struct driver_cmd *d, const struct ast_action *act, const struct model_bind *b, nodeset nodes,
		     FILE *out);

#endif
