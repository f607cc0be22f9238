/*
 * hlc.c -- hybrid logical clock (see hlc.h).
 */
#include "hlc.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util.h"

static uint64_t hlc_real_clock(void *arg)
{
	(void)arg;
	return util_wall_ms();
}

void hlc_init(struct hlc *h, uint64_t max_offset_ms, hlc_clock_fn clock,
	      void *clock_arg)
{
	memset(h, 0, sizeof(*h));
	h->max_offset_ms = max_offset_ms;
	h->clock = clock ? clock : hlc_real_clock;
	h->clock_arg = clock_arg;
}

static uint64_t hlc_wall(struct hlc *h)
{
	uint64_t ms = h->clock(h->clock_arg);

	return ms > HLC_PHYSICAL_MAX ? HLC_PHYSICAL_MAX : ms;
}

int hlc_reserve(struct hlc *h, uint64_t n, uint64_t *first, struct err *e)
{
	uint64_t wall = hlc_make(hlc_wall(h), 0);
	uint64_t start;

	if (n == 0)
		return err_set(e, RC_BAD_INPUT, "cannot reserve 0 timestamps");
	/*
	 * Adding to the 64-bit value carries a full logical counter into the
	 * physical part, which is what we want.
	 */
	start = wall > h->last ? wall : h->last + 1;
	if (start > UINT64_MAX - n || start + n - 1 > hlc_make(HLC_PHYSICAL_MAX,
							     HLC_LOGICAL_MASK))
		return err_set(e, RC_INTERNAL, "hybrid logical clock exhausted");
	h->last = start + n - 1;
	*first = start;
	return RC_OK;
}

uint64_t hlc_now(struct hlc *h)
{
	uint64_t ts = 0;

	/* Cannot fail for n = 1 before the year 10889. */
	if (hlc_reserve(h, 1, &ts, NULL) != RC_OK)
		return h->last;
	return ts;
}

int hlc_update(struct hlc *h, uint64_t received, uint64_t *out,
	       struct err *e)
{
	uint64_t wall_ms = hlc_wall(h);
	uint64_t rphys = hlc_physical(received);
	uint64_t ts;

	if (h->max_offset_ms > 0 && rphys > wall_ms &&
	    rphys - wall_ms > h->max_offset_ms) {
		char txt[HLC_TEXT_MAX];

		hlc_format(received, txt, sizeof(txt));
		return err_set(e, RC_CLOCK_SKEW,
			       "timestamp %s is %" PRIu64 " ms ahead of the "
			       "local clock (maximum offset %" PRIu64 " ms)",
			       txt, rphys - wall_ms, h->max_offset_ms);
	}
	if (received > h->last)
		h->last = received;
	ts = hlc_now(h);
	if (out)
		*out = ts;
	return RC_OK;
}

void hlc_floor(struct hlc *h, uint64_t floor)
{
	if (floor > h->last)
		h->last = floor;
}

size_t hlc_format(uint64_t ts, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "%" PRIu64 ".%05" PRIu64, hlc_physical(ts),
			 hlc_logical(ts));

	return n < 0 ? 0 : (size_t)n;
}

size_t hlc_format_iso(uint64_t ts, char *buf, size_t cap)
{
	uint64_t ms = hlc_physical(ts);
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;
	int w;

	if (cap == 0)
		return 0;
	if (gmtime_r(&secs, &tm) == NULL)
		return hlc_format(ts, buf, cap);
	n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	if (n == 0)
		return hlc_format(ts, buf, cap);
	w = snprintf(buf + n, cap - n, ".%03dZ+%" PRIu64, (int)(ms % 1000),
		     hlc_logical(ts));
	return w < 0 ? n : n + (size_t)w;
}

int hlc_parse(const char *s, uint64_t *ts, struct err *e)
{
	const char *dot;
	uint64_t ms, logical;
	char head[32];

	if (s == NULL || *s == '\0')
		return err_set(e, RC_BAD_INPUT, "empty timestamp");
	dot = strchr(s, '.');
	if (dot == NULL)
		return util_parse_u64(s, 0, UINT64_MAX, ts, "timestamp", e);
	if ((size_t)(dot - s) >= sizeof(head) || dot == s)
		return err_set(e, RC_BAD_INPUT, "malformed timestamp '%s'", s);
	memcpy(head, s, (size_t)(dot - s));
	head[dot - s] = '\0';
	if (util_parse_u64(head, 0, HLC_PHYSICAL_MAX, &ms,
			   "timestamp milliseconds", NULL) != RC_OK ||
	    util_parse_u64(dot + 1, 0, HLC_LOGICAL_MASK, &logical,
			   "timestamp logical part", NULL) != RC_OK)
		return err_set(e, RC_BAD_INPUT,
			       "malformed timestamp '%s' (expected MS.LOGICAL "
			       "with LOGICAL at most 65535)", s);
	*ts = hlc_make(ms, logical);
	return RC_OK;
}
