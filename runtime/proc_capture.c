/* proc_capture.c: a command's capture file, bounded (proc_capture.h). Design notes:
 * docs/transports.md, "Capture". */
#define _GNU_SOURCE /* memrchr */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "util.h"
#include "proc_capture.h"

#define LINE_SEEK (64u << 10)   /* how far into the tail a cut looks for the start of a line */
#define MARK_MAX 512            /* the cut line and the end line, at most */

void proc_ring_put(struct proc_ring *g, const char *p, size_t n)
{
	const size_t cap = g->cap;
	if (n >= cap) {
		memcpy(g->buf, p + n - cap, cap);
		g->dropped |= g->len > 0 || n > cap;
		g->start = 0;
		g->len = cap;
		return;
	}
	size_t end = (g->start + g->len) % cap;
	size_t first = cap - end < n ? cap - end : n;
	memcpy(g->buf + end, p, first);
	memcpy(g->buf, p + first, n - first);
	g->len += n;
	if (g->len > cap) {
		g->start = (g->start + g->len - cap) % cap;
		g->len = cap;
		g->dropped = true;
	}
}

/* Free bytes for an unprivileged writer on the file's filesystem, or -1 when unknown. */
static long long avail(int fd)
{
	struct statvfs sv;
	int rc;
	do
		rc = fstatvfs(fd, &sv);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -1;
	return (long long)sv.f_bavail * (long long)sv.f_frsize;
}

/* May n more bytes be written and PROC_CAPTURE_RESERVE still be left? (yes when unknown) */
static bool room_for(struct capture *k, size_t n, unsigned long long *free_out)
{
	long long a = avail(k->fd);
	if (free_out != NULL)
		*free_out = a < 0 ? 0 : (unsigned long long)a;
	return a < 0 || (unsigned long long)a >= (unsigned long long)n + PROC_CAPTURE_RESERVE;
}

static void put_raw(struct capture *k, const char *p, size_t n)
{
	if (k->err != 0 || n == 0)
		return;
	if (util_write_all(k->fd, p, n) < 0)
		k->err = errno;
	else
		k->nl = p[n - 1] == '\n';
}

int capture_open(struct capture *k, const char *path, const char *label, char *err, size_t errlen)
{
	char head[1024];
	memset(k, 0, sizeof(*k));
	k->path = path;
	k->nl = true;
	do
		k->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0600);
	while (k->fd < 0 && errno == EINTR);
	if (k->fd < 0)
		return util_err(err, errlen, "open capture %s: %s", path, strerror(errno));
	k->start = lseek(k->fd, 0, SEEK_END);
	/* the label names a node, whose name may hold a newline: escaped, it stays one line */
	size_t n = (size_t)snprintf(head, sizeof(head), "==== ");
	n += util_escape(label != NULL ? label : "command", head + n, sizeof(head) - n - sizeof(" ====\n"));
	n += (size_t)snprintf(head + n, sizeof(head) - n, " ====\n");
	put_raw(k, head, n);
	if (k->err != 0) {
		int e = k->err;
		(void)close(k->fd);
		k->fd = -1;
		return util_err(err, errlen, "write capture %s: %s", path, strerror(e));
	}
	return 0;
}

/* The head is over: the rest of the output goes to the tail, whose buffer is made now. */
static void head_over(struct capture *k)
{
	k->head_done = true;
	k->tail.cap = PROC_CAPTURE_TAIL;
	k->tail.buf = malloc(k->tail.cap);
	k->nomem = k->tail.buf == NULL;
}

void capture_put(struct capture *k, const char *p, size_t n)
{
	k->total += n;
	if (k->fd < 0 || k->err != 0)
		return;
	if (!k->head_done) {
		size_t room = (size_t)(PROC_CAPTURE_HEAD - k->head);
		bool last = n >= room;   /* the head fills up with this */
		size_t w = last ? room : n;
		if (last) {   /* the head ends in here: at the end of a line when one ends in it */
			const char *nl = memrchr(p, '\n', w);
			if (nl != NULL)
				w = (size_t)(nl - p) + 1;
		}
		if (w > 0 && !room_for(k, w, &k->low_avail)) {
			k->low = true;
			last = true;
			w = 0;
		}
		put_raw(k, p, w);
		k->head += w;
		p += w;
		n -= w;
		if (last)
			head_over(k);
	}
	if (k->head_done && !k->nomem && n > 0)
		proc_ring_put(&k->tail, p, n);
}

/* "900 bytes", "812 KiB", "2 MiB" */
static void size_text(unsigned long long b, char *out, size_t len)
{
	if (b < 10240)
		snprintf(out, len, "%llu bytes", b);
	else if (b % (1ull << 20) != 0 && b < (10ull << 20))
		snprintf(out, len, "%llu KiB", b >> 10);
	else
		snprintf(out, len, "%llu MiB", b >> 20);
}

/* The line between head and tail: how much was cut, and why; and whether the lines around
 * it are whole (the newline before it is then hotplan's). */
static void put_cut(struct capture *k, unsigned long long cut, bool tail_kept, bool tail_mid)
{
	char line[MARK_MAX], free_s[32], res[32], head[32], tail[32], why[256];
	size_text(k->low_avail, free_s, sizeof(free_s));
	size_text(PROC_CAPTURE_RESERVE, res, sizeof(res));
	size_text(PROC_CAPTURE_HEAD, head, sizeof(head));
	size_text(PROC_CAPTURE_TAIL, tail, sizeof(tail));
	if (k->low || (!tail_kept && k->tail.len > 0 && !k->nomem))
		snprintf(why, sizeof(why), "not kept here: %s free on the state directory's filesystem, which "
			 "hotplan leaves to its journal below %s", free_s, res);
	else
		snprintf(why, sizeof(why), "cut here: a capture keeps the first %s and the last %s%s", head, tail,
			 k->nomem ? " (here: no memory for the last part)" : "");
	int n = snprintf(line, sizeof(line), "%s[hotplan: %llu bytes of output %s%s%s]\n", k->nl ? "" : "\n", cut,
			 why, k->nl ? "" : "; the line before this one is cut short",
			 tail_mid ? "; the line after this one starts cut short" : "");
	put_raw(k, line, n > 0 && (size_t)n < sizeof(line) ? (size_t)n : 0);
}

/* Write the tail, from the start of a line when older output was cut and a line starts
 * near; with the cut line before it. */
static void put_tail(struct capture *k)
{
	struct proc_ring *g = &k->tail;
	size_t skip = 0;
	if (g->dropped) {
		for (size_t i = 0; i < g->len && i < LINE_SEEK; i++)
			if (g->buf[(g->start + i) % g->cap] == '\n') {
				skip = i + 1;
				break;
			}
	}
	size_t len = g->len - skip;
	bool keep = len > 0 && room_for(k, len + MARK_MAX, k->low ? NULL : &k->low_avail);
	unsigned long long cut = k->total - k->head - (keep ? len : 0);
	if (cut > 0)
		put_cut(k, cut, keep, keep && g->dropped && skip == 0);
	if (!keep)
		return;
	size_t from = (g->start + skip) % g->cap;
	size_t first = g->cap - from < len ? g->cap - from : len;
	put_raw(k, g->buf + from, first);
	put_raw(k, g->buf, len - first);
}

void capture_close(struct capture *k, const char *end)
{
	if (k->fd < 0)
		return;
	if (k->head_done)
		put_tail(k);
	free(k->tail.buf);
	k->tail.buf = NULL;
	if (end != NULL) {
		char line[MARK_MAX];
		int n = snprintf(line, sizeof(line), "%s%s\n", k->nl ? "" : "\n", end);
		put_raw(k, line, n > 0 && (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	} else if (!k->nl) {
		put_raw(k, "\n", 1);
	}
	if (close(k->fd) < 0 && errno != EINTR && k->err == 0)
		k->err = errno;
	k->fd = -1;
}
