/*
 * sqlparse_test.c -- unit tests for the SQL lexer, parser and deparser
 * (cmd/txcoord/sqllex.c, sqlparse.c, sqlast.c).
 *
 * Tables of cases: every statement form of the grammar parses and
 * round-trips (parse(deparse(x)) equals x, and deparse is a fixed point);
 * expected deparsed text pins down precedence and tree shape; errors have
 * the right SQLSTATE, position and PostgreSQL-style message (positions and
 * messages were checked against PostgreSQL 15 where it has the same
 * error); the lexer's tokens and UTF-8 checks; AST details (names, spans,
 * types, flags); limits (nesting, tree height, text size, long lists); and
 * seeded random statements from a small grammar, half of them mutated:
 * whatever parses must round-trip, and every failure is a proper error.
 * SQLPARSE_TEST_SEED=<n> changes the seed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "sqlast.h"
#include "sqlerr.h"
#include "sqllex.h"
#include "sqlparse.h"

#define N_(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ----------------------------------------------------------- */

static struct arena *A;

static int setup(void **state)
{
	(void)state;
	A = arena_new();
	return A == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	arena_free(A);
	A = NULL;
	return 0;
}

/* Parse sql that must hold exactly one statement. */
static struct sql_stmt *parse1(const char *sql)
{
	struct sql_stmt **s;
	size_t n;
	struct sqlerr e;

	if (sqlparse(A, sql, strlen(sql), &s, &n, &e) != 0) {
		print_error("unexpected error for [%s]: %s %d %s\n", sql,
			    e.sqlstate, e.position, e.msg);
		fail();
	}
	assert_int_equal(n, 1);
	return s[0];
}

/* Deparse, reparse, compare; also deparse must be a fixed point. */
static void check_roundtrip(const char *sql, const struct sql_stmt *s)
{
	struct sql_stmt **s2;
	size_t n2;
	struct sqlerr e;
	char *d = sqlast_stmt_to_sql(A, s), *d2;

	assert_non_null(d);
	if (sqlparse(A, d, strlen(d), &s2, &n2, &e) != 0) {
		print_error("deparse of [%s] is [%s], which fails: %s\n",
			    sql, d, e.msg);
		fail();
	}
	assert_int_equal(n2, 1);
	if (!sqlast_stmt_equal(s, s2[0])) {
		print_error("round trip changed the tree:\n  in:  %s\n  out: "
			    "%s\n",
			    sql, d);
		fail();
	}
	d2 = sqlast_stmt_to_sql(A, s2[0]);
	assert_non_null(d2);
	assert_string_equal(d, d2);
}

/* sql must fail with sqlstate at pos, message containing msg. */
static void check_error(const char *sql, size_t len, const char *sqlstate,
			int pos, const char *msg)
{
	struct sql_stmt **s = (struct sql_stmt **)&s;
	size_t n = 99;
	struct sqlerr e;

	if (sqlparse(A, sql, len, &s, &n, &e) == 0) {
		print_error("expected an error for [%s]\n", sql);
		fail();
	}
	assert_null(s);
	assert_int_equal(n, 0);
	if (strcmp(e.sqlstate, sqlstate) != 0 || e.position != pos ||
	    strstr(e.msg, msg) == NULL) {
		print_error("[%s]: got %s %d \"%s\", want %s %d \"%s\"\n", sql,
			    e.sqlstate, e.position, e.msg, sqlstate, pos, msg);
		fail();
	}
}

/* A growable test string. */
struct sb {
	char *p;
	size_t n, cap;
};

static void sb_add(struct sb *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		while (b->n + n + 1 > b->cap)
			b->cap = b->cap ? b->cap * 2 : 256;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void sb_adds(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_repeat(struct sb *b, const char *s, size_t times)
{
	size_t i;

	for (i = 0; i < times; i++)
		sb_adds(b, s);
}

/* ---- every statement form parses and round-trips ----------------------- */

static const char *const good_sql[] = {
	/* SELECT basics */
	"SELECT 1",
	"SELECT ALL 1, 2",
	"SELECT DISTINCT a FROM t",
	"SELECT * FROM t",
	"SELECT t.*, u.* FROM t, u",
	"SELECT db.t.* FROM db.t",
	"SELECT a AS x, b y, c \"Z z\", d AS select FROM t",
	"SELECT a AS \"from\" FROM t",
	"select a from t where a = 1 and b <> 2 or c != 3",
	"SELECT a FROM t WHERE a < 1 AND a <= 2 AND a > 3 AND a >= 4",
	"SELECT a, count(*) FROM t GROUP BY a HAVING count(*) > 1",
	"SELECT a FROM t GROUP BY a, b + 1",
	"SELECT a FROM t ORDER BY a",
	"SELECT a FROM t ORDER BY a ASC, b DESC, c NULLS FIRST, d DESC NULLS "
	"LAST",
	"SELECT a FROM t LIMIT 10",
	"SELECT a FROM t LIMIT ALL",
	"SELECT a FROM t OFFSET 5",
	"SELECT a FROM t LIMIT 10 OFFSET 5",
	"SELECT a FROM t OFFSET 5 LIMIT 10",
	"SELECT a FROM t ORDER BY 1 LIMIT 1 + 1 OFFSET (SELECT 1)",
	"SELECT 1 WHERE true",
	"SELECT * FROM t AS OF SYSTEM TIME '-10s'",
	"SELECT * FROM t AS OF SYSTEM TIME '2024-01-01' WHERE a = 1",
	"SELECT 1 AS OF SYSTEM TIME '-1s'",
	"SELECT a AS of FROM t",
	"SELECT a FROM t AS of",
	/* VALUES and set operations */
	"VALUES (1)",
	"VALUES (1, 'a'), (2, 'b'), (3, NULL)",
	"VALUES (1) ORDER BY 1 LIMIT 1",
	"SELECT 1 UNION SELECT 2",
	"SELECT 1 UNION ALL SELECT 2",
	"SELECT 1 UNION DISTINCT SELECT 2",
	"SELECT 1 INTERSECT SELECT 2",
	"SELECT 1 INTERSECT ALL SELECT 2",
	"SELECT 1 EXCEPT SELECT 2",
	"SELECT 1 EXCEPT ALL SELECT 2",
	"SELECT 1 UNION SELECT 2 INTERSECT SELECT 3",
	"(SELECT 1 UNION SELECT 2) INTERSECT SELECT 3",
	"SELECT 1 UNION (SELECT 2 UNION SELECT 3)",
	"SELECT 1 EXCEPT (SELECT 2 EXCEPT SELECT 3)",
	"(SELECT 1)",
	"((SELECT 1))",
	"(SELECT 1 ORDER BY 1) UNION SELECT 2",
	"(SELECT 1 LIMIT 1) UNION ALL (SELECT 2 LIMIT 1) ORDER BY 1 LIMIT 1",
	"(SELECT 1) ORDER BY 1",
	"VALUES (1) UNION VALUES (2)",
	"SELECT a FROM t UNION SELECT b FROM u ORDER BY 1 DESC",
	/* FROM items and joins */
	"SELECT * FROM db.t",
	"SELECT * FROM t x",
	"SELECT * FROM t AS x (a, b)",
	"SELECT * FROM (SELECT 1) AS s",
	"SELECT * FROM (SELECT 1) s (x)",
	"SELECT * FROM (SELECT 1)",
	"SELECT * FROM (VALUES (1), (2)) AS v (n)",
	"SELECT * FROM ((SELECT 1)) AS s",
	"SELECT * FROM ((SELECT 1) UNION (SELECT 2)) AS s",
	"SELECT * FROM a JOIN b ON a.x = b.x",
	"SELECT * FROM a INNER JOIN b ON true",
	"SELECT * FROM a LEFT JOIN b ON true",
	"SELECT * FROM a LEFT OUTER JOIN b ON true",
	"SELECT * FROM a RIGHT JOIN b ON true",
	"SELECT * FROM a RIGHT OUTER JOIN b ON true",
	"SELECT * FROM a FULL JOIN b ON true",
	"SELECT * FROM a FULL OUTER JOIN b ON true",
	"SELECT * FROM a CROSS JOIN b",
	"SELECT * FROM a NATURAL JOIN b",
	"SELECT * FROM a NATURAL LEFT JOIN b",
	"SELECT * FROM a JOIN b USING (x, y)",
	"SELECT * FROM a JOIN b ON a.x = b.x JOIN c ON c.y = b.y",
	"SELECT * FROM a JOIN (b JOIN c ON b.x = c.x) ON a.x = b.x",
	"SELECT * FROM (a JOIN b ON true)",
	"SELECT * FROM (a JOIN b ON true) JOIN c ON true",
	"SELECT * FROM ((SELECT 1) AS s JOIN t ON true)",
	"SELECT * FROM (t)",
	"SELECT * FROM a, b, c WHERE a.x = b.x",
	"SELECT * FROM a CROSS JOIN b, c LEFT JOIN d ON true",
	"SELECT * FROM a JOIN (SELECT 1) AS s ON true",
	/* expressions */
	"SELECT 1 + 2 * 3 - 4 / 5 % 6",
	"SELECT (1 + 2) * 3",
	"SELECT 1 - (2 - 3)",
	"SELECT 'a' || 'b' || c",
	"SELECT - - + 3, - col, + - col, -(-(5))",
	"SELECT -9223372036854775808, 9223372036854775807",
	"SELECT 9223372036854775808, -99999999999999999999",
	"SELECT 4.2, .5, 5., 1e3, 1.5E-3, -1e+10",
	"SELECT 'it''s', E'a\\nb\\tc\\\\d\\'e', $$dollar$$, $tag$x$y$tag$",
	"SELECT x'00ff', X'DEADBEEF', x''",
	"SELECT TRUE, FALSE, NULL",
	"SELECT NOT a, NOT NOT b, NOT a = b",
	"SELECT a IS NULL, a IS NOT NULL, a ISNULL, a NOTNULL",
	"SELECT a IS TRUE, a IS NOT TRUE, a IS FALSE, a IS NOT FALSE",
	"SELECT a IS UNKNOWN, a IS NOT UNKNOWN",
	"SELECT a IS DISTINCT FROM b, a IS NOT DISTINCT FROM b + 1",
	"SELECT a BETWEEN 1 AND 2, a NOT BETWEEN 1 AND 2",
	"SELECT a BETWEEN SYMMETRIC 2 AND 1, a BETWEEN ASYMMETRIC 1 AND 2",
	"SELECT a BETWEEN b + 1 AND c * 2 AND d",
	"SELECT a IN (1), a IN (1, 2, 3), a NOT IN ('x', NULL)",
	"SELECT a IN (SELECT b FROM u), a NOT IN (SELECT b FROM u)",
	"SELECT a IN ((SELECT 1)), a IN ((SELECT 1), 2)",
	"SELECT a IN ((SELECT 1) UNION (SELECT 2))",
	"SELECT 1 IN (), 1 NOT IN ()",
	"SELECT a LIKE 'x%', a NOT LIKE 'x%', a ILIKE 'X%', a NOT ILIKE 'y'",
	"SELECT a LIKE 'x!%' ESCAPE '!'",
	"SELECT EXISTS (SELECT 1), NOT EXISTS (SELECT * FROM t WHERE t.a = "
	"u.a)",
	"SELECT (SELECT max(a) FROM t), (SELECT 1) + 1",
	"SELECT ((SELECT 1) + 1)",
	"SELECT ((SELECT 1) UNION (SELECT 2))",
	"SELECT CASE WHEN a THEN 1 END",
	"SELECT CASE WHEN a = 1 THEN 'one' WHEN a = 2 THEN 'two' ELSE 'many' "
	"END",
	"SELECT CASE a WHEN 1 THEN 'one' ELSE NULL END",
	"SELECT CAST(a AS INT), CAST('1' AS BIGINT), a::text, a::int::text",
	"SELECT DATE '2024-01-02', TIMESTAMP '2024-01-02 03:04:05', INT '7'",
	"SELECT abs(-1), coalesce(a, b, 0), nullif(a, 0), length('x')",
	"SELECT lower('A'), upper('a'), substr('abc', 2), substr('abc', 2, 1)",
	"SELECT now(), count(*), count(DISTINCT a), sum(ALL a), avg(a)",
	"SELECT min(a), max(a), left('abc', 2), right('abc', 1)",
	"SELECT CURRENT_TIMESTAMP, CURRENT_DATE",
	"SELECT \"Mixed\".\"Case\" FROM \"Mixed\"",
	"SELECT t.a, db.t.a FROM db.t",
	"SELECT excluded.a FROM t",
	"SELECT date, text, key, nulls, first, last, tables FROM t",
	"SELECT a = b = c",
	"SELECT (a = b) IS TRUE",
	"SELECT a < b IS NULL",
	"SELECT NOT a IS NULL",
	"SELECT - a * b, -a :: int, -(a * b)",
	"SELECT a || b LIKE c || d",
	"SELECT a LIKE b = c",
	"SELECT a + b BETWEEN c AND d OR e",
	"SELECT (a OR b) AND c, a OR b AND c, (a AND b) OR c",
	"SELECT a AND (b AND c), (a AND b) AND c",
	"SELECT 1 = (NOT a)",
	"SELECT a - -1, a - - 1, a * -1",
	"SELECT - 2 * 3",
	/* INSERT / UPSERT / REPLACE */
	"INSERT INTO t VALUES (1)",
	"INSERT INTO t VALUES (1, 'a'), (2, 'b')",
	"INSERT INTO db.t (a, b) VALUES (1, DEFAULT)",
	"INSERT INTO t DEFAULT VALUES",
	"INSERT INTO t SELECT * FROM u",
	"INSERT INTO t (a) SELECT b FROM u WHERE b > 0",
	"INSERT INTO t (SELECT 1)",
	"INSERT INTO t (a) (SELECT 1 UNION SELECT 2)",
	"INSERT INTO t AS x VALUES (1)",
	"INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING",
	"INSERT INTO t VALUES (1) ON CONFLICT (a) DO NOTHING",
	"INSERT INTO t VALUES (1, 2) ON CONFLICT (a) DO UPDATE SET b = "
	"excluded.b",
	"INSERT INTO t VALUES (1, 2) ON CONFLICT (a, b) DO UPDATE SET b = "
	"excluded.b + 1, c = DEFAULT WHERE t.b < 10",
	"INSERT INTO t VALUES (1) RETURNING *",
	"INSERT INTO t VALUES (1) RETURNING a, b AS c",
	"INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING RETURNING a",
	"UPSERT INTO t VALUES (1, 2)",
	"UPSERT INTO t (a, b) VALUES (1, 2) RETURNING a",
	"REPLACE INTO t VALUES (1)",
	"INSERT OR REPLACE INTO t (a) VALUES (1)",
	/* UPDATE / DELETE */
	"UPDATE t SET a = 1",
	"UPDATE t SET a = 1, b = DEFAULT WHERE c > 0",
	"UPDATE t AS x SET a = x.a + 1",
	"UPDATE t x SET a = 1 RETURNING *",
	"UPDATE db.t SET a = (SELECT max(b) FROM u) WHERE EXISTS (SELECT 1)",
	"DELETE FROM t",
	"DELETE FROM t WHERE a = 1",
	"DELETE FROM t AS x WHERE x.a = 1 RETURNING x.a",
	"DELETE FROM db.t x RETURNING *",
	/* CREATE / DROP */
	"CREATE TABLE t (a INT)",
	"CREATE TABLE IF NOT EXISTS db.t (a INT PRIMARY KEY, b TEXT NOT NULL)",
	"CREATE TABLE t (a INT, b INT, PRIMARY KEY (a, b))",
	"CREATE TABLE t (a INT NULL DEFAULT 5 UNIQUE CHECK (a > 0))",
	"CREATE TABLE t (a INT CONSTRAINT pk PRIMARY KEY CONSTRAINT c CHECK "
	"(a <> 0))",
	"CREATE TABLE t (a INT, CONSTRAINT u UNIQUE (a), CHECK (a < 100), "
	"CONSTRAINT c2 CHECK (a > -100))",
	"CREATE TABLE t (a INT DEFAULT 1 NOT NULL, b INT DEFAULT -1 NULL)",
	"CREATE TABLE t (a TEXT DEFAULT 'x' || 'y', "
	"b TIMESTAMP DEFAULT now())",
	"CREATE TABLE t (a TIMESTAMP DEFAULT CURRENT_TIMESTAMP)",
	"CREATE TABLE t (a SMALLINT, b INT2, c INT4, d INTEGER, e INT8, f "
	"BIGINT)",
	"CREATE TABLE t (a REAL, b FLOAT4, c FLOAT, d FLOAT8, e DOUBLE "
	"PRECISION, f DOUBLE)",
	"CREATE TABLE t (a FLOAT(10), b FLOAT(40))",
	"CREATE TABLE t (a DECIMAL, b NUMERIC(10), c DECIMAL(10, 2), d "
	"DEC(38, 38))",
	"CREATE TABLE t (a TEXT, b STRING, c VARCHAR, d VARCHAR(20))",
	"CREATE TABLE t (a CHARACTER VARYING(5), b CHAR VARYING, c CHAR, d "
	"CHAR(3), e CHARACTER(2))",
	"CREATE TABLE t (a BOOL, b BOOLEAN, c BYTES, d BYTEA)",
	"CREATE TABLE t (a TIMESTAMP, b TIMESTAMP WITHOUT TIME ZONE, c DATE)",
	"CREATE TABLE t (\"select\" INT, \"Col\" TEXT, date DATE, key INT)",
	"CREATE TABLE t AS SELECT * FROM u",
	"CREATE TABLE IF NOT EXISTS t AS VALUES (1)",
	"CREATE TABLE if (a INT)",
	"CREATE INDEX ON t (a)",
	"CREATE INDEX i ON t (a)",
	"CREATE INDEX i ON db.t (a ASC, b DESC)",
	"CREATE UNIQUE INDEX i ON t (a)",
	"CREATE INDEX IF NOT EXISTS i ON t (a)",
	"CREATE UNIQUE INDEX IF NOT EXISTS i ON t (a, b)",
	"CREATE INDEX if ON t (a)",
	"CREATE VIEW v AS SELECT 1",
	"CREATE VIEW IF NOT EXISTS db.v (x, y) AS SELECT a, b FROM t",
	"CREATE VIEW v AS SELECT 1 UNION SELECT 2 ORDER BY 1",
	"CREATE DATABASE d",
	"CREATE DATABASE IF NOT EXISTS d",
	"DROP TABLE t",
	"DROP TABLE IF EXISTS t, db.u CASCADE",
	"DROP TABLE t RESTRICT",
	"DROP TABLE if",
	"DROP VIEW v",
	"DROP VIEW IF EXISTS v, w",
	"DROP INDEX i",
	"DROP INDEX IF EXISTS i",
	"DROP INDEX t@i",
	"DROP INDEX db.t@i CASCADE",
	"DROP INDEX i ON t",
	"DROP INDEX db.i ON t",
	"DROP DATABASE d",
	"DROP DATABASE IF EXISTS d CASCADE",
	"TRUNCATE t",
	"TRUNCATE TABLE t, db.u",
	/* transactions, settings, SHOW, EXPLAIN */
	"BEGIN",
	"BEGIN TRANSACTION",
	"BEGIN WORK",
	"BEGIN ISOLATION LEVEL SERIALIZABLE",
	"BEGIN TRANSACTION ISOLATION LEVEL SERIALIZABLE",
	"START TRANSACTION",
	"START TRANSACTION ISOLATION LEVEL REPEATABLE READ",
	"BEGIN ISOLATION LEVEL READ COMMITTED",
	"BEGIN ISOLATION LEVEL READ UNCOMMITTED",
	"COMMIT",
	"COMMIT TRANSACTION",
	"END",
	"END WORK",
	"ROLLBACK",
	"ROLLBACK TRANSACTION",
	"SET database = d",
	"SET database TO d",
	"SET database = \"MyDb\"",
	"SET application_name = 'sqlsh'",
	"SET x = 1, -2, +3.5, on, DEFAULT, \"default\"",
	"SET x TO DEFAULT",
	"USE d",
	"USE \"D\"",
	"SHOW database",
	"SHOW \"tables\"",
	"SHOW TABLES",
	"SHOW TABLES FROM d",
	"SHOW DATABASES",
	"SHOW CREATE TABLE t",
	"SHOW CREATE VIEW db.v",
	"SHOW CREATE t",
	"SHOW COLUMNS FROM t",
	"SHOW INDEXES FROM t",
	"SHOW INDEX FROM db.t",
	"SHOW RANGES FROM TABLE t",
	"SHOW RANGES FROM INDEX t@i",
	"SHOW RANGES FROM INDEX db.t@i",
	"EXPLAIN SELECT * FROM t WHERE a = 1",
	"EXPLAIN (SELECT 1)",
	"EXPLAIN VALUES (1)",
	"EXPLAIN INSERT INTO t VALUES (1)",
	"EXPLAIN UPSERT INTO t VALUES (1)",
	"EXPLAIN UPDATE t SET a = 1",
	"EXPLAIN DELETE FROM t",
	/* lexical odds and ends */
	"select/*comment*/1",
	"select /* nested /* comment */ still */ 1 -- trailing",
	"SELECT 'multi'\n'line' \n  -- comment\n 'continued'",
	"SELECT E'\\u00e9\\U0001F600\\x41\\101'",
	"SELECT \"a\"\"b\" FROM t",
	"SELECT caf\xc3\xa9 FROM \xe5\x9c\xb0",
	"SELECT '\xe2\x82\xac'",
	"SELECT a$b FROM t",
	"\tSELECT\n1\r\n",
};

static void test_statements_roundtrip(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_(good_sql); i++) {
		struct sql_stmt *s = parse1(good_sql[i]);

		check_roundtrip(good_sql[i], s);
		arena_reset(A);
	}
}

/* ---- the tree shape, seen through the deparser ------------------------- */

static const struct {
	const char *in;
	const char *out;
} shape[] = {
	{ "select 1 + 2 * 3", "SELECT 1 + 2 * 3" },
	{ "select (1 + 2) * 3", "SELECT (1 + 2) * 3" },
	{ "select 1 - 2 - 3", "SELECT 1 - 2 - 3" },
	{ "select 1 - (2 - 3)", "SELECT 1 - (2 - 3)" },
	{ "select ((((1))))", "SELECT 1" },
	{ "select - - 5", "SELECT 5" },
	{ "select - - + 3", "SELECT - - +3" },
	{ "select -(5)", "SELECT -5" },
	{ "select - -9223372036854775808", "SELECT 9223372036854775808" },
	{ "select -9223372036854775808", "SELECT -9223372036854775808" },
	{ "select -0009223372036854775808", "SELECT -9223372036854775808" },
	{ "select - 1.5", "SELECT -1.5" },
	{ "select - - col", "SELECT - -col" },
	{ "select -a * b", "SELECT -a * b" },
	{ "select -(a * b)", "SELECT -(a * b)" },
	{ "select -a::int", "SELECT -CAST(a AS BIGINT)" },
	{ "select (-5)::int", "SELECT CAST(-5 AS BIGINT)" },
	{ "select a - -1", "SELECT a - -1" },
	{ "select not a = b", "SELECT NOT a = b" },
	{ "select not (a and b)", "SELECT NOT (a AND b)" },
	{ "select not a and b", "SELECT NOT a AND b" },
	{ "select a = not b", "SELECT a = (NOT b)" },
	{ "select a or b and c", "SELECT a OR b AND c" },
	{ "select (a or b) and c", "SELECT (a OR b) AND c" },
	{ "select (a and b) and (c and d)", "SELECT a AND b AND (c AND d)" },
	{ "select a = b = c", "SELECT (a = b) = c" },
	{ "select a < b is null", "SELECT a < b IS NULL" },
	{ "select (a is null) is null", "SELECT (a IS NULL) IS NULL" },
	{ "select a || b like c", "SELECT a || b LIKE c" },
	{ "select (a like b) = c", "SELECT a LIKE b = c" },
	{ "select a like (b = c)", "SELECT a LIKE (b = c)" },
	{ "select a between 1 and 2 and b", "SELECT a BETWEEN 1 AND 2 AND b" },
	{ "select a between (1 and 2) and b", "SELECT a BETWEEN (1 AND 2) "
					      "AND b" },
	{ "select a between 1 and 2 = true",
	  "SELECT a BETWEEN 1 AND 2 = TRUE" },
	{ "select a in (1) in (true)", "SELECT (a IN (1)) IN (TRUE)" },
	{ "select a isnull, b notnull", "SELECT a IS NULL, b IS NOT NULL" },
	{ "select a is distinct from b is null",
	  "SELECT (a IS DISTINCT FROM b) IS NULL" },
	{ "select a != b", "SELECT a <> b" },
	{ "select count(all a)", "SELECT count(a)" },
	{ "select 1 union select 2 intersect select 3",
	  "SELECT 1 UNION SELECT 2 INTERSECT SELECT 3" },
	{ "(select 1 union select 2) intersect select 3",
	  "(SELECT 1 UNION SELECT 2) INTERSECT SELECT 3" },
	{ "select 1 except (select 2 except select 3)",
	  "SELECT 1 EXCEPT (SELECT 2 EXCEPT SELECT 3)" },
	{ "(select 1 except select 2) except select 3",
	  "SELECT 1 EXCEPT SELECT 2 EXCEPT SELECT 3" },
	{ "select 1 union distinct select 2", "SELECT 1 UNION SELECT 2" },
	{ "(select 1) order by 1", "SELECT 1 ORDER BY 1" },
	{ "select 1 limit all", "SELECT 1" },
	{ "select * from (a join b on true)",
	  "SELECT * FROM a JOIN b ON TRUE" },
	{ "select * from a join (b join c on x) on y",
	  "SELECT * FROM a JOIN (b JOIN c ON x) ON y" },
	{ "select * from t x", "SELECT * FROM t AS x" },
	{ "select a b from t", "SELECT a AS b FROM t" },
	{ "select \"A\", \"b\", \"select\", \"a b\", \"q\"\"q\" from t",
	  "SELECT \"A\", b, \"select\", \"a b\", \"q\"\"q\" FROM t" },
	{ "select 'a''b', E'\\'', $$'$$", "SELECT 'a''b', '''', ''''" },
	{ "select x'0A0b'", "SELECT x'0a0b'" },
	{ "select date '2024-01-02'", "SELECT CAST('2024-01-02' AS DATE)" },
	{ "select cast(a as integer), cast(a as int4), cast(a as smallint)",
	  "SELECT CAST(a AS BIGINT), CAST(a AS INT4), CAST(a AS SMALLINT)" },
	{ "select cast(a as numeric(5)), cast(a as varchar(3)), cast(a as "
	  "char)",
	  "SELECT CAST(a AS DECIMAL(5,0)), CAST(a AS VARCHAR(3)), "
	  "CAST(a AS CHAR(1))" },
	{ "select cast(a as float(24)), cast(a as float(25))",
	  "SELECT CAST(a AS REAL), CAST(a AS DOUBLE PRECISION)" },
	{ "select current_timestamp, left('x', 1), \"left\"('y', 1)",
	  "SELECT CURRENT_TIMESTAMP, left('x', 1), left('y', 1)" },
	{ "select \"count\"(*), \"exists\"(1)",
	  "SELECT count(*), \"exists\"(1)" },
	{ "insert or replace into t values (1)", "REPLACE INTO t VALUES (1)" },
	{ "use db", "SET database = db" },
	{ "set database to 'x'", "SET database = 'x'" },
	{ "show create view v", "SHOW CREATE TABLE v" },
	{ "show index from t", "SHOW INDEXES FROM t" },
	{ "drop index t@i", "DROP INDEX t@i" },
	{ "drop index i on t", "DROP INDEX t@i" },
	{ "truncate t", "TRUNCATE TABLE t" },
	{ "end", "COMMIT" },
	{ "start transaction", "BEGIN" },
	{ "create table t (a int, primary key (a), b text)",
	  "CREATE TABLE t (a BIGINT, b TEXT, PRIMARY KEY (a))" },
	{ "create table t (a int default 1 not null)",
	  "CREATE TABLE t (a BIGINT NOT NULL DEFAULT 1)" },
	{ "select 'multi'\n'line'", "SELECT 'multiline'" },
	{ "select 1 in ()", "SELECT 1 IN ()" },
};

static void test_shapes(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_(shape); i++) {
		struct sql_stmt *s = parse1(shape[i].in);
		char *d = sqlast_stmt_to_sql(A, s);

		assert_non_null(d);
		if (strcmp(d, shape[i].out) != 0) {
			print_error("[%s]\n  got  [%s]\n  want [%s]\n",
				    shape[i].in, d, shape[i].out);
			fail();
		}
		check_roundtrip(shape[i].in, s);
		arena_reset(A);
	}
}

/* ---- errors ------------------------------------------------------------ */

static const struct {
	const char *sql;
	const char *sqlstate;
	int pos;
	const char *msg;
} errors[] = {
	{ "SELEC 1", "42601", 1, "syntax error at or near \"SELEC\"" },
	{ "select 1 +", "42601", 11, "syntax error at end of input" },
	{ "select (", "42601", 9, "syntax error at end of input" },
	{ "select 1 from", "42601", 14, "syntax error at end of input" },
	{ "select 1 = 1 +", "42601", 15, "syntax error at end of input" },
	{ "SELECT * FORM t", "42601", 10, "syntax error at or near \"FORM\"" },
	{ "select a from t where", "42601", 22,
	  "syntax error at end of input" },
	{ "select a, from t", "42601", 11,
	  "syntax error at or near \"from\"" },
	{ "select 1; selec 2", "42601", 11,
	  "syntax error at or near \"selec\"" },
	{ "select 1 select 2", "42601", 10,
	  "syntax error at or near \"select\"" },
	{ "select 'abc", "42601", 8,
	  "unterminated quoted string at or near \"'abc\"" },
	{ "select E'abc\\'", "42601", 8,
	  "unterminated quoted string at or near \"E'abc\\'\"" },
	{ "select x'ab", "42601", 8, "unterminated quoted string" },
	{ "select 'a'\n'b", "42601", 8, "unterminated quoted string" },
	{ "select \"abc", "42601", 8,
	  "unterminated quoted identifier at or near \"\"abc\"" },
	{ "select \"\"", "42601", 8,
	  "zero-length delimited identifier at or near \"\"\"\"" },
	{ "select 1 /* abc", "42601", 10,
	  "unterminated /* comment at or near \"/* abc\"" },
	{ "select 1 /* a /* b */", "42601", 10, "unterminated /* comment" },
	{ "select $$abc", "42601", 8,
	  "unterminated dollar-quoted string at or near \"$$abc\"" },
	{ "select $a$abc$b$", "42601", 8,
	  "unterminated dollar-quoted string" },
	{ "select $1", "42601", 8, "syntax error at or near \"$1\"" },
	{ "select 123abc", "42601", 8,
	  "trailing junk after numeric literal at or near \"123abc\"" },
	{ "select 1e", "42601", 8,
	  "trailing junk after numeric literal at or near \"1e\"" },
	{ "select 1.5x", "42601", 8, "trailing junk after numeric literal" },
	{ "select 1 ! 2", "42601", 10, "syntax error at or near \"!\"" },
	{ "select a | b", "42601", 10, "syntax error at or near \"|\"" },
	{ "select a : b", "42601", 10, "syntax error at or near \":\"" },
	{ "select #", "42601", 8, "syntax error at or near \"#\"" },
	{ "select E'\\xff'", "22021", 8,
	  "invalid byte sequence for encoding \"UTF8\": 0xff" },
	{ "select E'\\0'", "22021", 8,
	  "invalid byte sequence for encoding \"UTF8\": 0x00" },
	{ "select E'\\xc3\\x28'", "22021", 8,
	  "invalid byte sequence for encoding \"UTF8\": 0xc3 0x28" },
	{ "select E'\\u0000'", "42601", 10,
	  "invalid Unicode escape value at or near \"\\u0000\"" },
	{ "select E'\\U00110000'", "42601", 10,
	  "invalid Unicode escape value at or near \"\\U00110000\"" },
	{ "select E'\\ud800'", "42601", 16,
	  "invalid Unicode surrogate pair at or near \"'\"" },
	{ "select E'\\udc00'", "42601", 10, "invalid Unicode surrogate pair" },
	{ "select E'\\ud800\\u0041'", "42601", 16,
	  "invalid Unicode surrogate pair at or near \"\\u0041\"" },
	{ "select E'\\u12'", "22025", 10, "invalid Unicode escape" },
	{ "select E'\\ud800\xc3\xa9'", "42601", 16,	/* found by fuzzing */
	  "invalid Unicode surrogate pair at or near \"\xc3\xa9\"" },
	{ "select x'0G'", "22P02", 8,
	  "\"G\" is not a valid hexadecimal digit" },
	{ "select x'abc'", "22P02", 8,
	  "invalid hexadecimal data: odd number of digits" },
	{ "select 1 = 1 = ", "42601", 16, "syntax error at end of input" },
	{ "select cast(1 as foo)", "42704", 18,
	  "type \"foo\" does not exist" },
	{ "select foo 'x'", "42704", 8, "type \"foo\" does not exist" },
	{ "create table t (a blob)", "42704", 19,
	  "type \"blob\" does not exist" },
	{ "create table t (a timestamp with time zone)", "0A000", 19,
	  "type timestamp with time zone is not supported" },
	{ "create table t (a varchar(0))", "22023", 19,
	  "length for type varchar must be at least 1" },
	{ "create table t (a char(10485761))", "22023", 19,
	  "length for type char cannot exceed 10485760" },
	{ "create table t (a decimal(39))", "22023", 19,
	  "NUMERIC precision 39 must be between 1 and 38" },
	{ "create table t (a decimal(5, 6))", "22023", 19,
	  "NUMERIC scale 6 must be between 0 and precision 5" },
	{ "create table t (a float(0))", "22023", 25,
	  "precision for type float must be at least 1 bit" },
	{ "create table t (a float(54))", "22023", 25,
	  "precision for type float must be less than 54 bits" },
	{ "create table t (a int(11))", "42601", 22,
	  "syntax error at or near \"(\"" },
	{ "create table t (a int not null null)", "42601", 32,
	  "conflicting NULL/NOT NULL declarations for column \"a\" of "
	  "table \"t\"" },
	{ "create table t (a int null not null)", "42601", 28,
	  "conflicting NULL/NOT NULL declarations" },
	{ "create table t (a int default 1 default 2)", "42601", 33,
	  "multiple default values specified for column \"a\" of "
	  "table \"t\"" },
	{ "create table t (a int references u)", "0A000", 23,
	  "foreign keys are not supported" },
	{ "create table t (a int, foreign key (a) references u (a))", "0A000",
	  24, "foreign keys are not supported" },
	{ "create table t ()", "42601", 17, "syntax error at or near \")\"" },
	{ "create table t (a int constraint c)", "42601", 35,
	  "syntax error at or near \")\"" },
	{ "values (1), (1, 2)", "42601", 14,
	  "VALUES lists must all be the same length" },
	{ "select 1 order by 1 order by 1", "42601", 21,
	  "syntax error at or near \"order\"" },
	{ "(select 1 order by 1) order by 1", "42601", 23,
	  "multiple ORDER BY clauses not allowed" },
	{ "(select 1 limit 1) limit 1", "42601", 20,
	  "multiple LIMIT clauses not allowed" },
	{ "select 1 limit 1 limit 2", "42601", 18,
	  "multiple LIMIT clauses not allowed" },
	{ "select 1 offset 1 offset 2", "42601", 19,
	  "multiple OFFSET clauses not allowed" },
	{ "select 1 order by 1 union select 2", "42601", 21,
	  "syntax error at or near \"union\"" },
	{ "insert into t values (default) union select 1", "42601", 23,
	  "DEFAULT is not allowed in this context" },
	{ "select default", "42601", 8,
	  "syntax error at or near \"default\"" },
	{ "values (default)", "42601", 9,
	  "syntax error at or near \"default\"" },
	{ "insert into t values (1) on conflict do update set a = 1", "42601",
	  26, "ON CONFLICT DO UPDATE requires inference specification" },
	{ "upsert into t values (1) on conflict do nothing", "42601", 26,
	  "syntax error at or near \"on\"" },
	{ "explain create table t (a int)", "42601", 9,
	  "syntax error at or near \"create\"" },
	{ "explain explain select 1", "42601", 9,
	  "syntax error at or near \"explain\"" },
	{ "select * from a natural cross join b", "42601", 25,
	  "syntax error at or near \"cross\"" },
	{ "select * from a join b", "42601", 23,
	  "syntax error at end of input" },
	{ "select * from a left join b using ()", "42601", 36,
	  "syntax error at or near \")\"" },
	{ "select t.* + 1 from t", "42601", 12,
	  "syntax error at or near \"+\"" },
	{ "select a.b.c.d from t", "42601", 13,
	  "syntax error at or near \".\"" },
	{ "select * from t where a in (select 1", "42601", 37,
	  "syntax error at end of input" },
	{ "select (1, 2)", "42601", 10, "syntax error at or near \",\"" },
	{ "select case end", "42601", 13, "syntax error at or near \"end\"" },
	{ "select case when 1 then 2", "42601", 26,
	  "syntax error at end of input" },
	{ "select count(*", "42601", 15, "syntax error at end of input" },
	{ "select a is 5", "42601", 13, "syntax error at or near \"5\"" },
	{ "select a not b", "42601", 10, "syntax error at or near \"not\"" },
	{ "select 1 = all (select 1)", "42601", 12,
	  "syntax error at or near \"all\"" },
	{ "drop thing x", "42601", 6, "syntax error at or near \"thing\"" },
	{ "create temp table t (a int)", "42601", 8,
	  "syntax error at or near \"temp\"" },
	{ "begin isolation level chaos", "42601", 23,
	  "syntax error at or near \"chaos\"" },
	{ "show", "42601", 5, "syntax error at end of input" },
	{ "set x", "42601", 6, "syntax error at end of input" },
	{ "select from t", "42601", 8, "syntax error at or near \"from\"" },
	{ "select 1 as", "42601", 12, "syntax error at end of input" },
	{ "select 'x' 'y'", "42601", 12, "syntax error at or near \"'y'\"" },
	{ "select 1 from t where a like", "42601", 29,
	  "syntax error at end of input" },
	{ "update t set where a = 1", "42601", 14,
	  "syntax error at or near \"where\"" },
	{ "delete t", "42601", 8, "syntax error at or near \"t\"" },
	{ "select 1 as of system time", "42601", 27,
	  "syntax error at end of input" },
	{ ";;select", "42601", 9, "syntax error at end of input" },
};

static void test_errors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_(errors); i++) {
		check_error(errors[i].sql, strlen(errors[i].sql),
			    errors[i].sqlstate, errors[i].pos, errors[i].msg);
		arena_reset(A);
	}
}

/* A long token is cut in the message, at a character boundary. */
static void test_error_long_token(void **state)
{
	struct sb b = { 0 };
	struct sql_stmt **s;
	size_t n;
	struct sqlerr e;

	(void)state;
	sb_adds(&b, "select 1 '");
	sb_repeat(&b, "\xc3\xa9", 200);	/* 400 bytes of é */
	sb_adds(&b, "'");
	assert_int_equal(sqlparse(A, b.p, b.n, &s, &n, &e), -1);
	assert_string_equal(e.sqlstate, "42601");
	assert_int_equal(e.position, 10);
	assert_non_null(strstr(e.msg, "syntax error at or near \"'"));
	assert_non_null(strstr(e.msg, "...\""));
	assert_true(strlen(e.msg) < 120);
	assert_true(sqllex_utf8_valid(e.msg, strlen(e.msg), NULL, NULL));
	free(b.p);
	arena_reset(A);
}

/* ---- UTF-8 ------------------------------------------------------------- */

static const struct {
	const char *bytes;
	size_t len;
	int valid;
	size_t bad;		/* offset of the bad sequence */
	const char *shown;	/* the message's byte list */
} utf8[] = {
	{ "", 0, 1, 0, NULL },
	{ "abc", 3, 1, 0, NULL },
	{ "\xc3\xa9", 2, 1, 0, NULL },
	{ "\xe2\x82\xac", 3, 1, 0, NULL },
	{ "\xf0\x9f\x98\x80", 4, 1, 0, NULL },
	{ "\xf4\x8f\xbf\xbf", 4, 1, 0, NULL },	/* U+10FFFF */
	{ "\xed\x9f\xbf", 3, 1, 0, NULL },	/* U+D7FF */
	{ "\xee\x80\x80", 3, 1, 0, NULL },	/* U+E000 */
	{ "a\xff", 2, 0, 1, "0xff" },
	{ "a\x80", 2, 0, 1, "0x80" },
	{ "\xc0\x80", 2, 0, 0, "0xc0 0x80" },	/* overlong NUL */
	{ "\xc1\xbf", 2, 0, 0, "0xc1 0xbf" },	/* overlong */
	{ "\xe0\x80\x80", 3, 0, 0, "0xe0 0x80 0x80" },	/* overlong */
	{ "\xf0\x80\x80\x80", 4, 0, 0, "0xf0 0x80 0x80 0x80" },
	{ "\xed\xa0\x80", 3, 0, 0, "0xed 0xa0 0x80" },	/* surrogate */
	{ "\xf4\x90\x80\x80", 4, 0, 0, "0xf4 0x90 0x80 0x80" },	/* > max */
	{ "\xf5\x80\x80\x80", 4, 0, 0, "0xf5 0x80 0x80 0x80" },
	{ "ab\xc3", 3, 0, 2, "0xc3" },		/* cut at the end */
	{ "\xe2\x82", 2, 0, 0, "0xe2 0x82" },
	{ "\xc3\x28", 2, 0, 0, "0xc3 0x28" },
	{ "x\0y", 3, 0, 1, "0x00" },		/* NUL */
	{ "\xf8\x88\x80\x80\x80", 5, 0, 0, "0xf8" },
};

static void test_utf8(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_(utf8); i++) {
		size_t bad = 99, badlen = 99;
		int v = sqllex_utf8_valid(utf8[i].bytes, utf8[i].len, &bad,
					  &badlen);

		assert_int_equal(v, utf8[i].valid);
		if (!v) {
			struct sqlerr e;
			char want[128];

			assert_int_equal(bad, utf8[i].bad);
			sqllex_utf8_error(&e, 7, utf8[i].bytes + bad, badlen);
			snprintf(want, sizeof(want), "invalid byte sequence "
						     "for "
				 "encoding \"UTF8\": %s", utf8[i].shown);
			assert_string_equal(e.msg, want);
			assert_string_equal(e.sqlstate, "22021");
			assert_int_equal(e.position, 7);
		}
	}
}

/* Invalid UTF-8 anywhere in the text: 22021 at the bad byte. */
static void test_utf8_in_text(void **state)
{
	static const char bad1[] = "select 'caf\xc3' from t";
	static const char bad2[] = "select 1; -- \xff comment\nselect 2";
	static const char bad3[] = "select \"\xed\xa0\x80\"";
	static const char nul[] = "select 1\0 ; select 2";

	(void)state;
	check_error(bad1, sizeof(bad1) - 1, "22021", 12,
		    "invalid byte sequence for encoding \"UTF8\": 0xc3 0x27");
	check_error(bad2, sizeof(bad2) - 1, "22021", 14,
		    "invalid byte sequence for encoding \"UTF8\": 0xff");
	check_error(bad3, sizeof(bad3) - 1, "22021", 9, "0xed 0xa0 0x80");
	check_error(nul, sizeof(nul) - 1, "22021", 9,
		    "invalid byte sequence for encoding \"UTF8\": 0x00");
	arena_reset(A);
}

/* ---- the lexer --------------------------------------------------------- */

static void test_keywords(void **state)
{
	int k;

	(void)state;
	for (k = 1; k < SQLLEX_KW__COUNT; k++) {
		const char *name = sqllex_kw_name((enum sqllex_kw)k);
		char upper[64];
		size_t i, n = strlen(name);

		/* sorted, so the binary search finds every one */
		if (k > 1)
			assert_true(strcmp(sqllex_kw_name(
					(enum sqllex_kw)(k - 1)), name) < 0);
		assert_int_equal(sqllex_kw_lookup(name, n), k);
		for (i = 0; i <= n; i++)
			upper[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ?
					  name[i] - 'a' + 'A' : name[i]);
		assert_int_equal(sqllex_kw_lookup(upper, n), k);
	}
	assert_int_equal(sqllex_kw_lookup("selec", 5), SQLLEX_KW_NONE);
	assert_int_equal(sqllex_kw_lookup("selectx", 7), SQLLEX_KW_NONE);
	assert_int_equal(sqllex_kw_lookup("", 0), SQLLEX_KW_NONE);
	assert_int_equal(sqllex_kw_category(SQLLEX_KW_SELECT),
			 SQLLEX_RESERVED);
	assert_int_equal(sqllex_kw_category(SQLLEX_KW_LEFT), SQLLEX_TYPEFUNC);
	assert_int_equal(sqllex_kw_category(SQLLEX_KW_TABLES),
			 SQLLEX_UNRESERVED);
	assert_int_equal(sqllex_kw_category(SQLLEX_KW_NONE),
			 SQLLEX_UNRESERVED);
	assert_string_equal(sqllex_kw_name(SQLLEX_KW_NONE), "");
}

struct want_tok {
	enum sqllex_tok kind;
	const char *str;	/* name / decoded string / numeric text */
	size_t slen;
	int64_t ival;
	int pos;
};

static void lex_all(const char *sql, const struct want_tok *w, size_t nw)
{
	struct sqllex lx;
	struct sqllex_token t;
	struct sqlerr e;
	size_t i;

	assert_int_equal(sqllex_init(&lx, A, sql, strlen(sql), &e), 0);
	for (i = 0; i < nw; i++) {
		assert_int_equal(sqllex_next(&lx, &t, &e), 0);
		if (t.kind != w[i].kind || t.pos != w[i].pos) {
			print_error("[%s] token %zu: kind %d pos %d, want %d "
				    "%d\n",
				    sql, i, t.kind, t.pos, w[i].kind,
				    w[i].pos);
			fail();
		}
		if (w[i].str != NULL) {
			assert_int_equal(t.slen, w[i].slen);
			assert_memory_equal(t.str, w[i].str, w[i].slen);
			assert_int_equal(t.str[t.slen], '\0');
		}
		if (t.kind == SQLLEX_INT)
			assert_int_equal(t.ival, w[i].ival);
		assert_int_equal(t.pos, (int)t.off + 1);
	}
	/* EOF forever after */
	assert_int_equal(sqllex_next(&lx, &t, &e), 0);
	assert_int_equal(t.kind, SQLLEX_EOF);
	assert_int_equal(t.pos, (int)strlen(sql) + 1);
	assert_int_equal(sqllex_next(&lx, &t, &e), 0);
	assert_int_equal(t.kind, SQLLEX_EOF);
}

static void test_lexer(void **state)
{
	static const struct want_tok w1[] = {
		{ SQLLEX_IDENT, "select", 6, 0, 1 },
		{ SQLLEX_QIDENT, "A\"b", 3, 0, 8 },
		{ SQLLEX_COMMA, NULL, 0, 0, 14 },
		{ SQLLEX_IDENT, "mixed", 5, 0, 16 },
		{ SQLLEX_DOT, NULL, 0, 0, 21 },
		{ SQLLEX_STAR, NULL, 0, 0, 22 },
	};
	static const struct want_tok w2[] = {
		{ SQLLEX_INT, NULL, 0, 42, 1 },
		{ SQLLEX_INT, NULL, 0, INT64_MAX, 4 },
		{ SQLLEX_NUMERIC, "9223372036854775808", 19, 0, 24 },
		{ SQLLEX_NUMERIC, "1.5", 3, 0, 44 },
		{ SQLLEX_NUMERIC, ".5", 2, 0, 48 },
		{ SQLLEX_NUMERIC, "5.", 2, 0, 51 },
		{ SQLLEX_NUMERIC, "1e3", 3, 0, 54 },
		{ SQLLEX_NUMERIC, "2E-7", 4, 0, 58 },
		{ SQLLEX_NUMERIC, "1.e+2", 5, 0, 63 },
		{ SQLLEX_INT, NULL, 0, 7, 69 },
	};
	static const struct want_tok w3[] = {
		{ SQLLEX_PLUS, NULL, 0, 0, 1 },
		{ SQLLEX_MINUS, NULL, 0, 0, 2 },
		{ SQLLEX_STAR, NULL, 0, 0, 3 },
		{ SQLLEX_SLASH, NULL, 0, 0, 4 },
		{ SQLLEX_PERCENT, NULL, 0, 0, 5 },
		{ SQLLEX_CONCAT, NULL, 0, 0, 6 },
		{ SQLLEX_EQ, NULL, 0, 0, 8 },
		{ SQLLEX_NE, NULL, 0, 0, 9 },
		{ SQLLEX_NE2, NULL, 0, 0, 11 },
		{ SQLLEX_LE, NULL, 0, 0, 13 },
		{ SQLLEX_LT, NULL, 0, 0, 15 },
		{ SQLLEX_GE, NULL, 0, 0, 17 },
		{ SQLLEX_GT, NULL, 0, 0, 19 },
		{ SQLLEX_CAST, NULL, 0, 0, 20 },
		{ SQLLEX_LPAREN, NULL, 0, 0, 22 },
		{ SQLLEX_RPAREN, NULL, 0, 0, 23 },
		{ SQLLEX_SEMI, NULL, 0, 0, 24 },
		{ SQLLEX_AT, NULL, 0, 0, 25 },
		{ SQLLEX_MINUS, NULL, 0, 0, 27 },
		{ SQLLEX_INT, NULL, 0, 1, 28 },
	};
	static const struct want_tok w4[] = {
		{ SQLLEX_STRING, "it's", 4, 0, 1 },
		{ SQLLEX_STRING, "a\nb\tc\\d'e\bf\fg\rh", 15, 0, 9 },
		{ SQLLEX_STRING, "AA\x01\xc3\xa9\xf0\x9f\x98\x80q", 10, 0,
		  35 },
		{ SQLLEX_BYTES, "\x00\xff\x10", 3, 0, 67 },
		{ SQLLEX_STRING, "x'y", 3, 0, 77 },
		{ SQLLEX_STRING, "in $ side", 9, 0, 85 },
		{ SQLLEX_STRING, "", 0, 0, 101 },
		{ SQLLEX_STRING, "abc", 3, 0, 104 },
	};
	static const struct want_tok w5[] = {
		{ SQLLEX_IDENT, "a", 1, 0, 16 },
		{ SQLLEX_IDENT, "b", 1, 0, 35 },
	};

	(void)state;
	lex_all("select \"A\"\"b\", MIXED.*", w1, N_(w1));
	lex_all("42 9223372036854775807 9223372036854775808 1.5 .5 5. "
		"1e3 2E-7 1.e+2 07", w2, N_(w2));
	lex_all("+-*/%||=<>!=<=< >=>::();@ -1", w3, N_(w3));
	lex_all("'it''s' E'a\\nb\\tc\\\\d\\'e\\bf\\fg\\rh' "
		"e'\\x41\\101\\1\\u00e9\\U0001F600\\q' X'00fF10' $$x'y$$ "
		"$t$in $ side$t$ '' 'a'\n -- c\n'b'\r\n\t'c'",
		w4, N_(w4));
	lex_all("/* x /* y */ */a -- comment\n /**/ b -- end", w5, N_(w5));
	arena_reset(A);
}

static void test_lexer_keywords_and_names(void **state)
{
	struct sqllex lx;
	struct sqllex_token t;
	struct sqlerr e;
	const char *sql = "SeLeCt \"SeLeCt\" tables caf\xc3\xa9 _x9$";

	(void)state;
	assert_int_equal(sqllex_init(&lx, A, sql, strlen(sql), &e), 0);
	assert_int_equal(sqllex_next(&lx, &t, &e), 0);
	assert_int_equal(t.kind, SQLLEX_IDENT);
	assert_int_equal(t.kw, SQLLEX_KW_SELECT);
	assert_string_equal(t.str, "select");
	assert_int_equal(t.len, 6);
	assert_int_equal(sqllex_next(&lx, &t, &e), 0);
	assert_int_equal(t.kind, SQLLEX_QIDENT);
	assert_int_equal(t.kw, SQLLEX_KW_NONE);
	assert_string_equal(t.str, "SeLeCt");
	assert_int_equal(t.len, 8);
	assert_int_equal(sqllex_next(&lx, &t, &e), 0);
	assert_int_equal(t.kw, SQLLEX_KW_TABLES);
	assert_int_equal(sqllex_next(&lx, &t, &e), 0);
	assert_int_equal(t.kind, SQLLEX_IDENT);
	assert_string_equal(t.str, "caf\xc3\xa9");
	assert_int_equal(sqllex_next(&lx, &t, &e), 0);
	assert_string_equal(t.str, "_x9$");
	assert_int_equal(sqllex_next(&lx, &t, &e), 0);
	assert_int_equal(t.kind, SQLLEX_EOF);
	/* NULL text with length 0 is the empty text */
	assert_int_equal(sqllex_init(&lx, A, NULL, 5, &e), 0);
	assert_int_equal(sqllex_next(&lx, &t, &e), 0);
	assert_int_equal(t.kind, SQLLEX_EOF);
	assert_int_equal(t.pos, 1);
	arena_reset(A);
}

/* ---- AST details ------------------------------------------------------- */

static void test_ast_select(void **state)
{
	const char *sql = "  /* lead */ SELECT DISTINCT t.a AS x, \"B\" + 1, "
			  "count(*) FROM db.tab AS t LEFT JOIN u USING (k) "
			  "WHERE a IN (1, 2) GROUP BY 1 HAVING true "
			  "ORDER BY 2 DESC NULLS FIRST LIMIT 3 OFFSET 4 ; ";
	struct sql_stmt *s = parse1(sql);
	struct sql_query *q;
	struct sql_select *sel;
	struct sql_expr *x;
	struct sql_from *f;

	(void)state;
	assert_int_equal(s->kind, SQL_STMT_QUERY);
	assert_int_equal(s->pos, 14);
	assert_int_equal(s->text_start, 13);
	assert_int_equal(s->text_len, strlen(sql) - 13 - 3);
	assert_memory_equal(sql + s->text_start + s->text_len - 8,
			    "OFFSET 4", 8);
	q = s->u.query;
	assert_int_equal(q->kind, SQL_QUERY_SELECT);
	assert_int_equal(q->pos, 14);
	sel = &q->u.select;
	assert_true(sel->distinct);
	assert_int_equal(sel->ntargets, 3);
	x = sel->targets[0]->expr;
	assert_int_equal(x->kind, SQL_EXPR_COLUMN);
	assert_null(x->u.col.db);
	assert_string_equal(x->u.col.table, "t");
	assert_string_equal(x->u.col.column, "a");
	assert_int_equal(x->pos, 30);
	assert_string_equal(sel->targets[0]->alias, "x");
	assert_int_equal(sel->targets[0]->text_start, 29);
	assert_int_equal(sel->targets[0]->text_len, 3);
	x = sel->targets[1]->expr;
	assert_int_equal(x->kind, SQL_EXPR_BINARY);
	assert_int_equal(x->u.binary.op, SQL_BINOP_ADD);
	assert_int_equal(x->pos, 44);	/* the operator */
	assert_string_equal(x->u.binary.left->u.col.column, "B");
	assert_int_equal(x->u.binary.right->kind, SQL_EXPR_INT);
	assert_int_equal(x->u.binary.right->u.i, 1);
	assert_int_equal(x->height, 2);
	assert_null(sel->targets[1]->alias);
	assert_int_equal(sel->targets[1]->text_len, 7);
	x = sel->targets[2]->expr;
	assert_int_equal(x->kind, SQL_EXPR_FUNC);
	assert_string_equal(x->u.func.name, "count");
	assert_true(x->u.func.star);
	assert_int_equal(x->u.func.n, 0);
	assert_int_equal(sel->nfrom, 1);
	f = sel->from[0];
	assert_int_equal(f->kind, SQL_FROM_JOIN);
	assert_int_equal(f->u.join.kind, SQL_JOIN_LEFT);
	assert_false(f->u.join.natural);
	assert_null(f->u.join.on);
	assert_int_equal(f->u.join.nusing, 1);
	assert_string_equal(f->u.join.using_[0]->name, "k");
	assert_int_equal(f->u.join.left->kind, SQL_FROM_TABLE);
	assert_string_equal(f->u.join.left->u.table.db, "db");
	assert_string_equal(f->u.join.left->u.table.name, "tab");
	assert_string_equal(f->u.join.left->alias, "t");
	assert_string_equal(f->u.join.right->u.table.name, "u");
	assert_null(f->u.join.right->alias);
	assert_int_equal(sel->where->kind, SQL_EXPR_IN_LIST);
	assert_int_equal(sel->where->u.in_list.n, 2);
	assert_false(sel->where->u.in_list.not_);
	assert_int_equal(sel->ngroup_by, 1);
	assert_int_equal(sel->having->kind, SQL_EXPR_BOOL);
	assert_true(sel->having->u.b);
	assert_int_equal(q->norder, 1);
	assert_true(q->order[0]->desc);
	assert_int_equal(q->order[0]->nulls, SQL_NULLS_FIRST);
	assert_int_equal(q->limit->u.i, 3);
	assert_int_equal(q->offset->u.i, 4);
	assert_null(sel->as_of);
	assert_true(q->height >= 3);
	arena_reset(A);
}

static void test_ast_statements(void **state)
{
	struct sql_stmt *s;
	struct sql_insert *ins;
	struct sql_create_table *ct;
	struct sql_coldef *cd;

	(void)state;
	s = parse1("INSERT INTO t (a, b) VALUES (1, DEFAULT) ON CONFLICT (a) "
		   "DO UPDATE SET b = excluded.b WHERE t.b IS NULL "
		   "RETURNING a");
	assert_int_equal(s->kind, SQL_STMT_INSERT);
	ins = s->u.insert;
	assert_string_equal(ins->table.name, "t");
	assert_int_equal(ins->ncolumns, 2);
	assert_int_equal(ins->columns[1]->pos, 19);
	assert_int_equal(ins->source->kind, SQL_QUERY_VALUES);
	assert_int_equal(ins->source->u.values.n, 1);
	assert_int_equal(ins->source->u.values.rows[0]->items[1]->kind,
			 SQL_EXPR_DEFAULT);
	assert_false(ins->upsert);
	assert_int_equal(ins->on_conflict, SQL_CONFLICT_UPDATE);
	assert_int_equal(ins->conflict_pos, 42);
	assert_int_equal(ins->nconflict_cols, 1);
	assert_int_equal(ins->nset, 1);
	assert_string_equal(ins->set[0]->value->u.col.table, "excluded");
	assert_int_equal(ins->conflict_where->kind, SQL_EXPR_IS);
	assert_int_equal(ins->nreturning, 1);

	s = parse1("replace into t values (1)");
	assert_true(s->u.insert->upsert && s->u.insert->replace);
	s = parse1("upsert into t values (1)");
	assert_true(s->u.insert->upsert && !s->u.insert->replace);
	s = parse1("insert into t default values");
	assert_null(s->u.insert->source);

	s = parse1("CREATE TABLE IF NOT EXISTS T (Id INT PRIMARY KEY, "
		   "\"Name\" VARCHAR(20) NOT NULL DEFAULT 'x', p "
		   "DECIMAL(10,2) "
		   "CONSTRAINT pos CHECK (p > 0), c CHAR, "
		   "CONSTRAINT u UNIQUE (Id, \"Name\"))");
	assert_int_equal(s->kind, SQL_STMT_CREATE_TABLE);
	ct = s->u.create_table;
	assert_true(ct->if_not_exists);
	assert_string_equal(ct->table.name, "t");
	assert_int_equal(ct->ncolumns, 4);
	cd = ct->columns[0];
	assert_string_equal(cd->name, "id");
	assert_int_equal(cd->type.kind, SQL_TYPENAME_INT8);
	assert_int_equal(cd->nconstraints, 1);
	assert_int_equal(cd->constraints[0]->kind, SQL_CONSTRAINT_PRIMARY_KEY);
	assert_int_equal(cd->constraints[0]->ncolumns, 0);
	assert_false(cd->not_null);
	cd = ct->columns[1];
	assert_string_equal(cd->name, "Name");
	assert_int_equal(cd->type.kind, SQL_TYPENAME_VARCHAR);
	assert_int_equal(cd->type.width, 20);
	assert_true(cd->not_null);
	assert_int_equal(cd->default_->kind, SQL_EXPR_STRING);
	cd = ct->columns[2];
	assert_int_equal(cd->type.kind, SQL_TYPENAME_DECIMAL);
	assert_int_equal(cd->type.precision, 10);
	assert_int_equal(cd->type.scale, 2);
	assert_string_equal(cd->constraints[0]->name, "pos");
	assert_int_equal(cd->constraints[0]->kind, SQL_CONSTRAINT_CHECK);
	assert_non_null(cd->constraints[0]->check);
	cd = ct->columns[3];
	assert_int_equal(cd->type.kind, SQL_TYPENAME_CHAR);
	assert_int_equal(cd->type.width, 1);
	assert_int_equal(ct->nconstraints, 1);
	assert_int_equal(ct->constraints[0]->kind, SQL_CONSTRAINT_UNIQUE);
	assert_string_equal(ct->constraints[0]->name, "u");
	assert_int_equal(ct->constraints[0]->ncolumns, 2);
	assert_string_equal(ct->constraints[0]->columns[1]->name, "Name");

	s = parse1("create view v (x) as  select 1 union select 2  ");
	assert_int_equal(s->kind, SQL_STMT_CREATE_VIEW);
	assert_int_equal(s->u.create_view->query_start, 22);
	assert_int_equal(s->u.create_view->query_len, 23);

	s = parse1("drop index db.t@i cascade");
	assert_int_equal(s->kind, SQL_STMT_DROP_INDEX);
	assert_string_equal(s->u.drop->names[0]->name, "i");
	assert_string_equal(s->u.drop->index_table->db, "db");
	assert_string_equal(s->u.drop->index_table->name, "t");
	assert_int_equal(s->u.drop->behavior, SQL_DROP_CASCADE);
	s = parse1("drop index if exists i");
	assert_true(s->u.drop->if_exists);
	assert_null(s->u.drop->index_table);

	s = parse1("use MyDb");
	assert_int_equal(s->kind, SQL_STMT_SET);
	assert_string_equal(s->u.set->name, "database");
	assert_int_equal(s->u.set->values[0]->kind, SQL_SETVAL_WORD);
	assert_string_equal(s->u.set->values[0]->text, "mydb");
	s = parse1("set x = -1.5");
	assert_int_equal(s->u.set->values[0]->kind, SQL_SETVAL_NUMBER);
	assert_string_equal(s->u.set->values[0]->text, "-1.5");

	s = parse1("show ranges from index db.t@i");
	assert_int_equal(s->u.show->what, SQL_SHOW_RANGES_INDEX);
	assert_string_equal(s->u.show->table.db, "db");
	assert_string_equal(s->u.show->index, "i");

	s = parse1("begin transaction isolation level serializable");
	assert_int_equal(s->kind, SQL_STMT_BEGIN);
	assert_int_equal(s->u.begin->isolation, SQL_ISOLATION_SERIALIZABLE);

	s = parse1("explain  delete from t ");
	assert_int_equal(s->kind, SQL_STMT_EXPLAIN);
	assert_int_equal(s->u.explain->stmt->kind, SQL_STMT_DELETE);
	assert_int_equal(s->u.explain->stmt->text_start, 9);
	assert_int_equal(s->u.explain->stmt->text_len, 13);
	arena_reset(A);
}

static void test_ast_expressions(void **state)
{
	struct sql_stmt *s;
	struct sql_expr *x;
	struct sql_expr **t;

	(void)state;
	s = parse1("select -9223372036854775808, - -9223372036854775808, "
		   "-1.50, 'a''b', x'ff00', a and b and c, not a, "
		   "a not between symmetric 1 and 2, b not ilike 'x' escape "
		   "'!', "
		   "c in (select 1), 'x'::varchar(3), e'\\u00e9', "
		   "a is not distinct from b, current_date, "
		   "case a when 1 then 2 end");
	t = NULL;
	(void)t;
#define T(i) (s->u.query->u.select.targets[i]->expr)
	x = T(0);
	assert_int_equal(x->kind, SQL_EXPR_INT);
	assert_true(x->u.i == INT64_MIN);
	assert_int_equal(x->pos, 8);
	x = T(1);
	assert_int_equal(x->kind, SQL_EXPR_DECIMAL);
	assert_string_equal(x->u.num, "9223372036854775808");
	x = T(2);
	assert_int_equal(x->kind, SQL_EXPR_DECIMAL);
	assert_string_equal(x->u.num, "-1.50");
	x = T(3);
	assert_int_equal(x->kind, SQL_EXPR_STRING);
	assert_int_equal(x->u.str.n, 3);
	assert_string_equal(x->u.str.p, "a'b");
	x = T(4);
	assert_int_equal(x->kind, SQL_EXPR_BYTES);
	assert_int_equal(x->u.str.n, 2);
	assert_memory_equal(x->u.str.p, "\xff\x00", 2);
	x = T(5);
	assert_int_equal(x->kind, SQL_EXPR_AND);
	assert_int_equal(x->u.list.n, 3);
	x = T(6);
	assert_int_equal(x->kind, SQL_EXPR_UNARY);
	assert_int_equal(x->u.unary.op, SQL_UNOP_NOT);
	x = T(7);
	assert_int_equal(x->kind, SQL_EXPR_BETWEEN);
	assert_true(x->u.between.not_);
	assert_true(x->u.between.symmetric);
	x = T(8);
	assert_int_equal(x->kind, SQL_EXPR_LIKE);
	assert_true(x->u.like.not_);
	assert_true(x->u.like.ilike);
	assert_non_null(x->u.like.escape);
	x = T(9);
	assert_int_equal(x->kind, SQL_EXPR_IN_QUERY);
	assert_int_equal(x->u.in_query.query->kind, SQL_QUERY_SELECT);
	x = T(10);
	assert_int_equal(x->kind, SQL_EXPR_CAST);
	assert_int_equal(x->u.cast.type.kind, SQL_TYPENAME_VARCHAR);
	assert_int_equal(x->u.cast.type.width, 3);
	assert_int_equal(x->u.cast.type.pos, x->pos + 2);
	x = T(11);
	assert_string_equal(x->u.str.p, "\xc3\xa9");
	x = T(12);
	assert_int_equal(x->kind, SQL_EXPR_BINARY);
	assert_int_equal(x->u.binary.op, SQL_BINOP_IS_NOT_DISTINCT);
	x = T(13);
	assert_int_equal(x->kind, SQL_EXPR_FUNC);
	assert_true(x->u.func.noparens);
	assert_string_equal(x->u.func.name, "current_date");
	x = T(14);
	assert_int_equal(x->kind, SQL_EXPR_CASE);
	assert_non_null(x->u.case_.arg);
	assert_int_equal(x->u.case_.n, 1);
	assert_null(x->u.case_.else_);
#undef T
	arena_reset(A);
}

static void test_names(void **state)
{
	static const struct {
		const char *sql;
		const char *name;
	} cases[] = {
		{ "select a", "a" },
		{ "select t.a", "a" },
		{ "select a as x", "x" },
		{ "select a x", "x" },
		{ "select 1", "?column?" },
		{ "select 1 + a", "?column?" },
		{ "select count(*)", "count" },
		{ "select abs(a)", "abs" },
		{ "select true", "bool" },
		{ "select null", "?column?" },
		{ "select 'x'", "?column?" },
		{ "select cast(a as int)", "a" },
		{ "select 1::int", "int8" },
		{ "select 1::numeric", "numeric" },
		{ "select 'x'::char(2)", "bpchar" },
		{ "select date '2024-01-01'", "date" },
		{ "select exists (select 1)", "exists" },
		{ "select not exists (select 1)", "?column?" },
		{ "select case when a then 1 end", "case" },
		{ "select case when a then 1 else b end", "b" },
		{ "select (select max(x) from t)", "max" },
		{ "select (select 1)", "?column?" },
		{ "select (values (1))", "column1" },
		{ "select (select y from t union select z from u)", "y" },
		{ "select current_timestamp", "current_timestamp" },
		{ "select *", "?column?" },
	};
	const char *kinds[] = { "null", "func", "exists", "in_list", "?" };
	size_t i;

	(void)state;
	for (i = 0; i < N_(cases); i++) {
		struct sql_stmt *s = parse1(cases[i].sql);

		assert_string_equal(
			sqlast_target_name(s->u.query->u.select.targets[0]),
			cases[i].name);
	}
	assert_string_equal(sqlast_expr_kind_name(SQL_EXPR_NULL), kinds[0]);
	assert_string_equal(sqlast_expr_kind_name(SQL_EXPR_FUNC), kinds[1]);
	assert_string_equal(sqlast_expr_kind_name(SQL_EXPR_EXISTS), kinds[2]);
	assert_string_equal(sqlast_expr_kind_name(SQL_EXPR_IN_LIST), kinds[3]);
	assert_string_equal(sqlast_expr_kind_name(SQL_EXPR__COUNT), kinds[4]);
	for (i = 0; i < SQL_EXPR__COUNT; i++)
		assert_non_null(sqlast_expr_kind_name((enum sql_expr_kind)i));
	for (i = 0; i < SQL_STMT__COUNT; i++)
		assert_string_not_equal(
			sqlast_stmt_kind_name((enum sql_stmt_kind)i), "?");
	assert_string_equal(sqlast_stmt_kind_name(SQL_STMT_CREATE_TABLE),
			    "create_table");
	assert_string_equal(sqlast_binop_sql(SQL_BINOP_NE), "<>");
	assert_string_equal(sqlast_unop_sql(SQL_UNOP_NOT), "NOT");
	assert_string_equal(sqlast_typename_kind_sql(SQL_TYPENAME_FLOAT8),
			    "DOUBLE PRECISION");
	arena_reset(A);
}

static void test_entry_points(void **state)
{
	struct sql_expr *x;
	struct sql_typename ty;
	struct sql_stmt **s;
	size_t n;
	struct sqlerr e;
	char *d;

	(void)state;
	assert_int_equal(sqlparse_expr(A, "a + 1 > 2", 9, &x, &e), 0);
	assert_int_equal(x->kind, SQL_EXPR_BINARY);
	d = sqlast_expr_to_sql(A, x);
	assert_string_equal(d, "a + 1 > 2");
	assert_int_equal(sqlparse_expr(A, "now()", 5, &x, &e), 0);
	assert_int_equal(sqlparse_expr(A, "1 2", 3, &x, &e), -1);
	assert_null(x);
	assert_int_equal(e.position, 3);
	assert_int_equal(sqlparse_expr(A, "", 0, &x, &e), -1);
	assert_string_equal(e.msg, "syntax error at end of input");

	assert_int_equal(sqlparse_typename(A, "VARCHAR(20)", 11, &ty, &e), 0);
	assert_int_equal(ty.kind, SQL_TYPENAME_VARCHAR);
	assert_int_equal(ty.width, 20);
	d = sqlast_typename_to_sql(A, &ty);
	assert_string_equal(d, "VARCHAR(20)");
	assert_int_equal(sqlparse_typename(A, "double precision", 16, &ty, &e),
			 0);
	assert_int_equal(ty.kind, SQL_TYPENAME_FLOAT8);
	assert_int_equal(sqlparse_typename(A, "int x", 5, &ty, &e), -1);
	assert_int_equal(sqlparse_typename(A, "nope", 4, &ty, &e), -1);
	assert_string_equal(e.sqlstate, "42704");

	/* empty input, only separators and comments: no statements */
	assert_int_equal(sqlparse(A, "", 0, &s, &n, &e), 0);
	assert_int_equal(n, 0);
	d = " ; ;; -- x\n /* y */ ;";
	assert_int_equal(sqlparse(A, d, strlen(d), &s, &n, &e), 0);
	assert_int_equal(n, 0);
	assert_string_equal(e.sqlstate, "");
	/* several statements, spans exclude the ';' */
	assert_int_equal(sqlparse(A, "select 1;select 2 ; ;begin", 26, &s, &n,
				  &e), 0);
	assert_int_equal(n, 3);
	assert_int_equal(s[0]->text_start, 0);
	assert_int_equal(s[0]->text_len, 8);
	assert_int_equal(s[1]->text_start, 9);
	assert_int_equal(s[1]->text_len, 8);
	assert_int_equal(s[2]->kind, SQL_STMT_BEGIN);
	assert_int_equal(s[2]->pos, 22);
	/* the text need not be NUL-terminated: only len bytes are read */
	assert_int_equal(sqlparse(A, "select 1; garbage", 8, &s, &n, &e), 0);
	assert_int_equal(n, 1);
	/* e may be NULL */
	assert_int_equal(sqlparse(A, "select (", 8, &s, &n, NULL), -1);
	arena_reset(A);
}

/* ---- limits ------------------------------------------------------------ */

static void expect_depth(const char *open, const char *mid, const char *close,
			 size_t levels, int ok)
{
	struct sb b = { 0 };
	struct sql_stmt **s;
	size_t n;
	struct sqlerr e;
	int rc;

	sb_adds(&b, "SELECT ");
	sb_repeat(&b, open, levels);
	sb_adds(&b, mid);
	sb_repeat(&b, close, levels);
	rc = sqlparse(A, b.p, b.n, &s, &n, &e);
	if (ok && rc != 0) {
		print_error("%zu x \"%s\": %s\n", levels, open, e.msg);
		fail();
	}
	if (!ok) {
		assert_int_equal(rc, -1);
		assert_string_equal(e.sqlstate, "54001");
		assert_string_equal(e.msg, "statement is too complex (nesting "
				    "deeper than 200)");
		assert_true(e.position > 0 && (size_t)e.position <= b.n);
	} else {
		check_roundtrip("(deep)", s[0]);
	}
	free(b.p);
	arena_reset(A);
}

static void test_nesting(void **state)
{
	(void)state;
	/* parentheses: 200 levels parse, 201 do not */
	expect_depth("(", "1", ")", 200, 1);
	expect_depth("(", "1", ")", 201, 0);
	expect_depth("(", "1", ")", 100000, 0);
	/* unary operators */
	expect_depth("- ", "1", "", 150, 1);
	expect_depth("- ", "a", "", 100000, 0);
	expect_depth("NOT ", "a", "", 150, 1);
	expect_depth("NOT ", "a", "", 100000, 0);
	expect_depth("+", "a", "", 100000, 0);
	/* subqueries */
	expect_depth("(SELECT ", "1", ")", 60, 1);
	expect_depth("(SELECT ", "1", ")", 100000, 0);
	expect_depth("EXISTS (SELECT ", "1", ")", 60, 1);
	expect_depth("EXISTS (SELECT ", "1", ")", 300, 0);
	expect_depth("a IN (", "1", ")", 150, 1);
	expect_depth("a IN (", "1", ")", 300, 0);
	expect_depth("abs(", "1", ")", 150, 1);
	expect_depth("abs(", "1", ")", 100000, 0);
	expect_depth("CASE WHEN ", "1", " THEN 1 END", 150, 1);
	expect_depth("CASE WHEN ", "1", " THEN 1 END", 10000, 0);
	expect_depth("CAST(", "1", " AS INT)", 150, 1);
	expect_depth("CAST(", "1", " AS INT)", 10000, 0);
	/* prefix NOT inside a right operand recurses too */
	expect_depth("a = NOT ", "b", "", 99, 1);	/* 2 levels each */
	expect_depth("a = NOT ", "b", "", 100000, 0);
	/* chains built by loops: the tree height is limited too */
	expect_depth("1 + ", "1", "", 198, 1);	/* + the SELECT: 200 */
	expect_depth("1 + ", "1", "", 199, 0);
	expect_depth("", "1", " + 1", 198, 1);
	expect_depth("", "1", " + 1", 100000, 0);
	expect_depth("", "'x'", " || 'x'", 100000, 0);
	expect_depth("", "a", "::int", 100000, 0);
	expect_depth("", "a", " IS NULL", 100000, 0);
	/* ... except AND and OR, which are flattened */
	expect_depth("", "a", " AND a", 100000, 1);
	expect_depth("", "a", " OR a = 1", 100000, 1);
}

static void test_nesting_queries(void **state)
{
	struct sb b = { 0 };
	struct sql_stmt **s;
	size_t n;
	struct sqlerr e;

	(void)state;
	/* long set-operation and join chains are trees as high as long */
	sb_adds(&b, "SELECT 1");
	sb_repeat(&b, " UNION SELECT 1", 150);
	assert_int_equal(sqlparse(A, b.p, b.n, &s, &n, &e), 0);
	check_roundtrip("(union chain)", s[0]);
	sb_repeat(&b, " UNION SELECT 1", 100000);
	assert_int_equal(sqlparse(A, b.p, b.n, &s, &n, &e), -1);
	assert_string_equal(e.sqlstate, "54001");
	b.n = 0;
	sb_adds(&b, "SELECT * FROM t");
	sb_repeat(&b, " CROSS JOIN t", 150);
	assert_int_equal(sqlparse(A, b.p, b.n, &s, &n, &e), 0);
	check_roundtrip("(join chain)", s[0]);
	sb_repeat(&b, " JOIN t ON true", 100000);
	assert_int_equal(sqlparse(A, b.p, b.n, &s, &n, &e), -1);
	assert_string_equal(e.sqlstate, "54001");
	b.n = 0;
	sb_adds(&b, "SELECT * FROM ");
	sb_repeat(&b, "(", 300);
	sb_adds(&b, "t");
	sb_repeat(&b, ")", 300);
	assert_int_equal(sqlparse(A, b.p, b.n, &s, &n, &e), -1);
	assert_string_equal(e.sqlstate, "54001");
	b.n = 0;
	sb_repeat(&b, "(", 300);
	sb_adds(&b, "SELECT 1");
	sb_repeat(&b, ")", 300);
	assert_int_equal(sqlparse(A, b.p, b.n, &s, &n, &e), -1);
	assert_string_equal(e.sqlstate, "54001");
	free(b.p);
	arena_reset(A);
}

/* Long lists have no limit but memory. */
static void test_long_lists(void **state)
{
	struct sb b = { 0 };
	struct sql_stmt *s;
	size_t i;

	(void)state;
	sb_adds(&b, "SELECT a IN (0");
	for (i = 1; i < 150000; i++) {
		char num[32];

		snprintf(num, sizeof(num), ", %zu", i);
		sb_adds(&b, num);
	}
	sb_adds(&b, ") FROM t");
	s = parse1(b.p);
	assert_int_equal(s->u.query->u.select.targets[0]->expr->u.in_list.n,
			 150000);
	assert_int_equal(
		s->u.query->u.select.targets[0]->expr->u.in_list.items[149999]
			->u.i, 149999);
	check_roundtrip("(long IN list)", s);
	arena_reset(A);
	b.n = 0;
	sb_adds(&b, "INSERT INTO t VALUES (1, 'a')");
	sb_repeat(&b, ", (2, DEFAULT)", 120000);
	s = parse1(b.p);
	assert_int_equal(s->u.insert->source->u.values.n, 120001);
	check_roundtrip("(long VALUES)", s);
	arena_reset(A);
	b.n = 0;
	sb_adds(&b, "SELECT 1");
	sb_repeat(&b, ", a", 100000);
	s = parse1(b.p);
	assert_int_equal(s->u.query->u.select.ntargets, 100001);
	arena_reset(A);
	b.n = 0;
	sb_repeat(&b, "SELECT 1;", 50000);
	{
		struct sql_stmt **ss;
		size_t n;
		struct sqlerr e;

		assert_int_equal(sqlparse(A, b.p, b.n, &ss, &n, &e), 0);
		assert_int_equal(n, 50000);
		assert_int_equal(ss[49999]->text_start, 49999 * 9);
	}
	free(b.p);
	arena_reset(A);
}

/* Text size: 16 MiB is fine, one byte more is 54000. */
static void test_huge_text(void **state)
{
	size_t max = SQLLEX_MAX_TEXT;
	char *big = malloc(max + 2);
	struct sql_stmt **s;
	size_t n;
	struct sqlerr e;

	(void)state;
	assert_non_null(big);
	/* SELECT '<xxxx...>' filling exactly max bytes */
	memcpy(big, "SELECT '", 8);
	memset(big + 8, 'x', max - 9);
	big[max - 1] = '\'';
	assert_int_equal(sqlparse(A, big, max, &s, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(s[0]->u.query->u.select.targets[0]->expr->u.str.n,
			 max - 9);
	arena_reset(A);
	/* one more byte */
	big[max - 1] = 'x';
	big[max] = '\'';
	check_error(big, max + 1, "54000", 0, "statement text is too long");
	/* a huge comment, then a statement */
	memcpy(big, "/*", 2);
	memset(big + 2, ' ', max - 20);
	memcpy(big + max - 18, "*/ SELECT 1 ;    ", 17);
	assert_int_equal(sqlparse(A, big, max - 1, &s, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(s[0]->pos, (int)(max - 18 + 4));
	arena_reset(A);
	/* an unterminated string at the start of a huge text: the message is
	 * short and the error points at the quote */
	memset(big, 'y', max);
	memcpy(big, "select 'a", 9);
	check_error(big, max, "42601", 8, "unterminated quoted string at "
		    "or near \"'ayyy");
	memcpy(big, "select \"a", 9);
	check_error(big, max, "42601", 8, "unterminated quoted identifier");
	memcpy(big, "select 1/*", 10);
	check_error(big, max, "42601", 9, "unterminated /* comment");
	free(big);
	arena_reset(A);
}

/* ---- random token soup ------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t pick(uint64_t n)
{
	return rng() % n;
}

static void gen_expr(struct sb *b, int depth);

static void gen_list(struct sb *b, int depth, int max)
{
	int i, n = 1 + (int)pick((uint64_t)max);

	for (i = 0; i < n; i++) {
		if (i > 0)
			sb_adds(b, ", ");
		gen_expr(b, depth);
	}
}

static void gen_select(struct sb *b, int depth)
{
	static const char *const joins[] = {
		" JOIN ", " LEFT JOIN ", " RIGHT OUTER JOIN ", " FULL JOIN ",
		" INNER JOIN ",
	};

	sb_adds(b, pick(4) == 0 ? "SELECT DISTINCT " : "SELECT ");
	if (pick(5) == 0)
		sb_adds(b, "*, ");
	gen_list(b, depth, 3);
	if (pick(3) == 0)
		sb_adds(b, " AS x");
	if (pick(3) != 0) {
		sb_adds(b, " FROM t");
		if (pick(3) == 0) {
			sb_adds(b, joins[pick(N_(joins))]);
			sb_adds(b, "u ON ");
			gen_expr(b, depth);
		} else if (pick(3) == 0) {
			sb_adds(b, ", (");
			gen_select(b, depth + 1);
			sb_adds(b, ") AS s");
		}
	}
	if (pick(2) == 0) {
		sb_adds(b, " WHERE ");
		gen_expr(b, depth);
	}
	if (pick(5) == 0) {
		sb_adds(b, " GROUP BY ");
		gen_list(b, depth, 2);
		if (pick(2) == 0) {
			sb_adds(b, " HAVING ");
			gen_expr(b, depth);
		}
	}
}

static void gen_query(struct sb *b, int depth)
{
	static const char *const ops[] = {
		" UNION ", " UNION ALL ", " INTERSECT ", " EXCEPT ",
	};

	if (pick(6) == 0) {
		sb_adds(b, "VALUES (");
		gen_list(b, depth, 2);
		sb_adds(b, ")");
	} else {
		gen_select(b, depth);
	}
	if (pick(5) == 0) {
		sb_adds(b, ops[pick(N_(ops))]);
		if (pick(2) == 0) {
			sb_adds(b, "(");
			gen_query(b, depth + 1);
			sb_adds(b, ")");
		} else {
			gen_select(b, depth + 1);
		}
	}
	if (pick(4) == 0) {
		sb_adds(b, " ORDER BY ");
		gen_expr(b, depth);
		sb_adds(b, pick(2) ? " DESC" : " NULLS FIRST");
	}
	if (pick(5) == 0)
		sb_adds(b, " LIMIT 3 OFFSET 1");
}

static void gen_expr(struct sb *b, int depth)
{
	static const char *const leaves[] = {
		"1", "-2", "3.5", "'s'", "NULL", "TRUE", "a", "t.b", "\"Q\"",
		"x'0f'", "-9223372036854775808", "1e3", "E'\\t'", "date",
	};
	static const char *const binops[] = {
		" + ", " - ", " * ", " / ", " % ", " || ", " = ", " <> ",
		" < ",
		" >= ", " AND ", " OR ", " IS DISTINCT FROM ", " LIKE ",
		" NOT ILIKE ",
	};
	static const char *const types[] = {
		"INT", "TEXT", "DECIMAL(5,2)", "VARCHAR(3)",
		"DOUBLE PRECISION",
		"BOOL", "DATE",
	};

	if (depth > 3) {
		sb_adds(b, leaves[pick(N_(leaves))]);
		return;
	}
	switch (pick(16)) {
	case 0: case 1: case 2:
		sb_adds(b, leaves[pick(N_(leaves))]);
		break;
	case 3: case 4:
		gen_expr(b, depth + 1);
		sb_adds(b, binops[pick(N_(binops))]);
		gen_expr(b, depth + 1);
		break;
	case 5:
		sb_adds(b, pick(3) == 0 ? "NOT " : pick(2) ? "- " : "+");
		gen_expr(b, depth + 1);
		break;
	case 6:
		sb_adds(b, "(");
		gen_expr(b, depth + 1);
		sb_adds(b, ")");
		break;
	case 7:
		sb_adds(b, pick(2) ? "abs(" : "count(DISTINCT ");
		gen_list(b, depth + 1, 2);
		sb_adds(b, ")");
		break;
	case 8:
		sb_adds(b, "CASE ");
		if (pick(2))
			gen_expr(b, depth + 1);
		sb_adds(b, " WHEN ");
		gen_expr(b, depth + 1);
		sb_adds(b, " THEN ");
		gen_expr(b, depth + 1);
		if (pick(2)) {
			sb_adds(b, " ELSE ");
			gen_expr(b, depth + 1);
		}
		sb_adds(b, " END");
		break;
	case 9:
		gen_expr(b, depth + 1);
		sb_adds(b, pick(2) ? " NOT BETWEEN (" :
			   " BETWEEN SYMMETRIC (");
		gen_expr(b, depth + 1);	/* the low bound is restricted */
		sb_adds(b, ") AND ");
		gen_expr(b, depth + 1);
		break;
	case 10:
		gen_expr(b, depth + 1);
		sb_adds(b, pick(2) ? " IN (" : " NOT IN (");
		if (pick(3) == 0)
			gen_query(b, depth + 1);
		else
			gen_list(b, depth + 1, 3);
		sb_adds(b, ")");
		break;
	case 11:
		gen_expr(b, depth + 1);
		sb_adds(b, pick(2) ? " IS NULL" : " IS NOT TRUE");
		break;
	case 12:
		if (pick(2)) {
			sb_adds(b, "CAST(");
			gen_expr(b, depth + 1);
			sb_adds(b, " AS ");
			sb_adds(b, types[pick(N_(types))]);
			sb_adds(b, ")");
		} else {
			gen_expr(b, depth + 1);
			sb_adds(b, "::");
			sb_adds(b, types[pick(N_(types))]);
		}
		break;
	case 13:
		sb_adds(b, pick(2) ? "EXISTS (" : "(");
		gen_query(b, depth + 1);
		sb_adds(b, ")");
		break;
	case 14:
		gen_expr(b, depth + 1);
		sb_adds(b, " LIKE (");
		gen_expr(b, depth + 1);	/* restricted when ESCAPE follows */
		sb_adds(b, ") ESCAPE '!'");
		break;
	default:
		sb_adds(b, "((");
		gen_query(b, depth + 1);
		sb_adds(b, ")");
		sb_adds(b, binops[pick(N_(binops))]);
		gen_expr(b, depth + 1);
		sb_adds(b, ")");
		break;
	}
}

static void gen_stmt(struct sb *b)
{
	switch (pick(6)) {
	case 0:
		sb_adds(b, "INSERT INTO t (a, b) ");
		gen_query(b, 1);
		if (pick(2))
			sb_adds(b, " ON CONFLICT (a) DO UPDATE SET b = "
				   "excluded.b");
		sb_adds(b, " RETURNING *");
		break;
	case 1:
		sb_adds(b, "UPDATE t SET a = ");
		gen_expr(b, 1);
		sb_adds(b, " WHERE ");
		gen_expr(b, 1);
		break;
	case 2:
		sb_adds(b, "DELETE FROM t WHERE ");
		gen_expr(b, 1);
		break;
	case 3:
		sb_adds(b, "CREATE TABLE t (a INT PRIMARY KEY DEFAULT ");
		gen_expr(b, 2);
		sb_adds(b, ", b TEXT CHECK (");
		gen_expr(b, 2);
		sb_adds(b, "))");
		break;
	default:
		gen_query(b, 0);
		break;
	}
}

/* Drop, repeat or swap one byte range of b (a crude token mutation). */
static void mutate(struct sb *b)
{
	size_t at, len;
	char *copy;

	if (b->n < 4)
		return;
	at = pick(b->n);
	len = 1 + pick(6);
	if (at + len > b->n)
		len = b->n - at;
	switch (pick(3)) {
	case 0:	/* drop */
		memmove(b->p + at, b->p + at + len, b->n - at - len + 1);
		b->n -= len;
		break;
	case 1:	/* repeat */
		copy = malloc(b->n - at + 1);
		assert_non_null(copy);
		memcpy(copy, b->p + at, b->n - at + 1);
		b->n = at + len;
		sb_adds(b, copy);
		free(copy);
		break;
	default:	/* replace with a random printable byte */
		b->p[at] = (char)(' ' + pick(95));
		break;
	}
}

/*
 * Random statements from a small grammar, half of them mutated: whatever
 * parses must round-trip; whatever fails must fail with a SQLSTATE, a
 * message and a position inside the text (or just after it).
 */
static void test_random_statements(void **state)
{
	const char *seed_env = getenv("SQLPARSE_TEST_SEED");
	uint64_t seed = seed_env != NULL ? strtoull(seed_env, NULL, 10) : 7;
	struct sb b = { 0 };
	int iter, parsed = 0, failed = 0;

	(void)state;
	rng_state = seed;
	for (iter = 0; iter < 20000; iter++) {
		struct sql_stmt **s;
		size_t n, i;
		struct sqlerr e;

		b.n = 0;
		sb_adds(&b, "");
		gen_stmt(&b);
		if (iter % 2 == 1)
			mutate(&b);
		if (sqlparse(A, b.p, b.n, &s, &n, &e) == 0) {
			parsed++;
			for (i = 0; i < n; i++)
				check_roundtrip(b.p, s[i]);
		} else {
			failed++;
			if (iter % 2 == 0) {
				print_error("seed %" PRIu64 ": %s at %d in "
							    "[%s]\n",
					    seed, e.msg, e.position, b.p);
				fail();
			}
			if (e.position < 0 || (size_t)e.position > b.n + 1 ||
			    e.sqlstate[0] == '\0' || e.msg[0] == '\0') {
				print_error("seed %" PRIu64
					    " [%s]: %s %d %s\n",
					    seed, b.p, e.sqlstate, e.position,
					    e.msg);
				fail();
			}
		}
		arena_reset(A);
	}
	/* both outcomes are well represented, or the test proves little */
	assert_true(parsed > 10000);
	assert_true(failed > 3000);
	free(b.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_statements_roundtrip),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_long_token),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_utf8_in_text),
		cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_lexer),
		cmocka_unit_test(test_lexer_keywords_and_names),
		cmocka_unit_test(test_ast_select),
		cmocka_unit_test(test_ast_statements),
		cmocka_unit_test(test_ast_expressions),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_entry_points),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_nesting_queries),
		cmocka_unit_test(test_long_lists),
		cmocka_unit_test(test_huge_text),
		cmocka_unit_test(test_random_statements),
	};

	return cmocka_run_group_tests_name("sqlparse", tests, setup, teardown);
}
