/*
 * raftstore.c -- the durable Raft state of every range (see raftstore.h).
 *
 * Every write first reads what it needs (last log index, stored snapshot
 * and hard state), validates the whole request against it, and only then
 * writes, so a refused request leaves the transaction untouched.  Writes in
 * an own transaction commit without sync and then flush the log once
 * (bdb_flush), which is the same path a group-commit batch takes.
 *
 * Tested in t/unit/raftstore_test.c.
 */
#include "raftstore.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#define RS_LOG_KEY	16	/* BE64(range) BE64(index) */
#define RS_LOG_HDR	9	/* BE64(term) u8(type) */
#define RS_STATE_KEY	9	/* BE64(range) u8(kind) */
#define RS_HS_LEN	24
#define RS_SNAP_HDR	17	/* BE64(index) BE64(term) u8(n) */
#define RS_MEMBER_LEN	9	/* BE64(id) u8(learner) */
#define RS_TRIES	5	/* tries of an own transaction on deadlock */

struct raftstore {
	struct bdb *env;
	DB *log;
	DB *state;
	DB *applied;
};

struct raftstore_batch {
	struct raftstore *rs;
	struct bdb_txn *txn;
	int poisoned;
	struct err why;
};

typedef unsigned long long ull;

/* ---- encoding --------------------------------------------------------- */



static void log_key(unsigned char k[RS_LOG_KEY], uint64_t range,
		    uint64_t index)
{
	util_put_be64(k, range);
	util_put_be64(k + 8, index);
}

static void state_key(unsigned char k[RS_STATE_KEY], uint64_t range,
		      int kind)
{
	util_put_be64(k, range);
	k[8] = (unsigned char)kind;
}

static void dbt_in(DBT *d, const void *p, size_t n)
{
	memset(d, 0, sizeof(*d));
	d->data = (void *)p;
	d->size = (u_int32_t)n;
}

static void dbt_out(DBT *d)
{
	memset(d, 0, sizeof(*d));
	d->flags = DB_DBT_REALLOC;
}

/* ---- errors ----------------------------------------------------------- */

static int rs_dberr(struct raftstore *rs, struct err *e, int ret,
		    const char *what, uint64_t range)
{
	return bdb_err(e, ret, "cannot %s of range %llu in '%s'", what,
		       (ull)range, bdb_path(rs->env));
}

/* ---- open / close ----------------------------------------------------- */

int raftstore_open(struct bdb *env, struct raftstore **out, struct err *e)
{
	struct raftstore *rs;
	int rc;

	if (env == NULL || out == NULL)
		return err_set(e, RC_BAD_INPUT, "raftstore_open: no "
			       "environment");
	rs = calloc(1, sizeof(*rs));
	if (rs == NULL)
		return err_set(e, RC_NOMEM, "cannot open raft store in '%s': "
			       "out of memory", bdb_path(env));
	rs->env = env;
	if ((rc = bdb_db_open(env, RAFTSTORE_LOG_DB, &rs->log, e)) != RC_OK ||
	    (rc = bdb_db_open(env, RAFTSTORE_STATE_DB, &rs->state, e)) !=
	    RC_OK ||
	    (rc = bdb_db_open(env, RAFTSTORE_APPLIED_DB, &rs->applied, e)) !=
	    RC_OK) {
		raftstore_close(rs, NULL);
		return rc;
	}
	*out = rs;
	return RC_OK;
}

int raftstore_close(struct raftstore *rs, struct err *e)
{
	int rc = RC_OK, r;

	if (rs == NULL)
		return RC_OK;
	r = bdb_db_close(rs->env, rs->log, e);
	if (r != RC_OK && rc == RC_OK)
		rc = r;
	r = bdb_db_close(rs->env, rs->state, rc == RC_OK ? e : NULL);
	if (r != RC_OK && rc == RC_OK)
		rc = r;
	r = bdb_db_close(rs->env, rs->applied, rc == RC_OK ? e : NULL);
	if (r != RC_OK && rc == RC_OK)
		rc = r;
	free(rs);
	return rc;
}

/* ---- reading records -------------------------------------------------- */

/*
 * The last log index of range (0: no entries) and its term.  rc_flags may
 * be DB_READ_COMMITTED (do not keep read locks on the log).
 */
static int log_last(struct raftstore *rs, DB_TXN *t, uint64_t range,
		    u_int32_t rc_flags, uint64_t *last, uint64_t *term,
		    struct err *e)
{
	unsigned char kb[RS_LOG_KEY];
	DBC *c;
	DBT k, v;
	int ret, rc = RC_OK;

	*last = 0;
	*term = 0;
	ret = rs->log->cursor(rs->log, t, &c, rc_flags);
	if (ret != 0)
		return rs_dberr(rs, e, ret, "read raft log", range);
	dbt_out(&k);
	dbt_out(&v);
	if (range == UINT64_MAX) {
		ret = c->get(c, &k, &v, DB_LAST);
	} else {
		log_key(kb, range + 1, 0);
		k.data = malloc(RS_LOG_KEY);
		if (k.data == NULL) {
			c->close(c);
			return err_set(e, RC_NOMEM, "out of memory");
		}
		memcpy(k.data, kb, RS_LOG_KEY);
		k.size = RS_LOG_KEY;
		ret = c->get(c, &k, &v, DB_SET_RANGE);
		if (ret == 0)
			ret = c->get(c, &k, &v, DB_PREV);
		else if (ret == DB_NOTFOUND)
			ret = c->get(c, &k, &v, DB_LAST);
	}
	if (ret == 0) {
		if (k.size != RS_LOG_KEY || v.size < RS_LOG_HDR) {
			if (k.size >= 8 && util_get_be64(k.data) == range)
				rc = err_set(e, RC_CORRUPT, "range %llu: "
					     "malformed raft log record "
					     "(key %u bytes, value %u bytes)",
					     (ull)range, k.size, v.size);
		} else if (util_get_be64(k.data) == range) {
			*last = util_get_be64((unsigned char *)k.data + 8);
			*term = util_get_be64(v.data);
		}
	} else if (ret != DB_NOTFOUND) {
		rc = rs_dberr(rs, e, ret, "read raft log", range);
	}
	free(k.data);
	free(v.data);
	c->close(c);
	return rc;
}

/* The term of entry index of range; *found 0 when absent. */
static int log_term_at(struct raftstore *rs, DB_TXN *t, uint64_t range,
		       uint64_t index, uint64_t *term, int *found,
		       struct err *e)
{
	unsigned char kb[RS_LOG_KEY], vb[RS_LOG_HDR];
	DBT k, v;
	int ret;

	*found = 0;
	*term = 0;
	log_key(kb, range, index);
	dbt_in(&k, kb, sizeof(kb));
	memset(&v, 0, sizeof(v));
	v.flags = DB_DBT_USERMEM | DB_DBT_PARTIAL;
	v.data = vb;
	v.ulen = sizeof(vb);
	v.dlen = sizeof(vb);
	ret = rs->log->get(rs->log, t, &k, &v, 0);
	if (ret == DB_NOTFOUND)
		return RC_OK;
	if (ret != 0)
		return rs_dberr(rs, e, ret, "read raft log", range);
	if (v.size < RS_LOG_HDR)
		return err_set(e, RC_CORRUPT, "range %llu index %llu: raft "
			       "log record of %u bytes is too short",
			       (ull)range, (ull)index, v.size);
	*term = util_get_be64(vb);
	*found = 1;
	return RC_OK;
}

/* The stored hard state; *found 0 (and zeros) when absent. */
static int hs_get(struct raftstore *rs, DB_TXN *t, uint64_t range,
		  struct raft_hard_state *hs, int *found, struct err *e)
{
	unsigned char kb[RS_STATE_KEY], vb[RS_HS_LEN];
	DBT k, v;
	int ret;

	memset(hs, 0, sizeof(*hs));
	*found = 0;
	state_key(kb, range, RAFTSTORE_KIND_HS);
	dbt_in(&k, kb, sizeof(kb));
	memset(&v, 0, sizeof(v));
	v.flags = DB_DBT_USERMEM;
	v.data = vb;
	v.ulen = sizeof(vb);
	ret = rs->state->get(rs->state, t, &k, &v, 0);
	if (ret == DB_NOTFOUND)
		return RC_OK;
	if (ret == DB_BUFFER_SMALL || (ret == 0 && v.size != RS_HS_LEN))
		return err_set(e, RC_CORRUPT, "range %llu: hard state record "
			       "of %u bytes, want %d", (ull)range, v.size,
			       RS_HS_LEN);
	if (ret != 0)
		return rs_dberr(rs, e, ret, "read hard state", range);
	hs->term = util_get_be64(vb);
	hs->vote = util_get_be64(vb + 8);
	hs->commit = util_get_be64(vb + 16);
	*found = 1;
	return RC_OK;
}

/* The stored snapshot's index and term (0, 0 when absent). */
static int snap_hdr_get(struct raftstore *rs, DB_TXN *t, uint64_t range,
			uint64_t *index, uint64_t *term, struct err *e)
{
	unsigned char kb[RS_STATE_KEY], vb[RS_SNAP_HDR];
	DBT k, v;
	int ret;

	*index = 0;
	*term = 0;
	state_key(kb, range, RAFTSTORE_KIND_SNAPSHOT);
	dbt_in(&k, kb, sizeof(kb));
	memset(&v, 0, sizeof(v));
	v.flags = DB_DBT_USERMEM | DB_DBT_PARTIAL;
	v.data = vb;
	v.ulen = sizeof(vb);
	v.dlen = sizeof(vb);
	ret = rs->state->get(rs->state, t, &k, &v, 0);
	if (ret == DB_NOTFOUND)
		return RC_OK;
	if (ret != 0)
		return rs_dberr(rs, e, ret, "read snapshot", range);
	if (v.size < RS_SNAP_HDR)
		return err_set(e, RC_CORRUPT, "range %llu: snapshot record of "
			       "%u bytes is too short", (ull)range, v.size);
	*index = util_get_be64(vb);
	*term = util_get_be64(vb + 8);
	return RC_OK;
}

/* ---- writing records -------------------------------------------------- */

static int put_rec(struct raftstore *rs, DB *db, DB_TXN *t, const void *key,
		   size_t klen, const void *val, size_t vlen, uint64_t range,
		   const char *what, struct err *e)
{
	DBT k, v;
	int ret;

	dbt_in(&k, key, klen);
	dbt_in(&v, val, vlen);
	ret = db->put(db, t, &k, &v, 0);
	if (ret != 0)
		return rs_dberr(rs, e, ret, what, range);
	return RC_OK;
}

static int del_rec(struct raftstore *rs, DB *db, DB_TXN *t, const void *key,
		   size_t klen, uint64_t range, const char *what,
		   struct err *e)
{
	DBT k;
	int ret;

	dbt_in(&k, key, klen);
	ret = db->del(db, t, &k, 0);
	if (ret != 0 && ret != DB_NOTFOUND)
		return rs_dberr(rs, e, ret, what, range);
	return RC_OK;
}

/* Delete the log entries of range with from <= index <= to. */
static int log_del_span(struct raftstore *rs, DB_TXN *t, uint64_t range,
			uint64_t from, uint64_t to, struct err *e)
{
	unsigned char kb[RS_LOG_KEY];
	DBC *c;
	DBT k, v;
	int ret, rc = RC_OK;

	if (from > to)
		return RC_OK;
	ret = rs->log->cursor(rs->log, t, &c, 0);
	if (ret != 0)
		return rs_dberr(rs, e, ret, "delete raft log", range);
	dbt_out(&k);
	dbt_out(&v);
	v.flags |= DB_DBT_PARTIAL;	/* keys only */
	k.data = malloc(RS_LOG_KEY);
	if (k.data == NULL) {
		c->close(c);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	log_key(kb, range, from);
	memcpy(k.data, kb, RS_LOG_KEY);
	k.size = RS_LOG_KEY;
	ret = c->get(c, &k, &v, DB_SET_RANGE | DB_RMW);
	while (ret == 0) {
		if (k.size < 8 || util_get_be64(k.data) != range)
			break;
		if (k.size == RS_LOG_KEY &&
		    util_get_be64((unsigned char *)k.data + 8) > to)
			break;
		ret = c->del(c, 0);
		if (ret != 0)
			break;
		ret = c->get(c, &k, &v, DB_NEXT | DB_RMW);
	}
	if (ret != 0 && ret != DB_NOTFOUND)
		rc = rs_dberr(rs, e, ret, "delete raft log", range);
	free(k.data);
	free(v.data);
	c->close(c);
	return rc;
}

static int log_put(struct raftstore *rs, DB_TXN *t, uint64_t range,
		   const struct raft_entry *en, struct err *e)
{
	unsigned char kb[RS_LOG_KEY], *vb;
	int rc;

	vb = malloc(RS_LOG_HDR + en->len);
	if (vb == NULL)
		return err_set(e, RC_NOMEM, "cannot write raft log of range "
			       "%llu: out of memory", (ull)range);
	log_key(kb, range, en->index);
	util_put_be64(vb, en->term);
	vb[8] = (unsigned char)en->type;
	if (en->len > 0)
		memcpy(vb + RS_LOG_HDR, en->data, en->len);
	rc = put_rec(rs, rs->log, t, kb, sizeof(kb), vb, RS_LOG_HDR + en->len,
		     range, "write raft log", e);
	free(vb);
	return rc;
}

static int snap_put(struct raftstore *rs, DB_TXN *t, uint64_t range,
		    const struct raft_snapshot *s, struct err *e)
{
	unsigned char kb[RS_STATE_KEY], *vb, *p;
	size_t len = RS_SNAP_HDR + s->conf.n * RS_MEMBER_LEN + s->len;
	size_t i;
	int rc;

	vb = malloc(len);
	if (vb == NULL)
		return err_set(e, RC_NOMEM, "cannot write snapshot of range "
			       "%llu: out of memory", (ull)range);
	util_put_be64(vb, s->index);
	util_put_be64(vb + 8, s->term);
	vb[16] = (unsigned char)s->conf.n;
	p = vb + RS_SNAP_HDR;
	for (i = 0; i < s->conf.n; i++) {
		util_put_be64(p, s->conf.m[i].id);
		p[8] = s->conf.m[i].learner ? 1 : 0;
		p += RS_MEMBER_LEN;
	}
	if (s->len > 0)
		memcpy(p, s->data, s->len);
	state_key(kb, range, RAFTSTORE_KIND_SNAPSHOT);
	rc = put_rec(rs, rs->state, t, kb, sizeof(kb), vb, len, range,
		     "write snapshot", e);
	free(vb);
	return rc;
}

static int hs_put(struct raftstore *rs, DB_TXN *t, uint64_t range,
		  const struct raft_hard_state *hs, struct err *e)
{
	unsigned char kb[RS_STATE_KEY], vb[RS_HS_LEN];

	state_key(kb, range, RAFTSTORE_KIND_HS);
	util_put_be64(vb, hs->term);
	util_put_be64(vb + 8, hs->vote);
	util_put_be64(vb + 16, hs->commit);
	return put_rec(rs, rs->state, t, kb, sizeof(kb), vb, sizeof(vb),
		       range, "write hard state", e);
}

/* ---- own transactions ------------------------------------------------- */

struct op {
	int (*fn)(struct raftstore *rs, struct bdb_txn *txn,
		  const struct op *o, struct err *e);
	uint64_t range;
	uint64_t index;
	const struct raft_hard_state *hs;
	const struct raft_entry *ents;
	size_t n;
	const struct raft_snapshot *snap;
	const void *data;
	size_t len;
};

/*
 * Run o in txn, or when txn is NULL in an own transaction that is synced
 * before return (retried on deadlock).
 */
static int run(struct raftstore *rs, struct bdb_txn *txn, const struct op *o,
	       struct err *e)
{
	struct bdb_txn *own;
	int rc, tries = 0;

	if (txn != NULL)
		return o->fn(rs, txn, o, e);
	do {
		rc = bdb_txn_begin(rs->env, BDB_TXN_NOSYNC, &own, e);
		if (rc != RC_OK)
			return rc;
		rc = o->fn(rs, own, o, e);
		if (rc != RC_OK) {
			bdb_txn_abort(own, NULL);
			continue;
		}
		rc = bdb_txn_commit(own, e);
		if (rc == RC_OK)
			return bdb_flush(rs->env, e);
	} while (rc == RC_CONFLICT && ++tries < RS_TRIES);
	return rc;
}

/* ---- save ------------------------------------------------------------- */

static int check_args(uint64_t range, const struct raft_hard_state *hs,
		      const struct raft_entry *ents, size_t n,
		      const struct raft_snapshot *snap, struct err *e)
{
	size_t i;

	if (n > 0 && ents == NULL)
		return err_set(e, RC_BAD_INPUT, "range %llu: %zu entries but "
			       "no array", (ull)range, n);
	for (i = 0; i < n; i++) {
		const struct raft_entry *en = &ents[i];

		if (en->index == 0 || en->term == 0 ||
		    en->term >= RAFT_TERM_MAX)
			return err_set(e, RC_BAD_INPUT, "range %llu: entry "
				       "with index %llu term %llu (both "
				       "must be > 0)", (ull)range,
				       (ull)en->index, (ull)en->term);
		if (en->type != RAFT_ENTRY_NORMAL &&
		    en->type != RAFT_ENTRY_CONF)
			return err_set(e, RC_BAD_INPUT, "range %llu index "
				       "%llu: unknown entry type %d",
				       (ull)range, (ull)en->index, en->type);
		if (en->len > 0 && en->data == NULL)
			return err_set(e, RC_BAD_INPUT, "range %llu index "
				       "%llu: entry data is NULL but its "
				       "length is %zu", (ull)range,
				       (ull)en->index, en->len);
		if (en->len > UINT32_MAX - RS_LOG_HDR)
			return err_set(e, RC_TOO_LARGE, "range %llu index "
				       "%llu: entry of %zu bytes is over the "
				       "4 GiB limit", (ull)range,
				       (ull)en->index, en->len);
		if (i > 0 && en->index != ents[i - 1].index + 1)
			return err_set(e, RC_BAD_INPUT, "range %llu: entry "
				       "index %llu follows %llu (entries must "
				       "be contiguous)", (ull)range,
				       (ull)en->index,
				       (ull)ents[i - 1].index);
		if (i > 0 && en->term < ents[i - 1].term)
			return err_set(e, RC_BAD_INPUT, "range %llu index "
				       "%llu: term %llu below the previous "
				       "entry's %llu", (ull)range,
				       (ull)en->index, (ull)en->term,
				       (ull)ents[i - 1].term);
	}
	if (snap != NULL) {
		if (snap->index == 0 || snap->term == 0 ||
		    snap->term >= RAFT_TERM_MAX)
			return err_set(e, RC_BAD_INPUT, "range %llu: snapshot "
				       "with index %llu term %llu (both must "
				       "be > 0)", (ull)range,
				       (ull)snap->index, (ull)snap->term);
		if (snap->conf.n > RAFT_MAX_NODES)
			return err_set(e, RC_BAD_INPUT, "range %llu: snapshot "
				       "with %zu members (at most %d)",
				       (ull)range, snap->conf.n,
				       RAFT_MAX_NODES);
		if (snap->len > 0 && snap->data == NULL)
			return err_set(e, RC_BAD_INPUT, "range %llu: snapshot "
				       "data is NULL but its length is %zu",
				       (ull)range, snap->len);
		if (snap->len > UINT32_MAX - RS_SNAP_HDR -
		    RAFT_MAX_NODES * RS_MEMBER_LEN)
			return err_set(e, RC_TOO_LARGE, "range %llu: snapshot "
				       "of %zu bytes is over the 4 GiB limit",
				       (ull)range, snap->len);
	}
	if (hs != NULL && hs->term >= RAFT_TERM_MAX)
		return err_set(e, RC_BAD_INPUT, "range %llu: hard state term "
			       "%llu is too large", (ull)range,
			       (ull)hs->term);
	return RC_OK;
}

static int save_op(struct raftstore *rs, struct bdb_txn *txn,
		   const struct op *o, struct err *e)
{
	DB_TXN *t = bdb_txn_handle(txn);
	const uint64_t range = o->range;
	const struct raft_snapshot *snap = o->snap;
	const struct raft_entry *ents = o->ents;
	const size_t n = o->n;
	struct raft_hard_state old_hs;
	uint64_t sidx, sterm, last, lterm, t_at, first, prevterm, effterm;
	int hs_found, found, keep = 0, rc;
	size_t i;

	/* Read what the request is checked against. */
	if ((rc = hs_get(rs, t, range, &old_hs, &hs_found, e)) != RC_OK ||
	    (rc = snap_hdr_get(rs, t, range, &sidx, &sterm, e)) != RC_OK ||
	    (rc = log_last(rs, t, range, 0, &last, &lterm, e)) != RC_OK)
		return rc;
	if (last < sidx) {
		last = sidx;
		lterm = sterm;
	}

	/* Validate, computing the state after the snapshot. */
	effterm = o->hs != NULL ? o->hs->term : old_hs.term;
	if (o->hs != NULL && hs_found && o->hs->term < old_hs.term)
		return err_set(e, RC_BAD_INPUT, "range %llu: hard state term "
			       "%llu below the stored %llu", (ull)range,
			       (ull)o->hs->term, (ull)old_hs.term);
	if (snap != NULL) {
		if (snap->index < sidx)
			return err_set(e, RC_BAD_INPUT, "range %llu: snapshot "
				       "at %llu is older than the stored one "
				       "at %llu", (ull)range,
				       (ull)snap->index, (ull)sidx);
		if (snap->term > effterm)
			return err_set(e, RC_BAD_INPUT, "range %llu: snapshot "
				       "term %llu above the hard state term "
				       "%llu", (ull)range, (ull)snap->term,
				       (ull)effterm);
		if (snap->index == sidx) {
			keep = snap->term == sterm;
		} else if (snap->index <= last) {
			rc = log_term_at(rs, t, range, snap->index, &t_at,
					 &found, e);
			if (rc != RC_OK)
				return rc;
			keep = found && t_at == snap->term;
		}
		if (!keep) {
			last = snap->index;
			lterm = snap->term;
		}
		sidx = snap->index;
		sterm = snap->term;
	}
	if (n > 0) {
		first = ents[0].index;
		if (first <= sidx)
			return err_set(e, RC_BAD_INPUT, "range %llu: entries "
				       "from %llu are at or below the "
				       "snapshot index %llu", (ull)range,
				       (ull)first,
				       (ull)sidx);
		if (first > last + 1)
			return err_set(e, RC_BAD_INPUT, "range %llu: entries "
				       "from %llu leave a gap after the last "
				       "stored index %llu", (ull)range,
				       (ull)first, (ull)last);
		if (first - 1 == sidx) {
			prevterm = sterm;
		} else if (first - 1 == last) {
			prevterm = lterm;
		} else {
			rc = log_term_at(rs, t, range, first - 1, &prevterm,
					 &found, e);
			if (rc != RC_OK)
				return rc;
			if (!found)
				return err_set(e, RC_CORRUPT, "range %llu: "
					       "raft log has no entry %llu "
					       "below its last %llu",
					       (ull)range, (ull)(first - 1),
					       (ull)last);
		}
		if (ents[0].term < prevterm)
			return err_set(e, RC_BAD_INPUT, "range %llu index "
				       "%llu: term %llu below the previous "
				       "entry's %llu", (ull)range, (ull)first,
				       (ull)ents[0].term, (ull)prevterm);
		if (ents[n - 1].term > effterm)
			return err_set(e, RC_BAD_INPUT, "range %llu index "
				       "%llu: entry term %llu above the hard "
				       "state term %llu", (ull)range,
				       (ull)ents[n - 1].index,
				       (ull)ents[n - 1].term, (ull)effterm);
	}

	/* Write: snapshot, entries, hard state (raft.h step 2a). */
	if (snap != NULL) {
		rc = log_del_span(rs, t, range, 0,
				  keep ? snap->index : UINT64_MAX, e);
		if (rc == RC_OK)
			rc = snap_put(rs, t, range, snap, e);
		if (rc != RC_OK)
			return rc;
	}
	for (i = 0; i < n; i++)
		if ((rc = log_put(rs, t, range, &ents[i], e)) != RC_OK)
			return rc;
	if (n > 0 && last > ents[n - 1].index) {
		rc = log_del_span(rs, t, range, ents[n - 1].index + 1,
				  UINT64_MAX, e);
		if (rc != RC_OK)
			return rc;
	}
	if (o->hs != NULL)
		return hs_put(rs, t, range, o->hs, e);
	return RC_OK;
}

int raftstore_save(struct raftstore *rs, struct bdb_txn *txn,
		   uint64_t range_id, const struct raft_hard_state *hs,
		   const struct raft_entry *ents, size_t n,
		   const struct raft_snapshot *snap, struct err *e)
{
	struct op o = { .fn = save_op, .range = range_id, .hs = hs,
			.ents = ents, .n = n, .snap = snap };
	int rc;

	if (rs == NULL)
		return err_set(e, RC_BAD_INPUT, "raftstore_save: no store");
	if ((rc = check_args(range_id, hs, ents, n, snap, e)) != RC_OK)
		return rc;
	return run(rs, txn, &o, e);
}

/* ---- group commit ----------------------------------------------------- */

int raftstore_batch_begin(struct raftstore *rs, struct raftstore_batch **out,
			  struct err *e)
{
	struct raftstore_batch *b;
	int rc;

	if (rs == NULL || out == NULL)
		return err_set(e, RC_BAD_INPUT, "raftstore_batch_begin: no "
			       "store");
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return err_set(e, RC_NOMEM, "cannot begin raft batch: out of "
			       "memory");
	b->rs = rs;
	rc = bdb_txn_begin(rs->env, BDB_TXN_NOSYNC, &b->txn, e);
	if (rc != RC_OK) {
		free(b);
		return rc;
	}
	*out = b;
	return RC_OK;
}

int raftstore_batch_save(struct raftstore_batch *b, uint64_t range_id,
			 const struct raft_hard_state *hs,
			 const struct raft_entry *ents, size_t n,
			 const struct raft_snapshot *snap, struct err *e)
{
	struct err my;
	int rc;

	if (b == NULL)
		return err_set(e, RC_BAD_INPUT, "raftstore_batch_save: no "
			       "batch");
	if (b->poisoned)
		return err_set(e, RC_INTERNAL, "raft batch already failed: "
			       "%s", b->why.msg);
	err_clear(&my);
	rc = raftstore_save(b->rs, b->txn, range_id, hs, ents, n, snap, &my);
	if (rc != RC_OK && rc != RC_BAD_INPUT && rc != RC_TOO_LARGE) {
		b->poisoned = 1;
		b->why = my;
	}
	if (rc != RC_OK && e != NULL)
		*e = my;
	return rc;
}

struct bdb_txn *raftstore_batch_txn(struct raftstore_batch *b)
{
	return b->txn;
}

int raftstore_batch_commit(struct raftstore_batch *b, struct err *e)
{
	struct raftstore *rs;
	int rc;

	if (b == NULL)
		return err_set(e, RC_BAD_INPUT, "raftstore_batch_commit: no "
			       "batch");
	rs = b->rs;
	if (b->poisoned) {
		bdb_txn_abort(b->txn, NULL);
		rc = err_set(e, RC_INTERNAL, "raft batch aborted after a "
			     "failed save: %s", b->why.msg);
		free(b);
		return rc;
	}
	rc = bdb_txn_commit(b->txn, e);
	free(b);
	if (rc != RC_OK)
		return rc;
	return bdb_flush(rs->env, e);
}

int raftstore_batch_abort(struct raftstore_batch *b, struct err *e)
{
	int rc;

	if (b == NULL)
		return RC_OK;
	rc = bdb_txn_abort(b->txn, e);
	free(b);
	return rc;
}

/* ---- applied index, meta, compaction, removal ------------------------- */

static int applied_op(struct raftstore *rs, struct bdb_txn *txn,
		      const struct op *o, struct err *e)
{
	DB_TXN *t = bdb_txn_handle(txn);
	unsigned char kb[8], vb[8];
	uint64_t sidx, sterm, last, lterm;
	int rc;

	/*
	 * Read committed: the apply transaction must not keep read locks on
	 * the log's pages while the Raft loop appends to them.
	 */
	if ((rc = log_last(rs, t, o->range, DB_READ_COMMITTED, &last, &lterm,
			   e)) != RC_OK)
		return rc;
	if (o->index > last) {
		if ((rc = snap_hdr_get(rs, t, o->range, &sidx, &sterm, e)) !=
		    RC_OK)
			return rc;
		if (o->index > sidx)
			return err_set(e, RC_BAD_INPUT, "range %llu: applied "
				       "index %llu is past the last stored "
				       "index %llu", (ull)o->range,
				       (ull)o->index,
				       (ull)(last > sidx ? last : sidx));
	}
	util_put_be64(kb, o->range);
	util_put_be64(vb, o->index);
	return put_rec(rs, rs->applied, t, kb, sizeof(kb), vb, sizeof(vb),
		       o->range, "write applied index", e);
}

int raftstore_set_applied(struct raftstore *rs, struct bdb_txn *txn,
			  uint64_t range_id, uint64_t index, struct err *e)
{
	struct op o = { .fn = applied_op, .range = range_id, .index = index };

	if (rs == NULL)
		return err_set(e, RC_BAD_INPUT, "raftstore_set_applied: no "
			       "store");
	return run(rs, txn, &o, e);
}

static int meta_op(struct raftstore *rs, struct bdb_txn *txn,
		   const struct op *o, struct err *e)
{
	unsigned char kb[RS_STATE_KEY];

	state_key(kb, o->range, RAFTSTORE_KIND_META);
	return put_rec(rs, rs->state, bdb_txn_handle(txn), kb, sizeof(kb),
		       o->data, o->len, o->range, "write range meta", e);
}

int raftstore_set_meta(struct raftstore *rs, struct bdb_txn *txn,
		       uint64_t range_id, const void *data, size_t len,
		       struct err *e)
{
	struct op o = { .fn = meta_op, .range = range_id, .data = data,
			.len = len };

	if (rs == NULL)
		return err_set(e, RC_BAD_INPUT, "raftstore_set_meta: no "
			       "store");
	if (len > 0 && data == NULL)
		return err_set(e, RC_BAD_INPUT, "range %llu: meta is NULL but "
			       "its length is %zu", (ull)range_id, len);
	if (len > RAFTSTORE_META_MAX)
		return err_set(e, RC_TOO_LARGE, "range %llu: meta of %zu "
			       "bytes is over the limit of %u",
			       (ull)range_id, len, RAFTSTORE_META_MAX);
	return run(rs, txn, &o, e);
}

static int compact_op(struct raftstore *rs, struct bdb_txn *txn,
		      const struct op *o, struct err *e)
{
	DB_TXN *t = bdb_txn_handle(txn);
	uint64_t sidx, sterm;
	int rc;

	if ((rc = snap_hdr_get(rs, t, o->range, &sidx, &sterm, e)) != RC_OK)
		return rc;
	if (o->index > sidx)
		return err_set(e, RC_BAD_INPUT, "range %llu: cannot compact "
			       "to %llu past the snapshot index %llu",
			       (ull)o->range, (ull)o->index, (ull)sidx);
	return log_del_span(rs, t, o->range, 0, o->index, e);
}

int raftstore_compact(struct raftstore *rs, struct bdb_txn *txn,
		      uint64_t range_id, uint64_t upto, struct err *e)
{
	struct op o = { .fn = compact_op, .range = range_id, .index = upto };

	if (rs == NULL)
		return err_set(e, RC_BAD_INPUT, "raftstore_compact: no store");
	return run(rs, txn, &o, e);
}

static int delete_op(struct raftstore *rs, struct bdb_txn *txn,
		     const struct op *o, struct err *e)
{
	DB_TXN *t = bdb_txn_handle(txn);
	unsigned char kb[RS_STATE_KEY];
	int kind, rc;

	rc = log_del_span(rs, t, o->range, 0, UINT64_MAX, e);
	for (kind = RAFTSTORE_KIND_HS; rc == RC_OK &&
	     kind <= RAFTSTORE_KIND_META; kind++) {
		state_key(kb, o->range, kind);
		rc = del_rec(rs, rs->state, t, kb, sizeof(kb), o->range,
			     "delete state", e);
	}
	if (rc == RC_OK) {
		util_put_be64(kb, o->range);
		rc = del_rec(rs, rs->applied, t, kb, 8, o->range,
			     "delete applied index", e);
	}
	return rc;
}

int raftstore_delete_range(struct raftstore *rs, struct bdb_txn *txn,
			   uint64_t range_id, struct err *e)
{
	struct op o = { .fn = delete_op, .range = range_id };

	if (rs == NULL)
		return err_set(e, RC_BAD_INPUT, "raftstore_delete_range: no "
			       "store");
	return run(rs, txn, &o, e);
}

/* ---- loading ---------------------------------------------------------- */

void raftstore_state_release(struct raftstore_state *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->n; i++)
		free(st->ents[i].data);
	free(st->ents);
	free(st->snap.data);
	free(st->meta);
	memset(st, 0, sizeof(*st));
}

/* A malloc'd copy of p[0..n); NULL for n 0. */
static int dup_bytes(const void *p, size_t n, void **out)
{
	*out = NULL;
	if (n == 0)
		return RC_OK;
	*out = malloc(n);
	if (*out == NULL)
		return RC_NOMEM;
	memcpy(*out, p, n);
	return RC_OK;
}

static int load_snap(struct raftstore *rs, DB_TXN *t, uint64_t range,
		     struct raftstore_state *st, struct err *e)
{
	unsigned char kb[RS_STATE_KEY];
	const unsigned char *p;
	DBT k, v;
	size_t i, nm;
	int ret, rc = RC_OK;

	state_key(kb, range, RAFTSTORE_KIND_SNAPSHOT);
	dbt_in(&k, kb, sizeof(kb));
	dbt_out(&v);
	ret = rs->state->get(rs->state, t, &k, &v, 0);
	if (ret == DB_NOTFOUND)
		return RC_OK;
	if (ret != 0)
		return rs_dberr(rs, e, ret, "read snapshot", range);
	p = v.data;
	nm = v.size >= RS_SNAP_HDR ? p[16] : 0;
	if (v.size < RS_SNAP_HDR || nm > RAFT_MAX_NODES ||
	    v.size < RS_SNAP_HDR + nm * RS_MEMBER_LEN) {
		rc = err_set(e, RC_CORRUPT, "range %llu: snapshot record of "
			     "%u bytes is malformed", (ull)range, v.size);
		goto out;
	}
	st->has_snapshot = 1;
	st->snap.index = util_get_be64(p);
	st->snap.term = util_get_be64(p + 8);
	st->snap.conf.n = nm;
	for (i = 0; i < nm; i++) {
		const unsigned char *m = p + RS_SNAP_HDR + i * RS_MEMBER_LEN;

		st->snap.conf.m[i].id = util_get_be64(m);
		st->snap.conf.m[i].learner = m[8] != 0;
	}
	st->snap.len = v.size - RS_SNAP_HDR - nm * RS_MEMBER_LEN;
	if (dup_bytes(p + RS_SNAP_HDR + nm * RS_MEMBER_LEN, st->snap.len,
		      &st->snap.data) != RC_OK)
		rc = err_set(e, RC_NOMEM, "cannot load snapshot of range "
			     "%llu: out of memory", (ull)range);
out:
	free(v.data);
	return rc;
}

static int load_small(struct raftstore *rs, DB_TXN *t, uint64_t range,
		      struct raftstore_state *st, struct err *e)
{
	unsigned char kb[RS_STATE_KEY];
	DBT k, v;
	int ret, rc = RC_OK;

	util_put_be64(kb, range);
	dbt_in(&k, kb, 8);
	dbt_out(&v);
	ret = rs->applied->get(rs->applied, t, &k, &v, 0);
	if (ret == 0 && v.size != 8)
		rc = err_set(e, RC_CORRUPT, "range %llu: applied index record "
			     "of %u bytes, want 8", (ull)range, v.size);
	else if (ret == 0)
		st->applied = util_get_be64(v.data);
	else if (ret != DB_NOTFOUND)
		rc = rs_dberr(rs, e, ret, "read applied index", range);
	if (rc != RC_OK)
		goto out;

	state_key(kb, range, RAFTSTORE_KIND_META);
	dbt_in(&k, kb, sizeof(kb));
	ret = rs->state->get(rs->state, t, &k, &v, 0);
	if (ret == 0) {
		st->meta_len = v.size;
		if (dup_bytes(v.data, v.size, &st->meta) != RC_OK)
			rc = err_set(e, RC_NOMEM, "cannot load meta of range "
				     "%llu: out of memory", (ull)range);
	} else if (ret != DB_NOTFOUND) {
		rc = rs_dberr(rs, e, ret, "read range meta", range);
	}
out:
	free(v.data);
	return rc;
}

static int load_log(struct raftstore *rs, DB_TXN *t, uint64_t range,
		    struct raftstore_state *st, struct err *e)
{
	unsigned char kb[RS_LOG_KEY];
	uint64_t expect = st->snap.index + 1;
	uint64_t prevterm = st->snap.term;
	size_t cap = 0;
	DBC *c;
	DBT k, v;
	int ret, rc = RC_OK;

	ret = rs->log->cursor(rs->log, t, &c, 0);
	if (ret != 0)
		return rs_dberr(rs, e, ret, "read raft log", range);
	dbt_out(&k);
	dbt_out(&v);
	k.data = malloc(RS_LOG_KEY);
	if (k.data == NULL) {
		c->close(c);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	log_key(kb, range, expect);
	memcpy(k.data, kb, RS_LOG_KEY);
	k.size = RS_LOG_KEY;
	for (ret = c->get(c, &k, &v, DB_SET_RANGE); ret == 0;
	     ret = c->get(c, &k, &v, DB_NEXT)) {
		const unsigned char *p = v.data;
		struct raft_entry *en;
		uint64_t idx;

		if (k.size < 8 || util_get_be64(k.data) != range)
			break;
		if (k.size != RS_LOG_KEY) {
			rc = err_set(e, RC_CORRUPT, "range %llu: raft log key "
				     "of %u bytes after index %llu",
				     (ull)range, k.size, (ull)(expect - 1));
			break;
		}
		idx = util_get_be64((unsigned char *)k.data + 8);
		if (idx != expect) {
			rc = err_set(e, RC_CORRUPT, "range %llu index %llu: "
				     "raft log has a hole (expected index "
				     "%llu)", (ull)range, (ull)idx,
				     (ull)expect);
			break;
		}
		if (v.size < RS_LOG_HDR || p[8] > RAFT_ENTRY_CONF ||
		    util_get_be64(p) < prevterm || util_get_be64(p) == 0) {
			rc = err_set(e, RC_CORRUPT, "range %llu index %llu: "
				     "malformed raft log record (%u bytes)",
				     (ull)range, (ull)idx, v.size);
			break;
		}
		if (st->n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			void *np = realloc(st->ents, ncap * sizeof(*st->ents));

			if (np == NULL) {
				rc = err_set(e, RC_NOMEM, "cannot load raft "
					     "log of range %llu: out of "
					     "memory", (ull)range);
				break;
			}
			st->ents = np;
			cap = ncap;
		}
		en = &st->ents[st->n];
		memset(en, 0, sizeof(*en));
		en->index = idx;
		en->term = util_get_be64(p);
		en->type = p[8];
		en->len = v.size - RS_LOG_HDR;
		if (dup_bytes(p + RS_LOG_HDR, en->len, &en->data) != RC_OK) {
			rc = err_set(e, RC_NOMEM, "cannot load raft log of "
				     "range %llu: out of memory", (ull)range);
			break;
		}
		st->n++;
		prevterm = en->term;
		expect++;
	}
	if (rc == RC_OK && ret != 0 && ret != DB_NOTFOUND)
		rc = rs_dberr(rs, e, ret, "read raft log", range);
	free(k.data);
	free(v.data);
	c->close(c);
	return rc;
}

int raftstore_load(struct raftstore *rs, uint64_t range_id,
		   struct raftstore_state *st, struct err *e)
{
	struct bdb_txn *txn;
	int found, rc, tries = 0;

	if (rs == NULL || st == NULL)
		return err_set(e, RC_BAD_INPUT, "raftstore_load: no store");
	memset(st, 0, sizeof(*st));
	do {
		raftstore_state_release(st);
		rc = bdb_txn_begin(rs->env, 0, &txn, e);
		if (rc != RC_OK)
			return rc;
		rc = hs_get(rs, bdb_txn_handle(txn), range_id, &st->hs,
			    &found, e);
		if (rc == RC_OK)
			rc = load_snap(rs, bdb_txn_handle(txn), range_id, st,
				       e);
		if (rc == RC_OK)
			rc = load_small(rs, bdb_txn_handle(txn), range_id, st,
					e);
		if (rc == RC_OK)
			rc = load_log(rs, bdb_txn_handle(txn), range_id, st,
				      e);
		bdb_txn_abort(txn, NULL);	/* read only */
	} while (rc == RC_CONFLICT && ++tries < RS_TRIES);
	return rc;
}

int raftstore_last_index(struct raftstore *rs, struct bdb_txn *txn,
			 uint64_t range_id, uint64_t *last, struct err *e)
{
	uint64_t l, lt, s, stm;
	int rc;

	if (rs == NULL || last == NULL)
		return err_set(e, RC_BAD_INPUT, "raftstore_last_index: no "
			       "store");
	rc = log_last(rs, bdb_txn_handle(txn), range_id, 0, &l, &lt, e);
	if (rc == RC_OK)
		rc = snap_hdr_get(rs, bdb_txn_handle(txn), range_id, &s, &stm,
				  e);
	if (rc == RC_OK)
		*last = l > s ? l : s;
	return rc;
}

/* ---- listing ---------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Append the distinct range ids of db (keys start with BE64(range)). */
static int list_db(struct raftstore *rs, DB *db, uint64_t **ids,
		   size_t *n, size_t *cap, struct err *e)
{
	DBC *c;
	DBT k, v;
	uint64_t id;
	int ret, rc = RC_OK;

	ret = db->cursor(db, NULL, &c, 0);
	if (ret != 0)
		return bdb_err(e, ret, "cannot list ranges in '%s'",
			       bdb_path(rs->env));
	dbt_out(&k);
	dbt_out(&v);
	v.flags |= DB_DBT_PARTIAL;	/* keys only */
	ret = c->get(c, &k, &v, DB_FIRST);
	while (ret == 0) {
		if (k.size < 8) {
			rc = err_set(e, RC_CORRUPT, "raft store key of %u "
				     "bytes in '%s'", k.size,
				     bdb_path(rs->env));
			break;
		}
		id = util_get_be64(k.data);
		if (*n == *cap) {
			size_t ncap = *cap ? *cap * 2 : 16;
			void *np = realloc(*ids, ncap * sizeof(**ids));

			if (np == NULL) {
				rc = err_set(e, RC_NOMEM, "cannot list "
					     "ranges: out of memory");
				break;
			}
			*ids = np;
			*cap = ncap;
		}
		(*ids)[(*n)++] = id;
		if (id == UINT64_MAX)
			break;
		/* Seek past every record of this range (k holds >= 8). */
		util_put_be64(k.data, id + 1);
		k.size = 8;
		ret = c->get(c, &k, &v, DB_SET_RANGE);
	}
	if (rc == RC_OK && ret != 0 && ret != DB_NOTFOUND)
		rc = bdb_err(e, ret, "cannot list ranges in '%s'",
			     bdb_path(rs->env));
	free(k.data);
	free(v.data);
	c->close(c);
	return rc;
}

int raftstore_list_ranges(struct raftstore *rs, uint64_t **ids, size_t *n,
			  struct err *e)
{
	uint64_t *a = NULL;
	size_t na = 0, cap = 0, i, j;
	int rc;

	if (rs == NULL || ids == NULL || n == NULL)
		return err_set(e, RC_BAD_INPUT, "raftstore_list_ranges: no "
			       "store");
	*ids = NULL;
	*n = 0;
	rc = list_db(rs, rs->state, &a, &na, &cap, e);
	if (rc == RC_OK)
		rc = list_db(rs, rs->log, &a, &na, &cap, e);
	if (rc == RC_OK)
		rc = list_db(rs, rs->applied, &a, &na, &cap, e);
	if (rc != RC_OK) {
		free(a);
		return rc;
	}
	if (na > 0)
		qsort(a, na, sizeof(*a), cmp_u64);
	for (i = j = 0; i < na; i++)
		if (j == 0 || a[j - 1] != a[i])
			a[j++] = a[i];
	if (j == 0) {
		free(a);
		a = NULL;
	}
	*ids = a;
	*n = j;
	return RC_OK;
}
