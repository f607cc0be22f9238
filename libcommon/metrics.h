/*
 * metrics.h -- counters, gauges and histograms, served as Prometheus text.
 *
 * Every daemon keeps one registry and answers GET /metrics with
 * metrics_render(), in the Prometheus text exposition format 0.0.4
 * (content type METRICS_CONTENT_TYPE).  Series are registered up front,
 * at start-up; the returned handles stay valid until metrics_free().
 *
 * Guarantees:
 *   - updating a series (add, set, observe) is lock-free (C11 atomics,
 *     relaxed order) and safe from any number of threads; only
 *     registration and rendering take the registry's mutex;
 *   - a family is a metric name with its help text, type and at most one
 *     label name; it renders as one "# HELP" and one "# TYPE" line followed
 *     by all its series, in registration order, families in registration
 *     order, so the output is deterministic;
 *   - registering a series that already exists returns the same handle;
 *     registering a name again with another type, help text, label name or
 *     (for histograms) other bounds is RC_BAD_INPUT;
 *   - metric names must match [a-zA-Z_:][a-zA-Z0-9_:]*, label names
 *     [a-zA-Z_][a-zA-Z0-9_]* and not start with "__" (nor be "le" on a
 *     histogram); help texts and label values must be UTF-8.  Help text is
 *     escaped (\\ and \n), label values too (\\, \" and \n);
 *   - a histogram's bucket counts are kept per bucket and summed when
 *     rendered, so every "_bucket" line is cumulative, le="+Inf" equals
 *     "_count", and an observation equal to a bound lands in that bound's
 *     bucket (le means "less than or equal").  "_sum" is a double updated
 *     by compare-and-swap on its bits.  NaN observations are ignored.
 *   - numbers are written in the shortest form that reads back exactly
 *     ("0.1", "10", "5e-05", "1e+21", "+Inf").
 *
 * Tested in t/unit/metrics_test.c.
 */
#ifndef RANGEDB_METRICS_H
#define RANGEDB_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Most bounds a histogram may have (+Inf is added, not counted). */
#define METRICS_BOUNDS_MAX 64

/* Default latency buckets in seconds: 50us, 100us, 250us, ... 5s, 10s. */
#define METRICS_LATENCY_NBOUNDS 17
extern const double metrics_latency_bounds[METRICS_LATENCY_NBOUNDS];

struct metrics;
struct metrics_counter;
struct metrics_gauge;
struct metrics_histogram;

/* ---- the registry ------------------------------------------------------- */

int metrics_new(struct metrics **out, struct err *e);

/* Frees the registry and every handle it gave out. */
void metrics_free(struct metrics *reg);

/*
 * The whole registry as Prometheus text: *text is malloc'd (the caller
 * frees it), NUL-terminated, *len bytes long without the NUL.
 */
int metrics_render(struct metrics *reg, char **text, size_t *len,
		   struct err *e);

/* ---- registering series ------------------------------------------------- */

/*
 * Each registers (or finds) one series of the family name.  label_name and
 * label_value are both NULL for a family without a label, or both set:
 * metrics_counter(reg, "tsod_requests_total", "Requests served.", "code",
 * "200", &c, e).
 */
int metrics_counter(struct metrics *reg, const char *name, const char *help,
		    const char *label_name, const char *label_value,
		    struct metrics_counter **out, struct err *e);

int metrics_gauge(struct metrics *reg, const char *name, const char *help,
		  const char *label_name, const char *label_value,
		  struct metrics_gauge **out, struct err *e);

/*
 * bounds: nbounds finite upper bounds, strictly increasing, 1 to
 * METRICS_BOUNDS_MAX of them (copied); e.g. metrics_latency_bounds.
 */
int metrics_histogram(struct metrics *reg, const char *name, const char *help,
		      const char *label_name, const char *label_value,
		      const double *bounds, size_t nbounds,
		      struct metrics_histogram **out, struct err *e);

/* ---- updating (lock-free, any thread) ----------------------------------- */

/* A NULL handle is ignored (reads as 0), so code runs without a registry. */

void metrics_counter_add(struct metrics_counter *c, uint64_t n);
void metrics_counter_inc(struct metrics_counter *c);
uint64_t metrics_counter_value(const struct metrics_counter *c);

void metrics_gauge_set(struct metrics_gauge *g, double v);
void metrics_gauge_add(struct metrics_gauge *g, double d);
double metrics_gauge_value(const struct metrics_gauge *g);

void metrics_histogram_observe(struct metrics_histogram *h, double v);
uint64_t metrics_histogram_count(const struct metrics_histogram *h);
double metrics_histogram_sum(const struct metrics_histogram *h);

/*
 * Seconds on the monotonic clock, for timing a request:
 *	double t0 = metrics_now();
 *	...
 *	metrics_histogram_observe(h, metrics_now() - t0);
 */
double metrics_now(void);

#endif
