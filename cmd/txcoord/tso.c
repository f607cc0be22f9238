/*
 * tso.c -- txcoord's batched tsod client (see tso.h).
 *
 * One sender thread per struct tso makes the round trips; callers never
 * touch the network.  A caller joins the batch being gathered (t->pending),
 * taking the next index in it, wakes the sender and waits -- with its own
 * deadline -- for the batch to be answered; its timestamp is then the
 * batch's first plus its index.  The sender takes the whole pending batch,
 * asks tsod for exactly that many timestamps, publishes the answer (or the
 * error) to every member at once, and goes back for the next batch, which
 * gathered meanwhile: at most one request is ever in flight.
 *
 * A caller that gives up (deadline) leaves its batch: if the batch was not
 * sent yet its slot stays a hole (one timestamp wasted, none handed out
 * twice); a batch is freed by whoever drops its last reference (members
 * and, while it is out, the sender).
 *
 * Tested in t/unit/tso_test.c.
 */
#include "tso.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "util.h"

/* One round trip's worth of callers. */
struct tso_batch {
	size_t n;		/* slots handed out (= count asked) */
	unsigned refs;		/* members waiting, plus the sender while out */
	int sent;		/* the sender took it */
	int done;		/* answered: rc, err, first are set */
	int rc;
	struct err err;
	uint64_t first;
};

struct tso {
	char *addr;
	pthread_mutex_t mu;
	pthread_cond_t work;	/* sender: a batch is pending, or closing */
	pthread_cond_t done;	/* callers: a batch was answered or taken */
	pthread_t sender;
	int sender_started;
	int closing;
	unsigned deadline_ms;
	unsigned waiters;	/* callers inside tso_get() */
	struct tso_batch *pending;
	uint64_t last;		/* highest timestamp received so far */
	uint64_t requests, rounds;

	/* used by the sender thread only, except abort (under mu) */
	struct http_client *http;
	unsigned http_timeout_ms;
};

static void tso_batch_unref(struct tso_batch *b)
{
	if (--b->refs == 0)
		free(b);
}

/* abs_deadline = now (CLOCK_MONOTONIC) + ms */
static void tso_abstime(struct timespec *ts, unsigned ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* The timestamp field of tsod's reply: an integer, or a decimal string. */
static int tso_parse_ts(const json_t *v, uint64_t *out)
{
	if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);

		if (n <= 0)
			return -1;
		*out = (uint64_t)n;
		return 0;
	}
	if (json_is_string(v))
		return util_parse_u64(json_string_value(v), 1, UINT64_MAX, out,
				      "ts", NULL) == RC_OK ? 0 : -1;
	return -1;
}

/*
 * "tsod at ADDR: <why>", unless why already names ADDR (the HTTP client's
 * messages do): then "tsod: <why>".
 */
static int tso_fail(const struct tso *t, struct err *e, int rc,
		    const char *why)
{
	if (strstr(why, t->addr) != NULL)
		return err_set(e, rc, "tsod: %s", why);
	return err_set(e, rc, "tsod at %s: %s", t->addr, why);
}

/* One POST /ts {"count":n} round trip (sender thread). */
static int tso_round(struct tso *t, size_t n, unsigned timeout_ms,
		     uint64_t *first, struct err *e)
{
	struct http_client_opts o;
	json_t *req, *rep = NULL, *v;
	struct err he;
	uint64_t ts = 0;
	int rc;

	if (t->http == NULL || t->http_timeout_ms != timeout_ms) {
		struct http_client *h = NULL, *old;

		memset(&o, 0, sizeof(o));
		o.timeout_ms = timeout_ms;
		o.connect_timeout_ms = timeout_ms < 1000 ? timeout_ms : 1000;
		o.max_response = 64 * 1024;
		if ((rc = http_client_new(&h, t->addr, &o, &he)) != RC_OK)
			return tso_fail(t, e, rc, he.msg);
		pthread_mutex_lock(&t->mu);
		old = t->http;
		t->http = h;
		if (t->closing)
			http_client_abort(h);
		pthread_mutex_unlock(&t->mu);
		http_client_free(old);
		t->http_timeout_ms = timeout_ms;
	}
	req = json_pack("{s:I}", "count", (json_int_t)n);
	if (req == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	rc = http_client_json(t->http, "POST", "/ts", req, &rep, &he);
	json_decref(req);
	if (rc != RC_OK) {
		if (rc == RC_CORRUPT)
			return tso_fail(t, e, rc, he.msg);
		/* a refusal from tsod (4xx, 5xx) means "not now" to us */
		if (rc != RC_TIMEOUT && rc != RC_NOMEM)
			rc = RC_UNAVAILABLE;
		return tso_fail(t, e, rc, he.msg);
	}
	if (!json_is_object(rep) ||
	    tso_parse_ts(json_object_get(rep, "ts"), &ts) != 0) {
		json_decref(rep);
		return err_set(e, RC_CORRUPT, "tsod at %s: malformed reply to "
			       "POST /ts: no positive 'ts'", t->addr);
	}
	v = json_object_get(rep, "count");
	if (v != NULL && (!json_is_integer(v) ||
			  json_integer_value(v) != (json_int_t)n)) {
		json_decref(rep);
		return err_set(e, RC_CORRUPT, "tsod at %s: asked for %zu "
			       "timestamps, the reply's 'count' differs",
			       t->addr, n);
	}
	json_decref(rep);
	if (ts > UINT64_MAX - n)
		return err_set(e, RC_CORRUPT, "tsod at %s: 'ts' %" PRIu64
			       " leaves no room for %zu timestamps", t->addr,
			       ts, n);
	*first = ts;
	return RC_OK;
}

static void *tso_sender(void *arg)
{
	struct tso *t = arg;
	struct tso_batch *b;
	uint64_t first = 0;
	unsigned timeout;
	struct err e;
	int rc;

	pthread_setname_np(pthread_self(), "txcoord-tso");

	pthread_mutex_lock(&t->mu);
	for (;;) {
		while (!t->closing && t->pending == NULL)
			pthread_cond_wait(&t->work, &t->mu);
		if (t->closing)
			break;
		b = t->pending;
		t->pending = NULL;
		b->sent = 1;
		b->refs++;
		timeout = t->deadline_ms;
		/* callers waiting for room in a full batch may go on */
		pthread_cond_broadcast(&t->done);
		pthread_mutex_unlock(&t->mu);

		err_clear(&e);
		rc = tso_round(t, b->n, timeout, &first, &e);

		pthread_mutex_lock(&t->mu);
		t->rounds++;
		/* tsod's timestamps only ever grow: anything else is a bug */
		if (rc == RC_OK && first <= t->last)
			rc = err_set(&e, RC_CORRUPT, "tsod at %s went "
				     "backwards: it issued %" PRIu64 " after "
				     "%" PRIu64, t->addr, first, t->last);
		if (rc == RC_OK)
			t->last = first + b->n - 1;
		b->rc = rc;
		b->err = e;
		b->first = first;
		b->done = 1;
		tso_batch_unref(b);
		pthread_cond_broadcast(&t->done);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

int tso_new(struct tso **out, const char *addr, struct err *e)
{
	pthread_condattr_t ca;
	struct tso *t;
	int rc;

	*out = NULL;
	if (addr == NULL || addr[0] == '\0')
		return err_set(e, RC_BAD_INPUT, "no tsod address: give "
			       "--tsod HOST:PORT or set 'tsod' in the "
			       "[cluster] section");
	t = calloc(1, sizeof(*t));
	if (t == NULL || (t->addr = strdup(addr)) == NULL) {
		free(t);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	t->deadline_ms = TSO_DEADLINE_MS;
	pthread_mutex_init(&t->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->work, &ca);
	pthread_cond_init(&t->done, &ca);
	pthread_condattr_destroy(&ca);
	rc = pthread_create(&t->sender, NULL, tso_sender, t);
	if (rc != 0) {
		tso_free(t);
		return err_set(e, RC_INTERNAL, "cannot start the tsod client "
			       "thread: %s", strerror(rc));
	}
	t->sender_started = 1;
	*out = t;
	return RC_OK;
}

void tso_free(struct tso *t)
{
	if (t == NULL)
		return;
	pthread_mutex_lock(&t->mu);
	t->closing = 1;
	http_client_abort(t->http);	/* cut a round in flight short */
	pthread_cond_broadcast(&t->work);
	pthread_mutex_unlock(&t->mu);
	if (t->sender_started)
		pthread_join(t->sender, NULL);

	pthread_mutex_lock(&t->mu);
	if (t->pending != NULL) {
		struct tso_batch *b = t->pending;

		t->pending = NULL;
		b->done = 1;
		b->rc = err_set(&b->err, RC_UNAVAILABLE, "tsod client for %s "
				"is shutting down", t->addr);
		/* its members free it as they leave (refs > 0 here) */
	}
	pthread_cond_broadcast(&t->done);
	while (t->waiters > 0)
		pthread_cond_wait(&t->done, &t->mu);
	pthread_mutex_unlock(&t->mu);

	http_client_free(t->http);
	pthread_cond_destroy(&t->work);
	pthread_cond_destroy(&t->done);
	pthread_mutex_destroy(&t->mu);
	free(t->addr);
	free(t);
}

void tso_set_deadline(struct tso *t, unsigned ms)
{
	pthread_mutex_lock(&t->mu);
	t->deadline_ms = ms ? ms : TSO_DEADLINE_MS;
	pthread_mutex_unlock(&t->mu);
}

/* A timed wait on t->done; ETIMEDOUT once the deadline has passed. */
static int tso_wait(struct tso *t, const struct timespec *until)
{
	return pthread_cond_timedwait(&t->done, &t->mu, until);
}

int tso_get(struct tso *t, uint64_t *ts, struct err *e)
{
	struct timespec until;
	struct tso_batch *b;
	unsigned ms;
	size_t idx;
	int rc = RC_OK, timed_out = 0;

	*ts = 0;
	pthread_mutex_lock(&t->mu);
	ms = t->deadline_ms;
	tso_abstime(&until, ms);
	t->waiters++;
	/* join the batch being gathered (wait for room if it is full) */
	while (!t->closing && t->pending != NULL &&
	       t->pending->n >= TSO_MAX_BATCH) {
		if (tso_wait(t, &until) == ETIMEDOUT) {
			timed_out = 1;
			break;
		}
	}
	if (t->closing) {
		rc = err_set(e, RC_UNAVAILABLE, "tsod client for %s is "
			     "shutting down", t->addr);
		goto out;
	}
	if (timed_out) {
		rc = err_set(e, RC_TIMEOUT, "no timestamp from tsod at %s "
			     "within %u ms", t->addr, ms);
		goto out;
	}
	if (t->pending == NULL) {
		t->pending = calloc(1, sizeof(*t->pending));
		if (t->pending == NULL) {
			rc = err_set(e, RC_NOMEM, "out of memory");
			goto out;
		}
	}
	b = t->pending;
	idx = b->n++;
	b->refs++;
	pthread_cond_signal(&t->work);
	while (!b->done) {
		if (tso_wait(t, &until) == ETIMEDOUT && !b->done) {
			timed_out = 1;
			break;
		}
	}
	if (b->done && b->rc == RC_OK) {
		*ts = b->first + idx;
		t->requests++;
	} else if (b->done) {
		rc = b->rc;
		if (e != NULL)
			*e = b->err;
	} else {
		rc = err_set(e, RC_TIMEOUT, "no timestamp from tsod at %s "
			     "within %u ms", t->addr, ms);
	}
	/* leaving: an unsent batch nobody waits for any more goes away */
	if (--b->refs == 0) {
		if (t->pending == b)
			t->pending = NULL;
		free(b);
	}
out:
	if (--t->waiters == 0 && t->closing)
		pthread_cond_broadcast(&t->done);
	pthread_mutex_unlock(&t->mu);
	return rc;
}

void tso_stats(struct tso *t, uint64_t *requests, uint64_t *rounds)
{
	pthread_mutex_lock(&t->mu);
	if (requests != NULL)
		*requests = t->requests;
	if (rounds != NULL)
		*rounds = t->rounds;
	pthread_mutex_unlock(&t->mu);
}

const char *tso_addr(const struct tso *t)
{
	return t->addr;
}
