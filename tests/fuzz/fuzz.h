/* fuzz.h: what every harness in tests/fuzz/ shares: the libFuzzer entry points, and the
 * helpers for the harnesses' oracles. Nothing here allocates memory the caller must free
 * unless a comment says so. */
#ifndef HP_FUZZ_H
#define HP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* libFuzzer's interface (tests/fuzz/replay_main.c provides main() where libFuzzer is not
 * linked). LLVMFuzzerInitialize is optional in libFuzzer; every harness here defines it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* An oracle failed: say which and abort, so that libFuzzer (or the replay driver, or
 * ctest) records the input as a crash. */
#define FUZZ_ASSERT(cond, ...)                                                              \
	do {                                                                                \
		if (!(cond)) {                                                              \
			fprintf(stderr, "%s:%d: fuzz oracle failed: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                                       \
			fputc('\n', stderr);                                                \
			abort();                                                            \
		}                                                                           \
	} while (0)

/* A FILE that discards what is written to it (/dev/null, opened once per process). */
FILE *fuzz_devnull(void);

#endif
