/*
 * sqlast.h -- the SQL syntax tree: what sqlparse() builds and the
 * planner/executor reads; plus names, a deparser and structural equality.
 *
 * Conventions (they hold for every tree sqlparse() returns):
 *   - Plain structs allocated in the caller's arena; nothing to free but the
 *     arena.  The tree never points into the request text, so the text may
 *     go away once sqlparse() returns.
 *   - Every node has "int pos": the 1-based byte position in the request
 *     text of the token that best names the node (the operator of a binary
 *     expression, the name of a column reference, the keyword of a
 *     statement), for error messages ({"position": pos}).
 *   - Lists are a "T **items" array with a "size_t n" count; an empty list
 *     is (NULL, 0).  Lists have no length limit except memory.
 *   - Names (tables, columns, aliases, functions, databases) are
 *     NUL-terminated arena strings, already case-folded: unquoted words in
 *     lower case, "Quoted" ones exactly as written.  They are valid UTF-8
 *     and never empty.  String and bytes literals carry an explicit length.
 *   - Optional parts are NULL (or 0 / (NULL, 0) for lists) when absent.
 *   - Depth: every tree has height at most SQLAST_MAX_DEPTH (the parser
 *     refuses deeper input with 54001), so code that walks a tree with
 *     recursion needs no depth check of its own.  The "height" member of
 *     expressions, queries and FROM items is the height of the subtree
 *     below it (1 for a leaf; a node's subqueries count), set by the
 *     parser and ignored by equality.  A chain like 1+1+...+1 is a tree
 *     as high as it is long, so such a chain of about 200 terms (the
 *     levels above it in the statement count too) is 54001 as well; AND
 *     and OR chains are flattened and cost one level.
 *   - Parentheses leave no node: "(a + b) * c" is MUL(ADD(a, b), c); a
 *     parenthesised query is just the query.
 *
 * The deparser (sqlast_*_to_sql) prints SQL that sqlparse() reads back to
 * a tree that sqlast_*_equal() finds equal (positions and text spans
 * aside); parentheses are added only where precedence needs them,
 * keywords are upper case, names are quoted only when they must be,
 * casts print as CAST(x AS type) and types by their canonical names.
 * Tested in t/unit/sqlparse_test.c (every statement round-trips) and
 * fuzzed in t/fuzz/sqlparse_fuzz.c.
 */
#ifndef RANGEDB_SQLAST_H
#define RANGEDB_SQLAST_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

/* Deepest tree (and deepest nesting of parentheses) the parser accepts. */
#define SQLAST_MAX_DEPTH 200

struct sql_query;
struct sql_stmt;

/* ---- type names ---------------------------------------------------------
 *
 * A type as written in CREATE TABLE, CAST(x AS t), x::t or t 'literal'.
 * The parser maps every spelling to one kind (CockroachDB's integer
 * choice: INT and INTEGER are 64-bit):
 *   INT2       SMALLINT, INT2
 *   INT4       INT4
 *   INT8       INT, INTEGER, INT8, BIGINT
 *   FLOAT4     REAL, FLOAT4, FLOAT(1..24)
 *   FLOAT8     FLOAT, FLOAT8, DOUBLE, DOUBLE PRECISION, FLOAT(25..53)
 *   DECIMAL    DECIMAL, NUMERIC, DEC, with (p) or (p, s)
 *   TEXT       TEXT, STRING
 *   VARCHAR    VARCHAR, CHARACTER VARYING, CHAR VARYING, with (n) or not
 *   CHAR       CHAR, CHARACTER, with (n); no (n) means (1)
 *   BOOL       BOOL, BOOLEAN
 *   BYTES      BYTES, BYTEA
 *   TIMESTAMP  TIMESTAMP, TIMESTAMP WITHOUT TIME ZONE
 *   DATE       DATE
 * Unknown names are 42704 'type "x" does not exist'; TIMESTAMP WITH TIME
 * ZONE is 0A000; a length or precision out of range is 22023.
 */
enum sql_typename_kind {
	SQL_TYPENAME_INT2 = 0,
	SQL_TYPENAME_INT4,
	SQL_TYPENAME_INT8,
	SQL_TYPENAME_FLOAT4,
	SQL_TYPENAME_FLOAT8,
	SQL_TYPENAME_DECIMAL,
	SQL_TYPENAME_TEXT,
	SQL_TYPENAME_VARCHAR,
	SQL_TYPENAME_CHAR,
	SQL_TYPENAME_BOOL,
	SQL_TYPENAME_BYTES,
	SQL_TYPENAME_TIMESTAMP,
	SQL_TYPENAME_DATE
};

#define SQLAST_MAX_DECIMAL_PRECISION	38
#define SQLAST_MAX_CHAR_LENGTH		10485760	/* PostgreSQL's */

struct sql_typename {
	enum sql_typename_kind kind;
	/* VARCHAR(n), CHAR(n): n (1..SQLAST_MAX_CHAR_LENGTH); 0 = no limit
	 * (VARCHAR only: CHAR is always >= 1). */
	int width;
	/* DECIMAL(p[, s]): p in 1..38, s in 0..p; precision 0 = unconstrained
	 * DECIMAL (then scale is 0 too). */
	int precision;
	int scale;
	int pos;
};

/* ---- expressions -------------------------------------------------------
 *
 * One struct with a kind and a union; the comment on each kind names the
 * union member it uses.  Operator precedence, lowest first, is
 *   OR; AND; NOT; IS ...; = <> < <= > >=; BETWEEN IN LIKE ILIKE; ||;
 *   + -; * / %; unary + -; ::
 * and every binary operator is left-associative (PostgreSQL refuses
 * "a = b = c" and "a BETWEEN 1 AND 2 BETWEEN ..."; we read them as
 * "(a = b) = c", and the executor's type checks decide).  A NOT may also
 * stand in an operand: "a = NOT b" is a = (NOT b).
 */
enum sql_expr_kind {
	SQL_EXPR_NULL = 0,	/* NULL literal (no member) */
	SQL_EXPR_BOOL,		/* TRUE / FALSE: u.b */
	SQL_EXPR_INT,		/* integer literal that fits int64: u.i.
				 * A minus sign right before a numeric
				 * literal is folded into it (-5 is INT -5,
				 * not NEG 5; -9223372036854775808 is an
				 * INT) */
	SQL_EXPR_DECIMAL,	/* other numeric literal: u.num, the text as
				 * written ("4.2", "1e3", ".5", "-7.0",
				 * "99999999999999999999"); PostgreSQL types it
				 * numeric */
	SQL_EXPR_STRING,	/* '...', E'...', $$...$$: u.str (decoded,
				 * valid UTF-8, no NUL); type "unknown" until
				 * context gives it one */
	SQL_EXPR_BYTES,		/* x'00ff': u.str (any bytes) */
	SQL_EXPR_DEFAULT,	/* DEFAULT, only as an INSERT VALUES item or
				 * an UPDATE/ON CONFLICT SET value */
	SQL_EXPR_COLUMN,	/* column reference: u.col (c, t.c, db.t.c) */
	SQL_EXPR_STAR,		/* "*", "t.*", "db.t.*": u.col with column
				 * NULL; only as a whole SELECT or RETURNING
				 * target (count(*) is u.func.star instead) */
	SQL_EXPR_UNARY,		/* -x, +x, NOT x: u.unary */
	SQL_EXPR_BINARY,	/* x op y: u.binary (arithmetic, ||,
				 * comparisons, IS [NOT] DISTINCT FROM) */
	SQL_EXPR_AND,		/* a AND b AND ...: u.list, n >= 2 (chains are
				 * flattened: (a AND b) AND c has 3 args) */
	SQL_EXPR_OR,		/* a OR b OR ...: u.list, n >= 2, flattened */
	SQL_EXPR_IS,		/* x IS [NOT] NULL/TRUE/FALSE/UNKNOWN, also
				 * ISNULL / NOTNULL: u.is */
	SQL_EXPR_BETWEEN,	/* x [NOT] BETWEEN [SYMMETRIC] lo AND hi:
				 * u.between */
	SQL_EXPR_IN_LIST,	/* x [NOT] IN (e, ...): u.in_list.  n may
				 * be 0: "x IN ()" is SQLite's (the
				 * sqllogictest corpus uses it; PostgreSQL
				 * refuses it): FALSE for IN and TRUE for
				 * NOT IN, whatever x is, even NULL */
	SQL_EXPR_IN_QUERY,	/* x [NOT] IN (SELECT ...): u.in_query */
	SQL_EXPR_LIKE,		/* x [NOT] LIKE|ILIKE p [ESCAPE c]: u.like */
	SQL_EXPR_CAST,		/* CAST(x AS t), x::t, t 'literal': u.cast */
	SQL_EXPR_FUNC,		/* f(args), count(*), f(DISTINCT x),
				 * CURRENT_TIMESTAMP, CURRENT_DATE: u.func */
	SQL_EXPR_CASE,		/* CASE [x] WHEN .. THEN .. [ELSE ..] END:
				 * u.case_ */
	SQL_EXPR_SUBQUERY,	/* (SELECT ...) as a scalar: u.query */
	SQL_EXPR_EXISTS,	/* EXISTS (SELECT ...): u.query */
	SQL_EXPR__COUNT
};

enum sql_unop {
	SQL_UNOP_NEG = 0,	/* -x */
	SQL_UNOP_PLUS,		/* +x (kept: +'abc' is an error) */
	SQL_UNOP_NOT		/* NOT x */
};

enum sql_binop {
	SQL_BINOP_ADD = 0,	/* + */
	SQL_BINOP_SUB,		/* - */
	SQL_BINOP_MUL,		/* * */
	SQL_BINOP_DIV,		/* / */
	SQL_BINOP_MOD,		/* % */
	SQL_BINOP_CONCAT,	/* || */
	SQL_BINOP_EQ,		/* = */
	SQL_BINOP_NE,		/* <> and != */
	SQL_BINOP_LT,		/* < */
	SQL_BINOP_LE,		/* <= */
	SQL_BINOP_GT,		/* > */
	SQL_BINOP_GE,		/* >= */
	SQL_BINOP_IS_DISTINCT,		/* IS DISTINCT FROM */
	SQL_BINOP_IS_NOT_DISTINCT	/* IS NOT DISTINCT FROM */
};

enum sql_is_what {
	SQL_IS_NULL = 0,
	SQL_IS_TRUE,
	SQL_IS_FALSE,
	SQL_IS_UNKNOWN		/* IS UNKNOWN: like IS NULL, boolean operand */
};

struct sql_expr;

/* One WHEN cond THEN result of a CASE. */
struct sql_when {
	int pos;			/* the WHEN keyword */
	struct sql_expr *cond;
	struct sql_expr *result;
};

struct sql_expr {
	enum sql_expr_kind kind;
	int pos;
	int height;			/* see "Depth" above */
	union {
		int b;					/* BOOL */
		int64_t i;				/* INT */
		const char *num;			/* DECIMAL */
		struct {				/* STRING, BYTES */
			const char *p;		/* NUL-terminated too */
			size_t n;
		} str;
		struct {				/* COLUMN, STAR */
			const char *db;		/* NULL unless db.t.c */
			const char *table;	/* NULL unless t.c */
			const char *column;	/* NULL for STAR */
		} col;
		struct {				/* UNARY */
			enum sql_unop op;
			struct sql_expr *arg;
		} unary;
		struct {				/* BINARY */
			enum sql_binop op;
			struct sql_expr *left;
			struct sql_expr *right;
		} binary;
		struct {				/* AND, OR */
			struct sql_expr **args;
			size_t n;
		} list;
		struct {				/* IS */
			struct sql_expr *arg;
			enum sql_is_what what;
			int not_;		/* IS NOT ... */
		} is;
		struct {				/* BETWEEN */
			struct sql_expr *arg;
			struct sql_expr *lo;
			struct sql_expr *hi;
			int not_;
			int symmetric;	/* SYMMETRIC: bounds may be swapped */
		} between;
		struct {				/* IN_LIST */
			struct sql_expr *arg;
			struct sql_expr **items;
			size_t n;
			int not_;
		} in_list;
		struct {				/* IN_QUERY */
			struct sql_expr *arg;
			struct sql_query *query;
			int not_;
		} in_query;
		struct {				/* LIKE */
			struct sql_expr *arg;
			struct sql_expr *pattern;
			struct sql_expr *escape;	/* NULL: default '\' */
			int not_;
			int ilike;		/* ILIKE: case-insensitive */
		} like;
		struct {				/* CAST */
			struct sql_expr *arg;
			struct sql_typename type;
		} cast;
		struct {				/* FUNC */
			const char *name;	/* folded: "count", "abs" */
			struct sql_expr **args;
			size_t n;
			int star;		/* count(*): n == 0 */
			int distinct;		/* f(DISTINCT x) */
			int noparens;		/* CURRENT_TIMESTAMP and
						 * CURRENT_DATE (name is
						 * "current_timestamp" /
						 * "current_date", n == 0) */
		} func;
		struct {				/* CASE */
			struct sql_expr *arg;	/* CASE x WHEN ...; NULL for
						 * searched CASE WHEN cond */
			struct sql_when **whens;	/* n >= 1 */
			size_t n;
			struct sql_expr *else_;	/* NULL: ELSE NULL */
		} case_;
		struct sql_query *query;		/* SUBQUERY, EXISTS */
	} u;
};

/* ---- queries -----------------------------------------------------------
 *
 * A query is a SELECT block, a VALUES list, or a set operation of two
 * queries; any of them may carry ORDER BY / LIMIT / OFFSET, which apply
 * to its own result ("SELECT 1 UNION SELECT 2 ORDER BY 1" puts the ORDER
 * BY on the UNION node; "(SELECT 1 ORDER BY 1) UNION SELECT 2" on the
 * left SELECT).  INTERSECT binds tighter than UNION and EXCEPT.
 */
enum sql_query_kind {
	SQL_QUERY_SELECT = 0,	/* u.select */
	SQL_QUERY_VALUES,	/* u.values */
	SQL_QUERY_SETOP		/* u.setop */
};

enum sql_setop_kind {
	SQL_SETOP_UNION = 0,
	SQL_SETOP_INTERSECT,
	SQL_SETOP_EXCEPT
};

/* One item of a SELECT list or a RETURNING list. */
struct sql_target {
	int pos;			/* first token of the expression */
	struct sql_expr *expr;		/* may be SQL_EXPR_STAR */
	const char *alias;		/* AS alias, or NULL */
	/* Source span of the expression (not the alias): 0-based offset into
	 * the request text and length. */
	size_t text_start;
	size_t text_len;
};

enum sql_nulls_order {
	SQL_NULLS_DEFAULT = 0,	/* LAST for ASC, FIRST for DESC (PG) */
	SQL_NULLS_FIRST,
	SQL_NULLS_LAST
};

/* One ORDER BY item.  expr may be an INT literal (output column number). */
struct sql_order {
	int pos;
	struct sql_expr *expr;
	int desc;			/* DESC given */
	enum sql_nulls_order nulls;
};

/* A plain name with its position (column lists, USING, ...). */
struct sql_ident {
	int pos;
	const char *name;
};

/* A table (or view, or index) name, maybe qualified by a database. */
struct sql_name {
	int pos;
	const char *db;			/* NULL when not qualified */
	const char *name;
};

enum sql_from_kind {
	SQL_FROM_TABLE = 0,	/* a table or view by name: u.table */
	SQL_FROM_SUBQUERY,	/* (query) [AS] alias: u.query */
	SQL_FROM_JOIN		/* two from items joined: u.join */
};

enum sql_join_kind {
	SQL_JOIN_INNER = 0,	/* [INNER] JOIN */
	SQL_JOIN_LEFT,		/* LEFT [OUTER] JOIN */
	SQL_JOIN_RIGHT,		/* RIGHT [OUTER] JOIN */
	SQL_JOIN_FULL,		/* FULL [OUTER] JOIN */
	SQL_JOIN_CROSS		/* CROSS JOIN (no condition) */
};

/*
 * An item of a FROM list.  A comma list "FROM a, b" is two items of
 * sql_select.from (a cross join); "a JOIN b JOIN c" is JOIN(JOIN(a, b), c).
 */
struct sql_from {
	enum sql_from_kind kind;
	int pos;
	int height;			/* see "Depth" above */
	union {
		struct sql_name table;			/* TABLE */
		struct sql_query *query;		/* SUBQUERY */
		struct {				/* JOIN */
			enum sql_join_kind kind;
			int natural;		/* NATURAL JOIN: no on/using */
			struct sql_from *left;
			struct sql_from *right;
			struct sql_expr *on;	/* ON cond, or NULL */
			struct sql_ident **using_;	/* USING (c, ...) */
			size_t nusing;
		} join;
	} u;
	/* TABLE and SUBQUERY: [AS] alias [(col, ...)]; NULL / (NULL, 0). */
	const char *alias;
	struct sql_ident **colaliases;
	size_t ncolaliases;
};

struct sql_select {
	int distinct;			/* SELECT DISTINCT (ALL is 0) */
	struct sql_target **targets;	/* n >= 1 */
	size_t ntargets;
	struct sql_from **from;		/* (NULL, 0): no FROM */
	size_t nfrom;
	struct sql_expr *as_of;		/* AS OF SYSTEM TIME e, or NULL */
	struct sql_expr *where;
	struct sql_expr **group_by;
	size_t ngroup_by;
	struct sql_expr *having;
};

/* One row of VALUES (all rows have the same length, >= 1). */
struct sql_row {
	int pos;			/* the '(' */
	struct sql_expr **items;
	size_t n;
};

struct sql_query {
	enum sql_query_kind kind;
	int pos;			/* SELECT / VALUES / set operator */
	int height;			/* see "Depth" above */
	union {
		struct sql_select select;		/* SELECT */
		struct {				/* VALUES */
			struct sql_row **rows;	/* n >= 1 */
			size_t n;
		} values;
		struct {				/* SETOP */
			enum sql_setop_kind op;
			int all;		/* UNION ALL etc. */
			struct sql_query *left;
			struct sql_query *right;
		} setop;
	} u;
	struct sql_order **order;	/* ORDER BY, or (NULL, 0) */
	size_t norder;
	struct sql_expr *limit;		/* NULL: no LIMIT (or LIMIT ALL) */
	struct sql_expr *offset;	/* NULL: no OFFSET */
};

/* ---- statements -------------------------------------------------------- */

enum sql_stmt_kind {
	SQL_STMT_QUERY = 0,	/* SELECT / VALUES / set op: u.query */
	SQL_STMT_INSERT,	/* INSERT, UPSERT, REPLACE: u.insert */
	SQL_STMT_UPDATE,	/* u.update */
	SQL_STMT_DELETE,	/* u.delete_ */
	SQL_STMT_CREATE_TABLE,	/* u.create_table */
	SQL_STMT_CREATE_INDEX,	/* u.create_index */
	SQL_STMT_CREATE_VIEW,	/* u.create_view */
	SQL_STMT_CREATE_DATABASE,	/* u.create_database */
	SQL_STMT_DROP_TABLE,	/* u.drop */
	SQL_STMT_DROP_VIEW,	/* u.drop */
	SQL_STMT_DROP_INDEX,	/* u.drop */
	SQL_STMT_DROP_DATABASE,	/* u.drop */
	SQL_STMT_TRUNCATE,	/* u.truncate */
	SQL_STMT_BEGIN,		/* BEGIN / START TRANSACTION: u.begin */
	SQL_STMT_COMMIT,	/* COMMIT / END (no member) */
	SQL_STMT_ROLLBACK,	/* ROLLBACK (no member) */
	SQL_STMT_SET,		/* SET name = value, USE db: u.set */
	SQL_STMT_SHOW,		/* SHOW ...: u.show */
	SQL_STMT_EXPLAIN,	/* EXPLAIN stmt: u.explain */
	SQL_STMT__COUNT
};

/* "c = e" in UPDATE SET and ON CONFLICT DO UPDATE SET. */
struct sql_assign {
	int pos;			/* the column name */
	const char *column;
	struct sql_expr *value;		/* may be SQL_EXPR_DEFAULT */
};

enum sql_conflict_action {
	SQL_CONFLICT_NONE = 0,	/* no ON CONFLICT clause */
	SQL_CONFLICT_NOTHING,	/* ON CONFLICT [(cols)] DO NOTHING */
	SQL_CONFLICT_UPDATE	/* ON CONFLICT (cols) DO UPDATE SET ... */
};

/*
 * INSERT INTO t [AS alias] [(cols)] {query | DEFAULT VALUES}
 *   [ON CONFLICT ...] [RETURNING ...]
 * UPSERT INTO t ...          upsert = 1 (no ON CONFLICT allowed)
 * INSERT OR REPLACE INTO t / REPLACE INTO t ...   upsert = replace = 1
 * The rows come from "source": a VALUES query (whose items may be
 * SQL_EXPR_DEFAULT), any other query (INSERT ... SELECT), or NULL for
 * DEFAULT VALUES.  In ON CONFLICT DO UPDATE, "excluded.c" is an ordinary
 * column reference with table "excluded".
 */
struct sql_insert {
	struct sql_name table;
	const char *alias;
	struct sql_ident **columns;	/* (NULL, 0): all, in table order */
	size_t ncolumns;
	struct sql_query *source;	/* NULL: DEFAULT VALUES */
	int upsert;			/* UPSERT, REPLACE */
	int replace;			/* REPLACE INTO / INSERT OR REPLACE */
	enum sql_conflict_action on_conflict;
	int conflict_pos;		/* the ON of ON CONFLICT */
	struct sql_ident **conflict_cols;	/* (NULL, 0) when not given */
	size_t nconflict_cols;
	struct sql_assign **set;	/* DO UPDATE SET, n >= 1 */
	size_t nset;
	struct sql_expr *conflict_where;	/* DO UPDATE SET ... WHERE e */
	struct sql_target **returning;	/* (NULL, 0): no RETURNING */
	size_t nreturning;
};

/* UPDATE t [[AS] alias] SET c = e, ... [WHERE e] [RETURNING ...] */
struct sql_update {
	struct sql_name table;
	const char *alias;
	struct sql_assign **set;	/* n >= 1 */
	size_t nset;
	struct sql_expr *where;
	struct sql_target **returning;
	size_t nreturning;
};

/* DELETE FROM t [[AS] alias] [WHERE e] [RETURNING ...] */
struct sql_delete {
	struct sql_name table;
	const char *alias;
	struct sql_expr *where;
	struct sql_target **returning;
	size_t nreturning;
};

enum sql_constraint_kind {
	SQL_CONSTRAINT_PRIMARY_KEY = 0,
	SQL_CONSTRAINT_UNIQUE,
	SQL_CONSTRAINT_CHECK
};

/*
 * PRIMARY KEY, UNIQUE or CHECK, on a column (columns is (NULL, 0): the
 * column itself) or on the table (PRIMARY KEY / UNIQUE list >= 1 column).
 */
struct sql_constraint {
	enum sql_constraint_kind kind;
	int pos;			/* CONSTRAINT, or the kind's keyword */
	const char *name;		/* CONSTRAINT name, or NULL */
	struct sql_ident **columns;
	size_t ncolumns;
	struct sql_expr *check;		/* CHECK (e) */
};

/*
 * name type [NOT NULL | NULL | DEFAULT e | PRIMARY KEY | UNIQUE |
 *            CHECK (e) | CONSTRAINT name ...]...
 * NOT NULL and NULL together are 42601 ("conflicting NULL/NOT NULL
 * declarations"), as are two DEFAULTs.  PRIMARY KEY does not set not_null:
 * primary key columns are NOT NULL by definition.
 */
struct sql_coldef {
	int pos;
	const char *name;
	struct sql_typename type;
	int not_null;			/* NOT NULL given */
	int null_;			/* NULL given (explicitly nullable) */
	struct sql_expr *default_;	/* DEFAULT e, or NULL */
	struct sql_constraint **constraints;	/* in the order written */
	size_t nconstraints;
};

/*
 * CREATE TABLE [IF NOT EXISTS] t (coldef | constraint, ...)
 * CREATE TABLE [IF NOT EXISTS] t AS query  (columns empty, as_query set)
 */
struct sql_create_table {
	struct sql_name table;
	int if_not_exists;
	struct sql_coldef **columns;
	size_t ncolumns;
	struct sql_constraint **constraints;	/* table constraints */
	size_t nconstraints;
	struct sql_query *as_query;
};

struct sql_index_col {
	int pos;
	const char *name;
	int desc;
};

/* CREATE [UNIQUE] INDEX [IF NOT EXISTS] [name] ON t (col [ASC|DESC], ...) */
struct sql_create_index {
	const char *name;		/* NULL: the executor picks one */
	int name_pos;
	struct sql_name table;
	int unique;
	int if_not_exists;
	struct sql_index_col **columns;	/* n >= 1 */
	size_t ncolumns;
};

/* CREATE VIEW [IF NOT EXISTS] v [(cols)] AS query */
struct sql_create_view {
	struct sql_name view;
	int if_not_exists;
	struct sql_ident **columns;
	size_t ncolumns;
	struct sql_query *query;
	/* The query's source text (0-based offset and length into the request
	 * text), to store as the view's definition. */
	size_t query_start;
	size_t query_len;
};

/* CREATE DATABASE [IF NOT EXISTS] name */
struct sql_create_database {
	const char *name;
	int name_pos;
	int if_not_exists;
};

enum sql_drop_behavior {
	SQL_DROP_DEFAULT = 0,
	SQL_DROP_CASCADE,
	SQL_DROP_RESTRICT
};

/*
 * DROP TABLE [IF EXISTS] t [, ...] [CASCADE | RESTRICT]
 * DROP VIEW [IF EXISTS] v [, ...] [CASCADE | RESTRICT]
 * DROP DATABASE [IF EXISTS] name [CASCADE | RESTRICT]   (names[0].name)
 * DROP INDEX [IF EXISTS] {i | t@i | i ON t} [CASCADE | RESTRICT]
 *   names[0] is the index (db qualifier allowed: db.i), index_table the
 *   table when given (t@i or ON t), else NULL.
 */
struct sql_drop {
	int if_exists;
	struct sql_name **names;	/* n >= 1 */
	size_t nnames;
	struct sql_name *index_table;
	enum sql_drop_behavior behavior;
};

/* TRUNCATE [TABLE] t [, ...] */
struct sql_truncate {
	struct sql_name **tables;
	size_t ntables;
};

enum sql_isolation {
	SQL_ISOLATION_DEFAULT = 0,	/* not given */
	SQL_ISOLATION_SERIALIZABLE,
	SQL_ISOLATION_REPEATABLE_READ,
	SQL_ISOLATION_READ_COMMITTED,
	SQL_ISOLATION_READ_UNCOMMITTED
};

/* BEGIN [TRANSACTION | WORK] / START TRANSACTION [ISOLATION LEVEL ...] */
struct sql_begin {
	enum sql_isolation isolation;
};

enum sql_setval_kind {
	SQL_SETVAL_WORD = 0,	/* a bare word or keyword, folded: on, mydb */
	SQL_SETVAL_STRING,	/* 'text' (the decoded string) */
	SQL_SETVAL_NUMBER,	/* 42, -1.5 (text as written, sign included) */
	SQL_SETVAL_DEFAULT	/* DEFAULT */
};

struct sql_setval {
	int pos;
	enum sql_setval_kind kind;
	const char *text;		/* NULL for DEFAULT */
};

/*
 * SET name {= | TO} value [, ...]; USE db is SET database = db.
 * name is folded ("database"); values n >= 1.
 */
struct sql_set {
	const char *name;
	int name_pos;
	struct sql_setval **values;
	size_t nvalues;
};

enum sql_show_kind {
	SQL_SHOW_VAR = 0,	/* SHOW name: var */
	SQL_SHOW_TABLES,	/* SHOW TABLES [FROM db]: db or NULL */
	SQL_SHOW_DATABASES,	/* SHOW DATABASES */
	SQL_SHOW_CREATE,	/* SHOW CREATE [TABLE | VIEW] t: table */
	SQL_SHOW_COLUMNS,	/* SHOW COLUMNS FROM t: table */
	SQL_SHOW_INDEXES,	/* SHOW INDEX[ES] FROM t: table */
	SQL_SHOW_RANGES_TABLE,	/* SHOW RANGES FROM TABLE t: table */
	SQL_SHOW_RANGES_INDEX	/* SHOW RANGES FROM INDEX t@i: table, index */
};

struct sql_show {
	enum sql_show_kind what;
	const char *var;		/* SHOW_VAR: folded name */
	const char *db;			/* SHOW_TABLES FROM db */
	struct sql_name table;		/* zeroed when unused */
	const char *index;		/* SHOW_RANGES_INDEX */
};

/*
 * EXPLAIN stmt, where stmt is a query, INSERT/UPSERT/REPLACE, UPDATE or
 * DELETE (anything else is a syntax error, as in PostgreSQL).
 */
struct sql_explain {
	struct sql_stmt *stmt;
};

struct sql_stmt {
	enum sql_stmt_kind kind;
	int pos;			/* first token */
	/* The statement's own text: request_text[text_start, text_start +
	 * text_len), 0-based, without the ';' and surrounding space. */
	size_t text_start;
	size_t text_len;
	union {
		struct sql_query *query;
		struct sql_insert *insert;
		struct sql_update *update;
		struct sql_delete *delete_;
		struct sql_create_table *create_table;
		struct sql_create_index *create_index;
		struct sql_create_view *create_view;
		struct sql_create_database *create_database;
		struct sql_drop *drop;
		struct sql_truncate *truncate;
		struct sql_begin *begin;
		struct sql_set *set;
		struct sql_show *show;
		struct sql_explain *explain;
	} u;
};

/* ---- names ------------------------------------------------------------- */

/* "SQL_EXPR_FUNC" -> "func", ...; "?" for an unknown kind. */
const char *sqlast_expr_kind_name(enum sql_expr_kind kind);
/* "create_table", ... (lower case, like the enum) */
const char *sqlast_stmt_kind_name(enum sql_stmt_kind kind);
/* The operator as written in SQL: "+", "<>", "IS DISTINCT FROM". */
const char *sqlast_binop_sql(enum sql_binop op);
/* "-", "+", "NOT" */
const char *sqlast_unop_sql(enum sql_unop op);
/* Canonical SQL spelling of a type kind: "BIGINT", "DOUBLE PRECISION"... */
const char *sqlast_typename_kind_sql(enum sql_typename_kind kind);

/*
 * The output column name PostgreSQL gives a SELECT target: the alias; else
 * the column name of a column reference, the function name of a call,
 * "exists", "case" (or the name of its ELSE), the name of a cast's operand
 * or else the type's PostgreSQL name ("int8", "bool", "numeric"...), the
 * first column of a scalar subquery ("column1" for VALUES); "bool" for
 * TRUE/FALSE; otherwise "?column?" (also for "*").  Never NULL; the string
 * lives in the tree or is static.
 */
const char *sqlast_target_name(const struct sql_target *t);

/* ---- deparse ----------------------------------------------------------- */

/*
 * SQL text for a node, NUL-terminated, allocated in a; NULL only when out
 * of memory.  See the head comment for the round-trip guarantee.
 */
char *sqlast_expr_to_sql(struct arena *a, const struct sql_expr *x);
char *sqlast_query_to_sql(struct arena *a, const struct sql_query *q);
char *sqlast_stmt_to_sql(struct arena *a, const struct sql_stmt *s);
char *sqlast_typename_to_sql(struct arena *a, const struct sql_typename *t);

/* ---- structural equality (positions and text spans ignored) ------------ */

int sqlast_expr_equal(const struct sql_expr *x, const struct sql_expr *y);
int sqlast_query_equal(const struct sql_query *x, const struct sql_query *y);
int sqlast_stmt_equal(const struct sql_stmt *x, const struct sql_stmt *y);

#endif
