/* test_shell_words.c: the literal lines runtime/shell_words.c splits, and every kind of line it
 * must leave to the shell. Each literal line's words are checked against what /bin/sh itself
 * passes to a program (printf '%s\n' in place of the program). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shell_words.h"

/* What /bin/sh makes of `line`'s words, each on a line, into out. */
static void sh_words(const char *line, char *out, size_t len)
{
	char cmd[1024];
	/* the line's first word is replaced by printf: the shell splits and unquotes the rest */
	snprintf(cmd, sizeof(cmd), "printf '[%%s]' %s", line);
	/* NOLINTNEXTLINE(cert-env33-c): asking the shell itself is this test's point */
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	size_t n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	assert_int_equal(pclose(f), 0);
}

static void literal_lines(void **state)
{
	(void)state;
	static const char *const lines[] = {
		"/bin/true",
		"  sleep\t0.2  ",
		"/usr/bin/tool --opt=v a,b x@y 50% +1 -- path/to.file:3",
		"tool 'two words' '' 'a\"$b`c\\d' x'y'z",
		"pg_ctl -D '/var/lib/postgresql/15/main' restart",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		size_t n = 0;
		char **w = shell_words_literal(lines[i], &n);
		assert_non_null(w);
		char mine[1024] = "", theirs[1024];
		for (size_t k = 0; k < n; k++) {
			assert_non_null(w[k]);
			snprintf(mine + strlen(mine), sizeof(mine) - strlen(mine), "[%s]", w[k]);
		}
		assert_null(w[n]);
		sh_words(lines[i], theirs, sizeof(theirs));
		assert_string_equal(mine, theirs);
		free(w);
	}
}

static void shell_lines(void **state)
{
	(void)state;
	static const char *const lines[] = {
		"", "   ", "echo $HOME", "echo ${x}", "a | b", "a; b", "a && b", "a > f", "a < f", "a &",
		"echo `id`", "echo \"q\"", "echo \\n", "ls *", "ls ?", "ls [ab]", "cd ~", "a # c",
		"a\nb", "echo 'open", "(a)", "{ a; }", "! a", "a=b",   /* '=' is literal: the caller judges */
		"echo x\r",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		size_t n = 0;
		char **w = shell_words_literal(lines[i], &n);
		if (strcmp(lines[i], "a=b") == 0) {
			assert_non_null(w);
			assert_int_equal(n, 1);
			free(w);
			continue;
		}
		if (w != NULL)
			fail_msg("'%s' split as literal", lines[i]);
	}
	assert_null(shell_words_literal(NULL, &(size_t){ 0 }));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(literal_lines),
		cmocka_unit_test(shell_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
