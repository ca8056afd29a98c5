/* target_file.h: the small text files the state directory keeps per target (locks/TARGET.lock,
 * targets/TARGET.last): their escaped names and their "key value" format. Internal to
 * runtime/ (lock.c, last_run.c). The caller owns every buffer; nothing here allocates.
 *
 * The format: a magic first line, then "key value" lines, each key exactly once, then "end"
 * as the last line. A file without its "end" line is incomplete, never guessed at. */
#ifndef HP_TARGET_FILE_H
#define HP_TARGET_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TARGET_FILE_TEXT_MAX 8192        /* a lock or last-run file is far smaller */

/* STATE_DIR/SUB/ESCAPED-TARGET.SUFFIX into buf[len], creating STATE_DIR/SUB (0700). Letters,
 * digits, '_', '-' and a non-leading '.' stand for themselves, every other byte is %XX, so no
 * target name can point outside SUB. -1 with err for an empty or too long name. */
int target_file_path(const char *state_dir, const char *sub, const char *target, const char *suffix,
		     char *buf, size_t len, char *err, size_t errlen);

/* Read the whole file (from offset 0) into buf, which holds TARGET_FILE_TEXT_MAX + 1 bytes,
 * NUL-terminated; *len is its length. -1 with errno, E2BIG when the file is longer. */
int target_file_read(int fd, char *buf, size_t *len);

/* Whether s can be written as a value: not empty, no newline or carriage return. */
bool target_file_value_ok(const char *s);

/* One expected key; target_file_parse copies its value into val[cap]. */
struct target_file_kv {
	const char *key;
	char *val;
	size_t cap;
	bool seen;
	bool optional;                       /* may be missing (a key older files did not have) */
};

/* Whether text[len] is a complete file with this magic line and exactly these keys (an
 * optional one at most once), each with a non-empty value shorter than its cap. Values are
 * filled as they are found. */
bool target_file_parse(const char *text, size_t len, const char *magic, struct target_file_kv *kv,
		       size_t nkv);

/* A decimal int64 that is the whole of s. */
bool target_file_i64(const char *s, int64_t *out);

#endif
