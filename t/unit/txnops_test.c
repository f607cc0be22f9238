/*
 * txnops_test.c -- unit tests of cmd/raftd/txnops.c (the range side of
 * distributed transactions) against real Berkeley DB tables.
 *
 * Each test gets a fresh environment in its own mkdtemp() directory under
 * /tmp with one range's two tables (r1.data: MVCC, r1.locks: intents and
 * records), removed afterwards.  Commands are applied the way raftd's apply
 * loop does (cmd/raftd/node.c): a check pass (do_it 0), then, if it was not
 * refused, the same call with do_it 1, both in one Berkeley DB transaction
 * that is then committed; the tables are inspected through mvcc/locktab.
 * Deterministic: no clock, no randomness (HLCs are built by hand).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bdb.h"
#include "err.h"
#include "hlc.h"
#include "locktab.h"
#include "mvcc.h"
#include "txnops.h"

struct fx {
	char dir[64];
	struct bdb *env;
	struct mvcc *m;
	struct locktab *lt;
};

/* ---- fixture ---------------------------------------------------------- */

static int rm_one(const char *path, const struct stat *sb, int type,
		  struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct bdb_opts o = { 4u << 20, BDB_DUR_NOSYNC };
	struct err e;

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/txnops_test.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	if (bdb_open(f->dir, &o, &f->env, &e) != RC_OK)
		fail_msg("bdb_open: %s", e.msg);
	if (mvcc_open(f->env, "r1.data", &f->m, &e) != RC_OK)
		fail_msg("mvcc_open: %s", e.msg);
	if (locktab_open(f->env, "r1.locks", &f->lt, &e) != RC_OK)
		fail_msg("locktab_open: %s", e.msg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (f->lt != NULL)
		assert_int_equal(locktab_close(f->lt, NULL), RC_OK);
	if (f->m != NULL)
		assert_int_equal(mvcc_close(f->m, NULL), RC_OK);
	if (f->env != NULL)
		assert_int_equal(bdb_close(f->env, NULL), RC_OK);
	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* ---- helpers ---------------------------------------------------------- */

/* Transaction ids: A = 1, B = 2, C = 3 ... (they differ in byte 0). */
enum { A = 1, B = 2, C = 3 };

static const unsigned char *ID(unsigned n)
{
	static unsigned char ids[8][TXNOPS_ID_LEN];

	assert_true(n < 8);
	for (unsigned i = 0; i < TXNOPS_ID_LEN; i++)
		ids[n][i] = (unsigned char)(n * 37 + i * 11);
	ids[n][0] = (unsigned char)n;
	return ids[n];
}

/* A committed version of key at ts (val NULL: a tombstone). */
static void version(struct fx *f, const char *key, uint64_t ts,
		    const char *val)
{
	struct err e;
	int rc;

	rc = val != NULL ?
	     mvcc_put(f->m, NULL, key, strlen(key), ts, val, strlen(val), &e) :
	     mvcc_delete(f->m, NULL, key, strlen(key), ts, &e);
	if (rc != RC_OK)
		fail_msg("version: %s", e.msg);
}

/* An intent of transaction idn on key (val NULL: a delete). */
static void intent(struct fx *f, struct bdb_txn *txn, const void *key,
		   size_t klen, unsigned idn, uint64_t ts, const char *anchor,
		   const char *val)
{
	struct locktab_intent it;
	struct err e;

	memset(&it, 0, sizeof(it));
	memcpy(it.txn, ID(idn), TXNOPS_ID_LEN);
	it.ts = ts;
	it.anchor = (void *)anchor;
	it.alen = strlen(anchor);
	it.tombstone = val == NULL;
	it.val = (void *)val;
	it.vlen = val != NULL ? strlen(val) : 0;
	if (locktab_intent_put(f->lt, txn, key, klen, &it, &e) != RC_OK)
		fail_msg("intent_put: %s", e.msg);
}

static void sintent(struct fx *f, const char *key, unsigned idn,
		    uint64_t ts, const char *anchor, const char *val)
{
	intent(f, NULL, key, strlen(key), idn, ts, anchor, val);
}

/* The intent on key: RC_OK (release it) or RC_NOT_FOUND. */
static int intent_get(struct fx *f, const char *key,
		      struct locktab_intent *it)
{
	struct err e;

	return locktab_intent_get(f->lt, NULL, key, strlen(key), it, &e);
}

static int has_intent(struct fx *f, const char *key)
{
	struct locktab_intent it;
	int rc = intent_get(f, key, &it);

	if (rc == RC_OK)
		locktab_intent_release(&it);
	assert_true(rc == RC_OK || rc == RC_NOT_FOUND);
	return rc == RC_OK;
}

/* Assert the intent on key belongs to idn, with ts, value (NULL: delete). */
static void assert_intent(struct fx *f, const char *key, unsigned idn,
			  uint64_t ts, const char *anchor, const char *val)
{
	struct locktab_intent it;

	assert_int_equal(intent_get(f, key, &it), RC_OK);
	assert_memory_equal(it.txn, ID(idn), TXNOPS_ID_LEN);
	assert_int_equal(it.ts, ts);
	assert_int_equal(it.alen, strlen(anchor));
	if (it.alen)
		assert_memory_equal(it.anchor, anchor, it.alen);
	if (val == NULL) {
		assert_int_equal(it.tombstone, 1);
		assert_int_equal(it.vlen, 0);
	} else {
		assert_int_equal(it.tombstone, 0);
		assert_int_equal(it.vlen, strlen(val));
		assert_memory_equal(it.val, val, it.vlen);
	}
	locktab_intent_release(&it);
}

static uint64_t latest(struct fx *f, const char *key)
{
	uint64_t ts = 99;
	struct err e;

	assert_int_equal(mvcc_latest_ts(f->m, NULL, key, strlen(key), &ts, &e),
			 RC_OK);
	return ts;
}

/* Assert the value of key read at ts is val, written at vts. */
static void assert_value(struct fx *f, const char *key, uint64_t ts,
			 const char *val, uint64_t vts)
{
	void *v = NULL;
	size_t vl = 0;
	uint64_t at = 0;
	struct err e;

	assert_int_equal(mvcc_get(f->m, NULL, key, strlen(key), ts, &v, &vl,
				  &at, &e), RC_OK);
	assert_int_equal(vl, strlen(val));
	assert_memory_equal(v, val, vl);
	assert_int_equal(at, vts);
	free(v);
}

/* Assert the newest version of key at or below ts is a tombstone at vts. */
static void assert_tombstone(struct fx *f, const char *key, uint64_t ts,
			     uint64_t vts)
{
	uint64_t at = 0;
	struct err e;

	assert_int_equal(mvcc_get(f->m, NULL, key, strlen(key), ts, NULL, NULL,
				  &at, &e), RC_NOT_FOUND);
	assert_int_equal(at, vts);
}

static int rec_get(struct fx *f, const char *anchor, unsigned idn,
		   struct locktab_record *r)
{
	struct err e;

	memset(r, 0, sizeof(*r));
	return locktab_record_get(f->lt, NULL, anchor, strlen(anchor), ID(idn),
				  r, &e);
}

static void rec_put(struct fx *f, const char *anchor, unsigned idn,
		    int status, uint64_t ts, uint64_t hb, uint32_t timeout_ms)
{
	struct locktab_record r;
	struct err e;

	memset(&r, 0, sizeof(r));
	r.status = status;
	r.ts = ts;
	r.hb = hb;
	r.timeout_ms = timeout_ms;
	r.created = hb;
	if (locktab_record_put(f->lt, NULL, anchor, strlen(anchor), ID(idn),
			       &r, &e) != RC_OK)
		fail_msg("record_put: %s", e.msg);
}

/* The `wrote` callback: a log of (key, ts). */
struct wlog {
	size_t n;
	char key[16][32];
	uint64_t ts[16];
};

static void wrote_cb(void *arg, const void *key, size_t klen, uint64_t ts)
{
	struct wlog *l = arg;

	assert_true(l->n < 16);
	assert_true(klen < sizeof(l->key[0]));
	memcpy(l->key[l->n], key, klen);
	l->key[l->n][klen] = '\0';
	l->ts[l->n] = ts;
	l->n++;
}

static void res_init(struct txnops_res *r, struct wlog *l)
{
	memset(r, 0, sizeof(*r));
	if (l != NULL) {
		memset(l, 0, sizeof(*l));
		r->wrote = wrote_cb;
		r->wrote_arg = l;
	}
}

/* Span constructors. */
static struct txnops_span SP(const char *k)
{
	struct txnops_span s = { 1, k, strlen(k), NULL, 0 };

	return s;
}

static struct txnops_span SR(const char *start, const char *end)
{
	struct txnops_span s = { 0, start, strlen(start), end, strlen(end) };

	return s;
}

/*
 * Encode a header and decode it into *h (pointing into the returned
 * buffer, which the caller frees).
 */
static unsigned char *mkhdr(int mode, int flags, uint64_t wts, uint64_t rts,
			    uint32_t timeout_ms, const char *anchor,
			    const struct txnops_span *sp, size_t n,
			    struct txnops_hdr *h, size_t *lenp)
{
	struct txnops_hdr in;
	unsigned char *buf = NULL;
	size_t len = 0;
	struct err e;

	memset(&in, 0, sizeof(in));
	in.wts = wts;
	in.rts = rts;
	in.mode = mode;
	in.flags = flags;
	in.timeout_ms = timeout_ms;
	in.anchor = anchor;
	in.alen = strlen(anchor);
	if (txnops_hdr_encode(&in, sp, n, &buf, &len, &e) != RC_OK)
		fail_msg("hdr_encode: %s", e.msg);
	if (txnops_hdr_decode(buf, len, h, &e) != RC_OK)
		fail_msg("hdr_decode: %s", e.msg);
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

/*
 * Apply a transactional command as raftd does: check, then (not refused)
 * perform, in one Berkeley DB transaction, committed.  Returns the rc.
 */
static int apply2(struct fx *f, unsigned idn, const struct txnops_hdr *h,
		  const struct txnops_write *w, size_t n_w, uint64_t now,
		  struct txnops_res *res)
{
	struct bdb_txn *txn = NULL;
	struct err e;
	int rc;

	assert_int_equal(bdb_txn_begin(f->env, 0, &txn, &e), RC_OK);
	rc = txnops_apply_txn(f->m, f->lt, txn, ID(idn), h, w, n_w, now, 0,
			      res, &e);
	if (rc == RC_OK && res->rc == RC_OK)
		rc = txnops_apply_txn(f->m, f->lt, txn, ID(idn), h, w, n_w, now,
				      1, res, &e);
	if (rc == RC_OK)
		assert_int_equal(bdb_txn_commit(txn, &e), RC_OK);
	else
		bdb_txn_abort(txn, NULL);
	return rc;
}

static int resolve2(struct fx *f, const char *key, unsigned idn, int status,
		    uint64_t cts, struct txnops_res *res)
{
	unsigned char pay[TXNOPS_RESOLVE_LEN];
	struct bdb_txn *txn = NULL;
	struct err e;
	int rc;

	assert_int_equal(txnops_resolve_encode(ID(idn), status, cts, pay),
			 RC_OK);
	assert_int_equal(bdb_txn_begin(f->env, 0, &txn, &e), RC_OK);
	rc = txnops_apply_resolve(f->m, f->lt, txn, key, strlen(key), pay,
				  sizeof(pay), 0, res, &e);
	if (rc == RC_OK && res->rc == RC_OK)
		rc = txnops_apply_resolve(f->m, f->lt, txn, key, strlen(key),
					  pay, sizeof(pay), 1, res, &e);
	if (rc == RC_OK)
		assert_int_equal(bdb_txn_commit(txn, &e), RC_OK);
	else
		bdb_txn_abort(txn, NULL);
	return rc;
}

/* A record op, check then perform; returns rc, res filled. */
static int record2(struct fx *f, const char *anchor, unsigned idn, int op,
		   int force, uint32_t timeout_ms, uint64_t ts, uint64_t now,
		   struct txnops_res *res)
{
	unsigned char pay[TXNOPS_RECORD_LEN];
	struct bdb_txn *txn = NULL;
	struct txnops_res r0;
	struct err e;
	int rc;

	assert_int_equal(txnops_record_encode(ID(idn), op, force, timeout_ms,
					      ts, pay), RC_OK);
	memset(res, 0, sizeof(*res));
	memset(&r0, 0, sizeof(r0));
	assert_int_equal(bdb_txn_begin(f->env, 0, &txn, &e), RC_OK);
	rc = txnops_apply_record(f->lt, txn, anchor, strlen(anchor), pay,
				 sizeof(pay), now, 0, &r0, &e);
	if (rc == RC_OK && r0.rc == RC_OK)
		rc = txnops_apply_record(f->lt, txn, anchor, strlen(anchor),
					 pay, sizeof(pay), now, 1, res, &e);
	if (rc == RC_OK)
		assert_int_equal(bdb_txn_commit(txn, &e), RC_OK);
	else
		bdb_txn_abort(txn, NULL);
	return rc;
}

static void assert_conflict(const struct txnops_conflict *c, const char *key,
			    unsigned idn, const char *anchor, uint64_t ts)
{
	assert_int_equal(c->klen, strlen(key));
	assert_memory_equal(c->key, key, c->klen);
	assert_memory_equal(c->txn, ID(idn), TXNOPS_ID_LEN);
	assert_int_equal(c->alen, strlen(anchor));
	if (c->alen)
		assert_memory_equal(c->anchor, anchor, c->alen);
	assert_int_equal(c->ts, ts);
}

static uint64_t be64_at(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* ---- header encoding ---------------------------------------------------- */

static void test_hdr_roundtrip(void **state)
{
	const char nul_key[] = { 'x', 0, 'y' };
	struct txnops_span sp[5], s;
	struct txnops_hdr in, h;
	unsigned char *buf = NULL;
	size_t len = 0, off = 0, i = 0;
	struct err e;

	(void)state;
	sp[0] = SP("point");
	sp[1] = SR("a", "m");
	sp[2] = SR("x", "");			/* empty end: +inf */
	sp[3] = SP("");				/* the empty key */
	sp[4].point = 0;			/* a key with a NUL */
	sp[4].start = nul_key;
	sp[4].slen = sizeof(nul_key);
	sp[4].end = "z";
	sp[4].elen = 1;

	memset(&in, 0, sizeof(in));
	in.wts = 0x0102030405060708ull;
	in.rts = 0x0102030405060700ull;
	in.mode = TXNOPS_1PC;
	in.flags = TXNOPS_CAN_PUSH;
	in.timeout_ms = 3000;
	in.anchor = "anchor";
	in.alen = 6;
	assert_int_equal(txnops_hdr_encode(&in, sp, 5, &buf, &len, &e), RC_OK);
	/* wts at its fixed offset, so the leader can raise it */
	assert_int_equal(be64_at(buf + TXNOPS_WTS_OFF), in.wts);
	assert_int_equal(txnops_hdr_decode(buf, len, &h, &e), RC_OK);
	assert_int_equal(h.wts, in.wts);
	assert_int_equal(h.rts, in.rts);
	assert_int_equal(h.mode, TXNOPS_1PC);
	assert_int_equal(h.flags, TXNOPS_CAN_PUSH);
	assert_int_equal(h.timeout_ms, 3000);
	assert_int_equal(h.alen, 6);
	assert_memory_equal(h.anchor, "anchor", 6);
	assert_int_equal(h.n_spans, 5);
	while (txnops_span_next(&h, &off, &s)) {
		assert_true(i < 5);
		assert_int_equal(s.point, sp[i].point);
		assert_int_equal(s.slen, sp[i].slen);
		if (s.slen)
			assert_memory_equal(s.start, sp[i].start, s.slen);
		if (!s.point) {
			assert_int_equal(s.elen, sp[i].elen);
			if (s.elen)
				assert_memory_equal(s.end, sp[i].end, s.elen);
		} else {
			assert_int_equal(s.elen, 0);
		}
		i++;
	}
	assert_int_equal(i, 5);
	assert_int_equal(off, h.spans_len);
	free(buf);

	/* no spans, empty anchor, intents with a record */
	in.mode = TXNOPS_INTENTS;
	in.flags = TXNOPS_RECORD;
	in.anchor = "";
	in.alen = 0;
	in.wts = in.rts = 5;
	assert_int_equal(txnops_hdr_encode(&in, NULL, 0, &buf, &len, &e),
			 RC_OK);
	assert_int_equal(len, 27 + 4);
	assert_int_equal(txnops_hdr_decode(buf, len, &h, &e), RC_OK);
	assert_int_equal(h.mode, TXNOPS_INTENTS);
	assert_int_equal(h.flags, TXNOPS_RECORD);
	assert_int_equal(h.alen, 0);
	assert_int_equal(h.n_spans, 0);
	off = 0;
	assert_int_equal(txnops_span_next(&h, &off, &s), 0);
	free(buf);
}

static void test_hdr_truncated(void **state)
{
	struct txnops_span sp[3];
	struct txnops_hdr in, h;
	unsigned char *buf = NULL, *cp;
	size_t len = 0;
	struct err e;

	(void)state;
	sp[0] = SP("pk");
	sp[1] = SR("a", "m");
	sp[2] = SR("x", "");
	memset(&in, 0, sizeof(in));
	in.wts = 200;
	in.rts = 100;
	in.mode = TXNOPS_1PC;
	in.anchor = "anc";
	in.alen = 3;
	assert_int_equal(txnops_hdr_encode(&in, sp, 3, &buf, &len, &e), RC_OK);
	/* every truncation, each in an exact-size copy (ASan sees overreads) */
	for (size_t l = 0; l < len; l++) {
		cp = malloc(l ? l : 1);
		assert_non_null(cp);
		memcpy(cp, buf, l);
		err_clear(&e);
		assert_int_equal(txnops_hdr_decode(cp, l, &h, &e), RC_CORRUPT);
		assert_int_equal(e.code, RC_CORRUPT);
		assert_true(e.msg[0] != '\0');
		free(cp);
	}
	/* a trailing byte */
	cp = malloc(len + 1);
	assert_non_null(cp);
	memcpy(cp, buf, len);
	cp[len] = 0;
	assert_int_equal(txnops_hdr_decode(cp, len + 1, &h, NULL), RC_CORRUPT);
	free(cp);
	/* n_spans one too many / too few */
	cp = malloc(len);
	assert_non_null(cp);
	memcpy(cp, buf, len);
	cp[27 + 3 + 3] = 4;
	assert_int_equal(txnops_hdr_decode(cp, len, &h, NULL), RC_CORRUPT);
	cp[27 + 3 + 3] = 2;
	assert_int_equal(txnops_hdr_decode(cp, len, &h, NULL), RC_CORRUPT);
	/* huge lengths: anchor, then the first span's start */
	memcpy(cp, buf, len);
	memset(cp + 23, 0xff, 4);
	assert_int_equal(txnops_hdr_decode(cp, len, &h, NULL), RC_CORRUPT);
	memcpy(cp, buf, len);
	memset(cp + 27 + 3 + 4 + 1, 0xff, 4);
	assert_int_equal(txnops_hdr_decode(cp, len, &h, NULL), RC_CORRUPT);
	free(cp);
	free(buf);
}

static void test_hdr_bad_fields(void **state)
{
	struct txnops_hdr in, h;
	unsigned char *buf = NULL;
	size_t len = 0;
	struct err e;
	struct {
		int version, mode;
		uint64_t wts, rts;
		int rc;
	} cases[] = {
		{ 1, TXNOPS_INTENTS, 10, 10, RC_OK },	/* rts == wts ok */
		{ 1, TXNOPS_1PC, 10, 9, RC_OK },
		{ 1, TXNOPS_1PC, 10, 11, RC_CORRUPT },	/* rts > wts */
		{ 1, 0, 10, 10, RC_CORRUPT },		/* bad modes */
		{ 1, 3, 10, 10, RC_CORRUPT },
		{ 1, 255, 10, 10, RC_CORRUPT },
		{ 1, TXNOPS_1PC, 0, 0, RC_CORRUPT },	/* no timestamps */
		{ 1, TXNOPS_1PC, 10, 0, RC_CORRUPT },
		{ 2, TXNOPS_1PC, 10, 10, RC_CORRUPT },	/* bad versions */
		{ 0, TXNOPS_1PC, 10, 10, RC_CORRUPT },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&in, 0, sizeof(in));
		in.wts = cases[i].wts;
		in.rts = cases[i].rts;
		in.mode = cases[i].mode;
		in.anchor = "a";
		in.alen = 1;
		assert_int_equal(txnops_hdr_encode(&in, NULL, 0, &buf, &len,
						   &e), RC_OK);
		buf[0] = (unsigned char)cases[i].version;
		err_clear(&e);
		if (txnops_hdr_decode(buf, len, &h, &e) != cases[i].rc)
			fail_msg("case %zu: expected %s, got '%s'", i,
				 rc_name(cases[i].rc), e.msg);
		free(buf);
	}
}

/* ---- intents ------------------------------------------------------------ */

static void test_intents_lay(void **state)
{
	struct fx *f = *state;
	struct txnops_write w[] = {
		{ "a", 1, "va", 2, 0, 0 },
		{ "b", 1, NULL, 0, 0, 0 },
		{ "c", 1, "", 0, 0, 0 },
	};
	struct txnops_hdr h;
	struct txnops_res res;
	struct wlog wl;
	unsigned char *buf;

	version(f, "a", 100, "old");
	version(f, "b", 40, NULL);
	/* wts below a's latest version: every intent at latest + 1 */
	buf = mkhdr(TXNOPS_INTENTS, 0, 50, 50, 0, "a", NULL, 0, &h, NULL);
	res_init(&res, &wl);
	assert_int_equal(apply2(f, A, &h, w, 3, hlc_make(1000, 0), &res),
			 RC_OK);
	assert_int_equal(res.rc, RC_OK);
	assert_int_equal(res.ts, 101);
	assert_intent(f, "a", A, 101, "a", "va");
	assert_intent(f, "b", A, 101, "a", NULL);
	assert_intent(f, "c", A, 101, "a", "");
	/* no committed version written, no record, nobody told */
	assert_int_equal(latest(f, "a"), 100);
	assert_int_equal(latest(f, "b"), 40);
	assert_int_equal(latest(f, "c"), 0);
	assert_int_equal(wl.n, 0);
	{
		struct locktab_record r;

		assert_int_equal(rec_get(f, "a", A, &r), RC_NOT_FOUND);
	}
	free(buf);

	/* wts above every version: intents at wts (keys of another txn) */
	buf = mkhdr(TXNOPS_INTENTS, 0, 500, 300, 0, "d", NULL, 0, &h, NULL);
	res_init(&res, &wl);
	assert_int_equal(apply2(f, B, &h, (struct txnops_write[]){
					{ "d", 1, "vd", 2, 0, 0 } }, 1,
				hlc_make(1000, 0), &res), RC_OK);
	assert_int_equal(res.rc, RC_OK);
	assert_int_equal(res.ts, 500);
	assert_intent(f, "d", B, 500, "d", "vd");
	/* latest == wts: pushed to wts + 1 */
	version(f, "e", 500, "x");
	res_init(&res, &wl);
	assert_int_equal(apply2(f, B, &h, (struct txnops_write[]){
					{ "e", 1, "ve", 2, 0, 0 } }, 1,
				hlc_make(1000, 0), &res), RC_OK);
	assert_int_equal(res.ts, 501);
	assert_intent(f, "e", B, 501, "d", "ve");
	free(buf);
}

/*
 * Increments: the latest committed value (absent 0) + by, computed when
 * the write applies; an own intent on the key is not counted (a re-sent
 * write gives the same value); a value that is no integer, or a sum that
 * overflows, refuses the whole command.
 */
static void test_incr(void **state)
{
	struct fx *f = *state;
	struct txnops_write w[] = {
		{ "n", 1, NULL, 0, 1, 7 }, { "p", 1, "vp", 2, 0, 0 },
		{ "z", 1, NULL, 0, 1, -3 },
	};
	struct txnops_hdr h;
	struct txnops_res res;
	struct wlog wl;
	unsigned char *buf;

	version(f, "n", 100, "35");
	/* intents: values 42 and -3, the write at 101 */
	buf = mkhdr(TXNOPS_INTENTS, 0, 50, 50, 0, "n", NULL, 0, &h, NULL);
	res_init(&res, &wl);
	assert_int_equal(apply2(f, A, &h, w, 3, hlc_make(1000, 0), &res),
			 RC_OK);
	assert_int_equal(res.rc, RC_OK);
	assert_int_equal(res.ts, 101);
	assert_int_equal(res.n_incr, 2);
	assert_true(res.incr[0] == 42 && res.incr[1] == -3);
	assert_intent(f, "n", A, 101, "n", "42");
	assert_intent(f, "p", A, 101, "n", "vp");
	assert_intent(f, "z", A, 101, "n", "-3");
	/* the same write again: the same values, not 49 */
	res_init(&res, &wl);
	assert_int_equal(apply2(f, A, &h, w, 3, hlc_make(1001, 0), &res),
			 RC_OK);
	assert_int_equal(res.rc, RC_OK);
	assert_true(res.incr[0] == 42 && res.incr[1] == -3);
	assert_intent(f, "n", A, 101, "n", "42");
	free(buf);

	/* a one-phase commit writes the values as versions */
	version(f, "c", 10, "-9223372036854775807");
	buf = mkhdr(TXNOPS_1PC, TXNOPS_CAN_PUSH, 200, 200, 0, "", NULL, 0, &h,
		    NULL);
	res_init(&res, &wl);
	assert_int_equal(apply2(f, B, &h, (struct txnops_write[]){
					{ "c", 1, NULL, 0, 1, -1 },
					{ "d", 1, NULL, 0, 1, 5 } }, 2,
				hlc_make(1000, 0), &res), RC_OK);
	assert_int_equal(res.rc, RC_OK);
	assert_int_equal(res.n_incr, 2);
	assert_value(f, "c", 200, "-9223372036854775808", 200);
	assert_value(f, "d", 200, "5", 200);
	/* overflow, and a value that is no integer: refused, nothing done */
	version(f, "t", 10, "ten");
	res_init(&res, &wl);
	assert_int_equal(apply2(f, B, &h, (struct txnops_write[]){
					{ "d", 1, NULL, 0, 1, 1 },
					{ "c", 1, NULL, 0, 1, -1 } }, 2,
				hlc_make(1000, 0), &res), RC_OK);
	assert_int_equal(res.rc, RC_BAD_INPUT);
	assert_non_null(strstr(res.msg, "overflow"));
	assert_value(f, "d", UINT64_MAX, "5", 200);
	res_init(&res, &wl);
	assert_int_equal(apply2(f, B, &h, (struct txnops_write[]){
					{ "t", 1, NULL, 0, 1, 1 } }, 1,
				hlc_make(1000, 0), &res), RC_OK);
	assert_int_equal(res.rc, RC_BAD_INPUT);
	assert_non_null(strstr(res.msg, "not a decimal integer"));
	assert_value(f, "t", UINT64_MAX, "ten", 10);
	free(buf);
}

static void test_intents_foreign_refuses(void **state)
{
	struct fx *f = *state;
	struct txnops_write w[] = {
		{ "a", 1, "va", 2, 0, 0 },
		{ "b", 1, "vb", 2, 0, 0 },
		{ "c", 1, NULL, 0, 0, 0 },
	};
	struct locktab_record r;
	struct txnops_hdr h;
	struct txnops_res res;
	struct wlog wl;
	unsigned char *buf;
	struct err e;

	sintent(f, "b", B, 77, "zz", "theirs");
	buf = mkhdr(TXNOPS_INTENTS, TXNOPS_RECORD, 100, 100, 3000, "a", NULL,
		    0, &h, NULL);
	res_init(&res, &wl);
	assert_int_equal(apply2(f, A, &h, w, 3, hlc_make(1000, 0), &res),
			 RC_OK);
	assert_int_equal(res.rc, RC_CONFLICT);
	assert_int_equal(res.retry, 0);
	assert_int_equal(res.aborted, 0);
	assert_true(strstr(res.msg, "'b'") != NULL);
	assert_int_equal(res.conflicts.n, 1);
	assert_conflict(&res.conflicts.items[0], "b", B, "zz", 77);
	txnops_conflicts_release(&res.conflicts);
	assert_null(res.conflicts.items);
	/* nothing written: no intent of A, no record, B's intent intact */
	assert_false(has_intent(f, "a"));
	assert_false(has_intent(f, "c"));
	assert_intent(f, "b", B, 77, "zz", "theirs");
	assert_int_equal(rec_get(f, "a", A, &r), RC_NOT_FOUND);
	assert_int_equal(wl.n, 0);

	/* even performed without a check pass, no intent is laid */
	free(buf);
	buf = mkhdr(TXNOPS_INTENTS, 0, 100, 100, 0, "a", NULL, 0, &h, NULL);
	res_init(&res, &wl);
	assert_int_equal(txnops_apply_txn(f->m, f->lt, NULL, ID(A), &h, w, 3,
					  hlc_make(1000, 0), 1, &res, &e),
			 RC_OK);
	assert_int_equal(res.rc, RC_CONFLICT);
	assert_int_equal(res.conflicts.n, 1);
	txnops_conflicts_release(&res.conflicts);
	assert_false(has_intent(f, "a"));
	assert_false(has_intent(f, "c"));
	free(buf);
}

static void test_intents_own_overwritten(void **state)
{
	struct fx *f = *state;
	struct txnops_hdr h;
	struct txnops_res res;
	unsigned char *buf;

	buf = mkhdr(TXNOPS_INTENTS, 0, 100, 100, 0, "k", NULL, 0, &h, NULL);
	res_init(&res, NULL);
	assert_int_equal(apply2(f, A, &h, (struct txnops_write[]){
					{ "k", 1, "v1", 2, 0, 0 } }, 1, 1, &res),
			 RC_OK);
	assert_int_equal(res.rc, RC_OK);
	assert_intent(f, "k", A, 100, "k", "v1");
	free(buf);
	/* re-sent (later wts, now a delete): overwritten, not refused */
	buf = mkhdr(TXNOPS_INTENTS, 0, 120, 100, 0, "k", NULL, 0, &h, NULL);
	res_init(&res, NULL);
	assert_int_equal(apply2(f, A, &h, (struct txnops_write[]){
					{ "k", 1, NULL, 0, 0, 0 } }, 1, 1, &res),
			 RC_OK);
	assert_int_equal(res.rc, RC_OK);
	assert_int_equal(res.conflicts.n, 0);
	assert_int_equal(res.ts, 120);
	assert_intent(f, "k", A, 120, "k", NULL);
	/* the same again: harmless */
	res_init(&res, NULL);
	assert_int_equal(apply2(f, A, &h, (struct txnops_write[]){
					{ "k", 1, NULL, 0, 0, 0 } }, 1, 1, &res),
			 RC_OK);
	assert_int_equal(res.rc, RC_OK);
	assert_intent(f, "k", A, 120, "k", NULL);
	assert_int_equal(latest(f, "k"), 0);
	free(buf);
}

static void test_intents_record(void **state)
{
	struct fx *f = *state;
	struct txnops_write w[] = {
		{ "a", 1, "va", 2, 0, 0 },
		{ "q", 1, "vq", 2, 0, 0 }
	};
	struct locktab_record r;
	struct txnops_hdr h;
	struct txnops_res res;
	unsigned char *buf;
	uint64_t now1 = hlc_make(5000, 3), now2 = hlc_make(5400, 0);

	buf = mkhdr(TXNOPS_INTENTS, TXNOPS_RECORD, 100, 90, 2500, "a", NULL,
		    0, &h, NULL);
	res_init(&res, NULL);
	assert_int_equal(apply2(f, A, &h, w, 2, now1, &res), RC_OK);
	assert_int_equal(res.rc, RC_OK);
	assert_int_equal(rec_get(f, "a", A, &r), RC_OK);
	assert_int_equal(r.status, LOCKTAB_PENDING);
	assert_int_equal(r.hb, now1);
	assert_int_equal(r.created, now1);
	assert_int_equal(r.timeout_ms, 2500);
	assert_intent(f, "a", A, 100, "a", "va");
	assert_intent(f, "q", A, 100, "a", "vq");
	/* re-sent later: heartbeat refreshed, creation kept */
	res_init(&res, NULL);
	assert_int_equal(apply2(f, A, &h, w, 2, now2, &res), RC_OK);
	assert_int_equal(res.rc, RC_OK);
	assert_int_equal(rec_get(f, "a", A, &r), RC_OK);
	assert_int_equal(r.status, LOCKTAB_PENDING);
	assert_int_equal(r.hb, now2);
	assert_int_equal(r.created, now1);
	free(buf);

	/* B's record is ABORTED (pushed): refused, nothing laid */
	rec_put(f, "b", B, LOCKTAB_ABORTED, 0, now1, 3000);
	buf = mkhdr(TXNOPS_INTENTS, TXNOPS_RECORD, 100, 90, 3000, "b", NULL,
		    0, &h, NULL);
	res_init(&res, NULL);
	assert_int_equal(apply2(f, B, &h, (struct txnops_write[]){
					{ "b", 1, "vb", 2, 0, 0 },
					{ "c", 1, "vc", 2, 0, 0 } }, 2, now2, &res),
			 RC_OK);
	assert_int_equal(res.rc, RC_CONFLICT);
	assert_int_equal(res.aborted, 1);
	assert_int_equal(res.status, LOCKTAB_ABORTED);
	assert_false(has_intent(f, "b"));
	assert_false(has_intent(f, "c"));
	assert_int_equal(rec_get(f, "b", B, &r), RC_OK);
	assert_int_equal(r.status, LOCKTAB_ABORTED);
	assert_int_equal(r.hb, now1);
	free(buf);

	/* C's record is COMMITTED: refused too, no intents */
	rec_put(f, "c", C, LOCKTAB_COMMITTED, 150, now1, 3000);
	buf = mkhdr(TXNOPS_INTENTS, TXNOPS_RECORD, 100, 90, 3000, "c", NULL,
		    0, &h, NULL);
	res_init(&res, NULL);
	assert_int_equal(apply2(f, C, &h, (struct txnops_write[]){
					{ "c", 1, "vc", 2, 0, 0 } }, 1, now2, &res),
			 RC_OK);
	assert_int_equal(res.rc, RC_CONFLICT);
	assert_int_equal(res.status, LOCKTAB_COMMITTED);
	assert_false(has_intent(f, "c"));
	assert_int_equal(rec_get(f, "c", C, &r), RC_OK);
	assert_int_equal(r.status, LOCKTAB_COMMITTED);
	assert_int_equal(r.ts, 150);
	free(buf);
}

static void test_check_pass_writes_nothing(void **state)
{
	struct fx *f = *state;
	struct txnops_write w[] = {
		{ "a", 1, "va", 2, 0, 0 },
		{ "b", 1, NULL, 0, 0, 0 }
	};
	struct locktab_record r;
	struct txnops_hdr h;
	struct txnops_res res;
	struct wlog wl;
	unsigned char *buf;
	struct err e;

	version(f, "a", 300, "old");
	buf = mkhdr(TXNOPS_INTENTS, TXNOPS_RECORD, 100, 100, 3000, "a", NULL,
		    0, &h, NULL);
	res_init(&res, &wl);
	assert_int_equal(txnops_apply_txn(f->m, f->lt, NULL, ID(A), &h, w, 2,
					  hlc_make(1, 0), 0, &res, &e), RC_OK);
	assert_int_equal(res.rc, RC_OK);
	assert_int_equal(res.ts, 301);		/* the verdict is known */
	assert_false(has_intent(f, "a"));
	assert_false(has_intent(f, "b"));
	assert_int_equal(rec_get(f, "a", A, &r), RC_NOT_FOUND);
	free(buf);

	buf = mkhdr(TXNOPS_1PC, TXNOPS_CAN_PUSH, 100, 100, 0, "", NULL, 0, &h,
		    NULL);
	res_init(&res, &wl);
	assert_int_equal(txnops_apply_txn(f->m, f->lt, NULL, ID(A), &h, w, 2,
					  hlc_make(1, 0), 0, &res, &e), RC_OK);
	assert_int_equal(res.rc, RC_OK);
	assert_int_equal(res.ts, 301);
	assert_int_equal(latest(f, "a"), 300);
	assert_int_equal(latest(f, "b"), 0);
	assert_int_equal(wl.n, 0);
	free(buf);
}

/* ---- one-phase commits -------------------------------------------------- */

static void test_1pc_writes(void **state)
{
	struct fx *f = *state;
	struct txnops_write w[] = {
		{ "a", 1, "va", 2, 0, 0 },
		{ "b", 1, NULL, 0, 0, 0 },
		{ "c", 1, "vc", 2, 0, 0 },
	};
	struct locktab_record r;
	struct txnops_hdr h;
	struct txnops_res res;
	struct wlog wl;
	unsigned char *buf;

	version(f, "b", 50, "oldb");
	buf = mkhdr(TXNOPS_1PC, 0, 200, 100, 0, "a", NULL, 0, &h, NULL);
	res_init(&res, &wl);
	assert_int_equal(apply2(f, A, &h, w, 3, hlc_make(1, 0), &res), RC_OK);
	assert_int_equal(res.rc, RC_OK);
	assert_int_equal(res.ts, 200);
	assert_value(f, "a", 200, "va", 200);
	assert_tombstone(f, "b", 300, 200);
	assert_value(f, "b", 199, "oldb", 50);
	assert_value(f, "c", 100000, "vc", 200);
	/* the callback saw every version, once */
	assert_int_equal(wl.n, 3);
	assert_string_equal(wl.key[0], "a");
	assert_string_equal(wl.key[1], "b");
	assert_string_equal(wl.key[2], "c");
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(wl.ts[i], 200);
	/* no intents, no record */
	assert_false(has_intent(f, "a"));
	assert_int_equal(rec_get(f, "a", A, &r), RC_NOT_FOUND);
	free(buf);

	/* a foreign intent on a written key: locked, nothing written */
	sintent(f, "d", B, 500, "d", "vd");
	buf = mkhdr(TXNOPS_1PC, TXNOPS_CAN_PUSH, 300, 300, 0, "", NULL, 0, &h,
		    NULL);
	res_init(&res, &wl);
	assert_int_equal(apply2(f, A, &h, (struct txnops_write[]){
					{ "e", 1, "ve", 2, 0, 0 },
					{ "d", 1, "x", 1, 0, 0 } }, 2, 1, &res),
			 RC_OK);
	assert_int_equal(res.rc, RC_CONFLICT);
	assert_int_equal(res.retry, 0);
	assert_int_equal(res.conflicts.n, 1);
	assert_conflict(&res.conflicts.items[0], "d", B, "d", 500);
	txnops_conflicts_release(&res.conflicts);
	assert_int_equal(latest(f, "e"), 0);
	assert_int_equal(latest(f, "d"), 0);
	assert_int_equal(wl.n, 0);
	free(buf);
}

static void test_1pc_pushed(void **state)
{
	struct fx *f = *state;
	struct txnops_write w[] = {
		{ "a", 1, "va", 2, 0, 0 },
		{ "k", 1, "vk", 2, 0, 0 }
	};
	struct txnops_hdr h;
	struct txnops_res res;
	struct wlog wl;
	unsigned char *buf;

	version(f, "k", 300, "newer");
	/* can't push: refused as a retry naming the timestamp needed */
	buf = mkhdr(TXNOPS_1PC, 0, 200, 150, 0, "a", NULL, 0, &h, NULL);
	res_init(&res, &wl);
	assert_int_equal(apply2(f, A, &h, w, 2, 1, &res), RC_OK);
	assert_int_equal(res.rc, RC_CONFLICT);
	assert_int_equal(res.retry, 1);
	assert_int_equal(res.ts, 301);
	assert_int_equal(res.conflicts.n, 0);
	assert_int_equal(latest(f, "a"), 0);
	assert_int_equal(latest(f, "k"), 300);
	assert_int_equal(wl.n, 0);
	free(buf);
	/* sent again at the timestamp asked for: written there */
	buf = mkhdr(TXNOPS_1PC, 0, 301, 150, 0, "a", NULL, 0, &h, NULL);
	res_init(&res, &wl);
	assert_int_equal(apply2(f, A, &h, w, 2, 1, &res), RC_OK);
	assert_int_equal(res.rc, RC_OK);
	assert_int_equal(res.ts, 301);
	assert_value(f, "k", 301, "vk", 301);
	free(buf);

	/* can push: written above the newer version */
	version(f, "k", 400, "newest");
	buf = mkhdr(TXNOPS_1PC, TXNOPS_CAN_PUSH, 350, 350, 0, "a", NULL, 0, &h,
		    NULL);
	res_init(&res, &wl);
	assert_int_equal(apply2(f, A, &h, w, 2, 1, &res), RC_OK);
	assert_int_equal(res.rc, RC_OK);
	assert_int_equal(res.ts, 401);
	assert_value(f, "a", 401, "va", 401);
	assert_value(f, "k", 401, "vk", 401);
	assert_value(f, "a", 400, "va", 301);
	assert_int_equal(wl.n, 2);
	assert_int_equal(wl.ts[0], 401);
	assert_int_equal(wl.ts[1], 401);
	free(buf);
}

/*
 * One 1PC of A writing "w" with reads spans, read at rts, written at wts
 * (CAN_PUSH if push): the res.rc.
 */
static int try_1pc(struct fx *f, const struct txnops_span *sp, size_t n,
		   uint64_t rts, uint64_t wts, int push, struct txnops_res *res,
		   struct wlog *wl)
{
	struct txnops_write w[] = { { "w", 1, "vw", 2, 0, 0 } };
	struct txnops_hdr h;
	unsigned char *buf;

	buf = mkhdr(TXNOPS_1PC, push ? TXNOPS_CAN_PUSH : 0, wts, rts, 0, "",
		    sp, n, &h, NULL);
	res_init(res, wl);
	assert_int_equal(apply2(f, A, &h, w, 1, 1, res), RC_OK);
	free(buf);
	txnops_conflicts_release(&res->conflicts);
	return res->rc;
}

static void test_1pc_read_validation(void **state)
{
	struct fx *f = *state;
	struct txnops_span pt[] = { SP("p") }, rg[] = { SR("r", "s") },
			   open[] = { SR("t", "") };
	struct txnops_res res;
	struct wlog wl;

	/* versions at or below rts and outside the spans don't matter */
	version(f, "p", 100, "p0");
	version(f, "r1", 100, "r0");
	version(f, "s", 150, "s0");		/* end is exclusive */
	version(f, "q", 150, "q0");
	assert_int_equal(try_1pc(f, pt, 1, 100, 200, 0, &res, &wl), RC_OK);
	assert_int_equal(try_1pc(f, rg, 1, 100, 210, 0, &res, &wl), RC_OK);
	assert_int_equal(latest(f, "w"), 210);
	assert_int_equal(wl.n, 1);
	/* a version in (rts, ts']: the point read fails; ts' is inclusive */
	version(f, "p", 250, "p1");
	assert_int_equal(try_1pc(f, pt, 1, 240, 250, 0, &res, &wl),
			 RC_CONFLICT);
	assert_int_equal(res.retry, 1);
	assert_true(strstr(res.msg, "'p'") != NULL);
	assert_int_equal(wl.n, 0);
	assert_int_equal(latest(f, "w"), 210);
	/* ... but not at rts or above ts' */
	assert_int_equal(try_1pc(f, pt, 1, 250, 260, 0, &res, &wl), RC_OK);
	/* w's own latest version (260) moves ts' past wts: a retry */
	assert_int_equal(try_1pc(f, pt, 1, 200, 249, 0, &res, &wl),
			 RC_CONFLICT);
	assert_int_equal(res.retry, 1);
	assert_int_equal(res.ts, 261);
	version(f, "p", 400, "p2");
	assert_int_equal(try_1pc(f, pt, 1, 300, 399, 0, &res, &wl), RC_OK);
	assert_int_equal(latest(f, "w"), 399);
	/* a span: a version in (rts, ts'] of a key inside fails it */
	version(f, "r5", 450, "r5");
	assert_int_equal(try_1pc(f, rg, 1, 420, 460, 0, &res, &wl),
			 RC_CONFLICT);
	assert_true(strstr(res.msg, "'r5'") != NULL);
	assert_int_equal(try_1pc(f, rg, 1, 450, 460, 0, &res, &wl), RC_OK);
	/* open end: any key from t on */
	version(f, "zzz", 500, "z");
	assert_int_equal(try_1pc(f, open, 1, 480, 510, 0, &res, &wl),
			 RC_CONFLICT);
	assert_int_equal(try_1pc(f, open, 1, 500, 510, 0, &res, &wl), RC_OK);
	/*
	 * A newer version of a written key: a 1PC with reads never moves at
	 * apply, even with CAN_PUSH (the leader guarded its reads only up to
	 * wts): a retry naming the timestamp needed; sent again there, its
	 * reads are validated up to it.
	 */
	version(f, "w", 600, "other");
	version(f, "r7", 550, "r7");
	assert_int_equal(try_1pc(f, rg, 1, 550, 560, 1, &res, &wl),
			 RC_CONFLICT);
	assert_int_equal(res.retry, 1);
	assert_int_equal(res.ts, 601);
	assert_int_equal(latest(f, "w"), 600);
	assert_int_equal(try_1pc(f, rg, 1, 520, 601, 1, &res, &wl),
			 RC_CONFLICT);	/* r7 changed at 550 in (520, 601] */
	assert_int_equal(try_1pc(f, rg, 1, 550, 601, 1, &res, &wl), RC_OK);
	assert_int_equal(res.ts, 601);
	assert_int_equal(latest(f, "w"), 601);

	/* foreign intents in the spans: at or below ts' fail, above don't */
	sintent(f, "r9", B, 700, "r9", "x");
	assert_int_equal(try_1pc(f, rg, 1, 650, 700, 0, &res, &wl),
			 RC_CONFLICT);
	assert_int_equal(res.retry, 1);
	assert_true(strstr(res.msg, "'r9'") != NULL);
	assert_int_equal(try_1pc(f, rg, 1, 650, 699, 0, &res, &wl), RC_OK);
	sintent(f, "p", B, 800, "p", "x");
	assert_int_equal(try_1pc(f, pt, 1, 750, 800, 0, &res, &wl),
			 RC_CONFLICT);
	assert_int_equal(try_1pc(f, pt, 1, 750, 799, 0, &res, &wl), RC_OK);
	/* the transaction's own intents never fail it */
	sintent(f, "r3", A, 810, "r3", "own");
	sintent(f, "t1", A, 810, "t1", "own");
	assert_int_equal(try_1pc(f, rg, 1, 805, 900, 0, &res, &wl),
			 RC_CONFLICT);	/* r9 of B is still there */
	{
		struct txnops_span rg2[] = { SR("r", "r5"), SP("t1"),
					     SR("t", "") };

		assert_int_equal(try_1pc(f, rg2, 3, 805, 900, 0, &res, &wl),
				 RC_OK);
	}
	/* several spans: one failing refuses the whole */
	{
		struct txnops_span two[] = { SR("t", ""), SP("p") };

		assert_int_equal(try_1pc(f, two, 2, 905, 1000, 0, &res, &wl),
				 RC_CONFLICT);
		assert_int_equal(wl.n, 0);
	}
	/* rts == ts': nothing to validate */
	assert_int_equal(try_1pc(f, pt, 1, 1001, 1001, 0, &res, &wl), RC_OK);
}

/* ---- plain writes ------------------------------------------------------- */

static void test_plain_check(void **state)
{
	struct fx *f = *state;
	struct txnops_res res;
	uint64_t ts;
	struct err e;

	/* no versions: want */
	res_init(&res, NULL);
	ts = 0;
	assert_int_equal(txnops_plain_check(f->m, f->lt, NULL, "k", 1, 100,
					    &ts, &res, &e), RC_OK);
	assert_int_equal(res.rc, RC_OK);
	assert_int_equal(ts, 100);
	/* a newer version (or one at want): above it */
	version(f, "k", 100, "v");
	assert_int_equal(txnops_plain_check(f->m, f->lt, NULL, "k", 1, 100,
					    &ts, &res, &e), RC_OK);
	assert_int_equal(ts, 101);
	version(f, "k", 150, NULL);
	assert_int_equal(txnops_plain_check(f->m, f->lt, NULL, "k", 1, 120,
					    &ts, &res, &e), RC_OK);
	assert_int_equal(ts, 151);
	assert_int_equal(txnops_plain_check(f->m, f->lt, NULL, "k", 1, 151,
					    &ts, &res, &e), RC_OK);
	assert_int_equal(ts, 151);
	assert_int_equal(res.rc, RC_OK);
	/* any intent locks the key */
	sintent(f, "k", B, 200, "anc", "x");
	res_init(&res, NULL);
	assert_int_equal(txnops_plain_check(f->m, f->lt, NULL, "k", 1, 300,
					    &ts, &res, &e), RC_OK);
	assert_int_equal(res.rc, RC_CONFLICT);
	assert_int_equal(res.retry, 0);
	assert_int_equal(res.conflicts.n, 1);
	assert_conflict(&res.conflicts.items[0], "k", B, "anc", 200);
	txnops_conflicts_release(&res.conflicts);
	/* another key is free */
	res_init(&res, NULL);
	assert_int_equal(txnops_plain_check(f->m, f->lt, NULL, "k2", 2, 300,
					    &ts, &res, &e), RC_OK);
	assert_int_equal(res.rc, RC_OK);
	assert_int_equal(ts, 300);
}

/* ---- resolve ------------------------------------------------------------ */

static void test_resolve_committed(void **state)
{
	struct fx *f = *state;
	struct txnops_res res;
	struct wlog wl;

	version(f, "k", 50, "before");
	sintent(f, "k", A, 100, "k", "mine");
	sintent(f, "d", A, 100, "k", NULL);
	version(f, "d", 40, "here");
	res_init(&res, &wl);
	assert_int_equal(resolve2(f, "k", A, LOCKTAB_COMMITTED, 150, &res),
			 RC_OK);
	assert_int_equal(res.rc, RC_OK);
	assert_int_equal(res.count, 1);
	assert_value(f, "k", 150, "mine", 150);
	assert_value(f, "k", 149, "before", 50);
	assert_false(has_intent(f, "k"));
	assert_int_equal(wl.n, 1);
	assert_string_equal(wl.key[0], "k");
	assert_int_equal(wl.ts[0], 150);
	/* a delete intent: a tombstone at the commit timestamp */
	assert_int_equal(resolve2(f, "d", A, LOCKTAB_COMMITTED, 150, &res),
			 RC_OK);
	assert_int_equal(res.count, 2);
	assert_tombstone(f, "d", 200, 150);
	assert_value(f, "d", 149, "here", 40);
	assert_false(has_intent(f, "d"));
	assert_int_equal(wl.n, 2);
	assert_string_equal(wl.key[1], "d");
	assert_int_equal(wl.ts[1], 150);
	/* again: the intent is gone, a no-op */
	assert_int_equal(resolve2(f, "k", A, LOCKTAB_COMMITTED, 150, &res),
			 RC_OK);
	assert_int_equal(res.rc, RC_OK);
	assert_int_equal(res.count, 2);
	assert_int_equal(wl.n, 2);
	assert_int_equal(latest(f, "k"), 150);
}

static void test_resolve_aborted_and_others(void **state)
{
	struct fx *f = *state;
	unsigned char pay[TXNOPS_RESOLVE_LEN + 1];
	struct txnops_res res;
	struct wlog wl;
	struct err e;

	sintent(f, "k", A, 100, "k", "mine");
	sintent(f, "o", B, 100, "o", "theirs");
	res_init(&res, &wl);
	assert_int_equal(resolve2(f, "k", A, LOCKTAB_ABORTED, 0, &res), RC_OK);
	assert_int_equal(res.rc, RC_OK);
	assert_int_equal(res.count, 1);
	assert_false(has_intent(f, "k"));
	assert_int_equal(latest(f, "k"), 0);
	/* another transaction's intent: untouched */
	res_init(&res, &wl);
	assert_int_equal(resolve2(f, "o", A, LOCKTAB_COMMITTED, 150, &res),
			 RC_OK);
	assert_int_equal(res.rc, RC_OK);
	assert_int_equal(res.count, 0);
	assert_intent(f, "o", B, 100, "o", "theirs");
	assert_int_equal(latest(f, "o"), 0);
	assert_int_equal(resolve2(f, "o", A, LOCKTAB_ABORTED, 0, &res), RC_OK);
	assert_int_equal(res.count, 0);
	assert_intent(f, "o", B, 100, "o", "theirs");
	/* no intent at all */
	assert_int_equal(resolve2(f, "none", A, LOCKTAB_COMMITTED, 150, &res),
			 RC_OK);
	assert_int_equal(res.rc, RC_OK);
	assert_int_equal(res.count, 0);
	assert_int_equal(latest(f, "none"), 0);
	assert_int_equal(wl.n, 0);
	/* a check pass (do_it 0) changes nothing */
	assert_int_equal(txnops_resolve_encode(ID(B), LOCKTAB_COMMITTED, 150,
					       pay), RC_OK);
	assert_int_equal(txnops_apply_resolve(f->m, f->lt, NULL, "o", 1, pay,
					      TXNOPS_RESOLVE_LEN, 0, &res, &e),
			 RC_OK);
	assert_intent(f, "o", B, 100, "o", "theirs");
	assert_int_equal(wl.n, 0);
	/* malformed payloads: RC_CORRUPT, nothing touched */
	for (size_t l = 0; l <= TXNOPS_RESOLVE_LEN + 1; l++) {
		unsigned char *cp;

		if (l == TXNOPS_RESOLVE_LEN)
			continue;
		cp = malloc(l ? l : 1);
		assert_non_null(cp);
		memcpy(cp, pay, l < TXNOPS_RESOLVE_LEN ? l :
				TXNOPS_RESOLVE_LEN);
		if (l > TXNOPS_RESOLVE_LEN)
			cp[TXNOPS_RESOLVE_LEN] = 0;
		assert_int_equal(txnops_apply_resolve(f->m, f->lt, NULL, "o",
						      1, cp, l, 1, &res, &e),
				 RC_CORRUPT);
		free(cp);
	}
	for (int st = 0; st < 6; st++) {
		if (st == LOCKTAB_COMMITTED || st == LOCKTAB_ABORTED)
			continue;
		txnops_resolve_encode(ID(B), st, 150, pay);
		assert_int_equal(txnops_apply_resolve(f->m, f->lt, NULL, "o",
						      1, pay,
						      TXNOPS_RESOLVE_LEN, 1,
						      &res, &e), RC_CORRUPT);
	}
	assert_intent(f, "o", B, 100, "o", "theirs");
	assert_int_equal(latest(f, "o"), 0);
	assert_int_equal(wl.n, 0);
}

/* ---- records ------------------------------------------------------------ */

static void test_record_heartbeat_commit_abort(void **state)
{
	struct fx *f = *state;
	struct locktab_record r;
	struct txnops_res res;
	uint64_t t1 = hlc_make(10000, 1), t2 = hlc_make(10500, 0),
		 t3 = hlc_make(11000, 0);

	/* heartbeat: creates PENDING */
	assert_int_equal(record2(f, "a", A, TXNOPS_REC_HEARTBEAT, 0, 2000, 0,
				 t1, &res), RC_OK);
	assert_int_equal(res.rc, RC_OK);
	assert_int_equal(res.status, LOCKTAB_PENDING);
	assert_int_equal(rec_get(f, "a", A, &r), RC_OK);
	assert_int_equal(r.status, LOCKTAB_PENDING);
	assert_int_equal(r.hb, t1);
	assert_int_equal(r.created, t1);
	assert_int_equal(r.timeout_ms, 2000);
	/* refreshes hb; timeout 0 keeps the old one */
	assert_int_equal(record2(f, "a", A, TXNOPS_REC_HEARTBEAT, 0, 0, 0, t2,
				 &res), RC_OK);
	assert_int_equal(rec_get(f, "a", A, &r), RC_OK);
	assert_int_equal(r.status, LOCKTAB_PENDING);
	assert_int_equal(r.hb, t2);
	assert_int_equal(r.created, t1);
	assert_int_equal(r.timeout_ms, 2000);
	/* another transaction's record at the same anchor is distinct */
	assert_int_equal(rec_get(f, "a", B, &r), RC_NOT_FOUND);

	/* commit PENDING -> COMMITTED at ts */
	assert_int_equal(record2(f, "a", A, TXNOPS_REC_COMMIT, 0, 0, 777, t3,
				 &res), RC_OK);
	assert_int_equal(res.status, LOCKTAB_COMMITTED);
	assert_int_equal(res.ts, 777);
	assert_int_equal(rec_get(f, "a", A, &r), RC_OK);
	assert_int_equal(r.status, LOCKTAB_COMMITTED);
	assert_int_equal(r.ts, 777);
	/* idempotent: a second commit keeps the first ts */
	assert_int_equal(record2(f, "a", A, TXNOPS_REC_COMMIT, 0, 0, 999, t3,
				 &res), RC_OK);
	assert_int_equal(res.status, LOCKTAB_COMMITTED);
	assert_int_equal(res.ts, 777);
	/* heartbeat and abort on COMMITTED: no-ops reporting COMMITTED */
	assert_int_equal(record2(f, "a", A, TXNOPS_REC_HEARTBEAT, 0, 5, 0,
				 hlc_make(20000, 0), &res), RC_OK);
	assert_int_equal(res.status, LOCKTAB_COMMITTED);
	assert_int_equal(record2(f, "a", A, TXNOPS_REC_ABORT, 0, 0, 0, t3,
				 &res), RC_OK);
	assert_int_equal(res.status, LOCKTAB_COMMITTED);
	assert_int_equal(res.ts, 777);
	assert_int_equal(rec_get(f, "a", A, &r), RC_OK);
	assert_int_equal(r.status, LOCKTAB_COMMITTED);
	assert_int_equal(r.ts, 777);
	assert_int_equal(r.hb, t2);
	assert_int_equal(r.timeout_ms, 2000);

	/* commit of a missing record: COMMITTED */
	assert_int_equal(record2(f, "b", B, TXNOPS_REC_COMMIT, 0, 3000, 555,
				 t1, &res), RC_OK);
	assert_int_equal(res.status, LOCKTAB_COMMITTED);
	assert_int_equal(rec_get(f, "b", B, &r), RC_OK);
	assert_int_equal(r.status, LOCKTAB_COMMITTED);
	assert_int_equal(r.ts, 555);

	/* abort: PENDING and missing -> ABORTED */
	rec_put(f, "c", C, LOCKTAB_PENDING, 300, t1, 3000);
	assert_int_equal(record2(f, "c", C, TXNOPS_REC_ABORT, 0, 0, 0, t2,
				 &res), RC_OK);
	assert_int_equal(res.status, LOCKTAB_ABORTED);
	assert_int_equal(rec_get(f, "c", C, &r), RC_OK);
	assert_int_equal(r.status, LOCKTAB_ABORTED);
	assert_int_equal(record2(f, "m", A, TXNOPS_REC_ABORT, 0, 0, 0, t2,
				 &res), RC_OK);
	assert_int_equal(res.status, LOCKTAB_ABORTED);
	assert_int_equal(rec_get(f, "m", A, &r), RC_OK);
	assert_int_equal(r.status, LOCKTAB_ABORTED);
	/* ABORTED stays: commit and heartbeat report ABORTED */
	assert_int_equal(record2(f, "c", C, TXNOPS_REC_COMMIT, 0, 0, 900, t3,
				 &res), RC_OK);
	assert_int_equal(res.status, LOCKTAB_ABORTED);
	assert_int_equal(record2(f, "c", C, TXNOPS_REC_HEARTBEAT, 0, 0, 0, t3,
				 &res), RC_OK);
	assert_int_equal(res.status, LOCKTAB_ABORTED);
	assert_int_equal(rec_get(f, "c", C, &r), RC_OK);
	assert_int_equal(r.status, LOCKTAB_ABORTED);
	assert_int_equal(r.hb, t1);
}

static void test_record_push(void **state)
{
	struct fx *f = *state;
	struct locktab_record r;
	struct txnops_res res;
	uint64_t hb = hlc_make(10000, 0);

	/* missing, pushee's intent young: still missing, nothing written */
	assert_int_equal(record2(f, "a", A, TXNOPS_REC_PUSH, 0, 3000, hb,
				 hlc_make(13000, 9), &res), RC_OK);
	assert_int_equal(res.rc, RC_OK);
	assert_int_equal(res.status, 0);
	assert_int_equal(rec_get(f, "a", A, &r), RC_NOT_FOUND);
	/* missing, pushee's intent old: an ABORTED record stops its creation */
	assert_int_equal(record2(f, "a", A, TXNOPS_REC_PUSH, 0, 3000, hb,
				 hlc_make(13001, 0), &res), RC_OK);
	assert_int_equal(res.status, LOCKTAB_ABORTED);
	assert_int_equal(rec_get(f, "a", A, &r), RC_OK);
	assert_int_equal(r.status, LOCKTAB_ABORTED);
	/* missing and young but forced: ABORTED */
	assert_int_equal(record2(f, "f", A, TXNOPS_REC_PUSH, 1, 3000, hb,
				 hb, &res), RC_OK);
	assert_int_equal(res.status, LOCKTAB_ABORTED);
	assert_int_equal(rec_get(f, "f", A, &r), RC_OK);
	assert_int_equal(r.status, LOCKTAB_ABORTED);

	/* PENDING and alive: unchanged (its own hb/timeout, not the op's) */
	rec_put(f, "b", B, LOCKTAB_PENDING, 100, hb, 5000);
	assert_int_equal(record2(f, "b", B, TXNOPS_REC_PUSH, 0, 10, 1,
				 hlc_make(15000, 0), &res), RC_OK);
	assert_int_equal(res.status, LOCKTAB_PENDING);
	assert_int_equal(rec_get(f, "b", B, &r), RC_OK);
	assert_int_equal(r.status, LOCKTAB_PENDING);
	assert_int_equal(r.hb, hb);
	/* PENDING and expired: ABORTED */
	assert_int_equal(record2(f, "b", B, TXNOPS_REC_PUSH, 0, 10, 1,
				 hlc_make(15001, 0), &res), RC_OK);
	assert_int_equal(res.status, LOCKTAB_ABORTED);
	assert_int_equal(rec_get(f, "b", B, &r), RC_OK);
	assert_int_equal(r.status, LOCKTAB_ABORTED);
	/* PENDING, alive, forced: ABORTED */
	rec_put(f, "c", C, LOCKTAB_PENDING, 100, hb, 5000);
	assert_int_equal(record2(f, "c", C, TXNOPS_REC_PUSH, 1, 0, 0, hb,
				 &res), RC_OK);
	assert_int_equal(res.status, LOCKTAB_ABORTED);
	assert_int_equal(rec_get(f, "c", C, &r), RC_OK);
	assert_int_equal(r.status, LOCKTAB_ABORTED);

	/* finished records are never touched, even forced or expired */
	rec_put(f, "d", A, LOCKTAB_COMMITTED, 4242, hb, 10);
	assert_int_equal(record2(f, "d", A, TXNOPS_REC_PUSH, 1, 0, 0,
				 hlc_make(99999, 0), &res), RC_OK);
	assert_int_equal(res.status, LOCKTAB_COMMITTED);
	assert_int_equal(res.ts, 4242);
	assert_int_equal(rec_get(f, "d", A, &r), RC_OK);
	assert_int_equal(r.status, LOCKTAB_COMMITTED);
	assert_int_equal(r.ts, 4242);
	assert_int_equal(record2(f, "a", A, TXNOPS_REC_PUSH, 1, 0, 0,
				 hlc_make(99999, 0), &res), RC_OK);
	assert_int_equal(res.status, LOCKTAB_ABORTED);
}

static void test_record_gc_and_malformed(void **state)
{
	struct fx *f = *state;
	unsigned char pay[TXNOPS_RECORD_LEN + 1];
	struct locktab_record r;
	struct txnops_res res;
	uint64_t hb = hlc_make(10000, 0);
	struct err e;

	rec_put(f, "a", A, LOCKTAB_COMMITTED, 10, hb, 3000);
	rec_put(f, "b", B, LOCKTAB_ABORTED, 0, hb, 3000);
	rec_put(f, "c", C, LOCKTAB_PENDING, 10, hb, 3000);
	assert_int_equal(record2(f, "a", A, TXNOPS_REC_GC, 0, 0, 0, hb, &res),
			 RC_OK);
	assert_int_equal(res.status, 0);
	assert_int_equal(rec_get(f, "a", A, &r), RC_NOT_FOUND);
	assert_int_equal(record2(f, "b", B, TXNOPS_REC_GC, 0, 0, 0, hb, &res),
			 RC_OK);
	assert_int_equal(res.status, 0);
	assert_int_equal(rec_get(f, "b", B, &r), RC_NOT_FOUND);
	assert_int_equal(record2(f, "c", C, TXNOPS_REC_GC, 0, 0, 0,
				 hlc_make(99999, 0), &res), RC_OK);
	assert_int_equal(res.status, LOCKTAB_PENDING);
	assert_int_equal(rec_get(f, "c", C, &r), RC_OK);
	assert_int_equal(r.status, LOCKTAB_PENDING);
	/* gc of a missing record: nothing, status 0 */
	assert_int_equal(record2(f, "a", A, TXNOPS_REC_GC, 0, 0, 0, hb, &res),
			 RC_OK);
	assert_int_equal(res.status, 0);
	assert_int_equal(rec_get(f, "a", A, &r), RC_NOT_FOUND);

	/* a check pass reports the verdict and writes nothing */
	txnops_record_encode(ID(A), TXNOPS_REC_ABORT, 0, 0, 0, pay);
	memset(&res, 0, sizeof(res));
	assert_int_equal(txnops_apply_record(f->lt, NULL, "z", 1, pay,
					     TXNOPS_RECORD_LEN, hb, 0, &res,
					     &e), RC_OK);
	assert_int_equal(res.status, LOCKTAB_ABORTED);
	assert_int_equal(rec_get(f, "z", A, &r), RC_NOT_FOUND);

	/* malformed: every other length, ops 0 and 6 */
	for (size_t l = 0; l <= TXNOPS_RECORD_LEN + 1; l++) {
		unsigned char *cp;

		if (l == TXNOPS_RECORD_LEN)
			continue;
		cp = malloc(l ? l : 1);
		assert_non_null(cp);
		memcpy(cp, pay, l < TXNOPS_RECORD_LEN ? l : TXNOPS_RECORD_LEN);
		if (l > TXNOPS_RECORD_LEN)
			cp[TXNOPS_RECORD_LEN] = 0;
		assert_int_equal(txnops_apply_record(f->lt, NULL, "z", 1, cp,
						     l, hb, 1, &res, &e),
				 RC_CORRUPT);
		free(cp);
	}
	txnops_record_encode(ID(A), 0, 0, 0, 0, pay);
	assert_int_equal(txnops_apply_record(f->lt, NULL, "z", 1, pay,
					     TXNOPS_RECORD_LEN, hb, 1, &res,
					     &e), RC_CORRUPT);
	txnops_record_encode(ID(A), TXNOPS_REC_GC + 1, 0, 0, 0, pay);
	assert_int_equal(txnops_apply_record(f->lt, NULL, "z", 1, pay,
					     TXNOPS_RECORD_LEN, hb, 1, &res,
					     &e), RC_CORRUPT);
	assert_int_equal(rec_get(f, "z", A, &r), RC_NOT_FOUND);
}

static void test_expired(void **state)
{
	uint64_t hb = hlc_make(1000, 5);

	(void)state;
	/* expired when hb's ms + timeout_ms < now's ms; logical ignored */
	assert_false(txnops_expired(hb, 3000, hlc_make(1000, 0)));
	assert_false(txnops_expired(hb, 3000, hlc_make(3999, 0)));
	assert_false(txnops_expired(hb, 3000, hlc_make(4000, 65535)));
	assert_true(txnops_expired(hb, 3000, hlc_make(4001, 0)));
	assert_true(txnops_expired(hb, 3000, hlc_make(900000, 0)));
	assert_false(txnops_expired(hb, 0, hlc_make(1000, 65535)));
	assert_true(txnops_expired(hb, 0, hlc_make(1001, 0)));
	/* a clock behind the heartbeat: never expired */
	assert_false(txnops_expired(hb, 0, hlc_make(10, 0)));
	/* the largest values do not wrap around */
	assert_false(txnops_expired(hlc_make(HLC_PHYSICAL_MAX - 10, 0),
				    UINT32_MAX, hlc_make(HLC_PHYSICAL_MAX, 0)));
	assert_true(txnops_expired(hlc_make(HLC_PHYSICAL_MAX - 10, 0), 9,
				   hlc_make(HLC_PHYSICAL_MAX, 0)));
}

/* ---- reads at the leader ------------------------------------------------ */

static void test_get(void **state)
{
	struct fx *f = *state;
	struct txnops_conflicts c = { NULL, 0 };
	void *v = NULL;
	size_t vl = 0;
	uint64_t vts = 0;
	struct err e;

	version(f, "k", 100, "v1");
	sintent(f, "k", A, 50, "k", "own");
	/* own intent (even below ts) ignored */
	assert_int_equal(txnops_get(f->m, f->lt, "k", 1, 200, ID(A), &v, &vl,
				    &vts, &c, &e), RC_OK);
	assert_int_equal(vl, 2);
	assert_memory_equal(v, "v1", 2);
	assert_int_equal(vts, 100);
	assert_int_equal(c.n, 0);
	free(v);
	/* someone else's intent at 50 <= 200: locked */
	assert_int_equal(txnops_get(f->m, f->lt, "k", 1, 200, ID(B), &v, &vl,
				    &vts, &c, &e), RC_CONFLICT);
	assert_int_equal(c.n, 1);
	assert_conflict(&c.items[0], "k", A, "k", 50);
	assert_true(strstr(e.msg, "'k'") != NULL);
	txnops_conflicts_release(&c);
	/* a foreign intent above ts is invisible; at ts it conflicts */
	sintent(f, "j", B, 300, "anc", "theirs");
	version(f, "j", 100, "jv");
	assert_int_equal(txnops_get(f->m, f->lt, "j", 1, 299, ID(A), &v, &vl,
				    &vts, &c, &e), RC_OK);
	assert_memory_equal(v, "jv", 2);
	free(v);
	assert_int_equal(c.n, 0);
	assert_int_equal(txnops_get(f->m, f->lt, "j", 1, 300, ID(A), &v, &vl,
				    &vts, &c, &e), RC_CONFLICT);
	assert_int_equal(c.n, 1);
	assert_conflict(&c.items[0], "j", B, "anc", 300);
	txnops_conflicts_release(&c);
	/* below the first version / absent key: not found */
	assert_int_equal(txnops_get(f->m, f->lt, "j", 1, 99, ID(A), &v, &vl,
				    &vts, &c, &e), RC_NOT_FOUND);
	assert_int_equal(txnops_get(f->m, f->lt, "none", 4, 500, ID(A), &v,
				    &vl, &vts, &c, &e), RC_NOT_FOUND);
	assert_int_equal(c.n, 0);
	/* a foreign intent on an absent key: still locked */
	sintent(f, "new", C, 10, "new", "n");
	assert_int_equal(txnops_get(f->m, f->lt, "new", 3, 500, ID(A), &v, &vl,
				    &vts, &c, &e), RC_CONFLICT);
	assert_int_equal(c.n, 1);
	txnops_conflicts_release(&c);
}

static void test_scan(void **state)
{
	struct fx *f = *state;
	struct txnops_conflicts c = { NULL, 0 };
	struct mvcc_scan_result r;
	struct err e;

	memset(&r, 0, sizeof(r));
	version(f, "a", 100, "va");
	version(f, "b", 100, "vb");
	version(f, "c", 100, "vc");
	version(f, "d", 100, "vd");
	version(f, "e", 250, "ve");
	sintent(f, "b", A, 10, "b", "own");	/* own: ignored */
	sintent(f, "d", B, 300, "x", "t");	/* above 200 */
	assert_int_equal(txnops_scan(f->m, f->lt, "a", 1, "", 0, 200, ID(A),
				     100, &r, &c, &e), RC_OK);
	assert_int_equal(c.n, 0);
	assert_int_equal(r.n, 4);		/* e is at 250 */
	assert_memory_equal(r.items[1].key, "b", 1);
	assert_memory_equal(r.items[1].val, "vb", 2);
	mvcc_scan_result_release(&r);
	/* at 300: d's intent conflicts; with another, both are named */
	sintent(f, "c", C, 120, "y", NULL);
	assert_int_equal(txnops_scan(f->m, f->lt, "a", 1, "", 0, 300, ID(A),
				     100, &r, &c, &e), RC_CONFLICT);
	assert_int_equal(c.n, 2);
	assert_conflict(&c.items[0], "c", C, "y", 120);
	assert_conflict(&c.items[1], "d", B, "x", 300);
	mvcc_scan_result_release(&r);
	txnops_conflicts_release(&c);
	/* at 200 only c's */
	assert_int_equal(txnops_scan(f->m, f->lt, "a", 1, "z", 1, 200, ID(A),
				     100, &r, &c, &e), RC_CONFLICT);
	assert_int_equal(c.n, 1);
	assert_conflict(&c.items[0], "c", C, "y", 120);
	mvcc_scan_result_release(&r);
	txnops_conflicts_release(&c);
	/* C itself: its own intent on c ignored, B's on d above 200 ... */
	assert_int_equal(txnops_scan(f->m, f->lt, "c", 1, "", 0, 200, ID(C),
				     100, &r, &c, &e), RC_OK);
	assert_int_equal(c.n, 0);
	assert_int_equal(r.n, 2);
	assert_memory_equal(r.items[0].key, "c", 1);
	assert_memory_equal(r.items[1].key, "d", 1);
	mvcc_scan_result_release(&r);
	/* ... but A's on b, at 10, is a foreign intent for C */
	assert_int_equal(txnops_scan(f->m, f->lt, "", 0, "", 0, 200, ID(C),
				     100, &r, &c, &e), RC_CONFLICT);
	assert_int_equal(c.n, 1);
	assert_conflict(&c.items[0], "b", A, "b", 10);
	mvcc_scan_result_release(&r);
	txnops_conflicts_release(&c);
	/* a span that leaves the intents out: fine, end exclusive */
	assert_int_equal(txnops_scan(f->m, f->lt, "a", 1, "c", 1, 400, ID(A),
				     100, &r, &c, &e), RC_OK);
	assert_int_equal(r.n, 2);
	mvcc_scan_result_release(&r);
	assert_int_equal(txnops_scan(f->m, f->lt, "e", 1, "", 0, 400, ID(A),
				     100, &r, &c, &e), RC_OK);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.items[0].ts, 250);
	mvcc_scan_result_release(&r);
}

/* At most TXNOPS_MAX_CONFLICTS foreign intents are named. */
static void test_scan_many_conflicts(void **state)
{
	struct fx *f = *state;
	struct txnops_conflicts c = { NULL, 0 };
	struct mvcc_scan_result r;
	struct bdb_txn *txn = NULL;
	char k[16];
	struct err e;

	memset(&r, 0, sizeof(r));
	assert_int_equal(bdb_txn_begin(f->env, 0, &txn, &e), RC_OK);
	for (int i = 0; i < 150; i++) {
		snprintf(k, sizeof(k), "k%04d", i);
		intent(f, txn, k, strlen(k), B, 100, "k0000", "x");
	}
	assert_int_equal(bdb_txn_commit(txn, &e), RC_OK);
	assert_int_equal(txnops_scan(f->m, f->lt, "", 0, "", 0, 200, ID(A),
				     10, &r, &c, &e), RC_CONFLICT);
	assert_int_equal(c.n, TXNOPS_MAX_CONFLICTS);
	assert_conflict(&c.items[0], "k0000", B, "k0000", 100);
	assert_conflict(&c.items[99], "k0099", B, "k0000", 100);
	mvcc_scan_result_release(&r);
	txnops_conflicts_release(&c);
}

/*
 * A foreign intent at or below ts must be reported however many intents
 * that don't matter (above ts, or the reader's own) precede it in the span.
 */
static void test_scan_conflict_behind_many_intents(void **state)
{
	struct fx *f = *state;
	struct txnops_conflicts c = { NULL, 0 };
	struct mvcc_scan_result r;
	struct bdb_txn *txn = NULL;
	char k[16];
	struct err e;

	memset(&r, 0, sizeof(r));
	assert_int_equal(bdb_txn_begin(f->env, 0, &txn, &e), RC_OK);
	for (int i = 0; i < 1200; i++) {
		snprintf(k, sizeof(k), "k%04d", i);
		intent(f, txn, k, strlen(k), B, 500, "k0000", "later");
	}
	assert_int_equal(bdb_txn_commit(txn, &e), RC_OK);
	sintent(f, "k9999", C, 100, "k9999", "locks");
	version(f, "k9999", 50, "old");
	/* refresh walks every intent: it sees C's */
	{
		struct txnops_span s = SR("k", "l");

		assert_int_equal(txnops_refresh(f->m, f->lt, &s, 60, 200,
						ID(A), &e), RC_CONFLICT);
	}
	/* so must the scan at 200: k9999 is locked below it */
	{
		size_t n;
		int rc;

		rc = txnops_scan(f->m, f->lt, "k", 1, "l", 1, 200, ID(A), 100,
				 &r, &c, &e);
		n = c.n;
		if (n == 1)
			assert_conflict(&c.items[0], "k9999", C, "k9999", 100);
		mvcc_scan_result_release(&r);
		txnops_conflicts_release(&c);
		if (rc != RC_CONFLICT)
			fail_msg("scan at 200 answered %s (%zu conflicts): "
				 "the intent of C at 100 on k9999 was not "
				 "seen behind 1200 intents above 200",
				 rc_name(rc), n);
		assert_int_equal(n, 1);
	}
}

static void test_refresh(void **state)
{
	struct fx *f = *state;
	struct txnops_span p = SP("p"), s = SR("s", "t"), o = SR("x", "");
	struct err e;

	version(f, "p", 150, "p1");
	version(f, "s5", 150, "s1");
	version(f, "t", 150, "t1");		/* just outside s */
	version(f, "x9", 150, NULL);		/* a tombstone counts */
	/* point: a version in (from, to] only */
	assert_int_equal(txnops_refresh(f->m, f->lt, &p, 100, 200, ID(A), &e),
			 RC_CONFLICT);
	assert_true(strstr(e.msg, "'p'") != NULL);
	assert_true(strstr(e.msg, "150") != NULL);
	assert_int_equal(txnops_refresh(f->m, f->lt, &p, 100, 150, ID(A), &e),
			 RC_CONFLICT);
	assert_int_equal(txnops_refresh(f->m, f->lt, &p, 150, 200, ID(A), &e),
			 RC_OK);
	assert_int_equal(txnops_refresh(f->m, f->lt, &p, 100, 149, ID(A), &e),
			 RC_OK);
	assert_int_equal(txnops_refresh(f->m, f->lt, &p, 200, 200, ID(A), &e),
			 RC_OK);
	/* span */
	assert_int_equal(txnops_refresh(f->m, f->lt, &s, 100, 200, ID(A), &e),
			 RC_CONFLICT);
	assert_true(strstr(e.msg, "'s5'") != NULL);
	assert_int_equal(txnops_refresh(f->m, f->lt, &s, 150, 200, ID(A), &e),
			 RC_OK);
	assert_int_equal(txnops_refresh(f->m, f->lt, &s, 10, 149, ID(A), &e),
			 RC_OK);
	{
		struct txnops_span s2 = SR("s6", "t");

		assert_int_equal(txnops_refresh(f->m, f->lt, &s2, 100, 200,
						ID(A), &e), RC_OK);
	}
	assert_int_equal(txnops_refresh(f->m, f->lt, &o, 100, 200, ID(A), &e),
			 RC_CONFLICT);
	assert_true(strstr(e.msg, "'x9'") != NULL);
	assert_int_equal(txnops_refresh(f->m, f->lt, &o, 150, 200, ID(A), &e),
			 RC_OK);

	/* intents: foreign at or below to fail; above, or own, don't */
	sintent(f, "p", B, 300, "p", "x");
	assert_int_equal(txnops_refresh(f->m, f->lt, &p, 200, 299, ID(A), &e),
			 RC_OK);
	assert_int_equal(txnops_refresh(f->m, f->lt, &p, 200, 300, ID(A), &e),
			 RC_CONFLICT);
	assert_true(strstr(e.msg, "locked") != NULL);
	assert_int_equal(txnops_refresh(f->m, f->lt, &p, 200, 300, ID(B), &e),
			 RC_OK);
	sintent(f, "s7", B, 300, "p", "x");
	assert_int_equal(txnops_refresh(f->m, f->lt, &s, 200, 299, ID(A), &e),
			 RC_OK);
	assert_int_equal(txnops_refresh(f->m, f->lt, &s, 200, 300, ID(A), &e),
			 RC_CONFLICT);
	assert_true(strstr(e.msg, "'s7'") != NULL);
	assert_int_equal(txnops_refresh(f->m, f->lt, &s, 200, 300, ID(B), &e),
			 RC_OK);
	/* an intent below from still conflicts (it is not committed yet) */
	sintent(f, "y", C, 20, "y", "x");
	assert_int_equal(txnops_refresh(f->m, f->lt, &o, 200, 300, ID(A), &e),
			 RC_CONFLICT);
	assert_true(strstr(e.msg, "'y'") != NULL);
	/* intents outside the span don't count */
	{
		struct txnops_span s3 = SR("q", "s");

		assert_int_equal(txnops_refresh(f->m, f->lt, &s3, 100, 500,
						ID(A), &e), RC_OK);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr_roundtrip),
		cmocka_unit_test(test_hdr_truncated),
		cmocka_unit_test(test_hdr_bad_fields),
		cmocka_unit_test_setup_teardown(test_intents_lay, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_incr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_intents_foreign_refuses,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_intents_own_overwritten,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_intents_record, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_check_pass_writes_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_1pc_writes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_1pc_pushed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_1pc_read_validation,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_plain_check, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_resolve_committed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_resolve_aborted_and_others, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_record_heartbeat_commit_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_push, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_record_gc_and_malformed,
						setup, teardown),
		cmocka_unit_test(test_expired),
		cmocka_unit_test_setup_teardown(test_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_many_conflicts,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_scan_conflict_behind_many_intents, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_refresh, setup, teardown),
	};

	return cmocka_run_group_tests_name("txnops", tests, NULL, NULL);
}
