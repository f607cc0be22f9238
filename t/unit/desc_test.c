/*
 * desc_test.c -- unit tests for libcommon/desc.c (range descriptors).
 *
 * Covers desc_init's bound limit, desc_contains (inclusive start,
 * exclusive end, empty end = +infinity, prefixes, 0x00/0xff bytes, and a
 * seeded partition property: every key lies in exactly one range), the
 * exact JSON shape (UTF-8 keys as "start"/"end", anything else as
 * "start_b64"/"end_b64"), seeded JSON round trips, every rejection path of
 * desc_from_json/desc_decode (also with a NULL struct err), meta keys and
 * their order (the one-forward-seek lookup of desc.h is checked on random
 * partitions), desc_bytes_set/get, and desc_utf8_valid against a table of
 * edge cases and, on random bytes, against Jansson's own UTF-8 check.
 * Inputs are copied into exact-size heap buffers so that ASan catches any
 * read past the end.  The seed is fixed; DESC_TEST_SEED=<n> overrides it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "desc.h"

/* ---- helpers ----------------------------------------------------------- */

static uint64_t rng_state;

/* splitmix64: small, fast, and good enough for test data. */
static uint64_t rng(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static size_t rng_below(size_t n)
{
	return n == 0 ? 0 : (size_t)(rng() % n);
}

static uint64_t test_seed(void)
{
	const char *s = getenv("DESC_TEST_SEED");

	return s != NULL ? strtoull(s, NULL, 0) : UINT64_C(20240611);
}

static void seed_rng(void)
{
	rng_state = test_seed();
}

/* Exact-size heap copy, so ASan sees any read past n. */
static unsigned char *dup_exact(const void *p, size_t n)
{
	unsigned char *q = malloc(n > 0 ? n : 1);

	assert_non_null(q);
	if (n > 0)
		memcpy(q, p, n);
	return q;
}

static void hex(const void *p, size_t n, char *out, size_t cap)
{
	const unsigned char *s = p;
	size_t w = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && w + 3 < cap; i++)
		w += (size_t)snprintf(out + w, cap - w, "%02x", s[i]);
}

static int bytes_cmp(const void *a, size_t al, const void *b, size_t bl)
{
	size_t n = al < bl ? al : bl;
	int c = n ? memcmp(a, b, n) : 0;

	if (c != 0)
		return c < 0 ? -1 : 1;
	return al < bl ? -1 : al > bl;
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

/* desc_init that must succeed, plus replicas and generation. */
static void mk(struct desc *d, uint64_t id, const char *s, size_t sl,
	       const char *t, size_t tl, uint64_t gen, size_t nrep,
	       const uint64_t *reps)
{
	struct err e = { RC_OK, "" };

	assert_int_equal(desc_init(d, id, s, sl, t, tl, &e), RC_OK);
	d->generation = gen;
	d->n_replicas = nrep;
	for (size_t i = 0; i < nrep; i++)
		d->replicas[i] = reps[i];
}

static void assert_desc_equal(const struct desc *a, const struct desc *b)
{
	assert_int_equal(a->range_id, b->range_id);
	assert_int_equal(a->start_len, b->start_len);
	assert_memory_equal(a->start, b->start, a->start_len);
	assert_int_equal(a->end_len, b->end_len);
	assert_memory_equal(a->end, b->end, a->end_len);
	assert_int_equal(a->n_replicas, b->n_replicas);
	for (size_t i = 0; i < a->n_replicas; i++)
		assert_int_equal(a->replicas[i], b->replicas[i]);
	assert_int_equal(a->generation, b->generation);
}

/* encode -> decode and to_json -> from_json both give d back. */
static void roundtrip(const struct desc *d)
{
	struct desc back;
	struct err e = { RC_OK, "" };
	char *txt = NULL;
	size_t len = 0;
	json_t *j;

	assert_int_equal(desc_encode(d, &txt, &len, &e), RC_OK);
	assert_non_null(txt);
	assert_int_equal(len, strlen(txt));
	memset(&back, 0xa5, sizeof(back));
	if (desc_decode(txt, len, &back, &e) != RC_OK)
		fail_msg("decode of '%s' failed: %s", txt, e.msg);
	assert_desc_equal(d, &back);
	free(txt);

	j = desc_to_json(d);
	assert_non_null(j);
	memset(&back, 0x5a, sizeof(back));
	assert_int_equal(desc_from_json(j, &back, &e), RC_OK);
	assert_desc_equal(d, &back);
	json_decref(j);
}

/* ---- desc_init --------------------------------------------------------- */

static void test_init_bounds(void **state)
{
	static unsigned char big[DESC_BOUND_MAX + 1];
	struct desc d;
	struct err e = { RC_OK, "" };

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 7);

	/* Exactly DESC_BOUND_MAX on both sides fits, and init clears the
	 * rest of the struct. */
	memset(&d, 0xee, sizeof(d));
	assert_int_equal(desc_init(&d, 42, big, DESC_BOUND_MAX, big + 1,
				   DESC_BOUND_MAX, &e), RC_OK);
	assert_int_equal(d.range_id, 42);
	assert_int_equal(d.start_len, DESC_BOUND_MAX);
	assert_memory_equal(d.start, big, DESC_BOUND_MAX);
	assert_int_equal(d.end_len, DESC_BOUND_MAX);
	assert_memory_equal(d.end, big + 1, DESC_BOUND_MAX);
	assert_int_equal(d.n_replicas, 0);
	assert_int_equal(d.generation, 0);

	/* Empty bounds may come as NULL pointers. */
	assert_int_equal(desc_init(&d, 1, NULL, 0, NULL, 0, &e), RC_OK);
	assert_int_equal(d.start_len, 0);
	assert_int_equal(d.end_len, 0);

	/* One byte more is refused on either side, with or without e. */
	assert_int_equal(desc_init(&d, 1, big, DESC_BOUND_MAX + 1, "z", 1,
				   &e), RC_TOO_LARGE);
	assert_int_equal(e.code, RC_TOO_LARGE);
	assert_non_null(strstr(e.msg, "1024"));
	e.code = RC_OK;
	e.msg[0] = '\0';
	assert_int_equal(desc_init(&d, 1, "a", 1, big, DESC_BOUND_MAX + 1,
				   &e), RC_TOO_LARGE);
	assert_int_equal(e.code, RC_TOO_LARGE);
	assert_true(e.msg[0] != '\0');
	assert_int_equal(desc_init(&d, 1, big, DESC_BOUND_MAX + 1, NULL, 0,
				   NULL), RC_TOO_LARGE);
	assert_int_equal(desc_init(&d, 1, big, SIZE_MAX, NULL, 0, NULL),
			 RC_TOO_LARGE);
}

/* ---- desc_contains ----------------------------------------------------- */

struct kcase {
	const char *k;
	size_t n;
	int in;
};

#define K(s, in) { s, sizeof(s) - 1, in }

static void check_contains(const struct desc *d, const struct kcase *c,
			   size_t nc)
{
	char hk[64];

	for (size_t i = 0; i < nc; i++) {
		unsigned char *k = dup_exact(c[i].k, c[i].n);
		int got = desc_contains(d, k, c[i].n);

		free(k);
		if (got != c[i].in) {
			hex(c[i].k, c[i].n, hk, sizeof(hk));
			fail_msg("case %zu: key %s: contains %d, want %d", i,
				 hk, got, c[i].in);
		}
	}
}

static void test_contains_bounds(void **state)
{
	static const struct kcase c[] = {
		K("", 0), K("a", 0), K("a\xff", 0), K("b", 0), K("b\x00", 0),
		K("b`\xff", 0), K("ba", 1), K("ba\x00", 1), K("bb", 1),
		K("b\xff", 1), K("c", 1),
		K("cz\xff\xff", 1), K("d", 1), K("dz", 1),
		K("e", 0), K("e\x00", 0), K("f", 0), K("\xff", 0),
	};
	struct desc d;

	mk(&d, 2, "ba", 2, "e", 1, 0, 0, NULL);
	check_contains(&d, c, sizeof(c) / sizeof(c[0]));
}

static void test_contains_infinity(void **state)
{
	static const struct kcase tail[] = {
		K("", 0), K("l", 0), K("lzzzz", 0), K("m", 1), K("m\x00", 1),
		K("z", 1), K("\x7f", 1), K("\x80", 1), K("\xff", 1),
		K("\xff\xff\xff\xff\xff\xff\xff\xff", 1),
	};
	static const struct kcase all[] = {
		K("", 1), K("\x00", 1), K("a", 1), K("\xff\xff", 1),
	};
	static const struct kcase head[] = {
		K("", 1), K("\x00", 1), K("\x00\xff", 1), K("a", 1),
		K("l\xff\xff", 1), K("m", 0), K("m\x00", 0), K("\xff", 0),
	};
	struct desc d;

	mk(&d, 3, "m", 1, "", 0, 0, 0, NULL);
	check_contains(&d, tail, sizeof(tail) / sizeof(tail[0]));
	mk(&d, 1, "", 0, "", 0, 0, 0, NULL);
	check_contains(&d, all, sizeof(all) / sizeof(all[0]));
	mk(&d, 1, "", 0, "m", 1, 0, 0, NULL);
	check_contains(&d, head, sizeof(head) / sizeof(head[0]));
}

static void test_contains_prefix(void **state)
{
	/* [ab, abc): a key's own prefixes sort before it. */
	static const struct kcase c[] = {
		K("a", 0), K("a\xff", 0), K("ab", 1), K("ab\x00", 1),
		K("abb", 1), K("abb\xff\xff", 1), K("abc", 0),
		K("abc\x00", 0), K("ab\xff", 0), K("abd", 0), K("b", 0),
	};
	/* [abc, abcd) is not contained in [ab, abc) and vice versa. */
	static const struct kcase c2[] = {
		K("ab", 0), K("abb", 0), K("abc", 1), K("abc\x00", 1),
		K("abc\xff", 0), K("abcc", 1), K("abcd", 0), K("abd", 0),
	};
	struct desc d;

	mk(&d, 4, "ab", 2, "abc", 3, 0, 0, NULL);
	check_contains(&d, c, sizeof(c) / sizeof(c[0]));
	mk(&d, 5, "abc", 3, "abcd", 4, 0, 0, NULL);
	check_contains(&d, c2, sizeof(c2) / sizeof(c2[0]));
}

static void test_contains_binary(void **state)
{
	/* Bytes compare unsigned: 0x00 lowest, 0xff highest. */
	static const struct kcase zero[] = {
		K("", 0), K("\x00", 1), K("\x00\x00", 1),
		K("\x00\x00\x00\xff", 1), K("\x00\x00\x01", 0),
		K("\x00\x01", 0), K("\x01", 0),
	};
	static const struct kcase ff[] = {
		K("\xfe\xff\xff", 0), K("\xff", 1), K("\xff\x00", 1),
		K("\xff\xfe\xff", 1), K("\xff\xff", 0), K("\xff\xff\x00", 0),
	};
	static const struct kcase high[] = {
		K("\x7f", 0), K("\x7f\xff", 0), K("\x80", 1), K("\xc3\xa9", 1),
	};
	struct desc d;

	mk(&d, 6, "\x00", 1, "\x00\x00\x01", 3, 0, 0, NULL);
	check_contains(&d, zero, sizeof(zero) / sizeof(zero[0]));
	mk(&d, 7, "\xff", 1, "\xff\xff", 2, 0, 0, NULL);
	check_contains(&d, ff, sizeof(ff) / sizeof(ff[0]));
	mk(&d, 8, "\x80", 1, "", 0, 0, 0, NULL);
	check_contains(&d, high, sizeof(high) / sizeof(high[0]));
}

/* ---- random partitions of the keyspace --------------------------------- */

#define PART_MAX 24
#define RKEY_MAX 6

struct rkey {
	unsigned char b[RKEY_MAX];
	size_t n;
};

/* Short keys over a tiny alphabet, so that collisions and prefixes are
 * common. */
static void rkey(struct rkey *k)
{
	static const unsigned char alpha[] = { 0x00, 0x01, 'a', 'b',
					       0x7f, 0x80, 0xfe, 0xff };

	k->n = rng_below(RKEY_MAX + 1);
	for (size_t i = 0; i < k->n; i++)
		k->b[i] = alpha[rng_below(sizeof(alpha))];
}

static int rkey_cmp(const void *a, const void *b)
{
	const struct rkey *x = a, *y = b;

	return bytes_cmp(x->b, x->n, y->b, y->n);
}

/* Split points s[0] < ... < s[n-1], all non-empty; ranges are
 * ["", s0), [s0, s1), ..., [s(n-1), "").  Returns the range count. */
static size_t partition(struct desc *r)
{
	struct rkey s[PART_MAX];
	size_t n = 0, want = rng_below(PART_MAX);

	for (size_t i = 0; i < want; i++) {
		rkey(&s[n]);
		if (s[n].n > 0)
			n++;
	}
	qsort(s, n, sizeof(s[0]), rkey_cmp);
	/* drop duplicates */
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (m == 0 || rkey_cmp(&s[m - 1], &s[i]) != 0)
			s[m++] = s[i];
	for (size_t i = 0; i <= m; i++) {
		const unsigned char *a = i ? s[i - 1].b : NULL;
		const unsigned char *b = i < m ? s[i].b : NULL;

		mk(&r[i], i + 1, (const char *)a, i ? s[i - 1].n : 0,
		   (const char *)b, i < m ? s[i].n : 0, 1, 0, NULL);
	}
	return m + 1;
}

static void test_contains_partition(void **state)
{
	struct desc r[PART_MAX + 1];
	char hk[32];

	seed_rng();
	for (int round = 0; round < 300; round++) {
		size_t nr = partition(r);

		for (int t = 0; t < 200; t++) {
			struct rkey k;
			unsigned char *kb;
			size_t hits = 0;

			rkey(&k);
			kb = dup_exact(k.b, k.n);
			for (size_t i = 0; i < nr; i++)
				hits += (size_t)desc_contains(&r[i], kb, k.n);
			free(kb);
			if (hits != 1) {
				hex(k.b, k.n, hk, sizeof(hk));
				fail_msg("seed %" PRIu64 " round %d: key %s in "
					 "%zu of %zu ranges", test_seed(),
					 round, hk, hits, nr);
			}
		}
	}
}

/* ---- desc_has_replica -------------------------------------------------- */

static void test_has_replica(void **state)
{
	static const uint64_t reps[] = { 1, 2, 3, UINT64_MAX };
	uint64_t all[DESC_MAX_REPLICAS];
	struct desc d;

	mk(&d, 1, "", 0, "", 0, 0, 0, NULL);
	assert_false(desc_has_replica(&d, 0));
	assert_false(desc_has_replica(&d, 1));

	mk(&d, 1, "", 0, "", 0, 0, 3, reps);
	d.replicas[3] = 9;	/* beyond n_replicas: not a replica */
	assert_true(desc_has_replica(&d, 1));
	assert_true(desc_has_replica(&d, 2));
	assert_true(desc_has_replica(&d, 3));
	assert_false(desc_has_replica(&d, 0));
	assert_false(desc_has_replica(&d, 4));
	assert_false(desc_has_replica(&d, 9));
	assert_false(desc_has_replica(&d, UINT64_MAX));

	mk(&d, 1, "", 0, "", 0, 0, 4, reps);
	assert_true(desc_has_replica(&d, UINT64_MAX));

	for (size_t i = 0; i < DESC_MAX_REPLICAS; i++)
		all[i] = 100 + i;
	mk(&d, 1, "", 0, "", 0, 0, DESC_MAX_REPLICAS, all);
	assert_true(desc_has_replica(&d, 100));
	assert_true(desc_has_replica(&d, 100 + DESC_MAX_REPLICAS - 1));
	assert_false(desc_has_replica(&d, 100 + DESC_MAX_REPLICAS));
	assert_false(desc_has_replica(&d, 99));
}

/* ---- JSON shape -------------------------------------------------------- */

/* d's JSON must equal the JSON text want, field for field. */
static void check_json(const struct desc *d, const char *want)
{
	json_error_t je;
	json_t *w = json_loads(want, 0, &je), *got, *parsed;
	char *txt = NULL, *gs;
	size_t len = 0;
	struct err e = { RC_OK, "" };

	if (w == NULL)
		fail_msg("bad expected JSON '%s': %s", want, je.text);
	got = desc_to_json(d);
	assert_non_null(got);
	if (!json_equal(got, w)) {
		gs = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
		fail_msg("to_json gave %s, want %s", gs, want);
	}
	/* desc_encode is the same object, compact, NUL-terminated. */
	assert_int_equal(desc_encode(d, &txt, &len, &e), RC_OK);
	assert_int_equal(strlen(txt), len);
	assert_null(strchr(txt, '\n'));
	assert_null(strstr(txt, ", "));
	parsed = json_loadb(txt, len, 0, &je);
	assert_non_null(parsed);
	if (!json_equal(parsed, w))
		fail_msg("encode gave %s, want %s", txt, want);
	free(txt);
	/* len may be NULL */
	assert_int_equal(desc_encode(d, &txt, NULL, &e), RC_OK);
	assert_non_null(txt);
	free(txt);
	json_decref(parsed);
	json_decref(got);
	json_decref(w);
	roundtrip(d);
}

static void test_json_utf8(void **state)
{
	static const uint64_t reps[] = { 1, 2, 3 };
	struct desc d;

	/* The example of desc.h. */
	mk(&d, 7, "k0500", 5, "k0750", 5, 4, 3, reps);
	check_json(&d, "{\"range_id\":7,\"start\":\"k0500\",\"end\":\"k0750\","
		   "\"replicas\":[1,2,3],\"generation\":4}");

	/* Multi-byte UTF-8 (2, 3 and 4 bytes) stays a plain string. */
	mk(&d, 9, "cl\xc3\xa9", 4, "\xe6\x97\xa5\xf0\x9f\x98\x80", 7, 0, 0,
	   NULL);
	check_json(&d, "{\"range_id\":9,\"start\":\"cl\\u00e9\","
		   "\"end\":\"\\u65e5\\ud83d\\ude00\",\"replicas\":[],"
		   "\"generation\":0}");

	/* First range: empty start; last range: empty end. */
	mk(&d, 1, "", 0, "", 0, 0, 1, reps);
	check_json(&d, "{\"range_id\":1,\"start\":\"\",\"end\":\"\","
		   "\"replicas\":[1],\"generation\":0}");

	/* Control characters other than NUL are valid UTF-8 too. */
	mk(&d, 2, "\x01", 1, "\x7f", 1, 1, 0, NULL);
	check_json(&d, "{\"range_id\":2,\"start\":\"\\u0001\","
		   "\"end\":\"\\u007f\",\"replicas\":[],\"generation\":1}");
}

static void test_json_binary(void **state)
{
	static const uint64_t reps[] = { 5, 6 };
	struct desc d;

	/* NUL in start, 0xff in end: both base64. */
	mk(&d, 11, "a\x00" "b", 3, "\xff\xfe", 2, 8, 2, reps);
	check_json(&d, "{\"range_id\":11,\"start_b64\":\"YQBi\","
		   "\"end_b64\":\"//4=\",\"replicas\":[5,6],"
		   "\"generation\":8}");

	/* Mixed: only the non-UTF-8 side changes shape. */
	mk(&d, 12, "k1", 2, "\xc3(", 2, 1, 0, NULL);
	check_json(&d, "{\"range_id\":12,\"start\":\"k1\","
		   "\"end_b64\":\"wyg=\",\"replicas\":[],\"generation\":1}");
	mk(&d, 13, "\x00", 1, "", 0, 1, 0, NULL);
	check_json(&d, "{\"range_id\":13,\"start_b64\":\"AA==\","
		   "\"end\":\"\",\"replicas\":[],\"generation\":1}");

	/* Overlong, surrogate and truncated sequences are binary. */
	mk(&d, 14, "\xc0\x80", 2, "\xed\xa0\x80", 3, 1, 0, NULL);
	check_json(&d, "{\"range_id\":14,\"start_b64\":\"wIA=\","
		   "\"end_b64\":\"7aCA\",\"replicas\":[],\"generation\":1}");
	mk(&d, 15, "\xe2\x82", 2, "\xf0", 1, 1, 0, NULL);
	check_json(&d, "{\"range_id\":15,\"start_b64\":\"4oI=\","
		   "\"end_b64\":\"8A==\",\"replicas\":[],\"generation\":1}");
}

static void test_json_limits(void **state)
{
	static unsigned char big[DESC_BOUND_MAX];
	uint64_t reps[DESC_MAX_REPLICAS];
	struct desc d;

	for (size_t i = 0; i < DESC_MAX_REPLICAS; i++)
		reps[i] = (uint64_t)INT64_MAX - i;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(255 - i % 256);
	big[0] = 0x00;
	/* Longest keys, most replicas, largest ids JSON can carry. */
	mk(&d, (uint64_t)INT64_MAX, (const char *)big, DESC_BOUND_MAX,
	   "\xff\xff\xff\xff", 4, (uint64_t)INT64_MAX, DESC_MAX_REPLICAS,
	   reps);
	roundtrip(&d);
	memset(big, 'x', sizeof(big));
	mk(&d, 1, "", 0, (const char *)big, DESC_BOUND_MAX, 0,
	   DESC_MAX_REPLICAS, reps);
	roundtrip(&d);
}

/* A random key for round trips: ASCII, UTF-8 or raw bytes. */
static size_t rbound(unsigned char *b, size_t cap)
{
	static const char *const utf8[] = {
		"a", "z", "\xc3\xa9", "\xe6\x97\xa5", "\xf0\x9f\x98\x80",
		"\x7f", "\x01", "/",
	};
	size_t n = 0, want = rng_below(8) == 0 ? rng_below(cap + 1)
					       : rng_below(24);
	int kind = (int)rng_below(3);

	while (n < want) {
		if (kind == 2) {
			b[n++] = (unsigned char)rng();
		} else if (kind == 1) {
			const char *s = utf8[rng_below(8)];
			size_t l = strlen(s);

			if (n + l > want)
				break;
			memcpy(b + n, s, l);
			n += l;
		} else {
			b[n++] = (unsigned char)('0' + rng_below(75));
		}
	}
	return n;
}

static void test_json_roundtrip_property(void **state)
{
	static unsigned char a[DESC_BOUND_MAX], b[DESC_BOUND_MAX];
	uint64_t reps[DESC_MAX_REPLICAS];
	int plain = 0, b64 = 0;

	seed_rng();
	for (int i = 0; i < 3000; i++) {
		struct desc d;
		size_t al = rbound(a, DESC_BOUND_MAX);
		size_t bl = rbound(b, DESC_BOUND_MAX);
		size_t nr = rng_below(DESC_MAX_REPLICAS + 1);
		int c = bytes_cmp(a, al, b, bl);
		json_t *j;

		for (size_t r = 0; r < nr; r++)
			reps[r] = 1 + (rng() >> 1);
		if (c == 0 || rng_below(10) == 0)
			bl = 0;		/* last range */
		if (c > 0 && bl > 0)
			mk(&d, 1 + (rng() >> 1), (const char *)b, bl,
			   (const char *)a, al, rng() >> 1, nr, reps);
		else
			mk(&d, 1 + (rng() >> 1), (const char *)a, al,
			   (const char *)b, bl, rng() >> 1, nr, reps);
		roundtrip(&d);

		/* Shape: plain string iff valid UTF-8 without NUL. */
		j = desc_to_json(&d);
		assert_non_null(j);
		if (desc_utf8_valid(d.start, d.start_len)) {
			assert_non_null(json_object_get(j, "start"));
			assert_null(json_object_get(j, "start_b64"));
			plain++;
		} else {
			assert_null(json_object_get(j, "start"));
			assert_non_null(json_object_get(j, "start_b64"));
			b64++;
		}
		if (desc_utf8_valid(d.end, d.end_len)) {
			assert_non_null(json_object_get(j, "end"));
			assert_null(json_object_get(j, "end_b64"));
		} else {
			assert_null(json_object_get(j, "end"));
			assert_non_null(json_object_get(j, "end_b64"));
		}
		json_decref(j);
	}
	/* The generator must exercise both shapes. */
	assert_true(plain > 500);
	assert_true(b64 > 500);
}

/* ---- rejections -------------------------------------------------------- */

struct bad {
	const char *json;
	int rc;
	const char *field;	/* the message must mention this */
};

#define R17 "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]"
#define OK_REST "\"replicas\":[1],\"generation\":1"

static const struct bad bad_cases[] = {
	/* range_id */
	{ "{\"start\":\"a\",\"end\":\"b\"," OK_REST "}", RC_BAD_INPUT,
	  "range_id" },
	{ "{\"range_id\":-1,\"start\":\"a\",\"end\":\"b\"," OK_REST "}",
	  RC_BAD_INPUT, "range_id" },
	{ "{\"range_id\":0,\"start\":\"a\",\"end\":\"b\"," OK_REST "}",
	  RC_BAD_INPUT, "range_id" },
	{ "{\"range_id\":\"7\",\"start\":\"a\",\"end\":\"b\"," OK_REST "}",
	  RC_BAD_INPUT, "range_id" },
	{ "{\"range_id\":7.0,\"start\":\"a\",\"end\":\"b\"," OK_REST "}",
	  RC_BAD_INPUT, "range_id" },
	{ "{\"range_id\":null,\"start\":\"a\",\"end\":\"b\"," OK_REST "}",
	  RC_BAD_INPUT, "range_id" },
	/* generation */
	{ "{\"range_id\":7,\"start\":\"a\",\"end\":\"b\",\"replicas\":[1]}",
	  RC_BAD_INPUT, "generation" },
	{ "{\"range_id\":7,\"start\":\"a\",\"end\":\"b\",\"replicas\":[1],"
	  "\"generation\":-1}", RC_BAD_INPUT, "generation" },
	{ "{\"range_id\":7,\"start\":\"a\",\"end\":\"b\",\"replicas\":[1],"
	  "\"generation\":\"4\"}", RC_BAD_INPUT, "generation" },
	{ "{\"range_id\":7,\"start\":\"a\",\"end\":\"b\",\"replicas\":[1],"
	  "\"generation\":1.5}", RC_BAD_INPUT, "generation" },
	{ "{\"range_id\":7,\"start\":\"a\",\"end\":\"b\",\"replicas\":[1],"
	  "\"generation\":true}", RC_BAD_INPUT, "generation" },
	/* replicas */
	{ "{\"range_id\":7,\"start\":\"a\",\"end\":\"b\",\"generation\":1}",
	  RC_BAD_INPUT, "replicas" },
	{ "{\"range_id\":7,\"start\":\"a\",\"end\":\"b\",\"replicas\":{},"
	  "\"generation\":1}", RC_BAD_INPUT, "replicas" },
	{ "{\"range_id\":7,\"start\":\"a\",\"end\":\"b\",\"replicas\":1,"
	  "\"generation\":1}", RC_BAD_INPUT, "replicas" },
	{ "{\"range_id\":7,\"start\":\"a\",\"end\":\"b\",\"replicas\":\"1,2\","
	  "\"generation\":1}", RC_BAD_INPUT, "replicas" },
	{ "{\"range_id\":7,\"start\":\"a\",\"end\":\"b\",\"replicas\":" R17
	  ",\"generation\":1}", RC_BAD_INPUT, "replicas" },
	{ "{\"range_id\":7,\"start\":\"a\",\"end\":\"b\",\"replicas\":[0],"
	  "\"generation\":1}", RC_BAD_INPUT, "replicas[0]" },
	{ "{\"range_id\":7,\"start\":\"a\",\"end\":\"b\",\"replicas\":[1,-2],"
	  "\"generation\":1}", RC_BAD_INPUT, "replicas[1]" },
	{ "{\"range_id\":7,\"start\":\"a\",\"end\":\"b\",\"replicas\":[1,\"2\"],"
	  "\"generation\":1}", RC_BAD_INPUT, "replicas[1]" },
	{ "{\"range_id\":7,\"start\":\"a\",\"end\":\"b\",\"replicas\":[2.0],"
	  "\"generation\":1}", RC_BAD_INPUT, "replicas[0]" },
	{ "{\"range_id\":7,\"start\":\"a\",\"end\":\"b\",\"replicas\":[null],"
	  "\"generation\":1}", RC_BAD_INPUT, "replicas[0]" },
	{ "{\"range_id\":7,\"start\":\"a\",\"end\":\"b\",\"replicas\":[[1]],"
	  "\"generation\":1}", RC_BAD_INPUT, "replicas[0]" },
	/* start >= end */
	{ "{\"range_id\":7,\"start\":\"b\",\"end\":\"b\"," OK_REST "}",
	  RC_BAD_INPUT, "start" },
	{ "{\"range_id\":7,\"start\":\"b\",\"end\":\"a\"," OK_REST "}",
	  RC_BAD_INPUT, "start" },
	{ "{\"range_id\":7,\"start\":\"ab\",\"end\":\"a\"," OK_REST "}",
	  RC_BAD_INPUT, "start" },
	{ "{\"range_id\":7,\"start_b64\":\"/w==\",\"end_b64\":\"/w==\","
	  OK_REST "}", RC_BAD_INPUT, "start" },
	{ "{\"range_id\":7,\"start_b64\":\"/w==\",\"end\":\"a\"," OK_REST "}",
	  RC_BAD_INPUT, "start" },
	{ "{\"range_id\":7,\"start\":\"a\",\"end_b64\":\"AA==\"," OK_REST "}",
	  RC_BAD_INPUT, "start" },
	/* both spellings of one field */
	{ "{\"range_id\":7,\"start\":\"a\",\"start_b64\":\"YQ==\","
	  "\"end\":\"b\"," OK_REST "}", RC_BAD_INPUT, "start_b64" },
	{ "{\"range_id\":7,\"start\":\"a\",\"end\":\"b\",\"end_b64\":\"Yg==\","
	  OK_REST "}", RC_BAD_INPUT, "end_b64" },
	/* wrong types */
	{ "{\"range_id\":7,\"start\":5,\"end\":\"b\"," OK_REST "}",
	  RC_BAD_INPUT, "start" },
	{ "{\"range_id\":7,\"start\":null,\"end\":\"b\"," OK_REST "}",
	  RC_BAD_INPUT, "start" },
	{ "{\"range_id\":7,\"start\":\"a\",\"end\":[\"b\"]," OK_REST "}",
	  RC_BAD_INPUT, "end" },
	{ "{\"range_id\":7,\"start_b64\":5,\"end\":\"b\"," OK_REST "}",
	  RC_BAD_INPUT, "start_b64" },
	/* bad base64 */
	{ "{\"range_id\":7,\"start_b64\":\"!!!!\",\"end\":\"b\"," OK_REST "}",
	  RC_BAD_INPUT, "start_b64" },
	{ "{\"range_id\":7,\"start_b64\":\"YQ\",\"end\":\"b\"," OK_REST "}",
	  RC_BAD_INPUT, "start_b64" },
	{ "{\"range_id\":7,\"start_b64\":\"A===\",\"end\":\"b\"," OK_REST "}",
	  RC_BAD_INPUT, "start_b64" },
	{ "{\"range_id\":7,\"start_b64\":\"YQ=A\",\"end\":\"b\"," OK_REST "}",
	  RC_BAD_INPUT, "start_b64" },
	{ "{\"range_id\":7,\"start_b64\":\"YR==\",\"end\":\"b\"," OK_REST "}",
	  RC_BAD_INPUT, "start_b64" },
	{ "{\"range_id\":7,\"start\":\"a\",\"end_b64\":\"Y Q=\"," OK_REST "}",
	  RC_BAD_INPUT, "end_b64" },
	{ "{\"range_id\":7,\"start\":\"a\",\"end_b64\":\"YQ==YQ==\","
	  OK_REST "}", RC_BAD_INPUT, "end_b64" },
	/* not an object */
	{ "[]", RC_BAD_INPUT, "" },
	{ "[{\"range_id\":7,\"start\":\"a\",\"end\":\"b\"," OK_REST "}]",
	  RC_BAD_INPUT, "" },
	/* not JSON */
	{ "", RC_BAD_INPUT, "JSON" },
	{ "{", RC_BAD_INPUT, "JSON" },
	{ "{\"range_id\":7,\"start\":\"a\",\"end\":\"b\"," OK_REST,
	  RC_BAD_INPUT, "JSON" },
	{ "{\"range_id\":7,\"start\":\"a\",\"end\":\"b\"," OK_REST "} x",
	  RC_BAD_INPUT, "JSON" },
	{ "range 7", RC_BAD_INPUT, "JSON" },
	{ "{\"range_id\":7,\"start\":\"a\\u0000\",\"end\":\"b\"," OK_REST "}",
	  RC_BAD_INPUT, "JSON" },
	{ "{\"range_id\":7,\"start\":\"\xff\",\"end\":\"b\"," OK_REST "}",
	  RC_BAD_INPUT, "JSON" },
};

static void test_reject(void **state)
{
	size_t n = sizeof(bad_cases) / sizeof(bad_cases[0]);

	for (size_t i = 0; i < n; i++) {
		const struct bad *c = &bad_cases[i];
		size_t len = strlen(c->json);
		unsigned char *buf = dup_exact(c->json, len);
		struct err e = { RC_OK, "" };
		struct desc d;
		int rc = desc_decode(buf, len, &d, &e);

		free(buf);
		if (rc != c->rc || (int)e.code != c->rc)
			fail_msg("case %zu '%s': rc %d (e.code %d, '%s'), "
				 "want %d", i, c->json, rc, (int)e.code, e.msg,
				 c->rc);
		if (e.msg[0] == '\0' || strstr(e.msg, c->field) == NULL)
			fail_msg("case %zu '%s': message '%s' does not name "
				 "'%s'", i, c->json, e.msg, c->field);
	}
}

/* Non-objects handed straight to desc_from_json. */
static void test_reject_not_object(void **state)
{
	json_t *v[] = { json_array(), json_integer(5), json_string("x"),
			json_null(), json_true() };
	struct err e = { RC_OK, "" };
	struct desc d;

	assert_int_equal(desc_from_json(NULL, &d, &e), RC_BAD_INPUT);
	assert_int_equal(e.code, RC_BAD_INPUT);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		e.code = RC_OK;
		e.msg[0] = '\0';
		assert_non_null(v[i]);
		assert_int_equal(desc_from_json(v[i], &d, &e), RC_BAD_INPUT);
		assert_int_equal(e.code, RC_BAD_INPUT);
		assert_non_null(strstr(e.msg, "object"));
		assert_int_equal(desc_from_json(v[i], &d, NULL), RC_BAD_INPUT);
		json_decref(v[i]);
	}
}

/* desc_decode reads len bytes, not up to a NUL. */
static void test_decode_len(void **state)
{
	const char *txt = "{\"range_id\":7,\"start\":\"a\",\"end\":\"b\","
			  OK_REST "}garbage";
	size_t len = strlen(txt) - strlen("garbage");
	unsigned char *buf = dup_exact(txt, len);
	struct err e = { RC_OK, "" };
	struct desc d;

	assert_int_equal(desc_decode(buf, len, &d, &e), RC_OK);
	assert_int_equal(d.range_id, 7);
	assert_int_equal(desc_decode(buf, len - 1, &d, &e), RC_BAD_INPUT);
	assert_int_equal(desc_decode(buf, 0, &d, &e), RC_BAD_INPUT);
	free(buf);
	/* Unknown fields are ignored; generation 0 and no replicas are
	 * fine. */
	txt = "{\"range_id\":3,\"start\":\"\",\"end\":\"\",\"replicas\":[],"
	      "\"generation\":0,\"note\":\"x\"}";
	assert_int_equal(desc_decode(txt, strlen(txt), &d, &e), RC_OK);
	assert_int_equal(d.range_id, 3);
	assert_int_equal(d.start_len, 0);
	assert_int_equal(d.end_len, 0);
	assert_int_equal(d.n_replicas, 0);
	assert_int_equal(d.generation, 0);
}

/* A boundary over DESC_BOUND_MAX arriving as JSON. */
static void test_reject_long_bound(void **state)
{
	static unsigned char big[DESC_BOUND_MAX + 1];
	struct err e = { RC_OK, "" };
	struct desc d;
	json_t *j;

	memset(big, 0xff, sizeof(big));
	j = json_pack("{sI s[i] sI ss}", "range_id", (json_int_t)7,
		      "replicas", 1, "generation", (json_int_t)1, "end", "");
	assert_non_null(j);
	assert_int_equal(desc_bytes_set(j, "start", big, DESC_BOUND_MAX), 0);
	assert_int_equal(desc_from_json(j, &d, &e), RC_OK);
	assert_int_equal(d.start_len, DESC_BOUND_MAX);
	assert_int_equal(desc_bytes_set(j, "start", big, DESC_BOUND_MAX + 1),
			 0);
	assert_int_equal(desc_from_json(j, &d, &e), RC_TOO_LARGE);
	assert_int_equal(e.code, RC_TOO_LARGE);
	assert_non_null(strstr(e.msg, "descriptor"));
	json_decref(j);
}

/*
 * A missing "start" or "end" is a bad descriptor: desc.h promises
 * RC_BAD_INPUT naming the field, and RC_NOT_FOUND would become a 404 for
 * a request whose body is wrong.
 */
static void test_reject_missing_bound(void **state)
{
	static const char *const txt[] = {
		"{\"range_id\":7,\"end\":\"b\"," OK_REST "}",
		"{\"range_id\":7,\"start\":\"a\"," OK_REST "}",
	};
	static const char *const field[] = { "start", "end" };

	for (size_t i = 0; i < 2; i++) {
		struct err e = { RC_OK, "" };
		struct desc d;
		int rc = desc_decode(txt[i], strlen(txt[i]), &d, &e);

		assert_int_not_equal(rc, RC_OK);
		assert_non_null(strstr(e.msg, field[i]));
		if (rc != RC_BAD_INPUT)
			fail_msg("'%s': rc %s, want bad_input (%s)", txt[i],
				 rc_name(rc), e.msg);
	}
}

/*
 * "Passing NULL means I only want the code" (err.h): every rejection
 * must give the same code with e == NULL, and never RC_OK.
 */
static void test_reject_without_err(void **state)
{
	static const char no_start[] = "{\"range_id\":7,\"end\":\"b\","
				       OK_REST "}";
	static unsigned char big[DESC_BOUND_MAX + 1];
	size_t n = sizeof(bad_cases) / sizeof(bad_cases[0]);
	size_t failed = 0;
	struct desc d;
	json_t *j, *o;
	void *p;
	size_t pl;
	int rc;

	for (size_t i = 0; i < n; i++) {
		const struct bad *c = &bad_cases[i];

		rc = desc_decode(c->json, strlen(c->json), &d, NULL);
		if (rc != c->rc) {
			print_message("# case %zu '%s': rc %s with e == NULL, "
				      "want %s\n", i, c->json, rc_name(rc),
				      rc_name(c->rc));
			failed++;
		}
	}

	/* A missing bound must not come back RC_OK either. */
	rc = desc_decode(no_start, strlen(no_start), &d, NULL);
	if (rc == RC_OK) {
		print_message("# missing 'start': rc ok with e == NULL\n");
		failed++;
	}

	/* Too long a bound. */
	memset(big, 0xff, sizeof(big));
	j = json_pack("{sI s[i] sI ss}", "range_id", (json_int_t)7,
		      "replicas", 1, "generation", (json_int_t)1, "end", "");
	assert_non_null(j);
	assert_int_equal(desc_bytes_set(j, "start", big, sizeof(big)), 0);
	rc = desc_from_json(j, &d, NULL);
	if (rc != RC_TOO_LARGE) {
		print_message("# start of %zu bytes: rc %s with e == NULL, "
			      "want too_large\n", sizeof(big), rc_name(rc));
		failed++;
	}
	json_decref(j);

	/* desc_bytes_get on bad base64. */
	o = json_pack("{ss}", "k_b64", "!!!!");
	assert_non_null(o);
	rc = desc_bytes_get(o, "k", &p, &pl, NULL);
	free(p);
	if (rc != RC_BAD_INPUT) {
		print_message("# desc_bytes_get of bad base64: rc %s with "
			      "e == NULL, want bad_input\n", rc_name(rc));
		failed++;
	}
	json_decref(o);

	if (failed > 0)
		fail_msg("%zu rejection(s) lost their code with e == NULL",
			 failed);
}

/* ---- meta keys --------------------------------------------------------- */

static void check_meta(const char *end, size_t elen, const char *want,
		       size_t wlen)
{
	struct desc d;
	struct err e = { RC_OK, "" };
	unsigned char *k = NULL;
	size_t kl = 0;

	mk(&d, 5, "", 0, end, elen, 0, 0, NULL);
	assert_int_equal(desc_meta_key(&d, &k, &kl, &e), RC_OK);
	assert_non_null(k);
	assert_int_equal(kl, wlen);
	assert_memory_equal(k, want, wlen);
	free(k);
}

static void test_meta_key(void **state)
{
	static unsigned char big[DESC_BOUND_MAX];
	unsigned char want[DESC_BOUND_MAX + 2];

	check_meta("k0750", 5, "\x01" "dk0750", 7);
	check_meta("", 0, DESC_META_LAST, 2);
	check_meta("\x00", 1, "\x01" "d\x00", 3);
	check_meta("\xff\xff", 2, "\x01" "d\xff\xff", 4);
	check_meta("a\x00" "b", 3, DESC_META_PREFIX "a\x00" "b", 5);
	memset(big, 0xab, sizeof(big));
	memcpy(want, DESC_META_PREFIX, 2);
	memcpy(want + 2, big, sizeof(big));
	check_meta((const char *)big, sizeof(big), (const char *)want,
		   sizeof(want));

	/* The meta keys live in the meta span [0x01, 0x02) and in the
	 * order counter < descriptors < last < end. */
	assert_int_equal(strlen(DESC_META_PREFIX), 2);
	assert_int_equal(strlen(DESC_META_LAST), 2);
	assert_true(memcmp(DESC_META_COUNTER, DESC_META_PREFIX, 2) < 0);
	assert_true(memcmp(DESC_META_PREFIX, DESC_META_LAST, 2) < 0);
	assert_true(memcmp(DESC_META_LAST, DESC_META_END, 2) < 0);
	assert_int_equal(DESC_META_COUNTER[0], 0x01);
	assert_int_equal(DESC_META_END[0], 0x01);
}

static void test_meta_order(void **state)
{
	static unsigned char a[DESC_BOUND_MAX], b[DESC_BOUND_MAX];
	unsigned char *ka, *kb, *kl;
	size_t kal, kbl, kll;
	struct desc da, db, last;
	struct err e = { RC_OK, "" };
	static const unsigned char hi[] = { 0xff, 0xff, 0xff, 0xff };

	seed_rng();
	mk(&last, 9, "", 0, "", 0, 0, 0, NULL);
	assert_int_equal(desc_meta_key(&last, &kl, &kll, &e), RC_OK);
	for (int i = 0; i < 5000; i++) {
		size_t al = rbound(a, DESC_BOUND_MAX);
		size_t bl = rbound(b, DESC_BOUND_MAX);

		if (al == 0)
			a[al++] = 0x00;
		if (bl == 0)
			b[bl++] = 0xff;
		mk(&da, 1, "", 0, (const char *)a, al, 0, 0, NULL);
		mk(&db, 2, "", 0, (const char *)b, bl, 0, 0, NULL);
		assert_int_equal(desc_meta_key(&da, &ka, &kal, &e), RC_OK);
		assert_int_equal(desc_meta_key(&db, &kb, &kbl, &e), RC_OK);
		assert_int_equal(sign(bytes_cmp(ka, kal, kb, kbl)),
				 sign(bytes_cmp(a, al, b, bl)));
		assert_true(bytes_cmp(ka, kal, kl, kll) < 0);
		assert_true(bytes_cmp(kb, kbl, kl, kll) < 0);
		free(ka);
		free(kb);
	}
	/* Even the highest end key sorts below LAST. */
	mk(&da, 1, "", 0, (const char *)hi, sizeof(hi), 0, 0, NULL);
	assert_int_equal(desc_meta_key(&da, &ka, &kal, &e), RC_OK);
	assert_true(bytes_cmp(ka, kal, kl, kll) < 0);
	assert_true(bytes_cmp(ka, kal, DESC_META_END, 2) < 0);
	assert_true(bytes_cmp(DESC_META_COUNTER, 2, ka, kal) < 0);
	free(ka);
	free(kl);
}

/* The lookup desc.h describes: the range holding K is the first meta
 * record above DESC_META_PREFIX + K. */
static void test_meta_lookup(void **state)
{
	struct desc r[PART_MAX + 1];
	unsigned char *mkey[PART_MAX + 1];
	size_t mlen[PART_MAX + 1];
	struct err e = { RC_OK, "" };
	char hk[32];

	seed_rng();
	for (int round = 0; round < 300; round++) {
		size_t nr = partition(r);

		for (size_t i = 0; i < nr; i++) {
			assert_int_equal(desc_meta_key(&r[i], &mkey[i],
						       &mlen[i], &e), RC_OK);
			/* partition() builds ranges in key order */
			if (i > 0)
				assert_true(bytes_cmp(mkey[i - 1], mlen[i - 1],
						      mkey[i], mlen[i]) < 0);
		}
		for (int t = 0; t < 200; t++) {
			unsigned char probe[2 + RKEY_MAX];
			struct rkey k;
			size_t i;

			rkey(&k);
			memcpy(probe, DESC_META_PREFIX, 2);
			memcpy(probe + 2, k.b, k.n);
			for (i = 0; i < nr; i++)
				if (bytes_cmp(mkey[i], mlen[i], probe,
					      2 + k.n) > 0)
					break;
			if (i == nr || !desc_contains(&r[i], k.b, k.n)) {
				hex(k.b, k.n, hk, sizeof(hk));
				fail_msg("seed %" PRIu64 " round %d: key %s "
					 "looked up to range %zu of %zu",
					 test_seed(), round, hk, i, nr);
			}
		}
		for (size_t i = 0; i < nr; i++)
			free(mkey[i]);
	}
}

/* ---- desc_bytes_set / desc_bytes_get ------------------------------------ */

static void check_bytes(const void *v, size_t n, int want_plain)
{
	json_t *o = json_object();
	struct err e = { RC_OK, "" };
	void *p = NULL;
	size_t pl = 99;

	assert_non_null(o);
	assert_int_equal(desc_bytes_set(o, "k", v, n), 0);
	assert_int_equal(json_object_size(o), 1);
	if (want_plain) {
		json_t *s = json_object_get(o, "k");

		assert_true(json_is_string(s));
		assert_int_equal(json_string_length(s), n);
		assert_memory_equal(json_string_value(s), n ? v : "", n);
	} else {
		assert_true(json_is_string(json_object_get(o, "k_b64")));
	}
	assert_int_equal(desc_bytes_get(o, "k", &p, &pl, &e), RC_OK);
	assert_non_null(p);
	assert_int_equal(pl, n);
	assert_memory_equal(p, n ? v : "", n);
	assert_int_equal(((unsigned char *)p)[n], '\0');
	free(p);
	json_decref(o);
}

static void test_bytes_set_get(void **state)
{
	check_bytes("hello", 5, 1);
	check_bytes("", 0, 1);
	check_bytes(NULL, 0, 1);
	check_bytes("\xc3\xa9t\xc3\xa9", 5, 1);
	check_bytes("\xf0\x9f\x98\x80", 4, 1);
	check_bytes("\x00", 1, 0);
	check_bytes("a\x00", 2, 0);
	check_bytes("\xff", 1, 0);
	check_bytes("\x80\x81\x82", 3, 0);
	check_bytes("\xed\xb0\x80", 3, 0);

	/* Exact encoding of the base64 side. */
	json_t *o = json_object();

	assert_int_equal(desc_bytes_set(o, "value", "\x00\x01\x02", 3), 0);
	assert_string_equal(json_string_value(json_object_get(o,
				"value_b64")), "AAEC");
	assert_null(json_object_get(o, "value"));
	json_decref(o);
}

static void test_bytes_get_errors(void **state)
{
	struct err e = { RC_OK, "" };
	void *p = (void *)&e;
	size_t n = 77;
	json_t *o;

	/* Absent: RC_NOT_FOUND, *p NULL, *n 0, message names the field. */
	o = json_pack("{ss}", "other", "x");
	assert_non_null(o);
	assert_int_equal(desc_bytes_get(o, "k", &p, &n, &e), RC_NOT_FOUND);
	assert_null(p);
	assert_int_equal(n, 0);
	assert_int_equal(e.code, RC_NOT_FOUND);
	assert_non_null(strstr(e.msg, "'k'"));
	assert_int_equal(desc_bytes_get(o, "k", &p, &n, NULL), RC_NOT_FOUND);
	assert_null(p);
	json_decref(o);

	/* Both spellings. */
	o = json_pack("{ss ss}", "k", "a", "k_b64", "YQ==");
	assert_int_equal(desc_bytes_get(o, "k", &p, &n, &e), RC_BAD_INPUT);
	assert_null(p);
	assert_non_null(strstr(e.msg, "'k'"));
	assert_non_null(strstr(e.msg, "'k_b64'"));
	json_decref(o);

	/* Wrong types. */
	o = json_pack("{si}", "k", 1);
	assert_int_equal(desc_bytes_get(o, "k", &p, &n, &e), RC_BAD_INPUT);
	assert_null(p);
	assert_non_null(strstr(e.msg, "'k'"));
	json_decref(o);
	o = json_pack("{sn}", "k_b64");
	assert_int_equal(desc_bytes_get(o, "k", &p, &n, &e), RC_BAD_INPUT);
	assert_null(p);
	assert_non_null(strstr(e.msg, "'k_b64'"));
	json_decref(o);

	/* Bad base64: the message names the field and the problem. */
	static const char *const b64[] = { "!!!!", "YQ", "YQ=", "A===",
					   "YQ=A", "YR==", "YQ==YQ==",
					   "Y\nQ=" };
	for (size_t i = 0; i < sizeof(b64) / sizeof(b64[0]); i++) {
		o = json_pack("{ss}", "k_b64", b64[i]);
		e.code = RC_OK;
		e.msg[0] = '\0';
		if (desc_bytes_get(o, "k", &p, &n, &e) != RC_BAD_INPUT)
			fail_msg("base64 '%s' accepted", b64[i]);
		assert_null(p);
		assert_int_equal(e.code, RC_BAD_INPUT);
		assert_non_null(strstr(e.msg, "'k_b64'"));
		json_decref(o);
	}

	/* Empty base64 is the empty string. */
	o = json_pack("{ss}", "k_b64", "");
	assert_int_equal(desc_bytes_get(o, "k", &p, &n, &e), RC_OK);
	assert_non_null(p);
	assert_int_equal(n, 0);
	assert_int_equal(*(char *)p, '\0');
	free(p);
	json_decref(o);
}

/*
 * desc_bytes_set writes obj[name "_b64"] for any field name (desc.h); a
 * long name must not be cut silently (it is built in a 64-byte buffer).
 */
/* A field name too long for its "_b64" twin is refused, never cut. */
static void test_bytes_long_name(void **state)
{
	char name[101];
	struct err e = { RC_OK, "" };
	json_t *o = json_object();
	void *p = NULL;
	size_t n = 0;

	(void)state;
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_non_null(o);
	assert_int_equal(desc_bytes_set(o, name, "\xff", 1), -1);
	assert_int_equal(desc_bytes_set(o, name, "ok", 2), -1);
	assert_int_equal(json_object_size(o), 0);
	assert_int_equal(desc_bytes_get(o, name, &p, &n, &e), RC_BAD_INPUT);
	assert_null(p);
	assert_non_null(strstr(e.msg, "too long"));
	/* a name that fits still works */
	name[40] = '\0';
	assert_int_equal(desc_bytes_set(o, name, "\xff", 1), 0);
	assert_int_equal(desc_bytes_get(o, name, &p, &n, &e), RC_OK);
	assert_int_equal(n, 1);
	free(p);
	json_decref(o);
}

/* ---- desc_utf8_valid --------------------------------------------------- */

struct ucase {
	const char *s;
	size_t n;
	int ok;
};

#define U(s, ok) { s, sizeof(s) - 1, ok }

static void test_utf8_table(void **state)
{
	static const struct ucase c[] = {
		U("", 1), U("a", 1), U("\x01\x7f", 1), U("hello world", 1),
		/* boundaries of each length */
		U("\xc2\x80", 1), U("\xdf\xbf", 1),
		U("\xe0\xa0\x80", 1), U("\xef\xbf\xbf", 1),
		U("\xed\x9f\xbf", 1), U("\xee\x80\x80", 1),
		U("\xf0\x90\x80\x80", 1), U("\xf4\x8f\xbf\xbf", 1),
		U("\xf0\x9f\x98\x80 ok", 1),
		/* NUL, anywhere */
		U("\x00", 0), U("a\x00", 0), U("\x00" "a", 0),
		U("\xc3\xa9\x00", 0),
		/* overlong */
		U("\xc0\x80", 0), U("\xc0\xaf", 0), U("\xc1\xbf", 0),
		U("\xe0\x80\x80", 0), U("\xe0\x9f\xbf", 0),
		U("\xf0\x80\x80\x80", 0), U("\xf0\x8f\xbf\xbf", 0),
		/* surrogates, alone and paired (CESU-8) */
		U("\xed\xa0\x80", 0), U("\xed\xaf\xbf", 0),
		U("\xed\xb0\x80", 0), U("\xed\xbf\xbf", 0),
		U("\xed\xa0\xbd\xed\xb8\x80", 0),
		/* above U+10FFFF, and bytes never used */
		U("\xf4\x90\x80\x80", 0), U("\xf5\x80\x80\x80", 0),
		U("\xf7\xbf\xbf\xbf", 0), U("\xf8\x88\x80\x80\x80", 0),
		U("\xfc\x84\x80\x80\x80\x80", 0), U("\xfe", 0), U("\xff", 0),
		/* stray continuation bytes */
		U("\x80", 0), U("\xbf", 0), U("a\x80", 0),
		U("\xc2\x80\x80", 0), U("\xe2\x82\xac\xac", 0),
		/* truncated sequences, at the end and in the middle */
		U("\xc2", 0), U("\xe2\x82", 0), U("\xe2", 0),
		U("\xf0\x9f\x98", 0), U("\xf0\x9f", 0), U("\xf0", 0),
		U("a\xe2\x82", 0), U("\xc2" "a", 0), U("\xe2\x82" "a", 0),
		U("\xf0\x9f\x98" "a", 0), U("\xe2\x28\xa1", 0),
		U("\xc2\xc2\x80", 0),
	};
	char hk[64];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		unsigned char *p = dup_exact(c[i].s, c[i].n);
		int got = desc_utf8_valid(p, c[i].n);

		free(p);
		if (got != c[i].ok) {
			hex(c[i].s, c[i].n, hk, sizeof(hk));
			fail_msg("case %zu (%s): valid %d, want %d", i, hk,
				 got, c[i].ok);
		}
	}
	/* Only n bytes count. */
	assert_true(desc_utf8_valid("ab\x00", 2));
	assert_true(desc_utf8_valid("a\xff", 1));
	assert_false(desc_utf8_valid("\xc3\xa9", 1));
	assert_true(desc_utf8_valid(NULL, 0));
}

/* On random bytes, desc_utf8_valid agrees with Jansson (which refuses
 * invalid UTF-8 in json_stringn) plus the no-NUL rule. */
static void test_utf8_vs_jansson(void **state)
{
	static const unsigned char pick[] = {
		0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf,
		0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef,
		0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xf8, 0xfe, 0xff,
	};
	unsigned char buf[12];
	int valid = 0;

	seed_rng();
	for (int i = 0; i < 200000; i++) {
		size_t n = 1 + rng_below(sizeof(buf));
		unsigned char *p;
		json_t *s;
		int want, got;

		for (size_t k = 0; k < n; k++)
			buf[k] = rng_below(4) == 0 ? (unsigned char)rng()
						    : pick[rng_below(
							sizeof(pick))];
		p = dup_exact(buf, n);
		s = json_stringn((const char *)p, n);
		want = s != NULL && memchr(p, 0, n) == NULL;
		got = desc_utf8_valid(p, n);
		json_decref(s);
		free(p);
		if (got != want) {
			char hk[32];

			hex(buf, n, hk, sizeof(hk));
			fail_msg("seed %" PRIu64 ": %s: desc_utf8_valid %d, "
				 "jansson %d", test_seed(), hk, got, want);
		}
		valid += got;
	}
	/* The generator must exercise both answers. */
	assert_true(valid > 1000);
	assert_true(valid < 190000);
}

/* Membership changes move nodes between learners and replicas. */
static void test_apply_change(void **state)
{
	struct desc d, back;
	struct err e;
	char *txt = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(desc_init(&d, 7, "a", 1, "m", 1, &e), RC_OK);
	d.replicas[d.n_replicas++] = 1;
	d.replicas[d.n_replicas++] = 2;
	assert_int_equal(desc_apply_change(&d, 1, 4), 1);	/* learner */
	assert_int_equal(desc_apply_change(&d, 1, 4), 0);	/* again */
	assert_int_equal(desc_apply_change(&d, 1, 2), 0);	/* a voter */
	assert_true(desc_has_member(&d, 4));
	assert_false(desc_has_replica(&d, 4));
	/* learners round-trip through JSON; absent when none */
	assert_int_equal(desc_encode(&d, &txt, &len, &e), RC_OK);
	assert_non_null(strstr(txt, "\"learners\":[4]"));
	assert_int_equal(desc_decode(txt, len, &back, &e), RC_OK);
	assert_int_equal(back.n_learners, 1);
	assert_int_equal(back.learners[0], 4);
	free(txt);
	assert_int_equal(desc_apply_change(&d, 2, 4), 1);	/* promote */
	assert_true(desc_has_replica(&d, 4));
	assert_int_equal(d.n_learners, 0);
	assert_int_equal(d.n_replicas, 3);
	assert_int_equal(desc_apply_change(&d, 3, 1), 1);	/* remove */
	assert_int_equal(desc_apply_change(&d, 3, 1), 0);
	assert_false(desc_has_member(&d, 1));
	assert_int_equal(d.n_replicas, 2);
	assert_int_equal(d.replicas[0], 2);
	assert_int_equal(d.replicas[1], 4);
	assert_int_equal(desc_apply_change(&d, 9, 5), 0);	/* bad op */
	assert_int_equal(desc_encode(&d, &txt, &len, &e), RC_OK);
	assert_null(strstr(txt, "learners"));
	free(txt);
	/* a bad learners field is refused */
	assert_int_equal(desc_decode("{\"range_id\":1,\"start\":\"\","
				     "\"end\":\"\",\"replicas\":[1],"
				     "\"generation\":1,\"learners\":[0]}",
				     79, &back, &e), RC_BAD_INPUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_bounds),
		cmocka_unit_test(test_contains_bounds),
		cmocka_unit_test(test_contains_infinity),
		cmocka_unit_test(test_contains_prefix),
		cmocka_unit_test(test_contains_binary),
		cmocka_unit_test(test_contains_partition),
		cmocka_unit_test(test_has_replica),
		cmocka_unit_test(test_json_utf8),
		cmocka_unit_test(test_json_binary),
		cmocka_unit_test(test_json_limits),
		cmocka_unit_test(test_json_roundtrip_property),
		cmocka_unit_test(test_reject),
		cmocka_unit_test(test_reject_not_object),
		cmocka_unit_test(test_decode_len),
		cmocka_unit_test(test_reject_long_bound),
		cmocka_unit_test(test_reject_missing_bound),
		cmocka_unit_test(test_reject_without_err),
		cmocka_unit_test(test_meta_key),
		cmocka_unit_test(test_meta_order),
		cmocka_unit_test(test_meta_lookup),
		cmocka_unit_test(test_bytes_set_get),
		cmocka_unit_test(test_bytes_get_errors),
		cmocka_unit_test(test_bytes_long_name),
		cmocka_unit_test(test_apply_change),
		cmocka_unit_test(test_utf8_table),
		cmocka_unit_test(test_utf8_vs_jansson),
	};

	return cmocka_run_group_tests_name("desc", tests, NULL, NULL);
}
