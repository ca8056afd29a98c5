/* model_decl.h: declared state in the model's state vector (model_decl.c): where each
 * state's instances are, their start values, and the truth of a condition on one of them.
 * Private to the compiler: model_apply.c applies the effects (through model_state.c's logged
 * updates). */
#ifndef HP_MODEL_DECL_H
#define HP_MODEL_DECL_H

#include "model.h"

/* The model's own state, read in conditions like declared state (decl.c makes them when no
 * declaration has the name; docs/language.md, "Built-in state"): their ast_state_decl.index.
 * `updated(N)`: every hotfix of the plan installed on N (pending counts), `no | yes`;
 * `owned_by(G, N)`: N owns group G (a resource: its group), `no | yes`. Never set, never laid out. */
enum { DECL_STATE_UPDATED = 0xFFFFFF00u, DECL_STATE_OWNER = 0xFFFFFF01u };

/* Take the plan's declared states (plan->states) for m; allocates from a. */
void model_decl_collect(struct arena *a, struct model *m, const struct ast_plan *plan);
/* Lay the declared states out from *o on (the values past the params); advances *o. */
void model_decl_layout(struct model *m, unsigned *o);
/* Start values: a state's normal value, or every value (unknown) when it has none; on a
 * concrete model (the simulated target) the first value the declaration lists. */
void model_decl_start(const struct model *m, struct model_state *s);
/* The places of the instance(s) of state st that args name under b (a role may bind several
 * nodes): fills out (MODEL_MAX_NODES entries) and returns how many; 0 when unknown. */
unsigned model_decl_places(const struct model *m, const struct model_bind *b, const struct ast_state_decl *st,
			   const struct ast_arg *args, unsigned *out);
/* The instance an argument names under b, for a parameter of a declared action: node
 * arguments may name several (a bit each in *nodes); returns false when unknown. */
bool model_decl_arg(const struct model *m, const struct model_bind *b, const struct ast_arg *a, nodeset *nodes,
		    unsigned *index);
/* C_DSTATE on s: B_NO, B_YES or B_ANY (on every instance the arguments name). */
mset model_decl_atom(const struct model *m, const struct model_state *s, const struct model_bind *b,
		     const struct ast_cond *c, const struct ast_action **cause);

#endif
