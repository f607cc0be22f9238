/*
 * raftstore.h -- the durable Raft state of every range of one node.
 *
 * One struct raftstore lives in the node's Berkeley DB environment (bdb.h)
 * next to the ranges' MVCC tables, so a Raft apply and the MVCC writes it
 * causes can share one transaction.  Per range (uint64_t range_id) it keeps
 * what raft.h's caller's contract says must survive a crash: the hard state,
 * the log entries, the latest snapshot, the applied index, and a "meta" blob
 * the caller owns (raftd keeps the range descriptor there).
 *
 * Layout (stable on disk; every integer big-endian, BE64 = 8 bytes):
 *
 *   database "raft.log"      key   BE64(range_id) BE64(index)
 *                            value BE64(term) u8(type) data...
 *   database "raft.state"    key   BE64(range_id) u8(kind)
 *     kind 1 hard state      value BE64(term) BE64(vote) BE64(commit)
 *     kind 2 snapshot        value BE64(index) BE64(term) u8(n members)
 *                                  n * (BE64(id) u8(learner)) data...
 *     kind 3 meta            value the caller's bytes
 *   database "raft.applied"  key   BE64(range_id)
 *                            value BE64(applied index)
 *
 * so one range's log is one contiguous run of the log btree in index order
 * and its last index is one seek.  The applied index has its own file so
 * that apply transactions (which also write MVCC tables) never take page
 * locks on the pages the log writer uses.
 *
 * Guarantees:
 * - A range's stored log is always contiguous: it starts right after the
 *   snapshot index (or at 1 without a snapshot) and has no holes.  Saving
 *   entries that would leave a hole, go below the snapshot, are not
 *   contiguous and increasing, have index or term 0, or decrease the term
 *   is RC_BAD_INPUT and writes nothing.
 * - raftstore_save() follows raft.h step 2a: first the snapshot (entries at
 *   or below its index go; if the log does not hold the snapshot's term at
 *   its index, every entry goes), then the entries (an entry at index i
 *   replaces every stored entry >= i), then the hard state.
 * - With txn NULL a save (and compact, delete, set_*) runs in its own
 *   transaction and returns only once synced to disk, whatever the
 *   environment's durability.  With a transaction the caller commits.
 * - Group commit: raftstore_batch_*() saves the ready batches of many ranges
 *   in ONE transaction, committed with ONE log fsync (bdb_flush) before
 *   raftstore_batch_commit() returns: all of the batch is on disk, or after
 *   a crash none of it is.
 * - The applied index is written in the caller's transaction (the one that
 *   applies the entries to MVCC), so apply and applied commit together.  It
 *   may lag the log but never lead it (RC_BAD_INPUT).
 * - Stored records that fail a check (wrong length, a hole in the log) are
 *   RC_CORRUPT naming the range and index.
 * - Handles may be shared between threads; one range's writes must come
 *   from one thread at a time (as raft.h requires anyway).
 *
 * Tested in t/unit/raftstore_test.c (including kill -9 crash recovery of
 * group commits and a raft_restore() of a loaded state).
 */
#ifndef RANGEDB_RAFTSTORE_H
#define RANGEDB_RAFTSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "bdb.h"
#include "err.h"
#include "raft.h"

#define RAFTSTORE_LOG_DB	"raft.log"
#define RAFTSTORE_STATE_DB	"raft.state"
#define RAFTSTORE_APPLIED_DB	"raft.applied"

/* Kinds of raft.state records (the key's last byte). */
enum raftstore_kind {
	RAFTSTORE_KIND_HS = 1,
	RAFTSTORE_KIND_SNAPSHOT = 2,
	RAFTSTORE_KIND_META = 3
};

#define RAFTSTORE_META_MAX	(1u << 20)	/* bytes of a meta blob */

struct raftstore;
struct raftstore_batch;

/* ---- open / close ----------------------------------------------------- */

/* Open (creating if needed) the store's databases in env. */
int raftstore_open(struct bdb *env, struct raftstore **out, struct err *e);

/* Close the handle (the data stays); NULL is a no-op. */
int raftstore_close(struct raftstore *rs, struct err *e);

/* ---- writing Raft output ---------------------------------------------- */

/*
 * Persist one raft_ready of range_id: snap (NULL: none), then ents[0..n),
 * then hs (NULL: unchanged).  txn NULL: own transaction, synced before
 * return.  A validation error (RC_BAD_INPUT) writes nothing, so the txn
 * stays usable; any other error inside a caller's txn leaves it to the
 * caller to abort.
 */
int raftstore_save(struct raftstore *rs, struct bdb_txn *txn,
		   uint64_t range_id, const struct raft_hard_state *hs,
		   const struct raft_entry *ents, size_t n,
		   const struct raft_snapshot *snap, struct err *e);

/* Group commit: begin a batch (one transaction, not yet synced). */
int raftstore_batch_begin(struct raftstore *rs, struct raftstore_batch **out,
			  struct err *e);

/*
 * raftstore_save() inside the batch.  RC_BAD_INPUT leaves the batch as it
 * was (other ranges' saves stand); any other error poisons it: commit then
 * aborts and fails.
 */
int raftstore_batch_save(struct raftstore_batch *b, uint64_t range_id,
			 const struct raft_hard_state *hs,
			 const struct raft_entry *ents, size_t n,
			 const struct raft_snapshot *snap, struct err *e);

/* The batch's transaction, to add other writes (e.g. set_meta) to it. */
struct bdb_txn *raftstore_batch_txn(struct raftstore_batch *b);

/*
 * Commit the batch and fsync the log once; on RC_OK everything saved in it
 * is durable.  The batch is freed whatever the result.
 */
int raftstore_batch_commit(struct raftstore_batch *b, struct err *e);

/* Abort and free the batch; NULL is a no-op. */
int raftstore_batch_abort(struct raftstore_batch *b, struct err *e);

/* ---- applied index, meta, compaction, removal ------------------------- */

/*
 * Record that range_id has applied everything up to index, normally in the
 * transaction that applies those entries to MVCC.  index above the last
 * stored index (of log or snapshot) is RC_BAD_INPUT.
 */
int raftstore_set_applied(struct raftstore *rs, struct bdb_txn *txn,
			  uint64_t range_id, uint64_t index, struct err *e);

/* Replace range_id's meta blob (up to RAFTSTORE_META_MAX bytes). */
int raftstore_set_meta(struct raftstore *rs, struct bdb_txn *txn,
		       uint64_t range_id, const void *data, size_t len,
		       struct err *e);

/*
 * Delete the log entries of range_id at or below upto.  upto must not pass
 * the stored snapshot's index (else the log would start with a hole):
 * RC_BAD_INPUT.  Entries already gone are fine (idempotent).
 */
int raftstore_compact(struct raftstore *rs, struct bdb_txn *txn,
		      uint64_t range_id, uint64_t upto, struct err *e);

/* Remove everything stored for range_id (replica removed); idempotent. */
int raftstore_delete_range(struct raftstore *rs, struct bdb_txn *txn,
			   uint64_t range_id, struct err *e);

/* ---- loading on restart ----------------------------------------------- */

/*
 * What raft_restore() takes, plus the applied index (raft_config.applied)
 * and the meta blob:
 *
 *   raft_restore(r, &st.hs, st.has_snapshot ? &st.snap : NULL,
 *                st.ents, st.n, e);
 */
struct raftstore_state {
	struct raft_hard_state hs;	/* zeros when never saved */
	int has_snapshot;
	struct raft_snapshot snap;	/* data malloc'd (NULL when len 0) */
	struct raft_entry *ents;	/* after the snapshot, malloc'd */
	size_t n;
	uint64_t applied;		/* 0 when never set */
	void *meta;			/* malloc'd or NULL */
	size_t meta_len;
};

/*
 * Fill st (overwritten first) with everything stored for range_id, in one
 * consistent read.  A range never written loads as all zeros (RC_OK).
 * Release st with raftstore_state_release(), also after an error.
 */
int raftstore_load(struct raftstore *rs, uint64_t range_id,
		   struct raftstore_state *st, struct err *e);

/* Free what st holds and zero it. */
void raftstore_state_release(struct raftstore_state *st);

/* The last stored index of range_id (log or snapshot), 0 when none. */
int raftstore_last_index(struct raftstore *rs, struct bdb_txn *txn,
			 uint64_t range_id, uint64_t *last, struct err *e);

/*
 * The ids of every range with anything stored, ascending, in a malloc'd
 * array (*ids NULL when *n is 0).
 */
int raftstore_list_ranges(struct raftstore *rs, uint64_t **ids, size_t *n,
			  struct err *e);

#endif
