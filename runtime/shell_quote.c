/* shell_quote.c: one word for a POSIX shell. Single quotes keep every byte literal except the
 * single quote itself, which is closed, escaped and reopened: ' becomes '\''. No byte is left
 * bare, so the result means the same in any POSIX shell whatever the locale (it is bytes, not
 * characters: UTF-8 and invalid sequences pass through as they are). A NUL cannot be passed. */
#include <limits.h>

#include "transport.h"

int shell_quote(const char *s, char *out, size_t outlen)
{
	size_t n = 0;
	if (outlen == 0)
		return -1;
	out[0] = '\0';
#define PUT(ch)                                 \
	do {                                    \
		if (n + 1 >= outlen)            \
			goto toolong;           \
		out[n++] = (ch);                \
	} while (0)
	PUT('\'');
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '\'') {
			PUT('\'');
			PUT('\\');
			PUT('\'');
		}
		PUT(*p);
	}
	PUT('\'');
#undef PUT
	if (n > INT_MAX)
		goto toolong;
	out[n] = '\0';
	return (int)n;
toolong:
	out[0] = '\0';
	return -1;
}
