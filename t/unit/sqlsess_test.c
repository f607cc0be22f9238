/*
 * sqlsess_test.c -- unit tests for the SQL gateway's session table
 * (sqlsess.c) and the in-memory key-value transaction (sqlkv.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sqlkv.h"
#include "sqlsess.h"

static int destroyed;
static pthread_mutex_t dmu = PTHREAD_MUTEX_INITIALIZER;

static void destroy(void *state, void *arg)
{
	(void)arg;
	pthread_mutex_lock(&dmu);
	destroyed++;
	pthread_mutex_unlock(&dmu);
	free(state);
}

static int ndestroyed(void)
{
	int n;

	pthread_mutex_lock(&dmu);
	n = destroyed;
	pthread_mutex_unlock(&dmu);
	return n;
}

static void test_create_acquire_close(void **state)
{
	struct sqlsess_table *t;
	struct sqlsess *s, *s2;
	char id[SQLSESS_ID_HEX];
	struct err e;

	(void)state;
	destroyed = 0;
	assert_int_equal(sqlsess_table_new(&t, 60000, destroy, NULL, &e),
			 RC_OK);
	assert_int_equal(sqlsess_create(t, malloc(8), &s, &e), RC_OK);
	assert_int_equal(strlen(s->id), 32);
	strcpy(id, s->id);
	sqlsess_release(t, s, 0);
	assert_int_equal(sqlsess_count(t), 1);
	assert_int_equal(sqlsess_acquire(t, id, &s2, &e), RC_OK);
	assert_ptr_equal(s, s2);
	sqlsess_release(t, s2, 1);
	assert_int_equal(ndestroyed(), 1);
	assert_int_equal(sqlsess_count(t), 0);
	assert_int_equal(sqlsess_acquire(t, id, &s2, &e), RC_NOT_FOUND);
	assert_non_null(strstr(e.msg, "does not exist"));
	assert_int_equal(sqlsess_acquire(t, "nope", &s2, &e), RC_NOT_FOUND);
	/* Two sessions never share an id; freeing the table closes both. */
	assert_int_equal(sqlsess_create(t, malloc(8), &s, &e), RC_OK);
	assert_int_equal(sqlsess_create(t, malloc(8), &s2, &e), RC_OK);
	assert_string_not_equal(s->id, s2->id);
	sqlsess_release(t, s, 0);
	sqlsess_release(t, s2, 0);
	sqlsess_table_free(t);
	assert_int_equal(ndestroyed(), 3);
}

static void test_idle_expiry(void **state)
{
	struct sqlsess_table *t;
	struct sqlsess *s, *busy;
	char id[SQLSESS_ID_HEX], bid[SQLSESS_ID_HEX];
	struct err e;

	(void)state;
	destroyed = 0;
	assert_int_equal(sqlsess_table_new(&t, 100, destroy, NULL, &e),
			 RC_OK);
	assert_int_equal(sqlsess_create(t, malloc(8), &s, &e), RC_OK);
	strcpy(id, s->id);
	sqlsess_release(t, s, 0);
	/* A session in use is never reaped, however long it runs. */
	assert_int_equal(sqlsess_create(t, malloc(8), &busy, &e), RC_OK);
	strcpy(bid, busy->id);
	for (int i = 0; i < 100 && ndestroyed() < 1; i++)
		usleep(10000);
	usleep(300000);
	assert_int_equal(ndestroyed(), 1);
	assert_int_equal(sqlsess_acquire(t, id, &s, &e), RC_NOT_FOUND);
	sqlsess_release(t, busy, 0);
	assert_int_equal(sqlsess_acquire(t, bid, &busy, &e), RC_OK);
	sqlsess_release(t, busy, 0);
	sqlsess_table_free(t);
	assert_int_equal(ndestroyed(), 2);
}

struct racer {
	struct sqlsess_table *t;
	char id[SQLSESS_ID_HEX];
	int *counter;
};

static void *racer_main(void *arg)
{
	struct racer *r = arg;
	struct sqlsess *s;

	for (int i = 0; i < 2000; i++) {
		if (sqlsess_acquire(r->t, r->id, &s, NULL) != RC_OK)
			return (void *)1;
		/* Exclusive: a non-atomic increment must not lose updates. */
		int v = *r->counter;
		*r->counter = v + 1;
		sqlsess_release(r->t, s, 0);
	}
	return NULL;
}

static void test_exclusive_use(void **state)
{
	struct sqlsess_table *t;
	struct sqlsess *s;
	struct racer r;
	pthread_t th[4];
	int *counter = calloc(1, sizeof(int));
	void *ret;

	(void)state;
	assert_int_equal(sqlsess_table_new(&t, 60000, destroy, NULL, NULL),
			 RC_OK);
	assert_int_equal(sqlsess_create(t, counter, &s, NULL), RC_OK);
	r.t = t;
	strcpy(r.id, s->id);
	r.counter = counter;
	sqlsess_release(t, s, 0);
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, racer_main, &r);
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], &ret);
		assert_null(ret);
	}
	assert_int_equal(*counter, 8000);
	sqlsess_table_free(t);
}

static void test_mem_kv(void **state)
{
	struct sqlkv_mem *m;
	struct sqlkv_mem_txn *t;
	struct sqlkv kv;
	struct sqlkv_page p;
	void *v;
	size_t vl;
	int found;
	char k[16];

	(void)state;
	assert_int_equal(sqlkv_mem_new(&m, NULL), RC_OK);
	assert_int_equal(sqlkv_mem_begin(m, 42, &t, &kv, NULL), RC_OK);
	assert_int_equal(sqlkv_read_ts(&kv), 42);
	for (int i = 9; i >= 0; i--) {
		snprintf(k, sizeof(k), "k%d", i);
		assert_int_equal(sqlkv_put(&kv, k, 2, "v", 1, NULL), RC_OK);
	}
	assert_int_equal(sqlkv_get(&kv, "k3", 2, &found, &v, &vl, NULL), 0);
	assert_int_equal(found, 1);
	free(v);
	sqlkv_mem_rollback(t);
	assert_int_equal(sqlkv_mem_count(m), 0);

	assert_int_equal(sqlkv_mem_begin(m, 43, &t, &kv, NULL), RC_OK);
	for (int i = 0; i < 10; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		assert_int_equal(sqlkv_put(&kv, k, 2, k, 2, NULL), RC_OK);
	}
	assert_int_equal(sqlkv_mem_commit(t, NULL), RC_OK);
	assert_int_equal(sqlkv_mem_count(m), 10);

	/* Own writes merge into scans: k2 deleted, k25 added, k5 changed. */
	assert_int_equal(sqlkv_mem_begin(m, 44, &t, &kv, NULL), RC_OK);
	assert_int_equal(sqlkv_del(&kv, "k2", 2, NULL), RC_OK);
	assert_int_equal(sqlkv_put(&kv, "k25", 3, "new", 3, NULL), RC_OK);
	assert_int_equal(sqlkv_put(&kv, "k5", 2, "five", 4, NULL), RC_OK);
	assert_int_equal(sqlkv_scan(&kv, "k1", 2, "k6", 2, 3, &p, NULL), 0);
	assert_int_equal(p.n, 3);
	assert_memory_equal(p.items[0].key, "k1", 2);
	assert_memory_equal(p.items[1].key, "k25", 3);
	assert_string_equal(p.items[1].val, "new");
	assert_memory_equal(p.items[2].key, "k3", 2);
	assert_int_equal(p.more, 1);
	assert_memory_equal(p.resume, "k4", 2);
	sqlkv_page_release(&p);
	assert_int_equal(sqlkv_scan(&kv, "k4", 2, "k6", 2, 10, &p, NULL), 0);
	assert_int_equal(p.n, 2);
	assert_string_equal(p.items[1].val, "five");
	assert_int_equal(p.more, 0);
	sqlkv_page_release(&p);
	assert_int_equal(sqlkv_get(&kv, "k2", 2, &found, &v, &vl, NULL), 0);
	assert_int_equal(found, 0);
	assert_int_equal(sqlkv_scan(&kv, "", 0, "", 0, 0, &p, NULL),
			 RC_BAD_INPUT);
	assert_int_equal(sqlkv_mem_commit(t, NULL), RC_OK);
	assert_int_equal(sqlkv_mem_count(m), 10);
	sqlkv_mem_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_acquire_close),
		cmocka_unit_test(test_idle_expiry),
		cmocka_unit_test(test_exclusive_use),
		cmocka_unit_test(test_mem_kv),
	};

	return cmocka_run_group_tests_name("sqlsess", tests, NULL, NULL);
}
