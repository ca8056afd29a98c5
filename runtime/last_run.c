/* last_run.c: the last-run record of a target (STATE_DIR/targets/TARGET.last): reading it,
 * replacing it atomically and durably, and the gates a new run and a resume pass through.
 * Design notes: docs/journal.md, "Last-run records". */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "last_run.h"
#include "target_file.h"

#define LAST_MAGIC "hotplan-last 1"

static const char *const status_names[] = {
	[LAST_RUN_UNFINISHED] = "unfinished",
	[LAST_RUN_FAILED] = "failed",
	[LAST_RUN_COMPLETED] = "completed",
	[LAST_RUN_ROLLED_BACK] = "rolled-back",
	[LAST_RUN_UNCHANGED] = "unchanged",
};

const char *last_run_status_name(enum last_run_status status)
{
	if ((unsigned)status < sizeof(status_names) / sizeof(status_names[0]))
		return status_names[status];
	return "?";
}

const char *last_run_ended_text(enum last_run_status status)
{
	return status == LAST_RUN_COMPLETED ? "completed"
	       : status == LAST_RUN_ROLLED_BACK ? "was rolled back"
	       : status == LAST_RUN_UNCHANGED ? "failed before it changed anything" : "failed";
}

enum last_run_status last_run_status_of(enum journal_status st)
{
	return st == JOURNAL_STATUS_COMPLETED ? LAST_RUN_COMPLETED
	       : st == JOURNAL_STATUS_ROLLED_BACK ? LAST_RUN_ROLLED_BACK
	       : st == JOURNAL_STATUS_UNCHANGED ? LAST_RUN_UNCHANGED : LAST_RUN_FAILED;
}

int last_run_make(struct last_run *last, const char *run_id, const char *journal_path, enum last_run_status st,
		  char *err, size_t errlen)
{
	struct stat sb;
	memset(last, 0, sizeof(*last));
	last->status = st;
	snprintf(last->run_id, sizeof(last->run_id), "%s", run_id);
	if (realpath(journal_path, last->journal) == NULL || stat(last->journal, &sb) != 0)
		return util_err(err, errlen, "last-run record: journal %s: %s", journal_path, strerror(errno));
	last->has_file_id = true;
	last->dev = (uint64_t)sb.st_dev;
	last->ino = (uint64_t)sb.st_ino;
	return 0;
}

/* A decimal u64 that is the whole of s. */
static bool parse_u64(const char *s, uint64_t *out)
{
	int64_t v;
	if (!target_file_i64(s, &v) || v < 0)
		return false;
	*out = (uint64_t)v;
	return true;
}

int last_run_read(const char *state_dir, const char *target, struct last_run *last,
		  char *err, size_t errlen)
{
	char path[JOURNAL_PATH_MAX], text[TARGET_FILE_TEXT_MAX + 1], status[32], when[32], dev[32], ino[32];
	size_t len;
	int fd;
	struct target_file_kv kv[] = {
		{ "run", last->run_id, sizeof(last->run_id), false, false },
		{ "journal", last->journal, sizeof(last->journal), false, false },
		{ "status", status, sizeof(status), false, false },
		{ "time", when, sizeof(when), false, false },
		{ "device", dev, sizeof(dev), false, true },   /* both, or neither (an older record) */
		{ "inode", ino, sizeof(ino), false, true },
	};

	memset(last, 0, sizeof(*last));
	if (target_file_path(state_dir, "targets", target, ".last", path, sizeof(path), err, errlen) != 0)
		return -1;
	do
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		return util_err(err, errlen, "open last-run record %s: %s", path, strerror(errno));
	}
	if (target_file_read(fd, text, &len) != 0) {
		int e = errno;
		close(fd);
		return util_err(err, errlen, "read last-run record %s: %s", path, strerror(e));
	}
	close(fd);
	unsigned i = 0;
	if (target_file_parse(text, len, LAST_MAGIC, kv, sizeof(kv) / sizeof(kv[0])))
		while (i < sizeof(status_names) / sizeof(status_names[0]) && strcmp(status, status_names[i]) != 0)
			i++;
	else
		i = sizeof(status_names) / sizeof(status_names[0]);
	last->has_file_id = kv[4].seen && kv[5].seen;
	if (i == sizeof(status_names) / sizeof(status_names[0]) || !target_file_i64(when, &last->time_ns) ||
	    kv[4].seen != kv[5].seen ||
	    (last->has_file_id && (!parse_u64(dev, &last->dev) || !parse_u64(ino, &last->ino)))) {
		memset(last, 0, sizeof(*last));
		return util_err(err, errlen, "last-run record %s is malformed", path);
	}
	last->status = (enum last_run_status)i;
	return 0;
}

int last_run_write(const char *state_dir, const char *target, const struct last_run *last, bool locked,
		   char *err, size_t errlen)
{
	char path[JOURNAL_PATH_MAX], why[JOURNAL_PATH_MAX + 128];
	char *text = NULL;
	int n, rc;

	if (!target_file_value_ok(last->run_id) || !target_file_value_ok(last->journal) ||
	    (unsigned)last->status >= sizeof(status_names) / sizeof(status_names[0]))
		return util_err(err, errlen, "write last-run record of target '%s': invalid record", target);
	if (target_file_path(state_dir, "targets", target, ".last", path, sizeof(path), err, errlen) != 0)
		return -1;
	text = malloc(TARGET_FILE_TEXT_MAX);
	if (text == NULL)
		return util_err(err, errlen, "write last-run record %s: %s", path, strerror(ENOMEM));
	n = snprintf(text, TARGET_FILE_TEXT_MAX, LAST_MAGIC "\nrun %s\njournal %s\nstatus %s\ntime %" PRId64 "\n",
		     last->run_id, last->journal, status_names[last->status], journal_now_ns());
	if (n > 0 && n < TARGET_FILE_TEXT_MAX && last->has_file_id)
		n += snprintf(text + n, TARGET_FILE_TEXT_MAX - (size_t)n, "device %" PRIu64 "\ninode %" PRIu64 "\n",
			      last->dev, last->ino);
	if (n > 0 && n < TARGET_FILE_TEXT_MAX)
		n += snprintf(text + n, TARGET_FILE_TEXT_MAX - (size_t)n, "end\n");
	if (n < 0 || n >= TARGET_FILE_TEXT_MAX) {
		free(text);
		return util_err(err, errlen, "write last-run record %s: too long", path);
	}
	/* The tmp name is fixed only for the lock's holder: no one else writes it then. */
	rc = util_replace(path, text, (size_t)n, 0600, UTIL_DURABLE | (locked ? UTIL_FIXED_TMP : 0u), why, sizeof(why));
	free(text);
	if (rc != 0)
		return util_err(err, errlen, "last-run record: %s", why);
	return 0;
}

int last_run_gate(const struct last_run *last, const char *target, const char *abandon,
		  char *msg, size_t msglen)
{
	bool blocking = last != NULL && (last->status == LAST_RUN_UNFINISHED || last->status == LAST_RUN_FAILED);

	util_err(msg, msglen, "%s", "");
	if (abandon != NULL) {
		if (!blocking) {
			if (last == NULL)
				return util_err(msg, msglen, "--abandon %s: target '%s' has no unfinished run", abandon, target);
			return util_err(msg, msglen, "--abandon %s: target '%s' has no unfinished run (its last run %s %s)",
				    abandon, target, last->run_id, last_run_ended_text(last->status));
		}
		if (strcmp(abandon, last->run_id) != 0)
			return util_err(msg, msglen, "--abandon %s: the unfinished run of target '%s' is %s, not %s",
				    abandon, target, last->run_id, abandon);
		util_err(msg, msglen, "run %s (%s, journal %s) abandoned: it can no longer be resumed",
		    last->run_id, last_run_status_name(last->status), last->journal);
		return 0;
	}
	if (!blocking)
		return 0;
	if (last->status == LAST_RUN_FAILED)
		util_err(msg, msglen, "target '%s': the last run %s failed and a person must look (exit 4); continue it "
			"with `hotplan resume %s`, or give it up with `--abandon %s`",
		    target, last->run_id, last->journal, last->run_id);
	else
		util_err(msg, msglen, "target '%s': the last run %s is unfinished; continue it with `hotplan resume %s`, "
			"or give it up with `--abandon %s`",
		    target, last->run_id, last->journal, last->run_id);
	return 1;
}

/* Is `journal` the file the record names? 0 yes (msg: "" or a note), 1 no (msg). */
static int same_journal(const struct last_run *last, const char *target, const char *journal, char *msg,
			size_t msglen)
{
	char abs[JOURNAL_PATH_MAX];
	struct stat sb;
	const char *p = realpath(journal, abs) != NULL ? abs : journal;
	if (strcmp(p, last->journal) != 0) {
		util_err(msg, msglen, "%s is not the journal of run %s: target '%s''s last-run record names %s; a copy "
			 "of a journal cannot be resumed (the original would then run again what the copy ran)",
			 p, last->run_id, target, last->journal);
		return 1;
	}
	if (!last->has_file_id) {
		util_err(msg, msglen, "target '%s''s last-run record was written by an older hotplan: its journal is "
			 "matched by its path only, not by its device and inode", target);
		return 0;
	}
	if (stat(p, &sb) != 0) {
		util_err(msg, msglen, "journal %s: %s", p, strerror(errno));
		return 1;
	}
	if ((uint64_t)sb.st_dev != last->dev || (uint64_t)sb.st_ino != last->ino) {
		util_err(msg, msglen, "%s is not the file run %s started (device %" PRIu64 ", inode %" PRIu64 "; target "
			 "'%s''s last-run record names device %" PRIu64 ", inode %" PRIu64 "): a journal copied or moved "
			 "over the original cannot be resumed",
			 p, last->run_id, (uint64_t)sb.st_dev, (uint64_t)sb.st_ino, target, last->dev, last->ino);
		return 1;
	}
	return 0;
}

int last_run_resume_gate(const struct last_run *last, const char *target, const char *run_id, const char *journal,
			 char *msg, size_t msglen)
{
	util_err(msg, msglen, "%s", "");
	if (last == NULL) {
		util_err(msg, msglen, "target '%s' has no record of run %s in this state directory: resume from the "
			"directory the run started in, or set HOTPLAN_STATE_DIR to its state directory",
		    target, run_id);
		return 1;
	}
	if (strcmp(last->run_id, run_id) != 0) {
		util_err(msg, msglen, "run %s of target '%s' was given up or superseded: the target's last run is %s (%s)",
		    run_id, target, last->run_id, last_run_status_name(last->status));
		return 1;
	}
	if (same_journal(last, target, journal, msg, msglen) != 0)
		return 1;
	if (last->status == LAST_RUN_COMPLETED || last->status == LAST_RUN_ROLLED_BACK ||
	    last->status == LAST_RUN_UNCHANGED) {
		util_err(msg, msglen, "run %s of target '%s' %s: it cannot be resumed", run_id, target,
		    last_run_ended_text(last->status));
		return 1;
	}
	return 0;
}
