/*
 * sqlsh_test.c -- unit tests for the parts of sqlsh (cmd/sqlsh): where a
 * statement ends (sqlsplit: quotes, E'' strings, dollar quotes, comments,
 * input arriving in pieces), backslash commands, every output format
 * (sqlfmt: the aligned table and \x expanded output are compared byte for
 * byte with what psql 15 prints for the same values, multibyte UTF-8
 * included), CSV/TSV/JSON escaping, tags, the error display with its
 * caret (again psql's own output), timings, and the parsing of the
 * gateway's replies (sqlclient).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlclient.h"
#include "sqlfmt.h"
#include "sqlsplit.h"

/* ---- sqlsplit ----------------------------------------------------------- */

#define SPLIT_MAX	64

struct split_out {
	char *s[SPLIT_MAX];
	size_t n;
};

static void split_free(struct split_out *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->s[i]);
	o->n = 0;
}

/*
 * Split text as the shell does, fed chunk bytes at a time (0: all at
 * once), the buffer compacted after every piece.
 */
static void split_chunks(const char *text, size_t chunk, struct split_out *o)
{
	size_t len = strlen(text), fed = 0, blen = 0;
	char *buf = malloc(len + 1);
	struct sqlsplit sp;
	struct sqlsplit_stmt st;

	assert_non_null(buf);
	sqlsplit_init(&sp);
	o->n = 0;
	do {
		size_t k = len - fed, keep;
		int eof;

		if (chunk > 0 && k > chunk)
			k = chunk;
		memcpy(buf + blen, text + fed, k);
		blen += k;
		fed += k;
		eof = fed == len;
		while (sqlsplit_next(&sp, buf, blen, eof, &st)) {
			assert_true(o->n < SPLIT_MAX);
			assert_true(st.off + st.len <= blen);
			o->s[o->n] = strndup(buf + st.off, st.len);
			assert_non_null(o->s[o->n]);
			o->n++;
		}
		keep = sqlsplit_keep_from(&sp);
		assert_true(keep <= blen);
		memmove(buf, buf + keep, blen - keep);
		blen -= keep;
		sqlsplit_shift(&sp, keep);
	} while (fed < len);
	free(buf);
}

/* text splits into want[] (NULL-terminated), however it is fed. */
static void split_is(const char *text, const char *const *want)
{
	static const size_t chunks[] = { 0, 1, 2, 3, 5, 8, 13 };

	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		struct split_out o;
		size_t n = 0;

		split_chunks(text, chunks[c], &o);
		while (want[n] != NULL)
			n++;
		if (o.n != n)
			fail_msg("'%s' in chunks of %zu: %zu statements, want "
				 "%zu", text, chunks[c], o.n, n);
		for (size_t i = 0; i < n; i++)
			if (strcmp(o.s[i], want[i]) != 0)
				fail_msg("'%s' in chunks of %zu: statement "
					 "%zu is '%s', want '%s'", text,
					 chunks[c], i, o.s[i], want[i]);
		split_free(&o);
	}
}

#define SPLIT(text, ...) do {						\
	static const char *const w_[] = { __VA_ARGS__, NULL };		\
	split_is(text, w_);						\
} while (0)
#define SPLIT_NONE(text) do {						\
	static const char *const w_[] = { NULL };			\
	split_is(text, w_);						\
} while (0)

static void test_split_basic(void **state)
{
	(void)state;
	SPLIT("SELECT 1; SELECT 2;", "SELECT 1", "SELECT 2");
	SPLIT("SELECT 1;SELECT 2", "SELECT 1", "SELECT 2");
	SPLIT("  \n SELECT\n  1  \n;\n", "SELECT\n  1");
	SPLIT("SELECT 1", "SELECT 1");		/* the end ends it too */
	SPLIT("INSERT INTO t VALUES (1, ';');",
	      "INSERT INTO t VALUES (1, ';')");
	/* blank and comment-only statements are skipped */
	SPLIT_NONE("");
	SPLIT_NONE(" ;; ;\n\t;");
	SPLIT_NONE("-- nothing\n;/* at all */;\n-- here");
	SPLIT(";;SELECT 1;;", "SELECT 1");
	/* a ';' in parentheses ends it too (the gateway splits there) */
	SPLIT("SELECT (1; 2)", "SELECT (1", "2)");
}

static void test_split_quotes(void **state)
{
	(void)state;
	SPLIT("SELECT 'a;b'; SELECT 2;", "SELECT 'a;b'", "SELECT 2");
	SPLIT("SELECT 'it''s;'; x;", "SELECT 'it''s;'", "x");
	SPLIT("SELECT '';x;", "SELECT ''", "x");
	SPLIT("SELECT '''';x", "SELECT ''''", "x");
	SPLIT("SELECT 'a\\';b';", "SELECT 'a\\'", "b';");
	SPLIT("SELECT \"a;b\", \"q\"\";\" FROM t;",
	      "SELECT \"a;b\", \"q\"\";\" FROM t");
	SPLIT("SELECT 'multi\nline;\n'\n;x;", "SELECT 'multi\nline;\n'", "x");
	/* E'' strings: backslash escapes, '' too */
	SPLIT("SELECT E'a\\';b'; SELECT 2;", "SELECT E'a\\';b'", "SELECT 2");
	SPLIT("SELECT e'\\\\';x;", "SELECT e'\\\\'", "x");
	SPLIT("SELECT E'x''y;';z", "SELECT E'x''y;'", "z");
	/* an identifier ending in E: the string after it is a plain one */
	SPLIT("SELECT namE'\\';x;", "SELECT namE'\\'", "x");
	SPLIT("SELECT x'00ff';y", "SELECT x'00ff'", "y");
	/* comment starts inside quotes are text */
	SPLIT("SELECT '--', '/*';x", "SELECT '--', '/*'", "x");
}

static void test_split_dollar(void **state)
{
	(void)state;
	SPLIT("SELECT $$a;b$$; SELECT 2;", "SELECT $$a;b$$", "SELECT 2");
	SPLIT("SELECT $t$ $$ ; ' $t$;x", "SELECT $t$ $$ ; ' $t$", "x");
	SPLIT("SELECT $a$ $b$ ; $b$ ; $a$;x", "SELECT $a$ $b$ ; $b$ ; $a$",
	      "x");
	SPLIT("SELECT $_x1$;$_x1$;y", "SELECT $_x1$;$_x1$", "y");
	SPLIT("SELECT $ü$;$ü$;y", "SELECT $ü$;$ü$", "y");
	/* not dollar quotes: a parameter, a $ inside an identifier */
	SPLIT("SELECT $1; SELECT a$b$c; x", "SELECT $1", "SELECT a$b$c", "x");
	SPLIT("SELECT $1$;x", "SELECT $1$", "x");
	SPLIT("SELECT $ ;x", "SELECT $", "x");
	/* the closing tag must be the opening one */
	SPLIT("SELECT $a$ $A$ ; $a$;z", "SELECT $a$ $A$ ; $a$", "z");
	SPLIT("SELECT $ab$x$a$;$ab$;z", "SELECT $ab$x$a$;$ab$", "z");
}

static void test_split_comments(void **state)
{
	(void)state;
	SPLIT("SELECT 1 -- not; here\n, 2;", "SELECT 1 -- not; here\n, 2");
	SPLIT("-- lead;\nSELECT 1;", "SELECT 1");
	SPLIT("/* lead; */ SELECT 1;", "SELECT 1");
	SPLIT("SELECT /* a /* nested; */ still; */ 1;x",
	      "SELECT /* a /* nested; */ still; */ 1", "x");
	SPLIT("SELECT 1 - -2;", "SELECT 1 - -2");
	SPLIT("SELECT 4/2; SELECT 2*/**/3;", "SELECT 4/2", "SELECT 2*/**/3");
	SPLIT("SELECT 1 --;", "SELECT 1 --;");
	/* left open at the end: sent, so that the server says what is wrong */
	SPLIT("SELECT 'abc", "SELECT 'abc");
	SPLIT("SELECT 1; /* open", "SELECT 1", "/* open");
	SPLIT("SELECT $$ x", "SELECT $$ x");
	SPLIT("SELECT \"x", "SELECT \"x");
	SPLIT("SELECT E'\\", "SELECT E'\\");
}

/* Random mixes of the tricky pieces split alike however they are fed. */
static void test_split_pieces(void **state)
{
	static const char *const tok[] = {
		"'", "''", "E'", "e'", "\\", "\\'", "$$", "$a$", "$1", "a$",
		"--", "-", "/*", "*/", "*", "/", "\n", ";", "x", " ", "\"",
		"\"\"", "é", "E", "$", "SELECT",
	};
	uint64_t rng = 0x5eed5eedULL;
	char text[512];

	(void)state;
	for (int iter = 0; iter < 3000; iter++) {
		struct split_out whole, part;
		size_t len = 0;
		int ntok;

		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		ntok = 1 + (int)(rng % 24);
		for (int k = 0; k < ntok; k++) {
			const char *t;

			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			t = tok[rng % (sizeof(tok) / sizeof(tok[0]))];
			memcpy(text + len, t, strlen(t));
			len += strlen(t);
		}
		text[len] = '\0';
		split_chunks(text, 0, &whole);
		for (size_t c = 1; c <= 4; c++) {
			split_chunks(text, c, &part);
			if (part.n != whole.n)
				fail_msg("'%s' in chunks of %zu: %zu "
					 "statements, at once %zu", text, c,
					 part.n, whole.n);
			for (size_t i = 0; i < part.n; i++)
				assert_string_equal(part.s[i], whole.s[i]);
			split_free(&part);
		}
		/* no statement is empty, none starts or ends blank */
		for (size_t i = 0; i < whole.n; i++) {
			size_t n = strlen(whole.s[i]);

			assert_true(n > 0);
			assert_false(strchr(" \n", whole.s[i][0]) != NULL);
			assert_false(strchr(" \n", whole.s[i][n - 1]) != NULL);
		}
		split_free(&whole);
	}
}

/* The scanner's state after text (all of it, no end yet). */
static void scan(struct sqlsplit *sp, const char *text)
{
	struct sqlsplit_stmt st;

	sqlsplit_init(sp);
	while (sqlsplit_next(sp, text, strlen(text), 0, &st))
		;
}

static void test_split_pending(void **state)
{
	static const struct {
		const char *text;
		int pending;
		char prompt;
	} cases[] = {
		{ "", 0, '-' },
		{ "SELECT 1;\n", 0, '-' },
		{ "   \n\n", 0, '-' },
		{ "-- just a comment\n", 0, '-' },
		{ "SELECT\n", 1, '-' },
		{ "SELECT 1; SELECT\n", 1, '-' },
		{ "SELECT 'abc\n", 1, '\'' },
		{ "SELECT E'a\\'\n", 1, '\'' },
		{ "SELECT \"ab\n", 1, '"' },
		{ "SELECT $f$ body\n", 1, '$' },
		{ "/* open\n", 1, '*' },
		{ "SELECT 1 /* a /* b */\n", 1, '*' },
		{ "SELECT 1 /* a /* b */ */\n", 1, '-' },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sqlsplit sp;

		scan(&sp, cases[i].text);
		if (sqlsplit_pending(&sp) != cases[i].pending)
			fail_msg("'%s': pending %d", cases[i].text,
				 sqlsplit_pending(&sp));
		assert_int_equal(sqlsplit_prompt_char(&sp), cases[i].prompt);
	}
}

/* ---- backslash commands ------------------------------------------------- */

static void test_meta_start(void **state)
{
	struct sqlsplit sp;

	(void)state;
	scan(&sp, "");
	assert_int_equal(sqlsplit_meta_start(&sp, "\\x", 2), 0);
	assert_int_equal(sqlsplit_meta_start(&sp, "  \t\\dt", 6), 3);
	assert_int_equal(sqlsplit_meta_start(&sp, "SELECT '\\x'", 11), -1);
	assert_int_equal(sqlsplit_meta_start(&sp, "", 0), -1);
	assert_int_equal(sqlsplit_meta_start(&sp, "   ", 3), -1);
	/* inside a statement, between its lines: still a command */
	scan(&sp, "SELECT 1,\n");
	assert_int_equal(sqlsplit_meta_start(&sp, "\\timing", 7), 0);
	/* inside a quote or comment it is text */
	scan(&sp, "SELECT 'abc\n");
	assert_int_equal(sqlsplit_meta_start(&sp, "\\x", 2), -1);
	scan(&sp, "SELECT $$\n");
	assert_int_equal(sqlsplit_meta_start(&sp, "\\q", 2), -1);
	scan(&sp, "/* c\n");
	assert_int_equal(sqlsplit_meta_start(&sp, "\\q", 2), -1);
	scan(&sp, "SELECT \"a\n");
	assert_int_equal(sqlsplit_meta_start(&sp, "\\q", 2), -1);
	scan(&sp, "SELECT 1 -- c\n");
	assert_int_equal(sqlsplit_meta_start(&sp, "\\q", 2), 0);
}

/* text cuts into name and args (NULL-terminated). */
static void meta_is(const char *text, const char *name,
		    const char *const *args)
{
	struct sqlsplit_meta m;
	struct err e;
	int n = 0;

	assert_int_equal(sqlsplit_meta_parse(text, strlen(text), &m, &e),
			 RC_OK);
	assert_string_equal(m.name, name);
	while (args[n] != NULL)
		n++;
	assert_int_equal(m.argc, n);
	for (int i = 0; i < n; i++)
		assert_string_equal(m.argv[i], args[i]);
	sqlsplit_meta_release(&m);
}

#define META(text, name, ...) do {					\
	static const char *const a_[] = { __VA_ARGS__ };		\
	meta_is(text, name, a_);					\
} while (0)

static void test_meta_parse(void **state)
{
	struct sqlsplit_meta m;
	struct err e;

	(void)state;
	META("\\q", "q", NULL);
	META("\\dt", "dt", NULL);
	META("\\?", "?", NULL);
	META("\\x on", "x", "on", NULL);
	META("\\timing   off  ", "timing", "off", NULL);
	META("\\q\r", "q", NULL);		/* a CRLF file */
	META("\\d accounts", "d", "accounts", NULL);
	META("\\d \"My Table\"", "d", "\"My Table\"", NULL);
	META("\\d \"a\"\"b\".c", "d", "\"a\"\"b\".c", NULL);
	META("\\i 'my file.sql'", "i", "my file.sql", NULL);
	META("\\i 'it''s.sql' x", "i", "it's.sql", "x", NULL);
	META("\\i a'b c'd", "i", "ab cd", NULL);
	META("\\x1", "x", "1", NULL);		/* name is letters only */
	META("\\", "", NULL);
	META("\\ x", "", "x", NULL);
	META("\\dt 1 2 3 4 5 6 7 8", "dt", "1", "2", "3", "4", "5", "6",
	     "7", "8", NULL);
	assert_int_equal(sqlsplit_meta_parse("\\i 'open", 8, &m, &e),
			 RC_BAD_INPUT);
	assert_string_equal(e.msg, "unterminated quoted string");
	assert_int_equal(sqlsplit_meta_parse("\\d \"open", 8, &m, &e),
			 RC_BAD_INPUT);
	assert_int_equal(sqlsplit_meta_parse("\\dt 1 2 3 4 5 6 7 8 9", 21, &m,
					     &e), RC_BAD_INPUT);
	assert_int_equal(strlen("\\dt 1 2 3 4 5 6 7 8 9"), 21);
	assert_null(m.buf);
	/* only n bytes are read */
	META("\\x on; garbage", "x", "on;", "garbage", NULL);
	assert_int_equal(sqlsplit_meta_parse("\\x onXX", 4, &m, &e), RC_OK);
	assert_string_equal(m.argv[0], "o");
	sqlsplit_meta_release(&m);
}

static void test_table_name(void **state)
{
	static const char *const ok[] = {
		"t", "accounts", "db.t", "Db.T_1", "\"My T\"", "\"a\"\"b\"",
		"a.\"b c\".d", "t$1", "tablé", "\"x.y\"",
	};
	static const char *const bad[] = {
		"", "t;", "t.", ".t", "\"abc", "a b", "t--", "t;DROP TABLE x",
		"\"a\"b", "a..b", "(t)", "t@i", "\"a\"\"",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!sqlsplit_table_name(ok[i]))
			fail_msg("'%s' refused", ok[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (sqlsplit_table_name(bad[i]))
			fail_msg("'%s' accepted", bad[i]);
}

/* ---- sqlfmt: psql's aligned and expanded output ------------------------- */

/*
 * Each case: values and the bytes psql 15 printed for them (psql -X -c,
 * and -x for the x_ cases, LANG=C.UTF-8), generated from psql's output.
 */
static const char *const mixed_names[] = { "id", "name", "n", "d" };
static const char *const mixed_types[] = { "int8", "text", "text", "numeric" };
static const char *const mixed_cells[] = { "1", "alice", NULL, "1.50", "22", "bo\nb", "z", "-3", "3", "日本語", "é", NULL };
static const char mixed_want[] =
		" id |  name  | n |  d   \n"
		"----+--------+---+------\n"
		"  1 | alice  |   | 1.50\n"
		" 22 | bo    +| z |   -3\n"
		"    | b      |   | \n"
		"  3 | 日本語 | é |     \n"
		"(3 rows)\n"
		"\n";

static const char *const header_nl_names[] = { "h\nx", "n" };
static const char *const header_nl_types[] = { "text", "int4" };
static const char *const header_nl_cells[] = { "p", "1" };
static const char header_nl_want[] =
		" h+| n \n"
		" x |   \n"
		"---+---\n"
		" p | 1\n"
		"(1 row)\n"
		"\n";

static const char *const controls_names[] = { "t", "cr", "ctl" };
static const char *const controls_types[] = { "text", "text", "text" };
static const char *const controls_cells[] = { "a\tb", "x\ry", "q\x01""" };
static const char controls_want[] =
		"     t     |  cr  |  ctl  \n"
		"-----------+------+-------\n"
		" a       b | x\\ry | q\\x01\n"
		"(1 row)\n"
		"\n";

static const char *const null_last_num_names[] = { "a", "num" };
static const char *const null_last_num_types[] = { "text", "int4" };
static const char *const null_last_num_cells[] = { "x", NULL, "yyyy", "123" };
static const char null_last_num_want[] =
		"  a   | num \n"
		"------+-----\n"
		" x    |    \n"
		" yyyy | 123\n"
		"(2 rows)\n"
		"\n";

static const char *const multiline_last_names[] = { "n", "last" };
static const char *const multiline_last_types[] = { "int4", "text" };
static const char *const multiline_last_cells[] = { "5", "a\nb\nc" };
static const char multiline_last_want[] =
		" n | last \n"
		"---+------\n"
		" 5 | a   +\n"
		"   | b   +\n"
		"   | c\n"
		"(1 row)\n"
		"\n";

static const char *const multiline_mid_names[] = { "n", "m", "k" };
static const char *const multiline_mid_types[] = { "int4", "text", "int4" };
static const char *const multiline_mid_cells[] = { "1", "x\ny", "2" };
static const char multiline_mid_want[] =
		" n | m | k \n"
		"---+---+---\n"
		" 1 | x+| 2\n"
		"   | y | \n"
		"(1 row)\n"
		"\n";

static const char *const trailing_nl_names[] = { "trail", "c" };
static const char *const trailing_nl_types[] = { "text", "text" };
static const char *const trailing_nl_cells[] = { "a\n", "b" };
static const char trailing_nl_want[] =
		" trail | c \n"
		"-------+---\n"
		" a    +| b\n"
		"       | \n"
		"(1 row)\n"
		"\n";

static const char *const zero_rows_names[] = { "a" };
static const char *const zero_rows_types[] = { "int4" };
static const char *const zero_rows_cells[] = { NULL };
static const char zero_rows_want[] =
		" a \n"
		"---\n"
		"(0 rows)\n"
		"\n";

static const char *const wide_names[] = { "名前", "b", "c" };
static const char *const wide_types[] = { "text", "text", "text" };
static const char *const wide_cells[] = { "日本語", "ab", "é" };
static const char wide_want[] =
		"  名前  | b  | c \n"
		"--------+----+---\n"
		" 日本語 | ab | é\n"
		"(1 row)\n"
		"\n";

static const char *const widths_names[] = { "comb", "emo", "c1", "full", "f" };
static const char *const widths_types[] = { "text", "text", "text", "text", "float8" };
static const char *const widths_cells[] = { "e\xcc\x81""", "😀x", "a\xc2\x85""b", "ＡＢ", "1.5" };
static const char widths_want[] =
		" comb | emo |    c1    | full |  f  \n"
		"------+-----+----------+------+-----\n"
		" e\xcc\x81""    | 😀x | a\\u0085b | ＡＢ | 1.5\n"
		"(1 row)\n"
		"\n";

static const char *const x_mixed_names[] = { "id", "name", "n", "d" };
static const char *const x_mixed_types[] = { "int8", "text", "text", "numeric" };
static const char *const x_mixed_cells[] = { "1", "alice", NULL, "1.50", "22", "bo\nb", "z", "-3", "3", "日本語", "é", NULL };
static const char x_mixed_want[] =
		"-[ RECORD 1 ]\n"
		"id   | 1\n"
		"name | alice\n"
		"n    | \n"
		"d    | 1.50\n"
		"-[ RECORD 2 ]\n"
		"id   | 22\n"
		"name | bo    +\n"
		"     | b\n"
		"n    | z\n"
		"d    | -3\n"
		"-[ RECORD 3 ]\n"
		"id   | 3\n"
		"name | 日本語\n"
		"n    | é\n"
		"d    | \n"
		"\n";

static const char *const x_zero_names[] = { "a" };
static const char *const x_zero_types[] = { "int4" };
static const char *const x_zero_cells[] = { NULL };
static const char x_zero_want[] =
		"(0 rows)\n"
		"\n";

static const char *const x_wide_names[] = { "名", "long_column_name" };
static const char *const x_wide_types[] = { "text", "int4" };
static const char *const x_wide_cells[] = { "日本", "1" };
static const char x_wide_want[] =
		"-[ RECORD 1 ]----+-----\n"
		"名               | 日本\n"
		"long_column_name | 1\n"
		"\n";

static const char *const x_header_nl_names[] = { "x\ny" };
static const char *const x_header_nl_types[] = { "text" };
static const char *const x_header_nl_cells[] = { "a" };
static const char x_header_nl_want[] =
		"-[ RECORD 1 ]\n"
		"x+| a\n"
		"y |\n"
		"\n";

struct fmt_case {
	const char *name;
	const char *const *names, *const *types, *const *cells;
	size_t ncols, nrows;
	int expanded;
	const char *want;
};

#define CASE(n, rows, x) { #n, n##_names, n##_types, n##_cells,		\
	sizeof(n##_names) / sizeof(n##_names[0]), rows, x, n##_want }

static const struct fmt_case fmt_cases[] = {
	CASE(mixed, 3, 0),
	CASE(header_nl, 1, 0),
	CASE(controls, 1, 0),
	CASE(null_last_num, 2, 0),
	CASE(multiline_last, 1, 0),
	CASE(multiline_mid, 1, 0),
	CASE(trailing_nl, 1, 0),
	CASE(zero_rows, 0, 0),
	CASE(wide, 1, 0),
	CASE(widths, 1, 0),
	CASE(x_mixed, 3, 1),
	CASE(x_zero, 0, 1),
	CASE(x_wide, 1, 1),
	CASE(x_header_nl, 1, 1)
};

/* sqlfmt_result of r into a string; chatter (if not NULL) gets stderr's. */
static char *fmt_run(const struct sqlres *r, const struct sqlfmt_opts *o,
		     char **chatter)
{
	char *out = NULL, *ch = NULL;
	size_t on = 0, cn = 0;
	FILE *f = open_memstream(&out, &on), *c = open_memstream(&ch, &cn);

	assert_non_null(f);
	assert_non_null(c);
	assert_int_equal(sqlfmt_result(f, c, r, o), RC_OK);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(fclose(c), 0);
	if (chatter != NULL)
		*chatter = ch;
	else
		free(ch);
	return out;
}

static struct sqlres res_of(const char *const *names,
			    const char *const *types,
			    const char *const *cells, size_t ncols,
			    size_t nrows, const char *tag)
{
	struct sqlres r;

	r.ncols = ncols;
	r.names = (const char **)names;
	r.types = (const char **)types;
	r.nrows = nrows;
	r.cells = (const char **)cells;
	r.tag = tag;
	return r;
}

static void test_fmt_psql(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fmt_cases) / sizeof(fmt_cases[0]); i++) {
		const struct fmt_case *c = &fmt_cases[i];
		struct sqlfmt_opts o = { .format = SQLFMT_TABLE,
					 .expanded = c->expanded };
		struct sqlres r = res_of(c->names, c->types, c->cells,
					 c->ncols, c->nrows, "SELECT 1");
		char *got = fmt_run(&r, &o, NULL);

		if (strcmp(got, c->want) != 0)
			fail_msg("case %s: got\n%s\nwant\n%s", c->name, got,
				 c->want);
		free(got);
	}
}

/* Quiet: no row count; a Ctrl-C flag: no more rows, no count either. */
static void test_fmt_quiet_stop(void **state)
{
	static const char *const names[] = { "a" };
	static const char *const types[] = { "int4" };
	static const char *const cells[] = { "1", "2" };
	volatile sig_atomic_t stop = 1;
	struct sqlfmt_opts o = { .format = SQLFMT_TABLE, .quiet = 1 };
	struct sqlres r = res_of(names, types, cells, 1, 2, "SELECT 2");
	char *got;

	(void)state;
	got = fmt_run(&r, &o, NULL);
	assert_string_equal(got, " a \n---\n 1\n 2\n\n");
	free(got);
	o.quiet = 0;
	o.stop = &stop;
	got = fmt_run(&r, &o, NULL);
	assert_string_equal(got, " a \n---\n");
	free(got);
	o.expanded = 1;
	got = fmt_run(&r, &o, NULL);
	assert_string_equal(got, "");
	free(got);
	o.expanded = 0;
	o.format = SQLFMT_CSV;
	got = fmt_run(&r, &o, NULL);
	assert_string_equal(got, "a\n");
	free(got);
	stop = 0;
	got = fmt_run(&r, &o, NULL);
	assert_string_equal(got, "a\n1\n2\n");
	free(got);
}

/* Tags: psql prints them for statements without rows, and after RETURNING. */
static void test_fmt_tags(void **state)
{
	static const char *const names[] = { "id" };
	static const char *const types[] = { "int8" };
	static const char *const cells[] = { "7" };
	struct sqlfmt_opts o = { .format = SQLFMT_TABLE };
	struct sqlres none = res_of(NULL, NULL, NULL, 0, 0, "INSERT 0 3");
	struct sqlres ret = res_of(names, types, cells, 1, 1, "INSERT 0 1");
	struct sqlres sel = res_of(names, types, cells, 1, 1, "SELECT 1");
	struct sqlres upd = res_of(names, types, cells, 1, 1, "UPDATE 1");
	struct sqlres notag = res_of(NULL, NULL, NULL, 0, 0, "");
	char *got, *ch;

	(void)state;
	got = fmt_run(&none, &o, &ch);
	assert_string_equal(got, "INSERT 0 3\n");
	assert_string_equal(ch, "");
	free(got);
	free(ch);
	got = fmt_run(&ret, &o, NULL);
	assert_string_equal(got, " id \n----\n  7\n(1 row)\n\nINSERT 0 1\n");
	free(got);
	got = fmt_run(&upd, &o, NULL);
	assert_string_equal(got, " id \n----\n  7\n(1 row)\n\nUPDATE 1\n");
	free(got);
	got = fmt_run(&sel, &o, NULL);
	assert_string_equal(got, " id \n----\n  7\n(1 row)\n\n");
	free(got);
	got = fmt_run(&notag, &o, NULL);
	assert_string_equal(got, "");
	free(got);
	/* quiet: none at all */
	o.quiet = 1;
	got = fmt_run(&none, &o, &ch);
	assert_string_equal(got, "");
	assert_string_equal(ch, "");
	free(got);
	free(ch);
	got = fmt_run(&ret, &o, NULL);
	assert_string_equal(got, " id \n----\n  7\n\n");
	free(got);
	/* machine formats keep stdout for rows: the tag goes to chatter */
	o.quiet = 0;
	for (int f = SQLFMT_CSV; f <= SQLFMT_JSON; f++) {
		o.format = (enum sqlfmt_format)f;
		got = fmt_run(&none, &o, &ch);
		assert_string_equal(got, "");
		assert_string_equal(ch, "INSERT 0 3\n");
		free(got);
		free(ch);
		got = fmt_run(&ret, &o, &ch);
		assert_string_equal(ch, "INSERT 0 1\n");
		free(got);
		free(ch);
	}
}

static void test_fmt_csv(void **state)
{
	static const char *const names[] = { "a", "b,c", "d\"e", "" };
	static const char *const types[] = { "int8", "text", "text", "text" };
	static const char *const cells[] = {
		NULL, "", "x,y", "q\"q",
		"l\nm", "\\.", " sp ", "x\r",
		"日本", "plain", "'", "\"",
	};
	struct sqlfmt_opts o = { .format = SQLFMT_CSV };
	struct sqlres r = res_of(names, types, cells, 4, 3, "SELECT 3");
	char *got;

	(void)state;
	got = fmt_run(&r, &o, NULL);
	assert_string_equal(got,
		"a,\"b,c\",\"d\"\"e\",\"\"\n"
		",\"\",\"x,y\",\"q\"\"q\"\n"
		"\"l\nm\",\"\\.\", sp ,\"x\r\"\n"
		"日本,plain,',\"\"\"\"\n");
	free(got);
	/* no rows: the header still */
	r.nrows = 0;
	got = fmt_run(&r, &o, NULL);
	assert_string_equal(got, "a,\"b,c\",\"d\"\"e\",\"\"\n");
	free(got);
}

static void test_fmt_tsv(void **state)
{
	static const char *const names[] = { "a", "b\tc" };
	static const char *const types[] = { "text", "int4" };
	static const char *const cells[] = {
		NULL, "x\\y", "l\nm", "\r", "", "\\N", "é\t", "1",
	};
	struct sqlfmt_opts o = { .format = SQLFMT_TSV };
	struct sqlres r = res_of(names, types, cells, 2, 4, "SELECT 4");
	char *got;

	(void)state;
	got = fmt_run(&r, &o, NULL);
	assert_string_equal(got,
		"a\tb\\tc\n"
		"\\N\tx\\\\y\n"
		"l\\nm\t\\r\n"
		"\t\\\\N\n"
		"é\\t\t1\n");
	free(got);
}

static void test_fmt_json(void **state)
{
	static const char *const names[] = { "a", "q\"k", "n" };
	static const char *const types[] = { "text", "text", "int8" };
	static const char *const cells[] = {
		NULL, "x\ty\x01é\\", "1",
		"", "\n\r\b\f/", "-2",
	};
	struct sqlfmt_opts o = { .format = SQLFMT_JSON };
	struct sqlres r = res_of(names, types, cells, 3, 2, "SELECT 2");
	char *got;

	(void)state;
	got = fmt_run(&r, &o, NULL);
	assert_string_equal(got,
		"{\"a\":null,\"q\\\"k\":\"x\\ty\\u0001é\\\\\",\"n\":\"1\"}\n"
		"{\"a\":\"\",\"q\\\"k\":\"\\n\\r\\b\\f/\",\"n\":\"-2\"}\n");
	free(got);
}

static void test_fmt_width(void **state)
{
	(void)state;
	assert_int_equal(sqlfmt_width("abc", 3), 3);
	assert_int_equal(sqlfmt_width("", 0), 0);
	assert_int_equal(sqlfmt_width("日本語", strlen("日本語")), 6);
	assert_int_equal(sqlfmt_width("é", strlen("é")), 1);
	assert_int_equal(sqlfmt_width("e\xcc\x81", 3), 1);	/* combining */
	assert_int_equal(sqlfmt_width("ＡＢ", strlen("ＡＢ")), 4);
	assert_int_equal(sqlfmt_width("😀", strlen("😀")), 2);
	assert_int_equal(sqlfmt_width("a\xe2\x80\x8b" "b", 5), 2); /* ZWSP */
	assert_int_equal(sqlfmt_width("한글", strlen("한글")), 4);
	/* bytes that are not UTF-8, and controls, count one each */
	assert_int_equal(sqlfmt_width("\xff\xfe", 2), 2);
	assert_int_equal(sqlfmt_width("\xe6\x97", 2), 2);	/* cut short */
	assert_int_equal(sqlfmt_width("\xed\xa0\x80", 3), 3);	/* surrogate */
	assert_int_equal(sqlfmt_width("a\tb", 3), 3);
	/* only n bytes are read */
	assert_int_equal(sqlfmt_width("日本語", 3), 2);
	assert_true(sqlfmt_numeric_type("int8"));
	assert_true(sqlfmt_numeric_type("int2"));
	assert_true(sqlfmt_numeric_type("float4"));
	assert_true(sqlfmt_numeric_type("numeric"));
	assert_false(sqlfmt_numeric_type("text"));
	assert_false(sqlfmt_numeric_type("bool"));
	assert_false(sqlfmt_numeric_type(""));
}

static void test_fmt_names(void **state)
{
	enum sqlfmt_format f;

	(void)state;
	assert_int_equal(sqlfmt_parse_format("table", &f), 0);
	assert_int_equal(f, SQLFMT_TABLE);
	assert_int_equal(sqlfmt_parse_format("csv", &f), 0);
	assert_int_equal(f, SQLFMT_CSV);
	assert_int_equal(sqlfmt_parse_format("tsv", &f), 0);
	assert_int_equal(f, SQLFMT_TSV);
	assert_int_equal(sqlfmt_parse_format("json", &f), 0);
	assert_int_equal(f, SQLFMT_JSON);
	assert_int_equal(sqlfmt_parse_format("JSON", &f), -1);
	assert_int_equal(sqlfmt_parse_format("", &f), -1);
	assert_int_equal(sqlfmt_parse_format("aligned", &f), -1);
}

/* ---- errors and timings ------------------------------------------------- */

static const char e_simple_sql[] = "select * form t";
static const char e_simple_msg[] = "syntax error at or near \"form\"";
static const char e_simple_want[] =
		"LINE 1: select * form t\n"
		"                 ^\n";

static const char e_end_sql[] = "select 1 +";
static const char e_end_msg[] = "syntax error at end of input";
static const char e_end_want[] =
		"LINE 1: select 1 +\n"
		"                  ^\n";

static const char e_line2_sql[] = "select 1,\n2 +";
static const char e_line2_msg[] = "syntax error at end of input";
static const char e_line2_want[] =
		"LINE 2: 2 +\n"
		"           ^\n";

static const char e_multibyte_sql[] = "select 'é' as a, '日本' form t";
static const char e_multibyte_msg[] = "syntax error at or near \"t\"";
static const char e_multibyte_want[] =
		"LINE 1: select 'é' as a, '日本' form t\n"
		"                                     ^\n";

static const char e_right_cut_sql[] = "select a form t, bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb from x";
static const char e_right_cut_msg[] = "syntax error at or near \"t\"";
static const char e_right_cut_want[] =
		"LINE 1: select a form t, bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb...\n"
		"                      ^\n";

static const char e_left_cut_sql[] = "select 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' form t";
static const char e_left_cut_msg[] = "syntax error at or near \"t\"";
static const char e_left_cut_want[] =
		"LINE 1: ...aaaaaa', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' form t\n"
		"                                                                      ^\n";

static const char e_tab_line4_sql[] = "select 1;\nselect\n  x,\n\t'日本' form t";
static const char e_tab_line4_msg[] = "syntax error at or near \"t\"";
static const char e_tab_line4_want[] =
		"LINE 4:  '日本' form t\n"
		"                     ^\n";

struct err_case {
	const char *name, *sql, *msg, *want;
	const char *at;		/* the error is at this text (NULL: end) */
	size_t skip;		/* ... this many bytes into it */
};

#define ECASE(n, at, skip) { #n, n##_sql, n##_msg, n##_want, at, skip }

static const struct err_case err_cases[] = {
	ECASE(e_simple, "form t", 0),
	ECASE(e_end, NULL, 0),
	ECASE(e_line2, NULL, 0),
	ECASE(e_multibyte, "form t", 5),
	ECASE(e_right_cut, "form t", 5),
	ECASE(e_left_cut, "form t", 5),
	ECASE(e_tab_line4, "form t", 5),
};

static char *err_run(const char *where, const struct sqlerror *er,
		     const char *sql, size_t len)
{
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);

	assert_non_null(f);
	sqlfmt_error(f, where, er, sql, len);
	assert_int_equal(fclose(f), 0);
	return out;
}

static void test_err_psql(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *c = &err_cases[i];
		struct sqlerror er = { .message = c->msg };
		size_t len = strlen(c->sql);
		char want[1024], *got;

		memcpy(er.sqlstate, "42601", 6);
		er.position = c->at == NULL ? (long)len + 1 :
			      (long)(strstr(c->sql, c->at) - c->sql +
				     (long)c->skip) + 1;
		snprintf(want, sizeof(want), "ERROR:  %s\n%sSQLSTATE: 42601\n",
			 c->msg, c->want);
		got = err_run(NULL, &er, c->sql, len);
		if (strcmp(got, want) != 0)
			fail_msg("case %s: got\n%s\nwant\n%s", c->name, got,
				 want);
		free(got);
	}
}

static void test_err_other(void **state)
{
	struct sqlerror er = { .message = "division by zero" };
	char *got;

	(void)state;
	memcpy(er.sqlstate, "22012", 6);
	/* no position: no LINE */
	got = err_run(NULL, &er, "SELECT 1/0", 10);
	assert_string_equal(got, "ERROR:  division by zero\n"
			    "SQLSTATE: 22012\n");
	free(got);
	/* a script's place first; DETAIL and HINT when the server has them */
	er.detail = "Key (id)=(1) already exists.";
	er.hint = "Try again.";
	got = err_run("sqlsh:x.sql:3: ", &er, "SELECT 1/0", 10);
	assert_string_equal(got, "sqlsh:x.sql:3: ERROR:  division by zero\n"
			    "DETAIL:  Key (id)=(1) already exists.\n"
			    "HINT:  Try again.\nSQLSTATE: 22012\n");
	free(got);
	/* no SQLSTATE: no line for it; a position past the end: no LINE */
	er.detail = er.hint = NULL;
	er.sqlstate[0] = '\0';
	er.position = 12;
	got = err_run(NULL, &er, "SELECT 1/0", 10);
	assert_string_equal(got, "ERROR:  division by zero\n");
	free(got);
	/* the position of the first byte, and of a CRLF second line */
	er.position = 1;
	got = err_run(NULL, &er, "SELECT 1/0", 10);
	assert_string_equal(got, "ERROR:  division by zero\n"
			    "LINE 1: SELECT 1/0\n        ^\n");
	free(got);
	er.position = 12;
	got = err_run(NULL, &er, "SELECT\r\n1/0", 11);
	assert_string_equal(got, "ERROR:  division by zero\n"
			    "LINE 2: 1/0\n           ^\n");
	free(got);
	/* a position at a newline: the end of its line */
	er.position = 7;
	got = err_run(NULL, &er, "SELECT\nx", 8);
	assert_string_equal(got, "ERROR:  division by zero\n"
			    "LINE 1: SELECT\n              ^\n");
	free(got);
}

static void test_timing(void **state)
{
	static const struct {
		double ms;
		const char *want;
	} cases[] = {
		{ 0.0, "Time: 0.000 ms\n" },
		{ 1.2344, "Time: 1.234 ms\n" },
		{ 999.9, "Time: 999.900 ms\n" },
		{ 1000.0, "Time: 1000.000 ms (00:01.000)\n" },
		{ 61250.0, "Time: 61250.000 ms (01:01.250)\n" },
		{ 3723004.0, "Time: 3723004.000 ms (01:02:03.004)\n" },
		{ 90000500.0, "Time: 90000500.000 ms (1 d 01:00:00.500)\n" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = NULL;
		size_t n = 0;
		FILE *f = open_memstream(&out, &n);

		sqlfmt_timing(f, cases[i].ms);
		fclose(f);
		assert_string_equal(out, cases[i].want);
		free(out);
	}
}

/* ---- sqlclient: replies ------------------------------------------------- */

static struct sqlreply *reply_ok(int status, const char *body)
{
	struct sqlreply *r = NULL;
	struct err e;

	if (sqlclient_parse_reply(status, body, strlen(body), "gw:1", &r,
				  &e) != RC_OK)
		fail_msg("'%s': %s", body, e.msg);
	return r;
}

static void reply_bad(int status, const char *body, int rc, const char *msg)
{
	struct sqlreply *r = (struct sqlreply *)1;
	struct err e;

	assert_int_equal(sqlclient_parse_reply(status, body, strlen(body),
					       "gw:1", &r, &e), rc);
	assert_null(r);
	if (strstr(e.msg, msg) == NULL)
		fail_msg("'%s': message '%s' lacks '%s'", body, e.msg, msg);
}

static void test_reply(void **state)
{
	struct sqlreply *r;

	(void)state;
	r = reply_ok(200, "{\"results\":[{\"columns\":[],\"types\":[],"
		     "\"rows\":[],\"tag\":\"CREATE TABLE\"},"
		     "{\"columns\":[\"a\",\"b\"],\"types\":[\"int8\",\"text\"],"
		     "\"rows\":[[\"1\",\"x\"],[null,\"y\"]],\"tag\":\"SELECT 2\"}"
		     "],\"columns\":[\"a\",\"b\"],\"types\":[\"int8\",\"text\"],"
		     "\"rows\":[[\"1\",\"x\"],[null,\"y\"]],\"tag\":\"SELECT 2\","
		     "\"txn\":\"open\"}");
	assert_int_equal(r->status, 200);
	assert_false(r->failed);
	assert_int_equal(r->txn, SQLCLIENT_TXN_OPEN);
	assert_int_equal(r->nres, 2);
	assert_int_equal(r->res[0].ncols, 0);
	assert_string_equal(r->res[0].tag, "CREATE TABLE");
	assert_int_equal(r->res[1].ncols, 2);
	assert_int_equal(r->res[1].nrows, 2);
	assert_string_equal(r->res[1].names[1], "b");
	assert_string_equal(r->res[1].types[0], "int8");
	assert_string_equal(r->res[1].cells[1], "x");
	assert_null(r->res[1].cells[2]);
	assert_string_equal(r->res[1].cells[3], "y");
	sqlclient_reply_free(r);

	/* the last result alone at the top level; types left out */
	r = reply_ok(200, "{\"columns\":[\"n\"],\"rows\":[[\"5\"]],"
		     "\"tag\":\"SELECT 1\",\"txn\":\"none\"}");
	assert_int_equal(r->nres, 1);
	assert_string_equal(r->res[0].types[0], "");
	assert_string_equal(r->res[0].cells[0], "5");
	assert_int_equal(r->txn, SQLCLIENT_TXN_NONE);
	sqlclient_reply_free(r);

	/* an error after a statement that completed */
	r = reply_ok(400, "{\"error\":{\"sqlstate\":\"42601\",\"message\":"
		     "\"syntax error at or near \\\"FORM\\\"\",\"position\":10},"
		     "\"results\":[{\"columns\":[],\"rows\":[],\"tag\":"
		     "\"BEGIN\"}],\"txn\":\"failed\"}");
	assert_true(r->failed);
	assert_string_equal(r->error.sqlstate, "42601");
	assert_string_equal(r->error.message,
			    "syntax error at or near \"FORM\"");
	assert_int_equal(r->error.position, 10);
	assert_null(r->error.detail);
	assert_int_equal(r->nres, 1);
	assert_string_equal(r->res[0].tag, "BEGIN");
	assert_int_equal(r->txn, SQLCLIENT_TXN_FAILED);
	sqlclient_reply_free(r);

	/* libcommon's error shape, no position, unknown txn */
	r = reply_ok(404, "{\"error\":{\"code\":\"not_found\",\"message\":"
		     "\"no route\"}}");
	assert_true(r->failed);
	assert_string_equal(r->error.sqlstate, "");
	assert_string_equal(r->error.message, "no route");
	assert_int_equal(r->error.position, 0);
	assert_int_equal(r->nres, 0);
	assert_int_equal(r->txn, SQLCLIENT_TXN_UNKNOWN);
	sqlclient_reply_free(r);
	r = reply_ok(409, "{\"error\":{\"sqlstate\":\"40001\",\"message\":"
		     "\"retry\",\"position\":null,\"detail\":\"d\",\"hint\":"
		     "\"h\"},\"txn\":\"bogus\"}");
	assert_string_equal(r->error.detail, "d");
	assert_string_equal(r->error.hint, "h");
	assert_int_equal(r->txn, SQLCLIENT_TXN_UNKNOWN);
	sqlclient_reply_free(r);

	/* what is not the protocol */
	reply_bad(200, "<html>", RC_CORRUPT, "malformed JSON reply from gw:1");
	reply_bad(200, "[1]", RC_CORRUPT, "not an object");
	reply_bad(502, "<html>Bad Gateway</html>", RC_UNAVAILABLE,
		  "gw:1 answered HTTP 502: <html>Bad Gateway</html>");
	reply_bad(404, "Not Found", RC_CORRUPT, "gw:1 answered HTTP 404");
	reply_bad(400, "{\"results\":[]}", RC_CORRUPT, "HTTP 400 without an "
		  "error");
	reply_bad(200, "{\"txn\":\"none\"}", RC_CORRUPT, "no results");
	reply_bad(200, "{\"results\":{}}", RC_CORRUPT, "results must be an "
		  "array");
	reply_bad(200, "{\"results\":[1]}", RC_CORRUPT, "results[0] is not an "
		  "object");
	reply_bad(200, "{\"results\":[{\"columns\":[\"a\",\"b\"],\"rows\":"
		  "[[\"1\",\"2\"],[\"1\"]]}]}", RC_CORRUPT,
		  "results[0].rows[1] is not an array of 2 values");
	reply_bad(200, "{\"results\":[{\"columns\":[\"a\"],\"rows\":"
		  "[[\"1\",\"2\"]]}]}", RC_CORRUPT,
		  "results[0].rows[0] is not an array of 1 values");
	reply_bad(200, "{\"results\":[{\"columns\":[\"a\"],\"rows\":"
		  "[\"1\"]}]}", RC_CORRUPT,
		  "results[0].rows[0] is not an array of 1 values");
	reply_bad(200, "{\"results\":[{\"columns\":[\"a\"],\"rows\":[[1]]}]}",
		  RC_CORRUPT, "results[0].rows[0]: values must be strings");
	reply_bad(200, "{\"results\":[{\"columns\":[\"a\"],\"types\":[],"
		  "\"rows\":[]}]}", RC_CORRUPT, "0 types for 1 columns");
	reply_bad(200, "{\"results\":[{\"columns\":[1]}]}", RC_CORRUPT,
		  "column names must be strings");
	reply_bad(200, "{\"results\":[{\"columns\":[],\"rows\":[[]]}]}",
		  RC_CORRUPT, "rows but no columns");
	reply_bad(200, "{\"results\":[{\"tag\":5}]}", RC_CORRUPT,
		  "tag must be a string");
	reply_bad(400, "{\"error\":{\"sqlstate\":\"4260\",\"message\":\"m\"}}",
		  RC_CORRUPT, "'4260' is not a SQLSTATE");
	reply_bad(400, "{\"error\":{\"sqlstate\":\"42601\",\"message\":\"m\","
		  "\"position\":-1}}", RC_CORRUPT, "position -1 is negative");
	reply_bad(400, "{\"error\":{\"sqlstate\":\"42601\"}}", RC_CORRUPT,
		  "error.message must be a string");
	reply_bad(400, "{\"error\":\"bad\"}", RC_CORRUPT,
		  "error is not an object");
	reply_bad(200, "{\"results\":[],\"results\":[]}", RC_CORRUPT,
		  "malformed JSON");
}

static void test_utf8(void **state)
{
	static const struct {
		const char *s;
		size_t n;
		int ok;
		size_t bad, bad_len;
	} cases[] = {
		{ "SELECT 'é日😀'", 18, 1, 0, 0 },
		{ "", 0, 1, 0, 0 },
		{ "ab\xff", 3, 0, 2, 1 },
		{ "a\0b", 3, 0, 1, 1 },			/* NUL */
		{ "\xc0\xaf", 2, 0, 0, 1 },		/* overlong '/' */
		{ "\xe0\x80\xaf", 3, 0, 0, 3 },		/* overlong */
		{ "x\xed\xa0\x80", 4, 0, 1, 3 },	/* a surrogate */
		{ "\xf4\x90\x80\x80", 4, 0, 0, 4 },	/* > U+10FFFF */
		{ "\xf5\x80\x80\x80", 4, 0, 0, 1 },
		{ "ab\xe6\x97", 4, 0, 2, 2 },		/* cut short */
		{ "\xe6\x97x", 3, 0, 0, 3 },
		{ "\x80", 1, 0, 0, 1 },			/* a stray byte */
		{ "\xf0\x9f\x98\x80", 4, 1, 0, 0 },
		{ "\xef\xbf\xbf", 3, 1, 0, 0 },		/* U+FFFF */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t bad = 99, bad_len = 99;
		int ok = sqlclient_utf8_valid(cases[i].s, cases[i].n, &bad,
					      &bad_len);

		if (ok != cases[i].ok)
			fail_msg("case %zu: valid %d", i, ok);
		if (!ok) {
			assert_int_equal(bad, cases[i].bad);
			assert_int_equal(bad_len, cases[i].bad_len);
		}
	}
	assert_int_equal(strlen("SELECT 'é日😀'"), 18);
}

/* Text JSON cannot carry is answered locally, never sent. */
static void test_run_local_error(void **state)
{
	struct sqlclient *c = NULL;
	struct sqlreply *r = NULL;
	struct err e;
	char *got;

	(void)state;
	/* port 1: nothing listens; no request is made anyway */
	assert_int_equal(sqlclient_new(&c, "http://127.0.0.1:1", 1000, &e),
			 RC_OK);
	assert_string_equal(sqlclient_peer(c), "127.0.0.1:1");
	assert_null(sqlclient_session(c));
	assert_int_equal(sqlclient_run(c, "SELECT '\xe6\x97' AS x", 16, &r,
				       &e), RC_OK);
	assert_non_null(r);
	assert_true(r->failed);
	assert_int_equal(r->status, 0);
	assert_string_equal(r->error.sqlstate, "22021");
	/* the bytes of the sequence begun, as PostgreSQL quotes them */
	assert_string_equal(r->error.message, "invalid byte sequence for "
			    "encoding \"UTF8\": 0xe6 0x97 0x27");
	assert_int_equal(r->error.position, 9);
	got = err_run(NULL, &r->error, "SELECT '\xe6\x97' AS x", 16);
	assert_string_equal(got, "ERROR:  invalid byte sequence for encoding "
			    "\"UTF8\": 0xe6 0x97 0x27\n"
			    "LINE 1: SELECT '\xe6\x97' AS x\n"
			    "                ^\nSQLSTATE: 22021\n");
	free(got);
	sqlclient_reply_free(r);
	assert_int_equal(sqlclient_run(c, "SELECT 1\0", 9, &r, &e), RC_OK);
	assert_string_equal(r->error.message, "invalid byte sequence for "
			    "encoding \"UTF8\": 0x00");
	assert_int_equal(r->error.position, 9);
	sqlclient_reply_free(r);
	/* and the network is really not there */
	assert_int_equal(sqlclient_run(c, "SELECT 1", 8, &r, &e),
			 RC_UNAVAILABLE);
	assert_null(r);
	assert_non_null(strstr(e.msg, "127.0.0.1:1"));
	assert_int_equal(sqlclient_session_close(c, &e), RC_OK);
	sqlclient_free(c);
	/* addresses */
	assert_int_equal(sqlclient_new(&c, "https://h:1", 0, &e),
			 RC_BAD_INPUT);
	assert_null(c);
	assert_non_null(strstr(e.msg, "expected http://HOST:PORT"));
	assert_int_equal(sqlclient_new(&c, "http://", 0, &e), RC_BAD_INPUT);
	assert_int_equal(sqlclient_new(&c, "h", 0, &e), RC_BAD_INPUT);
	assert_int_equal(sqlclient_new(&c, "h:1/", 0, &e), RC_OK);
	assert_string_equal(sqlclient_peer(c), "h:1");
	sqlclient_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_basic),
		cmocka_unit_test(test_split_quotes),
		cmocka_unit_test(test_split_dollar),
		cmocka_unit_test(test_split_comments),
		cmocka_unit_test(test_split_pieces),
		cmocka_unit_test(test_split_pending),
		cmocka_unit_test(test_meta_start),
		cmocka_unit_test(test_meta_parse),
		cmocka_unit_test(test_table_name),
		cmocka_unit_test(test_fmt_psql),
		cmocka_unit_test(test_fmt_quiet_stop),
		cmocka_unit_test(test_fmt_tags),
		cmocka_unit_test(test_fmt_csv),
		cmocka_unit_test(test_fmt_tsv),
		cmocka_unit_test(test_fmt_json),
		cmocka_unit_test(test_fmt_width),
		cmocka_unit_test(test_fmt_names),
		cmocka_unit_test(test_err_psql),
		cmocka_unit_test(test_err_other),
		cmocka_unit_test(test_timing),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_run_local_error),
	};

	return cmocka_run_group_tests_name("sqlsh", tests, NULL, NULL);
}
