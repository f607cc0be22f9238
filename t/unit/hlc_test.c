/*
 * hlc_test.c -- unit tests for hlc.c, driven by an injectable wall clock:
 * monotonicity when the clock stands still or steps back, logical
 * overflow, receive rules, the maximum-offset check and the text forms.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "hlc.h"

static uint64_t fake_ms;

static uint64_t fake_clock(void *arg)
{
	(void)arg;
	return fake_ms;
}

static void test_now_follows_wall_clock(void **state)
{
	struct hlc h;
	uint64_t a, b;

	(void)state;
	fake_ms = 1000;
	hlc_init(&h, 500, fake_clock, NULL);
	a = hlc_now(&h);
	assert_int_equal(hlc_physical(a), 1000);
	assert_int_equal(hlc_logical(a), 0);
	b = hlc_now(&h);	/* same millisecond: logical counts up */
	assert_int_equal(b, hlc_make(1000, 1));
	fake_ms = 1005;
	assert_int_equal(hlc_now(&h), hlc_make(1005, 0));
}

static void test_clock_steps_back(void **state)
{
	struct hlc h;
	uint64_t prev, ts;
	int i;

	(void)state;
	fake_ms = 50000;
	hlc_init(&h, 500, fake_clock, NULL);
	prev = hlc_now(&h);
	fake_ms = 10000;	/* NTP stepped the clock back 40 s */
	for (i = 0; i < 1000; i++) {
		ts = hlc_now(&h);
		assert_true(ts > prev);
		assert_int_equal(hlc_physical(ts), 50000);
		prev = ts;
	}
	fake_ms = 50001;
	ts = hlc_now(&h);
	assert_int_equal(ts, hlc_make(50001, 0));
}

static void test_logical_overflow_carries(void **state)
{
	struct hlc h;
	uint64_t ts = 0, prev;
	int i;

	(void)state;
	fake_ms = 7;
	hlc_init(&h, 0, fake_clock, NULL);
	prev = hlc_now(&h);
	for (i = 0; i < 70000; i++) {
		ts = hlc_now(&h);
		assert_true(ts > prev);
		prev = ts;
	}
	/* 70001 values in one ms: the counter wrapped into ms 8 */
	assert_int_equal(hlc_physical(ts), 8);
	assert_int_equal(hlc_logical(ts), 70000 - 65536);
}

static void test_reserve(void **state)
{
	struct hlc h;
	uint64_t first, second;

	(void)state;
	fake_ms = 100;
	hlc_init(&h, 0, fake_clock, NULL);
	assert_int_equal(hlc_reserve(&h, 10, &first, NULL), RC_OK);
	assert_int_equal(first, hlc_make(100, 0));
	assert_int_equal(hlc_reserve(&h, 1, &second, NULL), RC_OK);
	assert_int_equal(second, first + 10);
	assert_int_equal(hlc_reserve(&h, 0, &second, NULL), RC_BAD_INPUT);
}

static void test_update_rules(void **state)
{
	struct hlc h;
	struct err e;
	uint64_t out, local;

	(void)state;
	fake_ms = 10000;
	hlc_init(&h, 500, fake_clock, NULL);
	local = hlc_now(&h);
	/* from the past: no effect beyond ordering after our own */
	assert_int_equal(hlc_update(&h, hlc_make(9000, 3), &out, &e), RC_OK);
	assert_true(out > local);
	/* slightly ahead (within max offset): we move past it */
	assert_int_equal(hlc_update(&h, hlc_make(10400, 7), &out, &e), RC_OK);
	assert_int_equal(out, hlc_make(10400, 8));
	assert_true(hlc_now(&h) > out);
	/* too far ahead: refused, and the clock did not move */
	local = hlc_now(&h);
	assert_int_equal(hlc_update(&h, hlc_make(10501, 0), &out, &e),
			 RC_CLOCK_SKEW);
	assert_non_null(strstr(e.msg, "501 ms ahead"));
	assert_non_null(strstr(e.msg, "maximum offset 500 ms"));
	assert_int_equal(hlc_now(&h), local + 1);
	/* exactly at the limit is fine */
	assert_int_equal(hlc_update(&h, hlc_make(10500, 0), NULL, &e), RC_OK);
}

static void test_floor(void **state)
{
	struct hlc h;

	(void)state;
	fake_ms = 1;
	hlc_init(&h, 500, fake_clock, NULL);
	hlc_floor(&h, hlc_make(99999, 5));	/* far ahead: no skew check */
	assert_int_equal(hlc_now(&h), hlc_make(99999, 6));
	hlc_floor(&h, hlc_make(5, 0));		/* lower floor: ignored */
	assert_int_equal(hlc_now(&h), hlc_make(99999, 7));
}

static void test_text_forms(void **state)
{
	char buf[HLC_TEXT_MAX];
	uint64_t ts;
	struct err e;

	(void)state;
	ts = hlc_make(1795417356123ULL, 42);
	hlc_format(ts, buf, sizeof(buf));
	assert_string_equal(buf, "1795417356123.00042");
	hlc_format_iso(ts, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-23T07:02:36.123Z+42");
	assert_int_equal(hlc_parse("1795417356123.00042", &ts, &e), RC_OK);
	assert_int_equal(ts, hlc_make(1795417356123ULL, 42));
	assert_int_equal(hlc_parse("12345", &ts, &e), RC_OK);
	assert_int_equal(ts, 12345);
	assert_int_equal(hlc_parse("1.65536", &ts, &e), RC_BAD_INPUT);
	assert_int_equal(hlc_parse(".5", &ts, &e), RC_BAD_INPUT);
	assert_int_equal(hlc_parse("", &ts, &e), RC_BAD_INPUT);
	assert_int_equal(hlc_parse("12x", &ts, &e), RC_BAD_INPUT);
	assert_int_equal(hlc_parse("-1", &ts, &e), RC_BAD_INPUT);
	/* a too-small buffer never overflows */
	hlc_format(ts, buf, 4);
	assert_int_equal(strlen(buf), 3);
}

static void test_real_clock(void **state)
{
	struct hlc h;
	uint64_t a, b;

	(void)state;
	hlc_init(&h, 500, NULL, NULL);
	a = hlc_now(&h);
	b = hlc_now(&h);
	assert_true(b > a);
	/* after 2020-01-01 */
	assert_true(hlc_physical(a) > 1577836800000ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_now_follows_wall_clock),
		cmocka_unit_test(test_clock_steps_back),
		cmocka_unit_test(test_logical_overflow_carries),
		cmocka_unit_test(test_reserve),
		cmocka_unit_test(test_update_rules),
		cmocka_unit_test(test_floor),
		cmocka_unit_test(test_text_forms),
		cmocka_unit_test(test_real_clock),
	};

	return cmocka_run_group_tests_name("hlc", tests, NULL, NULL);
}
