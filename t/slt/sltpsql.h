/*
 * sltpsql.h -- the sqllogictest runner's engine for a real PostgreSQL,
 * through a psql child process: a development tool to check the runner
 * itself against a reference engine (not used in CI).
 *
 * The command (e.g. "psql -X -h /tmp/pg -p 54329 -U postgres") is run by
 * /bin/sh with its stdin and stdout connected to the runner and stderr
 * to a temporary file (shown when psql fails to start or dies).  psql is
 * put in quiet, unaligned, tuples-only mode with control characters as
 * field (0x1f) and record (0x1e) separators and "\001NULL\001" for NULL.
 * Each record is sent as
 *	\echo <begin marker> <n>
 *	\set LAST_ERROR_SQLSTATE 00000   (and LAST_ERROR_MESSAGE '')
 *	SQL
 *	;
 *	\echo <marker> <n> :LAST_ERROR_SQLSTATE
 *	\echo :LAST_ERROR_MESSAGE
 *	\echo <end marker> <n>
 * and the runner reads up to the end marker: the rows are what comes
 * between the begin marker and the status line.  A record that gets no
 * end marker in time (PostgreSQL's statement_timeout is the runner's
 * --timeout, this waits 10 s longer) or garbles the markers fails, and
 * psql is restarted and reconnected so the script can go on.  Each
 * script runs in its own database (CREATE DATABASE, \c; at the end \c
 * back to psql's first database, DROP DATABASE).
 *
 * Limits: the column count of an empty result is unknown (not checked);
 * SQL must not contain psql meta-commands or :variables (the corpus has
 * none); a value holding 0x1e or 0x1f would be split.
 * Tested by running the corpus on PostgreSQL 15 (t/slt/README).
 */
#ifndef RANGEDB_SLTPSQL_H
#define RANGEDB_SLTPSQL_H

#include "err.h"
#include "sltdb.h"

/*
 * Start psql with the shell command cmd; timeout_ms bounds each record.
 * RC_UNAVAILABLE (with psql's own message) when it cannot connect.
 */
int sltpsql_open(const char *cmd, long timeout_ms, struct sltdb **out,
		 struct err *e);

#endif
