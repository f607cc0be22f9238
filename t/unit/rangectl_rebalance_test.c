/*
 * rangectl_rebalance_test.c -- unit tests for cmd/rangectl/rebalance.c,
 * the planner of `rangectl rebalance`: exact plans for small clusters
 * (replicas onto empty nodes, leaders only, down nodes, leaders that move
 * away or are unknown, the fallback to another pair of nodes, a chain of
 * transfers, a spread that cannot narrow), bad input, and a seeded random
 * property test that applies each plan to a model and checks every step
 * and the result.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "rebalance.h"

#define MOVE REBALANCE_MOVE
#define XFER REBALANCE_TRANSFER

/* A range with replicas given as a 0-terminated list. */
static struct rebalance_range rng(uint64_t id, uint64_t leader, uint64_t r0,
				  uint64_t r1, uint64_t r2)
{
	struct rebalance_range r;
	uint64_t v[3] = { r0, r1, r2 };

	memset(&r, 0, sizeof(r));
	r.range_id = id;
	r.leader = leader;
	for (size_t i = 0; i < 3 && v[i] != 0; i++)
		r.replicas[r.n_replicas++] = v[i];
	return r;
}

/* plan must be want[0..n) exactly. */
static void plan_is(const uint64_t *up, size_t n_up,
		    const struct rebalance_range *r, size_t n,
		    const struct rebalance_action *want, size_t n_want)
{
	struct rebalance_action *a = (void *)1;
	size_t na = 99;
	struct err e;

	assert_int_equal(rebalance_plan(up, n_up, r, n, &a, &na, &e), RC_OK);
	assert_int_equal(na, n_want);
	if (n_want == 0)
		assert_null(a);
	for (size_t i = 0; i < n_want; i++) {
		assert_int_equal(a[i].op, want[i].op);
		assert_int_equal(a[i].range_id, want[i].range_id);
		assert_int_equal(a[i].from, want[i].from);
		assert_int_equal(a[i].to, want[i].to);
	}
	free(a);
}

static void test_balanced_does_nothing(void **state)
{
	uint64_t up[] = { 1, 2, 3 };
	struct rebalance_range r[] = {
		rng(1, 1, 1, 2, 3), rng(2, 2, 1, 2, 3), rng(3, 3, 1, 2, 3),
	};

	(void)state;
	plan_is(up, 3, r, 3, NULL, 0);
	plan_is(up, 3, NULL, 0, NULL, 0);	/* no ranges */
	plan_is(NULL, 0, r, 3, NULL, 0);	/* no node up */
	assert_string_equal(rebalance_op_name(MOVE), "move");
	assert_string_equal(rebalance_op_name(XFER), "transfer-leader");
}

/*
 * Four ranges on nodes 1-3, nodes 4 and 5 empty: counts 4,4,4,0,0.
 * Each step moves the lowest range on the fullest node (lowest id on a
 * tie) that the emptiest node lacks; ranges 1 and 2 lose their leaders'
 * replicas, so their leaders become unknown and no transfer follows.
 */
static void test_replicas_onto_new_nodes(void **state)
{
	uint64_t up[] = { 5, 4, 3, 2, 1 };	/* any order */
	struct rebalance_range r[] = {
		rng(4, 3, 1, 2, 3), rng(1, 1, 1, 2, 3), rng(3, 2, 3, 2, 1),
		rng(2, 1, 1, 2, 3),
	};
	struct rebalance_action want[] = {
		{ MOVE, 1, 1, 4 }, { MOVE, 1, 2, 5 }, { MOVE, 2, 3, 4 },
		{ MOVE, 2, 1, 5 },
	};

	(void)state;
	plan_is(up, 5, r, 4, want, 4);
}

static void test_leaders_only(void **state)
{
	uint64_t up[] = { 1, 2, 3 };
	struct rebalance_range r[] = {
		rng(1, 1, 1, 2, 3), rng(2, 1, 1, 2, 3), rng(3, 1, 1, 2, 3),
		rng(4, 1, 1, 2, 3),
	};
	struct rebalance_action want[] = {
		{ XFER, 1, 1, 2 }, { XFER, 2, 1, 3 },
	};

	(void)state;
	plan_is(up, 3, r, 4, want, 2);
}

/* Node 4 is down: nothing goes there, its replicas are not counted. */
static void test_down_node(void **state)
{
	uint64_t up[] = { 1, 2, 3, 5 };
	struct rebalance_range r[] = {
		rng(1, 1, 1, 2, 3), rng(2, 2, 1, 2, 3), rng(3, 3, 1, 2, 3),
		rng(4, 4, 2, 3, 4), rng(5, 2, 1, 2, 4),
	};
	/*
	 * replicas 1:4 2:5 3:4 5:0, then 1:4 2:4 3:4 5:1, 1:3 2:4 3:4 5:2,
	 * 1:3 2:3 3:4 5:3; leaders 1:1 2:2 3:1 5:0 (range 4's leader is
	 * down), and range 2 has a replica on node 5 now
	 */
	struct rebalance_action want[] = {
		{ MOVE, 1, 2, 5 }, { MOVE, 2, 1, 5 }, { MOVE, 3, 2, 5 },
		{ XFER, 2, 2, 5 },
	};

	(void)state;
	plan_is(up, 4, r, 5, want, 4);
}

/* A range whose leader gives up its replica is not counted as led. */
static void test_leader_moves_away(void **state)
{
	uint64_t up[] = { 1, 2, 3, 4 };
	struct rebalance_range r[] = {
		rng(1, 1, 1, 2, 3), rng(2, 1, 1, 2, 3),
	};
	struct rebalance_action want[] = { { MOVE, 1, 1, 4 } };

	(void)state;
	/* with range 1 still led by node 1, leads 2,0,0,0 would transfer */
	plan_is(up, 4, r, 2, want, 1);
}

static void test_unknown_leaders_skipped(void **state)
{
	uint64_t up[] = { 1, 2, 3 };
	struct rebalance_range r[] = {
		rng(1, 0, 1, 2, 3), rng(2, 0, 1, 2, 3), rng(3, 0, 1, 2, 3),
		rng(4, 1, 1, 2, 3),
		/* a leader that holds no replica (stale input) is ignored */
		rng(5, 1, 2, 3, 0), rng(6, 1, 2, 3, 0),
	};

	/*
	 * replicas 1:4 2:6 3:6: one move, range 5 from 2 to 1, which does
	 * not make node 1 its leader; then leads 1:1 2:0 3:0
	 */
	struct rebalance_action want[] = { { MOVE, 5, 2, 1 } };

	(void)state;
	plan_is(up, 3, r, 6, want, 1);
}

/*
 * The most-leading node (1) shares no range with the least (4): the next
 * pair that narrows the spread is used, (1, 2), then (3, 4).
 */
static void test_fallback_pair(void **state)
{
	uint64_t up[] = { 1, 2, 3, 4 };
	struct rebalance_range r[] = {
		rng(1, 1, 1, 2, 0), rng(2, 1, 1, 2, 0), rng(3, 1, 1, 2, 0),
		rng(4, 2, 1, 2, 0), rng(5, 3, 3, 4, 0), rng(6, 3, 3, 4, 0),
		rng(7, 0, 3, 4, 0), rng(8, 0, 3, 4, 0),
	};
	struct rebalance_action want[] = {
		{ XFER, 1, 1, 2 }, { XFER, 5, 3, 4 },
	};

	(void)state;
	plan_is(up, 4, r, 8, want, 2);
}

/*
 * Replicas even, leads 1:2 2:1 3:1 4:1 5:0, and node 1's ranges are only
 * on nodes 1-3: node 1 passes one to node 2, which passes one to node 5.
 */
static void test_leader_chain(void **state)
{
	uint64_t up[] = { 1, 2, 3, 4, 5 };
	struct rebalance_range r[] = {
		rng(1, 3, 4, 5, 3), rng(2, 2, 4, 5, 2), rng(3, 4, 1, 4, 5),
		rng(4, 1, 1, 2, 3), rng(5, 1, 1, 2, 3),
	};
	struct rebalance_action want[] = {
		{ XFER, 4, 1, 2 }, { XFER, 2, 2, 5 },
	};

	(void)state;
	plan_is(up, 5, r, 5, want, 2);
}

/*
 * Leads 1:2 2:1 3:0 4:0: node 4 is one transfer away from node 1, node 3
 * (a lower id) two; the shorter chain wins.
 */
static void test_shortest_chain(void **state)
{
	uint64_t up[] = { 1, 2, 3, 4 };
	struct rebalance_range r[] = {
		rng(1, 1, 1, 2, 0), rng(2, 1, 1, 4, 0), rng(3, 2, 2, 3, 0),
	};
	struct rebalance_action want[] = { { XFER, 2, 1, 4 } };

	(void)state;
	plan_is(up, 4, r, 3, want, 1);
}

/* Leads 2,1,0, but node 1's ranges have no replica on node 3: stop. */
static void test_leaders_cannot_narrow(void **state)
{
	uint64_t up[] = { 1, 2, 3 };
	struct rebalance_range r[] = {
		rng(1, 1, 1, 0, 0), rng(2, 1, 1, 0, 0), rng(3, 2, 2, 0, 0),
		rng(4, 0, 3, 0, 0),
	};

	(void)state;
	plan_is(up, 3, r, 4, NULL, 0);
}

static void bad_input(const uint64_t *up, size_t n_up,
		      const struct rebalance_range *r, size_t n,
		      const char *msg)
{
	struct rebalance_action *a = (void *)1;
	size_t na = 99;
	struct err e;

	assert_int_equal(rebalance_plan(up, n_up, r, n, &a, &na, &e),
			 RC_BAD_INPUT);
	assert_null(a);
	assert_int_equal(na, 0);
	assert_non_null(strstr(e.msg, msg));
}

static void test_bad_input(void **state)
{
	uint64_t up[] = { 1, 2, 3 }, up0[] = { 1, 0 };
	struct rebalance_range r[2] = { rng(7, 1, 1, 2, 3),
					rng(7, 2, 1, 2, 3) };

	(void)state;
	bad_input(up, 3, r, 2, "range 7 appears twice");
	r[1] = rng(0, 0, 1, 0, 0);
	bad_input(up, 3, r, 2, "range id 0");
	r[1] = rng(8, 0, 1, 1, 0);
	bad_input(up, 3, r, 2, "range 8 has node 1 twice");
	r[1] = rng(8, 0, 1, 0, 2);
	r[1].replicas[1] = 0;
	r[1].n_replicas = 2;
	bad_input(up, 3, r, 2, "replica on node 0");
	r[1] = rng(8, 0, 1, 0, 0);
	r[1].n_replicas = DESC_MAX_REPLICAS + 1;
	bad_input(up, 3, r, 2, "more than");
	bad_input(up0, 2, r, 1, "node id 0");
}

/* ---- seeded random clusters ---------------------------------------------- */

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(uint64_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state % n;
}

static int has(const struct rebalance_range *r, uint64_t node)
{
	for (size_t i = 0; i < r->n_replicas; i++)
		if (r->replicas[i] == node)
			return 1;
	return 0;
}

static int is_up(const uint64_t *up, size_t n_up, uint64_t node)
{
	for (size_t i = 0; i < n_up; i++)
		if (up[i] == node)
			return 1;
	return 0;
}

static struct rebalance_range *find(struct rebalance_range *r, size_t n,
				    uint64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (r[i].range_id == id)
			return &r[i];
	fail_msg("the plan names range %llu, which is not in the input",
		 (unsigned long long)id);
	return NULL;
}

/* Counts of replicas and (valid) leaders per up node. */
static void counts(const uint64_t *up, size_t n_up,
		   const struct rebalance_range *r, size_t n, size_t *reps,
		   size_t *leads)
{
	for (size_t i = 0; i < n_up; i++) {
		reps[i] = leads[i] = 0;
		for (size_t j = 0; j < n; j++) {
			reps[i] += (size_t)has(&r[j], up[i]);
			leads[i] += (size_t)(r[j].leader == up[i] &&
					     has(&r[j], up[i]));
		}
	}
}

/*
 * 1 if a chain of transfers leads from up node s to up node t: s leads a
 * range with a replica on some node, which leads one on ..., on t.
 */
static int chain(const uint64_t *up, size_t n_up,
		 const struct rebalance_range *r, size_t n, uint64_t s,
		 uint64_t t)
{
	uint64_t seen[16];
	size_t n_seen = 1, before;

	seen[0] = s;
	do {
		before = n_seen;
		for (size_t i = 0; i < n_seen; i++)
			for (size_t j = 0; j < n; j++) {
				if (r[j].leader != seen[i])
					continue;
				for (size_t k = 0; k < r[j].n_replicas; k++) {
					uint64_t v = r[j].replicas[k];
					size_t l = 0;

					while (l < n_seen && seen[l] != v)
						l++;
					if (l == n_seen && is_up(up, n_up, v))
						seen[n_seen++] = v;
				}
			}
	} while (n_seen > before);
	for (size_t i = 0; i < n_seen; i++)
		if (seen[i] == t)
			return 1;
	return 0;
}

/* Apply plan a[0..na) to r, checking that every step is possible. */
static void apply(const uint64_t *up, size_t n_up, struct rebalance_range *r,
		  size_t n, const struct rebalance_action *a, size_t na)
{
	int transfers = 0;

	for (size_t i = 0; i < na; i++) {
		struct rebalance_range *x = find(r, n, a[i].range_id);

		assert_true(is_up(up, n_up, a[i].to));
		assert_true(is_up(up, n_up, a[i].from));
		if (a[i].op == MOVE) {
			assert_false(transfers);	/* moves come first */
			assert_true(has(x, a[i].from));
			assert_false(has(x, a[i].to));
			for (size_t k = 0; k < x->n_replicas; k++)
				if (x->replicas[k] == a[i].from)
					x->replicas[k] = a[i].to;
			if (x->leader == a[i].from)
				x->leader = 0;
		} else {
			assert_int_equal(a[i].op, XFER);
			transfers = 1;
			assert_int_equal(x->leader, a[i].from);
			assert_true(has(x, a[i].from));
			assert_true(has(x, a[i].to));
			x->leader = a[i].to;
		}
	}
}

static void test_random_clusters(void **state)
{
	enum { ROUNDS = 400, MAX_NODES = 9, MAX_RANGES = 40 };

	(void)state;
	for (int round = 0; round < ROUNDS; round++) {
		uint64_t nodes[MAX_NODES], up[MAX_NODES];
		struct rebalance_range r[MAX_RANGES], shuf[MAX_RANGES];
		struct rebalance_action *a = NULL, *b = NULL, *c = NULL;
		size_t n_nodes = 1 + rnd(MAX_NODES), n_up = 0;
		size_t n = rnd(MAX_RANGES + 1), na, nb, nc;
		size_t reps[MAX_NODES], leads[MAX_NODES];
		struct err e;

		for (size_t i = 0; i < n_nodes; i++) {
			nodes[i] = 3 * i + 1 + rnd(3);	/* sparse ids */
			if (rnd(5) != 0)
				up[n_up++] = nodes[i];
		}
		for (size_t j = 0; j < n; j++) {
			size_t k = 1 + rnd(n_nodes < 5 ? n_nodes : 5);

			memset(&r[j], 0, sizeof(r[j]));
			r[j].range_id = 1 + 2 * j + rnd(2);
			while (r[j].n_replicas < k) {
				uint64_t v = nodes[rnd(n_nodes)];

				if (!has(&r[j], v))
					r[j].replicas[r[j].n_replicas++] = v;
			}
			if (rnd(4) != 0)
				r[j].leader = r[j].replicas[rnd(k)];
		}
		assert_int_equal(rebalance_plan(up, n_up, r, n, &a, &na, &e),
				 RC_OK);
		/* the order of the input does not matter */
		memcpy(shuf, r, n * sizeof(*r));
		for (size_t j = n; j > 1; j--) {
			size_t s = rnd(j);
			struct rebalance_range t = shuf[j - 1];

			shuf[j - 1] = shuf[s];
			shuf[s] = t;
		}
		assert_int_equal(rebalance_plan(up, n_up, shuf, n, &b, &nb,
						&e), RC_OK);
		assert_int_equal(na, nb);
		for (size_t i = 0; i < na; i++) {
			assert_int_equal(a[i].op, b[i].op);
			assert_int_equal(a[i].range_id, b[i].range_id);
			assert_int_equal(a[i].from, b[i].from);
			assert_int_equal(a[i].to, b[i].to);
		}
		apply(up, n_up, r, n, a, na);
		/*
		 * replicas even; leaders as even as the replicas allow: no
		 * chain of transfers from a node to one with 2 leaders fewer
		 */
		counts(up, n_up, r, n, reps, leads);
		for (size_t s = 0; s < n_up; s++) {
			for (size_t t = 0; t < n_up; t++) {
				assert_true(reps[s] <= reps[t] + 1);
				if (leads[s] >= leads[t] + 2)
					assert_false(chain(up, n_up, r, n,
							   up[s], up[t]));
			}
		}
		/* running it again does nothing */
		assert_int_equal(rebalance_plan(up, n_up, r, n, &c, &nc, &e),
				 RC_OK);
		assert_int_equal(nc, 0);
		free(a);
		free(b);
		free(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_balanced_does_nothing),
		cmocka_unit_test(test_replicas_onto_new_nodes),
		cmocka_unit_test(test_leaders_only),
		cmocka_unit_test(test_down_node),
		cmocka_unit_test(test_leader_moves_away),
		cmocka_unit_test(test_unknown_leaders_skipped),
		cmocka_unit_test(test_fallback_pair),
		cmocka_unit_test(test_leader_chain),
		cmocka_unit_test(test_shortest_chain),
		cmocka_unit_test(test_leaders_cannot_narrow),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_random_clusters),
	};

	return cmocka_run_group_tests_name("rangectl_rebalance", tests, NULL,
					   NULL);
}
