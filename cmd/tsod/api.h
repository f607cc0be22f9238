/*
 * api.h -- tsod's HTTP/JSON interface.
 *
 *   POST /ts   {"count": N}  -> {"ts": FIRST, "count": N, "hlc": "MS.LOGICAL"}
 *   GET  /ts   [?count=N]    -> the same; count defaults to 1
 *   GET  /status             -> uptime, last timestamp, window, counters
 *   GET  /metrics            -> Prometheus text
 *
 * The caller owns FIRST .. FIRST+N-1.  N is 1 .. max_count (default 65536).
 * Bad input gets a 4xx in the one JSON error shape and changes nothing.
 */
#ifndef RANGEDB_TSOD_API_H
#define RANGEDB_TSOD_API_H

#include <stdint.h>

#include "err.h"
#include "oracle.h"

struct tsod_api;

struct tsod_api_opts {
	const char *listen;		/* "HOST:PORT" */
	unsigned threads;		/* 0 = number of CPUs */
	uint64_t max_count;		/* 0 = ORACLE_DEFAULT_MAX_COUNT */
	const char *version;
	const char *secret;		/* [cluster] secret: fault injection
					 * (faultapi.h); NULL: off */
};

int tsod_api_start(struct tsod_api **out, struct oracle *o,
		   const struct tsod_api_opts *opts, struct err *e);

/* Port the server listens on. */
unsigned tsod_api_port(const struct tsod_api *a);

void tsod_api_stop(struct tsod_api *a);

#endif
