/* image.h: compiled plans (.hpc, SPEC section 6; the format field by field: docs/image.md).
 * Buffers these functions return are malloc'd and belong to the caller (free them); what
 * image_read loads (sources, AST) belongs to the compile context and is freed with it.
 *
 * An image holds one plan exactly as the parser produced it (its parser-filled AST fields,
 * every location included) and the text of the source files those locations point into,
 * so that diagnostics and runtime failures can show the source line. It is versioned,
 * little-endian, encoded field by field (no padding, pointers or timestamps: the same
 * source compiles to the same bytes) and ends with a SHA-256 of everything before it.
 *
 * Every function that can fail returns -1 and writes a one-line message into err[errlen]
 * (err may be NULL). */
#ifndef HP_IMAGE_H
#define HP_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ctx.h"

#define IMAGE_MAGIC "HPLANIMG"            /* the first 8 bytes of every image */
#define IMAGE_MAGIC_LEN 8
#define IMAGE_VERSION 1u                  /* the format version this build writes and reads */
#define IMAGE_HASH_LEN 32                 /* SHA-256 */
#define IMAGE_MAX_SIZE HP_MAX_INPUT       /* bytes; larger images are neither written nor read */

/* Serialize `plan` (parsed from `ctx`'s sources; the caller has checked it clean) into a
 * malloc'd buffer *out of *len bytes. Reads only the parser-filled fields of the AST
 * (loop-variable roles and implicit groups that sema appended are left out). The source
 * recorded (path, SHA-256) is the file that holds the plan. Fails on an AST the parser
 * cannot have produced without errors (a missing name, nesting past HP_MAX_DEPTH) or when
 * the image would exceed IMAGE_MAX_SIZE. */
int image_write(struct hp_ctx *ctx, const struct ast_plan *plan, unsigned char **out, size_t *len,
		char *err, size_t errlen);

/* Validate `buf` completely and load it into `ctx`: its sources are added (ctx_add_source,
 * main source first) and its plan rebuilt in the arena as the parser would have built it;
 * *out gets an ast_file whose `plans` is that plan (no imports, no targets) and whose
 * `source` is the main source. The caller then runs check_file to fill the resolved fields.
 * Any byte string is either loaded or refused; refusals name the defect:
 *   "not a hotplan image", "image truncated at byte N (the header says M bytes)",
 *   "image format version 7 is not supported (this hotplan reads version 1)",
 *   "image checksum mismatch: the file is corrupted or was changed",
 *   "image is malformed at byte N: WHAT".
 * Memory use is bounded by a small multiple of len. On failure no source is added (the
 * arena may hold unreachable nodes until ctx_free). */
int image_read(struct hp_ctx *ctx, const unsigned char *buf, size_t len, struct ast_file **out,
	       char *err, size_t errlen);

/* Write the content of the image `plan` compiles to as one readable JSON document (for
 * `hotplan compile --emit json`): format, version, source path and SHA-256 (hex), the plan
 * with its params, requires, ensures, model, hotfixes and, per procedure, its roles and its
 * steps and checkpoints in order (name, title, on, index, enclosing for/if) with their
 * actions (kind, text as written, effective on, index, line and column). Deterministic. */
int image_write_json(struct hp_ctx *ctx, const struct ast_plan *plan, FILE *out, char *err, size_t errlen);

/* Read a whole regular file of at most IMAGE_MAX_SIZE bytes into a malloc'd *buf.
 * Messages: "cannot read 'F': No such file or directory", "… is a directory",
 * "… not a regular file", "'F' is larger than 64 MiB". */
int image_read_file(const char *path, unsigned char **buf, size_t *len, char *err, size_t errlen);

/* The SHA-256 of the main source recorded in an image's header (for the journal's plan
 * hash). Checks only the magic and the header's length: use it on an image image_read
 * accepted. Returns -1 when buf is too short or not an image. */
int image_source_hash(const unsigned char *buf, size_t len, unsigned char out[IMAGE_HASH_LEN]);

/* Does buf start with IMAGE_MAGIC? (How `run` tells an image from a .hplan file.) */
bool image_is_image(const unsigned char *buf, size_t len);

/* SHA-256 of len bytes (digest.h). */
void image_sha256(const void *data, size_t len, unsigned char out[IMAGE_HASH_LEN]);

/* Lower-case hex of len bytes into out, which has room for 2 * len + 1 bytes. */
void image_hex(const unsigned char *data, size_t len, char *out);

#endif
