/*
 * api.c -- tsod's HTTP/JSON endpoints (see api.h).
 */
#include "api.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hlc.h"
#include "fault.h"
#include "faultapi.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

struct tsod_api {
	struct oracle *oracle;
	struct http_server *http;
	uint64_t max_count;
	uint64_t started_ms;	/* monotonic */
	const char *version;

	struct metrics *reg;
	struct metrics_counter *req_ok;
	struct metrics_counter *req_bad;
	struct metrics_counter *req_fail;
	struct metrics_counter *issued;
	struct metrics_counter *persists;
	struct metrics_counter *sync_ext;
	struct metrics_gauge *ahead;
	struct metrics_gauge *uptime;
	struct metrics_histogram *latency;
	pthread_mutex_t render_mu;	/* guards the *_seen deltas */
	uint64_t persists_seen;
	uint64_t sync_ext_seen;
};

/* Validate the request and decide how many timestamps it wants. */
static int ts_count(const struct tsod_api *a, const struct http_req *req,
		    uint64_t *count, struct err *e)
{
	if (strcmp(req->method, "GET") == 0) {
		const char *q = http_req_query(req, "count");

		if (q == NULL) {
			*count = 1;
			return RC_OK;
		}
		return util_parse_u64(q, 1, a->max_count, count, "count", e);
	}
	/* POST: a JSON object whose only field is "count". */
	{
		const char *key;
		json_t *val;
		json_int_t n;

		json_object_foreach(req->json, key, val) {
			if (strcmp(key, "count") != 0)
				return err_set(e, RC_BAD_INPUT,
					       "unknown field '%s' (the only "
					       "field is 'count')", key);
		}
		val = json_object_get(req->json, "count");
		if (val == NULL)
			return err_set(e, RC_BAD_INPUT,
				       "missing field 'count' (send "
				       "{\"count\": N} with N from 1 to %"
				       PRIu64 ")", a->max_count);
		if (!json_is_integer(val))
			return err_set(e, RC_BAD_INPUT,
				       "field 'count' must be an integer from "
				       "1 to %" PRIu64, a->max_count);
		n = json_integer_value(val);
		if (n < 1 || (uint64_t)n > a->max_count)
			return err_set(e, RC_BAD_INPUT,
				       "field 'count' must be from 1 to %"
				       PRIu64 ", got %" JSON_INTEGER_FORMAT,
				       a->max_count, n);
		*count = (uint64_t)n;
		return RC_OK;
	}
}

static void handle_ts(const struct http_req *req, struct http_resp *resp,
		      void *arg)
{
	struct tsod_api *a = arg;
	uint64_t t0 = util_mono_ns(), count = 0, first = 0;
	char txt[HLC_TEXT_MAX];
	struct err e;
	json_t *j;
	int rc;

	/* a slow-net drill (chaos): the answer is that late, as if the
	   network to tsod were slow (tsod sends nothing else) */
	fault_net_wait();
	rc = ts_count(a, req, &count, &e);
	if (rc != RC_OK) {
		metrics_counter_add(a->req_bad, 1);
		http_resp_err(resp, &e);
		return;
	}
	rc = oracle_reserve(a->oracle, count, &first, &e);
	if (rc != RC_OK) {
		metrics_counter_add(a->req_fail, 1);
		log_error("msg=\"cannot issue timestamps\" error=\"%s\"", e.msg);
		if (rc == RC_IO)
			e.code = RC_UNAVAILABLE;
		http_resp_err(resp, &e);
		return;
	}
	hlc_format(first, txt, sizeof(txt));
	j = json_pack("{s:I, s:I, s:s}", "ts", (json_int_t)first, "count",
		      (json_int_t)count, "hlc", txt);
	if (j == NULL) {
		http_resp_error(resp, RC_NOMEM, "out of memory");
		return;
	}
	metrics_counter_add(a->req_ok, 1);
	metrics_counter_add(a->issued, count);
	http_resp_json(resp, 200, j);
	metrics_histogram_observe(a->latency,
				  (double)(util_mono_ns() - t0) / 1e9);
}

static void handle_status(const struct http_req *req, struct http_resp *resp,
			  void *arg)
{
	struct tsod_api *a = arg;
	struct oracle_status st;
	char last[HLC_TEXT_MAX], end[HLC_TEXT_MAX], resumed[HLC_TEXT_MAX];
	json_t *j;

	oracle_get_status(a->oracle, &st);
	hlc_format(st.last, last, sizeof(last));
	hlc_format(st.window_end, end, sizeof(end));
	hlc_format(st.resumed_from, resumed, sizeof(resumed));
	j = json_pack("{s:s, s:s, s:I, s:I, s:I, s:s, s:{s:I, s:s, s:I, s:I, "
		      "s:I, s:I, s:s}, s:I, s:I}",
		      "service", "tsod",
		      "version", a->version,
		      "pid", (json_int_t)getpid(),
		      "uptime_s", (json_int_t)((util_mono_ms() - a->started_ms)
					       / 1000),
		      "last_ts", (json_int_t)st.last,
		      "last", last,
		      "window",
		      "end_ts", (json_int_t)st.window_end,
		      "end", end,
		      "ms", (json_int_t)st.window_ms,
		      "persists", (json_int_t)st.persists,
		      "sync_extensions", (json_int_t)st.sync_extensions,
		      "resumed_from_ts", (json_int_t)st.resumed_from,
		      "resumed_from", resumed,
		      "timestamps_issued", (json_int_t)st.issued,
		      "max_count", (json_int_t)a->max_count);
	if (j == NULL) {
		http_resp_error(resp, RC_NOMEM, "out of memory");
		return;
	}
	http_resp_json(resp, 200, j);
}

static void handle_metrics(const struct http_req *req, struct http_resp *resp,
			   void *arg)
{
	struct tsod_api *a = arg;
	struct oracle_status st;
	uint64_t wall_ms = util_wall_ms();
	char *text = NULL;
	size_t len = 0;
	struct err e;

	oracle_get_status(a->oracle, &st);
	pthread_mutex_lock(&a->render_mu);
	if (st.persists > a->persists_seen) {
		metrics_counter_add(a->persists, st.persists - a->persists_seen);
		a->persists_seen = st.persists;
	}
	if (st.sync_extensions > a->sync_ext_seen) {
		metrics_counter_add(a->sync_ext,
				    st.sync_extensions - a->sync_ext_seen);
		a->sync_ext_seen = st.sync_extensions;
	}
	pthread_mutex_unlock(&a->render_mu);
	metrics_gauge_set(a->ahead,
			  ((double)hlc_physical(st.window_end) -
			   (double)wall_ms) / 1000.0);
	metrics_gauge_set(a->uptime,
			  (double)(util_mono_ms() - a->started_ms) / 1000.0);
	if (metrics_render(a->reg, &text, &len, &e) != RC_OK) {
		http_resp_err(resp, &e);
		return;
	}
	resp->status = 200;
	resp->body = text;
	resp->body_len = len;
	resp->content_type = METRICS_CONTENT_TYPE;
}

static int api_metrics(struct tsod_api *a, struct err *e)
{
	int rc;

	if ((rc = metrics_new(&a->reg, e)) != RC_OK)
		return rc;
#define C(var, name, help, lname, lval) \
	if ((rc = metrics_counter(a->reg, name, help, lname, lval, &a->var, \
				  e)) != RC_OK) \
		return rc
	C(req_ok, "tsod_ts_requests_total", "Timestamp requests by result.",
	  "result", "ok");
	C(req_bad, "tsod_ts_requests_total", "Timestamp requests by result.",
	  "result", "bad_input");
	C(req_fail, "tsod_ts_requests_total", "Timestamp requests by result.",
	  "result", "error");
	C(issued, "tsod_timestamps_issued_total",
	  "Timestamps handed out (a request for N counts N).", NULL, NULL);
	C(persists, "tsod_window_persists_total",
	  "Durable writes of the timestamp window.", NULL, NULL);
	C(sync_ext, "tsod_window_sync_extensions_total",
	  "Window extensions a request had to wait for.", NULL, NULL);
#undef C
	if ((rc = metrics_gauge(a->reg, "tsod_window_ahead_seconds",
				"How far the persisted window is ahead of the "
				"wall clock.", NULL, NULL, &a->ahead, e)) != RC_OK)
		return rc;
	if ((rc = metrics_gauge(a->reg, "tsod_uptime_seconds",
				"Seconds since tsod started.", NULL, NULL,
				&a->uptime, e)) != RC_OK)
		return rc;
	return metrics_histogram(a->reg, "tsod_ts_request_duration_seconds",
				 "Time to serve a timestamp request.", NULL,
				 NULL, metrics_latency_bounds,
				 METRICS_LATENCY_NBOUNDS, &a->latency, e);
}

int tsod_api_start(struct tsod_api **out, struct oracle *o,
		   const struct tsod_api_opts *opts, struct err *e)
{
	struct http_server_opts hopts;
	struct tsod_api *a;
	int rc;

	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	pthread_mutex_init(&a->render_mu, NULL);
	a->oracle = o;
	a->max_count = opts->max_count ? opts->max_count :
		ORACLE_DEFAULT_MAX_COUNT;
	a->version = opts->version ? opts->version : "unknown";
	a->started_ms = util_mono_ms();
	if ((rc = api_metrics(a, e)) != RC_OK)
		goto fail;
	if ((rc = http_server_new(&a->http, e)) != RC_OK)
		goto fail;
	if ((rc = http_server_route(a->http, "POST", "/ts", HTTP_JSON_BODY,
				    4096, handle_ts, a, e)) != RC_OK ||
	    (rc = http_server_route(a->http, "GET", "/ts", 0, 0, handle_ts, a,
				    e)) != RC_OK ||
	    (rc = http_server_route(a->http, "GET", "/status", 0, 0,
				    handle_status, a, e)) != RC_OK ||
	    (rc = http_server_route(a->http, "GET", "/metrics", 0, 0,
				    handle_metrics, a, e)) != RC_OK ||
	    (faultapi_set_kinds("tsod", 1u << FAULT_SKEW |
				1u << FAULT_SLOW_DISK | 1u << FAULT_SLOW_NET),
	     (rc = faultapi_register(a->http, opts->secret, e)) != RC_OK))
		goto fail;
	memset(&hopts, 0, sizeof(hopts));
	hopts.listen = opts->listen;
	hopts.threads = opts->threads;
	hopts.max_body = 4096;
	if ((rc = http_server_start(a->http, &hopts, e)) != RC_OK)
		goto fail;
	*out = a;
	return RC_OK;
fail:
	tsod_api_stop(a);
	return rc;
}

unsigned tsod_api_port(const struct tsod_api *a)
{
	return http_server_port(a->http);
}

void tsod_api_stop(struct tsod_api *a)
{
	if (a == NULL)
		return;
	http_server_free(a->http);
	metrics_free(a->reg);
	pthread_mutex_destroy(&a->render_mu);
	free(a);
}
