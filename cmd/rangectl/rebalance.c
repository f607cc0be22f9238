/*
 * rebalance.c -- the plan of `rangectl rebalance`.  See rebalance.h.
 *
 * The model is a copy of the input sorted by range id, plus the sorted,
 * de-duplicated up nodes with a replica count and a leader count each;
 * every planned step updates it, so later steps see earlier ones.  Both
 * loops end because each step lowers the sum of the squares of the counts
 * by at least 2 (a step takes one from a count a and gives it to a count
 * b <= a - 2; the nodes in the middle of a chain of transfers keep
 * theirs).  Tested by t/unit/rangectl_rebalance_test.c.
 */
#include "rebalance.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct rebalance_model {
	struct rebalance_range *r;	/* sorted by range_id */
	size_t n;
	uint64_t *node;			/* up nodes, ascending */
	size_t *replicas;		/* per up node */
	size_t *leads;			/* per up node */
	size_t n_nodes;
	struct rebalance_action *plan;
	size_t n_plan, cap_plan;
};

const char *rebalance_op_name(enum rebalance_op op)
{
	return op == REBALANCE_MOVE ? "move" : op == REBALANCE_TRANSFER ?
	       "transfer-leader" : "unknown";
}

static int rebalance_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int rebalance_cmp_range(const void *a, const void *b)
{
	return rebalance_cmp_u64(&((const struct rebalance_range *)a)->range_id,
				 &((const struct rebalance_range *)b)->range_id);
}

static int rebalance_has(const struct rebalance_range *r, uint64_t node)
{
	for (size_t i = 0; i < r->n_replicas; i++)
		if (r->replicas[i] == node)
			return 1;
	return 0;
}

static int rebalance_add(struct rebalance_model *m, enum rebalance_op op,
			 uint64_t range_id, uint64_t from, uint64_t to,
			 struct err *e)
{
	struct rebalance_action *a;

	if (m->n_plan == m->cap_plan) {
		size_t cap = m->cap_plan ? 2 * m->cap_plan : 16;

		a = realloc(m->plan, cap * sizeof(*a));
		if (a == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		m->plan = a;
		m->cap_plan = cap;
	}
	a = &m->plan[m->n_plan++];
	a->op = op;
	a->range_id = range_id;
	a->from = from;
	a->to = to;
	return RC_OK;
}

/* Copy and check the input into m (counts not yet made). */
static int rebalance_load(struct rebalance_model *m, const uint64_t *up,
			  size_t n_up, const struct rebalance_range *ranges,
			  size_t n_ranges, struct err *e)
{
	size_t k = 0;

	m->r = calloc(n_ranges + 1, sizeof(*m->r));
	m->node = calloc(n_up + 1, sizeof(*m->node));
	m->replicas = calloc(n_up + 1, sizeof(*m->replicas));
	m->leads = calloc(n_up + 1, sizeof(*m->leads));
	if (m->r == NULL || m->node == NULL || m->replicas == NULL ||
	    m->leads == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	if (n_ranges > 0)
		memcpy(m->r, ranges, n_ranges * sizeof(*m->r));
	m->n = n_ranges;
	qsort(m->r, m->n, sizeof(*m->r), rebalance_cmp_range);
	for (size_t i = 0; i < m->n; i++) {
		struct rebalance_range *r = &m->r[i];

		if (r->range_id == 0)
			return err_set(e, RC_BAD_INPUT, "range id 0 is no "
				       "range");
		if (i > 0 && m->r[i - 1].range_id == r->range_id)
			return err_set(e, RC_BAD_INPUT, "range %" PRIu64
				       " appears twice", r->range_id);
		if (r->n_replicas > DESC_MAX_REPLICAS)
			return err_set(e, RC_BAD_INPUT, "range %" PRIu64 " has "
				       "%zu replicas, more than %d",
				       r->range_id, r->n_replicas,
				       DESC_MAX_REPLICAS);
		if (!rebalance_has(r, r->leader))
			r->leader = 0;	/* stale: a leader holds one */
		for (size_t j = 0; j < r->n_replicas; j++) {
			if (r->replicas[j] == 0)
				return err_set(e, RC_BAD_INPUT, "range %"
					       PRIu64 " has a replica on node "
					       "0", r->range_id);
			for (size_t l = 0; l < j; l++)
				if (r->replicas[l] == r->replicas[j])
					return err_set(e, RC_BAD_INPUT,
						       "range %" PRIu64 " has "
						       "node %" PRIu64 " twice",
						       r->range_id,
						       r->replicas[j]);
		}
	}
	if (n_up > 0)
		memcpy(m->node, up, n_up * sizeof(*m->node));
	qsort(m->node, n_up, sizeof(*m->node), rebalance_cmp_u64);
	for (size_t i = 0; i < n_up; i++) {
		if (m->node[i] == 0)
			return err_set(e, RC_BAD_INPUT, "node id 0 is no node");
		if (k == 0 || m->node[k - 1] != m->node[i])
			m->node[k++] = m->node[i];
	}
	m->n_nodes = k;
	return RC_OK;
}

/* Index of the up node with the most (max) or fewest (!max) of count[]. */
static size_t rebalance_extreme(const struct rebalance_model *m,
				const size_t *count, int max)
{
	size_t best = 0;

	for (size_t i = 1; i < m->n_nodes; i++)
		if (max ? count[i] > count[best] : count[i] < count[best])
			best = i;	/* strict: the lowest id wins ties */
	return best;
}

/* Phase 1: even out the replicas. */
static int rebalance_replicas(struct rebalance_model *m, struct err *e)
{
	for (size_t i = 0; i < m->n_nodes; i++)
		for (size_t j = 0; j < m->n; j++)
			m->replicas[i] += (size_t)rebalance_has(&m->r[j],
								m->node[i]);
	while (m->n_nodes > 0) {
		size_t hi = rebalance_extreme(m, m->replicas, 1);
		size_t lo = rebalance_extreme(m, m->replicas, 0);
		uint64_t from = m->node[hi], to = m->node[lo];
		struct rebalance_range *r = NULL;
		int rc;

		if (m->replicas[hi] - m->replicas[lo] <= 1)
			break;
		for (size_t j = 0; j < m->n && r == NULL; j++)
			if (rebalance_has(&m->r[j], from) &&
			    !rebalance_has(&m->r[j], to))
				r = &m->r[j];
		/* hi holds >= 2 ranges more than lo: one is not on lo */
		if (r == NULL)
			return err_set(e, RC_INTERNAL, "rebalance: node %"
				       PRIu64 " has no range to give to node %"
				       PRIu64, from, to);
		for (size_t k = 0; k < r->n_replicas; k++)
			if (r->replicas[k] == from)
				r->replicas[k] = to;
		if (r->leader == from)
			r->leader = 0;	/* who leads next is not known */
		m->replicas[hi]--;
		m->replicas[lo]++;
		if ((rc = rebalance_add(m, REBALANCE_MOVE, r->range_id, from,
					to, e)) != RC_OK)
			return rc;
	}
	return RC_OK;
}

/* Up node indexes by leads[], most first (equal counts in id order). */
static void rebalance_sort(const struct rebalance_model *m, size_t *idx)
{
	/* insertion sort: stable, and the lists are short */
	for (size_t i = 0; i < m->n_nodes; i++)
		idx[i] = i;
	for (size_t i = 1; i < m->n_nodes; i++) {
		size_t v = idx[i], j = i;

		while (j > 0 && m->leads[idx[j - 1]] < m->leads[v]) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = v;
	}
}

/* Index of up node id (m->node is sorted), or n_nodes. */
static size_t rebalance_node_index(const struct rebalance_model *m,
				   uint64_t id)
{
	size_t lo = 0, hi = m->n_nodes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->node[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->n_nodes && m->node[lo] == id ? lo : m->n_nodes;
}

/* Work space of the leaders' phase, one slot per up node. */
struct rebalance_bfs {
	size_t *order;			/* up nodes, most leaders first */
	size_t *dist;			/* hops from the source; NONE */
	size_t *prev;			/* the node before, on the path */
	struct rebalance_range **via;	/* the range that leads there */
	size_t *queue;
};

#define REBALANCE_NONE	((size_t)-1)

/*
 * Breadth first from up node s over the edges u -> v, "u leads a range
 * with a replica on v": a path s -> ... -> t is a chain of transfers that
 * gives t one leadership more and s one less.  The edge u -> v takes the
 * lowest-id such range.
 */
static void rebalance_reach(const struct rebalance_model *m, size_t s,
			    struct rebalance_bfs *b)
{
	size_t head = 0, tail = 0;

	for (size_t i = 0; i < m->n_nodes; i++) {
		b->dist[i] = REBALANCE_NONE;
		b->prev[i] = REBALANCE_NONE;
		b->via[i] = NULL;
	}
	b->dist[s] = 0;
	b->queue[tail++] = s;
	while (head < tail) {
		size_t u = b->queue[head++];

		for (size_t j = 0; j < m->n; j++) {
			struct rebalance_range *r = &m->r[j];

			if (r->leader != m->node[u])
				continue;
			for (size_t k = 0; k < r->n_replicas; k++) {
				size_t v = rebalance_node_index(m,
								r->replicas[k]);

				if (v == m->n_nodes ||
				    b->dist[v] != REBALANCE_NONE)
					continue;
				b->dist[v] = b->dist[u] + 1;
				b->prev[v] = u;
				b->via[v] = r;
				b->queue[tail++] = v;
			}
		}
	}
}

/*
 * The target for source s (reached by rebalance_reach): a node with at
 * least two leaders fewer; the fewest first, then the nearest, then the
 * lowest id.  REBALANCE_NONE if there is none.
 */
static size_t rebalance_target(const struct rebalance_model *m, size_t s,
			       const struct rebalance_bfs *b)
{
	size_t best = REBALANCE_NONE;

	for (size_t t = 0; t < m->n_nodes; t++) {
		if (t == s || b->dist[t] == REBALANCE_NONE ||
		    m->leads[t] + 2 > m->leads[s])
			continue;
		if (best == REBALANCE_NONE || m->leads[t] < m->leads[best] ||
		    (m->leads[t] == m->leads[best] &&
		     b->dist[t] < b->dist[best]))
			best = t;
	}
	return best;
}

/* Plan the transfers along the path from s to t, from s on. */
static int rebalance_chain(struct rebalance_model *m, size_t s, size_t t,
			   const struct rebalance_bfs *b, struct err *e)
{
	size_t n = b->dist[t], v = t;
	size_t *path = b->queue;	/* free again: the walk is done */
	int rc;

	for (size_t i = n; i > 0; i--) {
		path[i - 1] = v;
		v = b->prev[v];
	}
	for (size_t i = 0; i < n; i++) {
		size_t from = i == 0 ? s : path[i - 1], to = path[i];
		struct rebalance_range *r = b->via[to];

		r->leader = m->node[to];
		if ((rc = rebalance_add(m, REBALANCE_TRANSFER, r->range_id,
					m->node[from], m->node[to], e)) !=
		    RC_OK)
			return rc;
	}
	m->leads[s]--;
	m->leads[t]++;
	return RC_OK;
}

/*
 * Phase 2: even out the leaders.  Sources are tried by most leaders then
 * id; the plain case, a range of the source with a replica on the target,
 * is a chain of one transfer.
 */
static int rebalance_leaders(struct rebalance_model *m, struct err *e)
{
	struct rebalance_bfs b;
	size_t k = m->n_nodes + 1;
	int rc = RC_OK;

	b.order = calloc(k, sizeof(*b.order));
	b.dist = calloc(k, sizeof(*b.dist));
	b.prev = calloc(k, sizeof(*b.prev));
	b.via = calloc(k, sizeof(*b.via));
	b.queue = calloc(k, sizeof(*b.queue));
	if (b.order == NULL || b.dist == NULL || b.prev == NULL ||
	    b.via == NULL || b.queue == NULL) {
		rc = err_set(e, RC_NOMEM, "out of memory");
		goto out;
	}
	for (size_t j = 0; j < m->n; j++) {
		size_t i = rebalance_node_index(m, m->r[j].leader);

		if (m->r[j].leader != 0 && i < m->n_nodes)
			m->leads[i]++;
	}
	for (;;) {
		size_t s = REBALANCE_NONE, t = REBALANCE_NONE;

		rebalance_sort(m, b.order);
		for (size_t a = 0; a < m->n_nodes && t == REBALANCE_NONE;
		     a++) {
			s = b.order[a];
			if (m->leads[s] < 2)
				break;		/* no one has 2 fewer */
			rebalance_reach(m, s, &b);
			t = rebalance_target(m, s, &b);
		}
		if (t == REBALANCE_NONE)
			break;
		if ((rc = rebalance_chain(m, s, t, &b, e)) != RC_OK)
			break;
	}
out:
	free(b.order);
	free(b.dist);
	free(b.prev);
	free(b.via);
	free(b.queue);
	return rc;
}

int rebalance_plan(const uint64_t *up, size_t n_up,
		   const struct rebalance_range *ranges, size_t n_ranges,
		   struct rebalance_action **out, size_t *n_out,
		   struct err *e)
{
	struct rebalance_model m;
	int rc;

	*out = NULL;
	*n_out = 0;
	memset(&m, 0, sizeof(m));
	if ((rc = rebalance_load(&m, up, n_up, ranges, n_ranges, e)) ==
	    RC_OK && (rc = rebalance_replicas(&m, e)) == RC_OK)
		rc = rebalance_leaders(&m, e);
	free(m.r);
	free(m.node);
	free(m.replicas);
	free(m.leads);
	if (rc != RC_OK) {
		free(m.plan);
		return rc;
	}
	*out = m.plan;
	*n_out = m.n_plan;
	return RC_OK;
}
