/*
 * locktab.h -- the write intents and transaction records of one range, in
 * a second Berkeley DB table beside the range's mvcc table (raftd: one per
 * range, named e.g. "r42.locks").
 *
 * An intent is a transaction's provisional write of one key (at most one
 * per key: a second transaction meeting it must push the owner).  A record
 * is a transaction's status (PENDING, COMMITTED, ABORTED), kept in the
 * range holding its anchor key; the commit point of a distributed
 * transaction is its record becoming COMMITTED.
 *
 * Layout (stable on disk, see locktab.c): stored key = one kind byte, then
 * for an intent ('i') the escaped user key, for a record ('r') the escaped
 * anchor + the terminator 0x00 0x01 + the 16-byte transaction id, where
 * escaping is mvcc's (0x00 -> 0x00 0xFF).  So with bytewise order every
 * entry of one kind whose key (anchor) lies in [start, end) is one
 * contiguous run of stored keys: splits and merges move them with a range
 * copy (locktab_export / locktab_import / locktab_clear).  Stored values
 * start with a format version byte and are checked on every read.
 *
 * Guarantees:
 * - Every call takes an optional transaction (NULL = the call runs in its
 *   own, retried a few times on deadlock); with one, calls on this and
 *   other tables of the environment commit or abort together.  A call that
 *   fails inside a caller's transaction leaves it to the caller to abort.
 * - Puts overwrite: re-applying a Raft entry is idempotent.
 * - Handles may be shared between threads.
 * - Limits: keys and anchors up to MVCC_KEY_MAX bytes, intent values up to
 *   MVCC_VALUE_MAX; longer ones are RC_TOO_LARGE, never cut.  NULL with a
 *   nonzero length, a zero timestamp and similar misuse are RC_BAD_INPUT.
 * - Data found malformed on disk (or handed to locktab_import) is
 *   RC_CORRUPT.
 *
 * Tested in t/unit/locktab_test.c.
 */
#ifndef RANGEDB_LOCKTAB_H
#define RANGEDB_LOCKTAB_H

#include <stddef.h>
#include <stdint.h>

#include "bdb.h"
#include "err.h"

#define LOCKTAB_ID_LEN	16	/* bytes of a transaction id */

struct locktab;

/* ---- open / close ----------------------------------------------------- */

/* Open (creating if needed) table `name` (see bdb_db_open for names). */
int locktab_open(struct bdb *env, const char *name, struct locktab **out,
		 struct err *e);

/* Close the handle (the data stays); NULL is a no-op. */
int locktab_close(struct locktab *t, struct err *e);

/* ---- intents ---------------------------------------------------------- */

struct locktab_intent {
	unsigned char txn[LOCKTAB_ID_LEN];	/* the owner */
	uint64_t ts;		/* the intent's (provisional) write timestamp */
	int tombstone;		/* 1: a delete (val is then empty) */
	void *anchor;		/* the owner's record key (malloc'd on get) */
	size_t alen;
	void *val;		/* malloc'd on get; NUL-terminated past vlen */
	size_t vlen;
};

/* Free anchor and val and zero *it; NULL is a no-op. */
void locktab_intent_release(struct locktab_intent *it);

/* Lay (or overwrite) the intent on key.  it->ts must be nonzero. */
int locktab_intent_put(struct locktab *t, struct bdb_txn *txn,
		       const void *key, size_t klen,
		       const struct locktab_intent *it, struct err *e);

/*
 * The intent on key into *out (overwritten, not released, first; release
 * it with locktab_intent_release).  RC_NOT_FOUND when there is none.
 * anchor and val are never NULL on success.
 */
int locktab_intent_get(struct locktab *t, struct bdb_txn *txn,
		       const void *key, size_t klen,
		       struct locktab_intent *out, struct err *e);

/* Remove the intent on key; RC_NOT_FOUND when there is none. */
int locktab_intent_del(struct locktab *t, struct bdb_txn *txn,
		       const void *key, size_t klen, struct err *e);

struct locktab_intent_kv {
	void *key;		/* malloc'd, NUL-terminated past klen */
	size_t klen;
	struct locktab_intent it;
};

struct locktab_intents {
	struct locktab_intent_kv *items;	/* n items, key order */
	size_t n;
	int more;		/* 1: the limit stopped the scan before end */
};

/*
 * The intents whose key is in [start, end) (start NULL/empty: from the
 * first key; end NULL/empty: to +infinity), in key order, at most limit
 * (0 = no limit).  more is 1 when at least one more intent follows in the
 * bounds (the next page starts after the last item's key).  *out is
 * overwritten first; release it with locktab_intents_release(), also after
 * an error.
 */
int locktab_intent_scan(struct locktab *t, struct bdb_txn *txn,
			const void *start, size_t slen, const void *end,
			size_t elen, size_t limit,
			struct locktab_intents *out, struct err *e);

/* Free what l holds and zero it; NULL is a no-op. */
void locktab_intents_release(struct locktab_intents *l);

/* ---- transaction records ---------------------------------------------- */

enum locktab_status {
	LOCKTAB_PENDING = 1,
	LOCKTAB_COMMITTED = 2,
	LOCKTAB_ABORTED = 3
};

struct locktab_record {
	int status;		/* enum locktab_status */
	uint64_t ts;		/* COMMITTED: commit timestamp; else provisional */
	uint64_t hb;		/* HLC of the last heartbeat (leader's clock) */
	uint32_t timeout_ms;	/* expired when hb's ms + timeout_ms < now's ms */
	uint64_t created;	/* HLC when the record was created */
};

/* Write (or overwrite) the record of transaction id anchored at anchor. */
int locktab_record_put(struct locktab *t, struct bdb_txn *txn,
		       const void *anchor, size_t alen,
		       const unsigned char id[LOCKTAB_ID_LEN],
		       const struct locktab_record *r, struct err *e);

/* The record into *out; RC_NOT_FOUND when absent. */
int locktab_record_get(struct locktab *t, struct bdb_txn *txn,
		       const void *anchor, size_t alen,
		       const unsigned char id[LOCKTAB_ID_LEN],
		       struct locktab_record *out, struct err *e);

/* Remove the record; RC_NOT_FOUND when absent. */
int locktab_record_del(struct locktab *t, struct bdb_txn *txn,
		       const void *anchor, size_t alen,
		       const unsigned char id[LOCKTAB_ID_LEN], struct err *e);

/* ---- images, splits and merges ---------------------------------------- */

struct locktab_raw {
	void *k;		/* stored key (malloc'd) */
	size_t kl;
	void *v;		/* stored value (malloc'd) */
	size_t vl;
};

/*
 * Every stored entry (both kinds) whose user key / anchor is in
 * [start, end) (end NULL/empty: +infinity), as opaque (stored key, stored
 * value) pairs in stored-key order (intents first, then records).  Each is
 * checked as it is read (RC_CORRUPT).  On success *items (NULL when *n is
 * 0) is freed by the caller with locktab_raw_free().
 */
int locktab_export(struct locktab *t, struct bdb_txn *txn,
		   const void *start, size_t slen, const void *end,
		   size_t elen, struct locktab_raw **items, size_t *n,
		   struct err *e);

/* Free items from locktab_export(); NULL is a no-op. */
void locktab_raw_free(struct locktab_raw *items, size_t n);

/*
 * Write entries from locktab_export() (overwriting equal stored keys).
 * Every entry is validated first, key and value: a malformed one is
 * RC_CORRUPT and nothing is written.
 */
int locktab_import(struct locktab *t, struct bdb_txn *txn,
		   const struct locktab_raw *items, size_t n, struct err *e);

/*
 * Remove every entry (both kinds) whose user key / anchor is in
 * [start, end) (end NULL/empty: +infinity); *removed (may be NULL) counts
 * them.
 */
int locktab_clear(struct locktab *t, struct bdb_txn *txn, const void *start,
		  size_t slen, const void *end, size_t elen,
		  uint64_t *removed, struct err *e);

/* The number of entries of each kind (a full walk; for status pages). */
int locktab_count(struct locktab *t, uint64_t *intents, uint64_t *records,
		  struct err *e);

#endif
