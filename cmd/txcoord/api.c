/*
 * api.c -- txcoord's /txn endpoints: JSON in, transaction engine calls,
 * JSON out (see api.h for the routes and shapes).  The interactive
 * transactions live in the engine's session table; the one-shot route
 * parses and checks every op before it begins, then runs them through
 * txn_run().  Tested in t/unit/txn_test.c.
 */
#include "api.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "desc.h"
#include "http.h"
#include "jx.h"
#include "txn.h"
#include "txnwire.h"
#include "util.h"

/* ---- replies ------------------------------------------------------------ */

static void reply_err(struct http_resp *resp, const struct err *e)
{
	json_t *j;

	if (e->code != RC_CONFLICT) {
		http_resp_err(resp, e);
		return;
	}
	j = json_pack("{s:{s:s, s:s, s:s}}", "error", "code", "retry",
		      "sqlstate", "40001", "message", e->msg);
	if (j == NULL) {
		http_resp_error(resp, RC_CONFLICT, "%s", e->msg);
		return;
	}
	http_resp_json(resp, 409, j);
}

static void reply_json(struct http_resp *resp, json_t *j)
{
	if (j == NULL)
		http_resp_error(resp, RC_NOMEM, "cannot build reply: out of "
				"memory");
	else
		http_resp_json(resp, 200, j);
}

/* ---- request fields ----------------------------------------------------- */

/* RC_BAD_INPUT unless every field of obj is one of names (NULL-ended). */
static int check_fields(const json_t *obj, const char *const *names,
			const char *what, struct err *e)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)obj, k, v) {
		size_t i;

		for (i = 0; names[i] != NULL; i++)
			if (strcmp(k, names[i]) == 0)
				break;
		if (names[i] == NULL)
			return err_set(e, RC_BAD_INPUT, "unknown field "
				       "'%s' in %s", k, what);
	}
	return RC_OK;
}

/* obj[name] or obj[name_b64] as bytes (malloc'd); required or not. */
static int get_bytes(const json_t *obj, const char *name, int required,
		     void **p, size_t *n, struct err *e)
{
	int rc = desc_bytes_get(obj, name, p, n, e);

	if (rc == RC_NOT_FOUND) {
		*p = NULL;
		*n = 0;
		if (required)
			return err_set(e, RC_BAD_INPUT, "missing field '%s' "
				       "(or '%s_b64')", name, name);
		return RC_OK;
	}
	return rc;
}

static const char *const f_txn[] = { "txn", NULL };
static const char *const f_key[] = { "txn", "key", "key_b64", NULL };
static const char *const f_put[] = {
	"txn", "key", "key_b64", "value", "value_b64", NULL
};
static const char *const f_scan[] = {
	"txn", "start", "start_b64", "end", "end_b64", "limit", NULL
};

/* The session transaction named by the body's "txn" (acquired). */
static int acquire(struct txn_engine *eng, const json_t *body,
		   const char *const *fields, struct txn **t, struct err *e)
{
	const char *id;
	int rc;

	if ((rc = check_fields(body, fields, "the request", e)) != RC_OK ||
	    (rc = jx_get_str(body, "txn", &id, e)) != RC_OK)
		return rc;
	return txn_session_acquire(eng, id, t, e);
}

/* ---- JSON of results ---------------------------------------------------- */

static json_t *get_json(int found, const void *val, size_t vlen)
{
	json_t *j = json_pack("{s:b}", "found", found);

	if (j != NULL && found && desc_bytes_set(j, "value", val, vlen) != 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static json_t *kvs_json(const struct txn_kvs *r)
{
	json_t *arr = json_array(), *j;

	for (size_t i = 0; arr != NULL && i < r->n; i++) {
		json_t *kv = json_object();

		if (kv == NULL || desc_bytes_set(kv, "key", r->items[i].key,
						 r->items[i].klen) != 0 ||
		    desc_bytes_set(kv, "value", r->items[i].val,
				   r->items[i].vlen) != 0 ||
		    json_array_append_new(arr, kv) != 0) {
			json_decref(kv);
			json_decref(arr);
			return NULL;
		}
	}
	j = arr ? json_pack("{s:o, s:b}", "kvs", arr, "more", r->more) : NULL;
	if (j != NULL && r->more &&
	    desc_bytes_set(j, "resume", r->resume, r->resume_len) != 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static json_t *commit_json(uint64_t cts, int one_pc)
{
	json_t *j = json_pack("{s:b, s:b}", "committed", 1, "1pc", one_pc);

	if (j != NULL && txnwire_ts_set(j, "ts", cts) != 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* ---- scans -------------------------------------------------------------- */

struct scan_args {
	void *start, *end;
	size_t slen, elen;
	size_t limit;
};

static void scan_args_release(struct scan_args *a)
{
	free(a->start);
	free(a->end);
	memset(a, 0, sizeof(*a));
}

static int scan_args_parse(const json_t *obj, struct scan_args *a,
			   struct err *e)
{
	int64_t limit;
	int rc;

	memset(a, 0, sizeof(*a));
	if ((rc = get_bytes(obj, "start", 0, &a->start, &a->slen, e)) !=
	    RC_OK || (rc = get_bytes(obj, "end", 0, &a->end, &a->elen, e)) !=
	    RC_OK || (rc = jx_opt_int(obj, "limit", TXAPI_SCAN_LIMIT, &limit,
				      e)) != RC_OK) {
		scan_args_release(a);
		return rc;
	}
	if (limit < 1 || limit > TXN_SCAN_MAX) {
		scan_args_release(a);
		return err_set(e, RC_BAD_INPUT, "field 'limit' must be from 1 "
			       "to %d", TXN_SCAN_MAX);
	}
	a->limit = (size_t)limit;
	return RC_OK;
}

static int do_scan(struct txn *t, const struct scan_args *a, json_t **out,
		   struct err *e)
{
	struct txn_kvs r;
	int rc;

	rc = txn_scan(t, a->start ? a->start : "", a->slen, a->end, a->elen,
		      a->limit, &r, e);
	if (rc != RC_OK)
		return rc;
	*out = kvs_json(&r);
	txn_kvs_release(&r);
	return *out ? RC_OK : err_set(e, RC_NOMEM, "out of memory");
}

/* ---- interactive routes ------------------------------------------------- */

static void handle_begin(const struct http_req *req, struct http_resp *resp,
			 void *arg)
{
	static const char *const none[] = { NULL };
	struct txn_engine *eng = arg;
	struct txn *t;
	struct err e;
	json_t *j;

	if (check_fields(req->json, none, "the request", &e) != RC_OK ||
	    txn_session_begin(eng, &t, &e) != RC_OK) {
		reply_err(resp, &e);
		return;
	}
	j = json_pack("{s:s}", "txn", txn_id_hex(t));
	if (j != NULL && txnwire_ts_set(j, "ts", txn_read_ts(t)) != 0) {
		json_decref(j);
		j = NULL;
	}
	txn_session_release(t);
	reply_json(resp, j);
}

static void handle_get(const struct http_req *req, struct http_resp *resp,
		       void *arg)
{
	struct txn *t = NULL;
	void *key = NULL, *val = NULL;
	size_t klen = 0, vlen = 0;
	int found = 0, rc;
	struct err e;

	if ((rc = get_bytes(req->json, "key", 1, &key, &klen, &e)) == RC_OK &&
	    (rc = acquire(arg, req->json, f_key, &t, &e)) == RC_OK) {
		rc = txn_get(t, key, klen, &found, &val, &vlen, &e);
		txn_session_release(t);
	}
	if (rc == RC_OK)
		reply_json(resp, get_json(found, val, vlen));
	else
		reply_err(resp, &e);
	free(key);
	free(val);
}

static void handle_scan(const struct http_req *req, struct http_resp *resp,
			void *arg)
{
	struct scan_args a;
	struct txn *t;
	json_t *j = NULL;
	struct err e;
	int rc;

	if ((rc = scan_args_parse(req->json, &a, &e)) != RC_OK) {
		reply_err(resp, &e);
		return;
	}
	if ((rc = acquire(arg, req->json, f_scan, &t, &e)) == RC_OK) {
		rc = do_scan(t, &a, &j, &e);
		txn_session_release(t);
	}
	scan_args_release(&a);
	if (rc == RC_OK)
		reply_json(resp, j);
	else
		reply_err(resp, &e);
}

/* put (with a value) or delete. */
static void handle_write(const struct http_req *req, struct http_resp *resp,
			 void *arg, int del)
{
	struct txn *t;
	void *key = NULL, *val = NULL;
	size_t klen, vlen;
	struct err e;
	int rc;

	if ((rc = get_bytes(req->json, "key", 1, &key, &klen, &e)) == RC_OK &&
	    (del || (rc = get_bytes(req->json, "value", 1, &val, &vlen, &e))
	     == RC_OK) &&
	    (rc = acquire(arg, req->json, del ? f_key : f_put, &t, &e)) ==
	    RC_OK) {
		rc = del ? txn_delete(t, key, klen, &e) :
			txn_put(t, key, klen, val, vlen, &e);
		txn_session_release(t);
	}
	if (rc == RC_OK)
		reply_json(resp, json_object());
	else
		reply_err(resp, &e);
	free(key);
	free(val);
}

static void handle_put(const struct http_req *req, struct http_resp *resp,
		       void *arg)
{
	handle_write(req, resp, arg, 0);
}

static void handle_delete(const struct http_req *req, struct http_resp *resp,
			  void *arg)
{
	handle_write(req, resp, arg, 1);
}

static void handle_commit(const struct http_req *req, struct http_resp *resp,
			  void *arg)
{
	struct txn *t;
	uint64_t cts = 0;
	int one_pc = 0, rc;
	struct err e;

	if ((rc = acquire(arg, req->json, f_txn, &t, &e)) == RC_OK) {
		rc = txn_commit(t, &cts, &one_pc, &e);
		txn_session_release(t);
	}
	if (rc == RC_OK)
		reply_json(resp, commit_json(cts, one_pc));
	else
		reply_err(resp, &e);
}

static void handle_rollback(const struct http_req *req,
			    struct http_resp *resp, void *arg)
{
	struct txn *t;
	struct err e;

	if (acquire(arg, req->json, f_txn, &t, &e) != RC_OK) {
		reply_err(resp, &e);
		return;
	}
	txn_rollback(t);
	txn_session_release(t);
	reply_json(resp, json_object());
}

/* ---- one-shot transactions ---------------------------------------------- */

enum op_kind { OP_GET, OP_SCAN, OP_PUT, OP_DELETE, OP_INCR };

struct op {
	int kind;
	void *key, *val;
	size_t klen, vlen;
	struct scan_args scan;
	int64_t by;
	/* incr evaluated by the range (txn_incr): see mark_blind */
	int blind;
	int64_t result;
};

struct oneshot {
	struct op *ops;
	size_t n;
	json_t *results;	/* of the current attempt */
};

static void oneshot_release(struct oneshot *o)
{
	for (size_t i = 0; i < o->n; i++) {
		free(o->ops[i].key);
		free(o->ops[i].val);
		scan_args_release(&o->ops[i].scan);
	}
	free(o->ops);
	json_decref(o->results);
	memset(o, 0, sizeof(*o));
}

static const char *const f_op_key[] = { "op", "key", "key_b64", NULL };
static const char *const f_op_scan[] = {
	"op", "start", "start_b64", "end", "end_b64", "limit", NULL
};
static const char *const f_op_put[] = {
	"op", "key", "key_b64", "value", "value_b64", NULL
};
static const char *const f_op_incr[] = {
	"op", "key", "key_b64", "by", NULL
};

static int op_parse_kind(const json_t *j, struct op *op, struct err *e)
{
	static const char *const names[] = {
		"get", "scan", "put", "delete", "incr"
	};
	static const char *const *const fields[] = {
		f_op_key, f_op_scan, f_op_put, f_op_key, f_op_incr
	};
	const char *s;
	int rc;

	if ((rc = jx_get_str(j, "op", &s, e)) != RC_OK)
		return rc;
	for (op->kind = 0; op->kind < 5; op->kind++)
		if (strcmp(s, names[op->kind]) == 0)
			return check_fields(j, fields[op->kind], "the op", e);
	return err_set(e, RC_BAD_INPUT, "unknown op '%s' (get, scan, put, "
		       "delete or incr)", s);
}

static int op_parse(const json_t *j, struct op *op, struct err *e)
{
	int rc;

	memset(op, 0, sizeof(*op));
	if (!json_is_object(j))
		return err_set(e, RC_BAD_INPUT, "an op must be an object");
	if ((rc = op_parse_kind(j, op, e)) != RC_OK)
		return rc;
	if (op->kind == OP_SCAN)
		return scan_args_parse(j, &op->scan, e);
	if ((rc = get_bytes(j, "key", 1, &op->key, &op->klen, e)) != RC_OK)
		return rc;
	if (op->kind == OP_PUT)
		return get_bytes(j, "value", 1, &op->val, &op->vlen, e);
	if (op->kind == OP_INCR)
		return jx_opt_int(j, "by", 1, &op->by, e);
	return RC_OK;
}

/*
 * The increments the ranges may evaluate themselves (txn_incr: a blind
 * write, no read before it): those on a key no other op of the request
 * touches, in a request without scans.  A bank transfer's two increments
 * then cost no read and no read span, so they never fail a refresh.  At
 * most ONESHOT_MAX_BLIND of them (a range takes 16 per write), in
 * requests of at most ONESHOT_BLIND_OPS ops (the check is quadratic);
 * the others read, then write, as before.
 */
#define ONESHOT_MAX_BLIND	16
#define ONESHOT_BLIND_OPS	64

static void mark_blind(struct oneshot *o)
{
	size_t n_blind = 0;

	if (o->n > ONESHOT_BLIND_OPS)
		return;
	for (size_t i = 0; i < o->n; i++)
		if (o->ops[i].kind == OP_SCAN)
			return;
	for (size_t i = 0; i < o->n && n_blind < ONESHOT_MAX_BLIND; i++) {
		struct op *op = &o->ops[i];
		int alone = op->kind == OP_INCR;

		for (size_t k = 0; alone && k < o->n; k++)
			alone = k == i || o->ops[k].klen != op->klen ||
				memcmp(o->ops[k].key, op->key, op->klen) != 0;
		if (alone) {
			op->blind = 1;
			n_blind++;
		}
	}
}

static int oneshot_parse(const json_t *body, struct oneshot *o,
			 struct err *e)
{
	static const char *const fields[] = { "ops", NULL };
	json_t *arr, *j;
	size_t i;
	int rc;

	memset(o, 0, sizeof(*o));
	if ((rc = check_fields(body, fields, "the request", e)) != RC_OK ||
	    (rc = jx_get_arr(body, "ops", &arr, e)) != RC_OK)
		return rc;
	if (json_array_size(arr) == 0 || json_array_size(arr) > TXAPI_MAX_OPS)
		return err_set(e, RC_BAD_INPUT, "field 'ops' must hold 1 to "
			       "%d ops", TXAPI_MAX_OPS);
	if ((o->ops = calloc(json_array_size(arr), sizeof(*o->ops))) == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	json_array_foreach(arr, i, j) {
		o->n = i + 1;
		if ((rc = op_parse(j, &o->ops[i], e)) != RC_OK)
			return err_prefix(e, "op %zu", i);
	}
	mark_blind(o);
	return RC_OK;
}

/* incr: read (absent = 0), check it is a decimal integer, add, write. */
static int do_incr(struct txn *t, const struct op *op, json_t **out,
		   struct err *e)
{
	char kt[TXNWIRE_KEY_TEXT], buf[24];
	void *val = NULL;
	size_t vlen = 0;
	int64_t cur = 0;
	int found, rc;

	if ((rc = txn_get(t, op->key, op->klen, &found, &val, &vlen, e)) !=
	    RC_OK)
		return rc;
	if (found && (strlen(val) != vlen ||
		      util_parse_i64(val, INT64_MIN, INT64_MAX, &cur, "value",
				     NULL) != RC_OK)) {
		free(val);
		return err_set(e, RC_BAD_INPUT, "incr: the value of '%s' is "
			       "not a decimal integer",
			       txnwire_key_text(op->key, op->klen, kt,
						sizeof(kt)));
	}
	free(val);
	if ((op->by > 0 && cur > INT64_MAX - op->by) ||
	    (op->by < 0 && cur < INT64_MIN - op->by))
		return err_set(e, RC_BAD_INPUT, "incr: '%s' would overflow",
			       txnwire_key_text(op->key, op->klen, kt,
						sizeof(kt)));
	snprintf(buf, sizeof(buf), "%" PRId64, cur + op->by);
	if ((rc = txn_put(t, op->key, op->klen, buf, strlen(buf), e)) != RC_OK)
		return rc;
	*out = json_pack("{s:s}", "value", buf);
	return *out ? RC_OK : err_set(e, RC_NOMEM, "out of memory");
}

static int do_op(struct txn *t, struct op *op, json_t **out,
		 struct err *e)
{
	void *val = NULL;
	size_t vlen = 0;
	int found, rc;

	*out = NULL;
	switch (op->kind) {
	case OP_GET:
		rc = txn_get(t, op->key, op->klen, &found, &val, &vlen, e);
		if (rc == RC_OK && (*out = get_json(found, val, vlen)) == NULL)
			rc = err_set(e, RC_NOMEM, "out of memory");
		free(val);
		return rc;
	case OP_SCAN:
		return do_scan(t, &op->scan, out, e);
	case OP_PUT:
	case OP_DELETE:
		rc = op->kind == OP_PUT ?
			txn_put(t, op->key, op->klen, op->val, op->vlen, e) :
			txn_delete(t, op->key, op->klen, e);
		if (rc == RC_OK && (*out = json_object()) == NULL)
			rc = err_set(e, RC_NOMEM, "out of memory");
		return rc;
	default:
		if (!op->blind)
			return do_incr(t, op, out, e);
		/* the value is known once committed (handle_oneshot) */
		rc = txn_incr(t, op->key, op->klen, op->by, &op->result, e);
		if (rc == RC_OK && (*out = json_object()) == NULL)
			rc = err_set(e, RC_NOMEM, "out of memory");
		return rc;
	}
}

/* txn_run body: every op in order, results collected afresh. */
static int oneshot_body(struct txn *t, void *arg, unsigned attempt,
			struct err *e)
{
	struct oneshot *o = arg;
	int rc;

	(void)attempt;
	json_decref(o->results);
	if ((o->results = json_array()) == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	for (size_t i = 0; i < o->n; i++) {
		json_t *r;

		if ((rc = do_op(t, &o->ops[i], &r, e)) != RC_OK)
			return rc;
		if (json_array_append_new(o->results, r) != 0)
			return err_set(e, RC_NOMEM, "out of memory");
	}
	return RC_OK;
}

static void handle_oneshot(const struct http_req *req,
			   struct http_resp *resp, void *arg)
{
	struct oneshot o;
	uint64_t cts = 0;
	unsigned retries = 0;
	int one_pc = 0, rc;
	json_t *j;
	struct err e;

	if ((rc = oneshot_parse(req->json, &o, &e)) == RC_OK)
		rc = txn_run(arg, oneshot_body, &o, &cts, &one_pc, &retries,
			     &e);
	if (rc != RC_OK) {
		if (rc == RC_CONFLICT && retries > 0) {
			char msg[ERR_MSG_MAX];

			memcpy(msg, e.msg, sizeof(msg));
			err_set(&e, RC_CONFLICT, "%s (after %u retries)", msg,
				retries);
		}
		reply_err(resp, &e);
		oneshot_release(&o);
		return;
	}
	/* the values the ranges wrote for the blind increments */
	for (size_t i = 0; i < o.n; i++) {
		char v[24];

		if (!o.ops[i].blind)
			continue;
		snprintf(v, sizeof(v), "%" PRId64, o.ops[i].result);
		if (json_object_set_new(json_array_get(o.results, i), "value",
					json_string(v)) != 0) {
			err_set(&e, RC_NOMEM, "out of memory");
			reply_err(resp, &e);
			oneshot_release(&o);
			return;
		}
	}
	j = json_pack("{s:O, s:I, s:b}", "results", o.results, "retries",
		      (json_int_t)retries, "1pc", one_pc);
	if (j != NULL && txnwire_ts_set(j, "ts", cts) != 0) {
		json_decref(j);
		j = NULL;
	}
	reply_json(resp, j);
	oneshot_release(&o);
}

/* ---- registration ------------------------------------------------------- */

int txapi_register(struct http_server *s, struct txn_engine *eng,
		   struct err *e)
{
	static const struct {
		const char *path;
		http_handler_fn fn;
		size_t max_body;
	} routes[] = {
		{ "/txn/begin", handle_begin, TXAPI_SMALL_BODY },
		{ "/txn/get", handle_get, TXAPI_SMALL_BODY },
		{ "/txn/scan", handle_scan, TXAPI_SMALL_BODY },
		{ "/txn/put", handle_put, TXAPI_MAX_BODY },
		{ "/txn/delete", handle_delete, TXAPI_SMALL_BODY },
		{ "/txn/commit", handle_commit, TXAPI_SMALL_BODY },
		{ "/txn/rollback", handle_rollback, TXAPI_SMALL_BODY },
		{ "/txn", handle_oneshot, TXAPI_MAX_BODY },
	};
	int rc;

	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if ((rc = http_server_route(s, "POST", routes[i].path,
					    HTTP_JSON_BODY, routes[i].max_body,
					    routes[i].fn, eng, e)) != RC_OK)
			return rc;
	return RC_OK;
}
