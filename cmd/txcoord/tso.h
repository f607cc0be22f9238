/*
 * tso.h -- txcoord's batched client of tsod, the timestamp oracle.
 *
 * tso_get() hands each caller one timestamp from tsod (POST /ts
 * {"count":N}).  Concurrent callers share round trips: at most one request
 * is in flight per struct tso; every caller that arrives while it is out
 * waits and goes, together with the others, in the next one, which asks for
 * exactly as many timestamps as callers are waiting.
 *
 * Guarantees:
 *   - every timestamp handed out is distinct (tsod's are strictly
 *     increasing, and each of a round's callers takes its own one of the
 *     round's count), and a tso_get() that starts after another one
 *     returned gets a larger timestamp (its round is sent after the other's
 *     was answered, and tsod never goes back: a reply that does is refused
 *     as RC_CORRUPT);
 *   - a failed round (tsod down, timeout, bad reply) fails every caller of
 *     that round with the same message, which names tsod's address;
 *   - no caller waits forever: each tso_get() gives up after the deadline
 *     (TSO_DEADLINE_MS unless tso_set_deadline() said otherwise) with
 *     RC_TIMEOUT, even if a round is still out;
 *   - thread-safe: any number of threads may call tso_get() at once.
 *
 * txcoord keeps no clock of its own: these timestamps are the only time it
 * knows.  Tested in t/unit/tso_test.c.
 */
#ifndef RANGEDB_TXCOORD_TSO_H
#define RANGEDB_TXCOORD_TSO_H

#include <stdint.h>

#include "err.h"

#define TSO_DEADLINE_MS	5000	/* default: how long one tso_get() may wait */
#define TSO_MAX_BATCH	1024	/* callers served by one round at most
				   (more wait for the next round); tsod's
				   --max-count must allow it (default
				   65536) */

struct tso;

/* A client of the tsod at addr ("HOST:PORT"), copied; no request yet. */
int tso_new(struct tso **out, const char *addr, struct err *e);

/*
 * Stop: wakes every waiting caller with RC_UNAVAILABLE, waits for the
 * round in flight to end, frees t.  No tso_get() may start after it is
 * called.  NULL is a no-op.
 */
void tso_free(struct tso *t);

/*
 * Time limit of one tso_get() in milliseconds (0 = TSO_DEADLINE_MS); the
 * HTTP request to tsod is bounded by it too.  Takes effect for later
 * calls.
 */
void tso_set_deadline(struct tso *t, unsigned ms);

/*
 * One fresh timestamp into *ts (blocks for at most one or two round trips).
 * RC_UNAVAILABLE / RC_TIMEOUT when tsod cannot be reached or does not
 * answer in time, RC_CORRUPT when its reply is malformed; the message names
 * tsod's address ("tsod at 127.0.0.1:7000: cannot connect to ...").
 */
int tso_get(struct tso *t, uint64_t *ts, struct err *e);

/*
 * Counters since tso_new(): *requests = tso_get() calls that got a
 * timestamp, *rounds = POST /ts round trips made (successful or not).
 * Either pointer may be NULL.
 */
void tso_stats(struct tso *t, uint64_t *requests, uint64_t *rounds);

/* tsod's address as given to tso_new() (for /status). */
const char *tso_addr(const struct tso *t);

#endif
