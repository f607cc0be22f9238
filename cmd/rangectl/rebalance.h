/*
 * rebalance.h -- the plan of `rangectl rebalance`: which replicas to move
 * and which leaderships to transfer so that the nodes that are up hold
 * about as many replicas, and lead about as many ranges, as each other.
 *
 * rebalance_plan() is a pure function of its input (no I/O, no clock, no
 * randomness): the same cluster gives the same plan, whatever the order of
 * the ranges or nodes passed in.  It works on a model of the cluster that
 * it updates as it plans, in two phases:
 *
 *   1. Replicas.  count(n) = ranges with a replica (voter) on up node n.
 *      While max - min > 1 over the up nodes: move a replica of the
 *      lowest-id range that is on the max node and not on the min node
 *      from max to min (of several nodes with the same count, the lowest
 *      id is max or min).  Such a range always exists (max holds at least
 *      two ranges more than min), and every move lowers the sum of the
 *      squares of the counts, so the loop ends with max - min <= 1.  A
 *      range whose leader gives up its replica gets an unknown leader.
 *   2. Leaders.  lead(n) = ranges whose (known) leader is up node n, after
 *      the moves.  While max - min > 1: transfer the lowest-id range led
 *      by the max node that has a replica on the min node to the min node.
 *      When the max node leads no range with a replica there, a chain of
 *      transfers does it: max leads a range on a, a leads one on b, ...,
 *      one on min; transferring each (max's range to a, a's to b, ...)
 *      gives min one leadership and takes one from max, and the nodes in
 *      between keep their count.  In general: sources by most leaders
 *      then id; for a source, the node with at least two leaders fewer
 *      that a chain reaches, the fewest leaders first, then the shortest
 *      chain (found breadth first, ranges by id), then the lowest id; so
 *      the plain case is a chain of one.  When no source reaches such a
 *      node, the leaders are as even as the replicas allow and planning
 *      stops.  Ranges with no known leader are left alone (a leader that
 *      is not among the range's replicas counts as unknown).
 *
 * Nothing is ever planned onto a node that is not up; replicas on such
 * nodes are not counted (raftd replaces the replicas of a node that stays
 * down).  A plan applied to the model gives a model whose plan is empty:
 * running rebalance again after a successful run does nothing.
 *
 * Tested by t/unit/rangectl_rebalance_test.c (exact plans, down nodes,
 * leaders that move away, a seeded random cluster property test).
 */
#ifndef RANGEDB_RANGECTL_REBALANCE_H
#define RANGEDB_RANGECTL_REBALANCE_H

#include <stddef.h>
#include <stdint.h>

#include "desc.h"
#include "err.h"

enum rebalance_op {
	REBALANCE_MOVE = 1,	/* move a replica of range_id from -> to */
	REBALANCE_TRANSFER	/* make node `to` the leader of range_id */
};

/* One range as the planner sees it. */
struct rebalance_range {
	uint64_t range_id;
	uint64_t leader;			/* 0: unknown */
	uint64_t replicas[DESC_MAX_REPLICAS];	/* voters */
	size_t n_replicas;
};

/* One step of a plan. */
struct rebalance_action {
	enum rebalance_op op;
	uint64_t range_id;
	uint64_t from;	/* MOVE: node giving the replica; TRANSFER: leader */
	uint64_t to;	/* MOVE: node getting it; TRANSFER: new leader */
};

/*
 * The plan for ranges[0..n_ranges) over the up nodes up[0..n_up), in the
 * order to run it (every move, then every transfer), in a malloc'd array
 * *out of *n_out actions (NULL and 0 when there is nothing to do).
 * RC_BAD_INPUT when a range id or node id is 0, a range appears twice or
 * has more than DESC_MAX_REPLICAS replicas; RC_NOMEM.
 */
int rebalance_plan(const uint64_t *up, size_t n_up,
		   const struct rebalance_range *ranges, size_t n_ranges,
		   struct rebalance_action **out, size_t *n_out,
		   struct err *e);

/* "move" or "transfer-leader": the action's name in rangectl's output. */
const char *rebalance_op_name(enum rebalance_op op);

#endif
