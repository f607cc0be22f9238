/*
 * jx.h -- JSON helpers over Jansson: parse, dump, typed field getters.
 *
 * The getters read one member of a JSON object, check its type and range,
 * and on failure return RC_BAD_INPUT with a message naming the field, so a
 * request handler can answer a client with something it can act on:
 *	missing field 'count'
 *	field 'count' must be an integer
 *	field 'limit' must be between 1 and 1000
 *
 * Numbers: Jansson stores JSON integers as json_int_t (long long, 64 bits)
 * and numbers with a fraction or exponent as reals.  Where an integer is
 * required a real is refused, even 1.0.  jx_get_u64 accepts 0..INT64_MAX
 * only: negative numbers are refused, and Jansson itself refuses to parse an
 * integer above INT64_MAX ("too big integer"), so no value wraps silently.
 *
 * Optional getters (jx_opt_*) give the default when the field is missing or
 * JSON null; a present field of the wrong type is still an error.
 *
 * Strings are borrowed from the object (valid while it lives) and are
 * guaranteed to contain no NUL byte, so they can be used as C strings.
 * Tested in t/unit/jx_test.c.
 */
#ifndef RANGEDB_JX_H
#define RANGEDB_JX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "err.h"

/* ---- parse and dump -------------------------------------------------- */

/*
 * Parse buf[0..len) as one JSON value (object, array or scalar); duplicate
 * object keys are refused.  Malformed input is RC_BAD_INPUT with Jansson's
 * position and reason: "malformed JSON at line 1 column 7: ...".
 */
int jx_parse(const char *buf, size_t len, json_t **out, struct err *e);

/* As jx_parse, but the value must be an object (else RC_BAD_INPUT). */
int jx_parse_object(const char *buf, size_t len, json_t **out,
		    struct err *e);

/*
 * Compact encoding of any JSON value into a malloc'd, NUL-terminated
 * string the caller frees; *len (if not NULL) is its length.  jx_dump_line
 * adds a trailing newline (friendly for curl and line-oriented tools).
 */
int jx_dump(const json_t *j, char **out, size_t *len, struct err *e);
int jx_dump_line(const json_t *j, char **out, size_t *len, struct err *e);

/* ---- required fields -------------------------------------------------- */

int jx_get_int(const json_t *obj, const char *key, int64_t *out,
	       struct err *e);
int jx_get_int_range(const json_t *obj, const char *key, int64_t min,
		     int64_t max, int64_t *out, struct err *e);
int jx_get_u64(const json_t *obj, const char *key, uint64_t *out,
	       struct err *e);
int jx_get_bool(const json_t *obj, const char *key, bool *out,
		struct err *e);
int jx_get_str(const json_t *obj, const char *key, const char **out,
	       struct err *e);
/* Borrowed references to a nested object or array. */
int jx_get_obj(const json_t *obj, const char *key, json_t **out,
	       struct err *e);
int jx_get_arr(const json_t *obj, const char *key, json_t **out,
	       struct err *e);

/* ---- optional fields (missing or null = default) ---------------------- */

int jx_opt_int(const json_t *obj, const char *key, int64_t def,
	       int64_t *out, struct err *e);
int jx_opt_u64(const json_t *obj, const char *key, uint64_t def,
	       uint64_t *out, struct err *e);
int jx_opt_bool(const json_t *obj, const char *key, bool def, bool *out,
		struct err *e);
int jx_opt_str(const json_t *obj, const char *key, const char *def,
	       const char **out, struct err *e);

#endif
