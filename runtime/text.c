/* text.c: the text of commands and of what they printed, for messages and terminals (text.h). */
#include "text.h"

#include <stdio.h>
#include <string.h>

#include "transport.h"

void text_escape(char *out, size_t len, const char *s, size_t max)
{
	size_t o = 0;
	if (len == 0)
		return;
	for (size_t i = 0; i < max && s[i] != '\0' && o + 5 < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n')
			o += (size_t)snprintf(out + o, len - o, "\\n");
		else if (c == '\t')
			o += (size_t)snprintf(out + o, len - o, "\\t");
		else if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(out + o, len - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	if (strnlen(s, max + 1) > max && o + 4 < len)
		o += (size_t)snprintf(out + o, len - o, "...");
	out[o] = '\0';
}

void text_tail_lines(const char *tail, unsigned lines, char *out, size_t len)
{
	size_t n = strlen(tail);
	while (n > 0 && (tail[n - 1] == '\n' || tail[n - 1] == '\r' || tail[n - 1] == ' '))
		n--;
	size_t start = n;
	unsigned got = 0;
	while (start > 0 && got < lines) {
		size_t e = start;
		start--;
		while (start > 0 && tail[start - 1] != '\n')
			start--;
		if (e > start)
			got++;
	}
	char buf[TRANSPORT_TAIL];
	size_t o = 0;
	for (size_t i = start; i < n && o + 4 < sizeof(buf); i++) {
		if (tail[i] == '\r')
			continue;
		if (tail[i] == '\n') {
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, " | ");
			continue;
		}
		buf[o++] = tail[i];
	}
	buf[o] = '\0';
	text_escape(out, len, buf, 400);
}

const char *text_last_line(struct arena *a, const char *tail)
{
	size_t n = strlen(tail);
	while (n > 0 && (tail[n - 1] == '\n' || tail[n - 1] == '\r' || tail[n - 1] == ' ' || tail[n - 1] == '\t'))
		n--;
	size_t s = n;
	while (s > 0 && tail[s - 1] != '\n')
		s--;
	while (s < n && (tail[s] == ' ' || tail[s] == '\t'))
		s++;
	return arena_strndup(a, tail + s, n - s);
}

const char *text_literal(struct arena *a, const struct ast_literal *l)
{
	switch (l->kind) {
	case LIT_STRING:
		return l->str;
	case LIT_INT:
		return arena_printf(a, "%lld", (long long)l->num);
	case LIT_DURATION:
		return arena_printf(a, "%llds", (long long)l->num);
	case LIT_BOOL:
		return l->num ? "true" : "false";
	case LIT_VERSION:
		if (l->ver.n == 4)
			return arena_printf(a, "%u.%u.%u.%u", l->ver.c[0], l->ver.c[1], l->ver.c[2], l->ver.c[3]);
		return arena_printf(a, "%u.%u.%u", l->ver.c[0], l->ver.c[1], l->ver.c[2]);
	}
	return "";
}
