/*
 * txnops.h -- the range side of distributed transactions: what a range's
 * replicas do, at apply, with transactional commands (intents, one-phase
 * commits, intent resolution, transaction records), and what its leader
 * checks when it serves a transactional read or a refresh.
 *
 * Everything here works on one range's two tables -- the MVCC table of
 * committed versions and the lock table (libcommon/locktab: intents and
 * records) -- inside a Berkeley DB transaction the caller owns, and
 * depends only on them and on its arguments: the loop calls the apply
 * functions in log order on every replica, and each reaches the same
 * verdict everywhere.  A refused command writes nothing.
 *
 * Payload of NODE_OP_TXN (the first op of a transactional command; its key
 * is the 16-byte transaction id), integers big-endian:
 *
 *	u8 version (1) | BE64 wts | BE64 rts | u8 mode | u8 flags |
 *	BE32 timeout_ms | BE32 alen | anchor | BE32 n_spans |
 *	n_spans * ( u8 point | BE32 slen | start | [!point: BE32 elen | end] )
 *
 * mode TXNOPS_INTENTS: the command's PUT/DELETE ops become intents of the
 * transaction; flag TXNOPS_RECORD also creates its PENDING record (the
 * anchor is in this range).  mode TXNOPS_1PC: they are written as
 * committed versions at the commit timestamp after the read spans are
 * validated; flag TXNOPS_CAN_PUSH lets the range move the commit timestamp
 * up (every read of the transaction is in the spans).  wts sits at a fixed
 * offset (TXNOPS_WTS_OFF) so the leader can raise it before proposing.
 *
 * NODE_OP_RESOLVE: key = the intent's key, val = id(16) | u8 status
 * (2 committed, 3 aborted) | BE64 commit ts.
 * NODE_OP_RECORD: key = anchor, val = id(16) | u8 op | u8 force |
 * BE32 timeout_ms | BE64 ts (commit: the commit timestamp; push: the
 * pushee's intent timestamp).
 *
 * Tested through raftd by t/600-txn.bats and t/unit/txnops_test.c.
 */
#ifndef RANGEDB_RAFTD_TXNOPS_H
#define RANGEDB_RAFTD_TXNOPS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "locktab.h"
#include "mvcc.h"

#define TXNOPS_ID_LEN	LOCKTAB_ID_LEN
/* increments in one transactional command (their values return inline) */
#define TXNOPS_MAX_INCR	16
#define TXNOPS_WTS_OFF	1		/* offset of wts in the payload */
#define TXNOPS_MAX_CONFLICTS 100	/* foreign intents one answer names */

enum txnops_mode { TXNOPS_INTENTS = 1, TXNOPS_1PC = 2 };
enum txnops_flag { TXNOPS_RECORD = 1, TXNOPS_CAN_PUSH = 2 };

enum txnops_rec_op {
	TXNOPS_REC_HEARTBEAT = 1,	/* create PENDING / refresh hb */
	TXNOPS_REC_COMMIT,		/* -> COMMITTED at ts */
	TXNOPS_REC_ABORT,		/* -> ABORTED (the coordinator) */
	TXNOPS_REC_PUSH,		/* abort it if expired (or force) */
	TXNOPS_REC_GC			/* delete a finished record */
};

/* One read span of a transaction: [start, end), or the key start alone. */
struct txnops_span {
	int point;
	const void *start;
	size_t slen;
	const void *end;	/* !point; empty = to the end of the keyspace */
	size_t elen;
};

/* A decoded NODE_OP_TXN payload (pointers into the payload). */
struct txnops_hdr {
	uint64_t wts, rts;
	int mode, flags;
	uint32_t timeout_ms;
	const void *anchor;
	size_t alen;
	uint32_t n_spans;
	const unsigned char *spans;	/* encoded, spans_len bytes */
	size_t spans_len;
};

/* A foreign intent met by a read or a write (malloc'd members). */
struct txnops_conflict {
	unsigned char txn[TXNOPS_ID_LEN];
	uint64_t ts;
	void *key;
	size_t klen;
	void *anchor;
	size_t alen;
};

struct txnops_conflicts {
	struct txnops_conflict *items;
	size_t n;
};

void txnops_conflicts_release(struct txnops_conflicts *c);

/* ---- encoding ----------------------------------------------------------- */

int txnops_hdr_encode(const struct txnops_hdr *h,
		      const struct txnops_span *spans, size_t n_spans,
		      unsigned char **out, size_t *len, struct err *e);
int txnops_hdr_decode(const void *p, size_t len, struct txnops_hdr *h,
		      struct err *e);
/* The next span of h from *off (start with 0); 0 when there are no more. */
int txnops_span_next(const struct txnops_hdr *h, size_t *off,
		     struct txnops_span *s);

/* ---- apply (every replica, in the caller's transaction) ----------------- */

/*
 * The result of one transactional command: rc RC_OK or a refusal
 * (RC_CONFLICT: a foreign intent -- conflicts names it -- or a retry:
 * retry set; RC_RANGE_MOVED ...), ts the timestamp the writes got (or the
 * one a refused 1PC needs), status a record's status after a record op.
 */
struct txnops_res {
	int rc;
	int retry;		/* RC_CONFLICT is a serialization failure */
	int aborted;		/* the transaction's record is ABORTED */
	uint64_t ts;
	int status;		/* enum locktab_status, 0: no record */
	uint64_t count;		/* intents resolved */
	/* the values of the increments (txnops_write.incr), in order */
	int64_t incr[TXNOPS_MAX_INCR];
	size_t n_incr;
	char msg[256];
	struct txnops_conflicts conflicts;
	/* if set, told of every MVCC version the apply writes */
	void (*wrote)(void *arg, const void *key, size_t klen, uint64_t ts);
	void *wrote_arg;
};

/*
 * A write of a transactional or plain command.  incr: val is NULL and the
 * write is an increment by `by` of the key's latest committed value
 * (decimal int64 text; absent: 0), evaluated when the command applies at
 * the write's final timestamp (an own intent on the key is not counted,
 * so a re-sent write gives the same value).  A value that is not an
 * integer, or a sum that overflows, refuses the command (RC_BAD_INPUT).
 */
struct txnops_write {
	const void *key;
	size_t klen;
	const void *val;	/* NULL: a delete, or an increment */
	size_t vlen;
	int incr;
	int64_t by;
};

/*
 * Check (pass 0) and perform (do_it) a transactional command's writes:
 * intents or a one-phase commit.  id is the transaction, now the
 * command's HLC stamp.
 */
int txnops_apply_txn(struct mvcc *m, struct locktab *lt, struct bdb_txn *txn,
		     const unsigned char id[TXNOPS_ID_LEN],
		     const struct txnops_hdr *h, const struct txnops_write *w,
		     size_t n_w, uint64_t now, int do_it,
		     struct txnops_res *res, struct err *e);

/*
 * A plain (non-transactional) write of key: refused (res->rc RC_CONFLICT)
 * when a transaction holds an intent on it; else *ts is the version
 * timestamp to use: max(want, newest version + 1).
 */
int txnops_plain_check(struct mvcc *m, struct locktab *lt,
		       struct bdb_txn *txn, const void *key, size_t klen,
		       uint64_t want, uint64_t *ts, struct txnops_res *res,
		       struct err *e);

/* NODE_OP_RESOLVE: val as in the header comment. */
int txnops_apply_resolve(struct mvcc *m, struct locktab *lt,
			 struct bdb_txn *txn, const void *key, size_t klen,
			 const void *val, size_t vlen, int do_it,
			 struct txnops_res *res, struct err *e);

/* NODE_OP_RECORD: key = anchor, val as in the header comment. */
int txnops_apply_record(struct locktab *lt, struct bdb_txn *txn,
			const void *anchor, size_t alen, const void *val,
			size_t vlen, uint64_t now, int do_it,
			struct txnops_res *res, struct err *e);

/* Encoders of the two payloads above (for the API side). */
int txnops_resolve_encode(const unsigned char id[TXNOPS_ID_LEN], int status,
			  uint64_t ts, unsigned char out[25]);
int txnops_record_encode(const unsigned char id[TXNOPS_ID_LEN], int op,
			 int force, uint32_t timeout_ms, uint64_t ts,
			 unsigned char out[30]);
#define TXNOPS_RESOLVE_LEN	25
#define TXNOPS_RECORD_LEN	30

/* Is a record with hb and timeout_ms expired at now (HLCs)? */
int txnops_expired(uint64_t hb, uint32_t timeout_ms, uint64_t now);

/* ---- reads at the leader (after the read barrier) ------------------------ */

/*
 * Read key at ts for transaction id: RC_OK with the value (*val malloc'd,
 * *vts its version's timestamp), RC_NOT_FOUND, or RC_CONFLICT with the
 * foreign intent at or below ts in *c.  The transaction's own intents are
 * ignored (its coordinator holds its writes).
 */
int txnops_get(struct mvcc *m, struct locktab *lt, const void *key,
	       size_t klen, uint64_t ts, const unsigned char id[TXNOPS_ID_LEN],
	       void **val, size_t *vlen, uint64_t *vts,
	       struct txnops_conflicts *c, struct err *e);

/* Scan [start, end) at ts; RC_CONFLICT with the foreign intents in *c. */
int txnops_scan(struct mvcc *m, struct locktab *lt, const void *start,
		size_t slen, const void *end, size_t elen, uint64_t ts,
		const unsigned char id[TXNOPS_ID_LEN], size_t limit,
		struct mvcc_scan_result *res, struct txnops_conflicts *c,
		struct err *e);

/*
 * Refresh: has anything in span changed in (from, to] -- a committed
 * version, or a foreign intent at or below to?  RC_OK if not; RC_CONFLICT
 * with a message naming the key otherwise.
 */
int txnops_refresh(struct mvcc *m, struct locktab *lt,
		   const struct txnops_span *s, uint64_t from, uint64_t to,
		   const unsigned char id[TXNOPS_ID_LEN], struct err *e);

#endif
