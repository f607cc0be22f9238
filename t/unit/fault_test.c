/*
 * fault_test.c -- unit tests for injected faults (fault.c) and their admin
 * endpoint (faultapi.c, through a real HTTP server on a loopback port):
 * each kind set, queried, replaced, cleared, healed and expired; the
 * skewed clock; bounds; authentication; malformed requests.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "fault.h"
#include "faultapi.h"
#include "http.h"
#include "util.h"

#define SECRET "0123456789abcdef-test"

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int reset(void **state)
{
	(void)state;
	fault_heal();
	return 0;
}

static void test_partition(void **state)
{
	uint64_t out[] = { 2, 3 }, in[] = { 3 };
	struct err e;

	(void)state;
	assert_false(fault_drop_to(2));
	assert_int_equal(fault_partition(out, 2, in, 1, 10000, &e), RC_OK);
	assert_true(fault_drop_to(2));
	assert_true(fault_drop_to(3));
	assert_false(fault_drop_to(1));
	assert_true(fault_drop_from(3));
	assert_false(fault_drop_from(2));	/* one-way from 2 */
	/* a new partition replaces the old one */
	assert_int_equal(fault_partition(in, 1, NULL, 0, 10000, &e), RC_OK);
	assert_false(fault_drop_to(2));
	assert_true(fault_drop_to(3));
	assert_false(fault_drop_from(3));
	fault_clear(FAULT_PARTITION);
	assert_false(fault_drop_to(3));
	/* bad ones change nothing */
	assert_int_equal(fault_partition(NULL, 0, NULL, 0, 1000, &e),
			 RC_BAD_INPUT);
	assert_non_null(strstr(e.msg, "heal"));
	out[0] = 0;
	assert_int_equal(fault_partition(out, 2, NULL, 0, 1000, &e),
			 RC_BAD_INPUT);
	out[0] = 2;
	assert_int_equal(fault_partition(out, 2, NULL, 0, 0, &e),
			 RC_BAD_INPUT);
	assert_int_equal(fault_partition(out, 2, NULL, 0,
					 FAULT_TTL_MAX_MS + 1, &e),
			 RC_BAD_INPUT);
	assert_int_equal(fault_partition(out, FAULT_MAX_PEERS + 1, NULL, 0,
					 1000, &e), RC_BAD_INPUT);
	assert_false(fault_drop_to(2));
}

static void test_expiry_and_heal(void **state)
{
	uint64_t p[] = { 5 };
	json_t *j;

	(void)state;
	assert_int_equal(fault_partition(p, 1, p, 1, 60, NULL), RC_OK);
	assert_int_equal(fault_slow_disk(7, 60000, NULL), RC_OK);
	assert_int_equal(fault_slow_net(9, 60000, NULL), RC_OK);
	assert_int_equal(fault_skew(-1500, 60000, NULL), RC_OK);
	assert_true(fault_drop_to(5));
	j = fault_status_json();
	assert_non_null(j);
	assert_int_equal(json_array_size(j), 4);
	json_decref(j);
	nap_ms(120);
	/* the partition ran out by itself; the rest is still there */
	assert_false(fault_drop_to(5));
	assert_false(fault_drop_from(5));
	j = fault_status_json();
	assert_int_equal(json_array_size(j), 3);
	json_decref(j);
	assert_int_equal(fault_disk_delay_ms(), 7);
	assert_int_equal(fault_net_delay_ms(), 9);
	assert_int_equal(fault_skew_ms(), -1500);
	fault_heal();
	assert_int_equal(fault_disk_delay_ms(), 0);
	assert_int_equal(fault_net_delay_ms(), 0);
	assert_int_equal(fault_skew_ms(), 0);
	j = fault_status_json();
	assert_int_equal(json_array_size(j), 0);
	json_decref(j);
}

static void test_skew_and_delays(void **state)
{
	uint64_t t0, t1, w;
	struct err e;

	(void)state;
	w = util_wall_ms();
	t0 = fault_wall_ms(NULL);
	assert_true(t0 >= w && t0 - w < 1000);
	assert_int_equal(fault_skew(5000, 60000, &e), RC_OK);
	t1 = fault_wall_ms(NULL);
	assert_true(t1 >= w + 5000 && t1 < w + 6000);
	assert_int_equal(fault_skew(FAULT_SKEW_MAX_MS + 1, 1000, &e),
			 RC_BAD_INPUT);
	assert_int_equal(fault_skew_ms(), 5000);	/* unchanged */
	/* the delays are slept */
	assert_int_equal(fault_slow_disk(30, 60000, &e), RC_OK);
	t0 = util_mono_ms();
	fault_disk_wait();
	assert_true(util_mono_ms() - t0 >= 29);
	assert_int_equal(fault_slow_net(0, 60000, &e), RC_BAD_INPUT);
	assert_int_equal(fault_slow_net(FAULT_DELAY_MAX_MS + 1, 60000, &e),
			 RC_BAD_INPUT);
	t0 = util_mono_ms();
	fault_net_wait();	/* none set */
	assert_true(util_mono_ms() - t0 < 20);
	assert_int_equal(fault_kind_parse("slow-net"), FAULT_SLOW_NET);
	assert_int_equal(fault_kind_parse("nope"), -1);
	assert_string_equal(fault_kind_name(FAULT_SKEW), "skew");
}

static void test_parse_offset(void **state)
{
	int64_t v;

	(void)state;
	assert_int_equal(faultapi_parse_offset("+5s", &v), 0);
	assert_int_equal(v, 5000);
	assert_int_equal(faultapi_parse_offset("-250ms", &v), 0);
	assert_int_equal(v, -250);
	assert_int_equal(faultapi_parse_offset("1m30s", &v), 0);
	assert_int_equal(v, 90000);
	assert_int_equal(faultapi_parse_offset("5", &v), -1);
	assert_int_equal(faultapi_parse_offset("+", &v), -1);
	assert_int_equal(faultapi_parse_offset("--5s", &v), -1);
}

/* ---- the endpoint ------------------------------------------------------- */

static struct http_server *srv;
static char base[64];

static int start(const char *secret)
{
	struct http_server_opts o;
	struct err e;

	memset(&o, 0, sizeof(o));
	o.listen = "127.0.0.1:0";
	o.max_body = 4096;
	if (http_server_new(&srv, &e) != RC_OK ||
	    faultapi_register(srv, secret, &e) != RC_OK ||
	    http_server_start(srv, &o, &e) != RC_OK) {
		fprintf(stderr, "server: %s\n", e.msg);
		return -1;
	}
	snprintf(base, sizeof(base), "127.0.0.1:%u", http_server_port(srv));
	return 0;
}

static int setup_api(void **state)
{
	(void)state;
	fault_heal();
	return start(SECRET);
}

static int teardown_api(void **state)
{
	(void)state;
	http_server_free(srv);
	srv = NULL;
	fault_heal();
	return 0;
}

/* One request; returns the status, *body the reply (parsed). */
static int call(const char *auth, const char *method, const char *path,
		const char *body, json_t **reply)
{
	struct http_client *c;
	struct err e;
	char *r = NULL;
	size_t rlen = 0;
	int status = 0;

	assert_int_equal(http_client_new(&c, base, NULL, &e), RC_OK);
	if (auth != NULL)
		assert_int_equal(http_client_add_header(c, "Authorization",
							auth, &e), RC_OK);
	assert_int_equal(http_client_do(c, method, path,
					body ? "application/json" : NULL,
					body, body ? strlen(body) : 0,
					&status, &r, &rlen, &e), RC_OK);
	*reply = json_loadb(r, rlen, 0, NULL);
	assert_non_null(*reply);
	free(r);
	http_client_free(c);
	return status;
}

static const char *code_of(const json_t *j)
{
	return json_string_value(json_object_get(json_object_get(j, "error"),
						 "code"));
}

static void test_api(void **state)
{
	const char *ok = "Bearer " SECRET;
	json_t *j;

	(void)state;
	/* authentication */
	assert_int_equal(call(NULL, "GET", "/admin/fault", NULL, &j), 403);
	assert_string_equal(code_of(j), "denied");
	json_decref(j);
	assert_int_equal(call("Bearer nope", "POST", "/admin/fault",
			      "{\"kind\":\"skew\",\"offset\":\"+5s\"}", &j),
			 403);
	json_decref(j);
	assert_int_equal(fault_skew_ms(), 0);
	assert_int_equal(call("Bearer " SECRET "x", "GET", "/admin/fault",
			      NULL, &j), 403);
	json_decref(j);
	/* every kind */
	assert_int_equal(call(ok, "POST", "/admin/fault",
			      "{\"kind\":\"partition\",\"drop_out\":[2,3],"
			      "\"drop_in\":[3],\"ttl\":\"30s\"}", &j), 200);
	assert_int_equal(json_array_size(json_object_get(j, "faults")), 1);
	json_decref(j);
	assert_true(fault_drop_to(2) && fault_drop_from(3));
	assert_int_equal(call(ok, "POST", "/admin/fault",
			      "{\"kind\":\"skew\",\"offset\":\"-2s\"}", &j),
			 200);
	json_decref(j);
	assert_int_equal(fault_skew_ms(), -2000);
	assert_int_equal(call(ok, "POST", "/admin/fault",
			      "{\"kind\":\"slow-disk\",\"delay\":\"200ms\"}",
			      &j), 200);
	json_decref(j);
	assert_int_equal(call(ok, "POST", "/admin/fault",
			      "{\"kind\":\"slow-net\",\"delay\":\"50ms\","
			      "\"ttl\":\"5m\"}", &j), 200);
	json_decref(j);
	assert_int_equal(fault_disk_delay_ms(), 200);
	assert_int_equal(fault_net_delay_ms(), 50);
	assert_int_equal(call(ok, "GET", "/admin/fault", NULL, &j), 200);
	assert_int_equal(json_array_size(json_object_get(j, "faults")), 4);
	json_decref(j);
	/* bad requests change nothing */
	{
		static const char *const bad[] = {
			"{\"kind\":\"flood\"}",
			"{\"kind\":\"skew\"}",
			"{\"kind\":\"skew\",\"offset\":\"5\"}",
			"{\"kind\":\"skew\",\"offset\":\"+1s\",\"ttl\":\"2h\"}",
			"{\"kind\":\"skew\",\"offset\":\"+1s\",\"ttl\":5}",
			"{\"kind\":\"slow-net\",\"delay\":\"0ms\"}",
			"{\"kind\":\"slow-net\"}",
			"{\"kind\":\"slow-net\",\"delay\":\"1s\",\"dely\":1}",
			"{\"kind\":\"partition\"}",
			"{\"kind\":\"partition\",\"drop_out\":[0]}",
			"{\"kind\":\"partition\",\"drop_out\":\"2\"}",
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			if (call(ok, "POST", "/admin/fault", bad[i], &j) !=
			    400) {
				print_error("accepted: %s\n", bad[i]);
				fail();
			}
			assert_string_equal(code_of(j), "bad_input");
			json_decref(j);
		}
	}
	assert_int_equal(fault_skew_ms(), -2000);
	assert_int_equal(fault_net_delay_ms(), 50);
	assert_true(fault_drop_to(3));
	/* heal one kind, then all */
	assert_int_equal(call(ok, "DELETE", "/admin/fault?kind=skew", NULL,
			      &j), 200);
	json_decref(j);
	assert_int_equal(fault_skew_ms(), 0);
	assert_int_equal(fault_net_delay_ms(), 50);
	assert_int_equal(call(ok, "DELETE", "/admin/fault?kind=flood", NULL,
			      &j), 400);
	json_decref(j);
	assert_int_equal(call(ok, "DELETE", "/admin/fault", NULL, &j), 200);
	assert_int_equal(json_array_size(json_object_get(j, "faults")), 0);
	json_decref(j);
	assert_false(fault_drop_to(3));
	assert_int_equal(fault_net_delay_ms(), 0);
}

/* A process refuses the kinds it does not enforce, and says what it takes. */
static void test_api_kinds(void **state)
{
	const char *ok = "Bearer " SECRET;
	const char *msg;
	json_t *j;

	(void)state;
	faultapi_set_kinds("txcoord", 1u << FAULT_SLOW_NET);
	assert_int_equal(call(ok, "POST", "/admin/fault",
			      "{\"kind\":\"partition\",\"drop_out\":[2]}",
			      &j), 400);
	msg = json_string_value(json_object_get(json_object_get(j, "error"),
						"message"));
	assert_non_null(msg);
	assert_non_null(strstr(msg, "txcoord does not enforce partition"));
	assert_non_null(strstr(msg, "it takes: slow-net)"));
	json_decref(j);
	assert_false(fault_drop_to(2));
	assert_int_equal(call(ok, "POST", "/admin/fault",
			      "{\"kind\":\"skew\",\"offset\":\"+1s\"}", &j),
			 400);
	json_decref(j);
	assert_int_equal(fault_skew_ms(), 0);
	/* what it takes still works; heal too */
	assert_int_equal(call(ok, "POST", "/admin/fault",
			      "{\"kind\":\"slow-net\",\"delay\":\"5ms\"}",
			      &j), 200);
	json_decref(j);
	assert_int_equal(fault_net_delay_ms(), 5);
	assert_int_equal(call(ok, "DELETE", "/admin/fault", NULL, &j), 200);
	json_decref(j);
	faultapi_set_kinds("raftd", (1u << FAULT_NKINDS) - 1);
}

static void test_api_off(void **state)
{
	json_t *j;
	struct http_server *s2;
	struct err e;

	(void)state;
	http_server_free(srv);
	assert_int_equal(start(NULL), 0);
	assert_int_equal(call("Bearer " SECRET, "GET", "/admin/fault", NULL,
			      &j), 403);
	assert_non_null(strstr(json_string_value(json_object_get(
		json_object_get(j, "error"), "message")), "no [cluster] "
		"secret"));
	json_decref(j);
	/* a secret too short to mean anything is refused at start */
	assert_int_equal(http_server_new(&s2, &e), RC_OK);
	assert_int_equal(faultapi_register(s2, "short", &e), RC_BAD_INPUT);
	assert_non_null(strstr(e.msg, "too short"));
	http_server_free(s2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_partition, reset, reset),
		cmocka_unit_test_setup_teardown(test_expiry_and_heal, reset,
						reset),
		cmocka_unit_test_setup_teardown(test_skew_and_delays, reset,
						reset),
		cmocka_unit_test(test_parse_offset),
		cmocka_unit_test_setup_teardown(test_api, setup_api,
						teardown_api),
		cmocka_unit_test_setup_teardown(test_api_kinds, setup_api,
						teardown_api),
		cmocka_unit_test_setup_teardown(test_api_off, setup_api,
						teardown_api),
	};

	return cmocka_run_group_tests_name("fault", tests, NULL, NULL);
}
