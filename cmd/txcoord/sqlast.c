/*
 * sqlast.c -- names, deparser and structural equality for the SQL syntax
 * tree (see sqlast.h).
 *
 * The deparser mirrors the parser's precedence table: a child is put in
 * parentheses when it binds more loosely than its slot requires (and, at
 * the non-associative levels IS, comparison and BETWEEN/IN/LIKE, also when
 * it binds equally), so the output parses back to the same tree.  Text is
 * built in a malloc'd buffer and copied into the arena at the end.
 */
#include "sqlast.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqllex.h"

/* Same levels as the parser's (sqlparse.c), plus one for primaries. */
enum {
	PREC_OR = 1,
	PREC_AND,
	PREC_NOT,
	PREC_IS,
	PREC_CMP,
	PREC_IN,
	PREC_CONCAT,
	PREC_ADD,
	PREC_MUL,
	PREC_UNARY,
	PREC_CAST,
	PREC_PRIMARY
};

/* ---- names ------------------------------------------------------------- */

static const char *const expr_kind_names[SQL_EXPR__COUNT] = {
	[SQL_EXPR_NULL] = "null",
	[SQL_EXPR_BOOL] = "bool",
	[SQL_EXPR_INT] = "int",
	[SQL_EXPR_DECIMAL] = "decimal",
	[SQL_EXPR_STRING] = "string",
	[SQL_EXPR_BYTES] = "bytes",
	[SQL_EXPR_DEFAULT] = "default",
	[SQL_EXPR_COLUMN] = "column",
	[SQL_EXPR_STAR] = "star",
	[SQL_EXPR_UNARY] = "unary",
	[SQL_EXPR_BINARY] = "binary",
	[SQL_EXPR_AND] = "and",
	[SQL_EXPR_OR] = "or",
	[SQL_EXPR_IS] = "is",
	[SQL_EXPR_BETWEEN] = "between",
	[SQL_EXPR_IN_LIST] = "in_list",
	[SQL_EXPR_IN_QUERY] = "in_query",
	[SQL_EXPR_LIKE] = "like",
	[SQL_EXPR_CAST] = "cast",
	[SQL_EXPR_FUNC] = "func",
	[SQL_EXPR_CASE] = "case",
	[SQL_EXPR_SUBQUERY] = "subquery",
	[SQL_EXPR_EXISTS] = "exists",
};

const char *sqlast_expr_kind_name(enum sql_expr_kind kind)
{
	if ((int)kind < 0 || kind >= SQL_EXPR__COUNT)
		return "?";
	return expr_kind_names[kind];
}

static const char *const stmt_kind_names[SQL_STMT__COUNT] = {
	[SQL_STMT_QUERY] = "query",
	[SQL_STMT_INSERT] = "insert",
	[SQL_STMT_UPDATE] = "update",
	[SQL_STMT_DELETE] = "delete",
	[SQL_STMT_CREATE_TABLE] = "create_table",
	[SQL_STMT_CREATE_INDEX] = "create_index",
	[SQL_STMT_CREATE_VIEW] = "create_view",
	[SQL_STMT_CREATE_DATABASE] = "create_database",
	[SQL_STMT_DROP_TABLE] = "drop_table",
	[SQL_STMT_DROP_VIEW] = "drop_view",
	[SQL_STMT_DROP_INDEX] = "drop_index",
	[SQL_STMT_DROP_DATABASE] = "drop_database",
	[SQL_STMT_TRUNCATE] = "truncate",
	[SQL_STMT_BEGIN] = "begin",
	[SQL_STMT_COMMIT] = "commit",
	[SQL_STMT_ROLLBACK] = "rollback",
	[SQL_STMT_SET] = "set",
	[SQL_STMT_SHOW] = "show",
	[SQL_STMT_EXPLAIN] = "explain",
};

const char *sqlast_stmt_kind_name(enum sql_stmt_kind kind)
{
	if ((int)kind < 0 || kind >= SQL_STMT__COUNT)
		return "?";
	return stmt_kind_names[kind];
}

const char *sqlast_binop_sql(enum sql_binop op)
{
	switch (op) {
	case SQL_BINOP_ADD: return "+";
	case SQL_BINOP_SUB: return "-";
	case SQL_BINOP_MUL: return "*";
	case SQL_BINOP_DIV: return "/";
	case SQL_BINOP_MOD: return "%";
	case SQL_BINOP_CONCAT: return "||";
	case SQL_BINOP_EQ: return "=";
	case SQL_BINOP_NE: return "<>";
	case SQL_BINOP_LT: return "<";
	case SQL_BINOP_LE: return "<=";
	case SQL_BINOP_GT: return ">";
	case SQL_BINOP_GE: return ">=";
	case SQL_BINOP_IS_DISTINCT: return "IS DISTINCT FROM";
	case SQL_BINOP_IS_NOT_DISTINCT: return "IS NOT DISTINCT FROM";
	}
	return "?";
}

const char *sqlast_unop_sql(enum sql_unop op)
{
	switch (op) {
	case SQL_UNOP_NEG: return "-";
	case SQL_UNOP_PLUS: return "+";
	case SQL_UNOP_NOT: return "NOT";
	}
	return "?";
}

const char *sqlast_typename_kind_sql(enum sql_typename_kind kind)
{
	switch (kind) {
	case SQL_TYPENAME_INT2: return "SMALLINT";
	case SQL_TYPENAME_INT4: return "INT4";
	case SQL_TYPENAME_INT8: return "BIGINT";
	case SQL_TYPENAME_FLOAT4: return "REAL";
	case SQL_TYPENAME_FLOAT8: return "DOUBLE PRECISION";
	case SQL_TYPENAME_DECIMAL: return "DECIMAL";
	case SQL_TYPENAME_TEXT: return "TEXT";
	case SQL_TYPENAME_VARCHAR: return "VARCHAR";
	case SQL_TYPENAME_CHAR: return "CHAR";
	case SQL_TYPENAME_BOOL: return "BOOLEAN";
	case SQL_TYPENAME_BYTES: return "BYTEA";
	case SQL_TYPENAME_TIMESTAMP: return "TIMESTAMP";
	case SQL_TYPENAME_DATE: return "DATE";
	}
	return "?";
}

/* PostgreSQL's internal type name, used for output column names. */
static const char *pg_type_name(enum sql_typename_kind kind)
{
	switch (kind) {
	case SQL_TYPENAME_INT2: return "int2";
	case SQL_TYPENAME_INT4: return "int4";
	case SQL_TYPENAME_INT8: return "int8";
	case SQL_TYPENAME_FLOAT4: return "float4";
	case SQL_TYPENAME_FLOAT8: return "float8";
	case SQL_TYPENAME_DECIMAL: return "numeric";
	case SQL_TYPENAME_TEXT: return "text";
	case SQL_TYPENAME_VARCHAR: return "varchar";
	case SQL_TYPENAME_CHAR: return "bpchar";
	case SQL_TYPENAME_BOOL: return "bool";
	case SQL_TYPENAME_BYTES: return "bytea";
	case SQL_TYPENAME_TIMESTAMP: return "timestamp";
	case SQL_TYPENAME_DATE: return "date";
	}
	return "?column?";
}

/* PostgreSQL's FigureColnameInternal(): 2 = a real name, 1 = a fallback. */
static const char *figure_colname(const struct sql_expr *x, int *strength)
{
	const char *s;
	int st = 0;

	*strength = 0;
	if (x == NULL)
		return NULL;
	switch (x->kind) {
	case SQL_EXPR_COLUMN:
		*strength = 2;
		return x->u.col.column;
	case SQL_EXPR_FUNC:
		*strength = 2;
		return x->u.func.name;
	case SQL_EXPR_EXISTS:
		*strength = 2;
		return "exists";
	case SQL_EXPR_BOOL:
		*strength = 1;
		return "bool";
	case SQL_EXPR_CAST:
		s = figure_colname(x->u.cast.arg, &st);
		if (st > 1) {
			*strength = st;
			return s;
		}
		*strength = 1;
		return pg_type_name(x->u.cast.type.kind);
	case SQL_EXPR_CASE:
		s = figure_colname(x->u.case_.else_, &st);
		if (st > 1) {
			*strength = st;
			return s;
		}
		*strength = 1;
		return "case";
	case SQL_EXPR_SUBQUERY: {
		const struct sql_query *q = x->u.query;

		while (q->kind == SQL_QUERY_SETOP)
			q = q->u.setop.left;
		if (q->kind == SQL_QUERY_VALUES) {
			*strength = 2;
			return "column1";
		}
		s = sqlast_target_name(q->u.select.targets[0]);
		if (strcmp(s, "?column?") != 0) {
			*strength = 2;
			return s;
		}
		return NULL;
	}
	default:
		return NULL;
	}
}

const char *sqlast_target_name(const struct sql_target *t)
{
	const char *s;
	int st;

	if (t->alias != NULL)
		return t->alias;
	s = figure_colname(t->expr, &st);
	return s != NULL ? s : "?column?";
}

/* ---- output buffer ----------------------------------------------------- */

struct buf {
	char *p;
	size_t n;
	size_t cap;
	int oom;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->cap - b->n < n + 1) {
		size_t cap = b->cap ? b->cap : 64;
		char *np;

		while (cap - b->n < n + 1) {
			if (cap > SIZE_MAX / 2) {
				b->oom = 1;
				return;
			}
			cap *= 2;
		}
		np = realloc(b->p, cap);
		if (np == NULL) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void putf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void putf(struct buf *b, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->oom = 1;	/* only short numbers are printed this way */
		return;
	}
	put(b, tmp, (size_t)n);
}

/* Move the text into the arena; NULL when anything ran out of memory. */
static char *finish(struct buf *b, struct arena *a)
{
	char *s = NULL;

	if (!b->oom)
		s = arena_strndup(a, b->p != NULL ? b->p : "", b->n);
	free(b->p);
	return s;
}

/* ---- names and literals ------------------------------------------------ */

/* Lower-case word the lexer reads back as itself. */
static int plain_word(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!((*p >= 'a' && *p <= 'z') || *p == '_' || *p >= 0x80))
		return 0;
	for (p++; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '$' || *p >= 0x80))
			return 0;
	return 1;
}

static void put_quoted_ident(struct buf *b, const char *s)
{
	const char *q;

	put(b, "\"", 1);
	while ((q = strchr(s, '"')) != NULL) {
		put(b, s, (size_t)(q - s) + 1);
		put(b, "\"", 1);
		s = q + 1;
	}
	puts_(b, s);
	put(b, "\"", 1);
}

/* A name as a column/table/alias: quoted unless plain and unreserved. */
static void put_ident(struct buf *b, const char *s)
{
	if (plain_word(s) &&
	    sqllex_kw_category(sqllex_kw_lookup(s, strlen(s))) ==
	    SQLLEX_UNRESERVED)
		puts_(b, s);
	else
		put_quoted_ident(b, s);
}

/* A name where any keyword would be read as syntax (SHOW name). */
static void put_ident_strict(struct buf *b, const char *s)
{
	if (plain_word(s) && sqllex_kw_lookup(s, strlen(s)) == SQLLEX_KW_NONE)
		puts_(b, s);
	else
		put_quoted_ident(b, s);
}

static void put_funcname(struct buf *b, const char *s)
{
	if (plain_word(s) &&
	    sqllex_kw_category(sqllex_kw_lookup(s, strlen(s))) !=
	    SQLLEX_RESERVED)
		puts_(b, s);
	else
		put_quoted_ident(b, s);
}

static void put_name(struct buf *b, const struct sql_name *n)
{
	if (n->db != NULL) {
		put_ident(b, n->db);
		put(b, ".", 1);
	}
	put_ident(b, n->name);
}

static void put_string(struct buf *b, const char *s, size_t n)
{
	size_t i, start = 0;

	put(b, "'", 1);
	for (i = 0; i < n; i++) {
		if (s[i] == '\'') {
			put(b, s + start, i + 1 - start);
			put(b, "'", 1);
			start = i + 1;
		}
	}
	put(b, s + start, n - start);
	put(b, "'", 1);
}

static void put_bytes(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	put(b, "x'", 2);
	for (i = 0; i < n; i++) {
		char two[2];

		two[0] = hex[(unsigned char)s[i] >> 4];
		two[1] = hex[(unsigned char)s[i] & 15];
		put(b, two, 2);
	}
	put(b, "'", 1);
}

static void put_ident_list(struct buf *b, struct sql_ident *const *ids,
			   size_t n)
{
	size_t i;

	put(b, "(", 1);
	for (i = 0; i < n; i++) {
		if (i > 0)
			put(b, ", ", 2);
		put_ident(b, ids[i]->name);
	}
	put(b, ")", 1);
}

static void put_typename(struct buf *b, const struct sql_typename *t)
{
	puts_(b, sqlast_typename_kind_sql(t->kind));
	switch (t->kind) {
	case SQL_TYPENAME_VARCHAR:
	case SQL_TYPENAME_CHAR:
		if (t->width > 0)
			putf(b, "(%d)", t->width);
		break;
	case SQL_TYPENAME_DECIMAL:
		if (t->precision > 0)
			putf(b, "(%d,%d)", t->precision, t->scale);
		break;
	default:
		break;
	}
}

/* ---- expressions ------------------------------------------------------- */

static void put_expr(struct buf *b, const struct sql_expr *x);
static void put_query(struct buf *b, const struct sql_query *q);

static int binop_prec(enum sql_binop op)
{
	switch (op) {
	case SQL_BINOP_ADD:
	case SQL_BINOP_SUB:
		return PREC_ADD;
	case SQL_BINOP_MUL:
	case SQL_BINOP_DIV:
	case SQL_BINOP_MOD:
		return PREC_MUL;
	case SQL_BINOP_CONCAT:
		return PREC_CONCAT;
	case SQL_BINOP_IS_DISTINCT:
	case SQL_BINOP_IS_NOT_DISTINCT:
		return PREC_IS;
	default:
		return PREC_CMP;
	}
}

static int expr_prec(const struct sql_expr *x)
{
	switch (x->kind) {
	case SQL_EXPR_OR:
		return PREC_OR;
	case SQL_EXPR_AND:
		return PREC_AND;
	case SQL_EXPR_UNARY:
		return x->u.unary.op == SQL_UNOP_NOT ? PREC_NOT : PREC_UNARY;
	case SQL_EXPR_IS:
		return PREC_IS;
	case SQL_EXPR_BINARY:
		return binop_prec(x->u.binary.op);
	case SQL_EXPR_BETWEEN:
	case SQL_EXPR_IN_LIST:
	case SQL_EXPR_IN_QUERY:
	case SQL_EXPR_LIKE:
		return PREC_IN;
	case SQL_EXPR_INT:
		return x->u.i < 0 ? PREC_UNARY : PREC_PRIMARY;
	case SQL_EXPR_DECIMAL:
		return x->u.num[0] == '-' ? PREC_UNARY : PREC_PRIMARY;
	default:
		return PREC_PRIMARY;
	}
}

/* Levels whose operators do not chain: x op y op z needs parentheses. */
static int nonassoc(int prec)
{
	return prec == PREC_IS || prec == PREC_CMP || prec == PREC_IN;
}

/* x in a slot that needs at least prec (left operand: ties allowed). */
static void put_operand(struct buf *b, const struct sql_expr *x, int prec,
			int left)
{
	int p = expr_prec(x);
	int paren = p < prec || (p == prec && (!left || nonassoc(prec)));

	if (paren)
		put(b, "(", 1);
	put_expr(b, x);
	if (paren)
		put(b, ")", 1);
}

static void put_expr_list(struct buf *b, struct sql_expr *const *xs,
			  size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			put(b, ", ", 2);
		put_expr(b, xs[i]);
	}
}

/* Does x print starting with '-' (so "-" before it needs a space)? */
static int starts_with_minus(const struct sql_expr *x)
{
	return (x->kind == SQL_EXPR_UNARY && x->u.unary.op != SQL_UNOP_NOT) ||
	       (x->kind == SQL_EXPR_INT && x->u.i < 0) ||
	       (x->kind == SQL_EXPR_DECIMAL && x->u.num[0] == '-');
}

static void put_expr(struct buf *b, const struct sql_expr *x)
{
	size_t i;

	switch (x->kind) {
	case SQL_EXPR_NULL:
		puts_(b, "NULL");
		break;
	case SQL_EXPR_BOOL:
		puts_(b, x->u.b ? "TRUE" : "FALSE");
		break;
	case SQL_EXPR_INT:
		putf(b, "%" PRId64, x->u.i);
		break;
	case SQL_EXPR_DECIMAL:
		puts_(b, x->u.num);
		break;
	case SQL_EXPR_STRING:
		put_string(b, x->u.str.p, x->u.str.n);
		break;
	case SQL_EXPR_BYTES:
		put_bytes(b, x->u.str.p, x->u.str.n);
		break;
	case SQL_EXPR_DEFAULT:
		puts_(b, "DEFAULT");
		break;
	case SQL_EXPR_COLUMN:
	case SQL_EXPR_STAR:
		if (x->u.col.db != NULL) {
			put_ident(b, x->u.col.db);
			put(b, ".", 1);
		}
		if (x->u.col.table != NULL) {
			put_ident(b, x->u.col.table);
			put(b, ".", 1);
		}
		if (x->kind == SQL_EXPR_STAR)
			put(b, "*", 1);
		else
			put_ident(b, x->u.col.column);
		break;
	case SQL_EXPR_UNARY:
		puts_(b, sqlast_unop_sql(x->u.unary.op));
		if (x->u.unary.op == SQL_UNOP_NOT) {
			put(b, " ", 1);
			put_operand(b, x->u.unary.arg, PREC_NOT, 1);
		} else {
			const struct sql_expr *a = x->u.unary.arg;

			if (x->u.unary.op == SQL_UNOP_NEG &&
			    (a->kind == SQL_EXPR_INT ||
			     a->kind == SQL_EXPR_DECIMAL)) {
				/* never from the parser: it folds -5 */
				put(b, "(", 1);
				put_expr(b, a);
				put(b, ")", 1);
				break;
			}
			if (starts_with_minus(a))
				put(b, " ", 1);
			put_operand(b, a, PREC_UNARY, 1);
		}
		break;
	case SQL_EXPR_BINARY: {
		int prec = binop_prec(x->u.binary.op);

		put_operand(b, x->u.binary.left, prec, 1);
		put(b, " ", 1);
		puts_(b, sqlast_binop_sql(x->u.binary.op));
		put(b, " ", 1);
		put_operand(b, x->u.binary.right, prec, 0);
		break;
	}
	case SQL_EXPR_AND:
	case SQL_EXPR_OR: {
		int prec = x->kind == SQL_EXPR_AND ? PREC_AND : PREC_OR;

		for (i = 0; i < x->u.list.n; i++) {
			if (i > 0)
				puts_(b, prec == PREC_AND ? " AND " : " OR ");
			put_operand(b, x->u.list.args[i], prec, i == 0);
		}
		break;
	}
	case SQL_EXPR_IS:
		put_operand(b, x->u.is.arg, PREC_IS, 1);
		puts_(b, x->u.is.not_ ? " IS NOT " : " IS ");
		puts_(b, x->u.is.what == SQL_IS_NULL ? "NULL" :
		      x->u.is.what == SQL_IS_TRUE ? "TRUE" :
		      x->u.is.what == SQL_IS_FALSE ? "FALSE" : "UNKNOWN");
		break;
	case SQL_EXPR_BETWEEN:
		put_operand(b, x->u.between.arg, PREC_IN, 1);
		puts_(b, x->u.between.not_ ? " NOT BETWEEN " : " BETWEEN ");
		if (x->u.between.symmetric)
			puts_(b, "SYMMETRIC ");
		put_operand(b, x->u.between.lo, PREC_IN, 0);
		puts_(b, " AND ");
		put_operand(b, x->u.between.hi, PREC_IN, 0);
		break;
	case SQL_EXPR_IN_LIST:
		put_operand(b, x->u.in_list.arg, PREC_IN, 1);
		puts_(b, x->u.in_list.not_ ? " NOT IN (" : " IN (");
		put_expr_list(b, x->u.in_list.items, x->u.in_list.n);
		put(b, ")", 1);
		break;
	case SQL_EXPR_IN_QUERY:
		put_operand(b, x->u.in_query.arg, PREC_IN, 1);
		puts_(b, x->u.in_query.not_ ? " NOT IN (" : " IN (");
		put_query(b, x->u.in_query.query);
		put(b, ")", 1);
		break;
	case SQL_EXPR_LIKE:
		put_operand(b, x->u.like.arg, PREC_IN, 1);
		if (x->u.like.not_)
			puts_(b, " NOT");
		puts_(b, x->u.like.ilike ? " ILIKE " : " LIKE ");
		put_operand(b, x->u.like.pattern, PREC_IN, 0);
		if (x->u.like.escape != NULL) {
			puts_(b, " ESCAPE ");
			put_operand(b, x->u.like.escape, PREC_IN, 0);
		}
		break;
	case SQL_EXPR_CAST:
		puts_(b, "CAST(");
		put_expr(b, x->u.cast.arg);
		puts_(b, " AS ");
		put_typename(b, &x->u.cast.type);
		put(b, ")", 1);
		break;
	case SQL_EXPR_FUNC:
		if (x->u.func.noparens) {
			puts_(b, strcmp(x->u.func.name, "current_date") == 0 ?
			      "CURRENT_DATE" : "CURRENT_TIMESTAMP");
			break;
		}
		put_funcname(b, x->u.func.name);
		put(b, "(", 1);
		if (x->u.func.star)
			put(b, "*", 1);
		if (x->u.func.distinct)
			puts_(b, "DISTINCT ");
		put_expr_list(b, x->u.func.args, x->u.func.n);
		put(b, ")", 1);
		break;
	case SQL_EXPR_CASE:
		puts_(b, "CASE");
		if (x->u.case_.arg != NULL) {
			put(b, " ", 1);
			put_expr(b, x->u.case_.arg);
		}
		for (i = 0; i < x->u.case_.n; i++) {
			puts_(b, " WHEN ");
			put_expr(b, x->u.case_.whens[i]->cond);
			puts_(b, " THEN ");
			put_expr(b, x->u.case_.whens[i]->result);
		}
		if (x->u.case_.else_ != NULL) {
			puts_(b, " ELSE ");
			put_expr(b, x->u.case_.else_);
		}
		puts_(b, " END");
		break;
	case SQL_EXPR_SUBQUERY:
		put(b, "(", 1);
		put_query(b, x->u.query);
		put(b, ")", 1);
		break;
	case SQL_EXPR_EXISTS:
		puts_(b, "EXISTS (");
		put_query(b, x->u.query);
		put(b, ")", 1);
		break;
	case SQL_EXPR__COUNT:
		puts_(b, "?");
		break;
	}
}

/* ---- queries ----------------------------------------------------------- */

static void put_targets(struct buf *b, struct sql_target *const *ts,
			size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			put(b, ", ", 2);
		put_expr(b, ts[i]->expr);
		if (ts[i]->alias != NULL) {
			puts_(b, " AS ");
			put_ident(b, ts[i]->alias);
		}
	}
}

static void put_alias(struct buf *b, const struct sql_from *f)
{
	if (f->alias == NULL)
		return;
	puts_(b, " AS ");
	put_ident(b, f->alias);
	if (f->ncolaliases > 0) {
		put(b, " ", 1);
		put_ident_list(b, f->colaliases, f->ncolaliases);
	}
}

static void put_from(struct buf *b, const struct sql_from *f)
{
	static const char *const words[] = {
		[SQL_JOIN_INNER] = " JOIN ",
		[SQL_JOIN_LEFT] = " LEFT JOIN ",
		[SQL_JOIN_RIGHT] = " RIGHT JOIN ",
		[SQL_JOIN_FULL] = " FULL JOIN ",
		[SQL_JOIN_CROSS] = " CROSS JOIN ",
	};
	const struct sql_from *r;

	switch (f->kind) {
	case SQL_FROM_TABLE:
		put_name(b, &f->u.table);
		put_alias(b, f);
		break;
	case SQL_FROM_SUBQUERY:
		put(b, "(", 1);
		put_query(b, f->u.query);
		put(b, ")", 1);
		put_alias(b, f);
		break;
	case SQL_FROM_JOIN:
		put_from(b, f->u.join.left);
		if (f->u.join.natural)
			puts_(b, " NATURAL");
		puts_(b, words[f->u.join.kind]);
		r = f->u.join.right;
		if (r->kind == SQL_FROM_JOIN)
			put(b, "(", 1);
		put_from(b, r);
		if (r->kind == SQL_FROM_JOIN)
			put(b, ")", 1);
		if (f->u.join.on != NULL) {
			puts_(b, " ON ");
			put_expr(b, f->u.join.on);
		} else if (f->u.join.nusing > 0) {
			puts_(b, " USING ");
			put_ident_list(b, f->u.join.using_, f->u.join.nusing);
		}
		break;
	}
}

static int has_tail(const struct sql_query *q)
{
	return q->norder > 0 || q->limit != NULL || q->offset != NULL;
}

static int setop_prec(const struct sql_query *q)
{
	if (q->kind != SQL_QUERY_SETOP)
		return 3;
	return q->u.setop.op == SQL_SETOP_INTERSECT ? 2 : 1;
}

static void put_setop_operand(struct buf *b, const struct sql_query *q,
			      int prec, int left)
{
	int p = setop_prec(q);
	int paren = has_tail(q) || p < prec || (!left && p == prec);

	if (paren)
		put(b, "(", 1);
	put_query(b, q);
	if (paren)
		put(b, ")", 1);
}

static void put_query(struct buf *b, const struct sql_query *q)
{
	static const char *const ops[] = {
		[SQL_SETOP_UNION] = " UNION ",
		[SQL_SETOP_INTERSECT] = " INTERSECT ",
		[SQL_SETOP_EXCEPT] = " EXCEPT ",
	};
	const struct sql_select *s;
	size_t i;

	switch (q->kind) {
	case SQL_QUERY_SELECT:
		s = &q->u.select;
		puts_(b, s->distinct ? "SELECT DISTINCT " : "SELECT ");
		put_targets(b, s->targets, s->ntargets);
		for (i = 0; i < s->nfrom; i++) {
			puts_(b, i == 0 ? " FROM " : ", ");
			put_from(b, s->from[i]);
		}
		if (s->as_of != NULL) {
			puts_(b, " AS OF SYSTEM TIME ");
			put_expr(b, s->as_of);
		}
		if (s->where != NULL) {
			puts_(b, " WHERE ");
			put_expr(b, s->where);
		}
		if (s->ngroup_by > 0) {
			puts_(b, " GROUP BY ");
			put_expr_list(b, s->group_by, s->ngroup_by);
		}
		if (s->having != NULL) {
			puts_(b, " HAVING ");
			put_expr(b, s->having);
		}
		break;
	case SQL_QUERY_VALUES:
		puts_(b, "VALUES ");
		for (i = 0; i < q->u.values.n; i++) {
			if (i > 0)
				put(b, ", ", 2);
			put(b, "(", 1);
			put_expr_list(b, q->u.values.rows[i]->items,
				      q->u.values.rows[i]->n);
			put(b, ")", 1);
		}
		break;
	case SQL_QUERY_SETOP: {
		int prec = setop_prec(q);

		put_setop_operand(b, q->u.setop.left, prec, 1);
		puts_(b, ops[q->u.setop.op]);
		if (q->u.setop.all)
			puts_(b, "ALL ");
		put_setop_operand(b, q->u.setop.right, prec, 0);
		break;
	}
	}
	for (i = 0; i < q->norder; i++) {
		const struct sql_order *o = q->order[i];

		puts_(b, i == 0 ? " ORDER BY " : ", ");
		put_expr(b, o->expr);
		if (o->desc)
			puts_(b, " DESC");
		if (o->nulls == SQL_NULLS_FIRST)
			puts_(b, " NULLS FIRST");
		else if (o->nulls == SQL_NULLS_LAST)
			puts_(b, " NULLS LAST");
	}
	if (q->limit != NULL) {
		puts_(b, " LIMIT ");
		put_expr(b, q->limit);
	}
	if (q->offset != NULL) {
		puts_(b, " OFFSET ");
		put_expr(b, q->offset);
	}
}

/* ---- statements -------------------------------------------------------- */

static void put_returning(struct buf *b, struct sql_target *const *ts,
			  size_t n)
{
	if (n == 0)
		return;
	puts_(b, " RETURNING ");
	put_targets(b, ts, n);
}

static void put_assigns(struct buf *b, struct sql_assign *const *as, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			put(b, ", ", 2);
		put_ident(b, as[i]->column);
		puts_(b, " = ");
		put_expr(b, as[i]->value);
	}
}

static void put_insert(struct buf *b, const struct sql_insert *ins)
{
	puts_(b, ins->replace ? "REPLACE INTO " :
	      ins->upsert ? "UPSERT INTO " : "INSERT INTO ");
	put_name(b, &ins->table);
	if (ins->alias != NULL) {
		puts_(b, " AS ");
		put_ident(b, ins->alias);
	}
	if (ins->ncolumns > 0) {
		put(b, " ", 1);
		put_ident_list(b, ins->columns, ins->ncolumns);
	}
	if (ins->source == NULL) {
		puts_(b, " DEFAULT VALUES");
	} else {
		put(b, " ", 1);
		put_query(b, ins->source);
	}
	if (ins->on_conflict != SQL_CONFLICT_NONE) {
		puts_(b, " ON CONFLICT");
		if (ins->nconflict_cols > 0) {
			put(b, " ", 1);
			put_ident_list(b, ins->conflict_cols,
				       ins->nconflict_cols);
		}
		if (ins->on_conflict == SQL_CONFLICT_NOTHING) {
			puts_(b, " DO NOTHING");
		} else {
			puts_(b, " DO UPDATE SET ");
			put_assigns(b, ins->set, ins->nset);
			if (ins->conflict_where != NULL) {
				puts_(b, " WHERE ");
				put_expr(b, ins->conflict_where);
			}
		}
	}
	put_returning(b, ins->returning, ins->nreturning);
}

static void put_constraint(struct buf *b, const struct sql_constraint *c)
{
	if (c->name != NULL) {
		puts_(b, "CONSTRAINT ");
		put_ident(b, c->name);
		put(b, " ", 1);
	}
	switch (c->kind) {
	case SQL_CONSTRAINT_PRIMARY_KEY:
		puts_(b, "PRIMARY KEY");
		break;
	case SQL_CONSTRAINT_UNIQUE:
		puts_(b, "UNIQUE");
		break;
	case SQL_CONSTRAINT_CHECK:
		puts_(b, "CHECK (");
		put_expr(b, c->check);
		put(b, ")", 1);
		return;
	}
	if (c->ncolumns > 0) {
		put(b, " ", 1);
		put_ident_list(b, c->columns, c->ncolumns);
	}
}

static void put_create_table(struct buf *b, const struct sql_create_table *ct)
{
	size_t i, k;

	puts_(b, "CREATE TABLE ");
	if (ct->if_not_exists)
		puts_(b, "IF NOT EXISTS ");
	put_name(b, &ct->table);
	if (ct->as_query != NULL) {
		puts_(b, " AS ");
		put_query(b, ct->as_query);
		return;
	}
	puts_(b, " (");
	for (i = 0; i < ct->ncolumns; i++) {
		const struct sql_coldef *cd = ct->columns[i];

		if (i > 0)
			put(b, ", ", 2);
		put_ident(b, cd->name);
		put(b, " ", 1);
		put_typename(b, &cd->type);
		if (cd->not_null)
			puts_(b, " NOT NULL");
		if (cd->null_)
			puts_(b, " NULL");
		if (cd->default_ != NULL) {
			puts_(b, " DEFAULT ");
			put_expr(b, cd->default_);
		}
		for (k = 0; k < cd->nconstraints; k++) {
			put(b, " ", 1);
			put_constraint(b, cd->constraints[k]);
		}
	}
	for (i = 0; i < ct->nconstraints; i++) {
		if (i > 0 || ct->ncolumns > 0)
			put(b, ", ", 2);
		put_constraint(b, ct->constraints[i]);
	}
	put(b, ")", 1);
}

static void put_drop(struct buf *b, const struct sql_stmt *s)
{
	const struct sql_drop *d = s->u.drop;
	size_t i;

	puts_(b, s->kind == SQL_STMT_DROP_TABLE ? "DROP TABLE " :
	      s->kind == SQL_STMT_DROP_VIEW ? "DROP VIEW " :
	      s->kind == SQL_STMT_DROP_INDEX ? "DROP INDEX " :
	      "DROP DATABASE ");
	if (d->if_exists)
		puts_(b, "IF EXISTS ");
	if (s->kind == SQL_STMT_DROP_INDEX && d->index_table != NULL) {
		if (d->names[0]->db != NULL) {
			put_name(b, d->names[0]);
			puts_(b, " ON ");
			put_name(b, d->index_table);
		} else {
			put_name(b, d->index_table);
			put(b, "@", 1);
			put_ident(b, d->names[0]->name);
		}
	} else {
		for (i = 0; i < d->nnames; i++) {
			if (i > 0)
				put(b, ", ", 2);
			put_name(b, d->names[i]);
		}
	}
	if (d->behavior == SQL_DROP_CASCADE)
		puts_(b, " CASCADE");
	else if (d->behavior == SQL_DROP_RESTRICT)
		puts_(b, " RESTRICT");
}

static void put_set(struct buf *b, const struct sql_set *st)
{
	size_t i;

	puts_(b, "SET ");
	put_ident(b, st->name);
	puts_(b, " = ");
	for (i = 0; i < st->nvalues; i++) {
		const struct sql_setval *v = st->values[i];

		if (i > 0)
			put(b, ", ", 2);
		switch (v->kind) {
		case SQL_SETVAL_WORD:
			if (plain_word(v->text) && strcmp(v->text, "default"))
				puts_(b, v->text);
			else
				put_quoted_ident(b, v->text);
			break;
		case SQL_SETVAL_STRING:
			put_string(b, v->text, strlen(v->text));
			break;
		case SQL_SETVAL_NUMBER:
			puts_(b, v->text);
			break;
		case SQL_SETVAL_DEFAULT:
			puts_(b, "DEFAULT");
			break;
		}
	}
}

static void put_show(struct buf *b, const struct sql_show *sh)
{
	switch (sh->what) {
	case SQL_SHOW_VAR:
		puts_(b, "SHOW ");
		put_ident_strict(b, sh->var);
		break;
	case SQL_SHOW_TABLES:
		puts_(b, "SHOW TABLES");
		if (sh->db != NULL) {
			puts_(b, " FROM ");
			put_ident(b, sh->db);
		}
		break;
	case SQL_SHOW_DATABASES:
		puts_(b, "SHOW DATABASES");
		break;
	case SQL_SHOW_CREATE:
		puts_(b, "SHOW CREATE TABLE ");
		put_name(b, &sh->table);
		break;
	case SQL_SHOW_COLUMNS:
		puts_(b, "SHOW COLUMNS FROM ");
		put_name(b, &sh->table);
		break;
	case SQL_SHOW_INDEXES:
		puts_(b, "SHOW INDEXES FROM ");
		put_name(b, &sh->table);
		break;
	case SQL_SHOW_RANGES_TABLE:
		puts_(b, "SHOW RANGES FROM TABLE ");
		put_name(b, &sh->table);
		break;
	case SQL_SHOW_RANGES_INDEX:
		puts_(b, "SHOW RANGES FROM INDEX ");
		put_name(b, &sh->table);
		put(b, "@", 1);
		put_ident(b, sh->index);
		break;
	}
}

static const char *const isolation_sql[] = {
	[SQL_ISOLATION_DEFAULT] = "",
	[SQL_ISOLATION_SERIALIZABLE] = " ISOLATION LEVEL SERIALIZABLE",
	[SQL_ISOLATION_REPEATABLE_READ] = " ISOLATION LEVEL REPEATABLE READ",
	[SQL_ISOLATION_READ_COMMITTED] = " ISOLATION LEVEL READ COMMITTED",
	[SQL_ISOLATION_READ_UNCOMMITTED] =
		" ISOLATION LEVEL READ UNCOMMITTED",
};

static void put_stmt(struct buf *b, const struct sql_stmt *s)
{
	size_t i;

	switch (s->kind) {
	case SQL_STMT_QUERY:
		put_query(b, s->u.query);
		break;
	case SQL_STMT_INSERT:
		put_insert(b, s->u.insert);
		break;
	case SQL_STMT_UPDATE:
		puts_(b, "UPDATE ");
		put_name(b, &s->u.update->table);
		if (s->u.update->alias != NULL) {
			puts_(b, " AS ");
			put_ident(b, s->u.update->alias);
		}
		puts_(b, " SET ");
		put_assigns(b, s->u.update->set, s->u.update->nset);
		if (s->u.update->where != NULL) {
			puts_(b, " WHERE ");
			put_expr(b, s->u.update->where);
		}
		put_returning(b, s->u.update->returning,
			      s->u.update->nreturning);
		break;
	case SQL_STMT_DELETE:
		puts_(b, "DELETE FROM ");
		put_name(b, &s->u.delete_->table);
		if (s->u.delete_->alias != NULL) {
			puts_(b, " AS ");
			put_ident(b, s->u.delete_->alias);
		}
		if (s->u.delete_->where != NULL) {
			puts_(b, " WHERE ");
			put_expr(b, s->u.delete_->where);
		}
		put_returning(b, s->u.delete_->returning,
			      s->u.delete_->nreturning);
		break;
	case SQL_STMT_CREATE_TABLE:
		put_create_table(b, s->u.create_table);
		break;
	case SQL_STMT_CREATE_INDEX: {
		const struct sql_create_index *ci = s->u.create_index;

		puts_(b, ci->unique ? "CREATE UNIQUE INDEX " :
		      "CREATE INDEX ");
		if (ci->if_not_exists)
			puts_(b, "IF NOT EXISTS ");
		if (ci->name != NULL) {
			put_ident(b, ci->name);
			put(b, " ", 1);
		}
		puts_(b, "ON ");
		put_name(b, &ci->table);
		puts_(b, " (");
		for (i = 0; i < ci->ncolumns; i++) {
			if (i > 0)
				put(b, ", ", 2);
			put_ident(b, ci->columns[i]->name);
			if (ci->columns[i]->desc)
				puts_(b, " DESC");
		}
		put(b, ")", 1);
		break;
	}
	case SQL_STMT_CREATE_VIEW: {
		const struct sql_create_view *cv = s->u.create_view;

		puts_(b, "CREATE VIEW ");
		if (cv->if_not_exists)
			puts_(b, "IF NOT EXISTS ");
		put_name(b, &cv->view);
		if (cv->ncolumns > 0) {
			put(b, " ", 1);
			put_ident_list(b, cv->columns, cv->ncolumns);
		}
		puts_(b, " AS ");
		put_query(b, cv->query);
		break;
	}
	case SQL_STMT_CREATE_DATABASE:
		puts_(b, "CREATE DATABASE ");
		if (s->u.create_database->if_not_exists)
			puts_(b, "IF NOT EXISTS ");
		put_ident(b, s->u.create_database->name);
		break;
	case SQL_STMT_DROP_TABLE:
	case SQL_STMT_DROP_VIEW:
	case SQL_STMT_DROP_INDEX:
	case SQL_STMT_DROP_DATABASE:
		put_drop(b, s);
		break;
	case SQL_STMT_TRUNCATE:
		puts_(b, "TRUNCATE TABLE ");
		for (i = 0; i < s->u.truncate->ntables; i++) {
			if (i > 0)
				put(b, ", ", 2);
			put_name(b, s->u.truncate->tables[i]);
		}
		break;
	case SQL_STMT_BEGIN:
		puts_(b, "BEGIN");
		puts_(b, isolation_sql[s->u.begin->isolation]);
		break;
	case SQL_STMT_COMMIT:
		puts_(b, "COMMIT");
		break;
	case SQL_STMT_ROLLBACK:
		puts_(b, "ROLLBACK");
		break;
	case SQL_STMT_SET:
		put_set(b, s->u.set);
		break;
	case SQL_STMT_SHOW:
		put_show(b, s->u.show);
		break;
	case SQL_STMT_EXPLAIN:
		puts_(b, "EXPLAIN ");
		put_stmt(b, s->u.explain->stmt);
		break;
	case SQL_STMT__COUNT:
		puts_(b, "?");
		break;
	}
}

char *sqlast_expr_to_sql(struct arena *a, const struct sql_expr *x)
{
	struct buf b = { 0 };

	put_expr(&b, x);
	return finish(&b, a);
}

char *sqlast_query_to_sql(struct arena *a, const struct sql_query *q)
{
	struct buf b = { 0 };

	put_query(&b, q);
	return finish(&b, a);
}

char *sqlast_stmt_to_sql(struct arena *a, const struct sql_stmt *s)
{
	struct buf b = { 0 };

	put_stmt(&b, s);
	return finish(&b, a);
}

char *sqlast_typename_to_sql(struct arena *a, const struct sql_typename *t)
{
	struct buf b = { 0 };

	put_typename(&b, t);
	return finish(&b, a);
}

/* ---- structural equality ----------------------------------------------- */

static int str_eq(const char *x, const char *y)
{
	if (x == NULL || y == NULL)
		return x == y;
	return strcmp(x, y) == 0;
}

static int typename_eq(const struct sql_typename *x,
		       const struct sql_typename *y)
{
	return x->kind == y->kind && x->width == y->width &&
	       x->precision == y->precision && x->scale == y->scale;
}

static int name_eq(const struct sql_name *x, const struct sql_name *y)
{
	if (x == NULL || y == NULL)
		return x == y;
	return str_eq(x->db, y->db) && str_eq(x->name, y->name);
}

static int names_eq(struct sql_name *const *x, size_t nx,
		    struct sql_name *const *y, size_t ny)
{
	size_t i;

	if (nx != ny)
		return 0;
	for (i = 0; i < nx; i++)
		if (!name_eq(x[i], y[i]))
			return 0;
	return 1;
}

static int idents_eq(struct sql_ident *const *x, size_t nx,
		     struct sql_ident *const *y, size_t ny)
{
	size_t i;

	if (nx != ny)
		return 0;
	for (i = 0; i < nx; i++)
		if (!str_eq(x[i]->name, y[i]->name))
			return 0;
	return 1;
}

static int exprs_eq(struct sql_expr *const *x, size_t nx,
		    struct sql_expr *const *y, size_t ny)
{
	size_t i;

	if (nx != ny)
		return 0;
	for (i = 0; i < nx; i++)
		if (!sqlast_expr_equal(x[i], y[i]))
			return 0;
	return 1;
}

static int targets_eq(struct sql_target *const *x, size_t nx,
		      struct sql_target *const *y, size_t ny)
{
	size_t i;

	if (nx != ny)
		return 0;
	for (i = 0; i < nx; i++)
		if (!sqlast_expr_equal(x[i]->expr, y[i]->expr) ||
		    !str_eq(x[i]->alias, y[i]->alias))
			return 0;
	return 1;
}

static int assigns_eq(struct sql_assign *const *x, size_t nx,
		      struct sql_assign *const *y, size_t ny)
{
	size_t i;

	if (nx != ny)
		return 0;
	for (i = 0; i < nx; i++)
		if (!str_eq(x[i]->column, y[i]->column) ||
		    !sqlast_expr_equal(x[i]->value, y[i]->value))
			return 0;
	return 1;
}

int sqlast_expr_equal(const struct sql_expr *x, const struct sql_expr *y)
{
	size_t i;

	if (x == NULL || y == NULL)
		return x == y;
	if (x->kind != y->kind)
		return 0;
	switch (x->kind) {
	case SQL_EXPR_NULL:
	case SQL_EXPR_DEFAULT:
		return 1;
	case SQL_EXPR_BOOL:
		return !x->u.b == !y->u.b;
	case SQL_EXPR_INT:
		return x->u.i == y->u.i;
	case SQL_EXPR_DECIMAL:
		return str_eq(x->u.num, y->u.num);
	case SQL_EXPR_STRING:
	case SQL_EXPR_BYTES:
		return x->u.str.n == y->u.str.n &&
		       (x->u.str.n == 0 ||
			memcmp(x->u.str.p, y->u.str.p, x->u.str.n) == 0);
	case SQL_EXPR_COLUMN:
	case SQL_EXPR_STAR:
		return str_eq(x->u.col.db, y->u.col.db) &&
		       str_eq(x->u.col.table, y->u.col.table) &&
		       str_eq(x->u.col.column, y->u.col.column);
	case SQL_EXPR_UNARY:
		return x->u.unary.op == y->u.unary.op &&
		       sqlast_expr_equal(x->u.unary.arg, y->u.unary.arg);
	case SQL_EXPR_BINARY:
		return x->u.binary.op == y->u.binary.op &&
		       sqlast_expr_equal(x->u.binary.left, y->u.binary.left) &&
		       sqlast_expr_equal(x->u.binary.right, y->u.binary.right);
	case SQL_EXPR_AND:
	case SQL_EXPR_OR:
		return exprs_eq(x->u.list.args, x->u.list.n, y->u.list.args,
				y->u.list.n);
	case SQL_EXPR_IS:
		return x->u.is.what == y->u.is.what &&
		       !x->u.is.not_ == !y->u.is.not_ &&
		       sqlast_expr_equal(x->u.is.arg, y->u.is.arg);
	case SQL_EXPR_BETWEEN:
		return !x->u.between.not_ == !y->u.between.not_ &&
		       !x->u.between.symmetric == !y->u.between.symmetric &&
		       sqlast_expr_equal(x->u.between.arg, y->u.between.arg) &&
		       sqlast_expr_equal(x->u.between.lo, y->u.between.lo) &&
		       sqlast_expr_equal(x->u.between.hi, y->u.between.hi);
	case SQL_EXPR_IN_LIST:
		return !x->u.in_list.not_ == !y->u.in_list.not_ &&
		       sqlast_expr_equal(x->u.in_list.arg, y->u.in_list.arg) &&
		       exprs_eq(x->u.in_list.items, x->u.in_list.n,
				y->u.in_list.items, y->u.in_list.n);
	case SQL_EXPR_IN_QUERY:
		return !x->u.in_query.not_ == !y->u.in_query.not_ &&
		       sqlast_expr_equal(x->u.in_query.arg,
					 y->u.in_query.arg) &&
		       sqlast_query_equal(x->u.in_query.query,
					  y->u.in_query.query);
	case SQL_EXPR_LIKE:
		return !x->u.like.not_ == !y->u.like.not_ &&
		       !x->u.like.ilike == !y->u.like.ilike &&
		       sqlast_expr_equal(x->u.like.arg, y->u.like.arg) &&
		       sqlast_expr_equal(x->u.like.pattern,
					 y->u.like.pattern) &&
		       sqlast_expr_equal(x->u.like.escape, y->u.like.escape);
	case SQL_EXPR_CAST:
		return typename_eq(&x->u.cast.type, &y->u.cast.type) &&
		       sqlast_expr_equal(x->u.cast.arg, y->u.cast.arg);
	case SQL_EXPR_FUNC:
		return str_eq(x->u.func.name, y->u.func.name) &&
		       !x->u.func.star == !y->u.func.star &&
		       !x->u.func.distinct == !y->u.func.distinct &&
		       !x->u.func.noparens == !y->u.func.noparens &&
		       exprs_eq(x->u.func.args, x->u.func.n, y->u.func.args,
				y->u.func.n);
	case SQL_EXPR_CASE:
		if (x->u.case_.n != y->u.case_.n ||
		    !sqlast_expr_equal(x->u.case_.arg, y->u.case_.arg) ||
		    !sqlast_expr_equal(x->u.case_.else_, y->u.case_.else_))
			return 0;
		for (i = 0; i < x->u.case_.n; i++)
			if (!sqlast_expr_equal(x->u.case_.whens[i]->cond,
					       y->u.case_.whens[i]->cond) ||
			    !sqlast_expr_equal(x->u.case_.whens[i]->result,
					       y->u.case_.whens[i]->result))
				return 0;
		return 1;
	case SQL_EXPR_SUBQUERY:
	case SQL_EXPR_EXISTS:
		return sqlast_query_equal(x->u.query, y->u.query);
	case SQL_EXPR__COUNT:
		break;
	}
	return 0;
}

static int from_equal(const struct sql_from *x, const struct sql_from *y)
{
	if (x == NULL || y == NULL)
		return x == y;
	if (x->kind != y->kind || !str_eq(x->alias, y->alias) ||
	    !idents_eq(x->colaliases, x->ncolaliases, y->colaliases,
		       y->ncolaliases))
		return 0;
	switch (x->kind) {
	case SQL_FROM_TABLE:
		return name_eq(&x->u.table, &y->u.table);
	case SQL_FROM_SUBQUERY:
		return sqlast_query_equal(x->u.query, y->u.query);
	case SQL_FROM_JOIN:
		return x->u.join.kind == y->u.join.kind &&
		       !x->u.join.natural == !y->u.join.natural &&
		       from_equal(x->u.join.left, y->u.join.left) &&
		       from_equal(x->u.join.right, y->u.join.right) &&
		       sqlast_expr_equal(x->u.join.on, y->u.join.on) &&
		       idents_eq(x->u.join.using_, x->u.join.nusing,
				 y->u.join.using_, y->u.join.nusing);
	}
	return 0;
}

int sqlast_query_equal(const struct sql_query *x, const struct sql_query *y)
{
	size_t i;

	if (x == NULL || y == NULL)
		return x == y;
	if (x->kind != y->kind || x->norder != y->norder ||
	    !sqlast_expr_equal(x->limit, y->limit) ||
	    !sqlast_expr_equal(x->offset, y->offset))
		return 0;
	for (i = 0; i < x->norder; i++)
		if (!sqlast_expr_equal(x->order[i]->expr, y->order[i]->expr) ||
		    !x->order[i]->desc != !y->order[i]->desc ||
		    x->order[i]->nulls != y->order[i]->nulls)
			return 0;
	switch (x->kind) {
	case SQL_QUERY_SELECT: {
		const struct sql_select *a = &x->u.select, *b = &y->u.select;

		if (!a->distinct != !b->distinct || a->nfrom != b->nfrom ||
		    !targets_eq(a->targets, a->ntargets, b->targets,
				b->ntargets) ||
		    !sqlast_expr_equal(a->as_of, b->as_of) ||
		    !sqlast_expr_equal(a->where, b->where) ||
		    !exprs_eq(a->group_by, a->ngroup_by, b->group_by,
			      b->ngroup_by) ||
		    !sqlast_expr_equal(a->having, b->having))
			return 0;
		for (i = 0; i < a->nfrom; i++)
			if (!from_equal(a->from[i], b->from[i]))
				return 0;
		return 1;
	}
	case SQL_QUERY_VALUES:
		if (x->u.values.n != y->u.values.n)
			return 0;
		for (i = 0; i < x->u.values.n; i++)
			if (!exprs_eq(x->u.values.rows[i]->items,
				      x->u.values.rows[i]->n,
				      y->u.values.rows[i]->items,
				      y->u.values.rows[i]->n))
				return 0;
		return 1;
	case SQL_QUERY_SETOP:
		return x->u.setop.op == y->u.setop.op &&
		       !x->u.setop.all == !y->u.setop.all &&
		       sqlast_query_equal(x->u.setop.left, y->u.setop.left) &&
		       sqlast_query_equal(x->u.setop.right, y->u.setop.right);
	}
	return 0;
}

static int constraint_eq(const struct sql_constraint *x,
			 const struct sql_constraint *y)
{
	return x->kind == y->kind && str_eq(x->name, y->name) &&
	       idents_eq(x->columns, x->ncolumns, y->columns, y->ncolumns) &&
	       sqlast_expr_equal(x->check, y->check);
}

static int constraints_eq(struct sql_constraint *const *x, size_t nx,
			  struct sql_constraint *const *y, size_t ny)
{
	size_t i;

	if (nx != ny)
		return 0;
	for (i = 0; i < nx; i++)
		if (!constraint_eq(x[i], y[i]))
			return 0;
	return 1;
}

static int create_table_eq(const struct sql_create_table *x,
			   const struct sql_create_table *y)
{
	size_t i;

	if (!name_eq(&x->table, &y->table) ||
	    !x->if_not_exists != !y->if_not_exists ||
	    x->ncolumns != y->ncolumns ||
	    !constraints_eq(x->constraints, x->nconstraints, y->constraints,
			    y->nconstraints) ||
	    !sqlast_query_equal(x->as_query, y->as_query))
		return 0;
	for (i = 0; i < x->ncolumns; i++) {
		const struct sql_coldef *a = x->columns[i], *b = y->columns[i];

		if (!str_eq(a->name, b->name) ||
		    !typename_eq(&a->type, &b->type) ||
		    !a->not_null != !b->not_null || !a->null_ != !b->null_ ||
		    !sqlast_expr_equal(a->default_, b->default_) ||
		    !constraints_eq(a->constraints, a->nconstraints,
				    b->constraints, b->nconstraints))
			return 0;
	}
	return 1;
}

static int insert_eq(const struct sql_insert *x, const struct sql_insert *y)
{
	return name_eq(&x->table, &y->table) && str_eq(x->alias, y->alias) &&
	       idents_eq(x->columns, x->ncolumns, y->columns, y->ncolumns) &&
	       sqlast_query_equal(x->source, y->source) &&
	       !x->upsert == !y->upsert && !x->replace == !y->replace &&
	       x->on_conflict == y->on_conflict &&
	       idents_eq(x->conflict_cols, x->nconflict_cols, y->conflict_cols,
			 y->nconflict_cols) &&
	       assigns_eq(x->set, x->nset, y->set, y->nset) &&
	       sqlast_expr_equal(x->conflict_where, y->conflict_where) &&
	       targets_eq(x->returning, x->nreturning, y->returning,
			  y->nreturning);
}

int sqlast_stmt_equal(const struct sql_stmt *x, const struct sql_stmt *y)
{
	size_t i;

	if (x == NULL || y == NULL)
		return x == y;
	if (x->kind != y->kind)
		return 0;
	switch (x->kind) {
	case SQL_STMT_QUERY:
		return sqlast_query_equal(x->u.query, y->u.query);
	case SQL_STMT_INSERT:
		return insert_eq(x->u.insert, y->u.insert);
	case SQL_STMT_UPDATE: {
		const struct sql_update *a = x->u.update, *b = y->u.update;

		return name_eq(&a->table, &b->table) &&
		       str_eq(a->alias, b->alias) &&
		       assigns_eq(a->set, a->nset, b->set, b->nset) &&
		       sqlast_expr_equal(a->where, b->where) &&
		       targets_eq(a->returning, a->nreturning, b->returning,
				  b->nreturning);
	}
	case SQL_STMT_DELETE: {
		const struct sql_delete *a = x->u.delete_, *b = y->u.delete_;

		return name_eq(&a->table, &b->table) &&
		       str_eq(a->alias, b->alias) &&
		       sqlast_expr_equal(a->where, b->where) &&
		       targets_eq(a->returning, a->nreturning, b->returning,
				  b->nreturning);
	}
	case SQL_STMT_CREATE_TABLE:
		return create_table_eq(x->u.create_table, y->u.create_table);
	case SQL_STMT_CREATE_INDEX: {
		const struct sql_create_index *a = x->u.create_index;
		const struct sql_create_index *b = y->u.create_index;

		if (!str_eq(a->name, b->name) ||
		    !name_eq(&a->table, &b->table) ||
		    !a->unique != !b->unique ||
		    !a->if_not_exists != !b->if_not_exists ||
		    a->ncolumns != b->ncolumns)
			return 0;
		for (i = 0; i < a->ncolumns; i++)
			if (!str_eq(a->columns[i]->name,
				    b->columns[i]->name) ||
			    !a->columns[i]->desc != !b->columns[i]->desc)
				return 0;
		return 1;
	}
	case SQL_STMT_CREATE_VIEW: {
		const struct sql_create_view *a = x->u.create_view;
		const struct sql_create_view *b = y->u.create_view;

		return name_eq(&a->view, &b->view) &&
		       !a->if_not_exists == !b->if_not_exists &&
		       idents_eq(a->columns, a->ncolumns, b->columns,
				 b->ncolumns) &&
		       sqlast_query_equal(a->query, b->query);
	}
	case SQL_STMT_CREATE_DATABASE:
		return str_eq(x->u.create_database->name,
			      y->u.create_database->name) &&
		       !x->u.create_database->if_not_exists ==
		       !y->u.create_database->if_not_exists;
	case SQL_STMT_DROP_TABLE:
	case SQL_STMT_DROP_VIEW:
	case SQL_STMT_DROP_INDEX:
	case SQL_STMT_DROP_DATABASE:
		return !x->u.drop->if_exists == !y->u.drop->if_exists &&
		       x->u.drop->behavior == y->u.drop->behavior &&
		       names_eq(x->u.drop->names, x->u.drop->nnames,
				y->u.drop->names, y->u.drop->nnames) &&
		       name_eq(x->u.drop->index_table, y->u.drop->index_table);
	case SQL_STMT_TRUNCATE:
		return names_eq(x->u.truncate->tables, x->u.truncate->ntables,
				y->u.truncate->tables, y->u.truncate->ntables);
	case SQL_STMT_BEGIN:
		return x->u.begin->isolation == y->u.begin->isolation;
	case SQL_STMT_COMMIT:
	case SQL_STMT_ROLLBACK:
		return 1;
	case SQL_STMT_SET:
		if (!str_eq(x->u.set->name, y->u.set->name) ||
		    x->u.set->nvalues != y->u.set->nvalues)
			return 0;
		for (i = 0; i < x->u.set->nvalues; i++)
			if (x->u.set->values[i]->kind !=
			    y->u.set->values[i]->kind ||
			    !str_eq(x->u.set->values[i]->text,
				    y->u.set->values[i]->text))
				return 0;
		return 1;
	case SQL_STMT_SHOW: {
		const struct sql_show *a = x->u.show, *b = y->u.show;

		return a->what == b->what && str_eq(a->var, b->var) &&
		       str_eq(a->db, b->db) && name_eq(&a->table, &b->table) &&
		       str_eq(a->index, b->index);
	}
	case SQL_STMT_EXPLAIN:
		return sqlast_stmt_equal(x->u.explain->stmt,
					 y->u.explain->stmt);
	case SQL_STMT__COUNT:
		break;
	}
	return 0;
}
