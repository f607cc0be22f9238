/*
 * sqlfilt.h -- row filters pushed down to the ranges.
 *
 * A table scan's WHERE conjuncts that read only that table's row (no
 * subquery, no column of an enclosing query) travel with each scan
 * request as SQL text plus the table's descriptor; the storage node
 * (raftd) compiles them with the same parser and planner as the gateway
 * and returns only the rows that pass.  Only rows of the primary index
 * are filtered (their value holds the whole row).
 *
 * A pushed filter is a hint, never the only check:
 *   - the gateway applies the whole WHERE again to what comes back (its
 *     own buffered writes are merged in after the storage node filtered,
 *     and they must be filtered too);
 *   - a row the storage node cannot decide (it does not decode, or the
 *     expression fails on it, e.g. a division by zero) is kept, so the
 *     gateway evaluates it and raises the error if it is its to raise;
 *   - a filter the storage node cannot compile (a newer gateway's syntax)
 *     is reported as such and the scan runs unfiltered.
 * So a pushed filter can make a scan cheaper, never its answer different.
 *
 * The wire form (JSON object):
 *   {"table": <sqlcat_desc_json>, "alias": "t", "where": "<SQL>",
 *    "now": <HLC of the transaction, for now()>}
 * Tested in t/unit/sqlfilt_test.c and t/610-sql.bats.
 */
#ifndef RANGEDB_SQLFILT_H
#define RANGEDB_SQLFILT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "sqlcat.h"

struct sqlfilt;

/*
 * The wire form for a scan of table d known as alias, keeping the rows
 * for which where (SQL text of a boolean expression over d's columns) is
 * true.  NULL when out of memory.
 */
json_t *sqlfilt_encode(const struct sqlcat_desc *d, const char *alias,
		       const char *where, uint64_t now);

/*
 * Compile a filter from its wire form.  RC_BAD_INPUT with the reason
 * (malformed JSON, not a table, a syntax error, an unknown column, a
 * subquery or outer reference, not boolean); RC_NOMEM.
 */
int sqlfilt_new(const json_t *j, struct sqlfilt **out, struct err *e);
void sqlfilt_free(struct sqlfilt *f);

/*
 * 1 when the primary-index entry (key, val) may pass and must be
 * returned, 0 when the filter is certainly false or NULL for it.
 */
int sqlfilt_keep(struct sqlfilt *f, const void *key, size_t klen,
		 const void *val, size_t vlen);

#endif
