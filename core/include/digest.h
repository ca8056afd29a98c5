/* digest.h: SHA-256 (FIPS 180-4), the one hash hotplan keeps (images, journals' plan hash, the
 * run's inputs, a lock's work), computed by nettle behind this one interface. Nothing here
 * allocates or fails: the caller owns every buffer and the state, which lives where it puts it. */
#ifndef HP_DIGEST_H
#define HP_DIGEST_H

#include <stddef.h>

#include <nettle/sha2.h>

/* Bytes in a SHA-256. */
#define DIGEST_LEN 32

/* A SHA-256 being computed, for input that comes in pieces (digest_begin, digest_add...,
 * digest_end). Its inside is nettle's. */
struct digest {
	struct sha256_ctx ctx;
};

/* The SHA-256 of len bytes of data into out. */
void digest_sha256(const void *data, size_t len, unsigned char out[DIGEST_LEN]);

/* Start d over: the hash of nothing so far. */
void digest_begin(struct digest *d);

/* Add len bytes of data to what d hashes. */
void digest_add(struct digest *d, const void *data, size_t len);

/* The SHA-256 of everything added since digest_begin into out; d must be begun again to be
 * used again. */
void digest_end(struct digest *d, unsigned char out[DIGEST_LEN]);

#endif
