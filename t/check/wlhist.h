/*
 * wlhist.h -- the history file of t/check/workload: one JSON object per
 * line in the format of the issue 8 spec (t/check/README.workload), the
 * contract between the workload recorder and the checker.
 *
 *	{"type":"meta","workload":"bank","accounts":5,"total":500,...}
 *	{"type":"invoke","p":3,"f":"cas","k":"chk/7-1/reg/2","v":[4,9],"t":...}
 *	{"type":"fail","p":3,"f":"cas","k":"chk/7-1/reg/2","v":[4,9],"t":...,
 *	 "error":"compare failed: the value is 5"}
 *
 * Guarantees: every line is written with one write(2) on an O_APPEND
 * descriptor, so another process (chaos) may append nemesis lines to the
 * same file concurrently without tearing ours; lines of this process are
 * written under one mutex that also reads the clock, so their "t" values
 * never decrease down the file.  Keys and error texts are JSON-escaped
 * (Jansson); a key that is not valid UTF-8 is refused (RC_BAD_INPUT).
 * A write error is sticky: every later call returns it, so a run stops
 * rather than leave holes in its history.
 *
 * Tested in t/unit/wlhist_test.c.
 */
#ifndef RANGEDB_WLHIST_H
#define RANGEDB_WLHIST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

/* What happened to an operation (the type of its completion line). */
enum wlhist_outcome {
	WLHIST_OK = 0,		/* it happened */
	WLHIST_FAIL,		/* it certainly did not happen */
	WLHIST_INFO		/* unknown: it may happen at any later time */
};

/* "ok", "fail" or "info". */
const char *wlhist_outcome_name(enum wlhist_outcome o);

/* CLOCK_REALTIME in nanoseconds (the history's "t"). */
int64_t wlhist_now_ns(void);

/*
 * One event line, '\n'-terminated, into a malloc'd string the caller
 * frees: {"type":type,"p":p,"f":f,"k":k,"v":v,"t":t,"error":error}.
 * k NULL leaves "k" out (key-less ops such as the final set read), v NULL
 * writes "v":null, error NULL or "" leaves "error" out.  v is not
 * stolen.
 */
int wlhist_format(const char *type, int64_t p, const char *f,
		  const char *k, const json_t *v, int64_t t,
		  const char *error, char **out, size_t *len, struct err *e);

/* ---- the file ------------------------------------------------------------ */

struct wlhist;

/*
 * Open path for appending ("-" is stdout).  A file that exists and is not
 * empty is refused (RC_BAD_INPUT): appending to an old history would
 * mix two runs, truncating it might lose lines chaos already wrote.
 */
int wlhist_open(const char *path, struct wlhist **out, struct err *e);

/* Close (not stdout) and free; NULL is a no-op. */
void wlhist_close(struct wlhist *h);

/* {"type":"meta", ...every member of fields in order}. */
int wlhist_meta(struct wlhist *h, const json_t *fields, struct err *e);

/* An invoke line, stamped now. */
int wlhist_invoke(struct wlhist *h, int64_t p, const char *f, const char *k,
		  const json_t *v, struct err *e);

/* A completion line (ok, fail or info), stamped now. */
int wlhist_complete(struct wlhist *h, enum wlhist_outcome o, int64_t p,
		    const char *f, const char *k, const json_t *v,
		    const char *error, struct err *e);

/* Lines counted so far (thread-safe). */
struct wlhist_counts {
	uint64_t invoke, ok, fail, info;
};

void wlhist_get_counts(struct wlhist *h, struct wlhist_counts *out);

#endif
