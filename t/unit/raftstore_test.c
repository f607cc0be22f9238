/*
 * raftstore_test.c -- unit tests of libcommon/raftstore.c.
 *
 * Each test gets a fresh environment in its own mkdtemp() directory under
 * /tmp, removed afterwards.  The crash test forks a writer that group-
 * commits batches for three ranges, SIGKILLs it at seeded pseudo-random
 * moments and checks after recovery that the store holds exactly the state
 * after the last acknowledged batch (or the one after it), for every range
 * at once.  Syncs per batch are measured and printed, never asserted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bdb.h"
#include "err.h"
#include "log.h"
#include "mvcc.h"
#include "raft.h"
#include "raftstore.h"

struct fx {
	char dir[64];
	struct bdb *env;
	struct raftstore *rs;
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

	if (bdb_open(dir, &o, &env, &e) != RC_OK)
		fail_msg("bdb_open: %s", e.msg);
	return env;
}

static struct raftstore *store_open(struct bdb *env)
{
	struct raftstore *rs = NULL;
	struct err e;

	if (raftstore_open(env, &rs, &e) != RC_OK)
		fail_msg("raftstore_open: %s", e.msg);
	return rs;
}

static int setup_dir(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/raftstore_test.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int setup(void **state)
{
	struct fx *f;

	if (setup_dir(state) != 0)
		return -1;
	f = *state;
	f->env = env_open(f->dir, BDB_DUR_WRITE);
	f->rs = store_open(f->env);
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (f->rs != NULL)
		assert_int_equal(raftstore_close(f->rs, NULL), RC_OK);
	if (f->env != NULL)
		assert_int_equal(bdb_close(f->env, NULL), RC_OK);
	rm_rf(f->dir);
	free(f);
	return 0;
}

static void reopen(struct fx *f)
{
	assert_int_equal(raftstore_close(f->rs, NULL), RC_OK);
	assert_int_equal(bdb_close(f->env, NULL), RC_OK);
	f->env = env_open(f->dir, BDB_DUR_WRITE);
	f->rs = store_open(f->env);
}

/* ---- helpers ---------------------------------------------------------- */

#define MAXE 64

/* Entries [from, from+n) of term, data "r<range>.<index>.t<term>". */
struct ents {
	struct raft_entry e[MAXE];
	char buf[MAXE][40];
	size_t n;
};

static void mk(struct ents *x, uint64_t range, uint64_t from, size_t n,
	       uint64_t term)
{
	size_t i;

	assert_true(n <= MAXE);
	memset(x, 0, sizeof(*x));
	for (i = 0; i < n; i++) {
		snprintf(x->buf[i], sizeof(x->buf[i]), "r%llu.%llu.t%llu",
			 (unsigned long long)range,
			 (unsigned long long)(from + i),
			 (unsigned long long)term);
		x->e[i].index = from + i;
		x->e[i].term = term;
		x->e[i].type = RAFT_ENTRY_NORMAL;
		x->e[i].data = x->buf[i];
		x->e[i].len = strlen(x->buf[i]);
	}
	x->n = n;
}

static void save(struct raftstore *rs, uint64_t range, uint64_t term,
		 uint64_t commit, const struct ents *x,
		 const struct raft_snapshot *snap)
{
	struct raft_hard_state hs = { term, 1, commit };
	struct err e;

	if (raftstore_save(rs, NULL, range, &hs, x ? x->e : NULL,
			   x ? x->n : 0, snap, &e) != RC_OK)
		fail_msg("save range %llu: %s", (unsigned long long)range,
			 e.msg);
}

static void load(struct raftstore *rs, uint64_t range,
		 struct raftstore_state *st)
{
	struct err e;

	if (raftstore_load(rs, range, st, &e) != RC_OK)
		fail_msg("load range %llu: %s", (unsigned long long)range,
			 e.msg);
}

/* st's log is exactly [first, last] and entry i has term term_of(i). */
static void check_log(const struct raftstore_state *st, uint64_t range,
		      uint64_t first, uint64_t last, const uint64_t *terms)
{
	size_t i;
	char want[40];

	assert_int_equal(st->n, last >= first ? last - first + 1 : 0);
	for (i = 0; i < st->n; i++) {
		const struct raft_entry *en = &st->ents[i];

		assert_int_equal(en->index, first + i);
		assert_int_equal(en->term, terms[first + i]);
		snprintf(want, sizeof(want), "r%llu.%llu.t%llu",
			 (unsigned long long)range,
			 (unsigned long long)(first + i),
			 (unsigned long long)terms[first + i]);
		assert_int_equal(en->len, strlen(want));
		assert_memory_equal(en->data, want, en->len);
	}
}

/* ---- tests ------------------------------------------------------------ */

static void test_round_trip(void **state)
{
	struct fx *f = *state;
	struct raftstore_state st;
	struct ents x;
	uint64_t r, last;
	unsigned char meta[3] = { 0, 1, 2 };
	char want[40];
	size_t i;

	for (r = 1; r <= 4; r++) {
		mk(&x, r, 1, 5 + r, 1);
		x.e[0].type = RAFT_ENTRY_CONF;	/* types survive */
		x.e[1].len = 0;			/* leader no-op */
		x.e[1].data = NULL;
		save(f->rs, r, 2, r, &x, NULL);
		assert_int_equal(raftstore_set_meta(f->rs, NULL, r, meta, 3,
						    NULL), RC_OK);
		assert_int_equal(raftstore_set_applied(f->rs, NULL, r, r,
						       NULL), RC_OK);
	}
	reopen(f);
	for (r = 1; r <= 4; r++) {
		load(f->rs, r, &st);
		assert_int_equal(st.hs.term, 2);
		assert_int_equal(st.hs.vote, 1);
		assert_int_equal(st.hs.commit, r);
		assert_int_equal(st.has_snapshot, 0);
		assert_int_equal(st.applied, r);
		assert_int_equal(st.meta_len, 3);
		assert_memory_equal(st.meta, meta, 3);
		assert_int_equal(st.n, 5 + r);
		assert_int_equal(st.ents[0].type, RAFT_ENTRY_CONF);
		assert_int_equal(st.ents[1].len, 0);
		assert_null(st.ents[1].data);
		assert_int_equal(st.ents[2].type, RAFT_ENTRY_NORMAL);
		for (i = 0; i < st.n; i++)
			assert_int_equal(st.ents[i].index, 1 + i);
		snprintf(want, sizeof(want), "r%llu.%llu.t1",
			 (unsigned long long)r, (unsigned long long)(5 + r));
		assert_int_equal(st.ents[st.n - 1].len, strlen(want));
		assert_memory_equal(st.ents[st.n - 1].data, want,
				    strlen(want));
		raftstore_state_release(&st);
		assert_int_equal(raftstore_last_index(f->rs, NULL, r, &last,
						      NULL), RC_OK);
		assert_int_equal(last, 5 + r);
	}
	/* A range never written loads empty. */
	load(f->rs, 99, &st);
	assert_int_equal(st.n, 0);
	assert_int_equal(st.hs.term, 0);
	assert_null(st.meta);
	raftstore_state_release(&st);
}

static void test_overwrite_truncates(void **state)
{
	struct fx *f = *state;
	struct raftstore_state st;
	struct ents x;
	uint64_t terms[32];
	size_t i;

	for (i = 0; i < 32; i++)
		terms[i] = 1;
	mk(&x, 7, 1, 10, 1);
	save(f->rs, 7, 1, 3, &x, NULL);
	/* A new leader of term 3 overwrites from index 6 with 2 entries. */
	mk(&x, 7, 6, 2, 3);
	save(f->rs, 7, 3, 3, &x, NULL);
	terms[6] = terms[7] = 3;
	load(f->rs, 7, &st);
	check_log(&st, 7, 1, 7, terms);
	raftstore_state_release(&st);
	/* Overwriting the tail with a longer run extends the log. */
	mk(&x, 7, 7, 5, 4);
	save(f->rs, 7, 4, 3, &x, NULL);
	for (i = 7; i <= 11; i++)
		terms[i] = 4;
	reopen(f);
	load(f->rs, 7, &st);
	check_log(&st, 7, 1, 11, terms);
	assert_int_equal(st.hs.term, 4);
	raftstore_state_release(&st);
}

static void test_snapshot_install(void **state)
{
	struct fx *f = *state;
	struct raftstore_state st;
	struct raft_snapshot s;
	struct ents x;
	uint64_t terms[40];
	size_t i;

	for (i = 0; i < 40; i++)
		terms[i] = 2;
	mk(&x, 3, 1, 10, 2);
	save(f->rs, 3, 2, 10, &x, NULL);
	/* Matching term at its index: entries after it stay. */
	memset(&s, 0, sizeof(s));
	s.index = 6;
	s.term = 2;
	s.conf.n = 2;
	s.conf.m[0].id = 1;
	s.conf.m[1].id = 4;
	s.conf.m[1].learner = 1;
	s.data = "image6";
	s.len = 6;
	save(f->rs, 3, 2, 10, NULL, &s);
	load(f->rs, 3, &st);
	assert_int_equal(st.has_snapshot, 1);
	assert_int_equal(st.snap.index, 6);
	assert_int_equal(st.snap.term, 2);
	assert_int_equal(st.snap.conf.n, 2);
	assert_int_equal(st.snap.conf.m[1].id, 4);
	assert_int_equal(st.snap.conf.m[1].learner, 1);
	assert_int_equal(st.snap.conf.m[0].learner, 0);
	assert_int_equal(st.snap.len, 6);
	assert_memory_equal(st.snap.data, "image6", 6);
	check_log(&st, 3, 7, 10, terms);
	raftstore_state_release(&st);
	/* Term differs at its index: the whole log goes. */
	s.index = 9;
	s.term = 5;
	s.data = "image9";
	save(f->rs, 3, 5, 9, NULL, &s);
	load(f->rs, 3, &st);
	assert_int_equal(st.snap.index, 9);
	assert_int_equal(st.n, 0);
	raftstore_state_release(&st);
	/* A snapshot past the log's end: log empty, appends follow it. */
	s.index = 20;
	s.term = 5;
	mk(&x, 3, 21, 3, 5);
	save(f->rs, 3, 5, 20, &x, &s);
	for (i = 21; i < 24; i++)
		terms[i] = 5;
	reopen(f);
	load(f->rs, 3, &st);
	assert_int_equal(st.snap.index, 20);
	check_log(&st, 3, 21, 23, terms);
	raftstore_state_release(&st);
	/* Older snapshots and entries below the snapshot are refused. */
	s.index = 15;
	assert_int_equal(raftstore_save(f->rs, NULL, 3, NULL, NULL, 0, &s,
					NULL), RC_BAD_INPUT);
	mk(&x, 3, 20, 2, 5);
	assert_int_equal(raftstore_save(f->rs, NULL, 3, NULL, x.e, x.n, NULL,
					NULL), RC_BAD_INPUT);
}

static void test_compaction(void **state)
{
	struct fx *f = *state;
	struct raftstore_state st;
	struct raft_snapshot s;
	struct ents x;
	uint64_t terms[40], last;
	size_t i;
	struct err e;

	for (i = 0; i < 40; i++)
		terms[i] = 1;
	mk(&x, 5, 1, 20, 1);
	save(f->rs, 5, 1, 20, &x, NULL);
	/* No snapshot: compaction would leave a hole. */
	assert_int_equal(raftstore_compact(f->rs, NULL, 5, 3, &e),
			 RC_BAD_INPUT);
	assert_non_null(strstr(e.msg, "snapshot"));
	memset(&s, 0, sizeof(s));
	s.index = 12;
	s.term = 1;
	s.conf.n = 1;
	s.conf.m[0].id = 1;
	save(f->rs, 5, 1, 20, NULL, &s);
	assert_int_equal(raftstore_compact(f->rs, NULL, 5, 12, &e), RC_OK);
	assert_int_equal(raftstore_compact(f->rs, NULL, 5, 12, &e), RC_OK);
	assert_int_equal(raftstore_compact(f->rs, NULL, 5, 13, &e),
			 RC_BAD_INPUT);
	load(f->rs, 5, &st);
	check_log(&st, 5, 13, 20, terms);
	assert_int_equal(st.snap.len, 0);
	assert_null(st.snap.data);
	raftstore_state_release(&st);
	assert_int_equal(raftstore_last_index(f->rs, NULL, 5, &last, NULL),
			 RC_OK);
	assert_int_equal(last, 20);
}

static void test_applied_same_txn(void **state)
{
	struct fx *f = *state;
	struct raftstore_state st;
	struct mvcc *m = NULL;
	struct bdb_txn *txn;
	struct ents x;
	struct err e;
	void *v = NULL;
	size_t vl;

	mk(&x, 2, 1, 5, 1);
	save(f->rs, 2, 1, 5, &x, NULL);
	assert_int_equal(mvcc_open(f->env, "r2.data", &m, &e), RC_OK);
	/* Abort: neither the MVCC write nor the applied index. */
	assert_int_equal(bdb_txn_begin(f->env, 0, &txn, &e), RC_OK);
	assert_int_equal(mvcc_put(m, txn, "k", 1, 10, "v", 1, &e), RC_OK);
	assert_int_equal(raftstore_set_applied(f->rs, txn, 2, 3, &e), RC_OK);
	assert_int_equal(bdb_txn_abort(txn, &e), RC_OK);
	load(f->rs, 2, &st);
	assert_int_equal(st.applied, 0);
	raftstore_state_release(&st);
	assert_int_equal(mvcc_get(m, NULL, "k", 1, 10, &v, &vl, NULL, NULL),
			 RC_NOT_FOUND);
	/* Commit: both. */
	assert_int_equal(bdb_txn_begin(f->env, 0, &txn, &e), RC_OK);
	assert_int_equal(mvcc_put(m, txn, "k", 1, 10, "v", 1, &e), RC_OK);
	assert_int_equal(raftstore_set_applied(f->rs, txn, 2, 3, &e), RC_OK);
	assert_int_equal(bdb_txn_commit(txn, &e), RC_OK);
	load(f->rs, 2, &st);
	assert_int_equal(st.applied, 3);
	raftstore_state_release(&st);
	assert_int_equal(mvcc_get(m, NULL, "k", 1, 10, &v, &vl, NULL, NULL),
			 RC_OK);
	free(v);
	/* The applied index never leads the log. */
	assert_int_equal(raftstore_set_applied(f->rs, NULL, 2, 6, &e),
			 RC_BAD_INPUT);
	assert_non_null(strstr(e.msg, "applied index 6"));
	assert_int_equal(raftstore_set_applied(f->rs, NULL, 2, 5, &e), RC_OK);
	assert_int_equal(mvcc_close(m, NULL), RC_OK);
}

static void test_list_delete(void **state)
{
	struct fx *f = *state;
	struct raftstore_state st;
	struct ents x;
	uint64_t *ids = NULL;
	size_t n = 0;
	static const uint64_t want[] = { 1, 2, 256, UINT64_MAX - 1,
					 UINT64_MAX };
	size_t i;

	assert_int_equal(raftstore_list_ranges(f->rs, &ids, &n, NULL), RC_OK);
	assert_int_equal(n, 0);
	assert_null(ids);
	for (i = 0; i < 5; i++) {
		mk(&x, want[i], 1, 3, 1);
		save(f->rs, want[i], 1, 1, &x, NULL);
	}
	/* A range with only a meta blob counts too. */
	assert_int_equal(raftstore_set_meta(f->rs, NULL, 77, "d", 1, NULL),
			 RC_OK);
	assert_int_equal(raftstore_list_ranges(f->rs, &ids, &n, NULL), RC_OK);
	assert_int_equal(n, 6);
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[1], 2);
	assert_int_equal(ids[2], 77);
	assert_int_equal(ids[3], 256);
	assert_true(ids[4] == UINT64_MAX - 1);
	assert_true(ids[5] == UINT64_MAX);
	free(ids);
	/* Last index works at the top of the key space too. */
	{
		uint64_t last;

		assert_int_equal(raftstore_last_index(f->rs, NULL, UINT64_MAX,
						      &last, NULL), RC_OK);
		assert_int_equal(last, 3);
	}
	assert_int_equal(raftstore_delete_range(f->rs, NULL, 2, NULL), RC_OK);
	assert_int_equal(raftstore_delete_range(f->rs, NULL, 77, NULL), RC_OK);
	assert_int_equal(raftstore_delete_range(f->rs, NULL, 2, NULL), RC_OK);
	assert_int_equal(raftstore_list_ranges(f->rs, &ids, &n, NULL), RC_OK);
	assert_int_equal(n, 4);
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[1], 256);
	free(ids);
	load(f->rs, 2, &st);
	assert_int_equal(st.n, 0);
	assert_int_equal(st.hs.term, 0);
	raftstore_state_release(&st);
	load(f->rs, 1, &st);	/* neighbours untouched */
	assert_int_equal(st.n, 3);
	raftstore_state_release(&st);
	load(f->rs, 256, &st);
	assert_int_equal(st.n, 3);
	raftstore_state_release(&st);
}

static void test_rejections(void **state)
{
	struct fx *f = *state;
	struct raftstore_state st;
	struct raft_hard_state hs = { 2, 1, 0 };
	struct ents x;
	struct err e;
	uint64_t terms[16];
	size_t i;

	for (i = 0; i < 16; i++)
		terms[i] = 2;
	mk(&x, 4, 1, 5, 2);
	save(f->rs, 4, 2, 0, &x, NULL);
	/* A gap after the last index. */
	mk(&x, 4, 7, 2, 2);
	assert_int_equal(raftstore_save(f->rs, NULL, 4, &hs, x.e, x.n, NULL,
					&e), RC_BAD_INPUT);
	assert_non_null(strstr(e.msg, "gap"));
	/* Not contiguous inside the batch. */
	mk(&x, 4, 6, 3, 2);
	x.e[2].index = 9;
	assert_int_equal(raftstore_save(f->rs, NULL, 4, &hs, x.e, x.n, NULL,
					&e), RC_BAD_INPUT);
	/* Index 0, term 0, decreasing terms, unknown type, NULL data. */
	mk(&x, 4, 0, 1, 2);
	assert_int_equal(raftstore_save(f->rs, NULL, 4, &hs, x.e, 1, NULL,
					&e), RC_BAD_INPUT);
	mk(&x, 4, 6, 2, 2);
	x.e[1].term = 1;
	assert_int_equal(raftstore_save(f->rs, NULL, 4, &hs, x.e, x.n, NULL,
					&e), RC_BAD_INPUT);
	mk(&x, 4, 6, 1, 1);	/* below the previous entry's term */
	assert_int_equal(raftstore_save(f->rs, NULL, 4, &hs, x.e, x.n, NULL,
					&e), RC_BAD_INPUT);
	mk(&x, 4, 6, 1, 3);	/* above the hard state's term */
	assert_int_equal(raftstore_save(f->rs, NULL, 4, &hs, x.e, x.n, NULL,
					&e), RC_BAD_INPUT);
	mk(&x, 4, 6, 1, 2);
	x.e[0].type = 9;
	assert_int_equal(raftstore_save(f->rs, NULL, 4, &hs, x.e, x.n, NULL,
					&e), RC_BAD_INPUT);
	x.e[0].type = 0;
	x.e[0].data = NULL;
	assert_int_equal(raftstore_save(f->rs, NULL, 4, &hs, x.e, x.n, NULL,
					&e), RC_BAD_INPUT);
	/* Hard state term going back. */
	hs.term = 1;
	assert_int_equal(raftstore_save(f->rs, NULL, 4, &hs, NULL, 0, NULL,
					&e), RC_BAD_INPUT);
	/* Nothing of the above was written. */
	load(f->rs, 4, &st);
	check_log(&st, 4, 1, 5, terms);
	assert_int_equal(st.hs.term, 2);
	raftstore_state_release(&st);
}

static void test_corrupt_record(void **state)
{
	struct fx *f = *state;
	struct raftstore_state st;
	struct ents x;
	struct err e;
	unsigned char k[16] = { 0 }, v[4] = { 0, 0, 0, 1 };
	DB *db = NULL;

	mk(&x, 7, 1, 5, 1);
	save(f->rs, 7, 1, 0, &x, NULL);
	/* Overwrite entry 3 of range 7 with a 4-byte record. */
	k[7] = 7;
	k[15] = 3;
	assert_int_equal(bdb_db_open(f->env, RAFTSTORE_LOG_DB, &db, &e),
			 RC_OK);
	assert_int_equal(bdb_put(f->env, db, NULL, k, sizeof(k), v, sizeof(v),
				 &e), RC_OK);
	assert_int_equal(raftstore_load(f->rs, 7, &st, &e), RC_CORRUPT);
	assert_non_null(strstr(e.msg, "range 7 index 3"));
	raftstore_state_release(&st);
	/* A hole: delete entry 2. */
	assert_int_equal(raftstore_save(f->rs, NULL, 8, &(struct
		raft_hard_state){ 1, 0, 0 }, x.e, x.n, NULL, &e), RC_OK);
	k[7] = 8;
	k[15] = 2;
	assert_int_equal(bdb_del(f->env, db, NULL, k, sizeof(k), &e), RC_OK);
	assert_int_equal(raftstore_load(f->rs, 8, &st, &e), RC_CORRUPT);
	assert_non_null(strstr(e.msg, "range 8 index 3"));
	assert_non_null(strstr(e.msg, "hole"));
	raftstore_state_release(&st);
	assert_int_equal(bdb_db_close(f->env, db, NULL), RC_OK);
}

/* Log syncs so far, from Berkeley DB's statistics. */
static unsigned long log_syncs(struct bdb *env)
{
	DB_ENV *de = bdb_env_handle(env);
	DB_LOG_STAT *ls = NULL;
	unsigned long n;

	assert_int_equal(de->log_stat(de, &ls, 0), 0);
	n = (unsigned long)ls->st_scount;
	free(ls);
	return n;
}

static void test_group_commit(void **state)
{
	struct fx *f = *state;
	struct raftstore_state st;
	struct raftstore_batch *b;
	struct raft_hard_state hs = { 1, 1, 0 };
	struct ents x;
	struct err e;
	unsigned long s0, s1;
	uint64_t r;
	int i;

	/* Several ranges in one batch: all visible after commit. */
	assert_int_equal(raftstore_batch_begin(f->rs, &b, &e), RC_OK);
	for (r = 1; r <= 5; r++) {
		mk(&x, r, 1, 3, 1);
		assert_int_equal(raftstore_batch_save(b, r, &hs, x.e, x.n,
						      NULL, &e), RC_OK);
	}
	/* A refused save leaves the batch usable. */
	mk(&x, 6, 5, 1, 1);
	assert_int_equal(raftstore_batch_save(b, 6, &hs, x.e, x.n, NULL, &e),
			 RC_BAD_INPUT);
	assert_int_equal(raftstore_batch_commit(b, &e), RC_OK);
	for (r = 1; r <= 5; r++) {
		load(f->rs, r, &st);
		assert_int_equal(st.n, 3);
		raftstore_state_release(&st);
	}
	load(f->rs, 6, &st);
	assert_int_equal(st.n, 0);
	raftstore_state_release(&st);
	/* An aborted batch leaves nothing of any range. */
	assert_int_equal(raftstore_batch_begin(f->rs, &b, &e), RC_OK);
	for (r = 1; r <= 5; r++) {
		mk(&x, r, 4, 2, 1);
		assert_int_equal(raftstore_batch_save(b, r, &hs, x.e, x.n,
						      NULL, &e), RC_OK);
	}
	assert_int_equal(raftstore_batch_abort(b, &e), RC_OK);
	for (r = 1; r <= 5; r++) {
		load(f->rs, r, &st);
		assert_int_equal(st.n, 3);
		raftstore_state_release(&st);
	}
	/* Measure: syncs per batch of 8 ranges (printed, not asserted). */
	s0 = log_syncs(f->env);
	for (i = 0; i < 20; i++) {
		assert_int_equal(raftstore_batch_begin(f->rs, &b, &e), RC_OK);
		for (r = 1; r <= 8; r++) {
			uint64_t from = r <= 5 ? 4 + (uint64_t)i : 1 +
				(uint64_t)i;

			mk(&x, r, from, 1, 1);
			if (raftstore_batch_save(b, r, &hs, x.e, x.n, NULL,
						 &e) != RC_OK)
				fail_msg("batch save: %s", e.msg);
		}
		assert_int_equal(raftstore_batch_commit(b, &e), RC_OK);
	}
	s1 = log_syncs(f->env);
	print_message("# group commit: %lu log syncs for 20 batches of 8 "
		      "ranges (%.2f per batch)\n", s1 - s0,
		      (double)(s1 - s0) / 20);
	s0 = log_syncs(f->env);
	for (i = 0; i < 20; i++) {
		mk(&x, 9, 1 + (uint64_t)i, 1, 1);
		save(f->rs, 9, 1, 0, &x, NULL);
	}
	s1 = log_syncs(f->env);
	print_message("# single saves: %lu log syncs for 20 saves\n",
		      s1 - s0);
}

static void test_raft_restore(void **state)
{
	struct fx *f = *state;
	struct raftstore_state st;
	struct raft_snapshot s;
	struct raft_config cfg;
	struct raft_status rst;
	struct raft *r = NULL;
	struct ents x;
	struct err e;
	unsigned char conf_ent[RAFT_CONF_ENTRY_LEN];
	const struct raft_entry *en;

	memset(&s, 0, sizeof(s));
	s.index = 5;
	s.term = 2;
	s.conf.n = 3;
	s.conf.m[0].id = 1;
	s.conf.m[1].id = 2;
	s.conf.m[2].id = 3;
	s.data = "state@5";
	s.len = 7;
	mk(&x, 11, 6, 4, 2);
	x.e[3].term = 3;
	raft_conf_encode(conf_ent, RAFT_CONF_ADD_LEARNER, 4);
	x.e[2].type = RAFT_ENTRY_CONF;
	x.e[2].data = conf_ent;
	x.e[2].len = sizeof(conf_ent);
	assert_int_equal(raftstore_save(f->rs, NULL, 11, &(struct
		raft_hard_state){ 3, 2, 8 }, x.e, x.n, &s, &e), RC_OK);
	assert_int_equal(raftstore_set_applied(f->rs, NULL, 11, 7, &e), RC_OK);
	reopen(f);
	load(f->rs, 11, &st);

	raft_config_default(&cfg);
	cfg.id = 1;
	cfg.group = 11;
	cfg.seed = 42;
	cfg.applied = st.applied;
	assert_int_equal(raft_new(&cfg, &r, &e), RC_OK);
	if (raft_restore(r, &st.hs, st.has_snapshot ? &st.snap : NULL,
			 st.ents, st.n, &e) != RC_OK)
		fail_msg("raft_restore: %s", e.msg);
	raft_status(r, &rst);
	assert_int_equal(rst.term, 3);
	assert_int_equal(rst.vote, 2);
	assert_int_equal(rst.commit, 8);
	assert_int_equal(rst.applied, 7);
	assert_int_equal(rst.snapshot_index, 5);
	assert_int_equal(rst.snapshot_term, 2);
	assert_int_equal(rst.first_index, 6);
	assert_int_equal(rst.last_index, 9);
	assert_true(raft_conf_is_member(&rst.conf, 4));
	en = raft_entry_at(r, 9);
	assert_non_null(en);
	assert_int_equal(en->term, 3);
	assert_int_equal(raft_snapshot_get(r)->len, 7);
	raft_free(r);
	raftstore_state_release(&st);
}

/* ---- crash recovery --------------------------------------------------- */

#define CR_RANGES 3
#define CR_MAXLOG 4096

/* The deterministic state of one range after some batches. */
struct cr_range {
	uint64_t term;
	uint64_t commit;
	uint64_t sidx, sterm;	/* snapshot */
	uint64_t last;		/* last index */
	uint64_t terms[CR_MAXLOG];
};

/*
 * Batch i (from 1) for range r: what to save and what it does to m.  Range
 * 2 overwrites its tail with a new term every 5th batch; range 3 installs
 * a snapshot of its last entry every 4th; the others append 1..3 entries.
 */
static void cr_step(struct cr_range *m, unsigned r, uint32_t i,
		    struct ents *x, struct raft_snapshot *snap,
		    int *has_snap)
{
	uint64_t from;
	size_t n = 1 + (i + r) % 3;

	*has_snap = 0;
	from = m->last + 1;
	if (r == 2 && i % 5 == 0 && m->last >= 2) {
		m->term++;
		from = m->last - 1;
		n = 3;
	}
	if (r == 3 && i % 4 == 0 && m->last > m->sidx) {
		memset(snap, 0, sizeof(*snap));
		snap->index = m->last;
		snap->term = m->terms[m->last];
		snap->conf.n = 1;
		snap->conf.m[0].id = 1;
		snap->data = "img";
		snap->len = 3;
		m->sidx = snap->index;
		m->sterm = snap->term;
		*has_snap = 1;
	}
	mk(x, r, from, n, m->term);
	for (size_t k = 0; k < n; k++)
		m->terms[from + k] = m->term;
	m->last = from + n - 1;
	m->commit = m->last > 2 ? m->last - 2 : 0;
}

static void cr_model(struct cr_range m[CR_RANGES], uint32_t batches)
{
	struct ents x;
	struct raft_snapshot s;
	int hs;
	uint32_t i;
	unsigned r;

	for (r = 0; r < CR_RANGES; r++) {
		memset(&m[r], 0, sizeof(m[r]));
		m[r].term = 1;
	}
	for (i = 1; i <= batches; i++)
		for (r = 0; r < CR_RANGES; r++)
			cr_step(&m[r], r + 1, i, &x, &s, &hs);
}

static void crash_child(const char *dir, enum bdb_durability d, int fd)
{
	static struct cr_range m[CR_RANGES];
	struct bdb *env = NULL;
	struct raftstore *rs = NULL;
	struct raftstore_batch *b;
	struct ents x;
	struct raft_snapshot s;
	struct raft_hard_state hs;
	int has;
	struct bdb_opts o = { 4u << 20, d };
	uint32_t i;
	unsigned r;

	if (bdb_open(dir, &o, &env, NULL) != 0 ||
	    raftstore_open(env, &rs, NULL) != 0)
		_exit(2);
	cr_model(m, 0);
	for (i = 1; i < 1000000; i++) {
		if (raftstore_batch_begin(rs, &b, NULL) != RC_OK)
			_exit(3);
		for (r = 0; r < CR_RANGES; r++) {
			cr_step(&m[r], r + 1, i, &x, &s, &has);
			if (m[r].last >= CR_MAXLOG - 8)
				_exit(6);
			hs.term = m[r].term;
			hs.vote = 1;
			hs.commit = m[r].commit;
			if (raftstore_batch_save(b, r + 1, &hs, x.e, x.n,
						 has ? &s : NULL, NULL) !=
			    RC_OK)
				_exit(4);
		}
		if (raftstore_batch_commit(b, NULL) != RC_OK)
			_exit(5);
		if (write(fd, &i, sizeof(i)) != (ssize_t)sizeof(i))
			_exit(7);
	}
	_exit(0);
}

static uint32_t crash_round(const char *dir, enum bdb_durability d,
			    unsigned target, unsigned delay_us)
{
	int p[2];
	pid_t pid;
	uint32_t got, last = 0;
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
	while (last < target) {
		n = read(p[0], &got, sizeof(got));
		if (n == 0)
			break;
		assert_int_equal(n, sizeof(got));
		assert_int_equal(got, last + 1);
		last = got;
	}
	usleep(delay_us);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
		fail_msg("writer exited early (status %d)", status);
	while ((n = read(p[0], &got, sizeof(got))) == sizeof(got)) {
		assert_int_equal(got, last + 1);
		last = got;
	}
	close(p[0]);
	return last;
}

/* Does the stored range r equal model m exactly? */
static int cr_matches(const struct raftstore_state *st, unsigned r,
		      const struct cr_range *m)
{
	char want[40];
	size_t i;

	if (st->hs.term != m->term || st->hs.commit != m->commit ||
	    st->hs.vote != (m->last ? 1u : 0u))
		return 0;
	if (st->has_snapshot != (m->sidx != 0) || st->snap.index != m->sidx ||
	    st->snap.term != m->sterm)
		return 0;
	if (st->n != m->last - m->sidx)
		return 0;
	for (i = 0; i < st->n; i++) {
		const struct raft_entry *en = &st->ents[i];
		uint64_t idx = m->sidx + 1 + i;

		snprintf(want, sizeof(want), "r%u.%llu.t%llu", r,
			 (unsigned long long)idx,
			 (unsigned long long)m->terms[idx]);
		if (en->index != idx || en->term != m->terms[idx] ||
		    en->len != strlen(want) ||
		    memcmp(en->data, want, en->len) != 0)
			return 0;
	}
	return 1;
}

static void test_crash_recovery(void **state)
{
	struct fx *f = *state;
	static const enum bdb_durability dur[] = {
		BDB_DUR_SYNC, BDB_DUR_NOSYNC, BDB_DUR_WRITE, BDB_DUR_SYNC,
		BDB_DUR_NOSYNC, BDB_DUR_SYNC
	};
	static struct cr_range ma[CR_RANGES], mb[CR_RANGES];
	uint32_t acked_total = 0;
	int round;

	srand(4242);
	for (round = 0; round < 6; round++) {
		unsigned target = 5 + (unsigned)rand() % 120;
		unsigned delay = (unsigned)rand() % 4000;
		char sub[96];
		uint32_t last, present;
		struct bdb *env;
		struct raftstore *rs;
		struct raftstore_state st[CR_RANGES];
		int ok_a = 1, ok_b = 1;
		unsigned r;

		snprintf(sub, sizeof(sub), "%s/r%d", f->dir, round);
		assert_int_equal(mkdir(sub, 0700), 0);
		last = crash_round(sub, dur[round], target, delay);
		assert_true(last >= target);
		env = env_open(sub, BDB_DUR_SYNC);
		rs = store_open(env);
		cr_model(ma, last);
		cr_model(mb, last + 1);
		for (r = 0; r < CR_RANGES; r++) {
			load(rs, r + 1, &st[r]);
			ok_a = ok_a && cr_matches(&st[r], r + 1, &ma[r]);
			ok_b = ok_b && cr_matches(&st[r], r + 1, &mb[r]);
		}
		/*
		 * Every range is exactly as after the last acknowledged
		 * batch, or all of them as after the next one (committed,
		 * not yet acked): never a mix, never a partial batch.
		 */
		if (!ok_a && !ok_b)
			fail_msg("round %d: store matches neither batch %u "
				 "nor %u (range logs %zu/%zu/%zu)", round,
				 (unsigned)last, (unsigned)last + 1, st[0].n,
				 st[1].n, st[2].n);
		present = ok_a ? last : last + 1;
		for (r = 0; r < CR_RANGES; r++) {
			struct raft *rf = NULL;
			struct raft_config cfg;
			struct err e;

			/* And raft accepts what was recovered. */
			raft_config_default(&cfg);
			cfg.id = 1;
			cfg.group = r + 1;
			assert_int_equal(raft_new(&cfg, &rf, NULL), RC_OK);
			if (raft_restore(rf, &st[r].hs, st[r].has_snapshot ?
					 &st[r].snap : NULL, st[r].ents,
					 st[r].n, &e) != RC_OK)
				fail_msg("raft_restore: %s", e.msg);
			raft_free(rf);
			raftstore_state_release(&st[r]);
		}
		assert_int_equal(raftstore_close(rs, NULL), RC_OK);
		assert_int_equal(bdb_close(env, NULL), RC_OK);
		acked_total += last;
		print_message("# round %d: %u batches acked, %u present\n",
			      round, (unsigned)last, (unsigned)present);
	}
	assert_true(acked_total >= 30);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_overwrite_truncates,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_snapshot_install, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_compaction, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_applied_same_txn, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_list_delete, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rejections, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_record, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_group_commit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_raft_restore, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_crash_recovery, setup_dir,
						teardown),
	};

	log_open("raftstore_test", LOG_LEVEL_ERROR);
	return cmocka_run_group_tests_name("raftstore", tests, NULL, NULL);
}
