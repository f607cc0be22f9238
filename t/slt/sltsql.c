/*
 * sltsql.c -- the sqllogictest runner's engine for a rangedb gateway
 * (POST /sql, one session per script; see sltsql.h).  Replies are parsed
 * with Jansson; every value of a row must be a string or null (numbers
 * and booleans are accepted too, printed as PostgreSQL would).
 * Tested end to end by the lead's cluster tests (t/slt/README).
 */
#include "sltsql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "http.h"
#include "jx.h"

struct sltsql {
	struct http_client *http;
	char *url;
	char *session;		/* NULL outside a script */
};

/* POST /sql {"sql": sql, "session": session?}: the reply, parsed. */
static int post_sql(struct sltsql *s, const char *sql, const char *session,
		    int *status, json_t **reply, struct err *e)
{
	json_t *req = json_object();
	char *body = NULL, *resp = NULL, excerpt[200];
	size_t body_len, resp_len;
	struct err pe;
	int rc;

	*reply = NULL;
	if (req == NULL ||
	    json_object_set_new(req, "sql", json_string(sql)) != 0 ||
	    (session != NULL &&
	     json_object_set_new(req, "session", json_string(session)) != 0)) {
		json_decref(req);
		return err_set(e, RC_NOMEM,
			       "cannot build the request (out of memory, or "
			       "SQL that is not UTF-8)");
	}
	rc = jx_dump(req, &body, &body_len, e);
	json_decref(req);
	if (rc != RC_OK)
		return rc;
	rc = http_client_do(s->http, "POST", "/sql", "application/json", body,
			    body_len, status, &resp, &resp_len, e);
	free(body);
	if (rc != RC_OK)
		return rc;
	if (jx_parse_object(resp, resp_len, reply, &pe) != RC_OK) {
		http_excerpt(resp, resp_len, excerpt, sizeof(excerpt));
		free(resp);
		return err_set(e, RC_CORRUPT,
			       "gateway %s answered POST /sql with HTTP %d "
			       "and no JSON object: %s", s->url, *status,
			       excerpt);
	}
	free(resp);
	return RC_OK;
}

/* One JSON value of a row as text (NULL for null). */
static int push_value(struct sltdb_result *res, const json_t *v)
{
	char buf[64];

	if (json_is_null(v))
		return sltdb_result_push(res, NULL, 0);
	if (json_is_string(v))
		return sltdb_result_push(res, json_string_value(v),
					 json_string_length(v));
	if (json_is_integer(v))
		snprintf(buf, sizeof(buf), "%lld",
			 (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, sizeof(buf), "%.17g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, sizeof(buf), "%s", json_is_true(v) ? "t" : "f");
	else
		return RC_CORRUPT;
	return sltdb_result_push(res, buf, strlen(buf));
}

/* A 200 reply's result: its top-level columns/types/rows. */
static int take_rows(struct sltsql *s, json_t *reply,
		     struct sltdb_result *res, struct err *e)
{
	json_t *cols = json_object_get(reply, "columns");
	json_t *types = json_object_get(reply, "types");
	json_t *rows = json_object_get(reply, "rows");
	json_t *results = json_object_get(reply, "results");
	size_t ncols, i, j;
	json_t *row, *v;

	if (cols == NULL && json_is_array(results) &&
	    json_array_size(results) > 0) {
		json_t *last = json_array_get(results,
					      json_array_size(results) - 1);

		cols = json_object_get(last, "columns");
		types = json_object_get(last, "types");
		rows = json_object_get(last, "rows");
	}
	if (cols == NULL && rows == NULL) {	/* no statement at all */
		res->ncols = 0;
		return RC_OK;
	}
	if (!json_is_array(cols) || !json_is_array(rows))
		return err_set(e, RC_CORRUPT,
			       "gateway %s answered POST /sql without "
			       "'columns' and 'rows' arrays", s->url);
	ncols = json_array_size(cols);
	res->ncols = (long)ncols;
	if (json_is_array(types) && json_array_size(types) == ncols &&
	    ncols > 0) {
		res->types = calloc(ncols, sizeof(char *));
		if (res->types == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		json_array_foreach(types, i, v) {
			res->types[i] = strdup(json_is_string(v) ?
					       json_string_value(v) : "");
			if (res->types[i] == NULL)
				return err_set(e, RC_NOMEM, "out of memory");
		}
	}
	json_array_foreach(rows, i, row) {
		if (!json_is_array(row) || json_array_size(row) != ncols)
			return err_set(e, RC_CORRUPT,
				       "gateway %s: row %zu of the answer is "
				       "not an array of %zu values", s->url,
				       i + 1, ncols);
		json_array_foreach(row, j, v) {
			int rc = push_value(res, v);

			if (rc == RC_CORRUPT)
				return err_set(e, RC_CORRUPT,
					       "gateway %s: row %zu, column "
					       "%zu of the answer is neither a "
					       "string nor null", s->url,
					       i + 1, j + 1);
			if (rc != RC_OK)
				return err_set(e, RC_NOMEM, "out of memory");
		}
		res->nrows++;
	}
	return RC_OK;
}

/* A non-200 reply: an SQL error, or a reply outside the protocol. */
static int take_error(struct sltsql *s, int status, json_t *reply,
		      struct sltdb_result *res, struct err *e)
{
	json_t *err = json_object_get(reply, "error");
	const char *state = json_string_value(json_object_get(err, "sqlstate"));
	const char *msg = json_string_value(json_object_get(err, "message"));

	if (state == NULL) {
		char *dump = json_dumps(reply, JSON_COMPACT);

		err_set(e, RC_CORRUPT, "gateway %s answered POST /sql with "
			"HTTP %d and no SQL error: %.150s", s->url, status,
			dump != NULL ? dump : "?");
		free(dump);
		return RC_CORRUPT;
	}
	if (sltdb_result_fail(res, state, msg != NULL ? msg : "") != RC_OK)
		return err_set(e, RC_NOMEM, "out of memory");
	return RC_OK;
}

static int run_sql(struct sltsql *s, const char *sql, const char *session,
		   struct sltdb_result *res, struct err *e)
{
	json_t *reply;
	int status, rc;

	rc = post_sql(s, sql, session, &status, &reply, e);
	if (rc != RC_OK)
		return rc;
	if (status == 200)
		rc = take_rows(s, reply, res, e);
	else
		rc = take_error(s, status, reply, res, e);
	json_decref(reply);
	return rc;
}

static int sltsql_exec(void *impl, const char *sql, struct sltdb_result *res,
		       struct err *e)
{
	struct sltsql *s = impl;

	return run_sql(s, sql, s->session, res, e);
}

/* Run setup SQL; an SQL error becomes RC_BAD_INPUT naming what failed. */
static int setup_sql(struct sltsql *s, const char *sql, const char *session,
		     struct err *e)
{
	struct sltdb_result res;
	int rc;

	sltdb_result_init(&res);
	rc = run_sql(s, sql, session, &res, e);
	if (rc == RC_OK && res.failed)
		rc = err_set(e, RC_BAD_INPUT, "'%s' failed: %s: %s", sql,
			     res.sqlstate, res.message);
	sltdb_result_clear(&res);
	return rc;
}

/* Database names come from the runner: letters, digits and '_' only. */
static int check_dbname(const char *dbname, struct err *e)
{
	if (dbname[0] == '\0' ||
	    dbname[strspn(dbname, "abcdefghijklmnopqrstuvwxyz0123456789_")])
		return err_set(e, RC_BAD_INPUT,
			       "database name '%s' is not lower-case letters, "
			       "digits and '_'", dbname);
	return RC_OK;
}

static int sltsql_begin_file(void *impl, const char *dbname, struct err *e)
{
	struct sltsql *s = impl;
	json_t *reply = NULL;
	const char *id;
	char *sql = NULL;
	int rc;

	rc = check_dbname(dbname, e);
	if (rc != RC_OK)
		return rc;
	free(s->session);
	s->session = NULL;
	rc = http_client_json(s->http, "POST", "/sql/session", NULL, &reply,
			      e);
	if (rc != RC_OK)
		return rc;
	if (jx_get_str(reply, "session", &id, e) != RC_OK) {
		json_decref(reply);
		return err_prefix(e, "gateway %s: POST /sql/session", s->url);
	}
	s->session = strdup(id);
	json_decref(reply);
	if (s->session == NULL ||
	    asprintf(&sql, "CREATE DATABASE %s; USE %s", dbname, dbname) < 0)
		return err_set(e, RC_NOMEM, "out of memory");
	rc = setup_sql(s, sql, s->session, e);
	free(sql);
	return rc;
}

/* The session id, %-encoded for a path. */
static char *escape_id(const char *id)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyz"
				   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~";
	char *out = malloc(strlen(id) * 3 + 1), *p = out;

	if (out == NULL)
		return NULL;
	for (const unsigned char *c = (const unsigned char *)id; *c; c++) {
		if (strchr(safe, *c) != NULL)
			*p++ = (char)*c;
		else
			p += sprintf(p, "%%%02X", *c);
	}
	*p = '\0';
	return out;
}

static int sltsql_end_file(void *impl, const char *dbname, int keep,
			   struct err *e)
{
	struct sltsql *s = impl;
	char *path = NULL, *id, *sql = NULL, *resp = NULL;
	size_t resp_len;
	int status, rc = RC_OK;

	if (s->session != NULL) {
		id = escape_id(s->session);
		if (id == NULL || asprintf(&path, "/sql/session/%s", id) < 0) {
			free(id);
			return err_set(e, RC_NOMEM, "out of memory");
		}
		free(id);
		rc = http_client_do(s->http, "DELETE", path, NULL, NULL, 0,
				    &status, &resp, &resp_len, e);
		free(path);
		free(resp);
		free(s->session);
		s->session = NULL;
		if (rc != RC_OK)
			return rc;
	}
	if (keep)
		return RC_OK;
	if (check_dbname(dbname, e) != RC_OK)
		return RC_BAD_INPUT;
	if (asprintf(&sql, "DROP DATABASE IF EXISTS %s CASCADE", dbname) < 0)
		return err_set(e, RC_NOMEM, "out of memory");
	rc = setup_sql(s, sql, NULL, e);
	free(sql);
	return rc;
}

static void sltsql_free(void *impl)
{
	struct sltsql *s = impl;

	if (s == NULL)
		return;
	http_client_free(s->http);
	free(s->url);
	free(s->session);
	free(s);
}

static const struct sltdb_ops sltsql_ops = {
	.name = "rangedb",
	.begin_file = sltsql_begin_file,
	.exec = sltsql_exec,
	.end_file = sltsql_end_file,
	.free = sltsql_free,
};

int sltsql_open(const char *url, long timeout_ms, struct sltdb **out,
		struct err *e)
{
	struct http_client_opts ho = { .timeout_ms = timeout_ms };
	struct sltsql *s;
	int rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL || (s->url = strdup(url)) == NULL) {
		free(s);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	rc = http_client_new(&s->http, url, &ho, e);
	if (rc == RC_OK)
		rc = sltdb_new(&sltsql_ops, s, out, e);
	if (rc != RC_OK)
		sltsql_free(s);
	return rc;
}
