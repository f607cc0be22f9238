/*
 * sqllex.c -- the SQL lexer (see sqllex.h).
 *
 * Quoted literals are lexed in two passes: the first finds where the
 * literal (with its continuation segments) ends, the second decodes it
 * into an arena buffer of the raw length, which bounds the decoded length
 * (every escape is at least as long as what it stands for).  So nothing is
 * allocated outside the arena and nothing is copied twice.
 */
#include "sqllex.h"

#include <string.h>

/* ---- keywords ---------------------------------------------------------- */

#define KW_TEXT_(name, text, cat) text,
static const char *const kw_text[SQLLEX_KW__COUNT] = {
	"",
	SQLLEX_KEYWORDS(KW_TEXT_)
};
#undef KW_TEXT_

#define KW_CAT_(name, text, cat) cat,
static const enum sqllex_kwcat kw_cat[SQLLEX_KW__COUNT] = {
	SQLLEX_UNRESERVED,
	SQLLEX_KEYWORDS(KW_CAT_)
};
#undef KW_CAT_

#define KW_MAXLEN 24

enum sqllex_kw sqllex_kw_lookup(const char *s, size_t n)
{
	char low[KW_MAXLEN + 1];
	int lo = 1, hi = SQLLEX_KW__COUNT - 1;
	size_t i;

	if (n == 0 || n > KW_MAXLEN)
		return SQLLEX_KW_NONE;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		low[i] = (char)c;
	}
	low[n] = '\0';
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		int c = strcmp(low, kw_text[mid]);

		if (c == 0)
			return (enum sqllex_kw)mid;
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return SQLLEX_KW_NONE;
}

const char *sqllex_kw_name(enum sqllex_kw kw)
{
	if ((int)kw < 0 || kw >= SQLLEX_KW__COUNT)
		return "";
	return kw_text[kw];
}

enum sqllex_kwcat sqllex_kw_category(enum sqllex_kw kw)
{
	if ((int)kw <= 0 || kw >= SQLLEX_KW__COUNT)
		return SQLLEX_UNRESERVED;
	return kw_cat[kw];
}

/* ---- UTF-8 ------------------------------------------------------------- */

/* Bytes PostgreSQL shows for a bad sequence starting with byte b. */
static size_t utf8_shown_len(unsigned char b)
{
	if (b >= 0xc0 && b <= 0xdf)
		return 2;
	if (b >= 0xe0 && b <= 0xef)
		return 3;
	if (b >= 0xf0 && b <= 0xf7)
		return 4;
	return 1;
}

int sqllex_utf8_valid(const char *s, size_t n, size_t *bad, size_t *badlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned char b = p[i];
		unsigned char lo = 0x80, hi = 0xbf;
		size_t need, k;

		if (b != 0 && b < 0x80) {
			i++;
			continue;
		}
		if (b >= 0xc2 && b <= 0xdf) {
			need = 1;
		} else if (b >= 0xe0 && b <= 0xef) {
			need = 2;
			if (b == 0xe0)
				lo = 0xa0;
			else if (b == 0xed)
				hi = 0x9f;
		} else if (b >= 0xf0 && b <= 0xf4) {
			need = 3;
			if (b == 0xf0)
				lo = 0x90;
			else if (b == 0xf4)
				hi = 0x8f;
		} else {
			goto fail;	/* NUL, 0x80-0xc1, >= 0xf5 */
		}
		if (n - i <= need)
			goto fail;
		if (p[i + 1] < lo || p[i + 1] > hi)
			goto fail;
		for (k = 2; k <= need; k++)
			if (p[i + k] < 0x80 || p[i + k] > 0xbf)
				goto fail;
		i += need + 1;
		continue;
fail:
		if (bad != NULL)
			*bad = i;
		if (badlen != NULL) {
			size_t l = utf8_shown_len(b);

			*badlen = l < n - i ? l : n - i;
		}
		return 0;
	}
	return 1;
}

int sqllex_utf8_error(struct sqlerr *e, int pos, const char *p, size_t n)
{
	char hex[4 * 5 + 1];
	size_t i, o = 0;

	if (n > 4)
		n = 4;
	for (i = 0; i < n; i++) {
		static const char digits[] = "0123456789abcdef";
		unsigned char b = (unsigned char)p[i];

		if (i > 0)
			hex[o++] = ' ';
		hex[o++] = '0';
		hex[o++] = 'x';
		hex[o++] = digits[b >> 4];
		hex[o++] = digits[b & 15];
	}
	hex[o] = '\0';
	return sqlerr_set(e, SQLSTATE_CHAR_ENCODING, pos,
			  "invalid byte sequence for encoding \"UTF8\": %s",
			  hex);
}

/* ---- helpers ----------------------------------------------------------- */

int sqllex_init(struct sqllex *lx, struct arena *a, const char *text,
		size_t len, struct sqlerr *e)
{
	size_t bad = 0, badlen = 0;

	memset(lx, 0, sizeof(*lx));
	lx->a = a;
	lx->text = text != NULL ? text : "";
	lx->len = text != NULL ? len : 0;
	if (lx->len > SQLLEX_MAX_TEXT)
		return sqlerr_set(e, SQLSTATE_PROG_LIMIT, 0,
				  "statement text is too long (%zu bytes, "
				  "the limit is %d)", lx->len,
				  SQLLEX_MAX_TEXT);
	if (!sqllex_utf8_valid(lx->text, lx->len, &bad, &badlen))
		return sqllex_utf8_error(e, (int)bad + 1, lx->text + bad,
					 badlen);
	return 0;
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static int is_ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       c >= 0x80;
}

static int is_ident_cont(unsigned char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static unsigned char at(const struct sqllex *lx, size_t off)
{
	return off < lx->len ? (unsigned char)lx->text[off] : 0;
}

/*
 * Length of text[off, off + n) cut to at most 64 bytes at a character
 * boundary; *cut says whether it was cut (the caller appends "...").
 */
static int near_len(const struct sqllex *lx, size_t off, size_t n, int *cut)
{
	size_t max = 64;

	*cut = 0;
	if (n <= max)
		return (int)n;
	while (max > 0 && (at(lx, off + max) & 0xc0) == 0x80)
		max--;
	*cut = 1;
	return (int)max;
}


/* 42601 "<what> at or near "<text[off, off + n)>"" at position off + 1. */
static int lex_error(const struct sqllex *lx, struct sqlerr *e,
		     const char *what, size_t off, size_t n)
{
	int cut, l;

	/* Never show part of a character. */
	while (off + n < lx->len && (at(lx, off + n) & 0xc0) == 0x80)
		n++;
	l = near_len(lx, off, n, &cut);

	return sqlerr_set(e, SQLSTATE_SYNTAX, (int)off + 1,
			  "%s at or near \"%.*s%s\"", what, l, lx->text + off,
			  cut ? "..." : "");
}

/* Skip white space and comments. */
static int skip_space(struct sqllex *lx, struct sqlerr *e)
{
	while (lx->off < lx->len) {
		unsigned char c = at(lx, lx->off);

		if (is_space(c)) {
			lx->off++;
		} else if (c == '-' && at(lx, lx->off + 1) == '-') {
			while (lx->off < lx->len && lx->text[lx->off] != '\n')
				lx->off++;
		} else if (c == '/' && at(lx, lx->off + 1) == '*') {
			size_t start = lx->off, i = start + 2;
			size_t depth = 1;

			while (i < lx->len && depth > 0) {
				if (lx->text[i] == '/' &&
				    at(lx, i + 1) == '*') {
					depth++;
					i += 2;
				} else if (lx->text[i] == '*' &&
					   at(lx, i + 1) == '/') {
					depth--;
					i += 2;
				} else {
					i++;
				}
			}
			if (depth > 0)
				return lex_error(lx, e,
						 "unterminated /* comment",
						 start, lx->len - start);
			lx->off = i;
		} else {
			break;
		}
	}
	return 0;
}

/*
 * After a closing quote, text[off, ...): white space and -- comments that
 * hold at least one newline, then a quote, continue the literal (SQL's
 * "'foo'\n'bar'" is 'foobar').  The offset of that quote, or 0.
 */
static size_t continuation(const struct sqllex *lx, size_t off)
{
	int newline = 0;

	while (off < lx->len) {
		unsigned char c = at(lx, off);

		if (c == '\n') {
			newline = 1;
			off++;
		} else if (is_space(c)) {
			off++;
		} else if (c == '-' && at(lx, off + 1) == '-') {
			while (off < lx->len && lx->text[off] != '\n')
				off++;
		} else if (c == '\'' && newline) {
			return off;
		} else {
			return 0;
		}
	}
	return 0;
}

/*
 * Pass 1 over a quoted literal opening at q: *end is the offset after its
 * last closing quote (continuations included).  -1 when unterminated.
 */
static int quoted_end(const struct sqllex *lx, size_t q, int esc,
		      size_t *end)
{
	size_t i = q + 1;

	while (i < lx->len) {
		unsigned char c = at(lx, i);

		if (esc && c == '\\') {
			i += 2;
		} else if (c == '\'') {
			size_t next;

			if (at(lx, i + 1) == '\'') {
				i += 2;
				continue;
			}
			next = continuation(lx, i + 1);
			if (next == 0) {
				*end = i + 1;
				return 0;
			}
			i = next + 1;
		} else {
			i++;
		}
	}
	return -1;
}

/* Append code point cp as UTF-8 to buf at *o. */
static void put_utf8(char *buf, size_t *o, uint32_t cp)
{
	unsigned char *p = (unsigned char *)buf + *o;

	if (cp < 0x80) {
		p[0] = (unsigned char)cp;
		*o += 1;
	} else if (cp < 0x800) {
		p[0] = (unsigned char)(0xc0 | (cp >> 6));
		p[1] = (unsigned char)(0x80 | (cp & 0x3f));
		*o += 2;
	} else if (cp < 0x10000) {
		p[0] = (unsigned char)(0xe0 | (cp >> 12));
		p[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		p[2] = (unsigned char)(0x80 | (cp & 0x3f));
		*o += 3;
	} else {
		p[0] = (unsigned char)(0xf0 | (cp >> 18));
		p[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		p[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		p[3] = (unsigned char)(0x80 | (cp & 0x3f));
		*o += 4;
	}
}

/*
 * Read a \u (4 digits) or \U (8 digits) escape at text[i] == '\\' (the
 * literal ends before end).  *cp gets the value, *next the offset after.
 */
static int unicode_escape(const struct sqllex *lx, size_t i, size_t end,
			  uint32_t *cp, size_t *next, struct sqlerr *e)
{
	size_t ndig = lx->text[i + 1] == 'u' ? 4 : 8, k;
	uint32_t v = 0;

	for (k = 0; k < ndig; k++) {
		size_t j = i + 2 + k;
		int h = j < end ? hexval(at(lx, j)) : -1;

		if (h < 0)
			return sqlerr_set(e, SQLSTATE_BAD_ESCAPE, (int)i + 1,
					  "invalid Unicode escape");
		v = v << 4 | (uint32_t)h;
	}
	*cp = v;
	*next = i + 2 + ndig;
	return 0;
}

/* Decode one backslash escape of an E'' string at text[i] into buf. */
static int decode_escape(const struct sqllex *lx, size_t *ip, size_t end,
			 char *buf, size_t *o, struct sqlerr *e)
{
	size_t i = *ip;
	unsigned char c = at(lx, i + 1);
	uint32_t cp, lowcp;
	size_t next, next2;
	int v, k;

	switch (c) {
	case 'b': buf[(*o)++] = '\b'; *ip = i + 2; return 0;
	case 'f': buf[(*o)++] = '\f'; *ip = i + 2; return 0;
	case 'n': buf[(*o)++] = '\n'; *ip = i + 2; return 0;
	case 'r': buf[(*o)++] = '\r'; *ip = i + 2; return 0;
	case 't': buf[(*o)++] = '\t'; *ip = i + 2; return 0;
	case 'x':
		v = 0;
		for (k = 0; k < 2 && i + 2 + k < end &&
			    hexval(at(lx, i + 2 + k)) >= 0; k++)
			v = v * 16 + hexval(at(lx, i + 2 + k));
		if (k == 0) {
			buf[(*o)++] = 'x';
			*ip = i + 2;
		} else {
			buf[(*o)++] = (char)v;
			*ip = i + 2 + (size_t)k;
		}
		return 0;
	case 'u':
	case 'U':
		if (unicode_escape(lx, i, end, &cp, &next, e) < 0)
			return -1;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			/* A high surrogate needs a low one right after; like
			 * PostgreSQL, blame what follows it. */
			if (next + 1 < end && at(lx, next) == '\\' &&
			    (at(lx, next + 1) == 'u' ||
			     at(lx, next + 1) == 'U')) {
				if (unicode_escape(lx, next, end, &lowcp,
						   &next2, e) < 0)
					return -1;
				if (lowcp >= 0xdc00 && lowcp <= 0xdfff) {
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					     (lowcp - 0xdc00);
					put_utf8(buf, o, cp);
					*ip = next2;
					return 0;
				}
				return lex_error(lx, e,
						 "invalid Unicode surrogate "
						 "pair", next, next2 - next);
			}
			return lex_error(lx, e,
					 "invalid Unicode surrogate pair",
					 next, 1);
		}
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return lex_error(lx, e,
					 "invalid Unicode surrogate pair", i,
					 next - i);
		if (cp == 0 || cp > 0x10ffff)
			return lex_error(lx, e, "invalid Unicode escape value",
					 i, next - i);
		put_utf8(buf, o, cp);
		*ip = next;
		return 0;
	default:
		if (c >= '0' && c <= '7') {
			v = 0;
			for (k = 0; k < 3 && i + 1 + k < end &&
				    at(lx, i + 1 + k) >= '0' &&
				    at(lx, i + 1 + k) <= '7'; k++)
				v = v * 8 + (at(lx, i + 1 + k) - '0');
			buf[(*o)++] = (char)(v & 0xff);
			*ip = i + 1 + (size_t)k;
			return 0;
		}
		buf[(*o)++] = (char)c;
		*ip = i + 2;
		return 0;
	}
}

/*
 * Pass 2: decode the literal text[q, end) (opening quote at q) into an
 * arena string.  esc: E'' escapes.
 */
static int decode_string(struct sqllex *lx, size_t q, size_t end, int esc,
			 struct sqllex_token *t, struct sqlerr *e)
{
	char *buf = arena_alloc(lx->a, end - q + 1);
	size_t o = 0, i = q + 1, bad, badlen;

	if (buf == NULL)
		return sqlerr_nomem(e);
	while (i < end) {
		unsigned char c = at(lx, i);

		if (c == '\'') {
			if (i + 1 < end && at(lx, i + 1) == '\'') {
				buf[o++] = '\'';
				i += 2;
				continue;
			}
			if (i + 1 >= end)
				break;
			i = continuation(lx, i + 1) + 1;
		} else if (esc && c == '\\') {
			if (decode_escape(lx, &i, end, buf, &o, e) < 0)
				return -1;
		} else {
			buf[o++] = (char)c;
			i++;
		}
	}
	buf[o] = '\0';
	if (esc && !sqllex_utf8_valid(buf, o, &bad, &badlen))
		return sqllex_utf8_error(e, t->pos, buf + bad, badlen);
	t->str = buf;
	t->slen = o;
	return 0;
}

/* Decode x'hex' (opening quote at q, literal ends before end). */
static int decode_bytes(struct sqllex *lx, size_t q, size_t end,
			struct sqllex_token *t, struct sqlerr *e)
{
	char *buf = arena_alloc(lx->a, (end - q) / 2 + 1);
	size_t o = 0, i = q + 1, ndig = 0;
	int hi = 0;

	if (buf == NULL)
		return sqlerr_nomem(e);
	while (i < end) {
		unsigned char c = at(lx, i);
		int h;

		if (c == '\'' && !(i + 1 < end && at(lx, i + 1) == '\'')) {
			if (i + 1 >= end)
				break;
			i = continuation(lx, i + 1) + 1;
			continue;
		}
		h = hexval(c);
		if (h < 0) {
			size_t l = c < 0x80 ? 1 : utf8_shown_len(c);

			return sqlerr_set(e, SQLSTATE_INVALID_TEXT, t->pos,
					  "\"%.*s\" is not a valid "
					  "hexadecimal digit", (int)l,
					  lx->text + i);
		}
		if (ndig % 2 == 0)
			hi = h;
		else
			buf[o++] = (char)(hi << 4 | h);
		ndig++;
		i++;
	}
	if (ndig % 2 != 0)
		return sqlerr_set(e, SQLSTATE_INVALID_TEXT, t->pos,
				  "invalid hexadecimal data: odd number of "
				  "digits");
	buf[o] = '\0';
	t->str = buf;
	t->slen = o;
	return 0;
}

/* A quoted literal whose opening quote is at q (the token starts at off). */
static int lex_quoted(struct sqllex *lx, size_t q, enum sqllex_tok kind,
		      int esc, struct sqllex_token *t, struct sqlerr *e)
{
	size_t end;
	int rc;

	if (quoted_end(lx, q, esc, &end) < 0)
		return lex_error(lx, e, "unterminated quoted string", t->off,
				 lx->len - t->off);
	t->kind = kind;
	t->len = end - t->off;
	if (kind == SQLLEX_BYTES)
		rc = decode_bytes(lx, q, end, t, e);
	else
		rc = decode_string(lx, q, end, esc, t, e);
	if (rc < 0)
		return -1;
	lx->off = end;
	return 0;
}

static int lex_qident(struct sqllex *lx, struct sqllex_token *t,
		      struct sqlerr *e)
{
	size_t i = t->off + 1, o = 0;
	char *buf;

	for (;;) {
		if (i >= lx->len)
			return lex_error(lx, e,
					 "unterminated quoted identifier",
					 t->off, lx->len - t->off);
		if (lx->text[i] == '"') {
			if (at(lx, i + 1) != '"')
				break;
			i++;
		}
		i++;
	}
	t->len = i + 1 - t->off;
	if (t->len == 2)
		return lex_error(lx, e, "zero-length delimited identifier",
				 t->off, 2);
	buf = arena_alloc(lx->a, t->len);
	if (buf == NULL)
		return sqlerr_nomem(e);
	for (i = t->off + 1; i < t->off + t->len - 1; i++) {
		buf[o++] = lx->text[i];
		if (lx->text[i] == '"')
			i++;
	}
	buf[o] = '\0';
	t->kind = SQLLEX_QIDENT;
	t->str = buf;
	t->slen = o;
	lx->off = t->off + t->len;
	return 0;
}

/* $tag$...$tag$, or an error for a lone '$' or a parameter "$1". */
static int lex_dollar(struct sqllex *lx, struct sqllex_token *t,
		      struct sqlerr *e)
{
	size_t j = t->off + 1, taglen, k;
	const char *close;

	if (is_ident_start(at(lx, j)))
		while (is_ident_start(at(lx, j)) || is_digit(at(lx, j)))
			j++;
	if (at(lx, j) != '$') {
		j = t->off + 1;
		while (is_digit(at(lx, j)))
			j++;
		return lex_error(lx, e, "syntax error", t->off, j - t->off);
	}
	taglen = j + 1 - t->off;
	close = NULL;
	for (k = j + 1; k + taglen <= lx->len; k++) {
		if (lx->text[k] == '$' &&
		    memcmp(lx->text + k, lx->text + t->off, taglen) == 0) {
			close = lx->text + k;
			break;
		}
	}
	if (close == NULL)
		return lex_error(lx, e, "unterminated dollar-quoted string",
				 t->off, lx->len - t->off);
	t->kind = SQLLEX_STRING;
	t->slen = (size_t)(close - (lx->text + j + 1));
	t->str = arena_strndup(lx->a, lx->text + j + 1, t->slen);
	if (t->str == NULL)
		return sqlerr_nomem(e);
	t->len = (size_t)(close - (lx->text + t->off)) + taglen;
	lx->off = t->off + t->len;
	return 0;
}

static int lex_number(struct sqllex *lx, struct sqllex_token *t,
		      struct sqlerr *e)
{
	size_t i = t->off;
	int isint = 1;
	uint64_t v = 0;
	int over = 0;

	while (is_digit(at(lx, i))) {
		unsigned d = at(lx, i) - '0';

		if (v > (UINT64_MAX - d) / 10)
			over = 1;
		else
			v = v * 10 + d;
		i++;
	}
	if (at(lx, i) == '.') {
		isint = 0;
		i++;
		while (is_digit(at(lx, i)))
			i++;
	}
	if (at(lx, i) == 'e' || at(lx, i) == 'E') {
		size_t j = i + 1;

		if (at(lx, j) == '+' || at(lx, j) == '-')
			j++;
		if (!is_digit(at(lx, j))) {
			while (is_ident_cont(at(lx, i)))
				i++;
			return lex_error(lx, e,
					 "trailing junk after numeric literal",
					 t->off, (j > i ? j : i) - t->off);
		}
		isint = 0;
		i = j;
		while (is_digit(at(lx, i)))
			i++;
	}
	if (is_ident_start(at(lx, i))) {
		while (is_ident_cont(at(lx, i)))
			i++;
		return lex_error(lx, e, "trailing junk after numeric literal",
				 t->off, i - t->off);
	}
	t->len = i - t->off;
	lx->off = i;
	if (isint && !over && v <= (uint64_t)INT64_MAX) {
		t->kind = SQLLEX_INT;
		t->ival = (int64_t)v;
		return 0;
	}
	t->kind = SQLLEX_NUMERIC;
	t->str = arena_strndup(lx->a, lx->text + t->off, t->len);
	if (t->str == NULL)
		return sqlerr_nomem(e);
	t->slen = t->len;
	return 0;
}

static int lex_word(struct sqllex *lx, struct sqllex_token *t,
		    struct sqlerr *e)
{
	size_t i = t->off, k;
	char *s;

	while (is_ident_cont(at(lx, i)))
		i++;
	t->len = i - t->off;
	lx->off = i;
	s = arena_strndup(lx->a, lx->text + t->off, t->len);
	if (s == NULL)
		return sqlerr_nomem(e);
	for (k = 0; k < t->len; k++)
		if (s[k] >= 'A' && s[k] <= 'Z')
			s[k] = (char)(s[k] - 'A' + 'a');
	t->kind = SQLLEX_IDENT;
	t->kw = sqllex_kw_lookup(s, t->len);
	t->str = s;
	t->slen = t->len;
	return 0;
}

int sqllex_next(struct sqllex *lx, struct sqllex_token *t, struct sqlerr *e)
{
	unsigned char c, d;

	memset(t, 0, sizeof(*t));
	if (skip_space(lx, e) < 0)
		return -1;
	t->off = lx->off;
	t->pos = (int)lx->off + 1;
	if (lx->off >= lx->len) {
		t->kind = SQLLEX_EOF;
		return 0;
	}
	c = at(lx, lx->off);
	d = at(lx, lx->off + 1);
	if ((c == 'x' || c == 'X') && d == '\'')
		return lex_quoted(lx, lx->off + 1, SQLLEX_BYTES, 0, t, e);
	if ((c == 'e' || c == 'E') && d == '\'')
		return lex_quoted(lx, lx->off + 1, SQLLEX_STRING, 1, t, e);
	if (is_ident_start(c))
		return lex_word(lx, t, e);
	if (is_digit(c) || (c == '.' && is_digit(d)))
		return lex_number(lx, t, e);
	switch (c) {
	case '\'':
		return lex_quoted(lx, lx->off, SQLLEX_STRING, 0, t, e);
	case '"':
		return lex_qident(lx, t, e);
	case '$':
		return lex_dollar(lx, t, e);
	case '+': t->kind = SQLLEX_PLUS; break;
	case '-': t->kind = SQLLEX_MINUS; break;
	case '*': t->kind = SQLLEX_STAR; break;
	case '/': t->kind = SQLLEX_SLASH; break;
	case '%': t->kind = SQLLEX_PERCENT; break;
	case '(': t->kind = SQLLEX_LPAREN; break;
	case ')': t->kind = SQLLEX_RPAREN; break;
	case ',': t->kind = SQLLEX_COMMA; break;
	case ';': t->kind = SQLLEX_SEMI; break;
	case '.': t->kind = SQLLEX_DOT; break;
	case '@': t->kind = SQLLEX_AT; break;
	case '=': t->kind = SQLLEX_EQ; break;
	case '|':
		if (d != '|')
			return lex_error(lx, e, "syntax error", lx->off, 1);
		t->kind = SQLLEX_CONCAT;
		t->len = 2;
		break;
	case ':':
		if (d != ':')
			return lex_error(lx, e, "syntax error", lx->off, 1);
		t->kind = SQLLEX_CAST;
		t->len = 2;
		break;
	case '!':
		if (d != '=')
			return lex_error(lx, e, "syntax error", lx->off, 1);
		t->kind = SQLLEX_NE2;
		t->len = 2;
		break;
	case '<':
		if (d == '>') {
			t->kind = SQLLEX_NE;
			t->len = 2;
		} else if (d == '=') {
			t->kind = SQLLEX_LE;
			t->len = 2;
		} else {
			t->kind = SQLLEX_LT;
		}
		break;
	case '>':
		if (d == '=') {
			t->kind = SQLLEX_GE;
			t->len = 2;
		} else {
			t->kind = SQLLEX_GT;
		}
		break;
	default: {
		/* Show the whole character, not a piece of it. */
		size_t l = c < 0x80 ? 1 : utf8_shown_len(c);

		return lex_error(lx, e, "syntax error", lx->off, l);
	}
	}
	if (t->len == 0)
		t->len = 1;
	lx->off += t->len;
	return 0;
}
