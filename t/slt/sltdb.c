/*
 * sltdb.c -- the engine interface of the sqllogictest runner: dispatch to
 * a backend and the result container both backends fill.  Tested in
 * t/unit/slt_test.c.
 */
#include "sltdb.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct sltdb {
	const struct sltdb_ops *ops;
	void *impl;
};

int sltdb_new(const struct sltdb_ops *ops, void *impl, struct sltdb **out,
	      struct err *e)
{
	struct sltdb *db = calloc(1, sizeof(*db));

	*out = NULL;
	if (db == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	db->ops = ops;
	db->impl = impl;
	*out = db;
	return RC_OK;
}

void sltdb_free(struct sltdb *db)
{
	if (db == NULL)
		return;
	if (db->ops->free != NULL)
		db->ops->free(db->impl);
	free(db);
}

const char *sltdb_name(const struct sltdb *db)
{
	return db->ops->name;
}

int sltdb_begin_file(struct sltdb *db, const char *dbname, struct err *e)
{
	return db->ops->begin_file(db->impl, dbname, e);
}

int sltdb_end_file(struct sltdb *db, const char *dbname, int keep,
		   struct err *e)
{
	return db->ops->end_file(db->impl, dbname, keep, e);
}

int sltdb_exec(struct sltdb *db, const char *sql, struct sltdb_result *res,
	       struct err *e)
{
	sltdb_result_clear(res);
	return db->ops->exec(db->impl, sql, res, e);
}

void sltdb_result_init(struct sltdb_result *res)
{
	memset(res, 0, sizeof(*res));
	res->ncols = -1;
}

void sltdb_result_clear(struct sltdb_result *res)
{
	for (size_t i = 0; i < res->nvals; i++)
		free(res->values[i]);
	free(res->values);
	if (res->types != NULL && res->ncols > 0)
		for (long i = 0; i < res->ncols; i++)
			free(res->types[i]);
	free(res->types);
	free(res->message);
	sltdb_result_init(res);
}

int sltdb_result_push(struct sltdb_result *res, const char *v, size_t n)
{
	char *copy = NULL;

	if (res->nvals == res->cap) {
		size_t cap = res->cap ? res->cap * 2 : 64;
		char **p;

		if (cap > SIZE_MAX / sizeof(char *))
			return RC_NOMEM;
		p = realloc(res->values, cap * sizeof(char *));
		if (p == NULL)
			return RC_NOMEM;
		res->values = p;
		res->cap = cap;
	}
	if (v != NULL) {
		copy = malloc(n + 1);
		if (copy == NULL)
			return RC_NOMEM;
		memcpy(copy, v, n);
		copy[n] = '\0';
	}
	res->values[res->nvals++] = copy;
	return RC_OK;
}

int sltdb_result_fail(struct sltdb_result *res, const char *sqlstate,
		      const char *message)
{
	size_t i = 0;

	res->failed = 1;
	for (; sqlstate != NULL && sqlstate[i] != '\0' &&
	       i < sizeof(res->sqlstate) - 1; i++)
		res->sqlstate[i] = sqlstate[i];
	res->sqlstate[i] = '\0';
	free(res->message);
	res->message = strdup(message != NULL ? message : "");
	return res->message != NULL ? RC_OK : RC_NOMEM;
}
