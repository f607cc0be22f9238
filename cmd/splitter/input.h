/*
 * input.h -- splitter's input: the output of `rangectl list` (or
 * `rangectl locate`), as text or as JSON (--json), read and checked whole
 * before anything is done with it.
 *
 * Text: the header line
 *	range_id<TAB>start<TAB>end<TAB>leader<TAB>replicas<TAB>size_bytes<TAB>qps
 * then one line per range with exactly those 7 columns: range_id a positive
 * integer; start and end keys in rangectl's readable form (printable ASCII,
 * "\\" and "\xHH" escapes; end may be "+inf"); leader a node id or "-";
 * replicas node ids joined by ","; size_bytes and qps whole numbers or "-"
 * (unknown).  Blank lines and repeated header lines (several outputs
 * concatenated) are skipped.
 *
 * JSON (auto-detected: the first non-blank byte is '{'): an object with a
 * "ranges" array of objects, each with "range_id" (positive integer),
 * "size_bytes" (integer >= 0 or null) and "qps" (number >= 0 or null;
 * fractions are rounded down); other fields are ignored.
 *
 * Guarantees: every problem is RC_BAD_INPUT with a message naming where it
 * is -- "line 7: ..." (text, and JSON syntax), "ranges[3]: ..." (JSON
 * fields) -- and no range is returned unless the whole input is valid.
 * Empty input (nothing but blanks) is an error too: it is what a failed
 * `rangectl list` leaves in a pipe.  A range id that appears twice is an
 * error.  Tested by t/510-splitter.bats.
 */
#ifndef RANGEDB_SPLITTER_INPUT_H
#define RANGEDB_SPLITTER_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

/* Most bytes of input read (a list of a million ranges is ~100 MiB). */
#define INPUT_MAX_BYTES	(256u * 1024 * 1024)

/* One range of the input, with what the splitter needs of it. */
struct input_range {
	uint64_t range_id;
	uint64_t size_bytes;
	uint64_t qps;
	int has_size, has_qps;		/* 0 = unknown ("-" or null) */
	size_t where;			/* text: line number; JSON: index */
};

/* All of f (at most max bytes) into a malloc'd NUL-terminated buffer. */
int input_read(FILE *f, size_t max, char **buf, size_t *len, struct err *e);

/*
 * Parse buf[0..len) into a malloc'd array *out of *n ranges, in input
 * order (the caller frees *out).  On error *out is NULL.
 */
int input_parse(const char *buf, size_t len, struct input_range **out,
		size_t *n, struct err *e);

#endif
