/* main.c: the hotplan command line (SPEC section 5): argument parsing and dispatch.
 * Nothing clever: each command parses its options, calls the compiler, picks the exit code. */
#include <errno.h>
#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "check.h"
#include "ctx.h"
#include "diag.h"
#include "explain.h"
#include "graph.h"
#include "parse.h"
#include "rules.h"
#include "util.h"

#include "cli.h"

/* ---- options ---- */

static const struct optdef {
	const char *name;    /* as written on the command line */
	unsigned flag;
	bool arg;            /* takes a value: `--name VALUE` or `--name=VALUE` */
} optdefs[] = {
	{ "--help", O_HELP, false },
	{ "-h", O_HELP, false },
	{ "--format", O_FORMAT, true },
	{ "-Werror", O_WERROR, false },
	{ "--kind", O_KIND, true },
	{ "--inventory", O_INVENTORY, true },
	{ "--target", O_TARGET, true },
	{ "--set", O_SET, true },
	{ "--dry-run", O_DRY_RUN, false },
	{ "--yes", O_YES, false },
	{ "--journal", O_JOURNAL, true },
	{ "--abandon", O_ABANDON, true },
	{ "--fail-at", O_FAIL_AT, true },
	{ "--pace", O_PACE, true },
	{ "--log", O_LOG, true },
	{ "-o", O_OUTPUT, true },
	{ "--output", O_OUTPUT, true },
	{ "--emit", O_EMIT, true },
	{ "--check", O_CHECK, false },
	{ "-w", O_WRITE, false },
	{ "--accept-changed", O_ACCEPT, true },
	{ "--wait-commands", O_WAIT, true },
	{ "--set-file", O_SET_FILE, true },
	{ "--holder", O_HOLDER, true },
	{ "--targets", O_FLEET, true },
	{ "--parallel", O_FLEET, true },
	{ "--max-failures", O_FLEET, true },
	{ "--report", O_FLEET, true },
};

struct command {
	const char *name;
	const char *summary;         /* for the command list */
	const char *usage;           /* "Usage: …" lines */
	const char *body;            /* the rest of COMMAND --help */
	unsigned opts;               /* the options it takes */
	int (*run)(const struct args *a);   /* NULL: not in this build */
};

/* Parse argv[0..argc) (the words after the command name) getopt_long-style: options may
 * come before or after operands, `--name=VALUE` and `--name VALUE` are the same, `--`
 * ends the options. Operands are gathered at the front of argv. Returns 0, or EXIT_USAGE
 * after printing why. `--help` stops parsing at once. */
static int parse_args(const struct command *cmd, int argc, char **argv, struct args *a)
{
	bool opts_done = false;

	memset(a, 0, sizeof(*a));
	a->pos = argv;
	for (int i = 0; i < argc; i++) {
		char *w = argv[i];
		if (opts_done || w[0] != '-' || w[1] == '\0') {
			a->pos[a->npos++] = w;
			continue;
		}
		if (strcmp(w, "--") == 0) {
			opts_done = true;
			continue;
		}
		const char *eq = strncmp(w, "--", 2) == 0 ? strchr(w, '=') : NULL;
		size_t n = eq ? (size_t)(eq - w) : strlen(w);
		const struct optdef *o = NULL;
		for (size_t k = 0; k < sizeof(optdefs) / sizeof(optdefs[0]); k++)
			if ((optdefs[k].flag & cmd->opts) && strlen(optdefs[k].name) == n &&
			    strncmp(optdefs[k].name, w, n) == 0)
				o = &optdefs[k];
		if (o == NULL)
			return usage_error(cmd->name, "unknown option '%s'", w);
		const char *val = NULL;
		if (o->arg) {
			if (eq != NULL)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return usage_error(cmd->name, "option '%s' needs a value", o->name);
		} else if (eq != NULL) {
			return usage_error(cmd->name, "option '%s' takes no value", o->name);
		}
		switch (o->flag) {
		case O_HELP:
			a->help = true;
			return 0;
		case O_FORMAT:
			a->format = val;
			break;
		case O_WERROR:
			a->werror = true;
			break;
		case O_KIND:
			a->kind = val;
			break;
		case O_INVENTORY:
			a->inventory = val;
			break;
		case O_TARGET:
			a->target = val;
			break;
		case O_SET:
			if (a->nsets < CLI_MAX_SETS)
				a->sets[a->nsets++] = val;
			else
				return usage_error(cmd->name, "more than %s --set options", "256");
			break;
		case O_ACCEPT:
			if (a->naccepts == CLI_MAX_SETS)
				return usage_error(cmd->name, "more than %s --accept-changed options", "256");
			a->accepts[a->naccepts++] = val;
			break;
		case O_WAIT:
			a->wait = val;
			break;
		case O_HOLDER:
			a->holder = val;
			break;
		case O_SET_FILE:
			if (a->nset_files == CLI_MAX_SETS)
				return usage_error(cmd->name, "more than %s --set-file options", "256");
			a->set_files[a->nset_files++] = val;
			break;
		case O_FLEET:
			*(o->name[2] == 't' ? &a->targets : o->name[2] == 'p' ? &a->parallel
				: o->name[2] == 'm' ? &a->max_failures : &a->report) = val;
			break;
		case O_DRY_RUN:
			a->dry_run = true;
			break;
		case O_YES:
			a->yes = true;
			break;
		case O_JOURNAL:
			a->journal = val;
			break;
		case O_ABANDON:
			a->abandon = val;
			break;
		case O_FAIL_AT:
			a->fail_at = val;
			break;
		case O_PACE:
			a->pace = val;
			break;
		case O_LOG:
			a->log = val;
			break;
		case O_OUTPUT:
			a->output = val;
			break;
		case O_EMIT:
			a->emit = val;
			break;
		case O_CHECK:
			a->check = true;
			break;
		case O_WRITE:
			a->write = true;
			break;
		}
	}
	return 0;
}

/* --kind: the CHECK_* bit, or 0 (after a usage message) when the value is not a kind. */
static unsigned parse_kind(const char *cmd, const char *kind, bool *explicit_kind)
{
	*explicit_kind = kind != NULL;
	if (kind == NULL)
		return CHECK_ALL;
	if (strcmp(kind, "standalone") == 0)
		return CHECK_STANDALONE;
	if (strcmp(kind, "cluster") == 0)
		return CHECK_CLUSTER;
	usage_error(cmd, "invalid --kind '%s' (expected standalone or cluster)", kind);
	return 0;
}

static int finish_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "hotplan: cannot write to standard output: %s\n", strerror(errno));
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* ---- check ---- */

enum format { FMT_TEXT, FMT_JSON, FMT_SARIF };

struct input {
	const char *path;
	unsigned first, last;        /* the sources its parse added */
	bool ok;
};

static void print_summary(struct hp_ctx *ctx, const struct input *in)
{
	unsigned errors = 0, warnings = 0;
	for (unsigned i = 0; i < ctx->diags.n; i++) {
		const struct diag *d = ctx->diags.v[i];
		if (d->loc.file < in->first || d->loc.file >= in->last)
			continue;
		if (d->severity == SEV_ERROR)
			errors++;
		else
			warnings++;
	}
	if (errors + warnings == 0)
		return;
	fprintf(stderr, "%s: ", in->path);
	if (errors > 0)
		fprintf(stderr, "%u error%s%s", errors, errors == 1 ? "" : "s", warnings > 0 ? ", " : "");
	if (warnings > 0)
		fprintf(stderr, "%u warning%s", warnings, warnings == 1 ? "" : "s");
	fputc('\n', stderr);
}

/* Whether operand i names the same file as an earlier one (checked once). */
static bool named_before(const struct args *a, int i)
{
	char *ri = realpath(a->pos[i], NULL);
	bool same = false;

	for (int j = 0; j < i && !same; j++) {
		if (strcmp(a->pos[i], a->pos[j]) == 0) {
			same = true;
		} else if (ri != NULL) {
			char *rj = realpath(a->pos[j], NULL);
			same = rj != NULL && strcmp(ri, rj) == 0;
			free(rj);
		}
	}
	free(ri);
	return same;
}

static int cmd_check(const struct args *a)
{
	enum format fmt = FMT_TEXT;
	bool explicit_kind;
	unsigned kinds;

	if (a->format == NULL || strcmp(a->format, "text") == 0)
		fmt = FMT_TEXT;
	else if (strcmp(a->format, "json") == 0)
		fmt = FMT_JSON;
	else if (strcmp(a->format, "sarif") == 0)
		fmt = FMT_SARIF;
	else
		return usage_error("check", "invalid --format '%s' (expected text, json or sarif)", a->format);
	if ((kinds = parse_kind("check", a->kind, &explicit_kind)) == 0)
		return EXIT_USAGE;
	if (a->npos == 0)
		return usage_error("check", "%s", "no input file");

	struct hp_ctx ctx;
	struct input *in = calloc((size_t)a->npos, sizeof(*in));
	bool unreadable = false;
	int rc = EXIT_OK;

	if (in == NULL) {
		fputs("hotplan: out of memory\n", stderr);
		return EXIT_USAGE;
	}
	ctx_init(&ctx);
	ctx.werror = a->werror;
	for (int i = 0; i < a->npos; i++) {
		const char *why = NULL;
		in[i].path = a->pos[i];
		if (named_before(a, i))
			continue;
		in[i].first = ctx.nsources;
		struct ast_file *f = parse_file(&ctx, a->pos[i], &why);
		in[i].last = ctx.nsources;
		if (f == NULL) {
			fprintf(stderr, "hotplan: %s\n", why ? why : "cannot read input");
			unreadable = true;
			continue;
		}
		in[i].ok = true;
		check_file(&ctx, f, kinds, explicit_kind);
	}
	diag_finish(&ctx);

	switch (fmt) {
	case FMT_TEXT:
		diag_print_text(&ctx, stderr, util_color(STDERR_FILENO));
		for (int i = 0; i < a->npos; i++)
			if (in[i].ok)
				print_summary(&ctx, &in[i]);
		break;
	case FMT_JSON:
	case FMT_SARIF:
		if ((fmt == FMT_JSON ? diag_print_json(&ctx, stdout) : diag_print_sarif(&ctx, stdout)) != 0) {
			fprintf(stderr, "hotplan: cannot write to standard output: %s\n", strerror(errno));
			rc = EXIT_USAGE;
		}
		break;
	}

	if (rc == EXIT_OK) {
		if (unreadable)
			rc = EXIT_USAGE;
		else if (ctx.diags.errors > 0 || (a->werror && ctx.diags.warnings > 0))
			rc = EXIT_REJECTED;
	}
	ctx_free(&ctx);
	free(in);
	return rc;
}

/* ---- graph ---- */

static int cmd_graph(const struct args *a)
{
	bool explicit_kind;
	unsigned kinds = parse_kind("graph", a->kind, &explicit_kind);

	if (kinds == 0)
		return EXIT_USAGE;
	if (a->npos != 1)
		return usage_error("graph", "%s", a->npos == 0 ? "no input file" : "expects exactly one FILE");

	struct hp_ctx ctx;
	const char *why = NULL;
	int rc = EXIT_OK;

	ctx_init(&ctx);
	struct ast_file *f = parse_file(&ctx, a->pos[0], &why);
	if (f == NULL) {
		fprintf(stderr, "hotplan: %s\n", why ? why : "cannot read input");
		rc = EXIT_USAGE;
		goto out;
	}
	/* the whole check, as `hotplan check` of the kind drawn: a plan that fails it is drawn
	 * all the same, its errors on stderr, exit 1; a syntax error draws nothing */
	const struct ast_plan *plan = f->plans;
	enum proc_kind kind = kinds == CHECK_CLUSTER ? PROC_CLUSTER : PROC_STANDALONE;
	if (plan != NULL && !explicit_kind && plan->proc[PROC_STANDALONE] == NULL) {
		if (plan->proc[PROC_CLUSTER] != NULL)
			kind = PROC_CLUSTER;
		else if (plan->procs != NULL)
			kind = plan->procs->kind;
	}
	check_file(&ctx, f, plan != NULL ? 1u << kind : kinds, explicit_kind);
	diag_finish(&ctx);
	bool syntax = false;
	for (unsigned i = 0; i < ctx.diags.n; i++)
		syntax |= ctx.diags.v[i]->severity == SEV_ERROR && ctx.diags.v[i]->rule == HP001;
	if (syntax || plan == NULL) {
		diag_print_text(&ctx, stderr, util_color(STDERR_FILENO));
		if (!syntax)
			fprintf(stderr, "hotplan: %s: no plan to draw\n", a->pos[0]);
		rc = EXIT_REJECTED;
		goto out;
	}
	if (graph_write_dot(&ctx, plan, kind, stdout) != 0) {
		diag_print_text(&ctx, stderr, util_color(STDERR_FILENO));
		if (ctx.diags.errors == 0)   /* else HP006 said it */
			fprintf(stderr, "hotplan: plan '%s' has no %s procedure\n", plan->name.s ? plan->name.s : "?",
				kind == PROC_CLUSTER ? "cluster" : "standalone");
		rc = EXIT_REJECTED;
		goto out;
	}
	rc = finish_stdout();
	if (ctx.diags.errors > 0) {
		diag_print_text(&ctx, stderr, util_color(STDERR_FILENO));
		if (rc == EXIT_OK)
			rc = EXIT_REJECTED;
	}
out:
	ctx_free(&ctx);
	return rc;
}

/* ---- explain ---- */

/* A library's rule: looked for in every library on the library path (parse_lib_dirs, as
 * `use` finds them), the first declaration of the id wins. Returns whether it was found. */
static bool explain_library_rule(const char *id)
{
	struct hp_ctx ctx;
	const char *dirs[64];
	bool found = false;
	ctx_init(&ctx);
	unsigned n = parse_lib_dirs(&ctx, NULL, dirs, 64);
	for (unsigned i = 0; i < n && !found; i++) {
		glob_t g;
		memset(&g, 0, sizeof(g));
		if (glob(arena_printf(&ctx.arena, "%s/*.hplan", dirs[i]), 0, NULL, &g) != 0)
			continue;
		for (size_t k = 0; k < g.gl_pathc && !found; k++) {
			const char *why = NULL;
			struct ast_file *f = parse_file(&ctx, g.gl_pathv[k], &why);
			for (const struct ast_library *l = f ? f->libraries : NULL; l != NULL && !found; l = l->next)
				for (const struct ast_rule_decl *r = l->rules; r != NULL && !found; r = r->next) {
					if (r->id.s == NULL || strcasecmp(r->id.s, id) != 0)
						continue;
					struct src_pos p = source_pos(ctx_source(&ctx, r->id.loc.file), r->id.loc.start);
					explain_print_decl(r, arena_printf(&ctx.arena, "%s:%u", ctx_source(&ctx, r->id.loc.file)->path,
									   p.line), stdout);
					found = true;
				}
		}
		globfree(&g);
	}
	ctx_free(&ctx);
	return found;
}

static int cmd_explain(const struct args *a)
{
	if (a->npos > 1)
		return usage_error("explain", "%s", "expects at most one RULE");
	if (a->npos == 0) {
		explain_list(stdout);
		return finish_stdout();
	}
	const struct rule_info *r = rule_lookup(a->pos[0]);
	if (r == NULL && explain_library_rule(a->pos[0]))
		return finish_stdout();
	if (r == NULL) {
		fprintf(stderr, "hotplan explain: unknown rule '%s'\n"
				"Run 'hotplan explain' for the list of rules.\n", a->pos[0]);
		return EXIT_USAGE;
	}
	explain_print(r, stdout);
	return finish_stdout();
}

/* ---- help ---- */

#define EXIT_STATUS_CHECK                                                      \
	"Exit status:\n"                                                       \
	"  0  no diagnostics, or warnings only (without -Werror)\n"            \
	"  1  the plan is rejected: errors, or warnings with -Werror\n"        \
	"  2  usage error or unreadable input\n"

static const struct command commands[] = {
	{
		"check", "Check plans and report every rule they break",
		"Usage: hotplan check [--format text|json|sarif] [-Werror] [--kind standalone|cluster] FILE...\n",
		"Parse each FILE, resolve its names and types, and simulate every procedure\n"
		"over an abstract model of its target. Every rule a plan breaks is reported\n"
		"at the action that breaks it ('hotplan explain RULE' says why).\n"
		"\n"
		"Options:\n"
		"  --format FORMAT  text (default): diagnostics on standard error, with the\n"
		"                   source line, then one summary line per file that has any;\n"
		"                   json: one JSON array on standard output;\n"
		"                   sarif: one SARIF 2.1.0 log on standard output\n"
		"  -Werror          treat warnings as errors (exit status 1)\n"
		"  --kind KIND      check only the standalone or the cluster procedure\n"
		"                   (default: every procedure the plan has)\n"
		"  -h, --help       show this help\n"
		"\n"
		"Text diagnostics are coloured when standard error is a terminal, unless\n"
		"NO_COLOR is set to a non-empty value or TERM is 'dumb'.\n"
		"\n" EXIT_STATUS_CHECK,
		O_HELP | O_FORMAT | O_WERROR | O_KIND, cmd_check,
	},
	{
		"fmt", "Rewrite .hplan files in the one canonical layout",
		"Usage: hotplan fmt [--check] [-w] [FILE|DIR...]\n",
		"Print each FILE in the canonical layout of .hplan files: 4-space indentation\n"
		"by block, one item per line, one space between tokens, no run of blank\n"
		"lines, every comment kept on its line. Only white space and line ends\n"
		"change; a file with syntax errors is not formatted (its errors are shown).\n"
		"A DIR stands for the .hplan files under it. Without FILE (or with FILE -),\n"
		"standard input is formatted to standard output.\n"
		"\n"
		"Options:\n"
		"  --check     print nothing but the name of each input that is not\n"
		"              formatted; exit status 1 if there is one\n"
		"  -w          rewrite each FILE that is not formatted in place (atomically,\n"
		"              keeping its mode) instead of printing it\n"
		"  -h, --help  show this help\n"
		"\n"
		"Exit status:\n"
		"  0  done: every input is formatted, printed or rewritten\n"
		"  1  syntax errors, or (--check) an input that is not formatted\n"
		"  2  usage error, unreadable input, or a file that could not be written\n",
		O_HELP | O_CHECK | O_WRITE, cmd_fmt,
	},
	{
		"graph", "Print a plan's procedure as a Graphviz DOT graph",
		"Usage: hotplan graph FILE [--kind standalone|cluster]\n",
		"Write the first plan of FILE as a Graphviz digraph on standard output: its\n"
		"steps in order per role, its checkpoints, each failover (what moves where)\n"
		"and one rollback edge per run of steps, pointing at the checkpoint a failure\n"
		"there rolls back to.\n"
		"\n"
		"Options:\n"
		"  --kind KIND  the procedure to draw (default: standalone if the plan has\n"
		"               one, else cluster)\n"
		"  -h, --help   show this help\n"
		"\n"
		"A plan that fails `hotplan check` for that procedure is drawn all the same:\n"
		"its errors and warnings go to standard error and the exit status is 1. A\n"
		"file with syntax errors (HP001) draws nothing.\n"
		"\n"
		"Exit status:\n"
		"  0  the graph was written and the plan passes `hotplan check` (warnings\n"
		"     are not shown)\n"
		"  1  the plan has errors (shown on standard error; the graph is written\n"
		"     unless they are syntax errors), or no procedure of that kind\n"
		"  2  usage error or unreadable input\n",
		O_HELP | O_KIND, cmd_graph,
	},
	{
		"explain", "Explain a rule (HP001...HP205); without RULE, list them all",
		"Usage: hotplan explain [RULE]\n",
		"Print why RULE exists (in the words of the runbook it comes from), an\n"
		"example that breaks it, and how to fix it. RULE is an ID such as HP101.\n"
		"Without RULE, list every rule with its severity and summary.\n"
		"\n"
		"Options:\n"
		"  -h, --help  show this help\n"
		"\n"
		"Exit status:\n"
		"  0  printed\n"
		"  2  usage error or unknown rule\n",
		O_HELP, cmd_explain,
	},
	{
		"compile", "Check a plan and compile it into an image (.hpc)",
		"Usage: hotplan compile FILE [-o OUT.hpc] [--emit image|json]\n",
		"Check FILE's plan and write it as a self-contained image that 'hotplan run'\n"
		"executes: a magic number, the format version, the source's SHA-256, the\n"
		"plan with every step and action, the source text (so a runtime failure is\n"
		"shown at its line), and a checksum over all of it. The same source\n"
		"compiles to the same bytes. A plan with check errors is printed and no\n"
		"image is written.\n"
		"\n"
		"Options:\n"
		"  -o, --output OUT  where to write (default: FILE with .hpc for .hplan;\n"
		"                    - for standard output)\n"
		"  --emit FORMAT     image (default), or json: the same content, readable\n"
		"  -h, --help        show this help\n"
		"\n"
		"Exit status:\n"
		"  0  the image was written\n"
		"  1  the plan has check errors (or the file has no plan, or several)\n"
		"  2  usage error, unreadable input, or the image could not be written\n",
		O_HELP | O_OUTPUT | O_EMIT, cmd_compile,
	},
	{
		"run", "Run a plan on a target (a built-in simulated one by default)",
		"Usage: hotplan run PLAN.hplan|IMAGE.hpc [--inventory FILE] [--target NAME]\n"
		"                   [--kind standalone|cluster] [--set NAME=VALUE]...\n"
		"                   [--set-file NAME=PATH]... [--dry-run] [--yes] [--journal FILE]\n"
		"                   [--abandon RUN] [--fail-at STEP] [--pace DURATION]\n"
		"                   [--log text|json]\n"
		"       hotplan run PLAN --inventory FILE --targets all|NAME|GLOB[,...]\n"
		"                   [--parallel N] [--max-failures N|P%] [--report FILE.json|FILE.html]\n",
		"Check the plan, then run its procedure for the target's kind: preflight\n"
		"(params, facts, prerequisites, the target's lock), then each step in order,\n"
		"each action guarded against the live target and journaled before and after.\n"
		"A failed step rolls the target back to the latest checkpoint passed.\n"
		"\n"
		"Options:\n"
		"  --inventory FILE  the targets (`target` blocks); without it, the built-in\n"
		"                    simulated target of the kind: sim-server, or sim-node1 and\n"
		"                    sim-node2\n"
		"  --target NAME     the inventory's target to run on (when it holds several)\n"
		"  --kind KIND       standalone or cluster (default: the target's kind; without\n"
		"                    an inventory, standalone when the plan has that procedure)\n"
		"  --set NAME=VALUE  a param's value (a stores value: comma-separated names)\n"
		"  --set-file NAME=PATH  a param's value read from the file PATH (its last\n"
		"                    newline dropped): a secret kept off the command line\n"
		"  --dry-run         preflight, then print every action and where it would run;\n"
		"                    change nothing\n"
		"  --yes             answer yes to every pause and confirmation\n"
		"  --journal FILE    where to write the journal (default:\n"
		"                    $HOTPLAN_STATE_DIR or ./.hotplan, runs/RUN.journal)\n"
		"  --abandon RUN     give up the target's unfinished run RUN and start anew\n"
		"  --fail-at STEP    make STEP fail before its first action (simulated targets)\n"
		"  --pace DURATION   make each simulated action take DURATION (90s, 2m, 500ms)\n"
		"  --log FORMAT      text (default) or json: one JSON object per event\n"
		"  -h, --help        show this help\n"
		"\n"
		"A fleet (docs/fleets.md): one full run per target of the inventory, each in\n"
		"a process of its own, with the fleet's journal in the state directory:\n"
		"  --targets LIST    all, or target names and globs, comma-separated\n"
		"  --parallel N      targets in flight at once (default 1)\n"
		"  --max-failures N|P%  failures tolerated (default 0); past it no new target\n"
		"                    starts, and the ones in flight finish\n"
		"  --report FILE     the outcome per target: FILE.json, or FILE.html (one\n"
		"                    self-contained page)\n"
		"  --fail-at TARGET:STEP[,...]  make STEP fail on the targets TARGET names\n"
		"                    (a glob); a plain STEP fails it on every target\n"
		"A fleet exits 0 when every target completed, else 4 (some need a person),\n"
		"3 (some rolled back), 130 (interrupted), 5 (some locked or not started), the\n"
		"first that applies; 1 or 2 when it cannot start.\n"
		"\n"
		"Exit status:\n"
		"  0    the run completed\n"
		"  1    rejected: check errors, a failed prerequisite, a missing param;\n"
		"       or a step failed before any action that changes the target ran\n"
		"       (a verify, a wait): nothing was changed, the target is free\n"
		"  2    usage error or unreadable input\n"
		"  3    a step failed and the target was rolled back to a checkpoint\n"
		"  4    a step failed after a change with no checkpoint passed, or the\n"
		"       rollback failed:\n"
		"       a person must look ('hotplan resume JOURNAL' retries)\n"
		"  5    the target is locked by another run, or its last run is unfinished\n"
		"  130  interrupted after the running action finished ('hotplan resume'\n"
		"       continues)\n",
		O_HELP | O_KIND | O_INVENTORY | O_TARGET | O_SET | O_SET_FILE | O_DRY_RUN | O_YES | O_JOURNAL | O_ABANDON |
			O_FAIL_AT | O_PACE | O_LOG | O_FLEET,
		cmd_run,
	},
	{
		"resume", "Resume an interrupted run from its journal",
		"Usage: hotplan resume JOURNAL [--yes] [--set NAME=VALUE]... [--set-file NAME=PATH]...\n"
		"                      [--accept-changed WHAT]... [--wait-commands DURATION]\n"
		"                      [--log text|json]\n",
		"Continue the run JOURNAL records: finished steps are not run again; an\n"
		"action whose end was not recorded is verified before it is repeated. A run\n"
		"that failed during its rollback finishes the rollback; one that failed with\n"
		"no checkpoint retries the failed step. A completed or rolled-back run\n"
		"cannot be resumed. The run's inputs (the plan and what it imports, the\n"
		"inventory, the profiles, the nodes' addresses) must be those it started\n"
		"with, and its steps where they were: a change is named and refused.\n"
		"\n"
		"Options:\n"
		"  --yes        answer yes to every pause and confirmation\n"
		"  --set NAME=VALUE  a secret param's value again (the journal does not\n"
		"               keep it; without it, resume asks on the terminal, with no\n"
		"               echo, or refuses to go on)\n"
		"  --set-file NAME=PATH  the same, read from the file PATH\n"
		"  --accept-changed WHAT  go on although WHAT changed since the run started:\n"
		"               plan, import, inventory, profile (every file of that role),\n"
		"               nodes (the nodes' addresses), or a FILE; repeat for each\n"
		"  --wait-commands DURATION  how long to wait for a command that a runner\n"
		"               which died left running (default 30s; 0: refuse at once)\n"
		"  --log FORMAT text (default) or json\n"
		"  -h, --help   show this help\n"
		"\n"
		"A fleet's journal (STATE/fleets/ID/fleet.journal) resumes the fleet: every\n"
		"unfinished target is resumed, every target not started is started;\n"
		"--parallel, --max-failures and --report as for 'hotplan run --targets'.\n"
		"\n"
		"Exit status: as for 'hotplan run'.\n",
		O_HELP | O_YES | O_SET | O_SET_FILE | O_ACCEPT | O_WAIT | O_LOG | O_FLEET, cmd_resume,
	},
	{
		"unlock", "Remove the locks a run that is gone left on a target",
		"Usage: hotplan unlock TARGET --inventory FILE --holder RUN\n",
		"A run takes a lock on each local: and ssh:// node of its target and removes\n"
		"it when it ends. A runner killed or cut off leaves its lock behind: a run\n"
		"started on the same host clears it once that runner is gone; from any\n"
		"other host, a person clears it with this command, naming the run that\n"
		"holds it. Nothing is removed unless every node of TARGET is free or held\n"
		"by RUN, and RUN is not running on this host. The nodes' last-run records\n"
		"stay: an unfinished run is resumed, or given up with 'run --abandon RUN'.\n"
		"\n"
		"Options:\n"
		"  --inventory FILE  the inventory that names TARGET and its nodes\n"
		"  --holder RUN      the run whose locks are removed (the id a refused run\n"
		"                    names)\n"
		"  -h, --help        show this help\n"
		"\n"
		"Exit status:\n"
		"  0  the locks of RUN were removed\n"
		"  2  usage error, a node that cannot be reached, or no lock of RUN\n"
		"  5  a node is locked by another run, or RUN still runs here: nothing\n"
		"     was removed\n",
		O_HELP | O_INVENTORY | O_HOLDER, cmd_unlock,
	},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void print_main_help(FILE *out)
{
	fputs("Usage: hotplan COMMAND [OPTIONS] [ARGS]\n"
	      "       hotplan --version | --help | COMMAND --help | help COMMAND\n"
	      "\n"
	      "hotplan compiles hotfix and maintenance plans, proves them safe against a\n"
	      "model of the target, and runs them.\n"
	      "\n"
	      "Commands:\n", out);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fputs("  help      Show the help of a command\n"
	      "\n"
	      "Options:\n"
	      "  -h, --help  show this help\n"
	      "  --version   show the version\n"
	      "\n"
	      "Run 'hotplan COMMAND --help' for the options and exit status of a command.\n"
	      "Exit status 2 always means a usage error or unreadable input.\n", out);
}

static int print_command_help(const struct command *c)
{
	fputs(c->usage, stdout);
	fputc('\n', stdout);
	fputs(c->body, stdout);
	return finish_stdout();
}

static int cmd_help(int argc, char **argv)
{
	if (argc == 0) {
		print_main_help(stdout);
		return finish_stdout();
	}
	if (argc > 1)
		return usage_error("help", "%s", "expects at most one COMMAND");
	if (strcmp(argv[0], "help") == 0) {
		fputs("Usage: hotplan help [COMMAND]\n\nShow the help of COMMAND, or the list of commands.\n", stdout);
		return finish_stdout();
	}
	const struct command *c = find_command(argv[0]);
	if (c == NULL)
		return usage_error(NULL, "unknown command '%s'", argv[0]);
	return print_command_help(c);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		print_main_help(stderr);
		return EXIT_USAGE;
	}
	const char *w = argv[1];
	if (strcmp(w, "--help") == 0 || strcmp(w, "-h") == 0) {
		print_main_help(stdout);
		return finish_stdout();
	}
	if (strcmp(w, "--version") == 0) {
		printf("hotplan %s\n", HOTPLAN_VERSION);
		return finish_stdout();
	}
	if (strcmp(w, "help") == 0)
		return cmd_help(argc - 2, argv + 2);
	if (w[0] == '-')
		return usage_error(NULL, "unknown option '%s'", w);

	const struct command *c = find_command(w);
	if (c == NULL)
		return usage_error(NULL, "unknown command '%s'", w);
	if (c->run == NULL) {
		for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
			if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
				return print_command_help(c);
		fprintf(stderr, "hotplan: '%s' is not implemented in this version\n", c->name);
		return EXIT_USAGE;
	}

	struct args a;
	int rc = parse_args(c, argc - 2, argv + 2, &a);
	if (rc != 0)
		return rc;
	if (a.help)
		return print_command_help(c);
	return c->run(&a);
}
