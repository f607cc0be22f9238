/*
 * sltfmt.h -- how the sqllogictest runner prints, sorts, hashes and
 * compares query results, and remembers labelled results.
 *
 * Printing follows SQLite's reference runner (the corpus was made with
 * it): every value becomes one string by its column's type letter,
 *   I  an integer: decimal text loses its fraction (truncated toward
 *      zero, exactly, at any size), other numbers go through a double;
 *      booleans are 1 and 0; text that does not start with a number is 0;
 *   R  printf("%.3f") of the value as a double (booleans 1 and 0);
 *   T  the text as is, "(empty)" for '', every byte outside ' '..'~'
 *      replaced by '@';
 * and SQL NULL is "NULL" in every column.  rowsort sorts rows and
 * valuesort single values by strcmp() of the printed strings.  The hash
 * of a result is the MD5 of its printed values, each followed by "\n",
 * written "N values hashing to HEX".
 *
 * Comparison does not depend on the hash threshold: expected results
 * written as a hash line are compared by hash and count, listed ones
 * value by value -- one value per line, or (for files that print a row
 * per line) the row's values joined with single spaces.  So a file made
 * with another threshold still checks; with a consistent file the verdict
 * is the reference runner's.  Tested in t/unit/slt_test.c.
 */
#ifndef RANGEDB_SLTFMT_H
#define RANGEDB_SLTFMT_H

#include <stddef.h>

#include "md5.h"
#include "sltparse.h"

/*
 * value as printed in a column of type t ('I', 'R' or 'T').  value NULL
 * is SQL NULL.  dbtype is the engine's type name of the column ("bool",
 * "int8", ...), or NULL when unknown: then "t" and "f" count as booleans
 * in I and R columns (PostgreSQL prints booleans so).  Returns a malloc'd
 * string, NULL when out of memory.
 */
char *sltfmt_value(char t, const char *value, const char *dbtype);

/* Sort printed values in place: rows of ncols values, or all values. */
void sltfmt_sort(char **vals, size_t nvals, size_t ncols,
		 enum sltrec_sort mode);

/* MD5 of n printed values, each followed by "\n", in lower-case hex. */
void sltfmt_hash(char *const *vals, size_t n, char hex[MD5_HEX_LEN + 1]);

/* 1 when line is "N values hashing to HEX" (32 hex digits), else 0. */
int sltfmt_parse_hash_line(const char *line, size_t *n,
			   char hex[MD5_HEX_LEN + 1]);

/*
 * The hash a query's expected results stand for (the label check of a
 * query that was not run): the hash line's, or the MD5 of the listed
 * values -- lines that are whole rows ("1 2 3", only recognised when no
 * column is T) are split into their values first.  0 when the record
 * lists no results (nothing to check), else 1.
 */
int sltfmt_expected_hash(const struct sltrec *q, char hex[MD5_HEX_LEN + 1]);

/*
 * Compare a query's printed, sorted result (nvals values in rows of ncols)
 * with its expected lines; hex is sltfmt_hash() of the values.  1 on a
 * match; 0 on a mismatch with *why a malloc'd one-line reason (NULL when
 * out of memory); -1 when out of memory.
 */
int sltfmt_compare(const struct sltrec *q, char *const *vals, size_t nvals,
		   size_t ncols, const char *hex, char **why);

/* ---- labels ------------------------------------------------------------ */

/* Results by label: every query with the same label must hash the same. */
struct sltlabels;

struct sltlabels *sltlabels_new(void);	/* NULL when out of memory */
void sltlabels_free(struct sltlabels *l);

/*
 * The first hash seen for label is remembered (with its line) and 1 is
 * returned; later ones return 1 when they agree, 0 when not (with
 * *first_line the line of the remembered one), -1 when out of memory.
 */
int sltlabels_check(struct sltlabels *l, const char *label, const char *hex,
		    int line, int *first_line);

#endif
