/*
 * txnwire.h -- the small pieces of the transaction protocol's JSON shared
 * by txn.c and api.c: timestamps, transaction ids, error replies, keys in
 * messages.
 *
 * Timestamps travel as decimal strings ("ts":"116453003345920001")
 * because they exceed 2^53; both a string and an integer are accepted on
 * input.  Transaction ids are 16 bytes, in JSON 32 lowercase hex
 * characters (upper case accepted on input).  Keys and values use
 * desc_bytes_set/get ("key" text or "key_b64").
 *
 * Tested in t/unit/txnbuf_test.c (with the buffer it serves).
 */
#ifndef RANGEDB_TXCOORD_TXNWIRE_H
#define RANGEDB_TXCOORD_TXNWIRE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "err.h"

#define TXNWIRE_ID_LEN	16
#define TXNWIRE_KEY_TEXT 80	/* a good size for txnwire_key_text() */

/* obj[name] = ts as a decimal string; -1 when out of memory. */
int txnwire_ts_set(json_t *obj, const char *name, uint64_t ts);

/*
 * obj[name] as a timestamp (a decimal string or a non-negative integer).
 * RC_NOT_FOUND when absent or null; RC_BAD_INPUT naming the field when
 * malformed.
 */
int txnwire_ts_get(const json_t *obj, const char *name, uint64_t *ts,
		   struct err *e);

/* 32 lowercase hex characters and a NUL into out. */
void txnwire_id_hex(const unsigned char id[TXNWIRE_ID_LEN], char out[33]);

/* Parse 32 hex characters; -1 unless s is exactly that. */
int txnwire_id_parse(const char *s, unsigned char id[TXNWIRE_ID_LEN]);

/* New JSON string of the id (NULL when out of memory). */
json_t *txnwire_id_json(const unsigned char id[TXNWIRE_ID_LEN]);

/* obj[name] as an id; RC_BAD_INPUT naming the field when bad or absent. */
int txnwire_id_get(const json_t *obj, const char *name,
		   unsigned char id[TXNWIRE_ID_LEN], struct err *e);

/*
 * The error object of a reply in the common shape:
 * {"error":{"code":C,"message":M}}.  "" when absent (never NULL).
 */
const char *txnwire_error_code(const json_t *reply);
const char *txnwire_error_msg(const json_t *reply);

/*
 * A key for a message: printable ASCII as is, other bytes as \xNN, cut
 * with "..." to fit cap (>= 4); always NUL-terminated.  Returns buf.
 */
char *txnwire_key_text(const void *key, size_t klen, char *buf, size_t cap);

#endif
