/*
 * http.h -- HTTP/JSON server (over libmicrohttpd) and client (over libcurl).
 *
 * Server: a program registers routes (method + path, or path prefix ending
 * in '*') and handlers, then starts the server on an address such as
 * "127.0.0.1:7000" or "127.0.0.1:0" (any free port; http_server_port() says
 * which).  Handlers run on the server's worker threads and must be
 * thread-safe.  The wrapper does the rest the same way for every daemon:
 *   - unknown path: 404; known path, wrong method: 405 with an Allow header;
 *   - a body larger than the route's limit: 413, the handler never runs;
 *   - a route marked HTTP_JSON_BODY gets its body parsed, and malformed JSON
 *     (or a body that is not a JSON object) is answered with 400;
 *   - every error has one shape: {"error":{"code":"...","message":"..."}}.
 *   - HEAD is answered by the path's GET route, without the body.
 *   - an exact route wins over a prefix route, a longer prefix over a
 *     shorter one.
 *   - a handler that sets neither body nor status is answered with 500;
 *     one that sets only a status (204, say) sends an empty body.
 *
 * Client: one struct http_client per peer base URL keeps its connection
 * alive between requests (libcurl connection reuse).  A client is not
 * thread-safe; use one per thread -- except http_client_abort() and
 * http_client_reset_abort(), which any thread may call at any time while
 * the client exists.  Connect and total timeouts are set per client, and
 * so are extra request headers (http_client_add_header).  Errors come
 * back as enum rc codes with a message naming the peer:
 * RC_UNAVAILABLE "cannot connect to 127.0.0.1:7000: Connection refused",
 * RC_TIMEOUT "no answer from 127.0.0.1:7000 within 2000 ms",
 * RC_UNAVAILABLE "request to 127.0.0.1:7000 aborted", and a JSON
 * error reply from the peer is turned back into its code and message.
 *
 * Tested in t/unit/http_test.c.
 */
#ifndef RANGEDB_HTTP_H
#define RANGEDB_HTTP_H

#include <stddef.h>
#include <jansson.h>

#include "err.h"

/* ---- server ---------------------------------------------------------- */

struct http_server;

struct http_req {
	const char *method;	/* "GET", "POST", ... */
	const char *path;	/* URL path, percent-decoded, no query */
	const char *raw_path;	/* URL path as sent (still %-encoded) */
	const char *body;	/* request body, NUL-terminated; "" if none */
	size_t body_len;
	json_t *json;		/* parsed body for HTTP_JSON_BODY routes */
	void *conn;		/* opaque: used by http_req_query/header */
};

struct http_resp {
	int status;		/* HTTP status; 200 unless set */
	char *body;		/* malloc'd; owned by the wrapper after return */
	size_t body_len;
	const char *content_type; /* static string; "application/json" default */
	char location[512];	/* optional Location header, "" = none */
};

typedef void (*http_handler_fn)(const struct http_req *req,
				struct http_resp *resp, void *arg);

/* Route flags */
#define HTTP_JSON_BODY	0x1	/* parse body as a JSON object (empty body = {}) */

struct http_server_opts {
	const char *listen;	/* "HOST:PORT"; PORT 0 = any free port */
	unsigned threads;	/* worker threads; 0 = number of CPUs */
	size_t max_body;	/* default body limit in bytes; 0 = 1 MiB */
	unsigned conn_timeout_s; /* idle connection timeout; 0 = 60 */
	/*
	 * 1: one thread per connection instead of a worker pool.  For
	 * handlers that block (raftd waits for Raft to commit): in a pool a
	 * blocked worker also stalls the other connections it serves, which
	 * may be the very peer traffic the handler waits for.
	 */
	int thread_per_conn;
};

int http_server_new(struct http_server **out, struct err *e);

/*
 * Register a route.  path is exact ("/ts") or a prefix ending in '*'
 * ("/kv/" then '*' matches "/kv/a/b").  max_body 0 = the server default.
 * Routes must be added before http_server_start().
 */
int http_server_route(struct http_server *s, const char *method,
		      const char *path, unsigned flags, size_t max_body,
		      http_handler_fn fn, void *arg, struct err *e);

int http_server_start(struct http_server *s,
		      const struct http_server_opts *opts, struct err *e);

/* Port actually bound (useful with port 0); 0 before start. */
unsigned http_server_port(const struct http_server *s);

/* Stop accepting, finish in-flight requests, free everything. */
void http_server_free(struct http_server *s);

/* Query parameter or request header of the current request; NULL if absent. */
const char *http_req_query(const struct http_req *req, const char *name);
const char *http_req_header(const struct http_req *req, const char *name);

/* Fill resp: JSON (steals the reference to j), plain text, or the error shape. */
void http_resp_json(struct http_resp *resp, int status, json_t *j);
void http_resp_text(struct http_resp *resp, int status, const char *ctype,
		    const char *text, size_t len);
void http_resp_error(struct http_resp *resp, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The error shape from a struct err (code decides the HTTP status). */
void http_resp_err(struct http_resp *resp, const struct err *e);

/* ---- client ---------------------------------------------------------- */

struct http_client;

struct http_client_opts {
	long connect_timeout_ms; /* 0 = 1000 */
	long timeout_ms;	 /* total per request; 0 = 5000 */
	size_t max_response;	 /* 0 = 64 MiB */
};

/* base is "127.0.0.1:7000" or "http://127.0.0.1:7000". */
int http_client_new(struct http_client **out, const char *base,
		    const struct http_client_opts *opts, struct err *e);
void http_client_free(struct http_client *c);

/*
 * Send "name: value" on every later request of c.  name is an HTTP token
 * (letters, digits, "!#$%&'*+-.^_`|~"), value has no control characters
 * but tab (no CR or LF: no header injection); "" sends an empty header.
 * RC_BAD_INPUT for an invalid name or value, a name already added, or one
 * the client writes itself (Content-Type, Content-Length, Expect, Host,
 * Transfer-Encoding, Connection).  User-Agent may be replaced.  Like every
 * other call on c, only from the thread that uses c.
 */
int http_client_add_header(struct http_client *c, const char *name,
			   const char *value, struct err *e);

/*
 * Abort c's request in flight, and every later one until
 * http_client_reset_abort(c): they return RC_UNAVAILABLE "request to
 * HOST:PORT aborted" (a later one without touching the network).  Safe
 * from ANY thread, concurrently with a request on c; it must not race
 * http_client_free(c).  It does not wait: the request in flight sees its
 * socket shut down (a connect in progress or a peer that never answers
 * ends at once) and, failing that, curl's progress check, which runs at
 * least about once a second.  A request that had already got its whole
 * reply may still return it.  NULL is a no-op.
 */
void http_client_abort(struct http_client *c);

/*
 * Let requests through again after http_client_abort().  The next
 * request opens a new connection.  Safe from any thread, but a reset
 * racing an abort leaves whichever came last in force: call it from the
 * thread that uses c, between requests.  NULL is a no-op.
 */
void http_client_reset_abort(struct http_client *c);

/*
 * Raw request.  path may carry a query string.  On success (any HTTP status)
 * *status is the HTTP status and *resp, *resp_len a malloc'd, NUL-terminated
 * body the caller frees.  Transport failures return RC_UNAVAILABLE or
 * RC_TIMEOUT with the peer named in the message.
 */
int http_client_do(struct http_client *c, const char *method,
		   const char *path, const char *ctype, const void *body,
		   size_t body_len, int *status, char **resp, size_t *resp_len,
		   struct err *e);

/*
 * JSON request (req may be NULL for no body).  A 2xx reply is parsed into
 * *out (caller decrefs).  A non-2xx reply in the error shape is returned as
 * its code and message; any other reply is RC_UNAVAILABLE/RC_INTERNAL with
 * the status in the message.  An empty 2xx body (204) gives JSON null, a
 * malformed one RC_CORRUPT.
 */
int http_client_json(struct http_client *c, const char *method,
		     const char *path, json_t *req, json_t **out,
		     struct err *e);

/*
 * Printable start of a reply body for an error message: at most cap - 1
 * bytes of body, non-printable bytes as ' ', "..." at the end when cut;
 * always NUL-terminated (cap >= 1).
 */
void http_excerpt(const char *body, size_t len, char *out, size_t cap);

#endif
