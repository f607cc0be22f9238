/*
 * sqlerr.c -- SQL errors: a SQLSTATE, a message and a position (sqlerr.h).
 */
#include "sqlerr.h"

#include <stdarg.h>
#include <string.h>

#include "err.h"

int sqlerr_set(struct sqlerr *e, const char *sqlstate, int position,
	       const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	memset(e->sqlstate, 0, sizeof(e->sqlstate));
	strncpy(e->sqlstate, sqlstate, sizeof(e->sqlstate) - 1);
	e->position = position;
	va_start(ap, fmt);
	err_vformat(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int sqlerr_nomem(struct sqlerr *e)
{
	return sqlerr_set(e, SQLSTATE_OUT_OF_MEMORY, 0, "out of memory");
}

void sqlerr_clear(struct sqlerr *e)
{
	if (e == NULL)
		return;
	e->sqlstate[0] = '\0';
	e->position = 0;
	e->msg[0] = '\0';
}

int sqlerr_is_set(const struct sqlerr *e)
{
	return e != NULL && e->sqlstate[0] != '\0';
}
