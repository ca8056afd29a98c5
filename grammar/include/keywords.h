/* keywords.h: the keywords of .hplan files, written once: how each is spelt, which block
 * its `{` opens, in which blocks it starts an item. Owns nothing: kw_table is static
 * data; a kw_index lives where its user puts it.
 *
 * Used by the scanner (a word is a keyword when kw_find knows it), the parser (the block
 * named in "missing `}` to close `step`", the hint "is a `}` missing…?", the phrases "an
 * action", "a plan item"…) and the formatter (compiler/fmt.c: which words start an item
 * in a block, and what kind of block a `{` opens).
 *
 * Adding a keyword: one line in HP_KEYWORDS below, and the rules that use it in
 * grammar/parser.y. Bison must see every token, so parser.y also declares the keyword's
 * token (K_ and the upper-case name) at the same place in its keyword `%token` list, and
 * adds it to `kw` (keywords are words in a fact path); the build fails until the
 * `%token` list matches this table, and tests/unit/test_parse.c fails until `kw` does.
 * Adding a block: a KB_ name in enum kw_block and the keyword that opens it. */
#ifndef HP_KEYWORDS_H
#define HP_KEYWORDS_H

#include <stddef.h>
#include <stdint.h>

/* The kinds of block a keyword's `{` opens (KB_NONE: it opens none). */
enum kw_block {
	KB_NONE,
	KB_TOP,        /* the file itself */
	KB_PLAN,
	KB_MODEL,
	KB_HOTFIX,
	KB_STMTS,      /* a procedure's body, a loop's, a branch's */
	KB_ROLES,
	KB_ACTIONS,    /* a step's, a checkpoint's */
	KB_TARGET,
	KB_NODE,
	KB_PROFILE,
};

/* Blocks in which a keyword starts an item: KI(PLAN) | KI(MODEL)… */
#define KI(block) (1u << KB_##block)

/* Flags. KF_HINT: the keyword starts an item of the file, a plan or a procedure; met
 * where `}` was expected, it suggests a block left open ("is a `}` missing to close `step`
 * opened at line 12?"). */
#define KF_HINT 1u

/* X(NAME, spelling, the block its `{` opens, the blocks it starts an item in, flags).
 * In the order of the parser's tokens K_NAME (grammar/parser.y). */
#define HP_KEYWORDS(X)                                                          \
	X(IMPORT,     "import",     NONE,    KI(TOP),                    KF_HINT) \
	X(PLAN,       "plan",       PLAN,    KI(TOP),                    KF_HINT) \
	X(TITLE,      "title",      NONE,    KI(PLAN),                   0)       \
	X(KB,         "kb",         NONE,    KI(PLAN),                   0)       \
	X(PARAM,      "param",      NONE,    KI(PLAN),                   KF_HINT) \
	X(REQUIRE,    "require",    NONE,    KI(PLAN),                   KF_HINT) \
	X(ELSE,       "else",       STMTS,   0,                          0)       \
	X(MODEL,      "model",      MODEL,   KI(PLAN),                   KF_HINT) \
	X(HOTFIX,     "hotfix",     HOTFIX,  KI(PLAN),                   KF_HINT) \
	X(PROCEDURE,  "procedure",  STMTS,   KI(PLAN),                   KF_HINT) \
	X(STANDALONE, "standalone", NONE,    0,                          0)       \
	X(CLUSTER,    "cluster",    NONE,    0,                          0)       \
	X(ENSURE,     "ensure",     NONE,    KI(PLAN),                   KF_HINT) \
	X(BOOL,       "bool",       NONE,    0,                          0)       \
	X(INT,        "int",        NONE,    0,                          0)       \
	X(STRING,     "string",     NONE,    0,                          0)       \
	X(DURATION,   "duration",   NONE,    0,                          0)       \
	X(VERSION,    "version",    NONE,    0,                          0)       \
	X(STORES,     "stores",     NONE,    0,                          0)       \
	X(SERVICE,    "service",    NONE,    KI(MODEL),                  0)       \
	X(PROCESS,    "process",    NONE,    0,                          0)       \
	X(HOLDS,      "holds",      NONE,    0,                          0)       \
	X(RESOURCE,   "resource",   NONE,    KI(MODEL),                  0)       \
	X(GROUP,      "group",      NONE,    KI(MODEL) | KI(TARGET),     0)       \
	X(STORE,      "store",      NONE,    KI(MODEL) | KI(TARGET),     0)       \
	X(RECOVER,    "recover",    NONE,    KI(MODEL),                  0)       \
	X(FILE,       "file",       NONE,    KI(HOTFIX),                 0)       \
	X(SIZE,       "size",       NONE,    0,                          0)       \
	X(SHA256,     "sha256",     NONE,    0,                          0)       \
	X(PACKAGE,    "package",    NONE,    KI(HOTFIX),                 0)       \
	X(ARGS,       "args",       NONE,    KI(HOTFIX),                 0)       \
	X(RESTARTS,   "restarts",   NONE,    KI(HOTFIX),                 0)       \
	X(ROLES,      "roles",      ROLES,   KI(STMTS),                  KF_HINT) \
	X(OWNER,      "owner",      NONE,    0,                          0)       \
	X(OF,         "of",         NONE,    0,                          0)       \
	X(ANY,        "any",        NONE,    0,                          0)       \
	X(NODE,       "node",       NODE,    KI(TARGET),                 0)       \
	X(EXCEPT,     "except",     NONE,    0,                          0)       \
	X(ALL,        "all",        NONE,    0,                          0)       \
	X(NODES,      "nodes",      NONE,    0,                          0)       \
	X(STEP,       "step",       ACTIONS, KI(STMTS),                  KF_HINT) \
	X(ON,         "on",         NONE,    0,                          0)       \
	X(CHECKPOINT, "checkpoint", ACTIONS, KI(STMTS),                  KF_HINT) \
	X(FOR,        "for",        STMTS,   KI(STMTS),                  KF_HINT) \
	X(EACH,       "each",       NONE,    0,                          0)       \
	X(IN,         "in",         NONE,    0,                          0)       \
	X(SERIAL,     "serial",     NONE,    0,                          0)       \
	X(IF,         "if",         STMTS,   KI(STMTS),                  KF_HINT) \
	X(STOP,       "stop",       NONE,    KI(ACTIONS),                0)       \
	X(START,      "start",      NONE,    KI(ACTIONS),                0)       \
	X(KILL,       "kill",       NONE,    KI(ACTIONS),                0)       \
	X(DISMOUNT,   "dismount",   NONE,    KI(ACTIONS),                0)       \
	X(MOUNT,      "mount",      NONE,    KI(ACTIONS),                0)       \
	X(INSTALL,    "install",    NONE,    KI(ACTIONS),                0)       \
	X(RESTART,    "restart",    NONE,    KI(ACTIONS),                0)       \
	X(MOVE,       "move",       NONE,    KI(ACTIONS),                0)       \
	X(TO,         "to",         NONE,    0,                          0)       \
	X(DISABLE,    "disable",    NONE,    KI(ACTIONS),                0)       \
	X(ENABLE,     "enable",     NONE,    KI(ACTIONS),                0)       \
	X(WAIT,       "wait",       NONE,    KI(ACTIONS),                0)       \
	X(UNTIL,      "until",      NONE,    0,                          0)       \
	X(TIMEOUT,    "timeout",    NONE,    0,                          0)       \
	X(VERIFY,     "verify",     NONE,    KI(ACTIONS),                0)       \
	X(PAUSE,      "pause",      NONE,    KI(ACTIONS),                0)       \
	X(EXEC,       "exec",       NONE,    KI(ACTIONS),                0)       \
	X(NOT,        "not",        NONE,    0,                          0)       \
	X(OR,         "or",         NONE,    0,                          0)       \
	X(AND,        "and",        NONE,    0,                          0)       \
	X(RUNNING,    "running",    NONE,    0,                          0)       \
	X(STOPPED,    "stopped",    NONE,    0,                          0)       \
	X(MOUNTED,    "mounted",    NONE,    0,                          0)       \
	X(DISMOUNTED, "dismounted", NONE,    0,                          0)       \
	X(MEMBER,     "member",     NONE,    0,                          0)       \
	X(DOWN,       "down",       NONE,    0,                          0)       \
	X(OWNS,       "owns",       NONE,    0,                          0)       \
	X(NO,         "no",         NONE,    0,                          0)       \
	X(GROUPS,     "groups",     NONE,    0,                          0)       \
	X(INSTALLED,  "installed",  NONE,    0,                          0)       \
	X(FACT,       "fact",       NONE,    KI(TARGET) | KI(NODE),      0)       \
	X(COUNT,      "count",      NONE,    0,                          0)       \
	X(TRUE,       "true",       NONE,    0,                          0)       \
	X(FALSE,      "false",      NONE,    0,                          0)       \
	X(TARGET,     "target",     TARGET,  KI(TOP),                    KF_HINT) \
	X(ADDRESS,    "address",    NONE,    0,                          0)       \
	X(PROFILE,    "profile",    PROFILE, KI(TOP) | KI(TARGET) | KI(NODE), KF_HINT) \
	X(SET,        "set",        NONE,    KI(TARGET),                 0)       \
	X(SECRET,     "secret",     NONE,    0,                          0)       \
	X(FROM,       "from",       NONE,    0,                          0)       \
	X(ENV,        "env",        NONE,    0,                          0)

/* KW_IMPORT, KW_PLAN…: a keyword's index in kw_table. */
enum kw_id {
#define KW_ENUM(name, spelling, opens, items, flags) KW_##name,
	HP_KEYWORDS(KW_ENUM)
#undef KW_ENUM
	KW_NUM                 /* the number of keywords */
};

struct kw_info {
	const char *spelling;
	uint8_t len;           /* of the spelling */
	uint8_t opens;         /* enum kw_block */
	uint16_t items;        /* KI() bits */
	uint8_t flags;         /* KF_ bits */
};

/* Every keyword, indexed by enum kw_id. */
extern const struct kw_info kw_table[KW_NUM];

/* Whether keyword k starts an item in a block of kind b. */
static inline int kw_starts_item(enum kw_id k, enum kw_block b)
{
	return (kw_table[k].items & (1u << b)) != 0;
}

/* A hash table from spelling to keyword, filled by kw_index_init (no allocation; it may
 * live on the stack or in a larger structure). */
struct kw_index {
	uint8_t slot[256];     /* enum kw_id + 1, or 0: empty */
	uint8_t len[256];      /* the length of the slot's keyword */
	uint8_t maxlen;        /* the longest spelling */
};

/* Fill ix from kw_table. */
void kw_index_init(struct kw_index *ix);

/* The slot where the n > 0 bytes at s start looking: cheap (the scanner asks for every
 * name) and spreads the keywords well enough (1.7 probes a name in bench/genplan.py's plans). */
static inline unsigned kw_hash(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	return (u[0] * 7u + u[n - 1] * 31u + u[n / 2] * 3u + (unsigned)n * 57u) & 255u;
}

/* The keyword spelt by the n bytes at s, or -1 when they spell none. */
static inline int kw_find(const struct kw_index *ix, const char *s, size_t n)
{
	if (n == 0 || n > ix->maxlen)
		return -1;
	for (unsigned h = kw_hash(s, n); ix->slot[h] != 0; h = (h + 1) & 255u) {
		if (ix->len[h] != n)
			continue;
		const char *w = kw_table[ix->slot[h] - 1].spelling;
		size_t i = 0;
		while (i < n && w[i] == s[i])   /* a few bytes: no call to memcmp */
			i++;
		if (i == n)
			return ix->slot[h] - 1;
	}
	return -1;
}

#endif
