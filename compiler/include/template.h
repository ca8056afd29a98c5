/* template.h: the `${NAME}` references of a command template or an exec string (SPEC
 * section 6: exec inserts a param's value, quoted for the shell). `$${` is a literal `${`.
 * Nothing here allocates. */
#ifndef HP_TEMPLATE_H
#define HP_TEMPLATE_H

#include <stddef.h>

/* Call fn(ud, name, len) for each `${name}` of tmpl in order; stop at the first non-zero
 * return and return it. -1 with a message for a `${` with no `}` on its line. */
int template_each_var(const char *tmpl, int (*fn)(void *ud, const char *name, size_t len), void *ud, char *err,
		      size_t errlen);

#endif
