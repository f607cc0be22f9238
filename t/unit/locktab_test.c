/*
 * locktab_test.c -- unit tests of libcommon/locktab.c.
 *
 * Each test gets a fresh environment in its own mkdtemp() directory under
 * /tmp, removed afterwards.  The random test (fixed seed) drives intents and
 * records over keys full of 0x00 / 0xFF bytes and compares scans, exports,
 * clears and counts against a brute-force model.  Corruption tests write
 * malformed entries through a second handle on the same database file.
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
#include "locktab.h"
#include "mvcc.h"

struct fx {
	char dir[64];
	struct bdb *env;
	struct locktab *t;
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

static struct locktab *table_open(struct bdb *env, const char *name)
{
	struct locktab *t = NULL;
	struct err e;

	if (locktab_open(env, name, &t, &e) != RC_OK)
		fail_msg("locktab_open: %s", e.msg);
	return t;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct bdb_opts o = { 4u << 20, BDB_DUR_WRITE };
	struct err e;

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/locktab_test.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	if (bdb_open(f->dir, &o, &f->env, &e) != RC_OK)
		fail_msg("bdb_open: %s", e.msg);
	f->t = table_open(f->env, "r1.locks");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (f->t != NULL)
		assert_int_equal(locktab_close(f->t, NULL), RC_OK);
	if (f->env != NULL)
		assert_int_equal(bdb_close(f->env, NULL), RC_OK);
	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* ---- helpers ---------------------------------------------------------- */

static void make_id(unsigned char id[LOCKTAB_ID_LEN], unsigned n)
{
	unsigned i;

	for (i = 0; i < LOCKTAB_ID_LEN; i++)
		id[i] = (unsigned char)(n * 31 + i * 7);
	id[0] = (unsigned char)n;	/* ids differ in their first byte */
}

static void intent_put(struct locktab *t, struct bdb_txn *txn,
		       const void *k, size_t kl, unsigned idn, uint64_t ts,
		       const char *anchor, const char *val)
{
	struct locktab_intent it;
	struct err e;

	memset(&it, 0, sizeof(it));
	make_id(it.txn, idn);
	it.ts = ts;
	it.anchor = (void *)anchor;
	it.alen = strlen(anchor);
	if (val == NULL) {
		it.tombstone = 1;
	} else {
		it.val = (void *)val;
		it.vlen = strlen(val);
	}
	if (locktab_intent_put(t, txn, k, kl, &it, &e) != RC_OK)
		fail_msg("intent_put: %s", e.msg);
}

static void record_put(struct locktab *t, const void *a, size_t al,
		       unsigned idn, int status, uint64_t ts)
{
	struct locktab_record r;
	unsigned char id[LOCKTAB_ID_LEN];
	struct err e;

	make_id(id, idn);
	memset(&r, 0, sizeof(r));
	r.status = status;
	r.ts = ts;
	r.hb = ts + 1;
	r.timeout_ms = 3000;
	r.created = ts - 1;
	if (locktab_record_put(t, NULL, a, al, id, &r, &e) != RC_OK)
		fail_msg("record_put: %s", e.msg);
}

static int keycmp(const void *a, size_t alen, const void *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = n ? memcmp(a, b, n) : 0;

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* A second handle on the table's file, for writing malformed entries. */
static void raw_put(struct fx *f, const void *k, size_t kl, const void *v,
		    size_t vl)
{
	DB *db = NULL;
	struct err e;

	assert_int_equal(bdb_db_open(f->env, "r1.locks", &db, &e), RC_OK);
	assert_int_equal(bdb_put(f->env, db, NULL, k, kl, v, vl, &e), RC_OK);
	assert_int_equal(bdb_db_close(f->env, db, &e), RC_OK);
}

/* ---- tests ------------------------------------------------------------ */

static void test_intent_put_get_del(void **state)
{
	struct fx *f = *state;
	struct locktab_intent it;
	unsigned char id[LOCKTAB_ID_LEN];
	const char bk[] = { 'a', 0, 'b' };	/* a key with a NUL */
	struct err e;

	assert_int_equal(locktab_intent_get(f->t, NULL, "k", 1, &it, &e),
			 RC_NOT_FOUND);
	assert_int_equal(locktab_intent_del(f->t, NULL, "k", 1, &e),
			 RC_NOT_FOUND);

	intent_put(f->t, NULL, "k", 1, 7, 100, "anchor", "value one");
	assert_int_equal(locktab_intent_get(f->t, NULL, "k", 1, &it, &e),
			 RC_OK);
	make_id(id, 7);
	assert_memory_equal(it.txn, id, LOCKTAB_ID_LEN);
	assert_int_equal(it.ts, 100);
	assert_int_equal(it.tombstone, 0);
	assert_int_equal(it.alen, 6);
	assert_memory_equal(it.anchor, "anchor", 6);
	assert_int_equal(it.vlen, 9);
	assert_string_equal(it.val, "value one");	/* NUL-terminated */
	locktab_intent_release(&it);
	assert_null(it.anchor);
	assert_null(it.val);

	/* Overwrite: a delete intent with an empty anchor (the empty key). */
	intent_put(f->t, NULL, "k", 1, 8, 200, "", NULL);
	assert_int_equal(locktab_intent_get(f->t, NULL, "k", 1, &it, &e),
			 RC_OK);
	make_id(id, 8);
	assert_memory_equal(it.txn, id, LOCKTAB_ID_LEN);
	assert_int_equal(it.ts, 200);
	assert_int_equal(it.tombstone, 1);
	assert_int_equal(it.alen, 0);
	assert_non_null(it.anchor);
	assert_int_equal(it.vlen, 0);
	assert_non_null(it.val);
	assert_string_equal(it.val, "");
	locktab_intent_release(&it);

	/* Binary keys and the empty key are distinct keys. */
	intent_put(f->t, NULL, bk, sizeof(bk), 1, 5, "a", "nul");
	intent_put(f->t, NULL, "", 0, 2, 6, "", "empty");
	intent_put(f->t, NULL, "a", 1, 3, 7, "a", "a");
	assert_int_equal(locktab_intent_get(f->t, NULL, bk, sizeof(bk), &it,
					    &e), RC_OK);
	assert_string_equal(it.val, "nul");
	locktab_intent_release(&it);
	assert_int_equal(locktab_intent_get(f->t, NULL, "", 0, &it, &e),
			 RC_OK);
	assert_string_equal(it.val, "empty");
	locktab_intent_release(&it);
	assert_int_equal(locktab_intent_get(f->t, NULL, "a", 1, &it, &e),
			 RC_OK);
	assert_string_equal(it.val, "a");
	locktab_intent_release(&it);
	assert_int_equal(locktab_intent_get(f->t, NULL, "a\0", 2, &it, &e),
			 RC_NOT_FOUND);

	assert_int_equal(locktab_intent_del(f->t, NULL, "k", 1, &e), RC_OK);
	assert_int_equal(locktab_intent_get(f->t, NULL, "k", 1, &it, &e),
			 RC_NOT_FOUND);
	assert_int_equal(locktab_intent_del(f->t, NULL, "k", 1, &e),
			 RC_NOT_FOUND);
	assert_int_equal(locktab_intent_get(f->t, NULL, "a", 1, &it, &e),
			 RC_OK);
	locktab_intent_release(&it);
	locktab_intent_release(NULL);
}

static void test_records(void **state)
{
	struct fx *f = *state;
	struct locktab_record r, w;
	unsigned char id1[LOCKTAB_ID_LEN], id2[LOCKTAB_ID_LEN];
	struct err e;
	uint64_t ni, nr;

	make_id(id1, 1);
	make_id(id2, 2);
	assert_int_equal(locktab_record_get(f->t, NULL, "a", 1, id1, &r, &e),
			 RC_NOT_FOUND);
	assert_int_equal(locktab_record_del(f->t, NULL, "a", 1, id1, &e),
			 RC_NOT_FOUND);

	memset(&w, 0, sizeof(w));
	w.status = LOCKTAB_PENDING;
	w.ts = 0xFEDCBA9876543210ULL;
	w.hb = 0x0123456789ABCDEFULL;
	w.timeout_ms = 0xFFFFFFFFu;
	w.created = 42;
	assert_int_equal(locktab_record_put(f->t, NULL, "a", 1, id1, &w, &e),
			 RC_OK);
	assert_int_equal(locktab_record_get(f->t, NULL, "a", 1, id1, &r, &e),
			 RC_OK);
	assert_int_equal(r.status, LOCKTAB_PENDING);
	assert_true(r.ts == w.ts);
	assert_true(r.hb == w.hb);
	assert_int_equal(r.timeout_ms, w.timeout_ms);
	assert_int_equal(r.created, 42);

	/* Same anchor, other id; prefix anchors; the empty anchor. */
	assert_int_equal(locktab_record_get(f->t, NULL, "a", 1, id2, &r, &e),
			 RC_NOT_FOUND);
	assert_int_equal(locktab_record_get(f->t, NULL, "", 0, id1, &r, &e),
			 RC_NOT_FOUND);
	assert_int_equal(locktab_record_get(f->t, NULL, "ab", 2, id1, &r, &e),
			 RC_NOT_FOUND);
	record_put(f->t, "a", 1, 2, LOCKTAB_ABORTED, 10);
	record_put(f->t, "", 0, 1, LOCKTAB_COMMITTED, 20);
	record_put(f->t, "a\0", 2, 1, LOCKTAB_COMMITTED, 30);

	/* Records and intents of the same keys are independent. */
	intent_put(f->t, NULL, "a", 1, 1, 5, "a", "v");

	assert_int_equal(locktab_record_get(f->t, NULL, "a", 1, id2, &r, &e),
			 RC_OK);
	assert_int_equal(r.status, LOCKTAB_ABORTED);
	assert_int_equal(r.ts, 10);
	assert_int_equal(locktab_record_get(f->t, NULL, "", 0, id1, &r, &e),
			 RC_OK);
	assert_int_equal(r.status, LOCKTAB_COMMITTED);
	assert_int_equal(r.ts, 20);
	assert_int_equal(locktab_record_get(f->t, NULL, "a\0", 2, id1, &r,
					    &e), RC_OK);
	assert_int_equal(r.ts, 30);
	assert_int_equal(locktab_record_get(f->t, NULL, "a", 1, id1, &r, &e),
			 RC_OK);
	assert_int_equal(r.status, LOCKTAB_PENDING);

	/* Overwrite: commit. */
	w.status = LOCKTAB_COMMITTED;
	w.ts = 77;
	assert_int_equal(locktab_record_put(f->t, NULL, "a", 1, id1, &w, &e),
			 RC_OK);
	assert_int_equal(locktab_record_get(f->t, NULL, "a", 1, id1, &r, &e),
			 RC_OK);
	assert_int_equal(r.status, LOCKTAB_COMMITTED);
	assert_int_equal(r.ts, 77);

	assert_int_equal(locktab_count(f->t, &ni, &nr, &e), RC_OK);
	assert_int_equal(ni, 1);
	assert_int_equal(nr, 4);
	assert_int_equal(locktab_count(f->t, NULL, NULL, &e), RC_OK);

	assert_int_equal(locktab_record_del(f->t, NULL, "a", 1, id1, &e),
			 RC_OK);
	assert_int_equal(locktab_record_get(f->t, NULL, "a", 1, id1, &r, &e),
			 RC_NOT_FOUND);
	assert_int_equal(locktab_record_get(f->t, NULL, "a", 1, id2, &r, &e),
			 RC_OK);
	assert_int_equal(locktab_count(f->t, &ni, &nr, &e), RC_OK);
	assert_int_equal(ni, 1);
	assert_int_equal(nr, 3);
}

static void test_intent_scan(void **state)
{
	struct fx *f = *state;
	struct locktab_intents l;
	struct err e;
	static const char *keys[] = { "", "a", "a\0", "a\0\0", "a\001", "ab",
				      "b", "\377" };
	static const size_t klens[] = { 0, 1, 2, 3, 2, 2, 1, 1 };
	size_t i, nk = sizeof(klens) / sizeof(klens[0]);

	/* Insert in reverse so order comes from the table, not the calls. */
	for (i = nk; i-- > 0;) {
		char v[24];

		snprintf(v, sizeof(v), "v%zu", i);
		intent_put(f->t, NULL, keys[i], klens[i], (unsigned)i,
			   100 + i, "a", v);
	}
	record_put(f->t, "a", 1, 1, LOCKTAB_PENDING, 5);	/* not listed */

	assert_int_equal(locktab_intent_scan(f->t, NULL, NULL, 0, NULL, 0, 0,
					     &l, &e), RC_OK);
	assert_int_equal(l.n, nk);
	assert_int_equal(l.more, 0);
	for (i = 0; i < nk; i++) {
		char v[24];

		snprintf(v, sizeof(v), "v%zu", i);
		assert_int_equal(l.items[i].klen, klens[i]);
		assert_memory_equal(l.items[i].key, keys[i], klens[i]);
		assert_int_equal(((char *)l.items[i].key)[klens[i]], 0);
		assert_string_equal(l.items[i].it.val, v);
		assert_int_equal(l.items[i].it.ts, 100 + i);
	}
	locktab_intents_release(&l);
	assert_null(l.items);

	/* [a\0, ab): a\0, a\0\0, a\001 */
	assert_int_equal(locktab_intent_scan(f->t, NULL, "a\0", 2, "ab", 2, 0,
					     &l, &e), RC_OK);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.items[0].klen, 2);
	assert_int_equal(l.items[2].klen, 2);
	assert_memory_equal(l.items[2].key, "a\001", 2);
	locktab_intents_release(&l);

	/* Limits: more only when another intent is in bounds. */
	assert_int_equal(locktab_intent_scan(f->t, NULL, "a", 1, "b", 1, 2,
					     &l, &e), RC_OK);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.more, 1);
	locktab_intents_release(&l);
	assert_int_equal(locktab_intent_scan(f->t, NULL, "a", 1, "b", 1, 5,
					     &l, &e), RC_OK);
	assert_int_equal(l.n, 5);
	assert_int_equal(l.more, 0);
	locktab_intents_release(&l);
	assert_int_equal(locktab_intent_scan(f->t, NULL, "b", 1, NULL, 0, 2,
					     &l, &e), RC_OK);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.more, 0);
	locktab_intents_release(&l);

	/* Empty and inverted spans. */
	assert_int_equal(locktab_intent_scan(f->t, NULL, "c", 1, "d", 1, 0,
					     &l, &e), RC_OK);
	assert_int_equal(l.n, 0);
	locktab_intents_release(&l);
	assert_int_equal(locktab_intent_scan(f->t, NULL, "b", 1, "a", 1, 0,
					     &l, &e), RC_OK);
	assert_int_equal(l.n, 0);
	locktab_intents_release(&l);
	locktab_intents_release(NULL);
}

/* ---- random test against a model ------------------------------------- */

/* Keys of length 0..2 over an alphabet full of escapes: 21 keys. */
static const unsigned char alpha[4] = { 0x00, 0x01, 'a', 0xFF };
#define NKEYS	21
#define NIDS	3

struct model {
	unsigned char k[NKEYS][2];
	size_t kl[NKEYS];
	int intent[NKEYS];		/* 0 none, else ts */
	int rec[NKEYS][NIDS];		/* 0 none, else status */
};

static void model_init(struct model *md)
{
	size_t i, j, n = 0;

	memset(md, 0, sizeof(*md));
	md->kl[n++] = 0;
	for (i = 0; i < 4; i++) {
		md->k[n][0] = alpha[i];
		md->kl[n++] = 1;
	}
	for (i = 0; i < 4; i++)
		for (j = 0; j < 4; j++) {
			md->k[n][0] = alpha[i];
			md->k[n][1] = alpha[j];
			md->kl[n++] = 2;
		}
	/* Sort bytewise. */
	for (i = 1; i < NKEYS; i++)
		for (j = i; j > 0 && keycmp(md->k[j - 1], md->kl[j - 1],
					    md->k[j], md->kl[j]) > 0; j--) {
			unsigned char tk[2];
			size_t tl;

			memcpy(tk, md->k[j], 2);
			memcpy(md->k[j], md->k[j - 1], 2);
			memcpy(md->k[j - 1], tk, 2);
			tl = md->kl[j];
			md->kl[j] = md->kl[j - 1];
			md->kl[j - 1] = tl;
		}
}

/* Is key i in [s, e) (e < 0 or the empty key: +infinity, as the API)? */
static int in_span(const struct model *md, size_t i, int s, int e)
{
	return keycmp(md->k[i], md->kl[i], md->k[s], md->kl[s]) >= 0 &&
	       (e < 0 || md->kl[e] == 0 || keycmp(md->k[i], md->kl[i], md->k[e],
				md->kl[e]) < 0);
}

static void check_scan(struct fx *f, const struct model *md, int s, int en,
		       size_t limit)
{
	struct locktab_intents l;
	struct err e;
	size_t i, j = 0, want = 0;

	assert_int_equal(locktab_intent_scan(f->t, NULL, md->k[s], md->kl[s],
					     en < 0 ? NULL : md->k[en],
					     en < 0 ? 0 : md->kl[en], limit,
					     &l, &e), RC_OK);
	for (i = 0; i < NKEYS; i++) {
		if (!md->intent[i] || !in_span(md, i, s, en))
			continue;
		want++;
		if (limit != 0 && j == limit)
			continue;
		assert_true(j < l.n);
		assert_int_equal(l.items[j].klen, md->kl[i]);
		assert_memory_equal(l.items[j].key, md->k[i], md->kl[i]);
		assert_int_equal(l.items[j].it.ts, md->intent[i]);
		j++;
	}
	assert_int_equal(l.n, j);
	assert_int_equal(l.more, limit != 0 && want > limit);
	locktab_intents_release(&l);
}

static void check_export(struct fx *f, const struct model *md, int s,
			 int en)
{
	struct locktab_raw *items = NULL;
	size_t n = 0, want = 0, i, id;
	struct err e;
	struct locktab *t2;
	uint64_t ni, nr, wi = 0, wr = 0, removed;
	struct bdb_txn *txn;

	assert_int_equal(locktab_export(f->t, NULL, md->k[s], md->kl[s],
					en < 0 ? NULL : md->k[en],
					en < 0 ? 0 : md->kl[en], &items, &n,
					&e), RC_OK);
	for (i = 0; i < NKEYS; i++) {
		if (!in_span(md, i, s, en))
			continue;
		wi += md->intent[i] != 0;
		for (id = 0; id < NIDS; id++)
			wr += md->rec[i][id] != 0;
	}
	want = wi + wr;
	assert_int_equal(n, want);
	/* Stored-key order: strictly ascending. */
	for (i = 1; i < n; i++)
		assert_true(keycmp(items[i - 1].k, items[i - 1].kl,
				   items[i].k, items[i].kl) < 0);

	/* Import into a fresh table: same entries, same counts; clear. */
	t2 = table_open(f->env, "r2.locks");
	assert_int_equal(bdb_txn_begin(f->env, 0, &txn, &e), RC_OK);
	assert_int_equal(locktab_import(t2, txn, items, n, &e), RC_OK);
	assert_int_equal(bdb_txn_commit(txn, &e), RC_OK);
	assert_int_equal(locktab_count(t2, &ni, &nr, &e), RC_OK);
	assert_int_equal(ni, wi);
	assert_int_equal(nr, wr);
	for (i = 0; i < NKEYS; i++) {
		struct locktab_intent it;
		int rc = locktab_intent_get(t2, NULL, md->k[i], md->kl[i],
					    &it, &e);

		if (md->intent[i] && in_span(md, i, s, en)) {
			assert_int_equal(rc, RC_OK);
			assert_int_equal(it.ts, md->intent[i]);
			locktab_intent_release(&it);
		} else {
			assert_int_equal(rc, RC_NOT_FOUND);
		}
		for (id = 0; id < NIDS; id++) {
			struct locktab_record r;
			unsigned char idb[LOCKTAB_ID_LEN];

			make_id(idb, (unsigned)id);
			rc = locktab_record_get(t2, NULL, md->k[i], md->kl[i],
						idb, &r, &e);
			if (md->rec[i][id] && in_span(md, i, s, en)) {
				assert_int_equal(rc, RC_OK);
				assert_int_equal(r.status, md->rec[i][id]);
			} else {
				assert_int_equal(rc, RC_NOT_FOUND);
			}
		}
	}
	assert_int_equal(locktab_clear(t2, NULL, md->k[s], md->kl[s],
				       en < 0 ? NULL : md->k[en],
				       en < 0 ? 0 : md->kl[en], &removed, &e),
			 RC_OK);
	assert_int_equal(removed, want);
	assert_int_equal(locktab_count(t2, &ni, &nr, &e), RC_OK);
	assert_int_equal(ni + nr, 0);
	assert_int_equal(locktab_close(t2, &e), RC_OK);
	assert_int_equal(bdb_db_remove(f->env, NULL, "r2.locks", &e), RC_OK);
	locktab_raw_free(items, n);
}

static void test_random_vs_model(void **state)
{
	struct fx *f = *state;
	struct model md;
	struct err e;
	int round, op;
	uint64_t ni, nr, wi, wr, removed;
	size_t i, id;

	model_init(&md);
	srand(4242);
	for (round = 0; round < 6; round++) {
		for (op = 0; op < 80; op++) {
			size_t k = (size_t)rand() % NKEYS;
			unsigned char idb[LOCKTAB_ID_LEN];
			int r = rand() % 4;

			id = (size_t)rand() % NIDS;
			make_id(idb, (unsigned)id);
			if (r == 0) {
				int ts = 1 + rand() % 1000;

				intent_put(f->t, NULL, md.k[k], md.kl[k],
					   (unsigned)id, (uint64_t)ts, "x",
					   rand() % 2 ? "val" : NULL);
				md.intent[k] = ts;
			} else if (r == 1) {
				int rc = locktab_intent_del(f->t, NULL,
							    md.k[k], md.kl[k],
							    &e);

				assert_int_equal(rc, md.intent[k] ? RC_OK
						 : RC_NOT_FOUND);
				md.intent[k] = 0;
			} else if (r == 2) {
				int st = 1 + rand() % 3;

				record_put(f->t, md.k[k], md.kl[k],
					   (unsigned)id, st, 50);
				md.rec[k][id] = st;
			} else {
				int rc = locktab_record_del(f->t, NULL,
							    md.k[k], md.kl[k],
							    idb, &e);

				assert_int_equal(rc, md.rec[k][id] ? RC_OK
						 : RC_NOT_FOUND);
				md.rec[k][id] = 0;
			}
		}
		wi = wr = 0;
		for (i = 0; i < NKEYS; i++) {
			wi += md.intent[i] != 0;
			for (id = 0; id < NIDS; id++)
				wr += md.rec[i][id] != 0;
		}
		assert_int_equal(locktab_count(f->t, &ni, &nr, &e), RC_OK);
		assert_int_equal(ni, wi);
		assert_int_equal(nr, wr);
		for (op = 0; op < 25; op++) {
			int s = rand() % NKEYS;
			int en = rand() % 4 == 0 ? -1 : rand() % NKEYS;

			check_scan(f, &md, s, en, (size_t)(rand() % 5));
			check_export(f, &md, s, en);
		}
		/* Clear a random span in a transaction, then check all. */
		{
			int s = rand() % NKEYS;
			int en = rand() % 3 == 0 ? -1 : rand() % NKEYS;
			struct bdb_txn *txn;
			uint64_t want = 0;

			for (i = 0; i < NKEYS; i++) {
				if (!in_span(&md, i, s, en))
					continue;
				want += md.intent[i] != 0;
				md.intent[i] = 0;
				for (id = 0; id < NIDS; id++) {
					want += md.rec[i][id] != 0;
					md.rec[i][id] = 0;
				}
			}
			assert_int_equal(bdb_txn_begin(f->env, 0, &txn, &e),
					 RC_OK);
			assert_int_equal(locktab_clear(f->t, txn, md.k[s],
						       md.kl[s],
						       en < 0 ? NULL
						       : md.k[en],
						       en < 0 ? 0 : md.kl[en],
						       &removed, &e), RC_OK);
			assert_int_equal(bdb_txn_commit(txn, &e), RC_OK);
			assert_int_equal(removed, want);
			check_scan(f, &md, 0, -1, 0);
			check_export(f, &md, 0, -1);
		}
	}
}

static void test_txn_abort_commit(void **state)
{
	struct fx *f = *state;
	struct bdb_txn *txn;
	struct locktab_intent it;
	struct locktab_record r;
	unsigned char id[LOCKTAB_ID_LEN];
	struct err e;
	uint64_t removed;

	make_id(id, 1);
	memset(&r, 0, sizeof(r));
	r.status = LOCKTAB_PENDING;
	r.ts = 9;
	assert_int_equal(bdb_txn_begin(f->env, 0, &txn, &e), RC_OK);
	intent_put(f->t, txn, "k", 1, 1, 10, "k", "v");
	assert_int_equal(locktab_record_put(f->t, txn, "k", 1, id, &r, &e),
			 RC_OK);
	assert_int_equal(locktab_intent_get(f->t, txn, "k", 1, &it, &e),
			 RC_OK);
	locktab_intent_release(&it);
	assert_int_equal(bdb_txn_abort(txn, &e), RC_OK);
	assert_int_equal(locktab_intent_get(f->t, NULL, "k", 1, &it, &e),
			 RC_NOT_FOUND);
	assert_int_equal(locktab_record_get(f->t, NULL, "k", 1, id, &r, &e),
			 RC_NOT_FOUND);
	assert_int_equal(r.status, 0);	/* zeroed on failure */

	r.status = LOCKTAB_PENDING;
	r.ts = 9;
	assert_int_equal(bdb_txn_begin(f->env, 0, &txn, &e), RC_OK);
	intent_put(f->t, txn, "k", 1, 1, 10, "k", "v");
	assert_int_equal(locktab_record_put(f->t, txn, "k", 1, id, &r, &e),
			 RC_OK);
	assert_int_equal(bdb_txn_commit(txn, &e), RC_OK);
	assert_int_equal(locktab_intent_get(f->t, NULL, "k", 1, &it, &e),
			 RC_OK);
	locktab_intent_release(&it);

	/* A clear inside an aborted transaction removes nothing. */
	assert_int_equal(bdb_txn_begin(f->env, 0, &txn, &e), RC_OK);
	assert_int_equal(locktab_clear(f->t, txn, NULL, 0, NULL, 0, &removed,
				       &e), RC_OK);
	assert_int_equal(removed, 2);
	assert_int_equal(bdb_txn_abort(txn, &e), RC_OK);
	assert_int_equal(locktab_record_get(f->t, NULL, "k", 1, id, &r, &e),
			 RC_OK);
	assert_int_equal(r.ts, 9);
	/* And without a transaction (its own). */
	assert_int_equal(locktab_clear(f->t, NULL, "k", 1, "l", 1, &removed,
				       &e), RC_OK);
	assert_int_equal(removed, 2);
	assert_int_equal(locktab_record_get(f->t, NULL, "k", 1, id, &r, &e),
			 RC_NOT_FOUND);
}

static void test_reopen(void **state)
{
	struct fx *f = *state;
	struct locktab_intent it;
	struct locktab_record r;
	unsigned char id[LOCKTAB_ID_LEN];
	struct bdb_opts o = { 4u << 20, BDB_DUR_WRITE };
	struct err e;

	intent_put(f->t, NULL, "k", 1, 3, 33, "anc", "val");
	record_put(f->t, "anc", 3, 3, LOCKTAB_COMMITTED, 44);
	assert_int_equal(locktab_close(f->t, &e), RC_OK);
	f->t = NULL;
	assert_int_equal(bdb_close(f->env, &e), RC_OK);
	f->env = NULL;
	assert_int_equal(bdb_open(f->dir, &o, &f->env, &e), RC_OK);
	f->t = table_open(f->env, "r1.locks");
	assert_int_equal(locktab_intent_get(f->t, NULL, "k", 1, &it, &e),
			 RC_OK);
	assert_int_equal(it.ts, 33);
	assert_memory_equal(it.anchor, "anc", 3);
	assert_string_equal(it.val, "val");
	locktab_intent_release(&it);
	make_id(id, 3);
	assert_int_equal(locktab_record_get(f->t, NULL, "anc", 3, id, &r, &e),
			 RC_OK);
	assert_int_equal(r.status, LOCKTAB_COMMITTED);
	assert_int_equal(r.ts, 44);
	assert_int_equal(r.timeout_ms, 3000);
}

static void test_bad_args(void **state)
{
	struct fx *f = *state;
	struct locktab_intent it;
	struct locktab_record r;
	struct locktab_intents l;
	struct locktab_raw *items;
	unsigned char id[LOCKTAB_ID_LEN];
	size_t n;
	char *big = calloc(1, MVCC_KEY_MAX + 1);
	struct err e;
	struct locktab *t;

	assert_non_null(big);
	make_id(id, 1);
	memset(&it, 0, sizeof(it));
	it.ts = 1;
	it.anchor = "a";
	it.alen = 1;
	assert_int_equal(locktab_intent_put(f->t, NULL, NULL, 1, &it, &e),
			 RC_BAD_INPUT);
	assert_non_null(strstr(e.msg, "NULL"));
	assert_int_equal(locktab_intent_put(f->t, NULL, big, MVCC_KEY_MAX + 1,
					    &it, &e), RC_TOO_LARGE);
	assert_int_equal(locktab_intent_put(f->t, NULL, big, MVCC_KEY_MAX,
					    &it, &e), RC_OK);
	assert_int_equal(locktab_intent_put(f->t, NULL, "k", 1, NULL, &e),
			 RC_BAD_INPUT);
	it.ts = 0;
	assert_int_equal(locktab_intent_put(f->t, NULL, "k", 1, &it, &e),
			 RC_BAD_INPUT);
	it.ts = 1;
	it.tombstone = 1;
	it.val = "x";
	it.vlen = 1;
	assert_int_equal(locktab_intent_put(f->t, NULL, "k", 1, &it, &e),
			 RC_BAD_INPUT);
	it.tombstone = 0;
	it.val = NULL;
	assert_int_equal(locktab_intent_put(f->t, NULL, "k", 1, &it, &e),
			 RC_BAD_INPUT);
	it.val = "x";
	it.vlen = (size_t)MVCC_VALUE_MAX + 1;
	assert_int_equal(locktab_intent_put(f->t, NULL, "k", 1, &it, &e),
			 RC_TOO_LARGE);
	it.vlen = 1;
	it.anchor = big;
	it.alen = MVCC_KEY_MAX + 1;
	assert_int_equal(locktab_intent_put(f->t, NULL, "k", 1, &it, &e),
			 RC_TOO_LARGE);
	assert_int_equal(locktab_intent_get(f->t, NULL, "k", 1, NULL, &e),
			 RC_BAD_INPUT);
	assert_int_equal(locktab_intent_get(NULL, NULL, "k", 1, &it, &e),
			 RC_BAD_INPUT);

	memset(&r, 0, sizeof(r));
	assert_int_equal(locktab_record_put(f->t, NULL, "a", 1, id, &r, &e),
			 RC_BAD_INPUT);	/* status 0 */
	r.status = 4;
	assert_int_equal(locktab_record_put(f->t, NULL, "a", 1, id, &r, &e),
			 RC_BAD_INPUT);
	r.status = LOCKTAB_PENDING;
	assert_int_equal(locktab_record_put(f->t, NULL, "a", 1, NULL, &r, &e),
			 RC_BAD_INPUT);
	assert_int_equal(locktab_record_put(f->t, NULL, big, MVCC_KEY_MAX + 1,
					    id, &r, &e), RC_TOO_LARGE);
	assert_int_equal(locktab_record_put(f->t, NULL, "a", 1, id, NULL, &e),
			 RC_BAD_INPUT);
	assert_int_equal(locktab_record_get(f->t, NULL, "a", 1, id, NULL, &e),
			 RC_BAD_INPUT);

	assert_int_equal(locktab_intent_scan(f->t, NULL, NULL, 3, NULL, 0, 0,
					     &l, &e), RC_BAD_INPUT);
	locktab_intents_release(&l);
	assert_int_equal(locktab_intent_scan(f->t, NULL, "a", 1, NULL, 2, 0,
					     &l, &e), RC_BAD_INPUT);
	locktab_intents_release(&l);
	assert_int_equal(locktab_export(f->t, NULL, NULL, 0, NULL, 0, NULL,
					&n, &e), RC_BAD_INPUT);
	assert_int_equal(locktab_export(f->t, NULL, NULL, 1, NULL, 0, &items,
					&n, &e), RC_BAD_INPUT);
	assert_int_equal(locktab_import(f->t, NULL, NULL, 1, &e),
			 RC_BAD_INPUT);
	assert_int_equal(locktab_import(f->t, NULL, NULL, 0, &e), RC_OK);
	assert_int_equal(locktab_clear(f->t, NULL, "a", 1, NULL, 5, NULL, &e),
			 RC_BAD_INPUT);
	assert_int_equal(locktab_count(NULL, NULL, NULL, &e), RC_BAD_INPUT);

	assert_int_equal(locktab_open(f->env, "bad/name", &t, &e),
			 RC_BAD_INPUT);
	assert_int_equal(locktab_open(NULL, "x", &t, &e), RC_BAD_INPUT);
	assert_int_equal(locktab_close(NULL, &e), RC_OK);
	locktab_raw_free(NULL, 0);
	free(big);
}

static void test_corrupt(void **state)
{
	struct fx *f = *state;
	struct locktab_intent it;
	struct locktab_record r;
	struct locktab_intents l;
	struct locktab_raw *items = NULL, bad[2];
	unsigned char id[LOCKTAB_ID_LEN], rk[32];
	size_t n = 0;
	uint64_t ni, nr;
	struct err e;

	/* A good intent to export and mangle. */
	intent_put(f->t, NULL, "k", 1, 1, 10, "anchor", "value");
	record_put(f->t, "k", 1, 1, LOCKTAB_PENDING, 10);
	assert_int_equal(locktab_export(f->t, NULL, NULL, 0, NULL, 0, &items,
					&n, &e), RC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(((unsigned char *)items[0].k)[0], 'i');
	assert_int_equal(((unsigned char *)items[1].k)[0], 'r');

	/* Import validates every entry; nothing is written on a bad one. */
	memcpy(bad, items, sizeof(bad));
	bad[1].vl = items[1].vl - 1;		/* short record */
	assert_int_equal(locktab_import(f->t, NULL, bad, 2, &e), RC_CORRUPT);
	assert_non_null(strstr(e.msg, "entry 2 of 2"));
	memcpy(bad, items, sizeof(bad));
	((unsigned char *)bad[0].v)[0] = 9;	/* unknown format */
	assert_int_equal(locktab_import(f->t, NULL, bad, 1, &e), RC_CORRUPT);
	((unsigned char *)bad[0].v)[0] = 1;
	bad[0].kl = 0;				/* no kind */
	assert_int_equal(locktab_import(f->t, NULL, bad, 1, &e), RC_CORRUPT);
	bad[0].kl = items[0].kl;
	bad[1].kl = items[1].kl - 1;		/* short id */
	assert_int_equal(locktab_import(f->t, NULL, bad, 2, &e), RC_CORRUPT);
	locktab_raw_free(items, n);

	/* Malformed values on disk: get, scan and export say so. */
	raw_put(f, "ik", 2, "\001", 1);
	assert_int_equal(locktab_intent_get(f->t, NULL, "k", 1, &it, &e),
			 RC_CORRUPT);
	assert_non_null(strstr(e.msg, "corrupt"));
	assert_non_null(strstr(e.msg, "r1.locks"));
	assert_int_equal(locktab_intent_scan(f->t, NULL, NULL, 0, NULL, 0, 0,
					     &l, &e), RC_CORRUPT);
	locktab_intents_release(&l);
	assert_int_equal(locktab_export(f->t, NULL, NULL, 0, NULL, 0, &items,
					&n, &e), RC_CORRUPT);
	assert_null(items);
	assert_int_equal(n, 0);
	/* An intent whose anchor length runs past the value. */
	{
		unsigned char v[1 + 1 + 16 + 8 + 4];

		memset(v, 0, sizeof(v));
		v[0] = 1;
		v[25] = 1;			/* ts 1 */
		v[29] = 5;			/* alen 5, no bytes */
		raw_put(f, "ik", 2, v, sizeof(v));
		assert_int_equal(locktab_intent_get(f->t, NULL, "k", 1, &it,
						    &e), RC_CORRUPT);
		v[29] = 0;
		v[1] = 0x80;			/* unknown flag */
		raw_put(f, "ik", 2, v, sizeof(v));
		assert_int_equal(locktab_intent_get(f->t, NULL, "k", 1, &it,
						    &e), RC_CORRUPT);
		v[1] = 0;
		raw_put(f, "ik", 2, v, sizeof(v));	/* now fine */
		assert_int_equal(locktab_intent_get(f->t, NULL, "k", 1, &it,
						    &e), RC_OK);
		assert_int_equal(it.vlen, 0);
		locktab_intent_release(&it);
	}

	/* A record with an unknown status. */
	make_id(id, 1);
	rk[0] = 'r';
	rk[1] = 'k';
	rk[2] = 0;
	rk[3] = 1;
	memcpy(rk + 4, id, LOCKTAB_ID_LEN);
	{
		unsigned char v[30];

		memset(v, 0, sizeof(v));
		v[0] = 1;
		v[1] = 7;
		raw_put(f, rk, 4 + LOCKTAB_ID_LEN, v, sizeof(v));
		assert_int_equal(locktab_record_get(f->t, NULL, "k", 1, id,
						    &r, &e), RC_CORRUPT);
		v[1] = LOCKTAB_ABORTED;
		raw_put(f, rk, 4 + LOCKTAB_ID_LEN, v, sizeof(v));
		assert_int_equal(locktab_record_get(f->t, NULL, "k", 1, id,
						    &r, &e), RC_OK);
		assert_int_equal(r.status, LOCKTAB_ABORTED);
	}

	/* A key of an unknown kind: count refuses it. */
	assert_int_equal(locktab_count(f->t, &ni, &nr, &e), RC_OK);
	assert_int_equal(ni + nr, 2);
	raw_put(f, "zz", 2, "x", 1);
	assert_int_equal(locktab_count(f->t, &ni, &nr, &e), RC_CORRUPT);
	/* An intent key with a bad escape, seen by scans. */
	raw_put(f, "ia\000b", 4, "x", 1);
	assert_int_equal(locktab_intent_scan(f->t, NULL, "a", 1, "b", 1, 0,
					     &l, &e), RC_CORRUPT);
	locktab_intents_release(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_intent_put_get_del,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_intent_scan, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_random_vs_model, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_txn_abort_commit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_args, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
	};

	return cmocka_run_group_tests_name("locktab", tests, NULL, NULL);
}
