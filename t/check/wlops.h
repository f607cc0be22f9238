/*
 * wlops.h -- the four workloads of t/check/workload (register, set,
 * monotonic, bank): what each client does next, how it is sent to a
 * txcoord, and how it is recorded (invoke, then its completion) in the
 * history.  The op shapes are those of the issue 8 spec
 * (t/check/README.workload); every key lives under the run's prefix.
 *
 *   register   read (one-shot get), write (one-shot put of a value unique
 *              per key), cas [old,new] (explicit: begin, get, compare,
 *              put, commit; a failed compare rolls back: fail)
 *   set        add v (one-shot put of PREFIX set/v, v unique); after the
 *              run one read of every element in one transaction
 *   monotonic  the first half of the clients write (one transaction: get
 *              the sequence key, put seq+1 there and into a random key),
 *              the others read one key per one-shot transaction; a lone
 *              client does both
 *   bank       transfer (half explicit get/get/put/put, half one-shot incr
 *              pairs) and read (one-shot get of every account)
 *
 * An explicit transaction that gets 409 (retry) before or at commit is
 * begun again, at most WLOPS_TXN_ATTEMPTS times, inside the same op: each
 * aborted attempt wrote nothing.  A step before commit that fails in any
 * way (even a timeout) makes the op fail: without a commit nothing can
 * take effect.  Reads that end unknown are recorded as fail (a read has
 * no effect).  After an info the client goes on as a new process id.
 *
 * State shared by the clients (value counters, recent register values)
 * is atomic or under one mutex; a struct wlops_client belongs to one
 * thread.  Tested by running it (t/check/README.workload); the history
 * and outcome rules it relies on are unit-tested in t/unit/wlhist_test.c.
 */
#ifndef RANGEDB_WLOPS_H
#define RANGEDB_WLOPS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "wlclient.h"
#include "wlhist.h"

#define WLOPS_TXN_ATTEMPTS	3	/* explicit txn attempts per op */
#define WLOPS_PREFIX_MAX	128	/* longest key prefix */
#define WLOPS_MAX_ACCOUNTS	10000	/* one one-shot read of them all */

enum wlops_kind {
	WLOPS_REGISTER,
	WLOPS_SET,
	WLOPS_MONOTONIC,
	WLOPS_BANK
};

/* "register", "set", "monotonic", "bank" <-> the kind; -1 if unknown. */
int wlops_kind_parse(const char *name);
const char *wlops_kind_name(enum wlops_kind k);

struct wlops_params {
	enum wlops_kind kind;
	const char *prefix;	/* every key starts with it, e.g. "chk/7-1/" */
	unsigned clients;	/* process ids 0..clients-1 at the start */
	unsigned keys;		/* register and monotonic keys */
	unsigned accounts;	/* bank accounts, 2..WLOPS_MAX_ACCOUNTS */
	int64_t balance;	/* bank: each account's opening balance */
	uint64_t seed;		/* of the random choices, <= INT64_MAX */
};

struct wlops;

int wlops_new(const struct wlops_params *p, struct wlhist *h,
	      struct wlops **out, struct err *e);
void wlops_free(struct wlops *w);

/* The meta line's fields: workload, prefix, seed and the parameters. */
int wlops_meta(const struct wlops *w, json_t **out, struct err *e);

/*
 * Before the clients start (bank: the opening balances, one transaction,
 * retried on the clients in turn until deadline_ms on CLOCK_MONOTONIC).
 * Nothing for the other workloads.
 */
int wlops_setup(struct wlops *w, struct wlclient *const *c, size_t nc,
		uint64_t deadline_ms, struct err *e);

/* One client thread's state. */
struct wlops_client {
	struct wlops *w;
	struct wlclient *http;
	unsigned index;		/* 0..clients-1 */
	int64_t pid;		/* its process id now */
	uint64_t rng;
	int transport_error;	/* the last request got no HTTP reply */
};

void wlops_client_init(struct wlops_client *cl, struct wlops *w,
		       struct wlclient *http, unsigned index);

/*
 * One operation: its invoke line, the requests, its completion line.
 * *outcome says how it ended.  Fails only when the history cannot be
 * written (the run must stop).
 */
int wlops_step(struct wlops_client *cl, enum wlhist_outcome *outcome,
	       struct err *e);

/*
 * After the clients stopped (set: the final read of every element, as a
 * new process, tried on the clients in turn until it succeeds, until
 * deadline_ms, or until *stop >= 2).  RC_TIMEOUT when no attempt
 * succeeded.  Nothing for the other workloads.
 */
int wlops_finish(struct wlops *w, struct wlclient *const *c, size_t nc,
		 uint64_t deadline_ms, const atomic_int *stop,
		 struct err *e);

/* Process ids handed out so far (the next unused one). */
int64_t wlops_pids_used(const struct wlops *w);

#endif
