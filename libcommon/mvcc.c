/*
 * mvcc.c -- multi-version key/value tables on Berkeley DB (see mvcc.h).
 *
 * On-disk format (changing it needs a migration):
 *
 *   stored key   = esc(user key) 0x00 0x01 BE64(~ts)
 *   esc(k)       = k with every 0x00 replaced by 0x00 0xFF
 *   stored value = kind byte (MVCC_KIND_*) followed by the value bytes
 *
 * esc(k) 0x00 0x01 (the "prefix") is prefix-free and compares bytewise like
 * k does: where two keys first differ, either both bytes are plain (same
 * order), or a 0x00 of one (followed by 0xFF or the terminator's 0x01) meets
 * a nonzero byte of the other (0x00 is smaller either way), or the shorter
 * key's terminator 0x00 0x01 meets the longer key's 0x00 0xFF or nonzero
 * byte (terminator smaller: a prefix sorts first).  So all versions of one
 * key are adjacent, and ~ts puts them newest first.  Two seek targets
 * follow: prefix BE64(~ts) is the first version at or below ts, and
 * esc(k) 0x00 0x02 is just past every version of k.
 *
 * Tested in t/unit/mvcc_test.c.
 */
#include "mvcc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum mvcc_kind {
	MVCC_KIND_VALUE = 1,
	MVCC_KIND_TOMBSTONE = 2,
	MVCC_KIND_INTENT = 3	/* reserved: a write intent (issue 6) */
};

#define MVCC_TS_LEN	8
#define MVCC_TRIES	5	/* attempts of an own transaction on deadlock */
#define MVCC_NEXT_STEPS	4	/* DB_NEXT steps before seeking past a key */

struct mvcc {
	struct bdb *env;
	DB *db;
	char *name;
};

/* ---- encoding --------------------------------------------------------- */

static size_t mvcc_prefix_len(const unsigned char *k, size_t klen)
{
	size_t i, n = klen + 2;

	for (i = 0; i < klen; i++)
		n += k[i] == 0;
	return n;
}

/* Write esc(k) 0x00 0x01 to dst; return its length. */
static size_t mvcc_put_prefix(unsigned char *dst, const unsigned char *k,
			      size_t klen)
{
	size_t i, n = 0;

	for (i = 0; i < klen; i++) {
		dst[n++] = k[i];
		if (k[i] == 0)
			dst[n++] = 0xFF;
	}
	dst[n++] = 0x00;
	dst[n++] = 0x01;
	return n;
}

static void mvcc_put_ts(unsigned char *dst, uint64_t ts)
{
	uint64_t v = ~ts;
	int i;

	for (i = MVCC_TS_LEN - 1; i >= 0; i--) {
		dst[i] = (unsigned char)(v & 0xFF);
		v >>= 8;
	}
}

static uint64_t mvcc_get_ts(const unsigned char *src)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < MVCC_TS_LEN; i++)
		v = (v << 8) | src[i];
	return ~v;
}

/*
 * Split a stored key into prefix length and timestamp; -1 if malformed
 * (no terminator, a 0x00 followed by anything else, or no 8 ts bytes).
 */
static int mvcc_parse(const unsigned char *s, size_t n, size_t *plen,
		      uint64_t *ts)
{
	size_t i = 0;

	while (i < n) {
		if (s[i] != 0) {
			i++;
			continue;
		}
		if (i + 1 >= n)
			return -1;
		if (s[i + 1] == 0xFF) {
			i += 2;
			continue;
		}
		if (s[i + 1] != 0x01)
			return -1;
		if (n - (i + 2) != MVCC_TS_LEN)
			return -1;
		*plen = i + 2;
		*ts = mvcc_get_ts(s + i + 2);
		return *ts == 0 ? -1 : 0;
	}
	return -1;
}

/* Decode a (well-formed) prefix into a malloc'd, NUL-terminated user key. */
static void *mvcc_unescape(const unsigned char *p, size_t plen, size_t *klen)
{
	unsigned char *k = malloc(plen);	/* plen >= klen + 2 */
	size_t i, n = 0;

	if (k == NULL)
		return NULL;
	for (i = 0; i + 2 < plen; i++) {
		k[n++] = p[i];
		if (p[i] == 0)
			i++;	/* skip the 0xFF */
	}
	k[n] = '\0';
	*klen = n;
	return k;
}

/* Compare two prefixes bytewise (shorter first when one begins the other). */
static int mvcc_cmp(const unsigned char *a, size_t alen,
		    const unsigned char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = n ? memcmp(a, b, n) : 0;

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* Make d hold n bytes copied from p (d is a DB_DBT_REALLOC key). */
static int mvcc_dbt_load(DBT *d, const void *p, size_t n)
{
	void *q = realloc(d->data, n ? n : 1);

	if (q == NULL)
		return -1;
	memcpy(q, p, n);
	d->data = q;
	d->size = (u_int32_t)n;
	return 0;
}

/* ---- errors and checks ------------------------------------------------ */

static int mvcc_dberr(struct mvcc *m, struct err *e, int ret,
		      const char *verb)
{
	return bdb_err(e, ret, "cannot %s '%s' in '%s'", verb, m->name,
		       bdb_path(m->env));
}

static int mvcc_corrupt(struct mvcc *m, struct err *e, const char *what)
{
	return err_set(e, RC_CORRUPT, "corrupt record in '%s' in '%s': %s",
		       m->name, bdb_path(m->env), what);
}

static int mvcc_nomem(struct mvcc *m, struct err *e)
{
	return err_set(e, RC_NOMEM, "out of memory accessing '%s' in '%s'",
		       m->name, bdb_path(m->env));
}

static int mvcc_check(struct mvcc *m, const void *key, size_t klen,
		      uint64_t ts, struct err *e)
{
	if (m == NULL)
		return err_set(e, RC_BAD_INPUT, "no mvcc table");
	if (key == NULL && klen != 0)
		return err_set(e, RC_BAD_INPUT, "key is NULL but its length "
			       "is %zu", klen);
	if (klen > MVCC_KEY_MAX)
		return err_set(e, RC_TOO_LARGE, "key of %zu bytes is over the "
			       "limit of %u", klen, MVCC_KEY_MAX);
	if (ts == 0)
		return err_set(e, RC_BAD_INPUT, "timestamp 0 is invalid");
	return RC_OK;
}

/* ---- open / close ----------------------------------------------------- */

int mvcc_open(struct bdb *env, const char *name, struct mvcc **out,
	      struct err *e)
{
	struct mvcc *m;
	int rc;

	if (env == NULL || out == NULL)
		return err_set(e, RC_BAD_INPUT, "mvcc_open: no environment");
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return err_set(e, RC_NOMEM, "cannot open table: out of memory");
	m->env = env;
	m->name = strdup(name != NULL ? name : "");
	if (m->name == NULL) {
		free(m);
		return err_set(e, RC_NOMEM, "cannot open table: out of memory");
	}
	rc = bdb_db_open(env, name, &m->db, e);
	if (rc != RC_OK) {
		free(m->name);
		free(m);
		return rc;
	}
	*out = m;
	return RC_OK;
}

int mvcc_close(struct mvcc *m, struct err *e)
{
	int rc;

	if (m == NULL)
		return RC_OK;
	rc = bdb_db_close(m->env, m->db, e);
	free(m->name);
	free(m);
	return rc;
}

const char *mvcc_name(const struct mvcc *m)
{
	return m->name;
}

/* ---- writes ----------------------------------------------------------- */

static int mvcc_write(struct mvcc *m, struct bdb_txn *txn, const void *key,
		      size_t klen, uint64_t ts, enum mvcc_kind kind,
		      const void *val, size_t vlen, struct err *e)
{
	unsigned char *kb, *vb;
	size_t plen;
	DBT k, v;
	int ret, tries = 0;

	plen = mvcc_prefix_len(key, klen);
	kb = malloc(plen + MVCC_TS_LEN);
	vb = malloc(vlen + 1);
	if (kb == NULL || vb == NULL) {
		free(kb);
		free(vb);
		return mvcc_nomem(m, e);
	}
	mvcc_put_prefix(kb, key, klen);
	mvcc_put_ts(kb + plen, ts);
	vb[0] = (unsigned char)kind;
	if (vlen != 0)
		memcpy(vb + 1, val, vlen);
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = kb;
	k.size = (u_int32_t)(plen + MVCC_TS_LEN);
	v.data = vb;
	v.size = (u_int32_t)(vlen + 1);
	do {
		ret = m->db->put(m->db, bdb_txn_handle(txn), &k, &v, 0);
	} while (ret == DB_LOCK_DEADLOCK && txn == NULL &&
		 ++tries < MVCC_TRIES);
	free(kb);
	free(vb);
	if (ret != 0)
		return mvcc_dberr(m, e, ret, "write to");
	return RC_OK;
}

int mvcc_put(struct mvcc *m, struct bdb_txn *txn, const void *key,
	     size_t klen, uint64_t ts, const void *val, size_t vlen,
	     struct err *e)
{
	int rc = mvcc_check(m, key, klen, ts, e);

	if (rc != RC_OK)
		return rc;
	if (val == NULL && vlen != 0)
		return err_set(e, RC_BAD_INPUT, "value is NULL but its length "
			       "is %zu", vlen);
	if (vlen > MVCC_VALUE_MAX)
		return err_set(e, RC_TOO_LARGE, "value of %zu bytes is over "
			       "the limit of %u", vlen, MVCC_VALUE_MAX);
	return mvcc_write(m, txn, key, klen, ts, MVCC_KIND_VALUE, val, vlen,
			  e);
}

int mvcc_delete(struct mvcc *m, struct bdb_txn *txn, const void *key,
		size_t klen, uint64_t ts, struct err *e)
{
	int rc = mvcc_check(m, key, klen, ts, e);

	if (rc != RC_OK)
		return rc;
	return mvcc_write(m, txn, key, klen, ts, MVCC_KIND_TOMBSTONE, NULL, 0,
			  e);
}

/* ---- point reads ------------------------------------------------------ */

/* One attempt of mvcc_get; returns a Berkeley DB code or -1 for corrupt. */
static int mvcc_get_once(struct mvcc *m, DB_TXN *t, const unsigned char *seek,
			 size_t plen, DBT *k, DBT *v)
{
	DBC *c;
	int ret, ret2;

	ret = m->db->cursor(m->db, t, &c, 0);
	if (ret != 0)
		return ret;
	if (mvcc_dbt_load(k, seek, plen + MVCC_TS_LEN) != 0) {
		c->close(c);
		return ENOMEM;
	}
	ret = c->get(c, k, v, DB_SET_RANGE);
	ret2 = c->close(c);
	return ret != 0 ? ret : ret2;
}

int mvcc_get(struct mvcc *m, struct bdb_txn *txn, const void *key,
	     size_t klen, uint64_t ts, void **val, size_t *vlen,
	     uint64_t *found_ts, struct err *e)
{
	unsigned char *seek;
	size_t plen, fplen;
	uint64_t fts;
	DBT k, v;
	int ret, rc, tries = 0;
	unsigned char *vd;

	if (found_ts != NULL)
		*found_ts = 0;
	rc = mvcc_check(m, key, klen, ts, e);
	if (rc != RC_OK)
		return rc;
	plen = mvcc_prefix_len(key, klen);
	seek = malloc(plen + MVCC_TS_LEN);
	if (seek == NULL)
		return mvcc_nomem(m, e);
	mvcc_put_prefix(seek, key, klen);
	mvcc_put_ts(seek + plen, ts);

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.flags = DB_DBT_REALLOC;
	v.flags = DB_DBT_REALLOC;
	do {
		ret = mvcc_get_once(m, bdb_txn_handle(txn), seek, plen, &k, &v);
	} while (ret == DB_LOCK_DEADLOCK && txn == NULL &&
		 ++tries < MVCC_TRIES);

	if (ret == DB_NOTFOUND) {
		rc = err_set(e, RC_NOT_FOUND, "key not found");
		goto out;
	}
	if (ret != 0) {
		rc = mvcc_dberr(m, e, ret, "read from");
		goto out;
	}
	if (mvcc_parse(k.data, k.size, &fplen, &fts) != 0) {
		rc = mvcc_corrupt(m, e, "bad key encoding");
		goto out;
	}
	if (fplen != plen || memcmp(k.data, seek, plen) != 0) {
		/* The next key: nothing at or below ts for ours. */
		rc = err_set(e, RC_NOT_FOUND, "key not found");
		goto out;
	}
	vd = v.data;
	if (v.size < 1) {
		rc = mvcc_corrupt(m, e, "empty value record");
		goto out;
	}
	if (vd[0] == MVCC_KIND_TOMBSTONE) {
		if (found_ts != NULL)
			*found_ts = fts;
		rc = err_set(e, RC_NOT_FOUND, "key not found (deleted)");
		goto out;
	}
	if (vd[0] != MVCC_KIND_VALUE) {
		rc = mvcc_corrupt(m, e, "unknown version kind");
		goto out;
	}
	/* Reuse the buffer: shift the bytes over the kind byte, add a NUL. */
	memmove(vd, vd + 1, v.size - 1);
	vd[v.size - 1] = '\0';
	if (vlen != NULL)
		*vlen = v.size - 1;
	if (found_ts != NULL)
		*found_ts = fts;
	if (val != NULL) {
		*val = vd;
		v.data = NULL;
	}
	rc = RC_OK;
out:
	free(seek);
	free(k.data);
	free(v.data);
	return rc;
}

/* ---- scans ------------------------------------------------------------ */

void mvcc_scan_result_release(struct mvcc_scan_result *res)
{
	size_t i;

	if (res == NULL)
		return;
	for (i = 0; i < res->n; i++) {
		free(res->items[i].key);
		free(res->items[i].val);
	}
	free(res->items);
	free(res->resume_key);
	memset(res, 0, sizeof(*res));
}

struct mvcc_scan_args {
	const unsigned char *seek;	/* esc(start) 0x00 0x01 */
	size_t seeklen;
	const unsigned char *end;	/* esc(end) 0x00 0x01, or NULL */
	size_t endlen;
	uint64_t ts;
	size_t limit;
};

/* Append one visible version; the value is read in full at the cursor. */
static int mvcc_scan_add(struct mvcc *m, DBC *c, DBT *k, size_t plen,
			 uint64_t ts, struct mvcc_scan_result *res,
			 size_t *cap, struct err *e)
{
	struct mvcc_kv *kv;
	DBT v;
	unsigned char *vd;
	int ret;

	if (res->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct mvcc_kv *p = realloc(res->items, ncap * sizeof(*p));

		if (p == NULL)
			return mvcc_nomem(m, e);
		res->items = p;
		*cap = ncap;
	}
	memset(&v, 0, sizeof(v));
	v.flags = DB_DBT_MALLOC;
	ret = c->get(c, k, &v, DB_CURRENT);
	if (ret != 0)
		return ret == DB_LOCK_DEADLOCK ? RC_CONFLICT
			: mvcc_dberr(m, e, ret, "scan");
	vd = v.data;
	if (v.size < 1 || vd[0] != MVCC_KIND_VALUE) {
		free(vd);
		return mvcc_corrupt(m, e, "version changed kind during scan");
	}
	memmove(vd, vd + 1, v.size - 1);
	vd[v.size - 1] = '\0';
	kv = &res->items[res->n];
	kv->val = vd;
	kv->vlen = v.size - 1;
	kv->ts = ts;
	kv->key = mvcc_unescape(k->data, plen, &kv->klen);
	if (kv->key == NULL) {
		free(vd);
		return mvcc_nomem(m, e);
	}
	res->n++;
	return RC_OK;
}

/*
 * One attempt of a scan inside transaction t.  Returns RC_CONFLICT without
 * a message when it lost a deadlock (the caller retries or reports).
 */
static int mvcc_scan_once(struct mvcc *m, DB_TXN *t,
			  const struct mvcc_scan_args *a,
			  struct mvcc_scan_result *res, struct err *e)
{
	DBC *c = NULL;
	DBT k, v;
	unsigned char *buf = NULL;	/* seek targets we build */
	size_t bufcap = 0, cap = 0, plen, steps;
	unsigned char *cur = NULL;	/* prefix of the key just handled */
	size_t curlen = 0, curcap = 0;
	uint64_t ts;
	int ret, rc = RC_OK;
	unsigned char *kd, *vd;

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.flags = DB_DBT_REALLOC;
	/* Only the kind byte of each version is read while walking. */
	v.flags = DB_DBT_REALLOC | DB_DBT_PARTIAL;
	v.doff = 0;
	v.dlen = 1;

	ret = m->db->cursor(m->db, t, &c, 0);
	if (ret != 0) {
		c = NULL;
		goto dberr;
	}
	if (mvcc_dbt_load(&k, a->seek, a->seeklen) != 0)
		goto nomem;
	ret = c->get(c, &k, &v, DB_SET_RANGE);
	steps = 0;
	for (;;) {
		if (ret == DB_NOTFOUND)
			break;
		if (ret != 0)
			goto dberr;
		kd = k.data;
		vd = v.data;
		if (mvcc_parse(kd, k.size, &plen, &ts) != 0) {
			rc = mvcc_corrupt(m, e, "bad key encoding");
			goto out;
		}
		if (v.size < 1) {
			rc = mvcc_corrupt(m, e, "empty value record");
			goto out;
		}
		if (a->end != NULL && mvcc_cmp(kd, plen, a->end, a->endlen) >= 0)
			break;
		if (cur != NULL && plen == curlen && memcmp(kd, cur, plen) == 0) {
			/* An older version of the key just handled. */
			if (++steps < MVCC_NEXT_STEPS) {
				ret = c->get(c, &k, &v, DB_NEXT);
				continue;
			}
			/* Many versions: seek past all of them. */
			if (mvcc_dbt_load(&k, cur, curlen) != 0)
				goto nomem;
			((unsigned char *)k.data)[curlen - 1] = 0x02;
			ret = c->get(c, &k, &v, DB_SET_RANGE);
			continue;
		}
		if (ts > a->ts) {
			/* Versions too new: seek to the first one <= ts. */
			if (bufcap < plen + MVCC_TS_LEN) {
				unsigned char *p = realloc(buf,
							   plen + MVCC_TS_LEN);

				if (p == NULL)
					goto nomem;
				buf = p;
				bufcap = plen + MVCC_TS_LEN;
			}
			memcpy(buf, kd, plen);
			mvcc_put_ts(buf + plen, a->ts);
			if (mvcc_dbt_load(&k, buf, plen + MVCC_TS_LEN) != 0)
				goto nomem;
			ret = c->get(c, &k, &v, DB_SET_RANGE);
			continue;
		}
		/* The visible version of a new key. */
		if (curcap < plen) {
			unsigned char *p = realloc(cur, plen);

			if (p == NULL)
				goto nomem;
			cur = p;
			curcap = plen;
		}
		memcpy(cur, kd, plen);
		curlen = plen;
		steps = 0;
		if (vd[0] == MVCC_KIND_VALUE) {
			if (a->limit != 0 && res->n == a->limit) {
				res->more = 1;
				res->resume_key = mvcc_unescape(kd, plen,
							&res->resume_klen);
				if (res->resume_key == NULL)
					goto nomem;
				break;
			}
			rc = mvcc_scan_add(m, c, &k, plen, ts, res, &cap, e);
			if (rc != RC_OK)
				goto out;
		} else if (vd[0] != MVCC_KIND_TOMBSTONE) {
			rc = mvcc_corrupt(m, e, "unknown version kind");
			goto out;
		}
		ret = c->get(c, &k, &v, DB_NEXT);
	}
	goto out;
nomem:
	rc = mvcc_nomem(m, e);
	goto out;
dberr:
	rc = ret == DB_LOCK_DEADLOCK ? RC_CONFLICT
		: mvcc_dberr(m, e, ret, "scan");
out:
	if (c != NULL) {
		ret = c->close(c);
		if (ret != 0 && rc == RC_OK)
			rc = ret == DB_LOCK_DEADLOCK ? RC_CONFLICT
				: mvcc_dberr(m, e, ret, "scan");
	}
	free(k.data);
	free(v.data);
	free(buf);
	free(cur);
	return rc;
}

int mvcc_scan(struct mvcc *m, struct bdb_txn *txn, const void *start,
	      size_t slen, const void *end, size_t elen, uint64_t ts,
	      size_t limit, struct mvcc_scan_result *res, struct err *e)
{
	struct mvcc_scan_args a;
	unsigned char *seek = NULL, *endp = NULL;
	int rc, tries = 0;

	if (res == NULL)
		return err_set(e, RC_BAD_INPUT, "mvcc_scan: no result");
	memset(res, 0, sizeof(*res));
	rc = mvcc_check(m, start, slen, ts, e);
	if (rc != RC_OK)
		return rc;
	if (end == NULL && elen != 0)
		return err_set(e, RC_BAD_INPUT, "end key is NULL but its "
			       "length is %zu", elen);
	if (elen > MVCC_KEY_MAX)
		return err_set(e, RC_TOO_LARGE, "end key of %zu bytes is over "
			       "the limit of %u", elen, MVCC_KEY_MAX);

	memset(&a, 0, sizeof(a));
	a.ts = ts;
	a.limit = limit;
	seek = malloc(mvcc_prefix_len(start, slen));
	if (seek == NULL)
		return mvcc_nomem(m, e);
	a.seek = seek;
	a.seeklen = mvcc_put_prefix(seek, start, slen);
	if (elen != 0) {
		endp = malloc(mvcc_prefix_len(end, elen));
		if (endp == NULL) {
			free(seek);
			return mvcc_nomem(m, e);
		}
		a.end = endp;
		a.endlen = mvcc_put_prefix(endp, end, elen);
	}

	if (txn != NULL) {
		rc = mvcc_scan_once(m, bdb_txn_handle(txn), &a, res, e);
		if (rc == RC_CONFLICT)
			rc = mvcc_dberr(m, e, DB_LOCK_DEADLOCK, "scan");
	} else {
		/*
		 * Without a transaction the cursor reads committed data and
		 * drops each page lock as it moves on.  Losing a deadlock
		 * restarts the scan.
		 */
		for (;;) {
			rc = mvcc_scan_once(m, NULL, &a, res, e);
			if (rc != RC_CONFLICT)
				break;
			mvcc_scan_result_release(res);
			if (++tries >= MVCC_TRIES) {
				rc = mvcc_dberr(m, e, DB_LOCK_DEADLOCK,
						"scan");
				break;
			}
		}
	}
	free(seek);
	free(endp);
	return rc;
}

/* ---- transactions: conflict checks and history ------------------------ */

/*
 * One attempt at finding the newest version of the key whose prefix is
 * seek[0 .. plen) at or below `below`: *found, *ts, *kind.  Returns a
 * Berkeley DB code, or -1 for a malformed record.
 */
static int mvcc_seek_once(struct mvcc *m, DB_TXN *t, const unsigned char *seek,
			  size_t plen, int *found, uint64_t *ts, int *kind)
{
	DBC *c;
	DBT k, v;
	size_t fplen;
	int ret, ret2;

	*found = 0;
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.flags = DB_DBT_REALLOC;
	v.flags = DB_DBT_REALLOC | DB_DBT_PARTIAL;
	v.dlen = 1;
	ret = m->db->cursor(m->db, t, &c, 0);
	if (ret != 0)
		return ret;
	if (mvcc_dbt_load(&k, seek, plen + MVCC_TS_LEN) != 0) {
		c->close(c);
		return ENOMEM;
	}
	ret = c->get(c, &k, &v, DB_SET_RANGE);
	if (ret == 0) {
		if (mvcc_parse(k.data, k.size, &fplen, ts) != 0 || v.size < 1) {
			ret = -1;
		} else if (fplen == plen && memcmp(k.data, seek, plen) == 0) {
			*kind = ((unsigned char *)v.data)[0];
			if (*kind != MVCC_KIND_VALUE &&
			    *kind != MVCC_KIND_TOMBSTONE)
				ret = -1;
			else
				*found = 1;
		}
	} else if (ret == DB_NOTFOUND) {
		ret = 0;
	}
	ret2 = c->close(c);
	free(k.data);
	free(v.data);
	return ret != 0 ? ret : ret2;
}

/*
 * The newest version of key at or below `below` (UINT64_MAX: the newest of
 * all): *found, and when 1, *ts and *kind.
 */
static int mvcc_seek_version(struct mvcc *m, struct bdb_txn *txn,
			     const void *key, size_t klen, uint64_t below,
			     int *found, uint64_t *ts, int *kind,
			     struct err *e)
{
	unsigned char *seek;
	size_t plen;
	int ret, tries = 0;

	plen = mvcc_prefix_len(key, klen);
	seek = malloc(plen + MVCC_TS_LEN);
	if (seek == NULL)
		return mvcc_nomem(m, e);
	mvcc_put_prefix(seek, key, klen);
	mvcc_put_ts(seek + plen, below);
	do {
		ret = mvcc_seek_once(m, bdb_txn_handle(txn), seek, plen, found,
				     ts, kind);
	} while (ret == DB_LOCK_DEADLOCK && txn == NULL &&
		 ++tries < MVCC_TRIES);
	free(seek);
	if (ret == -1)
		return mvcc_corrupt(m, e, "bad key or value encoding");
	if (ret != 0)
		return mvcc_dberr(m, e, ret, "read from");
	return RC_OK;
}

int mvcc_changed_key(struct mvcc *m, struct bdb_txn *txn, const void *key,
		     size_t klen, uint64_t from, uint64_t to, int *changed,
		     uint64_t *at, struct err *e)
{
	uint64_t ts = 0;
	int found = 0, kind = 0, rc;

	if (changed == NULL)
		return err_set(e, RC_BAD_INPUT, "mvcc_changed_key: no result");
	*changed = 0;
	if (at != NULL)
		*at = 0;
	rc = mvcc_check(m, key, klen, 1, e);
	if (rc != RC_OK || from >= to)
		return rc;
	rc = mvcc_seek_version(m, txn, key, klen, to, &found, &ts, &kind, e);
	if (rc != RC_OK)
		return rc;
	if (found && ts > from) {
		*changed = 1;
		if (at != NULL)
			*at = ts;
	}
	return RC_OK;
}

int mvcc_latest_ts(struct mvcc *m, struct bdb_txn *txn, const void *key,
		   size_t klen, uint64_t *ts, struct err *e)
{
	uint64_t fts = 0;
	int found = 0, kind = 0, rc;

	if (ts == NULL)
		return err_set(e, RC_BAD_INPUT, "mvcc_latest_ts: no result");
	*ts = 0;
	rc = mvcc_check(m, key, klen, 1, e);
	if (rc != RC_OK)
		return rc;
	rc = mvcc_seek_version(m, txn, key, klen, UINT64_MAX, &found, &fts,
			       &kind, e);
	if (rc == RC_OK && found)
		*ts = fts;
	return rc;
}

/* Prepared bounds of a span walk: esc(start) 00 01 and esc(end) 00 01. */
struct mvcc_span {
	unsigned char *seek;
	size_t seeklen;
	unsigned char *end;	/* NULL: to the end of the table */
	size_t endlen;
};

static void mvcc_span_free(struct mvcc_span *s)
{
	free(s->seek);
	free(s->end);
	memset(s, 0, sizeof(*s));
}

static int mvcc_span_make(struct mvcc *m, const void *start, size_t slen,
			  const void *end, size_t elen, struct mvcc_span *s,
			  struct err *e)
{
	int rc;

	memset(s, 0, sizeof(*s));
	rc = mvcc_check(m, start, slen, 1, e);
	if (rc != RC_OK)
		return rc;
	if (end == NULL && elen != 0)
		return err_set(e, RC_BAD_INPUT, "end key is NULL but its "
			       "length is %zu", elen);
	if (elen > MVCC_KEY_MAX)
		return err_set(e, RC_TOO_LARGE, "end key of %zu bytes is over "
			       "the limit of %u", elen, MVCC_KEY_MAX);
	s->seek = malloc(mvcc_prefix_len(start, slen));
	if (s->seek == NULL)
		return mvcc_nomem(m, e);
	s->seeklen = mvcc_put_prefix(s->seek, start, slen);
	if (elen != 0) {
		s->end = malloc(mvcc_prefix_len(end, elen));
		if (s->end == NULL) {
			mvcc_span_free(s);
			return mvcc_nomem(m, e);
		}
		s->endlen = mvcc_put_prefix(s->end, end, elen);
	}
	return RC_OK;
}

/*
 * Position cursor c at the first record at or after prefix[0 .. plen)
 * followed by BE64(~ts) -- or, with ts 0, just past every version of that
 * prefix.  k is the walk's DB_DBT_REALLOC key.
 */
static int mvcc_seek_at(DBC *c, DBT *k, DBT *v, const unsigned char *prefix,
			size_t plen, uint64_t ts, unsigned char **buf,
			size_t *bufcap)
{
	size_t n = ts != 0 ? plen + MVCC_TS_LEN : plen;

	if (*bufcap < n) {
		unsigned char *p = realloc(*buf, n);

		if (p == NULL)
			return ENOMEM;
		*buf = p;
		*bufcap = n;
	}
	memcpy(*buf, prefix, plen);
	if (ts != 0)
		mvcc_put_ts(*buf + plen, ts);
	else
		(*buf)[plen - 1] = 0x02;	/* past the terminator 00 01 */
	if (mvcc_dbt_load(k, *buf, n) != 0)
		return ENOMEM;
	return c->get(c, k, v, DB_SET_RANGE);
}

struct mvcc_changed_res {
	int changed;
	void *key;
	size_t klen;
	uint64_t at;
};

/* One attempt of mvcc_changed; RC_CONFLICT (no message) on deadlock. */
static int mvcc_changed_once(struct mvcc *m, DB_TXN *t,
			     const struct mvcc_span *s, uint64_t from,
			     uint64_t to, struct mvcc_changed_res *r,
			     struct err *e)
{
	DBC *c = NULL;
	DBT k, v;
	unsigned char *buf = NULL, *kd;
	size_t bufcap = 0, plen;
	uint64_t ts;
	int ret, rc = RC_OK, kind;

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.flags = DB_DBT_REALLOC;
	v.flags = DB_DBT_REALLOC | DB_DBT_PARTIAL;
	v.dlen = 1;
	ret = m->db->cursor(m->db, t, &c, 0);
	if (ret != 0) {
		c = NULL;
		goto dberr;
	}
	if (mvcc_dbt_load(&k, s->seek, s->seeklen) != 0)
		goto nomem;
	ret = c->get(c, &k, &v, DB_SET_RANGE);
	for (;;) {
		if (ret == DB_NOTFOUND)
			break;
		if (ret == ENOMEM)
			goto nomem;
		if (ret != 0)
			goto dberr;
		kd = k.data;
		if (mvcc_parse(kd, k.size, &plen, &ts) != 0) {
			rc = mvcc_corrupt(m, e, "bad key encoding");
			goto out;
		}
		if (s->end != NULL && mvcc_cmp(kd, plen, s->end, s->endlen) >= 0)
			break;
		if (ts > to) {
			/* Too new: the first version of this key <= to. */
			ret = mvcc_seek_at(c, &k, &v, kd, plen, to, &buf,
					   &bufcap);
			continue;
		}
		kind = v.size >= 1 ? ((unsigned char *)v.data)[0] : 0;
		if (kind != MVCC_KIND_VALUE && kind != MVCC_KIND_TOMBSTONE) {
			rc = mvcc_corrupt(m, e, "bad version kind");
			goto out;
		}
		if (ts > from) {
			r->changed = 1;
			r->at = ts;
			r->key = mvcc_unescape(kd, plen, &r->klen);
			if (r->key == NULL)
				goto nomem;
			break;
		}
		/* Its newest version <= to is <= from: the next key. */
		ret = mvcc_seek_at(c, &k, &v, kd, plen, 0, &buf, &bufcap);
	}
	goto out;
nomem:
	rc = mvcc_nomem(m, e);
	goto out;
dberr:
	rc = ret == DB_LOCK_DEADLOCK ? RC_CONFLICT
		: mvcc_dberr(m, e, ret, "scan");
out:
	if (c != NULL) {
		ret = c->close(c);
		if (ret != 0 && rc == RC_OK)
			rc = ret == DB_LOCK_DEADLOCK ? RC_CONFLICT
				: mvcc_dberr(m, e, ret, "scan");
	}
	free(k.data);
	free(v.data);
	free(buf);
	return rc;
}

int mvcc_changed(struct mvcc *m, struct bdb_txn *txn, const void *start,
		 size_t slen, const void *end, size_t elen, uint64_t from,
		 uint64_t to, int *changed, void **key, size_t *klen,
		 uint64_t *at, struct err *e)
{
	struct mvcc_changed_res r;
	struct mvcc_span s;
	int rc, tries = 0;

	if (changed == NULL)
		return err_set(e, RC_BAD_INPUT, "mvcc_changed: no result");
	*changed = 0;
	if (key != NULL)
		*key = NULL;
	if (klen != NULL)
		*klen = 0;
	if (at != NULL)
		*at = 0;
	rc = mvcc_span_make(m, start, slen, end, elen, &s, e);
	if (rc != RC_OK)
		return rc;
	if (from >= to) {
		mvcc_span_free(&s);
		return RC_OK;
	}
	for (;;) {
		memset(&r, 0, sizeof(r));
		rc = mvcc_changed_once(m, bdb_txn_handle(txn), &s, from, to,
				       &r, e);
		if (rc != RC_CONFLICT)
			break;
		free(r.key);
		if (txn != NULL || ++tries >= MVCC_TRIES) {
			rc = mvcc_dberr(m, e, DB_LOCK_DEADLOCK, "scan");
			break;
		}
	}
	mvcc_span_free(&s);
	if (rc != RC_OK) {
		free(r.key);
		return rc;
	}
	*changed = r.changed;
	if (at != NULL)
		*at = r.at;
	if (klen != NULL)
		*klen = r.klen;
	if (key != NULL)
		*key = r.key;
	else
		free(r.key);
	return RC_OK;
}

void mvcc_versions_release(struct mvcc_versions *vs)
{
	size_t i;

	if (vs == NULL)
		return;
	for (i = 0; i < vs->n; i++) {
		free(vs->items[i].key);
		free(vs->items[i].val);
	}
	free(vs->items);
	free(vs->resume_key);
	memset(vs, 0, sizeof(*vs));
}

/* Append the version at the cursor, its value read in full. */
static int mvcc_versions_add(struct mvcc *m, DBC *c, DBT *k, size_t plen,
			     uint64_t ts, struct mvcc_versions *out,
			     size_t *cap, struct err *e)
{
	struct mvcc_version *x;
	DBT v;
	unsigned char *vd;
	int ret;

	if (out->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct mvcc_version *p = realloc(out->items,
						 ncap * sizeof(*p));

		if (p == NULL)
			return mvcc_nomem(m, e);
		out->items = p;
		*cap = ncap;
	}
	memset(&v, 0, sizeof(v));
	v.flags = DB_DBT_MALLOC;
	ret = c->get(c, k, &v, DB_CURRENT);
	if (ret != 0)
		return ret == DB_LOCK_DEADLOCK ? RC_CONFLICT
			: mvcc_dberr(m, e, ret, "scan");
	vd = v.data;
	if (v.size < 1 || (vd[0] != MVCC_KIND_VALUE &&
			   (vd[0] != MVCC_KIND_TOMBSTONE || v.size != 1))) {
		free(vd);
		return mvcc_corrupt(m, e, "bad version kind");
	}
	x = &out->items[out->n];
	x->tombstone = vd[0] == MVCC_KIND_TOMBSTONE;
	memmove(vd, vd + 1, v.size - 1);
	vd[v.size - 1] = '\0';
	x->val = vd;
	x->vlen = v.size - 1;
	x->ts = ts;
	x->key = mvcc_unescape(k->data, plen, &x->klen);
	if (x->key == NULL) {
		free(vd);
		return mvcc_nomem(m, e);
	}
	out->n++;
	return RC_OK;
}

/* One attempt of mvcc_scan_versions; RC_CONFLICT (no message) on deadlock. */
static int mvcc_versions_once(struct mvcc *m, DB_TXN *t,
			      const struct mvcc_span *s, uint64_t horizon,
			      uint64_t upto, size_t limit,
			      struct mvcc_versions *out, struct err *e)
{
	DBC *c = NULL;
	DBT k, v;
	unsigned char *buf = NULL, *cur = NULL, *kd;
	size_t bufcap = 0, curlen = 0, curcap = 0, cap = 0, keys = 0, plen;
	uint64_t ts;
	int ret, rc = RC_OK, kind, started = 0;

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.flags = DB_DBT_REALLOC;
	v.flags = DB_DBT_REALLOC | DB_DBT_PARTIAL;
	v.dlen = 1;
	ret = m->db->cursor(m->db, t, &c, 0);
	if (ret != 0) {
		c = NULL;
		goto dberr;
	}
	if (mvcc_dbt_load(&k, s->seek, s->seeklen) != 0)
		goto nomem;
	ret = c->get(c, &k, &v, DB_SET_RANGE);
	for (;;) {
		if (ret == DB_NOTFOUND)
			break;
		if (ret == ENOMEM)
			goto nomem;
		if (ret != 0)
			goto dberr;
		kd = k.data;
		if (mvcc_parse(kd, k.size, &plen, &ts) != 0) {
			rc = mvcc_corrupt(m, e, "bad key encoding");
			goto out;
		}
		if (s->end != NULL && mvcc_cmp(kd, plen, s->end, s->endlen) >= 0)
			break;
		if (cur == NULL || plen != curlen || memcmp(kd, cur, plen) != 0) {
			if (curcap < plen) {
				unsigned char *p = realloc(cur, plen);

				if (p == NULL)
					goto nomem;
				cur = p;
				curcap = plen;
			}
			memcpy(cur, kd, plen);
			curlen = plen;
			started = 0;
		}
		if (ts > upto) {
			ret = mvcc_seek_at(c, &k, &v, cur, curlen, upto, &buf,
					   &bufcap);
			continue;
		}
		kind = v.size >= 1 ? ((unsigned char *)v.data)[0] : 0;
		if (kind != MVCC_KIND_VALUE && kind != MVCC_KIND_TOMBSTONE) {
			rc = mvcc_corrupt(m, e, "bad version kind");
			goto out;
		}
		if (ts > horizon || kind == MVCC_KIND_VALUE) {
			if (!started) {
				if (limit != 0 && keys == limit) {
					out->more = 1;
					out->resume_key = mvcc_unescape(kd,
						plen, &out->resume_klen);
					if (out->resume_key == NULL)
						goto nomem;
					break;
				}
				started = 1;
				keys++;
			}
			rc = mvcc_versions_add(m, c, &k, plen, ts, out, &cap,
					       e);
			if (rc != RC_OK)
				goto out;
		}
		if (ts <= horizon) {
			/* The newest at or below horizon: the key is done. */
			ret = mvcc_seek_at(c, &k, &v, cur, curlen, 0, &buf,
					   &bufcap);
			continue;
		}
		ret = c->get(c, &k, &v, DB_NEXT);
	}
	goto out;
nomem:
	rc = mvcc_nomem(m, e);
	goto out;
dberr:
	rc = ret == DB_LOCK_DEADLOCK ? RC_CONFLICT
		: mvcc_dberr(m, e, ret, "scan");
out:
	if (c != NULL) {
		ret = c->close(c);
		if (ret != 0 && rc == RC_OK)
			rc = ret == DB_LOCK_DEADLOCK ? RC_CONFLICT
				: mvcc_dberr(m, e, ret, "scan");
	}
	free(k.data);
	free(v.data);
	free(buf);
	free(cur);
	return rc;
}

int mvcc_scan_versions(struct mvcc *m, struct bdb_txn *txn,
		       const void *start, size_t slen, const void *end,
		       size_t elen, uint64_t horizon, uint64_t upto,
		       size_t limit, struct mvcc_versions *out, struct err *e)
{
	struct mvcc_span s;
	int rc, tries = 0;

	if (out == NULL)
		return err_set(e, RC_BAD_INPUT, "mvcc_scan_versions: no "
			       "result");
	memset(out, 0, sizeof(*out));
	if (upto == 0)
		return err_set(e, RC_BAD_INPUT, "timestamp 0 is invalid");
	if (horizon > upto)
		return err_set(e, RC_BAD_INPUT, "horizon %llu is above the "
			       "upper timestamp %llu",
			       (unsigned long long)horizon,
			       (unsigned long long)upto);
	rc = mvcc_span_make(m, start, slen, end, elen, &s, e);
	if (rc != RC_OK)
		return rc;
	for (;;) {
		rc = mvcc_versions_once(m, bdb_txn_handle(txn), &s, horizon,
					upto, limit, out, e);
		if (rc != RC_CONFLICT)
			break;
		mvcc_versions_release(out);
		if (txn != NULL || ++tries >= MVCC_TRIES) {
			rc = mvcc_dberr(m, e, DB_LOCK_DEADLOCK, "scan");
			break;
		}
	}
	mvcc_span_free(&s);
	return rc;
}

/* ---- clearing a span ------------------------------------------------- */

int mvcc_clear(struct mvcc *m, struct bdb_txn *txn, const void *start,
	       size_t slen, const void *end, size_t elen, uint64_t *removed,
	       struct err *e)
{
	unsigned char *seek = NULL, *stop = NULL;
	size_t seeklen = 0, stoplen = 0, plen;
	uint64_t ts, count = 0;
	DBC *c = NULL;
	DBT k, v;
	int ret, rc = RC_OK;

	if (removed != NULL)
		*removed = 0;
	if (m == NULL || txn == NULL)
		return err_set(e, RC_BAD_INPUT, "mvcc_clear needs a table and "
			       "a transaction");
	if ((start == NULL && slen != 0) || (end == NULL && elen != 0))
		return err_set(e, RC_BAD_INPUT, "key is NULL but has a length");
	seeklen = mvcc_prefix_len(start, slen);
	seek = malloc(seeklen);
	if (elen > 0) {
		stoplen = mvcc_prefix_len(end, elen);
		stop = malloc(stoplen);
	}
	if (seek == NULL || (elen > 0 && stop == NULL)) {
		rc = mvcc_nomem(m, e);
		goto out;
	}
	mvcc_put_prefix(seek, start, slen);
	if (stop != NULL)
		mvcc_put_prefix(stop, end, elen);
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.flags = DB_DBT_REALLOC;
	v.flags = DB_DBT_REALLOC | DB_DBT_PARTIAL;
	v.dlen = 0;
	ret = m->db->cursor(m->db, bdb_txn_handle(txn), &c, 0);
	if (ret != 0) {
		c = NULL;
		rc = mvcc_dberr(m, e, ret, "open a cursor on");
		goto out_dbt;
	}
	if (mvcc_dbt_load(&k, seek, seeklen) != 0) {
		rc = mvcc_nomem(m, e);
		goto out_dbt;
	}
	ret = c->get(c, &k, &v, DB_SET_RANGE);
	while (ret == 0) {
		if (mvcc_parse(k.data, k.size, &plen, &ts) != 0) {
			rc = mvcc_corrupt(m, e, "bad key encoding");
			goto out_dbt;
		}
		if (stop != NULL && mvcc_cmp(k.data, plen, stop, stoplen) >= 0)
			break;
		if ((ret = c->del(c, 0)) != 0)
			break;
		count++;
		ret = c->get(c, &k, &v, DB_NEXT);
	}
	if (ret != 0 && ret != DB_NOTFOUND)
		rc = mvcc_dberr(m, e, ret, "clear a span of");
out_dbt:
	if (c != NULL) {
		ret = c->close(c);
		if (ret != 0 && rc == RC_OK)
			rc = mvcc_dberr(m, e, ret, "close a cursor on");
	}
	free(k.data);
	free(v.data);
out:
	free(seek);
	free(stop);
	if (rc == RC_OK && removed != NULL)
		*removed = count;
	return rc;
}

/* ---- garbage collection ----------------------------------------------- */

struct mvcc_gc_state {
	unsigned char *cur;	/* prefix of the key being walked */
	size_t curlen, curcap;
	int kept;		/* its newest version <= horizon was seen */
	struct mvcc_gc_stats st;
};

static int mvcc_gc_state_copy(struct mvcc_gc_state *dst,
			      const struct mvcc_gc_state *src)
{
	if (dst->curcap < src->curlen) {
		unsigned char *p = realloc(dst->cur, src->curlen);

		if (p == NULL)
			return -1;
		dst->cur = p;
		dst->curcap = src->curlen;
	}
	if (src->curlen != 0)
		memcpy(dst->cur, src->cur, src->curlen);
	dst->curlen = src->curlen;
	dst->kept = src->kept;
	dst->st = src->st;
	return 0;
}

/*
 * One GC transaction: from *pos (NULL/0 = the start) walk at most
 * MVCC_GC_BATCH versions, deleting the invisible ones; then set *pos to the
 * first version not walked, or *done = 1 at the end of the table.  Returns
 * a Berkeley DB code, ENOMEM, or -1 for a malformed record.
 */
static int mvcc_gc_batch(struct mvcc *m, uint64_t horizon,
			 struct mvcc_gc_state *s, DBT *pos, int *done)
{
	DB_TXN *t;
	DBC *c = NULL;
	DBT k, v;
	size_t plen, n = 0;
	uint64_t ts;
	int ret, ret2, del;
	unsigned char *kd, *vd;

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.flags = DB_DBT_REALLOC;
	v.flags = DB_DBT_REALLOC;
	/* Lost GC work is merely redone: no need to sync it. */
	ret = bdb_env_handle(m->env)->txn_begin(bdb_env_handle(m->env), NULL,
						&t, DB_TXN_NOSYNC);
	if (ret != 0)
		return ret;
	ret = m->db->cursor(m->db, t, &c, 0);
	if (ret != 0) {
		c = NULL;
		goto fail;
	}
	if (pos->size == 0) {
		ret = c->get(c, &k, &v, DB_FIRST);
	} else {
		if (mvcc_dbt_load(&k, pos->data, pos->size) != 0) {
			ret = ENOMEM;
			goto fail;
		}
		ret = c->get(c, &k, &v, DB_SET_RANGE);
	}
	while (ret == 0 && n < MVCC_GC_BATCH) {
		kd = k.data;
		vd = v.data;
		if (mvcc_parse(kd, k.size, &plen, &ts) != 0 || v.size < 1 ||
		    (vd[0] != MVCC_KIND_VALUE &&
		     vd[0] != MVCC_KIND_TOMBSTONE)) {
			ret = -1;
			goto fail;
		}
		n++;
		s->st.versions++;
		if (s->curlen != plen || memcmp(s->cur, kd, plen) != 0) {
			if (s->curcap < plen) {
				unsigned char *p = realloc(s->cur, plen);

				if (p == NULL) {
					ret = ENOMEM;
					goto fail;
				}
				s->cur = p;
				s->curcap = plen;
			}
			memcpy(s->cur, kd, plen);
			s->curlen = plen;
			s->kept = 0;
			s->st.keys++;
			if (vd[0] == MVCC_KIND_VALUE)
				s->st.live_keys++;
		}
		del = 0;
		if (ts <= horizon) {
			if (!s->kept) {
				s->kept = 1;
				del = vd[0] == MVCC_KIND_TOMBSTONE;
			} else {
				del = 1;
			}
		}
		if (del) {
			ret = c->del(c, 0);
			if (ret != 0)
				goto fail;
			s->st.removed++;
			s->st.removed_bytes += k.size + v.size;
		} else {
			s->st.kept_bytes += k.size + v.size;
		}
		ret = c->get(c, &k, &v, DB_NEXT);
	}
	if (ret == DB_NOTFOUND) {
		*done = 1;
	} else if (ret == 0) {
		if (mvcc_dbt_load(pos, k.data, k.size) != 0) {
			ret = ENOMEM;
			goto fail;
		}
	} else {
		goto fail;
	}
	ret = c->close(c);
	c = NULL;
	if (ret != 0)
		goto fail;
	ret = t->commit(t, 0);
	free(k.data);
	free(v.data);
	if (ret == 0)
		s->st.batches++;
	return ret;
fail:
	if (c != NULL)
		c->close(c);
	ret2 = t->abort(t);
	(void)ret2;
	free(k.data);
	free(v.data);
	return ret;
}

int mvcc_gc(struct mvcc *m, uint64_t horizon, struct mvcc_gc_stats *stats,
	    struct err *e)
{
	struct mvcc_gc_state s, saved;
	DBT pos, savedpos;
	int ret = 0, done = 0, tries = 0, rc = RC_OK;

	if (stats != NULL)
		memset(stats, 0, sizeof(*stats));
	if (m == NULL)
		return err_set(e, RC_BAD_INPUT, "no mvcc table");
	if (horizon == 0)
		return RC_OK;	/* nothing is at or below 0 */
	memset(&s, 0, sizeof(s));
	memset(&saved, 0, sizeof(saved));
	memset(&pos, 0, sizeof(pos));
	memset(&savedpos, 0, sizeof(savedpos));
	while (!done) {
		/* Remember where the batch started, to redo it on deadlock. */
		if (mvcc_gc_state_copy(&saved, &s) != 0 ||
		    (pos.size != 0 &&
		     mvcc_dbt_load(&savedpos, pos.data, pos.size) != 0)) {
			rc = mvcc_nomem(m, e);
			goto out;
		}
		savedpos.size = pos.size;
		ret = mvcc_gc_batch(m, horizon, &s, &pos, &done);
		if (ret == 0) {
			tries = 0;
			continue;
		}
		if (ret == DB_LOCK_DEADLOCK && ++tries < MVCC_TRIES) {
			if (mvcc_gc_state_copy(&s, &saved) != 0 ||
			    (savedpos.size != 0 &&
			     mvcc_dbt_load(&pos, savedpos.data,
					   savedpos.size) != 0)) {
				rc = mvcc_nomem(m, e);
				goto out;
			}
			pos.size = savedpos.size;
			done = 0;
			continue;
		}
		if (ret == -1)
			rc = mvcc_corrupt(m, e, "bad key or value encoding");
		else
			rc = mvcc_dberr(m, e, ret, "garbage-collect");
		goto out;
	}
out:
	if (stats != NULL)
		*stats = s.st;
	free(s.cur);
	free(saved.cur);
	free(pos.data);
	free(savedpos.data);
	return rc;
}

/* ---- statistics ------------------------------------------------------- */

int mvcc_stats(struct mvcc *m, struct mvcc_stats *st, struct err *e)
{
	DB_BTREE_STAT *sp = NULL;
	int ret;

	if (m == NULL || st == NULL)
		return err_set(e, RC_BAD_INPUT, "mvcc_stats: no table");
	ret = m->db->stat(m->db, NULL, &sp, DB_FAST_STAT);
	if (ret != 0)
		return mvcc_dberr(m, e, ret, "get statistics of");
	st->bytes = (uint64_t)sp->bt_pagecnt * sp->bt_pagesize;
	st->versions = sp->bt_ndata;
	free(sp);
	return RC_OK;
}
