/*
 * transport.c -- raftd's outbound Raft messages (see transport.h).
 *
 * Each peer has a mutex-guarded queue (a growable array of deep-copied
 * messages, at most max_queue_msgs long), a condition variable and
 * TRANSPORT_LANES sender threads ("lanes"), each with its own connection.
 * An idle lane swaps the whole queue out for its spare array in O(1),
 * encodes it as one raftwire batch (the binary form: no JSON objects or
 * base64 on the hot path) and POSTs it; the caller of
 * transport_send() only ever waits for that swap.  With one lane, what is
 * queued while a POST is out waits a whole round trip for it to come back
 * (a commit index sent right after a commit delays the next write's
 * entries by one RTT, and a follower's acknowledgements queue the same
 * way); with TRANSPORT_LANES lanes a burst that size goes at once.  Four
 * brought a write across a 40 ms link from 82 to 48 ms (docs/
 * BENCHMARKS.md); two only to 64.  But on loopback, with the CPUs busy,
 * four lanes cost a third of the bank benchmark's cross-range rate: more,
 * smaller POSTs.  So a second lane starts a POST only to a peer whose
 * round trip (the shortest POST of the last TRANSPORT_RTT_WINDOW_MS: a
 * busy CPU slows POSTs on average, a long link every one of them) is
 * TRANSPORT_LANE_RTT_US or more, and only once the latest one has been out
 * TRANSPORT_LANE_DELAY_MS; otherwise what queued meanwhile goes as one
 * batch when the POST out is back, as with one lane.  Two lanes may
 * deliver out of order, so every batch carries the transport's epoch and
 * a number taken with the queue, and the receiver puts them back in order
 * (rxorder.h).  A batch this side loses (failed POST, a partition drill,
 * one it cannot encode) marks the next one "resync", so the receiver does
 * not wait for it; the second half of a batch that had to be split goes
 * unnumbered.  Counters live under the
 * peer's mutex, so transport_stats() is a consistent snapshot and metrics
 * registered late are seeded with what was counted before.
 *
 * Every POST asks for a reply (the "reply" flag): the peer's handler may
 * answer 200 with its own messages to us, taken from its queue for us
 * once its node handled our batch (transport_reply_take), numbered in the
 * same sequence; the lane hands them to the deliver hook (raftd's api.c).
 * While such a handler waits (transport_reply_expect), no lane takes the
 * queue for that peer, so a follower's acknowledgements go back in the
 * answer to the append instead of in a POST of their own.
 *
 * The POST goes through libcommon's http_client: one client per peer,
 * used only by its sender thread, so the connection stays alive between
 * batches; the X-Rangedb-Node header is added to it once.  transport_free()
 * calls http_client_abort() on every peer's client, which ends a request
 * in flight at once (its socket is shut down) and refuses later ones, so
 * a black-holed peer cannot hold the join up.
 *
 * Tested in t/unit/transport_test.c.
 */
#include "transport.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"
#include "http.h"
#include "jx.h"
#include "log.h"
#include "raftwire.h"
#include "util.h"

#define TRANSPORT_DEFAULT_QUEUE		4096
#define TRANSPORT_DEFAULT_CONNECT_MS	500
#define TRANSPORT_DEFAULT_TIMEOUT_MS	2000
#define TRANSPORT_BACKOFF_MIN_MS	50
#define TRANSPORT_BACKOFF_MAX_MS	1000
#define TRANSPORT_ADDR_MAX		255
#define TRANSPORT_REPLY_EXCERPT		160
/* Sender threads (and connections) per peer; see the top. */
#define TRANSPORT_LANES			4
/* A second POST starts only once the last one has been out this long, */
#define TRANSPORT_LANE_DELAY_MS		2
/* and only to a peer whose round trip is this long (a slow link, not a
   busy CPU: on loopback extra lanes cost more than they save). */
#define TRANSPORT_LANE_RTT_US		10000
/* the round trip is the shortest POST seen in this window (a busy CPU
   makes POSTs slow on average, never all of them) */
#define TRANSPORT_RTT_WINDOW_MS		10000
/* A longer reply to POST /raft (which answers a few bytes) is an error. */
#define TRANSPORT_MAX_REPLY		((size_t)1 << 20)

struct tpeer {
	struct transport *t;
	uint64_t id;
	char idstr[24];		/* the metrics label value */
	char addr[TRANSPORT_ADDR_MAX + 1];	/* "host:port" */

	pthread_mutex_t mu;
	pthread_cond_t cv;	/* queue not empty, or stop */
	int mu_ok, cv_ok;
	/* Guarded by mu: */
	struct raft_msg *q;
	size_t n, cap;
	struct transport_peer_stats st;
	uint64_t next_seq;	/* the last batch's number */
	int resync;		/* a batch was lost: tell the receiver */
	long backoff_ms;	/* after failed POSTs, 0 while it answers */
	uint64_t retry_at_ms;	/* no lane sends before (monotonic) */
	int inflight;		/* POSTs out now */
	/* handlers of the peer's POSTs that will answer with our batch:
	   no lane takes the queue meanwhile (transport_reply_expect) */
	int reply_waiters;
	uint64_t last_start_ms;	/* when the latest one went */
	uint64_t rtt_us;	/* shortest POST in the window, 0 unknown */
	uint64_t rtt_at_ms;	/* when that window started */
	struct metrics_counter *m_sent, *m_dropped, *m_batches, *m_errors;
	struct metrics_counter *m_replies;

	struct tlane {
		struct tpeer *p;
		/* Set before the thread starts; any thread may abort it. */
		struct http_client *hc;
		/* The sender thread's own: */
		pthread_t th;
		int started;
		/* the array swapped in on the next drain */
		struct raft_msg *spare;
		size_t spare_cap;
		int failed;	/* a POST of the current drain failed */
		unsigned long fail_streak;	/* failed POSTs since a
						 * success */
	} lanes[TRANSPORT_LANES];
	/* monotonic ms since the peer stopped answering (0: it answers);
	 * written by the sender, read by anyone */
	_Atomic uint64_t down_since_ms;
};

struct transport {
	uint64_t self;
	uint64_t epoch;		/* numbers this instance's batches (rxorder) */
	size_t max_queue;
	long connect_ms, timeout_ms;
	atomic_int stop;

	/*
	 * TRANSPORT_MAX_PEERS slots, never moved; n_peers only grows, and a
	 * slot is complete (thread started) before n_peers counts it, so
	 * readers need no lock.
	 */
	struct tpeer *peers;
	atomic_size_t n_peers;
	struct metrics *reg;	/* for peers added later; under mu */

	pthread_mutex_t mu;	/* the "unknown" bucket; adding peers */
	uint64_t unknown_dropped;
	struct metrics_counter *m_unknown;
	/* where batches in peers' answers go; lanes call it under a read
	   lock, so that once transport_set_deliver returns, no call of the
	   old hook is still running */
	pthread_rwlock_t deliver_lock;
	transport_deliver_fn deliver;
	void *deliver_arg;
};

/* ---- messages ---------------------------------------------------------- */

/* Free what msg_copy() allocated. */
static void msg_release(struct raft_msg *m)
{
	free(m->entries);
	free(m->snapshot.data);
	m->entries = NULL;
	m->snapshot.data = NULL;
}

/*
 * Deep copy: the entries array and all their data in one block (entry i's
 * data points into it), the snapshot data in another.  -1 on a message
 * that is inconsistent (NULL with a length) or on out of memory.
 */
static int msg_copy(struct raft_msg *dst, const struct raft_msg *src)
{
	size_t hdr, total = 0;
	char *blk, *d;

	*dst = *src;
	dst->entries = NULL;
	dst->snapshot.data = NULL;
	if (src->n_entries > 0) {
		if (src->entries == NULL ||
		    src->n_entries > SIZE_MAX / sizeof(*src->entries))
			return -1;
		hdr = src->n_entries * sizeof(*src->entries);
		for (size_t i = 0; i < src->n_entries; i++) {
			size_t len = src->entries[i].len;

			if (len > 0 && src->entries[i].data == NULL)
				return -1;
			if (len > SIZE_MAX - hdr - total)
				return -1;
			total += len;
		}
		blk = malloc(hdr + total);
		if (blk == NULL)
			return -1;
		memcpy(blk, src->entries, hdr);
		dst->entries = (struct raft_entry *)(void *)blk;
		d = blk + hdr;
		for (size_t i = 0; i < src->n_entries; i++) {
			struct raft_entry *en = &dst->entries[i];

			if (en->len == 0) {
				en->data = NULL;
				continue;
			}
			memcpy(d, src->entries[i].data, en->len);
			en->data = d;
			d += en->len;
		}
	} else {
		dst->n_entries = 0;
	}
	if (src->snapshot.len > 0) {
		if (src->snapshot.data == NULL)
			goto fail;
		dst->snapshot.data = malloc(src->snapshot.len);
		if (dst->snapshot.data == NULL)
			goto fail;
		memcpy(dst->snapshot.data, src->snapshot.data,
		       src->snapshot.len);
	}
	return 0;
fail:
	msg_release(dst);
	return -1;
}

/* ---- counters ---------------------------------------------------------- */

/* Add to one counter of p and to its metric; p->mu must be held. */
#define PEER_COUNT(p, field, m, k) do {			\
		(p)->st.field += (k);			\
		metrics_counter_add((p)->m, (k));	\
	} while (0)

static void peer_count(struct tpeer *p, uint64_t sent, uint64_t dropped,
		       uint64_t batches, uint64_t errors)
{
	pthread_mutex_lock(&p->mu);
	PEER_COUNT(p, sent, m_sent, sent);
	PEER_COUNT(p, dropped, m_dropped, dropped);
	PEER_COUNT(p, batches, m_batches, batches);
	PEER_COUNT(p, errors, m_errors, errors);
	pthread_mutex_unlock(&p->mu);
}

/* A batch in a peer's answer (binary, like our POST), to the hook. */
static void peer_got_reply(struct tpeer *p, const char *reply, size_t len)
{
	struct transport *t = p->t;
	struct raftwire_meta meta;
	struct raft_msg *msgs = NULL;
	size_t n = 0;
	struct err e = { 0 };
	int rc;

	rc = raftwire_decode_bin(reply, len, &meta, &msgs, &n, &e);
	if (rc == RC_OK && meta.from != p->id) {
		raftwire_batch_release(msgs, n);
		rc = err_set(&e, RC_BAD_INPUT, "the batch is from node %"
			     PRIu64, meta.from);
	}
	if (rc != RC_OK) {
		log_warn("peer=%" PRIu64 " msg=\"cannot read the raft batch "
			 "in an answer; dropped\" err=\"%s\"", p->id, e.msg);
		return;
	}
	pthread_rwlock_rdlock(&t->deliver_lock);
	if (t->deliver != NULL) {
		t->deliver(t->deliver_arg, &meta, msgs, n);
		msgs = NULL;
		n = 0;
	}
	pthread_rwlock_unlock(&t->deliver_lock);
	raftwire_batch_release(msgs, n);
}

static void unknown_count(struct transport *t, uint64_t dropped)
{
	pthread_mutex_lock(&t->mu);
	t->unknown_dropped += dropped;
	metrics_counter_add(t->m_unknown, dropped);
	pthread_mutex_unlock(&t->mu);
}

/* ---- sending ----------------------------------------------------------- */

/* POST body to the peer's /raft; RC_OK when it answered 2xx. */
static int peer_post(struct tlane *l, const char *body, size_t len,
		     struct err *e)
{
	struct tpeer *p = l->p;
	char ex[TRANSPORT_REPLY_EXCERPT + 1];
	char *reply = NULL;
	size_t reply_len = 0;
	int rc, status = 0;

	rc = http_client_do(l->hc, "POST", "/raft", RAFTWIRE_BIN_TYPE, body,
			    len, &status, &reply, &reply_len, e);
	if (rc != RC_OK)
		return rc;
	if (status >= 200 && status <= 299) {
		/* the peer's own messages to us, sent back in the answer */
		if (status == 200 && reply_len > 0)
			peer_got_reply(p, reply, reply_len);
		free(reply);
		return RC_OK;
	}
	http_excerpt(reply, reply_len, ex, sizeof(ex));
	free(reply);
	return err_set(e, status >= 500 ? RC_UNAVAILABLE : RC_BAD_INPUT,
		       "%s answered POST /raft with HTTP %d%s%s", p->addr,
		       status, ex[0] ? ": " : "", ex);
}

/* Log a failed POST: a warning when a streak starts, then debug lines. */
static void peer_failed(struct tlane *l, size_t n, const struct err *e)
{
	struct tpeer *p = l->p;

	if (l->fail_streak++ == 0)
		log_warn("peer=%" PRIu64 " addr=%s msg=\"cannot send raft "
			 "messages; backing off\" dropped=%zu err=\"%s\"",
			 p->id, p->addr, n, e->msg);
	else
		log_debug("peer=%" PRIu64 " msg=\"send failed again\" "
			  "dropped=%zu err=\"%s\"", p->id, n, e->msg);
}

/*
 * Encode msgs[0..n) as one batch and POST it.  A batch that raftwire
 * refuses, or whose body is over TRANSPORT_MAX_BODY, is split in halves;
 * a lone message that cannot be encoded is dropped.  After one failed POST
 * the rest of the drain is dropped without trying: the peer is down.
 */
/* The next batch tells the receiver that one was lost before it. */
static void peer_lost(struct tpeer *p)
{
	pthread_mutex_lock(&p->mu);
	p->resync = 1;
	pthread_mutex_unlock(&p->mu);
}

/*
 * The body of one batch of p's messages: the sender's clock (for the
 * receiver's clock-offset check), the number (seq > 0: epoch, seq, resync;
 * rxorder.h) and, for a POST, "reply": the receiver may answer with its
 * own messages to us (transport_reply_take).  binary: raftwire's binary
 * form (what the lanes send), else its JSON form (the answer to a JSON
 * POST, from a script or an older peer).
 */
static int batch_body(struct tpeer *p, const struct raft_msg *msgs,
		      size_t n, uint64_t seq, int resync, int want_reply,
		      int binary, char **body, size_t *len, struct err *e)
{
	struct raftwire_meta meta;
	json_t *j = NULL;
	int rc;

	*body = NULL;
	*len = 0;
	memset(&meta, 0, sizeof(meta));
	meta.from = p->t->self;
	meta.clock_ms = fault_wall_ms(NULL);
	meta.reply = want_reply;
	if (seq != 0) {
		meta.epoch = p->t->epoch;
		meta.seq = seq;
		meta.resync = resync;
	}
	if (binary) {
		rc = raftwire_encode_bin(&meta, msgs, n, body, len, e);
	} else {
		rc = raftwire_encode_batch(meta.from, msgs, n, &j, e);
		if (rc == RC_OK &&
		    (json_object_set_new(j, "clock_ms",
				json_integer((json_int_t)meta.clock_ms)) ||
		     (seq != 0 &&
		      (json_object_set_new(j, "epoch",
				json_integer((json_int_t)meta.epoch)) ||
		       json_object_set_new(j, "seq",
				json_integer((json_int_t)seq)) ||
		       (resync &&
			json_object_set_new(j, "resync", json_true()))))))
			rc = err_set(e, RC_NOMEM, "out of memory");
		if (rc == RC_OK)
			rc = jx_dump(j, body, len, e);
		json_decref(j);
	}
	if (rc == RC_OK && *len > TRANSPORT_MAX_BODY) {
		rc = err_set(e, RC_TOO_LARGE, "batch body of %zu bytes is "
			     "over the limit of %zu", *len,
			     TRANSPORT_MAX_BODY);
		free(*body);
		*body = NULL;
		*len = 0;
	}
	return rc;
}

static void peer_send_range(struct tlane *l, const struct raft_msg *msgs,
			    size_t n, uint64_t seq, int resync)
{
	struct tpeer *p = l->p;
	struct err e = { 0 };
	char *body = NULL;
	size_t len = 0;
	int rc;

	if (n == 0)
		return;
	if (l->failed || atomic_load(&p->t->stop) || fault_drop_to(p->id)) {
		/* (a partition drill drops them on the way) */
		peer_count(p, 0, n, 0, 0);
		peer_lost(p);
		return;
	}
	fault_net_wait();	/* a slow-net drill */
	rc = batch_body(p, msgs, n, seq, resync, 1, 1, &body, &len, &e);
	if (rc != RC_OK && rc != RC_NOMEM && n > 1) {
		log_debug("peer=%" PRIu64 " msg=\"splitting batch\" msgs=%zu "
			  "err=\"%s\"", p->id, n, e.msg);
		peer_send_range(l, msgs, n / 2, seq, resync);
		peer_send_range(l, msgs + n / 2, n - n / 2, 0, 0);
		return;
	}
	if (rc != RC_OK) {
		log_warn("peer=%" PRIu64 " msg=\"cannot encode raft messages; "
			 "dropped\" msgs=%zu err=\"%s\"", p->id, n, e.msg);
		peer_count(p, 0, n, 0, 0);
		peer_lost(p);
		return;
	}
	rc = peer_post(l, body, len, &e);
	free(body);
	if (rc == RC_OK || rc == RC_BAD_INPUT) {
		/* it answered (a refusal is an answer): it is up */
		atomic_store(&p->down_since_ms, 0);
	} else if (atomic_load(&p->down_since_ms) == 0) {
		atomic_store(&p->down_since_ms, util_mono_ms());
	}
	if (rc == RC_OK) {
		if (l->fail_streak > 0)
			log_info("peer=%" PRIu64 " addr=%s msg=\"sending "
				 "again\" failed_posts=%lu", p->id, p->addr,
				 l->fail_streak);
		l->fail_streak = 0;
		peer_count(p, n, 0, 1, 0);
		return;
	}
	l->failed = 1;
	peer_lost(p);
	if (atomic_load(&p->t->stop)) {
		peer_count(p, 0, n, 0, 0);
		return;
	}
	peer_failed(l, n, &e);
	peer_count(p, 0, n, 0, 1);
}

/* Wait on p->cv until ms have passed or the transport stops; mu held. */
static void peer_backoff(struct tpeer *p, long ms)
{
	struct timespec dl;

	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += ms / 1000;
	dl.tv_nsec += (ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	while (!atomic_load(&p->t->stop))
		if (pthread_cond_timedwait(&p->cv, &p->mu, &dl) == ETIMEDOUT)
			break;
}

/* Wait on p->cv for a signal or ms, whichever first; mu held. */
static void peer_wait(struct tpeer *p, uint64_t ms)
{
	struct timespec dl;

	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_nsec += (long)(ms % 1000) * 1000000L;
	dl.tv_sec += (time_t)(ms / 1000) + dl.tv_nsec / 1000000000L;
	dl.tv_nsec %= 1000000000L;
	pthread_cond_timedwait(&p->cv, &p->mu, &dl);
}

static void *peer_main(void *arg)
{
	struct tlane *l = arg;
	struct tpeer *p = l->p;
	struct raft_msg *batch;
	size_t n, cap;
	uint64_t seq, now = 0, t0;
	int resync, slow;

	pthread_setname_np(pthread_self(), "raftd-peer");

	for (;;) {
		pthread_mutex_lock(&p->mu);
		/* the peer's backoff holds every lane (one failing peer, not
		   one per connection) */
		for (;;) {
			if (atomic_load(&p->t->stop))
				break;
			now = util_mono_ms();
			if (p->retry_at_ms > now) {
				peer_backoff(p, (long)(p->retry_at_ms - now));
				continue;
			}
			slow = p->rtt_us >= TRANSPORT_LANE_RTT_US;
			if (p->n > 0 && p->reply_waiters == 0 &&
			    (p->inflight == 0 || (slow &&
			     now >= p->last_start_ms +
				    TRANSPORT_LANE_DELAY_MS)))
				break;
			if (p->n > 0 && slow && p->reply_waiters == 0) {
				/* let what queues behind the POST out join
				   one batch, unless it is slow to answer */
				peer_wait(p, p->last_start_ms +
					  TRANSPORT_LANE_DELAY_MS - now);
				continue;
			}
			/* nothing queued, or a fast link: the POST out
			   signals when it is back; or the queue goes in
			   an answer (transport_reply_take signals) */
			pthread_cond_wait(&p->cv, &p->mu);
		}
		if (atomic_load(&p->t->stop)) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		/* Take the whole queue; the spare array becomes the queue. */
		batch = p->q;
		n = p->n;
		cap = p->cap;
		p->q = l->spare;
		p->cap = l->spare_cap;
		p->n = 0;
		/* numbered in the order taken, which is the order queued */
		seq = ++p->next_seq;
		resync = p->resync;
		p->resync = 0;
		p->inflight++;
		p->last_start_ms = now;
		pthread_mutex_unlock(&p->mu);

		l->failed = 0;
		t0 = util_mono_ns();
		peer_send_range(l, batch, n, seq, resync);
		t0 = (util_mono_ns() - t0) / 1000;	/* us */
		for (size_t i = 0; i < n; i++)
			msg_release(&batch[i]);
		l->spare = batch;
		l->spare_cap = cap;
		pthread_mutex_lock(&p->mu);
		p->inflight--;
		if (!l->failed) {
			uint64_t at = util_mono_ms();

			if (p->rtt_us == 0 || t0 < p->rtt_us ||
			    at >= p->rtt_at_ms + TRANSPORT_RTT_WINDOW_MS) {
				p->rtt_us = t0 ? t0 : 1;
				p->rtt_at_ms = at;
			}
		}
		/* on a slow link another lane may go now; on a fast one this
		   lane takes what queued (waking one would be a context
		   switch for nothing: it is the CPU a busy node lacks) */
		if (p->n > 0 && p->rtt_us >= TRANSPORT_LANE_RTT_US)
			pthread_cond_signal(&p->cv);
		if (!l->failed) {
			p->backoff_ms = 0;
			p->retry_at_ms = 0;
		} else {
			if (p->backoff_ms == 0)
				p->backoff_ms = TRANSPORT_BACKOFF_MIN_MS;
			else if ((p->backoff_ms *= 2) >
				 TRANSPORT_BACKOFF_MAX_MS)
				p->backoff_ms = TRANSPORT_BACKOFF_MAX_MS;
			p->retry_at_ms = util_mono_ms() +
					 (uint64_t)p->backoff_ms;
		}
		pthread_mutex_unlock(&p->mu);
	}
	return NULL;
}

/* ---- set-up and tear-down ---------------------------------------------- */

/* Accept "HOST:PORT" or "http://HOST:PORT"; copy HOST:PORT to out. */
static int parse_addr(const char *addr, char *out, struct err *e)
{
	const char *hp = addr, *colon;
	size_t n;
	unsigned long port = 0;

	if (addr == NULL)
		return err_set(e, RC_BAD_INPUT, "missing peer address");
	if (strncmp(hp, "http://", 7) == 0)
		hp += 7;
	n = strlen(hp);
	colon = memrchr(hp, ':', n);
	if (n == 0 || n > TRANSPORT_ADDR_MAX || colon == NULL || colon == hp ||
	    colon + 1 == hp + n || colon + 6 < hp + n)
		goto bad;
	for (const char *s = hp; s < colon; s++)
		if (*s == '/' || *s == '?' || *s == '#' || *s == '@' ||
		    (unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			goto bad;
	for (const char *s = colon + 1; s < hp + n; s++) {
		if (*s < '0' || *s > '9')
			goto bad;
		port = port * 10 + (unsigned long)(*s - '0');
	}
	if (port == 0 || port > 65535)
		goto bad;
	memcpy(out, hp, n + 1);
	return RC_OK;
bad:
	return err_set(e, RC_BAD_INPUT, "invalid peer address '%s': expected "
		       "HOST:PORT such as 127.0.0.1:7002", addr);
}

/* Everything of p but its thread. */
static int peer_init(struct transport *t, struct tpeer *p,
		     const struct transport_peer *tp, struct err *e)
{
	struct http_client_opts ho = { t->connect_ms, t->timeout_ms,
				       TRANSPORT_MAX_REPLY };
	pthread_condattr_t ca;
	char self[24];
	int rc;

	p->t = t;
	p->id = tp->id;
	snprintf(p->idstr, sizeof(p->idstr), "%" PRIu64, tp->id);
	rc = parse_addr(tp->addr, p->addr, e);
	if (rc != RC_OK)
		return err_prefix(e, "peer %" PRIu64, tp->id);
	if (pthread_mutex_init(&p->mu, NULL) != 0)
		return err_set(e, RC_INTERNAL, "cannot create a mutex");
	p->mu_ok = 1;
	if (pthread_condattr_init(&ca) != 0)
		return err_set(e, RC_INTERNAL, "cannot create a condition");
	rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
		pthread_cond_init(&p->cv, &ca) != 0;
	pthread_condattr_destroy(&ca);
	if (rc)
		return err_set(e, RC_INTERNAL, "cannot create a condition");
	p->cv_ok = 1;

	snprintf(self, sizeof(self), "%" PRIu64, t->self);
	for (size_t k = 0; k < TRANSPORT_LANES; k++) {
		struct tlane *l = &p->lanes[k];

		l->p = p;
		rc = http_client_new(&l->hc, p->addr, &ho, e);
		if (rc == RC_OK)
			rc = http_client_add_header(l->hc,
						    TRANSPORT_NODE_HEADER,
						    self, e);
		if (rc == RC_OK)
			rc = http_client_add_header(l->hc, "User-Agent",
						    "rangedb-raftd", e);
		if (rc != RC_OK)
			return err_prefix(e, "peer %" PRIu64, p->id);
	}
	return RC_OK;
}

/*
 * Start the lanes of p.  The first must start (RC_INTERNAL, and nothing
 * runs); a later one that cannot is logged and left out, since the first
 * alone delivers everything.
 */
static int peer_start(struct tpeer *p, struct err *e)
{
	for (size_t k = 0; k < TRANSPORT_LANES; k++) {
		struct tlane *l = &p->lanes[k];

		if (pthread_create(&l->th, NULL, peer_main, l) != 0) {
			if (k == 0)
				return err_set(e, RC_INTERNAL, "cannot start "
					       "the sender thread of peer %"
					       PRIu64, p->id);
			log_warn("peer=%" PRIu64 " msg=\"cannot start a "
				 "second sender thread; sending on one\"",
				 p->id);
			break;
		}
		l->started = 1;
	}
	return RC_OK;
}

/* The lanes' connections and spare arrays (threads joined). */
static void peer_lanes_free(struct tpeer *p)
{
	for (size_t k = 0; k < TRANSPORT_LANES; k++) {
		http_client_free(p->lanes[k].hc);
		p->lanes[k].hc = NULL;
		free(p->lanes[k].spare);
		p->lanes[k].spare = NULL;
	}
}

/* Stop the senders: set the flag, wake them, end requests in flight. */
static void transport_stop(struct transport *t)
{
	atomic_store(&t->stop, 1);
	for (size_t i = 0; i < t->n_peers; i++) {
		struct tpeer *p = &t->peers[i];

		if (!p->mu_ok)
			continue;
		for (size_t k = 0; k < TRANSPORT_LANES; k++)
			http_client_abort(p->lanes[k].hc);
		pthread_mutex_lock(&p->mu);
		if (p->cv_ok)
			pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
}

void transport_free(struct transport *t)
{
	if (t == NULL)
		return;
	transport_stop(t);
	for (size_t i = 0; i < t->n_peers; i++)
		for (size_t k = 0; k < TRANSPORT_LANES; k++)
			if (t->peers[i].lanes[k].started)
				pthread_join(t->peers[i].lanes[k].th, NULL);
	for (size_t i = 0; i < t->n_peers; i++) {
		struct tpeer *p = &t->peers[i];

		peer_lanes_free(p);
		for (size_t k = 0; k < p->n; k++)
			msg_release(&p->q[k]);
		free(p->q);
		if (p->cv_ok)
			pthread_cond_destroy(&p->cv);
		if (p->mu_ok)
			pthread_mutex_destroy(&p->mu);
	}
	free(t->peers);
	pthread_rwlock_destroy(&t->deliver_lock);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

int transport_new(struct transport **out, uint64_t self,
		  const struct transport_peer *peers, size_t n,
		  const struct transport_opts *o, struct err *e)
{
	struct transport *t;
	int rc;

	*out = NULL;
	if (self == RAFT_NONE)
		return err_set(e, RC_BAD_INPUT, "node id must be > 0");
	if (n > 0 && peers == NULL)
		return err_set(e, RC_INTERNAL, "peers: NULL with %zu peers",
			       n);
	for (size_t i = 0; i < n; i++) {
		if (peers[i].id == RAFT_NONE)
			return err_set(e, RC_BAD_INPUT,
				       "peer %zu: node id must be > 0", i);
		for (size_t k = 0; k < i; k++)
			if (peers[k].id == peers[i].id)
				return err_set(e, RC_BAD_INPUT,
					       "peer %" PRIu64 " is listed "
					       "twice", peers[i].id);
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return err_set(e, RC_NOMEM, "cannot allocate the transport");
	if (pthread_mutex_init(&t->mu, NULL) != 0) {
		free(t);
		return err_set(e, RC_INTERNAL, "cannot create a mutex");
	}
	if (pthread_rwlock_init(&t->deliver_lock, NULL) != 0) {
		pthread_mutex_destroy(&t->mu);
		free(t);
		return err_set(e, RC_INTERNAL, "cannot create a lock");
	}
	t->self = self;
	/* any value a JSON number holds exactly, never 0 */
	t->epoch = ((util_mono_ns() ^ util_wall_ms() << 20 ^
		     (uint64_t)getpid() << 32) & ((UINT64_C(1) << 53) - 1)) | 1;
	t->max_queue = TRANSPORT_DEFAULT_QUEUE;
	t->connect_ms = TRANSPORT_DEFAULT_CONNECT_MS;
	t->timeout_ms = TRANSPORT_DEFAULT_TIMEOUT_MS;
	if (o != NULL) {
		if (o->max_queue_msgs > 0)
			t->max_queue = o->max_queue_msgs;
		if (o->connect_timeout_ms > 0)
			t->connect_ms = o->connect_timeout_ms;
		if (o->timeout_ms > 0)
			t->timeout_ms = o->timeout_ms;
	}
	atomic_init(&t->stop, 0);
	if (n > TRANSPORT_MAX_PEERS) {
		transport_free(t);
		return err_set(e, RC_BAD_INPUT, "at most %d peers",
			       TRANSPORT_MAX_PEERS);
	}
	t->peers = calloc(TRANSPORT_MAX_PEERS, sizeof(*t->peers));
	if (t->peers == NULL) {
		transport_free(t);
		return err_set(e, RC_NOMEM, "cannot allocate the transport");
	}
	for (size_t i = 0; i < n; i++) {
		if (peers[i].id == self)
			continue;
		rc = peer_init(t, &t->peers[t->n_peers++], &peers[i], e);
		if (rc != RC_OK) {
			transport_free(t);
			return rc;
		}
	}
	for (size_t i = 0; i < t->n_peers; i++) {
		rc = peer_start(&t->peers[i], e);
		if (rc != RC_OK) {
			transport_free(t);
			return rc;
		}
	}
	*out = t;
	return RC_OK;
}

/* ---- sending ----------------------------------------------------------- */

static struct tpeer *find_peer(struct transport *t, uint64_t id)
{
	for (size_t i = 0; i < t->n_peers; i++)
		if (t->peers[i].id == id)
			return &t->peers[i];
	return NULL;
}

/* Append a copy of m to p's queue; p->mu held.  0, or -1 if dropped. */
static int peer_enqueue(struct tpeer *p, const struct raft_msg *m)
{
	size_t cap;
	struct raft_msg *q;

	if (p->n >= p->t->max_queue)
		return -1;
	if (p->n == p->cap) {
		cap = p->cap ? p->cap * 2 : 64;
		if (cap > p->t->max_queue)
			cap = p->t->max_queue;
		q = realloc(p->q, cap * sizeof(*q));
		if (q == NULL)
			return -1;
		p->q = q;
		p->cap = cap;
	}
	if (msg_copy(&p->q[p->n], m) != 0)
		return -1;
	p->n++;
	return 0;
}

void transport_send(struct transport *t, const struct raft_msg *msgs,
		    size_t n)
{
	uint64_t unknown = 0;

	if (t == NULL || n == 0 || msgs == NULL)
		return;
	/* One lock per destination and call: a call's messages to one
	 * peer go out in one batch if the sender is idle. */
	for (size_t pi = 0; pi < t->n_peers; pi++) {
		struct tpeer *p = &t->peers[pi];
		uint64_t queued = 0, dropped = 0;
		size_t first = 0;

		while (first < n && msgs[first].to != p->id)
			first++;
		if (first == n)
			continue;
		pthread_mutex_lock(&p->mu);
		for (size_t i = first; i < n; i++) {
			if (msgs[i].to != p->id)
				continue;
			if (msgs[i].from != t->self ||
			    peer_enqueue(p, &msgs[i]) != 0)
				dropped++;
			else
				queued++;
		}
		PEER_COUNT(p, dropped, m_dropped, dropped);
		/* wake a lane only if one may send now (see peer_main) */
		if (queued > 0 && p->reply_waiters == 0 &&
		    (p->inflight == 0 || p->rtt_us >= TRANSPORT_LANE_RTT_US))
			pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	for (size_t i = 0; i < n; i++)
		if (find_peer(t, msgs[i].to) == NULL)
			unknown++;
	if (unknown > 0)
		unknown_count(t, unknown);
}

/* ---- answers that carry a batch ---------------------------------------- */

void transport_set_deliver(struct transport *t, transport_deliver_fn fn,
			   void *arg)
{
	pthread_rwlock_wrlock(&t->deliver_lock);
	t->deliver = fn;
	t->deliver_arg = arg;
	pthread_rwlock_unlock(&t->deliver_lock);
}

int transport_reply_expect(struct transport *t, uint64_t peer)
{
	struct tpeer *p = t == NULL ? NULL : find_peer(t, peer);

	if (p == NULL)
		return 0;
	pthread_mutex_lock(&p->mu);
	p->reply_waiters++;
	pthread_mutex_unlock(&p->mu);
	return 1;
}

int transport_reply_take(struct transport *t, uint64_t peer, int binary,
			 char **body, size_t *len, struct err *e)
{
	struct tpeer *p = t == NULL ? NULL : find_peer(t, peer);
	struct raft_msg *batch;
	size_t n;
	uint64_t seq;
	int resync, rc;

	*body = NULL;
	*len = 0;
	if (p == NULL)
		return RC_OK;
	pthread_mutex_lock(&p->mu);
	if (p->reply_waiters > 0)
		p->reply_waiters--;
	/* nothing to take; a stopping transport, a partition drill (the
	   lane drops what it takes) or a backoff (the peer did not answer
	   a moment ago) leave the queue to the lanes */
	if (p->n == 0 || atomic_load(&t->stop) || fault_drop_to(p->id) ||
	    p->retry_at_ms > util_mono_ms()) {
		if (p->n > 0 && p->reply_waiters == 0)
			pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&p->mu);
		return RC_OK;
	}
	batch = p->q;
	n = p->n;
	p->q = NULL;
	p->n = p->cap = 0;
	seq = ++p->next_seq;
	resync = p->resync;
	p->resync = 0;
	pthread_mutex_unlock(&p->mu);

	rc = batch_body(p, batch, n, seq, resync, 0, binary, body, len, e);
	for (size_t i = 0; i < n; i++)
		msg_release(&batch[i]);
	free(batch);
	pthread_mutex_lock(&p->mu);
	if (rc == RC_OK) {
		PEER_COUNT(p, sent, m_sent, n);
		PEER_COUNT(p, replies, m_replies, 1);
	} else {
		/* (too large: the lanes would split it; Raft resends) */
		PEER_COUNT(p, dropped, m_dropped, n);
		p->resync = 1;
	}
	if (p->n > 0 && p->reply_waiters == 0)
		pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	if (rc != RC_OK)
		log_warn("peer=%" PRIu64 " msg=\"cannot answer with raft "
			 "messages; dropped\" msgs=%zu err=\"%s\"", p->id, n,
			 e->msg);
	return rc;
}

/* ---- stats and metrics ------------------------------------------------- */

void transport_stats(struct transport *t, uint64_t peer,
		     struct transport_peer_stats *st)
{
	struct tpeer *p;

	memset(st, 0, sizeof(*st));
	if (t == NULL)
		return;
	p = find_peer(t, peer);
	if (p == NULL) {
		pthread_mutex_lock(&t->mu);
		st->dropped = t->unknown_dropped;
		pthread_mutex_unlock(&t->mu);
		return;
	}
	pthread_mutex_lock(&p->mu);
	*st = p->st;
	pthread_mutex_unlock(&p->mu);
}

#define HELP_SENT "Raft messages a peer accepted (POST /raft answered 2xx)."
#define HELP_DROPPED "Raft messages dropped (queue full, failed POST, " \
	"too large, or to self or a non-peer: peer=\"unknown\"); Raft " \
	"retransmits."
#define HELP_BATCHES "POST /raft requests a peer answered 2xx."
#define HELP_ERRORS "POST /raft requests that failed (network error or " \
	"non-2xx answer)."
#define HELP_REPLIES "Batches sent in the answer to a peer's POST /raft."

#define N_FAMILIES 5
static const struct {
	const char *name, *help;
} families[N_FAMILIES] = {
	{ "raftd_raft_messages_sent_total", HELP_SENT },
	{ "raftd_raft_messages_dropped_total", HELP_DROPPED },
	{ "raftd_raft_batches_sent_total", HELP_BATCHES },
	{ "raftd_raft_send_errors_total", HELP_ERRORS },
	{ "raftd_raft_batches_replied_total", HELP_REPLIES },
};

/* Register p's counters in reg (p->mu not held). */
static int peer_metrics(struct tpeer *p, struct metrics *reg, struct err *e)
{
	struct metrics_counter *c[N_FAMILIES];
	int rc;

	for (size_t k = 0; k < N_FAMILIES; k++) {
		rc = metrics_counter(reg, families[k].name, families[k].help,
				     "peer", p->idstr, &c[k], e);
		if (rc != RC_OK)
			return rc;
	}
	pthread_mutex_lock(&p->mu);
	if (p->m_sent == NULL) {
		/* Carry over what was counted before. */
		metrics_counter_add(c[0], p->st.sent);
		metrics_counter_add(c[1], p->st.dropped);
		metrics_counter_add(c[2], p->st.batches);
		metrics_counter_add(c[3], p->st.errors);
		metrics_counter_add(c[4], p->st.replies);
		p->m_sent = c[0];
		p->m_dropped = c[1];
		p->m_batches = c[2];
		p->m_errors = c[3];
		p->m_replies = c[4];
	}
	pthread_mutex_unlock(&p->mu);
	return RC_OK;
}

int transport_add_peer(struct transport *t, const struct transport_peer *tp,
		       struct err *e)
{
	struct tpeer *p;
	size_t n;
	int rc = RC_OK;

	if (tp->id == RAFT_NONE || tp->id == t->self)
		return err_set(e, RC_BAD_INPUT, "peer id %" PRIu64 " is not "
			       "another node", tp->id);
	pthread_mutex_lock(&t->mu);
	n = atomic_load(&t->n_peers);
	for (size_t i = 0; i < n; i++)
		if (t->peers[i].id == tp->id) {
			pthread_mutex_unlock(&t->mu);
			return strcmp(t->peers[i].addr, tp->addr) == 0 ? RC_OK :
				err_set(e, RC_CONFLICT, "peer %" PRIu64 " is "
					"at %s already, not %s", tp->id,
					t->peers[i].addr, tp->addr);
		}
	if (n >= TRANSPORT_MAX_PEERS) {
		pthread_mutex_unlock(&t->mu);
		return err_set(e, RC_TOO_LARGE, "at most %d peers",
			       TRANSPORT_MAX_PEERS);
	}
	p = &t->peers[n];
	rc = peer_init(t, p, tp, e);
	if (rc == RC_OK && t->reg != NULL)
		rc = peer_metrics(p, t->reg, e);
	if (rc == RC_OK)
		rc = peer_start(p, e);
	if (rc != RC_OK) {
		/* (no lane runs: peer_start fails only on the first) */
		peer_lanes_free(p);
		if (p->cv_ok)
			pthread_cond_destroy(&p->cv);
		if (p->mu_ok)
			pthread_mutex_destroy(&p->mu);
		memset(p, 0, sizeof(*p));
	} else {
		atomic_store(&t->n_peers, n + 1);
	}
	pthread_mutex_unlock(&t->mu);
	return rc;
}

uint64_t transport_peer_down_ms(struct transport *t, uint64_t id)
{
	size_t n = atomic_load(&t->n_peers);

	for (size_t i = 0; i < n; i++)
		if (t->peers[i].id == id) {
			uint64_t since = atomic_load(&t->peers[i].down_since_ms);

			return since == 0 ? 0 : util_mono_ms() - since + 1;
		}
	return 0;
}

int transport_register_metrics(struct transport *t, struct metrics *reg,
			       struct err *e)
{
	struct metrics_counter *u;
	int rc;

	if (t == NULL || reg == NULL)
		return err_set(e, RC_INTERNAL, "transport_register_metrics: "
			       "NULL argument");
	pthread_mutex_lock(&t->mu);
	t->reg = reg;
	for (size_t i = 0; i < atomic_load(&t->n_peers); i++) {
		if ((rc = peer_metrics(&t->peers[i], reg, e)) != RC_OK) {
			pthread_mutex_unlock(&t->mu);
			return rc;
		}
	}
	pthread_mutex_unlock(&t->mu);
	rc = metrics_counter(reg, families[1].name, families[1].help,
			     "peer", "unknown", &u, e);
	if (rc != RC_OK)
		return rc;
	pthread_mutex_lock(&t->mu);
	if (t->m_unknown == NULL) {
		metrics_counter_add(u, t->unknown_dropped);
		t->m_unknown = u;
	}
	pthread_mutex_unlock(&t->mu);
	return RC_OK;
}

/* ---- receiving --------------------------------------------------------- */

int transport_decode_request(const json_t *body, uint64_t *from,
			     struct raft_msg **msgs, size_t *n,
			     struct err *e)
{
	int rc;

	rc = raftwire_decode_batch(body, from, msgs, n, e);
	if (rc != RC_OK)
		return rc;
	/* raftwire checks these too; the transport relies on them. */
	if (*from == RAFT_NONE)
		rc = err_set(e, RC_BAD_INPUT, "from: must be a node id > 0");
	for (size_t i = 0; rc == RC_OK && i < *n; i++)
		if ((*msgs)[i].from != *from)
			rc = err_set(e, RC_BAD_INPUT, "msgs[%zu].from: %"
				     PRIu64 " is not the batch's from %"
				     PRIu64, i, (*msgs)[i].from, *from);
	if (rc != RC_OK) {
		raftwire_batch_release(*msgs, *n);
		*msgs = NULL;
		*n = 0;
		*from = 0;
	}
	return rc;
}
