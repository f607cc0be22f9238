/*
 * sltfmt.c -- printing, sorting, hashing and comparing query results the
 * way SQLite's sqllogictest does (see sltfmt.h for the rules), and the
 * table of labelled results.  Tested in t/unit/slt_test.c.
 */
#include "sltfmt.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- printing ------------------------------------------------------------ */

/* -1 when value is not a boolean as dbtype says (or t/f when unknown). */
static int as_bool(const char *value, const char *dbtype)
{
	if (dbtype != NULL && strcmp(dbtype, "bool") != 0 &&
	    strcmp(dbtype, "boolean") != 0)
		return -1;
	if (strcmp(value, "t") == 0 ||
	    (dbtype != NULL && strcasecmp(value, "true") == 0))
		return 1;
	if (strcmp(value, "f") == 0 ||
	    (dbtype != NULL && strcasecmp(value, "false") == 0))
		return 0;
	return -1;
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * I: a decimal prefix ([sign] digits [. digits]) without an exponent is
 * cut at its point, as text, so any size is exact; anything else goes
 * through strtod() and is truncated, saturating at the int64 range.
 */
static char *fmt_int(const char *value)
{
	const char *s = value, *ip, *ie, *fe;
	int neg = 0;
	char buf[32];
	double d;
	char *end;

	while (is_ws(*s))
		s++;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	ip = s;
	while (is_digit(*s))
		s++;
	ie = s;
	fe = s;
	if (*s == '.')
		for (fe = s + 1; is_digit(*fe); fe++)
			;
	if ((ie > ip || fe > ie + 1) && *fe != 'e' && *fe != 'E') {
		size_t n;
		char *out;

		while (ip < ie && *ip == '0')
			ip++;
		if (ip == ie)
			return strdup("0");
		n = (size_t)(ie - ip);
		out = malloc(n + 2);
		if (out == NULL)
			return NULL;
		snprintf(out, n + 2, "%s%.*s", neg ? "-" : "", (int)n, ip);
		return out;
	}
	d = strtod(value, &end);
	if (end == value || isnan(d))
		d = 0;
	d = trunc(d);
	if (d >= 9223372036854775807.0)
		snprintf(buf, sizeof(buf), "%lld", (long long)INT64_MAX);
	else if (d <= -9223372036854775808.0)
		snprintf(buf, sizeof(buf), "%lld", (long long)INT64_MIN);
	else
		snprintf(buf, sizeof(buf), "%lld", (long long)d);
	if (strcmp(buf, "-0") == 0)
		buf[0] = '0', buf[1] = '\0';
	return strdup(buf);
}

char *sltfmt_value(char t, const char *value, const char *dbtype)
{
	char buf[64], *out;
	int b;

	if (value == NULL)
		return strdup("NULL");
	switch (t) {
	case 'I':
		b = as_bool(value, dbtype);
		if (b >= 0)
			return strdup(b ? "1" : "0");
		return fmt_int(value);
	case 'R': {
		char *end;
		double d;

		b = as_bool(value, dbtype);
		if (b >= 0) {
			d = b;
		} else {
			d = strtod(value, &end);
			if (end == value)
				d = 0;
		}
		snprintf(buf, sizeof(buf), "%.3f", d);
		return strdup(buf);
	}
	default:
		if (value[0] == '\0')
			return strdup("(empty)");
		out = strdup(value);
		if (out == NULL)
			return NULL;
		for (unsigned char *p = (unsigned char *)out; *p; p++)
			if (*p < ' ' || *p > '~')
				*p = '@';
		return out;
	}
}

/* ---- sorting and hashing ----------------------------------------------- */

static int cmp_value(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_row(const void *a, const void *b, void *arg)
{
	char *const *ra = *(char **const *)a, *const *rb = *(char **const *)b;
	size_t ncols = *(const size_t *)arg;

	for (size_t i = 0; i < ncols; i++) {
		int c = strcmp(ra[i], rb[i]);

		if (c != 0)
			return c;
	}
	return 0;
}

void sltfmt_sort(char **vals, size_t nvals, size_t ncols,
		 enum sltrec_sort mode)
{
	if (mode == SLTSORT_VALUE || (mode == SLTSORT_ROW && ncols == 1)) {
		qsort(vals, nvals, sizeof(char *), cmp_value);
	} else if (mode == SLTSORT_ROW && ncols > 0 && nvals > ncols) {
		size_t nrows = nvals / ncols;
		char ***rows = malloc(nrows * sizeof(char **));
		char **copy = malloc(nvals * sizeof(char *));

		if (rows == NULL || copy == NULL) {
			/* Fall back to an in-place insertion sort of rows. */
			free(rows);
			free(copy);
			for (size_t i = 1; i < nrows; i++)
				for (size_t j = i; j > 0; j--) {
					char **x = vals + (j - 1) * ncols;
					char **y = vals + j * ncols;

					if (cmp_row(&x, &y, &ncols) <= 0)
						break;
					for (size_t k = 0; k < ncols; k++) {
						char *t = x[k];

						x[k] = y[k];
						y[k] = t;
					}
				}
			return;
		}
		for (size_t i = 0; i < nrows; i++)
			rows[i] = vals + i * ncols;
		qsort_r(rows, nrows, sizeof(char **), cmp_row, &ncols);
		for (size_t i = 0; i < nrows; i++)
			memcpy(copy + i * ncols, rows[i],
			       ncols * sizeof(char *));
		memcpy(vals, copy, nrows * ncols * sizeof(char *));
		free(rows);
		free(copy);
	}
}

void sltfmt_hash(char *const *vals, size_t n, char hex[MD5_HEX_LEN + 1])
{
	struct md5 m;

	md5_init(&m);
	for (size_t i = 0; i < n; i++) {
		md5_update(&m, vals[i], strlen(vals[i]));
		md5_update(&m, "\n", 1);
	}
	md5_hex(&m, hex);
}

int sltfmt_parse_hash_line(const char *line, size_t *n,
			   char hex[MD5_HEX_LEN + 1])
{
	static const char mid[] = " values hashing to ";
	const char *s = line;
	size_t v = 0;

	if (!is_digit(*s))
		return 0;
	for (; is_digit(*s); s++) {
		if (v > (SIZE_MAX - 9) / 10)
			return 0;
		v = v * 10 + (size_t)(*s - '0');
	}
	if (strncmp(s, mid, sizeof(mid) - 1) != 0)
		return 0;
	s += sizeof(mid) - 1;
	for (int i = 0; i < MD5_HEX_LEN; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!is_digit(c) && !(c >= 'a' && c <= 'f'))
			return 0;
		hex[i] = c;
	}
	s += MD5_HEX_LEN;
	while (is_ws(*s))
		s++;
	if (*s != '\0')
		return 0;
	hex[MD5_HEX_LEN] = '\0';
	*n = v;
	return 1;
}

/*
 * Are q's expected lines whole rows ("1 2 3") rather than single values?
 * Only decidable when no column is text: then a value has no space, and
 * every line holding exactly as many words as there are columns (more
 * than one) means rows.
 */
static int row_per_line(const struct sltrec *q)
{
	size_t ncols = strlen(q->types);

	if (ncols < 2 || strchr(q->types, 'T') != NULL)
		return 0;
	for (size_t i = 0; i < q->nexpected; i++) {
		const char *s = q->expected[i];
		size_t words = 1;

		if (*s == '\0' || *s == ' ')
			return 0;
		for (; *s; s++)
			if (*s == ' ') {
				if (s[1] == ' ' || s[1] == '\0')
					return 0;
				words++;
			}
		if (words != ncols)
			return 0;
	}
	return 1;
}

int sltfmt_expected_hash(const struct sltrec *q, char hex[MD5_HEX_LEN + 1])
{
	struct md5 m;
	size_t n;

	if (q->nexpected == 0)
		return 0;
	if (q->nexpected == 1 &&
	    sltfmt_parse_hash_line(q->expected[0], &n, hex))
		return 1;
	md5_init(&m);
	if (row_per_line(q)) {
		for (size_t i = 0; i < q->nexpected; i++) {
			const char *s = q->expected[i];

			for (;;) {
				size_t w = strcspn(s, " ");

				md5_update(&m, s, w);
				md5_update(&m, "\n", 1);
				if (s[w] == '\0')
					break;
				s += w + 1;
			}
		}
	} else {
		for (size_t i = 0; i < q->nexpected; i++) {
			md5_update(&m, q->expected[i],
				   strlen(q->expected[i]));
			md5_update(&m, "\n", 1);
		}
	}
	md5_hex(&m, hex);
	return 1;
}

/* ---- comparing ----------------------------------------------------------- */

/* Set *why to a formatted reason and return 0 (mismatch). */
static int mismatch(char **why, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int mismatch(char **why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(why, fmt, ap) < 0)
		*why = NULL;
	va_end(ap);
	return 0;
}

/* Does line equal the ncols values of row joined by single spaces? */
static int row_equals(const char *line, char *const *row, size_t ncols)
{
	for (size_t i = 0; i < ncols; i++) {
		size_t n = strlen(row[i]);

		if (i > 0) {
			if (*line != ' ')
				return 0;
			line++;
		}
		if (strncmp(line, row[i], n) != 0)
			return 0;
		line += n;
	}
	return *line == '\0';
}

int sltfmt_compare(const struct sltrec *q, char *const *vals, size_t nvals,
		   size_t ncols, const char *hex, char **why)
{
	size_t nexp = q->nexpected, hn;
	char hh[MD5_HEX_LEN + 1];

	*why = NULL;
	if (nexp == 1 && sltfmt_parse_hash_line(q->expected[0], &hn, hh)) {
		if (hn == nvals && strcmp(hh, hex) == 0)
			return 1;
		return mismatch(why, "wrong result hash: expected %zu values "
				"hashing to %s, got %zu values hashing to %s",
				hn, hh, nvals, hex);
	}
	if (nexp == nvals) {
		for (size_t i = 0; i < nvals; i++) {
			if (strcmp(q->expected[i], vals[i]) == 0)
				continue;
			if (ncols == 0)
				ncols = 1;
			return mismatch(why, "wrong result: value %zu (row "
					"%zu, column %zu): expected '%.200s', "
					"got '%.200s'", i + 1, i / ncols + 1,
					i % ncols + 1, q->expected[i],
					vals[i]);
		}
		return 1;
	}
	if (ncols > 1 && nvals % ncols == 0 && nexp == nvals / ncols) {
		for (size_t r = 0; r < nexp; r++)
			if (!row_equals(q->expected[r], vals + r * ncols,
					ncols))
				return mismatch(why, "wrong result: row %zu: "
						"expected '%.200s'", r + 1,
						q->expected[r]);
		return 1;
	}
	return mismatch(why, "wrong result: expected %zu values, got %zu",
			nexp, nvals);
}

/* ---- labels ------------------------------------------------------------ */

struct sltlabel {
	char *label;		/* NULL: free slot */
	char hex[MD5_HEX_LEN + 1];
	int line;
};

struct sltlabels {
	struct sltlabel *slots;
	size_t cap;		/* a power of two */
	size_t n;
};

struct sltlabels *sltlabels_new(void)
{
	struct sltlabels *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->cap = 64;
	l->slots = calloc(l->cap, sizeof(*l->slots));
	if (l->slots == NULL) {
		free(l);
		return NULL;
	}
	return l;
}

void sltlabels_free(struct sltlabels *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->cap; i++)
		free(l->slots[i].label);
	free(l->slots);
	free(l);
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 14695981039346656037ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

/* The slot of label, or the free slot where it belongs. */
static struct sltlabel *find_slot(struct sltlabel *slots, size_t cap,
				  const char *label)
{
	size_t i = (size_t)fnv1a(label) & (cap - 1);

	while (slots[i].label != NULL && strcmp(slots[i].label, label) != 0)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int grow_labels(struct sltlabels *l)
{
	size_t cap = l->cap * 2;
	struct sltlabel *slots = calloc(cap, sizeof(*slots));

	if (slots == NULL)
		return -1;
	for (size_t i = 0; i < l->cap; i++)
		if (l->slots[i].label != NULL)
			*find_slot(slots, cap, l->slots[i].label) =
				l->slots[i];
	free(l->slots);
	l->slots = slots;
	l->cap = cap;
	return 0;
}

int sltlabels_check(struct sltlabels *l, const char *label, const char *hex,
		    int line, int *first_line)
{
	struct sltlabel *s;

	if ((l->n + 1) * 2 > l->cap && grow_labels(l) != 0)
		return -1;
	s = find_slot(l->slots, l->cap, label);
	if (s->label != NULL) {
		*first_line = s->line;
		return strcmp(s->hex, hex) == 0;
	}
	s->label = strdup(label);
	if (s->label == NULL)
		return -1;
	memcpy(s->hex, hex, MD5_HEX_LEN + 1);
	s->line = line;
	l->n++;
	return 1;
}
