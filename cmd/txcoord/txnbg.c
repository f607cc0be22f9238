/*
 * txnbg.c -- heartbeat thread and resolver thread of the transaction
 * engine.  See txnbg.h; tested through t/unit/txn_test.c.
 *
 * One mutex guards both lists.  The heartbeat thread sends one heartbeat
 * at a time with the mutex released and the registration marked in
 * flight; txnbg_hb_stop() waits on hb_cond until it is not.  A resolver
 * takes the first job that is due, runs it unlocked, and puts it back
 * with a later due time when it failed.  When a committed job finds
 * other committed ones due, it takes them along and they run as one batch
 * (see "batched resolution" below).
 */
#include "txnbg.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "desc.h"
#include "log.h"
#include "router.h"
#include "txnrpc.h"
#include "txnwire.h"
#include "util.h"

#define TXNBG_IDLE_TICK_MS	1000	/* heartbeat thread's nap when idle */
#define TXNBG_BACKOFF_MS	100	/* first pause after a failed job */
#define TXNBG_BACKOFF_MAX_MS	10000
/*
 * A committed job's record is collected this long after its intents are
 * resolved, not at once: nothing waits on a finished record, and the
 * collections of the commits of those milliseconds then share one
 * /txn/gc (one Raft command) per range -- the first one due takes every
 * waiting one along.  (At 50 ms, with anchors over six ranges, a
 * collection carried 2.5 records on average at 190 commits/s.)
 */
#define TXNBG_GC_DELAY_MS	200

struct txnbg_hb {
	struct txnbg_hb *next;
	struct txnbg *bg;
	unsigned char id[16];
	unsigned char *anchor;
	size_t alen;
	uint64_t due_ms;
	int inflight;
	atomic_int aborted;
};

struct txnbg_job {
	struct txnbg_job *next;
	unsigned char id[16];
	int outcome;
	uint64_t cts;
	unsigned char *anchor;
	size_t alen;
	struct txnbuf writes;
	size_t skip;		/* leading keys resolved by the commit */
	int intents_done;	/* resolved; only the record's gc is left */
	uint64_t ride_rid;	/* waits for a ride to this range (0: no) */
	int gc_due;		/* the gc waited its TXNBG_GC_DELAY_MS */
	unsigned attempts;
	uint64_t due_ms;
};

struct txnbg {
	struct router *router;
	unsigned hb_ms, timeout_ms, ride_wait_ms;
	pthread_mutex_t mu;
	pthread_cond_t hb_cond;		/* heartbeat thread; in-flight done */
	pthread_cond_t job_cond;	/* resolver threads */
	uint64_t timer_at;		/* the one resolver that sleeps until a
					   job is due wakes then (0: none) */
	struct txnbg_hb *hbs;
	size_t n_hb;
	struct txnbg_job *jobs, *tail;
	size_t n_jobs, running;
	int stop;
	pthread_t hb_thread, job_thread[TXNBG_WORKERS];
	int hb_started, job_started;	/* job_started: threads running */
	uint64_t heartbeats, resolved, dropped, rode;
};

/* ---- helpers ------------------------------------------------------------ */


static int cond_init_mono(pthread_cond_t *c)
{
	pthread_condattr_t a;
	int rc;

	if (pthread_condattr_init(&a) != 0)
		return -1;
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	rc = pthread_cond_init(c, &a);
	pthread_condattr_destroy(&a);
	return rc == 0 ? 0 : -1;
}

static void cond_wait_until(pthread_cond_t *c, pthread_mutex_t *m,
			    uint64_t deadline_ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(deadline_ms / 1000);
	ts.tv_nsec = (long)(deadline_ms % 1000) * 1000000L;
	pthread_cond_timedwait(c, m, &ts);
}

/* ---- heartbeats --------------------------------------------------------- */

static void hb_send(struct txnbg *bg, struct txnbg_hb *h)
{
	struct txnrpc_call c;
	char hex[33];
	const char *st;

	txnrpc_record(bg->router, h->id, h->anchor, h->alen, "heartbeat", 0,
		      bg->timeout_ms, &c);
	st = json_string_value(json_object_get(c.reply, "status"));
	if (txnrpc_answer(&c) == TXNRPC_ABORTED ||
	    (c.status == 200 && st != NULL && strcmp(st, "aborted") == 0)) {
		atomic_store(&h->aborted, 1);
	} else if (txnrpc_answer(&c) != TXNRPC_OK) {
		struct err e;

		txnwire_id_hex(h->id, hex);
		txnrpc_error(&c, "heartbeat", &e);
		log_warn("msg=\"heartbeat failed\" txn=%s error=\"%s\"", hex,
			 e.msg);
	}
	txnrpc_call_clear(&c);
}

/* The next registration due for a heartbeat, or NULL (*next: when). */
static struct txnbg_hb *hb_due(struct txnbg *bg, uint64_t now,
			       uint64_t *next)
{
	*next = now + TXNBG_IDLE_TICK_MS;
	for (struct txnbg_hb *h = bg->hbs; h != NULL; h = h->next) {
		if (h->inflight)
			continue;
		if (h->due_ms <= now)
			return h;
		if (h->due_ms < *next)
			*next = h->due_ms;
	}
	return NULL;
}

static void *hb_main(void *arg)
{
	struct txnbg *bg = arg;
	uint64_t next;

	pthread_setname_np(pthread_self(), "txcoord-hbeat");

	pthread_mutex_lock(&bg->mu);
	while (!bg->stop) {
		struct txnbg_hb *h = hb_due(bg, util_mono_ms(), &next);

		if (h == NULL) {
			cond_wait_until(&bg->hb_cond, &bg->mu, next);
			continue;
		}
		h->inflight = 1;
		pthread_mutex_unlock(&bg->mu);
		hb_send(bg, h);
		pthread_mutex_lock(&bg->mu);
		h->inflight = 0;
		h->due_ms = util_mono_ms() + bg->hb_ms;
		bg->heartbeats++;
		pthread_cond_broadcast(&bg->hb_cond);
	}
	pthread_mutex_unlock(&bg->mu);
	return NULL;
}

int txnbg_hb_start(struct txnbg *bg, const unsigned char id[16],
		   const void *anchor, size_t alen, struct txnbg_hb **out,
		   struct err *e)
{
	struct txnbg_hb *h = calloc(1, sizeof(*h));

	if (h == NULL || (h->anchor = malloc(alen + 1)) == NULL) {
		free(h);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	if (alen > 0)
		memcpy(h->anchor, anchor, alen);
	h->alen = alen;
	memcpy(h->id, id, 16);
	h->bg = bg;
	atomic_init(&h->aborted, 0);
	pthread_mutex_lock(&bg->mu);
	h->due_ms = util_mono_ms() + bg->hb_ms;
	h->next = bg->hbs;
	bg->hbs = h;
	bg->n_hb++;
	pthread_cond_broadcast(&bg->hb_cond);
	pthread_mutex_unlock(&bg->mu);
	*out = h;
	return RC_OK;
}

int txnbg_hb_aborted(struct txnbg_hb *h)
{
	return h != NULL && atomic_load(&h->aborted);
}

void txnbg_hb_stop(struct txnbg_hb *h)
{
	struct txnbg *bg;

	if (h == NULL)
		return;
	bg = h->bg;
	pthread_mutex_lock(&bg->mu);
	while (h->inflight)
		pthread_cond_wait(&bg->hb_cond, &bg->mu);
	for (struct txnbg_hb **p = &bg->hbs; *p != NULL; p = &(*p)->next) {
		if (*p == h) {
			*p = h->next;
			bg->n_hb--;
			break;
		}
	}
	pthread_mutex_unlock(&bg->mu);
	free(h->anchor);
	free(h);
}

/* ---- resolution --------------------------------------------------------- */

static void job_free(struct txnbg_job *j)
{
	txnbuf_release(&j->writes);
	free(j->anchor);
	free(j);
}

/* Settle an outcome-unknown job's record: commit it again. */
static int job_settle(struct txnbg *bg, struct txnbg_job *j, struct err *e)
{
	struct txnrpc_call c;
	char hex[33];
	int a, rc = RC_OK;

	if (txnrpc_record(bg->router, j->id, j->anchor, j->alen, "commit",
			  j->cts, 0, &c) != RC_OK)
		return err_set(e, RC_NOMEM, "out of memory");
	a = txnrpc_answer(&c);
	txnwire_id_hex(j->id, hex);
	if (a == TXNRPC_OK) {
		j->outcome = TXNBG_COMMITTED;
		log_info("msg=\"outcome settled\" txn=%s outcome=committed "
			 "ts=%" PRIu64, hex, j->cts);
	} else if (a == TXNRPC_ABORTED) {
		j->outcome = TXNBG_ABORTED;
		log_info("msg=\"outcome settled\" txn=%s outcome=aborted",
			 hex);
	} else {
		rc = txnrpc_error(&c, "commit record", e);
	}
	txnrpc_call_clear(&c);
	return rc;
}

/* Make sure an aborted job's record says ABORTED. 1: it is COMMITTED. */
static int job_abort_record(struct txnbg *bg, struct txnbg_job *j,
			    int *committed, struct err *e)
{
	struct txnrpc_call c;
	int a, rc = RC_OK;

	*committed = 0;
	if (txnrpc_record(bg->router, j->id, j->anchor, j->alen, "abort", 0,
			  0, &c) != RC_OK)
		return err_set(e, RC_NOMEM, "out of memory");
	a = txnrpc_answer(&c);
	if (a == TXNRPC_CONFLICT)
		*committed = 1;
	else if (a != TXNRPC_OK && a != TXNRPC_ABORTED)
		rc = txnrpc_error(&c, "abort record", e);
	txnrpc_call_clear(&c);
	return rc;
}

static int job_gc(struct txnbg *bg, struct txnbg_job *j, struct err *e)
{
	struct txnrpc_call c;
	int a, rc = RC_OK;

	if (txnrpc_record(bg->router, j->id, j->anchor, j->alen, "gc", 0, 0,
			  &c) != RC_OK)
		return err_set(e, RC_NOMEM, "out of memory");
	a = txnrpc_answer(&c);
	/* 404: already gone; 409: not finished (logged, left alone) */
	if (a == TXNRPC_CONFLICT) {
		char hex[33];

		txnwire_id_hex(j->id, hex);
		log_warn("msg=\"record not collected\" txn=%s error=\"%s\"",
			 hex, txnwire_error_msg(c.reply));
	} else if (a != TXNRPC_OK && !(a == TXNRPC_REFUSED &&
				       c.status == 404)) {
		rc = txnrpc_error(&c, "collect record", e);
	}
	txnrpc_call_clear(&c);
	return rc;
}

/* 1 if j's record is to be collected later, with others (see above). */
static int gc_later(struct txnbg *bg, struct txnbg_job *j)
{
	int later;

	pthread_mutex_lock(&bg->mu);
	later = !j->gc_due && !bg->stop && j->outcome == TXNBG_COMMITTED;
	pthread_mutex_unlock(&bg->mu);
	return later;
}

static int job_run(struct txnbg *bg, struct txnbg_job *j, struct err *e)
{
	struct txnrpc_key *keys = NULL;
	int rc, committed;

	if (j->outcome == TXNBG_UNKNOWN &&
	    (rc = job_settle(bg, j, e)) != RC_OK)
		return rc;
	if (!j->intents_done && j->outcome == TXNBG_ABORTED) {
		if ((rc = job_abort_record(bg, j, &committed, e)) != RC_OK)
			return rc;
		if (committed) {
			char hex[33];

			txnwire_id_hex(j->id, hex);
			log_error("msg=\"record committed, expected aborted; "
				  "intents left to pushers\" txn=%s", hex);
			return RC_OK;
		}
	}
	if (!j->intents_done && j->outcome != TXNBG_COMMITTED)
		j->skip = 0;	/* settled as aborted: resolve them all */
	if (!j->intents_done && j->skip < j->writes.n) {
		if ((rc = txnrpc_buf_keys(&j->writes, &keys, e)) != RC_OK)
			return rc;
		rc = txnrpc_resolve(bg->router, j->id,
				    j->outcome == TXNBG_COMMITTED, j->cts,
				    keys + j->skip, j->writes.n - j->skip, e);
		free(keys);
		if (rc != RC_OK)
			return rc;
	}
	j->intents_done = 1;
	if (gc_later(bg, j))
		return RC_OK;
	return job_gc(bg, j, e);
}

/* ---- batched resolution ------------------------------------------------- */

/*
 * When commits come faster than one resolver round trip, the workers find
 * several jobs due at once.  Committed ones then go together: the
 * resolutions of every job in one range become one /txn/resolve "batch"
 * (one Raft command), and the records of one range one /txn/gc -- instead
 * of two commands per transaction.  A request that fails fails the jobs
 * it carried (retried alone later: resolving twice is harmless); the
 * others go on.
 */
#define TXNBG_BATCH_JOBS	64	/* jobs one worker takes at once */

/* One request of a batch round: the jobs it carries. */
struct bslot {
	uint64_t range_id;
	const void *rkey;		/* routes the request: a key of it */
	size_t rklen;
	size_t keys;			/* keys (or records) in the body */
	json_t *arr;			/* the batch array (in the body) */
	size_t jobs[TXNBG_BATCH_JOBS];	/* indexes into the round's jobs */
	size_t njobs;
};

/* The slot of range_id with room for n more; a new one if none. */
static struct bslot *bslot_for(struct bslot *sl, size_t *ns, uint64_t rid,
			       size_t n, const void *key, size_t klen)
{
	for (size_t i = 0; i < *ns; i++)
		if (sl[i].range_id == rid && sl[i].keys + n <=
		    TXNRPC_BATCH_KEYS && sl[i].njobs < TXNBG_BATCH_JOBS)
			return &sl[i];
	if ((sl[*ns].arr = json_array()) == NULL)
		return NULL;
	sl[*ns].range_id = rid;
	sl[*ns].rkey = key;
	sl[*ns].rklen = klen;
	sl[*ns].keys = 0;
	sl[*ns].njobs = 0;
	return &sl[(*ns)++];
}

static void bslot_add_job(struct bslot *s, size_t j)
{
	if (s->njobs == 0 || s->jobs[s->njobs - 1] != j)
		s->jobs[s->njobs++] = j;
}

/* Run the slots' calls; fail (rc[j], ejob[j]) the jobs of failed ones. */
static void bslots_run(struct txnbg *bg, struct bslot *sl, size_t ns,
		       struct txnrpc_call *c, const char *what, int *rc,
		       struct err *ejob)
{
	txnrpc_run(bg->router, c, ns);
	for (size_t i = 0; i < ns; i++) {
		int a = txnrpc_answer(&c[i]);
		struct err e;
		int r = RC_OK;

		if (a == TXNRPC_MOVED) {
			router_invalidate(bg->router, sl[i].range_id);
			r = err_set(&e, RC_RANGE_MOVED, "%s: range %" PRIu64
				    " moved", what, sl[i].range_id);
		} else if (a != TXNRPC_OK) {
			r = txnrpc_error(&c[i], what, &e);
		} else if (json_integer_value(json_object_get(c[i].reply,
							      "pending")) > 0) {
			log_warn("msg=\"records not collected: still "
				 "pending\" range=%" PRIu64 " n=%" JSON_INTEGER_FORMAT,
				 sl[i].range_id, json_integer_value(
				 json_object_get(c[i].reply, "pending")));
		}
		for (size_t k = 0; r != RC_OK && k < sl[i].njobs; k++)
			if (rc[sl[i].jobs[k]] == RC_OK) {
				rc[sl[i].jobs[k]] = r;
				ejob[sl[i].jobs[k]] = e;
			}
		txnrpc_call_clear(&c[i]);
	}
}

/* Fail every job of the round still ok: out of memory. */
static void jobs_nomem(size_t n, int *rc, struct err *ejob)
{
	for (size_t j = 0; j < n; j++)
		if (rc[j] == RC_OK)
			rc[j] = err_set(&ejob[j], RC_NOMEM, "out of memory");
}

/*
 * One request per slot: POST path {member: the slot's array}, routed by
 * the slot's key; settle the jobs (bslots_run) and free the slots.
 */
static void bslots_send(struct txnbg *bg, struct bslot *sl, size_t ns,
			const char *path, const char *member,
			const char *what, size_t n, int *rc,
			struct err *ejob)
{
	struct txnrpc_call *c = calloc(ns ? ns : 1, sizeof(*c));

	if (c == NULL) {
		jobs_nomem(n, rc, ejob);
	} else {
		for (size_t i = 0; i < ns; i++) {
			c[i].path = path;
			c[i].body = json_pack("{s:O}", member, sl[i].arr);
			c[i].key = sl[i].rkey;
			c[i].klen = sl[i].rklen;
		}
		bslots_run(bg, sl, ns, c, what, rc, ejob);
	}
	for (size_t i = 0; i < ns; i++)
		json_decref(sl[i].arr);
	free(sl);
	free(c);
}

/*
 * One part of a resolution batch: committed job jb's intents on the keys
 * k[0..n), as /txn/resolve's {"txn","status","ts","keys"}.  NULL: no
 * memory.
 */
static json_t *job_part(const struct txnbg_job *jb, const struct txnrpc_key *k,
			size_t n)
{
	json_t *o = json_pack("{s:o, s:s}", "txn", txnwire_id_json(jb->id),
			      "status", "committed"),
	       *ka = json_array();

	for (size_t m = 0; ka != NULL && m < n; m++)
		if (json_array_append_new(ka, txnrpc_key_json(k[m].p,
							      k[m].n)) != 0) {
			json_decref(ka);
			ka = NULL;
		}
	if (o == NULL || ka == NULL || txnwire_ts_set(o, "ts", jb->cts) != 0) {
		json_decref(ka);
		json_decref(o);
		return NULL;
	}
	if (json_object_set_new(o, "keys", ka) != 0) {	/* takes ka */
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Resolve the remaining intents of the jobs js[0..n), together. */
static void batch_resolve(struct txnbg *bg, struct txnbg_job **js, size_t n,
			  int *rc, struct err *ejob)
{
	struct bslot *sl = calloc(n * 8 + 1, sizeof(*sl));
	size_t ns = 0, cap = n * 8 + 1;

	if (sl == NULL) {
		jobs_nomem(n, rc, ejob);
		return;
	}
	for (size_t j = 0; j < n; j++) {
		struct txnbg_job *jb = js[j];
		struct txnrpc_key *keys = NULL;
		struct txnrpc_group *g = NULL;
		size_t ng = 0;
		struct err e;

		if (jb->intents_done || jb->skip >= jb->writes.n)
			continue;
		if (txnrpc_buf_keys(&jb->writes, &keys, &e) != RC_OK ||
		    txnrpc_group_keys(bg->router, keys + jb->skip,
				      jb->writes.n - jb->skip,
				      TXNRPC_BATCH_KEYS, TXNRPC_BATCH_BYTES,
				      &g, &ng, &e) != RC_OK || ng > cap - ns) {
			if (ng > cap - ns)
				err_set(&e, RC_NOMEM, "too many ranges to "
					"batch");
			rc[j] = e.code ? e.code : RC_NOMEM;
			ejob[j] = e;
			free(keys);
			free(g);
			continue;
		}
		for (size_t i = 0; i < ng && rc[j] == RC_OK; i++) {
			const struct txnrpc_key *k = keys + jb->skip +
						     g[i].first;
			struct bslot *s = bslot_for(sl, &ns, g[i].range_id,
						    g[i].n, k[0].p, k[0].n);
			json_t *o = job_part(jb, k, g[i].n);

			if (s == NULL || o == NULL ||
			    json_array_append_new(s->arr, o) != 0) {
				rc[j] = err_set(&ejob[j], RC_NOMEM, "out of "
						"memory batching resolutions");
				break;
			}
			s->keys += g[i].n;
			bslot_add_job(s, j);
		}
		free(keys);
		free(g);
	}
	bslots_send(bg, sl, ns, "/txn/resolve", "batch", "resolve intents",
		    n, rc, ejob);
	for (size_t j = 0; j < n; j++)
		if (rc[j] == RC_OK)
			js[j]->intents_done = 1;
}

/* Collect the records of the jobs still ok, together. */
static void batch_gc(struct txnbg *bg, struct txnbg_job **js, size_t n,
		     int *rc, struct err *ejob, int stop)
{
	struct bslot *sl = calloc(n + 1, sizeof(*sl));
	size_t ns = 0;

	if (sl == NULL) {
		jobs_nomem(n, rc, ejob);
		return;
	}
	for (size_t j = 0; j < n; j++) {
		struct txnbg_job *jb = js[j];
		struct bslot *s;
		struct desc d;
		json_t *o;

		if (rc[j] != RC_OK || !(jb->gc_due || stop))
			continue;	/* failed, or collected later */
		if (router_locate(bg->router, jb->anchor, jb->alen, &d,
				  &ejob[j]) != RC_OK) {
			rc[j] = ejob[j].code;
			continue;
		}
		s = bslot_for(sl, &ns, d.range_id, 1, jb->anchor, jb->alen);
		o = json_pack("{s:o}", "txn", txnwire_id_json(jb->id));
		if (s == NULL || o == NULL ||
		    desc_bytes_set(o, "anchor", jb->anchor, jb->alen) != 0 ||
		    json_array_append_new(s->arr, o) != 0) {
			json_decref(o);
			rc[j] = err_set(&ejob[j], RC_NOMEM, "out of memory "
					"batching record collections");
			continue;
		}
		s->keys++;
		bslot_add_job(s, j);
	}
	bslots_send(bg, sl, ns, "/txn/gc", "records", "collect records", n,
		    rc, ejob);
}

/* A job the batch path takes: committed, nothing to settle first. */
static int job_batchable(const struct txnbg_job *j)
{
	return j->outcome == TXNBG_COMMITTED;
}

/* Take j (which follows prev, NULL: the first) out of the queue. */
static void job_unlink(struct txnbg *bg, struct txnbg_job *prev,
		       struct txnbg_job *j)
{
	if (prev != NULL)
		prev->next = j->next;
	else
		bg->jobs = j->next;
	if (bg->tail == j)
		bg->tail = prev;
	j->next = NULL;
	bg->n_jobs--;
}

/* The first job due (any job when stopping), unlinked; or NULL. */
static struct txnbg_job *job_take(struct txnbg *bg, uint64_t now,
				  uint64_t *next)
{
	struct txnbg_job *prev = NULL;

	*next = UINT64_MAX;
	for (struct txnbg_job *j = bg->jobs; j != NULL; prev = j,
	     j = j->next) {
		if (j->due_ms > now && !bg->stop) {
			if (j->due_ms < *next)
				*next = j->due_ms;
			continue;
		}
		job_unlink(bg, prev, j);
		return j;
	}
	return NULL;
}

static void job_append(struct txnbg *bg, struct txnbg_job *j)
{
	j->next = NULL;
	if (bg->tail != NULL)
		bg->tail->next = j;
	else
		bg->jobs = j;
	bg->tail = j;
	bg->n_jobs++;
}

/* After a run: done, again later, or given up. */
static void job_done(struct txnbg *bg, struct txnbg_job *j, int rc,
		     const struct err *e)
{
	char hex[33];

	if (rc == RC_OK && j->intents_done && !j->gc_due && !bg->stop &&
	    j->outcome == TXNBG_COMMITTED) {
		j->gc_due = 1;		/* collect with the others, later */
		j->due_ms = util_mono_ms() + TXNBG_GC_DELAY_MS;
		txnbuf_release(&j->writes);	/* only the record is left */
		job_append(bg, j);
		return;
	}
	if (rc == RC_OK) {
		bg->resolved++;
		job_free(j);
		return;
	}
	txnwire_id_hex(j->id, hex);
	if (!bg->stop && ++j->attempts < TXNBG_MAX_ATTEMPTS) {
		uint64_t pause = (uint64_t)TXNBG_BACKOFF_MS << (j->attempts -
								1);

		if (pause > TXNBG_BACKOFF_MAX_MS)
			pause = TXNBG_BACKOFF_MAX_MS;
		log_info("msg=\"resolution failed, will retry\" txn=%s "
			 "attempt=%u error=\"%s\"", hex, j->attempts, e->msg);
		j->due_ms = util_mono_ms() + pause;
		job_append(bg, j);
		return;
	}
	log_error("msg=\"resolution given up; intents left to pushers\" "
		  "txn=%s error=\"%s\"", hex, e->msg);
	bg->dropped++;
	job_free(j);
}

/*
 * With bg->mu held: take the other due committed jobs along with first,
 * run them as one batch unlocked, and settle each.
 */
static void job_batch(struct txnbg *bg, struct txnbg_job *first)
{
	struct txnbg_job *js[TXNBG_BATCH_JOBS];
	struct err ejob[TXNBG_BATCH_JOBS];
	int rc[TXNBG_BATCH_JOBS];
	uint64_t now = util_mono_ms();
	size_t n = 1;
	int stop;

	js[0] = first;
	for (struct txnbg_job *prev = NULL, *j = bg->jobs;
	     j != NULL && n < TXNBG_BATCH_JOBS;) {
		struct txnbg_job *next = j->next;

		/* due ones, and collections not due yet: early is fine */
		if ((j->due_ms <= now || bg->stop ||
		     (j->gc_due && first->gc_due)) && job_batchable(j)) {
			job_unlink(bg, prev, j);
			js[n++] = j;
		} else {
			prev = j;
		}
		j = next;
	}
	bg->running += n;
	stop = bg->stop;
	pthread_mutex_unlock(&bg->mu);
	for (size_t i = 0; i < n; i++) {
		rc[i] = RC_OK;
		err_clear(&ejob[i]);
	}
	batch_resolve(bg, js, n, rc, ejob);
	batch_gc(bg, js, n, rc, ejob, stop);
	pthread_mutex_lock(&bg->mu);
	bg->running -= n;
	for (size_t i = 0; i < n; i++)
		job_done(bg, js[i], rc[i], &ejob[i]);
}

static void *job_main(void *arg)
{
	struct txnbg *bg = arg;
	uint64_t next;

	pthread_setname_np(pthread_self(), "txcoord-resolve");

	pthread_mutex_lock(&bg->mu);
	for (;;) {
		struct txnbg_job *j = job_take(bg, util_mono_ms(), &next);
		struct err e;
		int rc;

		if (j == NULL) {
			if (bg->stop && bg->n_jobs == 0)
				break;
			/*
			 * One resolver keeps the time (the earliest job due
			 * later); the others sleep until signalled, so a
			 * queue of jobs waiting for rides wakes one thread
			 * when the first falls due, not all of them.
			 */
			if (next == UINT64_MAX ||
			    (bg->timer_at != 0 && bg->timer_at <= next)) {
				pthread_cond_wait(&bg->job_cond, &bg->mu);
			} else {
				bg->timer_at = next;
				cond_wait_until(&bg->job_cond, &bg->mu, next);
				if (bg->timer_at == next)
					bg->timer_at = 0;
			}
			continue;
		}
		/* the time keeper took work: let another keep it */
		if (bg->timer_at == 0 && bg->n_jobs > 0)
			pthread_cond_signal(&bg->job_cond);
		if (job_batchable(j) && bg->n_jobs > 0) {
			job_batch(bg, j);	/* unlocks and relocks */
			continue;
		}
		bg->running++;
		pthread_mutex_unlock(&bg->mu);
		err_clear(&e);
		rc = job_run(bg, j, &e);
		pthread_mutex_lock(&bg->mu);
		bg->running--;
		job_done(bg, j, rc, &e);
	}
	pthread_mutex_unlock(&bg->mu);
	return NULL;
}

/* ---- riding resolutions ------------------------------------------------ */

/*
 * A committed job whose remaining intents lie in one range waits
 * ride_wait_ms (TXNBG_RIDE_WAIT_MS) for a ride: a command this coordinator sends to that
 * range meanwhile (an intent write, a 1PC, a record commit) takes it along
 * (txnbg_ride_take), and the range proposes the resolution in the same
 * Raft round as the command.  At a few hundred transactions a second a
 * command reaches each range every few milliseconds, so most resolutions
 * cost no round of their own.  A job no command took goes the resolver's
 * way when its wait is over, as does one whose ride failed.
 */
/* The one range all of committed j's remaining intents lie in, or 0. */
static uint64_t job_ride_range(struct txnbg *bg, const struct txnbg_job *j)
{
	struct txnrpc_key *keys = NULL;
	struct txnrpc_group *g = NULL;
	size_t ng = 0, n = j->writes.n - j->skip;
	uint64_t rid = 0;
	struct err e;

	if (j->outcome != TXNBG_COMMITTED || j->skip >= j->writes.n ||
	    n > TXNBG_RIDE_KEYS)
		return 0;
	if (txnrpc_buf_keys(&j->writes, &keys, &e) == RC_OK &&
	    txnrpc_group_keys(bg->router, keys + j->skip, n, TXNRPC_BATCH_KEYS,
			      TXNRPC_BATCH_BYTES, &g, &ng, &e) == RC_OK &&
	    ng == 1)
		rid = g[0].range_id;
	free(keys);
	free(g);
	return rid;
}

void txnbg_ride_take(struct txnbg *bg, uint64_t range_id,
		     struct txnbg_ride *ride)
{
	size_t keys = 0;

	memset(ride, 0, sizeof(*ride));
	if (bg == NULL || range_id == 0)
		return;
	pthread_mutex_lock(&bg->mu);
	for (struct txnbg_job *prev = NULL, *j = bg->jobs;
	     j != NULL && ride->n < TXNBG_RIDE_JOBS;) {
		struct txnbg_job *next = j->next;
		size_t k = j->writes.n - j->skip;

		if (j->ride_rid == range_id && !j->intents_done &&
		    keys + k <= TXNBG_RIDE_KEYS) {
			job_unlink(bg, prev, j);
			ride->js[ride->n++] = j;
			keys += k;
		} else {
			prev = j;
		}
		j = next;
	}
	bg->running += ride->n;
	pthread_mutex_unlock(&bg->mu);
	if (ride->n == 0)
		return;
	/* the jobs are ours now: build the parts unlocked */
	ride->batch = json_array();
	for (size_t i = 0; ride->batch != NULL && i < ride->n; i++) {
		struct txnbg_job *j = ride->js[i];
		struct txnrpc_key *k = NULL;
		struct err e;
		json_t *o = NULL;

		if (txnrpc_buf_keys(&j->writes, &k, &e) == RC_OK)
			o = job_part(j, k + j->skip, j->writes.n - j->skip);
		free(k);
		if (o == NULL || json_array_append_new(ride->batch, o) != 0) {
			json_decref(ride->batch);
			ride->batch = NULL;
		}
	}
	if (ride->batch == NULL)	/* no memory: the resolver's way */
		txnbg_ride_done(bg, ride, NULL);
}

void txnbg_ride_done(struct txnbg *bg, struct txnbg_ride *ride,
		     const json_t *reply)
{
	const json_t *r = json_object_get(reply, "ride");
	int ok = json_is_integer(json_object_get(r, "resolved"));

	if (ride->n == 0)
		return;
	json_decref(ride->batch);
	ride->batch = NULL;
	pthread_mutex_lock(&bg->mu);
	bg->running -= ride->n;
	for (size_t i = 0; i < ride->n; i++) {
		struct txnbg_job *j = ride->js[i];

		if (ok) {
			j->intents_done = 1;
			bg->rode++;
			job_done(bg, j, RC_OK, NULL);	/* its gc, later */
		} else {
			j->ride_rid = 0;	/* no second ride */
			j->due_ms = util_mono_ms();
			job_append(bg, j);
		}
	}
	/* due before the time keeper (job_main) wakes: a resolver looks */
	if (!ok || bg->timer_at == 0 ||
	    util_mono_ms() + TXNBG_GC_DELAY_MS < bg->timer_at)
		pthread_cond_signal(&bg->job_cond);
	pthread_mutex_unlock(&bg->mu);
	ride->n = 0;
}

int txnbg_resolve(struct txnbg *bg, const unsigned char id[16], int outcome,
		  uint64_t cts, const void *anchor, size_t alen,
		  struct txnbuf *writes, size_t skip, struct err *e)
{
	struct txnbg_job *j = calloc(1, sizeof(*j));

	if (j == NULL || (j->anchor = malloc(alen + 1)) == NULL) {
		free(j);
		return err_set(e, RC_NOMEM, "out of memory queueing the "
			       "resolution of a transaction");
	}
	memcpy(j->id, id, 16);
	j->outcome = outcome;
	j->cts = cts;
	if (alen > 0)
		memcpy(j->anchor, anchor, alen);
	j->alen = alen;
	j->writes = *writes;
	j->skip = skip < writes->n ? skip : writes->n;
	txnbuf_init(writes);
	j->ride_rid = job_ride_range(bg, j);
	pthread_mutex_lock(&bg->mu);
	j->due_ms = util_mono_ms() + (j->ride_rid != 0 && !bg->stop ?
				      bg->ride_wait_ms : 0);
	job_append(bg, j);
	/* due now, or before the time keeper wakes: a resolver must look */
	if (j->ride_rid == 0 || bg->stop || bg->timer_at == 0 ||
	    j->due_ms < bg->timer_at)
		pthread_cond_signal(&bg->job_cond);
	pthread_mutex_unlock(&bg->mu);
	return RC_OK;
}

void txnbg_get_stats(struct txnbg *bg, struct txnbg_stats *st)
{
	pthread_mutex_lock(&bg->mu);
	st->committing = bg->n_hb;
	st->heartbeats = bg->heartbeats;
	st->pending = bg->n_jobs + bg->running;
	st->resolved = bg->resolved;
	st->dropped = bg->dropped;
	st->rode = bg->rode;
	pthread_mutex_unlock(&bg->mu);
}

/* ---- life cycle --------------------------------------------------------- */

int txnbg_new(struct txnbg **out, const struct txnbg_opts *o, struct err *e)
{
	struct txnbg *bg = calloc(1, sizeof(*bg));

	if (bg == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	bg->router = o->router;
	bg->hb_ms = o->heartbeat_ms ? o->heartbeat_ms : 500;
	bg->timeout_ms = o->timeout_ms ? o->timeout_ms : 3000;
	bg->ride_wait_ms = o->ride_wait_ms ? o->ride_wait_ms :
			   TXNBG_RIDE_WAIT_MS;
	if (pthread_mutex_init(&bg->mu, NULL) != 0 ||
	    cond_init_mono(&bg->hb_cond) != 0 ||
	    cond_init_mono(&bg->job_cond) != 0) {
		free(bg);
		return err_set(e, RC_INTERNAL, "cannot create a lock");
	}
	if (pthread_create(&bg->hb_thread, NULL, hb_main, bg) != 0) {
		txnbg_free(bg);
		return err_set(e, RC_INTERNAL, "cannot start the heartbeat "
			       "thread");
	}
	bg->hb_started = 1;
	/*
	 * Several resolvers: intents left unresolved make every transaction
	 * that meets them push; one thread fell behind at ~100 commits/s.
	 */
	for (int i = 0; i < TXNBG_WORKERS; i++) {
		if (pthread_create(&bg->job_thread[i], NULL, job_main, bg) !=
		    0) {
			txnbg_free(bg);
			return err_set(e, RC_INTERNAL, "cannot start the "
				       "resolver threads");
		}
		bg->job_started++;
	}

	*out = bg;
	return RC_OK;
}

void txnbg_free(struct txnbg *bg)
{
	struct txnbg_job *j;
	uint64_t next;

	if (bg == NULL)
		return;
	pthread_mutex_lock(&bg->mu);
	bg->stop = 1;
	pthread_cond_broadcast(&bg->hb_cond);
	pthread_cond_broadcast(&bg->job_cond);
	pthread_mutex_unlock(&bg->mu);
	if (bg->hb_started)
		pthread_join(bg->hb_thread, NULL);
	for (int i = 0; i < bg->job_started; i++)
		pthread_join(bg->job_thread[i], NULL);
	while ((j = job_take(bg, UINT64_MAX, &next)) != NULL)
		job_free(j);
	while (bg->hbs != NULL) {
		struct txnbg_hb *h = bg->hbs;

		bg->hbs = h->next;
		free(h->anchor);
		free(h);
	}
	pthread_cond_destroy(&bg->hb_cond);
	pthread_cond_destroy(&bg->job_cond);
	pthread_mutex_destroy(&bg->mu);
	free(bg);
}
