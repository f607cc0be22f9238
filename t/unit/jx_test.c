/*
 * jx_test.c -- unit tests for libcommon/jx.c: parsing, compact dumps,
 * typed getters and the exact messages they give for bad input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "jx.h"

static json_t *parse_ok(const char *s)
{
	json_t *j = NULL;
	struct err e;

	assert_int_equal(jx_parse(s, strlen(s), &j, &e), RC_OK);
	assert_non_null(j);
	return j;
}

static void test_parse(void **state)
{
	struct err e;
	json_t *j = (json_t *)1;
	const char *s;

	(void)state;
	j = parse_ok("{\"a\": [1, 2, {\"b\": null}]}");
	assert_true(json_is_object(j));
	json_decref(j);
	j = parse_ok("42");
	assert_true(json_is_integer(j));
	json_decref(j);

	s = "{\"a\": 1,\n \"b\": }";
	assert_int_equal(jx_parse(s, strlen(s), &j, &e), RC_BAD_INPUT);
	assert_null(j);
	assert_int_equal(e.code, RC_BAD_INPUT);
	assert_non_null(strstr(e.msg, "malformed JSON at line 2 column"));
	assert_non_null(strstr(e.msg, "unexpected token near '}'"));

	s = "{\"a\":1,\"a\":2}";
	assert_int_equal(jx_parse(s, strlen(s), &j, &e), RC_BAD_INPUT);
	assert_non_null(strstr(e.msg, "duplicate object key"));

	s = "{\"a\":\"x\\u0000y\"}";
	assert_int_equal(jx_parse(s, strlen(s), &j, &e), RC_BAD_INPUT);
	assert_non_null(strstr(e.msg, "\\u0000 is not allowed"));

	s = "{\"a\":18446744073709551615}";
	assert_int_equal(jx_parse(s, strlen(s), &j, &e), RC_BAD_INPUT);
	assert_non_null(strstr(e.msg, "too big integer"));

	assert_int_equal(jx_parse("", 0, &j, &e), RC_BAD_INPUT);
	assert_non_null(strstr(e.msg, "malformed JSON at line"));
	/* Length is respected: the bytes after len are not read. */
	j = parse_ok("[1]");
	json_decref(j);
	assert_int_equal(jx_parse("[1]garbage", 3, &j, &e), RC_OK);
	json_decref(j);
	/* e may be NULL */
	assert_int_equal(jx_parse("{", 1, &j, NULL), RC_BAD_INPUT);
}

static void test_parse_object(void **state)
{
	struct err e;
	json_t *j = NULL;

	(void)state;
	assert_int_equal(jx_parse_object("[1,2]", 5, &j, &e), RC_BAD_INPUT);
	assert_null(j);
	assert_string_equal(e.msg, "expected a JSON object");
	assert_int_equal(jx_parse_object("{}", 2, &j, &e), RC_OK);
	assert_true(json_is_object(j));
	json_decref(j);
}

static void test_dump(void **state)
{
	struct err e;
	char *s = NULL;
	size_t len = 0;
	json_t *j;

	(void)state;
	j = json_pack("{s:i,s:[s,b],s:n}", "a", 1, "b", "x\"y", 1, "c");
	assert_non_null(j);
	assert_int_equal(jx_dump(j, &s, &len, &e), RC_OK);
	assert_string_equal(s, "{\"a\":1,\"b\":[\"x\\\"y\",true],\"c\":null}");
	assert_int_equal(len, strlen(s));
	free(s);
	assert_int_equal(jx_dump_line(j, &s, &len, &e), RC_OK);
	assert_string_equal(s,
			    "{\"a\":1,\"b\":[\"x\\\"y\",true],\"c\":null}\n");
	assert_int_equal(len, strlen(s));
	free(s);
	json_decref(j);

	j = json_integer(-7);
	assert_int_equal(jx_dump(j, &s, NULL, &e), RC_OK);
	assert_string_equal(s, "-7");
	free(s);
	json_decref(j);

	/* A large value crosses the buffer's growth steps intact. */
	j = json_array();
	for (int i = 0; i < 5000; i++)
		json_array_append_new(j, json_integer(i));
	assert_int_equal(jx_dump(j, &s, &len, &e), RC_OK);
	assert_int_equal(len, strlen(s));
	assert_memory_equal(s, "[0,1,2,", 7);
	assert_non_null(strstr(s, ",4998,4999]"));
	free(s);
	json_decref(j);

	s = (char *)1;
	assert_int_equal(jx_dump(NULL, &s, &len, &e), RC_INTERNAL);
	assert_null(s);
}

static void test_get_int(void **state)
{
	struct err e;
	int64_t v = 0;
	json_t *j;

	(void)state;
	j = parse_ok("{\"count\":5,\"neg\":-9223372036854775808,\"f\":1.0,"
		     "\"g\":1.5,\"s\":\"5\",\"b\":true,\"n\":null}");
	assert_int_equal(jx_get_int(j, "count", &v, &e), RC_OK);
	assert_int_equal(v, 5);
	assert_int_equal(jx_get_int(j, "neg", &v, &e), RC_OK);
	assert_true(v == INT64_MIN);

	v = 77;
	assert_int_equal(jx_get_int(j, "missing", &v, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "missing field 'missing'");
	assert_int_equal(v, 77);	/* untouched on error */
	assert_int_equal(jx_get_int(j, "f", &v, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "field 'f' must be an integer");
	assert_int_equal(jx_get_int(j, "g", &v, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "field 'g' must be an integer");
	assert_int_equal(jx_get_int(j, "s", &v, &e), RC_BAD_INPUT);
	assert_int_equal(jx_get_int(j, "b", &v, &e), RC_BAD_INPUT);
	/* A required field that is null is wrong, not missing. */
	assert_int_equal(jx_get_int(j, "n", &v, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "field 'n' must be an integer");
	assert_int_equal(v, 77);
	assert_int_equal(jx_get_int(j, "count", &v, NULL), RC_OK);
	json_decref(j);

	j = parse_ok("[1]");
	assert_int_equal(jx_get_int(j, "count", &v, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg,
			    "cannot read field 'count': not a JSON object");
	json_decref(j);
	assert_int_equal(jx_get_int(NULL, "count", &v, &e), RC_BAD_INPUT);
}

static void test_get_int_range(void **state)
{
	struct err e;
	int64_t v = 0;
	json_t *j;

	(void)state;
	j = parse_ok("{\"lo\":1,\"hi\":1000,\"over\":1001,\"zero\":0}");
	assert_int_equal(jx_get_int_range(j, "lo", 1, 1000, &v, &e), RC_OK);
	assert_int_equal(v, 1);
	assert_int_equal(jx_get_int_range(j, "hi", 1, 1000, &v, &e), RC_OK);
	assert_int_equal(v, 1000);
	assert_int_equal(jx_get_int_range(j, "over", 1, 1000, &v, &e),
			 RC_BAD_INPUT);
	assert_string_equal(e.msg, "field 'over' must be between 1 and 1000");
	assert_int_equal(jx_get_int_range(j, "zero", 1, 1000, &v, &e),
			 RC_BAD_INPUT);
	assert_int_equal(v, 1000);
	assert_int_equal(jx_get_int_range(j, "nope", 1, 1000, &v, &e),
			 RC_BAD_INPUT);
	assert_string_equal(e.msg, "missing field 'nope'");
	json_decref(j);
}

static void test_get_u64(void **state)
{
	struct err e;
	uint64_t v = 0;
	json_t *j;

	(void)state;
	j = parse_ok("{\"ts\":9223372036854775807,\"z\":0,\"neg\":-1,"
		     "\"f\":3.0,\"s\":\"1\"}");
	assert_int_equal(jx_get_u64(j, "ts", &v, &e), RC_OK);
	assert_true(v == (uint64_t)INT64_MAX);
	assert_int_equal(jx_get_u64(j, "z", &v, &e), RC_OK);
	assert_true(v == 0);
	assert_int_equal(jx_get_u64(j, "neg", &v, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg,
			    "field 'neg' must be a non-negative integer");
	assert_true(v == 0);
	assert_int_equal(jx_get_u64(j, "f", &v, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "field 'f' must be a non-negative integer");
	assert_int_equal(jx_get_u64(j, "s", &v, &e), RC_BAD_INPUT);
	assert_int_equal(jx_get_u64(j, "x", &v, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "missing field 'x'");
	json_decref(j);
}

static void test_get_bool_str(void **state)
{
	struct err e;
	const char *s = NULL;
	bool b = false;
	json_t *j;

	(void)state;
	j = parse_ok("{\"t\":true,\"f\":false,\"one\":1,\"name\":\"r\\u00e9\","
		     "\"empty\":\"\"}");
	assert_int_equal(jx_get_bool(j, "t", &b, &e), RC_OK);
	assert_true(b);
	assert_int_equal(jx_get_bool(j, "f", &b, &e), RC_OK);
	assert_false(b);
	assert_int_equal(jx_get_bool(j, "one", &b, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "field 'one' must be true or false");

	assert_int_equal(jx_get_str(j, "name", &s, &e), RC_OK);
	assert_string_equal(s, "r\xc3\xa9");
	assert_int_equal(jx_get_str(j, "empty", &s, &e), RC_OK);
	assert_string_equal(s, "");
	assert_int_equal(jx_get_str(j, "one", &s, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "field 'one' must be a string");
	assert_int_equal(jx_get_str(j, "zz", &s, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "missing field 'zz'");

	/* A string built in code with a NUL inside is refused. */
	json_object_set_new(j, "nul", json_stringn("a\0b", 3));
	assert_int_equal(jx_get_str(j, "nul", &s, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "field 'nul' must not contain NUL bytes");
	json_decref(j);
}

static void test_get_obj_arr(void **state)
{
	struct err e;
	json_t *j, *v = NULL;

	(void)state;
	j = parse_ok("{\"o\":{\"x\":1},\"a\":[1],\"s\":\"x\"}");
	assert_int_equal(jx_get_obj(j, "o", &v, &e), RC_OK);
	assert_true(json_is_object(v));
	assert_int_equal(jx_get_arr(j, "a", &v, &e), RC_OK);
	assert_int_equal(json_array_size(v), 1);
	assert_int_equal(jx_get_obj(j, "a", &v, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "field 'a' must be an object");
	assert_int_equal(jx_get_arr(j, "o", &v, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "field 'o' must be an array");
	assert_int_equal(jx_get_arr(j, "q", &v, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "missing field 'q'");
	json_decref(j);
}

static void test_optional(void **state)
{
	struct err e;
	json_t *j;
	int64_t i = 0;
	uint64_t u = 0;
	bool b = false;
	const char *s = NULL;

	(void)state;
	j = parse_ok("{\"i\":3,\"u\":4,\"b\":true,\"s\":\"x\",\"n\":null,"
		     "\"bad\":\"str\",\"neg\":-2}");
	assert_int_equal(jx_opt_int(j, "i", 9, &i, &e), RC_OK);
	assert_int_equal(i, 3);
	assert_int_equal(jx_opt_int(j, "absent", 9, &i, &e), RC_OK);
	assert_int_equal(i, 9);
	assert_int_equal(jx_opt_int(j, "n", 8, &i, &e), RC_OK);
	assert_int_equal(i, 8);
	assert_int_equal(jx_opt_int(j, "bad", 9, &i, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "field 'bad' must be an integer");

	assert_int_equal(jx_opt_u64(j, "u", 9, &u, &e), RC_OK);
	assert_true(u == 4);
	assert_int_equal(jx_opt_u64(j, "absent", 9, &u, &e), RC_OK);
	assert_true(u == 9);
	assert_int_equal(jx_opt_u64(j, "neg", 9, &u, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg,
			    "field 'neg' must be a non-negative integer");

	assert_int_equal(jx_opt_bool(j, "b", false, &b, &e), RC_OK);
	assert_true(b);
	assert_int_equal(jx_opt_bool(j, "absent", false, &b, &e), RC_OK);
	assert_false(b);
	assert_int_equal(jx_opt_bool(j, "i", false, &b, &e), RC_BAD_INPUT);

	assert_int_equal(jx_opt_str(j, "s", "d", &s, &e), RC_OK);
	assert_string_equal(s, "x");
	assert_int_equal(jx_opt_str(j, "n", "d", &s, &e), RC_OK);
	assert_string_equal(s, "d");
	assert_int_equal(jx_opt_str(j, "absent", NULL, &s, &e), RC_OK);
	assert_null(s);
	assert_int_equal(jx_opt_str(j, "i", "d", &s, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "field 'i' must be a string");
	json_decref(j);

	/* Optional still needs an object to look in. */
	j = json_string("x");
	assert_int_equal(jx_opt_int(j, "i", 1, &i, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "cannot read field 'i': not a JSON object");
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_object),
		cmocka_unit_test(test_dump),
		cmocka_unit_test(test_get_int),
		cmocka_unit_test(test_get_int_range),
		cmocka_unit_test(test_get_u64),
		cmocka_unit_test(test_get_bool_str),
		cmocka_unit_test(test_get_obj_arr),
		cmocka_unit_test(test_optional),
	};

	return cmocka_run_group_tests_name("jx", tests, NULL, NULL);
}
