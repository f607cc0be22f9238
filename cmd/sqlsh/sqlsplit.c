/*
 * sqlsplit.c -- where a SQL statement ends (see sqlsplit.h).
 *
 * One byte at a time over a small state machine, as PostgreSQL's own
 * lexer and psql's psqlscan.l read the same text.  Lookahead never runs
 * past len: when the next byte is needed and absent, the scan stops
 * before the byte in question (unless eof says no more will come).
 * Tested in t/unit/sqlsh_test.c.
 */
#include "sqlsplit.h"

#include <stdlib.h>
#include <string.h>

/* A byte that may continue an identifier (and so can precede '$'). */
static int sqlsplit_ident_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '$' || c >= 0x80;
}

/* A byte that may start a dollar-quote tag. */
static int sqlsplit_tag_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       c >= 0x80;
}

static int sqlsplit_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

void sqlsplit_init(struct sqlsplit *s)
{
	s->state = SQLSPLIT_NORMAL;
	s->pos = 0;
	s->start = 0;
	s->first = 0;
	s->content = 0;
	s->has_first = 0;
	s->has_content = 0;
	s->depth = 0;
	s->tag_off = 0;
	s->tag_len = 0;
}

int sqlsplit_pending(const struct sqlsplit *s)
{
	return s->has_content ||
	       (s->state != SQLSPLIT_NORMAL &&
		s->state != SQLSPLIT_LINE_COMMENT);
}

size_t sqlsplit_keep_from(const struct sqlsplit *s)
{
	if (s->has_first)
		return s->first;
	return s->pos;
}

void sqlsplit_shift(struct sqlsplit *s, size_t n)
{
	s->pos -= n;
	s->start = s->start > n ? s->start - n : 0;
	if (s->has_first)
		s->first -= n;
	if (s->has_content)
		s->content -= n;
	if (s->state == SQLSPLIT_DOLLAR)
		s->tag_off -= n;
}

char sqlsplit_prompt_char(const struct sqlsplit *s)
{
	switch (s->state) {
	case SQLSPLIT_SQUOTE:
	case SQLSPLIT_ESTRING:
		return '\'';
	case SQLSPLIT_DQUOTE:
		return '"';
	case SQLSPLIT_DOLLAR:
		return '$';
	case SQLSPLIT_BLOCK_COMMENT:
		return '*';
	default:
		return '-';
	}
}

/* Note that the statement has something to send from offset i on. */
static void sqlsplit_mark_content(struct sqlsplit *s, size_t i)
{
	if (!s->has_first) {
		s->has_first = 1;
		s->first = i;
	}
	if (!s->has_content) {
		s->has_content = 1;
		s->content = i;
	}
}

static void sqlsplit_mark_first(struct sqlsplit *s, size_t i)
{
	if (!s->has_first) {
		s->has_first = 1;
		s->first = i;
	}
}

/*
 * At buf[i] == '$' outside quotes: the length of the opening "$tag$"
 * starting there, 0 when it is not one, or -1 when the bytes to decide
 * are not there yet.
 */
static long sqlsplit_dollar_open(const char *buf, size_t len, size_t i,
				 int eof)
{
	size_t j = i + 1;

	if (i > 0 && sqlsplit_ident_char((unsigned char)buf[i - 1]))
		return 0;		/* part of an identifier: a$b */
	if (j >= len)
		return eof ? 0 : -1;
	if (buf[j] == '$')
		return 2;		/* $$ */
	if (!sqlsplit_tag_start((unsigned char)buf[j]))
		return 0;		/* $1: a parameter; a lone $ */
	for (j++; j < len; j++) {
		unsigned char c = (unsigned char)buf[j];

		if (c == '$')
			return (long)(j - i + 1);
		if (!sqlsplit_tag_start(c) && !(c >= '0' && c <= '9'))
			return 0;
	}
	return eof ? 0 : -1;
}

/* The statement that ended just before buf[end] ([content, end) trimmed). */
static void sqlsplit_emit(struct sqlsplit *s, const char *buf, size_t from,
			  size_t end, struct sqlsplit_stmt *out)
{
	while (end > from && sqlsplit_blank((unsigned char)buf[end - 1]))
		end--;
	out->off = from;
	out->len = end - from;
}

/* Start over for the statement that begins at offset i. */
static void sqlsplit_restart(struct sqlsplit *s, size_t i)
{
	s->start = i;
	s->has_first = 0;
	s->has_content = 0;
	s->first = 0;
	s->content = 0;
}

int sqlsplit_next(struct sqlsplit *s, const char *buf, size_t len, int eof,
		  struct sqlsplit_stmt *out)
{
	size_t i = s->pos;

	while (i < len) {
		unsigned char c = (unsigned char)buf[i];
		int have_next = i + 1 < len;
		unsigned char n = have_next ? (unsigned char)buf[i + 1] : 0;
		long tl;

		/* The next byte decides, and it has not come yet. */
#define NEED_NEXT() do { if (!have_next && !eof) goto wait; } while (0)

		switch (s->state) {
		case SQLSPLIT_NORMAL:
			if (c == ';') {
				int had = s->has_content;

				if (had)
					sqlsplit_emit(s, buf, s->content, i,
						      out);
				sqlsplit_restart(s, i + 1);
				i++;
				if (had) {
					s->pos = i;
					return 1;
				}
				continue;
			}
			if (sqlsplit_blank(c)) {
				i++;
				continue;
			}
			if (c == '-') {
				NEED_NEXT();
				if (n == '-') {
					sqlsplit_mark_first(s, i);
					s->state = SQLSPLIT_LINE_COMMENT;
					i += 2;
					continue;
				}
			} else if (c == '/') {
				NEED_NEXT();
				if (n == '*') {
					sqlsplit_mark_first(s, i);
					s->state = SQLSPLIT_BLOCK_COMMENT;
					s->depth = 1;
					i += 2;
					continue;
				}
			} else if (c == '\'') {
				sqlsplit_mark_content(s, i);
				s->state = SQLSPLIT_SQUOTE;
				i++;
				continue;
			} else if ((c == 'e' || c == 'E') &&
				   (i == 0 || !sqlsplit_ident_char(
					(unsigned char)buf[i - 1]))) {
				NEED_NEXT();
				if (n == '\'') {
					sqlsplit_mark_content(s, i);
					s->state = SQLSPLIT_ESTRING;
					i += 2;
					continue;
				}
			} else if (c == '"') {
				sqlsplit_mark_content(s, i);
				s->state = SQLSPLIT_DQUOTE;
				i++;
				continue;
			} else if (c == '$') {
				tl = sqlsplit_dollar_open(buf, len, i, eof);
				if (tl < 0)
					goto wait;
				if (tl > 0) {
					sqlsplit_mark_content(s, i);
					s->state = SQLSPLIT_DOLLAR;
					s->tag_off = i;
					s->tag_len = (size_t)tl;
					i += (size_t)tl;
					continue;
				}
			}
			sqlsplit_mark_content(s, i);
			i++;
			continue;

		case SQLSPLIT_SQUOTE:
			if (c == '\'') {
				NEED_NEXT();
				if (n == '\'') {	/* '' inside */
					i += 2;
					continue;
				}
				s->state = SQLSPLIT_NORMAL;
			}
			i++;
			continue;

		case SQLSPLIT_ESTRING:
			if (c == '\\') {
				NEED_NEXT();
				i += have_next ? 2 : 1;
				continue;
			}
			if (c == '\'') {
				NEED_NEXT();
				if (n == '\'') {
					i += 2;
					continue;
				}
				s->state = SQLSPLIT_NORMAL;
			}
			i++;
			continue;

		case SQLSPLIT_DQUOTE:
			if (c == '"') {
				NEED_NEXT();
				if (n == '"') {
					i += 2;
					continue;
				}
				s->state = SQLSPLIT_NORMAL;
			}
			i++;
			continue;

		case SQLSPLIT_DOLLAR:
			if (c == '$') {
				if (len - i < s->tag_len) {
					if (!eof)
						goto wait;
				} else if (memcmp(buf + i, buf + s->tag_off,
						  s->tag_len) == 0) {
					s->state = SQLSPLIT_NORMAL;
					i += s->tag_len;
					continue;
				}
			}
			i++;
			continue;

		case SQLSPLIT_LINE_COMMENT:
			if (c == '\n')
				s->state = SQLSPLIT_NORMAL;
			i++;
			continue;

		case SQLSPLIT_BLOCK_COMMENT:
			if (c == '*') {
				NEED_NEXT();
				if (n == '/') {
					if (--s->depth == 0)
						s->state = SQLSPLIT_NORMAL;
					i += 2;
					continue;
				}
			} else if (c == '/') {
				NEED_NEXT();
				if (n == '*') {
					s->depth++;
					i += 2;
					continue;
				}
			}
			i++;
			continue;
		}
#undef NEED_NEXT
	}
	s->pos = i;
	if (eof) {
		int open = s->state != SQLSPLIT_NORMAL &&
			   s->state != SQLSPLIT_LINE_COMMENT;

		if (s->has_content || (open && s->has_first)) {
			sqlsplit_emit(s, buf,
				      s->has_content ? s->content : s->first,
				      len, out);
			s->state = SQLSPLIT_NORMAL;
			sqlsplit_restart(s, len);
			return 1;
		}
		s->state = SQLSPLIT_NORMAL;
		sqlsplit_restart(s, len);
	}
	return 0;
wait:
	s->pos = i;
	return 0;
}

/* ---- backslash commands ------------------------------------------------- */

long sqlsplit_meta_start(const struct sqlsplit *s, const char *line,
			 size_t n)
{
	size_t k = 0;

	if (s->state != SQLSPLIT_NORMAL && s->state != SQLSPLIT_LINE_COMMENT)
		return -1;		/* inside a quote or block comment */
	while (k < n && (line[k] == ' ' || line[k] == '\t'))
		k++;
	return k < n && line[k] == '\\' ? (long)k : -1;
}

static int sqlsplit_meta_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void sqlsplit_meta_release(struct sqlsplit_meta *m)
{
	free(m->buf);
	m->buf = NULL;
	m->name = NULL;
	m->argc = 0;
}

int sqlsplit_meta_parse(const char *text, size_t n, struct sqlsplit_meta *m,
			struct err *e)
{
	const char *s = text + 1, *end = text + n;
	char *w;

	m->argc = 0;
	m->name = NULL;
	/* name, NUL, then the arguments: never longer than the text */
	if ((m->buf = malloc(2 * n + 2)) == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	w = m->name = m->buf;
	if (s < end &&
	    ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))) {
		while (s < end &&
		       ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
			*w++ = *s++;
	} else if (s < end && !sqlsplit_meta_blank(*s)) {
		*w++ = *s++;
	}
	*w++ = '\0';
	for (;;) {
		while (s < end && sqlsplit_meta_blank(*s))
			s++;
		if (s == end)
			return RC_OK;
		if (m->argc == SQLSPLIT_META_ARGS) {
			sqlsplit_meta_release(m);
			return err_set(e, RC_BAD_INPUT, "more than %d "
				       "arguments", SQLSPLIT_META_ARGS);
		}
		m->argv[m->argc++] = w;
		while (s < end && !sqlsplit_meta_blank(*s)) {
			char q = *s;

			if (q != '\'' && q != '"') {
				*w++ = *s++;
				continue;
			}
			if (q == '"')
				*w++ = *s;	/* an identifier keeps them */
			for (s++;; s++) {
				if (s == end) {
					sqlsplit_meta_release(m);
					return err_set(e, RC_BAD_INPUT,
						       "unterminated quoted "
						       "string");
				}
				if (*s == q && s + 1 < end && s[1] == q) {
					if (q == '"')
						*w++ = *s;
					*w++ = *++s;
				} else if (*s == q) {
					if (q == '"')
						*w++ = *s;
					s++;
					break;
				} else {
					*w++ = *s;
				}
			}
		}
		*w++ = '\0';
	}
}

int sqlsplit_table_name(const char *s)
{
	for (;;) {
		if (*s == '"') {
			for (s++; !(*s == '"' && s[1] != '"'); s++) {
				if (*s == '\0')
					return 0;
				if (*s == '"')
					s++;	/* "" inside */
			}
			s++;
		} else {
			const char *b = s;

			while ((*s >= 'a' && *s <= 'z') ||
			       (*s >= 'A' && *s <= 'Z') ||
			       (*s >= '0' && *s <= '9') || *s == '_' ||
			       *s == '$' || (unsigned char)*s >= 0x80)
				s++;
			if (s == b)
				return 0;
		}
		if (*s != '.')
			return *s == '\0';
		s++;		/* and a part must follow */
	}
}
