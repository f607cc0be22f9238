/*
 * sqlengine.c -- run the statements of a request in a session (see
 * sqlengine.h): parse everything first, then per statement either the
 * transaction control of the session (BEGIN, COMMIT, ROLLBACK, SET) or
 * the statement itself in the session's explicit transaction or in an
 * implicit one that the gateway retries on 40001.
 */
#include "config.h"

#include "sqlengine.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "cfg.h"
#include "hlc.h"
#include "log.h"
#include "sqlast.h"
#include "sqlcat.h"
#include "sqlctx.h"
#include "sqlddl.h"
#include "sqlexec.h"
#include "sqlkvtxn.h"
#include "sqlparse.h"
#include "sqlres.h"
#include "desc.h"
#include "keys.h"
#include "router.h"
#include "txn.h"
#include "util.h"

#define ROWID_BLOCK	1000	/* rowids a gateway reserves at once */

enum sess_state {
	SESS_NONE = 0,
	SESS_OPEN,
	SESS_FAILED
};

struct sqlengine {
	struct txn_engine *txe;
	struct router *router;
	struct sqlcat *cat;
	pthread_mutex_t mu;		/* rowid block */
	int64_t rowid_next, rowid_end;
	int bootstrapped;		/* defaultdb known to exist */
};

struct sqlsession {
	struct sqlengine *eng;
	char db[SQLCAT_NAME_MAX + 1];
	enum sess_state state;
	struct txn *txn;		/* SESS_OPEN / SESS_FAILED */
	int catalog_changed;		/* DDL ran in the open transaction */
};

/* ---- the engine ---------------------------------------------------------- */

int sqlengine_new(struct sqlengine **out, struct txn_engine *txe,
		  struct router *router, struct err *e)
{
	struct sqlengine *eng = calloc(1, sizeof(*eng));
	int rc;

	if (eng == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	if ((rc = sqlcat_new(&eng->cat, e)) != RC_OK) {
		free(eng);
		return rc;
	}
	eng->txe = txe;
	eng->router = router;
	pthread_mutex_init(&eng->mu, NULL);
	*out = eng;
	return RC_OK;
}

void sqlengine_free(struct sqlengine *eng)
{
	if (eng == NULL)
		return;
	sqlcat_free(eng->cat);
	pthread_mutex_destroy(&eng->mu);
	free(eng);
}

int sqlengine_session_new(struct sqlengine *eng, struct sqlsession **out,
			  struct err *e)
{
	struct sqlsession *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	s->eng = eng;
	snprintf(s->db, sizeof(s->db), "%s", SQLCAT_DEFAULT_DB);
	*out = s;
	return RC_OK;
}

void sqlengine_rollback(struct sqlsession *s)
{
	if (s->txn != NULL) {
		txn_rollback(s->txn);
		txn_free(s->txn);
		s->txn = NULL;
	}
	s->state = SESS_NONE;
	s->catalog_changed = 0;
}

void sqlengine_session_free(struct sqlsession *s)
{
	if (s == NULL)
		return;
	sqlengine_rollback(s);
	free(s);
}

const char *sqlengine_txn_state(const struct sqlsession *s)
{
	return s->state == SESS_OPEN ? "open" :
		s->state == SESS_FAILED ? "failed" : "none";
}

/* ---- rowids -------------------------------------------------------------- */

struct rowid_job {
	int64_t first;
};

static int rowid_body(struct txn *t, void *arg, unsigned attempt,
		      struct err *e)
{
	struct rowid_job *j = arg;
	struct sqlkv kv;

	(void)attempt;
	sqlkvtxn_bind(t, &kv);
	return sqlcat_seq_next(&kv, "rowid", ROWID_BLOCK, 1, &j->first, e);
}

/*
 * A block of ROWID_BLOCK ids reserved in a transaction of its own, so
 * that concurrent inserts do not contend on the counter.
 */
static int next_rowid(void *arg, int64_t *out, struct sqlerr *e)
{
	struct sqlengine *eng = arg;
	struct rowid_job j;
	struct err ke;
	uint64_t cts;
	unsigned retries;

	pthread_mutex_lock(&eng->mu);
	if (eng->rowid_next < eng->rowid_end) {
		*out = eng->rowid_next++;
		pthread_mutex_unlock(&eng->mu);
		return 0;
	}
	pthread_mutex_unlock(&eng->mu);
	if (txn_run(eng->txe, rowid_body, &j, &cts, NULL, &retries, &ke) !=
	    RC_OK)
		return sqlctx_kv_error(&ke, e);
	pthread_mutex_lock(&eng->mu);
	if (eng->rowid_next >= eng->rowid_end) {
		eng->rowid_next = j.first;
		eng->rowid_end = j.first + ROWID_BLOCK;
	}
	/* else another thread refilled meanwhile: our block is wasted */
	*out = eng->rowid_next++;
	pthread_mutex_unlock(&eng->mu);
	return 0;
}

/* ---- range layout ------------------------------------------------------- */

static json_t *pretty(const void *k, size_t n)
{
	char *s = keys_pretty_alloc(k, n);
	json_t *j = s != NULL ? json_string(s) : NULL;

	free(s);
	return j;
}

/*
 * The ranges over [start, end), from the router's descriptor cache (or
 * meta): {"range_id","start","end","replicas"} each, in key order.
 */
static int ranges_of(void *arg, const void *start, size_t slen,
		     const void *end, size_t elen, void **out,
		     struct sqlerr *e)
{
	struct sqlengine *eng = arg;
	unsigned char key[DESC_BOUND_MAX];
	size_t klen = slen;
	json_t *arr = json_array();
	struct err ke;

	if (arr == NULL || slen > sizeof(key))
		return arr ? sqlerr_set(e, SQLSTATE_PROG_LIMIT, 0, "key too "
					"long") : sqlerr_nomem(e);
	memcpy(key, start, slen);
	for (int guard = 0; guard < 10000; guard++) {
		struct desc d;
		char reps[DESC_MAX_REPLICAS * 21 + 1];
		size_t rl = 0;
		json_t *it;

		/* the cache may be stale (it is corrected only when a
		   request meets a moved range): ask meta afresh */
		if (router_locate(eng->router, key, klen, &d, &ke) == RC_OK) {
			router_invalidate(eng->router, d.range_id);
			if (router_locate(eng->router, key, klen, &d, &ke) !=
			    RC_OK) {
				json_decref(arr);
				return sqlctx_kv_error(&ke, e);
			}
		} else {
			json_decref(arr);
			return sqlctx_kv_error(&ke, e);
		}
		reps[0] = '\0';
		for (size_t i = 0; i < d.n_replicas; i++)
			rl += (size_t)snprintf(reps + rl, sizeof(reps) - rl,
					       "%s%" PRIu64, i ? "," : "",
					       d.replicas[i]);
		it = json_pack("{s:I, s:o, s:o, s:s}", "range_id",
			       (json_int_t)d.range_id, "start",
			       pretty(d.start, d.start_len), "end",
			       d.end_len ? pretty(d.end, d.end_len) :
			       json_string("+inf"), "replicas", reps);
		if (it == NULL || json_array_append_new(arr, it) != 0) {
			json_decref(arr);
			return sqlerr_nomem(e);
		}
		if (d.end_len == 0 ||
		    (elen > 0 && keys_cmp(d.end, d.end_len, end, elen) >= 0))
			break;
		memcpy(key, d.end, d.end_len);
		klen = d.end_len;
	}
	*out = arr;
	return 0;
}

/* ---- one statement in one transaction ------------------------------------ */

struct run {
	struct sqlsession *s;
	struct arena *a;
	const char *sql;
	size_t len;
	const struct sql_stmt *st;
	struct sqlres res;
	struct sqlerr se;		/* the SQL error, when body failed */
	int sql_failed;			/* body failed with se (not retryable) */
	int read_only;			/* AS OF SYSTEM TIME */
};

static int bootstrap_body(struct txn *t, void *arg, unsigned attempt,
			  struct err *e)
{
	struct sqlkv kv;

	(void)arg;
	(void)attempt;
	sqlkvtxn_bind(t, &kv);
	return sqlcat_bootstrap(&kv, e);
}

/* Make sure defaultdb exists (once per gateway). */
static int ensure_bootstrap(struct sqlengine *eng, struct sqlerr *e)
{
	struct err ke;
	uint64_t cts;
	unsigned retries;

	if (__atomic_load_n(&eng->bootstrapped, __ATOMIC_ACQUIRE))
		return 0;
	if (txn_run(eng->txe, bootstrap_body, NULL, &cts, NULL, &retries,
		    &ke) != RC_OK)
		return sqlctx_kv_error(&ke, e);
	__atomic_store_n(&eng->bootstrapped, 1, __ATOMIC_RELEASE);
	return 0;
}

/* Run r->st on t; SQL errors land in r->se. */
static int run_on(struct run *r, struct txn *t, int catalog_changed)
{
	struct sqlsession *s = r->s;
	struct sqlctx ctx;
	struct sqlkv kv;
	struct err ke;
	const struct sqlcat_desc *db;
	int rc;

	sqlkvtxn_bind(t, &kv);
	memset(&ctx, 0, sizeof(ctx));
	ctx.a = r->a;
	ctx.kv = &kv;
	ctx.cache = s->eng->cat;
	ctx.db_name = s->db;
	ctx.sql = r->sql;
	ctx.sql_len = r->len;
	ctx.txn_ts = txn_read_ts(t);
	ctx.catalog_changed = catalog_changed;
	ctx.read_only = r->read_only;
	ctx.next_rowid = next_rowid;
	ctx.rowid_arg = s->eng;
	ctx.ranges = ranges_of;
	ctx.ranges_arg = s->eng;
	if (sqlcat_snapshot(s->eng->cat, &kv, !catalog_changed, &ctx.cat,
			    &ke) != RC_OK)
		return sqlctx_kv_error(&ke, &r->se);
	db = sqlcat_db(ctx.cat, s->db);
	ctx.db_id = db != NULL ? db->id : 0;
	if (sqlddl_handles(r->st))
		rc = sqlddl_stmt(&ctx, r->st, &r->res, &r->se);
	else
		rc = sqlexec_stmt(&ctx, r->st, &r->res, &r->se);
	sqlcat_release(ctx.cat);
	if (ctx.catalog_changed)
		s->catalog_changed = 1;
	return rc;
}

/* txn_run body of an implicit transaction. */
static int implicit_body(struct txn *t, void *arg, unsigned attempt,
			 struct err *e)
{
	struct run *r = arg;

	(void)attempt;
	r->sql_failed = 0;
	r->s->catalog_changed = 0;
	if (sqlres_reset(&r->res, &r->se) != 0 || run_on(r, t, 0) != 0) {
		if (strcmp(r->se.sqlstate, SQLSTATE_RETRY) == 0)
			return err_set(e, RC_CONFLICT, "%s", r->se.msg);
		r->sql_failed = 1;
		return err_set(e, RC_BAD_INPUT, "%s", r->se.msg);
	}
	return RC_OK;
}

static int run_implicit(struct run *r, struct sqlerr *e)
{
	struct err ke;
	uint64_t cts;
	unsigned retries = 0;
	int rc;

	rc = txn_run(r->s->eng->txe, implicit_body, r, &cts, NULL, &retries,
		     &ke);
	r->s->catalog_changed = 0;
	if (rc == RC_OK)
		return 0;
	if (r->sql_failed) {
		*e = r->se;
		return -1;
	}
	sqlctx_kv_error(&ke, e);
	if (rc == RC_CONFLICT && retries > 0) {
		char msg[SQLERR_MSG_MAX];

		memcpy(msg, e->msg, sizeof(msg));
		sqlerr_set(e, SQLSTATE_RETRY, 0, "%s (after %u retries)", msg,
			   retries);
	}
	return -1;
}

static int run_explicit(struct run *r, struct sqlerr *e)
{
	struct sqlsession *s = r->s;

	if (run_on(r, s->txn, s->catalog_changed) == 0)
		return 0;
	*e = r->se;
	/* Like PostgreSQL: an error ends the transaction's usefulness. */
	s->state = SESS_FAILED;
	txn_rollback(s->txn);
	return -1;
}

/* ---- AS OF SYSTEM TIME ------------------------------------------------------ */

/*
 * The read timestamp an AS OF SYSTEM TIME expression names: a TIMESTAMP
 * string ('2026-11-24 10:00:00'), a negative duration relative to now
 * ('-10s', '-1m30s'), or a decimal number of nanoseconds since the epoch
 * (CockroachDB's form, e.g. cluster_logical_timestamp() output).
 */
static int as_of_ts(struct arena *a, const struct sql_expr *x, uint64_t *out,
		    struct sqlerr *e)
{
	struct sql_type tt = sqlval_type(SQL_TYPE_TIMESTAMP);
	struct sql_datum d;
	int64_t ms;

	if (x->kind == SQL_EXPR_STRING && x->u.str.p[0] == '-') {
		int64_t back;

		if (cfg_parse_duration(x->u.str.p + 1, &back) != 0)
			return sqlerr_set(e, SQLSTATE_INVALID_TEXT, x->pos,
					  "AS OF SYSTEM TIME: \"%s\" is not a "
					  "duration such as '-10s' or '-1m30s'",
					  x->u.str.p);
		ms = (int64_t)util_wall_ms() - back;
	} else if (x->kind == SQL_EXPR_STRING) {
		if (sqlval_from_text(&tt, x->u.str.p, x->u.str.n, a, &d, e) !=
		    0) {
			e->position = x->pos;
			return -1;
		}
		ms = d.ts / 1000;
	} else if (x->kind == SQL_EXPR_INT || x->kind == SQL_EXPR_DECIMAL) {
		ms = x->kind == SQL_EXPR_INT ? x->u.i / 1000000 :
			(int64_t)(strtold(x->u.num, NULL) / 1e6L);
	} else {
		return sqlerr_set(e, SQLSTATE_FEATURE, x->pos, "AS OF SYSTEM "
				  "TIME takes a timestamp string, a negative "
				  "duration string or a number of nanoseconds");
	}
	if (ms <= 0 || (uint64_t)ms > HLC_PHYSICAL_MAX)
		return sqlerr_set(e, SQLSTATE_DATETIME, x->pos, "AS OF SYSTEM "
				  "TIME: timestamp out of range");
	*out = hlc_make((uint64_t)ms, 0);
	return 0;
}

static int run_as_of(struct run *r, const struct sql_expr *x,
		     struct sqlerr *e)
{
	struct txn *t;
	struct err ke;
	uint64_t ts = 0;
	int rc;

	if (r->s->state == SESS_OPEN)
		return sqlerr_set(e, SQLSTATE_FEATURE, x->pos, "AS OF SYSTEM "
				  "TIME cannot be used inside an explicit "
				  "transaction");
	if (as_of_ts(r->a, x, &ts, e) != 0)
		return -1;
	if (txn_begin_at(r->s->eng->txe, ts, &t, &ke) != RC_OK) {
		if (ke.code == RC_BAD_INPUT)
			return sqlerr_set(e, SQLSTATE_DATETIME, x->pos, "%s",
					  ke.msg);
		return sqlctx_kv_error(&ke, e);
	}
	r->read_only = 1;
	rc = run_on(r, t, 0);
	txn_rollback(t);
	txn_free(t);
	if (rc != 0)
		*e = r->se;
	return rc;
}

/* ---- transaction control -------------------------------------------------- */

static int do_begin(struct sqlsession *s, struct sqlres *res,
		    struct sqlerr *e)
{
	struct err ke;

	sqlres_set_tag(res, "BEGIN");
	if (s->state == SESS_OPEN)
		return 0;	/* PostgreSQL: a warning, not an error */
	if (txn_begin(s->eng->txe, &s->txn, &ke) != RC_OK)
		return sqlctx_kv_error(&ke, e);
	s->state = SESS_OPEN;
	s->catalog_changed = 0;
	return 0;
}

static int do_commit(struct sqlsession *s, struct sqlres *res,
		     struct sqlerr *e)
{
	struct err ke;
	uint64_t cts;
	int rc;

	if (s->state != SESS_OPEN) {
		/* COMMIT of a failed transaction rolls it back (PostgreSQL). */
		sqlres_set_tag(res, s->state == SESS_FAILED ? "ROLLBACK" :
			       "COMMIT");
		sqlengine_rollback(s);
		return 0;
	}
	rc = txn_commit(s->txn, &cts, NULL, &ke);
	txn_free(s->txn);
	s->txn = NULL;
	s->state = SESS_NONE;
	s->catalog_changed = 0;
	if (rc != RC_OK)
		return sqlctx_kv_error(&ke, e);
	sqlres_set_tag(res, "COMMIT");
	return 0;
}

/* SET database = x / USE x; other settings are refused by name. */
static int do_set(struct sqlsession *s, const struct sql_set *set,
		  struct sqlres *res, struct sqlerr *e)
{
	const char *v;

	if (strcmp(set->name, "database") != 0)
		return sqlerr_set(e, SQLSTATE_UNDEF_OBJECT, set->name_pos,
				  "unrecognized configuration parameter "
				  "\"%s\"", set->name);
	if (set->nvalues != 1 || set->values[0]->kind == SQL_SETVAL_DEFAULT)
		v = SQLCAT_DEFAULT_DB;
	else
		v = set->values[0]->text;
	if (strlen(v) > SQLCAT_NAME_MAX)
		return sqlerr_set(e, SQLSTATE_SYNTAX, set->values[0]->pos,
				  "database name \"%.40s...\" is longer than "
				  "%d bytes", v, SQLCAT_NAME_MAX);
	/* Like CockroachDB, the database need not exist yet; statements
	 * that use it say so. */
	snprintf(s->db, sizeof(s->db), "%s", v);
	sqlres_set_tag(res, "SET");
	return 0;
}

static int do_show_var(struct sqlsession *s, const struct sql_show *sh,
		       struct sqlres *res, struct sqlerr *e)
{
	const char *v, *name = sh->var;
	size_t n;

	if (strcmp(name, "database") == 0)
		v = s->db;
	else if (strcmp(name, "transaction_isolation") == 0 ||
		 strcmp(name, "transaction isolation level") == 0)
		v = "serializable";
	else if (strcmp(name, "server_version") == 0)
		v = "15.0 (rangedb " PACKAGE_VERSION ")";
	else
		return sqlerr_set(e, SQLSTATE_UNDEF_OBJECT, 0, "unrecognized "
				  "configuration parameter \"%s\"", name);
	n = strlen(v);
	if (sqlres_add_column(res, name, "text", e) != 0 ||
	    sqlres_add_row(res, &v, &n, 1, e) != 0)
		return -1;
	sqlres_set_tag(res, "SHOW");
	return 0;
}

/* ---- a request ------------------------------------------------------------ */

static int run_stmt(struct sqlsession *s, struct run *r, struct sqlerr *e)
{
	const struct sql_stmt *st = r->st;

	switch (st->kind) {
	case SQL_STMT_BEGIN:
		if (s->state == SESS_FAILED)
			break;
		return do_begin(s, &r->res, e);
	case SQL_STMT_COMMIT:
		return do_commit(s, &r->res, e);
	case SQL_STMT_ROLLBACK:
		sqlengine_rollback(s);
		sqlres_set_tag(&r->res, "ROLLBACK");
		return 0;
	default:
		break;
	}
	if (s->state == SESS_FAILED)
		return sqlerr_set(e, SQLSTATE_IN_FAILED_TX, st->pos, "current "
				  "transaction is aborted, commands ignored "
				  "until end of transaction block");
	if (st->kind == SQL_STMT_SET)
		return do_set(s, st->u.set, &r->res, e);
	if (st->kind == SQL_STMT_SHOW && st->u.show->what == SQL_SHOW_VAR)
		return do_show_var(s, st->u.show, &r->res, e);
	if (ensure_bootstrap(s->eng, e) != 0)
		return -1;
	if (st->kind == SQL_STMT_QUERY &&
	    st->u.query->kind == SQL_QUERY_SELECT &&
	    st->u.query->u.select.as_of != NULL)
		return run_as_of(r, st->u.query->u.select.as_of, e);
	return s->state == SESS_OPEN ? run_explicit(r, e) :
		run_implicit(r, e);
}

int sqlengine_run(struct sqlengine *eng, struct sqlsession *s,
		  const char *sql, size_t len, json_t *results,
		  struct sqlerr *e)
{
	struct sql_stmt **stmts;
	size_t n;
	struct arena *a = arena_new();
	int rc = 0;

	(void)eng;
	if (a == NULL)
		return sqlerr_nomem(e);
	if (sqlparse(a, sql, len, &stmts, &n, e) != 0) {
		/* In a transaction, a syntax error fails it (PostgreSQL). */
		if (s->state == SESS_OPEN) {
			s->state = SESS_FAILED;
			txn_rollback(s->txn);
		}
		arena_free(a);
		return -1;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct run r;
		json_t *j;

		memset(&r, 0, sizeof(r));
		r.s = s;
		r.a = a;
		r.sql = sql;
		r.len = len;
		r.st = stmts[i];
		if (sqlres_init(&r.res, e) != 0) {
			rc = -1;
			break;
		}
		rc = run_stmt(s, &r, e);
		if (rc == 0) {
			j = sqlres_json(&r.res);
			if (j == NULL || json_array_append_new(results, j) != 0)
				rc = sqlerr_nomem(e);
		}
		sqlres_release(&r.res);
	}
	arena_free(a);
	return rc;
}
