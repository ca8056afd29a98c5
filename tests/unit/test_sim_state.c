/* test_sim_state.c: the simulated target's saved state: its exact bytes, a round trip
 * through a concrete model of the canonical plan, and every way a saved state is refused
 * (truncated, a byte flipped, another plan, another shape, the old host-order format). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "check.h"
#include "ctx.h"
#include "model.h"
#include "parse.h"
#include "sema.h"
#include "sim_state.h"

/* A model of 40 nodes, 2 groups and 5 values: all that the format reads of a model. */
#define NV 5
static const struct model small = { .nnodes = 40, .ngroups = 2, .nv = NV };

static const uint8_t hash[SIM_STATE_HASH_LEN] = {
	0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
};

/* The state below, as sim_state.h lays it out (the CRC from zlib's crc32 of the 77 bytes
 * before it): the same on every machine. */
static const uint8_t golden[] = {
	0x48, 0x50, 0x53, 0x53, 0x01, 0x00, 0x00, 0x00, 0x41, 0x00, 0x00, 0x00, /* HPSS, 1, B = 65 */
	0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, /* plan hash */
	0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
	0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x28, 0x00, 0x00, 0x00, /* nnodes 40 */
	0x02, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,                         /* ngroups 2, nv 5 */
	0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00,                         /* owner 1 << 39 */
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,                         /* owner 1 << 8 */
	0x01, 0x02, 0x04, 0x08, 0x03,                                           /* values */
	0x0f, 0x0c, 0xce, 0xc9,                                                 /* CRC-32 */
};

struct small_state {
	nodeset owner[2];
	mset v[NV];
	struct model_state s;
};

static void small_init(struct small_state *x, nodeset o0, nodeset o1, const mset *v)
{
	x->owner[0] = o0;
	x->owner[1] = o1;
	memcpy(x->v, v, NV);
	x->s = (struct model_state){ .owner = x->owner, .cause = NULL, .v = x->v };
}

static const mset values[NV] = { 1, 2, 4, 8, 3 };
static const mset other[NV] = { 2, 2, 2, 2, 2 };

/* Decoding buf must fail, with a message holding `why`, and leave the state as it was. */
static void refused(const uint8_t *buf, size_t len, const struct model *m, const char *why)
{
	struct small_state x;
	char err[256] = "";
	small_init(&x, 1, 2, other);
	assert_int_equal(sim_state_decode(m, hash, buf, len, &x.s, err, sizeof(err)), -1);
	if (strstr(err, why) == NULL)
		fail_msg("expected '%s' in '%s'", why, err);
	assert_true(strncmp(err, "saved simulated state: ", 23) == 0);
	assert_int_equal(x.owner[0], 1);
	assert_int_equal(x.owner[1], 2);
	assert_memory_equal(x.v, other, NV);
}

/* A copy of golden with its CRC made good again after an edit. */
static void reseal(uint8_t *buf, size_t len)
{
	uint32_t c = (uint32_t)crc32(crc32(0L, Z_NULL, 0), buf, (uInt)(len - 4));
	for (unsigned i = 0; i < 4; i++)
		buf[len - 4 + i] = (uint8_t)(c >> (8 * i));
}

static void exact_bytes(void **state)
{
	(void)state;
	struct small_state x;
	uint8_t buf[128];
	small_init(&x, (nodeset)1 << 39, (nodeset)1 << 8, values);
	assert_int_equal(sim_state_size(&small), sizeof(golden));
	assert_int_equal(sim_state_encode(&small, &x.s, hash, buf, sizeof(buf)), sizeof(golden));
	assert_memory_equal(buf, golden, sizeof(golden));
	/* a buffer one byte short is refused, and nothing is written past it */
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(sim_state_encode(&small, &x.s, hash, buf, sizeof(golden) - 1), 0);
}

static void round_trip(void **state)
{
	(void)state;
	struct small_state x;
	char err[256] = "";
	small_init(&x, 1, 2, other);
	assert_int_equal(sim_state_decode(&small, hash, golden, sizeof(golden), &x.s, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_true(x.owner[0] == (nodeset)1 << 39);
	assert_true(x.owner[1] == (nodeset)1 << 8);
	assert_memory_equal(x.v, values, NV);
}

/* The concrete model the simulated target runs, of the canonical plan: a state after some
 * changes survives the trip, and a start state differs from it. */
static void concrete_model(void **state)
{
	(void)state;
	const char *root = getenv("HOTPLAN_SOURCE_DIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/plans/ese-hotfix.hplan", root ? root : ".");
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static char text[1 << 20];
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	assert_int_equal(fclose(f), 0);
	text[n] = '\0';

	struct hp_ctx ctx;
	ctx_init(&ctx);
	struct ast_file *file = parse_buffer(&ctx, "t.hplan", text, n);
	assert_true(sema_resolve(&ctx, file, CHECK_ALL));
	const char *nodes[] = { "node1", "node2", "node3" };
	const char *stores[] = { "First Storage Group/Mailbox Store", "Second Storage Group/Public Store" };
	struct model *m = model_init_concrete(&ctx.arena, file->plans, PROC_CLUSTER, 3, nodes, 2, stores, NULL);
	assert_true(m->ngroups > 0 && m->nv > 0);
	struct model_state *s = model_state_start(&ctx.arena, m, 2);
	model_state_set_owner(m, s, 0, 1);
	s->v[m->nv - 1] = B_YES;
	s->v[0] = MEM_DOWN;

	size_t len = sim_state_size(m);
	uint8_t *buf = malloc(len);
	assert_non_null(buf);
	assert_int_equal(sim_state_encode(m, s, hash, buf, len), len);
	struct model_state *back = model_state_start(&ctx.arena, m, 0);
	assert_false(model_state_equal(m, s, back));
	char err[256];
	assert_int_equal(sim_state_decode(m, hash, buf, len, back, err, sizeof(err)), 0);
	assert_true(model_state_equal(m, s, back));

	/* the same bytes do not fit a target of another shape */
	struct model *two = model_init_concrete(&ctx.arena, file->plans, PROC_CLUSTER, 2, nodes, 2, stores, NULL);
	struct model_state *s2 = model_state_start(&ctx.arena, two, 0);
	assert_int_equal(sim_state_decode(two, hash, buf, len, s2, err, sizeof(err)), -1);
	free(buf);
	ctx_free(&ctx);
}

static void truncated(void **state)
{
	(void)state;
	for (size_t len = 0; len < sizeof(golden); len++)
		refused(golden, len, &small, len < 4 ? "not a saved simulated state" : "truncated");
	uint8_t longer[sizeof(golden) + 1];
	memcpy(longer, golden, sizeof(golden));
	longer[sizeof(golden)] = 0;
	refused(longer, sizeof(longer), &small, "82 bytes where 81 were written");
}

static void every_byte_flipped(void **state)
{
	(void)state;
	uint8_t buf[sizeof(golden)];
	for (size_t i = 0; i < sizeof(golden); i++) {
		memcpy(buf, golden, sizeof(golden));
		buf[i] ^= 0x10;
		const char *why = i < 4 ? "not a saved simulated state" : i < 8 ? "format version" : i < 12 ? "truncated"
			: "checksum mismatch";
		refused(buf, sizeof(buf), &small, why);
	}
}

static void another_plan_or_shape(void **state)
{
	(void)state;
	uint8_t buf[sizeof(golden)];
	uint8_t h2[SIM_STATE_HASH_LEN];
	struct small_state x;
	char err[256];

	memcpy(h2, hash, sizeof(h2));
	h2[31] ^= 1;
	small_init(&x, 1, 2, other);
	assert_int_equal(sim_state_decode(&small, h2, golden, sizeof(golden), &x.s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "saved for another plan"));
	assert_int_equal(x.owner[0], 1);

	/* the same size, another shape: 41 nodes */
	memcpy(buf, golden, sizeof(golden));
	buf[44] = 41;
	reseal(buf, sizeof(buf));
	refused(buf, sizeof(buf), &small, "saved for a target of another shape");
	/* the same size, another shape: one group fewer, eight values more */
	const struct model narrower = { .nnodes = 40, .ngroups = 1, .nv = NV + 8 };
	assert_int_equal(sim_state_size(&narrower), sizeof(golden));
	refused(golden, sizeof(golden), &narrower, "saved for a target of another shape");
	/* another size */
	const struct model more = { .nnodes = 40, .ngroups = 2, .nv = NV + 1 };
	refused(golden, sizeof(golden), &more, "saved for a target of another shape");

	/* an owner outside the 40 nodes */
	memcpy(buf, golden, sizeof(golden));
	buf[56 + 5] = 0x01;                      /* bit 40 */
	reseal(buf, sizeof(buf));
	refused(buf, sizeof(buf), &small, "a group's owner is not one of the target's nodes");

	/* another version, checksum good */
	memcpy(buf, golden, sizeof(golden));
	buf[4] = 2;
	reseal(buf, sizeof(buf));
	refused(buf, sizeof(buf), &small, "format version 2 is not supported (this hotplan reads version 1)");
}

/* What the runtime wrote before: "HPSIM001", then the state in host byte order. */
static void old_format(void **state)
{
	(void)state;
	uint8_t buf[sizeof(golden)] = "HPSIM001";
	refused(buf, sizeof(buf), &small, "saved by an older hotplan, in its host byte order");
}

/* err may be NULL. */
static void no_message_buffer(void **state)
{
	(void)state;
	struct small_state x;
	small_init(&x, 1, 2, other);
	assert_int_equal(sim_state_decode(&small, hash, golden, 3, &x.s, NULL, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exact_bytes),
		cmocka_unit_test(round_trip),
		cmocka_unit_test(concrete_model),
		cmocka_unit_test(truncated),
		cmocka_unit_test(every_byte_flipped),
		cmocka_unit_test(another_plan_or_shape),
		cmocka_unit_test(old_format),
		cmocka_unit_test(no_message_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
