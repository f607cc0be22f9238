/*
 * sqlrow.c -- table rows and index entries in the key-value space (see
 * sqlrow.h for the layout).
 *
 * Every key is built the same way: /t/<table>/<index> with keys.h, then
 * the datums with sqlenc.  "Has this entry changed?" is answered by
 * comparing encoded keys and values, which is exact for every type.
 * Non-unique index entries hold one byte (0x00) rather than nothing, so
 * no layer ever has to tell an empty value from a missing one.
 */
#include "sqlrow.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "sqlctx.h"
#include "sqlenc.h"

static const unsigned char NONUNIQUE_VAL[1] = { 0 };

int sqlrow_col_index(const struct sqlcat_desc *d, int col_id)
{
	for (size_t i = 0; i < d->ncols; i++)
		if (d->cols[i].id == col_id)
			return (int)i;
	return -1;
}

static int kverr(const struct err *ke, struct sqlerr *e)
{
	return sqlctx_kv_error(ke, e);
}

/* /t/<table>/<index> into b (reset first). */
static int index_prefix(struct keys_buf *b, const struct sqlcat_desc *d,
			const struct sqlcat_index *ix, struct sqlerr *e)
{
	struct keys_val v[2] = { keys_int(d->id), keys_int(ix->id) };
	struct err ke;

	keys_buf_reset(b);
	if (keys_encode_key(b, KEYS_PREFIX_TABLE, v, 2, &ke) != RC_OK)
		return kverr(&ke, e);
	return 0;
}

static int prefix_end(const struct keys_buf *k, struct keys_buf *out,
		      struct sqlerr *e)
{
	struct err ke;

	keys_buf_reset(out);
	if (keys_prefix_end(k->p, k->len, out, &ke) != RC_OK)
		return kverr(&ke, e);
	return 0;
}

/* Append the datums of row at the positions of ix's columns. */
static int append_cols(struct keys_buf *b, const struct sqlcat_desc *d,
		       const struct sqlcat_index *ix,
		       const struct sql_datum *row, int *has_null,
		       struct sqlerr *e)
{
	if (has_null != NULL)
		*has_null = 0;
	for (size_t i = 0; i < ix->ncols; i++) {
		int pos = sqlrow_col_index(d, ix->cols[i]);

		if (pos < 0)
			return sqlerr_set(e, SQLSTATE_INTERNAL, 0, "index %s: "
					  "no column %d", ix->name,
					  ix->cols[i]);
		if (has_null != NULL && row[pos].kind == SQL_DATUM_NULL)
			*has_null = 1;
		if (sqlenc_key_append(b, &row[pos], e) != 0)
			return -1;
	}
	return 0;
}

/* The primary key of row. */
static int pk_key(struct keys_buf *b, const struct sqlcat_desc *d,
		  const struct sql_datum *row, struct sqlerr *e)
{
	if (index_prefix(b, d, &d->primary, e) != 0)
		return -1;
	return append_cols(b, d, &d->primary, row, NULL, e);
}

/*
 * The entry of secondary index ix for row: its key, and its value (the
 * primary key tuple for the unique form, one 0x00 byte otherwise).
 * *unique_form 1 when the key holds the index values alone.
 */
static int index_entry(struct keys_buf *k, struct keys_buf *v,
		       const struct sqlcat_desc *d,
		       const struct sqlcat_index *ix,
		       const struct sql_datum *row, int *unique_form,
		       struct sqlerr *e)
{
	int has_null;
	struct err ke;

	if (index_prefix(k, d, ix, e) != 0 ||
	    append_cols(k, d, ix, row, &has_null, e) != 0)
		return -1;
	keys_buf_reset(v);
	*unique_form = ix->unique && !has_null;
	if (*unique_form)
		return append_cols(v, d, &d->primary, row, NULL, e);
	if (append_cols(k, d, &d->primary, row, NULL, e) != 0)
		return -1;
	if (keys_buf_append(v, NONUNIQUE_VAL, 1, &ke) != RC_OK)
		return kverr(&ke, e);
	return 0;
}

/* The row value: every non-NULL column but the key columns that decode
 * exactly from the key. */
static int row_value(struct keys_buf *b, const struct sqlcat_desc *d,
		     const struct sql_datum *row, struct arena *a,
		     struct sqlerr *e)
{
	uint32_t *ids = arena_alloc(a, (d->ncols + 1) * sizeof(*ids));
	struct sql_datum *vals = arena_alloc(a, (d->ncols + 1) *
					     sizeof(*vals));
	size_t n = 0;
	struct err ke;

	if (ids == NULL || vals == NULL)
		return sqlerr_nomem(e);
	/* by increasing column id (descriptor order is creation order) */
	for (int id = 1; id < d->next_col_id; id++) {
		int pos = sqlrow_col_index(d, id), in_pk = 0;

		if (pos < 0 || row[pos].kind == SQL_DATUM_NULL)
			continue;
		for (size_t j = 0; j < d->primary.ncols; j++)
			in_pk |= d->primary.cols[j] == id;
		if (in_pk && !sqlenc_key_lossy(&d->cols[pos].type))
			continue;
		ids[n] = (uint32_t)id;
		vals[n++] = row[pos];
	}
	keys_buf_reset(b);
	if (n == 0) {	/* the version byte alone */
		static const unsigned char ver = SQLENC_ROW_VERSION;

		if (keys_buf_append(b, &ver, 1, &ke) != RC_OK)
			return kverr(&ke, e);
		return 0;
	}
	return sqlenc_row_append(b, ids, vals, n, e);
}

/* ---- spans -------------------------------------------------------------- */

int sqlrow_span(const struct sqlcat_desc *d, const struct sqlcat_index *ix,
		const struct sql_datum *vals, size_t n, struct keys_buf *start,
		struct keys_buf *end, struct sqlerr *e)
{
	if (index_prefix(start, d, ix, e) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (sqlenc_key_append(start, &vals[i], e) != 0)
			return -1;
	return prefix_end(start, end, e);
}

int sqlrow_range(const struct sqlcat_desc *d, const struct sqlcat_index *ix,
		 const struct sql_datum *eq, size_t n,
		 const struct sql_datum *lo, int lo_incl,
		 const struct sql_datum *hi, int hi_incl,
		 struct keys_buf *start, struct keys_buf *end,
		 struct sqlerr *e)
{
	struct keys_buf p, t;
	struct sql_datum null = sqlval_null();
	int rc = -1;

	keys_buf_init(&p);
	keys_buf_init(&t);
	if (index_prefix(&p, d, ix, e) != 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (sqlenc_key_append(&p, &eq[i], e) != 0)
			goto out;
	/* start */
	keys_buf_reset(start);
	if (lo != NULL || hi != NULL) {
		struct err ke;

		if (keys_buf_append(&t, p.p, p.len, &ke) != RC_OK) {
			kverr(&ke, e);
			goto out;
		}
		/* lo, or NULL (excluded: a comparison is never true on NULL) */
		if (sqlenc_key_append(&t, lo != NULL ? lo : &null, e) != 0)
			goto out;
		if (lo != NULL && lo_incl) {
			if (keys_buf_append(start, t.p, t.len, &ke) != RC_OK) {
				kverr(&ke, e);
				goto out;
			}
		} else if (prefix_end(&t, start, e) != 0) {
			goto out;
		}
	} else {
		struct err ke;

		if (keys_buf_append(start, p.p, p.len, &ke) != RC_OK) {
			kverr(&ke, e);
			goto out;
		}
	}
	/* end */
	if (hi != NULL) {
		struct err ke;

		keys_buf_reset(&t);
		if (keys_buf_append(&t, p.p, p.len, &ke) != RC_OK) {
			kverr(&ke, e);
			goto out;
		}
		if (sqlenc_key_append(&t, hi, e) != 0)
			goto out;
		if (hi_incl) {
			if (prefix_end(&t, end, e) != 0)
				goto out;
		} else {
			keys_buf_reset(end);
			if (keys_buf_append(end, t.p, t.len, &ke) != RC_OK) {
				kverr(&ke, e);
				goto out;
			}
		}
	} else if (prefix_end(&p, end, e) != 0) {
		goto out;
	}
	rc = 0;
out:
	keys_buf_release(&p);
	keys_buf_release(&t);
	return rc;
}

/* ---- decoding ----------------------------------------------------------- */

/* Skip /t/<table>/<index> of key; *off after it. */
static int skip_prefix(const struct sqlcat_desc *d,
		       const struct sqlcat_index *ix, const uint8_t *key,
		       size_t klen, size_t *off, struct sqlerr *e)
{
	struct keys_val v;
	struct err ke;
	size_t o = 1;

	if (keys_key_prefix(key, klen) != KEYS_PREFIX_TABLE ||
	    keys_decode_next(key, klen, &o, &v, NULL, &ke) != RC_OK ||
	    v.type != KEYS_INT || v.u.i != d->id ||
	    keys_decode_next(key, klen, &o, &v, NULL, &ke) != RC_OK ||
	    v.type != KEYS_INT || v.u.i != ix->id)
		return sqlerr_set(e, SQLSTATE_CORRUPTED, 0, "corrupt row: a "
				  "key of table %s index %s does not start "
				  "with /t/%lld/%d", d->name, ix->name,
				  (long long)d->id, ix->id);
	*off = o;
	return 0;
}

/* Decode the datums of ix's columns at key[*off] into row. */
static int decode_cols(const struct sqlcat_desc *d,
		       const struct sqlcat_index *ix, const uint8_t *key,
		       size_t klen, size_t *off, struct arena *a,
		       struct sql_datum *row, struct sqlerr *e)
{
	for (size_t i = 0; i < ix->ncols; i++) {
		int pos = sqlrow_col_index(d, ix->cols[i]);

		if (pos < 0)
			return sqlerr_set(e, SQLSTATE_INTERNAL, 0, "index %s: "
					  "no column %d", ix->name,
					  ix->cols[i]);
		if (sqlenc_key_decode(key, klen, off, &d->cols[pos].type, a,
				      &row[pos], e) != 0)
			return -1;
	}
	return 0;
}

int sqlrow_decode(const struct sqlcat_desc *d, const void *key, size_t klen,
		  const void *val, size_t vlen, struct arena *a,
		  struct sql_datum *row, struct sqlerr *e)
{
	uint32_t *ids = arena_alloc(a, (d->ncols + 1) * sizeof(*ids));
	struct sql_type *types = arena_alloc(a, (d->ncols + 1) *
					     sizeof(*types));
	struct sql_datum *vals = arena_alloc(a, (d->ncols + 1) *
					     sizeof(*vals));
	size_t off;

	if (ids == NULL || types == NULL || vals == NULL)
		return sqlerr_nomem(e);
	if (skip_prefix(d, &d->primary, key, klen, &off, e) != 0 ||
	    decode_cols(d, &d->primary, key, klen, &off, a, row, e) != 0)
		return -1;
	if (off != klen)
		return sqlerr_set(e, SQLSTATE_CORRUPTED, 0, "corrupt row: "
				  "%zu bytes after the primary key of table "
				  "%s", klen - off, d->name);
	for (size_t i = 0; i < d->ncols; i++) {
		ids[i] = (uint32_t)d->cols[i].id;
		types[i] = d->cols[i].type;
	}
	if (sqlenc_row_decode(val, vlen, ids, types, d->ncols, a, vals, e) !=
	    0)
		return -1;
	for (size_t i = 0; i < d->ncols; i++) {
		int in_pk = 0;

		for (size_t j = 0; j < d->primary.ncols; j++)
			in_pk |= d->primary.cols[j] == d->cols[i].id;
		/* key columns come from the key unless stored exactly */
		if (!in_pk || vals[i].kind != SQL_DATUM_NULL)
			row[i] = vals[i];
	}
	return 0;
}

int sqlrow_decode_index(const struct sqlcat_desc *d,
			const struct sqlcat_index *ix, const void *key,
			size_t klen, const void *val, size_t vlen,
			struct arena *a, struct sql_datum *row,
			struct sqlerr *e)
{
	size_t off;

	if (skip_prefix(d, ix, key, klen, &off, e) != 0 ||
	    decode_cols(d, ix, key, klen, &off, a, row, e) != 0)
		return -1;
	if (off < klen)		/* non-unique form: the pk follows */
		return decode_cols(d, &d->primary, key, klen, &off, a, row, e);
	off = 0;		/* unique form: the pk is the value */
	return decode_cols(d, &d->primary, val, vlen, &off, a, row, e);
}

/* ---- reads -------------------------------------------------------------- */

static int get_key(struct sqlkv *kv, const struct keys_buf *k, int *found,
		   void **val, size_t *vlen, struct sqlerr *e)
{
	struct err ke;

	if (sqlkv_get(kv, k->p, k->len, found, val, vlen, &ke) != RC_OK)
		return kverr(&ke, e);
	return 0;
}

int sqlrow_get(struct sqlkv *kv, const struct sqlcat_desc *d,
	       const struct sql_datum *pk_row, struct arena *a,
	       struct sql_datum *row, int *found, struct sqlerr *e)
{
	struct keys_buf k;
	void *val = NULL;
	size_t vlen = 0;
	int rc;

	keys_buf_init(&k);
	rc = pk_key(&k, d, pk_row, e);
	if (rc == 0)
		rc = get_key(kv, &k, found, &val, &vlen, e);
	if (rc == 0 && *found)
		rc = sqlrow_decode(d, k.p, k.len, val, vlen, a, row, e);
	free(val);
	keys_buf_release(&k);
	return rc;
}

int sqlrow_lookup(struct sqlkv *kv, const struct sqlcat_desc *d,
		  const struct sqlcat_index *ix, const struct sql_datum *vals,
		  struct arena *a, struct sql_datum *row, int *found,
		  struct sqlerr *e)
{
	struct sql_datum *tmp = arena_alloc(a, (d->ncols + 1) * sizeof(*tmp));
	struct keys_buf k;
	void *val = NULL;
	size_t vlen = 0, off = 0;
	int rc = 0;

	*found = 0;
	if (tmp == NULL)
		return sqlerr_nomem(e);
	for (size_t i = 0; i < ix->ncols; i++) {
		int pos = sqlrow_col_index(d, ix->cols[i]);

		if (pos < 0)
			return sqlerr_set(e, SQLSTATE_INTERNAL, 0, "index %s: "
					  "no column %d", ix->name,
					  ix->cols[i]);
		if (vals[i].kind == SQL_DATUM_NULL)
			return 0;	/* NULL never matches */
		tmp[pos] = vals[i];
	}
	if (ix->id == SQLCAT_PRIMARY_INDEX)
		return sqlrow_get(kv, d, tmp, a, row, found, e);
	if (!ix->unique)
		return sqlerr_set(e, SQLSTATE_INTERNAL, 0, "lookup on "
				  "non-unique index %s", ix->name);
	keys_buf_init(&k);
	if (index_prefix(&k, d, ix, e) != 0 ||
	    append_cols(&k, d, ix, tmp, NULL, e) != 0 ||
	    get_key(kv, &k, found, &val, &vlen, e) != 0)
		rc = -1;
	keys_buf_release(&k);
	if (rc == 0 && *found) {
		rc = decode_cols(d, &d->primary, val, vlen, &off, a, tmp, e);
		if (rc == 0)
			rc = sqlrow_get(kv, d, tmp, a, row, found, e);
		if (rc == 0 && !*found)
			rc = sqlerr_set(e, SQLSTATE_CORRUPTED, 0, "index %s "
					"points at a row of %s that does not "
					"exist", ix->name, d->name);
	}
	free(val);
	return rc;
}

/* ---- writes ------------------------------------------------------------- */

static int dup_error(const struct sqlcat_index *ix,
		     const struct sqlcat_index **conflict, struct sqlerr *e)
{
	if (conflict != NULL)
		*conflict = ix;
	return sqlerr_set(e, SQLSTATE_UNIQUE, 0, "duplicate key value "
			  "violates unique constraint \"%s\"", ix->name);
}

static int key_exists(struct sqlkv *kv, const struct keys_buf *k,
		      int *found, struct sqlerr *e)
{
	void *val = NULL;
	size_t vlen;
	int rc = get_key(kv, k, found, &val, &vlen, e);

	free(val);
	return rc;
}

static int put(struct sqlkv *kv, const struct keys_buf *k,
	       const struct keys_buf *v, struct sqlerr *e)
{
	struct err ke;

	if (sqlkv_put(kv, k->p, k->len, v->p, v->len, &ke) != RC_OK)
		return kverr(&ke, e);
	return 0;
}

static int del(struct sqlkv *kv, const struct keys_buf *k, struct sqlerr *e)
{
	struct err ke;

	if (sqlkv_del(kv, k->p, k->len, &ke) != RC_OK)
		return kverr(&ke, e);
	return 0;
}

static int same(const struct keys_buf *a, const struct keys_buf *b)
{
	return a->len == b->len && (a->len == 0 ||
				    memcmp(a->p, b->p, a->len) == 0);
}

/*
 * Write (or check) the entry of index ix for row: with check, a unique
 * entry whose key exists is a conflict.
 */
static int index_write(struct sqlkv *kv, const struct sqlcat_desc *d,
		       const struct sqlcat_index *ix,
		       const struct sql_datum *row, int check,
		       const struct sqlcat_index **conflict, struct sqlerr *e)
{
	struct keys_buf k, v;
	int uniq, found, rc = -1;

	keys_buf_init(&k);
	keys_buf_init(&v);
	if (index_entry(&k, &v, d, ix, row, &uniq, e) != 0)
		goto out;
	if (check && uniq) {
		if (key_exists(kv, &k, &found, e) != 0)
			goto out;
		if (found) {
			dup_error(ix, conflict, e);
			goto out;
		}
	}
	rc = put(kv, &k, &v, e);
out:
	keys_buf_release(&k);
	keys_buf_release(&v);
	return rc;
}

int sqlrow_insert(struct sqlkv *kv, const struct sqlcat_desc *d,
		  const struct sql_datum *row, struct arena *a,
		  const struct sqlcat_index **conflict, struct sqlerr *e)
{
	struct keys_buf k, v;
	int found, rc = -1;

	if (conflict != NULL)
		*conflict = NULL;
	keys_buf_init(&k);
	keys_buf_init(&v);
	if (pk_key(&k, d, row, e) != 0 || key_exists(kv, &k, &found, e) != 0)
		goto out;
	if (found) {
		dup_error(&d->primary, conflict, e);
		goto out;
	}
	/* every unique check before the first write: a refused row writes
	   nothing */
	for (size_t i = 0; i < d->nidx; i++) {
		struct keys_buf ik, iv;
		int uniq, ifound = 0, irc;

		if (!d->idx[i].unique)
			continue;
		keys_buf_init(&ik);
		keys_buf_init(&iv);
		irc = index_entry(&ik, &iv, d, &d->idx[i], row, &uniq, e);
		if (irc == 0 && uniq)
			irc = key_exists(kv, &ik, &ifound, e);
		keys_buf_release(&ik);
		keys_buf_release(&iv);
		if (irc != 0)
			goto out;
		if (ifound) {
			dup_error(&d->idx[i], conflict, e);
			goto out;
		}
	}
	if (row_value(&v, d, row, a, e) != 0 || put(kv, &k, &v, e) != 0)
		goto out;
	for (size_t i = 0; i < d->nidx; i++)
		if (index_write(kv, d, &d->idx[i], row, 0, conflict, e) != 0)
			goto out;
	rc = 0;
out:
	keys_buf_release(&k);
	keys_buf_release(&v);
	return rc;
}

int sqlrow_update(struct sqlkv *kv, const struct sqlcat_desc *d,
		  const struct sql_datum *old, const struct sql_datum *new_,
		  struct arena *a, const struct sqlcat_index **conflict,
		  struct sqlerr *e)
{
	struct keys_buf ok, nk, v, ov;
	int found, rc = -1, moved;

	if (conflict != NULL)
		*conflict = NULL;
	keys_buf_init(&ok);
	keys_buf_init(&nk);
	keys_buf_init(&v);
	keys_buf_init(&ov);
	if (pk_key(&ok, d, old, e) != 0 || pk_key(&nk, d, new_, e) != 0)
		goto out;
	moved = !same(&ok, &nk);
	if (moved) {
		if (key_exists(kv, &nk, &found, e) != 0)
			goto out;
		if (found) {
			dup_error(&d->primary, conflict, e);
			goto out;
		}
	}
	/* unique checks for the entries that change */
	for (size_t i = 0; i < d->nidx; i++) {
		struct keys_buf k1, v1, k2, v2;
		int u1, u2, f = 0, irc;

		if (!d->idx[i].unique)
			continue;
		keys_buf_init(&k1);
		keys_buf_init(&v1);
		keys_buf_init(&k2);
		keys_buf_init(&v2);
		irc = index_entry(&k1, &v1, d, &d->idx[i], old, &u1, e);
		if (irc == 0)
			irc = index_entry(&k2, &v2, d, &d->idx[i], new_, &u2,
					  e);
		if (irc == 0 && u2 && !same(&k1, &k2))
			irc = key_exists(kv, &k2, &f, e);
		keys_buf_release(&k1);
		keys_buf_release(&v1);
		keys_buf_release(&k2);
		keys_buf_release(&v2);
		if (irc != 0)
			goto out;
		if (f) {
			dup_error(&d->idx[i], conflict, e);
			goto out;
		}
	}
	if (moved && del(kv, &ok, e) != 0)
		goto out;
	if (row_value(&v, d, new_, a, e) != 0 || put(kv, &nk, &v, e) != 0)
		goto out;
	for (size_t i = 0; i < d->nidx; i++) {
		struct keys_buf k1, v1, k2, v2;
		int u1, u2, irc;

		keys_buf_init(&k1);
		keys_buf_init(&v1);
		keys_buf_init(&k2);
		keys_buf_init(&v2);
		irc = index_entry(&k1, &v1, d, &d->idx[i], old, &u1, e);
		if (irc == 0)
			irc = index_entry(&k2, &v2, d, &d->idx[i], new_, &u2,
					  e);
		if (irc == 0 && !same(&k1, &k2))
			irc = del(kv, &k1, e);
		if (irc == 0 && (!same(&k1, &k2) || !same(&v1, &v2)))
			irc = put(kv, &k2, &v2, e);
		keys_buf_release(&k1);
		keys_buf_release(&v1);
		keys_buf_release(&k2);
		keys_buf_release(&v2);
		if (irc != 0)
			goto out;
	}
	rc = 0;
out:
	keys_buf_release(&ok);
	keys_buf_release(&nk);
	keys_buf_release(&v);
	keys_buf_release(&ov);
	return rc;
}

int sqlrow_delete(struct sqlkv *kv, const struct sqlcat_desc *d,
		  const struct sql_datum *old, struct arena *a,
		  struct sqlerr *e)
{
	struct keys_buf k, v;
	int rc = -1, uniq;

	(void)a;
	keys_buf_init(&k);
	keys_buf_init(&v);
	if (pk_key(&k, d, old, e) != 0 || del(kv, &k, e) != 0)
		goto out;
	for (size_t i = 0; i < d->nidx; i++)
		if (index_entry(&k, &v, d, &d->idx[i], old, &uniq, e) != 0 ||
		    del(kv, &k, e) != 0)
			goto out;
	rc = 0;
out:
	keys_buf_release(&k);
	keys_buf_release(&v);
	return rc;
}

int sqlrow_index_put(struct sqlkv *kv, const struct sqlcat_desc *d,
		     const struct sqlcat_index *ix,
		     const struct sql_datum *row, struct arena *a,
		     struct sqlerr *e)
{
	(void)a;
	return index_write(kv, d, ix, row, 1, NULL, e);
}
