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

/* Out of memory is an error the user can act on (a smaller plan, a larger limit), not a
 * crash: no core dump, exit status 2. */
static _Noreturn void oom(size_t n)
{
	fprintf(stderr, "hotplan: out of memory (%zu bytes more were needed)\n", n);
	exit(2);
}

void *arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk *c = a->head;
	size_t need = (n + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);

	if (need < n)
		oom(n);
	if (c == NULL || c->size - c->off < need) {
		size_t size = c ? c->size * 2 : ARENA_MIN;
		if (size > (size_t)64 * 1024 * 1024)
			size = (size_t)64 * 1024 * 1024;
		if (size < need)
			size = need;
		if (size > SIZE_MAX - sizeof(*c))
			oom(size);
		c = malloc(sizeof(*c) + size);
		if (c == NULL)
			oom(sizeof(*c) + size);
		c->size = size;
		c->off = 0;
		c->next = a->head;
		a->head = c;
	}
	void *p = c->data + c->off;
	c->off += need;
	a->used += need;
	memset(p, 0, n);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
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
	char *p = arena_alloc(a, (size_t)n + 1);
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
