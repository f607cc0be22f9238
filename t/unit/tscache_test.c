/*
 * tscache_test.c -- unit tests of libcommon/tscache.c.
 *
 * Fixed cases pin down keys, spans (bounds, +infinity, empty spans),
 * merging, eviction into the low water and reset.  The randomized test
 * (fixed seeds) replays random adds, resets and queries on several cache
 * shapes against a brute-force model holding every add: a get must never
 * answer less than the model's truth, nor more than the highest ts the
 * cache was given; with room for everything (no eviction, a huge bucket
 * array) key gets must be exact.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "tscache.h"

static struct tscache *mk(size_t buckets, size_t spans)
{
	struct tscache *c = NULL;
	struct err e;

	if (tscache_new(&c, buckets, spans, &e) != RC_OK)
		fail_msg("tscache_new: %s", e.msg);
	return c;
}

#define K(s)	(s), strlen(s)

/* ---- fixed cases ------------------------------------------------------ */

static void test_new_bad_args(void **state)
{
	struct tscache *c = NULL;
	struct err e;

	(void)state;
	assert_int_equal(tscache_new(&c, 0, 4, &e), RC_BAD_INPUT);
	assert_non_null(strstr(e.msg, "buckets"));
	assert_int_equal(tscache_new(&c, TSCACHE_BUCKETS_MAX + 1, 4, &e),
			 RC_BAD_INPUT);
	assert_int_equal(tscache_new(&c, 8, TSCACHE_SPANS_MAX + 1, &e),
			 RC_BAD_INPUT);
	assert_int_equal(tscache_new(NULL, 8, 4, &e), RC_BAD_INPUT);
	assert_null(c);
	assert_int_equal(tscache_new(&c, 3, 0, &e), RC_OK);	/* rounded */
	tscache_free(c);
	tscache_free(NULL);
}

static void test_keys(void **state)
{
	struct tscache *c = mk(1u << 16, 8);

	(void)state;
	assert_int_equal(tscache_low_water(c), 0);
	assert_int_equal(tscache_get_key(c, K("a")), 0);
	tscache_add_key(c, K("a"), 10);
	tscache_add_key(c, K("b"), 20);
	tscache_add_key(c, K("a"), 5);		/* lower: no change */
	tscache_add_key(c, "", 0, 7);		/* the empty key */
	tscache_add_key(c, "a\0", 2, 30);	/* binary */
	assert_int_equal(tscache_get_key(c, K("a")), 10);
	assert_int_equal(tscache_get_key(c, K("b")), 20);
	assert_int_equal(tscache_get_key(c, "", 0), 7);
	assert_int_equal(tscache_get_key(c, NULL, 0), 7);
	assert_int_equal(tscache_get_key(c, "a\0", 2), 30);
	assert_int_equal(tscache_get_key(c, K("c")), 0);
	tscache_add_key(c, K("a"), 15);
	assert_int_equal(tscache_get_key(c, K("a")), 15);
	/* A span query must cover point keys it cannot enumerate. */
	assert_true(tscache_get_span(c, K("a"), K("a\001")) >= 30);
	assert_int_equal(tscache_low_water(c), 0);
	tscache_free(c);

	/* One bucket: every key answers the max of all. */
	c = mk(1, 0);
	tscache_add_key(c, K("a"), 10);
	tscache_add_key(c, K("b"), 20);
	assert_int_equal(tscache_get_key(c, K("a")), 20);
	assert_int_equal(tscache_get_key(c, K("zzz")), 20);
	tscache_free(c);
}

static void test_spans(void **state)
{
	struct tscache *c = mk(1024, 8);

	(void)state;
	tscache_add_span(c, K("b"), K("d"), 10);
	assert_int_equal(tscache_get_key(c, K("a")), 0);
	assert_int_equal(tscache_get_key(c, K("b")), 10);	/* start in */
	assert_int_equal(tscache_get_key(c, K("c")), 10);
	assert_int_equal(tscache_get_key(c, K("czzz")), 10);
	assert_int_equal(tscache_get_key(c, K("d")), 0);	/* end out */
	assert_int_equal(tscache_get_key(c, "d\0", 2), 0);
	assert_int_equal(tscache_get_span(c, K("a"), K("b")), 0);
	assert_int_equal(tscache_get_span(c, K("a"), "b\0", 2), 10);
	assert_int_equal(tscache_get_span(c, K("c"), K("z")), 10);
	assert_int_equal(tscache_get_span(c, K("d"), K("z")), 0);
	assert_int_equal(tscache_get_span(c, K("d"), NULL, 0), 0);
	assert_int_equal(tscache_get_span(c, K("a"), NULL, 0), 10);
	assert_int_equal(tscache_get_span(c, NULL, 0, NULL, 0), 10);

	/* +infinity end. */
	tscache_add_span(c, K("x"), NULL, 0, 20);
	assert_int_equal(tscache_get_key(c, K("x")), 20);
	assert_int_equal(tscache_get_key(c, "\377\377\377", 3), 20);
	assert_int_equal(tscache_get_key(c, K("w")), 0);
	assert_int_equal(tscache_get_span(c, K("w"), K("x")), 0);
	assert_int_equal(tscache_get_span(c, K("w"), "x\0", 2), 20);
	assert_int_equal(tscache_get_span(c, K("z"), NULL, 0), 20);
	/* The whole keyspace. */
	tscache_add_span(c, "", 0, "", 0, 3);
	assert_int_equal(tscache_get_key(c, K("a")), 3);
	assert_int_equal(tscache_get_key(c, K("c")), 10);

	/* Empty spans record and overlap nothing. */
	tscache_add_span(c, K("m"), K("m"), 99);
	tscache_add_span(c, K("n"), K("m"), 99);
	assert_int_equal(tscache_get_key(c, K("m")), 3);
	assert_int_equal(tscache_get_span(c, K("c"), K("c")), 0);
	assert_int_equal(tscache_get_span(c, K("z"), K("a")), 0);
	assert_int_equal(tscache_low_water(c), 0);
	tscache_free(c);
}

static void test_merge_and_cover(void **state)
{
	struct tscache *c = mk(64, 1);	/* one span: any extra one evicts */

	(void)state;
	tscache_add_span(c, K("a"), K("b"), 5);
	tscache_add_span(c, K("a"), K("b"), 7);	/* identical: merges */
	assert_int_equal(tscache_low_water(c), 0);
	assert_int_equal(tscache_get_key(c, K("a")), 7);
	tscache_add_span(c, K("a"), K("b"), 6);	/* covered, lower */
	assert_int_equal(tscache_low_water(c), 0);
	assert_int_equal(tscache_get_key(c, K("a")), 7);
	tscache_add_span(c, K("aa"), K("ab"), 7);	/* covered, equal */
	assert_int_equal(tscache_low_water(c), 0);
	tscache_add_span(c, "", 0, K("c"), 9);	/* covers it, higher */
	assert_int_equal(tscache_low_water(c), 0);
	assert_int_equal(tscache_get_key(c, K("a")), 9);
	assert_int_equal(tscache_get_key(c, K("b")), 9);
	assert_int_equal(tscache_get_key(c, K("c")), 0);
	/* A covered span at a higher ts is not dropped: it evicts. */
	tscache_add_span(c, K("a"), K("b"), 12);
	assert_int_equal(tscache_low_water(c), 9);
	assert_int_equal(tscache_get_key(c, K("a")), 12);
	assert_int_equal(tscache_get_key(c, K("bb")), 9);
	assert_int_equal(tscache_get_key(c, K("zz")), 9);
	tscache_free(c);
}

static void test_eviction_low_water(void **state)
{
	struct tscache *c = mk(64, 2);

	(void)state;
	tscache_add_span(c, K("a"), K("b"), 5);
	tscache_add_span(c, K("c"), K("d"), 7);
	assert_int_equal(tscache_low_water(c), 0);
	tscache_add_span(c, K("e"), K("f"), 9);	/* evicts [a,b)@5 */
	assert_int_equal(tscache_low_water(c), 5);
	assert_int_equal(tscache_get_key(c, K("a")), 5);
	assert_int_equal(tscache_get_key(c, K("x")), 5);
	assert_int_equal(tscache_get_key(c, K("c")), 7);
	assert_int_equal(tscache_get_key(c, K("e")), 9);
	/* The newcomer is the lowest: it is folded, the others stay. */
	tscache_add_span(c, K("g"), K("h"), 6);
	assert_int_equal(tscache_low_water(c), 6);
	assert_int_equal(tscache_get_key(c, K("g")), 6);
	assert_int_equal(tscache_get_key(c, K("c")), 7);
	assert_int_equal(tscache_get_key(c, K("e")), 9);
	/* At or below the low water: nothing to remember. */
	tscache_add_span(c, K("p"), K("q"), 6);
	tscache_add_key(c, K("p"), 4);
	assert_int_equal(tscache_get_key(c, K("p")), 6);
	assert_int_equal(tscache_get_key(c, K("c")), 7);
	/* Keys never evict spans. */
	tscache_add_key(c, K("k"), 100);
	assert_int_equal(tscache_low_water(c), 6);
	assert_int_equal(tscache_get_key(c, K("k")), 100);
	tscache_free(c);

	/* No span room at all: every span goes to the low water. */
	c = mk(64, 0);
	tscache_add_span(c, K("a"), K("b"), 5);
	assert_int_equal(tscache_low_water(c), 5);
	assert_int_equal(tscache_get_key(c, K("zz")), 5);
	tscache_free(c);
}

static void test_reset(void **state)
{
	struct tscache *c = mk(256, 4);

	(void)state;
	tscache_add_key(c, K("a"), 500);
	tscache_add_span(c, K("b"), K("c"), 600);
	tscache_reset(c, 100);
	assert_int_equal(tscache_low_water(c), 100);
	assert_int_equal(tscache_get_key(c, K("a")), 100);
	assert_int_equal(tscache_get_key(c, K("b")), 100);
	assert_int_equal(tscache_get_span(c, NULL, 0, NULL, 0), 100);
	tscache_add_key(c, K("a"), 90);			/* below: ignored */
	tscache_add_span(c, K("a"), K("z"), 100);	/* equal: ignored */
	assert_int_equal(tscache_get_key(c, K("a")), 100);
	tscache_add_key(c, K("a"), 150);
	tscache_add_span(c, K("x"), K("y"), 160);
	assert_int_equal(tscache_get_key(c, K("a")), 150);
	assert_int_equal(tscache_get_key(c, K("b")), 100);
	assert_int_equal(tscache_get_key(c, K("x")), 160);
	/* A reset may also lower the low water: it forgets everything. */
	tscache_reset(c, 10);
	assert_int_equal(tscache_get_key(c, K("a")), 10);
	assert_int_equal(tscache_get_key(c, K("x")), 10);
	tscache_free(c);
}

static void test_misuse(void **state)
{
	struct tscache *c = mk(256, 4);

	(void)state;
	tscache_add_key(c, K("a"), 50);
	tscache_add_span(c, K("b"), K("c"), 60);
	/* NULL with a length: gets answer the top, adds fold. */
	assert_int_equal(tscache_get_key(c, NULL, 3), 60);
	assert_int_equal(tscache_get_span(c, NULL, 3, NULL, 0), 60);
	assert_int_equal(tscache_get_span(c, K("a"), NULL, 2), 60);
	tscache_add_key(c, NULL, 3, 70);
	assert_int_equal(tscache_low_water(c), 70);
	tscache_add_span(c, K("a"), NULL, 1, 80);
	assert_int_equal(tscache_low_water(c), 80);
	tscache_free(c);
}

/* ---- randomized against a brute-force model --------------------------- */

#define MAXADDS	4096

struct add {
	unsigned char s[3], e[3];
	size_t sl, el;		/* a key add: el == SIZE_MAX */
	uint64_t ts;
};

struct model {
	struct add a[MAXADDS];
	size_t n;
	uint64_t low;		/* set by the last reset */
	uint64_t top;		/* max ts given since the reset */
};

static int bcmp3(const unsigned char *a, size_t al, const unsigned char *b,
		 size_t bl)
{
	size_t n = al < bl ? al : bl;
	int c = n ? memcmp(a, b, n) : 0;

	if (c != 0)
		return c;
	return al < bl ? -1 : al > bl;
}

/* Is k in [s, e) (el 0: +infinity)? */
static int m_in(const unsigned char *k, size_t kl, const struct add *x)
{
	return bcmp3(x->s, x->sl, k, kl) <= 0 &&
	       (x->el == 0 || bcmp3(k, kl, x->e, x->el) < 0);
}

/* Truth for a key: every key add of it and every span add holding it. */
static uint64_t m_key(const struct model *m, const unsigned char *k,
		      size_t kl)
{
	uint64_t r = m->low;
	size_t i;

	for (i = 0; i < m->n; i++) {
		const struct add *x = &m->a[i];
		int hit = x->el == SIZE_MAX
			? bcmp3(x->s, x->sl, k, kl) == 0 : m_in(k, kl, x);

		if (hit && x->ts > r)
			r = x->ts;
	}
	return r;
}

/* Truth for a nonempty query span [qs, qe): overlapping adds. */
static uint64_t m_span(const struct model *m, const unsigned char *qs,
		       size_t qsl, const unsigned char *qe, size_t qel)
{
	struct add q;
	uint64_t r = m->low;
	size_t i;

	memcpy(q.s, qs, qsl);
	q.sl = qsl;
	memcpy(q.e, qe, qel);
	q.el = qel;
	for (i = 0; i < m->n; i++) {
		const struct add *x = &m->a[i];
		int hit;

		if (x->el == SIZE_MAX) {
			hit = m_in(x->s, x->sl, &q);
		} else {
			/* x.s < q.e and q.s < x.e */
			hit = (q.el == 0 || bcmp3(x->s, x->sl, q.e, q.el) < 0)
			      && (x->el == 0 ||
				  bcmp3(q.s, q.sl, x->e, x->el) < 0);
		}
		if (hit && x->ts > r)
			r = x->ts;
	}
	return r;
}

static const unsigned char alpha[4] = { 0x00, 'a', 'b', 0xFF };

static size_t rand_key(unsigned char *k)
{
	size_t n = (size_t)rand() % 4, i;

	for (i = 0; i < n; i++)
		k[i] = alpha[rand() % 4];
	return n;
}

struct shape {
	size_t buckets, spans;
	int exact;		/* nothing evicted, no collisions expected */
};

static void run_shape(const struct shape *sh, unsigned seed)
{
	static struct model m;
	struct tscache *c = mk(sh->buckets, sh->spans);
	int step, q;
	uint64_t clock = 1000;

	memset(&m, 0, sizeof(m));
	srand(seed);
	for (step = 0; step < 3000; step++) {
		int r = rand() % 100;
		struct add *x;
		uint64_t ts;

		/* Timestamps mostly rise, sometimes go back (old reads). */
		clock += (uint64_t)(rand() % 5);
		ts = clock - (uint64_t)(rand() % 8 == 0 ? rand() % 200 : 0);
		if (r == 0 && !sh->exact) {
			m.low = clock - (uint64_t)(rand() % 100);
			m.top = m.low;
			m.n = 0;
			tscache_reset(c, m.low);
			continue;
		}
		if (m.n == MAXADDS)
			continue;
		x = &m.a[m.n];
		x->sl = rand_key(x->s);
		x->ts = ts;
		if (r < 55) {
			x->el = SIZE_MAX;
			tscache_add_key(c, x->s, x->sl, ts);
		} else {
			x->el = rand() % 6 == 0 ? 0 : rand_key(x->e);
			tscache_add_span(c, x->s, x->sl, x->e, x->el, ts);
			if (x->el != 0 && bcmp3(x->s, x->sl, x->e, x->el) >= 0)
				continue;	/* empty: recorded nowhere */
		}
		m.n++;
		if (ts > m.top)
			m.top = ts;

		for (q = 0; q < 4; q++) {
			unsigned char k[3], e[3];
			size_t kl = rand_key(k), el;
			uint64_t got = tscache_get_key(c, k, kl);
			uint64_t want = m_key(&m, k, kl);

			if (got < want)
				fail_msg("seed %u step %d: key get %llu < "
					 "truth %llu", seed, step,
					 (unsigned long long)got,
					 (unsigned long long)want);
			assert_true(got <= (m.top > m.low ? m.top : m.low));
			if (sh->exact)
				assert_true(got == want);
			assert_true(got >= tscache_low_water(c));

			el = rand() % 5 == 0 ? 0 : rand_key(e);
			if (el != 0 && bcmp3(k, kl, e, el) >= 0)
				continue;
			got = tscache_get_span(c, k, kl, e, el);
			want = m_span(&m, k, kl, e, el);
			if (got < want)
				fail_msg("seed %u step %d: span get %llu < "
					 "truth %llu", seed, step,
					 (unsigned long long)got,
					 (unsigned long long)want);
			assert_true(got <= (m.top > m.low ? m.top : m.low));
		}
	}
	tscache_free(c);
}

/* Reads tagged with their reader: a transaction may write at its own
 * read's timestamp, nobody else may, and spans / the low water count. */
static void test_owner(void **state)
{
	struct tscache *c = mk(64, 4);
	int own;

	(void)state;
	tscache_reset(c, 100);
	tscache_add_key_owner(c, "a", 1, 500, 7);
	assert_int_equal(tscache_get_key_owner(c, "a", 1, 7, &own), 500);
	assert_int_equal(own, 1);
	assert_int_equal(tscache_get_key_owner(c, "a", 1, 8, &own), 500);
	assert_int_equal(own, 0);
	assert_int_equal(tscache_get_key_owner(c, "a", 1, 0, &own), 500);
	assert_int_equal(own, 0);
	/* a second reader at the same ts: nobody owns it */
	tscache_add_key_owner(c, "a", 1, 500, 8);
	tscache_get_key_owner(c, "a", 1, 7, &own);
	assert_int_equal(own, 0);
	/* a later read by another takes the bucket */
	tscache_add_key_owner(c, "b", 1, 600, 7);
	tscache_add_key_owner(c, "b", 1, 700, 9);
	assert_int_equal(tscache_get_key_owner(c, "b", 1, 7, &own), 700);
	assert_int_equal(own, 0);
	/* an earlier read by another does not */
	tscache_add_key_owner(c, "c", 1, 800, 7);
	tscache_add_key_owner(c, "c", 1, 650, 9);
	assert_int_equal(tscache_get_key_owner(c, "c", 1, 7, &own), 800);
	assert_int_equal(own, 1);
	/* a span at or above it over the key: not the owner's alone */
	tscache_add_span(c, "c", 1, "d", 1, 800);
	tscache_get_key_owner(c, "c", 1, 7, &own);
	assert_int_equal(own, 0);
	/* the low water is nobody's */
	tscache_reset(c, 1000);
	tscache_add_key_owner(c, "e", 1, 900, 7);
	assert_int_equal(tscache_get_key_owner(c, "e", 1, 7, &own), 1000);
	assert_int_equal(own, 0);
	tscache_free(c);
}

static void test_random_vs_model(void **state)
{
	static const struct shape shapes[] = {
		{ 1u << 20, 4096, 1 },	/* room for all: exact keys */
		{ 1, 0, 0 },		/* everything collides and folds */
		{ 4, 1, 0 },
		{ 16, 3, 0 },
		{ 1024, 16, 0 },
		{ 64, 64, 0 },
	};
	size_t i;
	unsigned seed;

	(void)state;
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		for (seed = 1; seed <= 3; seed++)
			run_shape(&shapes[i], (unsigned)(seed * 7919 + i));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_bad_args),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_spans),
		cmocka_unit_test(test_merge_and_cover),
		cmocka_unit_test(test_eviction_low_water),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_owner),
		cmocka_unit_test(test_random_vs_model),
	};

	return cmocka_run_group_tests_name("tscache", tests, NULL, NULL);
}
