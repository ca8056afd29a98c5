/* strmap.c: strings to pointers, open addressing (strmap.h). */
#include "strmap.h"

#include <string.h>

/* FNV-1a over the bytes, then a finalizer that spreads the low bits (the slot index). */
static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 32);
}

void strmap_init(struct strmap *m, struct arena *a)
{
	memset(m, 0, sizeof(*m));
	m->a = a;
}

static struct strmap_slot *find(const struct strmap *m, const char *key, size_t len, uint64_t h)
{
	size_t mask = m->cap - 1;
	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		struct strmap_slot *s = &m->slots[i];
		if (s->key == NULL || (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0))
			return s;
	}
}

void *strmap_get(const struct strmap *m, const char *key, size_t len)
{
	if (m->n == 0)
		return NULL;
	struct strmap_slot *s = find(m, key, len, hash_bytes(key, len));
	return s->key != NULL ? s->value : NULL;
}

void *strmap_gets(const struct strmap *m, const char *key)
{
	return strmap_get(m, key, strlen(key));
}

static void grow(struct strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 16;
	struct strmap_slot *old = m->slots;
	size_t oldcap = m->cap;
	m->slots = arena_alloc(m->a, cap * sizeof(*m->slots));
	m->cap = cap;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].key != NULL)
			*find(m, old[i].key, old[i].len, old[i].hash) = old[i];
}

void *strmap_put(struct strmap *m, const char *key, size_t len, void *value)
{
	if ((m->n + 1) * 2 > m->cap)
		grow(m);
	uint64_t h = hash_bytes(key, len);
	struct strmap_slot *s = find(m, key, len, h);
	if (s->key != NULL)
		return s->value;
	*s = (struct strmap_slot){ key, len, h, value };
	m->n++;
	return value;
}

void *strmap_puts(struct strmap *m, const char *key, void *value)
{
	return strmap_put(m, key, strlen(key), value);
}
