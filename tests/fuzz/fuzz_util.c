/* fuzz_util.c: helpers shared by the harnesses (fuzz.h). */
#include "fuzz.h"

FILE *fuzz_devnull(void)
{
	static FILE *null;

	if (null == NULL) {
		null = fopen("/dev/null", "w");
		if (null == NULL) {
			perror("fuzz: open /dev/null");
			abort();
		}
	}
	return null;
}
