/*
 * sqlddl.c -- schema statements and the SHOW statements (see sqlddl.h).
 *
 * Names follow PostgreSQL: a primary key index is "<table>_pkey", a
 * UNIQUE column constraint "<table>_<cols>_key", an unnamed CREATE INDEX
 * "<table>_<cols>_idx" (made unique with a number when taken).  Index
 * names are unique within a database, like relation names.
 */
#include "sqlddl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "keys.h"
#include "sqlexec.h"
#include "sqlparse.h"
#include "sqlplan.h"
#include "sqlrow.h"

#define SQLSTATE_DUP_DATABASE	"42P04"
#define SQLSTATE_UNDEF_DATABASE	"3D000"
#define SQLSTATE_MULTI_PK	"42P16"
#define SQLSTATE_DEPENDENT	"2BP01"
#define SQLSTATE_BAD_PARAM	"22023"

int sqlddl_handles(const struct sql_stmt *st)
{
	switch (st->kind) {
	case SQL_STMT_CREATE_TABLE:
	case SQL_STMT_CREATE_INDEX:
	case SQL_STMT_CREATE_VIEW:
	case SQL_STMT_CREATE_DATABASE:
	case SQL_STMT_DROP_TABLE:
	case SQL_STMT_DROP_VIEW:
	case SQL_STMT_DROP_INDEX:
	case SQL_STMT_DROP_DATABASE:
	case SQL_STMT_TRUNCATE:
		return 1;
	case SQL_STMT_SHOW:
		return st->u.show->what != SQL_SHOW_VAR;
	default:
		return 0;
	}
}

/* ---- helpers -------------------------------------------------------------- */

static int kverr(const struct err *ke, struct sqlerr *e)
{
	return sqlctx_kv_error(ke, e);
}

static int check_name(const char *name, int pos, struct sqlerr *e)
{
	if (strlen(name) > SQLCAT_NAME_MAX)
		return sqlerr_set(e, SQLSTATE_PROG_LIMIT, pos, "name \"%.40s"
				  "...\" is longer than %d bytes", name,
				  SQLCAT_NAME_MAX);
	return 0;
}

/* The database a name lives in: its own qualifier or the session's. */
static int resolve_db(struct sqlctx *ctx, const struct sql_name *n,
		      int64_t *db, struct sqlerr *e)
{
	const struct sqlcat_desc *d;

	if (n->db == NULL) {
		if (ctx->db_id == 0)
			return sqlerr_set(e, SQLSTATE_UNDEF_DATABASE, n->pos,
					  "database \"%s\" does not exist",
					  ctx->db_name);
		*db = ctx->db_id;
		return 0;
	}
	if ((d = sqlcat_db(ctx->cat, n->db)) == NULL)
		return sqlerr_set(e, SQLSTATE_UNDEF_DATABASE, n->pos,
				  "database \"%s\" does not exist", n->db);
	*db = d->id;
	return 0;
}

/* Store d and reload the catalog so later statements see it. */
static int put_desc(struct sqlctx *ctx, struct sqlcat_desc *d,
		    struct sqlerr *e)
{
	struct err ke;

	if (sqlcat_put(ctx->kv, d, &ke) != RC_OK)
		return kverr(&ke, e);
	return sqlctx_reload_catalog(ctx, e);
}

static int del_desc(struct sqlctx *ctx, const struct sqlcat_desc *d,
		    struct sqlerr *e)
{
	struct err ke;

	if (sqlcat_delete(ctx->kv, d, &ke) != RC_OK)
		return kverr(&ke, e);
	return 0;
}

/* Delete every key of [start, end) in the transaction. */
static int delete_span(struct sqlctx *ctx, const struct keys_buf *s,
		       const struct keys_buf *end, struct sqlerr *e)
{
	struct keys_buf start;
	struct err ke;
	int rc = 0;

	keys_buf_init(&start);
	if (keys_buf_append(&start, s->p, s->len, &ke) != RC_OK)
		return kverr(&ke, e);
	for (;;) {
		struct sqlkv_page pg;

		if (sqlkv_scan(ctx->kv, start.p, start.len, end->p, end->len,
			       1000, &pg, &ke) != RC_OK) {
			rc = kverr(&ke, e);
			break;
		}
		for (size_t i = 0; rc == 0 && i < pg.n; i++)
			if (sqlkv_del(ctx->kv, pg.items[i].key,
				      pg.items[i].klen, &ke) != RC_OK)
				rc = kverr(&ke, e);
		if (rc == 0 && pg.more) {
			keys_buf_reset(&start);
			if (keys_buf_append(&start, pg.resume, pg.resume_len,
					    &ke) != RC_OK)
				rc = kverr(&ke, e);
		}
		if (rc != 0 || !pg.more) {
			sqlkv_page_release(&pg);
			break;
		}
		sqlkv_page_release(&pg);
	}
	keys_buf_release(&start);
	return rc;
}

/* Every key of table t: /t/<id>. */
static int delete_table_data(struct sqlctx *ctx, int64_t id,
			     struct sqlerr *e)
{
	struct keys_buf s, end;
	struct keys_val v = keys_int(id);
	struct err ke;
	int rc = 0;

	keys_buf_init(&s);
	keys_buf_init(&end);
	if (keys_encode_key(&s, KEYS_PREFIX_TABLE, &v, 1, &ke) != RC_OK ||
	    keys_prefix_end(s.p, s.len, &end, &ke) != RC_OK)
		rc = kverr(&ke, e);
	if (rc == 0)
		rc = delete_span(ctx, &s, &end, e);
	keys_buf_release(&s);
	keys_buf_release(&end);
	return rc;
}

static int delete_index_data(struct sqlctx *ctx, const struct sqlcat_desc *d,
			     const struct sqlcat_index *ix, struct sqlerr *e)
{
	struct keys_buf s, end;
	int rc;

	keys_buf_init(&s);
	keys_buf_init(&end);
	rc = sqlrow_span(d, ix, NULL, 0, &s, &end, e);
	if (rc == 0)
		rc = delete_span(ctx, &s, &end, e);
	keys_buf_release(&s);
	keys_buf_release(&end);
	return rc;
}

/* A copy of d (shallow for the immutable parts) with room for edits. */
static int desc_clone(struct arena *a, const struct sqlcat_desc *d,
		      struct sqlcat_desc *out, size_t extra_idx,
		      struct sqlerr *e)
{
	*out = *d;
	out->idx = arena_alloc(a, (d->nidx + extra_idx + 1) *
			       sizeof(*out->idx));
	if (out->idx == NULL)
		return sqlerr_nomem(e);
	if (d->nidx > 0)
		memcpy(out->idx, d->idx, d->nidx * sizeof(*d->idx));
	return 0;
}

/* Is name taken by a relation or an index of database db? */
static int name_taken(const struct sqlcat_snap *cat, int64_t db,
		      const char *name)
{
	return sqlcat_rel(cat, db, name) != NULL ||
		sqlcat_index_owner(cat, db, name) != NULL;
}

/* "<base>_<cols>_<suffix>", with a number added until it is free. */
static const char *index_name(struct sqlctx *ctx, int64_t db,
			      const char *table, const char *const *cols,
			      size_t ncols, const char *suffix,
			      const char *const *also, size_t nalso)
{
	char buf[SQLCAT_NAME_MAX + 1], base[SQLCAT_NAME_MAX + 1];
	size_t len;

	len = (size_t)snprintf(base, sizeof(base), "%s", table);
	for (size_t i = 0; i < ncols && len < sizeof(base); i++)
		len += (size_t)snprintf(base + len, sizeof(base) - len, "_%s",
					cols[i]);
	for (int n = 0; n < 1000; n++) {
		int clash = 0;

		if (n == 0)
			snprintf(buf, sizeof(buf), "%.*s_%s",
				 (int)(SQLCAT_NAME_MAX - strlen(suffix) - 1),
				 base, suffix);
		else
			snprintf(buf, sizeof(buf), "%.*s_%s%d",
				 (int)(SQLCAT_NAME_MAX - strlen(suffix) - 5),
				 base, suffix, n);
		for (size_t i = 0; i < nalso; i++)
			if (also[i] != NULL && strcmp(also[i], buf) == 0)
				clash = 1;
		if (!clash && !name_taken(ctx->cat, db, buf))
			return arena_strndup(ctx->a, buf, strlen(buf));
	}
	return NULL;
}

/* ---- CREATE / DROP DATABASE ------------------------------------------------ */

static int create_database(struct sqlctx *ctx,
			   const struct sql_create_database *c,
			   struct sqlres *res, struct sqlerr *e)
{
	struct sqlcat_desc d;

	if (check_name(c->name, c->name_pos, e) != 0)
		return -1;
	sqlres_set_tag(res, "CREATE DATABASE");
	if (sqlcat_db(ctx->cat, c->name) != NULL) {
		if (c->if_not_exists)
			return 0;
		return sqlerr_set(e, SQLSTATE_DUP_DATABASE, c->name_pos,
				  "database \"%s\" already exists", c->name);
	}
	memset(&d, 0, sizeof(d));
	d.kind = SQLCAT_DATABASE;
	d.name = c->name;
	return put_desc(ctx, &d, e);
}

static int drop_relation_data(struct sqlctx *ctx,
			      const struct sqlcat_desc *d, struct sqlerr *e)
{
	if (d->kind == SQLCAT_TABLE && delete_table_data(ctx, d->id, e) != 0)
		return -1;
	return del_desc(ctx, d, e);
}

static int drop_database(struct sqlctx *ctx, const struct sql_drop *dr,
			 struct sqlres *res, struct sqlerr *e)
{
	const struct sql_name *n = dr->names[0];
	const struct sqlcat_desc *db = sqlcat_db(ctx->cat, n->name);
	const struct sqlcat_desc **rels;
	size_t nrels;

	sqlres_set_tag(res, "DROP DATABASE");
	if (db == NULL) {
		if (dr->if_exists)
			return 0;
		return sqlerr_set(e, SQLSTATE_UNDEF_DATABASE, n->pos,
				  "database \"%s\" does not exist", n->name);
	}
	rels = sqlcat_rels(ctx->cat, db->id, &nrels);
	if (nrels > 0 && dr->behavior == SQL_DROP_RESTRICT)
		return sqlerr_set(e, SQLSTATE_DEPENDENT, n->pos, "database "
				  "\"%s\" is not empty and RESTRICT was "
				  "given", n->name);
	for (size_t i = 0; i < nrels; i++)
		if (drop_relation_data(ctx, rels[i], e) != 0)
			return -1;
	if (del_desc(ctx, db, e) != 0)
		return -1;
	return sqlctx_reload_catalog(ctx, e);
}

/* ---- CREATE TABLE ---------------------------------------------------------- */

static struct sql_type type_of(const struct sql_typename *tn)
{
	static const enum sql_type_kind map[] = {
		[SQL_TYPENAME_INT2] = SQL_TYPE_INT2,
		[SQL_TYPENAME_INT4] = SQL_TYPE_INT4,
		[SQL_TYPENAME_INT8] = SQL_TYPE_INT8,
		[SQL_TYPENAME_FLOAT4] = SQL_TYPE_FLOAT4,
		[SQL_TYPENAME_FLOAT8] = SQL_TYPE_FLOAT8,
		[SQL_TYPENAME_DECIMAL] = SQL_TYPE_DECIMAL,
		[SQL_TYPENAME_TEXT] = SQL_TYPE_TEXT,
		[SQL_TYPENAME_VARCHAR] = SQL_TYPE_VARCHAR,
		[SQL_TYPENAME_CHAR] = SQL_TYPE_CHAR,
		[SQL_TYPENAME_BOOL] = SQL_TYPE_BOOL,
		[SQL_TYPENAME_BYTES] = SQL_TYPE_BYTES,
		[SQL_TYPENAME_TIMESTAMP] = SQL_TYPE_TIMESTAMP,
		[SQL_TYPENAME_DATE] = SQL_TYPE_DATE,
	};
	struct sql_type t = sqlval_type(map[tn->kind]);

	t.width = tn->width;
	t.precision = tn->precision;
	t.scale = tn->scale;
	return t;
}

/* Column ids of the named columns (in order) into an arena array. */
static int col_ids(struct sqlctx *ctx, const struct sqlcat_desc *d,
		   struct sql_ident *const *names, size_t n, int **out,
		   struct sqlerr *e)
{
	int *ids = arena_alloc(ctx->a, (n + 1) * sizeof(int));

	if (ids == NULL)
		return sqlerr_nomem(e);
	for (size_t i = 0; i < n; i++) {
		const struct sqlcat_column *c = sqlcat_col(d, names[i]->name);

		if (c == NULL || c->hidden)
			return sqlerr_set(e, SQLSTATE_UNDEF_COLUMN,
					  names[i]->pos, "column \"%s\" named "
					  "in key does not exist",
					  names[i]->name);
		for (size_t j = 0; j < i; j++)
			if (ids[j] == c->id)
				return sqlerr_set(e, SQLSTATE_DUP_COLUMN,
						  names[i]->pos, "column "
						  "\"%s\" appears twice in "
						  "the key", c->name);
		ids[i] = c->id;
	}
	*out = ids;
	return 0;
}

/* The constraint lists of a table definition, flattened. */
struct tdef {
	const struct sql_constraint *pk;
	struct sql_ident **pk_cols;	/* for a column PK: that column */
	size_t npk;
	struct sql_ident *colident;	/* storage for column-level PKs */
};

static int add_unique(struct sqlctx *ctx, struct sqlcat_desc *d,
		      int64_t db, const struct sql_constraint *c,
		      struct sql_ident *const *cols, size_t ncols,
		      struct sqlerr *e)
{
	struct sqlcat_index *x = &d->idx[d->nidx];
	const char **names, **also;

	memset(x, 0, sizeof(*x));
	if (col_ids(ctx, d, cols, ncols, &x->cols, e) != 0)
		return -1;
	x->ncols = ncols;
	x->unique = 1;
	x->id = d->next_idx_id++;
	if ((x->desc = arena_alloc(ctx->a, ncols + 1)) == NULL)
		return sqlerr_nomem(e);
	if (c->name != NULL) {
		if (check_name(c->name, c->pos, e) != 0)
			return -1;
		x->name = c->name;
	} else {
		names = arena_alloc(ctx->a, (ncols + 1) * sizeof(char *));
		also = arena_alloc(ctx->a, (d->nidx + 2) * sizeof(char *));
		if (names == NULL || also == NULL)
			return sqlerr_nomem(e);
		for (size_t i = 0; i < ncols; i++)
			names[i] = cols[i]->name;
		for (size_t i = 0; i < d->nidx; i++)
			also[i] = d->idx[i].name;
		also[d->nidx] = d->primary.name;
		x->name = index_name(ctx, db, d->name, names, ncols, "key",
				     also, d->nidx + 1);
		if (x->name == NULL)
			return sqlerr_nomem(e);
	}
	for (size_t i = 0; i < d->nidx; i++)
		if (strcmp(d->idx[i].name, x->name) == 0)
			return sqlerr_set(e, SQLSTATE_DUP_TABLE, c->pos,
					  "relation \"%s\" already exists",
					  x->name);
	if (name_taken(ctx->cat, db, x->name) ||
	    strcmp(x->name, d->name) == 0)
		return sqlerr_set(e, SQLSTATE_DUP_TABLE, c->pos, "relation "
				  "\"%s\" already exists", x->name);
	d->nidx++;
	return 0;
}

static int build_columns(struct sqlctx *ctx, const struct sql_create_table *ct,
			 struct sqlcat_desc *d, struct sqlerr *e)
{
	d->cols = arena_alloc(ctx->a, (ct->ncolumns + 2) * sizeof(*d->cols));
	if (d->cols == NULL)
		return sqlerr_nomem(e);
	for (size_t i = 0; i < ct->ncolumns; i++) {
		const struct sql_coldef *cd = ct->columns[i];
		struct sqlcat_column *c = &d->cols[i];

		if (check_name(cd->name, cd->pos, e) != 0)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (strcmp(d->cols[j].name, cd->name) == 0)
				return sqlerr_set(e, SQLSTATE_DUP_COLUMN,
						  cd->pos, "column \"%s\" "
						  "specified more than once",
						  cd->name);
		c->id = (int)i + 1;
		c->name = cd->name;
		c->type = type_of(&cd->type);
		if (sqlval_type_check(&c->type, cd->type.pos, e) != 0)
			return -1;
		c->nullable = !cd->not_null;
		if (cd->default_ != NULL) {
			const char *sql = sqlast_expr_to_sql(ctx->a,
							     cd->default_);
			struct sql_expr *x;

			if (sql == NULL)
				return sqlerr_nomem(e);
			/* what is stored must read back, and fit the column
			   (DEFAULT 'abc' on an INT is 22P02 now, as in
			   PostgreSQL, not at the first INSERT) */
			if (sqlparse_expr(ctx->a, sql, strlen(sql), &x, e) != 0 ||
			    sqlplan_check_default(ctx, cd->default_, &c->type,
						  c->name, e) != 0)
				return -1;
			c->default_sql = sql;
		}
	}
	d->ncols = ct->ncolumns;
	d->next_col_id = (int)ct->ncolumns + 1;
	return 0;
}

/* Primary key from a column constraint or a table constraint. */
static int find_pk(const struct sql_create_table *ct, struct tdef *td,
		   struct sqlerr *e)
{
	for (size_t i = 0; i < ct->ncolumns; i++) {
		const struct sql_coldef *cd = ct->columns[i];

		for (size_t k = 0; k < cd->nconstraints; k++) {
			const struct sql_constraint *c = cd->constraints[k];

			if (c->kind != SQL_CONSTRAINT_PRIMARY_KEY)
				continue;
			if (td->pk != NULL)
				goto multi;
			td->pk = c;
			td->colident->pos = cd->pos;
			td->colident->name = cd->name;
			td->pk_cols = &td->colident;
			td->npk = 1;
		}
	}
	for (size_t k = 0; k < ct->nconstraints; k++) {
		const struct sql_constraint *c = ct->constraints[k];

		if (c->kind != SQL_CONSTRAINT_PRIMARY_KEY)
			continue;
		if (td->pk != NULL)
			goto multi;
		td->pk = c;
		td->pk_cols = c->columns;
		td->npk = c->ncolumns;
	}
	return 0;
multi:
	return sqlerr_set(e, SQLSTATE_MULTI_PK, ct->table.pos, "multiple "
			  "primary keys for table \"%s\" are not allowed",
			  ct->table.name);
}

static int no_check(const struct sql_constraint *c, struct sqlerr *e)
{
	if (c->kind == SQL_CONSTRAINT_CHECK)
		return sqlerr_set(e, SQLSTATE_FEATURE, c->pos, "CHECK "
				  "constraints are not supported");
	return 0;
}

static int create_table(struct sqlctx *ctx, const struct sql_create_table *ct,
			struct sqlres *res, struct sqlerr *e)
{
	struct sqlcat_desc d;
	struct tdef td;
	struct sql_ident pkident;
	size_t nuniq = 0;
	int64_t db;

	sqlres_set_tag(res, "CREATE TABLE");
	if (resolve_db(ctx, &ct->table, &db, e) != 0 ||
	    check_name(ct->table.name, ct->table.pos, e) != 0)
		return -1;
	if (sqlcat_rel(ctx->cat, db, ct->table.name) != NULL ||
	    sqlcat_index_owner(ctx->cat, db, ct->table.name) != NULL) {
		if (ct->if_not_exists)
			return 0;
		return sqlerr_set(e, SQLSTATE_DUP_TABLE, ct->table.pos,
				  "relation \"%s\" already exists",
				  ct->table.name);
	}
	if (ct->as_query != NULL)
		return sqlerr_set(e, SQLSTATE_FEATURE, ct->table.pos, "CREATE "
				  "TABLE ... AS is not supported yet; create "
				  "the table, then INSERT ... SELECT");
	memset(&d, 0, sizeof(d));
	memset(&td, 0, sizeof(td));
	td.colident = &pkident;
	d.kind = SQLCAT_TABLE;
	d.parent = db;
	d.name = ct->table.name;
	if (build_columns(ctx, ct, &d, e) != 0 || find_pk(ct, &td, e) != 0)
		return -1;
	for (size_t i = 0; i < ct->ncolumns; i++)
		for (size_t k = 0; k < ct->columns[i]->nconstraints; k++) {
			const struct sql_constraint *c =
				ct->columns[i]->constraints[k];

			if (no_check(c, e) != 0)
				return -1;
			nuniq += c->kind == SQL_CONSTRAINT_UNIQUE;
		}
	for (size_t k = 0; k < ct->nconstraints; k++) {
		if (no_check(ct->constraints[k], e) != 0)
			return -1;
		nuniq += ct->constraints[k]->kind == SQL_CONSTRAINT_UNIQUE;
	}
	/* The primary key: declared, or a hidden rowid. */
	d.primary.id = SQLCAT_PRIMARY_INDEX;
	d.primary.unique = 1;
	d.next_idx_id = SQLCAT_PRIMARY_INDEX + 1;
	if (td.pk != NULL) {
		if (col_ids(ctx, &d, td.pk_cols, td.npk, &d.primary.cols, e) !=
		    0)
			return -1;
		d.primary.ncols = td.npk;
		for (size_t i = 0; i < td.npk; i++) {
			struct sqlcat_column *c = (struct sqlcat_column *)
				sqlcat_col_by_id(&d, d.primary.cols[i]);

			c->nullable = 0;	/* PRIMARY KEY implies NOT NULL */
		}
		d.primary.name = td.pk->name;
	} else {
		struct sqlcat_column *c = &d.cols[d.ncols];

		if (sqlcat_col(&d, "rowid") != NULL)
			return sqlerr_set(e, SQLSTATE_FEATURE, ct->table.pos,
					  "a table without a primary key "
					  "cannot have a column named "
					  "\"rowid\" (the hidden key)");
		c->id = d.next_col_id++;
		c->name = "rowid";
		c->type = sqlval_type(SQL_TYPE_INT8);
		c->nullable = 0;
		c->hidden = 1;
		d.ncols++;
		if ((d.primary.cols = arena_alloc(ctx->a, sizeof(int))) ==
		    NULL)
			return sqlerr_nomem(e);
		d.primary.cols[0] = c->id;
		d.primary.ncols = 1;
	}
	if ((d.primary.desc = arena_alloc(ctx->a, d.primary.ncols + 1)) ==
	    NULL)
		return sqlerr_nomem(e);
	if (d.primary.name == NULL) {
		char buf[SQLCAT_NAME_MAX + 1];

		snprintf(buf, sizeof(buf), "%.*s_pkey", SQLCAT_NAME_MAX - 5,
			 d.name);
		d.primary.name = arena_strndup(ctx->a, buf, strlen(buf));
		if (d.primary.name == NULL)
			return sqlerr_nomem(e);
	}
	if (name_taken(ctx->cat, db, d.primary.name))
		return sqlerr_set(e, SQLSTATE_DUP_TABLE, ct->table.pos,
				  "relation \"%s\" already exists",
				  d.primary.name);
	/* UNIQUE constraints become unique secondary indexes. */
	if ((d.idx = arena_alloc(ctx->a, (nuniq + 1) * sizeof(*d.idx))) ==
	    NULL)
		return sqlerr_nomem(e);
	for (size_t i = 0; i < ct->ncolumns; i++) {
		const struct sql_coldef *cd = ct->columns[i];

		for (size_t k = 0; k < cd->nconstraints; k++) {
			struct sql_ident *one;

			if (cd->constraints[k]->kind != SQL_CONSTRAINT_UNIQUE)
				continue;
			if ((one = arena_alloc(ctx->a, sizeof(*one))) == NULL)
				return sqlerr_nomem(e);
			one->pos = cd->pos;
			one->name = cd->name;
			if (add_unique(ctx, &d, db, cd->constraints[k], &one, 1,
				       e) != 0)
				return -1;
		}
	}
	for (size_t k = 0; k < ct->nconstraints; k++) {
		const struct sql_constraint *c = ct->constraints[k];

		if (c->kind == SQL_CONSTRAINT_UNIQUE &&
		    add_unique(ctx, &d, db, c, c->columns, c->ncolumns, e) != 0)
			return -1;
	}
	return put_desc(ctx, &d, e);
}

/* ---- CREATE INDEX ---------------------------------------------------------- */

/* Fill index ix from every row of table d. */
static int backfill(struct sqlctx *ctx, const struct sqlcat_desc *d,
		    const struct sqlcat_index *ix, struct sqlerr *e)
{
	struct keys_buf start, end;
	struct arena *rows = arena_new();
	struct sql_datum *row;
	struct err ke;
	int rc;

	if (rows == NULL)
		return sqlerr_nomem(e);
	keys_buf_init(&start);
	keys_buf_init(&end);
	rc = sqlrow_span(d, &d->primary, NULL, 0, &start, &end, e);
	while (rc == 0) {
		struct sqlkv_page pg;

		arena_reset(rows);
		if (sqlkv_scan(ctx->kv, start.p, start.len, end.p, end.len,
			       1000, &pg, &ke) != RC_OK) {
			rc = kverr(&ke, e);
			break;
		}
		for (size_t i = 0; rc == 0 && i < pg.n; i++) {
			row = arena_alloc(rows, (d->ncols + 1) * sizeof(*row));
			if (row == NULL)
				rc = sqlerr_nomem(e);
			else if ((rc = sqlrow_decode(d, pg.items[i].key,
						     pg.items[i].klen,
						     pg.items[i].val,
						     pg.items[i].vlen, rows,
						     row, e)) == 0)
				rc = sqlrow_index_put(ctx->kv, d, ix, row, rows,
						      e);
		}
		if (rc == 0 && pg.more) {
			keys_buf_reset(&start);
			if (keys_buf_append(&start, pg.resume, pg.resume_len,
					    &ke) != RC_OK)
				rc = kverr(&ke, e);
		}
		if (rc != 0 || !pg.more) {
			sqlkv_page_release(&pg);
			break;
		}
		sqlkv_page_release(&pg);
	}
	keys_buf_release(&start);
	keys_buf_release(&end);
	arena_free(rows);
	if (rc != 0 && strcmp(e->sqlstate, SQLSTATE_UNIQUE) == 0) {
		char msg[SQLERR_MSG_MAX];

		memcpy(msg, e->msg, sizeof(msg));
		sqlerr_set(e, SQLSTATE_UNIQUE, 0, "could not create unique "
			   "index \"%s\": %s", ix->name, msg);
	}
	return rc;
}

static int create_index(struct sqlctx *ctx, const struct sql_create_index *ci,
			struct sqlres *res, struct sqlerr *e)
{
	const struct sqlcat_desc *t;
	struct sqlcat_desc d;
	struct sqlcat_index *x;
	const char **names;
	int64_t db;

	sqlres_set_tag(res, "CREATE INDEX");
	if (resolve_db(ctx, &ci->table, &db, e) != 0)
		return -1;
	t = sqlcat_rel(ctx->cat, db, ci->table.name);
	if (t == NULL)
		return sqlerr_set(e, SQLSTATE_UNDEF_TABLE, ci->table.pos,
				  "relation \"%s\" does not exist",
				  ci->table.name);
	if (t->kind != SQLCAT_TABLE)
		return sqlerr_set(e, SQLSTATE_WRONG_OBJECT, ci->table.pos,
				  "\"%s\" is not a table", ci->table.name);
	if (ci->name != NULL) {
		if (check_name(ci->name, ci->name_pos, e) != 0)
			return -1;
		if (name_taken(ctx->cat, db, ci->name)) {
			if (ci->if_not_exists)
				return 0;
			return sqlerr_set(e, SQLSTATE_DUP_TABLE, ci->name_pos,
					  "relation \"%s\" already exists",
					  ci->name);
		}
	}
	if (desc_clone(ctx->a, t, &d, 1, e) != 0)
		return -1;
	x = &d.idx[d.nidx];
	memset(x, 0, sizeof(*x));
	x->id = d.next_idx_id++;
	x->unique = ci->unique;
	x->ncols = ci->ncolumns;
	x->cols = arena_alloc(ctx->a, (ci->ncolumns + 1) * sizeof(int));
	x->desc = arena_alloc(ctx->a, ci->ncolumns + 1);
	names = arena_alloc(ctx->a, (ci->ncolumns + 1) * sizeof(char *));
	if (x->cols == NULL || x->desc == NULL || names == NULL)
		return sqlerr_nomem(e);
	for (size_t i = 0; i < ci->ncolumns; i++) {
		const struct sql_index_col *ic = ci->columns[i];
		const struct sqlcat_column *c = sqlcat_col(t, ic->name);

		if (c == NULL || c->hidden)
			return sqlerr_set(e, SQLSTATE_UNDEF_COLUMN, ic->pos,
					  "column \"%s\" does not exist",
					  ic->name);
		for (size_t j = 0; j < i; j++)
			if (x->cols[j] == c->id)
				return sqlerr_set(e, SQLSTATE_DUP_COLUMN,
						  ic->pos, "column \"%s\" "
						  "appears twice in the index",
						  c->name);
		x->cols[i] = c->id;
		x->desc[i] = (unsigned char)ic->desc;
		names[i] = c->name;
	}
	x->name = ci->name != NULL ? ci->name :
		index_name(ctx, db, t->name, names, ci->ncolumns, "idx", NULL,
			   0);
	if (x->name == NULL)
		return sqlerr_nomem(e);
	d.nidx++;
	if (backfill(ctx, &d, x, e) != 0)
		return -1;
	return put_desc(ctx, &d, e);
}

/* ---- views ------------------------------------------------------------------ */

static int create_view(struct sqlctx *ctx, const struct sql_create_view *cv,
		       struct sqlres *res, struct sqlerr *e)
{
	struct sqlcat_desc d;
	size_t ncols;
	const char **names;
	int64_t db;

	sqlres_set_tag(res, "CREATE VIEW");
	if (resolve_db(ctx, &cv->view, &db, e) != 0 ||
	    check_name(cv->view.name, cv->view.pos, e) != 0)
		return -1;
	if (name_taken(ctx->cat, db, cv->view.name)) {
		if (cv->if_not_exists)
			return 0;
		return sqlerr_set(e, SQLSTATE_DUP_TABLE, cv->view.pos,
				  "relation \"%s\" already exists",
				  cv->view.name);
	}
	/* The query must plan now, as PostgreSQL checks it at CREATE. */
	if (sqlexec_query_columns(ctx, cv->query, &ncols, &names, e) != 0)
		return -1;
	if (cv->ncolumns > ncols)
		return sqlerr_set(e, SQLSTATE_SYNTAX, cv->view.pos, "CREATE "
				  "VIEW specifies more column names than "
				  "columns");
	memset(&d, 0, sizeof(d));
	d.kind = SQLCAT_VIEW;
	d.parent = db;
	d.name = cv->view.name;
	d.view_sql = arena_strndup(ctx->a, ctx->sql + cv->query_start,
				   cv->query_len);
	d.nview_cols = ncols;
	d.view_cols = names;
	if (d.view_sql == NULL)
		return sqlerr_nomem(e);
	for (size_t i = 0; i < cv->ncolumns; i++) {
		for (size_t j = 0; j < i; j++)
			if (strcmp(cv->columns[i]->name,
				   cv->columns[j]->name) == 0)
				return sqlerr_set(e, SQLSTATE_DUP_COLUMN,
						  cv->columns[i]->pos,
						  "column \"%s\" specified "
						  "more than once",
						  cv->columns[i]->name);
		names[i] = cv->columns[i]->name;
	}
	return put_desc(ctx, &d, e);
}

/* ---- DROP TABLE / VIEW / INDEX, TRUNCATE ------------------------------------ */

static int drop_rel(struct sqlctx *ctx, const struct sql_drop *dr,
		    enum sqlcat_kind want, struct sqlres *res,
		    struct sqlerr *e)
{
	const char *what = want == SQLCAT_TABLE ? "table" : "view";

	sqlres_set_tag(res, want == SQLCAT_TABLE ? "DROP TABLE" :
		       "DROP VIEW");
	/* Check every name first: a failed DROP drops nothing. */
	for (size_t i = 0; i < dr->nnames; i++) {
		const struct sql_name *n = dr->names[i];
		const struct sqlcat_desc *d;
		int64_t db;

		if (resolve_db(ctx, n, &db, e) != 0)
			return -1;
		d = sqlcat_rel(ctx->cat, db, n->name);
		if (d == NULL && !dr->if_exists)
			return sqlerr_set(e, SQLSTATE_UNDEF_TABLE, n->pos,
					  "%s \"%s\" does not exist", what,
					  n->name);
		if (d != NULL && d->kind != want)
			return sqlerr_set(e, SQLSTATE_WRONG_OBJECT, n->pos,
					  "\"%s\" is not a %s", n->name, what);
	}
	for (size_t i = 0; i < dr->nnames; i++) {
		const struct sql_name *n = dr->names[i];
		const struct sqlcat_desc *d;
		int64_t db;

		if (resolve_db(ctx, n, &db, e) != 0)
			return -1;
		/* the same name twice: gone after the first */
		if ((d = sqlcat_rel(ctx->cat, db, n->name)) == NULL)
			continue;
		if (drop_relation_data(ctx, d, e) != 0 ||
		    sqlctx_reload_catalog(ctx, e) != 0)
			return -1;
	}
	return 0;
}

static int drop_index(struct sqlctx *ctx, const struct sql_drop *dr,
		      struct sqlres *res, struct sqlerr *e)
{
	const struct sql_name *n = dr->names[0];
	const struct sqlcat_desc *t;
	const struct sqlcat_index *ix;
	struct sqlcat_desc d;
	int64_t db;
	size_t k = 0;

	sqlres_set_tag(res, "DROP INDEX");
	if (resolve_db(ctx, dr->index_table ? dr->index_table : n, &db, e) !=
	    0)
		return -1;
	if (dr->index_table != NULL) {
		t = sqlcat_rel(ctx->cat, db, dr->index_table->name);
		if (t == NULL)
			return sqlerr_set(e, SQLSTATE_UNDEF_TABLE,
					  dr->index_table->pos, "relation "
					  "\"%s\" does not exist",
					  dr->index_table->name);
	} else {
		t = sqlcat_index_owner(ctx->cat, db, n->name);
	}
	ix = t != NULL ? sqlcat_index_by_name(t, n->name) : NULL;
	if (ix == NULL) {
		if (dr->if_exists)
			return 0;
		return sqlerr_set(e, SQLSTATE_UNDEF_OBJECT, n->pos, "index "
				  "\"%s\" does not exist", n->name);
	}
	if (ix->id == SQLCAT_PRIMARY_INDEX)
		return sqlerr_set(e, SQLSTATE_DEPENDENT, n->pos, "cannot drop "
				  "index %s because constraint %s on table %s "
				  "requires it", ix->name, ix->name, t->name);
	if (delete_index_data(ctx, t, ix, e) != 0 ||
	    desc_clone(ctx->a, t, &d, 0, e) != 0)
		return -1;
	for (size_t i = 0; i < t->nidx; i++)
		if (t->idx[i].id != ix->id)
			d.idx[k++] = t->idx[i];
	d.nidx = k;
	return put_desc(ctx, &d, e);
}

static int truncate_tables(struct sqlctx *ctx, const struct sql_truncate *tr,
			   struct sqlres *res, struct sqlerr *e)
{
	const struct sqlcat_desc **ds;

	sqlres_set_tag(res, "TRUNCATE");
	if ((ds = arena_alloc(ctx->a, (tr->ntables + 1) * sizeof(*ds))) ==
	    NULL)
		return sqlerr_nomem(e);
	for (size_t i = 0; i < tr->ntables; i++) {
		const struct sql_name *n = tr->tables[i];
		int64_t db;

		if (resolve_db(ctx, n, &db, e) != 0)
			return -1;
		if ((ds[i] = sqlcat_rel(ctx->cat, db, n->name)) == NULL)
			return sqlerr_set(e, SQLSTATE_UNDEF_TABLE, n->pos,
					  "relation \"%s\" does not exist",
					  n->name);
		if (ds[i]->kind != SQLCAT_TABLE)
			return sqlerr_set(e, SQLSTATE_WRONG_OBJECT, n->pos,
					  "\"%s\" is not a table", n->name);
	}
	for (size_t i = 0; i < tr->ntables; i++)
		if (delete_table_data(ctx, ds[i]->id, e) != 0)
			return -1;
	return 0;
}

/* ---- SHOW ------------------------------------------------------------------- */

static int add_row(struct sqlres *res, const char *const *v, size_t n,
		   struct sqlerr *e)
{
	size_t lens[8];

	for (size_t i = 0; i < n; i++)
		lens[i] = v[i] != NULL ? strlen(v[i]) : 0;
	return sqlres_add_row(res, v, lens, n, e);
}

static int columns(struct sqlres *res, const char *const *names,
		   size_t n, struct sqlerr *e)
{
	for (size_t i = 0; i < n; i++)
		if (sqlres_add_column(res, names[i], "text", e) != 0)
			return -1;
	return 0;
}

static int show_tables(struct sqlctx *ctx, const struct sql_show *sh,
		       struct sqlres *res, struct sqlerr *e)
{
	static const char *const cols[] = { "table_name", "type" };
	const struct sqlcat_desc **rels;
	size_t n;
	int64_t db = ctx->db_id;

	if (sh->db != NULL) {
		const struct sqlcat_desc *d = sqlcat_db(ctx->cat, sh->db);

		if (d == NULL)
			return sqlerr_set(e, SQLSTATE_UNDEF_DATABASE, 0,
					  "database \"%s\" does not exist",
					  sh->db);
		db = d->id;
	} else if (db == 0) {
		return sqlerr_set(e, SQLSTATE_UNDEF_DATABASE, 0, "database "
				  "\"%s\" does not exist", ctx->db_name);
	}
	if (columns(res, cols, 2, e) != 0)
		return -1;
	rels = sqlcat_rels(ctx->cat, db, &n);
	for (size_t i = 0; i < n; i++) {
		const char *v[2] = {
			rels[i]->name,
			rels[i]->kind == SQLCAT_TABLE ? "table" : "view"
		};

		if (add_row(res, v, 2, e) != 0)
			return -1;
	}
	sqlres_set_tag(res, "SHOW %zu", n);
	return 0;
}

static int show_databases(struct sqlctx *ctx, struct sqlres *res,
			  struct sqlerr *e)
{
	static const char *const cols[] = { "database_name" };
	const struct sqlcat_desc **dbs;
	size_t n;

	if (columns(res, cols, 1, e) != 0)
		return -1;
	dbs = sqlcat_dbs(ctx->cat, &n);
	for (size_t i = 0; i < n; i++)
		if (add_row(res, &dbs[i]->name, 1, e) != 0)
			return -1;
	sqlres_set_tag(res, "SHOW %zu", n);
	return 0;
}

/* The relation named by a SHOW ... t (tables, and views when allowed). */
static int show_target(struct sqlctx *ctx, const struct sql_show *sh,
		       int views_ok, const struct sqlcat_desc **out,
		       struct sqlerr *e)
{
	int64_t db;

	if (resolve_db(ctx, &sh->table, &db, e) != 0)
		return -1;
	*out = sqlcat_rel(ctx->cat, db, sh->table.name);
	if (*out == NULL)
		return sqlerr_set(e, SQLSTATE_UNDEF_TABLE, sh->table.pos,
				  "relation \"%s\" does not exist",
				  sh->table.name);
	if (!views_ok && (*out)->kind != SQLCAT_TABLE)
		return sqlerr_set(e, SQLSTATE_WRONG_OBJECT, sh->table.pos,
				  "\"%s\" is not a table", sh->table.name);
	return 0;
}

static const char *type_sql(struct arena *a, const struct sql_type *t)
{
	char buf[SQLVAL_TYPE_NAME_MAX];
	const char *n = sqlval_type_name(t, buf, sizeof(buf));
	char *up = arena_strndup(a, n, strlen(n));

	for (char *p = up; p != NULL && *p != '\0'; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	return up;
}

/* A SQL identifier, quoted when it must be. */
static const char *ident(struct arena *a, const char *name)
{
	struct sql_expr x;

	memset(&x, 0, sizeof(x));
	x.kind = SQL_EXPR_COLUMN;
	x.u.col.column = name;
	return sqlast_expr_to_sql(a, &x);
}

static int cols_sql(struct arena *a, const struct sqlcat_desc *d,
		    const struct sqlcat_index *ix, char **out)
{
	char *s = arena_strndup(a, "", 0);

	for (size_t i = 0; s != NULL && i < ix->ncols; i++) {
		const struct sqlcat_column *c = sqlcat_col_by_id(d,
								 ix->cols[i]);

		s = arena_printf(a, "%s%s%s%s", s, i ? ", " : "",
				 ident(a, c ? c->name : "?"),
				 ix->desc[i] ? " DESC" : "");
	}
	*out = s;
	return s == NULL ? -1 : 0;
}

static int show_create(struct sqlctx *ctx, const struct sql_show *sh,
		       struct sqlres *res, struct sqlerr *e)
{
	static const char *const cols[] = { "table_name", "create_statement" };
	const struct sqlcat_desc *d;
	char *s, *k;
	const char *v[2];

	if (show_target(ctx, sh, 1, &d, e) != 0 || columns(res, cols, 2, e))
		return -1;
	if (d->kind == SQLCAT_VIEW) {
		s = arena_printf(ctx->a, "CREATE VIEW %s AS %s",
				 ident(ctx->a, d->name), d->view_sql);
	} else {
		s = arena_printf(ctx->a, "CREATE TABLE %s (",
				 ident(ctx->a, d->name));
		for (size_t i = 0; s != NULL && i < d->ncols; i++) {
			const struct sqlcat_column *c = &d->cols[i];

			if (c->hidden)
				continue;
			s = arena_printf(ctx->a, "%s%s\n    %s %s%s%s%s", s,
					 i ? "," : "", ident(ctx->a, c->name),
					 type_sql(ctx->a, &c->type),
					 c->nullable ? "" : " NOT NULL",
					 c->default_sql ? " DEFAULT " : "",
					 c->default_sql ? c->default_sql : "");
		}
		if (s != NULL &&
		    !sqlcat_col_by_id(d, d->primary.cols[0])->hidden &&
		    cols_sql(ctx->a, d, &d->primary, &k) == 0)
			s = arena_printf(ctx->a, "%s,\n    CONSTRAINT %s "
					 "PRIMARY KEY (%s)", s,
					 ident(ctx->a, d->primary.name), k);
		if (s != NULL)
			s = arena_printf(ctx->a, "%s\n)", s);
		for (size_t i = 0; s != NULL && i < d->nidx; i++) {
			if (cols_sql(ctx->a, d, &d->idx[i], &k) != 0) {
				s = NULL;
				break;
			}
			s = arena_printf(ctx->a, "%s;\nCREATE %sINDEX %s ON "
					 "%s (%s)", s, d->idx[i].unique ?
					 "UNIQUE " : "",
					 ident(ctx->a, d->idx[i].name),
					 ident(ctx->a, d->name), k);
		}
	}
	if (s == NULL)
		return sqlerr_nomem(e);
	v[0] = d->name;
	v[1] = s;
	if (add_row(res, v, 2, e) != 0)
		return -1;
	sqlres_set_tag(res, "SHOW 1");
	return 0;
}

static int show_columns(struct sqlctx *ctx, const struct sql_show *sh,
			struct sqlres *res, struct sqlerr *e)
{
	static const char *const cols[] = {
		"column_name", "data_type", "is_nullable", "column_default",
		"is_primary_key"
	};
	const struct sqlcat_desc *d;
	size_t n = 0;

	if (show_target(ctx, sh, 0, &d, e) != 0 || columns(res, cols, 5, e))
		return -1;
	for (size_t i = 0; i < d->ncols; i++) {
		const struct sqlcat_column *c = &d->cols[i];
		const char *v[5];
		int pk = 0;

		if (c->hidden)
			continue;
		for (size_t j = 0; j < d->primary.ncols; j++)
			pk |= d->primary.cols[j] == c->id;
		v[0] = c->name;
		v[1] = type_sql(ctx->a, &c->type);
		v[2] = c->nullable ? "t" : "f";
		v[3] = c->default_sql;
		v[4] = pk ? "t" : "f";
		if (v[1] == NULL)
			return sqlerr_nomem(e);
		if (add_row(res, v, 5, e) != 0)
			return -1;
		n++;
	}
	sqlres_set_tag(res, "SHOW %zu", n);
	return 0;
}

static int show_indexes(struct sqlctx *ctx, const struct sql_show *sh,
			struct sqlres *res, struct sqlerr *e)
{
	static const char *const cols[] = {
		"table_name", "index_name", "non_unique", "seq_in_index",
		"column_name", "direction"
	};
	const struct sqlcat_desc *d;
	size_t n = 0;

	if (show_target(ctx, sh, 0, &d, e) != 0 || columns(res, cols, 6, e))
		return -1;
	for (size_t i = 0; i <= d->nidx; i++) {
		const struct sqlcat_index *ix = i == 0 ? &d->primary :
			&d->idx[i - 1];

		for (size_t j = 0; j < ix->ncols; j++) {
			const struct sqlcat_column *c =
				sqlcat_col_by_id(d, ix->cols[j]);
			char seq[24];
			const char *v[6];

			snprintf(seq, sizeof(seq), "%zu", j + 1);
			v[0] = d->name;
			v[1] = ix->name;
			v[2] = ix->unique ? "f" : "t";
			v[3] = seq;
			v[4] = c ? c->name : "?";
			v[5] = ix->desc[j] ? "DESC" : "ASC";
			if (add_row(res, v, 6, e) != 0)
				return -1;
			n++;
		}
	}
	sqlres_set_tag(res, "SHOW %zu", n);
	return 0;
}

static int show_ranges(struct sqlctx *ctx, const struct sql_show *sh,
		       struct sqlres *res, struct sqlerr *e)
{
	static const char *const cols[] = {
		"start_key", "end_key", "range_id", "replicas"
	};
	const struct sqlcat_desc *d;
	const struct sqlcat_index *ix = NULL;
	struct keys_buf start, end;
	void *arr = NULL;
	size_t n = 0;
	int rc;

	if (show_target(ctx, sh, 0, &d, e) != 0)
		return -1;
	if (sh->what == SQL_SHOW_RANGES_INDEX) {
		ix = sqlcat_index_by_name(d, sh->index);
		if (ix == NULL)
			return sqlerr_set(e, SQLSTATE_UNDEF_OBJECT, 0, "index "
					  "\"%s\" does not exist", sh->index);
	}
	if (columns(res, cols, 4, e) != 0)
		return -1;
	keys_buf_init(&start);
	keys_buf_init(&end);
	if (ix != NULL) {
		rc = sqlrow_span(d, ix, NULL, 0, &start, &end, e);
	} else {
		struct keys_val v = keys_int(d->id);
		struct err ke;

		rc = keys_encode_key(&start, KEYS_PREFIX_TABLE, &v, 1, &ke) ||
			keys_prefix_end(start.p, start.len, &end, &ke) ?
			kverr(&ke, e) : 0;
	}
	if (rc == 0 && ctx->ranges != NULL)
		rc = ctx->ranges(ctx->ranges_arg, start.p, start.len, end.p,
				 end.len, &arr, e);
	keys_buf_release(&start);
	keys_buf_release(&end);
	if (rc != 0)
		return -1;
	if (arr != NULL) {
		json_t *j = arr, *it;
		size_t i;

		json_array_foreach(j, i, it) {
			const char *v[4];
			char id[24];

			snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT,
				 json_integer_value(json_object_get(it,
								    "range_id")));
			v[0] = json_string_value(json_object_get(it, "start"));
			v[1] = json_string_value(json_object_get(it, "end"));
			v[2] = id;
			v[3] = json_string_value(json_object_get(it,
								 "replicas"));
			if (add_row(res, v, 4, e) != 0) {
				json_decref(j);
				return -1;
			}
			n++;
		}
		json_decref(j);
	}
	sqlres_set_tag(res, "SHOW %zu", n);
	return 0;
}

static int show(struct sqlctx *ctx, const struct sql_show *sh,
		struct sqlres *res, struct sqlerr *e)
{
	switch (sh->what) {
	case SQL_SHOW_TABLES:
		return show_tables(ctx, sh, res, e);
	case SQL_SHOW_DATABASES:
		return show_databases(ctx, res, e);
	case SQL_SHOW_CREATE:
		return show_create(ctx, sh, res, e);
	case SQL_SHOW_COLUMNS:
		return show_columns(ctx, sh, res, e);
	case SQL_SHOW_INDEXES:
		return show_indexes(ctx, sh, res, e);
	case SQL_SHOW_RANGES_TABLE:
	case SQL_SHOW_RANGES_INDEX:
		return show_ranges(ctx, sh, res, e);
	default:
		return sqlerr_set(e, SQLSTATE_INTERNAL, 0, "SHOW %d is not "
				  "handled here", (int)sh->what);
	}
}

/* ---- dispatch ---------------------------------------------------------------- */

int sqlddl_stmt(struct sqlctx *ctx, const struct sql_stmt *st,
		struct sqlres *res, struct sqlerr *e)
{
	if (st->kind != SQL_STMT_SHOW && ctx->read_only)
		return sqlerr_set(e, "25006", st->pos, "cannot change the "
				  "schema in a read-only transaction");
	switch (st->kind) {
	case SQL_STMT_CREATE_DATABASE:
		return create_database(ctx, st->u.create_database, res, e);
	case SQL_STMT_DROP_DATABASE:
		return drop_database(ctx, st->u.drop, res, e);
	case SQL_STMT_CREATE_TABLE:
		return create_table(ctx, st->u.create_table, res, e);
	case SQL_STMT_CREATE_INDEX:
		return create_index(ctx, st->u.create_index, res, e);
	case SQL_STMT_CREATE_VIEW:
		return create_view(ctx, st->u.create_view, res, e);
	case SQL_STMT_DROP_TABLE:
		return drop_rel(ctx, st->u.drop, SQLCAT_TABLE, res, e);
	case SQL_STMT_DROP_VIEW:
		return drop_rel(ctx, st->u.drop, SQLCAT_VIEW, res, e);
	case SQL_STMT_DROP_INDEX:
		return drop_index(ctx, st->u.drop, res, e);
	case SQL_STMT_TRUNCATE:
		return truncate_tables(ctx, st->u.truncate, res, e);
	case SQL_STMT_SHOW:
		return show(ctx, st->u.show, res, e);
	default:
		return sqlerr_set(e, SQLSTATE_INTERNAL, st->pos, "statement "
				  "kind %d is not DDL", (int)st->kind);
	}
}
