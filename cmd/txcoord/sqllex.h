/*
 * sqllex.h -- the SQL lexer: request text in, tokens out, one at a time.
 *
 * What it guarantees:
 *   - sqllex_init() refuses text longer than SQLLEX_MAX_TEXT (54000) and
 *     text that is not valid UTF-8 or holds a NUL byte (22021, with the
 *     1-based byte position of the first bad byte), so every token, name
 *     and string it hands out is valid UTF-8 without NULs.
 *   - Tokens are produced on demand: memory is proportional to the tokens
 *     the caller keeps, never to the length of the text.
 *   - Every token carries its 1-based byte position and its source span.
 *   - Unquoted words are folded to lower case (ASCII only, like
 *     PostgreSQL); "quoted" identifiers keep their case ("" is a quote).
 *   - '...' strings ('' is a quote), E'...' strings with backslash escapes
 *     (\b \f \n \r \t \ooo \xhh \uXXXX \UXXXXXXXX, anything else is
 *     itself), $tag$...$tag$ strings, x'hex' byte strings, and adjacent
 *     quoted strings separated by whitespace holding a newline (SQL's
 *     continuation) are decoded into one token.
 *   - Numbers: digits that fit in int64 are SQLLEX_INT; other integers and
 *     anything with '.' or an exponent are SQLLEX_NUMERIC (text kept).
 *   - Comments: -- to end of line and nested C-style comments.
 *   - Errors follow PostgreSQL's messages and SQLSTATEs: 42601
 *     "unterminated quoted string at or near \"'abc\"", "trailing junk
 *     after numeric literal at or near \"1x\"", 22021 for invalid UTF-8
 *     produced by escapes, 22P02 for bad x'' digits, and so on.
 * Nothing here allocates outside the arena given to sqllex_init().
 * Tested in t/unit/sqlparse_test.c (through the parser and directly) and
 * fuzzed by t/fuzz/sqlparse_fuzz.c.
 */
#ifndef RANGEDB_SQLLEX_H
#define RANGEDB_SQLLEX_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "sqlerr.h"

/* The longest request text accepted (bytes); longer is 54000. */
#define SQLLEX_MAX_TEXT	(16 * 1024 * 1024)

enum sqllex_tok {
	SQLLEX_EOF = 0,		/* end of input; pos is len + 1 */
	SQLLEX_IDENT,		/* unquoted word (maybe a keyword), folded */
	SQLLEX_QIDENT,		/* "quoted identifier", case kept */
	SQLLEX_INT,		/* integer literal that fits in int64: ival */
	SQLLEX_NUMERIC,		/* other number: str is its source text */
	SQLLEX_STRING,		/* string literal, decoded: str, slen */
	SQLLEX_BYTES,		/* x'..' literal, decoded: str, slen */
	SQLLEX_PLUS,		/* + */
	SQLLEX_MINUS,		/* - */
	SQLLEX_STAR,		/* * */
	SQLLEX_SLASH,		/* / */
	SQLLEX_PERCENT,		/* % */
	SQLLEX_CONCAT,		/* || */
	SQLLEX_EQ,		/* = */
	SQLLEX_NE,		/* <> */
	SQLLEX_NE2,		/* != (same meaning as <>) */
	SQLLEX_LT,		/* < */
	SQLLEX_LE,		/* <= */
	SQLLEX_GT,		/* > */
	SQLLEX_GE,		/* >= */
	SQLLEX_CAST,		/* :: */
	SQLLEX_LPAREN,		/* ( */
	SQLLEX_RPAREN,		/* ) */
	SQLLEX_COMMA,		/* , */
	SQLLEX_SEMI,		/* ; */
	SQLLEX_DOT,		/* . */
	SQLLEX_AT		/* @ (index names: t@i) */
};

/*
 * Keyword categories, after PostgreSQL's:
 *   UNRESERVED  a keyword only where the grammar expects it; an ordinary
 *               name everywhere else (table, column, alias, function);
 *   TYPEFUNC    may name a function (left(s, 2)) but not a column, table
 *               or bare alias;
 *   RESERVED    never a name unless "quoted".
 * After AS (a column label) and after a dot any keyword is a name.
 */
enum sqllex_kwcat {
	SQLLEX_UNRESERVED = 0,
	SQLLEX_TYPEFUNC,
	SQLLEX_RESERVED
};

/* X(ENUM_SUFFIX, "spelling", category) -- sorted by spelling. */
#define SQLLEX_KEYWORDS(X) \
	X(ALL, "all", SQLLEX_RESERVED) \
	X(AND, "and", SQLLEX_RESERVED) \
	X(AS, "as", SQLLEX_RESERVED) \
	X(ASC, "asc", SQLLEX_RESERVED) \
	X(ASYMMETRIC, "asymmetric", SQLLEX_RESERVED) \
	X(BEGIN, "begin", SQLLEX_UNRESERVED) \
	X(BETWEEN, "between", SQLLEX_RESERVED) \
	X(BY, "by", SQLLEX_UNRESERVED) \
	X(CASCADE, "cascade", SQLLEX_UNRESERVED) \
	X(CASE, "case", SQLLEX_RESERVED) \
	X(CAST, "cast", SQLLEX_RESERVED) \
	X(CHECK, "check", SQLLEX_RESERVED) \
	X(COLUMNS, "columns", SQLLEX_UNRESERVED) \
	X(COMMIT, "commit", SQLLEX_UNRESERVED) \
	X(COMMITTED, "committed", SQLLEX_UNRESERVED) \
	X(CONFLICT, "conflict", SQLLEX_UNRESERVED) \
	X(CONSTRAINT, "constraint", SQLLEX_RESERVED) \
	X(CREATE, "create", SQLLEX_RESERVED) \
	X(CROSS, "cross", SQLLEX_TYPEFUNC) \
	X(CURRENT_DATE, "current_date", SQLLEX_RESERVED) \
	X(CURRENT_TIMESTAMP, "current_timestamp", SQLLEX_RESERVED) \
	X(DATABASE, "database", SQLLEX_UNRESERVED) \
	X(DATABASES, "databases", SQLLEX_UNRESERVED) \
	X(DEFAULT, "default", SQLLEX_RESERVED) \
	X(DELETE, "delete", SQLLEX_UNRESERVED) \
	X(DESC, "desc", SQLLEX_RESERVED) \
	X(DISTINCT, "distinct", SQLLEX_RESERVED) \
	X(DO, "do", SQLLEX_RESERVED) \
	X(DROP, "drop", SQLLEX_UNRESERVED) \
	X(ELSE, "else", SQLLEX_RESERVED) \
	X(END, "end", SQLLEX_RESERVED) \
	X(ESCAPE, "escape", SQLLEX_UNRESERVED) \
	X(EXCEPT, "except", SQLLEX_RESERVED) \
	X(EXISTS, "exists", SQLLEX_RESERVED) \
	X(EXPLAIN, "explain", SQLLEX_UNRESERVED) \
	X(FALSE, "false", SQLLEX_RESERVED) \
	X(FIRST, "first", SQLLEX_UNRESERVED) \
	X(FOREIGN, "foreign", SQLLEX_RESERVED) \
	X(FROM, "from", SQLLEX_RESERVED) \
	X(FULL, "full", SQLLEX_TYPEFUNC) \
	X(GROUP, "group", SQLLEX_RESERVED) \
	X(HAVING, "having", SQLLEX_RESERVED) \
	X(IF, "if", SQLLEX_UNRESERVED) \
	X(ILIKE, "ilike", SQLLEX_TYPEFUNC) \
	X(IN, "in", SQLLEX_RESERVED) \
	X(INDEX, "index", SQLLEX_UNRESERVED) \
	X(INDEXES, "indexes", SQLLEX_UNRESERVED) \
	X(INNER, "inner", SQLLEX_TYPEFUNC) \
	X(INSERT, "insert", SQLLEX_UNRESERVED) \
	X(INTERSECT, "intersect", SQLLEX_RESERVED) \
	X(INTO, "into", SQLLEX_RESERVED) \
	X(IS, "is", SQLLEX_TYPEFUNC) \
	X(ISNULL, "isnull", SQLLEX_TYPEFUNC) \
	X(ISOLATION, "isolation", SQLLEX_UNRESERVED) \
	X(JOIN, "join", SQLLEX_TYPEFUNC) \
	X(KEY, "key", SQLLEX_UNRESERVED) \
	X(LAST, "last", SQLLEX_UNRESERVED) \
	X(LEFT, "left", SQLLEX_TYPEFUNC) \
	X(LEVEL, "level", SQLLEX_UNRESERVED) \
	X(LIKE, "like", SQLLEX_TYPEFUNC) \
	X(LIMIT, "limit", SQLLEX_RESERVED) \
	X(NATURAL, "natural", SQLLEX_TYPEFUNC) \
	X(NOT, "not", SQLLEX_RESERVED) \
	X(NOTHING, "nothing", SQLLEX_UNRESERVED) \
	X(NOTNULL, "notnull", SQLLEX_TYPEFUNC) \
	X(NULL, "null", SQLLEX_RESERVED) \
	X(NULLS, "nulls", SQLLEX_UNRESERVED) \
	X(OF, "of", SQLLEX_UNRESERVED) \
	X(OFFSET, "offset", SQLLEX_RESERVED) \
	X(ON, "on", SQLLEX_RESERVED) \
	X(OR, "or", SQLLEX_RESERVED) \
	X(ORDER, "order", SQLLEX_RESERVED) \
	X(OUTER, "outer", SQLLEX_TYPEFUNC) \
	X(PRIMARY, "primary", SQLLEX_RESERVED) \
	X(RANGES, "ranges", SQLLEX_UNRESERVED) \
	X(READ, "read", SQLLEX_UNRESERVED) \
	X(REFERENCES, "references", SQLLEX_RESERVED) \
	X(REPEATABLE, "repeatable", SQLLEX_UNRESERVED) \
	X(REPLACE, "replace", SQLLEX_UNRESERVED) \
	X(RESTRICT, "restrict", SQLLEX_UNRESERVED) \
	X(RETURNING, "returning", SQLLEX_RESERVED) \
	X(RIGHT, "right", SQLLEX_TYPEFUNC) \
	X(ROLLBACK, "rollback", SQLLEX_UNRESERVED) \
	X(SELECT, "select", SQLLEX_RESERVED) \
	X(SERIALIZABLE, "serializable", SQLLEX_UNRESERVED) \
	X(SET, "set", SQLLEX_UNRESERVED) \
	X(SHOW, "show", SQLLEX_UNRESERVED) \
	X(START, "start", SQLLEX_UNRESERVED) \
	X(SYMMETRIC, "symmetric", SQLLEX_RESERVED) \
	X(SYSTEM, "system", SQLLEX_UNRESERVED) \
	X(TABLE, "table", SQLLEX_RESERVED) \
	X(TABLES, "tables", SQLLEX_UNRESERVED) \
	X(THEN, "then", SQLLEX_RESERVED) \
	X(TIME, "time", SQLLEX_UNRESERVED) \
	X(TO, "to", SQLLEX_RESERVED) \
	X(TRANSACTION, "transaction", SQLLEX_UNRESERVED) \
	X(TRUE, "true", SQLLEX_RESERVED) \
	X(TRUNCATE, "truncate", SQLLEX_UNRESERVED) \
	X(UNCOMMITTED, "uncommitted", SQLLEX_UNRESERVED) \
	X(UNION, "union", SQLLEX_RESERVED) \
	X(UNIQUE, "unique", SQLLEX_RESERVED) \
	X(UNKNOWN, "unknown", SQLLEX_UNRESERVED) \
	X(UPDATE, "update", SQLLEX_UNRESERVED) \
	X(UPSERT, "upsert", SQLLEX_UNRESERVED) \
	X(USE, "use", SQLLEX_UNRESERVED) \
	X(USING, "using", SQLLEX_RESERVED) \
	X(VALUES, "values", SQLLEX_RESERVED) \
	X(VIEW, "view", SQLLEX_UNRESERVED) \
	X(WHEN, "when", SQLLEX_RESERVED) \
	X(WHERE, "where", SQLLEX_RESERVED) \
	X(WITH, "with", SQLLEX_RESERVED) \
	X(WITHOUT, "without", SQLLEX_UNRESERVED) \
	X(WORK, "work", SQLLEX_UNRESERVED) \
	X(ZONE, "zone", SQLLEX_UNRESERVED)

#define SQLLEX_KW_ENUM_(name, text, cat) SQLLEX_KW_##name,
enum sqllex_kw {
	SQLLEX_KW_NONE = 0,
	SQLLEX_KEYWORDS(SQLLEX_KW_ENUM_)
	SQLLEX_KW__COUNT
};
#undef SQLLEX_KW_ENUM_

struct sqllex_token {
	enum sqllex_tok kind;
	enum sqllex_kw kw;	/* SQLLEX_IDENT: keyword or SQLLEX_KW_NONE */
	int pos;		/* 1-based byte position of the first byte */
	size_t off;		/* source span: text[off, off + len) */
	size_t len;
	/*
	 * IDENT/QIDENT: the name (folded for IDENT); STRING/BYTES: the decoded
	 * value; NUMERIC: the source text.  NUL-terminated arena copy (BYTES
	 * may hold NULs, use slen).  NULL for other kinds.
	 */
	const char *str;
	size_t slen;
	int64_t ival;		/* SQLLEX_INT */
};

/* Lexer state; the caller owns it, fields are private to sqllex.c. */
struct sqllex {
	struct arena *a;
	const char *text;
	size_t len;
	size_t off;
};

/*
 * Prepare to lex text[0, len) (which need not be NUL-terminated and must
 * stay unchanged while tokens are read).  Checks the length limit and
 * UTF-8 validity of the whole text.  0, or -1 with e filled.
 */
int sqllex_init(struct sqllex *lx, struct arena *a, const char *text,
		size_t len, struct sqlerr *e);

/*
 * The next token into *t.  After SQLLEX_EOF every call returns SQLLEX_EOF
 * again.  0, or -1 with e filled (the lexer then stays at the bad token).
 */
int sqllex_next(struct sqllex *lx, struct sqllex_token *t,
		struct sqlerr *e);

/* The keyword spelled s[0, n) in any case, or SQLLEX_KW_NONE. */
enum sqllex_kw sqllex_kw_lookup(const char *s, size_t n);
/* Lower-case spelling of a keyword ("" for SQLLEX_KW_NONE). */
const char *sqllex_kw_name(enum sqllex_kw kw);
/* Category of a keyword (SQLLEX_UNRESERVED for SQLLEX_KW_NONE). */
enum sqllex_kwcat sqllex_kw_category(enum sqllex_kw kw);

/*
 * Check that s[0, n) is valid UTF-8 without NUL bytes (no overlong forms,
 * no surrogates, nothing above U+10FFFF).  Returns 1 when valid; else 0
 * with *bad set to the offset of the offending sequence and *badlen to
 * the number of its bytes worth showing (1..4, never past n).
 */
int sqllex_utf8_valid(const char *s, size_t n, size_t *bad, size_t *badlen);

/*
 * Fill e with PostgreSQL's 22021 message for the bytes p[0, n), n <= 4:
 * invalid byte sequence for encoding "UTF8": 0xc3 0x28.  Returns -1.
 */
int sqllex_utf8_error(struct sqlerr *e, int pos, const char *p, size_t n);

#endif
