/* leftover.h: the commands a runner that died may have left running (docs/journal.md,
 * "Commands that outlive their runner"). Each command an action starts is recorded in the
 * journal (an action-process record) with its process group and where it ran; a resume reads
 * those of the actions whose end the journal lacks and asks whether each still runs. Plain
 * values; nothing here allocates. */
#ifndef HP_LEFTOVER_H
#define HP_LEFTOVER_H

#include <stddef.h>

#define LEFTOVER_TEXT_MAX 384
#define LEFTOVER_HOST_MAX 256
#define LEFTOVER_BOOT_MAX 64

/* One command's process group, as the record's message says it. */
struct leftover {
	long pgid;                           /* the command's process group (ssh://: the local ssh client's) */
	long runner;                         /* the pid of the hotplan that started it */
	char host[LEFTOVER_HOST_MAX];        /* gethostname() there */
	char boot[LEFTOVER_BOOT_MAX];        /* /proc/sys/kernel/random/boot_id there ("?" unknown) */
};

/* The record's message for process group pgid started by this process, here, now:
 * "pgid=P runner=PID host=H boot=B", into buf[len]. */
void leftover_describe(char *buf, size_t len, long pgid);

/* This machine as those records name it: its host name (one word) and boot id ("?" when it
 * cannot be read). The target locks name their holder's controller the same way (lock_target.h). */
void leftover_here(char *host, size_t hostlen, char *boot, size_t bootlen);

/* Parse such a message. 0, or -1 when it is not one. */
int leftover_parse(const char *text, struct leftover *out);

enum leftover_state {
	LEFTOVER_ENDED,                      /* nothing of the group lives (or the machine has rebooted since) */
	LEFTOVER_RUNS,                       /* a live process of this machine is in the group */
	LEFTOVER_ELSEWHERE,                  /* started on another host: cannot be seen from here */
};

/* Does the group still run? Asked of this machine: the same host name and boot id. */
enum leftover_state leftover_state(const struct leftover *l);

#endif
