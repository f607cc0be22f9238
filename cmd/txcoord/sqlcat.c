/*
 * sqlcat.c -- the SQL catalog (see sqlcat.h for storage and consistency).
 *
 * A snapshot is the whole catalog loaded into one arena: catalogs are
 * small (hundreds of descriptors), so a reload after a DDL is cheap and
 * lookups are plain scans of a sorted array.
 */
#include "sqlcat.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "jx.h"
#include "keys.h"
#include "util.h"

struct sqlcat_snap {
	int64_t version;
	unsigned refs;		/* under the owning sqlcat's mutex */
	pthread_mutex_t *mu;	/* NULL for an uncached snapshot */
	struct arena *a;
	const struct sqlcat_desc **all;	/* sorted by (parent, name) */
	size_t n;
};

struct sqlcat {
	pthread_mutex_t mu;
	struct sqlcat_snap *cur;
};

/* ---- keys --------------------------------------------------------------- */

/* /sys/"sql"/<what>[/<id>][/<name>] */
static int cat_key(struct keys_buf *b, const char *what, int with_id,
		   int64_t id, const char *name, struct err *e)
{
	struct keys_val v[4];
	size_t n = 0;

	v[n++] = keys_text("sql", 3);
	v[n++] = keys_text(what, strlen(what));
	if (with_id)
		v[n++] = keys_int(id);
	if (name != NULL)
		v[n++] = keys_text(name, strlen(name));
	keys_buf_reset(b);
	return keys_encode_key(b, KEYS_PREFIX_SYS, v, n, e);
}

/* ---- reading numbers ---------------------------------------------------- */

static int get_int(struct sqlkv *kv, const struct keys_buf *k, int64_t def,
		   int64_t *out, const char *what, struct err *e)
{
	void *val = NULL;
	size_t vlen = 0;
	int found, rc;

	if ((rc = sqlkv_get(kv, k->p, k->len, &found, &val, &vlen, e)) !=
	    RC_OK)
		return rc;
	if (!found) {
		*out = def;
		return RC_OK;
	}
	rc = util_parse_i64(val, INT64_MIN, INT64_MAX, out, what, e);
	free(val);
	if (rc != RC_OK)
		return err_set(e, RC_CORRUPT, "catalog: %s is not a number",
			       what);
	return RC_OK;
}

static int put_int(struct sqlkv *kv, const struct keys_buf *k, int64_t v,
		   struct err *e)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return sqlkv_put(kv, k->p, k->len, buf, strlen(buf), e);
}

int sqlcat_seq_next(struct sqlkv *kv, const char *name, int64_t n,
		    int64_t start, int64_t *first, struct err *e)
{
	struct keys_buf k;
	int64_t cur;
	int rc;

	keys_buf_init(&k);
	if ((rc = cat_key(&k, "seq", 0, 0, name, e)) == RC_OK &&
	    (rc = get_int(kv, &k, start, &cur, "sequence", e)) == RC_OK) {
		if (n < 0 || cur > INT64_MAX - n)
			rc = err_set(e, RC_BAD_INPUT, "sequence '%s' is "
				     "exhausted", name);
		else if ((rc = put_int(kv, &k, cur + n, e)) == RC_OK)
			*first = cur;
	}
	keys_buf_release(&k);
	return rc;
}

static int bump_version(struct sqlkv *kv, struct err *e)
{
	struct keys_buf k;
	int64_t v;
	int rc;

	keys_buf_init(&k);
	if ((rc = cat_key(&k, "version", 0, 0, NULL, e)) == RC_OK &&
	    (rc = get_int(kv, &k, 0, &v, "schema version", e)) == RC_OK)
		rc = put_int(kv, &k, v + 1, e);
	keys_buf_release(&k);
	return rc;
}

/* ---- descriptors as JSON ------------------------------------------------ */

static const struct {
	const char *name;
	enum sql_type_kind kind;
} type_names[] = {
	{ "int2", SQL_TYPE_INT2 }, { "int4", SQL_TYPE_INT4 },
	{ "int8", SQL_TYPE_INT8 }, { "float4", SQL_TYPE_FLOAT4 },
	{ "float8", SQL_TYPE_FLOAT8 }, { "numeric", SQL_TYPE_DECIMAL },
	{ "text", SQL_TYPE_TEXT }, { "varchar", SQL_TYPE_VARCHAR },
	{ "bpchar", SQL_TYPE_CHAR }, { "bool", SQL_TYPE_BOOL },
	{ "bytea", SQL_TYPE_BYTES }, { "timestamp", SQL_TYPE_TIMESTAMP },
	{ "date", SQL_TYPE_DATE },
};

/* {"name":"varchar","width":20,"precision":0,"scale":0} */
static json_t *type_json(const struct sql_type *t)
{
	const char *name = NULL;

	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]);
	     i++)
		if (type_names[i].kind == t->kind)
			name = type_names[i].name;
	if (name == NULL)
		return NULL;
	return json_pack("{s:s, s:i, s:i, s:i}", "name", name, "width",
			 t->width, "precision", t->precision, "scale",
			 t->scale);
}

static int type_parse(const json_t *j, struct sql_type *t)
{
	const char *name = json_string_value(json_object_get(j, "name"));
	json_t *w = json_object_get(j, "width"),
		*p = json_object_get(j, "precision"),
		*s = json_object_get(j, "scale");

	if (name == NULL || !json_is_integer(w) || !json_is_integer(p) ||
	    !json_is_integer(s))
		return -1;
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]);
	     i++)
		if (strcmp(type_names[i].name, name) == 0) {
			*t = sqlval_type(type_names[i].kind);
			t->width = (int)json_integer_value(w);
			t->precision = (int)json_integer_value(p);
			t->scale = (int)json_integer_value(s);
			return 0;
		}
	return -1;
}

static const char *kind_name(enum sqlcat_kind k)
{
	return k == SQLCAT_DATABASE ? "database" :
		k == SQLCAT_TABLE ? "table" : "view";
}

static json_t *index_json(const struct sqlcat_index *x)
{
	json_t *cols = json_array(), *desc = json_array(), *j;

	for (size_t i = 0; cols != NULL && desc != NULL && i < x->ncols; i++) {
		json_array_append_new(cols, json_integer(x->cols[i]));
		json_array_append_new(desc, json_boolean(x->desc[i]));
	}
	j = json_pack("{s:i, s:s, s:b, s:o*, s:o*}", "id", x->id, "name",
		      x->name ? x->name : "", "unique", x->unique, "columns",
		      cols, "desc", desc);
	return j;
}

json_t *sqlcat_desc_json(const struct sqlcat_desc *d)
{
	json_t *j = json_pack("{s:s, s:I, s:I, s:s}", "kind",
			      kind_name(d->kind), "id", (json_int_t)d->id,
			      "parent", (json_int_t)d->parent, "name",
			      d->name);
	json_t *cols, *idx;

	if (j == NULL || d->kind == SQLCAT_DATABASE)
		return j;
	if (d->kind == SQLCAT_VIEW) {
		json_t *vc = json_array();

		for (size_t i = 0; vc != NULL && i < d->nview_cols; i++)
			json_array_append_new(vc,
					      json_string(d->view_cols[i]));
		if (json_object_set_new(j, "sql",
					json_string(d->view_sql)) != 0 ||
		    json_object_set_new(j, "columns", d->view_cols ? vc :
					json_null()) != 0) {
			json_decref(j);
			return NULL;
		}
		if (d->view_cols == NULL)
			json_decref(vc);
		return j;
	}
	cols = json_array();
	idx = json_array();
	for (size_t i = 0; cols != NULL && i < d->ncols; i++) {
		const struct sqlcat_column *c = &d->cols[i];
		json_t *cj = json_pack("{s:i, s:s, s:o*, s:b, s:s?, s:b}",
				       "id", c->id, "name", c->name, "type",
				       type_json(&c->type), "nullable",
				       c->nullable, "default", c->default_sql,
				       "hidden", c->hidden);

		if (cj == NULL || json_array_append_new(cols, cj) != 0) {
			json_decref(cols);
			cols = NULL;
		}
	}
	for (size_t i = 0; idx != NULL && i < d->nidx; i++)
		if (json_array_append_new(idx, index_json(&d->idx[i])) != 0) {
			json_decref(idx);
			idx = NULL;
		}
	if (cols == NULL || idx == NULL ||
	    json_object_set_new(j, "columns", cols) != 0 ||
	    json_object_set_new(j, "primary", index_json(&d->primary)) != 0 ||
	    json_object_set_new(j, "indexes", idx) != 0 ||
	    json_object_set_new(j, "next_column_id",
				json_integer(d->next_col_id)) != 0 ||
	    json_object_set_new(j, "next_index_id",
				json_integer(d->next_idx_id)) != 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static const char *astr(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

static int index_parse(const json_t *j, struct arena *a,
		       struct sqlcat_index *x, struct err *e)
{
	json_t *cols, *desc, *v;
	const char *name;
	int64_t id;
	bool uniq;
	size_t i;
	int rc;

	if ((rc = jx_get_int_range(j, "id", 1, 1 << 30, &id, e)) != RC_OK ||
	    (rc = jx_get_str(j, "name", &name, e)) != RC_OK ||
	    (rc = jx_get_bool(j, "unique", &uniq, e)) != RC_OK ||
	    (rc = jx_get_arr(j, "columns", &cols, e)) != RC_OK ||
	    (rc = jx_get_arr(j, "desc", &desc, e)) != RC_OK)
		return rc;
	x->id = (int)id;
	x->unique = uniq;
	x->ncols = json_array_size(cols);
	if (json_array_size(desc) != x->ncols)
		return err_set(e, RC_CORRUPT, "index '%s': columns and desc "
			       "differ in length", name);
	if ((x->name = astr(a, name)) == NULL ||
	    (x->cols = arena_alloc(a, (x->ncols + 1) * sizeof(int))) == NULL ||
	    (x->desc = arena_alloc(a, x->ncols + 1)) == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	json_array_foreach(cols, i, v) {
		if (!json_is_integer(v))
			return err_set(e, RC_CORRUPT, "index '%s': bad column",
				       name);
		x->cols[i] = (int)json_integer_value(v);
		x->desc[i] = json_is_true(json_array_get(desc, i));
	}
	return RC_OK;
}

int sqlcat_desc_parse(const json_t *j, struct arena *a,
		      struct sqlcat_desc *d, struct err *e)
{
	const char *kind, *name;
	json_t *cols, *idx, *v;
	int64_t n;
	size_t i;
	int rc;

	memset(d, 0, sizeof(*d));
	if ((rc = jx_get_str(j, "kind", &kind, e)) != RC_OK ||
	    (rc = jx_get_int(j, "id", &d->id, e)) != RC_OK ||
	    (rc = jx_get_int(j, "parent", &d->parent, e)) != RC_OK ||
	    (rc = jx_get_str(j, "name", &name, e)) != RC_OK)
		return rc;
	if ((d->name = astr(a, name)) == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	if (strcmp(kind, "database") == 0) {
		d->kind = SQLCAT_DATABASE;
		return RC_OK;
	}
	if (strcmp(kind, "view") == 0) {
		const char *sql;

		d->kind = SQLCAT_VIEW;
		if ((rc = jx_get_str(j, "sql", &sql, e)) != RC_OK)
			return rc;
		if ((d->view_sql = astr(a, sql)) == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		cols = json_object_get(j, "columns");
		if (!json_is_array(cols))
			return RC_OK;
		d->nview_cols = json_array_size(cols);
		if ((d->view_cols = arena_alloc(a, (d->nview_cols + 1) *
						sizeof(char *))) == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		json_array_foreach(cols, i, v) {
			if (!json_is_string(v))
				return err_set(e, RC_CORRUPT, "view '%s': bad "
					       "column name", name);
			if ((d->view_cols[i] = astr(a, json_string_value(v)))
			    == NULL)
				return err_set(e, RC_NOMEM, "out of memory");
		}
		return RC_OK;
	}
	if (strcmp(kind, "table") != 0)
		return err_set(e, RC_CORRUPT, "descriptor %" PRId64 ": unknown "
			       "kind '%s'", d->id, kind);
	d->kind = SQLCAT_TABLE;
	if ((rc = jx_get_arr(j, "columns", &cols, e)) != RC_OK ||
	    (rc = jx_get_arr(j, "indexes", &idx, e)) != RC_OK ||
	    (rc = jx_get_obj(j, "primary", &v, e)) != RC_OK ||
	    (rc = index_parse(v, a, &d->primary, e)) != RC_OK ||
	    (rc = jx_get_int_range(j, "next_column_id", 1, 1 << 30, &n, e)) !=
	    RC_OK)
		return rc;
	d->next_col_id = (int)n;
	if ((rc = jx_get_int_range(j, "next_index_id", 1, 1 << 30, &n, e)) !=
	    RC_OK)
		return rc;
	d->next_idx_id = (int)n;
	d->ncols = json_array_size(cols);
	d->nidx = json_array_size(idx);
	if ((d->cols = arena_alloc(a, (d->ncols + 1) * sizeof(*d->cols))) ==
	    NULL ||
	    (d->idx = arena_alloc(a, (d->nidx + 1) * sizeof(*d->idx))) == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	json_array_foreach(cols, i, v) {
		struct sqlcat_column *c = &d->cols[i];
		const char *cname, *def = NULL;
		json_t *type;
		int64_t id;
		bool nullable, hidden;

		if ((rc = jx_get_int_range(v, "id", 1, 1 << 30, &id, e)) !=
		    RC_OK ||
		    (rc = jx_get_str(v, "name", &cname, e)) != RC_OK ||
		    (rc = jx_get_obj(v, "type", &type, e)) != RC_OK ||
		    (rc = jx_get_bool(v, "nullable", &nullable, e)) != RC_OK ||
		    (rc = jx_get_bool(v, "hidden", &hidden, e)) != RC_OK ||
		    (rc = jx_opt_str(v, "default", NULL, &def, e)) != RC_OK)
			return err_prefix(e, "table '%s'", name);
		if (type_parse(type, &c->type) != 0)
			return err_set(e, RC_CORRUPT, "table '%s', column "
				       "'%s': bad type", name, cname);
		c->id = (int)id;
		c->nullable = nullable;
		c->hidden = hidden;
		if ((c->name = astr(a, cname)) == NULL ||
		    (def != NULL && (c->default_sql = astr(a, def)) == NULL))
			return err_set(e, RC_NOMEM, "out of memory");
	}
	json_array_foreach(idx, i, v)
		if ((rc = index_parse(v, a, &d->idx[i], e)) != RC_OK)
			return err_prefix(e, "table '%s'", name);
	return RC_OK;
}

/* ---- snapshots ---------------------------------------------------------- */

static int desc_order(const void *pa, const void *pb)
{
	const struct sqlcat_desc *a = *(const struct sqlcat_desc *const *)pa;
	const struct sqlcat_desc *b = *(const struct sqlcat_desc *const *)pb;

	if (a->parent != b->parent)
		return a->parent < b->parent ? -1 : 1;
	return strcmp(a->name, b->name);
}

static void snap_free(struct sqlcat_snap *s)
{
	arena_free(s->a);
	free(s->all);
	free(s);
}

/* Append one descriptor of a scan page to s. */
static int snap_add(struct sqlcat_snap *s, size_t *cap,
		    const struct sqlkv_pair *p, struct err *e)
{
	struct sqlcat_desc *d;
	json_t *j;
	int rc;

	if (s->n == *cap) {
		size_t nc = *cap ? 2 * *cap : 32;
		const struct sqlcat_desc **na = realloc(s->all, nc *
							sizeof(*na));

		if (na == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		s->all = na;
		*cap = nc;
	}
	if ((d = arena_alloc(s->a, sizeof(*d))) == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	if ((rc = jx_parse(p->val, p->vlen, &j, e)) != RC_OK)
		return err_prefix(e, "catalog descriptor");
	rc = sqlcat_desc_parse(j, s->a, d, e);
	json_decref(j);
	if (rc != RC_OK)
		return rc;
	s->all[s->n++] = d;
	return RC_OK;
}

static int snap_load(struct sqlkv *kv, int64_t version,
		     struct sqlcat_snap **out, struct err *e)
{
	struct sqlcat_snap *s = calloc(1, sizeof(*s));
	struct keys_buf start, end;
	size_t cap = 0;
	int rc;

	if (s == NULL || (s->a = arena_new()) == NULL) {
		free(s);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	s->version = version;
	s->refs = 1;
	keys_buf_init(&start);
	keys_buf_init(&end);
	if ((rc = cat_key(&start, "desc", 0, 0, NULL, e)) == RC_OK)
		rc = keys_prefix_end(start.p, start.len, &end, e);
	while (rc == RC_OK) {
		struct sqlkv_page pg;

		rc = sqlkv_scan(kv, start.p, start.len, end.p, end.len, 1000,
				&pg, e);
		for (size_t i = 0; rc == RC_OK && i < pg.n; i++)
			rc = snap_add(s, &cap, &pg.items[i], e);
		if (rc == RC_OK && pg.more) {
			keys_buf_reset(&start);
			rc = keys_buf_append(&start, pg.resume, pg.resume_len,
					     e);
		}
		if (!pg.more) {
			sqlkv_page_release(&pg);
			break;
		}
		sqlkv_page_release(&pg);
	}
	keys_buf_release(&start);
	keys_buf_release(&end);
	if (rc != RC_OK) {
		snap_free(s);
		return rc;
	}
	if (s->n > 1)
		qsort(s->all, s->n, sizeof(*s->all), desc_order);
	*out = s;
	return RC_OK;
}

int sqlcat_new(struct sqlcat **out, struct err *e)
{
	struct sqlcat *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	pthread_mutex_init(&c->mu, NULL);
	*out = c;
	return RC_OK;
}

void sqlcat_free(struct sqlcat *c)
{
	if (c == NULL)
		return;
	if (c->cur != NULL && --c->cur->refs == 0)
		snap_free(c->cur);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

int sqlcat_snapshot(struct sqlcat *c, struct sqlkv *kv, int cache,
		    struct sqlcat_snap **out, struct err *e)
{
	struct sqlcat_snap *s = NULL;
	struct keys_buf k;
	int64_t v;
	int rc;

	keys_buf_init(&k);
	if ((rc = cat_key(&k, "version", 0, 0, NULL, e)) == RC_OK)
		rc = get_int(kv, &k, 0, &v, "schema version", e);
	keys_buf_release(&k);
	if (rc != RC_OK)
		return rc;
	if (cache) {
		pthread_mutex_lock(&c->mu);
		if (c->cur != NULL && c->cur->version == v) {
			c->cur->refs++;
			*out = c->cur;
			pthread_mutex_unlock(&c->mu);
			return RC_OK;
		}
		pthread_mutex_unlock(&c->mu);
	}
	if ((rc = snap_load(kv, v, &s, e)) != RC_OK)
		return rc;
	if (!cache) {
		*out = s;
		return RC_OK;
	}
	s->mu = &c->mu;
	pthread_mutex_lock(&c->mu);
	if (c->cur == NULL || c->cur->version < v) {
		if (c->cur != NULL && --c->cur->refs == 0)
			snap_free(c->cur);
		c->cur = s;
		s->refs++;
	}
	pthread_mutex_unlock(&c->mu);
	*out = s;
	return RC_OK;
}

void sqlcat_release(struct sqlcat_snap *s)
{
	int last;

	if (s == NULL)
		return;
	if (s->mu == NULL) {
		snap_free(s);
		return;
	}
	pthread_mutex_lock(s->mu);
	last = --s->refs == 0;
	pthread_mutex_unlock(s->mu);
	if (last)
		snap_free(s);
}

int64_t sqlcat_version(const struct sqlcat_snap *s)
{
	return s->version;
}

/* ---- lookups ------------------------------------------------------------ */

static const struct sqlcat_desc *find(const struct sqlcat_snap *s,
				      int64_t parent, const char *name)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct sqlcat_desc *d = s->all[mid];
		int c = d->parent != parent ? (d->parent < parent ? -1 : 1) :
			strcmp(d->name, name);

		if (c == 0)
			return d;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct sqlcat_desc *sqlcat_db(const struct sqlcat_snap *s,
				    const char *name)
{
	const struct sqlcat_desc *d = find(s, 0, name);

	return d != NULL && d->kind == SQLCAT_DATABASE ? d : NULL;
}

const struct sqlcat_desc *sqlcat_rel(const struct sqlcat_snap *s,
				     int64_t db, const char *name)
{
	return db == 0 ? NULL : find(s, db, name);
}

const struct sqlcat_desc *sqlcat_by_id(const struct sqlcat_snap *s,
				       int64_t id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->all[i]->id == id)
			return s->all[i];
	return NULL;
}

/* The contiguous run of children of parent (sorted by name). */
static const struct sqlcat_desc **children(const struct sqlcat_snap *s,
					   int64_t parent, size_t *n)
{
	size_t i = 0, j;

	while (i < s->n && s->all[i]->parent < parent)
		i++;
	for (j = i; j < s->n && s->all[j]->parent == parent; j++)
		;
	*n = j - i;
	return (const struct sqlcat_desc **)s->all + i;
}

const struct sqlcat_desc **sqlcat_rels(const struct sqlcat_snap *s,
				       int64_t db, size_t *n)
{
	if (db == 0) {
		*n = 0;
		return NULL;
	}
	return children(s, db, n);
}

const struct sqlcat_desc **sqlcat_dbs(const struct sqlcat_snap *s,
				      size_t *n)
{
	return children(s, 0, n);
}

const struct sqlcat_index *sqlcat_index_by_name(const struct sqlcat_desc *d,
						const char *name)
{
	if (d->kind != SQLCAT_TABLE)
		return NULL;
	if (d->primary.name != NULL && strcmp(d->primary.name, name) == 0)
		return &d->primary;
	for (size_t i = 0; i < d->nidx; i++)
		if (strcmp(d->idx[i].name, name) == 0)
			return &d->idx[i];
	return NULL;
}

const struct sqlcat_column *sqlcat_col(const struct sqlcat_desc *d,
				       const char *name)
{
	for (size_t i = 0; i < d->ncols; i++)
		if (strcmp(d->cols[i].name, name) == 0)
			return &d->cols[i];
	return NULL;
}

const struct sqlcat_column *sqlcat_col_by_id(const struct sqlcat_desc *d,
					     int id)
{
	for (size_t i = 0; i < d->ncols; i++)
		if (d->cols[i].id == id)
			return &d->cols[i];
	return NULL;
}

const struct sqlcat_desc *sqlcat_index_owner(const struct sqlcat_snap *s,
					     int64_t db, const char *name)
{
	size_t n;
	const struct sqlcat_desc **r = sqlcat_rels(s, db, &n);

	for (size_t i = 0; i < n; i++)
		if (sqlcat_index_by_name(r[i], name) != NULL)
			return r[i];
	return NULL;
}

/* ---- writes ------------------------------------------------------------- */

int sqlcat_put(struct sqlkv *kv, struct sqlcat_desc *d, struct err *e)
{
	struct keys_buf k;
	char *text = NULL;
	size_t tlen;
	json_t *j;
	int rc = RC_OK, is_new = d->id == 0;

	keys_buf_init(&k);
	if (is_new)
		rc = sqlcat_seq_next(kv, "desc_id", 1, SQLCAT_FIRST_ID, &d->id,
				     e);
	if (rc == RC_OK && is_new) {
		char buf[24];

		snprintf(buf, sizeof(buf), "%" PRId64, d->id);
		if ((rc = cat_key(&k, "ns", 1, d->parent, d->name, e)) ==
		    RC_OK)
			rc = sqlkv_put(kv, k.p, k.len, buf, strlen(buf), e);
	}
	if (rc == RC_OK) {
		if ((j = sqlcat_desc_json(d)) == NULL)
			rc = err_set(e, RC_NOMEM, "out of memory");
		else {
			rc = jx_dump(j, &text, &tlen, e);
			json_decref(j);
		}
	}
	if (rc == RC_OK &&
	    (rc = cat_key(&k, "desc", 1, d->id, NULL, e)) == RC_OK)
		rc = sqlkv_put(kv, k.p, k.len, text, tlen, e);
	free(text);
	keys_buf_release(&k);
	if (rc == RC_OK)
		rc = bump_version(kv, e);
	return rc;
}

int sqlcat_delete(struct sqlkv *kv, const struct sqlcat_desc *d,
		  struct err *e)
{
	struct keys_buf k;
	int rc;

	keys_buf_init(&k);
	if ((rc = cat_key(&k, "ns", 1, d->parent, d->name, e)) == RC_OK &&
	    (rc = sqlkv_del(kv, k.p, k.len, e)) == RC_OK &&
	    (rc = cat_key(&k, "desc", 1, d->id, NULL, e)) == RC_OK)
		rc = sqlkv_del(kv, k.p, k.len, e);
	keys_buf_release(&k);
	if (rc == RC_OK)
		rc = bump_version(kv, e);
	return rc;
}

int sqlcat_bootstrap(struct sqlkv *kv, struct err *e)
{
	struct keys_buf k;
	struct sqlcat_desc d;
	void *val = NULL;
	size_t vlen;
	int found, rc;

	keys_buf_init(&k);
	rc = cat_key(&k, "ns", 1, 0, SQLCAT_DEFAULT_DB, e);
	if (rc == RC_OK)
		rc = sqlkv_get(kv, k.p, k.len, &found, &val, &vlen, e);
	keys_buf_release(&k);
	free(val);
	if (rc != RC_OK || found)
		return rc;
	memset(&d, 0, sizeof(d));
	d.kind = SQLCAT_DATABASE;
	d.name = SQLCAT_DEFAULT_DB;
	return sqlcat_put(kv, &d, e);
}
