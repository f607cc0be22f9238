/*
 * rxorder.c -- deliver each peer's Raft batches in the order it sent them
 * (see rxorder.h).
 *
 * Per peer: the sender's epoch, the next sequence number expected, and a
 * small array of held batches kept sorted by number.  Everything happens
 * under one mutex, delivery included (it only queues messages for the
 * node's loop), so two HTTP threads handing in consecutive batches of one
 * peer deliver them one after the other.
 */
#include "rxorder.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "raftwire.h"

struct held {
	uint64_t seq;
	struct raft_msg *msgs;
	size_t n;
};

struct rxpeer {
	uint64_t id;		/* 0: a free slot */
	uint64_t epoch;
	uint64_t next;		/* 0: nothing seen in this epoch */
	uint64_t held_since_ms;	/* when the oldest held batch came */
	struct held held[RXORDER_MAX_HELD];
	size_t n_held;
};

struct rxorder {
	rxorder_deliver_fn deliver;
	void *arg;
	pthread_mutex_t mu;	/* the slots' ids; each peer's state */
	struct rxpeer peers[RXORDER_MAX_PEERS];
};

int rxorder_new(struct rxorder **out, rxorder_deliver_fn deliver, void *arg,
		struct err *e)
{
	struct rxorder *ro = calloc(1, sizeof(*ro));

	*out = NULL;
	if (ro == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	if (pthread_mutex_init(&ro->mu, NULL) != 0) {
		free(ro);
		return err_set(e, RC_INTERNAL, "cannot create a mutex");
	}
	ro->deliver = deliver;
	ro->arg = arg;
	*out = ro;
	return RC_OK;
}

void rxorder_free(struct rxorder *ro)
{
	if (ro == NULL)
		return;
	for (size_t i = 0; i < RXORDER_MAX_PEERS; i++)
		for (size_t k = 0; k < ro->peers[i].n_held; k++)
			raftwire_batch_release(ro->peers[i].held[k].msgs,
					       ro->peers[i].held[k].n);
	pthread_mutex_destroy(&ro->mu);
	free(ro);
}

/* Hand one batch over (the function owns it from now on); mu held. */
static int give(struct rxorder *ro, uint64_t from, struct raft_msg *msgs,
		size_t n, struct err *e)
{
	return ro->deliver(ro->arg, from, msgs, n, e);
}

/* Deliver a held batch (its own error only logged). */
static void give_held(struct rxorder *ro, struct rxpeer *p, struct held *h)
{
	struct err e;

	err_clear(&e);
	if (give(ro, p->id, h->msgs, h->n, &e) != RC_OK)
		log_warn("msg=\"refused a held raft batch\" from=%" PRIu64
			 " seq=%" PRIu64 " error=\"%s\"", p->id, h->seq,
			 e.msg);
}

/* Deliver every held batch in order and expect the one after the last. */
static void flush(struct rxorder *ro, struct rxpeer *p)
{
	for (size_t k = 0; k < p->n_held; k++) {
		if (p->held[k].seq >= p->next)
			p->next = p->held[k].seq + 1;
		give_held(ro, p, &p->held[k]);
	}
	p->n_held = 0;
}

/* Deliver the held batches that are now next in line. */
static void drain(struct rxorder *ro, struct rxpeer *p, uint64_t now_ms)
{
	size_t k = 0;

	while (k < p->n_held && p->held[k].seq <= p->next) {
		if (p->held[k].seq == p->next)
			p->next++;
		give_held(ro, p, &p->held[k]);
		k++;
	}
	if (k > 0) {
		memmove(p->held, p->held + k, (p->n_held - k) * sizeof(*p->held));
		p->n_held -= k;
		p->held_since_ms = now_ms;	/* the rest waits afresh */
	}
}

static struct rxpeer *peer_of(struct rxorder *ro, uint64_t id)
{
	struct rxpeer *free_slot = NULL;

	for (size_t i = 0; i < RXORDER_MAX_PEERS; i++) {
		if (ro->peers[i].id == id)
			return &ro->peers[i];
		if (ro->peers[i].id == 0 && free_slot == NULL)
			free_slot = &ro->peers[i];
	}
	if (free_slot != NULL)
		free_slot->id = id;
	return free_slot;
}

int rxorder_submit(struct rxorder *ro, uint64_t from, uint64_t epoch,
		   uint64_t seq, int resync, struct raft_msg *msgs, size_t n,
		   uint64_t now_ms, struct err *e)
{
	struct rxpeer *p;
	int rc;

	pthread_mutex_lock(&ro->mu);
	p = peer_of(ro, from);
	if (p == NULL || epoch == 0 || seq == 0) {
		/* unnumbered, or no slot left: as it comes */
		rc = give(ro, from, msgs, n, e);
		pthread_mutex_unlock(&ro->mu);
		return rc;
	}
	if (epoch != p->epoch || p->next == 0) {
		/*
		 * A new sender (or a restarted one) numbers from 1, and its
		 * first two batches may cross: expect 1.  Met mid-stream (we
		 * restarted), the first batch waits out RXORDER_WAIT_MS once.
		 */
		flush(ro, p);
		p->epoch = epoch;
		p->next = 1;
	}
	if (resync && seq > p->next) {
		/* the sender lost what lies between: deliver what is held
		   from before this batch, and go on from it */
		size_t k = 0;

		while (k < p->n_held && p->held[k].seq < seq)
			give_held(ro, p, &p->held[k++]);
		memmove(p->held, p->held + k,
			(p->n_held - k) * sizeof(*p->held));
		p->n_held -= k;
		p->next = seq;
	}
	if (seq < p->next) {
		rc = give(ro, from, msgs, n, e);	/* late: Raft copes */
	} else if (seq == p->next) {
		p->next++;
		rc = give(ro, from, msgs, n, e);
		drain(ro, p, now_ms);
	} else if (p->n_held == RXORDER_MAX_HELD) {
		flush(ro, p);		/* too far ahead: give up the gap */
		if (seq == p->next)
			p->next++;
		rc = give(ro, from, msgs, n, e);
	} else {
		size_t k = p->n_held;

		rc = RC_OK;
		if (k == 0)
			p->held_since_ms = now_ms;
		while (k > 0 && p->held[k - 1].seq > seq) {
			p->held[k] = p->held[k - 1];
			k--;
		}
		p->held[k].seq = seq;
		p->held[k].msgs = msgs;
		p->held[k].n = n;
		p->n_held++;
	}
	/* a gap that stayed open too long: its batch is lost */
	if (p->n_held > 0 && now_ms - p->held_since_ms >= RXORDER_WAIT_MS)
		flush(ro, p);
	pthread_mutex_unlock(&ro->mu);
	return rc;
}

size_t rxorder_held(struct rxorder *ro)
{
	size_t n = 0;

	pthread_mutex_lock(&ro->mu);
	for (size_t i = 0; i < RXORDER_MAX_PEERS; i++)
		n += ro->peers[i].n_held;
	pthread_mutex_unlock(&ro->mu);
	return n;
}
