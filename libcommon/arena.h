/*
 * arena.h -- region allocator: many small allocations, one free.
 *
 * A statement's parse tree, a row's temporary values and a query's
 * intermediate strings all die together, so they come from one arena and
 * are released by arena_reset() or arena_free() instead of one free() per
 * node (the memory-context idea of PostgreSQL, the Parse arena of SQLite).
 * Allocations are 16-byte aligned and zeroed.  An arena is not thread-safe:
 * one arena per statement or per thread.  Every function that allocates
 * returns NULL when memory runs out; nothing here aborts.
 * Tested in t/unit/arena_test.c.
 */
#ifndef RANGEDB_ARENA_H
#define RANGEDB_ARENA_H

#include <stddef.h>

struct arena;

/* A new empty arena; NULL when out of memory. */
struct arena *arena_new(void);
/* Free everything, the arena included.  NULL is fine. */
void arena_free(struct arena *a);
/* Forget every allocation but keep the first block for reuse. */
void arena_reset(struct arena *a);
/* n zeroed bytes, 16-byte aligned; NULL when out of memory or n is absurd. */
void *arena_alloc(struct arena *a, size_t n);
/* A NUL-terminated copy of p[0..n); NULL when out of memory. */
char *arena_strndup(struct arena *a, const char *p, size_t n);
/* A copy of p[0..n) (n may be 0: returns a valid pointer). */
void *arena_memdup(struct arena *a, const void *p, size_t n);
/* printf into the arena; NULL when out of memory. */
char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Bytes handed out since creation or the last reset (for limits). */
size_t arena_used(const struct arena *a);

#endif
