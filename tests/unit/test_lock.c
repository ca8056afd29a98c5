/* test_lock.c: lock.h on real files and real processes: a forked child holds a target's lock
 * while the parent is refused (exit-5 message naming the holder); SIGKILL the child and the
 * parent gets the lock and reports the dead holder as stale. A holder that has not written its
 * name yet, torn holder files, escaped target names, last-run records and the gates that turn
 * them into "resume or --abandon". */
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
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "last_run.h"
#include "lock.h"

static char tmpdir[256];
static char sdir[300];                   /* the state directory */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	const char *base = getenv("TMPDIR");
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/hp-lock-XXXXXX", base && base[0] ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(sdir, sizeof(sdir), "%s/.hotplan", tmpdir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void assert_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("expected \"%s\" in \"%s\"", needle, hay);
}

static struct lock_owner owner(const char *run_id)
{
	struct lock_owner me;
	char err[256];
	if (lock_owner_self(&me, run_id, 1764095400000000000LL, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	return me;
}

static char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void lock_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/locks/%s.lock", sdir, name);
}

/* ---- locks ---- */

static void test_lock_basic(void **state)
{
	struct lock_owner me = owner("20261125T183000Z-aaaaaa"), holder;
	struct lock *lk = NULL;
	char msg[512], path[600];
	struct stat sb;
	(void)state;

	assert_int_equal(lock_acquire(sdir, "db1", &me, &lk, &holder, msg, sizeof(msg)), 0);
	assert_non_null(lk);
	assert_string_equal(msg, "");
	assert_string_equal(holder.run_id, "");
	lock_path(path, sizeof(path), "db1");
	char want[512];
	snprintf(want, sizeof(want), "hotplan-lock 1\nrun 20261125T183000Z-aaaaaa\npid %ld\nstarted 1764095400000000000\nhost %s\nend\n",
		 (long)getpid(), me.host);
	assert_string_equal(slurp(path), want);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	snprintf(want, sizeof(want), "%s/locks", sdir);
	assert_int_equal(stat(want, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);

	/* held, even against this same process through another open file */
	struct lock_owner other = owner("20261125T183001Z-bbbbbb");
	struct lock *lk2 = NULL;
	assert_int_equal(lock_acquire(sdir, "db1", &other, &lk2, &holder, msg, sizeof(msg)), 1);
	assert_null(lk2);
	assert_string_equal(holder.run_id, "20261125T183000Z-aaaaaa");
	snprintf(want, sizeof(want), "target 'db1' is locked by run 20261125T183000Z-aaaaaa (pid %ld, started 2025-11-25T18:30:00Z)",
		 (long)getpid());
	assert_string_equal(msg, want);
	/* another target is independent */
	assert_int_equal(lock_acquire(sdir, "db2", &other, &lk2, &holder, msg, sizeof(msg)), 0);
	assert_int_equal(lock_release(lk2, msg, sizeof(msg)), 0);

	/* released cleanly: the file stays, empty; the next run sees no stale holder */
	assert_int_equal(lock_release(lk, msg, sizeof(msg)), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	assert_int_equal(lock_acquire(sdir, "db1", &other, &lk, &holder, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "");
	assert_string_equal(holder.run_id, "");
	assert_int_equal(lock_release(lk, msg, sizeof(msg)), 0);
	assert_int_equal(lock_release(NULL, msg, sizeof(msg)), 0);
}

/* The child: take the lock as run `id`, say 'y' on fd, wait to be killed. No cmocka here. */
static void child_hold(const char *id, int fd)
{
	struct lock_owner me, holder;
	struct lock *lk = NULL;
	char msg[512];
	if (lock_owner_self(&me, id, 1764095400000000000LL, msg, sizeof(msg)) != 0 ||
	    lock_acquire(sdir, "exchange-cluster", &me, &lk, &holder, msg, sizeof(msg)) != 0) {
		dprintf(fd, "n%s", msg);
		_exit(1);
	}
	if (write(fd, "y", 1) != 1)
		_exit(2);
	for (;;)
		pause();
}

static pid_t spawn_holder(const char *id)
{
	int p[2];
	char c = 0;
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		child_hold(id, p[1]);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(c, 'y');
	close(p[0]);
	return pid;
}

static void test_lock_fork_kill(void **state)
{
	const char *cid = "20261125T183000Z-c0ffee";
	struct lock_owner me = owner("20261125T183100Z-000001"), holder;
	struct lock *lk = NULL;
	char msg[512], want[512];
	int st;
	(void)state;

	pid_t pid = spawn_holder(cid);
	assert_int_equal(lock_acquire(sdir, "exchange-cluster", &me, &lk, &holder, msg, sizeof(msg)), 1);
	assert_null(lk);
	assert_string_equal(holder.run_id, cid);
	assert_int_equal(holder.pid, pid);
	assert_true(holder.started_ns == 1764095400000000000LL);
	snprintf(want, sizeof(want), "target 'exchange-cluster' is locked by run %s (pid %ld, started 2025-11-25T18:30:00Z)",
		 cid, (long)pid);
	assert_string_equal(msg, want);

	/* kill -9: the flock dies with the process; the file still names it */
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(lock_acquire(sdir, "exchange-cluster", &me, &lk, &holder, msg, sizeof(msg)), 0);
	assert_non_null(lk);
	assert_string_equal(holder.run_id, cid);
	assert_int_equal(holder.pid, pid);
	snprintf(want, sizeof(want), "stale lock of run %s (pid %ld, no longer running) released", cid, (long)pid);
	assert_string_equal(msg, want);
	char path[600];
	lock_path(path, sizeof(path), "exchange-cluster");
	assert_contains(slurp(path), "run 20261125T183100Z-000001\n");
	assert_int_equal(lock_release(lk, msg, sizeof(msg)), 0);
}

/* The pid of a process that has exited and been reaped. */
static pid_t dead_pid(void)
{
	int st;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return pid;
}

static void test_lock_unnamed_holder(void **state)
{
	struct lock_owner me = owner("20261125T183100Z-000002"), holder;
	struct lock *lk = NULL;
	char msg[512], path[600];
	int p[2], st;
	char c;
	(void)state;

	/* a holder caught between flock and writing its name (or a foreign flock) */
	assert_int_equal(lock_acquire(sdir, "t", &me, &lk, &holder, msg, sizeof(msg)), 0);
	assert_int_equal(lock_release(lk, msg, sizeof(msg)), 0);
	lock_path(path, sizeof(path), "t");
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(path, O_RDWR);
		if (fd < 0 || flock(fd, LOCK_EX) != 0 || write(p[1], "y", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	assert_int_equal(lock_acquire(sdir, "t", &me, &lk, &holder, msg, sizeof(msg)), 1);
	assert_string_equal(holder.run_id, "");
	assert_contains(msg, "target 't' is locked by another run (which has not written its name into ");
	/* ... while the file still names a holder that died: that is not who holds it now */
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "hotplan-lock 1\nrun R0\npid %ld\nstarted 0\nhost %s\nend\n", (long)dead_pid(), me.host);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(lock_acquire(sdir, "t", &me, &lk, &holder, msg, sizeof(msg)), 1);
	assert_string_equal(holder.run_id, "");
	assert_contains(msg, "is locked by another run (which has not written its name into ");
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &st, 0), pid);

	/* a torn holder record left by a run that died while writing it */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("hotplan-lock 1\nrun 20261125T1830", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(lock_acquire(sdir, "t", &me, &lk, &holder, msg, sizeof(msg)), 0);
	assert_contains(msg, "stale lock file ");
	assert_contains(msg, "with an incomplete holder record (a run died while taking it) released");
	assert_int_equal(lock_release(lk, msg, sizeof(msg)), 0);

	/* a holder on another host: its pid means nothing here */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("hotplan-lock 1\nrun R1\npid 1\nstarted 0\nhost elsewhere.example\nend\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(lock_acquire(sdir, "t", &me, &lk, &holder, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "stale lock of run R1 (pid 1 on host elsewhere.example, not holding it) released");
	assert_int_equal(lock_release(lk, msg, sizeof(msg)), 0);
}

static void test_lock_names_and_errors(void **state)
{
	struct lock_owner me = owner("20261125T183100Z-000003"), holder;
	struct lock *lk = NULL;
	char msg[512], path[600];
	(void)state;

	/* any name is a file name inside locks/, never a path */
	static const struct { const char *target, *file; } names[] = {
		{ "../../etc/x", "%2E.%2F..%2Fetc%2Fx" },   /* a leading '.' is escaped */
		{ "a b/c", "a%20b%2Fc" },
		{ ".", "%2E" },
		{ "sim-server_1.lab", "sim-server_1.lab" },
		{ "caf\xc3\xa9", "caf%C3%A9" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(lock_acquire(sdir, names[i].target, &me, &lk, &holder, msg, sizeof(msg)), 0);
		lock_path(path, sizeof(path), names[i].file);
		if (access(path, F_OK) != 0)
			fail_msg("%s: no %s", names[i].target, path);
		assert_int_equal(lock_release(lk, msg, sizeof(msg)), 0);
	}
	assert_int_equal(lock_acquire(sdir, "", &me, &lk, &holder, msg, sizeof(msg)), -1);
	assert_contains(msg, "empty target name");
	char longname[400];
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(lock_acquire(sdir, longname, &me, &lk, &holder, msg, sizeof(msg)), -1);
	assert_contains(msg, "is too long");

	/* the state directory is a file */
	char file[400], bad[500], want[700];
	snprintf(file, sizeof(file), "%s/plain", tmpdir);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	assert_int_equal(fclose(f), 0);
	snprintf(bad, sizeof(bad), "%s/state", file);
	assert_int_equal(lock_acquire(bad, "t", &me, &lk, &holder, msg, sizeof(msg)), -1);
	snprintf(want, sizeof(want), "create directory %s: Not a directory", file);
	assert_string_equal(msg, want);
	assert_null(lk);

	/* the lock file is a directory */
	lock_path(path, sizeof(path), "d");
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(lock_acquire(sdir, "d", &me, &lk, &holder, msg, sizeof(msg)), -1);
	snprintf(want, sizeof(want), "open lock %s: Is a directory", path);
	assert_string_equal(msg, want);

	/* a bad owner is refused */
	struct lock_owner nl = me;
	strcpy(nl.run_id, "a\nb");
	assert_int_equal(lock_acquire(sdir, "t", &nl, &lk, &holder, msg, sizeof(msg)), -1);
	assert_contains(msg, "invalid owner");
}

/* ---- last-run records ---- */

static void test_last(void **state)
{
	struct last_run last, got;
	char err[512], path[600];
	(void)state;

	assert_int_equal(last_run_read(sdir, "db1", &got, err, sizeof(err)), 1);

	memset(&last, 0, sizeof(last));
	strcpy(last.run_id, "20261125T183000Z-3f9a1c");
	snprintf(last.journal, sizeof(last.journal), "%s/runs/20261125T183000Z-3f9a1c.journal", sdir);
	last.status = LAST_RUN_UNFINISHED;
	assert_int_equal(last_run_write(sdir, "db1", &last, true, err, sizeof(err)), 0);
	assert_int_equal(last_run_read(sdir, "db1", &got, err, sizeof(err)), 0);
	assert_string_equal(got.run_id, last.run_id);
	assert_string_equal(got.journal, last.journal);
	assert_int_equal(got.status, LAST_RUN_UNFINISHED);
	assert_true(got.time_ns > 0);

	last.status = LAST_RUN_ROLLED_BACK;
	assert_int_equal(last_run_write(sdir, "db1", &last, true, err, sizeof(err)), 0);
	assert_int_equal(last_run_read(sdir, "db1", &got, err, sizeof(err)), 0);
	assert_int_equal(got.status, LAST_RUN_ROLLED_BACK);
	snprintf(path, sizeof(path), "%s/targets/db1.last.tmp", sdir);
	assert_int_equal(access(path, F_OK), -1);                 /* renamed away */
	snprintf(path, sizeof(path), "%s/targets/db1.last", sdir);
	assert_contains(slurp(path), "status rolled-back\n");
	assert_string_equal(last_run_status_name(LAST_RUN_FAILED), "failed");

	/* without the lock, a fresh temporary: a stale TARGET.last.tmp (another writer's) is left alone */
	snprintf(path, sizeof(path), "%s/targets/db1.last.tmp", sdir);
	FILE *tf = fopen(path, "w");
	assert_non_null(tf);
	fputs("another writer's", tf);
	assert_int_equal(fclose(tf), 0);
	last.status = LAST_RUN_FAILED;
	assert_int_equal(last_run_write(sdir, "db1", &last, false, err, sizeof(err)), 0);
	assert_string_equal(slurp(path), "another writer's");
	assert_int_equal(last_run_read(sdir, "db1", &got, err, sizeof(err)), 0);
	assert_int_equal(got.status, LAST_RUN_FAILED);
	assert_int_equal(last_run_write(sdir, "db1", &last, true, err, sizeof(err)), 0);
	assert_int_equal(access(path, F_OK), -1);                 /* the holder's own, renamed away */
	snprintf(path, sizeof(path), "%s/targets/db1.last", sdir);

	/* refused: a newline would forge a field */
	strcpy(last.journal, "/x\nstatus completed");
	assert_int_equal(last_run_write(sdir, "db1", &last, true, err, sizeof(err)), -1);
	assert_contains(err, "invalid record");

	/* anything but a complete record is malformed, never guessed at */
	static const char *const bad[] = {
		"",
		"hotplan-last 1\nrun R\njournal /j\nstatus unfinished\ntime 1\n",          /* no end */
		"hotplan-last 1\nrun R\njournal /j\nstatus paused\ntime 1\nend\n",
		"hotplan-last 1\nrun R\njournal /j\nstatus failed\nend\n",
		"hotplan-last 1\nrun R\nrun S\njournal /j\nstatus failed\ntime 1\nend\n",
		"hotplan-last 2\nrun R\njournal /j\nstatus failed\ntime 1\nend\n",
		"hotplan-last 1\nrun R\njournal /j\nstatus failed\ntime 1\nend\nextra\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fputs(bad[i], f);
		assert_int_equal(fclose(f), 0);
		assert_int_equal(last_run_read(sdir, "db1", &got, err, sizeof(err)), -1);
		char want[700];
		snprintf(want, sizeof(want), "last-run record %s is malformed", path);
		assert_string_equal(err, want);
	}
}

static void test_gates(void **state)
{
	struct last_run last = { .status = LAST_RUN_UNFINISHED };
	char msg[700];
	(void)state;

	strcpy(last.run_id, "R1");
	strcpy(last.journal, "/srv/.hotplan/runs/R1.journal");

	assert_int_equal(last_run_gate(NULL, "db1", NULL, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "");
	assert_int_equal(last_run_gate(&last, "db1", NULL, msg, sizeof(msg)), 1);
	assert_string_equal(msg, "target 'db1': the last run R1 is unfinished; continue it with "
				 "`hotplan resume /srv/.hotplan/runs/R1.journal`, or give it up with `--abandon R1`");
	last.status = LAST_RUN_FAILED;
	assert_int_equal(last_run_gate(&last, "db1", NULL, msg, sizeof(msg)), 1);
	assert_contains(msg, "failed and a person must look (exit 4)");
	assert_contains(msg, "`hotplan resume /srv/.hotplan/runs/R1.journal`");
	assert_int_equal(last_run_gate(&last, "db1", "R1", msg, sizeof(msg)), 0);
	assert_string_equal(msg, "run R1 (failed, journal /srv/.hotplan/runs/R1.journal) abandoned: it can no longer be resumed");
	assert_int_equal(last_run_gate(&last, "db1", "R0", msg, sizeof(msg)), -1);
	assert_string_equal(msg, "--abandon R0: the unfinished run of target 'db1' is R1, not R0");
	assert_int_equal(last_run_gate(NULL, "db1", "R0", msg, sizeof(msg)), -1);
	last.status = LAST_RUN_COMPLETED;
	assert_int_equal(last_run_gate(&last, "db1", NULL, msg, sizeof(msg)), 0);
	assert_int_equal(last_run_gate(&last, "db1", "R1", msg, sizeof(msg)), -1);
	assert_contains(msg, "has no unfinished run (its last run R1 completed)");
	last.status = LAST_RUN_ROLLED_BACK;
	assert_int_equal(last_run_gate(&last, "db1", NULL, msg, sizeof(msg)), 0);

	/* resume: only the target's last run, only while it is unfinished or failed */
	last.status = LAST_RUN_UNFINISHED;
	assert_int_equal(last_run_resume_gate(&last, "db1", "R1", last.journal, msg, sizeof(msg)), 0);
	last.status = LAST_RUN_FAILED;
	assert_int_equal(last_run_resume_gate(&last, "db1", "R1", last.journal, msg, sizeof(msg)), 0);
	assert_int_equal(last_run_resume_gate(&last, "db1", "R0", last.journal, msg, sizeof(msg)), 1);
	assert_string_equal(msg, "run R0 of target 'db1' was given up or superseded: the target's last run is R1 (failed)");
	assert_int_equal(last_run_resume_gate(NULL, "db1", "R1", last.journal, msg, sizeof(msg)), 1);
	assert_contains(msg, "HOTPLAN_STATE_DIR");
	last.status = LAST_RUN_COMPLETED;
	assert_int_equal(last_run_resume_gate(&last, "db1", "R1", last.journal, msg, sizeof(msg)), 1);
	assert_string_equal(msg, "run R1 of target 'db1' completed: it cannot be resumed");
}

/* One journal per run: the record names its journal by path, device and inode; a copy, or a
 * file put in the original's place, is refused; a record without device and inode (an older
 * hotplan's) is matched by path, and the gate says so. */
static void test_resume_gate_file(void **state)
{
	struct last_run last, got;
	char msg[1200], err[512], j[600], copy[600], other[600];
	(void)state;

	snprintf(j, sizeof(j), "%s/R1.journal", tmpdir);
	snprintf(copy, sizeof(copy), "%s/copy.journal", tmpdir);
	snprintf(other, sizeof(other), "%s/other.journal", tmpdir);
	FILE *f = fopen(j, "w");
	assert_non_null(f);
	assert_int_equal(fclose(f), 0);
	f = fopen(copy, "w");
	assert_non_null(f);
	assert_int_equal(fclose(f), 0);

	assert_int_equal(last_run_make(&last, "R1", j, LAST_RUN_UNFINISHED, err, sizeof(err)), 0);
	assert_true(last.has_file_id);
	assert_int_equal(last_run_write(sdir, "db1", &last, true, err, sizeof(err)), 0);
	assert_int_equal(last_run_read(sdir, "db1", &got, err, sizeof(err)), 0);
	assert_true(got.has_file_id);
	assert_true(got.dev == last.dev && got.ino == last.ino);
	assert_string_equal(got.journal, last.journal);

	assert_int_equal(last_run_resume_gate(&got, "db1", "R1", j, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "");
	/* another path: a copy */
	assert_int_equal(last_run_resume_gate(&got, "db1", "R1", copy, msg, sizeof(msg)), 1);
	assert_contains(msg, "copy.journal is not the journal of run R1");
	assert_contains(msg, "R1.journal; a copy of a journal cannot be resumed");
	/* the same path, another file: the copy moved over the original */
	assert_int_equal(rename(j, other), 0);
	assert_int_equal(rename(copy, j), 0);
	assert_int_equal(last_run_resume_gate(&got, "db1", "R1", j, msg, sizeof(msg)), 1);
	assert_contains(msg, "R1.journal is not the file run R1 started (device ");
	assert_contains(msg, "a journal copied or moved over the original cannot be resumed");
	/* gone */
	assert_int_equal(unlink(j), 0);
	assert_int_equal(last_run_resume_gate(&got, "db1", "R1", j, msg, sizeof(msg)), 1);
	assert_contains(msg, "No such file or directory");
	assert_int_equal(last_run_make(&last, "R1", j, LAST_RUN_UNFINISHED, err, sizeof(err)), -1);
	assert_contains(err, "No such file or directory");

	/* an older record: the path alone, said */
	got.has_file_id = false;
	assert_int_equal(rename(other, j), 0);
	assert_int_equal(last_run_resume_gate(&got, "db1", "R1", j, msg, sizeof(msg)), 0);
	assert_contains(msg, "written by an older hotplan: its journal is matched by its path only");
	assert_int_equal(last_run_write(sdir, "db1", &got, false, err, sizeof(err)), 0);
	char path[600];
	snprintf(path, sizeof(path), "%s/targets/db1.last", sdir);
	assert_null(strstr(slurp(path), "device"));
	assert_int_equal(last_run_read(sdir, "db1", &got, err, sizeof(err)), 0);
	assert_false(got.has_file_id);

	/* device without inode, or a bad number: malformed */
	static const char *const bad[] = {
		"hotplan-last 1\nrun R\njournal /j\nstatus failed\ntime 1\ndevice 5\nend\n",
		"hotplan-last 1\nrun R\njournal /j\nstatus failed\ntime 1\ninode 5\nend\n",
		"hotplan-last 1\nrun R\njournal /j\nstatus failed\ntime 1\ndevice x\ninode 5\nend\n",
		"hotplan-last 1\nrun R\njournal /j\nstatus failed\ntime 1\ndevice 1\ninode 5\ninode 6\nend\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(bad[i], f);
		assert_int_equal(fclose(f), 0);
		assert_int_equal(last_run_read(sdir, "db1", &got, err, sizeof(err)), -1);
		assert_contains(err, "is malformed");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lock_basic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_fork_kill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_unnamed_holder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_names_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_gate_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
