/* proc_capture.h: a command's capture file, bounded: its first PROC_CAPTURE_HEAD bytes of
 * output written as they come, its last PROC_CAPTURE_TAIL kept in memory and written when it
 * ends, with a line between that says how many bytes were cut and why; and never past the
 * point where less than PROC_CAPTURE_RESERVE would be left free on the file's filesystem,
 * which the journal and the last-run record need. Internal to proc.c. The caller owns the
 * struct and the path; capture_close frees what capture_put allocated. Design notes:
 * docs/transports.md, "Capture". */
#ifndef HP_PROC_CAPTURE_H
#define HP_PROC_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>

#define PROC_CAPTURE_HEAD (1u << 20)      /* the first bytes of a command's output kept */
#define PROC_CAPTURE_TAIL (1u << 20)      /* and the last */
#define PROC_CAPTURE_RESERVE (2u << 20)   /* never written into: left for the journal */

/* The last bytes of a stream: buf[cap] written round. */
struct proc_ring {
	char *buf;
	size_t cap, start, len;
	bool dropped;                     /* older bytes were overwritten */
};

/* Add p[0, n) to the ring, overwriting its oldest bytes when it is full. */
void proc_ring_put(struct proc_ring *g, const char *p, size_t n);

struct capture {
	int fd;                           /* -1: none */
	long long start;                  /* the file's size when opened, before the header; -1: unknown */
	const char *path;
	bool nl;                          /* what the file holds ends with a newline */
	int err;                          /* errno of a failed write: nothing more is written */
	unsigned long long total;         /* bytes of output given to capture_put */
	unsigned long long head;          /* of them, written at the start */
	bool head_done;                   /* the rest goes to the tail */
	bool low;                         /* the head stopped for want of space */
	unsigned long long low_avail;     /* the free space then, bytes */
	bool nomem;                       /* no memory for the tail: it is not kept */
	struct proc_ring tail;            /* buf allocated when the head is done */
};

/* Open path for appending (created 0600, no symlink followed) and write its header
 * "==== LABEL ====" (LABEL escaped: util_escape; "command" when NULL). 0, or -1 with err
 * ("open capture PATH: why", "write capture PATH: why"), k->fd -1. */
int capture_open(struct capture *k, const char *path, const char *label, char *err, size_t errlen);

/* The next n bytes of the command's output. A write that fails sets k->err and ends the
 * writing, silently: capture_close's caller reports it. */
void capture_put(struct capture *k, const char *p, size_t n);

/* The cut line and the tail (if the output went past the head), then `end` (a "[hotplan:
 * …]" line without its newline, or NULL) on a line of its own, a newline if the output did
 * not end with one; then close. k->err says whether all went well. */
void capture_close(struct capture *k, const char *end);

#endif
