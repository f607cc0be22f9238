/*
 * rxorder_test.c -- tests of cmd/raftd/rxorder.c: batches delivered in the
 * order sent, held ones released when the gap fills, given up on after
 * RXORDER_WAIT_MS or RXORDER_MAX_HELD, resync and new epochs, unnumbered
 * and late batches at once.
 *
 * Each batch is one heartbeat whose commit field carries a tag, so the
 * delivered order is read back from the tags.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "raftwire.h"
#include "rxorder.h"

struct sink {
	uint64_t tags[256];
	size_t n;
	int fail;		/* refuse deliveries */
};

static int deliver(void *arg, uint64_t from, struct raft_msg *msgs,
		   size_t n, struct err *e)
{
	struct sink *s = arg;

	assert_int_equal(from, 7);
	for (size_t i = 0; i < n && s->n < 256; i++)
		s->tags[s->n++] = msgs[i].commit;
	raftwire_batch_release(msgs, n);
	return s->fail ? err_set(e, RC_BAD_INPUT, "refused") : RC_OK;
}

/* One heartbeat tagged tag, as a freshly allocated batch. */
static struct raft_msg *batch(uint64_t tag)
{
	struct raft_msg *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	m->type = RAFT_MSG_HEARTBEAT;
	m->from = 7;
	m->to = 1;
	m->term = 1;
	m->commit = tag;
	return m;
}

static int submit(struct rxorder *ro, uint64_t epoch, uint64_t seq,
		  int resync, uint64_t now)
{
	struct err e;

	return rxorder_submit(ro, 7, epoch, seq, resync, batch(seq), 1, now,
			      &e);
}

static void expect(const struct sink *s, const uint64_t *tags, size_t n)
{
	assert_int_equal(s->n, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(s->tags[i], tags[i]);
}

struct fix {
	struct sink s;
	struct rxorder *ro;
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct err e;

	if (f == NULL || rxorder_new(&f->ro, deliver, &f->s, &e) != RC_OK) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	rxorder_free(f->ro);
	free(f);
	return 0;
}

static void test_in_order_and_reordered(void **state)
{
	struct fix *f = *state;
	struct sink *s = &f->s;
	struct rxorder *ro = f->ro;

	assert_int_equal(submit(ro, 9, 1, 0, 0), RC_OK);
	assert_int_equal(submit(ro, 9, 2, 0, 0), RC_OK);
	/* 4 and 5 come before 3: held until 3 does */
	assert_int_equal(submit(ro, 9, 4, 0, 1), RC_OK);
	assert_int_equal(submit(ro, 9, 5, 0, 2), RC_OK);
	assert_int_equal(rxorder_held(ro), 2);
	expect(s, (uint64_t[]){ 1, 2 }, 2);
	assert_int_equal(submit(ro, 9, 3, 0, 3), RC_OK);
	assert_int_equal(rxorder_held(ro), 0);
	expect(s, (uint64_t[]){ 1, 2, 3, 4, 5 }, 5);
	/* a duplicate or a late one: at once */
	assert_int_equal(submit(ro, 9, 2, 0, 4), RC_OK);
	expect(s, (uint64_t[]){ 1, 2, 3, 4, 5, 2 }, 6);
	/* unnumbered: at once, the count untouched */
	assert_int_equal(submit(ro, 9, 0, 0, 4), RC_OK);
	assert_int_equal(submit(ro, 9, 6, 0, 4), RC_OK);
	expect(s, (uint64_t[]){ 1, 2, 3, 4, 5, 2, 0, 6 }, 8);
	/* a sender that does not number (epoch 0): at once */
	assert_int_equal(submit(ro, 0, 42, 0, 4), RC_OK);
	assert_int_equal(s->tags[8], 42);
}

static void test_gap_given_up(void **state)
{
	struct fix *f = *state;
	struct sink *s = &f->s;
	struct rxorder *ro = f->ro;

	assert_int_equal(submit(ro, 9, 1, 0, 100), RC_OK);
	/* 2 is lost: 3 waits, and is released once the wait is over */
	assert_int_equal(submit(ro, 9, 3, 0, 100), RC_OK);
	assert_int_equal(submit(ro, 9, 4, 0, 100 + RXORDER_WAIT_MS - 1),
			 RC_OK);
	expect(s, (uint64_t[]){ 1 }, 1);
	assert_int_equal(submit(ro, 9, 5, 0, 100 + RXORDER_WAIT_MS), RC_OK);
	expect(s, (uint64_t[]){ 1, 3, 4, 5 }, 4);
	assert_int_equal(rxorder_held(ro), 0);
	/* 2 turns up after all: late, delivered */
	assert_int_equal(submit(ro, 9, 2, 0, 200), RC_OK);
	/* and the count goes on from 6 */
	assert_int_equal(submit(ro, 9, 6, 0, 200), RC_OK);
	expect(s, (uint64_t[]){ 1, 3, 4, 5, 2, 6 }, 6);
	/* too many held: given up at once */
	s->n = 0;
	for (uint64_t q = 8; q < 8 + RXORDER_MAX_HELD; q++)
		assert_int_equal(submit(ro, 9, q, 0, 300), RC_OK);
	assert_int_equal(s->n, 0);
	assert_int_equal(submit(ro, 9, 8 + RXORDER_MAX_HELD, 0, 300), RC_OK);
	assert_int_equal(s->n, RXORDER_MAX_HELD + 1);
	assert_int_equal(s->tags[0], 8);
	assert_int_equal(s->tags[RXORDER_MAX_HELD], 8 + RXORDER_MAX_HELD);
	assert_int_equal(rxorder_held(ro), 0);
	/* what is still held at teardown is released (ASan checks) */
	assert_int_equal(submit(ro, 9, 8 + RXORDER_MAX_HELD + 2, 0, 400),
			 RC_OK);
	assert_int_equal(rxorder_held(ro), 1);
}

static void test_resync_and_epoch(void **state)
{
	struct fix *f = *state;
	struct sink *s = &f->s;
	struct rxorder *ro = f->ro;

	assert_int_equal(submit(ro, 9, 1, 0, 0), RC_OK);
	/* 2 and 3 lost by the sender, 4 held ahead of 5 (resync) */
	assert_int_equal(submit(ro, 9, 6, 0, 0), RC_OK);
	assert_int_equal(submit(ro, 9, 4, 1, 0), RC_OK);
	expect(s, (uint64_t[]){ 1, 4 }, 2);
	assert_int_equal(submit(ro, 9, 5, 0, 0), RC_OK);
	expect(s, (uint64_t[]){ 1, 4, 5, 6 }, 4);
	/* a restarted sender (new epoch) starts its own count */
	assert_int_equal(submit(ro, 10, 1, 0, 0), RC_OK);
	assert_int_equal(submit(ro, 10, 2, 0, 0), RC_OK);
	expect(s, (uint64_t[]){ 1, 4, 5, 6, 1, 2 }, 6);
	/* met mid-stream (this side restarted): held until the wait ends */
	s->n = 0;
	assert_int_equal(submit(ro, 11, 500, 0, 1000), RC_OK);
	assert_int_equal(s->n, 0);
	assert_int_equal(submit(ro, 11, 501, 0, 1000 + RXORDER_WAIT_MS),
			 RC_OK);
	expect(s, (uint64_t[]){ 500, 501 }, 2);
	/* two first batches that crossed: still in order */
	assert_int_equal(submit(ro, 12, 2, 0, 2000), RC_OK);
	assert_int_equal(submit(ro, 12, 1, 0, 2000), RC_OK);
	expect(s, (uint64_t[]){ 500, 501, 1, 2 }, 4);
	/* a delivery's error is the submit's answer */
	s->fail = 1;
	assert_int_equal(submit(ro, 12, 3, 0, 2000), RC_BAD_INPUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_in_order_and_reordered,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_gap_given_up, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_resync_and_epoch, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("rxorder", tests, NULL, NULL);
}
