/* unlock.c: `hotplan unlock TARGET --holder RUN` (exec.h): the locks that run RUN left on the
 * nodes of a real target, cleared by a person who names it (docs/locks.md). Nothing is cleared
 * unless every node is either free or held by RUN, and RUN is not running here. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "exec.h"
#include "lock_target.h"
#include "nodes.h"
#include "parse.h"
#include "progress.h"
#include "util.h"

/* "hotplan: MESSAGE" on stderr (refusals) or "MESSAGE" on stdout (what was done), escaped for
 * a terminal. */
static void say(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(FILE *out, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	util_verr(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (out == stderr)
		fputs("hotplan: ", out);
	progress_put_escaped(out, buf);
	fputc('\n', out);
}

/* The inventory's target, its profiles loaded (only the `lock` of each matters) and its nodes
 * connected. 0, or EXIT_USAGE (said). */
static int open_target(struct hp_ctx *ctx, const struct unlock_opts *o, struct rt_target *t, struct nodes **out)
{
	char err[2048];
	const char *why = NULL;
	struct ast_file *inv = parse_file(ctx, o->inventory_path, &why);
	if (inv == NULL) {
		say(stderr, "%s", why);
		return EXIT_USAGE;
	}
	if (ctx->diags.errors > 0) {
		diag_finish(ctx);
		diag_print_text(ctx, stderr, false);
		say(stderr, "%s: the inventory has errors", o->inventory_path);
		return EXIT_USAGE;
	}
	if (target_from_inventory(ctx, inv, o->target_name, t, err, sizeof(err)) < 0) {
		say(stderr, "%s: %s", o->inventory_path, err);
		return EXIT_USAGE;
	}
	struct nodes *ns = nodes_new(ctx, t, NULL);
	if (!ns->real) {
		say(stderr, "target '%s' has simulated nodes: its lock is the state directory's, which ends with its run; "
		    "there is nothing to unlock", t->name);
		return EXIT_USAGE;
	}
	struct needs nd;
	memset(&nd, 0, sizeof(nd));   /* nothing to run but the lock's scripts: a node's own profile, if any */
	if (nodes_load_profiles(ns, &nd, o->inventory_path, inv->profiles, err, sizeof(err)) != 0 ||
	    nodes_connect(ns, err, sizeof(err)) != 0) {
		say(stderr, "%s", err);
		return EXIT_USAGE;
	}
	*out = ns;
	return 0;
}

/* May node n's lock be cleared for run `holder`? 0 yes (lt->node[n] held by it), 1 the node is
 * free, or else EXIT_LOCKED (said). */
static int judge(const struct lock_target *lt, unsigned n, const char *holder)
{
	const struct lock_node *ln = &lt->node[n];
	const char *node = lt->ns->t->nodes[n].name;
	char who[1024];
	if (!ln->held)
		return 1;
	if (!ln->holder_ok) {
		say(stderr, "node %s: the lock %s names no holder that can be read: nothing was cleared (hotplan never "
		    "leaves one so; if no run is going on, remove it by hand: rm -r %s)", node, ln->path, ln->path);
		return EXIT_LOCKED;
	}
	lock_holder_text(&ln->holder, who, sizeof(who));
	if (strcmp(ln->holder.run_id, holder) != 0) {
		say(stderr, "node %s is locked by %s, not by run %s: nothing was cleared", node, who, holder);
		return EXIT_LOCKED;
	}
	if (lock_holder_alive_here(&ln->holder)) {
		say(stderr, "node %s: %s is still running on this host: nothing was cleared (stop it first, or let it end)",
		    node, who);
		return EXIT_LOCKED;
	}
	return 0;
}

/* What the node's last-run record still says about the run whose lock went. */
static void say_last(const struct lock_target *lt, unsigned n, const char *holder)
{
	const struct lock_node *ln = &lt->node[n];
	const struct lock_target_last *l = &ln->last;
	if (!ln->last_ok || strcmp(l->run_id, holder) != 0 ||
	    (l->status != LAST_RUN_UNFINISHED && l->status != LAST_RUN_FAILED))
		return;
	say(stdout, "node %s: its last-run record still says run %s is %s: continue it with `hotplan resume %s` on %s, "
	    "or start a new run with --abandon %s", lt->ns->t->nodes[n].name, holder, last_run_status_name(l->status),
	    l->journal, l->host, holder);
}

static int unlock_nodes(struct lock_target *lt, const char *holder)
{
	int rc = 0, some = 0;
	char msg[4096], who[1024];
	for (unsigned n = 0; n < lt->n; n++) {
		if (lock_target_peek(lt, n, msg, sizeof(msg)) < 0) {
			say(stderr, "%s: nothing was cleared", msg);
			return EXIT_USAGE;
		}
	}
	for (unsigned n = 0; n < lt->n; n++) {
		int j = judge(lt, n, holder);
		if (j == EXIT_LOCKED)
			rc = EXIT_LOCKED;
		some += j == 0;
	}
	if (rc != 0)
		return rc;
	if (some == 0) {
		say(stderr, "target '%s': no node is locked by run %s: nothing was cleared", lt->me.target, holder);
		return EXIT_USAGE;
	}
	for (unsigned n = 0; n < lt->n; n++) {
		const struct lock_node *ln = &lt->node[n];
		if (!ln->held)
			continue;
		lock_holder_text(&ln->holder, who, sizeof(who));
		int c = lock_target_clear(lt, n, msg, sizeof(msg));
		if (c < 0) {
			say(stderr, "%s", msg);
			return EXIT_USAGE;
		}
		if (c == 1) {
			say(stderr, "node %s: its lock changed since it was read: left as it is", lt->ns->t->nodes[n].name);
			rc = EXIT_LOCKED;
			continue;
		}
		say(stdout, "node %s: the lock of %s removed (%s): --holder %s overrode it", lt->ns->t->nodes[n].name, who,
		    ln->path, holder);
		say_last(lt, n, holder);
	}
	return rc;
}

int exec_unlock(const struct unlock_opts *o)
{
	struct hp_ctx ctx;
	struct rt_target t;
	struct nodes *ns = NULL;
	ctx_init(&ctx);
	memset(&t, 0, sizeof(t));
	int rc = open_target(&ctx, o, &t, &ns);
	if (rc == 0) {
		char err[512];
		struct lock_holder me;
		struct lock_target lt;
		if (lock_holder_self(&me, "unlock", "-", "-", t.name, err, sizeof(err)) < 0) {
			say(stderr, "%s", err);
			rc = EXIT_USAGE;
		} else {
			lock_target_init(&lt, ns, &me);
			rc = unlock_nodes(&lt, o->holder);
		}
	}
	nodes_close(ns);
	ctx_free(&ctx);
	return rc;
}
