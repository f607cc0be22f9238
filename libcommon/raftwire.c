/*
 * raftwire.c -- JSON wire codec of Raft messages and batches (see
 * raftwire.h for the format, the limits and the error rules).
 *
 * Both directions share one checker state (struct wire): the position of
 * the message in its batch, for error messages, and the entry and data
 * budgets, so one batch can never add up to more than the limits however
 * its messages are split.  The decoder checks sizes BEFORE it allocates:
 * a JSON array's length and a base64 string's length are known up front.
 * Tested in t/unit/raftwire_test.c.
 */
#include "raftwire.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- base64 ------------------------------------------------------------ */

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int raftwire_base64_encode(const void *data, size_t len, char **out,
			   size_t *out_len, struct err *e)
{
	const unsigned char *p = data;
	size_t n, i, o = 0;
	uint32_t v;
	char *s;

	*out = NULL;
	if (out_len != NULL)
		*out_len = 0;
	if (len > 0 && data == NULL)
		return err_set(e, RC_INTERNAL, "base64: NULL data");
	if (len > (SIZE_MAX - 8) / 4 * 3)
		return err_set(e, RC_TOO_LARGE,
			       "base64: %zu bytes are too many to encode",
			       len);
	n = (len + 2) / 3 * 4;
	s = malloc(n + 1);
	if (s == NULL)
		return err_set(e, RC_NOMEM,
			       "out of memory encoding %zu bytes as base64",
			       len);
	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		s[o++] = b64_alphabet[v >> 18 & 63];
		s[o++] = b64_alphabet[v >> 12 & 63];
		s[o++] = b64_alphabet[v >> 6 & 63];
		s[o++] = b64_alphabet[v & 63];
	}
	if (len - i == 1) {
		v = (uint32_t)p[i] << 16;
		s[o++] = b64_alphabet[v >> 18 & 63];
		s[o++] = b64_alphabet[v >> 12 & 63];
		s[o++] = '=';
		s[o++] = '=';
	} else if (len - i == 2) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		s[o++] = b64_alphabet[v >> 18 & 63];
		s[o++] = b64_alphabet[v >> 12 & 63];
		s[o++] = b64_alphabet[v >> 6 & 63];
		s[o++] = '=';
	}
	s[o] = '\0';
	*out = s;
	if (out_len != NULL)
		*out_len = o;
	return RC_OK;
}

/* Bytes that s[0..len) decodes to, if it is well-formed. */
static size_t b64_decoded_len(const char *s, size_t len)
{
	size_t n = len / 4 * 3;

	if (len >= 4 && len % 4 == 0) {
		n -= s[len - 1] == '=';
		n -= s[len - 1] == '=' && s[len - 2] == '=';
	}
	return n;
}

int raftwire_base64_decode(const char *s, size_t len, void **out,
			   size_t *out_len, struct err *e)
{
	unsigned char *buf;
	size_t n, pad = 0, o = 0;
	int v[4] = { 0, 0, 0, 0 };

	*out = NULL;
	*out_len = 0;
	if (len == 0)
		return RC_OK;
	if (s == NULL)
		return err_set(e, RC_INTERNAL, "base64: NULL input");
	if (len % 4 != 0)
		return err_set(e, RC_BAD_INPUT,
			       "length %zu is not a multiple of 4", len);
	if (s[len - 1] == '=')
		pad = s[len - 2] == '=' ? 2 : 1;
	n = b64_decoded_len(s, len);
	buf = malloc(n > 0 ? n : 1);
	if (buf == NULL)
		return err_set(e, RC_NOMEM,
			       "out of memory decoding %zu bytes of base64",
			       len);
	for (size_t i = 0; i < len; i += 4) {
		uint32_t t;

		for (size_t k = 0; k < 4; k++) {
			unsigned char c = (unsigned char)s[i + k];

			if (c == '=') {
				if (i + k < len - pad)
					goto misplaced;
				v[k] = 0;
				continue;
			}
			v[k] = b64_value(c);
			if (v[k] < 0) {
				free(buf);
				return err_set(e, RC_BAD_INPUT,
					       "invalid character at offset "
					       "%zu", i + k);
			}
		}
		t = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
		    (uint32_t)v[2] << 6 | (uint32_t)v[3];
		buf[o++] = (unsigned char)(t >> 16);
		if (o < n)
			buf[o++] = (unsigned char)(t >> 8);
		if (o < n)
			buf[o++] = (unsigned char)t;
	}
	/* the bits that padding drops must be zero, else two texts alias */
	if ((pad == 1 && (v[2] & 3) != 0) || (pad == 2 && (v[1] & 15) != 0)) {
		free(buf);
		return err_set(e, RC_BAD_INPUT, "non-zero trailing bits");
	}
	*out = buf;
	*out_len = n;
	return RC_OK;

misplaced:
	free(buf);
	return err_set(e, RC_BAD_INPUT, "misplaced padding");
}

/* ---- shared checker state ---------------------------------------------- */

struct wire {
	struct err *e;
	char at[32];		/* "msgs[3]" in a batch, else "" */
	size_t entries;		/* entries counted so far */
	size_t data;		/* data bytes counted so far */
};

/*
 * Fail with "<at>.<pre><key>: <why>", e.g. pre "entries[0]." and key
 * "data" in message 3: "msgs[3].entries[0].data: bad base64".
 */
static int wfail(struct wire *w, enum rc code, const char *pre,
		 const char *key, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int wfail(struct wire *w, enum rc code, const char *pre,
		 const char *key, const char *fmt, ...)
{
	char why[ERR_MSG_MAX];
	char field[96];
	va_list ap;

	va_start(ap, fmt);
	err_vformat(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(field, sizeof(field), "%s%s%s%s", w->at,
		 w->at[0] != '\0' && (pre[0] != '\0' || key[0] != '\0') ?
		 "." : "", pre, key);
	if (field[0] == '\0')
		return err_set(w->e, code, "raft message: %s", why);
	return err_set(w->e, code, "%s: %s", field, why);
}

static int wnomem(struct wire *w)
{
	return wfail(w, RC_NOMEM, "", "", "out of memory");
}

static int budget_entries(struct wire *w, const char *pre, size_t n)
{
	if (n > RAFTWIRE_MAX_ENTRIES - w->entries)
		return wfail(w, RC_TOO_LARGE, pre, "entries",
			     "%zu entries, over the limit of %d per message "
			     "or batch (%zu before)", n, RAFTWIRE_MAX_ENTRIES,
			     w->entries);
	w->entries += n;
	return RC_OK;
}

static int budget_data(struct wire *w, const char *pre, const char *key,
		       size_t n)
{
	if (n > RAFTWIRE_MAX_DATA - w->data)
		return wfail(w, RC_TOO_LARGE, pre, key,
			     "%zu bytes of data, over the limit of %zu per "
			     "message or batch (%zu before)", n,
			     RAFTWIRE_MAX_DATA, w->data);
	w->data += n;
	return RC_OK;
}

/* ---- structural checks, for encoding ----------------------------------- */

static int check_conf(struct wire *w, const struct raft_conf *c)
{
	char pre[48];

	if (c->n > RAFT_MAX_NODES)
		return wfail(w, RC_TOO_LARGE, "snapshot.", "conf",
			     "%zu members, over the limit of %d", c->n,
			     RAFT_MAX_NODES);
	for (size_t i = 0; i < c->n; i++) {
		snprintf(pre, sizeof(pre), "snapshot.conf[%zu].", i);
		if (c->m[i].id == RAFT_NONE)
			return wfail(w, RC_BAD_INPUT, pre, "id",
				     "must be > 0");
		for (size_t k = 0; k < i; k++)
			if (c->m[k].id == c->m[i].id)
				return wfail(w, RC_BAD_INPUT, pre, "id",
					     "duplicate member %" PRIu64,
					     c->m[i].id);
	}
	return RC_OK;
}

/* Entry i of m: its index follows m's without a gap; a known type. */
static int check_entry(struct wire *w, const struct raft_msg *m, size_t i,
		       const char *pre)
{
	const struct raft_entry *en = &m->entries[i];

	if (m->index > UINT64_MAX - 1 - i || en->index != m->index + 1 + i)
		return wfail(w, RC_BAD_INPUT, pre, "index",
			     "%" PRIu64 " does not follow index %" PRIu64
			     " without a gap", en->index, m->index);
	if (en->type != RAFT_ENTRY_NORMAL && en->type != RAFT_ENTRY_CONF)
		return wfail(w, RC_BAD_INPUT, pre, "type",
			     "unknown entry type %d", en->type);
	return RC_OK;
}

/* Everything the decoder would refuse in m, with the same codes. */
static int check_msg(struct wire *w, const struct raft_msg *m)
{
	const struct raft_snapshot *s = &m->snapshot;
	char pre[48];
	int rc;

	if (m->type <= 0 || m->type >= RAFT_MSG__COUNT)
		return wfail(w, RC_BAD_INPUT, "", "type",
			     "unknown message type %d", m->type);
	if (m->n_entries > 0) {
		if (m->type != RAFT_MSG_APPEND)
			return wfail(w, RC_BAD_INPUT, "", "entries",
				     "only allowed in append messages");
		if (m->entries == NULL)
			return wfail(w, RC_INTERNAL, "", "entries",
				     "NULL with %zu entries", m->n_entries);
		rc = budget_entries(w, "", m->n_entries);
		if (rc != RC_OK)
			return rc;
	}
	for (size_t i = 0; i < m->n_entries; i++) {
		const struct raft_entry *en = &m->entries[i];

		snprintf(pre, sizeof(pre), "entries[%zu].", i);
		if ((rc = check_entry(w, m, i, pre)) != RC_OK)
			return rc;
		if (en->len > 0 && en->data == NULL)
			return wfail(w, RC_INTERNAL, pre, "data",
				     "NULL with %zu bytes", en->len);
		rc = budget_data(w, pre, "data", en->len);
		if (rc != RC_OK)
			return rc;
	}
	if (m->type != RAFT_MSG_SNAPSHOT) {
		if (s->index != 0 || s->term != 0 || s->conf.n != 0 ||
		    s->data != NULL || s->len != 0)
			return wfail(w, RC_BAD_INPUT, "", "snapshot",
				     "only allowed in snapshot messages");
		return RC_OK;
	}
	rc = check_conf(w, &s->conf);
	if (rc != RC_OK)
		return rc;
	if (s->len > 0 && s->data == NULL)
		return wfail(w, RC_INTERNAL, "snapshot.", "data",
			     "NULL with %zu bytes", s->len);
	return budget_data(w, "snapshot.", "data", s->len);
}

/* ---- encoding ---------------------------------------------------------- */

static json_t *u64_json(uint64_t v)
{
	char buf[24];

	if (v <= (uint64_t)INT64_MAX)
		return json_integer((json_int_t)v);
	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return json_string(buf);
}

/* Jansson's _set_new steals v, NULL included: one check covers both. */
static int put(json_t *o, const char *key, json_t *v)
{
	return json_object_set_new(o, key, v) == 0 ? 0 : -1;
}

static int put_u64(json_t *o, const char *key, uint64_t v, int always)
{
	if (v == 0 && !always)
		return 0;
	return put(o, key, u64_json(v));
}

static int put_data(json_t *o, const void *data, size_t len)
{
	char *s;
	size_t n;
	int rc;

	if (len == 0)
		return 0;
	if (raftwire_base64_encode(data, len, &s, &n, NULL) != RC_OK)
		return -1;
	rc = put(o, "data", json_stringn_nocheck(s, n));
	free(s);
	return rc;
}

static json_t *enc_entry(const struct raft_entry *en)
{
	json_t *o = json_object();

	if (o == NULL ||
	    put_u64(o, "term", en->term, 1) != 0 ||
	    put_u64(o, "index", en->index, 1) != 0 ||
	    (en->type == RAFT_ENTRY_CONF &&
	     put(o, "type", json_string("conf")) != 0) ||
	    put_data(o, en->data, en->len) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *enc_snapshot(const struct raft_snapshot *s)
{
	json_t *o = json_object();
	json_t *conf = NULL;

	if (o == NULL || put_u64(o, "index", s->index, 0) != 0 ||
	    put_u64(o, "term", s->term, 0) != 0)
		goto fail;
	if (s->conf.n > 0) {
		conf = json_array();
		if (conf == NULL)
			goto fail;
		for (size_t i = 0; i < s->conf.n; i++) {
			json_t *mo = json_object();

			if (mo == NULL ||
			    put_u64(mo, "id", s->conf.m[i].id, 1) != 0 ||
			    (s->conf.m[i].learner &&
			     put(mo, "learner", json_true()) != 0) ||
			    json_array_append_new(conf, mo) != 0) {
				json_decref(mo);
				goto fail;
			}
		}
		if (put(o, "conf", conf) != 0) {
			conf = NULL;	/* stolen and freed by Jansson */
			goto fail;
		}
		conf = NULL;
	}
	if (put_data(o, s->data, s->len) != 0)
		goto fail;
	return o;
fail:
	json_decref(conf);
	json_decref(o);
	return NULL;
}

static int enc_msg(struct wire *w, const struct raft_msg *m, json_t **out)
{
	json_t *o, *arr;
	int rc;

	*out = NULL;
	rc = check_msg(w, m);
	if (rc != RC_OK)
		return rc;
	o = json_object();
	if (o == NULL ||
	    put(o, "type", json_string(raft_msg_type_name(m->type))) != 0 ||
	    put_u64(o, "group", m->group, 1) != 0 ||
	    put_u64(o, "from", m->from, 1) != 0 ||
	    put_u64(o, "to", m->to, 1) != 0 ||
	    put_u64(o, "term", m->term, 1) != 0 ||
	    put_u64(o, "index", m->index, 0) != 0 ||
	    put_u64(o, "log_term", m->log_term, 0) != 0 ||
	    put_u64(o, "commit", m->commit, 0) != 0 ||
	    put_u64(o, "hint", m->hint, 0) != 0 ||
	    put_u64(o, "context", m->context, 0) != 0 ||
	    (m->reject && put(o, "reject", json_true()) != 0))
		goto nomem;
	if (m->n_entries > 0) {
		arr = json_array();
		if (put(o, "entries", arr) != 0)
			goto nomem;
		for (size_t i = 0; i < m->n_entries; i++)
			if (json_array_append_new(arr,
						  enc_entry(&m->entries[i])))
				goto nomem;
	}
	if (m->type == RAFT_MSG_SNAPSHOT &&
	    put(o, "snapshot", enc_snapshot(&m->snapshot)) != 0)
		goto nomem;
	*out = o;
	return RC_OK;
nomem:
	json_decref(o);
	return wnomem(w);
}

int raftwire_encode_msg(const struct raft_msg *m, json_t **out,
			struct err *e)
{
	struct wire w = { .e = e };

	return enc_msg(&w, m, out);
}

int raftwire_encode_batch(uint64_t from, const struct raft_msg *msgs,
			  size_t n, json_t **out, struct err *e)
{
	struct wire w = { .e = e };
	json_t *o, *arr, *mj;
	int rc;

	*out = NULL;
	if (from == RAFT_NONE)
		return err_set(e, RC_BAD_INPUT, "from: must be > 0");
	if (n > 0 && msgs == NULL)
		return err_set(e, RC_INTERNAL, "msgs: NULL with %zu messages",
			       n);
	if (n > RAFTWIRE_MAX_MSGS)
		return err_set(e, RC_TOO_LARGE,
			       "msgs: %zu messages, over the limit of %d", n,
			       RAFTWIRE_MAX_MSGS);
	o = json_object();
	arr = json_array();
	if (o == NULL || arr == NULL) {
		json_decref(o);
		json_decref(arr);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	if (put(o, "from", u64_json(from)) != 0 || put(o, "msgs", arr) != 0) {
		json_decref(o);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(w.at, sizeof(w.at), "msgs[%zu]", i);
		if (msgs[i].from != from) {
			json_decref(o);
			return wfail(&w, RC_BAD_INPUT, "", "from",
				     "%" PRIu64 " is not the batch's from %"
				     PRIu64, msgs[i].from, from);
		}
		rc = enc_msg(&w, &msgs[i], &mj);
		if (rc == RC_OK && json_array_append_new(arr, mj) != 0)
			rc = wnomem(&w);
		if (rc != RC_OK) {
			json_decref(o);
			return rc;
		}
	}
	*out = o;
	return RC_OK;
}

/* ---- decoding ---------------------------------------------------------- */

/* A member that is absent or JSON null is "not there". */
static const json_t *member(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_null(v) ? NULL : v;
}

/* A JSON integer >= 0 or a canonical decimal string; -1 otherwise. */
static int u64_value(const json_t *v, uint64_t *out)
{
	const char *s;
	size_t n;
	uint64_t x = 0;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return -1;
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	n = json_string_length(v);
	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned char)s[i] - (unsigned)'0';

		if (d > 9 || x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*out = x;
	return 0;
}

static int get_u64(struct wire *w, const json_t *obj, const char *pre,
		   const char *key, int required, uint64_t *out)
{
	const json_t *v = member(obj, key);

	*out = 0;
	if (v == NULL)
		return required ? wfail(w, RC_BAD_INPUT, pre, key, "missing")
				: RC_OK;
	if (u64_value(v, out) != 0)
		return wfail(w, RC_BAD_INPUT, pre, key,
			     "must be an integer >= 0 or a decimal string "
			     "<= 18446744073709551615");
	return RC_OK;
}

static int get_bool(struct wire *w, const json_t *obj, const char *pre,
		    const char *key, int *out)
{
	const json_t *v = member(obj, key);

	*out = 0;
	if (v == NULL)
		return RC_OK;
	if (!json_is_boolean(v))
		return wfail(w, RC_BAD_INPUT, pre, key,
			     "must be true or false");
	*out = json_is_true(v);
	return RC_OK;
}

static int get_data(struct wire *w, const json_t *obj, const char *pre,
		    void **data, size_t *len)
{
	const json_t *v = member(obj, "data");
	struct err le;
	const char *s;
	size_t n;
	int rc;

	*data = NULL;
	*len = 0;
	if (v == NULL)
		return RC_OK;
	if (!json_is_string(v))
		return wfail(w, RC_BAD_INPUT, pre, "data",
			     "must be a base64 string");
	s = json_string_value(v);
	n = json_string_length(v);
	rc = budget_data(w, pre, "data", b64_decoded_len(s, n));
	if (rc != RC_OK)
		return rc;
	rc = raftwire_base64_decode(s, n, data, len, &le);
	if (rc == RC_BAD_INPUT)
		return wfail(w, rc, pre, "data", "bad base64 (%s)", le.msg);
	if (rc != RC_OK)
		return wfail(w, rc, pre, "data", "%s", le.msg);
	return RC_OK;
}

static int dec_entry(struct wire *w, const json_t *j, size_t i,
		     const struct raft_msg *m, struct raft_entry *en)
{
	const json_t *v;
	char pre[48];
	int rc;

	snprintf(pre, sizeof(pre), "entries[%zu]", i);
	if (!json_is_object(j))
		return wfail(w, RC_BAD_INPUT, pre, "", "must be an object");
	snprintf(pre, sizeof(pre), "entries[%zu].", i);
	rc = get_u64(w, j, pre, "term", 1, &en->term);
	if (rc == RC_OK)
		rc = get_u64(w, j, pre, "index", 1, &en->index);
	if (rc != RC_OK)
		return rc;
	if (m->index > UINT64_MAX - 1 - i || en->index != m->index + 1 + i)
		return wfail(w, RC_BAD_INPUT, pre, "index",
			     "%" PRIu64 " does not follow index %" PRIu64
			     " without a gap", en->index, m->index);
	en->type = RAFT_ENTRY_NORMAL;
	v = member(j, "type");
	if (v != NULL) {
		if (!json_is_string(v))
			return wfail(w, RC_BAD_INPUT, pre, "type",
				     "must be a string");
		if (strcmp(json_string_value(v), "conf") == 0)
			en->type = RAFT_ENTRY_CONF;
		else if (strcmp(json_string_value(v), "normal") != 0)
			return wfail(w, RC_BAD_INPUT, pre, "type",
				     "unknown entry type '%s'",
				     json_string_value(v));
	}
	return get_data(w, j, pre, &en->data, &en->len);
}

static int dec_conf(struct wire *w, const json_t *j, struct raft_conf *c)
{
	const json_t *v = member(j, "conf");
	char pre[48];
	size_t n;
	int rc;

	c->n = 0;
	if (v == NULL)
		return RC_OK;
	if (!json_is_array(v))
		return wfail(w, RC_BAD_INPUT, "snapshot.", "conf",
			     "must be an array");
	n = json_array_size(v);
	if (n > RAFT_MAX_NODES)
		return wfail(w, RC_TOO_LARGE, "snapshot.", "conf",
			     "%zu members, over the limit of %d", n,
			     RAFT_MAX_NODES);
	for (size_t i = 0; i < n; i++) {
		const json_t *mo = json_array_get(v, i);
		struct raft_member *mb = &c->m[i];

		snprintf(pre, sizeof(pre), "snapshot.conf[%zu]", i);
		if (!json_is_object(mo))
			return wfail(w, RC_BAD_INPUT, pre, "",
				     "must be an object");
		snprintf(pre, sizeof(pre), "snapshot.conf[%zu].", i);
		rc = get_u64(w, mo, pre, "id", 1, &mb->id);
		if (rc == RC_OK)
			rc = get_bool(w, mo, pre, "learner", &mb->learner);
		if (rc != RC_OK)
			return rc;
		if (mb->id == RAFT_NONE)
			return wfail(w, RC_BAD_INPUT, pre, "id",
				     "must be > 0");
		for (size_t k = 0; k < i; k++)
			if (c->m[k].id == mb->id)
				return wfail(w, RC_BAD_INPUT, pre, "id",
					     "duplicate member %" PRIu64,
					     mb->id);
		c->n = i + 1;
	}
	return RC_OK;
}

static int dec_snapshot(struct wire *w, const json_t *j,
			struct raft_snapshot *s)
{
	int rc;

	if (!json_is_object(j))
		return wfail(w, RC_BAD_INPUT, "", "snapshot",
			     "must be an object");
	rc = get_u64(w, j, "snapshot.", "index", 0, &s->index);
	if (rc == RC_OK)
		rc = get_u64(w, j, "snapshot.", "term", 0, &s->term);
	if (rc == RC_OK)
		rc = dec_conf(w, j, &s->conf);
	if (rc == RC_OK)
		rc = get_data(w, j, "snapshot.", &s->data, &s->len);
	return rc;
}

static int msg_type_from_name(const char *s)
{
	for (int t = RAFT_MSG_APPEND; t < RAFT_MSG__COUNT; t++)
		if (strcmp(raft_msg_type_name(t), s) == 0)
			return t;
	return 0;
}

static int dec_msg_fields(struct wire *w, const json_t *j,
			  struct raft_msg *m)
{
	static const char *const required[] = { "group", "from", "to",
						"term" };
	static const char *const optional[] = { "index", "log_term",
						"commit", "hint", "context" };
	uint64_t *const req_out[] = { &m->group, &m->from, &m->to, &m->term };
	uint64_t *const opt_out[] = { &m->index, &m->log_term, &m->commit,
				      &m->hint, &m->context };
	const json_t *v;
	size_t n;
	int rc;

	if (!json_is_object(j))
		return wfail(w, RC_BAD_INPUT, "", "", "must be an object");
	v = member(j, "type");
	if (v == NULL)
		return wfail(w, RC_BAD_INPUT, "", "type", "missing");
	if (!json_is_string(v))
		return wfail(w, RC_BAD_INPUT, "", "type", "must be a string");
	m->type = msg_type_from_name(json_string_value(v));
	if (m->type == 0)
		return wfail(w, RC_BAD_INPUT, "", "type",
			     "unknown message type '%s'",
			     json_string_value(v));
	for (size_t i = 0; i < 4; i++) {
		rc = get_u64(w, j, "", required[i], 1, req_out[i]);
		if (rc != RC_OK)
			return rc;
	}
	for (size_t i = 0; i < 5; i++) {
		rc = get_u64(w, j, "", optional[i], 0, opt_out[i]);
		if (rc != RC_OK)
			return rc;
	}
	rc = get_bool(w, j, "", "reject", &m->reject);
	if (rc != RC_OK)
		return rc;

	v = member(j, "entries");
	if (v != NULL) {
		if (!json_is_array(v))
			return wfail(w, RC_BAD_INPUT, "", "entries",
				     "must be an array");
		n = json_array_size(v);
		if (n > 0 && m->type != RAFT_MSG_APPEND)
			return wfail(w, RC_BAD_INPUT, "", "entries",
				     "only allowed in append messages");
		rc = budget_entries(w, "", n);
		if (rc != RC_OK)
			return rc;
		if (n > 0) {
			m->entries = calloc(n, sizeof(*m->entries));
			if (m->entries == NULL)
				return wnomem(w);
			/* all zero: release frees whatever got decoded */
			m->n_entries = n;
		}
		for (size_t i = 0; i < n; i++) {
			rc = dec_entry(w, json_array_get(v, i), i, m,
				       &m->entries[i]);
			if (rc != RC_OK)
				return rc;
		}
	}

	v = member(j, "snapshot");
	if (m->type == RAFT_MSG_SNAPSHOT) {
		if (v == NULL)
			return wfail(w, RC_BAD_INPUT, "", "snapshot",
				     "missing");
		return dec_snapshot(w, v, &m->snapshot);
	}
	if (v != NULL)
		return wfail(w, RC_BAD_INPUT, "", "snapshot",
			     "only allowed in snapshot messages");
	return RC_OK;
}

static int dec_msg(struct wire *w, const json_t *j, struct raft_msg *m)
{
	int rc;

	memset(m, 0, sizeof(*m));
	rc = dec_msg_fields(w, j, m);
	if (rc != RC_OK) {
		raftwire_msg_release(m);
		memset(m, 0, sizeof(*m));
	}
	return rc;
}

int raftwire_decode_msg(const json_t *j, struct raft_msg *m, struct err *e)
{
	struct wire w = { .e = e };

	return dec_msg(&w, j, m);
}

void raftwire_msg_release(struct raft_msg *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n_entries; i++)
		free(m->entries[i].data);
	free(m->entries);
	m->entries = NULL;
	m->n_entries = 0;
	free(m->snapshot.data);
	m->snapshot.data = NULL;
	m->snapshot.len = 0;
}

int raftwire_decode_batch(const json_t *j, uint64_t *from,
			  struct raft_msg **msgs, size_t *n, struct err *e)
{
	struct wire w = { .e = e };
	const json_t *v;
	struct raft_msg *a = NULL;
	size_t cnt;
	int rc;

	*from = 0;
	*msgs = NULL;
	*n = 0;
	if (!json_is_object(j))
		return err_set(e, RC_BAD_INPUT,
			       "raft batch: must be an object");
	v = member(j, "from");
	if (v == NULL)
		return err_set(e, RC_BAD_INPUT, "from: missing");
	if (u64_value(v, from) != 0 || *from == RAFT_NONE) {
		*from = 0;
		return err_set(e, RC_BAD_INPUT,
			       "from: must be a node id > 0");
	}
	v = member(j, "msgs");
	if (v == NULL) {
		*from = 0;
		return err_set(e, RC_BAD_INPUT, "msgs: missing");
	}
	if (!json_is_array(v)) {
		*from = 0;
		return err_set(e, RC_BAD_INPUT, "msgs: must be an array");
	}
	cnt = json_array_size(v);
	if (cnt > RAFTWIRE_MAX_MSGS) {
		*from = 0;
		return err_set(e, RC_TOO_LARGE,
			       "msgs: %zu messages, over the limit of %d", cnt,
			       RAFTWIRE_MAX_MSGS);
	}
	if (cnt == 0)
		return RC_OK;
	a = calloc(cnt, sizeof(*a));
	if (a == NULL) {
		*from = 0;
		return err_set(e, RC_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < cnt; i++) {
		snprintf(w.at, sizeof(w.at), "msgs[%zu]", i);
		rc = dec_msg(&w, json_array_get(v, i), &a[i]);
		if (rc == RC_OK && a[i].from != *from)
			rc = wfail(&w, RC_BAD_INPUT, "", "from",
				   "%" PRIu64 " is not the batch's from %"
				   PRIu64, a[i].from, *from);
		if (rc != RC_OK) {
			raftwire_batch_release(a, i + 1);
			*from = 0;
			return rc;
		}
	}
	*msgs = a;
	*n = cnt;
	return RC_OK;
}

void raftwire_batch_release(struct raft_msg *msgs, size_t n)
{
	if (msgs == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		raftwire_msg_release(&msgs[i]);
	free(msgs);
}

/* ---- the binary form ---------------------------------------------------- */

#define BIN_HDR		(4 + 1 + 4 * 8 + 4)	/* magic flags 4 u64 n */
#define BIN_MSG_MIN	(2 + 9 * 8 + 4 + 1)	/* no entries, no snapshot */
#define BIN_ENTRY_MIN	(8 + 8 + 1 + 4)
#define BIN_SNAP_MIN	(8 + 8 + 1 + 8)
#define BIN_MEMBER	(8 + 1)
#define BIN_REPLY	0x01
#define BIN_RESYNC	0x02

static const unsigned char bin_magic[4] = { 'R', 'R', 'B', '1' };

static size_t bin_msg_size(const struct raft_msg *m)
{
	size_t n = BIN_MSG_MIN;

	for (size_t i = 0; i < m->n_entries; i++)
		n += BIN_ENTRY_MIN + m->entries[i].len;
	if (m->type == RAFT_MSG_SNAPSHOT)
		n += BIN_SNAP_MIN + m->snapshot.conf.n * BIN_MEMBER +
		     m->snapshot.len;
	return n;
}

static unsigned char *bin_u64(unsigned char *p, uint64_t v)
{
	util_put_be64(p, v);
	return p + 8;
}

static unsigned char *bin_msg(unsigned char *p, const struct raft_msg *m)
{
	*p++ = (unsigned char)m->type;
	*p++ = m->reject ? 1 : 0;
	p = bin_u64(p, m->group);
	p = bin_u64(p, m->from);
	p = bin_u64(p, m->to);
	p = bin_u64(p, m->term);
	p = bin_u64(p, m->index);
	p = bin_u64(p, m->log_term);
	p = bin_u64(p, m->commit);
	p = bin_u64(p, m->hint);
	p = bin_u64(p, m->context);
	util_put_be32(p, (uint32_t)m->n_entries);
	p += 4;
	for (size_t i = 0; i < m->n_entries; i++) {
		const struct raft_entry *en = &m->entries[i];

		p = bin_u64(p, en->term);
		p = bin_u64(p, en->index);
		*p++ = (unsigned char)en->type;
		util_put_be32(p, (uint32_t)en->len);
		p += 4;
		if (en->len > 0)
			memcpy(p, en->data, en->len);
		p += en->len;
	}
	if (m->type != RAFT_MSG_SNAPSHOT) {
		*p++ = 0;
		return p;
	}
	*p++ = 1;
	p = bin_u64(p, m->snapshot.index);
	p = bin_u64(p, m->snapshot.term);
	*p++ = (unsigned char)m->snapshot.conf.n;
	for (size_t i = 0; i < m->snapshot.conf.n; i++) {
		p = bin_u64(p, m->snapshot.conf.m[i].id);
		*p++ = m->snapshot.conf.m[i].learner ? 1 : 0;
	}
	p = bin_u64(p, m->snapshot.len);
	if (m->snapshot.len > 0)
		memcpy(p, m->snapshot.data, m->snapshot.len);
	return p + m->snapshot.len;
}

int raftwire_encode_bin(const struct raftwire_meta *meta,
			const struct raft_msg *msgs, size_t n, char **out,
			size_t *out_len, struct err *e)
{
	struct wire w = { .e = e };
	size_t size = BIN_HDR;
	unsigned char *buf, *p;
	int rc;

	*out = NULL;
	*out_len = 0;
	if (meta->from == RAFT_NONE)
		return err_set(e, RC_BAD_INPUT, "from: must be > 0");
	if (n > 0 && msgs == NULL)
		return err_set(e, RC_INTERNAL, "msgs: NULL with %zu messages",
			       n);
	if (n > RAFTWIRE_MAX_MSGS)
		return err_set(e, RC_TOO_LARGE,
			       "msgs: %zu messages, over the limit of %d", n,
			       RAFTWIRE_MAX_MSGS);
	for (size_t i = 0; i < n; i++) {
		snprintf(w.at, sizeof(w.at), "msgs[%zu]", i);
		if (msgs[i].from != meta->from)
			return wfail(&w, RC_BAD_INPUT, "", "from",
				     "%" PRIu64 " is not the batch's from %"
				     PRIu64, msgs[i].from, meta->from);
		/* the budgets bound every length: no overflow below */
		if ((rc = check_msg(&w, &msgs[i])) != RC_OK)
			return rc;
		size += bin_msg_size(&msgs[i]);
	}
	if ((buf = malloc(size)) == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	memcpy(buf, bin_magic, 4);
	p = buf + 4;
	*p++ = (meta->reply ? BIN_REPLY : 0) | (meta->resync ? BIN_RESYNC : 0);
	p = bin_u64(p, meta->from);
	p = bin_u64(p, meta->clock_ms);
	p = bin_u64(p, meta->epoch);
	p = bin_u64(p, meta->seq);
	util_put_be32(p, (uint32_t)n);
	p += 4;
	for (size_t i = 0; i < n; i++)
		p = bin_msg(p, &msgs[i]);
	*out = (char *)buf;
	*out_len = (size_t)(p - buf);
	return RC_OK;
}

/* A reader over the body: every take checks what is left first. */
struct bin {
	const unsigned char *p;
	size_t left;
};

static int bin_take(struct bin *b, size_t n, const unsigned char **at)
{
	if (b->left < n)
		return -1;
	*at = b->p;
	b->p += n;
	b->left -= n;
	return 0;
}

/* An unsigned big-endian integer of n (1 to 8) bytes. */
static int bin_get(struct bin *b, size_t n, uint64_t *v)
{
	const unsigned char *at;

	if (bin_take(b, n, &at) != 0)
		return -1;
	*v = 0;
	for (size_t i = 0; i < n; i++)
		*v = *v << 8 | at[i];
	return 0;
}

static int bin_get_u8(struct bin *b, unsigned *v)
{
	uint64_t x;

	if (bin_get(b, 1, &x) != 0)
		return -1;
	*v = (unsigned)x;
	return 0;
}

static int bin_get_u32(struct bin *b, uint32_t *v)
{
	uint64_t x;

	if (bin_get(b, 4, &x) != 0)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

static int bin_get_u64(struct bin *b, uint64_t *v)
{
	return bin_get(b, 8, v);
}

/* len bytes into a new block (NULL when 0); the budget checked first */
static int bin_get_data(struct wire *w, struct bin *b, const char *pre,
			size_t len, void **out)
{
	const unsigned char *at = NULL;
	int rc;

	*out = NULL;
	if (len > b->left)
		return wfail(w, RC_BAD_INPUT, pre, "data", "truncated: %zu "
			     "bytes announced, %zu left", len, b->left);
	if ((rc = budget_data(w, pre, "data", len)) != RC_OK)
		return rc;
	if (len == 0)
		return RC_OK;
	if ((*out = malloc(len)) == NULL)
		return wnomem(w);
	if (bin_take(b, len, &at) == 0)	/* (checked above) */
		memcpy(*out, at, len);
	return RC_OK;
}

#define BIN_TRUNC(w, pre, key) \
	wfail((w), RC_BAD_INPUT, (pre), (key), "truncated")

static int bin_dec_fields(struct wire *w, struct bin *b, struct raft_msg *m)
{
	uint64_t *u[] = { &m->group, &m->from, &m->to, &m->term, &m->index,
			  &m->log_term, &m->commit, &m->hint, &m->context };
	static const char *const names[] = { "group", "from", "to", "term",
		"index", "log_term", "commit", "hint", "context" };
	unsigned type, rej, has, v;
	uint32_t ne, len;
	char pre[48];
	int rc;

	if (bin_get_u8(b, &type) != 0)
		return BIN_TRUNC(w, "", "type");
	m->type = (int)type;
	if (m->type <= 0 || m->type >= RAFT_MSG__COUNT)
		return wfail(w, RC_BAD_INPUT, "", "type",
			     "unknown message type %d", m->type);
	if (bin_get_u8(b, &rej) != 0)
		return BIN_TRUNC(w, "", "reject");
	if (rej > 1)
		return wfail(w, RC_BAD_INPUT, "", "reject", "must be 0 or 1");
	m->reject = (int)rej;
	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		if (bin_get_u64(b, u[i]) != 0)
			return BIN_TRUNC(w, "", names[i]);
	if (bin_get_u32(b, &ne) != 0)
		return BIN_TRUNC(w, "", "entries");
	if (ne > 0) {
		if (m->type != RAFT_MSG_APPEND)
			return wfail(w, RC_BAD_INPUT, "", "entries",
				     "only allowed in append messages");
		if ((rc = budget_entries(w, "", ne)) != RC_OK)
			return rc;
		if (ne > b->left / BIN_ENTRY_MIN)
			return wfail(w, RC_BAD_INPUT, "", "entries",
				     "truncated: %" PRIu32 " entries "
				     "announced, %zu bytes left", ne, b->left);
		m->entries = calloc(ne, sizeof(*m->entries));
		if (m->entries == NULL)
			return wnomem(w);
	}
	for (uint32_t i = 0; i < ne; i++) {
		struct raft_entry *en = &m->entries[i];

		snprintf(pre, sizeof(pre), "entries[%" PRIu32 "].", i);
		m->n_entries = i + 1;	/* released on error */
		if (bin_get_u64(b, &en->term) != 0 ||
		    bin_get_u64(b, &en->index) != 0 ||
		    bin_get_u8(b, &v) != 0 || bin_get_u32(b, &len) != 0)
			return BIN_TRUNC(w, pre, "");
		en->type = (int)v;
		if ((rc = check_entry(w, m, i, pre)) != RC_OK)
			return rc;
		if ((rc = bin_get_data(w, b, pre, len, &en->data)) != RC_OK)
			return rc;
		en->len = len;
	}
	if (bin_get_u8(b, &has) != 0)
		return BIN_TRUNC(w, "", "snapshot");
	if (has > 1)
		return wfail(w, RC_BAD_INPUT, "", "snapshot",
			     "presence must be 0 or 1");
	if ((has == 1) != (m->type == RAFT_MSG_SNAPSHOT))
		return wfail(w, RC_BAD_INPUT, "", "snapshot", has ?
			     "only allowed in snapshot messages" :
			     "missing");
	if (has) {
		struct raft_snapshot *s = &m->snapshot;
		uint64_t dl;

		if (bin_get_u64(b, &s->index) != 0 ||
		    bin_get_u64(b, &s->term) != 0 || bin_get_u8(b, &v) != 0)
			return BIN_TRUNC(w, "snapshot.", "");
		if (v > RAFT_MAX_NODES)
			return wfail(w, RC_TOO_LARGE, "snapshot.", "conf",
				     "%u members, over the limit of %d", v,
				     RAFT_MAX_NODES);
		s->conf.n = v;
		for (size_t i = 0; i < s->conf.n; i++) {
			unsigned l;

			if (bin_get_u64(b, &s->conf.m[i].id) != 0 ||
			    bin_get_u8(b, &l) != 0)
				return BIN_TRUNC(w, "snapshot.", "conf");
			if (l > 1)
				return wfail(w, RC_BAD_INPUT, "snapshot.",
					     "conf", "learner must be 0 or 1");
			s->conf.m[i].learner = (int)l;
		}
		if ((rc = check_conf(w, &s->conf)) != RC_OK)
			return rc;
		if (bin_get_u64(b, &dl) != 0)
			return BIN_TRUNC(w, "snapshot.", "data");
		if (dl > b->left)
			return wfail(w, RC_BAD_INPUT, "snapshot.", "data",
				     "truncated: %" PRIu64 " bytes "
				     "announced, %zu left", dl, b->left);
		if ((rc = bin_get_data(w, b, "snapshot.", (size_t)dl,
				       &s->data)) != RC_OK)
			return rc;
		s->len = (size_t)dl;
	}
	return RC_OK;
}

int raftwire_decode_bin(const void *buf, size_t len,
			struct raftwire_meta *meta, struct raft_msg **msgs,
			size_t *n, struct err *e)
{
	struct wire w = { .e = e };
	struct bin b = { buf, len };
	const unsigned char *at;
	struct raft_msg *a = NULL;
	unsigned flags;
	uint32_t cnt;
	int rc;

	memset(meta, 0, sizeof(*meta));
	*msgs = NULL;
	*n = 0;
	if (buf == NULL || bin_take(&b, 4, &at) != 0 ||
	    memcmp(at, bin_magic, 4) != 0)
		return err_set(e, RC_BAD_INPUT, "raft batch: not a binary "
			       "batch (it starts with RRB1)");
	if (bin_get_u8(&b, &flags) != 0 || bin_get_u64(&b, &meta->from) != 0
	    || bin_get_u64(&b, &meta->clock_ms) != 0 ||
	    bin_get_u64(&b, &meta->epoch) != 0 ||
	    bin_get_u64(&b, &meta->seq) != 0 || bin_get_u32(&b, &cnt) != 0) {
		memset(meta, 0, sizeof(*meta));
		return err_set(e, RC_BAD_INPUT, "raft batch: truncated "
			       "header");
	}
	rc = RC_OK;
	if (flags & ~(unsigned)(BIN_REPLY | BIN_RESYNC))
		rc = err_set(e, RC_BAD_INPUT, "raft batch: unknown flags "
			     "0x%02x", flags);
	else if (meta->from == RAFT_NONE)
		rc = err_set(e, RC_BAD_INPUT, "from: must be a node id > 0");
	else if (cnt > RAFTWIRE_MAX_MSGS)
		rc = err_set(e, RC_TOO_LARGE, "msgs: %" PRIu32 " messages, "
			     "over the limit of %d", cnt, RAFTWIRE_MAX_MSGS);
	else if (cnt > b.left / BIN_MSG_MIN)
		rc = err_set(e, RC_BAD_INPUT, "msgs: truncated: %" PRIu32
			     " messages announced, %zu bytes left", cnt,
			     b.left);
	if (rc != RC_OK) {
		memset(meta, 0, sizeof(*meta));
		return rc;
	}
	meta->reply = (flags & BIN_REPLY) != 0;
	meta->resync = (flags & BIN_RESYNC) != 0;
	if (cnt > 0 && (a = calloc(cnt, sizeof(*a))) == NULL) {
		memset(meta, 0, sizeof(*meta));
		return err_set(e, RC_NOMEM, "out of memory");
	}
	for (uint32_t i = 0; i < cnt; i++) {
		snprintf(w.at, sizeof(w.at), "msgs[%" PRIu32 "]", i);
		rc = bin_dec_fields(&w, &b, &a[i]);
		if (rc == RC_OK && a[i].from != meta->from)
			rc = wfail(&w, RC_BAD_INPUT, "", "from",
				   "%" PRIu64 " is not the batch's from %"
				   PRIu64, a[i].from, meta->from);
		if (rc != RC_OK) {
			raftwire_batch_release(a, i + 1);
			memset(meta, 0, sizeof(*meta));
			return rc;
		}
	}
	if (b.left != 0) {
		raftwire_batch_release(a, cnt);
		memset(meta, 0, sizeof(*meta));
		return err_set(e, RC_BAD_INPUT, "raft batch: %zu bytes after "
			       "the last message", b.left);
	}
	*msgs = a;
	*n = cnt;
	return RC_OK;
}
