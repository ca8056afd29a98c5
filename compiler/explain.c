/* explain.c: `hotplan explain`: one rule's summary, rationale, example and fix, wrapped
 * for a terminal; or the table of every rule. */
#include "explain.h"

#include <stdio.h>
#include <string.h>

#include "sema.h"

#define WRAP_COLS 78          /* text lines end before this column */
#define TEXT_INDENT 2
#define EXAMPLE_INDENT 4

static size_t cols(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			c++;
	return c;
}

/* Print `text` word-wrapped, each line indented by `indent` spaces. A blank line ("\n\n")
 * in the text starts a new paragraph; a word longer than a line gets a line of its own. */
static void wrap(FILE *out, const char *text, int indent)
{
	const char *p = text;
	size_t at = 0;           /* columns used on the current line, indent excluded */
	size_t width = WRAP_COLS - (size_t)indent;

	while (*p != '\0') {
		if (*p == '\n') {
			if (p[1] == '\n') {
				fputs(at > 0 ? "\n\n" : "\n", out);
				at = 0;
				p += 2;
			} else {
				p++;
				if (at > 0 && *p != '\0') {
					fputc(' ', out);
					at++;
				}
			}
			continue;
		}
		if (*p == ' ') {
			p++;
			continue;
		}
		size_t n = strcspn(p, " \n");
		size_t w = cols(p, n);
		if (at > 0 && at + 1 + w > width) {
			fputc('\n', out);
			at = 0;
		}
		if (at == 0)
			fprintf(out, "%*s", indent, "");
		else {
			fputc(' ', out);
			at++;
		}
		fwrite(p, 1, n, out);
		at += w;
		p += n;
	}
	if (at > 0)
		fputc('\n', out);
}

/* Print each line of `text` indented by `indent` spaces (blank lines stay empty). */
static void indent_lines(FILE *out, const char *text, int indent)
{
	const char *p = text;
	while (*p != '\0') {
		size_t n = strcspn(p, "\n");
		if (n > 0)
			fprintf(out, "%*s%.*s\n", indent, "", (int)n, p);
		else
			fputc('\n', out);
		p += n;
		if (*p == '\n')
			p++;
	}
}

/* The note a diagnostic of rule r carries, by product (product.c): with the Exchange 2003
 * library (a plan that uses no library gets it built in), and with any other. */
static void print_notes(const struct rule_info *r, FILE *out)
{
	enum rule_id id = (enum rule_id)(r - rule_table);
	const char *kb = product_builtin_note(id), *neutral = product_neutral_note(id);
	char buf[1024];
	if (kb == NULL)
		return;
	fputs("\nNote\n", out);
	snprintf(buf, sizeof(buf), "With the Exchange 2003 library (`use exchange-2003`, or a plan that uses no "
		 "library): \"%s\"", kb);
	wrap(out, buf, TEXT_INDENT);
	if (neutral != NULL)
		snprintf(buf, sizeof(buf), "With any other: \"%s\", or the note its library gives the rule "
			 "(`note %s \"...\"`).", neutral, r->id);
	else
		snprintf(buf, sizeof(buf), "With any other: the checker's own words alone, or followed by the "
			 "note its library gives the rule (`note %s \"...\"`).", r->id);
	wrap(out, buf, TEXT_INDENT);
}

static const char *severity_name(enum severity s)
{
	return s == SEV_ERROR ? "error" : "warning";
}

void explain_print(const struct rule_info *r, FILE *out)
{
	fprintf(out, "%s [%s]\n", r->id, severity_name(r->severity));
	wrap(out, r->summary, 0);
	if (r->rationale != NULL) {
		fputs("\nWhy\n", out);
		wrap(out, r->rationale, TEXT_INDENT);
	}
	if (r->example != NULL) {
		fprintf(out, "\nExample (this breaks %s)\n\n", r->id);
		indent_lines(out, r->example, EXAMPLE_INDENT);
	}
	if (r->fix != NULL) {
		fputs("\nFix\n", out);
		wrap(out, r->fix, TEXT_INDENT);
	}
	print_notes(r, out);
}

void explain_print_decl(const struct ast_rule_decl *r, const char *where, FILE *out)
{
	fprintf(out, "%s [%s]\n", r->id.s, r->warning ? "warning" : "error");
	wrap(out, r->message, 0);
	if (r->note != NULL) {
		fputs("\nWhy\n", out);
		wrap(out, r->note, TEXT_INDENT);
	}
	if (r->help != NULL) {
		fputs("\nFix\n", out);
		wrap(out, r->help, TEXT_INDENT);
	}
	fprintf(out, "\nDeclared at %s\n", where);
}

void explain_list(FILE *out)
{
	for (int i = 0; i < RULE_COUNT; i++) {
		const struct rule_info *r = &rule_table[i];
		fprintf(out, "%s  %-7s  %s\n", r->id, severity_name(r->severity), r->summary);
	}
}
