/*
 * node.c -- raftd's node engine: ranges, the Raft loop, apply, waiters,
 * snapshots (see node.h for the contract).
 *
 * Command encoding (the data of a normal Raft entry; length 0 is the
 * leader's no-op), all integers big-endian:
 *
 *	u8 version (1) | BE64 ts | BE32 n_ops |
 *	n_ops * ( u8 kind (1 put, 2 delete) | BE32 klen | key |
 *	          [put: BE32 vlen | value] )
 *
 * ts is the HLC timestamp the leader stamped when it proposed the command,
 * so every replica writes identical MVCC versions (key, ts).  A command
 * that does not decode is skipped (logged) on every replica alike.
 *
 * Snapshot data (a range's state machine image at the snapshot index):
 *
 *	"rdbsnap3" (8 bytes) | BE32 dlen | descriptor (JSON) |
 *	BE32 n_locks | n_locks * ( BE32 klen | stored key | BE32 vlen |
 *	                           stored value )    (locktab_export) |
 *	n * ( BE32 klen | key | u8 tombstone | BE32 vlen | value | BE64 ts )
 *
 * i.e. the lock table (intents and transaction records) and every MVCC
 * version reads above the GC horizon can see (mvcc_scan_versions: newer
 * than now - gc_ttl, plus each key's newest one below).  The lock entries
 * are exported by the loop at the snapshot index I; the versions are read
 * by the snapshot thread while the loop goes on applying.  The loop
 * records every version it writes meanwhile (track_write) and the thread
 * drops those from the image at the end (track_filter): every apply adds
 * new (key, ts) versions and never rewrites one, so the image is exactly
 * the state at I -- which replaying the log after I requires (a replayed
 * command must not see its own effects).  The loop then compacts the log
 * to I and persists the snapshot, unless the range installed a leader's
 * snapshot or split meanwhile (snap_gen).  Installing one replaces both
 * tables (files removed and recreated) and sets the applied index in one
 * transaction; a crash half way is redone at start-up from the stored
 * snapshot (applied < snapshot index).
 *
 * Tested by t/100-raftd.bats and by hand (see the final report of issue 4).
 */
#include "node.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "bdb.h"
#include "fault.h"
#include "hlc.h"
#include "log.h"
#include "raftstore.h"
#include "raftwire.h"
#include "transport.h"
#include "tscache.h"
#include "txnops.h"
#include "util.h"

#define CMD_VERSION	1
#define CMD_HEADER	13		/* version + ts + n_ops */
#define CMD_MAX		((size_t)32 << 20)	/* bytes of one command */
#define SNAP_MAGIC	"rdbsnap3"
#define SNAP_PAGE	1000
#define INBOX_MAX_MSGS	65536		/* messages queued for the loop */
#define CHECKPOINT_MS	60000
#define APPLY_TRIES	20		/* apply attempts lost to deadlocks */
#define SWEEP_GRACE_MS	1000		/* waiters dropped this long after
					 * their deadline */
#define STATS_MS	1000		/* load statistics period */
/* a commit not yet carried by an append is sent on its own this late */
#define COMMIT_FLUSH_MS	3
#define COUNT_MS	10000		/* recount a written range's size */
#define QPS_ALPHA	0.1		/* per STATS_MS: ~10 s average */
#define LATCH_N		1024		/* write latches per range (by hash) */
#define TSC_BUCKETS	4096		/* timestamp cache: point slots */
#define TSC_SPANS	256		/* timestamp cache: spans */
#define MAX_OFFSET_MS	500		/* clock offset bound between nodes */

enum req_kind {
	REQ_PROPOSE = 1, REQ_READ, REQ_TRANSFER, REQ_CONF, REQ_CREATE,
	REQ_DESTROY, REQ_COMPACT
};

/* The verdict of one applied entry, for its proposer. */
struct apply_res {
	int rc;			/* RC_OK or a deterministic refusal */
	uint64_t result;	/* NODE_OP_INCR's new value */
	char msg[256];
	struct node_txn_result tx;	/* transactional commands */
};

/* A split applied in the current apply transaction (loop only). */
struct split_done {
	uint64_t new_id;
	uint64_t moved_bytes, moved_keys;
	struct split_done *next;
};

/* One proposal or read request, shared by an API thread and the loop. */
struct req {
	int kind;
	uint64_t range_id;
	unsigned char *cmd;	/* REQ_PROPOSE: encoded command */
	size_t cmd_len;
	uint64_t index, term;	/* proposal's place in the log */
	uint64_t ctx;		/* REQ_READ: raft_read_index context */
	uint64_t read_index;	/* REQ_READ: 0 until raft answered */
	uint64_t deadline_ms;	/* monotonic */
	uint64_t to;		/* REQ_TRANSFER: the new leader; REQ_CONF:
				 * the node added or removed */
	int conf_op;		/* REQ_CONF: enum raft_conf_op */
	struct desc *desc;	/* REQ_CREATE: the replica to create */
	/* under mu (the request's own): */
	int done;
	int rc;
	uint64_t result;	/* REQ_PROPOSE: the entry's INCR result */
	struct node_txn_result tx;	/* REQ_PROPOSE: a txn command's */
	int ambiguous;		/* REQ_PROPOSE failed after proposing */
	/* REQ_READ of a transaction: spans (txnops encoding) read at tsc_ts
	 * go into the timestamp cache; wait_index: the last write proposed
	 * on them before */
	unsigned char *spans;
	size_t spans_len;
	uint32_t n_spans;
	uint64_t tsc_ts;
	uint64_t owner;		/* the reading transaction's tag */
	uint64_t wait_index;
	struct err err;
	atomic_int refs;	/* the caller's and the loop's */
	pthread_mutex_t mu;	/* done and the results (not node.mu) */
	pthread_cond_t cond;	/* with mu: done */
	struct req *next;
};

struct range {
	uint64_t id;
	struct raft *raft;
	struct mvcc *mvcc;		/* swapped on snapshot install */
	struct locktab *locks;		/* intents and records, likewise */
	char lname[32];			/* "r2.locks" */
	/* leader only (loop): reads' timestamps, writes in flight */
	struct tscache *tsc;
	uint64_t latch[LATCH_N];	/* last index proposed per key hash */
	uint64_t last_prop;		/* last index proposed */
	/* versions written while a snapshot build reads (track_write) */
	pthread_mutex_t track_mu;
	int tracking, track_failed;
	struct tracked **track;
	size_t n_track, cap_track;
	pthread_rwlock_t mvcc_lock;	/* readers vs. install and split */
	char name[32];			/* "r2.data" */
	/*
	 * The descriptor as applied.  Written by the loop holding both
	 * mvcc_lock (for writing) and node.st_mu; read under either.
	 */
	struct desc desc;
	uint64_t snap_gen;		/* +1 at each install or split; written
					 * under mvcc_lock held for writing */
	int initialized;		/* has data (not an empty replica that
					 * waits for its first snapshot) */
	int remove_pending;		/* loop: this node was removed */
	int retire;			/* loop: a RETIRE applied (this txn) */
	int record_changed;		/* loop: a record op applied (txn) */
	uint64_t campaign_at_ms;	/* loop: campaign then (0: no) */
	uint64_t flush_at_ms;	/* loop: raft_flush_commit then (0: no) */
	int campaign_tries;		/* left, one per heartbeat */
	int fresh;			/* made by a split just now */
	int force_compact;		/* loop: compact now (a replica is
					 * about to be added) */
	uint64_t snap_jitter;		/* compaction threshold spread, so
					 * ranges born together (splits) do
					 * not all compact at once */
	int destroyed;			/* loop: gone (kept for late pointers) */
	struct range *next_dead;

	/* load statistics: req_count by API threads (atomic), rest loop */
	uint64_t req_count;
	uint64_t req_seen;
	double qps, hot_s;
	uint64_t approx_bytes, approx_keys;
	int count_busy;			/* a size count is queued/running */
	int written;			/* writes applied since the last count */
	uint64_t count_due_ms;

	/* loop only, during one apply */
	struct desc work;		/* the descriptor as entries apply */
	struct split_done *splits;	/* splits applied in this txn */
	struct apply_res *res;		/* per committed entry */
	size_t res_cap;

	/* loop only */
	uint64_t applied_ts;		/* T(applied): newest command ts applied
					 * (or in the installed image); 0 none */
	int snap_busy;			/* a snapshot build is queued/running */
	uint64_t snap_retry_ms;		/* after a failed build: not before */
	struct raft_ready rd;
	int in_ready;
	struct req *props, *props_tail;	/* by index */
	struct req *reads;
	int last_role;
	uint64_t last_leader;

	/* under node.st_mu */
	struct node_range_status st;
};

/*
 * A snapshot build handed by the loop to the snapshot thread: the image of
 * rg at applied index `index` is the MVCC state read at ts (see
 * range_maybe_compact).  Results go back to the loop through node.snap_done.
 */
struct snapjob {
	struct range *rg;
	int count_only;			/* just count keys and bytes */
	uint64_t keys, bytes;		/* count results */
	struct desc desc;		/* the descriptor at index */
	struct locktab_raw *locks;	/* its lock entries at index */
	size_t n_locks;
	uint64_t index, term, ts;	/* I, term(I), T(I) */
	uint64_t gen;			/* rg->snap_gen when queued */
	void *data;			/* the image (result) */
	size_t len;
	uint64_t build_ms;		/* how long the build took */
	int rc;
	struct err err;
	struct snapjob *next;
};

struct node {
	uint64_t id;
	/* slots only appended; n_members counts complete ones (atomic) */
	struct node_member members[NODE_MAX_PEERS];
	size_t n_members;
	pthread_mutex_t members_mu;	/* serializes node_add_member */
	unsigned heartbeat_ms;
	unsigned election_ticks;
	int lease_reads;
	uint64_t snapshot_entries;

	struct bdb *env;
	struct raftstore *rs;
	struct transport *tp;
	/* every replica; entries never freed before node_close, so a pointer
	 * taken under tab_lock stays valid; only the loop adds */
	struct range **ranges;
	size_t n_ranges, cap_ranges;
	pthread_rwlock_t tab_lock;
	struct range *dead;		/* destroyed replicas (loop only) */
	int no_bootstrap;
	double split_qps;
	struct hlc hlc;			/* loop only */
	uint64_t read_seq;		/* loop only */

	pthread_t loop;
	int loop_started;
	pthread_mutex_t mu;		/* inbox, req completion */
	pthread_cond_t cv;		/* loop wake-up */
	int stop;
	struct raft_msg *inbox;
	size_t inbox_n, inbox_cap;
	struct req *reqs, *reqs_tail;

	pthread_t snapper;		/* builds snapshot images */
	int snapper_started;
	pthread_cond_t snap_cv;		/* snapper wake-up (with mu) */
	struct snapjob *snap_todo;	/* under mu: for the snapper */
	struct snapjob *snap_done;	/* under mu: for the loop */

	pthread_mutex_t st_mu;		/* ranges[].st */
	uint64_t record_seq;		/* under mu: +1 per applied record op */
	pthread_cond_t rec_cv;		/* with mu: record_seq moved */
	/* under mu: node_receive() calls (numbered with the inbox) */
	uint64_t rx_seq;
	/* under rx_mu, not mu (every peer's POST waits here; mu is busy
	 * enough): how many calls the loop has handled (stepped,
	 * persisted, answers queued); rx_cv signals it to rx_waiters (see
	 * node_rx_wait); rx_stop: closing */
	pthread_mutex_t rx_mu;
	uint64_t rx_done;
	unsigned rx_waiters;
	int rx_stop;
	pthread_cond_t rx_cv;
	uint64_t gc_ttl_ms;		/* history kept for reads */

	struct metrics_counter *m_proposals, *m_commits, *m_elections,
			       *m_leader_changes, *m_inbox_dropped,
			       *m_snapshots, *m_snapshots_installed,
			       *m_splits, *m_ticks_missed;
	struct metrics_histogram *m_fsync;
};

/* ---- small helpers ------------------------------------------------------ */





static struct range *range_find(struct node *n, uint64_t id)
{
	struct range *rg = NULL;

	pthread_rwlock_rdlock(&n->tab_lock);
	for (size_t i = 0; i < n->n_ranges; i++)
		if (n->ranges[i]->id == id) {
			rg = n->ranges[i];
			break;
		}
	pthread_rwlock_unlock(&n->tab_lock);
	return rg;
}

/* The i-th range (loop, or under tab_lock). */
#define RG(n, i) ((n)->ranges[i])

static int range_has_voter(struct node *n, struct range *rg, uint64_t id)
{
	int yes;

	pthread_mutex_lock(&n->st_mu);
	yes = desc_has_member(&rg->desc, id);
	pthread_mutex_unlock(&n->st_mu);
	return yes;
}

static int bytes_cmp(const void *a, size_t al, const void *b, size_t bl)
{
	size_t k = al < bl ? al : bl;
	int c = k ? memcmp(a, b, k) : 0;

	if (c != 0)
		return c;
	return al < bl ? -1 : al > bl;
}

static void abs_deadline(uint64_t ms_from_now, struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += (time_t)(ms_from_now / 1000);
	ts->tv_nsec += (long)(ms_from_now % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void raft_log_cb(void *arg, const char *msg)
{
	struct range *rg = arg;

	log_debug("msg=\"raft\" range=%" PRIu64 " detail=\"%s\"", rg->id, msg);
}

/* ---- requests and waiters ----------------------------------------------- */

static void req_unref(struct req *r)
{
	if (atomic_fetch_sub(&r->refs, 1) != 1)
		return;
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->mu);
	free(r->cmd);
	free(r->desc);
	free(r->spans);
	txnops_conflicts_release(&r->tx.conflicts);
	free(r);
}

/*
 * Loop side: finish r with rc (and e's message) and drop the loop's ref.
 * The request has a mutex of its own, so the waiter it wakes does not
 * queue on node.mu behind every other API thread; and it is signalled
 * after the unlock, so it does not wake only to block on that mutex (a
 * futex wait, a wake and a context switch more per request).  The loop's
 * reference, dropped last, keeps r alive for the signal.
 */
static void req_complete(struct node *n, struct req *r, int rc,
			 const struct err *e)
{
	(void)n;
	pthread_mutex_lock(&r->mu);
	r->done = 1;
	r->rc = rc;
	if (rc != RC_OK && e != NULL)
		r->err = *e;
	else
		err_clear(&r->err);
	r->err.code = rc;
	pthread_mutex_unlock(&r->mu);
	pthread_cond_signal(&r->cond);
	req_unref(r);
}

static void req_fail(struct node *n, struct req *r, int rc, const char *fmt,
		     ...) __attribute__((format(printf, 4, 5)));

static void req_fail(struct node *n, struct req *r, int rc, const char *fmt,
		     ...)
{
	struct err e;
	va_list ap;

	va_start(ap, fmt);
	err_vformat(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	e.code = rc;
	req_complete(n, r, rc, &e);
}

static struct req *req_new(int kind, uint64_t range_id)
{
	struct req *r = calloc(1, sizeof(*r));
	pthread_condattr_t ca;

	if (r == NULL)
		return NULL;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&r->mu, NULL);
	r->kind = kind;
	r->range_id = range_id;
	atomic_init(&r->refs, 2);	/* the caller and the loop */
	r->deadline_ms = util_mono_ms() + NODE_WAIT_MS;
	return r;
}

/*
 * API side: queue r[0..k) for the loop in this order and in one go -- the
 * loop takes the queue whole, so proposals among them share a turn, a
 * Raft round and an fsync -- and wait until each is done or the deadline.
 * rc[i] and e[i] (e may be NULL) say how r[i] ended.
 */
static void req_submit_wait_n(struct node *n, struct req **r, size_t k,
			      int *rc, struct err *e)
{
	struct timespec ts;
	int timed_out = 0;

	abs_deadline(NODE_WAIT_MS, &ts);
	pthread_mutex_lock(&n->mu);
	for (size_t i = 0; i < k; i++) {
		if (n->stop) {
			atomic_fetch_sub(&r[i]->refs, 1); /* the loop's */
			rc[i] = RC_UNAVAILABLE;
			if (e != NULL)
				err_set(&e[i], RC_UNAVAILABLE,
					"raftd is shutting down");
			continue;
		}
		rc[i] = RC_OK;
		if (n->reqs_tail != NULL)
			n->reqs_tail->next = r[i];
		else
			n->reqs = r[i];
		n->reqs_tail = r[i];
	}
	pthread_cond_signal(&n->cv);
	pthread_mutex_unlock(&n->mu);
	for (size_t i = 0; i < k; i++) {
		if (rc[i] != RC_OK) {	/* never queued */
			req_unref(r[i]);
			continue;
		}
		pthread_mutex_lock(&r[i]->mu);
		while (!r[i]->done && !timed_out)
			if (pthread_cond_timedwait(&r[i]->cond, &r[i]->mu,
						   &ts) == ETIMEDOUT)
				timed_out = 1;
		if (r[i]->done) {
			rc[i] = r[i]->rc;
			if (rc[i] != RC_OK && e != NULL)
				e[i] = r[i]->err;
		} else if (r[i]->kind == REQ_PROPOSE) {
			rc[i] = RC_TIMEOUT;
			if (e != NULL)
				err_set(&e[i], RC_TIMEOUT, "write not applied "
					"within %d ms; it may still take "
					"effect", NODE_WAIT_MS);
		} else {
			rc[i] = RC_TIMEOUT;
			if (e != NULL)
				err_set(&e[i], RC_TIMEOUT, "read not confirmed "
					"by a quorum within %d ms; retry",
					NODE_WAIT_MS);
		}
		pthread_mutex_unlock(&r[i]->mu);
		req_unref(r[i]);
	}
}

/* API side: queue r for the loop and wait until done or the deadline. */
static int req_submit_wait(struct node *n, struct req *r, struct err *e)
{
	struct err e1;
	int rc;

	req_submit_wait_n(n, &r, 1, &rc, &e1);
	if (rc != RC_OK && e != NULL)
		*e = e1;
	return rc;
}

/* Fail every waiter of rg (leadership lost, shutdown). */
static void range_fail_waiters(struct node *n, struct range *rg, int rc,
			       const char *why)
{
	struct req *r, *next;

	for (r = rg->props; r != NULL; r = next) {
		next = r->next;
		/*
		 * Proposed: it may still commit.  Never RC_NOT_LEADER (which
		 * the API turns into a redirect, and a client into a second
		 * attempt): the outcome is unknown.
		 */
		r->ambiguous = 1;
		req_fail(n, r, rc == RC_NOT_LEADER ? RC_UNAVAILABLE : rc,
			 "%s (range %" PRIu64 "); the write may or may not "
			 "take effect", why, rg->id);
	}
	rg->props = rg->props_tail = NULL;
	for (r = rg->reads; r != NULL; r = next) {
		next = r->next;
		req_fail(n, r, rc, "%s (range %" PRIu64 ")", why, rg->id);
	}
	rg->reads = NULL;
}

/* Drop waiters long past their deadline (their caller has gone). */
static void range_sweep(struct node *n, struct range *rg, uint64_t now)
{
	struct req **pp, *r;

	for (pp = &rg->props; (r = *pp) != NULL;) {
		if (r->deadline_ms + SWEEP_GRACE_MS < now) {
			*pp = r->next;
			req_fail(n, r, RC_TIMEOUT, "write timed out");
		} else {
			pp = &r->next;
		}
	}
	rg->props_tail = NULL;
	for (r = rg->props; r != NULL; r = r->next)
		rg->props_tail = r;
	for (pp = &rg->reads; (r = *pp) != NULL;) {
		if (r->deadline_ms + SWEEP_GRACE_MS < now) {
			*pp = r->next;
			req_fail(n, r, RC_TIMEOUT, "read timed out");
		} else {
			pp = &r->next;
		}
	}
}

/* ---- commands ----------------------------------------------------------- */

/*
 * A record commit may carry the resolution of its transaction's intents in
 * the record's own range (POST /txn/record "resolve"), saving the command
 * that would resolve them later: op 0 is the RECORD commit and every later
 * op a RESOLVE of the same transaction, committed at the same timestamp.
 * Apply resolves them only if the record ends COMMITTED at that timestamp
 * (not when a pusher aborted it first).  1 if res (a RESOLVE payload) may
 * follow rec (a RECORD payload) in one command.
 */
static int cmd_resolve_follows(const unsigned char *rec, size_t rlen,
			       const unsigned char *res, size_t vlen)
{
	return rec != NULL && res != NULL && rlen == TXNOPS_RECORD_LEN &&
	       rec[16] == TXNOPS_REC_COMMIT && vlen == TXNOPS_RESOLVE_LEN &&
	       memcmp(rec, res, TXNOPS_ID_LEN) == 0 &&
	       res[16] == LOCKTAB_COMMITTED &&
	       util_get_be64(res + 17) == util_get_be64(rec + 22);
}

/*
 * Several record collections may share a command (POST /txn/gc: a busy
 * coordinator's resolver collects the records of many finished
 * transactions at once): 1 if the RECORD payload rec is a collection.
 */
static int cmd_is_gc(const unsigned char *rec, size_t rlen)
{
	return rec != NULL && rlen == TXNOPS_RECORD_LEN &&
	       rec[16] == TXNOPS_REC_GC;
}

/*
 * The shape rule of record ops, for op i (kind k, payload v) of a command
 * whose op 0 has kind k0 and payload v0: a record op comes alone, first
 * among collections only, or first before resolutions that may follow it
 * (cmd_resolve_follows).  1 if op i is allowed.
 */
static int cmd_record_shape_ok(size_t i, int k0, const unsigned char *v0,
			       size_t l0, int k, const unsigned char *v,
			       size_t l)
{
	if (i == 0)
		return 1;
	if (k0 != NODE_OP_RECORD)
		return k != NODE_OP_RECORD;
	if (cmd_is_gc(v0, l0))
		return k == NODE_OP_RECORD && cmd_is_gc(v, l);
	return k == NODE_OP_RESOLVE && cmd_resolve_follows(v0, l0, v, l);
}

static int cmd_encode(const struct node_op *ops, size_t n_ops,
		      unsigned char **out, size_t *len, struct err *e)
{
	size_t total = CMD_HEADER, i;
	unsigned char *p, *buf;

	if (n_ops == 0)
		return err_set(e, RC_BAD_INPUT, "no operations to write");
	if (n_ops > UINT32_MAX)
		return err_set(e, RC_TOO_LARGE, "too many operations");
	for (i = 0; i < n_ops; i++) {
		int k = ops[i].kind;

		if (k < NODE_OP_PUT || k > NODE_OP_LAST)
			return err_set(e, RC_BAD_INPUT, "bad operation kind");
		if (k >= NODE_OP_FREEZE && k <= NODE_OP_RETIRE && n_ops != 1)
			return err_set(e, RC_BAD_INPUT, "a merge step is alone "
				       "in its command");
		if (!cmd_record_shape_ok(i, ops[0].kind, ops[0].val,
					 ops[0].vlen, k, ops[i].val,
					 ops[i].vlen))
			return err_set(e, RC_BAD_INPUT, "a record operation "
				       "comes alone, as a commit followed "
				       "by resolutions of its own intents at "
				       "its timestamp, or among collections "
				       "only");
		if (k == NODE_OP_SPLIT && (n_ops != 1 || ops[i].vlen != 16))
			return err_set(e, RC_BAD_INPUT, "a split is alone in "
				       "its command");
		if (k == NODE_OP_INCR && (n_ops != 1 || ops[i].vlen != 8))
			return err_set(e, RC_BAD_INPUT, "an increment is alone "
				       "in its command");
		if ((k == NODE_OP_TXN) != (i == 0 &&
					   ops[0].kind == NODE_OP_TXN) ||
		    (i > 0 && ops[0].kind == NODE_OP_TXN &&
		     k != NODE_OP_PUT && k != NODE_OP_DELETE &&
		     k != NODE_OP_TXN_INCR) ||
		    (k == NODE_OP_TXN_INCR && (ops[0].kind != NODE_OP_TXN ||
					       ops[i].vlen != 8)))
			return err_set(e, RC_BAD_INPUT, "a transaction header "
				       "comes first, followed by puts, "
				       "deletes and increments");
		if (ops[i].klen == 0 && k != NODE_OP_DESC_PUT &&
		    k != NODE_OP_FREEZE && k != NODE_OP_RETIRE)
			return err_set(e, RC_BAD_INPUT, "empty key");
		if (ops[i].klen > MVCC_KEY_MAX)
			return err_set(e, RC_TOO_LARGE,
				       "key of %zu bytes is over the limit of "
				       "%u", ops[i].klen, MVCC_KEY_MAX);
		if (ops[i].vlen > MVCC_VALUE_MAX)
			return err_set(e, RC_TOO_LARGE,
				       "value of %zu bytes is over the limit",
				       ops[i].vlen);
		total += 5 + ops[i].klen;
		if (ops[i].kind != NODE_OP_DELETE)
			total += 4 + ops[i].vlen;
		if (total > CMD_MAX)
			return err_set(e, RC_TOO_LARGE,
				       "write of more than %zu bytes", CMD_MAX);
	}
	buf = malloc(total);
	if (buf == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	buf[0] = CMD_VERSION;
	util_put_be64(buf + 1, 0);	/* the leader stamps it */
	util_put_be32(buf + 9, (uint32_t)n_ops);
	p = buf + CMD_HEADER;
	for (i = 0; i < n_ops; i++) {
		*p++ = (unsigned char)ops[i].kind;
		util_put_be32(p, (uint32_t)ops[i].klen);
		p += 4;
		if (ops[i].klen > 0)
			memcpy(p, ops[i].key, ops[i].klen);
		p += ops[i].klen;
		if (ops[i].kind != NODE_OP_DELETE) {
			util_put_be32(p, (uint32_t)ops[i].vlen);
			p += 4;
			if (ops[i].vlen > 0)
				memcpy(p, ops[i].val, ops[i].vlen);
			p += ops[i].vlen;
		}
	}
	*out = buf;
	*len = total;
	return RC_OK;
}

/* The HLC timestamp of an encoded command, 0 if it is not one. */
static uint64_t cmd_ts(const void *data, size_t len)
{
	const unsigned char *p = data;

	if (len < CMD_HEADER || p[0] != CMD_VERSION)
		return 0;
	return util_get_be64(p + 1);
}

static int split_apply(struct node *n, struct range *rg,
		       struct bdb_txn *txn, const unsigned char *key,
		       size_t klen, const unsigned char *val,
		       struct apply_res *res, struct err *e);
static void track_write(void *arg, const void *key, size_t klen,
			uint64_t ts);
static int prop_prepare(struct node *n, struct range *rg, struct req *r,
			struct err *e);
static void prop_latch(struct range *rg, struct req *r);
static int read_register(struct node *n, struct range *rg, struct req *r,
			 struct err *e);
static int moved(struct range *rg, struct err *e);
static struct tscache *range_tsc(struct node *n, struct range *rg);
static int desc_put_apply(struct range *rg, struct bdb_txn *txn,
			  uint64_t ts, const unsigned char *val, size_t vlen,
			  struct apply_res *res, struct err *e);

static void res_refuse(struct apply_res *res, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int merge_step_apply(struct range *rg, struct bdb_txn *txn, int kind,
			    const unsigned char *key, size_t klen,
			    const unsigned char *val, size_t vlen,
			    struct apply_res *res, struct err *e);

static void res_refuse(struct apply_res *res, int rc, const char *fmt, ...)
{
	va_list ap;

	res->rc = rc;
	va_start(ap, fmt);
	err_vformat(res->msg, sizeof(res->msg), fmt, ap);
	va_end(ap);
}

/* key's value as an unsigned decimal (absent: 0) for NODE_OP_INCR. */
static int incr_read(struct range *rg, struct bdb_txn *txn,
		     const unsigned char *key, size_t klen, uint64_t *v,
		     struct err *e)
{
	void *val = NULL;
	size_t vlen = 0;
	char buf[24];
	int rc;

	*v = 0;
	rc = mvcc_get(rg->mvcc, txn, key, klen, UINT64_MAX, &val, &vlen, NULL,
		      e);
	if (rc == RC_NOT_FOUND)
		return RC_OK;
	if (rc != RC_OK)
		return rc;
	if (vlen == 0 || vlen >= sizeof(buf)) {
		free(val);
		return RC_BAD_INPUT;
	}
	memcpy(buf, val, vlen);
	buf[vlen] = '\0';
	free(val);
	return util_parse_u64(buf, 0, UINT64_MAX, v, "counter", NULL) ==
	       RC_OK ? RC_OK : RC_BAD_INPUT;
}

/*
 * Apply one command in txn.  RC_CORRUPT for a command that does not
 * decode (nothing of it is written: it is checked first).  A command that
 * decodes but is refused (a key outside the range's span, a split whose
 * generation no longer matches, ...) writes nothing and returns RC_OK with
 * res->rc saying why; that verdict depends only on the log, so every
 * replica reaches it.  Other codes are storage errors.
 */
/* Move a txnops verdict into res (a refusal when tr->rc is set). */
static void res_take(struct apply_res *res, struct txnops_res *tr)
{
	if (tr->rc != RC_OK) {
		res->rc = tr->rc;
		snprintf(res->msg, sizeof(res->msg), "%s", tr->msg);
	}
	res->tx.ts = tr->ts;
	res->tx.status = tr->status;
	res->tx.retry = tr->retry;
	res->tx.aborted = tr->aborted;
	res->tx.count += tr->count;
	memcpy(res->tx.incr, tr->incr, sizeof(res->tx.incr));
	res->tx.n_incr = tr->n_incr;
	txnops_conflicts_release(&res->tx.conflicts);
	res->tx.conflicts = tr->conflicts;
	tr->conflicts.items = NULL;
	tr->conflicts.n = 0;
}

/* One parsed op of a command (pointers into the command). */
struct cmd_op {
	int kind;
	const unsigned char *key, *val;
	uint32_t klen, vlen;
};

/* Parse op i at *off of a command of length len. */
static int cmd_op_next(const unsigned char *p, size_t len, size_t *off,
		       struct cmd_op *op, struct err *e)
{
	size_t o = *off;

	if (len - o < 5)
		return err_set(e, RC_CORRUPT, "short command");
	op->kind = p[o];
	op->klen = util_get_be32(p + o + 1);
	o += 5;
	if (len - o < op->klen)
		return err_set(e, RC_CORRUPT, "short key");
	op->key = p + o;
	o += op->klen;
	op->val = NULL;
	op->vlen = 0;
	if (op->kind < NODE_OP_PUT || op->kind > NODE_OP_LAST)
		return err_set(e, RC_CORRUPT, "unknown operation %d", op->kind);
	if (op->kind != NODE_OP_DELETE) {
		if (len - o < 4)
			return err_set(e, RC_CORRUPT, "short command");
		op->vlen = util_get_be32(p + o);
		o += 4;
		if (len - o < op->vlen)
			return err_set(e, RC_CORRUPT, "short value");
		op->val = p + o;
		o += op->vlen;
	}
	*off = o;
	return RC_OK;
}

/*
 * A transactional command (NODE_OP_TXN first, then puts and deletes):
 * intents or a one-phase commit (txnops_apply_txn), checked against the
 * range's span first.
 */
static int txn_cmd_apply(struct range *rg, struct bdb_txn *txn,
			 const unsigned char *p, size_t len, uint64_t now,
			 struct apply_res *res, struct err *e)
{
	uint32_t n_ops = util_get_be32(p + 9);
	struct txnops_write *w = NULL;
	struct txnops_res tr;
	struct txnops_hdr h;
	struct cmd_op op, first;
	size_t off = CMD_HEADER, n_w = 0;
	int rc;

	if ((rc = cmd_op_next(p, len, &off, &first, e)) != RC_OK)
		return rc;
	if (first.klen != TXNOPS_ID_LEN)
		return err_set(e, RC_CORRUPT, "bad transaction id");
	if ((rc = txnops_hdr_decode(first.val, first.vlen, &h, e)) != RC_OK)
		return rc;
	w = calloc(n_ops, sizeof(*w));
	if (w == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	for (uint32_t i = 1; i < n_ops; i++) {
		if ((rc = cmd_op_next(p, len, &off, &op, e)) != RC_OK)
			goto out;
		if ((op.kind != NODE_OP_PUT && op.kind != NODE_OP_DELETE &&
		     op.kind != NODE_OP_TXN_INCR) ||
		    (op.kind == NODE_OP_TXN_INCR && op.vlen != 8)) {
			rc = err_set(e, RC_CORRUPT, "operation %d in a "
				     "transaction", op.kind);
			goto out;
		}
		w[n_w].key = op.key;
		w[n_w].klen = op.klen;
		w[n_w].val = op.kind == NODE_OP_PUT ? op.val : NULL;
		w[n_w].vlen = op.vlen;
		if (op.kind == NODE_OP_TXN_INCR) {
			w[n_w].incr = 1;
			w[n_w].by = (int64_t)util_get_be64(op.val);
			w[n_w].vlen = 0;
		}
		n_w++;
	}
	if (off != len) {
		rc = err_set(e, RC_CORRUPT, "trailing bytes in command");
		goto out;
	}
	rc = RC_OK;
	if (rg->work.frozen) {
		res_refuse(res, RC_RANGE_MOVED, "range %" PRIu64 " is being "
			   "merged into its left neighbour; retry", rg->id);
		goto out;
	}
	for (size_t i = 0; i < n_w; i++)
		if (!desc_contains(&rg->work, w[i].key, w[i].klen))
			goto moved;
	if (h.mode == TXNOPS_INTENTS && (h.flags & TXNOPS_RECORD) &&
	    !desc_contains(&rg->work, h.anchor, h.alen))
		goto moved;
	/* a one-phase commit validates reads of this range only */
	if (h.mode == TXNOPS_1PC) {
		struct txnops_span sp;
		size_t so = 0;

		while (txnops_span_next(&h, &so, &sp))
			if (!desc_contains(&rg->work, sp.start, sp.slen) ||
			    (!sp.point && rg->work.end_len > 0 &&
			     (sp.elen == 0 ||
			      bytes_cmp(sp.end, sp.elen, rg->work.end,
					rg->work.end_len) > 0)))
				goto moved;
	}
	memset(&tr, 0, sizeof(tr));
	tr.wrote = track_write;
	tr.wrote_arg = rg;
	rc = txnops_apply_txn(rg->mvcc, rg->locks, txn, first.key, &h, w, n_w,
			      now, 0, &tr, e);
	if (rc == RC_OK && tr.rc == RC_OK)
		rc = txnops_apply_txn(rg->mvcc, rg->locks, txn, first.key, &h,
				      w, n_w, now, 1, &tr, e);
	if (rc == RC_OK)
		res_take(res, &tr);
	txnops_conflicts_release(&tr.conflicts);
	if (rc == RC_OK && res->rc == RC_OK) {
		rg->written = 1;
		if (h.mode == TXNOPS_1PC)
			for (size_t i = 0; i < n_w; i++) {
				rg->approx_bytes += w[i].klen + w[i].vlen;
				rg->approx_keys++;
			}
	}
	goto out;
moved:
	res_refuse(res, RC_RANGE_MOVED, "a key of the write is no longer in "
		   "range %" PRIu64 " (it split or merged); look the key up "
		   "again", rg->id);
out:
	free(w);
	return rc;
}

static int cmd_apply(struct node *n, struct range *rg, struct bdb_txn *txn,
		     const unsigned char *p, size_t len,
		     struct apply_res *res, struct err *e)
{
	uint64_t ts;
	uint32_t n_ops, i;
	size_t off, rec_len = 0;
	const unsigned char *rec = NULL;	/* op 0's RECORD payload */
	int pass, rc, skip_resolves;

	res->rc = RC_OK;
	res->msg[0] = '\0';
	if (len < CMD_HEADER || p[0] != CMD_VERSION)
		return err_set(e, RC_CORRUPT, "unknown command format");
	ts = util_get_be64(p + 1);
	n_ops = util_get_be32(p + 9);
	if (ts == 0)
		return err_set(e, RC_CORRUPT, "command without timestamp");
	if (n_ops > 0 && len > CMD_HEADER && p[CMD_HEADER] == NODE_OP_TXN)
		return txn_cmd_apply(rg, txn, p, len, ts, res, e);
	for (pass = 0; pass < 2; pass++) {
		off = CMD_HEADER;
		skip_resolves = 0;
		for (i = 0; i < n_ops; i++) {
			uint32_t klen, vlen = 0;
			const unsigned char *key, *val = NULL;
			uint64_t op_ts = ts;
			int kind;

			if (len - off < 5)
				return err_set(e, RC_CORRUPT, "short command");
			kind = p[off];
			klen = util_get_be32(p + off + 1);
			off += 5;
			if (len - off < klen)
				return err_set(e, RC_CORRUPT, "short key");
			key = p + off;
			off += klen;
			if (kind < NODE_OP_PUT || kind > NODE_OP_RECORD ||
			    kind == NODE_OP_TXN)
				return err_set(e, RC_CORRUPT,
					       "unknown operation %d", kind);
			if (kind != NODE_OP_DELETE) {
				if (len - off < 4)
					return err_set(e, RC_CORRUPT,
						       "short command");
				vlen = util_get_be32(p + off);
				off += 4;
				if (len - off < vlen)
					return err_set(e, RC_CORRUPT,
						       "short value");
				val = p + off;
				off += vlen;
			}
			if ((kind == NODE_OP_SPLIT && (n_ops != 1 ||
						       vlen != 16)) ||
			    (kind == NODE_OP_INCR && (n_ops != 1 ||
						      vlen != 8)) ||
			    (kind >= NODE_OP_FREEZE &&
			     kind <= NODE_OP_RETIRE && n_ops != 1) ||
			    !cmd_record_shape_ok(i, rec != NULL ?
					NODE_OP_RECORD : 0, rec, rec_len,
					kind, val, vlen) ||
			    (kind == NODE_OP_FREEZE && vlen != 9) ||
			    (kind == NODE_OP_RETIRE && vlen != 8) ||
			    (kind == NODE_OP_MERGE && klen < 8))
				return err_set(e, RC_CORRUPT, "malformed "
					       "operation %d", kind);
			if (pass == 0 && rg->work.frozen &&
			    kind != NODE_OP_FREEZE && kind != NODE_OP_RETIRE) {
				res_refuse(res, RC_RANGE_MOVED, "range %"
					   PRIu64 " is being merged into its "
					   "left neighbour; retry", rg->id);
				return RC_OK;
			}
			if (kind >= NODE_OP_FREEZE && kind <= NODE_OP_RETIRE) {
				if (pass == 0)
					continue;
				return merge_step_apply(rg, txn, kind, key,
							klen, val, vlen, res, e);
			}
			if (kind == NODE_OP_RESOLVE || kind == NODE_OP_RECORD ||
			    kind == NODE_OP_PUT || kind == NODE_OP_DELETE ||
			    kind == NODE_OP_INCR) {
				struct txnops_res tr;
				uint64_t wts = ts;

				memset(&tr, 0, sizeof(tr));
				tr.wrote = track_write;
				tr.wrote_arg = rg;
				if (!desc_contains(&rg->work, key, klen)) {
					res_refuse(res, RC_RANGE_MOVED,
						   "a key of the write is no "
						   "longer in range %" PRIu64
						   " (it split or merged); "
						   "look the key up again",
						   rg->id);
					return RC_OK;
				}
				if (kind == NODE_OP_RESOLVE && skip_resolves)
					continue;
				if (kind == NODE_OP_RESOLVE)
					rc = txnops_apply_resolve(rg->mvcc,
						rg->locks, txn, key, klen, val,
						vlen, pass, &tr, e);
				else if (kind == NODE_OP_RECORD)
					rc = txnops_apply_record(rg->locks,
						txn, key, klen, val, vlen, ts,
						pass, &tr, e);
				else
					rc = txnops_plain_check(rg->mvcc,
						rg->locks, txn, key, klen, ts,
						&wts, &tr, e);
				if (rc == RC_OK && kind == NODE_OP_RESOLVE &&
				    rec != NULL)	/* keep the record's */
					res->tx.count += tr.count;
				else if (rc == RC_OK && n_ops > 1 &&
					 cmd_is_gc(val, vlen))
					/* collections: count the records
					 * still pending (not collected) */
					res->tx.count += pass == 1 &&
						tr.status == LOCKTAB_PENDING;
				else if (rc == RC_OK &&
					 (kind == NODE_OP_RESOLVE ||
					  kind == NODE_OP_RECORD ||
					  tr.rc != RC_OK))
					res_take(res, &tr);
				txnops_conflicts_release(&tr.conflicts);
				if (rc != RC_OK)
					return rc;
				if (res->rc != RC_OK)
					return RC_OK;
				if (kind == NODE_OP_RECORD && pass == 1)
					rg->record_changed = 1;
				if (kind == NODE_OP_RECORD && n_ops > 1 &&
				    i == 0) {
					/* resolutions follow: only if it
					 * committed at their timestamp */
					rec = val;
					rec_len = vlen;
					skip_resolves = res->tx.status !=
						LOCKTAB_COMMITTED ||
						res->tx.ts !=
						util_get_be64(val + 22);
				}
				if (kind == NODE_OP_RESOLVE ||
				    kind == NODE_OP_RECORD) {
					if (pass == 1)
						rg->written = 1;
					continue;
				}
				op_ts = wts;
			}
			if (pass == 0 && kind == NODE_OP_DESC_PUT) {
				struct desc d;

				if (rg->id != NODE_META_RANGE ||
				    desc_decode(val, vlen, &d, NULL) != RC_OK) {
					res_refuse(res, RC_BAD_INPUT, "not a "
						   "range descriptor, or not "
						   "the meta range");
					return RC_OK;
				}
				continue;
			}
			if (pass == 0 && kind == NODE_OP_INCR) {
				uint64_t v;

				rc = incr_read(rg, txn, key, klen, &v, e);
				if (rc == RC_BAD_INPUT) {
					res_refuse(res, RC_BAD_INPUT, "the "
						   "value to increment is not "
						   "a number");
					return RC_OK;
				}
				if (rc != RC_OK)
					return rc;
			}
			if (pass == 0) {
				if (kind != NODE_OP_DESC_PUT &&
				    !desc_contains(&rg->work, key, klen)) {
					res_refuse(res, RC_RANGE_MOVED,
						   "a key of the write is no "
						   "longer in range %" PRIu64
						   " (it split or merged); "
						   "look the key up again",
						   rg->id);
					return RC_OK;
				}
				continue;
			}
			switch (kind) {
			case NODE_OP_PUT:
				rc = mvcc_put(rg->mvcc, txn, key, klen, op_ts,
					      val, vlen, e);
				rg->approx_bytes += klen + vlen;
				rg->approx_keys++;
				break;
			case NODE_OP_DELETE:
				rc = mvcc_delete(rg->mvcc, txn, key, klen,
						 op_ts, e);
				break;
			case NODE_OP_SPLIT:
				return split_apply(n, rg, txn, key, klen, val,
						   res, e);
			case NODE_OP_DESC_PUT:
				rc = desc_put_apply(rg, txn, ts, val, vlen,
						    res, e);
				break;
			default: {	/* NODE_OP_INCR */
				uint64_t v;
				char txt[24];
				int tl;

				rc = incr_read(rg, txn, key, klen, &v, e);
				if (rc != RC_OK)	/* checked in pass 0 */
					return rc == RC_BAD_INPUT ?
						err_set(e, RC_INTERNAL,
							"counter changed") : rc;
				v += util_get_be64(val);
				tl = snprintf(txt, sizeof(txt), "%" PRIu64, v);
				rc = mvcc_put(rg->mvcc, txn, key, klen, op_ts,
					      txt, (size_t)tl, e);
				res->result = v;
				break;
			}
			}
			if (rc != RC_OK)
				return rc;
			if (kind == NODE_OP_PUT || kind == NODE_OP_DELETE ||
			    kind == NODE_OP_INCR)
				track_write(rg, key, klen, op_ts);
			if (res->rc != RC_OK)
				return RC_OK;
		}
		if (pass == 0 && off != len)
			return err_set(e, RC_CORRUPT,
				       "trailing bytes in command");
	}
	rg->written = 1;
	return RC_OK;
}

/* ---- snapshots ---------------------------------------------------------- */

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static int buf_add(struct buf *b, const void *data, size_t len)
{
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		unsigned char *np;

		while (cap < b->len + len)
			cap *= 2;
		np = realloc(b->p, cap);
		if (np == NULL)
			return RC_NOMEM;
		b->p = np;
		b->cap = cap;
	}
	if (len > 0)
		memcpy(b->p + b->len, data, len);
	b->len += len;
	return RC_OK;
}

static int node_stopping(struct node *n)
{
	int stop;

	pthread_mutex_lock(&n->mu);
	stop = n->stop;
	pthread_mutex_unlock(&n->mu);
	return stop;
}

/*
 * Start an image: magic, the range's descriptor and its lock table
 * entries (intents and records, raw: see locktab_export).
 */
static int img_begin(struct buf *b, const struct desc *d,
		     const struct locktab_raw *locks, size_t n_locks,
		     struct err *e)
{
	unsigned char hdr[4];
	char *dj = NULL;
	size_t dl = 0;
	int rc;

	if ((rc = desc_encode(d, &dj, &dl, e)) != RC_OK)
		return rc;
	util_put_be32(hdr, (uint32_t)dl);
	rc = buf_add(b, SNAP_MAGIC, 8) || buf_add(b, hdr, 4) ||
	     buf_add(b, dj, dl) ? RC_NOMEM : RC_OK;
	free(dj);
	util_put_be32(hdr, (uint32_t)n_locks);
	if (rc == RC_OK && buf_add(b, hdr, 4))
		rc = RC_NOMEM;
	for (size_t i = 0; rc == RC_OK && i < n_locks; i++) {
		util_put_be32(hdr, (uint32_t)locks[i].kl);
		if (buf_add(b, hdr, 4) || buf_add(b, locks[i].k, locks[i].kl))
			rc = RC_NOMEM;
		util_put_be32(hdr, (uint32_t)locks[i].vl);
		if (buf_add(b, hdr, 4) || buf_add(b, locks[i].v, locks[i].vl))
			rc = RC_NOMEM;
	}
	return rc == RC_OK ? RC_OK : err_set(e, RC_NOMEM, "out of memory "
					      "building a snapshot");
}

/* Append one page of versions to an image; count live keys and bytes. */
static int img_add(struct buf *b, const struct mvcc_versions *v,
		   uint64_t *keys, uint64_t *bytes)
{
	unsigned char hdr[9];

	for (size_t i = 0; i < v->n; i++) {
		const struct mvcc_version *x = &v->items[i];

		util_put_be32(hdr, (uint32_t)x->klen);
		if (buf_add(b, hdr, 4) || buf_add(b, x->key, x->klen))
			return RC_NOMEM;
		hdr[0] = x->tombstone ? 1 : 0;
		util_put_be32(hdr + 1, (uint32_t)x->vlen);
		if (buf_add(b, hdr, 5) || buf_add(b, x->val, x->vlen))
			return RC_NOMEM;
		util_put_be64(hdr, x->ts);
		if (buf_add(b, hdr, 8))
			return RC_NOMEM;
		/* a key's newest version comes first */
		if (!x->tombstone && (i == 0 ||
				      bytes_cmp(x->key, x->klen,
						v->items[i - 1].key,
						v->items[i - 1].klen) != 0)) {
			(*keys)++;
			*bytes += x->klen + x->vlen;
		}
	}
	return RC_OK;
}

/* The oldest timestamp reads may still use on n (see node_txn_get). */
static uint64_t gc_horizon(struct node *n)
{
	uint64_t now = fault_wall_ms(NULL);

	return now > n->gc_ttl_ms ? hlc_make(now - n->gc_ttl_ms, 0) : 0;
}

/*
 * Serialize the MVCC versions of [start, end) that reads above the GC
 * horizon can see into b (after img_begin; b NULL: only count).  txn
 * NULL: the snapshot thread, reading a page at a time under rg->mvcc_lock
 * and giving up with RC_CONFLICT when an install or a split changed the
 * table since gen (the image would be of the wrong table) or
 * RC_UNAVAILABLE when the node stops.  txn set: the loop, inside an apply
 * (the caller holds the locks).
 */
static int img_scan(struct node *n, struct range *rg, struct bdb_txn *txn,
		    const void *from, size_t flen, const void *end,
		    size_t elen, uint64_t gen, struct buf *b,
		    uint64_t *keys, uint64_t *bytes, struct err *e)
{
	struct mvcc_versions res;
	struct buf scratch = { NULL, 0, 0 };
	uint64_t horizon = gc_horizon(n);
	void *start = NULL;
	size_t slen = 0;
	int rc = RC_OK;

	*keys = *bytes = 0;
	memset(&res, 0, sizeof(res));
	if (flen > 0) {
		start = malloc(flen);
		if (start == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		memcpy(start, from, flen);
		slen = flen;
	}
	for (;;) {
		if (txn != NULL) {
			rc = mvcc_scan_versions(rg->mvcc, txn, start, slen, end,
						elen, horizon, UINT64_MAX,
						SNAP_PAGE, &res, e);
		} else if (node_stopping(n)) {
			rc = err_set(e, RC_UNAVAILABLE, "raftd is shutting "
				     "down");
		} else {
			pthread_rwlock_rdlock(&rg->mvcc_lock);
			if (rg->snap_gen != gen || rg->mvcc == NULL)
				rc = err_set(e, RC_CONFLICT, "range %" PRIu64
					     " changed (snapshot installed or "
					     "split) meanwhile", rg->id);
			else
				rc = mvcc_scan_versions(rg->mvcc, NULL, start,
							slen, end, elen,
							horizon, UINT64_MAX,
							SNAP_PAGE, &res, e);
			pthread_rwlock_unlock(&rg->mvcc_lock);
		}
		free(start);
		start = NULL;
		if (rc != RC_OK)
			break;
		scratch.len = 0;
		if (img_add(b ? b : &scratch, &res, keys, bytes) != RC_OK) {
			rc = err_set(e, RC_NOMEM, "out of memory building a "
				     "snapshot");
			break;
		}
		if (!res.more)
			break;
		start = res.resume_key;
		slen = res.resume_klen;
		res.resume_key = NULL;
		mvcc_versions_release(&res);
	}
	mvcc_versions_release(&res);
	free(start);
	free(scratch.p);
	return rc;
}

/* ---- versions written while a snapshot is built ------------------------- */

/* A version (key, ts) an apply wrote (a copy of the key). */
struct tracked {
	uint64_t ts;
	size_t klen;
	unsigned char key[];
};

/* Apply side: remember that rg's apply wrote (key, ts), if a build runs. */
static void track_write(void *arg, const void *key, size_t klen,
			uint64_t ts)
{
	struct range *rg = arg;
	struct tracked *t, **nt;

	pthread_mutex_lock(&rg->track_mu);
	if (rg->tracking && !rg->track_failed) {
		if (rg->n_track == rg->cap_track) {
			size_t cap = rg->cap_track ? rg->cap_track * 2 : 64;

			nt = realloc(rg->track, cap * sizeof(*nt));
			if (nt == NULL) {
				rg->track_failed = 1;
				goto out;
			}
			rg->track = nt;
			rg->cap_track = cap;
		}
		t = malloc(sizeof(*t) + klen);
		if (t == NULL) {
			rg->track_failed = 1;
			goto out;
		}
		t->ts = ts;
		t->klen = klen;
		memcpy(t->key, key, klen);
		rg->track[rg->n_track++] = t;
	}
out:
	pthread_mutex_unlock(&rg->track_mu);
}

static void track_free(struct tracked **t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(t[i]);
	free(t);
}

static int tracked_cmp(const void *a, const void *b)
{
	const struct tracked *x = *(struct tracked *const *)a;
	const struct tracked *y = *(struct tracked *const *)b;
	int c = bytes_cmp(x->key, x->klen, y->key, y->klen);

	if (c != 0)
		return c;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

/*
 * Start tracking rg's writes (loop, when a build is queued): the build
 * reads the table while the loop goes on applying, and the versions those
 * later entries write must be taken out of the image again.
 */
static void track_start(struct range *rg)
{
	pthread_mutex_lock(&rg->track_mu);
	track_free(rg->track, rg->n_track);
	rg->track = NULL;
	rg->n_track = rg->cap_track = 0;
	rg->track_failed = 0;
	rg->tracking = 1;
	pthread_mutex_unlock(&rg->track_mu);
}

/*
 * Snapshot thread, after the last page: stop tracking and drop from the
 * image b (entries from off) every version written since the build began,
 * so that the image is the state at the snapshot index exactly.
 */
static int track_filter(struct range *rg, struct buf *b, size_t off,
			struct err *e)
{
	struct tracked **t;
	size_t n, w;
	int failed;

	pthread_mutex_lock(&rg->track_mu);
	t = rg->track;
	n = rg->n_track;
	failed = rg->track_failed;
	rg->track = NULL;
	rg->n_track = rg->cap_track = 0;
	rg->tracking = 0;
	pthread_mutex_unlock(&rg->track_mu);
	if (failed) {
		track_free(t, n);
		return err_set(e, RC_NOMEM, "out of memory tracking writes "
			       "during a snapshot");
	}
	if (n == 0) {
		free(t);
		return RC_OK;
	}
	qsort(t, n, sizeof(*t), tracked_cmp);
	w = off;
	while (off < b->len) {
		size_t start = off, l;
		uint32_t kl = util_get_be32(b->p + off), vl;
		struct tracked key, *kp = &key;
		struct tracked *probe;
		unsigned char *k = b->p + off + 4;
		uint64_t ts;

		off += 4 + (size_t)kl + 1;
		vl = util_get_be32(b->p + off);
		off += 4 + (size_t)vl;
		ts = util_get_be64(b->p + off);
		off += 8;
		l = off - start;
		/* binary search (key, ts) in t */
		probe = malloc(sizeof(*probe) + kl);
		if (probe == NULL) {
			track_free(t, n);
			return err_set(e, RC_NOMEM, "out of memory");
		}
		probe->ts = ts;
		probe->klen = kl;
		memcpy(probe->key, k, kl);
		kp = probe;
		if (bsearch(&kp, t, n, sizeof(*t), tracked_cmp) == NULL) {
			memmove(b->p + w, b->p + start, l);
			w += l;
		}
		free(probe);
	}
	b->len = w;
	track_free(t, n);
	return RC_OK;
}

/*
 * Snapshot thread: the image of rg (descriptor d, lock entries exported by
 * the loop at the snapshot index).  The loop keeps applying meanwhile; the
 * versions it writes are filtered out at the end (track_filter).
 */
static int snap_build(struct node *n, struct snapjob *j, struct err *e)
{
	struct buf b = { NULL, 0, 0 };
	size_t off;
	int rc;

	if (j->count_only)
		return img_scan(n, j->rg, NULL, j->desc.start,
				j->desc.start_len, j->desc.end,
				j->desc.end_len, j->gen, NULL, &j->keys,
				&j->bytes, e);
	if ((rc = img_begin(&b, &j->desc, j->locks, j->n_locks, e)) != RC_OK)
		goto out;
	off = b.len;
	rc = img_scan(n, j->rg, NULL, j->desc.start, j->desc.start_len,
		      j->desc.end, j->desc.end_len, j->gen, &b, &j->keys,
		      &j->bytes, e);
	if (rc == RC_OK)
		rc = track_filter(j->rg, &b, off, e);
out:
	if (rc != RC_OK) {
		if (!j->count_only) {
			pthread_mutex_lock(&j->rg->track_mu);
			j->rg->tracking = 0;
			pthread_mutex_unlock(&j->rg->track_mu);
		}
		free(b.p);
		return rc;
	}
	j->data = b.p;
	j->len = b.len;
	return RC_OK;
}

/*
 * Check snapshot data before anything is replaced: d the descriptor
 * (*has_desc 0 for an empty image), *locks_off where the lock entries
 * start (*n_locks of them) and *entries_off where the versions start.
 */
static int snap_check(const unsigned char *p, size_t len, struct desc *d,
		      int *has_desc, size_t *locks_off, uint32_t *n_locks,
		      size_t *entries_off, struct err *e)
{
	size_t off = 12;
	uint32_t dl;

	*has_desc = 0;
	*entries_off = *locks_off = len;
	*n_locks = 0;
	if (len == 0)
		return RC_OK;	/* an empty image: empty table */
	if (len < 12 || memcmp(p, SNAP_MAGIC, 8) != 0)
		return err_set(e, RC_CORRUPT, "snapshot data has a bad header");
	dl = util_get_be32(p + 8);
	if (len - off < dl)
		return err_set(e, RC_CORRUPT, "snapshot data cut");
	if (desc_decode(p + off, dl, d, e) != RC_OK)
		return err_prefix(e, "snapshot's descriptor");
	*has_desc = 1;
	off += dl;
	if (len - off < 4)
		return err_set(e, RC_CORRUPT, "snapshot data cut");
	*n_locks = util_get_be32(p + off);
	off += 4;
	*locks_off = off;
	for (uint32_t i = 0; i < *n_locks; i++)
		for (int part = 0; part < 2; part++) {
			uint32_t l;

			if (len - off < 4)
				return err_set(e, RC_CORRUPT,
					       "snapshot data cut");
			l = util_get_be32(p + off);
			off += 4;
			if (len - off < l)
				return err_set(e, RC_CORRUPT,
					       "snapshot data cut");
			off += l;
		}
	*entries_off = off;
	while (off < len) {
		uint32_t klen, vlen;

		if (len - off < 4)
			return err_set(e, RC_CORRUPT, "snapshot data cut");
		klen = util_get_be32(p + off);
		off += 4;
		if (len - off < (size_t)klen + 5)
			return err_set(e, RC_CORRUPT, "snapshot data cut");
		off += klen;
		if (p[off] > 1)
			return err_set(e, RC_CORRUPT, "snapshot entry kind");
		vlen = util_get_be32(p + off + 1);
		off += 5;
		if (len - off < (size_t)vlen + 8)
			return err_set(e, RC_CORRUPT, "snapshot data cut");
		off += (size_t)vlen + 8;
	}
	return RC_OK;
}

/* Walk checked snapshot entries from off: newest ts, live keys, bytes. */
static void snap_totals(const unsigned char *p, size_t len, size_t off,
			uint64_t *max_ts, uint64_t *keys, uint64_t *bytes)
{
	const unsigned char *pk = NULL;
	uint32_t pkl = 0;
	uint64_t ts;

	*max_ts = *keys = *bytes = 0;
	while (off < len) {
		uint32_t kl = util_get_be32(p + off), vl;
		const unsigned char *k = p + off + 4;
		int tomb;

		off += 4 + (size_t)kl;
		tomb = p[off];
		vl = util_get_be32(p + off + 1);
		off += 5 + (size_t)vl;
		ts = util_get_be64(p + off);
		off += 8;
		if (ts > *max_ts)
			*max_ts = ts;
		if (!tomb && (pk == NULL || bytes_cmp(k, kl, pk, pkl) != 0)) {
			(*keys)++;
			*bytes += kl + vl;
		}
		pk = k;
		pkl = kl;
	}
}

/* Put the versions and lock entries of a checked image into m and lt. */
static int snap_put_all(struct mvcc *m, struct locktab *lt,
			struct bdb_txn *txn, const unsigned char *p,
			size_t len, size_t locks_off, uint32_t n_locks,
			size_t off, struct err *e)
{
	size_t lo = locks_off;
	int rc;

	for (uint32_t i = 0; i < n_locks; i++) {
		struct locktab_raw r;

		r.kl = util_get_be32(p + lo);
		r.k = (void *)(p + lo + 4);
		lo += 4 + r.kl;
		r.vl = util_get_be32(p + lo);
		r.v = (void *)(p + lo + 4);
		lo += 4 + r.vl;
		if ((rc = locktab_import(lt, txn, &r, 1, e)) != RC_OK)
			return rc;
	}
	while (off < len) {
		uint32_t klen, vlen;
		const unsigned char *key, *val;
		uint64_t ts;
		int tomb;

		klen = util_get_be32(p + off);
		key = p + off + 4;
		off += 4 + (size_t)klen;
		tomb = p[off];
		vlen = util_get_be32(p + off + 1);
		val = p + off + 5;
		off += 5 + (size_t)vlen;
		ts = util_get_be64(p + off);
		off += 8;
		rc = tomb ? mvcc_delete(m, txn, key, klen, ts, e) :
		     mvcc_put(m, txn, key, klen, ts, val, vlen, e);
		if (rc != RC_OK)
			return rc;
	}
	return RC_OK;
}

/* Set rg's descriptor (loop; caller holds mvcc_lock for writing). */
static void range_set_desc(struct node *n, struct range *rg,
			   const struct desc *d)
{
	pthread_mutex_lock(&n->st_mu);
	rg->desc = *d;
	pthread_mutex_unlock(&n->st_mu);
}

/*
 * Replace rg's MVCC table by the image in data and set the applied index
 * to index, in one transaction (after the table file is recreated); the
 * image's descriptor becomes the range's.
 */
static int snap_install(struct node *n, struct range *rg, uint64_t index,
			const unsigned char *p, size_t len, struct err *e)
{
	struct bdb_txn *txn = NULL;
	struct desc d;
	size_t off;
	int rc, has_desc;
	size_t locks_off;
	uint32_t n_locks;

	if ((rc = snap_check(p, len, &d, &has_desc, &locks_off, &n_locks, &off,
			     e)) != RC_OK)
		return rc;
	if (has_desc && d.range_id != rg->id)
		return err_set(e, RC_CORRUPT, "snapshot of range %" PRIu64
			       " sent to range %" PRIu64, d.range_id, rg->id);
	pthread_rwlock_wrlock(&rg->mvcc_lock);
	rg->snap_gen++;		/* builds of the old table are void */
	mvcc_close(rg->mvcc, NULL);
	rg->mvcc = NULL;
	locktab_close(rg->locks, NULL);
	rg->locks = NULL;
	rc = bdb_db_remove(n->env, NULL, rg->name, e);
	if (rc != RC_OK && rc != RC_NOT_FOUND)
		goto out;
	rc = bdb_db_remove(n->env, NULL, rg->lname, e);
	if (rc != RC_OK && rc != RC_NOT_FOUND)
		goto out;
	if ((rc = mvcc_open(n->env, rg->name, &rg->mvcc, e)) != RC_OK ||
	    (rc = locktab_open(n->env, rg->lname, &rg->locks, e)) != RC_OK)
		goto out;
	if ((rc = bdb_txn_begin(n->env, 0, &txn, e)) != RC_OK)
		goto out;
	if ((rc = snap_put_all(rg->mvcc, rg->locks, txn, p, len, locks_off,
			       n_locks, off, e)) != RC_OK)
		goto out;
	if (has_desc) {
		char *dj = NULL;
		size_t dl = 0;

		if ((rc = desc_encode(&d, &dj, &dl, e)) != RC_OK)
			goto out;
		rc = raftstore_set_meta(n->rs, txn, rg->id, dj, dl, e);
		free(dj);
		if (rc != RC_OK)
			goto out;
	}
	if ((rc = raftstore_set_applied(n->rs, txn, rg->id, index, e)) !=
	    RC_OK)
		goto out;
	rc = bdb_txn_commit(txn, e);
	txn = NULL;
	if (rc == RC_OK && has_desc)
		range_set_desc(n, rg, &d);
	/* an image without descriptor is a bootstrap's empty one: not yet
	 * the data of this range as it is now */
	if (rc == RC_OK && has_desc)
		__atomic_store_n(&rg->initialized, 1, __ATOMIC_RELEASE);
out:
	if (txn != NULL)
		bdb_txn_abort(txn, NULL);
	pthread_rwlock_unlock(&rg->mvcc_lock);
	if (rc == RC_OK) {
		uint64_t ts;

		snap_totals(p, len, off, &ts, &rg->approx_keys,
			    &rg->approx_bytes);
		rg->applied_ts = ts;
	}
	if (rc == RC_OK && len > 0) {
		metrics_counter_inc(n->m_snapshots_installed);
		log_info("msg=\"snapshot installed\" range=%" PRIu64
			 " index=%" PRIu64 " bytes=%zu", rg->id, index, len);
	}
	return rc;
}

/* ---- split and meta commands (applied by the loop) ---------------------- */

static void conf_of_desc(const struct desc *d, struct raft_conf *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < d->n_replicas && c->n < RAFT_MAX_NODES; i++)
		c->m[c->n++].id = d->replicas[i];
	for (size_t i = 0; i < d->n_learners && c->n < RAFT_MAX_NODES; i++) {
		c->m[c->n].id = d->learners[i];
		c->m[c->n++].learner = 1;
	}
}

/*
 * NODE_OP_SPLIT in rg's apply transaction: keys [key, end) move to a new
 * range (its own table "rNEW.data" and its own Raft group, starting at
 * NODE_INIT_INDEX with the image of its data as snapshot), and rg's span
 * becomes [start, key).  Refused (res->rc) when the generation moved on,
 * the key is not strictly inside the span, or the new id is taken here.
 * Whatever replica applies it, the outcome is the same.
 */
static int split_apply(struct node *n, struct range *rg,
		       struct bdb_txn *txn, const unsigned char *key,
		       size_t klen, const unsigned char *val,
		       struct apply_res *res, struct err *e)
{
	uint64_t new_id = util_get_be64(val), gen = util_get_be64(val + 8);
	struct desc left, right;
	struct raft_snapshot snap;
	struct raft_hard_state hs;
	struct buf b = { NULL, 0, 0 };
	struct mvcc *m = NULL;
	struct locktab *lt = NULL;
	struct locktab_raw *locks = NULL;
	size_t n_locks = 0;
	struct split_done *sd = NULL;
	char name[32], lname[32], *dj = NULL;
	size_t dl = 0;
	uint64_t keys = 0, bytes = 0;
	int rc;

	if (gen != rg->work.generation) {
		res_refuse(res, RC_CONFLICT, "range %" PRIu64 " is at "
			   "generation %" PRIu64 ", not %" PRIu64 " (it "
			   "changed meanwhile); retry", rg->id,
			   rg->work.generation, gen);
		return RC_OK;
	}
	if (klen > DESC_BOUND_MAX ||
	    bytes_cmp(key, klen, rg->work.start, rg->work.start_len) <= 0 ||
	    !desc_contains(&rg->work, key, klen)) {
		res_refuse(res, RC_BAD_INPUT, "split key is not inside range "
			   "%" PRIu64 " (or longer than %d bytes)", rg->id,
			   DESC_BOUND_MAX);
		return RC_OK;
	}
	if (new_id <= NODE_DATA_RANGE || range_find(n, new_id) != NULL) {
		res_refuse(res, RC_CONFLICT, "range id %" PRIu64 " is taken",
			   new_id);
		return RC_OK;
	}
	left = rg->work;
	left.generation++;
	memcpy(left.end, key, klen);
	left.end_len = klen;
	right = rg->work;
	right.range_id = new_id;
	right.generation = left.generation;
	memcpy(right.start, key, klen);
	right.start_len = klen;

	/* the right half's image: its data, intents, records; snapshot */
	if ((rc = locktab_export(rg->locks, txn, key, klen, right.end,
				 right.end_len, &locks, &n_locks, e)) != RC_OK)
		goto out;
	if ((rc = img_begin(&b, &right, locks, n_locks, e)) != RC_OK)
		goto out;
	if ((rc = img_scan(n, rg, txn, key, klen, right.end, right.end_len,
			   0, &b, &keys, &bytes, e)) != RC_OK)
		goto out;
	snprintf(name, sizeof(name), "r%" PRIu64 ".data", new_id);
	snprintf(lname, sizeof(lname), "r%" PRIu64 ".locks", new_id);
	if ((rc = mvcc_open(n->env, name, &m, e)) != RC_OK ||
	    (rc = locktab_open(n->env, lname, &lt, e)) != RC_OK)
		goto out;
	{
		struct desc tmp;
		size_t off, loff;
		uint32_t nl;
		int hd;

		if ((rc = snap_check(b.p, b.len, &tmp, &hd, &loff, &nl, &off,
				     e)) != RC_OK ||
		    (rc = snap_put_all(m, lt, txn, b.p, b.len, loff, nl, off,
				       e)) != RC_OK)
			goto out;
	}
	if ((rc = locktab_clear(rg->locks, txn, key, klen, right.end,
				right.end_len, NULL, e)) != RC_OK)
		goto out;
	if ((rc = mvcc_clear(rg->mvcc, txn, key, klen, right.end,
			     right.end_len, NULL, e)) != RC_OK)
		goto out;
	memset(&snap, 0, sizeof(snap));
	snap.index = NODE_INIT_INDEX;
	snap.term = NODE_INIT_TERM;
	conf_of_desc(&right, &snap.conf);
	snap.data = b.p;
	snap.len = b.len;
	hs.term = NODE_INIT_TERM;
	hs.vote = RAFT_NONE;
	hs.commit = NODE_INIT_INDEX;
	if ((rc = raftstore_save(n->rs, txn, new_id, &hs, NULL, 0, &snap,
				 e)) != RC_OK ||
	    (rc = raftstore_set_applied(n->rs, txn, new_id, NODE_INIT_INDEX,
					e)) != RC_OK)
		goto out;
	if ((rc = desc_encode(&right, &dj, &dl, e)) != RC_OK ||
	    (rc = raftstore_set_meta(n->rs, txn, new_id, dj, dl, e)) != RC_OK)
		goto out;
	free(dj);
	dj = NULL;
	if ((rc = desc_encode(&left, &dj, &dl, e)) != RC_OK ||
	    (rc = raftstore_set_meta(n->rs, txn, rg->id, dj, dl, e)) != RC_OK)
		goto out;
	sd = calloc(1, sizeof(*sd));
	if (sd == NULL) {
		rc = err_set(e, RC_NOMEM, "out of memory");
		goto out;
	}
	sd->new_id = new_id;
	sd->moved_keys = keys;
	sd->moved_bytes = bytes;
	sd->next = rg->splits;
	rg->splits = sd;
	rg->work = left;
	rg->written = 1;
out:
	free(dj);
	free(b.p);
	locktab_raw_free(locks, n_locks);
	if (m != NULL)
		mvcc_close(m, NULL);
	if (lt != NULL)
		locktab_close(lt, NULL);
	return rc;
}

/*
 * NODE_OP_FREEZE, _MERGE and _RETIRE (see node.h), in rg's apply
 * transaction, on the working descriptor; a generation that moved on is a
 * refusal (RC_CONFLICT) on every replica alike.
 */
static int merge_step_apply(struct range *rg, struct bdb_txn *txn, int kind,
			    const unsigned char *key, size_t klen,
			    const unsigned char *val, size_t vlen,
			    struct apply_res *res, struct err *e)
{
	uint64_t gen = util_get_be64(kind == NODE_OP_MERGE ? key : val);
	struct desc r, img;
	size_t off, loff;
	uint32_t nl;
	int rc, has;

	if (gen != rg->work.generation) {
		res_refuse(res, RC_CONFLICT, "range %" PRIu64 " is at "
			   "generation %" PRIu64 ", not %" PRIu64 "; retry",
			   rg->id, rg->work.generation, gen);
		return RC_OK;
	}
	if (kind == NODE_OP_FREEZE) {
		rg->work.frozen = val[8] != 0;
		return RC_OK;
	}
	if (kind == NODE_OP_RETIRE) {
		if (!rg->work.frozen) {
			res_refuse(res, RC_CONFLICT, "range %" PRIu64 " is not "
				   "frozen: only a merged range retires",
				   rg->id);
			return RC_OK;
		}
		rg->retire = 1;
		return RC_OK;
	}
	/* NODE_OP_MERGE */
	if (desc_decode(key + 8, klen - 8, &r, NULL) != RC_OK ||
	    rg->work.end_len == 0 || r.start_len != rg->work.end_len ||
	    memcmp(r.start, rg->work.end, r.start_len) != 0 ||
	    snap_check(val, vlen, &img, &has, &loff, &nl, &off, NULL) !=
	    RC_OK ||
	    !has || img.range_id != r.range_id) {
		res_refuse(res, RC_BAD_INPUT, "not the right neighbour of "
			   "range %" PRIu64 " with its image", rg->id);
		return RC_OK;
	}
	if ((rc = snap_put_all(rg->mvcc, rg->locks, txn, val, vlen, loff, nl,
			       off, e)) != RC_OK)
		return rc;
	memcpy(rg->work.end, r.end, r.end_len);
	rg->work.end_len = r.end_len;
	rg->work.generation = (r.generation > rg->work.generation ?
			       r.generation : rg->work.generation) + 1;
	rg->written = 1;
	return RC_OK;
}

/*
 * NODE_OP_DESC_PUT in the meta range: store d under its meta key unless a
 * descriptor of a higher generation overlaps it there (then this one is
 * stale: nothing changes); delete the older descriptors it overlaps.
 */
static int desc_put_apply(struct range *rg, struct bdb_txn *txn,
			  uint64_t ts, const unsigned char *val, size_t vlen,
			  struct apply_res *res, struct err *e)
{
	struct mvcc_scan_result sr;
	unsigned char *mk = NULL, *from = NULL;
	size_t mkl = 0, fl;
	struct desc d, old;
	int rc;

	(void)res;
	if ((rc = desc_decode(val, vlen, &d, e)) != RC_OK)
		return err_set(e, RC_INTERNAL, "descriptor checked before");
	if ((rc = desc_meta_key(&d, &mk, &mkl, e)) != RC_OK)
		return rc;
	/* every descriptor whose end lies in (d.start, d.end], in order */
	fl = 2 + d.start_len + 1;
	from = malloc(fl);
	if (from == NULL) {
		free(mk);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	memcpy(from, DESC_META_PREFIX, 2);
	memcpy(from + 2, d.start, d.start_len);
	from[fl - 1] = '\0';
	memset(&sr, 0, sizeof(sr));
	rc = mvcc_scan(rg->mvcc, txn, from, fl, mk, mkl, UINT64_MAX,
		       DESC_MAX_REPLICAS * 64, &sr, e);
	if (rc == RC_OK) {
		void *cur = NULL;
		size_t cl = 0;

		/* the record at d's own key is the last one overlapping */
		if (mvcc_get(rg->mvcc, txn, mk, mkl, UINT64_MAX, &cur, &cl,
			     NULL, NULL) == RC_OK) {
			if (desc_decode(cur, cl, &old, NULL) == RC_OK &&
			    old.generation >= d.generation)
				rc = RC_CONFLICT;	/* stale: keep */
			free(cur);
		}
		for (size_t i = 0; rc == RC_OK && i < sr.n; i++)
			if (desc_decode(sr.items[i].val, sr.items[i].vlen,
					&old, NULL) == RC_OK &&
			    old.generation > d.generation)
				rc = RC_CONFLICT;
		for (size_t i = 0; rc == RC_OK && i < sr.n; i++) {
			rc = mvcc_delete(rg->mvcc, txn, sr.items[i].key,
					 sr.items[i].klen, ts, e);
			track_write(rg, sr.items[i].key, sr.items[i].klen, ts);
		}
		if (rc == RC_OK) {
			rc = mvcc_put(rg->mvcc, txn, mk, mkl, ts, val, vlen,
				      e);
			track_write(rg, mk, mkl, ts);
		} else if (rc == RC_CONFLICT)
			rc = RC_OK;	/* a newer one is there */
	}
	mvcc_scan_result_release(&sr);
	free(mk);
	free(from);
	return rc;
}

static void snapjob_free(struct snapjob *j)
{
	if (j == NULL)
		return;
	free(j->data);
	locktab_raw_free(j->locks, j->n_locks);
	free(j);
}

/* The snapshot thread: build queued images, post them to the loop. */
static void *snap_main(void *arg)
{
	struct node *n = arg;
	struct snapjob *j;
	/* nodes started together do not checkpoint together */
	uint64_t next_ckpt = util_mono_ms() + CHECKPOINT_MS +
			     (n->id % 6) * (CHECKPOINT_MS / 6);
	struct timespec ts;
	struct err e;

	pthread_setname_np(pthread_self(), "raftd-snapshot");

	pthread_mutex_lock(&n->mu);
	for (;;) {
		while (!n->stop && n->snap_todo == NULL) {
			uint64_t now = util_mono_ms();

			if (now >= next_ckpt)
				break;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += (time_t)((next_ckpt - now) / 1000);
			ts.tv_nsec += (long)((next_ckpt - now) % 1000) *
				      1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&n->snap_cv, &n->mu, &ts);
		}
		if (n->stop)
			break;
		if (util_mono_ms() >= next_ckpt) {
			/*
			 * Here, not on the loop: a checkpoint flushes the
			 * cache and took the loop (every write) 0.6-0.9 s.
			 */
			pthread_mutex_unlock(&n->mu);
			if (bdb_checkpoint(n->env, &e) != RC_OK)
				log_warn("msg=\"checkpoint failed\" "
					 "error=\"%s\"", e.msg);
			next_ckpt = util_mono_ms() + CHECKPOINT_MS;
			pthread_mutex_lock(&n->mu);
			continue;
		}
		j = n->snap_todo;
		n->snap_todo = j->next;
		j->next = NULL;
		pthread_mutex_unlock(&n->mu);
		err_clear(&j->err);
		j->build_ms = util_mono_ms();
		j->rc = snap_build(n, j, &j->err);
		j->build_ms = util_mono_ms() - j->build_ms;
		pthread_mutex_lock(&n->mu);
		j->next = n->snap_done;
		n->snap_done = j;
		pthread_cond_signal(&n->cv);
	}
	pthread_mutex_unlock(&n->mu);
	return NULL;
}

/*
 * Loop side: once enough was applied past the last snapshot, queue a
 * build of the image at the applied index I for the snapshot thread.
 * Every command carries the leader's HLC timestamp and timestamps increase
 * along the log, so the state at I is the MVCC table read at T(I), the
 * timestamp of the last command applied at or before I, whatever the loop
 * applies after I meanwhile.  One build per range at a time.
 */
static int range_maybe_compact(struct node *n, struct range *rg,
			       uint64_t now, struct err *e)
{
	const struct raft_entry *en;
	struct raft_status st;
	struct snapjob *j, **pp;

	if (rg->snap_busy || now < rg->snap_retry_ms)
		return RC_OK;
	raft_status(rg->raft, &st);
	if (st.applied <= st.snapshot_index) {
		rg->force_compact = 0;
		return RC_OK;
	}
	if (!rg->force_compact &&
	    st.applied < st.snapshot_index + n->snapshot_entries +
	    rg->snap_jitter)
		return RC_OK;
	rg->force_compact = 0;
	en = raft_entry_at(rg->raft, st.applied);
	if (en == NULL)
		return RC_OK;	/* not in memory: nothing to compact */
	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		rg->snap_retry_ms = now + 1000;
		return err_set(e, RC_NOMEM, "out of memory");
	}
	j->rg = rg;
	j->index = st.applied;
	j->term = en->term;
	j->ts = rg->applied_ts;
	j->gen = rg->snap_gen;
	j->desc = rg->desc;
	{
		int rc = locktab_export(rg->locks, NULL, rg->desc.start,
					rg->desc.start_len, rg->desc.end,
					rg->desc.end_len, &j->locks,
					&j->n_locks, e);

		if (rc != RC_OK) {
			free(j);
			rg->snap_retry_ms = now + 1000;
			return rc;
		}
	}
	track_start(rg);
	pthread_mutex_lock(&n->mu);
	for (pp = &n->snap_todo; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = j;
	pthread_cond_signal(&n->snap_cv);
	pthread_mutex_unlock(&n->mu);
	rg->snap_busy = 1;
	return RC_OK;
}

/*
 * Loop side: every COUNT_MS, recount the live keys and bytes of a range
 * that applied writes (the apply path only adds to them), off the loop.
 */
static void range_maybe_count(struct node *n, struct range *rg, uint64_t now)
{
	struct snapjob *j, **pp;

	if (rg->count_busy || now < rg->count_due_ms ||
	    (!rg->written && rg->count_due_ms != 0))
		return;
	rg->count_due_ms = now + COUNT_MS;
	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return;
	j->rg = rg;
	j->count_only = 1;
	j->gen = rg->snap_gen;
	j->desc = rg->desc;
	rg->written = 0;
	rg->count_busy = 1;
	pthread_mutex_lock(&n->mu);
	for (pp = &n->snap_todo; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = j;
	pthread_cond_signal(&n->snap_cv);
	pthread_mutex_unlock(&n->mu);
}

/*
 * Loop side: a build finished.  Compact the log to it and persist it,
 * unless the range moved past it meanwhile (a snapshot from the leader was
 * installed, or the log was compacted at or past its index).
 */
static int range_snap_done(struct node *n, struct snapjob *j, uint64_t now,
			   struct err *e)
{
	struct range *rg = j->rg;
	const struct raft_entry *en;
	struct raft_status st;
	uint64_t t0, t1;
	int rc;

	if (rg->destroyed)
		return RC_OK;
	if (j->count_only) {
		rg->count_busy = 0;
		if (j->rc == RC_OK && j->gen == rg->snap_gen) {
			rg->approx_keys = j->keys;
			rg->approx_bytes = j->bytes;
		}
		return RC_OK;
	}
	rg->snap_busy = 0;
	if (j->rc == RC_OK && j->gen == rg->snap_gen) {
		rg->approx_keys = j->keys;
		rg->approx_bytes = j->bytes;
	}
	if (j->rc == RC_CONFLICT && j->gen != rg->snap_gen) {
		log_info("msg=\"snapshot build dropped\" range=%" PRIu64
			 " index=%" PRIu64 " reason=\"%s\"", rg->id, j->index,
			 j->err.msg);
		return RC_OK;
	}
	if (j->rc != RC_OK) {
		rg->snap_retry_ms = now + 1000;
		*e = j->err;
		return j->rc;
	}
	raft_status(rg->raft, &st);
	en = raft_entry_at(rg->raft, j->index);
	if (j->gen != rg->snap_gen || st.snapshot_index >= j->index ||
	    st.applied < j->index || en == NULL || en->term != j->term) {
		log_info("msg=\"snapshot build dropped\" range=%" PRIu64
			 " index=%" PRIu64 " reason=\"the range moved past "
			 "it\"", rg->id, j->index);
		return RC_OK;
	}
	t0 = util_mono_ms();
	rc = raft_compact(rg->raft, j->index, j->data, j->len, e);
	if (rc != RC_OK)
		return rc;
	t1 = util_mono_ms();
	rc = raftstore_save(n->rs, NULL, rg->id, NULL, NULL, 0,
			    raft_snapshot_get(rg->raft), e);
	if (rc != RC_OK)
		return rc;
	metrics_counter_inc(n->m_snapshots);
	log_info("msg=\"log compacted\" range=%" PRIu64 " index=%" PRIu64
		 " bytes=%zu build_ms=%" PRIu64 " compact_ms=%" PRIu64
		 " save_ms=%" PRIu64, rg->id, j->index, j->len, j->build_ms,
		 t1 - t0, util_mono_ms() - t1);
	return RC_OK;
}

/* ---- the ready cycle ---------------------------------------------------- */

static void node_fatal(struct node *n, const struct err *e)
{
	log_error("msg=\"storage failed; stopping\" error=\"%s\"", e->msg);
	pthread_mutex_lock(&n->mu);
	__atomic_store_n(&n->stop, 2, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&n->mu);
	kill(getpid(), SIGTERM);
}

static void splits_free(struct range *rg)
{
	while (rg->splits != NULL) {
		struct split_done *sd = rg->splits;

		rg->splits = sd->next;
		free(sd);
	}
}

/*
 * One attempt at writing rd.committed of rg and the applied index in one
 * transaction (the caller holds mvcc_lock).  RC_CONFLICT when Berkeley DB
 * chose this transaction as a deadlock victim (e.g. against the snapshot
 * thread's or an API thread's scan): nothing was written, and rg->work,
 * rg->res and rg->splits are rebuilt by the next attempt.
 */
static int range_apply_once(struct node *n, struct range *rg, int log_bad,
			    struct err *e)
{
	const struct raft_ready *rd = &rg->rd;
	struct bdb_txn *txn = NULL;
	struct err ce;
	uint64_t last, bytes0 = rg->approx_bytes, keys0 = rg->approx_keys;
	int rc, desc_dirty = 0;

	rg->work = rg->desc;
	rg->retire = 0;
	rg->record_changed = 0;
	splits_free(rg);
	if ((rc = bdb_txn_begin(n->env, BDB_TXN_NOSYNC, &txn, e)) != RC_OK)
		return rc;
	for (size_t i = 0; i < rd->n_committed; i++) {
		const struct raft_entry *en = &rd->committed[i];
		struct apply_res *res = &rg->res[i];

		txnops_conflicts_release(&res->tx.conflicts);
		memset(res, 0, sizeof(*res));
		if (en->type == RAFT_ENTRY_CONF) {
			int op;
			uint64_t node;

			if (raft_conf_decode(en->data, en->len, &op, &node) ==
			    RC_OK && desc_apply_change(&rg->work, op, node)) {
				rg->work.generation++;
				/*
				 * Our own removal does not drop the replica
				 * here: a replica catching up may replay an
				 * old removal that later entries undo (it
				 * was added back).  One removed for good
				 * hears from no leader and drops itself once
				 * meta confirms (shard.c).
				 */
				desc_dirty = 1;
			}
			continue;
		}
		if (en->len == 0)
			continue;
		rc = cmd_apply(n, rg, txn, en->data, en->len, res, &ce);
		if (rc == RC_CORRUPT) {
			if (log_bad)
				log_error("msg=\"skipping a command that does "
					  "not decode\" range=%" PRIu64
					  " index=%" PRIu64 " error=\"%s\"",
					  rg->id, en->index, ce.msg);
			res_refuse(res, RC_CORRUPT, "%s", ce.msg);
		} else if (rc != RC_OK) {
			*e = ce;
			goto out;
		}
	}
	last = rd->committed[rd->n_committed - 1].index;
	if ((rc = raftstore_set_applied(n->rs, txn, rg->id, last, e)) != RC_OK)
		goto out;
	if (desc_dirty || memcmp(&rg->work, &rg->desc, sizeof(rg->work))) {
		char *dj = NULL;
		size_t dl = 0;

		if ((rc = desc_encode(&rg->work, &dj, &dl, e)) != RC_OK)
			goto out;
		rc = raftstore_set_meta(n->rs, txn, rg->id, dj, dl, e);
		free(dj);
		if (rc != RC_OK)
			goto out;
	}
	rc = bdb_txn_commit(txn, e);
	txn = NULL;
	if (rc == RC_OK && rg->retire)
		rg->remove_pending = 1;
out:
	if (txn != NULL)
		bdb_txn_abort(txn, NULL);
	if (rc != RC_OK) {
		rg->approx_bytes = bytes0;
		rg->approx_keys = keys0;
	}
	return rc;
}

static int range_load(struct node *n, uint64_t id, int fresh, struct err *e);
static void range_destroy(struct node *n, struct range *rg);

/*
 * 1 if an entry of rd.committed may change the descriptor (split, merge
 * steps, membership): its apply excludes readers, who read the descriptor
 * under mvcc_lock.
 */
static int has_split(const struct raft_ready *rd)
{
	for (size_t i = 0; i < rd->n_committed; i++) {
		const unsigned char *p = rd->committed[i].data;

		if (rd->committed[i].type == RAFT_ENTRY_CONF)
			return 1;	/* replicas change */
		if (rd->committed[i].type == RAFT_ENTRY_NORMAL &&
		    rd->committed[i].len > CMD_HEADER && p[0] == CMD_VERSION &&
		    p[CMD_HEADER] >= NODE_OP_SPLIT &&
		    p[CMD_HEADER] <= NODE_OP_RETIRE &&
		    p[CMD_HEADER] != NODE_OP_INCR &&
		    p[CMD_HEADER] != NODE_OP_DESC_PUT)
			return 1;
	}
	return 0;
}

/*
 * Apply rd.committed of rg in one transaction; complete proposals.  A
 * transaction lost to a deadlock is retried (re-applying is idempotent).
 * A split holds mvcc_lock for writing, so that no reader sees the span
 * and the data disagree; after it commits, the new ranges are loaded.
 */
static int range_apply(struct node *n, struct range *rg, struct err *e)
{
	const struct raft_ready *rd = &rg->rd;
	int rc, tries = 0, split;

	if (rd->n_committed == 0)
		return RC_OK;
	if (rd->n_committed > rg->res_cap) {
		struct apply_res *r = realloc(rg->res, rd->n_committed *
					      sizeof(*r));

		if (r == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		memset(r + rg->res_cap, 0, (rd->n_committed - rg->res_cap) *
		       sizeof(*r));
		rg->res = r;
		rg->res_cap = rd->n_committed;
	}
	split = has_split(rd);
	if (split)
		pthread_rwlock_wrlock(&rg->mvcc_lock);
	else
		pthread_rwlock_rdlock(&rg->mvcc_lock);
	while ((rc = range_apply_once(n, rg, tries == 0, e)) == RC_CONFLICT &&
	       ++tries < APPLY_TRIES)
		log_debug("msg=\"apply lost a deadlock; retrying\" range=%"
			  PRIu64 " try=%d", rg->id, tries);
	if (rc == RC_OK && split) {
		rg->snap_gen++;		/* builds of the wider table are void */
		/* the span changed (a merge brings keys whose reads another
		 * leader served): writes start above any read again */
		tscache_free(rg->tsc);
		rg->tsc = NULL;
	}
	if (rc == RC_OK && memcmp(&rg->work, &rg->desc, sizeof(rg->work)))
		range_set_desc(n, rg, &rg->work);
	pthread_rwlock_unlock(&rg->mvcc_lock);
	if (rc != RC_OK)
		return rc;
	while (rg->splits != NULL) {
		struct split_done *sd = rg->splits;

		rg->splits = sd->next;
		rg->approx_bytes -= rg->approx_bytes < sd->moved_bytes ?
			rg->approx_bytes : sd->moved_bytes;
		rg->approx_keys -= rg->approx_keys < sd->moved_keys ?
			rg->approx_keys : sd->moved_keys;
		/*
		 * Each half measures its load afresh (as CockroachDB resets
		 * a range's load stats on split): carrying the whole range's
		 * average, the left half would split again and again after
		 * the load is gone.
		 */
		rg->qps = 0;
		rg->hot_s = 0;
		log_info("msg=\"range split\" range=%" PRIu64 " new_range=%"
			 PRIu64 " moved_keys=%" PRIu64, rg->id, sd->new_id,
			 sd->moved_keys);
		rc = range_load(n, sd->new_id, 1, e);
		if (rc == RC_OK) {
			struct range *nr = range_find(n, sd->new_id);
			struct raft_status pst;
			struct err ce;

			metrics_counter_inc(n->m_splits);
			/*
			 * The left half's leader campaigns for the right
			 * half at once, so that it is not leaderless for
			 * an election timeout, and again at each heartbeat
			 * (5 times at most) while no leader is known: peers
			 * that apply the split a little later drop the vote
			 * requests of a range they lack yet.
			 */
			raft_status(rg->raft, &pst);
			if (nr != NULL && pst.role == RAFT_LEADER) {
				nr->campaign_at_ms = util_mono_ms();
				nr->campaign_tries = 5;
			}
			(void)ce;
		}
		free(sd);
		if (rc != RC_OK) {
			splits_free(rg);
			return err_prefix(e, "loading the new range");
		}
	}
	for (size_t i = 0; i < rd->n_committed; i++) {
		const struct raft_entry *en = &rd->committed[i];
		uint64_t ts;

		if (en->type != RAFT_ENTRY_NORMAL)
			continue;
		ts = cmd_ts(en->data, en->len);
		if (ts > rg->applied_ts)
			rg->applied_ts = ts;
	}
	metrics_counter_add(n->m_commits, rd->n_committed);
	if (rg->record_changed) {
		pthread_mutex_lock(&n->mu);
		n->record_seq++;
		pthread_cond_broadcast(&n->rec_cv);
		pthread_mutex_unlock(&n->mu);
	}
	/* proposals: in index order, as are the entries */
	for (size_t i = 0; i < rd->n_committed; i++) {
		const struct raft_entry *en = &rd->committed[i];

		while (rg->props != NULL && rg->props->index <= en->index) {
			struct req *r = rg->props;

			rg->props = r->next;
			if (rg->props == NULL)
				rg->props_tail = NULL;
			if (r->index == en->index && r->term == en->term) {
				struct err re;

				r->tx = rg->res[i].tx;
				memset(&rg->res[i].tx.conflicts, 0,
				       sizeof(rg->res[i].tx.conflicts));
				if (rg->res[i].rc == RC_OK) {
					r->result = rg->res[i].result;
					req_complete(n, r, RC_OK, NULL);
					continue;
				}
				re.code = rg->res[i].rc;
				snprintf(re.msg, sizeof(re.msg), "%s",
					 rg->res[i].msg);
				req_complete(n, r, re.code, &re);
			} else {
				req_fail(n, r, RC_NOT_LEADER,
					 "leadership changed before the write "
					 "committed; it did not take effect");
			}
		}
	}
	return RC_OK;
}

/* Complete reads whose index is applied; note raft's answers. */
static void range_reads(struct node *n, struct range *rg, uint64_t applied)
{
	const struct raft_ready *rd = &rg->rd;
	struct req **pp, *r;

	for (size_t i = 0; i < rd->n_reads; i++)
		for (r = rg->reads; r != NULL; r = r->next)
			if (r->ctx == rd->reads[i].ctx && r->read_index == 0)
				r->read_index = rd->reads[i].index ?
					rd->reads[i].index : 1;
	for (pp = &rg->reads; (r = *pp) != NULL;) {
		if (r->read_index != 0 && r->read_index <= applied &&
		    r->wait_index <= applied) {
			*pp = r->next;
			req_complete(n, r, RC_OK, NULL);
		} else {
			pp = &r->next;
		}
	}
}

/*
 * One turn of raft.h's contract for every range with something ready:
 * persist all in one batch (one fsync), send, apply, answer, advance.
 * With bootstrap, the descriptors are written in the same batch.  When no
 * range needs a sync (only commit indexes moved), the hard states are
 * written in one unsynced transaction: a commit index lost in a crash is
 * learnt again from the leader.
 */
static int ready_all(struct node *n, int bootstrap, struct err *e)
{
	struct raftstore_batch *b = NULL;
	struct bdb_txn *txn = NULL;
	size_t i;
	int rc = RC_OK, any = 0, sync = bootstrap;

	for (i = 0; i < n->n_ranges; i++) {
		struct range *rg = RG(n, i);

		if (!raft_has_ready(rg->raft))
			continue;
		if ((rc = raft_ready(rg->raft, &rg->rd, e)) != RC_OK)
			goto fail;
		rg->in_ready = 1;
		if (rg->rd.must_sync || rg->rd.n_entries > 0 ||
		    rg->rd.snapshot != NULL)
			sync = 1;
	}
	for (i = 0; i < n->n_ranges; i++) {
		struct range *rg = RG(n, i);

		if (!rg->in_ready)
			continue;
		if (rg->rd.n_entries == 0 && !rg->rd.hs_changed &&
		    rg->rd.snapshot == NULL && !bootstrap)
			continue;
		if (!sync) {
			/* only the hard state's commit index changed */
			if (txn == NULL &&
			    (rc = bdb_txn_begin(n->env, BDB_TXN_NOSYNC, &txn,
						e)) != RC_OK)
				goto fail;
			rc = raftstore_save(n->rs, txn, rg->id, &rg->rd.hs,
					    NULL, 0, NULL, e);
			if (rc != RC_OK)
				goto fail;
			continue;
		}
		if (b == NULL &&
		    (rc = raftstore_batch_begin(n->rs, &b, e)) != RC_OK)
			goto fail;
		rc = raftstore_batch_save(b, rg->id, rg->rd.hs_changed ?
					  &rg->rd.hs : NULL, rg->rd.entries,
					  rg->rd.n_entries, rg->rd.snapshot, e);
		if (rc != RC_OK)
			goto fail;
		if (bootstrap) {
			char *d = NULL;
			size_t dl = 0;

			if ((rc = desc_encode(&rg->desc, &d, &dl, e)) != RC_OK)
				goto fail;
			rc = raftstore_set_meta(n->rs, raftstore_batch_txn(b),
						rg->id, d, dl, e);
			free(d);
			if (rc != RC_OK)
				goto fail;
		}
		for (size_t k = 0; k < rg->rd.n_entries; k++) {
			uint64_t ts = cmd_ts(rg->rd.entries[k].data,
					     rg->rd.entries[k].len);

			if (ts != 0)
				hlc_floor(&n->hlc, ts);
		}
		any = 1;
	}
	if (txn != NULL) {
		rc = bdb_txn_commit(txn, e);
		txn = NULL;
		if (rc != RC_OK)
			goto fail;
	}
	if (any) {
		double t0 = metrics_now();

		rc = raftstore_batch_commit(b, e);
		b = NULL;
		if (rc != RC_OK)
			goto fail;
		metrics_histogram_observe(n->m_fsync, metrics_now() - t0);
	}
	for (i = 0; i < n->n_ranges; i++) {
		struct range *rg = RG(n, i);
		struct raft_status st;

		if (!rg->in_ready)
			continue;
		if (rg->rd.snapshot != NULL) {
			const struct raft_snapshot *s = rg->rd.snapshot;

			if ((rc = snap_install(n, rg, s->index, s->data,
					       s->len, e)) != RC_OK)
				goto fail;
			/* proposals the snapshot covers: outcome unknown */
			while (rg->props != NULL &&
			       rg->props->index <= s->index) {
				struct req *r = rg->props;

				rg->props = r->next;
				if (rg->props == NULL)
					rg->props_tail = NULL;
				r->ambiguous = 1;
				req_fail(n, r, RC_UNAVAILABLE,
					 "replaced by a snapshot; the write "
					 "may or may not have taken effect");
			}
		}
		if (rg->rd.n_msgs > 0)
			transport_send(n->tp, rg->rd.msgs, rg->rd.n_msgs);
		if ((rc = range_apply(n, rg, e)) != RC_OK)
			goto fail;
		raft_advance(rg->raft, &rg->rd);
		rg->in_ready = 0;
		raft_status(rg->raft, &st);
		range_reads(n, rg, st.applied);
		memset(&rg->rd, 0, sizeof(rg->rd));
	}
	for (i = 0; i < n->n_ranges;) {
		if (RG(n, i)->remove_pending)
			range_destroy(n, RG(n, i));	/* shifts the rest */
		else
			i++;
	}
	return RC_OK;
fail:
	raftstore_batch_abort(b, NULL);
	bdb_txn_abort(txn, NULL);
	for (i = 0; i < n->n_ranges; i++)
		if (RG(n, i)->in_ready) {
			/* storage is broken: the node stops; leave raft be */
			RG(n, i)->in_ready = 0;
		}
	return rc;
}

/*
 * This node's replica of rg is gone (removed from the range): drop its
 * Raft core, table and stored state.  The struct stays allocated (on
 * n->dead) since API threads and queued snapshot jobs may hold pointers.
 */
static void range_destroy(struct node *n, struct range *rg)
{
	struct err e;

	range_fail_waiters(n, rg, RC_RANGE_MOVED, "this node's replica was "
			   "removed");
	pthread_rwlock_wrlock(&n->tab_lock);
	for (size_t i = 0; i < n->n_ranges; i++)
		if (n->ranges[i] == rg) {
			memmove(n->ranges + i, n->ranges + i + 1,
				(n->n_ranges - i - 1) * sizeof(rg));
			n->n_ranges--;
			break;
		}
	pthread_rwlock_unlock(&n->tab_lock);
	pthread_rwlock_wrlock(&rg->mvcc_lock);
	rg->snap_gen++;
	__atomic_store_n(&rg->initialized, 0, __ATOMIC_RELEASE);
	mvcc_close(rg->mvcc, NULL);
	rg->mvcc = NULL;
	locktab_close(rg->locks, NULL);
	rg->locks = NULL;
	if (bdb_db_remove(n->env, NULL, rg->name, &e) != RC_OK ||
	    bdb_db_remove(n->env, NULL, rg->lname, &e) != RC_OK)
		log_warn("msg=\"cannot remove a table\" range=%" PRIu64
			 " error=\"%s\"", rg->id, e.msg);
	tscache_free(rg->tsc);
	rg->tsc = NULL;
	pthread_rwlock_unlock(&rg->mvcc_lock);
	if (raftstore_delete_range(n->rs, NULL, rg->id, &e) != RC_OK)
		log_warn("msg=\"cannot delete raft state\" range=%" PRIu64
			 " error=\"%s\"", rg->id, e.msg);
	raft_free(rg->raft);
	rg->raft = NULL;
	rg->destroyed = 1;
	rg->next_dead = n->dead;
	n->dead = rg;
	log_info("msg=\"replica removed\" range=%" PRIu64, rg->id);
}

/* ---- the loop ----------------------------------------------------------- */

static int range_new(struct node *n, uint64_t id, struct range **out,
		     struct err *e);
static int range_raft_new(struct node *n, struct range *rg, uint64_t applied,
			  struct err *e);

/*
 * REQ_CREATE: an empty replica of r->desc's range, which waits for its
 * leader's snapshot (a replica being added).  Already here: nothing to do.
 */
static int create_replica(struct node *n, const struct desc *d, struct err *e)
{
	struct bdb_txn *txn = NULL;
	struct range *rg;
	char *dj = NULL;
	size_t dl = 0;
	int rc;

	if (range_find(n, d->range_id) != NULL)
		return RC_OK;
	if (!desc_has_member(d, n->id))
		return err_set(e, RC_BAD_INPUT, "node %" PRIu64 " is not in the "
			       "replicas of range %" PRIu64, n->id,
			       d->range_id);
	if ((rc = desc_encode(d, &dj, &dl, e)) != RC_OK)
		return rc;
	rc = bdb_txn_begin(n->env, 0, &txn, e);
	if (rc == RC_OK)
		rc = raftstore_set_meta(n->rs, txn, d->range_id, dj, dl, e);
	if (rc == RC_OK)
		rc = bdb_txn_commit(txn, e);
	else if (txn != NULL)
		bdb_txn_abort(txn, NULL);
	free(dj);
	if (rc != RC_OK)
		return rc;
	if ((rc = range_new(n, d->range_id, &rg, e)) != RC_OK)
		return rc;
	rg->desc = *d;
	if ((rc = range_raft_new(n, rg, 0, e)) != RC_OK)
		return rc;
	log_info("msg=\"created an empty replica\" range=%" PRIu64,
		 d->range_id);
	return RC_OK;
}

static void handle_req(struct node *n, struct req *r)
{
	struct range *rg;
	struct raft_status st;
	struct err e;
	int rc;

	if (r->kind == REQ_CREATE) {
		rc = create_replica(n, r->desc, &e);
		req_complete(n, r, rc, &e);
		return;
	}
	rg = range_find(n, r->range_id);
	if (rg == NULL) {
		req_fail(n, r, RC_NOT_FOUND, "no range %" PRIu64 " on node %"
			 PRIu64, r->range_id, n->id);
		return;
	}
	if (r->kind == REQ_COMPACT) {
		rg->force_compact = 1;
		req_complete(n, r, RC_OK, NULL);
		return;
	}
	if (r->kind == REQ_DESTROY) {
		/* only if meta's descriptor (newer, or as new and without
		 * us) still is */
		if (rg->desc.generation < r->to ||
		    (rg->desc.generation == r->to &&
		     !desc_has_member(&rg->desc, n->id))) {
			rg->remove_pending = 1;
			req_complete(n, r, RC_OK, NULL);
		} else {
			req_fail(n, r, RC_CONFLICT, "range %" PRIu64 " is at "
				 "generation %" PRIu64 " here, not older than %"
				 PRIu64, rg->id, rg->desc.generation, r->to);
		}
		return;
	}
	raft_status(rg->raft, &st);
	if (st.role != RAFT_LEADER) {
		req_fail(n, r, RC_NOT_LEADER, "node %" PRIu64 " is not the "
			 "leader of range %" PRIu64, n->id, rg->id);
		return;
	}
	if (r->kind == REQ_TRANSFER) {
		rc = raft_transfer_leader(rg->raft, r->to, &e);
		req_complete(n, r, rc, &e);
		return;
	}
	if (r->kind == REQ_CONF) {
		rc = raft_propose_conf(rg->raft, r->conf_op, r->to, &r->index,
				       &e);
		if (rc != RC_OK) {
			req_complete(n, r, rc, &e);
			return;
		}
		r->term = st.term;
		r->next = NULL;
		if (rg->props_tail != NULL)
			rg->props_tail->next = r;
		else
			rg->props = r;
		rg->props_tail = r;
		return;
	}
	if (r->kind == REQ_PROPOSE) {
		if (st.role != RAFT_LEADER) {
			util_put_be64(r->cmd + 1, hlc_now(&n->hlc));
			rc = RC_OK;
		} else {
			rc = prop_prepare(n, rg, r, &e);
		}
		if (rc == RC_OK)
			rc = raft_propose(rg->raft, r->cmd, r->cmd_len,
					  &r->index, &r->term, &e);
		if (rc != RC_OK) {
			req_complete(n, r, rc, &e);
			return;
		}
		prop_latch(rg, r);
		metrics_counter_inc(n->m_proposals);
		r->next = NULL;
		if (rg->props_tail != NULL)
			rg->props_tail->next = r;
		else
			rg->props = r;
		rg->props_tail = r;
	} else {
		if (r->spans != NULL && st.role == RAFT_LEADER &&
		    (rc = read_register(n, rg, r, &e)) != RC_OK) {
			req_complete(n, r, rc, &e);
			return;
		}
		r->ctx = ++n->read_seq;
		rc = raft_read_index(rg->raft, r->ctx, &e);
		if (rc != RC_OK) {
			req_complete(n, r, rc, &e);
			return;
		}
		r->next = rg->reads;
		rg->reads = r;
	}
}

/* ---- the leader's timestamp cache and write latches (loop only) ------------ */

/* A transaction's tag in the timestamp cache (never 0). */
static uint64_t owner_of(const unsigned char *id)
{
	uint64_t t = id != NULL ? util_get_be64(id) : 0;

	return t != 0 ? t : 1;
}

static size_t latch_of(const void *key, size_t klen)
{
	const unsigned char *k = key;
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < klen; i++)
		h = (h ^ k[i]) * 1099511628211ull;
	return (size_t)(h % LATCH_N);
}

/*
 * rg's timestamp cache, made when this node starts leading rg: nothing
 * this range served before (another leader's reads) is known, so every
 * write lands above the highest timestamp such a read could have had --
 * any node's clock plus the offset bound, twice over.
 */
static struct tscache *range_tsc(struct node *n, struct range *rg)
{
	if (rg->tsc == NULL) {
		uint64_t now = hlc_now(&n->hlc);
		uint64_t low = hlc_make(hlc_physical(now) + 2 * MAX_OFFSET_MS,
					0);

		if (tscache_new(&rg->tsc, TSC_BUCKETS, TSC_SPANS, NULL) !=
		    RC_OK)
			return NULL;
		tscache_reset(rg->tsc, low);
	}
	return rg->tsc;
}

/*
 * Before proposing r's command: stamp it with the leader's clock, and put
 * every write above the reads the timestamp cache remembers -- a plain
 * write by its command timestamp, a transaction by its write timestamp.
 * RC_CONFLICT for a 1PC that may not move (r->tx says to where).
 */
static int prop_prepare(struct node *n, struct range *rg, struct req *r,
			struct err *e)
{
	unsigned char *p = r->cmd;
	size_t off = CMD_HEADER, hdr_off = 0, hdr_len = 0;
	uint32_t n_ops = util_get_be32(p + 9);
	uint64_t now = hlc_now(&n->hlc), need = 0;
	struct tscache *tc = range_tsc(n, rg);
	struct cmd_op op;
	uint64_t owner = 0;
	int txn = 0;

	util_put_be64(p + 1, now);
	if (tc == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	for (uint32_t i = 0; i < n_ops; i++) {
		if (cmd_op_next(p, r->cmd_len, &off, &op, NULL) != RC_OK)
			return RC_OK;	/* apply refuses it everywhere */
		if (op.kind == NODE_OP_TXN) {
			txn = 1;
			hdr_off = (size_t)(op.val - p);
			hdr_len = op.vlen;
			if (op.klen == TXNOPS_ID_LEN)
				owner = owner_of(op.key);
			continue;
		}
		if (op.kind == NODE_OP_PUT || op.kind == NODE_OP_DELETE ||
		    op.kind == NODE_OP_INCR || op.kind == NODE_OP_TXN_INCR) {
			int own = 0;
			uint64_t t = tscache_get_key_owner(tc, op.key, op.klen,
							   owner, &own);

			/* above others' reads; at its own read it may write */
			if (t + (own ? 0 : 1) > need)
				need = t + (own ? 0 : 1);
		}
	}
	if (!txn) {
		if (need > now) {
			uint64_t out;

			hlc_update(&n->hlc, need, &out, NULL);
			util_put_be64(p + 1, need);
		}
		return RC_OK;
	}
	if (hdr_len >= 31) {
		uint64_t wts = util_get_be64(p + hdr_off + TXNOPS_WTS_OFF);
		int mode = p[hdr_off + 17], flags = p[hdr_off + 18];

		if (need > wts) {
			if (mode == TXNOPS_1PC && !(flags & TXNOPS_CAN_PUSH)) {
				r->tx.retry = 1;
				r->tx.ts = need;
				return err_set(e, RC_CONFLICT, "retry: a read "
					       "at a later timestamp moved the "
					       "commit timestamp to %" PRIu64
					       "; refresh the reads", need);
			}
			util_put_be64(p + hdr_off + TXNOPS_WTS_OFF, need);
		}
		/*
		 * A one-phase commit validates its reads up to its write
		 * timestamp when it applies: from now on no other write may
		 * land at or below that on what it read (as a refresh does).
		 */
		if (mode == TXNOPS_1PC) {
			struct txnops_hdr h;

			if (txnops_hdr_decode(p + hdr_off, hdr_len, &h,
					      NULL) == RC_OK) {
				struct txnops_span sp;
				size_t so = 0;

				while (txnops_span_next(&h, &so, &sp))
					if (sp.point)
						tscache_add_key_owner(tc,
							sp.start, sp.slen,
							h.wts, owner);
					else
						tscache_add_span(tc, sp.start,
							sp.slen, sp.end,
							sp.elen, h.wts);
			}
		}
	}
	return RC_OK;
}

/* After r's command was proposed at index: latch the keys it writes. */
static void prop_latch(struct range *rg, struct req *r)
{
	const unsigned char *p = r->cmd;
	size_t off = CMD_HEADER;
	uint32_t n_ops = util_get_be32(p + 9);
	struct cmd_op op;

	rg->last_prop = r->index;
	for (uint32_t i = 0; i < n_ops; i++) {
		if (cmd_op_next(p, r->cmd_len, &off, &op, NULL) != RC_OK)
			return;
		if (op.kind == NODE_OP_PUT || op.kind == NODE_OP_DELETE ||
		    op.kind == NODE_OP_INCR || op.kind == NODE_OP_RESOLVE ||
		    op.kind == NODE_OP_TXN_INCR)
			rg->latch[latch_of(op.key, op.klen)] = r->index;
	}
}

/*
 * A transactional read arrives at the loop: remember it in the timestamp
 * cache, and make it wait for the writes proposed before it on its keys
 * (a write proposed after it is stamped above it by prop_prepare).
 */
static int read_register(struct node *n, struct range *rg, struct req *r,
			 struct err *e)
{
	struct tscache *tc = range_tsc(n, rg);
	struct txnops_hdr h;
	struct txnops_span sp;
	size_t off = 0;
	uint64_t out;

	if (tc == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	hlc_update(&n->hlc, r->tsc_ts, &out, NULL);
	memset(&h, 0, sizeof(h));
	h.n_spans = r->n_spans;
	h.spans = r->spans;
	h.spans_len = r->spans_len;
	while (txnops_span_next(&h, &off, &sp)) {
		uint64_t w;

		if (sp.point) {
			tscache_add_key_owner(tc, sp.start, sp.slen, r->tsc_ts,
					      r->owner);
			w = rg->latch[latch_of(sp.start, sp.slen)];
		} else {
			tscache_add_span(tc, sp.start, sp.slen, sp.end, sp.elen,
					 r->tsc_ts);
			w = rg->last_prop;
		}
		if (w > r->wait_index)
			r->wait_index = w;
	}
	return RC_OK;
}

/* Publish each range's status for the API threads; track changes. */
static void publish_status(struct node *n)
{
	for (size_t i = 0; i < n->n_ranges; i++) {
		struct range *rg = RG(n, i);
		struct node_range_status s;
		struct raft_status st;

		raft_status(rg->raft, &st);
		if (st.role == RAFT_CANDIDATE && rg->last_role != RAFT_CANDIDATE)
			metrics_counter_inc(n->m_elections);
		if (st.leader != rg->last_leader && st.leader != RAFT_NONE) {
			metrics_counter_inc(n->m_leader_changes);
			log_info("msg=\"leader\" range=%" PRIu64 " leader=%"
				 PRIu64 " term=%" PRIu64, rg->id, st.leader,
				 st.term);
		}
		if (rg->last_role == RAFT_LEADER && st.role != RAFT_LEADER) {
			range_fail_waiters(n, rg, RC_NOT_LEADER,
					   "leadership lost");
			tscache_free(rg->tsc);	/* the next term starts over */
			rg->tsc = NULL;
		}
		if (st.role == RAFT_LEADER && rg->last_role != RAFT_LEADER)
			(void)range_tsc(n, rg);	/* its low water starts now */
		rg->last_role = st.role;
		rg->last_leader = st.leader;
		memset(&s, 0, sizeof(s));
		s.range_id = rg->id;
		s.generation = rg->desc.generation;
		s.size_bytes = rg->approx_bytes;
		s.keys = rg->approx_keys;
		s.qps = rg->qps;
		s.hot_s = rg->hot_s;
		s.role = st.role;
		s.term = st.term;
		s.commit = st.commit;
		s.applied = st.applied;
		s.leader = st.leader;
		s.snapshot_index = st.snapshot_index;
		s.first_index = st.first_index;
		s.last_index = st.last_index;
		for (size_t k = 0; k < st.conf.n; k++)
			if (!st.conf.m[k].learner)
				s.voters[s.n_voters++] = st.conf.m[k].id;
		if (st.role == RAFT_LEADER) {
			for (size_t k = 0; k < st.conf.n; k++) {
				struct node_progress *p =
					&s.progress[s.n_progress];

				p->id = st.conf.m[k].id;
				if (raft_progress(rg->raft, p->id, &p->match,
						  &p->next) == RC_OK)
					s.n_progress++;
			}
		}
		pthread_mutex_lock(&n->st_mu);
		rg->st = s;
		pthread_mutex_unlock(&n->st_mu);
	}
}

/* Once a second: the range's request rate and how long it has been hot. */
static void range_stats(struct node *n, struct range *rg, double dt)
{
	uint64_t c = __atomic_load_n(&rg->req_count, __ATOMIC_RELAXED);
	double rate = dt > 0 ? (double)(c - rg->req_seen) / dt : 0;

	rg->req_seen = c;
	rg->qps += QPS_ALPHA * (rate - rg->qps);
	if (n->split_qps > 0 && rg->qps >= n->split_qps)
		rg->hot_s += dt;
	else
		rg->hot_s = 0;
}

/*
 * Lazy commits (raft_config.lazy_commit): a leader range whose followers
 * have not been sent its commit index gets a deadline COMMIT_FLUSH_MS
 * ahead; under load the next append carries the commit before then.
 * Returns the earliest deadline (UINT64_MAX: none).
 */
static uint64_t commit_flush_plan(struct node *n, uint64_t now)
{
	uint64_t next = UINT64_MAX;

	for (size_t i = 0; i < n->n_ranges; i++) {
		struct range *rg = RG(n, i);

		if (rg->flush_at_ms == 0 && raft_commit_unsent(rg->raft))
			rg->flush_at_ms = now + COMMIT_FLUSH_MS;
		if (rg->flush_at_ms != 0 && rg->flush_at_ms < next)
			next = rg->flush_at_ms;
	}
	return next;
}

/* Send the commits whose deadline passed; returns the next deadline. */
static uint64_t commit_flush(struct node *n, uint64_t now)
{
	uint64_t next = UINT64_MAX;

	for (size_t i = 0; i < n->n_ranges; i++) {
		struct range *rg = RG(n, i);

		if (rg->flush_at_ms == 0)
			continue;
		if (now >= rg->flush_at_ms) {
			raft_flush_commit(rg->raft);
			rg->flush_at_ms = 0;
		} else if (rg->flush_at_ms < next) {
			next = rg->flush_at_ms;
		}
	}
	return next;
}

static void *loop_main(void *arg)
{
	struct node *n = arg;
	uint64_t tick_ms = n->heartbeat_ms, next_tick, now;
	uint64_t next_stats, next_flush = UINT64_MAX, rx_taken;
	struct raft_msg *msgs = NULL;
	size_t n_msgs, cap_msgs = 0;
	struct req *reqs;
	struct snapjob *done;
	struct err e;
	int rx_wake;

	pthread_setname_np(pthread_self(), "raftd-loop");

	now = util_mono_ms();
	next_tick = now + tick_ms;
	next_stats = now + STATS_MS;
	for (;;) {
		struct timespec ts;
		uint64_t wake = next_tick < next_flush ? next_tick : next_flush;

		pthread_mutex_lock(&n->mu);
		while (!n->stop && n->inbox_n == 0 && n->reqs == NULL &&
		       n->snap_done == NULL) {
			now = util_mono_ms();
			if (now >= wake)
				break;
			abs_deadline(wake - now, &ts);
			pthread_cond_timedwait(&n->cv, &n->mu, &ts);
		}
		if (n->stop) {
			pthread_mutex_unlock(&n->mu);
			break;
		}
		/* swap the inbox with our (empty) buffer */
		{
			struct raft_msg *t = msgs;
			size_t c = cap_msgs;

			msgs = n->inbox;
			n_msgs = n->inbox_n;
			cap_msgs = n->inbox_cap;
			n->inbox = t;
			n->inbox_cap = c;
			n->inbox_n = 0;
		}
		reqs = n->reqs;
		n->reqs = n->reqs_tail = NULL;
		rx_taken = n->rx_seq;
		pthread_mutex_unlock(&n->mu);

		for (size_t i = 0; i < n_msgs; i++) {
			struct range *rg = range_find(n, msgs[i].group);

			/*
			 * An empty replica starts from a snapshot, never by
			 * replaying the log from index 1: it holds today's
			 * descriptor, and old commands checked against it
			 * would be refused (a batch wider than today's
			 * span) or redo old splits.  Its leader compacts
			 * before adding it (shard.c), so it has one to send:
			 * appends from further on are refused by Raft (the
			 * log is empty), which makes the leader send it.
			 */
			if (rg != NULL && !rg->initialized &&
			    msgs[i].type == RAFT_MSG_APPEND &&
			    msgs[i].index == 0 && msgs[i].n_entries > 0) {
				log_debug("msg=\"empty replica waits for a "
					  "snapshot\" range=%" PRIu64, rg->id);
			} else if (rg != NULL &&
			    raft_step(rg->raft, &msgs[i], &e) != RC_OK)
				log_debug("msg=\"raft refused a message\" "
					  "range=%" PRIu64 " from=%" PRIu64
					  " error=\"%s\"", rg->id,
					  msgs[i].from, e.msg);
			raftwire_msg_release(&msgs[i]);
		}
		/*
		 * Ticks before requests, and every tick that fell due: a
		 * leader's lease is counted in ticks, so a loop that was
		 * stopped (SIGSTOP, a stalled disk) must see the time it lost
		 * before it answers a read from its lease.  The messages that
		 * came in meanwhile went first (a newer term deposes it at
		 * once).  Missed ticks are capped a little past two election
		 * timeouts: by then every lease has run out and check_quorum
		 * has had its say.
		 */
		now = util_mono_ms();
		if (now >= next_tick) {
			uint64_t due = (now - next_tick) / tick_ms + 1;
			uint64_t cap = 2 * (uint64_t)n->election_ticks + 2;

			if (due > cap)
				due = cap;
			if (due > 1)
				metrics_counter_add(n->m_ticks_missed, due - 1);
			for (size_t i = 0; i < n->n_ranges; i++)
				for (uint64_t k = 1; k < due; k++)
					raft_tick(RG(n, i)->raft);
			for (size_t i = 0; i < n->n_ranges; i++) {
				struct range *rg = RG(n, i);

				raft_tick(rg->raft);
				range_sweep(n, rg, now);
				if (rg->campaign_at_ms != 0 &&
				    now >= rg->campaign_at_ms) {
					struct raft_status cs;

					raft_status(rg->raft, &cs);
					rg->campaign_at_ms =
						cs.leader == RAFT_NONE &&
						--rg->campaign_tries > 0 ?
						now + tick_ms : 0;
					if (cs.leader != RAFT_NONE)
						continue;
					if (raft_campaign(rg->raft, &e) !=
					    RC_OK)
						log_debug("msg=\"campaign "
							  "failed\" range=%"
							  PRIu64 " error=\"%s\"",
							  rg->id, e.msg);
				}
			}
			next_tick += tick_ms;
			if (next_tick <= now)
				next_tick = now + tick_ms;
		}
		if (now >= next_flush)
			next_flush = commit_flush(n, now);
		while (reqs != NULL) {
			struct req *r = reqs;

			reqs = r->next;
			r->next = NULL;
			handle_req(n, r);
		}
		if (ready_all(n, 0, &e) != RC_OK) {
			node_fatal(n, &e);
			break;
		}
		/* the answers to what came in are queued: tell the waiters */
		pthread_mutex_lock(&n->rx_mu);
		n->rx_done = rx_taken;
		rx_wake = n->rx_waiters > 0;
		pthread_mutex_unlock(&n->rx_mu);
		if (rx_wake)
			pthread_cond_broadcast(&n->rx_cv);
		{
			uint64_t f = commit_flush_plan(n, util_mono_ms());

			if (f < next_flush)
				next_flush = f;
		}
		pthread_mutex_lock(&n->mu);
		done = n->snap_done;
		n->snap_done = NULL;
		pthread_mutex_unlock(&n->mu);
		while (done != NULL) {
			struct snapjob *j = done;

			done = j->next;
			if (range_snap_done(n, j, now, &e) != RC_OK)
				log_error("msg=\"cannot compact the log\" "
					  "range=%" PRIu64 " index=%" PRIu64
					  " error=\"%s\"", j->rg->id,
					  j->index, e.msg);
			snapjob_free(j);
		}
		for (size_t i = 0; i < n->n_ranges; i++) {
			if (range_maybe_compact(n, RG(n, i), now, &e) !=
			    RC_OK)
				log_error("msg=\"cannot compact the log\" "
					  "range=%" PRIu64 " error=\"%s\"",
					  RG(n, i)->id, e.msg);
			range_maybe_count(n, RG(n, i), now);
		}
		if (now >= next_stats) {
			double dt = (double)(now - next_stats + STATS_MS) /
				    1000.0;

			for (size_t i = 0; i < n->n_ranges; i++)
				range_stats(n, RG(n, i), dt);
			next_stats = now + STATS_MS;
		}
		publish_status(n);
	}
	free(msgs);
	return NULL;
}

/* ---- messages from peers ------------------------------------------------ */

static int msg_copy(struct raft_msg *dst, const struct raft_msg *src)
{
	*dst = *src;
	dst->entries = NULL;
	dst->n_entries = 0;
	dst->snapshot.data = NULL;
	if (src->n_entries > 0) {
		dst->entries = calloc(src->n_entries, sizeof(*dst->entries));
		if (dst->entries == NULL)
			return RC_NOMEM;
		dst->n_entries = src->n_entries;
		for (size_t i = 0; i < src->n_entries; i++) {
			dst->entries[i] = src->entries[i];
			dst->entries[i].data = NULL;
			if (src->entries[i].len == 0)
				continue;
			dst->entries[i].data = malloc(src->entries[i].len);
			if (dst->entries[i].data == NULL) {
				raftwire_msg_release(dst);
				return RC_NOMEM;
			}
			memcpy(dst->entries[i].data, src->entries[i].data,
			       src->entries[i].len);
		}
	}
	if (src->snapshot.len > 0) {
		dst->snapshot.data = malloc(src->snapshot.len);
		if (dst->snapshot.data == NULL) {
			raftwire_msg_release(dst);
			return RC_NOMEM;
		}
		memcpy(dst->snapshot.data, src->snapshot.data,
		       src->snapshot.len);
	}
	return RC_OK;
}

int node_receive(struct node *n, const struct raft_msg *msgs, size_t n_msgs,
		 struct err *e)
{
	size_t i, dropped = 0;

	for (i = 0; i < n_msgs; i++) {
		const struct raft_msg *m = &msgs[i];
		struct range *rg = range_find(n, m->group);

		if (rg == NULL)
			continue;	/* not here (yet): see below */
		if (m->to != n->id)
			return err_set(e, RC_BAD_INPUT, "msgs[%zu]: addressed "
				       "to node %" PRIu64 ", this is node %"
				       PRIu64, i, m->to, n->id);
	}
	pthread_mutex_lock(&n->mu);
	if (n->inbox_n + n_msgs > n->inbox_cap) {
		size_t cap = n->inbox_cap ? n->inbox_cap : 256;
		struct raft_msg *p;

		while (cap < n->inbox_n + n_msgs)
			cap *= 2;
		if (cap > INBOX_MAX_MSGS)
			cap = INBOX_MAX_MSGS;
		if (cap > n->inbox_cap) {
			p = realloc(n->inbox, cap * sizeof(*p));
			if (p != NULL) {
				n->inbox = p;
				n->inbox_cap = cap;
			}
		}
	}
	for (i = 0; i < n_msgs; i++) {
		/*
		 * A range this node does not have (yet): a split that has
		 * not applied here, or a replica being added.  Raft resends.
		 */
		struct range *rg = range_find(n, msgs[i].group);

		if (rg == NULL) {
			dropped++;
			continue;
		}
		/*
		 * From a node that is no longer a member of the range (a
		 * replica removed while it was away, which never learnt
		 * it): dropped one by one, so that the same batch's messages
		 * of other ranges still arrive.  That replica is collected
		 * by its own node (see shard.c).
		 */
		if (!range_has_voter(n, rg, msgs[i].from)) {
			dropped++;
			continue;
		}
		if (n->inbox_n >= n->inbox_cap ||
		    msg_copy(&n->inbox[n->inbox_n], &msgs[i]) != RC_OK) {
			dropped++;
			continue;
		}
		n->inbox_n++;
	}
	n->rx_seq++;
	pthread_cond_signal(&n->cv);
	pthread_mutex_unlock(&n->mu);
	if (dropped > 0)
		metrics_counter_add(n->m_inbox_dropped, dropped);
	return RC_OK;
}

/* *p read under n->mu (the node's counters other threads wait on). */
static uint64_t counter_get(struct node *n, const uint64_t *p)
{
	uint64_t s;

	pthread_mutex_lock(&n->mu);
	s = *p;
	pthread_mutex_unlock(&n->mu);
	return s;
}

uint64_t node_rx_seq(struct node *n)
{
	return counter_get(n, &n->rx_seq);
}

int node_rx_wait(struct node *n, uint64_t seq, unsigned ms)
{
	struct timespec ts;
	int done;

	abs_deadline(ms, &ts);
	pthread_mutex_lock(&n->rx_mu);
	n->rx_waiters++;
	while (n->rx_done < seq && !n->rx_stop)
		if (pthread_cond_timedwait(&n->rx_cv, &n->rx_mu, &ts) ==
		    ETIMEDOUT)
			break;
	n->rx_waiters--;
	done = n->rx_done >= seq;
	pthread_mutex_unlock(&n->rx_mu);
	return done;
}

/* ---- API entry points --------------------------------------------------- */

/* Free r, never queued: nobody else holds it. */
static void req_drop(struct node *n, struct req *r)
{
	(void)n;
	atomic_store(&r->refs, 1);
	req_unref(r);
}

int node_write(struct node *n, uint64_t range_id, const struct node_op *ops,
	       size_t n_ops, uint64_t *result, struct err *e)
{
	struct req *r;
	int rc;

	r = req_new(REQ_PROPOSE, range_id);
	if (r == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	rc = cmd_encode(ops, n_ops, &r->cmd, &r->cmd_len, e);
	if (rc != RC_OK) {
		req_drop(n, r);
		return rc;
	}
	atomic_fetch_add(&r->refs, 1);	/* keep it to read the result */
	rc = req_submit_wait(n, r, e);
	if (rc == RC_OK && result != NULL)
		*result = r->result;	/* done: the loop is through with it */
	req_unref(r);
	return rc;
}

int node_write_txn_many(struct node *n, uint64_t range_id,
			struct node_txn_cmd *c, size_t k, struct err *e)
{
	struct req *r[NODE_TXN_MANY_MAX];
	int rc[NODE_TXN_MANY_MAX], erc = RC_OK;
	size_t i;

	if (k == 0 || k > NODE_TXN_MANY_MAX)
		return err_set(e, RC_BAD_INPUT, "%zu commands: 1 to %d at once",
			       k, NODE_TXN_MANY_MAX);
	for (i = 0; i < k; i++) {
		memset(&c[i].res, 0, sizeof(c[i].res));
		err_clear(&c[i].err);
		c[i].rc = RC_OK;
		if ((r[i] = req_new(REQ_PROPOSE, range_id)) == NULL) {
			erc = err_set(e, RC_NOMEM, "out of memory");
			break;
		}
		if ((erc = cmd_encode(c[i].ops, c[i].n_ops, &r[i]->cmd,
				      &r[i]->cmd_len, e)) != RC_OK) {
			req_drop(n, r[i]);
			break;
		}
		atomic_fetch_add(&r[i]->refs, 1);	/* to read the result */
	}
	if (i < k) {		/* nothing queued yet: free them all */
		while (i-- > 0)
			req_drop(n, r[i]);
		return erc;
	}
	req_submit_wait_n(n, r, k, rc, NULL);
	for (i = 0; i < k; i++) {
		pthread_mutex_lock(&r[i]->mu);
		c[i].rc = rc[i];
		if (r[i]->done) {
			c[i].res = r[i]->tx;
			memset(&r[i]->tx.conflicts, 0,
			       sizeof(r[i]->tx.conflicts));
			if (rc[i] != RC_OK)
				c[i].err = r[i]->err;
		} else if (rc[i] == RC_TIMEOUT) {
			err_set(&c[i].err, RC_TIMEOUT, "write not applied "
				"within %d ms; it may still take effect",
				NODE_WAIT_MS);
		} else if (rc[i] != RC_OK) {
			err_set(&c[i].err, rc[i], "raftd is shutting down");
		}
		c[i].res.ambiguous = rc[i] == RC_TIMEOUT ||
				     (r[i]->done && r[i]->ambiguous);
		pthread_mutex_unlock(&r[i]->mu);
		req_unref(r[i]);
	}
	return RC_OK;
}

int node_write_txn(struct node *n, uint64_t range_id,
		   const struct node_op *ops, size_t n_ops,
		   struct node_txn_result *out, struct err *e)
{
	struct node_txn_cmd c = { .ops = ops, .n_ops = n_ops };
	int rc;

	rc = node_write_txn_many(n, range_id, &c, 1, e);
	*out = c.res;
	if (rc != RC_OK)
		return rc;
	if (c.rc != RC_OK)
		*e = c.err;
	return c.rc;
}

/*
 * The read barrier of a transactional read of spans at ts (see
 * node_txn_get): the loop registers the read, then raft confirms it.
 */
static int txn_barrier(struct node *n, uint64_t range_id,
		       const unsigned char *spans, size_t spans_len,
		       uint32_t n_spans, uint64_t ts, uint64_t owner,
		       struct err *e)
{
	struct req *r = req_new(REQ_READ, range_id);

	if (r == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	r->spans = malloc(spans_len ? spans_len : 1);
	if (r->spans == NULL) {
		req_drop(n, r);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	if (spans_len)
		memcpy(r->spans, spans, spans_len);
	r->spans_len = spans_len;
	r->n_spans = n_spans;
	r->tsc_ts = ts;
	r->owner = owner;
	return req_submit_wait(n, r, e);
}

/* ts is too old for the history this node keeps: RC_CONFLICT. */
static int too_old(struct node *n, uint64_t ts, struct err *e)
{
	uint64_t h = gc_horizon(n);

	/* 5 s of slack for clocks and for reads that began at the edge */
	if (h != 0 && hlc_physical(ts) < hlc_physical(h) + 5000)
		return err_set(e, RC_CONFLICT, "retry: the transaction's "
			       "timestamp is older than the %" PRIu64 " s of "
			       "history ranges keep (gc_ttl)",
			       n->gc_ttl_ms / 1000);
	return RC_OK;
}

/* One span in txnops encoding into a malloc'd buffer. */
static int span_encode(int point, const void *start, size_t slen,
		       const void *end, size_t elen, unsigned char **out,
		       size_t *len, struct err *e)
{
	struct txnops_span sp = { point, start, slen, end, elen };
	struct txnops_hdr h;
	unsigned char *p;
	size_t l;
	int rc;

	memset(&h, 0, sizeof(h));
	h.wts = h.rts = 1;
	h.mode = TXNOPS_INTENTS;
	if ((rc = txnops_hdr_encode(&h, &sp, 1, &p, &l, e)) != RC_OK)
		return rc;
	/* the spans are what follows the fixed part and the anchor */
	*len = l - 31;
	*out = malloc(*len ? *len : 1);
	if (*out == NULL) {
		free(p);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	memcpy(*out, p + 31, *len);
	free(p);
	return RC_OK;
}

int node_txn_get(struct node *n, uint64_t range_id, const void *key,
		 size_t klen, uint64_t ts, const unsigned char *txn_id,
		 void **val, size_t *vlen, uint64_t *vts,
		 struct txnops_conflicts *c, struct err *e)
{
	struct range *rg = range_find(n, range_id);
	unsigned char *sp = NULL;
	size_t sl = 0;
	int rc;

	if (rg == NULL)
		return err_set(e, RC_NOT_FOUND, "no range %" PRIu64, range_id);
	if ((rc = too_old(n, ts, e)) != RC_OK)
		return rc;
	if ((rc = span_encode(1, key, klen, NULL, 0, &sp, &sl, e)) != RC_OK)
		return rc;
	rc = txn_barrier(n, range_id, sp, sl, 1, ts, owner_of(txn_id), e);
	free(sp);
	if (rc != RC_OK)
		return rc;
	pthread_rwlock_rdlock(&rg->mvcc_lock);
	if (rg->mvcc == NULL || !desc_contains(&rg->desc, key, klen))
		rc = moved(rg, e);
	else
		rc = txnops_get(rg->mvcc, rg->locks, key, klen, ts, txn_id,
				val, vlen, vts, c, e);
	pthread_rwlock_unlock(&rg->mvcc_lock);
	return rc;
}

int node_txn_scan(struct node *n, uint64_t range_id, const void *start,
		  size_t slen, const void *end, size_t elen, uint64_t ts,
		  const unsigned char *txn_id, size_t limit,
		  struct mvcc_scan_result *res, struct txnops_conflicts *c,
		  struct err *e)
{
	struct range *rg = range_find(n, range_id);
	unsigned char *sp = NULL;
	size_t sl = 0;
	struct desc d;
	int rc, clamped = 0;

	memset(res, 0, sizeof(res[0]));
	if (rg == NULL)
		return err_set(e, RC_NOT_FOUND, "no range %" PRIu64, range_id);
	if ((rc = too_old(n, ts, e)) != RC_OK)
		return rc;
	pthread_mutex_lock(&n->st_mu);
	d = rg->desc;
	pthread_mutex_unlock(&n->st_mu);
	if (slen == 0 || bytes_cmp(start, slen, d.start, d.start_len) < 0) {
		start = d.start;
		slen = d.start_len;
	}
	if (!desc_contains(&d, start, slen))
		return moved(rg, e);
	if (d.end_len > 0 &&
	    (elen == 0 || bytes_cmp(end, elen, d.end, d.end_len) > 0)) {
		end = d.end;
		elen = d.end_len;
		clamped = 1;
	}
	if ((rc = span_encode(0, start, slen, end, elen, &sp, &sl, e)) !=
	    RC_OK)
		return rc;
	rc = txn_barrier(n, range_id, sp, sl, 1, ts, owner_of(txn_id), e);
	free(sp);
	if (rc != RC_OK)
		return rc;
	pthread_rwlock_rdlock(&rg->mvcc_lock);
	if (rg->mvcc == NULL || !desc_contains(&rg->desc, start, slen) ||
	    (rg->desc.end_len > 0 &&
	     bytes_cmp(end, elen, rg->desc.end, rg->desc.end_len) > 0))
		rc = moved(rg, e);
	else
		rc = txnops_scan(rg->mvcc, rg->locks, start, slen, end, elen,
				 ts, txn_id, limit, res, c, e);
	if (rc == RC_OK && !res->more && clamped) {
		res->resume_key = malloc(elen + 1);
		if (res->resume_key == NULL) {
			rc = err_set(e, RC_NOMEM, "out of memory");
		} else {
			memcpy(res->resume_key, end, elen);
			((char *)res->resume_key)[elen] = '\0';
			res->resume_klen = elen;
			res->more = 1;
		}
	}
	pthread_rwlock_unlock(&rg->mvcc_lock);
	return rc;
}

int node_txn_refresh(struct node *n, uint64_t range_id,
		     const unsigned char *spans, size_t spans_len,
		     uint32_t n_spans, uint64_t from, uint64_t to,
		     const unsigned char *txn_id, struct err *e)
{
	struct range *rg = range_find(n, range_id);
	struct txnops_hdr h;
	struct txnops_span sp;
	size_t off = 0;
	int rc;

	if (rg == NULL)
		return err_set(e, RC_NOT_FOUND, "no range %" PRIu64, range_id);
	if ((rc = too_old(n, from, e)) != RC_OK)
		return rc;
	rc = txn_barrier(n, range_id, spans, spans_len, n_spans, to,
			 owner_of(txn_id), e);
	if (rc != RC_OK)
		return rc;
	memset(&h, 0, sizeof(h));
	h.n_spans = n_spans;
	h.spans = spans;
	h.spans_len = spans_len;
	pthread_rwlock_rdlock(&rg->mvcc_lock);
	while (rc == RC_OK && txnops_span_next(&h, &off, &sp)) {
		if (rg->mvcc == NULL ||
		    !desc_contains(&rg->desc, sp.start, sp.slen) ||
		    (!sp.point && (sp.elen == 0 ?
				   rg->desc.end_len != 0 :
				   rg->desc.end_len != 0 &&
				   bytes_cmp(sp.end, sp.elen, rg->desc.end,
					     rg->desc.end_len) > 0)))
			rc = moved(rg, e);
		else
			rc = txnops_refresh(rg->mvcc, rg->locks, &sp, from, to,
					    txn_id, e);
	}
	pthread_rwlock_unlock(&rg->mvcc_lock);
	return rc;
}

int node_txn_record(struct node *n, uint64_t range_id, const void *anchor,
		    size_t alen, const unsigned char *txn_id,
		    struct locktab_record *out, uint64_t *now,
		    struct err *e)
{
	struct range *rg = range_find(n, range_id);
	int rc;

	if (rg == NULL)
		return err_set(e, RC_NOT_FOUND, "no range %" PRIu64, range_id);
	if ((rc = node_read_barrier(n, range_id, e)) != RC_OK)
		return rc;
	*now = hlc_make(fault_wall_ms(NULL), 0);
	pthread_rwlock_rdlock(&rg->mvcc_lock);
	if (rg->locks == NULL || !desc_contains(&rg->desc, anchor, alen))
		rc = moved(rg, e);
	else
		rc = locktab_record_get(rg->locks, NULL, anchor, alen, txn_id,
					out, e);
	pthread_rwlock_unlock(&rg->mvcc_lock);
	return rc;
}

uint64_t node_record_seq(struct node *n)
{
	return counter_get(n, &n->record_seq);
}

void node_record_wait(struct node *n, uint64_t seq, unsigned ms)
{
	struct timespec ts;

	abs_deadline(ms, &ts);
	pthread_mutex_lock(&n->mu);
	while (n->record_seq == seq && !n->stop)
		if (pthread_cond_timedwait(&n->rec_cv, &n->mu, &ts) ==
		    ETIMEDOUT)
			break;
	pthread_mutex_unlock(&n->mu);
}

int node_lock_counts(struct node *n, uint64_t range_id, uint64_t *intents,
		     uint64_t *records)
{
	struct range *rg = range_find(n, range_id);
	int rc = RC_NOT_FOUND;

	*intents = *records = 0;
	if (rg == NULL)
		return rc;
	pthread_rwlock_rdlock(&rg->mvcc_lock);
	if (rg->locks != NULL)
		rc = locktab_count(rg->locks, intents, records, NULL);
	pthread_rwlock_unlock(&rg->mvcc_lock);
	return rc;
}

int node_transfer_leader(struct node *n, uint64_t range_id, uint64_t to,
			 struct err *e)
{
	struct req *r = req_new(REQ_TRANSFER, range_id);

	if (r == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	r->to = to;
	return req_submit_wait(n, r, e);
}

int node_change_replicas(struct node *n, uint64_t range_id, int op,
			 uint64_t node, struct err *e)
{
	struct req *r = req_new(REQ_CONF, range_id);

	if (r == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	r->conf_op = op;
	r->to = node;
	return req_submit_wait(n, r, e);
}

int node_remove_replica(struct node *n, uint64_t range_id,
			uint64_t generation, struct err *e)
{
	struct req *r = req_new(REQ_DESTROY, range_id);

	if (r == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	r->to = generation;
	return req_submit_wait(n, r, e);
}

int node_compact(struct node *n, uint64_t range_id, struct err *e)
{
	struct req *r = req_new(REQ_COMPACT, range_id);

	if (r == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	return req_submit_wait(n, r, e);
}

int node_create_replica(struct node *n, const struct desc *d, struct err *e)
{
	struct req *r = req_new(REQ_CREATE, d->range_id);

	if (r == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	r->desc = malloc(sizeof(*d));
	if (r->desc == NULL) {
		req_drop(n, r);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	*r->desc = *d;
	return req_submit_wait(n, r, e);
}

int node_read_barrier(struct node *n, uint64_t range_id, struct err *e)
{
	struct req *r = req_new(REQ_READ, range_id);

	if (r == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	return req_submit_wait(n, r, e);
}

uint64_t node_locate(struct node *n, const void *key, size_t klen)
{
	uint64_t id = 0;

	pthread_rwlock_rdlock(&n->tab_lock);
	pthread_mutex_lock(&n->st_mu);
	for (size_t i = 0; i < n->n_ranges && id == 0; i++)
		if (__atomic_load_n(&n->ranges[i]->initialized,
				    __ATOMIC_ACQUIRE) &&
		    !n->ranges[i]->desc.frozen &&
		    desc_contains(&n->ranges[i]->desc, key, klen))
			id = n->ranges[i]->id;
	pthread_mutex_unlock(&n->st_mu);
	pthread_rwlock_unlock(&n->tab_lock);
	return id;
}

int node_range_desc(struct node *n, uint64_t range_id, struct desc *d,
		    struct err *e)
{
	struct range *rg = range_find(n, range_id);

	if (rg == NULL)
		return err_set(e, RC_NOT_FOUND, "no range %" PRIu64 " on node %"
			       PRIu64, range_id, n->id);
	pthread_mutex_lock(&n->st_mu);
	*d = rg->desc;
	pthread_mutex_unlock(&n->st_mu);
	return RC_OK;
}

void node_count_request(struct node *n, uint64_t range_id)
{
	struct range *rg = range_find(n, range_id);

	if (rg != NULL)
		__atomic_add_fetch(&rg->req_count, 1, __ATOMIC_RELAXED);
}

static int moved(struct range *rg, struct err *e)
{
	return err_set(e, RC_RANGE_MOVED, "the key is not in range %" PRIu64
		       " (it split or merged); look the key up again",
		       rg->id);
}

int node_get(struct node *n, uint64_t range_id, const void *key, size_t klen,
	     void **val, size_t *vlen, struct err *e)
{
	struct range *rg = range_find(n, range_id);
	int rc;

	if (rg == NULL)
		return err_set(e, RC_NOT_FOUND, "no range %" PRIu64, range_id);
	pthread_rwlock_rdlock(&rg->mvcc_lock);
	if (!desc_contains(&rg->desc, key, klen))
		rc = moved(rg, e);
	else
		rc = mvcc_get(rg->mvcc, NULL, key, klen, UINT64_MAX, val,
			      vlen, NULL, e);
	pthread_rwlock_unlock(&rg->mvcc_lock);
	return rc;
}

int node_scan(struct node *n, uint64_t range_id, const void *start,
	      size_t slen, const void *end, size_t elen, size_t limit,
	      struct mvcc_scan_result *res, struct err *e)
{
	struct range *rg = range_find(n, range_id);
	const struct desc *d;
	int rc, clamped = 0;

	memset(res, 0, sizeof(res[0]));
	if (rg == NULL)
		return err_set(e, RC_NOT_FOUND, "no range %" PRIu64, range_id);
	pthread_rwlock_rdlock(&rg->mvcc_lock);
	d = &rg->desc;
	if (slen == 0) {
		start = d->start;
		slen = d->start_len;
	}
	if (bytes_cmp(start, slen, d->start, d->start_len) < 0) {
		start = d->start;
		slen = d->start_len;
	}
	if (!desc_contains(d, start, slen)) {
		pthread_rwlock_unlock(&rg->mvcc_lock);
		return moved(rg, e);
	}
	if (d->end_len > 0 &&
	    (elen == 0 || bytes_cmp(end, elen, d->end, d->end_len) > 0)) {
		end = d->end;
		elen = d->end_len;
		clamped = 1;
	}
	rc = mvcc_scan(rg->mvcc, NULL, start, slen, end, elen, UINT64_MAX,
		       limit, res, e);
	if (rc == RC_OK && !res->more && clamped) {
		res->resume_key = malloc(elen + 1);
		if (res->resume_key == NULL) {
			rc = err_set(e, RC_NOMEM, "out of memory");
		} else {
			memcpy(res->resume_key, end, elen);
			((char *)res->resume_key)[elen] = '\0';
			res->resume_klen = elen;
			res->more = 1;
		}
	}
	pthread_rwlock_unlock(&rg->mvcc_lock);
	return rc;
}

int node_range_image(struct node *n, uint64_t range_id, size_t max,
		     void **out, size_t *len, struct err *e)
{
	struct range *rg = range_find(n, range_id);
	struct buf b = { NULL, 0, 0 };
	struct desc d;
	uint64_t gen, keys, bytes;
	int rc;

	*out = NULL;
	*len = 0;
	if (rg == NULL)
		return err_set(e, RC_NOT_FOUND, "no range %" PRIu64, range_id);
	pthread_rwlock_rdlock(&rg->mvcc_lock);
	gen = rg->snap_gen;
	pthread_mutex_lock(&n->st_mu);
	d = rg->desc;
	pthread_mutex_unlock(&n->st_mu);
	pthread_rwlock_unlock(&rg->mvcc_lock);
	{
		struct locktab_raw *locks = NULL;
		size_t n_locks = 0;

		/* the range is frozen (a merge): nothing changes meanwhile */
		pthread_rwlock_rdlock(&rg->mvcc_lock);
		rc = rg->snap_gen != gen || rg->locks == NULL ?
		     err_set(e, RC_CONFLICT, "range %" PRIu64 " changed; "
			     "retry", range_id) :
		     locktab_export(rg->locks, NULL, d.start, d.start_len,
				    d.end, d.end_len, &locks, &n_locks, e);
		pthread_rwlock_unlock(&rg->mvcc_lock);
		if (rc == RC_OK)
			rc = img_begin(&b, &d, locks, n_locks, e);
		locktab_raw_free(locks, n_locks);
	}
	if (rc == RC_OK)
		rc = img_scan(n, rg, NULL, d.start, d.start_len, d.end,
			      d.end_len, gen, &b, &keys, &bytes, e);
	if (rc == RC_OK && b.len > max)
		rc = err_set(e, RC_TOO_LARGE, "range %" PRIu64 " holds %zu "
			     "bytes, over the %zu a merge moves", range_id,
			     b.len, max);
	if (rc != RC_OK) {
		free(b.p);
		return rc;
	}
	*out = b.p;
	*len = b.len;
	return RC_OK;
}

size_t node_range_count(struct node *n)
{
	size_t c;

	pthread_rwlock_rdlock(&n->tab_lock);
	c = n->n_ranges;
	pthread_rwlock_unlock(&n->tab_lock);
	return c;
}

int node_range_status(struct node *n, size_t i, struct node_range_status *st)
{
	int rc = RC_OK;

	pthread_rwlock_rdlock(&n->tab_lock);
	if (i >= n->n_ranges) {
		rc = RC_NOT_FOUND;
	} else {
		pthread_mutex_lock(&n->st_mu);
		*st = n->ranges[i]->st;
		pthread_mutex_unlock(&n->st_mu);
	}
	pthread_rwlock_unlock(&n->tab_lock);
	return rc;
}

uint64_t node_leader(struct node *n, uint64_t range_id, const char **addr)
{
	struct range *rg = range_find(n, range_id);
	uint64_t leader = RAFT_NONE;

	if (rg != NULL) {
		pthread_mutex_lock(&n->st_mu);
		leader = rg->st.leader;
		pthread_mutex_unlock(&n->st_mu);
	}
	if (addr != NULL)
		*addr = leader != RAFT_NONE ? node_member_addr(n, leader) :
			NULL;
	return leader;
}

struct transport *node_transport(struct node *n)
{
	return n->tp;
}

uint64_t node_id(const struct node *n)
{
	return n->id;
}

size_t node_member_ids(const struct node *n, uint64_t *ids, size_t max)
{
	size_t k = 0;

	size_t nm = __atomic_load_n(&n->n_members, __ATOMIC_ACQUIRE);

	for (size_t i = 0; i < nm && k < max; i++)
		ids[k++] = n->members[i].id;
	return k;
}

uint64_t node_peer_down_ms(struct node *n, uint64_t id)
{
	return id == n->id ? 0 : transport_peer_down_ms(n->tp, id);
}

int node_add_member(struct node *n, uint64_t id, const char *addr,
		    struct err *e)
{
	const char *have;
	struct transport_peer tp;
	char *copy;
	int rc;

	if (id == 0 || addr == NULL || strchr(addr, ':') == NULL)
		return err_set(e, RC_BAD_INPUT, "a node needs an id > 0 and an "
			       "address HOST:PORT");
	pthread_mutex_lock(&n->members_mu);
	have = node_member_addr(n, id);
	if (have != NULL) {
		pthread_mutex_unlock(&n->members_mu);
		return strcmp(have, addr) == 0 ? RC_OK :
			err_set(e, RC_CONFLICT, "node %" PRIu64 " is at %s, not "
				"%s (node ids are never reused)", id, have,
				addr);
	}
	if (n->n_members >= NODE_MAX_PEERS) {
		pthread_mutex_unlock(&n->members_mu);
		return err_set(e, RC_TOO_LARGE, "a cluster has at most %d "
			       "nodes", NODE_MAX_PEERS);
	}
	copy = strdup(addr);
	if (copy == NULL) {
		pthread_mutex_unlock(&n->members_mu);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	tp.id = id;
	tp.addr = copy;
	if (id != n->id && (rc = transport_add_peer(n->tp, &tp, e)) !=
	    RC_OK) {
		pthread_mutex_unlock(&n->members_mu);
		free(copy);
		return rc;
	}
	n->members[n->n_members].id = id;
	n->members[n->n_members].addr = copy;
	__atomic_store_n(&n->n_members, n->n_members + 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&n->members_mu);
	log_info("msg=\"node joined\" node=%" PRIu64 " addr=%s", id, addr);
	return RC_OK;
}

const char *node_member_addr(const struct node *n, uint64_t id)
{
	size_t nm = __atomic_load_n(&n->n_members, __ATOMIC_ACQUIRE);

	for (size_t i = 0; i < nm; i++)
		if (n->members[i].id == id)
			return n->members[i].addr;
	return NULL;
}

/* ---- open / close ------------------------------------------------------- */

static int node_metrics(struct node *n, struct metrics *reg, struct err *e)
{
	int rc;

	if (reg == NULL)
		return RC_OK;
#define C(var, name, help) \
	if ((rc = metrics_counter(reg, name, help, NULL, NULL, &n->var, e)) \
	    != RC_OK) \
		return rc
	C(m_proposals, "raftd_proposals_total",
	  "Commands proposed by this node as leader.");
	C(m_commits, "raftd_commits_total",
	  "Committed log entries applied on this node.");
	C(m_elections, "raftd_elections_total",
	  "Times a range on this node became a candidate.");
	C(m_ticks_missed, "raftd_ticks_missed_total",
	  "Raft ticks that fell due while the loop was stopped or busy, "
	  "delivered late (leases count real time).");
	C(m_leader_changes, "raftd_leader_changes_total",
	  "Times this node saw a range's leader change.");
	C(m_inbox_dropped, "raftd_inbox_dropped_total",
	  "Raft messages from peers dropped because the inbox was full.");
	C(m_snapshots, "raftd_snapshots_total",
	  "Log compactions (snapshots taken) on this node.");
	C(m_snapshots_installed, "raftd_snapshots_installed_total",
	  "Snapshots received from a leader and installed.");
	C(m_splits, "raftd_range_splits_total",
	  "Range splits applied on this node.");
#undef C
	return metrics_histogram(reg, "raftd_fsync_seconds",
				 "Duration of group-commit syncs of the Raft "
				 "log.", NULL, NULL, metrics_latency_bounds,
				 METRICS_LATENCY_NBOUNDS, &n->m_fsync, e);
}

/* Allocate rg for id, open its table, and add it to the table of ranges. */
static int range_new(struct node *n, uint64_t id, struct range **out,
		     struct err *e)
{
	struct range *rg;
	int rc;

	*out = NULL;
	if (n->n_ranges == n->cap_ranges) {
		size_t cap = n->cap_ranges ? 2 * n->cap_ranges : 16;
		struct range **p = realloc(n->ranges, cap * sizeof(*p));

		if (p == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		pthread_rwlock_wrlock(&n->tab_lock);
		n->ranges = p;
		n->cap_ranges = cap;
		pthread_rwlock_unlock(&n->tab_lock);
	}
	rg = calloc(1, sizeof(*rg));
	if (rg == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	rg->id = id;
	rg->last_role = -1;
	rg->snap_jitter = (id * UINT64_C(0x9e3779b97f4a7c15) >> 33) %
			  (n->snapshot_entries / 4 + 1);
	snprintf(rg->name, sizeof(rg->name), "r%" PRIu64 ".data", id);
	snprintf(rg->lname, sizeof(rg->lname), "r%" PRIu64 ".locks", id);
	pthread_rwlock_init(&rg->mvcc_lock, NULL);
	pthread_mutex_init(&rg->track_mu, NULL);
	if ((rc = mvcc_open(n->env, rg->name, &rg->mvcc, e)) != RC_OK ||
	    (rc = locktab_open(n->env, rg->lname, &rg->locks, e)) != RC_OK) {
		mvcc_close(rg->mvcc, NULL);
		pthread_rwlock_destroy(&rg->mvcc_lock);
		pthread_mutex_destroy(&rg->track_mu);
		free(rg);
		return rc;
	}
	pthread_rwlock_wrlock(&n->tab_lock);
	n->ranges[n->n_ranges++] = rg;
	pthread_rwlock_unlock(&n->tab_lock);
	*out = rg;
	return RC_OK;
}

static int range_raft_new(struct node *n, struct range *rg, uint64_t applied,
			  struct err *e)
{
	struct raft_config c;

	raft_config_default(&c);
	c.no_quiet_start = rg->fresh;
	c.id = n->id;
	c.group = rg->id;
	c.election_ticks = n->election_ticks;
	c.heartbeat_ticks = 1;
	/*
	 * Leader leases: a read is answered at once while a majority acked
	 * a heartbeat round sent less than election - margin ticks ago
	 * (docs/RAFT.md).  Ticks follow the monotonic clock, missed ones
	 * included (loop_main), so a leader that was stopped or starved
	 * finds its lease run out; the margin (a fifth, at least 2 ticks)
	 * covers a tick's lateness and clock rate drift.
	 */
	if (n->lease_reads && n->election_ticks >= 5) {
		c.lease_read = 1;
		c.lease_margin_ticks = n->election_ticks / 5 > 2 ?
				       n->election_ticks / 5 : 2;
	}
	/*
	 * Commits reach followers with the next append (or COMMIT_FLUSH_MS
	 * later, or with the heartbeat), not in an empty append of their
	 * own: that halves the Raft messages of a busy range (docs/
	 * ARCHITECTURE.md §9).  Followers apply a little later; only the
	 * leader answers requests, so nobody waits for that.
	 */
	c.lazy_commit = 1;
	c.seed = (uint64_t)getpid() * 1000003u ^ util_mono_ns() ^ rg->id;
	c.applied = applied;
	c.log = raft_log_cb;
	c.log_arg = rg;
	return raft_new(&c, &rg->raft, e);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The founding replicas: the NODE_REPLICAS lowest node ids of the config.
 * Other nodes start empty and receive replicas when ranges move to them.
 */
static void founders(const struct node *n, struct raft_conf *conf)
{
	uint64_t ids[NODE_MAX_PEERS];
	size_t k = 0;

	for (size_t i = 0; i < n->n_members; i++)
		ids[k++] = n->members[i].id;
	qsort(ids, k, sizeof(ids[0]), cmp_u64);
	memset(conf, 0, sizeof(*conf));
	for (size_t i = 0; i < k && conf->n < NODE_REPLICAS; i++)
		conf->m[conf->n++].id = ids[i];
}

static int node_bootstrap(struct node *n, struct err *e)
{
	struct raft_conf conf;
	int rc;

	founders(n, &conf);
	if (n->no_bootstrap || !raft_conf_is_member(&conf, n->id)) {
		log_info("msg=\"starting empty: ranges will move here\" "
			 "founders=%zu", conf.n);
		return RC_OK;
	}
	for (uint64_t id = NODE_META_RANGE; id <= NODE_DATA_RANGE; id++) {
		struct range *rg;
		struct desc d;

		if ((rc = range_new(n, id, &rg, e)) != RC_OK)
			return rc;
		if (id == NODE_META_RANGE)
			desc_init(&d, id, "\x01", 1, "\x02", 1, NULL);
		else
			desc_init(&d, id, "\x02", 1, NULL, 0, NULL);
		d.generation = 1;
		for (size_t i = 0; i < conf.n; i++)
			d.replicas[d.n_replicas++] = conf.m[i].id;
		rg->desc = d;
		rg->initialized = 1;
		if ((rc = range_raft_new(n, rg, 0, e)) != RC_OK)
			return rc;
		if ((rc = raft_bootstrap(rg->raft, &conf, e)) != RC_OK)
			return rc;
	}
	log_info("msg=\"bootstrapped ranges 1 and 2\" voters=%zu",
		 conf.n);
	return ready_all(n, 1, e);
}

/*
 * Load range id from the raftstore (at start-up, or when a split made it):
 * descriptor, snapshot (re-installed if a crash cut its install short),
 * log, and a Raft core restored from them.
 */
static int range_load(struct node *n, uint64_t id, int fresh, struct err *e)
{
	struct raftstore_state st;
	struct range *rg;
	int rc;

	if ((rc = range_new(n, id, &rg, e)) != RC_OK)
		return err_prefix(e, "range %" PRIu64, id);
	rg->fresh = fresh;
	rc = raftstore_load(n->rs, rg->id, &st, e);
	if (rc == RC_OK && st.meta == NULL)
		rc = err_set(e, RC_CORRUPT, "range %" PRIu64 " has no "
			     "descriptor", rg->id);
	if (rc == RC_OK) {
		rc = desc_decode(st.meta, st.meta_len, &rg->desc, e);
		if (rc == RC_OK && rg->desc.range_id != rg->id)
			rc = err_set(e, RC_CORRUPT, "descriptor of range %"
				     PRIu64 " stored for range %" PRIu64,
				     rg->desc.range_id, rg->id);
		else if (rc != RC_OK)	/* stored, so corrupt, not bad input */
			rc = e != NULL ? (e->code = RC_CORRUPT) : RC_CORRUPT;
	}
	if (rc == RC_OK && st.has_snapshot && st.applied < st.snap.index) {
		log_info("msg=\"re-installing snapshot\" range=%" PRIu64
			 " index=%" PRIu64, rg->id, st.snap.index);
		rc = snap_install(n, rg, st.snap.index, st.snap.data,
				  st.snap.len, e);
		if (rc == RC_OK)
			st.applied = st.snap.index;
	}
	if (rc == RC_OK && st.has_snapshot) {
		/* T(applied): the image, then commands up to it */
		struct desc d;
		size_t off, loff;
		uint32_t nl;
		int hd;
		uint64_t ts, k, b;

		if (snap_check(st.snap.data, st.snap.len, &d, &hd, &loff, &nl,
			       &off, e) != RC_OK) {
			rc = err_prefix(e, "stored snapshot");
		} else {
			snap_totals(st.snap.data, st.snap.len, off, &ts, &k,
				    &b);
			if (ts > rg->applied_ts)
				rg->applied_ts = ts;
		}
	}
	if (rc == RC_OK)
		for (size_t k = 0; k < st.n; k++) {
			uint64_t ts = cmd_ts(st.ents[k].data, st.ents[k].len);

			if (st.ents[k].index <= st.applied &&
			    st.ents[k].type == RAFT_ENTRY_NORMAL &&
			    ts > rg->applied_ts)
				rg->applied_ts = ts;
		}
	if (rc == RC_OK) {
		hlc_floor(&n->hlc, rg->applied_ts);
		rc = range_raft_new(n, rg, st.applied, e);
	}
	if (rc == RC_OK)
		rc = raft_restore(rg->raft, &st.hs, st.has_snapshot ?
				  &st.snap : NULL, st.ents, st.n, e);
	if (rc == RC_OK)
		for (size_t k = 0; k < st.n; k++) {
			uint64_t ts = cmd_ts(st.ents[k].data, st.ents[k].len);

			if (ts != 0)
				hlc_floor(&n->hlc, ts);
		}
	if (rc == RC_OK) {
		rg->initialized = st.has_snapshot || st.n > 0 ||
				  st.applied > 0;
	}
	if (rc == RC_OK)
		log_info("msg=\"loaded range\" range=%" PRIu64 " term=%" PRIu64
			 " commit=%" PRIu64 " applied=%" PRIu64 " entries=%zu",
			 rg->id, st.hs.term, st.hs.commit, st.applied, st.n);
	raftstore_state_release(&st);
	if (rc != RC_OK)
		return err_prefix(e, "loading range %" PRIu64, rg->id);
	return RC_OK;
}

static int node_recover(struct node *n, const uint64_t *ids, size_t n_ids,
			struct err *e)
{
	int rc;

	for (size_t i = 0; i < n_ids; i++)
		if ((rc = range_load(n, ids[i], 0, e)) != RC_OK)
			return rc;
	for (size_t i = 0; i < n->n_ranges;) {
		if (RG(n, i)->remove_pending)
			range_destroy(n, RG(n, i));
		else
			i++;
	}
	return RC_OK;
}

int node_open(struct node **out, const struct node_opts *o, struct err *e)
{
	struct transport_peer peers[NODE_MAX_PEERS];
	uint64_t *ids = NULL;
	size_t n_ids = 0, np = 0;
	struct node *n;
	int rc, self = 0;

	*out = NULL;
	if (o->n_members == 0 || o->n_members > NODE_MAX_PEERS)
		return err_set(e, RC_BAD_INPUT, "a cluster has 1 to %d nodes, "
			       "not %zu", NODE_MAX_PEERS, o->n_members);
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	n->id = o->id;
	n->heartbeat_ms = o->heartbeat_ms ? o->heartbeat_ms : 100;
	n->election_ticks = o->election_ticks ? o->election_ticks : 10;
	n->snapshot_entries = o->snapshot_entries ? o->snapshot_entries :
		10000;
	n->split_qps = o->split_qps;
	n->no_bootstrap = o->no_bootstrap;
	n->lease_reads = !o->no_lease_reads;
	pthread_mutex_init(&n->mu, NULL);
	pthread_mutex_init(&n->rx_mu, NULL);
	pthread_mutex_init(&n->st_mu, NULL);
	pthread_rwlock_init(&n->tab_lock, NULL);
	pthread_mutex_init(&n->members_mu, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&n->cv, &ca);
		pthread_cond_init(&n->rec_cv, &ca);
		pthread_cond_init(&n->rx_cv, &ca);
		pthread_condattr_destroy(&ca);
	}
	pthread_cond_init(&n->snap_cv, NULL);
	n->gc_ttl_ms = o->gc_ttl_ms ? o->gc_ttl_ms : NODE_GC_TTL_MS;
	/* the wall clock as a clock-skew drill (chaos) offsets it */
	hlc_init(&n->hlc, 0, fault_wall_ms, NULL);
	for (size_t i = 0; i < o->n_members; i++) {
		n->members[i].id = o->members[i].id;
		n->members[i].addr = strdup(o->members[i].addr);
		n->n_members++;
		if (n->members[i].addr == NULL) {
			rc = err_set(e, RC_NOMEM, "out of memory");
			goto fail;
		}
		if (o->members[i].id == o->id)
			self = 1;
		else
			peers[np++] = (struct transport_peer){
				o->members[i].id, o->members[i].addr };
	}
	if (!self) {
		rc = err_set(e, RC_BAD_INPUT, "node %" PRIu64 " is not a "
			     "member", o->id);
		goto fail;
	}
	if ((rc = node_metrics(n, o->reg, e)) != RC_OK)
		goto fail;
	if ((rc = bdb_open(o->data_dir, NULL, &n->env, e)) != RC_OK)
		goto fail;
	if ((rc = raftstore_open(n->env, &n->rs, e)) != RC_OK)
		goto fail;
	if ((rc = transport_new(&n->tp, n->id, peers, np, NULL, e)) != RC_OK)
		goto fail;
	if (o->reg != NULL &&
	    (rc = transport_register_metrics(n->tp, o->reg, e)) != RC_OK)
		goto fail;
	if ((rc = raftstore_list_ranges(n->rs, &ids, &n_ids, e)) != RC_OK)
		goto fail;
	if (n_ids == 0)
		rc = node_bootstrap(n, e);
	else
		rc = node_recover(n, ids, n_ids, e);
	free(ids);
	if (rc != RC_OK)
		goto fail;
	publish_status(n);
	if (pthread_create(&n->snapper, NULL, snap_main, n) != 0) {
		rc = err_set(e, RC_NOMEM, "cannot start the snapshot thread");
		goto fail;
	}
	n->snapper_started = 1;
	if (pthread_create(&n->loop, NULL, loop_main, n) != 0) {
		rc = err_set(e, RC_NOMEM, "cannot start the raft loop");
		goto fail;
	}
	n->loop_started = 1;
	*out = n;
	return RC_OK;
fail:
	node_close(n);
	return rc;
}

void node_close(struct node *n)
{
	struct err e;

	if (n == NULL)
		return;
	pthread_mutex_lock(&n->mu);
	if (!n->stop)
		n->stop = 1;
	pthread_cond_signal(&n->cv);
	pthread_cond_signal(&n->snap_cv);
	pthread_cond_broadcast(&n->rec_cv);
	pthread_mutex_unlock(&n->mu);
	pthread_mutex_lock(&n->rx_mu);
	n->rx_stop = 1;
	pthread_cond_broadcast(&n->rx_cv);
	pthread_mutex_unlock(&n->rx_mu);
	if (n->loop_started)
		pthread_join(n->loop, NULL);
	if (n->snapper_started)
		pthread_join(n->snapper, NULL);
	while (n->snap_todo != NULL) {
		struct snapjob *j = n->snap_todo;

		n->snap_todo = j->next;
		snapjob_free(j);
	}
	while (n->snap_done != NULL) {
		struct snapjob *j = n->snap_done;

		n->snap_done = j->next;
		snapjob_free(j);
	}
	transport_free(n->tp);
	/* nobody else runs now: fail what is left */
	while (n->reqs != NULL) {
		struct req *r = n->reqs;

		n->reqs = r->next;
		req_fail(n, r, RC_UNAVAILABLE, "raftd is shutting down");
	}
	for (size_t i = 0; i < n->inbox_n; i++)
		raftwire_msg_release(&n->inbox[i]);
	free(n->inbox);
	for (size_t i = 0; i < n->n_ranges; i++) {
		struct range *rg = RG(n, i);

		range_fail_waiters(n, rg, RC_UNAVAILABLE,
				   "raftd is shutting down");
		raft_free(rg->raft);
		mvcc_close(rg->mvcc, NULL);
		locktab_close(rg->locks, NULL);
		pthread_rwlock_destroy(&rg->mvcc_lock);
		splits_free(rg);
		for (size_t k = 0; k < rg->res_cap; k++)
			txnops_conflicts_release(&rg->res[k].tx.conflicts);
		free(rg->res);
		tscache_free(rg->tsc);
		track_free(rg->track, rg->n_track);
		pthread_mutex_destroy(&rg->track_mu);
		free(rg);
	}
	while (n->dead != NULL) {
		struct range *rg = n->dead;

		n->dead = rg->next_dead;
		pthread_rwlock_destroy(&rg->mvcc_lock);
		splits_free(rg);
		free(rg->res);
		free(rg);
	}
	free(n->ranges);
	pthread_rwlock_destroy(&n->tab_lock);
	raftstore_close(n->rs, NULL);
	if (n->env != NULL && bdb_close(n->env, &e) != RC_OK)
		log_warn("msg=\"closing the environment\" error=\"%s\"",
			 e.msg);
	for (size_t i = 0; i < n->n_members; i++)
		free((char *)n->members[i].addr);
	pthread_mutex_destroy(&n->mu);
	pthread_mutex_destroy(&n->rx_mu);
	pthread_mutex_destroy(&n->st_mu);
	pthread_cond_destroy(&n->cv);
	pthread_cond_destroy(&n->rec_cv);
	pthread_cond_destroy(&n->rx_cv);
	pthread_cond_destroy(&n->snap_cv);
	free(n);
}

int node_failed(const struct node *n)
{
	/* read without n->mu: main polls it while the loop may set it */
	return n != NULL && __atomic_load_n(&n->stop, __ATOMIC_RELAXED) == 2;
}
