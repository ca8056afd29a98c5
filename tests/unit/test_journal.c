/* test_journal.c: journal.h on real files in a mkdtemp directory: round trip, a torn tail cut
 * at every byte of the last and of a middle record, every byte of a record corrupted, records
 * appended without a sync of their own (and the two-record torn tail they allow), reopen
 * for append after a torn tail, the resume state of interrupted runs, error paths (an
 * unwritable directory, a real short write), and the cost of one durable append (printed). */
#define _GNU_SOURCE /* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"
#include "journal_resume.h"

#define RUN_ID "20261125T183000Z-3f9a1c"

static char tmpdir[256];

/* ---- helpers ---- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	const char *base = getenv("TMPDIR");
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/hp-journal-XXXXXX", base && base[0] ? base : "/tmp");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void path_in(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

static void assert_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("expected \"%s\" in \"%s\"", needle, hay);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	uint8_t *buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	assert_int_equal(fclose(f), 0);
	*len = (size_t)n;
	return buf;
}

static void spit(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static const char *const test_vars[] = { "inventory=plans/inventories/lab.hplan", "kind=cluster",
					 "set.stores=First Storage Group/Mailbox Store (SIM)",
					 "role.active=sim-node1" };

static struct journal_header test_header(void)
{
	struct journal_header h = {
		.run_id = RUN_ID,
		.plan_path = "plans/ese-hotfix.hplan",
		.target = "exchange-cluster",
		.start_ns = 1764095400123456789LL,
		.vars = test_vars,
		.nvars = 4,
	};
	for (int i = 0; i < JOURNAL_HASH_LEN; i++)
		h.plan_hash[i] = (uint8_t)(i * 7 + 1);
	return h;
}

static struct journal *create(const char *path)
{
	struct journal_header h = test_header();
	struct journal *j = NULL;
	char err[512] = "";
	if (journal_create(path, &h, &j, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	return j;
}

/* Append one record; returns its offset. */
static uint64_t add(struct journal *j, enum journal_kind kind, int32_t step, int32_t action,
		    const char *iter, const char *node)
{
	char err[512] = "";
	struct journal_record r = {
		.kind = kind, .step = step, .action = action,
		.step_name = step >= 0 ? "stop-exchange" : NULL, .iter = iter, .node = node,
	};
	if (kind == JOURNAL_RUN_DONE)
		r.status = (enum journal_status)action, r.action = -1;
	if (journal_append(j, &r, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	return r.offset;
}

static void run_done(struct journal *j, enum journal_status st)
{
	add(j, JOURNAL_RUN_DONE, -1, (int32_t)st, NULL, NULL);
}

static void read_ok(const char *path, struct journal_log *log)
{
	char err[512] = "";
	if (journal_read(path, log, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

/* A plain five-record run; offs[i] = offset of record i, offs[5] = file size. */
static void five(const char *path, uint64_t offs[6])
{
	struct journal *j = create(path);
	offs[0] = add(j, JOURNAL_RUN_START, -1, -1, NULL, NULL);
	offs[1] = add(j, JOURNAL_ACTION_START, 0, 0, "", "sim-server");
	offs[2] = add(j, JOURNAL_ACTION_DONE, 0, 0, "", "sim-server");
	offs[3] = add(j, JOURNAL_STEP_DONE, 0, -1, "", "");
	offs[4] = add(j, JOURNAL_ACTION_START, 1, 0, "", "sim-server");
	struct journal_stats st;
	journal_stats(j, &st);
	offs[5] = st.bytes;
	journal_close(j);
}

/* ---- round trip ---- */

static void test_round_trip(void **state)
{
	char path[512], err[512];
	struct journal_log log;
	struct journal_stats st;
	(void)state;

	path_in(path, sizeof(path), "rt.journal");
	struct journal *j = create(path);

	/* a message over the limit, cut inside a 3-byte character */
	char longmsg[JOURNAL_MESSAGE_MAX + 64];
	memset(longmsg, 'x', sizeof(longmsg) - 1);
	longmsg[sizeof(longmsg) - 1] = '\0';
	memcpy(longmsg + JOURNAL_MESSAGE_MAX - 1, "\xe2\x80\xa6", 3);

	struct journal_record in[] = {
		{ .kind = JOURNAL_RUN_START, .step = -1, .action = -1, .message = "pid 4242 on host ops1" },
		{ .kind = JOURNAL_CHECKPOINT, .step = 2, .action = -1, .step_name = "cp-before-stop", .iter = "" },
		{ .kind = JOURNAL_ACTION_START, .step = 3, .action = 1, .step_name = "stop-exchange",
		  .iter = "sim-node2", .node = "sim-node2", .time_ns = 1764095401000000000LL },
		{ .kind = JOURNAL_ACTION_FAILED, .step = 3, .action = 1, .step_name = "stop-exchange",
		  .iter = "sim-node2", .node = "sim-node2", .message = longmsg },
		{ .kind = JOURNAL_STEP_FAILED, .step = 3, .action = -1, .step_name = "stop-exchange", .iter = "sim-node2" },
		{ .kind = JOURNAL_RUN_DONE, .status = JOURNAL_STATUS_FAILED, .step = -1, .action = -1,
		  .message = "caf\xc3\xa9 \xe2\x9c\x93" },
	};
	size_t n = sizeof(in) / sizeof(in[0]);
	for (size_t i = 0; i < n; i++) {
		if (journal_append(j, &in[i], err, sizeof(err)) != 0)
			fail_msg("%s", err);
		assert_int_equal(in[i].seq, i);
		assert_true(in[i].time_ns > 0);
	}
	journal_stats(j, &st);
	assert_int_equal(st.records, n);
	assert_int_equal(st.syncs, n + 2);          /* one per record + header + directory */
	assert_string_equal(journal_path(j), path);
	journal_close(j);

	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal((uint64_t)sb.st_size, st.bytes);

	read_ok(path, &log);
	struct journal_header h = test_header();
	assert_int_equal(log.header.version, JOURNAL_VERSION);
	assert_string_equal(log.header.run_id, RUN_ID);
	assert_memory_equal(log.header.plan_hash, h.plan_hash, JOURNAL_HASH_LEN);
	assert_string_equal(log.header.plan_path, h.plan_path);
	assert_string_equal(log.header.target, h.target);
	assert_true(log.header.start_ns == h.start_ns);
	assert_int_equal(log.header.nvars, 4);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(log.header.vars[i], test_vars[i]);
	assert_false(log.torn);
	assert_false(log.damaged);
	assert_int_equal(log.valid_end, (uint64_t)sb.st_size);
	assert_int_equal(log.file_size, (uint64_t)sb.st_size);
	assert_int_equal(log.n, n);
	for (size_t i = 0; i < n; i++) {
		const struct journal_record *r = &log.records[i];
		assert_int_equal(r->kind, in[i].kind);
		assert_int_equal(r->status, in[i].status);
		assert_true(r->time_ns == in[i].time_ns);
		assert_int_equal(r->step, in[i].step);
		assert_int_equal(r->action, in[i].action);
		assert_string_equal(r->step_name, in[i].step_name ? in[i].step_name : "");
		assert_string_equal(r->iter, in[i].iter ? in[i].iter : "");
		assert_string_equal(r->node, in[i].node ? in[i].node : "");
		assert_int_equal(r->seq, i);
		assert_int_equal(r->offset, in[i].offset);
		if (in[i].message != longmsg)
			assert_string_equal(r->message, in[i].message ? in[i].message : "");
	}
	/* cut before the character that would not fit, never inside it */
	assert_int_equal(strlen(log.records[3].message), JOURNAL_MESSAGE_MAX - 1);
	assert_memory_equal(log.records[3].message, longmsg, JOURNAL_MESSAGE_MAX - 1);
	assert_int_equal(log.records[2].time_ns, 1764095401000000000LL);
	assert_string_equal(journal_kind_name(log.records[5].kind), "run-done");
	assert_string_equal(journal_status_name(log.records[5].status), "failed");
	assert_string_equal(journal_kind_name((enum journal_kind)99), "?");
	journal_log_free(&log);

	/* an existing file is never overwritten */
	struct journal_header h2 = test_header();
	struct journal *j2 = NULL;
	assert_int_equal(journal_create(path, &h2, &j2, err, sizeof(err)), -1);
	assert_null(j2);
	assert_contains(err, "create journal ");
	assert_contains(err, ": File exists");
	read_ok(path, &log);
	assert_int_equal(log.n, n);
	journal_log_free(&log);
}

/* ---- torn tails ---- */

static void check_cut(const uint8_t *orig, uint64_t cut, const char *path, size_t want_n,
		      uint64_t want_end, bool want_torn)
{
	struct journal_log log;
	spit(path, orig, (size_t)cut);
	read_ok(path, &log);
	if (log.n != want_n || log.valid_end != want_end || log.torn != want_torn || log.damaged)
		fail_msg("cut at %llu: %zu records, end %llu, torn %d, damaged %d (%s); want %zu, %llu, %d",
			 (unsigned long long)cut, log.n, (unsigned long long)log.valid_end, log.torn,
			 log.damaged, log.why, want_n, (unsigned long long)want_end, want_torn);
	journal_log_free(&log);
}

static void test_torn_every_offset(void **state)
{
	char path[512], cutp[512];
	uint64_t offs[6];
	size_t size;
	(void)state;

	path_in(path, sizeof(path), "five.journal");
	path_in(cutp, sizeof(cutp), "cut.journal");
	five(path, offs);
	uint8_t *orig = slurp(path, &size);
	assert_int_equal(size, offs[5]);

	/* the last record, cut at every byte: only the four before it count */
	for (uint64_t cut = offs[4]; cut < offs[5]; cut++)
		check_cut(orig, cut, cutp, 4, offs[4], cut > offs[4]);
	/* a middle record (the file ends inside it): only the records before it count */
	for (uint64_t cut = offs[2]; cut < offs[3]; cut++)
		check_cut(orig, cut, cutp, 2, offs[2], cut > offs[2]);
	check_cut(orig, offs[5], cutp, 5, offs[5], false);
	/* the header cut anywhere is an error, never an empty log */
	for (uint64_t cut = 0; cut < offs[0]; cut++) {
		struct journal_log log;
		char err[512] = "";
		spit(cutp, orig, (size_t)cut);
		assert_int_equal(journal_read(cutp, &log, err, sizeof(err)), -1);
		assert_contains(err, cut == 0 ? "is empty" : "header is incomplete");
		assert_null(log.records);
	}
	/* zeros where the last record should be (size extended, data lost) */
	uint8_t *z = calloc(1, (size_t)offs[5]);
	assert_non_null(z);
	memcpy(z, orig, (size_t)offs[4]);
	check_cut(z, offs[5], cutp, 4, offs[4], true);
	free(z);
	free(orig);
}

/* ---- corruption ---- */

static void test_crc_corruption(void **state)
{
	char path[512], badp[512], err[512];
	uint64_t offs[6];
	size_t size;
	struct journal_log log;
	(void)state;

	path_in(path, sizeof(path), "five.journal");
	path_in(badp, sizeof(badp), "bad.journal");
	five(path, offs);
	uint8_t *orig = slurp(path, &size);
	uint8_t *buf = malloc(size);
	assert_non_null(buf);

	/* every byte of a middle record: records after it exist, so it is damage, not a tear */
	for (uint64_t at = offs[2]; at < offs[3]; at++) {
		for (int flip = 0; flip < 2; flip++) {
			memcpy(buf, orig, size);
			buf[at] ^= flip ? 0xff : 0x01;
			spit(badp, buf, size);
			read_ok(badp, &log);
			if (log.n != 2 || !log.damaged || log.torn || log.valid_end != offs[2])
				fail_msg("byte %llu: n %zu damaged %d torn %d (%s)", (unsigned long long)at,
					 log.n, log.damaged, log.torn, log.why);
			journal_log_free(&log);
		}
	}
	/* a damaged journal is never truncated or appended to */
	struct journal *j = NULL;
	assert_int_equal(journal_open_append(badp, &j, &log, err, sizeof(err)), -1);
	assert_null(j);
	assert_contains(err, "is damaged");
	assert_contains(err, "refusing to append");
	size_t after;
	uint8_t *same = slurp(badp, &after);
	assert_int_equal(after, size);
	assert_memory_equal(same, buf, size);
	free(same);

	/* every byte of the last record: a torn tail */
	for (uint64_t at = offs[4]; at < offs[5]; at++) {
		memcpy(buf, orig, size);
		buf[at] ^= 0x20;
		spit(badp, buf, size);
		read_ok(badp, &log);
		if (log.n != 4 || log.damaged || !log.torn)
			fail_msg("byte %llu: n %zu damaged %d torn %d (%s)", (unsigned long long)at, log.n,
				 log.damaged, log.torn, log.why);
		journal_log_free(&log);
	}

	/* a record replayed with its good checksum (here record 2 again at the end) */
	uint8_t *dup = malloc(size + (size_t)(offs[3] - offs[2]));
	assert_non_null(dup);
	memcpy(dup, orig, size);
	memcpy(dup + size, orig + offs[2], (size_t)(offs[3] - offs[2]));
	spit(badp, dup, size + (size_t)(offs[3] - offs[2]));
	free(dup);
	read_ok(badp, &log);
	assert_int_equal(log.n, 5);
	assert_true(log.damaged);
	assert_false(log.torn);
	assert_contains(log.why, "record 5 at byte ");
	assert_contains(log.why, "has a good checksum but is malformed: out of sequence");
	journal_log_free(&log);

	/* a record from another run, or from the same run id with another plan: good checksum,
	 * same size, wrong owner */
	for (int which = 0; which < 2; which++) {
		char otherp[512];
		path_in(otherp, sizeof(otherp), "other.journal");
		struct journal_header h = test_header();
		if (which == 0)
			h.run_id = "20261125T183000Z-000000";
		else
			h.plan_hash[31] ^= 1;
		unlink(otherp);
		struct journal *oj = NULL;
		assert_int_equal(journal_create(otherp, &h, &oj, err, sizeof(err)), 0);
		add(oj, JOURNAL_RUN_START, -1, -1, NULL, NULL);
		add(oj, JOURNAL_ACTION_START, 0, 0, "", "sim-server");
		add(oj, JOURNAL_ACTION_DONE, 0, 0, "", "sim-server");
		add(oj, JOURNAL_STEP_DONE, 0, -1, "", "");
		uint64_t o4 = add(oj, JOURNAL_ACTION_START, 1, 0, "", "sim-server");
		journal_close(oj);
		size_t osize;
		uint8_t *other = slurp(otherp, &osize);
		assert_int_equal(o4, offs[4]);
		assert_int_equal(osize, size);
		memcpy(buf, orig, size);
		memcpy(buf + offs[4], other + offs[4], (size_t)(size - offs[4]));
		free(other);
		spit(badp, buf, size);
		read_ok(badp, &log);
		assert_int_equal(log.n, 4);
		assert_true(log.damaged);
		assert_contains(log.why, which == 0 ? "it names another run" : "it names another plan hash");
		journal_log_free(&log);
	}

	/* the header: every byte matters */
	for (uint64_t at = 0; at < offs[0]; at++) {
		memcpy(buf, orig, size);
		buf[at] ^= 0x01;
		spit(badp, buf, size);
		assert_int_equal(journal_read(badp, &log, err, sizeof(err)), -1);
		if (at < 4)
			assert_contains(err, "not a hotplan journal");
		else if (at < 8)
			assert_contains(err, "format version");
		else
			assert_true(strstr(err, "header is corrupt") || strstr(err, "header is incomplete"));
	}
	memcpy(buf, orig, size);
	buf[4] = 2;
	spit(badp, buf, size);
	assert_int_equal(journal_read(badp, &log, err, sizeof(err)), -1);
	assert_contains(err, "format version 2 is not supported (this hotplan reads version 1)");
	spit(badp, (const uint8_t *)"#!/bin/sh\necho hi\n", 18);
	assert_int_equal(journal_read(badp, &log, err, sizeof(err)), -1);
	assert_contains(err, "not a hotplan journal");

	free(buf);
	free(orig);
}

/* ---- records appended without a sync of their own ---- */

static void resume_of(const char *path, struct journal_log *log, struct journal_resume *rs);

#define FRAME_MAX ((size_t)8200) /* journal.c's RECORD_MAX + 8: the longest frame; a size */

static uint64_t add_nosync(struct journal *j, enum journal_kind kind, int32_t step, int32_t action,
			   const char *iter, const char *node)
{
	char err[512] = "";
	struct journal_record r = {
		.kind = kind, .step = step, .action = action,
		.step_name = step >= 0 ? "stop-exchange" : NULL, .iter = iter, .node = node,
	};
	if (journal_append_nosync(j, &r, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	return r.offset;
}

/* five(), with the step-done appended without a sync, as the runtime appends it; extra: one
 * more record after the five (offs[6] is then the file size) */
static void five_unsynced(const char *path, uint64_t offs[7], bool extra)
{
	struct journal *j = create(path);
	offs[0] = add(j, JOURNAL_RUN_START, -1, -1, NULL, NULL);
	offs[1] = add(j, JOURNAL_ACTION_START, 0, 0, "", "sim-server");
	offs[2] = add(j, JOURNAL_ACTION_DONE, 0, 0, "", "sim-server");
	offs[3] = add_nosync(j, JOURNAL_STEP_DONE, 0, -1, "", "");
	offs[4] = add(j, JOURNAL_ACTION_START, 1, 0, "", "sim-server");
	if (extra)
		offs[5] = add(j, JOURNAL_ACTION_DONE, 1, 0, "", "sim-server");
	struct journal_stats st;
	journal_stats(j, &st);
	offs[extra ? 6 : 5] = st.bytes;
	assert_int_equal(st.unsynced, 1);
	assert_int_equal(st.syncs, (extra ? 5 : 4) + 2);
	journal_close(j);
}

/* buf[0..len) as a journal: n valid records ending at end, then a torn tail or damage */
static void check_tail(const uint8_t *buf, size_t len, const char *path, size_t want_n, uint64_t want_end,
		       bool want_torn, const char *what)
{
	struct journal_log log;
	spit(path, buf, len);
	read_ok(path, &log);
	if (log.n != want_n || log.valid_end != want_end || log.torn != want_torn || log.damaged == want_torn)
		fail_msg("%s: %zu records, end %llu, torn %d, damaged %d (%s); want %zu, %llu, %s", what, log.n,
			 (unsigned long long)log.valid_end, log.torn, log.damaged, log.why, want_n,
			 (unsigned long long)want_end, want_torn ? "torn" : "damaged");
	journal_log_free(&log);
}

/* orig[0..at) + fill bytes of `byte` + orig[from..size) */
static size_t patched(uint8_t *out, const uint8_t *orig, size_t at, size_t fill, int byte, size_t from, size_t size)
{
	memcpy(out, orig, at);
	memset(out + at, byte, fill);
	memcpy(out + at + fill, orig + from, size - from);
	return at + fill + size - from;
}

static void test_unsynced(void **state)
{
	char path[512], badp[512], err[512];
	uint64_t offs[7];
	size_t size;
	struct journal_stats st;
	struct journal_log log;
	struct journal_resume rs;
	(void)state;

	/* the syncs: none of its own; a second one in a row syncs; journal_sync; close */
	path_in(path, sizeof(path), "lazy.journal");
	struct journal *j = create(path);
	add(j, JOURNAL_RUN_START, -1, -1, NULL, NULL);
	journal_stats(j, &st);
	assert_int_equal(st.syncs, 3);
	add_nosync(j, JOURNAL_STEP_DONE, 0, -1, "", "");
	journal_stats(j, &st);
	assert_int_equal(st.syncs, 3);
	assert_int_equal(st.unsynced, 1);
	assert_int_equal(st.records, 2);
	add_nosync(j, JOURNAL_STEP_DONE, 1, -1, "", "");     /* one pending already: this one syncs both */
	journal_stats(j, &st);
	assert_int_equal(st.syncs, 4);
	assert_int_equal(st.unsynced, 1);
	assert_int_equal(journal_sync(j, err, sizeof(err)), 0);   /* nothing pending: no sync */
	journal_stats(j, &st);
	assert_int_equal(st.syncs, 4);
	add_nosync(j, JOURNAL_STEP_DONE, 2, -1, "", "");
	assert_int_equal(journal_sync(j, err, sizeof(err)), 0);
	assert_int_equal(journal_sync(j, err, sizeof(err)), 0);
	journal_stats(j, &st);
	assert_int_equal(st.syncs, 5);
	assert_int_equal(st.unsynced, 2);
	add_nosync(j, JOURNAL_STEP_DONE, 3, -1, "", "");
	add(j, JOURNAL_ACTION_START, 4, 0, "", "sim-server");   /* syncs it too */
	journal_stats(j, &st);
	assert_int_equal(st.syncs, 6);
	assert_int_equal(st.unsynced, 3);
	add_nosync(j, JOURNAL_STEP_DONE, 5, -1, "", "");        /* pending at close: synced there */
	journal_close(j);
	read_ok(path, &log);
	assert_int_equal(log.n, 7);
	assert_false(log.torn);
	assert_false(log.damaged);
	assert_int_equal(log.records[6].kind, JOURNAL_STEP_DONE);
	assert_int_equal(log.records[6].step, 5);
	journal_log_free(&log);

	/* a power cut during the sync of the action-start after an unsynced step-done: the
	 * step-done lost or torn, the action-start whole. A torn tail of two records, not damage. */
	path_in(path, sizeof(path), "five.journal");
	path_in(badp, sizeof(badp), "bad.journal");
	five_unsynced(path, offs, false);
	uint8_t *orig = slurp(path, &size);
	assert_int_equal(size, offs[5]);
	uint8_t *buf = malloc(size + 3 * FRAME_MAX);
	assert_non_null(buf);
	read_ok(path, &log);
	assert_int_equal(log.n, 5);
	assert_false(log.torn);
	assert_false(log.damaged);
	journal_log_free(&log);
	size_t n = patched(buf, orig, offs[3], offs[4] - offs[3], 0, offs[4], size);
	check_tail(buf, n, badp, 3, offs[3], true, "step-done zeros");
	for (uint64_t at = offs[3]; at < offs[4]; at++) {
		for (int flip = 0; flip < 2; flip++) {
			char what[64];
			memcpy(buf, orig, size);
			buf[at] ^= flip ? 0xff : 0x01;
			snprintf(what, sizeof(what), "step-done byte %llu ^ %d", (unsigned long long)at, flip ? 0xff : 1);
			check_tail(buf, size, badp, 3, offs[3], true, what);
		}
	}
	/* the step-done's first bytes lost (another page than the rest) */
	n = patched(buf, orig, offs[3], 40, 0, offs[3] + 40, size);
	check_tail(buf, n, badp, 3, offs[3], true, "step-done head zeros");
	/* both lost, the size extended: zeros */
	n = patched(buf, orig, offs[3], size - offs[3], 0, size, size);
	check_tail(buf, n, badp, 3, offs[3], true, "both zeros");
	/* the two records' worth of zeros at most: two frames */
	n = patched(buf, orig, offs[3], 2 * FRAME_MAX, 0, size, size);
	check_tail(buf, n, badp, 3, offs[3], true, "two frames of zeros");
	n = patched(buf, orig, offs[3], 2 * FRAME_MAX + 1, 0, size, size);
	check_tail(buf, n, badp, 3, offs[3], false, "two frames and a byte of zeros");
	/* the whole record after invalid bytes no longer than one frame, and no shorter than one */
	n = patched(buf, orig, offs[3], FRAME_MAX, 0, offs[4], size);
	check_tail(buf, n, badp, 3, offs[3], true, "a frame of zeros, then the action-start");
	n = patched(buf, orig, offs[3], FRAME_MAX + 1, 0, offs[4], size);
	check_tail(buf, n, badp, 3, offs[3], false, "a frame and a byte of zeros, then the action-start");
	n = patched(buf, orig, offs[3], 10, 0, offs[4], size);
	check_tail(buf, n, badp, 3, offs[3], false, "10 zeros, then the action-start");
	/* two records lost before a whole one: the sync of the one before would have kept them */
	n = patched(buf, orig, offs[2], offs[4] - offs[2], 0, offs[4], size);
	check_tail(buf, n, badp, 2, offs[2], false, "action-done and step-done zeros");

	/* resume: the journal is cut before the step-done; the step's actions are done, the step
	 * is not: the runtime goes through it again, acting on nothing, and journals its step-done */
	n = patched(buf, orig, offs[3], offs[4] - offs[3], 0, offs[4], size);
	spit(badp, buf, n);
	if (journal_open_append(badp, &j, &log, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_true(log.torn);
	assert_int_equal(log.n, 3);
	struct stat sb;
	assert_int_equal(stat(badp, &sb), 0);
	assert_int_equal((uint64_t)sb.st_size, offs[3]);
	journal_log_free(&log);
	add(j, JOURNAL_RUN_RESUME, -1, -1, NULL, NULL);
	journal_close(j);
	resume_of(badp, &log, &rs);
	assert_int_equal(rs.next, JOURNAL_NEXT_CONTINUE);
	assert_false(journal_resume_step_done(&rs, 0, ""));
	assert_true(journal_resume_action_done(&rs, 0, "", 0, "sim-server"));
	assert_int_equal(rs.ninflight, 0);
	journal_resume_free(&rs);
	journal_log_free(&log);
	free(orig);

	/* a record after the synced one: it was written after that sync returned, so the
	 * step-done was on disk by then; invalid bytes there are damage */
	path_in(path, sizeof(path), "six.journal");
	five_unsynced(path, offs, true);
	orig = slurp(path, &size);
	memcpy(buf, orig, size);
	buf[offs[3] + 30] ^= 1;
	check_tail(buf, size, badp, 3, offs[3], false, "step-done flipped, two records after it");
	free(orig);
	free(buf);
}

/* ---- reopen for append ---- */

static void test_open_append(void **state)
{
	char path[512], cutp[512], err[512];
	uint64_t offs[6];
	size_t size;
	struct journal_log log;
	struct journal *j = NULL;
	(void)state;

	path_in(path, sizeof(path), "five.journal");
	path_in(cutp, sizeof(cutp), "cut.journal");
	five(path, offs);
	uint8_t *orig = slurp(path, &size);

	/* at every cut of the last record: the tail goes, new records follow the fourth */
	for (uint64_t cut = offs[4]; cut < offs[5]; cut++) {
		spit(cutp, orig, (size_t)cut);
		if (journal_open_append(cutp, &j, &log, err, sizeof(err)) != 0)
			fail_msg("cut %llu: %s", (unsigned long long)cut, err);
		assert_int_equal(log.n, 4);
		assert_int_equal(log.torn, cut > offs[4]);
		struct stat sb;
		assert_int_equal(stat(cutp, &sb), 0);
		assert_int_equal((uint64_t)sb.st_size, offs[4]);       /* truncated before returning */
		journal_log_free(&log);
		assert_int_equal(add(j, JOURNAL_RUN_RESUME, -1, -1, NULL, NULL), offs[4]);
		add(j, JOURNAL_ACTION_START, 1, 0, "", "sim-server");
		journal_close(j);

		read_ok(cutp, &log);
		assert_int_equal(log.n, 6);
		assert_false(log.torn);
		assert_false(log.damaged);
		assert_int_equal(log.records[4].kind, JOURNAL_RUN_RESUME);
		assert_int_equal(log.records[4].seq, 4);
		assert_int_equal(log.records[5].seq, 5);
		journal_log_free(&log);
	}

	/* a clean journal: nothing cut; the handle and a second writer */
	assert_int_equal(journal_open_append(path, &j, &log, err, sizeof(err)), 0);
	assert_false(log.torn);
	assert_int_equal(log.n, 5);
	struct journal_stats st;
	journal_stats(j, &st);
	assert_int_equal(st.syncs, 1);                                  /* the directory only */
	struct journal *j2 = NULL;
	struct journal_log log2;
	assert_int_equal(journal_open_append(path, &j2, &log2, err, sizeof(err)), -1);
	assert_null(j2);
	assert_contains(err, "another hotplan process is writing it");
	add(j, JOURNAL_ACTION_DONE, 1, 0, "", "sim-server");
	journal_close(j);
	journal_log_free(&log);
	read_ok(path, &log);
	assert_int_equal(log.n, 6);
	journal_log_free(&log);

	/* the creator holds the lock too */
	char newp[512];
	path_in(newp, sizeof(newp), "new.journal");
	j = create(newp);
	assert_int_equal(journal_open_append(newp, &j2, &log2, err, sizeof(err)), -1);
	assert_contains(err, "another hotplan process is writing it");
	journal_close(j);
	assert_int_equal(journal_open_append(newp, &j2, &log2, err, sizeof(err)), 0);
	assert_int_equal(log2.n, 0);
	journal_close(j2);
	journal_log_free(&log2);
	free(orig);
}

/* ---- resume state ---- */

static void resume_of(const char *path, struct journal_log *log, struct journal_resume *rs)
{
	char err[512] = "";
	read_ok(path, log);
	if (journal_resume_state(log, rs, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

static void resume_fails(const char *path, const char *want)
{
	struct journal_log log;
	struct journal_resume rs;
	char err[512] = "";
	read_ok(path, &log);
	assert_int_equal(journal_resume_state(&log, &rs, err, sizeof(err)), -1);
	assert_contains(err, want);
	assert_null(rs.steps_done);
	journal_log_free(&log);
}

static struct journal *fresh(const char *name, char *path, size_t len)
{
	path_in(path, len, name);
	struct journal *j = create(path);
	add(j, JOURNAL_RUN_START, -1, -1, NULL, NULL);
	return j;
}

/* step s on node: action-start + action-done for each of n actions, then step-done */
static void step(struct journal *j, int32_t s, int n, const char *iter, const char *node)
{
	for (int a = 0; a < n; a++) {
		add(j, JOURNAL_ACTION_START, s, a, iter, node);
		add(j, JOURNAL_ACTION_DONE, s, a, iter, node);
	}
	add(j, JOURNAL_STEP_DONE, s, -1, iter, "");
}

static void test_resume_shapes(void **state)
{
	char path[512];
	struct journal_log log;
	struct journal_resume rs;
	struct journal *j;
	(void)state;

	/* header only: nothing ran */
	j = create((path_in(path, sizeof(path), "empty.journal"), path));
	journal_close(j);
	resume_of(path, &log, &rs);
	assert_false(rs.started);
	assert_int_equal(rs.next, JOURNAL_NEXT_CONTINUE);
	journal_resume_free(&rs);
	journal_log_free(&log);

	/* completed: nothing to resume */
	j = fresh("done.journal", path, sizeof(path));
	step(j, 0, 2, "", "sim-server");
	run_done(j, JOURNAL_STATUS_COMPLETED);
	journal_close(j);
	resume_of(path, &log, &rs);
	assert_int_equal(rs.next, JOURNAL_NEXT_NONE);
	assert_true(rs.ended);
	assert_int_equal(rs.end_status, JOURNAL_STATUS_COMPLETED);
	journal_resume_free(&rs);
	journal_log_free(&log);

	/* kill -9 inside step 1's second action, then a torn half-written action-done */
	j = fresh("crash.journal", path, sizeof(path));
	add(j, JOURNAL_CHECKPOINT, 1, -1, "", "");
	step(j, 0, 2, "", "sim-server");
	add(j, JOURNAL_ACTION_START, 2, 0, "", "sim-server");
	add(j, JOURNAL_ACTION_DONE, 2, 0, "", "sim-server");
	add(j, JOURNAL_ACTION_START, 2, 1, "", "sim-server");
	uint64_t torn_at = add(j, JOURNAL_ACTION_DONE, 2, 1, "", "sim-server");
	journal_close(j);
	assert_int_equal(truncate(path, (off_t)torn_at + 9), 0);
	resume_of(path, &log, &rs);
	assert_true(log.torn);
	assert_int_equal(rs.next, JOURNAL_NEXT_CONTINUE);
	assert_true(rs.started);
	assert_false(rs.ended);
	assert_false(rs.interrupted);
	assert_true(journal_resume_step_done(&rs, 0, ""));
	assert_true(journal_resume_step_done(&rs, 0, NULL));
	assert_false(journal_resume_step_done(&rs, 2, ""));
	assert_true(journal_resume_action_done(&rs, 2, "", 0, "sim-server"));
	assert_false(journal_resume_action_done(&rs, 2, "", 1, "sim-server"));
	assert_false(journal_resume_action_done(&rs, 2, "", 0, "sim-node1"));
	assert_int_equal(rs.ninflight, 1);
	assert_int_equal(rs.inflight[0].step, 2);
	assert_int_equal(rs.inflight[0].action, 1);
	assert_string_equal(rs.inflight[0].node, "sim-server");
	assert_string_equal(rs.inflight[0].step_name, "stop-exchange");
	assert_true(rs.has_checkpoint);
	assert_int_equal(rs.checkpoint.step, 1);
	assert_false(rs.rollback_started);
	journal_resume_free(&rs);
	journal_log_free(&log);

	/* Ctrl-C: the action finished and was journaled, then `interrupted` */
	j = fresh("int.journal", path, sizeof(path));
	step(j, 0, 1, "", "sim-server");
	add(j, JOURNAL_ACTION_START, 1, 0, "", "sim-server");
	add(j, JOURNAL_ACTION_DONE, 1, 0, "", "sim-server");
	add(j, JOURNAL_INTERRUPTED, -1, -1, NULL, NULL);
	journal_close(j);
	resume_of(path, &log, &rs);
	assert_int_equal(rs.next, JOURNAL_NEXT_CONTINUE);
	assert_true(rs.interrupted);
	assert_int_equal(rs.ninflight, 0);
	assert_false(journal_resume_step_done(&rs, 1, ""));
	assert_true(journal_resume_action_done(&rs, 1, "", 0, "sim-server"));
	journal_resume_free(&rs);
	journal_log_free(&log);

	/* failed, no checkpoint (exit 4): retry the failed step */
	j = fresh("fail4.journal", path, sizeof(path));
	step(j, 0, 1, "", "sim-server");
	add(j, JOURNAL_ACTION_START, 1, 0, "", "sim-server");
	add(j, JOURNAL_ACTION_FAILED, 1, 0, "", "sim-server");
	add(j, JOURNAL_STEP_FAILED, 1, -1, "", "");
	run_done(j, JOURNAL_STATUS_FAILED);
	journal_close(j);
	resume_of(path, &log, &rs);
	assert_int_equal(rs.next, JOURNAL_NEXT_RETRY_STEP);
	assert_true(rs.ended);
	assert_true(rs.has_failed_step);
	assert_int_equal(rs.failed_step.step, 1);
	assert_false(journal_resume_action_done(&rs, 1, "", 0, "sim-server"));
	journal_resume_free(&rs);
	journal_log_free(&log);
	/* ... resumed, the retry works, the run completes: finished for good */
	{
		struct journal_log l2;
		char err[512];
		assert_int_equal(journal_open_append(path, &j, &l2, err, sizeof(err)), 0);
		journal_log_free(&l2);
	}
	add(j, JOURNAL_RUN_RESUME, -1, -1, NULL, NULL);
	step(j, 1, 1, "", "sim-server");
	run_done(j, JOURNAL_STATUS_COMPLETED);
	journal_close(j);
	resume_of(path, &log, &rs);
	assert_int_equal(rs.next, JOURNAL_NEXT_NONE);
	assert_int_equal(rs.resumes, 1);
	assert_false(rs.has_failed_step);
	journal_resume_free(&rs);
	journal_log_free(&log);

	/* the rollback failed (exit 4): finish its remaining actions */
	j = fresh("rbfail.journal", path, sizeof(path));
	step(j, 0, 1, "", "sim-node1");
	add(j, JOURNAL_CHECKPOINT, 1, -1, "sim-node2", "");
	add(j, JOURNAL_ACTION_START, 2, 0, "sim-node2", "sim-node2");
	add(j, JOURNAL_ACTION_FAILED, 2, 0, "sim-node2", "sim-node2");
	add(j, JOURNAL_STEP_FAILED, 2, -1, "sim-node2", "");
	add(j, JOURNAL_ROLLBACK_START, 1, -1, "sim-node2", "");
	add(j, JOURNAL_ROLLBACK_ACTION_START, 1, 0, "sim-node2", "sim-node2");
	add(j, JOURNAL_ROLLBACK_ACTION_DONE, 1, 0, "sim-node2", "sim-node2");
	add(j, JOURNAL_ROLLBACK_ACTION_START, 1, 1, "sim-node2", "sim-node2");
	add(j, JOURNAL_ROLLBACK_ACTION_FAILED, 1, 1, "sim-node2", "sim-node2");
	add(j, JOURNAL_ROLLBACK_FAILED, -1, -1, NULL, NULL);
	run_done(j, JOURNAL_STATUS_FAILED);
	journal_close(j);
	resume_of(path, &log, &rs);
	assert_int_equal(rs.next, JOURNAL_NEXT_ROLLBACK);
	assert_true(rs.rollback_started);
	assert_int_equal(rs.rollback_end, JOURNAL_ROLLBACK_FAILED);
	assert_int_equal(rs.rollback.step, 1);
	assert_string_equal(rs.rollback.iter, "sim-node2");
	assert_true(journal_resume_rollback_action_done(&rs, 0, "sim-node2"));
	assert_false(journal_resume_rollback_action_done(&rs, 1, "sim-node2"));
	assert_int_equal(rs.nrollback_inflight, 0);
	journal_resume_free(&rs);
	journal_log_free(&log);

	/* power loss during the rollback: its action in flight is re-verified */
	j = fresh("rbcrash.journal", path, sizeof(path));
	add(j, JOURNAL_CHECKPOINT, 0, -1, "", "");
	add(j, JOURNAL_STEP_FAILED, 1, -1, "", "");
	add(j, JOURNAL_ROLLBACK_START, 0, -1, "sim-node1", "");
	/* rollback actions belong to the rollback's checkpoint instance, whatever iter they say */
	add(j, JOURNAL_ROLLBACK_ACTION_START, 0, 0, NULL, "sim-server");
	add(j, JOURNAL_ROLLBACK_ACTION_DONE, 0, 0, NULL, "sim-server");
	add(j, JOURNAL_ROLLBACK_ACTION_START, 0, 1, NULL, "sim-server");
	journal_close(j);
	resume_of(path, &log, &rs);
	assert_int_equal(rs.next, JOURNAL_NEXT_ROLLBACK);
	assert_int_equal(rs.rollback_end, 0);
	assert_int_equal(rs.nrollback_inflight, 1);
	assert_int_equal(rs.rollback_inflight[0].action, 1);
	assert_true(journal_resume_rollback_action_done(&rs, 0, "sim-server"));
	assert_false(journal_resume_rollback_action_done(&rs, 1, "sim-server"));
	journal_resume_free(&rs);
	journal_log_free(&log);

	/* died between step-failed and rollback-start: the rollback is still owed */
	j = fresh("owed.journal", path, sizeof(path));
	add(j, JOURNAL_CHECKPOINT, 0, -1, "", "");
	add(j, JOURNAL_ACTION_START, 1, 0, "", "sim-server");
	add(j, JOURNAL_ACTION_FAILED, 1, 0, "", "sim-server");
	add(j, JOURNAL_STEP_FAILED, 1, -1, "", "");
	journal_close(j);
	resume_of(path, &log, &rs);
	assert_int_equal(rs.next, JOURNAL_NEXT_ROLLBACK);
	assert_false(rs.rollback_started);
	assert_int_equal(rs.rollback.step, 0);
	journal_resume_free(&rs);
	journal_log_free(&log);

	/* rolled back (exit 3): finished */
	j = fresh("rb.journal", path, sizeof(path));
	add(j, JOURNAL_CHECKPOINT, 0, -1, "", "");
	add(j, JOURNAL_STEP_FAILED, 1, -1, "", "");
	add(j, JOURNAL_ROLLBACK_START, 0, -1, "", "");
	add(j, JOURNAL_ROLLBACK_DONE, -1, -1, NULL, NULL);
	run_done(j, JOURNAL_STATUS_ROLLED_BACK);
	journal_close(j);
	resume_of(path, &log, &rs);
	assert_int_equal(rs.next, JOURNAL_NEXT_NONE);
	assert_int_equal(rs.end_status, JOURNAL_STATUS_ROLLED_BACK);
	journal_resume_free(&rs);
	journal_log_free(&log);

	/* for each ... serial 2: two iterations in flight at once */
	j = fresh("serial.journal", path, sizeof(path));
	add(j, JOURNAL_ACTION_START, 3, 0, "sim-node1", "sim-node1");
	add(j, JOURNAL_ACTION_START, 3, 0, "sim-node2", "sim-node2");
	add(j, JOURNAL_ACTION_DONE, 3, 0, "sim-node2", "sim-node2");
	add(j, JOURNAL_STEP_DONE, 3, -1, "sim-node2", "");
	add(j, JOURNAL_ACTION_START, 3, 0, "sim-node3", "sim-node1");   /* a group owner's action */
	journal_close(j);
	resume_of(path, &log, &rs);
	assert_int_equal(rs.next, JOURNAL_NEXT_CONTINUE);
	assert_int_equal(rs.ninflight, 2);
	assert_true(journal_resume_step_done(&rs, 3, "sim-node2"));
	assert_false(journal_resume_step_done(&rs, 3, "sim-node1"));
	assert_false(journal_resume_step_done(&rs, 3, "sim-node3"));
	assert_false(journal_resume_action_done(&rs, 3, "sim-node3", 0, "sim-node1"));
	assert_false(journal_resume_action_done(&rs, 3, "sim-node1", 0, "sim-node1"));
	journal_resume_free(&rs);
	journal_log_free(&log);

	/* sequences no runtime writes */
	j = fresh("bad1.journal", path, sizeof(path));
	add(j, JOURNAL_ACTION_DONE, 0, 0, "", "sim-server");
	journal_close(j);
	resume_fails(path, "record 1 (action-done, byte ");
	resume_fails(path, "no action-start before it");

	j = fresh("bad2.journal", path, sizeof(path));
	run_done(j, JOURNAL_STATUS_COMPLETED);
	add(j, JOURNAL_ACTION_START, 0, 0, "", "sim-server");
	journal_close(j);
	resume_fails(path, "follows run-done");

	j = fresh("bad3.journal", path, sizeof(path));
	run_done(j, JOURNAL_STATUS_COMPLETED);
	add(j, JOURNAL_RUN_RESUME, -1, -1, NULL, NULL);
	journal_close(j);
	resume_fails(path, "a resume of a run that did not fail");

	j = create((path_in(path, sizeof(path), "bad4.journal"), path));
	add(j, JOURNAL_ACTION_START, 0, 0, "", "sim-server");
	journal_close(j);
	resume_fails(path, "the first record is not run-start");

	j = fresh("bad5.journal", path, sizeof(path));
	add(j, JOURNAL_ACTION_START, 0, 0, "", "sim-server");
	run_done(j, JOURNAL_STATUS_FAILED);
	journal_close(j);
	resume_fails(path, "an action is still running");

	/* a command of an action: its process group kept while the action runs, dropped once it
	 * ends; a rollback action's too; one of no running action is no runtime's */
	j = fresh("process.journal", path, sizeof(path));
	add(j, JOURNAL_ACTION_START, 0, 0, "", "sim-server");
	add(j, JOURNAL_ACTION_PROCESS, 0, 0, "", "sim-server");
	add(j, JOURNAL_ACTION_DONE, 0, 0, "", "sim-server");
	add(j, JOURNAL_ACTION_START, 2, 0, "", "sim-server");
	uint64_t off = add(j, JOURNAL_ACTION_PROCESS, 2, 0, "", "sim-server");
	add(j, JOURNAL_ACTION_PROCESS, 2, 0, "", "sim-node2");
	journal_close(j);
	resume_of(path, &log, &rs);
	assert_int_equal(rs.nprocesses, 2);
	assert_int_equal(rs.processes[0].step, 2);
	assert_int_equal(rs.processes[0].seq, 5);
	assert_true(log.records[rs.processes[0].seq].offset == off);
	assert_string_equal(rs.processes[1].node, "sim-node2");
	assert_string_equal(journal_kind_name(JOURNAL_ACTION_PROCESS), "action-process");
	journal_resume_free(&rs);
	journal_log_free(&log);

	j = fresh("rbprocess.journal", path, sizeof(path));
	add(j, JOURNAL_CHECKPOINT, 1, -1, "", "");
	add(j, JOURNAL_STEP_FAILED, 2, -1, "", "");
	add(j, JOURNAL_ROLLBACK_START, 1, -1, "", "");
	add(j, JOURNAL_ROLLBACK_ACTION_START, 1, 0, "", "sim-server");
	add(j, JOURNAL_ACTION_PROCESS, 1, 0, "", "sim-server");
	journal_close(j);
	resume_of(path, &log, &rs);
	assert_int_equal(rs.next, JOURNAL_NEXT_ROLLBACK);
	assert_int_equal(rs.nprocesses, 1);
	journal_resume_free(&rs);
	journal_log_free(&log);

	j = fresh("bad6.journal", path, sizeof(path));
	add(j, JOURNAL_ACTION_START, 0, 0, "", "sim-server");
	add(j, JOURNAL_ACTION_DONE, 0, 0, "", "sim-server");
	add(j, JOURNAL_ACTION_PROCESS, 0, 0, "", "sim-server");
	journal_close(j);
	resume_fails(path, "its action is not running");

	/* a damaged journal is not resumed */
	uint64_t offs[6];
	size_t size;
	path_in(path, sizeof(path), "five.journal");
	five(path, offs);
	uint8_t *buf = slurp(path, &size);
	buf[offs[1] + 20] ^= 1;
	spit(path, buf, size);
	free(buf);
	resume_fails(path, "is damaged");
}

/* ---- errors ---- */

/* Run fn in a child (as nobody when drop and we are root: root writes anywhere) and return
 * what it printed. fn must not use cmocka's asserts: it runs in a copy of the test. */
static void in_child(void (*fn)(int fd), bool drop, char *out, size_t outlen)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		if (drop && geteuid() == 0 && (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0))
			_exit(3);
		fn(p[1]);
		_exit(0);
	}
	close(p[1]);
	size_t n = 0;
	ssize_t r;
	while (n + 1 < outlen && (r = read(p[0], out + n, outlen - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	close(p[0]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static char ro_dir[512];

static void create_in_ro_dir(int fd)
{
	char path[600], err[512] = "";
	struct journal_header h = test_header();
	struct journal *j = NULL;
	snprintf(path, sizeof(path), "%s/x.journal", ro_dir);
	int rc = journal_create(path, &h, &j, err, sizeof(err));
	dprintf(fd, "%d|%s", rc, err);
}

/* Append until the file size limit stops a write half way. */
static void append_past_fsize(int fd)
{
	char path[600], err[512] = "", err2[512] = "";
	struct journal_header h = test_header();
	struct journal *j = NULL;
	struct rlimit rl;
	struct journal_stats st;
	int n = 0;

	path_in(path, sizeof(path), "fsize.journal");
	if (journal_create(path, &h, &j, err, sizeof(err)) != 0)
		_exit(4);
	struct journal_record start = { .kind = JOURNAL_RUN_START, .step = -1, .action = -1 };
	if (journal_append(j, &start, err, sizeof(err)) != 0)
		_exit(5);
	journal_stats(j, &st);
	if (signal(SIGXFSZ, SIG_IGN) == SIG_ERR)
		_exit(8);
	rl.rlim_cur = rl.rlim_max = (rlim_t)st.bytes + 300;
	if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
		_exit(6);
	for (;;) {
		struct journal_record r = { .kind = JOURNAL_ACTION_START, .step = n, .action = 0, .node = "sim-server" };
		if (journal_append(j, &r, err, sizeof(err)) != 0)
			break;
		n++;
	}
	struct journal_record r = { .kind = JOURNAL_INTERRUPTED, .step = -1, .action = -1 };
	if (journal_append(j, &r, err2, sizeof(err2)) == 0)
		_exit(7);
	journal_close(j);
	dprintf(fd, "%d|%s|%s", n, err, err2);
}

static void test_errors(void **state)
{
	char out[2048], err[512], path[512];
	struct journal *j = NULL;
	struct journal_header h = test_header();
	struct journal_log log;
	(void)state;

	/* an unwritable directory */
	path_in(ro_dir, sizeof(ro_dir), "ro");
	assert_int_equal(mkdir(ro_dir, 0555), 0);
	assert_int_equal(chmod(tmpdir, 0755), 0);
	in_child(create_in_ro_dir, true, out, sizeof(out));
	char want[700];
	snprintf(want, sizeof(want), "-1|create journal %s/x.journal: Permission denied", ro_dir);
	assert_string_equal(out, want);

	/* a state directory under a regular file; a missing directory */
	char file[512], sdir[600], jp[700];
	path_in(file, sizeof(file), "plainfile");
	spit(file, (const uint8_t *)"x", 1);
	snprintf(sdir, sizeof(sdir), "%s/state", file);
	assert_int_equal(journal_default_path(sdir, RUN_ID, jp, sizeof(jp), err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "create directory %s: Not a directory", file);
	assert_string_equal(err, want);
	path_in(path, sizeof(path), "no/such/dir/x.journal");
	assert_int_equal(journal_create(path, &h, &j, err, sizeof(err)), -1);
	assert_contains(err, "x.journal: No such file or directory");
	assert_int_equal(journal_read(path, &log, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "open journal %s: No such file or directory", path);
	assert_string_equal(err, want);

	/* a bad header or record is refused before anything is written */
	path_in(path, sizeof(path), "refused.journal");
	h.run_id = "../../etc/passwd";
	assert_int_equal(journal_create(path, &h, &j, err, sizeof(err)), -1);
	assert_contains(err, "invalid run id");
	assert_int_equal(access(path, F_OK), -1);
	j = create(path);
	struct journal_record r = { .kind = JOURNAL_ACTION_START, .step = -1, .action = 0 };
	assert_int_equal(journal_append(j, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "append journal: action-start record: no step index");
	r = (struct journal_record){ .kind = JOURNAL_RUN_DONE, .step = -1, .action = -1 };
	assert_int_equal(journal_append(j, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "append journal: run-done record: run-done without a valid status");
	char big[JOURNAL_NAME_MAX + 2];
	memset(big, 'n', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	r = (struct journal_record){ .kind = JOURNAL_RUN_START, .step = -1, .action = -1, .node = big };
	assert_int_equal(journal_append(j, &r, err, sizeof(err)), -1);
	assert_contains(err, "a name is longer than 1024 bytes");
	add(j, JOURNAL_RUN_START, -1, -1, NULL, NULL);           /* still usable */
	journal_close(j);
	read_ok(path, &log);
	assert_int_equal(log.n, 1);
	journal_log_free(&log);

	/* a real short write (RLIMIT_FSIZE): named, the handle refuses more, the tail is torn,
	 * and a resume cuts it off and carries on */
	in_child(append_past_fsize, false, out, sizeof(out));
	char *end = NULL;
	long n = strtol(out, &end, 10);
	assert_true(end != out && *end == '|' && n >= 1);
	assert_contains(out, "|append journal: File too large|append journal: unusable after an earlier error (append journal: File too large)");
	path_in(path, sizeof(path), "fsize.journal");
	read_ok(path, &log);
	assert_true(log.torn);
	assert_false(log.damaged);
	assert_int_equal(log.n, (size_t)n + 1);
	assert_true(log.file_size > log.valid_end);
	journal_log_free(&log);
	assert_int_equal(journal_open_append(path, &j, &log, err, sizeof(err)), 0);
	assert_int_equal(log.n, (size_t)n + 1);
	journal_log_free(&log);
	add(j, JOURNAL_INTERRUPTED, -1, -1, NULL, NULL);
	journal_close(j);
	read_ok(path, &log);
	assert_false(log.torn);
	assert_int_equal(log.n, (size_t)n + 2);
	assert_int_equal(log.records[n + 1].kind, JOURNAL_INTERRUPTED);
	journal_log_free(&log);
}

/* ---- places ---- */

static void test_state_dir(void **state)
{
	char sd[512], jp[1024], err[512], id[JOURNAL_RUN_ID_MAX], want[1024], cwd[512];
	struct stat sb;
	(void)state;

	assert_int_equal(journal_new_run_id(id, sizeof(id), err, sizeof(err)), 0);
	assert_int_equal(strlen(id), 23);
	assert_true(id[8] == 'T' && id[15] == 'Z' && id[16] == '-');
	for (int i = 17; i < 23; i++)
		assert_non_null(strchr("0123456789abcdef", id[i]));
	char id2[JOURNAL_RUN_ID_MAX];
	assert_int_equal(journal_new_run_id(id2, sizeof(id2), err, sizeof(err)), 0);
	assert_string_not_equal(id, id2);                         /* 2^-24 to fail */
	char small[8];
	assert_int_equal(journal_new_run_id(small, sizeof(small), err, sizeof(err)), -1);

	char *old = getenv("HOTPLAN_STATE_DIR") ? strdup(getenv("HOTPLAN_STATE_DIR")) : NULL;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(tmpdir), 0);

	unsetenv("HOTPLAN_STATE_DIR");
	assert_int_equal(journal_state_dir(sd, sizeof(sd), err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s/.hotplan", tmpdir);
	assert_string_equal(sd, want);
	assert_int_equal(stat(sd, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0700);

	setenv("HOTPLAN_STATE_DIR", "rel/state//", 1);
	assert_int_equal(journal_state_dir(sd, sizeof(sd), err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s/rel/state", tmpdir);
	assert_string_equal(sd, want);
	assert_int_equal(journal_default_path(sd, id, jp, sizeof(jp), err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s/rel/state/runs/%s.journal", tmpdir, id);
	assert_string_equal(jp, want);
	snprintf(want, sizeof(want), "%s/rel/state/runs", tmpdir);
	assert_int_equal(stat(want, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	assert_int_equal(journal_default_path(sd, "a/b", jp, sizeof(jp), err, sizeof(err)), -1);
	assert_contains(err, "invalid run id");

	snprintf(want, sizeof(want), "%s/abs", tmpdir);
	setenv("HOTPLAN_STATE_DIR", want, 1);
	assert_int_equal(journal_state_dir(sd, sizeof(sd), err, sizeof(err)), 0);
	assert_string_equal(sd, want);

	assert_int_equal(chdir(cwd), 0);
	if (old != NULL)
		setenv("HOTPLAN_STATE_DIR", old, 1);
	else
		unsetenv("HOTPLAN_STATE_DIR");
	free(old);
}

/* ---- cost of a durable append (printed, not asserted) ---- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void test_append_cost(void **state)
{
	enum { N = 300 };
	static uint64_t t[N];
	char path[512], err[512];
	uint64_t sum = 0, t0;
	(void)state;

	path_in(path, sizeof(path), "bench.journal");
	t0 = mono_ns();
	struct journal *j = create(path);
	uint64_t tc = mono_ns() - t0;
	for (int i = 0; i < N; i++) {
		struct journal_record r = {
			.kind = i % 2 ? JOURNAL_ACTION_DONE : JOURNAL_ACTION_START,
			.step = i / 10, .action = (i / 2) % 5, .step_name = "stop-exchange",
			.node = "sim-node1", .message = i % 2 ? "exit 0" : NULL,
		};
		t0 = mono_ns();
		if (journal_append(j, &r, err, sizeof(err)) != 0)
			fail_msg("%s", err);
		t[i] = mono_ns() - t0;
		sum += t[i];
	}
	struct journal_stats st;
	journal_stats(j, &st);
	journal_close(j);
	qsort(t, N, sizeof(t[0]), cmp_u64);
	const uint64_t median = t[N / 2], p99 = t[N * 99 / 100], max = t[N - 1];
	printf("journal: %d appends in %s: mean %.0f us, median %.0f us, p99 %.0f us, max %.0f us "
	       "(%llu bytes, %.0f bytes/record); create %.0f us\n",
	       N, tmpdir, (double)sum / 1000.0 / N, (double)median / 1000.0, (double)p99 / 1000.0,
	       (double)max / 1000.0, (unsigned long long)st.bytes, (double)st.bytes / N, (double)tc / 1000.0);
	assert_int_equal(st.syncs, N + 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_every_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crc_corruption, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsynced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_append, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_shapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_cost, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
