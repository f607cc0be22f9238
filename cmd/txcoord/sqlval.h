/*
 * sqlval.h -- SQL types and values: input, output, casts, operators.
 *
 * A struct sql_type is a column or expression type (with its typmod:
 * VARCHAR(n), CHAR(n), DECIMAL(p,s)); a struct sql_datum is one value, a
 * small struct whose strings point into memory the caller names (usually a
 * statement arena).  The datum kind is the storage class; the sql_type
 * refines it (an INT4 column holds INT datums that fit 32 bits, a CHAR(3)
 * column TEXT datums padded to 3 characters).
 *
 * Semantics are PostgreSQL's (checked against PostgreSQL 15), with these
 * documented choices:
 *   - integer arithmetic is 64-bit whatever the operand widths (INT op INT
 *     is bigint, as in CockroachDB); widths are checked on cast/store:
 *     22003 "smallint out of range" / "integer out of range";
 *   - DECIMAL holds at most 38 digits (sqldec.h);
 *   - text compares byte by byte (the "C" collation) everywhere, and
 *     lower()/upper()/ILIKE fold ASCII letters only;
 *   - CHAR(n) values are stored padded; comparing two CHAR operands
 *     ignores trailing spaces, casting CHAR to TEXT/VARCHAR removes them
 *     (PostgreSQL's bpchar rules); sqlval_hash() sees the padded bytes, so
 *     hash CHAR values of different widths after casting them to TEXT;
 *   - TIMESTAMP is microseconds since 1970-01-01 00:00:00 without time
 *     zone, DATE days since 1970-01-01; years 1 to 99999 (no BC, no
 *     'infinity'); a time zone in timestamp input is accepted and ignored,
 *     as PostgreSQL does for timestamp without time zone;
 *   - NaN/Infinity exist for FLOAT only; numeric NaN is refused (0A000);
 *   - since integer literals are bigint here, what PostgreSQL allows for
 *     integer (int4) only works for every integer width: casts to and
 *     from BOOL, DATE + n, DATE - n;
 *   - no INTERVAL type: TIMESTAMP - TIMESTAMP is an error (42883).
 *
 * How an executor uses this (every function that can fail returns 0, or -1
 * with e filled; `pos` arguments are the 1-based statement offset stored
 * in the error; run-time errors carry position 0 and the caller may set
 * e->position):
 *   plan time:  sqlval_binop_type() / sqlval_neg_type() /
 *               sqlval_func_lookup() / sqlval_like_type() type an
 *               expression and say which operands to cast first;
 *               sqlval_cast_check() for CAST and ::, sqlval_assign_check()
 *               for INSERT/UPDATE targets, sqlval_common_type() for CASE,
 *               COALESCE, IN lists, VALUES and UNION columns.
 *   run time:   sqlval_cast() / sqlval_assign() convert, sqlval_binop(),
 *               sqlval_neg(), sqlval_func_call(), sqlval_like_match()
 *               compute; sqlval_cmp() and sqlval_hash() sort, group and
 *               join; sqlval_to_text() prints results.
 * NULL handling is left to the caller except where noted: operators and
 * functions here are strict (a NULL operand gives NULL), which is what
 * every operator and function in this file does in PostgreSQL.
 * Tested in t/unit/sqlval_test.c.
 */
#ifndef RANGEDB_SQLVAL_H
#define RANGEDB_SQLVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "sqldec.h"
#include "sqlerr.h"

/* ---- types -------------------------------------------------------------- */

enum sql_type_kind {
	SQL_TYPE_NULL = 0,	/* the type of a bare NULL */
	SQL_TYPE_INT2,
	SQL_TYPE_INT4,
	SQL_TYPE_INT8,		/* INT, INTEGER, BIGINT: 64-bit */
	SQL_TYPE_FLOAT4,	/* REAL */
	SQL_TYPE_FLOAT8,	/* FLOAT, DOUBLE PRECISION */
	SQL_TYPE_DECIMAL,	/* DECIMAL, NUMERIC */
	SQL_TYPE_TEXT,		/* TEXT, STRING */
	SQL_TYPE_VARCHAR,	/* VARCHAR(n), CHARACTER VARYING(n) */
	SQL_TYPE_CHAR,		/* CHAR(n), CHARACTER(n): blank-padded */
	SQL_TYPE_BOOL,
	SQL_TYPE_BYTES,		/* BYTES, BYTEA */
	SQL_TYPE_TIMESTAMP,
	SQL_TYPE_DATE,
	SQL_TYPE_UNKNOWN	/* a string literal not yet given a type */
};

/*
 * width: VARCHAR(n) / CHAR(n) length in characters, 0 = no limit (for
 * CHAR, width 0 is PostgreSQL's bare "bpchar": no padding; SQL's CHAR
 * without (n) means CHAR(1), which sqlval_type_check() makes of it).
 * precision, scale: DECIMAL(p,s); precision 0 = unconstrained.
 * Other kinds ignore the three fields (keep them 0).
 */
struct sql_type {
	enum sql_type_kind kind;
	int width;
	int precision;
	int scale;
};

/* A type of the given kind with no typmod. */
struct sql_type sqlval_type(enum sql_type_kind kind);
/*
 * Validate and canonicalize a declared type (column definitions, CAST
 * targets): CHAR without a width becomes CHAR(1); errors 22023 for
 * VARCHAR(0), CHAR(0), widths above 10485760, DECIMAL precision outside
 * 1..38 or scale outside 0..precision.  pos goes into the error.
 */
int sqlval_type_check(struct sql_type *t, int pos, struct sqlerr *e);
/* Same kind and typmod. */
bool sqlval_type_equal(const struct sql_type *a, const struct sql_type *b);

#define SQLVAL_TYPE_NAME_MAX 48
/*
 * PostgreSQL's format_type() name, for messages: "smallint", "integer",
 * "bigint", "real", "double precision", "numeric", "numeric(10,2)",
 * "text", "character varying(20)", "character(3)", "boolean", "bytea",
 * "timestamp without time zone", "date", "unknown" (also for NULL).
 * Writes into buf (SQLVAL_TYPE_NAME_MAX bytes suffice) and returns it.
 */
const char *sqlval_type_name(const struct sql_type *t, char *buf,
			     size_t cap);
/*
 * Short name for the "types" array of an HTTP result: int2 int4 int8
 * float4 float8 numeric text varchar bpchar bool bytea timestamp date;
 * UNKNOWN and NULL give "text" (what an untyped literal becomes in a
 * result column, as in PostgreSQL).
 */
const char *sqlval_type_short_name(const struct sql_type *t);

/* Categories used by the coercion rules. */
/* ints, floats and DECIMAL */
bool sqlval_type_is_numeric(const struct sql_type *t);
/* INT2, INT4, INT8 */
bool sqlval_type_is_integer(const struct sql_type *t);
/* TEXT, VARCHAR, CHAR */
bool sqlval_type_is_string(const struct sql_type *t);
/* UNKNOWN or NULL */
bool sqlval_type_is_unknown(const struct sql_type *t);

/* ---- values ------------------------------------------------------------- */

enum sql_datum_kind {
	SQL_DATUM_NULL = 0,
	SQL_DATUM_BOOL,
	SQL_DATUM_INT,		/* INT2, INT4, INT8 */
	SQL_DATUM_FLOAT,	/* FLOAT8; FLOAT4 as the double of a float */
	SQL_DATUM_DECIMAL,
	SQL_DATUM_TEXT,		/* TEXT, VARCHAR, CHAR, UNKNOWN */
	SQL_DATUM_BYTES,
	SQL_DATUM_TIMESTAMP,	/* ts: microseconds since 1970-01-01 */
	SQL_DATUM_DATE		/* date: days since 1970-01-01 */
};

/*
 * One value; a zeroed struct is NULL.  Strings (s.p, s.n) are borrowed:
 * not necessarily NUL-terminated, valid as long as the memory they point
 * into.  TEXT is valid UTF-8 without NUL bytes when it came from this
 * module.
 */
struct sql_datum {
	enum sql_datum_kind kind;
	union {
		bool b;
		int64_t i;
		double f;
		struct sqldec d;
		struct {
			const char *p;
			size_t n;
		} s;
		int64_t ts;
		int32_t date;
	};
};

static inline struct sql_datum sqlval_null(void)
{
	struct sql_datum d = { .kind = SQL_DATUM_NULL };
	return d;
}

static inline struct sql_datum sqlval_bool(bool b)
{
	struct sql_datum d = { .kind = SQL_DATUM_BOOL, .b = b };
	return d;
}

static inline struct sql_datum sqlval_int(int64_t i)
{
	struct sql_datum d = { .kind = SQL_DATUM_INT, .i = i };
	return d;
}

static inline struct sql_datum sqlval_float(double f)
{
	struct sql_datum d = { .kind = SQL_DATUM_FLOAT, .f = f };
	return d;
}

static inline struct sql_datum sqlval_decimal(struct sqldec v)
{
	struct sql_datum d = { .kind = SQL_DATUM_DECIMAL, .d = v };
	return d;
}

static inline struct sql_datum sqlval_text(const char *p, size_t n)
{
	struct sql_datum d = { .kind = SQL_DATUM_TEXT };
	d.s.p = p;
	d.s.n = n;
	return d;
}

static inline struct sql_datum sqlval_bytes(const void *p, size_t n)
{
	struct sql_datum d = { .kind = SQL_DATUM_BYTES };
	d.s.p = p;
	d.s.n = n;
	return d;
}

static inline struct sql_datum sqlval_timestamp(int64_t us)
{
	struct sql_datum d = { .kind = SQL_DATUM_TIMESTAMP, .ts = us };
	return d;
}

static inline struct sql_datum sqlval_date(int32_t days)
{
	struct sql_datum d = { .kind = SQL_DATUM_DATE, .date = days };
	return d;
}

/*
 * The datum kind that holds values of type t: SQL_DATUM_NULL for the NULL
 * type, SQL_DATUM_TEXT for UNKNOWN (a literal is text until it is cast).
 */
enum sql_datum_kind sqlval_type_datum_kind(const struct sql_type *t);
/* Deep copy: strings copied into a (so d's memory may go away). */
int sqlval_copy(const struct sql_datum *d, struct arena *a,
		struct sql_datum *out, struct sqlerr *e);

/* Range of DATE (days) and TIMESTAMP (microseconds): years 1..99999. */
#define SQLVAL_DATE_MIN	(-719162)		/* 0001-01-01 */
#define SQLVAL_DATE_MAX	(35804721)		/* 99999-12-31 */
#define SQLVAL_USECS_PER_DAY	INT64_C(86400000000)
#define SQLVAL_TS_MIN	((int64_t)SQLVAL_DATE_MIN * SQLVAL_USECS_PER_DAY)
#define SQLVAL_TS_MAX	(((int64_t)SQLVAL_DATE_MAX + 1) * \
			 SQLVAL_USECS_PER_DAY - 1)

/* ---- text input and output ---------------------------------------------- */

/*
 * Parse s[0..n) as a value of type t with PostgreSQL's input rules:
 *   ints: surrounding blanks, sign, digits ("' 12 '" is 12); 22P02
 *     `invalid input syntax for type bigint: "abc"`, 22003 `value "..."
 *     is out of range for type integer` (the width of t counts);
 *   floats: strtod syntax, NaN, [+-]Infinity, [+-]inf; 22003 when out of
 *     range ("1e400", and "1e-400" which would underflow to 0);
 *   DECIMAL: sqldec_from_text(), then t's (p,s) as on assignment;
 *   BOOL: t/true/y/yes/on/1, f/false/n/no/off/0, any case, unique
 *     prefixes, blanks around;
 *   BYTES: "\x0aff" hex (blanks between pairs allowed) or the escape form
 *     (\\ and \ooo octal; other bytes as they are);
 *   TIMESTAMP: "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.ffffff]]", 'T' as
 *     separator, optional time zone (ignored), "epoch"; more than six
 *     fraction digits are rounded; 22007 for bad syntax, 22008 for fields
 *     out of range ("2023-02-29");
 *   DATE: the same (a time part is accepted and ignored);
 *   TEXT/VARCHAR/CHAR/UNKNOWN: must be valid UTF-8 without NUL (22021);
 *     no length check here (see sqlval_cast()/sqlval_assign()).
 * NULL type: error (there is no NULL text).  Strings in *out point into s
 * (TEXT) or into a (BYTES, and everything else allocates nothing).
 */
int sqlval_from_text(const struct sql_type *t, const char *s, size_t n,
		     struct arena *a, struct sql_datum *out,
		     struct sqlerr *e);

/*
 * PostgreSQL's text output of d, read as type t (t matters for FLOAT4,
 * which prints the shortest digits that read back as the same float):
 * ints in decimal; floats in the shortest form that reads back exactly,
 * exponent form below 1e-4 and from 1e15 (float4: 1e6) up ("1e+100",
 * "1e-05", "-0", "NaN", "Infinity"); DECIMAL with its scale ("1.50");
 * BOOL "t"/"f"; BYTES "\x0aff"; TIMESTAMP "2024-01-02 03:04:05[.ffffff]"
 * (fraction without trailing zeros); DATE "2024-01-02"; text as is.
 * *out is a NUL-terminated copy in a, *n its length; t may be NULL (a
 * FLOAT datum then prints as float8).  NULL: *out = NULL, *n = 0.
 */
int sqlval_to_text(const struct sql_datum *d, const struct sql_type *t,
		   struct arena *a, const char **out, size_t *n,
		   struct sqlerr *e);

/* Shortest round-trip text of f as float8 or float4 (see above); buf of
 * at least 32 bytes.  Returns buf. */
const char *sqlval_format_float(double f, bool float4, char *buf,
				size_t cap);

/* ---- casts and coercion ------------------------------------------------- */

/*
 * Explicit cast (CAST(x AS t), x::t) from a value of type `from` to type
 * `to`, PostgreSQL's rules: numeric kinds to one another (float -> int
 * rounds half to even as rint() does, decimal -> int half away from
 * zero, both with range checks for the target width); anything to text
 * (its text output, except BOOL -> "true"/"false"); text and unknown to
 * anything through sqlval_from_text(); int <-> bool (0/1, non-zero is
 * true); DATE <-> TIMESTAMP; typmods applied: VARCHAR(n) and CHAR(n)
 * silently truncate to n characters (explicit casts do, per SQL), CHAR(n)
 * pads, CHAR to TEXT/VARCHAR drops trailing spaces, DECIMAL(p,s) rounds
 * and errors 22003 when too big.  Other pairs: 42846 "cannot cast type
 * boolean to date".  NULL casts to NULL.
 */
int sqlval_cast(const struct sql_datum *d, const struct sql_type *from,
		const struct sql_type *to, struct arena *a,
		struct sql_datum *out, struct sqlerr *e);
/*
 * Assignment of a value to a column of type `to` (INSERT, UPDATE, the
 * result of DEFAULT): like sqlval_cast(), but a string longer than
 * VARCHAR(n)/CHAR(n) is 22001 "value too long for type character
 * varying(3)" unless the excess is only spaces (then it is cut).  Use
 * sqlval_assign_check() at plan time: this does not refuse conversions
 * an assignment would not allow.
 */
int sqlval_assign(const struct sql_datum *d, const struct sql_type *from,
		  const struct sql_type *to, struct arena *a,
		  struct sql_datum *out, struct sqlerr *e);

/* Can CAST(x AS to) work for x of type from? */
bool sqlval_can_cast(const struct sql_type *from, const struct sql_type *to);
/* 42846 "cannot cast type boolean to date" unless sqlval_can_cast(). */
int sqlval_cast_check(const struct sql_type *from, const struct sql_type *to,
		      int pos, struct sqlerr *e);
/*
 * Can a value of type `from` be stored in a column of type `to` without
 * an explicit cast?  Unknown literals and NULL always; numeric kinds among
 * themselves (narrowing too, checked per value); string kinds among
 * themselves; anything into a string column (as its text); DATE <->
 * TIMESTAMP; otherwise only the same kind.  Not: text into int, bool into
 * int, int into bool.
 */
bool sqlval_can_assign(const struct sql_type *from,
		       const struct sql_type *to);
/*
 * 42804 `column "a" is of type integer but expression is of type text`
 * unless sqlval_can_assign(); colname may be NULL ("target is of type...").
 */
int sqlval_assign_check(const struct sql_type *from,
			const struct sql_type *to, const char *colname,
			int pos, struct sqlerr *e);
/*
 * Implicit coercion (operator and function arguments): unknown/NULL to
 * anything, INT2 -> INT4 -> INT8 -> DECIMAL -> FLOAT4 -> FLOAT8 upward,
 * any string kind to TEXT/VARCHAR/CHAR, DATE -> TIMESTAMP.
 */
bool sqlval_can_coerce(const struct sql_type *from, const struct sql_type *to);
/*
 * The type that n types resolve to (CASE branches, COALESCE and NULLIF
 * arguments, IN lists, VALUES and UNION columns), like PostgreSQL's
 * select_common_type(): all unknown -> TEXT; numeric kinds -> the widest
 * (INT2 < INT4 < INT8 < DECIMAL < FLOAT4 < FLOAT8); strings -> TEXT
 * unless all have the same kind and width; DATE with TIMESTAMP ->
 * TIMESTAMP.  Mixed categories: 42804 "%s types integer and text cannot
 * be matched" with `what` ("CASE", "UNION", "VALUES", "COALESCE", ...).
 */
int sqlval_common_type(const char *what, const struct sql_type *types,
		       size_t n, struct sql_type *out, int pos,
		       struct sqlerr *e);

/* ---- comparison and hashing --------------------------------------------- */

/*
 * <0, 0, >0 for two non-NULL values of comparable kinds: all numeric
 * kinds with one another (int vs decimal exactly; anything vs float as
 * float8, like PostgreSQL's int8 = float8; NaN equals NaN and sorts above
 * every other float); TEXT with TEXT and BYTES with BYTES by bytes (the
 * "C" collation; a prefix sorts first); BOOL false < true; DATE with
 * TIMESTAMP (a date is its midnight).  NULL sorts before everything and
 * equals NULL (the caller does SQL's NULL logic and NULLS FIRST/LAST);
 * values of incomparable kinds order by kind, so sorting never fails.
 */
int sqlval_cmp(const struct sql_datum *a, const struct sql_datum *b);
/*
 * A 64-bit hash consistent with sqlval_cmp(): equal values hash equally
 * across kinds (1 = 1.0 = 1.0::float8; a date and its midnight).  seed
 * varies the function (e.g. per partition level of a hash join).
 */
uint64_t sqlval_hash(const struct sql_datum *d, uint64_t seed);

/* ---- operators ---------------------------------------------------------- */

enum sql_op {
	SQL_OP_ADD, SQL_OP_SUB, SQL_OP_MUL, SQL_OP_DIV, SQL_OP_MOD,
	SQL_OP_CONCAT,
	SQL_OP_EQ, SQL_OP_NE, SQL_OP_LT, SQL_OP_LE, SQL_OP_GT, SQL_OP_GE
};

/* "+", "-", "*", "/", "%", "||", "=", "<>", "<", "<=", ">", ">=". */
const char *sqlval_op_name(enum sql_op op);
/* True for = <> < <= > >=. */
bool sqlval_op_is_comparison(enum sql_op op);

/*
 * The typing of `l op r`: cast the left operand to left (and the right to
 * right) when sqlval_type_equal() says its type differs, then call
 * sqlval_binop() with this struct.
 */
struct sql_optype {
	struct sql_type left;
	struct sql_type right;
	struct sql_type result;
};

/*
 * Type `l op r` the way PostgreSQL resolves operators:
 *   - an UNKNOWN (or NULL) operand takes the type of the other one, with
 *     its typmod dropped (int4col = '12' reads '12' as int4); two unknowns
 *     compare and concatenate as TEXT, and arithmetic on two unknowns is
 *     42725 "operator is not unique: unknown + unknown";
 *   - arithmetic: numeric kinds only; INT op INT is INT8; with a DECIMAL,
 *     DECIMAL; with a FLOAT, FLOAT8 (FLOAT4 op FLOAT4 stays FLOAT4); % is
 *     not defined on floats (as in PostgreSQL); DATE + int, int + DATE,
 *     DATE - int give DATE and DATE - DATE gives INT8;
 *   - comparisons give BOOL: numeric with numeric, string with string
 *     (CHAR with CHAR keeps bpchar rules; CHAR with TEXT casts the CHAR
 *     side to TEXT), BOOL, BYTES, DATE/TIMESTAMP (the DATE side is cast to
 *     TIMESTAMP);
 *   - ||: string || anything and anything || string is TEXT (the other
 *     side cast to TEXT), BYTES || BYTES is BYTES;
 *   - anything else: 42883 "operator does not exist: text = bigint".
 */
int sqlval_binop_type(enum sql_op op, const struct sql_type *l,
		      const struct sql_type *r, struct sql_optype *out,
		      int pos, struct sqlerr *e);
/*
 * Evaluate `a op b` for operands already cast as t says (numeric kinds
 * may also come mixed: they are promoted here).  NULL in, NULL out.
 * Errors: 22003 "bigint out of range" (integer overflow, INT64_MIN / -1),
 * "value out of range: overflow" / "underflow" (floats), "value
 * overflows numeric format" (DECIMAL), 22012 "division by zero" (also
 * % by 0), 22008 "date out of range".  Strings of the result live in ar.
 */
int sqlval_binop(enum sql_op op, const struct sql_optype *t,
		 const struct sql_datum *a, const struct sql_datum *b,
		 struct arena *ar, struct sql_datum *out, struct sqlerr *e);

/* Unary minus: numeric kinds (INT kinds give INT8); 42883 otherwise,
 * 42725 for an unknown literal. */
int sqlval_neg_type(const struct sql_type *t, struct sql_type *out, int pos,
		    struct sqlerr *e);
/* -d; 22003 "bigint out of range" for -INT64_MIN.  NULL gives NULL. */
int sqlval_neg(const struct sql_datum *d, struct sql_datum *out,
	       struct sqlerr *e);

/* ---- LIKE --------------------------------------------------------------- */

/*
 * x [NOT] LIKE/ILIKE p: both sides must be strings or unknown (they are
 * compared as TEXT); 42883 "operator does not exist: integer ~~ text"
 * (~~* for ILIKE) otherwise.
 */
int sqlval_like_type(const struct sql_type *l, const struct sql_type *r,
		     bool icase, int pos, struct sqlerr *e);

/* A compiled LIKE pattern (lives in the arena it was compiled into). */
struct sqlval_like;

/*
 * Compile pattern pat[0..n): % matches any run of characters, _ exactly
 * one character (a UTF-8 code point), the escape character makes the next
 * one literal.  esc NULL means the default escape '\'; esc with escn 0
 * means no escape character; otherwise esc must be one character (22025
 * "invalid escape string").  icase: ILIKE (ASCII case folded).
 */
int sqlval_like_compile(struct arena *a, const char *pat, size_t n,
			const char *esc, size_t escn, bool icase,
			struct sqlval_like **out, struct sqlerr *e);
/*
 * Match s[0..n) against p.  22025 "LIKE pattern must not end with escape
 * character" when matching reaches an escape at the end of the pattern
 * (like PostgreSQL, only then: 'abc' LIKE 'abc\' is simply false).
 */
int sqlval_like_match(const struct sqlval_like *p, const char *s, size_t n,
		      bool *match, struct sqlerr *e);
/* Compile and match in one call. */
int sqlval_like(struct arena *a, const char *s, size_t n, const char *pat,
		size_t pn, const char *esc, size_t escn, bool icase,
		bool *match, struct sqlerr *e);

/* ---- functions ---------------------------------------------------------- */

enum sql_func_id {
	SQL_FUNC_ABS, SQL_FUNC_LENGTH, SQL_FUNC_OCTET_LENGTH, SQL_FUNC_LOWER,
	SQL_FUNC_UPPER, SQL_FUNC_SUBSTR, SQL_FUNC_ROUND, SQL_FUNC_TRUNC,
	SQL_FUNC_FLOOR, SQL_FUNC_CEIL, SQL_FUNC_SIGN, SQL_FUNC_MOD,
	SQL_FUNC_BTRIM, SQL_FUNC_LTRIM, SQL_FUNC_RTRIM, SQL_FUNC_REPLACE,
	SQL_FUNC_STRPOS
};

#define SQLVAL_FUNC_MAX_ARGS 3

/* A resolved call: cast argument i to args[i] (when its type differs). */
struct sql_func {
	enum sql_func_id id;
	size_t nargs;
	struct sql_type args[SQLVAL_FUNC_MAX_ARGS];
	struct sql_type result;
};

/*
 * Resolve a scalar function by (lower-case) name and argument types:
 * abs(numeric kinds), length / char_length / character_length (text:
 * characters, trailing spaces of CHAR not counted; bytea: bytes),
 * octet_length, lower, upper, substr / substring(s, start [, count])
 * (text or bytea), round(x [, digits]), trunc(x [, digits]), floor, ceil /
 * ceiling, sign, mod(a, b), btrim / trim, ltrim, rtrim (s [, characters]),
 * replace(s, from, to), strpos(s, sub).  Integer arguments of round /
 * floor / ceil / sign / trunc(x) work in FLOAT8 as in PostgreSQL.  42883
 * "function length(integer) does not exist" when nothing matches.  The
 * executor handles count/sum/avg/min/max, coalesce, nullif and now()
 * itself (they need grouping, laziness or the transaction).
 */
int sqlval_func_lookup(const char *name, const struct sql_type *args,
		       size_t nargs, struct sql_func *out, int pos,
		       struct sqlerr *e);
/*
 * Call f on arguments already cast to f->args.  A NULL argument gives
 * NULL.  Errors as PostgreSQL: 22011 "negative substring length not
 * allowed", 22003 "bigint out of range" (abs of INT64_MIN), ...
 */
int sqlval_func_call(const struct sql_func *f, const struct sql_datum *args,
		     size_t nargs, struct arena *a, struct sql_datum *out,
		     struct sqlerr *e);

/* ---- UTF-8 -------------------------------------------------------------- */

/*
 * 0 when p[0..n) is valid UTF-8 (shortest forms, no surrogates, at most
 * U+10FFFF) without NUL bytes; else 22021 `invalid byte sequence for
 * encoding "UTF8": 0xc3 0x28` (the bytes of the bad character, as
 * PostgreSQL prints them) with position pos + its byte offset when pos > 0.
 */
int sqlval_utf8_check(const char *p, size_t n, int pos, struct sqlerr *e);
/* Number of characters (code points) of valid UTF-8. */
size_t sqlval_utf8_length(const char *p, size_t n);

#endif
