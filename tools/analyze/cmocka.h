/* tools/analyze/cmocka.h: <cmocka.h> with its assertions restated for clang-tidy's static
 * analyser. tools/analyze.sh puts tools/analyze/ first on the include path of tests/unit/
 * sources when it runs clang-tidy, so their `#include <cmocka.h>` comes here (and this
 * header takes the real one with #include_next); it is never compiled into a test binary.
 *
 * cmocka 1.1.5 (Debian 12) reports a failed assertion through _fail(), which longjmps back
 * to the runner but is not declared noreturn, so the analyser follows each test past a
 * failed assert_non_null() and reports the null dereference "behind" it. Here every
 * assertion is an `if` that calls a noreturn function, so the analyser learns what the test
 * has asserted, and a real bug after an assertion is still found. String and memory
 * comparisons go through opaque declarations: the analyser assumes nothing from them. */
#ifndef HOTPLAN_ANALYZE_CMOCKA_H
#define HOTPLAN_ANALYZE_CMOCKA_H

#include <stdint.h>

#include_next <cmocka.h>

#ifndef __clang_analyzer__
#error "tools/analyze/cmocka.h is for static analysis only (tools/analyze.sh)"
#endif

void hp_analyze_fail(void) __attribute__((noreturn));
int hp_analyze_streq(const char *a, const char *b);
int hp_analyze_memeq(const void *a, const void *b, size_t n);
int hp_analyze_in_range(uintmax_t v, uintmax_t lo, uintmax_t hi);

#define HP_ANALYZE_CHECK(c) ((c) ? (void)0 : hp_analyze_fail())

#undef fail
#define fail() hp_analyze_fail()
#undef skip
#define skip() hp_analyze_fail()
#undef assert_true
#define assert_true(c) HP_ANALYZE_CHECK(c)
#undef assert_false
#define assert_false(c) HP_ANALYZE_CHECK(!(c))
#undef assert_non_null
#define assert_non_null(c) HP_ANALYZE_CHECK((c) != NULL)
#undef assert_null
#define assert_null(c) HP_ANALYZE_CHECK((c) == NULL)
#undef assert_ptr_equal
#define assert_ptr_equal(a, b) HP_ANALYZE_CHECK((const void *)(a) == (const void *)(b))
#undef assert_ptr_not_equal
#define assert_ptr_not_equal(a, b) HP_ANALYZE_CHECK((const void *)(a) != (const void *)(b))
#undef assert_int_equal
#define assert_int_equal(a, b) HP_ANALYZE_CHECK((uintmax_t)(a) == (uintmax_t)(b))
#undef assert_int_not_equal
#define assert_int_not_equal(a, b) HP_ANALYZE_CHECK((uintmax_t)(a) != (uintmax_t)(b))
#undef assert_return_code
#define assert_return_code(rc, error) HP_ANALYZE_CHECK((intmax_t)(rc) >= 0)
#undef assert_string_equal
#define assert_string_equal(a, b) HP_ANALYZE_CHECK(hp_analyze_streq((a), (b)))
#undef assert_string_not_equal
#define assert_string_not_equal(a, b) HP_ANALYZE_CHECK(!hp_analyze_streq((a), (b)))
#undef assert_memory_equal
#define assert_memory_equal(a, b, n) HP_ANALYZE_CHECK(hp_analyze_memeq((a), (b), (n)))
#undef assert_memory_not_equal
#define assert_memory_not_equal(a, b, n) HP_ANALYZE_CHECK(!hp_analyze_memeq((a), (b), (n)))
#undef assert_in_range
#define assert_in_range(v, lo, hi) \
	HP_ANALYZE_CHECK(hp_analyze_in_range((uintmax_t)(v), (uintmax_t)(lo), (uintmax_t)(hi)))
#undef assert_not_in_range
#define assert_not_in_range(v, lo, hi) \
	HP_ANALYZE_CHECK(!hp_analyze_in_range((uintmax_t)(v), (uintmax_t)(lo), (uintmax_t)(hi)))

#endif
