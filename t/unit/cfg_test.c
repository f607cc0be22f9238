/*
 * cfg_test.c -- unit tests of libcommon/cfg.c: the file syntax, every
 * error message exactly, command-line overrides, the typed getters and
 * their bounds, schema checks with did-you-mean hints, and the sample
 * etc/rangedb.conf (found through $RANGEDB_SRCDIR, default ".").
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"

static struct cfg *parse_ok(const char *text)
{
	struct cfg *cfg = NULL;
	struct err e;

	err_clear(&e);
	if (cfg_parse(text, strlen(text), "t.conf", &cfg, &e) != RC_OK)
		fail_msg("unexpected parse error: %s", e.msg);
	assert_non_null(cfg);
	return cfg;
}

static void parse_fails(const char *text, size_t len, const char *msg)
{
	struct cfg *cfg = (struct cfg *)&cfg;	/* must become NULL */
	struct err e;

	err_clear(&e);
	assert_int_equal(cfg_parse(text, len, "t.conf", &cfg, &e),
			 RC_BAD_INPUT);
	assert_null(cfg);
	assert_int_equal(e.code, RC_BAD_INPUT);
	assert_string_equal(e.msg, msg);
}

/* ---- syntax ------------------------------------------------------------- */

static void test_parse_syntax(void **state)
{
	struct cfg *cfg = parse_ok(
		"\xef\xbb\xbf# comment\n"
		"; another comment\n"
		"top = global value\n"
		"\n"
		"  [ tsod ]   # header comment\n"
		"listen = 127.0.0.1:7000   # trailing comment\n"
		"\tdata=/var/lib/x\t\n"
		"hash = a#b\n"
		"semi = a;b ; not a comment\n"
		"empty =\n"
		"empty2 =    # only a comment\n"
		"q1 = \"  spaced # not a comment  \"  # comment\n"
		"q2 = \"a\\\"b\\\\c\\nd\\te\"\n"
		"q3 = \"\"\n"
		"inner = a \"b\" c\n"
		"crlf = yes\r\n"
		"[node.1]\n"
		"address = 127.0.0.1:7101\n"
		"[node.2]\n"
		"address = 127.0.0.1:7102\n"
		"[raftd]\n"
		"last = no newline");

	assert_string_equal(cfg_get(cfg, "", "top"), "global value");
	assert_string_equal(cfg_get(cfg, "tsod", "listen"), "127.0.0.1:7000");
	assert_string_equal(cfg_get(cfg, "tsod", "data"), "/var/lib/x");
	assert_string_equal(cfg_get(cfg, "tsod", "hash"), "a#b");
	assert_string_equal(cfg_get(cfg, "tsod", "semi"),
			    "a;b ; not a comment");
	assert_string_equal(cfg_get(cfg, "tsod", "empty"), "");
	assert_string_equal(cfg_get(cfg, "tsod", "empty2"), "");
	assert_string_equal(cfg_get(cfg, "tsod", "q1"),
			    "  spaced # not a comment  ");
	assert_string_equal(cfg_get(cfg, "tsod", "q2"), "a\"b\\c\nd\te");
	assert_string_equal(cfg_get(cfg, "tsod", "q3"), "");
	assert_string_equal(cfg_get(cfg, "tsod", "inner"), "a \"b\" c");
	assert_string_equal(cfg_get(cfg, "tsod", "crlf"), "yes");
	assert_string_equal(cfg_get(cfg, "raftd", "last"), "no newline");
	assert_null(cfg_get(cfg, "tsod", "missing"));
	assert_null(cfg_get(cfg, "nosuch", "listen"));
	assert_null(cfg_get(cfg, "", "listen"));
	/* Case-sensitive names. */
	assert_null(cfg_get(cfg, "TSOD", "listen"));
	assert_null(cfg_get(cfg, "tsod", "LISTEN"));

	assert_int_equal(cfg_section_count(cfg), 5);
	assert_string_equal(cfg_section_name(cfg, 0), "");
	assert_string_equal(cfg_section_name(cfg, 1), "tsod");
	assert_string_equal(cfg_section_name(cfg, 2), "node.1");
	assert_string_equal(cfg_section_name(cfg, 3), "node.2");
	assert_string_equal(cfg_section_name(cfg, 4), "raftd");
	assert_null(cfg_section_name(cfg, 5));

	assert_int_equal(cfg_section_count_prefix(cfg, "node."), 2);
	assert_string_equal(cfg_section_name_prefix(cfg, "node.", 0),
			    "node.1");
	assert_string_equal(cfg_section_name_prefix(cfg, "node.", 1),
			    "node.2");
	assert_null(cfg_section_name_prefix(cfg, "node.", 2));
	assert_int_equal(cfg_section_count_prefix(cfg, "x"), 0);

	assert_int_equal(cfg_key_count(cfg, "tsod"), 11);
	assert_string_equal(cfg_key_name(cfg, "tsod", 0), "listen");
	assert_string_equal(cfg_key_name(cfg, "tsod", 10), "crlf");
	assert_null(cfg_key_name(cfg, "tsod", 11));
	assert_int_equal(cfg_key_count(cfg, "nosuch"), 0);
	cfg_free(cfg);
}

static void test_parse_empty(void **state)
{
	struct cfg *cfg = parse_ok("");

	assert_int_equal(cfg_section_count(cfg), 0);
	assert_null(cfg_get(cfg, "", "x"));
	cfg_free(cfg);

	/* An empty section is kept: a program can see [node.4] exists. */
	cfg = parse_ok("# nothing\n[node.4]\n");
	assert_int_equal(cfg_section_count(cfg), 1);
	assert_string_equal(cfg_section_name(cfg, 0), "node.4");
	cfg_free(cfg);
	cfg_free(NULL);
}

static void test_parse_errors(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{ "[tsod]\nlisten\n", "t.conf:2: expected 'key = value'" },
		{ "[tsod]\nlisten 127.0.0.1\n",
		  "t.conf:2: expected 'key = value'" },
		{ "= 3\n", "t.conf:1: expected 'key = value'" },
		{ "lis ten = 3\n", "t.conf:1: expected 'key = value'" },
		{ "1abc = 3\n",
		  "t.conf:1: invalid key '1abc' "
		  "(start with a letter or '_')" },
		{ "[tsod]\na = 1\n\n# x\na = 2\n",
		  "t.conf:5: duplicate key 'a' in [tsod] (first at line 2)" },
		{ "a = 1\na = 2\n",
		  "t.conf:2: duplicate key 'a' (first at line 1)" },
		{ "[tsod]\nx = 1\n[raftd]\n[tsod]\n",
		  "t.conf:4: duplicate section [tsod] (first at line 1)" },
		{ "[tsod]\na = \"abc\n",
		  "t.conf:2: unterminated quoted value" },
		{ "a = \"abc\\\"\n", "t.conf:1: unterminated quoted value" },
		{ "a = \"abc\\", "t.conf:1: unterminated quoted value" },
		{ "a = \"ab\\q\"\n",
		  "t.conf:1: unknown escape '\\q' in quoted value "
		  "(use \\\" \\\\ \\n or \\t)" },
		{ "a = \"x\" y\n",
		  "t.conf:1: unexpected text after closing quote" },
		{ "[tsod\n", "t.conf:1: missing ']' after section name" },
		{ "[  ]\n", "t.conf:1: empty section name" },
		{ "[a b]\n",
		  "t.conf:1: invalid section name 'a b' "
		  "(use letters, digits, '_', '.', '-')" },
		{ "[s \"sub\"]\n",
		  "t.conf:1: invalid section name 's \"sub\"' "
		  "(use letters, digits, '_', '.', '-')" },
		{ "[a] x\n", "t.conf:1: unexpected text after ']'" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		parse_fails(cases[i].text, strlen(cases[i].text),
			    cases[i].msg);
	/* A NUL byte is refused, not taken for the end of the text. */
	parse_fails("a = 1\nb = x\0y\n", 14,
		    "t.conf:2: NUL byte in line (binary file?)");
}

static void test_parse_long_line(void **state)
{
	char *text = malloc(CFG_LINE_MAX + 16);
	struct cfg *cfg;
	char msg[128];

	assert_non_null(text);
	/* "[s]\n" then "k = vvvv..." of exactly CFG_LINE_MAX bytes: fine. */
	memcpy(text, "[s]\nk = ", 8);
	memset(text + 8, 'v', CFG_LINE_MAX - 4);
	text[4 + CFG_LINE_MAX] = '\n';
	text[5 + CFG_LINE_MAX] = '\0';
	cfg = parse_ok(text);
	assert_int_equal(strlen(cfg_get(cfg, "s", "k")), CFG_LINE_MAX - 4);
	cfg_free(cfg);

	/* One byte more is an error, never a silent cut. */
	text[4 + CFG_LINE_MAX] = 'v';
	text[5 + CFG_LINE_MAX] = '\n';
	snprintf(msg, sizeof(msg), "t.conf:2: line longer than %d bytes",
		 CFG_LINE_MAX);
	parse_fails(text, 6 + CFG_LINE_MAX, msg);
	free(text);
}

/* ---- loading files ------------------------------------------------------ */

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void test_load(void **state)
{
	char path[] = "/tmp/cfg_test.XXXXXX";
	struct cfg *cfg;
	struct err e;
	char msg[256], *big;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	write_file(path, "[tsod]\nwindow = 3s\nbogus\n", 25);
	assert_int_equal(cfg_load(path, &cfg, &e), RC_BAD_INPUT);
	assert_null(cfg);
	snprintf(msg, sizeof(msg), "%s:3: expected 'key = value'", path);
	assert_string_equal(e.msg, msg);

	write_file(path, "[tsod]\nwindow = 3s\n", 19);
	assert_int_equal(cfg_load(path, &cfg, &e), RC_OK);
	assert_string_equal(cfg_get(cfg, "tsod", "window"), "3s");
	cfg_free(cfg);

	/* Over CFG_FILE_MAX: refused as a whole. */
	big = malloc(CFG_FILE_MAX + 1);
	assert_non_null(big);
	memset(big, '\n', CFG_FILE_MAX + 1);
	write_file(path, big, CFG_FILE_MAX + 1);
	assert_int_equal(cfg_load(path, &cfg, &e), RC_TOO_LARGE);
	assert_null(cfg);
	snprintf(msg, sizeof(msg), "'%s' is larger than %d bytes", path,
		 CFG_FILE_MAX);
	assert_string_equal(e.msg, msg);
	write_file(path, big, CFG_FILE_MAX);	/* just the limit: fine */
	assert_int_equal(cfg_load(path, &cfg, &e), RC_OK);
	cfg_free(cfg);
	free(big);

	assert_int_equal(unlink(path), 0);
	assert_int_equal(cfg_load(path, &cfg, &e), RC_NOT_FOUND);
	assert_null(cfg);
	snprintf(msg, sizeof(msg),
		 "cannot open '%s': No such file or directory", path);
	assert_string_equal(e.msg, msg);

	assert_int_equal(cfg_load("/tmp", &cfg, &e), RC_IO);
	assert_string_equal(e.msg, "cannot read '/tmp': Is a directory");
}

static void test_default_path(void **state)
{
	assert_int_equal(unsetenv(CFG_ENV), 0);
	assert_null(cfg_default_path(NULL));
	assert_null(cfg_default_path(""));
	assert_string_equal(cfg_default_path("/a.conf"), "/a.conf");
	assert_int_equal(setenv(CFG_ENV, "/env.conf", 1), 0);
	assert_string_equal(cfg_default_path(NULL), "/env.conf");
	assert_string_equal(cfg_default_path("/a.conf"), "/a.conf");
	assert_int_equal(setenv(CFG_ENV, "", 1), 0);
	assert_null(cfg_default_path(NULL));
	assert_int_equal(unsetenv(CFG_ENV), 0);
}

/* ---- overrides ---------------------------------------------------------- */

static void test_set_overrides(void **state)
{
	struct cfg *cfg = parse_ok("[tsod]\nlisten = 127.0.0.1:7000\n"
				   "window = 3s\n");
	char where[64];
	struct err e;
	int64_t v;

	assert_string_equal(cfg_origin(cfg, "tsod", "window", where,
				       sizeof(where)), "t.conf:3");
	/* Replace a value from the file. */
	assert_int_equal(cfg_set(cfg, "tsod", "listen", "127.0.0.1:0", &e),
			 RC_OK);
	assert_string_equal(cfg_get(cfg, "tsod", "listen"), "127.0.0.1:0");
	assert_string_equal(cfg_origin(cfg, "tsod", "listen", where,
				       sizeof(where)), "command line");
	/* Add a key, and a key in a new section, and a global key. */
	assert_int_equal(cfg_set(cfg, "tsod", "threads", "4", &e), RC_OK);
	assert_int_equal(cfg_set(cfg, "raftd", "heartbeat", "50ms", &e),
			 RC_OK);
	assert_int_equal(cfg_set(cfg, "", "g", "1", &e), RC_OK);
	assert_string_equal(cfg_get(cfg, "tsod", "threads"), "4");
	assert_string_equal(cfg_get(cfg, "raftd", "heartbeat"), "50ms");
	assert_string_equal(cfg_get(cfg, "", "g"), "1");
	assert_int_equal(cfg_section_count(cfg), 3);
	assert_int_equal(cfg_key_count(cfg, "tsod"), 3);
	assert_null(cfg_origin(cfg, "tsod", "nosuch", where, sizeof(where)));

	/* A bad flag value is reported as coming from the command line. */
	assert_int_equal(cfg_set(cfg, "tsod", "window", "soon", &e), RC_OK);
	assert_int_equal(cfg_get_duration_ms(cfg, "tsod", "window", 1,
					     INT64_MAX, &v, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg,
			    "command line: key 'window' in [tsod] must be a "
			    "duration such as 250ms, 1s, 2m or 1h, "
			    "not 'soon'");

	assert_int_equal(cfg_set(cfg, "bad section", "k", "v", &e),
			 RC_BAD_INPUT);
	assert_string_equal(e.msg, "invalid section name 'bad section'");
	assert_int_equal(cfg_set(cfg, "tsod", "9k", "v", &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "invalid key '9k'");
	assert_int_equal(cfg_set(cfg, "tsod", "k", NULL, &e), RC_BAD_INPUT);
	cfg_free(cfg);

	/* No file at all: start empty, flags only. */
	assert_int_equal(cfg_new("(none)", &cfg, &e), RC_OK);
	assert_int_equal(cfg_get_int(cfg, "tsod", "threads", 1, 64, &v, &e),
			 RC_NOT_FOUND);
	assert_int_equal(cfg_set(cfg, "tsod", "threads", "8", &e), RC_OK);
	assert_int_equal(cfg_get_int(cfg, "tsod", "threads", 1, 64, &v, &e),
			 RC_OK);
	assert_int_equal(v, 8);
	cfg_free(cfg);
}

/* ---- typed getters ------------------------------------------------------ */

static void test_get_int(void **state)
{
	struct cfg *cfg = parse_ok("[s]\na = 42\nneg = -7\nbad = 4x\n"
				   "sp = \" 4\"\nhuge = 99999999999999999999\n"
				   "min = -9223372036854775808\n");
	struct err e;
	int64_t v = 123;

	assert_int_equal(cfg_get_int(cfg, "s", "a", 0, 100, &v, &e), RC_OK);
	assert_int_equal(v, 42);
	assert_int_equal(cfg_get_int(cfg, "s", "a", 42, 42, &v, &e), RC_OK);
	assert_int_equal(cfg_get_int(cfg, "s", "neg", -10, 0, &v, &e), RC_OK);
	assert_int_equal(v, -7);
	assert_int_equal(cfg_get_int(cfg, "s", "min", INT64_MIN, 0, &v, &e),
			 RC_OK);
	assert_true(v == INT64_MIN);

	v = 123;
	assert_int_equal(cfg_get_int(cfg, "s", "a", 43, 100, &v, &e),
			 RC_BAD_INPUT);
	assert_string_equal(e.msg, "t.conf:2: key 'a' in [s] must be between "
				   "43 and 100, not 42");
	assert_int_equal(v, 123);	/* untouched on error */
	assert_int_equal(cfg_get_int(cfg, "s", "a", 0, 41, &v, &e),
			 RC_BAD_INPUT);
	assert_int_equal(cfg_get_int(cfg, "s", "bad", 0, 100, &v, &e),
			 RC_BAD_INPUT);
	assert_string_equal(e.msg, "t.conf:4: key 'bad' in [s] must be an "
				   "integer, not '4x'");
	assert_int_equal(cfg_get_int(cfg, "s", "sp", 0, 100, &v, &e),
			 RC_BAD_INPUT);
	assert_int_equal(cfg_get_int(cfg, "s", "huge", INT64_MIN, INT64_MAX,
				     &v, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "t.conf:6: key 'huge' in [s] must be an "
				   "integer, not '99999999999999999999'");
	assert_int_equal(v, 123);

	assert_int_equal(cfg_get_int(cfg, "s", "nosuch", 0, 1, &v, &e),
			 RC_NOT_FOUND);
	assert_string_equal(e.msg, "key 'nosuch' in [s] is not set");
	assert_int_equal(cfg_get_int(cfg, "t", "a", 0, 1, &v, &e),
			 RC_NOT_FOUND);
	assert_int_equal(v, 123);
	/* NULL err is fine. */
	assert_int_equal(cfg_get_int(cfg, "s", "bad", 0, 1, &v, NULL),
			 RC_BAD_INPUT);
	cfg_free(cfg);
}

static void test_get_bool(void **state)
{
	static const char *const yes[] = { "true", "yes", "on", "1", "TRUE",
					   "Yes", "ON" };
	static const char *const no[] = { "false", "no", "off", "0", "False",
					  "NO", "Off" };
	struct cfg *cfg = parse_ok("flag = maybe\n");
	struct err e;
	size_t i;
	int b;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		assert_int_equal(cfg_set(cfg, "", "x", yes[i], &e), RC_OK);
		b = -1;
		assert_int_equal(cfg_get_bool(cfg, "", "x", &b, &e), RC_OK);
		assert_int_equal(b, 1);
		assert_int_equal(cfg_set(cfg, "", "x", no[i], &e), RC_OK);
		assert_int_equal(cfg_get_bool(cfg, "", "x", &b, &e), RC_OK);
		assert_int_equal(b, 0);
	}
	b = -1;
	assert_int_equal(cfg_get_bool(cfg, "", "flag", &b, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "t.conf:1: key 'flag' must be true or "
				   "false (or yes/no, on/off, 1/0), not "
				   "'maybe'");
	assert_int_equal(b, -1);
	assert_int_equal(cfg_get_bool(cfg, "", "nosuch", &b, &e),
			 RC_NOT_FOUND);
	cfg_free(cfg);
}

static void test_get_duration(void **state)
{
	static const struct {
		const char *text;
		int64_t ms;
	} good[] = {
		{ "250ms", 250 }, { "1s", 1000 }, { "2m", 120000 },
		{ "1h", 3600000 }, { "1m30s", 90000 },
		{ "1h1m1s1ms", 3661001 },
		{ "0", 0 }, { "0s", 0 }, { "00ms", 0 },
		{ "2562047788015h", INT64_C(2562047788015) * 3600000 },
	};
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
		{ "3", "command line: key 'd' in [s] needs a unit: '3ms' or "
		       "'3s' (ms, s, m or h)" },
		{ "1.5s", "command line: key 'd' in [s] must be a duration "
			  "such as 250ms, 1s, 2m or 1h, not '1.5s'" },
		{ "", "command line: key 'd' in [s] must be a duration such "
		      "as 250ms, 1s, 2m or 1h, not ''" },
		{ "-1s", "command line: key 'd' in [s] must be a duration "
			 "such as 250ms, 1s, 2m or 1h, not '-1s'" },
		{ "1 s", "command line: key 'd' in [s] must be a duration "
			 "such as 250ms, 1s, 2m or 1h, not '1 s'" },
		{ "1us", "command line: key 'd' in [s] must be a duration "
			 "such as 250ms, 1s, 2m or 1h, not '1us'" },
		{ "1S", "command line: key 'd' in [s] must be a duration "
			"such as 250ms, 1s, 2m or 1h, not '1S'" },
		{ "s", "command line: key 'd' in [s] must be a duration "
		       "such as 250ms, 1s, 2m or 1h, not 's'" },
		{ "2562047788016h", "command line: key 'd' in [s] is too "
				    "long a duration: '2562047788016h'" },
		{ "99999999999999999999ms", "command line: key 'd' in [s] is "
		  "too long a duration: '99999999999999999999ms'" },
	};
	struct cfg *cfg;
	struct err e;
	int64_t v;
	size_t i;

	assert_int_equal(cfg_new("t.conf", &cfg, &e), RC_OK);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(cfg_set(cfg, "s", "d", good[i].text, &e),
				 RC_OK);
		v = -1;
		if (cfg_get_duration_ms(cfg, "s", "d", 0, INT64_MAX, &v, &e))
			fail_msg("'%s': %s", good[i].text, e.msg);
		assert_true(v == good[i].ms);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cfg_set(cfg, "s", "d", bad[i].text, &e),
				 RC_OK);
		v = -1;
		assert_int_equal(cfg_get_duration_ms(cfg, "s", "d", 0,
						     INT64_MAX, &v, &e),
				 RC_BAD_INPUT);
		assert_string_equal(e.msg, bad[i].msg);
		assert_int_equal(v, -1);
	}
	/* Bounds, spelled back in readable units. */
	assert_int_equal(cfg_set(cfg, "s", "d", "90s", &e), RC_OK);
	assert_int_equal(cfg_get_duration_ms(cfg, "s", "d", 1, 60000, &v, &e),
			 RC_BAD_INPUT);
	assert_string_equal(e.msg, "command line: key 'd' in [s] must be "
				   "between 1ms and 1m, not 90s");
	assert_int_equal(cfg_get_duration_ms(cfg, "s", "d", 100000, 3600000,
					     &v, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "command line: key 'd' in [s] must be "
				   "between 100s and 1h, not 90s");
	assert_int_equal(cfg_get_duration_ms(cfg, "s", "d", 90000, 90000,
					     &v, &e), RC_OK);
	assert_int_equal(v, 90000);
	assert_int_equal(cfg_get_duration_ms(cfg, "s", "x", 0, 1, &v, &e),
			 RC_NOT_FOUND);
	cfg_free(cfg);
}

static void test_get_size(void **state)
{
	static const struct {
		const char *text;
		uint64_t n;
	} good[] = {
		{ "0", 0 }, { "4096", 4096 }, { "4096B", 4096 },
		{ "512KiB", 512 * 1024 }, { "64MiB", 64 << 20 },
		{ "64 MiB", 64 << 20 }, { "64mib", 64 << 20 },
		{ "1GiB", UINT64_C(1) << 30 }, { "2TiB", UINT64_C(2) << 40 },
		{ "16777215TiB", UINT64_C(16777215) << 40 },
	};
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
		{ "64MB", "t.conf:1: key 'sz' in [s] uses a decimal unit in "
			  "'64MB': write KiB, MiB, GiB or TiB (powers of "
			  "1024) or plain bytes" },
		{ "1k", "t.conf:1: key 'sz' in [s] uses a decimal unit in "
			"'1k': write KiB, MiB, GiB or TiB (powers of 1024) "
			"or plain bytes" },
		{ "1.5GiB", "t.conf:1: key 'sz' in [s] must be a size such as "
			    "4096, 512KiB, 64MiB or 1GiB, not '1.5GiB'" },
		{ "-1", "t.conf:1: key 'sz' in [s] must be a size such as "
			"4096, 512KiB, 64MiB or 1GiB, not '-1'" },
		{ "MiB", "t.conf:1: key 'sz' in [s] must be a size such as "
			 "4096, 512KiB, 64MiB or 1GiB, not 'MiB'" },
		{ "16777216TiB", "t.conf:1: key 'sz' in [s] is too large a "
				 "size: '16777216TiB'" },
		{ "18446744073709551616", "t.conf:1: key 'sz' in [s] is too "
		  "large a size: '18446744073709551616'" },
	};
	char text[128];
	struct cfg *cfg;
	struct err e;
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "[s]\nsz = %s\n", good[i].text);
		cfg = parse_ok(text);
		v = 1;
		if (cfg_get_size(cfg, "s", "sz", 0, UINT64_MAX, &v, &e))
			fail_msg("'%s': %s", good[i].text, e.msg);
		assert_true(v == good[i].n);
		cfg_free(cfg);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "[s]\nsz = %s\n", bad[i].text);
		cfg = parse_ok(text);
		/* The message is about line 2 of t.conf. */
		assert_int_equal(cfg_get_size(cfg, "s", "sz", 0, UINT64_MAX,
					      &v, &e), RC_BAD_INPUT);
		assert_memory_equal(e.msg, "t.conf:2:", 9);
		assert_string_equal(e.msg + 9, bad[i].msg + 9);
		cfg_free(cfg);
	}
	cfg = parse_ok("[s]\nsz = 1GiB\n");
	assert_int_equal(cfg_get_size(cfg, "s", "sz", 4096, 64 << 20, &v, &e),
			 RC_BAD_INPUT);
	assert_string_equal(e.msg, "t.conf:2: key 'sz' in [s] must be "
				   "between 4KiB and 64MiB, not 1GiB");
	assert_int_equal(cfg_get_size(cfg, "s", "sz", 1000, 1000, &v, &e),
			 RC_BAD_INPUT);
	assert_string_equal(e.msg, "t.conf:2: key 'sz' in [s] must be "
				   "between 1000 and 1000, not 1GiB");
	cfg_free(cfg);
}

/* ---- schema checks ------------------------------------------------------ */

static const char *const tsod_keys[] = { "listen", "data", "window",
					 "max_count", "threads", "log_level",
					 NULL };
static const char *const cluster_keys[] = { "name", "secret",
					    "max_clock_offset", "txcoords",
					    NULL };
static const char *const txcoord_keys[] = { "listen", "tsod", "nodes",
	"threads", "txn_timeout", "heartbeat", "idle_timeout", "max_retries",
	"log_level", NULL };
static const char *const node_keys[] = { "address", "data", NULL };
static const char *const raftd_keys[] = { "heartbeat", "election_timeout",
	"split_bytes", "split_qps", "split_qps_duration", "auto_split",
	"dead_node_timeout", "gc_ttl", "lease_reads", NULL };
static const struct cfg_schema schema[] = {
	{ "cluster", cluster_keys },
	{ "tsod", tsod_keys },
	{ "node.", node_keys },
	{ "raftd", raftd_keys },
	{ "txcoord", txcoord_keys },
	{ NULL, NULL },
};

static void check_fails(const char *text, const char *msg)
{
	struct cfg *cfg = parse_ok(text);
	struct err e;

	err_clear(&e);
	assert_int_equal(cfg_check(cfg, schema, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, msg);
	cfg_free(cfg);
}

static void test_check(void **state)
{
	static const char *const global_keys[] = { "include", NULL };
	static const struct cfg_schema with_global[] = {
		{ "", global_keys }, { "tsod", tsod_keys }, { NULL, NULL },
	};
	struct cfg *cfg;
	struct err e;

	cfg = parse_ok("[tsod]\nlisten = x\n[node.1]\ndata = d\n"
		       "[node.22]\naddress = a\n");
	assert_int_equal(cfg_check(cfg, schema, &e), RC_OK);
	/* An override with an unknown key is caught as well. */
	assert_int_equal(cfg_set(cfg, "tsod", "windw", "3s", &e), RC_OK);
	assert_int_equal(cfg_check(cfg, schema, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "command line: unknown key 'windw' in "
				   "[tsod] (did you mean 'window'?)");
	cfg_free(cfg);

	check_fails("[tsod]\nlisten = x\n\n\n\n\nlisen = y\n",
		    "t.conf:7: unknown key 'lisen' in [tsod] (did you mean "
		    "'listen'?)");
	check_fails("[tsod]\nlsiten = y\n",
		    "t.conf:2: unknown key 'lsiten' in [tsod] (did you mean "
		    "'listen'?)");
	check_fails("[tsod]\nthread = y\n",
		    "t.conf:2: unknown key 'thread' in [tsod] (did you "
		    "mean 'threads'?)");
	/* Distance 3 is too far for a hint. */
	check_fails("[tsod]\nport = y\n",
		    "t.conf:2: unknown key 'port' in [tsod]");
	check_fails("[tsod]\ncolour = blue\n",
		    "t.conf:2: unknown key 'colour' in [tsod]");
	check_fails("[raftd]\nheartbeat = 1s\n[tsd]\n",
		    "t.conf:3: unknown section [tsd] (did you mean [tsod]?)");
	check_fails("[nod.1]\n",
		    "t.conf:1: unknown section [nod.1] (did you mean "
		    "[node.1]?)");
	check_fails("[node]\n",
		    "t.conf:1: unknown section [node] (did you mean "
		    "[node.N]?)");
	check_fails("[node.]\n",
		    "t.conf:1: unknown section [node.] (did you mean "
		    "[node.N]?)");
	check_fails("[storage]\n", "t.conf:1: unknown section [storage]");
	check_fails("[node.1]\naddres = x\n",
		    "t.conf:2: unknown key 'addres' in [node.1] (did you "
		    "mean 'address'?)");
	check_fails("stray = 1\n[tsod]\n",
		    "t.conf:1: key 'stray' is outside any section (put it "
		    "under a [section] header)");

	/* keys == NULL: another program's section, any keys. */
	{
		static const struct cfg_schema tsod_only[] = {
			{ "tsod", tsod_keys }, { "raftd", NULL },
			{ "node.", NULL }, { NULL, NULL },
		};

		cfg = parse_ok("[raftd]\nwhatever = 1\n[node.1]\nx = y\n"
			       "[tsod]\nlisten = z\n");
		assert_int_equal(cfg_check(cfg, tsod_only, &e), RC_OK);
		cfg_free(cfg);
		cfg = parse_ok("[raftd]\nwhatever = 1\n[raftdd]\n");
		assert_int_equal(cfg_check(cfg, tsod_only, &e),
				 RC_BAD_INPUT);
		assert_string_equal(e.msg, "t.conf:3: unknown section "
					   "[raftdd] (did you mean [raftd]?)");
		cfg_free(cfg);
	}

	/* The global section when the schema allows it. */
	cfg = parse_ok("include = other.conf\n[tsod]\n");
	assert_int_equal(cfg_check(cfg, with_global, &e), RC_OK);
	cfg_free(cfg);
	cfg = parse_ok("includ = other.conf\n");
	assert_int_equal(cfg_check(cfg, with_global, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "t.conf:1: unknown key 'includ' (did you "
				   "mean 'include'?)");
	cfg_free(cfg);
}

/* ---- the sample file ---------------------------------------------------- */

static void test_sample_file(void **state)
{
	const char *srcdir = getenv("RANGEDB_SRCDIR");
	char path[4096];
	struct cfg *cfg;
	struct err e;
	int64_t window, heartbeat, election, max_count, threads;
	size_t i;

	snprintf(path, sizeof(path), "%s/etc/rangedb.conf",
		 srcdir && *srcdir ? srcdir : ".");
	if (cfg_load(path, &cfg, &e) != RC_OK)
		fail_msg("%s", e.msg);
	if (cfg_check(cfg, schema, &e) != RC_OK)
		fail_msg("%s", e.msg);

	assert_string_equal(cfg_get(cfg, "tsod", "listen"), "127.0.0.1:7000");
	assert_string_equal(cfg_get(cfg, "tsod", "data"),
			    "/var/lib/rangedb/tsod");
	assert_int_equal(cfg_get_duration_ms(cfg, "tsod", "window", 1,
					     3600000, &window, &e), RC_OK);
	assert_int_equal(window, 3000);
	assert_int_equal(cfg_get_int(cfg, "tsod", "max_count", 1, 1 << 20,
				     &max_count, &e), RC_OK);
	assert_int_equal(max_count, 65536);
	assert_int_equal(cfg_get_int(cfg, "tsod", "threads", 1, 1024,
				     &threads, &e), RC_OK);
	assert_string_equal(cfg_get(cfg, "tsod", "log_level"), "info");
	assert_int_equal(cfg_get_duration_ms(cfg, "raftd", "heartbeat", 1,
					     60000, &heartbeat, &e), RC_OK);
	assert_int_equal(heartbeat, 100);
	assert_int_equal(cfg_get_duration_ms(cfg, "raftd", "election_timeout",
					     1, 60000, &election, &e), RC_OK);
	assert_int_equal(election, 1000);
	assert_non_null(cfg_get(cfg, "cluster", "name"));
	assert_non_null(cfg_get(cfg, "cluster", "secret"));
	assert_string_equal(cfg_get(cfg, "cluster", "txcoords"),
			    "127.0.0.1:7200");
	assert_string_equal(cfg_get(cfg, "txcoord", "listen"),
			    "127.0.0.1:7200");

	assert_int_equal(cfg_section_count_prefix(cfg, "node."), 3);
	for (i = 0; i < 3; i++) {
		const char *name = cfg_section_name_prefix(cfg, "node.", i);
		char want[16];

		snprintf(want, sizeof(want), "node.%zu", i + 1);
		assert_string_equal(name, want);
		assert_non_null(cfg_get(cfg, name, "address"));
		assert_non_null(cfg_get(cfg, name, "data"));
	}
	cfg_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_syntax),
		cmocka_unit_test(test_parse_empty),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_long_line),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_default_path),
		cmocka_unit_test(test_set_overrides),
		cmocka_unit_test(test_get_int),
		cmocka_unit_test(test_get_bool),
		cmocka_unit_test(test_get_duration),
		cmocka_unit_test(test_get_size),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_sample_file),
	};

	return cmocka_run_group_tests_name("cfg", tests, NULL, NULL);
}
