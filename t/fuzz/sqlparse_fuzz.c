/*
 * sqlparse_fuzz.c -- libFuzzer target for the SQL lexer, parser and
 * deparser (cmd/txcoord/sqllex.c, sqlparse.c, sqlast.c).
 *
 * For every input: parse it; on success deparse every statement, parse the
 * deparsed text again and require one statement structurally equal to the
 * first, whose own deparse is the same text (a fixed point); check that
 * every span and position lies inside the input and that heights respect
 * SQLAST_MAX_DEPTH.  On failure require a well-formed error: a 5-character
 * SQLSTATE, a non-empty valid UTF-8 message, a position in [0, len + 1].
 * The same bytes also go through sqlparse_expr() and sqlparse_typename().
 * Any violated check aborts, which libFuzzer reports as a crash; ASan and
 * UBSan catch memory errors and leaks (everything lives in one arena that
 * is freed each time).  How to build and run it: t/fuzz/README.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "sqlast.h"
#include "sqlerr.h"
#include "sqllex.h"
#include "sqlparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "check failed: %s (%s:%d)\n",	\
				#cond, __FILE__, __LINE__);		\
			abort();					\
		}							\
	} while (0)

static void check_error(const struct sqlerr *e, size_t size)
{
	CHECK(strlen(e->sqlstate) == 5);
	CHECK(e->msg[0] != '\0');
	CHECK(sqllex_utf8_valid(e->msg, strlen(e->msg), NULL, NULL));
	CHECK(e->position >= 0 && (size_t)e->position <= size + 1);
}

static void check_query_heights(const struct sql_query *q)
{
	CHECK(q->height >= 1 && q->height <= SQLAST_MAX_DEPTH);
}

static void check_stmt(struct arena *a, const struct sql_stmt *s,
		       const char *text, size_t size)
{
	struct sql_stmt **s2;
	size_t n2, i;
	struct sqlerr e;
	char *d, *d2;

	CHECK(s->text_start <= size && s->text_len <= size - s->text_start);
	CHECK(s->text_len > 0);
	CHECK(s->pos == (int)s->text_start + 1);
	(void)text;
	if (s->kind == SQL_STMT_QUERY) {
		const struct sql_query *q = s->u.query;

		check_query_heights(q);
		if (q->kind == SQL_QUERY_SELECT)
			for (i = 0; i < q->u.select.ntargets; i++) {
				const struct sql_target *t =
					q->u.select.targets[i];

				CHECK(sqlast_target_name(t) != NULL);
				CHECK(t->text_start <= size &&
				      t->text_len <= size - t->text_start);
				CHECK(t->expr->height <= SQLAST_MAX_DEPTH);
			}
	}
	if (s->kind == SQL_STMT_CREATE_VIEW) {
		const struct sql_create_view *cv = s->u.create_view;

		CHECK(cv->query_start <= size &&
		      cv->query_len <= size - cv->query_start);
	}

	d = sqlast_stmt_to_sql(a, s);
	CHECK(d != NULL);
	if (sqlparse(a, d, strlen(d), &s2, &n2, &e) != 0) {
		fprintf(stderr, "deparsed text does not parse: %s\n  %s\n",
			e.msg, d);
		abort();
	}
	CHECK(n2 == 1);
	if (!sqlast_stmt_equal(s, s2[0])) {
		fprintf(stderr, "round trip changed the tree:\n  %s\n  %s\n",
			d, sqlast_stmt_to_sql(a, s2[0]));
		abort();
	}
	d2 = sqlast_stmt_to_sql(a, s2[0]);
	CHECK(d2 != NULL && strcmp(d, d2) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	const char *text = (const char *)data;
	struct sql_stmt **s;
	struct sql_expr *x;
	struct sql_typename ty;
	size_t n, i;
	struct sqlerr e;

	if (a == NULL)
		return 0;
	if (sqlparse(a, text, size, &s, &n, &e) == 0) {
		for (i = 0; i < n; i++)
			check_stmt(a, s[i], text, size);
	} else {
		check_error(&e, size);
	}

	arena_reset(a);
	if (sqlparse_expr(a, text, size, &x, &e) == 0) {
		char *d = sqlast_expr_to_sql(a, x);
		struct sql_expr *x2;

		CHECK(d != NULL);
		CHECK(x->height >= 1 && x->height <= SQLAST_MAX_DEPTH);
		if (sqlparse_expr(a, d, strlen(d), &x2, &e) != 0) {
			fprintf(stderr, "deparsed expression does not parse: "
				"%s\n  %s\n", e.msg, d);
			abort();
		}
		CHECK(sqlast_expr_equal(x, x2));
	} else {
		check_error(&e, size);
	}

	arena_reset(a);
	if (sqlparse_typename(a, text, size, &ty, &e) == 0) {
		char *d = sqlast_typename_to_sql(a, &ty);
		struct sql_typename ty2;

		CHECK(d != NULL);
		CHECK(sqlparse_typename(a, d, strlen(d), &ty2, &e) == 0);
		CHECK(ty.kind == ty2.kind && ty.width == ty2.width &&
		      ty.precision == ty2.precision && ty.scale == ty2.scale);
	} else {
		check_error(&e, size);
	}
	arena_free(a);
	return 0;
}
