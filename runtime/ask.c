/* ask.c: the operator's answers, on the controlling terminal (ask.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
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

enum ask_answer ask_secret(const char *question, char *buf, size_t len, int *err)
{
	struct termios old, quiet;
	FILE *tty = isatty(STDIN_FILENO) ? fopen("/dev/tty", "r+") : NULL;
	if (tty == NULL)
		return ASK_NO_TERMINAL;
	buf[0] = '\0';
	if (tcgetattr(fileno(tty), &old) != 0) {
		*err = errno;
		(void)fclose(tty); /* nothing written */
		return ASK_UNSEEN;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	/* the echo off first, then the question: what is typed once it shows is never echoed,
	 * nor flushed away */
	if (tcsetattr(fileno(tty), TCSAFLUSH, &quiet) != 0 || fputs(question, tty) < 0 || fflush(tty) != 0) {
		*err = errno;
		(void)tcsetattr(fileno(tty), TCSAFLUSH, &old);
		(void)fclose(tty); /* the write failed already */
		return ASK_UNSEEN;
	}
	bool got = fgets(buf, (int)len, tty) != NULL;
	(void)tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputc('\n', tty);   /* the line end the operator typed was not echoed */
	(void)fclose(tty);  /* nothing of ours left to say */
	size_t n = got ? strlen(buf) : 0;
	bool whole = n > 0 && buf[n - 1] == '\n';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	if (!whole || n == 0) {
		memset(buf, 0, len);   /* a value cut short is no value */
		return ASK_NO;
	}
	return ASK_YES;
}
