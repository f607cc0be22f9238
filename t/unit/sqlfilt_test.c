/*
 * sqlfilt_test.c -- unit tests for pushed-down row filters (sqlfilt.c)
 * and their use by the in-memory key-value store, which applies them to
 * its committed rows the way raftd does: what is kept and left out, the
 * rows a filter cannot decide (kept), the transaction's own writes (never
 * filtered), now(), and every way a filter from the network can be bad.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "arena.h"
#include "sqlcat.h"
#include "sqlfilt.h"
#include "sqlkv.h"
#include "sqlrow.h"
#include "sqlval.h"

/* t(id INT PRIMARY KEY, name TEXT, n INT, at TIMESTAMP), index on name */
static struct sqlcat_column cols[4];
static int pk_cols[] = { 1 }, name_cols[] = { 2 };
static unsigned char asc[] = { 0 };
static struct sqlcat_index idx[1];
static struct sqlcat_desc d;

static void make_desc(void)
{
	memset(&d, 0, sizeof(d));
	d.kind = SQLCAT_TABLE;
	d.id = 107;
	d.parent = 100;
	d.name = "t";
	cols[0] = (struct sqlcat_column){ 1, "id", sqlval_type(SQL_TYPE_INT8),
					  0, NULL, 0 };
	cols[1] = (struct sqlcat_column){ 2, "name",
					  sqlval_type(SQL_TYPE_TEXT), 1, NULL,
					  0 };
	cols[2] = (struct sqlcat_column){ 3, "n", sqlval_type(SQL_TYPE_INT8),
					  1, NULL, 0 };
	cols[3] = (struct sqlcat_column){ 4, "at",
					  sqlval_type(SQL_TYPE_TIMESTAMP), 1,
					  NULL, 0 };
	d.cols = cols;
	d.ncols = 4;
	d.primary = (struct sqlcat_index){ 1, "t_pkey", 1, 1, pk_cols, asc };
	idx[0] = (struct sqlcat_index){ 2, "t_name", 0, 1, name_cols, asc };
	d.idx = idx;
	d.nidx = 1;
	d.next_col_id = 5;
	d.next_idx_id = 3;
}

/* 2023-11-14 22:13:20 UTC in microseconds since the Unix epoch */
#define T0_US	((int64_t)1700000000 * 1000000)

static void insert(struct sqlkv *kv, int64_t id, const char *name,
		   const int64_t *n, int64_t at_us)
{
	struct arena *a = arena_new();
	const struct sqlcat_index *conflict;
	struct sql_datum r[4];
	struct sqlerr e;

	assert_non_null(a);
	r[0] = sqlval_int(id);
	r[1] = name ? sqlval_text(name, strlen(name)) : sqlval_null();
	r[2] = n ? sqlval_int(*n) : sqlval_null();
	r[3] = sqlval_timestamp(at_us);
	assert_int_equal(sqlrow_insert(kv, &d, r, a, &conflict, &e), 0);
	arena_free(a);
}

/* ids of the primary-index rows a filtered scan returns, "1,3" */
static void scan_ids(struct sqlkv *kv, const json_t *f, char *out,
		     size_t cap)
{
	struct arena *a = arena_new();
	struct keys_buf s, e;
	struct sqlkv_page p;
	struct sql_datum row[4];
	size_t len = 0;

	assert_non_null(a);
	keys_buf_init(&s);
	keys_buf_init(&e);
	assert_int_equal(sqlrow_span(&d, &d.primary, NULL, 0, &s, &e, NULL),
			 0);
	assert_int_equal(sqlkv_scan_filtered(kv, s.p, s.len, e.p, e.len,
					     1000, f, &p, NULL), RC_OK);
	out[0] = '\0';
	for (size_t i = 0; i < p.n; i++) {
		assert_int_equal(sqlrow_decode(&d, p.items[i].key,
					       p.items[i].klen, p.items[i].val,
					       p.items[i].vlen, a, row, NULL),
				 0);
		len += (size_t)snprintf(out + len, cap - len, "%s%lld",
					i ? "," : "", (long long)row[0].i);
		assert_true(len < cap);
	}
	sqlkv_page_release(&p);
	keys_buf_release(&s);
	keys_buf_release(&e);
	arena_free(a);
}

static json_t *filter(const char *where)
{
	/* now() = T0 + 1 h, as an HLC (milliseconds << 16) */
	uint64_t ms = (uint64_t)((T0_US + 3600000000LL) / 1000);
	json_t *j = sqlfilt_encode(&d, "t", where, ms << 16);

	assert_non_null(j);
	return j;
}

struct fixture {
	struct sqlkv_mem *m;
};

static int setup(void **state)
{
	static struct fixture fx;
	struct sqlkv_mem_txn *t;
	struct sqlkv kv;
	int64_t n5 = 5, n10 = 10, n0 = 0;

	make_desc();
	if (sqlkv_mem_new(&fx.m, NULL) != RC_OK ||
	    sqlkv_mem_begin(fx.m, 1, &t, &kv, NULL) != RC_OK)
		return -1;
	insert(&kv, 1, "ann", &n5, T0_US);
	insert(&kv, 2, "bob", &n10, T0_US + 7200000000LL);	/* +2 h */
	insert(&kv, 3, NULL, NULL, T0_US);
	insert(&kv, 4, "cy", &n0, T0_US);
	if (sqlkv_mem_commit(t, NULL) != RC_OK)
		return -1;
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	sqlkv_mem_free(fx->m);
	return 0;
}

static void check(struct sqlkv_mem *m, const char *where, const char *want,
		  size_t dropped)
{
	struct sqlkv_mem_txn *t;
	struct sqlkv kv;
	json_t *f = filter(where);
	size_t before = sqlkv_mem_filtered(m);
	char got[128];

	assert_int_equal(sqlkv_mem_begin(m, 2, &t, &kv, NULL), RC_OK);
	scan_ids(&kv, f, got, sizeof(got));
	sqlkv_mem_rollback(t);
	json_decref(f);
	if (strcmp(got, want) != 0 ||
	    sqlkv_mem_filtered(m) - before != dropped) {
		print_error("WHERE %s\nwant: %s (%zu left out)\n"
			    "got:  %s (%zu left out)\n", where, want, dropped,
			    got, sqlkv_mem_filtered(m) - before);
		fail();
	}
	assert_int_equal(sqlkv_mem_filter_errors(m), 0);
}

static void test_keep_and_drop(void **state)
{
	struct fixture *fx = *state;

	check(fx->m, "n > 4", "1,2", 2);		/* NULL n: left out */
	check(fx->m, "n IS NULL", "3", 3);
	check(fx->m, "t.name LIKE '%b%' OR id = 4", "2,4", 2);
	check(fx->m, "lower(name) IN ('ANN', 'cy') OR name = upper('x')",
	      "4", 3);
	check(fx->m, "lower(upper(name)) IN ('ann', 'cy')", "1,4", 2);
	check(fx->m, "CASE WHEN n > 5 THEN TRUE ELSE FALSE END", "2", 3);
	check(fx->m, "coalesce(n, -1) < 1 AND id BETWEEN 3 AND 4", "3,4", 2);
	check(fx->m, "TRUE", "1,2,3,4", 0);
	check(fx->m, "NULL::bool", "", 4);
	/* now() is the gateway's: T0 + 1 h */
	check(fx->m, "at > now()", "2", 3);
}

/* Rows the filter cannot decide are kept: the gateway decides. */
static void test_undecided_rows_kept(void **state)
{
	struct fixture *fx = *state;

	/* division by zero on row 4 (n = 0): kept, the others decided */
	check(fx->m, "10 / n > 1", "1,4", 2);
	/* an overflow on every row: all kept */
	check(fx->m, "id * 9223372036854775807 > 0", "1,2,3,4", 0);
}

/* The transaction's own writes are never left out. */
static void test_own_writes(void **state)
{
	struct fixture *fx = *state;
	struct sqlkv_mem_txn *t;
	struct sqlkv kv;
	json_t *f = filter("n > 7");
	int64_t n1 = 1, n8 = 8;
	char got[64];

	assert_int_equal(sqlkv_mem_begin(fx->m, 3, &t, &kv, NULL), RC_OK);
	scan_ids(&kv, f, got, sizeof(got));
	assert_string_equal(got, "2");
	/* a buffered new row that does not match, and row 1 changed to one
	 * that does: both come back, for the gateway to filter */
	insert(&kv, 9, "zed", &n1, T0_US);
	{
		struct arena *a = arena_new();
		struct sql_datum o[4], r[4];
		const struct sqlcat_index *conflict;
		int found;

		assert_non_null(a);
		o[0] = sqlval_int(1);
		assert_int_equal(sqlrow_get(&kv, &d, o, a, r, &found, NULL),
				 0);
		assert_int_equal(found, 1);
		memcpy(o, r, sizeof(r));
		r[2] = sqlval_int(n8);
		assert_int_equal(sqlrow_update(&kv, &d, o, r, a, &conflict,
					       NULL), 0);
		arena_free(a);
	}
	scan_ids(&kv, f, got, sizeof(got));
	assert_string_equal(got, "1,2,9");
	sqlkv_mem_rollback(t);
	json_decref(f);
}

static int compile(const char *text, struct err *e)
{
	json_t *j = json_loads(text, 0, NULL);
	struct sqlfilt *f = NULL;
	int rc;

	assert_non_null(j);
	rc = sqlfilt_new(j, &f, e);
	sqlfilt_free(f);
	json_decref(j);
	return rc;
}

/* A filter with the real descriptor and this WHERE text. */
static int compile_where(const char *where, struct err *e)
{
	json_t *j = filter(where);
	struct sqlfilt *f = NULL;
	int rc = sqlfilt_new(j, &f, e);

	if (rc == RC_OK)
		assert_non_null(f);
	else
		assert_null(f);
	sqlfilt_free(f);
	json_decref(j);
	return rc;
}

static void test_bad_filters(void **state)
{
	static const struct {
		const char *where, *msg;
	} bad[] = {
		{ "n >", "syntax error" },
		{ "nope = 1", "column \"nope\" does not exist" },
		{ "other.n = 1", "missing FROM-clause entry" },
		{ "n + 1", "argument of WHERE must be type boolean" },
		{ "count(*) > 1", "aggregate functions are not allowed" },
		{ "n IN (SELECT 1)", "no subqueries" },
		{ "EXISTS (SELECT 1)", "no subqueries" },
		{ "n = (SELECT n FROM t)", "is not available here" },
		{ "n = (SELECT n FROM db.t)", "is not available here" },
		{ "name = 'a''", "unterminated" },
		{ "1; DROP TABLE t", "syntax error" },
	};
	struct err e;

	(void)state;
	make_desc();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (compile_where(bad[i].where, &e) != RC_BAD_INPUT ||
		    strstr(e.msg, bad[i].msg) == NULL) {
			print_error("WHERE %s\nwant: %s\ngot:  %s\n",
				    bad[i].where, bad[i].msg, e.msg);
			fail();
		}
	}
	assert_int_equal(compile_where("n > 1", &e), RC_OK);

	/* malformed wire forms */
	assert_int_equal(compile("[]", &e), RC_BAD_INPUT);
	assert_int_equal(compile("{\"table\": {}, \"alias\": \"t\", "
				 "\"where\": \"true\"}", &e), RC_BAD_INPUT);
	assert_int_equal(compile("{\"alias\": \"t\", \"where\": \"true\"}",
				 &e), RC_BAD_INPUT);
	assert_non_null(strstr(e.msg, "want an object"));
	{
		json_t *j = filter("true");
		struct sqlfilt *f = NULL;

		json_object_set_new(j, "now", json_integer(-5));
		assert_int_equal(sqlfilt_new(j, &f, &e), RC_BAD_INPUT);
		assert_null(f);
		json_decref(j);
	}
	/* descriptors a decoder could trip on */
	{
		static const char *const edits[] = {
			"dup", "noindexcol", "nopk", "view",
		};

		for (size_t i = 0; i < 4; i++) {
			json_t *j = filter("true");
			json_t *t = json_object_get(j, "table");
			struct sqlfilt *f = NULL;

			if (strcmp(edits[i], "dup") == 0) {
				json_t *c = json_array_get(
					json_object_get(t, "columns"), 1);

				json_object_set_new(c, "id",
						    json_integer(1));
			} else if (strcmp(edits[i], "noindexcol") == 0) {
				json_t *ix = json_array_get(
					json_object_get(t, "indexes"), 0);

				json_array_set_new(
					json_object_get(ix, "columns"), 0,
					json_integer(99));
			} else if (strcmp(edits[i], "nopk") == 0) {
				json_array_clear(json_object_get(
					json_object_get(t, "primary"),
					"columns"));
			} else {
				json_object_set_new(t, "kind",
						    json_string("view"));
				json_object_set_new(t, "sql",
						    json_string("SELECT 1"));
			}
			if (sqlfilt_new(j, &f, &e) == RC_OK) {
				print_error("edit %s: accepted\n", edits[i]);
				fail();
			}
			assert_null(f);
			json_decref(j);
		}
	}
}

/* A row that does not decode is kept (the gateway reports it). */
static void test_corrupt_row_kept(void **state)
{
	json_t *j;
	struct sqlfilt *f;
	struct keys_buf k, k2;
	struct sql_datum v = sqlval_int(1);

	(void)state;
	make_desc();
	j = filter("n > 100");
	assert_int_equal(sqlfilt_new(j, &f, NULL), RC_OK);
	keys_buf_init(&k);
	keys_buf_init(&k2);
	assert_int_equal(sqlrow_span(&d, &d.primary, &v, 1, &k, &k2, NULL),
			 0);
	assert_int_equal(sqlfilt_keep(f, k.p, k.len, "\xff\xff", 2), 1);
	assert_int_equal(sqlfilt_keep(f, "junk", 4, "", 0), 1);
	keys_buf_release(&k);
	keys_buf_release(&k2);
	sqlfilt_free(f);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_keep_and_drop, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_undecided_rows_kept,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_own_writes, setup,
						teardown),
		cmocka_unit_test(test_bad_filters),
		cmocka_unit_test(test_corrupt_row_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
