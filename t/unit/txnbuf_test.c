/*
 * txnbuf_test.c -- unit tests for cmd/txcoord/txnbuf.c (a transaction's
 * write buffer and read set) and cmd/txcoord/txnwire.c (timestamps, ids,
 * error replies and keys of the transaction protocol's JSON).
 *
 * The buffer is checked against a brute-force model under seeded random
 * puts and deletes over keys with shared prefixes and 0x00/0xff bytes;
 * the span set by comparing, for random probe keys, membership before and
 * after normalization, and that normalized spans are sorted, disjoint and
 * not touching.  TXNBUF_TEST_SEED=<n> overrides the fixed seed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "keys.h"
#include "txnbuf.h"
#include "txnwire.h"

/* ---- helpers ------------------------------------------------------------ */

static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static void seed_rng(void)
{
	const char *s = getenv("TXNBUF_TEST_SEED");

	rng_state = s != NULL ? strtoull(s, NULL, 0) : UINT64_C(20261124);
}

/* A random key of 0..4 bytes from a small alphabet (prefixes collide). */
static size_t rand_key(unsigned char *k)
{
	static const unsigned char alpha[] = { 0x00, 0x01, 'a', 'b', 0xff };
	size_t n = (size_t)(rng() % 5);

	for (size_t i = 0; i < n; i++)
		k[i] = alpha[rng() % sizeof(alpha)];
	return n;
}

/* ---- the write buffer --------------------------------------------------- */

static void test_buf_basic(void **state)
{
	struct txnbuf b;
	const struct txnbuf_ent *en;

	(void)state;
	txnbuf_init(&b);
	assert_int_equal(txnbuf_put(&b, "b", 1, "2", 1, 0, NULL), RC_OK);
	assert_int_equal(txnbuf_put(&b, "a", 1, "1", 1, 0, NULL), RC_OK);
	assert_int_equal(txnbuf_put(&b, "ab", 2, NULL, 0, 1, NULL), RC_OK);
	assert_int_equal(txnbuf_put(&b, "", 0, "e", 1, 0, NULL), RC_OK);
	assert_int_equal(b.n, 4);
	assert_int_equal(b.v[0].klen, 0);
	assert_memory_equal(b.v[1].key, "a", 1);
	assert_memory_equal(b.v[2].key, "ab", 2);
	assert_memory_equal(b.v[3].key, "b", 1);
	assert_true(b.v[2].tombstone);
	assert_null(b.v[2].val);
	/* replace: the value and the byte count change, not the order */
	assert_int_equal(txnbuf_put(&b, "a", 1, "long", 4, 0, NULL), RC_OK);
	en = txnbuf_get(&b, "a", 1);
	assert_non_null(en);
	assert_int_equal(en->vlen, 4);
	assert_string_equal((char *)en->val, "long");	/* NUL-terminated */
	assert_int_equal(b.bytes, 0 + 1 + 1 + 4 + 2 + 0 + 1 + 1);
	assert_int_equal(txnbuf_put(&b, "a", 1, NULL, 0, 1, NULL), RC_OK);
	assert_true(txnbuf_get(&b, "a", 1)->tombstone);
	assert_int_equal(b.bytes, 1 + 1 + 2 + 1 + 1);
	assert_null(txnbuf_get(&b, "c", 1));
	assert_int_equal(txnbuf_seek(&b, "aa", 2), 2);
	assert_int_equal(txnbuf_seek(&b, "z", 1), 4);
	assert_int_equal(txnbuf_seek(&b, "", 0), 0);
	txnbuf_release(&b);
	assert_int_equal(b.n, 0);
	assert_null(b.v);
}

static void test_buf_limits(void **state)
{
	struct txnbuf b;
	struct err e;
	char *big = calloc(1, TXNBUF_MAX_BYTES);

	(void)state;
	assert_non_null(big);
	txnbuf_init(&b);
	assert_int_equal(txnbuf_put(&b, "k", 1, big, TXNBUF_MAX_BYTES, 0, &e),
			 RC_TOO_LARGE);
	assert_non_null(strstr(e.msg, "bytes"));
	assert_int_equal(b.n, 0);
	assert_int_equal(txnbuf_put(&b, "k", 1, big, TXNBUF_MAX_BYTES - 1, 0,
				    NULL), RC_OK);
	/* replacing frees the old size first */
	assert_int_equal(txnbuf_put(&b, "k", 1, big, TXNBUF_MAX_BYTES - 1, 0,
				    NULL), RC_OK);
	assert_int_equal(txnbuf_put(&b, "j", 1, "x", 1, 0, &e), RC_TOO_LARGE);
	assert_int_equal(b.n, 1);
	txnbuf_release(&b);
	for (unsigned i = 0; i < TXNBUF_MAX_KEYS; i++) {
		unsigned char k[4] = { (unsigned char)(i >> 24),
				       (unsigned char)(i >> 16),
				       (unsigned char)(i >> 8),
				       (unsigned char)i };

		assert_int_equal(txnbuf_put(&b, k, 4, NULL, 0, 1, NULL), RC_OK);
	}
	assert_int_equal(txnbuf_put(&b, "zzzzz", 5, NULL, 0, 1, &e),
			 RC_TOO_LARGE);
	assert_non_null(strstr(e.msg, "keys"));
	/* an existing key may still be written */
	assert_int_equal(txnbuf_put(&b, "\0\0\0\0", 4, "v", 1, 0, NULL),
			 RC_OK);
	txnbuf_release(&b);
	free(big);
}

struct model_ent {
	unsigned char key[4];
	size_t klen;
	int tomb;
	unsigned char val;
};

static void test_buf_random(void **state)
{
	struct model_ent m[1000];
	size_t nm = 0;
	struct txnbuf b;

	(void)state;
	seed_rng();
	txnbuf_init(&b);
	for (int step = 0; step < 3000; step++) {
		unsigned char k[4], v = (unsigned char)rng();
		size_t kl = rand_key(k), i;
		int tomb = rng() % 3 == 0;

		assert_int_equal(txnbuf_put(&b, k, kl, &v, 1, tomb, NULL),
				 RC_OK);
		for (i = 0; i < nm; i++)
			if (m[i].klen == kl && memcmp(m[i].key, k, kl) == 0)
				break;
		if (i == nm)
			nm++;
		memcpy(m[i].key, k, kl);
		m[i].klen = kl;
		m[i].tomb = tomb;
		m[i].val = v;
	}
	assert_int_equal(b.n, nm);
	for (size_t i = 1; i < b.n; i++)
		assert_true(keys_cmp(b.v[i - 1].key, b.v[i - 1].klen,
				     b.v[i].key, b.v[i].klen) < 0);
	for (size_t i = 0; i < nm; i++) {
		const struct txnbuf_ent *en = txnbuf_get(&b, m[i].key,
							 m[i].klen);

		assert_non_null(en);
		assert_int_equal(en->tombstone, m[i].tomb);
		if (!m[i].tomb) {
			assert_int_equal(en->vlen, 1);
			assert_int_equal(en->val[0], m[i].val);
		}
	}
	txnbuf_release(&b);
}

/* ---- the read set ------------------------------------------------------- */

/* 1 if key lies in some span of s. */
static int spans_cover(const struct txnspans *s, const void *key, size_t kl)
{
	for (size_t i = 0; i < s->n; i++)
		if (keys_cmp(key, kl, s->v[i].start, s->v[i].slen) >= 0 &&
		    (s->v[i].elen == 0 || keys_cmp(key, kl, s->v[i].end,
						   s->v[i].elen) < 0))
			return 1;
	return 0;
}

static void test_spans_basic(void **state)
{
	struct txnspans s;

	(void)state;
	txnspans_init(&s);
	assert_int_equal(txnspans_add_key(&s, "b", 1, NULL), RC_OK);
	assert_true(txnspan_is_point(&s.v[0]));
	assert_int_equal(txnspans_add(&s, "d", 1, "f", 1, NULL), RC_OK);
	assert_false(txnspan_is_point(&s.v[1]));
	assert_int_equal(txnspans_add(&s, "c", 1, "c", 1, NULL), RC_OK);
	assert_int_equal(s.n, 2);		/* an empty span is ignored */
	assert_int_equal(txnspans_add(&s, "f", 1, "g", 1, NULL), RC_OK);
	assert_int_equal(txnspans_add(&s, "a", 1, "b", 1, NULL), RC_OK);
	txnspans_normalize(&s);
	/* [a,b)+[b,b\0) touch; [d,f)+[f,g) touch */
	assert_int_equal(s.n, 2);
	assert_memory_equal(s.v[0].start, "a", 1);
	assert_int_equal(s.v[0].elen, 2);
	assert_memory_equal(s.v[0].end, "b\0", 2);
	assert_memory_equal(s.v[1].start, "d", 1);
	assert_memory_equal(s.v[1].end, "g", 1);
	assert_int_equal(txnspans_add(&s, "e", 1, "", 0, NULL), RC_OK);
	txnspans_normalize(&s);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.v[1].elen, 0);	/* to +infinity */
	assert_null(s.v[1].end);
	assert_true(spans_cover(&s, "zzz", 3));
	assert_false(spans_cover(&s, "c", 1));
	assert_int_equal(txnspan_end_cmp("a", 1, "", 0), -1);
	assert_int_equal(txnspan_end_cmp("", 0, "a", 1), 1);
	assert_int_equal(txnspan_end_cmp("", 0, "", 0), 0);
	txnspans_release(&s);
	assert_int_equal(s.n, 0);
}

static void test_spans_random(void **state)
{
	struct txnspans s;

	(void)state;
	seed_rng();
	for (int round = 0; round < 50; round++) {
		int cover[256];
		unsigned char probes[256][4];
		size_t plen[256];

		txnspans_init(&s);
		for (int i = 0; i < 200; i++) {
			unsigned char a[4], b[4];
			size_t al = rand_key(a), bl = rand_key(b);

			if (rng() % 4 == 0)
				assert_int_equal(txnspans_add_key(&s, a, al,
								  NULL), RC_OK);
			else
				assert_int_equal(txnspans_add(&s, a, al, b, bl,
							      NULL), RC_OK);
		}
		for (int i = 0; i < 256; i++) {
			plen[i] = rand_key(probes[i]);
			cover[i] = spans_cover(&s, probes[i], plen[i]);
		}
		txnspans_normalize(&s);
		for (int i = 0; i < 256; i++)
			assert_int_equal(spans_cover(&s, probes[i], plen[i]),
					 cover[i]);
		for (size_t i = 0; i < s.n; i++) {
			assert_true(s.v[i].elen == 0 ||
				    keys_cmp(s.v[i].start, s.v[i].slen,
					     s.v[i].end, s.v[i].elen) < 0);
			if (i > 0)	/* disjoint and not touching */
				assert_true(s.v[i - 1].elen > 0 &&
					    keys_cmp(s.v[i - 1].end,
						     s.v[i - 1].elen,
						     s.v[i].start,
						     s.v[i].slen) < 0);
		}
		txnspans_release(&s);
	}
}

static void test_spans_growth(void **state)
{
	struct txnspans s;

	(void)state;
	txnspans_init(&s);
	/* rereading one key does not grow the set without bound */
	for (int i = 0; i < 100000; i++)
		assert_int_equal(txnspans_add_key(&s, "k", 1, NULL), RC_OK);
	assert_true(s.n < 100);
	txnspans_normalize(&s);
	assert_int_equal(s.n, 1);
	txnspans_release(&s);
}

/* ---- the wire helpers --------------------------------------------------- */

static void test_wire_ts(void **state)
{
	json_t *j = json_object();
	uint64_t ts = 0;
	struct err e;

	(void)state;
	assert_int_equal(txnwire_ts_set(j, "ts", UINT64_C(116453003345920001)),
			 0);
	assert_string_equal(json_string_value(json_object_get(j, "ts")),
			    "116453003345920001");
	assert_int_equal(txnwire_ts_get(j, "ts", &ts, NULL), RC_OK);
	assert_true(ts == UINT64_C(116453003345920001));
	assert_int_equal(txnwire_ts_set(j, "max", UINT64_MAX), 0);
	assert_int_equal(txnwire_ts_get(j, "max", &ts, NULL), RC_OK);
	assert_true(ts == UINT64_MAX);
	json_object_set_new(j, "i", json_integer(42));
	assert_int_equal(txnwire_ts_get(j, "i", &ts, NULL), RC_OK);
	assert_true(ts == 42);
	assert_int_equal(txnwire_ts_get(j, "none", &ts, &e), RC_NOT_FOUND);
	json_object_set_new(j, "neg", json_integer(-1));
	assert_int_equal(txnwire_ts_get(j, "neg", &ts, &e), RC_BAD_INPUT);
	json_object_set_new(j, "bad", json_string("12x"));
	assert_int_equal(txnwire_ts_get(j, "bad", &ts, &e), RC_BAD_INPUT);
	json_object_set_new(j, "real", json_real(1.0));
	assert_int_equal(txnwire_ts_get(j, "real", &ts, &e), RC_BAD_INPUT);
	assert_non_null(strstr(e.msg, "real"));
	json_decref(j);
}

static void test_wire_id(void **state)
{
	unsigned char id[16], back[16];
	char hex[33];
	json_t *j;
	struct err e;

	(void)state;
	for (int i = 0; i < 16; i++)
		id[i] = (unsigned char)(i * 17 + 3);
	txnwire_id_hex(id, hex);
	assert_string_equal(hex, "031425364758697a8b9cadbecfe0f102");
	assert_int_equal(txnwire_id_parse(hex, back), 0);
	assert_memory_equal(id, back, 16);
	assert_int_equal(txnwire_id_parse("031425364758697A8B9CADBECFE0F102",
					  back), 0);
	assert_memory_equal(id, back, 16);
	assert_int_equal(txnwire_id_parse("0314", back), -1);
	assert_int_equal(txnwire_id_parse("g31425364758697a8b9cadbecfe0f102",
					  back), -1);
	assert_int_equal(txnwire_id_parse(NULL, back), -1);
	j = json_pack("{s:o, s:s, s:i}", "a", txnwire_id_json(id), "b", "xy",
		      "c", 1);
	assert_int_equal(txnwire_id_get(j, "a", back, NULL), RC_OK);
	assert_memory_equal(id, back, 16);
	assert_int_equal(txnwire_id_get(j, "b", back, &e), RC_BAD_INPUT);
	assert_non_null(strstr(e.msg, "'b'"));
	assert_int_equal(txnwire_id_get(j, "c", back, &e), RC_BAD_INPUT);
	assert_int_equal(txnwire_id_get(j, "d", back, &e), RC_BAD_INPUT);
	json_decref(j);
}

static void test_wire_errors_and_keys(void **state)
{
	json_t *j = json_pack("{s:{s:s, s:s}}", "error", "code", "locked",
			      "message", "key 'a' is locked");
	char buf[TXNWIRE_KEY_TEXT], small[10];

	(void)state;
	assert_string_equal(txnwire_error_code(j), "locked");
	assert_string_equal(txnwire_error_msg(j), "key 'a' is locked");
	assert_string_equal(txnwire_error_code(NULL), "");
	json_decref(j);
	j = json_pack("{s:i}", "error", 3);
	assert_string_equal(txnwire_error_msg(j), "");
	json_decref(j);
	assert_string_equal(txnwire_key_text("abc", 3, buf, sizeof(buf)),
			    "abc");
	assert_string_equal(txnwire_key_text("a\0\\\xff", 4, buf,
					     sizeof(buf)), "a\\x00\\x5c\\xff");
	assert_string_equal(txnwire_key_text("", 0, buf, sizeof(buf)), "");
	/* cut with "...", never mid-escape, always NUL-terminated */
	assert_string_equal(txnwire_key_text("abcdefghij", 10, small,
					     sizeof(small)), "abcdef...");
	assert_string_equal(txnwire_key_text("abcdefghi", 9, small,
					     sizeof(small)), "abcdefghi");
	assert_string_equal(txnwire_key_text("ab\x01\x02\x03", 5, small,
					     sizeof(small)), "ab\\x01...");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_basic),
		cmocka_unit_test(test_buf_limits),
		cmocka_unit_test(test_buf_random),
		cmocka_unit_test(test_spans_basic),
		cmocka_unit_test(test_spans_random),
		cmocka_unit_test(test_spans_growth),
		cmocka_unit_test(test_wire_ts),
		cmocka_unit_test(test_wire_id),
		cmocka_unit_test(test_wire_errors_and_keys),
	};

	return cmocka_run_group_tests_name("txnbuf", tests, NULL, NULL);
}
