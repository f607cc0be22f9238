/*
 * sqlkvtxn.c -- sqlkv.h on a txcoord transaction (see sqlkvtxn.h).
 */
#include "sqlkvtxn.h"

#include <stdlib.h>
#include <string.h>

#include "txn.h"

static int kt_get(void *impl, const void *key, size_t klen, int *found,
		  void **val, size_t *vlen, struct err *e)
{
	return txn_get(impl, key, klen, found, val, vlen, e);
}

static int kt_scan(void *impl, const void *start, size_t slen,
		   const void *end, size_t elen, size_t limit,
		   const json_t *filter, struct sqlkv_page *out,
		   struct err *e)
{
	struct txn_kvs r;
	int rc;

	memset(out, 0, sizeof(*out));
	if (limit > TXN_SCAN_MAX)
		limit = TXN_SCAN_MAX;
	if ((rc = txn_scan_filtered(impl, start, slen, end, elen, limit,
				    filter, &r, e)) != RC_OK)
		return rc;
	if (r.n > 0 && (out->items = malloc(r.n * sizeof(*out->items))) ==
	    NULL) {
		txn_kvs_release(&r);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < r.n; i++) {	/* move the buffers */
		out->items[i].key = r.items[i].key;
		out->items[i].klen = r.items[i].klen;
		out->items[i].val = r.items[i].val;
		out->items[i].vlen = r.items[i].vlen;
	}
	out->n = r.n;
	free(r.items);
	out->more = r.more;
	out->resume = r.resume;
	out->resume_len = r.resume_len;
	return RC_OK;
}

static int kt_put(void *impl, const void *key, size_t klen, const void *val,
		  size_t vlen, struct err *e)
{
	return txn_put(impl, key, klen, val, vlen, e);
}

static int kt_del(void *impl, const void *key, size_t klen, struct err *e)
{
	return txn_delete(impl, key, klen, e);
}

static uint64_t kt_read_ts(void *impl)
{
	return txn_read_ts(impl);
}

static const struct sqlkv_vt txn_vt = {
	kt_get, kt_scan, kt_put, kt_del, kt_read_ts
};

void sqlkvtxn_bind(struct txn *t, struct sqlkv *kv)
{
	kv->vt = &txn_vt;
	kv->impl = t;
}
