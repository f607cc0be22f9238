/*
 * checker_test.c -- unit tests for the history checkers in t/check/:
 * hist.c (the JSON Lines reader and its refusals), linear.c (the WGL
 * search, also against a brute-force search on thousands of small random
 * histories), chkreg.c (register: stale reads, values never written,
 * non-obvious orders, late info writes, cas, many keys, big concurrent
 * histories, budget exhaustion), chkset.c, chkmono.c, chkbank.c, and the
 * fixtures in t/check/testdata/ (found through $RANGEDB_SRCDIR, default
 * ".").  Deterministic: every random history comes from a fixed seed.
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
#include <time.h>

#include "chkbank.h"
#include "chkmono.h"
#include "chkreg.h"
#include "chkset.h"
#include "hist.h"
#include "linear.h"

/* ---- helpers ---- */

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned rng_below(uint64_t *s, unsigned n)
{
	return (unsigned)(rng_next(s) % n);
}

/* A history under construction: JSON lines, "t" filled in. */
struct hb {
	char *buf;
	size_t len;
	FILE *f;
	long long t;
	int line;		/* lines written so far */
};

static void hb_open(struct hb *b, const char *meta)
{
	memset(b, 0, sizeof(*b));
	b->f = open_memstream(&b->buf, &b->len);
	assert_non_null(b->f);
	fprintf(b->f, "{\"type\":\"meta\",%s}\n", meta);
	b->line = 1;
	b->t = 1000000000;
}

/* One op event; k and v are raw JSON text or NULL.  Returns its line. */
static int hb_ev(struct hb *b, const char *type, int p, const char *f,
		 const char *k, const char *v)
{
	fprintf(b->f, "{\"type\":\"%s\",\"p\":%d,\"f\":\"%s\"", type, p, f);
	if (k != NULL)
		fprintf(b->f, ",\"k\":\"%s\"", k);
	if (v != NULL)
		fprintf(b->f, ",\"v\":%s", v);
	b->t += 1000;
	fprintf(b->f, ",\"t\":%lld}\n", b->t);
	return ++b->line;
}

static void hb_nemesis(struct hb *b, const char *f)
{
	b->t += 1000;
	fprintf(b->f, "{\"type\":\"nemesis\",\"f\":\"%s\",\"t\":%lld}\n", f,
		b->t);
	b->line++;
}

/* Close and parse; the history must be well formed. */
static struct hist *hb_hist(struct hb *b)
{
	struct hist *h = NULL;
	struct err e;
	int rc;

	fclose(b->f);
	rc = hist_read_string(b->buf, "test.jsonl", &h, &e);
	if (rc != RC_OK)
		fail_msg("%s", e.msg);
	free(b->buf);
	return h;
}

/* The op whose invoke is on line `line`. */
static const struct hist_op *op_at(const struct hist *h, int line)
{
	size_t i;

	for (i = 0; i < h->n_ops; i++)
		if (h->ops[i].pos_invoke == line)
			return &h->ops[i];
	fail_msg("no op invoked at line %d", line);
	return NULL;
}

/* Refused with RC_BAD_INPUT and a message containing want. */
static void bad_history(const char *text, const char *want)
{
	struct hist *h = (struct hist *)1;
	struct err e;

	assert_int_equal(hist_read_string(text, "h.jsonl", &h, &e),
			 RC_BAD_INPUT);
	assert_null(h);
	if (strstr(e.msg, want) == NULL)
		fail_msg("message '%s' lacks '%s'", e.msg, want);
}

#define META_REG "{\"type\":\"meta\",\"workload\":\"register\"}\n"
#define EV(type, p, f) "{\"type\":\"" type "\",\"p\":" #p ",\"f\":\"" f \
	"\",\"k\":\"x\",\"v\":1,\"t\":5}\n"

static struct chkreg_key *reg_key(struct chkreg_result *r, const char *k)
{
	size_t i;

	for (i = 0; i < r->n_keys; i++)
		if (strcmp(r->keys[i].key, k) == 0)
			return &r->keys[i];
	fail_msg("no key %s", k);
	return NULL;
}

static enum hist_verdict check_reg(struct hist *h, uint64_t budget,
				   struct chkreg_result *r)
{
	struct err e;

	if (chkreg_run(h, budget, r, &e) != RC_OK)
		fail_msg("%s", e.msg);
	return r->verdict;
}

/* The hist op of a key's search op index. */
static const struct hist_op *key_op(const struct hist *h,
				    const struct chkreg_key *k, size_t i)
{
	return &h->ops[k->ids[i]];
}

/* What print() writes, as a string to free. */
static char *printed_reg(const struct hist *h, const struct chkreg_result *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	chkreg_print(h, r, f);
	fclose(f);
	return buf;
}

static void assert_contains(const char *s, const char *want)
{
	if (strstr(s, want) == NULL)
		fail_msg("output lacks '%s':\n%s", want, s);
}

/* ---- hist.c ---- */

static void test_hist_parse(void **state)
{
	struct hb b;
	struct hist *h;
	const struct hist_op *op;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	hb_open(&b, "\"workload\":\"register\",\"keys\":2");
	hb_ev(&b, "invoke", 1, "write", "x", "5");		/* 2 */
	hb_ev(&b, "invoke", 2, "read", "x", "null");		/* 3 */
	hb_nemesis(&b, "partition 1|2");			/* 4 */
	hb_ev(&b, "ok", 1, "write", "x", "5");			/* 5 */
	fputs("\n   \n", b.f);				/* 6, 7 */
	b.line += 2;
	hb_ev(&b, "info", 2, "read", NULL, NULL);		/* 8 */
	hb_ev(&b, "invoke", 3, "cas", "y", "[5,6]");		/* 9 */
	hb_ev(&b, "fail", 3, "cas", "y", "[5,6]");		/* 10 */
	hb_ev(&b, "invoke", 4, "write", "y", "7");		/* 11 */
	h = hb_hist(&b);
	assert_string_equal(h->workload, "register");
	assert_int_equal(h->n_ops, 4);
	assert_int_equal(h->n_ok, 1);
	assert_int_equal(h->n_fail, 1);
	assert_int_equal(h->n_info, 2);
	assert_int_equal(h->n_nemesis, 1);
	assert_string_equal(h->nemesis[0].f, "partition 1|2");
	assert_int_equal(h->nemesis[0].pos, 4);
	op = &h->ops[0];
	assert_int_equal(op->id, 0);
	assert_int_equal(op->p, 1);
	assert_string_equal(op->f, "write");
	assert_string_equal(op->k, "x");
	assert_int_equal(json_integer_value(op->value), 5);
	assert_int_equal(op->status, HIST_OK);
	assert_int_equal(op->pos_invoke, 2);
	assert_int_equal(op->pos_complete, 5);
	assert_int_equal(op->t_complete - op->t_invoke, 3000);
	op = &h->ops[1];
	assert_int_equal(op->status, HIST_INFO);
	assert_int_equal(op->pos_complete, 8);
	assert_string_equal(op->k, "x");	/* from the invoke */
	assert_int_equal(h->ops[2].status, HIST_FAIL);
	/* an invoke open at the end of the file: info, no completion */
	op = &h->ops[3];
	assert_int_equal(op->status, HIST_INFO);
	assert_int_equal(op->pos_complete, HIST_POS_NONE);
	assert_null(op->result);

	/* printing */
	f = open_memstream(&out, &len);
	hist_op_print(h, &h->ops[0], f);
	fputc('\n', f);
	hist_op_print(h, &h->ops[3], f);
	fputc('\n', f);
	hist_print_counts(h, f);
	fclose(f);
	assert_string_equal(out,
		"p1 write \"x\" 5 -> ok  [+0.000000s..+0.000003s, "
		"lines 2..5]\n"
		"p4 write \"y\" 7 -> info (no completion)  [+0.000007s..?, "
		"line 11]\n"
		"register: 4 operations (1 ok, 1 fail, 2 info)");
	free(out);
	hist_free(h);
}

static void test_hist_refuses(void **state)
{
	struct hist *h = (struct hist *)1;
	struct err e;

	(void)state;
	bad_history("", "empty history");
	bad_history("\n\n", "empty history: no meta line");
	bad_history(EV("invoke", 1, "write"), "h.jsonl:1: the first line "
		    "must be {\"type\":\"meta\"");
	bad_history("{\"type\":\"meta\"}\n", "h.jsonl:1: the meta line has "
		    "no \"workload\"");
	bad_history(META_REG "{\"type\":\"invoke\",\n", "h.jsonl:2: "
		    "malformed JSON");
	bad_history(META_REG "[1,2]\n", "h.jsonl:2: expected a JSON object");
	bad_history(META_REG META_REG, "h.jsonl:2: a second meta line");
	bad_history(META_REG "{\"type\":\"bogus\"}\n", "h.jsonl:2: unknown "
		    "type \"bogus\"");
	bad_history(META_REG "{\"p\":1}\n", "h.jsonl:2: \"type\" is missing");
	bad_history(META_REG EV("ok", 1, "write"), "h.jsonl:2: \"ok\" for "
		    "process 1, which has no operation in flight");
	bad_history(META_REG EV("invoke", 1, "write") EV("invoke", 1, "read"),
		    "h.jsonl:3: process 1 invokes while its operation of "
		    "line 2 is in flight");
	bad_history(META_REG EV("invoke", 1, "write") EV("ok", 1, "read"),
		    "h.jsonl:3: \"ok\" of \"read\" for process 1, whose "
		    "operation in flight (line 2) is \"write\"");
	bad_history(META_REG EV("invoke", 1, "write") EV("info", 1, "write")
		    EV("invoke", 1, "write"),
		    "h.jsonl:4: process 1 invokes again after an operation "
		    "that ended \"info\"");
	bad_history(META_REG "{\"type\":\"invoke\",\"p\":1,\"f\":\"read\","
		    "\"k\":\"x\"}\n", "h.jsonl:2: \"t\" is missing");
	bad_history(META_REG "{\"type\":\"invoke\",\"p\":\"1\",\"f\":\"read\","
		    "\"t\":1}\n", "h.jsonl:2: \"p\" must be an integer");
	bad_history(META_REG "{\"type\":\"invoke\",\"p\":1,\"f\":\"read\","
		    "\"k\":3,\"t\":1}\n", "h.jsonl:2: \"k\" must be a string");
	bad_history(META_REG "{\"type\":\"invoke\",\"p\":1,\"f\":\"read\","
		    "\"k\":\"x\",\"t\":1}\n{\"type\":\"ok\",\"p\":1,\"f\":"
		    "\"read\",\"k\":\"y\",\"t\":2}\n", "h.jsonl:3: \"ok\" for "
		    "process 1 names key \"y\"");
	bad_history(META_REG "{\"type\":\"nemesis\",\"t\":1}\n",
		    "h.jsonl:2: \"f\" is missing");
	assert_int_equal(hist_read_file("/nonexistent/h.jsonl", &h, &e),
			 RC_IO);
	assert_null(h);
	assert_string_equal(e.msg, "cannot open '/nonexistent/h.jsonl': No "
			    "such file or directory");
}

/* ---- linear.c against a brute-force search ---- */

#define BF_MAX		12
#define BF_VALS		4	/* values 0..3, plus null */

static int bf_index(struct linear_val v)
{
	return v.is_null ? 0 : 1 + (int)v.v;
}

/*
 * Exhaustive search: is there an order of all ok ops and some info ops,
 * each placed after every ok op that completed before its invoke, that
 * the register accepts?  memo[used][value] marks dead ends.
 */
static int bf_rec(const struct linear_op *ops, size_t n, uint32_t used,
		  struct linear_val s, unsigned char *memo)
{
	int64_t m = INT64_MAX;
	size_t i;
	int all = 1;

	for (i = 0; i < n; i++)
		if (!ops[i].info && !(used >> i & 1)) {
			all = 0;
			if (ops[i].ret < m)
				m = ops[i].ret;
		}
	if (all)
		return 1;
	if (memo[used * (BF_VALS + 1) + bf_index(s)])
		return 0;
	memo[used * (BF_VALS + 1) + bf_index(s)] = 1;
	for (i = 0; i < n; i++) {
		struct linear_val next;

		if (used >> i & 1 || ops[i].inv >= m ||
		    (ops[i].info && ops[i].f == LINEAR_READ))
			continue;
		if (linear_step(&ops[i], s, &next) &&
		    bf_rec(ops, n, used | 1u << i, next, memo))
			return 1;
	}
	return 0;
}

static int brute_force(const struct linear_op *ops, size_t n)
{
	unsigned char *memo = calloc((size_t)1 << n, BF_VALS + 1);
	struct linear_val s = { 1, 0 };
	int ok;

	assert_non_null(memo);
	ok = bf_rec(ops, n, 0, s, memo);
	free(memo);
	return ok;
}

static struct linear_val rand_val(uint64_t *rng, int null_ok)
{
	struct linear_val v = { 0, 0 };

	if (null_ok && rng_below(rng, 5) == 0)
		v.is_null = 1;
	else
		v.v = rng_below(rng, BF_VALS);
	return v;
}

/*
 * A small random history: ops take effect at random points of their
 * intervals (info ops possibly never), reads return what they see, cas
 * ops that would not swap are left out; then maybe one result is broken.
 * Endpoints are distinct: pos = 1000 * random + serial.
 */
static size_t rand_history(uint64_t *rng, struct linear_op *ops)
{
	size_t n = 1 + rng_below(rng, BF_MAX), i, j, k = 0;
	int64_t point[BF_MAX];
	size_t order[BF_MAX];
	struct linear_val s = { 1, 0 };
	int serial = 0;

	for (i = 0; i < n; i++) {
		struct linear_op *o = &ops[i];
		int64_t a = rng_below(rng, 20), len = 1 + rng_below(rng, 8);

		memset(o, 0, sizeof(*o));
		o->f = (enum linear_f)rng_below(rng, 3);
		o->info = rng_below(rng, 5) == 0;
		o->a = rand_val(rng, o->f != LINEAR_WRITE);
		o->b = rand_val(rng, 0);
		o->inv = a * 1000 + serial++;
		o->ret = (a + len) * 1000 + serial++;
		/* the effect: inside the interval, or later/never for info */
		point[i] = o->inv + 1 + rng_below(rng, (unsigned)(o->ret -
							    o->inv - 1));
		if (o->info && rng_below(rng, 2))
			point[i] = rng_below(rng, 3) ? o->ret + 1000 *
				   rng_below(rng, 10) : INT64_MAX;
		order[i] = i;
	}
	for (i = 1; i < n; i++)		/* sort by effect point */
		for (j = i; j > 0 && point[order[j]] < point[order[j - 1]];
		     j--) {
			size_t t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (i = 0; i < n; i++) {
		struct linear_op *o = &ops[order[i]];
		struct linear_val next;

		if (point[order[i]] == INT64_MAX)
			continue;
		if (o->f == LINEAR_READ)
			o->a = s;
		if (linear_step(o, s, &next))
			s = next;
		else if (!o->info)
			o->f = LINEAR_READ, o->a = s;	/* keep it ok */
	}
	/* break one result in every other history */
	if (rng_below(rng, 2) == 0) {
		i = rng_below(rng, (unsigned)n);
		ops[i].a = rand_val(rng, 1);
	}
	for (i = 0; i < n; i++)
		if (!(ops[i].info && ops[i].f == LINEAR_READ))
			ops[k++] = ops[i];
	return k;
}

static void test_linear_brute_force(void **state)
{
	uint64_t rng = 0x5eed;
	struct linear_op ops[BF_MAX];
	int i, valid = 0, invalid = 0;

	(void)state;
	for (i = 0; i < 6000; i++) {
		struct linear_result r;
		size_t n = rand_history(&rng, ops);
		int want = brute_force(ops, n);

		assert_int_equal(linear_check(ops, n, 1000000, &r, NULL),
				 RC_OK);
		if ((r.verdict == LINEAR_OK) != want)
			fail_msg("history %d: the search says %s, brute "
				 "force %s", i, r.verdict == LINEAR_OK ?
				 "valid" : r.verdict == LINEAR_FAIL ?
				 "invalid" : "unknown",
				 want ? "valid" : "invalid");
		if (r.verdict == LINEAR_FAIL)
			assert_true(r.n_stuck >= 1);
		want ? valid++ : invalid++;
		linear_result_release(&r);
	}
	print_message("# %d valid, %d invalid\n", valid, invalid);
	/* both verdicts well represented */
	assert_true(valid > 1000);
	assert_true(invalid > 1000);
}

static void test_linear_refuses(void **state)
{
	struct linear_op op;
	struct linear_result r;
	struct err e;

	(void)state;
	memset(&op, 0, sizeof(op));
	op.f = LINEAR_WRITE;
	op.inv = 5;
	op.ret = 5;
	assert_int_equal(linear_check(&op, 1, 10, &r, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "operation 0 completes before it is "
			    "invoked");
	/* nothing to check: fine */
	assert_int_equal(linear_check(&op, 0, 10, &r, &e), RC_OK);
	assert_int_equal(r.verdict, LINEAR_OK);
	linear_result_release(&r);
}

/* ---- register ---- */

static void test_reg_sequential(void **state)
{
	struct chkreg_result r;
	struct hb b;
	struct hist *h;

	(void)state;
	hb_open(&b, "\"workload\":\"register\"");
	hb_ev(&b, "invoke", 0, "read", "x", "null");
	hb_ev(&b, "ok", 0, "read", "x", "null");
	hb_ev(&b, "invoke", 0, "write", "x", "1");
	hb_ev(&b, "ok", 0, "write", "x", "1");
	hb_ev(&b, "invoke", 0, "cas", "x", "[1,2]");
	hb_ev(&b, "ok", 0, "cas", "x", "[1,2]");
	hb_ev(&b, "invoke", 0, "cas", "x", "[1,3]");
	hb_ev(&b, "fail", 0, "cas", "x", "[1,3]");
	hb_ev(&b, "invoke", 0, "read", "x", "null");
	hb_ev(&b, "ok", 0, "read", "x", "2");
	h = hb_hist(&b);
	assert_int_equal(check_reg(h, 1000, &r), HIST_VALID);
	assert_int_equal(r.n_keys, 1);
	assert_int_equal(r.keys[0].n_ops, 4);	/* the fail left out */
	chkreg_release(&r);
	hist_free(h);
}

static void test_reg_stale_read(void **state)
{
	struct chkreg_result r;
	struct chkreg_key *k;
	struct hb b;
	struct hist *h;
	json_t *j;
	char *out;
	int w1, w2, rd;

	(void)state;
	hb_open(&b, "\"workload\":\"register\"");
	w1 = hb_ev(&b, "invoke", 0, "write", "x", "1");
	hb_ev(&b, "ok", 0, "write", "x", "1");
	w2 = hb_ev(&b, "invoke", 1, "write", "x", "2");
	hb_ev(&b, "ok", 1, "write", "x", "2");
	hb_nemesis(&b, "partition");
	rd = hb_ev(&b, "invoke", 0, "read", "x", "null");
	hb_ev(&b, "ok", 0, "read", "x", "1");
	h = hb_hist(&b);
	assert_int_equal(check_reg(h, 1000, &r), HIST_INVALID);
	assert_int_equal(r.n_invalid, 1);
	k = &r.keys[r.first_invalid];
	assert_int_equal(k->lr.verdict, LINEAR_FAIL);
	assert_false(k->lr.never_written);
	assert_int_equal(k->lr.n_prefix, 2);
	assert_ptr_equal(key_op(h, k, k->lr.prefix[0]), op_at(h, w1));
	assert_ptr_equal(key_op(h, k, k->lr.prefix[1]), op_at(h, w2));
	assert_false(k->lr.prefix_state.is_null);
	assert_int_equal(k->lr.prefix_state.v, 2);
	assert_int_equal(k->lr.n_stuck, 1);
	assert_ptr_equal(key_op(h, k, k->lr.stuck[0]), op_at(h, rd));
	out = printed_reg(h, &r);
	assert_contains(out, "register: 3 operations (3 ok, 0 fail, 0 info), "
			"1 keys, 1 nemesis events: not linearizable (1 of 1 "
			"keys)\n");
	assert_contains(out, "longest linearizable prefix: 2 operations:\n"
			"    p0 write \"x\" 1 -> ok  [+0.000000s..+0.000001s, "
			"lines 2..3]\n");
	assert_contains(out, "after which the register holds 2 and none of "
			"these could be linearized next:\n"
			"    p0 read \"x\" -> ok 1  [+0.000005s..+0.000006s, "
			"lines 7..8]\n"
			"      reads 1, but the register holds 2\n");
	free(out);
	j = json_object();
	assert_int_equal(chkreg_json(h, &r, j), RC_OK);
	assert_string_equal(json_string_value(json_object_get(j, "verdict")),
			    "not linearizable");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
		j, "violation"), "prefix_length")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
		json_object_get(json_object_get(j, "violation"), "stuck"), 0),
		"line_invoke")), rd);
	json_decref(j);
	chkreg_release(&r);
	hist_free(h);
}

static void test_reg_never_written(void **state)
{
	struct chkreg_result r;
	struct chkreg_key *k;
	struct hb b;
	struct hist *h;
	char *out;
	int rd;

	(void)state;
	hb_open(&b, "\"workload\":\"register\"");
	hb_ev(&b, "invoke", 0, "write", "x", "1");
	hb_ev(&b, "ok", 0, "write", "x", "1");
	rd = hb_ev(&b, "invoke", 1, "read", "x", "null");
	hb_ev(&b, "ok", 1, "read", "x", "9");
	/* a write of 9 invoked only after the read completed */
	hb_ev(&b, "invoke", 0, "write", "x", "9");
	hb_ev(&b, "ok", 0, "write", "x", "9");
	h = hb_hist(&b);
	assert_int_equal(check_reg(h, 1000, &r), HIST_INVALID);
	k = &r.keys[r.first_invalid];
	assert_true(k->lr.never_written);
	assert_ptr_equal(key_op(h, k, k->lr.stuck[0]), op_at(h, rd));
	out = printed_reg(h, &r);
	assert_contains(out, "key \"x\": a value no write produced:\n"
			"    p1 read \"x\" -> ok 9");
	assert_contains(out, "reads 9, but no write of it was invoked before "
			"this completed\n");
	free(out);
	chkreg_release(&r);
	hist_free(h);

	/* what the recorder could not parse as an integer: a string */
	hb_open(&b, "\"workload\":\"register\"");
	hb_ev(&b, "invoke", 0, "write", "x", "1");
	hb_ev(&b, "ok", 0, "write", "x", "null");
	rd = hb_ev(&b, "invoke", 1, "read", "x", "null");
	hb_ev(&b, "ok", 1, "read", "x", "\"1x\"");
	h = hb_hist(&b);
	assert_int_equal(check_reg(h, 1000, &r), HIST_INVALID);
	k = &r.keys[0];
	assert_true(k->lr.never_written);
	assert_ptr_equal(key_op(h, k, k->lr.stuck[0]), op_at(h, rd));
	out = printed_reg(h, &r);
	assert_contains(out, "    p1 read \"x\" -> ok \"1x\"  [");
	assert_contains(out, "      reads something that is not an integer: "
			"no write wrote it\n");
	/* a write's null result is not shown */
	assert_int_equal(k->lr.n_stuck, 1);
	free(out);
	chkreg_release(&r);
	hist_free(h);
}

/*
 * Concurrent ops that are linearizable only in an order the search does
 * not try first: the later-invoked write must take effect first, and a
 * read sees the initial null while a write is in flight.
 */
static void test_reg_concurrent_order(void **state)
{
	struct chkreg_result r;
	struct hb b;
	struct hist *h;

	(void)state;
	hb_open(&b, "\"workload\":\"register\"");
	hb_ev(&b, "invoke", 0, "write", "x", "1");
	hb_ev(&b, "invoke", 1, "write", "x", "2");
	hb_ev(&b, "invoke", 2, "read", "x", "null");
	hb_ev(&b, "invoke", 3, "read", "x", "null");
	hb_ev(&b, "ok", 3, "read", "x", "null");	/* before both */
	hb_ev(&b, "ok", 1, "write", "x", "2");
	hb_ev(&b, "ok", 2, "read", "x", "2");		/* 2 after... */
	hb_ev(&b, "invoke", 3, "read", "x", "null");
	hb_ev(&b, "ok", 0, "write", "x", "1");
	hb_ev(&b, "ok", 3, "read", "x", "1");		/* ...then 1 */
	hb_ev(&b, "invoke", 2, "cas", "x", "[1,5]");
	hb_ev(&b, "ok", 2, "cas", "x", "[1,5]");
	hb_ev(&b, "invoke", 2, "read", "x", "null");
	hb_ev(&b, "ok", 2, "read", "x", "5");
	h = hb_hist(&b);
	assert_int_equal(check_reg(h, 1000, &r), HIST_VALID);
	chkreg_release(&r);
	hist_free(h);

	/* the same, but the last read sees 1 again: not linearizable */
	hb_open(&b, "\"workload\":\"register\"");
	hb_ev(&b, "invoke", 0, "write", "x", "1");
	hb_ev(&b, "invoke", 1, "write", "x", "2");
	hb_ev(&b, "invoke", 2, "read", "x", "null");
	hb_ev(&b, "ok", 1, "write", "x", "2");
	hb_ev(&b, "ok", 2, "read", "x", "2");
	hb_ev(&b, "invoke", 3, "read", "x", "null");
	hb_ev(&b, "ok", 0, "write", "x", "1");
	hb_ev(&b, "ok", 3, "read", "x", "1");
	hb_ev(&b, "invoke", 2, "read", "x", "null");
	hb_ev(&b, "ok", 2, "read", "x", "2");
	h = hb_hist(&b);
	assert_int_equal(check_reg(h, 1000, &r), HIST_INVALID);
	chkreg_release(&r);
	hist_free(h);
}

/* Info writes may take effect long after they timed out, or never. */
static void test_reg_info_late(void **state)
{
	struct chkreg_result r;
	struct hb b;
	struct hist *h;
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		hb_open(&b, "\"workload\":\"register\"");
		hb_ev(&b, "invoke", 0, "write", "x", "1");
		hb_ev(&b, "ok", 0, "write", "x", "1");
		hb_ev(&b, "invoke", 1, "write", "x", "2");
		hb_ev(&b, "info", 1, "write", "x", "2");
		/* never completes */
		hb_ev(&b, "invoke", 2, "cas", "x", "[2,3]");
		hb_ev(&b, "invoke", 0, "read", "x", "null");
		hb_ev(&b, "ok", 0, "read", "x", "1");	/* 2 not yet */
		hb_ev(&b, "invoke", 0, "read", "x", "null");
		if (i == 0)		/* 2 took effect late */
			hb_ev(&b, "ok", 0, "read", "x", "2");
		else		/* 2, then the cas 2 -> 3, unseen */
			hb_ev(&b, "ok", 0, "read", "x", "3");
		hb_ev(&b, "invoke", 0, "read", "x", "null");
		/* after 3, a 2 again would need a second write of 2 */
		hb_ev(&b, "ok", 0, "read", "x", i == 0 ? "2" : i == 1 ? "3"
							       : "2");
		h = hb_hist(&b);
		assert_int_equal(check_reg(h, 1000, &r), i == 2 ?
				 HIST_INVALID : HIST_VALID);
		chkreg_release(&r);
		hist_free(h);
	}

	/* an info write never seen: fine; seen, then 1 again: not */
	hb_open(&b, "\"workload\":\"register\"");
	hb_ev(&b, "invoke", 0, "write", "x", "1");
	hb_ev(&b, "ok", 0, "write", "x", "1");
	hb_ev(&b, "invoke", 1, "write", "x", "7");
	hb_ev(&b, "info", 1, "write", "x", "7");
	hb_ev(&b, "invoke", 0, "read", "x", "null");
	hb_ev(&b, "ok", 0, "read", "x", "7");
	hb_ev(&b, "invoke", 0, "read", "x", "null");
	hb_ev(&b, "ok", 0, "read", "x", "1");
	h = hb_hist(&b);
	assert_int_equal(check_reg(h, 1000, &r), HIST_INVALID);
	chkreg_release(&r);
	hist_free(h);

	/* a failed write that shows up: its value was never written */
	hb_open(&b, "\"workload\":\"register\"");
	hb_ev(&b, "invoke", 1, "write", "x", "7");
	hb_ev(&b, "fail", 1, "write", "x", "7");
	hb_ev(&b, "invoke", 0, "read", "x", "null");
	hb_ev(&b, "ok", 0, "read", "x", "7");
	h = hb_hist(&b);
	assert_int_equal(check_reg(h, 1000, &r), HIST_INVALID);
	assert_true(r.keys[0].lr.never_written);
	chkreg_release(&r);
	hist_free(h);
}

static void test_reg_cas(void **state)
{
	struct chkreg_result r;
	struct chkreg_key *k;
	struct hb b;
	struct hist *h;
	char *out;
	int c;

	(void)state;
	/* cas from absent, then a cas that must have failed succeeded */
	hb_open(&b, "\"workload\":\"register\"");
	hb_ev(&b, "invoke", 0, "cas", "x", "[null,1]");
	hb_ev(&b, "ok", 0, "cas", "x", "[null,1]");
	hb_ev(&b, "invoke", 0, "write", "x", "2");
	hb_ev(&b, "ok", 0, "write", "x", "2");
	c = hb_ev(&b, "invoke", 1, "cas", "x", "[1,3]");
	hb_ev(&b, "ok", 1, "cas", "x", "[1,3]");
	h = hb_hist(&b);
	assert_int_equal(check_reg(h, 1000, &r), HIST_INVALID);
	k = &r.keys[0];
	assert_false(k->lr.never_written);
	assert_ptr_equal(key_op(h, k, k->lr.stuck[0]), op_at(h, c));
	out = printed_reg(h, &r);
	assert_contains(out, "p1 cas \"x\" [1,3] -> ok");
	assert_contains(out, "expects 1, but the register holds 2\n");
	free(out);
	chkreg_release(&r);
	hist_free(h);

	/* malformed cas value */
	hb_open(&b, "\"workload\":\"register\"");
	hb_ev(&b, "invoke", 0, "cas", "x", "[1]");
	hb_ev(&b, "ok", 0, "cas", "x", "[1]");
	h = hb_hist(&b);
	{
		struct err e;

		assert_int_equal(chkreg_run(h, 10, &r, &e), RC_BAD_INPUT);
		assert_string_equal(e.msg, "test.jsonl:3: p0 cas: a cas's "
				    "\"v\" must be [expected, new], integers "
				    "or null");
	}
	hist_free(h);
}

/* Many keys: each its own register; the earliest violation reported. */
static void test_reg_many_keys(void **state)
{
	struct chkreg_result r;
	struct hb b;
	struct hist *h;
	char k[16], v[16];
	int i;

	(void)state;
	hb_open(&b, "\"workload\":\"register\",\"keys\":50");
	for (i = 0; i < 50; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		snprintf(v, sizeof(v), "%d", i);
		hb_ev(&b, "invoke", i, "write", k, v);
	}
	for (i = 0; i < 50; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		snprintf(v, sizeof(v), "%d", i);
		hb_ev(&b, "ok", i, "write", k, v);
	}
	for (i = 49; i >= 0; i--) {
		snprintf(k, sizeof(k), "k%d", i);
		snprintf(v, sizeof(v), "%d", i == 7 || i == 30 ? i + 1 : i);
		hb_ev(&b, "invoke", i, "read", k, "null");
		hb_ev(&b, "ok", i, "read", k, v);
	}
	h = hb_hist(&b);
	assert_int_equal(check_reg(h, 1000, &r), HIST_INVALID);
	assert_int_equal(r.n_keys, 50);
	assert_int_equal(r.n_invalid, 2);
	/* k30's bad read completes before k7's */
	assert_string_equal(r.keys[r.first_invalid].key, "k30");
	assert_int_equal(reg_key(&r, "k7")->lr.verdict, LINEAR_FAIL);
	assert_int_equal(reg_key(&r, "k8")->lr.verdict, LINEAR_OK);
	chkreg_release(&r);
	hist_free(h);
}

/*
 * A register history from clients on a real register: each op takes
 * effect between its invoke and its completion; info ops (a timeout)
 * take effect before the timeout, later, or never.  vals 0: every write
 * a new value.  Returns the line of the last ok read of key k0 whose
 * result is a value, for tests to break; *first_k0 (unless NULL; set it
 * to -1 first) is the value of the first ok write to k0.
 */
struct sim_op {
	int p, busy, applied, f, key;
	long long v, v2, res;
	int res_null, swapped;
};

static int gen_register(struct hb *b, uint64_t seed, int n_ops, int clients,
			int keys, int info_pct, int vals, long long *first_k0)
{
	struct sim_op *c = calloc((size_t)clients, sizeof(*c));
	struct sim_op *late = calloc((size_t)n_ops + 1, sizeof(*late));
	long long *reg = calloc((size_t)keys, sizeof(*reg));
	int *set = calloc((size_t)keys, sizeof(*set));
	int n_late = 0, done = 0, next_p = clients, last_read = 0, i;
	long long counter = 0;
	uint64_t rng = seed;
	static const char *fs[] = { "read", "write", "cas" };
	char k[16], v[64];

	assert_true(c && late && reg && set);
	for (i = 0; i < clients; i++)
		c[i].p = i;
	for (;;) {
		struct sim_op *o;
		int busy = 0;

		for (i = 0; i < clients; i++)
			busy |= c[i].busy;
		if (done >= n_ops && !busy)
			break;
		if (n_late > 0 && rng_below(&rng, 20) == 0) {
			/* an info op from long ago takes effect */
			i = (int)rng_below(&rng, (unsigned)n_late);
			o = &late[i];
			if (o->f == 1 || (o->f == 2 && set[o->key] &&
					  reg[o->key] == o->v)) {
				reg[o->key] = o->f == 1 ? o->v : o->v2;
				set[o->key] = 1;
			}
			late[i] = late[--n_late];
			continue;
		}
		o = &c[rng_below(&rng, (unsigned)clients)];
		snprintf(k, sizeof(k), "k%d", o->key);
		if (!o->busy) {
			if (done >= n_ops)
				continue;
			done++;
			o->busy = 1;
			o->applied = 0;
			o->key = (int)rng_below(&rng, (unsigned)keys);
			o->f = (int)rng_below(&rng, 3);
			o->v = vals ? rng_below(&rng, (unsigned)vals)
				    : ++counter;
			o->v2 = vals ? rng_below(&rng, (unsigned)vals)
				     : ++counter;
			snprintf(k, sizeof(k), "k%d", o->key);
			if (o->f == 0)
				snprintf(v, sizeof(v), "null");
			else if (o->f == 1)
				snprintf(v, sizeof(v), "%lld", o->v);
			else
				snprintf(v, sizeof(v), "[%lld,%lld]", o->v,
					 o->v2);
			hb_ev(b, "invoke", o->p, fs[o->f], k, v);
			continue;
		}
		if (o->f == 0)
			snprintf(v, sizeof(v), "null");
		else if (o->f == 1)
			snprintf(v, sizeof(v), "%lld", o->v);
		else
			snprintf(v, sizeof(v), "[%lld,%lld]", o->v, o->v2);
		if (!o->applied) {
			if ((int)rng_below(&rng, 100) < info_pct) {
				/* timed out before taking effect */
				hb_ev(b, "info", o->p, fs[o->f], k, v);
				if (o->f != 0 && rng_below(&rng, 2))
					late[n_late++] = *o;
				o->busy = 0;
				o->p = next_p++;
				continue;
			}
			o->applied = 1;
			o->res = reg[o->key];
			o->res_null = !set[o->key];
			o->swapped = 0;
			if (o->f == 1 || (o->f == 2 && set[o->key] &&
					  reg[o->key] == o->v)) {
				reg[o->key] = o->f == 1 ? o->v : o->v2;
				set[o->key] = 1;
				o->swapped = 1;
			}
			continue;
		}
		o->busy = 0;
		if ((int)rng_below(&rng, 100) < info_pct) {
			hb_ev(b, "info", o->p, fs[o->f], k, v);
			o->p = next_p++;
			continue;
		}
		if (o->f == 0) {
			int line;

			if (o->res_null)
				snprintf(v, sizeof(v), "null");
			else
				snprintf(v, sizeof(v), "%lld", o->res);
			line = hb_ev(b, "ok", o->p, "read", k, v);
			if (o->key == 0 && !o->res_null)
				last_read = line;
		} else {
			hb_ev(b, o->f == 2 && !o->swapped ? "fail" : "ok",
			      o->p, fs[o->f], k, v);
			if (first_k0 != NULL && *first_k0 < 0 && o->f == 1 &&
			    o->key == 0)
				*first_k0 = o->v;
		}
	}
	free(c);
	free(late);
	free(reg);
	free(set);
	return last_read;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Big concurrent histories: 10,000 ops, 8 clients, 8 keys, 3% info;
 * and one key with 4,000 ops and 5% info over 50 values.  Memoization
 * keeps the search near-linear: the configurations are counted.
 */
static void test_reg_big(void **state)
{
	struct chkreg_result r;
	struct hb b;
	struct hist *h;
	double t0;

	(void)state;
	hb_open(&b, "\"workload\":\"register\",\"keys\":8");
	gen_register(&b, 1, 10000, 8, 8, 3, 5, NULL);
	h = hb_hist(&b);
	assert_int_equal(h->n_ops, 10000);
	assert_true(h->n_info > 100);
	t0 = now_s();
	assert_int_equal(check_reg(h, LINEAR_DEFAULT_BUDGET, &r), HIST_VALID);
	print_message("# 10000 ops, 8 keys: %" PRIu64 " configurations, "
		      "%.3fs\n", r.configs, now_s() - t0);
	assert_int_equal(r.n_keys, 8);
	assert_true(r.configs < 3 * 10000);
	assert_true(now_s() - t0 < 20);		/* even under ASan */
	chkreg_release(&r);
	hist_free(h);

	hb_open(&b, "\"workload\":\"register\",\"keys\":1");
	gen_register(&b, 2, 4000, 8, 1, 5, 50, NULL);
	h = hb_hist(&b);
	assert_true(h->n_info > 200);
	assert_int_equal(check_reg(h, LINEAR_DEFAULT_BUDGET, &r), HIST_VALID);
	print_message("# 4000 ops, 1 key: %" PRIu64 " configurations\n",
		      r.configs);
	assert_true(r.configs < 10 * 4000);
	chkreg_release(&r);
	hist_free(h);
}

/*
 * A big history with one read broken to a value overwritten long ago:
 * found, and named; with a tiny budget the verdict is unknown.
 */
static void test_reg_big_violation(void **state)
{
	struct chkreg_result r;
	struct chkreg_key *k;
	struct hb b;
	struct hist *h;
	char *text, *p, *line_start, old[32];
	long long first = -1;
	int bad_line, i;

	(void)state;
	hb_open(&b, "\"workload\":\"register\",\"keys\":4");
	bad_line = gen_register(&b, 3, 4000, 6, 4, 2, 0, &first);
	fclose(b.f);
	assert_true(first > 0);
	/* rewrite the read's result: "v":N -> "v":first (padded) */
	text = b.buf;
	for (p = text, i = 1; i < bad_line; p++)
		if (*p == '\n')
			i++;
	line_start = p;
	p = strstr(line_start, "\"v\":");
	assert_non_null(p);
	p += 4;
	{
		char *end = strchr(p, ',');
		size_t n = (size_t)(end - p);
		int len = snprintf(old, sizeof(old), "%lld", first);

		assert_true(n >= (size_t)len);
		memset(p, ' ', n);
		memcpy(p + n - (size_t)len, old, (size_t)len);
	}
	assert_int_equal(hist_read_string(text, "big.jsonl", &h, NULL),
			 RC_OK);
	free(text);
	assert_int_equal(check_reg(h, LINEAR_DEFAULT_BUDGET, &r),
			 HIST_INVALID);
	k = &r.keys[r.first_invalid];
	assert_string_equal(k->key, "k0");
	assert_false(k->lr.never_written);
	assert_int_equal(key_op(h, k, k->lr.stuck[0])->pos_complete,
			 bad_line);
	assert_true(k->lr.n_prefix > 100);
	chkreg_release(&r);

	assert_int_equal(check_reg(h, 50, &r), HIST_UNKNOWN);
	assert_int_equal(r.n_unknown, r.n_keys);
	assert_int_equal(r.keys[0].lr.configs, 50);
	{
		char *out = printed_reg(h, &r);

		assert_contains(out, ": unknown (4 of 4 keys)\n");
		assert_contains(out, "the search budget of 50 configurations "
				"ran out");
		free(out);
	}
	chkreg_release(&r);
	hist_free(h);
}

/* ---- set ---- */

static void test_set(void **state)
{
	struct chkset_result r;
	struct hb b;
	struct hist *h;
	struct err e;
	int lost, rd;

	(void)state;
	hb_open(&b, "\"workload\":\"set\"");
	hb_ev(&b, "invoke", 0, "add", NULL, "1");
	hb_ev(&b, "ok", 0, "add", NULL, "1");
	hb_ev(&b, "invoke", 1, "add", NULL, "2");
	hb_ev(&b, "info", 1, "add", NULL, "2");
	hb_ev(&b, "invoke", 2, "add", NULL, "3");
	hb_ev(&b, "info", 2, "add", NULL, "3");
	hb_ev(&b, "invoke", 0, "add", NULL, "4");
	hb_ev(&b, "fail", 0, "add", NULL, "4");
	hb_ev(&b, "invoke", 0, "add", NULL, "5");
	hb_ev(&b, "invoke", 3, "read", NULL, NULL);
	hb_ev(&b, "ok", 0, "add", NULL, "5");	/* concurrent with read */
	hb_ev(&b, "ok", 3, "read", NULL, "[1,2]");
	h = hb_hist(&b);
	assert_int_equal(chkset_run(h, &r, &e), RC_OK);
	assert_int_equal(r.verdict, HIST_VALID);
	assert_int_equal(r.adds_ok, 2);
	assert_int_equal(r.adds_fail, 1);
	assert_int_equal(r.adds_info, 2);
	assert_int_equal(r.recovered, 1);
	assert_int_equal(r.unsure, 1);
	assert_int_equal(r.final_size, 2);
	chkset_release(&r);
	hist_free(h);

	/* lost, duplicate, phantom, unexpected */
	hb_open(&b, "\"workload\":\"set\"");
	lost = hb_ev(&b, "invoke", 0, "add", NULL, "1");
	hb_ev(&b, "ok", 0, "add", NULL, "1");
	hb_ev(&b, "invoke", 0, "add", NULL, "2");
	hb_ev(&b, "ok", 0, "add", NULL, "2");
	hb_ev(&b, "invoke", 0, "add", NULL, "3");
	hb_ev(&b, "fail", 0, "add", NULL, "3");
	rd = hb_ev(&b, "invoke", 1, "read", NULL, NULL);
	hb_ev(&b, "ok", 1, "read", NULL, "[2,2,3,9]");
	hb_ev(&b, "invoke", 0, "add", NULL, "9");	/* after the read */
	hb_ev(&b, "ok", 0, "add", NULL, "9");
	hb_ev(&b, "invoke", 1, "read", NULL, NULL);
	hb_ev(&b, "ok", 1, "read", NULL, "[2,9]");
	h = hb_hist(&b);
	assert_int_equal(chkset_run(h, &r, &e), RC_OK);
	assert_int_equal(r.verdict, HIST_INVALID);
	assert_int_equal(r.reads_ok, 2);
	assert_int_equal(r.v[CHKSET_LOST].count, 1);
	assert_int_equal(r.v[CHKSET_LOST].value, 1);
	assert_ptr_equal(&h->ops[r.v[CHKSET_LOST].add], op_at(h, lost));
	assert_int_equal(r.v[CHKSET_DUPLICATE].count, 1);
	assert_int_equal(r.v[CHKSET_DUPLICATE].value, 2);
	assert_ptr_equal(&h->ops[r.v[CHKSET_DUPLICATE].read], op_at(h, rd));
	assert_int_equal(r.v[CHKSET_PHANTOM].count, 1);
	assert_int_equal(r.v[CHKSET_PHANTOM].value, 9);
	assert_int_equal(r.v[CHKSET_UNEXPECTED].count, 1);
	assert_int_equal(r.v[CHKSET_UNEXPECTED].value, 3);
	{
		char *out = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&out, &len);

		chkset_print(h, &r, f);
		fclose(f);
		assert_contains(out, "set: 6 operations (5 ok, 1 fail, 0 "
				"info), 0 nemesis events: invalid\n");
		assert_contains(out, "lost: 1 ok adds missing from the final "
				"read: 1\n");
		assert_contains(out, "phantom: 1 elements read that no add "
				"wrote: 9\n");
		free(out);
	}
	chkset_release(&r);
	hist_free(h);

	/* an element that is not an integer */
	hb_open(&b, "\"workload\":\"set\"");
	hb_ev(&b, "invoke", 0, "add", NULL, "1");
	hb_ev(&b, "ok", 0, "add", NULL, "1");
	rd = hb_ev(&b, "invoke", 1, "read", NULL, NULL);
	hb_ev(&b, "ok", 1, "read", NULL, "[1,\"chk/x/set/zz\"]");
	h = hb_hist(&b);
	assert_int_equal(chkset_run(h, &r, &e), RC_OK);
	assert_int_equal(r.verdict, HIST_INVALID);
	assert_int_equal(r.foreign, 1);
	assert_ptr_equal(&h->ops[r.foreign_read], op_at(h, rd));
	assert_int_equal(r.final_size, 1);
	assert_int_equal(r.v[CHKSET_LOST].count, 0);
	chkset_release(&r);
	hist_free(h);

	/* no read: unknown; a value added twice: malformed */
	hb_open(&b, "\"workload\":\"set\"");
	hb_ev(&b, "invoke", 0, "add", NULL, "1");
	hb_ev(&b, "ok", 0, "add", NULL, "1");
	h = hb_hist(&b);
	assert_int_equal(chkset_run(h, &r, &e), RC_OK);
	assert_int_equal(r.verdict, HIST_UNKNOWN);
	chkset_release(&r);
	hist_free(h);
	hb_open(&b, "\"workload\":\"set\"");
	hb_ev(&b, "invoke", 0, "add", NULL, "1");
	hb_ev(&b, "ok", 0, "add", NULL, "1");
	hb_ev(&b, "invoke", 0, "add", NULL, "1");
	hb_ev(&b, "ok", 0, "add", NULL, "1");
	h = hb_hist(&b);
	assert_int_equal(chkset_run(h, &r, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "test.jsonl:5: p0 add: value 1 was already "
			    "added at line 2");
	hist_free(h);
}

/* ---- monotonic ---- */

static void test_monotonic(void **state)
{
	struct chkmono_result r;
	struct hb b;
	struct hist *h;
	struct err e;
	int w1, saw, rd;

	(void)state;
	/* valid: seqs increase per key, sessions never go back */
	hb_open(&b, "\"workload\":\"monotonic\",\"keys\":2");
	hb_ev(&b, "invoke", 0, "write", "a", "null");
	hb_ev(&b, "ok", 0, "write", "a", "1");
	hb_ev(&b, "invoke", 1, "read", "a", "null");
	hb_ev(&b, "invoke", 0, "write", "b", "null");
	hb_ev(&b, "ok", 0, "write", "b", "2");
	hb_ev(&b, "ok", 1, "read", "a", "1");
	hb_ev(&b, "invoke", 1, "read", "b", "null");
	hb_ev(&b, "ok", 1, "read", "b", "2");
	hb_ev(&b, "invoke", 0, "write", "a", "null");
	hb_ev(&b, "info", 0, "write", "a", "null");	/* seq unknown */
	hb_ev(&b, "invoke", 1, "read", "a", "null");
	hb_ev(&b, "ok", 1, "read", "a", "3");	/* the info write's */
	h = hb_hist(&b);
	assert_int_equal(chkmono_run(h, &r, &e), RC_OK);
	assert_int_equal(r.verdict, HIST_VALID);
	assert_int_equal(r.n_keys, 2);
	assert_int_equal(r.writes[HIST_OK], 2);
	assert_int_equal(r.writes[HIST_INFO], 1);
	assert_int_equal(r.reads[HIST_OK], 3);
	hist_free(h);

	/* stale: saw 2 (written after a=1), then a reads null */
	hb_open(&b, "\"workload\":\"monotonic\"");
	w1 = hb_ev(&b, "invoke", 0, "write", "a", "null");
	hb_ev(&b, "ok", 0, "write", "a", "1");
	hb_ev(&b, "invoke", 0, "write", "b", "null");
	hb_ev(&b, "ok", 0, "write", "b", "2");
	saw = hb_ev(&b, "invoke", 1, "read", "b", "null");
	hb_ev(&b, "ok", 1, "read", "b", "2");
	rd = hb_ev(&b, "invoke", 1, "read", "a", "null");
	hb_ev(&b, "ok", 1, "read", "a", "null");
	h = hb_hist(&b);
	assert_int_equal(chkmono_run(h, &r, &e), RC_OK);
	assert_int_equal(r.verdict, HIST_INVALID);
	assert_int_equal(r.first, CHKMONO_STALE);
	assert_ptr_equal(&h->ops[r.v[CHKMONO_STALE].read], op_at(h, rd));
	assert_ptr_equal(&h->ops[r.v[CHKMONO_STALE].earlier], op_at(h, saw));
	assert_ptr_equal(&h->ops[r.v[CHKMONO_STALE].write], op_at(h, w1));
	hist_free(h);

	/* backwards on one key; a phantom; a seq given twice */
	hb_open(&b, "\"workload\":\"monotonic\"");
	hb_ev(&b, "invoke", 0, "write", "a", "null");
	hb_ev(&b, "ok", 0, "write", "a", "4");
	hb_ev(&b, "invoke", 0, "write", "a", "null");
	hb_ev(&b, "ok", 0, "write", "a", "5");
	hb_ev(&b, "invoke", 0, "write", "b", "null");
	hb_ev(&b, "ok", 0, "write", "b", "5");
	saw = hb_ev(&b, "invoke", 1, "read", "a", "null");
	hb_ev(&b, "ok", 1, "read", "a", "5");
	rd = hb_ev(&b, "invoke", 1, "read", "a", "null");
	hb_ev(&b, "ok", 1, "read", "a", "4");
	hb_ev(&b, "invoke", 2, "read", "b", "null");
	hb_ev(&b, "ok", 2, "read", "b", "4");	/* 4 went to a */
	hb_ev(&b, "invoke", 3, "write", "b", "null");
	hb_ev(&b, "info", 3, "write", "b", "null");
	hb_ev(&b, "invoke", 2, "read", "b", "null");
	hb_ev(&b, "ok", 2, "read", "b", "4");	/* not the info's */
	h = hb_hist(&b);
	assert_int_equal(chkmono_run(h, &r, &e), RC_OK);
	assert_int_equal(r.verdict, HIST_INVALID);
	assert_int_equal(r.v[CHKMONO_BACKWARDS].count, 1);
	assert_ptr_equal(&h->ops[r.v[CHKMONO_BACKWARDS].read], op_at(h, rd));
	assert_ptr_equal(&h->ops[r.v[CHKMONO_BACKWARDS].earlier],
			 op_at(h, saw));
	assert_int_equal(r.v[CHKMONO_PHANTOM].count, 2);
	assert_int_equal(r.v[CHKMONO_DUPLICATE].count, 1);
	assert_int_equal(r.v[CHKMONO_STALE].count, 0);
	assert_int_equal(r.first, CHKMONO_DUPLICATE);
	{
		char *out = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&out, &len);

		chkmono_print(h, &r, f);
		fclose(f);
		assert_contains(out, "monotonic: 8 operations (7 ok, 0 fail, "
				"1 info), 2 keys, 0 nemesis events: "
				"invalid\n");
		assert_contains(out, "first violation (duplicate): two ok "
				"writes got the same seq\n");
		free(out);
	}
	hist_free(h);

	/* a read of something that is not an integer: a phantom */
	hb_open(&b, "\"workload\":\"monotonic\"");
	hb_ev(&b, "invoke", 0, "write", "a", "null");
	hb_ev(&b, "ok", 0, "write", "a", "1");
	rd = hb_ev(&b, "invoke", 1, "read", "a", "null");
	hb_ev(&b, "ok", 1, "read", "a", "\"1\"");
	h = hb_hist(&b);
	assert_int_equal(chkmono_run(h, &r, &e), RC_OK);
	assert_int_equal(r.verdict, HIST_INVALID);
	assert_int_equal(r.first, CHKMONO_PHANTOM);
	assert_ptr_equal(&h->ops[r.v[CHKMONO_PHANTOM].read], op_at(h, rd));
	hist_free(h);

	hb_open(&b, "\"workload\":\"monotonic\"");
	hb_ev(&b, "invoke", 0, "write", "a", "null");
	hb_ev(&b, "ok", 0, "write", "a", "\"x\"");
	h = hb_hist(&b);
	assert_int_equal(chkmono_run(h, &r, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "test.jsonl:3: p0 write: an ok write's "
			    "\"v\" must be the integer seq it wrote");
	hist_free(h);
}

/* ---- bank ---- */

static void test_bank(void **state)
{
	struct chkbank_result r;
	struct hb b;
	struct hist *h;
	struct err e;
	int rd;

	(void)state;
	hb_open(&b, "\"workload\":\"bank\",\"accounts\":3,\"total\":30");
	hb_ev(&b, "invoke", 0, "transfer", NULL,
	      "{\"from\":0,\"to\":1,\"amount\":5}");
	hb_ev(&b, "ok", 0, "transfer", NULL, NULL);
	hb_ev(&b, "invoke", 0, "transfer", NULL,
	      "{\"from\":1,\"to\":2,\"amount\":5}");
	hb_ev(&b, "info", 0, "transfer", NULL, NULL);
	hb_ev(&b, "invoke", 1, "read", NULL, NULL);
	hb_ev(&b, "ok", 1, "read", NULL, "{\"0\":5,\"1\":15,\"2\":10}");
	hb_ev(&b, "invoke", 1, "read", NULL, NULL);
	hb_ev(&b, "fail", 1, "read", NULL, NULL);
	rd = hb_ev(&b, "invoke", 1, "read", NULL, NULL);
	hb_ev(&b, "ok", 1, "read", NULL, "{\"0\":5,\"1\":15,\"2\":11}");
	hb_ev(&b, "invoke", 1, "read", NULL, NULL);
	hb_ev(&b, "ok", 1, "read", NULL, "{\"0\":5,\"2\":null}");
	hb_ev(&b, "invoke", 1, "read", NULL, NULL);
	hb_ev(&b, "ok", 1, "read", NULL,
	      "{\"0\":5,\"1\":15,\"2\":10,\"03\":0}");
	h = hb_hist(&b);
	assert_int_equal(chkbank_run(h, &r, &e), RC_OK);
	assert_int_equal(r.verdict, HIST_INVALID);
	assert_int_equal(r.transfers[HIST_OK], 1);
	assert_int_equal(r.transfers[HIST_INFO], 1);
	assert_int_equal(r.reads[HIST_OK], 4);
	assert_int_equal(r.reads[HIST_FAIL], 1);
	assert_int_equal(r.bad_reads, 3);
	assert_int_equal(r.count[CHKBANK_WRONG_TOTAL], 1);
	assert_int_equal(r.count[CHKBANK_MISSING], 1);
	assert_int_equal(r.count[CHKBANK_UNEXPECTED], 1);
	assert_int_equal(r.first_kind, CHKBANK_WRONG_TOTAL);
	assert_int_equal(r.first_sum, 31);
	assert_ptr_equal(&h->ops[r.first_read], op_at(h, rd));
	{
		char *out = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&out, &len);

		chkbank_print(h, &r, f);
		fclose(f);
		assert_contains(out, "bank: 7 operations (5 ok, 1 fail, 1 "
				"info), 3 accounts, 0 nemesis events: "
				"invalid\n");
		assert_contains(out, "first bad read (wrong_total): the "
				"balances add up to 31, not 30\n");
		free(out);
	}
	hist_free(h);

	hb_open(&b, "\"workload\":\"bank\",\"accounts\":2,\"total\":1");
	hb_ev(&b, "invoke", 1, "read", NULL, NULL);
	hb_ev(&b, "ok", 1, "read", NULL, "{\"1\":0}");
	hb_ev(&b, "invoke", 1, "read", NULL, NULL);
	hb_ev(&b, "ok", 1, "read", NULL, "{\"0\":1,\"1\":\"0x\"}");
	h = hb_hist(&b);
	assert_int_equal(chkbank_run(h, &r, &e), RC_OK);
	assert_int_equal(r.first_kind, CHKBANK_MISSING);
	assert_string_equal(r.first_detail, "0");
	assert_int_equal(r.count[CHKBANK_GARBLED], 1);
	assert_int_equal(r.bad_reads, 2);
	hist_free(h);

	hb_open(&b, "\"workload\":\"bank\",\"total\":1");
	h = hb_hist(&b);
	assert_int_equal(chkbank_run(h, &r, &e), RC_BAD_INPUT);
	assert_string_equal(e.msg, "test.jsonl:1: the meta line has no "
			    "\"accounts\" (the bank workload needs "
			    "\"accounts\" and \"total\")");
	hist_free(h);
}

/* ---- the fixtures in t/check/testdata ---- */

static void test_fixtures(void **state)
{
	static const struct {
		const char *file;
		enum hist_verdict want;
	} fx[] = {
		{ "register-stale.jsonl", HIST_INVALID },
		{ "register-info-late.jsonl", HIST_VALID },
		{ "set-lost.jsonl", HIST_INVALID },
		{ "monotonic-stale.jsonl", HIST_INVALID },
		{ "bank-ok.jsonl", HIST_VALID },
	};
	const char *srcdir = getenv("RANGEDB_SRCDIR");
	char path[4096];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(fx) / sizeof(*fx); i++) {
		enum hist_verdict got = HIST_UNKNOWN;
		struct hist *h;
		struct err e;

		snprintf(path, sizeof(path), "%s/t/check/testdata/%s",
			 srcdir ? srcdir : ".", fx[i].file);
		if (hist_read_file(path, &h, &e) != RC_OK)
			fail_msg("%s", e.msg);
		if (strcmp(h->workload, "register") == 0) {
			struct chkreg_result r;

			got = check_reg(h, 1000, &r);
			chkreg_release(&r);
		} else if (strcmp(h->workload, "set") == 0) {
			struct chkset_result r;

			assert_int_equal(chkset_run(h, &r, &e), RC_OK);
			got = r.verdict;
			chkset_release(&r);
		} else if (strcmp(h->workload, "monotonic") == 0) {
			struct chkmono_result r;

			assert_int_equal(chkmono_run(h, &r, &e), RC_OK);
			got = r.verdict;
		} else {
			struct chkbank_result r;

			assert_int_equal(chkbank_run(h, &r, &e), RC_OK);
			got = r.verdict;
		}
		if (got != fx[i].want)
			fail_msg("%s: %s, expected %s", fx[i].file,
				 hist_verdict_name(got),
				 hist_verdict_name(fx[i].want));
		hist_free(h);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist_parse),
		cmocka_unit_test(test_hist_refuses),
		cmocka_unit_test(test_linear_brute_force),
		cmocka_unit_test(test_linear_refuses),
		cmocka_unit_test(test_reg_sequential),
		cmocka_unit_test(test_reg_stale_read),
		cmocka_unit_test(test_reg_never_written),
		cmocka_unit_test(test_reg_concurrent_order),
		cmocka_unit_test(test_reg_info_late),
		cmocka_unit_test(test_reg_cas),
		cmocka_unit_test(test_reg_many_keys),
		cmocka_unit_test(test_reg_big),
		cmocka_unit_test(test_reg_big_violation),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_monotonic),
		cmocka_unit_test(test_bank),
		cmocka_unit_test(test_fixtures),
	};

	return cmocka_run_group_tests_name("checker", tests, NULL, NULL);
}
