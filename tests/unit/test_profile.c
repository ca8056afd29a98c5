/* test_profile.c: profiles (profile.h, the grammar's `profile` block): parsing (keys of
 * keywords, both entry forms, recovery, a profile-only file), compiling (every shipped
 * profile; every error with its position), rendering and quoting (sh: every byte through a
 * real /bin/sh; cmd: quotes, backslashes, refusals), `$${`, raw values, durations, the
 * search path and the lookup by name. */
#define _GNU_SOURCE /* nftw, mkdtemp */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctx.h"
#include "parse.h"
#include "profile.h"

static char tmpdir[256];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/hp-profile-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

static const char *src_dir(void)
{
	const char *d = getenv("HOTPLAN_SOURCE_DIR");
	return d ? d : ".";
}

static struct ast_file *parse_str(struct hp_ctx *ctx, const char *text)
{
	struct ast_file *f = parse_buffer(ctx, "test.hplan", text, strlen(text));
	assert_non_null(f);
	return f;
}

static const struct ast_profile_entry *entry(const struct ast_profile *p, const char *key)
{
	for (const struct ast_profile_entry *e = p->entries; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	fail_msg("no entry `%s`", key);
	return NULL;
}

/* Compile the only profile of `text`; -1 with err on failure. */
static int compile_str(struct hp_ctx *ctx, const char *text, struct profile **p, char *err, size_t len)
{
	struct ast_file *f = parse_str(ctx, text);
	assert_int_equal(ctx->diags.n, 0);
	assert_non_null(f->profiles);
	return profile_compile(ctx, f->profiles, p, err, len);
}

/* ---- the grammar ---- */

static void test_parse(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	struct ast_file *f = parse_str(&ctx,
		"# a profile beside a plan and a target\n"
		"profile \"p1\" {\n"
		"    shell \"cmd\"\n"
		"    stop service = \"net stop ${service}\"\n"
		"    disable restart of resource = \"x ${resource}\"\n"
		"    probe service running = \"sc query ${service} | find \\\"RUNNING\\\"\"\n"
		"    if for not step plan target profile = \"keywords are words\"\n"
		"}\n"
		"target t standalone { profile \"p1\" node \"n\" { profile \"p2\" } }\n"
		"profile \"p2\" { }\n"
		"plan x { procedure standalone { step s { exec \"true\" } } }\n");
	assert_int_equal(ctx.diags.n, 0);
	const struct ast_profile *p = f->profiles;
	assert_non_null(p);
	assert_string_equal(p->name.s, "p1");
	assert_string_equal(entry(p, "shell")->value, "cmd");
	assert_string_equal(entry(p, "stop service")->value, "net stop ${service}");
	assert_string_equal(entry(p, "disable restart of resource")->value, "x ${resource}");
	assert_string_equal(entry(p, "probe service running")->value, "sc query ${service} | find \"RUNNING\"");
	assert_non_null(entry(p, "if for not step plan target profile"));
	/* locations: the key from its first word to its last */
	const struct ast_profile_entry *e = entry(p, "stop service");
	assert_int_equal(e->key_loc.end - e->key_loc.start, strlen("stop service"));
	assert_non_null(p->next);
	assert_string_equal(p->next->name.s, "p2");
	assert_null(p->next->entries);
	/* `profile` inside a target is still its item */
	assert_non_null(f->targets);
	assert_int_equal(f->targets->items->kind, TI_PROFILE);
	assert_string_equal(f->targets->items->str, "p1");
	assert_string_equal(f->targets->nodes->items->str, "p2");
	assert_non_null(f->plans);
	ctx_free(&ctx);
}

static void test_parse_alone_and_errors(void **state)
{
	(void)state;
	struct hp_ctx ctx;

	/* a file with only a profile is a file */
	ctx_init(&ctx);
	parse_str(&ctx, "profile \"only\" { exec = \"${command}\" }\n");
	assert_int_equal(ctx.diags.n, 0);
	ctx_free(&ctx);

	/* a bad entry is reported; the ones after it still parse */
	ctx_init(&ctx);
	struct ast_file *f = parse_str(&ctx, "profile \"p\" {\n  stop service = 5\n  start service = \"ok\"\n}\n");
	assert_int_equal(ctx.diags.n, 1);
	assert_int_equal(ctx.diags.v[0]->rule, HP001);
	assert_non_null(f->profiles);
	assert_string_equal(entry(f->profiles, "start service")->value, "ok");
	ctx_free(&ctx);

	/* an unclosed profile says where it was opened */
	ctx_init(&ctx);
	parse_str(&ctx, "\nprofile \"p\" {\n  stop service = \"x\"\n");
	assert_int_equal(ctx.diags.n, 1);
	assert_non_null(strstr(ctx.diags.v[0]->message, "missing `}` to close `profile` opened at line 2"));
	ctx_free(&ctx);

	/* a profile's name is a string */
	ctx_init(&ctx);
	f = parse_str(&ctx, "profile p { stop service = \"x\" }\nprofile \"q\" { }\n");
	assert_int_equal(ctx.diags.n, 1);
	assert_non_null(f->profiles);
	assert_string_equal(f->profiles->name.s, "q");
	ctx_free(&ctx);

	/* `not`s and `(`s in keys count for nothing: no "nesting too deep" */
	ctx_init(&ctx);
	char big[8192];
	size_t o = (size_t)snprintf(big, sizeof(big), "profile \"deep\" {\n");
	for (int i = 0; i < 100; i++)
		o += (size_t)snprintf(big + o, sizeof(big) - o, " not");
	snprintf(big + o, sizeof(big) - o, " = \"x\"\n}\n");
	parse_str(&ctx, big);
	assert_int_equal(ctx.diags.n, 0);
	ctx_free(&ctx);
}

/* ---- compiling ---- */

static void test_shipped(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	char err[2048];
	const char *dirs[1];
	char dir[1024];
	const struct profile *p;

	ctx_init(&ctx);
	snprintf(dir, sizeof(dir), "%s/plans/profiles", src_dir());
	dirs[0] = dir;
	assert_int_equal(profile_find(&ctx, "windows-2003", NULL, dirs, 1, &p, err, sizeof(err)), 0);
	assert_int_equal(p->shell, PROFILE_CMD);
	assert_string_equal(p->cmd[PK_KILL_PROCESS], "taskkill /f /im ${process}");
	assert_string_equal(p->cmd[PK_STOP_SERVICE], "net stop ${service}");
	assert_string_equal(p->cmd[PK_RESTART_NODE], "shutdown /r /t 0");
	assert_string_equal(p->cmd[PK_MOVE_GROUP], "cluster group ${group} /move:${to}");
	assert_string_equal(p->cmd[PK_DISABLE_RESTART], "cluster res ${resource} /prop RestartAction=0");
	assert_string_equal(p->cmd[PK_ENABLE_RESTART], "cluster res ${resource} /prop RestartAction=2");
	assert_int_equal(profile_find(&ctx, "windows-2000", NULL, dirs, 1, &p, err, sizeof(err)), 0);
	assert_string_equal(p->cmd[PK_KILL_PROCESS], "kill -f ${process}");
	assert_int_equal(profile_find(&ctx, "linux-systemd", NULL, dirs, 1, &p, err, sizeof(err)), 0);
	assert_int_equal(p->shell, PROFILE_SH);
	assert_non_null(strstr(p->cmd[PK_STOP_SERVICE], "systemctl stop"));
	assert_non_null(strstr(p->cmd[PK_KILL_PROCESS], "pkill -KILL -x"));
	/* posix-test has every key, so that every action and probe changes or reads real things */
	assert_int_equal(profile_find(&ctx, "posix-test", NULL, dirs, 1, &p, err, sizeof(err)), 0);
	for (int k = 0; k < PK_COUNT; k++)
		if (p->cmd[k] == NULL)
			fail_msg("posix-test has no `%s`", profile_key_name((enum profile_key)k));
	assert_true(p->timeout_ns == 120LL * 1000000000LL);
	assert_true(p->probe_timeout_ns == 30LL * 1000000000LL);
	/* every shipped profile covers every action (and windows/linux every probe) */
	const char *names[] = { "windows-2000", "windows-2003", "linux-systemd" };
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(profile_find(&ctx, names[i], NULL, dirs, 1, &p, err, sizeof(err)), 0);
		for (int k = 0; k < PK_COUNT; k++)
			if (p->cmd[k] == NULL && k != PK_EXEC && !(k == PK_PROBE_UP && p->shell == PROFILE_CMD))
				fail_msg("%s has no `%s`", names[i], profile_key_name((enum profile_key)k));
	}
	ctx_free(&ctx);
}

static void expect_error(const char *text, const char *want)
{
	struct hp_ctx ctx;
	struct profile *p = NULL;
	char err[1024] = "";
	ctx_init(&ctx);
	if (compile_str(&ctx, text, &p, err, sizeof(err)) == 0)
		fail_msg("compiled: %s", text);
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" does not say \"%s\"", err, want);
	ctx_free(&ctx);
}

static void test_compile_errors(void **state)
{
	(void)state;
	expect_error("profile \"p\" {\n  stop services = \"x\"\n}\n",
		     "test.hplan:2:3: profile 'p': unknown key `stop services`");
	expect_error("profile \"p\" {\n  stop service = \"net stop ${svc}\"\n}\n",
		     "test.hplan:2:18: profile 'p': `stop service` uses ${svc}, which it does not know (it knows ${service}, "
		     "${process}, ${node}, ${sandbox} and ${fact.PATH})");
	expect_error("profile \"p\" { kill process = \"x ${service} ${group}\" }", "uses ${group}");
	expect_error("profile \"p\" { restart node = \"x ${fact.}\" }", "uses ${fact.}");
	expect_error("profile \"p\" { restart node = \"x ${fact..a}\" }", "uses ${fact..a}");
	expect_error("profile \"p\" { restart node = \"x ${node\" }", "`restart node`: `${` with no `}` after it");
	expect_error("profile \"p\" {\n stop service = \"a\"\n stop service = \"b\"\n}",
		     "test.hplan:3:2: profile 'p': `stop service` given twice (first at test.hplan:2:2)");
	expect_error("profile \"p\" { shell \"bash\" }", "unknown shell \"bash\" (expected \"sh\" or \"cmd\")");
	expect_error("profile \"p\" { shell \"sh\" shell = \"cmd\" }", "`shell` given twice");
	expect_error("profile \"p\" { timeout \"15\" }", "`timeout` \"15\" is not a duration");
	expect_error("profile \"p\" { probe timeout \"0s\" }", "`probe timeout` \"0s\" is not a duration");
	expect_error("profile \"p\" { exec = \"\" }", "`exec` is empty");

	/* what is allowed: the common variables, facts, $${ and a lone $ */
	struct hp_ctx ctx;
	struct profile *p = NULL;
	char err[1024] = "";
	ctx_init(&ctx);
	assert_int_equal(compile_str(&ctx,
				     "profile \"ok\" { restart node = \"x ${node} ${sandbox} ${fact.a.b_c.D9} $${nope} $HOME $\"\n"
				     " timeout \"90s\" probe timeout \"2h\" }",
				     &p, err, sizeof(err)),
			 0);
	assert_true(p->timeout_ns == 90LL * 1000000000LL);
	assert_true(p->probe_timeout_ns == 7200LL * 1000000000LL);
	assert_int_equal(p->shell, PROFILE_SH);
	ctx_free(&ctx);
}

/* ---- rendering ---- */

/* What /bin/sh makes of `printf %s LINE-ARG`. */
/* `cluster "pacemaker"`: its status answers the owner and member probes; the shipped
 * pacemaker profile and its lab twin compile; every way to get it wrong is an error. */
static void test_cluster(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	struct profile *p = NULL;
	char err[1024] = "";
	ctx_init(&ctx);
	assert_int_equal(compile_str(&ctx,
				     "profile \"c\" {\n"
				     "    cluster \"pacemaker\"\n"
				     "    probe cluster status = \"crm_mon -1 --output-as=xml\"\n"
				     "    probe cluster config = \"cibadmin -Q -H ${fact.cib.host}\"\n"
				     "    move group = \"crm_resource --move --resource ${group} --node ${to}\"\n"
				     "}\n",
				     &p, err, sizeof(err)),
			 0);
	assert_int_equal(p->cluster, PROFILE_CLUSTER_PACEMAKER);
	assert_string_equal(p->cluster_status, "crm_mon -1 --output-as=xml");
	assert_string_equal(p->cluster_config, "cibadmin -Q -H ${fact.cib.host}");
	assert_true(p->from_status[PK_PROBE_OWNER] && p->from_status[PK_PROBE_MEMBER]);
	assert_string_equal(p->cmd[PK_PROBE_OWNER], p->cluster_status);
	assert_string_equal(p->cmd[PK_PROBE_MEMBER], p->cluster_status);
	assert_false(p->from_status[PK_MOVE_GROUP] || p->from_status[PK_PROBE_SERVICE]);
	ctx_free(&ctx);

	ctx_init(&ctx);
	const char *dirs[] = { NULL };
	char path[1024];
	snprintf(path, sizeof(path), "%s/plans/profiles", src_dir());
	dirs[0] = path;
	const struct profile *cp = NULL;
	assert_int_equal(profile_find(&ctx, "pacemaker", NULL, dirs, 1, &cp, err, sizeof(err)), 0);
	assert_int_equal(cp->cluster, PROFILE_CLUSTER_PACEMAKER);
	assert_non_null(cp->cluster_config);
	snprintf(path, sizeof(path), "%s/tests/cluster", src_dir());
	assert_int_equal(profile_find(&ctx, "pacemaker-lab", NULL, dirs, 1, &cp, err, sizeof(err)), 0);
	assert_int_equal(cp->cluster, PROFILE_CLUSTER_PACEMAKER);
	ctx_free(&ctx);

	expect_error("profile \"c\" { cluster \"heartbeat\" }", "unknown cluster \"heartbeat\" (expected \"pacemaker\")");
	expect_error("profile \"c\" { cluster \"pacemaker\" cluster \"pacemaker\" probe cluster status \"x\" }",
		     "`cluster` given twice");
	expect_error("profile \"c\" { cluster \"pacemaker\" }", "needs `probe cluster status`");
	expect_error("profile \"c\" { probe cluster status = \"crm_mon\" }", "`probe cluster status` needs `cluster");
	expect_error("profile \"c\" { probe cluster config = \"cibadmin -Q\" }", "`probe cluster config` needs `cluster");
	expect_error("profile \"c\" { cluster \"pacemaker\" probe cluster status = \"crm_mon ${group}\" }",
		     "`probe cluster status` uses ${group}, which it does not know");
	expect_error("profile \"c\" { cluster \"pacemaker\" probe cluster status = \"a\" probe cluster status = \"b\" }",
		     "`probe cluster status` given twice");
	expect_error("profile \"c\" { cluster \"pacemaker\" probe cluster status = \"\" }", "is empty");
	expect_error("profile \"c\" { cluster \"pacemaker\" probe cluster status = \"a\" probe group owner = \"b\" }",
		     "`probe group owner`: a `cluster` profile answers it from `probe cluster status`");
}

static char *sh_printf(const char *quoted, size_t *len)
{
	char *cmd = NULL;
	assert_true(asprintf(&cmd, "printf %%s %s", quoted) > 0);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (dup2(fds[1], 1) < 0)
			_exit(126);
		close(fds[0]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	size_t cap = 4096, n = 0;
	char *out = malloc(cap);
	assert_non_null(out);
	ssize_t k;
	while ((k = read(fds[0], out + n, cap - n)) > 0) {
		n += (size_t)k;
		if (n == cap) {
			char *bigger = realloc(out, cap *= 2);
			assert_non_null(bigger);
			out = bigger;
		}
	}
	close(fds[0]);
	int st;
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	free(cmd);
	*len = n;
	return out;
}

/* `action NAME` and `probe state NAME [from cluster]`: parsed, looked up, and their errors */
static void test_declared(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	ctx_init(&ctx);
	struct profile *p = NULL;
	char err[512] = "";
	int rc = compile_str(&ctx,
			     "profile \"p\" {\n"
			     "  action drain = \"drainctl ${n}\"\n"
			     "  probe state gate = \"cat /gate\"\n"
			     "  cluster \"pacemaker\"\n"
			     "  probe cluster status = \"crm_mon -1 --output-as=xml\"\n"
			     "  probe state quorum from cluster = \"quorum\"\n"
			     "}\n",
			     &p, err, sizeof(err));
	assert_int_equal(rc, 0);
	assert_int_equal(p->nactions, 1);
	assert_int_equal(p->nstates, 2);
	const struct profile_named *a = profile_action(p, "drain");
	assert_non_null(a);
	assert_string_equal(a->cmd, "drainctl ${n}");
	assert_false(a->from_cluster);
	assert_null(profile_action(p, "undrain"));
	assert_null(profile_state(p, "drain"));
	const struct profile_named *q = profile_state(p, "quorum");
	assert_non_null(q);
	assert_true(q->from_cluster);
	assert_string_equal(q->cmd, "quorum");
	assert_false(profile_state(p, "gate")->from_cluster);
	ctx_free(&ctx);

	expect_error("profile \"p\" {\n action a = \"x\"\n action a = \"y\"\n}",
		     "test.hplan:3:2: profile 'p': `action a` given twice (first at test.hplan:2:2)");
	expect_error("profile \"p\" { action = \"x\" }", "unknown key `action`");
	expect_error("profile \"p\" { action a b = \"x\" }", "`action a b`: expected `action NAME`");
	expect_error("profile \"p\" { probe state s of node = \"x\" }", "expected `probe state NAME`");
	expect_error("profile \"p\" { action a = \"\" }", "`action a` is empty");
	expect_error("profile \"p\" { probe state s = \"x ${n\" }", "`probe state s`: `${` with no `}` after it");
	expect_error("profile \"p\" { probe state s from cluster = \"quorum\" }",
		     "`probe state s from cluster` needs `cluster \"pacemaker\"`");
	expect_error("profile \"p\" { cluster \"pacemaker\" probe cluster status = \"x\" "
		     "probe state s from cluster = \"votes\" }", "unknown reader \"votes\"");
}

static void test_quote_sh(void **state)
{
	(void)state;
	struct arena a = { 0 };
	char err[256];
	char all[256];
	for (int i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	const char *values[] = {
		"", "plain", "it's", "'", "''", "\"", "a b", "$(touch /tmp/x)", "`id`", "a;b&c|d", "\\", "\n", "x\ny",
		"${HOME}", "$HOME", "*", "~root", "-n", "%s", all,
	};
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		const char *q = profile_quote(&a, PROFILE_SH, values[i], err, sizeof(err));
		assert_non_null(q);
		size_t n;
		char *out = sh_printf(q, &n);
		assert_int_equal(n, strlen(values[i]));
		assert_memory_equal(out, values[i], n);
		free(out);
	}
	arena_free(&a);
}

static void test_quote_cmd(void **state)
{
	(void)state;
	struct arena a = { 0 };
	char err[256];
	assert_string_equal(profile_quote(&a, PROFILE_CMD, "store.exe", err, sizeof(err)), "\"store.exe\"");
	assert_string_equal(profile_quote(&a, PROFILE_CMD, "", err, sizeof(err)), "\"\"");
	assert_string_equal(profile_quote(&a, PROFILE_CMD, "a & b | c > d ^ (e)", err, sizeof(err)),
			    "\"a & b | c > d ^ (e)\"");
	assert_string_equal(profile_quote(&a, PROFILE_CMD, "C:\\dir\\", err, sizeof(err)), "\"C:\\dir\\\\\"");
	assert_string_equal(profile_quote(&a, PROFILE_CMD, "C:\\a\\\\", err, sizeof(err)), "\"C:\\a\\\\\\\\\"");
	const char *bad[] = { "a\"b", "100%", "%PATH%", "hi!", "a\nb", "a\rb", "\x1b[0m", "\x7f" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_null(profile_quote(&a, PROFILE_CMD, bad[i], err, sizeof(err)));
		assert_non_null(strstr(err, "which cmd cannot take literally"));
	}
	arena_free(&a);
}

static void test_subst(void **state)
{
	(void)state;
	struct arena a = { 0 };
	char err[512];
	struct profile_var v[] = {
		{ "service", "MSExchangeIS", false },
		{ "store", "First Storage Group/Mailbox Store", false },
		{ "args", "/quiet /norestart", true },
		{ "empty", NULL, false },
	};
	assert_string_equal(profile_subst_vars(&a, PROFILE_SH, "systemctl stop ${service}", v, 4, err, sizeof(err)),
			    "systemctl stop 'MSExchangeIS'");
	assert_string_equal(profile_subst_vars(&a, PROFILE_CMD, "x ${store} ${args}", v, 4, err, sizeof(err)),
			    "x \"First Storage Group/Mailbox Store\" /quiet /norestart");
	assert_string_equal(profile_subst_vars(&a, PROFILE_SH, "[${empty}]", v, 4, err, sizeof(err)), "['']");
	assert_string_equal(profile_subst_vars(&a, PROFILE_SH, "$${service} $HOME $ $$ ${service}$", v, 4, err,
					       sizeof(err)),
			    "${service} $HOME $ $$ 'MSExchangeIS'$");
	assert_string_equal(profile_subst_vars(&a, PROFILE_SH, "", v, 4, err, sizeof(err)), "");
	assert_null(profile_subst_vars(&a, PROFILE_SH, "x ${nope}", v, 4, err, sizeof(err)));
	assert_string_equal(err, "unknown variable ${nope}");
	assert_null(profile_subst_vars(&a, PROFILE_SH, "x ${service", v, 4, err, sizeof(err)));
	assert_string_equal(err, "`${` with no `}` after it");
	struct profile_var q[] = { { "v", "say \"hi\"", false } };
	assert_null(profile_subst_vars(&a, PROFILE_CMD, "echo ${v}", q, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "cmd cannot take literally"));
	arena_free(&a);
}

#define SEEN_SIZE 256

static int count_var(void *ud, const char *name, size_t len)
{
	char *seen = ud;   /* SEEN_SIZE bytes */
	size_t o = strlen(seen);
	snprintf(seen + o, SEEN_SIZE - o, "%.*s,", (int)len, name);
	return 0;
}

static void test_each_var_and_durations(void **state)
{
	(void)state;
	char seen[SEEN_SIZE] = "", err[128];
	assert_int_equal(profile_each_var("a ${x} $${y} ${fact.z} $w ${}", count_var, seen, err, sizeof(err)), 0);
	assert_string_equal(seen, "x,fact.z,,");
	assert_int_equal(profile_each_var("a ${x", count_var, seen, err, sizeof(err)), -1);
	assert_true(profile_duration_ns("90s") == 90LL * 1000000000LL);
	assert_true(profile_duration_ns("15m") == 900LL * 1000000000LL);
	assert_true(profile_duration_ns("2h") == 7200LL * 1000000000LL);
	const char *bad[] = { "", "s", "15", "15x", "-1s", "1.5m", "15ms", "99999999999h", " 1s" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_true(profile_duration_ns(bad[i]) == -1);
}

/* ---- finding profiles ---- */

static void test_search_path(void **state)
{
	(void)state;
	struct arena a = { 0 };
	const char **d = NULL;
	setenv("HOTPLAN_PROFILE_PATH", "/one::/two", 1);
	unsigned n = profile_search_path(&a, "x/y/plan.hplan", &d);
	assert_int_equal(n, 6);
	assert_string_equal(d[0], "/one");
	assert_string_equal(d[1], "/two");
	assert_string_equal(d[2], "x/y/profiles");
	assert_string_equal(d[3], "x/y/plans/profiles");
	assert_string_equal(d[4], "./plans/profiles");
	assert_non_null(strstr(d[5], "share/hotplan/profiles"));
	unsetenv("HOTPLAN_PROFILE_PATH");
	n = profile_search_path(&a, "plan.hplan", &d);
	assert_int_equal(n, 3);   /* ./plans/profiles once */
	assert_string_equal(d[0], "./profiles");
	assert_string_equal(d[1], "./plans/profiles");
	assert_true(profile_search_path(&a, "/plan.hplan", &d) >= 1);
	assert_string_equal(d[0], "/profiles");
	arena_free(&a);
}

static void test_find(void **state)
{
	(void)state;
	struct hp_ctx ctx;
	char err[2048], d1[512], d2[512], path[600];
	const struct profile *p = NULL;
	snprintf(d1, sizeof(d1), "%s/first", tmpdir);
	snprintf(d2, sizeof(d2), "%s/second", tmpdir);
	mkdir(d1, 0700);
	mkdir(d2, 0700);
	snprintf(path, sizeof(path), "%s/site.hplan", d2);
	write_file(path, "profile \"site\" { stop service = \"two ${service}\" }\n");
	snprintf(path, sizeof(path), "%s/other.hplan", d1);
	write_file(path, "profile \"else\" { }\n");
	snprintf(path, sizeof(path), "%s/broken.hplan", d1);
	write_file(path, "profile \"broken\" { stop service = }\n");
	snprintf(path, sizeof(path), "%s/badkey.hplan", d1);
	write_file(path, "profile \"badkey\" { stop servce = \"x\" }\n");
	const char *dirs[] = { d1, d2 };

	ctx_init(&ctx);
	assert_int_equal(profile_find(&ctx, "site", NULL, dirs, 2, &p, err, sizeof(err)), 0);
	assert_string_equal(p->cmd[PK_STOP_SERVICE], "two ${service}");
	assert_non_null(strstr(p->where, "second/site.hplan:1:"));
	/* the first directory that has the file wins */
	snprintf(path, sizeof(path), "%s/site.hplan", d1);
	write_file(path, "profile \"site\" { stop service = \"one ${service}\" }\n");
	assert_int_equal(profile_find(&ctx, "site", NULL, dirs, 2, &p, err, sizeof(err)), 0);
	assert_string_equal(p->cmd[PK_STOP_SERVICE], "one ${service}");
	/* the inventory's blocks come first */
	struct ast_file *inv = parse_str(&ctx, "profile \"site\" { stop service = \"local ${service}\" }\n");
	assert_int_equal(profile_find(&ctx, "site", inv->profiles, dirs, 2, &p, err, sizeof(err)), 0);
	assert_string_equal(p->cmd[PK_STOP_SERVICE], "local ${service}");
	/* not found: where it looked */
	assert_int_equal(profile_find(&ctx, "nope", NULL, dirs, 2, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "profile 'nope' not found (looked in the inventory and in"));
	assert_non_null(strstr(err, d1));
	assert_non_null(strstr(err, d2));
	/* a file that does not define it */
	assert_int_equal(profile_find(&ctx, "other", NULL, dirs, 2, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "does not define `profile \"other\"`"));
	/* names are not paths */
	const char *bad[] = { "../first/site", "a/b", ".hidden", "", "-x", "a b" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(profile_find(&ctx, bad[i], NULL, dirs, 2, &p, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "a profile's name is letters, digits"));
	}
	/* a profile with errors */
	unsigned before = ctx.diags.n;
	assert_int_equal(profile_find(&ctx, "broken", NULL, dirs, 2, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "broken.hplan has errors"));
	assert_true(ctx.diags.n > before);
	assert_int_equal(profile_find(&ctx, "badkey", NULL, dirs, 2, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "badkey.hplan:1:20: profile 'badkey': unknown key `stop servce`"));
	ctx_free(&ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_alone_and_errors),
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_compile_errors),
		cmocka_unit_test(test_cluster),
		cmocka_unit_test(test_declared),
		cmocka_unit_test(test_quote_sh),
		cmocka_unit_test(test_quote_cmd),
		cmocka_unit_test(test_subst),
		cmocka_unit_test(test_each_var_and_durations),
		cmocka_unit_test(test_search_path),
		cmocka_unit_test_setup_teardown(test_find, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
