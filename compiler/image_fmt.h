/* image_fmt.h: internals of the image module shared by image.c, image_write.c, image_read.c
 * and image_json.c: the format's layout constants, its pinned enum codes, and the checks
 * writer and reader both apply to strings. Not an interface for other modules (image.h is). */
#ifndef HP_IMAGE_FMT_H
#define HP_IMAGE_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image.h"

/* Header: magic[8] version:u32 total:u64 source_sha256[32], then the body, then the
 * SHA-256 of everything before it. */
#define IMG_OFF_VERSION 8
#define IMG_OFF_TOTAL 12
#define IMG_OFF_HASH 20
#define IMG_HEADER_SIZE 52
#define IMG_CHECKSUM_SIZE IMAGE_HASH_LEN

#define IMG_NONE 0xFFFFFFFFu     /* an absent string; a location in no file */
#define IMG_MAX_PATH 4096        /* bytes of a source path */
#define IMG_MAX_DEPTH HP_MAX_DEPTH /* statement nesting and condition depth, as the parser caps them */

/* Smallest encoding of one element of each list: a count that could not fit in the bytes
 * left is refused before anything is allocated for it. */
#define IMG_MIN_SOURCE 9
#define IMG_MIN_PARAM 46
#define IMG_MIN_REQUIRE 45
#define IMG_MIN_MODEL 29
#define IMG_MIN_HFILE 29
#define IMG_MIN_HOTFIX 44
#define IMG_MIN_NAME 16
#define IMG_MIN_PROC 33
#define IMG_MIN_ROLE 29
#define IMG_MIN_STMT 45
#define IMG_MIN_ACTION 21
#define IMG_MIN_LITERAL 14

/* The enum values of ast.h are the codes the image stores: pin them, so that reordering an
 * enum breaks the build here instead of silently changing the format (bump IMAGE_VERSION
 * and docs/image.md when one must change). */
_Static_assert(TY_BOOL == 0 && TY_STORES == 5, "image codes: enum ast_type");
_Static_assert(LIT_STRING == 0 && LIT_INT == 1 && LIT_VERSION == 2 && LIT_DURATION == 3 && LIT_BOOL == 4,
	       "image codes: enum lit_kind");
_Static_assert(ST_ONE == 0 && ST_ALL == 1 && ST_IN == 2 && ST_NOT_IN == 3, "image codes: enum stores_kind");
_Static_assert(CMP_EQ == 0 && CMP_NE == 1 && CMP_LT == 2 && CMP_LE == 3 && CMP_GT == 4 && CMP_GE == 5,
	       "image codes: enum cmp_op");
_Static_assert(C_OR == 0 && C_AND == 1 && C_NOT == 2 && C_SERVICE == 3 && C_PROCESS == 4 && C_STORES == 5 &&
		       C_MEMBER == 6 && C_DOWN == 7 && C_OWNS_GROUP == 8 && C_OWNS_NO_GROUPS == 9 &&
		       C_INSTALLED == 10 && C_FILE_VERSION == 11 && C_FACT_CMP == 12 && C_FACT_IN == 13 &&
		       C_COUNT == 14 && C_PARAM == 15,
	       "image codes: enum cond_kind");
_Static_assert(A_STOP_SERVICE == 0 && A_START_SERVICE == 1 && A_KILL_PROCESS == 2 && A_DISMOUNT == 3 &&
		       A_MOUNT == 4 && A_INSTALL == 5 && A_RESTART_NODE == 6 && A_MOVE_GROUP == 7 &&
		       A_DISABLE_RESTART == 8 && A_ENABLE_RESTART == 9 && A_WAIT_UNTIL == 10 && A_WAIT == 11 &&
		       A_VERIFY == 12 && A_PAUSE == 13 && A_EXEC == 14,
	       "image codes: enum action_kind");
_Static_assert(S_STEP == 0 && S_CHECKPOINT == 1 && S_FOREACH == 2 && S_IF == 3, "image codes: enum stmt_kind");
_Static_assert(R_OWNER_OF == 0 && R_ANY_EXCEPT == 1 && R_ALL == 2 && R_ALL_EXCEPT == 3,
	       "image codes: enum role_kind");
_Static_assert(PROC_STANDALONE == 0 && PROC_CLUSTER == 1, "image codes: enum proc_kind");
_Static_assert(M_SERVICE == 0 && M_CLUSTER_SERVICE == 1 && M_RESOURCE == 2 && M_GROUP == 3 && M_STORE == 4 &&
		       M_RECOVER == 5,
	       "image codes: enum model_kind");

_Static_assert(C_DSTATE == 16 && A_CALL == 15, "image codes (version 2): declared state, a declared action");
_Static_assert(DS_TARGET == 0 && DS_NODE == 1 && DS_GROUP == 2 && DS_RESOURCE == 3, "image codes: enum decl_scope");
_Static_assert(E_REQUIRES == 0 && E_SET == 1 && E_MOVE == 2 && E_UNDO == 3, "image codes: enum effect_kind");

/* Version 2 is version 1 with declarations (docs/image.md): a plan that has none is written
 * as version 1, byte for byte as before. */
#define IMAGE_VERSION_DECL 2u
#define IMG_MAX_SCOPE DS_RESOURCE
#define IMG_MAX_EFFECT E_MOVE_AWAY

static inline bool image_has_decls(const struct ast_plan *plan)
{
	return plan->libs != NULL || plan->decls.states != NULL || plan->decls.actions != NULL ||
	       plan->decls.rules != NULL;
}

/* Version 3 is version 2 with what updates need and the notes libraries give built-in rules
 * (docs/language.md, "What an update needs"), after the declarations: written only for a
 * plan that has some, so every other plan's image stays as it was. */
#define IMAGE_VERSION_NEEDS 3u
#define IMG_MAX_NEED NEED_SERVICE_RESTART
_Static_assert(NEED_CLUSTER_STOPPED == 0 && NEED_RESTART == 1 && NEED_SERVICE_RESTART == 2,
	       "image codes (version 3): enum need_kind");

static inline bool image_has_needs(const struct ast_plan *plan)
{
	for (const struct ast_hotfix *h = plan->hotfixes; h != NULL; h = h->next)
		if (h->needs != NULL)
			return true;
	for (const struct ast_library *l = plan->libs; l != NULL; l = l->next)
		if (l->needs != NULL || l->notes != NULL)
			return true;
	return false;
}

/* The image format version a plan is written as. */
static inline unsigned image_version_of(const struct ast_plan *plan)
{
	return image_has_needs(plan) ? IMAGE_VERSION_NEEDS : image_has_decls(plan) ? IMAGE_VERSION_DECL : IMAGE_VERSION;
}

#define IMG_MAX_TYPE TY_STORES
#define IMG_MAX_LIT LIT_BOOL
#define IMG_MAX_STORES ST_NOT_IN
#define IMG_MAX_CMP CMP_GE
#define IMG_MAX_COND C_PARAM
#define IMG_MAX_ACTION A_EXEC
#define IMG_MAX_STMT S_IF
#define IMG_MAX_ROLE R_NODE        /* R_LOOPVAR (4) is never written */
#define IMG_MAX_PROC PROC_CLUSTER
#define IMG_MAX_MODEL M_RECOVER
/* What a plan knows (docs/language.md): written as the parser reads them, whatever sema made */
#define IMG_ALL_GROUPS_ON (C_DSTATE + 1)   /* `all groups on ROLE` */
#define IMG_MOVE_ALL (A_CALL + 1)          /* `move all groups to ROLE` */
#define IMG_GROUP_AT (M_RECOVER + 1)   /* `group "G" on ROLE|any node`: an M_GROUP with its start */

/* What a string field may hold: the shapes the scanner produces. */
enum img_str {
	IMG_IDENT,   /* [A-Za-z_][A-Za-z0-9_]* */
	IMG_FACT,    /* words joined by dots: exchange.version */
	IMG_TEXT,    /* a string literal's value: UTF-8, no control characters but tab and newline */
	IMG_PATH,    /* a source path: 1..IMG_MAX_PATH bytes, no control characters */
	IMG_LIBNAME, /* a library's name: an identifier, or lowercase words joined by `-` (lexer.l) */
};

/* Is s[0..n) a well-formed value of that shape? */
bool image_valid_str(enum img_str k, const char *s, size_t n);

/* The length of the well-formed UTF-8 sequence at p[0..n), or 0 when there is none. */
size_t image_utf8_seq(const unsigned char *p, size_t n);

/* The name of a shape, for messages ("identifier", "string", …). */
const char *image_str_what(enum img_str k);

/* Little-endian integers. */
static inline uint32_t img_get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t img_get_u64(const unsigned char *p)
{
	return (uint64_t)img_get_u32(p) | (uint64_t)img_get_u32(p + 4) << 32;
}

static inline void img_set_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static inline void img_set_u64(unsigned char *p, uint64_t v)
{
	img_set_u32(p, (uint32_t)v);
	img_set_u32(p + 4, (uint32_t)(v >> 32));
}

#endif
