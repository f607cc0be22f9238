/*
 * oracle_test.c -- unit tests for tsod's oracle (cmd/tsod/oracle.c) with an
 * injected wall clock: the window is persisted before use, a restart
 * resumes above it even with the clock set back, requests that outrun the
 * window wait for a synchronous extension, the background step extends
 * early, a corrupt window file is refused, and concurrent reservations
 * never overlap.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hlc.h"
#include "oracle.h"
#include "util.h"

/* 2026-11-24, so that "an hour back" stays a real time */
#define BASE_MS 1795500000000ULL

static char dir[64];
static _Atomic uint64_t fake_ms;

static uint64_t fake_clock(void *arg)
{
	(void)arg;
	return atomic_load(&fake_ms);
}

static int setup(void **state)
{
	(void)state;
	atomic_store(&fake_ms, BASE_MS);
	snprintf(dir, sizeof(dir), "/tmp/oracle_test.XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct oracle *open_oracle(uint64_t window_ms)
{
	struct oracle_opts o = { .dir = dir, .window_ms = window_ms,
				 .clock = fake_clock, .background = 0 };
	struct oracle *orc = NULL;
	struct err e;

	if (oracle_open(&orc, &o, &e) != RC_OK)
		fail_msg("oracle_open: %s", e.msg);
	return orc;
}

static uint64_t file_window(void)
{
	char path[128], *text = NULL;
	uint64_t end = 0;
	const char *p;

	snprintf(path, sizeof(path), "%s/" ORACLE_WINDOW_FILE, dir);
	assert_int_equal(util_read_file(path, 4096, &text, NULL, NULL), RC_OK);
	p = strstr(text, "end=");
	assert_non_null(p);
	end = strtoull(p + 4, NULL, 10);
	free(text);
	return end;
}

static void test_window_persisted_before_use(void **state)
{
	struct oracle *o = open_oracle(3000);
	struct oracle_status st;
	uint64_t first;

	(void)state;
	assert_int_equal(oracle_reserve(o, 10, &first, NULL), RC_OK);
	assert_int_equal(first, hlc_make(BASE_MS, 0));
	oracle_get_status(o, &st);
	assert_int_equal(st.window_end, hlc_make(BASE_MS + 3000, 0));
	assert_int_equal(file_window(), st.window_end);
	assert_true(first + 9 < file_window());
	assert_int_equal(st.issued, 10);
	oracle_close(o);
}

static void test_restart_with_clock_set_back(void **state)
{
	struct oracle *o = open_oracle(3000);
	struct oracle_status st;
	uint64_t first, last = 0, window;
	int i;

	(void)state;
	for (i = 0; i < 100; i++) {
		assert_int_equal(oracle_reserve(o, 1000, &first, NULL), RC_OK);
		last = first + 999;
	}
	window = file_window();
	oracle_close(o);		/* as good as a kill -9: no final write */

	atomic_store(&fake_ms, BASE_MS - 3600 * 1000);	/* an hour back */
	o = open_oracle(3000);
	oracle_get_status(o, &st);
	assert_int_equal(st.resumed_from, window);
	assert_int_equal(oracle_reserve(o, 1, &first, NULL), RC_OK);
	assert_true(first > last);
	assert_true(first > window);
	/* and the new window was written above the old one */
	assert_true(file_window() > window);
	oracle_close(o);
}

static void test_outrunning_window_extends_synchronously(void **state)
{
	struct oracle *o = open_oracle(100);
	struct oracle_status st;
	uint64_t first = 0, prev = 0;
	int i;

	(void)state;
	/* The clock stands still; 100 ms of window is 6.5M timestamps. */
	for (i = 0; i < 200; i++) {
		assert_int_equal(oracle_reserve(o, 65536, &first, NULL),
				 RC_OK);
		assert_true(first > prev);
		prev = first;
		/* never above what is on disk */
		assert_true(first + 65535 <= file_window());
	}
	oracle_get_status(o, &st);
	assert_true(st.sync_extensions > 0);
	oracle_close(o);
}

static void test_tick_extends_early(void **state)
{
	struct oracle *o = open_oracle(3000);
	struct oracle_status a, b;

	(void)state;
	oracle_get_status(o, &a);
	assert_int_equal(oracle_tick(o, NULL), RC_OK);
	oracle_get_status(o, &b);
	assert_int_equal(b.persists, a.persists);	/* still 3 s ahead */
	atomic_store(&fake_ms, BASE_MS + 1500);		/* 1.5 s left */
	assert_int_equal(oracle_tick(o, NULL), RC_OK);
	oracle_get_status(o, &b);
	assert_int_equal(b.persists, a.persists + 1);
	assert_int_equal(b.window_end, hlc_make(BASE_MS + 1500 + 3000, 0));
	assert_int_equal(b.sync_extensions, 0);
	oracle_close(o);
}

static void write_window(const char *text)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/" ORACLE_WINDOW_FILE, dir);
	assert_int_equal(util_write_file_atomic(path, text, strlen(text),
						NULL), RC_OK);
}

static void test_corrupt_window_refused(void **state)
{
	const char *bad[] = {
		"garbage\n",
		"rangedb tsod window v1\nend=\n",
		"rangedb tsod window v1\nend=12x\n",
		"rangedb tsod window v1\nend=0\n",
		"rangedb tsod window v1\nend=5\nextra\n",
		"rangedb tsod window v1\nend=5",
		"",
	};
	struct oracle_opts oo = { .dir = dir, .clock = fake_clock };
	struct oracle *o = NULL;
	struct err e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_window(bad[i]);
		assert_int_equal(oracle_open(&o, &oo, &e), RC_CORRUPT);
		assert_non_null(strstr(e.msg, "is corrupt"));
	}
	/* a good one far in the future is honoured, not "fixed" */
	write_window("rangedb tsod window v1\nend=9000000000000000000\n");
	assert_int_equal(oracle_open(&o, &oo, &e), RC_OK);
	{
		uint64_t first;

		assert_int_equal(oracle_reserve(o, 1, &first, NULL), RC_OK);
		assert_true(first > 9000000000000000000ULL);
	}
	oracle_close(o);
}

static void test_unwritable_dir(void **state)
{
	struct oracle_opts oo = { .dir = "/nonexistent/rangedb/dir",
				  .clock = fake_clock };
	struct oracle *o = NULL;
	struct err e;

	(void)state;
	assert_int_equal(oracle_open(&o, &oo, &e), RC_IO);
	assert_non_null(strstr(e.msg, "cannot persist the timestamp window"));
}

#define THREADS 4
#define PER_THREAD 5000

struct worker {
	struct oracle *o;
	uint64_t got[PER_THREAD];
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	int i;

	for (i = 0; i < PER_THREAD; i++) {
		if (oracle_reserve(w->o, 3, &w->got[i], NULL) != RC_OK)
			w->got[i] = 0;
		if (i % 500 == 0)
			atomic_fetch_add(&fake_ms, 1);
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void test_concurrent_reservations_disjoint(void **state)
{
	static struct worker w[THREADS];
	static uint64_t all[THREADS * PER_THREAD];
	pthread_t th[THREADS];
	struct oracle *o = open_oracle(200);
	int i, j;

	(void)state;
	for (i = 0; i < THREADS; i++) {
		w[i].o = o;
		assert_int_equal(pthread_create(&th[i], NULL, worker_run, &w[i]),
				 0);
	}
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < THREADS; i++)
		for (j = 0; j < PER_THREAD; j++) {
			assert_true(w[i].got[j] != 0);
			if (j > 0)
				assert_true(w[i].got[j] > w[i].got[j - 1]);
			all[i * PER_THREAD + j] = w[i].got[j];
		}
	qsort(all, THREADS * PER_THREAD, sizeof(all[0]), cmp_u64);
	for (i = 1; i < THREADS * PER_THREAD; i++)
		assert_true(all[i] >= all[i - 1] + 3);	/* batches of 3 */
	assert_true(all[THREADS * PER_THREAD - 1] + 2 <= file_window());
	oracle_close(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_window_persisted_before_use,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_with_clock_set_back,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_outrunning_window_extends_synchronously, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_tick_extends_early, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_window_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_unwritable_dir, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_concurrent_reservations_disjoint, setup, teardown),
	};

	return cmocka_run_group_tests_name("oracle", tests, NULL, NULL);
}
