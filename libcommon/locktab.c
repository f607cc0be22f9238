/*
 * locktab.c -- intents and transaction records of one range (see
 * locktab.h).
 *
 * On-disk format (changing it needs a migration):
 *
 *   intent key    = 'i' esc(user key)
 *   record key    = 'r' esc(anchor) 0x00 0x01 id[16]
 *   esc(k)        = k with every 0x00 replaced by 0x00 0xFF (as mvcc.c)
 *
 *   intent value  = 0x01 (format) flags(1: bit 0 tombstone) txn[16]
 *                   BE64(ts) BE32(alen) anchor[alen] value[rest]
 *   record value  = 0x01 (format) status(1) BE64(ts) BE64(hb)
 *                   BE32(timeout_ms) BE64(created)          (30 bytes)
 *
 * esc() keeps bytewise order and is injective (where two escaped keys first
 * differ, a 0x00 of one meets a nonzero byte of the other exactly where the
 * user keys differ the same way; a prefix stays a prefix), so intents are
 * in user-key order and the intents of [start, end) are the stored keys in
 * ['i' esc(start), 'i' esc(end)).  Records carry mvcc's prefix-free
 * terminator, so the records anchored in [start, end) are the stored keys in
 * ['r' esc(start) 00 01, 'r' esc(end) 00 01), and records of one anchor are
 * adjacent (ordered by id).
 *
 * Tested in t/unit/locktab_test.c.
 */
#include "locktab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mvcc.h"	/* MVCC_KEY_MAX, MVCC_VALUE_MAX */
#include "util.h"

#define LT_INTENT	'i'
#define LT_RECORD	'r'
#define LT_FORMAT	1
#define LT_FLAG_TOMB	0x01
#define LT_TRIES	5	/* attempts of an own transaction on deadlock */
#define LT_INTENT_HDR	(1 + 1 + LOCKTAB_ID_LEN + 8 + 4)
#define LT_RECORD_LEN	(1 + 1 + 8 + 8 + 4 + 8)
#define LT_STOP		(-1)	/* a walk callback's "enough" */

struct locktab {
	struct bdb *env;
	DB *db;
	char *name;
};

/* ---- encoding --------------------------------------------------------- */

static size_t lt_esc_len(const unsigned char *k, size_t klen)
{
	size_t i, n = klen;

	for (i = 0; i < klen; i++)
		n += k[i] == 0;
	return n;
}

static size_t lt_put_esc(unsigned char *dst, const unsigned char *k,
			 size_t klen)
{
	size_t i, n = 0;

	for (i = 0; i < klen; i++) {
		dst[n++] = k[i];
		if (k[i] == 0)
			dst[n++] = 0xFF;
	}
	return n;
}

/* Decode a well-formed esc() run into a malloc'd, NUL-terminated key. */
static void *lt_unescape(const unsigned char *p, size_t plen, size_t *klen)
{
	unsigned char *k = malloc(plen + 1);
	size_t i, n = 0;

	if (k == NULL)
		return NULL;
	for (i = 0; i < plen; i++) {
		k[n++] = p[i];
		if (p[i] == 0)
			i++;	/* skip the 0xFF */
	}
	k[n] = '\0';
	*klen = n;
	return k;
}





/*
 * A malloc'd stored key: kind, esc(k), then for records (id != NULL, or
 * term set for a record bound) the terminator and the id.
 */
static unsigned char *lt_key(int kind, const void *k, size_t klen, int term,
			     const unsigned char *id, size_t *len)
{
	size_t n = 1 + lt_esc_len(k, klen) + (term ? 2 : 0) +
		   (id != NULL ? LOCKTAB_ID_LEN : 0);
	unsigned char *b = malloc(n);
	size_t p;

	if (b == NULL)
		return NULL;
	b[0] = (unsigned char)kind;
	p = 1 + lt_put_esc(b + 1, k, klen);
	if (term) {
		b[p++] = 0x00;
		b[p++] = 0x01;
	}
	if (id != NULL) {
		memcpy(b + p, id, LOCKTAB_ID_LEN);
		p += LOCKTAB_ID_LEN;
	}
	*len = p;
	return b;
}

/*
 * Check a stored key.  On success *kind is LT_INTENT or LT_RECORD and the
 * escaped user key / anchor is s[1 .. 1 + *esclen).  -1 when malformed.
 */
static int lt_parse_key(const unsigned char *s, size_t n, int *kind,
			size_t *esclen)
{
	size_t i = 1, ulen = 0;

	if (n < 1 || (s[0] != LT_INTENT && s[0] != LT_RECORD))
		return -1;
	while (i < n) {
		if (s[i] != 0) {
			i++;
			ulen++;
			continue;
		}
		if (i + 1 >= n)
			return -1;
		if (s[i + 1] == 0xFF) {
			i += 2;
			ulen++;
			continue;
		}
		if (s[0] != LT_RECORD || s[i + 1] != 0x01 ||
		    n - (i + 2) != LOCKTAB_ID_LEN)
			return -1;
		if (ulen > MVCC_KEY_MAX)
			return -1;
		*kind = LT_RECORD;
		*esclen = i - 1;
		return 0;
	}
	if (s[0] != LT_INTENT || ulen > MVCC_KEY_MAX)
		return -1;
	*kind = LT_INTENT;
	*esclen = n - 1;
	return 0;
}

/*
 * Decode an intent value into out (NULL: only check it).  0 on success,
 * -1 when malformed, -2 when out of memory.
 */
static int lt_intent_decode(const unsigned char *v, size_t vl,
			    struct locktab_intent *out)
{
	size_t alen, dlen;
	uint64_t ts;
	void *a, *d;

	if (vl < LT_INTENT_HDR || v[0] != LT_FORMAT ||
	    (v[1] & ~LT_FLAG_TOMB) != 0)
		return -1;
	ts = util_get_be64(v + 2 + LOCKTAB_ID_LEN);
	alen = util_get_be32(v + 2 + LOCKTAB_ID_LEN + 8);
	if (ts == 0 || alen > MVCC_KEY_MAX || alen > vl - LT_INTENT_HDR)
		return -1;
	dlen = vl - LT_INTENT_HDR - alen;
	if (dlen > MVCC_VALUE_MAX || ((v[1] & LT_FLAG_TOMB) && dlen != 0))
		return -1;
	if (out == NULL)
		return 0;
	a = malloc(alen + 1);
	d = malloc(dlen + 1);
	if (a == NULL || d == NULL) {
		free(a);
		free(d);
		return -2;
	}
	memcpy(a, v + LT_INTENT_HDR, alen);
	((unsigned char *)a)[alen] = '\0';
	memcpy(d, v + LT_INTENT_HDR + alen, dlen);
	((unsigned char *)d)[dlen] = '\0';
	memcpy(out->txn, v + 2, LOCKTAB_ID_LEN);
	out->ts = ts;
	out->tombstone = (v[1] & LT_FLAG_TOMB) != 0;
	out->anchor = a;
	out->alen = alen;
	out->val = d;
	out->vlen = dlen;
	return 0;
}

/* Decode a record value into out (NULL: only check it); -1 if malformed. */
static int lt_record_decode(const unsigned char *v, size_t vl,
			    struct locktab_record *out)
{
	if (vl != LT_RECORD_LEN || v[0] != LT_FORMAT ||
	    v[1] < LOCKTAB_PENDING || v[1] > LOCKTAB_ABORTED)
		return -1;
	if (out != NULL) {
		out->status = v[1];
		out->ts = util_get_be64(v + 2);
		out->hb = util_get_be64(v + 10);
		out->timeout_ms = util_get_be32(v + 18);
		out->created = util_get_be64(v + 22);
	}
	return 0;
}

/* Check a whole stored entry; -1 when malformed. */
static int lt_check_entry(const unsigned char *k, size_t kl,
			  const unsigned char *v, size_t vl)
{
	int kind;
	size_t esclen;

	if (lt_parse_key(k, kl, &kind, &esclen) != 0)
		return -1;
	if (kind == LT_INTENT)
		return lt_intent_decode(v, vl, NULL);
	return lt_record_decode(v, vl, NULL);
}

/* Compare two byte strings bytewise (shorter first when one begins the
 * other). */
static int lt_cmp(const void *a, size_t alen, const void *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = n ? memcmp(a, b, n) : 0;

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* ---- errors and checks ------------------------------------------------ */

static int lt_dberr(struct locktab *t, struct err *e, int ret,
		    const char *verb)
{
	return bdb_err(e, ret, "cannot %s '%s' in '%s'", verb, t->name,
		       bdb_path(t->env));
}

static int lt_corrupt(struct locktab *t, struct err *e, const char *what)
{
	return err_set(e, RC_CORRUPT, "corrupt record in '%s' in '%s': %s",
		       t->name, bdb_path(t->env), what);
}

static int lt_nomem(struct locktab *t, struct err *e)
{
	return err_set(e, RC_NOMEM, "out of memory accessing '%s' in '%s'",
		       t->name, bdb_path(t->env));
}

static int lt_check_key(struct locktab *t, const void *key, size_t klen,
			const char *what, struct err *e)
{
	if (t == NULL)
		return err_set(e, RC_BAD_INPUT, "no lock table");
	if (key == NULL && klen != 0)
		return err_set(e, RC_BAD_INPUT, "%s is NULL but its length "
			       "is %zu", what, klen);
	if (klen > MVCC_KEY_MAX)
		return err_set(e, RC_TOO_LARGE, "%s of %zu bytes is over the "
			       "limit of %u", what, klen, MVCC_KEY_MAX);
	return RC_OK;
}

static int lt_check_bounds(struct locktab *t, const void *start, size_t slen,
			   const void *end, size_t elen, struct err *e)
{
	int rc = lt_check_key(t, start, slen, "start key", e);

	if (rc != RC_OK)
		return rc;
	return lt_check_key(t, end, elen, "end key", e);
}

/* ---- open / close ----------------------------------------------------- */

int locktab_open(struct bdb *env, const char *name, struct locktab **out,
		 struct err *e)
{
	struct locktab *t;
	int rc;

	if (env == NULL || out == NULL)
		return err_set(e, RC_BAD_INPUT, "locktab_open: no environment");
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return err_set(e, RC_NOMEM, "cannot open table: out of memory");
	t->env = env;
	t->name = strdup(name != NULL ? name : "");
	if (t->name == NULL) {
		free(t);
		return err_set(e, RC_NOMEM, "cannot open table: out of memory");
	}
	rc = bdb_db_open(env, name, &t->db, e);
	if (rc != RC_OK) {
		free(t->name);
		free(t);
		return rc;
	}
	*out = t;
	return RC_OK;
}

int locktab_close(struct locktab *t, struct err *e)
{
	int rc;

	if (t == NULL)
		return RC_OK;
	rc = bdb_db_close(t->env, t->db, e);
	free(t->name);
	free(t);
	return rc;
}

/* ---- single entries --------------------------------------------------- */

static int lt_put(struct locktab *t, struct bdb_txn *txn,
		  unsigned char *kb, size_t kl, unsigned char *vb, size_t vl,
		  struct err *e)
{
	DBT k, v;
	int ret, tries = 0;

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = kb;
	k.size = (u_int32_t)kl;
	v.data = vb;
	v.size = (u_int32_t)vl;
	do {
		ret = t->db->put(t->db, bdb_txn_handle(txn), &k, &v, 0);
	} while (ret == DB_LOCK_DEADLOCK && txn == NULL && ++tries < LT_TRIES);
	if (ret != 0)
		return lt_dberr(t, e, ret, "write to");
	return RC_OK;
}

/* Read the value of stored key kb into *v (malloc'd; caller frees). */
static int lt_get(struct locktab *t, struct bdb_txn *txn,
		  unsigned char *kb, size_t kl, DBT *v, const char *what,
		  struct err *e)
{
	DBT k;
	int ret, tries = 0;

	memset(&k, 0, sizeof(k));
	k.data = kb;
	k.size = (u_int32_t)kl;
	do {
		memset(v, 0, sizeof(*v));
		v->flags = DB_DBT_MALLOC;
		ret = t->db->get(t->db, bdb_txn_handle(txn), &k, v, 0);
	} while (ret == DB_LOCK_DEADLOCK && txn == NULL && ++tries < LT_TRIES);
	if (ret == DB_NOTFOUND)
		return err_set(e, RC_NOT_FOUND, "%s not found", what);
	if (ret != 0)
		return lt_dberr(t, e, ret, "read from");
	return RC_OK;
}

static int lt_del(struct locktab *t, struct bdb_txn *txn,
		  unsigned char *kb, size_t kl, const char *what,
		  struct err *e)
{
	DBT k;
	int ret, tries = 0;

	memset(&k, 0, sizeof(k));
	k.data = kb;
	k.size = (u_int32_t)kl;
	do {
		ret = t->db->del(t->db, bdb_txn_handle(txn), &k, 0);
	} while (ret == DB_LOCK_DEADLOCK && txn == NULL && ++tries < LT_TRIES);
	if (ret == DB_NOTFOUND)
		return err_set(e, RC_NOT_FOUND, "%s not found", what);
	if (ret != 0)
		return lt_dberr(t, e, ret, "delete from");
	return RC_OK;
}

/* ---- intents ---------------------------------------------------------- */

void locktab_intent_release(struct locktab_intent *it)
{
	if (it == NULL)
		return;
	free(it->anchor);
	free(it->val);
	memset(it, 0, sizeof(*it));
}

int locktab_intent_put(struct locktab *t, struct bdb_txn *txn,
		       const void *key, size_t klen,
		       const struct locktab_intent *it, struct err *e)
{
	unsigned char *kb, *vb;
	size_t kl, vl, vlen;
	int rc;

	rc = lt_check_key(t, key, klen, "key", e);
	if (rc != RC_OK)
		return rc;
	if (it == NULL)
		return err_set(e, RC_BAD_INPUT, "no intent to write");
	rc = lt_check_key(t, it->anchor, it->alen, "anchor", e);
	if (rc != RC_OK)
		return rc;
	if (it->ts == 0)
		return err_set(e, RC_BAD_INPUT, "timestamp 0 is invalid");
	vlen = it->tombstone ? 0 : it->vlen;
	if (it->tombstone && it->vlen != 0)
		return err_set(e, RC_BAD_INPUT, "a delete intent has no value "
			       "(got %zu bytes)", it->vlen);
	if (it->val == NULL && vlen != 0)
		return err_set(e, RC_BAD_INPUT, "value is NULL but its length "
			       "is %zu", vlen);
	if (vlen > MVCC_VALUE_MAX)
		return err_set(e, RC_TOO_LARGE, "value of %zu bytes is over "
			       "the limit of %u", vlen, MVCC_VALUE_MAX);
	kb = lt_key(LT_INTENT, key, klen, 0, NULL, &kl);
	vl = LT_INTENT_HDR + it->alen + vlen;
	vb = malloc(vl);
	if (kb == NULL || vb == NULL) {
		free(kb);
		free(vb);
		return lt_nomem(t, e);
	}
	vb[0] = LT_FORMAT;
	vb[1] = it->tombstone ? LT_FLAG_TOMB : 0;
	memcpy(vb + 2, it->txn, LOCKTAB_ID_LEN);
	util_put_be64(vb + 2 + LOCKTAB_ID_LEN, it->ts);
	util_put_be32(vb + 2 + LOCKTAB_ID_LEN + 8, (uint32_t)it->alen);
	if (it->alen != 0)
		memcpy(vb + LT_INTENT_HDR, it->anchor, it->alen);
	if (vlen != 0)
		memcpy(vb + LT_INTENT_HDR + it->alen, it->val, vlen);
	rc = lt_put(t, txn, kb, kl, vb, vl, e);
	free(kb);
	free(vb);
	return rc;
}

int locktab_intent_get(struct locktab *t, struct bdb_txn *txn,
		       const void *key, size_t klen,
		       struct locktab_intent *out, struct err *e)
{
	unsigned char *kb;
	size_t kl;
	DBT v;
	int rc, d;

	if (out == NULL)
		return err_set(e, RC_BAD_INPUT, "no intent to read into");
	memset(out, 0, sizeof(*out));
	rc = lt_check_key(t, key, klen, "key", e);
	if (rc != RC_OK)
		return rc;
	kb = lt_key(LT_INTENT, key, klen, 0, NULL, &kl);
	if (kb == NULL)
		return lt_nomem(t, e);
	rc = lt_get(t, txn, kb, kl, &v, "intent", e);
	free(kb);
	if (rc != RC_OK)
		return rc;
	d = lt_intent_decode(v.data, v.size, out);
	free(v.data);
	if (d == -2)
		return lt_nomem(t, e);
	if (d != 0)
		return lt_corrupt(t, e, "bad intent encoding");
	return RC_OK;
}

int locktab_intent_del(struct locktab *t, struct bdb_txn *txn,
		       const void *key, size_t klen, struct err *e)
{
	unsigned char *kb;
	size_t kl;
	int rc;

	rc = lt_check_key(t, key, klen, "key", e);
	if (rc != RC_OK)
		return rc;
	kb = lt_key(LT_INTENT, key, klen, 0, NULL, &kl);
	if (kb == NULL)
		return lt_nomem(t, e);
	rc = lt_del(t, txn, kb, kl, "intent", e);
	free(kb);
	return rc;
}

/* ---- records ---------------------------------------------------------- */

static int lt_record_key(struct locktab *t, const void *anchor, size_t alen,
			 const unsigned char *id, unsigned char **kb,
			 size_t *kl, struct err *e)
{
	int rc = lt_check_key(t, anchor, alen, "anchor", e);

	if (rc != RC_OK)
		return rc;
	if (id == NULL)
		return err_set(e, RC_BAD_INPUT, "no transaction id");
	*kb = lt_key(LT_RECORD, anchor, alen, 1, id, kl);
	if (*kb == NULL)
		return lt_nomem(t, e);
	return RC_OK;
}

int locktab_record_put(struct locktab *t, struct bdb_txn *txn,
		       const void *anchor, size_t alen,
		       const unsigned char id[LOCKTAB_ID_LEN],
		       const struct locktab_record *r, struct err *e)
{
	unsigned char *kb, vb[LT_RECORD_LEN];
	size_t kl;
	int rc;

	if (r == NULL)
		return err_set(e, RC_BAD_INPUT, "no record to write");
	if (r->status < LOCKTAB_PENDING || r->status > LOCKTAB_ABORTED)
		return err_set(e, RC_BAD_INPUT, "bad record status %d",
			       r->status);
	rc = lt_record_key(t, anchor, alen, id, &kb, &kl, e);
	if (rc != RC_OK)
		return rc;
	vb[0] = LT_FORMAT;
	vb[1] = (unsigned char)r->status;
	util_put_be64(vb + 2, r->ts);
	util_put_be64(vb + 10, r->hb);
	util_put_be32(vb + 18, r->timeout_ms);
	util_put_be64(vb + 22, r->created);
	rc = lt_put(t, txn, kb, kl, vb, sizeof(vb), e);
	free(kb);
	return rc;
}

int locktab_record_get(struct locktab *t, struct bdb_txn *txn,
		       const void *anchor, size_t alen,
		       const unsigned char id[LOCKTAB_ID_LEN],
		       struct locktab_record *out, struct err *e)
{
	unsigned char *kb;
	size_t kl;
	DBT v;
	int rc;

	if (out == NULL)
		return err_set(e, RC_BAD_INPUT, "no record to read into");
	memset(out, 0, sizeof(*out));
	rc = lt_record_key(t, anchor, alen, id, &kb, &kl, e);
	if (rc != RC_OK)
		return rc;
	rc = lt_get(t, txn, kb, kl, &v, "transaction record", e);
	free(kb);
	if (rc != RC_OK)
		return rc;
	if (lt_record_decode(v.data, v.size, out) != 0) {
		memset(out, 0, sizeof(*out));
		rc = lt_corrupt(t, e, "bad transaction record encoding");
	}
	free(v.data);
	return rc;
}

int locktab_record_del(struct locktab *t, struct bdb_txn *txn,
		       const void *anchor, size_t alen,
		       const unsigned char id[LOCKTAB_ID_LEN], struct err *e)
{
	unsigned char *kb;
	size_t kl;
	int rc;

	rc = lt_record_key(t, anchor, alen, id, &kb, &kl, e);
	if (rc != RC_OK)
		return rc;
	rc = lt_del(t, txn, kb, kl, "transaction record", e);
	free(kb);
	return rc;
}

/* ---- walks ------------------------------------------------------------ */

/*
 * A visitor of stored entries: returns RC_OK to go on, LT_STOP to end the
 * walk, or an rc (with e filled).  c is the cursor, positioned on the
 * entry (a visitor may delete it).
 */
typedef int (*lt_visit_fn)(struct locktab *t, DBC *c, const DBT *k,
			   const DBT *v, void *arg, struct err *e);

/* Stored-key bounds [lo, hi) of one kind for user keys in [start, end). */
struct lt_bounds {
	unsigned char *lo, *hi;
	size_t lolen, hilen;
};

static void lt_bounds_free(struct lt_bounds *b)
{
	free(b->lo);
	free(b->hi);
	memset(b, 0, sizeof(*b));
}

static int lt_bounds_make(struct locktab *t, int kind, const void *start,
			  size_t slen, const void *end, size_t elen,
			  struct lt_bounds *b, struct err *e)
{
	int term = kind == LT_RECORD;

	memset(b, 0, sizeof(*b));
	b->lo = lt_key(kind, start, slen, term, NULL, &b->lolen);
	if (elen != 0) {
		b->hi = lt_key(kind, end, elen, term, NULL, &b->hilen);
	} else {
		/* Past every key of this kind. */
		b->hi = malloc(1);
		if (b->hi != NULL)
			b->hi[0] = (unsigned char)(kind + 1);
		b->hilen = 1;
	}
	if (b->lo == NULL || b->hi == NULL) {
		lt_bounds_free(b);
		return lt_nomem(t, e);
	}
	return RC_OK;
}

/*
 * Visit the entries with stored keys in [b->lo, b->hi) (lo empty: from the
 * first; hi NULL: to the last) inside DB transaction dt (NULL: a cursor of its own, reading committed data).
 * keys_only reads no value bytes.  Returns RC_CONFLICT without a message
 * when the walk lost a deadlock (the caller retries or reports).
 */
static int lt_walk(struct locktab *t, DB_TXN *dt, const struct lt_bounds *b,
		   int keys_only, lt_visit_fn fn, void *arg, struct err *e)
{
	DBC *c = NULL;
	DBT k, v;
	int ret, rc = RC_OK;

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.flags = DB_DBT_REALLOC;
	v.flags = DB_DBT_REALLOC;
	if (keys_only) {
		v.flags |= DB_DBT_PARTIAL;
		v.dlen = 0;
	}
	ret = t->db->cursor(t->db, dt, &c, 0);
	if (ret != 0) {
		c = NULL;
		goto dberr;
	}
	if (b->lolen == 0) {
		ret = c->get(c, &k, &v, DB_FIRST);
	} else {
		k.data = malloc(b->lolen);
		if (k.data == NULL) {
			rc = lt_nomem(t, e);
			goto out;
		}
		memcpy(k.data, b->lo, b->lolen);
		k.size = (u_int32_t)b->lolen;
		ret = c->get(c, &k, &v, DB_SET_RANGE);
	}
	while (ret == 0) {
		if (b->hi != NULL &&
		    lt_cmp(k.data, k.size, b->hi, b->hilen) >= 0)
			break;
		rc = fn(t, c, &k, &v, arg, e);
		if (rc == LT_STOP) {
			rc = RC_OK;
			break;
		}
		if (rc != RC_OK)
			goto out;
		ret = c->get(c, &k, &v, DB_NEXT);
	}
	if (ret == 0 || ret == DB_NOTFOUND)
		goto out;
dberr:
	rc = ret == DB_LOCK_DEADLOCK ? RC_CONFLICT
		: lt_dberr(t, e, ret, "walk");
out:
	if (c != NULL) {
		ret = c->close(c);
		if (ret != 0 && rc == RC_OK)
			rc = ret == DB_LOCK_DEADLOCK ? RC_CONFLICT
				: lt_dberr(t, e, ret, "walk");
	}
	free(k.data);
	free(v.data);
	return rc;
}

/* ---- intent scans ----------------------------------------------------- */

void locktab_intents_release(struct locktab_intents *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->items[i].key);
		locktab_intent_release(&l->items[i].it);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}

struct lt_scan_arg {
	struct locktab_intents *out;
	size_t cap, limit;
};

static int lt_scan_visit(struct locktab *t, DBC *c, const DBT *k,
			 const DBT *v, void *arg, struct err *e)
{
	struct lt_scan_arg *a = arg;
	struct locktab_intents *l = a->out;
	struct locktab_intent_kv *kv;
	size_t esclen;
	int kind, d;

	(void)c;
	if (lt_parse_key(k->data, k->size, &kind, &esclen) != 0 ||
	    kind != LT_INTENT)
		return lt_corrupt(t, e, "bad intent key encoding");
	if (a->limit != 0 && l->n == a->limit) {
		l->more = 1;
		return LT_STOP;
	}
	if (l->n == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 16;
		struct locktab_intent_kv *p = realloc(l->items,
						      ncap * sizeof(*p));

		if (p == NULL)
			return lt_nomem(t, e);
		l->items = p;
		a->cap = ncap;
	}
	kv = &l->items[l->n];
	memset(kv, 0, sizeof(*kv));
	d = lt_intent_decode(v->data, v->size, &kv->it);
	if (d == -2)
		return lt_nomem(t, e);
	if (d != 0)
		return lt_corrupt(t, e, "bad intent encoding");
	kv->key = lt_unescape((const unsigned char *)k->data + 1, esclen,
			      &kv->klen);
	if (kv->key == NULL) {
		locktab_intent_release(&kv->it);
		return lt_nomem(t, e);
	}
	l->n++;
	return RC_OK;
}

int locktab_intent_scan(struct locktab *t, struct bdb_txn *txn,
			const void *start, size_t slen, const void *end,
			size_t elen, size_t limit,
			struct locktab_intents *out, struct err *e)
{
	struct lt_bounds b;
	struct lt_scan_arg a;
	int rc, tries = 0;

	if (out == NULL)
		return err_set(e, RC_BAD_INPUT, "locktab_intent_scan: no "
			       "result");
	memset(out, 0, sizeof(*out));
	rc = lt_check_bounds(t, start, slen, end, elen, e);
	if (rc != RC_OK)
		return rc;
	rc = lt_bounds_make(t, LT_INTENT, start, slen, end, elen, &b, e);
	if (rc != RC_OK)
		return rc;
	for (;;) {
		memset(&a, 0, sizeof(a));
		a.out = out;
		a.limit = limit;
		rc = lt_walk(t, bdb_txn_handle(txn), &b, 0, lt_scan_visit, &a,
			     e);
		if (rc != RC_CONFLICT)
			break;
		locktab_intents_release(out);
		if (txn != NULL || ++tries >= LT_TRIES) {
			rc = lt_dberr(t, e, DB_LOCK_DEADLOCK, "scan");
			break;
		}
	}
	lt_bounds_free(&b);
	return rc;
}

/* ---- export / import / clear / count ---------------------------------- */

void locktab_raw_free(struct locktab_raw *items, size_t n)
{
	size_t i;

	if (items == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(items[i].k);
		free(items[i].v);
	}
	free(items);
}

struct lt_export_arg {
	struct locktab_raw *items;
	size_t n, cap;
};

static void *lt_dup(const void *p, size_t n)
{
	void *q = malloc(n ? n : 1);

	if (q != NULL && n != 0)
		memcpy(q, p, n);
	return q;
}

static int lt_export_visit(struct locktab *t, DBC *c, const DBT *k,
			   const DBT *v, void *arg, struct err *e)
{
	struct lt_export_arg *a = arg;
	struct locktab_raw *r;

	(void)c;
	if (lt_check_entry(k->data, k->size, v->data, v->size) != 0)
		return lt_corrupt(t, e, "bad entry encoding");
	if (a->n == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 16;
		struct locktab_raw *p = realloc(a->items, ncap * sizeof(*p));

		if (p == NULL)
			return lt_nomem(t, e);
		a->items = p;
		a->cap = ncap;
	}
	r = &a->items[a->n];
	r->k = lt_dup(k->data, k->size);
	r->v = lt_dup(v->data, v->size);
	if (r->k == NULL || r->v == NULL) {
		free(r->k);
		free(r->v);
		return lt_nomem(t, e);
	}
	r->kl = k->size;
	r->vl = v->size;
	a->n++;
	return RC_OK;
}

/* Walk both kinds' entries of [start, end) with fn, in DB transaction dt. */
static int lt_walk_both(struct locktab *t, DB_TXN *dt, const void *start,
			size_t slen, const void *end, size_t elen,
			int keys_only, lt_visit_fn fn, void *arg,
			struct err *e)
{
	static const int kinds[2] = { LT_INTENT, LT_RECORD };
	struct lt_bounds b;
	int i, rc = RC_OK;

	for (i = 0; i < 2 && rc == RC_OK; i++) {
		rc = lt_bounds_make(t, kinds[i], start, slen, end, elen, &b,
				    e);
		if (rc != RC_OK)
			break;
		rc = lt_walk(t, dt, &b, keys_only, fn, arg, e);
		lt_bounds_free(&b);
	}
	return rc;
}

int locktab_export(struct locktab *t, struct bdb_txn *txn,
		   const void *start, size_t slen, const void *end,
		   size_t elen, struct locktab_raw **items, size_t *n,
		   struct err *e)
{
	struct lt_export_arg a;
	int rc, tries = 0;

	if (items == NULL || n == NULL)
		return err_set(e, RC_BAD_INPUT, "locktab_export: no result");
	*items = NULL;
	*n = 0;
	rc = lt_check_bounds(t, start, slen, end, elen, e);
	if (rc != RC_OK)
		return rc;
	for (;;) {
		memset(&a, 0, sizeof(a));
		rc = lt_walk_both(t, bdb_txn_handle(txn), start, slen, end,
				  elen, 0, lt_export_visit, &a, e);
		if (rc == RC_OK)
			break;
		locktab_raw_free(a.items, a.n);
		if (rc != RC_CONFLICT)
			return rc;
		if (txn != NULL || ++tries >= LT_TRIES)
			return lt_dberr(t, e, DB_LOCK_DEADLOCK, "export from");
	}
	if (a.n == 0) {
		free(a.items);
		a.items = NULL;
	}
	*items = a.items;
	*n = a.n;
	return RC_OK;
}

/*
 * Run op(t, dt, arg, e) in txn, or (txn NULL) in a transaction of our own,
 * committed at the end and retried a few times when it loses a deadlock.
 * op returns RC_CONFLICT without a message on deadlock.
 */
typedef int (*lt_txn_fn)(struct locktab *t, DB_TXN *dt, void *arg,
			 struct err *e);

static int lt_in_txn(struct locktab *t, struct bdb_txn *txn, lt_txn_fn op,
		     void *arg, const char *verb, struct err *e)
{
	struct bdb_txn *own;
	int rc, tries = 0;

	if (txn != NULL) {
		rc = op(t, bdb_txn_handle(txn), arg, e);
		if (rc == RC_CONFLICT)
			rc = lt_dberr(t, e, DB_LOCK_DEADLOCK, verb);
		return rc;
	}
	for (;;) {
		rc = bdb_txn_begin(t->env, 0, &own, e);
		if (rc != RC_OK)
			return rc;
		rc = op(t, bdb_txn_handle(own), arg, e);
		if (rc == RC_OK)
			return bdb_txn_commit(own, e);
		bdb_txn_abort(own, NULL);
		if (rc != RC_CONFLICT)
			return rc;
		if (++tries >= LT_TRIES)
			return lt_dberr(t, e, DB_LOCK_DEADLOCK, verb);
	}
}

struct lt_import_arg {
	const struct locktab_raw *items;
	size_t n;
};

static int lt_import_op(struct locktab *t, DB_TXN *dt, void *arg,
			struct err *e)
{
	struct lt_import_arg *a = arg;
	size_t i;
	DBT k, v;
	int ret;

	for (i = 0; i < a->n; i++) {
		memset(&k, 0, sizeof(k));
		memset(&v, 0, sizeof(v));
		k.data = a->items[i].k;
		k.size = (u_int32_t)a->items[i].kl;
		v.data = a->items[i].v;
		v.size = (u_int32_t)a->items[i].vl;
		ret = t->db->put(t->db, dt, &k, &v, 0);
		if (ret == DB_LOCK_DEADLOCK)
			return RC_CONFLICT;
		if (ret != 0)
			return lt_dberr(t, e, ret, "import into");
	}
	return RC_OK;
}

int locktab_import(struct locktab *t, struct bdb_txn *txn,
		   const struct locktab_raw *items, size_t n, struct err *e)
{
	struct lt_import_arg a;
	size_t i;

	if (t == NULL)
		return err_set(e, RC_BAD_INPUT, "no lock table");
	if (items == NULL && n != 0)
		return err_set(e, RC_BAD_INPUT, "no entries to import");
	for (i = 0; i < n; i++) {
		const struct locktab_raw *r = &items[i];

		if (r->k == NULL || r->v == NULL || r->kl > UINT32_MAX ||
		    r->vl > UINT32_MAX ||
		    lt_check_entry(r->k, r->kl, r->v, r->vl) != 0)
			return err_set(e, RC_CORRUPT, "cannot import into '%s' "
				       "in '%s': entry %zu of %zu is "
				       "malformed", t->name,
				       bdb_path(t->env), i + 1, n);
	}
	if (n == 0)
		return RC_OK;
	a.items = items;
	a.n = n;
	return lt_in_txn(t, txn, lt_import_op, &a, "import into", e);
}

struct lt_clear_arg {
	const void *start, *end;
	size_t slen, elen;
	uint64_t count;
};

static int lt_clear_visit(struct locktab *t, DBC *c, const DBT *k,
			  const DBT *v, void *arg, struct err *e)
{
	struct lt_clear_arg *a = arg;
	int ret;

	(void)k;
	(void)v;
	ret = c->del(c, 0);
	if (ret == DB_LOCK_DEADLOCK)
		return RC_CONFLICT;
	if (ret != 0)
		return lt_dberr(t, e, ret, "clear a span of");
	a->count++;
	return RC_OK;
}

static int lt_clear_op(struct locktab *t, DB_TXN *dt, void *arg,
		       struct err *e)
{
	struct lt_clear_arg *a = arg;

	a->count = 0;
	return lt_walk_both(t, dt, a->start, a->slen, a->end, a->elen, 1,
			    lt_clear_visit, a, e);
}

int locktab_clear(struct locktab *t, struct bdb_txn *txn, const void *start,
		  size_t slen, const void *end, size_t elen,
		  uint64_t *removed, struct err *e)
{
	struct lt_clear_arg a;
	int rc;

	if (removed != NULL)
		*removed = 0;
	rc = lt_check_bounds(t, start, slen, end, elen, e);
	if (rc != RC_OK)
		return rc;
	memset(&a, 0, sizeof(a));
	a.start = start;
	a.slen = slen;
	a.end = end;
	a.elen = elen;
	rc = lt_in_txn(t, txn, lt_clear_op, &a, "clear a span of", e);
	if (rc == RC_OK && removed != NULL)
		*removed = a.count;
	return rc;
}

struct lt_count_arg {
	uint64_t intents, records;
};

static int lt_count_visit(struct locktab *t, DBC *c, const DBT *k,
			  const DBT *v, void *arg, struct err *e)
{
	struct lt_count_arg *a = arg;
	const unsigned char *kd = k->data;

	(void)c;
	(void)v;
	if (k->size >= 1 && kd[0] == LT_INTENT)
		a->intents++;
	else if (k->size >= 1 && kd[0] == LT_RECORD)
		a->records++;
	else
		return lt_corrupt(t, e, "unknown entry kind");
	return RC_OK;
}

int locktab_count(struct locktab *t, uint64_t *intents, uint64_t *records,
		  struct err *e)
{
	struct lt_count_arg a;
	struct lt_bounds b;
	int rc, tries = 0;

	if (intents != NULL)
		*intents = 0;
	if (records != NULL)
		*records = 0;
	if (t == NULL)
		return err_set(e, RC_BAD_INPUT, "no lock table");
	/* The whole table (an unknown kind byte anywhere is corrupt). */
	memset(&b, 0, sizeof(b));
	for (;;) {
		memset(&a, 0, sizeof(a));
		rc = lt_walk(t, NULL, &b, 1, lt_count_visit, &a, e);
		if (rc != RC_CONFLICT)
			break;
		if (++tries >= LT_TRIES)
			return lt_dberr(t, e, DB_LOCK_DEADLOCK, "count");
	}
	if (rc != RC_OK)
		return rc;
	if (intents != NULL)
		*intents = a.intents;
	if (records != NULL)
		*records = a.records;
	return RC_OK;
}
