/* bench/floor.c: the physical floor of one `exec` step on `local:`, for bench/run-runtime.sh.
 *
 *   floor -n STEPS -d DIR [-r RUNS] [-b BYTES] [-k APPENDS] [-S] [-m MB]
 *
 * One step is what no runner of a durable, one-command-per-step plan can avoid:
 * fork + exec of `/bin/sh -c /bin/true` and waitpid for it, then two appends of BYTES
 * (default 120) bytes to a file in DIR (O_APPEND, one write each), each followed by
 * fdatasync: the record before the command and the record after it. The file is created
 * new in DIR (the directory the journal goes to, so the same filesystem and the same
 * kind of growing file) and removed at the end. Best of RUNS (default 3) runs of STEPS steps.
 * -k changes the number of appends per step (half before the command, the rest after);
 * -S leaves the command out: the journal's floor alone (for `sim:` on tmpfs, where a step's
 * records are all there is to make durable). -m touches MB megabytes of heap first, so that
 * the process that forks is as large as a runner (does the size of the parent matter?).
 *
 * Prints one line of key=value words (times in microseconds per step) for the script:
 *   floor steps=N runs=R step_us=BEST spawn_us=S sync_us=Y
 * step_us is the best whole run divided by N; spawn_us and sync_us are the best runs of the
 * two halves alone (spawn only; the appends+fdatasync only), for the breakdown.
 *
 * Built by the script with `cc -O2 -o floor bench/floor.c`, not by CMake. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* -m: kept in a volatile global so that the compiler cannot drop the allocation */
static char *volatile ballast;

static void spawn_true(void)
{
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "/bin/true", (char *)NULL);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "floor: /bin/sh -c /bin/true did not exit 0\n");
		exit(1);
	}
}

static void append_sync(int fd, const char *rec, size_t len)
{
	ssize_t w = write(fd, rec, len);
	if (w != (ssize_t)len)
		die("write");
	if (fdatasync(fd) < 0)
		die("fdatasync");
}

/* One run of n steps; what: 3 = both halves, 1 = spawn only, 2 = appends only. Seconds. */
static double one_run(const char *dir, long n, int what, size_t bytes, int appends)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/floor-%ld.tmp", dir, (long)getpid());
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		die(path);
	char rec[2][4096];
	for (int k = 0; k < 2; k++) {
		memset(rec[k], 'a' + k, bytes);
		rec[k][bytes - 1] = '\n';
	}
	double t0 = now();
	for (long i = 0; i < n; i++) {
		int before = (appends + 1) / 2;
		for (int k = 0; (what & 2) && k < before; k++) {
			/* a record that differs from step to step, as a journal's does */
			int m = snprintf(rec[0], 24, "%011ld start", i);
			rec[0][m] = ' ';
			append_sync(fd, rec[0], bytes);
		}
		if (what & 1)
			spawn_true();
		for (int k = before; (what & 2) && k < appends; k++) {
			int m = snprintf(rec[1], 24, "%011ld done", i);
			rec[1][m] = ' ';
			append_sync(fd, rec[1], bytes);
		}
	}
	double t = now() - t0;
	close(fd);
	unlink(path);
	return t;
}

int main(int argc, char **argv)
{
	long n = 0;
	int runs = 3, appends = 2, spawn_on = 1;
	long ballast_mb = 0;
	size_t bytes = 120;
	const char *dir = NULL;
	int c;
	while ((c = getopt(argc, argv, "n:d:r:b:k:Sm:")) != -1) {
		switch (c) {
		case 'n': n = atol(optarg); break;
		case 'd': dir = optarg; break;
		case 'r': runs = atoi(optarg); break;
		case 'b': bytes = (size_t)atol(optarg); break;
		case 'k': appends = atoi(optarg); break;
		case 'S': spawn_on = 0; break;
		case 'm': ballast_mb = atol(optarg); break;
		default:
			fprintf(stderr, "usage: floor -n STEPS -d DIR [-r RUNS] [-b BYTES] [-k APPENDS] [-S] [-m MB]\n");
			return 2;
		}
	}
	if (n <= 0 || dir == NULL || runs <= 0 || bytes < 32 || bytes > 4096 || appends < 0 || appends > 64 ||
	    ballast_mb < 0 || ballast_mb > 4096) {
		fprintf(stderr, "usage: floor -n STEPS -d DIR [-r RUNS] [-b BYTES(32..4096)] [-k APPENDS(0..64)] [-S] "
			"[-m MB(0..4096)]\n");
		return 2;
	}
	if (ballast_mb > 0) {
		size_t len = (size_t)ballast_mb << 20;
		ballast = malloc(len);
		if (ballast == NULL)
			die("malloc");
		memset(ballast, 1, len);   /* touched: resident, and copied-on-write after fork */
	}
	double best = 0, spawn = 0, sync = 0;
	for (int r = 0; r < runs; r++) {
		double t = one_run(dir, n, spawn_on ? 3 : 2, bytes, appends);
		double s = spawn_on ? one_run(dir, n, 1, bytes, appends) : 0;
		double y = spawn_on ? one_run(dir, n, 2, bytes, appends) : t;
		if (r == 0 || t < best)
			best = t;
		if (r == 0 || s < spawn)
			spawn = s;
		if (r == 0 || y < sync)
			sync = y;
	}
	printf("floor steps=%ld runs=%d step_us=%.2f spawn_us=%.2f sync_us=%.2f\n", n, runs, best * 1e6 / (double)n,
	       spawn * 1e6 / (double)n, sync * 1e6 / (double)n);
	return 0;
}
