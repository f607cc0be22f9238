/*
 * hlc.h -- hybrid logical clock.
 *
 * A timestamp is a uint64_t: the upper 48 bits are wall-clock milliseconds
 * since the epoch, the lower 16 a logical counter that orders events within
 * one millisecond.  Comparing timestamps is comparing integers.
 *
 * Guarantees:
 *   - hlc_now() is strictly increasing for one struct hlc, even when the
 *     wall clock steps back: the clock then keeps its physical part and
 *     counts up the logical part.  When the logical part overflows it
 *     carries into the physical part (the clock runs a little ahead rather
 *     than repeat a value).
 *   - hlc_update() folds in a timestamp received from a peer so that the
 *     next local event is ordered after it, but refuses (RC_CLOCK_SKEW) a
 *     timestamp whose physical part is more than max_offset_ms ahead of the
 *     local wall clock: a peer with a broken clock must not drag ours along.
 *   - The wall clock is read only through hlc->clock, so tests can drive
 *     it (t/unit/hlc_test.c).
 *
 * A struct hlc is not thread-safe: callers that share one hold a lock.
 *
 * Text forms: hlc_format() gives "1795417356123.00042" (milliseconds,
 * a dot, the logical counter as five digits) and hlc_format_iso() gives
 * "2026-11-23T07:02:36.123Z+42" for people.  In JSON a timestamp is the
 * integer; because JSON tools that hold numbers as doubles (jq 1.6) lose
 * precision above 2^53, replies also carry the text form beside it.
 */
#ifndef RANGEDB_HLC_H
#define RANGEDB_HLC_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define HLC_LOGICAL_BITS	16
#define HLC_LOGICAL_MASK	((uint64_t)0xffff)
#define HLC_PHYSICAL_MAX	(((uint64_t)1 << 48) - 1)
#define HLC_DEFAULT_MAX_OFFSET_MS 500
#define HLC_TEXT_MAX		32	/* buffer size for either text form */

typedef uint64_t (*hlc_clock_fn)(void *arg);	/* wall clock, ms */

struct hlc {
	uint64_t last;			/* last timestamp handed out */
	uint64_t max_offset_ms;		/* 0 = no skew check */
	hlc_clock_fn clock;
	void *clock_arg;
};

static inline uint64_t hlc_make(uint64_t physical_ms, uint64_t logical)
{
	return (physical_ms << HLC_LOGICAL_BITS) | (logical & HLC_LOGICAL_MASK);
}

static inline uint64_t hlc_physical(uint64_t ts)
{
	return ts >> HLC_LOGICAL_BITS;
}

static inline uint64_t hlc_logical(uint64_t ts)
{
	return ts & HLC_LOGICAL_MASK;
}

/* clock NULL = the real wall clock (CLOCK_REALTIME). */
void hlc_init(struct hlc *h, uint64_t max_offset_ms, hlc_clock_fn clock,
	      void *clock_arg);

/* A new timestamp, greater than every one this clock produced before. */
uint64_t hlc_now(struct hlc *h);

/*
 * Reserve n (>= 1) consecutive timestamps; *first is the lowest, and all of
 * first .. first+n-1 are greater than any earlier timestamp of this clock.
 */
int hlc_reserve(struct hlc *h, uint64_t n, uint64_t *first, struct err *e);

/*
 * Fold in a timestamp received from elsewhere.  On success *out (if not
 * NULL) is a new local timestamp greater than both received and every
 * earlier local one.  RC_CLOCK_SKEW if received is too far ahead.
 */
int hlc_update(struct hlc *h, uint64_t received, uint64_t *out,
	       struct err *e);

/*
 * Make every future timestamp greater than floor, with no skew check: used
 * at start-up to resume above a persisted high-water mark.
 */
void hlc_floor(struct hlc *h, uint64_t floor);

/* Text forms (see above); return the length written. */
size_t hlc_format(uint64_t ts, char *buf, size_t cap);
size_t hlc_format_iso(uint64_t ts, char *buf, size_t cap);

/* Parse either the integer form ("117662...") or "MS.LOGICAL". */
int hlc_parse(const char *s, uint64_t *ts, struct err *e);

#endif
