/*
 * sltdb.h -- the engine interface of the sqllogictest runner.
 *
 * The runner talks to an engine through a struct sltdb: a rangedb
 * gateway over HTTP (sltsql.c) or a PostgreSQL server through psql
 * (sltpsql.c), or, in unit tests, a fake.  Each test file gets a fresh
 * database: begin_file creates it and makes it current, end_file leaves
 * and drops it (unless told to keep it).
 *
 * exec runs one SQL text and fills a struct sltdb_result.  Its return
 * code is about the conversation, not the SQL: RC_OK whenever the engine
 * answered (an SQL error is RC_OK with res->failed set); RC_UNAVAILABLE
 * when the engine cannot be reached (the run stops, exit status 3);
 * RC_TIMEOUT when one statement got no answer in time and RC_CORRUPT when
 * the answer breaks the protocol (both fail that record only); anything
 * else ends the script.
 * Tested (with a fake engine) in t/unit/slt_test.c.
 */
#ifndef RANGEDB_SLTDB_H
#define RANGEDB_SLTDB_H

#include <stddef.h>

#include "err.h"

struct sltdb_result {
	int failed;		/* the engine refused the SQL */
	char sqlstate[6];	/* when failed: its SQLSTATE ("" if unknown) */
	char *message;		/* when failed: the engine's message */
	long ncols;		/* columns; -1 when unknown (no rows, psql) */
	size_t nrows;
	size_t nvals;		/* values stored so far, row-major */
	size_t cap;
	char **values;		/* nrows * ncols; NULL = SQL NULL */
	char **types;		/* ncols engine type names, or NULL */
};

struct sltdb_ops {
	const char *name;	/* "rangedb", "psql", ... for messages */
	int (*begin_file)(void *impl, const char *dbname, struct err *e);
	int (*exec)(void *impl, const char *sql, struct sltdb_result *res,
		    struct err *e);
	int (*end_file)(void *impl, const char *dbname, int keep,
			struct err *e);
	void (*free)(void *impl);
};

struct sltdb;

/* An engine made of ops over impl; sltdb_free() calls ops->free(impl). */
int sltdb_new(const struct sltdb_ops *ops, void *impl, struct sltdb **out,
	      struct err *e);
void sltdb_free(struct sltdb *db);

const char *sltdb_name(const struct sltdb *db);
int sltdb_begin_file(struct sltdb *db, const char *dbname, struct err *e);
int sltdb_end_file(struct sltdb *db, const char *dbname, int keep,
		   struct err *e);

/* res is cleared first; see the top of this file for the return codes. */
int sltdb_exec(struct sltdb *db, const char *sql, struct sltdb_result *res,
	       struct err *e);

/* ---- building and releasing results -------------------------------------- */

/* An empty result (no columns known, nothing failed). */
void sltdb_result_init(struct sltdb_result *res);

/* Free everything res holds and make it empty again. */
void sltdb_result_clear(struct sltdb_result *res);

/*
 * Append one value (a copy of the n bytes at v, or SQL NULL when v is
 * NULL); the caller keeps nrows in step.  RC_NOMEM.
 */
int sltdb_result_push(struct sltdb_result *res, const char *v, size_t n);

/* Mark res failed with sqlstate and a copy of message.  RC_NOMEM. */
int sltdb_result_fail(struct sltdb_result *res, const char *sqlstate,
		      const char *message);

#endif
