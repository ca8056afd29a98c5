/* strmap.c: names to pointers, open addressing (strmap.h). */
#include "strmap.h"

#include <string.h>

/* FNV-1a over the bytes, then a finalizer that spreads them over the low bits (the slot). */
static size_t hash_bytes(const char *s, size_t len)
{
	unsigned long long h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return (size_t)(h ^ (h >> 32));
}

static struct strmap_slot *table(struct arena *a, size_t cap)
{
	return arena_alloc(a, cap * sizeof(struct strmap_slot));
}

void strmap_init(struct strmap *m, struct arena *a, size_t hint)
{
	memset(m, 0, sizeof(*m));
	m->a = a;
	if (hint == 0)
		return;
	m->cap = 16;
	while (m->cap < 2 * hint)
		m->cap *= 2;
	m->slots = table(a, m->cap);
}

/* The slot of key[0..len): where it is, or the free slot where it would go. */
static struct strmap_slot *find(const struct strmap *m, const char *key, size_t len)
{
	size_t mask = m->cap - 1;
	for (size_t i = hash_bytes(key, len) & mask;; i = (i + 1) & mask) {
		struct strmap_slot *s = &m->slots[i];
		if (s->key == NULL || (strncmp(s->key, key, len) == 0 && s->key[len] == '\0'))
			return s;
	}
}

void *strmap_get(const struct strmap *m, const char *key, size_t len)
{
	if (m->n == 0)
		return NULL;
	struct strmap_slot *s = find(m, key, len);
	return s->key != NULL ? s->value : NULL;
}

void *strmap_gets(const struct strmap *m, const char *key)
{
	return strmap_get(m, key, strlen(key));
}

static void grow(struct strmap *m)
{
	struct strmap_slot *old = m->slots;
	size_t oldcap = m->cap;
	m->cap = m->cap ? m->cap * 2 : 16;
	m->slots = table(m->a, m->cap);
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].key != NULL)
			*find(m, old[i].key, strlen(old[i].key)) = old[i];
}

void *strmap_put(struct strmap *m, const char *key, void *value)
{
	if ((m->n + 1) * 2 > m->cap)
		grow(m);
	struct strmap_slot *s = find(m, key, strlen(key));
	if (s->key != NULL)
		return s->value;
	*s = (struct strmap_slot){ key, value };
	m->n++;
	return value;
}
