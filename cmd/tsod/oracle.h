/*
 * oracle.h -- the timestamp oracle's state: an HLC plus a durable window.
 *
 * The oracle hands out strictly increasing HLC timestamps, in batches.  It
 * never hands out a timestamp above the "window", an upper bound it has
 * persisted durably (DIR/tsod.window, replaced atomically and fsynced)
 * before use.  At start it resumes above the persisted window, so after a
 * kill -9 and restart, even with the wall clock set back, every new
 * timestamp is above every old one.
 *
 * The window is kept about window_ms ahead of the wall clock by a
 * background thread, so the request path does not wait for the disk; only
 * when requests outrun the window (huge batches, a stalled disk) does a
 * request wait for a synchronous extension.  What a restart costs: new
 * timestamps start at the old window, up to window_ms ahead of the wall
 * clock at the time of the crash; the logical part then absorbs the gap.
 *
 * Thread-safe.  Tested by t/300-tsod.bats and t/unit/oracle_test.c.
 */
#ifndef RANGEDB_TSOD_ORACLE_H
#define RANGEDB_TSOD_ORACLE_H

#include <stdint.h>

#include "err.h"
#include "hlc.h"

#define ORACLE_DEFAULT_WINDOW_MS 3000
#define ORACLE_DEFAULT_MAX_COUNT 65536
#define ORACLE_WINDOW_FILE "tsod.window"

struct oracle;

struct oracle_opts {
	const char *dir;		/* data directory (must exist) */
	uint64_t window_ms;		/* 0 = ORACLE_DEFAULT_WINDOW_MS */
	hlc_clock_fn clock;		/* NULL = wall clock */
	void *clock_arg;
	int background;			/* run the window-extending thread */
};

struct oracle_status {
	uint64_t last;			/* last timestamp handed out (0: none) */
	uint64_t window_end;		/* persisted upper bound */
	uint64_t window_ms;
	uint64_t resumed_from;		/* window found at start (0: new) */
	uint64_t persists;		/* window writes since start */
	uint64_t sync_extensions;	/* of those, made on the request path */
	uint64_t issued;		/* timestamps handed out since start */
};

int oracle_open(struct oracle **out, const struct oracle_opts *opts,
		struct err *e);

/* Reserve count consecutive timestamps; *first is the lowest. */
int oracle_reserve(struct oracle *o, uint64_t count, uint64_t *first,
		   struct err *e);

void oracle_get_status(struct oracle *o, struct oracle_status *st);

/* Extend the window if it is less than 2/3 ahead (the background step). */
int oracle_tick(struct oracle *o, struct err *e);

void oracle_close(struct oracle *o);

#endif
