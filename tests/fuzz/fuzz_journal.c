/* fuzz_journal.c: libFuzzer harness for the journal reader: the input is the bytes of a
 * journal file. journal_read takes a path, so the input is written to one memfd per process
 * and read back through /proc/self/fd/N; then, as `hotplan resume` does, the resume state
 * is derived from the log. Oracles besides the sanitizers: the records are numbered in
 * order, within the file; a torn tail is at most two frames long (a longer one is damage:
 * docs/journal.md, "Torn or damaged");
 * every step, action and rollback action the resume state lists as done is found done by
 * its query functions.
 *
 * Each input is tried as it is and, when that differs, with its header's CRC and the CRC
 * of each record frame made right (a pure function of the input: crash files replay). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "fuzz.h"
#include "journal.h"
#include "journal_resume.h"

#define HEADER_FIXED 12u
#define RECORD_MIN 66u
#define RECORD_MAX 8192u
#define FRAME_MAX ((size_t)RECORD_MAX + 8) /* a size: multiples of it do not wrap */

static int fd = -1;
static char path[64];

/* NOLINTNEXTLINE(readability-non-const-parameter): libFuzzer's signature */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fd = memfd_create("fuzz-journal", MFD_CLOEXEC);
	if (fd < 0) {
		perror("fuzz: memfd_create");
		abort();
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t crc(const uint8_t *p, size_t n)
{
	return (uint32_t)crc32(crc32(0L, Z_NULL, 0), p, (uInt)n);
}

static void fix_up(uint8_t *buf, size_t size)
{
	if (size < HEADER_FIXED + 4)
		return;
	uint32_t body = get_u32(buf + 8);
	if (size - HEADER_FIXED - 4 < body)
		return;
	put_u32(buf + HEADER_FIXED + body, crc(buf, HEADER_FIXED + (size_t)body));
	size_t off = HEADER_FIXED + (size_t)body + 4;
	while (size - off >= 8) {
		uint32_t len = get_u32(buf + off);
		if (len < RECORD_MIN || len > RECORD_MAX || size - off - 8 < len)
			break;
		put_u32(buf + off + 4 + len, crc(buf + off, 4 + (size_t)len));
		off += 8 + (size_t)len;
	}
}

static void write_input(const uint8_t *data, size_t size)
{
	FUZZ_ASSERT(ftruncate(fd, 0) == 0, "ftruncate: %s", strerror(errno));
	size_t done = 0;
	while (done < size) {
		ssize_t n = pwrite(fd, data + done, size - done, (off_t)done);
		FUZZ_ASSERT(n > 0, "pwrite: %s", strerror(errno));
		done += (size_t)n;
	}
}

static void read_journal(const uint8_t *data, size_t size)
{
	struct journal_log log;
	struct journal_resume rs;
	char err[1024] = "";

	write_input(data, size);
	if (journal_read(path, &log, err, sizeof(err)) != 0) {
		FUZZ_ASSERT(err[0] != '\0', "journal_read failed without a message");
		FUZZ_ASSERT(log.records == NULL && log.pool_ == NULL && log.n == 0, "a failed read left a log");
		return;
	}
	FUZZ_ASSERT(log.file_size == size, "file_size %llu of %zu bytes", (unsigned long long)log.file_size, size);
	FUZZ_ASSERT(log.valid_end <= size, "valid_end past the end");
	FUZZ_ASSERT(log.valid_end == size || log.torn || log.damaged, "bytes ignored, but not torn nor damaged");
	FUZZ_ASSERT(!(log.torn && log.damaged), "torn and damaged");
	/* each append is durable before the next begins, but for one appended without a sync
	 * of its own, which the next append's sync makes durable: a torn tail is at most two
	 * frames */
	FUZZ_ASSERT(!log.torn || size - log.valid_end <= 2 * FRAME_MAX, "a torn tail of %llu bytes: %s",
		    (unsigned long long)(size - log.valid_end), log.why);
	for (size_t i = 0; i < log.n; i++) {
		const struct journal_record *r = &log.records[i];
		FUZZ_ASSERT(r->seq == i, "record %zu has seq %u", i, r->seq);
		FUZZ_ASSERT(r->offset < log.valid_end, "record %zu at byte %llu, past the valid end", i,
			    (unsigned long long)r->offset);
		FUZZ_ASSERT(strcmp(journal_kind_name(r->kind), "?") != 0, "record %zu has kind %d", i, r->kind);
		journal_status_name(r->status);
	}

	if (journal_resume_state(&log, &rs, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < rs.nsteps_done; i++) {
			const struct journal_ref *s = &rs.steps_done[i];
			FUZZ_ASSERT(journal_resume_step_done(&rs, s->step, s->iter), "step %d [%s] done, not found",
				    s->step, s->iter);
		}
		for (size_t i = 0; i < rs.nactions_done; i++) {
			const struct journal_ref *a = &rs.actions_done[i];
			FUZZ_ASSERT(journal_resume_action_done(&rs, a->step, a->iter, a->action, a->node),
				    "action %d.%d [%s] on %s done, not found", a->step, a->action, a->iter, a->node);
		}
		for (size_t i = 0; i < rs.nrollback_done; i++) {
			const struct journal_ref *a = &rs.rollback_done[i];
			FUZZ_ASSERT(journal_resume_rollback_action_done(&rs, a->action, a->node),
				    "rollback action %d on %s done, not found", a->action, a->node);
		}
		journal_resume_free(&rs);
	} else {
		FUZZ_ASSERT(err[0] != '\0', "journal_resume_state failed without a message");
	}
	journal_log_free(&log);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	read_journal(data, size);
	uint8_t *fixed = malloc(size + 1);
	FUZZ_ASSERT(fixed != NULL, "out of memory");
	memcpy(fixed, data, size);
	fix_up(fixed, size);
	if (memcmp(fixed, data, size) != 0)
		read_journal(fixed, size);
	free(fixed);
	return 0;
}
