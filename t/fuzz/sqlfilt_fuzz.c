/*
 * sqlfilt_fuzz.c -- libFuzzer target for pushed-down filters as raftd
 * receives them (cmd/txcoord/sqlfilt.c): the input is the "where" text,
 * compiled against a fixed table of every column type, then applied to a
 * few stored rows (NULLs, extremes, empty and long strings).
 *
 * Checks: compiling either succeeds or fails with RC_BAD_INPUT and a
 * message; sqlfilt_keep() answers 0 or 1 for every row, twice the same
 * (no state leaks between rows).  ASan and UBSan catch memory errors,
 * undefined behaviour and leaks.  How to build and run it: t/fuzz/README.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "arena.h"
#include "keys.h"
#include "sqlcat.h"
#include "sqlfilt.h"
#include "sqlkv.h"
#include "sqlrow.h"
#include "sqlval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "check failed: %s (%s:%d)\n",	\
				#cond, __FILE__, __LINE__);		\
			abort();					\
		}							\
	} while (0)

#define FZ_NCOLS 9

static struct sqlcat_column fz_cols[FZ_NCOLS];
static int fz_pk[] = { 1 };
static unsigned char fz_asc[] = { 0 };
static struct sqlcat_desc fz_d;
static json_t *fz_table;		/* fz_d as JSON */
static struct sqlkv_page fz_rows;	/* the stored rows */

static void fz_col(int i, const char *name, enum sql_type_kind k)
{
	fz_cols[i] = (struct sqlcat_column){ i + 1, name, sqlval_type(k),
					     i != 0, NULL, 0 };
}

static void fz_insert(struct sqlkv *kv, struct arena *a, int64_t id,
		      int null, int64_t n, double f, const char *s,
		      const char *dec, int b, int64_t us)
{
	struct sql_type dt = sqlval_type(SQL_TYPE_DECIMAL);
	const struct sqlcat_index *conflict;
	struct sql_datum r[FZ_NCOLS];

	r[0] = sqlval_int(id);
	if (null) {
		for (int i = 1; i < FZ_NCOLS; i++)
			r[i] = sqlval_null();
	} else {
		r[1] = sqlval_int(n);
		r[2] = sqlval_int(n % 32768);
		r[3] = sqlval_float(f);
		r[4] = sqlval_text(s, strlen(s));
		CHECK(sqlval_from_text(&dt, dec, strlen(dec), a, &r[5],
				       NULL) == 0);
		r[6] = sqlval_bool(b);
		r[7] = sqlval_bytes(s, strlen(s));
		r[8] = sqlval_timestamp(us);
	}
	CHECK(sqlrow_insert(kv, &fz_d, r, a, &conflict, NULL) == 0);
}

static void fz_setup(void)
{
	static char long_s[3000];
	struct sqlkv_mem *m;
	struct sqlkv_mem_txn *t;
	struct sqlkv kv;
	struct arena *a = arena_new();
	struct keys_buf s, e;

	fz_col(0, "id", SQL_TYPE_INT8);
	fz_col(1, "n", SQL_TYPE_INT8);
	fz_col(2, "sm", SQL_TYPE_INT2);
	fz_col(3, "f", SQL_TYPE_FLOAT8);
	fz_col(4, "s", SQL_TYPE_TEXT);
	fz_col(5, "d", SQL_TYPE_DECIMAL);
	fz_col(6, "b", SQL_TYPE_BOOL);
	fz_col(7, "by", SQL_TYPE_BYTES);
	fz_col(8, "ts", SQL_TYPE_TIMESTAMP);
	fz_d.kind = SQLCAT_TABLE;
	fz_d.id = 101;
	fz_d.parent = 100;
	fz_d.name = "t";
	fz_d.cols = fz_cols;
	fz_d.ncols = FZ_NCOLS;
	fz_d.primary = (struct sqlcat_index){ 1, "t_pkey", 1, 1, fz_pk,
					      fz_asc };
	fz_d.next_col_id = FZ_NCOLS + 1;
	fz_d.next_idx_id = 2;
	CHECK((fz_table = sqlcat_desc_json(&fz_d)) != NULL);
	memset(long_s, 'x', sizeof(long_s) - 1);
	CHECK(a != NULL && sqlkv_mem_new(&m, NULL) == RC_OK &&
	      sqlkv_mem_begin(m, 1, &t, &kv, NULL) == RC_OK);
	fz_insert(&kv, a, 1, 0, 0, 0.0, "", "0", 0, 0);
	fz_insert(&kv, a, 2, 1, 0, 0, NULL, NULL, 0, 0);
	fz_insert(&kv, a, 3, 0, INT64_MAX, 1e308, "héllo", "-1.5", 1,
		  INT64_C(4102444800000000));
	fz_insert(&kv, a, INT64_MIN, 0, INT64_MIN, -0.0, long_s,
		  "99999999999999999999999999999999999999", 1, -1);
	keys_buf_init(&s);
	keys_buf_init(&e);
	CHECK(sqlrow_span(&fz_d, &fz_d.primary, NULL, 0, &s, &e, NULL) == 0);
	CHECK(sqlkv_scan(&kv, s.p, s.len, e.p, e.len, 100, &fz_rows, NULL) ==
	      RC_OK && fz_rows.n == 4);
	keys_buf_release(&s);
	keys_buf_release(&e);
	sqlkv_mem_rollback(t);
	sqlkv_mem_free(m);
	arena_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct sqlfilt *f = NULL;
	struct err e;
	json_t *j;
	int rc;

	if (!ready) {
		fz_setup();
		ready = 1;
	}
	/* JSON strings hold valid UTF-8 without NUL: raftd's parser only
	 * lets such text through, so nothing else can reach sqlfilt */
	j = json_object();
	CHECK(j != NULL);
	if (json_object_set_new(j, "where", json_stringn((const char *)data,
							 size)) != 0) {
		json_decref(j);
		return 0;
	}
	CHECK(json_object_set(j, "table", fz_table) == 0 &&
	      json_object_set_new(j, "alias", json_string("t")) == 0 &&
	      json_object_set_new(j, "now", json_integer(
		      (json_int_t)1700000000000 << 16)) == 0);
	memset(&e, 0, sizeof(e));
	rc = sqlfilt_new(j, &f, &e);
	CHECK(rc == RC_OK || rc == RC_BAD_INPUT);
	if (rc != RC_OK) {
		CHECK(f == NULL && e.msg[0] != '\0');
	} else {
		for (size_t i = 0; i < fz_rows.n; i++) {
			const struct sqlkv_pair *p = &fz_rows.items[i];
			int k1 = sqlfilt_keep(f, p->key, p->klen, p->val,
					      p->vlen);
			int k2 = sqlfilt_keep(f, p->key, p->klen, p->val,
					      p->vlen);

			CHECK((k1 == 0 || k1 == 1) && k1 == k2);
		}
	}
	sqlfilt_free(f);
	json_decref(j);
	return 0;
}
