/*
 * chkmono.h -- the monotonic workload checker.
 *
 * Writers "write" k = key: one transaction increments a global sequence
 * and writes the new value into k; ok v = that seq (info: unknown, unless
 * the line carries an integer v).  Readers "read" k: ok v = int or null.
 * Violations, per process (a client's session; a new id after "info"):
 *   backwards   a read of key a returns less than an earlier read of a by
 *               the same process;
 *   stale       after the process observed seq M (the max of its reads so
 *               far, any key), a read of key a returns v while an ok write
 *               to a has seq w, v < w <= M: the session went back in time;
 *   phantom     a read returns a value no write to that key produced
 *               (an ok write invoked before the read completed, or an
 *               info write whose seq is unknown and not some ok write's),
 *               or something that is not an integer;
 *   duplicate   two ok writes got the same seq (the sequence's increment
 *               was lost).
 * Null reads count as lower than any seq.  Tested in
 * t/unit/checker_test.c.
 */
#ifndef RANGEDB_CHKMONO_H
#define RANGEDB_CHKMONO_H

#include <jansson.h>
#include <stdio.h>

#include "hist.h"

enum chkmono_kind {
	CHKMONO_BACKWARDS,
	CHKMONO_STALE,
	CHKMONO_PHANTOM,
	CHKMONO_DUPLICATE,
	CHKMONO__KINDS
};

struct chkmono_violation {
	size_t count;
	/* the first one (earliest in the history): hist op ids or SIZE_MAX */
	size_t read;		/* the read that is wrong (duplicate: the
				   second write) */
	size_t earlier;		/* backwards: the earlier read; stale:
				   the read that observed M; duplicate:
				   the first write */
	size_t write;		/* stale: the write with seq w */
	int64_t pos;		/* where it shows: the read's completion */
};

struct chkmono_result {
	enum hist_verdict verdict;
	size_t writes[3], reads[3];	/* by enum hist_status */
	size_t n_keys;
	size_t n_procs;			/* processes that read */
	enum chkmono_kind first;	/* the earliest violation's kind */
	struct chkmono_violation v[CHKMONO__KINDS];
};

int chkmono_run(const struct hist *h, struct chkmono_result *r,
		struct err *e);
void chkmono_print(const struct hist *h, const struct chkmono_result *r,
		   FILE *out);
int chkmono_json(const struct hist *h, const struct chkmono_result *r,
		 json_t *obj);

/* "backwards", "stale", "phantom", "duplicate" */
const char *chkmono_kind_name(enum chkmono_kind k);

#endif
