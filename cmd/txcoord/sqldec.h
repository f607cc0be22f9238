/*
 * sqldec.h -- exact decimal numbers for SQL DECIMAL / NUMERIC.
 *
 * A value is coef / 10^scale with |coef| < 10^38 (at most 38 significant
 * digits, the documented limit) and 0 <= scale <= 38, kept in an __int128.
 * The scale is part of the value as in PostgreSQL: 1.5 and 1.50 are equal
 * (sqldec_cmp() == 0) but print differently.  Every operation checks for
 * overflow and reports it as SQLSTATE 22003; nothing wraps.
 *
 * Results follow PostgreSQL's numeric where it fits in 38 digits:
 *   - a + b, a - b: scale max(sa, sb); a * b: scale sa + sb;
 *     a % b: scale max(sa, sb), sign of a (a - trunc(a / b) * b);
 *   - a / b: PostgreSQL's select_div_scale() (at least 16 significant
 *     digits, at least max(sa, sb)), rounded half away from zero;
 *   - when an exact result needs more than 38 digits, fraction digits are
 *     rounded off (half away from zero) until it fits; when the integer
 *     part alone needs more than 38 digits the result is 22003 "value
 *     overflows numeric format".  (PostgreSQL would keep every digit; this
 *     is where we differ.)
 * NaN and Infinity do not exist here (PostgreSQL's numeric has them):
 * sqldec_from_text() and sqldec_from_double() refuse them with 0A000.
 * Tested in t/unit/sqldec_test.c (expectations checked on PostgreSQL 15).
 */
#ifndef RANGEDB_SQLDEC_H
#define RANGEDB_SQLDEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sqlerr.h"

#define SQLDEC_MAX_DIGITS	38	/* significant digits of coef */
#define SQLDEC_MAX_SCALE	38
/* Longest text form: "-0." + 38 digits, or "-" + 38 digits, plus NUL. */
#define SQLDEC_TEXT_MAX		48

struct sqldec {
	__int128 coef;		/* |coef| < 10^38 */
	int scale;		/* 0..38: value = coef / 10^scale */
};

/* ---- construction and conversion --------------------------------------- */

/*
 * Parse PostgreSQL numeric input: optional surrounding white space, an
 * optional sign, digits with at most one '.', an optional exponent
 * (e[+-]N).  The scale is the number of digits after the point minus the
 * exponent, at least 0 ("1.50" has scale 2, "1.5e3" scale 0).  Errors:
 * 22P02 `invalid input syntax for type numeric: "x"`, 22003 when the
 * value needs more than 38 digits (trailing fraction zeros beyond scale 38
 * are dropped first, since they do not change the value), 0A000 for NaN
 * and Infinity.
 */
int sqldec_from_text(const char *s, size_t n, struct sqldec *out,
		     struct sqlerr *e);
/* Exact; cannot fail (every int64 has at most 19 digits).  Scale 0. */
void sqldec_from_int(int64_t v, struct sqldec *out);
/*
 * PostgreSQL's float8 -> numeric: the value printed with `digits`
 * significant digits (15 for float8, 6 for float4, as PostgreSQL uses
 * DBL_DIG/FLT_DIG), then read as numeric input.  0A000 for NaN/Infinity,
 * 22003 when it needs more than 38 digits.
 */
int sqldec_from_double(double f, int digits, struct sqldec *out,
		       struct sqlerr *e);
/*
 * Round half away from zero to scale 0, then 22003 "bigint out of range"
 * if the result does not fit an int64.
 */
int sqldec_to_int(const struct sqldec *a, int64_t *out, struct sqlerr *e);
/* The double nearest to the exact value (correctly rounded). */
double sqldec_to_double(const struct sqldec *a);
/*
 * The text form with exactly `scale` fraction digits ("1.50", "-0.001",
 * "0"), like snprintf: writes at most cap bytes (NUL included) and
 * returns the full length.  SQLDEC_TEXT_MAX bytes always suffice.
 */
size_t sqldec_format(const struct sqldec *a, char *buf, size_t cap);
/* True when a satisfies the invariants above (for decoders). */
bool sqldec_valid(const struct sqldec *a);

/* ---- arithmetic (out may alias a or b) -------------------------------- */

int sqldec_add(const struct sqldec *a, const struct sqldec *b,
	       struct sqldec *out, struct sqlerr *e);
int sqldec_sub(const struct sqldec *a, const struct sqldec *b,
	       struct sqldec *out, struct sqlerr *e);
int sqldec_mul(const struct sqldec *a, const struct sqldec *b,
	       struct sqldec *out, struct sqlerr *e);
/* 22012 "division by zero" when b is 0. */
int sqldec_div(const struct sqldec *a, const struct sqldec *b,
	       struct sqldec *out, struct sqlerr *e);
int sqldec_mod(const struct sqldec *a, const struct sqldec *b,
	       struct sqldec *out, struct sqlerr *e);
/* -a and |a|: cannot overflow. */
void sqldec_neg(const struct sqldec *a, struct sqldec *out);
void sqldec_abs(const struct sqldec *a, struct sqldec *out);
/* -1, 0 or 1. */
int sqldec_sign(const struct sqldec *a);

/* ---- comparison --------------------------------------------------------- */

/* <0, 0, >0 by exact value: 1.5 == 1.50. */
int sqldec_cmp(const struct sqldec *a, const struct sqldec *b);

/* ---- scale -------------------------------------------------------------- */

/*
 * Round half away from zero to `scale` fraction digits (PostgreSQL's
 * round(numeric, int)): scale may be negative (round(1234.5, -2) = 1200,
 * result scale 0) or larger than a's (zeros appended; 22003 if that needs
 * more than 38 digits or scale > 38).
 */
int sqldec_round(const struct sqldec *a, int scale, struct sqldec *out,
		 struct sqlerr *e);
/* Truncate toward zero to `scale` (>= 0) digits (trunc(numeric, int)). */
int sqldec_trunc(const struct sqldec *a, int scale, struct sqldec *out,
		 struct sqlerr *e);
/* floor() and ceil(): scale 0. */
int sqldec_floor(const struct sqldec *a, struct sqldec *out,
		 struct sqlerr *e);
int sqldec_ceil(const struct sqldec *a, struct sqldec *out,
		struct sqlerr *e);
/*
 * Apply a column's DECIMAL(precision, scale): round to `scale` digits,
 * then 22003 "numeric field overflow" when the integer part needs more
 * than precision - scale digits.  1 <= precision <= 38, 0 <= scale <=
 * precision (checked: 22023 otherwise).
 */
int sqldec_fit(const struct sqldec *a, int precision, int scale,
	       struct sqldec *out, struct sqlerr *e);
/* The same value with the smallest scale (trailing zeros removed). */
void sqldec_normalize(const struct sqldec *a, struct sqldec *out);

#endif
