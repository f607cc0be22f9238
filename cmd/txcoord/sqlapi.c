/*
 * sqlapi.c -- txcoord's SQL endpoints (see sqlapi.h for routes and
 * shapes).  Sessions live in a sqlsess table whose state is the engine's
 * struct sqlsession; a request holds its session exclusively while it
 * runs, so two requests of one session never interleave.
 */
#include "sqlapi.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "http.h"
#include "jx.h"
#include "sqlengine.h"
#include "sqlsess.h"

struct sqlapi {
	struct sqlengine *eng;
	struct sqlsess_table *sessions;
};

static void destroy_session(void *state, void *arg)
{
	(void)arg;
	sqlengine_session_free(state);
}

/* The HTTP status for a SQLSTATE. */
static int sqlstate_status(const char *st)
{
	if (strcmp(st, SQLSTATE_RETRY) == 0 ||
	    strcmp(st, SQLSTATE_UNKNOWN_OUTCOME) == 0)
		return 409;
	if (strcmp(st, SQLSTATE_UNAVAILABLE) == 0)
		return 503;
	if (strcmp(st, "08003") == 0)
		return 404;
	if (strcmp(st, SQLSTATE_INTERNAL) == 0 ||
	    strcmp(st, SQLSTATE_OUT_OF_MEMORY) == 0 ||
	    strncmp(st, "58", 2) == 0)
		return 500;
	return 400;
}

/* The error shape, with the completed results and the txn state. */
static void reply_sqlerr(struct http_resp *resp, const struct sqlerr *se,
			 json_t *results, const char *txn)
{
	json_t *j = json_pack("{s:{s:s, s:s, s:s, s:i}, s:O, s:s}", "error",
			      "code", "sql", "sqlstate", se->sqlstate,
			      "message", se->msg, "position", se->position,
			      "results", results ? results : json_array(),
			      "txn", txn);

	if (j == NULL) {
		http_resp_error(resp, RC_NOMEM, "%s", se->msg);
		return;
	}
	http_resp_json(resp, sqlstate_status(se->sqlstate), j);
}

static void reply_plain(struct http_resp *resp, const char *sqlstate,
			const char *msg)
{
	struct sqlerr se;

	sqlerr_set(&se, sqlstate, 0, "%s", msg);
	reply_sqlerr(resp, &se, NULL, "none");
}

static void handle_sql(const struct http_req *req, struct http_resp *resp,
		       void *arg)
{
	struct sqlapi *api = arg;
	struct sqlsess *sess = NULL;
	struct sqlsession *ss;
	const char *sql, *sid = NULL, *k;
	json_t *results, *v, *last, *j;
	struct sqlerr se;
	struct err e;
	int rc;

	json_object_foreach(req->json, k, v)
		if (strcmp(k, "sql") != 0 && strcmp(k, "session") != 0) {
			char msg[128];

			snprintf(msg, sizeof(msg), "unknown field '%.40s' in "
				 "the request (fields: sql, session)", k);
			reply_plain(resp, "08P01", msg);
			return;
		}
	if (jx_get_str(req->json, "sql", &sql, &e) != RC_OK) {
		reply_plain(resp, "08P01", e.msg);
		return;
	}
	if (jx_opt_str(req->json, "session", NULL, &sid, &e) != RC_OK) {
		reply_plain(resp, "08P01", e.msg);
		return;
	}
	if (sid != NULL) {
		if (sqlsess_acquire(api->sessions, sid, &sess, &e) != RC_OK) {
			reply_plain(resp, "08003", e.msg);
			return;
		}
		ss = sess->state;
	} else if (sqlengine_session_new(api->eng, &ss, &e) != RC_OK) {
		reply_plain(resp, SQLSTATE_OUT_OF_MEMORY, e.msg);
		return;
	}
	if ((results = json_array()) == NULL) {
		rc = sqlerr_nomem(&se);
	} else {
		sqlerr_clear(&se);
		/* the length, not strlen: a \u0000 must reach the lexer */
		rc = sqlengine_run(api->eng, ss, sql,
				   json_string_length(json_object_get(
					   req->json, "sql")), results, &se);
	}
	if (rc == 0 && sess == NULL &&
	    strcmp(sqlengine_txn_state(ss), "none") != 0) {
		sqlengine_rollback(ss);
		rc = sqlerr_set(&se, SQLSTATE_ACTIVE_TX, 0, "transaction "
				"still open at the end of a request without a "
				"session; it was rolled back (open a session "
				"with POST /sql/session to keep it)");
	}
	if (rc != 0) {
		reply_sqlerr(resp, &se, results, sqlengine_txn_state(ss));
	} else {
		last = json_array_get(results, json_array_size(results) - 1);
		j = json_pack("{s:O, s:s}", "results", results, "txn",
			      sqlengine_txn_state(ss));
		if (j != NULL && last != NULL)
			json_object_update(j, last);
		else if (j != NULL) {	/* no statement at all */
			json_t *none = json_pack("{s:[], s:[], s:[], s:s}",
						 "columns", "types", "rows",
						 "tag", "");

			if (none == NULL || json_object_update(j, none) != 0) {
				json_decref(j);
				j = NULL;
			}
			json_decref(none);
		}
		if (j == NULL)
			http_resp_error(resp, RC_NOMEM, "cannot build the "
					"reply: out of memory");
		else
			http_resp_json(resp, 200, j);
	}
	json_decref(results);
	if (sess != NULL)
		sqlsess_release(api->sessions, sess, 0);
	else
		sqlengine_session_free(ss);
}

static void handle_session_new(const struct http_req *req,
			       struct http_resp *resp, void *arg)
{
	struct sqlapi *api = arg;
	struct sqlsession *ss;
	struct sqlsess *sess;
	struct err e;
	json_t *j;

	if (json_object_size(req->json) != 0) {
		reply_plain(resp, "08P01", "POST /sql/session takes no "
			    "fields");
		return;
	}
	if (sqlengine_session_new(api->eng, &ss, &e) != RC_OK) {
		http_resp_err(resp, &e);
		return;
	}
	if (sqlsess_create(api->sessions, ss, &sess, &e) != RC_OK) {
		sqlengine_session_free(ss);
		http_resp_err(resp, &e);
		return;
	}
	j = json_pack("{s:s}", "session", sess->id);
	sqlsess_release(api->sessions, sess, 0);
	if (j == NULL)
		http_resp_error(resp, RC_NOMEM, "out of memory");
	else
		http_resp_json(resp, 201, j);
}

static void handle_session_close(const struct http_req *req,
				 struct http_resp *resp, void *arg)
{
	struct sqlapi *api = arg;
	const char *id = req->path + strlen("/sql/session/");
	struct sqlsess *sess;
	struct err e;
	json_t *j;

	if (sqlsess_acquire(api->sessions, id, &sess, &e) != RC_OK) {
		reply_plain(resp, "08003", e.msg);
		return;
	}
	j = json_pack("{s:s}", "closed", sess->id);
	sqlsess_release(api->sessions, sess, 1);
	if (j == NULL)
		http_resp_error(resp, RC_NOMEM, "out of memory");
	else
		http_resp_json(resp, 200, j);
}

int sqlapi_register(struct http_server *s, struct sqlengine *eng,
		    unsigned idle_ms, struct sqlapi **out, struct err *e)
{
	struct sqlapi *api = calloc(1, sizeof(*api));
	int rc;

	if (api == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	api->eng = eng;
	if ((rc = sqlsess_table_new(&api->sessions, idle_ms, destroy_session,
				    NULL, e)) != RC_OK) {
		free(api);
		return rc;
	}
	if ((rc = http_server_route(s, "POST", "/sql", HTTP_JSON_BODY,
				    SQLAPI_MAX_BODY, handle_sql, api, e)) !=
	    RC_OK ||
	    (rc = http_server_route(s, "POST", "/sql/session", HTTP_JSON_BODY,
				    4096, handle_session_new, api, e)) !=
	    RC_OK ||
	    (rc = http_server_route(s, "DELETE", "/sql/session/*", 0, 4096,
				    handle_session_close, api, e)) != RC_OK) {
		sqlapi_free(api);
		return rc;
	}
	*out = api;
	return RC_OK;
}

void sqlapi_free(struct sqlapi *a)
{
	if (a == NULL)
		return;
	sqlsess_table_free(a->sessions);
	free(a);
}
