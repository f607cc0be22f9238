/*
 * desc.c -- range descriptors and their JSON form (see desc.h).
 */
#include "desc.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "raftwire.h"

int desc_utf8_valid(const void *data, size_t n)
{
	const unsigned char *s = data;
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t k;
		uint32_t cp;

		if (c < 0x80) {
			if (c == 0)
				return 0;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (n - i <= k)
			return 0;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if ((k == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
		    || (k == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return 0;
		i += k + 1;
	}
	return 1;
}

int desc_bytes_set(json_t *obj, const char *name, const void *p, size_t n)
{
	char b64name[64], *b64 = NULL;
	size_t b64len;
	json_t *v;

	if ((size_t)snprintf(b64name, sizeof(b64name), "%s_b64", name) >=
	    sizeof(b64name))
		return -1;	/* a field name that long is a bug */
	if (desc_utf8_valid(p, n)) {
		v = json_stringn(n ? p : "", n);
		return v == NULL ? -1 : json_object_set_new(obj, name, v);
	}
	if (raftwire_base64_encode(p, n, &b64, &b64len, NULL) != RC_OK)
		return -1;
	v = json_stringn(b64, b64len);
	free(b64);
	return v == NULL ? -1 : json_object_set_new(obj, b64name, v);
}

int desc_bytes_get(const json_t *obj, const char *name, void **p, size_t *n,
		   struct err *e)
{
	char b64name[64];
	const json_t *v, *b;

	*p = NULL;
	*n = 0;
	if ((size_t)snprintf(b64name, sizeof(b64name), "%s_b64", name) >=
	    sizeof(b64name))
		return err_set(e, RC_BAD_INPUT, "field name '%.32s...' is too "
			       "long", name);
	v = json_object_get(obj, name);
	b = json_object_get(obj, b64name);
	if (v != NULL && b != NULL)
		return err_set(e, RC_BAD_INPUT, "give '%s' or '%s', not both",
			       name, b64name);
	if (v != NULL) {
		if (!json_is_string(v))
			return err_set(e, RC_BAD_INPUT, "field '%s' must be a "
				       "string", name);
		*n = json_string_length(v);
		*p = malloc(*n + 1);
		if (*p == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		memcpy(*p, json_string_value(v), *n + 1);
		return RC_OK;
	}
	if (b != NULL) {
		void *raw = NULL;
		size_t rl = 0;
		unsigned char *q;

		if (!json_is_string(b))
			return err_set(e, RC_BAD_INPUT, "field '%s' must be a "
				       "string", b64name);
		int rc = raftwire_base64_decode(json_string_value(b),
						json_string_length(b), &raw,
						&rl, e);

		if (rc != RC_OK) {
			err_prefix(e, "field '%s'", b64name);
			return rc;
		}
		q = realloc(raw, rl + 1);
		if (q == NULL) {
			free(raw);
			return err_set(e, RC_NOMEM, "out of memory");
		}
		q[rl] = '\0';
		*p = q;
		*n = rl;
		return RC_OK;
	}
	return err_set(e, RC_NOT_FOUND, "missing field '%s'", name);
}

int desc_init(struct desc *d, uint64_t id, const void *start, size_t slen,
	      const void *end, size_t elen, struct err *e)
{
	if (slen > DESC_BOUND_MAX || elen > DESC_BOUND_MAX)
		return err_set(e, RC_TOO_LARGE, "a range boundary key has at "
			       "most %d bytes", DESC_BOUND_MAX);
	memset(d, 0, sizeof(*d));
	d->range_id = id;
	if (slen > 0)
		memcpy(d->start, start, slen);
	d->start_len = slen;
	if (elen > 0)
		memcpy(d->end, end, elen);
	d->end_len = elen;
	return RC_OK;
}

static int bytes_cmp(const void *a, size_t al, const void *b, size_t bl)
{
	size_t n = al < bl ? al : bl;
	int c = n ? memcmp(a, b, n) : 0;

	if (c != 0)
		return c;
	return al < bl ? -1 : al > bl;
}

int desc_contains(const struct desc *d, const void *key, size_t klen)
{
	if (bytes_cmp(key, klen, d->start, d->start_len) < 0)
		return 0;
	return d->end_len == 0 ||
	       bytes_cmp(key, klen, d->end, d->end_len) < 0;
}

int desc_has_replica(const struct desc *d, uint64_t node)
{
	for (size_t i = 0; i < d->n_replicas; i++)
		if (d->replicas[i] == node)
			return 1;
	return 0;
}

int desc_has_member(const struct desc *d, uint64_t node)
{
	if (desc_has_replica(d, node))
		return 1;
	for (size_t i = 0; i < d->n_learners; i++)
		if (d->learners[i] == node)
			return 1;
	return 0;
}

static int list_remove(uint64_t *a, size_t *n, uint64_t v)
{
	for (size_t i = 0; i < *n; i++)
		if (a[i] == v) {
			memmove(a + i, a + i + 1, (*n - i - 1) * sizeof(*a));
			(*n)--;
			return 1;
		}
	return 0;
}

int desc_apply_change(struct desc *d, int op, uint64_t node)
{
	int changed;

	switch (op) {
	case 1:		/* add learner */
		if (desc_has_member(d, node) ||
		    d->n_learners >= DESC_MAX_REPLICAS)
			return 0;
		d->learners[d->n_learners++] = node;
		return 1;
	case 2:		/* add voter / promote */
		changed = list_remove(d->learners, &d->n_learners, node);
		if (desc_has_replica(d, node) ||
		    d->n_replicas >= DESC_MAX_REPLICAS)
			return changed;
		d->replicas[d->n_replicas++] = node;
		return 1;
	case 3:		/* remove */
		changed = list_remove(d->learners, &d->n_learners, node);
		return list_remove(d->replicas, &d->n_replicas, node) ||
		       changed;
	default:
		return 0;
	}
}

json_t *desc_to_json(const struct desc *d)
{
	json_t *j = json_object(), *reps = json_array();

	if (j == NULL || reps == NULL)
		goto fail;
	for (size_t i = 0; i < d->n_replicas; i++)
		if (json_array_append_new(reps, json_integer(
				(json_int_t)d->replicas[i])) != 0)
			goto fail;
	if (json_object_set_new(j, "range_id",
				json_integer((json_int_t)d->range_id)) != 0 ||
	    desc_bytes_set(j, "start", d->start, d->start_len) != 0 ||
	    desc_bytes_set(j, "end", d->end, d->end_len) != 0 ||
	    json_object_set(j, "replicas", reps) != 0 ||
	    json_object_set_new(j, "generation",
				json_integer((json_int_t)d->generation)) != 0)
		goto fail;
	json_decref(reps);
	reps = NULL;
	if (d->frozen && json_object_set_new(j, "frozen", json_true()) != 0)
		goto fail;
	if (d->n_learners > 0) {
		reps = json_array();
		if (reps == NULL)
			goto fail;
		for (size_t i = 0; i < d->n_learners; i++)
			if (json_array_append_new(reps, json_integer(
					(json_int_t)d->learners[i])) != 0)
				goto fail;
		if (json_object_set_new(j, "learners", reps) != 0) {
			reps = NULL;
			goto fail;
		}
	}
	return j;
fail:
	json_decref(reps);
	json_decref(j);
	return NULL;
}

int desc_from_json(const json_t *j, struct desc *d, struct err *e)
{
	const json_t *id, *gen, *reps, *v;
	void *s = NULL, *t = NULL;
	size_t sl = 0, tl = 0, i;
	int rc;

	if (!json_is_object(j))
		return err_set(e, RC_BAD_INPUT, "a range descriptor must be an "
			       "object");
	id = json_object_get(j, "range_id");
	gen = json_object_get(j, "generation");
	reps = json_object_get(j, "replicas");
	if (!json_is_integer(id) || json_integer_value(id) <= 0)
		return err_set(e, RC_BAD_INPUT, "descriptor: field 'range_id' "
			       "must be a positive integer");
	if (!json_is_integer(gen) || json_integer_value(gen) < 0)
		return err_set(e, RC_BAD_INPUT, "descriptor: field "
			       "'generation' must be an integer >= 0");
	if (!json_is_array(reps) || json_array_size(reps) > DESC_MAX_REPLICAS)
		return err_set(e, RC_BAD_INPUT, "descriptor: field 'replicas' "
			       "must be an array of at most %d node ids",
			       DESC_MAX_REPLICAS);
	rc = desc_bytes_get(j, "start", &s, &sl, e);
	if (rc == RC_OK)
		rc = desc_bytes_get(j, "end", &t, &tl, e);
	if (rc == RC_NOT_FOUND)
		rc = RC_BAD_INPUT;	/* both bounds are required */
	if (rc == RC_OK)
		rc = desc_init(d, (uint64_t)json_integer_value(id), s, sl, t,
			       tl, e);
	free(s);
	free(t);
	if (rc != RC_OK) {
		err_prefix(e, "descriptor");
		return rc;
	}
	if (d->end_len > 0 &&
	    bytes_cmp(d->start, d->start_len, d->end, d->end_len) >= 0)
		return err_set(e, RC_BAD_INPUT, "descriptor: start is not "
			       "below end");
	d->generation = (uint64_t)json_integer_value(gen);
	json_array_foreach(reps, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) <= 0)
			return err_set(e, RC_BAD_INPUT, "descriptor: "
				       "replicas[%zu] must be a node id", i);
		d->replicas[d->n_replicas++] = (uint64_t)json_integer_value(v);
	}
	v = json_object_get(j, "frozen");
	if (v != NULL && !json_is_boolean(v))
		return err_set(e, RC_BAD_INPUT, "descriptor: field 'frozen' "
			       "must be true or false");
	d->frozen = json_is_true(v);
	reps = json_object_get(j, "learners");
	if (reps == NULL)
		return RC_OK;
	if (!json_is_array(reps) || json_array_size(reps) > DESC_MAX_REPLICAS)
		return err_set(e, RC_BAD_INPUT, "descriptor: field 'learners' "
			       "must be an array of at most %d node ids",
			       DESC_MAX_REPLICAS);
	json_array_foreach(reps, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) <= 0)
			return err_set(e, RC_BAD_INPUT, "descriptor: "
				       "learners[%zu] must be a node id", i);
		d->learners[d->n_learners++] = (uint64_t)json_integer_value(v);
	}
	return RC_OK;
}

int desc_encode(const struct desc *d, char **out, size_t *len,
		struct err *e)
{
	json_t *j = desc_to_json(d);

	*out = NULL;
	if (j == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	*out = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (*out == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	if (len != NULL)
		*len = strlen(*out);
	return RC_OK;
}

int desc_decode(const void *buf, size_t len, struct desc *d, struct err *e)
{
	json_error_t je;
	json_t *j = json_loadb(buf, len, 0, &je);
	int rc;

	if (j == NULL)
		return err_set(e, RC_BAD_INPUT, "range descriptor is not JSON: "
			       "%s", je.text);
	rc = desc_from_json(j, d, e);
	json_decref(j);
	return rc;
}

int desc_meta_key(const struct desc *d, unsigned char **out, size_t *len,
		  struct err *e)
{
	size_t n = d->end_len ? 2 + d->end_len : 2;
	unsigned char *k = malloc(n);

	*out = NULL;
	if (k == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	if (d->end_len == 0) {
		memcpy(k, DESC_META_LAST, 2);
	} else {
		memcpy(k, DESC_META_PREFIX, 2);
		memcpy(k + 2, d->end, d->end_len);
	}
	*out = k;
	*len = n;
	return RC_OK;
}
