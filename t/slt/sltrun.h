/*
 * sltrun.h -- run one sqllogictest script against an engine.
 *
 * Every statement and query record is counted once: passed, failed or
 * skipped (skipif/onlyif excluded it for the engine).  Control records
 * (hash-threshold, halt) are not counted; a halt that applies ends the
 * script.  A malformed record counts as failed.  A skipped query with a
 * label still has its listed results checked against the label's (as
 * the reference runner does); if they disagree it counts as failed.
 *
 * statement error passes when the engine refuses the statement with an
 * SQL error; an error of class 08 (connection), 53 (resources),
 * 57 (operator intervention), 58 (system) or XX (internal) is a failure
 * of the engine, never the error a test expects.  "statement error RE"
 * also needs the message to match the POSIX extended regular expression
 * RE.  A statement that times out, or whose answer breaks the engine's
 * protocol, fails; the script goes on.  Tested in t/unit/slt_test.c.
 */
#ifndef RANGEDB_SLTRUN_H
#define RANGEDB_SLTRUN_H

#include <stdio.h>

#include "err.h"
#include "sltdb.h"

#define SLTRUN_HASH_THRESHOLD	8	/* without a hash-threshold record */
#define SLTRUN_SHOWN		5	/* failures described per file */

struct sltrun_opts {
	const char *engine;	/* name for skipif/onlyif, e.g. "postgresql" */
	const char *dbname;	/* database created for the script */
	int keep;		/* keep that database afterwards */
	int verbose;		/* describe every failure, in full */
	int stop;		/* end at the first failure */
	FILE *out;		/* where failures are described */
	const char *prefix;	/* before every line written, e.g. "# " */
};

struct sltrun_stats {
	unsigned long passed;
	unsigned long failed;
	unsigned long skipped;
	int halted;		/* a halt record ended the script */
	int stopped;		/* opts.stop ended it at a failure */
};

/*
 * Run the script at path (or the len bytes of text, named name) in a
 * fresh database.  *st is zeroed first and counts even when the run ends
 * early.  RC_OK when the script ran to its end (or halt, or opts.stop),
 * whatever failed in it; RC_UNAVAILABLE when the engine went away; other
 * codes when the script could not be read or the engine broke the
 * protocol, with the reason in e.
 */
int sltrun_file(struct sltdb *db, const char *path,
		const struct sltrun_opts *o, struct sltrun_stats *st,
		struct err *e);
int sltrun_text(struct sltdb *db, const char *name, const char *text,
		size_t len, const struct sltrun_opts *o,
		struct sltrun_stats *st, struct err *e);

#endif
