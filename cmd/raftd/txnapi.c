/*
 * txnapi.c -- raftd's transaction endpoints (see txnapi.h): JSON in and out,
 * routing to the range's leader, the node calls of node.h, and the push
 * queue (who waits for whom, for txcoord's deadlock detection).
 */
#include "txnapi.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api.h"
#include "desc.h"
#include "fault.h"
#include "hlc.h"
#include "jx.h"
#include "log.h"
#include "metrics.h"
#include "node.h"
#include "sqlfilt.h"
#include "txnops.h"
#include "util.h"

#define MAX_WAITERS	256		/* remembered per pushee */

/* One transaction waiting on another (the push queue). */
struct waiter {
	unsigned char pushee[TXNOPS_ID_LEN];
	unsigned char id[TXNOPS_ID_LEN];
	uint64_t until_ms;		/* monotonic */
};

struct txnapi {
	struct raftd_api *api;
	/* pushed-down scan filters (sqlfilt.h) */
	struct metrics_counter *filt_applied, *filt_refused;
	struct metrics_counter *rows_kept, *rows_dropped;
	pthread_mutex_t mu;
	struct waiter *w;		/* under mu */
	size_t n_w, cap_w;
};

/* ---- parsing ------------------------------------------------------------ */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void id_hex(const unsigned char *id, char out[33])
{
	static const char hx[] = "0123456789abcdef";

	for (int i = 0; i < TXNOPS_ID_LEN; i++) {
		out[2 * i] = hx[id[i] >> 4];
		out[2 * i + 1] = hx[id[i] & 15];
	}
	out[32] = '\0';
}

static int id_parse(const char *s, unsigned char *id)
{
	if (s == NULL || strlen(s) != 2 * TXNOPS_ID_LEN)
		return -1;
	for (int i = 0; i < TXNOPS_ID_LEN; i++) {
		int h = hexval(s[2 * i]), l = hexval(s[2 * i + 1]);

		if (h < 0 || l < 0)
			return -1;
		id[i] = (unsigned char)(h << 4 | l);
	}
	return 0;
}

/* A transaction id field (32 hex digits). */
static int get_id(const json_t *o, const char *name, unsigned char *id,
		  int required, int *present, struct err *e)
{
	json_t *v = json_object_get(o, name);

	if (present != NULL)
		*present = 0;
	if (v == NULL || json_is_null(v)) {
		if (required)
			return err_set(e, RC_BAD_INPUT, "missing field '%s' "
				       "(a transaction id)", name);
		return RC_OK;
	}
	if (!json_is_string(v) || id_parse(json_string_value(v), id) != 0)
		return err_set(e, RC_BAD_INPUT, "field '%s' must be a "
			       "transaction id of 32 hex digits", name);
	if (present != NULL)
		*present = 1;
	return RC_OK;
}

/* A timestamp field: a decimal string or an integer; nonzero. */
static int get_ts(const json_t *o, const char *name, uint64_t *ts,
		  int required, struct err *e)
{
	json_t *v = json_object_get(o, name);

	*ts = 0;
	if (v == NULL) {
		if (required)
			return err_set(e, RC_BAD_INPUT, "missing field '%s' "
				       "(a timestamp)", name);
		return RC_OK;
	}
	if (json_is_integer(v) && json_integer_value(v) > 0)
		*ts = (uint64_t)json_integer_value(v);
	else if (!json_is_string(v) ||
		 util_parse_u64(json_string_value(v), 1, UINT64_MAX, ts, name,
				NULL) != RC_OK)
		return err_set(e, RC_BAD_INPUT, "field '%s' must be a positive "
			       "timestamp (a decimal string)", name);
	/*
	 * A timestamp far ahead of this node's clock would drag its HLC
	 * (and every later write) into the future: refuse it.
	 */
	if (hlc_physical(*ts) > fault_wall_ms(NULL) + TXNAPI_MAX_AHEAD_MS)
		return err_set(e, RC_CLOCK_SKEW, "field '%s': timestamp is %"
			       PRIu64 " ms ahead of this node's clock (more "
			       "than %d ms)", name,
			       hlc_physical(*ts) - fault_wall_ms(NULL),
			       TXNAPI_MAX_AHEAD_MS);
	return RC_OK;
}

static json_t *ts_json(uint64_t ts)
{
	char b[24];

	snprintf(b, sizeof(b), "%" PRIu64, ts);
	return json_string(b);
}

/* A key field "name" / "name_b64"; required: missing is an error. */
static int get_key(const json_t *o, const char *name, void **k, size_t *kl,
		   int required, struct err *e)
{
	int rc = desc_bytes_get(o, name, k, kl, e);

	if (rc == RC_NOT_FOUND) {
		*k = NULL;
		*kl = 0;
		if (required)
			return err_set(e, RC_BAD_INPUT, "missing field '%s'",
				       name);
		return RC_OK;
	}
	if (rc == RC_OK && *kl > 0 && ((unsigned char *)*k)[0] < 0x02) {
		free(*k);
		*k = NULL;
		return err_set(e, RC_BAD_INPUT, "field '%s': keys starting with "
			       "byte 0x01 or 0x00 are reserved for range "
			       "metadata", name);
	}
	if (rc == RC_OK && *kl > MVCC_KEY_MAX) {
		free(*k);
		*k = NULL;
		return err_set(e, RC_TOO_LARGE, "field '%s': key of %zu bytes "
			       "is over the limit of %u", name, *kl,
			       MVCC_KEY_MAX);
	}
	return rc;
}

/* ---- answers ------------------------------------------------------------ */

static void answer_code(struct http_resp *resp, int status, const char *code,
			const char *msg, json_t *extra)
{
	json_t *j = json_pack("{s:{s:s, s:s}}", "error", "code", code,
			      "message", msg);

	if (j == NULL) {
		json_decref(extra);
		http_resp_error(resp, RC_NOMEM, "out of memory");
		return;
	}
	if (extra != NULL)
		json_object_update(j, extra);
	json_decref(extra);
	http_resp_json(resp, status, j);
}

static json_t *conflicts_json(const struct txnops_conflicts *c)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < c->n; i++) {
		json_t *o = json_object();
		char hx[33];

		if (o == NULL)
			break;
		id_hex(c->items[i].txn, hx);
		desc_bytes_set(o, "key", c->items[i].key, c->items[i].klen);
		desc_bytes_set(o, "anchor", c->items[i].anchor,
			       c->items[i].alen);
		json_object_set_new(o, "txn", json_string(hx));
		json_object_set_new(o, "ts", ts_json(c->items[i].ts));
		json_array_append_new(a, o);
	}
	return json_pack("{s:o*}", "intents", a);
}

/*
 * A node call failed: locked (with the intents), a serialization failure
 * ("retry"), aborted, or any other node error.
 */
static void answer_err(struct txnapi *t, const struct http_req *req,
		       struct http_resp *resp, const struct err *e,
		       uint64_t range_id, const struct node_txn_result *r,
		       const struct txnops_conflicts *c)
{
	if (e->code == RC_CONFLICT) {
		if (c != NULL && c->n > 0) {
			answer_code(resp, 409, "locked", e->msg,
				    conflicts_json(c));
			return;
		}
		if (r != NULL && r->aborted) {
			answer_code(resp, 409, "aborted", e->msg, NULL);
			return;
		}
		if ((r != NULL && r->retry) ||
		    strncmp(e->msg, "retry", 5) == 0) {
			answer_code(resp, 409, "retry", e->msg,
				    r != NULL && r->ts ?
				    json_pack("{s:o}", "ts", ts_json(r->ts)) :
				    NULL);
			return;
		}
	}
	if (r != NULL && r->ambiguous) {
		/* never a redirect: a second attempt could apply it twice */
		json_t *j = json_pack("{s:{s:s, s:s, s:b}}", "error", "code",
				      rc_name(e->code), "message", e->msg,
				      "ambiguous", 1);

		http_resp_json(resp, rc_http_status(e->code), j);
		return;
	}
	raftd_api_node_error(t->api, req, resp, e, range_id);
}

/* ---- reads -------------------------------------------------------------- */

static void handle_get(const struct http_req *req, struct http_resp *resp,
		       void *arg)
{
	struct txnapi *t = arg;
	struct node *n = raftd_api_node(t->api);
	struct txnops_conflicts c = { NULL, 0 };
	unsigned char id[TXNOPS_ID_LEN];
	void *key = NULL, *val = NULL;
	size_t klen = 0, vlen = 0;
	uint64_t ts, vts = 0, rid;
	struct err e;
	int rc;

	if (get_id(req->json, "txn", id, 1, NULL, &e) != RC_OK ||
	    get_ts(req->json, "ts", &ts, 1, &e) != RC_OK ||
	    get_key(req->json, "key", &key, &klen, 1, &e) != RC_OK) {
		http_resp_err(resp, &e);
		return;
	}
	if ((rid = raftd_api_route(t->api, req, resp, key, klen)) == 0)
		goto out;
	rc = node_txn_get(n, rid, key, klen, ts, id, &val, &vlen, &vts, &c,
			  &e);
	if (rc == RC_NOT_FOUND) {
		http_resp_json(resp, 200, json_pack("{s:b, s:I}", "found", 0,
						    "range_id",
						    (json_int_t)rid));
	} else if (rc != RC_OK) {
		answer_err(t, req, resp, &e, rid, NULL, &c);
	} else {
		json_t *j = json_pack("{s:b, s:o, s:I}", "found", 1, "ts",
				      ts_json(vts), "range_id",
				      (json_int_t)rid);

		if (j != NULL)
			desc_bytes_set(j, "value", val, vlen);
		http_resp_json(resp, 200, j);
	}
out:
	txnops_conflicts_release(&c);
	free(key);
	free(val);
}

/*
 * Apply a pushed filter to the rows of res (in place), keeping at most
 * limit of those that pass; when more pass, the first one left is where
 * the next page starts.
 */
static void filter_rows(struct txnapi *t, struct sqlfilt *f,
			struct mvcc_scan_result *res, size_t limit)
{
	size_t kept = 0, dropped = 0, i;

	for (i = 0; i < res->n; i++) {
		struct mvcc_kv *kv = &res->items[i];

		if (!sqlfilt_keep(f, kv->key, kv->klen, kv->val, kv->vlen)) {
			free(kv->key);
			free(kv->val);
			dropped++;
			continue;
		}
		if (kept == limit)
			break;
		res->items[kept++] = *kv;
	}
	metrics_counter_add(t->rows_dropped, dropped);
	metrics_counter_add(t->rows_kept, kept);
	if (i < res->n) {		/* a row past the limit passed */
		free(res->resume_key);
		res->resume_key = res->items[i].key;
		res->resume_klen = res->items[i].klen;
		res->more = 1;
		free(res->items[i].val);
		for (i++; i < res->n; i++) {
			free(res->items[i].key);
			free(res->items[i].val);
		}
	}
	res->n = kept;
}

static void handle_scan(const struct http_req *req, struct http_resp *resp,
			void *arg)
{
	struct sqlfilt *filt = NULL;
	const json_t *jf;
	size_t examine;
	struct txnapi *t = arg;
	struct node *n = raftd_api_node(t->api);
	struct txnops_conflicts c = { NULL, 0 };
	struct mvcc_scan_result res;
	unsigned char id[TXNOPS_ID_LEN];
	void *start = NULL, *end = NULL;
	size_t slen = 0, elen = 0;
	uint64_t ts, rid;
	int64_t limit;
	struct err e;
	json_t *kvs, *j;
	int rc;

	memset(&res, 0, sizeof(res));
	if (get_id(req->json, "txn", id, 1, NULL, &e) != RC_OK ||
	    get_ts(req->json, "ts", &ts, 1, &e) != RC_OK ||
	    get_key(req->json, "start", &start, &slen, 0, &e) != RC_OK ||
	    get_key(req->json, "end", &end, &elen, 0, &e) != RC_OK ||
	    jx_opt_int(req->json, "limit", RAFTD_API_DEFAULT_LIMIT, &limit,
		       &e) != RC_OK) {
		http_resp_err(resp, &e);
		goto out;
	}
	if (limit < 1 || limit > RAFTD_API_MAX_LIMIT) {
		http_resp_error(resp, RC_BAD_INPUT, "limit must be 1 to %d",
				RAFTD_API_MAX_LIMIT);
		goto out;
	}
	examine = (size_t)limit;
	if ((jf = json_object_get(req->json, "filter")) != NULL &&
	    !json_is_null(jf)) {
		/* a filter this node cannot compile (a newer gateway's SQL)
		 * only costs the saving: the scan runs unfiltered and says
		 * so, and the gateway filters as it always does */
		rc = sqlfilt_new(jf, &filt, &e);
		if (rc == RC_NOMEM) {
			http_resp_err(resp, &e);
			goto out;
		}
		if (rc != RC_OK) {
			metrics_counter_inc(t->filt_refused);
			log_debug("scan filter not applied: %s", e.msg);
		} else {
			metrics_counter_inc(t->filt_applied);
			examine = RAFTD_API_MAX_LIMIT;
		}
	}
	if ((rid = raftd_api_route(t->api, req, resp, slen ? start : "\x02",
				   slen ? slen : 1)) == 0)
		goto out;
	rc = node_txn_scan(n, rid, start, slen, end, elen, ts, id, examine,
			   &res, &c, &e);
	if (rc == RC_OK && filt != NULL)
		filter_rows(t, filt, &res, (size_t)limit);
	if (rc != RC_OK) {
		answer_err(t, req, resp, &e, rid, NULL, &c);
		goto out;
	}
	kvs = json_array();
	for (size_t i = 0; kvs != NULL && i < res.n; i++) {
		json_t *kv = json_pack("{s:o}", "ts", ts_json(res.items[i].ts));

		if (kv == NULL)
			break;
		desc_bytes_set(kv, "key", res.items[i].key, res.items[i].klen);
		desc_bytes_set(kv, "value", res.items[i].val,
			       res.items[i].vlen);
		json_array_append_new(kvs, kv);
	}
	j = json_pack("{s:o*, s:b, s:I}", "kvs", kvs, "more", res.more,
		      "range_id", (json_int_t)rid);
	if (j != NULL && jf != NULL && !json_is_null(jf))
		json_object_set_new(j, "filtered", json_boolean(filt != NULL));
	if (j != NULL && res.more)
		desc_bytes_set(j, "resume", res.resume_key, res.resume_klen);
	http_resp_json(resp, 200, j);
out:
	sqlfilt_free(filt);
	mvcc_scan_result_release(&res);
	txnops_conflicts_release(&c);
	free(start);
	free(end);
}

/* ---- spans and ops ------------------------------------------------------ */

/* A parsed list of spans and the memory behind it. */
struct spans {
	struct txnops_span *s;
	void **mem;
	size_t n, n_mem;
};

static void spans_free(struct spans *sp)
{
	for (size_t i = 0; i < sp->n_mem; i++)
		free(sp->mem[i]);
	free(sp->mem);
	free(sp->s);
	memset(sp, 0, sizeof(*sp));
}

/* arr: [{"key":K} | {"start":S,"end":E}...] (end absent: to the end). */
static int spans_parse(const json_t *arr, const char *what, struct spans *sp,
		       struct err *e)
{
	size_t n = json_array_size(arr);

	memset(sp, 0, sizeof(*sp));
	if (n == 0)
		return RC_OK;
	sp->s = calloc(n, sizeof(*sp->s));
	sp->mem = calloc(2 * n, sizeof(*sp->mem));
	if (sp->s == NULL || sp->mem == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(arr, i);
		void *k = NULL, *en = NULL;
		size_t kl = 0, el = 0;
		int rc;

		if (!json_is_object(o))
			return err_set(e, RC_BAD_INPUT, "%s[%zu] must be an "
				       "object", what, i);
		rc = get_key(o, "key", &k, &kl, 0, e);
		if (rc == RC_OK && k == NULL) {
			rc = get_key(o, "start", &k, &kl, 1, e);
			if (rc == RC_OK) {
				sp->mem[sp->n_mem++] = k;
				rc = get_key(o, "end", &en, &el, 0, e);
				if (rc == RC_OK && en != NULL)
					sp->mem[sp->n_mem++] = en;
				sp->s[i].point = 0;
			}
		} else if (rc == RC_OK) {
			sp->mem[sp->n_mem++] = k;
			sp->s[i].point = 1;
		}
		if (rc != RC_OK)
			return err_prefix(e, "%s[%zu]", what, i);
		sp->s[i].start = k;
		sp->s[i].slen = kl;
		sp->s[i].end = en;
		sp->s[i].elen = el;
		sp->n++;
	}
	return RC_OK;
}

/*
 * The writes of "ops": [{"op":"put","key","value"} | {"op":"delete","key"}
 * | {"op":"incr","key","by"}] (by: an int64, as a number or a decimal
 * string; at most TXNOPS_MAX_INCR increments).
 */
struct wops {
	struct node_op *ops;	/* ops[0] reserved for the TXN header */
	void **mem;
	size_t n, n_mem;
};

static void wops_free(struct wops *w)
{
	for (size_t i = 0; i < w->n_mem; i++)
		free(w->mem[i]);
	free(w->mem);
	free(w->ops);
	memset(w, 0, sizeof(*w));
}

static int wops_parse(const json_t *arr, struct wops *w, struct err *e)
{
	size_t n = json_array_size(arr), n_incr = 0;

	memset(w, 0, sizeof(*w));
	if (n == 0 || n > RAFTD_API_MAX_OPS)
		return err_set(e, n ? RC_TOO_LARGE : RC_BAD_INPUT, "'ops' has "
			       "1 to %d writes, not %zu", RAFTD_API_MAX_OPS, n);
	w->ops = calloc(n + 1, sizeof(*w->ops));
	w->mem = calloc(2 * n, sizeof(*w->mem));
	if (w->ops == NULL || w->mem == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	w->n = 1;
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(arr, i);
		struct node_op *op = &w->ops[w->n];
		const char *kind;
		void *k = NULL, *v = NULL;
		size_t kl = 0, vl = 0;
		int rc;

		if (!json_is_object(o) || jx_get_str(o, "op", &kind, e) !=
		    RC_OK)
			return err_set(e, RC_BAD_INPUT, "ops[%zu] must be an "
				       "object with \"op\"", i);
		if ((rc = get_key(o, "key", &k, &kl, 1, e)) != RC_OK)
			return err_prefix(e, "ops[%zu]", i);
		w->mem[w->n_mem++] = k;
		if (kl == 0)
			return err_set(e, RC_BAD_INPUT, "ops[%zu]: empty key",
				       i);
		if (strcmp(kind, "put") == 0) {
			rc = desc_bytes_get(o, "value", &v, &vl, e);
			if (rc == RC_NOT_FOUND)
				return err_set(e, RC_BAD_INPUT, "ops[%zu]: "
					       "missing field 'value'", i);
			if (rc != RC_OK)
				return err_prefix(e, "ops[%zu]", i);
			w->mem[w->n_mem++] = v;
			op->kind = NODE_OP_PUT;
			op->val = v;
			op->vlen = vl;
		} else if (strcmp(kind, "delete") == 0) {
			op->kind = NODE_OP_DELETE;
		} else if (strcmp(kind, "incr") == 0) {
			const json_t *b = json_object_get(o, "by");
			int64_t by = 0;
			unsigned char *be;

			if (++n_incr > TXNOPS_MAX_INCR)
				return err_set(e, RC_TOO_LARGE, "ops[%zu]: at "
					       "most %d increments in one "
					       "write", i, TXNOPS_MAX_INCR);
			if (json_is_integer(b))
				by = json_integer_value(b);
			else if (!json_is_string(b) ||
				 util_parse_i64(json_string_value(b),
						INT64_MIN, INT64_MAX, &by,
						"by", NULL) != RC_OK)
				return err_set(e, RC_BAD_INPUT, "ops[%zu]: "
					       "'by' must be a 64-bit "
					       "integer", i);
			if ((be = malloc(8)) == NULL)
				return err_set(e, RC_NOMEM, "out of memory");
			w->mem[w->n_mem++] = be;
			util_put_be64(be, (uint64_t)by);
			op->kind = NODE_OP_TXN_INCR;
			op->val = be;
			op->vlen = 8;
		} else {
			return err_set(e, RC_BAD_INPUT, "ops[%zu]: op must be "
				       "put, delete or incr, got '%s'", i,
				       kind);
		}
		op->key = k;
		op->klen = kl;
		w->n++;
	}
	return RC_OK;
}

struct resolve_part;

/*
 * Resolutions as commands' ops: the parts of a /txn/resolve, or of the
 * "resolve" array a coordinator sends along with another command.
 */
struct resolution {
	struct resolve_part *parts;
	size_t np;
	struct node_op *ops;
	size_t nops;
	unsigned char (*pay)[TXNOPS_RESOLVE_LEN];
};

static void resolution_free(struct resolution *rs);
static int resolution_parse(const json_t *batch, const char *what,
			    const json_t *single, struct resolution *rs,
			    struct err *e);
static int write_riding(struct txnapi *t, uint64_t rid,
			const struct node_op *ops, size_t n_ops,
			struct resolution *rs, struct node_txn_result *r,
			json_t **ride, struct err *e);

/* ---- writes ------------------------------------------------------------- */

/*
 * /txn/write and /txn/commit1pc: one command with the transaction header
 * and the writes, in the range of the first write.  An optional "ride"
 * array (as /txn/resolve's "batch") rides along: the coordinator's
 * resolutions of earlier transactions' intents in this range go as a
 * command of their own in the same Raft round, and the answer's "ride"
 * says what became of them (only a 200 answer says).
 */
static void handle_write(const struct http_req *req, struct http_resp *resp,
			 void *arg, int mode)
{
	struct txnapi *t = arg;
	struct node_txn_result r;
	unsigned char id[TXNOPS_ID_LEN], *hdr = NULL;
	struct txnops_hdr h;
	struct spans sp = { 0 };
	struct wops w = { 0 };
	struct resolution rs = { 0 };
	const json_t *rsj = json_object_get(req->json, "ride");
	void *anchor = NULL;
	size_t alen = 0, hl = 0;
	uint64_t rid;
	int64_t timeout = 0;
	bool flag = false;
	json_t *arr, *ride = NULL;
	struct err e;
	int rc;

	memset(&h, 0, sizeof(h));
	memset(&r, 0, sizeof(r));
	h.mode = mode;
	if ((rsj != NULL && resolution_parse(rsj, "ride", NULL, &rs, &e) !=
	     RC_OK) ||
	    get_id(req->json, "txn", id, 1, NULL, &e) != RC_OK ||
	    get_ts(req->json, "ts", &h.wts, 1, &e) != RC_OK ||
	    get_ts(req->json, "rts", &h.rts, 0, &e) != RC_OK ||
	    jx_get_arr(req->json, "ops", &arr, &e) != RC_OK ||
	    wops_parse(arr, &w, &e) != RC_OK)
		goto bad;
	if (h.rts == 0)
		h.rts = h.wts;
	if (h.rts > h.wts) {
		err_set(&e, RC_BAD_INPUT, "'rts' is above 'ts'");
		goto bad;
	}
	if (mode == TXNOPS_INTENTS) {
		if (jx_opt_bool(req->json, "record", false, &flag, &e) !=
		    RC_OK ||
		    jx_opt_int(req->json, "timeout_ms", 3000, &timeout, &e) !=
		    RC_OK ||
		    get_key(req->json, "anchor", &anchor, &alen, 1, &e) !=
		    RC_OK)
			goto bad;
		if (timeout < 100 || timeout > 600000) {
			err_set(&e, RC_BAD_INPUT, "timeout_ms must be 100 to "
				"600000");
			goto bad;
		}
		h.flags = flag ? TXNOPS_RECORD : 0;
		h.timeout_ms = (uint32_t)timeout;
		h.anchor = anchor;
		h.alen = alen;
	} else {
		json_t *reads = json_object_get(req->json, "reads");

		if (jx_opt_bool(req->json, "can_push", false, &flag, &e) !=
		    RC_OK)
			goto bad;
		h.flags = flag ? TXNOPS_CAN_PUSH : 0;
		if (reads != NULL && !json_is_array(reads)) {
			err_set(&e, RC_BAD_INPUT, "'reads' must be an array");
			goto bad;
		}
		if (reads != NULL && spans_parse(reads, "reads", &sp, &e) !=
		    RC_OK)
			goto bad;
	}
	if (txnops_hdr_encode(&h, sp.s, sp.n, &hdr, &hl, &e) != RC_OK)
		goto bad;
	w.ops[0].kind = NODE_OP_TXN;
	w.ops[0].key = id;
	w.ops[0].klen = TXNOPS_ID_LEN;
	w.ops[0].val = hdr;
	w.ops[0].vlen = hl;
	rid = raftd_api_route(t->api, req, resp, w.ops[1].key, w.ops[1].klen);
	if (rid == 0)
		goto out;
	rc = write_riding(t, rid, w.ops, w.n, &rs, &r, &ride, &e);
	if (rc != RC_OK) {
		answer_err(t, req, resp, &e, rid, &r, &r.conflicts);
		goto out;
	}
	{
		json_t *j = json_pack("{s:o, s:I, s:O*}", "ts", ts_json(r.ts),
				      "range_id", (json_int_t)rid,
				      "ride", ride);
		json_t *v = r.n_incr > 0 ? json_array() : NULL;

		/* the increments' values, in the order of "ops" */
		for (size_t i = 0; v != NULL && i < r.n_incr; i++) {
			char b[24];

			snprintf(b, sizeof(b), "%" PRId64, r.incr[i]);
			json_array_append_new(v, json_string(b));
		}
		if (j == NULL || (r.n_incr > 0 && (v == NULL ||
		    json_object_set_new(j, "values", v) != 0))) {
			json_decref(j);
			err_set(&e, RC_NOMEM, "out of memory");
			goto bad;
		}
		http_resp_json(resp, 200, j);
	}
	goto out;
bad:
	http_resp_err(resp, &e);
out:
	json_decref(ride);
	txnops_conflicts_release(&r.conflicts);
	resolution_free(&rs);
	free(hdr);
	free(anchor);
	spans_free(&sp);
	wops_free(&w);
}

static void handle_intents(const struct http_req *req,
			   struct http_resp *resp, void *arg)
{
	handle_write(req, resp, arg, TXNOPS_INTENTS);
}

static void handle_1pc(const struct http_req *req, struct http_resp *resp,
		       void *arg)
{
	handle_write(req, resp, arg, TXNOPS_1PC);
}

static void handle_refresh(const struct http_req *req,
			   struct http_resp *resp, void *arg)
{
	struct txnapi *t = arg;
	struct node *n = raftd_api_node(t->api);
	unsigned char id[TXNOPS_ID_LEN], *hdr = NULL;
	struct txnops_hdr h;
	struct spans sp = { 0 };
	uint64_t from, to, rid;
	size_t hl = 0;
	json_t *arr;
	struct err e;

	if (get_id(req->json, "txn", id, 1, NULL, &e) != RC_OK ||
	    get_ts(req->json, "from", &from, 1, &e) != RC_OK ||
	    get_ts(req->json, "to", &to, 1, &e) != RC_OK ||
	    jx_get_arr(req->json, "spans", &arr, &e) != RC_OK ||
	    spans_parse(arr, "spans", &sp, &e) != RC_OK)
		goto bad;
	if (sp.n == 0 || from > to) {
		err_set(&e, RC_BAD_INPUT, "'spans' must not be empty and "
			"'from' not above 'to'");
		goto bad;
	}
	memset(&h, 0, sizeof(h));
	h.wts = h.rts = 1;
	h.mode = TXNOPS_INTENTS;
	if (txnops_hdr_encode(&h, sp.s, sp.n, &hdr, &hl, &e) != RC_OK)
		goto bad;
	rid = raftd_api_route(t->api, req, resp, sp.s[0].start,
			      sp.s[0].slen);
	if (rid == 0)
		goto out;
	if (node_txn_refresh(n, rid, hdr + 31, hl - 31, (uint32_t)sp.n, from,
			     to, id, &e) != RC_OK) {
		answer_err(t, req, resp, &e, rid, NULL, NULL);
		goto out;
	}
	http_resp_json(resp, 200, json_pack("{s:I}", "range_id",
					    (json_int_t)rid));
	goto out;
bad:
	http_resp_err(resp, &e);
out:
	free(hdr);
	spans_free(&sp);
}

/*
 * The array of keys named name in o (each a key, or {"key": ...}) as point
 * spans; 1 to RAFTD_API_MAX_OPS of them.
 */
static int keys_parse(const json_t *o, const char *name, struct spans *sp,
		      struct err *e)
{
	json_t *arr = json_object_get(o, name), *keys;
	int rc;

	if (!json_is_array(arr) || json_array_size(arr) == 0 ||
	    json_array_size(arr) > RAFTD_API_MAX_OPS)
		return err_set(e, RC_BAD_INPUT, "'%s' must be an array of 1 "
			       "to %d keys", name, RAFTD_API_MAX_OPS);
	/* keys as point spans: the same parser */
	if ((keys = json_array()) == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *k = json_array_get(arr, i), *ko;

		ko = json_is_object(k) ? json_incref(k) :
		     json_pack("{s:O}", "key", k);
		if (ko == NULL || json_array_append_new(keys, ko) != 0) {
			json_decref(keys);
			return err_set(e, RC_NOMEM, "out of memory");
		}
	}
	rc = spans_parse(keys, name, sp, e);
	json_decref(keys);
	for (size_t i = 0; rc == RC_OK && i < sp->n; i++)
		if (!sp->s[i].point || sp->s[i].slen == 0)
			rc = err_set(e, RC_BAD_INPUT, "%s[%zu] must be a key",
				     name, i);
	return rc;
}

/* One transaction's part of a /txn/resolve. */
struct resolve_part {
	unsigned char id[TXNOPS_ID_LEN];
	int st;
	uint64_t ts;
	struct spans sp;
};

/* Parse {"txn","status","ts","keys"} of o (where, for messages). */
static int resolve_part_parse(const json_t *o, struct resolve_part *p,
			      struct err *e)
{
	const char *status;

	if (!json_is_object(o))
		return err_set(e, RC_BAD_INPUT, "must be an object");
	if (get_id(o, "txn", p->id, 1, NULL, e) != RC_OK ||
	    jx_get_str(o, "status", &status, e) != RC_OK)
		return RC_BAD_INPUT;
	if (strcmp(status, "committed") == 0)
		p->st = LOCKTAB_COMMITTED;
	else if (strcmp(status, "aborted") == 0)
		p->st = LOCKTAB_ABORTED;
	else
		return err_set(e, RC_BAD_INPUT, "status must be committed or "
			       "aborted");
	p->ts = 0;
	if (p->st == LOCKTAB_COMMITTED &&
	    get_ts(o, "ts", &p->ts, 1, e) != RC_OK)
		return RC_BAD_INPUT;
	return keys_parse(o, "keys", &p->sp, e);
}

static void resolution_free(struct resolution *rs)
{
	for (size_t i = 0; rs->parts != NULL && i < rs->np; i++)
		spans_free(&rs->parts[i].sp);
	free(rs->parts);
	free(rs->ops);
	free(rs->pay);
	memset(rs, 0, sizeof(*rs));
}

/*
 * Parse batch (an array of {"txn","status","ts","keys"}; what names it in
 * messages) or, when batch is NULL, the one object single into rs.
 */
static int resolution_parse(const json_t *batch, const char *what,
			    const json_t *single, struct resolution *rs,
			    struct err *e)
{
	size_t k = 0;

	memset(rs, 0, sizeof(*rs));
	rs->np = 1;
	if (batch != NULL) {
		rs->np = json_array_size(batch);
		if (!json_is_array(batch) || rs->np == 0 ||
		    rs->np > RAFTD_API_MAX_OPS)
			return err_set(e, RC_BAD_INPUT, "'%s' must be an array "
				       "of 1 to %d resolutions", what,
				       RAFTD_API_MAX_OPS);
	}
	if ((rs->parts = calloc(rs->np, sizeof(*rs->parts))) == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	for (size_t i = 0; i < rs->np; i++) {
		if (resolve_part_parse(batch != NULL ?
				       json_array_get(batch, i) : single,
				       &rs->parts[i], e) != RC_OK) {
			if (batch != NULL)
				err_prefix(e, "%s[%zu]", what, i);
			return e->code;
		}
		rs->nops += rs->parts[i].sp.n;
	}
	if (rs->nops > RAFTD_API_MAX_OPS)
		return err_set(e, RC_TOO_LARGE, "%zu keys to resolve: at most "
			       "%d in one request", rs->nops,
			       RAFTD_API_MAX_OPS);
	rs->ops = calloc(rs->nops, sizeof(*rs->ops));
	rs->pay = calloc(rs->np, sizeof(*rs->pay));
	if (rs->ops == NULL || rs->pay == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	for (size_t i = 0; i < rs->np; i++) {
		struct resolve_part *p = &rs->parts[i];

		txnops_resolve_encode(p->id, p->st, p->ts, rs->pay[i]);
		for (size_t j = 0; j < p->sp.n; j++, k++) {
			rs->ops[k].kind = NODE_OP_RESOLVE;
			rs->ops[k].key = p->sp.s[j].start;
			rs->ops[k].klen = p->sp.s[j].slen;
			rs->ops[k].val = rs->pay[i];
			rs->ops[k].vlen = TXNOPS_RESOLVE_LEN;
		}
	}
	return RC_OK;
}

/*
 * {"txn","status","ts","keys"}, or {"batch": [such objects]}: the
 * resolver of a busy coordinator sends the resolutions of several
 * transactions in one range as one request, and so one Raft command.
 */
static void handle_resolve(const struct http_req *req,
			   struct http_resp *resp, void *arg)
{
	struct txnapi *t = arg;
	struct node *n = raftd_api_node(t->api);
	struct resolution rs;
	struct node_txn_result r;
	uint64_t rid;
	struct err e;

	memset(&r, 0, sizeof(r));
	if (resolution_parse(json_object_get(req->json, "batch"), "batch",
			     req->json, &rs, &e) != RC_OK) {
		http_resp_err(resp, &e);
		goto out;
	}
	if ((rid = raftd_api_route(t->api, req, resp, rs.ops[0].key,
				   rs.ops[0].klen)) == 0)
		goto out;
	if (node_write_txn(n, rid, rs.ops, rs.nops, &r, &e) != RC_OK) {
		answer_err(t, req, resp, &e, rid, &r, NULL);
		goto out;
	}
	http_resp_json(resp, 200, json_pack("{s:I, s:I}", "resolved",
					    (json_int_t)r.count, "range_id",
					    (json_int_t)rid));
out:
	txnops_conflicts_release(&r.conflicts);
	resolution_free(&rs);
}

/*
 * A command with the resolutions rs riding along: rs's command is
 * proposed first, in the same turn, so both share one Raft round and the
 * command sees the intents already resolved.  *ride (when rs has any) is
 * what became of them: {"resolved": N} or {"error": {"code","message"}}.
 * Returns the command's own verdict, as node_write_txn.
 */
static int write_riding(struct txnapi *t, uint64_t rid,
			const struct node_op *ops, size_t n_ops,
			struct resolution *rs, struct node_txn_result *r,
			json_t **ride, struct err *e)
{
	struct node *n = raftd_api_node(t->api);
	struct node_txn_cmd c[2];
	int rc;

	*ride = NULL;
	if (rs->nops == 0)
		return node_write_txn(n, rid, ops, n_ops, r, e);
	memset(c, 0, sizeof(c));
	c[0].ops = rs->ops;
	c[0].n_ops = rs->nops;
	c[1].ops = ops;
	c[1].n_ops = n_ops;
	if ((rc = node_write_txn_many(n, rid, c, 2, e)) != RC_OK) {
		memset(r, 0, sizeof(*r));
		return rc;
	}
	*ride = c[0].rc == RC_OK ?
		json_pack("{s:I}", "resolved", (json_int_t)c[0].res.count) :
		json_pack("{s:{s:s, s:s}}", "error", "code",
			  rc_name(c[0].rc), "message", c[0].err.msg);
	txnops_conflicts_release(&c[0].res.conflicts);
	*r = c[1].res;
	if (c[1].rc != RC_OK)
		*e = c[1].err;
	return c[1].rc;
}

/* ---- records and the push queue ----------------------------------------- */

static const char *status_name(int st)
{
	return st == LOCKTAB_PENDING ? "pending" :
	       st == LOCKTAB_COMMITTED ? "committed" :
	       st == LOCKTAB_ABORTED ? "aborted" : "missing";
}

/*
 * Propose a record op; RC_OK with *status / *ts as applied.  A commit may
 * carry res (NULL: none), the keys of the transaction's intents in this
 * range, resolved in the same command if it commits (*resolved: how many).
 */
static int record_op(struct txnapi *t, uint64_t rid, const void *anchor,
		     size_t alen, const unsigned char *id, int op, int force,
		     uint32_t timeout_ms, uint64_t ts, const struct spans *res,
		     struct resolution *ride_rs, json_t **ride, int *status,
		     uint64_t *out_ts, uint64_t *resolved, struct err *e)
{
	unsigned char pay[TXNOPS_RECORD_LEN], rpay[TXNOPS_RESOLVE_LEN];
	size_t n = 1 + (res != NULL ? res->n : 0);
	struct resolution none = { 0 };
	struct node_txn_result r;
	struct node_op *o = calloc(n, sizeof(*o));
	json_t *rj = NULL;
	int rc;

	if (o == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	txnops_record_encode(id, op, force, timeout_ms, ts, pay);
	txnops_resolve_encode(id, LOCKTAB_COMMITTED, ts, rpay);
	o[0].kind = NODE_OP_RECORD;
	o[0].key = anchor;
	o[0].klen = alen;
	o[0].val = pay;
	o[0].vlen = sizeof(pay);
	for (size_t i = 1; i < n; i++) {
		o[i].kind = NODE_OP_RESOLVE;
		o[i].key = res->s[i - 1].start;
		o[i].klen = res->s[i - 1].slen;
		o[i].val = rpay;
		o[i].vlen = sizeof(rpay);
	}
	rc = write_riding(t, rid, o, n, ride_rs != NULL ? ride_rs : &none, &r,
			  &rj, e);
	if (ride != NULL)
		*ride = rj;
	else
		json_decref(rj);
	free(o);
	txnops_conflicts_release(&r.conflicts);
	*status = r.status;
	*out_ts = r.ts;
	*resolved = r.count;
	return rc;
}

/* Remember that id (and its deps) wait on pushee, for a while. */
static void waiters_add(struct txnapi *t, const unsigned char *pushee,
			const unsigned char *id)
{
	uint64_t now = util_mono_ms();
	size_t i, same = 0;

	pthread_mutex_lock(&t->mu);
	/* drop the expired ones; refresh a known one */
	for (i = 0; i < t->n_w;) {
		if (t->w[i].until_ms < now) {
			t->w[i] = t->w[--t->n_w];
			continue;
		}
		if (memcmp(t->w[i].pushee, pushee, TXNOPS_ID_LEN) == 0) {
			same++;
			if (memcmp(t->w[i].id, id, TXNOPS_ID_LEN) == 0) {
				t->w[i].until_ms = now + TXNAPI_WAITER_TTL_MS;
				pthread_mutex_unlock(&t->mu);
				return;
			}
		}
		i++;
	}
	if (same < MAX_WAITERS) {
		if (t->n_w == t->cap_w) {
			size_t cap = t->cap_w ? 2 * t->cap_w : 64;
			struct waiter *nw = realloc(t->w, cap * sizeof(*nw));

			if (nw == NULL) {
				pthread_mutex_unlock(&t->mu);
				return;	/* detection is best effort */
			}
			t->w = nw;
			t->cap_w = cap;
		}
		memcpy(t->w[t->n_w].pushee, pushee, TXNOPS_ID_LEN);
		memcpy(t->w[t->n_w].id, id, TXNOPS_ID_LEN);
		t->w[t->n_w].until_ms = now + TXNAPI_WAITER_TTL_MS;
		t->n_w++;
	}
	pthread_mutex_unlock(&t->mu);
}

/* The transactions waiting on id (as last told), as a JSON array. */
static json_t *waiters_json(struct txnapi *t, const unsigned char *id)
{
	uint64_t now = util_mono_ms();
	json_t *a = json_array();

	pthread_mutex_lock(&t->mu);
	for (size_t i = 0; a != NULL && i < t->n_w; i++)
		if (t->w[i].until_ms >= now &&
		    memcmp(t->w[i].pushee, id, TXNOPS_ID_LEN) == 0) {
			char hx[33];

			id_hex(t->w[i].id, hx);
			json_array_append_new(a, json_string(hx));
		}
	pthread_mutex_unlock(&t->mu);
	return a;
}

static json_t *status_json(int st, uint64_t ts)
{
	json_t *j = json_pack("{s:s}", "status", status_name(st));

	if (j != NULL && st == LOCKTAB_COMMITTED)
		json_object_set_new(j, "ts", ts_json(ts));
	return j;
}

static void handle_record(const struct http_req *req,
			  struct http_resp *resp, void *arg)
{
	struct txnapi *t = arg;
	struct node *n = raftd_api_node(t->api);
	unsigned char id[TXNOPS_ID_LEN];
	void *anchor = NULL;
	size_t alen = 0;
	const char *op;
	uint64_t ts = 0, rid, out_ts = 0, resolved = 0;
	int64_t timeout = 0;
	int status = 0, code;
	struct spans res = { 0 };
	struct resolution rs = { 0 };
	json_t *ride = NULL;
	struct err e;

	if (get_id(req->json, "txn", id, 1, NULL, &e) != RC_OK ||
	    get_key(req->json, "anchor", &anchor, &alen, 1, &e) != RC_OK ||
	    jx_get_str(req->json, "op", &op, &e) != RC_OK ||
	    jx_opt_int(req->json, "timeout_ms", 0, &timeout, &e) != RC_OK)
		goto bad;
	if (timeout < 0 || timeout > 600000) {
		err_set(&e, RC_BAD_INPUT, "timeout_ms must be 0 to 600000");
		goto bad;
	}
	if (strcmp(op, "heartbeat") == 0)
		code = TXNOPS_REC_HEARTBEAT;
	else if (strcmp(op, "commit") == 0)
		code = TXNOPS_REC_COMMIT;
	else if (strcmp(op, "abort") == 0)
		code = TXNOPS_REC_ABORT;
	else if (strcmp(op, "gc") == 0)
		code = TXNOPS_REC_GC;
	else if (strcmp(op, "query") == 0)
		code = 0;
	else {
		err_set(&e, RC_BAD_INPUT, "op must be heartbeat, commit, "
			"abort, gc or query, got '%s'", op);
		goto bad;
	}
	if (code == TXNOPS_REC_COMMIT &&
	    get_ts(req->json, "ts", &ts, 1, &e) != RC_OK)
		goto bad;
	/* a commit may resolve the intents it has in this range */
	if (json_object_get(req->json, "resolve") != NULL &&
	    (code != TXNOPS_REC_COMMIT ||
	     keys_parse(req->json, "resolve", &res, &e) != RC_OK)) {
		if (code != TXNOPS_REC_COMMIT)
			err_set(&e, RC_BAD_INPUT, "'resolve' goes with op "
				"commit only");
		goto bad;
	}
	/* and other transactions' resolutions may ride along (handle_write) */
	if (json_object_get(req->json, "ride") != NULL &&
	    (code != TXNOPS_REC_COMMIT ||
	     resolution_parse(json_object_get(req->json, "ride"), "ride",
			      NULL, &rs, &e) != RC_OK)) {
		if (code != TXNOPS_REC_COMMIT)
			err_set(&e, RC_BAD_INPUT, "'ride' goes with op "
				"commit only");
		goto bad;
	}
	if ((rid = raftd_api_route(t->api, req, resp, anchor, alen)) == 0)
		goto out;
	if (code == 0) {
		struct locktab_record rec;
		uint64_t now;
		int rc = node_txn_record(n, rid, anchor, alen, id, &rec, &now,
					 &e);
		json_t *j;

		if (rc != RC_OK && rc != RC_NOT_FOUND) {
			raftd_api_node_error(t->api, req, resp, &e, rid);
			goto out;
		}
		j = status_json(rc == RC_OK ? rec.status : 0, rec.ts);
		if (j != NULL) {
			json_object_set_new(j, "expired", json_boolean(
				rc == RC_OK && rec.status == LOCKTAB_PENDING &&
				txnops_expired(rec.hb, rec.timeout_ms, now)));
			json_object_set_new(j, "waiters", waiters_json(t, id));
		}
		http_resp_json(resp, 200, j);
		goto out;
	}
	if (record_op(t, rid, anchor, alen, id, code, 0, (uint32_t)timeout,
		      ts, res.n > 0 ? &res : NULL, &rs, &ride, &status,
		      &out_ts, &resolved, &e) != RC_OK) {
		raftd_api_node_error(t->api, req, resp, &e, rid);
		goto out;
	}
	if ((code == TXNOPS_REC_HEARTBEAT || code == TXNOPS_REC_COMMIT) &&
	    status == LOCKTAB_ABORTED) {
		answer_code(resp, 409, "aborted", "the transaction was aborted "
			    "(by a conflicting transaction or its timeout)",
			    NULL);
		goto out;
	}
	if (code == TXNOPS_REC_ABORT && status == LOCKTAB_COMMITTED) {
		answer_code(resp, 409, "conflict", "the transaction is already "
			    "committed", status_json(status, out_ts));
		goto out;
	}
	if (code == TXNOPS_REC_GC && status == LOCKTAB_PENDING) {
		answer_code(resp, 409, "conflict", "the transaction is still "
			    "pending", NULL);
		goto out;
	}
	{
		json_t *j = status_json(status, out_ts);

		if (j != NULL && res.n > 0)
			json_object_set_new(j, "resolved",
					    json_integer((json_int_t)resolved));
		if (j != NULL && ride != NULL)
			json_object_set(j, "ride", ride);
		http_resp_json(resp, 200, j);
	}
	goto out;
bad:
	http_resp_err(resp, &e);
out:
	json_decref(ride);
	resolution_free(&rs);
	spans_free(&res);
	free(anchor);
}

/*
 * {"records": [{"txn","anchor"}...]}: collect finished records of one
 * range in one command (a busy coordinator's resolver batches them).  A
 * missing record is fine; "pending" counts the ones left (not finished).
 */
static void handle_gc(const struct http_req *req, struct http_resp *resp,
		      void *arg)
{
	struct txnapi *t = arg;
	const json_t *arr = json_object_get(req->json, "records");
	unsigned char (*pay)[TXNOPS_RECORD_LEN] = NULL;
	struct node_op *ops = NULL;
	struct node_txn_result r;
	void **anchors = NULL;
	size_t n = json_array_size(arr), got = 0;
	uint64_t rid;
	struct err e;

	memset(&r, 0, sizeof(r));
	if (!json_is_array(arr) || n == 0 || n > RAFTD_API_MAX_OPS) {
		err_set(&e, RC_BAD_INPUT, "'records' must be an array of 1 to "
			"%d records", RAFTD_API_MAX_OPS);
		goto bad;
	}
	ops = calloc(n, sizeof(*ops));
	pay = calloc(n, sizeof(*pay));
	anchors = calloc(n, sizeof(*anchors));
	if (ops == NULL || pay == NULL || anchors == NULL) {
		err_set(&e, RC_NOMEM, "out of memory");
		goto bad;
	}
	for (got = 0; got < n; got++) {
		const json_t *o = json_array_get(arr, got);
		unsigned char id[TXNOPS_ID_LEN];
		size_t alen = 0;

		if (!json_is_object(o)) {
			err_set(&e, RC_BAD_INPUT, "must be an object");
		} else if (get_id(o, "txn", id, 1, NULL, &e) == RC_OK &&
			   get_key(o, "anchor", &anchors[got], &alen, 1,
				   &e) == RC_OK) {
			txnops_record_encode(id, TXNOPS_REC_GC, 0, 0, 0,
					     pay[got]);
			ops[got].kind = NODE_OP_RECORD;
			ops[got].key = anchors[got];
			ops[got].klen = alen;
			ops[got].val = pay[got];
			ops[got].vlen = TXNOPS_RECORD_LEN;
			continue;
		}
		err_prefix(&e, "records[%zu]", got);
		goto bad;
	}
	if ((rid = raftd_api_route(t->api, req, resp, ops[0].key,
				   ops[0].klen)) == 0)
		goto out;
	if (node_write_txn(raftd_api_node(t->api), rid, ops, n, &r, &e) !=
	    RC_OK) {
		answer_err(t, req, resp, &e, rid, &r, NULL);
		goto out;
	}
	/* one record alone answers like /txn/record gc would (its status) */
	http_resp_json(resp, 200, json_pack("{s:I, s:I}", "pending",
					    (json_int_t)(n > 1 ? r.count :
					    r.status == LOCKTAB_PENDING),
					    "range_id", (json_int_t)rid));
	goto out;
bad:
	http_resp_err(resp, &e);
out:
	txnops_conflicts_release(&r.conflicts);
	for (size_t i = 0; anchors != NULL && i < n; i++)
		free(anchors[i]);
	free(anchors);
	free(ops);
	free(pay);
}

static void handle_push(const struct http_req *req, struct http_resp *resp,
			void *arg)
{
	struct txnapi *t = arg;
	struct node *n = raftd_api_node(t->api);
	unsigned char pushee[TXNOPS_ID_LEN], pusher[TXNOPS_ID_LEN];
	void *anchor = NULL;
	size_t alen = 0;
	uint64_t pts, rid, deadline, resolved;
	int64_t wait_ms;
	bool force = false;
	int has_pusher, rc;
	json_t *deps;
	struct err e;

	if (get_id(req->json, "pushee", pushee, 1, NULL, &e) != RC_OK ||
	    get_id(req->json, "pusher", pusher, 0, &has_pusher, &e) !=
	    RC_OK ||
	    get_key(req->json, "anchor", &anchor, &alen, 1, &e) != RC_OK ||
	    get_ts(req->json, "pushee_ts", &pts, 1, &e) != RC_OK ||
	    jx_opt_bool(req->json, "force", false, &force, &e) != RC_OK ||
	    jx_opt_int(req->json, "wait_ms", 0, &wait_ms, &e) != RC_OK)
		goto bad;
	if (wait_ms < 0 || wait_ms > TXNAPI_PUSH_WAIT_MS) {
		err_set(&e, RC_BAD_INPUT, "wait_ms must be 0 to %d",
			TXNAPI_PUSH_WAIT_MS);
		goto bad;
	}
	deps = json_object_get(req->json, "deps");
	if (deps != NULL && !json_is_array(deps)) {
		err_set(&e, RC_BAD_INPUT, "'deps' must be an array of "
			"transaction ids");
		goto bad;
	}
	if ((rid = raftd_api_route(t->api, req, resp, anchor, alen)) == 0)
		goto out;
	/* the pusher and those waiting on it now wait on the pushee */
	if (has_pusher) {
		waiters_add(t, pushee, pusher);
		for (size_t i = 0; i < json_array_size(deps); i++) {
			unsigned char d[TXNOPS_ID_LEN];
			json_t *v = json_array_get(deps, i);

			if (json_is_string(v) &&
			    id_parse(json_string_value(v), d) == 0)
				waiters_add(t, pushee, d);
		}
	}
	deadline = util_mono_ms() + (uint64_t)wait_ms;
	for (;;) {
		struct locktab_record rec;
		uint64_t seq = node_record_seq(n), now, out_ts = 0;
		int have, expired, status = 0;

		rc = node_txn_record(n, rid, anchor, alen, pushee, &rec, &now,
				     &e);
		if (rc != RC_OK && rc != RC_NOT_FOUND) {
			raftd_api_node_error(t->api, req, resp, &e, rid);
			goto out;
		}
		have = rc == RC_OK;
		if (have && rec.status != LOCKTAB_PENDING) {
			http_resp_json(resp, 200, status_json(rec.status,
							      rec.ts));
			goto out;
		}
		expired = have ? txnops_expired(rec.hb, rec.timeout_ms, now) :
			  txnops_expired(pts, TXNAPI_MISSING_TIMEOUT_MS, now);
		if (force || expired) {
			if (record_op(t, rid, anchor, alen, pushee,
				      TXNOPS_REC_PUSH, force,
				      TXNAPI_MISSING_TIMEOUT_MS, pts, NULL,
				      NULL, NULL, &status, &out_ts, &resolved,
				      &e) != RC_OK) {
				raftd_api_node_error(t->api, req, resp, &e,
						     rid);
				goto out;
			}
			if (status == LOCKTAB_COMMITTED ||
			    status == LOCKTAB_ABORTED) {
				http_resp_json(resp, 200, status_json(status,
								      out_ts));
				goto out;
			}
		}
		if (!have) {
			/*
			 * No record, not old enough to abort: its owner is
			 * writing it, or finished and collected it (its
			 * intents are resolved).  The pusher looks again.
			 */
			http_resp_json(resp, 200, status_json(0, 0));
			goto out;
		}
		now = util_mono_ms();
		if (now >= deadline)
			break;
		node_record_wait(n, seq, (unsigned)(deadline - now < 100 ?
						    deadline - now : 100));
	}
	{
		json_t *j = status_json(LOCKTAB_PENDING, 0);

		if (j != NULL)
			json_object_set_new(j, "waiters",
					    waiters_json(t, pushee));
		http_resp_json(resp, 200, j);
	}
	goto out;
bad:
	http_resp_err(resp, &e);
out:
	free(anchor);
}

/* ---- registration ------------------------------------------------------- */

int txnapi_register(struct http_server *s, struct raftd_api *a,
		    struct metrics *reg, struct txnapi **out, struct err *e)
{
	struct txnapi *t = calloc(1, sizeof(*t));
	int rc;

	*out = NULL;
	if (t == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	t->api = a;
	pthread_mutex_init(&t->mu, NULL);
	*out = t;
#define C(name, help, label, value, c) \
	if ((rc = metrics_counter(reg, name, help, label, value, c, e)) != \
	    RC_OK) \
		return rc
	C("raftd_scan_filters_total", "Pushed-down SQL filters of /txn/scan "
	  "requests, by whether this node could apply them.", "result",
	  "applied", &t->filt_applied);
	C("raftd_scan_filters_total", "Pushed-down SQL filters of /txn/scan "
	  "requests, by whether this node could apply them.", "result",
	  "refused", &t->filt_refused);
	C("raftd_scan_filter_rows_total", "Rows pushed-down filters "
	  "examined, by whether they were returned or left out.", "result",
	  "kept", &t->rows_kept);
	C("raftd_scan_filter_rows_total", "Rows pushed-down filters "
	  "examined, by whether they were returned or left out.", "result",
	  "dropped", &t->rows_dropped);
#undef C
#define R(p, max, fn) \
	if ((rc = http_server_route(s, "POST", p, HTTP_JSON_BODY, max, fn, t, \
				    e)) != RC_OK) \
		return rc
	R("/txn/get", 65536 * 2, handle_get);
	R("/txn/scan", TXNAPI_MAX_SCAN_BODY, handle_scan);
	R("/txn/write", TXNAPI_MAX_BODY, handle_intents);
	R("/txn/commit1pc", TXNAPI_MAX_BODY, handle_1pc);
	R("/txn/refresh", TXNAPI_MAX_BODY, handle_refresh);
	R("/txn/resolve", TXNAPI_MAX_BODY, handle_resolve);
	R("/txn/record", 65536 * 2, handle_record);
	R("/txn/gc", TXNAPI_MAX_BODY, handle_gc);
	R("/txn/push", 1 << 20, handle_push);
#undef R
	return RC_OK;
}

void txnapi_free(struct txnapi *t)
{
	if (t == NULL)
		return;
	pthread_mutex_destroy(&t->mu);
	free(t->w);
	free(t);
}
