/*
 * sltsql.h -- the sqllogictest runner's engine for a rangedb gateway:
 * txcoord's POST /sql (the protocol is in docs and in sqlsh(1)).
 *
 * Each script runs in its own session (POST /sql/session) and its own
 * database: "CREATE DATABASE name; USE name" at the start; at the end
 * the session is closed (DELETE /sql/session/ID) and the database dropped
 * by a standalone request ("DROP DATABASE IF EXISTS name CASCADE").
 * Every record is one POST /sql in the session; the top-level columns,
 * types and rows of the answer (those of its last statement) are the
 * result.  A 200 is success; another status with {"error": {"sqlstate",
 * "message"}} an SQL error; a connection failure RC_UNAVAILABLE; any
 * other answer RC_CORRUPT naming the gateway and the status.
 * Tested end to end by the lead's cluster tests (t/slt/README).
 */
#ifndef RANGEDB_SLTSQL_H
#define RANGEDB_SLTSQL_H

#include "err.h"
#include "sltdb.h"

/*
 * An engine talking to the gateway at url ("HOST:PORT" or "http://...");
 * timeout_ms bounds each request.  Nothing is sent yet.
 */
int sltsql_open(const char *url, long timeout_ms, struct sltdb **out,
		struct err *e);

#endif
