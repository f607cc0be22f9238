/*
 * mvcc.h -- a multi-version key/value table in a Berkeley DB btree.
 *
 * A table holds versions (key, ts) -> value | tombstone, where key is any
 * byte string (empty included) and ts a nonzero HLC timestamp.  A read at
 * ts sees, for each key, the newest version at or below ts; a tombstone
 * there means "absent".  Many tables live in one environment (raftd: one
 * per range, named e.g. "r42.data"), each in its own file.
 *
 * Layout (stable on disk, see mvcc.c): stored key = user key with 0x00
 * escaped as 0x00 0xFF, then the terminator 0x00 0x01, then ~ts as 8 bytes
 * big-endian; stored value = one kind byte (1 value, 2 tombstone; 3 is
 * reserved for write intents) + the bytes.  With Berkeley DB's bytewise
 * comparison this orders user keys bytewise (a prefix before its
 * extensions) and each key's versions newest first, so a point read is one
 * DB_SET_RANGE seek.
 *
 * Guarantees:
 * - Writing a version at a (key, ts) that exists overwrites it, whatever
 *   either kind is: re-applying a Raft entry is idempotent.
 * - Every call takes an optional transaction (NULL = the call runs in its
 *   own, retried a few times on deadlock); with one, several calls on
 *   several tables commit or abort together.  A call that fails inside a
 *   caller's transaction leaves it to the caller to abort.
 * - Handles may be shared between threads.
 * - Limits: keys up to MVCC_KEY_MAX bytes, values up to MVCC_VALUE_MAX;
 *   longer ones are RC_TOO_LARGE, never cut.  ts 0, NULL with a nonzero
 *   length and similar misuse are RC_BAD_INPUT.
 * - Data found malformed on disk is RC_CORRUPT.
 *
 * Tested in t/unit/mvcc_test.c.
 */
#ifndef RANGEDB_MVCC_H
#define RANGEDB_MVCC_H

#include <stddef.h>
#include <stdint.h>

#include "bdb.h"
#include "err.h"

#define MVCC_KEY_MAX	(64u * 1024)		/* bytes of a user key */
#define MVCC_VALUE_MAX	(64u * 1024 * 1024)	/* bytes of a value */

struct mvcc;

/* ---- open / close ----------------------------------------------------- */

/* Open (creating if needed) table `name` (see bdb_db_open for names). */
int mvcc_open(struct bdb *env, const char *name, struct mvcc **out,
	      struct err *e);

/* Close the handle (the data stays); NULL is a no-op. */
int mvcc_close(struct mvcc *m, struct err *e);

/* The table's name (borrowed). */
const char *mvcc_name(const struct mvcc *m);

/* ---- writes ----------------------------------------------------------- */

/* Write value val at (key, ts); overwrites an existing (key, ts). */
int mvcc_put(struct mvcc *m, struct bdb_txn *txn, const void *key,
	     size_t klen, uint64_t ts, const void *val, size_t vlen,
	     struct err *e);

/* Write a tombstone at (key, ts); overwrites an existing (key, ts). */
int mvcc_delete(struct mvcc *m, struct bdb_txn *txn, const void *key,
		size_t klen, uint64_t ts, struct err *e);

/* ---- reads ------------------------------------------------------------ */

/*
 * The newest version of key at or below ts.  On RC_OK *val (if val is not
 * NULL) is a malloc'd copy the caller frees, never NULL and NUL-terminated
 * one past *vlen, and *found_ts (if not NULL) is that version's timestamp.
 * RC_NOT_FOUND when there is no version at or below ts, or when it is a
 * tombstone; then *found_ts is the tombstone's timestamp, or 0 when there
 * is no version at all (callers checking for write conflicts use it).
 */
int mvcc_get(struct mvcc *m, struct bdb_txn *txn, const void *key,
	     size_t klen, uint64_t ts, void **val, size_t *vlen,
	     uint64_t *found_ts, struct err *e);

/* One visible version returned by mvcc_scan(). */
struct mvcc_kv {
	void *key;		/* malloc'd, NUL-terminated past klen */
	size_t klen;
	void *val;		/* malloc'd, NUL-terminated past vlen */
	size_t vlen;
	uint64_t ts;		/* the version's timestamp */
};

struct mvcc_scan_result {
	struct mvcc_kv *items;	/* n items in ascending key order */
	size_t n;
	int more;		/* 1: more visible keys follow in the bounds */
	void *resume_key;	/* when more: the first key not returned */
	size_t resume_klen;
};

/*
 * The visible (newest at or below ts, not a tombstone) versions of the keys
 * in [start, end), in key order.  start NULL (with slen 0) or empty means
 * from the first key; end NULL or empty (elen 0) means to the end of the
 * table.  limit caps the number of items; 0 means no limit (only for
 * internal callers that know the range is small: anything serving a
 * request should pass one).  When the limit stopped the scan and at least
 * one more visible key exists before end, res->more is 1 and
 * res->resume_key is that key: scan again with it as start to get the next
 * page.  res is overwritten (not released) first; release it with
 * mvcc_scan_result_release(), also after an error.
 */
int mvcc_scan(struct mvcc *m, struct bdb_txn *txn, const void *start,
	      size_t slen, const void *end, size_t elen, uint64_t ts,
	      size_t limit, struct mvcc_scan_result *res, struct err *e);

/* Free what a scan result holds and zero it (it may be reused). */
void mvcc_scan_result_release(struct mvcc_scan_result *res);

/* ---- transactions: conflict checks and history ------------------------ */

/*
 * Is there a version (value or tombstone) with from < ts <= to of any key
 * in [start, end)?  start NULL/empty: from the first key; end NULL/empty:
 * to the end of the table (a single key: use mvcc_changed_key).  On RC_OK
 * *changed is 0 or 1; when 1, *key / *klen (each may be a NULL argument;
 * *key is malloc'd, NUL-terminated past *klen) name the first such key in
 * key order and *at (may be NULL) the ts of its newest version in
 * (from, to].  from >= to is an empty interval: *changed = 0.  Cost: about
 * two seeks per key of the span that has any version at or below to.
 */
int mvcc_changed(struct mvcc *m, struct bdb_txn *txn, const void *start,
		 size_t slen, const void *end, size_t elen, uint64_t from,
		 uint64_t to, int *changed, void **key, size_t *klen,
		 uint64_t *at, struct err *e);

/* The same for one key (one seek); *at (may be NULL) as above. */
int mvcc_changed_key(struct mvcc *m, struct bdb_txn *txn, const void *key,
		     size_t klen, uint64_t from, uint64_t to, int *changed,
		     uint64_t *at, struct err *e);

/* *ts = the newest version's ts of key (value or tombstone), 0 if none. */
int mvcc_latest_ts(struct mvcc *m, struct bdb_txn *txn, const void *key,
		   size_t klen, uint64_t *ts, struct err *e);

/* One stored version returned by mvcc_scan_versions(). */
struct mvcc_version {
	void *key;		/* malloc'd, NUL-terminated past klen */
	size_t klen;
	void *val;		/* malloc'd, NUL-terminated past vlen; a
				   tombstone's is empty (never NULL) */
	size_t vlen;
	uint64_t ts;
	int tombstone;		/* 1: a delete */
};

struct mvcc_versions {
	struct mvcc_version *items;	/* key ascending, each key newest
					   first */
	size_t n;
	int more;		/* 1: more keys with versions follow */
	void *resume_key;	/* when more: the first key not returned */
	size_t resume_klen;
};

/*
 * Every stored version of the keys in [start, end) needed to serve reads
 * at timestamps in [horizon, upto] (range images, splits, merges): per key,
 * every version with horizon < ts <= upto (tombstones included), plus the
 * newest version at or below horizon unless it is a tombstone.  horizon 0
 * means every version up to upto.  horizon must be <= upto, upto nonzero
 * (else RC_BAD_INPUT).  Keys ascending, versions newest first.  limit counts
 * KEYS (0 = none) and never splits a key's versions across pages; keys
 * with nothing to return are skipped and not counted.  Paging as
 * mvcc_scan: when more, scan again from resume_key.  out is overwritten
 * first; release it with mvcc_versions_release(), also after an error.
 */
int mvcc_scan_versions(struct mvcc *m, struct bdb_txn *txn,
		       const void *start, size_t slen, const void *end,
		       size_t elen, uint64_t horizon, uint64_t upto,
		       size_t limit, struct mvcc_versions *out, struct err *e);

/* Free what v holds and zero it; NULL is a no-op. */
void mvcc_versions_release(struct mvcc_versions *v);

/* ---- garbage collection and statistics -------------------------------- */

/*
 * Remove every stored version (values, tombstones, intents) of every key in
 * [start, end) -- end NULL/empty: to the end of the table -- in txn
 * (required: the removal is atomic with the caller's other writes).  Used when a
 * range hands part of its span to another range (split).  *removed (may be
 * NULL) counts the versions removed.
 */
int mvcc_clear(struct mvcc *m, struct bdb_txn *txn, const void *start,
	       size_t slen, const void *end, size_t elen, uint64_t *removed,
	       struct err *e);

struct mvcc_gc_stats {
	uint64_t keys;			/* distinct user keys seen */
	uint64_t versions;		/* versions seen */
	uint64_t removed;		/* versions removed */
	uint64_t removed_bytes;		/* stored bytes (key + value) removed */
	uint64_t live_keys;		/* keys whose newest version is a value */
	uint64_t kept_bytes;		/* stored bytes of versions kept */
	uint64_t batches;		/* transactions committed */
};

#define MVCC_GC_BATCH	1000	/* versions examined per GC transaction */

/*
 * Remove the versions no read at or above horizon can see: for each key,
 * keep every version above horizon and the newest version at or below it
 * unless that one is a tombstone; remove all others.  Runs in transactions
 * of at most MVCC_GC_BATCH versions each, so it never holds many locks;
 * readers and writers may run meanwhile.  The caller guarantees that no
 * write at or below horizon happens during or after GC (horizon is older
 * than every live transaction).  stats may be NULL; it also counts what
 * GC kept, an exact size of the table at the time it was walked.
 */
int mvcc_gc(struct mvcc *m, uint64_t horizon, struct mvcc_gc_stats *stats,
	    struct err *e);

struct mvcc_stats {
	uint64_t bytes;		/* size of the table's file (pages * size) */
	uint64_t versions;	/* stored versions, as last counted (may lag) */
};

/*
 * Cheap approximate size: reads only the btree's metadata page.  The
 * version count is Berkeley DB's saved count, which may lag or be 0; use
 * mvcc_gc() stats for exact numbers.
 */
int mvcc_stats(struct mvcc *m, struct mvcc_stats *st, struct err *e);

#endif
