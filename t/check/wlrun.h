/*
 * wlrun.h -- one run of t/check/workload: open the history, write its
 * meta line, check that a txcoord answers, set the workload up, run one
 * thread per client until the duration ends (or SIGINT/SIGTERM), do the
 * workload's final step, print the summary.
 *
 * Guarantees: clients are spread round robin over the txcoords, each
 * with its own connection; every invoke in the history is followed by
 * its completion (a client finishes the op in flight, bounded by the
 * request timeout, before it stops); a second signal also cuts the set
 * workload's final read short.  A client whose requests get no HTTP
 * reply backs off (100 ms doubling to 1 s) instead of filling the
 * history with refused connections.
 *
 * Tested by running it against a local cluster (t/check/README.workload);
 * wlrun_split_addrs in t/unit/wlhist_test.c.
 */
#ifndef RANGEDB_WLRUN_H
#define RANGEDB_WLRUN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "wlops.h"

struct wlrun_opts {
	enum wlops_kind kind;
	char **addrs;		/* txcoords, HOST:PORT */
	size_t naddrs;
	unsigned clients;
	int64_t duration_ms;
	const char *out;	/* history path, "-" = stdout */
	uint64_t seed;		/* <= INT64_MAX */
	unsigned keys;		/* register, monotonic */
	unsigned accounts;	/* bank */
	uint64_t rate;		/* ops/s over all clients; 0 = no limit */
	long timeout_ms;	/* per request */
};

/*
 * Split a comma-separated address list ("a:1, b:2") into malloc'd,
 * trimmed, non-empty strings; RC_BAD_INPUT for an empty list or item.
 */
int wlrun_split_addrs(const char *list, char ***out, size_t *n,
		      struct err *e);
void wlrun_addrs_free(char **addrs, size_t n);

/*
 * Run it.  Returns the exit status: 0 the run completed (whatever the
 * operations' outcomes), 1 it could not run (no txcoord answered, the
 * set-up or the set's final read never succeeded, the history could not
 * be written).  Prints the summary line, or what went wrong, itself.
 */
int wlrun_run(const struct wlrun_opts *o);

#endif
