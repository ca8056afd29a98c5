/* proc.h: one child process for a command transport (local: and ssh:// share it). The
 * caller owns everything it passes and the result; nothing outlives the call: the child is
 * reaped and every descriptor closed before proc_run returns. Design notes:
 * docs/transports.md.
 *
 * The child runs in its own process group (so the terminal's Ctrl-C reaches the runner, not
 * the command) with default signal dispositions, an empty signal mask, stdin from /dev/null
 * or from a pipe the parent writes the input into, stdout and stderr into one pipe, and no
 * other descriptor. The parent reads the output with poll(): every byte goes into a ring of
 * the last TRANSPORT_TAIL - 1 bytes and to the capture file, of which it keeps the first and
 * last MiB (proc_capture.h). On the timeout, or when *abort reaches 2, the whole process
 * group gets SIGTERM, then SIGKILL 2 s later if anything in it is still alive; the timeout
 * counts only while the child runs: one that has ended when the runner looks was in time,
 * however late the runner looks. Every call that a signal interrupts (the runner's handlers
 * are installed without SA_RESTART) is resumed. */
#ifndef HP_PROC_H
#define HP_PROC_H

#include <stdbool.h>
#include <stddef.h>

#include "transport.h"

/* stdin is a pipe that the parent holds open after the input until the child has ended:
 * the ssh transport's lifeline, whose end tells the remote side to stop. */
#define PROC_STDIN_HOLD 1u

/* The program not starting is not an error: when its exec fails (or the spawn before it),
 * proc_run_path returns 1, nothing has run, r is as for a command not started and the
 * capture file is cut back to what it held before the call (a capture that is not a regular
 * file keeps the header), so that the caller can run the command another way: the local:
 * transport runs the line through /bin/sh then, which says why in its own words. */
#define PROC_EXEC_SOFT 2u

/* A death by a signal that the runner did not send (not the timeout's, not an abort's) is
 * said as /bin/sh says that of its foreground command: exit status 128+N (r->signal 0), and
 * dash's line for it after the output the program wrote ("Killed", "Segmentation fault (core
 * dumped)": strsignal's words in the C locale; none for SIGINT and SIGPIPE). For a program
 * run in the shell's place. */
#define PROC_SH_STATUS 4u

/* Run argv (argv[0] an absolute path: no PATH search; NULL-terminated) for command `c`
 * (its line is only for the caller: here c gives the timeout, capture file and label).
 * With `in`, the child's stdin is a pipe that gets in[0, inlen), then its end (unless
 * PROC_STDIN_HOLD); without it (NULL), /dev/null (or, with PROC_STDIN_HOLD, a pipe with
 * nothing written into it). The input never blocks the watch: what the pipe does not take
 * at once is written as the child reads it; a child that ends or closes its stdin first
 * ends the input (no SIGPIPE reaches the runner).
 * Returns 0 when the child ran and ended, whatever its status (r says how), or -1 when it
 * could not be run or waited for, with err naming the call and the system error
 * ("fork: Resource temporarily unavailable", "exec /bin/sh: No such file or directory").
 * A capture file that cannot be written to after the start does not fail the call: the
 * failure is noted at the end of r->tail. `abort` may be NULL. */
int proc_run(const char *const *argv, const char *in, size_t inlen, unsigned flags, const struct transport_cmd *c,
	     const volatile int *abort, struct transport_result *r, char *err, size_t errlen);

/* proc_run with the program's path apart from its argv: `path` is exec'd (no PATH search;
 * relative: to the current directory), argv[0] is only the name the program is given, and
 * error messages name `path` ("exec PATH: …"). With PROC_EXEC_SOFT it returns 1 when the
 * program could not be started (above). */
int proc_run_path(const char *path, const char *const *argv, const char *in, size_t inlen, unsigned flags,
		  const struct transport_cmd *c, const volatile int *abort, struct transport_result *r, char *err,
		  size_t errlen);

/* Monotonic clock, nanoseconds. */
long long proc_now_ns(void);

/* Does a live process (not a zombie) of this machine belong to process group pgid? Read
 * from /proc; true when /proc cannot be read (the careful answer). */
bool proc_group_alive(long pgid);

#endif
