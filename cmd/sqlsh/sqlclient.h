/*
 * sqlclient.h -- sqlsh's side of the gateway's SQL protocol: a session,
 * POST /sql, and the reply as plain C structs.
 *
 * Protocol (docs/ARCHITECTURE.md, issue 7): POST /sql/session -> 201
 * {"session":"ID"}; POST /sql {"sql":..., "session":"ID"} -> 200
 * {"results":[{"columns","types","rows","tag"}...], "txn":...} or an
 * error status with {"error":{"sqlstate","message","position"},
 * "results":[...done before it], "txn":...}; DELETE /sql/session/ID.
 *
 * Guarantees:
 *   - A reply is checked whole before it is used: every row has as many
 *     values as there are columns, every value is a string or null, and a
 *     malformed reply is RC_CORRUPT naming what is wrong, never a crash.
 *   - Text that JSON cannot carry (bytes that are not UTF-8, or NUL) is
 *     never sent: sqlclient_run answers it itself, as the server would,
 *     with SQLSTATE 22021 and the position of the bad byte.
 *   - sqlclient_abort() may be called from any thread while a request
 *     runs (sqlsh's Ctrl-C); the request then fails at once.
 *
 * Not thread-safe otherwise: one client per thread.  The reply parser is
 * tested in t/unit/sqlsh_test.c; requests end to end by the sqlsh BATS
 * tests.
 */
#ifndef RANGEDB_SQLCLIENT_H
#define RANGEDB_SQLCLIENT_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"

/* Transaction state of the session after a request ("txn" in a reply). */
enum sqlclient_txn {
	SQLCLIENT_TXN_UNKNOWN = 0,	/* the reply did not say */
	SQLCLIENT_TXN_NONE,		/* "none" */
	SQLCLIENT_TXN_OPEN,		/* "open": BEGIN ... in progress */
	SQLCLIENT_TXN_FAILED		/* "failed": only ROLLBACK works */
};

/*
 * One statement's result.  Strings are borrowed from the reply and live
 * as long as it does.
 */
struct sqlres {
	size_t ncols;
	const char **names;	/* column names */
	const char **types;	/* "int8", "text", ...; "" when not given */
	size_t nrows;
	const char **cells;	/* row-major nrows * ncols; NULL is SQL NULL */
	const char *tag;	/* "SELECT 2", "INSERT 0 3"; "" when none */
};

/* A statement's error. */
struct sqlerror {
	char sqlstate[6];	/* "42601"; "" when the server gave none */
	const char *message;
	const char *detail;	/* NULL when absent */
	const char *hint;	/* NULL when absent */
	long position;		/* 1-based byte offset in the sent text; 0 */
};

/* A whole reply: the results of the statements that ran, then an error. */
struct sqlreply {
	int status;		/* HTTP status (0: answered locally) */
	size_t nres;
	struct sqlres *res;
	int failed;		/* error is set */
	struct sqlerror error;
	enum sqlclient_txn txn;
	json_t *json;		/* owns the strings */
	char local_msg[96];	/* the message of a locally made error */
};

struct sqlclient;

/* ---- life cycle --------------------------------------------------------- */

/*
 * A client of the gateway at url ("http://HOST:PORT" or "HOST:PORT").
 * timeout_ms bounds each request (0: no limit); connecting is bounded by
 * the smaller of it and 5 s.  RC_BAD_INPUT for a URL that is not
 * http://HOST:PORT.
 */
int sqlclient_new(struct sqlclient **out, const char *url, long timeout_ms,
		  struct err *e);
void sqlclient_free(struct sqlclient *c);

/* "HOST:PORT" of the gateway, for messages. */
const char *sqlclient_peer(const struct sqlclient *c);

/* ---- session ------------------------------------------------------------ */

/*
 * POST /sql/session; later requests carry the new session.  Any session
 * the client had is forgotten (not closed).
 */
int sqlclient_session_open(struct sqlclient *c, struct err *e);

/* DELETE /sql/session/ID, if there is a session.  Idempotent. */
int sqlclient_session_close(struct sqlclient *c, struct err *e);

/* The session id, or NULL. */
const char *sqlclient_session(const struct sqlclient *c);

/* ---- statements --------------------------------------------------------- */

/*
 * POST /sql with sql[0, len) in the session.  RC_OK when the server
 * answered in the protocol's shape, successful or not: *out is the
 * reply (check (*out)->failed), freed with sqlclient_reply_free().
 * Otherwise an rc with e set: RC_UNAVAILABLE or RC_TIMEOUT when the
 * gateway cannot be reached or does not answer (or after
 * sqlclient_abort), RC_CORRUPT for a reply that is not the protocol.
 */
int sqlclient_run(struct sqlclient *c, const char *sql, size_t len,
		  struct sqlreply **out, struct err *e);

/* Abort the request in flight, from any thread (see http_client_abort). */
void sqlclient_abort(struct sqlclient *c);

/* Let requests through again after an abort (from the client's thread). */
void sqlclient_reset_abort(struct sqlclient *c);

/* ---- replies ------------------------------------------------------------ */

/*
 * Parse an HTTP reply of POST /sql: status and body[0, len).  peer names
 * the gateway in messages.  RC_CORRUPT when the body is not the
 * protocol's shape (for a 5xx status that is not JSON, RC_UNAVAILABLE).
 */
int sqlclient_parse_reply(int status, const char *body, size_t len,
			  const char *peer, struct sqlreply **out,
			  struct err *e);

void sqlclient_reply_free(struct sqlreply *r);

/*
 * Check that s[0, n) is UTF-8 without NUL.  Returns 1 when it is, else 0
 * with *bad the offset of the first bad sequence and *bad_len its length
 * (the bytes PostgreSQL would quote in its message, at least 1).
 */
int sqlclient_utf8_valid(const char *s, size_t n, size_t *bad,
			 size_t *bad_len);

#endif
