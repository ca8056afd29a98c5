/* util.h: the small helpers every layer shares, each written once: a message into the caller's
 * buffer, writing all bytes, replacing a file whole, syncing a directory, reading a version
 * number, deciding colour, escaping text for a terminal, making a name a file name. Nothing here keeps state or hands out memory: the caller owns every
 * buffer it passes, and no helper allocates anything that outlives its call.
 *
 * A function that can fail returns -1, leaves errno as the failing call set it, and (where it
 * takes err[errlen]) writes a message naming the operation and the system error there
 * ("write /var/x.tmp: No space left on device"). err may be NULL or errlen 0: no message. */
#ifndef HP_UTIL_H
#define HP_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* printf into err[errlen] (nothing when err is NULL or errlen is 0; cut to fit) and return -1,
 * so that a failing path reads `return util_err(err, errlen, "open %s: %s", path, strerror(errno));`. */
int util_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* util_err with a va_list, for a wrapper that adds context of its own (an offset, a location). */
int util_verr(char *err, size_t errlen, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

/* Write all n bytes of p to fd at its file position, across short writes and EINTR. 0, or -1
 * with errno (EIO when the system wrote nothing and said no more). Works on pipes and sockets. */
int util_write_all(int fd, const void *p, size_t n);

/* Write all n bytes of p to fd at offset off (pwrite: the file position is left alone). 0 or -1
 * as util_write_all. */
int util_pwrite_all(int fd, const void *p, size_t n, off_t off);

/* fsync the directory dir, so that an entry just created or renamed in it survives a power cut.
 * 0, or -1 and err ("sync directory DIR: why"). */
int util_sync_dir(const char *dir, char *err, size_t errlen);

/* How util_replace writes (an OR of these, or 0). */
enum util_replace_flags {
	UTIL_DURABLE = 1u << 0,   /* fsync the new file before the rename and its directory after */
	UTIL_KEEP_MODE = 1u << 1, /* the new file takes the permission bits of the one it replaces
	                           * (not less the umask) and, where the system allows, its owner */
	UTIL_FIXED_TMP = 1u << 2, /* the temporary is PATH.tmp, truncated if a dead writer left it:
	                           * for a caller that holds a lock on path, so that crashes leave
	                           * one stale file to be overwritten, not one each */
};

/* Replace the file at path with the len bytes of buf, whole or not at all: they go to a
 * temporary file in the same directory (a fresh name, .BASE.XXXXXX, created exclusively, unless
 * UTIL_FIXED_TMP), which is then renamed over path. A symbolic link at path is replaced, not
 * followed (resolve it first to rewrite its target). mode: the new file's permission bits, less
 * the umask, when UTIL_KEEP_MODE does not apply (no file at path yet).
 *
 * 0, or -1 with err naming the step that failed: "write TMP: why", "sync TMP: why", "replace
 * PATH: why", "sync directory DIR: why". On failure the temporary is gone (or err says why it is
 * not) and path holds what it held before, except after a failed directory sync: then the new
 * content is in place, only not known to be durable. */
int util_replace(const char *path, const void *buf, size_t len, mode_t mode, unsigned flags, char *err,
		 size_t errlen);

/* Parse a version: three or four decimal numbers joined by dots, each at most UINT32_MAX
 * ("6.5.7232.54"), and nothing else: no sign, no blank, no empty part. Fills c[0..3] (0 past the
 * last number) and returns how many numbers there were (3 or 4), or -1 with c all 0. */
int util_parse_version(const char *s, uint32_t c[4]);

/* Should what is written to fd be coloured? Yes when fd is a terminal, unless NO_COLOR is set to
 * a non-empty value or TERM is "dumb". An empty NO_COLOR does not turn colour off (no-color.org:
 * "when present and not an empty string"). The one rule for diagnostics, progress and every
 * command; documented in hotplan(1) under ENVIRONMENT. */
bool util_color(int fd);

/* ---- text shown to people ---- */

/* The length (1 to 4) of the valid UTF-8 sequence at p (n > 0 bytes available) and its code
 * point in *cp, or 0 when p does not start one (RFC 3629: no overlong form, no surrogate,
 * nothing past U+10FFFF, nothing cut short). */
size_t util_utf8_decode(const unsigned char *p, size_t n, uint32_t *cp);

/* The longest escape util_escape_char writes, its NUL included (`\u{202e}`). */
#define UTIL_ESC_MAX 16

/* Whether the character at p (n > 0 bytes available) may reach a terminal or a text file as
 * it is. Returns how many bytes it spans (1 to 4) and sets esc to "" when it may be copied,
 * else to what to show instead: `\n`, `\t`, `\xNN` for any other C0 control, DEL, each
 * byte of a C1 control (U+0080..U+009F: `\xc2\x9b`) and each byte that is not part of
 * valid UTF-8 (overlong forms, surrogates and code points past U+10FFFF included), and
 * `\u{202e}` for the characters that reorder or split what a terminal shows: the bidi
 * controls U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069, the line and paragraph
 * separators U+2028, U+2029, and U+FEFF. The same set as compiler diagnostics. */
size_t util_escape_char(const char *p, size_t n, char esc[UTIL_ESC_MAX]);

/* s with every character escaped as util_escape_char says, into out[outlen]: NUL-terminated,
 * cut before the character (or escape) that would not fit. Returns the length written. */
size_t util_escape(const char *s, char *out, size_t outlen);

/* A name (a node's, a target's) as one file name, one to one: letters, digits, '_', '-' and a
 * '.' that is not first stand for themselves, every other byte is %XX (so "a b" is "a%20b",
 * "a_b" stays, and no two names share a file; none is ".", ".." or holds a '/'). 0, or -1 when
 * name is empty or out[outlen] is too small (out set to ""). */
int util_file_name(const char *name, char *out, size_t outlen);

#endif
