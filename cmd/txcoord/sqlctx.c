/*
 * sqlctx.c -- helpers of a statement's context (see sqlctx.h): the SQL
 * error for a key-value failure, and the catalog reload after DDL.
 */
#include "sqlctx.h"

#include <string.h>

int sqlctx_kv_error(const struct err *ke, struct sqlerr *e)
{
	switch (ke->code) {
	case RC_CONFLICT:
		return sqlerr_set(e, SQLSTATE_RETRY, 0, "restart transaction: "
				  "%s", ke->msg);
	case RC_UNAVAILABLE:
	case RC_TIMEOUT:
		if (strstr(ke->msg, "outcome unknown") != NULL)
			return sqlerr_set(e, SQLSTATE_UNKNOWN_OUTCOME, 0,
					  "%s", ke->msg);
		return sqlerr_set(e, SQLSTATE_UNAVAILABLE, 0, "cluster "
				  "unavailable: %s", ke->msg);
	case RC_NOMEM:
		return sqlerr_set(e, SQLSTATE_OUT_OF_MEMORY, 0, "%s", ke->msg);
	case RC_TOO_LARGE:
		return sqlerr_set(e, SQLSTATE_PROG_LIMIT, 0, "%s", ke->msg);
	default:
		return sqlerr_set(e, SQLSTATE_INTERNAL, 0, "%s", ke->msg);
	}
}

int sqlctx_reload_catalog(struct sqlctx *ctx, struct sqlerr *e)
{
	struct sqlcat_snap *s;
	const struct sqlcat_desc *db;
	struct err ke;

	if (sqlcat_snapshot(ctx->cache, ctx->kv, 0, &s, &ke) != RC_OK)
		return sqlctx_kv_error(&ke, e);
	sqlcat_release(ctx->cat);
	ctx->cat = s;
	ctx->catalog_changed = 1;
	db = sqlcat_db(s, ctx->db_name);
	ctx->db_id = db != NULL ? db->id : 0;
	return 0;
}

