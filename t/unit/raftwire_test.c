/*
 * raftwire_test.c -- unit tests for libcommon/raftwire.c: base64 vectors,
 * the exact JSON of a message, u64 extremes, every rejection path with
 * its message, the limits, a seeded random round-trip property test and
 * a seeded mutation test (hostile batches must decode to an error or to
 * a valid batch, never crash or leak: run it under ASan).
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

#include "jx.h"
#include "raft.h"
#include "raftwire.h"

/* ---- helpers ----------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * UINT64_C(2685821657736338717);
}

static size_t rnd_below(size_t n)
{
	return n == 0 ? 0 : (size_t)(rnd() % n);
}

static void assert_msg_equal(const struct raft_msg *a,
			     const struct raft_msg *b)
{
	assert_int_equal(a->type, b->type);
	assert_true(a->group == b->group);
	assert_true(a->from == b->from);
	assert_true(a->to == b->to);
	assert_true(a->term == b->term);
	assert_true(a->index == b->index);
	assert_true(a->log_term == b->log_term);
	assert_true(a->commit == b->commit);
	assert_true(a->hint == b->hint);
	assert_true(a->context == b->context);
	assert_int_equal(!!a->reject, !!b->reject);
	assert_int_equal(a->n_entries, b->n_entries);
	for (size_t i = 0; i < a->n_entries; i++) {
		const struct raft_entry *x = &a->entries[i];
		const struct raft_entry *y = &b->entries[i];

		assert_true(x->term == y->term);
		assert_true(x->index == y->index);
		assert_int_equal(x->type, y->type);
		assert_int_equal(x->len, y->len);
		if (x->len > 0)
			assert_memory_equal(x->data, y->data, x->len);
	}
	assert_true(a->snapshot.index == b->snapshot.index);
	assert_true(a->snapshot.term == b->snapshot.term);
	assert_int_equal(a->snapshot.conf.n, b->snapshot.conf.n);
	for (size_t i = 0; i < a->snapshot.conf.n; i++) {
		assert_true(a->snapshot.conf.m[i].id ==
			    b->snapshot.conf.m[i].id);
		assert_int_equal(!!a->snapshot.conf.m[i].learner,
				 !!b->snapshot.conf.m[i].learner);
	}
	assert_int_equal(a->snapshot.len, b->snapshot.len);
	if (a->snapshot.len > 0)
		assert_memory_equal(a->snapshot.data, b->snapshot.data,
				    a->snapshot.len);
}

/* json -> text -> json, as the wire does */
static json_t *through_text(const json_t *j)
{
	char *s;
	size_t n;
	json_t *k;
	struct err e;

	assert_int_equal(jx_dump(j, &s, &n, &e), RC_OK);
	assert_int_equal(jx_parse(s, n, &k, &e), RC_OK);
	free(s);
	return k;
}

static char *dump(const json_t *j)
{
	char *s;
	struct err e;

	assert_int_equal(jx_dump(j, &s, NULL, &e), RC_OK);
	return s;
}

static json_t *parse(const char *s)
{
	json_t *j;
	struct err e;

	if (jx_parse(s, strlen(s), &j, &e) != RC_OK)
		fail_msg("test JSON does not parse: %s: %s", e.msg, s);
	return j;
}

/* decode one message from JSON text; returns rc, fills e */
static int decode_text(const char *s, struct raft_msg *m, struct err *e)
{
	json_t *j = parse(s);
	int rc = raftwire_decode_msg(j, m, e);

	json_decref(j);
	return rc;
}

/* expect an error whose message contains want */
static void decode_fails(const char *s, int rc, const char *want)
{
	struct raft_msg m;
	struct err e;

	memset(&m, 0x5a, sizeof(m));
	err_clear(&e);
	if (decode_text(s, &m, &e) != rc)
		fail_msg("'%s' did not fail with %s: '%s'", s, rc_name(rc),
			 e.msg);
	if (strstr(e.msg, want) == NULL)
		fail_msg("'%s': message '%s' lacks '%s'", s, e.msg, want);
	assert_null(m.entries);
	assert_int_equal(m.n_entries, 0);
	assert_null(m.snapshot.data);
	assert_int_equal(m.type, 0);
}

static void roundtrip(const struct raft_msg *m)
{
	struct raft_msg d;
	struct err e;
	json_t *j, *k;

	assert_int_equal(raftwire_encode_msg(m, &j, &e), RC_OK);
	k = through_text(j);
	if (raftwire_decode_msg(k, &d, &e) != RC_OK)
		fail_msg("decode after encode: %s", e.msg);
	assert_msg_equal(m, &d);
	raftwire_msg_release(&d);
	json_decref(j);
	json_decref(k);
}

/* ---- base64 ------------------------------------------------------------ */

static void test_base64_vectors(void **state)
{
	static const char *const vec[][2] = {	/* RFC 4648 section 10 */
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" },
		{ "foo", "Zm9v" }, { "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	static const struct {
		const char *in;
		const char *why;
	} bad[] = {
		{ "Zg=", "length 3 is not a multiple of 4" },
		{ "Zg", "length 2 is not a multiple of 4" },
		{ "Zm9vY", "length 5 is not a multiple of 4" },
		{ "Zm9!", "invalid character at offset 3" },
		{ "Zm 9", "invalid character at offset 2" },
		{ "Zm9v\nZm9v", "length 9" },
		{ "-_8A", "invalid character at offset 0" },
		{ "Zm8_", "invalid character at offset 3" },
		{ "Zh==", "non-zero trailing bits" },
		{ "Zm9=", "non-zero trailing bits" },
		{ "Zm/=", "non-zero trailing bits" },
		{ "Z===", "misplaced padding" },
		{ "====", "misplaced padding" },
		{ "Zm=v", "misplaced padding" },
		{ "Zg==Zm9v", "misplaced padding" },
		{ "Zm9v=Zg=", "misplaced padding" },
		{ "\xc3\xa9" "AA", "invalid character at offset 0" },
	};
	unsigned char all[256], *d;
	char *s;
	size_t n;
	void *out;
	struct err e;

	(void)state;
	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		size_t len = strlen(vec[i][0]);

		assert_int_equal(raftwire_base64_encode(vec[i][0], len, &s,
							&n, &e), RC_OK);
		assert_string_equal(s, vec[i][1]);
		assert_int_equal(n, strlen(vec[i][1]));
		free(s);
		assert_int_equal(raftwire_base64_decode(vec[i][1],
							strlen(vec[i][1]),
							&out, &n, &e), RC_OK);
		assert_int_equal(n, len);
		if (len == 0)
			assert_null(out);
		else
			assert_memory_equal(out, vec[i][0], len);
		free(out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		out = (void *)1;
		err_clear(&e);
		if (raftwire_base64_decode(bad[i].in, strlen(bad[i].in), &out,
					   &n, &e) != RC_BAD_INPUT)
			fail_msg("base64 '%s' accepted", bad[i].in);
		assert_null(out);
		assert_int_equal(n, 0);
		if (strstr(e.msg, bad[i].why) == NULL)
			fail_msg("base64 '%s': '%s' lacks '%s'", bad[i].in,
				 e.msg, bad[i].why);
	}
	/* a NUL inside the given length is a bad character, not an end */
	assert_int_equal(raftwire_base64_decode("Zg\0=", 4, &out, &n, &e),
			 RC_BAD_INPUT);
	assert_string_equal(e.msg, "invalid character at offset 2");
	/* every byte value, every length 0..256, and the canonical check */
	for (size_t i = 0; i < 256; i++)
		all[i] = (unsigned char)(255 - i);
	for (size_t len = 0; len <= 256; len++) {
		assert_int_equal(raftwire_base64_encode(all, len, &s, &n, &e),
				 RC_OK);
		assert_int_equal(n, (len + 2) / 3 * 4);
		assert_int_equal(raftwire_base64_decode(s, n, &out, &n, &e),
				 RC_OK);
		assert_int_equal(n, len);
		if (len > 0)
			assert_memory_equal(out, all, len);
		free(out);
		free(s);
	}
	/* each of the 64 symbols decodes to its value */
	for (int v = 0; v < 64; v++) {
		static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"abcdefghijklmnopqrstuvwxyz0123456789+/";
		char q[5] = { a[v], 'A', 'A', 'A', 0 };

		assert_int_equal(raftwire_base64_decode(q, 4, &out, &n, &e),
				 RC_OK);
		d = out;
		assert_int_equal(n, 3);
		assert_int_equal(d[0], v << 2);
		free(out);
	}
}

/* ---- exact JSON and every message type ---------------------------------- */

static void test_exact_json(void **state)
{
	struct raft_entry ents[2] = {
		{ .term = 3, .index = 42, .type = RAFT_ENTRY_NORMAL,
		  .data = "hello", .len = 5 },
		{ .term = 3, .index = 43, .type = RAFT_ENTRY_CONF,
		  .data = "\x02\x03\0\0\0\0\0\0\0", .len = 9 },
	};
	struct raft_msg m = {
		.group = 7, .type = RAFT_MSG_APPEND, .from = 1, .to = 2,
		.term = 3, .index = 41, .log_term = 3, .commit = 40,
		.entries = ents, .n_entries = 2,
	};
	struct raft_msg h = {
		.group = 7, .type = RAFT_MSG_APPEND_RESP, .from = 2, .to = 1,
		.term = 3, .index = 9, .hint = 5, .reject = 1,
	};
	struct raft_msg s = {
		.group = UINT64_MAX, .type = RAFT_MSG_SNAPSHOT, .from = 1,
		.to = 2, .term = 3,
		.snapshot = { .index = 90, .term = 2,
			      .conf = { .n = 2, .m = { { 1, 0 }, { 4, 1 } } },
			      .data = "ab", .len = 2 },
	};
	struct raft_msg z = { .type = RAFT_MSG_HEARTBEAT };
	struct err e;
	json_t *j;
	char *t;

	(void)state;
	assert_int_equal(raftwire_encode_msg(&m, &j, &e), RC_OK);
	t = dump(j);
	assert_string_equal(t,
		"{\"type\":\"append\",\"group\":7,\"from\":1,\"to\":2,"
		"\"term\":3,\"index\":41,\"log_term\":3,\"commit\":40,"
		"\"entries\":[{\"term\":3,\"index\":42,\"data\":\"aGVsbG8=\"},"
		"{\"term\":3,\"index\":43,\"type\":\"conf\","
		"\"data\":\"AgMAAAAAAAAA\"}]}");
	free(t);
	json_decref(j);
	roundtrip(&m);

	assert_int_equal(raftwire_encode_msg(&h, &j, &e), RC_OK);
	t = dump(j);
	assert_string_equal(t,
		"{\"type\":\"append_resp\",\"group\":7,\"from\":2,\"to\":1,"
		"\"term\":3,\"index\":9,\"hint\":5,\"reject\":true}");
	free(t);
	json_decref(j);

	assert_int_equal(raftwire_encode_msg(&s, &j, &e), RC_OK);
	t = dump(j);
	assert_string_equal(t,
		"{\"type\":\"snapshot\",\"group\":\"18446744073709551615\","
		"\"from\":1,\"to\":2,\"term\":3,\"snapshot\":{\"index\":90,"
		"\"term\":2,\"conf\":[{\"id\":1},{\"id\":4,\"learner\":true}],"
		"\"data\":\"YWI=\"}}");
	free(t);
	json_decref(j);
	roundtrip(&s);

	/* zeros: only the required fields are written */
	assert_int_equal(raftwire_encode_msg(&z, &j, &e), RC_OK);
	t = dump(j);
	assert_string_equal(t, "{\"type\":\"heartbeat\",\"group\":0,"
			       "\"from\":0,\"to\":0,\"term\":0}");
	free(t);
	json_decref(j);
	/* an empty snapshot is still an object */
	z.type = RAFT_MSG_SNAPSHOT;
	assert_int_equal(raftwire_encode_msg(&z, &j, &e), RC_OK);
	assert_true(json_is_object(json_object_get(j, "snapshot")));
	assert_int_equal(json_object_size(json_object_get(j, "snapshot")),
			 0);
	json_decref(j);
	roundtrip(&z);
}

static void test_every_type(void **state)
{
	struct raft_entry ents[3] = {
		{ 5, 11, RAFT_ENTRY_NORMAL, NULL, 0 },
		{ 5, 12, RAFT_ENTRY_NORMAL, "x", 1 },
		{ 6, 13, RAFT_ENTRY_CONF, "\x01\x09\0\0\0\0\0\0\0", 9 },
	};

	(void)state;
	for (int t = RAFT_MSG_APPEND; t < RAFT_MSG__COUNT; t++) {
		struct raft_msg m = {
			.group = 3, .type = t, .from = 2, .to = 5,
			.term = 6, .index = 10, .log_term = 4, .commit = 9,
			.hint = 8, .context = 77, .reject = (t % 2) == 0,
		};
		json_t *j;
		struct err e;

		if (t == RAFT_MSG_APPEND) {
			m.entries = ents;
			m.n_entries = 3;
		}
		if (t == RAFT_MSG_SNAPSHOT) {
			m.snapshot.index = 13;
			m.snapshot.term = 6;
			m.snapshot.conf.n = RAFT_MAX_NODES;
			for (size_t i = 0; i < RAFT_MAX_NODES; i++) {
				m.snapshot.conf.m[i].id = 100 - i;
				m.snapshot.conf.m[i].learner = i % 3 == 0;
			}
			m.snapshot.data = "state";
			m.snapshot.len = 5;
		}
		roundtrip(&m);
		assert_int_equal(raftwire_encode_msg(&m, &j, &e), RC_OK);
		assert_string_equal(json_string_value(json_object_get(j,
								      "type")),
				    raft_msg_type_name(t));
		json_decref(j);
	}
}

/* ---- 64-bit integers ---------------------------------------------------- */

static void test_u64_extremes(void **state)
{
	static const uint64_t vals[] = {
		0, 1, (uint64_t)INT64_MAX, (uint64_t)INT64_MAX + 1,
		UINT64_MAX - 1, UINT64_MAX,
	};
	static const struct {
		const char *term;
		int ok;
		uint64_t want;
	} texts[] = {
		{ "0", 1, 0 },
		{ "\"0\"", 1, 0 },
		{ "\"42\"", 1, 42 },
		{ "9223372036854775807", 1, INT64_MAX },
		{ "\"9223372036854775808\"", 1, (uint64_t)INT64_MAX + 1 },
		{ "\"18446744073709551615\"", 1, UINT64_MAX },
		{ "\"18446744073709551616\"", 0, 0 },
		{ "\"99999999999999999999\"", 0, 0 },
		{ "\"000000000000000000001\"", 0, 0 },
		{ "\"01\"", 0, 0 },
		{ "\"00\"", 0, 0 },
		{ "\"-1\"", 0, 0 },
		{ "\"+1\"", 0, 0 },
		{ "\" 1\"", 0, 0 },
		{ "\"1 \"", 0, 0 },
		{ "\"1e3\"", 0, 0 },
		{ "\"0x10\"", 0, 0 },
		{ "\"\"", 0, 0 },
		{ "-1", 0, 0 },
		{ "-9223372036854775808", 0, 0 },
		{ "1.0", 0, 0 },
		{ "1e3", 0, 0 },
		{ "true", 0, 0 },
		{ "[]", 0, 0 },
		{ "{}", 0, 0 },
	};
	char buf[256];

	(void)state;
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		struct raft_msg m = {
			.type = RAFT_MSG_APPEND, .group = vals[i],
			.from = vals[i], .to = vals[i], .term = vals[i],
			.log_term = vals[i], .commit = vals[i],
			.hint = vals[i], .context = vals[i],
			/* with entries index must leave room: alone here */
			.index = vals[i],
		};
		json_t *j;
		struct err e;

		roundtrip(&m);
		assert_int_equal(raftwire_encode_msg(&m, &j, &e), RC_OK);
		if (vals[i] <= (uint64_t)INT64_MAX)
			assert_true(json_is_integer(json_object_get(j, "to")));
		else
			assert_true(json_is_string(json_object_get(j, "to")));
		json_decref(j);
		m.type = RAFT_MSG_SNAPSHOT;
		m.index = 0;
		m.snapshot.index = vals[i];
		m.snapshot.term = vals[i];
		m.snapshot.conf.n = 1;
		m.snapshot.conf.m[0].id = vals[i] ? vals[i] : 1;
		roundtrip(&m);
	}
	/* the largest index that still leaves room for its entries */
	{
		struct raft_entry en[2] = { { 1, UINT64_MAX - 1, 0, NULL, 0 },
					    { 1, UINT64_MAX, 0, NULL, 0 } };
		struct raft_msg m = { .type = RAFT_MSG_APPEND, .term = 1,
				      .index = UINT64_MAX - 2,
				      .entries = en, .n_entries = 2 };
		json_t *j;
		struct err e;

		roundtrip(&m);
		m.index = UINT64_MAX - 1;	/* wraps: refused */
		assert_int_equal(raftwire_encode_msg(&m, &j, &e),
				 RC_BAD_INPUT);
		assert_null(j);
		assert_non_null(strstr(e.msg, "entries[0].index"));
	}
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct raft_msg m;
		struct err e;

		snprintf(buf, sizeof(buf),
			 "{\"type\":\"vote\",\"group\":1,\"from\":1,\"to\":2,"
			 "\"term\":%s}", texts[i].term);
		if (texts[i].ok) {
			if (decode_text(buf, &m, &e) != RC_OK)
				fail_msg("%s: %s", buf, e.msg);
			assert_true(m.term == texts[i].want);
			raftwire_msg_release(&m);
		} else {
			decode_fails(buf, RC_BAD_INPUT,
				     "term: must be an integer >= 0 or a "
				     "decimal string");
		}
	}
}

/* ---- rejections and their messages -------------------------------------- */

#define HDR "\"group\":1,\"from\":1,\"to\":2,\"term\":3"

static void test_decode_errors(void **state)
{
	struct raft_msg m;
	struct err e;

	(void)state;
	decode_fails("[]", RC_BAD_INPUT, "raft message: must be an object");
	decode_fails("{" HDR "}", RC_BAD_INPUT, "type: missing");
	decode_fails("{\"type\":null," HDR "}", RC_BAD_INPUT,
		     "type: missing");
	decode_fails("{\"type\":1," HDR "}", RC_BAD_INPUT,
		     "type: must be a string");
	decode_fails("{\"type\":\"Append\"," HDR "}", RC_BAD_INPUT,
		     "type: unknown message type 'Append'");
	decode_fails("{\"type\":\"?\"," HDR "}", RC_BAD_INPUT,
		     "unknown message type '?'");
	decode_fails("{\"type\":\"vote\",\"group\":1,\"from\":1,\"term\":3}",
		     RC_BAD_INPUT, "to: missing");
	decode_fails("{\"type\":\"vote\"," HDR ",\"index\":-5}",
		     RC_BAD_INPUT, "index: must be an integer >= 0");
	decode_fails("{\"type\":\"vote\"," HDR ",\"reject\":1}",
		     RC_BAD_INPUT, "reject: must be true or false");
	decode_fails("{\"type\":\"heartbeat\"," HDR ",\"entries\":"
		     "[{\"term\":1,\"index\":1}]}", RC_BAD_INPUT,
		     "entries: only allowed in append messages");
	decode_fails("{\"type\":\"append\"," HDR ",\"entries\":{}}",
		     RC_BAD_INPUT, "entries: must be an array");
	decode_fails("{\"type\":\"append\"," HDR ",\"entries\":[1]}",
		     RC_BAD_INPUT, "entries[0]: must be an object");
	decode_fails("{\"type\":\"append\"," HDR ",\"index\":4,\"entries\":"
		     "[{\"term\":1,\"index\":5},{\"term\":1,\"index\":7}]}",
		     RC_BAD_INPUT,
		     "entries[1].index: 7 does not follow index 4 without a "
		     "gap");
	decode_fails("{\"type\":\"append\"," HDR ",\"entries\":"
		     "[{\"term\":1,\"index\":2}]}", RC_BAD_INPUT,
		     "entries[0].index: 2 does not follow index 0");
	decode_fails("{\"type\":\"append\"," HDR ",\"index\":4,\"entries\":"
		     "[{\"term\":1,\"index\":5},{\"term\":1,\"index\":5}]}",
		     RC_BAD_INPUT, "entries[1].index: 5 does not follow");
	decode_fails("{\"type\":\"append\"," HDR ",\"entries\":"
		     "[{\"index\":1}]}", RC_BAD_INPUT,
		     "entries[0].term: missing");
	decode_fails("{\"type\":\"append\"," HDR ",\"entries\":"
		     "[{\"term\":1,\"index\":1,\"type\":\"weird\"}]}",
		     RC_BAD_INPUT, "entries[0].type: unknown entry type "
		     "'weird'");
	decode_fails("{\"type\":\"append\"," HDR ",\"entries\":"
		     "[{\"term\":1,\"index\":1,\"data\":5}]}",
		     RC_BAD_INPUT, "entries[0].data: must be a base64 string");
	decode_fails("{\"type\":\"append\"," HDR ",\"entries\":"
		     "[{\"term\":1,\"index\":1,\"data\":\"Zm9v\"},"
		     "{\"term\":1,\"index\":2,\"data\":\"Zm9\"}]}",
		     RC_BAD_INPUT, "entries[1].data: bad base64 (length 3 is "
		     "not a multiple of 4)");
	decode_fails("{\"type\":\"snapshot\"," HDR "}", RC_BAD_INPUT,
		     "snapshot: missing");
	decode_fails("{\"type\":\"snapshot\"," HDR ",\"snapshot\":[]}",
		     RC_BAD_INPUT, "snapshot: must be an object");
	decode_fails("{\"type\":\"append\"," HDR ",\"snapshot\":{}}",
		     RC_BAD_INPUT, "snapshot: only allowed in snapshot "
		     "messages");
	decode_fails("{\"type\":\"snapshot\"," HDR ",\"snapshot\":{\"conf\":"
		     "[{\"id\":1},{\"id\":2},{\"id\":1}]}}", RC_BAD_INPUT,
		     "snapshot.conf[2].id: duplicate member 1");
	decode_fails("{\"type\":\"snapshot\"," HDR ",\"snapshot\":{\"conf\":"
		     "[{\"id\":0}]}}", RC_BAD_INPUT,
		     "snapshot.conf[0].id: must be > 0");
	decode_fails("{\"type\":\"snapshot\"," HDR ",\"snapshot\":{\"conf\":"
		     "[{}]}}", RC_BAD_INPUT, "snapshot.conf[0].id: missing");
	decode_fails("{\"type\":\"snapshot\"," HDR ",\"snapshot\":{\"conf\":"
		     "[{\"id\":1,\"learner\":\"yes\"}]}}", RC_BAD_INPUT,
		     "snapshot.conf[0].learner: must be true or false");
	decode_fails("{\"type\":\"snapshot\"," HDR ",\"snapshot\":{\"conf\":"
		     "[1]}}", RC_BAD_INPUT, "snapshot.conf[0]: must be an "
		     "object");
	decode_fails("{\"type\":\"snapshot\"," HDR ",\"snapshot\":{\"conf\":"
		     "[{\"id\":1},{\"id\":2},{\"id\":3},{\"id\":4},{\"id\":5},"
		     "{\"id\":6},{\"id\":7},{\"id\":8},{\"id\":9},{\"id\":10},"
		     "{\"id\":11},{\"id\":12},{\"id\":13},{\"id\":14},"
		     "{\"id\":15},{\"id\":16},{\"id\":17}]}}", RC_TOO_LARGE,
		     "snapshot.conf: 17 members, over the limit of 16");
	decode_fails("{\"type\":\"snapshot\"," HDR ",\"snapshot\":"
		     "{\"data\":\"YW==\"}}", RC_BAD_INPUT,
		     "snapshot.data: bad base64 (non-zero trailing bits)");

	/* unknown members are ignored, null is absent, empty is absent */
	assert_int_equal(decode_text("{\"type\":\"heartbeat\"," HDR
				     ",\"future\":{\"x\":[1,2]},"
				     "\"commit\":null,\"entries\":[],"
				     "\"snapshot\":null,\"reject\":false}",
				     &m, &e), RC_OK);
	assert_int_equal(m.type, RAFT_MSG_HEARTBEAT);
	assert_true(m.commit == 0 && m.reject == 0 && m.n_entries == 0);
	assert_null(m.entries);
	raftwire_msg_release(&m);
	/* entry data may be "" and type may say "normal" */
	assert_int_equal(decode_text("{\"type\":\"append\"," HDR
				     ",\"entries\":[{\"term\":1,\"index\":1,"
				     "\"type\":\"normal\",\"data\":\"\","
				     "\"x\":1}]}", &m, &e), RC_OK);
	assert_int_equal(m.n_entries, 1);
	assert_int_equal(m.entries[0].len, 0);
	assert_null(m.entries[0].data);
	raftwire_msg_release(&m);
	assert_null(m.entries);
	raftwire_msg_release(&m);	/* twice is harmless */
}

static void test_encode_errors(void **state)
{
	struct raft_entry en[2] = { { 1, 5, 0, NULL, 0 },
				    { 1, 7, 0, NULL, 0 } };
	struct raft_msg m = { .type = RAFT_MSG__COUNT };
	struct err e;
	json_t *j;

	(void)state;
	assert_int_equal(raftwire_encode_msg(&m, &j, &e), RC_BAD_INPUT);
	assert_null(j);
	assert_string_equal(e.msg, "type: unknown message type 11");
	m.type = 0;
	assert_int_equal(raftwire_encode_msg(&m, &j, &e), RC_BAD_INPUT);
	m.type = RAFT_MSG_HEARTBEAT;
	m.entries = en;
	m.n_entries = 1;
	assert_int_equal(raftwire_encode_msg(&m, &j, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg,
			    "entries: only allowed in append messages");
	m.type = RAFT_MSG_APPEND;
	m.index = 4;
	m.n_entries = 2;
	assert_int_equal(raftwire_encode_msg(&m, &j, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "entries[1].index: 7 does not follow "
			    "index 4 without a gap");
	en[1].index = 6;
	en[1].type = 9;
	assert_int_equal(raftwire_encode_msg(&m, &j, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "entries[1].type: unknown entry type 9");
	en[1].type = RAFT_ENTRY_CONF;
	assert_int_equal(raftwire_encode_msg(&m, &j, &e), RC_OK);
	json_decref(j);
	m.snapshot.term = 1;
	assert_int_equal(raftwire_encode_msg(&m, &j, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg,
			    "snapshot: only allowed in snapshot messages");
	memset(&m, 0, sizeof(m));
	m.type = RAFT_MSG_SNAPSHOT;
	m.snapshot.conf.n = RAFT_MAX_NODES + 1;
	assert_int_equal(raftwire_encode_msg(&m, &j, &e), RC_TOO_LARGE);
	assert_string_equal(e.msg,
			    "snapshot.conf: 17 members, over the limit of 16");
	m.snapshot.conf.n = 2;
	m.snapshot.conf.m[0].id = 3;
	m.snapshot.conf.m[1].id = 3;
	assert_int_equal(raftwire_encode_msg(&m, &j, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "snapshot.conf[1].id: duplicate member 3");
	m.snapshot.conf.m[1].id = 0;
	assert_int_equal(raftwire_encode_msg(&m, &j, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "snapshot.conf[1].id: must be > 0");
	m.snapshot.conf.m[1].id = 4;
	m.snapshot.len = 3;	/* data NULL */
	assert_int_equal(raftwire_encode_msg(&m, &j, &e), RC_INTERNAL);
	assert_null(j);
}

/* ---- batches ------------------------------------------------------------ */

static void test_batch(void **state)
{
	struct raft_entry en[1] = { { 2, 8, 0, "v", 1 } };
	struct raft_msg ms[3] = {
		{ .type = RAFT_MSG_HEARTBEAT, .group = 1, .from = 4, .to = 2,
		  .term = 2, .commit = 7 },
		{ .type = RAFT_MSG_APPEND, .group = 9, .from = 4, .to = 2,
		  .term = 2, .index = 7, .log_term = 2, .entries = en,
		  .n_entries = 1 },
		{ .type = RAFT_MSG_TIMEOUT_NOW, .group = 12, .from = 4,
		  .to = 2, .term = 5 },
	};
	struct raft_msg *out;
	uint64_t from;
	size_t n;
	struct err e;
	json_t *j, *k;
	char *t;

	(void)state;
	assert_int_equal(raftwire_encode_batch(4, ms, 3, &j, &e), RC_OK);
	k = through_text(j);
	assert_int_equal(raftwire_decode_batch(k, &from, &out, &n, &e), RC_OK);
	assert_true(from == 4);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < 3; i++)
		assert_msg_equal(&ms[i], &out[i]);
	raftwire_batch_release(out, n);
	json_decref(k);
	json_decref(j);

	/* empty batch */
	assert_int_equal(raftwire_encode_batch(4, NULL, 0, &j, &e), RC_OK);
	t = dump(j);
	assert_string_equal(t, "{\"from\":4,\"msgs\":[]}");
	free(t);
	assert_int_equal(raftwire_decode_batch(j, &from, &out, &n, &e), RC_OK);
	assert_int_equal(n, 0);
	assert_null(out);
	json_decref(j);

	/* encoder refusals */
	assert_int_equal(raftwire_encode_batch(0, ms, 3, &j, &e),
			 RC_BAD_INPUT);
	assert_string_equal(e.msg, "from: must be > 0");
	assert_int_equal(raftwire_encode_batch(5, ms, 3, &j, &e),
			 RC_BAD_INPUT);
	assert_null(j);
	assert_string_equal(e.msg, "msgs[0].from: 4 is not the batch's "
			    "from 5");
	ms[2].type = 99;
	assert_int_equal(raftwire_encode_batch(4, ms, 3, &j, &e),
			 RC_BAD_INPUT);
	assert_string_equal(e.msg, "msgs[2].type: unknown message type 99");
	assert_null(j);
	ms[2].type = RAFT_MSG_TIMEOUT_NOW;
	assert_int_equal(raftwire_encode_batch(4, ms, RAFTWIRE_MAX_MSGS + 1,
					       &j, &e), RC_TOO_LARGE);
	assert_string_equal(e.msg, "msgs: 65537 messages, over the limit "
			    "of 65536");

	/* decoder refusals: the position of the message is named */
	static const struct {
		const char *json;
		int rc;
		const char *msg;
	} bad[] = {
		{ "[]", RC_BAD_INPUT, "raft batch: must be an object" },
		{ "{\"msgs\":[]}", RC_BAD_INPUT, "from: missing" },
		{ "{\"from\":0,\"msgs\":[]}", RC_BAD_INPUT,
		  "from: must be a node id > 0" },
		{ "{\"from\":-3,\"msgs\":[]}", RC_BAD_INPUT,
		  "from: must be a node id > 0" },
		{ "{\"from\":\"x\",\"msgs\":[]}", RC_BAD_INPUT,
		  "from: must be a node id > 0" },
		{ "{\"from\":1}", RC_BAD_INPUT, "msgs: missing" },
		{ "{\"from\":1,\"msgs\":{}}", RC_BAD_INPUT,
		  "msgs: must be an array" },
		{ "{\"from\":1,\"msgs\":[{\"type\":\"vote\"," HDR "},"
		  "{\"type\":\"vote\"," HDR "},7]}", RC_BAD_INPUT,
		  "msgs[2]: must be an object" },
		{ "{\"from\":1,\"msgs\":[{\"type\":\"vote\"," HDR "},"
		  "{\"type\":\"vote\",\"group\":1,\"from\":3,\"to\":2,"
		  "\"term\":3}]}", RC_BAD_INPUT,
		  "msgs[1].from: 3 is not the batch's from 1" },
		{ "{\"from\":1,\"msgs\":[{\"type\":\"vote\"," HDR "},"
		  "{\"type\":\"vote\"," HDR "},{\"type\":\"vote\"," HDR "},"
		  "{\"type\":\"append\"," HDR ",\"entries\":[{\"term\":1,"
		  "\"index\":1,\"data\":\"Zm9v!\"}]}]}", RC_BAD_INPUT,
		  "msgs[3].entries[0].data: bad base64 (length 5 is not a "
		  "multiple of 4)" },
		{ "{\"from\":1,\"msgs\":[{\"type\":\"append\"," HDR
		  ",\"entries\":[{\"term\":1,\"index\":1,\"data\":\"Zm9v\"}]},"
		  "{\"type\":\"append\"," HDR ",\"entries\":[{\"term\":1,"
		  "\"index\":1,\"data\":\"Zm9*\"}]}]}", RC_BAD_INPUT,
		  "msgs[1].entries[0].data: bad base64 (invalid character "
		  "at offset 3)" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = parse(bad[i].json);
		from = 77;
		out = (struct raft_msg *)1;
		n = 5;
		if (raftwire_decode_batch(j, &from, &out, &n, &e) != bad[i].rc)
			fail_msg("%s: not %s: '%s'", bad[i].json,
				 rc_name(bad[i].rc), e.msg);
		assert_string_equal(e.msg, bad[i].msg);
		assert_true(from == 0);
		assert_null(out);
		assert_int_equal(n, 0);
		json_decref(j);
	}
}

/* ---- limits ------------------------------------------------------------- */

static void test_limits(void **state)
{
	struct raft_msg m, *out;
	struct err e;
	json_t *j, *arr, *ent, *msgs, *big, *msg0;
	char *b64;
	size_t n, chunk = RAFTWIRE_MAX_DATA / 8;
	uint64_t from;
	void *raw;

	(void)state;
	/* too many messages: refused before any allocation */
	msgs = json_array();
	ent = parse("{\"type\":\"vote\"," HDR "}");
	for (size_t i = 0; i <= RAFTWIRE_MAX_MSGS; i++)
		assert_int_equal(json_array_append(msgs, ent), 0);
	j = json_pack("{s:i,s:o}", "from", 1, "msgs", msgs);
	assert_int_equal(raftwire_decode_batch(j, &from, &out, &n, &e),
			 RC_TOO_LARGE);
	assert_string_equal(e.msg, "msgs: 65537 messages, over the limit "
			    "of 65536");
	/* exactly the limit is fine */
	assert_int_equal(json_array_remove(msgs, 0), 0);
	assert_int_equal(raftwire_decode_batch(j, &from, &out, &n, &e),
			 RC_OK);
	assert_int_equal(n, RAFTWIRE_MAX_MSGS);
	raftwire_batch_release(out, n);
	json_decref(j);
	json_decref(ent);

	/* too many entries in one message */
	arr = json_array();
	ent = parse("{\"term\":1,\"index\":1}");
	for (size_t i = 0; i <= RAFTWIRE_MAX_ENTRIES; i++)
		assert_int_equal(json_array_append(arr, ent), 0);
	json_decref(ent);
	j = parse("{\"type\":\"append\"," HDR "}");
	assert_int_equal(json_object_set_new(j, "entries", arr), 0);
	assert_int_equal(raftwire_decode_msg(j, &m, &e), RC_TOO_LARGE);
	assert_string_equal(e.msg, "entries: 65537 entries, over the limit "
			    "of 65536 per message or batch (0 before)");
	json_decref(j);

	/* entries add up over a batch: 65536 then 1 more */
	arr = json_array();
	for (size_t i = 0; i < RAFTWIRE_MAX_ENTRIES; i++)
		assert_int_equal(json_array_append_new(arr,
			json_pack("{s:i,s:I}", "term", 1, "index",
				  (json_int_t)i + 1)), 0);
	msg0 = parse("{\"type\":\"append\"," HDR "}");
	assert_int_equal(json_object_set_new(msg0, "entries", arr), 0);
	assert_int_equal(raftwire_decode_msg(msg0, &m, &e), RC_OK);
	assert_int_equal(m.n_entries, RAFTWIRE_MAX_ENTRIES);
	raftwire_msg_release(&m);
	j = json_pack("{s:i,s:[O,{s:s,s:i,s:i,s:i,s:i,s:[{s:i,s:i}]}]}",
		      "from", 1, "msgs", msg0, "type", "append", "group", 2,
		      "from", 1, "to", 2, "term", 3, "entries", "term", 1,
		      "index", 1);
	assert_non_null(j);
	assert_int_equal(raftwire_decode_batch(j, &from, &out, &n, &e),
			 RC_TOO_LARGE);
	assert_string_equal(e.msg, "msgs[1].entries: 1 entries, over the "
			    "limit of 65536 per message or batch (65536 "
			    "before)");
	json_decref(j);
	json_decref(msg0);

	/* data: 8 chunks of MAX/8 bytes fit exactly, one more byte not */
	raw = calloc(1, chunk);
	assert_non_null(raw);
	assert_int_equal(raftwire_base64_encode(raw, chunk, &b64, &n, &e),
			 RC_OK);
	free(raw);
	big = json_stringn(b64, n);
	free(b64);
	arr = json_array();
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(json_array_append_new(arr,
			json_pack("{s:i,s:I,s:O}", "term", 1, "index",
				  (json_int_t)i + 1, "data", big)), 0);
	msg0 = parse("{\"type\":\"append\"," HDR "}");
	assert_int_equal(json_object_set_new(msg0, "entries", arr), 0);
	assert_int_equal(raftwire_decode_msg(msg0, &m, &e), RC_OK);
	assert_int_equal(m.entries[7].len, chunk);
	raftwire_msg_release(&m);
	j = json_pack("{s:i,s:[O,{s:s,s:i,s:i,s:i,s:i,s:{s:s}}]}",
		      "from", 1, "msgs", msg0, "type", "snapshot", "group", 2,
		      "from", 1, "to", 2, "term", 3, "snapshot", "data",
		      "AA==");
	assert_non_null(j);
	assert_int_equal(raftwire_decode_batch(j, &from, &out, &n, &e),
			 RC_TOO_LARGE);
	assert_string_equal(e.msg, "msgs[1].snapshot.data: 1 bytes of data, "
			    "over the limit of 67108864 per message or batch "
			    "(67108864 before)");
	json_decref(j);
	/* a ninth chunk in the same message */
	arr = json_object_get(msg0, "entries");
	assert_int_equal(json_array_append_new(arr,
		json_pack("{s:i,s:i,s:O}", "term", 1, "index", 9, "data",
			  big)), 0);
	assert_int_equal(raftwire_decode_msg(msg0, &m, &e), RC_TOO_LARGE);
	assert_non_null(strstr(e.msg, "entries[8].data: 8388608 bytes of "
			       "data, over the limit"));
	assert_null(m.entries);
	json_decref(msg0);
	json_decref(big);

	/* the encoder keeps the same limits */
	memset(&m, 0, sizeof(m));
	m.type = RAFT_MSG_APPEND;
	m.n_entries = RAFTWIRE_MAX_ENTRIES + 1;
	m.entries = calloc(m.n_entries, sizeof(*m.entries));
	assert_non_null(m.entries);
	for (size_t i = 0; i < m.n_entries; i++)
		m.entries[i].index = i + 1;
	assert_int_equal(raftwire_encode_msg(&m, &j, &e), RC_TOO_LARGE);
	assert_null(j);
	m.n_entries = RAFTWIRE_MAX_ENTRIES;
	assert_int_equal(raftwire_encode_msg(&m, &j, &e), RC_OK);
	json_decref(j);
	m.n_entries = 2;
	m.entries[0].len = RAFTWIRE_MAX_DATA;
	m.entries[0].data = (void *)"";	/* never read: refused first */
	m.entries[1].len = 1;
	m.entries[1].data = (void *)"x";
	assert_int_equal(raftwire_encode_msg(&m, &j, &e), RC_TOO_LARGE);
	assert_string_equal(e.msg, "entries[1].data: 1 bytes of data, over "
			    "the limit of 67108864 per message or batch "
			    "(67108864 before)");
	free(m.entries);
}

/* ---- random messages ---------------------------------------------------- */

static uint64_t rnd_u64(void)
{
	static const uint64_t special[] = {
		0, 1, 2, 3, 100, (uint64_t)INT64_MAX,
		(uint64_t)INT64_MAX + 1, UINT64_MAX - 1, UINT64_MAX,
		RAFT_TERM_MAX,
	};

	switch (rnd_below(3)) {
	case 0:
		return special[rnd_below(sizeof(special) /
					 sizeof(special[0]))];
	case 1:
		return rnd_below(1000);
	default:
		return rnd();
	}
}

static void *rnd_bytes(size_t *len)
{
	unsigned char *p;

	*len = rnd_below(4) == 0 ? 0 : rnd_below(48);
	if (*len == 0)
		return NULL;
	p = malloc(*len);
	assert_non_null(p);
	for (size_t i = 0; i < *len; i++)
		p[i] = (unsigned char)rnd();
	return p;
}

/* A random message the codec must accept; free with msg_release. */
static void rnd_msg(struct raft_msg *m, uint64_t from)
{
	memset(m, 0, sizeof(*m));
	m->type = 1 + (int)rnd_below(RAFT_MSG__COUNT - 1);
	m->group = rnd_u64();
	m->from = from ? from : rnd_u64();
	m->to = rnd_u64();
	m->term = rnd_u64();
	m->index = rnd_u64();
	m->log_term = rnd_u64();
	m->commit = rnd_u64();
	m->hint = rnd_below(2) ? rnd_u64() : 0;
	m->context = rnd_below(2) ? rnd_u64() : 0;
	m->reject = (int)rnd_below(2);
	if (m->type == RAFT_MSG_APPEND && rnd_below(4) != 0) {
		m->n_entries = 1 + rnd_below(6);
		if (m->index > UINT64_MAX - m->n_entries)
			m->index = UINT64_MAX - m->n_entries;
		m->entries = calloc(m->n_entries, sizeof(*m->entries));
		assert_non_null(m->entries);
		for (size_t i = 0; i < m->n_entries; i++) {
			struct raft_entry *en = &m->entries[i];

			en->term = rnd_u64();
			en->index = m->index + 1 + i;
			en->type = (int)rnd_below(2);
			en->data = rnd_bytes(&en->len);
		}
	}
	if (m->type == RAFT_MSG_SNAPSHOT) {
		struct raft_snapshot *s = &m->snapshot;

		s->index = rnd_u64();
		s->term = rnd_u64();
		s->conf.n = rnd_below(RAFT_MAX_NODES + 1);
		for (size_t i = 0; i < s->conf.n; i++) {
			uint64_t id;
			int dup;

			do {
				id = rnd_u64();
				dup = id == 0;
				for (size_t k = 0; k < i; k++)
					dup |= s->conf.m[k].id == id;
			} while (dup);
			s->conf.m[i].id = id;
			s->conf.m[i].learner = (int)rnd_below(2);
		}
		s->data = rnd_bytes(&s->len);
	}
}

static size_t rnd_batch(struct raft_msg *ms, size_t cap, uint64_t *from)
{
	size_t n = rnd_below(cap + 1);

	do
		*from = rnd_u64();
	while (*from == 0);
	for (size_t i = 0; i < n; i++)
		rnd_msg(&ms[i], *from);
	return n;
}

static void free_batch(struct raft_msg *ms, size_t n)
{
	for (size_t i = 0; i < n; i++)
		raftwire_msg_release(&ms[i]);
}

static void test_random_roundtrip(void **state)
{
	struct raft_msg ms[8], *out;
	uint64_t from, from2;
	size_t n, n2;
	struct err e;
	json_t *j, *k;

	(void)state;
	rng_state = UINT64_C(0x9e3779b97f4a7c15);
	for (int iter = 0; iter < 3000; iter++) {
		n = rnd_batch(ms, 8, &from);
		if (raftwire_encode_batch(from, ms, n, &j, &e) != RC_OK)
			fail_msg("iteration %d: encode: %s", iter, e.msg);
		k = through_text(j);
		if (raftwire_decode_batch(k, &from2, &out, &n2, &e) != RC_OK)
			fail_msg("iteration %d: decode: %s", iter, e.msg);
		assert_true(from == from2);
		assert_int_equal(n, n2);
		for (size_t i = 0; i < n; i++)
			assert_msg_equal(&ms[i], &out[i]);
		raftwire_batch_release(out, n2);
		json_decref(j);
		json_decref(k);
		/* and each message alone */
		for (size_t i = 0; i < n; i++)
			roundtrip(&ms[i]);
		free_batch(ms, n);
	}
}

/* ---- mutations ---------------------------------------------------------- */

#define MAX_NODES 4096

static void collect(json_t *j, json_t **nodes, size_t *n)
{
	const char *key;
	json_t *v;
	size_t i;

	if (*n >= MAX_NODES)
		return;
	if (json_is_object(j)) {
		nodes[(*n)++] = j;
		json_object_foreach(j, key, v)
			collect(v, nodes, n);
	} else if (json_is_array(j)) {
		nodes[(*n)++] = j;
		json_array_foreach(j, i, v)
			collect(v, nodes, n);
	}
}

static json_t *hostile_value(void)
{
	static const char *const strs[] = {
		"", "0", "-1", "01", "18446744073709551616",
		"18446744073709551615", "9223372036854775808", "append",
		"snapshot", "conf", "normal", "bogus", "====", "Zg==", "Zh==",
		"Zm9v", "Zm9", "@@@@", "AAAA", "1e999",
	};
	char *s;
	json_t *v;
	size_t n;

	switch (rnd_below(14)) {
	case 0:
		return json_integer(-1);
	case 1:
		return json_integer(INT64_MAX);
	case 2:
		return json_integer(INT64_MIN);
	case 3:
		return json_integer((json_int_t)rnd_below(20));
	case 4:
		return json_real(1.5);
	case 5:
		return json_true();
	case 6:
		return json_false();
	case 7:
		return json_null();
	case 8:
		return json_array();
	case 9:
		return json_object();
	case 10:
		/* a huge string: digits or base64 letters */
		n = 1 + rnd_below(200000);
		s = malloc(n + 1);
		assert_non_null(s);
		memset(s, rnd_below(2) ? '9' : 'A', n);
		s[n] = '\0';
		v = json_string(s);
		free(s);
		return v;
	case 11:
		return json_pack("[i,s,{}]", 1, "x");
	default:
		return json_string(strs[rnd_below(sizeof(strs) /
						  sizeof(strs[0]))]);
	}
}

static void mutate_tree(json_t *root)
{
	static const char *const keys[] = {
		"type", "group", "from", "to", "term", "index", "log_term",
		"commit", "hint", "context", "reject", "entries", "snapshot",
		"conf", "id", "learner", "data", "msgs", "unknown",
	};
	json_t *nodes[MAX_NODES];
	size_t n = 0, size;
	json_t *t;

	collect(root, nodes, &n);
	t = nodes[rnd_below(n)];
	if (json_is_object(t)) {
		const char *key = keys[rnd_below(sizeof(keys) /
						 sizeof(keys[0]))];

		if (rnd_below(3) == 0)
			json_object_del(t, key);
		else
			json_object_set_new(t, key, hostile_value());
		return;
	}
	size = json_array_size(t);
	switch (rnd_below(4)) {
	case 0:
		if (size > 0)
			json_array_remove(t, rnd_below(size));
		break;
	case 1:
		if (size > 0)	/* a duplicate: breaks contiguity */
			json_array_append(t, json_array_get(t,
							rnd_below(size)));
		break;
	case 2:
		json_array_insert_new(t, rnd_below(size + 1),
				      hostile_value());
		break;
	default:
		if (size > 0)
			json_array_set_new(t, rnd_below(size),
					   hostile_value());
		break;
	}
}

/* A decoded batch must satisfy what the encoder demands. */
static void check_valid(uint64_t from, struct raft_msg *ms, size_t n)
{
	struct err e;
	json_t *j;

	assert_true(from != 0);
	assert_true(n == 0 || ms != NULL);
	if (raftwire_encode_batch(from, ms, n, &j, &e) != RC_OK)
		fail_msg("decoded batch does not re-encode: %s", e.msg);
	json_decref(j);
}

static void test_mutation(void **state)
{
	struct raft_msg ms[6], *out;
	uint64_t from, from2;
	size_t n, n2, len;
	int accepted = 0, refused = 0, unparsable = 0;
	struct err e;
	json_t *j, *k;
	char *text;

	(void)state;
	rng_state = UINT64_C(0x1234567887654321);
	for (int iter = 0; iter < 5000; iter++) {
		n = rnd_batch(ms, 6, &from);
		if (raftwire_encode_batch(from, ms, n, &j, &e) != RC_OK)
			fail_msg("iteration %d: encode: %s", iter, e.msg);
		free_batch(ms, n);
		if (rnd_below(4) == 0) {
			/* damage the text: truncate or flip a byte */
			assert_int_equal(jx_dump(j, &text, &len, &e), RC_OK);
			json_decref(j);
			if (rnd_below(2))
				len = rnd_below(len);
			else
				text[rnd_below(len)] ^=
					(char)(1 << rnd_below(7));
			k = NULL;
			if (jx_parse(text, len, &k, &e) != RC_OK) {
				unparsable++;
				free(text);
				continue;
			}
			free(text);
		} else {
			for (size_t m = 1 + rnd_below(3); m > 0; m--)
				mutate_tree(j);
			k = through_text(j);
			json_decref(j);
		}
		out = (struct raft_msg *)1;
		if (raftwire_decode_batch(k, &from2, &out, &n2, &e) == RC_OK) {
			check_valid(from2, out, n2);
			raftwire_batch_release(out, n2);
			accepted++;
		} else {
			assert_null(out);
			assert_int_equal(n2, 0);
			assert_true(e.msg[0] != '\0');
			refused++;
		}
		json_decref(k);
	}
	print_message("mutation: %d accepted, %d refused, %d unparsable\n",
		      accepted, refused, unparsable);
	/* both outcomes must occur, else the mutations test nothing */
	assert_true(accepted > 200);
	assert_true(refused > 1000);
	assert_true(unparsable > 100);
}

/* ---- the binary form ----------------------------------------------------- */

/* Random batches come back equal, meta included, and re-encode to the
 * same bytes; each message alone too. */
static void test_bin_roundtrip(void **state)
{
	struct raft_msg ms[8], *out;
	struct raftwire_meta meta, m2;
	size_t n, n2, len, len2;
	char *buf, *buf2;
	struct err e;

	(void)state;
	rng_state = UINT64_C(0x51afd7ed558ccd);
	for (int iter = 0; iter < 3000; iter++) {
		n = rnd_batch(ms, 8, &meta.from);
		meta.clock_ms = rnd_u64();
		meta.epoch = rnd_u64();
		meta.seq = rnd_u64();
		meta.resync = (int)rnd_below(2);
		meta.reply = (int)rnd_below(2);
		if (raftwire_encode_bin(&meta, ms, n, &buf, &len, &e) != RC_OK)
			fail_msg("iteration %d: encode: %s", iter, e.msg);
		if (raftwire_decode_bin(buf, len, &m2, &out, &n2, &e) != RC_OK)
			fail_msg("iteration %d: decode: %s", iter, e.msg);
		assert_memory_equal(&meta, &m2, sizeof(meta));
		assert_int_equal(n, n2);
		for (size_t i = 0; i < n; i++)
			assert_msg_equal(&ms[i], &out[i]);
		assert_int_equal(raftwire_encode_bin(&m2, out, n2, &buf2,
						     &len2, &e), RC_OK);
		assert_int_equal(len, len2);
		assert_memory_equal(buf, buf2, len);
		raftwire_batch_release(out, n2);
		free(buf);
		free(buf2);
		free_batch(ms, n);
	}
}

/* What the JSON form refuses, the binary form refuses too, both ways. */
static void test_bin_errors(void **state)
{
	struct raftwire_meta meta = { .from = 1 }, m2;
	struct raft_msg m, *out = NULL;
	struct raft_entry en[2];
	size_t n = 7, len;
	char *buf;
	struct err e;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.type = RAFT_MSG_HEARTBEAT;
	m.from = 2;
	assert_int_equal(raftwire_encode_bin(&meta, &m, 1, &buf, &len, &e),
			 RC_BAD_INPUT);
	assert_non_null(strstr(e.msg, "msgs[0].from"));
	m.from = 1;
	meta.from = 0;
	assert_int_equal(raftwire_encode_bin(&meta, &m, 1, &buf, &len, &e),
			 RC_BAD_INPUT);
	meta.from = 1;
	memset(en, 0, sizeof(en));
	en[0].index = 5;
	en[1].index = 7;	/* a gap */
	m.type = RAFT_MSG_APPEND;
	m.index = 4;
	m.entries = en;
	m.n_entries = 2;
	assert_int_equal(raftwire_encode_bin(&meta, &m, 1, &buf, &len, &e),
			 RC_BAD_INPUT);
	assert_non_null(strstr(e.msg, "entries[1].index"));
	/* a good one, then every kind of damage */
	en[1].index = 6;
	en[1].data = "xy";
	en[1].len = 2;
	assert_int_equal(raftwire_encode_bin(&meta, &m, 1, &buf, &len, &e),
			 RC_OK);
	for (size_t cut = 0; cut < len; cut++) {
		assert_int_equal(raftwire_decode_bin(buf, cut, &m2, &out, &n,
						     &e), RC_BAD_INPUT);
		assert_null(out);
		assert_int_equal(n, 0);
		assert_int_equal(m2.from, 0);
	}
	{
		char *longer = malloc(len + 1);

		assert_non_null(longer);
		memcpy(longer, buf, len);
		longer[len] = 0;
		assert_int_equal(raftwire_decode_bin(longer, len + 1, &m2,
						     &out, &n, &e),
				 RC_BAD_INPUT);
		assert_non_null(strstr(e.msg, "after the last message"));
		free(longer);
	}
	buf[0] = 'X';
	assert_int_equal(raftwire_decode_bin(buf, len, &m2, &out, &n, &e),
			 RC_BAD_INPUT);
	assert_non_null(strstr(e.msg, "RRB1"));
	buf[0] = 'R';
	buf[4] = 0x04;		/* unknown flag */
	assert_int_equal(raftwire_decode_bin(buf, len, &m2, &out, &n, &e),
			 RC_BAD_INPUT);
	buf[4] = 0;
	buf[4 + 1 + 32 + 4] = 99;	/* message type */
	assert_int_equal(raftwire_decode_bin(buf, len, &m2, &out, &n, &e),
			 RC_BAD_INPUT);
	assert_non_null(strstr(e.msg, "msgs[0].type"));
	buf[4 + 1 + 32 + 4] = RAFT_MSG_HEARTBEAT;	/* entries not allowed */
	assert_int_equal(raftwire_decode_bin(buf, len, &m2, &out, &n, &e),
			 RC_BAD_INPUT);
	assert_non_null(strstr(e.msg, "only allowed in append"));
	/* a message count far beyond the body */
	buf[4 + 1 + 32 + 4] = RAFT_MSG_APPEND;
	buf[4 + 1 + 32] = 0x7f;
	assert_int_equal(raftwire_decode_bin(buf, len, &m2, &out, &n, &e),
			 RC_TOO_LARGE);
	free(buf);
	assert_int_equal(raftwire_decode_bin(NULL, 0, &m2, &out, &n, &e),
			 RC_BAD_INPUT);
}

/* Damaged bodies: refused with a message and nothing allocated, or
 * accepted as a batch that re-encodes (under ASan: no bad access). */
static void test_bin_mutation(void **state)
{
	struct raft_msg ms[6], *out;
	struct raftwire_meta meta, m2;
	size_t n, n2, len, len2;
	int accepted = 0, refused = 0;
	char *buf, *buf2;
	struct err e;

	(void)state;
	rng_state = UINT64_C(0x0ddba11cafef00d);
	for (int iter = 0; iter < 20000; iter++) {
		memset(&meta, 0, sizeof(meta));
		n = rnd_batch(ms, 6, &meta.from);
		meta.seq = rnd_below(3);
		assert_int_equal(raftwire_encode_bin(&meta, ms, n, &buf, &len,
						     &e), RC_OK);
		free_batch(ms, n);
		for (size_t k = 1 + rnd_below(3); k > 0 && len > 0; k--) {
			switch (rnd_below(3)) {
			case 0:
				len = rnd_below(len);
				break;
			case 1:
				buf[rnd_below(len)] ^=
					(char)(1 << rnd_below(8));
				break;
			default:
				buf[rnd_below(len)] = (char)rnd();
			}
		}
		out = (struct raft_msg *)1;
		if (raftwire_decode_bin(buf, len, &m2, &out, &n2, &e) ==
		    RC_OK) {
			if (raftwire_encode_bin(&m2, out, n2, &buf2, &len2,
						&e) != RC_OK)
				fail_msg("accepted batch does not re-encode: "
					 "%s", e.msg);
			assert_int_equal(len, len2);
			assert_memory_equal(buf, buf2, len);
			free(buf2);
			raftwire_batch_release(out, n2);
			accepted++;
		} else {
			assert_null(out);
			assert_int_equal(n2, 0);
			assert_true(e.msg[0] != '\0');
			refused++;
		}
		free(buf);
	}
	print_message("binary mutation: %d accepted, %d refused\n", accepted,
		      refused);
	assert_true(accepted > 500);
	assert_true(refused > 5000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_vectors),
		cmocka_unit_test(test_exact_json),
		cmocka_unit_test(test_every_type),
		cmocka_unit_test(test_u64_extremes),
		cmocka_unit_test(test_decode_errors),
		cmocka_unit_test(test_encode_errors),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_random_roundtrip),
		cmocka_unit_test(test_mutation),
		cmocka_unit_test(test_bin_roundtrip),
		cmocka_unit_test(test_bin_errors),
		cmocka_unit_test(test_bin_mutation),
	};

	return cmocka_run_group_tests_name("raftwire", tests, NULL, NULL);
}
