/* strmap.h: a map from names to pointers, for looking names up in constant time. Its slots
 * live in the arena given to strmap_init and are freed with it; the keys are the caller's
 * NUL-terminated strings (not copied: they must live as long as the map) and so are the
 * values.
 *
 * Open addressing with linear probing, at most half full: 16 bytes a slot. A look-up may name
 * its key by a length instead of a NUL (a name inside a longer string). A value is never
 * NULL. */
#ifndef HP_STRMAP_H
#define HP_STRMAP_H

#include <stddef.h>

#include "arena.h"

struct strmap_slot {
	const char *key;     /* NULL: free */
	void *value;
};

struct strmap {
	struct arena *a;
	struct strmap_slot *slots;
	size_t cap, n;       /* cap: 0 or a power of two */
};

/* An empty map whose slots come from `a`, with room for `hint` keys before it grows (0: none
 * yet; a map that knows how many keys it will get leaves no grown-out tables behind). */
void strmap_init(struct strmap *m, struct arena *a, size_t hint);

/* The value of the key key[0..len) (it holds no NUL), or NULL when it has none. */
void *strmap_get(const struct strmap *m, const char *key, size_t len);

/* strmap_get of a NUL-terminated key. */
void *strmap_gets(const struct strmap *m, const char *key);

/* Map `key` to `value` (not NULL) unless it has a value already: returns the value the key
 * has afterwards, so the first value put for a key is the one that stays. */
void *strmap_put(struct strmap *m, const char *key, void *value);

#endif
