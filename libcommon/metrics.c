/*
 * metrics.c -- Prometheus metrics registry (see metrics.h).
 *
 * The registry is a list of families, each a list of series.  Lists only
 * grow (nothing is unregistered), and each series is allocated once and
 * never moves, so the handles given out are plain pointers into it.  The
 * hot path touches only a series' own atomics; the mutex guards the lists
 * against a registration racing a render.
 */
#include "metrics.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const double metrics_latency_bounds[METRICS_LATENCY_NBOUNDS] = {
	0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
	0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};

enum metrics_type {
	METRICS_COUNTER,
	METRICS_GAUGE,
	METRICS_HISTOGRAM,
};

static const char *const metrics_type_names[] = {
	[METRICS_COUNTER] = "counter",
	[METRICS_GAUGE] = "gauge",
	[METRICS_HISTOGRAM] = "histogram",
};

struct metrics_counter {
	_Atomic uint64_t v;
};

struct metrics_gauge {
	_Atomic uint64_t bits;		/* a double's bits */
};

struct metrics_histogram {
	const double *bounds;		/* the family's, nb of them */
	size_t nb;
	_Atomic uint64_t *buckets;	/* nb + 1: the last is +Inf */
	_Atomic uint64_t sum_bits;	/* a double's bits */
};

struct metrics_series {
	char *label_value;		/* NULL: the family has no label */
	struct metrics_counter c;
	struct metrics_gauge g;
	struct metrics_histogram h;
	struct metrics_series *next;
};

struct metrics_family {
	char *name;
	char *help;
	char *label_name;		/* NULL: no label */
	enum metrics_type type;
	double *bounds;			/* histograms only */
	size_t nbounds;
	struct metrics_series *first, *last;
	struct metrics_family *next;
};

struct metrics {
	pthread_mutex_t mu;
	struct metrics_family *first, *last;
};

/* ---- doubles as atomic bits --------------------------------------------- */

static uint64_t metrics_bits(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	return u;
}

static double metrics_double(uint64_t u)
{
	double d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

static void metrics_atomic_add_double(_Atomic uint64_t *p, double d)
{
	uint64_t old = atomic_load_explicit(p, memory_order_relaxed);

	while (!atomic_compare_exchange_weak_explicit(
		       p, &old, metrics_bits(metrics_double(old) + d),
		       memory_order_relaxed, memory_order_relaxed))
		;
}

/* ---- validation --------------------------------------------------------- */

static int metrics_valid_name(const char *s)
{
	const char *p;

	if (s == NULL || *s == '\0')
		return 0;
	for (p = s; *p; p++) {
		int c = (unsigned char)*p;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 c == '_' || c == ':' || (p != s && c >= '0' &&
						   c <= '9');

		if (!ok)
			return 0;
	}
	return 1;
}

static int metrics_valid_label_name(const char *s)
{
	const char *p;

	if (s == NULL || *s == '\0' || strncmp(s, "__", 2) == 0)
		return 0;
	for (p = s; *p; p++) {
		int c = (unsigned char)*p;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 c == '_' || (p != s && c >= '0' && c <= '9');

		if (!ok)
			return 0;
	}
	return 1;
}

/* Well-formed UTF-8: no overlong forms, surrogates or values > U+10FFFF. */
static int metrics_valid_utf8(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		unsigned c = *s, n, i;
		uint32_t cp;

		if (c < 0x80) {
			s++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		for (i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return 0;
		s += n + 1;
	}
	return 1;
}

static int metrics_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* ---- the registry ------------------------------------------------------- */

int metrics_new(struct metrics **out, struct err *e)
{
	struct metrics *reg;

	*out = NULL;
	reg = calloc(1, sizeof(*reg));
	if (reg == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	if (pthread_mutex_init(&reg->mu, NULL) != 0) {
		free(reg);
		return err_set(e, RC_INTERNAL, "cannot create a mutex");
	}
	*out = reg;
	return RC_OK;
}

static void metrics_series_free(struct metrics_series *s)
{
	free(s->label_value);
	free(s->h.buckets);
	free(s);
}

void metrics_free(struct metrics *reg)
{
	struct metrics_family *f, *fnext;
	struct metrics_series *s, *snext;

	if (reg == NULL)
		return;
	for (f = reg->first; f != NULL; f = fnext) {
		fnext = f->next;
		for (s = f->first; s != NULL; s = snext) {
			snext = s->next;
			metrics_series_free(s);
		}
		free(f->name);
		free(f->help);
		free(f->label_name);
		free(f->bounds);
		free(f);
	}
	pthread_mutex_destroy(&reg->mu);
	free(reg);
}

static struct metrics_family *metrics_find_family(struct metrics *reg,
						  const char *name)
{
	struct metrics_family *f;

	for (f = reg->first; f != NULL; f = f->next)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

static int metrics_check_args(enum metrics_type type, const char *name,
			      const char *help, const char *label_name,
			      const char *label_value, const double *bounds,
			      size_t nbounds, struct err *e)
{
	size_t i;

	if (!metrics_valid_name(name))
		return err_set(e, RC_BAD_INPUT,
			       "invalid metric name '%s' (must match "
			       "[a-zA-Z_:][a-zA-Z0-9_:]*)", name ? name : "");
	if (help == NULL || help[0] == '\0')
		return err_set(e, RC_BAD_INPUT, "metric '%s' has no help text",
			       name);
	if (!metrics_valid_utf8(help))
		return err_set(e, RC_BAD_INPUT,
			       "help text of metric '%s' is not UTF-8", name);
	if ((label_name == NULL) != (label_value == NULL))
		return err_set(e, RC_BAD_INPUT,
			       "metric '%s' needs both a label name and a "
			       "label value, or neither", name);
	if (label_name != NULL) {
		if (!metrics_valid_label_name(label_name))
			return err_set(e, RC_BAD_INPUT,
				       "invalid label name '%s' for metric "
				       "'%s' (must match "
				       "[a-zA-Z_][a-zA-Z0-9_]* and not start "
				       "with '__')", label_name,
				       name);
		if (type == METRICS_HISTOGRAM && strcmp(label_name, "le") == 0)
			return err_set(e, RC_BAD_INPUT,
				       "label name 'le' is reserved for the "
				       "buckets of histogram '%s'", name);
		if (!metrics_valid_utf8(label_value))
			return err_set(e, RC_BAD_INPUT,
				       "value of label '%s' of metric '%s' is "
				       "not UTF-8", label_name, name);
	}
	if (type != METRICS_HISTOGRAM)
		return RC_OK;
	if (bounds == NULL || nbounds == 0 || nbounds > METRICS_BOUNDS_MAX)
		return err_set(e, RC_BAD_INPUT,
			       "histogram '%s' needs 1 to %d bucket bounds, "
			       "not %zu", name, METRICS_BOUNDS_MAX, nbounds);
	for (i = 0; i < nbounds; i++) {
		if (!isfinite(bounds[i]))
			return err_set(e, RC_BAD_INPUT,
				       "histogram '%s': bucket bound %zu is "
				       "not finite (+Inf is implied)", name,
				       i);
		if (i > 0 && !(bounds[i] > bounds[i - 1]))
			return err_set(e, RC_BAD_INPUT,
				       "histogram '%s': bucket bounds must "
				       "increase strictly (%g after %g)", name,
				       bounds[i], bounds[i - 1]);
	}
	return RC_OK;
}

static int metrics_same_bounds(const struct metrics_family *f,
			       const double *bounds, size_t nbounds)
{
	size_t i;

	if (f->nbounds != nbounds)
		return 0;
	for (i = 0; i < nbounds; i++)
		if (f->bounds[i] != bounds[i])
			return 0;
	return 1;
}

static struct metrics_family *metrics_new_family(
	enum metrics_type type, const char *name, const char *help,
	const char *label_name, const double *bounds, size_t nbounds)
{
	struct metrics_family *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	f->type = type;
	f->name = strdup(name);
	f->help = strdup(help);
	f->label_name = label_name ? strdup(label_name) : NULL;
	if (type == METRICS_HISTOGRAM) {
		f->bounds = malloc(nbounds * sizeof(double));
		if (f->bounds != NULL)
			memcpy(f->bounds, bounds, nbounds * sizeof(double));
		f->nbounds = nbounds;
	}
	if (f->name == NULL || f->help == NULL ||
	    (label_name != NULL && f->label_name == NULL) ||
	    (type == METRICS_HISTOGRAM && f->bounds == NULL)) {
		free(f->name);
		free(f->help);
		free(f->label_name);
		free(f->bounds);
		free(f);
		return NULL;
	}
	return f;
}

static struct metrics_series *metrics_new_series(struct metrics_family *f,
						 const char *label_value)
{
	struct metrics_series *s = calloc(1, sizeof(*s));
	size_t i;

	if (s == NULL)
		return NULL;
	if (label_value != NULL) {
		s->label_value = strdup(label_value);
		if (s->label_value == NULL) {
			free(s);
			return NULL;
		}
	}
	atomic_init(&s->c.v, 0);
	atomic_init(&s->g.bits, metrics_bits(0.0));
	atomic_init(&s->h.sum_bits, metrics_bits(0.0));
	if (f->type == METRICS_HISTOGRAM) {
		s->h.bounds = f->bounds;
		s->h.nb = f->nbounds;
		s->h.buckets = calloc(f->nbounds + 1, sizeof(*s->h.buckets));
		if (s->h.buckets == NULL) {
			metrics_series_free(s);
			return NULL;
		}
		for (i = 0; i <= f->nbounds; i++)
			atomic_init(&s->h.buckets[i], 0);
	}
	return s;
}

/* Find or create the series; the common part of the three registrars. */
static int metrics_register(struct metrics *reg, enum metrics_type type,
			    const char *name, const char *help,
			    const char *label_name, const char *label_value,
			    const double *bounds, size_t nbounds,
			    struct metrics_series **out, struct err *e)
{
	struct metrics_family *f;
	struct metrics_series *s;
	int ret, fresh = 0;

	*out = NULL;
	ret = metrics_check_args(type, name, help, label_name, label_value,
				 bounds, nbounds, e);
	if (ret != RC_OK)
		return ret;
	pthread_mutex_lock(&reg->mu);
	f = metrics_find_family(reg, name);
	if (f != NULL) {
		if (f->type != type) {
			ret = err_set(e, RC_BAD_INPUT,
				      "metric '%s' is already registered as a "
				      "%s", name, metrics_type_names[f->type]);
			goto out;
		}
		if (strcmp(f->help, help) != 0) {
			ret = err_set(e, RC_BAD_INPUT,
				      "metric '%s' is already registered with "
				      "other help text", name);
			goto out;
		}
		if (!metrics_streq(f->label_name, label_name)) {
			ret = err_set(e, RC_BAD_INPUT,
				      "metric '%s' is already registered with "
				      "label '%s'", name,
				      f->label_name ? f->label_name
						    : "(none)");
			goto out;
		}
		if (type == METRICS_HISTOGRAM &&
		    !metrics_same_bounds(f, bounds, nbounds)) {
			ret = err_set(e, RC_BAD_INPUT,
				      "histogram '%s' is already registered "
				      "with other bucket bounds", name);
			goto out;
		}
	} else {
		f = metrics_new_family(type, name, help, label_name, bounds,
				       nbounds);
		if (f == NULL) {
			ret = err_set(e, RC_NOMEM, "out of memory");
			goto out;
		}
		fresh = 1;
	}
	for (s = f->first; s != NULL; s = s->next)
		if (metrics_streq(s->label_value, label_value))
			break;
	if (s == NULL) {
		s = metrics_new_series(f, label_value);
		if (s == NULL) {
			if (fresh) {
				free(f->name);
				free(f->help);
				free(f->label_name);
				free(f->bounds);
				free(f);
			}
			ret = err_set(e, RC_NOMEM, "out of memory");
			goto out;
		}
		if (f->last != NULL)
			f->last->next = s;
		else
			f->first = s;
		f->last = s;
	}
	if (fresh) {
		if (reg->last != NULL)
			reg->last->next = f;
		else
			reg->first = f;
		reg->last = f;
	}
	*out = s;
	ret = RC_OK;
out:
	pthread_mutex_unlock(&reg->mu);
	return ret;
}

int metrics_counter(struct metrics *reg, const char *name, const char *help,
		    const char *label_name, const char *label_value,
		    struct metrics_counter **out, struct err *e)
{
	struct metrics_series *s;
	int ret;

	*out = NULL;
	ret = metrics_register(reg, METRICS_COUNTER, name, help, label_name,
			       label_value, NULL, 0, &s, e);
	if (ret == RC_OK)
		*out = &s->c;
	return ret;
}

int metrics_gauge(struct metrics *reg, const char *name, const char *help,
		  const char *label_name, const char *label_value,
		  struct metrics_gauge **out, struct err *e)
{
	struct metrics_series *s;
	int ret;

	*out = NULL;
	ret = metrics_register(reg, METRICS_GAUGE, name, help, label_name,
			       label_value, NULL, 0, &s, e);
	if (ret == RC_OK)
		*out = &s->g;
	return ret;
}

int metrics_histogram(struct metrics *reg, const char *name, const char *help,
		      const char *label_name, const char *label_value,
		      const double *bounds, size_t nbounds,
		      struct metrics_histogram **out, struct err *e)
{
	struct metrics_series *s;
	int ret;

	*out = NULL;
	ret = metrics_register(reg, METRICS_HISTOGRAM, name, help, label_name,
			       label_value, bounds, nbounds, &s, e);
	if (ret == RC_OK)
		*out = &s->h;
	return ret;
}

/* ---- updating ----------------------------------------------------------- */

void metrics_counter_add(struct metrics_counter *c, uint64_t n)
{
	if (c != NULL)
		atomic_fetch_add_explicit(&c->v, n, memory_order_relaxed);
}

void metrics_counter_inc(struct metrics_counter *c)
{
	metrics_counter_add(c, 1);
}

uint64_t metrics_counter_value(const struct metrics_counter *c)
{
	if (c == NULL)
		return 0;
	return atomic_load_explicit((_Atomic uint64_t *)&c->v,
				    memory_order_relaxed);
}

void metrics_gauge_set(struct metrics_gauge *g, double v)
{
	if (g != NULL)
		atomic_store_explicit(&g->bits, metrics_bits(v),
				      memory_order_relaxed);
}

void metrics_gauge_add(struct metrics_gauge *g, double d)
{
	if (g != NULL)
		metrics_atomic_add_double(&g->bits, d);
}

double metrics_gauge_value(const struct metrics_gauge *g)
{
	if (g == NULL)
		return 0.0;
	return metrics_double(atomic_load_explicit(
		(_Atomic uint64_t *)&g->bits, memory_order_relaxed));
}

void metrics_histogram_observe(struct metrics_histogram *h, double v)
{
	size_t lo = 0, hi;

	if (h == NULL || isnan(v))
		return;
	/* First bucket whose bound is >= v; nb (the +Inf bucket) if none. */
	hi = h->nb;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v <= h->bounds[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	atomic_fetch_add_explicit(&h->buckets[lo], 1, memory_order_relaxed);
	metrics_atomic_add_double(&h->sum_bits, v);
}

uint64_t metrics_histogram_count(const struct metrics_histogram *h)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; h != NULL && i <= h->nb; i++)
		n += atomic_load_explicit(&h->buckets[i],
					  memory_order_relaxed);
	return n;
}

double metrics_histogram_sum(const struct metrics_histogram *h)
{
	if (h == NULL)
		return 0.0;
	return metrics_double(atomic_load_explicit(
		(_Atomic uint64_t *)&h->sum_bits, memory_order_relaxed));
}

double metrics_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- rendering ---------------------------------------------------------- */

struct metrics_buf {
	char *p;
	size_t len, cap;
	int oom;
};

static void metrics_buf_add(struct metrics_buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (b->len + n + 1 > cap)
			cap *= 2;
		p = realloc(b->p, cap);
		if (p == NULL) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void metrics_buf_str(struct metrics_buf *b, const char *s)
{
	metrics_buf_add(b, s, strlen(s));
}

static void metrics_buf_printf(struct metrics_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void metrics_buf_printf(struct metrics_buf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	/* Only numbers go through here; 128 bytes always hold them. */
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->oom = 1;
		return;
	}
	metrics_buf_add(b, tmp, (size_t)n);
}

/*
 * Shortest decimal that reads back as exactly d, in plain notation when
 * its exponent is in [-4, 21) ("10", "0.00025", "123456789") and in
 * exponent notation otherwise ("5e-05", "1e+21"); Prometheus spells the
 * special values "NaN", "+Inf" and "-Inf".
 */
static void metrics_fmt_double(char *buf, size_t size, double d)
{
	char tmp[64];
	int prec, exp;

	if (isnan(d)) {
		snprintf(buf, size, "NaN");
		return;
	}
	if (isinf(d)) {
		snprintf(buf, size, d > 0 ? "+Inf" : "-Inf");
		return;
	}
	/* prec + 1 significant digits; 17 always read back exactly. */
	for (prec = 0; prec < 16; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	snprintf(tmp, sizeof(tmp), "%.*e", prec, d);
	exp = atoi(strchr(tmp, 'e') + 1);
	if (exp < -4 || exp >= 21)
		snprintf(buf, size, "%s", tmp);
	else if (exp >= prec)
		snprintf(buf, size, "%.0f", d);
	else
		snprintf(buf, size, "%.*f", prec - exp, d);
}

static void metrics_buf_double(struct metrics_buf *b, double d)
{
	char tmp[64];

	metrics_fmt_double(tmp, sizeof(tmp), d);
	metrics_buf_str(b, tmp);
}

/* Escape for HELP (label == 0: \\ and \n) or a label value (also \"). */
static void metrics_buf_escaped(struct metrics_buf *b, const char *s,
				int label)
{
	const char *run = s;

	for (; *s; s++) {
		const char *rep = NULL;

		if (*s == '\\')
			rep = "\\\\";
		else if (*s == '\n')
			rep = "\\n";
		else if (*s == '"' && label)
			rep = "\\\"";
		if (rep == NULL)
			continue;
		metrics_buf_add(b, run, (size_t)(s - run));
		metrics_buf_str(b, rep);
		run = s + 1;
	}
	metrics_buf_add(b, run, (size_t)(s - run));
}

/*
 * "name<suffix>{label="value",le="x"} " -- the part of a sample line
 * before the number; le may be NULL.
 */
static void metrics_buf_sample(struct metrics_buf *b,
			       const struct metrics_family *f,
			       const struct metrics_series *s,
			       const char *suffix, const char *le)
{
	metrics_buf_str(b, f->name);
	metrics_buf_str(b, suffix);
	if (s->label_value != NULL || le != NULL) {
		metrics_buf_str(b, "{");
		if (s->label_value != NULL) {
			metrics_buf_str(b, f->label_name);
			metrics_buf_str(b, "=\"");
			metrics_buf_escaped(b, s->label_value, 1);
			metrics_buf_str(b, "\"");
			if (le != NULL)
				metrics_buf_str(b, ",");
		}
		if (le != NULL) {
			metrics_buf_str(b, "le=\"");
			metrics_buf_str(b, le);
			metrics_buf_str(b, "\"");
		}
		metrics_buf_str(b, "}");
	}
	metrics_buf_str(b, " ");
}

static void metrics_render_histogram(struct metrics_buf *b,
				     const struct metrics_family *f,
				     const struct metrics_series *s)
{
	const struct metrics_histogram *h = &s->h;
	uint64_t cum = 0;
	char le[64];
	size_t i;

	for (i = 0; i <= h->nb; i++) {
		cum += atomic_load_explicit(&h->buckets[i],
					    memory_order_relaxed);
		if (i < h->nb)
			metrics_fmt_double(le, sizeof(le), h->bounds[i]);
		else
			snprintf(le, sizeof(le), "+Inf");
		metrics_buf_sample(b, f, s, "_bucket", le);
		metrics_buf_printf(b, "%" PRIu64 "\n", cum);
	}
	metrics_buf_sample(b, f, s, "_sum", NULL);
	metrics_buf_double(b, metrics_histogram_sum(h));
	metrics_buf_str(b, "\n");
	metrics_buf_sample(b, f, s, "_count", NULL);
	metrics_buf_printf(b, "%" PRIu64 "\n", cum);
}

int metrics_render(struct metrics *reg, char **text, size_t *len,
		   struct err *e)
{
	struct metrics_buf b = { NULL, 0, 0, 0 };
	struct metrics_family *f;
	struct metrics_series *s;

	*text = NULL;
	*len = 0;
	metrics_buf_add(&b, "", 0);	/* "" rather than NULL when empty */
	pthread_mutex_lock(&reg->mu);
	for (f = reg->first; f != NULL; f = f->next) {
		metrics_buf_str(&b, "# HELP ");
		metrics_buf_str(&b, f->name);
		metrics_buf_str(&b, " ");
		metrics_buf_escaped(&b, f->help, 0);
		metrics_buf_str(&b, "\n# TYPE ");
		metrics_buf_str(&b, f->name);
		metrics_buf_str(&b, " ");
		metrics_buf_str(&b, metrics_type_names[f->type]);
		metrics_buf_str(&b, "\n");
		for (s = f->first; s != NULL; s = s->next) {
			switch (f->type) {
			case METRICS_COUNTER:
				metrics_buf_sample(&b, f, s, "", NULL);
				metrics_buf_printf(
					&b, "%" PRIu64 "\n",
					metrics_counter_value(&s->c));
				break;
			case METRICS_GAUGE:
				metrics_buf_sample(&b, f, s, "", NULL);
				metrics_buf_double(&b,
						   metrics_gauge_value(&s->g));
				metrics_buf_str(&b, "\n");
				break;
			case METRICS_HISTOGRAM:
				metrics_render_histogram(&b, f, s);
				break;
			}
		}
	}
	pthread_mutex_unlock(&reg->mu);
	if (b.oom) {
		free(b.p);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	*text = b.p;
	*len = b.len;
	return RC_OK;
}
