/*
 * bdb.c -- the transactional Berkeley DB environment (see bdb.h).
 *
 * Everything that touches DB_ENV configuration lives here, so the other
 * storage modules (mvcc.c, later raftd's log store) only open databases and
 * run transactions.  Tested through t/unit/mvcc_test.c.
 */
#include "bdb.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "log.h"

struct bdb {
	DB_ENV *env;
	char *path;
	atomic_int open_dbs;	/* bdb_db_open() minus bdb_db_close() */
};

struct bdb_txn {
	struct bdb *env;
	DB_TXN *t;
};

/* Autocommit operations are retried this often after losing a deadlock. */
#define BDB_AUTOCOMMIT_TRIES	5

/* ---- errors ----------------------------------------------------------- */

int bdb_rc(int dbret)
{
	switch (dbret) {
	case 0:
		return RC_OK;
	case DB_LOCK_DEADLOCK:
	case DB_LOCK_NOTGRANTED:
	case DB_REP_LOCKOUT:
		return RC_CONFLICT;
	case DB_NOTFOUND:
	case DB_KEYEMPTY:
	case ENOENT:
		return RC_NOT_FOUND;
	case DB_KEYEXIST:
		return RC_CONFLICT;
	case ENOMEM:
		return RC_NOMEM;
	case DB_RUNRECOVERY:
	case DB_VERIFY_BAD:
	case DB_SECONDARY_BAD:
	case DB_PAGE_NOTFOUND:
	case DB_OLD_VERSION:
	case DB_LOG_VERIFY_BAD:
	case DB_VERSION_MISMATCH:
		return RC_CORRUPT;
	case EINVAL:
	case DB_BUFFER_SMALL:
		return RC_INTERNAL;
	case DB_TIMEOUT:
		return RC_TIMEOUT;
	default:
		/* ENOSPC, EIO, EACCES, EROFS, EAGAIN, ... */
		return dbret > 0 ? RC_IO : RC_INTERNAL;
	}
}

int bdb_err(struct err *e, int dbret, const char *fmt, ...)
{
	char what[ERR_MSG_MAX];
	va_list ap;
	int rc = bdb_rc(dbret);

	if (e == NULL)
		return rc;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return err_set(e, rc, "%s: %s", what, db_strerror(dbret));
}

/* Berkeley DB's own detail messages (printed before it returns an error). */
static void bdb_errcall(const DB_ENV *env, const char *pfx, const char *msg)
{
	(void)env;
	log_warn("bdb '%s': %s", pfx != NULL ? pfx : "?", msg);
}

static void bdb_msgcall(const DB_ENV *env, const char *msg)
{
	(void)env;
	log_info("bdb: %s", msg);
}

/* ---- environment ------------------------------------------------------ */

int bdb_open(const char *dir, const struct bdb_opts *opts, struct bdb **out,
	     struct err *e)
{
	struct bdb_opts def = { 0, BDB_DUR_SYNC };
	struct bdb *b;
	size_t cache;
	int ret;
	const u_int32_t flags = DB_CREATE | DB_INIT_TXN | DB_INIT_LOCK |
		DB_INIT_LOG | DB_INIT_MPOOL | DB_THREAD | DB_RECOVER;

	if (dir == NULL || dir[0] == '\0' || out == NULL)
		return err_set(e, RC_BAD_INPUT, "bdb_open: no data directory");
	if (opts == NULL)
		opts = &def;
	cache = opts->cache_bytes ? opts->cache_bytes : BDB_CACHE_DEFAULT;
	if (cache < BDB_CACHE_MIN)
		cache = BDB_CACHE_MIN;

	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return err_set(e, RC_NOMEM, "cannot open environment '%s': "
			       "out of memory", dir);
	b->path = strdup(dir);
	if (b->path == NULL) {
		free(b);
		return err_set(e, RC_NOMEM, "cannot open environment '%s': "
			       "out of memory", dir);
	}
	atomic_init(&b->open_dbs, 0);

	ret = db_env_create(&b->env, 0);
	if (ret != 0) {
		free(b->path);
		free(b);
		return bdb_err(e, ret, "cannot create environment for '%s'",
			       dir);
	}
	b->env->set_errpfx(b->env, b->path);
	b->env->set_errcall(b->env, bdb_errcall);
	b->env->set_msgcall(b->env, bdb_msgcall);

	ret = b->env->set_cachesize(b->env, (u_int32_t)(cache >> 30),
				    (u_int32_t)(cache & ((1u << 30) - 1)), 1);
	if (ret == 0)
		ret = b->env->set_lk_detect(b->env, DB_LOCK_DEFAULT);
	/*
	 * Btree locks are per page; GC batches, scans and Raft applies of
	 * many ranges at once need far more than the default 1000.
	 */
	if (ret == 0)
		ret = b->env->set_lk_max_locks(b->env, 100000);
	if (ret == 0)
		ret = b->env->set_lk_max_objects(b->env, 100000);
	if (ret == 0)
		ret = b->env->set_lk_max_lockers(b->env, 10000);
	if (ret == 0)
		ret = b->env->set_tx_max(b->env, 1000);
	/* A bigger log buffer makes group commit (BDB_DUR_NOSYNC) pay. */
	if (ret == 0)
		ret = b->env->set_lg_bsize(b->env, 1u << 20);
	if (ret == 0)
		ret = b->env->log_set_config(b->env, DB_LOG_AUTO_REMOVE, 1);
	if (ret == 0 && opts->durability == BDB_DUR_WRITE)
		ret = b->env->set_flags(b->env, DB_TXN_WRITE_NOSYNC, 1);
	if (ret == 0 && opts->durability == BDB_DUR_NOSYNC)
		ret = b->env->set_flags(b->env, DB_TXN_NOSYNC, 1);
	if (ret != 0) {
		b->env->close(b->env, 0);
		free(b->path);
		free(b);
		return bdb_err(e, ret, "cannot configure environment '%s'",
			       dir);
	}

	ret = b->env->open(b->env, b->path, flags, 0600);
	if (ret != 0) {
		b->env->close(b->env, 0);
		free(b->path);
		free(b);
		/* A missing data dir is a setup problem, not a lookup miss. */
		if (ret == ENOENT)
			return err_set(e, RC_IO, "cannot open environment "
				       "'%s': %s", dir, db_strerror(ret));
		return bdb_err(e, ret, "cannot open environment '%s'", dir);
	}
	/* Recovery replayed the log; a checkpoint lets old logs go. */
	ret = b->env->txn_checkpoint(b->env, 0, 0, 0);
	if (ret != 0) {
		b->env->close(b->env, 0);
		free(b->path);
		free(b);
		return bdb_err(e, ret, "cannot checkpoint environment '%s'",
			       dir);
	}
	*out = b;
	return RC_OK;
}

int bdb_close(struct bdb *b, struct err *e)
{
	int ret, ret2, n;
	int rc = RC_OK;

	if (b == NULL)
		return RC_OK;
	n = atomic_load(&b->open_dbs);
	if (n != 0)
		log_warn("closing environment '%s' with %d database(s) open",
			 b->path, n);
	ret = b->env->txn_checkpoint(b->env, 0, 0, 0);
	if (ret != 0)
		rc = bdb_err(e, ret, "cannot checkpoint environment '%s'",
			     b->path);
	ret2 = b->env->close(b->env, 0);
	if (ret2 != 0 && rc == RC_OK)
		rc = bdb_err(e, ret2, "cannot close environment '%s'",
			     b->path);
	free(b->path);
	free(b);
	return rc;
}

int bdb_flush(struct bdb *b, struct err *e)
{
	int ret;

	fault_disk_wait();	/* a slow-disk drill (chaos) */
	ret = b->env->log_flush(b->env, NULL);

	if (ret != 0)
		return bdb_err(e, ret, "cannot flush log of '%s'", b->path);
	return RC_OK;
}

int bdb_checkpoint(struct bdb *b, struct err *e)
{
	int ret = b->env->txn_checkpoint(b->env, 0, 0, 0);

	if (ret != 0)
		return bdb_err(e, ret, "cannot checkpoint environment '%s'",
			       b->path);
	return RC_OK;
}

const char *bdb_path(const struct bdb *b)
{
	return b->path;
}

DB_ENV *bdb_env_handle(struct bdb *b)
{
	return b->env;
}

/* ---- transactions ----------------------------------------------------- */

int bdb_txn_begin(struct bdb *b, unsigned flags, struct bdb_txn **out,
		  struct err *e)
{
	struct bdb_txn *t;
	u_int32_t f = 0;
	int ret;

	if (b == NULL || out == NULL)
		return err_set(e, RC_BAD_INPUT, "bdb_txn_begin: no environment");
	if (flags & ~(unsigned)BDB_TXN_NOSYNC)
		return err_set(e, RC_BAD_INPUT, "bdb_txn_begin: unknown "
			       "flags 0x%x", flags);
	if (flags & BDB_TXN_NOSYNC)
		f |= DB_TXN_NOSYNC;
	t = malloc(sizeof(*t));
	if (t == NULL)
		return err_set(e, RC_NOMEM, "cannot begin transaction in '%s': "
			       "out of memory", b->path);
	t->env = b;
	ret = b->env->txn_begin(b->env, NULL, &t->t, f);
	if (ret != 0) {
		free(t);
		return bdb_err(e, ret, "cannot begin transaction in '%s'",
			       b->path);
	}
	*out = t;
	return RC_OK;
}

int bdb_txn_commit(struct bdb_txn *t, struct err *e)
{
	int ret;
	struct bdb *b;

	if (t == NULL)
		return err_set(e, RC_BAD_INPUT, "bdb_txn_commit: no "
			       "transaction");
	b = t->env;
	ret = t->t->commit(t->t, 0);	/* frees t->t even on failure */
	free(t);
	if (ret != 0)
		return bdb_err(e, ret, "cannot commit transaction in '%s'",
			       b->path);
	return RC_OK;
}

int bdb_txn_abort(struct bdb_txn *t, struct err *e)
{
	int ret;
	struct bdb *b;

	if (t == NULL)
		return RC_OK;
	b = t->env;
	ret = t->t->abort(t->t);
	free(t);
	if (ret != 0)
		return bdb_err(e, ret, "cannot abort transaction in '%s'",
			       b->path);
	return RC_OK;
}

DB_TXN *bdb_txn_handle(struct bdb_txn *t)
{
	return t != NULL ? t->t : NULL;
}

struct bdb *bdb_txn_env(struct bdb_txn *t)
{
	return t->env;
}

/* ---- databases -------------------------------------------------------- */

int bdb_name_ok(const char *name)
{
	size_t i, n;

	if (name == NULL)
		return 0;
	n = strlen(name);
	if (n == 0 || n > BDB_NAME_MAX || name[0] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return 0;
	}
	return 1;
}

int bdb_db_open(struct bdb *b, const char *name, DB **out, struct err *e)
{
	DB *db;
	int ret;

	if (b == NULL || out == NULL)
		return err_set(e, RC_BAD_INPUT, "bdb_db_open: no environment");
	if (!bdb_name_ok(name))
		return err_set(e, RC_BAD_INPUT, "bad database name '%s': use "
			       "1 to %d of [A-Za-z0-9._-], not starting "
			       "with '.'", name != NULL ? name : "(null)",
			       BDB_NAME_MAX);
	ret = db_create(&db, b->env, 0);
	if (ret != 0)
		return bdb_err(e, ret, "cannot create database handle for "
			       "'%s' in '%s'", name, b->path);
	ret = db->open(db, NULL, name, NULL, DB_BTREE,
		       DB_CREATE | DB_THREAD | DB_AUTO_COMMIT, 0600);
	if (ret != 0) {
		db->close(db, 0);
		return bdb_err(e, ret, "cannot open database '%s' in '%s'",
			       name, b->path);
	}
	atomic_fetch_add(&b->open_dbs, 1);
	*out = db;
	return RC_OK;
}

int bdb_db_close(struct bdb *b, DB *db, struct err *e)
{
	int ret;

	if (db == NULL)
		return RC_OK;
	atomic_fetch_sub(&b->open_dbs, 1);
	ret = db->close(db, 0);
	if (ret != 0)
		return bdb_err(e, ret, "cannot close a database in '%s'",
			       b->path);
	return RC_OK;
}

int bdb_db_remove(struct bdb *b, struct bdb_txn *txn, const char *name,
		  struct err *e)
{
	int ret;

	if (!bdb_name_ok(name))
		return err_set(e, RC_BAD_INPUT, "bad database name '%s'",
			       name != NULL ? name : "(null)");
	ret = b->env->dbremove(b->env, bdb_txn_handle(txn), name, NULL,
			       txn == NULL ? DB_AUTO_COMMIT : 0);
	if (ret != 0)
		return bdb_err(e, ret, "cannot remove database '%s' in '%s'",
			       name, b->path);
	return RC_OK;
}

/* ---- simple records --------------------------------------------------- */

static int bdb_dbt_set(DBT *d, const void *p, size_t n, const char *what,
		       struct err *e)
{
	memset(d, 0, sizeof(*d));
	if (p == NULL && n != 0)
		return err_set(e, RC_BAD_INPUT, "%s is NULL but its length is "
			       "%zu", what, n);
	if (n > UINT32_MAX)
		return err_set(e, RC_TOO_LARGE, "%s of %zu bytes is over the "
			       "4 GiB limit", what, n);
	d->data = (void *)p;
	d->size = (u_int32_t)n;
	return RC_OK;
}

int bdb_put(struct bdb *b, DB *db, struct bdb_txn *txn, const void *key,
	    size_t klen, const void *val, size_t vlen, struct err *e)
{
	DBT k, v;
	int rc, ret, tries = 0;

	if ((rc = bdb_dbt_set(&k, key, klen, "key", e)) != RC_OK ||
	    (rc = bdb_dbt_set(&v, val, vlen, "value", e)) != RC_OK)
		return rc;
	do {
		ret = db->put(db, bdb_txn_handle(txn), &k, &v, 0);
	} while (ret == DB_LOCK_DEADLOCK && txn == NULL &&
		 ++tries < BDB_AUTOCOMMIT_TRIES);
	if (ret != 0)
		return bdb_err(e, ret, "cannot write to '%s'", b->path);
	return RC_OK;
}

int bdb_get(struct bdb *b, DB *db, struct bdb_txn *txn, const void *key,
	    size_t klen, void **val, size_t *vlen, struct err *e)
{
	DBT k, v;
	char *p;
	int rc, ret, tries = 0;

	if ((rc = bdb_dbt_set(&k, key, klen, "key", e)) != RC_OK)
		return rc;
	do {
		memset(&v, 0, sizeof(v));
		v.flags = DB_DBT_MALLOC;
		ret = db->get(db, bdb_txn_handle(txn), &k, &v, 0);
	} while (ret == DB_LOCK_DEADLOCK && txn == NULL &&
		 ++tries < BDB_AUTOCOMMIT_TRIES);
	if (ret == DB_NOTFOUND)
		return err_set(e, RC_NOT_FOUND, "key not found in '%s'",
			       b->path);
	if (ret != 0)
		return bdb_err(e, ret, "cannot read from '%s'", b->path);
	p = malloc((size_t)v.size + 1);
	if (p == NULL) {
		free(v.data);
		return err_set(e, RC_NOMEM, "cannot read from '%s': out of "
			       "memory", b->path);
	}
	if (v.size != 0)
		memcpy(p, v.data, v.size);
	p[v.size] = '\0';
	free(v.data);
	if (val != NULL)
		*val = p;
	else
		free(p);
	if (vlen != NULL)
		*vlen = v.size;
	return RC_OK;
}

int bdb_del(struct bdb *b, DB *db, struct bdb_txn *txn, const void *key,
	    size_t klen, struct err *e)
{
	DBT k;
	int rc, ret, tries = 0;

	if ((rc = bdb_dbt_set(&k, key, klen, "key", e)) != RC_OK)
		return rc;
	do {
		ret = db->del(db, bdb_txn_handle(txn), &k, 0);
	} while (ret == DB_LOCK_DEADLOCK && txn == NULL &&
		 ++tries < BDB_AUTOCOMMIT_TRIES);
	if (ret == DB_NOTFOUND)
		return err_set(e, RC_NOT_FOUND, "key not found in '%s'",
			       b->path);
	if (ret != 0)
		return bdb_err(e, ret, "cannot delete from '%s'", b->path);
	return RC_OK;
}
