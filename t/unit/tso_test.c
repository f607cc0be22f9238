/*
 * tso_test.c -- unit tests for cmd/txcoord/tso.c, the batched tsod client.
 *
 * A fake tsod (libcommon's HTTP server, in this process, on 127.0.0.1:0)
 * answers POST /ts {"count":N} the way tsod does -- {"ts":first,"count":N,
 * "hlc":...} with first above 2^53 -- and counts its rounds and how many
 * of them ever ran at once.  A mode switch makes it misbehave: error
 * answers, malformed replies, a clock that goes back, slowness.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "tso.h"
#include "util.h"

/* Above 2^53: a double would lose the low bits. */
#define FAKE_BASE	117671380389724160ULL

enum fake_mode {
	FAKE_OK,		/* like tsod */
	FAKE_STRING,		/* "ts" as a decimal string */
	FAKE_503,		/* {"error":{"code":"unavailable",...}} */
	FAKE_NO_TS,		/* {"count":N} */
	FAKE_BAD_TS,		/* {"ts":"soon"} */
	FAKE_WRONG_COUNT,	/* count N+1 */
	FAKE_NOT_JSON,		/* 200 text/plain */
	FAKE_BACKWARDS,		/* the same first ts every time */
	FAKE_SLOW		/* sleeps 1.5 s, then answers */
};

static struct http_server *srv;
static char addr[64];
static atomic_int mode;
static atomic_uint_fast64_t next_ts;	/* next timestamp to hand out */
static atomic_int rounds;		/* POST /ts served */
static atomic_int in_flight, max_in_flight;
static atomic_int delay_us;		/* per round, so batches form */

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000L };

	nanosleep(&ts, NULL);
}

static void h_ts(const struct http_req *req, struct http_resp *resp,
		 void *arg)
{
	json_int_t n = json_integer_value(json_object_get(req->json, "count"));
	int now = atomic_fetch_add(&in_flight, 1) + 1, m;
	uint64_t first;
	char txt[64];

	m = atomic_load(&max_in_flight);
	while (now > m && !atomic_compare_exchange_weak(&max_in_flight, &m,
							now))
		;
	atomic_fetch_add(&rounds, 1);
	if (atomic_load(&delay_us) > 0)
		sleep_us(atomic_load(&delay_us));
	if (n < 1) {
		atomic_fetch_sub(&in_flight, 1);
		http_resp_error(resp, RC_BAD_INPUT, "field 'count' must be "
				"from 1 to 65536");
		return;
	}
	first = atomic_fetch_add(&next_ts, (uint64_t)n);
	switch (atomic_load(&mode)) {
	case FAKE_OK:
		http_resp_json(resp, 200, json_pack("{s:I,s:I,s:s}", "ts",
			       (json_int_t)first, "count", n, "hlc", "x"));
		break;
	case FAKE_STRING:
		snprintf(txt, sizeof(txt), "%llu", (unsigned long long)first);
		http_resp_json(resp, 200, json_pack("{s:s,s:I}", "ts", txt,
						    "count", n));
		break;
	case FAKE_503:
		http_resp_error(resp, RC_UNAVAILABLE, "cannot persist the "
				"window: disk full");
		break;
	case FAKE_NO_TS:
		http_resp_json(resp, 200, json_pack("{s:I}", "count", n));
		break;
	case FAKE_BAD_TS:
		http_resp_json(resp, 200, json_pack("{s:s,s:I}", "ts", "soon",
						    "count", n));
		break;
	case FAKE_WRONG_COUNT:
		http_resp_json(resp, 200, json_pack("{s:I,s:I}", "ts",
			       (json_int_t)first, "count", n + 1));
		break;
	case FAKE_NOT_JSON:
		http_resp_text(resp, 200, "text/plain", "hello", 5);
		break;
	case FAKE_BACKWARDS:
		http_resp_json(resp, 200, json_pack("{s:I,s:I}", "ts",
			       (json_int_t)FAKE_BASE, "count", n));
		break;
	case FAKE_SLOW:
		sleep_us(1500000);
		http_resp_json(resp, 200, json_pack("{s:I,s:I}", "ts",
			       (json_int_t)first, "count", n));
		break;
	}
	atomic_fetch_sub(&in_flight, 1);
}

static int setup(void **state)
{
	struct http_server_opts o = { .listen = "127.0.0.1:0", .threads = 4 };
	struct err e;

	atomic_store(&mode, FAKE_OK);
	atomic_store(&next_ts, FAKE_BASE + 1);
	atomic_store(&rounds, 0);
	atomic_store(&in_flight, 0);
	atomic_store(&max_in_flight, 0);
	atomic_store(&delay_us, 0);
	if (http_server_new(&srv, &e) != RC_OK ||
	    http_server_route(srv, "POST", "/ts", HTTP_JSON_BODY, 4096, h_ts,
			      NULL, &e) != RC_OK ||
	    http_server_start(srv, &o, &e) != RC_OK) {
		fprintf(stderr, "fake tsod: %s\n", e.msg);
		return -1;
	}
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", http_server_port(srv));
	return 0;
}

static int teardown(void **state)
{
	http_server_free(srv);
	srv = NULL;
	return 0;
}

/* One timestamp, read exactly although it is above 2^53. */
static void test_one(void **state)
{
	struct tso *t;
	uint64_t ts = 0, req = 9, rnd = 9;
	struct err e;

	assert_int_equal(tso_new(&t, addr, &e), RC_OK);
	assert_string_equal(tso_addr(t), addr);
	tso_stats(t, &req, &rnd);
	assert_int_equal(req, 0);
	assert_int_equal(rnd, 0);
	assert_int_equal(tso_get(t, &ts, &e), RC_OK);
	assert_true(ts == FAKE_BASE + 1);
	assert_int_equal(tso_get(t, &ts, &e), RC_OK);
	assert_true(ts == FAKE_BASE + 2);
	tso_stats(t, &req, &rnd);
	assert_int_equal(req, 2);
	assert_int_equal(rnd, 2);
	assert_int_equal(atomic_load(&rounds), 2);
	tso_free(t);
}

/* "ts" as a decimal string is read exactly too. */
static void test_string_ts(void **state)
{
	struct tso *t;
	uint64_t ts = 0;
	struct err e;

	atomic_store(&mode, FAKE_STRING);
	atomic_store(&next_ts, UINT64_MAX - 100);	/* beyond int64 */
	assert_int_equal(tso_new(&t, addr, &e), RC_OK);
	assert_int_equal(tso_get(t, &ts, &e), RC_OK);
	assert_true(ts == UINT64_MAX - 100);
	tso_free(t);
}

#define N_THREADS	32
#define N_CALLS		100

struct worker {
	struct tso *t;
	uint64_t ts[N_CALLS];
	int failures;
	int not_increasing;
	struct err err;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < N_CALLS; i++) {
		if (tso_get(w->t, &w->ts[i], &w->err) != RC_OK) {
			w->failures++;
			continue;
		}
		/* a call that starts after one returned gets a larger ts */
		if (i > 0 && w->ts[i] <= w->ts[i - 1])
			w->not_increasing++;
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* 32 threads x 100 calls: far fewer rounds, one at a time, all distinct. */
static void test_batching(void **state)
{
	static struct worker w[N_THREADS];
	static uint64_t all[N_THREADS * N_CALLS];
	pthread_t th[N_THREADS];
	uint64_t req = 0, rnd = 0;
	struct tso *t;
	struct err e;
	size_t n = 0;

	atomic_store(&delay_us, 200);	/* a round trip of 0.2 ms or more */
	assert_int_equal(tso_new(&t, addr, &e), RC_OK);
	for (int i = 0; i < N_THREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].t = t;
		assert_int_equal(pthread_create(&th[i], NULL, worker_main,
						&w[i]), 0);
	}
	for (int i = 0; i < N_THREADS; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < N_THREADS; i++) {
		if (w[i].failures)
			fprintf(stderr, "worker %d: %s\n", i, w[i].err.msg);
		assert_int_equal(w[i].failures, 0);
		assert_int_equal(w[i].not_increasing, 0);
		for (int k = 0; k < N_CALLS; k++)
			all[n++] = w[i].ts[k];
	}
	qsort(all, n, sizeof(all[0]), cmp_u64);
	for (size_t i = 1; i < n; i++)
		assert_true(all[i] > all[i - 1]);
	assert_true(all[0] > FAKE_BASE);
	assert_true(all[n - 1] < atomic_load(&next_ts));
	tso_stats(t, &req, &rnd);
	assert_int_equal(req, N_THREADS * N_CALLS);
	assert_int_equal(rnd, (uint64_t)atomic_load(&rounds));
	/* batching really happened: at least 4 callers per round on average */
	fprintf(stderr, "# %d calls in %llu rounds\n", N_THREADS * N_CALLS,
		(unsigned long long)rnd);
	assert_true(rnd * 4 <= N_THREADS * N_CALLS);
	assert_int_equal(atomic_load(&max_in_flight), 1);
	tso_free(t);
}

/* A port nobody listens on. */
static void dead_addr(char *out, size_t cap)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	snprintf(out, cap, "127.0.0.1:%u", ntohs(sa.sin_port));
	close(fd);
}

struct down_worker {
	struct tso *t;
	int rc;
	struct err err;
};

static void *down_main(void *arg)
{
	struct down_worker *w = arg;
	uint64_t ts;

	w->rc = tso_get(w->t, &ts, &w->err);
	return NULL;
}

/* tsod down: every waiting caller gets the error, naming the address. */
static void test_down(void **state)
{
	struct down_worker w[8];
	pthread_t th[8];
	char dead[64];
	struct tso *t;
	uint64_t t0, ts = 1;
	struct err e;

	dead_addr(dead, sizeof(dead));
	assert_int_equal(tso_new(&t, dead, &e), RC_OK);
	t0 = util_mono_ms();
	for (int i = 0; i < 8; i++) {
		w[i].t = t;
		w[i].rc = -1;
		assert_int_equal(pthread_create(&th[i], NULL, down_main,
						&w[i]), 0);
	}
	for (int i = 0; i < 8; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(w[i].rc, RC_UNAVAILABLE);
		assert_non_null(strstr(w[i].err.msg, dead));
		assert_non_null(strstr(w[i].err.msg, "tsod"));
	}
	assert_true(util_mono_ms() - t0 < 2000);
	assert_int_equal(tso_get(t, &ts, &e), RC_UNAVAILABLE);
	assert_true(ts == 0);
	assert_non_null(strstr(e.msg, dead));
	tso_free(t);
}

/* tsod refuses: RC_UNAVAILABLE with its message; then it recovers. */
static void test_refusal(void **state)
{
	struct tso *t;
	uint64_t ts = 0;
	struct err e;

	atomic_store(&mode, FAKE_503);
	assert_int_equal(tso_new(&t, addr, &e), RC_OK);
	assert_int_equal(tso_get(t, &ts, &e), RC_UNAVAILABLE);
	assert_non_null(strstr(e.msg, "disk full"));
	assert_non_null(strstr(e.msg, addr));
	atomic_store(&mode, FAKE_OK);
	assert_int_equal(tso_get(t, &ts, &e), RC_OK);
	assert_true(ts > FAKE_BASE);
	tso_free(t);
}

/* Malformed replies: RC_CORRUPT naming tsod's address. */
static void test_bad_replies(void **state)
{
	static const int modes[] = {
		FAKE_NO_TS, FAKE_BAD_TS, FAKE_WRONG_COUNT, FAKE_NOT_JSON
	};
	struct tso *t;
	uint64_t ts;
	struct err e;

	assert_int_equal(tso_new(&t, addr, &e), RC_OK);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		atomic_store(&mode, modes[i]);
		ts = 7;
		err_clear(&e);
		assert_int_equal(tso_get(t, &ts, &e), RC_CORRUPT);
		assert_true(ts == 0);
		assert_non_null(strstr(e.msg, addr));
	}
	tso_free(t);
}

/* A tsod that goes back in time is refused. */
static void test_backwards(void **state)
{
	struct tso *t;
	uint64_t ts = 0;
	struct err e;

	atomic_store(&mode, FAKE_BACKWARDS);
	assert_int_equal(tso_new(&t, addr, &e), RC_OK);
	assert_int_equal(tso_get(t, &ts, &e), RC_OK);
	assert_true(ts == FAKE_BASE);
	assert_int_equal(tso_get(t, &ts, &e), RC_CORRUPT);
	assert_non_null(strstr(e.msg, "backwards"));
	tso_free(t);
}

/* A tsod that does not answer: every caller gives up at its deadline. */
static void test_deadline(void **state)
{
	struct down_worker w[4];
	pthread_t th[4];
	struct tso *t;
	uint64_t t0, took;
	struct err e;

	atomic_store(&mode, FAKE_SLOW);
	assert_int_equal(tso_new(&t, addr, &e), RC_OK);
	tso_set_deadline(t, 300);
	t0 = util_mono_ms();
	for (int i = 0; i < 4; i++) {
		w[i].t = t;
		w[i].rc = -1;
		assert_int_equal(pthread_create(&th[i], NULL, down_main,
						&w[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	took = util_mono_ms() - t0;
	for (int i = 0; i < 4; i++) {
		assert_int_equal(w[i].rc, RC_TIMEOUT);
		assert_non_null(strstr(w[i].err.msg, addr));
	}
	assert_true(took >= 290);
	assert_true(took < 1200);
	/* freeing cuts the round still out short */
	t0 = util_mono_ms();
	tso_free(t);
	assert_true(util_mono_ms() - t0 < 1400);
}

static void test_bad_new(void **state)
{
	struct tso *t = (struct tso *)1;
	struct err e;

	assert_int_equal(tso_new(&t, "", &e), RC_BAD_INPUT);
	assert_null(t);
	assert_non_null(strstr(e.msg, "--tsod"));
	tso_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one, setup, teardown),
		cmocka_unit_test_setup_teardown(test_string_ts, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_batching, setup,
						teardown),
		cmocka_unit_test(test_down),
		cmocka_unit_test_setup_teardown(test_refusal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_replies, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_backwards, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_deadline, setup,
						teardown),
		cmocka_unit_test(test_bad_new),
	};

	log_open("tso_test", LOG_LEVEL_OFF);
	return cmocka_run_group_tests_name("tso", tests, NULL, NULL);
}
