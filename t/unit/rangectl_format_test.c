/*
 * rangectl_format_test.c -- unit tests for cmd/rangectl/format.c: the
 * readable form of keys (exact spellings, "+inf", bad escapes), its round
 * trip over seeded random keys, keys in query strings, and HOST:PORT
 * addresses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "format.h"

/* format_key(key, len, is_end) must be want. */
static void key_is(const char *key, size_t len, int is_end, const char *want)
{
	char *s = NULL;
	struct err e;

	assert_int_equal(format_key(key, len, is_end, &s, &e), RC_OK);
	assert_string_equal(s, want);
	free(s);
}

static void test_key_spelling(void **state)
{
	(void)state;
	key_is("k0500", 5, 0, "k0500");
	key_is("a b~", 4, 0, "a b~");
	key_is("\x01", 1, 0, "\\x01");
	key_is("a\tb\n", 4, 0, "a\\x09b\\x0a");
	key_is("\\", 1, 0, "\\\\");
	key_is("x\\x41", 5, 0, "x\\\\x41");
	key_is("\x00\x7f\x80\xff", 4, 0, "\\x00\\x7f\\x80\\xff");
	key_is("\xc3\xa9", 2, 0, "\\xc3\\xa9");	/* UTF-8 is still bytes */
	/* the end of the keyspace, and the key that looks like it */
	key_is("", 0, 1, "+inf");
	key_is("", 0, 0, "");
	key_is("+inf", 4, 0, "\\x2binf");
	key_is("+inf", 4, 1, "\\x2binf");
	key_is("+inf2", 5, 0, "+inf2");
	key_is("+in", 3, 1, "+in");
}

/* format_parse_key(s) must give want[0..len). */
static void parse_is(const char *s, const char *want, size_t len)
{
	unsigned char *k = NULL;
	size_t n = 99;
	struct err e;

	assert_int_equal(format_parse_key(s, &k, &n, &e), RC_OK);
	assert_non_null(k);
	assert_int_equal(n, len);
	assert_memory_equal(k, want, len);
	free(k);
}

/* format_parse_key(s) must fail with a message containing want. */
static void parse_fails(const char *s, const char *want)
{
	unsigned char *k = (unsigned char *)1;
	size_t n = 99;
	struct err e;

	assert_int_equal(format_parse_key(s, &k, &n, &e), RC_BAD_INPUT);
	assert_null(k);
	assert_int_equal(n, 0);
	if (strstr(e.msg, want) == NULL)
		fail_msg("message '%s' lacks '%s'", e.msg, want);
}

static void test_key_parsing(void **state)
{
	(void)state;
	parse_is("k0500", "k0500", 5);
	parse_is("", "", 0);
	parse_is("\\\\", "\\", 1);
	parse_is("\\x00\\xFF\\x7f", "\x00\xff\x7f", 3);
	parse_is("a\\x2binf", "a+inf", 5);
	parse_is("\\x2binf", "+inf", 4);
	parse_is("+inf2", "+inf2", 5);
	parse_fails("+inf", "'+inf' is the end of the keyspace");
	parse_fails("a\\q", "bad escape at offset 1 of key 'a\\q'");
	parse_fails("ab\\", "bad escape at offset 2");
	parse_fails("\\x", "bad escape at offset 0");
	parse_fails("\\x4", "bad escape at offset 0");
	parse_fails("\\x4g", "bad escape at offset 0");
	parse_fails("ok\\\\\\n", "bad escape at offset 4");
}

/* Random keys (seeded) survive format_key then format_parse_key. */
static void test_round_trip(void **state)
{
	unsigned seed = 20261124;
	unsigned char key[64];

	(void)state;
	for (int round = 0; round < 20000; round++) {
		size_t len = (size_t)(rand_r(&seed) % (int)sizeof(key)), n;
		unsigned char *back = NULL;
		char *s = NULL;
		struct err e;
		int is_end = round % 2;

		for (size_t i = 0; i < len; i++) {
			/* mostly the tricky bytes: \, +, x, controls */
			static const unsigned char pick[] = "\\+infx0\x00\x7f\xff";
			int r = rand_r(&seed);

			key[i] = r % 3 ? pick[(size_t)(r >> 4) % (sizeof(pick) - 1)]
				       : (unsigned char)(r >> 8);
		}
		if (round % 97 == 0) {
			memcpy(key, "+inf", 4);
			len = 4;
		}
		assert_int_equal(format_key(key, len, is_end, &s, &e), RC_OK);
		/* never a tab, newline or other control byte in a column */
		for (const char *p = s; *p != '\0'; p++)
			assert_true(*p >= 0x20 && *p <= 0x7e);
		if (is_end && len == 0) {
			assert_string_equal(s, "+inf");
			free(s);
			continue;
		}
		assert_int_equal(format_parse_key(s, &back, &n, &e), RC_OK);
		assert_int_equal(n, len);
		if (len > 0)
			assert_memory_equal(back, key, len);
		free(back);
		free(s);
	}
}

static void query_is(const char *name, const char *key, size_t len,
		     const char *want)
{
	char *q = NULL;
	struct err e;

	assert_int_equal(format_query_key(name, key, len, &q, &e), RC_OK);
	assert_string_equal(q, want);
	free(q);
}

static void test_query(void **state)
{
	char *p = NULL;
	struct err e;

	(void)state;
	query_is("key", "k0500", 5, "key=k0500");
	query_is("key", "a b/c?d=e&f%", 12, "key=a%20b%2Fc%3Fd%3De%26f%25");
	query_is("key", "A-._~z", 6, "key=A-._~z");
	query_is("start", "\xc3\xa9", 2, "start=%C3%A9");	/* valid UTF-8 */
	/* NUL or invalid UTF-8: base64, its '+', '/', '=' escaped */
	query_is("key", "k\x00", 2, "key_b64=awA%3D");
	query_is("start", "\xfb\xff", 2, "start_b64=%2B%2F8%3D");
	query_is("key", "", 0, "key=");
	assert_int_equal(format_percent("\x01\x7f", 2, &p, &e), RC_OK);
	assert_string_equal(p, "%01%7F");
	free(p);
}

static void test_addr(void **state)
{
	(void)state;
	assert_true(format_addr_valid("127.0.0.1:7101"));
	assert_true(format_addr_valid("localhost:1"));
	assert_true(format_addr_valid("db-7.example.org:65535"));
	assert_true(format_addr_valid("[::1]:7101"));
	assert_false(format_addr_valid("localhost"));
	assert_false(format_addr_valid(":7101"));
	assert_false(format_addr_valid("h:"));
	assert_false(format_addr_valid("h:0"));
	assert_false(format_addr_valid("h:65536"));
	assert_false(format_addr_valid("h:-1"));
	assert_false(format_addr_valid("h:71x"));
	assert_false(format_addr_valid("http://h:7101"));
	assert_false(format_addr_valid("h:7101/"));
	assert_false(format_addr_valid("u@h:7101"));
	assert_false(format_addr_valid("h :7101"));
	assert_false(format_addr_valid(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_spelling),
		cmocka_unit_test(test_key_parsing),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_addr),
	};

	return cmocka_run_group_tests_name("rangectl_format", tests, NULL,
					   NULL);
}
