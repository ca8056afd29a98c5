/* template.c: `${NAME}` references in command templates and exec strings. */
#include "template.h"

#include <stdio.h>

int template_each_var(const char *tmpl, int (*fn)(void *ud, const char *name, size_t len), void *ud, char *err,
		     size_t errlen)
{
	for (const char *p = tmpl; *p != '\0'; p++) {
		if (p[0] != '$')
			continue;
		if (p[1] == '$' && p[2] == '{') {
			p += 2;   /* $${ is a literal ${ */
			continue;
		}
		if (p[1] != '{')
			continue;
		const char *name = p + 2, *close = name;
		while (*close != '\0' && *close != '}' && *close != '\n')
			close++;
		if (*close != '}') {
			snprintf(err, errlen, "`${` with no `}` after it");
			return -1;
		}
		int rc = fn(ud, name, (size_t)(close - name));
		if (rc != 0)
			return rc;
		p = close;
	}
	return 0;
}
