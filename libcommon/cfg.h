/*
 * cfg.h -- the one configuration file format of every rangedb program.
 *
 * The format is INI-like, as in git config; etc/rangedb.conf is a
 * commented example:
 *
 *	# comment            ; comment too (whole lines only)
 *	top = 1              # before any [section]: the global section ""
 *	[tsod]
 *	listen = 127.0.0.1:7000  # unquoted: trimmed, ends at " #"
 *	data = "/srv/a b # c"    # quoted: \" \\ \n \t escapes
 *	[node.1]
 *
 * Rules, each enforced with an error "<file>:<line>: <what is wrong>":
 *   - section names and keys are [A-Za-z0-9_.-]+ (keys start with a letter
 *     or '_'), case-sensitive; "[a b]" and git's [s "sub"] are refused;
 *   - a section may appear once, a key once per section (the message names
 *     both lines): a repeated header or key is almost always a paste error;
 *   - lines are at most CFG_LINE_MAX bytes, files at most CFG_FILE_MAX;
 *     nothing is ever silently cut;
 *   - CRLF line ends and a UTF-8 byte-order mark are accepted; NUL is not.
 *
 * Values are strings; the typed getters parse them on demand and return
 * RC_OK, RC_NOT_FOUND (absent: the caller keeps its default) or RC_BAD_INPUT
 * with "<file>:<line>: key 'x' in [s] ...".  Programs load the file, then
 * cfg_set() each command-line flag on top, then read everything through
 * the getters, so a bad flag and a bad file line are reported alike (a value
 * from cfg_set() is reported as "command line: key ...").
 *
 * Units: durations are "<int><unit>" terms, unit one of ms, s, m, h, and
 * terms may be chained ("1m30s"); a bare number is refused (is "3" seconds
 * or milliseconds?) except "0".  Sizes are a number with an optional unit
 * B, KiB, MiB, GiB or TiB (case-insensitive); a bare number is bytes, and
 * decimal units (KB, MB, GB) are refused because they are ambiguous.
 *
 * A struct cfg is not thread-safe; load it at start-up, read it, free it.
 * Tested in t/unit/cfg_test.c (which also parses etc/rangedb.conf).
 */
#ifndef RANGEDB_CFG_H
#define RANGEDB_CFG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Longest line (not counting its newline) and largest file, in bytes. */
#define CFG_LINE_MAX	4096
#define CFG_FILE_MAX	(1024 * 1024)
#define CFG_ENV		"RANGEDB_CONFIG"

struct cfg;

/* ---- loading and freeing ------------------------------------------------ */

/*
 * Read and parse the file at path.  Messages use path as the file name.
 * A missing file is RC_NOT_FOUND, another read error RC_IO, a syntax error
 * RC_BAD_INPUT, a file over CFG_FILE_MAX RC_TOO_LARGE.  On error *out is
 * NULL.
 */
int cfg_load(const char *path, struct cfg **out, struct err *e);

/* Parse len bytes of text; name is the file name used in messages. */
int cfg_parse(const char *text, size_t len, const char *name,
	      struct cfg **out, struct err *e);

/* An empty configuration (no file given): getters all say RC_NOT_FOUND. */
int cfg_new(const char *name, struct cfg **out, struct err *e);

void cfg_free(struct cfg *cfg);

/*
 * The file to read: flag_value (the --config flag) when given and not
 * empty, else $RANGEDB_CONFIG when set and not empty, else NULL (run on
 * defaults and flags alone).  Borrowed, not to be freed.
 */
const char *cfg_default_path(const char *flag_value);

/* ---- reading ------------------------------------------------------------ */

/*
 * The value of key in section ("" is the global section), or NULL when
 * absent.  Borrowed: valid until cfg_set() of the same key or cfg_free().
 */
const char *cfg_get(const struct cfg *cfg, const char *section,
		    const char *key);

/* Decimal integer in [min, max]. */
int cfg_get_int(const struct cfg *cfg, const char *section, const char *key,
		int64_t min, int64_t max, int64_t *out, struct err *e);

/* true/false, yes/no, on/off, 1/0, any case. */
int cfg_get_bool(const struct cfg *cfg, const char *section, const char *key,
		 int *out, struct err *e);

/* Duration such as "250ms", "1s", "2m", "1h", "1m30s", in [min_ms, max_ms]. */
/*
 * A duration as the config file writes it ("250ms", "1m30s") in ms:
 * 0 ok, -1 malformed, -2 a bare number (no unit), -3 too large.
 */
int cfg_parse_duration(const char *s, int64_t *out);

int cfg_get_duration_ms(const struct cfg *cfg, const char *section,
			const char *key, int64_t min_ms, int64_t max_ms,
			int64_t *out, struct err *e);

/* Size such as "64MiB", "512KiB", "1GiB", "4096", in [min, max] bytes. */
int cfg_get_size(const struct cfg *cfg, const char *section, const char *key,
		 uint64_t min, uint64_t max, uint64_t *out, struct err *e);

/*
 * Where key's value came from, "<file>:<line>" or "command line", written
 * to buf (cut with "..." if bufsize is too small) for messages a program
 * writes itself.  Returns buf, or NULL when the key is absent.
 */
const char *cfg_origin(const struct cfg *cfg, const char *section,
		       const char *key, char *buf, size_t bufsize);

/* ---- overriding --------------------------------------------------------- */

/*
 * Set key in section to a copy of value, creating the section if needed
 * and replacing any value from the file.  Section and key names follow the
 * file's rules (RC_BAD_INPUT otherwise); RC_NOMEM when out of memory.
 */
int cfg_set(struct cfg *cfg, const char *section, const char *key,
	    const char *value, struct err *e);

/* ---- iterating ---------------------------------------------------------- */

/* Sections in order of first appearance; "" only if it has keys. */
size_t cfg_section_count(const struct cfg *cfg);
const char *cfg_section_name(const struct cfg *cfg, size_t i);

/*
 * The same, restricted to sections whose name starts with prefix, e.g.
 * "node." finds node.1, node.2, node.3 in file order.
 */
size_t cfg_section_count_prefix(const struct cfg *cfg, const char *prefix);
const char *cfg_section_name_prefix(const struct cfg *cfg, const char *prefix,
				    size_t i);

/* Keys of one section in order of appearance (0 / NULL when absent). */
size_t cfg_key_count(const struct cfg *cfg, const char *section);
const char *cfg_key_name(const struct cfg *cfg, const char *section,
			 size_t i);

/* ---- checking against a schema ------------------------------------------ */

/*
 * What a program accepts: an array ending in { NULL, NULL }.  A name that
 * ends in '.' ("node.") is a prefix and matches every section "node.X" with
 * a non-empty X; "" is the global section.  keys is NULL-terminated, or
 * NULL for a section that belongs to another program: it is allowed, with
 * any keys, and left for that program to check.  So tsod lists its own
 * keys under "tsod" and { "raftd", NULL } for the section it only skips,
 * and a misspelt [tsdo] is still refused.
 */
struct cfg_schema {
	const char *section;
	const char *const *keys;
};

/*
 * RC_OK if every section and key of cfg is in schema, else RC_BAD_INPUT for
 * the first stray one, with a hint when a known name is within edit
 * distance 2:
 *   rangedb.conf:7: unknown key 'lisen' in [tsod] (did you mean 'listen'?)
 *	rangedb.conf:3: unknown section [tsd] (did you mean [tsod]?)
 */
int cfg_check(const struct cfg *cfg, const struct cfg_schema *schema,
	      struct err *e);

#endif
