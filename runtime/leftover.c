/* leftover.c: the commands a runner that died may have left running (leftover.h). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "leftover.h"
#include "proc.h"

/* This machine's boot id (a UUID, new at every boot), or "?" when it cannot be read. */
static void boot_id(char *buf, size_t len)
{
	snprintf(buf, len, "?");
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	char b[LEFTOVER_BOOT_MAX];
	ssize_t n = read(fd, b, sizeof(b) - 1);
	close(fd);   /* read only */
	while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == ' '))
		n--;
	if (n <= 0)
		return;
	b[n] = '\0';
	if (strspn(b, "0123456789abcdef-") == (size_t)n)
		snprintf(buf, len, "%s", b);
}

static void host_name(char *buf, size_t len)
{
	if (gethostname(buf, len) != 0 || buf[0] == '\0')
		snprintf(buf, len, "?");
	buf[len - 1] = '\0';
	for (char *p = buf; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f)
			*p = '?';   /* one word in the record */
}

void leftover_here(char *host, size_t hostlen, char *boot, size_t bootlen)
{
	host_name(host, hostlen);
	boot_id(boot, bootlen);
}

void leftover_describe(char *buf, size_t len, long pgid)
{
	char host[LEFTOVER_HOST_MAX], boot[LEFTOVER_BOOT_MAX];
	host_name(host, sizeof(host));
	boot_id(boot, sizeof(boot));
	snprintf(buf, len, "pgid=%ld runner=%ld host=%s boot=%s", pgid, (long)getpid(), host, boot);
}

int leftover_parse(const char *text, struct leftover *out)
{
	int n = 0;
	memset(out, 0, sizeof(*out));
	if (text == NULL)
		return -1;
	/* NOLINTNEXTLINE(cert-err34-c): the runtime wrote it; a malformed one is refused below */
	int got = sscanf(text, "pgid=%ld runner=%ld host=%255s boot=%63s%n", &out->pgid, &out->runner, out->host,
			 out->boot, &n);
	return got == 4 && text[n] == '\0' && out->pgid > 0 ? 0 : -1;
}

enum leftover_state leftover_state(const struct leftover *l)
{
	char host[LEFTOVER_HOST_MAX], boot[LEFTOVER_BOOT_MAX];
	host_name(host, sizeof(host));
	boot_id(boot, sizeof(boot));
	if (strcmp(host, l->host) != 0)
		return LEFTOVER_ELSEWHERE;
	if (strcmp(boot, "?") != 0 && strcmp(boot, l->boot) != 0)
		return LEFTOVER_ENDED;   /* this machine has rebooted since: the group died with it */
	return proc_group_alive(l->pgid) ? LEFTOVER_RUNS : LEFTOVER_ENDED;
}
