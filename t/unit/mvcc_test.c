/*
 * mvcc_test.c -- unit tests of libcommon/bdb.c and libcommon/mvcc.c.
 *
 * Each test gets a fresh environment in its own mkdtemp() directory under
 * /tmp, removed afterwards.  Random tests use a fixed seed and compare the
 * table against a simple in-memory model.  The crash test forks a writer,
 * SIGKILLs it at pseudo-random moments and checks after recovery that every
 * acknowledged transaction is complete and none is half-present.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bdb.h"
#include "err.h"
#include "log.h"
#include "mvcc.h"

struct fx {
	char dir[64];
	struct bdb *env;
	struct mvcc *m;
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

static void rm_rf(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static struct bdb *env_open(const char *dir, enum bdb_durability d)
{
	struct bdb_opts o = { 4u << 20, d };
	struct bdb *env = NULL;
	struct err e;
	int rc = bdb_open(dir, &o, &env, &e);

	if (rc != RC_OK)
		fail_msg("bdb_open: %s", e.msg);
	return env;
}

static struct mvcc *table_open(struct bdb *env, const char *name)
{
	struct mvcc *m = NULL;
	struct err e;

	if (mvcc_open(env, name, &m, &e) != RC_OK)
		fail_msg("mvcc_open: %s", e.msg);
	return m;
}

/* Temp dir only (the crash test opens the environment itself). */
static int setup_dir(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/mvcc_test.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

/* Temp dir, environment (no fsync: fast) and table "t.data". */
static int setup(void **state)
{
	struct fx *f;

	if (setup_dir(state) != 0)
		return -1;
	f = *state;
	f->env = env_open(f->dir, BDB_DUR_WRITE);
	f->m = table_open(f->env, "t.data");
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (f->m != NULL)
		assert_int_equal(mvcc_close(f->m, NULL), RC_OK);
	if (f->env != NULL)
		assert_int_equal(bdb_close(f->env, NULL), RC_OK);
	rm_rf(f->dir);
	free(f);
	return 0;
}

/* ---- helpers ---------------------------------------------------------- */

static void put_s(struct mvcc *m, struct bdb_txn *txn, const char *k,
		  uint64_t ts, const char *v)
{
	struct err e;

	if (mvcc_put(m, txn, k, strlen(k), ts, v, strlen(v), &e) != RC_OK)
		fail_msg("put %s@%llu: %s", k, (unsigned long long)ts, e.msg);
}

static void del_s(struct mvcc *m, struct bdb_txn *txn, const char *k,
		  uint64_t ts)
{
	struct err e;

	if (mvcc_delete(m, txn, k, strlen(k), ts, &e) != RC_OK)
		fail_msg("delete %s@%llu: %s", k, (unsigned long long)ts,
			 e.msg);
}

/* The value of k at ts as a malloc'd string, or NULL when not found. */
static char *get_s(struct mvcc *m, struct bdb_txn *txn, const char *k,
		   uint64_t ts)
{
	struct err e;
	void *v = NULL;
	size_t vlen = 0;
	int rc = mvcc_get(m, txn, k, strlen(k), ts, &v, &vlen, NULL, &e);

	if (rc == RC_NOT_FOUND)
		return NULL;
	if (rc != RC_OK)
		fail_msg("get %s@%llu: %s", k, (unsigned long long)ts, e.msg);
	assert_int_equal(strlen(v), vlen);
	return v;
}

static void assert_get(struct mvcc *m, const char *k, uint64_t ts,
		       const char *want)
{
	char *got = get_s(m, NULL, k, ts);

	if (want == NULL) {
		if (got != NULL)
			fail_msg("%s@%llu: want not found, got '%s'", k,
				 (unsigned long long)ts, got);
		return;
	}
	if (got == NULL)
		fail_msg("%s@%llu: want '%s', got not found", k,
			 (unsigned long long)ts, want);
	assert_string_equal(got, want);
	free(got);
}

static int keycmp(const void *a, size_t alen, const void *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = n ? memcmp(a, b, n) : 0;

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* Scan everything in [start, end) at ts, following pages of size page. */
static void scan_all(struct mvcc *m, const void *start, size_t slen,
		     const void *end, size_t elen, uint64_t ts, size_t page,
		     struct mvcc_scan_result *out)
{
	struct mvcc_scan_result r;
	struct err e;
	void *cur = NULL;
	size_t curlen = slen, cap = 0, i;
	int first = 1, rc;

	memset(out, 0, sizeof(*out));
	for (;;) {
		rc = mvcc_scan(m, NULL, first ? start : cur, curlen, end, elen,
			       ts, page, &r, &e);
		if (rc != RC_OK)
			fail_msg("scan: %s", e.msg);
		first = 0;
		if (page != 0)
			assert_true(r.n <= page);
		if (r.more) {
			assert_int_equal(r.n, page);
			assert_non_null(r.resume_key);
		}
		for (i = 0; i < r.n; i++) {
			if (out->n == cap) {
				cap = cap ? cap * 2 : 16;
				out->items = realloc(out->items,
						     cap * sizeof(*out->items));
				assert_non_null(out->items);
			}
			out->items[out->n++] = r.items[i];
		}
		free(r.items);
		r.items = NULL;
		r.n = 0;
		if (!r.more) {
			mvcc_scan_result_release(&r);
			break;
		}
		free(cur);
		cur = r.resume_key;
		curlen = r.resume_klen;
		r.resume_key = NULL;
		mvcc_scan_result_release(&r);
	}
	free(cur);
}

/* ---- the model for random tests -------------------------------------- */

struct ver {
	unsigned char k[4];
	size_t klen;
	uint64_t ts;
	int tomb;
	char v[16];
	size_t vlen;
};

struct model {
	struct ver *v;
	size_t n, cap;
};

static void model_write(struct model *md, const unsigned char *k,
			size_t klen, uint64_t ts, int tomb, const char *v,
			size_t vlen)
{
	size_t i;
	struct ver *x = NULL;

	for (i = 0; i < md->n; i++)
		if (md->v[i].klen == klen && md->v[i].ts == ts &&
		    memcmp(md->v[i].k, k, klen) == 0)
			x = &md->v[i];
	if (x == NULL) {
		if (md->n == md->cap) {
			md->cap = md->cap ? md->cap * 2 : 64;
			md->v = realloc(md->v, md->cap * sizeof(*md->v));
			assert_non_null(md->v);
		}
		x = &md->v[md->n++];
	}
	memcpy(x->k, k, klen);
	x->klen = klen;
	x->ts = ts;
	x->tomb = tomb;
	memcpy(x->v, v, vlen);
	x->vlen = vlen;
}

/* The model's visible version of k at ts, or NULL. */
static const struct ver *model_get(const struct model *md,
				   const unsigned char *k, size_t klen,
				   uint64_t ts)
{
	const struct ver *best = NULL;
	size_t i;

	for (i = 0; i < md->n; i++) {
		const struct ver *x = &md->v[i];

		if (x->klen == klen && memcmp(x->k, k, klen) == 0 &&
		    x->ts <= ts && (best == NULL || x->ts > best->ts))
			best = x;
	}
	return best != NULL && !best->tomb ? best : NULL;
}

/* All keys of length 0..3 over a 4-letter alphabet full of escapes. */
static const unsigned char alpha[4] = { 0x00, 0x01, 'a', 0xFF };

struct keyset {
	unsigned char k[85][3];
	size_t klen[85];
	size_t n;
};

static void keyset_make(struct keyset *ks)
{
	size_t len, i, j, x;

	ks->n = 0;
	for (len = 0; len <= 3; len++) {
		size_t cnt = 1;

		for (j = 0; j < len; j++)
			cnt *= 4;
		for (i = 0; i < cnt; i++) {
			x = i;
			for (j = 0; j < len; j++) {
				ks->k[ks->n][len - 1 - j] = alpha[x % 4];
				x /= 4;
			}
			ks->klen[ks->n++] = len;
		}
	}
	/* Sort bytewise (a prefix first): the order scans must return. */
	for (i = 1; i < ks->n; i++)
		for (j = i; j > 0 && keycmp(ks->k[j - 1], ks->klen[j - 1],
					    ks->k[j], ks->klen[j]) > 0; j--) {
			unsigned char tk[3];
			size_t tl;

			memcpy(tk, ks->k[j], 3);
			memcpy(ks->k[j], ks->k[j - 1], 3);
			memcpy(ks->k[j - 1], tk, 3);
			tl = ks->klen[j];
			ks->klen[j] = ks->klen[j - 1];
			ks->klen[j - 1] = tl;
		}
}

/* Fill table and model with nops random writes (seeded), in txns of 100. */
static void random_fill(struct fx *f, struct model *md,
			const struct keyset *ks, unsigned seed, int nops,
			uint64_t maxts)
{
	struct bdb_txn *txn = NULL;
	struct err e;
	int i;

	srand(seed);
	for (i = 0; i < nops; i++) {
		size_t ki = (size_t)rand() % ks->n;
		uint64_t ts = 1 + (uint64_t)rand() % maxts;
		int tomb = rand() % 5 == 0;
		char v[16];
		int vlen = snprintf(v, sizeof(v), "v%d", rand() % 1000);

		if (rand() % 10 == 0)
			vlen = 0;	/* empty values too */
		if (i % 100 == 0)
			assert_int_equal(bdb_txn_begin(f->env, 0, &txn, &e),
					 RC_OK);
		if (tomb)
			assert_int_equal(mvcc_delete(f->m, txn, ks->k[ki],
						     ks->klen[ki], ts, &e),
					 RC_OK);
		else
			assert_int_equal(mvcc_put(f->m, txn, ks->k[ki],
						  ks->klen[ki], ts, v,
						  (size_t)vlen, &e), RC_OK);
		model_write(md, ks->k[ki], ks->klen[ki], ts, tomb, v,
			    (size_t)vlen);
		if (i % 100 == 99 || i == nops - 1)
			assert_int_equal(bdb_txn_commit(txn, &e), RC_OK);
	}
}

/* Check every key's get and whole-table scans at ts against the model. */
static void check_against_model(struct mvcc *m, const struct model *md,
				const struct keyset *ks, uint64_t ts)
{
	struct mvcc_scan_result r;
	size_t i, j = 0;
	struct err e;

	for (i = 0; i < ks->n; i++) {
		const struct ver *want = model_get(md, ks->k[i], ks->klen[i],
						   ts);
		void *v = NULL;
		size_t vlen = 0;
		uint64_t fts = 0;
		int rc = mvcc_get(m, NULL, ks->k[i], ks->klen[i], ts, &v,
				  &vlen, &fts, &e);

		if (want == NULL) {
			assert_int_equal(rc, RC_NOT_FOUND);
			continue;
		}
		assert_int_equal(rc, RC_OK);
		assert_int_equal(vlen, want->vlen);
		assert_memory_equal(v, want->v, vlen);
		assert_int_equal(fts, want->ts);
		free(v);
	}
	scan_all(m, NULL, 0, NULL, 0, ts, 7, &r);
	for (i = 0; i < ks->n; i++) {
		const struct ver *want = model_get(md, ks->k[i], ks->klen[i],
						   ts);

		if (want == NULL)
			continue;
		assert_true(j < r.n);
		assert_int_equal(r.items[j].klen, ks->klen[i]);
		assert_memory_equal(r.items[j].key, ks->k[i], ks->klen[i]);
		assert_int_equal(r.items[j].vlen, want->vlen);
		assert_memory_equal(r.items[j].val, want->v, want->vlen);
		assert_int_equal(r.items[j].ts, want->ts);
		j++;
	}
	assert_int_equal(j, r.n);
	mvcc_scan_result_release(&r);
}

/* ---- tests ------------------------------------------------------------ */

static void test_put_get_timestamps(void **state)
{
	struct fx *f = *state;
	struct err e;
	uint64_t fts = 99;
	void *v = NULL;
	size_t vlen = 0;

	put_s(f->m, NULL, "k", 10, "ten");
	put_s(f->m, NULL, "k", 20, "twenty");
	put_s(f->m, NULL, "k", 30, "thirty");
	assert_get(f->m, "k", 9, NULL);
	assert_get(f->m, "k", 10, "ten");
	assert_get(f->m, "k", 15, "ten");
	assert_get(f->m, "k", 20, "twenty");
	assert_get(f->m, "k", 29, "twenty");
	assert_get(f->m, "k", 30, "thirty");
	assert_get(f->m, "k", UINT64_MAX, "thirty");
	assert_get(f->m, "j", UINT64_MAX, NULL);
	assert_get(f->m, "kk", UINT64_MAX, NULL);
	assert_get(f->m, "", UINT64_MAX, NULL);

	assert_int_equal(mvcc_get(f->m, NULL, "k", 1, 25, &v, &vlen, &fts, &e),
			 RC_OK);
	assert_int_equal(fts, 20);
	assert_int_equal(vlen, 6);
	assert_memory_equal(v, "twenty", 7);	/* NUL-terminated */
	free(v);
	/* val, vlen and found_ts may all be NULL: an existence check. */
	assert_int_equal(mvcc_get(f->m, NULL, "k", 1, 25, NULL, NULL, NULL,
				  &e), RC_OK);
	assert_int_equal(mvcc_get(f->m, NULL, "k", 1, 5, NULL, NULL, &fts,
				  &e), RC_NOT_FOUND);
	assert_int_equal(fts, 0);
	assert_int_equal(e.code, RC_NOT_FOUND);

	/* Timestamps at the extremes of the range. */
	put_s(f->m, NULL, "x", 1, "one");
	put_s(f->m, NULL, "x", UINT64_MAX, "max");
	assert_get(f->m, "x", 1, "one");
	assert_get(f->m, "x", UINT64_MAX - 1, "one");
	assert_get(f->m, "x", UINT64_MAX, "max");
}

static void test_tombstones(void **state)
{
	struct fx *f = *state;
	struct err e;
	uint64_t fts = 0;

	put_s(f->m, NULL, "k", 10, "a");
	del_s(f->m, NULL, "k", 20);
	put_s(f->m, NULL, "k", 30, "b");
	assert_get(f->m, "k", 19, "a");
	assert_get(f->m, "k", 20, NULL);
	assert_get(f->m, "k", 25, NULL);
	assert_get(f->m, "k", 30, "b");
	/* found_ts names the tombstone a reader ran into. */
	assert_int_equal(mvcc_get(f->m, NULL, "k", 1, 25, NULL, NULL, &fts,
				  &e), RC_NOT_FOUND);
	assert_int_equal(fts, 20);
	/* Deleting a key that never existed just writes a tombstone. */
	del_s(f->m, NULL, "nothing", 5);
	assert_get(f->m, "nothing", 5, NULL);
	assert_int_equal(mvcc_get(f->m, NULL, "nothing", 7, 9, NULL, NULL,
				  &fts, &e), RC_NOT_FOUND);
	assert_int_equal(fts, 5);
}

static void test_overwrite_same_ts(void **state)
{
	struct fx *f = *state;

	put_s(f->m, NULL, "k", 10, "first");
	put_s(f->m, NULL, "k", 10, "second");
	assert_get(f->m, "k", 10, "second");
	del_s(f->m, NULL, "k", 10);
	assert_get(f->m, "k", 10, NULL);
	put_s(f->m, NULL, "k", 10, "third");
	assert_get(f->m, "k", 10, "third");
	/* Re-applying the same write is a no-op. */
	put_s(f->m, NULL, "k", 10, "third");
	assert_get(f->m, "k", 100, "third");
}

static void test_key_encoding(void **state)
{
	struct fx *f = *state;
	/* Keys that are prefixes of each other and hold 0x00 and 0xFF. */
	static const struct {
		const char *k;
		size_t n;
	} keys[] = {
		{ "", 0 }, { "\x00", 1 }, { "\x00\x00", 2 }, { "\x00\x01", 2 },
		{ "\x00\xff", 2 }, { "\x01", 1 }, { "a", 1 }, { "a\x00", 2 },
		{ "a\x00\xff", 3 }, { "a\x01", 2 }, { "ab", 2 }, { "abc", 3 },
		{ "b", 1 }, { "\xff", 1 }, { "\xff\x00", 2 }, { "\xff\xff", 2 },
	};
	size_t nk = sizeof(keys) / sizeof(keys[0]), i;
	struct mvcc_scan_result r;
	struct err e;
	char v[32];

	/* Insert in reverse so that order comes from the encoding. */
	for (i = nk; i-- > 0;) {
		snprintf(v, sizeof(v), "v%zu", i);
		assert_int_equal(mvcc_put(f->m, NULL, keys[i].k, keys[i].n,
					  5 + i, v, strlen(v), &e), RC_OK);
	}
	/* An empty value, distinct from absent. */
	assert_int_equal(mvcc_put(f->m, NULL, "empty", 5, 3, "", 0, &e),
			 RC_OK);
	assert_int_equal(mvcc_put(f->m, NULL, "empty2", 6, 3, NULL, 0, &e),
			 RC_OK);

	for (i = 0; i < nk; i++) {
		void *got = NULL;
		size_t glen = 0;

		snprintf(v, sizeof(v), "v%zu", i);
		assert_int_equal(mvcc_get(f->m, NULL, keys[i].k, keys[i].n,
					  100, &got, &glen, NULL, &e), RC_OK);
		assert_int_equal(glen, strlen(v));
		assert_memory_equal(got, v, glen);
		free(got);
		/* Below its own timestamp nothing of it is visible. */
		assert_int_equal(mvcc_get(f->m, NULL, keys[i].k, keys[i].n,
					  4 + i, NULL, NULL, NULL, &e),
				 RC_NOT_FOUND);
	}
	{
		void *got = NULL;
		size_t glen = 99;

		assert_int_equal(mvcc_get(f->m, NULL, "empty", 5, 3, &got,
					  &glen, NULL, &e), RC_OK);
		assert_int_equal(glen, 0);
		assert_non_null(got);
		free(got);
	}

	/* A scan returns them in bytewise order, prefixes first. */
	assert_int_equal(mvcc_scan(f->m, NULL, NULL, 0, NULL, 0, 100, 0, &r,
				   &e), RC_OK);
	assert_int_equal(r.n, nk + 2);
	assert_int_equal(r.more, 0);
	for (i = 1; i < r.n; i++)
		assert_true(keycmp(r.items[i - 1].key, r.items[i - 1].klen,
				   r.items[i].key, r.items[i].klen) < 0);
	assert_int_equal(r.items[0].klen, 0);
	mvcc_scan_result_release(&r);

	/* [a, b) holds exactly the keys starting with 'a'. */
	assert_int_equal(mvcc_scan(f->m, NULL, "a", 1, "b", 1, 100, 0, &r,
				   &e), RC_OK);
	assert_int_equal(r.n, 6);
	for (i = 0; i < r.n; i++)
		assert_int_equal(((unsigned char *)r.items[i].key)[0], 'a');
	mvcc_scan_result_release(&r);

	/* [\x00, \x01) holds the keys starting with 0x00. */
	assert_int_equal(mvcc_scan(f->m, NULL, "\x00", 1, "\x01", 1, 100, 0,
				   &r, &e), RC_OK);
	assert_int_equal(r.n, 4);
	mvcc_scan_result_release(&r);
}

static void test_scan_bounds_limit_paging(void **state)
{
	struct fx *f = *state;
	struct mvcc_scan_result r, all;
	struct err e;
	char k[16];
	int i;

	/* k00..k19; odd ones deleted at 50; k05 rewritten at 60. */
	for (i = 0; i < 20; i++) {
		snprintf(k, sizeof(k), "k%02d", i);
		put_s(f->m, NULL, k, 10, k);
		if (i % 2 == 1)
			del_s(f->m, NULL, k, 50);
	}
	put_s(f->m, NULL, "k05", 60, "new");

	assert_int_equal(mvcc_scan(f->m, NULL, NULL, 0, NULL, 0, 40, 0, &r,
				   &e), RC_OK);
	assert_int_equal(r.n, 20);
	mvcc_scan_result_release(&r);
	assert_int_equal(mvcc_scan(f->m, NULL, NULL, 0, NULL, 0, 55, 0, &r,
				   &e), RC_OK);
	assert_int_equal(r.n, 10);	/* tombstones skipped */
	for (i = 0; i < 10; i++) {
		snprintf(k, sizeof(k), "k%02d", 2 * i);
		assert_int_equal(r.items[i].klen, 3);
		assert_memory_equal(r.items[i].key, k, 3);
		assert_int_equal(r.items[i].ts, 10);
	}
	mvcc_scan_result_release(&r);
	assert_int_equal(mvcc_scan(f->m, NULL, NULL, 0, NULL, 0, 60, 0, &r,
				   &e), RC_OK);
	assert_int_equal(r.n, 11);
	assert_memory_equal(r.items[3].key, "k05", 3);
	assert_string_equal(r.items[3].val, "new");
	assert_int_equal(r.items[3].ts, 60);
	mvcc_scan_result_release(&r);
	/* Nothing visible at ts 5. */
	assert_int_equal(mvcc_scan(f->m, NULL, NULL, 0, NULL, 0, 5, 0, &r,
				   &e), RC_OK);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.more, 0);
	mvcc_scan_result_release(&r);

	/* Bounds: start inclusive, end exclusive, between keys too. */
	assert_int_equal(mvcc_scan(f->m, NULL, "k04", 3, "k10", 3, 40, 0, &r,
				   &e), RC_OK);
	assert_int_equal(r.n, 6);
	assert_memory_equal(r.items[0].key, "k04", 3);
	assert_memory_equal(r.items[5].key, "k09", 3);
	mvcc_scan_result_release(&r);
	assert_int_equal(mvcc_scan(f->m, NULL, "k045", 4, "k0", 2, 40, 0, &r,
				   &e), RC_OK);
	assert_int_equal(r.n, 0);	/* start after end: empty */
	mvcc_scan_result_release(&r);
	assert_int_equal(mvcc_scan(f->m, NULL, "k035", 4, "k065", 4, 40, 0,
				   &r, &e), RC_OK);
	assert_int_equal(r.n, 3);	/* k04 k05 k06 */
	mvcc_scan_result_release(&r);

	/* Limit: exactly 3, more set, resume key = next visible key. */
	assert_int_equal(mvcc_scan(f->m, NULL, NULL, 0, NULL, 0, 55, 3, &r,
				   &e), RC_OK);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.more, 1);
	assert_int_equal(r.resume_klen, 3);
	assert_memory_equal(r.resume_key, "k06", 3);	/* k05 is deleted */
	mvcc_scan_result_release(&r);
	/* Limit equal to what is left: no more. */
	assert_int_equal(mvcc_scan(f->m, NULL, "k14", 3, NULL, 0, 55, 3, &r,
				   &e), RC_OK);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.more, 0);
	assert_null(r.resume_key);
	mvcc_scan_result_release(&r);
	/* Only tombstones after the last item: no more either. */
	assert_int_equal(mvcc_scan(f->m, NULL, "k16", 3, NULL, 0, 55, 2, &r,
				   &e), RC_OK);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.more, 0);
	mvcc_scan_result_release(&r);

	/* Paging by 1..11 gives the same as one unlimited scan. */
	for (i = 1; i <= 11; i++) {
		size_t j;

		scan_all(f->m, NULL, 0, NULL, 0, 60, (size_t)i, &all);
		assert_int_equal(all.n, 11);
		for (j = 1; j < all.n; j++)
			assert_true(keycmp(all.items[j - 1].key,
					   all.items[j - 1].klen,
					   all.items[j].key,
					   all.items[j].klen) < 0);
		mvcc_scan_result_release(&all);
	}
}

static void test_many_versions_scan(void **state)
{
	struct fx *f = *state;
	struct mvcc_scan_result r;
	struct bdb_txn *txn;
	struct err e;
	char v[16];
	uint64_t ts;

	/* Enough versions per key that the scan seeks past them. */
	assert_int_equal(bdb_txn_begin(f->env, 0, &txn, &e), RC_OK);
	for (ts = 1; ts <= 40; ts++) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)ts);
		put_s(f->m, txn, "a", ts, v);
		put_s(f->m, txn, "b", ts * 2, v);
		put_s(f->m, txn, "c", ts, v);
	}
	del_s(f->m, txn, "c", 30);
	assert_int_equal(bdb_txn_commit(txn, &e), RC_OK);
	/* c was put at 30 and then deleted at 30: visible except there. */
	for (ts = 1; ts <= 90; ts += 1) {
		size_t want = 1 + (ts >= 2) + (ts != 30);

		assert_int_equal(mvcc_scan(f->m, NULL, NULL, 0, NULL, 0, ts, 0,
					   &r, &e), RC_OK);
		assert_int_equal(r.n, want);
		assert_int_equal(r.items[0].ts, ts > 40 ? 40 : ts);
		if (ts >= 2)
			assert_int_equal(r.items[1].ts,
					 ts > 80 ? 80 : ts & ~(uint64_t)1);
		if (ts != 30)
			assert_int_equal(r.items[want - 1].ts,
					 ts > 40 ? 40 : ts);
		mvcc_scan_result_release(&r);
	}
}

static void test_random_vs_model(void **state)
{
	struct fx *f = *state;
	struct model md = { 0 };
	struct keyset ks;
	uint64_t ts;

	keyset_make(&ks);
	random_fill(f, &md, &ks, 42, 1500, 60);
	for (ts = 1; ts <= 65; ts += 4)
		check_against_model(f->m, &md, &ks, ts);
	free(md.v);
}

static void test_gc(void **state)
{
	struct fx *f = *state;
	struct model md = { 0 };
	struct keyset ks;
	struct mvcc_gc_stats st, st2;
	struct err e;
	const uint64_t horizon = 50;
	const uint64_t reads[] = { 50, 51, 63, 75, 99, 100, 1000 };
	size_t i, j, kept = 0;
	struct mvcc_scan_result before[7], after;

	keyset_make(&ks);
	random_fill(f, &md, &ks, 7, 4000, 100);
	for (i = 0; i < 7; i++)
		scan_all(f->m, NULL, 0, NULL, 0, reads[i], 0, &before[i]);

	/* What GC must keep, computed from the model. */
	for (i = 0; i < ks.n; i++) {
		const struct ver *newest_le = NULL;

		for (j = 0; j < md.n; j++) {
			const struct ver *x = &md.v[j];

			if (x->klen != ks.klen[i] ||
			    memcmp(x->k, ks.k[i], x->klen) != 0)
				continue;
			if (x->ts > horizon)
				kept++;
			else if (newest_le == NULL || x->ts > newest_le->ts)
				newest_le = x;
		}
		if (newest_le != NULL && !newest_le->tomb)
			kept++;
	}

	assert_int_equal(mvcc_gc(f->m, horizon, &st, &e), RC_OK);
	assert_int_equal(st.versions, md.n);
	assert_int_equal(st.versions - st.removed, kept);
	assert_true(st.removed > 0);
	assert_true(st.batches >= md.n / MVCC_GC_BATCH);
	assert_true(st.batches >= 3);	/* several transactions */
	assert_int_equal(st.keys, ks.n);

	/* Reads at or above the horizon are unchanged, by get and scan. */
	for (i = 0; i < 7; i++) {
		check_against_model(f->m, &md, &ks, reads[i]);
		scan_all(f->m, NULL, 0, NULL, 0, reads[i], 0, &after);
		assert_int_equal(after.n, before[i].n);
		for (j = 0; j < after.n; j++) {
			assert_int_equal(after.items[j].klen,
					 before[i].items[j].klen);
			assert_memory_equal(after.items[j].key,
					    before[i].items[j].key,
					    after.items[j].klen);
			assert_int_equal(after.items[j].vlen,
					 before[i].items[j].vlen);
			assert_memory_equal(after.items[j].val,
					    before[i].items[j].val,
					    after.items[j].vlen);
			assert_int_equal(after.items[j].ts,
					 before[i].items[j].ts);
		}
		mvcc_scan_result_release(&after);
		mvcc_scan_result_release(&before[i]);
	}

	/* A second pass finds nothing more to remove. */
	assert_int_equal(mvcc_gc(f->m, horizon, &st2, &e), RC_OK);
	assert_int_equal(st2.removed, 0);
	assert_int_equal(st2.versions, kept);
	assert_int_equal(st2.kept_bytes, st.kept_bytes);
	free(md.v);
}

static void test_gc_simple(void **state)
{
	struct fx *f = *state;
	struct mvcc_gc_stats st;
	struct err e;

	put_s(f->m, NULL, "a", 10, "a10");
	put_s(f->m, NULL, "a", 20, "a20");
	put_s(f->m, NULL, "a", 40, "a40");
	put_s(f->m, NULL, "b", 10, "b10");
	del_s(f->m, NULL, "b", 20);
	put_s(f->m, NULL, "c", 10, "c10");
	del_s(f->m, NULL, "c", 20);
	put_s(f->m, NULL, "c", 40, "c40");
	assert_int_equal(mvcc_gc(f->m, 30, &st, &e), RC_OK);
	/* a10, b10, b@20 (tombstone), c10, c@20 go. */
	assert_int_equal(st.versions, 8);
	assert_int_equal(st.removed, 5);
	assert_int_equal(st.keys, 3);
	assert_int_equal(st.live_keys, 2);	/* newest of b is a tombstone */
	assert_get(f->m, "a", 30, "a20");
	assert_get(f->m, "a", 40, "a40");
	assert_get(f->m, "a", 19, NULL);	/* below horizon: gone */
	assert_get(f->m, "b", 30, NULL);
	assert_get(f->m, "b", 15, NULL);
	assert_get(f->m, "c", 30, NULL);
	assert_get(f->m, "c", 40, "c40");
	/* horizon 0 keeps everything; an empty table is fine. */
	assert_int_equal(mvcc_gc(f->m, 0, &st, &e), RC_OK);
	assert_int_equal(st.removed, 0);
}

static void test_txn_abort_commit(void **state)
{
	struct fx *f = *state;
	struct mvcc *m2 = table_open(f->env, "u.data");
	struct mvcc_scan_result r;
	struct bdb_txn *txn;
	struct err e;

	/* Abort: nothing of several writes in two tables remains. */
	assert_int_equal(bdb_txn_begin(f->env, 0, &txn, &e), RC_OK);
	put_s(f->m, txn, "a", 10, "1");
	put_s(f->m, txn, "b", 10, "2");
	put_s(m2, txn, "c", 10, "3");
	del_s(f->m, txn, "z", 10);
	/* The transaction sees its own writes. */
	{
		char *v = get_s(f->m, txn, "b", 10);

		assert_non_null(v);
		assert_string_equal(v, "2");
		free(v);
		assert_int_equal(mvcc_scan(f->m, txn, NULL, 0, NULL, 0, 10, 0,
					   &r, &e), RC_OK);
		assert_int_equal(r.n, 2);
		mvcc_scan_result_release(&r);
	}
	assert_int_equal(bdb_txn_abort(txn, &e), RC_OK);
	assert_get(f->m, "a", 100, NULL);
	assert_get(f->m, "b", 100, NULL);
	assert_get(m2, "c", 100, NULL);
	assert_int_equal(mvcc_scan(f->m, NULL, NULL, 0, NULL, 0, 100, 0, &r,
				   &e), RC_OK);
	assert_int_equal(r.n, 0);
	mvcc_scan_result_release(&r);
	{
		struct mvcc_gc_stats st;

		assert_int_equal(mvcc_gc(f->m, 100, &st, &e), RC_OK);
		assert_int_equal(st.versions, 0);	/* truly empty */
	}

	/* Commit: all of them at once, across tables. */
	assert_int_equal(bdb_txn_begin(f->env, BDB_TXN_NOSYNC, &txn, &e),
			 RC_OK);
	put_s(f->m, txn, "a", 10, "1");
	put_s(f->m, txn, "b", 10, "2");
	put_s(m2, txn, "c", 10, "3");
	assert_int_equal(bdb_txn_commit(txn, &e), RC_OK);
	assert_int_equal(bdb_flush(f->env, &e), RC_OK);
	assert_get(f->m, "a", 100, "1");
	assert_get(f->m, "b", 100, "2");
	assert_get(m2, "c", 100, "3");
	assert_get(m2, "a", 100, NULL);	/* tables are separate */

	/* A bad call inside a txn fails; the txn can still commit. */
	assert_int_equal(bdb_txn_begin(f->env, 0, &txn, &e), RC_OK);
	put_s(f->m, txn, "d", 10, "4");
	assert_int_equal(mvcc_put(f->m, txn, "x", 1, 0, "v", 1, &e),
			 RC_BAD_INPUT);
	assert_int_equal(bdb_txn_commit(txn, &e), RC_OK);
	assert_get(f->m, "d", 10, "4");
	assert_int_equal(bdb_txn_begin(f->env, 0x80, &txn, &e), RC_BAD_INPUT);
	assert_int_equal(mvcc_close(m2, &e), RC_OK);
}

static void test_reopen_persistence(void **state)
{
	struct fx *f = *state;
	struct mvcc_stats st;
	struct err e;
	char k[16];
	int i;

	for (i = 0; i < 200; i++) {
		snprintf(k, sizeof(k), "key%03d", i);
		put_s(f->m, NULL, k, 5, k);
	}
	del_s(f->m, NULL, "key007", 6);
	assert_int_equal(mvcc_stats(f->m, &st, &e), RC_OK);
	assert_true(st.bytes >= 4096);
	assert_int_equal(mvcc_close(f->m, &e), RC_OK);
	assert_int_equal(bdb_close(f->env, &e), RC_OK);
	f->m = NULL;
	f->env = NULL;

	/* Reopen with the default (synced) durability. */
	f->env = env_open(f->dir, BDB_DUR_SYNC);
	f->m = table_open(f->env, "t.data");
	for (i = 0; i < 200; i++) {
		snprintf(k, sizeof(k), "key%03d", i);
		assert_get(f->m, k, 6, i == 7 ? NULL : k);
	}
	assert_get(f->m, "key007", 5, "key007");
	assert_int_equal(mvcc_stats(f->m, &st, &e), RC_OK);
	assert_true(st.bytes >= 4096);
}

static void test_bad_args(void **state)
{
	struct fx *f = *state;
	struct mvcc_scan_result r;
	struct mvcc *m2 = NULL;
	struct bdb *env2 = NULL;
	struct err e;
	char *big;
	void *v;

	err_clear(&e);
	assert_int_equal(mvcc_put(f->m, NULL, "k", 1, 0, "v", 1, &e),
			 RC_BAD_INPUT);
	assert_int_equal(e.code, RC_BAD_INPUT);
	assert_true(strlen(e.msg) > 0);
	assert_int_equal(mvcc_delete(f->m, NULL, "k", 1, 0, &e),
			 RC_BAD_INPUT);
	assert_int_equal(mvcc_get(f->m, NULL, "k", 1, 0, &v, NULL, NULL, &e),
			 RC_BAD_INPUT);
	assert_int_equal(mvcc_scan(f->m, NULL, NULL, 0, NULL, 0, 0, 0, &r, &e),
			 RC_BAD_INPUT);
	mvcc_scan_result_release(&r);
	assert_int_equal(mvcc_put(f->m, NULL, NULL, 3, 1, "v", 1, &e),
			 RC_BAD_INPUT);
	assert_int_equal(mvcc_delete(f->m, NULL, NULL, 3, 1, &e),
			 RC_BAD_INPUT);
	assert_int_equal(mvcc_get(f->m, NULL, NULL, 3, 1, &v, NULL, NULL, &e),
			 RC_BAD_INPUT);
	assert_int_equal(mvcc_put(f->m, NULL, "k", 1, 1, NULL, 4, &e),
			 RC_BAD_INPUT);
	assert_int_equal(mvcc_scan(f->m, NULL, NULL, 2, NULL, 0, 1, 0, &r, &e),
			 RC_BAD_INPUT);
	assert_int_equal(mvcc_scan(f->m, NULL, NULL, 0, NULL, 2, 1, 0, &r, &e),
			 RC_BAD_INPUT);
	assert_int_equal(mvcc_scan(f->m, NULL, NULL, 0, NULL, 0, 1, 0, NULL,
				   &e), RC_BAD_INPUT);
	assert_int_equal(mvcc_put(NULL, NULL, "k", 1, 1, "v", 1, &e),
			 RC_BAD_INPUT);
	/* e may be NULL: the code still comes back. */
	assert_int_equal(mvcc_put(f->m, NULL, "k", 1, 0, "v", 1, NULL),
			 RC_BAD_INPUT);

	/* Too large: refused, never cut. */
	big = calloc(1, MVCC_KEY_MAX + 1);
	assert_non_null(big);
	assert_int_equal(mvcc_put(f->m, NULL, big, MVCC_KEY_MAX + 1, 1, "v",
				  1, &e), RC_TOO_LARGE);
	/* The largest key works (all 0x00: escaping doubles it). */
	assert_int_equal(mvcc_put(f->m, NULL, big, MVCC_KEY_MAX, 1, "v", 1,
				  &e), RC_OK);
	assert_int_equal(mvcc_get(f->m, NULL, big, MVCC_KEY_MAX, 1, NULL,
				  NULL, NULL, &e), RC_OK);
	assert_int_equal(mvcc_get(f->m, NULL, big, MVCC_KEY_MAX - 1, 1, NULL,
				  NULL, NULL, &e), RC_NOT_FOUND);
	free(big);
	assert_int_equal(mvcc_put(f->m, NULL, "k", 1, 1, "v",
				  (size_t)MVCC_VALUE_MAX + 1, &e),
			 RC_TOO_LARGE);

	/* Table names must be plain file names. */
	assert_int_equal(mvcc_open(f->env, "../x", &m2, &e), RC_BAD_INPUT);
	assert_non_null(strstr(e.msg, "../x"));
	assert_int_equal(mvcc_open(f->env, "", &m2, &e), RC_BAD_INPUT);
	assert_int_equal(mvcc_open(f->env, ".hidden", &m2, &e), RC_BAD_INPUT);
	assert_int_equal(mvcc_open(f->env, NULL, &m2, &e), RC_BAD_INPUT);
	assert_int_equal(mvcc_open(f->env, "a/b", &m2, &e), RC_BAD_INPUT);
	assert_null(m2);

	/* A missing data dir: RC_IO naming the path. */
	assert_int_equal(bdb_open("/nonexistent/rangedb-test", NULL, &env2,
				  &e), RC_IO);
	assert_non_null(strstr(e.msg, "/nonexistent/rangedb-test"));
	assert_null(env2);
}

static void test_bdb_records(void **state)
{
	struct fx *f = *state;
	struct bdb_txn *txn;
	struct err e;
	void *v = NULL;
	size_t vlen = 0;
	DB *db = NULL;

	assert_int_equal(bdb_db_open(f->env, "meta.db", &db, &e), RC_OK);
	assert_int_equal(bdb_put(f->env, db, NULL, "applied", 7, "42", 2, &e),
			 RC_OK);
	assert_int_equal(bdb_get(f->env, db, NULL, "applied", 7, &v, &vlen,
				 &e), RC_OK);
	assert_int_equal(vlen, 2);
	assert_string_equal(v, "42");
	free(v);
	assert_int_equal(bdb_get(f->env, db, NULL, "nope", 4, &v, &vlen, &e),
			 RC_NOT_FOUND);
	/* Grouped with an MVCC write, then aborted: neither remains. */
	assert_int_equal(bdb_txn_begin(f->env, 0, &txn, &e), RC_OK);
	assert_int_equal(bdb_put(f->env, db, txn, "applied", 7, "43", 2, &e),
			 RC_OK);
	put_s(f->m, txn, "k", 1, "v");
	assert_int_equal(bdb_txn_abort(txn, &e), RC_OK);
	assert_int_equal(bdb_get(f->env, db, NULL, "applied", 7, &v, &vlen,
				 &e), RC_OK);
	assert_string_equal(v, "42");
	free(v);
	assert_get(f->m, "k", 1, NULL);
	assert_int_equal(bdb_del(f->env, db, NULL, "applied", 7, &e), RC_OK);
	assert_int_equal(bdb_del(f->env, db, NULL, "applied", 7, &e),
			 RC_NOT_FOUND);
	assert_int_equal(bdb_db_close(f->env, db, &e), RC_OK);
	assert_int_equal(bdb_db_remove(f->env, NULL, "meta.db", &e), RC_OK);
	assert_int_equal(bdb_db_remove(f->env, NULL, "meta.db", &e),
			 RC_NOT_FOUND);
	assert_int_equal(bdb_checkpoint(f->env, &e), RC_OK);

	/* Error mapping. */
	assert_int_equal(bdb_rc(0), RC_OK);
	assert_int_equal(bdb_rc(DB_LOCK_DEADLOCK), RC_CONFLICT);
	assert_int_equal(bdb_rc(DB_NOTFOUND), RC_NOT_FOUND);
	assert_int_equal(bdb_rc(ENOSPC), RC_IO);
	assert_int_equal(bdb_rc(EIO), RC_IO);
	assert_int_equal(bdb_rc(ENOMEM), RC_NOMEM);
	assert_int_equal(bdb_rc(DB_RUNRECOVERY), RC_CORRUPT);
	assert_int_equal(bdb_err(&e, ENOSPC, "cannot write '%s'", "/d"),
			 RC_IO);
	assert_non_null(strstr(e.msg, "cannot write '/d': "));
	assert_non_null(strstr(e.msg, db_strerror(ENOSPC)));
}

/* ---- threads ---------------------------------------------------------- */

struct dl_arg {
	struct fx *f;
	struct mvcc *first, *second;
	pthread_barrier_t *bar;
	const char *val;
	int rc;
};

static void *dl_thread(void *p)
{
	struct dl_arg *a = p;
	struct bdb_txn *txn;
	struct err e;

	a->rc = bdb_txn_begin(a->f->env, 0, &txn, &e);
	if (a->rc != RC_OK)
		return NULL;
	a->rc = mvcc_put(a->first, txn, "x", 1, 1, a->val, 1, &e);
	pthread_barrier_wait(a->bar);
	if (a->rc == RC_OK)
		a->rc = mvcc_put(a->second, txn, "x", 1, 1, a->val, 1, &e);
	if (a->rc != RC_OK) {
		bdb_txn_abort(txn, NULL);
		return NULL;
	}
	a->rc = bdb_txn_commit(txn, &e);
	return NULL;
}

static void test_deadlock_conflict(void **state)
{
	struct fx *f = *state;
	struct mvcc *m2 = table_open(f->env, "u.data");
	pthread_barrier_t bar;
	pthread_t t1, t2;
	struct dl_arg a1 = { f, f->m, m2, &bar, "1", -1 };
	struct dl_arg a2 = { f, m2, f->m, &bar, "2", -1 };
	const char *winner;

	/* Opposite lock order in two tables: the detector picks a victim. */
	pthread_barrier_init(&bar, NULL, 2);
	assert_int_equal(pthread_create(&t1, NULL, dl_thread, &a1), 0);
	assert_int_equal(pthread_create(&t2, NULL, dl_thread, &a2), 0);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	pthread_barrier_destroy(&bar);
	assert_true((a1.rc == RC_OK && a2.rc == RC_CONFLICT) ||
		    (a1.rc == RC_CONFLICT && a2.rc == RC_OK));
	winner = a1.rc == RC_OK ? "1" : "2";
	assert_get(f->m, "x", 1, winner);
	assert_get(m2, "x", 1, winner);
	assert_int_equal(mvcc_close(m2, NULL), RC_OK);
}

struct th_arg {
	struct mvcc *m;
	int id;
	int bad;
};

static void *th_worker(void *p)
{
	struct th_arg *a = p;
	struct mvcc_scan_result r;
	char k[32], v[32];
	int i;

	for (i = 0; i < 300; i++) {
		void *got = NULL;
		size_t glen;

		snprintf(k, sizeof(k), "t%d-%04d", a->id, i);
		snprintf(v, sizeof(v), "val%d", i);
		if (mvcc_put(a->m, NULL, k, strlen(k), 10, v, strlen(v), NULL)
		    != RC_OK)
			a->bad++;
		if (mvcc_get(a->m, NULL, k, strlen(k), 10, &got, &glen, NULL,
			     NULL) != RC_OK || glen != strlen(v) ||
		    memcmp(got, v, glen) != 0)
			a->bad++;
		free(got);
		if (i % 50 == 0) {
			if (mvcc_scan(a->m, NULL, NULL, 0, NULL, 0, 10, 20, &r,
				      NULL) != RC_OK)
				a->bad++;
			mvcc_scan_result_release(&r);
		}
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct fx *f = *state;
	struct mvcc_scan_result r;
	struct th_arg a[3];
	pthread_t t[3];
	int i;

	for (i = 0; i < 3; i++) {
		a[i].m = f->m;
		a[i].id = i;
		a[i].bad = 0;
		assert_int_equal(pthread_create(&t[i], NULL, th_worker, &a[i]),
				 0);
	}
	for (i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(a[i].bad, 0);
	}
	assert_int_equal(mvcc_scan(f->m, NULL, NULL, 0, NULL, 0, 10, 0, &r,
				   NULL), RC_OK);
	assert_int_equal(r.n, 900);
	mvcc_scan_result_release(&r);
}

/* ---- crash recovery --------------------------------------------------- */

/* The child: write txns {a<i>, b<i>} forever, acking each on fd. */
static void crash_child(const char *dir, enum bdb_durability d, int fd)
{
	struct bdb *env = NULL;
	struct mvcc *m = NULL;
	struct bdb_txn *txn;
	char ka[16], kb[16], v[16];
	uint32_t i;

	if (bdb_open(dir, &(struct bdb_opts){ 4u << 20, d }, &env, NULL) != 0 ||
	    mvcc_open(env, "crash.data", &m, NULL) != 0)
		_exit(2);
	for (i = 1; i < 1000000; i++) {
		snprintf(ka, sizeof(ka), "a%08u", i);
		snprintf(kb, sizeof(kb), "b%08u", i);
		snprintf(v, sizeof(v), "v%u", i * 7);
		if (bdb_txn_begin(env, 0, &txn, NULL) != 0 ||
		    mvcc_put(m, txn, ka, strlen(ka), 1, v, strlen(v), NULL) ||
		    mvcc_put(m, txn, kb, strlen(kb), 1, v, strlen(v), NULL) ||
		    bdb_txn_commit(txn, NULL) != 0)
			_exit(3);
		/* Group-commit callers make it durable before acking. */
		if (d == BDB_DUR_NOSYNC && bdb_flush(env, NULL) != 0)
			_exit(4);
		if (write(fd, &i, sizeof(i)) != (ssize_t)sizeof(i))
			_exit(5);
	}
	_exit(0);
}

static uint32_t crash_round(const char *dir, enum bdb_durability d,
			    unsigned target, unsigned delay_us)
{
	int p[2];
	pid_t pid;
	uint32_t got, last = 0;
	unsigned acks = 0;
	int status;
	ssize_t n;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		crash_child(dir, d, p[1]);
	}
	close(p[1]);
	while (acks < target) {
		n = read(p[0], &got, sizeof(got));
		if (n == 0)
			break;	/* child died on its own: checked below */
		assert_int_equal(n, sizeof(got));
		assert_int_equal(got, last + 1);
		last = got;
		acks++;
	}
	usleep(delay_us);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
		fail_msg("writer exited early (status %d)", status);
	/* Acks written before the kill count too. */
	while ((n = read(p[0], &got, sizeof(got))) == sizeof(got)) {
		assert_int_equal(got, last + 1);
		last = got;
	}
	close(p[0]);
	return last;
}

static void test_crash_recovery(void **state)
{
	struct fx *f = *state;
	static const enum bdb_durability dur[] = {
		BDB_DUR_SYNC, BDB_DUR_NOSYNC, BDB_DUR_WRITE, BDB_DUR_SYNC,
		BDB_DUR_NOSYNC
	};
	uint32_t acked_total = 0;
	int round;

	srand(12345);
	for (round = 0; round < 5; round++) {
		unsigned target = 10 + (unsigned)rand() % 150;
		unsigned delay = (unsigned)rand() % 3000;
		uint32_t last = crash_round(f->dir, dur[round], target, delay);
		struct mvcc_scan_result r;
		struct bdb *env = env_open(f->dir, BDB_DUR_SYNC);
		struct mvcc *m = table_open(env, "crash.data");
		struct err e;
		size_t i, na = 0, nb = 0;
		uint32_t maxi = 0;
		char k[16], v[16];

		assert_true(last >= target);
		/* Every acknowledged transaction is complete. */
		for (i = 1; i <= last; i++) {
			snprintf(v, sizeof(v), "v%zu", i * 7);
			snprintf(k, sizeof(k), "a%08zu", i);
			assert_get(m, k, 1, v);
			snprintf(k, sizeof(k), "b%08zu", i);
			assert_get(m, k, 1, v);
		}
		/* And no transaction is half there: a<i> iff b<i>. */
		assert_int_equal(mvcc_scan(m, NULL, NULL, 0, NULL, 0, 1, 0, &r,
					   &e), RC_OK);
		for (i = 0; i < r.n; i++) {
			char *key = r.items[i].key;
			unsigned long x = strtoul(key + 1, NULL, 10);

			assert_int_equal(r.items[i].klen, 9);
			snprintf(v, sizeof(v), "v%lu", x * 7);
			assert_string_equal(r.items[i].val, v);
			if (key[0] == 'a')
				na++;
			else
				nb++;
			if (x > maxi)
				maxi = (uint32_t)x;
		}
		assert_int_equal(na, nb);
		assert_int_equal(na, maxi);	/* 1..maxi, no holes */
		for (i = 0; i < na; i++) {
			assert_int_equal(((char *)r.items[i].key)[0], 'a');
			assert_memory_equal((char *)r.items[i].key + 1,
					    (char *)r.items[na + i].key + 1, 8);
		}
		/* At most the one txn committed but not yet acked. */
		assert_true(maxi >= last && maxi <= last + 1);
		mvcc_scan_result_release(&r);
		/* Clean the table for the next round. */
		assert_int_equal(mvcc_close(m, &e), RC_OK);
		assert_int_equal(bdb_db_remove(env, NULL, "crash.data", &e),
				 RC_OK);
		assert_int_equal(bdb_close(env, &e), RC_OK);
		acked_total += last;
		print_message("# round %d: %u acked, %u present\n", round,
			      (unsigned)last, (unsigned)maxi);
	}
	assert_true(acked_total >= 50);
}

/* mvcc_clear removes every version of keys in [start, end), nothing else. */
static void test_clear_span(void **state)
{
	struct fx *f = *state;
	static const char *const keys[] = { "a", "b", "b\x01", "c", "cz", "d" };
	struct mvcc_scan_result res;
	struct bdb_txn *txn = NULL;
	uint64_t removed = 0;
	struct err e;

	for (size_t i = 0; i < 6; i++) {
		put_s(f->m, NULL, keys[i], 10, "v1");
		put_s(f->m, NULL, keys[i], 20, "v2");
	}
	del_s(f->m, NULL, "c", 30);
	/* a NUL inside a key sorts between "b" and "b\x01" */
	assert_int_equal(mvcc_put(f->m, NULL, "b\0x", 3, 10, "z", 1, &e),
			 RC_OK);
	assert_int_equal(mvcc_clear(f->m, NULL, "b", 1, "d", 1, NULL, &e),
			 RC_BAD_INPUT);
	assert_int_equal(bdb_txn_begin(f->env, 0, &txn, &e), RC_OK);
	assert_int_equal(mvcc_clear(f->m, txn, "b", 1, "cz", 2, &removed, &e),
			 RC_OK);
	/* b x2, b\0x x1, b\x01 x2, c x3 */
	assert_int_equal(removed, 8);
	assert_int_equal(bdb_txn_commit(txn, &e), RC_OK);
	assert_int_equal(mvcc_scan(f->m, NULL, NULL, 0, NULL, 0, UINT64_MAX, 100,
				   &res, &e), RC_OK);
	assert_int_equal(res.n, 3);
	assert_memory_equal(res.items[0].key, "a", 1);
	assert_memory_equal(res.items[1].key, "cz", 2);
	assert_memory_equal(res.items[2].key, "d", 1);
	mvcc_scan_result_release(&res);
	/* to the end of the table; then nothing is left at any timestamp */
	assert_int_equal(bdb_txn_begin(f->env, 0, &txn, &e), RC_OK);
	assert_int_equal(mvcc_clear(f->m, txn, "c", 1, NULL, 0, &removed, &e),
			 RC_OK);
	assert_int_equal(removed, 4);
	assert_int_equal(bdb_txn_commit(txn, &e), RC_OK);
	assert_int_equal(mvcc_scan(f->m, NULL, NULL, 0, NULL, 0, 15, 100, &res,
				   &e), RC_OK);
	assert_int_equal(res.n, 1);
	mvcc_scan_result_release(&res);
}

/* ---- conflict checks and version history (issue 6) -------------------- */

static void test_changed_latest(void **state)
{
	struct fx *f = *state;
	int changed = -1;
	uint64_t at = 0, ts = 0;
	void *key = NULL;
	size_t klen = 0;
	struct err e;

	put_s(f->m, NULL, "a", 10, "a10");
	put_s(f->m, NULL, "a", 20, "a20");
	del_s(f->m, NULL, "a", 30);
	put_s(f->m, NULL, "b", 5, "b5");
	assert_int_equal(mvcc_put(f->m, NULL, "b\0", 2, 25, "x", 1, &e),
			 RC_OK);
	put_s(f->m, NULL, "c", 40, "c40");

	/* mvcc_latest_ts: tombstones count; absent keys are 0. */
	assert_int_equal(mvcc_latest_ts(f->m, NULL, "a", 1, &ts, &e), RC_OK);
	assert_int_equal(ts, 30);
	assert_int_equal(mvcc_latest_ts(f->m, NULL, "b", 1, &ts, &e), RC_OK);
	assert_int_equal(ts, 5);
	assert_int_equal(mvcc_latest_ts(f->m, NULL, "b\0", 2, &ts, &e), RC_OK);
	assert_int_equal(ts, 25);
	assert_int_equal(mvcc_latest_ts(f->m, NULL, "", 0, &ts, &e), RC_OK);
	assert_int_equal(ts, 0);
	assert_int_equal(mvcc_latest_ts(f->m, NULL, "bb", 2, &ts, &e), RC_OK);
	assert_int_equal(ts, 0);
	assert_int_equal(mvcc_latest_ts(f->m, NULL, "z", 1, &ts, &e), RC_OK);
	assert_int_equal(ts, 0);

	/* mvcc_changed_key: (from, to], newest version in it. */
	assert_int_equal(mvcc_changed_key(f->m, NULL, "a", 1, 10, 20, &changed,
					  &at, &e), RC_OK);
	assert_int_equal(changed, 1);
	assert_int_equal(at, 20);
	assert_int_equal(mvcc_changed_key(f->m, NULL, "a", 1, 20, 29, &changed,
					  &at, &e), RC_OK);
	assert_int_equal(changed, 0);
	assert_int_equal(at, 0);
	assert_int_equal(mvcc_changed_key(f->m, NULL, "a", 1, 20, 30, &changed,
					  &at, &e), RC_OK);
	assert_int_equal(changed, 1);		/* a tombstone is a change */
	assert_int_equal(at, 30);
	assert_int_equal(mvcc_changed_key(f->m, NULL, "a", 1, 0, 9, &changed,
					  NULL, &e), RC_OK);
	assert_int_equal(changed, 0);
	assert_int_equal(mvcc_changed_key(f->m, NULL, "a", 1, 0, 10, &changed,
					  NULL, &e), RC_OK);
	assert_int_equal(changed, 1);
	assert_int_equal(mvcc_changed_key(f->m, NULL, "a", 1, 30, UINT64_MAX,
					  &changed, &at, &e), RC_OK);
	assert_int_equal(changed, 0);
	assert_int_equal(mvcc_changed_key(f->m, NULL, "a", 1, 25, 10, &changed,
					  &at, &e), RC_OK);
	assert_int_equal(changed, 0);		/* empty interval */
	assert_int_equal(mvcc_changed_key(f->m, NULL, "b", 1, 5, 100,
					  &changed, &at, &e), RC_OK);
	assert_int_equal(changed, 0);		/* b\0 is another key */
	assert_int_equal(mvcc_changed_key(f->m, NULL, "nope", 4, 0, 100,
					  &changed, &at, &e), RC_OK);
	assert_int_equal(changed, 0);

	/* mvcc_changed over spans: the first changed key in key order. */
	assert_int_equal(mvcc_changed(f->m, NULL, NULL, 0, NULL, 0, 20, 30,
				      &changed, &key, &klen, &at, &e), RC_OK);
	assert_int_equal(changed, 1);
	assert_int_equal(klen, 1);
	assert_memory_equal(key, "a", 1);
	assert_int_equal(at, 30);
	free(key);
	assert_int_equal(mvcc_changed(f->m, NULL, "a\0", 2, NULL, 0, 20, 30,
				      &changed, &key, &klen, &at, &e), RC_OK);
	assert_int_equal(changed, 1);
	assert_int_equal(klen, 2);
	assert_memory_equal(key, "b\0", 2);
	assert_int_equal(((char *)key)[2], 0);
	assert_int_equal(at, 25);
	free(key);
	/* end is exclusive; an empty end is +infinity. */
	assert_int_equal(mvcc_changed(f->m, NULL, "a\0", 2, "b\0", 2, 20, 30,
				      &changed, &key, &klen, &at, &e), RC_OK);
	assert_int_equal(changed, 0);
	assert_null(key);
	assert_int_equal(klen, 0);
	assert_int_equal(mvcc_changed(f->m, NULL, "c", 1, "", 0, 30, 40,
				      &changed, NULL, NULL, &at, &e), RC_OK);
	assert_int_equal(changed, 1);
	assert_int_equal(at, 40);
	assert_int_equal(mvcc_changed(f->m, NULL, "c", 1, "", 0, 40, 1000,
				      &changed, NULL, NULL, NULL, &e), RC_OK);
	assert_int_equal(changed, 0);
	/* Versions above `to` are ignored, older ones too. */
	assert_int_equal(mvcc_changed(f->m, NULL, NULL, 0, NULL, 0, 10, 19,
				      &changed, &key, &klen, &at, &e), RC_OK);
	assert_int_equal(changed, 0);
	assert_int_equal(mvcc_changed(f->m, NULL, NULL, 0, NULL, 0, 4, 5,
				      &changed, &key, &klen, &at, &e), RC_OK);
	assert_int_equal(changed, 1);
	assert_memory_equal(key, "b", 1);
	assert_int_equal(at, 5);
	free(key);
	assert_int_equal(mvcc_changed(f->m, NULL, NULL, 0, NULL, 0, 5, 5,
				      &changed, &key, &klen, &at, &e), RC_OK);
	assert_int_equal(changed, 0);

	/* Bad arguments. */
	assert_int_equal(mvcc_changed(f->m, NULL, NULL, 1, NULL, 0, 1, 2,
				      &changed, NULL, NULL, NULL, &e),
			 RC_BAD_INPUT);
	assert_int_equal(mvcc_changed(f->m, NULL, NULL, 0, NULL, 1, 1, 2,
				      &changed, NULL, NULL, NULL, &e),
			 RC_BAD_INPUT);
	assert_int_equal(mvcc_changed(f->m, NULL, NULL, 0, NULL, 0, 1, 2,
				      NULL, NULL, NULL, NULL, &e),
			 RC_BAD_INPUT);
	assert_int_equal(mvcc_changed(NULL, NULL, NULL, 0, NULL, 0, 1, 2,
				      &changed, NULL, NULL, NULL, &e),
			 RC_BAD_INPUT);
	assert_int_equal(mvcc_changed_key(f->m, NULL, NULL, 2, 1, 2, &changed,
					  NULL, &e), RC_BAD_INPUT);
	assert_int_equal(mvcc_latest_ts(f->m, NULL, NULL, 2, &ts, &e),
			 RC_BAD_INPUT);
	assert_int_equal(mvcc_latest_ts(f->m, NULL, "a", 1, NULL, &e),
			 RC_BAD_INPUT);
}

/* All versions of key k in the model, newest first; returns the count. */
static size_t model_versions(const struct model *md, const unsigned char *k,
			     size_t klen, const struct ver **out)
{
	size_t i, j, n = 0;

	for (i = 0; i < md->n; i++)
		if (md->v[i].klen == klen &&
		    memcmp(md->v[i].k, k, klen) == 0)
			out[n++] = &md->v[i];
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && out[j - 1]->ts < out[j]->ts; j--) {
			const struct ver *t = out[j];

			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

/* Is keyset key i in [s, e)?  (e < 0 or the empty key: +infinity) */
static int ks_in(const struct keyset *ks, size_t i, int s, int e)
{
	return keycmp(ks->k[i], ks->klen[i], ks->k[s], ks->klen[s]) >= 0 &&
	       (e < 0 || ks->klen[e] == 0 ||
		keycmp(ks->k[i], ks->klen[i], ks->k[e], ks->klen[e]) < 0);
}

static void test_changed_random_vs_model(void **state)
{
	struct fx *f = *state;
	struct model md = { 0 };
	struct keyset ks;
	const struct ver **vs;
	struct err e;
	int q;
	size_t i, j;

	keyset_make(&ks);
	random_fill(f, &md, &ks, 77, 1200, 60);
	vs = calloc(md.n, sizeof(*vs));
	assert_non_null(vs);

	/* Per key: latest ts and changed_key for every small interval. */
	for (i = 0; i < ks.n; i++) {
		size_t n = model_versions(&md, ks.k[i], ks.klen[i], vs);
		uint64_t ts = 99, from, to, at;
		int changed;

		assert_int_equal(mvcc_latest_ts(f->m, NULL, ks.k[i],
						ks.klen[i], &ts, &e), RC_OK);
		assert_int_equal(ts, n ? vs[0]->ts : 0);
		for (from = 0; from <= 62; from += 3)
			for (to = from + 1; to <= 64; to += 5) {
				uint64_t want = 0;

				for (j = 0; j < n && !want; j++)
					if (vs[j]->ts > from &&
					    vs[j]->ts <= to)
						want = vs[j]->ts;
				assert_int_equal(mvcc_changed_key(f->m, NULL,
						ks.k[i], ks.klen[i], from, to,
						&changed, &at, &e), RC_OK);
				assert_int_equal(changed, want != 0);
				assert_int_equal(at, want);
			}
	}

	/* Spans: the first key in order with a version in (from, to]. */
	srand(99);
	for (q = 0; q < 400; q++) {
		int s = rand() % (int)ks.n;
		int en = rand() % 4 == 0 ? -1 : rand() % (int)ks.n;
		uint64_t from = (uint64_t)(rand() % 64);
		uint64_t to = from + 1 + (uint64_t)(rand() % 8);
		uint64_t want = 0, at = 0;
		size_t wk = 0, klen = 0;
		void *key = NULL;
		int changed;

		for (i = 0; i < ks.n && !want; i++) {
			size_t n;

			if (!ks_in(&ks, i, s, en))
				continue;
			n = model_versions(&md, ks.k[i], ks.klen[i], vs);
			for (j = 0; j < n && !want; j++)
				if (vs[j]->ts > from && vs[j]->ts <= to) {
					want = vs[j]->ts;
					wk = i;
				}
		}
		assert_int_equal(mvcc_changed(f->m, NULL, ks.k[s], ks.klen[s],
					      en < 0 ? NULL : ks.k[en],
					      en < 0 ? 0 : ks.klen[en], from,
					      to, &changed, &key, &klen, &at,
					      &e), RC_OK);
		assert_int_equal(changed, want != 0);
		assert_int_equal(at, want);
		if (want) {
			assert_int_equal(klen, ks.klen[wk]);
			assert_memory_equal(key, ks.k[wk], klen);
		}
		free(key);
	}
	free(vs);
	free(md.v);
}

/* Expected mvcc_scan_versions output for [s, e) as a flat list. */
static size_t model_scan_versions(const struct model *md,
				  const struct keyset *ks, int s, int en,
				  uint64_t h, uint64_t u,
				  const struct ver **out)
{
	const struct ver **vs = calloc(md->n + 1, sizeof(*vs));
	size_t i, j, n, cnt = 0;

	assert_non_null(vs);
	for (i = 0; i < ks->n; i++) {
		if (!ks_in(ks, i, s, en))
			continue;
		n = model_versions(md, ks->k[i], ks->klen[i], vs);
		for (j = 0; j < n; j++) {
			if (vs[j]->ts > u)
				continue;
			if (vs[j]->ts > h) {
				out[cnt++] = vs[j];
				continue;
			}
			if (!vs[j]->tomb)
				out[cnt++] = vs[j];
			break;
		}
	}
	free(vs);
	return cnt;
}

static void test_scan_versions(void **state)
{
	struct fx *f = *state;
	struct mvcc_versions r;
	struct err e;

	put_s(f->m, NULL, "a", 10, "a10");
	put_s(f->m, NULL, "a", 20, "a20");
	put_s(f->m, NULL, "a", 30, "a30");
	del_s(f->m, NULL, "b", 15);
	put_s(f->m, NULL, "b", 5, "b5");
	del_s(f->m, NULL, "c", 25);
	put_s(f->m, NULL, "c", 8, "c8");
	put_s(f->m, NULL, "d", 50, "d50");

	/* horizon 15, upto 40: a30 a20 a10 | (b: tombstone at 15) | c~25 c8 */
	assert_int_equal(mvcc_scan_versions(f->m, NULL, NULL, 0, NULL, 0, 15,
					    40, 0, &r, &e), RC_OK);
	assert_int_equal(r.n, 5);
	assert_int_equal(r.more, 0);
	assert_memory_equal(r.items[0].key, "a", 1);
	assert_int_equal(r.items[0].ts, 30);
	assert_string_equal(r.items[0].val, "a30");
	assert_int_equal(r.items[1].ts, 20);
	assert_int_equal(r.items[2].ts, 10);
	assert_int_equal(r.items[2].tombstone, 0);
	assert_memory_equal(r.items[3].key, "c", 1);
	assert_int_equal(r.items[3].ts, 25);
	assert_int_equal(r.items[3].tombstone, 1);
	assert_non_null(r.items[3].val);
	assert_int_equal(r.items[3].vlen, 0);
	assert_int_equal(r.items[4].ts, 8);
	assert_string_equal(r.items[4].val, "c8");
	mvcc_versions_release(&r);
	assert_null(r.items);

	/* horizon 0: everything up to upto; limit counts keys. */
	assert_int_equal(mvcc_scan_versions(f->m, NULL, NULL, 0, NULL, 0, 0,
					    60, 2, &r, &e), RC_OK);
	assert_int_equal(r.n, 5);		/* a x3, b x2 */
	assert_int_equal(r.more, 1);
	assert_int_equal(r.resume_klen, 1);
	assert_memory_equal(r.resume_key, "c", 1);
	mvcc_versions_release(&r);
	assert_int_equal(mvcc_scan_versions(f->m, NULL, "c", 1, NULL, 0, 0,
					    60, 2, &r, &e), RC_OK);
	assert_int_equal(r.n, 3);		/* c x2, d */
	assert_int_equal(r.more, 0);
	assert_null(r.resume_key);
	mvcc_versions_release(&r);

	/* horizon == upto: exactly what a read at that ts sees. */
	assert_int_equal(mvcc_scan_versions(f->m, NULL, NULL, 0, "d", 1, 20,
					    20, 0, &r, &e), RC_OK);
	assert_int_equal(r.n, 2);		/* a20, c8 */
	assert_int_equal(r.items[0].ts, 20);
	assert_int_equal(r.items[1].ts, 8);
	mvcc_versions_release(&r);

	/* A key with nothing to return is neither counted nor resumed at. */
	assert_int_equal(mvcc_scan_versions(f->m, NULL, "b", 1, NULL, 0, 30,
					    40, 1, &r, &e), RC_OK);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.more, 0);
	mvcc_versions_release(&r);
	assert_int_equal(mvcc_scan_versions(f->m, NULL, "b", 1, NULL, 0, 49,
					    60, 1, &r, &e), RC_OK);
	assert_int_equal(r.n, 1);
	assert_memory_equal(r.items[0].key, "d", 1);
	assert_int_equal(r.more, 0);
	mvcc_versions_release(&r);

	/* Bad arguments. */
	assert_int_equal(mvcc_scan_versions(f->m, NULL, NULL, 0, NULL, 0, 0,
					    0, 0, &r, &e), RC_BAD_INPUT);
	assert_int_equal(mvcc_scan_versions(f->m, NULL, NULL, 0, NULL, 0, 5,
					    4, 0, &r, &e), RC_BAD_INPUT);
	assert_int_equal(mvcc_scan_versions(f->m, NULL, NULL, 1, NULL, 0, 0,
					    4, 0, &r, &e), RC_BAD_INPUT);
	assert_int_equal(mvcc_scan_versions(f->m, NULL, NULL, 0, NULL, 1, 0,
					    4, 0, &r, &e), RC_BAD_INPUT);
	assert_int_equal(mvcc_scan_versions(f->m, NULL, NULL, 0, NULL, 0, 0,
					    4, 0, NULL, &e), RC_BAD_INPUT);
	mvcc_versions_release(&r);
	mvcc_versions_release(NULL);
}

static void test_scan_versions_random_vs_model(void **state)
{
	struct fx *f = *state;
	struct model md = { 0 };
	struct keyset ks;
	const struct ver **want;
	struct mvcc_versions r;
	struct bdb_txn *txn;
	struct err e;
	int q;

	keyset_make(&ks);
	random_fill(f, &md, &ks, 1234, 1200, 60);
	want = calloc(md.n + 1, sizeof(*want));
	assert_non_null(want);
	srand(4321);
	for (q = 0; q < 120; q++) {
		int s = rand() % (int)ks.n;
		int en = rand() % 3 == 0 ? -1 : rand() % (int)ks.n;
		uint64_t h = (uint64_t)(rand() % 64);
		uint64_t u = h + (uint64_t)(rand() % 10);
		size_t limit = (size_t)(rand() % 4);	/* 0 = no limit */
		size_t nw, got = 0, i;
		void *cur = NULL;
		size_t curlen = ks.klen[s];
		const void *start = ks.k[s];
		void *prev = NULL;
		size_t prevlen = 0;

		if (u == 0)
			u = 1;
		nw = model_scan_versions(&md, &ks, s, en, h, u, want);
		txn = NULL;
		if (q % 2 == 1)	/* also inside a caller's transaction */
			assert_int_equal(bdb_txn_begin(f->env, 0, &txn, &e),
					 RC_OK);
		for (;;) {
			size_t keys = 0;

			assert_int_equal(mvcc_scan_versions(f->m, txn, start,
						curlen, en < 0 ? NULL
						: ks.k[en], en < 0 ? 0
						: ks.klen[en], h, u, limit,
						&r, &e), RC_OK);
			for (i = 0; i < r.n; i++) {
				const struct ver *w;

				assert_true(got < nw);
				w = want[got++];
				assert_int_equal(r.items[i].klen, w->klen);
				assert_memory_equal(r.items[i].key, w->k,
						    w->klen);
				assert_int_equal(r.items[i].ts, w->ts);
				assert_int_equal(r.items[i].tombstone,
						 w->tomb);
				if (!w->tomb) {
					assert_int_equal(r.items[i].vlen,
							 w->vlen);
					assert_memory_equal(r.items[i].val,
							    w->v, w->vlen);
				}
				if (i == 0 || keycmp(r.items[i].key,
						r.items[i].klen,
						r.items[i - 1].key,
						r.items[i - 1].klen) != 0)
					keys++;
				/* A page never repeats the last page's key. */
				if (i == 0 && prev != NULL)
					assert_true(keycmp(prev, prevlen,
						r.items[0].key,
						r.items[0].klen) < 0);
			}
			if (limit != 0)
				assert_true(keys <= limit);
			free(prev);
			prev = NULL;
			if (r.n > 0) {
				prevlen = r.items[r.n - 1].klen;
				prev = malloc(prevlen + 1);
				assert_non_null(prev);
				memcpy(prev, r.items[r.n - 1].key, prevlen);
			}
			if (!r.more) {
				mvcc_versions_release(&r);
				break;
			}
			assert_int_equal(keys, limit);
			/* The resume key is the next page's first key. */
			free(cur);
			cur = r.resume_key;
			curlen = r.resume_klen;
			start = cur;
			r.resume_key = NULL;
			mvcc_versions_release(&r);
		}
		assert_int_equal(got, nw);
		free(cur);
		free(prev);
		if (txn != NULL)
			assert_int_equal(bdb_txn_commit(txn, &e), RC_OK);
	}
	free(want);
	free(md.v);
}

/* Records of the reserved intent kind are corrupt to the new readers. */
static void test_changed_corrupt(void **state)
{
	struct fx *f = *state;
	/* stored key of "k" at ts 7: 'k' 00 01 BE64(~7) */
	unsigned char k[11] = { 'k', 0, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
				0xFF, 0xFF, 0xF8 };
	struct mvcc_versions r;
	DB *db = NULL;
	uint64_t ts;
	int changed;
	struct err e;

	put_s(f->m, NULL, "k", 3, "v");
	assert_int_equal(bdb_db_open(f->env, "t.data", &db, &e), RC_OK);
	assert_int_equal(bdb_put(f->env, db, NULL, k, sizeof(k), "\003x", 2,
				 &e), RC_OK);
	assert_int_equal(bdb_db_close(f->env, db, &e), RC_OK);
	assert_int_equal(mvcc_latest_ts(f->m, NULL, "k", 1, &ts, &e),
			 RC_CORRUPT);
	assert_non_null(strstr(e.msg, "t.data"));
	assert_int_equal(mvcc_changed_key(f->m, NULL, "k", 1, 0, 10, &changed,
					  NULL, &e), RC_CORRUPT);
	assert_int_equal(mvcc_changed(f->m, NULL, NULL, 0, NULL, 0, 0, 10,
				      &changed, NULL, NULL, NULL, &e),
			 RC_CORRUPT);
	assert_int_equal(mvcc_scan_versions(f->m, NULL, NULL, 0, NULL, 0, 0,
					    10, 0, &r, &e), RC_CORRUPT);
	mvcc_versions_release(&r);
	/* Below the bad version, all is well. */
	assert_int_equal(mvcc_changed_key(f->m, NULL, "k", 1, 0, 6, &changed,
					  NULL, &e), RC_OK);
	assert_int_equal(changed, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_put_get_timestamps,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_tombstones, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_overwrite_same_ts, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_key_encoding, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_scan_bounds_limit_paging,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_versions_scan, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_random_vs_model, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gc_simple, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_txn_abort_commit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reopen_persistence, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bdb_records, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_deadlock_conflict, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clear_span, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_changed_latest, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_changed_random_vs_model,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_versions, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_scan_versions_random_vs_model, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_corrupt, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_crash_recovery, setup_dir,
						teardown),
	};

	/* Berkeley DB's detail lines for the expected failures are noise. */
	log_open("mvcc_test", LOG_LEVEL_ERROR);
	return cmocka_run_group_tests_name("mvcc", tests, NULL, NULL);
}
