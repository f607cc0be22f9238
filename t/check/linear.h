/*
 * linear.h -- linearizability of a single-register history.
 *
 * The register starts absent (null) and supports read, write and
 * compare-and-set; values are int64 or null.  The caller partitions a
 * multi-key history by key and calls linear_check() once per key, with
 * the key's "ok" ops and "info" ops ("fail" ops never happened and are
 * left out; info reads are ignored since they constrain nothing).
 *
 * The search is Wing & Gong's as improved by Lowe ("Testing for
 * linearizability", 2016, the algorithm Knossos calls wgl): a depth-first
 * search over an event list from which linearized calls are lifted, with a
 * cache of visited configurations (set of linearized ops, register value)
 * so that no configuration is explored twice.  An ok op must take effect
 * between its invoke and its completion; an info op at any point after its
 * invoke, or never.  Info ops are what makes a search blow up, so these
 * sound prunings keep them cheap (see linear.c for why each is sound):
 *  - an info write or cas whose value no op that may follow it expects is
 *    dropped, and one whose last possible observer is linearized is
 *    forgotten (taking effect could only hide the value before it);
 *  - info ops with the same effect take effect in invoke order only (the
 *    earlier twin can always stand in for the later one);
 *  - info ops are tried after the ok candidates, and only right before an
 *    op that observes their value.
 * Before searching, a read (or cas) of a value that no write invoked
 * before the read completed could have produced is reported at once.
 *
 * Configurations are remembered by 128-bit fingerprints (see linear.c:
 * a collision, which would make the search skip a configuration, has a
 * chance below 10^-20 even for 10^9 configurations).  The search is
 * bounded: once `budget` configurations are remembered, the verdict is
 * LINEAR_UNKNOWN.  Memory is about 40 bytes per configuration.
 * Tested in t/unit/checker_test.c.
 */
#ifndef RANGEDB_LINEAR_H
#define RANGEDB_LINEAR_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define LINEAR_DEFAULT_BUDGET	5000000

enum linear_f {
	LINEAR_READ,		/* a: the value read */
	LINEAR_WRITE,		/* a: the value written */
	LINEAR_CAS		/* a: the expected value, b: the new one */
};

struct linear_val {
	int is_null;		/* the register is absent */
	int64_t v;
};

struct linear_op {
	enum linear_f f;
	int info;		/* outcome unknown: ret is ignored */
	struct linear_val a, b;
	int64_t inv, ret;	/* positions in real time, inv < ret */
};

enum linear_verdict {
	LINEAR_OK,		/* linearizable */
	LINEAR_FAIL,		/* not linearizable */
	LINEAR_UNKNOWN		/* the budget ran out first */
};

struct linear_result {
	enum linear_verdict verdict;
	/*
	 * LINEAR_FAIL with never_written set: stuck[0] is an ok read (or
	 * cas) of a value that no write invoked before its completion
	 * produced; the search was not run and the prefix is empty.
	 */
	int never_written;
	/*
	 * LINEAR_FAIL: the longest linearizable prefix the search found
	 * (indexes into the caller's ops, in linearization order), the
	 * register's value after it, and the ok ops that could then not be
	 * linearized: stuck[0] is the one whose completion comes first (it
	 * had to be next), the others were concurrent with it.
	 */
	size_t *prefix;
	size_t n_prefix;
	struct linear_val prefix_state;
	size_t *stuck;
	size_t n_stuck;
	/* Statistics */
	uint64_t configs;	/* configurations remembered */
	size_t n_dropped_info;	/* info ops left out as unobservable */
};

/*
 * Check ops[0..n-1]; fill *r (release it with linear_result_release()).
 * Returns RC_OK (whatever the verdict), RC_BAD_INPUT for an ok op with
 * ret <= inv, RC_TOO_LARGE for 2^30 ops or more, RC_NOMEM.
 */
int linear_check(const struct linear_op *ops, size_t n, uint64_t budget,
		 struct linear_result *r, struct err *e);
void linear_result_release(struct linear_result *r);

/* 1 when op can take effect on a register holding s, and the new value. */
int linear_step(const struct linear_op *op, struct linear_val s,
		struct linear_val *next);

#endif
