/*
 * chkset.h -- the set workload checker.
 *
 * Ops: "add" v = int, each value added once; "read" (no key) ok v = [int,
 * ...], all elements read in one transaction; the last ok read is the
 * final one.  Violations:
 *   lost        an ok add that completed before the final read was
 *               invoked is missing from it;
 *   duplicate   a read holds an element twice;
 *   phantom     a read holds an element no add (invoked before the read
 *               completed) tried to add, or one that is not an integer
 *               (the recorder writes what it cannot parse as a string);
 *   unexpected  a read holds the element of an add that ended "fail".
 * Info adds in the final read are counted as recovered.  An ok add that
 * completed after the final read was invoked may be absent ("unsure").
 * No ok read at all: unknown.  Tested in t/unit/checker_test.c.
 */
#ifndef RANGEDB_CHKSET_H
#define RANGEDB_CHKSET_H

#include <jansson.h>
#include <stdio.h>

#include "hist.h"

enum chkset_kind {
	CHKSET_LOST,
	CHKSET_DUPLICATE,
	CHKSET_PHANTOM,
	CHKSET_UNEXPECTED,
	CHKSET__KINDS
};

struct chkset_violation {
	size_t count;
	int64_t value;		/* the first one's element */
	size_t read;		/* hist op id of the read */
	size_t add;		/* hist op id of the add, or SIZE_MAX */
	int64_t *values;	/* every element of that kind, sorted */
	size_t n_values;
};

struct chkset_result {
	enum hist_verdict verdict;
	size_t adds_ok, adds_fail, adds_info;
	size_t reads_ok;
	size_t final_read;	/* hist op id, or SIZE_MAX */
	size_t final_size;	/* distinct elements in the final read */
	size_t recovered;	/* info adds in the final read */
	size_t unsure;		/* ok adds concurrent with the final
				   read, absent from it */
	size_t foreign;		/* elements read, not integers */
	size_t foreign_read;	/* hist op id of the first, or SIZE_MAX */
	struct chkset_violation v[CHKSET__KINDS];
};

int chkset_run(const struct hist *h, struct chkset_result *r,
	       struct err *e);
void chkset_release(struct chkset_result *r);
void chkset_print(const struct hist *h, const struct chkset_result *r,
		  FILE *out);
int chkset_json(const struct hist *h, const struct chkset_result *r,
		json_t *obj);

/* "lost", "duplicate", "phantom", "unexpected" */
const char *chkset_kind_name(enum chkset_kind k);

#endif
