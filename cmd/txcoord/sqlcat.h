/*
 * sqlcat.h -- the SQL catalog: databases, tables, indexes and views,
 * stored in the cluster's /sys keyspace and cached by every gateway.
 *
 * Storage (keys are keys.h tuples under the /sys prefix):
 *	/sys/"sql"/"ns"/<parent id>/<name>	-> id (decimal text)
 *	/sys/"sql"/"desc"/<id>			-> descriptor (JSON)
 *	/sys/"sql"/"seq"/<name>			-> a counter (decimal text)
 *	/sys/"sql"/"version"			-> the schema version
 * Databases have parent 0; tables and views have their database's id.
 * Descriptor ids start at SQLCAT_FIRST_ID; rows of table N live under
 * /t/N/<index id>/... (index 1 is the primary key).
 *
 * Consistency: every DDL statement writes its descriptors AND increments
 * the schema version in the user's transaction.  Every transaction reads
 * the version key once (sqlcat_snapshot) and uses the gateway's cached
 * snapshot only when it has that version; otherwise it loads the catalog
 * at its own timestamp.  Because that read is in the transaction's read
 * set, a transaction that raced with a DDL commit fails validation and
 * retries, so a statement never runs against a schema that was not the
 * schema at its timestamp (SERIALIZABLE covers DDL too).  A transaction
 * that itself ran DDL reads the catalog through its own writes
 * (uncached).  This is simpler than F1's online schema change states
 * (docs/ARCHITECTURE.md explains the trade-off).
 *
 * Snapshots are immutable and reference counted; several threads share
 * one.  Tested in t/unit/sqlcat_test.c.
 */
#ifndef RANGEDB_SQLCAT_H
#define RANGEDB_SQLCAT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sqlkv.h"
#include "sqlval.h"

struct arena;

#define SQLCAT_FIRST_ID		100	/* ids below are reserved */
#define SQLCAT_PRIMARY_INDEX	1
#define SQLCAT_NAME_MAX		63	/* bytes, like PostgreSQL */
#define SQLCAT_DEFAULT_DB	"defaultdb"

enum sqlcat_kind {
	SQLCAT_DATABASE = 1,
	SQLCAT_TABLE,
	SQLCAT_VIEW
};

struct sqlcat_column {
	int id;			/* stable: rows store column ids */
	const char *name;
	struct sql_type type;
	int nullable;
	const char *default_sql;	/* NULL: no default (NULL) */
	int hidden;		/* the implicit rowid of a table without PK */
};

struct sqlcat_index {
	int id;			/* SQLCAT_PRIMARY_INDEX for the primary key */
	const char *name;
	int unique;		/* the primary index is unique */
	size_t ncols;
	int *cols;		/* column ids, in key order */
	unsigned char *desc;	/* per column: 1 = DESC (order of scans) */
};

struct sqlcat_desc {
	enum sqlcat_kind kind;
	int64_t id;
	int64_t parent;		/* database id; 0 for a database */
	const char *name;
	/* tables */
	size_t ncols;
	struct sqlcat_column *cols;
	struct sqlcat_index primary;
	size_t nidx;
	struct sqlcat_index *idx;	/* secondary indexes */
	int next_col_id;
	int next_idx_id;
	/* views */
	const char *view_sql;	/* the SELECT, as written */
	size_t nview_cols;
	const char **view_cols;	/* NULL: the query's own column names */
};

struct sqlcat;		/* the gateway's cache */
struct sqlcat_snap;	/* one consistent catalog */

int sqlcat_new(struct sqlcat **out, struct err *e);
void sqlcat_free(struct sqlcat *c);

/*
 * The catalog as of kv's transaction.  cache 0 loads it through kv
 * uncached (a transaction that ran DDL).  Release with sqlcat_release().
 */
int sqlcat_snapshot(struct sqlcat *c, struct sqlkv *kv, int cache,
		    struct sqlcat_snap **out, struct err *e);
void sqlcat_release(struct sqlcat_snap *s);
/* The schema version the snapshot holds. */
int64_t sqlcat_version(const struct sqlcat_snap *s);

/* Lookups (NULL when absent).  Names are compared exactly. */
const struct sqlcat_desc *sqlcat_db(const struct sqlcat_snap *s,
				    const char *name);
const struct sqlcat_desc *sqlcat_rel(const struct sqlcat_snap *s,
				     int64_t db, const char *name);
const struct sqlcat_desc *sqlcat_by_id(const struct sqlcat_snap *s,
				       int64_t id);
/* The relations of a database sorted by name; n set to the count. */
const struct sqlcat_desc **sqlcat_rels(const struct sqlcat_snap *s,
				       int64_t db, size_t *n);
/* Every database, sorted by name. */
const struct sqlcat_desc **sqlcat_dbs(const struct sqlcat_snap *s,
				      size_t *n);
/* An index of table d by name (the primary included); NULL if none. */
const struct sqlcat_index *sqlcat_index_by_name(const struct sqlcat_desc *d,
						const char *name);
/* A column of d by name or by id; NULL if none. */
const struct sqlcat_column *sqlcat_col(const struct sqlcat_desc *d,
				       const char *name);
const struct sqlcat_column *sqlcat_col_by_id(const struct sqlcat_desc *d,
					     int id);
/* The table (of database db) that has an index called name. */
const struct sqlcat_desc *sqlcat_index_owner(const struct sqlcat_snap *s,
					     int64_t db, const char *name);

/* ---- writes (all through kv; each bumps the schema version) ------------ */

/*
 * Store d: a new descriptor when d->id is 0 (an id is allocated and
 * written back), else a replacement of the existing one.  The namespace
 * entry is written for new descriptors.
 */
int sqlcat_put(struct sqlkv *kv, struct sqlcat_desc *d, struct err *e);
/* Remove the descriptor and its namespace entry. */
int sqlcat_delete(struct sqlkv *kv, const struct sqlcat_desc *d,
		  struct err *e);
/* Make sure SQLCAT_DEFAULT_DB exists (the first request of a cluster). */
int sqlcat_bootstrap(struct sqlkv *kv, struct err *e);

/*
 * Counter name += n in kv's transaction; *first is the old value (the
 * first of the n values now owned).  Counters start at start.
 */
int sqlcat_seq_next(struct sqlkv *kv, const char *name, int64_t n,
		    int64_t start, int64_t *first, struct err *e);

/* ---- descriptors as JSON (also used by SHOW and tests) ------------------ */

json_t *sqlcat_desc_json(const struct sqlcat_desc *d);
/* Parse into memory owned by arena a. */
int sqlcat_desc_parse(const json_t *j, struct arena *a,
		      struct sqlcat_desc *out, struct err *e);

#endif
