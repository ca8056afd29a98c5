/* keywords.c: the keyword table (keywords.h) and its lookup by spelling. */
#include "keywords.h"

#include <string.h>

_Static_assert(KW_NUM < 255, "a kw_index slot holds a keyword's index + 1 in a byte");
_Static_assert(KW_NUM < sizeof(((struct kw_index *)0)->slot) / 2, "keep the hash table at most half full");

const struct kw_info kw_table[KW_NUM] = {
#define KW_INFO(name, spelling, opens, items, flags) \
	[KW_##name] = { spelling, sizeof(spelling) - 1, KB_##opens, items, flags },
	HP_KEYWORDS(KW_INFO)
#undef KW_INFO
};

void kw_index_init(struct kw_index *ix)
{
	memset(ix, 0, sizeof(*ix));
	for (unsigned k = 0; k < KW_NUM; k++) {
		unsigned h = kw_hash(kw_table[k].spelling, kw_table[k].len);
		while (ix->slot[h] != 0)
			h = (h + 1) & 255u;
		ix->slot[h] = (uint8_t)(k + 1);
		ix->len[h] = kw_table[k].len;
		if (kw_table[k].len > ix->maxlen)
			ix->maxlen = kw_table[k].len;
	}
}
