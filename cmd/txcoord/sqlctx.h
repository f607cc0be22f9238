/*
 * sqlctx.h -- what one statement runs with: its memory, its transaction,
 * the catalog as of that transaction, the session's database.
 *
 * The engine (sqlengine.c) fills one per statement; the DDL code
 * (sqlddl.c), the planner and the executor only read it, except that a
 * statement that changes the catalog sets catalog_changed so that the
 * rest of its transaction reads the catalog through its own writes.
 */
#ifndef RANGEDB_SQLCTX_H
#define RANGEDB_SQLCTX_H

#include <stddef.h>
#include <stdint.h>

#include "sqlcat.h"
#include "sqlerr.h"
#include "sqlkv.h"

struct arena;

struct sqlctx {
	struct arena *a;		/* the statement's memory */
	struct sqlkv *kv;		/* the transaction */
	struct sqlcat *cache;		/* the gateway's catalog cache */
	struct sqlcat_snap *cat;	/* the catalog at the txn's timestamp */
	const char *db_name;		/* the session's database */
	int64_t db_id;			/* 0: it does not exist (any more) */
	const char *sql;		/* the request text (positions) */
	size_t sql_len;
	uint64_t txn_ts;		/* HLC of the transaction: now() */
	int catalog_changed;		/* a DDL ran in this transaction */
	int read_only;			/* AS OF SYSTEM TIME */
	/*
	 * A fresh unique id for the hidden rowid column of tables without a
	 * primary key (unique across gateways, increasing per gateway).
	 */
	int (*next_rowid)(void *arg, int64_t *out, struct sqlerr *e);
	void *rowid_arg;
	/*
	 * Range layout for EXPLAIN and SHOW RANGES: fills a JSON array of
	 * {"range_id","start","end","leader","replicas"} for [start, end).
	 * NULL in unit tests (then those show nothing).
	 */
	int (*ranges)(void *arg, const void *start, size_t slen,
		      const void *end, size_t elen, void **json_array_out,
		      struct sqlerr *e);
	void *ranges_arg;
};

/* Reload ctx->cat after a DDL statement changed the catalog. */
int sqlctx_reload_catalog(struct sqlctx *ctx, struct sqlerr *e);

/* A struct err from the KV layer as a SQL error (40001 for conflicts). */
int sqlctx_kv_error(const struct err *ke, struct sqlerr *e);

#endif
