/*
 * jx.c -- JSON helpers over Jansson (see jx.h).
 *
 * Encoding goes through json_dump_callback into one growing buffer, so a
 * dump costs one pass and (usually) one or two allocations, and the
 * trailing newline of jx_dump_line needs no second copy.
 * Tested in t/unit/jx_test.c.
 */
#include "jx.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- parse and dump -------------------------------------------------- */

int jx_parse(const char *buf, size_t len, json_t **out, struct err *e)
{
	json_error_t je;
	json_t *j;

	*out = NULL;
	if (buf == NULL && len > 0)
		return err_set(e, RC_INTERNAL, "jx_parse: NULL buffer");
	/*
	 * JSON_REJECT_DUPLICATES: {"a":1,"a":2} is ambiguous, refuse it.
	 * Without JSON_ALLOW_NUL, "\u0000" in a string is refused, so every
	 * string is a safe C string.  Jansson limits nesting to 2048 levels
	 * by itself, and callers cap the input size.
	 */
	j = json_loadb(buf ? buf : "", len,
		       JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
	if (j == NULL)
		return err_set(e, RC_BAD_INPUT,
			       "malformed JSON at line %d column %d: %s",
			       je.line, je.column, je.text);
	*out = j;
	return RC_OK;
}

int jx_parse_object(const char *buf, size_t len, json_t **out,
		    struct err *e)
{
	int rc = jx_parse(buf, len, out, e);

	if (rc != RC_OK)
		return rc;
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return err_set(e, RC_BAD_INPUT, "expected a JSON object");
	}
	return RC_OK;
}

struct jx_buf {
	char *p;
	size_t len;
	size_t cap;
	int nomem;
};

static int jx_buf_add(const char *data, size_t n, void *arg)
{
	struct jx_buf *b = arg;
	size_t cap;
	char *p;

	/* +2: room for the optional newline and the NUL. */
	if (n > SIZE_MAX - b->len - 2) {
		b->nomem = 1;
		return -1;
	}
	if (b->len + n + 2 > b->cap) {
		cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 2)
			cap = cap > SIZE_MAX / 2 ? b->len + n + 2 : cap * 2;
		p = realloc(b->p, cap);
		if (p == NULL) {
			b->nomem = 1;
			return -1;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	return 0;
}

static int jx_dump_impl(const json_t *j, int newline, char **out,
			size_t *len, struct err *e)
{
	struct jx_buf b = { NULL, 0, 0, 0 };

	*out = NULL;
	if (len != NULL)
		*len = 0;
	if (j == NULL)
		return err_set(e, RC_INTERNAL,
			       "cannot encode a NULL JSON value");
	if (json_dump_callback(j, jx_buf_add, &b,
			       JSON_COMPACT | JSON_ENCODE_ANY) != 0 ||
	    jx_buf_add("", 0, &b) != 0) {
		free(b.p);
		if (b.nomem)
			return err_set(e, RC_NOMEM,
				       "cannot encode JSON: out of memory");
		return err_set(e, RC_INTERNAL,
			       "cannot encode JSON: invalid value");
	}
	if (newline)
		b.p[b.len++] = '\n';
	b.p[b.len] = '\0';
	*out = b.p;
	if (len != NULL)
		*len = b.len;
	return RC_OK;
}

int jx_dump(const json_t *j, char **out, size_t *len, struct err *e)
{
	return jx_dump_impl(j, 0, out, len, e);
}

int jx_dump_line(const json_t *j, char **out, size_t *len, struct err *e)
{
	return jx_dump_impl(j, 1, out, len, e);
}

/* ---- field access ----------------------------------------------------- */

/*
 * Find obj[key].  Returns RC_OK with *v set, or with *v NULL when the field
 * is not required and absent or JSON null.
 */
static int jx_field(const json_t *obj, const char *key, int required,
		    json_t **v, struct err *e)
{
	*v = NULL;
	if (!json_is_object(obj))
		return err_set(e, RC_BAD_INPUT,
			       "cannot read field '%s': not a JSON object",
			       key);
	*v = json_object_get(obj, key);
	if (*v != NULL && json_is_null(*v) && !required)
		*v = NULL;
	if (*v == NULL && required)
		return err_set(e, RC_BAD_INPUT, "missing field '%s'", key);
	return RC_OK;
}

static int jx_int_value(const json_t *v, const char *key, int64_t *out,
			struct err *e)
{
	if (!json_is_integer(v))
		return err_set(e, RC_BAD_INPUT,
			       "field '%s' must be an integer", key);
	*out = (int64_t)json_integer_value(v);
	return RC_OK;
}

static int jx_u64_value(const json_t *v, const char *key, uint64_t *out,
			struct err *e)
{
	json_int_t i;

	if (!json_is_integer(v))
		return err_set(e, RC_BAD_INPUT,
			       "field '%s' must be a non-negative integer",
			       key);
	i = json_integer_value(v);
	if (i < 0)
		return err_set(e, RC_BAD_INPUT,
			       "field '%s' must be a non-negative integer",
			       key);
	*out = (uint64_t)i;
	return RC_OK;
}

static int jx_bool_value(const json_t *v, const char *key, bool *out,
			 struct err *e)
{
	if (!json_is_boolean(v))
		return err_set(e, RC_BAD_INPUT,
			       "field '%s' must be true or false", key);
	*out = json_is_true(v);
	return RC_OK;
}

static int jx_str_value(const json_t *v, const char *key, const char **out,
			struct err *e)
{
	const char *s;

	if (!json_is_string(v))
		return err_set(e, RC_BAD_INPUT,
			       "field '%s' must be a string", key);
	s = json_string_value(v);
	/* Possible only for strings built with JSON_ALLOW_NUL or _nocheck. */
	if (strlen(s) != json_string_length(v))
		return err_set(e, RC_BAD_INPUT,
			       "field '%s' must not contain NUL bytes", key);
	*out = s;
	return RC_OK;
}

int jx_get_int(const json_t *obj, const char *key, int64_t *out,
	       struct err *e)
{
	json_t *v;
	int rc = jx_field(obj, key, 1, &v, e);

	return rc != RC_OK ? rc : jx_int_value(v, key, out, e);
}

int jx_get_int_range(const json_t *obj, const char *key, int64_t min,
		     int64_t max, int64_t *out, struct err *e)
{
	int64_t v = 0;
	int rc = jx_get_int(obj, key, &v, e);

	if (rc != RC_OK)
		return rc;
	if (v < min || v > max)
		return err_set(e, RC_BAD_INPUT,
			       "field '%s' must be between %" PRId64 " and %"
			       PRId64, key, min, max);
	*out = v;
	return RC_OK;
}

int jx_get_u64(const json_t *obj, const char *key, uint64_t *out,
	       struct err *e)
{
	json_t *v;
	int rc = jx_field(obj, key, 1, &v, e);

	return rc != RC_OK ? rc : jx_u64_value(v, key, out, e);
}

int jx_get_bool(const json_t *obj, const char *key, bool *out,
		struct err *e)
{
	json_t *v;
	int rc = jx_field(obj, key, 1, &v, e);

	return rc != RC_OK ? rc : jx_bool_value(v, key, out, e);
}

int jx_get_str(const json_t *obj, const char *key, const char **out,
	       struct err *e)
{
	json_t *v;
	int rc = jx_field(obj, key, 1, &v, e);

	return rc != RC_OK ? rc : jx_str_value(v, key, out, e);
}

int jx_get_obj(const json_t *obj, const char *key, json_t **out,
	       struct err *e)
{
	json_t *v;
	int rc = jx_field(obj, key, 1, &v, e);

	if (rc != RC_OK)
		return rc;
	if (!json_is_object(v))
		return err_set(e, RC_BAD_INPUT,
			       "field '%s' must be an object", key);
	*out = v;
	return RC_OK;
}

int jx_get_arr(const json_t *obj, const char *key, json_t **out,
	       struct err *e)
{
	json_t *v;
	int rc = jx_field(obj, key, 1, &v, e);

	if (rc != RC_OK)
		return rc;
	if (!json_is_array(v))
		return err_set(e, RC_BAD_INPUT,
			       "field '%s' must be an array", key);
	*out = v;
	return RC_OK;
}

int jx_opt_int(const json_t *obj, const char *key, int64_t def,
	       int64_t *out, struct err *e)
{
	json_t *v;
	int rc = jx_field(obj, key, 0, &v, e);

	if (rc != RC_OK)
		return rc;
	if (v == NULL) {
		*out = def;
		return RC_OK;
	}
	return jx_int_value(v, key, out, e);
}

int jx_opt_u64(const json_t *obj, const char *key, uint64_t def,
	       uint64_t *out, struct err *e)
{
	json_t *v;
	int rc = jx_field(obj, key, 0, &v, e);

	if (rc != RC_OK)
		return rc;
	if (v == NULL) {
		*out = def;
		return RC_OK;
	}
	return jx_u64_value(v, key, out, e);
}

int jx_opt_bool(const json_t *obj, const char *key, bool def, bool *out,
		struct err *e)
{
	json_t *v;
	int rc = jx_field(obj, key, 0, &v, e);

	if (rc != RC_OK)
		return rc;
	if (v == NULL) {
		*out = def;
		return RC_OK;
	}
	return jx_bool_value(v, key, out, e);
}

int jx_opt_str(const json_t *obj, const char *key, const char *def,
	       const char **out, struct err *e)
{
	json_t *v;
	int rc = jx_field(obj, key, 0, &v, e);

	if (rc != RC_OK)
		return rc;
	if (v == NULL) {
		*out = def;
		return RC_OK;
	}
	return jx_str_value(v, key, out, e);
}
