/* arena.c: bump allocator with geometric chunk growth. */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arena_chunk {
	struct arena_chunk *next;
	size_t size, off;
	_Alignas(max_align_t) unsigned char data[];
};

#define ARENA_ALIGN _Alignof(max_align_t)
#define ARENA_MIN ((size_t)64 * 1024)

void arena_oom(size_t n)
{
	if (n != 0)
		fprintf(stderr, "hotplan: out of memory (%zu bytes more were needed)\n", n);
	else
		fputs("hotplan: out of memory\n", stderr);
	exit(2);
}

/* n bytes at an offset that is a multiple of `align` (a power of two), in the head chunk or in
 * a new one. */
static void *carve(struct arena *a, size_t n, size_t align)
{
	struct arena_chunk *c = a->head;
	size_t off = c != NULL ? (c->off + align - 1) & ~(align - 1) : 0;

	if (c == NULL || off > c->size || c->size - off < n) {
		size_t size = c ? c->size * 2 : ARENA_MIN;
		if (size > (size_t)64 * 1024 * 1024)
			size = (size_t)64 * 1024 * 1024;
		if (size < n)
			size = n;
		if (size > SIZE_MAX - sizeof(*c))
			arena_oom(n);
		c = malloc(sizeof(*c) + size);
		if (c == NULL)
			arena_oom(sizeof(*c) + size);
		c->size = size;
		c->next = a->head;
		a->head = c;
		off = 0;
	}
	c->off = off + n;
	a->used += n;
	return c->data + off;
}

void *arena_alloc(struct arena *a, size_t n)
{
	void *p = carve(a, n, ARENA_ALIGN);
	memset(p, 0, n);
	return p;
}

/* Strings need no alignment: they are packed. */
char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	if (n == SIZE_MAX)
		arena_oom(n);
	char *p = carve(a, n + 1, 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return arena_strdup(a, "");
	char *p = carve(a, (size_t)n + 1, 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void *arena_realloc(struct arena *a, void *old, size_t oldn, size_t newn)
{
	void *p = arena_alloc(a, newn);
	if (old != NULL && oldn > 0)
		memcpy(p, old, oldn < newn ? oldn : newn);
	return p;
}

void arena_free(struct arena *a)
{
	struct arena_chunk *c = a->head;
	while (c != NULL) {
		struct arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
	a->used = 0;
}

/* The size class of n bytes: 64 << class >= n. */
static unsigned pool_class(size_t n)
{
	unsigned c = 0;
	while (((size_t)64 << c) < n && c < 57)
		c++;
	return c;
}

void *arena_pool_get(struct arena_pool *p, size_t n, size_t *size)
{
	unsigned c = pool_class(n);
	*size = (size_t)64 << c;
	void *b = p->free[c];
	if (b == NULL)
		return arena_alloc(p->a, *size);
	memcpy(&p->free[c], b, sizeof(void *));
	return b;
}

void arena_pool_put(struct arena_pool *p, void *block, size_t size)
{
	if (block == NULL)
		return;
	unsigned c = pool_class(size);
	memcpy(block, &p->free[c], sizeof(void *));
	p->free[c] = block;
}
