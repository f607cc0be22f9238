/*
 * util.h -- small helpers every module needs: clocks, strict number
 * parsing, and durable file replacement.
 *
 * util_write_file_atomic() is the building block for state that must
 * survive kill -9: it writes a temp file, fsyncs it, renames it over the
 * target and fsyncs the directory, so a reader sees the old or the new
 * contents, never a mix.  Tested in t/unit/util_test.c.
 */
#ifndef RANGEDB_UTIL_H
#define RANGEDB_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Milliseconds / nanoseconds on CLOCK_MONOTONIC (for timers and durations). */
uint64_t util_mono_ms(void);
uint64_t util_mono_ns(void);

/* Milliseconds since the epoch on CLOCK_REALTIME (the HLC's physical part). */
uint64_t util_wall_ms(void);

/*
 * Strict decimal parsing: the whole string must be a number in [min, max];
 * no sign for u64, no leading/trailing junk or spaces.  RC_BAD_INPUT with a
 * message naming `what` otherwise ("count must be an integer, got 'x'").
 */
int util_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out,
		   const char *what, struct err *e);
int util_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out,
		   const char *what, struct err *e);

/* Replace path with data durably (temp + fsync + rename + fsync dir). */
int util_write_file_atomic(const char *path, const void *data, size_t len,
			   struct err *e);

/*
 * Read a whole file of at most max bytes into a malloc'd NUL-terminated
 * buffer.  RC_NOT_FOUND if it does not exist, RC_TOO_LARGE if bigger.
 */
int util_read_file(const char *path, size_t max, char **out, size_t *len,
		   struct err *e);

/* mkdir -p for one directory level (parent must exist); ok if it exists. */
int util_mkdir(const char *path, struct err *e);

/*
 * Take an exclusive advisory lock on DIR/LOCK so that two daemons never
 * share a data dir; writes our pid into it.  *fd stays open while held.
 */
int util_lock_dir(const char *dir, const char *prog, int *fd, struct err *e);

/* ---- big-endian integers (every on-disk and on-wire layout) ----------- */

static inline void util_put_be32(unsigned char *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

static inline void util_put_be64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

static inline uint32_t util_get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t util_get_be64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

#endif
