/* probe.h: questions to a live target, answered by its profile's probes (docs/profiles.md):
 * a probe's exit status (0 yes, 1 no, anything else an error) or its output's last line,
 * and the truth of a condition atom asked of the nodes it is about. Nothing here changes the
 * target or the model; answers and messages are in the nodes' arena or the caller's buffer. */
#ifndef HP_PROBE_H
#define HP_PROBE_H

#include <stddef.h>

#include "model.h"
#include "nodes.h"

/* Key k run on node: B_YES on exit 0, B_NO on exit 1, B_ANY with msg otherwise (it could not
 * be rendered or run, it failed, it timed out). */
mset probe_bool(struct nodes *ns, unsigned node, enum profile_key k, const struct profile_var *vars, unsigned nvars,
		char *msg, size_t len);

/* Who owns `group` (`probe group owner`, asked of the first node that answers): the node's
 * index, or -1 with msg (none answered, or the answer is not a node of the target). */
int probe_group_owner(struct nodes *ns, const char *group, char *msg, size_t len);

/* The version of `file` on node (`probe file version`: the first word of its answer that reads
 * as a version, "Version=6.5.7232.54"): 0 and *v, or -1 with msg. */
int probe_file_version(struct nodes *ns, unsigned node, const char *file, struct ast_version *v, char *msg,
		       size_t len);

/* Is `store` mounted (`probe store mounted` on host)? B_YES, B_NO, or B_ANY with msg. */
mset probe_store_mounted(struct nodes *ns, const struct model *m, unsigned host, const char *store, char *msg,
			 size_t len);

/* The live value of condition atom c under b, the nodes it is about taken from `live` (facts,
 * params and counts are the runtime's): B_YES or B_NO; B_ANY with msg when it cannot be
 * probed. */
mset probe_cond(struct nodes *ns, const struct model *m, const struct model_state *live, const struct ast_cond *c,
		const struct model_bind *b, char *msg, size_t len);

#endif
