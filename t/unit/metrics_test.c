/*
 * metrics_test.c -- unit tests of libcommon/metrics.c: the exact text of a
 * small registry, grouping by family, escaping, number spelling, name
 * validation, histogram bucket placement at the boundaries (le is
 * inclusive), and exact sums of concurrent updates from several threads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

static char *render(struct metrics *reg)
{
	struct err e;
	char *text = NULL;
	size_t len = 0;

	if (metrics_render(reg, &text, &len, &e) != RC_OK)
		fail_msg("render: %s", e.msg);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	return text;
}

static void assert_render(struct metrics *reg, const char *want)
{
	char *text = render(reg);

	assert_string_equal(text, want);
	free(text);
}

static void test_render_small_registry(void **state)
{
	static const double bounds[] = { 0.125, 0.5, 1 };
	struct metrics *reg;
	struct metrics_counter *ok, *bad, *again;
	struct metrics_gauge *g;
	struct metrics_histogram *h;
	struct err e;

	assert_int_equal(metrics_new(&reg, &e), RC_OK);
	assert_render(reg, "");

	assert_int_equal(metrics_counter(reg, "tsod_requests_total",
					 "Requests served, by status code.",
					 "code", "200", &ok, &e), RC_OK);
	assert_int_equal(metrics_gauge(reg, "tsod_window_seconds",
				       "Timestamp window reserved ahead.",
				       NULL, NULL, &g, &e), RC_OK);
	/* Registered later, rendered with its family. */
	assert_int_equal(metrics_counter(reg, "tsod_requests_total",
					 "Requests served, by status code.",
					 "code", "400", &bad, &e), RC_OK);
	assert_int_equal(metrics_histogram(reg, "tsod_request_seconds",
					   "Time to answer a request.", NULL,
					   NULL, bounds, 3, &h, &e), RC_OK);
	/* The same series again is the same handle. */
	assert_int_equal(metrics_counter(reg, "tsod_requests_total",
					 "Requests served, by status code.",
					 "code", "200", &again, &e), RC_OK);
	assert_ptr_equal(again, ok);

	metrics_counter_add(ok, 2);
	metrics_counter_inc(ok);
	metrics_counter_inc(bad);
	metrics_gauge_set(g, 3);
	metrics_gauge_add(g, -0.5);
	metrics_histogram_observe(h, 0.125);
	metrics_histogram_observe(h, 0.0625);
	metrics_histogram_observe(h, 0.5);
	metrics_histogram_observe(h, 2);

	assert_int_equal(metrics_counter_value(ok), 3);
	assert_true(metrics_gauge_value(g) == 2.5);
	assert_int_equal(metrics_histogram_count(h), 4);
	assert_true(metrics_histogram_sum(h) == 2.6875);

	assert_render(reg,
		"# HELP tsod_requests_total Requests served, by status code.\n"
		"# TYPE tsod_requests_total counter\n"
		"tsod_requests_total{code=\"200\"} 3\n"
		"tsod_requests_total{code=\"400\"} 1\n"
		"# HELP tsod_window_seconds Timestamp window reserved ahead.\n"
		"# TYPE tsod_window_seconds gauge\n"
		"tsod_window_seconds 2.5\n"
		"# HELP tsod_request_seconds Time to answer a request.\n"
		"# TYPE tsod_request_seconds histogram\n"
		"tsod_request_seconds_bucket{le=\"0.125\"} 2\n"
		"tsod_request_seconds_bucket{le=\"0.5\"} 3\n"
		"tsod_request_seconds_bucket{le=\"1\"} 3\n"
		"tsod_request_seconds_bucket{le=\"+Inf\"} 4\n"
		"tsod_request_seconds_sum 2.6875\n"
		"tsod_request_seconds_count 4\n");
	metrics_free(reg);
	metrics_free(NULL);
}

static void test_escaping_and_numbers(void **state)
{
	static const double bounds[] = { 0.1 };
	struct metrics *reg;
	struct metrics_gauge *g[8];
	struct metrics_histogram *h;
	struct err e;
	int i;

	assert_int_equal(metrics_new(&reg, &e), RC_OK);
	assert_int_equal(metrics_gauge(reg, "odd", "Line one\nback\\slash "
				       "\"quoted\" stays", "path",
				       "a\"b\\c\nd", &g[0], &e), RC_OK);
	assert_int_equal(metrics_gauge(reg, "odd", "Line one\nback\\slash "
				       "\"quoted\" stays", "path",
				       "caf\xc3\xa9", &g[1], &e), RC_OK);
	for (i = 2; i < 8; i++) {
		char v[8];

		v[0] = (char)('0' + i);
		v[1] = '\0';
		assert_int_equal(metrics_gauge(reg, "odd",
					       "Line one\nback\\slash "
					       "\"quoted\" stays", "path", v,
					       &g[i], &e), RC_OK);
	}
	metrics_gauge_set(g[0], 0.1);
	metrics_gauge_set(g[1], 1e-7);
	metrics_gauge_set(g[2], 123456789);
	metrics_gauge_set(g[3], -2.5);
	metrics_gauge_set(g[4], 1.0 / 3);
	metrics_gauge_set(g[5], NAN);
	metrics_gauge_set(g[6], -INFINITY);
	metrics_gauge_set(g[7], 1e21);
	/* A histogram with a label: le comes after it. */
	assert_int_equal(metrics_histogram(reg, "lat_seconds", "Latency.",
					   "op", "get", bounds, 1, &h, &e),
			 RC_OK);
	metrics_histogram_observe(h, 0.1);
	metrics_histogram_observe(h, 0.2);

	assert_render(reg,
		"# HELP odd Line one\\nback\\\\slash \"quoted\" stays\n"
		"# TYPE odd gauge\n"
		"odd{path=\"a\\\"b\\\\c\\nd\"} 0.1\n"
		"odd{path=\"caf\xc3\xa9\"} 1e-07\n"
		"odd{path=\"2\"} 123456789\n"
		"odd{path=\"3\"} -2.5\n"
		"odd{path=\"4\"} 0.3333333333333333\n"
		"odd{path=\"5\"} NaN\n"
		"odd{path=\"6\"} -Inf\n"
		"odd{path=\"7\"} 1e+21\n"
		"# HELP lat_seconds Latency.\n"
		"# TYPE lat_seconds histogram\n"
		"lat_seconds_bucket{op=\"get\",le=\"0.1\"} 1\n"
		"lat_seconds_bucket{op=\"get\",le=\"+Inf\"} 2\n"
		"lat_seconds_sum{op=\"get\"} 0.30000000000000004\n"
		"lat_seconds_count{op=\"get\"} 2\n");
	metrics_free(reg);
}

static void test_validation(void **state)
{
	static const double good[] = { 1, 2 };
	static const double dup[] = { 1, 1 };
	static const double down[] = { 2, 1 };
	static const double inf[] = { 1, INFINITY };
	double many[METRICS_BOUNDS_MAX + 1];
	struct metrics *reg;
	struct metrics_counter *c;
	struct metrics_gauge *g;
	struct metrics_histogram *h;
	struct err e;
	size_t i;

	for (i = 0; i <= METRICS_BOUNDS_MAX; i++)
		many[i] = (double)i;
	assert_int_equal(metrics_new(&reg, &e), RC_OK);

	/* Metric names. */
	assert_int_equal(metrics_counter(reg, "a:b_c9", "H.", NULL, NULL, &c,
					 &e), RC_OK);
	assert_int_equal(metrics_counter(reg, "_x", "H.", NULL, NULL, &c, &e),
			 RC_OK);
	assert_int_equal(metrics_counter(reg, "9abc", "H.", NULL, NULL, &c,
					 &e), RC_BAD_INPUT);
	assert_null(c);
	assert_string_equal(e.msg, "invalid metric name '9abc' (must match "
				   "[a-zA-Z_:][a-zA-Z0-9_:]*)");
	assert_int_equal(metrics_counter(reg, "a-b", "H.", NULL, NULL, &c,
					 &e), RC_BAD_INPUT);
	assert_int_equal(metrics_counter(reg, "a b", "H.", NULL, NULL, &c,
					 &e), RC_BAD_INPUT);
	assert_int_equal(metrics_counter(reg, "", "H.", NULL, NULL, &c, &e),
			 RC_BAD_INPUT);
	assert_int_equal(metrics_counter(reg, NULL, "H.", NULL, NULL, &c, &e),
			 RC_BAD_INPUT);
	assert_int_equal(metrics_counter(reg, "x", "", NULL, NULL, &c, &e),
			 RC_BAD_INPUT);
	assert_string_equal(e.msg, "metric 'x' has no help text");
	assert_int_equal(metrics_counter(reg, "x", "bad \xff", NULL, NULL, &c,
					 &e), RC_BAD_INPUT);

	/* Label names and values. */
	assert_int_equal(metrics_counter(reg, "x", "H.", "__x", "v", &c, &e),
			 RC_BAD_INPUT);
	assert_string_equal(e.msg, "invalid label name '__x' for metric 'x' "
				   "(must match [a-zA-Z_][a-zA-Z0-9_]* "
				   "and not start with '__')");
	assert_int_equal(metrics_counter(reg, "x", "H.", "a:b", "v", &c, &e),
			 RC_BAD_INPUT);
	assert_int_equal(metrics_counter(reg, "x", "H.", "1a", "v", &c, &e),
			 RC_BAD_INPUT);
	assert_int_equal(metrics_counter(reg, "x", "H.", "code", NULL, &c,
					 &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "metric 'x' needs both a label name and a "
				   "label value, or neither");
	assert_int_equal(metrics_counter(reg, "x", "H.", NULL, "v", &c, &e),
			 RC_BAD_INPUT);
	assert_int_equal(metrics_counter(reg, "x", "H.", "code", "\xc0\x80",
					 &c, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "value of label 'code' of metric 'x' is "
				   "not UTF-8");
	/* A UTF-16 surrogate encoded in UTF-8 is not UTF-8. */
	assert_int_equal(metrics_counter(reg, "x", "H.", "code",
					 "\xed\xa0\x80", &c, &e),
			 RC_BAD_INPUT);
	assert_int_equal(metrics_counter(reg, "x", "H.", "le", "", &c, &e),
			 RC_OK);	/* le is only reserved on histograms */
	assert_int_equal(metrics_histogram(reg, "hx", "H.", "le", "1", good,
					   2, &h, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "label name 'le' is reserved for the "
				   "buckets of histogram 'hx'");

	/* Re-registering a family differently. */
	assert_int_equal(metrics_gauge(reg, "x", "H.", "le", "", &g, &e),
			 RC_BAD_INPUT);
	assert_null(g);
	assert_string_equal(e.msg, "metric 'x' is already registered as a "
				   "counter");
	assert_int_equal(metrics_counter(reg, "x", "Other.", "le", "", &c,
					 &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "metric 'x' is already registered with "
				   "other help text");
	assert_int_equal(metrics_counter(reg, "x", "H.", "code", "1", &c, &e),
			 RC_BAD_INPUT);
	assert_string_equal(e.msg, "metric 'x' is already registered with "
				   "label 'le'");
	assert_int_equal(metrics_counter(reg, "x", "H.", NULL, NULL, &c, &e),
			 RC_BAD_INPUT);

	/* Histogram bounds. */
	assert_int_equal(metrics_histogram(reg, "h", "H.", NULL, NULL, good,
					   2, &h, &e), RC_OK);
	assert_int_equal(metrics_histogram(reg, "h", "H.", NULL, NULL, many,
					   2, &h, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "histogram 'h' is already registered with "
				   "other bucket bounds");
	assert_int_equal(metrics_histogram(reg, "h2", "H.", NULL, NULL, dup,
					   2, &h, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "histogram 'h2': bucket bounds must "
				   "increase strictly (1 after 1)");
	assert_int_equal(metrics_histogram(reg, "h2", "H.", NULL, NULL, down,
					   2, &h, &e), RC_BAD_INPUT);
	assert_int_equal(metrics_histogram(reg, "h2", "H.", NULL, NULL, inf,
					   2, &h, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "histogram 'h2': bucket bound 1 is not "
				   "finite (+Inf is implied)");
	assert_int_equal(metrics_histogram(reg, "h2", "H.", NULL, NULL, good,
					   0, &h, &e), RC_BAD_INPUT);
	assert_int_equal(metrics_histogram(reg, "h2", "H.", NULL, NULL, NULL,
					   2, &h, &e), RC_BAD_INPUT);
	assert_int_equal(metrics_histogram(reg, "h2", "H.", NULL, NULL, many,
					   METRICS_BOUNDS_MAX + 1, &h, &e),
			 RC_BAD_INPUT);
	assert_string_equal(e.msg, "histogram 'h2' needs 1 to 64 bucket "
				   "bounds, not 65");
	assert_int_equal(metrics_histogram(reg, "h2", "H.", NULL, NULL, many,
					   METRICS_BOUNDS_MAX, &h, &e), RC_OK);

	/* Nothing half-registered is rendered by the failed calls. */
	{
		char *text = render(reg);

		assert_null(strstr(text, "9abc"));
		assert_null(strstr(text, "hx"));
		assert_null(strstr(text, "code"));
		assert_non_null(strstr(text, "# TYPE h2 histogram\n"));
		free(text);
	}
	/* NULL handles are ignored. */
	metrics_counter_inc(NULL);
	metrics_gauge_set(NULL, 1);
	metrics_histogram_observe(NULL, 1);
	assert_int_equal(metrics_counter_value(NULL), 0);
	metrics_free(reg);
}

static void test_histogram_boundaries(void **state)
{
	static const double bounds[] = { 1, 2, 3 };
	struct metrics *reg;
	struct metrics_histogram *h;
	struct err e;

	assert_int_equal(metrics_new(&reg, &e), RC_OK);
	assert_int_equal(metrics_histogram(reg, "b", "Boundaries.", NULL,
					   NULL, bounds, 3, &h, &e), RC_OK);
	metrics_histogram_observe(h, -5);		/* le=1 */
	metrics_histogram_observe(h, 0.999);		/* le=1 */
	metrics_histogram_observe(h, 1);		/* le=1: inclusive */
	metrics_histogram_observe(h, nextafter(1, 2));	/* le=2 */
	metrics_histogram_observe(h, 2);		/* le=2 */
	metrics_histogram_observe(h, 3);		/* le=3 */
	metrics_histogram_observe(h, nextafter(3, 4));	/* +Inf */
	metrics_histogram_observe(h, 1e300);		/* +Inf */
	metrics_histogram_observe(h, NAN);		/* ignored */
	assert_int_equal(metrics_histogram_count(h), 8);
	assert_render(reg,
		"# HELP b Boundaries.\n"
		"# TYPE b histogram\n"
		"b_bucket{le=\"1\"} 3\n"
		"b_bucket{le=\"2\"} 5\n"
		"b_bucket{le=\"3\"} 6\n"
		"b_bucket{le=\"+Inf\"} 8\n"
		"b_sum 1e+300\n"
		"b_count 8\n");
	metrics_histogram_observe(h, INFINITY);
	{
		char *text = render(reg);

		assert_non_null(strstr(text, "b_bucket{le=\"+Inf\"} 9\n"
					     "b_sum +Inf\nb_count 9\n"));
		free(text);
	}
	metrics_free(reg);
}

static void test_latency_bounds(void **state)
{
	struct metrics *reg;
	struct metrics_histogram *h;
	struct err e;
	char *text, *p;
	size_t i, lines = 0;

	assert_true(metrics_latency_bounds[0] == 50e-6);
	assert_true(metrics_latency_bounds[METRICS_LATENCY_NBOUNDS - 1] == 10);
	for (i = 1; i < METRICS_LATENCY_NBOUNDS; i++)
		assert_true(metrics_latency_bounds[i] >
			    metrics_latency_bounds[i - 1]);
	assert_int_equal(metrics_new(&reg, &e), RC_OK);
	assert_int_equal(metrics_histogram(reg, "rq_seconds", "Latency.",
					   NULL, NULL, metrics_latency_bounds,
					   METRICS_LATENCY_NBOUNDS, &h, &e),
			 RC_OK);
	metrics_histogram_observe(h, 0.00005);
	metrics_histogram_observe(h, 0.0003);
	metrics_histogram_observe(h, 10);
	metrics_histogram_observe(h, 11);
	text = render(reg);
	for (p = text; (p = strstr(p, "rq_seconds_bucket{")) != NULL; p++)
		lines++;
	assert_int_equal(lines, METRICS_LATENCY_NBOUNDS + 1);
	assert_non_null(strstr(text, "rq_seconds_bucket{le=\"5e-05\"} 1\n"
				     "rq_seconds_bucket{le=\"0.0001\"} 1\n"
				     "rq_seconds_bucket{le=\"0.00025\"} 1\n"
				     "rq_seconds_bucket{le=\"0.0005\"} 2\n"));
	assert_non_null(strstr(text, "rq_seconds_bucket{le=\"5\"} 2\n"
				     "rq_seconds_bucket{le=\"10\"} 3\n"
				     "rq_seconds_bucket{le=\"+Inf\"} 4\n"));
	free(text);
	metrics_free(reg);
}

/* ---- concurrency -------------------------------------------------------- */

#define THREADS 4
#define ROUNDS 100000

struct worker {
	struct metrics *reg;
	struct metrics_counter *c;
	struct metrics_counter *by_thread;
	struct metrics_gauge *g;
	struct metrics_histogram *h;
	int render;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int i;

	if (w->render) {
		/* Render while the others update: must not crash or race. */
		for (i = 0; i < 200; i++) {
			char *text;
			size_t len;

			if (metrics_render(w->reg, &text, &len, NULL) == RC_OK)
				free(text);
		}
		return NULL;
	}
	for (i = 0; i < ROUNDS; i++) {
		metrics_counter_inc(w->c);
		metrics_counter_add(w->by_thread, 2);
		metrics_gauge_add(w->g, 1.0);
		metrics_histogram_observe(w->h, (i & 1) ? 0.25 : 4.0);
	}
	return NULL;
}

static void test_concurrent_updates(void **state)
{
	static const double bounds[] = { 1 };
	struct worker w[THREADS + 1];
	pthread_t tid[THREADS + 1];
	struct metrics *reg;
	struct metrics_counter *c;
	struct metrics_gauge *g;
	struct metrics_histogram *h;
	struct err e;
	char *text, want[256];
	int i;

	assert_int_equal(metrics_new(&reg, &e), RC_OK);
	assert_int_equal(metrics_counter(reg, "ops_total", "Ops.", NULL, NULL,
					 &c, &e), RC_OK);
	assert_int_equal(metrics_gauge(reg, "level", "Level.", NULL, NULL, &g,
				       &e), RC_OK);
	assert_int_equal(metrics_histogram(reg, "obs", "Obs.", NULL, NULL,
					   bounds, 1, &h, &e), RC_OK);
	for (i = 0; i <= THREADS; i++) {
		char label[8];

		memset(&w[i], 0, sizeof(w[i]));
		w[i].reg = reg;
		w[i].c = c;
		w[i].g = g;
		w[i].h = h;
		w[i].render = i == THREADS;
		label[0] = (char)('0' + i);
		label[1] = '\0';
		assert_int_equal(metrics_counter(reg, "by_thread_total",
						 "Per thread.", "thread",
						 label, &w[i].by_thread, &e),
				 RC_OK);
	}
	for (i = 0; i <= THREADS; i++)
		assert_int_equal(pthread_create(&tid[i], NULL, worker_main,
						&w[i]), 0);
	for (i = 0; i <= THREADS; i++)
		assert_int_equal(pthread_join(tid[i], NULL), 0);

	assert_int_equal(metrics_counter_value(c), THREADS * ROUNDS);
	assert_true(metrics_gauge_value(g) == (double)THREADS * ROUNDS);
	assert_int_equal(metrics_histogram_count(h), THREADS * ROUNDS);
	/* Half 0.25, half 4.0: exact in binary floating point. */
	assert_true(metrics_histogram_sum(h) ==
		    THREADS * (ROUNDS / 2) * 4.25);
	for (i = 0; i < THREADS; i++)
		assert_int_equal(metrics_counter_value(w[i].by_thread),
				 2 * ROUNDS);
	assert_int_equal(metrics_counter_value(w[THREADS].by_thread), 0);

	text = render(reg);
	snprintf(want, sizeof(want), "ops_total %d\n", THREADS * ROUNDS);
	assert_non_null(strstr(text, want));
	snprintf(want, sizeof(want), "obs_bucket{le=\"1\"} %d\n"
		 "obs_bucket{le=\"+Inf\"} %d\nobs_sum %d\nobs_count %d\n",
		 THREADS * ROUNDS / 2, THREADS * ROUNDS,
		 THREADS * (ROUNDS / 2) * 17 / 4, THREADS * ROUNDS);
	assert_non_null(strstr(text, want));
	free(text);
	metrics_free(reg);
}

static void test_now(void **state)
{
	double a = metrics_now(), b = metrics_now();

	assert_true(a > 0);
	assert_true(b >= a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_small_registry),
		cmocka_unit_test(test_escaping_and_numbers),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_histogram_boundaries),
		cmocka_unit_test(test_latency_bounds),
		cmocka_unit_test(test_concurrent_updates),
		cmocka_unit_test(test_now),
	};

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
