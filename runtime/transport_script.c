/* transport_script.c: a command line framed for TRANSPORT_READER (transport.h), the way both
 * transports hand it to the node's shell on its standard input instead of in argv. */
#include <stdlib.h>
#include <string.h>

#include "transport.h"

char *transport_frame(const char *line, size_t *len)
{
	size_t n = strlen(line), lines = 1;
	for (size_t i = 0; i < n; i++)
		if (line[i] == '\n' && i + 1 < n)
			lines++;
	/* a '|' and a newline a line (the line's own newline is one of them), then ".\n" */
	char *out = malloc(n + 2 * lines + 3);
	if (out == NULL)
		return NULL;
	size_t o = 0;
	out[o++] = '|';
	for (size_t i = 0; i < n; i++) {
		out[o++] = line[i];
		if (line[i] == '\n' && i + 1 < n)
			out[o++] = '|';
	}
	if (n == 0 || line[n - 1] != '\n')
		out[o++] = '\n';
	memcpy(out + o, ".\n", 3);
	*len = o + 2;
	return out;
}
