/*
 * txn.c -- txcoord's transaction engine (see txn.h for the model and the
 * guarantees; the issue 6 spec, sections 0 and 4, for the protocol).
 *
 * Layout: engine state and metrics; pushing foreign intents (with the
 * deadlock rule); reads; commit (1PC, 2PC, refresh, record, commit
 * wait); the transaction's life cycle; one-shot runs; the session table
 * and its idle reaper.  Calls to range leaders go through txnrpc.c, the
 * heartbeats and asynchronous resolution through txnbg.c, the write
 * buffer and read set are txnbuf.c's.
 *
 * Tested in t/unit/txn_test.c.
 */
#include "txn.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "desc.h"
#include "hlc.h"
#include "keys.h"
#include "log.h"
#include "metrics.h"
#include "router.h"
#include "tso.h"
#include "txnbg.h"
#include "txnbuf.h"
#include "txnrpc.h"
#include "txnwire.h"
#include "util.h"

#define TXN_KEY_MAX		(64u * 1024)	/* = MVCC_KEY_MAX */
#define TXN_VALUE_MAX		(1u << 20)	/* = raftd's PUT /kv limit */
#define TXN_KEY_FIRST		0x02	/* user keys start here; below: meta */
#define TXN_MAX_ROUNDS		64	/* sends of one request (locks...) */
#define TXN_PLAN_ROUNDS		4	/* re-plans after ranges moved */
#define TXN_WAIT_MS_MAX		2000	/* one push's wait (spec: <= 2000) */
#define TXN_PUSH_NAP_MS		20	/* nap when a push did not wait */
#define TXN_MISSING_NAP_MS	2	/* nap before looking again at an
					 * intent whose record is missing */
#define TXN_COMMIT_WAIT_MAX_MS	5000	/* commit wait bound */
#define TXN_RECORD_TRIES	3	/* record commit sends when in doubt */
#define TXN_BUCKETS		4096	/* session table */
#define TXN_BACKOFF_MS		2	/* one-shot: first backoff */
#define TXN_BACKOFF_MAX_MS	1000

enum txn_state {
	TXN_ACTIVE = 0,
	TXN_COMMITTING,
	TXN_COMMITTED,
	TXN_ABORTED,
	TXN_UNKNOWN
};

/* Abort reasons: the label values of txcoord_aborts_total. */
enum txn_reason {
	R_CONFLICT = 0,
	R_DEADLOCK,
	R_EXPIRED,
	R_REFRESH,
	R_CLIENT,
	R_ERROR,
	R__COUNT
};

static const char *const reason_names[R__COUNT] = {
	"conflict", "deadlock", "expired", "refresh", "client", "error"
};

enum commit_kind { K_1PC = 0, K_2PC, K_READONLY, K__COUNT };

static const char *const kind_names[K__COUNT] = { "1pc", "2pc", "readonly" };

struct txn_engine {
	struct tso *tso;
	struct router *router;
	struct txnbg *bg;
	unsigned timeout_ms, hb_ms, idle_ms, max_retries, ride_wait_ms;

	struct metrics_counter *m_commits[K__COUNT];
	struct metrics_counter *m_aborts[R__COUNT];
	struct metrics_counter *m_retries, *m_unknown, *m_pushes;
	struct metrics_histogram *m_seconds;
	struct metrics_gauge *m_open;

	atomic_uint_fast64_t commits[K__COUNT];
	atomic_uint_fast64_t aborts, retries, unknown, pushes;

	pthread_mutex_t mu;		/* the session table */
	pthread_cond_t cond;		/* wakes the reaper */
	struct txn *table[TXN_BUCKETS];
	size_t n_open;
	int stop;
	pthread_t reaper;
	int reaper_started;

	pthread_mutex_t rng_mu;		/* backoff jitter */
	uint64_t rng;
};

struct txn {
	struct txn_engine *eng;
	unsigned char id[TXN_ID_LEN];
	char hex[TXN_ID_HEX];
	uint64_t rts;
	int state;
	int reason;			/* enum txn_reason, when aborted */
	double t0;			/* metrics_now() at begin */
	struct txnbuf writes;
	struct txnspans reads;
	/* commit phase (2PC) */
	unsigned char *anchor;
	size_t alen;
	int has_record;
	size_t resolved;		/* leading keys the commit resolved */
	int read_only;			/* txn_begin_at: a historical read */
	struct txnbg_hb *hb;
	/* session table (eng->mu) */
	struct txn *hnext;
	unsigned users;
	uint64_t idle_since_ms;
	int in_table;
	pthread_mutex_t mu;		/* held by the request using it */
};

/* ---- small helpers ------------------------------------------------------ */

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) *
			       1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

static char *key_text(const void *key, size_t klen, char *buf)
{
	return txnwire_key_text(key, klen, buf, TXNWIRE_KEY_TEXT);
}

static unsigned push_deadline_ms(const struct txn_engine *eng)
{
	return 3 * eng->timeout_ms + 1000;
}

/* End the transaction in state; counts it. */
static void txn_finish(struct txn *t, int state)
{
	struct txn_engine *eng = t->eng;

	t->state = state;
	metrics_histogram_observe(eng->m_seconds, metrics_now() - t->t0);
	if (state == TXN_ABORTED) {
		metrics_counter_inc(eng->m_aborts[t->reason]);
		atomic_fetch_add(&eng->aborts, 1);
	} else if (state == TXN_UNKNOWN) {
		metrics_counter_inc(eng->m_unknown);
		atomic_fetch_add(&eng->unknown, 1);
	}
}

/* A read failed: a retryable failure ends the transaction. */
static int txn_fail(struct txn *t, int rc)
{
	if (rc == RC_CONFLICT && t->state == TXN_ACTIVE)
		txn_finish(t, TXN_ABORTED);
	return rc;
}

static int check_open(const struct txn *t, struct err *e)
{
	static const char *const names[] = {
		"open", "committing", "committed", "aborted",
		"of unknown outcome"
	};

	if (t->state == TXN_ACTIVE)
		return RC_OK;
	return err_set(e, RC_BAD_INPUT, "transaction %s is %s", t->hex,
		       names[t->state]);
}

static int check_key(size_t klen, struct err *e)
{
	if (klen > TXN_KEY_MAX)
		return err_set(e, RC_TOO_LARGE, "key of %zu bytes is over the "
			       "limit of %u", klen, TXN_KEY_MAX);
	return RC_OK;
}

/* A key a transaction may read or write: not empty, not reserved. */
static int check_user_key(const void *key, size_t klen, struct err *e)
{
	if (klen == 0)
		return err_set(e, RC_BAD_INPUT, "empty key");
	if (((const unsigned char *)key)[0] < TXN_KEY_FIRST)
		return err_set(e, RC_BAD_INPUT, "keys starting with byte 0x00 "
			       "or 0x01 are reserved for range metadata");
	return check_key(klen, e);
}

/*
 * A range that keeps moving (421 after the router relocated, again and
 * again) is a retryable failure for the client: nothing was written.
 */
static int no_moved(int rc, struct err *e)
{
	char msg[ERR_MSG_MAX];

	if (rc != RC_RANGE_MOVED)
		return rc;
	snprintf(msg, sizeof(msg), "%s", e ? e->msg : "");
	return err_set(e, RC_CONFLICT, "retry: ranges moved while the "
		       "transaction ran (%s)", msg);
}

/* A JSON object {"txn": id} with more fields added by the caller. */
static json_t *body_with_id(const unsigned char id[TXN_ID_LEN])
{
	return json_pack("{s:o}", "txn", txnwire_id_json(id));
}

/* ---- pushing foreign intents -------------------------------------------- */

/* The owner of intents met in one 409 locked answer, and its keys. */
struct pushee {
	unsigned char id[TXN_ID_LEN];
	unsigned char *anchor;
	size_t alen;
	uint64_t ts;			/* highest intent ts met */
	struct txnbuf keys;		/* the intents' keys (tombstones) */
};

static void pushees_free(struct pushee *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].anchor);
		txnbuf_release(&p[i].keys);
	}
	free(p);
}

/* Add one intent object of a locked answer to the pushees. */
static int pushee_add(struct pushee **ps, size_t *n, const json_t *it,
		      struct err *e)
{
	unsigned char id[TXN_ID_LEN];
	void *key = NULL, *anchor = NULL;
	size_t klen = 0, alen = 0, i;
	uint64_t ts = 0;
	int rc;

	if ((rc = txnwire_id_get(it, "txn", id, e)) != RC_OK ||
	    (rc = desc_bytes_get(it, "key", &key, &klen, e)) != RC_OK ||
	    (rc = desc_bytes_get(it, "anchor", &anchor, &alen, e)) != RC_OK ||
	    (rc = txnwire_ts_get(it, "ts", &ts, e)) != RC_OK)
		goto out;
	for (i = 0; i < *n && memcmp((*ps)[i].id, id, TXN_ID_LEN) != 0; i++)
		;
	if (i == *n) {
		struct pushee *np = realloc(*ps, (*n + 1) * sizeof(**ps));

		if (np == NULL) {
			rc = err_set(e, RC_NOMEM, "out of memory");
			goto out;
		}
		*ps = np;
		memset(&np[i], 0, sizeof(np[i]));
		memcpy(np[i].id, id, TXN_ID_LEN);
		np[i].anchor = anchor;
		np[i].alen = alen;
		anchor = NULL;
		txnbuf_init(&np[i].keys);
		(*n)++;
	}
	if (ts > (*ps)[i].ts)
		(*ps)[i].ts = ts;
	rc = txnbuf_put(&(*ps)[i].keys, key, klen, NULL, 0, 1, e);
out:
	free(key);
	free(anchor);
	return rc;
}

/* The intents of a 409 locked answer, grouped by owner. */
static int parse_locked(const struct txn *t, const json_t *reply,
			struct pushee **out, size_t *n, struct err *e)
{
	const json_t *arr = json_object_get(reply, "intents");
	struct pushee *ps = NULL;
	size_t np = 0, i;
	json_t *it;
	struct err pe;

	if (json_array_size(arr) == 0)
		return err_set(e, RC_CONFLICT, "retry: locked by another "
			       "transaction (no intent named: %s)",
			       txnwire_error_msg(reply));
	json_array_foreach(arr, i, it) {
		if (pushee_add(&ps, &np, it, &pe) != RC_OK) {
			pushees_free(ps, np);
			return err_set(e, pe.code == RC_NOMEM ? RC_NOMEM :
				       RC_CORRUPT, "malformed 'locked' "
				       "answer: %s", pe.msg);
		}
		if (memcmp(ps[np - 1].id, t->id, TXN_ID_LEN) == 0) {
			pushees_free(ps, np);
			return err_set(e, RC_INTERNAL, "a range leader "
				       "reports transaction %s's own intent "
				       "as foreign", t->hex);
		}
	}
	*out = ps;
	*n = np;
	return RC_OK;
}

/* Resolve the intents of p met by t: committed at ts, or aborted. */
static int pushee_resolve(struct txn *t, struct pushee *p, int committed,
			  uint64_t ts, struct err *e)
{
	struct txnrpc_key *keys = NULL;
	int rc;

	if ((rc = txnrpc_buf_keys(&p->keys, &keys, e)) != RC_OK)
		return rc;
	rc = txnrpc_resolve(t->eng->router, p->id, committed, ts, keys,
			    p->keys.n, e);
	free(keys);
	return rc;
}

/*
 * The deadlock rule for a pusher that owns a record: read its waiters
 * (they become the push's deps); when the pushee is among them, the
 * larger id is the victim -- t itself (RC_CONFLICT) or the pushee
 * (*force = 1).
 */
static int self_check(struct txn *t, const struct pushee *p, json_t *deps,
		      int *force, struct err *e)
{
	char phex[TXN_ID_HEX], kt[TXNWIRE_KEY_TEXT];
	struct txnrpc_call c;
	const json_t *w;
	const char *st;
	size_t i;
	int cycle = 0, rc = RC_OK;

	txnwire_id_hex(p->id, phex);
	if (txnbg_hb_aborted(t->hb))
		return err_set(e, RC_CONFLICT, "retry: transaction %s was "
			       "aborted by another transaction while it "
			       "waited for %s", t->hex, phex);
	if (txnrpc_record(t->eng->router, t->id, t->anchor, t->alen, "query",
			  0, 0, &c) != RC_OK)
		return err_set(e, RC_NOMEM, "out of memory");
	if (txnrpc_answer(&c) != TXNRPC_OK) {
		rc = txnrpc_error(&c, "query own record", e);
		goto out;
	}
	st = json_string_value(json_object_get(c.reply, "status"));
	if (st != NULL && strcmp(st, "aborted") == 0) {
		rc = err_set(e, RC_CONFLICT, "retry: transaction %s was "
			     "aborted by another transaction while it waited "
			     "for %s", t->hex, phex);
		goto out;
	}
	json_array_foreach(json_object_get(c.reply, "waiters"), i, w) {
		unsigned char wid[TXN_ID_LEN];

		if (!json_is_string(w) ||
		    txnwire_id_parse(json_string_value(w), wid) != 0)
			continue;
		if (json_array_append_new(deps, txnwire_id_json(wid)) != 0) {
			rc = err_set(e, RC_NOMEM, "out of memory");
			goto out;
		}
		cycle |= memcmp(wid, p->id, TXN_ID_LEN) == 0;
	}
	if (cycle && memcmp(t->id, p->id, TXN_ID_LEN) > 0) {
		t->reason = R_DEADLOCK;
		rc = err_set(e, RC_CONFLICT, "retry: deadlock with "
			     "transaction %s on key '%s'", phex,
			     key_text(p->keys.v[0].key, p->keys.v[0].klen,
				      kt));
	} else if (cycle) {
		*force = 1;
	}
out:
	txnrpc_call_clear(&c);
	return rc;
}

static json_t *push_body(const struct txn *t, const struct pushee *p,
			 json_t *deps, int force, unsigned wait_ms)
{
	json_t *b = json_pack("{s:o, s:o, s:o, s:b, s:I}",
			      "pushee", txnwire_id_json(p->id),
			      "pusher", t->has_record ?
			      txnwire_id_json(t->id) : json_null(),
			      "deps", deps, "force", force,
			      "wait_ms", (json_int_t)wait_ms);

	if (b != NULL && (desc_bytes_set(b, "anchor", p->anchor, p->alen) != 0
			  || txnwire_ts_set(b, "pushee_ts", p->ts) != 0)) {
		json_decref(b);
		return NULL;
	}
	return b;
}

/* Act on a push answer: 1 when settled (resolved), 0 to push again. */
static int push_verdict(struct txn *t, struct pushee *p,
			const struct txnrpc_call *c, int *settled,
			struct err *e)
{
	const char *st = json_string_value(json_object_get(c->reply,
							   "status"));
	char phex[TXN_ID_HEX];
	uint64_t ts = 0;

	*settled = 0;
	txnwire_id_hex(p->id, phex);
	if (txnrpc_answer(c) != TXNRPC_OK)
		return txnrpc_error(c, "push", e);
	if (st == NULL)
		return err_set(e, RC_CORRUPT, "push of %s: answer without "
			       "'status'", phex);
	if (strcmp(st, "committed") == 0) {
		if (txnwire_ts_get(c->reply, "ts", &ts, e) != RC_OK)
			return err_set(e, RC_CORRUPT, "push of %s: committed "
				       "without a valid 'ts'", phex);
		*settled = 1;
		return pushee_resolve(t, p, 1, ts, e);
	}
	if (strcmp(st, "aborted") == 0) {
		*settled = 1;
		return pushee_resolve(t, p, 0, 0, e);
	}
	if (strcmp(st, "missing") == 0) {
		/*
		 * No record: its owner is still writing it, or finished and
		 * collected it after resolving -- then the intent is gone.
		 * Let the caller look again (after a nap) rather than wait
		 * here for the record to expire.
		 */
		sleep_ms(TXN_MISSING_NAP_MS);
		*settled = 1;
		return RC_OK;
	}
	if (strcmp(st, "pending") == 0)
		return RC_OK;
	return err_set(e, RC_CORRUPT, "push of %s: unknown status '%s'", phex,
		       st);
}

/* Push p until it is committed or aborted and its intents resolved. */
static int push_one(struct txn *t, struct pushee *p, struct err *e)
{
	struct txn_engine *eng = t->eng;
	uint64_t start = util_mono_ms();
	uint64_t deadline = start + push_deadline_ms(eng);
	char phex[TXN_ID_HEX], kt[TXNWIRE_KEY_TEXT];
	int force = 0, settled = 0, rc;

	txnwire_id_hex(p->id, phex);
	while (!settled) {
		struct txnrpc_call c = { .key = p->anchor, .klen = p->alen,
					 .path = "/txn/push" };
		json_t *deps = json_array();
		uint64_t now, t0;

		if (deps == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		if (t->has_record &&
		    (rc = self_check(t, p, deps, &force, e)) != RC_OK) {
			json_decref(deps);
			return rc;
		}
		now = util_mono_ms();
		if (now >= deadline) {
			json_decref(deps);
			return err_set(e, RC_CONFLICT, "retry: waited %" PRIu64
				       " ms for transaction %s holding key "
				       "'%s'", now - start, phex,
				       key_text(p->keys.v[0].key,
						p->keys.v[0].klen, kt));
		}
		c.body = push_body(t, p, deps, force,
				   deadline - now < TXN_WAIT_MS_MAX ?
				   (unsigned)(deadline - now) :
				   TXN_WAIT_MS_MAX);
		t0 = util_mono_ms();
		txnrpc_run1(eng->router, &c);
		metrics_counter_inc(eng->m_pushes);
		atomic_fetch_add(&eng->pushes, 1);
		rc = push_verdict(t, p, &c, &settled, e);
		txnrpc_call_clear(&c);
		if (rc != RC_OK)
			return rc;
		if (!settled && util_mono_ms() - t0 < TXN_PUSH_NAP_MS)
			sleep_ms(TXN_PUSH_NAP_MS);
	}
	return RC_OK;
}

/* A 409 locked answer: push every owner named, so the caller can resend. */
static int handle_locked(struct txn *t, const struct txnrpc_call *c,
			 struct err *e)
{
	struct pushee *ps = NULL;
	size_t n = 0;
	int rc;

	if ((rc = parse_locked(t, c->reply, &ps, &n, e)) != RC_OK)
		return rc;
	for (size_t i = 0; i < n && rc == RC_OK; i++)
		rc = push_one(t, &ps[i], e);
	pushees_free(ps, n);
	return rc;
}

/* ---- reads -------------------------------------------------------------- */

/* The value of a 200 /txn/get answer. */
static int get_parse(const json_t *reply, int *found, void **val,
		     size_t *vlen, struct err *e)
{
	struct err pe;

	*found = json_is_true(json_object_get(reply, "found"));
	*val = NULL;
	*vlen = 0;
	if (!*found)
		return RC_OK;
	if (desc_bytes_get(reply, "value", val, vlen, &pe) != RC_OK)
		return err_set(e, RC_CORRUPT, "malformed read answer: %s",
			       pe.code == RC_NOT_FOUND ? "no 'value'" :
			       pe.msg);
	return RC_OK;
}

static int get_remote(struct txn *t, const void *key, size_t klen,
		      int *found, void **val, size_t *vlen, struct err *e)
{
	char kt[TXNWIRE_KEY_TEXT], what[TXNWIRE_KEY_TEXT + 16];
	int rc, moved = 0;

	snprintf(what, sizeof(what), "read of '%s'", key_text(key, klen, kt));
	for (int round = 0; round < TXN_MAX_ROUNDS; round++) {
		struct txnrpc_call c = { .key = key, .klen = klen,
					 .path = "/txn/get" };

		c.body = body_with_id(t->id);
		if (c.body != NULL &&
		    (txnwire_ts_set(c.body, "ts", t->rts) != 0 ||
		     desc_bytes_set(c.body, "key", key, klen) != 0)) {
			json_decref(c.body);
			c.body = NULL;
		}
		txnrpc_run1(t->eng->router, &c);
		switch (txnrpc_answer(&c)) {
		case TXNRPC_MOVED:
			txnrpc_call_clear(&c);
			if (++moved < TXN_PLAN_ROUNDS)
				continue;
			return err_set(e, RC_RANGE_MOVED, "%s: range moved",
				       what);
		case TXNRPC_OK:
			rc = get_parse(c.reply, found, val, vlen, e);
			if (rc == RC_OK)
				rc = txnspans_add_key(&t->reads, key, klen, e);
			break;
		case TXNRPC_LOCKED:
			rc = handle_locked(t, &c, e);
			txnrpc_call_clear(&c);
			if (rc != RC_OK)
				return rc;
			continue;
		default:
			rc = txnrpc_error(&c, what, e);
			break;
		}
		txnrpc_call_clear(&c);
		if (rc != RC_OK) {
			free(*val);
			*val = NULL;
		}
		return rc;
	}
	return err_set(e, RC_CONFLICT, "retry: %s: still locked after %d "
		       "pushes", what, TXN_MAX_ROUNDS);
}

int txn_get(struct txn *t, const void *key, size_t klen, int *found,
	    void **val, size_t *vlen, struct err *e)
{
	const struct txnbuf_ent *b;
	int rc;

	*found = 0;
	*val = NULL;
	*vlen = 0;
	if ((rc = check_open(t, e)) != RC_OK ||
	    (rc = check_user_key(key, klen, e)) != RC_OK)
		return rc;
	/* the own write decides: no read of the store, no read span */
	if ((b = txnbuf_get(&t->writes, key, klen)) != NULL) {
		if (b->incr)
			return err_set(e, RC_BAD_INPUT, "cannot read a key "
				       "after an increment the range "
				       "evaluates (txn_incr)");
		if (b->tombstone)
			return RC_OK;
		if ((*val = malloc(b->vlen + 1)) == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		memcpy(*val, b->val, b->vlen + 1);
		*vlen = b->vlen;
		*found = 1;
		return RC_OK;
	}
	t->reason = R_CONFLICT;
	return txn_fail(t, no_moved(get_remote(t, key, klen, found, val, vlen,
					       e), e));
}

void txn_kvs_release(struct txn_kvs *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->items[i].key);
		free(r->items[i].val);
	}
	free(r->items);
	free(r->resume);
	memset(r, 0, sizeof(*r));
}

/* One page of a range scan, checked: rows in [start, cov), in order. */
struct scan_page {
	struct txn_kv *rows;
	size_t n;
	int more;
	void *resume;			/* when more: the next start */
	size_t resume_len;
};

static void page_release(struct scan_page *p)
{
	struct txn_kvs k = { p->rows, p->n, 0, p->resume, p->resume_len };

	txn_kvs_release(&k);
	memset(p, 0, sizeof(*p));
}

/* Check that key lies in [start, end) (elen 0: +inf) and after prev. */
static int page_key_ok(const void *key, size_t klen, const void *start,
		       size_t slen, const void *end, size_t elen,
		       const struct txn_kv *prev)
{
	if (keys_cmp(key, klen, start, slen) < 0)
		return 0;
	if (elen > 0 && keys_cmp(key, klen, end, elen) >= 0)
		return 0;
	return prev == NULL || keys_cmp(prev->key, prev->klen, key, klen) < 0;
}

static int page_parse(const json_t *reply, const void *start, size_t slen,
		      const void *end, size_t elen, struct scan_page *p,
		      struct err *e)
{
	const json_t *kvs = json_object_get(reply, "kvs"), *kv;
	struct err pe;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->more = json_is_true(json_object_get(reply, "more"));
	if (!json_is_array(kvs))
		return err_set(e, RC_CORRUPT, "malformed scan answer: no "
			       "'kvs'");
	if (p->more && desc_bytes_get(reply, "resume", &p->resume,
				      &p->resume_len, &pe) != RC_OK)
		goto bad;
	if (p->more && elen > 0 &&
	    keys_cmp(p->resume, p->resume_len, end, elen) == 0) {
		/* the range ends where the scan does */
		free(p->resume);
		p->resume = NULL;
		p->resume_len = 0;
		p->more = 0;
	}
	if (p->more && (!page_key_ok(p->resume, p->resume_len, start, slen,
				     end, elen, NULL) ||
			keys_cmp(p->resume, p->resume_len, start, slen) == 0))
		goto bad;
	p->rows = calloc(json_array_size(kvs) + 1, sizeof(*p->rows));
	if (p->rows == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	json_array_foreach(kvs, i, kv) {
		struct txn_kv *r = &p->rows[p->n];

		if (desc_bytes_get(kv, "key", &r->key, &r->klen, &pe) != RC_OK)
			goto bad;
		p->n++;
		if (desc_bytes_get(kv, "value", &r->val, &r->vlen, &pe) !=
		    RC_OK || !page_key_ok(r->key, r->klen, start, slen,
					  p->more ? p->resume : end,
					  p->more ? p->resume_len : elen,
					  p->n > 1 ? r - 1 : NULL))
			goto bad;
	}
	return RC_OK;
bad:
	page_release(p);
	return err_set(e, RC_CORRUPT, "malformed scan answer: keys out of "
		       "order or outside the span asked, or a missing field");
}

static int scan_remote(struct txn *t, const void *start, size_t slen,
		       const void *end, size_t elen, size_t limit,
		       const json_t *filter, struct scan_page *p,
		       struct err *e)
{
	char kt[TXNWIRE_KEY_TEXT], what[TXNWIRE_KEY_TEXT + 16];
	int rc, moved = 0;

	snprintf(what, sizeof(what), "scan from '%s'",
		 key_text(start, slen, kt));
	for (int round = 0; round < TXN_MAX_ROUNDS; round++) {
		struct txnrpc_call c = { .key = start, .klen = slen,
					 .path = "/txn/scan" };

		c.body = body_with_id(t->id);
		if (c.body != NULL &&
		    (txnwire_ts_set(c.body, "ts", t->rts) != 0 ||
		     desc_bytes_set(c.body, "start", start, slen) != 0 ||
		     (elen > 0 &&
		      desc_bytes_set(c.body, "end", end, elen) != 0) ||
		     json_object_set_new(c.body, "limit",
					 json_integer((json_int_t)limit)) ||
		     (filter != NULL &&
		      json_object_set(c.body, "filter", (json_t *)filter)))) {
			json_decref(c.body);
			c.body = NULL;
		}
		txnrpc_run1(t->eng->router, &c);
		switch (txnrpc_answer(&c)) {
		case TXNRPC_MOVED:
			txnrpc_call_clear(&c);
			if (++moved < TXN_PLAN_ROUNDS)
				continue;
			return err_set(e, RC_RANGE_MOVED, "%s: range moved",
				       what);
		case TXNRPC_OK:
			rc = page_parse(c.reply, start, slen, end, elen, p, e);
			break;
		case TXNRPC_LOCKED:
			rc = handle_locked(t, &c, e);
			txnrpc_call_clear(&c);
			if (rc != RC_OK)
				return rc;
			continue;
		default:
			rc = txnrpc_error(&c, what, e);
			break;
		}
		txnrpc_call_clear(&c);
		return rc;
	}
	return err_set(e, RC_CONFLICT, "retry: %s: still locked after %d "
		       "pushes", what, TXN_MAX_ROUNDS);
}

/* Append a row (copies) to out; RC_NOMEM. */
static int kvs_push(struct txn_kvs *out, const void *key, size_t klen,
		    const void *val, size_t vlen, struct err *e)
{
	struct txn_kv *r = &out->items[out->n];

	r->key = malloc(klen + 1);
	r->val = malloc(vlen + 1);
	if (r->key == NULL || r->val == NULL) {
		free(r->key);
		free(r->val);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	memcpy(r->key, key, klen);
	((char *)r->key)[klen] = '\0';
	memcpy(r->val, val, vlen);
	((char *)r->val)[vlen] = '\0';
	r->klen = klen;
	r->vlen = vlen;
	out->n++;
	return RC_OK;
}

/*
 * Merge a page (rows of [start, cov)) with the buffered writes of the
 * same span into out, up to limit rows in all.  When the limit cuts the
 * merged rows, out->more and out->resume are set.
 */
static int merge_page(const struct txn *t, const struct scan_page *p,
		      const void *start, size_t slen, const void *cov,
		      size_t clen, size_t limit, struct txn_kvs *out,
		      struct err *e)
{
	const struct txnbuf *wb = &t->writes;
	size_t i = 0, b = txnbuf_seek(wb, start, slen), bend = wb->n;

	if (clen > 0)
		bend = txnbuf_seek(wb, cov, clen);
	while (i < p->n || b < bend) {
		const struct txnbuf_ent *be = b < bend ? &wb->v[b] : NULL;
		const struct txn_kv *r = i < p->n ? &p->rows[i] : NULL;
		int c = be == NULL ? 1 : r == NULL ? -1 :
			keys_cmp(be->key, be->klen, r->key, r->klen);
		const void *k = c <= 0 ? (const void *)be->key : r->key;
		size_t kl = c <= 0 ? be->klen : r->klen;

		if (c <= 0 && be->incr)
			return err_set(e, RC_BAD_INPUT, "cannot scan a key "
				       "after an increment the range "
				       "evaluates (txn_incr)");
		if (c <= 0 && be->tombstone) {
			b++;
			i += c == 0;
			continue;
		}
		if (out->n >= limit) {
			out->more = 1;
			if ((out->resume = malloc(kl + 1)) == NULL)
				return err_set(e, RC_NOMEM, "out of memory");
			memcpy(out->resume, k, kl);
			out->resume_len = kl;
			return RC_OK;
		}
		if (kvs_push(out, k, kl, c <= 0 ? be->val : r->val,
			     c <= 0 ? be->vlen : r->vlen, e) != RC_OK)
			return RC_NOMEM;
		b += c <= 0;
		i += c >= 0;
	}
	return RC_OK;
}

/* Set out->more with resume = key (copied). */
static int kvs_resume(struct txn_kvs *out, const void *key, size_t klen,
		      struct err *e)
{
	out->more = 1;
	if ((out->resume = malloc(klen + 1)) == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	memcpy(out->resume, key, klen);
	out->resume_len = klen;
	return RC_OK;
}

static int scan_loop(struct txn *t, const void *start, size_t slen,
		     const void *end, size_t elen, size_t limit,
		     const json_t *filter, struct txn_kvs *out, struct err *e)
{
	unsigned char *cur = malloc(slen + 1);
	size_t clen = slen;
	int rc = RC_OK;

	if (cur == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	memcpy(cur, start, slen);
	while (rc == RC_OK) {
		struct scan_page p;
		const void *cov;
		size_t covlen;

		rc = scan_remote(t, cur, clen, end, elen, limit - out->n,
				 filter, &p, e);
		if (rc != RC_OK)
			break;
		cov = p.more ? p.resume : end;
		covlen = p.more ? p.resume_len : elen;
		/* the read covers [cur, cov) whatever it found */
		if ((rc = txnspans_add(&t->reads, cur, clen, cov, covlen, e))
		    == RC_OK)
			rc = merge_page(t, &p, cur, clen, cov, covlen, limit,
					out, e);
		if (rc == RC_OK && !out->more && p.more && out->n >= limit)
			rc = kvs_resume(out, p.resume, p.resume_len, e);
		if (rc != RC_OK || out->more || !p.more) {
			page_release(&p);
			break;
		}
		free(cur);
		cur = p.resume;		/* taken from the page */
		clen = p.resume_len;
		p.resume = NULL;
		page_release(&p);
	}
	free(cur);
	return rc;
}

int txn_scan(struct txn *t, const void *start, size_t slen, const void *end,
	     size_t elen, size_t limit, struct txn_kvs *out, struct err *e)
{
	return txn_scan_filtered(t, start, slen, end, elen, limit, NULL, out,
				 e);
}

int txn_scan_filtered(struct txn *t, const void *start, size_t slen,
		      const void *end, size_t elen, size_t limit,
		      const json_t *filter, struct txn_kvs *out,
		      struct err *e)
{
	static const unsigned char first[1] = { TXN_KEY_FIRST };
	struct txn_kvs r;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = check_open(t, e)) != RC_OK || (rc = check_key(slen, e)) !=
	    RC_OK || (rc = check_key(elen, e)) != RC_OK)
		return rc;
	if (limit < 1 || limit > TXN_SCAN_MAX)
		return err_set(e, RC_BAD_INPUT, "limit must be from 1 to %d, "
			       "got %zu", TXN_SCAN_MAX, limit);
	if (keys_cmp(start, slen, first, 1) < 0) {
		start = first;		/* the user keyspace starts here */
		slen = 1;
	}
	if (elen > 0 && keys_cmp(start, slen, end, elen) >= 0)
		return RC_OK;		/* an empty span reads nothing */
	memset(&r, 0, sizeof(r));
	if ((r.items = calloc(limit, sizeof(*r.items))) == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	t->reason = R_CONFLICT;
	rc = no_moved(scan_loop(t, start, slen, end, elen, limit, filter, &r,
				e), e);
	if (rc != RC_OK) {
		txn_kvs_release(&r);
		return txn_fail(t, rc);
	}
	*out = r;
	return RC_OK;
}

/* ---- writes ------------------------------------------------------------- */

/* What every write checks first: open, a user key, not read-only. */
static int write_check(struct txn *t, const void *key, size_t klen,
		       struct err *e)
{
	int rc;

	if ((rc = check_open(t, e)) != RC_OK ||
	    (rc = check_user_key(key, klen, e)) != RC_OK)
		return rc;
	if (t->read_only)
		return err_set(e, RC_BAD_INPUT, "cannot write in a read-only "
			       "(AS OF SYSTEM TIME) transaction");
	return RC_OK;
}

int txn_put(struct txn *t, const void *key, size_t klen, const void *val,
	    size_t vlen, struct err *e)
{
	int rc;

	if ((rc = write_check(t, key, klen, e)) != RC_OK)
		return rc;
	if (vlen > TXN_VALUE_MAX)
		return err_set(e, RC_TOO_LARGE, "value of %zu bytes is over "
			       "the limit of %u", vlen, TXN_VALUE_MAX);
	return txnbuf_put(&t->writes, key, klen, val, vlen, 0, e);
}

int txn_incr(struct txn *t, const void *key, size_t klen, int64_t by,
	     int64_t *out, struct err *e)
{
	int rc;

	if ((rc = write_check(t, key, klen, e)) != RC_OK)
		return rc;
	return txnbuf_put_incr(&t->writes, key, klen, by, out, e);
}

int txn_delete(struct txn *t, const void *key, size_t klen, struct err *e)
{
	int rc;

	if ((rc = write_check(t, key, klen, e)) != RC_OK)
		return rc;
	return txnbuf_put(&t->writes, key, klen, NULL, 0, 1, e);
}

/* ---- commit: refresh ---------------------------------------------------- */

static json_t *refresh_body(const struct txn *t, json_t *spans, uint64_t from,
			    uint64_t to)
{
	json_t *b = body_with_id(t->id);

	if (b != NULL && (txnwire_ts_set(b, "from", from) != 0 ||
			  txnwire_ts_set(b, "to", to) != 0 ||
			  json_object_set(b, "spans", spans) != 0)) {
		json_decref(b);
		return NULL;
	}
	return b;
}

/*
 * Refresh the span groups g[0..n) except g[skip] from (from, to]: RC_OK,
 * RC_CONFLICT (a read changed: t->reason = refresh), RC_RANGE_MOVED (cut
 * them again) or another error.
 */
static int refresh_groups(struct txn *t, const struct txnrpc_spans *g,
			  size_t n, size_t skip, uint64_t from, uint64_t to,
			  struct err *e)
{
	struct txnrpc_call *c = calloc(n ? n : 1, sizeof(*c));
	size_t nc = 0;
	int rc = RC_OK, moved = 0;

	if (c == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		if (i == skip)
			continue;
		c[nc].key = g[i].key;
		c[nc].klen = g[i].klen;
		c[nc].path = "/txn/refresh";
		c[nc++].body = refresh_body(t, g[i].spans, from, to);
	}
	txnrpc_run(t->eng->router, c, nc);
	for (size_t i = 0; i < nc; i++) {
		int a = txnrpc_answer(&c[i]);

		if (a == TXNRPC_MOVED) {
			moved = 1;
		} else if (a != TXNRPC_OK && rc == RC_OK) {
			rc = txnrpc_error(&c[i], "refresh", e);
			if (a == TXNRPC_RETRY || a == TXNRPC_LOCKED ||
			    a == TXNRPC_CONFLICT) {
				t->reason = R_REFRESH;
				rc = err_set(e, RC_CONFLICT, "retry: refresh "
					     "failed: %s",
					     txnwire_error_msg(c[i].reply));
			}
		}
		txnrpc_call_clear(&c[i]);
	}
	free(c);
	if (rc == RC_OK && moved) {
		for (size_t i = 0; i < n; i++)
			router_invalidate(t->eng->router, g[i].range_id);
		rc = err_set(e, RC_RANGE_MOVED, "refresh: ranges moved");
	}
	return rc;
}

/* Refresh the whole read set from (from, to]. */
static int refresh_all(struct txn *t, uint64_t from, uint64_t to,
		       struct err *e)
{
	int rc = RC_OK;

	txnspans_normalize(&t->reads);
	for (int round = 0; round < TXN_PLAN_ROUNDS; round++) {
		struct txnrpc_spans *g = NULL;
		size_t n = 0;

		rc = txnrpc_split_spans(t->eng->router, &t->reads, &g, &n, e);
		if (rc != RC_OK)
			return rc;
		rc = refresh_groups(t, g, n, SIZE_MAX, from, to, e);
		txnrpc_spans_free(g, n);
		if (rc != RC_RANGE_MOVED)
			return rc;
	}
	return rc;
}

/* ---- commit: 1PC -------------------------------------------------------- */

/* The "ops" array of writes[first .. first + n). */
static json_t *ops_json(const struct txnbuf *w, size_t first, size_t n)
{
	json_t *ops = json_array();

	for (size_t i = first; ops != NULL && i < first + n; i++) {
		const struct txnbuf_ent *en = &w->v[i];
		json_t *op = json_pack("{s:s}", "op", en->incr ? "incr" :
				       en->tombstone ? "delete" : "put");
		char by[24];

		snprintf(by, sizeof(by), "%" PRId64, en->by);
		if (op == NULL || desc_bytes_set(op, "key", en->key,
						 en->klen) != 0 ||
		    (en->incr && json_object_set_new(op, "by",
						     json_string(by)) != 0) ||
		    (!en->tombstone && !en->incr &&
		     desc_bytes_set(op, "value", en->val, en->vlen) != 0) ||
		    json_array_append_new(ops, op) != 0) {
			json_decref(op);
			json_decref(ops);
			return NULL;
		}
	}
	return ops;
}

/*
 * The values a range wrote for the increments among writes[first ..
 * first + n), in order ("values" of its answer), to their *out.
 */
static int take_values(struct txn *t, size_t first, size_t n,
		       const json_t *reply, struct err *e)
{
	const json_t *v = json_object_get(reply, "values");
	size_t k = 0;

	for (size_t i = first; i < first + n; i++) {
		struct txnbuf_ent *en = &t->writes.v[i];
		const char *s;
		int64_t x;

		if (!en->incr)
			continue;
		s = json_string_value(json_array_get(v, k));
		if (s == NULL || util_parse_i64(s, INT64_MIN, INT64_MAX, &x,
						"value", NULL) != RC_OK)
			return err_set(e, RC_CORRUPT, "write of %s: the "
				       "answer lacks the value of increment "
				       "%zu", t->hex, k);
		if (en->out != NULL)
			*en->out = x;
		k++;
	}
	return RC_OK;
}

static json_t *commit1pc_body(const struct txn *t, uint64_t ts, int can_push,
			      json_t *reads, json_t *ops)
{
	json_t *b = body_with_id(t->id);

	if (b != NULL && (txnwire_ts_set(b, "rts", t->rts) != 0 ||
			  txnwire_ts_set(b, "ts", ts) != 0 ||
			  json_object_set_new(b, "can_push",
					      json_boolean(can_push)) != 0 ||
			  json_object_set(b, "reads", reads) != 0 ||
			  json_object_set(b, "ops", ops) != 0)) {
		json_decref(b);
		return NULL;
	}
	return b;
}

/* State kept across the sends of one 1PC commit. */
struct onepc {
	const struct txnrpc_group *g;
	const struct txnrpc_key *keys;
	struct txnrpc_spans *sg;	/* read spans by range */
	size_t nsg;
	size_t inside;			/* sg index in the written range */
	json_t *reads, *ops;
	uint64_t w;			/* the ts asked */
};

/*
 * The answer to one send: 1 when the loop is over (*rc says how), 0 to
 * send again.
 */
static int onepc_answer(struct txn *t, struct onepc *o,
			const struct txnrpc_call *c, uint64_t *cts, int *rc,
			struct err *e)
{
	uint64_t ts;

	switch (txnrpc_answer(c)) {
	case TXNRPC_OK:
		if (txnwire_ts_get(c->reply, "ts", &ts, NULL) != RC_OK ||
		    ts < o->w) {
			*rc = err_set(e, RC_CORRUPT, "commit of %s: the "
				      "range committed it but its answer "
				      "carries no valid 'ts'", t->hex);
			return 1;
		}
		*cts = ts;
		*rc = take_values(t, o->g->first, o->g->n, c->reply, e);
		return 1;
	case TXNRPC_RETRY:
		if (txnwire_ts_get(c->reply, "ts", &ts, NULL) == RC_OK &&
		    ts > o->w) {
			/* pushed: refresh the reads elsewhere, then ask ts */
			*rc = refresh_groups(t, o->sg, o->nsg, o->inside,
					     t->rts, ts, e);
			o->w = ts;
			return *rc != RC_OK;
		}
		t->reason = R_REFRESH;
		*rc = txnrpc_error(c, "commit", e);
		return 1;
	case TXNRPC_LOCKED:
		*rc = handle_locked(t, c, e);
		return *rc != RC_OK;
	case TXNRPC_MOVED:
		*rc = err_set(e, RC_RANGE_MOVED, "commit: range moved");
		return 1;
	case TXNRPC_FAILED:
		t->state = TXN_UNKNOWN;
		*rc = err_set(e, RC_UNAVAILABLE, "commit of transaction %s: "
			      "outcome unknown: %s", t->hex, c->rc != RC_OK ?
			      c->err.msg : txnwire_error_msg(c->reply));
		return 1;
	default:
		*rc = txnrpc_error(c, "commit", e);
		return 1;
	}
}

/* ---- riding resolutions (txnbg.h) ---------------------------------------- */

/*
 * Take the resolutions waiting for a ride to range_id into c's body as
 * its "ride"; every ride_board needs its ride_end (after the call, before
 * txnrpc_call_clear).
 */
static void ride_board(struct txn *t, struct txnrpc_call *c,
		       uint64_t range_id, struct txnbg_ride *ride)
{
	txnbg_ride_take(t->eng->bg, range_id, ride);
	if (ride->batch != NULL && (c->body == NULL ||
	    json_object_set(c->body, "ride", ride->batch) != 0))
		txnbg_ride_done(t->eng->bg, ride, NULL);
}

/* Settle a ride by c's answer: only a 200 says what became of it. */
static void ride_end(struct txn *t, struct txnbg_ride *ride,
		     const struct txnrpc_call *c)
{
	txnbg_ride_done(t->eng->bg, ride, c->status == 200 ? c->reply : NULL);
}

static int onepc_loop(struct txn *t, struct onepc *o, uint64_t *cts,
		      struct err *e)
{
	int can_push = o->nsg == 0 || (o->nsg == 1 && o->inside == 0);
	int rc = RC_OK;

	for (int round = 0; round < TXN_MAX_ROUNDS; round++) {
		struct txnrpc_call c = {
			.key = o->keys[o->g->first].p,
			.klen = o->keys[o->g->first].n,
			.path = "/txn/commit1pc", .flags = ROUTER_ONCE
		};
		struct txnbg_ride ride;
		int done;

		c.body = commit1pc_body(t, o->w, can_push, o->reads, o->ops);
		ride_board(t, &c, o->g->range_id, &ride);
		txnrpc_run1(t->eng->router, &c);
		ride_end(t, &ride, &c);
		done = onepc_answer(t, o, &c, cts, &rc, e);
		txnrpc_call_clear(&c);
		if (done)
			return rc;
	}
	return err_set(e, RC_CONFLICT, "retry: commit of %s: gave up after "
		       "%d attempts", t->hex, TXN_MAX_ROUNDS);
}

static int commit_1pc(struct txn *t, const struct txnrpc_key *keys,
		      const struct txnrpc_group *g, uint64_t *cts,
		      struct err *e)
{
	struct onepc o;
	int rc;

	memset(&o, 0, sizeof(o));
	o.g = g;
	o.keys = keys;
	o.w = t->rts;
	o.inside = SIZE_MAX;
	txnspans_normalize(&t->reads);
	if ((rc = txnrpc_split_spans(t->eng->router, &t->reads, &o.sg, &o.nsg,
				     e)) != RC_OK)
		return rc;
	for (size_t i = 0; i < o.nsg; i++)
		if (o.sg[i].range_id == g->range_id)
			o.inside = i;
	o.reads = o.inside != SIZE_MAX ? json_incref(o.sg[o.inside].spans) :
		json_array();
	o.ops = ops_json(&t->writes, g->first, g->n);
	if (o.reads == NULL || o.ops == NULL)
		rc = err_set(e, RC_NOMEM, "out of memory");
	else
		rc = onepc_loop(t, &o, cts, e);
	json_decref(o.reads);
	json_decref(o.ops);
	txnrpc_spans_free(o.sg, o.nsg);
	return rc;
}

/* ---- commit: 2PC -------------------------------------------------------- */

static json_t *write_body(const struct txn *t, size_t first, size_t n)
{
	json_t *b = body_with_id(t->id), *ops = ops_json(&t->writes, first, n);

	if (b == NULL || ops == NULL ||
	    txnwire_ts_set(b, "ts", t->rts) != 0 ||
	    desc_bytes_set(b, "anchor", t->anchor, t->alen) != 0 ||
	    json_object_set_new(b, "record", json_boolean(first == 0)) != 0 ||
	    json_object_set_new(b, "timeout_ms",
				json_integer(t->eng->timeout_ms)) != 0 ||
	    json_object_set(b, "ops", ops) != 0) {
		json_decref(b);
		b = NULL;
	}
	json_decref(ops);
	return b;
}

/* Make sure t's record exists before it waits on others (deadlocks). */
static int ensure_record(struct txn *t, struct err *e)
{
	struct txnrpc_call c;
	int a, rc = RC_OK;

	if (t->has_record)
		return RC_OK;
	if (txnrpc_record(t->eng->router, t->id, t->anchor, t->alen,
			  "heartbeat", 0, t->eng->timeout_ms, &c) != RC_OK)
		return err_set(e, RC_NOMEM, "out of memory");
	a = txnrpc_answer(&c);
	if (a == TXNRPC_OK)
		t->has_record = 1;
	else if (a == TXNRPC_ABORTED)
		rc = err_set(e, RC_CONFLICT, "retry: transaction %s was "
			     "aborted by another transaction", t->hex);
	else
		rc = txnrpc_error(&c, "create record", e);
	txnrpc_call_clear(&c);
	return rc;
}

/* Groups still to be written, and what the written ones said. */
struct intents {
	const struct txnrpc_key *keys;
	struct txnrpc_group *todo;
	size_t ntodo;
	struct txnrpc_group *next;	/* for the next round */
	size_t nnext;
	uint64_t maxts;
};

static int intents_requeue(struct intents *in, const struct txnrpc_group *g,
			   size_t n, struct err *e)
{
	struct txnrpc_group *ng = realloc(in->next, (in->nnext + n) *
					  sizeof(*ng));

	if (ng == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	memcpy(ng + in->nnext, g, n * sizeof(*g));
	in->next = ng;
	in->nnext += n;
	return RC_OK;
}

/* One answer to a /txn/write; locked ones are pushed by the caller. */
static int intents_answer(struct txn *t, struct intents *in,
			  const struct txnrpc_group *g,
			  const struct txnrpc_call *c, struct err *e)
{
	struct txnrpc_group *sub = NULL;
	size_t nsub = 0;
	uint64_t ts;
	int rc;

	switch (txnrpc_answer(c)) {
	case TXNRPC_OK:
		if (txnwire_ts_get(c->reply, "ts", &ts, NULL) != RC_OK)
			return err_set(e, RC_CORRUPT, "write intents: answer "
				       "without a valid 'ts'");
		if (ts > in->maxts)
			in->maxts = ts;
		if (g->first == 0)
			t->has_record = 1;
		return take_values(t, g->first, g->n, c->reply, e);
	case TXNRPC_LOCKED:
		return RC_OK;
	case TXNRPC_MOVED:
		router_invalidate(t->eng->router, g->range_id);
		rc = txnrpc_group_keys(t->eng->router, in->keys + g->first,
				       g->n, TXNRPC_BATCH_KEYS,
				       TXNRPC_BATCH_BYTES, &sub, &nsub, e);
		for (size_t i = 0; rc == RC_OK && i < nsub; i++)
			sub[i].first += g->first;
		if (rc == RC_OK)
			rc = intents_requeue(in, sub, nsub, e);
		free(sub);
		return rc;
	case TXNRPC_ABORTED:
		return err_set(e, RC_CONFLICT, "retry: transaction %s was "
			       "aborted by another transaction (its record "
			       "expired or it lost a deadlock)", t->hex);
	default:
		return txnrpc_error(c, "write intents", e);
	}
}

/* One round: write every group to do, push the locks met. */
static int intents_round(struct txn *t, struct intents *in, struct err *e)
{
	struct txnrpc_call *c = calloc(in->ntodo, sizeof(*c));
	struct txnbg_ride *ride = calloc(in->ntodo, sizeof(*ride));
	int rc = RC_OK;

	if (c == NULL || ride == NULL) {
		free(c);
		free(ride);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < in->ntodo; i++) {
		c[i].key = in->keys[in->todo[i].first].p;
		c[i].klen = in->keys[in->todo[i].first].n;
		c[i].path = "/txn/write";
		c[i].body = write_body(t, in->todo[i].first, in->todo[i].n);
		ride_board(t, &c[i], in->todo[i].range_id, &ride[i]);
	}
	txnrpc_run(t->eng->router, c, in->ntodo);
	for (size_t i = 0; i < in->ntodo; i++)
		ride_end(t, &ride[i], &c[i]);
	free(ride);
	for (size_t i = 0; i < in->ntodo && rc == RC_OK; i++)
		rc = intents_answer(t, in, &in->todo[i], &c[i], e);
	for (size_t i = 0; i < in->ntodo && rc == RC_OK; i++) {
		if (txnrpc_answer(&c[i]) != TXNRPC_LOCKED)
			continue;
		if ((rc = ensure_record(t, e)) == RC_OK &&
		    (rc = handle_locked(t, &c[i], e)) == RC_OK)
			rc = intents_requeue(in, &in->todo[i], 1, e);
	}
	for (size_t i = 0; i < in->ntodo; i++)
		txnrpc_call_clear(&c[i]);
	free(c);
	return rc;
}

/* Lay the intents of every write; *maxts the highest intent ts. */
static int lay_intents(struct txn *t, const struct txnrpc_key *keys,
		       size_t n, uint64_t *maxts, struct err *e)
{
	struct intents in;
	int rc;

	memset(&in, 0, sizeof(in));
	in.keys = keys;
	rc = txnrpc_group_keys(t->eng->router, keys, n, TXNRPC_BATCH_KEYS,
			       TXNRPC_BATCH_BYTES, &in.todo, &in.ntodo, e);
	for (int round = 0; rc == RC_OK && in.ntodo > 0; round++) {
		if (round == TXN_MAX_ROUNDS) {
			rc = err_set(e, RC_CONFLICT, "retry: write intents: "
				     "gave up after %d rounds", round);
			break;
		}
		rc = intents_round(t, &in, e);
		free(in.todo);
		in.todo = in.next;
		in.ntodo = in.nnext;
		in.next = NULL;
		in.nnext = 0;
	}
	free(in.todo);
	free(in.next);
	*maxts = in.maxts;
	return rc;
}

/* How many of the sorted keys[0..n) lie in the anchor's (keys[0]) range. */
static size_t anchor_keys(struct txn *t, const struct txnrpc_key *keys,
			  size_t n)
{
	struct txnrpc_group *g = NULL;
	size_t ng = 0, k = 0;
	struct err e;

	if (txnrpc_group_keys(t->eng->router, keys, n, TXNRPC_BATCH_KEYS,
			      TXNRPC_BATCH_BYTES, &g, &ng, &e) == RC_OK &&
	    ng > 0)
		k = g[0].n;
	free(g);
	return k;
}

/*
 * The commit point: the record -> COMMITTED at cts.  RC_OK committed;
 * RC_CONFLICT aborted by a pusher; t->state = TXN_UNKNOWN (with
 * RC_UNAVAILABLE) when it may or may not have happened.  The first try
 * also resolves the nres keys[0..nres) (the intents in the anchor's own
 * range) in the record's command, sparing a command per transaction;
 * t->resolved says whether that happened.  A range that moved meanwhile
 * refuses the whole command (421): the next try goes without them.
 */
static int commit_record(struct txn *t, uint64_t cts,
			 const struct txnrpc_key *keys, size_t nres,
			 struct err *e)
{
	struct txnrpc_call c;
	struct err last;
	int maybe = 0, rc = RC_OK;

	err_clear(&last);
	t->resolved = 0;
	for (int i = 0; i < TXN_RECORD_TRIES; i++) {
		const char *st;
		int a;

		struct txnbg_ride ride;
		struct desc d;
		struct err le;

		/* the anchor's range: cached since the intents went there */
		memset(&ride, 0, sizeof(ride));
		if (router_locate(t->eng->router, t->anchor, t->alen, &d,
				  &le) == RC_OK)
			txnbg_ride_take(t->eng->bg, d.range_id, &ride);
		if (txnrpc_record_resolve(t->eng->router, t->id, t->anchor,
					  t->alen, "commit", cts, 0, keys,
					  nres, ride.batch, &c) != RC_OK) {
			txnbg_ride_done(t->eng->bg, &ride, NULL);
			return err_set(e, RC_NOMEM, "out of memory");
		}
		ride_end(t, &ride, &c);
		a = txnrpc_answer(&c);
		st = json_string_value(json_object_get(c.reply, "status"));
		if (a == TXNRPC_OK && (st == NULL ||
				       strcmp(st, "committed") == 0)) {
			if (nres > 0 && json_integer_value(json_object_get(
					c.reply, "resolved")) > 0)
				t->resolved = nres;
			txnrpc_call_clear(&c);
			return RC_OK;
		}
		if (a == TXNRPC_MOVED)
			nres = 0;
		if (a == TXNRPC_ABORTED) {
			txnrpc_call_clear(&c);
			return err_set(e, RC_CONFLICT, "retry: transaction %s "
				       "was aborted by another transaction "
				       "before its commit (its record expired "
				       "or it lost a deadlock)", t->hex);
		}
		maybe |= a == TXNRPC_FAILED || a == TXNRPC_OK;
		rc = txnrpc_error(&c, "commit record", &last);
		if (a == TXNRPC_OK)
			rc = err_set(&last, RC_CORRUPT, "commit record: "
				     "answer with status '%s'", st);
		txnrpc_call_clear(&c);
		if (!maybe && a != TXNRPC_MOVED)
			break;		/* refused: certainly not committed */
	}
	if (!maybe)
		return err_set(e, rc, "%s", last.msg);
	t->state = TXN_UNKNOWN;
	return err_set(e, RC_UNAVAILABLE, "commit of transaction %s: outcome "
		       "unknown: %s", t->hex, last.msg);
}

/* Steps 1-3 of a 2PC commit (intents, refresh, record). */
static int twopc_steps(struct txn *t, const struct txnrpc_key *keys,
		       size_t n, uint64_t *cts, struct err *e)
{
	uint64_t maxts = 0;
	int rc;

	if ((rc = lay_intents(t, keys, n, &maxts, e)) != RC_OK)
		return rc;
	*cts = maxts > t->rts ? maxts : t->rts;
	if (*cts > t->rts && (rc = refresh_all(t, t->rts, *cts, e)) != RC_OK)
		return rc;
	if (txnbg_hb_aborted(t->hb))
		return err_set(e, RC_CONFLICT, "retry: transaction %s was "
			       "aborted by another transaction (its record "
			       "expired or it lost a deadlock)", t->hex);
	return commit_record(t, *cts, keys, anchor_keys(t, keys, n), e);
}

static int commit_2pc(struct txn *t, const struct txnrpc_key *keys,
		      size_t n, uint64_t *cts, struct err *e)
{
	struct txn_engine *eng = t->eng;
	struct err qe;
	int rc, outcome;

	*cts = t->rts;
	t->alen = keys[0].n;
	if ((t->anchor = malloc(t->alen + 1)) == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	memcpy(t->anchor, keys[0].p, t->alen);
	if ((rc = txnbg_hb_start(eng->bg, t->id, t->anchor, t->alen, &t->hb,
				 e)) != RC_OK)
		return rc;
	rc = twopc_steps(t, keys, n, cts, e);
	txnbg_hb_stop(t->hb);
	t->hb = NULL;
	outcome = rc == RC_OK ? TXNBG_COMMITTED : t->state == TXN_UNKNOWN ?
		TXNBG_UNKNOWN : TXNBG_ABORTED;
	/* keys point into t->writes, which the job takes: not used after */
	if (txnbg_resolve(eng->bg, t->id, outcome, *cts, t->anchor, t->alen,
			  &t->writes, outcome == TXNBG_COMMITTED ?
			  t->resolved : 0, &qe) != RC_OK)
		log_error("msg=\"cannot queue resolution; intents left to "
			  "pushers\" txn=%s error=\"%s\"", t->hex, qe.msg);
	return rc;
}

/* ---- commit ------------------------------------------------------------- */

/* Make sure every later rts from tsod is >= cts (see txn.h). */
static void commit_wait(struct txn *t, uint64_t cts)
{
	uint64_t deadline = util_mono_ms() + TXN_COMMIT_WAIT_MAX_MS;
	struct err e;

	for (;;) {
		uint64_t now, gap;

		if (tso_get(t->eng->tso, &now, &e) != RC_OK) {
			log_warn("msg=\"commit wait skipped\" txn=%s "
				 "error=\"%s\"", t->hex, e.msg);
			return;
		}
		if (now >= cts)
			return;
		if (util_mono_ms() >= deadline) {
			log_warn("msg=\"commit wait gave up\" txn=%s ts=%"
				 PRIu64 " tsod=%" PRIu64, t->hex, cts, now);
			return;
		}
		gap = hlc_physical(cts) - hlc_physical(now) + 1;
		sleep_ms(gap > 100 ? 100 : (unsigned)gap);
	}
}

/* Plan (1PC or 2PC) and commit; replans when a 1PC range moved. */
static int commit_plan(struct txn *t, uint64_t *cts, int *one_pc,
		       struct err *e)
{
	struct txnrpc_key *keys = NULL;
	int rc = RC_OK;

	if ((rc = txnrpc_buf_keys(&t->writes, &keys, e)) != RC_OK)
		return rc;
	for (int round = 0; round < TXN_PLAN_ROUNDS; round++) {
		struct txnrpc_group *g = NULL;
		size_t ng = 0;

		rc = txnrpc_group_keys(t->eng->router, keys, t->writes.n,
				       TXNRPC_BATCH_KEYS, TXNRPC_BATCH_BYTES,
				       &g, &ng, e);
		if (rc != RC_OK)
			break;
		*one_pc = ng == 1;
		if (ng == 1) {
			rc = commit_1pc(t, keys, &g[0], cts, e);
			if (rc == RC_RANGE_MOVED)
				router_invalidate(t->eng->router,
						  g[0].range_id);
			free(g);
			if (rc == RC_RANGE_MOVED)
				continue;
			break;
		}
		free(g);
		rc = commit_2pc(t, keys, t->writes.n, cts, e);
		break;
	}
	free(keys);
	return rc;
}

int txn_commit(struct txn *t, uint64_t *cts, int *one_pc, struct err *e)
{
	struct txn_engine *eng = t->eng;
	int rc, is1pc = 1, kind, writes = t->writes.n > 0;
	uint64_t ts = t->rts;

	if ((rc = check_open(t, e)) != RC_OK)
		return rc;
	t->reason = R_CONFLICT;
	if (writes) {
		t->state = TXN_COMMITTING;
		rc = no_moved(commit_plan(t, &ts, &is1pc, e), e);
	}
	if (rc != RC_OK) {
		if (t->state != TXN_UNKNOWN) {
			/* a range refused what the client asked (an
			   increment of a value that is no number) */
			if (rc == RC_BAD_INPUT || rc == RC_TOO_LARGE)
				t->reason = R_CLIENT;
			else if (rc != RC_CONFLICT)
				t->reason = R_ERROR;
			t->state = TXN_ABORTED;
		}
		txn_finish(t, t->state);
		return rc;
	}
	if (ts > t->rts)
		commit_wait(t, ts);
	kind = !writes ? K_READONLY : is1pc ? K_1PC : K_2PC;
	metrics_counter_inc(eng->m_commits[kind]);
	atomic_fetch_add(&eng->commits[kind], 1);
	txn_finish(t, TXN_COMMITTED);
	*cts = ts;
	if (one_pc != NULL)
		*one_pc = is1pc;
	return RC_OK;
}

/* ---- life cycle --------------------------------------------------------- */

/* A transaction reading at ts, or at a fresh tsod timestamp when ts 0. */
static int begin_at(struct txn_engine *eng, uint64_t ts, struct txn **out,
		    struct err *e)
{
	struct txn *t = calloc(1, sizeof(*t));
	int rc;

	if (t == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	if (getrandom(t->id, sizeof(t->id), 0) != (ssize_t)sizeof(t->id)) {
		free(t);
		return err_set(e, RC_INTERNAL, "cannot draw a transaction id");
	}
	if (ts != 0) {
		t->rts = ts;
		t->read_only = 1;
	} else if ((rc = tso_get(eng->tso, &t->rts, e)) != RC_OK) {
		free(t);
		return rc;
	}
	t->eng = eng;
	txnwire_id_hex(t->id, t->hex);
	txnbuf_init(&t->writes);
	txnspans_init(&t->reads);
	pthread_mutex_init(&t->mu, NULL);
	t->t0 = metrics_now();
	*out = t;
	return RC_OK;
}

int txn_begin(struct txn_engine *eng, struct txn **out, struct err *e)
{
	return begin_at(eng, 0, out, e);
}

int txn_begin_at(struct txn_engine *eng, uint64_t ts, struct txn **out,
		 struct err *e)
{
	uint64_t now;
	int rc;

	if (ts == 0)
		return err_set(e, RC_BAD_INPUT, "timestamp 0 is not a "
			       "valid read timestamp");
	/* Never read the future: a later write could land below it. */
	if ((rc = tso_get(eng->tso, &now, e)) != RC_OK)
		return rc;
	if (ts > now)
		return err_set(e, RC_BAD_INPUT, "AS OF SYSTEM TIME: the "
			       "timestamp is in the future");
	return begin_at(eng, ts, out, e);
}

void txn_rollback(struct txn *t)
{
	if (t == NULL || t->state != TXN_ACTIVE)
		return;
	t->reason = R_CLIENT;
	txn_finish(t, TXN_ABORTED);
}

void txn_free(struct txn *t)
{
	if (t == NULL)
		return;
	txn_rollback(t);
	txnbg_hb_stop(t->hb);
	txnbuf_release(&t->writes);
	txnspans_release(&t->reads);
	free(t->anchor);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

const char *txn_id_hex(const struct txn *t)
{
	return t->hex;
}

uint64_t txn_read_ts(const struct txn *t)
{
	return t->rts;
}

/* ---- one-shot runs ------------------------------------------------------ */

static unsigned backoff_ms(struct txn_engine *eng, unsigned attempt)
{
	unsigned base = TXN_BACKOFF_MS << (attempt < 7 ? attempt : 7);
	uint64_t r;

	if (base > TXN_BACKOFF_MAX_MS)
		base = TXN_BACKOFF_MAX_MS;
	pthread_mutex_lock(&eng->rng_mu);
	eng->rng ^= eng->rng << 13;
	eng->rng ^= eng->rng >> 7;
	eng->rng ^= eng->rng << 17;
	r = eng->rng;
	pthread_mutex_unlock(&eng->rng_mu);
	return base / 2 + (unsigned)(r % (base + 1));	/* [base/2, 3base/2] */
}

int txn_run(struct txn_engine *eng, txn_body_fn body, void *arg,
	    uint64_t *cts, int *one_pc, unsigned *retries, struct err *e)
{
	for (unsigned attempt = 0;; attempt++) {
		struct txn *t;
		int rc;

		*retries = attempt;
		if ((rc = txn_begin(eng, &t, e)) != RC_OK)
			return rc;
		rc = body(t, arg, attempt, e);
		if (rc == RC_OK) {
			rc = txn_commit(t, cts, one_pc, e);
		} else if (t->state == TXN_ACTIVE) {
			t->reason = rc == RC_CONFLICT ? R_CONFLICT : R_CLIENT;
			txn_finish(t, TXN_ABORTED);
		}
		txn_free(t);
		if (rc != RC_CONFLICT || attempt >= eng->max_retries)
			return rc;
		metrics_counter_inc(eng->m_retries);
		atomic_fetch_add(&eng->retries, 1);
		sleep_ms(backoff_ms(eng, attempt));
	}
}

/* ---- the session table -------------------------------------------------- */

static size_t bucket_of(const unsigned char id[TXN_ID_LEN])
{
	uint64_t h;

	memcpy(&h, id, sizeof(h));
	return (size_t)(h % TXN_BUCKETS);
}

/* Unlink t from the table (eng->mu held). */
static void table_remove(struct txn_engine *eng, struct txn *t)
{
	for (struct txn **p = &eng->table[bucket_of(t->id)]; *p != NULL;
	     p = &(*p)->hnext) {
		if (*p == t) {
			*p = t->hnext;
			t->hnext = NULL;
			t->in_table = 0;
			eng->n_open--;
			metrics_gauge_set(eng->m_open, (double)eng->n_open);
			return;
		}
	}
}

int txn_session_begin(struct txn_engine *eng, struct txn **out,
		      struct err *e)
{
	struct txn *t;
	size_t b;
	int rc;

	if ((rc = txn_begin(eng, &t, e)) != RC_OK)
		return rc;
	pthread_mutex_lock(&eng->mu);
	if (eng->n_open >= TXN_MAX_OPEN) {
		pthread_mutex_unlock(&eng->mu);
		t->reason = R_ERROR;
		txn_finish(t, TXN_ABORTED);
		txn_free(t);
		return err_set(e, RC_UNAVAILABLE, "too many open transactions "
			       "(%d); commit or roll back some", TXN_MAX_OPEN);
	}
	b = bucket_of(t->id);
	t->hnext = eng->table[b];
	eng->table[b] = t;
	t->in_table = 1;
	t->users = 1;
	eng->n_open++;
	metrics_gauge_set(eng->m_open, (double)eng->n_open);
	pthread_mutex_unlock(&eng->mu);
	pthread_mutex_lock(&t->mu);
	*out = t;
	return RC_OK;
}

int txn_session_acquire(struct txn_engine *eng, const char *id_hex,
			struct txn **out, struct err *e)
{
	unsigned char id[TXN_ID_LEN];
	struct txn *t;

	if (txnwire_id_parse(id_hex, id) != 0)
		return err_set(e, RC_BAD_INPUT, "'%.40s' is not a transaction "
			       "id (32 hex characters)", id_hex ? id_hex : "");
	pthread_mutex_lock(&eng->mu);
	for (t = eng->table[bucket_of(id)]; t != NULL; t = t->hnext)
		if (memcmp(t->id, id, TXN_ID_LEN) == 0)
			break;
	if (t != NULL)
		t->users++;
	pthread_mutex_unlock(&eng->mu);
	if (t == NULL)
		return err_set(e, RC_NOT_FOUND, "no open transaction %s "
			       "(unknown, finished, or idle for more than %u "
			       "ms)", id_hex, eng->idle_ms);
	pthread_mutex_lock(&t->mu);
	if (t->state != TXN_ACTIVE) {
		txn_session_release(t);
		return err_set(e, RC_NOT_FOUND, "no open transaction %s (it "
			       "has just finished)", id_hex);
	}
	*out = t;
	return RC_OK;
}

void txn_session_release(struct txn *t)
{
	struct txn_engine *eng = t->eng;
	int finished = t->state != TXN_ACTIVE, last;

	pthread_mutex_unlock(&t->mu);
	pthread_mutex_lock(&eng->mu);
	t->users--;
	t->idle_since_ms = util_mono_ms();
	if (finished && t->in_table)
		table_remove(eng, t);
	last = !t->in_table && t->users == 0;
	pthread_mutex_unlock(&eng->mu);
	if (last)
		txn_free(t);
}

/* Unlink the idle transactions (eng->mu held) into a list. */
static struct txn *reap_idle(struct txn_engine *eng, uint64_t now)
{
	struct txn *list = NULL;

	for (size_t b = 0; b < TXN_BUCKETS; b++) {
		struct txn **p = &eng->table[b];

		while (*p != NULL) {
			struct txn *t = *p;

			if (t->users > 0 ||
			    now - t->idle_since_ms < eng->idle_ms) {
				p = &t->hnext;
				continue;
			}
			table_remove(eng, t);
			t->hnext = list;
			list = t;
		}
	}
	return list;
}

static void *reaper_main(void *arg)
{
	struct txn_engine *eng = arg;
	unsigned tick = eng->idle_ms / 4 < 1000 ? eng->idle_ms / 4 + 1 : 1000;

	pthread_setname_np(pthread_self(), "txcoord-reaper");

	pthread_mutex_lock(&eng->mu);
	while (!eng->stop) {
		struct txn *list = reap_idle(eng, util_mono_ms());

		pthread_mutex_unlock(&eng->mu);
		while (list != NULL) {
			struct txn *t = list;

			list = t->hnext;
			log_info("msg=\"idle transaction aborted\" txn=%s "
				 "idle_ms=%u", t->hex, eng->idle_ms);
			if (t->state == TXN_ACTIVE) {
				t->reason = R_EXPIRED;
				txn_finish(t, TXN_ABORTED);
			}
			txn_free(t);
		}
		pthread_mutex_lock(&eng->mu);
		if (!eng->stop) {
			struct timespec ts;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += tick / 1000;
			ts.tv_nsec += (long)(tick % 1000) * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&eng->cond, &eng->mu, &ts);
		}
	}
	pthread_mutex_unlock(&eng->mu);
	return NULL;
}

/* ---- the engine --------------------------------------------------------- */

static int engine_metrics(struct txn_engine *eng, struct metrics *reg,
			  struct err *e)
{
	int rc;

	if (reg == NULL)
		return RC_OK;
	for (int k = 0; k < K__COUNT; k++)
		if ((rc = metrics_counter(reg, "txcoord_commits_total",
					  "Transactions committed, by kind.",
					  "kind", kind_names[k],
					  &eng->m_commits[k], e)) != RC_OK)
			return rc;
	for (int r = 0; r < R__COUNT; r++)
		if ((rc = metrics_counter(reg, "txcoord_aborts_total",
					  "Transactions aborted, by reason.",
					  "reason", reason_names[r],
					  &eng->m_aborts[r], e)) != RC_OK)
			return rc;
	if ((rc = metrics_counter(reg, "txcoord_retries_total",
				  "One-shot transaction attempts repeated "
				  "after a retryable error.", NULL, NULL,
				  &eng->m_retries, e)) != RC_OK ||
	    (rc = metrics_counter(reg, "txcoord_outcome_unknown_total",
				  "Commits whose outcome was unknown when "
				  "answered.", NULL, NULL, &eng->m_unknown,
				  e)) != RC_OK ||
	    (rc = metrics_counter(reg, "txcoord_pushes_total",
				  "Pushes of transactions holding intents.",
				  NULL, NULL, &eng->m_pushes, e)) != RC_OK ||
	    (rc = metrics_gauge(reg, "txcoord_open_txns",
				"Interactive transactions open.", NULL, NULL,
				&eng->m_open, e)) != RC_OK)
		return rc;
	return metrics_histogram(reg, "txcoord_txn_seconds",
				 "Transaction lifetime, begin to end.", NULL,
				 NULL, metrics_latency_bounds,
				 METRICS_LATENCY_NBOUNDS, &eng->m_seconds, e);
}

static int engine_threads(struct txn_engine *eng, struct err *e)
{
	struct txnbg_opts bo = { eng->router, eng->hb_ms, eng->timeout_ms,
				 eng->ride_wait_ms };
	pthread_condattr_t ca;
	int rc;

	if ((rc = txnbg_new(&eng->bg, &bo, e)) != RC_OK)
		return rc;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&eng->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&eng->reaper, NULL, reaper_main, eng) != 0)
		return err_set(e, RC_INTERNAL, "cannot start the idle "
			       "transaction reaper");
	eng->reaper_started = 1;
	return RC_OK;
}

int txn_engine_new(struct txn_engine **out,
		   const struct txn_engine_opts *opts, struct err *e)
{
	struct txn_engine *eng = calloc(1, sizeof(*eng));
	int rc;

	if (eng == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	if (opts->tso == NULL || opts->router == NULL) {
		free(eng);
		return err_set(e, RC_BAD_INPUT, "transaction engine needs a "
			       "tsod client and a router");
	}
	eng->tso = opts->tso;
	eng->router = opts->router;
	eng->timeout_ms = opts->txn_timeout_ms ? opts->txn_timeout_ms :
		TXN_DEFAULT_TIMEOUT_MS;
	eng->hb_ms = opts->heartbeat_ms ? opts->heartbeat_ms :
		TXN_DEFAULT_HEARTBEAT_MS;
	eng->idle_ms = opts->idle_timeout_ms ? opts->idle_timeout_ms :
		TXN_DEFAULT_IDLE_MS;
	eng->max_retries = opts->max_retries;
	eng->ride_wait_ms = opts->ride_wait_ms;
	pthread_mutex_init(&eng->mu, NULL);
	pthread_mutex_init(&eng->rng_mu, NULL);
	if (getrandom(&eng->rng, sizeof(eng->rng), 0) !=
	    (ssize_t)sizeof(eng->rng) || eng->rng == 0)
		eng->rng = UINT64_C(0x9e3779b97f4a7c15);
	if ((rc = engine_metrics(eng, opts->reg, e)) != RC_OK ||
	    (rc = engine_threads(eng, e)) != RC_OK) {
		txn_engine_free(eng);
		return rc;
	}
	*out = eng;
	return RC_OK;
}

void txn_engine_free(struct txn_engine *eng)
{
	if (eng == NULL)
		return;
	pthread_mutex_lock(&eng->mu);
	eng->stop = 1;
	if (eng->reaper_started)
		pthread_cond_broadcast(&eng->cond);
	pthread_mutex_unlock(&eng->mu);
	if (eng->reaper_started)
		pthread_join(eng->reaper, NULL);
	for (size_t b = 0; b < TXN_BUCKETS; b++) {
		while (eng->table[b] != NULL) {
			struct txn *t = eng->table[b];

			table_remove(eng, t);
			txn_free(t);
		}
	}
	txnbg_free(eng->bg);
	if (eng->bg != NULL)
		pthread_cond_destroy(&eng->cond);
	pthread_mutex_destroy(&eng->mu);
	pthread_mutex_destroy(&eng->rng_mu);
	free(eng);
}

void txn_engine_stats(struct txn_engine *eng, struct txn_stats *st)
{
	struct txnbg_stats bs;

	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&eng->mu);
	st->open_txns = eng->n_open;
	pthread_mutex_unlock(&eng->mu);
	txnbg_get_stats(eng->bg, &bs);
	st->committing = bs.committing;
	st->resolve_pending = bs.pending;
	st->resolved = bs.resolved;
	st->resolve_dropped = bs.dropped;
	st->resolve_rode = bs.rode;
	st->heartbeats = bs.heartbeats;
	st->commits_1pc = atomic_load(&eng->commits[K_1PC]);
	st->commits_2pc = atomic_load(&eng->commits[K_2PC]);
	st->commits_readonly = atomic_load(&eng->commits[K_READONLY]);
	st->aborts = atomic_load(&eng->aborts);
	st->retries = atomic_load(&eng->retries);
	st->unknown = atomic_load(&eng->unknown);
	st->pushes = atomic_load(&eng->pushes);
}
