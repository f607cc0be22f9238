/*
 * sqlparse.c -- recursive-descent SQL parser (see sqlparse.h, sqlast.h).
 *
 * Shape: one function per grammar rule, each returning the node it built
 * or NULL (int functions: 0 / -1) after recording the error in the parser.
 * The first error wins: once p->failed is set nothing overwrites it, and a
 * lexer error turns every later token into end-of-input, so the parse
 * unwinds quickly.  Expressions use precedence climbing (climb()).
 *
 * Two limits keep the C stack bounded whatever the input: p->depth counts
 * nested parentheses, subqueries, unary operators and other recursive
 * constructs (enter()/leave()), and every node's height is checked when a
 * child is attached (kid()), which also bounds trees built by loops, such
 * as long "1+1+...+1" chains, for the recursive code that walks them.
 *
 * Ambiguous parentheses: "(" may open a subquery or an expression in an
 * expression, and a subquery or a join in FROM.  paren_tail() and
 * from_paren_tail() parse what follows and decide from what they find,
 * so "((SELECT 1) UNION (SELECT 2))", "((SELECT 1) + 1)" and
 * "((SELECT 1) AS x JOIN t ON true)" all work without backtracking.
 *
 * Lists grow by doubling inside the arena: a list of n items has room for
 * the next power of two, so appending needs no capacity field (AND/OR
 * chains append to the node's own list).
 */
#include "sqlparse.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "sqllex.h"

#define LOOKAHEAD 8

/* Binding power of operators, lowest first. */
enum {
	PREC_OR = 1,
	PREC_AND,
	PREC_NOT,
	PREC_IS,
	PREC_CMP,
	PREC_IN,		/* BETWEEN IN LIKE ILIKE */
	PREC_CONCAT,
	PREC_ADD,
	PREC_MUL,
	PREC_UNARY,
	PREC_CAST
};

struct parser {
	struct arena *a;
	struct sqlerr *e;
	struct sqllex lx;
	struct sqllex_token la[LOOKAHEAD];	/* ring of lexed tokens */
	int head;
	int nla;
	int failed;		/* an error is recorded in e */
	size_t last_end;	/* offset after the last consumed token */
	int depth;		/* recursion depth, see enter() */
	int insert_values;	/* next query primary is an INSERT source */
	int default_pos;	/* first DEFAULT in that source, 0 = none */
};

static const struct sqllex_token eof_token;

/* ---- tokens ------------------------------------------------------------ */

/* The k-th token ahead (k < LOOKAHEAD); end of input after an error. */
static const struct sqllex_token *tok(struct parser *p, int k)
{
	while (p->nla <= k) {
		struct sqllex_token *t;

		if (p->failed)
			return &eof_token;
		t = &p->la[(p->head + p->nla) % LOOKAHEAD];
		if (sqllex_next(&p->lx, t, p->e) < 0) {
			p->failed = 1;
			return &eof_token;
		}
		p->nla++;
	}
	return &p->la[(p->head + k) % LOOKAHEAD];
}

static void next(struct parser *p)
{
	const struct sqllex_token *t = tok(p, 0);

	if (p->nla == 0)
		return;
	p->last_end = t->off + t->len;
	p->head = (p->head + 1) % LOOKAHEAD;
	p->nla--;
}

static int is_kw(const struct sqllex_token *t, enum sqllex_kw kw)
{
	return t->kind == SQLLEX_IDENT && t->kw == kw;
}

static int peek_kw(struct parser *p, int k, enum sqllex_kw kw)
{
	return is_kw(tok(p, k), kw);
}

static int peek_is(struct parser *p, int k, enum sqllex_tok kind)
{
	return tok(p, k)->kind == kind;
}

static int accept_kw(struct parser *p, enum sqllex_kw kw)
{
	if (!peek_kw(p, 0, kw))
		return 0;
	next(p);
	return 1;
}

static int accept(struct parser *p, enum sqllex_tok kind)
{
	if (!peek_is(p, 0, kind))
		return 0;
	next(p);
	return 1;
}

/* A name usable for a column, table, alias (not a keyword of note). */
static int is_colid(const struct sqllex_token *t)
{
	return t->kind == SQLLEX_QIDENT ||
	       (t->kind == SQLLEX_IDENT &&
		sqllex_kw_category(t->kw) == SQLLEX_UNRESERVED);
}

/* A name usable for a function: also left(), right()... */
static int is_funcname(const struct sqllex_token *t)
{
	return t->kind == SQLLEX_QIDENT ||
	       (t->kind == SQLLEX_IDENT &&
		sqllex_kw_category(t->kw) != SQLLEX_RESERVED);
}

/* Any word: after AS and after a dot. */
static int is_label(const struct sqllex_token *t)
{
	return t->kind == SQLLEX_QIDENT || t->kind == SQLLEX_IDENT;
}

static int starts_query(const struct sqllex_token *t)
{
	return is_kw(t, SQLLEX_KW_SELECT) || is_kw(t, SQLLEX_KW_VALUES);
}

/* Tokens that continue a parenthesised query into a bigger one. */
static int continues_query(const struct sqllex_token *t)
{
	return is_kw(t, SQLLEX_KW_UNION) || is_kw(t, SQLLEX_KW_INTERSECT) ||
	       is_kw(t, SQLLEX_KW_EXCEPT) || is_kw(t, SQLLEX_KW_ORDER) ||
	       is_kw(t, SQLLEX_KW_LIMIT) || is_kw(t, SQLLEX_KW_OFFSET);
}

/* ---- errors ------------------------------------------------------------ */

static int fail(struct parser *p, const char *sqlstate, int pos,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail(struct parser *p, const char *sqlstate, int pos,
		const char *fmt, ...)
{
	char msg[SQLERR_MSG_MAX];
	va_list ap;

	if (p->failed)
		return -1;
	p->failed = 1;
	va_start(ap, fmt);
	err_vformat(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sqlerr_set(p->e, sqlstate, pos, "%s", msg);
}

/* Bytes of s[0, n) to show in a message: at most 64, cut at a character
 * boundary; *cut tells whether to append "...". */
static int clip(const char *s, size_t n, int *cut)
{
	size_t max = 64;

	*cut = 0;
	if (n <= max)
		return (int)n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	*cut = 1;
	return (int)max;
}

/* 42601 'syntax error at or near "<token>"' / 'at end of input'. */
static int syntax_error(struct parser *p, const struct sqllex_token *t)
{
	int cut, n;

	if (p->failed)
		return -1;
	if (t->kind == SQLLEX_EOF)
		return fail(p, SQLSTATE_SYNTAX, t->pos,
			    "syntax error at end of input");
	n = clip(p->lx.text + t->off, t->len, &cut);
	return fail(p, SQLSTATE_SYNTAX, t->pos,
		    "syntax error at or near \"%.*s%s\"", n,
		    p->lx.text + t->off, cut ? "..." : "");
}

/* Syntax error at the current token. */
static int unexpected(struct parser *p)
{
	return syntax_error(p, tok(p, 0));
}

static int nomem(struct parser *p)
{
	if (!p->failed) {
		p->failed = 1;
		sqlerr_nomem(p->e);
	}
	return -1;
}

static int too_complex(struct parser *p, int pos)
{
	return fail(p, SQLSTATE_TOO_COMPLEX, pos,
		    "statement is too complex (nesting deeper than %d)",
		    SQLAST_MAX_DEPTH);
}

static int expect(struct parser *p, enum sqllex_tok kind)
{
	if (accept(p, kind))
		return 0;
	return unexpected(p);
}

static int expect_kw(struct parser *p, enum sqllex_kw kw)
{
	if (accept_kw(p, kw))
		return 0;
	return unexpected(p);
}

/* One more level of recursion at pos; 54001 past the limit. */
static int enter(struct parser *p, int pos)
{
	if (p->depth >= SQLAST_MAX_DEPTH)
		return too_complex(p, pos);
	p->depth++;
	return 0;
}

static void leave(struct parser *p)
{
	p->depth--;
}

/* A node of height *h (at pos) gets a child of height child. */
static int kid(struct parser *p, int *h, int child, int pos)
{
	if (child + 1 > *h)
		*h = child + 1;
	if (*h > SQLAST_MAX_DEPTH)
		return too_complex(p, pos);
	return 0;
}

static int kid_x(struct parser *p, struct sql_expr *x,
		 const struct sql_expr *c)
{
	return c == NULL ? 0 : kid(p, &x->height, c->height, x->pos);
}

static int kid_q(struct parser *p, int *h, int pos,
		 const struct sql_query *c)
{
	return c == NULL ? 0 : kid(p, h, c->height, pos);
}

/* ---- memory ------------------------------------------------------------ */

static void *alloc(struct parser *p, size_t n)
{
	void *v = arena_alloc(p->a, n);

	if (v == NULL)
		nomem(p);
	return v;
}

/*
 * Append x to the list (*items, *n).  Room is always the next power of
 * two >= n, so a full list is one whose length is a power of two.
 */
#define DEFINE_PUSH(fn, T)						\
static int fn(struct parser *p, T ***items, size_t *n, T *x)		\
{									\
	if (*n == 0 || (*n & (*n - 1)) == 0) {				\
		size_t cap = *n == 0 ? 1 : *n * 2;			\
		T **ni;							\
									\
		if (cap > SIZE_MAX / sizeof(T *))			\
			return nomem(p);				\
		ni = arena_alloc(p->a, cap * sizeof(T *));		\
		if (ni == NULL)						\
			return nomem(p);				\
		if (*n > 0)						\
			memcpy(ni, *items, *n * sizeof(T *));		\
		*items = ni;						\
	}								\
	(*items)[(*n)++] = x;						\
	return 0;							\
}

DEFINE_PUSH(push_expr, struct sql_expr)
DEFINE_PUSH(push_target, struct sql_target)
DEFINE_PUSH(push_from, struct sql_from)
DEFINE_PUSH(push_order, struct sql_order)
DEFINE_PUSH(push_ident, struct sql_ident)
DEFINE_PUSH(push_when, struct sql_when)
DEFINE_PUSH(push_row, struct sql_row)
DEFINE_PUSH(push_assign, struct sql_assign)
DEFINE_PUSH(push_constraint, struct sql_constraint)
DEFINE_PUSH(push_coldef, struct sql_coldef)
DEFINE_PUSH(push_indexcol, struct sql_index_col)
DEFINE_PUSH(push_name, struct sql_name)
DEFINE_PUSH(push_setval, struct sql_setval)
DEFINE_PUSH(push_stmt, struct sql_stmt)

static struct sql_expr *mkexpr(struct parser *p, enum sql_expr_kind kind,
			       int pos)
{
	struct sql_expr *x = alloc(p, sizeof(*x));

	if (x != NULL) {
		x->kind = kind;
		x->pos = pos;
		x->height = 1;
	}
	return x;
}

static struct sql_query *mkquery(struct parser *p, enum sql_query_kind kind,
				 int pos)
{
	struct sql_query *q = alloc(p, sizeof(*q));

	if (q != NULL) {
		q->kind = kind;
		q->pos = pos;
		q->height = 1;
	}
	return q;
}

static struct sql_from *mkfrom(struct parser *p, enum sql_from_kind kind,
			       int pos)
{
	struct sql_from *f = alloc(p, sizeof(*f));

	if (f != NULL) {
		f->kind = kind;
		f->pos = pos;
		f->height = 1;
	}
	return f;
}

/* ---- names ------------------------------------------------------------- */

/* The current token as a name if ok(token), else a syntax error. */
static const char *take(struct parser *p,
			int (*ok)(const struct sqllex_token *), int *pos)
{
	const struct sqllex_token *t = tok(p, 0);
	const char *s;

	if (!ok(t)) {
		unexpected(p);
		return NULL;
	}
	s = t->str;
	if (pos != NULL)
		*pos = t->pos;
	next(p);
	return s;
}

/* name or db.name */
static int parse_qname(struct parser *p, struct sql_name *n)
{
	memset(n, 0, sizeof(*n));
	n->name = take(p, is_colid, &n->pos);
	if (n->name == NULL)
		return -1;
	if (peek_is(p, 0, SQLLEX_DOT) && is_label(tok(p, 1))) {
		next(p);
		n->db = n->name;
		n->name = take(p, is_label, NULL);
	}
	return 0;
}

static struct sql_name *new_qname(struct parser *p)
{
	struct sql_name *n = alloc(p, sizeof(*n));

	if (n == NULL || parse_qname(p, n) < 0)
		return NULL;
	return n;
}

/* ( name, ... ) */
static int parse_ident_list(struct parser *p, struct sql_ident ***items,
			    size_t *n)
{
	if (expect(p, SQLLEX_LPAREN) < 0)
		return -1;
	do {
		struct sql_ident *id = alloc(p, sizeof(*id));

		if (id == NULL)
			return -1;
		id->name = take(p, is_colid, &id->pos);
		if (id->name == NULL || push_ident(p, items, n, id) < 0)
			return -1;
	} while (accept(p, SQLLEX_COMMA));
	return expect(p, SQLLEX_RPAREN);
}

/* IF NOT EXISTS */
static int opt_if_not_exists(struct parser *p)
{
	if (peek_kw(p, 0, SQLLEX_KW_IF) && peek_kw(p, 1, SQLLEX_KW_NOT) &&
	    peek_kw(p, 2, SQLLEX_KW_EXISTS)) {
		next(p);
		next(p);
		next(p);
		return 1;
	}
	return 0;
}

/* IF EXISTS */
static int opt_if_exists(struct parser *p)
{
	if (peek_kw(p, 0, SQLLEX_KW_IF) && peek_kw(p, 1, SQLLEX_KW_EXISTS)) {
		next(p);
		next(p);
		return 1;
	}
	return 0;
}

/* ---- type names -------------------------------------------------------- */

/* ( INT ) as an int in [lo, hi] -- the caller words the range error. */
static int typmod(struct parser *p, int64_t *v, int *pos)
{
	const struct sqllex_token *t;

	if (expect(p, SQLLEX_LPAREN) < 0)
		return -1;
	t = tok(p, 0);
	if (t->kind != SQLLEX_INT)
		return unexpected(p);
	*v = t->ival;
	*pos = t->pos;
	next(p);
	return 0;
}

/* (n) of VARCHAR and CHAR; errors point at the type, as PostgreSQL's. */
static int char_length(struct parser *p, struct sql_typename *ty,
		       const char *name)
{
	int64_t v;
	int pos;

	if (typmod(p, &v, &pos) < 0)
		return -1;
	if (v < 1)
		return fail(p, SQLSTATE_INVALID_PARAM, ty->pos,
			    "length for type %s must be at least 1", name);
	if (v > SQLAST_MAX_CHAR_LENGTH)
		return fail(p, SQLSTATE_INVALID_PARAM, ty->pos,
			    "length for type %s cannot exceed %d", name,
			    SQLAST_MAX_CHAR_LENGTH);
	ty->width = (int)v;
	return expect(p, SQLLEX_RPAREN);
}

static int parse_typename(struct parser *p, struct sql_typename *ty)
{
	const struct sqllex_token *t = tok(p, 0);
	const char *n;
	int64_t v;
	int pos, cut, len;

	memset(ty, 0, sizeof(*ty));
	if (!is_funcname(t))
		return unexpected(p);
	n = t->str;
	ty->pos = t->pos;
	next(p);
	if (!strcmp(n, "smallint") || !strcmp(n, "int2")) {
		ty->kind = SQL_TYPENAME_INT2;
	} else if (!strcmp(n, "int4")) {
		ty->kind = SQL_TYPENAME_INT4;
	} else if (!strcmp(n, "int") || !strcmp(n, "integer") ||
		   !strcmp(n, "int8") || !strcmp(n, "bigint")) {
		ty->kind = SQL_TYPENAME_INT8;
	} else if (!strcmp(n, "real") || !strcmp(n, "float4")) {
		ty->kind = SQL_TYPENAME_FLOAT4;
	} else if (!strcmp(n, "float8")) {
		ty->kind = SQL_TYPENAME_FLOAT8;
	} else if (!strcmp(n, "float")) {
		ty->kind = SQL_TYPENAME_FLOAT8;
		if (peek_is(p, 0, SQLLEX_LPAREN)) {
			if (typmod(p, &v, &pos) < 0)
				return -1;
			if (v < 1)
				return fail(p, SQLSTATE_INVALID_PARAM, pos,
					    "precision for type float must "
					    "be at least 1 bit");
			if (v > 53)
				return fail(p, SQLSTATE_INVALID_PARAM, pos,
					    "precision for type float must "
					    "be less than 54 bits");
			if (v <= 24)
				ty->kind = SQL_TYPENAME_FLOAT4;
			if (expect(p, SQLLEX_RPAREN) < 0)
				return -1;
		}
	} else if (!strcmp(n, "double")) {
		const struct sqllex_token *t2 = tok(p, 0);

		if (t2->kind == SQLLEX_IDENT && !strcmp(t2->str, "precision"))
			next(p);
		ty->kind = SQL_TYPENAME_FLOAT8;
	} else if (!strcmp(n, "decimal") || !strcmp(n, "numeric") ||
		   !strcmp(n, "dec")) {
		ty->kind = SQL_TYPENAME_DECIMAL;
		if (peek_is(p, 0, SQLLEX_LPAREN)) {
			if (typmod(p, &v, &pos) < 0)
				return -1;
			if (v < 1 || v > SQLAST_MAX_DECIMAL_PRECISION)
				return fail(p, SQLSTATE_INVALID_PARAM, ty->pos,
					    "NUMERIC precision %lld must be "
					    "between 1 and %d", (long long)v,
					    SQLAST_MAX_DECIMAL_PRECISION);
			ty->precision = (int)v;
			if (accept(p, SQLLEX_COMMA)) {
				t = tok(p, 0);
				if (t->kind != SQLLEX_INT)
					return unexpected(p);
				if (t->ival > ty->precision)
					return fail(p, SQLSTATE_INVALID_PARAM,
						    ty->pos, "NUMERIC scale "
						    "%lld must be between 0 "
						    "and precision %d",
						    (long long)t->ival,
						    ty->precision);
				ty->scale = (int)t->ival;
				next(p);
			}
			if (expect(p, SQLLEX_RPAREN) < 0)
				return -1;
		}
	} else if (!strcmp(n, "text") || !strcmp(n, "string")) {
		ty->kind = SQL_TYPENAME_TEXT;
	} else if (!strcmp(n, "varchar")) {
		ty->kind = SQL_TYPENAME_VARCHAR;
		if (peek_is(p, 0, SQLLEX_LPAREN) &&
		    char_length(p, ty, "varchar") < 0)
			return -1;
	} else if (!strcmp(n, "char") || !strcmp(n, "character")) {
		const struct sqllex_token *t2 = tok(p, 0);

		if (t2->kind == SQLLEX_IDENT && !strcmp(t2->str, "varying")) {
			next(p);
			ty->kind = SQL_TYPENAME_VARCHAR;
			if (peek_is(p, 0, SQLLEX_LPAREN) &&
			    char_length(p, ty, "varchar") < 0)
				return -1;
		} else {
			ty->kind = SQL_TYPENAME_CHAR;
			ty->width = 1;
			if (peek_is(p, 0, SQLLEX_LPAREN) &&
			    char_length(p, ty, "char") < 0)
				return -1;
		}
	} else if (!strcmp(n, "bool") || !strcmp(n, "boolean")) {
		ty->kind = SQL_TYPENAME_BOOL;
	} else if (!strcmp(n, "bytes") || !strcmp(n, "bytea")) {
		ty->kind = SQL_TYPENAME_BYTES;
	} else if (!strcmp(n, "timestamp")) {
		ty->kind = SQL_TYPENAME_TIMESTAMP;
		if (peek_kw(p, 0, SQLLEX_KW_WITHOUT)) {
			next(p);
			if (expect_kw(p, SQLLEX_KW_TIME) < 0 ||
			    expect_kw(p, SQLLEX_KW_ZONE) < 0)
				return -1;
		} else if (peek_kw(p, 0, SQLLEX_KW_WITH) &&
			   peek_kw(p, 1, SQLLEX_KW_TIME) &&
			   peek_kw(p, 2, SQLLEX_KW_ZONE)) {
			return fail(p, SQLSTATE_FEATURE, ty->pos,
				    "type timestamp with time zone is not "
				    "supported");
		}
	} else if (!strcmp(n, "date")) {
		ty->kind = SQL_TYPENAME_DATE;
	} else {
		len = clip(n, strlen(n), &cut);
		return fail(p, SQLSTATE_UNDEF_OBJECT, ty->pos,
			    "type \"%.*s%s\" does not exist", len, n,
			    cut ? "..." : "");
	}
	return 0;
}

/* ---- expressions ------------------------------------------------------- */

static struct sql_expr *parse_expr(struct parser *p);
static struct sql_expr *climb(struct parser *p, int minprec,
			      struct sql_expr *left);
static struct sql_query *parse_query(struct parser *p);
static struct sql_query *query_continue(struct parser *p,
					struct sql_query *first);

static struct sql_expr *subquery_expr(struct parser *p,
				      enum sql_expr_kind kind,
				      struct sql_query *q, int pos)
{
	struct sql_expr *x = mkexpr(p, kind, pos);

	if (x == NULL)
		return NULL;
	x->u.query = q;
	if (kid(p, &x->height, q->height, pos) < 0)
		return NULL;
	return x;
}

/*
 * After a '(' at pos: a query, an expression or, when list_ok, a list of
 * expressions, up to and including the ')'.  Sets one of *q, *x or
 * (*items, *n).  A query in parentheses followed by more (an operator,
 * AS, ...) is a scalar subquery inside the expression.
 */
static int paren_tail(struct parser *p, int list_ok, struct sql_query **q,
		      struct sql_expr **x, struct sql_expr ***items,
		      size_t *n)
{
	struct sql_expr *first = NULL;

	*q = NULL;
	*x = NULL;
	if (starts_query(tok(p, 0))) {
		*q = parse_query(p);
		if (*q == NULL)
			return -1;
		return expect(p, SQLLEX_RPAREN);
	}
	if (peek_is(p, 0, SQLLEX_LPAREN)) {
		int ipos = tok(p, 0)->pos;
		struct sql_query *iq;

		next(p);
		if (enter(p, ipos) < 0 ||
		    paren_tail(p, 0, &iq, &first, NULL, NULL) < 0)
			return -1;
		leave(p);
		if (iq != NULL) {
			if (continues_query(tok(p, 0))) {
				*q = query_continue(p, iq);
				if (*q == NULL)
					return -1;
				return expect(p, SQLLEX_RPAREN);
			}
			if (accept(p, SQLLEX_RPAREN)) {
				*q = iq;
				return 0;
			}
			first = subquery_expr(p, SQL_EXPR_SUBQUERY, iq, ipos);
			if (first == NULL)
				return -1;
		}
		first = climb(p, PREC_OR, first);
	} else {
		first = parse_expr(p);
	}
	if (first == NULL)
		return -1;
	if (list_ok && peek_is(p, 0, SQLLEX_COMMA)) {
		if (push_expr(p, items, n, first) < 0)
			return -1;
		while (accept(p, SQLLEX_COMMA)) {
			struct sql_expr *it = parse_expr(p);

			if (it == NULL || push_expr(p, items, n, it) < 0)
				return -1;
		}
		return expect(p, SQLLEX_RPAREN);
	}
	*x = first;
	return expect(p, SQLLEX_RPAREN);
}

/* name(...) with the name at the current token and '(' after it. */
static struct sql_expr *parse_func(struct parser *p)
{
	const struct sqllex_token *t = tok(p, 0);
	struct sql_expr *x = mkexpr(p, SQL_EXPR_FUNC, t->pos);

	if (x == NULL)
		return NULL;
	x->u.func.name = t->str;
	next(p);
	next(p);
	if (enter(p, x->pos) < 0)
		return NULL;
	if (accept(p, SQLLEX_RPAREN)) {
		leave(p);
		return x;
	}
	if (accept(p, SQLLEX_STAR)) {
		x->u.func.star = 1;
	} else {
		if (accept_kw(p, SQLLEX_KW_DISTINCT))
			x->u.func.distinct = 1;
		else
			accept_kw(p, SQLLEX_KW_ALL);
		do {
			struct sql_expr *a = parse_expr(p);

			if (a == NULL ||
			    push_expr(p, &x->u.func.args, &x->u.func.n,
				      a) < 0 ||
			    kid_x(p, x, a) < 0)
				return NULL;
		} while (accept(p, SQLLEX_COMMA));
	}
	if (expect(p, SQLLEX_RPAREN) < 0)
		return NULL;
	leave(p);
	return x;
}

static struct sql_expr *parse_case(struct parser *p)
{
	struct sql_expr *x = mkexpr(p, SQL_EXPR_CASE, tok(p, 0)->pos);

	if (x == NULL)
		return NULL;
	next(p);
	if (enter(p, x->pos) < 0)
		return NULL;
	if (!peek_kw(p, 0, SQLLEX_KW_WHEN)) {
		x->u.case_.arg = parse_expr(p);
		if (x->u.case_.arg == NULL || kid_x(p, x, x->u.case_.arg) < 0)
			return NULL;
	}
	if (!peek_kw(p, 0, SQLLEX_KW_WHEN)) {
		unexpected(p);
		return NULL;
	}
	while (peek_kw(p, 0, SQLLEX_KW_WHEN)) {
		struct sql_when *w = alloc(p, sizeof(*w));

		if (w == NULL)
			return NULL;
		w->pos = tok(p, 0)->pos;
		next(p);
		w->cond = parse_expr(p);
		if (w->cond == NULL || kid_x(p, x, w->cond) < 0 ||
		    expect_kw(p, SQLLEX_KW_THEN) < 0)
			return NULL;
		w->result = parse_expr(p);
		if (w->result == NULL || kid_x(p, x, w->result) < 0 ||
		    push_when(p, &x->u.case_.whens, &x->u.case_.n, w) < 0)
			return NULL;
	}
	if (accept_kw(p, SQLLEX_KW_ELSE)) {
		x->u.case_.else_ = parse_expr(p);
		if (x->u.case_.else_ == NULL ||
		    kid_x(p, x, x->u.case_.else_) < 0)
			return NULL;
	}
	if (expect_kw(p, SQLLEX_KW_END) < 0)
		return NULL;
	leave(p);
	return x;
}

/* CAST ( e AS type ) */
static struct sql_expr *parse_cast(struct parser *p)
{
	struct sql_expr *x = mkexpr(p, SQL_EXPR_CAST, tok(p, 0)->pos);

	if (x == NULL)
		return NULL;
	next(p);
	if (expect(p, SQLLEX_LPAREN) < 0 || enter(p, x->pos) < 0)
		return NULL;
	x->u.cast.arg = parse_expr(p);
	if (x->u.cast.arg == NULL || kid_x(p, x, x->u.cast.arg) < 0 ||
	    expect_kw(p, SQLLEX_KW_AS) < 0 ||
	    parse_typename(p, &x->u.cast.type) < 0 ||
	    expect(p, SQLLEX_RPAREN) < 0)
		return NULL;
	leave(p);
	return x;
}

/* EXISTS ( query ) */
static struct sql_expr *parse_exists(struct parser *p)
{
	int pos = tok(p, 0)->pos;
	struct sql_query *q;

	next(p);
	if (expect(p, SQLLEX_LPAREN) < 0 || enter(p, pos) < 0)
		return NULL;
	q = parse_query(p);
	if (q == NULL || expect(p, SQLLEX_RPAREN) < 0)
		return NULL;
	leave(p);
	return subquery_expr(p, SQL_EXPR_EXISTS, q, pos);
}

/* c, t.c, db.t.c */
static struct sql_expr *parse_colref(struct parser *p)
{
	const char *parts[3];
	int n = 0;
	struct sql_expr *x = mkexpr(p, SQL_EXPR_COLUMN, tok(p, 0)->pos);

	if (x == NULL)
		return NULL;
	parts[n++] = take(p, is_colid, NULL);
	if (parts[0] == NULL)
		return NULL;
	while (n < 3 && peek_is(p, 0, SQLLEX_DOT)) {
		next(p);
		parts[n] = take(p, is_label, NULL);
		if (parts[n] == NULL)
			return NULL;
		n++;
	}
	x->u.col.column = parts[n - 1];
	if (n >= 2)
		x->u.col.table = parts[n - 2];
	if (n == 3)
		x->u.col.db = parts[0];
	return x;
}

static struct sql_expr *parse_primary(struct parser *p)
{
	const struct sqllex_token *t = tok(p, 0), *t1;
	struct sql_expr *x;
	struct sql_query *q;
	int pos = t->pos;

	switch (t->kind) {
	case SQLLEX_INT:
		x = mkexpr(p, SQL_EXPR_INT, pos);
		if (x != NULL)
			x->u.i = t->ival;
		next(p);
		return x;
	case SQLLEX_NUMERIC:
		x = mkexpr(p, SQL_EXPR_DECIMAL, pos);
		if (x != NULL)
			x->u.num = t->str;
		next(p);
		return x;
	case SQLLEX_STRING:
	case SQLLEX_BYTES:
		x = mkexpr(p, t->kind == SQLLEX_STRING ? SQL_EXPR_STRING :
			   SQL_EXPR_BYTES, pos);
		if (x != NULL) {
			x->u.str.p = t->str;
			x->u.str.n = t->slen;
		}
		next(p);
		return x;
	case SQLLEX_LPAREN:
		next(p);
		if (enter(p, pos) < 0 ||
		    paren_tail(p, 0, &q, &x, NULL, NULL) < 0)
			return NULL;
		leave(p);
		if (q != NULL)
			return subquery_expr(p, SQL_EXPR_SUBQUERY, q, pos);
		return x;
	case SQLLEX_IDENT:
		switch (t->kw) {
		case SQLLEX_KW_TRUE:
		case SQLLEX_KW_FALSE:
			x = mkexpr(p, SQL_EXPR_BOOL, pos);
			if (x != NULL)
				x->u.b = t->kw == SQLLEX_KW_TRUE;
			next(p);
			return x;
		case SQLLEX_KW_NULL:
			next(p);
			return mkexpr(p, SQL_EXPR_NULL, pos);
		case SQLLEX_KW_CASE:
			return parse_case(p);
		case SQLLEX_KW_CAST:
			return parse_cast(p);
		case SQLLEX_KW_EXISTS:
			return parse_exists(p);
		case SQLLEX_KW_CURRENT_DATE:
		case SQLLEX_KW_CURRENT_TIMESTAMP:
			x = mkexpr(p, SQL_EXPR_FUNC, pos);
			if (x != NULL) {
				x->u.func.name = t->str;
				x->u.func.noparens = 1;
			}
			next(p);
			return x;
		default:
			break;
		}
		/* fall through */
	case SQLLEX_QIDENT:
		t1 = tok(p, 1);
		if (t1->kind == SQLLEX_LPAREN && is_funcname(t))
			return parse_func(p);
		if (t1->kind == SQLLEX_STRING && is_funcname(t)) {
			/* type 'literal', e.g. DATE '2024-01-02' */
			x = mkexpr(p, SQL_EXPR_CAST, pos);
			if (x == NULL ||
			    parse_typename(p, &x->u.cast.type) < 0)
				return NULL;
			t1 = tok(p, 0);
			if (t1->kind != SQLLEX_STRING) {
				unexpected(p);
				return NULL;
			}
			x->u.cast.arg = mkexpr(p, SQL_EXPR_STRING, t1->pos);
			if (x->u.cast.arg == NULL)
				return NULL;
			x->u.cast.arg->u.str.p = t1->str;
			x->u.cast.arg->u.str.n = t1->slen;
			x->height = 2;
			next(p);
			return x;
		}
		if (is_colid(t))
			return parse_colref(p);
		break;
	default:
		break;
	}
	unexpected(p);
	return NULL;
}

/* -(numeric literal) folded into the literal, like PostgreSQL. */
static int negate_literal(struct parser *p, struct sql_expr *x)
{
	const char *s;
	size_t i;

	if (x->kind == SQL_EXPR_INT) {
		if (x->u.i != INT64_MIN) {
			x->u.i = -x->u.i;
			return 0;
		}
		x->kind = SQL_EXPR_DECIMAL;
		x->u.num = "9223372036854775808";
		return 0;
	}
	s = x->u.num;
	if (s[0] == '-') {
		x->u.num = s + 1;
		return 0;
	}
	s = arena_printf(p->a, "-%s", s);
	if (s == NULL)
		return nomem(p);
	x->u.num = s;
	/* -9223372036854775808 fits in int64 although its digits do not. */
	for (i = 1; s[i] == '0' && s[i + 1] != '\0'; i++)
		;
	if (strcmp(s + i, "9223372036854775808") == 0) {
		x->kind = SQL_EXPR_INT;
		x->u.i = INT64_MIN;
	}
	return 0;
}

static struct sql_expr *parse_prefix(struct parser *p)
{
	const struct sqllex_token *t = tok(p, 0);
	struct sql_expr *x, *arg;
	int pos = t->pos;
	enum sql_unop op;
	int prec;

	if (t->kind == SQLLEX_MINUS) {
		op = SQL_UNOP_NEG;
		prec = PREC_UNARY;
	} else if (t->kind == SQLLEX_PLUS) {
		op = SQL_UNOP_PLUS;
		prec = PREC_UNARY;
	} else if (is_kw(t, SQLLEX_KW_NOT)) {
		op = SQL_UNOP_NOT;
		prec = PREC_NOT;
	} else {
		return parse_primary(p);
	}
	next(p);
	if (enter(p, pos) < 0)
		return NULL;
	arg = climb(p, prec, NULL);
	if (arg == NULL)
		return NULL;
	leave(p);
	if (op == SQL_UNOP_NEG &&
	    (arg->kind == SQL_EXPR_INT || arg->kind == SQL_EXPR_DECIMAL)) {
		if (negate_literal(p, arg) < 0)
			return NULL;
		arg->pos = pos;
		return arg;
	}
	x = mkexpr(p, SQL_EXPR_UNARY, pos);
	if (x == NULL)
		return NULL;
	x->u.unary.op = op;
	x->u.unary.arg = arg;
	if (kid_x(p, x, arg) < 0)
		return NULL;
	return x;
}

/* Binding power of the infix/postfix operator at the current token. */
static int infix_prec(struct parser *p)
{
	const struct sqllex_token *t = tok(p, 0), *t1;

	switch (t->kind) {
	case SQLLEX_CONCAT:
		return PREC_CONCAT;
	case SQLLEX_PLUS:
	case SQLLEX_MINUS:
		return PREC_ADD;
	case SQLLEX_STAR:
	case SQLLEX_SLASH:
	case SQLLEX_PERCENT:
		return PREC_MUL;
	case SQLLEX_EQ:
	case SQLLEX_NE:
	case SQLLEX_NE2:
	case SQLLEX_LT:
	case SQLLEX_LE:
	case SQLLEX_GT:
	case SQLLEX_GE:
		return PREC_CMP;
	case SQLLEX_CAST:
		return PREC_CAST;
	case SQLLEX_IDENT:
		switch (t->kw) {
		case SQLLEX_KW_OR:
			return PREC_OR;
		case SQLLEX_KW_AND:
			return PREC_AND;
		case SQLLEX_KW_IS:
		case SQLLEX_KW_ISNULL:
		case SQLLEX_KW_NOTNULL:
			return PREC_IS;
		case SQLLEX_KW_BETWEEN:
		case SQLLEX_KW_IN:
		case SQLLEX_KW_LIKE:
		case SQLLEX_KW_ILIKE:
			return PREC_IN;
		case SQLLEX_KW_NOT:
			t1 = tok(p, 1);
			if (is_kw(t1, SQLLEX_KW_BETWEEN) ||
			    is_kw(t1, SQLLEX_KW_IN) ||
			    is_kw(t1, SQLLEX_KW_LIKE) ||
			    is_kw(t1, SQLLEX_KW_ILIKE))
				return PREC_IN;
			return 0;
		default:
			return 0;
		}
	default:
		return 0;
	}
}

static struct sql_expr *parse_andor(struct parser *p, struct sql_expr *left,
				    int prec)
{
	enum sql_expr_kind kind = prec == PREC_OR ? SQL_EXPR_OR : SQL_EXPR_AND;
	int pos = tok(p, 0)->pos;
	struct sql_expr *right, *x;

	next(p);
	right = climb(p, prec + 1, NULL);
	if (right == NULL)
		return NULL;
	if (left->kind == kind) {
		x = left;
	} else {
		x = mkexpr(p, kind, pos);
		if (x == NULL ||
		    push_expr(p, &x->u.list.args, &x->u.list.n, left) < 0 ||
		    kid_x(p, x, left) < 0)
			return NULL;
	}
	if (push_expr(p, &x->u.list.args, &x->u.list.n, right) < 0 ||
	    kid_x(p, x, right) < 0)
		return NULL;
	return x;
}

static struct sql_expr *parse_binary(struct parser *p, struct sql_expr *left,
				     int prec)
{
	const struct sqllex_token *t = tok(p, 0);
	struct sql_expr *x = mkexpr(p, SQL_EXPR_BINARY, t->pos);
	enum sql_binop op;

	if (x == NULL)
		return NULL;
	switch (t->kind) {
	case SQLLEX_CONCAT: op = SQL_BINOP_CONCAT; break;
	case SQLLEX_PLUS: op = SQL_BINOP_ADD; break;
	case SQLLEX_MINUS: op = SQL_BINOP_SUB; break;
	case SQLLEX_STAR: op = SQL_BINOP_MUL; break;
	case SQLLEX_SLASH: op = SQL_BINOP_DIV; break;
	case SQLLEX_PERCENT: op = SQL_BINOP_MOD; break;
	case SQLLEX_EQ: op = SQL_BINOP_EQ; break;
	case SQLLEX_LT: op = SQL_BINOP_LT; break;
	case SQLLEX_LE: op = SQL_BINOP_LE; break;
	case SQLLEX_GT: op = SQL_BINOP_GT; break;
	case SQLLEX_GE: op = SQL_BINOP_GE; break;
	default: op = SQL_BINOP_NE; break;	/* <> != */
	}
	next(p);
	x->u.binary.op = op;
	x->u.binary.left = left;
	x->u.binary.right = climb(p, prec + 1, NULL);
	if (x->u.binary.right == NULL || kid_x(p, x, left) < 0 ||
	    kid_x(p, x, x->u.binary.right) < 0)
		return NULL;
	return x;
}

/* x IS ..., x ISNULL, x NOTNULL */
static struct sql_expr *parse_is(struct parser *p, struct sql_expr *left)
{
	const struct sqllex_token *t = tok(p, 0);
	struct sql_expr *x = mkexpr(p, SQL_EXPR_IS, t->pos);

	if (x == NULL)
		return NULL;
	x->u.is.arg = left;
	if (kid_x(p, x, left) < 0)
		return NULL;
	if (is_kw(t, SQLLEX_KW_ISNULL) || is_kw(t, SQLLEX_KW_NOTNULL)) {
		x->u.is.not_ = is_kw(t, SQLLEX_KW_NOTNULL);
		next(p);
		return x;
	}
	next(p);
	x->u.is.not_ = accept_kw(p, SQLLEX_KW_NOT);
	t = tok(p, 0);
	if (is_kw(t, SQLLEX_KW_NULL)) {
		x->u.is.what = SQL_IS_NULL;
	} else if (is_kw(t, SQLLEX_KW_TRUE)) {
		x->u.is.what = SQL_IS_TRUE;
	} else if (is_kw(t, SQLLEX_KW_FALSE)) {
		x->u.is.what = SQL_IS_FALSE;
	} else if (is_kw(t, SQLLEX_KW_UNKNOWN)) {
		x->u.is.what = SQL_IS_UNKNOWN;
	} else if (is_kw(t, SQLLEX_KW_DISTINCT)) {
		int not_ = x->u.is.not_;

		next(p);
		if (expect_kw(p, SQLLEX_KW_FROM) < 0)
			return NULL;
		x->kind = SQL_EXPR_BINARY;
		memset(&x->u, 0, sizeof(x->u));
		x->u.binary.op = not_ ? SQL_BINOP_IS_NOT_DISTINCT :
				 SQL_BINOP_IS_DISTINCT;
		x->u.binary.left = left;
		x->u.binary.right = climb(p, PREC_IS + 1, NULL);
		if (x->u.binary.right == NULL ||
		    kid_x(p, x, x->u.binary.right) < 0)
			return NULL;
		return x;
	} else {
		unexpected(p);
		return NULL;
	}
	next(p);
	return x;
}

/* x [NOT] IN ( ... ) after the IN */
static struct sql_expr *parse_in(struct parser *p, struct sql_expr *x)
{
	struct sql_query *q;
	struct sql_expr *one, **items = NULL;
	size_t n = 0, i;
	int pos = tok(p, 0)->pos;

	if (expect(p, SQLLEX_LPAREN) < 0)
		return NULL;
	if (accept(p, SQLLEX_RPAREN))
		return x;	/* IN (): SQLite's empty list */
	if (enter(p, pos) < 0 || paren_tail(p, 1, &q, &one, &items, &n) < 0)
		return NULL;
	leave(p);
	if (q != NULL) {
		struct sql_expr *arg = x->u.in_list.arg;
		int not_ = x->u.in_list.not_;

		x->kind = SQL_EXPR_IN_QUERY;
		memset(&x->u, 0, sizeof(x->u));
		x->u.in_query.arg = arg;
		x->u.in_query.not_ = not_;
		x->u.in_query.query = q;
		if (kid(p, &x->height, q->height, x->pos) < 0)
			return NULL;
		return x;
	}
	if (one != NULL && push_expr(p, &items, &n, one) < 0)
		return NULL;
	x->u.in_list.items = items;
	x->u.in_list.n = n;
	for (i = 0; i < n; i++)
		if (kid_x(p, x, items[i]) < 0)
			return NULL;
	return x;
}

/* x [NOT] BETWEEN | IN | LIKE | ILIKE ... */
static struct sql_expr *parse_in_like(struct parser *p, struct sql_expr *left)
{
	const struct sqllex_token *t;
	struct sql_expr *x = mkexpr(p, SQL_EXPR_BETWEEN, tok(p, 0)->pos);
	int not_;

	if (x == NULL || kid_x(p, x, left) < 0)
		return NULL;
	not_ = accept_kw(p, SQLLEX_KW_NOT);
	t = tok(p, 0);
	if (is_kw(t, SQLLEX_KW_BETWEEN)) {
		next(p);
		x->u.between.arg = left;
		x->u.between.not_ = not_;
		if (accept_kw(p, SQLLEX_KW_SYMMETRIC))
			x->u.between.symmetric = 1;
		else
			accept_kw(p, SQLLEX_KW_ASYMMETRIC);
		x->u.between.lo = climb(p, PREC_IN + 1, NULL);
		if (x->u.between.lo == NULL ||
		    kid_x(p, x, x->u.between.lo) < 0 ||
		    expect_kw(p, SQLLEX_KW_AND) < 0)
			return NULL;
		x->u.between.hi = climb(p, PREC_IN + 1, NULL);
		if (x->u.between.hi == NULL ||
		    kid_x(p, x, x->u.between.hi) < 0)
			return NULL;
		return x;
	}
	if (is_kw(t, SQLLEX_KW_IN)) {
		next(p);
		x->kind = SQL_EXPR_IN_LIST;
		x->u.in_list.arg = left;
		x->u.in_list.not_ = not_;
		return parse_in(p, x);
	}
	/* LIKE / ILIKE (infix_prec() guarantees one of the four) */
	x->kind = SQL_EXPR_LIKE;
	x->u.like.arg = left;
	x->u.like.not_ = not_;
	x->u.like.ilike = is_kw(t, SQLLEX_KW_ILIKE);
	next(p);
	x->u.like.pattern = climb(p, PREC_IN + 1, NULL);
	if (x->u.like.pattern == NULL || kid_x(p, x, x->u.like.pattern) < 0)
		return NULL;
	if (accept_kw(p, SQLLEX_KW_ESCAPE)) {
		x->u.like.escape = climb(p, PREC_IN + 1, NULL);
		if (x->u.like.escape == NULL ||
		    kid_x(p, x, x->u.like.escape) < 0)
			return NULL;
	}
	return x;
}

/* x :: type */
static struct sql_expr *parse_cast_suffix(struct parser *p,
					  struct sql_expr *left)
{
	struct sql_expr *x = mkexpr(p, SQL_EXPR_CAST, tok(p, 0)->pos);

	if (x == NULL)
		return NULL;
	next(p);
	x->u.cast.arg = left;
	if (kid_x(p, x, left) < 0 || parse_typename(p, &x->u.cast.type) < 0)
		return NULL;
	return x;
}

/*
 * Precedence climbing: an expression whose operators all bind at least
 * as tightly as minprec.  left, when given, is an operand already parsed
 * (a parenthesised primary) to continue from.
 */
static struct sql_expr *climb(struct parser *p, int minprec,
			      struct sql_expr *left)
{
	if (left == NULL)
		left = parse_prefix(p);
	while (left != NULL) {
		int prec = infix_prec(p);

		if (prec == 0 || prec < minprec)
			break;
		switch (prec) {
		case PREC_OR:
		case PREC_AND:
			left = parse_andor(p, left, prec);
			break;
		case PREC_IS:
			left = parse_is(p, left);
			break;
		case PREC_IN:
			left = parse_in_like(p, left);
			break;
		case PREC_CAST:
			left = parse_cast_suffix(p, left);
			break;
		default:
			left = parse_binary(p, left, prec);
			break;
		}
	}
	return left;
}

static struct sql_expr *parse_expr(struct parser *p)
{
	return climb(p, PREC_OR, NULL);
}

/* ---- queries ----------------------------------------------------------- */

static struct sql_from *parse_from_item(struct parser *p);
static struct sql_from *join_chain(struct parser *p, struct sql_from *left);

/* SELECT / RETURNING target */
static struct sql_target *parse_target(struct parser *p)
{
	struct sql_target *tg = alloc(p, sizeof(*tg));
	const struct sqllex_token *t = tok(p, 0);
	struct sql_expr *x;

	if (tg == NULL)
		return NULL;
	tg->pos = t->pos;
	tg->text_start = t->off;
	if (t->kind == SQLLEX_STAR ||
	    (is_colid(t) && peek_is(p, 1, SQLLEX_DOT) &&
	     peek_is(p, 2, SQLLEX_STAR)) ||
	    (is_colid(t) && peek_is(p, 1, SQLLEX_DOT) &&
	     is_label(tok(p, 2)) && peek_is(p, 3, SQLLEX_DOT) &&
	     peek_is(p, 4, SQLLEX_STAR))) {
		x = mkexpr(p, SQL_EXPR_STAR, t->pos);
		if (x == NULL)
			return NULL;
		if (t->kind != SQLLEX_STAR) {
			x->u.col.table = t->str;
			next(p);
			next(p);
			if (!peek_is(p, 0, SQLLEX_STAR)) {
				x->u.col.db = x->u.col.table;
				x->u.col.table = tok(p, 0)->str;
				next(p);
				next(p);
			}
		}
		next(p);
		tg->expr = x;
		tg->text_len = p->last_end - tg->text_start;
		return tg;
	}
	tg->expr = parse_expr(p);
	if (tg->expr == NULL)
		return NULL;
	tg->text_len = p->last_end - tg->text_start;
	if (peek_kw(p, 0, SQLLEX_KW_AS)) {
		if (peek_kw(p, 1, SQLLEX_KW_OF) &&
		    peek_kw(p, 2, SQLLEX_KW_SYSTEM))
			return tg;	/* AS OF SYSTEM TIME */
		next(p);
		tg->alias = take(p, is_label, NULL);
		if (tg->alias == NULL)
			return NULL;
	} else if (is_colid(tok(p, 0))) {
		tg->alias = take(p, is_colid, NULL);
	}
	return tg;
}

static int parse_targets(struct parser *p, struct sql_target ***items,
			 size_t *n, int *h, int pos)
{
	do {
		struct sql_target *tg = parse_target(p);

		if (tg == NULL || push_target(p, items, n, tg) < 0 ||
		    kid(p, h, tg->expr->height, pos) < 0)
			return -1;
	} while (accept(p, SQLLEX_COMMA));
	return 0;
}

/*
 * [AS] alias [(c, ...)] after a table or subquery.  no_set: a bare SET is
 * not an alias (UPDATE t SET ...).  cols: column aliases allowed.
 */
static int parse_alias(struct parser *p, const char **alias,
		       struct sql_ident ***cols, size_t *ncols, int no_set)
{
	if (peek_kw(p, 0, SQLLEX_KW_AS)) {
		if (peek_kw(p, 1, SQLLEX_KW_OF) &&
		    peek_kw(p, 2, SQLLEX_KW_SYSTEM))
			return 0;	/* AS OF SYSTEM TIME */
		next(p);
		*alias = take(p, is_colid, NULL);
		if (*alias == NULL)
			return -1;
	} else if (is_colid(tok(p, 0)) &&
		   !(no_set && peek_kw(p, 0, SQLLEX_KW_SET))) {
		*alias = take(p, is_colid, NULL);
	} else {
		return 0;
	}
	if (cols != NULL && peek_is(p, 0, SQLLEX_LPAREN))
		return parse_ident_list(p, cols, ncols);
	return 0;
}

static struct sql_from *subquery_from(struct parser *p, struct sql_query *q,
				      int pos)
{
	struct sql_from *f = mkfrom(p, SQL_FROM_SUBQUERY, pos);

	if (f == NULL)
		return NULL;
	f->u.query = q;
	if (kid_q(p, &f->height, pos, q) < 0 ||
	    parse_alias(p, &f->alias, &f->colaliases, &f->ncolaliases, 0) < 0)
		return NULL;
	return f;
}

/*
 * After a '(' in FROM: a query (*q, alias not yet read) or a from item or
 * join (*f), up to and including the ')'.
 */
static int from_paren_tail(struct parser *p, struct sql_query **q,
			   struct sql_from **f)
{
	struct sql_from *first;

	*q = NULL;
	*f = NULL;
	if (starts_query(tok(p, 0))) {
		*q = parse_query(p);
		if (*q == NULL)
			return -1;
		return expect(p, SQLLEX_RPAREN);
	}
	if (peek_is(p, 0, SQLLEX_LPAREN)) {
		int ipos = tok(p, 0)->pos;
		struct sql_query *iq;

		next(p);
		if (enter(p, ipos) < 0 || from_paren_tail(p, &iq, &first) < 0)
			return -1;
		leave(p);
		if (iq != NULL) {
			if (continues_query(tok(p, 0))) {
				*q = query_continue(p, iq);
				if (*q == NULL)
					return -1;
				return expect(p, SQLLEX_RPAREN);
			}
			if (accept(p, SQLLEX_RPAREN)) {
				*q = iq;
				return 0;
			}
			first = subquery_from(p, iq, ipos);
		}
	} else {
		first = parse_from_item(p);
	}
	if (first == NULL)
		return -1;
	*f = join_chain(p, first);
	if (*f == NULL)
		return -1;
	return expect(p, SQLLEX_RPAREN);
}

/* table [alias], (query) [alias], ( join ) */
static struct sql_from *parse_from_item(struct parser *p)
{
	struct sql_from *f;
	struct sql_query *q;
	int pos = tok(p, 0)->pos;

	if (accept(p, SQLLEX_LPAREN)) {
		if (enter(p, pos) < 0 || from_paren_tail(p, &q, &f) < 0)
			return NULL;
		leave(p);
		if (q != NULL)
			return subquery_from(p, q, pos);
		return f;
	}
	f = mkfrom(p, SQL_FROM_TABLE, pos);
	if (f == NULL || parse_qname(p, &f->u.table) < 0 ||
	    parse_alias(p, &f->alias, &f->colaliases, &f->ncolaliases, 0) < 0)
		return NULL;
	return f;
}

/* left { [NATURAL] [INNER | LEFT | RIGHT | FULL [OUTER] | CROSS] JOIN ... } */
static struct sql_from *join_chain(struct parser *p, struct sql_from *left)
{
	for (;;) {
		const struct sqllex_token *t = tok(p, 0);
		int pos = t->pos, natural = 0;
		enum sql_join_kind kind = SQL_JOIN_INNER;
		struct sql_from *j;

		if (is_kw(t, SQLLEX_KW_NATURAL)) {
			natural = 1;
			next(p);
			t = tok(p, 0);
		}
		if (is_kw(t, SQLLEX_KW_JOIN)) {
			kind = SQL_JOIN_INNER;
		} else if (is_kw(t, SQLLEX_KW_INNER)) {
			next(p);
		} else if (is_kw(t, SQLLEX_KW_LEFT) ||
			   is_kw(t, SQLLEX_KW_RIGHT) ||
			   is_kw(t, SQLLEX_KW_FULL)) {
			kind = is_kw(t, SQLLEX_KW_LEFT) ? SQL_JOIN_LEFT :
			       is_kw(t, SQLLEX_KW_RIGHT) ? SQL_JOIN_RIGHT :
			       SQL_JOIN_FULL;
			next(p);
			accept_kw(p, SQLLEX_KW_OUTER);
		} else if (is_kw(t, SQLLEX_KW_CROSS) && !natural) {
			kind = SQL_JOIN_CROSS;
			next(p);
		} else {
			if (natural) {
				unexpected(p);
				return NULL;
			}
			return left;
		}
		if (expect_kw(p, SQLLEX_KW_JOIN) < 0)
			return NULL;
		j = mkfrom(p, SQL_FROM_JOIN, pos);
		if (j == NULL)
			return NULL;
		j->u.join.kind = kind;
		j->u.join.natural = natural;
		j->u.join.left = left;
		j->u.join.right = parse_from_item(p);
		if (j->u.join.right == NULL ||
		    kid(p, &j->height, left->height, pos) < 0 ||
		    kid(p, &j->height, j->u.join.right->height, pos) < 0)
			return NULL;
		if (!natural && kind != SQL_JOIN_CROSS) {
			if (accept_kw(p, SQLLEX_KW_ON)) {
				j->u.join.on = parse_expr(p);
				if (j->u.join.on == NULL ||
				    kid(p, &j->height, j->u.join.on->height,
					pos) < 0)
					return NULL;
			} else if (accept_kw(p, SQLLEX_KW_USING)) {
				if (parse_ident_list(p, &j->u.join.using_,
						     &j->u.join.nusing) < 0)
					return NULL;
			} else {
				unexpected(p);
				return NULL;
			}
		}
		left = j;
	}
}

/* e [, e ...] into a list, each a child of height *h */
static int parse_expr_list(struct parser *p, struct sql_expr ***items,
			   size_t *n, int *h, int pos)
{
	do {
		struct sql_expr *x = parse_expr(p);

		if (x == NULL || push_expr(p, items, n, x) < 0 ||
		    kid(p, h, x->height, pos) < 0)
			return -1;
	} while (accept(p, SQLLEX_COMMA));
	return 0;
}

/* An expression for a child slot of a query. */
static struct sql_expr *query_expr(struct parser *p, struct sql_query *q)
{
	struct sql_expr *x = parse_expr(p);

	if (x == NULL || kid(p, &q->height, x->height, q->pos) < 0)
		return NULL;
	return x;
}

/* AS OF SYSTEM TIME e */
static int opt_as_of(struct parser *p, struct sql_query *q)
{
	if (!(peek_kw(p, 0, SQLLEX_KW_AS) && peek_kw(p, 1, SQLLEX_KW_OF) &&
	      peek_kw(p, 2, SQLLEX_KW_SYSTEM)))
		return 0;
	next(p);
	next(p);
	next(p);
	if (expect_kw(p, SQLLEX_KW_TIME) < 0)
		return -1;
	q->u.select.as_of = query_expr(p, q);
	return q->u.select.as_of == NULL ? -1 : 0;
}

static struct sql_query *parse_select(struct parser *p)
{
	struct sql_query *q = mkquery(p, SQL_QUERY_SELECT, tok(p, 0)->pos);
	struct sql_select *s;

	if (q == NULL)
		return NULL;
	s = &q->u.select;
	next(p);
	if (accept_kw(p, SQLLEX_KW_DISTINCT))
		s->distinct = 1;
	else
		accept_kw(p, SQLLEX_KW_ALL);
	if (parse_targets(p, &s->targets, &s->ntargets, &q->height,
			  q->pos) < 0)
		return NULL;
	if (accept_kw(p, SQLLEX_KW_FROM)) {
		do {
			struct sql_from *f = parse_from_item(p);

			if (f != NULL)
				f = join_chain(p, f);
			if (f == NULL ||
			    push_from(p, &s->from, &s->nfrom, f) < 0 ||
			    kid(p, &q->height, f->height, q->pos) < 0)
				return NULL;
		} while (accept(p, SQLLEX_COMMA));
	}
	if (opt_as_of(p, q) < 0)
		return NULL;
	if (accept_kw(p, SQLLEX_KW_WHERE) &&
	    (s->where = query_expr(p, q)) == NULL)
		return NULL;
	if (peek_kw(p, 0, SQLLEX_KW_GROUP)) {
		next(p);
		if (expect_kw(p, SQLLEX_KW_BY) < 0 ||
		    parse_expr_list(p, &s->group_by, &s->ngroup_by, &q->height,
				    q->pos) < 0)
			return NULL;
	}
	if (accept_kw(p, SQLLEX_KW_HAVING) &&
	    (s->having = query_expr(p, q)) == NULL)
		return NULL;
	return q;
}

/* VALUES (e, ...), ... -- allow_default: items may be DEFAULT */
static struct sql_query *parse_values(struct parser *p, int allow_default)
{
	struct sql_query *q = mkquery(p, SQL_QUERY_VALUES, tok(p, 0)->pos);

	if (q == NULL)
		return NULL;
	next(p);
	do {
		struct sql_row *r = alloc(p, sizeof(*r));
		int first_pos;

		if (r == NULL)
			return NULL;
		r->pos = tok(p, 0)->pos;
		if (expect(p, SQLLEX_LPAREN) < 0)
			return NULL;
		first_pos = tok(p, 0)->pos;
		do {
			struct sql_expr *x;
			const struct sqllex_token *t = tok(p, 0);

			if (allow_default && is_kw(t, SQLLEX_KW_DEFAULT)) {
				x = mkexpr(p, SQL_EXPR_DEFAULT, t->pos);
				if (p->default_pos == 0)
					p->default_pos = t->pos;
				next(p);
			} else {
				x = parse_expr(p);
			}
			if (x == NULL ||
			    push_expr(p, &r->items, &r->n, x) < 0 ||
			    kid(p, &q->height, x->height, q->pos) < 0)
				return NULL;
		} while (accept(p, SQLLEX_COMMA));
		if (expect(p, SQLLEX_RPAREN) < 0)
			return NULL;
		if (q->u.values.n > 0 && r->n != q->u.values.rows[0]->n) {
			fail(p, SQLSTATE_SYNTAX, first_pos,
			     "VALUES lists must all be the same length");
			return NULL;
		}
		if (push_row(p, &q->u.values.rows, &q->u.values.n, r) < 0)
			return NULL;
	} while (accept(p, SQLLEX_COMMA));
	return q;
}

/* SELECT ..., VALUES ..., ( query ) */
static struct sql_query *query_primary(struct parser *p)
{
	const struct sqllex_token *t = tok(p, 0);
	int allow_default = p->insert_values, pos = t->pos;
	struct sql_query *q;

	p->insert_values = 0;
	if (is_kw(t, SQLLEX_KW_SELECT))
		return parse_select(p);
	if (is_kw(t, SQLLEX_KW_VALUES))
		return parse_values(p, allow_default);
	if (t->kind != SQLLEX_LPAREN) {
		unexpected(p);
		return NULL;
	}
	next(p);
	if (enter(p, pos) < 0)
		return NULL;
	q = parse_query(p);
	if (q == NULL || expect(p, SQLLEX_RPAREN) < 0)
		return NULL;
	leave(p);
	return q;
}

static struct sql_query *mksetop(struct parser *p, enum sql_setop_kind op,
				 int pos, int all, struct sql_query *left,
				 struct sql_query *right)
{
	struct sql_query *q = mkquery(p, SQL_QUERY_SETOP, pos);

	if (q == NULL)
		return NULL;
	q->u.setop.op = op;
	q->u.setop.all = all;
	q->u.setop.left = left;
	q->u.setop.right = right;
	if (kid_q(p, &q->height, pos, left) < 0 ||
	    kid_q(p, &q->height, pos, right) < 0)
		return NULL;
	return q;
}

/* ALL | DISTINCT after a set operator: 1 for ALL */
static int setop_all(struct parser *p)
{
	if (accept_kw(p, SQLLEX_KW_ALL))
		return 1;
	accept_kw(p, SQLLEX_KW_DISTINCT);
	return 0;
}

/* primary { INTERSECT [ALL] primary } */
static struct sql_query *intersect_term(struct parser *p,
					struct sql_query *first)
{
	struct sql_query *left = first != NULL ? first : query_primary(p);

	while (left != NULL && peek_kw(p, 0, SQLLEX_KW_INTERSECT)) {
		int pos = tok(p, 0)->pos, all;
		struct sql_query *right;

		next(p);
		all = setop_all(p);
		right = query_primary(p);
		if (right == NULL)
			return NULL;
		left = mksetop(p, SQL_SETOP_INTERSECT, pos, all, left, right);
	}
	return left;
}

/* ORDER BY ..., LIMIT, OFFSET after a query */
static int query_tail(struct parser *p, struct sql_query *q)
{
	int limit_seen = q->limit != NULL, offset_seen = q->offset != NULL;

	if (peek_kw(p, 0, SQLLEX_KW_ORDER)) {
		int pos = tok(p, 0)->pos;

		if (q->norder > 0)
			return fail(p, SQLSTATE_SYNTAX, pos,
				    "multiple ORDER BY clauses not allowed");
		next(p);
		if (expect_kw(p, SQLLEX_KW_BY) < 0)
			return -1;
		do {
			struct sql_order *o = alloc(p, sizeof(*o));

			if (o == NULL)
				return -1;
			o->pos = tok(p, 0)->pos;
			o->expr = parse_expr(p);
			if (o->expr == NULL ||
			    kid(p, &q->height, o->expr->height, q->pos) < 0 ||
			    push_order(p, &q->order, &q->norder, o) < 0)
				return -1;
			if (accept_kw(p, SQLLEX_KW_DESC))
				o->desc = 1;
			else
				accept_kw(p, SQLLEX_KW_ASC);
			if (peek_kw(p, 0, SQLLEX_KW_NULLS)) {
				next(p);
				if (accept_kw(p, SQLLEX_KW_FIRST))
					o->nulls = SQL_NULLS_FIRST;
				else if (expect_kw(p, SQLLEX_KW_LAST) < 0)
					return -1;
				else
					o->nulls = SQL_NULLS_LAST;
			}
		} while (accept(p, SQLLEX_COMMA));
	}
	for (;;) {
		int pos = tok(p, 0)->pos;

		if (peek_kw(p, 0, SQLLEX_KW_LIMIT)) {
			if (limit_seen)
				return fail(p, SQLSTATE_SYNTAX, pos,
					    "multiple LIMIT clauses not "
					    "allowed");
			limit_seen = 1;
			next(p);
			if (accept_kw(p, SQLLEX_KW_ALL))
				continue;
			q->limit = query_expr(p, q);
			if (q->limit == NULL)
				return -1;
		} else if (peek_kw(p, 0, SQLLEX_KW_OFFSET)) {
			if (offset_seen)
				return fail(p, SQLSTATE_SYNTAX, pos,
					    "multiple OFFSET clauses not "
					    "allowed");
			offset_seen = 1;
			next(p);
			q->offset = query_expr(p, q);
			if (q->offset == NULL)
				return -1;
		} else {
			return 0;
		}
	}
}

/*
 * A whole query: set operations, then ORDER BY / LIMIT / OFFSET.  first,
 * when given, is a parenthesised query already read: the leftmost
 * operand.
 */
static struct sql_query *query_continue(struct parser *p,
					struct sql_query *first)
{
	struct sql_query *left = intersect_term(p, first);

	while (left != NULL && (peek_kw(p, 0, SQLLEX_KW_UNION) ||
				peek_kw(p, 0, SQLLEX_KW_EXCEPT))) {
		int pos = tok(p, 0)->pos, all;
		enum sql_setop_kind op = peek_kw(p, 0, SQLLEX_KW_UNION) ?
					 SQL_SETOP_UNION : SQL_SETOP_EXCEPT;
		struct sql_query *right;

		next(p);
		all = setop_all(p);
		right = intersect_term(p, NULL);
		if (right == NULL)
			return NULL;
		left = mksetop(p, op, pos, all, left, right);
	}
	if (left == NULL || query_tail(p, left) < 0)
		return NULL;
	return left;
}

static struct sql_query *parse_query(struct parser *p)
{
	return query_continue(p, NULL);
}

/* ---- statements -------------------------------------------------------- */

static struct sql_stmt *parse_stmt(struct parser *p);

static int parse_returning(struct parser *p, struct sql_target ***items,
			   size_t *n)
{
	int h = 1;

	if (!accept_kw(p, SQLLEX_KW_RETURNING))
		return 0;
	return parse_targets(p, items, n, &h, tok(p, 0)->pos);
}

/* c = e | c = DEFAULT, ... */
static int parse_assigns(struct parser *p, struct sql_assign ***items,
			 size_t *n)
{
	do {
		struct sql_assign *as = alloc(p, sizeof(*as));
		const struct sqllex_token *t;

		if (as == NULL)
			return -1;
		as->column = take(p, is_colid, &as->pos);
		if (as->column == NULL || expect(p, SQLLEX_EQ) < 0)
			return -1;
		t = tok(p, 0);
		if (is_kw(t, SQLLEX_KW_DEFAULT)) {
			as->value = mkexpr(p, SQL_EXPR_DEFAULT, t->pos);
			next(p);
		} else {
			as->value = parse_expr(p);
		}
		if (as->value == NULL || push_assign(p, items, n, as) < 0)
			return -1;
	} while (accept(p, SQLLEX_COMMA));
	return 0;
}

static int parse_insert(struct parser *p, struct sql_stmt *s)
{
	struct sql_insert *ins = alloc(p, sizeof(*ins));
	const struct sqllex_token *t = tok(p, 0);

	if (ins == NULL)
		return -1;
	s->kind = SQL_STMT_INSERT;
	s->u.insert = ins;
	if (is_kw(t, SQLLEX_KW_UPSERT)) {
		ins->upsert = 1;
	} else if (is_kw(t, SQLLEX_KW_REPLACE)) {
		ins->upsert = ins->replace = 1;
	}
	next(p);
	if (!ins->upsert && accept_kw(p, SQLLEX_KW_OR)) {
		if (expect_kw(p, SQLLEX_KW_REPLACE) < 0)
			return -1;
		ins->upsert = ins->replace = 1;
	}
	if (expect_kw(p, SQLLEX_KW_INTO) < 0 ||
	    parse_qname(p, &ins->table) < 0)
		return -1;
	if (accept_kw(p, SQLLEX_KW_AS) &&
	    (ins->alias = take(p, is_colid, NULL)) == NULL)
		return -1;
	if (peek_is(p, 0, SQLLEX_LPAREN) && !starts_query(tok(p, 1)) &&
	    !peek_is(p, 1, SQLLEX_LPAREN) &&
	    parse_ident_list(p, &ins->columns, &ins->ncolumns) < 0)
		return -1;
	if (peek_kw(p, 0, SQLLEX_KW_DEFAULT) &&
	    peek_kw(p, 1, SQLLEX_KW_VALUES)) {
		next(p);
		next(p);
	} else {
		p->insert_values = 1;
		p->default_pos = 0;
		ins->source = parse_query(p);
		p->insert_values = 0;
		if (ins->source == NULL)
			return -1;
		if (p->default_pos != 0 &&
		    ins->source->kind != SQL_QUERY_VALUES)
			return fail(p, SQLSTATE_SYNTAX, p->default_pos,
				    "DEFAULT is not allowed in this context");
	}
	if (!ins->upsert && peek_kw(p, 0, SQLLEX_KW_ON) &&
	    peek_kw(p, 1, SQLLEX_KW_CONFLICT)) {
		ins->conflict_pos = tok(p, 0)->pos;
		next(p);
		next(p);
		if (peek_is(p, 0, SQLLEX_LPAREN) &&
		    parse_ident_list(p, &ins->conflict_cols,
				     &ins->nconflict_cols) < 0)
			return -1;
		if (expect_kw(p, SQLLEX_KW_DO) < 0)
			return -1;
		if (accept_kw(p, SQLLEX_KW_NOTHING)) {
			ins->on_conflict = SQL_CONFLICT_NOTHING;
		} else if (peek_kw(p, 0, SQLLEX_KW_UPDATE)) {
			if (ins->nconflict_cols == 0)
				return fail(p, SQLSTATE_SYNTAX,
					    ins->conflict_pos,
					    "ON CONFLICT DO UPDATE requires "
					    "inference specification or "
					    "constraint name");
			next(p);
			ins->on_conflict = SQL_CONFLICT_UPDATE;
			if (expect_kw(p, SQLLEX_KW_SET) < 0 ||
			    parse_assigns(p, &ins->set, &ins->nset) < 0)
				return -1;
			if (accept_kw(p, SQLLEX_KW_WHERE) &&
			    (ins->conflict_where = parse_expr(p)) == NULL)
				return -1;
		} else {
			return unexpected(p);
		}
	}
	return parse_returning(p, &ins->returning, &ins->nreturning);
}

static int parse_update(struct parser *p, struct sql_stmt *s)
{
	struct sql_update *u = alloc(p, sizeof(*u));

	if (u == NULL)
		return -1;
	s->kind = SQL_STMT_UPDATE;
	s->u.update = u;
	next(p);
	if (parse_qname(p, &u->table) < 0 ||
	    parse_alias(p, &u->alias, NULL, NULL, 1) < 0 ||
	    expect_kw(p, SQLLEX_KW_SET) < 0 ||
	    parse_assigns(p, &u->set, &u->nset) < 0)
		return -1;
	if (accept_kw(p, SQLLEX_KW_WHERE) &&
	    (u->where = parse_expr(p)) == NULL)
		return -1;
	return parse_returning(p, &u->returning, &u->nreturning);
}

static int parse_delete(struct parser *p, struct sql_stmt *s)
{
	struct sql_delete *d = alloc(p, sizeof(*d));

	if (d == NULL)
		return -1;
	s->kind = SQL_STMT_DELETE;
	s->u.delete_ = d;
	next(p);
	if (expect_kw(p, SQLLEX_KW_FROM) < 0 ||
	    parse_qname(p, &d->table) < 0 ||
	    parse_alias(p, &d->alias, NULL, NULL, 0) < 0)
		return -1;
	if (accept_kw(p, SQLLEX_KW_WHERE) &&
	    (d->where = parse_expr(p)) == NULL)
		return -1;
	return parse_returning(p, &d->returning, &d->nreturning);
}

static int no_foreign_keys(struct parser *p)
{
	return fail(p, SQLSTATE_FEATURE, tok(p, 0)->pos,
		    "foreign keys are not supported");
}

/* ( e ) of CHECK */
static struct sql_expr *paren_expr(struct parser *p)
{
	struct sql_expr *x;

	if (expect(p, SQLLEX_LPAREN) < 0)
		return NULL;
	x = parse_expr(p);
	if (x == NULL || expect(p, SQLLEX_RPAREN) < 0)
		return NULL;
	return x;
}

/* [CONSTRAINT name] PRIMARY KEY (c, ...) | UNIQUE (c, ...) | CHECK (e) */
static struct sql_constraint *table_constraint(struct parser *p)
{
	struct sql_constraint *c = alloc(p, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->pos = tok(p, 0)->pos;
	if (accept_kw(p, SQLLEX_KW_CONSTRAINT) &&
	    (c->name = take(p, is_colid, NULL)) == NULL)
		return NULL;
	if (accept_kw(p, SQLLEX_KW_PRIMARY)) {
		c->kind = SQL_CONSTRAINT_PRIMARY_KEY;
		if (expect_kw(p, SQLLEX_KW_KEY) < 0)
			return NULL;
	} else if (accept_kw(p, SQLLEX_KW_UNIQUE)) {
		c->kind = SQL_CONSTRAINT_UNIQUE;
	} else if (accept_kw(p, SQLLEX_KW_CHECK)) {
		c->kind = SQL_CONSTRAINT_CHECK;
		c->check = paren_expr(p);
		return c->check == NULL ? NULL : c;
	} else {
		if (peek_kw(p, 0, SQLLEX_KW_FOREIGN))
			no_foreign_keys(p);
		else
			unexpected(p);
		return NULL;
	}
	if (parse_ident_list(p, &c->columns, &c->ncolumns) < 0)
		return NULL;
	return c;
}

static int coldef_conflict(struct parser *p, int pos, const char *what,
			   const struct sql_coldef *cd,
			   const struct sql_name *table)
{
	int c1, c2;
	int n1 = clip(cd->name, strlen(cd->name), &c1);
	int n2 = clip(table->name, strlen(table->name), &c2);

	return fail(p, SQLSTATE_SYNTAX, pos,
		    "%s for column \"%.*s%s\" of table \"%.*s%s\"", what,
		    n1, cd->name, c1 ? "..." : "", n2, table->name,
		    c2 ? "..." : "");
}

static struct sql_coldef *parse_coldef(struct parser *p,
				       const struct sql_name *table)
{
	struct sql_coldef *cd = alloc(p, sizeof(*cd));

	if (cd == NULL)
		return NULL;
	cd->name = take(p, is_colid, &cd->pos);
	if (cd->name == NULL || parse_typename(p, &cd->type) < 0)
		return NULL;
	for (;;) {
		const struct sqllex_token *t = tok(p, 0);
		int pos = t->pos;
		const char *cname = NULL;
		struct sql_constraint *c;

		if (is_kw(t, SQLLEX_KW_CONSTRAINT)) {
			next(p);
			cname = take(p, is_colid, NULL);
			if (cname == NULL)
				return NULL;
			t = tok(p, 0);
		}
		if (is_kw(t, SQLLEX_KW_NOT) && peek_kw(p, 1, SQLLEX_KW_NULL)) {
			if (cd->null_) {
				coldef_conflict(p, t->pos, "conflicting "
						"NULL/NOT NULL declarations",
						cd, table);
				return NULL;
			}
			next(p);
			next(p);
			cd->not_null = 1;
			continue;
		}
		if (is_kw(t, SQLLEX_KW_NULL)) {
			if (cd->not_null) {
				coldef_conflict(p, t->pos, "conflicting "
						"NULL/NOT NULL declarations",
						cd, table);
				return NULL;
			}
			next(p);
			cd->null_ = 1;
			continue;
		}
		if (is_kw(t, SQLLEX_KW_DEFAULT)) {
			if (cd->default_ != NULL) {
				coldef_conflict(p, t->pos, "multiple default "
						"values specified", cd, table);
				return NULL;
			}
			next(p);
			cd->default_ = parse_expr(p);
			if (cd->default_ == NULL)
				return NULL;
			continue;
		}
		if (is_kw(t, SQLLEX_KW_REFERENCES)) {
			no_foreign_keys(p);
			return NULL;
		}
		if (!is_kw(t, SQLLEX_KW_PRIMARY) &&
		    !is_kw(t, SQLLEX_KW_UNIQUE) &&
		    !is_kw(t, SQLLEX_KW_CHECK)) {
			if (cname != NULL) {
				unexpected(p);
				return NULL;
			}
			return cd;
		}
		c = alloc(p, sizeof(*c));
		if (c == NULL)
			return NULL;
		c->pos = pos;
		c->name = cname;
		if (accept_kw(p, SQLLEX_KW_PRIMARY)) {
			c->kind = SQL_CONSTRAINT_PRIMARY_KEY;
			if (expect_kw(p, SQLLEX_KW_KEY) < 0)
				return NULL;
		} else if (accept_kw(p, SQLLEX_KW_UNIQUE)) {
			c->kind = SQL_CONSTRAINT_UNIQUE;
		} else {
			next(p);
			c->kind = SQL_CONSTRAINT_CHECK;
			c->check = paren_expr(p);
			if (c->check == NULL)
				return NULL;
		}
		if (push_constraint(p, &cd->constraints, &cd->nconstraints,
				    c) < 0)
			return NULL;
	}
}

static int parse_create_table(struct parser *p, struct sql_stmt *s)
{
	struct sql_create_table *ct = alloc(p, sizeof(*ct));

	if (ct == NULL)
		return -1;
	s->kind = SQL_STMT_CREATE_TABLE;
	s->u.create_table = ct;
	next(p);
	ct->if_not_exists = opt_if_not_exists(p);
	if (parse_qname(p, &ct->table) < 0)
		return -1;
	if (accept_kw(p, SQLLEX_KW_AS)) {
		ct->as_query = parse_query(p);
		return ct->as_query == NULL ? -1 : 0;
	}
	if (expect(p, SQLLEX_LPAREN) < 0)
		return -1;
	do {
		const struct sqllex_token *t = tok(p, 0);

		if (is_kw(t, SQLLEX_KW_CONSTRAINT) ||
		    is_kw(t, SQLLEX_KW_PRIMARY) ||
		    is_kw(t, SQLLEX_KW_UNIQUE) ||
		    is_kw(t, SQLLEX_KW_CHECK) ||
		    is_kw(t, SQLLEX_KW_FOREIGN)) {
			struct sql_constraint *c = table_constraint(p);

			if (c == NULL ||
			    push_constraint(p, &ct->constraints,
					    &ct->nconstraints, c) < 0)
				return -1;
		} else {
			struct sql_coldef *cd = parse_coldef(p, &ct->table);

			if (cd == NULL ||
			    push_coldef(p, &ct->columns, &ct->ncolumns,
					cd) < 0)
				return -1;
		}
	} while (accept(p, SQLLEX_COMMA));
	return expect(p, SQLLEX_RPAREN);
}

static int parse_create_index(struct parser *p, struct sql_stmt *s)
{
	struct sql_create_index *ci = alloc(p, sizeof(*ci));

	if (ci == NULL)
		return -1;
	s->kind = SQL_STMT_CREATE_INDEX;
	s->u.create_index = ci;
	ci->unique = accept_kw(p, SQLLEX_KW_UNIQUE);
	if (expect_kw(p, SQLLEX_KW_INDEX) < 0)
		return -1;
	ci->if_not_exists = opt_if_not_exists(p);
	if (!peek_kw(p, 0, SQLLEX_KW_ON) &&
	    (ci->name = take(p, is_colid, &ci->name_pos)) == NULL)
		return -1;
	if (expect_kw(p, SQLLEX_KW_ON) < 0 || parse_qname(p, &ci->table) < 0 ||
	    expect(p, SQLLEX_LPAREN) < 0)
		return -1;
	do {
		struct sql_index_col *c = alloc(p, sizeof(*c));

		if (c == NULL)
			return -1;
		c->name = take(p, is_colid, &c->pos);
		if (c->name == NULL)
			return -1;
		if (accept_kw(p, SQLLEX_KW_DESC))
			c->desc = 1;
		else
			accept_kw(p, SQLLEX_KW_ASC);
		if (push_indexcol(p, &ci->columns, &ci->ncolumns, c) < 0)
			return -1;
	} while (accept(p, SQLLEX_COMMA));
	return expect(p, SQLLEX_RPAREN);
}

static int parse_create_view(struct parser *p, struct sql_stmt *s)
{
	struct sql_create_view *cv = alloc(p, sizeof(*cv));

	if (cv == NULL)
		return -1;
	s->kind = SQL_STMT_CREATE_VIEW;
	s->u.create_view = cv;
	next(p);
	cv->if_not_exists = opt_if_not_exists(p);
	if (parse_qname(p, &cv->view) < 0)
		return -1;
	if (peek_is(p, 0, SQLLEX_LPAREN) &&
	    parse_ident_list(p, &cv->columns, &cv->ncolumns) < 0)
		return -1;
	if (expect_kw(p, SQLLEX_KW_AS) < 0)
		return -1;
	cv->query_start = tok(p, 0)->off;
	cv->query = parse_query(p);
	if (cv->query == NULL)
		return -1;
	cv->query_len = p->last_end - cv->query_start;
	return 0;
}

static int parse_create(struct parser *p, struct sql_stmt *s)
{
	next(p);
	if (peek_kw(p, 0, SQLLEX_KW_TABLE))
		return parse_create_table(p, s);
	if (peek_kw(p, 0, SQLLEX_KW_UNIQUE) || peek_kw(p, 0, SQLLEX_KW_INDEX))
		return parse_create_index(p, s);
	if (peek_kw(p, 0, SQLLEX_KW_VIEW))
		return parse_create_view(p, s);
	if (peek_kw(p, 0, SQLLEX_KW_DATABASE)) {
		struct sql_create_database *cd = alloc(p, sizeof(*cd));

		if (cd == NULL)
			return -1;
		s->kind = SQL_STMT_CREATE_DATABASE;
		s->u.create_database = cd;
		next(p);
		cd->if_not_exists = opt_if_not_exists(p);
		cd->name = take(p, is_colid, &cd->name_pos);
		return cd->name == NULL ? -1 : 0;
	}
	return unexpected(p);
}

static int parse_drop(struct parser *p, struct sql_stmt *s)
{
	struct sql_drop *d = alloc(p, sizeof(*d));
	const struct sqllex_token *t;
	struct sql_name *n;

	if (d == NULL)
		return -1;
	s->u.drop = d;
	next(p);
	t = tok(p, 0);
	if (is_kw(t, SQLLEX_KW_TABLE) || is_kw(t, SQLLEX_KW_VIEW)) {
		s->kind = is_kw(t, SQLLEX_KW_TABLE) ? SQL_STMT_DROP_TABLE :
			  SQL_STMT_DROP_VIEW;
		next(p);
		d->if_exists = opt_if_exists(p);
		do {
			n = new_qname(p);
			if (n == NULL ||
			    push_name(p, &d->names, &d->nnames, n) < 0)
				return -1;
		} while (accept(p, SQLLEX_COMMA));
	} else if (is_kw(t, SQLLEX_KW_INDEX)) {
		s->kind = SQL_STMT_DROP_INDEX;
		next(p);
		d->if_exists = opt_if_exists(p);
		n = new_qname(p);
		if (n == NULL)
			return -1;
		if (accept(p, SQLLEX_AT)) {
			d->index_table = n;
			n = alloc(p, sizeof(*n));
			if (n == NULL ||
			    (n->name = take(p, is_colid, &n->pos)) == NULL)
				return -1;
		} else if (accept_kw(p, SQLLEX_KW_ON)) {
			d->index_table = new_qname(p);
			if (d->index_table == NULL)
				return -1;
		}
		if (push_name(p, &d->names, &d->nnames, n) < 0)
			return -1;
	} else if (is_kw(t, SQLLEX_KW_DATABASE)) {
		s->kind = SQL_STMT_DROP_DATABASE;
		next(p);
		d->if_exists = opt_if_exists(p);
		n = alloc(p, sizeof(*n));
		if (n == NULL ||
		    (n->name = take(p, is_colid, &n->pos)) == NULL ||
		    push_name(p, &d->names, &d->nnames, n) < 0)
			return -1;
	} else {
		return unexpected(p);
	}
	if (accept_kw(p, SQLLEX_KW_CASCADE))
		d->behavior = SQL_DROP_CASCADE;
	else if (accept_kw(p, SQLLEX_KW_RESTRICT))
		d->behavior = SQL_DROP_RESTRICT;
	return 0;
}

static int parse_truncate(struct parser *p, struct sql_stmt *s)
{
	struct sql_truncate *tr = alloc(p, sizeof(*tr));

	if (tr == NULL)
		return -1;
	s->kind = SQL_STMT_TRUNCATE;
	s->u.truncate = tr;
	next(p);
	accept_kw(p, SQLLEX_KW_TABLE);
	do {
		struct sql_name *n = new_qname(p);

		if (n == NULL ||
		    push_name(p, &tr->tables, &tr->ntables, n) < 0)
			return -1;
	} while (accept(p, SQLLEX_COMMA));
	return 0;
}

/* BEGIN / START TRANSACTION / COMMIT / END / ROLLBACK */
static int parse_txn(struct parser *p, struct sql_stmt *s)
{
	const struct sqllex_token *t = tok(p, 0);
	struct sql_begin *b;

	if (is_kw(t, SQLLEX_KW_COMMIT) || is_kw(t, SQLLEX_KW_END) ||
	    is_kw(t, SQLLEX_KW_ROLLBACK)) {
		s->kind = is_kw(t, SQLLEX_KW_ROLLBACK) ? SQL_STMT_ROLLBACK :
			  SQL_STMT_COMMIT;
		next(p);
		if (!accept_kw(p, SQLLEX_KW_TRANSACTION))
			accept_kw(p, SQLLEX_KW_WORK);
		return 0;
	}
	b = alloc(p, sizeof(*b));
	if (b == NULL)
		return -1;
	s->kind = SQL_STMT_BEGIN;
	s->u.begin = b;
	if (is_kw(t, SQLLEX_KW_START)) {
		next(p);
		if (expect_kw(p, SQLLEX_KW_TRANSACTION) < 0)
			return -1;
	} else {
		next(p);
		if (!accept_kw(p, SQLLEX_KW_TRANSACTION))
			accept_kw(p, SQLLEX_KW_WORK);
	}
	if (!accept_kw(p, SQLLEX_KW_ISOLATION))
		return 0;
	if (expect_kw(p, SQLLEX_KW_LEVEL) < 0)
		return -1;
	if (accept_kw(p, SQLLEX_KW_SERIALIZABLE)) {
		b->isolation = SQL_ISOLATION_SERIALIZABLE;
	} else if (accept_kw(p, SQLLEX_KW_REPEATABLE)) {
		if (expect_kw(p, SQLLEX_KW_READ) < 0)
			return -1;
		b->isolation = SQL_ISOLATION_REPEATABLE_READ;
	} else if (accept_kw(p, SQLLEX_KW_READ)) {
		if (accept_kw(p, SQLLEX_KW_COMMITTED))
			b->isolation = SQL_ISOLATION_READ_COMMITTED;
		else if (expect_kw(p, SQLLEX_KW_UNCOMMITTED) < 0)
			return -1;
		else
			b->isolation = SQL_ISOLATION_READ_UNCOMMITTED;
	} else {
		return unexpected(p);
	}
	return 0;
}

static struct sql_setval *parse_setval(struct parser *p)
{
	struct sql_setval *v = alloc(p, sizeof(*v));
	const struct sqllex_token *t = tok(p, 0);
	const char *sign = "";

	if (v == NULL)
		return NULL;
	v->pos = t->pos;
	if (is_kw(t, SQLLEX_KW_DEFAULT)) {
		v->kind = SQL_SETVAL_DEFAULT;
		next(p);
		return v;
	}
	if (t->kind == SQLLEX_IDENT || t->kind == SQLLEX_QIDENT ||
	    t->kind == SQLLEX_STRING) {
		v->kind = t->kind == SQLLEX_STRING ? SQL_SETVAL_STRING :
			  SQL_SETVAL_WORD;
		v->text = t->str;
		next(p);
		return v;
	}
	if (t->kind == SQLLEX_MINUS || t->kind == SQLLEX_PLUS) {
		if (t->kind == SQLLEX_MINUS)
			sign = "-";
		next(p);
		t = tok(p, 0);
	}
	if (t->kind != SQLLEX_INT && t->kind != SQLLEX_NUMERIC) {
		unexpected(p);
		return NULL;
	}
	v->kind = SQL_SETVAL_NUMBER;
	v->text = arena_printf(p->a, "%s%.*s", sign, (int)t->len,
			       p->lx.text + t->off);
	if (v->text == NULL) {
		nomem(p);
		return NULL;
	}
	next(p);
	return v;
}

static int parse_set(struct parser *p, struct sql_stmt *s)
{
	struct sql_set *st = alloc(p, sizeof(*st));

	if (st == NULL)
		return -1;
	s->kind = SQL_STMT_SET;
	s->u.set = st;
	if (accept_kw(p, SQLLEX_KW_USE)) {
		struct sql_setval *v = alloc(p, sizeof(*v));

		st->name = "database";
		st->name_pos = s->pos;
		if (v == NULL)
			return -1;
		v->kind = SQL_SETVAL_WORD;
		v->text = take(p, is_label, &v->pos);
		if (v->text == NULL)
			return -1;
		return push_setval(p, &st->values, &st->nvalues, v);
	}
	next(p);
	st->name = take(p, is_colid, &st->name_pos);
	if (st->name == NULL)
		return -1;
	if (!accept(p, SQLLEX_EQ) && expect_kw(p, SQLLEX_KW_TO) < 0)
		return -1;
	do {
		struct sql_setval *v = parse_setval(p);

		if (v == NULL ||
		    push_setval(p, &st->values, &st->nvalues, v) < 0)
			return -1;
	} while (accept(p, SQLLEX_COMMA));
	return 0;
}

static int parse_show(struct parser *p, struct sql_stmt *s)
{
	struct sql_show *sh = alloc(p, sizeof(*sh));
	const struct sqllex_token *t;

	if (sh == NULL)
		return -1;
	s->kind = SQL_STMT_SHOW;
	s->u.show = sh;
	next(p);
	t = tok(p, 0);
	if (is_kw(t, SQLLEX_KW_TABLES)) {
		sh->what = SQL_SHOW_TABLES;
		next(p);
		if (accept_kw(p, SQLLEX_KW_FROM) &&
		    (sh->db = take(p, is_colid, NULL)) == NULL)
			return -1;
		return 0;
	}
	if (is_kw(t, SQLLEX_KW_DATABASES)) {
		sh->what = SQL_SHOW_DATABASES;
		next(p);
		return 0;
	}
	if (is_kw(t, SQLLEX_KW_CREATE)) {
		sh->what = SQL_SHOW_CREATE;
		next(p);
		if (!accept_kw(p, SQLLEX_KW_TABLE))
			accept_kw(p, SQLLEX_KW_VIEW);
		return parse_qname(p, &sh->table);
	}
	if ((is_kw(t, SQLLEX_KW_COLUMNS) || is_kw(t, SQLLEX_KW_INDEX) ||
	     is_kw(t, SQLLEX_KW_INDEXES)) && peek_kw(p, 1, SQLLEX_KW_FROM)) {
		sh->what = is_kw(t, SQLLEX_KW_COLUMNS) ? SQL_SHOW_COLUMNS :
			   SQL_SHOW_INDEXES;
		next(p);
		next(p);
		return parse_qname(p, &sh->table);
	}
	if (is_kw(t, SQLLEX_KW_RANGES) && peek_kw(p, 1, SQLLEX_KW_FROM)) {
		next(p);
		next(p);
		if (accept_kw(p, SQLLEX_KW_TABLE)) {
			sh->what = SQL_SHOW_RANGES_TABLE;
			return parse_qname(p, &sh->table);
		}
		if (expect_kw(p, SQLLEX_KW_INDEX) < 0)
			return -1;
		sh->what = SQL_SHOW_RANGES_INDEX;
		if (parse_qname(p, &sh->table) < 0 || expect(p, SQLLEX_AT) < 0)
			return -1;
		sh->index = take(p, is_colid, NULL);
		return sh->index == NULL ? -1 : 0;
	}
	sh->what = SQL_SHOW_VAR;
	sh->var = take(p, is_colid, NULL);
	return sh->var == NULL ? -1 : 0;
}

static int parse_explain(struct parser *p, struct sql_stmt *s)
{
	struct sql_explain *ex = alloc(p, sizeof(*ex));
	const struct sqllex_token *t;

	if (ex == NULL)
		return -1;
	s->kind = SQL_STMT_EXPLAIN;
	s->u.explain = ex;
	next(p);
	t = tok(p, 0);
	if (!starts_query(t) && t->kind != SQLLEX_LPAREN &&
	    !is_kw(t, SQLLEX_KW_INSERT) && !is_kw(t, SQLLEX_KW_UPSERT) &&
	    !is_kw(t, SQLLEX_KW_REPLACE) && !is_kw(t, SQLLEX_KW_UPDATE) &&
	    !is_kw(t, SQLLEX_KW_DELETE))
		return unexpected(p);
	ex->stmt = parse_stmt(p);
	return ex->stmt == NULL ? -1 : 0;
}

static struct sql_stmt *parse_stmt(struct parser *p)
{
	const struct sqllex_token *t = tok(p, 0);
	struct sql_stmt *s = alloc(p, sizeof(*s));
	int rc;

	if (s == NULL)
		return NULL;
	s->pos = t->pos;
	s->text_start = t->off;
	if (starts_query(t) || t->kind == SQLLEX_LPAREN) {
		s->kind = SQL_STMT_QUERY;
		s->u.query = parse_query(p);
		rc = s->u.query == NULL ? -1 : 0;
	} else if (t->kind != SQLLEX_IDENT) {
		rc = unexpected(p);
	} else {
		switch (t->kw) {
		case SQLLEX_KW_INSERT:
		case SQLLEX_KW_UPSERT:
		case SQLLEX_KW_REPLACE:
			rc = parse_insert(p, s);
			break;
		case SQLLEX_KW_UPDATE:
			rc = parse_update(p, s);
			break;
		case SQLLEX_KW_DELETE:
			rc = parse_delete(p, s);
			break;
		case SQLLEX_KW_CREATE:
			rc = parse_create(p, s);
			break;
		case SQLLEX_KW_DROP:
			rc = parse_drop(p, s);
			break;
		case SQLLEX_KW_TRUNCATE:
			rc = parse_truncate(p, s);
			break;
		case SQLLEX_KW_BEGIN:
		case SQLLEX_KW_START:
		case SQLLEX_KW_COMMIT:
		case SQLLEX_KW_END:
		case SQLLEX_KW_ROLLBACK:
			rc = parse_txn(p, s);
			break;
		case SQLLEX_KW_SET:
		case SQLLEX_KW_USE:
			rc = parse_set(p, s);
			break;
		case SQLLEX_KW_SHOW:
			rc = parse_show(p, s);
			break;
		case SQLLEX_KW_EXPLAIN:
			rc = parse_explain(p, s);
			break;
		default:
			rc = unexpected(p);
			break;
		}
	}
	if (rc < 0 || p->failed)
		return NULL;
	s->text_len = p->last_end - s->text_start;
	return s;
}

/* ---- entry points ------------------------------------------------------ */

static int parser_init(struct parser *p, struct arena *a, const char *sql,
		       size_t len, struct sqlerr *e)
{
	memset(p, 0, sizeof(*p));
	p->a = a;
	p->e = e;
	sqlerr_clear(e);
	if (sqllex_init(&p->lx, a, sql, len, e) < 0) {
		p->failed = 1;
		return -1;
	}
	return 0;
}

int sqlparse(struct arena *a, const char *sql, size_t len,
	     struct sql_stmt ***out, size_t *nout, struct sqlerr *e)
{
	struct parser p;
	struct sql_stmt **stmts = NULL;
	size_t n = 0;

	*out = NULL;
	*nout = 0;
	if (parser_init(&p, a, sql, len, e) < 0)
		return -1;
	for (;;) {
		struct sql_stmt *s;

		while (accept(&p, SQLLEX_SEMI))
			;
		if (p.failed)
			return -1;
		if (peek_is(&p, 0, SQLLEX_EOF))
			break;
		s = parse_stmt(&p);
		if (s == NULL || push_stmt(&p, &stmts, &n, s) < 0)
			return -1;
		if (!peek_is(&p, 0, SQLLEX_EOF) &&
		    !peek_is(&p, 0, SQLLEX_SEMI)) {
			unexpected(&p);
			return -1;
		}
	}
	if (p.failed)
		return -1;
	*out = stmts;
	*nout = n;
	return 0;
}

int sqlparse_expr(struct arena *a, const char *sql, size_t len,
		  struct sql_expr **out, struct sqlerr *e)
{
	struct parser p;
	struct sql_expr *x;

	*out = NULL;
	if (parser_init(&p, a, sql, len, e) < 0)
		return -1;
	x = parse_expr(&p);
	if (x == NULL)
		return -1;
	if (!peek_is(&p, 0, SQLLEX_EOF))
		return unexpected(&p);
	if (p.failed)
		return -1;
	*out = x;
	return 0;
}

int sqlparse_typename(struct arena *a, const char *sql, size_t len,
		      struct sql_typename *out, struct sqlerr *e)
{
	struct parser p;

	memset(out, 0, sizeof(*out));
	if (parser_init(&p, a, sql, len, e) < 0)
		return -1;
	if (parse_typename(&p, out) < 0)
		return -1;
	if (!peek_is(&p, 0, SQLLEX_EOF))
		return unexpected(&p);
	return p.failed ? -1 : 0;
}
