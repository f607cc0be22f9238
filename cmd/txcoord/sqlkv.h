/*
 * sqlkv.h -- the key-value transaction the SQL engine runs on.
 *
 * The planner and executor never call txcoord's transaction engine
 * (txn.h) directly: they go through this small table of functions, so the
 * same engine runs on a real cluster (sqlkv_txn: one struct txn) and, in
 * unit tests, on an in-memory map (sqlkv_mem).  Semantics every
 * implementation keeps:
 *   - reads see the transaction's own earlier writes;
 *   - scans return keys of [start, end) in byte order, at most limit per
 *     page, with more/resume to go on (the next key to read, inclusive);
 *   - writes are buffered: nothing is visible to others before commit, and
 *     a rollback leaves no trace;
 *   - memory returned (values, pages) is malloc'd and released by the
 *     caller (free() for get's value, sqlkv_page_release() for pages).
 *   - a scan may carry a pushed-down row filter (sqlfilt.h's wire form):
 *     an implementation may leave out the stored rows it certainly
 *     rejects, never the transaction's own buffered writes, and may
 *     ignore the filter altogether -- callers apply it again;
 * Errors are libcommon's enum rc + struct err: RC_CONFLICT means
 * "retryable" (SQLSTATE 40001) and the transaction is then dead.
 * Tested through t/unit/sqlexec_test.c (sqlkv_mem) and the BATS SQL tests
 * (sqlkv_txn).
 */
#ifndef RANGEDB_SQLKV_H
#define RANGEDB_SQLKV_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

#define SQLKV_PAGE_MAX	10000	/* rows one scan page may return */

struct sqlkv_pair {
	void *key;
	size_t klen;
	void *val;		/* NUL-terminated past vlen */
	size_t vlen;
};

struct sqlkv_page {
	struct sqlkv_pair *items;
	size_t n;
	int more;		/* 1: rows remain from resume on */
	void *resume;
	size_t resume_len;
};

struct sqlkv_vt {
	int (*get)(void *impl, const void *key, size_t klen, int *found,
		   void **val, size_t *vlen, struct err *e);
	/* elen 0: to the end of the keyspace; filter may be NULL. */
	int (*scan)(void *impl, const void *start, size_t slen,
		    const void *end, size_t elen, size_t limit,
		    const json_t *filter, struct sqlkv_page *out,
		    struct err *e);
	int (*put)(void *impl, const void *key, size_t klen, const void *val,
		   size_t vlen, struct err *e);
	int (*del)(void *impl, const void *key, size_t klen, struct err *e);
	/* The transaction's read timestamp (HLC), for now() and EXPLAIN. */
	uint64_t (*read_ts)(void *impl);
};

struct sqlkv {
	const struct sqlkv_vt *vt;
	void *impl;
};

static inline int sqlkv_get(struct sqlkv *kv, const void *key, size_t klen,
			    int *found, void **val, size_t *vlen,
			    struct err *e)
{
	return kv->vt->get(kv->impl, key, klen, found, val, vlen, e);
}

static inline int sqlkv_scan(struct sqlkv *kv, const void *start,
			     size_t slen, const void *end, size_t elen,
			     size_t limit, struct sqlkv_page *out,
			     struct err *e)
{
	return kv->vt->scan(kv->impl, start, slen, end, elen, limit, NULL,
			    out, e);
}

/* A scan with a pushed-down filter (sqlfilt.h; NULL: none). */
static inline int sqlkv_scan_filtered(struct sqlkv *kv, const void *start,
				      size_t slen, const void *end,
				      size_t elen, size_t limit,
				      const json_t *filter,
				      struct sqlkv_page *out, struct err *e)
{
	return kv->vt->scan(kv->impl, start, slen, end, elen, limit, filter,
			    out, e);
}

static inline int sqlkv_put(struct sqlkv *kv, const void *key, size_t klen,
			    const void *val, size_t vlen, struct err *e)
{
	return kv->vt->put(kv->impl, key, klen, val, vlen, e);
}

static inline int sqlkv_del(struct sqlkv *kv, const void *key, size_t klen,
			    struct err *e)
{
	return kv->vt->del(kv->impl, key, klen, e);
}

static inline uint64_t sqlkv_read_ts(struct sqlkv *kv)
{
	return kv->vt->read_ts(kv->impl);
}

/* Free a page's rows and reset it (NULL or empty is fine). */
void sqlkv_page_release(struct sqlkv_page *p);

/* ---- in-memory implementation (unit tests) ------------------------------ */

/*
 * A sorted map shared by the transactions opened on it.  A transaction
 * buffers its writes and applies them at commit; there is no isolation
 * between concurrent ones (tests run one at a time).
 */
struct sqlkv_mem;
struct sqlkv_mem_txn;

int sqlkv_mem_new(struct sqlkv_mem **out, struct err *e);
void sqlkv_mem_free(struct sqlkv_mem *m);
/* Number of committed keys (for tests). */
size_t sqlkv_mem_count(const struct sqlkv_mem *m);
/*
 * Stored rows a pushed filter left out of scans so far, and filters it
 * could not compile (for tests: the memory map applies pushed filters to
 * its committed rows the way raftd does).
 */
size_t sqlkv_mem_filtered(const struct sqlkv_mem *m);
size_t sqlkv_mem_filter_errors(const struct sqlkv_mem *m);
/* Begin: fills kv; ts is what read_ts reports. */
int sqlkv_mem_begin(struct sqlkv_mem *m, uint64_t ts,
		    struct sqlkv_mem_txn **out, struct sqlkv *kv,
		    struct err *e);
/* Apply the buffered writes and free the transaction. */
int sqlkv_mem_commit(struct sqlkv_mem_txn *t, struct err *e);
/* Drop the buffered writes and free the transaction. */
void sqlkv_mem_rollback(struct sqlkv_mem_txn *t);

#endif
