/* test_digest.c: digest.h against the SHA-256 test vectors of FIPS 180-4 (NIST's "abc", the
 * empty message, the two-block 448-bit message, a million 'a' fed in uneven pieces), the
 * same message hashed whole and in two pieces split at every byte, and the hashes hotplan
 * stores computed by hand from their definition (an image's, a run's work digest), so that
 * a journal or an image written before a change of hash library still matches. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "digest.h"
#include "image.h"
#include "lock_target.h"

static void hex(const unsigned char md[DIGEST_LEN], char out[2 * DIGEST_LEN + 1])
{
	for (size_t i = 0; i < DIGEST_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void assert_sha256(const char *text, const char *want)
{
	unsigned char md[DIGEST_LEN];
	char got[2 * DIGEST_LEN + 1];
	digest_sha256(text, strlen(text), md);
	hex(md, got);
	assert_string_equal(got, want);
}

static void test_vectors(void **state)
{
	(void)state;
	assert_sha256("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_sha256("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* NULL with no bytes is the empty message, whole or as a piece. */
static void test_empty(void **state)
{
	(void)state;
	unsigned char md[DIGEST_LEN], whole[DIGEST_LEN];
	struct digest d;
	digest_sha256(NULL, 0, whole);
	digest_begin(&d);
	digest_add(&d, NULL, 0);
	digest_add(&d, "", 0);
	digest_end(&d, md);
	assert_memory_equal(md, whole, DIGEST_LEN);
	char got[2 * DIGEST_LEN + 1];
	hex(md, got);
	assert_string_equal(got, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* A million 'a' (FIPS 180-4's long message) in pieces of 1 to 200 bytes, none on a block's edge
 * by design. */
static void test_million(void **state)
{
	(void)state;
	static char a[200];
	memset(a, 'a', sizeof(a));
	struct digest d;
	digest_begin(&d);
	size_t left = 1000000, piece = 1;
	while (left > 0) {
		size_t n = piece < left ? piece : left;
		digest_add(&d, a, n);
		left -= n;
		piece = piece % 200 + 1;
	}
	unsigned char md[DIGEST_LEN];
	char got[2 * DIGEST_LEN + 1];
	digest_end(&d, md);
	hex(md, got);
	assert_string_equal(got, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Two pieces split anywhere hash as the whole; a begun-again digest forgets what it had. */
static void test_pieces(void **state)
{
	(void)state;
	unsigned char text[300], whole[DIGEST_LEN], md[DIGEST_LEN];
	for (unsigned i = 0; i < sizeof(text); i++)
		text[i] = (unsigned char)(i * 7 + 3);
	digest_sha256(text, sizeof(text), whole);
	struct digest d;
	for (size_t cut = 0; cut <= sizeof(text); cut++) {
		digest_begin(&d);
		digest_add(&d, "left over", 9);
		digest_begin(&d);
		digest_add(&d, text, cut);
		digest_add(&d, text + cut, sizeof(text) - cut);
		digest_end(&d, md);
		assert_memory_equal(md, whole, DIGEST_LEN);
	}
}

/* What hotplan stores, against digests computed from their definitions by another SHA-256
 * (Python's hashlib): an image's hash of its text, and a run's work digest (the lock's
 * records): "hotplan-work 1\n", the plan's hash, then NAME\0VALUE\0 for each param, a secret's
 * value as "(secret)" and an unset one as "(unset)". */
static void test_stored(void **state)
{
	(void)state;
	unsigned char md[IMAGE_HASH_LEN];
	char got[2 * DIGEST_LEN + 1];
	image_sha256("abc", 3, md);
	hex(md, got);
	assert_string_equal(got, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

	unsigned char plan_hash[32];
	for (unsigned i = 0; i < 32; i++)
		plan_hash[i] = (unsigned char)i;
	const char *const names[] = { "kb", "token", "note" };
	const char *const texts[] = { "KB5001", "hunter2", NULL };
	const bool secret[] = { false, true, false };
	char work[LOCK_TARGET_WORK_HEX + 1];
	lock_target_work(plan_hash, names, texts, secret, 3, work);
	assert_string_equal(work, "252006fc1d5373733d93bb1879b9c145a21c37891d7dfa71700345d14d05cd9a");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_million),
		cmocka_unit_test(test_pieces),
		cmocka_unit_test(test_stored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
