/*
 * chkreg.h -- the register workload checker: each key of the history is
 * a register (read, write, cas; int64 values, initially absent) and must
 * be linearizable on its own (linear.c does the search, per key).
 *
 * Op shapes: read: invoke v null, ok v = int or null (anything else,
 * e.g. a string, is a value no write wrote: a violation); write: v =
 * int; cas: v = [expected, new] (ok = swapped; fail = no effect).  fail ops
 * and info reads are left out; info writes and cas may take effect any
 * time after their invoke, or never.  A key whose search runs out of
 * budget is "unknown"; the history is invalid when any key is, otherwise
 * unknown when any key is.  Tested in t/unit/checker_test.c.
 */
#ifndef RANGEDB_CHKREG_H
#define RANGEDB_CHKREG_H

#include <jansson.h>
#include <stdio.h>

#include "hist.h"
#include "linear.h"

struct chkreg_key {
	const char *key;	/* borrowed from the history */
	size_t n_ops;		/* ops searched: ok, info writes, cas */
	size_t *ids;		/* search op index -> hist op id */
	struct linear_result lr;
};

struct chkreg_result {
	enum hist_verdict verdict;
	uint64_t budget;
	struct chkreg_key *keys;	/* in key order */
	size_t n_keys;
	size_t n_invalid, n_unknown;
	size_t first_invalid;	/* key with the earliest violation, or
				   SIZE_MAX */
	size_t first_unknown;	/* or SIZE_MAX */
	uint64_t configs;	/* over all keys */
};

/*
 * Check h (workload "register").  RC_BAD_INPUT for an op of the wrong
 * shape (the message names the line), RC_NOMEM.  budget is per key.
 */
int chkreg_run(const struct hist *h, uint64_t budget,
	       struct chkreg_result *r, struct err *e);
void chkreg_release(struct chkreg_result *r);

/* The summary line, then the first violation (or unknown key). */
void chkreg_print(const struct hist *h, const struct chkreg_result *r,
		  FILE *out);

/* Add "verdict", "keys", "configs", "violation"... to obj: RC_NOMEM. */
int chkreg_json(const struct hist *h, const struct chkreg_result *r,
		json_t *obj);

#endif
