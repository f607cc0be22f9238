/*
 * cfg.c -- configuration files (see cfg.h for the format and the API).
 *
 * A parsed file is a list of sections in file order, each a list of
 * key/value entries in file order; every entry remembers its line so that
 * a value found wrong long after parsing (by a typed getter or cfg_check)
 * is still reported as "<file>:<line>: ...".  Configurations are small (a
 * few dozen keys), so lookups are linear scans.  Every string is a copy
 * owned by the struct cfg.  Tested in t/unit/cfg_test.c.
 */
#include "cfg.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct cfg_entry {
	char *key;
	char *value;
	int line;		/* 0: set by cfg_set() */
};

struct cfg_section {
	char *name;
	int line;		/* header line; first key's line for "" */
	struct cfg_entry *ent;
	size_t n, cap;
};

struct cfg {
	char *name;		/* file name used in messages */
	struct cfg_section *sec;
	size_t n, cap;
};

/* ---- small helpers ------------------------------------------------------ */

static int cfg_is_name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static int cfg_is_space(int c)
{
	return c == ' ' || c == '\t';
}

/* Section names: [A-Za-z0-9_.-]+ ("" is the global section, not written). */
static int cfg_valid_section(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!cfg_is_name_char((unsigned char)*s))
			return 0;
	return 1;
}

/* Keys: a letter or '_', then [A-Za-z0-9_.-]*. */
static int cfg_valid_key(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
	      *s == '_'))
		return 0;
	return cfg_valid_section(s);
}

static struct cfg_section *cfg_find_section(const struct cfg *cfg,
					    const char *name)
{
	size_t i;

	if (cfg == NULL || name == NULL)
		return NULL;
	for (i = 0; i < cfg->n; i++)
		if (strcmp(cfg->sec[i].name, name) == 0)
			return &cfg->sec[i];
	return NULL;
}

static struct cfg_entry *cfg_find_entry(const struct cfg_section *s,
					const char *key)
{
	size_t i;

	if (s == NULL || key == NULL)
		return NULL;
	for (i = 0; i < s->n; i++)
		if (strcmp(s->ent[i].key, key) == 0)
			return &s->ent[i];
	return NULL;
}

static struct cfg_entry *cfg_lookup(const struct cfg *cfg,
				    const char *section, const char *key)
{
	return cfg_find_entry(cfg_find_section(cfg, section), key);
}

static struct cfg_section *cfg_add_section(struct cfg *cfg, const char *name,
					   int line)
{
	struct cfg_section *s;
	char *copy;

	if (cfg->n == cfg->cap) {
		size_t cap = cfg->cap ? cfg->cap * 2 : 8;
		struct cfg_section *p = realloc(cfg->sec, cap * sizeof(*p));

		if (p == NULL)
			return NULL;
		cfg->sec = p;
		cfg->cap = cap;
	}
	copy = strdup(name);
	if (copy == NULL)
		return NULL;
	s = &cfg->sec[cfg->n++];
	memset(s, 0, sizeof(*s));
	s->name = copy;
	s->line = line;
	return s;
}

static struct cfg_entry *cfg_add_entry(struct cfg_section *s, const char *key,
				       const char *value, int line)
{
	struct cfg_entry *en;
	char *k, *v;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct cfg_entry *p = realloc(s->ent, cap * sizeof(*p));

		if (p == NULL)
			return NULL;
		s->ent = p;
		s->cap = cap;
	}
	k = strdup(key);
	v = strdup(value);
	if (k == NULL || v == NULL) {
		free(k);
		free(v);
		return NULL;
	}
	en = &s->ent[s->n++];
	en->key = k;
	en->value = v;
	en->line = line;
	return en;
}

/* "<file>:<line>" or "command line" into buf. */
static const char *cfg_where(const struct cfg *cfg, int line, char *buf,
			     size_t size)
{
	int n;

	if (line <= 0)
		n = snprintf(buf, size, "command line");
	else
		n = snprintf(buf, size, "%s:%d", cfg->name, line);
	if (n >= 0 && (size_t)n >= size && size > 4)
		memcpy(buf + size - 4, "...", 4);
	return buf;
}

/* "key 'x' in [s]" or "key 'x'" for the global section. */
static void cfg_describe(char *buf, size_t size, const char *section,
			 const char *key)
{
	int n;

	if (section[0] == '\0')
		n = snprintf(buf, size, "key '%s'", key);
	else
		n = snprintf(buf, size, "key '%s' in [%s]", key, section);
	if (n >= 0 && (size_t)n >= size && size > 4)
		memcpy(buf + size - 4, "...", 4);
}

/* ---- loading ------------------------------------------------------------ */

int cfg_new(const char *name, struct cfg **out, struct err *e)
{
	struct cfg *cfg;

	*out = NULL;
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	cfg->name = strdup(name ? name : "(config)");
	if (cfg->name == NULL) {
		free(cfg);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	*out = cfg;
	return RC_OK;
}

void cfg_free(struct cfg *cfg)
{
	size_t i, j;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->n; i++) {
		for (j = 0; j < cfg->sec[i].n; j++) {
			free(cfg->sec[i].ent[j].key);
			free(cfg->sec[i].ent[j].value);
		}
		free(cfg->sec[i].ent);
		free(cfg->sec[i].name);
	}
	free(cfg->sec);
	free(cfg->name);
	free(cfg);
}

/*
 * Parse a quoted value starting just after the opening quote at p (line
 * ends at end).  Writes the unescaped value to dst (which has room: the
 * result is never longer than the source) and returns a pointer past the
 * closing quote, or NULL with *why set.
 */
static const char *cfg_unquote(const char *p, const char *end, char *dst,
			       const char **why, char *bad)
{
	while (p < end && *p != '"') {
		if (*p != '\\') {
			*dst++ = *p++;
			continue;
		}
		if (p + 1 >= end) {
			*why = "unterminated quoted value";
			return NULL;
		}
		switch (p[1]) {
		case '"':
			*dst++ = '"';
			break;
		case '\\':
			*dst++ = '\\';
			break;
		case 'n':
			*dst++ = '\n';
			break;
		case 't':
			*dst++ = '\t';
			break;
		default:
			*bad = p[1];
			*why = "unknown escape";
			return NULL;
		}
		p += 2;
	}
	if (p >= end) {
		*why = "unterminated quoted value";
		return NULL;
	}
	*dst = '\0';
	return p + 1;
}

/* Only whitespace or a comment may follow a header or a quoted value. */
static int cfg_rest_is_blank(const char *p, const char *end)
{
	while (p < end && cfg_is_space((unsigned char)*p))
		p++;
	return p == end || *p == '#' || *p == ';';
}

/* Parse one line (no newline, no NUL inside); *cur is the current section. */
static int cfg_parse_line(struct cfg *cfg, const char *line, size_t len,
			  int lineno, struct cfg_section **cur, struct err *e)
{
	const char *p = line, *end = line + len, *q;
	char key[CFG_LINE_MAX + 1], val[CFG_LINE_MAX + 1];
	struct cfg_section *s;
	struct cfg_entry *en;
	size_t n;

	while (p < end && cfg_is_space((unsigned char)*p))
		p++;
	if (p == end || *p == '#' || *p == ';')
		return RC_OK;

	if (*p == '[') {
		p++;
		q = memchr(p, ']', (size_t)(end - p));
		if (q == NULL)
			return err_set(e, RC_BAD_INPUT,
				       "%s:%d: missing ']' after section name",
				       cfg->name, lineno);
		while (p < q && cfg_is_space((unsigned char)*p))
			p++;
		n = (size_t)(q - p);
		while (n > 0 && cfg_is_space((unsigned char)p[n - 1]))
			n--;
		memcpy(key, p, n);
		key[n] = '\0';
		if (n == 0)
			return err_set(e, RC_BAD_INPUT,
				       "%s:%d: empty section name",
				       cfg->name, lineno);
		if (!cfg_valid_section(key))
			return err_set(e, RC_BAD_INPUT,
				       "%s:%d: invalid section name '%s' "
				       "(use letters, digits, '_', '.', '-')",
				       cfg->name, lineno, key);
		if (!cfg_rest_is_blank(q + 1, end))
			return err_set(e, RC_BAD_INPUT,
				       "%s:%d: unexpected text after ']'",
				       cfg->name, lineno);
		s = cfg_find_section(cfg, key);
		if (s != NULL)
			return err_set(e, RC_BAD_INPUT,
				       "%s:%d: duplicate section [%s] "
				       "(first at line %d)",
				       cfg->name, lineno, key, s->line);
		*cur = cfg_add_section(cfg, key, lineno);
		if (*cur == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		return RC_OK;
	}

	/* key = value */
	q = p;
	while (q < end && cfg_is_name_char((unsigned char)*q))
		q++;
	n = (size_t)(q - p);
	memcpy(key, p, n);
	key[n] = '\0';
	while (q < end && cfg_is_space((unsigned char)*q))
		q++;
	if (n == 0 || q == end || *q != '=')
		return err_set(e, RC_BAD_INPUT,
			       "%s:%d: expected 'key = value'", cfg->name,
			       lineno);
	if (!cfg_valid_key(key))
		return err_set(e, RC_BAD_INPUT,
			       "%s:%d: invalid key '%s' (start with a letter "
			       "or '_')", cfg->name, lineno, key);
	p = q + 1;
	while (p < end && cfg_is_space((unsigned char)*p))
		p++;
	if (p < end && *p == '"') {
		const char *why = NULL;
		char bad = 0;

		q = cfg_unquote(p + 1, end, val, &why, &bad);
		if (q == NULL && bad != 0)
			return err_set(e, RC_BAD_INPUT,
				       "%s:%d: unknown escape '\\%c' in "
				       "quoted value (use \\\" \\\\ \\n "
				       "or \\t)",
				       cfg->name, lineno, bad);
		if (q == NULL)
			return err_set(e, RC_BAD_INPUT, "%s:%d: %s",
				       cfg->name, lineno, why);
		if (!cfg_rest_is_blank(q, end))
			return err_set(e, RC_BAD_INPUT,
				       "%s:%d: unexpected text after closing "
				       "quote", cfg->name, lineno);
	} else {
		/* Ends at the first '#' that follows whitespace. */
		q = p;
		while (q < end &&
		       !(*q == '#' && (q == p || cfg_is_space(q[-1]))))
			q++;
		while (q > p && cfg_is_space((unsigned char)q[-1]))
			q--;
		n = (size_t)(q - p);
		memcpy(val, p, n);
		val[n] = '\0';
	}

	if (*cur == NULL) {
		*cur = cfg_find_section(cfg, "");
		if (*cur == NULL)
			*cur = cfg_add_section(cfg, "", lineno);
		if (*cur == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
	}
	en = cfg_find_entry(*cur, key);
	if (en != NULL) {
		char what[CFG_LINE_MAX + 64];

		cfg_describe(what, sizeof(what), (*cur)->name, key);
		return err_set(e, RC_BAD_INPUT,
			       "%s:%d: duplicate %s (first at line %d)",
			       cfg->name, lineno, what, en->line);
	}
	if (cfg_add_entry(*cur, key, val, lineno) == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	return RC_OK;
}

int cfg_parse(const char *text, size_t len, const char *name,
	      struct cfg **out, struct err *e)
{
	struct cfg *cfg;
	struct cfg_section *cur = NULL;
	const char *p = text, *end = text + len, *nl;
	int lineno = 0, ret;

	ret = cfg_new(name, &cfg, e);
	if (ret != RC_OK)
		return ret;
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;		/* UTF-8 byte-order mark */
	while (p < end) {
		size_t n;

		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > CFG_LINE_MAX) {
			ret = err_set(e, RC_BAD_INPUT,
				      "%s:%d: line longer than %d bytes",
				      cfg->name, lineno, CFG_LINE_MAX);
			goto fail;
		}
		if (memchr(p, '\0', n) != NULL) {
			ret = err_set(e, RC_BAD_INPUT,
				      "%s:%d: NUL byte in line (binary file?)",
				      cfg->name, lineno);
			goto fail;
		}
		ret = cfg_parse_line(cfg, p, n, lineno, &cur, e);
		if (ret != RC_OK)
			goto fail;
		p = nl ? nl + 1 : end;
	}
	*out = cfg;
	return RC_OK;
fail:
	cfg_free(cfg);
	*out = NULL;
	return ret;
}

int cfg_load(const char *path, struct cfg **out, struct err *e)
{
	char *buf = NULL;
	size_t len = 0;
	int ret;

	*out = NULL;
	ret = util_read_file(path, CFG_FILE_MAX, &buf, &len, e);
	if (ret != RC_OK)
		return ret;
	ret = cfg_parse(buf, len, path, out, e);
	free(buf);
	return ret;
}

const char *cfg_default_path(const char *flag_value)
{
	const char *env;

	if (flag_value != NULL && flag_value[0] != '\0')
		return flag_value;
	env = getenv(CFG_ENV);
	if (env != NULL && env[0] != '\0')
		return env;
	return NULL;
}

/* ---- reading ------------------------------------------------------------ */

const char *cfg_get(const struct cfg *cfg, const char *section,
		    const char *key)
{
	const struct cfg_entry *en = cfg_lookup(cfg, section, key);

	return en ? en->value : NULL;
}

const char *cfg_origin(const struct cfg *cfg, const char *section,
		       const char *key, char *buf, size_t bufsize)
{
	const struct cfg_entry *en = cfg_lookup(cfg, section, key);

	if (en == NULL || buf == NULL || bufsize == 0)
		return NULL;
	return cfg_where(cfg, en->line, buf, bufsize);
}

/*
 * Look key up for a typed getter: RC_NOT_FOUND when absent, else RC_OK
 * with *en set.
 */
static int cfg_typed(const struct cfg *cfg, const char *section,
		     const char *key, const struct cfg_entry **en,
		     struct err *e)
{
	char what[160];

	*en = cfg_lookup(cfg, section, key);
	if (*en != NULL)
		return RC_OK;
	cfg_describe(what, sizeof(what), section ? section : "",
		     key ? key : "(null)");
	return err_set(e, RC_NOT_FOUND, "%s is not set", what);
}

/* "<where>: key 'k' in [s] <msg>": the message of every typed getter. */
static int cfg_bad(const struct cfg *cfg, const char *section,
		   const struct cfg_entry *en, struct err *e,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int cfg_bad(const struct cfg *cfg, const char *section,
		   const struct cfg_entry *en, struct err *e,
		   const char *fmt, ...)
{
	char where[160], what[160], msg[ERR_MSG_MAX];
	va_list ap;
	int n;

	cfg_where(cfg, en->line, where, sizeof(where));
	cfg_describe(what, sizeof(what), section, en->key);
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n >= sizeof(msg))
		memcpy(msg + sizeof(msg) - 4, "...", 4);
	return err_set(e, RC_BAD_INPUT, "%s: %s %s", where, what, msg);
}

/* Parse a decimal int64; 0 on success. */
static int cfg_parse_int64(const char *s, int64_t *out)
{
	char *endp;
	long long v;

	if (!((*s >= '0' && *s <= '9') ||
	      (*s == '-' && s[1] >= '0' && s[1] <= '9')))
		return -1;
	errno = 0;
	v = strtoll(s, &endp, 10);
	if (errno != 0 || *endp != '\0')
		return -1;
	*out = (int64_t)v;
	return 0;
}

int cfg_get_int(const struct cfg *cfg, const char *section, const char *key,
		int64_t min, int64_t max, int64_t *out, struct err *e)
{
	const struct cfg_entry *en;
	int64_t v;
	int ret;

	ret = cfg_typed(cfg, section, key, &en, e);
	if (ret != RC_OK)
		return ret;
	if (cfg_parse_int64(en->value, &v) != 0)
		return cfg_bad(cfg, section, en, e,
			       "must be an integer, not '%s'", en->value);
	if (v < min || v > max)
		return cfg_bad(cfg, section, en, e,
			       "must be between %" PRId64 " and %" PRId64
			       ", not %s", min, max, en->value);
	*out = v;
	return RC_OK;
}

int cfg_get_bool(const struct cfg *cfg, const char *section, const char *key,
		 int *out, struct err *e)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	const struct cfg_entry *en;
	size_t i;
	int ret;

	ret = cfg_typed(cfg, section, key, &en, e);
	if (ret != RC_OK)
		return ret;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(en->value, yes[i]) == 0) {
			*out = 1;
			return RC_OK;
		}
		if (strcasecmp(en->value, no[i]) == 0) {
			*out = 0;
			return RC_OK;
		}
	}
	return cfg_bad(cfg, section, en, e,
		       "must be true or false (or yes/no, on/off, 1/0), "
		       "not '%s'", en->value);
}

/* Parse the digits at *p into *v (no sign); -1 on none or overflow. */
static int cfg_parse_digits(const char **p, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;

	if (!(*s >= '0' && *s <= '9'))
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*p = s;
	*v = x;
	return 0;
}

int cfg_parse_duration(const char *s, int64_t *out)
{
	const char *p = s;
	uint64_t total = 0, n, mul;

	if (*p == '\0')
		return -1;
	if (strcmp(p, "0") == 0) {
		*out = 0;
		return 0;
	}
	while (*p != '\0') {
		if (cfg_parse_digits(&p, &n) != 0)
			return *p >= '0' && *p <= '9' ? -3 : -1;
		if (p[0] == 'm' && p[1] == 's') {
			mul = 1;
			p += 2;
		} else if (p[0] == 's') {
			mul = 1000;
			p++;
		} else if (p[0] == 'm') {
			mul = 60 * 1000;
			p++;
		} else if (p[0] == 'h') {
			mul = 3600 * 1000;
			p++;
		} else if (p[0] == '\0' && p != s && total == 0 &&
			   strspn(s, "0123456789") == strlen(s)) {
			return -2;
		} else {
			return -1;
		}
		if (n > (uint64_t)INT64_MAX / mul ||
		    total > (uint64_t)INT64_MAX - n * mul)
			return -3;
		total += n * mul;
	}
	*out = (int64_t)total;
	return 0;
}

/* Shortest exact spelling of a duration, for messages: "1h", "1500ms". */
static void cfg_fmt_duration(char *buf, size_t size, int64_t ms)
{
	if (ms != 0 && ms % 3600000 == 0)
		snprintf(buf, size, "%" PRId64 "h", ms / 3600000);
	else if (ms != 0 && ms % 60000 == 0)
		snprintf(buf, size, "%" PRId64 "m", ms / 60000);
	else if (ms != 0 && ms % 1000 == 0)
		snprintf(buf, size, "%" PRId64 "s", ms / 1000);
	else
		snprintf(buf, size, "%" PRId64 "ms", ms);
}

int cfg_get_duration_ms(const struct cfg *cfg, const char *section,
			const char *key, int64_t min_ms, int64_t max_ms,
			int64_t *out, struct err *e)
{
	const struct cfg_entry *en;
	char lo[32], hi[32];
	int64_t v;
	int ret;

	ret = cfg_typed(cfg, section, key, &en, e);
	if (ret != RC_OK)
		return ret;
	switch (cfg_parse_duration(en->value, &v)) {
	case 0:
		break;
	case -2:
		return cfg_bad(cfg, section, en, e,
			       "needs a unit: '%sms' or '%ss' (ms, s, m or h)",
			       en->value, en->value);
	case -3:
		return cfg_bad(cfg, section, en, e,
			       "is too long a duration: '%s'", en->value);
	default:
		return cfg_bad(cfg, section, en, e,
			       "must be a duration such as 250ms, 1s, 2m or "
			       "1h, not '%s'", en->value);
	}
	if (v < min_ms || v > max_ms) {
		cfg_fmt_duration(lo, sizeof(lo), min_ms);
		cfg_fmt_duration(hi, sizeof(hi), max_ms);
		return cfg_bad(cfg, section, en, e,
			       "must be between %s and %s, not %s", lo, hi,
			       en->value);
	}
	*out = v;
	return RC_OK;
}

/* Size in bytes: 0 ok, -1 malformed, -2 decimal unit, -3 too large. */
static int cfg_parse_size(const char *s, uint64_t *out)
{
	static const struct {
		const char *unit;
		unsigned shift;
	} units[] = {
		{ "", 0 }, { "B", 0 }, { "KiB", 10 }, { "MiB", 20 },
		{ "GiB", 30 }, { "TiB", 40 },
	};
	static const char *const decimal[] = {
		"K", "KB", "M", "MB", "G", "GB", "T", "TB", "k", "kB",
	};
	const char *p = s;
	uint64_t n;
	size_t i;

	if (cfg_parse_digits(&p, &n) != 0)
		return *p >= '0' && *p <= '9' ? -3 : -1;
	while (*p == ' ')
		p++;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(p, units[i].unit) != 0)
			continue;
		if (units[i].shift > 0 && n > (UINT64_MAX >> units[i].shift))
			return -3;
		*out = n << units[i].shift;
		return 0;
	}
	for (i = 0; i < sizeof(decimal) / sizeof(decimal[0]); i++)
		if (strcasecmp(p, decimal[i]) == 0)
			return -2;
	return -1;
}

/* Shortest exact spelling of a size, for messages: "64MiB", "1000". */
static void cfg_fmt_size(char *buf, size_t size, uint64_t v)
{
	static const char *const unit[] = { "TiB", "GiB", "MiB", "KiB" };
	static const unsigned shift[] = { 40, 30, 20, 10 };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (v != 0 && (v & ((UINT64_C(1) << shift[i]) - 1)) == 0) {
			snprintf(buf, size, "%" PRIu64 "%s", v >> shift[i],
				 unit[i]);
			return;
		}
	}
	snprintf(buf, size, "%" PRIu64, v);
}

int cfg_get_size(const struct cfg *cfg, const char *section, const char *key,
		 uint64_t min, uint64_t max, uint64_t *out, struct err *e)
{
	const struct cfg_entry *en;
	char lo[32], hi[32];
	uint64_t v;
	int ret;

	ret = cfg_typed(cfg, section, key, &en, e);
	if (ret != RC_OK)
		return ret;
	switch (cfg_parse_size(en->value, &v)) {
	case 0:
		break;
	case -2:
		return cfg_bad(cfg, section, en, e,
			       "uses a decimal unit in '%s': write KiB, MiB, "
			       "GiB or TiB (powers of 1024) or plain bytes",
			       en->value);
	case -3:
		return cfg_bad(cfg, section, en, e,
			       "is too large a size: '%s'", en->value);
	default:
		return cfg_bad(cfg, section, en, e,
			       "must be a size such as 4096, 512KiB, 64MiB or "
			       "1GiB, not '%s'", en->value);
	}
	if (v < min || v > max) {
		cfg_fmt_size(lo, sizeof(lo), min);
		cfg_fmt_size(hi, sizeof(hi), max);
		return cfg_bad(cfg, section, en, e,
			       "must be between %s and %s, not %s", lo, hi,
			       en->value);
	}
	*out = v;
	return RC_OK;
}

/* ---- overriding --------------------------------------------------------- */

int cfg_set(struct cfg *cfg, const char *section, const char *key,
	    const char *value, struct err *e)
{
	struct cfg_section *s;
	struct cfg_entry *en;
	char *v;

	if (cfg == NULL || section == NULL || key == NULL || value == NULL)
		return err_set(e, RC_BAD_INPUT,
			       "cfg_set needs a section, a key and a value");
	if (section[0] != '\0' && !cfg_valid_section(section))
		return err_set(e, RC_BAD_INPUT, "invalid section name '%s'",
			       section);
	if (!cfg_valid_key(key))
		return err_set(e, RC_BAD_INPUT, "invalid key '%s'", key);
	s = cfg_find_section(cfg, section);
	if (s == NULL) {
		s = cfg_add_section(cfg, section, 0);
		if (s == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
	}
	en = cfg_find_entry(s, key);
	if (en == NULL) {
		if (cfg_add_entry(s, key, value, 0) == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		return RC_OK;
	}
	v = strdup(value);
	if (v == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	free(en->value);
	en->value = v;
	en->line = 0;
	return RC_OK;
}

/* ---- iterating ---------------------------------------------------------- */

size_t cfg_section_count(const struct cfg *cfg)
{
	return cfg ? cfg->n : 0;
}

const char *cfg_section_name(const struct cfg *cfg, size_t i)
{
	return cfg && i < cfg->n ? cfg->sec[i].name : NULL;
}

static int cfg_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

size_t cfg_section_count_prefix(const struct cfg *cfg, const char *prefix)
{
	size_t i, n = 0;

	for (i = 0; cfg && prefix && i < cfg->n; i++)
		if (cfg_has_prefix(cfg->sec[i].name, prefix))
			n++;
	return n;
}

const char *cfg_section_name_prefix(const struct cfg *cfg, const char *prefix,
				    size_t i)
{
	size_t j;

	for (j = 0; cfg && prefix && j < cfg->n; j++) {
		if (!cfg_has_prefix(cfg->sec[j].name, prefix))
			continue;
		if (i-- == 0)
			return cfg->sec[j].name;
	}
	return NULL;
}

size_t cfg_key_count(const struct cfg *cfg, const char *section)
{
	const struct cfg_section *s = cfg_find_section(cfg, section);

	return s ? s->n : 0;
}

const char *cfg_key_name(const struct cfg *cfg, const char *section,
			 size_t i)
{
	const struct cfg_section *s = cfg_find_section(cfg, section);

	return s && i < s->n ? s->ent[i].key : NULL;
}

/* ---- checking ----------------------------------------------------------- */

/* Names longer than this get no did-you-mean hint. */
#define CFG_HINT_MAX 64

/*
 * Optimal string alignment distance (Levenshtein plus adjacent
 * transpositions, so "lsiten" is one edit from "listen"); a large number
 * when either string is too long to bother.
 */
static size_t cfg_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t d[CFG_HINT_MAX + 1][CFG_HINT_MAX + 1];

	if (la > CFG_HINT_MAX || lb > CFG_HINT_MAX)
		return (size_t)-1;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t best = d[i - 1][j] + 1;

			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < best)
				best = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

static int cfg_is_prefix_rule(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && name[n - 1] == '.';
}

static const struct cfg_schema *cfg_schema_match(
	const struct cfg_schema *schema, const char *section)
{
	const struct cfg_schema *sc;

	for (sc = schema; sc->section != NULL; sc++) {
		if (cfg_is_prefix_rule(sc->section)) {
			if (cfg_has_prefix(section, sc->section) &&
			    strlen(section) > strlen(sc->section))
				return sc;
		} else if (strcmp(section, sc->section) == 0) {
			return sc;
		}
	}
	return NULL;
}

/*
 * Did-you-mean for an unknown section: compare with each plain name, and
 * for a prefix rule "node." with "node." + what follows the first '.' of
 * the unknown name ("nod.1" -> "node.1") or, without a '.', with "node"
 * (hint "node.N").
 */
static void cfg_section_hint(const struct cfg_schema *schema,
			     const char *name, char *hint, size_t size)
{
	const struct cfg_schema *sc;
	const char *dot = strchr(name, '.');
	char cand[2 * CFG_HINT_MAX + 4];
	size_t best = 3, d;

	hint[0] = '\0';
	for (sc = schema; sc->section != NULL; sc++) {
		if (sc->section[0] == '\0')
			continue;
		if (!cfg_is_prefix_rule(sc->section)) {
			d = cfg_distance(name, sc->section);
			if (d < best) {
				best = d;
				snprintf(hint, size, " (did you mean [%s]?)",
					 sc->section);
			}
			continue;
		}
		if (strlen(sc->section) > CFG_HINT_MAX ||
		    strlen(name) > CFG_HINT_MAX)
			continue;
		if (dot != NULL && dot[1] != '\0') {
			snprintf(cand, sizeof(cand), "%s%s", sc->section,
				 dot + 1);
			d = cfg_distance(name, cand);
			if (d < best) {
				best = d;
				snprintf(hint, size, " (did you mean [%s]?)",
					 cand);
			}
		} else {
			/* "node" or "node.": compare with "node" / "node." */
			snprintf(cand, sizeof(cand), "%.*s",
				 (int)strlen(sc->section) - (dot ? 0 : 1),
				 sc->section);
			d = cfg_distance(name, cand);
			if (d < best) {
				best = d;
				snprintf(hint, size,
					 " (did you mean [%sN]?)",
					 sc->section);
			}
		}
	}
}

static void cfg_key_hint(const char *const *keys, const char *key,
			 char *hint, size_t size)
{
	size_t best = 3, d, i;

	hint[0] = '\0';
	for (i = 0; keys != NULL && keys[i] != NULL; i++) {
		d = cfg_distance(key, keys[i]);
		if (d < best) {
			best = d;
			snprintf(hint, size, " (did you mean '%s'?)", keys[i]);
		}
	}
}

static int cfg_key_known(const char *const *keys, const char *key)
{
	size_t i;

	for (i = 0; keys != NULL && keys[i] != NULL; i++)
		if (strcmp(keys[i], key) == 0)
			return 1;
	return 0;
}

int cfg_check(const struct cfg *cfg, const struct cfg_schema *schema,
	      struct err *e)
{
	char where[160], hint[2 * CFG_HINT_MAX + 40];
	size_t i, j;

	for (i = 0; cfg != NULL && i < cfg->n; i++) {
		const struct cfg_section *s = &cfg->sec[i];
		const struct cfg_schema *sc = cfg_schema_match(schema,
							       s->name);

		if (sc == NULL && s->name[0] == '\0') {
			cfg_where(cfg, s->ent[0].line, where, sizeof(where));
			return err_set(e, RC_BAD_INPUT,
				       "%s: key '%s' is outside any section "
				       "(put it under a [section] header)",
				       where, s->ent[0].key);
		}
		if (sc == NULL) {
			cfg_where(cfg, s->line, where, sizeof(where));
			cfg_section_hint(schema, s->name, hint, sizeof(hint));
			return err_set(e, RC_BAD_INPUT,
				       "%s: unknown section [%s]%s", where,
				       s->name, hint);
		}
		for (j = 0; sc->keys != NULL && j < s->n; j++) {
			const struct cfg_entry *en = &s->ent[j];
			char what[160];

			if (cfg_key_known(sc->keys, en->key))
				continue;
			cfg_where(cfg, en->line, where, sizeof(where));
			cfg_describe(what, sizeof(what), s->name, en->key);
			cfg_key_hint(sc->keys, en->key, hint, sizeof(hint));
			return err_set(e, RC_BAD_INPUT, "%s: unknown %s%s",
				       where, what, hint);
		}
	}
	return RC_OK;
}
