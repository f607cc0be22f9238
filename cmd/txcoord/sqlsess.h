/*
 * sqlsess.h -- the SQL gateway's sessions: what a client keeps between
 * requests (an explicit transaction, the current database, settings).
 *
 * POST /sql/session makes one; each request names it, gets it for its
 * exclusive use (a second request on the same session waits), and gives it
 * back.  A session idle for longer than the table's idle time is closed by
 * a reaper thread: its transaction is rolled back through the destroy
 * callback.  Session ids are 32 random hex characters (not guessable), so
 * one client cannot stumble into another's session.
 * Tested in t/unit/sqlsess_test.c.
 */
#ifndef RANGEDB_SQLSESS_H
#define RANGEDB_SQLSESS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define SQLSESS_ID_HEX		33	/* 32 hex characters + NUL */
#define SQLSESS_DEFAULT_IDLE_MS	(10 * 60 * 1000)
#define SQLSESS_MAX		10000	/* open sessions per gateway */

struct sqlsess {
	char id[SQLSESS_ID_HEX];
	void *state;		/* the engine's: transaction, settings */
	/* private to sqlsess.c */
	struct sqlsess *next;
	unsigned users;
	int closed;
	uint64_t idle_since_ms;
	pthread_mutex_t mu;	/* held by the user */
};

struct sqlsess_table;

/*
 * destroy(state, arg) is called once per session when it is closed or
 * expires, outside the table's lock (it may roll back a transaction).
 */
typedef void (*sqlsess_destroy_fn)(void *state, void *arg);

int sqlsess_table_new(struct sqlsess_table **out, unsigned idle_ms,
		      sqlsess_destroy_fn destroy, void *arg, struct err *e);
/* Closes every session (destroy called for each) and stops the reaper. */
void sqlsess_table_free(struct sqlsess_table *t);

/* A new session holding state, acquired for the caller. */
int sqlsess_create(struct sqlsess_table *t, void *state,
		   struct sqlsess **out, struct err *e);
/*
 * The session with this id, for the caller's exclusive use until
 * sqlsess_release().  RC_NOT_FOUND for an unknown, closed or expired id.
 */
int sqlsess_acquire(struct sqlsess_table *t, const char *id,
		    struct sqlsess **out, struct err *e);
/* Give it back; with close != 0 the session ends (destroy is called). */
void sqlsess_release(struct sqlsess_table *t, struct sqlsess *s, int close);
/* Open sessions. */
size_t sqlsess_count(struct sqlsess_table *t);

#endif
