/*
 * node.h -- the storage node engine of raftd: every range replica of one
 * node, driven by one thread ("the loop").
 *
 * node_open() locks nothing itself (main.c holds the data dir lock), opens
 * the node's Berkeley DB environment, the raftstore and one MVCC table per
 * range ("r<ID>.data"), bootstraps ranges 1 (meta, keys [0x01, 0x02)) and 2
 * (data, every user key) on first start or recovers them from disk, and
 * starts the loop.  The loop alone touches the struct raft of each range:
 *   - it drains an inbox (mutex + condvar) of peer messages, proposals and
 *     ReadIndex requests put there by other threads;
 *   - ticks every range at the heartbeat interval (CLOCK_MONOTONIC);
 *   - collects every range's raft_ready into ONE raftstore batch (group
 *     commit: one fsync), then hands messages to the transport, then applies
 *     committed entries (one bdb txn per range: MVCC writes and the applied
 *     index together), completes waiters and calls raft_advance;
 *   - compacts a range's log into a snapshot of its MVCC table once more
 *     than snapshot_entries entries are applied past the last snapshot;
 *     the image is built by a second thread (the snapshot thread) reading
 *     the table at the applied index's timestamp, so the loop does not
 *     stall while it is copied.
 *
 * Guarantees: node_write() returns RC_OK only once its command is committed
 * and applied on this node; node_read_barrier() returns RC_OK only once this
 * node has applied everything committed before the call (ReadIndex), so a
 * read of the MVCC table after it is linearizable.  Every entry carries the
 * HLC timestamp the leader chose, so every replica stores identical
 * versions.  Bad peer input (unknown range, non-member sender, message for
 * another node) is RC_BAD_INPUT and changes nothing.
 *
 * Tested by hand and by t/100-raftd.bats (real processes).
 */
#ifndef RANGEDB_RAFTD_NODE_H
#define RANGEDB_RAFTD_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "desc.h"
#include "err.h"
#include "metrics.h"
#include "mvcc.h"
#include "raft.h"
#include "locktab.h"
#include "txnops.h"

struct transport;

#define NODE_META_RANGE	1	/* range 1: descriptors, keys [0x01, 0x02) */
#define NODE_DATA_RANGE	2	/* the first data range: keys [0x02, +inf) */
/* Where a range made by a split starts its log (as CockroachDB does). */
#define NODE_INIT_INDEX	10
#define NODE_INIT_TERM	5
#define NODE_WAIT_MS	5000	/* longest wait for a write or a read */
#define NODE_REPLICAS	3	/* replicas of each range */
#define NODE_MAX_PEERS	RAFT_MAX_NODES
#define NODE_GC_TTL_MS	60000	/* history kept for transactional reads */

struct node;

struct node_member {
	uint64_t id;
	const char *addr;	/* "127.0.0.1:7001" (copied) */
};

struct node_opts {
	uint64_t id;			/* this node */
	const char *data_dir;		/* exists, locked by the caller */
	const struct node_member *members;	/* every node, self included */
	size_t n_members;
	unsigned heartbeat_ms;		/* tick interval */
	unsigned election_ticks;	/* election timeout in ticks */
	uint64_t snapshot_entries;	/* compact after this many; 0 = 10000 */
	double split_qps;		/* hot_s counts time above this */
	int no_bootstrap;		/* empty data: wait for replicas */
	int no_lease_reads;		/* every read a ReadIndex round (no
					 * leader leases) */
	uint64_t gc_ttl_ms;		/* MVCC history kept for reads; 0 =
					 * NODE_GC_TTL_MS */
	struct metrics *reg;		/* registry for raftd_* series */
};

/* Open storage, bootstrap or recover, start the transport and the loop. */
int node_open(struct node **out, const struct node_opts *o, struct err *e);

/* Stop the loop and the transport, close storage; NULL is a no-op. */
void node_close(struct node *n);

/* 1 once storage failed and the node stopped itself (SIGTERM raised). */
int node_failed(const struct node *n);

/* Messages from peers (a copy is queued); RC_BAD_INPUT if any is bad. */
int node_receive(struct node *n, const struct raft_msg *msgs, size_t n_msgs,
		 struct err *e);
/*
 * How many node_receive() calls queued messages so far; node_rx_wait()
 * waits until the loop has handled the first seq of them (stepped Raft,
 * persisted, queued the answers with the transport), or ms passed, or
 * the node stops.  Returns 1 if they were handled.  POST /raft uses it to
 * send this node's answers back in its reply.
 */
uint64_t node_rx_seq(struct node *n);
int node_rx_wait(struct node *n, uint64_t seq, unsigned ms);
/* The node's transport (to hand it the reply path); never NULL once open. */
struct transport *node_transport(struct node *n);

/* ---- the KV side ------------------------------------------------------ */

enum node_op_kind {
	NODE_OP_PUT = 1,
	NODE_OP_DELETE = 2,
	/*
	 * Split the range at key: val is BE64 new range id | BE64 the
	 * generation the range must still have.  Alone in its command.
	 */
	NODE_OP_SPLIT = 3,
	/* key's value (decimal text, absent = 0) += BE64 val; the result */
	NODE_OP_INCR = 4,
	/*
	 * Meta range only: store the descriptor in val (JSON) under its meta
	 * key unless a newer (higher generation) overlapping one is there;
	 * removes the older descriptors it overlaps.  key is ignored.
	 */
	NODE_OP_DESC_PUT = 5,
	/*
	 * Merging (each alone in its command, key unused unless said):
	 * FREEZE: val BE64 generation | u8 on: while frozen the range
	 * refuses writes (it is being merged into its left neighbour).
	 * MERGE: key BE64 generation | the right neighbour's descriptor
	 * (JSON), val its frozen image: the range takes its keys and span.
	 * RETIRE: val BE64 generation: a frozen range whose keys now live
	 * in its left neighbour drops itself on every replica.
	 */
	NODE_OP_FREEZE = 6,
	NODE_OP_MERGE = 7,
	NODE_OP_RETIRE = 8,
	/*
	 * Transactions (txnops.h has the payloads): TXN first in a
	 * command, key the transaction id, val its header; the command's
	 * PUT/DELETE ops become its intents or its one-phase commit.
	 * RESOLVE: key an intent's key (many per command).  RECORD: key
	 * the anchor, alone in its command.
	 */
	NODE_OP_TXN = 9,
	NODE_OP_RESOLVE = 10,
	NODE_OP_RECORD = 11,
	/*
	 * In a TXN command, a write like PUT whose value is the key's latest
	 * committed value plus BE64 val (an int64), computed when it applies
	 * (txnops_write.incr); the values return in node_txn_result.incr.
	 */
	NODE_OP_TXN_INCR = 12
};
#define NODE_OP_LAST NODE_OP_TXN_INCR

struct node_op {
	int kind;		/* enum node_op_kind */
	const void *key;
	size_t klen;
	const void *val;	/* PUT, SPLIT, INCR, DESC_PUT */
	size_t vlen;
};

/*
 * Propose ops as one command of range_id (atomic) and wait until it is
 * applied here.  RC_NOT_LEADER when this node does not lead the range (or
 * lost leadership meanwhile), RC_TIMEOUT after NODE_WAIT_MS (the write may
 * still happen), RC_TOO_LARGE / RC_BAD_INPUT for bad ops.  Checked when
 * the command applies, identically on every replica (then nothing of it
 * is written): RC_RANGE_MOVED when a key is no longer in the range's span
 * (a split moved it: look the range up again), RC_CONFLICT when a split's
 * expected generation does not match.  result (may be NULL) receives the
 * value of the last NODE_OP_INCR.
 */
int node_write(struct node *n, uint64_t range_id, const struct node_op *ops,
	       size_t n_ops, uint64_t *result, struct err *e);

/* What a transactional command's apply said (node_write_txn). */
struct node_txn_result {
	uint64_t ts;		/* the writes' timestamp / record's ts */
	int status;		/* record status after a record op (0 none) */
	int retry;		/* RC_CONFLICT: a serialization failure */
	int aborted;		/* RC_CONFLICT: the record is ABORTED */
	uint64_t count;		/* intents resolved */
	int ambiguous;		/* failed, but may still take effect */
	struct txnops_conflicts conflicts;	/* RC_CONFLICT: locked by */
	int64_t incr[TXNOPS_MAX_INCR];	/* NODE_OP_TXN_INCR values, in order */
	size_t n_incr;
};

/*
 * node_write for NODE_OP_TXN / RESOLVE / RECORD commands: the same
 * contract, plus the verdict's details in *out (release out->conflicts
 * with txnops_conflicts_release, also after an error).  The leader raises
 * a TXN command's write timestamp above its timestamp cache before it
 * proposes; a 1PC without TXNOPS_CAN_PUSH that would need that is refused
 * (RC_CONFLICT, retry, out->ts the timestamp needed) without a proposal.
 */
int node_write_txn(struct node *n, uint64_t range_id,
		   const struct node_op *ops, size_t n_ops,
		   struct node_txn_result *out, struct err *e);

/*
 * node_write_txn for k (1 to NODE_TXN_MANY_MAX) commands to one range,
 * proposed in this order in one turn of the loop: they share a Raft round
 * and an fsync, and apply one after the other, each with its own verdict
 * in c[i].rc, .err and .res (release .res.conflicts).  A coordinator's
 * cleanup (a resolution) rides this way on a write to the same range
 * instead of costing a round of its own.  Returns RC_OK when all were
 * submitted; an error (nothing submitted) when a command cannot be
 * encoded.
 */
#define NODE_TXN_MANY_MAX	4
struct node_txn_cmd {
	const struct node_op *ops;	/* in */
	size_t n_ops;
	int rc;				/* out */
	struct err err;
	struct node_txn_result res;
};
int node_write_txn_many(struct node *n, uint64_t range_id,
			struct node_txn_cmd *c, size_t k, struct err *e);

/*
 * Transactional reads (leader): register the read of spans (txnops span
 * encoding, as in a TXN header) at ts in the range's timestamp cache, then
 * wait until every write proposed before on those keys is applied and the
 * read is linearizable.  RC_CONFLICT ("txn_too_old") when ts is below what
 * the range still keeps history for.
 */
int node_txn_get(struct node *n, uint64_t range_id, const void *key,
		 size_t klen, uint64_t ts, const unsigned char *txn_id,
		 void **val, size_t *vlen, uint64_t *vts,
		 struct txnops_conflicts *c, struct err *e);
int node_txn_scan(struct node *n, uint64_t range_id, const void *start,
		  size_t slen, const void *end, size_t elen, uint64_t ts,
		  const unsigned char *txn_id, size_t limit,
		  struct mvcc_scan_result *res, struct txnops_conflicts *c,
		  struct err *e);
/* Refresh spans (encoded) of range_id from `from` to `to`. */
int node_txn_refresh(struct node *n, uint64_t range_id,
		     const unsigned char *spans, size_t spans_len,
		     uint32_t n_spans, uint64_t from, uint64_t to,
		     const unsigned char *txn_id, struct err *e);
/* A transaction record (leader read); RC_NOT_FOUND when missing. */
int node_txn_record(struct node *n, uint64_t range_id, const void *anchor,
		    size_t alen, const unsigned char *txn_id,
		    struct locktab_record *out, uint64_t *now,
		    struct err *e);
/* Records change: a counter, and a wait for it to move past seq. */
uint64_t node_record_seq(struct node *n);
void node_record_wait(struct node *n, uint64_t seq, unsigned ms);
/* Intents and records of range_id (status pages). */
int node_lock_counts(struct node *n, uint64_t range_id, uint64_t *intents,
		     uint64_t *records);

/*
 * Membership change of range_id (this node must lead it): op is
 * RAFT_CONF_ADD_LEARNER, _ADD_VOTER (add or promote) or _REMOVE; waits
 * until applied here (the descriptor's generation moves on).  RC_CONFLICT
 * while another change is still pending.
 */
int node_change_replicas(struct node *n, uint64_t range_id, int op,
			 uint64_t node, struct err *e);

/*
 * Compact range_id's log into a snapshot at the applied index as soon as
 * possible (asynchronously; watch snapshot_index in the range's status).
 */
int node_compact(struct node *n, uint64_t range_id, struct err *e);

/*
 * Create an empty replica of d's range on this node (it must be in d's
 * replicas or learners); it waits for its leader's snapshot.  RC_OK if
 * the range is already here.
 */
int node_create_replica(struct node *n, const struct desc *d, struct err *e);

/*
 * Drop this node's replica of range_id, which a descriptor of the given
 * (newer) generation no longer lists: RC_CONFLICT unless the local
 * descriptor is older than that.  Done at the next loop turn.
 */
int node_remove_replica(struct node *n, uint64_t range_id,
			uint64_t generation, struct err *e);

/* Ask the leader of range_id to hand leadership to node `to`. */
int node_transfer_leader(struct node *n, uint64_t range_id, uint64_t to,
			 struct err *e);

/* The local range whose span holds key (whatever its role); 0 if none. */
uint64_t node_locate(struct node *n, const void *key, size_t klen);

/* A copy of range_id's descriptor as applied here. */
int node_range_desc(struct node *n, uint64_t range_id, struct desc *d,
		    struct err *e);

/* Count one KV request served for range_id (load statistics). */
void node_count_request(struct node *n, uint64_t range_id);

/* ReadIndex: wait until a read of range_id now would be linearizable. */
int node_read_barrier(struct node *n, uint64_t range_id, struct err *e);

/*
 * The MVCC table of range_id for reading (after node_read_barrier).  A key
 * outside the range's span is RC_RANGE_MOVED.  node_scan reads [start,
 * end) within the span only (start empty: the span's start): when the span
 * ends before end, res->more is 1 and res->resume_key the span's end, so a
 * caller walks the keyspace range by range.
 */
int node_get(struct node *n, uint64_t range_id, const void *key, size_t klen,
	     void **val, size_t *vlen, struct err *e);
int node_scan(struct node *n, uint64_t range_id, const void *start,
	      size_t slen, const void *end, size_t elen, size_t limit,
	      struct mvcc_scan_result *res, struct err *e);

/* ---- inspection ------------------------------------------------------- */

struct node_progress {
	uint64_t id, match, next;
};

struct node_range_status {
	uint64_t range_id;
	uint64_t generation;
	uint64_t size_bytes;		/* live keys + values (approximate) */
	uint64_t keys;			/* live keys (approximate) */
	double qps;			/* KV requests/s here, ~10 s average */
	double hot_s;			/* seconds qps has stayed >= the
					 * node's split_qps (0 if not) */
	int role;			/* enum raft_role */
	uint64_t term, commit, applied, leader;
	uint64_t snapshot_index, first_index, last_index;
	uint64_t voters[RAFT_MAX_NODES];
	size_t n_voters;
	struct node_progress progress[RAFT_MAX_NODES];	/* leader only */
	size_t n_progress;
};

/*
 * The image (snapshot format: descriptor and every live key) of range_id
 * as applied here, malloc'd; RC_TOO_LARGE above max bytes.
 */
int node_range_image(struct node *n, uint64_t range_id, size_t max,
		     void **out, size_t *len, struct err *e);

/* Number of ranges and the status of the i-th (as of the last loop turn). */
size_t node_range_count(struct node *n);
int node_range_status(struct node *n, size_t i, struct node_range_status *st);

/* Leader of range_id as last seen (RAFT_NONE if unknown) and its address. */
uint64_t node_leader(struct node *n, uint64_t range_id, const char **addr);

uint64_t node_id(const struct node *n);
/*
 * A node that joined the cluster: remember its address and start sending
 * to it.  RC_OK if known at that address, RC_CONFLICT at another one.
 */
int node_add_member(struct node *n, uint64_t id, const char *addr,
		    struct err *e);

/* How long node id has not answered this node's Raft traffic (ms). */
uint64_t node_peer_down_ms(struct node *n, uint64_t id);

/* The ids of the cluster's nodes (at most max); returns how many. */
size_t node_member_ids(const struct node *n, uint64_t *ids, size_t max);

/* Address of member id from the configuration, or NULL. */
const char *node_member_addr(const struct node *n, uint64_t id);

#endif
