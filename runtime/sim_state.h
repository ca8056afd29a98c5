/* sim_state.h: the simulated target's saved state (JOURNAL.sim, beside a run's journal): the
 * concrete model state of a sim: target, as bytes. The caller owns every buffer and state;
 * nothing here allocates or touches a file.
 *
 * Like the journal, the format is explicit little-endian, encoded byte by byte (never a
 * struct as it sits in memory), versioned and checksummed, so that a state saved on one
 * machine reads the same on any other, and a damaged or foreign file is refused, never
 * half-read:
 *
 *   offset  size        field
 *   0       4           magic "HPSS"
 *   4       4           format version (1)
 *   8       4           body length B (44 + 8 * ngroups + nv)
 *   12      32          plan hash (SHA-256; the journal header's)
 *   44      4           nnodes
 *   48      4           ngroups
 *   52      4           nv
 *   56      8 * ngroups owner of each group (a node set, u64)
 *           nv          each value of the state (an mset, one byte)
 *   12 + B  4           CRC-32 (zlib's) of bytes 0 .. 12 + B
 *
 * The state's `cause` array (which action set each value) is the checker's, not saved. */
#ifndef HP_SIM_STATE_H
#define HP_SIM_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define SIM_STATE_VERSION 1u
#define SIM_STATE_HASH_LEN 32            /* the plan's SHA-256 */

/* Bytes of the encoding of a state of m. */
size_t sim_state_size(const struct model *m);

/* Encode state s of model m, saved for the plan with hash `plan_hash`, into buf[len]. Returns
 * the number of bytes written (sim_state_size(m)), or 0 when len is smaller than that. */
size_t sim_state_encode(const struct model *m, const struct model_state *s,
			const uint8_t plan_hash[SIM_STATE_HASH_LEN], uint8_t *buf, size_t len);

/* Decode buf[len] into s (a state of m: its owner and v arrays are written). Checked before
 * anything is written: magic, version, length, checksum, the plan hash, the shape (nnodes,
 * ngroups and nv must be m's) and that every owner is a set of m's nodes. On failure
 * returns -1 with what is wrong in err[errlen] (err may be NULL) and leaves s as it was. */
int sim_state_decode(const struct model *m, const uint8_t plan_hash[SIM_STATE_HASH_LEN],
		     const uint8_t *buf, size_t len, struct model_state *s, char *err, size_t errlen);

#endif
