/*
 * bdb.h -- one transactional Berkeley DB 5.3 environment per data dir.
 *
 * bdb_open() opens (creating if needed) the environment in a directory with
 * transactions, locking, logging and a shared cache, and always runs normal
 * recovery first (DB_RECOVER), so after a kill -9 the environment comes back
 * holding exactly the transactions whose commit returned (with the default
 * durability).  Only one process may have a data dir's environment open at a
 * time: recovery at open assumes nobody else is inside it (raftd takes
 * util_lock_dir() first).
 *
 * Durability is chosen at open (struct bdb_opts.durability) and can be
 * weakened per transaction (BDB_TXN_NOSYNC):
 *   BDB_DUR_SYNC        commit returns after the log is fsync'ed (default)
 *   BDB_DUR_WRITE       commit writes the log to the OS but does not fsync:
 *                       survives a process crash, not a power loss
 *   BDB_DUR_NOSYNC      commit leaves the log in the environment's buffer;
 *                       the caller makes it durable with bdb_flush() (group
 *                       commit: many commits, one fsync)
 *
 * Transactions (struct bdb_txn) group several operations, also across
 * databases of the same environment; bdb_txn_commit() and bdb_txn_abort()
 * always free the handle, whatever they return.  Page-level locks are held
 * to the end of a transaction, and the deadlock detector runs on every
 * blocked lock request: the victim gets RC_CONFLICT and must abort.  Beware:
 * a thread that holds an open transaction and then, in the same thread, does
 * an autocommit (txn NULL) write or read on a page that transaction wrote
 * waits for itself forever; pass the transaction instead.
 *
 * Handles (environment, databases) may be used from several threads at once
 * (DB_THREAD); a transaction handle may move between threads but must be
 * used by one thread at a time.  Log files no longer needed are removed
 * automatically after each checkpoint (DB_LOG_AUTO_REMOVE), so call
 * bdb_checkpoint() now and then (raftd: on a timer); bdb_open() and
 * bdb_close() checkpoint too.
 *
 * Error mapping (bdb_rc): deadlock / lock not granted -> RC_CONFLICT,
 * not found -> RC_NOT_FOUND, ENOMEM -> RC_NOMEM, DB_RUNRECOVERY and
 * verification failures -> RC_CORRUPT, EINVAL and buffer misuse ->
 * RC_INTERNAL, every other system error (ENOSPC, EIO, EACCES, ...) -> RC_IO.
 * Messages carry db_strerror() and the path.
 *
 * Tested through t/unit/mvcc_test.c (including kill -9 crash recovery).
 */
#ifndef RANGEDB_BDB_H
#define RANGEDB_BDB_H

#include <stddef.h>
#include <stdint.h>

#include <db.h>

#include "err.h"

struct bdb;		/* an open environment */
struct bdb_txn;		/* an open transaction */

enum bdb_durability {
	BDB_DUR_SYNC = 0,	/* fsync the log at every commit (default) */
	BDB_DUR_WRITE,		/* write(2) the log at commit, no fsync */
	BDB_DUR_NOSYNC		/* buffer the log; bdb_flush() makes durable */
};

struct bdb_opts {
	size_t cache_bytes;	/* shared page cache; 0 = BDB_CACHE_DEFAULT */
	enum bdb_durability durability;
};

#define BDB_CACHE_DEFAULT	(64u << 20)	/* 64 MiB */
#define BDB_CACHE_MIN		(1u << 20)	/* smaller requests are raised */
#define BDB_NAME_MAX		200		/* longest database name */

/* Flags of bdb_txn_begin(). */
#define BDB_TXN_NOSYNC	0x1	/* this commit is not synced (see bdb_flush) */

/* ---- environment ------------------------------------------------------ */

/*
 * Open the environment in dir (which must exist), running recovery.  opts
 * may be NULL for the defaults.  *out is set only on success.
 */
int bdb_open(const char *dir, const struct bdb_opts *opts, struct bdb **out,
	     struct err *e);

/*
 * Checkpoint and close.  Every database and transaction of the environment
 * must have been closed / finished before.  NULL is a no-op.  The handle is
 * freed even when an error is returned.
 */
int bdb_close(struct bdb *env, struct err *e);

/* Write and fsync everything in the log buffer (group commit). */
int bdb_flush(struct bdb *env, struct err *e);

/* Checkpoint if anything was logged since the last one; prunes old logs. */
int bdb_checkpoint(struct bdb *env, struct err *e);

/* The directory given to bdb_open() (borrowed, valid until bdb_close). */
const char *bdb_path(const struct bdb *env);

/* The underlying handle, for modules that need more of the BDB API. */
DB_ENV *bdb_env_handle(struct bdb *env);

/* ---- transactions ----------------------------------------------------- */

/* Begin a transaction; flags is 0 or BDB_TXN_NOSYNC. */
int bdb_txn_begin(struct bdb *env, unsigned flags, struct bdb_txn **out,
		  struct err *e);

/* Commit; the handle is freed whatever the result. */
int bdb_txn_commit(struct bdb_txn *txn, struct err *e);

/* Abort; the handle is freed whatever the result.  NULL is a no-op. */
int bdb_txn_abort(struct bdb_txn *txn, struct err *e);

/* The DB_TXN of txn, or NULL for NULL (autocommit). */
DB_TXN *bdb_txn_handle(struct bdb_txn *txn);

/* The environment txn belongs to. */
struct bdb *bdb_txn_env(struct bdb_txn *txn);

/* ---- databases -------------------------------------------------------- */

/*
 * Open (creating if needed) the btree database `name` of the environment.
 * Each database is its own file in the data dir, so a name is 1 to
 * BDB_NAME_MAX characters of [A-Za-z0-9._-] not starting with '.'; other
 * names are RC_BAD_INPUT.  The handle is closed with bdb_db_close().
 */
int bdb_db_open(struct bdb *env, const char *name, DB **out, struct err *e);

/* Close a database handle opened by bdb_db_open(); NULL is a no-op. */
int bdb_db_close(struct bdb *env, DB *db, struct err *e);

/*
 * Remove database `name` (its file) inside txn (NULL: its own
 * transaction).  Its handles must be closed.  RC_NOT_FOUND if absent.
 */
int bdb_db_remove(struct bdb *env, struct bdb_txn *txn, const char *name,
		  struct err *e);

/* Is name acceptable to bdb_db_open()? */
int bdb_name_ok(const char *name);

/* ---- simple records --------------------------------------------------- */

/*
 * Plain key/value access to a database from bdb_db_open(), for small
 * bookkeeping records (applied index, hard state).  txn NULL =
 * autocommit.  bdb_get() returns a malloc'd copy the caller frees (always
 * non-NULL and NUL-terminated beyond *vlen on success), RC_NOT_FOUND when
 * absent.  bdb_del() of an absent key is RC_NOT_FOUND.
 */
int bdb_put(struct bdb *env, DB *db, struct bdb_txn *txn, const void *key,
	    size_t klen, const void *val, size_t vlen, struct err *e);
int bdb_get(struct bdb *env, DB *db, struct bdb_txn *txn, const void *key,
	    size_t klen, void **val, size_t *vlen, struct err *e);
int bdb_del(struct bdb *env, DB *db, struct bdb_txn *txn, const void *key,
	    size_t klen, struct err *e);

/* ---- errors ----------------------------------------------------------- */

/* The rc for a Berkeley DB or errno return value (0 -> RC_OK). */
int bdb_rc(int dbret);

/*
 * Fill e with "<what>: <db_strerror(dbret)>" and return bdb_rc(dbret).
 * Meant as "return bdb_err(e, ret, "cannot read '%s'", path);".
 */
int bdb_err(struct err *e, int dbret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
