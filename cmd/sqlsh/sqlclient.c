/*
 * sqlclient.c -- POST /sql and its session for sqlsh (see sqlclient.h).
 *
 * Requests go through libcommon's http client (one kept-alive connection)
 * as raw bodies, because the SQL error shape {"error":{"sqlstate",...}}
 * is not libcommon's {"error":{"code",...}}: a reply of any status is
 * parsed here.  Tested in t/unit/sqlsh_test.c (replies) and by the sqlsh
 * BATS tests (requests).
 */
#include "sqlclient.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "jx.h"

#define SQLCLIENT_CONNECT_MS	5000
/* "No limit": 30 days, well inside what libcurl's timers can hold. */
#define SQLCLIENT_NO_LIMIT_MS	(30L * 24 * 3600 * 1000)
/* The largest reply read: a bigger result needs a LIMIT. */
#define SQLCLIENT_MAX_REPLY	((size_t)256 << 20)
#define SQLCLIENT_MAX_SESSION	256	/* longest session id accepted */

struct sqlclient {
	struct http_client *http;
	char peer[256];		/* HOST:PORT */
	char *session;		/* NULL when none */
};

/* ---- life cycle --------------------------------------------------------- */

int sqlclient_new(struct sqlclient **out, const char *url, long timeout_ms,
		  struct err *e)
{
	struct http_client_opts o = { 0 };
	struct sqlclient *c;
	const char *hp = url;
	size_t n;
	int rc;

	*out = NULL;
	if (strncmp(hp, "http://", 7) == 0)
		hp += 7;
	n = strlen(hp);
	if (n > 0 && hp[n - 1] == '/')
		n--;
	if (n == 0 || n >= sizeof(c->peer))
		return err_set(e, RC_BAD_INPUT, "invalid gateway address "
			       "'%s': expected http://HOST:PORT such as "
			       "http://127.0.0.1:7200", url);
	o.timeout_ms = timeout_ms > 0 ? timeout_ms : SQLCLIENT_NO_LIMIT_MS;
	o.connect_timeout_ms = o.timeout_ms < SQLCLIENT_CONNECT_MS ?
			       o.timeout_ms : SQLCLIENT_CONNECT_MS;
	o.max_response = SQLCLIENT_MAX_REPLY;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	memcpy(c->peer, hp, n);
	c->peer[n] = '\0';
	rc = http_client_new(&c->http, url, &o, e);
	if (rc != RC_OK) {
		free(c);
		if (rc == RC_BAD_INPUT)
			return err_set(e, RC_BAD_INPUT, "invalid gateway "
				       "address '%s': expected "
				       "http://HOST:PORT such as "
				       "http://127.0.0.1:7200", url);
		return rc;
	}
	*out = c;
	return RC_OK;
}

void sqlclient_free(struct sqlclient *c)
{
	if (c == NULL)
		return;
	http_client_free(c->http);
	free(c->session);
	free(c);
}

const char *sqlclient_peer(const struct sqlclient *c)
{
	return c->peer;
}

const char *sqlclient_session(const struct sqlclient *c)
{
	return c->session;
}

void sqlclient_abort(struct sqlclient *c)
{
	if (c != NULL)
		http_client_abort(c->http);
}

void sqlclient_reset_abort(struct sqlclient *c)
{
	if (c != NULL)
		http_client_reset_abort(c->http);
}

/* ---- error replies ------------------------------------------------------ */

/*
 * A reply to a session request that is not a success: the server's
 * message when the body has one (either error shape), else the status.
 */
static int sqlclient_http_error(const struct sqlclient *c, int status,
				const char *body, size_t len, struct err *e)
{
	json_t *j = NULL, *err;
	const char *msg = NULL, *state = NULL;
	enum rc rc;
	char ex[100];

	if (status == 404)
		rc = RC_NOT_FOUND;
	else if (status >= 500)
		rc = RC_UNAVAILABLE;
	else
		rc = RC_BAD_INPUT;
	if (len > 0 && jx_parse(body, len, &j, NULL) == RC_OK &&
	    json_is_object(err = json_object_get(j, "error")) &&
	    jx_get_str(err, "message", &msg, NULL) == RC_OK) {
		if (jx_get_str(err, "sqlstate", &state, NULL) == RC_OK)
			err_set(e, rc, "%s: %s (SQLSTATE %s)", c->peer, msg,
				state);
		else
			err_set(e, rc, "%s: %s", c->peer, msg);
		json_decref(j);
		return rc;
	}
	json_decref(j);
	http_excerpt(body, len, ex, sizeof(ex));
	return err_set(e, rc, "%s answered HTTP %d%s%s", c->peer, status,
		       ex[0] ? ": " : "", ex);
}

/* ---- session ------------------------------------------------------------ */

int sqlclient_session_open(struct sqlclient *c, struct err *e)
{
	char *body = NULL;
	size_t len = 0;
	json_t *j = NULL;
	const char *id;
	struct err pe;
	int rc, status;

	free(c->session);
	c->session = NULL;
	rc = http_client_do(c->http, "POST", "/sql/session",
			    "application/json", "{}", 2, &status, &body, &len,
			    e);
	if (rc != RC_OK)
		return rc;
	if (status != 200 && status != 201) {
		rc = sqlclient_http_error(c, status, body, len, e);
		goto out;
	}
	if (jx_parse_object(body, len, &j, &pe) != RC_OK ||
	    jx_get_str(j, "session", &id, &pe) != RC_OK) {
		rc = err_set(e, RC_CORRUPT, "malformed reply from %s to POST "
			     "/sql/session: %s", c->peer, pe.msg);
		goto out;
	}
	if (id[0] == '\0' || strlen(id) > SQLCLIENT_MAX_SESSION) {
		rc = err_set(e, RC_CORRUPT, "malformed reply from %s to POST "
			     "/sql/session: session id of %zu bytes", c->peer,
			     strlen(id));
		goto out;
	}
	if ((c->session = strdup(id)) == NULL)
		rc = err_set(e, RC_NOMEM, "out of memory");
out:
	json_decref(j);
	free(body);
	return rc;
}

int sqlclient_session_close(struct sqlclient *c, struct err *e)
{
	static const char hex[] = "0123456789ABCDEF";
	char path[32 + 3 * SQLCLIENT_MAX_SESSION], *p;
	char *body = NULL;
	size_t len = 0;
	int rc, status;

	if (c->session == NULL)
		return RC_OK;
	p = path + sprintf(path, "/sql/session/");
	for (const unsigned char *s = (const unsigned char *)c->session;
	     *s != '\0'; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("-._~", *s) != NULL) {
			*p++ = (char)*s;
		} else {
			*p++ = '%';
			*p++ = hex[*s >> 4];
			*p++ = hex[*s & 15];
		}
	}
	*p = '\0';
	rc = http_client_do(c->http, "DELETE", path, NULL, NULL, 0, &status,
			    &body, &len, e);
	if (rc != RC_OK)
		return rc;
	/* 404: already gone (expired), which is what we wanted. */
	if (status / 100 != 2 && status != 404)
		rc = sqlclient_http_error(c, status, body, len, e);
	free(body);
	free(c->session);
	c->session = NULL;
	return rc;
}

/* ---- UTF-8 -------------------------------------------------------------- */

int sqlclient_utf8_valid(const char *str, size_t n, size_t *bad,
			 size_t *bad_len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, need, k;

	while (i < n) {
		unsigned char c = s[i];

		if (c != 0 && c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 2;
		else if (c >= 0xe0 && c <= 0xef)
			need = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 4;
		else
			need = 0;	/* NUL, a stray or impossible byte */
		if (need == 0) {
			*bad = i;
			*bad_len = 1;
			return 0;
		}
		for (k = 1; k < need; k++) {
			if (i + k >= n || (s[i + k] & 0xc0) != 0x80)
				goto bad_seq;
		}
		/* overlong forms, UTF-16 surrogates, above U+10FFFF */
		if ((c == 0xe0 && s[i + 1] < 0xa0) ||
		    (c == 0xed && s[i + 1] >= 0xa0) ||
		    (c == 0xf0 && s[i + 1] < 0x90) ||
		    (c == 0xf4 && s[i + 1] >= 0x90))
			goto bad_seq;
		i += need;
	}
	return 1;
bad_seq:
	*bad = i;
	*bad_len = n - i < need ? n - i : need;
	return 0;
}

/* ---- replies ------------------------------------------------------------ */

void sqlclient_reply_free(struct sqlreply *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nres; i++) {
		free(r->res[i].names);
		free(r->res[i].types);
		free(r->res[i].cells);
	}
	free(r->res);
	json_decref(r->json);
	free(r);
}

/* RC_CORRUPT "malformed reply from PEER: what". */
static int sqlclient_corrupt(struct err *e, const char *peer,
			     const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int sqlclient_corrupt(struct err *e, const char *peer,
			     const char *fmt, ...)
{
	char what[ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	err_vformat(what, sizeof(what), fmt, ap);
	va_end(ap);
	return err_set(e, RC_CORRUPT, "malformed reply from %s: %s", peer,
		       what);
}

/* An array of strings (or, with nulls, strings and nulls) into out[]. */
static int sqlclient_strings(const json_t *arr, size_t n, int nulls,
			     const char **out)
{
	for (size_t i = 0; i < n; i++) {
		const json_t *v = json_array_get(arr, i);

		if (nulls && json_is_null(v)) {
			out[i] = NULL;
		} else if (json_is_string(v) &&
			   strlen(json_string_value(v)) ==
			   json_string_length(v)) {
			out[i] = json_string_value(v);
		} else {
			return -1;
		}
	}
	return 0;
}

/* One result object; where is "results[3]" for messages. */
static int sqlclient_result(const json_t *j, const char *where,
			    const char *peer, struct sqlres *r, struct err *e)
{
	const json_t *cols, *types, *rows, *tag;
	size_t ncols, nrows;

	if (!json_is_object(j))
		return sqlclient_corrupt(e, peer, "%s is not an object",
					 where);
	cols = json_object_get(j, "columns");
	types = json_object_get(j, "types");
	rows = json_object_get(j, "rows");
	tag = json_object_get(j, "tag");
	if ((cols != NULL && !json_is_array(cols) && !json_is_null(cols)) ||
	    (types != NULL && !json_is_array(types) && !json_is_null(types)) ||
	    (rows != NULL && !json_is_array(rows) && !json_is_null(rows)))
		return sqlclient_corrupt(e, peer, "%s: columns, types and "
					 "rows must be arrays", where);
	if (tag != NULL && !json_is_string(tag) && !json_is_null(tag))
		return sqlclient_corrupt(e, peer, "%s: tag must be a string",
					 where);
	ncols = json_is_array(cols) ? json_array_size(cols) : 0;
	nrows = json_is_array(rows) ? json_array_size(rows) : 0;
	r->ncols = ncols;
	r->nrows = nrows;
	r->tag = json_is_string(tag) ? json_string_value(tag) : "";
	if (json_is_array(types) && json_array_size(types) != ncols)
		return sqlclient_corrupt(e, peer, "%s has %zu types for %zu "
					 "columns", where,
					 json_array_size(types), ncols);
	if (nrows > 0 && ncols == 0)
		return sqlclient_corrupt(e, peer, "%s has rows but no "
					 "columns", where);
	if (ncols > 0) {
		r->names = calloc(ncols, sizeof(*r->names));
		r->types = calloc(ncols, sizeof(*r->types));
		if (r->names == NULL || r->types == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		if (sqlclient_strings(cols, ncols, 0, r->names) != 0)
			return sqlclient_corrupt(e, peer, "%s: column names "
						 "must be strings", where);
		if (json_is_array(types)) {
			if (sqlclient_strings(types, ncols, 0, r->types) != 0)
				return sqlclient_corrupt(e, peer, "%s: types "
							 "must be strings",
							 where);
		} else {
			for (size_t i = 0; i < ncols; i++)
				r->types[i] = "";
		}
	}
	if (nrows > 0) {
		if (nrows > SIZE_MAX / sizeof(*r->cells) / ncols)
			return err_set(e, RC_NOMEM, "out of memory");
		r->cells = malloc(nrows * ncols * sizeof(*r->cells));
		if (r->cells == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		for (size_t i = 0; i < nrows; i++) {
			const json_t *row = json_array_get(rows, i);

			if (!json_is_array(row) ||
			    json_array_size(row) != ncols)
				return sqlclient_corrupt(e, peer,
					"%s.rows[%zu] is not an array of %zu "
					"values", where, i, ncols);
			if (sqlclient_strings(row, ncols, 1,
					      r->cells + i * ncols) != 0)
				return sqlclient_corrupt(e, peer,
					"%s.rows[%zu]: values must be strings "
					"or null", where, i);
		}
	}
	return RC_OK;
}

/* The "error" object of a reply into r->error. */
static int sqlclient_error(const json_t *err, const char *peer,
			   struct sqlreply *r, struct err *e)
{
	const json_t *st, *pos, *det, *hint, *msg;

	if (!json_is_object(err))
		return sqlclient_corrupt(e, peer, "error is not an object");
	msg = json_object_get(err, "message");
	st = json_object_get(err, "sqlstate");
	pos = json_object_get(err, "position");
	det = json_object_get(err, "detail");
	hint = json_object_get(err, "hint");
	if (!json_is_string(msg))
		return sqlclient_corrupt(e, peer, "error.message must be a "
					 "string");
	r->failed = 1;
	r->error.message = json_string_value(msg);
	if (json_is_string(st)) {
		const char *s = json_string_value(st);

		if (strlen(s) != 5 || strspn(s, "0123456789ABCDEFGHIJKLMNOP"
					     "QRSTUVWXYZ") != 5)
			return sqlclient_corrupt(e, peer, "error.sqlstate "
						 "'%s' is not a SQLSTATE", s);
		memcpy(r->error.sqlstate, s, 6);
	} else if (st != NULL && !json_is_null(st)) {
		return sqlclient_corrupt(e, peer, "error.sqlstate must be a "
					 "string");
	}
	if (json_is_integer(pos)) {
		json_int_t p = json_integer_value(pos);

		if (p < 0)
			return sqlclient_corrupt(e, peer, "error.position %lld"
						 " is negative", (long long)p);
		r->error.position = p > (json_int_t)LONG_MAX ? 0 : (long)p;
	} else if (pos != NULL && !json_is_null(pos)) {
		return sqlclient_corrupt(e, peer, "error.position must be an "
					 "integer");
	}
	r->error.detail = json_is_string(det) ? json_string_value(det) : NULL;
	r->error.hint = json_is_string(hint) ? json_string_value(hint) : NULL;
	return RC_OK;
}

int sqlclient_parse_reply(int status, const char *body, size_t len,
			  const char *peer, struct sqlreply **out,
			  struct err *e)
{
	struct sqlreply *r;
	const json_t *results, *err, *txn;
	struct err pe;
	char ex[100];
	int rc;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	r->status = status;
	if (jx_parse(body, len, &r->json, &pe) != RC_OK ||
	    !json_is_object(r->json)) {
		int parsed = r->json != NULL;

		sqlclient_reply_free(r);
		if (status / 100 == 2)
			return err_set(e, RC_CORRUPT, "malformed JSON reply "
				       "from %s: %s", peer,
				       parsed ? "not an object" : pe.msg);
		http_excerpt(body, len, ex, sizeof(ex));
		return err_set(e, status >= 500 ? RC_UNAVAILABLE : RC_CORRUPT,
			       "%s answered HTTP %d%s%s", peer, status,
			       ex[0] ? ": " : "", ex);
	}
	txn = json_object_get(r->json, "txn");
	if (json_is_string(txn)) {
		const char *t = json_string_value(txn);

		if (strcmp(t, "none") == 0)
			r->txn = SQLCLIENT_TXN_NONE;
		else if (strcmp(t, "open") == 0)
			r->txn = SQLCLIENT_TXN_OPEN;
		else if (strcmp(t, "failed") == 0)
			r->txn = SQLCLIENT_TXN_FAILED;
	}
	err = json_object_get(r->json, "error");
	if (err != NULL && !json_is_null(err)) {
		rc = sqlclient_error(err, peer, r, e);
		if (rc != RC_OK)
			goto fail;
	} else if (status / 100 != 2) {
		rc = sqlclient_corrupt(e, peer, "HTTP %d without an error",
				       status);
		goto fail;
	}
	results = json_object_get(r->json, "results");
	if (results == NULL || json_is_null(results)) {
		/* The last result alone at the top level. */
		if (json_object_get(r->json, "columns") != NULL ||
		    json_object_get(r->json, "tag") != NULL) {
			r->res = calloc(1, sizeof(*r->res));
			if (r->res == NULL) {
				rc = err_set(e, RC_NOMEM, "out of memory");
				goto fail;
			}
			r->nres = 1;
			rc = sqlclient_result(r->json, "the reply", peer,
					      r->res, e);
			if (rc != RC_OK)
				goto fail;
		} else if (!r->failed) {
			rc = sqlclient_corrupt(e, peer, "no results");
			goto fail;
		}
	} else if (!json_is_array(results)) {
		rc = sqlclient_corrupt(e, peer, "results must be an array");
		goto fail;
	} else if (json_array_size(results) > 0) {
		size_t n = json_array_size(results);

		r->res = calloc(n, sizeof(*r->res));
		if (r->res == NULL) {
			rc = err_set(e, RC_NOMEM, "out of memory");
			goto fail;
		}
		r->nres = n;
		for (size_t i = 0; i < n; i++) {
			char where[40];

			snprintf(where, sizeof(where), "results[%zu]", i);
			rc = sqlclient_result(json_array_get(results, i),
					      where, peer, &r->res[i], e);
			if (rc != RC_OK)
				goto fail;
		}
	}
	*out = r;
	return RC_OK;
fail:
	sqlclient_reply_free(r);
	return rc;
}

/* ---- statements --------------------------------------------------------- */

int sqlclient_run(struct sqlclient *c, const char *sql, size_t len,
		  struct sqlreply **out, struct err *e)
{
	json_t *req = NULL, *v;
	char *body = NULL, *resp = NULL;
	size_t blen = 0, rlen = 0, bad, bad_len;
	int rc, status;

	*out = NULL;
	if (!sqlclient_utf8_valid(sql, len, &bad, &bad_len)) {
		struct sqlreply *r = calloc(1, sizeof(*r));
		size_t k;
		int n;

		if (r == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		r->failed = 1;
		memcpy(r->error.sqlstate, "22021", 6);
		n = snprintf(r->local_msg, sizeof(r->local_msg),
			     "invalid byte sequence for encoding \"UTF8\":");
		for (k = 0; k < bad_len; k++)
			n += snprintf(r->local_msg + n,
				      sizeof(r->local_msg) - (size_t)n,
				      " 0x%02x",
				      (unsigned char)sql[bad + k]);
		r->error.message = r->local_msg;
		r->error.position = (long)bad + 1;
		*out = r;
		return RC_OK;
	}
	req = json_object();
	v = json_stringn_nocheck(sql, len);
	if (req == NULL || v == NULL || json_object_set_new(req, "sql", v)) {
		json_decref(req);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	if (c->session != NULL &&
	    json_object_set_new(req, "session", json_string(c->session))) {
		json_decref(req);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	rc = jx_dump(req, &body, &blen, e);
	json_decref(req);
	if (rc != RC_OK)
		return rc;
	rc = http_client_do(c->http, "POST", "/sql", "application/json", body,
			    blen, &status, &resp, &rlen, e);
	free(body);
	if (rc != RC_OK)
		return rc;
	rc = sqlclient_parse_reply(status, resp, rlen, c->peer, out, e);
	free(resp);
	return rc;
}
