/*
 * txnops.c -- transactional commands at apply and transactional reads at
 * the leader, on one range's MVCC and lock tables (see txnops.h).
 */
#include "txnops.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hlc.h"
#include "util.h"

#define HDR_VERSION	1
#define HDR_FIXED	31	/* version .. alen */





/* A key for a message: printable bytes, others as \xNN, at most ~60. */
static const char *show(const void *key, size_t klen, char *buf, size_t cap)
{
	const unsigned char *k = key;
	size_t o = 0;

	for (size_t i = 0; i < klen && o + 8 < cap; i++) {
		if (o > 56) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (k[i] >= 0x20 && k[i] < 0x7f && k[i] != '\'' &&
		    k[i] != '\\')
			buf[o++] = (char)k[i];
		else
			o += (size_t)snprintf(buf + o, cap - o, "\\x%02x",
					      k[i]);
	}
	buf[o] = '\0';
	return buf;
}

static void idhex(const unsigned char id[TXNOPS_ID_LEN], char out[33])
{
	static const char hx[] = "0123456789abcdef";

	for (int i = 0; i < TXNOPS_ID_LEN; i++) {
		out[2 * i] = hx[id[i] >> 4];
		out[2 * i + 1] = hx[id[i] & 15];
	}
	out[32] = '\0';
}

static void res_set(struct txnops_res *res, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void res_set(struct txnops_res *res, int rc, const char *fmt, ...)
{
	va_list ap;

	res->rc = rc;
	va_start(ap, fmt);
	err_vformat(res->msg, sizeof(res->msg), fmt, ap);
	va_end(ap);
}

void txnops_conflicts_release(struct txnops_conflicts *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->items[i].key);
		free(c->items[i].anchor);
	}
	free(c->items);
	c->items = NULL;
	c->n = 0;
}

/* Append the intent it on key to c (copies). */
static int conflict_add(struct txnops_conflicts *c, const void *key,
			size_t klen, const struct locktab_intent *it,
			struct err *e)
{
	struct txnops_conflict *x, *items;

	if (c->n >= TXNOPS_MAX_CONFLICTS)
		return RC_OK;
	items = realloc(c->items, (c->n + 1) * sizeof(*items));
	if (items == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	c->items = items;
	x = &items[c->n];
	memset(x, 0, sizeof(*x));
	x->key = malloc(klen + 1);
	x->anchor = malloc(it->alen + 1);
	if (x->key == NULL || x->anchor == NULL) {
		free(x->key);
		free(x->anchor);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	if (klen)
		memcpy(x->key, key, klen);
	if (it->alen)
		memcpy(x->anchor, it->anchor, it->alen);
	x->klen = klen;
	x->alen = it->alen;
	memcpy(x->txn, it->txn, TXNOPS_ID_LEN);
	x->ts = it->ts;
	c->n++;
	return RC_OK;
}

/* ---- encoding ----------------------------------------------------------- */

int txnops_hdr_encode(const struct txnops_hdr *h,
		      const struct txnops_span *spans, size_t n_spans,
		      unsigned char **out, size_t *len, struct err *e)
{
	size_t need = HDR_FIXED + h->alen + 4, o;
	unsigned char *p;

	if (h->alen > UINT32_MAX || n_spans > UINT32_MAX)
		return err_set(e, RC_TOO_LARGE, "transaction too large");
	for (size_t i = 0; i < n_spans; i++) {
		if (spans[i].slen > UINT32_MAX || spans[i].elen > UINT32_MAX)
			return err_set(e, RC_TOO_LARGE, "key too large");
		need += 5 + spans[i].slen +
			(spans[i].point ? 0 : 4 + spans[i].elen);
	}
	p = malloc(need);
	if (p == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	p[0] = HDR_VERSION;
	util_put_be64(p + 1, h->wts);
	util_put_be64(p + 9, h->rts);
	p[17] = (unsigned char)h->mode;
	p[18] = (unsigned char)h->flags;
	util_put_be32(p + 19, h->timeout_ms);
	util_put_be32(p + 23, (uint32_t)h->alen);
	o = 27;
	if (h->alen)
		memcpy(p + o, h->anchor, h->alen);
	o += h->alen;
	util_put_be32(p + o, (uint32_t)n_spans);
	o += 4;
	for (size_t i = 0; i < n_spans; i++) {
		p[o++] = spans[i].point ? 1 : 0;
		util_put_be32(p + o, (uint32_t)spans[i].slen);
		o += 4;
		if (spans[i].slen)
			memcpy(p + o, spans[i].start, spans[i].slen);
		o += spans[i].slen;
		if (!spans[i].point) {
			util_put_be32(p + o, (uint32_t)spans[i].elen);
			o += 4;
			if (spans[i].elen)
				memcpy(p + o, spans[i].end, spans[i].elen);
			o += spans[i].elen;
		}
	}
	*out = p;
	*len = o;
	return RC_OK;
}

int txnops_hdr_decode(const void *pv, size_t len, struct txnops_hdr *h,
		      struct err *e)
{
	const unsigned char *p = pv;
	size_t o;

	memset(h, 0, sizeof(*h));
	if (len < 27 + 4 || p[0] != HDR_VERSION)
		return err_set(e, RC_CORRUPT, "bad transaction header");
	h->wts = util_get_be64(p + 1);
	h->rts = util_get_be64(p + 9);
	h->mode = p[17];
	h->flags = p[18];
	h->timeout_ms = util_get_be32(p + 19);
	h->alen = util_get_be32(p + 23);
	o = 27;
	if (len - o < h->alen + 4)
		return err_set(e, RC_CORRUPT, "short transaction header");
	h->anchor = p + o;
	o += h->alen;
	h->n_spans = util_get_be32(p + o);
	o += 4;
	h->spans = p + o;
	h->spans_len = len - o;
	if ((h->mode != TXNOPS_INTENTS && h->mode != TXNOPS_1PC) ||
	    h->wts == 0 || h->rts == 0 || h->rts > h->wts)
		return err_set(e, RC_CORRUPT, "bad transaction header");
	/* walk the spans once so later walks need no checks */
	{
		size_t so = 0, k = 0;
		struct txnops_span s;

		while (k < h->n_spans) {
			size_t rest = h->spans_len - so;
			size_t l;

			if (rest < 5)
				return err_set(e, RC_CORRUPT, "short span");
			l = util_get_be32(h->spans + so + 1);
			if (rest - 5 < l)
				return err_set(e, RC_CORRUPT, "short span");
			if (!h->spans[so]) {
				size_t el;

				if (rest - 5 - l < 4)
					return err_set(e, RC_CORRUPT,
						       "short span");
				el = util_get_be32(h->spans + so + 5 + l);
				if (rest - 9 - l < el)
					return err_set(e, RC_CORRUPT,
						       "short span");
				so += 9 + l + el;
			} else {
				so += 5 + l;
			}
			k++;
		}
		if (so != h->spans_len)
			return err_set(e, RC_CORRUPT, "trailing span bytes");
		(void)s;
	}
	return RC_OK;
}

int txnops_span_next(const struct txnops_hdr *h, size_t *off,
		     struct txnops_span *s)
{
	size_t o = *off;

	if (o >= h->spans_len)
		return 0;
	memset(s, 0, sizeof(*s));
	s->point = h->spans[o] != 0;
	s->slen = util_get_be32(h->spans + o + 1);
	s->start = h->spans + o + 5;
	o += 5 + s->slen;
	if (!s->point) {
		s->elen = util_get_be32(h->spans + o);
		s->end = h->spans + o + 4;
		o += 4 + s->elen;
	}
	*off = o;
	return 1;
}

int txnops_resolve_encode(const unsigned char id[TXNOPS_ID_LEN], int status,
			  uint64_t ts, unsigned char out[TXNOPS_RESOLVE_LEN])
{
	memcpy(out, id, TXNOPS_ID_LEN);
	out[16] = (unsigned char)status;
	util_put_be64(out + 17, ts);
	return RC_OK;
}

int txnops_record_encode(const unsigned char id[TXNOPS_ID_LEN], int op,
			 int force, uint32_t timeout_ms, uint64_t ts,
			 unsigned char out[TXNOPS_RECORD_LEN])
{
	memcpy(out, id, TXNOPS_ID_LEN);
	out[16] = (unsigned char)op;
	out[17] = force ? 1 : 0;
	util_put_be32(out + 18, timeout_ms);
	util_put_be64(out + 22, ts);
	return RC_OK;
}

int txnops_expired(uint64_t hb, uint32_t timeout_ms, uint64_t now)
{
	return (now >> 16) > (hb >> 16) + timeout_ms;
}

/* ---- apply -------------------------------------------------------------- */

/*
 * A foreign intent on key (not id's)?  *found 1 and it filled (caller
 * releases) when so.
 */
static int foreign_intent(struct locktab *lt, struct bdb_txn *txn,
			  const void *key, size_t klen,
			  const unsigned char *id, int *found,
			  struct locktab_intent *it, struct err *e)
{
	int rc;

	*found = 0;
	rc = locktab_intent_get(lt, txn, key, klen, it, e);
	if (rc == RC_NOT_FOUND)
		return RC_OK;
	if (rc != RC_OK)
		return rc;
	if (id != NULL && memcmp(it->txn, id, TXNOPS_ID_LEN) == 0) {
		locktab_intent_release(it);
		return RC_OK;
	}
	*found = 1;
	return RC_OK;
}

/*
 * The value an increment writes: key's latest committed value (text of a
 * decimal int64; absent: 0) + by, as text in buf.  Versions are committed
 * values only (intents live in the lock table), so an own intent on the
 * key is not counted.  A refusal in res for a bad value or an overflow.
 */
static int incr_value(struct mvcc *m, struct bdb_txn *txn,
		      const struct txnops_write *w, char buf[24],
		      size_t *len, int64_t *out, struct txnops_res *res,
		      struct err *e)
{
	void *val = NULL;
	size_t vlen = 0;
	int64_t cur = 0;
	char kb[80], tmp[24];
	int rc;

	rc = mvcc_get(m, txn, w->key, w->klen, UINT64_MAX, &val, &vlen, NULL,
		      e);
	if (rc != RC_OK && rc != RC_NOT_FOUND)
		return rc;
	if (rc == RC_OK) {
		int ok = vlen > 0 && vlen < sizeof(tmp);

		if (ok) {
			memcpy(tmp, val, vlen);
			tmp[vlen] = '\0';
			ok = util_parse_i64(tmp, INT64_MIN, INT64_MAX, &cur,
					    "value", NULL) == RC_OK;
		}
		free(val);
		if (!ok) {
			res_set(res, RC_BAD_INPUT, "incr: the value of '%s' "
				"is not a decimal integer",
				show(w->key, w->klen, kb, sizeof(kb)));
			return RC_OK;
		}
	}
	if ((w->by > 0 && cur > INT64_MAX - w->by) ||
	    (w->by < 0 && cur < INT64_MIN - w->by)) {
		res_set(res, RC_BAD_INPUT, "incr: '%s' would overflow",
			show(w->key, w->klen, kb, sizeof(kb)));
		return RC_OK;
	}
	*out = cur + w->by;
	*len = (size_t)snprintf(buf, 24, "%" PRId64, *out);
	return RC_OK;
}

/* Refuse res with the foreign intent it on key. */
static int refuse_locked(struct txnops_res *res, const void *key,
			 size_t klen, struct locktab_intent *it,
			 struct err *e)
{
	char kb[80], hx[33];
	int rc;

	idhex(it->txn, hx);
	res_set(res, RC_CONFLICT, "key '%s' is locked by transaction %s",
		show(key, klen, kb, sizeof(kb)), hx);
	rc = conflict_add(&res->conflicts, key, klen, it, e);
	locktab_intent_release(it);
	return rc;
}

static int refresh_in(struct mvcc *m, struct locktab *lt,
		      struct bdb_txn *txn, const struct txnops_span *s,
		      uint64_t from, uint64_t to, const unsigned char *id,
		      struct err *e);

/* Validate the read spans of h in (from, to] for id; res on failure. */
static int validate_spans(struct mvcc *m, struct locktab *lt,
			  struct bdb_txn *txn, const unsigned char *id,
			  const struct txnops_hdr *h, uint64_t from,
			  uint64_t to, struct txnops_res *res,
			  struct err *e)
{
	size_t off = 0;
	struct txnops_span s;
	struct err e2;
	int rc;

	while (txnops_span_next(h, &off, &s)) {
		err_clear(&e2);
		rc = refresh_in(m, lt, txn, &s, from, to, id, &e2);
		if (rc == RC_CONFLICT) {
			res_set(res, RC_CONFLICT, "%s", e2.msg);
			res->retry = 1;
			return RC_OK;
		}
		if (rc != RC_OK) {
			if (e != NULL)
				*e = e2;
			return rc;
		}
	}
	return RC_OK;
}

int txnops_apply_txn(struct mvcc *m, struct locktab *lt, struct bdb_txn *txn,
		     const unsigned char id[TXNOPS_ID_LEN],
		     const struct txnops_hdr *h, const struct txnops_write *w,
		     size_t n_w, uint64_t now, int do_it,
		     struct txnops_res *res, struct err *e)
{
	struct locktab_record rec;
	struct locktab_intent it;
	uint64_t ts = h->wts, latest;
	int rc, found;

	memset(&rec, 0, sizeof(rec));
	/* the record first: an aborted transaction lays no intents */
	if (h->mode == TXNOPS_INTENTS && (h->flags & TXNOPS_RECORD)) {
		rc = locktab_record_get(lt, txn, h->anchor, h->alen, id, &rec,
					e);
		if (rc == RC_OK && rec.status == LOCKTAB_ABORTED) {
			res_set(res, RC_CONFLICT, "the transaction was "
				"aborted (by a conflicting transaction or "
				"its timeout)");
			res->aborted = 1;
			res->status = LOCKTAB_ABORTED;
			return RC_OK;
		}
		if (rc == RC_OK && rec.status == LOCKTAB_COMMITTED) {
			res_set(res, RC_CONFLICT, "the transaction is "
				"already committed");
			res->status = LOCKTAB_COMMITTED;
			return RC_OK;
		}
		if (rc != RC_OK && rc != RC_NOT_FOUND)
			return rc;
		if (rc == RC_NOT_FOUND) {
			memset(&rec, 0, sizeof(rec));
			rec.created = now;
		}
	}
	/* the timestamp every write gets: above every committed version */
	for (size_t i = 0; i < n_w; i++) {
		rc = foreign_intent(lt, txn, w[i].key, w[i].klen, id, &found,
				    &it, e);
		if (rc != RC_OK)
			return rc;
		if (found)
			return refuse_locked(res, w[i].key, w[i].klen, &it, e);
		rc = mvcc_latest_ts(m, txn, w[i].key, w[i].klen, &latest, e);
		if (rc != RC_OK)
			return rc;
		if (latest >= ts)
			ts = latest + 1;
	}
	res->ts = ts;
	/* increments: their values now (a refusal applies nowhere) */
	res->n_incr = 0;
	for (size_t i = 0; i < n_w; i++) {
		char buf[24];
		size_t len;

		if (!w[i].incr)
			continue;
		if (res->n_incr >= TXNOPS_MAX_INCR) {
			res_set(res, RC_BAD_INPUT, "at most %d increments in "
				"one write", TXNOPS_MAX_INCR);
			return RC_OK;
		}
		rc = incr_value(m, txn, &w[i], buf, &len,
				&res->incr[res->n_incr], res, e);
		if (rc != RC_OK || res->rc != RC_OK)
			return rc;
		res->n_incr++;
	}
	if (h->mode == TXNOPS_1PC) {
		/*
		 * The leader registered the read spans in its timestamp
		 * cache at wts when it proposed: committing above wts would
		 * leave (wts, ts] open to writes under the reads.  Only a
		 * transaction without reads may move here.
		 */
		if (ts > h->wts && (!(h->flags & TXNOPS_CAN_PUSH) ||
				    h->n_spans > 0)) {
			res_set(res, RC_CONFLICT, "a newer committed write "
				"moved the commit timestamp; refresh to %"
				PRIu64, ts);
			res->retry = 1;
			return RC_OK;
		}
		if (ts > h->rts) {
			rc = validate_spans(m, lt, txn, id, h, h->rts, ts, res,
					    e);
			if (rc != RC_OK || res->rc != RC_OK)
				return rc;
		}
	}
	if (!do_it)
		return RC_OK;
	if (h->mode == TXNOPS_INTENTS && (h->flags & TXNOPS_RECORD)) {
		rec.status = LOCKTAB_PENDING;
		rec.ts = ts;
		rec.hb = now;
		rec.timeout_ms = h->timeout_ms;
		rc = locktab_record_put(lt, txn, h->anchor, h->alen, id, &rec,
					e);
		if (rc != RC_OK)
			return rc;
	}
	for (size_t i = 0, k = 0; i < n_w; i++) {
		const void *val = w[i].val;
		size_t vlen = w[i].vlen;
		char buf[24];

		if (w[i].incr) {	/* the value computed above */
			vlen = (size_t)snprintf(buf, sizeof(buf), "%" PRId64,
						res->incr[k++]);
			val = buf;
		}
		if (h->mode == TXNOPS_1PC) {
			rc = val != NULL ?
			     mvcc_put(m, txn, w[i].key, w[i].klen, ts, val,
				      vlen, e) :
			     mvcc_delete(m, txn, w[i].key, w[i].klen, ts, e);
			if (rc == RC_OK && res->wrote != NULL)
				res->wrote(res->wrote_arg, w[i].key, w[i].klen,
					   ts);
		} else {
			struct locktab_intent ni;

			memset(&ni, 0, sizeof(ni));
			memcpy(ni.txn, id, TXNOPS_ID_LEN);
			ni.ts = ts;
			ni.tombstone = val == NULL;
			ni.anchor = (void *)h->anchor;
			ni.alen = h->alen;
			ni.val = (void *)val;
			ni.vlen = val ? vlen : 0;
			rc = locktab_intent_put(lt, txn, w[i].key, w[i].klen,
						&ni, e);
		}
		if (rc != RC_OK)
			return rc;
	}
	return RC_OK;
}

int txnops_plain_check(struct mvcc *m, struct locktab *lt,
		       struct bdb_txn *txn, const void *key, size_t klen,
		       uint64_t want, uint64_t *ts, struct txnops_res *res,
		       struct err *e)
{
	struct locktab_intent it;
	uint64_t latest;
	int rc, found;

	rc = foreign_intent(lt, txn, key, klen, NULL, &found, &it, e);
	if (rc != RC_OK)
		return rc;
	if (found)
		return refuse_locked(res, key, klen, &it, e);
	rc = mvcc_latest_ts(m, txn, key, klen, &latest, e);
	if (rc != RC_OK)
		return rc;
	*ts = latest >= want ? latest + 1 : want;
	return RC_OK;
}

int txnops_apply_resolve(struct mvcc *m, struct locktab *lt,
			 struct bdb_txn *txn, const void *key, size_t klen,
			 const void *val, size_t vlen, int do_it,
			 struct txnops_res *res, struct err *e)
{
	const unsigned char *v = val;
	struct locktab_intent it;
	uint64_t cts;
	int rc, status;

	if (vlen != TXNOPS_RESOLVE_LEN || (v[16] != LOCKTAB_COMMITTED &&
					   v[16] != LOCKTAB_ABORTED) ||
	    (v[16] == LOCKTAB_COMMITTED && util_get_be64(v + 17) == 0))
		return err_set(e, RC_CORRUPT, "malformed resolve operation");
	if (!do_it)
		return RC_OK;
	status = v[16];
	cts = util_get_be64(v + 17);
	rc = locktab_intent_get(lt, txn, key, klen, &it, e);
	if (rc == RC_NOT_FOUND)
		return RC_OK;
	if (rc != RC_OK)
		return rc;
	if (memcmp(it.txn, v, TXNOPS_ID_LEN) != 0) {
		locktab_intent_release(&it);
		return RC_OK;	/* another transaction's: not ours to touch */
	}
	rc = RC_OK;
	if (status == LOCKTAB_COMMITTED)
		rc = it.tombstone ? mvcc_delete(m, txn, key, klen, cts, e) :
		     mvcc_put(m, txn, key, klen, cts, it.val, it.vlen, e);
	locktab_intent_release(&it);
	if (rc == RC_OK && status == LOCKTAB_COMMITTED && cts != 0 &&
	    res->wrote != NULL)
		res->wrote(res->wrote_arg, key, klen, cts);
	if (rc == RC_OK)
		rc = locktab_intent_del(lt, txn, key, klen, e);
	if (rc == RC_OK)
		res->count++;
	return rc;
}

int txnops_apply_record(struct locktab *lt, struct bdb_txn *txn,
			const void *anchor, size_t alen, const void *val,
			size_t vlen, uint64_t now, int do_it,
			struct txnops_res *res, struct err *e)
{
	const unsigned char *v = val, *id = val;
	struct locktab_record rec;
	int rc, op, force, have, write = 0, del = 0;
	uint32_t timeout_ms;
	uint64_t ts;

	if (vlen != TXNOPS_RECORD_LEN || v[16] < TXNOPS_REC_HEARTBEAT ||
	    v[16] > TXNOPS_REC_GC)
		return err_set(e, RC_CORRUPT, "malformed record operation");
	op = v[16];
	force = v[17];
	timeout_ms = util_get_be32(v + 18);
	ts = util_get_be64(v + 22);
	rc = locktab_record_get(lt, txn, anchor, alen, id, &rec, e);
	if (rc != RC_OK && rc != RC_NOT_FOUND)
		return rc;
	have = rc == RC_OK;
	if (!have) {
		memset(&rec, 0, sizeof(rec));
		rec.created = now;
		rec.timeout_ms = timeout_ms;
		rec.hb = now;
	}
	switch (op) {
	case TXNOPS_REC_HEARTBEAT:
		if (have && rec.status != LOCKTAB_PENDING)
			break;
		rec.status = LOCKTAB_PENDING;
		rec.hb = now;
		if (timeout_ms)
			rec.timeout_ms = timeout_ms;
		write = 1;
		break;
	case TXNOPS_REC_COMMIT:
		if (have && rec.status != LOCKTAB_PENDING)
			break;
		rec.status = LOCKTAB_COMMITTED;
		rec.ts = ts;
		write = 1;
		break;
	case TXNOPS_REC_ABORT:
		if (have && rec.status != LOCKTAB_PENDING)
			break;
		rec.status = LOCKTAB_ABORTED;
		write = 1;
		break;
	case TXNOPS_REC_PUSH:
		if (have && rec.status != LOCKTAB_PENDING)
			break;
		/*
		 * Missing: the owner has not created it yet, or died
		 * before; its intent's timestamp stands in for the
		 * heartbeat.  An ABORTED record stops a late creation.
		 */
		if (force || (have ? txnops_expired(rec.hb, rec.timeout_ms,
						     now) :
			      txnops_expired(ts, timeout_ms, now))) {
			rec.status = LOCKTAB_ABORTED;
			write = 1;
		} else if (!have) {
			rec.status = 0;		/* still missing */
		}
		break;
	default:	/* TXNOPS_REC_GC */
		if (have && rec.status != LOCKTAB_PENDING)
			del = 1;
		break;
	}
	res->status = rec.status;
	res->ts = rec.ts;
	if (!do_it)
		return RC_OK;
	if (write)
		return locktab_record_put(lt, txn, anchor, alen, id, &rec, e);
	if (del) {
		res->status = 0;
		return locktab_record_del(lt, txn, anchor, alen, id, e);
	}
	return RC_OK;
}

/* ---- reads -------------------------------------------------------------- */

int txnops_get(struct mvcc *m, struct locktab *lt, const void *key,
	       size_t klen, uint64_t ts, const unsigned char id[TXNOPS_ID_LEN],
	       void **val, size_t *vlen, uint64_t *vts,
	       struct txnops_conflicts *c, struct err *e)
{
	struct locktab_intent it;
	int rc, found;

	rc = foreign_intent(lt, NULL, key, klen, id, &found, &it, e);
	if (rc != RC_OK)
		return rc;
	if (found && it.ts <= ts) {
		char kb[80], hx[33];

		idhex(it.txn, hx);
		rc = conflict_add(c, key, klen, &it, e);
		locktab_intent_release(&it);
		if (rc != RC_OK)
			return rc;
		return err_set(e, RC_CONFLICT, "key '%s' is locked by "
			       "transaction %s", show(key, klen, kb,
						      sizeof(kb)), hx);
	}
	if (found)
		locktab_intent_release(&it);
	return mvcc_get(m, NULL, key, klen, ts, val, vlen, vts, e);
}

int txnops_scan(struct mvcc *m, struct locktab *lt, const void *start,
		size_t slen, const void *end, size_t elen, uint64_t ts,
		const unsigned char id[TXNOPS_ID_LEN], size_t limit,
		struct mvcc_scan_result *res, struct txnops_conflicts *c,
		struct err *e)
{
	struct locktab_intents l;
	int rc;

	memset(&l, 0, sizeof(l));
	/* every intent of the span: a few thousand at most (they live
	 * only while transactions commit); a limit would let a conflicting
	 * one hide behind harmless ones */
	rc = locktab_intent_scan(lt, NULL, start, slen, end, elen, 0, &l, e);
	if (rc != RC_OK) {
		locktab_intents_release(&l);
		return rc;
	}
	for (size_t i = 0; i < l.n && rc == RC_OK; i++) {
		if (memcmp(l.items[i].it.txn, id, TXNOPS_ID_LEN) == 0 ||
		    l.items[i].it.ts > ts)
			continue;
		rc = conflict_add(c, l.items[i].key, l.items[i].klen,
				  &l.items[i].it, e);
	}
	locktab_intents_release(&l);
	if (rc != RC_OK)
		return rc;
	if (c->n > 0) {
		char kb[80], hx[33];

		idhex(c->items[0].txn, hx);
		return err_set(e, RC_CONFLICT, "key '%s' is locked by "
			       "transaction %s%s",
			       show(c->items[0].key, c->items[0].klen, kb,
				    sizeof(kb)), hx,
			       c->n > 1 ? " (and others)" : "");
	}
	return mvcc_scan(m, NULL, start, slen, end, elen, ts, limit, res, e);
}

static int refresh_in(struct mvcc *m, struct locktab *lt,
		      struct bdb_txn *txn, const struct txnops_span *s,
		      uint64_t from, uint64_t to, const unsigned char *id,
		      struct err *e)
{
	char kb[80], hx[33];
	uint64_t at = 0;
	int rc, changed = 0;

	if (s->point) {
		struct locktab_intent it;
		int found;

		rc = foreign_intent(lt, txn, s->start, s->slen, id, &found,
				    &it, e);
		if (rc != RC_OK)
			return rc;
		if (found) {
			uint64_t its = it.ts;

			idhex(it.txn, hx);
			locktab_intent_release(&it);
			if (its <= to)
				return err_set(e, RC_CONFLICT, "retry: key "
					       "'%s' read by this transaction "
					       "is locked by transaction %s",
					       show(s->start, s->slen, kb,
						    sizeof(kb)), hx);
		}
		rc = mvcc_changed_key(m, txn, s->start, s->slen, from, to,
				      &changed, &at, e);
		if (rc != RC_OK)
			return rc;
		if (changed)
			return err_set(e, RC_CONFLICT, "retry: key '%s' read "
				       "by this transaction was written at %"
				       PRIu64 " by another transaction",
				       show(s->start, s->slen, kb, sizeof(kb)),
				       at);
		return RC_OK;
	}
	{
		struct locktab_intents l;

		memset(&l, 0, sizeof(l));
		rc = locktab_intent_scan(lt, txn, s->start, s->slen, s->end,
					 s->elen, 0, &l, e);
		if (rc != RC_OK) {
			locktab_intents_release(&l);
			return rc;
		}
		for (size_t i = 0; i < l.n; i++) {
			if (memcmp(l.items[i].it.txn, id, TXNOPS_ID_LEN) == 0 ||
			    l.items[i].it.ts > to)
				continue;
			idhex(l.items[i].it.txn, hx);
			err_set(e, RC_CONFLICT, "retry: key '%s' in a span "
				"read by this transaction is locked by "
				"transaction %s", show(l.items[i].key,
						       l.items[i].klen, kb,
						       sizeof(kb)), hx);
			locktab_intents_release(&l);
			return RC_CONFLICT;
		}
		locktab_intents_release(&l);
	}
	{
		void *k = NULL;
		size_t kl = 0;

		rc = mvcc_changed(m, txn, s->start, s->slen, s->end, s->elen,
				  from, to, &changed, &k, &kl, &at, e);
		if (rc != RC_OK)
			return rc;
		if (changed) {
			err_set(e, RC_CONFLICT, "retry: key '%s' in a span read "
				"by this transaction was written at %" PRIu64
				" by another transaction", show(k, kl, kb,
								 sizeof(kb)),
				at);
			free(k);
			return RC_CONFLICT;
		}
		free(k);
	}
	return RC_OK;
}

int txnops_refresh(struct mvcc *m, struct locktab *lt,
		   const struct txnops_span *s, uint64_t from, uint64_t to,
		   const unsigned char id[TXNOPS_ID_LEN], struct err *e)
{
	return refresh_in(m, lt, NULL, s, from, to, id, e);
}
