/*
 * api.c -- raftd's HTTP endpoints (see api.h and raftd(8)).
 *
 * Every KV request is served by range 2, the data range.  Each connection
 * has its own thread (http thread_per_conn): handlers block, at most
 * NODE_WAIT_MS, while the node's loop commits a write or confirms a read,
 * and must never stall peers' POST /raft traffic.  Tested by
 * t/100-raftd.bats.
 */
#include "api.h"
#include "txnapi.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault.h"
#include "faultapi.h"
#include "http.h"
#include "jx.h"
#include "log.h"
#include "raft.h"
#include "raftwire.h"
#include "shard.h"
#include "rxorder.h"
#include "transport.h"
#include "util.h"

struct raftd_api {
	struct node *node;
	struct http_server *http;
	struct txnapi *txn;
	uint64_t started_ms;
	const char *version;
	char address[256];
	struct metrics *reg;
	struct metrics_histogram *latency;
	struct metrics_counter *raft_batches, *raft_bad, *raft_skew;
	uint64_t max_offset_ms;		/* 0: no clock-offset check */
	/* the last clock offset seen per peer (by the raft handler) */
	pthread_mutex_t off_mu;
	struct {
		uint64_t peer;
		int64_t offset_ms;	/* peer's clock minus ours */
		uint64_t at_ms;		/* monotonic */
	} offs[RAFTD_API_MAX_PEERS];
	size_t n_offs;
	uint64_t skew_logged_ms;	/* rate limit of the error line */
	struct rxorder *rx;		/* peers' batches back in order */
};

/* ---- helpers ------------------------------------------------------------ */

static void url_escape(char *dst, size_t cap, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s != '\0' && o + 4 < cap; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~') {
			dst[o++] = (char)c;
		} else {
			dst[o++] = '%';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o] = '\0';
}

/* Query parameter name (text) or name_b64 (base64) as bytes; absent: 0. */
static int query_bytes(const struct http_req *req, const char *name,
		       void **p, size_t *n, struct err *e)
{
	char b64name[32];
	const char *v = http_req_query(req, name), *b;

	snprintf(b64name, sizeof(b64name), "%s_b64", name);
	b = http_req_query(req, b64name);
	*p = NULL;
	*n = 0;
	if (v != NULL && b != NULL)
		return err_set(e, RC_BAD_INPUT, "give '%s' or '%s', not both",
			       name, b64name);
	if (v != NULL) {
		*n = strlen(v);
		*p = malloc(*n + 1);
		if (*p == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		memcpy(*p, v, *n + 1);
	} else if (b != NULL) {
		if (raftwire_base64_decode(b, strlen(b), p, n, e) != RC_OK)
			return err_prefix(e, "parameter '%s'", b64name);
	}
	if (*n > MVCC_KEY_MAX) {
		free(*p);
		*p = NULL;
		return err_set(e, RC_TOO_LARGE, "parameter '%s' is over the "
			       "key limit of %u bytes", name, MVCC_KEY_MAX);
	}
	return RC_OK;
}

static void observe(struct raftd_api *a, uint64_t t0)
{
	metrics_histogram_observe(a->latency,
				  (double)(util_mono_ns() - t0) / 1e9);
}

/*
 * Answer a request this node cannot serve because it does not lead
 * range_id: 307 to the leader (same path and query), or 503 when no
 * leader is known.
 */
static void redirect(struct raftd_api *a, const struct http_req *req,
		     struct http_resp *resp, uint64_t range_id)
{
	const char *addr = NULL;
	uint64_t self = node_id(a->node);
	uint64_t leader = node_leader(a->node, range_id, &addr);
	char query[1200] = "", msg[ERR_MSG_MAX];
	json_t *j;

	if (leader == RAFT_NONE || leader == self || addr == NULL) {
		http_resp_error(resp, RC_UNAVAILABLE, "no leader for range %"
				PRIu64 " yet; retry", range_id);
		return;
	}
	if (strcmp(req->method, "GET") == 0 && (strcmp(req->path, "/kv") == 0 ||
						strncmp(req->path, "/meta/",
							6) == 0)) {
		static const char *const names[] = {
			"start", "end", "limit", "key", "key_b64", "start_b64",
			"end_b64"
		};

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			const char *v = http_req_query(req, names[i]);
			char esc[380];
			size_t len = strlen(query);

			if (v == NULL)
				continue;
			url_escape(esc, sizeof(esc), v);
			snprintf(query + len, sizeof(query) - len, "%c%s=%s",
				 len == 0 ? '?' : '&', names[i], esc);
		}
	}
	if ((size_t)snprintf(resp->location, sizeof(resp->location),
			     "http://%s%s%s", addr, req->raw_path, query) >=
	    sizeof(resp->location)) {
		resp->location[0] = '\0';	/* too long: body names it */
	}
	snprintf(msg, sizeof(msg), "node %" PRIu64 " is not the leader of "
		 "range %" PRIu64 "; the leader is node %" PRIu64 " at %s",
		 self, range_id, leader, addr);
	j = json_pack("{s:{s:s, s:s, s:I, s:s, s:I}}", "error", "code",
		      rc_name(RC_NOT_LEADER), "message", msg, "leader",
		      (json_int_t)leader, "leader_addr", addr, "range_id",
		      (json_int_t)range_id);
	if (j == NULL) {
		http_resp_error(resp, RC_NOMEM, "out of memory");
		return;
	}
	http_resp_json(resp, 307, j);
}

/*
 * 1 (and the answer is written) when this node does not lead range_id.
 * With no leader known yet (an election under way, a range just split
 * off), wait for one a little rather than fail at once.
 */
static int not_leader(struct raftd_api *a, const struct http_req *req,
		      struct http_resp *resp, uint64_t range_id)
{
	uint64_t deadline = util_mono_ms() + RAFTD_API_LEADER_WAIT_MS;

	while (node_leader(a->node, range_id, NULL) == RAFT_NONE &&
	       util_mono_ms() < deadline)
		usleep(10000);
	if (node_leader(a->node, range_id, NULL) == node_id(a->node))
		return 0;
	redirect(a, req, resp, range_id);
	return 1;
}

/*
 * 421 range_moved: this node has no range holding the key (any more).
 * With the key known, the error carries the range that holds it now --
 * from this node when it has that range, else from meta -- so a client
 * retries once with it instead of looking it up.
 */
static void range_moved(struct raftd_api *a, struct http_resp *resp,
			const char *why, const void *key, size_t klen)
{
	json_t *j = json_pack("{s:{s:s, s:s}}", "error", "code",
			      rc_name(RC_RANGE_MOVED), "message", why);
	struct desc d;
	uint64_t id;
	int found = 0;

	if (j == NULL) {
		http_resp_error(resp, RC_NOMEM, "out of memory");
		return;
	}
	if (key != NULL) {
		id = node_locate(a->node, key, klen);
		found = id != 0 && node_range_desc(a->node, id, &d, NULL) ==
			RC_OK;
		if (!found)
			found = shard_locate_any(a->node, key, klen, &d,
						 NULL) == RC_OK;
	}
	if (found) {
		const char *addr = NULL;
		uint64_t leader = node_leader(a->node, d.range_id, &addr);
		json_t *err = json_object_get(j, "error");

		json_object_set_new(err, "range", desc_to_json(&d));
		if (leader != RAFT_NONE && addr != NULL) {
			json_object_set_new(err, "leader",
					    json_integer((json_int_t)leader));
			json_object_set_new(err, "leader_addr",
					    json_string(addr));
		}
	}
	http_resp_json(resp, rc_http_status(RC_RANGE_MOVED), j);
}

/*
 * The range for key on this node, led here: 0 and the answer written
 * (400 reserved key, 421 no such range here, 307 to the leader) if not.
 */
static uint64_t route(struct raftd_api *a, const struct http_req *req,
		      struct http_resp *resp, const void *key, size_t klen)
{
	uint64_t id;

	if (klen > 0 && ((const unsigned char *)key)[0] < 0x02) {
		http_resp_error(resp, RC_BAD_INPUT, "keys starting with byte "
				"0x01 or 0x00 are reserved for range metadata");
		return 0;
	}
	if (klen == 0) {
		key = "\x02";
		klen = 1;
	}
	id = node_locate(a->node, key, klen);
	if (id == 0) {
		range_moved(a, resp, "no range on this node holds the key; "
			    "the error names the range that does", key, klen);
		return 0;
	}
	if (not_leader(a, req, resp, id))
		return 0;
	node_count_request(a->node, id);
	return id;
}

/* An error from the node: not_leader becomes a redirect. */
static void node_error(struct raftd_api *a, const struct http_req *req,
		       struct http_resp *resp, const struct err *e,
		       uint64_t range_id)
{
	if (e->code == RC_NOT_LEADER) {
		const char *addr;
		uint64_t l = node_leader(a->node, range_id, &addr);

		if (l != RAFT_NONE && l != node_id(a->node)) {
			redirect(a, req, resp, range_id);
			return;
		}
		http_resp_error(resp, RC_UNAVAILABLE, "%s; no leader for "
				"range %" PRIu64 " yet; retry", e->msg,
				range_id);
		return;
	}
	if (e->code == RC_RANGE_MOVED) {
		range_moved(a, resp, e->msg, NULL, 0);
		return;
	}
	http_resp_err(resp, e);
}

/* The key of /kv/KEY (percent-decoded by the server). */
static int kv_key(const struct http_req *req, const char **key, size_t *klen,
		  struct err *e)
{
	const char *k = req->path + strlen("/kv/");

	*key = k;
	*klen = strlen(k);
	if (*klen == 0)
		return err_set(e, RC_BAD_INPUT, "empty key: use /kv/KEY");
	if (*klen > MVCC_KEY_MAX)
		return err_set(e, RC_TOO_LARGE, "key of %zu bytes is over the "
			       "limit of %u", *klen, MVCC_KEY_MAX);
	return RC_OK;
}

/* ---- KV handlers -------------------------------------------------------- */

static void handle_kv_get(const struct http_req *req, struct http_resp *resp,
			  void *arg)
{
	struct raftd_api *a = arg;
	uint64_t t0 = util_mono_ns(), id;
	const char *key;
	size_t klen, vlen;
	void *val = NULL;
	struct err e;
	int rc;

	if (kv_key(req, &key, &klen, &e) != RC_OK) {
		http_resp_err(resp, &e);
		return;
	}
	if ((id = route(a, req, resp, key, klen)) == 0)
		return;
	if (node_read_barrier(a->node, id, &e) != RC_OK) {
		node_error(a, req, resp, &e, id);
		return;
	}
	rc = node_get(a->node, id, key, klen, &val, &vlen, &e);
	if (rc == RC_NOT_FOUND) {
		http_resp_error(resp, RC_NOT_FOUND, "no key '%s'", key);
	} else if (rc != RC_OK) {
		node_error(a, req, resp, &e, id);
	} else {
		resp->status = 200;
		resp->body = val;
		resp->body_len = vlen;
		resp->content_type = "application/octet-stream";
	}
	observe(a, t0);
}

/*
 * node_write to the range of ops[0]'s key; when a split moved the key
 * meanwhile (RC_RANGE_MOVED), route once more and retry once.
 */
static int write_routed(struct raftd_api *a, const struct http_req *req,
			struct http_resp *resp, uint64_t id,
			const struct node_op *ops, size_t n_ops)
{
	struct err e;

	for (int attempt = 0; attempt < 2; attempt++) {
		if (node_write(a->node, id, ops, n_ops, NULL, &e) == RC_OK)
			return 1;
		if (e.code == RC_RANGE_MOVED && attempt == 1) {
			range_moved(a, resp, e.msg, ops[0].key, ops[0].klen);
			return 0;
		}
		if (e.code != RC_RANGE_MOVED)
			break;
		if ((id = route(a, req, resp, ops[0].key, ops[0].klen)) == 0)
			return 0;
	}
	node_error(a, req, resp, &e, id);
	return 0;
}

static void handle_kv_write(const struct http_req *req,
			    struct http_resp *resp, void *arg)
{
	struct raftd_api *a = arg;
	uint64_t t0 = util_mono_ns(), id;
	struct node_op op;
	struct err e;

	memset(&op, 0, sizeof(op));
	if (kv_key(req, (const char **)&op.key, &op.klen, &e) != RC_OK) {
		http_resp_err(resp, &e);
		return;
	}
	if ((id = route(a, req, resp, op.key, op.klen)) == 0)
		return;
	if (strcmp(req->method, "PUT") == 0) {
		op.kind = NODE_OP_PUT;
		op.val = req->body;
		op.vlen = req->body_len;
	} else {
		op.kind = NODE_OP_DELETE;
	}
	if (!write_routed(a, req, resp, id, &op, 1))
		return;
	resp->status = 204;
	observe(a, t0);
}

static void handle_kv_scan(const struct http_req *req, struct http_resp *resp,
			   void *arg)
{
	struct raftd_api *a = arg;
	uint64_t t0 = util_mono_ns(), limit = RAFTD_API_DEFAULT_LIMIT, id;
	const char *lim = http_req_query(req, "limit");
	struct mvcc_scan_result res;
	void *start = NULL, *end = NULL;
	size_t slen = 0, elen = 0;
	json_t *j = NULL, *kvs = NULL;
	struct err e;
	int rc;

	memset(&res, 0, sizeof(res));
	if (lim != NULL && lim[0] != '\0' &&
	    util_parse_u64(lim, 1, RAFTD_API_MAX_LIMIT, &limit, "limit",
			   &e) != RC_OK) {
		http_resp_err(resp, &e);
		return;
	}
	if ((rc = query_bytes(req, "start", &start, &slen, &e)) != RC_OK ||
	    (rc = query_bytes(req, "end", &end, &elen, &e)) != RC_OK) {
		http_resp_err(resp, &e);
		goto out;
	}
	if ((id = route(a, req, resp, start, slen)) == 0)
		goto out;
	if (node_read_barrier(a->node, id, &e) != RC_OK) {
		node_error(a, req, resp, &e, id);
		goto out;
	}
	if (node_scan(a->node, id, start, slen, end, elen, (size_t)limit,
		      &res, &e) != RC_OK) {
		node_error(a, req, resp, &e, id);
		goto out;
	}
	kvs = json_array();
	j = json_object();
	if (kvs == NULL || j == NULL)
		goto nomem;
	for (size_t i = 0; i < res.n; i++) {
		json_t *kv = json_object();

		if (kv == NULL || json_array_append_new(kvs, kv) != 0 ||
		    desc_bytes_set(kv, "key", res.items[i].key,
				   res.items[i].klen) != 0 ||
		    desc_bytes_set(kv, "value", res.items[i].val,
				   res.items[i].vlen) != 0)
			goto nomem;
	}
	json_object_set_new(j, "kvs", kvs);
	kvs = NULL;
	json_object_set_new(j, "more", json_boolean(res.more));
	if (res.more && desc_bytes_set(j, "resume", res.resume_key,
				       res.resume_klen) != 0)
		goto nomem;
	json_object_set_new(j, "range_id", json_integer((json_int_t)id));
	http_resp_json(resp, 200, j);
	j = NULL;
	observe(a, t0);
	goto out;
nomem:
	http_resp_error(resp, RC_NOMEM, "out of memory");
out:
	json_decref(kvs);
	json_decref(j);
	mvcc_scan_result_release(&res);
	free(start);
	free(end);
}

/* Bytes of field name (a string) or name_b64 (base64); *p malloc'd. */
static int batch_bytes(const json_t *op, size_t i, const char *name,
		       int required, void **p, size_t *n, struct err *e)
{
	char b64name[32];
	const json_t *v = json_object_get(op, name), *b;

	snprintf(b64name, sizeof(b64name), "%s_b64", name);
	b = json_object_get(op, b64name);
	*p = NULL;
	*n = 0;
	if (v != NULL && b != NULL)
		return err_set(e, RC_BAD_INPUT, "ops[%zu]: give '%s' or '%s', "
			       "not both", i, name, b64name);
	if (v != NULL) {
		if (!json_is_string(v))
			return err_set(e, RC_BAD_INPUT, "ops[%zu]: field '%s' "
				       "must be a string", i, name);
		*n = json_string_length(v);
		*p = malloc(*n + 1);
		if (*p == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		memcpy(*p, json_string_value(v), *n);
		return RC_OK;
	}
	if (b != NULL) {
		if (!json_is_string(b))
			return err_set(e, RC_BAD_INPUT, "ops[%zu]: field '%s' "
				       "must be a string", i, b64name);
		if (raftwire_base64_decode(json_string_value(b),
					   json_string_length(b), p, n, e) !=
		    RC_OK)
			return err_prefix(e, "ops[%zu]: field '%s'", i,
					  b64name);
		return RC_OK;
	}
	if (required)
		return err_set(e, RC_BAD_INPUT, "ops[%zu]: missing field '%s'",
			       i, name);
	return RC_OK;
}

enum { BOP_PUT = 1, BOP_DELETE, BOP_GET };

static void handle_kv_batch(const struct http_req *req,
			    struct http_resp *resp, void *arg)
{
	struct raftd_api *a = arg;
	uint64_t t0 = util_mono_ns();
	struct node_op *wops = NULL;
	uint64_t id;
	void **keys = NULL, **vals = NULL;
	size_t *klens = NULL, n_ops = 0, n_w = 0, n_r = 0, i;
	int *kinds = NULL;
	json_t *ops, *results = NULL, *j;
	struct err e;

	if (jx_get_arr(req->json, "ops", &ops, &e) != RC_OK) {
		http_resp_err(resp, &e);
		return;
	}
	n_ops = json_array_size(ops);
	if (n_ops == 0 || n_ops > RAFTD_API_MAX_OPS) {
		http_resp_error(resp, n_ops ? RC_TOO_LARGE : RC_BAD_INPUT,
				"a batch has 1 to %d ops, not %zu",
				RAFTD_API_MAX_OPS, n_ops);
		return;
	}
	wops = calloc(n_ops, sizeof(*wops));
	keys = calloc(n_ops, sizeof(*keys));
	vals = calloc(n_ops, sizeof(*vals));
	klens = calloc(n_ops, sizeof(*klens));
	kinds = calloc(n_ops, sizeof(*kinds));
	if (!wops || !keys || !vals || !klens || !kinds) {
		err_set(&e, RC_NOMEM, "out of memory");
		goto error;
	}
	for (i = 0; i < n_ops; i++) {
		json_t *op = json_array_get(ops, i);
		const char *kind;
		size_t vlen = 0;

		if (!json_is_object(op)) {
			err_set(&e, RC_BAD_INPUT, "ops[%zu] must be an object",
				i);
			goto error;
		}
		if (jx_get_str(op, "op", &kind, &e) != RC_OK) {
			err_prefix(&e, "ops[%zu]", i);
			goto error;
		}
		if (strcmp(kind, "put") == 0)
			kinds[i] = BOP_PUT;
		else if (strcmp(kind, "delete") == 0)
			kinds[i] = BOP_DELETE;
		else if (strcmp(kind, "get") == 0)
			kinds[i] = BOP_GET;
		else {
			err_set(&e, RC_BAD_INPUT, "ops[%zu]: op must be put, "
				"delete or get, got '%s'", i, kind);
			goto error;
		}
		if (batch_bytes(op, i, "key", 1, &keys[i], &klens[i], &e) !=
		    RC_OK)
			goto error;
		if (klens[i] == 0) {
			err_set(&e, RC_BAD_INPUT, "ops[%zu]: empty key", i);
			goto error;
		}
		if (kinds[i] == BOP_PUT &&
		    batch_bytes(op, i, "value", 1, &vals[i], &vlen, &e) !=
		    RC_OK)
			goto error;
		if (kinds[i] == BOP_GET) {
			n_r++;
			continue;
		}
		wops[n_w].kind = kinds[i] == BOP_PUT ? NODE_OP_PUT :
			NODE_OP_DELETE;
		wops[n_w].key = keys[i];
		wops[n_w].klen = klens[i];
		wops[n_w].val = vals[i];
		wops[n_w].vlen = vlen;
		n_w++;
	}
	if ((id = route(a, req, resp, keys[0], klens[0])) == 0)
		goto out;
	for (i = 1; i < n_ops; i++) {
		uint64_t other = node_locate(a->node, keys[i], klens[i]);

		if (other != id) {
			err_set(&e, RC_BAD_INPUT, "ops[%zu]: its key is in "
				"range %" PRIu64 ", ops[0]'s in range %" PRIu64
				"; a batch is atomic within one range only", i,
				other, id);
			goto error;
		}
	}
	if (n_w > 0) {
		if (!write_routed(a, req, resp, id, wops, n_w))
			goto out;
	} else if (node_read_barrier(a->node, id, &e) != RC_OK) {
		node_error(a, req, resp, &e, id);
		goto out;
	}
	results = json_array();
	if (results == NULL) {
		err_set(&e, RC_NOMEM, "out of memory");
		goto error;
	}
	for (i = 0; i < n_ops; i++) {
		json_t *r = json_object();
		void *val = NULL;
		size_t vlen = 0;
		int rc;

		if (r == NULL || json_array_append_new(results, r) != 0) {
			err_set(&e, RC_NOMEM, "out of memory");
			goto error;
		}
		if (kinds[i] != BOP_GET) {
			json_object_set_new(r, "ok", json_true());
			continue;
		}
		rc = node_get(a->node, id, keys[i], klens[i], &val, &vlen,
			      &e);
		if (rc == RC_NOT_FOUND) {
			json_object_set_new(r, "found", json_false());
		} else if (rc != RC_OK) {
			goto error;
		} else {
			rc = desc_bytes_set(r, "value", val, vlen);
			free(val);
			if (rc != 0) {
				err_set(&e, RC_NOMEM, "out of memory");
				goto error;
			}
		}
	}
	j = json_pack("{s:o}", "results", results);
	results = NULL;
	if (j == NULL) {
		err_set(&e, RC_NOMEM, "out of memory");
		goto error;
	}
	http_resp_json(resp, 200, j);
	observe(a, t0);
	goto out;
error:
	http_resp_err(resp, &e);
out:
	json_decref(results);
	for (i = 0; i < n_ops && keys && vals; i++) {
		free(keys[i]);
		free(vals[i]);
	}
	free(wops);
	free(keys);
	free(vals);
	free(klens);
	free(kinds);
}

/* ---- inter-node ------------------------------------------------------- */

/*
 * /status: "clock_offsets": {"<peer>": {"offset_ms": N, "refused": B},
 * ...}, each peer's clock minus ours as its last raft batch said (within
 * the last minute).
 */
static int status_offsets(struct raftd_api *a, json_t *j)
{
	json_t *o = json_object();
	uint64_t now = util_mono_ms();

	if (o == NULL || json_object_set_new(j, "clock_offsets", o) != 0)
		return -1;
	pthread_mutex_lock(&a->off_mu);
	for (size_t i = 0; i < a->n_offs; i++) {
		char id[24];
		int64_t off = a->offs[i].offset_ms;

		if (now - a->offs[i].at_ms > 60000)
			continue;
		snprintf(id, sizeof(id), "%" PRIu64, a->offs[i].peer);
		if (json_object_set_new(o, id, json_pack("{s:I, s:b}",
		    "offset_ms", (json_int_t)off, "refused",
		    a->max_offset_ms > 0 && off > (int64_t)a->max_offset_ms))
		    != 0) {
			pthread_mutex_unlock(&a->off_mu);
			return -1;
		}
	}
	pthread_mutex_unlock(&a->off_mu);
	return 0;
}

/*
 * Compare the sender's clock (the batch's clock_ms) with ours: a peer more
 * than max_offset_ms AHEAD is refused with clock_skew (its messages are
 * dropped until the clocks agree), since leases and the timestamp cache's
 * low water rely on bounded offsets.  Only ahead: the time the batch spent
 * on the way (queues, a loaded machine) makes a peer look behind, never
 * ahead, so this never refuses a healthy peer; a node whose clock is
 * behind is caught by the same rule on its side (it sees every peer
 * ahead, refuses them, hears no quorum and cannot lead).  The offset is
 * kept for /status and the refusal logged at most every 5 s.
 */
static int clock_check(struct raftd_api *a, uint64_t clock_ms,
		       uint64_t from, struct err *e)
{
	uint64_t now = util_mono_ms();
	int64_t off;
	size_t i;
	int log = 0;

	if (clock_ms == 0 || clock_ms > (uint64_t)INT64_MAX)
		return RC_OK;		/* not sent: nothing to check */
	off = (int64_t)clock_ms - (int64_t)fault_wall_ms(NULL);
	pthread_mutex_lock(&a->off_mu);
	for (i = 0; i < a->n_offs && a->offs[i].peer != from; i++)
		;
	if (i == a->n_offs && i < RAFTD_API_MAX_PEERS)
		a->n_offs++;
	if (i < RAFTD_API_MAX_PEERS) {
		a->offs[i].peer = from;
		a->offs[i].offset_ms = off;
		a->offs[i].at_ms = now;
	}
	if (a->max_offset_ms > 0 && off > (int64_t)a->max_offset_ms &&
	    now - a->skew_logged_ms >= 5000) {
		a->skew_logged_ms = now;
		log = 1;
	}
	pthread_mutex_unlock(&a->off_mu);
	if (a->max_offset_ms == 0 || off <= (int64_t)a->max_offset_ms)
		return RC_OK;
	err_set(e, RC_CLOCK_SKEW, "node %" PRIu64 "'s clock is %" PRId64
		" ms ahead of this node's, over the maximum offset of %"
		PRIu64 " ms: its raft messages are refused until the clocks "
		"agree", from, off, a->max_offset_ms);
	if (log)
		log_error("msg=\"clock offset over the maximum\" peer=%" PRIu64
			  " offset_ms=%" PRId64 " max_offset_ms=%" PRIu64,
			  from, off, a->max_offset_ms);
	return RC_CLOCK_SKEW;
}

/* rxorder's delivery: to the node's inbox, unless a drill cuts the peer. */
static int rx_deliver(void *arg, uint64_t from, struct raft_msg *msgs,
		      size_t n, struct err *e)
{
	struct raftd_api *a = arg;
	int rc = RC_OK;

	/* (a partition drill: lost on the way) */
	if (!fault_drop_from(from))
		rc = node_receive(a->node, msgs, n, e);	/* copies */
	raftwire_batch_release(msgs, n);
	return rc;
}

/*
 * A batch from a peer (decoded and checked by the caller; this takes the
 * messages) to rxorder: the sender must be a member, its clock not too
 * far ahead; then in the order sent (rxorder.h).
 */
static int raft_submit(struct raftd_api *a, const struct raftwire_meta *m,
		       struct raft_msg *msgs, size_t n, struct err *e)
{
	int rc;

	if (node_member_addr(a->node, m->from) == NULL)
		rc = err_set(e, RC_BAD_INPUT, "node %" PRIu64 " is not a "
			     "member of this cluster", m->from);
	else
		rc = clock_check(a, m->clock_ms, m->from, e);
	if (rc != RC_OK) {
		raftwire_batch_release(msgs, n);
		return rc;
	}
	return rxorder_submit(a->rx, m->from, m->epoch, m->seq, m->resync,
			      msgs, n, util_mono_ms(), e);
}

/* Count a batch received (either way) and log a refused one. */
static void raft_count(struct raftd_api *a, int rc, uint64_t from,
		       const struct err *e)
{
	if (rc == RC_CLOCK_SKEW) {
		metrics_counter_inc(a->raft_skew);
	} else if (rc != RC_OK) {
		metrics_counter_inc(a->raft_bad);
		log_warn("msg=\"refused a raft batch\" from=%" PRIu64
			 " error=\"%s\"", from, e->msg);
	} else {
		metrics_counter_inc(a->raft_batches);
	}
}

/* The transport's hook: a batch in a peer's answer to our POST /raft. */
static void raft_answer(void *arg, const struct raftwire_meta *meta,
			struct raft_msg *msgs, size_t n)
{
	struct raftd_api *a = arg;
	struct err e;

	raft_count(a, raft_submit(a, meta, msgs, n, &e), meta->from, &e);
}

/* A u64 member of a JSON batch; 0 when absent or not a number >= 0. */
static uint64_t batch_u64(const json_t *body, const char *key)
{
	const json_t *v = json_object_get(body, key);

	return json_is_integer(v) && json_integer_value(v) > 0 ?
	       (uint64_t)json_integer_value(v) : 0;
}

/*
 * The body of POST /raft, binary (the transport's) or JSON: messages and
 * meta, the X-Rangedb-Node header checked against the batch's from.
 */
static int raft_decode(const struct http_req *req, struct raftwire_meta *m,
		       struct raft_msg **msgs, size_t *n, int *binary,
		       struct err *e)
{
	const char *ct = http_req_header(req, "Content-Type");
	const char *hdr = http_req_header(req, TRANSPORT_NODE_HEADER);
	json_t *j = NULL;
	uint64_t hfrom;
	int rc;

	memset(m, 0, sizeof(*m));
	*binary = ct != NULL && strncmp(ct, RAFTWIRE_BIN_TYPE,
					strlen(RAFTWIRE_BIN_TYPE)) == 0;
	if (*binary) {
		rc = raftwire_decode_bin(req->body, req->body_len, m, msgs, n,
					 e);
	} else {
		rc = req->body_len == 0 ?
		     err_set(e, RC_BAD_INPUT, "request body: empty; a raft "
			     "batch is expected") :
		     jx_parse_object(req->body, req->body_len, &j, e);
		if (rc != RC_OK && req->body_len > 0)
			err_prefix(e, "request body");
		if (rc == RC_OK)
			rc = transport_decode_request(j, &m->from, msgs, n,
						      e);
		if (rc == RC_OK) {
			m->clock_ms = batch_u64(j, "clock_ms");
			m->epoch = batch_u64(j, "epoch");
			m->seq = batch_u64(j, "seq");
			m->resync = json_is_true(json_object_get(j, "resync"));
			m->reply = json_is_true(json_object_get(j, "reply"));
		}
		json_decref(j);
	}
	if (rc == RC_OK && hdr != NULL &&
	    (util_parse_u64(hdr, 1, UINT64_MAX, &hfrom, TRANSPORT_NODE_HEADER,
			    e) != RC_OK || hfrom != m->from)) {
		rc = err_set(e, RC_BAD_INPUT, "header %s: '%s' does not match "
			     "the batch's from %" PRIu64,
			     TRANSPORT_NODE_HEADER, hdr, m->from);
		raftwire_batch_release(*msgs, *n);
		*msgs = NULL;
		*n = 0;
	}
	return rc;
}

/*
 * POST /raft.  With "reply" the answer may carry this node's own messages
 * to the sender: the handler waits (at most RAFT_REPLY_WAIT_MS) for the
 * loop to handle the batch, then takes what the transport queued for that
 * peer meanwhile (a follower's acknowledgements, above all) and answers
 * 200 with it as a batch in the request's form; 204 when there is none.
 */
static void handle_raft(const struct http_req *req, struct http_resp *resp,
			void *arg)
{
	struct raftd_api *a = arg;
	struct transport *tp = node_transport(a->node);
	struct raftwire_meta m;
	struct raft_msg *msgs = NULL;
	size_t n = 0;
	struct err e;
	int rc, expect = 0, binary = 0;

	rc = raft_decode(req, &m, &msgs, &n, &binary, &e);
	if (rc == RC_OK) {
		/* before the node sees it: what it queues for the sender
		   waits for our answer, no lane takes it */
		if (m.reply)
			expect = transport_reply_expect(tp, m.from);
		rc = raft_submit(a, &m, msgs, n, &e);
	}
	raft_count(a, rc, m.from, &e);
	if (expect) {
		char *body = NULL;
		size_t len = 0;
		struct err e2;

		if (rc == RC_OK)
			node_rx_wait(a->node, node_rx_seq(a->node),
				     RAFT_REPLY_WAIT_MS);
		if (transport_reply_take(tp, m.from, binary, &body, &len,
					 &e2) == RC_OK && body != NULL &&
		    rc == RC_OK) {
			resp->status = 200;
			resp->body = body;
			resp->body_len = len;
			if (binary)
				resp->content_type = RAFTWIRE_BIN_TYPE;
			return;
		}
		free(body);
	}
	if (rc != RC_OK) {
		http_resp_err(resp, &e);
		return;
	}
	resp->status = 204;
}

/* ---- status and metrics ------------------------------------------------ */

static void handle_status(const struct http_req *req, struct http_resp *resp,
			  void *arg)
{
	struct raftd_api *a = arg;
	json_t *j, *ranges;
	size_t nr = node_range_count(a->node);
	uint64_t self = node_id(a->node);

	ranges = json_array();
	if (ranges == NULL)
		goto nomem;
	for (size_t i = 0; i < nr; i++) {
		struct node_range_status st;
		json_t *r, *voters, *prog = NULL;
		const char *laddr;
		struct desc d;

		if (node_range_status(a->node, i, &st) != RC_OK ||
		    node_range_desc(a->node, st.range_id, &d, NULL) != RC_OK)
			continue;
		laddr = st.leader ? node_member_addr(a->node, st.leader) :
			NULL;
		voters = json_array();
		if (voters == NULL)
			goto nomem;
		for (size_t k = 0; k < st.n_voters; k++)
			json_array_append_new(voters,
					      json_integer((json_int_t)
							   st.voters[k]));
		r = json_pack("{s:I, s:s, s:I, s:I, s:I, s:I, "
			      "s:o, s:o, s:I, s:I, s:I, s:I, s:f, s:O}",
			      "range_id", (json_int_t)st.range_id,
			      "role", raft_role_name(st.role),
			      "term", (json_int_t)st.term,
			      "commit", (json_int_t)st.commit,
			      "applied", (json_int_t)st.applied,
			      "leader", (json_int_t)st.leader,
			      "leader_addr", laddr ? json_string(laddr) :
			      json_null(),
			      "voters", voters,
			      "snapshot_index", (json_int_t)st.snapshot_index,
			      "generation", (json_int_t)d.generation,
			      "size_bytes", (json_int_t)st.size_bytes,
			      "keys", (json_int_t)st.keys,
			      "qps", st.qps, "replicas", voters);
		if (r == NULL || json_array_append_new(ranges, r) != 0 ||
		    desc_bytes_set(r, "start", d.start, d.start_len) != 0 ||
		    desc_bytes_set(r, "end", d.end, d.end_len) != 0)
			goto nomem;
		{
			uint64_t ni = 0, nrec = 0;

			/* transactions in flight: intents and records */
			if (node_lock_counts(a->node, st.range_id, &ni, &nrec) ==
			    RC_OK) {
				json_object_set_new(r, "intents",
					json_integer((json_int_t)ni));
				json_object_set_new(r, "records",
					json_integer((json_int_t)nrec));
			}
		}
		if (st.role != RAFT_LEADER)
			continue;
		prog = json_object();
		if (prog == NULL)
			goto nomem;
		json_object_set_new(r, "progress", prog);
		for (size_t k = 0; k < st.n_progress; k++) {
			char id[24];

			if (st.progress[k].id == self)
				continue;
			snprintf(id, sizeof(id), "%" PRIu64,
				 st.progress[k].id);
			json_object_set_new(prog, id,
				json_pack("{s:I, s:I}", "match",
					  (json_int_t)st.progress[k].match,
					  "next",
					  (json_int_t)st.progress[k].next));
		}
	}
	j = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:s, s:o}",
		      "service", "raftd", "version", a->version,
		      "node", (json_int_t)self,
		      "pid", (json_int_t)getpid(),
		      "time_ms", (json_int_t)fault_wall_ms(NULL),
		      "uptime_s", (json_int_t)((util_mono_ms() - a->started_ms)
					       / 1000),
		      "address", a->address, "ranges", ranges);
	if (j == NULL) {
		ranges = NULL;
		goto nomem;
	}
	if (status_offsets(a, j) != 0 ||
	    json_object_set_new(j, "faults", fault_status_json()) != 0) {
		json_decref(j);
		ranges = NULL;
		goto nomem;
	}
	http_resp_json(resp, 200, j);
	return;
nomem:
	json_decref(ranges);
	http_resp_error(resp, RC_NOMEM, "out of memory");
}

static void handle_metrics(const struct http_req *req, struct http_resp *resp,
			   void *arg)
{
	struct raftd_api *a = arg;
	char *text = NULL;
	size_t len = 0;
	struct err e;

	if (metrics_render(a->reg, &text, &len, &e) != RC_OK) {
		http_resp_err(resp, &e);
		return;
	}
	resp->status = 200;
	resp->body = text;
	resp->body_len = len;
	resp->content_type = METRICS_CONTENT_TYPE;
}

/* ---- meta and admin ----------------------------------------------------- */

/*
 * A node without a live replica of meta (a new node, or one whose replica
 * moved away) cannot redirect to a leader it does not know: it asks the
 * meta leader itself and passes the answer on.  1 if it did.
 */
static int meta_proxy(struct raftd_api *a, const struct http_req *req,
		      struct http_resp *resp)
{
	static const char *const names[] = {
		"start", "start_b64", "limit", "key", "key_b64"
	};
	struct desc d;
	char path[1400];
	size_t len;
	json_t *out = NULL;
	struct err e;

	if (node_range_desc(a->node, NODE_META_RANGE, &d, NULL) == RC_OK &&
	    desc_has_member(&d, node_id(a->node)))
		return 0;
	if (http_req_header(req, SHARD_PROXIED_HEADER) != NULL) {
		http_resp_error(resp, RC_UNAVAILABLE, "node %" PRIu64 " holds "
				"no replica of the meta range; ask another "
				"node", node_id(a->node));
		return 1;
	}
	len = (size_t)snprintf(path, sizeof(path), "%s", req->path);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v = http_req_query(req, names[i]);
		char esc[380];

		if (v == NULL || len >= sizeof(path))
			continue;
		url_escape(esc, sizeof(esc), v);
		len += (size_t)snprintf(path + len, sizeof(path) - len,
					"%c%s=%s", strchr(path, '?') ? '&' :
					'?', names[i], esc);
	}
	if (len >= sizeof(path)) {
		http_resp_error(resp, RC_TOO_LARGE, "query too long to pass "
				"on to the meta leader");
		return 1;
	}
	if (shard_meta_get(a->node, path, &out, &e) != RC_OK)
		http_resp_err(resp, &e);
	else
		http_resp_json(resp, 200, out);
	return 1;
}

/* 1 (answer written) unless this node leads meta and it is readable. */
static int meta_unreadable(struct raftd_api *a, const struct http_req *req,
			   struct http_resp *resp)
{
	struct err e;

	if (meta_proxy(a, req, resp))
		return 1;

	if (not_leader(a, req, resp, NODE_META_RANGE))
		return 1;
	if (node_read_barrier(a->node, NODE_META_RANGE, &e) != RC_OK) {
		node_error(a, req, resp, &e, NODE_META_RANGE);
		return 1;
	}
	return 0;
}

static void handle_meta_ranges(const struct http_req *req,
			       struct http_resp *resp, void *arg)
{
	struct raftd_api *a = arg;
	const char *lim = http_req_query(req, "limit");
	uint64_t limit = RAFTD_API_MAX_LIMIT;
	void *start = NULL;
	size_t slen = 0;
	json_t *out = NULL, *rs;
	struct err e;

	if ((lim != NULL && lim[0] != '\0' &&
	     util_parse_u64(lim, 1, RAFTD_API_MAX_LIMIT, &limit, "limit",
			    &e) != RC_OK) ||
	    query_bytes(req, "start", &start, &slen, &e) != RC_OK) {
		http_resp_err(resp, &e);
		return;
	}
	if (meta_unreadable(a, req, resp))
		goto out;
	if (shard_meta_scan(a->node, slen ? start : NULL, slen,
			    (size_t)limit, &out, &e) != RC_OK) {
		http_resp_err(resp, &e);
		goto out;
	}
	rs = json_object_get(out, "ranges");
	if (json_is_true(json_object_get(out, "more")) &&
	    json_array_size(rs) > 0) {
		struct desc last;

		if (desc_from_json(json_array_get(rs, json_array_size(rs) - 1),
				   &last, &e) == RC_OK)
			desc_bytes_set(out, "resume", last.end, last.end_len);
	}
	http_resp_json(resp, 200, out);
out:
	free(start);
}

static void handle_meta_locate(const struct http_req *req,
			       struct http_resp *resp, void *arg)
{
	struct raftd_api *a = arg;
	void *key = NULL;
	size_t klen = 0;
	const char *addr = NULL;
	uint64_t leader;
	struct desc d;
	json_t *j;
	struct err e;

	if (query_bytes(req, "key", &key, &klen, &e) != RC_OK) {
		http_resp_err(resp, &e);
		return;
	}
	if (key == NULL) {
		http_resp_error(resp, RC_BAD_INPUT, "missing parameter 'key' "
				"(or 'key_b64')");
		return;
	}
	if (meta_unreadable(a, req, resp))
		goto out;
	if (shard_meta_locate(a->node, key, klen, &d, &e) != RC_OK) {
		http_resp_err(resp, &e);
		goto out;
	}
	leader = node_leader(a->node, d.range_id, &addr);
	j = json_pack("{s:o, s:o, s:o}", "range", desc_to_json(&d),
		      "leader", leader ? json_integer((json_int_t)leader) :
		      json_null(), "leader_addr", addr ? json_string(addr) :
		      json_null());
	if (j == NULL)
		http_resp_error(resp, RC_NOMEM, "out of memory");
	else
		http_resp_json(resp, 200, j);
out:
	free(key);
}

static void handle_meta_nodes(const struct http_req *req,
			      struct http_resp *resp, void *arg)
{
	struct raftd_api *a = arg;
	uint64_t ids[NODE_MAX_PEERS];
	size_t n = node_member_ids(a->node, ids, NODE_MAX_PEERS);
	json_t *arr = json_array(), *j;

	(void)req;
	for (size_t i = 0; arr != NULL && i < n; i++)
		json_array_append_new(arr, json_pack("{s:I, s:s}", "id",
			(json_int_t)ids[i], "address",
			node_member_addr(a->node, ids[i])));
	j = arr ? json_pack("{s:o}", "nodes", arr) : NULL;
	if (j == NULL)
		http_resp_error(resp, RC_NOMEM, "out of memory");
	else
		http_resp_json(resp, 200, j);
}

/* POST /meta/nodes {"id","address"}: register a node (on the meta leader). */
static void handle_meta_register(const struct http_req *req,
				 struct http_resp *resp, void *arg)
{
	struct raftd_api *a = arg;
	uint64_t id;
	const char *addr;
	struct err e;

	if (jx_get_u64(req->json, "id", &id, &e) != RC_OK ||
	    jx_get_str(req->json, "address", &addr, &e) != RC_OK) {
		http_resp_err(resp, &e);
		return;
	}
	if (id == 0 || strchr(addr, ':') == NULL || strlen(addr) > 255) {
		http_resp_error(resp, RC_BAD_INPUT, "a node needs an id > 0 "
				"and an address HOST:PORT");
		return;
	}
	if (node_member_addr(a->node, id) != NULL &&
	    strcmp(node_member_addr(a->node, id), addr) != 0) {
		http_resp_error(resp, RC_CONFLICT, "node %" PRIu64 " is at %s "
				"already; node ids are never reused", id,
				node_member_addr(a->node, id));
		return;
	}
	if (not_leader(a, req, resp, NODE_META_RANGE))
		return;
	if (shard_register_node(a->node, id, addr, &e) != RC_OK) {
		node_error(a, req, resp, &e, NODE_META_RANGE);
		return;
	}
	if (node_add_member(a->node, id, addr, &e) != RC_OK) {
		http_resp_err(resp, &e);
		return;
	}
	resp->status = 204;
}

/* POST /meta/descriptor (from other nodes): write it into meta. */
static void handle_meta_descriptor(const struct http_req *req,
				   struct http_resp *resp, void *arg)
{
	struct raftd_api *a = arg;
	struct desc d;
	struct err e;

	if (desc_from_json(req->json, &d, &e) != RC_OK) {
		http_resp_err(resp, &e);
		return;
	}
	if (not_leader(a, req, resp, NODE_META_RANGE))
		return;
	if (shard_meta_put(a->node, &d, &e) != RC_OK) {
		node_error(a, req, resp, &e, NODE_META_RANGE);
		return;
	}
	resp->status = 204;
}

/* POST /meta/alloc-range-id (from other nodes): a new range id. */
static void handle_meta_alloc(const struct http_req *req,
			      struct http_resp *resp, void *arg)
{
	struct raftd_api *a = arg;
	uint64_t id;
	struct err e;

	if (not_leader(a, req, resp, NODE_META_RANGE))
		return;
	if (shard_alloc_range_id(a->node, &id, &e) != RC_OK) {
		node_error(a, req, resp, &e, NODE_META_RANGE);
		return;
	}
	http_resp_json(resp, 200, json_pack("{s:I}", "range_id",
					    (json_int_t)id));
}

/* The "range_id" of an admin request that this node must lead. */
static uint64_t admin_range(struct raftd_api *a, const struct http_req *req,
			    struct http_resp *resp)
{
	struct desc d;
	uint64_t id;
	struct err e;

	if (jx_get_u64(req->json, "range_id", &id, &e) != RC_OK) {
		http_resp_err(resp, &e);
		return 0;
	}
	if (node_range_desc(a->node, id, &d, &e) != RC_OK) {
		http_resp_err(resp, &e);
		return 0;
	}
	if (not_leader(a, req, resp, id))
		return 0;
	return id;
}

static void handle_admin_split(const struct http_req *req,
			       struct http_resp *resp, void *arg)
{
	struct raftd_api *a = arg;
	struct desc l, r;
	void *key = NULL;
	size_t klen = 0;
	uint64_t id;
	json_t *j;
	struct err e;
	int rc;

	rc = desc_bytes_get(req->json, "key", &key, &klen, &e);
	if (rc != RC_OK && rc != RC_NOT_FOUND) {
		http_resp_err(resp, &e);
		return;
	}
	if (key != NULL && klen == 0) {
		http_resp_error(resp, RC_BAD_INPUT, "field 'key' is empty; "
				"omit it to split at the median");
		goto out;
	}
	if ((id = admin_range(a, req, resp)) == 0)
		goto out;
	if (shard_split(a->node, id, key, klen, &l, &r, &e) != RC_OK) {
		node_error(a, req, resp, &e, id);
		goto out;
	}
	j = json_pack("{s:o, s:o}", "left", desc_to_json(&l), "right",
		      desc_to_json(&r));
	if (j == NULL)
		http_resp_error(resp, RC_NOMEM, "out of memory");
	else
		http_resp_json(resp, 200, j);
out:
	free(key);
}

static void handle_admin_transfer(const struct http_req *req,
				  struct http_resp *resp, void *arg)
{
	struct raftd_api *a = arg;
	uint64_t id, to, deadline;
	struct desc d;
	struct err e;

	if (jx_get_u64(req->json, "node", &to, &e) != RC_OK) {
		http_resp_err(resp, &e);
		return;
	}
	if ((id = admin_range(a, req, resp)) == 0)
		return;
	if (node_range_desc(a->node, id, &d, &e) != RC_OK ||
	    !desc_has_replica(&d, to)) {
		http_resp_error(resp, RC_BAD_INPUT, "node %" PRIu64 " has no "
				"replica of range %" PRIu64, to, id);
		return;
	}
	if (to != node_id(a->node) &&
	    node_transfer_leader(a->node, id, to, &e) != RC_OK) {
		node_error(a, req, resp, &e, id);
		return;
	}
	deadline = util_mono_ms() + NODE_WAIT_MS;
	while (node_leader(a->node, id, NULL) != to) {
		if (util_mono_ms() >= deadline) {
			http_resp_error(resp, RC_TIMEOUT, "node %" PRIu64
					" did not take over range %" PRIu64
					" within %d ms; retry", to, id,
					NODE_WAIT_MS);
			return;
		}
		usleep(20000);
	}
	http_resp_json(resp, 200, json_pack("{s:I, s:I}", "range_id",
					    (json_int_t)id, "leader",
					    (json_int_t)to));
}

static void handle_admin_move(const struct http_req *req,
			      struct http_resp *resp, void *arg)
{
	struct raftd_api *a = arg;
	uint64_t id, from, to;
	struct desc d;
	struct err e;
	json_t *j;

	if (jx_get_u64(req->json, "from", &from, &e) != RC_OK ||
	    jx_get_u64(req->json, "to", &to, &e) != RC_OK) {
		http_resp_err(resp, &e);
		return;
	}
	if ((id = admin_range(a, req, resp)) == 0)
		return;
	if (shard_move(a->node, id, from, to, &e) != RC_OK) {
		node_error(a, req, resp, &e, id);
		return;
	}
	if (node_range_desc(a->node, id, &d, &e) != RC_OK) {
		http_resp_err(resp, &e);
		return;
	}
	j = json_pack("{s:o}", "range", desc_to_json(&d));
	if (j == NULL)
		http_resp_error(resp, RC_NOMEM, "out of memory");
	else
		http_resp_json(resp, 200, j);
}

/* POST /admin/freeze {"range_id","generation","frozen"} (merge step 1). */
static void handle_admin_freeze(const struct http_req *req,
				struct http_resp *resp, void *arg)
{
	struct raftd_api *a = arg;
	unsigned char val[9];
	struct node_op op;
	uint64_t id, gen;
	bool on;
	struct err e;

	if (jx_get_u64(req->json, "generation", &gen, &e) != RC_OK ||
	    jx_get_bool(req->json, "frozen", &on, &e) != RC_OK) {
		http_resp_err(resp, &e);
		return;
	}
	if ((id = admin_range(a, req, resp)) == 0)
		return;
	for (int i = 7; i >= 0; i--, gen >>= 8)
		val[i] = (unsigned char)gen;
	val[8] = on ? 1 : 0;
	memset(&op, 0, sizeof(op));
	op.kind = NODE_OP_FREEZE;
	op.val = val;
	op.vlen = sizeof(val);
	if (node_write(a->node, id, &op, 1, NULL, &e) != RC_OK) {
		node_error(a, req, resp, &e, id);
		return;
	}
	resp->status = 204;
}

/* POST /admin/retire {"range_id","generation"} (merge step 4). */
static void handle_admin_retire(const struct http_req *req,
				struct http_resp *resp, void *arg)
{
	struct raftd_api *a = arg;
	unsigned char val[8];
	struct node_op op;
	uint64_t id, gen;
	struct err e;

	if (jx_get_u64(req->json, "generation", &gen, &e) != RC_OK) {
		http_resp_err(resp, &e);
		return;
	}
	if ((id = admin_range(a, req, resp)) == 0)
		return;
	for (int i = 7; i >= 0; i--, gen >>= 8)
		val[i] = (unsigned char)gen;
	memset(&op, 0, sizeof(op));
	op.kind = NODE_OP_RETIRE;
	op.val = val;
	op.vlen = sizeof(val);
	if (node_write(a->node, id, &op, 1, NULL, &e) != RC_OK) {
		node_error(a, req, resp, &e, id);
		return;
	}
	resp->status = 204;
}

/* GET /admin/image?range_id=N: the range's data (merge step 2). */
static void handle_admin_image(const struct http_req *req,
			       struct http_resp *resp, void *arg)
{
	struct raftd_api *a = arg;
	const char *v = http_req_query(req, "range_id");
	uint64_t id;
	void *img = NULL;
	size_t len = 0;
	struct err e;

	if (util_parse_u64(v ? v : "", 1, UINT64_MAX, &id, "range_id", &e) !=
	    RC_OK) {
		http_resp_err(resp, &e);
		return;
	}
	if (not_leader(a, req, resp, id))
		return;
	if (node_read_barrier(a->node, id, &e) != RC_OK ||
	    node_range_image(a->node, id, RAFTD_API_MAX_IMAGE, &img, &len,
			     &e) != RC_OK) {
		node_error(a, req, resp, &e, id);
		return;
	}
	resp->status = 200;
	resp->body = img;
	resp->body_len = len;
	resp->content_type = "application/octet-stream";
}

static void handle_admin_merge(const struct http_req *req,
			       struct http_resp *resp, void *arg)
{
	struct raftd_api *a = arg;
	struct desc d;
	uint64_t id;
	struct err e;
	json_t *j;

	if ((id = admin_range(a, req, resp)) == 0)
		return;
	if (shard_merge(a->node, id, &d, &e) != RC_OK) {
		node_error(a, req, resp, &e, id);
		return;
	}
	j = json_pack("{s:o}", "range", desc_to_json(&d));
	if (j == NULL)
		http_resp_error(resp, RC_NOMEM, "out of memory");
	else
		http_resp_json(resp, 200, j);
}

/* POST /admin/replica (from a range's leader): create an empty replica. */
static void handle_admin_replica(const struct http_req *req,
				 struct http_resp *resp, void *arg)
{
	struct raftd_api *a = arg;
	struct desc d;
	struct err e;

	if (desc_from_json(req->json, &d, &e) != RC_OK ||
	    node_create_replica(a->node, &d, &e) != RC_OK) {
		http_resp_err(resp, &e);
		return;
	}
	resp->status = 204;
}

/* ---- start / stop ------------------------------------------------------ */

int raftd_api_start(struct raftd_api **out, struct node *n,
		    const struct raftd_api_opts *opts, struct err *e)
{
	struct http_server_opts hopts;
	struct raftd_api *a;
	int rc;

	*out = NULL;
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	a->node = n;
	a->reg = opts->reg;
	a->max_offset_ms = opts->max_offset_ms;
	pthread_mutex_init(&a->off_mu, NULL);
	if ((rc = rxorder_new(&a->rx, rx_deliver, a, e)) != RC_OK) {
		pthread_mutex_destroy(&a->off_mu);
		free(a);
		return rc;
	}
	transport_set_deliver(node_transport(n), raft_answer, a);
	a->version = opts->version ? opts->version : "unknown";
	a->started_ms = util_mono_ms();
	snprintf(a->address, sizeof(a->address), "%s",
		 opts->address ? opts->address : opts->listen);
	if ((rc = metrics_histogram(a->reg, "raftd_request_duration_seconds",
				    "Time to serve a KV request.", NULL, NULL,
				    metrics_latency_bounds,
				    METRICS_LATENCY_NBOUNDS, &a->latency, e))
	    != RC_OK ||
	    (rc = metrics_counter(a->reg, "raftd_raft_batches_received_total",
				  "POST /raft batches by result.", "result",
				  "ok", &a->raft_batches, e)) != RC_OK ||
	    (rc = metrics_counter(a->reg, "raftd_raft_batches_received_total",
				  "POST /raft batches by result.", "result",
				  "refused", &a->raft_bad, e)) != RC_OK ||
	    (rc = metrics_counter(a->reg, "raftd_clock_skew_refusals_total",
				  "Raft batches refused because the sender's "
				  "clock is over the maximum offset from ours.",
				  NULL, NULL, &a->raft_skew, e)) != RC_OK)
		goto fail;
	if ((rc = http_server_new(&a->http, e)) != RC_OK)
		goto fail;
#define R(m, p, f, max, fn) \
	if ((rc = http_server_route(a->http, m, p, f, max, fn, a, e)) != RC_OK) \
		goto fail
	R("GET", "/kv/*", 0, 0, handle_kv_get);
	R("PUT", "/kv/*", 0, RAFTD_API_MAX_VALUE, handle_kv_write);
	R("DELETE", "/kv/*", 0, 0, handle_kv_write);
	R("GET", "/kv", 0, 0, handle_kv_scan);
	R("POST", "/kv/batch", HTTP_JSON_BODY, RAFTD_API_MAX_BATCH,
	  handle_kv_batch);
	R("POST", "/raft", 0, RAFTD_API_MAX_RAFT, handle_raft);
	R("GET", "/meta/ranges", 0, 0, handle_meta_ranges);
	R("GET", "/meta/locate", 0, 0, handle_meta_locate);
	R("GET", "/meta/nodes", 0, 0, handle_meta_nodes);
	R("POST", "/meta/descriptor", HTTP_JSON_BODY, 65536,
	  handle_meta_descriptor);
	R("POST", "/meta/alloc-range-id", 0, 0, handle_meta_alloc);
	R("POST", "/meta/nodes", HTTP_JSON_BODY, 4096, handle_meta_register);
	R("POST", "/admin/split", HTTP_JSON_BODY, 65536, handle_admin_split);
	R("POST", "/admin/transfer-leader", HTTP_JSON_BODY, 4096,
	  handle_admin_transfer);
	R("POST", "/admin/move", HTTP_JSON_BODY, 4096, handle_admin_move);
	R("POST", "/admin/merge", HTTP_JSON_BODY, 4096, handle_admin_merge);
	R("POST", "/admin/freeze", HTTP_JSON_BODY, 4096, handle_admin_freeze);
	R("POST", "/admin/retire", HTTP_JSON_BODY, 4096, handle_admin_retire);
	R("GET", "/admin/image", 0, 0, handle_admin_image);
	R("POST", "/admin/replica", HTTP_JSON_BODY, 65536,
	  handle_admin_replica);
	R("GET", "/status", 0, 0, handle_status);
	R("GET", "/metrics", 0, 0, handle_metrics);
#undef R
	if ((rc = txnapi_register(a->http, a, a->reg, &a->txn, e)) != RC_OK ||
	    (rc = faultapi_register(a->http, opts->secret, e)) != RC_OK)
		goto fail;
	memset(&hopts, 0, sizeof(hopts));
	hopts.listen = opts->listen;
	hopts.max_body = 4096;
	/*
	 * KV handlers block until Raft commits; in a worker pool a blocked
	 * worker would also stall the peers' POST /raft connections it
	 * serves (and with them the commit it waits for).
	 */
	hopts.thread_per_conn = 1;
	if ((rc = http_server_start(a->http, &hopts, e)) != RC_OK)
		goto fail;
	*out = a;
	return RC_OK;
fail:
	raftd_api_stop(a);
	return rc;
}

unsigned raftd_api_port(const struct raftd_api *a)
{
	return http_server_port(a->http);
}

void raftd_api_stop(struct raftd_api *a)
{
	if (a == NULL)
		return;
	/* (returns once no answer is being handed to us) */
	transport_set_deliver(node_transport(a->node), NULL, NULL);
	http_server_free(a->http);
	txnapi_free(a->txn);
	rxorder_free(a->rx);
	free(a);
}

struct node *raftd_api_node(struct raftd_api *a)
{
	return a->node;
}

uint64_t raftd_api_route(struct raftd_api *a, const struct http_req *req,
			 struct http_resp *resp, const void *key, size_t klen)
{
	return route(a, req, resp, key, klen);
}

void raftd_api_node_error(struct raftd_api *a, const struct http_req *req,
			  struct http_resp *resp, const struct err *e,
			  uint64_t range_id)
{
	node_error(a, req, resp, e, range_id);
}
