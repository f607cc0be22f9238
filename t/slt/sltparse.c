/*
 * sltparse.c -- the record reader of the sqllogictest runner.
 *
 * The file is copied once and cut into lines in place (each '\n' becomes
 * a NUL, a CR before it is dropped).  A record is the run of non-blank
 * lines after the blank ones, with comment lines left out; header lines
 * are split into words in place, so the strings a record hands out point
 * into the copy, or into buffers the reader reuses for the next record.
 * Tested in t/unit/slt_test.c.
 */
#include "sltparse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

/* Largest file read: the biggest of the corpus is about 4 MiB. */
#define SLTPARSE_FILE_MAX	(256u * 1024 * 1024)
#define SLTPARSE_MAX_WORDS	8

struct sltparse {
	char *name;
	char *text;		/* the copy, cut into lines */
	char **lines;		/* lines[i] is line i + 1 */
	size_t nlines;
	size_t pos;		/* index of the next line to read */

	/* Buffers reused from record to record. */
	size_t *rec;		/* indices of the current record's lines */
	size_t rec_cap;
	char *sql;
	size_t sql_cap;
	const char **expected;
	size_t expected_cap;
	struct sltcond *conds;
	size_t conds_cap;
};

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return RC_OK;
	while (n < need) {
		if (n > SIZE_MAX / 2 / size)
			return RC_NOMEM;
		n *= 2;
	}
	q = realloc(*p, n * size);
	if (q == NULL)
		return RC_NOMEM;
	*p = q;
	*cap = n;
	return RC_OK;
}

int sltparse_new(const char *name, const char *text, size_t len,
		 struct sltparse **out, struct err *e)
{
	struct sltparse *p;
	size_t nlines = 1, cap = 0;

	*out = NULL;
	if (memchr(text, '\0', len) != NULL)
		return err_set(e, RC_BAD_INPUT,
			       "%s: contains a NUL byte: not a test script",
			       name);
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	p->name = strdup(name);
	p->text = malloc(len + 1);
	if (p->name == NULL || p->text == NULL)
		goto nomem;
	memcpy(p->text, text, len);
	p->text[len] = '\0';
	for (size_t i = 0; i < len; i++)
		nlines += text[i] == '\n';
	if (len > 0 && text[len - 1] == '\n')
		nlines--;	/* the last line's newline ends no new line */
	if (grow((void **)&p->lines, &cap, nlines + 1, sizeof(char *)) != 0)
		goto nomem;
	if (len == 0)
		nlines = 0;
	for (char *s = p->text; p->nlines < nlines; p->nlines++) {
		char *nl = strchr(s, '\n');
		size_t n;

		p->lines[p->nlines] = s;
		if (nl != NULL)
			*nl = '\0';
		n = strlen(s);
		if (n > 0 && s[n - 1] == '\r')
			s[n - 1] = '\0';
		s = nl != NULL ? nl + 1 : s + n;
	}
	*out = p;
	return RC_OK;
nomem:
	sltparse_free(p);
	return err_set(e, RC_NOMEM, "out of memory");
}

int sltparse_open(const char *path, struct sltparse **out, struct err *e)
{
	char *text;
	size_t len;
	int rc;

	*out = NULL;
	rc = util_read_file(path, SLTPARSE_FILE_MAX, &text, &len, e);
	if (rc != RC_OK)
		return rc;
	rc = sltparse_new(path, text, len, out, e);
	free(text);
	return rc;
}

void sltparse_free(struct sltparse *p)
{
	if (p == NULL)
		return;
	free(p->name);
	free(p->text);
	free(p->lines);
	free(p->rec);
	free(p->sql);
	free(p->expected);
	free(p->conds);
	free(p);
}

static int is_blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s != ' ' && *s != '\t' && *s != '\v' && *s != '\f' &&
		    *s != '\r')
			return 0;
	return 1;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

/*
 * Find the words of line (at most max; a word starting with '#' and all
 * after it are a comment).  Words are NUL-terminated in place only when
 * terminate is set; starts[] point into line either way.
 */
static size_t split_words(char *line, char **starts, size_t max,
			  int terminate)
{
	size_t n = 0;
	char *s = line;

	for (;;) {
		while (is_space(*s))
			s++;
		if (*s == '\0' || *s == '#' || n == max)
			return n;
		starts[n++] = s;
		while (*s != '\0' && !is_space(*s))
			s++;
		if (*s == '\0')
			return n;
		if (terminate)
			*s = '\0';
		s++;
	}
}

/* Word w (ending at a NUL or white space) is lit. */
static int word_is(const char *w, const char *lit)
{
	size_t n = strlen(lit);

	return strncmp(w, lit, n) == 0 && (w[n] == '\0' || is_space(w[n]));
}

/* "----" alone on its line (trailing white space allowed). */
static int is_dashes(const char *s)
{
	return strncmp(s, "----", 4) == 0 && is_blank(s + 4);
}

static int bad(struct sltparse *p, size_t line_index, struct err *e,
	       const char *what, const char *word)
{
	if (word != NULL)
		return err_set(e, RC_BAD_INPUT, "%s:%zu: %s '%s'", p->name,
			       line_index + 1, what, word);
	return err_set(e, RC_BAD_INPUT, "%s:%zu: %s", p->name,
		       line_index + 1, what);
}

/* Join lines rec[from..to) with '\n' into p->sql. */
static int join_sql(struct sltparse *p, size_t from, size_t to)
{
	size_t need = 1, off = 0;

	for (size_t i = from; i < to; i++)
		need += strlen(p->lines[p->rec[i]]) + 1;
	if (grow((void **)&p->sql, &p->sql_cap, need, 1) != RC_OK)
		return RC_NOMEM;
	for (size_t i = from; i < to; i++) {
		size_t n = strlen(p->lines[p->rec[i]]);

		if (i > from)
			p->sql[off++] = '\n';
		memcpy(p->sql + off, p->lines[p->rec[i]], n);
		off += n;
	}
	p->sql[off] = '\0';
	return RC_OK;
}

static int parse_statement(struct sltparse *p, struct sltrec *r,
			   size_t hdr, size_t nrec, struct err *e)
{
	char *line = p->lines[p->rec[hdr]];
	char *w[SLTPARSE_MAX_WORDS];
	size_t n = split_words(line, w, SLTPARSE_MAX_WORDS, 0);

	r->kind = SLTREC_STATEMENT;
	if (n < 2)
		return bad(p, p->rec[hdr], e,
			   "'statement' needs 'ok' or 'error'", NULL);
	w[1][strcspn(w[1], " \t\v\f\r")] = '\0';
	if (strcmp(w[1], "ok") == 0) {
		r->expect_error = 0;
	} else if (strcmp(w[1], "error") == 0) {
		r->expect_error = 1;
		if (n > 2) {
			/* The rest of the line is a regular expression. */
			char *end = w[2] + strlen(w[2]);

			while (end > w[2] && is_space(end[-1]))
				*--end = '\0';
			r->error_re = w[2];
		}
	} else {
		return bad(p, p->rec[hdr], e,
			   "'statement' must be followed by 'ok' or 'error', "
			   "not", w[1]);
	}
	if (hdr + 1 == nrec)
		return bad(p, p->rec[hdr], e, "statement without SQL", NULL);
	if (join_sql(p, hdr + 1, nrec) != RC_OK)
		return err_set(e, RC_NOMEM, "out of memory");
	r->sql = p->sql;
	return RC_OK;
}

static int parse_query(struct sltparse *p, struct sltrec *r, size_t hdr,
		       size_t nrec, struct err *e)
{
	char *w[SLTPARSE_MAX_WORDS];
	size_t n = split_words(p->lines[p->rec[hdr]], w, SLTPARSE_MAX_WORDS, 1);
	size_t dash;

	r->kind = SLTREC_QUERY;
	if (n < 2)
		return bad(p, p->rec[hdr], e,
			   "'query' needs a type string such as 'III'", NULL);
	if (w[1][strspn(w[1], "ITR")] != '\0')
		return bad(p, p->rec[hdr], e,
			   "type string must be letters I, T and R, got",
			   w[1]);
	r->types = w[1];
	if (n > 2) {
		if (strcmp(w[2], "nosort") == 0)
			r->sort = SLTSORT_NONE;
		else if (strcmp(w[2], "rowsort") == 0)
			r->sort = SLTSORT_ROW;
		else if (strcmp(w[2], "valuesort") == 0)
			r->sort = SLTSORT_VALUE;
		else
			return bad(p, p->rec[hdr], e,
				   "sort mode must be nosort, rowsort or "
				   "valuesort, got", w[2]);
	}
	if (n > 3)
		r->label = w[3];
	for (dash = hdr + 1; dash < nrec; dash++)
		if (is_dashes(p->lines[p->rec[dash]]))
			break;
	if (dash == hdr + 1)
		return bad(p, p->rec[hdr], e, "query without SQL", NULL);
	if (join_sql(p, hdr + 1, dash) != RC_OK)
		return err_set(e, RC_NOMEM, "out of memory");
	r->sql = p->sql;
	if (dash < nrec) {
		r->has_results = 1;
		if (grow((void **)&p->expected, &p->expected_cap,
			 nrec - dash, sizeof(char *)) != RC_OK)
			return err_set(e, RC_NOMEM, "out of memory");
		for (size_t i = dash + 1; i < nrec; i++)
			p->expected[r->nexpected++] = p->lines[p->rec[i]];
		r->expected = p->expected;
		r->results_line = dash + 1 < nrec ?
				  (int)p->rec[dash + 1] + 1 :
				  (int)p->rec[dash] + 1;
	}
	return RC_OK;
}

int sltparse_next(struct sltparse *p, struct sltrec *r, struct err *e)
{
	char *w[SLTPARSE_MAX_WORDS];
	size_t nrec = 0, hdr, n;

	memset(r, 0, sizeof(*r));
	r->kind = SLTREC_EOF;
	while (p->pos < p->nlines && (is_blank(p->lines[p->pos]) ||
				      p->lines[p->pos][0] == '#'))
		p->pos++;
	if (p->pos == p->nlines)
		return RC_OK;
	r->line = (int)p->pos + 1;
	for (; p->pos < p->nlines && !is_blank(p->lines[p->pos]); p->pos++) {
		if (p->lines[p->pos][0] == '#')
			continue;
		if (grow((void **)&p->rec, &p->rec_cap, nrec + 1,
			 sizeof(size_t)) != RC_OK)
			return err_set(e, RC_NOMEM, "out of memory");
		p->rec[nrec++] = p->pos;
	}

	/* skipif / onlyif prefixes */
	for (hdr = 0; hdr < nrec; hdr++) {
		char *line = p->lines[p->rec[hdr]];
		int onlyif;

		if (word_is(line, "skipif"))
			onlyif = 0;
		else if (word_is(line, "onlyif"))
			onlyif = 1;
		else
			break;
		n = split_words(line, w, SLTPARSE_MAX_WORDS, 1);
		if (n < 2)
			return bad(p, p->rec[hdr], e,
				   "condition needs an engine name", NULL);
		if (grow((void **)&p->conds, &p->conds_cap, r->nconds + 1,
			 sizeof(*p->conds)) != RC_OK)
			return err_set(e, RC_NOMEM, "out of memory");
		p->conds[r->nconds].onlyif = onlyif;
		p->conds[r->nconds].engine = w[1];
		r->nconds++;
	}
	r->conds = p->conds;
	if (hdr == nrec)
		return bad(p, p->rec[nrec - 1], e,
			   "condition without a record after it", NULL);
	r->line = (int)p->rec[hdr] + 1;

	n = split_words(p->lines[p->rec[hdr]], w, SLTPARSE_MAX_WORDS, 0);
	if (n == 0)	/* cannot happen: '#' lines are left out */
		return bad(p, p->rec[hdr], e, "empty record", NULL);
	if (word_is(w[0], "statement"))
		return parse_statement(p, r, hdr, nrec, e);
	if (word_is(w[0], "query"))
		return parse_query(p, r, hdr, nrec, e);
	if (word_is(w[0], "hash-threshold")) {
		struct err pe;
		int64_t v;

		r->kind = SLTREC_HASH_THRESHOLD;
		split_words(p->lines[p->rec[hdr]], w, SLTPARSE_MAX_WORDS, 1);
		if (n < 2)
			return bad(p, p->rec[hdr], e,
				   "hash-threshold needs a number", NULL);
		if (util_parse_i64(w[1], 0, 1000000000, &v, "hash-threshold",
				   &pe) != RC_OK)
			return bad(p, p->rec[hdr], e, pe.msg, NULL);
		r->threshold = (long)v;
		if (hdr + 1 < nrec)
			return bad(p, p->rec[hdr + 1], e,
				   "unexpected line after hash-threshold",
				   NULL);
		return RC_OK;
	}
	if (word_is(w[0], "halt")) {
		r->kind = SLTREC_HALT;
		if (hdr + 1 < nrec)
			return bad(p, p->rec[hdr + 1], e,
				   "unexpected line after halt", NULL);
		return RC_OK;
	}
	split_words(p->lines[p->rec[hdr]], w, SLTPARSE_MAX_WORDS, 1);
	return bad(p, p->rec[hdr], e, "unknown record type", w[0]);
}

int sltrec_skipped(const struct sltrec *r, const char *engine)
{
	for (size_t i = 0; i < r->nconds; i++) {
		int same = strcasecmp(r->conds[i].engine, engine) == 0;

		if (r->conds[i].onlyif ? !same : same)
			return 1;
	}
	return 0;
}
