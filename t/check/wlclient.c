/*
 * wlclient.c -- one txcoord connection of the workload (libcurl easy
 * handle, kept alive) and the outcome rule; see wlclient.h.  Tested in
 * t/unit/wlhist_test.c.
 */
#include "wlclient.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#define WLCLIENT_CONNECT_MS	2000	/* connect timeout cap */

struct wlclient {
	CURL *curl;
	char *addr;		/* "HOST:PORT" */
	char *base;		/* "http://HOST:PORT" */
	struct curl_slist *headers;
	char errbuf[CURL_ERROR_SIZE];
	/* the request in flight */
	const char *req;
	size_t req_len, req_pos;
	int sent;
	char *resp;
	size_t resp_len, resp_cap;
};

int wlclient_global_init(struct err *e)
{
	CURLcode cc = curl_global_init(CURL_GLOBAL_DEFAULT);

	if (cc != CURLE_OK)
		return err_set(e, RC_INTERNAL, "cannot initialise libcurl: %s",
			       curl_easy_strerror(cc));
	return RC_OK;
}

void wlclient_global_cleanup(void)
{
	curl_global_cleanup();
}

/* ---- the outcome rule --------------------------------------------------- */

/* snprintf that marks a cut text with "..." (err_vformat). */
static void fmt_into(char *dst, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fmt_into(char *dst, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (cap == 0)
		return;
	va_start(ap, fmt);
	err_vformat(dst, cap, fmt, ap);
	va_end(ap);
}

/* Printable start of body (at most cap - 1 bytes, "..." when cut). */
static void excerpt(const char *body, size_t len, char *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n + 1 < cap; i++)
		out[n++] = body[i] >= 0x20 && body[i] < 0x7f ? body[i] : ' ';
	out[n] = '\0';
	if (n < len && cap >= 4)
		memcpy(out + cap - 4, "...", 4);
}

/* "code: message" of the error shape, or the start of the body. */
static void reply_why(int status, const char *body, size_t len, char *why,
		      size_t cap)
{
	json_t *j = body != NULL ? json_loadb(body, len, 0, NULL) : NULL;
	json_t *err = json_object_get(j, "error");
	const char *code = json_string_value(json_object_get(err, "code"));
	const char *msg = json_string_value(json_object_get(err, "message"));
	char ex[160];

	if (code != NULL && msg != NULL) {
		size_t n = strlen(code);

		/* "retry: retry: ..." says it once */
		if (strncmp(msg, code, n) == 0 && msg[n] == ':')
			fmt_into(why, cap, "%s", msg);
		else
			fmt_into(why, cap, "%s: %s", code, msg);
	} else {
		excerpt(body != NULL ? body : "", body != NULL ? len : 0, ex,
			sizeof(ex));
		fmt_into(why, cap, "HTTP %d: %s", status, ex);
	}
	json_decref(j);
}

/* memmem for the "outcome unknown" marker (the body need not be JSON). */
static int says_outcome_unknown(const char *body, size_t len)
{
	static const char mark[] = "outcome unknown";

	return body != NULL && memmem(body, len, mark, sizeof(mark) - 1) !=
		NULL;
}

enum wlhist_outcome wlclient_classify(int status, int curl_code, int sent,
				      const char *body, size_t len,
				      char *why, size_t cap)
{
	if (cap > 0)
		why[0] = '\0';
	if (curl_code != CURLE_OK || status == 0) {
		fmt_into(why, cap, "%s: %s", sent ? "maybe sent" : "not sent",
			 curl_code != CURLE_OK ?
			 curl_easy_strerror((CURLcode)curl_code) :
			 "no HTTP status");
		return sent ? WLHIST_INFO : WLHIST_FAIL;
	}
	if (status >= 200 && status < 300)
		return WLHIST_OK;
	reply_why(status, body, len, why, cap);
	if (status == 503)
		return says_outcome_unknown(body, len) ? WLHIST_INFO :
			WLHIST_FAIL;
	if (status >= 500)
		return WLHIST_INFO;
	return WLHIST_FAIL;
}

/* ---- curl callbacks ----------------------------------------------------- */

static size_t read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct wlclient *c = arg;
	size_t n = size * nitems, left = c->req_len - c->req_pos;

	c->sent = 1;		/* the headers are out: it may be seen */
	if (n > left)
		n = left;
	memcpy(buf, c->req + c->req_pos, n);
	c->req_pos += n;
	return n;
}

/* curl rewinds to resend on a new connection; sent stays 1. */
static int seek_cb(void *arg, curl_off_t offset, int origin)
{
	struct wlclient *c = arg;

	if (origin != SEEK_SET || offset < 0 ||
	    (size_t)offset > c->req_len)
		return CURL_SEEKFUNC_CANTSEEK;
	c->req_pos = (size_t)offset;
	return CURL_SEEKFUNC_OK;
}

static size_t write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct wlclient *c = arg;
	size_t n = size * nmemb;

	if (n > WLCLIENT_MAX_REPLY - c->resp_len)
		return 0;		/* CURLE_WRITE_ERROR */
	if (c->resp_len + n + 1 > c->resp_cap) {
		size_t cap = c->resp_cap ? c->resp_cap : 4096;
		char *p;

		while (cap < c->resp_len + n + 1)
			cap *= 2;
		if ((p = realloc(c->resp, cap)) == NULL)
			return 0;
		c->resp = p;
		c->resp_cap = cap;
	}
	memcpy(c->resp + c->resp_len, data, n);
	c->resp_len += n;
	c->resp[c->resp_len] = '\0';
	return n;
}

/* ---- the client --------------------------------------------------------- */

int wlclient_check_addr(const char *addr, struct err *e)
{
	const char *hp = strncmp(addr, "http://", 7) == 0 ? addr + 7 : addr;
	const char *colon = strrchr(hp, ':');

	if (colon == NULL || colon == hp || colon[1] == '\0' ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
	    strpbrk(hp, "/ \t") != NULL)
		return err_set(e, RC_BAD_INPUT, "bad txcoord address '%s' "
			       "(want HOST:PORT)", addr);
	return RC_OK;
}

int wlclient_new(const char *addr, const struct wlclient_opts *o,
		 struct wlclient **out, struct err *e)
{
	struct wlclient *c;
	long cto = o->connect_timeout_ms;
	const char *hostport = addr;

	*out = NULL;
	if (wlclient_check_addr(addr, e) != RC_OK)
		return RC_BAD_INPUT;
	if (strncmp(addr, "http://", 7) == 0)
		hostport = addr + 7;
	if (o->timeout_ms <= 0)
		return err_set(e, RC_BAD_INPUT, "timeout must be positive");
	if (cto <= 0)
		cto = o->timeout_ms < WLCLIENT_CONNECT_MS ? o->timeout_ms :
			WLCLIENT_CONNECT_MS;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	if ((c->addr = strdup(hostport)) == NULL ||
	    asprintf(&c->base, "http://%s", hostport) < 0) {
		c->base = NULL;
		wlclient_free(c);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	c->headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (c->headers != NULL) {
		/* no "Expect: 100-continue" round trip for larger bodies */
		struct curl_slist *h = curl_slist_append(c->headers, "Expect:");

		if (h == NULL) {
			curl_slist_free_all(c->headers);
			c->headers = NULL;
		}
	}
	if (c->headers == NULL || (c->curl = curl_easy_init()) == NULL) {
		wlclient_free(c);
		return err_set(e, RC_NOMEM, "cannot create a curl handle");
	}
	if (curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, o->timeout_ms) !=
	    CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, cto) !=
	    CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers) !=
	    CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_POST, 1L) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_READFUNCTION, read_cb) !=
	    CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_READDATA, c) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_SEEKFUNCTION, seek_cb) !=
	    CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_SEEKDATA, c) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, write_cb) !=
	    CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->errbuf) !=
	    CURLE_OK) {
		wlclient_free(c);
		return err_set(e, RC_INTERNAL, "cannot set up a curl handle");
	}
	*out = c;
	return RC_OK;
}

void wlclient_free(struct wlclient *c)
{
	if (c == NULL)
		return;
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->headers);
	free(c->resp);
	free(c->base);
	free(c->addr);
	free(c);
}

const char *wlclient_addr(const struct wlclient *c)
{
	return c->addr;
}

static enum wlhist_outcome local_fail(struct wlclient_reply *r,
				      const char *why)
{
	r->outcome = WLHIST_FAIL;
	fmt_into(r->error, sizeof(r->error), "not sent: %s", why);
	return r->outcome;
}

enum wlhist_outcome wlclient_post(struct wlclient *c, const char *path,
				  const json_t *req,
				  struct wlclient_reply *r)
{
	char url[512], why[WLCLIENT_ERROR_MAX];
	char *body;
	CURLcode cc;
	long status = 0;

	memset(r, 0, sizeof(*r));
	if ((size_t)snprintf(url, sizeof(url), "%s%s", c->base, path) >=
	    sizeof(url))
		return local_fail(r, "URL too long");
	if ((body = json_dumps(req, JSON_COMPACT)) == NULL)
		return local_fail(r, "cannot encode the request (out of "
				  "memory)");
	c->req = body;
	c->req_len = strlen(body);
	c->req_pos = 0;
	c->sent = 0;
	c->resp_len = 0;
	c->errbuf[0] = '\0';
	if (c->resp != NULL)
		c->resp[0] = '\0';
	if (curl_easy_setopt(c->curl, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE,
			     (curl_off_t)c->req_len) != CURLE_OK) {
		free(body);
		return local_fail(r, "cannot set up the request");
	}
	cc = curl_easy_perform(c->curl);
	if (cc == CURLE_OK)
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	free(body);
	c->req = NULL;
	r->status = (int)status;
	r->curl_code = (int)cc;
	r->sent = c->sent;
	r->outcome = wlclient_classify(r->status, r->curl_code, r->sent,
				       c->resp, c->resp_len, why,
				       sizeof(why));
	if (c->resp_len > 0)
		r->body = json_loadb(c->resp, c->resp_len, 0, NULL);
	if (r->outcome == WLHIST_OK)
		return r->outcome;
	if (cc != CURLE_OK && c->errbuf[0] != '\0')
		fmt_into(r->error, sizeof(r->error), "%s: %s: %s", c->addr,
			 r->sent ? "maybe sent" : "not sent", c->errbuf);
	else if (cc != CURLE_OK)
		fmt_into(r->error, sizeof(r->error), "%s: %s", c->addr, why);
	else
		fmt_into(r->error, sizeof(r->error), "%s", why);
	return r->outcome;
}

void wlclient_reply_release(struct wlclient_reply *r)
{
	json_decref(r->body);
	r->body = NULL;
}
