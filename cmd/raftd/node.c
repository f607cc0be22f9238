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
 *	"rdbsnap1" (8 bytes) | n * ( BE32 klen | key | BE32 vlen | value |
 *	                             BE64 ts )
 *
 * i.e. every key's newest visible version at the snapshot index I: an
 * mvcc_scan (paged) at T(I), the timestamp of the last command applied at
 * or before I.  It is built off the loop by the snapshot thread while the
 * loop goes on applying (commands after I carry timestamps above T(I), so
 * they are invisible to that scan); the loop then compacts the log to I
 * and persists the snapshot, unless the range installed a leader's
 * snapshot meanwhile.  Older versions and tombstones are not kept: the KV
 * API reads only at the latest timestamp, so an image of the visible state
 * is the whole state it can observe.  Installing one replaces the range's
 * MVCC table (file removed and recreated) and sets the applied index in one
 * transaction; a crash half way is redone at start-up from the stored
 * snapshot (applied < snapshot index).
 *
 * Tested by t/100-raftd.bats and by hand (see the final report of issue 4).
 */
#include "node.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "bdb.h"
#include "hlc.h"
#include "log.h"
#include "raftstore.h"
#include "raftwire.h"
#include "transport.h"
#include "util.h"

#define CMD_VERSION	1
#define CMD_HEADER	13		/* version + ts + n_ops */
#define CMD_MAX		((size_t)32 << 20)	/* bytes of one command */
#define SNAP_MAGIC	"rdbsnap1"
#define SNAP_PAGE	1000
#define INBOX_MAX_MSGS	65536		/* messages queued for the loop */
#define CHECKPOINT_MS	60000
#define APPLY_TRIES	20		/* apply attempts lost to deadlocks */
#define SWEEP_GRACE_MS	1000		/* waiters dropped this long after
					 * their deadline */
#define N_RANGES	2

enum req_kind { REQ_PROPOSE = 1, REQ_READ };

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
	/* under node.mu: */
	int done;
	int rc;
	struct err err;
	int refs;
	pthread_cond_t cond;
	struct req *next;
};

struct range {
	uint64_t id;
	struct raft *raft;
	struct mvcc *mvcc;		/* swapped on snapshot install */
	pthread_rwlock_t mvcc_lock;	/* readers vs. install */
	char name[32];			/* "r2.data" */
	char start[16], end[16];
	size_t start_len, end_len;
	uint64_t voters[RAFT_MAX_NODES];
	size_t n_voters;
	uint64_t generation;
	uint64_t snap_gen;		/* +1 at each install; written under
					 * mvcc_lock held for writing */

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
	struct node_member members[NODE_MAX_PEERS];
	size_t n_members;
	unsigned heartbeat_ms;
	unsigned election_ticks;
	uint64_t snapshot_entries;

	struct bdb *env;
	struct raftstore *rs;
	struct transport *tp;
	struct range ranges[N_RANGES];
	size_t n_ranges;
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

	struct metrics_counter *m_proposals, *m_commits, *m_elections,
			       *m_leader_changes, *m_inbox_dropped,
			       *m_snapshots, *m_snapshots_installed;
	struct metrics_histogram *m_fsync;
};

/* ---- small helpers ------------------------------------------------------ */

static void put_be32(unsigned char *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

static void put_be64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_be64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static struct range *range_find(struct node *n, uint64_t id)
{
	for (size_t i = 0; i < n->n_ranges; i++)
		if (n->ranges[i].id == id)
			return &n->ranges[i];
	return NULL;
}

static int range_has_voter(const struct range *rg, uint64_t id)
{
	for (size_t i = 0; i < rg->n_voters; i++)
		if (rg->voters[i] == id)
			return 1;
	return 0;
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

static void req_unref_locked(struct req *r)
{
	if (--r->refs > 0)
		return;
	pthread_cond_destroy(&r->cond);
	free(r->cmd);
	free(r);
}

/* Loop side: finish r with rc (and e's message) and drop the loop's ref. */
static void req_complete(struct node *n, struct req *r, int rc,
			 const struct err *e)
{
	pthread_mutex_lock(&n->mu);
	r->done = 1;
	r->rc = rc;
	if (rc != RC_OK && e != NULL)
		r->err = *e;
	else
		err_clear(&r->err);
	r->err.code = rc;
	pthread_cond_signal(&r->cond);
	req_unref_locked(r);
	pthread_mutex_unlock(&n->mu);
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
	r->kind = kind;
	r->range_id = range_id;
	r->refs = 2;		/* the caller and the loop */
	r->deadline_ms = util_mono_ms() + NODE_WAIT_MS;
	return r;
}

/* API side: queue r for the loop and wait until done or the deadline. */
static int req_submit_wait(struct node *n, struct req *r, struct err *e)
{
	struct timespec ts;
	int rc;

	abs_deadline(NODE_WAIT_MS, &ts);
	pthread_mutex_lock(&n->mu);
	if (n->stop) {
		r->refs = 1;
		req_unref_locked(r);
		pthread_mutex_unlock(&n->mu);
		return err_set(e, RC_UNAVAILABLE, "raftd is shutting down");
	}
	if (n->reqs_tail != NULL)
		n->reqs_tail->next = r;
	else
		n->reqs = r;
	n->reqs_tail = r;
	pthread_cond_signal(&n->cv);
	while (!r->done) {
		if (pthread_cond_timedwait(&r->cond, &n->mu, &ts) == ETIMEDOUT)
			break;
	}
	if (r->done) {
		rc = r->rc;
		if (rc != RC_OK && e != NULL)
			*e = r->err;
	} else if (r->kind == REQ_PROPOSE) {
		rc = err_set(e, RC_TIMEOUT,
			     "write not applied within %d ms; it may still "
			     "take effect", NODE_WAIT_MS);
	} else {
		rc = err_set(e, RC_TIMEOUT,
			     "read not confirmed by a quorum within %d ms; "
			     "retry", NODE_WAIT_MS);
	}
	req_unref_locked(r);
	pthread_mutex_unlock(&n->mu);
	return rc;
}

/* Fail every waiter of rg (leadership lost, shutdown). */
static void range_fail_waiters(struct node *n, struct range *rg, int rc,
			       const char *why)
{
	struct req *r, *next;

	for (r = rg->props; r != NULL; r = next) {
		next = r->next;
		req_fail(n, r, rc, "%s (range %" PRIu64 "); the write may or "
			 "may not take effect", why, rg->id);
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
		if (ops[i].kind != NODE_OP_PUT && ops[i].kind != NODE_OP_DELETE)
			return err_set(e, RC_BAD_INPUT, "bad operation kind");
		if (ops[i].klen == 0)
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
		if (ops[i].kind == NODE_OP_PUT)
			total += 4 + ops[i].vlen;
		if (total > CMD_MAX)
			return err_set(e, RC_TOO_LARGE,
				       "write of more than %zu bytes", CMD_MAX);
	}
	buf = malloc(total);
	if (buf == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	buf[0] = CMD_VERSION;
	put_be64(buf + 1, 0);	/* the leader stamps it */
	put_be32(buf + 9, (uint32_t)n_ops);
	p = buf + CMD_HEADER;
	for (i = 0; i < n_ops; i++) {
		*p++ = (unsigned char)ops[i].kind;
		put_be32(p, (uint32_t)ops[i].klen);
		p += 4;
		memcpy(p, ops[i].key, ops[i].klen);
		p += ops[i].klen;
		if (ops[i].kind == NODE_OP_PUT) {
			put_be32(p, (uint32_t)ops[i].vlen);
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
	return get_be64(p + 1);
}

/*
 * Apply one command in txn.  RC_CORRUPT for a command that does not
 * decode (nothing of it is written: it is checked first).
 */
static int cmd_apply(struct range *rg, struct bdb_txn *txn,
		     const unsigned char *p, size_t len, struct err *e)
{
	uint64_t ts;
	uint32_t n_ops, i;
	size_t off;
	int pass, rc;

	if (len < CMD_HEADER || p[0] != CMD_VERSION)
		return err_set(e, RC_CORRUPT, "unknown command format");
	ts = get_be64(p + 1);
	n_ops = get_be32(p + 9);
	if (ts == 0)
		return err_set(e, RC_CORRUPT, "command without timestamp");
	for (pass = 0; pass < 2; pass++) {
		off = CMD_HEADER;
		for (i = 0; i < n_ops; i++) {
			uint32_t klen, vlen = 0;
			const unsigned char *key, *val = NULL;
			int kind;

			if (len - off < 5)
				return err_set(e, RC_CORRUPT, "short command");
			kind = p[off];
			klen = get_be32(p + off + 1);
			off += 5;
			if (len - off < klen)
				return err_set(e, RC_CORRUPT, "short key");
			key = p + off;
			off += klen;
			if (kind == NODE_OP_PUT) {
				if (len - off < 4)
					return err_set(e, RC_CORRUPT,
						       "short command");
				vlen = get_be32(p + off);
				off += 4;
				if (len - off < vlen)
					return err_set(e, RC_CORRUPT,
						       "short value");
				val = p + off;
				off += vlen;
			} else if (kind != NODE_OP_DELETE) {
				return err_set(e, RC_CORRUPT,
					       "unknown operation %d", kind);
			}
			if (pass == 0)
				continue;
			if (kind == NODE_OP_PUT)
				rc = mvcc_put(rg->mvcc, txn, key, klen, ts,
					      val, vlen, e);
			else
				rc = mvcc_delete(rg->mvcc, txn, key, klen, ts,
						 e);
			if (rc != RC_OK)
				return rc;
		}
		if (pass == 0 && off != len)
			return err_set(e, RC_CORRUPT,
				       "trailing bytes in command");
	}
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
 * Snapshot thread: serialize rg's visible MVCC state at ts (the state at
 * the applied index whose last command had timestamp ts; 0: no command,
 * an empty table).  The loop keeps applying meanwhile, but only versions
 * above ts.  mvcc_lock is held for reading one page at a time, so an
 * install waits for at most one page; RC_CONFLICT when an install replaced
 * the table since gen (the image would be of the wrong table),
 * RC_UNAVAILABLE when the node is stopping.
 */
static int snap_build(struct node *n, struct range *rg, uint64_t ts,
		      uint64_t gen, void **out, size_t *len, struct err *e)
{
	struct mvcc_scan_result res;
	struct buf b = { NULL, 0, 0 };
	void *start = NULL;
	size_t slen = 0;
	unsigned char hdr[8];
	int rc;

	memset(&res, 0, sizeof(res));
	if (buf_add(&b, SNAP_MAGIC, 8) != RC_OK)
		goto nomem;
	while (ts != 0) {
		if (node_stopping(n)) {
			rc = err_set(e, RC_UNAVAILABLE, "raftd is shutting "
				     "down");
		} else {
			pthread_rwlock_rdlock(&rg->mvcc_lock);
			if (rg->snap_gen != gen || rg->mvcc == NULL)
				rc = err_set(e, RC_CONFLICT, "range %" PRIu64
					     " installed a snapshot meanwhile",
					     rg->id);
			else
				rc = mvcc_scan(rg->mvcc, NULL, start, slen,
					       NULL, 0, ts, SNAP_PAGE, &res,
					       e);
			pthread_rwlock_unlock(&rg->mvcc_lock);
		}
		free(start);
		start = NULL;
		if (rc != RC_OK) {
			mvcc_scan_result_release(&res);
			free(b.p);
			return rc;
		}
		for (size_t i = 0; i < res.n; i++) {
			struct mvcc_kv *kv = &res.items[i];

			put_be32(hdr, (uint32_t)kv->klen);
			if (buf_add(&b, hdr, 4) || buf_add(&b, kv->key,
							   kv->klen))
				goto nomem;
			put_be32(hdr, (uint32_t)kv->vlen);
			if (buf_add(&b, hdr, 4) ||
			    buf_add(&b, kv->val, kv->vlen))
				goto nomem;
			put_be64(hdr, kv->ts);
			if (buf_add(&b, hdr, 8))
				goto nomem;
		}
		if (!res.more)
			break;
		start = res.resume_key;
		slen = res.resume_klen;
		res.resume_key = NULL;
		mvcc_scan_result_release(&res);
	}
	mvcc_scan_result_release(&res);
	*out = b.p;
	*len = b.len;
	return RC_OK;
nomem:
	mvcc_scan_result_release(&res);
	free(start);
	free(b.p);
	return err_set(e, RC_NOMEM, "out of memory building a snapshot");
}

/* Check snapshot data before anything is replaced. */
static int snap_check(const unsigned char *p, size_t len, struct err *e)
{
	size_t off = 8;

	if (len == 0)
		return RC_OK;	/* an empty image: empty table */
	if (len < 8 || memcmp(p, SNAP_MAGIC, 8) != 0)
		return err_set(e, RC_CORRUPT, "snapshot data has a bad header");
	while (off < len) {
		uint32_t klen, vlen;

		if (len - off < 4)
			return err_set(e, RC_CORRUPT, "snapshot data cut");
		klen = get_be32(p + off);
		off += 4;
		if (len - off < (size_t)klen + 4)
			return err_set(e, RC_CORRUPT, "snapshot data cut");
		off += klen;
		vlen = get_be32(p + off);
		off += 4;
		if (len - off < (size_t)vlen + 8)
			return err_set(e, RC_CORRUPT, "snapshot data cut");
		off += (size_t)vlen + 8;
	}
	return RC_OK;
}

/* The newest version's ts in checked snapshot data (0 when empty). */
static uint64_t snap_max_ts(const unsigned char *p, size_t len)
{
	uint64_t max = 0, ts;
	size_t off = 8;

	while (len > 0 && off < len) {
		off += 4 + (size_t)get_be32(p + off);
		off += 4 + (size_t)get_be32(p + off);
		ts = get_be64(p + off);
		off += 8;
		if (ts > max)
			max = ts;
	}
	return max;
}

/*
 * Replace rg's MVCC table by the image in data and set the applied index
 * to index, in one transaction (after the table file is recreated).
 */
static int snap_install(struct node *n, struct range *rg, uint64_t index,
			const unsigned char *p, size_t len, struct err *e)
{
	struct bdb_txn *txn = NULL;
	size_t off = 8;
	int rc;

	if ((rc = snap_check(p, len, e)) != RC_OK)
		return rc;
	pthread_rwlock_wrlock(&rg->mvcc_lock);
	rg->snap_gen++;		/* builds of the old table are void */
	mvcc_close(rg->mvcc, NULL);
	rg->mvcc = NULL;
	rc = bdb_db_remove(n->env, NULL, rg->name, e);
	if (rc != RC_OK && rc != RC_NOT_FOUND)
		goto out;
	if ((rc = mvcc_open(n->env, rg->name, &rg->mvcc, e)) != RC_OK)
		goto out;
	if ((rc = bdb_txn_begin(n->env, 0, &txn, e)) != RC_OK)
		goto out;
	while (len > 0 && off < len) {
		uint32_t klen, vlen;
		const unsigned char *key, *val;
		uint64_t ts;

		klen = get_be32(p + off);
		key = p + off + 4;
		off += 4 + (size_t)klen;
		vlen = get_be32(p + off);
		val = p + off + 4;
		off += 4 + (size_t)vlen;
		ts = get_be64(p + off);
		off += 8;
		if ((rc = mvcc_put(rg->mvcc, txn, key, klen, ts, val, vlen,
				   e)) != RC_OK)
			goto out;
	}
	if ((rc = raftstore_set_applied(n->rs, txn, rg->id, index, e)) !=
	    RC_OK)
		goto out;
	rc = bdb_txn_commit(txn, e);
	txn = NULL;
out:
	if (txn != NULL)
		bdb_txn_abort(txn, NULL);
	pthread_rwlock_unlock(&rg->mvcc_lock);
	if (rc == RC_OK)
		rg->applied_ts = snap_max_ts(p, len);
	if (rc == RC_OK && len > 0) {
		metrics_counter_inc(n->m_snapshots_installed);
		log_info("msg=\"snapshot installed\" range=%" PRIu64
			 " index=%" PRIu64 " bytes=%zu", rg->id, index, len);
	}
	return rc;
}

static void snapjob_free(struct snapjob *j)
{
	if (j == NULL)
		return;
	free(j->data);
	free(j);
}

/* The snapshot thread: build queued images, post them to the loop. */
static void *snap_main(void *arg)
{
	struct node *n = arg;
	struct snapjob *j;

	pthread_mutex_lock(&n->mu);
	for (;;) {
		while (!n->stop && n->snap_todo == NULL)
			pthread_cond_wait(&n->snap_cv, &n->mu);
		if (n->stop)
			break;
		j = n->snap_todo;
		n->snap_todo = j->next;
		j->next = NULL;
		pthread_mutex_unlock(&n->mu);
		err_clear(&j->err);
		j->build_ms = util_mono_ms();
		j->rc = snap_build(n, j->rg, j->ts, j->gen, &j->data, &j->len,
				   &j->err);
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
	if (st.applied < st.snapshot_index + n->snapshot_entries ||
	    st.applied <= st.snapshot_index)
		return RC_OK;
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

	rg->snap_busy = 0;
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

/* ---- range descriptors -------------------------------------------------- */

static int desc_encode(const struct range *rg, char **out, size_t *len,
		       struct err *e)
{
	json_t *j, *reps;

	reps = json_array();
	if (reps == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	for (size_t i = 0; i < rg->n_voters; i++)
		json_array_append_new(reps,
				      json_integer((json_int_t)rg->voters[i]));
	j = json_pack("{s:I, s:s%, s:s%, s:o, s:I}", "range_id",
		      (json_int_t)rg->id, "start", rg->start, rg->start_len,
		      "end", rg->end, rg->end_len, "replicas", reps,
		      "generation", (json_int_t)rg->generation);
	if (j == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	if (json_dumpb(j, NULL, 0, JSON_COMPACT) == 0) {
		json_decref(j);
		return err_set(e, RC_INTERNAL, "cannot encode descriptor");
	}
	*out = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (*out == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	*len = strlen(*out);
	return RC_OK;
}

static int desc_decode(struct range *rg, const void *data, size_t len,
		       struct err *e)
{
	json_error_t je;
	json_t *j, *reps, *v;
	json_int_t id, gen;
	const char *s, *t;
	size_t sl, tl, i;

	j = json_loadb(data, len, 0, &je);
	if (j == NULL)
		return err_set(e, RC_CORRUPT, "range %" PRIu64 ": bad "
			       "descriptor: %s", rg->id, je.text);
	if (json_unpack_ex(j, &je, 0, "{s:I, s:s%, s:s%, s:o, s:I}",
			   "range_id", &id, "start", &s, &sl, "end", &t, &tl,
			   "replicas", &reps, "generation", &gen) != 0 ||
	    (uint64_t)id != rg->id || sl >= sizeof(rg->start) ||
	    tl >= sizeof(rg->end) || !json_is_array(reps) ||
	    json_array_size(reps) == 0 ||
	    json_array_size(reps) > RAFT_MAX_NODES) {
		json_decref(j);
		return err_set(e, RC_CORRUPT, "range %" PRIu64 ": bad "
			       "descriptor", rg->id);
	}
	memcpy(rg->start, s, sl);
	rg->start[sl] = '\0';
	rg->start_len = sl;
	memcpy(rg->end, t, tl);
	rg->end[tl] = '\0';
	rg->end_len = tl;
	rg->generation = (uint64_t)gen;
	rg->n_voters = 0;
	json_array_foreach(reps, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) <= 0) {
			json_decref(j);
			return err_set(e, RC_CORRUPT, "range %" PRIu64 ": bad "
				       "replica in descriptor", rg->id);
		}
		rg->voters[rg->n_voters++] = (uint64_t)json_integer_value(v);
	}
	json_decref(j);
	return RC_OK;
}

/* ---- the ready cycle ---------------------------------------------------- */

static void node_fatal(struct node *n, const struct err *e)
{
	log_error("msg=\"storage failed; stopping\" error=\"%s\"", e->msg);
	pthread_mutex_lock(&n->mu);
	n->stop = 2;
	pthread_mutex_unlock(&n->mu);
	kill(getpid(), SIGTERM);
}

/*
 * One attempt at writing rd.committed of rg and the applied index in one
 * transaction (the caller holds mvcc_lock for reading).  RC_CONFLICT when
 * Berkeley DB chose this transaction as a deadlock victim (e.g. against
 * the snapshot thread's or an API thread's scan): nothing was written.
 */
static int range_apply_once(struct node *n, struct range *rg, int log_bad,
			    struct err *e)
{
	const struct raft_ready *rd = &rg->rd;
	struct bdb_txn *txn = NULL;
	struct err ce;
	uint64_t last;
	int rc;

	if ((rc = bdb_txn_begin(n->env, BDB_TXN_NOSYNC, &txn, e)) != RC_OK)
		return rc;
	for (size_t i = 0; i < rd->n_committed; i++) {
		const struct raft_entry *en = &rd->committed[i];

		if (en->type != RAFT_ENTRY_NORMAL || en->len == 0)
			continue;
		rc = cmd_apply(rg, txn, en->data, en->len, &ce);
		if (rc == RC_CORRUPT) {
			if (log_bad)
				log_error("msg=\"skipping a command that does "
					  "not decode\" range=%" PRIu64
					  " index=%" PRIu64 " error=\"%s\"",
					  rg->id, en->index, ce.msg);
		} else if (rc != RC_OK) {
			*e = ce;
			goto out;
		}
	}
	last = rd->committed[rd->n_committed - 1].index;
	if ((rc = raftstore_set_applied(n->rs, txn, rg->id, last, e)) != RC_OK)
		goto out;
	rc = bdb_txn_commit(txn, e);
	txn = NULL;
out:
	if (txn != NULL)
		bdb_txn_abort(txn, NULL);
	return rc;
}

/*
 * Apply rd.committed of rg in one transaction; complete proposals.  A
 * transaction lost to a deadlock is retried (re-applying is idempotent).
 */
static int range_apply(struct node *n, struct range *rg, struct err *e)
{
	const struct raft_ready *rd = &rg->rd;
	int rc, tries = 0;

	if (rd->n_committed == 0)
		return RC_OK;
	pthread_rwlock_rdlock(&rg->mvcc_lock);
	while ((rc = range_apply_once(n, rg, tries == 0, e)) == RC_CONFLICT &&
	       ++tries < APPLY_TRIES)
		log_debug("msg=\"apply lost a deadlock; retrying\" range=%"
			  PRIu64 " try=%d", rg->id, tries);
	pthread_rwlock_unlock(&rg->mvcc_lock);
	if (rc != RC_OK)
		return rc;
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
	/* proposals: in index order, as are the entries */
	for (size_t i = 0; i < rd->n_committed; i++) {
		const struct raft_entry *en = &rd->committed[i];

		while (rg->props != NULL && rg->props->index <= en->index) {
			struct req *r = rg->props;

			rg->props = r->next;
			if (rg->props == NULL)
				rg->props_tail = NULL;
			if (r->index == en->index && r->term == en->term)
				req_complete(n, r, RC_OK, NULL);
			else
				req_fail(n, r, RC_NOT_LEADER,
					 "leadership changed before the write "
					 "committed; it did not take effect");
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
		if (r->read_index != 0 && r->read_index <= applied) {
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
		struct range *rg = &n->ranges[i];

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
		struct range *rg = &n->ranges[i];

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

			if ((rc = desc_encode(rg, &d, &dl, e)) != RC_OK)
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
		struct range *rg = &n->ranges[i];
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
	return RC_OK;
fail:
	raftstore_batch_abort(b, NULL);
	bdb_txn_abort(txn, NULL);
	for (i = 0; i < n->n_ranges; i++)
		if (n->ranges[i].in_ready) {
			/* storage is broken: the node stops; leave raft be */
			n->ranges[i].in_ready = 0;
		}
	return rc;
}

/* ---- the loop ----------------------------------------------------------- */

static void handle_req(struct node *n, struct req *r)
{
	struct range *rg = range_find(n, r->range_id);
	struct raft_status st;
	struct err e;
	int rc;

	if (rg == NULL) {
		req_fail(n, r, RC_NOT_FOUND, "no range %" PRIu64 " on node %"
			 PRIu64, r->range_id, n->id);
		return;
	}
	raft_status(rg->raft, &st);
	if (st.role != RAFT_LEADER) {
		req_fail(n, r, RC_NOT_LEADER, "node %" PRIu64 " is not the "
			 "leader of range %" PRIu64, n->id, rg->id);
		return;
	}
	if (r->kind == REQ_PROPOSE) {
		put_be64(r->cmd + 1, hlc_now(&n->hlc));
		rc = raft_propose(rg->raft, r->cmd, r->cmd_len, &r->index,
				  &r->term, &e);
		if (rc != RC_OK) {
			req_complete(n, r, rc, &e);
			return;
		}
		metrics_counter_inc(n->m_proposals);
		r->next = NULL;
		if (rg->props_tail != NULL)
			rg->props_tail->next = r;
		else
			rg->props = r;
		rg->props_tail = r;
	} else {
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

/* Publish each range's status for the API threads; track changes. */
static void publish_status(struct node *n)
{
	for (size_t i = 0; i < n->n_ranges; i++) {
		struct range *rg = &n->ranges[i];
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
		if (rg->last_role == RAFT_LEADER && st.role != RAFT_LEADER)
			range_fail_waiters(n, rg, RC_NOT_LEADER,
					   "leadership lost");
		rg->last_role = st.role;
		rg->last_leader = st.leader;
		memset(&s, 0, sizeof(s));
		s.range_id = rg->id;
		memcpy(s.start, rg->start, sizeof(s.start));
		memcpy(s.end, rg->end, sizeof(s.end));
		s.start_len = rg->start_len;
		s.end_len = rg->end_len;
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

static void *loop_main(void *arg)
{
	struct node *n = arg;
	uint64_t tick_ms = n->heartbeat_ms, next_tick, next_ckpt, now;
	struct raft_msg *msgs = NULL;
	size_t n_msgs, cap_msgs = 0;
	struct req *reqs;
	struct snapjob *done;
	struct err e;

	now = util_mono_ms();
	next_tick = now + tick_ms;
	next_ckpt = now + CHECKPOINT_MS;
	for (;;) {
		struct timespec ts;

		pthread_mutex_lock(&n->mu);
		while (!n->stop && n->inbox_n == 0 && n->reqs == NULL &&
		       n->snap_done == NULL) {
			now = util_mono_ms();
			if (now >= next_tick)
				break;
			abs_deadline(next_tick - now, &ts);
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
		pthread_mutex_unlock(&n->mu);

		for (size_t i = 0; i < n_msgs; i++) {
			struct range *rg = range_find(n, msgs[i].group);

			if (rg != NULL &&
			    raft_step(rg->raft, &msgs[i], &e) != RC_OK)
				log_debug("msg=\"raft refused a message\" "
					  "range=%" PRIu64 " from=%" PRIu64
					  " error=\"%s\"", rg->id,
					  msgs[i].from, e.msg);
			raftwire_msg_release(&msgs[i]);
		}
		while (reqs != NULL) {
			struct req *r = reqs;

			reqs = r->next;
			r->next = NULL;
			handle_req(n, r);
		}
		now = util_mono_ms();
		if (now >= next_tick) {
			for (size_t i = 0; i < n->n_ranges; i++) {
				raft_tick(n->ranges[i].raft);
				range_sweep(n, &n->ranges[i], now);
			}
			next_tick += tick_ms;
			if (next_tick <= now)
				next_tick = now + tick_ms;
		}
		if (ready_all(n, 0, &e) != RC_OK) {
			node_fatal(n, &e);
			break;
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
		for (size_t i = 0; i < n->n_ranges; i++)
			if (range_maybe_compact(n, &n->ranges[i], now, &e) !=
			    RC_OK)
				log_error("msg=\"cannot compact the log\" "
					  "range=%" PRIu64 " error=\"%s\"",
					  n->ranges[i].id, e.msg);
		publish_status(n);
		if (now >= next_ckpt) {
			if (bdb_checkpoint(n->env, &e) != RC_OK)
				log_warn("msg=\"checkpoint failed\" "
					 "error=\"%s\"", e.msg);
			next_ckpt = now + CHECKPOINT_MS;
		}
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
			return err_set(e, RC_BAD_INPUT, "msgs[%zu]: node %"
				       PRIu64 " has no range %" PRIu64, i,
				       n->id, m->group);
		if (m->to != n->id)
			return err_set(e, RC_BAD_INPUT, "msgs[%zu]: addressed "
				       "to node %" PRIu64 ", this is node %"
				       PRIu64, i, m->to, n->id);
		if (!range_has_voter(rg, m->from))
			return err_set(e, RC_BAD_INPUT, "msgs[%zu]: node %"
				       PRIu64 " is not a member of range %"
				       PRIu64, i, m->from, m->group);
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
		if (n->inbox_n >= n->inbox_cap ||
		    msg_copy(&n->inbox[n->inbox_n], &msgs[i]) != RC_OK) {
			dropped++;
			continue;
		}
		n->inbox_n++;
	}
	pthread_cond_signal(&n->cv);
	pthread_mutex_unlock(&n->mu);
	if (dropped > 0)
		metrics_counter_add(n->m_inbox_dropped, dropped);
	return RC_OK;
}

/* ---- API entry points --------------------------------------------------- */

int node_write(struct node *n, uint64_t range_id, const struct node_op *ops,
	       size_t n_ops, struct err *e)
{
	struct req *r;
	int rc;

	r = req_new(REQ_PROPOSE, range_id);
	if (r == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	rc = cmd_encode(ops, n_ops, &r->cmd, &r->cmd_len, e);
	if (rc != RC_OK) {
		pthread_mutex_lock(&n->mu);
		r->refs = 1;
		req_unref_locked(r);
		pthread_mutex_unlock(&n->mu);
		return rc;
	}
	return req_submit_wait(n, r, e);
}

int node_read_barrier(struct node *n, uint64_t range_id, struct err *e)
{
	struct req *r = req_new(REQ_READ, range_id);

	if (r == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	return req_submit_wait(n, r, e);
}

int node_get(struct node *n, uint64_t range_id, const void *key, size_t klen,
	     void **val, size_t *vlen, struct err *e)
{
	struct range *rg = range_find(n, range_id);
	int rc;

	if (rg == NULL)
		return err_set(e, RC_NOT_FOUND, "no range %" PRIu64, range_id);
	pthread_rwlock_rdlock(&rg->mvcc_lock);
	rc = mvcc_get(rg->mvcc, NULL, key, klen, UINT64_MAX, val, vlen, NULL,
		      e);
	pthread_rwlock_unlock(&rg->mvcc_lock);
	return rc;
}

int node_scan(struct node *n, uint64_t range_id, const void *start,
	      size_t slen, const void *end, size_t elen, size_t limit,
	      struct mvcc_scan_result *res, struct err *e)
{
	struct range *rg = range_find(n, range_id);
	int rc;

	memset(res, 0, sizeof(*res));
	if (rg == NULL)
		return err_set(e, RC_NOT_FOUND, "no range %" PRIu64, range_id);
	pthread_rwlock_rdlock(&rg->mvcc_lock);
	rc = mvcc_scan(rg->mvcc, NULL, start, slen, end, elen, UINT64_MAX,
		       limit, res, e);
	pthread_rwlock_unlock(&rg->mvcc_lock);
	return rc;
}

size_t node_range_count(struct node *n)
{
	return n->n_ranges;
}

int node_range_status(struct node *n, size_t i, struct node_range_status *st)
{
	if (i >= n->n_ranges)
		return RC_NOT_FOUND;
	pthread_mutex_lock(&n->st_mu);
	*st = n->ranges[i].st;
	pthread_mutex_unlock(&n->st_mu);
	return RC_OK;
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

uint64_t node_id(const struct node *n)
{
	return n->id;
}

const char *node_member_addr(const struct node *n, uint64_t id)
{
	for (size_t i = 0; i < n->n_members; i++)
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
	C(m_leader_changes, "raftd_leader_changes_total",
	  "Times this node saw a range's leader change.");
	C(m_inbox_dropped, "raftd_inbox_dropped_total",
	  "Raft messages from peers dropped because the inbox was full.");
	C(m_snapshots, "raftd_snapshots_total",
	  "Log compactions (snapshots taken) on this node.");
	C(m_snapshots_installed, "raftd_snapshots_installed_total",
	  "Snapshots received from a leader and installed.");
#undef C
	return metrics_histogram(reg, "raftd_fsync_seconds",
				 "Duration of group-commit syncs of the Raft "
				 "log.", NULL, NULL, metrics_latency_bounds,
				 METRICS_LATENCY_NBOUNDS, &n->m_fsync, e);
}

static int range_init(struct node *n, struct range *rg, uint64_t id,
		      struct err *e)
{
	rg->id = id;
	snprintf(rg->name, sizeof(rg->name), "r%" PRIu64 ".data", id);
	pthread_rwlock_init(&rg->mvcc_lock, NULL);
	n->n_ranges++;
	return mvcc_open(n->env, rg->name, &rg->mvcc, e);
}

static int range_raft_new(struct node *n, struct range *rg, uint64_t applied,
			  struct err *e)
{
	struct raft_config c;

	raft_config_default(&c);
	c.id = n->id;
	c.group = rg->id;
	c.election_ticks = n->election_ticks;
	c.heartbeat_ticks = 1;
	c.seed = (uint64_t)getpid() * 1000003u ^ util_mono_ns() ^ rg->id;
	c.applied = applied;
	c.log = raft_log_cb;
	c.log_arg = rg;
	return raft_new(&c, &rg->raft, e);
}

static int node_bootstrap(struct node *n, struct err *e)
{
	struct raft_conf conf;
	int rc;

	memset(&conf, 0, sizeof(conf));
	for (size_t i = 0; i < n->n_members; i++)
		conf.m[conf.n++].id = n->members[i].id;
	for (uint64_t id = 1; id <= N_RANGES; id++) {
		struct range *rg = &n->ranges[id - 1];

		if ((rc = range_init(n, rg, id, e)) != RC_OK)
			return rc;
		if (id == NODE_META_RANGE) {
			rg->start[0] = 0x01;
			rg->end[0] = 0x02;
			rg->start_len = rg->end_len = 1;
		} else {
			rg->start[0] = 0x02;	/* to the end of keys */
			rg->start_len = 1;
		}
		rg->generation = 1;
		for (size_t i = 0; i < conf.n; i++)
			rg->voters[rg->n_voters++] = conf.m[i].id;
		if ((rc = range_raft_new(n, rg, 0, e)) != RC_OK)
			return rc;
		if ((rc = raft_bootstrap(rg->raft, &conf, e)) != RC_OK)
			return rc;
	}
	log_info("msg=\"bootstrapped ranges 1 and 2\" voters=%zu",
		 n->n_members);
	return ready_all(n, 1, e);
}

static int node_recover(struct node *n, const uint64_t *ids, size_t n_ids,
			struct err *e)
{
	int rc = RC_OK;

	if (n_ids > N_RANGES)
		return err_set(e, RC_CORRUPT, "data dir holds %zu ranges; "
			       "this raftd knows only ranges 1 and 2", n_ids);
	for (size_t i = 0; i < n_ids; i++) {
		struct range *rg = &n->ranges[i];
		struct raftstore_state st;

		if ((rc = range_init(n, rg, ids[i], e)) != RC_OK)
			return rc;
		rc = raftstore_load(n->rs, rg->id, &st, e);
		if (rc == RC_OK && st.meta == NULL)
			rc = err_set(e, RC_CORRUPT, "range %" PRIu64 " has no "
				     "descriptor", rg->id);
		if (rc == RC_OK)
			rc = desc_decode(rg, st.meta, st.meta_len, e);
		if (rc == RC_OK && st.has_snapshot &&
		    st.applied < st.snap.index) {
			log_info("msg=\"re-installing snapshot\" range=%"
				 PRIu64 " index=%" PRIu64, rg->id,
				 st.snap.index);
			rc = snap_install(n, rg, st.snap.index, st.snap.data,
					  st.snap.len, e);
			if (rc == RC_OK)
				st.applied = st.snap.index;
		}
		if (rc == RC_OK && st.has_snapshot) {
			/* T(applied): the image, then commands up to it */
			uint64_t ts;

			if (snap_check(st.snap.data, st.snap.len, e) !=
			    RC_OK) {
				rc = err_prefix(e, "stored snapshot");
			} else {
				ts = snap_max_ts(st.snap.data, st.snap.len);
				if (ts > rg->applied_ts)
					rg->applied_ts = ts;
			}
		}
		if (rc == RC_OK)
			for (size_t k = 0; k < st.n; k++) {
				uint64_t ts = cmd_ts(st.ents[k].data,
						     st.ents[k].len);

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
				uint64_t ts = cmd_ts(st.ents[k].data,
						     st.ents[k].len);

				if (ts != 0)
					hlc_floor(&n->hlc, ts);
			}
		if (rc == RC_OK)
			log_info("msg=\"recovered range\" range=%" PRIu64
				 " term=%" PRIu64 " commit=%" PRIu64
				 " applied=%" PRIu64 " entries=%zu", rg->id,
				 st.hs.term, st.hs.commit, st.applied, st.n);
		raftstore_state_release(&st);
		if (rc != RC_OK)
			return err_prefix(e, "recovering range %" PRIu64,
					  rg->id);
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
	pthread_mutex_init(&n->mu, NULL);
	pthread_mutex_init(&n->st_mu, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&n->cv, &ca);
		pthread_condattr_destroy(&ca);
	}
	pthread_cond_init(&n->snap_cv, NULL);
	hlc_init(&n->hlc, 0, NULL, NULL);
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
	for (size_t i = 0; i < n->n_ranges; i++)
		n->ranges[i].last_role = -1;
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
	pthread_mutex_unlock(&n->mu);
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
		struct range *rg = &n->ranges[i];

		range_fail_waiters(n, rg, RC_UNAVAILABLE,
				   "raftd is shutting down");
		raft_free(rg->raft);
		mvcc_close(rg->mvcc, NULL);
		pthread_rwlock_destroy(&rg->mvcc_lock);
	}
	raftstore_close(n->rs, NULL);
	if (n->env != NULL && bdb_close(n->env, &e) != RC_OK)
		log_warn("msg=\"closing the environment\" error=\"%s\"",
			 e.msg);
	for (size_t i = 0; i < n->n_members; i++)
		free((char *)n->members[i].addr);
	pthread_mutex_destroy(&n->mu);
	pthread_mutex_destroy(&n->st_mu);
	pthread_cond_destroy(&n->cv);
	pthread_cond_destroy(&n->snap_cv);
	free(n);
}

int node_failed(const struct node *n)
{
	return n != NULL && n->stop == 2;
}
