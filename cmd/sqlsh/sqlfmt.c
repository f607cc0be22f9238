/*
 * sqlfmt.c -- sqlsh's output formats, errors and timings (see sqlfmt.h).
 *
 * The table and expanded formats follow psql 15's print.c
 * (print_aligned_text, print_aligned_vertical with border 1 and the
 * ascii line style) and the error display its reportErrorPosition(), so
 * that people used to psql read sqlsh's output without surprises; the
 * unit tests hold psql's own output.  Display widths come from a small
 * built-in wcwidth (below), not the locale's, so output does not depend
 * on LANG.  Tested in t/unit/sqlsh_test.c.
 */
#include "sqlfmt.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

/* ---- display width ------------------------------------------------------ */

struct sqlfmt_range {
	uint32_t lo, hi;
};

/*
 * Characters that take no column: combining marks of the common scripts,
 * zero-width spaces and joiners, variation selectors, Hangul medial and
 * final jamo.  An approximation of Unicode's tables (as every wcwidth is),
 * kept short; psql uses the full ones.
 */
static const struct sqlfmt_range sqlfmt_zero[] = {
	{ 0x0300, 0x036f }, { 0x0483, 0x0489 }, { 0x0591, 0x05bd },
	{ 0x05bf, 0x05bf }, { 0x05c1, 0x05c2 }, { 0x05c4, 0x05c5 },
	{ 0x05c7, 0x05c7 }, { 0x0610, 0x061a }, { 0x064b, 0x065f },
	{ 0x0670, 0x0670 }, { 0x06d6, 0x06dc }, { 0x06df, 0x06e4 },
	{ 0x06e7, 0x06e8 }, { 0x06ea, 0x06ed }, { 0x0711, 0x0711 },
	{ 0x0730, 0x074a }, { 0x07a6, 0x07b0 }, { 0x07eb, 0x07f3 },
	{ 0x0900, 0x0902 }, { 0x093a, 0x093a }, { 0x093c, 0x093c },
	{ 0x0941, 0x0948 }, { 0x094d, 0x094d }, { 0x0951, 0x0957 },
	{ 0x0962, 0x0963 }, { 0x0e31, 0x0e31 }, { 0x0e34, 0x0e3a },
	{ 0x0e47, 0x0e4e }, { 0x1160, 0x11ff }, { 0x1ab0, 0x1aff },
	{ 0x1dc0, 0x1dff }, { 0x200b, 0x200f }, { 0x202a, 0x202e },
	{ 0x2060, 0x2064 }, { 0x20d0, 0x20ff }, { 0x302a, 0x302d },
	{ 0x3099, 0x309a }, { 0xfe00, 0xfe0f }, { 0xfe20, 0xfe2f },
	{ 0xfeff, 0xfeff }, { 0x1f3fb, 0x1f3ff }, { 0xe0001, 0xe0001 },
	{ 0xe0020, 0xe007f }, { 0xe0100, 0xe01ef },
};

/* East Asian Wide and Fullwidth characters, and emoji: two columns. */
static const struct sqlfmt_range sqlfmt_wide[] = {
	{ 0x1100, 0x115f }, { 0x231a, 0x231b }, { 0x2329, 0x232a },
	{ 0x23e9, 0x23ec }, { 0x23f0, 0x23f0 }, { 0x23f3, 0x23f3 },
	{ 0x25fd, 0x25fe }, { 0x2614, 0x2615 }, { 0x2648, 0x2653 },
	{ 0x26aa, 0x26ab }, { 0x26bd, 0x26be }, { 0x26c4, 0x26c5 },
	{ 0x26d4, 0x26d4 }, { 0x26ea, 0x26ea }, { 0x26f5, 0x26f5 },
	{ 0x26fd, 0x26fd }, { 0x2705, 0x2705 }, { 0x270a, 0x270b },
	{ 0x2728, 0x2728 }, { 0x274c, 0x274c }, { 0x2753, 0x2755 },
	{ 0x2757, 0x2757 }, { 0x2795, 0x2797 }, { 0x27b0, 0x27b0 },
	{ 0x27bf, 0x27bf }, { 0x2b1b, 0x2b1c }, { 0x2b50, 0x2b50 },
	{ 0x2b55, 0x2b55 }, { 0x2e80, 0x3029 }, { 0x302e, 0x303e },
	{ 0x3041, 0x3098 }, { 0x309b, 0x33ff }, { 0x3400, 0x4dbf },
	{ 0x4e00, 0x9fff }, { 0xa000, 0xa4cf }, { 0xa960, 0xa97f },
	{ 0xac00, 0xd7a3 }, { 0xf900, 0xfaff }, { 0xfe10, 0xfe19 },
	{ 0xfe30, 0xfe6f }, { 0xff00, 0xff60 }, { 0xffe0, 0xffe6 },
	{ 0x16fe0, 0x16fe4 }, { 0x17000, 0x18cff }, { 0x1b000, 0x1b2ff },
	{ 0x1f004, 0x1f004 }, { 0x1f0cf, 0x1f0cf }, { 0x1f18e, 0x1f18e },
	{ 0x1f191, 0x1f19a }, { 0x1f200, 0x1f251 }, { 0x1f300, 0x1f3fa },
	{ 0x1f400, 0x1f64f }, { 0x1f680, 0x1f6ff }, { 0x1f7e0, 0x1f7eb },
	{ 0x1f90c, 0x1f9ff }, { 0x1fa70, 0x1faff }, { 0x20000, 0x2fffd },
	{ 0x30000, 0x3fffd },
};

static int sqlfmt_in(uint32_t cp, const struct sqlfmt_range *t, size_t n)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cp < t[mid].lo)
			hi = mid;
		else if (cp > t[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

/* Columns of code point cp: -1 for a control character, else 0, 1 or 2. */
static int sqlfmt_cp_width(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		return -1;
	if (cp < 0x300)
		return 1;
	if (sqlfmt_in(cp, sqlfmt_zero, sizeof(sqlfmt_zero) /
		      sizeof(sqlfmt_zero[0])))
		return 0;
	if (sqlfmt_in(cp, sqlfmt_wide, sizeof(sqlfmt_wide) /
		      sizeof(sqlfmt_wide[0])))
		return 2;
	return 1;
}

#define SQLFMT_BAD_CP	0xffffffffu	/* a byte that is not UTF-8 */

/* Decode one character of s[0, n) (n >= 1); its length in bytes. */
static size_t sqlfmt_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t need, k;
	uint32_t v;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
		v = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		v = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		v = s[0] & 0x07;
	} else {
		*cp = SQLFMT_BAD_CP;
		return 1;
	}
	if (n < need) {
		*cp = SQLFMT_BAD_CP;
		return 1;
	}
	for (k = 1; k < need; k++) {
		if ((s[k] & 0xc0) != 0x80) {
			*cp = SQLFMT_BAD_CP;
			return 1;
		}
		v = v << 6 | (s[k] & 0x3f);
	}
	if ((need == 3 && (v < 0x800 || (v >= 0xd800 && v <= 0xdfff))) ||
	    (need == 4 && (v < 0x10000 || v > 0x10ffff))) {
		*cp = SQLFMT_BAD_CP;
		return 1;
	}
	*cp = v;
	return need;
}

size_t sqlfmt_width(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, w = 0;

	while (i < n) {
		uint32_t cp;
		int cw;

		i += sqlfmt_decode(s + i, n - i, &cp);
		cw = cp == SQLFMT_BAD_CP ? 1 : sqlfmt_cp_width(cp);
		w += cw < 0 ? 1 : (size_t)cw;
	}
	return w;
}

int sqlfmt_numeric_type(const char *type)
{
	static const char *const num[] = {
		"int2", "int4", "int8", "float4", "float8", "numeric", NULL
	};

	for (size_t i = 0; num[i] != NULL; i++)
		if (strcmp(type, num[i]) == 0)
			return 1;
	return 0;
}

int sqlfmt_parse_format(const char *name, enum sqlfmt_format *out)
{
	static const char *const names[] = { "table", "csv", "tsv", "json" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i]) == 0) {
			*out = (enum sqlfmt_format)i;
			return 0;
		}
	}
	return -1;
}

/* ---- cells as psql displays them ---------------------------------------- */

/*
 * A value or header ready for the aligned formats: text whose lines are
 * separated by '\n', holding no other control character.
 */
struct sqlfmt_cell {
	const char *text;
	char *owned;		/* text, when the value had to be rewritten */
	size_t width;		/* display width of the widest line */
	size_t lines;
};

/*
 * psql's pg_wcsformat: a newline starts a line, a tab moves to the next
 * multiple of 8, CR is shown as \r, other control characters as \xNN (or
 * \uNNNN beyond ASCII); bytes that are not UTF-8 as \xNN too.
 */
static int sqlfmt_cell_prepare(const char *str, struct sqlfmt_cell *c)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i, w = 0, lw = 0;
	int plain = 1;
	char *p;

	c->owned = NULL;
	c->lines = 1;
	for (i = 0; i < n;) {
		uint32_t cp;
		int cw;

		i += sqlfmt_decode(s + i, n - i, &cp);
		cw = cp == SQLFMT_BAD_CP ? -1 : sqlfmt_cp_width(cp);
		if (cw < 0) {
			plain = 0;
			break;
		}
		w += (size_t)cw;
	}
	if (plain) {
		c->text = str;
		c->width = w;
		return RC_OK;
	}
	/* at most 8 bytes out per byte in (a tab) */
	if (n > (SIZE_MAX - 1) / 8 || (p = malloc(8 * n + 1)) == NULL)
		return RC_NOMEM;
	c->owned = p;
	c->text = p;
	w = 0;
	for (i = 0; i < n;) {
		uint32_t cp;
		size_t len = sqlfmt_decode(s + i, n - i, &cp);
		int cw = cp == SQLFMT_BAD_CP ? -1 : sqlfmt_cp_width(cp);

		if (cp == '\n') {
			*p++ = '\n';
			if (lw > w)
				w = lw;
			lw = 0;
			c->lines++;
		} else if (cp == '\t') {
			do {
				*p++ = ' ';
				lw++;
			} while (lw % 8 != 0);
		} else if (cp == '\r') {
			memcpy(p, "\\r", 2);
			p += 2;
			lw += 2;
		} else if (cw < 0 && len == 1) {
			p += sprintf(p, "\\x%02X", s[i]);
			lw += 4;
		} else if (cw < 0) {
			p += sprintf(p, "\\u%04X", (unsigned)cp);
			lw += 6;
		} else {
			memcpy(p, s + i, len);
			p += len;
			lw += (size_t)cw;
		}
		i += len;
	}
	*p = '\0';
	c->width = lw > w ? lw : w;
	return RC_OK;
}

/* Length of the line at p, and its display width. */
static size_t sqlfmt_line(const char *p, size_t *width)
{
	size_t n = strcspn(p, "\n");

	*width = sqlfmt_width(p, n);
	return n;
}

static void sqlfmt_pad(FILE *out, size_t n)
{
	for (; n > 0; n--)
		putc(' ', out);
}

static void sqlfmt_repeat(FILE *out, int ch, size_t n)
{
	for (; n > 0; n--)
		putc(ch, out);
}

static int sqlfmt_stopped(const struct sqlfmt_opts *o)
{
	return o->stop != NULL && *o->stop;
}

/* ---- aligned table ------------------------------------------------------ */

/* One header or data row of the table (psql print_aligned_text). */
static void sqlfmt_table_row(FILE *out, const struct sqlfmt_cell *cells,
			     size_t ncols, const size_t *widths,
			     const int *right, const char **cur)
{
	int more = 1;

	for (size_t j = 0; j < ncols; j++)
		cur[j] = cells[j].text;
	while (more) {
		more = 0;
		for (size_t j = 0; j < ncols; j++) {
			int last = j == ncols - 1, wrap = 0;
			size_t chars = widths[j];

			putc(' ', out);
			if (cur[j] == NULL) {
				if (!last)
					sqlfmt_pad(out, widths[j]);
			} else {
				size_t n = sqlfmt_line(cur[j], &chars);

				if (right[j])
					sqlfmt_pad(out, widths[j] - chars);
				fwrite(cur[j], 1, n, out);
				if (cur[j][n] == '\n') {
					cur[j] += n + 1;
					wrap = 1;
					more = 1;
				} else {
					cur[j] = NULL;
				}
			}
			if (!right[j] && (!last || wrap))
				sqlfmt_pad(out, widths[j] - chars);
			if (wrap)
				putc('+', out);
			else if (!last)
				putc(' ', out);
			if (!last)
				putc('|', out);
		}
		putc('\n', out);
	}
}

/* The header: each line of each name centred, '+' where one goes on. */
static void sqlfmt_table_header(FILE *out, const struct sqlfmt_cell *names,
				size_t ncols, const size_t *widths,
				const char **cur)
{
	size_t left = ncols;

	for (size_t j = 0; j < ncols; j++)
		cur[j] = names[j].text;
	while (left > 0) {
		for (size_t j = 0; j < ncols; j++) {
			putc(' ', out);
			if (cur[j] != NULL) {
				size_t w, n = sqlfmt_line(cur[j], &w);
				size_t sp = widths[j] - w;

				sqlfmt_pad(out, sp / 2);
				fwrite(cur[j], 1, n, out);
				sqlfmt_pad(out, (sp + 1) / 2);
				if (cur[j][n] == '\n') {
					cur[j] += n + 1;
				} else {
					cur[j] = NULL;
					left--;
				}
				putc(cur[j] != NULL ? '+' : ' ', out);
			} else {
				sqlfmt_pad(out, widths[j]);
				putc(' ', out);
			}
			if (j < ncols - 1)
				putc('|', out);
		}
		putc('\n', out);
	}
	for (size_t j = 0; j < ncols; j++) {
		if (j > 0)
			putc('+', out);
		sqlfmt_repeat(out, '-', widths[j] + 2);
	}
	putc('\n', out);
}

/* psql print_aligned_vertical_line: "-[ RECORD 7 ]-----+------". */
static void sqlfmt_record_line(FILE *out, size_t rec, size_t hwidth,
			       size_t dwidth)
{
	long reclen, i;

	putc('-', out);
	reclen = fprintf(out, "[ RECORD %zu ]", rec);
	if (reclen < 0)
		reclen = 0;
	reclen++;
	for (i = reclen; i < (long)hwidth; i++)
		putc('-', out);
	reclen -= (long)hwidth;
	if (reclen-- <= 0)
		putc('-', out);
	if (reclen-- <= 0)
		putc('+', out);
	if (reclen-- <= 0)
		putc('-', out);
	if (reclen < 0)
		reclen = 0;
	for (i = reclen; i < (long)dwidth; i++)
		putc('-', out);
	putc('\n', out);
}

/* One "name | value" pair of a record, several lines if need be. */
static void sqlfmt_record_field(FILE *out, const struct sqlfmt_cell *h,
				const struct sqlfmt_cell *d, size_t hwidth,
				size_t dwidth)
{
	const char *hc = h->text, *dc = d->text;

	while (hc != NULL || dc != NULL) {
		size_t w, n;

		if (hc != NULL) {
			n = sqlfmt_line(hc, &w);
			fwrite(hc, 1, n, out);
			sqlfmt_pad(out, hwidth - w);
			if (hc[n] == '\n') {
				putc('+', out);
				hc += n + 1;
			} else {
				putc(' ', out);
				hc = NULL;
			}
		} else {
			sqlfmt_pad(out, hwidth + 1);
		}
		putc('|', out);
		if (dc != NULL) {
			putc(' ', out);
			n = sqlfmt_line(dc, &w);
			fwrite(dc, 1, n, out);
			if (dc[n] == '\n') {
				sqlfmt_pad(out, dwidth - w);
				putc('+', out);
				dc += n + 1;
			} else {
				dc = NULL;
			}
		}
		putc('\n', out);
	}
}

static int sqlfmt_aligned(FILE *out, const struct sqlres *r,
			  const struct sqlfmt_opts *o)
{
	size_t nc = r->ncols, ncells = r->nrows * r->ncols, i, j;
	struct sqlfmt_cell *names, *cells = NULL;
	size_t *widths;
	int *right;
	const char **cur;
	int rc = RC_NOMEM;

	names = calloc(nc, sizeof(*names));
	widths = calloc(nc, sizeof(*widths));
	right = calloc(nc, sizeof(*right));
	cur = calloc(nc, sizeof(*cur));
	if (ncells > 0)
		cells = calloc(ncells, sizeof(*cells));
	if (names == NULL || widths == NULL || right == NULL || cur == NULL ||
	    (ncells > 0 && cells == NULL))
		goto out;
	for (j = 0; j < nc; j++) {
		if (sqlfmt_cell_prepare(r->names[j], &names[j]) != RC_OK)
			goto out;
		right[j] = !o->expanded && sqlfmt_numeric_type(r->types[j]);
	}
	for (i = 0; i < ncells; i++)
		if (sqlfmt_cell_prepare(r->cells[i] ? r->cells[i] : "",
					&cells[i]) != RC_OK)
			goto out;
	rc = RC_OK;

	if (o->expanded) {
		size_t hw = 0, dw = 0;

		if (r->nrows == 0) {
			if (!o->quiet)
				fputs("(0 rows)\n\n", out);
			goto out;
		}
		for (j = 0; j < nc; j++)
			if (names[j].width > hw)
				hw = names[j].width;
		for (i = 0; i < ncells; i++)
			if (cells[i].width > dw)
				dw = cells[i].width;
		for (i = 0; i < r->nrows && !sqlfmt_stopped(o); i++) {
			sqlfmt_record_line(out, i + 1, hw, dw);
			for (j = 0; j < nc; j++)
				sqlfmt_record_field(out, &names[j],
						    &cells[i * nc + j], hw,
						    dw);
		}
		if (!sqlfmt_stopped(o))
			putc('\n', out);
		goto out;
	}
	for (j = 0; j < nc; j++) {
		widths[j] = names[j].width;
		for (i = 0; i < r->nrows; i++)
			if (cells[i * nc + j].width > widths[j])
				widths[j] = cells[i * nc + j].width;
	}
	sqlfmt_table_header(out, names, nc, widths, cur);
	for (i = 0; i < r->nrows && !sqlfmt_stopped(o); i++)
		sqlfmt_table_row(out, cells + i * nc, nc, widths, right, cur);
	if (sqlfmt_stopped(o))
		goto out;	/* cut short: no row count */
	if (!o->quiet)
		fprintf(out, "(%zu row%s)\n", r->nrows,
			r->nrows == 1 ? "" : "s");
	putc('\n', out);
out:
	for (j = 0; names != NULL && j < nc; j++)
		free(names[j].owned);
	for (i = 0; cells != NULL && i < ncells; i++)
		free(cells[i].owned);
	free(names);
	free(cells);
	free(widths);
	free(right);
	free(cur);
	return rc;
}

/* ---- machine formats ---------------------------------------------------- */

static void sqlfmt_csv_field(FILE *out, const char *s)
{
	if (s == NULL)
		return;			/* NULL: an empty, unquoted field */
	if (*s != '\0' && strpbrk(s, ",\"\r\n") == NULL &&
	    strcmp(s, "\\.") != 0) {
		fputs(s, out);
		return;
	}
	putc('"', out);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			putc('"', out);
		putc(*s, out);
	}
	putc('"', out);
}

static void sqlfmt_tsv_field(FILE *out, const char *s)
{
	if (s == NULL) {
		fputs("\\N", out);
		return;
	}
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '\\': fputs("\\\\", out); break;
		case '\t': fputs("\\t", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		default: putc(*s, out); break;
		}
	}
}

/* A JSON string: " \ and control characters escaped, UTF-8 kept. */
static void sqlfmt_json_string(FILE *out, const char *s)
{
	putc('"', out);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		case '\b': fputs("\\b", out); break;
		case '\f': fputs("\\f", out); break;
		default:
			if (c < 0x20)
				fprintf(out, "\\u%04x", c);
			else
				putc(c, out);
		}
	}
	putc('"', out);
}

static void sqlfmt_machine(FILE *out, const struct sqlres *r,
			   const struct sqlfmt_opts *o)
{
	size_t nc = r->ncols, i, j;
	char sep = o->format == SQLFMT_CSV ? ',' : '\t';

	if (o->format != SQLFMT_JSON) {
		for (j = 0; j < nc; j++) {
			if (j > 0)
				putc(sep, out);
			if (o->format == SQLFMT_CSV)
				sqlfmt_csv_field(out, r->names[j]);
			else
				sqlfmt_tsv_field(out, r->names[j]);
		}
		putc('\n', out);
	}
	for (i = 0; i < r->nrows && !sqlfmt_stopped(o); i++) {
		const char **row = r->cells + i * nc;

		if (o->format == SQLFMT_JSON)
			putc('{', out);
		for (j = 0; j < nc; j++) {
			if (o->format == SQLFMT_JSON) {
				if (j > 0)
					putc(',', out);
				sqlfmt_json_string(out, r->names[j]);
				putc(':', out);
				if (row[j] == NULL)
					fputs("null", out);
				else
					sqlfmt_json_string(out, row[j]);
				continue;
			}
			if (j > 0)
				putc(sep, out);
			if (o->format == SQLFMT_CSV)
				sqlfmt_csv_field(out, row[j]);
			else
				sqlfmt_tsv_field(out, row[j]);
		}
		if (o->format == SQLFMT_JSON)
			putc('}', out);
		putc('\n', out);
	}
}

/* ---- results ------------------------------------------------------------ */

/* psql prints the tag after the rows of ... RETURNING. */
static int sqlfmt_returning_tag(const char *tag)
{
	static const char *const verbs[] = {
		"INSERT", "UPDATE", "DELETE", "UPSERT", NULL
	};

	for (size_t i = 0; verbs[i] != NULL; i++) {
		size_t n = strlen(verbs[i]);

		if (strncmp(tag, verbs[i], n) == 0 &&
		    (tag[n] == ' ' || tag[n] == '\0'))
			return 1;
	}
	return 0;
}

int sqlfmt_result(FILE *out, FILE *chatter, const struct sqlres *r,
		  const struct sqlfmt_opts *o)
{
	FILE *tags = o->format == SQLFMT_TABLE ? out : chatter;
	int rc = RC_OK;

	if (r->ncols > 0) {
		if (o->format == SQLFMT_TABLE)
			rc = sqlfmt_aligned(out, r, o);
		else
			sqlfmt_machine(out, r, o);
		if (rc != RC_OK || !sqlfmt_returning_tag(r->tag))
			return rc;
	}
	if (!o->quiet && r->tag[0] != '\0' && !sqlfmt_stopped(o)) {
		if (tags != out)
			fflush(out);
		fprintf(tags, "%s\n", r->tag);
	}
	return rc;
}

/* ---- errors ------------------------------------------------------------- */

#define SQLFMT_DISPLAY_SIZE	60	/* psql: screen width of the LINE */
#define SQLFMT_MIN_RIGHT_CUT	10	/* psql: keep this much after '^' */

/*
 * psql's reportErrorPosition, with loc a byte offset: the line holding
 * it, cut to a window of DISPLAY_SIZE columns, and a caret under it.
 */
static void sqlfmt_position(FILE *out, const char *sql, size_t len,
			    size_t loc)
{
	size_t *qidx, *scr, cno = 0, q = 0, sc = 0, ibeg = 0, iend = 0,
	       lc = 0, line = 1, i;
	int have_end = 0, have_loc = 0, beg_trunc = 0, end_trunc = 0;
	char prefix[48];

	if (loc > len)
		return;
	qidx = malloc((len + 1) * sizeof(*qidx));
	scr = malloc((len + 1) * sizeof(*scr));
	if (qidx == NULL || scr == NULL)
		goto out;
	while (q < len) {
		unsigned char ch = (unsigned char)sql[q];
		uint32_t cp;
		size_t cl;
		int w;

		if (!have_loc && q >= loc) {
			have_loc = 1;
			lc = cno;
		}
		qidx[cno] = q;
		scr[cno] = sc;
		if (ch == '\r' || ch == '\n') {
			if (q < loc) {
				if (ch == '\r' || cno == 0 ||
				    sql[qidx[cno - 1]] != '\r')
					line++;
				ibeg = cno + 1;
			} else {
				iend = cno;
				have_end = 1;
				break;
			}
		}
		cl = sqlfmt_decode((const unsigned char *)sql + q, len - q,
				   &cp);
		/* a tab shows as one space, other controls count one */
		w = cp == SQLFMT_BAD_CP ? 1 : sqlfmt_cp_width(cp);
		sc += w < 0 ? 1 : (size_t)w;
		q += cl;
		cno++;
	}
	if (!have_end) {
		iend = cno;
		qidx[iend] = q;
		scr[iend] = sc;
	}
	if (!have_loc)
		lc = iend;	/* loc == len: just after the last character */
	if (scr[iend] - scr[ibeg] > SQLFMT_DISPLAY_SIZE) {
		if (scr[ibeg] + SQLFMT_DISPLAY_SIZE >=
		    scr[lc] + SQLFMT_MIN_RIGHT_CUT) {
			while (scr[iend] - scr[ibeg] > SQLFMT_DISPLAY_SIZE)
				iend--;
			end_trunc = 1;
		} else {
			while (scr[lc] + SQLFMT_MIN_RIGHT_CUT < scr[iend]) {
				iend--;
				end_trunc = 1;
			}
			while (scr[iend] - scr[ibeg] > SQLFMT_DISPLAY_SIZE) {
				ibeg++;
				beg_trunc = 1;
			}
		}
	}
	snprintf(prefix, sizeof(prefix), "LINE %zu: %s", line,
		 beg_trunc ? "..." : "");
	fputs(prefix, out);
	for (i = qidx[ibeg]; i < qidx[iend]; i++)
		putc(sql[i] == '\t' ? ' ' : sql[i], out);
	fputs(end_trunc ? "...\n" : "\n", out);
	sqlfmt_pad(out, strlen(prefix) + scr[lc] - scr[ibeg]);
	fputs("^\n", out);
out:
	free(qidx);
	free(scr);
}

void sqlfmt_error(FILE *out, const char *where, const struct sqlerror *err,
		  const char *sql, size_t len)
{
	fprintf(out, "%sERROR:  %s\n", where != NULL ? where : "",
		err->message != NULL ? err->message : "(no message)");
	if (err->position > 0 && sql != NULL)
		sqlfmt_position(out, sql, len, (size_t)err->position - 1);
	if (err->detail != NULL)
		fprintf(out, "DETAIL:  %s\n", err->detail);
	if (err->hint != NULL)
		fprintf(out, "HINT:  %s\n", err->hint);
	if (err->sqlstate[0] != '\0')
		fprintf(out, "SQLSTATE: %s\n", err->sqlstate);
}

/* ---- timing ------------------------------------------------------------- */

void sqlfmt_timing(FILE *out, double ms)
{
	double seconds, minutes, hours, days;

	if (ms < 1000.0) {
		fprintf(out, "Time: %.3f ms\n", ms);
		return;
	}
	seconds = ms / 1000.0;
	minutes = floor(seconds / 60.0);
	seconds -= 60.0 * minutes;
	if (minutes < 60.0) {
		fprintf(out, "Time: %.3f ms (%02d:%06.3f)\n", ms, (int)minutes,
			seconds);
		return;
	}
	hours = floor(minutes / 60.0);
	minutes -= 60.0 * hours;
	if (hours < 24.0) {
		fprintf(out, "Time: %.3f ms (%02d:%02d:%06.3f)\n", ms,
			(int)hours, (int)minutes, seconds);
		return;
	}
	days = floor(hours / 24.0);
	hours -= 24.0 * days;
	fprintf(out, "Time: %.3f ms (%.0f d %02d:%02d:%06.3f)\n", ms, days,
		(int)hours, (int)minutes, seconds);
}
