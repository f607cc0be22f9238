/*
 * wlhist_test.c -- unit tests of the workload recorder's pieces that need
 * no cluster (t/check/): history lines and their JSON escaping, the
 * history file (concurrent writers, refusing an old history, sticky
 * write errors), the outcome rule from (HTTP status, curl code, sent,
 * body), the same rule over real sockets that refuse, never answer,
 * drop a request, or drop a kept-alive connection, and address lists.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "err.h"
#include "wlclient.h"
#include "wlhist.h"
#include "wlops.h"
#include "wlrun.h"

/* ---- history lines ------------------------------------------------------ */

static void test_format_line(void **state)
{
	json_t *v = json_pack("[i, i]", 4, 9);
	char *line;
	size_t len;

	(void)state;
	assert_int_equal(wlhist_format("invoke", 3, "cas", "chk/1-2/reg/2", v,
				       1700000000123456789LL, NULL, &line,
				       &len, NULL), RC_OK);
	assert_string_equal(line, "{\"type\":\"invoke\",\"p\":3,\"f\":\"cas\","
			    "\"k\":\"chk/1-2/reg/2\",\"v\":[4,9],"
			    "\"t\":1700000000123456789}\n");
	assert_int_equal(len, strlen(line));
	free(line);
	/* no key, null value, an error; "" error is left out */
	assert_int_equal(wlhist_format("fail", 0, "read", NULL, NULL, 5,
				       "retry: conflict", &line, NULL, NULL),
			 RC_OK);
	assert_string_equal(line, "{\"type\":\"fail\",\"p\":0,\"f\":\"read\","
			    "\"v\":null,\"t\":5,\"error\":\"retry: "
			    "conflict\"}\n");
	free(line);
	assert_int_equal(wlhist_format("ok", 1, "write", "k", v, 6, "", &line,
				       NULL, NULL), RC_OK);
	assert_null(strstr(line, "error"));
	free(line);
	json_decref(v);
}

static void test_format_escapes(void **state)
{
	const char *key = "a\"b\\c\nd\te\x01/\xc3\xa9";
	struct err e;
	json_t *j;
	char *line;

	(void)state;
	assert_int_equal(wlhist_format("invoke", 7, "read", key, NULL, 1,
				       "say \"no\"\n", &line, NULL, NULL),
			 RC_OK);
	assert_non_null(strstr(line, "\"k\":\"a\\\"b\\\\c\\nd\\te\\u0001/"
			       "\xc3\xa9\""));
	assert_non_null(strstr(line, "\"error\":\"say \\\"no\\\"\\n\""));
	/* exactly one line, and it reads back to the same key */
	assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1);
	j = json_loads(line, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "k")), key);
	json_decref(j);
	free(line);
	/* not UTF-8: refused, not written mangled */
	assert_int_equal(wlhist_format("invoke", 7, "read", "bad\xff", NULL, 1,
				       NULL, &line, NULL, &e), RC_BAD_INPUT);
	assert_null(line);
	assert_non_null(strstr(e.msg, "UTF-8"));
}

static void test_outcome_names(void **state)
{
	(void)state;
	assert_string_equal(wlhist_outcome_name(WLHIST_OK), "ok");
	assert_string_equal(wlhist_outcome_name(WLHIST_FAIL), "fail");
	assert_string_equal(wlhist_outcome_name(WLHIST_INFO), "info");
	assert_int_equal(wlops_kind_parse("register"), WLOPS_REGISTER);
	assert_int_equal(wlops_kind_parse("bank"), WLOPS_BANK);
	assert_int_equal(wlops_kind_parse("Bank"), -1);
	assert_string_equal(wlops_kind_name(WLOPS_MONOTONIC), "monotonic");
}

/* ---- the history file ---------------------------------------------------- */

#define WRITERS	4
#define PAIRS	300

struct writer_arg {
	struct wlhist *h;
	int p;
};

static void *writer_main(void *arg)
{
	struct writer_arg *a = arg;
	json_t *v = json_integer(a->p);

	for (int i = 0; i < PAIRS; i++) {
		if (wlhist_invoke(a->h, a->p, "write", "k", v, NULL) != RC_OK ||
		    wlhist_complete(a->h, i % 3 == 0 ? WLHIST_INFO : WLHIST_OK,
				    a->p, "write", "k", v, "timeout", NULL) !=
		    RC_OK)
			break;
	}
	json_decref(v);
	return NULL;
}

static char *temp_path(void)
{
	char *path = strdup("/tmp/wlhist_test.XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	return path;
}

static void test_file_concurrent(void **state)
{
	char *path = temp_path(), line[512];
	struct writer_arg args[WRITERS];
	pthread_t tid[WRITERS];
	struct wlhist_counts n;
	struct wlhist *h;
	int64_t last_t = 0;
	int lines = 0, open_op[WRITERS] = { 0 };
	json_t *meta = json_pack("{s:s, s:i}", "workload", "register", "keys",
				 8);
	FILE *f;

	(void)state;
	assert_int_equal(wlhist_open(path, &h, NULL), RC_OK);
	assert_int_equal(wlhist_meta(h, meta, NULL), RC_OK);
	for (int i = 0; i < WRITERS; i++) {
		args[i].h = h;
		args[i].p = i;
		assert_int_equal(pthread_create(&tid[i], NULL, writer_main,
						&args[i]), 0);
	}
	for (int i = 0; i < WRITERS; i++)
		pthread_join(tid[i], NULL);
	wlhist_get_counts(h, &n);
	assert_int_equal(n.invoke, WRITERS * PAIRS);
	assert_int_equal(n.info, WRITERS * (PAIRS / 3));
	assert_int_equal(n.ok, WRITERS * (PAIRS - PAIRS / 3));
	assert_int_equal(n.fail, 0);
	wlhist_close(h);

	assert_non_null(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL) {
		json_t *j = json_loads(line, 0, NULL);
		const char *type;
		int p;

		assert_non_null(j);
		assert_int_equal(line[strlen(line) - 1], '\n');
		type = json_string_value(json_object_get(j, "type"));
		if (lines++ == 0) {
			assert_string_equal(type, "meta");
			assert_int_equal(json_integer_value(
				json_object_get(j, "keys")), 8);
			json_decref(j);
			continue;
		}
		/* t never goes down the file; invoke/completion alternate */
		assert_true(json_integer_value(json_object_get(j, "t")) >=
			    last_t);
		last_t = json_integer_value(json_object_get(j, "t"));
		p = (int)json_integer_value(json_object_get(j, "p"));
		assert_in_range(p, 0, WRITERS - 1);
		assert_int_equal(strcmp(type, "invoke") == 0, !open_op[p]);
		open_op[p] = !open_op[p];
		json_decref(j);
	}
	fclose(f);
	assert_int_equal(lines, 1 + 2 * WRITERS * PAIRS);

	/* an old history is never appended to */
	{
		struct err e;

		assert_int_equal(wlhist_open(path, &h, &e), RC_BAD_INPUT);
		assert_non_null(strstr(e.msg, "not empty"));
	}
	json_decref(meta);
	unlink(path);
	free(path);
}

/*
 * A write fails (the file size limit), then the cause goes away: the
 * history still refuses every later line, so it never has a hole.
 */
static void test_file_write_error_sticky(void **state)
{
	char *path = temp_path(), key[200];
	struct rlimit old, small;
	struct wlhist_counts n;
	void (*old_handler)(int);
	struct wlhist *h;
	struct err e;
	int rc;

	(void)state;
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	assert_int_equal(wlhist_open(path, &h, NULL), RC_OK);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = 64;
	old_handler = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	rc = wlhist_invoke(h, 0, "read", key, NULL, &e);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, old_handler);
	assert_int_equal(rc, RC_IO);
	assert_non_null(strstr(e.msg, "cannot write the history"));
	assert_non_null(strstr(e.msg, path));
	/* the limit is gone, but later lines fail the same way */
	err_clear(&e);
	assert_int_equal(wlhist_complete(h, WLHIST_OK, 0, "read", "k", NULL,
					 NULL, &e), RC_IO);
	assert_non_null(strstr(e.msg, "cannot write the history"));
	{
		json_t *meta = json_object();

		assert_int_equal(wlhist_meta(h, meta, NULL), RC_IO);
		json_decref(meta);
	}
	wlhist_get_counts(h, &n);
	assert_int_equal(n.invoke + n.ok, 0);
	wlhist_close(h);
	unlink(path);
	free(path);
}

/* ---- the outcome rule ---------------------------------------------------- */

static enum wlhist_outcome classify(int status, int cc, int sent,
				    const char *body, char *why)
{
	return wlclient_classify(status, cc, sent, body,
				 body != NULL ? strlen(body) : 0, why,
				 WLCLIENT_ERROR_MAX);
}

static void test_classify_http(void **state)
{
	char why[WLCLIENT_ERROR_MAX];

	(void)state;
	assert_int_equal(classify(200, CURLE_OK, 1, "{}", why), WLHIST_OK);
	assert_string_equal(why, "");
	assert_int_equal(classify(409, CURLE_OK, 1, "{\"error\":{\"code\":"
				  "\"retry\",\"sqlstate\":\"40001\","
				  "\"message\":\"retry: write too old\"}}",
				  why), WLHIST_FAIL);
	assert_string_equal(why, "retry: write too old");
	assert_int_equal(classify(400, CURLE_OK, 1, "{\"error\":{\"code\":"
				  "\"bad_input\",\"message\":\"unknown field "
				  "'vaule'\"}}", why), WLHIST_FAIL);
	assert_string_equal(why, "bad_input: unknown field 'vaule'");
	assert_int_equal(classify(404, CURLE_OK, 1, "{\"error\":{\"code\":"
				  "\"not_found\",\"message\":\"no transaction "
				  "ab\"}}", why), WLHIST_FAIL);
	/* 503: unknown only when the server says so */
	assert_int_equal(classify(503, CURLE_OK, 1, "{\"error\":{\"code\":"
				  "\"unavailable\",\"message\":\"commit of "
				  "transaction ab: outcome unknown: x\"}}",
				  why), WLHIST_INFO);
	assert_non_null(strstr(why, "outcome unknown"));
	assert_int_equal(classify(503, CURLE_OK, 1, "{\"error\":{\"code\":"
				  "\"unavailable\",\"message\":\"too many open "
				  "transactions\"}}", why), WLHIST_FAIL);
	assert_int_equal(classify(503, CURLE_OK, 1, "outcome unknown", why),
			 WLHIST_INFO);
	/* other server errors: the API does not promise nothing happened */
	assert_int_equal(classify(500, CURLE_OK, 1, "{\"error\":{\"code\":"
				  "\"nomem\",\"message\":\"cannot build "
				  "reply\"}}", why), WLHIST_INFO);
	assert_int_equal(classify(502, CURLE_OK, 1, "<html>bad\tgateway",
				  why), WLHIST_INFO);
	assert_string_equal(why, "HTTP 502: <html>bad gateway");
	assert_int_equal(classify(504, CURLE_OK, 1, NULL, why), WLHIST_INFO);
	assert_int_equal(classify(421, CURLE_OK, 1, "", why), WLHIST_FAIL);
	assert_string_equal(why, "HTTP 421: ");
}

static void test_classify_transport(void **state)
{
	char why[WLCLIENT_ERROR_MAX];

	(void)state;
	/* refused or timed out before the request went out: nothing done */
	assert_int_equal(classify(0, CURLE_COULDNT_CONNECT, 0, NULL, why),
			 WLHIST_FAIL);
	assert_non_null(strstr(why, "not sent"));
	assert_int_equal(classify(0, CURLE_OPERATION_TIMEDOUT, 0, NULL, why),
			 WLHIST_FAIL);
	assert_int_equal(classify(0, CURLE_COULDNT_RESOLVE_HOST, 0, NULL,
				  why), WLHIST_FAIL);
	/* after it may have been seen: unknown, even a refused reconnect */
	assert_int_equal(classify(0, CURLE_COULDNT_CONNECT, 1, NULL, why),
			 WLHIST_INFO);
	assert_non_null(strstr(why, "maybe sent"));
	assert_int_equal(classify(0, CURLE_OPERATION_TIMEDOUT, 1, NULL, why),
			 WLHIST_INFO);
	assert_int_equal(classify(0, CURLE_GOT_NOTHING, 1, NULL, why),
			 WLHIST_INFO);
	assert_int_equal(classify(0, CURLE_RECV_ERROR, 1, NULL, why),
			 WLHIST_INFO);
	/* a transfer error after a 200 status line is still unknown */
	assert_int_equal(classify(200, CURLE_PARTIAL_FILE, 1, "{", why),
			 WLHIST_INFO);
}

/* ---- the rule over real sockets ----------------------------------------- */

struct fake {
	int lsock, port;
	const char *reply;	/* raw HTTP reply; NULL: close unanswered */
	int answer_first;	/* answer one request, then drop the next */
	int got;		/* requests read */
	pthread_t tid;
};

static int listen_any(int *port, int do_listen)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	assert_true(s >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	if (do_listen)
		assert_int_equal(listen(s, 4), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &l), 0);
	*port = ntohs(a.sin_port);
	return s;
}

/* Read one request (headers and Content-Length body); 0 at EOF. */
static int read_request(int c)
{
	char buf[8192];
	size_t n = 0;
	char *end = NULL;

	while (end == NULL && n < sizeof(buf) - 1) {
		ssize_t r = read(c, buf + n, sizeof(buf) - 1 - n);

		if (r <= 0)
			return 0;
		n += (size_t)r;
		buf[n] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
	if (end != NULL) {
		const char *cl = strcasestr(buf, "content-length:");
		size_t want = cl ? strtoul(cl + 15, NULL, 10) : 0;
		size_t have = n - (size_t)(end + 4 - buf);

		while (have < want) {
			ssize_t r = read(c, buf, sizeof(buf));

			if (r <= 0)
				return 0;
			have += (size_t)r;
		}
	}
	return 1;
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	int c = accept(f->lsock, NULL, NULL);

	if (c < 0)
		return NULL;
	if (read_request(c)) {
		f->got++;
		if (f->answer_first) {
			const char *ok = "HTTP/1.1 200 OK\r\nContent-Length: "
				"2\r\n\r\n{}";

			if (write(c, ok, strlen(ok)) < 0)
				f->got = -100;
			/* the next request on the kept-alive connection is
			 * read, then dropped, and reconnecting is refused */
			if (read_request(c))
				f->got++;
			close(f->lsock);
			f->lsock = -1;
		} else if (f->reply != NULL &&
			   write(c, f->reply, strlen(f->reply)) < 0) {
			f->got = -100;
		}
	}
	close(c);
	return NULL;
}

static void fake_start(struct fake *f)
{
	f->lsock = listen_any(&f->port, 1);
	assert_int_equal(pthread_create(&f->tid, NULL, fake_main, f), 0);
}

static void fake_stop(struct fake *f)
{
	pthread_join(f->tid, NULL);
	if (f->lsock >= 0)
		close(f->lsock);
}

static struct wlclient *client_to(int port, long timeout_ms)
{
	struct wlclient_opts o = { .timeout_ms = timeout_ms };
	struct wlclient *c;
	char addr[32];

	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	assert_int_equal(wlclient_new(addr, &o, &c, NULL), RC_OK);
	assert_string_equal(wlclient_addr(c), addr);
	return c;
}

static json_t *req(void)
{
	json_t *j = json_pack("{s:[{s:s, s:s}]}", "ops", "op", "get", "key",
			      "k");

	assert_non_null(j);
	return j;
}

static void test_socket_refused(void **state)
{
	struct wlclient_reply r;
	struct wlclient *c;
	json_t *j = req();
	int port, s = listen_any(&port, 0);

	(void)state;
	close(s);		/* bound, never listened: refused */
	c = client_to(port, 2000);
	assert_int_equal(wlclient_post(c, "/txn", j, &r), WLHIST_FAIL);
	assert_int_equal(r.sent, 0);
	assert_int_equal(r.curl_code, CURLE_COULDNT_CONNECT);
	assert_non_null(strstr(r.error, "not sent"));
	wlclient_reply_release(&r);
	wlclient_free(c);
	json_decref(j);
}

static void test_socket_no_answer(void **state)
{
	struct wlclient_reply r;
	struct wlclient *c;
	json_t *j = req();
	int port, s = listen_any(&port, 1);

	(void)state;
	/* the kernel completes the handshake; nobody ever answers */
	c = client_to(port, 300);
	assert_int_equal(wlclient_post(c, "/txn", j, &r), WLHIST_INFO);
	assert_int_equal(r.sent, 1);
	assert_int_equal(r.curl_code, CURLE_OPERATION_TIMEDOUT);
	assert_non_null(strstr(r.error, "maybe sent"));
	wlclient_reply_release(&r);
	wlclient_free(c);
	close(s);
	json_decref(j);
}

/* A raw HTTP reply with body (malloc'd). */
static char *http_reply(const char *status_line, const char *body)
{
	char *s;

	assert_true(asprintf(&s, "HTTP/1.1 %s\r\nContent-Type: application/"
			     "json\r\nContent-Length: %zu\r\n\r\n%s",
			     status_line, strlen(body), body) > 0);
	return s;
}

static void test_socket_replies(void **state)
{
	static const struct {
		const char *status_line, *body;	/* NULL: dropped */
		enum wlhist_outcome want;
		int status;
	} cases[] = {
		{ "200 OK", "{\"results\":[{}],\"x\":1}", WLHIST_OK, 200 },
		{ "503 Service Unavailable", "{\"error\":{\"code\":"
		  "\"unavailable\",\"message\":\"commit of transaction ab: "
		  "outcome unknown: lost\"}}", WLHIST_INFO, 503 },
		{ "409 Conflict", "{\"error\":{\"code\":\"retry\","
		  "\"message\":\"retry: clash\"}}", WLHIST_FAIL, 409 },
		{ NULL, NULL, WLHIST_INFO, 0 },	/* read, then dropped */
	};
	json_t *j = req();

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *raw = cases[i].body != NULL ?
			http_reply(cases[i].status_line, cases[i].body) : NULL;
		struct fake f = { .reply = raw };
		struct wlclient_reply r;
		struct wlclient *c;

		fake_start(&f);
		c = client_to(f.port, 2000);
		assert_int_equal(wlclient_post(c, "/txn", j, &r),
				 cases[i].want);
		assert_int_equal(r.status, cases[i].status);
		assert_int_equal(r.sent, 1);
		if (i == 0)
			assert_non_null(json_object_get(r.body, "results"));
		if (i == 1)
			assert_non_null(strstr(r.error, "outcome unknown"));
		if (i == 2)
			assert_string_equal(r.error, "retry: clash");
		wlclient_reply_release(&r);
		wlclient_free(c);
		fake_stop(&f);
		assert_int_equal(f.got, 1);
		free(raw);
	}
	json_decref(j);
}

/*
 * The case a "refused means nothing happened" rule gets wrong: the
 * request goes out on a kept-alive connection, the server reads it and
 * dies, curl retries on a new connection and is refused.
 */
static void test_socket_keepalive_drop(void **state)
{
	struct fake f = { .answer_first = 1 };
	struct wlclient_reply r;
	struct wlclient *c;
	json_t *j = req();

	(void)state;
	fake_start(&f);
	c = client_to(f.port, 2000);
	assert_int_equal(wlclient_post(c, "/txn", j, &r), WLHIST_OK);
	wlclient_reply_release(&r);
	assert_int_equal(wlclient_post(c, "/txn", j, &r), WLHIST_INFO);
	assert_int_equal(r.sent, 1);
	assert_int_equal(r.status, 0);
	wlclient_reply_release(&r);
	fake_stop(&f);
	assert_int_equal(f.got, 2);	/* the server did see it */
	/* with the listener gone, a fresh request is a definite fail */
	assert_int_equal(wlclient_post(c, "/txn", j, &r), WLHIST_FAIL);
	assert_int_equal(r.sent, 0);
	wlclient_reply_release(&r);
	wlclient_free(c);
	json_decref(j);
}

/* ---- addresses ---------------------------------------------------------- */

static void test_addrs(void **state)
{
	char **a;
	size_t n;
	struct err e;

	(void)state;
	assert_int_equal(wlrun_split_addrs("127.0.0.1:7200", &a, &n, NULL),
			 RC_OK);
	assert_int_equal(n, 1);
	assert_string_equal(a[0], "127.0.0.1:7200");
	wlrun_addrs_free(a, n);
	assert_int_equal(wlrun_split_addrs(" a:1 ,b:2,\tc:3", &a, &n, NULL),
			 RC_OK);
	assert_int_equal(n, 3);
	assert_string_equal(a[0], "a:1");
	assert_string_equal(a[1], "b:2");
	assert_string_equal(a[2], "c:3");
	wlrun_addrs_free(a, n);
	assert_int_equal(wlrun_split_addrs("a:1,,b:2", &a, &n, &e),
			 RC_BAD_INPUT);
	assert_null(a);
	assert_int_equal(wlrun_split_addrs("", &a, &n, NULL), RC_BAD_INPUT);
	assert_int_equal(wlrun_split_addrs("a:1,", &a, &n, NULL),
			 RC_BAD_INPUT);

	assert_int_equal(wlclient_check_addr("127.0.0.1:7200", NULL), RC_OK);
	assert_int_equal(wlclient_check_addr("http://h:1", NULL), RC_OK);
	assert_int_equal(wlclient_check_addr("h", NULL), RC_BAD_INPUT);
	assert_int_equal(wlclient_check_addr("h:", NULL), RC_BAD_INPUT);
	assert_int_equal(wlclient_check_addr(":1", NULL), RC_BAD_INPUT);
	assert_int_equal(wlclient_check_addr("h:1/x", NULL), RC_BAD_INPUT);
	assert_int_equal(wlclient_check_addr("h:x1", NULL), RC_BAD_INPUT);
}

static int setup(void **state)
{
	(void)state;
	return wlclient_global_init(NULL) == RC_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	wlclient_global_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_line),
		cmocka_unit_test(test_format_escapes),
		cmocka_unit_test(test_outcome_names),
		cmocka_unit_test(test_file_concurrent),
		cmocka_unit_test(test_file_write_error_sticky),
		cmocka_unit_test(test_classify_http),
		cmocka_unit_test(test_classify_transport),
		cmocka_unit_test(test_socket_refused),
		cmocka_unit_test(test_socket_no_answer),
		cmocka_unit_test(test_socket_replies),
		cmocka_unit_test(test_socket_keepalive_drop),
		cmocka_unit_test(test_addrs),
	};

	return cmocka_run_group_tests_name("wlhist", tests, setup, teardown);
}
