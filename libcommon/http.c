/*
 * http.c -- HTTP/JSON server over libmicrohttpd, client over libcurl
 * (see http.h for the contract).
 *
 * Server.  libmicrohttpd runs a pool of worker threads, each with its own
 * epoll set, all accepting from one listening socket that we create
 * ourselves (so a bind failure comes back as a precise errno).  Every TCP
 * connection gets one struct http_conn, allocated when it is accepted and
 * reused by every request on it (keep-alive), so a small GET costs no
 * allocation of ours besides the reply body.  Routes are fixed before start
 * and read without locks.  Decisions worth knowing:
 *   - HEAD is served by the GET route of the path (libmicrohttpd drops the
 *     body); Allow lists HEAD whenever GET is allowed.
 *   - an exact route beats a prefix route, a longer prefix beats a shorter
 *     one; 405 only when no route of any kind matches path and method.
 *   - Content-Length over the limit: 413 at once, body unread, connection
 *     closed afterwards.  A chunked body that grows past the limit is read
 *     and discarded to its end, then answered 413 (the connection survives).
 *   - a path containing %00 is refused (400): it cannot be a C string.
 *   - a handler that sets neither body nor status gets 500; one that sets
 *     only a status (e.g. 204) sends an empty body.
 *   - http_server_free stops accepting, waits up to HTTP_DRAIN_MS for
 *     requests in progress to be answered, then closes everything.
 *
 * Client.  One curl easy handle per client, reused so its connection stays
 * open; proxies from the environment are ignored.  The reply is collected
 * in a buffer owned by the client, capped at max_response.  Abort from
 * another thread is an atomic flag plus the client's own sockets: curl
 * opens and closes them through our callbacks, which keep them in a small
 * table under a mutex, so http_client_abort can shutdown() them (never a
 * descriptor already closed and reused) and the progress callback returns
 * "abort" when the flag is set.  The flag is sticky so that an abort just
 * before a request starts is not lost.
 *
 * Tested in t/unit/http_test.c.
 */
#include "http.h"

#include "jx.h"
#include "log.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HTTP_DEFAULT_MAX_BODY	((size_t)1 << 20)
#define HTTP_DEFAULT_TIMEOUT_S	60
#define HTTP_MAX_THREADS	1024
#define HTTP_DRAIN_MS		5000
/* A connection keeps a body buffer up to this size for its next request. */
#define HTTP_KEEP_BUF		((size_t)64 << 10)
#define HTTP_METHOD_MAX		16

/* ---- server: routes ---------------------------------------------------- */

struct http_route {
	char method[HTTP_METHOD_MAX];
	char *path;		/* without the trailing '*' of a prefix */
	size_t path_len;
	int prefix;
	unsigned flags;
	size_t max_body;	/* 0 = server default */
	http_handler_fn fn;
	void *arg;
};

struct http_server {
	struct http_route *routes;
	size_t nroutes;
	size_t cap;
	struct MHD_Daemon *daemon;
	size_t max_body;
	unsigned port;
	char listen[64];
	atomic_long inflight;	/* requests begun and not yet answered */
};

/* Per-request progress, kept in the per-connection struct http_conn. */
enum http_state {
	HC_IDLE = 0,	/* between requests */
	HC_NEW,		/* request line seen, handler not called yet */
	HC_BODY,	/* routed, receiving the body */
	HC_TOO_LARGE,	/* body over the limit: discarding the rest */
	HC_NOMEM,	/* could not store the body: discarding the rest */
	HC_DONE		/* a reply is queued */
};

struct http_conn {
	struct http_server *s;
	enum http_state state;
	const struct http_route *route;
	size_t limit;
	char *buf;		/* body, NUL-terminated; NULL until needed */
	size_t len;
	size_t cap;
	char *raw;		/* raw path; points to raw_small or heap */
	char raw_small[128];
};

int http_server_new(struct http_server **out, struct err *e)
{
	struct http_server *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (s == NULL)
		return err_set(e, RC_NOMEM, "cannot allocate HTTP server");
	atomic_init(&s->inflight, 0);
	*out = s;
	return RC_OK;
}

static int http_method_ok(const char *m)
{
	size_t i;

	for (i = 0; m[i] != '\0'; i++)
		if (m[i] < 'A' || m[i] > 'Z')
			return 0;
	return i > 0 && i < HTTP_METHOD_MAX;
}

int http_server_route(struct http_server *s, const char *method,
		      const char *path, unsigned flags, size_t max_body,
		      http_handler_fn fn, void *arg, struct err *e)
{
	struct http_route *r;
	size_t len, i;
	int prefix;

	if (s == NULL || method == NULL || path == NULL || fn == NULL)
		return err_set(e, RC_INTERNAL,
			       "http_server_route: NULL argument");
	if (s->daemon != NULL)
		return err_set(e, RC_INTERNAL,
			       "cannot add route '%s %s': server already "
			       "started", method, path);
	if (!http_method_ok(method))
		return err_set(e, RC_BAD_INPUT,
			       "invalid HTTP method '%s': expected upper-case "
			       "letters such as GET", method);
	len = strlen(path);
	if (path[0] != '/')
		return err_set(e, RC_BAD_INPUT,
			       "invalid route path '%s': must start with '/'",
			       path);
	prefix = path[len - 1] == '*';
	if (strchr(path, '*') != (prefix ? path + len - 1 : NULL) ||
	    strchr(path, '?') != NULL)
		return err_set(e, RC_BAD_INPUT,
			       "invalid route path '%s': '*' is allowed only "
			       "at the end and '?' not at all", path);
	if (prefix)
		len--;
	if ((flags & ~(unsigned)HTTP_JSON_BODY) != 0)
		return err_set(e, RC_BAD_INPUT,
			       "unknown route flags 0x%x for '%s'", flags,
			       path);
	for (i = 0; i < s->nroutes; i++) {
		r = &s->routes[i];
		if (r->prefix == prefix && r->path_len == len &&
		    memcmp(r->path, path, len) == 0 &&
		    strcmp(r->method, method) == 0)
			return err_set(e, RC_BAD_INPUT,
				       "route '%s %s' registered twice",
				       method, path);
	}
	if (s->nroutes == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;

		r = realloc(s->routes, cap * sizeof(*r));
		if (r == NULL)
			return err_set(e, RC_NOMEM, "cannot add route '%s %s'",
				       method, path);
		s->routes = r;
		s->cap = cap;
	}
	r = &s->routes[s->nroutes];
	memset(r, 0, sizeof(*r));
	r->path = strndup(path, len);
	if (r->path == NULL)
		return err_set(e, RC_NOMEM, "cannot add route '%s %s'",
			       method, path);
	memcpy(r->method, method, strlen(method) + 1);
	r->path_len = len;
	r->prefix = prefix;
	r->flags = flags;
	r->max_body = max_body;
	r->fn = fn;
	r->arg = arg;
	s->nroutes++;
	return RC_OK;
}

static int http_route_matches(const struct http_route *r, const char *path,
			      size_t len)
{
	if (r->prefix)
		return len >= r->path_len &&
		       memcmp(r->path, path, r->path_len) == 0;
	return len == r->path_len && memcmp(r->path, path, len) == 0;
}

/* Best route for method and path: exact first, then longest prefix. */
static const struct http_route *http_route_find(const struct http_server *s,
						const char *method,
						const char *path)
{
	const struct http_route *best = NULL, *r;
	size_t len = strlen(path), i;

	if (strcmp(method, "HEAD") == 0) {
		best = http_route_find(s, "GET", path);
		if (best != NULL)
			return best;
	}
	for (i = 0; i < s->nroutes; i++) {
		r = &s->routes[i];
		if (strcmp(r->method, method) != 0 ||
		    !http_route_matches(r, path, len))
			continue;
		if (!r->prefix)
			return r;
		if (best == NULL || r->path_len > best->path_len)
			best = r;
	}
	return best;
}

/*
 * Methods allowed on path, as an Allow header value ("GET, HEAD, POST"),
 * or "" when no route matches the path at all.
 */
static void http_route_allow(const struct http_server *s, const char *path,
			     char *out, size_t cap)
{
	size_t len = strlen(path), n = 0, i, j;
	const struct http_route *r;
	int dup, w;

	out[0] = '\0';
	for (i = 0; i < s->nroutes; i++) {
		r = &s->routes[i];
		if (!http_route_matches(r, path, len))
			continue;
		dup = 0;
		for (j = 0; j < i; j++)
			if (strcmp(s->routes[j].method, r->method) == 0 &&
			    http_route_matches(&s->routes[j], path, len))
				dup = 1;
		if (dup)
			continue;
		w = snprintf(out + n, cap - n, "%s%s%s", n ? ", " : "",
			     r->method,
			     strcmp(r->method, "GET") == 0 ? ", HEAD" : "");
		if (w < 0 || (size_t)w >= cap - n)
			break;	/* cap fits every method: not reached */
		n += (size_t)w;
	}
}

/* ---- server: replies ---------------------------------------------------- */

static void http_resp_reset(struct http_resp *resp)
{
	free(resp->body);
	resp->body = NULL;
	resp->body_len = 0;
}

void http_resp_json(struct http_resp *resp, int status, json_t *j)
{
	struct err e;

	http_resp_reset(resp);
	if (j == NULL) {
		http_resp_error(resp, RC_NOMEM,
				"cannot build reply: out of memory");
		return;
	}
	if (jx_dump_line(j, &resp->body, &resp->body_len, &e) != RC_OK) {
		json_decref(j);
		http_resp_err(resp, &e);
		return;
	}
	json_decref(j);
	resp->status = status;
	resp->content_type = "application/json";
}

void http_resp_text(struct http_resp *resp, int status, const char *ctype,
		    const char *text, size_t len)
{
	http_resp_reset(resp);
	resp->body = malloc(len + 1);
	if (resp->body == NULL) {
		http_resp_error(resp, RC_NOMEM,
				"cannot build reply: out of memory");
		return;
	}
	if (len > 0)
		memcpy(resp->body, text, len);
	resp->body[len] = '\0';
	resp->body_len = len;
	resp->status = status;
	resp->content_type = ctype ? ctype : "text/plain; charset=utf-8";
}

/* Last resort when even the error shape cannot be allocated. */
static void http_resp_static_oom(struct http_resp *resp)
{
	static const char oom[] = "{\"error\":{\"code\":\"out_of_memory\","
				  "\"message\":\"out of memory\"}}\n";

	http_resp_reset(resp);
	resp->status = 500;
	resp->content_type = "application/json";
	resp->body = strdup(oom);
	if (resp->body != NULL)
		resp->body_len = sizeof(oom) - 1;
}

static void http_resp_error_msg(struct http_resp *resp, int code,
				const char *msg)
{
	json_t *j, *m;
	char *clean, *p;

	if (code <= RC_OK || code >= RC__COUNT)
		code = RC_INTERNAL;
	m = json_string(msg);
	if (m == NULL) {
		/* Not UTF-8 (a raw path, say): replace the odd bytes. */
		clean = strdup(msg);
		if (clean == NULL) {
			http_resp_static_oom(resp);
			return;
		}
		for (p = clean; *p != '\0'; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
		m = json_string(clean);
		free(clean);
	}
	j = json_pack("{s:{s:s,s:o*}}", "error", "code", rc_name(code),
		      "message", m);
	if (j == NULL) {
		http_resp_static_oom(resp);
		return;
	}
	http_resp_json(resp, rc_http_status(code), j);
	if (resp->body == NULL)
		http_resp_static_oom(resp);
}

void http_resp_error(struct http_resp *resp, int code, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX * 2];
	va_list ap;

	va_start(ap, fmt);
	err_vformat(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	http_resp_error_msg(resp, code, msg);
}

void http_resp_err(struct http_resp *resp, const struct err *e)
{
	if (e == NULL || e->code == RC_OK)
		http_resp_error_msg(resp, RC_INTERNAL,
				    "error reported without a code");
	else
		http_resp_error_msg(resp, e->code, e->msg);
}

/* ---- server: request processing ---------------------------------------- */

static enum MHD_Result http_queue(struct MHD_Connection *conn,
				  struct http_resp *r, const char *allow)
{
	struct MHD_Response *mr;
	enum MHD_Result ret;

	mr = MHD_create_response_from_buffer(r->body_len, r->body,
					     MHD_RESPMEM_MUST_FREE);
	if (mr == NULL) {
		http_resp_reset(r);
		return MHD_NO;	/* closes the connection */
	}
	r->body = NULL;		/* libmicrohttpd frees it */
	if (MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE,
				    r->content_type ? r->content_type
						    : "application/json")
	    != MHD_YES ||
	    (r->location[0] != '\0' &&
	     MHD_add_response_header(mr, MHD_HTTP_HEADER_LOCATION,
				     r->location) != MHD_YES) ||
	    (allow != NULL &&
	     MHD_add_response_header(mr, MHD_HTTP_HEADER_ALLOW, allow)
	     != MHD_YES)) {
		MHD_destroy_response(mr);
		return MHD_NO;
	}
	ret = MHD_queue_response(conn, (unsigned)r->status, mr);
	MHD_destroy_response(mr);
	return ret;
}

static enum MHD_Result http_queue_error(struct http_conn *c,
					struct MHD_Connection *conn, int code,
					const char *allow,
					const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static enum MHD_Result http_queue_error(struct http_conn *c,
					struct MHD_Connection *conn, int code,
					const char *allow,
					const char *fmt, ...)
{
	struct http_resp r;
	char msg[ERR_MSG_MAX * 2];
	va_list ap;

	memset(&r, 0, sizeof(r));
	va_start(ap, fmt);
	err_vformat(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	http_resp_error_msg(&r, code, msg);
	if (c != NULL)
		c->state = HC_DONE;
	return http_queue(conn, &r, allow);
}

static void http_conn_reset(struct http_conn *c)
{
	c->state = HC_IDLE;
	c->route = NULL;
	c->len = 0;
	if (c->cap > HTTP_KEEP_BUF) {
		free(c->buf);
		c->buf = NULL;
		c->cap = 0;
	}
	if (c->raw != c->raw_small) {
		free(c->raw);
		c->raw = c->raw_small;
	}
	c->raw_small[0] = '\0';
}

static int http_conn_append(struct http_conn *c, const char *data, size_t n)
{
	size_t cap;
	char *p;

	if (c->len + n + 1 > c->cap) {
		cap = c->cap ? c->cap : 4096;
		while (cap < c->len + n + 1)
			cap *= 2;
		p = realloc(c->buf, cap);
		if (p == NULL)
			return -1;
		c->buf = p;
		c->cap = cap;
	}
	memcpy(c->buf + c->len, data, n);
	c->len += n;
	c->buf[c->len] = '\0';
	return 0;
}

/* Run the handler on a complete request and queue what it answered. */
static enum MHD_Result http_dispatch(struct http_conn *c,
				     struct MHD_Connection *conn,
				     const char *url, const char *method)
{
	const struct http_route *rt = c->route;
	struct http_req req;
	struct http_resp resp;
	struct err e;
	enum MHD_Result ret;

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	req.method = method;
	req.path = url;
	req.raw_path = c->raw;
	req.body = c->len > 0 ? c->buf : "";
	req.body_len = c->len;
	req.conn = conn;
	if (rt->flags & HTTP_JSON_BODY) {
		if (c->len == 0) {
			req.json = json_object();
			if (req.json == NULL)
				return http_queue_error(c, conn, RC_NOMEM,
							NULL, "out of memory");
		} else if (jx_parse_object(c->buf, c->len, &req.json, &e)
			   != RC_OK) {
			return http_queue_error(c, conn, e.code, NULL,
						"request body: %s", e.msg);
		}
	}
	rt->fn(&req, &resp, rt->arg);
	json_decref(req.json);
	if (resp.body == NULL && resp.status == 0) {
		log_error("msg=\"handler gave no reply\" method=%s route=%s%s",
			  method, rt->path, rt->prefix ? "*" : "");
		http_resp_error(&resp, RC_INTERNAL,
				"handler for %s %s%s gave no reply",
				rt->method, rt->path, rt->prefix ? "*" : "");
	} else if (resp.status == 0) {
		resp.status = 200;
	} else if (resp.status < 100 || resp.status > 599) {
		log_error("msg=\"handler gave invalid status\" status=%d "
			  "route=%s%s", resp.status, rt->path,
			  rt->prefix ? "*" : "");
		http_resp_error(&resp, RC_INTERNAL,
				"handler for %s %s%s gave invalid status %d",
				rt->method, rt->path, rt->prefix ? "*" : "",
				resp.status);
	}
	c->state = HC_DONE;
	ret = http_queue(conn, &resp, NULL);
	return ret;
}

/* First call for a request: route it and check the announced size. */
static enum MHD_Result http_begin(struct http_server *s, struct http_conn *c,
				  struct MHD_Connection *conn,
				  const char *url, const char *method)
{
	const char *cl;
	char allow[HTTP_METHOD_MAX * 24], *end;
	unsigned long long n;

	if (strstr(c->raw, "%00") != NULL)
		return http_queue_error(c, conn, RC_BAD_INPUT, NULL,
					"path must not contain %%00");
	c->route = http_route_find(s, method, url);
	if (c->route == NULL) {
		http_route_allow(s, url, allow, sizeof(allow));
		if (allow[0] == '\0')
			return http_queue_error(c, conn, RC_NOT_FOUND, NULL,
						"no such path '%s'", url);
		return http_queue_error(c, conn, RC_METHOD, allow,
					"method %s not allowed on '%s' "
					"(allowed: %s)", method, url, allow);
	}
	c->limit = c->route->max_body ? c->route->max_body : s->max_body;
	cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					 MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL) {
		errno = 0;
		n = strtoull(cl, &end, 10);
		/* libmicrohttpd already refused a malformed Content-Length. */
		if (errno == 0 && end != cl && n > c->limit)
			return http_queue_error(c, conn, RC_TOO_LARGE, NULL,
						"request body of %llu bytes "
						"exceeds the limit of %zu "
						"bytes", n, c->limit);
	}
	c->state = HC_BODY;
	return MHD_YES;
}

static enum MHD_Result http_access(void *cls, struct MHD_Connection *conn,
				   const char *url, const char *method,
				   const char *version, const char *upload,
				   size_t *upload_size, void **con_cls)
{
	struct http_server *s = cls;
	struct http_conn *c = *con_cls;
	size_t n = *upload_size;

	if (c == NULL)	/* could not allocate connection state */
		return http_queue_error(NULL, conn, RC_NOMEM, NULL,
					"out of memory");
	switch (c->state) {
	case HC_IDLE:	/* not reached: the URI callback sets HC_NEW */
	case HC_NEW:
		return http_begin(s, c, conn, url, method);
	case HC_BODY:
		if (n == 0)
			return http_dispatch(c, conn, url, method);
		if (n > c->limit - c->len) {
			c->state = HC_TOO_LARGE;
			c->len = 0;
		} else if (http_conn_append(c, upload, n) != 0) {
			c->state = HC_NOMEM;
			c->len = 0;
		}
		*upload_size = 0;
		return MHD_YES;
	case HC_TOO_LARGE:
		if (n != 0) {
			*upload_size = 0;
			return MHD_YES;
		}
		return http_queue_error(c, conn, RC_TOO_LARGE, NULL,
					"request body exceeds the limit of "
					"%zu bytes", c->limit);
	case HC_NOMEM:
		if (n != 0) {
			*upload_size = 0;
			return MHD_YES;
		}
		return http_queue_error(c, conn, RC_NOMEM, NULL,
					"out of memory reading request body");
	case HC_DONE:
		*upload_size = 0;	/* reply already queued: discard */
		return MHD_YES;
	}
	return MHD_NO;
}

/* Start of a request: remember its raw path, count it as in flight. */
static void *http_uri_cb(void *cls, const char *uri,
			 struct MHD_Connection *conn)
{
	struct http_server *s = cls;
	const union MHD_ConnectionInfo *ci;
	struct http_conn *c;
	size_t n = strcspn(uri, "?");

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	c = ci != NULL ? ci->socket_context : NULL;
	if (c == NULL)
		return NULL;
	http_conn_reset(c);
	if (n >= sizeof(c->raw_small)) {
		c->raw = malloc(n + 1);
		if (c->raw == NULL) {
			c->raw = c->raw_small;
			return NULL;	/* answered 500 out_of_memory */
		}
	}
	memcpy(c->raw, uri, n);
	c->raw[n] = '\0';
	c->state = HC_NEW;
	atomic_fetch_add_explicit(&s->inflight, 1, memory_order_relaxed);
	return c;
}

static void http_completed_cb(void *cls, struct MHD_Connection *conn,
			      void **con_cls,
			      enum MHD_RequestTerminationCode toe)
{
	struct http_server *s = cls;
	struct http_conn *c = *con_cls;

	if (c == NULL)
		return;
	http_conn_reset(c);
	*con_cls = NULL;
	atomic_fetch_sub_explicit(&s->inflight, 1, memory_order_release);
}

static void http_conn_cb(void *cls, struct MHD_Connection *conn,
			 void **socket_context,
			 enum MHD_ConnectionNotificationCode toe)
{
	struct http_conn *c;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		c = calloc(1, sizeof(*c));
		if (c != NULL) {
			c->s = cls;
			c->raw = c->raw_small;
		}
		*socket_context = c;
		return;
	}
	c = *socket_context;
	if (c == NULL)
		return;
	http_conn_reset(c);
	free(c->buf);
	free(c);
	*socket_context = NULL;
}

static void http_mhd_log(void *cls, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void http_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct http_server *s = cls;
	char msg[512];
	size_t n, i;

	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		return;
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '.'))
		msg[--n] = '\0';
	for (i = 0; i < n; i++)
		if (msg[i] == '"' || msg[i] == '\n')
			msg[i] = '\'';
	log_warn("msg=\"%s\" listen=%s component=libmicrohttpd", msg,
		 s->listen);
}

/* ---- server: start and stop --------------------------------------------- */

static int http_parse_listen(const char *spec, struct sockaddr_in *sa,
			     struct err *e)
{
	const char *colon, *p;
	char host[INET_ADDRSTRLEN + 1];
	size_t hlen;
	unsigned long port = 0;

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (spec == NULL || spec[0] == '\0')
		return err_set(e, RC_BAD_INPUT, "empty listen address: "
			       "expected HOST:PORT such as 127.0.0.1:7000");
	colon = strrchr(spec, ':');
	if (spec[0] == '[' || (colon != NULL && strchr(spec, ':') != colon))
		return err_set(e, RC_BAD_INPUT,
			       "invalid listen address '%s': IPv6 is not "
			       "supported, use an IPv4 address or localhost",
			       spec);
	if (colon == NULL)
		return err_set(e, RC_BAD_INPUT,
			       "invalid listen address '%s': expected "
			       "HOST:PORT such as 127.0.0.1:7000", spec);
	hlen = (size_t)(colon - spec);
	if (hlen == 0)
		return err_set(e, RC_BAD_INPUT,
			       "invalid listen address '%s': missing host "
			       "(use 127.0.0.1 or 0.0.0.0)", spec);
	for (p = colon + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || port > 65535)
			break;
		port = port * 10 + (unsigned long)(*p - '0');
	}
	if (p == colon + 1 || *p != '\0' || port > 65535)
		return err_set(e, RC_BAD_INPUT,
			       "invalid port in listen address '%s': expected "
			       "a number from 0 to 65535", spec);
	if (hlen == 9 && memcmp(spec, "localhost", 9) == 0) {
		sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else {
		if (hlen >= sizeof(host))
			hlen = sizeof(host) - 1; /* too long: pton fails */
		memcpy(host, spec, hlen);
		host[hlen] = '\0';
		if ((size_t)(colon - spec) != hlen ||
		    inet_pton(AF_INET, host, &sa->sin_addr) != 1)
			return err_set(e, RC_BAD_INPUT,
				       "invalid host in listen address '%s': "
				       "expected an IPv4 address or localhost",
				       spec);
	}
	sa->sin_port = htons((uint16_t)port);
	return RC_OK;
}

static int http_listen_socket(const char *spec, const struct sockaddr_in *sa,
			      int *out, struct err *e)
{
	int fd = -1, one = 1, saved;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_set(e, RC_IO, "cannot listen on %s: %s", spec,
			       strerror(errno));
	/*
	 * SO_REUSEADDR only lets us rebind over TIME_WAIT leftovers of a
	 * previous run; a port someone listens on still fails (EADDRINUSE).
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) != 0 ||
	    listen(fd, SOMAXCONN) != 0) {
		saved = errno;
		close(fd);
		return err_set(e, RC_IO, "cannot listen on %s: %s", spec,
			       strerror(saved));
	}
	*out = fd;
	return RC_OK;
}

int http_server_start(struct http_server *s,
		      const struct http_server_opts *opts, struct err *e)
{
	const union MHD_DaemonInfo *di;
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	unsigned threads, timeout;
	long ncpu;
	int fd = -1, rc;

	if (s == NULL || opts == NULL)
		return err_set(e, RC_INTERNAL,
			       "http_server_start: NULL argument");
	if (s->daemon != NULL)
		return err_set(e, RC_INTERNAL,
			       "HTTP server on %s already started", s->listen);
	rc = http_parse_listen(opts->listen, &sa, e);
	if (rc != RC_OK)
		return rc;
	threads = opts->threads;
	if (threads == 0) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		threads = ncpu > 0 ? (unsigned)ncpu : 1;
	}
	if (threads > HTTP_MAX_THREADS)
		return err_set(e, RC_BAD_INPUT,
			       "too many HTTP threads (%u): at most %d",
			       threads, HTTP_MAX_THREADS);
	timeout = opts->conn_timeout_s ? opts->conn_timeout_s
				       : HTTP_DEFAULT_TIMEOUT_S;
	s->max_body = opts->max_body ? opts->max_body : HTTP_DEFAULT_MAX_BODY;
	snprintf(s->listen, sizeof(s->listen), "%s", opts->listen);

	rc = http_listen_socket(opts->listen, &sa, &fd, e);
	if (rc != RC_OK)
		return rc;
	/*
	 * MHD_USE_TURBO: optimistic reads/writes/accepts before asking epoll,
	 * fewer shutdown() calls.  MHD_USE_ITC: needed by MHD_quiesce_daemon
	 * for the graceful stop.  libmicrohttpd closes fd when it stops.
	 */
	/* The logger goes first so that every message reaches it. */
	s->daemon = MHD_start_daemon(
		(opts->thread_per_conn ?
		 MHD_USE_THREAD_PER_CONNECTION |
		 MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL :
		 MHD_USE_EPOLL_INTERNAL_THREAD) |
		MHD_USE_ERROR_LOG | MHD_USE_TURBO | MHD_USE_ITC,
		0, NULL, NULL, http_access, s,
		MHD_OPTION_EXTERNAL_LOGGER, http_mhd_log, s,
		MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
		MHD_OPTION_CONNECTION_TIMEOUT, timeout,
		MHD_OPTION_NOTIFY_CONNECTION, http_conn_cb, s,
		MHD_OPTION_URI_LOG_CALLBACK, http_uri_cb, s,
		MHD_OPTION_NOTIFY_COMPLETED, http_completed_cb, s,
		/* One thread means no pool (libmicrohttpd warns about 1). */
		threads > 1 && !opts->thread_per_conn ?
		MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END,
		threads,
		MHD_OPTION_END);
	if (s->daemon == NULL) {
		close(fd);
		return err_set(e, RC_INTERNAL,
			       "cannot start HTTP server on %s "
			       "(libmicrohttpd refused; see log)", s->listen);
	}
	di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	if (di != NULL && di->port != 0)
		s->port = di->port;
	else if (getsockname(fd, (struct sockaddr *)&sa, &salen) == 0)
		s->port = ntohs(sa.sin_port);
	log_debug("msg=\"http listening\" addr=%s port=%u threads=%u",
		  s->listen, s->port, threads);
	return RC_OK;
}

unsigned http_server_port(const struct http_server *s)
{
	return s != NULL && s->daemon != NULL ? s->port : 0;
}

void http_server_free(struct http_server *s)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };
	MHD_socket fd;
	int waited;
	size_t i;

	if (s == NULL)
		return;
	if (s->daemon != NULL) {
		fd = MHD_quiesce_daemon(s->daemon);
		if (fd != MHD_INVALID_SOCKET)
			close(fd);
		for (waited = 0; waited < HTTP_DRAIN_MS; waited += 2) {
			if (atomic_load_explicit(&s->inflight,
						 memory_order_acquire) <= 0)
				break;
			nanosleep(&ts, NULL);
		}
		MHD_stop_daemon(s->daemon);
	}
	for (i = 0; i < s->nroutes; i++)
		free(s->routes[i].path);
	free(s->routes);
	free(s);
}

const char *http_req_query(const struct http_req *req, const char *name)
{
	const char *v = NULL;
	size_t vlen = 0;

	if (req == NULL || req->conn == NULL || name == NULL)
		return NULL;
	if (MHD_lookup_connection_value_n(req->conn, MHD_GET_ARGUMENT_KIND,
					  name, strlen(name), &v, &vlen)
	    != MHD_YES)
		return NULL;
	return v != NULL ? v : "";	/* "?flag" has no value: "" */
}

const char *http_req_header(const struct http_req *req, const char *name)
{
	if (req == NULL || req->conn == NULL || name == NULL)
		return NULL;
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

/* ---- client ------------------------------------------------------------- */

#define HTTP_CLIENT_CONNECT_MS	1000
#define HTTP_CLIENT_TIMEOUT_MS	5000
#define HTTP_CLIENT_MAX_RESP	((size_t)64 << 20)
#define HTTP_CLIENT_KEEP_BUF	((size_t)1 << 20)

/* Sockets of one client tracked for http_client_abort (happy eyeballs
 * may have two connects in progress; a few spare slots). */
#define HTTP_CLIENT_SOCKS	4

struct http_client {
	CURL *h;
	char peer[256];		/* "host:port", for messages */
	char *url;		/* "http://" peer, then the path */
	size_t base_len;
	size_t url_cap;
	long connect_timeout_ms;
	long timeout_ms;
	size_t max_response;
	char errbuf[CURL_ERROR_SIZE];
	char *buf;		/* reply body, NUL-terminated */
	size_t len;
	size_t cap;
	int too_large;
	int nomem;
	struct curl_slist *hdrs;	/* Content-Type, Expect, then extra */
	char *hdrs_ctype;		/* ctype hdrs was built for */
	struct curl_slist *extra;	/* http_client_add_header lines */

	/*
	 * Abort, the only part touched by other threads.  The flag is
	 * sticky until http_client_reset_abort; fresh asks the next request
	 * for a new connection (the old one may have been shut down).
	 */
	atomic_int abort;
	atomic_int fresh;
	pthread_mutex_t sock_mu;	/* guards socks */
	int sock_mu_ok;
	curl_socket_t socks[HTTP_CLIENT_SOCKS];	/* open, or BAD */
};

static pthread_once_t http_curl_once = PTHREAD_ONCE_INIT;
static CURLcode http_curl_init_rc;

static void http_curl_init(void)
{
	http_curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t http_client_write(char *data, size_t size, size_t nmemb,
				void *arg)
{
	struct http_client *c = arg;
	size_t n = size * nmemb, cap;
	char *p;

	if (n > c->max_response - c->len) {
		c->too_large = 1;
		return 0;	/* makes curl fail with CURLE_WRITE_ERROR */
	}
	if (c->len + n + 1 > c->cap) {
		cap = c->cap ? c->cap : 4096;
		while (cap < c->len + n + 1)
			cap *= 2;
		p = realloc(c->buf, cap);
		if (p == NULL) {
			c->nomem = 1;
			return 0;
		}
		c->buf = p;
		c->cap = cap;
	}
	memcpy(c->buf + c->len, data, n);
	c->len += n;
	c->buf[c->len] = '\0';
	return n;
}

/* Abort a transfer in progress once the flag is set (curl calls this at
 * least about once a second, more often while data moves). */
static int http_client_progress(void *arg, curl_off_t dltotal,
				curl_off_t dlnow, curl_off_t ultotal,
				curl_off_t ulnow)
{
	struct http_client *c = arg;

	return atomic_load(&c->abort) ? 1 : 0;
}

/*
 * Open curl's sockets ourselves so that http_client_abort can shut them
 * down.  The flag is checked under sock_mu: either abort sees the socket,
 * or the socket sees the flag and is not used.
 */
static curl_socket_t http_client_opensocket(void *arg, curlsocktype purpose,
					    struct curl_sockaddr *a)
{
	struct http_client *c = arg;
	curl_socket_t fd;
	int i, ok = 0;

	fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
	if (fd < 0)
		return CURL_SOCKET_BAD;
	pthread_mutex_lock(&c->sock_mu);
	if (!atomic_load(&c->abort)) {
		/* No free slot: untracked, the progress check still holds. */
		ok = 1;
		for (i = 0; i < HTTP_CLIENT_SOCKS; i++)
			if (c->socks[i] == CURL_SOCKET_BAD) {
				c->socks[i] = fd;
				break;
			}
	}
	pthread_mutex_unlock(&c->sock_mu);
	if (!ok) {
		close(fd);
		return CURL_SOCKET_BAD;
	}
	return fd;
}

static int http_client_closesocket(void *arg, curl_socket_t fd)
{
	struct http_client *c = arg;
	int i;

	pthread_mutex_lock(&c->sock_mu);
	for (i = 0; i < HTTP_CLIENT_SOCKS; i++)
		if (c->socks[i] == fd)
			c->socks[i] = CURL_SOCKET_BAD;
	pthread_mutex_unlock(&c->sock_mu);
	return close(fd);
}

int http_client_new(struct http_client **out, const char *base,
		    const struct http_client_opts *opts, struct err *e)
{
	struct http_client *c;
	const char *hp, *colon, *p;
	size_t n;
	int bad = 0;

	*out = NULL;
	if (base == NULL)
		return err_set(e, RC_BAD_INPUT, "missing peer address");
	hp = base;
	if (strncmp(hp, "http://", 7) == 0)
		hp += 7;
	else if (strstr(hp, "://") != NULL)
		return err_set(e, RC_BAD_INPUT,
			       "invalid peer address '%s': only http:// is "
			       "supported", base);
	n = strlen(hp);
	if (n > 0 && hp[n - 1] == '/')
		n--;
	colon = memrchr(hp, ':', n);
	if (n == 0 || colon == NULL || colon == hp || colon + 1 == hp + n)
		bad = 1;
	for (p = hp; !bad && p < hp + n; p++)
		if (*p == '/' || *p == '?' || *p == '#' || *p == '@' ||
		    (unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			bad = 1;
	for (p = colon ? colon + 1 : hp; !bad && p < hp + n; p++)
		if (*p < '0' || *p > '9')
			bad = 1;
	if (bad || n >= sizeof(c->peer) ||
	    strtoul(colon + 1, NULL, 10) > 65535)
		return err_set(e, RC_BAD_INPUT,
			       "invalid peer address '%s': expected HOST:PORT "
			       "such as 127.0.0.1:7000", base);
	if (pthread_once(&http_curl_once, http_curl_init) != 0 ||
	    http_curl_init_rc != CURLE_OK)
		return err_set(e, RC_INTERNAL, "cannot initialise libcurl");

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return err_set(e, RC_NOMEM, "cannot allocate HTTP client");
	atomic_init(&c->abort, 0);
	atomic_init(&c->fresh, 0);
	for (size_t i = 0; i < HTTP_CLIENT_SOCKS; i++)
		c->socks[i] = CURL_SOCKET_BAD;
	if (pthread_mutex_init(&c->sock_mu, NULL) != 0) {
		free(c);
		return err_set(e, RC_INTERNAL, "cannot create a mutex");
	}
	c->sock_mu_ok = 1;
	memcpy(c->peer, hp, n);
	c->peer[n] = '\0';
	c->base_len = 7 + n;
	c->url_cap = c->base_len + 256;
	c->url = malloc(c->url_cap);
	c->h = curl_easy_init();
	if (c->url == NULL || c->h == NULL) {
		http_client_free(c);
		return err_set(e, RC_NOMEM, "cannot allocate HTTP client");
	}
	memcpy(c->url, "http://", 7);
	memcpy(c->url + 7, c->peer, n + 1);
	c->connect_timeout_ms = HTTP_CLIENT_CONNECT_MS;
	c->timeout_ms = HTTP_CLIENT_TIMEOUT_MS;
	c->max_response = HTTP_CLIENT_MAX_RESP;
	if (opts != NULL) {
		if (opts->connect_timeout_ms > 0)
			c->connect_timeout_ms = opts->connect_timeout_ms;
		if (opts->timeout_ms > 0)
			c->timeout_ms = opts->timeout_ms;
		if (opts->max_response > 0)
			c->max_response = opts->max_response;
	}
	if (curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c->h, CURLOPT_ERRORBUFFER, c->errbuf) ||
	    curl_easy_setopt(c->h, CURLOPT_CONNECTTIMEOUT_MS,
			     c->connect_timeout_ms) ||
	    curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, c->timeout_ms) ||
	    curl_easy_setopt(c->h, CURLOPT_TCP_NODELAY, 1L) ||
	    curl_easy_setopt(c->h, CURLOPT_TCP_KEEPALIVE, 1L) ||
	    curl_easy_setopt(c->h, CURLOPT_TCP_KEEPIDLE, 30L) ||
	    curl_easy_setopt(c->h, CURLOPT_TCP_KEEPINTVL, 10L) ||
	    curl_easy_setopt(c->h, CURLOPT_PROXY, "") ||
	    curl_easy_setopt(c->h, CURLOPT_FOLLOWLOCATION, 0L) ||
	    curl_easy_setopt(c->h, CURLOPT_PROTOCOLS_STR, "http") ||
	    curl_easy_setopt(c->h, CURLOPT_MAXFILESIZE_LARGE,
			     (curl_off_t)c->max_response) ||
	    curl_easy_setopt(c->h, CURLOPT_USERAGENT, "rangedb") ||
	    curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, http_client_write) ||
	    curl_easy_setopt(c->h, CURLOPT_WRITEDATA, c) ||
	    curl_easy_setopt(c->h, CURLOPT_NOPROGRESS, 0L) ||
	    curl_easy_setopt(c->h, CURLOPT_XFERINFOFUNCTION,
			     http_client_progress) ||
	    curl_easy_setopt(c->h, CURLOPT_XFERINFODATA, c) ||
	    curl_easy_setopt(c->h, CURLOPT_OPENSOCKETFUNCTION,
			     http_client_opensocket) ||
	    curl_easy_setopt(c->h, CURLOPT_OPENSOCKETDATA, c) ||
	    curl_easy_setopt(c->h, CURLOPT_CLOSESOCKETFUNCTION,
			     http_client_closesocket) ||
	    curl_easy_setopt(c->h, CURLOPT_CLOSESOCKETDATA, c)) {
		http_client_free(c);
		return err_set(e, RC_INTERNAL,
			       "cannot configure libcurl handle");
	}
	*out = c;
	return RC_OK;
}

void http_client_free(struct http_client *c)
{
	if (c == NULL)
		return;
	if (c->h != NULL)
		curl_easy_cleanup(c->h);	/* closes via sock_mu */
	if (c->sock_mu_ok)
		pthread_mutex_destroy(&c->sock_mu);
	curl_slist_free_all(c->hdrs);
	curl_slist_free_all(c->extra);
	free(c->hdrs_ctype);
	free(c->url);
	free(c->buf);
	free(c);
}

/* Headers the client writes itself; http_client_add_header refuses them. */
static const char *const http_client_own_headers[] = {
	"Content-Type", "Content-Length", "Expect", "Host",
	"Transfer-Encoding", "Connection",
};

static int http_header_name_ok(const char *name)
{
	size_t i;

	for (i = 0; name[i] != '\0'; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		      (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9') ||
		      strchr("!#$%&'*+-.^_`|~", name[i]) != NULL))
			return 0;
	return i > 0;
}

/* Length of the name in an extra line ("Name: value" or "Name;"). */
static size_t http_header_line_name(const char *line)
{
	return strcspn(line, ":;");
}

int http_client_add_header(struct http_client *c, const char *name,
			   const char *value, struct err *e)
{
	struct curl_slist *l, *x;
	size_t i, nlen;
	const char *p;
	char *line;

	if (c == NULL || name == NULL || value == NULL)
		return err_set(e, RC_INTERNAL,
			       "http_client_add_header: NULL argument");
	if (!http_header_name_ok(name))
		return err_set(e, RC_BAD_INPUT,
			       "invalid header name '%s': expected letters, "
			       "digits and '-' such as X-Rangedb-Node", name);
	for (p = value; *p != '\0'; p++)
		if (((unsigned char)*p < ' ' && *p != '\t') || *p == 0x7f)
			return err_set(e, RC_BAD_INPUT,
				       "invalid value for header '%s': "
				       "control characters (CR, LF, ...) are "
				       "not allowed", name);
	for (i = 0; i < sizeof(http_client_own_headers) /
			sizeof(http_client_own_headers[0]); i++)
		if (strcasecmp(name, http_client_own_headers[i]) == 0)
			return err_set(e, RC_BAD_INPUT,
				       "header '%s' is set by the HTTP client "
				       "itself", name);
	nlen = strlen(name);
	for (x = c->extra; x != NULL; x = x->next)
		if (http_header_line_name(x->data) == nlen &&
		    strncasecmp(x->data, name, nlen) == 0)
			return err_set(e, RC_BAD_INPUT,
				       "header '%s' already added to the "
				       "client for %s", name, c->peer);
	/* curl sends "Name;" as an empty header ("Name:" would remove it). */
	if ((value[0] != '\0' ? asprintf(&line, "%s: %s", name, value)
			       : asprintf(&line, "%s;", name)) < 0)
		return err_set(e, RC_NOMEM, "cannot add header '%s'", name);
	l = curl_slist_append(c->extra, line);
	free(line);
	if (l == NULL)
		return err_set(e, RC_NOMEM, "cannot add header '%s'", name);
	c->extra = l;
	/* Rebuild the request headers on the next request. */
	curl_slist_free_all(c->hdrs);
	c->hdrs = NULL;
	return RC_OK;
}

void http_client_abort(struct http_client *c)
{
	int i;

	if (c == NULL)
		return;
	atomic_store(&c->abort, 1);
	atomic_store(&c->fresh, 1);
	pthread_mutex_lock(&c->sock_mu);
	for (i = 0; i < HTTP_CLIENT_SOCKS; i++)
		if (c->socks[i] != CURL_SOCKET_BAD)
			shutdown(c->socks[i], SHUT_RDWR);
	pthread_mutex_unlock(&c->sock_mu);
}

void http_client_reset_abort(struct http_client *c)
{
	if (c != NULL)
		atomic_store(&c->abort, 0);
}

/* Request headers for ctype, rebuilt only when ctype or extras change. */
static int http_client_headers(struct http_client *c, const char *ctype)
{
	struct curl_slist *l = NULL, *l2, *x;
	char line[256];
	char *copy;

	if (ctype == NULL)
		ctype = "";
	if (c->hdrs != NULL && strcmp(c->hdrs_ctype, ctype) == 0)
		return 0;
	if (strlen(ctype) > 200 || strpbrk(ctype, "\r\n") != NULL)
		return -2;
	/* "Content-Type:" alone removes curl's form-urlencoded default. */
	snprintf(line, sizeof(line), "Content-Type:%s%s",
		 ctype[0] ? " " : "", ctype);
	l = curl_slist_append(NULL, line);
	/* No "Expect: 100-continue" round trip for large bodies. */
	l2 = l ? curl_slist_append(l, "Expect:") : NULL;
	for (x = c->extra; x != NULL && l2 != NULL; x = x->next)
		l2 = curl_slist_append(l2, x->data);
	copy = strdup(ctype);
	if (l2 == NULL || copy == NULL) {
		curl_slist_free_all(l);
		free(copy);
		return -1;
	}
	curl_slist_free_all(c->hdrs);
	free(c->hdrs_ctype);
	c->hdrs = l2;
	c->hdrs_ctype = copy;
	return 0;
}

static int http_client_url(struct http_client *c, const char *path,
			   struct err *e)
{
	size_t n = strlen(path), cap;
	char *p;

	if (path[0] != '/')
		return err_set(e, RC_BAD_INPUT,
			       "invalid request path '%s': must start with "
			       "'/'", path);
	if (c->base_len + n + 1 > c->url_cap) {
		cap = c->base_len + n + 1;
		p = realloc(c->url, cap);
		if (p == NULL)
			return err_set(e, RC_NOMEM, "cannot build URL for %s",
				       c->peer);
		c->url = p;
		c->url_cap = cap;
	}
	memcpy(c->url + c->base_len, path, n + 1);
	return RC_OK;
}

void http_excerpt(const char *body, size_t len, char *out, size_t cap)
{
	size_t i, n;

	if (cap == 0)
		return;
	n = len < cap - 1 ? len : cap - 1;

	for (i = 0; i < n; i++)
		out[i] = (body[i] >= ' ' && body[i] < 0x7f) ? body[i] : ' ';
	out[n] = '\0';
	if (len > n && n >= 3)
		memcpy(out + n - 3, "...", 3);
}

static int http_client_aborted(struct http_client *c, struct err *e)
{
	return err_set(e, RC_UNAVAILABLE, "request to %s aborted", c->peer);
}

/* Perform one request; the reply body is left in c->buf / c->len. */
static int http_client_perform(struct http_client *c, const char *method,
			       const char *path, const char *ctype,
			       const void *body, size_t body_len, int *status,
			       struct err *e)
{
	CURLcode cc;
	curl_off_t pre = 0;
	long code = 0, oserr = 0;
	int rc, hrc, is_get, is_head;

	*status = 0;
	if (c == NULL || method == NULL || path == NULL)
		return err_set(e, RC_INTERNAL, "http_client: NULL argument");
	if (!http_method_ok(method))
		return err_set(e, RC_BAD_INPUT, "invalid HTTP method '%s'",
			       method);
	rc = http_client_url(c, path, e);
	if (rc != RC_OK)
		return rc;
	hrc = http_client_headers(c, ctype);
	if (hrc == -2)
		return err_set(e, RC_BAD_INPUT, "invalid content type '%s'",
			       ctype);
	if (hrc != 0)
		return err_set(e, RC_NOMEM, "cannot build request headers");
	if (atomic_load(&c->abort))
		return http_client_aborted(c, e);
	c->len = 0;
	c->too_large = 0;
	c->nomem = 0;
	c->errbuf[0] = '\0';
	if (c->buf != NULL)
		c->buf[0] = '\0';
	is_get = strcmp(method, "GET") == 0;
	is_head = strcmp(method, "HEAD") == 0;
	curl_easy_setopt(c->h, CURLOPT_URL, c->url);
	curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, c->hdrs);
	if (is_head) {
		curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, NULL);
		curl_easy_setopt(c->h, CURLOPT_NOBODY, 1L);
	} else if (is_get && body_len == 0) {
		curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, NULL);
		curl_easy_setopt(c->h, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(c->h, CURLOPT_NOBODY, 0L);
		curl_easy_setopt(c->h, CURLOPT_POST, 1L);
		curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)body_len);
		curl_easy_setopt(c->h, CURLOPT_POSTFIELDS,
				 body_len > 0 ? body : "");
		curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST,
				 strcmp(method, "POST") == 0 ? NULL : method);
	}
	/* After an abort the kept connection may be shut down: a new one. */
	curl_easy_setopt(c->h, CURLOPT_FRESH_CONNECT,
			 atomic_exchange(&c->fresh, 0) ? 1L : 0L);
	cc = curl_easy_perform(c->h);
	if (cc != CURLE_OK &&
	    (cc == CURLE_ABORTED_BY_CALLBACK || atomic_load(&c->abort)))
		return http_client_aborted(c, e);
	switch (cc) {
	case CURLE_OK:
		break;
	case CURLE_WRITE_ERROR:
	case CURLE_FILESIZE_EXCEEDED:
		if (c->nomem)
			return err_set(e, RC_NOMEM,
				       "out of memory reading reply from %s",
				       c->peer);
		if (c->too_large || cc == CURLE_FILESIZE_EXCEEDED)
			return err_set(e, RC_TOO_LARGE,
				       "reply from %s exceeds %zu bytes",
				       c->peer, c->max_response);
		return err_set(e, RC_UNAVAILABLE, "request to %s failed: %s",
			       c->peer, c->errbuf[0] ? c->errbuf
				       : curl_easy_strerror(cc));
	case CURLE_COULDNT_CONNECT:
		curl_easy_getinfo(c->h, CURLINFO_OS_ERRNO, &oserr);
		return err_set(e, RC_UNAVAILABLE, "cannot connect to %s: %s",
			       c->peer, oserr ? strerror((int)oserr)
				       : (c->errbuf[0] ? c->errbuf
					  : curl_easy_strerror(cc)));
	case CURLE_OPERATION_TIMEDOUT:
		/* No pre-transfer time: we never got connected. */
		curl_easy_getinfo(c->h, CURLINFO_PRETRANSFER_TIME_T, &pre);
		if (pre == 0)
			return err_set(e, RC_TIMEOUT,
				       "cannot connect to %s within %ld ms",
				       c->peer, c->connect_timeout_ms);
		return err_set(e, RC_TIMEOUT,
			       "no answer from %s within %ld ms", c->peer,
			       c->timeout_ms);
	case CURLE_COULDNT_RESOLVE_HOST:
		return err_set(e, RC_UNAVAILABLE, "cannot resolve %s: %s",
			       c->peer, c->errbuf[0] ? c->errbuf
				       : curl_easy_strerror(cc));
	case CURLE_OUT_OF_MEMORY:
		return err_set(e, RC_NOMEM, "out of memory talking to %s",
			       c->peer);
	default:
		return err_set(e, RC_UNAVAILABLE, "request to %s failed: %s",
			       c->peer, c->errbuf[0] ? c->errbuf
				       : curl_easy_strerror(cc));
	}
	curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &code);
	*status = (int)code;
	return RC_OK;
}

int http_client_do(struct http_client *c, const char *method,
		   const char *path, const char *ctype, const void *body,
		   size_t body_len, int *status, char **resp, size_t *resp_len,
		   struct err *e)
{
	int rc;
	char *p;

	*resp = NULL;
	if (resp_len != NULL)
		*resp_len = 0;
	rc = http_client_perform(c, method, path, ctype, body, body_len,
				 status, e);
	if (rc != RC_OK)
		return rc;
	if (c->buf == NULL) {
		p = strdup("");
		if (p == NULL)
			return err_set(e, RC_NOMEM,
				       "out of memory reading reply from %s",
				       c->peer);
	} else {
		/* Hand the buffer over; the next request allocates anew. */
		p = c->buf;
		c->buf = NULL;
		c->cap = 0;
	}
	*resp = p;
	if (resp_len != NULL)
		*resp_len = c->len;
	c->len = 0;
	return RC_OK;
}

/* Turn a non-2xx reply into a code and a message naming the peer. */
static int http_client_error_reply(struct http_client *c, int status,
				   struct err *e)
{
	json_t *j = NULL, *err;
	const char *code, *msg;
	char ex[100];
	enum rc rc;

	if (c->len > 0 && jx_parse(c->buf, c->len, &j, NULL) == RC_OK &&
	    (err = json_object_get(j, "error")) != NULL &&
	    jx_get_str(err, "code", &code, NULL) == RC_OK &&
	    jx_get_str(err, "message", &msg, NULL) == RC_OK) {
		rc = rc_from_name(code);
		if (rc == RC_OK)
			rc = RC_INTERNAL;
		err_set(e, rc, "%s: %s", c->peer, msg);
		json_decref(j);
		return rc;
	}
	json_decref(j);
	http_excerpt(c->buf ? c->buf : "", c->len, ex, sizeof(ex));
	return err_set(e, status >= 500 ? RC_UNAVAILABLE : RC_INTERNAL,
		       "%s answered HTTP %d%s%s", c->peer, status,
		       ex[0] ? ": " : "", ex);
}

int http_client_json(struct http_client *c, const char *method,
		     const char *path, json_t *req, json_t **out,
		     struct err *e)
{
	char *body = NULL;
	size_t blen = 0;
	int rc, status;
	json_t *j;
	struct err pe;

	if (out != NULL)
		*out = NULL;
	if (req != NULL) {
		rc = jx_dump(req, &body, &blen, e);
		if (rc != RC_OK)
			return rc;
	}
	rc = http_client_perform(c, method, path,
				 req != NULL ? "application/json" : NULL,
				 body, blen, &status, e);
	free(body);
	if (rc == RC_OK && (status < 200 || status > 299))
		rc = http_client_error_reply(c, status, e);
	if (rc == RC_OK && out != NULL) {
		if (c->len == 0) {
			j = json_null();	/* e.g. 204 No Content */
		} else if (jx_parse(c->buf, c->len, &j, &pe) != RC_OK) {
			rc = err_set(e, RC_CORRUPT,
				     "malformed JSON reply from %s: %s",
				     c->peer, pe.msg);
			j = NULL;
		}
		*out = j;
	}
	if (c->cap > HTTP_CLIENT_KEEP_BUF) {
		free(c->buf);
		c->buf = NULL;
		c->cap = 0;
	}
	c->len = 0;
	return rc;
}
