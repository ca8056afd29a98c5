/* fuzz_frontend.c: libFuzzer harness for the front end and the checker: the input is the
 * text of a plan file. It goes the way `hotplan check` and `hotplan compile` take it:
 * parse_buffer, check_file (CHECK_ALL, kind not named), diag_finish, the three printed
 * forms; then, as `hotplan graph` would, the graph of each procedure; and, when the plan
 * is clean and alone in its file, `hotplan compile`'s image and its JSON view.
 * Oracle besides the sanitizers: an image compiled from a clean plan loads, checks clean
 * and writes back to the same bytes. */
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "ctx.h"
#include "fuzz.h"
#include "graph.h"
#include "image.h"
#include "parse.h"

/* NOLINTNEXTLINE(readability-non-const-parameter): libFuzzer's signature */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_devnull();
	return 0;
}

/* `hotplan compile` of a clean plan: the image must load, check clean and write the same
 * bytes again (the loader and the writer agree on every AST the parser builds). */
static void check_image_round_trip(struct hp_ctx *ctx, const struct ast_plan *plan)
{
	unsigned char *img = NULL, *again = NULL;
	size_t len = 0, len2 = 0;
	char err[512] = "";

	FUZZ_ASSERT(image_write(ctx, plan, &img, &len, err, sizeof(err)) == 0, "image_write of a clean plan: %s",
		    err);
	FUZZ_ASSERT(image_write_json(ctx, plan, fuzz_devnull(), err, sizeof(err)) == 0,
		    "image_write_json of a clean plan: %s", err);

	struct hp_ctx c2;
	struct ast_file *f2 = NULL;
	ctx_init(&c2);
	FUZZ_ASSERT(image_read(&c2, img, len, &f2, err, sizeof(err)) == 0, "image_read of a fresh image: %s", err);
	check_file(&c2, f2, CHECK_ALL, false);
	diag_finish(&c2);
	FUZZ_ASSERT(c2.diags.errors == 0, "the plan checks clean from source but not from its image (%u errors)",
		    c2.diags.errors);
	FUZZ_ASSERT(f2->plans != NULL && f2->plans->next == NULL, "the image holds one plan");
	FUZZ_ASSERT(image_write(&c2, f2->plans, &again, &len2, err, sizeof(err)) == 0, "image_write again: %s", err);
	FUZZ_ASSERT(len == len2 && memcmp(img, again, len) == 0,
		    "an image read back writes different bytes (%zu, then %zu)", len, len2);
	free(again);
	free(img);
	ctx_free(&c2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hp_ctx ctx;

	ctx_init(&ctx);
	struct ast_file *f = parse_buffer(&ctx, "fuzz.hplan", (const char *)data, size);
	check_file(&ctx, f, CHECK_ALL, false);
	diag_finish(&ctx);

	/* the three forms `check --format` prints. JSON and SARIF are built with jansson (which
	 * emits only valid JSON) and cost nine tenths of the time when printed for every input
	 * (SARIF carries the whole rule table): each is printed for a quarter of the inputs,
	 * chosen by length, so that the fuzzer's time goes to the parser and the checker. */
	diag_print_text(&ctx, fuzz_devnull(), size > 0 && (data[0] & 1));
	if (size % 4 == 0)
		FUZZ_ASSERT(diag_print_json(&ctx, fuzz_devnull()) == 0, "diag_print_json failed");
	if (size % 4 == 1)
		FUZZ_ASSERT(diag_print_sarif(&ctx, fuzz_devnull()) == 0, "diag_print_sarif failed");

	/* `hotplan graph` draws a plan whose names resolve (no HP001-HP006 error) */
	bool names_ok = true;
	for (unsigned i = 0; i < ctx.diags.n; i++)
		if (ctx.diags.v[i]->severity == SEV_ERROR && ctx.diags.v[i]->rule <= HP006)
			names_ok = false;
	if (names_ok && f->plans != NULL) {
		graph_write_dot(&ctx, f->plans, PROC_STANDALONE, fuzz_devnull());
		graph_write_dot(&ctx, f->plans, PROC_CLUSTER, fuzz_devnull());
	}

	if (ctx.diags.errors == 0 && f->plans != NULL && f->plans->next == NULL)
		check_image_round_trip(&ctx, f->plans);

	ctx_free(&ctx);
	return 0;
}
