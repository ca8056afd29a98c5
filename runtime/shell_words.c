/* shell_words.c: the words of a literal shell line (shell_words.h). Two passes over the line:
 * the first checks it and counts words and bytes, the second copies the words, quotes removed,
 * into one block after the vector. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "shell_words.h"

/* A byte that means itself to a POSIX shell wherever it stands in a word (`=` too: an
 * assignment is the first word's concern, which the caller judges). */
static bool literal_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("_./:@%+,=-", c) != NULL;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Walk the line: count its words into *nwords and their bytes (quotes removed, a NUL each)
 * into *nbytes; with out, copy them there too, each word's start into argv. false: not literal. */
static bool walk(const char *line, size_t *nwords, size_t *nbytes, char **argv, char *out)
{
	const char *p = line;
	size_t w = 0, b = 0;
	for (;;) {
		while (blank(*p))
			p++;
		if (*p == '\0')
			break;
		if (argv != NULL)
			argv[w] = out + b;
		while (*p != '\0' && !blank(*p)) {
			if (*p == '\'') {
				const char *q = strchr(p + 1, '\'');
				if (q == NULL)
					return false;
				if (out != NULL)
					memcpy(out + b, p + 1, (size_t)(q - p - 1));
				b += (size_t)(q - p - 1);
				p = q + 1;
			} else if (*p != '\0' && literal_byte((unsigned char)*p)) {
				if (out != NULL)
					out[b] = *p;
				b++, p++;
			} else {
				return false;
			}
		}
		if (out != NULL)
			out[b] = '\0';
		b++, w++;
	}
	*nwords = w;
	*nbytes = b;
	return true;
}

char **shell_words_literal(const char *line, size_t *n)
{
	size_t nw = 0, nb = 0;
	if (line == NULL || !walk(line, &nw, &nb, NULL, NULL) || nw == 0)
		return NULL;
	char **argv = malloc((nw + 1) * sizeof(*argv) + nb);
	if (argv == NULL)
		return NULL;
	walk(line, &nw, &nb, argv, (char *)(argv + nw + 1));
	argv[nw] = NULL;
	*n = nw;
	return argv;
}
