/*
 * chkbank.h -- the bank workload checker.
 *
 * The meta line gives "accounts": N (accounts acct/0..acct/N-1) and
 * "total": T.  Ops: "transfer" v = {"from":i,"to":j,"amount":n} (counted,
 * not checked: a transfer only moves money); "read" ok v = {"<i>":
 * balance, ...}, every account read in one transaction.  Violations, in
 * each ok read:
 *   wrong_total   the balances add up to something other than T;
 *   missing       an account is absent (or null) from the read;
 *   unexpected    the read names an account outside 0..N-1;
 *   garbled       a balance is not an integer (the recorder writes what
 *                 it cannot parse as a string).
 * Each bad read counts once, as the first of unexpected, garbled,
 * missing, wrong_total that applies.
 * Tested in t/unit/checker_test.c.
 */
#ifndef RANGEDB_CHKBANK_H
#define RANGEDB_CHKBANK_H

#include <jansson.h>
#include <stdio.h>

#include "hist.h"

enum chkbank_kind {
	CHKBANK_WRONG_TOTAL,
	CHKBANK_MISSING,
	CHKBANK_UNEXPECTED,
	CHKBANK_GARBLED,
	CHKBANK__KINDS
};

struct chkbank_result {
	enum hist_verdict verdict;
	long long accounts, total;
	size_t transfers[3], reads[3];	/* by enum hist_status */
	size_t bad_reads;		/* ok reads with any violation */
	size_t count[CHKBANK__KINDS];	/* reads with each violation */
	size_t first_read;		/* hist op id, or SIZE_MAX */
	enum chkbank_kind first_kind;
	long long first_sum;		/* wrong_total: the sum read */
	char first_detail[128];		/* e.g. "3, 4" for missing */
};

/* RC_BAD_INPUT: meta without accounts/total, or a malformed op. */
int chkbank_run(const struct hist *h, struct chkbank_result *r,
		struct err *e);
void chkbank_print(const struct hist *h, const struct chkbank_result *r,
		   FILE *out);
int chkbank_json(const struct hist *h, const struct chkbank_result *r,
		 json_t *obj);

/* "wrong_total", "missing", "unexpected", "garbled" */
const char *chkbank_kind_name(enum chkbank_kind k);

#endif
