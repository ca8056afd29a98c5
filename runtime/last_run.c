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
};

const char *last_run_status_name(enum last_run_status status)
{
	if ((unsigned)status < sizeof(status_names) / sizeof(status_names[0]))
		return status_names[status];
	return "?";
}

enum last_run_status last_run_status_of(enum journal_status st)
{
	return st == JOURNAL_STATUS_COMPLETED ? LAST_RUN_COMPLETED
	       : st == JOURNAL_STATUS_ROLLED_BACK ? LAST_RUN_ROLLED_BACK : LAST_RUN_FAILED;
}

int last_run_read(const char *state_dir, const char *target, struct last_run *last,
		  char *err, size_t errlen)
{
	char path[JOURNAL_PATH_MAX], text[TARGET_FILE_TEXT_MAX + 1], status[32], when[32];
	size_t len;
	int fd;
	struct target_file_kv kv[] = {
		{ "run", last->run_id, sizeof(last->run_id), false },
		{ "journal", last->journal, sizeof(last->journal), false },
		{ "status", status, sizeof(status), false },
		{ "time", when, sizeof(when), false },
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
	if (i == sizeof(status_names) / sizeof(status_names[0]) || !target_file_i64(when, &last->time_ns)) {
		memset(last, 0, sizeof(*last));
		return util_err(err, errlen, "last-run record %s is malformed", path);
	}
	last->status = (enum last_run_status)i;
	return 0;
}

int last_run_write(const char *state_dir, const char *target, const struct last_run *last,
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
	n = snprintf(text, TARGET_FILE_TEXT_MAX, LAST_MAGIC "\nrun %s\njournal %s\nstatus %s\ntime %" PRId64 "\nend\n",
		     last->run_id, last->journal, status_names[last->status], journal_now_ns());
	if (n < 0 || n >= TARGET_FILE_TEXT_MAX) {
		free(text);
		return util_err(err, errlen, "write last-run record %s: too long", path);
	}
	/* The tmp name is fixed: the caller holds the target's lock, so no one else writes it. */
	rc = util_replace(path, text, (size_t)n, 0600, UTIL_DURABLE | UTIL_FIXED_TMP, why, sizeof(why));
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
				    abandon, target, last->run_id,
				    last->status == LAST_RUN_COMPLETED ? "completed" : "was rolled back");
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

int last_run_resume_gate(const struct last_run *last, const char *target, const char *run_id,
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
	if (last->status == LAST_RUN_COMPLETED || last->status == LAST_RUN_ROLLED_BACK) {
		util_err(msg, msglen, "run %s of target '%s' %s: it cannot be resumed", run_id, target,
		    last->status == LAST_RUN_COMPLETED ? "completed" : "was rolled back");
		return 1;
	}
	return 0;
}
