/*
 * http_test.c -- unit tests for libcommon/http.c.
 *
 * Starts a real server on 127.0.0.1:0 inside the test process and talks to
 * it with our client and, for what the client cannot express (chunked
 * bodies, lying Content-Length, custom headers, HEAD, keep-alive on one
 * socket), with raw sockets.  A tiny fake server made of a raw socket
 * counts connections (client reuse) and sends replies our server never
 * would (malformed JSON, foreign error pages, oversized bodies).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "jx.h"
#include "log.h"

static struct http_server *srv;
static unsigned port;
static char peer[64];		/* "127.0.0.1:PORT" */

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ---- handlers ----------------------------------------------------------- */

static atomic_int pings;	/* GET /ping requests served */

static void h_ping(const struct http_req *req, struct http_resp *resp,
		   void *arg)
{
	atomic_fetch_add(&pings, 1);
	http_resp_json(resp, 200, json_pack("{s:b}", "pong", 1));
}

static void h_echo(const struct http_req *req, struct http_resp *resp,
		   void *arg)
{
	http_resp_json(resp, 200, json_pack("{s:O,s:s,s:I}", "got", req->json,
					    "method", req->method, "len",
					    (json_int_t)req->body_len));
}

static void h_raw(const struct http_req *req, struct http_resp *resp,
		  void *arg)
{
	char msg[64];
	int n = snprintf(msg, sizeof(msg), "got %zu bytes",
			 req->body_len);

	/* No cmocka asserts here: handlers run on server threads. */
	if (strlen(req->body) != req->body_len) {
		http_resp_error(resp, RC_INTERNAL, "body is not terminated");
		return;
	}
	http_resp_text(resp, 200, "text/plain", msg, (size_t)n);
}

static void h_kv(const struct http_req *req, struct http_resp *resp,
		 void *arg)
{
	http_resp_json(resp, 200, json_pack("{s:s,s:s,s:b}", "path", req->path,
					    "raw", req->raw_path, "exact",
					    arg != NULL));
}

static void h_query(const struct http_req *req, struct http_resp *resp,
		    void *arg)
{
	const char *a = http_req_query(req, "a");
	const char *flag = http_req_query(req, "flag");
	const char *none = http_req_query(req, "none");
	const char *hdr = http_req_header(req, "x-test");

	http_resp_json(resp, 200, json_pack("{s:s?,s:s?,s:b,s:s?}", "a", a,
					    "flag", flag, "none", none != NULL,
					    "hdr", hdr));
}

static void h_items_get(const struct http_req *req, struct http_resp *resp,
			void *arg)
{
	http_resp_json(resp, 200, json_array());
}

static void h_items_post(const struct http_req *req, struct http_resp *resp,
			 void *arg)
{
	http_resp_json(resp, 201, json_pack("{s:i}", "id", 1));
	snprintf(resp->location, sizeof(resp->location), "/items/1");
}

static void h_slow(const struct http_req *req, struct http_resp *resp,
		   void *arg)
{
	sleep_ms(600);
	http_resp_json(resp, 200, json_pack("{s:b}", "slow", 1));
}

static void h_empty(const struct http_req *req, struct http_resp *resp,
		    void *arg)
{
}

static void h_204(const struct http_req *req, struct http_resp *resp,
		  void *arg)
{
	resp->status = 204;
}

static void h_err(const struct http_req *req, struct http_resp *resp,
		  void *arg)
{
	http_resp_error(resp, RC_NOT_LEADER, "leader is %s", "n3");
}

/* The request headers the client tests look for. */
static void h_hdr(const struct http_req *req, struct http_resp *resp,
		  void *arg)
{
	http_resp_json(resp, 200, json_pack(
		"{s:s?,s:s?,s:s?,s:s?,s:s?}",
		"node", http_req_header(req, "x-rangedb-node"),
		"empty", http_req_header(req, "X-Empty"),
		"ua", http_req_header(req, "User-Agent"),
		"injected", http_req_header(req, "Injected"),
		"ctype", http_req_header(req, "Content-Type")));
}

static atomic_int nap_release;

/* Sleeps 3 s, or less once the test sets nap_release. */
static void h_nap(const struct http_req *req, struct http_resp *resp,
		  void *arg)
{
	for (int i = 0; i < 300 && !atomic_load(&nap_release); i++)
		sleep_ms(10);
	http_resp_json(resp, 200, json_pack("{s:b}", "woke", 1));
}

static atomic_int conc_now, conc_max;

/* Waits (up to 3 s) until a second request is inside a handler too. */
static void h_conc(const struct http_req *req, struct http_resp *resp,
		   void *arg)
{
	int n = atomic_fetch_add(&conc_now, 1) + 1, m, i;

	m = atomic_load(&conc_max);
	while (n > m && !atomic_compare_exchange_weak(&conc_max, &m, n))
		;
	for (i = 0; i < 300 && atomic_load(&conc_max) < 2; i++)
		sleep_ms(10);
	sleep_ms(20);
	atomic_fetch_sub(&conc_now, 1);
	http_resp_json(resp, 200, json_pack("{s:i}", "seen", n));
}

/* ---- helpers ------------------------------------------------------------ */

static int raw_connect(unsigned p)
{
	struct sockaddr_in sa;
	struct timeval tv = { 5, 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)p);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void raw_send(int fd, const char *s, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = send(fd, s, n, MSG_NOSIGNAL);
		assert_true(w > 0);
		s += w;
		n -= (size_t)w;
	}
}

static void raw_send_str(int fd, const char *s)
{
	raw_send(fd, s, strlen(s));
}

/*
 * Read exactly one response (headers byte by byte, then Content-Length
 * bytes of body unless head) into out, leaving any pipelined next
 * response in the socket; returns the status code.
 */
static int raw_read(int fd, int head, char *out, size_t cap)
{
	size_t have = 0, want;
	const char *cl;
	ssize_t r;
	int status = 0;

	out[0] = '\0';
	while (have < 4 || memcmp(out + have - 4, "\r\n\r\n", 4) != 0) {
		assert_true(have < cap - 1);
		r = recv(fd, out + have, 1, 0);
		assert_true(r == 1);
		out[++have] = '\0';
	}
	cl = strcasestr(out, "\r\nContent-Length:");
	want = have + (cl && !head ? strtoul(cl + 17, NULL, 10) : 0);
	assert_true(want < cap);
	while (have < want) {
		r = recv(fd, out + have, want - have, 0);
		assert_true(r > 0);
		have += (size_t)r;
	}
	out[have] = '\0';
	assert_int_equal(sscanf(out, "HTTP/1.1 %d", &status), 1);
	return status;
}

static int raw_exchange(const char *req, int head, char *out, size_t cap)
{
	int fd = raw_connect(port), st;

	raw_send(fd, req, strlen(req));
	st = raw_read(fd, head, out, cap);
	close(fd);
	return st;
}

static struct http_client *client(long timeout_ms)
{
	struct http_client_opts o = { 0, timeout_ms, 0 };
	struct http_client *c = NULL;
	struct err e;

	assert_int_equal(http_client_new(&c, peer, &o, &e), RC_OK);
	return c;
}

static int count_fds(void)
{
	char path[64];
	int fd, n = 0;

	for (fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (access(path, F_OK) == 0)
			n++;
	}
	return n;
}

/* A port nobody listens on (bound, then closed). */
static unsigned free_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

/* ---- fake server: canned reply, counts connections ---------------------- */

struct fake {
	int lfd;
	unsigned port;
	pthread_t th;
	atomic_int stop;
	atomic_int accepts;
	atomic_int requests;
	const char *reply;
};

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	char buf[8192];
	size_t have = 0, n;
	int cfd = -1, fd;
	char *end;
	ssize_t r;

	while (!atomic_load(&f->stop)) {
		struct pollfd p[2] = { { f->lfd, POLLIN, 0 },
				       { cfd, POLLIN, 0 } };

		if (poll(p, cfd >= 0 ? 2 : 1, 20) <= 0)
			continue;
		if (p[0].revents & POLLIN) {
			fd = accept(f->lfd, NULL, NULL);
			if (fd >= 0) {
				if (cfd >= 0)
					close(cfd);
				cfd = fd;
				have = 0;
				atomic_fetch_add(&f->accepts, 1);
			}
			continue;
		}
		if (cfd < 0 || p[1].revents == 0)
			continue;
		r = read(cfd, buf + have, sizeof(buf) - 1 - have);
		if (r <= 0) {
			close(cfd);
			cfd = -1;
			continue;
		}
		have += (size_t)r;
		buf[have] = '\0';
		while ((end = strstr(buf, "\r\n\r\n")) != NULL) {
			atomic_fetch_add(&f->requests, 1);
			if (send(cfd, f->reply, strlen(f->reply),
				 MSG_NOSIGNAL) < 0)
				break;
			n = (size_t)(end + 4 - buf);
			memmove(buf, buf + n, have - n + 1);
			have -= n;
		}
	}
	if (cfd >= 0)
		close(cfd);
	return NULL;
}

static void fake_start(struct fake *f, const char *reply)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	memset(f, 0, sizeof(*f));
	f->reply = reply;
	f->lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->lfd, 16), 0);
	assert_int_equal(getsockname(f->lfd, (struct sockaddr *)&sa, &len), 0);
	f->port = ntohs(sa.sin_port);
	assert_int_equal(pthread_create(&f->th, NULL, fake_main, f), 0);
}

static void fake_stop(struct fake *f)
{
	atomic_store(&f->stop, 1);
	pthread_join(f->th, NULL);
	close(f->lfd);
}

static struct http_client *fake_client(const struct fake *f, size_t maxr)
{
	struct http_client_opts o = { 0, 2000, maxr };
	struct http_client *c = NULL;
	char base[64];
	struct err e;

	snprintf(base, sizeof(base), "http://127.0.0.1:%u/", f->port);
	assert_int_equal(http_client_new(&c, base, &o, &e), RC_OK);
	return c;
}

/* ---- setup -------------------------------------------------------------- */

static void route(const char *m, const char *p, unsigned flags, size_t max,
		  http_handler_fn fn, void *arg)
{
	struct err e;

	assert_int_equal(http_server_route(srv, m, p, flags, max, fn, arg, &e),
			 RC_OK);
}

static int setup(void **state)
{
	struct http_server_opts o = { "127.0.0.1:0", 4, 4096, 5, 0 };
	struct err e;

	log_open("http_test", LOG_LEVEL_WARN);
	if (http_server_new(&srv, &e) != RC_OK)
		return -1;
	route("GET", "/ping", 0, 0, h_ping, NULL);
	route("POST", "/echo", HTTP_JSON_BODY, 0, h_echo, NULL);
	route("PUT", "/echo", HTTP_JSON_BODY, 64 << 10, h_echo, NULL);
	route("POST", "/raw", 0, 100, h_raw, NULL);
	route("PATCH", "/raw", 0, 100, h_raw, NULL);
	route("GET", "/kv/*", 0, 0, h_kv, NULL);
	route("GET", "/kv/special", 0, 0, h_kv, (void *)1);
	route("GET", "/q", 0, 0, h_query, NULL);
	route("GET", "/items", 0, 0, h_items_get, NULL);
	route("POST", "/items", 0, 0, h_items_post, NULL);
	route("GET", "/slow", 0, 0, h_slow, NULL);
	route("GET", "/empty", 0, 0, h_empty, NULL);
	route("GET", "/204", 0, 0, h_204, NULL);
	route("GET", "/err", 0, 0, h_err, NULL);
	route("GET", "/conc", 0, 0, h_conc, NULL);
	route("GET", "/hdr", 0, 0, h_hdr, NULL);
	route("POST", "/hdr", 0, 0, h_hdr, NULL);
	route("GET", "/nap", 0, 0, h_nap, NULL);
	if (http_server_port(srv) != 0)
		return -1;	/* 0 before start */
	if (http_server_start(srv, &o, &e) != RC_OK) {
		fprintf(stderr, "start: %s\n", e.msg);
		return -1;
	}
	port = http_server_port(srv);
	if (port == 0)
		return -1;
	snprintf(peer, sizeof(peer), "127.0.0.1:%u", port);
	return 0;
}

static int teardown(void **state)
{
	http_server_free(srv);
	srv = NULL;
	return 0;
}

/* ---- tests -------------------------------------------------------------- */

static void test_json_ok(void **state)
{
	struct http_client *c = client(0);
	json_t *j = NULL;
	struct err e;
	char *body = NULL, buf[2048];
	size_t len = 0;
	int status = 0;

	assert_int_equal(http_client_json(c, "GET", "/ping", NULL, &j, &e),
			 RC_OK);
	assert_true(json_is_true(json_object_get(j, "pong")));
	json_decref(j);
	/* Compact JSON and a trailing newline. */
	assert_int_equal(http_client_do(c, "GET", "/ping", NULL, NULL, 0,
					&status, &body, &len, &e), RC_OK);
	assert_int_equal(status, 200);
	assert_string_equal(body, "{\"pong\":true}\n");
	assert_int_equal(len, 14);
	free(body);
	http_client_free(c);

	assert_int_equal(raw_exchange("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n",
				      0, buf, sizeof(buf)), 200);
	assert_non_null(strcasestr(buf, "\r\nContent-Type: application/json"));
	/* HEAD is GET without a body. */
	assert_int_equal(raw_exchange("HEAD /ping HTTP/1.1\r\nHost: x\r\n\r\n",
				      1, buf, sizeof(buf)), 200);
	assert_non_null(strstr(buf, "\r\n\r\n"));
	assert_string_equal(strstr(buf, "\r\n\r\n"), "\r\n\r\n");
}

static void test_not_found(void **state)
{
	struct http_client *c = client(0);
	json_t *j = (json_t *)1;
	struct err e;
	char *body = NULL, want[128];
	int status = 0;

	assert_int_equal(http_client_json(c, "GET", "/nope", NULL, &j, &e),
			 RC_NOT_FOUND);
	assert_null(j);
	snprintf(want, sizeof(want), "%s: no such path '/nope'", peer);
	assert_string_equal(e.msg, want);
	assert_int_equal(http_client_do(c, "GET", "/nope", NULL, NULL, 0,
					&status, &body, NULL, &e), RC_OK);
	assert_int_equal(status, 404);
	assert_string_equal(body, "{\"error\":{\"code\":\"not_found\","
			    "\"message\":\"no such path '/nope'\"}}\n");
	free(body);
	/* "/kv" is not under the prefix "/kv/". */
	assert_int_equal(http_client_json(c, "GET", "/kv", NULL, &j, &e),
			 RC_NOT_FOUND);
	http_client_free(c);
}

static void test_method_not_allowed(void **state)
{
	struct http_client *c = client(0);
	json_t *j = NULL;
	struct err e;
	char buf[2048];

	assert_int_equal(raw_exchange("DELETE /items HTTP/1.1\r\n"
				      "Host: x\r\n\r\n", 0, buf,
				      sizeof(buf)), 405);
	assert_non_null(strcasestr(buf, "\r\nAllow: GET, HEAD, POST\r\n"));
	assert_non_null(strstr(buf, "\"code\":\"method_not_allowed\""));
	assert_int_equal(raw_exchange("POST /ping HTTP/1.1\r\nHost: x\r\n"
				      "Content-Length: 2\r\n\r\n{}", 0, buf,
				      sizeof(buf)), 405);
	assert_non_null(strcasestr(buf, "\r\nAllow: GET, HEAD\r\n"));
	assert_int_equal(http_client_json(c, "DELETE", "/kv/x", NULL, &j, &e),
			 RC_METHOD);
	assert_non_null(strstr(e.msg, "method DELETE not allowed on '/kv/x' "
				      "(allowed: GET, HEAD)"));
	http_client_free(c);
}

static void test_created_location_text(void **state)
{
	char buf[2048];

	assert_int_equal(raw_exchange("POST /items HTTP/1.1\r\nHost: x\r\n"
				      "Content-Length: 0\r\n\r\n", 0, buf,
				      sizeof(buf)), 201);
	assert_non_null(strcasestr(buf, "\r\nLocation: /items/1\r\n"));
	assert_int_equal(raw_exchange("POST /raw HTTP/1.1\r\nHost: x\r\n"
				      "Content-Length: 5\r\n\r\nhello", 0, buf,
				      sizeof(buf)), 200);
	assert_non_null(strcasestr(buf, "\r\nContent-Type: text/plain\r\n"));
	assert_non_null(strstr(buf, "\r\n\r\ngot 5 bytes"));
}

static void test_too_large_content_length(void **state)
{
	struct http_client *c = client(0);
	char buf[2048], body[101];
	char *reply = NULL;
	struct err e;
	int status = 0;

	/* Announced size over the limit: answered without sending a byte. */
	assert_int_equal(raw_exchange("POST /raw HTTP/1.1\r\nHost: x\r\n"
				      "Content-Length: 1000000\r\n\r\n", 0,
				      buf, sizeof(buf)), 413);
	assert_non_null(strstr(buf, "{\"error\":{\"code\":\"too_large\","
				    "\"message\":\"request body of 1000000 "
				    "bytes exceeds the limit of 100 "
				    "bytes\"}}"));
	/* Also for methods libmicrohttpd does not treat as uploads. */
	assert_int_equal(raw_exchange("PATCH /raw HTTP/1.1\r\nHost: x\r\n"
				      "Content-Length: 101\r\n\r\n", 0,
				      buf, sizeof(buf)), 413);
	assert_non_null(strstr(buf, "\"code\":\"too_large\""));
	/* The server default (4096 here) applies to routes without one. */
	assert_int_equal(raw_exchange("POST /echo HTTP/1.1\r\nHost: x\r\n"
				      "Content-Length: 4097\r\n\r\n", 0,
				      buf, sizeof(buf)), 413);
	/* Exactly at the limit is fine. */
	memset(body, 'x', 100);
	assert_int_equal(http_client_do(c, "POST", "/raw", "text/plain", body,
					100, &status, &reply, NULL, &e),
			 RC_OK);
	assert_int_equal(status, 200);
	assert_string_equal(reply, "got 100 bytes");
	free(reply);
	http_client_free(c);
}

static void test_too_large_chunked(void **state)
{
	char buf[4096], chunk[128];
	int fd, i;

	fd = raw_connect(port);
	raw_send_str(fd, "POST /raw HTTP/1.1\r\nHost: x\r\n"
		     "Transfer-Encoding: chunked\r\n\r\n");
	for (i = 0; i < 5; i++) {
		snprintf(chunk, sizeof(chunk), "3c\r\n%060d\r\n", i);
		raw_send(fd, chunk, strlen(chunk));
	}
	raw_send_str(fd, "0\r\n\r\n");
	assert_int_equal(raw_read(fd, 0, buf, sizeof(buf)), 413);
	assert_non_null(strstr(buf, "\"code\":\"too_large\""));
	assert_non_null(strstr(buf, "exceeds the limit of 100 bytes"));
	/* The body was drained, so the connection still works. */
	raw_send_str(fd, "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_int_equal(raw_read(fd, 0, buf, sizeof(buf)), 200);
	assert_non_null(strstr(buf, "{\"pong\":true}"));

	/* A chunked body under the limit reaches the handler whole. */
	raw_send_str(fd, "PATCH /raw HTTP/1.1\r\nHost: x\r\n"
		     "Transfer-Encoding: chunked\r\n\r\n"
		     "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
	assert_int_equal(raw_read(fd, 0, buf, sizeof(buf)), 200);
	assert_non_null(strstr(buf, "\r\n\r\ngot 11 bytes"));
	close(fd);
}

static void test_bad_json(void **state)
{
	struct http_client *c = client(0);
	struct err e;
	char *body = NULL, deep[8200];
	json_t *j = NULL, *req;
	int status = 0, i;

	assert_int_equal(http_client_do(c, "POST", "/echo", "application/json",
					"{bad", 4, &status, &body, NULL, &e),
			 RC_OK);
	assert_int_equal(status, 400);
	assert_non_null(strstr(body, "\"code\":\"bad_input\""));
	assert_non_null(strstr(body, "request body: malformed JSON at line 1 "
				     "column 4: string or '}' expected near "
				     "'bad'"));
	free(body);
	assert_int_equal(http_client_do(c, "POST", "/echo", "application/json",
					"[1]", 3, &status, &body, NULL, &e),
			 RC_OK);
	assert_int_equal(status, 400);
	assert_non_null(strstr(body, "request body: expected a JSON object"));
	free(body);
	/* Through http_client_json the peer is named. */
	assert_int_equal(http_client_do(c, "POST", "/echo", NULL, "7", 1,
					&status, &body, NULL, &e), RC_OK);
	assert_int_equal(status, 400);
	free(body);
	/* Nesting deeper than Jansson's limit is refused, not a crash. */
	deep[0] = '{';
	memcpy(deep + 1, "\"a\":", 4);
	for (i = 5; i < 4100; i++)
		deep[i] = '[';
	assert_int_equal(http_client_do(c, "PUT", "/echo", NULL, deep, 4100,
					&status, &body, NULL, &e), RC_OK);
	assert_int_equal(status, 400);
	assert_non_null(strstr(body, "maximum parsing depth"));
	free(body);

	/* Empty body: {} */
	assert_int_equal(http_client_json(c, "POST", "/echo", NULL, &j, &e),
			 RC_OK);
	assert_int_equal(json_object_size(json_object_get(j, "got")), 0);
	assert_string_equal(json_string_value(json_object_get(j, "method")),
			    "POST");
	json_decref(j);
	/* A real object round-trips, with PUT. */
	req = json_pack("{s:s,s:i}", "k", "v\xc3\xa9", "n", 42);
	assert_int_equal(http_client_json(c, "PUT", "/echo", req, &j, &e),
			 RC_OK);
	assert_true(json_equal(json_object_get(j, "got"), req));
	assert_string_equal(json_string_value(json_object_get(j, "method")),
			    "PUT");
	json_decref(j);
	json_decref(req);
	http_client_free(c);
}

static void test_query_headers(void **state)
{
	struct http_client *c = client(0);
	char buf[2048];
	json_t *j = NULL;
	struct err e;

	assert_int_equal(http_client_json(c, "GET",
					  "/q?a=hello%20w%26rld&flag", NULL,
					  &j, &e), RC_OK);
	assert_string_equal(json_string_value(json_object_get(j, "a")),
			    "hello w&rld");
	assert_string_equal(json_string_value(json_object_get(j, "flag")), "");
	assert_true(json_is_false(json_object_get(j, "none")));
	assert_true(json_is_null(json_object_get(j, "hdr")));
	json_decref(j);
	http_client_free(c);

	assert_int_equal(raw_exchange("GET /q?a=1 HTTP/1.1\r\nHost: x\r\n"
				      "X-Test: some value\r\n\r\n", 0, buf,
				      sizeof(buf)), 200);
	assert_non_null(strstr(buf, "\"a\":\"1\""));
	assert_non_null(strstr(buf, "\"hdr\":\"some value\""));
}

static void test_prefix_decoded(void **state)
{
	struct http_client *c = client(0);
	json_t *j = NULL;
	struct err e;

	assert_int_equal(http_client_json(c, "GET", "/kv/a%20b%2Fc?x=1", NULL,
					  &j, &e), RC_OK);
	assert_string_equal(json_string_value(json_object_get(j, "path")),
			    "/kv/a b/c");
	assert_string_equal(json_string_value(json_object_get(j, "raw")),
			    "/kv/a%20b%2Fc");
	assert_true(json_is_false(json_object_get(j, "exact")));
	json_decref(j);
	/* Exact beats prefix. */
	assert_int_equal(http_client_json(c, "GET", "/kv/special", NULL, &j,
					  &e), RC_OK);
	assert_true(json_is_true(json_object_get(j, "exact")));
	json_decref(j);
	assert_int_equal(http_client_json(c, "GET", "/kv/", NULL, &j, &e),
			 RC_OK);
	assert_string_equal(json_string_value(json_object_get(j, "path")),
			    "/kv/");
	json_decref(j);
	/* A raw path longer than the inline buffer is kept whole. */
	{
		char path[600];

		memcpy(path, "/kv/", 4);
		memset(path + 4, 'z', 590);
		path[594] = '\0';
		assert_int_equal(http_client_json(c, "GET", path, NULL, &j,
						  &e), RC_OK);
		assert_string_equal(json_string_value(json_object_get(j,
						      "raw")), path);
		json_decref(j);
	}
	/* %00 would cut the C string: refused. */
	assert_int_equal(http_client_json(c, "GET", "/kv/a%00b", NULL, &j, &e),
			 RC_BAD_INPUT);
	assert_non_null(strstr(e.msg, "path must not contain %00"));
	/* Invalid UTF-8 in a path still gives valid JSON in the error. */
	assert_int_equal(http_client_json(c, "GET", "/x%ff", NULL, &j, &e),
			 RC_NOT_FOUND);
	assert_non_null(strstr(e.msg, "no such path '/x?'"));
	http_client_free(c);
}

static void test_handler_replies(void **state)
{
	struct http_client *c = client(0);
	json_t *j = NULL;
	struct err e;
	char *body = NULL, want[128];
	size_t len = 9;
	int status = 0;

	assert_int_equal(http_client_json(c, "GET", "/empty", NULL, &j, &e),
			 RC_INTERNAL);
	assert_non_null(strstr(e.msg, "handler for GET /empty gave no reply"));
	assert_int_equal(http_client_do(c, "GET", "/204", NULL, NULL, 0,
					&status, &body, &len, &e), RC_OK);
	assert_int_equal(status, 204);
	assert_int_equal(len, 0);
	assert_string_equal(body, "");
	free(body);
	assert_int_equal(http_client_json(c, "GET", "/204", NULL, &j, &e),
			 RC_OK);
	assert_true(json_is_null(j));
	assert_int_equal(http_client_json(c, "GET", "/err", NULL, &j, &e),
			 RC_NOT_LEADER);
	assert_int_equal(e.code, RC_NOT_LEADER);
	snprintf(want, sizeof(want), "%s: leader is n3", peer);
	assert_string_equal(e.msg, want);
	assert_int_equal(http_client_do(c, "GET", "/err", NULL, NULL, 0,
					&status, &body, NULL, &e), RC_OK);
	assert_int_equal(status, 421);
	free(body);
	http_client_free(c);
}

struct worker {
	pthread_t th;
	int idx;
	int failures;
	const char *path;
	int count;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct http_client *c = NULL;
	struct http_client_opts o = { 0, 10000, 0 };
	json_t *j = NULL;
	struct err e;
	int i;

	sleep_ms(30L * w->idx);	/* land on different server threads */
	if (http_client_new(&c, peer, &o, &e) != RC_OK) {
		w->failures = w->count;
		return NULL;
	}
	for (i = 0; i < w->count; i++) {
		if (http_client_json(c, "GET", w->path, NULL, &j, &e) != RC_OK)
			w->failures++;
		json_decref(j);
		j = NULL;
	}
	http_client_free(c);
	return NULL;
}

static void test_concurrent(void **state)
{
	struct worker w[8];
	int i;

	/* Handlers really run in parallel. */
	atomic_store(&conc_now, 0);
	atomic_store(&conc_max, 0);
	for (i = 0; i < 4; i++) {
		w[i] = (struct worker){ .idx = i, .path = "/conc",
					.count = 1 };
		assert_int_equal(pthread_create(&w[i].th, NULL, worker_main,
						&w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(w[i].th, NULL);
		assert_int_equal(w[i].failures, 0);
	}
	assert_true(atomic_load(&conc_max) >= 2);

	/* And many small requests from several threads all succeed. */
	for (i = 0; i < 8; i++) {
		w[i] = (struct worker){ .idx = 0, .path = "/ping",
					.count = 200 };
		assert_int_equal(pthread_create(&w[i].th, NULL, worker_main,
						&w[i]), 0);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(w[i].th, NULL);
		assert_int_equal(w[i].failures, 0);
	}
}

static void test_keepalive_server(void **state)
{
	char buf[2048];
	int fd = raw_connect(port), i;

	/* Several requests on one socket, the last two pipelined. */
	for (i = 0; i < 3; i++) {
		raw_send_str(fd, "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n");
		assert_int_equal(raw_read(fd, 0, buf, sizeof(buf)), 200);
	}
	raw_send_str(fd, "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"
		     "GET /kv/p HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_int_equal(raw_read(fd, 0, buf, sizeof(buf)), 200);
	assert_non_null(strstr(buf, "pong"));
	assert_int_equal(raw_read(fd, 0, buf, sizeof(buf)), 200);
	assert_non_null(strstr(buf, "\"/kv/p\""));
	close(fd);
}

static void test_client_reuse(void **state)
{
	struct fake f;
	struct http_client *c;
	json_t *j = NULL;
	struct err e;
	int i;

	fake_start(&f, "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n"
		       "Content-Type: application/json\r\n\r\n{\"n\":1}\n");
	c = fake_client(&f, 0);
	for (i = 0; i < 5; i++) {
		assert_int_equal(http_client_json(c, i % 2 ? "POST" : "GET",
						  "/x", NULL, &j, &e), RC_OK);
		assert_int_equal(json_integer_value(json_object_get(j, "n")),
				 1);
		json_decref(j);
	}
	assert_int_equal(atomic_load(&f.requests), 5);
	assert_int_equal(atomic_load(&f.accepts), 1);
	http_client_free(c);
	fake_stop(&f);
}

static void test_client_bad_replies(void **state)
{
	struct fake f;
	struct http_client *c;
	json_t *j = (json_t *)1;
	struct err e;
	char want[160];

	fake_start(&f, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{oops");
	c = fake_client(&f, 0);
	assert_int_equal(http_client_json(c, "GET", "/x", NULL, &j, &e),
			 RC_CORRUPT);
	assert_null(j);
	snprintf(want, sizeof(want), "malformed JSON reply from 127.0.0.1:%u: "
		 "malformed JSON at line 1 column 5", f.port);
	assert_memory_equal(e.msg, want, strlen(want));
	http_client_free(c);
	fake_stop(&f);

	fake_start(&f, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 15\r\n"
		       "\r\n<html>bad</html");
	c = fake_client(&f, 0);
	assert_int_equal(http_client_json(c, "GET", "/x", NULL, &j, &e),
			 RC_UNAVAILABLE);
	snprintf(want, sizeof(want), "127.0.0.1:%u answered HTTP 502: "
		 "<html>bad</html", f.port);
	assert_string_equal(e.msg, want);
	http_client_free(c);
	fake_stop(&f);

	fake_start(&f, "HTTP/1.1 418 Teapot\r\nContent-Length: 0\r\n\r\n");
	c = fake_client(&f, 0);
	assert_int_equal(http_client_json(c, "GET", "/x", NULL, &j, &e),
			 RC_INTERNAL);
	snprintf(want, sizeof(want), "127.0.0.1:%u answered HTTP 418", f.port);
	assert_string_equal(e.msg, want);
	http_client_free(c);
	fake_stop(&f);

	/* Reply over max_response, announced or not. */
	fake_start(&f, "HTTP/1.1 200 OK\r\nContent-Length: 200\r\n\r\n"
		       "[0000000000000000000000000000000000000000000000000"
		       "0000000000000000000000000000000000000000000000000"
		       "0000000000000000000000000000000000000000000000000"
		       "000000000000000000000000000000000000000000000000]");
	c = fake_client(&f, 100);
	assert_int_equal(http_client_json(c, "GET", "/x", NULL, &j, &e),
			 RC_TOO_LARGE);
	snprintf(want, sizeof(want), "reply from 127.0.0.1:%u exceeds 100 "
		 "bytes", f.port);
	assert_string_equal(e.msg, want);
	http_client_free(c);
	fake_stop(&f);

	fake_start(&f, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		       "64\r\n000000000000000000000000000000000000000000000000"
		       "0000000000000000000000000000000000000000000000000000"
		       "\r\n64\r\n0000000000000000000000000000000000000000000"
		       "000000000000000000000000000000000000000000000000000"
		       "000000\r\n0\r\n\r\n");
	c = fake_client(&f, 150);
	assert_int_equal(http_client_json(c, "GET", "/x", NULL, &j, &e),
			 RC_TOO_LARGE);
	http_client_free(c);
	fake_stop(&f);
}

static void test_connect_refused(void **state)
{
	struct http_client *c = NULL;
	unsigned p = free_port();
	char base[64], want[128];
	json_t *j = NULL;
	struct err e;

	snprintf(base, sizeof(base), "127.0.0.1:%u", p);
	assert_int_equal(http_client_new(&c, base, NULL, &e), RC_OK);
	assert_int_equal(http_client_json(c, "GET", "/ping", NULL, &j, &e),
			 RC_UNAVAILABLE);
	snprintf(want, sizeof(want),
		 "cannot connect to 127.0.0.1:%u: Connection refused", p);
	assert_string_equal(e.msg, want);
	http_client_free(c);
}

/* A listener whose accept queue is full drops new SYNs: connect hangs. */
struct hang {
	int lfd;
	int fill[8];
	int n;
	char base[64];		/* "127.0.0.1:PORT" */
};

static void hang_open(struct hang *h)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int i;

	h->n = 0;
	h->lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(h->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(h->lfd, 0), 0);
	assert_int_equal(getsockname(h->lfd, (struct sockaddr *)&sa, &len),
			 0);
	/* Fill the queue with non-blocking connects (never accepted). */
	for (i = 0; i < 8; i++) {
		h->fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (connect(h->fill[i], (struct sockaddr *)&sa,
			    sizeof(sa)) != 0 && errno != EINPROGRESS)
			break;
		h->n++;
	}
	sleep_ms(50);
	snprintf(h->base, sizeof(h->base), "127.0.0.1:%u",
		 ntohs(sa.sin_port));
}

static void hang_close(struct hang *h)
{
	int i;

	for (i = 0; i < h->n; i++)
		close(h->fill[i]);
	if (h->n < 8)
		close(h->fill[h->n]);
	close(h->lfd);
}

static void test_connect_timeout(void **state)
{
	struct http_client_opts o = { 200, 2000, 0 };
	struct http_client *c = NULL;
	struct hang h;
	char want[128];
	struct err e;

	hang_open(&h);
	assert_int_equal(http_client_new(&c, h.base, &o, &e), RC_OK);
	assert_int_equal(http_client_json(c, "GET", "/x", NULL, NULL, &e),
			 RC_TIMEOUT);
	snprintf(want, sizeof(want), "cannot connect to %s within 200 ms",
		 h.base);
	assert_string_equal(e.msg, want);
	http_client_free(c);
	hang_close(&h);
}

static void test_timeout(void **state)
{
	struct http_client *c = client(150);
	json_t *j = NULL;
	struct err e;
	char want[128];

	assert_int_equal(http_client_json(c, "GET", "/slow", NULL, &j, &e),
			 RC_TIMEOUT);
	snprintf(want, sizeof(want), "no answer from %s within 150 ms", peer);
	assert_string_equal(e.msg, want);
	/* The same client recovers on its next request. */
	assert_int_equal(http_client_json(c, "GET", "/ping", NULL, &j, &e),
			 RC_OK);
	json_decref(j);
	http_client_free(c);
}

static void test_bad_listen(void **state)
{
	static const char *const bad[] = {
		"", "127.0.0.1", "127.0.0.1:", ":7000", "127.0.0.1:abc",
		"127.0.0.1:70000", "127.0.0.1:-1", "127.0.0.1:80x",
		"127.0.0.1: 80", "300.1.1.1:80", "example.com:80",
		"[::1]:80", "::1:80", "1.2.3:80", "127.0.0.1:99999999999999",
		"localhostx:80", "127.0.0.1.1.1.1.1.1.1.1.1:80",
	};
	struct http_server_opts o = { NULL, 1, 0, 0, 0 };
	struct http_server *s;
	struct err e;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(http_server_new(&s, &e), RC_OK);
		o.listen = bad[i];
		err_clear(&e);
		if (http_server_start(s, &o, &e) != RC_BAD_INPUT) {
			fail_msg("'%s' accepted: %s", bad[i], e.msg);
		}
		assert_int_equal(http_server_port(s), 0);
		http_server_free(s);
	}
	assert_int_equal(http_server_new(&s, &e), RC_OK);
	o.listen = "127.0.0.1:abc";
	assert_int_equal(http_server_start(s, &o, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "invalid port in listen address "
			    "'127.0.0.1:abc': expected a number from 0 to "
			    "65535");
	o.listen = "example.com:80";
	assert_int_equal(http_server_start(s, &o, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "invalid host in listen address "
			    "'example.com:80': expected an IPv4 address or "
			    "localhost");
	o.listen = "7000";
	assert_int_equal(http_server_start(s, &o, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "invalid listen address '7000': expected "
			    "HOST:PORT such as 127.0.0.1:7000");
	/* localhost is accepted. */
	o.listen = "localhost:0";
	assert_int_equal(http_server_start(s, &o, &e), RC_OK);
	assert_true(http_server_port(s) > 0);
	assert_int_equal(http_server_start(s, &o, &e), RC_INTERNAL);
	http_server_free(s);
}

static void test_port_in_use(void **state)
{
	struct http_server_opts o = { NULL, 1, 0, 0, 0 };
	struct http_server *s;
	char addr[64], want[128];
	struct err e;
	int fds = count_fds();

	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	o.listen = addr;
	assert_int_equal(http_server_new(&s, &e), RC_OK);
	assert_int_equal(http_server_start(s, &o, &e), RC_IO);
	snprintf(want, sizeof(want),
		 "cannot listen on %s: Address already in use", addr);
	assert_string_equal(e.msg, want);
	assert_int_equal(http_server_port(s), 0);
	http_server_free(s);
	assert_true(count_fds() <= fds);	/* the socket was closed */
}

static void test_route_validation(void **state)
{
	struct http_server *s;
	struct err e;

	assert_int_equal(http_server_new(&s, &e), RC_OK);
	assert_int_equal(http_server_route(s, "get", "/x", 0, 0, h_ping, NULL,
					   &e), RC_BAD_INPUT);
	assert_int_equal(http_server_route(s, "", "/x", 0, 0, h_ping, NULL,
					   &e), RC_BAD_INPUT);
	assert_int_equal(http_server_route(s, "GET", "x", 0, 0, h_ping, NULL,
					   &e), RC_BAD_INPUT);
	assert_string_equal(e.msg,
			    "invalid route path 'x': must start with '/'");
	assert_int_equal(http_server_route(s, "GET", "/a*b", 0, 0, h_ping,
					   NULL, &e), RC_BAD_INPUT);
	assert_int_equal(http_server_route(s, "GET", "/a?b", 0, 0, h_ping,
					   NULL, &e), RC_BAD_INPUT);
	assert_int_equal(http_server_route(s, "GET", "/a", 0x10, 0, h_ping,
					   NULL, &e), RC_BAD_INPUT);
	assert_int_equal(http_server_route(s, "GET", "/a", 0, 0, h_ping, NULL,
					   &e), RC_OK);
	assert_int_equal(http_server_route(s, "GET", "/a", 0, 0, h_ping, NULL,
					   &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "route 'GET /a' registered twice");
	/* Same path as a prefix is a different route. */
	assert_int_equal(http_server_route(s, "GET", "/a*", 0, 0, h_ping, NULL,
					   &e), RC_OK);
	http_server_free(s);
}

static void test_client_bad_args(void **state)
{
	static const char *const bad[] = {
		"", "127.0.0.1", "ftp://127.0.0.1:1", "http://", "127.0.0.1:",
		":80", "127.0.0.1:80/path", "127.0.0.1:8x", "a b:80",
		"127.0.0.1:99999",
	};
	struct http_client *c = NULL;
	struct err e;
	char *body = (char *)1;
	int status = 1;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (http_client_new(&c, bad[i], NULL, &e) != RC_BAD_INPUT)
			fail_msg("client base '%s' accepted", bad[i]);
		assert_null(c);
	}
	c = client(0);
	assert_int_equal(http_client_do(c, "GET", "ping", NULL, NULL, 0,
					&status, &body, NULL, &e),
			 RC_BAD_INPUT);
	assert_null(body);
	assert_int_equal(http_client_do(c, "G T", "/ping", NULL, NULL, 0,
					&status, &body, NULL, &e),
			 RC_BAD_INPUT);
	http_client_free(c);
}

static const char *jstr(json_t *j, const char *key)
{
	return json_string_value(json_object_get(j, key));
}

/* Added headers go out on every request; bad ones are refused, unsent. */
static void test_client_headers(void **state)
{
	static const char *const bad_names[] = {
		"", "X Node", "X:Node", "X-Node\r\nInjected", "X-Node:",
		"X\tNode", "\xc3\x84",
	};
	static const char *const bad_values[] = {
		"1\r\nInjected: yes", "1\nInjected: yes", "1\rx", "a\x01",
		"a\x7f",
	};
	static const char *const own[] = {
		"Content-Type", "content-length", "Host", "EXPECT",
		"Transfer-Encoding", "Connection",
	};
	struct http_client *c = client(0);
	json_t *j = NULL, *req;
	struct err e;
	size_t i;

	/* Nothing added: nothing sent. */
	assert_int_equal(http_client_json(c, "GET", "/hdr", NULL, &j, &e),
			 RC_OK);
	assert_null(jstr(j, "node"));
	assert_string_equal(jstr(j, "ua"), "rangedb");
	json_decref(j);

	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		if (http_client_add_header(c, bad_names[i], "1", &e)
		    != RC_BAD_INPUT)
			fail_msg("header name '%s' accepted", bad_names[i]);
		assert_non_null(strstr(e.msg, "invalid header name"));
	}
	for (i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++) {
		if (http_client_add_header(c, "X-Bad", bad_values[i], &e)
		    != RC_BAD_INPUT)
			fail_msg("header value #%zu accepted", i);
		assert_string_equal(e.msg, "invalid value for header 'X-Bad': "
				    "control characters (CR, LF, ...) are not "
				    "allowed");
	}
	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		if (http_client_add_header(c, own[i], "x", &e)
		    != RC_BAD_INPUT)
			fail_msg("header '%s' accepted", own[i]);
		assert_non_null(strstr(e.msg, "is set by the HTTP client"));
	}
	assert_int_equal(http_client_add_header(c, "X-Rangedb-Node", "7", &e),
			 RC_OK);
	assert_int_equal(http_client_add_header(c, "x-rangedb-node", "8", &e),
			 RC_BAD_INPUT);
	assert_non_null(strstr(e.msg, "header 'x-rangedb-node' already "
			       "added to the client for 127.0.0.1:"));
	assert_int_equal(http_client_add_header(c, "X-Empty", "", &e), RC_OK);
	assert_int_equal(http_client_add_header(c, "User-Agent", "tester/1",
						&e), RC_OK);

	/* Every request, whatever its method and content type. */
	for (i = 0; i < 3; i++) {
		req = i == 1 ? json_pack("{s:i}", "a", 1) : NULL;
		assert_int_equal(http_client_json(c, i == 1 ? "POST" : "GET",
						  "/hdr", req, &j, &e), RC_OK);
		json_decref(req);
		assert_string_equal(jstr(j, "node"), "7");
		assert_string_equal(jstr(j, "empty"), "");
		assert_string_equal(jstr(j, "ua"), "tester/1");
		assert_null(jstr(j, "injected"));
		if (i == 1)
			assert_string_equal(jstr(j, "ctype"),
					    "application/json");
		else
			assert_null(jstr(j, "ctype"));
		json_decref(j);
	}
	assert_int_equal(http_client_add_header(NULL, "X-A", "1", &e),
			 RC_INTERNAL);
	http_client_free(c);
}

struct napper {
	struct http_client *c;
	const char *path;
	int rc;
	struct err e;
	double took_ms;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void *napper_main(void *arg)
{
	struct napper *n = arg;
	json_t *j = NULL;
	double t0 = now_ms();

	n->rc = http_client_json(n->c, "GET", n->path, NULL, &j, &n->e);
	n->took_ms = now_ms() - t0;
	json_decref(j);
	return NULL;
}

/* Run path on c in another thread, abort it after 100 ms from here. */
static void abort_in_flight(struct http_client *c, const char *path,
			    const char *who)
{
	struct napper n = { c, path, -1, { 0 }, 0 };
	char want[128];
	pthread_t th;
	double t0;

	assert_int_equal(pthread_create(&th, NULL, napper_main, &n), 0);
	sleep_ms(100);
	t0 = now_ms();
	http_client_abort(c);
	assert_int_equal(pthread_join(th, NULL), 0);
	/* Returned promptly after the abort: nowhere near 3 s or 1 s. */
	if (now_ms() - t0 > 300)
		fail_msg("request returned %.0f ms after the abort",
			 now_ms() - t0);
	assert_true(n.took_ms < 1000);
	assert_int_equal(n.rc, RC_UNAVAILABLE);
	snprintf(want, sizeof(want), "request to %s aborted", who);
	assert_string_equal(n.e.msg, want);
}

/*
 * http_client_abort from another thread ends a request in flight at once,
 * keeps refusing (without network) until reset, then the client works.
 */
static void test_client_abort(void **state)
{
	struct http_client_opts o = { 0, 10000, 0 };
	struct http_client *c = NULL;
	json_t *j = NULL;
	struct err e;
	char want[128];
	long before;
	double t0;

	atomic_store(&nap_release, 0);
	assert_int_equal(http_client_new(&c, peer, &o, &e), RC_OK);
	/* A kept-alive connection first: abort must end a reused one. */
	assert_int_equal(http_client_json(c, "GET", "/ping", NULL, &j, &e),
			 RC_OK);
	json_decref(j);
	abort_in_flight(c, "/nap", peer);

	/* Sticky: the next request fails at once and sends nothing. */
	before = atomic_load(&pings);
	t0 = now_ms();
	assert_int_equal(http_client_json(c, "GET", "/ping", NULL, &j, &e),
			 RC_UNAVAILABLE);
	assert_true(now_ms() - t0 < 50);
	assert_null(j);
	snprintf(want, sizeof(want), "request to %s aborted", peer);
	assert_string_equal(e.msg, want);
	assert_int_equal(atomic_load(&pings), before);
	http_client_abort(c);	/* twice is fine */

	http_client_reset_abort(c);
	assert_int_equal(http_client_json(c, "GET", "/ping", NULL, &j, &e),
			 RC_OK);
	assert_true(json_is_true(json_object_get(j, "pong")));
	assert_int_equal(atomic_load(&pings), before + 1);
	json_decref(j);
	http_client_reset_abort(c);	/* without an abort: no-op */
	assert_int_equal(http_client_json(c, "GET", "/ping", NULL, &j, &e),
			 RC_OK);
	json_decref(j);
	atomic_store(&nap_release, 1);	/* free the server thread */

	http_client_abort(NULL);
	http_client_reset_abort(NULL);
	http_client_free(c);
}

/* An abort also ends a connect that hangs (the accept queue is full). */
static void test_client_abort_connect(void **state)
{
	struct http_client_opts o = { 5000, 10000, 0 };
	struct http_client *c = NULL;
	struct hang h;
	struct err e;

	hang_open(&h);
	assert_int_equal(http_client_new(&c, h.base, &o, &e), RC_OK);
	abort_in_flight(c, "/x", h.base);
	http_client_free(c);
	hang_close(&h);
}

static void *slow_caller(void *arg)
{
	struct http_client *c = arg;
	json_t *j = NULL;
	struct err e;
	intptr_t rc = http_client_json(c, "GET", "/slow", NULL, &j, &e);

	json_decref(j);
	return (void *)rc;
}

static void test_graceful_stop(void **state)
{
	struct http_server_opts o = { "127.0.0.1:0", 2, 0, 0, 0 };
	struct http_client_opts co = { 0, 5000, 0 };
	struct http_server *s;
	struct http_client *c;
	char base[64];
	pthread_t th;
	struct err e;
	void *ret;
	int fds = count_fds();

	assert_int_equal(http_server_new(&s, &e), RC_OK);
	assert_int_equal(http_server_route(s, "GET", "/slow", 0, 0, h_slow,
					   NULL, &e), RC_OK);
	assert_int_equal(http_server_start(s, &o, &e), RC_OK);
	snprintf(base, sizeof(base), "127.0.0.1:%u", http_server_port(s));
	assert_int_equal(http_client_new(&c, base, &co, &e), RC_OK);
	assert_int_equal(pthread_create(&th, NULL, slow_caller, c), 0);
	sleep_ms(200);		/* the request is inside the handler */
	http_server_free(s);	/* waits for it to be answered */
	pthread_join(th, &ret);
	assert_int_equal((intptr_t)ret, RC_OK);
	/* Stopped for good: new requests are refused. */
	assert_int_equal(http_client_json(c, "GET", "/slow", NULL, NULL, &e),
			 RC_UNAVAILABLE);
	http_client_free(c);
	/*
	 * Nothing leaked.  "<=": the group's server may close idle sockets
	 * of earlier tests meanwhile.
	 */
	assert_true(count_fds() <= fds);
}

static atomic_int gate_open;

/* Blocks until another request opens the gate (at most 3 s). */
static void h_gate(const struct http_req *req, struct http_resp *resp,
		   void *arg)
{
	int i;

	for (i = 0; i < 300 && !atomic_load(&gate_open); i++)
		sleep_ms(10);
	http_resp_json(resp, 200, json_pack("{s:b}", "opened",
					    atomic_load(&gate_open) != 0));
}

static void h_open(const struct http_req *req, struct http_resp *resp,
		   void *arg)
{
	atomic_store(&gate_open, 1);
	http_resp_json(resp, 200, json_pack("{s:b}", "ok", 1));
}

static void *gate_caller(void *arg)
{
	struct http_client *c = arg;
	json_t *out = NULL;
	intptr_t opened;

	if (http_client_json(c, "GET", "/gate", NULL, &out, NULL) != RC_OK)
		return (void *)(intptr_t)-1;
	opened = json_is_true(json_object_get(out, "opened"));
	json_decref(out);
	return (void *)opened;
}

/*
 * With thread_per_conn, a handler blocked on one connection never stalls
 * another connection, even with threads = 1.  (raftd relies on this: a
 * write waits for commits that arrive on peers' connections.)  In the
 * pool with one worker the /open request would wait behind /gate.
 */
static void test_thread_per_conn(void **state)
{
	struct http_server_opts o = { "127.0.0.1:0", 1, 0, 0, 1 };
	struct http_client_opts co = { 0, 5000, 0 };
	struct http_server *s;
	struct http_client *a, *b;
	char base[64];
	pthread_t th;
	struct err e;
	void *ret;
	double t0;

	atomic_store(&gate_open, 0);
	assert_int_equal(http_server_new(&s, &e), RC_OK);
	assert_int_equal(http_server_route(s, "GET", "/gate", 0, 0, h_gate,
					   NULL, &e), RC_OK);
	assert_int_equal(http_server_route(s, "GET", "/open", 0, 0, h_open,
					   NULL, &e), RC_OK);
	assert_int_equal(http_server_start(s, &o, &e), RC_OK);
	snprintf(base, sizeof(base), "127.0.0.1:%u", http_server_port(s));
	assert_int_equal(http_client_new(&a, base, &co, &e), RC_OK);
	assert_int_equal(http_client_new(&b, base, &co, &e), RC_OK);
	assert_int_equal(pthread_create(&th, NULL, gate_caller, a), 0);
	sleep_ms(100);		/* /gate is blocking in its handler */
	t0 = now_ms();
	assert_int_equal(http_client_json(b, "GET", "/open", NULL, NULL, &e),
			 RC_OK);
	assert_true(now_ms() - t0 < 1000);
	pthread_join(th, &ret);
	assert_int_equal((intptr_t)ret, 1);	/* released by /open */
	http_client_free(a);
	http_client_free(b);
	http_server_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_ok),
		cmocka_unit_test(test_thread_per_conn),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_method_not_allowed),
		cmocka_unit_test(test_created_location_text),
		cmocka_unit_test(test_too_large_content_length),
		cmocka_unit_test(test_too_large_chunked),
		cmocka_unit_test(test_bad_json),
		cmocka_unit_test(test_query_headers),
		cmocka_unit_test(test_prefix_decoded),
		cmocka_unit_test(test_handler_replies),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_keepalive_server),
		cmocka_unit_test(test_client_reuse),
		cmocka_unit_test(test_client_bad_replies),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_connect_timeout),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_bad_listen),
		cmocka_unit_test(test_port_in_use),
		cmocka_unit_test(test_route_validation),
		cmocka_unit_test(test_client_bad_args),
		cmocka_unit_test(test_graceful_stop),
		cmocka_unit_test(test_client_headers),
		cmocka_unit_test(test_client_abort),
		cmocka_unit_test(test_client_abort_connect),
	};

	return cmocka_run_group_tests_name("http", tests, setup, teardown);
}
