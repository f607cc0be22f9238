/*
 * txnwire.c -- timestamps, ids and error replies of the transaction
 * protocol's JSON.  See txnwire.h; tested in t/unit/txnbuf_test.c.
 */
#include "txnwire.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

int txnwire_ts_set(json_t *obj, const char *name, uint64_t ts)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, ts);
	return json_object_set_new(obj, name, json_string(buf)) == 0 ? 0 : -1;
}

int txnwire_ts_get(const json_t *obj, const char *name, uint64_t *ts,
		   struct err *e)
{
	const json_t *v = json_object_get(obj, name);

	if (v == NULL || json_is_null(v))
		return err_set(e, RC_NOT_FOUND, "missing field '%s'", name);
	if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);

		if (n < 0)
			return err_set(e, RC_BAD_INPUT, "field '%s' must be "
				       "a timestamp, got %"
				       JSON_INTEGER_FORMAT, name, n);
		*ts = (uint64_t)n;
		return RC_OK;
	}
	if (json_is_string(v))
		return util_parse_u64(json_string_value(v), 0, UINT64_MAX, ts,
				      name, e);
	return err_set(e, RC_BAD_INPUT, "field '%s' must be a timestamp "
		       "(a decimal string)", name);
}

void txnwire_id_hex(const unsigned char id[TXNWIRE_ID_LEN], char out[33])
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < TXNWIRE_ID_LEN; i++) {
		out[2 * i] = digits[id[i] >> 4];
		out[2 * i + 1] = digits[id[i] & 0xf];
	}
	out[2 * TXNWIRE_ID_LEN] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int txnwire_id_parse(const char *s, unsigned char id[TXNWIRE_ID_LEN])
{
	unsigned char tmp[TXNWIRE_ID_LEN];

	if (s == NULL || strlen(s) != 2 * TXNWIRE_ID_LEN)
		return -1;
	for (size_t i = 0; i < TXNWIRE_ID_LEN; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		tmp[i] = (unsigned char)(hi << 4 | lo);
	}
	memcpy(id, tmp, sizeof(tmp));
	return 0;
}

json_t *txnwire_id_json(const unsigned char id[TXNWIRE_ID_LEN])
{
	char hex[33];

	txnwire_id_hex(id, hex);
	return json_string(hex);
}

int txnwire_id_get(const json_t *obj, const char *name,
		   unsigned char id[TXNWIRE_ID_LEN], struct err *e)
{
	const json_t *v = json_object_get(obj, name);

	if (v == NULL || json_is_null(v))
		return err_set(e, RC_BAD_INPUT, "missing field '%s' (a "
			       "transaction id)", name);
	if (!json_is_string(v) || txnwire_id_parse(json_string_value(v),
						   id) != 0)
		return err_set(e, RC_BAD_INPUT, "field '%s' must be a "
			       "transaction id (32 hex characters)", name);
	return RC_OK;
}

static const char *error_field(const json_t *reply, const char *name)
{
	const json_t *err = json_object_get(reply, "error");
	const char *s = json_string_value(json_object_get(err, name));

	return s != NULL ? s : "";
}

const char *txnwire_error_code(const json_t *reply)
{
	return error_field(reply, "code");
}

const char *txnwire_error_msg(const json_t *reply)
{
	return error_field(reply, "message");
}

/* Escaped length of byte c in txnwire_key_text(). */
static size_t key_char_len(unsigned char c)
{
	return (c >= 0x20 && c < 0x7f && c != '\\') ? 1 : 4;
}

char *txnwire_key_text(const void *key, size_t klen, char *buf, size_t cap)
{
	const unsigned char *k = key;
	size_t full = 0, w = 0, room;

	for (size_t i = 0; i < klen; i++)
		full += key_char_len(k[i]);
	room = full < cap ? full : cap - 4;	/* cut: keep room for "..." */
	for (size_t i = 0; i < klen; i++) {
		size_t need = key_char_len(k[i]);

		if (w + need > room)
			break;
		if (need == 1)
			buf[w++] = (char)k[i];
		else
			w += (size_t)snprintf(buf + w, cap - w, "\\x%02x",
					      k[i]);
	}
	if (full >= cap) {
		memcpy(buf + w, "...", 4);
		return buf;
	}
	buf[w] = '\0';
	return buf;
}
