/*
 * txnrpc.c -- calls of the transaction protocol to range leaders: parallel
 * runs, answer classification, grouping by range, resolve and record
 * calls.  See txnrpc.h; tested through t/unit/txn_test.c.
 */
#include "txnrpc.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desc.h"
#include "keys.h"
#include "router.h"
#include "txnwire.h"

/* ---- calls -------------------------------------------------------------- */

void txnrpc_call_clear(struct txnrpc_call *c)
{
	json_decref(c->body);
	json_decref(c->reply);
	c->body = NULL;
	c->reply = NULL;
	c->rc = RC_OK;
	c->status = 0;
	err_clear(&c->err);
}

void txnrpc_run1(struct router *r, struct txnrpc_call *c)
{
	json_decref(c->reply);
	c->reply = NULL;
	c->status = 0;
	err_clear(&c->err);
	if (c->body == NULL) {
		c->rc = err_set(&c->err, RC_NOMEM, "out of memory building "
				"a request to %s", c->path);
		return;
	}
	c->rc = router_call_flags(r, c->key, c->klen, c->path, c->body,
				  c->flags, &c->reply, &c->status, &c->err);
}

struct txnrpc_par {
	struct router *r;
	struct txnrpc_call *calls;
	size_t n;
	atomic_size_t next;
};

static void *txnrpc_worker(void *arg)
{
	struct txnrpc_par *p = arg;
	size_t i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->n)
		txnrpc_run1(p->r, &p->calls[i]);
	return NULL;
}

void txnrpc_run(struct router *r, struct txnrpc_call *calls, size_t n)
{
	pthread_t tid[TXNRPC_PAR_MAX];
	struct txnrpc_par p;
	size_t started = 0;

	if (n <= 1) {
		if (n == 1)
			txnrpc_run1(r, &calls[0]);
		return;
	}
	p.r = r;
	p.calls = calls;
	p.n = n;
	atomic_init(&p.next, 0);
	/* this thread is one of the workers: start at most PAR_MAX - 1 */
	while (started + 1 < TXNRPC_PAR_MAX && started + 1 < n &&
	       pthread_create(&tid[started], NULL, txnrpc_worker, &p) == 0)
		started++;
	txnrpc_worker(&p);
	for (size_t i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
}

int txnrpc_answer(const struct txnrpc_call *c)
{
	const char *code;

	if (c->rc == RC_RANGE_MOVED)
		return TXNRPC_MOVED;
	if (c->rc != RC_OK) {
		if ((c->flags & ROUTER_ONCE) &&
		    strstr(c->err.msg, "outcome unknown") == NULL)
			return TXNRPC_UNSENT;
		return TXNRPC_FAILED;
	}
	if (c->status == 200)
		return TXNRPC_OK;
	code = txnwire_error_code(c->reply);
	if (strcmp(code, "retry") == 0 || strcmp(code, "txn_too_old") == 0)
		return TXNRPC_RETRY;
	if (c->status == 409) {
		if (strcmp(code, "locked") == 0)
			return TXNRPC_LOCKED;
		if (strcmp(code, "aborted") == 0)
			return TXNRPC_ABORTED;
		return TXNRPC_CONFLICT;
	}
	if (c->status == 421)
		return TXNRPC_MOVED;
	if (c->status >= 400 && c->status < 500)
		return TXNRPC_REFUSED;
	return TXNRPC_FAILED;
}

int txnrpc_error(const struct txnrpc_call *c, const char *what,
		 struct err *e)
{
	const char *code, *msg;
	int rc;

	if (c->rc != RC_OK)
		return err_set(e, c->rc, "%s: %s", what, c->err.msg);
	code = txnwire_error_code(c->reply);
	msg = txnwire_error_msg(c->reply);
	if (txnrpc_answer(c) == TXNRPC_RETRY)
		return err_set(e, RC_CONFLICT, "retry: %s: %s", what,
			       msg[0] ? msg : code);
	rc = rc_from_name(code);
	if (rc == RC_INTERNAL || rc == RC_OK)
		rc = c->status == 409 ? RC_CONFLICT :
			c->status >= 500 ? RC_UNAVAILABLE : RC_INTERNAL;
	if (rc == RC_CONFLICT)
		return err_set(e, rc, "retry: %s: %s", what,
			       msg[0] ? msg : code);
	return err_set(e, rc, "%s: range leader answered %d%s%s%s%s", what,
		       c->status, code[0] ? " " : "", code,
		       msg[0] ? ": " : "", msg);
}

/* ---- keys and spans by range -------------------------------------------- */

int txnrpc_buf_keys(const struct txnbuf *b, struct txnrpc_key **out,
		    struct err *e)
{
	struct txnrpc_key *k = calloc(b->n ? b->n : 1, sizeof(*k));

	if (k == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	for (size_t i = 0; i < b->n; i++) {
		k[i].p = b->v[i].key;
		k[i].n = b->v[i].klen;
		/* the JSON op: base64 at worst, plus field names */
		k[i].weight = (b->v[i].klen + b->v[i].vlen) * 4 / 3 + 48;
	}
	*out = k;
	return RC_OK;
}

int txnrpc_group_keys(struct router *r, const struct txnrpc_key *keys,
		      size_t n, size_t max_keys, size_t max_bytes,
		      struct txnrpc_group **out, size_t *ngroups,
		      struct err *e)
{
	struct txnrpc_group *g = NULL;
	size_t ng = 0, i = 0;
	struct desc d;
	int rc;

	while (i < n) {
		size_t j = i, bytes = 0;
		struct txnrpc_group *ng2;

		if ((rc = router_locate(r, keys[i].p, keys[i].n, &d, e)) !=
		    RC_OK) {
			free(g);
			return rc;
		}
		while (j < n && j - i < max_keys &&
		       (j == i || bytes + keys[j].weight <= max_bytes) &&
		       desc_contains(&d, keys[j].p, keys[j].n)) {
			bytes += keys[j].weight;
			j++;
		}
		if (j == i)	/* a stale cache entry that misses the key */
			j = i + 1;
		ng2 = realloc(g, (ng + 1) * sizeof(*g));
		if (ng2 == NULL) {
			free(g);
			return err_set(e, RC_NOMEM, "out of memory");
		}
		g = ng2;
		g[ng].first = i;
		g[ng].n = j - i;
		g[ng].range_id = d.range_id;
		ng++;
		i = j;
	}
	*out = g;
	*ngroups = ng;
	return RC_OK;
}

void txnrpc_spans_free(struct txnrpc_spans *g, size_t n)
{
	if (g == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(g[i].key);
		json_decref(g[i].spans);
	}
	free(g);
}

/* One span object: a point as {"key"}, else {"start","end"}. */
static json_t *span_json(const void *s, size_t slen, const void *end,
			 size_t elen)
{
	struct txnspan sp = {
		.start = (unsigned char *)s, .slen = slen,
		.end = (unsigned char *)end, .elen = elen
	};
	json_t *j = json_object();

	if (j == NULL)
		return NULL;
	if (txnspan_is_point(&sp) ? desc_bytes_set(j, "key", s, slen) != 0 :
	    desc_bytes_set(j, "start", s, slen) != 0 ||
	    (elen > 0 && desc_bytes_set(j, "end", end, elen) != 0)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* Append a piece [s, end) of range id to the groups. */
static int spans_add_piece(struct txnrpc_spans **g, size_t *n, uint64_t id,
			   const void *s, size_t slen, const void *end,
			   size_t elen, struct err *e)
{
	struct txnrpc_spans *last = *n ? &(*g)[*n - 1] : NULL;
	json_t *sp = span_json(s, slen, end, elen);

	if (sp == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	if (last == NULL || last->range_id != id) {
		struct txnrpc_spans *ng = realloc(*g, (*n + 1) * sizeof(**g));

		if (ng == NULL) {
			json_decref(sp);
			return err_set(e, RC_NOMEM, "out of memory");
		}
		*g = ng;
		last = &ng[*n];
		memset(last, 0, sizeof(*last));
		(*n)++;
		last->range_id = id;
		last->key = malloc(slen + 1);
		last->spans = json_array();
		if (last->key == NULL || last->spans == NULL) {
			json_decref(sp);
			return err_set(e, RC_NOMEM, "out of memory");
		}
		if (slen > 0)
			memcpy(last->key, s, slen);
		last->klen = slen;
	}
	if (json_array_append_new(last->spans, sp) != 0)
		return err_set(e, RC_NOMEM, "out of memory");
	return RC_OK;
}

/* Cut one span at range boundaries into the groups. */
static int split_one(struct router *r, const struct txnspan *sp,
		     struct txnrpc_spans **g, size_t *n, struct err *e)
{
	unsigned char cur[DESC_BOUND_MAX];
	const unsigned char *s = sp->start;
	size_t slen = sp->slen;
	struct desc d;
	int rc;

	for (;;) {
		int last;

		if ((rc = router_locate(r, s, slen, &d, e)) != RC_OK)
			return rc;
		last = d.end_len == 0 || (sp->elen > 0 &&
			keys_cmp(sp->end, sp->elen, d.end, d.end_len) <= 0) ||
			keys_cmp(d.end, d.end_len, s, slen) <= 0;
		if (last)
			return spans_add_piece(g, n, d.range_id, s, slen,
					       sp->end, sp->elen, e);
		if ((rc = spans_add_piece(g, n, d.range_id, s, slen, d.end,
					  d.end_len, e)) != RC_OK)
			return rc;
		memcpy(cur, d.end, d.end_len);
		s = cur;
		slen = d.end_len;
	}
}

int txnrpc_split_spans(struct router *r, const struct txnspans *s,
		       struct txnrpc_spans **out, size_t *n, struct err *e)
{
	struct txnrpc_spans *g = NULL;
	size_t ng = 0;
	int rc;

	for (size_t i = 0; i < s->n; i++) {
		if ((rc = split_one(r, &s->v[i], &g, &ng, e)) != RC_OK) {
			txnrpc_spans_free(g, ng);
			return rc;
		}
	}
	*out = g;
	*n = ng;
	return RC_OK;
}

/* ---- intents and records ------------------------------------------------ */

json_t *txnrpc_key_json(const void *key, size_t klen)
{
	json_t *j;

	if (desc_utf8_valid(key, klen))
		return json_stringn(key, klen);
	j = json_object();
	if (j != NULL && desc_bytes_set(j, "key", key, klen) != 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* Set b's member name to the array of keys[0..n); -1 out of memory. */
static int keys_set(json_t *b, const char *name,
		    const struct txnrpc_key *keys, size_t n)
{
	json_t *arr = json_array();

	if (arr == NULL || json_object_set_new(b, name, arr) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(arr, txnrpc_key_json(keys[i].p,
							       keys[i].n)))
			return -1;
	return 0;
}

static json_t *resolve_body(const unsigned char id[16], int committed,
			    uint64_t ts, const struct txnrpc_key *keys,
			    size_t n)
{
	json_t *b = json_pack("{s:o, s:s}", "txn", txnwire_id_json(id),
			      "status", committed ? "committed" : "aborted");

	if (b == NULL || txnwire_ts_set(b, "ts", ts) != 0 ||
	    keys_set(b, "keys", keys, n) != 0) {
		json_decref(b);
		return NULL;
	}
	return b;
}

/* One round: resolve every group; *moved set when a range changed. */
static int resolve_round(struct router *r, const unsigned char id[16],
			 int committed, uint64_t ts,
			 const struct txnrpc_key *keys, size_t n, int *moved,
			 struct err *e)
{
	struct txnrpc_group *g = NULL;
	struct txnrpc_call *c;
	size_t ng = 0;
	int rc;

	*moved = 0;
	rc = txnrpc_group_keys(r, keys, n, TXNRPC_BATCH_KEYS,
			       TXNRPC_BATCH_BYTES, &g, &ng, e);
	if (rc != RC_OK)
		return rc;
	c = calloc(ng ? ng : 1, sizeof(*c));
	if (c == NULL) {
		free(g);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < ng; i++) {
		c[i].key = keys[g[i].first].p;
		c[i].klen = keys[g[i].first].n;
		c[i].path = "/txn/resolve";
		c[i].body = resolve_body(id, committed, ts, keys + g[i].first,
					 g[i].n);
	}
	txnrpc_run(r, c, ng);
	for (size_t i = 0; i < ng; i++) {
		int a = txnrpc_answer(&c[i]);

		if (a == TXNRPC_MOVED) {
			router_invalidate(r, g[i].range_id);
			*moved = 1;
		} else if (a != TXNRPC_OK && rc == RC_OK) {
			rc = txnrpc_error(&c[i], "resolve intents", e);
		}
		txnrpc_call_clear(&c[i]);
	}
	free(c);
	free(g);
	if (rc == RC_OK && *moved)
		rc = err_set(e, RC_RANGE_MOVED, "resolve intents: ranges "
			     "moved while resolving");
	return rc;
}

int txnrpc_resolve(struct router *r, const unsigned char id[16],
		   int committed, uint64_t ts, const struct txnrpc_key *keys,
		   size_t n, struct err *e)
{
	int rc = RC_OK, moved = 0;

	/* resolving twice is harmless: a moved range is simply redone */
	for (int round = 0; round < 3; round++) {
		rc = resolve_round(r, id, committed, ts, keys, n, &moved, e);
		if (rc != RC_RANGE_MOVED)
			return rc;
	}
	return rc;
}

int txnrpc_record(struct router *r, const unsigned char id[16],
		  const void *anchor, size_t alen, const char *op,
		  uint64_t ts, unsigned timeout_ms, struct txnrpc_call *c)
{
	return txnrpc_record_resolve(r, id, anchor, alen, op, ts, timeout_ms,
				     NULL, 0, NULL, c);
}

int txnrpc_record_resolve(struct router *r, const unsigned char id[16],
			  const void *anchor, size_t alen, const char *op,
			  uint64_t ts, unsigned timeout_ms,
			  const struct txnrpc_key *res, size_t nres,
			  json_t *ride, struct txnrpc_call *c)
{
	json_t *b = json_pack("{s:o, s:s}", "txn", txnwire_id_json(id),
			      "op", op);

	memset(c, 0, sizeof(*c));
	c->key = anchor;
	c->klen = alen;
	c->path = "/txn/record";
	if (b != NULL && (desc_bytes_set(b, "anchor", anchor, alen) != 0 ||
			  (strcmp(op, "commit") == 0 &&
			   txnwire_ts_set(b, "ts", ts) != 0) ||
			  (strcmp(op, "heartbeat") == 0 &&
			   json_object_set_new(b, "timeout_ms",
					       json_integer(timeout_ms))) ||
			  (nres > 0 && keys_set(b, "resolve", res, nres)) ||
			  (ride != NULL &&
			   json_object_set(b, "ride", ride) != 0))) {
		json_decref(b);
		b = NULL;
	}
	c->body = b;
	txnrpc_run1(r, c);
	return c->rc == RC_NOMEM ? RC_NOMEM : RC_OK;
}
