/*
 * rxorder.h -- put the Raft batches a peer sends back in the order it sent
 * them.
 *
 * The transport sends to a peer across a long link over several
 * connections ("lanes", transport.c), so that a message queued while one
 * POST is out goes at once instead of waiting a round trip.  Two
 * connections can deliver out of order; Raft
 * would cope (an early append is refused and the leader probes again) but
 * at the price of a round trip and a resend.  So each batch carries the
 * sender's epoch (one per transport instance) and a sequence number taken
 * when the batch was formed, and the receiver delivers them in that order:
 *
 *   - a batch with the next expected number is delivered at once, followed
 *     by any held ones it unblocks;
 *   - a batch from further ahead is held, at most RXORDER_MAX_HELD of them
 *     and for at most RXORDER_WAIT_MS: past either, everything held is
 *     delivered in order and the gap is given up (its batch was lost: Raft
 *     retransmits);
 *   - an older number (a duplicate, or a batch given up on that turned up
 *     late) is delivered at once: Raft ignores what it already has;
 *   - a new epoch restarts the count at 1 (a sender numbers from 1; met
 *     mid-stream, after this side restarted, the first batch waits out
 *     the gap once); a batch marked resync (the sender lost one of its
 *     own batches, so the gap before it is certain) goes on from its own
 *     number, after delivering what was held from before;
 *   - seq 0 means unordered (a piece of a batch the sender had to split):
 *     delivered at once, the count untouched.
 *
 * Delivery calls the given function under rxorder's lock, in order, and
 * hands the messages over: the function owns them (and releases them with
 * raftwire_batch_release, or keeps them).  Thread-safe.  Tested in
 * t/unit/rxorder_test.c.
 */
#ifndef RANGEDB_RXORDER_H
#define RANGEDB_RXORDER_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "raft.h"

#define RXORDER_MAX_PEERS	RAFT_MAX_NODES
#define RXORDER_MAX_HELD	32
#define RXORDER_WAIT_MS		50

struct rxorder;

/* Deliver one batch, taking the messages; the result of the submitted
   batch's own delivery is what rxorder_submit returns (held ones' errors
   are only logged). */
typedef int (*rxorder_deliver_fn)(void *arg, uint64_t from,
				  struct raft_msg *msgs, size_t n,
				  struct err *e);

int rxorder_new(struct rxorder **out, rxorder_deliver_fn deliver, void *arg,
		struct err *e);
void rxorder_free(struct rxorder *ro);

/*
 * Submit the batch msgs[0..n) from peer `from`: rxorder takes the
 * messages, and hands them to the deliver function in turn.  epoch 0 means the
 * sender does not number its batches: delivered at once.  now_ms is the
 * monotonic clock.  Returns the result of delivering this batch, or RC_OK
 * when it was held.
 */
int rxorder_submit(struct rxorder *ro, uint64_t from, uint64_t epoch,
		   uint64_t seq, int resync, struct raft_msg *msgs, size_t n,
		   uint64_t now_ms, struct err *e);

/* Batches held now, over every peer (for tests and /status). */
size_t rxorder_held(struct rxorder *ro);

#endif
