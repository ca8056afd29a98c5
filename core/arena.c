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

static void oom(void)
{
	fputs("hotplan: out of memory\n", stderr);
	abort();
}

void *arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk *c = a->head;
	size_t need = (n + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);

	if (need < n)
		oom();
	if (c == NULL || c->size - c->off < need) {
		size_t size = c ? c->size * 2 : ARENA_MIN;
		if (size > (size_t)64 * 1024 * 1024)
			size = (size_t)64 * 1024 * 1024;
		if (size < need)
			size = need;
		c = malloc(sizeof(*c) + size);
		if (c == NULL)
			oom();
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
