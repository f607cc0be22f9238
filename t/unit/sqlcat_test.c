/*
 * sqlcat_test.c -- unit tests for the SQL catalog (sqlcat.c) on the
 * in-memory key-value store: descriptors round-trip through JSON, lookups
 * by name and id, the schema version, and the gateway cache (a snapshot
 * is reused while the version holds and reloaded when a DDL bumps it).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "sqlcat.h"

struct fix {
	struct sqlkv_mem *m;
	struct sqlcat *c;
	struct arena *a;
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	if (f == NULL || sqlkv_mem_new(&f->m, NULL) != RC_OK ||
	    sqlcat_new(&f->c, NULL) != RC_OK || (f->a = arena_new()) == NULL)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	sqlcat_free(f->c);
	sqlkv_mem_free(f->m);
	arena_free(f->a);
	free(f);
	return 0;
}

static int cols1[] = { 1 }, cols2[] = { 2, 1 };
static unsigned char asc2[] = { 0, 1 };

/* A table t(a INT8 PRIMARY KEY, b VARCHAR(20) NOT NULL DEFAULT 'x'). */
static void make_table(struct sqlcat_desc *d, int64_t db, const char *name,
		       struct sqlcat_column *cols)
{
	memset(d, 0, sizeof(*d));
	d->kind = SQLCAT_TABLE;
	d->parent = db;
	d->name = name;
	cols[0].id = 1;
	cols[0].name = "a";
	cols[0].type = sqlval_type(SQL_TYPE_INT8);
	cols[1].id = 2;
	cols[1].name = "b";
	cols[1].type = sqlval_type(SQL_TYPE_VARCHAR);
	cols[1].type.width = 20;
	cols[1].default_sql = "'x'";
	cols[1].nullable = 0;
	d->cols = cols;
	d->ncols = 2;
	d->primary.id = SQLCAT_PRIMARY_INDEX;
	d->primary.name = "t_pkey";
	d->primary.unique = 1;
	d->primary.ncols = 1;
	d->primary.cols = cols1;
	d->primary.desc = asc2;
	d->next_col_id = 3;
	d->next_idx_id = 2;
}

static int64_t version_now(struct fix *f)
{
	struct sqlkv_mem_txn *t;
	struct sqlkv kv;
	struct sqlcat_snap *s;
	int64_t v;

	assert_int_equal(sqlkv_mem_begin(f->m, 1, &t, &kv, NULL), RC_OK);
	assert_int_equal(sqlcat_snapshot(f->c, &kv, 0, &s, NULL), RC_OK);
	v = sqlcat_version(s);
	sqlcat_release(s);
	sqlkv_mem_rollback(t);
	return v;
}

static void test_bootstrap_and_tables(void **state)
{
	struct fix *f = *state;
	struct sqlkv_mem_txn *t;
	struct sqlkv kv;
	struct sqlcat_snap *s, *s2;
	struct sqlcat_desc d, ix;
	struct sqlcat_column cols[2];
	struct sqlcat_index sec;
	const struct sqlcat_desc *db, *got, **list;
	int64_t dbid;
	size_t n;
	struct err e;

	assert_int_equal(sqlkv_mem_begin(f->m, 1, &t, &kv, NULL), RC_OK);
	assert_int_equal(sqlcat_bootstrap(&kv, &e), RC_OK);
	assert_int_equal(sqlcat_bootstrap(&kv, &e), RC_OK);	/* idempotent */
	assert_int_equal(sqlkv_mem_commit(t, NULL), RC_OK);
	assert_int_equal(version_now(f), 1);

	assert_int_equal(sqlkv_mem_begin(f->m, 2, &t, &kv, NULL), RC_OK);
	assert_int_equal(sqlcat_snapshot(f->c, &kv, 1, &s, &e), RC_OK);
	db = sqlcat_db(s, SQLCAT_DEFAULT_DB);
	assert_non_null(db);
	assert_true(db->id >= SQLCAT_FIRST_ID);
	dbid = db->id;
	assert_null(sqlcat_db(s, "nope"));
	make_table(&d, dbid, "t", cols);
	memset(&sec, 0, sizeof(sec));
	sec.id = 2;
	sec.name = "t_b_a_idx";
	sec.ncols = 2;
	sec.cols = cols2;
	sec.desc = asc2;
	d.idx = &sec;
	d.nidx = 1;
	assert_int_equal(sqlcat_put(&kv, &d, &e), RC_OK);
	assert_true(d.id > dbid);
	make_table(&ix, dbid, "another", cols);
	assert_int_equal(sqlcat_put(&kv, &ix, &e), RC_OK);
	sqlcat_release(s);
	/* the transaction reads its own catalog uncached */
	assert_int_equal(sqlcat_snapshot(f->c, &kv, 0, &s, &e), RC_OK);
	assert_int_equal(sqlcat_version(s), 3);
	got = sqlcat_rel(s, dbid, "t");
	assert_non_null(got);
	assert_int_equal(got->id, d.id);
	assert_ptr_equal(sqlcat_by_id(s, d.id), got);
	assert_int_equal(got->ncols, 2);
	assert_string_equal(got->cols[1].name, "b");
	assert_int_equal(got->cols[1].type.kind, SQL_TYPE_VARCHAR);
	assert_int_equal(got->cols[1].type.width, 20);
	assert_string_equal(got->cols[1].default_sql, "'x'");
	assert_int_equal(got->cols[1].nullable, 0);
	assert_string_equal(got->primary.name, "t_pkey");
	assert_int_equal(got->nidx, 1);
	assert_int_equal(got->idx[0].cols[0], 2);
	assert_int_equal(got->idx[0].desc[1], 1);
	assert_ptr_equal(sqlcat_index_by_name(got, "t_b_a_idx"), &got->idx[0]);
	assert_ptr_equal(sqlcat_index_owner(s, dbid, "t_b_a_idx"), got);
	assert_ptr_equal(sqlcat_col(got, "a"), &got->cols[0]);
	assert_ptr_equal(sqlcat_col_by_id(got, 2), &got->cols[1]);
	assert_null(sqlcat_col(got, "zz"));
	list = sqlcat_rels(s, dbid, &n);
	assert_int_equal(n, 2);
	assert_string_equal(list[0]->name, "another");	/* sorted by name */
	assert_string_equal(list[1]->name, "t");
	list = sqlcat_dbs(s, &n);
	assert_int_equal(n, 1);
	sqlcat_release(s);
	assert_int_equal(sqlkv_mem_commit(t, NULL), RC_OK);

	/* The cache: reused while the version holds. */
	assert_int_equal(sqlkv_mem_begin(f->m, 3, &t, &kv, NULL), RC_OK);
	assert_int_equal(sqlcat_snapshot(f->c, &kv, 1, &s, &e), RC_OK);
	assert_int_equal(sqlcat_snapshot(f->c, &kv, 1, &s2, &e), RC_OK);
	assert_ptr_equal(s, s2);
	assert_int_equal(sqlcat_version(s), 3);
	sqlcat_release(s2);
	/* a drop bumps the version; the next snapshot is a new one */
	assert_int_equal(sqlcat_delete(&kv, sqlcat_rel(s, dbid, "another"),
				       &e), RC_OK);
	assert_int_equal(sqlcat_snapshot(f->c, &kv, 1, &s2, &e), RC_OK);
	assert_ptr_not_equal(s, s2);
	assert_null(sqlcat_rel(s2, dbid, "another"));
	assert_non_null(sqlcat_rel(s, dbid, "another"));	/* old one intact */
	sqlcat_release(s);
	sqlcat_release(s2);
	sqlkv_mem_rollback(t);
	assert_int_equal(version_now(f), 3);
}

static void test_sequences_and_corrupt(void **state)
{
	struct fix *f = *state;
	struct sqlkv_mem_txn *t;
	struct sqlkv kv;
	struct sqlcat_desc d;
	int64_t first;
	json_t *j;
	struct err e;

	assert_int_equal(sqlkv_mem_begin(f->m, 1, &t, &kv, NULL), RC_OK);
	assert_int_equal(sqlcat_seq_next(&kv, "rowid", 1000, 1, &first, &e),
			 RC_OK);
	assert_int_equal(first, 1);
	assert_int_equal(sqlcat_seq_next(&kv, "rowid", 1000, 1, &first, &e),
			 RC_OK);
	assert_int_equal(first, 1001);
	assert_int_equal(sqlcat_seq_next(&kv, "rowid", INT64_MAX, 1, &first,
					 &e), RC_BAD_INPUT);
	sqlkv_mem_rollback(t);

	/* Malformed descriptors are errors, not crashes. */
	j = json_pack("{s:s, s:i, s:i, s:s}", "kind", "table", "id", 5,
		      "parent", 1, "name", "x");
	assert_int_not_equal(sqlcat_desc_parse(j, f->a, &d, &e), RC_OK);
	json_decref(j);
	j = json_pack("{s:s, s:i, s:i, s:s}", "kind", "blob", "id", 5,
		      "parent", 1, "name", "x");
	assert_int_equal(sqlcat_desc_parse(j, f->a, &d, &e), RC_CORRUPT);
	json_decref(j);
	j = json_pack("{s:s, s:i, s:i, s:s, s:s, s:[s]}", "kind", "view",
		      "id", 7, "parent", 1, "name", "v", "sql", "SELECT 1",
		      "columns", "one");
	assert_int_equal(sqlcat_desc_parse(j, f->a, &d, &e), RC_OK);
	assert_int_equal(d.kind, SQLCAT_VIEW);
	assert_string_equal(d.view_sql, "SELECT 1");
	assert_int_equal(d.nview_cols, 1);
	assert_string_equal(d.view_cols[0], "one");
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bootstrap_and_tables,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_sequences_and_corrupt,
						setup, teardown),
	};

	return cmocka_run_group_tests_name("sqlcat", tests, NULL, NULL);
}
