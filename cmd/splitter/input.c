/*
 * input.c -- parse and check `rangectl list` output.  See input.h.
 *
 * The text parser works on the buffer in place, one line at a time,
 * copying each line (bounded by its own length) before splitting it, so a
 * line of any length is fine and nothing is ever cut.  Tested by
 * t/510-splitter.bats.
 */
#include "input.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util.h"

#define INPUT_COLUMNS	7

static const char input_header[] =
	"range_id\tstart\tend\tleader\treplicas\tsize_bytes\tqps";

int input_read(FILE *f, size_t max, char **buf, size_t *len, struct err *e)
{
	size_t cap = 65536, n = 0;
	char *b = malloc(cap + 1), *nb;

	*buf = NULL;
	*len = 0;
	if (b == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	for (;;) {
		size_t got;

		if (n == cap) {
			if (cap >= max) {
				free(b);
				return err_set(e, RC_TOO_LARGE, "input is "
					       "larger than %zu MiB",
					       max >> 20);
			}
			cap = cap * 2 > max ? max : cap * 2;
			if ((nb = realloc(b, cap + 1)) == NULL) {
				free(b);
				return err_set(e, RC_NOMEM, "out of memory");
			}
			b = nb;
		}
		got = fread(b + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f)) {
				int err = errno;

				free(b);
				return err_set(e, RC_IO, "cannot read the "
					       "input: %s", strerror(err));
			}
			break;
		}
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return RC_OK;
}

/* ---- shared ------------------------------------------------------------- */

struct input_list {
	struct input_range *v;
	size_t n, cap;
};

/* Append r, refusing a range id seen before (text: by line number). */
static int input_add(struct input_list *l, const struct input_range *r,
		     int text, struct err *e)
{
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].range_id != r->range_id)
			continue;
		if (text)
			return err_set(e, RC_BAD_INPUT, "line %zu: range %"
				       PRIu64 " appears twice (also on line "
				       "%zu)", r->where, r->range_id,
				       l->v[i].where);
		return err_set(e, RC_BAD_INPUT, "ranges[%zu]: range %" PRIu64
			       " appears twice (also ranges[%zu])", r->where,
			       r->range_id, l->v[i].where);
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct input_range *p = realloc(l->v, cap * sizeof(*p));

		if (p == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		l->v = p;
		l->cap = cap;
	}
	l->v[l->n++] = *r;
	return RC_OK;
}

/* ---- text --------------------------------------------------------------- */

/* A key in rangectl's readable form; NULL when fine, else what is wrong. */
static const char *input_key_problem(const char *s, int is_end)
{
	if (is_end && strcmp(s, "+inf") == 0)
		return NULL;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c > 0x7e)
			return "has a byte that is not printable ASCII (rangectl"
			       " writes \\xHH)";
		if (c != '\\')
			continue;
		if (s[1] == '\\') {
			s++;
			continue;
		}
		if (s[1] != 'x' || !isxdigit((unsigned char)s[2]) ||
		    !isxdigit((unsigned char)s[3]))
			return "has a bad escape (rangectl writes \\\\ and "
			       "\\xHH only)";
		s += 3;
	}
	return NULL;
}

/* "-" (unknown: *has = 0) or a whole number. */
static int input_opt_u64(const char *s, const char *what, uint64_t *v,
			 int *has, struct err *e)
{
	*has = 0;
	*v = 0;
	if (strcmp(s, "-") == 0)
		return RC_OK;
	if (util_parse_u64(s, 0, UINT64_MAX, v, what, e) != RC_OK)
		return err_set(e, RC_BAD_INPUT, "%s must be a whole number or "
			       "'-', got '%s'", what, s);
	*has = 1;
	return RC_OK;
}

/* Check the columns f[0..7) of line `line` and fill r. */
static int input_columns(char **f, struct input_range *r, struct err *e)
{
	const char *why;
	uint64_t v;
	int has;
	char *p, *comma;

	if (util_parse_u64(f[0], 1, INT64_MAX, &r->range_id, "range_id", e) !=
	    RC_OK)
		return RC_BAD_INPUT;
	if ((why = input_key_problem(f[1], 0)) != NULL)
		return err_set(e, RC_BAD_INPUT, "start key '%s' %s", f[1], why);
	if ((why = input_key_problem(f[2], 1)) != NULL)
		return err_set(e, RC_BAD_INPUT, "end key '%s' %s", f[2], why);
	if (strcmp(f[3], "-") != 0 &&
	    util_parse_u64(f[3], 1, INT64_MAX, &v, "leader", e) != RC_OK)
		return err_set(e, RC_BAD_INPUT, "leader must be a node id or "
			       "'-', got '%s'", f[3]);
	if (f[4][0] == '\0')
		return err_set(e, RC_BAD_INPUT, "replicas is empty");
	for (p = f[4]; p != NULL; p = comma != NULL ? comma + 1 : NULL) {
		if ((comma = strchr(p, ',')) != NULL)
			*comma = '\0';
		if (util_parse_u64(p, 1, INT64_MAX, &v, "replica", e) != RC_OK)
			return err_set(e, RC_BAD_INPUT, "replicas must be node "
				       "ids joined by ',', got '%s'%s", p,
				       comma != NULL ? " before ','" : "");
	}
	if (input_opt_u64(f[5], "size_bytes", &r->size_bytes, &has, e) !=
	    RC_OK)
		return RC_BAD_INPUT;
	r->has_size = has;
	if (input_opt_u64(f[6], "qps", &r->qps, &has, e) != RC_OK)
		return RC_BAD_INPUT;
	r->has_qps = has;
	return RC_OK;
}

static int input_text(const char *buf, size_t len, struct input_list *l,
		      struct err *e)
{
	const char *p = buf, *end = buf + len;
	size_t lineno = 0;
	int seen_header = 0, rc;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		char *line, *f[INPUT_COLUMNS], *q;
		struct input_range r;
		size_t k;

		lineno++;
		if (memchr(p, '\0', n) != NULL)
			return err_set(e, RC_BAD_INPUT, "line %zu: has a NUL "
				       "byte", lineno);
		line = strndup(p, n);
		if (line == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		p += n + (nl != NULL);
		if (line[0] == '\0' || strcmp(line, input_header) == 0) {
			seen_header |= line[0] != '\0';
			free(line);
			continue;
		}
		if (!seen_header) {
			free(line);
			return err_set(e, RC_BAD_INPUT, "line %zu: expected "
				       "the header line of 'rangectl list' "
				       "(range_id, start, end, leader, "
				       "replicas, size_bytes, qps, "
				       "tab-separated)", lineno);
		}
		for (k = 0, q = line; q != NULL; k++) {
			char *tab = strchr(q, '\t');

			if (k < INPUT_COLUMNS)
				f[k] = q;
			if (tab != NULL)
				*tab++ = '\0';
			q = tab;
		}
		if (k != INPUT_COLUMNS) {
			free(line);
			return err_set(e, RC_BAD_INPUT, "line %zu: expected "
				       "%d tab-separated columns, got %zu",
				       lineno, INPUT_COLUMNS, k);
		}
		memset(&r, 0, sizeof(r));
		r.where = lineno;
		rc = input_columns(f, &r, e);
		free(line);
		if (rc != RC_OK) {
			err_prefix(e, "line %zu", lineno);
			return rc;
		}
		if ((rc = input_add(l, &r, 1, e)) != RC_OK)
			return rc;
	}
	if (!seen_header)
		return err_set(e, RC_BAD_INPUT, "empty input: expected the "
			       "output of 'rangectl list'");
	return RC_OK;
}

/* ---- JSON --------------------------------------------------------------- */

/* Field key of o: a number >= 0 (rounded down) or null; must be present. */
static int input_json_number(const json_t *o, const char *key, int real_ok,
			     uint64_t *v, int *has, struct err *e)
{
	const json_t *j = json_object_get(o, key);

	*has = 0;
	*v = 0;
	if (j == NULL)
		return err_set(e, RC_BAD_INPUT, "missing field '%s' (is this "
			       "the output of 'rangectl list --json'?)", key);
	if (json_is_null(j))
		return RC_OK;
	if (json_is_integer(j) && json_integer_value(j) >= 0) {
		*v = (uint64_t)json_integer_value(j);
	} else if (real_ok && json_is_real(j) && json_real_value(j) >= 0 &&
		   json_real_value(j) < 1.8e19) {
		*v = (uint64_t)floor(json_real_value(j));
	} else {
		return err_set(e, RC_BAD_INPUT, "field '%s' must be %s >= 0 "
			       "or null", key, real_ok ? "a number" :
			       "an integer");
	}
	*has = 1;
	return RC_OK;
}

static int input_json(const char *buf, size_t len, struct input_list *l,
		      struct err *e)
{
	json_error_t jerr;
	json_t *top, *arr, *o;
	size_t i;
	int rc = RC_OK;

	top = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (top == NULL)
		return err_set(e, RC_BAD_INPUT, "line %d: malformed JSON at "
			       "column %d: %s", jerr.line, jerr.column,
			       jerr.text);
	arr = json_object_get(top, "ranges");
	if (!json_is_object(top) || !json_is_array(arr)) {
		json_decref(top);
		return err_set(e, RC_BAD_INPUT, "the JSON input has no "
			       "\"ranges\" array (expected the output of "
			       "'rangectl list --json')");
	}
	json_array_foreach(arr, i, o) {
		struct input_range r;
		const json_t *id = json_object_get(o, "range_id");

		memset(&r, 0, sizeof(r));
		r.where = i;
		if (!json_is_object(o)) {
			rc = err_set(e, RC_BAD_INPUT, "ranges[%zu]: not an "
				     "object", i);
			break;
		}
		if (!json_is_integer(id) || json_integer_value(id) < 1) {
			rc = err_set(e, RC_BAD_INPUT, "ranges[%zu]: field "
				     "'range_id' must be a positive integer",
				     i);
			break;
		}
		r.range_id = (uint64_t)json_integer_value(id);
		if ((rc = input_json_number(o, "size_bytes", 0, &r.size_bytes,
					    &r.has_size, e)) != RC_OK ||
		    (rc = input_json_number(o, "qps", 1, &r.qps, &r.has_qps,
					    e)) != RC_OK) {
			err_prefix(e, "ranges[%zu] (range %" PRIu64 ")", i,
				   r.range_id);
			break;
		}
		if ((rc = input_add(l, &r, 0, e)) != RC_OK)
			break;
	}
	json_decref(top);
	return rc;
}

int input_parse(const char *buf, size_t len, struct input_range **out,
		size_t *n, struct err *e)
{
	struct input_list l = { NULL, 0, 0 };
	size_t i = 0;
	int rc;

	*out = NULL;
	*n = 0;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' ||
			   buf[i] == '\n' || buf[i] == '\r'))
		i++;
	if (i == len)
		return err_set(e, RC_BAD_INPUT, "empty input: expected the "
			       "output of 'rangectl list'");
	if (buf[i] == '{')
		rc = input_json(buf, len, &l, e);
	else
		rc = input_text(buf, len, &l, e);
	if (rc != RC_OK) {
		free(l.v);
		return rc;
	}
	*out = l.v;
	*n = l.n;
	return RC_OK;
}
