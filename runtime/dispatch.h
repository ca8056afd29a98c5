/* dispatch.h: carrying an action out on a real target (the command driver's act, driver.h): its
 * commands (commands.h) run through the nodes' transports, the nodes of one action at once,
 * each node's commands in order; their output appended to JOURNAL.out/NODE.log; a stand-alone
 * server's restart waited for. Nothing runs unless every command could be rendered. */
#ifndef HP_DISPATCH_H
#define HP_DISPATCH_H

#include <stddef.h>

#include "driver_cmd.h"

/* Run act on `nodes` under b. 0 when every command succeeded; -1 with msg (the first command
 * that failed: how it ended, its output's last lines, its capture file). */
int dispatch_action(struct driver_cmd *d, const struct ast_action *act, const struct model_bind *b, nodeset nodes,
	    char *msg, size_t len);

#endif
