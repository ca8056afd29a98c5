/* digest.c: SHA-256 through nettle (digest.h). */
#include "digest.h"

_Static_assert(DIGEST_LEN == SHA256_DIGEST_SIZE, "a SHA-256 is 32 bytes");

void digest_sha256(const void *data, size_t len, unsigned char out[DIGEST_LEN])
{
	struct digest d;
	digest_begin(&d);
	digest_add(&d, data, len);
	digest_end(&d, out);
}

void digest_begin(struct digest *d)
{
	sha256_init(&d->ctx);
}

void digest_add(struct digest *d, const void *data, size_t len)
{
	if (len > 0)   /* data may then be NULL, which memcpy must not see */
		sha256_update(&d->ctx, len, data);
}

void digest_end(struct digest *d, unsigned char out[DIGEST_LEN])
{
	sha256_digest(&d->ctx, DIGEST_LEN, out);
}
