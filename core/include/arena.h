/* arena.h: bump allocator; everything allocated from an arena is freed at once by arena_free. */
#ifndef HP_ARENA_H
#define HP_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head;
	size_t used;      /* bytes handed out, for statistics */
};

/* Allocate n zeroed bytes aligned for any type. Out of memory, it says so on standard error
 * ("hotplan: out of memory …") and ends the process with exit status 2: a caller never sees
 * NULL. */
void *arena_alloc(struct arena *a, size_t n);
/* Out of memory: say so on standard error ("hotplan: out of memory", and how many bytes were
 * asked for when n is not 0) and end the process with exit status 2, an error the user can
 * act on (a smaller plan, a larger limit), not a crash. Every allocation hotplan cannot go on
 * without ends here when it fails. */
__attribute__((noreturn)) void arena_oom(size_t n);

/* Copy n bytes of s into the arena and NUL-terminate. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* printf into the arena. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Grow a block previously returned by arena_alloc (old contents copied; old block abandoned). */
void *arena_realloc(struct arena *a, void *old, size_t oldn, size_t newn);
/* Free every chunk. The arena may be reused afterwards. */
void arena_free(struct arena *a);

/* Blocks carved from an arena that can be given back and handed out again, for what a user
 * makes and drops many times over (the checker's path states): a free list per size, the
 * sizes powers of two from 64 bytes. Everything goes with the arena; a pool is set up by
 * zeroing it and setting `a`. */
struct arena_pool {
	struct arena *a;
	void *free[64];
};

/* A block of at least n bytes (not zeroed), aligned as arena_alloc's; *size (not NULL) gets
 * its size, to give back with it. */
void *arena_pool_get(struct arena_pool *p, size_t n, size_t *size);
/* Give back a block of `size` bytes from arena_pool_get (NULL: nothing). */
void arena_pool_put(struct arena_pool *p, void *block, size_t size);

#endif
