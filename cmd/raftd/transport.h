/*
 * transport.h -- raftd's outbound Raft messages: per-peer queues, a few
 * sender threads ("lanes") per peer, one batch per HTTP POST /raft.
 *
 * transport_send() deep-copies messages (entries and their data, snapshot
 * data) into a bounded queue per destination and returns at once; it never
 * touches the network.  An idle lane of the peer takes everything queued
 * for it, encodes ONE raftwire batch and POSTs it to http://ADDR/raft with
 * the header "X-Rangedb-Node: <self>", over a connection it keeps alive.
 * Several lanes keep a batch from waiting a whole round trip behind the
 * one in flight; batches carry an epoch and a sequence number, and the
 * receiver puts them back in order (rxorder.h).
 *
 * Guarantees:
 *   - a slow or dead peer only delays its own queue, never the caller nor
 *     the other peers;
 *   - a full queue, a destination that is self or not a peer, and a batch
 *     whose POST failed are dropped and counted: Raft retransmits;
 *   - after a failed POST the lane backs off 50 ms, doubling up to 1 s, and
 *     resets on success; the next batch is marked resync, so the receiver
 *     does not wait for the lost one;
 *   - a batch raftwire refuses as too large (RC_TOO_LARGE) or whose body
 *     would exceed TRANSPORT_MAX_BODY is split into smaller POSTs; a
 *     single message that still does not fit is dropped and counted;
 *   - transport_free() wakes every sender and aborts requests in flight,
 *     so it returns promptly even when peers are dead or black holes.
 *
 * Tested in t/unit/transport_test.c (real HTTP servers in-process).
 */
#ifndef RANGEDB_TRANSPORT_H
#define RANGEDB_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "err.h"
#include "metrics.h"
#include "raft.h"
#include "raftwire.h"

/* The largest request body sent (raftd's POST /raft accepts 64 MiB). */
#define TRANSPORT_MAX_BODY ((size_t)64 << 20)

/* Peers one transport can have (the nodes of a cluster, less one). */
#define TRANSPORT_MAX_PEERS	RAFT_MAX_NODES

/* The header naming the sending node on every inter-node request. */
#define TRANSPORT_NODE_HEADER "X-Rangedb-Node"

struct transport;

struct transport_peer {
	uint64_t id;		/* > 0; an entry equal to self is skipped */
	const char *addr;	/* "127.0.0.1:7002" (copied) */
};

struct transport_opts {
	size_t max_queue_msgs;	/* per peer; 0 = 4096 */
	long connect_timeout_ms; /* 0 = 500 */
	long timeout_ms;	/* whole request; 0 = 2000 */
};

/* Counters of one peer, as transport_stats() reports them. */
struct transport_peer_stats {
	uint64_t sent;		/* messages delivered (peer answered 2xx) */
	uint64_t dropped;	/* queue full, failed batch, too large */
	uint64_t batches;	/* POSTs answered 2xx */
	uint64_t errors;	/* POSTs that failed */
	uint64_t replies;	/* batches sent in answers to its POSTs */
};

/*
 * Start one sender thread per peer (other than self).  o may be NULL for
 * the defaults.  Ids must be > 0 and distinct, addresses HOST:PORT.
 */
int transport_new(struct transport **out, uint64_t self,
		  const struct transport_peer *peers, size_t n,
		  const struct transport_opts *o, struct err *e);

/*
 * Add a peer (a node that joined the cluster) and start its sender.  RC_OK
 * if it is there already at that address; RC_CONFLICT at another address;
 * RC_TOO_LARGE past TRANSPORT_MAX_PEERS.  Thread-safe.
 */
int transport_add_peer(struct transport *t, const struct transport_peer *p,
		       struct err *e);

/*
 * How long peer id has not answered (ms; 0 when its last POST got an
 * answer, or it is not a peer).  Only peers something is sent to are
 * watched: a leader's heartbeats reach every follower of its ranges.
 */
uint64_t transport_peer_down_ms(struct transport *t, uint64_t id);

/*
 * Copy msgs (deep) into the queues of their destinations (msg.to) and
 * return at once.  A full queue drops the message (counted); so does an
 * unknown destination or self (counted under transport_stats() of that
 * id, and under the metrics' peer="unknown").  Running out of memory
 * drops the message too.  Thread-safe.
 */
void transport_send(struct transport *t, const struct raft_msg *msgs,
		    size_t n);

/*
 * Register the per-peer counters in reg (label peer="ID"):
 *	raftd_raft_messages_sent_total, raftd_raft_messages_dropped_total,
 *	raftd_raft_batches_sent_total, raftd_raft_send_errors_total
 * plus raftd_raft_messages_dropped_total{peer="unknown"} for messages to
 * self or to non-peers.  Counts made before registering are carried over.
 * Call once; reg must outlive t.
 */
int transport_register_metrics(struct transport *t, struct metrics *reg,
			       struct err *e);

/*
 * The counters of peer (a consistent snapshot).  Any id that is not a
 * peer (self, 0, unknown) reports the shared "unknown" bucket, in which
 * only dropped counts.
 */
void transport_stats(struct transport *t, uint64_t peer,
		     struct transport_peer_stats *st);

/*
 * Stop the senders (aborting requests in flight), join them and free
 * everything, queued messages included.  NULL is ignored.
 */
void transport_free(struct transport *t);

/*
 * The lanes POST raftwire's binary form (RAFTWIRE_BIN_TYPE); POST /raft
 * also takes the JSON form (scripts, tests), decoded by
 * transport_decode_request.
 *
 * Answers that carry a batch.  A POST /raft says "reply"; the receiving
 * node may answer 200 with a batch of its own messages to the sender (in
 * the form of the request, numbered in the same sequence as its POSTs, so
 * rxorder keeps them in order) instead of POSTing them: a follower's
 * acknowledgements ride back on the leader's append, one HTTP exchange
 * instead of two.
 *
 * Receiving side (the handler of the peer's POST): transport_reply_expect
 * (peer) before handing the batch to the node, so no lane takes what the
 * node is about to queue for that peer; then, once the node has handled
 * it, transport_reply_take(peer, &body, &len) takes the peer's whole
 * queue as a batch body, binary or JSON (*body NULL: nothing to send;
 * free() it).  Every expect is matched by one take.  Returns 0 from
 * expect for an unknown peer (then no take).
 *
 * Sending side: a batch in an answer is decoded (its from checked to be
 * the peer's) and handed to fn(arg, meta, msgs, n), which takes the
 * messages (raftwire_batch_release), on the lane's thread.  Set it once,
 * before traffic matters (answers that come before are dropped; Raft
 * resends); once transport_set_deliver returns, the old hook is not
 * running.
 */
typedef void (*transport_deliver_fn)(void *arg,
				     const struct raftwire_meta *meta,
				     struct raft_msg *msgs, size_t n);
void transport_set_deliver(struct transport *t, transport_deliver_fn fn,
			   void *arg);
int transport_reply_expect(struct transport *t, uint64_t peer);
int transport_reply_take(struct transport *t, uint64_t peer, int binary,
			 char **body, size_t *len, struct err *e);

/*
 * Receive side, for POST /raft: raftwire_decode_batch() plus checks that
 * from > 0 and that every message's from equals it.  On success *msgs
 * (release with raftwire_batch_release()) holds *n messages; on error
 * (RC_BAD_INPUT, RC_TOO_LARGE, RC_NOMEM) the outputs are zeroed and
 * nothing is allocated.
 */
int transport_decode_request(const json_t *body, uint64_t *from,
			     struct raft_msg **msgs, size_t *n,
			     struct err *e);

#endif
