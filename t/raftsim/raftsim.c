/*
 * raftsim.c -- deterministic simulation of whole Raft clusters (test tool).
 *
 * Runs clusters of 3 or 5 struct raft cores in one process over a simulated
 * network and clock, everything drawn from one seed: message drops, delays,
 * reorders and duplicates, partitions (also one-way) and heals, crashes that
 * lose exactly what was not yet persisted (optionally between persisting and
 * sending), restarts from the persisted state, membership changes (learner,
 * promotion, removal, the leader's own removal), leadership transfers,
 * compaction and snapshots, ReadIndex/lease reads, hostile messages from an
 * unknown node, and a stream of client proposals.  After every event
 * (message delivered, ready handled, tick, fault) it checks:
 *
 *   election-safety      at most one leader per term
 *   log-matching         one (index, term) => one entry and one prefix
 *   leader-completeness  a committed entry is in every later leader's log
 *   state-machine-safety no two nodes apply different entries at an index;
 *                        snapshots carry the state of their index
 *   committed-lost       a committed entry never changes
 *   exactly-once         a proposal is applied at one index only; every
 *                        acknowledged proposal is applied everywhere
 *   linearizable-read    a read index covers every commit seen before it
 *   liveness             after the final heal a leader appears and a new
 *                        proposal is applied on every member in bounded ticks
 *
 * Same seed, same run: nothing depends on time or addresses.  Exit status:
 * 0 all seeds passed, 1 a seed failed, 2 usage.  Driven by
 * t/200-raftsim.bats; see docs/RAFT.md for replaying a seed.
 */
#include "raft.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAXID 12		/* node ids 1..MAXID-1 */
#define HOSTILE_ID 99
#define TRACE_N 40
#define HIST_N 32
#define LIVENESS_TICKS 1000	/* heal -> leader -> applied everywhere */

/* ---- options and RNG -------------------------------------------------- */

struct opts {
	uint64_t seed_start;
	uint64_t seeds;
	int nodes;
	uint64_t steps;
	int trace;
	int bench;
	int break_old_term;
};

static struct opts O;

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t rnd_n(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* probability in 1/1000 */
static int chance(unsigned permille)
{
	return rnd_n(1000) < permille;
}

static uint64_t fnv(const void *p, size_t n, uint64_t h)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

static uint64_t entry_hash(const struct raft_entry *e)
{
	unsigned char t = (unsigned char)e->type;

	return fnv(e->data, e->len, fnv(&t, 1, UINT64_C(0xcbf29ce484222325)));
}

static uint64_t state_next(uint64_t state, uint64_t index, uint64_t eh)
{
	uint64_t v[3] = { state, index, eh };

	return fnv(v, sizeof(v), UINT64_C(0xcbf29ce484222325));
}

/* ---- failure and trace ------------------------------------------------ */

static char fail_msg[512];
static int failed;
static uint64_t cur_step;

struct tev {
	uint64_t step;
	char text[120];
};

static struct tev trace_ring[TRACE_N];
static size_t trace_pos, trace_cnt;

static void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void trace(const char *fmt, ...)
{
	struct tev *t = &trace_ring[trace_pos];
	va_list ap;

	t->step = cur_step;
	va_start(ap, fmt);
	vsnprintf(t->text, sizeof(t->text), fmt, ap);
	va_end(ap);
	if (O.trace)
		printf("  step %llu %s\n", (unsigned long long)cur_step,
		       t->text);
	trace_pos = (trace_pos + 1) % TRACE_N;
	if (trace_cnt < TRACE_N)
		trace_cnt++;
}

static void violation(const char *inv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void violation(const char *inv, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (failed)
		return;
	failed = 1;
	n = snprintf(fail_msg, sizeof(fail_msg), "%s: ", inv);
	va_start(ap, fmt);
	vsnprintf(fail_msg + n, sizeof(fail_msg) - (size_t)n, fmt, ap);
	va_end(ap);
}

/* ---- global truth for the checker ------------------------------------- */

struct variant {		/* open-addressing table (index, term) */
	uint64_t index, term, prev_term, hash;
};

static struct variant *vt;
static size_t vt_cap, vt_n;

struct gidx {
	int committed;
	uint64_t c_term, c_hash, c_obs_term;
	int applied;
	uint64_t a_hash, a_state;
};

static struct gidx *gi;
static size_t gi_cap;
static uint64_t max_committed;	/* highest index seen committed */

static uint64_t *term_leader;
static size_t term_leader_cap;

struct proposal {
	uint64_t node, incarnation, index, term;
	uint64_t applied_at;	/* global index where it was applied */
	int acked;
};

static struct proposal *props;
static size_t n_props, cap_props;

struct readreq {
	uint64_t node, required;
	int done;
};

static struct readreq *rreqs;
static size_t n_rreqs, cap_rreqs;

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (q == NULL) {
		fprintf(stderr, "raftsim: out of memory\n");
		exit(3);
	}
	return q;
}

static uint64_t vt_slot(uint64_t index, uint64_t term)
{
	return (index * UINT64_C(0x9e3779b97f4a7c15) ^ term *
		UINT64_C(0xc2b2ae3d27d4eb4f)) & (vt_cap - 1);
}

static void vt_grow(void)
{
	struct variant *old = vt;
	size_t ocap = vt_cap;

	vt_cap = vt_cap ? vt_cap * 2 : 4096;
	vt = calloc(vt_cap, sizeof(*vt));
	if (vt == NULL) {
		fprintf(stderr, "raftsim: out of memory\n");
		exit(3);
	}
	for (size_t i = 0; i < ocap; i++) {
		if (old[i].index == 0)
			continue;
		uint64_t s = vt_slot(old[i].index, old[i].term);

		while (vt[s].index != 0)
			s = (s + 1) & (vt_cap - 1);
		vt[s] = old[i];
	}
	free(old);
}

/* log matching: one (index, term) has one content and one predecessor */
static void check_variant(uint64_t node, uint64_t index, uint64_t term,
			  uint64_t prev_term, uint64_t hash)
{
	uint64_t s;

	if (vt_n * 2 >= vt_cap)
		vt_grow();
	s = vt_slot(index, term);
	while (vt[s].index != 0) {
		if (vt[s].index == index && vt[s].term == term) {
			if (vt[s].hash != hash)
				violation("log-matching",
					  "node %llu: entry %llu term %llu "
					  "differs from another node's",
					  (unsigned long long)node,
					  (unsigned long long)index,
					  (unsigned long long)term);
			else if (vt[s].prev_term != prev_term)
				violation("log-matching",
					  "node %llu: entry %llu term %llu "
					  "follows term %llu, elsewhere %llu",
					  (unsigned long long)node,
					  (unsigned long long)index,
					  (unsigned long long)term,
					  (unsigned long long)prev_term,
					  (unsigned long long)vt[s].prev_term);
			return;
		}
		s = (s + 1) & (vt_cap - 1);
	}
	vt[s].index = index;
	vt[s].term = term;
	vt[s].prev_term = prev_term;
	vt[s].hash = hash;
	vt_n++;
}

static struct gidx *gidx_at(uint64_t i)
{
	if (i >= gi_cap) {
		size_t ncap = gi_cap ? gi_cap : 1024;

		while (ncap <= i)
			ncap *= 2;
		gi = xrealloc(gi, ncap * sizeof(*gi));
		memset(gi + gi_cap, 0, (ncap - gi_cap) * sizeof(*gi));
		gi_cap = ncap;
	}
	return &gi[i];
}

static void set_term_leader(uint64_t term, uint64_t id)
{
	if (term >= term_leader_cap) {
		size_t ncap = term_leader_cap ? term_leader_cap : 256;

		while (ncap <= term)
			ncap *= 2;
		term_leader = xrealloc(term_leader, ncap * sizeof(uint64_t));
		memset(term_leader + term_leader_cap, 0,
		       (ncap - term_leader_cap) * sizeof(uint64_t));
		term_leader_cap = ncap;
	}
	if (term_leader[term] == 0)
		term_leader[term] = id;
	else if (term_leader[term] != id)
		violation("election-safety", "term %llu has leaders %llu "
			  "and %llu", (unsigned long long)term,
			  (unsigned long long)term_leader[term],
			  (unsigned long long)id);
}

/* ---- nodes ------------------------------------------------------------ */

struct snode {
	uint64_t id;
	int exists, up, removed;
	uint64_t incarnation;
	struct raft *r;
	/* stable storage */
	struct raft_hard_state hs;
	struct raft_snapshot snap;
	int has_snap;
	struct raft_entry *ents;
	size_t n_ents, cap_ents;
	/* application state (volatile) */
	uint64_t applied, state;
	uint64_t hist[HIST_N];	/* state after index i at hist[i % HIST_N] */
	uint64_t hist_min;
	/* checker watermarks */
	uint64_t chk_commit;
	int was_leader;
	uint64_t leader_term;
	unsigned compact_gap;
};

static struct snode nodes[MAXID];
static int blocked[MAXID][MAXID];

struct profile {
	unsigned drop, dup, delay_max, deliver, ready, fault, crash_mid;
	unsigned propose, read, hostile;
	int pre_vote, check_quorum, lease;
	/* lazy_commit, and the chance (per mille, per node and step) that
	   the node flushes its unsent commit as raftd's loop does */
	int lazy;
	unsigned flush;
	size_t max_msg_bytes, inflight;
};

static struct profile P;
static int liveness_phase;
/* --bench: measure the core, not the checker */
static int no_checks;

static void free_entry_vec(struct raft_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].data);
}

static void *dupmem(const void *p, size_t n)
{
	void *q;

	if (n == 0)
		return NULL;
	q = xrealloc(NULL, n);
	memcpy(q, p, n);
	return q;
}

static void node_storage_free(struct snode *n)
{
	free_entry_vec(n->ents, n->n_ents);
	free(n->ents);
	free(n->snap.data);
	n->ents = NULL;
	n->n_ents = n->cap_ents = 0;
	n->snap.data = NULL;
	n->has_snap = 0;
	memset(&n->hs, 0, sizeof(n->hs));
}

static void app_install(struct snode *n, uint64_t index, uint64_t state)
{
	n->applied = index;
	n->state = state;
	n->hist[index % HIST_N] = state;
	n->hist_min = index;
}

static void snap_decode(const struct raft_snapshot *s, uint64_t *index,
			uint64_t *state)
{
	uint64_t v[2] = { 0, 0 };

	if (s->len == sizeof(v))
		memcpy(v, s->data, sizeof(v));
	*index = s->len == sizeof(v) ? v[0] : s->index;
	*state = v[1];
}

static void check_snapshot_state(struct snode *n,
				 const struct raft_snapshot *s)
{
	uint64_t idx, st;
	struct gidx *g;

	snap_decode(s, &idx, &st);
	if (idx != s->index) {
		violation("state-machine-safety",
			  "node %llu: snapshot at %llu "
			  "holds state of %llu", (unsigned long long)n->id,
			  (unsigned long long)s->index,
			  (unsigned long long)idx);
		return;
	}
	g = gidx_at(s->index);
	if (g->applied && g->a_state != st)
		violation("state-machine-safety", "node %llu: snapshot %llu "
			  "state differs from the applied history",
			  (unsigned long long)n->id,
			  (unsigned long long)s->index);
}

static void node_create(struct snode *n, int bootstrap)
{
	struct raft_config c;
	struct err e;

	raft_config_default(&c);
	c.id = n->id;
	c.group = 7;
	c.seed = rnd();
	c.pre_vote = P.pre_vote;
	c.check_quorum = P.check_quorum;
	c.lease_read = P.lease;
	c.lazy_commit = P.lazy;
	c.max_msg_bytes = P.max_msg_bytes;
	c.max_inflight_msgs = P.inflight;
	c.max_inflight_bytes = P.max_msg_bytes * 4;
	c.test_commit_old_term = O.break_old_term;
	if (raft_new(&c, &n->r, &e) != RC_OK) {
		fprintf(stderr, "raftsim: raft_new: %s\n", e.msg);
		exit(3);
	}
	n->exists = n->up = 1;
	n->incarnation++;
	n->chk_commit = 0;
	n->was_leader = 0;
	n->compact_gap = 4 + (unsigned)rnd_n(40);
	app_install(n, 0, 0);
	if (bootstrap) {
		struct raft_conf conf;

		memset(&conf, 0, sizeof(conf));
		for (int i = 1; i <= O.nodes; i++)
			conf.m[conf.n++].id = (uint64_t)i;
		if (raft_bootstrap(n->r, &conf, &e) != RC_OK) {
			fprintf(stderr, "raftsim: bootstrap: %s\n", e.msg);
			exit(3);
		}
	}
}

static void node_crash(struct snode *n, const char *why)
{
	if (!n->up)
		return;
	raft_free(n->r);
	n->r = NULL;
	n->up = 0;
	trace("crash %llu (%s)", (unsigned long long)n->id, why);
}

static void node_restart(struct snode *n)
{
	struct err e;
	struct raft_status st;

	node_create(n, 0);
	if (raft_restore(n->r, &n->hs, n->has_snap ? &n->snap : NULL, n->ents,
			 n->n_ents, &e) != RC_OK) {
		violation("restore", "node %llu cannot restore: %s",
			  (unsigned long long)n->id, e.msg);
		return;
	}
	if (n->has_snap) {
		uint64_t idx, stt;

		snap_decode(&n->snap, &idx, &stt);
		app_install(n, n->snap.index, stt);
	}
	raft_status(n->r, &st);
	n->chk_commit = st.snapshot_index;
	trace("restart %llu term %llu commit %llu last %llu",
	      (unsigned long long)n->id, (unsigned long long)st.term,
	      (unsigned long long)st.commit,
	      (unsigned long long)st.last_index);
}

/* ---- network ---------------------------------------------------------- */

struct nmsg {
	struct raft_msg m;
	uint64_t due;
	int gone;
};

static struct nmsg *net;
static size_t n_net, cap_net;

static void msg_copy(struct raft_msg *dst, const struct raft_msg *src)
{
	*dst = *src;
	dst->entries = NULL;
	if (src->n_entries > 0) {
		dst->entries = xrealloc(NULL, src->n_entries *
					sizeof(*dst->entries));
		for (size_t i = 0; i < src->n_entries; i++) {
			dst->entries[i] = src->entries[i];
			dst->entries[i].data = dupmem(src->entries[i].data,
						      src->entries[i].len);
		}
	}
	dst->snapshot.data = dupmem(src->snapshot.data, src->snapshot.len);
}

static void msg_free(struct raft_msg *m)
{
	free_entry_vec(m->entries, m->n_entries);
	free(m->entries);
	free(m->snapshot.data);
}

static void net_push(const struct raft_msg *m, uint64_t delay)
{
	if (n_net == cap_net) {
		cap_net = cap_net ? 2 * cap_net : 256;
		net = xrealloc(net, cap_net * sizeof(*net));
	}
	msg_copy(&net[n_net].m, m);
	net[n_net].due = cur_step + delay;
	net[n_net].gone = 0;
	n_net++;
}

static void net_send(const struct raft_msg *m)
{
	if (!liveness_phase && chance(P.drop))
		return;
	net_push(m, rnd_n(P.delay_max + 1));
	if (!liveness_phase && chance(P.dup))
		net_push(m, rnd_n(P.delay_max + 3));
}

static void net_clear(void)
{
	for (size_t i = 0; i < n_net; i++)
		msg_free(&net[i].m);
	n_net = 0;
}

/* ---- checks on one node ----------------------------------------------- */

static void check_leader_has(struct snode *n, const struct raft_status *st,
			     uint64_t i)
{
	struct gidx *g = gidx_at(i);
	const struct raft_entry *e;

	if (!g->committed || g->c_obs_term >= st->term)
		return;
	if (i < st->snapshot_index)
		return;		/* covered by its snapshot's state check */
	if (i == st->snapshot_index) {
		if (st->snapshot_term != g->c_term)
			violation("leader-completeness", "leader %llu of term "
				  "%llu has snapshot %llu of term %llu, "
				  "committed term %llu",
				  (unsigned long long)n->id,
				  (unsigned long long)st->term,
				  (unsigned long long)i,
				  (unsigned long long)st->snapshot_term,
				  (unsigned long long)g->c_term);
		return;
	}
	e = raft_entry_at(n->r, i);
	if (e == NULL || e->term != g->c_term || entry_hash(e) != g->c_hash)
		violation("leader-completeness", "leader %llu of term %llu "
			  "lacks committed entry %llu (term %llu)",
			  (unsigned long long)n->id,
			  (unsigned long long)st->term, (unsigned long long)i,
			  (unsigned long long)g->c_term);
}

static void check_node(struct snode *n)
{
	struct raft_status st;
	uint64_t from, prev_term;

	if (!n->up || failed || no_checks)
		return;
	raft_status(n->r, &st);
	if (st.commit > st.last_index || st.applied > st.commit)
		violation("state", "node %llu: applied %llu commit %llu last "
			  "%llu out of order", (unsigned long long)n->id,
			  (unsigned long long)st.applied,
			  (unsigned long long)st.commit,
			  (unsigned long long)st.last_index);
	/* log matching on every entry that is not yet known committed */
	from = n->chk_commit + 1;
	if (from < st.first_index)
		from = st.first_index;
	for (uint64_t i = from; i <= st.last_index && !failed; i++) {
		const struct raft_entry *e = raft_entry_at(n->r, i);

		if (i == st.first_index)
			prev_term = st.snapshot_term;
		else
			prev_term = raft_entry_at(n->r, i - 1)->term;
		check_variant(n->id, i, e->term, prev_term, entry_hash(e));
	}
	/* election safety and leader completeness */
	if (st.role == RAFT_LEADER) {
		set_term_leader(st.term, n->id);
		if (!n->was_leader || n->leader_term != st.term) {
			uint64_t lo = st.snapshot_index ?
				      st.snapshot_index : 1;

			for (uint64_t i = lo; i <= max_committed && !failed;
			     i++)
				check_leader_has(n, &st, i);
			trace("leader %llu term %llu last %llu",
			      (unsigned long long)n->id,
			      (unsigned long long)st.term,
			      (unsigned long long)st.last_index);
		}
		n->was_leader = 1;
		n->leader_term = st.term;
	} else {
		n->was_leader = 0;
	}
	/* newly committed entries: they must never change */
	if (st.commit < n->chk_commit)
		violation("state", "node %llu: commit went back from %llu to "
			  "%llu", (unsigned long long)n->id,
			  (unsigned long long)n->chk_commit,
			  (unsigned long long)st.commit);
	for (uint64_t i = n->chk_commit + 1; i <= st.commit && !failed; i++) {
		const struct raft_entry *e = raft_entry_at(n->r, i);
		struct gidx *g;
		uint64_t h;

		if (e == NULL)
			continue;	/* inside a snapshot */
		g = gidx_at(i);
		h = entry_hash(e);
		if (g->committed) {
			if (g->c_term != e->term || g->c_hash != h)
				violation("committed-lost",
					  "node %llu commits entry %llu "
					  "term %llu, but term %llu was "
					  "committed there",
					  (unsigned long long)n->id,
					  (unsigned long long)i,
					  (unsigned long long)e->term,
					  (unsigned long long)g->c_term);
			continue;
		}
		g->committed = 1;
		g->c_term = e->term;
		g->c_hash = h;
		g->c_obs_term = st.term;
		if (i > max_committed)
			max_committed = i;
		/* every current leader of a later term must have it */
		for (int k = 1; k < MAXID; k++) {
			struct raft_status ls;

			if (!nodes[k].up)
				continue;
			raft_status(nodes[k].r, &ls);
			if (ls.role == RAFT_LEADER && ls.term > st.term)
				check_leader_has(&nodes[k], &ls, i);
		}
		/* the removal of a node: it stops for good */
		if (e->type == RAFT_ENTRY_CONF) {
			int op;
			uint64_t who;

			if (raft_conf_decode(e->data, e->len, &op, &who) ==
			    RC_OK && op == RAFT_CONF_REMOVE && who < MAXID)
				nodes[who].removed = 1;
		}
	}
	if (st.commit > n->chk_commit)
		n->chk_commit = st.commit;
}

/* ---- ready handling --------------------------------------------------- */

static void apply_entry(struct snode *n, const struct raft_entry *e)
{
	struct gidx *g;
	uint64_t h = entry_hash(e);

	if (e->index != n->applied + 1) {
		violation("state-machine-safety", "node %llu applies %llu "
			  "after %llu", (unsigned long long)n->id,
			  (unsigned long long)e->index,
			  (unsigned long long)n->applied);
		return;
	}
	n->state = state_next(n->state, e->index, h);
	n->applied = e->index;
	n->hist[e->index % HIST_N] = n->state;
	g = gidx_at(e->index);
	if (g->applied) {
		if (g->a_hash != h || g->a_state != n->state) {
			violation("state-machine-safety",
				  "node %llu applies a different entry "
				  "at %llu (term %llu)",
				  (unsigned long long)n->id,
				  (unsigned long long)e->index,
				  (unsigned long long)e->term);
			return;
		}
	} else {
		g->applied = 1;
		g->a_hash = h;
		g->a_state = n->state;
	}
	if (e->type == RAFT_ENTRY_NORMAL && e->len >= 8) {
		uint64_t pid;

		memcpy(&pid, e->data, 8);
		if (pid >= n_props) {
			violation("exactly-once", "unknown proposal %llu",
				  (unsigned long long)pid);
			return;
		}
		if (props[pid].applied_at == 0) {
			props[pid].applied_at = e->index;
		} else if (props[pid].applied_at != e->index) {
			violation("exactly-once", "proposal %llu applied at "
				  "%llu and at %llu", (unsigned long long)pid,
				  (unsigned long long)props[pid].applied_at,
				  (unsigned long long)e->index);
			return;
		}
		if (props[pid].node == n->id &&
		    props[pid].incarnation == n->incarnation &&
		    props[pid].index == e->index)
			props[pid].acked = 1;	/* the client hears "ok" */
	}
}

static void storage_append(struct snode *n, const struct raft_entry *ents,
			   size_t cnt)
{
	uint64_t base = n->has_snap ? n->snap.index : 0;
	uint64_t first = ents[0].index;
	size_t keep;

	if (first <= base) {
		violation("state", "node %llu persists entry %llu inside its "
			  "snapshot %llu", (unsigned long long)n->id,
			  (unsigned long long)first, (unsigned long long)base);
		return;
	}
	keep = (size_t)(first - base - 1);
	if (keep > n->n_ents) {
		violation("state", "node %llu persists entry %llu after a gap",
			  (unsigned long long)n->id,
			  (unsigned long long)first);
		return;
	}
	free_entry_vec(n->ents + keep, n->n_ents - keep);
	n->n_ents = keep;
	if (n->n_ents + cnt > n->cap_ents) {
		n->cap_ents = (n->n_ents + cnt) * 2;
		n->ents = xrealloc(n->ents, n->cap_ents * sizeof(*n->ents));
	}
	for (size_t i = 0; i < cnt; i++) {
		n->ents[n->n_ents] = ents[i];
		n->ents[n->n_ents].data = dupmem(ents[i].data, ents[i].len);
		n->n_ents++;
	}
}

static void storage_snapshot(struct snode *n, const struct raft_snapshot *s)
{
	uint64_t base = n->has_snap ? n->snap.index : 0;
	size_t drop;

	free(n->snap.data);
	/* entries the snapshot covers go; the rest stays (compaction) */
	drop = s->index > base ? (size_t)(s->index - base) : 0;
	if (drop > n->n_ents)
		drop = n->n_ents;
	free_entry_vec(n->ents, drop);
	if (n->n_ents > drop)
		memmove(n->ents, n->ents + drop, (n->n_ents - drop) *
			sizeof(*n->ents));
	n->n_ents -= drop;
	n->snap = *s;
	n->snap.data = dupmem(s->data, s->len);
	n->has_snap = 1;
}

static void process_ready(struct snode *n)
{
	struct raft_ready rd;
	struct err e;

	if (!n->up || !raft_has_ready(n->r))
		return;
	if (raft_ready(n->r, &rd, &e) != RC_OK) {
		violation("api", "raft_ready: %s", e.msg);
		return;
	}
	/* a. persist */
	if (rd.snapshot != NULL) {
		uint64_t idx, stt;

		check_snapshot_state(n, rd.snapshot);
		/* installing a received snapshot replaces the whole log */
		free_entry_vec(n->ents, n->n_ents);
		n->n_ents = 0;
		storage_snapshot(n, rd.snapshot);
		snap_decode(rd.snapshot, &idx, &stt);
		app_install(n, rd.snapshot->index, stt);
		trace("node %llu installs snapshot %llu term %llu",
		      (unsigned long long)n->id,
		      (unsigned long long)rd.snapshot->index,
		      (unsigned long long)rd.snapshot->term);
	}
	if (rd.n_entries > 0)
		storage_append(n, rd.entries, rd.n_entries);
	if (rd.hs_changed) {
		if (rd.hs.term < n->hs.term ||
		    (rd.hs.term == n->hs.term && n->hs.vote != RAFT_NONE &&
		     rd.hs.vote != n->hs.vote))
			violation("election-safety", "node %llu: hard state "
				  "goes from term %llu vote %llu to term %llu "
				  "vote %llu", (unsigned long long)n->id,
				  (unsigned long long)n->hs.term,
				  (unsigned long long)n->hs.vote,
				  (unsigned long long)rd.hs.term,
				  (unsigned long long)rd.hs.vote);
		n->hs = rd.hs;
	}
	if (!liveness_phase && chance(P.crash_mid)) {
		/* persisted, but nothing sent, applied or advanced */
		node_crash(n, "after persisting a ready");
		return;
	}
	/* b. send */
	for (size_t i = 0; i < rd.n_msgs; i++)
		net_send(&rd.msgs[i]);
	/* c. apply */
	for (size_t i = 0; i < rd.n_committed && !failed; i++)
		apply_entry(n, &rd.committed[i]);
	for (size_t i = 0; i < rd.n_reads && !failed; i++) {
		uint64_t ctx = rd.reads[i].ctx;

		if (ctx >= n_rreqs || rreqs[ctx].node != n->id) {
			violation("linearizable-read", "node %llu answers "
				  "unknown read %llu",
				  (unsigned long long)n->id,
				  (unsigned long long)ctx);
			break;
		}
		if (rd.reads[i].index < rreqs[ctx].required)
			violation("linearizable-read",
				  "read %llu at node %llu got index %llu, "
				  "but %llu was committed before it was "
				  "asked",
				  (unsigned long long)ctx,
				  (unsigned long long)n->id,
				  (unsigned long long)rd.reads[i].index,
				  (unsigned long long)rreqs[ctx].required);
		rreqs[ctx].done = 1;
	}
	/* d. advance */
	raft_advance(n->r, &rd);
	check_node(n);
}

/* ---- the fault and client events -------------------------------------- */

static struct snode *leader_node(void)
{
	struct snode *best = NULL;
	uint64_t best_term = 0;

	for (int i = 1; i < MAXID; i++) {
		struct raft_status st;

		if (!nodes[i].up)
			continue;
		raft_status(nodes[i].r, &st);
		if (st.role == RAFT_LEADER && st.term >= best_term) {
			best = &nodes[i];
			best_term = st.term;
		}
	}
	return best;
}

static struct snode *random_up(void)
{
	int c[MAXID], k = 0;

	for (int i = 1; i < MAXID; i++)
		if (nodes[i].up)
			c[k++] = i;
	return k ? &nodes[c[rnd_n((uint64_t)k)]] : NULL;
}

static void client_propose(void)
{
	struct snode *n = chance(700) ? leader_node() : random_up();
	unsigned char buf[40];
	size_t len = 8 + (size_t)rnd_n(sizeof(buf) - 8);
	uint64_t pid = n_props, index, term;
	struct raft_status st;

	if (n == NULL)
		return;
	raft_status(n->r, &st);
	if (st.last_index > st.commit + 200)
		return;		/* a client would back off */
	memcpy(buf, &pid, 8);
	for (size_t i = 8; i < len; i++)
		buf[i] = (unsigned char)rnd();
	if (raft_propose(n->r, buf, len, &index, &term, NULL) != RC_OK)
		return;
	if (n_props == cap_props) {
		cap_props = cap_props ? 2 * cap_props : 1024;
		props = xrealloc(props, cap_props * sizeof(*props));
	}
	props[n_props].node = n->id;
	props[n_props].incarnation = n->incarnation;
	props[n_props].index = index;
	props[n_props].term = term;
	props[n_props].applied_at = 0;
	props[n_props].acked = 0;
	n_props++;
	check_node(n);
}

static void client_read(void)
{
	struct snode *n = leader_node();
	uint64_t ctx = n_rreqs;

	if (n == NULL)
		return;
	if (n_rreqs == cap_rreqs) {
		cap_rreqs = cap_rreqs ? 2 * cap_rreqs : 256;
		rreqs = xrealloc(rreqs, cap_rreqs * sizeof(*rreqs));
	}
	rreqs[ctx].node = n->id;
	rreqs[ctx].required = max_committed;
	rreqs[ctx].done = 0;
	if (raft_read_index(n->r, ctx, NULL) == RC_OK) {
		n_rreqs++;
		trace("read %llu at %llu (needs %llu)",
		      (unsigned long long)ctx, (unsigned long long)n->id,
		      (unsigned long long)max_committed);
	}
	check_node(n);
}

static int count_up(void)
{
	int k = 0;

	for (int i = 1; i < MAXID; i++)
		k += nodes[i].up;
	return k;
}

static void conf_change(void)
{
	struct snode *l = leader_node();
	struct raft_status st;
	uint64_t learner = 0, voters[MAXID], fresh = 0, idx;
	size_t nv = 0;
	int op = 0;
	uint64_t who = 0;
	int rc;

	if (l == NULL)
		return;
	raft_status(l->r, &st);
	for (size_t i = 0; i < st.conf.n; i++) {
		if (st.conf.m[i].learner)
			learner = st.conf.m[i].id;
		else
			voters[nv++] = st.conf.m[i].id;
	}
	for (uint64_t i = 1; i < MAXID; i++)
		if (!nodes[i].exists) {
			fresh = i;
			break;
		}
	if (learner != 0) {
		uint64_t match = 0;

		raft_progress(l->r, learner, &match, NULL);
		if (chance(150)) {
			op = RAFT_CONF_REMOVE;
			who = learner;
		} else if (match + 2 >= st.last_index) {
			op = RAFT_CONF_ADD_VOTER;
			who = learner;
		} else {
			return;		/* let it catch up first */
		}
	} else if (fresh != 0 && (nv < (size_t)O.nodes ||
				  (nv == (size_t)O.nodes && chance(500)))) {
		op = RAFT_CONF_ADD_LEARNER;
		who = fresh;
	} else if (nv >= (size_t)O.nodes) {
		op = RAFT_CONF_REMOVE;
		who = chance(300) ? l->id : voters[rnd_n(nv)];
	} else {
		return;
	}
	rc = raft_propose_conf(l->r, op, who, &idx, NULL);
	trace("conf %s %llu at leader %llu: %s",
	      op == RAFT_CONF_ADD_LEARNER ? "add-learner" :
	      op == RAFT_CONF_ADD_VOTER ? "add-voter" : "remove",
	      (unsigned long long)who, (unsigned long long)l->id,
	      rc == RC_OK ? "proposed" : rc_name(rc));
	if (rc == RC_OK && op == RAFT_CONF_ADD_LEARNER) {
		nodes[who].id = who;
		node_create(&nodes[who], 0);
	}
	check_node(l);
}

static void transfer(void)
{
	struct snode *l = leader_node();
	struct raft_status st;
	uint64_t to;
	int rc;

	if (l == NULL)
		return;
	raft_status(l->r, &st);
	to = st.conf.m[rnd_n(st.conf.n)].id;
	rc = raft_transfer_leader(l->r, to, NULL);
	trace("transfer %llu -> %llu: %s", (unsigned long long)l->id,
	      (unsigned long long)to, rc_name(rc));
	check_node(l);
}

/* faults hit the leader half the time: that is where the bugs are */
static struct snode *victim(void)
{
	struct snode *l = leader_node();

	return l != NULL && chance(500) ? l : random_up();
}

static void partition(void)
{
	int kind = (int)rnd_n(3);
	struct snode *a = victim();

	if (a == NULL)
		return;
	if (kind == 0) {		/* isolate one node */
		for (int i = 1; i < MAXID; i++)
			blocked[a->id][i] = blocked[i][a->id] = 1;
		trace("partition: isolate %llu", (unsigned long long)a->id);
	} else if (kind == 1) {		/* random split in two */
		int side[MAXID];

		for (int i = 1; i < MAXID; i++)
			side[i] = (int)rnd_n(2);
		for (int i = 1; i < MAXID; i++)
			for (int j = 1; j < MAXID; j++)
				if (side[i] != side[j])
					blocked[i][j] = 1;
		trace("partition: split");
	} else {			/* one-way: a cannot send */
		for (int i = 1; i < MAXID; i++)
			if (chance(700))
				blocked[a->id][i] = 1;
		trace("partition: %llu cannot send (asymmetric)",
		      (unsigned long long)a->id);
	}
}

static void heal(void)
{
	memset(blocked, 0, sizeof(blocked));
	trace("heal");
}

static void restart_one(void)
{
	int c[MAXID], k = 0;

	for (int i = 1; i < MAXID; i++)
		if (nodes[i].exists && !nodes[i].up && !nodes[i].removed)
			c[k++] = i;
	if (k)
		node_restart(&nodes[c[rnd_n((uint64_t)k)]]);
}

static void compact(struct snode *n)
{
	struct raft_status st;
	uint64_t idx, v[2];
	struct err e;

	if (!n->up)
		return;
	raft_status(n->r, &st);
	if (st.applied < st.snapshot_index + n->compact_gap)
		return;
	idx = st.applied - rnd_n(4);
	if (idx <= st.snapshot_index || idx < n->hist_min ||
	    idx + HIST_N <= n->applied)
		return;
	v[0] = idx;
	v[1] = n->hist[idx % HIST_N];
	if (raft_compact(n->r, idx, v, sizeof(v), &e) != RC_OK) {
		violation("api", "node %llu: raft_compact: %s",
			  (unsigned long long)n->id, e.msg);
		return;
	}
	storage_snapshot(n, raft_snapshot_get(n->r));
	trace("node %llu compacts to %llu", (unsigned long long)n->id,
	      (unsigned long long)idx);
	check_node(n);
}

static void hostile(void)
{
	struct snode *n = random_up();
	struct raft_msg m;
	struct raft_status st;

	if (n == NULL)
		return;
	raft_status(n->r, &st);
	memset(&m, 0, sizeof(m));
	m.group = 7;
	m.from = HOSTILE_ID;
	m.to = n->id;
	m.term = st.term + 1 + rnd_n(1000);
	if (chance(500)) {
		m.type = RAFT_MSG_VOTE;	/* stale log, far-future term */
		m.index = rnd_n(3);
		m.log_term = 1;
	} else {
		m.type = RAFT_MSG_APPEND;	/* index far past the end */
		m.index = st.last_index + 1000 + rnd_n(1000);
		m.log_term = m.term;
		m.commit = m.index;
	}
	trace("hostile %s from %d to %llu term %llu index %llu",
	      raft_msg_type_name(m.type), HOSTILE_ID,
	      (unsigned long long)n->id, (unsigned long long)m.term,
	      (unsigned long long)m.index);
	if (raft_step(n->r, &m, NULL) != RC_OK)
		violation("api", "hostile but well-formed message refused");
	check_node(n);
}

static void fault(void)
{
	unsigned k = (unsigned)rnd_n(100);
	int down = (int)(O.nodes + 6) - count_up();

	(void)down;
	if (k < 20)
		partition();
	else if (k < 42)
		heal();
	else if (k < 54) {
		struct snode *n = victim();

		if (n != NULL)
			node_crash(n, "fault");
	} else if (k < 74)
		restart_one();
	else if (k < 82)
		transfer();
	else if (k < 96)
		conf_change();
	else
		hostile();
}

/* ---- one step of the world -------------------------------------------- */

static void deliver_due(unsigned permille)
{
	size_t k = 0;

	for (size_t i = 0; i < n_net && !failed; i++) {
		struct nmsg *q = &net[i];
		struct snode *to;
		struct err e;

		if (q->due > cur_step || !chance(permille))
			continue;
		q->gone = 1;
		to = q->m.to < MAXID ? &nodes[q->m.to] : NULL;
		if (to == NULL || !to->up || blocked[q->m.from][q->m.to])
			continue;
		if (O.trace)
			trace("deliver %s %llu->%llu term %llu index %llu "
			      "n=%zu commit %llu%s",
			      raft_msg_type_name(q->m.type),
			      (unsigned long long)q->m.from,
			      (unsigned long long)q->m.to,
			      (unsigned long long)q->m.term,
			      (unsigned long long)q->m.index,
			      q->m.n_entries,
			      (unsigned long long)q->m.commit,
			      q->m.reject ? " reject" : "");
		if (raft_step(to->r, &q->m, &e) != RC_OK) {
			violation("api", "node %llu refuses a message of node "
				  "%llu: %s", (unsigned long long)q->m.to,
				  (unsigned long long)q->m.from, e.msg);
			break;
		}
		check_node(to);
	}
	for (size_t i = 0; i < n_net; i++) {
		if (net[i].gone)
			msg_free(&net[i].m);
		else
			net[k++] = net[i];
	}
	n_net = k;
}

static void tick_all(void)
{
	for (int i = 1; i < MAXID && !failed; i++) {
		if (!nodes[i].up)
			continue;
		raft_tick(nodes[i].r);
		check_node(&nodes[i]);
	}
}

static void world_step(void)
{
	/* removed members leave for good once their removal commits */
	for (int i = 1; i < MAXID; i++)
		if (nodes[i].removed && nodes[i].up)
			node_crash(&nodes[i], "removed");
	if (chance(P.fault))
		fault();
	if (chance(P.propose))
		client_propose();
	if (chance(P.read))
		client_read();
	if (chance(P.hostile))
		hostile();
	deliver_due(P.deliver);
	for (int i = 1; i < MAXID && !failed; i++) {
		if (nodes[i].up && chance(P.ready))
			process_ready(&nodes[i]);
		if (nodes[i].up && chance(200))
			compact(&nodes[i]);
		if (nodes[i].up && P.lazy && chance(P.flush))
			raft_flush_commit(nodes[i].r);
	}
	tick_all();
}

/* ---- one seed --------------------------------------------------------- */

static void world_reset(void)
{
	for (int i = 0; i < MAXID; i++) {
		if (nodes[i].up)
			raft_free(nodes[i].r);
		node_storage_free(&nodes[i]);
		memset(&nodes[i], 0, sizeof(nodes[i]));
	}
	net_clear();
	memset(blocked, 0, sizeof(blocked));
	free(vt);
	vt = NULL;
	vt_cap = vt_n = 0;
	vt_grow();
	if (gi)
		memset(gi, 0, gi_cap * sizeof(*gi));
	if (term_leader)
		memset(term_leader, 0, term_leader_cap * sizeof(uint64_t));
	n_props = 1;		/* proposal id 0 is unused */
	if (cap_props == 0) {
		cap_props = 1024;
		props = xrealloc(NULL, cap_props * sizeof(*props));
	}
	memset(&props[0], 0, sizeof(props[0]));
	n_rreqs = 0;
	max_committed = 0;
	failed = 0;
	fail_msg[0] = 0;
	trace_pos = trace_cnt = 0;
	liveness_phase = 0;
	cur_step = 0;
}

static void pick_profile(void)
{
	memset(&P, 0, sizeof(P));
	P.drop = (unsigned)rnd_n(120);
	P.dup = (unsigned)rnd_n(60);
	P.delay_max = (unsigned)rnd_n(4);
	P.deliver = 700 + (unsigned)rnd_n(301);
	P.ready = 600 + (unsigned)rnd_n(401);
	P.fault = 10 + (unsigned)rnd_n(60);
	P.crash_mid = (unsigned)rnd_n(5);
	P.propose = 300 + (unsigned)rnd_n(600);
	P.read = (unsigned)rnd_n(200);
	P.hostile = chance(200) ? (unsigned)rnd_n(10) : 0;
	P.pre_vote = chance(700);
	P.check_quorum = chance(700);
	P.lease = P.check_quorum && chance(500);
	P.max_msg_bytes = 16 + (size_t)rnd_n(400);
	P.inflight = 1 + (size_t)rnd_n(8);
	P.lazy = chance(500);
	P.flush = (unsigned)rnd_n(500);
	if (O.break_old_term) {
		/* make the Figure 8 window likely: small batches, churn,
		   commits told at once (lazily they rarely reach anyone
		   before the next leader overwrites them) */
		P.lazy = 0;
		P.max_msg_bytes = 1;
		P.fault = 60 + (unsigned)rnd_n(60);
		P.crash_mid = 0;
	}
}

static void liveness(uint64_t limit)
{
	uint64_t marker_pid = 0, end = cur_step + limit;
	struct snode *l;

	liveness_phase = 1;
	if (P.delay_max > 1)
		P.delay_max = 1;	/* the storm is over */
	heal();
	for (int i = 1; i < MAXID; i++)
		if (nodes[i].exists && !nodes[i].up && !nodes[i].removed)
			node_restart(&nodes[i]);
	trace("liveness: healed, all members up");
	while (cur_step < end && !failed) {
		cur_step++;
		for (int i = 1; i < MAXID; i++)
			if (nodes[i].removed && nodes[i].up)
				node_crash(&nodes[i], "removed");
		l = leader_node();
		if (l != NULL && (marker_pid == 0 ||
				  (props[marker_pid].applied_at == 0 &&
				   (cur_step % 50) == 0))) {
			unsigned char buf[8];
			uint64_t pid = n_props, index, term;

			memcpy(buf, &pid, 8);
			if (raft_propose(l->r, buf, 8, &index, &term, NULL) ==
			    RC_OK) {
				if (n_props == cap_props) {
					cap_props *= 2;
					props = xrealloc(props, cap_props *
							 sizeof(*props));
				}
				memset(&props[pid], 0, sizeof(props[pid]));
				props[pid].node = l->id;
				props[pid].incarnation = l->incarnation;
				props[pid].index = index;
				n_props++;
				marker_pid = pid;
				trace("liveness: marker %llu at %llu "
				      "index %llu",
				      (unsigned long long)pid,
				      (unsigned long long)l->id,
				      (unsigned long long)index);
			}
		}
		deliver_due(1000);
		for (int i = 1; i < MAXID && !failed; i++)
			process_ready(&nodes[i]);
		tick_all();
		/* done when every member has applied the marker */
		if (marker_pid != 0 && props[marker_pid].applied_at != 0) {
			struct raft_status st;
			int all = 1;

			l = leader_node();
			if (l == NULL)
				continue;
			raft_status(l->r, &st);
			for (size_t i = 0; i < st.conf.n; i++) {
				uint64_t id = st.conf.m[i].id;

				if (id >= MAXID || !nodes[id].up ||
				    nodes[id].applied <
				    props[marker_pid].applied_at)
					all = 0;
			}
			if (all)
				break;
		}
	}
	if (failed)
		return;
	if (marker_pid == 0 || props[marker_pid].applied_at == 0 ||
	    cur_step >= end) {
		violation("liveness", "no leader committed and applied a "
			  "proposal on every member within %llu ticks of the "
			  "heal", (unsigned long long)limit);
		return;
	}
	/* every acknowledged proposal is applied everywhere by now: each was
	 * applied below the marker, which every member has applied, and the
	 * applied history is the same on all of them */
	for (size_t p = 1; p < n_props; p++) {
		if (!props[p].acked || p == marker_pid)
			continue;
		if (props[p].applied_at == 0 ||
		    props[p].applied_at >= props[marker_pid].applied_at ||
		    !gidx_at(props[p].applied_at)->committed)
			violation("exactly-once", "acknowledged proposal %zu "
				  "(index %llu) is not in the final history",
				  p, (unsigned long long)props[p].index);
	}
}

static int run_seed(uint64_t seed)
{
	rng_state = seed * UINT64_C(0x2545f4914f6cdd1d) + 1;
	world_reset();
	pick_profile();
	for (int i = 1; i <= O.nodes; i++) {
		nodes[i].id = (uint64_t)i;
		node_create(&nodes[i], 1);
	}
	trace("seed %llu: %d nodes prevote=%d checkquorum=%d lease=%d "
	      "lazy=%d/%u drop=%u dup=%u delay<=%u batch=%zu inflight=%zu",
	      (unsigned long long)seed, O.nodes, P.pre_vote, P.check_quorum,
	      P.lease, P.lazy, P.flush, P.drop, P.dup, P.delay_max,
	      P.max_msg_bytes, P.inflight);
	for (cur_step = 1; cur_step <= O.steps && !failed; cur_step++)
		world_step();
	if (!failed)
		liveness(LIVENESS_TICKS);
	if (failed) {
		printf("raftsim: seed %llu FAILED at step %llu: %s\n",
		       (unsigned long long)seed, (unsigned long long)cur_step,
		       fail_msg);
		printf("raftsim: seed %llu last events:\n",
		       (unsigned long long)seed);
		for (size_t i = 0; i < trace_cnt; i++) {
			struct tev *t = &trace_ring[(trace_pos + TRACE_N -
						     trace_cnt + i) % TRACE_N];

			printf("  step %llu %s\n", (unsigned long long)t->step,
			       t->text);
		}
		printf("raftsim: replay: raftsim --seed-start %llu --seeds 1 "
		       "--nodes %d --steps %llu%s --trace\n",
		       (unsigned long long)seed, O.nodes,
		       (unsigned long long)O.steps,
		       O.break_old_term ? " --break commit-old-term" : "");
		return 1;
	}
	if (O.trace)
		printf("raftsim: seed %llu ok: %zu proposals, "
		       "%llu committed\n",
		       (unsigned long long)seed, n_props - 1,
		       (unsigned long long)max_committed);
	return 0;
}

/* ---- benchmark: no faults, 3 nodes, proposals as fast as they commit -- */

static int bench(void)
{
	struct timespec t0, t1;
	uint64_t applied0, applied1, target = O.steps;
	double secs;
	struct snode *l = NULL;

	O.nodes = 3;
	rng_state = 1;
	world_reset();
	memset(&P, 0, sizeof(P));
	P.deliver = 1000;
	P.ready = 1000;
	P.pre_vote = P.check_quorum = 1;
	P.max_msg_bytes = 64 * 1024;
	P.inflight = 8;
	liveness_phase = 1;	/* no drops or duplicates */
	for (int i = 1; i <= 3; i++) {
		nodes[i].id = (uint64_t)i;
		node_create(&nodes[i], 1);
	}
	while ((l = leader_node()) == NULL) {
		cur_step++;
		deliver_due(1000);
		for (int i = 1; i <= 3; i++)
			process_ready(&nodes[i]);
		tick_all();
	}
	applied0 = l->applied;
	no_checks = 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (l->applied < applied0 + target && !failed) {
		cur_step++;
		for (int k = 0; k < 64; k++) {
			unsigned char buf[64];
			uint64_t pid = n_props;

			memset(buf, 0, sizeof(buf));
			memcpy(buf, &pid, 8);
			if (raft_propose(l->r, buf, sizeof(buf), NULL, NULL,
					 NULL) != RC_OK)
				break;
			if (n_props == cap_props) {
				cap_props *= 2;
				props = xrealloc(props, cap_props *
						 sizeof(*props));
			}
			memset(&props[pid], 0, sizeof(props[pid]));
			n_props++;
		}
		deliver_due(1000);
		for (int i = 1; i <= 3; i++)
			process_ready(&nodes[i]);
		tick_all();
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	applied1 = l->applied;
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	no_checks = 0;
	printf("raftsim: bench: 3 nodes, no faults, 64-byte proposals: "
	       "%llu committed in %.3f s = %.0f proposals/s "
	       "(simulated network, checker off)\n",
	       (unsigned long long)(applied1 - applied0), secs,
	       (double)(applied1 - applied0) / secs);
	if (failed) {
		printf("raftsim: bench FAILED: %s\n", fail_msg);
		return 1;
	}
	return 0;
}

/* ---- main ------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr,
		"usage: raftsim --seed-start S --seeds K [--nodes 3|5] "
		"[--steps N] [--trace]\n"
		"       raftsim --bench [--steps PROPOSALS]\n");
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s == '\0' || *s == '-')
		return -1;
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t v, nfail = 0;
	int have_start = 0, have_seeds = 0, have_steps = 0;

	O.nodes = 3;
	O.steps = 1000;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--seed-start") == 0 &&
		    parse_u64(val, &v) == 0) {
			O.seed_start = v;
			have_start = 1;
			i++;
		} else if (strcmp(a, "--seeds") == 0 &&
			   parse_u64(val, &v) == 0 && v > 0) {
			O.seeds = v;
			have_seeds = 1;
			i++;
		} else if (strcmp(a, "--nodes") == 0 &&
			   parse_u64(val, &v) == 0 && (v == 3 || v == 5)) {
			O.nodes = (int)v;
			i++;
		} else if (strcmp(a, "--steps") == 0 &&
			   parse_u64(val, &v) == 0 && v > 0) {
			O.steps = v;
			have_steps = 1;
			i++;
		} else if (strcmp(a, "--trace") == 0) {
			O.trace = 1;
		} else if (strcmp(a, "--bench") == 0) {
			O.bench = 1;
		} else if (strcmp(a, "--break") == 0 && val != NULL &&
			   strcmp(val, "commit-old-term") == 0) {
			O.break_old_term = 1;	/* hidden: tests the checker */
			i++;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage();
			return 0;
		} else {
			fprintf(stderr, "raftsim: bad argument '%s'\n", a);
			usage();
			return 2;
		}
	}
	if (O.bench) {
		if (!have_steps)
			O.steps = 500000;
		return bench();
	}
	if (!have_start || !have_seeds) {
		fprintf(stderr, "raftsim: --seed-start and --seeds are "
			"required\n");
		usage();
		return 2;
	}
	for (uint64_t s = 0; s < O.seeds; s++)
		nfail += (uint64_t)run_seed(O.seed_start + s);
	printf("raftsim: %llu seeds, %llu failed\n",
	       (unsigned long long)O.seeds, (unsigned long long)nfail);
	world_reset();
	free(vt);
	free(gi);
	free(term_leader);
	free(props);
	free(rreqs);
	free(net);
	return nfail ? 1 : 0;
}
