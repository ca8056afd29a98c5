/* sim_state.c: the simulated target's saved state, encoded and decoded explicitly
 * little-endian with a version and a CRC-32. Format: sim_state.h. */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "util.h"
#include "sim_state.h"

#define FIXED 12u                        /* magic, version, body length */
#define SHAPE (SIM_STATE_HASH_LEN + 3u * 4u)
#define OLD_MAGIC "HPSIM001"             /* before version 1: the state in host byte order */

static const uint8_t magic[4] = { 'H', 'P', 'S', 'S' };

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static uint32_t crc(const uint8_t *p, size_t n)
{
	return (uint32_t)crc32(crc32(0L, Z_NULL, 0), p, (uInt)n);
}

static size_t body_size(const struct model *m)
{
	return SHAPE + 8u * (size_t)m->ngroups + m->nv;
}

size_t sim_state_size(const struct model *m)
{
	return FIXED + body_size(m) + 4u;
}

size_t sim_state_encode(const struct model *m, const struct model_state *s,
			const uint8_t plan_hash[SIM_STATE_HASH_LEN], uint8_t *buf, size_t len)
{
	size_t body = body_size(m), n = sim_state_size(m);
	uint8_t *p = buf;

	if (len < n)
		return 0;
	memcpy(p, magic, sizeof(magic));
	put_le(p + 4, SIM_STATE_VERSION, 4);
	put_le(p + 8, body, 4);
	p += FIXED;
	memcpy(p, plan_hash, SIM_STATE_HASH_LEN);
	p += SIM_STATE_HASH_LEN;
	put_le(p, m->nnodes, 4);
	put_le(p + 4, m->ngroups, 4);
	put_le(p + 8, m->nv, 4);
	p += 12;
	for (unsigned g = 0; g < m->ngroups; g++, p += 8)
		put_le(p, s->owner[g], 8);
	for (unsigned i = 0; i < m->nv; i++)
		*p++ = s->v[i];
	put_le(p, crc(buf, FIXED + body), 4);
	return n;
}

/* What is wrong with buf as a saved state of m, or NULL. Reads, never writes. The frame
 * first (magic, version, length, checksum), then what it says (plan, shape, owners). */
static const char *problem(const struct model *m, const uint8_t *plan_hash, const uint8_t *buf, size_t len,
			   char *what, size_t whatlen)
{
	if (len >= 8 && memcmp(buf, OLD_MAGIC, 8) == 0)
		return "saved by an older hotplan, in its host byte order";
	if (len < 4 || memcmp(buf, magic, sizeof(magic)) != 0)
		return "not a saved simulated state";
	if (len < FIXED)
		return "truncated";
	uint32_t version = (uint32_t)get_le(buf + 4, 4);
	if (version != SIM_STATE_VERSION) {
		snprintf(what, whatlen, "format version %u is not supported (this hotplan reads version %u)",
			 version, SIM_STATE_VERSION);
		return what;
	}
	size_t size = FIXED + (size_t)get_le(buf + 8, 4) + 4;
	if (len != size) {
		snprintf(what, whatlen, len < size ? "truncated (%zu of %zu bytes)" : "%zu bytes where %zu were written",
			 len, size);
		return what;
	}
	if (get_le(buf + size - 4, 4) != crc(buf, size - 4))
		return "checksum mismatch";
	const uint8_t *p = buf + FIXED;
	if (memcmp(p, plan_hash, SIM_STATE_HASH_LEN) != 0)
		return "saved for another plan";
	p += SIM_STATE_HASH_LEN;
	if (size != sim_state_size(m) || get_le(p, 4) != m->nnodes || get_le(p + 4, 4) != m->ngroups ||
	    get_le(p + 8, 4) != m->nv)
		return "saved for a target of another shape";
	p += 12;
	nodeset nodes = m->nnodes >= 64 ? ~(nodeset)0 : ((nodeset)1 << m->nnodes) - 1;
	for (unsigned g = 0; g < m->ngroups; g++, p += 8)
		if ((get_le(p, 8) & ~nodes) != 0)
			return "a group's owner is not one of the target's nodes";
	return NULL;
}

int sim_state_decode(const struct model *m, const uint8_t plan_hash[SIM_STATE_HASH_LEN],
		     const uint8_t *buf, size_t len, struct model_state *s, char *err, size_t errlen)
{
	char what[128];
	const char *why = problem(m, plan_hash, buf, len, what, sizeof(what));

	if (why != NULL)
		return util_err(err, errlen, "saved simulated state: %s", why);
	const uint8_t *p = buf + FIXED + SHAPE;
	for (unsigned g = 0; g < m->ngroups; g++, p += 8)
		s->owner[g] = (nodeset)get_le(p, 8);
	for (unsigned i = 0; i < m->nv; i++)
		s->v[i] = *p++;
	return 0;
}
