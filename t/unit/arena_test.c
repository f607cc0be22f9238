/*
 * arena_test.c -- unit tests for arena.c: alignment, zeroing, big
 * allocations in blocks of their own, reset and reuse, string helpers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

static void test_alloc_aligned_zeroed(void **state)
{
	struct arena *a = arena_new();
	size_t i, n;

	(void)state;
	assert_non_null(a);
	for (i = 0; i < 5000; i++) {
		n = 1 + (i * 7919) % 300;
		unsigned char *p = arena_alloc(a, n);

		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 16, 0);
		for (size_t j = 0; j < n; j++)
			assert_int_equal(p[j], 0);
		memset(p, 0xab, n);	/* must not disturb later allocations */
	}
	assert_true(arena_used(a) >= 5000);
	arena_free(a);
}

static void test_big_and_reset(void **state)
{
	struct arena *a = arena_new();
	char *small, *big, *after;

	(void)state;
	assert_non_null(a);
	small = arena_alloc(a, 10);
	assert_non_null(small);
	memcpy(small, "small", 6);
	big = arena_alloc(a, 1 << 20);
	assert_non_null(big);
	memset(big, 1, 1 << 20);
	/* The current block is still in use after a big allocation. */
	after = arena_alloc(a, 10);
	assert_non_null(after);
	assert_ptr_equal(after, small + 16);
	assert_string_equal(small, "small");
	assert_true(arena_used(a) >= (1 << 20) + 20);
	arena_reset(a);
	assert_int_equal(arena_used(a), 0);
	for (int i = 0; i < 100; i++) {
		char *p = arena_alloc(a, 4000);

		assert_non_null(p);
		assert_int_equal(p[0], 0);
		assert_int_equal(p[3999], 0);
		memset(p, 2, 4000);
	}
	arena_reset(a);
	assert_non_null(arena_alloc(a, 1));
	arena_free(a);
	arena_free(NULL);
}

static void test_strings(void **state)
{
	struct arena *a = arena_new();
	char *s;
	void *m;

	(void)state;
	s = arena_strndup(a, "hello world", 5);
	assert_string_equal(s, "hello");
	s = arena_strndup(a, "", 0);
	assert_string_equal(s, "");
	s = arena_printf(a, "%s=%d", "x", 42);
	assert_string_equal(s, "x=42");
	m = arena_memdup(a, "\0\1\2", 3);
	assert_memory_equal(m, "\0\1\2", 3);
	assert_non_null(arena_memdup(a, NULL, 0));
	assert_null(arena_alloc(a, SIZE_MAX));
	assert_null(arena_alloc(a, SIZE_MAX - 8));
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_aligned_zeroed),
		cmocka_unit_test(test_big_and_reset),
		cmocka_unit_test(test_strings),
	};

	return cmocka_run_group_tests_name("arena", tests, NULL, NULL);
}
