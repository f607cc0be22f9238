/*
 * hist.h -- a Jepsen-style operation history, read from JSON Lines.
 *
 * The file format is the contract between the workload recorder and the
 * checkers (t/check/README, "History format").  hist_read_*() pairs each
 * "invoke" with the next completion ("ok", "fail" or "info") of the same
 * process; an invoke still open at the end of the file becomes an info op
 * with no completion.  Nemesis lines are kept apart, in file order.
 *
 * Guarantees: ops[] is in invoke order and ops[i].id == i; an op's
 * positions are its line numbers, so pos_invoke < pos_complete and the file
 * order is the real-time order the checkers use; every malformed line is
 * refused with RC_BAD_INPUT and a message "FILE:LINE: what is wrong".
 * The values ("v") are kept as jansson values owned by the history; the
 * checkers interpret them.  Tested in t/unit/checker_test.c.
 */
#ifndef RANGEDB_HIST_H
#define RANGEDB_HIST_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

/* pos_complete of an op that has no completion line */
#define HIST_POS_NONE	INT64_MAX

enum hist_status {
	HIST_OK,		/* happened */
	HIST_FAIL,		/* definitely did not happen */
	HIST_INFO		/* unknown: may happen at any later time */
};

/* What a checker concluded; the exit status is 0, 1 or 3 in that order. */
enum hist_verdict {
	HIST_VALID,
	HIST_INVALID,
	HIST_UNKNOWN
};

struct hist_op {
	size_t id;		/* index in hist->ops */
	long long p;		/* process id */
	char *f;		/* op name: "read", "write", "cas", "add"... */
	char *k;		/* key, NULL when the op has none */
	json_t *value;		/* the invoke's "v"; NULL when absent */
	json_t *result;		/* the completion's "v", or NULL */
	char *error;		/* the completion's "error", or NULL */
	enum hist_status status;
	int64_t t_invoke;	/* CLOCK_REALTIME ns */
	int64_t t_complete;	/* 0 when there is no completion */
	int64_t pos_invoke;	/* the line of the invoke */
	int64_t pos_complete;	/* its completion's, or HIST_POS_NONE */
};

struct hist_nemesis {
	char *f;
	int64_t t;
	int64_t pos;		/* line */
};

struct hist {
	char *name;		/* file name, for messages */
	json_t *meta;		/* the first line */
	const char *workload;	/* meta's "workload" (borrowed) */
	struct hist_op *ops;
	size_t n_ops;
	struct hist_nemesis *nemesis;
	size_t n_nemesis;
	size_t n_ok, n_fail, n_info;
	int64_t t0;		/* t of the first line that has one, or 0 */
};

/*
 * Read a history from a file, a stream or a string (name is used in
 * messages).  On success *out is a new history for hist_free().
 * RC_BAD_INPUT: a malformed line; RC_IO: unreadable; RC_NOMEM.
 */
int hist_read_file(const char *path, struct hist **out, struct err *e);
int hist_read_stream(FILE *in, const char *name, struct hist **out,
		     struct err *e);
int hist_read_string(const char *text, const char *name, struct hist **out,
		     struct err *e);
void hist_free(struct hist *h);

/*
 * Integer meta parameter: RC_OK and *out, RC_NOT_FOUND when absent,
 * RC_BAD_INPUT (message says so) when not an integer.
 */
int hist_meta_int(const struct hist *h, const char *name, long long *out,
		  struct err *e);

/* Refuse op with RC_BAD_INPUT: "FILE:LINE: <p> <f>: <why>". */
int hist_op_bad(const struct hist *h, const struct hist_op *op,
		struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * One line for a person:
 *	p7 write "k3" 42 -> ok  [+1.203405s..+1.210334s, lines 341..345]
 * (times relative to h->t0).  Never cut silently: a long value ends "...".
 */
void hist_op_print(const struct hist *h, const struct hist_op *op,
		   FILE *out);

/* The same as a JSON object (new reference; NULL when out of memory). */
json_t *hist_op_json(const struct hist_op *op);

/* "register: 12 operations (10 ok, 1 fail, 1 info)" with no newline. */
void hist_print_counts(const struct hist *h, FILE *out);

/* {"workload":..,"operations":N,"ok":..,"fail":..,"info":..,"nemesis":N} */
json_t *hist_json_counts(const struct hist *h);

/* "valid", "invalid", "unknown" */
const char *hist_verdict_name(enum hist_verdict v);

#endif
