/* test_fleet_journal.c: the fleet's journal (fleet.h, docs/fleets.md, "The fleet's journal"):
 * fields with blanks, '%' and control bytes come back byte for byte; a second writer is
 * refused; the last line cut at every byte is a torn tail (ignored, every earlier line kept);
 * a flipped byte in a line before the last is damage (refused); a file without the magic is
 * not a fleet journal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleet.h"

static char dir[256], path[300], copy[300];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s/hp-fleetj-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fleet.journal", dir);
	snprintf(copy, sizeof(copy), "%s/copy.journal", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	unlink(copy);
	rmdir(dir);
	return 0;
}

static char *slurp(const char *p, size_t *n)
{
	FILE *f = fopen(p, "rb");
	assert_non_null(f);
	char *b = malloc(1 << 16);
	assert_non_null(b);
	*n = fread(b, 1, 1 << 16, f);
	assert_int_equal(fclose(f), 0);
	return b;
}

static void spill(const char *p, const char *b, size_t n)
{
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* a name with a blank, '%', a newline and DEL in it */
#define ODD "a b%c\nd\177e"

static void test_round_trip_torn_damaged(void **state)
{
	(void)state;
	char err[512];
	char *h0[] = { "fleet", "F1", NULL }, *h1[] = { "target", ODD, "/x y/j", "/e", NULL };
	char **hdr[] = { h0, h1 };
	int fd = -1, fd2 = -1;
	assert_int_equal(fleet_journal_create(path, hdr, 2, &fd, err, sizeof(err)), 0);
	assert_true(fleet_journal_is(path));
	assert_int_equal(fleet_journal_open(path, &fd2, err, sizeof(err)), -1);   /* one controller */
	assert_non_null(strstr(err, "another hotplan controller"));
	const char *l3[] = { "start", ODD, "run", NULL }, *l4[] = { "end", "t", "completed", "0", NULL };
	assert_int_equal(fleet_journal_append(fd, l3, err, sizeof(err)), 0);
	assert_int_equal(fleet_journal_append(fd, l4, err, sizeof(err)), 0);
	close(fd);

	struct fleet_line *ls;
	unsigned n;
	assert_int_equal(fleet_journal_read(path, &ls, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 4);
	assert_int_equal(ls[1].n, 4);
	assert_string_equal(ls[1].f[1], ODD);
	assert_string_equal(ls[1].f[2], "/x y/j");
	assert_string_equal(ls[2].f[1], ODD);
	assert_string_equal(ls[3].f[2], "completed");
	fleet_journal_free(ls, n);

	size_t len;
	char *b = slurp(path, &len);
	size_t last = len - 1;
	while (last > 0 && b[last - 1] != '\n')
		last--;
	/* the last line cut anywhere: torn, the three before it kept */
	for (size_t cut = last; cut < len; cut++) {
		spill(copy, b, cut);
		assert_int_equal(fleet_journal_read(copy, &ls, &n, err, sizeof(err)), 0);
		assert_int_equal(n, 3);
		fleet_journal_free(ls, n);
	}
	/* a flipped byte of the last line: torn too */
	b[len - 3] ^= 0x20;
	spill(copy, b, len);
	assert_int_equal(fleet_journal_read(copy, &ls, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	fleet_journal_free(ls, n);
	b[len - 3] ^= 0x20;
	/* a flipped byte in a line before the last: damage */
	size_t mid = last - 3;
	b[mid] ^= 0x01;
	spill(copy, b, len);
	assert_int_equal(fleet_journal_read(copy, &ls, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "damaged"));
	b[mid] ^= 0x01;
	/* not a fleet journal */
	spill(copy, "HPJ1xxxx", 8);
	assert_false(fleet_journal_is(copy));
	assert_int_equal(fleet_journal_read(copy, &ls, &n, err, sizeof(err)), -1);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip_torn_damaged, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
