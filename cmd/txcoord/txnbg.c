/*
 * txnbg.c -- heartbeat thread and resolver thread of the transaction
 * engine.  See txnbg.h; tested through t/unit/txn_test.c.
 *
 * One mutex guards both lists.  The heartbeat thread sends one heartbeat
 * at a time with the mutex released and the registration marked in
 * flight; txnbg_hb_stop() waits on hb_cond until it is not.  The resolver
 * takes the first job that is due, runs it unlocked, and puts it back
 * with a later due time when it failed.
 */
#include "txnbg.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "txnrpc.h"
#include "txnwire.h"
#include "util.h"

#define TXNBG_IDLE_TICK_MS	1000	/* heartbeat thread's nap when idle */
#define TXNBG_BACKOFF_MS	100	/* first pause after a failed job */
#define TXNBG_BACKOFF_MAX_MS	10000

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
	unsigned attempts;
	uint64_t due_ms;
};

struct txnbg {
	struct router *router;
	unsigned hb_ms, timeout_ms;
	pthread_mutex_t mu;
	pthread_cond_t hb_cond;		/* heartbeat thread; in-flight done */
	pthread_cond_t job_cond;	/* resolver thread */
	struct txnbg_hb *hbs;
	size_t n_hb;
	struct txnbg_job *jobs, *tail;
	size_t n_jobs, running;
	int stop;
	pthread_t hb_thread, job_thread[TXNBG_WORKERS];
	int hb_started, job_started;	/* job_started: threads running */
	uint64_t heartbeats, resolved, dropped;
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
		j->intents_done = 1;
	}
	return job_gc(bg, j, e);
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
		if (prev != NULL)
			prev->next = j->next;
		else
			bg->jobs = j->next;
		if (bg->tail == j)
			bg->tail = prev;
		j->next = NULL;
		bg->n_jobs--;
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

static void *job_main(void *arg)
{
	struct txnbg *bg = arg;
	uint64_t next;

	pthread_mutex_lock(&bg->mu);
	for (;;) {
		struct txnbg_job *j = job_take(bg, util_mono_ms(), &next);
		struct err e;
		int rc;

		if (j == NULL) {
			if (bg->stop && bg->n_jobs == 0)
				break;
			if (next == UINT64_MAX)
				pthread_cond_wait(&bg->job_cond, &bg->mu);
			else
				cond_wait_until(&bg->job_cond, &bg->mu, next);
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
	pthread_mutex_lock(&bg->mu);
	j->due_ms = util_mono_ms();
	job_append(bg, j);
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
