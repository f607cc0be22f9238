/*
 * sqlparse.h -- the SQL parser: request text in, syntax trees out.
 *
 * A hand-written recursive-descent parser with precedence climbing for
 * expressions, over the on-demand lexer of sqllex.h.  Why not bison: error
 * positions are exact and every error names the token at fault; the
 * nesting limit is explicit, so no input can overflow the C stack; and
 * there is no generated code or extra build dependency.
 *
 * Guarantees:
 *   - The grammar is the one in sqlast.h (PostgreSQL's, plus CockroachDB's
 *     UPSERT, AS OF SYSTEM TIME, SHOW ..., t@i, and SQLite's REPLACE INTO).
 *   - Syntax errors are 42601 with PostgreSQL's wording, 'syntax error at
 *     or near "FROM"' or 'syntax error at end of input', positioned at the
 *     offending token (1-based byte offset in the whole text; end of input
 *     is len + 1).  Lexical errors are as described in sqllex.h.
 *   - Text longer than SQLLEX_MAX_TEXT is 54000; nesting (parentheses,
 *     subqueries, unary operators) or a tree deeper than SQLAST_MAX_DEPTH
 *     is 54001 'statement is too complex (nesting deeper than 200)'.
 *   - All memory comes from the arena; on error the arena may hold partial
 *     trees (reset or free it).  Out of memory is 53200.
 *   - Never aborts, never reads outside text[0, len).
 * Tested in t/unit/sqlparse_test.c; fuzzed by t/fuzz/sqlparse_fuzz.c.
 */
#ifndef RANGEDB_SQLPARSE_H
#define RANGEDB_SQLPARSE_H

#include <stddef.h>

#include "arena.h"
#include "sqlast.h"
#include "sqlerr.h"

/*
 * Parse every ';'-separated statement of sql[0, len) (empty statements are
 * skipped; no statement at all is fine: *nout = 0).  On success returns 0
 * with *out an arena array of *nout statements in order.  On the first
 * error returns -1 with e filled; *out and *nout are then (NULL, 0).
 */
int sqlparse(struct arena *a, const char *sql, size_t len,
	     struct sql_stmt ***out, size_t *nout, struct sqlerr *e);

/*
 * Parse one expression making up all of sql[0, len) (for DEFAULT
 * expressions stored in the catalog as text).  0 or -1 with e filled.
 */
int sqlparse_expr(struct arena *a, const char *sql, size_t len,
		  struct sql_expr **out, struct sqlerr *e);

/* Parse one type name making up all of sql[0, len) ("VARCHAR(20)"). */
int sqlparse_typename(struct arena *a, const char *sql, size_t len,
		      struct sql_typename *out, struct sqlerr *e);

#endif
