/* strmap.h: a map from strings to pointers, for looking names up in constant time. Its slots
 * live in the arena given to strmap_init and are freed with it; the keys are the caller's
 * (not copied: they must live as long as the map) and so are the values.
 *
 * Open addressing with linear probing, grown at half full. A key is a byte string with a
 * length (it need not be NUL-terminated); a value is never NULL. */
#ifndef HP_STRMAP_H
#define HP_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

struct strmap_slot {
	const char *key;     /* NULL: free */
	size_t len;
	uint64_t hash;
	void *value;
};

struct strmap {
	struct arena *a;
	struct strmap_slot *slots;
	size_t cap, n;       /* cap: 0 or a power of two */
};

/* An empty map whose slots come from `a`. */
void strmap_init(struct strmap *m, struct arena *a);

/* The value of key[0..len), or NULL when it has none. */
void *strmap_get(const struct strmap *m, const char *key, size_t len);

/* strmap_get of a NUL-terminated key. */
void *strmap_gets(const struct strmap *m, const char *key);

/* Map key[0..len) to `value` (not NULL) unless it has a value already: returns the value the
 * key has afterwards, so the first value put for a key is the one that stays. */
void *strmap_put(struct strmap *m, const char *key, size_t len, void *value);

/* strmap_put of a NUL-terminated key. */
void *strmap_puts(struct strmap *m, const char *key, void *value);

#endif
