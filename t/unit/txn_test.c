/*
 * txn_test.c -- unit tests for txcoord's transaction engine
 * (cmd/txcoord/txn.c with txnrpc.c and txnbg.c) and its HTTP API
 * (cmd/txcoord/api.c), driven through the real tso.c and router.c.
 *
 * A fake cluster runs in this process on libcommon's HTTP server: a tsod
 * (POST /ts, a counter of HLC timestamps) and one raftd node that leads
 * two ranges split at "m" (movable), serving /meta/locate, /meta/nodes and
 * the spec's /txn/ endpoints (section 4) over an in-memory model:
 * committed versions, intents, transaction records, a timestamp cache of
 * every read, push with waiting and waiters.  It counts every call,
 * keeps the last body of each kind, and has switches to misbehave: answer
 * a commit late (after applying it), fail a 1PC commit, abort a record
 * behind the coordinator's back, slow down intent writes, report
 * waiters to build a deadlock.
 *
 * Covered: 1PC and read-only commits, the read set sent with a 1PC (every
 * read, including misses and empty scans), a 1PC pushed above rts with
 * reads elsewhere refreshed, 1PC and 2PC refresh failures, 2PC with
 * record commit and asynchronous resolution and record GC, 409 locked ->
 * push -> resolve -> retry against committed, expired and live pushees,
 * both outcomes of the deadlock rule, a record aborted by a pusher,
 * heartbeats, "outcome unknown" for a 1PC and a record commit that time
 * out (and the background settling afterwards), a range split under a
 * 1PC, scans merging the write buffer across ranges with limits, the
 * idle-session reaper, metrics, and the HTTP API: interactive calls, the
 * 409 retry/40001 shape, one-shot requests with incr, automatic retries
 * and their exhaustion, and bad input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "api.h"
#include "desc.h"
#include "hlc.h"
#include "http.h"
#include "jx.h"
#include "keys.h"
#include "log.h"
#include "metrics.h"
#include "raftwire.h"
#include "router.h"
#include "tso.h"
#include "txn.h"
#include "txnbg.h"
#include "txnwire.h"
#include "util.h"

/* ---- the fake cluster --------------------------------------------------- */

#define FMAX	512

enum fcall {
	C_TS, C_LOCATE, C_GET, C_SCAN, C_WRITE, C_1PC, C_REFRESH, C_RESOLVE,
	C_PUSH, C_HB, C_COMMIT, C_ABORT, C_GC, C_QUERY, C__COUNT
};

enum { F_PENDING = 1, F_COMMITTED, F_ABORTED };

struct fb {
	unsigned char *p;
	size_t n;
};

struct fver {
	struct fb key, val;
	uint64_t ts;
	int tomb;
};

struct fint {
	struct fb key, anchor, val;
	unsigned char txn[16];
	uint64_t ts;
	int tomb;
};

struct frec {
	unsigned char txn[16];
	int status;
	uint64_t ts;
	uint64_t hb_ms;			/* monotonic */
	unsigned timeout_ms;
};

struct fread {
	struct fb s, e;			/* e.n == 0: +inf */
	uint64_t ts;
};

struct fwait {
	unsigned char pushee[16], waiter[16];
};

static struct fake {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	struct http_server *srv;
	char addr[64];
	uint64_t clock;			/* tsod: next timestamp */
	char split[8];			/* range 2 ["", split), 3 [split, inf) */
	uint64_t gen;
	struct fver vers[FMAX];
	size_t nv;
	struct fint ints[FMAX];
	size_t ni;
	struct frec recs[FMAX];
	size_t nr;
	struct fread reads[FMAX * 4];
	size_t nt;
	struct fwait waits[FMAX];
	size_t nw;
	int calls[C__COUNT];
	json_t *last[C__COUNT];		/* last request body of each kind */
	/* switches */
	int hang_commit;		/* record commits: apply, then hang */
	int hang_1pc;			/* 1PC commits: apply, then hang */
	unsigned hang_ms;
	int fail_1pc;			/* 1PC: 409 retry without applying */
	int abort_on_write;		/* record created ABORTED (a pusher) */
	unsigned write_delay_ms;
	int inject_waiter;		/* every query lists injected[] */
	int gate_resolve;		/* /txn/resolve waits while set */
	size_t batched;			/* resolutions that came in batches */
	int commit_resolved;		/* intents resolved by record commits */
	int no_rides;			/* ignore "ride" (as an older raftd) */
	size_t rode;			/* resolutions that came riding */
	unsigned char injected[16];
} F;

static void fb_set(struct fb *b, const void *p, size_t n)
{
	free(b->p);
	b->p = malloc(n + 1);
	assert_non_null(b->p);
	if (n > 0)
		memcpy(b->p, p, n);
	b->p[n] = 0;
	b->n = n;
}

static int fb_eq(const struct fb *b, const void *p, size_t n)
{
	return b->n == n && (n == 0 || memcmp(b->p, p, n) == 0);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* key in [s, e) (e empty: +inf) */
static int in_span(const void *k, size_t kn, const struct fb *s,
		   const struct fb *e)
{
	return keys_cmp(k, kn, s->p, s->n) >= 0 &&
		(e->n == 0 || keys_cmp(k, kn, e->p, e->n) < 0);
}

/* The range of key: 2 = ["", split), 3 = [split, +inf). */
static int range_of(const void *k, size_t kn)
{
	return keys_cmp(k, kn, (const uint8_t *)F.split,
			strlen(F.split)) < 0 ? 2 : 3;
}

static json_t *range_json(int id)
{
	struct desc d;

	if (id == 2)
		desc_init(&d, 2, "", 0, F.split, strlen(F.split), NULL);
	else
		desc_init(&d, 3, F.split, strlen(F.split), "", 0, NULL);
	d.replicas[0] = 1;
	d.n_replicas = 1;
	d.generation = F.gen;
	return desc_to_json(&d);
}

static const struct fver *latest(const void *k, size_t kn, uint64_t upto)
{
	const struct fver *best = NULL;

	for (size_t i = 0; i < F.nv; i++)
		if (fb_eq(&F.vers[i].key, k, kn) && F.vers[i].ts <= upto &&
		    (best == NULL || F.vers[i].ts > best->ts))
			best = &F.vers[i];
	return best;
}

static struct fint *intent_of(const void *k, size_t kn)
{
	for (size_t i = 0; i < F.ni; i++)
		if (fb_eq(&F.ints[i].key, k, kn))
			return &F.ints[i];
	return NULL;
}

static void intent_del(struct fint *it)
{
	free(it->key.p);
	free(it->anchor.p);
	free(it->val.p);
	*it = F.ints[--F.ni];
	memset(&F.ints[F.ni], 0, sizeof(F.ints[0]));
}

static struct frec *rec_of(const unsigned char id[16])
{
	for (size_t i = 0; i < F.nr; i++)
		if (memcmp(F.recs[i].txn, id, 16) == 0)
			return &F.recs[i];
	return NULL;
}

static struct frec *rec_new(const unsigned char id[16], int status)
{
	struct frec *r = rec_of(id);

	if (r == NULL) {
		assert_true(F.nr < FMAX);
		r = &F.recs[F.nr++];
		memset(r, 0, sizeof(*r));
		memcpy(r->txn, id, 16);
		r->hb_ms = util_mono_ms();
		r->timeout_ms = 1000;
	}
	r->status = status;
	pthread_cond_broadcast(&F.cond);
	return r;
}

static void ver_add(const void *k, size_t kn, uint64_t ts, const void *v,
		    size_t vn, int tomb)
{
	struct fver *x;

	assert_true(F.nv < FMAX);
	x = &F.vers[F.nv++];
	memset(x, 0, sizeof(*x));
	fb_set(&x->key, k, kn);
	fb_set(&x->val, v, vn);
	x->ts = ts;
	x->tomb = tomb;
}

static void tsc_add(const void *s, size_t sn, const void *e, size_t en,
		    uint64_t ts)
{
	struct fread *r;

	assert_true(F.nt < FMAX * 4);
	r = &F.reads[F.nt++];
	memset(r, 0, sizeof(*r));
	fb_set(&r->s, s, sn);
	fb_set(&r->e, e, en);
	r->ts = ts;
}

static void tsc_add_key(const void *k, size_t kn, uint64_t ts)
{
	unsigned char e[64];

	memcpy(e, k, kn);
	e[kn] = 0;
	tsc_add(k, kn, e, kn + 1, ts);
}

static uint64_t tsc_get(const void *k, size_t kn)
{
	uint64_t m = 0;

	for (size_t i = 0; i < F.nt; i++)
		if (in_span(k, kn, &F.reads[i].s, &F.reads[i].e) &&
		    F.reads[i].ts > m)
			m = F.reads[i].ts;
	return m;
}

/* ---- fake replies ------------------------------------------------------- */

static void reply_code(struct http_resp *resp, int status, const char *code,
		       const char *msg, json_t *extra)
{
	json_t *j = json_pack("{s:{s:s, s:s}}", "error", "code", code,
			      "message", msg);

	if (extra != NULL) {
		json_object_update(j, extra);
		json_decref(extra);
	}
	http_resp_json(resp, status, j);
}

static json_t *intent_json(const struct fint *it)
{
	json_t *j = json_pack("{s:o}", "txn", txnwire_id_json(it->txn));

	desc_bytes_set(j, "key", it->key.p, it->key.n);
	desc_bytes_set(j, "anchor", it->anchor.p, it->anchor.n);
	txnwire_ts_set(j, "ts", it->ts);
	return j;
}

static void reply_locked(struct http_resp *resp, json_t *intents)
{
	reply_code(resp, 409, "locked", "locked by another transaction",
		   json_pack("{s:o}", "intents", intents));
}

static void fb_get(const json_t *j, const char *name, struct fb *b)
{
	void *p = NULL;
	size_t n = 0;

	memset(b, 0, sizeof(*b));
	if (desc_bytes_get(j, name, &p, &n, NULL) == RC_OK) {
		b->p = p;
		b->n = n;
	}
}

static uint64_t ts_of(const json_t *j, const char *name)
{
	uint64_t ts = 0;

	txnwire_ts_get(j, name, &ts, NULL);
	return ts;
}

/* Count the call and keep its body (F.mu held). */
static void note(int kind, const json_t *body)
{
	F.calls[kind]++;
	json_decref(F.last[kind]);
	F.last[kind] = json_deep_copy(body);
}

static int foreign(const struct fint *it, const unsigned char id[16])
{
	return memcmp(it->txn, id, 16) != 0;
}

/* ---- fake tsod and meta ------------------------------------------------- */

static void h_ts(const struct http_req *req, struct http_resp *resp, void *a)
{
	json_int_t n = json_integer_value(json_object_get(req->json,
							  "count"));
	uint64_t first;

	pthread_mutex_lock(&F.mu);
	F.calls[C_TS]++;
	first = F.clock;
	F.clock += (uint64_t)n;
	pthread_mutex_unlock(&F.mu);
	http_resp_json(resp, 200, json_pack("{s:I, s:I}", "ts",
					    (json_int_t)first, "count", n));
}

static void h_locate(const struct http_req *req, struct http_resp *resp,
		     void *a)
{
	const char *k = http_req_query(req, "key");
	const char *b = http_req_query(req, "key_b64");
	void *dec = NULL;
	size_t n = 0;
	json_t *j;

	if (k == NULL && b != NULL)
		raftwire_base64_decode(b, strlen(b), &dec, &n, NULL);
	pthread_mutex_lock(&F.mu);
	F.calls[C_LOCATE]++;
	j = json_pack("{s:o, s:i, s:s}", "range",
		      range_json(k ? range_of(k, strlen(k)) :
				 range_of(dec, n)), "leader", 1,
		      "leader_addr", F.addr);
	pthread_mutex_unlock(&F.mu);
	free(dec);
	http_resp_json(resp, 200, j);
}

static void h_nodes(const struct http_req *req, struct http_resp *resp,
		    void *a)
{
	http_resp_json(resp, 200, json_pack("{s:[{s:i, s:s}]}", "nodes",
					    "id", 1, "address", F.addr));
}

/* ---- fake /txn/ endpoints ----------------------------------------------- */

static void h_get(const struct http_req *req, struct http_resp *resp,
		  void *a)
{
	unsigned char id[16];
	uint64_t ts = ts_of(req->json, "ts");
	struct fb k;
	struct fint *it;
	const struct fver *v;
	json_t *j;

	txnwire_id_get(req->json, "txn", id, NULL);
	fb_get(req->json, "key", &k);
	pthread_mutex_lock(&F.mu);
	note(C_GET, req->json);
	it = intent_of(k.p, k.n);
	if (it != NULL && foreign(it, id) && it->ts <= ts) {
		reply_locked(resp, json_pack("[o]", intent_json(it)));
		goto out;
	}
	tsc_add_key(k.p, k.n, ts);
	v = latest(k.p, k.n, ts);
	if (v == NULL || v->tomb) {
		j = json_pack("{s:b, s:i}", "found", 0, "range_id",
			      range_of(k.p, k.n));
	} else {
		j = json_pack("{s:b, s:i}", "found", 1, "range_id",
			      range_of(k.p, k.n));
		desc_bytes_set(j, "value", v->val.p, v->val.n);
		txnwire_ts_set(j, "ts", v->ts);
	}
	http_resp_json(resp, 200, j);
out:
	pthread_mutex_unlock(&F.mu);
	free(k.p);
}

static int fb_cmp(const void *a, const void *b)
{
	const struct fb *x = a, *y = b;

	return keys_cmp(x->p, x->n, y->p, y->n);
}

static void h_scan(const struct http_req *req, struct http_resp *resp,
		   void *a)
{
	unsigned char id[16];
	uint64_t ts = ts_of(req->json, "ts");
	json_int_t limit = json_integer_value(json_object_get(req->json,
							      "limit"));
	struct fb s, e, rend = { 0 }, keys[FMAX];
	size_t nk = 0, got = 0;
	json_t *locked = json_array(), *kvs = json_array(), *j;
	int more = 0;

	txnwire_id_get(req->json, "txn", id, NULL);
	fb_get(req->json, "start", &s);
	fb_get(req->json, "end", &e);
	pthread_mutex_lock(&F.mu);
	note(C_SCAN, req->json);
	if (range_of(s.p, s.n) == 2 && (e.n == 0 || keys_cmp(e.p, e.n,
			(const uint8_t *)F.split, strlen(F.split)) > 0)) {
		/* the range ends first */
		rend.p = (unsigned char *)F.split;
		rend.n = strlen(F.split);
		more = 1;
	} else {
		rend = e;
	}
	for (size_t i = 0; i < F.ni; i++)
		if (in_span(F.ints[i].key.p, F.ints[i].key.n, &s, &rend) &&
		    foreign(&F.ints[i], id) && F.ints[i].ts <= ts)
			json_array_append_new(locked,
					      intent_json(&F.ints[i]));
	if (json_array_size(locked) > 0) {
		reply_locked(resp, locked);
		json_decref(kvs);
		goto out;
	}
	json_decref(locked);
	for (size_t i = 0; i < F.nv; i++) {
		size_t x;

		if (!in_span(F.vers[i].key.p, F.vers[i].key.n, &s, &rend))
			continue;
		for (x = 0; x < nk && !fb_eq(&keys[x], F.vers[i].key.p,
					     F.vers[i].key.n); x++)
			;
		if (x == nk)
			keys[nk++] = F.vers[i].key;
	}
	qsort(keys, nk, sizeof(keys[0]), fb_cmp);
	j = json_object();
	for (size_t i = 0; i < nk; i++) {
		const struct fver *v = latest(keys[i].p, keys[i].n, ts);
		json_t *kv;

		if (v == NULL || v->tomb)
			continue;
		if ((json_int_t)got == limit) {
			more = 1;
			rend = keys[i];		/* resume here */
			break;
		}
		kv = json_object();
		desc_bytes_set(kv, "key", v->key.p, v->key.n);
		desc_bytes_set(kv, "value", v->val.p, v->val.n);
		json_array_append_new(kvs, kv);
		got++;
	}
	tsc_add(s.p, s.n, rend.p, rend.n, ts);
	json_object_set_new(j, "kvs", kvs);
	json_object_set_new(j, "more", json_boolean(more));
	if (more)
		desc_bytes_set(j, "resume", rend.p, rend.n);
	http_resp_json(resp, 200, j);
out:
	pthread_mutex_unlock(&F.mu);
	free(s.p);
	free(e.p);
}

/* 1 (answered 421) unless every op key lies in one range. */
static int ops_moved(const json_t *ops, struct http_resp *resp)
{
	size_t i;
	json_t *op;
	int range = 0;

	json_array_foreach(ops, i, op) {
		struct fb k;
		int r;

		fb_get(op, "key", &k);
		r = range_of(k.p, k.n);
		free(k.p);
		if (range != 0 && r != range) {
			reply_code(resp, 421, "range_moved", "keys span "
				   "ranges", json_pack("{s:o}", "range",
						       range_json(range)));
			return 1;
		}
		range = r;
	}
	return 0;
}

/* 1 (answered locked) if a foreign intent holds an op key. */
static int ops_locked(const json_t *ops, const unsigned char id[16],
		      struct http_resp *resp)
{
	json_t *locked = json_array(), *op;
	size_t i;

	json_array_foreach(ops, i, op) {
		struct fb k;
		struct fint *it;

		fb_get(op, "key", &k);
		it = intent_of(k.p, k.n);
		if (it != NULL && foreign(it, id))
			json_array_append_new(locked, intent_json(it));
		free(k.p);
	}
	if (json_array_size(locked) == 0) {
		json_decref(locked);
		return 0;
	}
	reply_locked(resp, locked);
	return 1;
}

/* max(w, tscache + 1, latest + 1) over the op keys */
static uint64_t ops_ts(const json_t *ops, uint64_t w)
{
	json_t *op;
	size_t i;

	json_array_foreach(ops, i, op) {
		struct fb k;
		const struct fver *v;

		fb_get(op, "key", &k);
		if (tsc_get(k.p, k.n) + 1 > w)
			w = tsc_get(k.p, k.n) + 1;
		v = latest(k.p, k.n, UINT64_MAX);
		if (v != NULL && v->ts + 1 > w)
			w = v->ts + 1;
		free(k.p);
	}
	return w;
}

/*
 * An "incr" op as raftd evaluates it: the latest committed value of its
 * key (absent: 0) + by, as text in v (v->p malloc'd); 0, or a 400 in resp
 * (F.mu held).  Every incr op's value is appended to vals.
 */
static int incr_eval(const json_t *op, struct fb *v, json_t *vals,
		     struct http_resp *resp)
{
	struct fb k;
	const struct fver *cur;
	int64_t x = 0, by = 0;
	char t[24];

	fb_get(op, "key", &k);
	cur = latest(k.p, k.n, UINT64_MAX);
	free(k.p);
	if (util_parse_i64(json_string_value(json_object_get(op, "by")),
			   INT64_MIN, INT64_MAX, &by, "by", NULL) != RC_OK) {
		reply_code(resp, 400, "bad_input", "bad by", NULL);
		return -1;
	}
	if (cur != NULL && !cur->tomb) {
		memcpy(t, cur->val.p, cur->val.n < 23 ? cur->val.n : 23);
		t[cur->val.n < 23 ? cur->val.n : 23] = 0;
		if (util_parse_i64(t, INT64_MIN, INT64_MAX, &x, "value",
				   NULL) != RC_OK) {
			reply_code(resp, 400, "bad_input", "incr: the value "
				   "is not a decimal integer", NULL);
			return -1;
		}
	}
	if ((by > 0 && x > INT64_MAX - by) || (by < 0 && x < INT64_MIN - by)) {
		reply_code(resp, 400, "bad_input", "incr: would overflow",
			   NULL);
		return -1;
	}
	snprintf(t, sizeof(t), "%" PRId64, x + by);
	v->n = strlen(t);
	v->p = (unsigned char *)strdup(t);
	json_array_append_new(vals, json_string(t));
	return 0;
}

static int is_incr(const json_t *op)
{
	return strcmp(json_string_value(json_object_get(op, "op")),
		      "incr") == 0;
}

/* 1 (and a 400 in resp) if an incr of ops would be refused (F.mu held). */
static int incrs_refused(const json_t *ops, json_t *vals,
			 struct http_resp *resp)
{
	json_t *op;
	size_t i;

	json_array_foreach(ops, i, op) {
		struct fb v;

		if (is_incr(op)) {
			if (incr_eval(op, &v, vals, resp) != 0)
				return 1;
			free(v.p);
		}
	}
	json_array_clear(vals);
	return 0;
}

static int resolve_one(const json_t *b);

/*
 * The "ride" of a write or a 1PC (F.mu held): applied first, as raftd
 * proposes it just before the command.  The intents resolved; -1: none.
 */
static int ride_apply(const json_t *body)
{
	const json_t *ride = json_object_get(body, "ride"), *b;
	size_t i;
	int n = 0;

	if (ride == NULL || F.no_rides)
		return -1;
	json_array_foreach(ride, i, b)
		n += resolve_one(b);
	F.rode += json_array_size(ride);
	pthread_cond_broadcast(&F.cond);
	return n;
}

/* A 200 answer j says what became of the ride (ride_apply's n). */
static void ride_answer(json_t *j, int n)
{
	if (n >= 0)
		json_object_set_new(j, "ride", json_pack("{s:i}", "resolved",
							 n));
}

static void h_write(const struct http_req *req, struct http_resp *resp,
		    void *a)
{
	unsigned char id[16];
	uint64_t w = ts_of(req->json, "ts"), maxts = 0;
	json_t *ops = json_object_get(req->json, "ops"), *op, *j;
	json_t *vals = json_array();
	struct fb anchor;
	struct frec *r;
	size_t i;
	int rode;

	txnwire_id_get(req->json, "txn", id, NULL);
	fb_get(req->json, "anchor", &anchor);
	if (F.write_delay_ms)
		sleep_ms(F.write_delay_ms);
	pthread_mutex_lock(&F.mu);
	note(C_WRITE, req->json);
	rode = ride_apply(req->json);
	if (ops_moved(ops, resp) || ops_locked(ops, id, resp))
		goto out;
	r = rec_of(id);
	if (r != NULL && r->status == F_ABORTED) {
		reply_code(resp, 409, "aborted", "transaction aborted", NULL);
		goto out;
	}
	if (incrs_refused(ops, vals, resp))	/* refusals first */
		goto out;
	json_array_foreach(ops, i, op) {
		struct fb k, v;
		struct fint *it;
		json_t *one = json_pack("[O]", op);
		uint64_t ts = ops_ts(one, w);

		fb_get(op, "key", &k);
		if (is_incr(op))
			incr_eval(op, &v, vals, resp);
		else
			fb_get(op, "value", &v);
		if ((it = intent_of(k.p, k.n)) == NULL) {
			assert_true(F.ni < FMAX);
			it = &F.ints[F.ni++];
			memset(it, 0, sizeof(*it));
		}
		fb_set(&it->key, k.p, k.n);
		fb_set(&it->anchor, anchor.p, anchor.n);
		fb_set(&it->val, v.p, v.n);
		memcpy(it->txn, id, 16);
		it->ts = ts;
		it->tomb = strcmp(json_string_value(json_object_get(op, "op")),
				  "delete") == 0;
		if (ts > maxts)
			maxts = ts;
		json_decref(one);
		free(k.p);
		free(v.p);
	}
	if (json_is_true(json_object_get(req->json, "record"))) {
		r = rec_new(id, F.abort_on_write ? F_ABORTED : F_PENDING);
		r->hb_ms = util_mono_ms();
		r->timeout_ms = (unsigned)json_integer_value(
			json_object_get(req->json, "timeout_ms"));
	}
	j = json_object();
	txnwire_ts_set(j, "ts", maxts);
	if (json_array_size(vals) > 0)
		json_object_set(j, "values", vals);
	ride_answer(j, rode);
	http_resp_json(resp, 200, j);
out:
	pthread_mutex_unlock(&F.mu);
	json_decref(vals);
	free(anchor.p);
}

/* NULL when no read of spans changed in (from, to]; else what changed. */
static const char *reads_changed(const json_t *spans,
				 const unsigned char id[16], uint64_t from,
				 uint64_t to)
{
	json_t *sp;
	size_t i;

	json_array_foreach(spans, i, sp) {
		struct fb s, e;
		const char *why = NULL;

		fb_get(sp, "key", &s);
		if (s.p != NULL) {
			e.p = malloc(s.n + 1);
			memcpy(e.p, s.p, s.n);
			e.p[s.n] = 0;
			e.n = s.n + 1;
		} else {
			fb_get(sp, "start", &s);
			fb_get(sp, "end", &e);
		}
		for (size_t x = 0; x < F.nv && why == NULL; x++)
			if (in_span(F.vers[x].key.p, F.vers[x].key.n, &s, &e) &&
			    F.vers[x].ts > from && F.vers[x].ts <= to)
				why = (const char *)F.vers[x].key.p;
		for (size_t x = 0; x < F.ni && why == NULL; x++)
			if (in_span(F.ints[x].key.p, F.ints[x].key.n, &s, &e) &&
			    foreign(&F.ints[x], id) && F.ints[x].ts <= to)
				why = (const char *)F.ints[x].key.p;
		if (why == NULL)
			tsc_add(s.p, s.n, e.p, e.n, to);
		free(s.p);
		free(e.p);
		if (why != NULL)
			return why;
	}
	return NULL;
}

static void h_1pc(const struct http_req *req, struct http_resp *resp,
		  void *a)
{
	unsigned char id[16];
	uint64_t rts = ts_of(req->json, "rts"), w = ts_of(req->json, "ts");
	json_t *ops = json_object_get(req->json, "ops"), *op, *j;
	int can_push = json_is_true(json_object_get(req->json, "can_push"));
	const char *why;
	char msg[128];
	size_t i;
	uint64_t ts;
	int hang = 0, rode;
	json_t *vals = json_array();

	txnwire_id_get(req->json, "txn", id, NULL);
	pthread_mutex_lock(&F.mu);
	note(C_1PC, req->json);
	rode = ride_apply(req->json);
	if (F.fail_1pc > 0) {
		F.fail_1pc--;
		reply_code(resp, 409, "retry", "read of 'q' changed", NULL);
		goto out;
	}
	if (ops_moved(ops, resp) || ops_locked(ops, id, resp))
		goto out;
	ts = ops_ts(ops, w);
	if (ts > w && !can_push) {
		j = json_object();
		txnwire_ts_set(j, "ts", ts);
		reply_code(resp, 409, "retry", "pushed", j);
		goto out;
	}
	why = reads_changed(json_object_get(req->json, "reads"), id, rts, ts);
	if (why != NULL) {
		snprintf(msg, sizeof(msg), "read of '%s' changed", why);
		reply_code(resp, 409, "retry", msg, NULL);
		goto out;
	}
	if (incrs_refused(ops, vals, resp))	/* refusals first */
		goto out;
	json_array_foreach(ops, i, op) {
		struct fb k, v;

		fb_get(op, "key", &k);
		if (is_incr(op))
			incr_eval(op, &v, vals, resp);
		else
			fb_get(op, "value", &v);
		ver_add(k.p, k.n, ts, v.p, v.n, v.p == NULL);
		free(k.p);
		free(v.p);
	}
	j = json_object();
	txnwire_ts_set(j, "ts", ts);
	if (json_array_size(vals) > 0)
		json_object_set(j, "values", vals);
	ride_answer(j, rode);
	http_resp_json(resp, 200, j);
	if (F.hang_1pc > 0) {
		F.hang_1pc--;
		hang = 1;
	}
out:
	pthread_mutex_unlock(&F.mu);
	json_decref(vals);
	if (hang)
		sleep_ms(F.hang_ms);
}

static void h_refresh(const struct http_req *req, struct http_resp *resp,
		      void *a)
{
	unsigned char id[16];
	const char *why;
	char msg[128];

	txnwire_id_get(req->json, "txn", id, NULL);
	pthread_mutex_lock(&F.mu);
	note(C_REFRESH, req->json);
	why = reads_changed(json_object_get(req->json, "spans"), id,
			    ts_of(req->json, "from"), ts_of(req->json, "to"));
	if (why != NULL) {
		snprintf(msg, sizeof(msg), "read of '%s' changed", why);
		reply_code(resp, 409, "retry", msg, NULL);
	} else {
		http_resp_json(resp, 200, json_object());
	}
	pthread_mutex_unlock(&F.mu);
}

/* Resolve id's intents on the keys array ks (F.mu held); how many. */
static int resolve_keys(const unsigned char id[16], int committed,
			uint64_t ts, const json_t *ks)
{
	json_t *k;
	size_t i;
	int n = 0;

	json_array_foreach(ks, i, k) {
		struct fb key = { 0 };
		struct fint *it;

		if (json_is_string(k))
			fb_set(&key, json_string_value(k),
			       json_string_length(k));
		else
			fb_get(k, "key", &key);
		it = intent_of(key.p, key.n);
		if (it != NULL && !foreign(it, id)) {
			if (committed)
				ver_add(it->key.p, it->key.n, ts, it->val.p,
					it->val.n, it->tomb);
			intent_del(it);
			n++;
		}
		free(key.p);
	}
	return n;
}

/* One {"txn","status","ts","keys"} (F.mu held). */
static int resolve_one(const json_t *b)
{
	unsigned char id[16];
	const char *st = json_string_value(json_object_get(b, "status"));

	txnwire_id_get(b, "txn", id, NULL);
	assert_non_null(st);
	return resolve_keys(id, strcmp(st, "committed") == 0,
			    ts_of(b, "ts"), json_object_get(b, "keys"));
}

static void h_resolve(const struct http_req *req, struct http_resp *resp,
		      void *a)
{
	const json_t *batch = json_object_get(req->json, "batch");
	json_t *b;
	size_t i;
	int n = 0;

	(void)a;
	pthread_mutex_lock(&F.mu);
	note(C_RESOLVE, req->json);
	while (F.gate_resolve)	/* a test holds the resolvers here */
		pthread_cond_wait(&F.cond, &F.mu);
	if (batch != NULL) {
		F.batched += json_array_size(batch);
		json_array_foreach(batch, i, b)
			n += resolve_one(b);
	} else {
		n = resolve_one(req->json);
	}
	pthread_cond_broadcast(&F.cond);
	pthread_mutex_unlock(&F.mu);
	http_resp_json(resp, 200, json_pack("{s:i}", "resolved", n));
}

/* POST /txn/gc: collect the finished records listed. */
static void h_gc(const struct http_req *req, struct http_resp *resp,
		 void *a)
{
	json_t *o;
	size_t i;
	int pending = 0;

	(void)a;
	pthread_mutex_lock(&F.mu);
	note(C_GC, req->json);
	json_array_foreach(json_object_get(req->json, "records"), i, o) {
		unsigned char id[16];
		struct frec *r;

		txnwire_id_get(o, "txn", id, NULL);
		if ((r = rec_of(id)) == NULL)
			continue;
		if (r->status == F_PENDING)
			pending++;
		else
			*r = F.recs[--F.nr];
	}
	pthread_mutex_unlock(&F.mu);
	http_resp_json(resp, 200, json_pack("{s:i}", "pending", pending));
}

static const char *status_name(const struct frec *r)
{
	static const char *const n[] = { "missing", "pending", "committed",
					 "aborted" };

	return n[r ? r->status : 0];
}

static json_t *waiters_of(const unsigned char id[16])
{
	json_t *w = json_array();

	for (size_t i = 0; i < F.nw; i++)
		if (memcmp(F.waits[i].pushee, id, 16) == 0)
			json_array_append_new(w,
					      txnwire_id_json(F.waits[i].waiter));
	if (F.inject_waiter)
		json_array_append_new(w, txnwire_id_json(F.injected));
	return w;
}

static int expired(const struct frec *r)
{
	return util_mono_ms() > r->hb_ms + r->timeout_ms;
}

/* /txn/record (F.mu held); 1 if the reply should come late. */
static int record_op(const json_t *b, struct http_resp *resp)
{
	const char *op = json_string_value(json_object_get(b, "op"));
	unsigned char id[16];
	struct frec *r;
	json_t *j;

	txnwire_id_get(b, "txn", id, NULL);
	r = rec_of(id);
	if (strcmp(op, "heartbeat") == 0) {
		note(C_HB, b);
		if (r != NULL && r->status == F_ABORTED) {
			reply_code(resp, 409, "aborted", "aborted", NULL);
			return 0;
		}
		if (r == NULL) {
			r = rec_new(id, F_PENDING);
			r->timeout_ms = (unsigned)json_integer_value(
				json_object_get(b, "timeout_ms"));
		}
		r->hb_ms = util_mono_ms();
	} else if (strcmp(op, "commit") == 0) {
		note(C_COMMIT, b);
		if (r != NULL && r->status == F_ABORTED) {
			reply_code(resp, 409, "aborted", "aborted", NULL);
			return 0;
		}
		r = rec_new(id, F_COMMITTED);
		r->ts = ts_of(b, "ts");
		if (json_object_get(b, "resolve") != NULL) {
			int n = resolve_keys(id, 1, r->ts,
					     json_object_get(b, "resolve"));

			F.commit_resolved += n;
			http_resp_json(resp, 200, json_pack("{s:s, s:i}",
				"status", "committed", "resolved", n));
			pthread_cond_broadcast(&F.cond);
			if (F.hang_commit > 0) {
				F.hang_commit--;
				return 1;
			}
			return 0;
		}
		if (F.hang_commit > 0) {
			F.hang_commit--;
			http_resp_json(resp, 200, json_pack("{s:s}", "status",
							    "committed"));
			return 1;
		}
	} else if (strcmp(op, "abort") == 0) {
		note(C_ABORT, b);
		if (r != NULL && r->status == F_COMMITTED) {
			reply_code(resp, 409, "conflict", "committed", NULL);
			return 0;
		}
		r = rec_new(id, F_ABORTED);
	} else if (strcmp(op, "gc") == 0) {
		note(C_GC, b);
		if (r == NULL) {
			reply_code(resp, 404, "not_found", "no record", NULL);
			return 0;
		}
		if (r->status == F_PENDING) {
			reply_code(resp, 409, "conflict", "pending", NULL);
			return 0;
		}
		*r = F.recs[--F.nr];
		http_resp_json(resp, 200, json_object());
		return 0;
	} else {
		note(C_QUERY, b);
		j = json_pack("{s:s, s:b, s:o}", "status", status_name(r),
			      "expired", r ? expired(r) : 0, "waiters",
			      waiters_of(id));
		http_resp_json(resp, 200, j);
		return 0;
	}
	http_resp_json(resp, 200, json_pack("{s:s}", "status",
					    status_name(r)));
	return 0;
}

static void h_record(const struct http_req *req, struct http_resp *resp,
		     void *a)
{
	int hang;

	pthread_mutex_lock(&F.mu);
	hang = record_op(req->json, resp);
	pthread_mutex_unlock(&F.mu);
	if (hang)
		sleep_ms(F.hang_ms);
}

/* The verdict on a settled record; NULL while pending. */
static json_t *push_verdict(const struct frec *r)
{
	json_t *j;

	if (r == NULL || r->status == F_PENDING)
		return NULL;
	j = json_pack("{s:s}", "status", status_name(r));
	if (r->status == F_COMMITTED)
		txnwire_ts_set(j, "ts", r->ts);
	return j;
}

static void push_register(const unsigned char pushee[16], const json_t *w)
{
	unsigned char id[16];

	if (!json_is_string(w) ||
	    txnwire_id_parse(json_string_value(w), id) != 0)
		return;
	for (size_t i = 0; i < F.nw; i++)
		if (memcmp(F.waits[i].pushee, pushee, 16) == 0 &&
		    memcmp(F.waits[i].waiter, id, 16) == 0)
			return;
	assert_true(F.nw < FMAX);
	memcpy(F.waits[F.nw].pushee, pushee, 16);
	memcpy(F.waits[F.nw++].waiter, id, 16);
}

static void h_push(const struct http_req *req, struct http_resp *resp,
		   void *a)
{
	unsigned char id[16];
	int force = json_is_true(json_object_get(req->json, "force"));
	json_int_t wait = json_integer_value(json_object_get(req->json,
							     "wait_ms"));
	uint64_t deadline = util_mono_ms() + (uint64_t)wait;
	struct frec *r;
	json_t *v, *w;
	size_t i;

	txnwire_id_get(req->json, "pushee", id, NULL);
	pthread_mutex_lock(&F.mu);
	note(C_PUSH, req->json);
	r = rec_of(id);
	if ((v = push_verdict(r)) == NULL &&
	    (force || (r != NULL && expired(r)))) {
		r = rec_new(id, F_ABORTED);
		v = push_verdict(r);
	}
	if (v == NULL) {
		push_register(id, json_object_get(req->json, "pusher"));
		json_array_foreach(json_object_get(req->json, "deps"), i, w)
			push_register(id, w);
	}
	while (v == NULL && util_mono_ms() < deadline) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 20 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&F.cond, &F.mu, &ts);
		v = push_verdict(rec_of(id));
	}
	if (v == NULL)
		v = json_pack("{s:s, s:o}", "status", "pending", "waiters",
			      waiters_of(id));
	pthread_mutex_unlock(&F.mu);
	http_resp_json(resp, 200, v);
}

static void fake_start(void)
{
	struct http_server_opts o = { .listen = "127.0.0.1:0",
				      .thread_per_conn = 1 };
	static const struct {
		const char *m, *p;
		http_handler_fn fn;
	} routes[] = {
		{ "POST", "/ts", h_ts },
		{ "GET", "/meta/locate", h_locate },
		{ "GET", "/meta/nodes", h_nodes },
		{ "POST", "/txn/get", h_get },
		{ "POST", "/txn/scan", h_scan },
		{ "POST", "/txn/write", h_write },
		{ "POST", "/txn/commit1pc", h_1pc },
		{ "POST", "/txn/refresh", h_refresh },
		{ "POST", "/txn/resolve", h_resolve },
		{ "POST", "/txn/record", h_record },
		{ "POST", "/txn/gc", h_gc },
		{ "POST", "/txn/push", h_push },
	};

	memset(&F, 0, sizeof(F));
	pthread_mutex_init(&F.mu, NULL);
	pthread_cond_init(&F.cond, NULL);
	F.clock = hlc_make(util_wall_ms(), 0);
	strcpy(F.split, "m");
	F.gen = 1;
	assert_int_equal(http_server_new(&F.srv, NULL), RC_OK);
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		assert_int_equal(http_server_route(F.srv, routes[i].m,
						   routes[i].p,
						   strcmp(routes[i].m, "POST") ?
						   0 : HTTP_JSON_BODY, 0,
						   routes[i].fn, NULL, NULL),
				 RC_OK);
	assert_int_equal(http_server_start(F.srv, &o, NULL), RC_OK);
	snprintf(F.addr, sizeof(F.addr), "127.0.0.1:%u",
		 http_server_port(F.srv));
}

static void fake_stop(void)
{
	http_server_free(F.srv);
	for (size_t i = 0; i < F.nv; i++) {
		free(F.vers[i].key.p);
		free(F.vers[i].val.p);
	}
	while (F.ni > 0)
		intent_del(&F.ints[0]);
	for (size_t i = 0; i < F.nt; i++) {
		free(F.reads[i].s.p);
		free(F.reads[i].e.p);
	}
	for (int i = 0; i < C__COUNT; i++)
		json_decref(F.last[i]);
	pthread_cond_destroy(&F.cond);
	pthread_mutex_destroy(&F.mu);
}

/* ---- seeding and inspecting the fake ------------------------------------ */

static uint64_t fake_now(void)
{
	uint64_t t;

	pthread_mutex_lock(&F.mu);
	t = F.clock;
	pthread_mutex_unlock(&F.mu);
	return t;
}

static void seed_version(const char *k, uint64_t ts, const char *v)
{
	pthread_mutex_lock(&F.mu);
	ver_add(k, strlen(k), ts, v, v ? strlen(v) : 0, v == NULL);
	pthread_mutex_unlock(&F.mu);
}

static void seed_intent(const char *k, const unsigned char id[16],
			uint64_t ts, const char *v)
{
	struct fint *it;

	pthread_mutex_lock(&F.mu);
	it = &F.ints[F.ni++];
	memset(it, 0, sizeof(*it));
	fb_set(&it->key, k, strlen(k));
	fb_set(&it->anchor, k, strlen(k));
	fb_set(&it->val, v, strlen(v));
	memcpy(it->txn, id, 16);
	it->ts = ts;
	pthread_mutex_unlock(&F.mu);
}

static void seed_record(const unsigned char id[16], int status, uint64_t ts,
			unsigned age_ms, unsigned timeout_ms)
{
	struct frec *r;

	pthread_mutex_lock(&F.mu);
	r = rec_new(id, status);
	r->ts = ts;
	r->hb_ms = util_mono_ms() - age_ms;
	r->timeout_ms = timeout_ms;
	pthread_mutex_unlock(&F.mu);
}

static int calls(int kind)
{
	int n;

	pthread_mutex_lock(&F.mu);
	n = F.calls[kind];
	pthread_mutex_unlock(&F.mu);
	return n;
}

/* The committed value of k at the latest version ("" if none/deleted). */
static void expect_committed(const char *k, const char *want)
{
	const struct fver *v;
	char *got = NULL;

	/* copied out: a failed assert must not leave F.mu locked (the
	   fake's handlers would then hang the teardown) */
	pthread_mutex_lock(&F.mu);
	v = latest(k, strlen(k), UINT64_MAX);
	if (v != NULL && !v->tomb)
		got = strdup((const char *)v->val.p);
	pthread_mutex_unlock(&F.mu);
	if (want == NULL) {
		assert_null(got);
	} else {
		assert_non_null(got);
		assert_string_equal(got, want);
	}
	free(got);
}

static uint64_t version_ts(const char *k)
{
	const struct fver *v;
	uint64_t ts;

	pthread_mutex_lock(&F.mu);
	v = latest(k, strlen(k), UINT64_MAX);
	ts = v ? v->ts : 0;
	pthread_mutex_unlock(&F.mu);
	return ts;
}

static size_t n_intents(void)
{
	size_t n;

	pthread_mutex_lock(&F.mu);
	n = F.ni;
	pthread_mutex_unlock(&F.mu);
	return n;
}

static int record_status(const unsigned char id[16])
{
	struct frec *r;
	int s;

	pthread_mutex_lock(&F.mu);
	r = rec_of(id);
	s = r ? r->status : 0;
	pthread_mutex_unlock(&F.mu);
	return s;
}

/* The last body of a kind of call (a copy; the caller decrefs). */
static json_t *last_body(int kind)
{
	json_t *j;

	pthread_mutex_lock(&F.mu);
	j = json_deep_copy(F.last[kind]);
	pthread_mutex_unlock(&F.mu);
	assert_non_null(j);
	return j;
}

/* ---- the engine under test ---------------------------------------------- */

static struct env {
	struct tso *tso;
	struct router *router;
	struct metrics *reg;
	struct txn_engine *eng;
	struct http_server *api;
	struct http_client *cli;
} E;

static unsigned env_ride_wait_ms;	/* 0: the engine's default */

static void env_start(unsigned idle_ms, unsigned router_deadline_ms)
{
	struct txn_engine_opts o;
	const char *addrs[1] = { F.addr };

	memset(&E, 0, sizeof(E));
	assert_int_equal(tso_new(&E.tso, F.addr, NULL), RC_OK);
	assert_int_equal(router_new(&E.router, addrs, 1, NULL), RC_OK);
	if (router_deadline_ms)
		router_set_deadline(E.router, router_deadline_ms);
	assert_int_equal(metrics_new(&E.reg, NULL), RC_OK);
	memset(&o, 0, sizeof(o));
	o.tso = E.tso;
	o.router = E.router;
	o.reg = E.reg;
	o.txn_timeout_ms = 1000;
	o.heartbeat_ms = 100;
	o.idle_timeout_ms = idle_ms;
	o.max_retries = 3;
	o.ride_wait_ms = env_ride_wait_ms;
	assert_int_equal(txn_engine_new(&E.eng, &o, NULL), RC_OK);
}

static void env_stop(void)
{
	http_client_free(E.cli);
	http_server_free(E.api);
	txn_engine_free(E.eng);
	router_free(E.router);
	tso_free(E.tso);
	metrics_free(E.reg);
	memset(&E, 0, sizeof(E));
}

static int setup(void **state)
{
	fake_start();
	env_start(60000, 0);
	return 0;
}

static int teardown(void **state)
{
	env_stop();
	fake_stop();
	return 0;
}

/* Wait until the engine's resolver has nothing left to do. */
static void wait_resolved(void)
{
	struct txn_stats st;

	for (int i = 0; i < 1000; i++) {
		txn_engine_stats(E.eng, &st);
		if (st.resolve_pending == 0)
			return;
		sleep_ms(10);
	}
	fail_msg("resolution still pending after 10 s");
}

/* The value of a series in the metrics text (-1 if absent). */
static double metric(const char *series)
{
	char *text = NULL, *p, line[256];
	size_t len;
	double v = -1;

	/* at the start of a line, followed by the value */
	snprintf(line, sizeof(line), "\n%s ", series);
	assert_int_equal(metrics_render(E.reg, &text, &len, NULL), RC_OK);
	p = strstr(text, line);
	if (p != NULL)
		v = strtod(p + strlen(line), NULL);
	free(text);
	return v;
}

static struct txn *begin(void)
{
	struct txn *t = NULL;

	assert_int_equal(txn_begin(E.eng, &t, NULL), RC_OK);
	return t;
}

static void put(struct txn *t, const char *k, const char *v)
{
	assert_int_equal(txn_put(t, k, strlen(k), v, strlen(v), NULL), RC_OK);
}

/* txn_get, expecting v (NULL: not found). */
static void get(struct txn *t, const char *k, const char *want)
{
	void *v = NULL;
	size_t vl = 0;
	int found = -1;
	struct err e;

	if (txn_get(t, k, strlen(k), &found, &v, &vl, &e) != RC_OK)
		fail_msg("get '%s': %s", k, e.msg);
	if (want == NULL) {
		assert_int_equal(found, 0);
	} else {
		assert_int_equal(found, 1);
		assert_string_equal((char *)v, want);
	}
	free(v);
}

/* One-shot: commit a put of k=v in its own transaction. */
static uint64_t commit_put(const char *k, const char *v)
{
	struct txn *t = begin();
	uint64_t cts = 0;
	struct err e;

	put(t, k, v);
	if (txn_commit(t, &cts, NULL, &e) != RC_OK)
		fail_msg("commit of %s: %s", k, e.msg);
	txn_free(t);
	return cts;
}

/* Does the JSON array of spans hold the point key k? */
static int spans_have_key(const json_t *spans, const char *k)
{
	const json_t *s;
	size_t i;

	json_array_foreach(spans, i, s) {
		const char *v = json_string_value(json_object_get(s, "key"));

		if (v != NULL && strcmp(v, k) == 0)
			return 1;
	}
	return 0;
}

/* ---- 1PC and read-only commits ------------------------------------------ */

static void test_1pc_commit(void **state)
{
	struct txn *t = begin(), *t2;
	uint64_t cts = 0, rts = txn_read_ts(t);
	int one_pc = -1;
	json_t *b;

	put(t, "a", "1");
	put(t, "b", "2");
	/* the user keyspace starts at 0x02 */
	assert_int_equal(txn_put(t, "", 0, "v", 1, NULL), RC_BAD_INPUT);
	assert_int_equal(txn_delete(t, "\x01m", 2, NULL), RC_BAD_INPUT);
	assert_int_equal(txn_put(t, "\x00", 1, "v", 1, NULL), RC_BAD_INPUT);
	assert_int_equal(txn_delete(t, "c", 1, NULL), RC_OK);
	get(t, "a", "1");			/* own write, no read */
	get(t, "c", NULL);
	assert_int_equal(calls(C_GET), 0);
	assert_int_equal(txn_commit(t, &cts, &one_pc, NULL), RC_OK);
	assert_int_equal(one_pc, 1);
	assert_true(cts >= rts);
	assert_int_equal(calls(C_1PC), 1);
	assert_int_equal(calls(C_WRITE), 0);
	assert_int_equal(calls(C_COMMIT), 0);
	b = last_body(C_1PC);
	assert_true(json_is_true(json_object_get(b, "can_push")));
	assert_int_equal(json_array_size(json_object_get(b, "ops")), 3);
	assert_int_equal(json_array_size(json_object_get(b, "reads")), 0);
	json_decref(b);
	/* a finished transaction refuses more work */
	assert_int_equal(txn_put(t, "x", 1, "y", 1, NULL), RC_BAD_INPUT);
	txn_free(t);
	expect_committed("a", "1");
	expect_committed("b", "2");
	assert_true(version_ts("a") == cts);
	t2 = begin();
	assert_true(txn_read_ts(t2) >= cts);
	get(t2, "a", "1");
	get(t2, "c", NULL);
	txn_free(t2);
	assert_true(metric("txcoord_commits_total{kind=\"1pc\"}") == 1);
	assert_true(metric("txcoord_aborts_total{reason=\"client\"}") == 1);
}

static void test_readonly_and_read_set(void **state)
{
	struct txn *t;
	struct txn_kvs r;
	uint64_t cts = 0;
	int one_pc = 0;
	json_t *b, *reads;

	seed_version("x", fake_now() - 10, "X");
	t = begin();
	get(t, "a", NULL);			/* a miss is a read too */
	get(t, "x", "X");
	assert_int_equal(txn_scan(t, "p", 1, "r", 1, 10, &r, NULL), RC_OK);
	assert_int_equal(r.n, 0);		/* an empty scan too */
	txn_kvs_release(&r);
	assert_int_equal(txn_commit(t, &cts, &one_pc, NULL), RC_OK);
	assert_true(cts == txn_read_ts(t));	/* read-only: at rts */
	assert_int_equal(calls(C_1PC), 0);
	txn_free(t);
	assert_true(metric("txcoord_commits_total{kind=\"readonly\"}") == 1);

	/* the same reads with a write: they all go with the commit */
	t = begin();
	get(t, "a", NULL);
	get(t, "x", "X");
	assert_int_equal(txn_scan(t, "p", 1, "r", 1, 10, &r, NULL), RC_OK);
	txn_kvs_release(&r);
	put(t, "b", "B");
	assert_int_equal(txn_commit(t, &cts, &one_pc, NULL), RC_OK);
	assert_int_equal(one_pc, 1);
	txn_free(t);
	b = last_body(C_1PC);
	reads = json_object_get(b, "reads");
	/* "a" is in the written range: checked by the 1PC command itself;
	   "x" and [p, r) are elsewhere: can_push is off */
	assert_true(spans_have_key(reads, "a"));
	assert_false(spans_have_key(reads, "x"));
	assert_false(json_is_true(json_object_get(b, "can_push")));
	assert_int_equal(calls(C_REFRESH), 0);	/* never pushed */
	json_decref(b);
}

static void test_1pc_pushed_refreshes_elsewhere(void **state)
{
	struct txn *t = begin(), *t2;
	uint64_t cts = 0, rts2;
	json_t *b;

	get(t, "x", NULL);			/* range 3 */
	put(t, "b", "B");			/* range 2 */
	t2 = begin();				/* reads b above t's rts */
	rts2 = txn_read_ts(t2);
	get(t2, "b", NULL);
	txn_free(t2);
	assert_int_equal(txn_commit(t, &cts, NULL, NULL), RC_OK);
	assert_true(cts == rts2 + 1);		/* above t2's read */
	assert_int_equal(calls(C_1PC), 2);	/* pushed, then asked again */
	assert_int_equal(calls(C_REFRESH), 1);
	b = last_body(C_REFRESH);
	assert_true(spans_have_key(json_object_get(b, "spans"), "x"));
	assert_true(ts_of(b, "to") == rts2 + 1);
	assert_true(ts_of(b, "from") == txn_read_ts(t));
	json_decref(b);
	txn_free(t);
	expect_committed("b", "B");
	/* commit wait: a transaction begun now reads at or above cts */
	t2 = begin();
	assert_true(txn_read_ts(t2) >= cts);
	get(t2, "b", "B");
	txn_free(t2);
}

static void test_1pc_refresh_fails(void **state)
{
	struct txn *t = begin(), *t2;
	struct err e;
	uint64_t cts;

	get(t, "x", NULL);			/* range 3, read at rts */
	put(t, "b", "B");
	commit_put("x", "changed");		/* x written above rts */
	t2 = begin();				/* push b above rts */
	get(t2, "b", NULL);
	txn_free(t2);
	assert_int_equal(txn_commit(t, &cts, NULL, &e), RC_CONFLICT);
	assert_non_null(strstr(e.msg, "retry: "));
	assert_non_null(strstr(e.msg, "'x'"));
	txn_free(t);
	expect_committed("b", NULL);
	assert_true(metric("txcoord_aborts_total{reason=\"refresh\"}") == 1);
}

static void test_1pc_in_range_read_changed(void **state)
{
	struct txn *t = begin(), *t2;
	struct err e;
	uint64_t cts;

	/* write skew: t reads a, writes b; t2 reads b, writes a */
	get(t, "a", NULL);
	put(t, "b", "from t");
	t2 = begin();
	get(t2, "b", NULL);
	put(t2, "a", "from t2");
	assert_int_equal(txn_commit(t2, &cts, NULL, NULL), RC_OK);
	txn_free(t2);
	assert_int_equal(txn_commit(t, &cts, NULL, &e), RC_CONFLICT);
	assert_non_null(strstr(e.msg, "'a' changed"));
	txn_free(t);
	expect_committed("b", NULL);
	expect_committed("a", "from t2");
}

/* ---- 2PC ---------------------------------------------------------------- */

static void test_2pc_commit(void **state)
{
	struct txn_stats st;
	struct txn *t = begin(), *t2;
	uint64_t cts = 0;
	int one_pc = -1;
	json_t *b;
	unsigned char id[16];

	put(t, "z", "26");
	put(t, "a", "1");
	assert_int_equal(txnwire_id_parse(txn_id_hex(t), id), 0);
	assert_int_equal(txn_commit(t, &cts, &one_pc, NULL), RC_OK);
	assert_int_equal(one_pc, 0);
	assert_true(cts == txn_read_ts(t));	/* nothing pushed it */
	assert_int_equal(calls(C_WRITE), 2);
	assert_int_equal(calls(C_1PC), 0);
	assert_int_equal(calls(C_COMMIT), 1);
	assert_int_equal(calls(C_REFRESH), 0);
	b = last_body(C_COMMIT);
	assert_string_equal(json_string_value(json_object_get(b, "anchor")),
			    "a");		/* the smallest key */
	assert_true(ts_of(b, "ts") == cts);
	/* the commit resolves the anchor's range's intent ("a") itself */
	assert_int_equal(json_array_size(json_object_get(b, "resolve")), 1);
	assert_string_equal(json_string_value(json_array_get(
		json_object_get(b, "resolve"), 0)), "a");
	assert_int_equal(F.commit_resolved, 1);
	json_decref(b);
	txn_free(t);
	wait_resolved();
	assert_int_equal(n_intents(), 0);
	assert_int_equal(calls(C_RESOLVE), 1);	/* the other range only */
	b = last_body(C_RESOLVE);
	assert_string_equal(json_string_value(json_array_get(
		json_object_get(b, "keys"), 0)), "z");
	json_decref(b);
	assert_int_equal(calls(C_GC), 1);
	assert_int_equal(record_status(id), 0);	/* collected */
	txn_engine_stats(E.eng, &st);
	assert_int_equal(st.resolved, 1);
	assert_int_equal(st.resolve_dropped, 0);
	assert_int_equal(st.commits_2pc, 1);
	expect_committed("a", "1");
	expect_committed("z", "26");
	assert_true(version_ts("z") == cts);
	t2 = begin();
	get(t2, "z", "26");
	txn_free(t2);
	assert_true(metric("txcoord_commits_total{kind=\"2pc\"}") == 1);
}

/* Commit {a}NN = va and {b}NN = vb (NN = i) as one 2PC transaction. */
static void commit_two(int i, char a, const char *va, char b, const char *vb)
{
	struct txn *t = begin();
	uint64_t cts;
	int one_pc;
	char k[16];

	snprintf(k, sizeof(k), "%c%02d", a, i);
	put(t, k, va);
	snprintf(k, sizeof(k), "%c%02d", b, i);
	put(t, k, vb);
	assert_int_equal(txn_commit(t, &cts, &one_pc, NULL), RC_OK);
	assert_int_equal(one_pc, 0);
	txn_free(t);
}

/*
 * Commits faster than the resolvers: the jobs that queue meanwhile are
 * resolved and collected in batches (one request per range), not one
 * request each.
 */
static void test_resolution_batched(void **state)
{
	enum { N = 20 };
	char k[16];
	int n;

	(void)state;
	pthread_mutex_lock(&F.mu);
	F.gate_resolve = 1;		/* every resolver gets stuck */
	F.no_rides = 1;			/* and no write takes one along */
	pthread_mutex_unlock(&F.mu);
	for (int i = 0; i < N; i++)
		commit_two(i, 'a', "1", 'z', "2");
	/* the commits resolved their "a" keys; the "z" ones wait */
	assert_int_equal(F.commit_resolved, N);
	assert_int_equal(n_intents(), N);
	pthread_mutex_lock(&F.mu);
	F.gate_resolve = 0;
	pthread_cond_broadcast(&F.cond);
	pthread_mutex_unlock(&F.mu);
	wait_resolved();
	assert_int_equal(n_intents(), 0);
	pthread_mutex_lock(&F.mu);
	n = (int)F.nr;
	pthread_mutex_unlock(&F.mu);
	assert_int_equal(n, 0);			/* every record collected */
	/* at most TXNBG_WORKERS went alone; the rest came in batches */
	assert_true(F.batched >= N - TXNBG_WORKERS);
	assert_true(calls(C_RESOLVE) <= TXNBG_WORKERS + 2);
	assert_true(calls(C_GC) <= TXNBG_WORKERS + 2);
	for (int i = 0; i < N; i++) {
		snprintf(k, sizeof(k), "z%02d", i);
		expect_committed(k, "2");
	}
}

/*
 * Sequential transactions over the same two ranges: each one's write to
 * the "z" range carries the resolution of the one before (a ride), so the
 * resolvers send almost nothing; the last one, which nothing carries, is
 * resolved when its wait is over.  A range that ignores rides (an older
 * raftd) only sends them the resolver's way at once: nothing is lost.
 */
static void test_resolution_rides(void **state)
{
	enum { N = 10 };
	struct txn_stats st;
	char k[16];

	(void)state;
	env_stop();
	env_ride_wait_ms = 1000;	/* long enough for any machine */
	env_start(60000, 0);
	env_ride_wait_ms = 0;
	for (int i = 0; i < N; i++)
		commit_two(i, 'a', "1", 'z', "2");
	pthread_mutex_lock(&F.mu);
	assert_int_equal(F.rode, N - 1);
	pthread_mutex_unlock(&F.mu);
	assert_int_equal(n_intents(), 1);	/* z09 waits for a ride */
	wait_resolved();
	assert_int_equal(n_intents(), 0);
	assert_int_equal(calls(C_RESOLVE), 1);	/* z09's, alone */
	txn_engine_stats(E.eng, &st);
	assert_int_equal(st.resolve_rode, N - 1);
	assert_int_equal(st.resolved, N);
	for (int i = 0; i < N; i++) {
		snprintf(k, sizeof(k), "z%02d", i);
		expect_committed(k, "2");
	}

	/* a range that ignores rides: every job goes the resolver's way */
	pthread_mutex_lock(&F.mu);
	F.no_rides = 1;
	pthread_mutex_unlock(&F.mu);
	for (int i = 0; i < 3; i++)
		commit_two(i, 'b', "3", 'y', "4");
	wait_resolved();
	assert_int_equal(n_intents(), 0);
	txn_engine_stats(E.eng, &st);
	assert_int_equal(st.resolve_rode, N - 1);
	for (int i = 0; i < 3; i++) {
		snprintf(k, sizeof(k), "y%02d", i);
		expect_committed(k, "4");
	}
}

static void test_2pc_pushed_refresh(void **state)
{
	struct txn *t = begin(), *t2;
	uint64_t cts = 0, rts2;
	json_t *b;

	get(t, "q", NULL);
	put(t, "a", "1");
	put(t, "z", "2");
	t2 = begin();
	rts2 = txn_read_ts(t2);
	get(t2, "a", NULL);			/* a's intent lands above */
	txn_free(t2);
	assert_int_equal(txn_commit(t, &cts, NULL, NULL), RC_OK);
	assert_true(cts == rts2 + 1);
	assert_int_equal(calls(C_REFRESH), 1);
	b = last_body(C_REFRESH);
	assert_true(spans_have_key(json_object_get(b, "spans"), "q"));
	json_decref(b);
	txn_free(t);
	wait_resolved();
	assert_true(version_ts("a") == cts && version_ts("z") == cts);
}

static void test_2pc_refresh_fails_aborts(void **state)
{
	struct txn *t = begin(), *t2;
	unsigned char id[16];
	struct err e;
	uint64_t cts = 0;

	assert_int_equal(txnwire_id_parse(txn_id_hex(t), id), 0);
	get(t, "q", NULL);
	put(t, "a", "1");
	put(t, "z", "2");
	commit_put("q", "changed");
	t2 = begin();
	get(t2, "a", NULL);
	txn_free(t2);
	assert_int_equal(txn_commit(t, &cts, NULL, &e), RC_CONFLICT);
	assert_non_null(strstr(e.msg, "retry: refresh"));
	assert_non_null(strstr(e.msg, "'q'"));
	txn_free(t);
	wait_resolved();
	assert_int_equal(n_intents(), 0);	/* resolved as aborted */
	expect_committed("a", NULL);
	expect_committed("z", NULL);
	assert_int_equal(calls(C_COMMIT), 0);	/* never at the commit point */
	assert_true(calls(C_ABORT) >= 1);
	assert_int_equal(record_status(id), 0);	/* aborted, then collected */
	assert_true(metric("txcoord_aborts_total{reason=\"refresh\"}") == 1);
}

static void test_record_aborted_by_pusher(void **state)
{
	struct txn *t = begin();
	struct err e;
	uint64_t cts;

	F.abort_on_write = 1;
	put(t, "a", "1");
	put(t, "z", "2");
	assert_int_equal(txn_commit(t, &cts, NULL, &e), RC_CONFLICT);
	assert_non_null(strstr(e.msg, "aborted by another transaction"));
	txn_free(t);
	F.abort_on_write = 0;
	wait_resolved();
	assert_int_equal(n_intents(), 0);
	expect_committed("a", NULL);
}

static void test_heartbeats(void **state)
{
	struct txn *t = begin();
	struct txn_stats st;
	uint64_t cts;
	int hb;

	F.write_delay_ms = 450;			/* heartbeat every 100 ms */
	put(t, "a", "1");
	put(t, "z", "2");
	assert_int_equal(txn_commit(t, &cts, NULL, NULL), RC_OK);
	F.write_delay_ms = 0;
	txn_free(t);
	hb = calls(C_HB);
	assert_true(hb >= 2);
	txn_engine_stats(E.eng, &st);
	assert_int_equal(st.heartbeats, hb);
	sleep_ms(300);
	assert_int_equal(calls(C_HB), hb);	/* none after the commit */
	wait_resolved();
}

/* ---- outcome unknown ---------------------------------------------------- */

static void test_1pc_outcome_unknown(void **state)
{
	struct txn *t;
	struct err e;
	uint64_t cts;

	env_stop();
	env_start(60000, 300);
	F.hang_1pc = 1;
	F.hang_ms = 900;
	t = begin();
	put(t, "a", "1");
	assert_int_equal(txn_commit(t, &cts, NULL, &e), RC_UNAVAILABLE);
	assert_non_null(strstr(e.msg, "outcome unknown"));
	assert_int_equal(calls(C_1PC), 1);	/* never sent twice */
	txn_free(t);
	expect_committed("a", "1");			/* it did commit */
	assert_true(metric("txcoord_outcome_unknown_total") == 1);
	assert_true(metric("txcoord_aborts_total{reason=\"error\"}") == 0);
}

static void test_2pc_record_outcome_unknown(void **state)
{
	struct txn *t;
	unsigned char id[16];
	struct err e;
	uint64_t cts;

	env_stop();
	env_start(60000, 300);
	F.hang_commit = 1000;
	F.hang_ms = 700;
	t = begin();
	assert_int_equal(txnwire_id_parse(txn_id_hex(t), id), 0);
	put(t, "a", "1");
	put(t, "z", "2");
	assert_int_equal(txn_commit(t, &cts, NULL, &e), RC_UNAVAILABLE);
	assert_non_null(strstr(e.msg, "outcome unknown"));
	assert_null(strstr(e.msg, "retry"));
	txn_free(t);
	pthread_mutex_lock(&F.mu);
	F.hang_commit = 0;			/* the cluster recovers */
	pthread_mutex_unlock(&F.mu);
	wait_resolved();			/* the engine settles it */
	assert_int_equal(n_intents(), 0);
	expect_committed("a", "1");
	expect_committed("z", "2");
	assert_int_equal(record_status(id), 0);
}

/* ---- pushing foreign intents -------------------------------------------- */

static const unsigned char X[16] = {
	0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
	0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55
};

static void test_push_committed(void **state)
{
	uint64_t old = fake_now() - 100;
	struct txn *t;

	seed_version("k", old, "old");
	seed_intent("k", X, old + 5, "new");
	seed_record(X, F_COMMITTED, old + 6, 0, 60000);
	t = begin();
	get(t, "k", "new");
	assert_int_equal(calls(C_PUSH), 1);
	assert_int_equal(calls(C_RESOLVE), 1);
	assert_int_equal(n_intents(), 0);
	assert_true(version_ts("k") == old + 6);	/* at X's commit ts */
	txn_free(t);
}

static void test_push_expired_aborts(void **state)
{
	uint64_t old = fake_now() - 100;
	struct txn *t;
	struct txn_kvs r;

	seed_version("k", old, "old");
	seed_intent("k", X, old + 5, "new");
	seed_record(X, F_PENDING, 0, 5000, 1000);	/* heartbeat expired */
	t = begin();
	assert_int_equal(txn_scan(t, "j", 1, "l", 1, 10, &r, NULL), RC_OK);
	assert_int_equal(r.n, 1);
	assert_string_equal((char *)r.items[0].val, "old");
	txn_kvs_release(&r);
	assert_int_equal(record_status(X), F_ABORTED);
	assert_int_equal(n_intents(), 0);
	assert_true(calls(C_SCAN) == 2);	/* locked, then again */
	txn_free(t);
}

static void *commit_x_later(void *arg)
{
	sleep_ms(300);
	pthread_mutex_lock(&F.mu);
	rec_new(X, F_COMMITTED)->ts = *(uint64_t *)arg;
	pthread_mutex_unlock(&F.mu);
	return NULL;
}

static void test_push_waits_for_live_owner(void **state)
{
	uint64_t old = fake_now() - 100, cts = old + 9, t0;
	pthread_t th;
	struct txn *t;
	json_t *b;

	seed_intent("k", X, old + 5, "new");
	seed_record(X, F_PENDING, 0, 0, 60000);	/* alive */
	assert_int_equal(pthread_create(&th, NULL, commit_x_later, &cts), 0);
	t0 = util_mono_ms();
	t = begin();
	get(t, "k", "new");
	assert_true(util_mono_ms() - t0 >= 250);
	pthread_join(th, NULL);
	b = last_body(C_PUSH);
	/* a reader: no record, no deadlock detection */
	assert_true(json_is_null(json_object_get(b, "pusher")));
	assert_false(json_is_true(json_object_get(b, "force")));
	json_decref(b);
	assert_true(version_ts("k") == cts);
	txn_free(t);
}

static void test_push_gives_up(void **state)
{
	struct txn *t;
	struct err e;
	void *v = NULL;
	size_t vl;
	int found;

	seed_intent("k", X, fake_now() - 50, "new");
	seed_record(X, F_PENDING, 0, 0, 600000);	/* alive, never ends */
	t = begin();
	/* txn_timeout 1000 -> gives up after 3 * 1000 + 1000 ms */
	assert_int_equal(txn_get(t, "k", 1, &found, &v, &vl, &e), RC_CONFLICT);
	assert_non_null(strstr(e.msg, "retry: waited"));
	assert_non_null(strstr(e.msg, "'k'"));
	assert_non_null(strstr(e.msg, "55555555"));
	assert_int_equal(txn_put(t, "a", 1, "1", 1, NULL), RC_BAD_INPUT);
	txn_free(t);
	assert_true(metric("txcoord_aborts_total{reason=\"conflict\"}") == 1);
}

/* ---- the deadlock rule -------------------------------------------------- */

static void deadlock_setup(const unsigned char x[16])
{
	seed_intent("z", x, fake_now() - 50, "x's");
	seed_record(x, F_PENDING, 0, 0, 600000);
	F.inject_waiter = 1;			/* x waits on whoever asks */
	memcpy(F.injected, x, 16);
}

static void test_deadlock_victim_is_self(void **state)
{
	static const unsigned char low[16] = { 0 };
	struct txn *t;
	struct err e;
	uint64_t cts;
	char hex[33];

	deadlock_setup(low);
	t = begin();				/* its id > 00..00 */
	put(t, "a", "1");
	put(t, "z", "mine");
	assert_int_equal(txn_commit(t, &cts, NULL, &e), RC_CONFLICT);
	txnwire_id_hex(low, hex);
	assert_non_null(strstr(e.msg, "retry: deadlock with transaction"));
	assert_non_null(strstr(e.msg, hex));
	txn_free(t);
	F.inject_waiter = 0;
	wait_resolved();
	assert_int_equal(record_status(low), F_PENDING);	/* untouched */
	assert_int_equal(n_intents(), 1);	/* only x's intent left */
	expect_committed("a", NULL);
	assert_true(metric("txcoord_aborts_total{reason=\"deadlock\"}") == 1);
}

static void test_deadlock_victim_is_other(void **state)
{
	unsigned char high[16];
	struct txn *t;
	uint64_t cts;
	json_t *b;
	struct err e;

	memset(high, 0xff, sizeof(high));
	deadlock_setup(high);
	t = begin();
	put(t, "a", "1");
	put(t, "z", "mine");
	if (txn_commit(t, &cts, NULL, &e) != RC_OK)
		fail_msg("commit: %s", e.msg);
	b = last_body(C_PUSH);
	assert_true(json_is_true(json_object_get(b, "force")));
	assert_string_equal(json_string_value(json_object_get(b, "pusher")),
			    txn_id_hex(t));
	json_decref(b);
	txn_free(t);
	F.inject_waiter = 0;
	wait_resolved();
	assert_int_equal(record_status(high), F_ABORTED);
	expect_committed("z", "mine");
	assert_int_equal(n_intents(), 0);
}

/* ---- ranges move under a commit ----------------------------------------- */

static void test_range_split_under_1pc(void **state)
{
	struct txn *t = begin();
	uint64_t cts;
	int one_pc = -1;

	get(t, "a", NULL);			/* caches ["", "m") */
	put(t, "g", "1");
	put(t, "h", "2");
	pthread_mutex_lock(&F.mu);
	strcpy(F.split, "h");			/* split at "h" */
	F.gen++;
	pthread_mutex_unlock(&F.mu);
	assert_int_equal(txn_commit(t, &cts, &one_pc, NULL), RC_OK);
	assert_int_equal(one_pc, 0);		/* replanned as 2PC */
	txn_free(t);
	wait_resolved();
	expect_committed("g", "1");
	expect_committed("h", "2");
}

/* ---- scans -------------------------------------------------------------- */

static void expect_kvs(const struct txn_kvs *r, const char *const *want,
		       size_t n)
{
	assert_int_equal(r->n, n);
	for (size_t i = 0; i < n; i++) {
		char k[64];

		snprintf(k, sizeof(k), "%.*s", (int)r->items[i].klen,
			 (char *)r->items[i].key);
		assert_string_equal(k, want[2 * i]);
		assert_string_equal((char *)r->items[i].val, want[2 * i + 1]);
	}
}

static void test_scan_merges_buffer(void **state)
{
	static const char *const all[] = {
		"a", "1", "b", "B", "e", "E", "m", "13", "n", "N", "q", "17",
		"zz", "Z"
	};
	uint64_t old = fake_now() - 100;
	struct txn *t;
	struct txn_kvs r;

	seed_version("a", old, "1");
	seed_version("c", old, "3");
	seed_version("e", old, "5");
	seed_version("m", old, "13");
	seed_version("o", old, "15");
	seed_version("q", old, "17");
	t = begin();
	put(t, "b", "B");
	assert_int_equal(txn_delete(t, "c", 1, NULL), RC_OK);
	put(t, "e", "E");
	put(t, "n", "N");
	assert_int_equal(txn_delete(t, "o", 1, NULL), RC_OK);
	put(t, "zz", "Z");
	assert_int_equal(txn_scan(t, "", 0, "", 0, 100, &r, NULL), RC_OK);
	expect_kvs(&r, all, 7);
	assert_false(r.more);
	txn_kvs_release(&r);
	assert_int_equal(calls(C_SCAN), 2);	/* one per range */

	assert_int_equal(txn_scan(t, "a", 1, "", 0, 3, &r, NULL), RC_OK);
	expect_kvs(&r, all, 3);
	assert_true(r.more);
	assert_int_equal(r.resume_len, 1);
	assert_memory_equal(r.resume, "m", 1);
	txn_kvs_release(&r);
	assert_int_equal(txn_scan(t, "m", 1, "", 0, 3, &r, NULL), RC_OK);
	expect_kvs(&r, all + 6, 3);
	assert_true(r.more);			/* zz is still to come */
	assert_memory_equal(r.resume, "zz", 2);
	txn_kvs_release(&r);
	assert_int_equal(txn_scan(t, "zz", 2, "", 0, 3, &r, NULL), RC_OK);
	expect_kvs(&r, all + 12, 1);
	assert_false(r.more);
	txn_kvs_release(&r);
	/* a bounded scan that ends inside range 2 */
	assert_int_equal(txn_scan(t, "b", 1, "f", 1, 10, &r, NULL), RC_OK);
	expect_kvs(&r, all + 2, 2);
	assert_false(r.more);
	txn_kvs_release(&r);
	assert_int_equal(txn_scan(t, "b", 1, "b", 1, 10, &r, NULL), RC_OK);
	assert_int_equal(r.n, 0);
	txn_kvs_release(&r);
	assert_int_equal(txn_scan(t, "b", 1, "", 0, 0, &r, NULL),
			 RC_BAD_INPUT);
	txn_free(t);
}

static void test_scan_spans_in_refresh(void **state)
{
	struct txn *t = begin(), *t2;
	struct txn_kvs r;
	uint64_t cts;
	json_t *b, *sp;

	assert_int_equal(txn_scan(t, "p", 1, "r", 1, 10, &r, NULL), RC_OK);
	txn_kvs_release(&r);
	put(t, "a", "1");
	put(t, "z", "2");
	t2 = begin();
	get(t2, "a", NULL);			/* pushes t: refresh needed */
	txn_free(t2);
	assert_int_equal(txn_commit(t, &cts, NULL, NULL), RC_OK);
	b = last_body(C_REFRESH);
	sp = json_array_get(json_object_get(b, "spans"), 0);
	assert_string_equal(json_string_value(json_object_get(sp, "start")),
			    "p");
	assert_string_equal(json_string_value(json_object_get(sp, "end")),
			    "r");
	json_decref(b);
	txn_free(t);
	wait_resolved();
}

/* ---- sessions ----------------------------------------------------------- */

static void test_idle_sessions_reaped(void **state)
{
	struct txn *t, *t2;
	struct txn_stats st;
	char hex[33];
	struct err e;

	env_stop();
	env_start(200, 0);
	assert_int_equal(txn_session_begin(E.eng, &t, NULL), RC_OK);
	snprintf(hex, sizeof(hex), "%s", txn_id_hex(t));
	put(t, "a", "1");
	txn_session_release(t);
	assert_int_equal(txn_session_acquire(E.eng, hex, &t2, NULL), RC_OK);
	assert_true(t2 == t);
	txn_session_release(t2);
	txn_engine_stats(E.eng, &st);
	assert_int_equal(st.open_txns, 1);
	sleep_ms(700);
	assert_int_equal(txn_session_acquire(E.eng, hex, &t2, &e),
			 RC_NOT_FOUND);
	assert_non_null(strstr(e.msg, hex));
	txn_engine_stats(E.eng, &st);
	assert_int_equal(st.open_txns, 0);
	assert_true(metric("txcoord_aborts_total{reason=\"expired\"}") == 1);
	assert_int_equal(txn_session_acquire(E.eng, "nothex", &t2, &e),
			 RC_BAD_INPUT);
}

/* ---- the HTTP API ------------------------------------------------------- */

static void api_start(void)
{
	struct http_server_opts o = { .listen = "127.0.0.1:0", .threads = 4 };
	char base[64];

	assert_int_equal(http_server_new(&E.api, NULL), RC_OK);
	assert_int_equal(txapi_register(E.api, E.eng, NULL), RC_OK);
	assert_int_equal(http_server_start(E.api, &o, NULL), RC_OK);
	snprintf(base, sizeof(base), "127.0.0.1:%u", http_server_port(E.api));
	assert_int_equal(http_client_new(&E.cli, base, NULL, NULL), RC_OK);
}

/* POST path body (printf-style); returns the status, *out the reply. */
static int api(json_t **out, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int api(json_t **out, const char *path, const char *fmt, ...)
{
	char body[1024], *resp = NULL;
	size_t rlen = 0;
	int status = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	assert_int_equal(http_client_do(E.cli, "POST", path,
					"application/json", body,
					strlen(body), &status, &resp, &rlen,
					NULL), RC_OK);
	assert_int_equal(jx_parse(resp, rlen, out, NULL), RC_OK);
	free(resp);
	return status;
}

static const char *str(const json_t *j, const char *k)
{
	const char *s = json_string_value(json_object_get(j, k));

	assert_non_null(s);
	return s;
}

static void test_api_interactive(void **state)
{
	json_t *j, *kvs;
	char id[40];

	api_start();
	seed_version("k1", fake_now() - 10, "v1");
	assert_int_equal(api(&j, "/txn/begin", "{}"), 200);
	snprintf(id, sizeof(id), "%s", str(j, "txn"));
	assert_int_equal(strlen(id), 32);
	assert_non_null(str(j, "ts"));		/* a decimal string */
	json_decref(j);
	assert_int_equal(api(&j, "/txn/put",
			     "{\"txn\":\"%s\",\"key\":\"k2\",\"value\":\"v2\"}",
			     id), 200);
	json_decref(j);
	assert_int_equal(api(&j, "/txn/put", "{\"txn\":\"%s\",\"key_b64\":"
			     "\"AgD/\",\"value_b64\":\"/w==\"}", id), 200);
	json_decref(j);
	assert_int_equal(api(&j, "/txn/get",
			     "{\"txn\":\"%s\",\"key\":\"k2\"}", id), 200);
	assert_true(json_is_true(json_object_get(j, "found")));
	assert_string_equal(str(j, "value"), "v2");
	json_decref(j);
	assert_int_equal(api(&j, "/txn/get",
			     "{\"txn\":\"%s\",\"key_b64\":\"AgD/\"}", id), 200);
	assert_string_equal(str(j, "value_b64"), "/w==");
	json_decref(j);
	assert_int_equal(api(&j, "/txn/scan", "{\"txn\":\"%s\",\"start\":"
			     "\"k\",\"end\":\"l\"}", id), 200);
	kvs = json_object_get(j, "kvs");
	assert_int_equal(json_array_size(kvs), 2);
	assert_string_equal(str(json_array_get(kvs, 0), "key"), "k1");
	assert_string_equal(str(json_array_get(kvs, 1), "value"), "v2");
	assert_false(json_is_true(json_object_get(j, "more")));
	json_decref(j);
	assert_int_equal(api(&j, "/txn/delete",
			     "{\"txn\":\"%s\",\"key\":\"k1\"}", id), 200);
	json_decref(j);
	assert_int_equal(api(&j, "/txn/commit", "{\"txn\":\"%s\"}", id), 200);
	assert_true(json_is_true(json_object_get(j, "committed")));
	assert_true(json_is_true(json_object_get(j, "1pc")));
	assert_non_null(str(j, "ts"));
	json_decref(j);
	expect_committed("k1", NULL);
	expect_committed("k2", "v2");
	/* finished: gone */
	assert_int_equal(api(&j, "/txn/get",
			     "{\"txn\":\"%s\",\"key\":\"k2\"}", id), 404);
	assert_string_equal(str(json_object_get(j, "error"), "code"),
			    "not_found");
	json_decref(j);
	/* rollback */
	assert_int_equal(api(&j, "/txn/begin", "{}"), 200);
	snprintf(id, sizeof(id), "%s", str(j, "txn"));
	json_decref(j);
	assert_int_equal(api(&j, "/txn/rollback", "{\"txn\":\"%s\"}", id),
			 200);
	json_decref(j);
	assert_int_equal(api(&j, "/txn/commit", "{\"txn\":\"%s\"}", id), 404);
	json_decref(j);
}

static void test_api_bad_input(void **state)
{
	json_t *j;
	char id[40];

	api_start();
	assert_int_equal(api(&j, "/txn/begin", "{}"), 200);
	snprintf(id, sizeof(id), "%s", str(j, "txn"));
	json_decref(j);
	assert_int_equal(api(&j, "/txn/put", "{\"txn\":\"%s\",\"key\":\"k\","
			     "\"vaule\":\"v\"}", id), 400);
	json_decref(j);
	assert_int_equal(api(&j, "/txn/put", "{\"txn\":\"%s\",\"key\":\"k\","
			     "\"value\":\"v\",\"extra\":1}", id), 400);
	assert_non_null(strstr(str(json_object_get(j, "error"), "message"),
			       "'extra'"));
	json_decref(j);
	assert_int_equal(api(&j, "/txn/get", "{\"txn\":\"xyz\",\"key\":\"k\"}"),
			 400);
	json_decref(j);
	assert_int_equal(api(&j, "/txn/get", "{\"key\":\"k\"}"), 400);
	json_decref(j);
	assert_int_equal(api(&j, "/txn/put", "{\"txn\":\"%s\",\"key_b64\":"
			     "\"AQ==\",\"value\":\"v\"}", id), 400);
	assert_non_null(strstr(str(json_object_get(j, "error"), "message"),
			       "reserved"));
	json_decref(j);
	assert_int_equal(api(&j, "/txn/scan", "{\"txn\":\"%s\",\"limit\":0}",
			     id), 400);
	json_decref(j);
	assert_int_equal(api(&j, "/txn/scan",
			     "{\"txn\":\"%s\",\"limit\":10001}", id), 400);
	json_decref(j);
	assert_int_equal(api(&j, "/txn", "{\"ops\":[]}"), 400);
	json_decref(j);
	assert_int_equal(api(&j, "/txn", "{\"ops\":[{\"op\":\"frob\"}]}"),
			 400);
	assert_non_null(strstr(str(json_object_get(j, "error"), "message"),
			       "op 0"));
	json_decref(j);
	assert_int_equal(api(&j, "/txn", "{\"ops\":[{\"op\":\"put\","
			     "\"key\":\"k\"}]}"), 400);
	json_decref(j);
	assert_int_equal(calls(C_TS), 1);	/* only the begin above */
}

static void test_api_retry_shape(void **state)
{
	json_t *j, *err;
	char id[40];

	api_start();
	assert_int_equal(api(&j, "/txn/begin", "{}"), 200);
	snprintf(id, sizeof(id), "%s", str(j, "txn"));
	json_decref(j);
	assert_int_equal(api(&j, "/txn/get", "{\"txn\":\"%s\",\"key\":\"a\"}",
			     id), 200);
	json_decref(j);
	assert_int_equal(api(&j, "/txn/put", "{\"txn\":\"%s\",\"key\":\"b\","
			     "\"value\":\"1\"}", id), 200);
	json_decref(j);
	/* write skew by a one-shot request: reads b, writes a */
	assert_int_equal(api(&j, "/txn", "{\"ops\":[{\"op\":\"get\",\"key\":"
			     "\"b\"},{\"op\":\"put\",\"key\":\"a\",\"value\":"
			     "\"2\"}]}"), 200);
	json_decref(j);
	assert_int_equal(api(&j, "/txn/commit", "{\"txn\":\"%s\"}", id), 409);
	err = json_object_get(j, "error");
	assert_string_equal(str(err, "code"), "retry");
	assert_string_equal(str(err, "sqlstate"), "40001");
	assert_non_null(strstr(str(err, "message"), "retry: "));
	json_decref(j);
}

static void test_api_oneshot_incr(void **state)
{
	json_t *j, *res;

	api_start();
	assert_int_equal(api(&j, "/txn", "{\"ops\":[{\"op\":\"incr\",\"key\":"
			     "\"n\",\"by\":5},{\"op\":\"get\",\"key\":\"n\"},"
			     "{\"op\":\"put\",\"key\":\"p\",\"value\":\"v\"},"
			     "{\"op\":\"scan\",\"start\":\"n\",\"end\":\"q\"}"
			     "]}"), 200);
	res = json_object_get(j, "results");
	assert_int_equal(json_array_size(res), 4);
	assert_string_equal(str(json_array_get(res, 0), "value"), "5");
	assert_string_equal(str(json_array_get(res, 1), "value"), "5");
	assert_int_equal(json_object_size(json_array_get(res, 2)), 0);
	assert_int_equal(json_array_size(json_object_get(
		json_array_get(res, 3), "kvs")), 2);	/* n and p, buffered */
	assert_int_equal(json_integer_value(json_object_get(j, "retries")), 0);
	assert_true(json_is_true(json_object_get(j, "1pc")));
	assert_non_null(str(j, "ts"));
	json_decref(j);
	expect_committed("n", "5");
	assert_int_equal(api(&j, "/txn", "{\"ops\":[{\"op\":\"incr\",\"key\":"
			     "\"n\"},{\"op\":\"incr\",\"key\":\"n\",\"by\":-20}"
			     "]}"), 200);
	res = json_object_get(j, "results");
	assert_string_equal(str(json_array_get(res, 0), "value"), "6");
	assert_string_equal(str(json_array_get(res, 1), "value"), "-14");
	json_decref(j);
	expect_committed("n", "-14");
	/* not an integer: 400, and nothing of the request is written */
	seed_version("s", fake_now() - 1, "abc");
	assert_int_equal(api(&j, "/txn", "{\"ops\":[{\"op\":\"put\",\"key\":"
			     "\"w\",\"value\":\"1\"},{\"op\":\"incr\",\"key\":"
			     "\"s\"}]}"), 400);
	assert_non_null(strstr(str(json_object_get(j, "error"), "message"),
			       "not a decimal integer"));
	json_decref(j);
	expect_committed("w", NULL);
	seed_version("big", fake_now() - 1, "9223372036854775807");
	assert_int_equal(api(&j, "/txn", "{\"ops\":[{\"op\":\"incr\",\"key\":"
			     "\"big\"}]}"), 400);
	json_decref(j);
	assert_true(metric("txcoord_aborts_total{reason=\"client\"}") == 2);
}

/*
 * Increments alone on their keys go to the ranges as "incr" writes: no
 * read (so no read span and no refresh), the values come back from the
 * writes, in one range (1PC) and across two (2PC).  An increment of a key
 * the request also reads goes the old way, read then write.
 */
static void test_api_oneshot_blind_incr(void **state)
{
	json_t *j, *res, *b;

	api_start();
	seed_version("a", fake_now() - 1, "100");
	/* a transfer across the two ranges (split at "m") */
	assert_int_equal(api(&j, "/txn", "{\"ops\":[{\"op\":\"incr\",\"key\":"
			     "\"a\",\"by\":-30},{\"op\":\"incr\",\"key\":"
			     "\"x\",\"by\":30}]}"), 200);
	res = json_object_get(j, "results");
	assert_string_equal(str(json_array_get(res, 0), "value"), "70");
	assert_string_equal(str(json_array_get(res, 1), "value"), "30");
	assert_true(json_is_false(json_object_get(j, "1pc")));
	json_decref(j);
	assert_int_equal(calls(C_GET), 0);
	b = last_body(C_WRITE);
	assert_string_equal(str(json_array_get(json_object_get(b, "ops"), 0),
				"op"), "incr");
	json_decref(b);
	wait_resolved();	/* x's intent is resolved in the background */
	expect_committed("a", "70");
	expect_committed("x", "30");
	/* in one range: one 1PC with no read spans */
	assert_int_equal(api(&j, "/txn", "{\"ops\":[{\"op\":\"incr\",\"key\":"
			     "\"a\",\"by\":1},{\"op\":\"incr\",\"key\":"
			     "\"b\",\"by\":-1}]}"), 200);
	res = json_object_get(j, "results");
	assert_string_equal(str(json_array_get(res, 0), "value"), "71");
	assert_string_equal(str(json_array_get(res, 1), "value"), "-1");
	assert_true(json_is_true(json_object_get(j, "1pc")));
	json_decref(j);
	assert_int_equal(calls(C_GET), 0);
	b = last_body(C_1PC);
	assert_int_equal(json_array_size(json_object_get(b, "reads")), 0);
	json_decref(b);
	expect_committed("a", "71");
	/* read in the same request: read, then write */
	assert_int_equal(api(&j, "/txn", "{\"ops\":[{\"op\":\"get\",\"key\":"
			     "\"a\"},{\"op\":\"incr\",\"key\":\"a\","
			     "\"by\":2}]}"), 200);
	res = json_object_get(j, "results");
	assert_string_equal(str(json_array_get(res, 1), "value"), "73");
	json_decref(j);
	assert_int_equal(calls(C_GET), 2);	/* the get, the incr's read */
	b = last_body(C_1PC);
	assert_string_equal(str(json_array_get(json_object_get(b, "ops"), 0),
				"op"), "put");
	json_decref(b);
	expect_committed("a", "73");
}

static void test_api_oneshot_retries(void **state)
{
	json_t *j;

	api_start();
	F.fail_1pc = 1;
	assert_int_equal(api(&j, "/txn", "{\"ops\":[{\"op\":\"put\",\"key\":"
			     "\"a\",\"value\":\"1\"}]}"), 200);
	assert_int_equal(json_integer_value(json_object_get(j, "retries")), 1);
	json_decref(j);
	expect_committed("a", "1");
	assert_true(metric("txcoord_retries_total") == 1);
	F.fail_1pc = 100;			/* max_retries is 3 */
	assert_int_equal(api(&j, "/txn", "{\"ops\":[{\"op\":\"put\",\"key\":"
			     "\"a\",\"value\":\"2\"}]}"), 409);
	assert_non_null(strstr(str(json_object_get(j, "error"), "message"),
			       "after 3 retries"));
	json_decref(j);
	assert_int_equal(calls(C_1PC), 2 + 4);
	assert_true(metric("txcoord_retries_total") == 4);
	expect_committed("a", "1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_1pc_commit),
		T(test_readonly_and_read_set),
		T(test_1pc_pushed_refreshes_elsewhere),
		T(test_1pc_refresh_fails),
		T(test_1pc_in_range_read_changed),
		T(test_2pc_commit),
		T(test_resolution_rides),
		T(test_resolution_batched),
		T(test_2pc_pushed_refresh),
		T(test_2pc_refresh_fails_aborts),
		T(test_record_aborted_by_pusher),
		T(test_heartbeats),
		T(test_1pc_outcome_unknown),
		T(test_2pc_record_outcome_unknown),
		T(test_push_committed),
		T(test_push_expired_aborts),
		T(test_push_waits_for_live_owner),
		T(test_push_gives_up),
		T(test_deadlock_victim_is_self),
		T(test_deadlock_victim_is_other),
		T(test_range_split_under_1pc),
		T(test_scan_merges_buffer),
		T(test_scan_spans_in_refresh),
		T(test_idle_sessions_reaped),
		T(test_api_interactive),
		T(test_api_bad_input),
		T(test_api_retry_shape),
		T(test_api_oneshot_incr),
		T(test_api_oneshot_blind_incr),
		T(test_api_oneshot_retries),
#undef T
	};

	log_open("txn_test", LOG_LEVEL_OFF);
	return cmocka_run_group_tests_name("txn", tests, NULL, NULL);
}
