/* fmt_tok.h: the formatter's tokenizer (fmt.c), shared with its proof (fmt_verify.c).
 * Private to the formatter; fmt.h is the interface. */
#ifndef HP_FMT_TOK_H
#define HP_FMT_TOK_H

#include <stddef.h>
#include <stdint.h>

enum fmt_tk { TK_WORD, TK_STR, TK_NUM, TK_PUNCT, TK_COMMENT };

/* A token as grammar/lexer.l shapes it: a word (name or keyword), a string with its quotes
 * and escapes as written, a number, version or duration, punctuation, or a comment from
 * `#` to the end of its line without trailing white space. */
struct fmt_tok {
	enum fmt_tk kind;
	uint32_t off, n;      /* its text: [off, off + n) of the source */
	uint32_t nl;          /* line ends between the previous token (or the start) and it */
};

struct fmt_toks {
	struct fmt_tok *v;    /* malloc'd */
	size_t n, cap;
	uint32_t nl_end;      /* line ends after the last token */
};

/* Split s into tokens; a leading byte order mark is skipped. Returns 0, or -1 (nothing
 * allocated) on a byte that starts no token or a string that does not end on its line. */
int fmt_tokenize(const char *s, size_t len, struct fmt_toks *T);

#endif
