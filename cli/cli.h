/* cli.h: what the command line's parts share: the parsed arguments and the commands
 * implemented outside main.c. Arguments point into argv. */
#ifndef HP_CLI_H
#define HP_CLI_H

#include <stdbool.h>

#include "exec.h"   /* the exit codes of SPEC section 5 */

enum {
	O_HELP = 1u << 0,
	O_FORMAT = 1u << 1,
	O_WERROR = 1u << 2,
	O_KIND = 1u << 3,
	O_INVENTORY = 1u << 4,
	O_TARGET = 1u << 5,
	O_SET = 1u << 6,
	O_DRY_RUN = 1u << 7,
	O_YES = 1u << 8,
	O_JOURNAL = 1u << 9,
	O_ABANDON = 1u << 10,
	O_FAIL_AT = 1u << 11,
	O_PACE = 1u << 12,
	O_LOG = 1u << 13,
	O_OUTPUT = 1u << 14,
	O_EMIT = 1u << 15,
	O_CHECK = 1u << 16,
	O_WRITE = 1u << 17,
	O_ACCEPT = 1u << 18,
	O_WAIT = 1u << 19,
	O_SET_FILE = 1u << 20,
	O_HOLDER = 1u << 21,
	O_FLEET = 1u << 22,          /* run, resume: --targets, --parallel, --max-failures, --report */
};

#define CLI_MAX_SETS 256

struct args {
	bool help, werror, dry_run, yes;
	bool check, write;           /* fmt: --check, -w */
	const char *format, *kind;   /* NULL when not given */
	const char *inventory, *target, *journal, *abandon, *fail_at, *pace, *log, *output, *emit;
	const char *wait;            /* resume --wait-commands */
	const char *holder;          /* unlock --holder */
	const char *targets, *parallel, *max_failures, *report;   /* fleets (docs/fleets.md) */
	const char *sets[CLI_MAX_SETS];
	unsigned nsets;
	const char *accepts[CLI_MAX_SETS];   /* resume --accept-changed */
	unsigned naccepts;
	const char *set_files[CLI_MAX_SETS]; /* --set-file NAME=PATH */
	unsigned nset_files;
	char **pos;                  /* the operands, in order */
	int npos;
};

/* Print "hotplan CMD: <fmt with arg>" and the --help hint; returns EXIT_USAGE. */
int usage_error(const char *cmd, const char *fmt, const char *arg);

int cmd_compile(const struct args *a);
int cmd_run(const struct args *a);
int cmd_resume(const struct args *a);
int cmd_fmt(const struct args *a);
int cmd_unlock(const struct args *a);

#endif
