/* cmd_unlock.c: `hotplan unlock TARGET --inventory FILE --holder RUN`: options to struct
 * unlock_opts (docs/locks.md). */
#include <stddef.h>

#include "exec.h"

#include "cli.h"

int cmd_unlock(const struct args *a)
{
	if (a->npos != 1)
		return usage_error("unlock", "%s", "expects one TARGET");
	if (a->inventory == NULL)
		return usage_error("unlock", "%s", "needs --inventory FILE (the inventory that names the target's nodes)");
	if (a->holder == NULL)
		return usage_error("unlock", "%s", "needs --holder RUN (the run whose locks are removed)");
	struct unlock_opts o = { .inventory_path = a->inventory, .target_name = a->pos[0], .holder = a->holder };
	return exec_unlock(&o);
}
