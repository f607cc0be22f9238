/*
 * arena.c -- region allocator (see arena.h).
 *
 * Blocks are chained; a request larger than a quarter of the block size
 * gets a block of its own, so big values do not waste the tail of the
 * current block.  arena_reset() keeps the first block only.
 */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK	(32 * 1024)
#define ARENA_ALIGN	16

struct arena_block {
	struct arena_block *next;
	size_t cap;
	size_t used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena {
	struct arena_block *head;	/* current block, newest first */
	size_t total;
};

static struct arena_block *arena_block_new(size_t cap)
{
	struct arena_block *b;

	if (cap > SIZE_MAX - sizeof(*b))
		return NULL;
	b = malloc(sizeof(*b) + cap);
	if (b == NULL)
		return NULL;
	b->next = NULL;
	b->cap = cap;
	b->used = 0;
	return b;
}

struct arena *arena_new(void)
{
	struct arena *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->head = arena_block_new(ARENA_BLOCK);
	if (a->head == NULL) {
		free(a);
		return NULL;
	}
	return a;
}

void arena_free(struct arena *a)
{
	struct arena_block *b, *next;

	if (a == NULL)
		return;
	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

void arena_reset(struct arena *a)
{
	struct arena_block *b, *next, *first = NULL;

	/* The oldest block is the last one in the chain. */
	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		if (next == NULL)
			first = b;
		else
			free(b);
	}
	first->used = 0;
	first->next = NULL;
	a->head = first;
	a->total = 0;
}

void *arena_alloc(struct arena *a, size_t n)
{
	struct arena_block *b = a->head, *nb;
	size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	void *p;

	if (n == 0)
		need = ARENA_ALIGN;
	if (need < n)
		return NULL;
	if (b->cap - b->used < need) {
		if (need > ARENA_BLOCK / 4) {
			/* A block of its own, linked behind the current one. */
			nb = arena_block_new(need);
			if (nb == NULL)
				return NULL;
			nb->used = need;
			nb->next = b->next;
			b->next = nb;
			a->total += need;
			memset(nb->data, 0, need);
			return nb->data;
		}
		nb = arena_block_new(ARENA_BLOCK);
		if (nb == NULL)
			return NULL;
		nb->next = b;
		a->head = b = nb;
	}
	p = b->data + b->used;
	b->used += need;
	a->total += need;
	memset(p, 0, need);
	return p;
}

char *arena_strndup(struct arena *a, const char *p, size_t n)
{
	char *s;

	if (n == SIZE_MAX)
		return NULL;
	s = arena_alloc(a, n + 1);
	if (s == NULL)
		return NULL;
	if (n > 0)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

void *arena_memdup(struct arena *a, const void *p, size_t n)
{
	void *d = arena_alloc(a, n);

	if (d != NULL && n > 0)
		memcpy(d, p, n);
	return d;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *s;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	s = arena_alloc(a, (size_t)n + 1);
	if (s == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

size_t arena_used(const struct arena *a)
{
	return a->total;
}
