/*
 * format.c -- readable and URL spellings of keys, node addresses.  See
 * format.h.
 *
 * Every output buffer is sized from the input before it is written, so
 * nothing is ever cut.  Tested by t/unit/rangectl_format_test.c.
 */
#include "format.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desc.h"
#include "raftwire.h"
#include "util.h"

static const char format_hex[] = "0123456789abcdef";

int format_key(const void *key, size_t len, int is_end, char **out,
	       struct err *e)
{
	const unsigned char *k = key;
	char *s, *o;

	*out = NULL;
	if (is_end && len == 0) {
		if ((*out = strdup("+inf")) == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		return RC_OK;
	}
	if (len > (SIZE_MAX - 1) / 4)
		return err_set(e, RC_TOO_LARGE, "key of %zu bytes is too long "
			       "to print", len);
	s = malloc(4 * len + 1);
	if (s == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	o = s;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = k[i];

		/* "+inf" itself is spelt "\x2binf": it must not read as end */
		if (c == '\\') {
			*o++ = '\\';
			*o++ = '\\';
		} else if (c >= 0x20 && c <= 0x7e &&
			   !(i == 0 && c == '+' && len == 4 &&
			     memcmp(k, "+inf", 4) == 0)) {
			*o++ = (char)c;
		} else {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = format_hex[c >> 4];
			*o++ = format_hex[c & 15];
		}
	}
	*o = '\0';
	*out = s;
	return RC_OK;
}

static int format_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int format_parse_key(const char *s, unsigned char **out, size_t *len,
		     struct err *e)
{
	size_t n = strlen(s), o = 0;
	unsigned char *k;

	*out = NULL;
	*len = 0;
	if (strcmp(s, "+inf") == 0)
		return err_set(e, RC_BAD_INPUT, "'+inf' is the end of the "
			       "keyspace, not a key (the key '+inf' is "
			       "written '\\x2binf')");
	k = malloc(n + 1);
	if (k == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] != '\\') {
			k[o++] = (unsigned char)s[i];
			continue;
		}
		if (s[i + 1] == '\\') {
			k[o++] = '\\';
			i++;
			continue;
		}
		if (s[i + 1] == 'x' && (hi = format_hexval(s[i + 2])) >= 0 &&
		    (lo = format_hexval(s[i + 3])) >= 0) {
			k[o++] = (unsigned char)(hi << 4 | lo);
			i += 3;
			continue;
		}
		free(k);
		return err_set(e, RC_BAD_INPUT, "bad escape at offset %zu of "
			       "key '%s': write '\\\\' for a backslash and "
			       "'\\xHH' for a byte", i, s);
	}
	*out = k;
	*len = o;
	return RC_OK;
}

int format_percent(const void *p, size_t len, char **out, struct err *e)
{
	const unsigned char *s = p;
	char *o;
	size_t k = 0;

	*out = NULL;
	if (len > (SIZE_MAX - 1) / 3)
		return err_set(e, RC_TOO_LARGE, "key of %zu bytes is too long",
			       len);
	o = malloc(3 * len + 1);
	if (o == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			o[k++] = (char)c;
		} else {
			o[k++] = '%';
			o[k++] = "0123456789ABCDEF"[c >> 4];
			o[k++] = "0123456789ABCDEF"[c & 15];
		}
	}
	o[k] = '\0';
	*out = o;
	return RC_OK;
}

int format_query_key(const char *name, const void *p, size_t len,
		     char **out, struct err *e)
{
	char *b64 = NULL, *q = NULL;
	size_t b64len;
	int rc, text = desc_utf8_valid(p, len);

	*out = NULL;
	if (text)
		rc = format_percent(p, len, &q, e);
	else if ((rc = raftwire_base64_encode(p, len, &b64, &b64len, e)) ==
		 RC_OK)
		rc = format_percent(b64, b64len, &q, e);
	free(b64);
	if (rc != RC_OK)
		return rc;
	if (asprintf(out, "%s%s=%s", name, text ? "" : "_b64", q) < 0) {
		*out = NULL;
		rc = err_set(e, RC_NOMEM, "out of memory");
	}
	free(q);
	return rc;
}

int format_addr_valid(const char *a)
{
	const char *colon = strrchr(a, ':');
	uint64_t port;

	if (colon == NULL || colon == a || strpbrk(a, "/?#@ \t") != NULL)
		return 0;
	return util_parse_u64(colon + 1, 1, 65535, &port, "port", NULL) ==
	       RC_OK;
}
