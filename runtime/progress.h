/* progress.h: what a run tells the people and machines watching it (SPEC section 6):
 * one plain line per event, a live status line on a terminal, or JSON lines (--log json).
 * The struct progress is the caller's; strings in an event are borrowed for the call. */
#ifndef HP_PROGRESS_H
#define HP_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

enum progress_event {
	EV_RUN_START, EV_PREFLIGHT_OK, EV_PREFLIGHT_FAILED,
	EV_STEP_START, EV_ACTION_START, EV_ACTION_DONE, EV_ACTION_FAILED,
	EV_STEP_DONE, EV_STEP_FAILED, EV_CHECKPOINT,
	EV_ROLLBACK_START, EV_ROLLBACK_DONE, EV_ROLLBACK_FAILED,
	EV_RUN_DONE, EV_RESUME_SKIP, EV_INTERRUPTED, EV_DRY_RUN, EV_NOTE,
};

struct progress_ev {
	enum progress_event kind;
	const char *step;        /* step or checkpoint name */
	const char *title;       /* the step's title */
	const char *node;        /* node name(s) */
	const char *action;      /* the action as written ("kill process \"store.exe\"") */
	const char *said;        /* text form: the action without its own `on ROLE` (NULL: action) */
	const char *role;        /* text form: the role the action's node is bound to, or NULL */
	const char *status;      /* run-done: completed, rolled-back, failed; action: ok, failed */
	const char *message;
	unsigned k, n;           /* step k of n (1-based), when known */
	double elapsed;          /* seconds, for *-done events */
};

enum progress_mode { PROGRESS_TEXT, PROGRESS_TTY, PROGRESS_JSON };

#define PROGRESS_LIVE_MAX 8

struct progress_live {
	char node[64];
	char text[256];
	double t0;
};

struct progress {
	enum progress_mode mode;
	FILE *out;
	const char *run;         /* the run id */
	bool color;
	/* PROGRESS_TTY: a live line per running node, redrawn by a ticker thread */
	struct progress_live live[PROGRESS_LIVE_MAX];
	unsigned nlive, drawn;
	void *tty;               /* private: the ticker */
	const char *const *secrets;   /* values of secret params: shown as *** (borrowed) */
	unsigned nsecrets;
	int write_errno;         /* the first write to out that failed, or 0 */
};

/* Text on a terminal (live), plain text otherwise, or JSON lines when `json`. */
void progress_init(struct progress *p, FILE *out, bool json, const char *run_id);
void progress_emit(struct progress *p, const struct progress_ev *e);
/* Stop the live lines (erasing them). Safe to call more than once. */
void progress_close(struct progress *p);
/* Flush out: 0 if every line reached it, or the errno of the first write that failed (the
 * run went on without the rest: progress.c says why). Call it after progress_close(). */
int progress_write_error(struct progress *p);

/* Write `s` for a terminal: control characters, bidi controls and invalid UTF-8 escaped
 * (\x1b, \n, \u{202e}…: util_escape_char). */
void progress_put_escaped(FILE *out, const char *s);

/* The values of secret params (borrowed for as long as p is used; empty ones are ignored):
 * from now on every string an event carries shows each of them as "***". */
void progress_set_secrets(struct progress *p, const char *const *values, unsigned n);

/* s with every secret value replaced by "***", malloc'd (the caller frees it); NULL when s
 * is NULL or memory runs out. */
char *progress_redact(const struct progress *p, const char *s);

/* A command may print a secret param's value: the part of the capture file `path` from byte
 * `from` on is rewritten with each one as *** (after the command ended; and, for a run that
 * was killed while one ran, by the resume, which gives the values again). Best effort: a
 * file larger than 64 MiB, or one that cannot be read or written, is left as it is. */
void progress_redact_file(const struct progress *p, const char *path, off_t from);

#endif
