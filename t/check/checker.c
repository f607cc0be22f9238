/*
 * checker.c -- the history checker's command line: read a JSON Lines
 * history (hist.c), run the checker of its workload (chkreg.c, chkset.c,
 * chkmono.c, chkbank.c), print the verdict and the first violation, or
 * with --json one JSON object.
 *
 * Exit status: 0 valid, 1 a violation, 2 usage or an unreadable or
 * malformed history, 3 unknown (the search budget ran out, or nothing to
 * check against).  See t/check/README; tested by t/unit/checker_test.c.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chkbank.h"
#include "chkmono.h"
#include "chkreg.h"
#include "chkset.h"
#include "err.h"
#include "hist.h"
#include "linear.h"

#define PROG "checker"

static const char usage_text[] =
"Usage: checker [--budget N] [--json] HISTORY.jsonl\n"
"Check a Jepsen-style operation history (JSON Lines, see t/check/README).\n"
"The workload (register, set, monotonic or bank) comes from its meta line.\n"
"\n"
"Options:\n"
"  -b, --budget N   register: give up on a key after N search\n"
"                   configurations (default 5000000, about 40 bytes each)\n"
"  -j, --json       print one JSON object instead of text\n"
"  -h, --help       show this help and exit\n"
"\n"
"Exit status: 0 valid, 1 a violation, 2 usage or unreadable history,\n"
"3 unknown (search budget exceeded or nothing to check against).\n";

struct opts {
	uint64_t budget;
	int json;
	const char *path;
};

static int run_register(const struct hist *h, const struct opts *o,
			json_t *j, enum hist_verdict *v, struct err *e)
{
	struct chkreg_result r;
	int rc = chkreg_run(h, o->budget, &r, e);

	if (rc != RC_OK)
		return rc;
	if (j != NULL)
		rc = chkreg_json(h, &r, j);
	else
		chkreg_print(h, &r, stdout);
	*v = r.verdict;
	chkreg_release(&r);
	return rc;
}

static int run_set(const struct hist *h, const struct opts *o, json_t *j,
		   enum hist_verdict *v, struct err *e)
{
	struct chkset_result r;
	int rc = chkset_run(h, &r, e);

	if (rc != RC_OK)
		return rc;
	if (j != NULL)
		rc = chkset_json(h, &r, j);
	else
		chkset_print(h, &r, stdout);
	*v = r.verdict;
	chkset_release(&r);
	return rc;
}

static int run_monotonic(const struct hist *h, const struct opts *o,
			 json_t *j, enum hist_verdict *v, struct err *e)
{
	struct chkmono_result r;
	int rc = chkmono_run(h, &r, e);

	if (rc != RC_OK)
		return rc;
	if (j != NULL)
		rc = chkmono_json(h, &r, j);
	else
		chkmono_print(h, &r, stdout);
	*v = r.verdict;
	return rc;
}

static int run_bank(const struct hist *h, const struct opts *o, json_t *j,
		    enum hist_verdict *v, struct err *e)
{
	struct chkbank_result r;
	int rc = chkbank_run(h, &r, e);

	if (rc != RC_OK)
		return rc;
	if (j != NULL)
		rc = chkbank_json(h, &r, j);
	else
		chkbank_print(h, &r, stdout);
	*v = r.verdict;
	return rc;
}

static const struct {
	const char *name;
	int (*run)(const struct hist *h, const struct opts *o, json_t *j,
		   enum hist_verdict *v, struct err *e);
} workloads[] = {
	{ "register", run_register },
	{ "set", run_set },
	{ "monotonic", run_monotonic },
	{ "bank", run_bank },
};

/* 0: run; 1: --help printed; -1: usage error printed. */
static int opts_parse(struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "budget", required_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char *end;
	int c;

	o->budget = LINEAR_DEFAULT_BUDGET;
	o->json = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":b:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			errno = 0;
			o->budget = strtoull(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    *optarg == '-' || o->budget == 0) {
				fprintf(stderr, "%s: --budget wants a "
					"positive integer, not '%s'\n", PROG,
					optarg);
				return -1;
			}
			break;
		case 'j':
			o->json = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 1;
		case ':':
			fprintf(stderr, "%s: option '%s' needs an argument\n"
				"Try '%s --help'.\n", PROG, argv[optind - 1],
				PROG);
			return -1;
		default:
			fprintf(stderr, "%s: unknown option '%s'\n"
				"Try '%s --help'.\n", PROG, argv[optind - 1],
				PROG);
			return -1;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "%s: expected one history file\n"
			"Try '%s --help'.\n", PROG, PROG);
		return -1;
	}
	o->path = argv[optind];
	return 0;
}

static int exit_status(int rc)
{
	/* a checker that cannot finish (out of memory) concluded nothing */
	return rc == RC_BAD_INPUT || rc == RC_IO || rc == RC_NOT_FOUND ?
	       EXIT_USAGE : EXIT_TEMP;
}

static int check(const struct opts *o)
{
	enum hist_verdict v = HIST_UNKNOWN;
	struct hist *h = NULL;
	json_t *j = NULL;
	struct err e;
	size_t i;
	int rc;

	rc = hist_read_file(o->path, &h, &e);
	for (i = 0; rc == RC_OK && i < sizeof(workloads) / sizeof(*workloads);
	     i++)
		if (strcmp(h->workload, workloads[i].name) == 0)
			break;
	if (rc == RC_OK && i == sizeof(workloads) / sizeof(*workloads))
		rc = err_set(&e, RC_BAD_INPUT, "%s:1: unknown workload '%s' "
			     "(expected register, set, monotonic or bank)",
			     o->path, h->workload);
	if (rc == RC_OK && o->json && (j = hist_json_counts(h)) == NULL)
		rc = err_set(&e, RC_NOMEM, "out of memory");
	if (rc == RC_OK)
		rc = workloads[i].run(h, o, j, &v, &e);
	if (rc == RC_OK && j != NULL) {
		if (json_object_set_new(j, "valid", v == HIST_UNKNOWN ?
					json_string("unknown") :
					json_boolean(v == HIST_VALID)) != 0 ||
		    json_dumpf(j, stdout, JSON_COMPACT) != 0)
			rc = err_set(&e, RC_NOMEM, "out of memory");
		putchar('\n');
	}
	if (rc == RC_OK && fflush(stdout) != 0)
		rc = err_set(&e, RC_IO, "cannot write the report: %s",
			     strerror(errno));
	json_decref(j);
	hist_free(h);
	if (rc != RC_OK) {
		fprintf(stderr, "%s: %s\n", PROG, e.msg);
		return exit_status(rc);
	}
	return v == HIST_VALID ? EXIT_OK : v == HIST_INVALID ? EXIT_FAIL
							     : EXIT_TEMP;
}

int main(int argc, char **argv)
{
	struct opts o;
	int r = opts_parse(&o, argc, argv);

	if (r != 0)
		return r > 0 ? EXIT_OK : EXIT_USAGE;
	return check(&o);
}
