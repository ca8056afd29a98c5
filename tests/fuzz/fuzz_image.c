/* fuzz_image.c: libFuzzer harness for the image loader: the input is the bytes of a .hpc
 * file. It is loaded as `hotplan run IMAGE` loads one (image_read, then check_file and the
 * diagnostics, whose carets point into the sources the image carries).
 * Oracle besides the sanitizers: the encoding is canonical (docs/image.md), so an image
 * that loads writes back (image_write) to exactly its own bytes; anything else aborts.
 *
 * A random change almost never keeps the SHA-256s right, so each input is tried twice:
 * as it is (the refusals: magic, version, length, checksum) and, when that differs, with
 * its header's length, its main source's SHA-256 and its checksum made right (the body's
 * parser). The second form is a pure function of the input: crash files replay. */
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "ctx.h"
#include "fuzz.h"
#include "graph.h"
#include "image.h"
#include "image_fmt.h"

/* NOLINTNEXTLINE(readability-non-const-parameter): libFuzzer's signature */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_devnull();
	return 0;
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Make the length, the main source's hash and the checksum of buf right, in place. */
static void fix_up(uint8_t *buf, size_t size)
{
	put_u64(buf + IMG_OFF_TOTAL, size);
	/* body: u32 nsources, then source 0: str path (u32 length or IMG_NONE, bytes), u32 length, text */
	size_t pos = IMG_HEADER_SIZE, end = size - IMG_CHECKSUM_SIZE;
	if (end - pos >= 8) {
		pos += 4;
		uint32_t plen = get_u32(buf + pos);
		pos += 4;
		if (plen != IMG_NONE && plen <= end - pos)
			pos += plen;
		if (end - pos >= 4) {
			uint32_t tlen = get_u32(buf + pos);
			pos += 4;
			if (tlen <= end - pos)
				image_sha256(buf + pos, tlen, buf + IMG_OFF_HASH);
		}
	}
	image_sha256(buf, end, buf + end);
}

static void load(const uint8_t *buf, size_t size)
{
	struct hp_ctx ctx;
	struct ast_file *f = NULL;
	char err[512] = "";

	ctx_init(&ctx);
	if (image_read(&ctx, buf, size, &f, err, sizeof(err)) != 0) {
		FUZZ_ASSERT(err[0] != '\0', "image_read refused without a message");
		FUZZ_ASSERT(ctx.nsources == 0, "image_read failed but added %u sources", ctx.nsources);
		ctx_free(&ctx);
		return;
	}
	FUZZ_ASSERT(f != NULL && f->plans != NULL && f->plans->next == NULL, "a loaded image holds one plan");
	FUZZ_ASSERT(image_is_image(buf, size), "image_read loaded what image_is_image refuses");
	unsigned char hash[IMAGE_HASH_LEN];
	FUZZ_ASSERT(image_source_hash(buf, size, hash) == 0, "image_source_hash of a loaded image");

	/* what `run` does with it */
	check_file(&ctx, f, CHECK_ALL, false);
	diag_finish(&ctx);
	diag_print_text(&ctx, fuzz_devnull(), false);
	diag_print_json(&ctx, fuzz_devnull());
	bool names_ok = true;
	for (unsigned i = 0; i < ctx.diags.n; i++)
		if (ctx.diags.v[i]->severity == SEV_ERROR && ctx.diags.v[i]->rule <= HP006)
			names_ok = false;
	if (names_ok) {
		graph_write_dot(&ctx, f->plans, PROC_STANDALONE, fuzz_devnull());
		graph_write_dot(&ctx, f->plans, PROC_CLUSTER, fuzz_devnull());
	}
	FUZZ_ASSERT(image_write_json(&ctx, f->plans, fuzz_devnull(), err, sizeof(err)) == 0,
		    "image_write_json of a loaded image: %s", err);

	/* canonical: it writes back to its own bytes */
	unsigned char *again = NULL;
	size_t len = 0;
	FUZZ_ASSERT(image_write(&ctx, f->plans, &again, &len, err, sizeof(err)) == 0,
		    "a loaded image does not write back: %s", err);
	if (len != size || memcmp(again, buf, size) != 0) {
		size_t at = 0;
		while (at < len && at < size && again[at] == buf[at])
			at++;
		FUZZ_ASSERT(false, "a loaded image of %zu bytes writes back %zu bytes, the first difference at byte %zu",
			    size, len, at);
	}
	free(again);
	ctx_free(&ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	load(data, size);
	if (size < IMG_HEADER_SIZE + IMG_CHECKSUM_SIZE)
		return 0;
	uint8_t *fixed = malloc(size);
	FUZZ_ASSERT(fixed != NULL, "out of memory");
	memcpy(fixed, data, size);
	fix_up(fixed, size);
	if (memcmp(fixed, data, size) != 0)
		load(fixed, size);
	free(fixed);
	return 0;
}
