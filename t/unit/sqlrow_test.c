/*
 * sqlrow_test.c -- unit tests for sqlrow.c on the in-memory key-value
 * store: rows and index entries round-trip, unique constraints (primary
 * key and secondary, NULLs never collide), updates that move the primary
 * key or change indexed values leave exactly the right entries, deletes
 * leave nothing, and range spans select exactly the rows they should.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "sqlrow.h"

/* t(id INT8 PRIMARY KEY, email TEXT UNIQUE, city TEXT, amount DECIMAL)
   with index city_idx(city) */
static struct sqlcat_column cols[4];
static int pk_cols[] = { 1 }, email_cols[] = { 2 }, city_cols[] = { 3 };
static unsigned char asc[] = { 0 };
static struct sqlcat_index idx[2];
static struct sqlcat_desc d;

static void make_desc(void)
{
	memset(&d, 0, sizeof(d));
	memset(cols, 0, sizeof(cols));
	memset(idx, 0, sizeof(idx));
	d.kind = SQLCAT_TABLE;
	d.id = 105;
	d.parent = 100;
	d.name = "t";
	cols[0] = (struct sqlcat_column){ 1, "id", sqlval_type(SQL_TYPE_INT8),
					  0, NULL, 0 };
	cols[1] = (struct sqlcat_column){ 2, "email",
					  sqlval_type(SQL_TYPE_TEXT), 1, NULL,
					  0 };
	cols[2] = (struct sqlcat_column){ 3, "city",
					  sqlval_type(SQL_TYPE_TEXT), 1, NULL,
					  0 };
	cols[3] = (struct sqlcat_column){ 4, "amount",
					  sqlval_type(SQL_TYPE_DECIMAL), 1,
					  NULL, 0 };
	d.cols = cols;
	d.ncols = 4;
	d.primary = (struct sqlcat_index){ 1, "t_pkey", 1, 1, pk_cols, asc };
	idx[0] = (struct sqlcat_index){ 2, "t_email_key", 1, 1, email_cols,
					asc };
	idx[1] = (struct sqlcat_index){ 3, "city_idx", 0, 1, city_cols, asc };
	d.idx = idx;
	d.nidx = 2;
	d.next_col_id = 5;
	d.next_idx_id = 4;
}

static void row_of(struct sql_datum *r, int64_t id, const char *email,
		   const char *city, const char *amount, struct arena *a)
{
	struct sql_type dt = sqlval_type(SQL_TYPE_DECIMAL);

	r[0] = sqlval_int(id);
	r[1] = email ? sqlval_text(email, strlen(email)) : sqlval_null();
	r[2] = city ? sqlval_text(city, strlen(city)) : sqlval_null();
	r[3] = sqlval_null();
	if (amount != NULL)
		assert_int_equal(sqlval_from_text(&dt, amount, strlen(amount),
						  a, &r[3], NULL), 0);
}

/* Entries of index ix (or of the primary index when ix NULL). */
static size_t count_span(struct sqlkv *kv, const struct sqlcat_index *ix,
			 const struct sql_datum *vals, size_t n)
{
	struct keys_buf s, e;
	struct sqlkv_page p;
	size_t c;

	keys_buf_init(&s);
	keys_buf_init(&e);
	assert_int_equal(sqlrow_span(&d, ix ? ix : &d.primary, vals, n, &s,
				     &e, NULL), 0);
	assert_int_equal(sqlkv_scan(kv, s.p, s.len, e.p, e.len, 1000, &p,
				    NULL), RC_OK);
	c = p.n;
	sqlkv_page_release(&p);
	keys_buf_release(&s);
	keys_buf_release(&e);
	return c;
}

static void test_rows_and_constraints(void **state)
{
	struct sqlkv_mem *m;
	struct sqlkv_mem_txn *t;
	struct sqlkv kv;
	struct arena *a = arena_new();
	struct sql_datum r[4], got[4], key[1];
	const struct sqlcat_index *conflict;
	struct sqlerr e;
	int found;

	(void)state;
	make_desc();
	assert_int_equal(sqlkv_mem_new(&m, NULL), RC_OK);
	assert_int_equal(sqlkv_mem_begin(m, 1, &t, &kv, NULL), RC_OK);
	row_of(r, 1, "a@x", "Oslo", "1.50", a);
	assert_int_equal(sqlrow_insert(&kv, &d, r, a, &conflict, &e), 0);
	row_of(r, 2, NULL, "Oslo", NULL, a);
	assert_int_equal(sqlrow_insert(&kv, &d, r, a, &conflict, &e), 0);
	row_of(r, 3, NULL, "Lima", "-7", a);	/* NULL email twice: fine */
	assert_int_equal(sqlrow_insert(&kv, &d, r, a, &conflict, &e), 0);
	/* duplicate primary key */
	row_of(r, 1, "z@x", "Rome", NULL, a);
	assert_int_equal(sqlrow_insert(&kv, &d, r, a, &conflict, &e), -1);
	assert_string_equal(e.sqlstate, SQLSTATE_UNIQUE);
	assert_ptr_equal(conflict, &d.primary);
	assert_non_null(strstr(e.msg, "\"t_pkey\""));
	/* duplicate unique value: nothing written */
	row_of(r, 9, "a@x", "Rome", NULL, a);
	assert_int_equal(sqlrow_insert(&kv, &d, r, a, &conflict, &e), -1);
	assert_ptr_equal(conflict, &idx[0]);
	key[0] = sqlval_int(9);
	assert_int_equal(sqlrow_get(&kv, &d, r, a, got, &found, &e), 0);
	assert_int_equal(found, 0);
	assert_int_equal(count_span(&kv, NULL, NULL, 0), 3);
	assert_int_equal(count_span(&kv, &idx[0], NULL, 0), 3);
	assert_int_equal(count_span(&kv, &idx[1], NULL, 0), 3);
	key[0] = sqlval_text("Oslo", 4);
	assert_int_equal(count_span(&kv, &idx[1], key, 1), 2);

	/* round trip, decimal scale kept */
	row_of(r, 1, NULL, NULL, NULL, a);
	assert_int_equal(sqlrow_get(&kv, &d, r, a, got, &found, &e), 0);
	assert_int_equal(found, 1);
	assert_int_equal(got[0].i, 1);
	assert_memory_equal(got[1].s.p, "a@x", 3);
	assert_int_equal(got[3].kind, SQL_DATUM_DECIMAL);
	assert_int_equal(got[3].d.scale, 2);
	/* lookup through the unique index */
	key[0] = sqlval_text("a@x", 3);
	assert_int_equal(sqlrow_lookup(&kv, &d, &idx[0], key, a, got, &found,
				       &e), 0);
	assert_int_equal(found, 1);
	assert_int_equal(got[0].i, 1);

	/* update: move the primary key and change the city */
	{
		struct sql_datum old[4], nw[4];

		row_of(old, 1, "a@x", "Oslo", "1.50", a);
		row_of(nw, 10, "a@x", "Rome", "1.50", a);
		assert_int_equal(sqlrow_update(&kv, &d, old, nw, a, &conflict,
					       &e), 0);
		row_of(r, 1, NULL, NULL, NULL, a);
		assert_int_equal(sqlrow_get(&kv, &d, r, a, got, &found, &e), 0);
		assert_int_equal(found, 0);
		key[0] = sqlval_text("a@x", 3);
		assert_int_equal(sqlrow_lookup(&kv, &d, &idx[0], key, a, got,
					       &found, &e), 0);
		assert_int_equal(got[0].i, 10);
		key[0] = sqlval_text("Oslo", 4);
		assert_int_equal(count_span(&kv, &idx[1], key, 1), 1);
		key[0] = sqlval_text("Rome", 4);
		assert_int_equal(count_span(&kv, &idx[1], key, 1), 1);
		/* an update into a taken email is refused */
		row_of(old, 2, NULL, "Oslo", NULL, a);
		row_of(nw, 2, "a@x", "Oslo", NULL, a);
		assert_int_equal(sqlrow_update(&kv, &d, old, nw, a, &conflict,
					       &e), -1);
		assert_ptr_equal(conflict, &idx[0]);
		/* and into a taken primary key */
		row_of(nw, 3, NULL, "Oslo", NULL, a);
		assert_int_equal(sqlrow_update(&kv, &d, old, nw, a, &conflict,
					       &e), -1);
		assert_ptr_equal(conflict, &d.primary);
		/* delete leaves no entry behind */
		row_of(old, 10, "a@x", "Rome", "1.50", a);
		assert_int_equal(sqlrow_delete(&kv, &d, old, a, &e), 0);
		assert_int_equal(count_span(&kv, NULL, NULL, 0), 2);
		assert_int_equal(count_span(&kv, &idx[0], NULL, 0), 2);
		assert_int_equal(count_span(&kv, &idx[1], NULL, 0), 2);
	}
	/* CREATE INDEX backfill refuses a duplicate */
	row_of(r, 2, NULL, "Oslo", NULL, a);
	assert_int_equal(sqlrow_index_put(&kv, &d, &idx[1], r, a, &e), 0);
	row_of(r, 3, "dup", "Lima", NULL, a);
	assert_int_equal(sqlrow_index_put(&kv, &d, &idx[0], r, a, &e), 0);
	row_of(r, 4, "dup", "Lima", NULL, a);
	assert_int_equal(sqlrow_index_put(&kv, &d, &idx[0], r, a, &e), -1);
	assert_string_equal(e.sqlstate, SQLSTATE_UNIQUE);
	sqlkv_mem_rollback(t);
	sqlkv_mem_free(m);
	arena_free(a);
}

static void test_ranges(void **state)
{
	struct sqlkv_mem *m;
	struct sqlkv_mem_txn *t;
	struct sqlkv kv;
	struct arena *a = arena_new();
	struct sql_datum r[4], lo, hi;
	struct keys_buf s, e;
	struct sqlkv_page p;
	static const struct {
		int lo, lo_incl, hi, hi_incl;	/* 0: unbounded */
		size_t want;
	} cases[] = {
		{ 3, 1, 7, 1, 5 }, { 3, 0, 7, 0, 3 }, { 3, 1, 0, 0, 8 },
		{ 0, 0, 5, 0, 4 }, { 0, 0, 5, 1, 5 }, { 11, 1, 0, 0, 0 },
		{ 0, 0, 0, 0, 11 },
	};

	(void)state;
	make_desc();
	assert_int_equal(sqlkv_mem_new(&m, NULL), RC_OK);
	assert_int_equal(sqlkv_mem_begin(m, 1, &t, &kv, NULL), RC_OK);
	for (int i = 1; i <= 10; i++) {
		row_of(r, i, NULL, NULL, NULL, a);
		assert_int_equal(sqlrow_insert(&kv, &d, r, a, NULL, NULL), 0);
	}
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		lo = sqlval_int(cases[c].lo);
		hi = sqlval_int(cases[c].hi);
		keys_buf_init(&s);
		keys_buf_init(&e);
		assert_int_equal(sqlrow_range(&d, &d.primary, NULL, 0,
					      cases[c].lo ? &lo : NULL,
					      cases[c].lo_incl,
					      cases[c].hi ? &hi : NULL,
					      cases[c].hi_incl, &s, &e, NULL),
				 0);
		assert_int_equal(sqlkv_scan(&kv, s.p, s.len, e.p, e.len, 1000,
					    &p, NULL), RC_OK);
		/* 10 rows; the unbounded case sees them all (11 is "all+1") */
		assert_int_equal(p.n, cases[c].want == 11 ? 10 :
				 cases[c].want);
		sqlkv_page_release(&p);
		keys_buf_release(&s);
		keys_buf_release(&e);
	}
	sqlkv_mem_rollback(t);
	sqlkv_mem_free(m);
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_and_constraints),
		cmocka_unit_test(test_ranges),
	};

	return cmocka_run_group_tests_name("sqlrow", tests, NULL, NULL);
}
