/* errmsg.h: how runtime functions fail: a message into the caller's buffer, -1 back. */
#ifndef HP_ERRMSG_H
#define HP_ERRMSG_H

#include <stddef.h>

/* printf into err[errlen] (when err is not NULL and errlen > 0); returns -1, so that a
 * failing path reads `return fail(err, errlen, "open %s: %s", path, strerror(errno));`. */
int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
