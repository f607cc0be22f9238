/*
 * sqlres.h -- the result of one SQL statement as the gateway returns it:
 * column names, type names, rows of text values (NULL = SQL NULL) and a
 * command tag ("SELECT 3", "INSERT 0 1").
 *
 * Values arrive already formatted (PostgreSQL's text output) and are kept
 * as JSON strings.  A result larger than SQLRES_MAX_BYTES is refused with
 * 54000 instead of exhausting the gateway's memory.
 * Tested in t/unit/sqlexec_test.c.
 */
#ifndef RANGEDB_SQLRES_H
#define RANGEDB_SQLRES_H

#include <stddef.h>

#include <jansson.h>

#include "sqlerr.h"

#define SQLRES_MAX_BYTES	((size_t)256 << 20)
#define SQLRES_TAG_MAX		64

struct sqlres {
	json_t *columns;	/* array of strings */
	json_t *types;		/* array of strings */
	json_t *rows;		/* array of arrays of strings / null */
	size_t nrows;
	size_t bytes;		/* text held, roughly */
	char tag[SQLRES_TAG_MAX];
};

/* An empty result (no columns, no rows, empty tag). */
int sqlres_init(struct sqlres *r, struct sqlerr *e);
void sqlres_release(struct sqlres *r);
/* Back to empty, for a statement that runs again after a retry. */
int sqlres_reset(struct sqlres *r, struct sqlerr *e);

int sqlres_add_column(struct sqlres *r, const char *name, const char *type,
		      struct sqlerr *e);
/* One row of n values; vals[i] NULL is SQL NULL. */
int sqlres_add_row(struct sqlres *r, const char *const *vals,
		   const size_t *lens, size_t n, struct sqlerr *e);
void sqlres_set_tag(struct sqlres *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The JSON object {"columns","types","rows","tag"} (new reference). */
json_t *sqlres_json(const struct sqlres *r);

#endif
