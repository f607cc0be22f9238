/*
 * format.h -- rangectl's spellings of keys: the readable form printed in
 * tables and typed on the command line, and the form of a key in a URL
 * query string; and the check of a node address typed as HOST:PORT.
 *
 * Readable form (what `rangectl list` prints, what `locate` and `split`
 * accept): printable ASCII (0x20..0x7e) as is, a backslash as "\\", every
 * other byte as "\xHH" (lower-case hex).  So a tab never appears inside a
 * column, and format_parse_key(format_key(k)) == k for every key k.  An
 * empty END key is infinity and prints "+inf"; a key that really is the
 * four bytes "+inf" prints "\x2binf" so that the two never look alike.
 *
 * In JSON and in query strings a byte string is "name" when the bytes are
 * valid UTF-8 without NUL, else "name_b64" in base64 (desc.h's rule, whose
 * desc_bytes_set/get rangectl uses for JSON bodies).
 *
 * Nothing here prints or exits.  Tested by t/unit/rangectl_format_test.c
 * (spellings, bad escapes, a seeded round trip, addresses) and
 * t/511-rangectl-cli.bats (key and address arguments).
 */
#ifndef RANGEDB_RANGECTL_FORMAT_H
#define RANGEDB_RANGECTL_FORMAT_H

#include <stddef.h>

#include "err.h"

/*
 * Readable form of key[0..len) in a malloc'd string *out (the caller
 * frees).  With is_end, the empty key is "+inf".
 */
int format_key(const void *key, size_t len, int is_end, char **out,
	       struct err *e);

/*
 * Bytes of a key typed in readable form: "\\" and "\xHH" are the only
 * escapes; "+inf" is refused (it is no key).  *out is malloc'd (never NULL,
 * even for the empty key) and the caller frees it.  RC_BAD_INPUT with a
 * message naming the offset of a bad escape.
 */
int format_parse_key(const char *s, unsigned char **out, size_t *len,
		     struct err *e);

/*
 * p[0..len) percent-encoded for a URL query value (everything but
 * A-Z a-z 0-9 - . _ ~ becomes %HH), in a malloc'd string.
 */
int format_percent(const void *p, size_t len, char **out, struct err *e);

/*
 * The query parameter "name=VALUE" for the key p[0..len), percent-encoded,
 * or "name_b64=BASE64" when the key is not valid UTF-8 or holds a NUL
 * (which no query value can carry); malloc'd.
 */
int format_query_key(const char *name, const void *p, size_t len,
		     char **out, struct err *e);

/*
 * 1 if a is HOST:PORT: a non-empty host, a port 1..65535, and nothing
 * that belongs to a URL (no scheme, path, query, user or blank).
 */
int format_addr_valid(const char *a);

#endif
