/*
 * sqlrow.h -- how a table's rows and index entries sit in the ordered
 * key-value space, and the writes that keep them consistent.
 *
 * Layout (keys are keys.h tuples under the /t prefix; datums encoded by
 * sqlenc so that byte order is value order):
 *   primary index (id 1):
 *	/t/<table>/1/<pk values...>		-> row value
 *   the row value holds every non-primary-key column that is not NULL,
 *   tagged with its column id (sqlenc's row encoding), so adding a column
 *   later needs no rewrite and NULLs cost nothing;
 *   secondary index, non-unique, or unique with a NULL among its values:
 *	/t/<table>/<index>/<index values...>/<pk values...>	-> ""
 *   secondary unique index when every index value is non-NULL:
 *	/t/<table>/<index>/<index values...>	-> <pk values...> (a tuple)
 *   (NULLs never collide, as SQL says: such entries take the first form).
 * A table without a declared primary key has a hidden INT8 column
 * "rowid" as its primary key, filled by ctx->next_rowid.
 *
 * Rows in memory are arrays of struct sql_datum with one entry per column
 * of the descriptor, in descriptor order (d->cols[i] is row[i]).
 *
 * The write functions check every unique constraint (the primary key
 * included) against what the transaction sees, write the row and every
 * index entry, and remove the entries an update or delete makes stale.
 * All in the caller's transaction, so a statement's writes commit or
 * vanish together.
 * Tested in t/unit/sqlrow_test.c.
 */
#ifndef RANGEDB_SQLROW_H
#define RANGEDB_SQLROW_H

#include <stddef.h>

#include "keys.h"
#include "sqlcat.h"
#include "sqlerr.h"
#include "sqlkv.h"
#include "sqlval.h"

struct arena;

/* Position of column id in d->cols, or -1. */
int sqlrow_col_index(const struct sqlcat_desc *d, int col_id);

/*
 * The key span [start, end) of every entry of index ix of table d whose
 * leading index values equal vals[0..n) (n may be 0: the whole index).
 * The buffers are reset first.
 */
int sqlrow_span(const struct sqlcat_desc *d, const struct sqlcat_index *ix,
		const struct sql_datum *vals, size_t n, struct keys_buf *start,
		struct keys_buf *end, struct sqlerr *e);
/*
 * Like sqlrow_span() for a range on the column after the n equal ones:
 * lo/hi NULL for unbounded, lo_incl/hi_incl for >= / <=.  NULLs sort
 * first in keys, so a bounded range excludes NULL (as SQL comparisons do)
 * and an unbounded low end with a bounded high end starts after NULL.
 */
int sqlrow_range(const struct sqlcat_desc *d, const struct sqlcat_index *ix,
		 const struct sql_datum *eq, size_t n,
		 const struct sql_datum *lo, int lo_incl,
		 const struct sql_datum *hi, int hi_incl,
		 struct keys_buf *start, struct keys_buf *end,
		 struct sqlerr *e);

/*
 * Decode one primary-index entry into row (d->ncols datums; strings
 * point into a).  22P02-free: a malformed entry is XX000 "corrupt row".
 */
int sqlrow_decode(const struct sqlcat_desc *d, const void *key, size_t klen,
		  const void *val, size_t vlen, struct arena *a,
		  struct sql_datum *row, struct sqlerr *e);
/*
 * Decode one entry of secondary index ix: fills row[] at the positions
 * of the index columns and of the primary key columns (the others are
 * left untouched), so a covering scan needs nothing more and a lookup
 * can build the primary key.
 */
int sqlrow_decode_index(const struct sqlcat_desc *d,
			const struct sqlcat_index *ix, const void *key,
			size_t klen, const void *val, size_t vlen,
			struct arena *a, struct sql_datum *row,
			struct sqlerr *e);

/*
 * The row whose primary key values are those of row (the pk positions of
 * row are read; the whole row is filled).  *found 0 when there is none.
 */
int sqlrow_get(struct sqlkv *kv, const struct sqlcat_desc *d,
	       const struct sql_datum *pk_row, struct arena *a,
	       struct sql_datum *row, int *found, struct sqlerr *e);
/*
 * The row that holds values vals (one per column of unique index ix, in
 * index order; the primary index works too).  *found 0 when none.
 */
int sqlrow_lookup(struct sqlkv *kv, const struct sqlcat_desc *d,
		  const struct sqlcat_index *ix, const struct sql_datum *vals,
		  struct arena *a, struct sql_datum *row, int *found,
		  struct sqlerr *e);

/*
 * Insert row (already cast to the column types, NOT NULL checked by the
 * caller).  A primary key or unique index that already holds the values
 * is 23505 'duplicate key value violates unique constraint "name"' with
 * *conflict set to that index (NULL otherwise), and nothing is written.
 */
int sqlrow_insert(struct sqlkv *kv, const struct sqlcat_desc *d,
		  const struct sql_datum *row, struct arena *a,
		  const struct sqlcat_index **conflict, struct sqlerr *e);
/*
 * Replace old (as read) by new: moves the row when the primary key
 * changed, rewrites the index entries whose values changed, checks the
 * unique constraints new takes part in (23505 as above).
 */
int sqlrow_update(struct sqlkv *kv, const struct sqlcat_desc *d,
		  const struct sql_datum *old, const struct sql_datum *new_,
		  struct arena *a, const struct sqlcat_index **conflict,
		  struct sqlerr *e);
/* Delete old (as read) and its index entries. */
int sqlrow_delete(struct sqlkv *kv, const struct sqlcat_desc *d,
		  const struct sql_datum *old, struct arena *a,
		  struct sqlerr *e);

/* Write the entry of index ix for row (CREATE INDEX backfill): 23505
 * when a unique index already has the values. */
int sqlrow_index_put(struct sqlkv *kv, const struct sqlcat_desc *d,
		     const struct sqlcat_index *ix,
		     const struct sql_datum *row, struct arena *a,
		     struct sqlerr *e);

#endif
