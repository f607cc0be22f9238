/*
 * wlclient.h -- the workload's HTTP client for one txcoord, and the rule
 * that turns what came back into an operation's outcome.
 *
 * One struct wlclient is one libcurl easy handle (so one kept-alive
 * connection) used by one thread.  The request body is handed to curl
 * through a read callback, which is how the client knows whether the
 * server can have seen the request: curl calls it only once the request
 * headers are on a connection.  A transfer that failed before that (the
 * connection was refused, the connect timed out) certainly did nothing;
 * one that failed after it (no answer in time, the connection dropped,
 * even a refused reconnect when curl retried on a stale kept-alive
 * connection) may have done anything.
 *
 * Outcome rule (wlclient_classify), from what the txcoord API promises
 * (cmd/txcoord/api.h: "a failed request writes nothing", except a commit
 * whose outcome is unknown):
 *   2xx                                   ok
 *   503 whose body says "outcome unknown" info
 *   other 5xx (500 a bug, 502, 504)       info (the API does not say; a
 *                                         500 can follow a commit)
 *   503 otherwise, 4xx (409 retry, 400, 404 expired txn, 421), 1xx, 3xx
 *                                         fail
 *   transport error, request not sent     fail
 *   transport error, request maybe sent   info
 * Callers decide what info means for a read (nothing: reads change no
 * state, so the workload records them as fail).
 *
 * Tested in t/unit/wlhist_test.c (the rule, and the transport cases
 * against sockets that refuse, drop or never answer).
 */
#ifndef RANGEDB_WLCLIENT_H
#define RANGEDB_WLCLIENT_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"
#include "wlhist.h"

#define WLCLIENT_ERROR_MAX	256
#define WLCLIENT_MAX_REPLY	(64u << 20)	/* a longer reply is an error */

/* curl_global_init(); call once in main before any thread starts. */
int wlclient_global_init(struct err *e);
void wlclient_global_cleanup(void);

struct wlclient;

struct wlclient_opts {
	long timeout_ms;	 /* whole request, > 0 */
	long connect_timeout_ms; /* 0: the smaller of timeout_ms and 2 s */
};

/* RC_BAD_INPUT unless addr is "HOST:PORT" or "http://HOST:PORT". */
int wlclient_check_addr(const char *addr, struct err *e);

/* addr is "HOST:PORT" or "http://HOST:PORT". */
int wlclient_new(const char *addr, const struct wlclient_opts *o,
		 struct wlclient **out, struct err *e);
void wlclient_free(struct wlclient *c);

/* "HOST:PORT" as given (without the scheme); borrowed. */
const char *wlclient_addr(const struct wlclient *c);

/* What one request came back with. */
struct wlclient_reply {
	enum wlhist_outcome outcome;
	int status;		/* HTTP status, 0 when none came */
	int curl_code;		/* CURLcode of the transfer, 0 = CURLE_OK */
	int sent;		/* 1 when the server may have seen it */
	json_t *body;		/* the reply when it is JSON (any status) */
	char error[WLCLIENT_ERROR_MAX];	/* why, when not ok; else "" */
};

/*
 * POST req (compact JSON; not stolen) to path and classify the result.
 * Always fills r (release it with wlclient_reply_release) and returns
 * r->outcome; running out of memory before sending is a fail.
 */
enum wlhist_outcome wlclient_post(struct wlclient *c, const char *path,
				  const json_t *req,
				  struct wlclient_reply *r);
void wlclient_reply_release(struct wlclient_reply *r);

/*
 * The outcome rule above, and why (into why[cap], "" for ok): the
 * server's "code: message" for a JSON error (the message alone when it
 * starts with "code:"), else "HTTP N: <start of body>", or for a
 * transport error curl's text after "not sent: " or "maybe sent: ".
 * body (len bytes, may be NULL) is the reply; curl_code is a CURLcode.
 */
enum wlhist_outcome wlclient_classify(int status, int curl_code, int sent,
				      const char *body, size_t len,
				      char *why, size_t cap);

#endif
