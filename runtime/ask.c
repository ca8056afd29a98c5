/* ask.c: the operator's yes or no, on the controlling terminal (ask.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "ask.h"

enum ask_answer ask_yes_no(const char *question, int *err)
{
	FILE *tty = isatty(STDIN_FILENO) ? fopen("/dev/tty", "r+") : NULL;
	if (tty == NULL)
		return ASK_NO_TERMINAL;
	fputs(question, tty);
	if (fflush(tty) != 0) {
		*err = errno;
		(void)fclose(tty); /* the write failed already */
		return ASK_UNSEEN;
	}
	char line[64] = "";
	bool yes = fgets(line, sizeof(line), tty) != NULL && (line[0] == 'y' || line[0] == 'Y');
	(void)fclose(tty); /* flushed above: only read since */
	return yes ? ASK_YES : ASK_NO;
}
