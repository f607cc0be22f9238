/*
 * sqlres.c -- one statement's result, built row by row (see sqlres.h).
 */
#include "sqlres.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

int sqlres_init(struct sqlres *r, struct sqlerr *e)
{
	memset(r, 0, sizeof(*r));
	r->columns = json_array();
	r->types = json_array();
	r->rows = json_array();
	if (r->columns == NULL || r->types == NULL || r->rows == NULL) {
		sqlres_release(r);
		return sqlerr_nomem(e);
	}
	return 0;
}

void sqlres_release(struct sqlres *r)
{
	json_decref(r->columns);
	json_decref(r->types);
	json_decref(r->rows);
	memset(r, 0, sizeof(*r));
}

int sqlres_reset(struct sqlres *r, struct sqlerr *e)
{
	sqlres_release(r);
	return sqlres_init(r, e);
}

int sqlres_add_column(struct sqlres *r, const char *name, const char *type,
		      struct sqlerr *e)
{
	if (json_array_append_new(r->columns, json_string(name)) != 0 ||
	    json_array_append_new(r->types, json_string(type)) != 0)
		return sqlerr_nomem(e);
	return 0;
}

int sqlres_add_row(struct sqlres *r, const char *const *vals,
		   const size_t *lens, size_t n, struct sqlerr *e)
{
	json_t *row = json_array();

	if (row == NULL)
		return sqlerr_nomem(e);
	for (size_t i = 0; i < n; i++) {
		json_t *v = vals[i] == NULL ? json_null() :
			json_stringn_nocheck(vals[i], lens[i]);

		r->bytes += (vals[i] ? lens[i] : 0) + 8;
		if (v == NULL || json_array_append_new(row, v) != 0) {
			json_decref(row);
			return sqlerr_nomem(e);
		}
	}
	if (r->bytes > SQLRES_MAX_BYTES) {
		json_decref(row);
		return sqlerr_set(e, SQLSTATE_PROG_LIMIT, 0, "result is "
				  "larger than %zu MiB; add a LIMIT or a "
				  "WHERE clause", SQLRES_MAX_BYTES >> 20);
	}
	if (json_array_append_new(r->rows, row) != 0)
		return sqlerr_nomem(e);
	r->nrows++;
	return 0;
}

void sqlres_set_tag(struct sqlres *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vformat(r->tag, sizeof(r->tag), fmt, ap);
	va_end(ap);
}

json_t *sqlres_json(const struct sqlres *r)
{
	return json_pack("{s:O, s:O, s:O, s:s}", "columns", r->columns,
			 "types", r->types, "rows", r->rows, "tag", r->tag);
}
