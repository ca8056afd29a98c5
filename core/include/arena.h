/* arena.h: bump allocator; everything allocated from an arena is freed at once by arena_free. */
#ifndef HP_ARENA_H
#define HP_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head;
	size_t used;      /* bytes handed out, for statistics */
};

/* Allocate n zeroed bytes aligned for any type. Aborts with a message on out-of-memory. */
void *arena_alloc(struct arena *a, size_t n);
/* Copy n bytes of s into the arena and NUL-terminate. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* printf into the arena. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Grow a block previously returned by arena_alloc (old contents copied; old block abandoned). */
void *arena_realloc(struct arena *a, void *old, size_t oldn, size_t newn);
/* Free every chunk. The arena may be reused afterwards. */
void arena_free(struct arena *a);

#endif
