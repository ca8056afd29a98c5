/* rules.h: the table of diagnostic rules (stable IDs, severities, explanations).
 * The table is static data; nothing here allocates. */
#ifndef HP_RULES_H
#define HP_RULES_H

#include <stdbool.h>

enum severity { SEV_ERROR, SEV_WARNING };

enum rule_id {
	HP001, HP002, HP003, HP004, HP005, HP006, HP007,
	HP101, HP102, HP103,
	HP110, HP111, HP112, HP113, HP114, HP115, HP116, HP117,
	HP120, HP121, HP122, HP123, HP124,
	HP130, HP131,
	HP201, HP202, HP203, HP204, HP205,
	RULE_COUNT
};

struct rule_info {
	const char *id;         /* "HP101" */
	enum severity severity; /* final, as SPEC section 4 fixes it */
	bool guard_refuses;     /* the runtime's guard refuses an action that breaks it on the live
				 * target (the model judges it at an action); false for advice (HP117),
				 * what running judges itself (HP123: a verify, a wait) and warnings */
	const char *summary;    /* the one-line rule of SPEC's table */
	const char *rationale;  /* why, in the words of the runbook */
	const char *example;    /* a plan fragment that breaks it */
	const char *fix;        /* how to fix it */
};

extern const struct rule_info rule_table[RULE_COUNT];

/* Look a rule up by its ID ("HP101", case-insensitive); NULL when unknown. */
const struct rule_info *rule_lookup(const char *id);

#endif
