/* usage.c: how every command says it was called wrongly (exit 2, SPEC section 5). Its own file
 * so that the commands (cmd_*.c) and main.c, which dispatches to them, do not call each other. */
#include <stdio.h>

#include "cli.h"

int usage_error(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "hotplan%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'hotplan%s%s --help' for more information.\n", cmd ? " " : "",
		cmd ? cmd : "");
	return EXIT_USAGE;
}
