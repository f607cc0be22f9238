/*
 * raft_test.c -- unit tests of the Raft core (libcommon/raft.c).
 *
 * A small in-memory cluster (struct cl) runs up to 5 cores with a FIFO
 * network that can block links and take nodes down; it follows the caller's
 * contract of raft.h exactly (persist, send, apply, advance).  The tests are
 * tables where the paper gives tables: vote rules, the Figure 8 commit
 * rule, hostile messages.  The randomized, fault-injecting proof is
 * t/raftsim/raftsim.c; here every scenario is fixed and deterministic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "raft.h"

#define N 6			/* node ids 1..5 */
#define QMAX 4096

struct store {
	struct raft_hard_state hs;
	struct raft_snapshot snap;
	int has_snap;
	struct raft_entry ents[512];
	size_t n;
};

struct cl {
	struct raft *r[N];
	struct raft_config cfg;
	int blocked[N][N];
	struct store st[N];
	uint64_t applied[N];
	unsigned char last_data[N][64];
	size_t n_applied_data[N];
	struct raft_msg q[QMAX];
	size_t nq;
	struct raft_read_state reads[N][16];
	size_t n_reads[N];
	size_t sent[N][RAFT_MSG__COUNT];	/* per sender and type */
	size_t sent_append_to[N];		/* APPENDs with entries to */
	size_t rejects[N];			/* APPEND_RESP rejections by */
};

static void *dup(const void *p, size_t n)
{
	void *q;

	if (n == 0)
		return NULL;
	q = malloc(n);
	assert_non_null(q);
	memcpy(q, p, n);
	return q;
}

static void msg_copy(struct raft_msg *d, const struct raft_msg *s)
{
	*d = *s;
	d->entries = NULL;
	if (s->n_entries) {
		d->entries = calloc(s->n_entries, sizeof(*d->entries));
		assert_non_null(d->entries);
		for (size_t i = 0; i < s->n_entries; i++) {
			d->entries[i] = s->entries[i];
			d->entries[i].data = dup(s->entries[i].data,
						 s->entries[i].len);
		}
	}
	d->snapshot.data = dup(s->snapshot.data, s->snapshot.len);
}

static void msg_free(struct raft_msg *m)
{
	for (size_t i = 0; i < m->n_entries; i++)
		free(m->entries[i].data);
	free(m->entries);
	free(m->snapshot.data);
}

static void store_free(struct store *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->ents[i].data);
	free(s->snap.data);
	memset(s, 0, sizeof(*s));
}

static void cl_cfg(struct raft_config *c, uint64_t id)
{
	raft_config_default(c);
	c->id = id;
	c->group = 1;
	c->seed = 42;
}

static struct raft *mk(struct cl *c, uint64_t id)
{
	struct raft_config cfg = c->cfg;
	struct raft *r;

	cfg.id = id;
	cfg.seed = 1000 + id;
	assert_int_equal(raft_new(&cfg, &r, NULL), RC_OK);
	return r;
}

static struct cl *cl_new(int n, const struct raft_config *tmpl)
{
	struct cl *c = calloc(1, sizeof(*c));
	struct raft_conf conf;

	assert_non_null(c);
	if (tmpl)
		c->cfg = *tmpl;
	else
		cl_cfg(&c->cfg, 1);
	memset(&conf, 0, sizeof(conf));
	for (int i = 1; i <= n; i++)
		conf.m[conf.n++].id = (uint64_t)i;
	for (int i = 1; i <= n; i++) {
		c->r[i] = mk(c, (uint64_t)i);
		assert_int_equal(raft_bootstrap(c->r[i], &conf, NULL), RC_OK);
	}
	return c;
}

static void cl_free(struct cl *c)
{
	for (int i = 0; i < N; i++) {
		raft_free(c->r[i]);
		store_free(&c->st[i]);
	}
	for (size_t i = 0; i < c->nq; i++)
		msg_free(&c->q[i]);
	free(c);
}

/* Handle one node's ready per the contract; returns 1 if there was one. */
static int cl_ready(struct cl *c, int i)
{
	struct raft_ready rd;
	struct store *s = &c->st[i];

	if (c->r[i] == NULL || !raft_has_ready(c->r[i]))
		return 0;
	assert_int_equal(raft_ready(c->r[i], &rd, NULL), RC_OK);
	if (rd.snapshot) {
		for (size_t k = 0; k < s->n; k++)
			free(s->ents[k].data);
		s->n = 0;
		free(s->snap.data);
		s->snap = *rd.snapshot;
		s->snap.data = dup(rd.snapshot->data, rd.snapshot->len);
		s->has_snap = 1;
		c->applied[i] = rd.snapshot->index;
	}
	if (rd.n_entries) {
		uint64_t base = s->has_snap ? s->snap.index : 0;
		size_t keep = (size_t)(rd.entries[0].index - base - 1);

		assert_true(keep <= s->n);
		for (size_t k = keep; k < s->n; k++)
			free(s->ents[k].data);
		s->n = keep;
		for (size_t k = 0; k < rd.n_entries; k++) {
			assert_true(s->n < 512);
			s->ents[s->n] = rd.entries[k];
			s->ents[s->n].data = dup(rd.entries[k].data,
						 rd.entries[k].len);
			s->n++;
		}
	}
	if (rd.hs_changed)
		s->hs = rd.hs;
	for (size_t k = 0; k < rd.n_msgs; k++) {
		const struct raft_msg *m = &rd.msgs[k];

		c->sent[i][m->type]++;
		if (m->type == RAFT_MSG_APPEND_RESP && m->reject)
			c->rejects[i]++;
		if (m->type == RAFT_MSG_APPEND && m->n_entries > 0 &&
		    m->to < N)
			c->sent_append_to[m->to]++;
		assert_true(c->nq < QMAX);
		msg_copy(&c->q[c->nq++], m);
	}
	for (size_t k = 0; k < rd.n_committed; k++) {
		const struct raft_entry *e = &rd.committed[k];

		assert_int_equal(e->index, c->applied[i] + 1);
		c->applied[i] = e->index;
		if (e->type == RAFT_ENTRY_NORMAL && e->len > 0 &&
		    e->len <= 64) {
			memcpy(c->last_data[i], e->data, e->len);
			c->n_applied_data[i]++;
		}
	}
	for (size_t k = 0; k < rd.n_reads && c->n_reads[i] < 16; k++)
		c->reads[i][c->n_reads[i]++] = rd.reads[k];
	raft_advance(c->r[i], &rd);
	return 1;
}

/* Deliver everything queued (FIFO), dropping blocked or down links. */
static int cl_deliver(struct cl *c)
{
	size_t n = c->nq;
	struct raft_msg *tmp = malloc(n * sizeof(*tmp) + 1);

	assert_non_null(tmp);
	memcpy(tmp, c->q, n * sizeof(*tmp));
	c->nq = 0;
	for (size_t k = 0; k < n; k++) {
		struct raft_msg *m = &tmp[k];

		if (m->to < N && c->r[m->to] && !c->blocked[m->from][m->to])
			assert_int_equal(raft_step(c->r[m->to], m, NULL),
					 RC_OK);
		msg_free(m);
	}
	free(tmp);
	return n > 0;
}

static void cl_settle(struct cl *c)
{
	for (int round = 0; round < 1000; round++) {
		int any = 0;

		for (int i = 1; i < N; i++)
			any |= cl_ready(c, i);
		any |= cl_deliver(c);
		if (!any)
			return;
	}
	fail_msg("cluster does not settle");
}

static void cl_tick(struct cl *c, int ticks)
{
	for (int t = 0; t < ticks; t++) {
		for (int i = 1; i < N; i++)
			if (c->r[i])
				raft_tick(c->r[i]);
		cl_settle(c);
	}
}

static int cl_leader(struct cl *c)
{
	int lead = 0;
	uint64_t best = 0;

	for (int i = 1; i < N; i++) {
		struct raft_status st;

		if (!c->r[i])
			continue;
		raft_status(c->r[i], &st);
		if (st.role == RAFT_LEADER && st.term >= best) {
			best = st.term;
			lead = i;
		}
	}
	return lead;
}

static int cl_wait_leader(struct cl *c)
{
	for (int t = 0; t < 200; t++) {
		int l = cl_leader(c);

		if (l)
			return l;
		cl_tick(c, 1);
	}
	fail_msg("no leader");
	return 0;
}

static void isolate(struct cl *c, int i, int on)
{
	for (int j = 0; j < N; j++)
		c->blocked[i][j] = c->blocked[j][i] = on;
}

static uint64_t term_of(struct cl *c, int i)
{
	struct raft_status st;

	raft_status(c->r[i], &st);
	return st.term;
}

static void propose_str(struct cl *c, int i, const char *s)
{
	assert_int_equal(raft_propose(c->r[i], s, strlen(s) + 1, NULL, NULL,
				      NULL), RC_OK);
}

static void crash(struct cl *c, int i)
{
	raft_free(c->r[i]);
	c->r[i] = NULL;
}

static void restart(struct cl *c, int i)
{
	struct store *s = &c->st[i];

	c->r[i] = mk(c, (uint64_t)i);
	assert_int_equal(raft_restore(c->r[i], &s->hs,
				      s->has_snap ? &s->snap : NULL, s->ents,
				      s->n, NULL), RC_OK);
	c->applied[i] = s->has_snap ? s->snap.index : 0;
}

/* ---- election --------------------------------------------------------- */

static void test_election_table(void **state)
{
	static const struct {
		int nodes, pre_vote, check_quorum;
	} t[] = {
		{ 1, 0, 0 }, { 3, 0, 0 }, { 3, 1, 0 }, { 3, 1, 1 },
		{ 5, 0, 1 }, { 5, 1, 1 },
	};

	(void)state;
	for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		struct raft_config cfg;
		struct cl *c;
		int l, leaders = 0;

		cl_cfg(&cfg, 1);
		cfg.pre_vote = t[k].pre_vote;
		cfg.check_quorum = t[k].check_quorum;
		c = cl_new(t[k].nodes, &cfg);
		l = cl_wait_leader(c);
		cl_tick(c, 3);
		for (int i = 1; i <= t[k].nodes; i++) {
			struct raft_status st;

			raft_status(c->r[i], &st);
			leaders += st.role == RAFT_LEADER;
			assert_int_equal(st.leader, (uint64_t)l);
			assert_int_equal(st.term, term_of(c, l));
		}
		assert_int_equal(leaders, 1);
		cl_free(c);
	}
}

/* The vote rule of 5.4.1: grant only to a log at least as up to date. */
static void test_vote_table(void **state)
{
	static const struct {
		uint64_t cand_last_term, cand_last_index;
		int granted;
	} t[] = {
		{ 2, 3, 1 },	/* same log */
		{ 2, 5, 1 },	/* longer, same last term */
		{ 3, 1, 1 },	/* shorter but newer last term */
		{ 2, 2, 0 },	/* shorter, same last term */
		{ 1, 9, 0 },	/* longer but older last term */
	};

	(void)state;
	for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		struct raft_config cfg;
		struct raft *r;
		struct raft_hard_state hs = { 2, 0, 1 };
		struct raft_snapshot snap;
		struct raft_entry ents[2] = {
			{ .term = 2, .index = 2 }, { .term = 2, .index = 3 },
		};
		struct raft_msg m;
		struct raft_ready rd;

		memset(&snap, 0, sizeof(snap));
		snap.index = 1;
		snap.term = 1;
		snap.conf.n = 3;
		snap.conf.m[0].id = 1;
		snap.conf.m[1].id = 2;
		snap.conf.m[2].id = 3;
		cl_cfg(&cfg, 1);
		cfg.check_quorum = 0;
		assert_int_equal(raft_new(&cfg, &r, NULL), RC_OK);
		assert_int_equal(raft_restore(r, &hs, &snap, ents, 2, NULL),
				 RC_OK);
		memset(&m, 0, sizeof(m));
		m.group = 1;
		m.type = RAFT_MSG_VOTE;
		m.from = 2;
		m.to = 1;
		m.term = 3;
		m.log_term = t[k].cand_last_term;
		m.index = t[k].cand_last_index;
		assert_int_equal(raft_step(r, &m, NULL), RC_OK);
		assert_int_equal(raft_ready(r, &rd, NULL), RC_OK);
		assert_int_equal(rd.n_msgs, 1);
		assert_int_equal(rd.msgs[0].type, RAFT_MSG_VOTE_RESP);
		assert_int_equal(rd.msgs[0].reject, !t[k].granted);
		assert_int_equal(rd.hs.term, 3);
		assert_int_equal(rd.hs.vote, t[k].granted ? 2 : 0);
		raft_advance(r, &rd);
		/* one vote per term: a second candidate is refused */
		if (t[k].granted) {
			m.from = 3;
			assert_int_equal(raft_step(r, &m, NULL), RC_OK);
			assert_int_equal(raft_ready(r, &rd, NULL), RC_OK);
			assert_int_equal(rd.n_msgs, 1);
			assert_int_equal(rd.msgs[0].reject, 1);
			raft_advance(r, &rd);
		}
		raft_free(r);
	}
}

/* ---- Figure 8: commit only by counting replicas of this term ---------- */

static void test_figure8_table(void **state)
{
	static const struct {
		int broken;
		uint64_t commit_after_old_ack;
	} t[] = {
		{ 0, 1 },	/* the rule: entry 2 (term 2) not committed */
		{ 1, 2 },	/* the bug raftsim's --break shows */
	};

	(void)state;
	for (size_t k = 0; k < 2; k++) {
		struct raft_config cfg;
		struct raft *r;
		struct raft_hard_state hs = { 3, 0, 1 };
		struct raft_snapshot snap;
		struct raft_entry ents[1] = { { .term = 2, .index = 2 } };
		struct raft_msg m;
		struct raft_ready rd;
		struct raft_status st;

		memset(&snap, 0, sizeof(snap));
		snap.index = 1;
		snap.term = 1;
		snap.conf.n = 3;
		for (int i = 0; i < 3; i++)
			snap.conf.m[i].id = (uint64_t)i + 1;
		cl_cfg(&cfg, 1);
		cfg.pre_vote = 0;
		cfg.test_commit_old_term = t[k].broken;
		assert_int_equal(raft_new(&cfg, &r, NULL), RC_OK);
		assert_int_equal(raft_restore(r, &hs, &snap, ents, 1, NULL),
				 RC_OK);
		assert_int_equal(raft_campaign(r, NULL), RC_OK);
		memset(&m, 0, sizeof(m));
		m.group = 1;
		m.to = 1;
		m.from = 2;
		m.term = 4;
		m.type = RAFT_MSG_VOTE_RESP;
		assert_int_equal(raft_step(r, &m, NULL), RC_OK);
		raft_status(r, &st);
		assert_int_equal(st.role, RAFT_LEADER);
		assert_int_equal(st.last_index, 3);	/* no-op of term 4 */
		assert_int_equal(raft_ready(r, &rd, NULL), RC_OK);
		raft_advance(r, &rd);
		/* S2 acknowledges entry 2 (term 2): a majority holds it */
		m.type = RAFT_MSG_APPEND_RESP;
		m.index = 2;
		assert_int_equal(raft_step(r, &m, NULL), RC_OK);
		raft_status(r, &st);
		assert_int_equal(st.commit, t[k].commit_after_old_ack);
		/* once the term-4 entry is on a majority, all commits */
		m.index = 3;
		assert_int_equal(raft_step(r, &m, NULL), RC_OK);
		raft_status(r, &st);
		assert_int_equal(st.commit, 3);
		raft_free(r);
	}
}

/* ---- replication, backoff, flow control ------------------------------- */

static void test_replication(void **state)
{
	struct cl *c = cl_new(3, NULL);
	int l;

	(void)state;
	l = cl_wait_leader(c);
	propose_str(c, l, "x=1");
	propose_str(c, l, "y=2");
	cl_settle(c);
	for (int i = 1; i <= 3; i++) {
		assert_string_equal((char *)c->last_data[i], "y=2");
		assert_int_equal(c->applied[i], c->applied[l]);
	}
	/* a follower refuses proposals and names the problem */
	{
		struct err e;
		int f = l % 3 + 1;

		assert_int_equal(raft_propose(c->r[f], "z", 1, NULL, NULL, &e),
				 RC_NOT_LEADER);
		assert_non_null(strstr(e.msg, "not the leader"));
	}
	cl_free(c);
}

/*
 * lazy_commit: a commit that moves sends no empty append of its own; the
 * followers learn it from the next append, from raft_flush_commit() or
 * from the heartbeat, and apply the same entries in the end.
 */
static void test_lazy_commit(void **state)
{
	struct raft_config cfg;
	struct cl *c;
	int l, f;
	size_t before;
	uint64_t applied_l;

	(void)state;
	cl_cfg(&cfg, 1);
	cfg.lazy_commit = 1;
	c = cl_new(3, &cfg);
	l = cl_wait_leader(c);
	f = l % 3 + 1;
	cl_tick(c, 2);
	assert_false(raft_commit_unsent(c->r[l]));
	before = c->sent[l][RAFT_MSG_APPEND];
	propose_str(c, l, "x=1");
	cl_settle(c);
	/* one append with the entry to each follower, nothing after */
	assert_int_equal(c->sent[l][RAFT_MSG_APPEND], before + 2);
	applied_l = c->applied[l];
	assert_string_equal((char *)c->last_data[l], "x=1");
	assert_true(c->applied[f] < applied_l);
	assert_true(raft_commit_unsent(c->r[l]));
	assert_false(raft_commit_unsent(c->r[f]));	/* not a leader */
	/* the next write carries the commit of the one before */
	propose_str(c, l, "y=2");
	cl_settle(c);
	assert_int_equal(c->sent[l][RAFT_MSG_APPEND], before + 4);
	assert_string_equal((char *)c->last_data[f], "x=1");
	assert_true(raft_commit_unsent(c->r[l]));
	/* a flush tells both followers, once */
	assert_int_equal(raft_flush_commit(c->r[l]), 1);
	cl_settle(c);
	assert_int_equal(c->sent[l][RAFT_MSG_APPEND], before + 6);
	for (int i = 1; i <= 3; i++) {
		assert_int_equal(c->applied[i], c->applied[l]);
		assert_string_equal((char *)c->last_data[i], "y=2");
	}
	assert_false(raft_commit_unsent(c->r[l]));
	assert_int_equal(raft_flush_commit(c->r[l]), 0);
	/* without a flush, the heartbeat tells them */
	propose_str(c, l, "z=3");
	cl_settle(c);
	assert_true(c->applied[f] < c->applied[l]);
	cl_tick(c, 1);
	for (int i = 1; i <= 3; i++)
		assert_string_equal((char *)c->last_data[i], "z=3");
	/* a follower cannot flush */
	assert_int_equal(raft_flush_commit(c->r[f]), 0);
	cl_free(c);
}

/* A follower with a long divergent tail of another term is repaired with
 * one rejection, not one per entry (conflict term hints, 5.3).  Logs:
 *   node 1: 2..30 term 2                  (will lead term 4)
 *   node 2: 2..10 term 2, 11..60 term 3   (divergent tail)
 *   node 3: 2..5 term 2                   (votes for node 1)
 */
static void restore_log(struct cl *c, int i, uint64_t term,
			const uint64_t *upto, const uint64_t *terms, int n)
{
	struct raft_snapshot snap;
	struct raft_hard_state hs = { term, 0, 1 };
	static struct raft_entry ents[128];
	size_t k = 0;
	uint64_t idx = 2;

	memset(&snap, 0, sizeof(snap));
	snap.index = 1;
	snap.term = 1;
	snap.conf.n = 3;
	for (int m = 0; m < 3; m++)
		snap.conf.m[m].id = (uint64_t)m + 1;
	for (int seg = 0; seg < n; seg++)
		for (; idx <= upto[seg]; idx++, k++) {
			memset(&ents[k], 0, sizeof(ents[k]));
			ents[k].index = idx;
			ents[k].term = terms[seg];
		}
	c->r[i] = mk(c, (uint64_t)i);
	assert_int_equal(raft_restore(c->r[i], &hs, &snap, ents, k, NULL),
			 RC_OK);
	/* the cluster's "storage" mirrors it, as after a real restart */
	c->st[i].hs = hs;
	c->st[i].snap = snap;
	c->st[i].has_snap = 1;
	for (size_t m = 0; m < k; m++)
		c->st[i].ents[m] = ents[m];
	c->st[i].n = k;
	c->applied[i] = 1;
}

static void test_fast_backoff(void **state)
{
	struct cl *c = calloc(1, sizeof(*c));
	static const uint64_t u1[] = { 30 }, t1[] = { 2 };
	static const uint64_t u2[] = { 10, 60 }, t2[] = { 2, 3 };
	static const uint64_t u3[] = { 5 }, t3[] = { 2 };
	struct raft_status s1, s2;

	(void)state;
	assert_non_null(c);
	cl_cfg(&c->cfg, 1);
	c->cfg.pre_vote = 0;
	c->cfg.check_quorum = 0;	/* else fresh nodes wait one timeout */
	restore_log(c, 1, 3, u1, t1, 1);
	restore_log(c, 2, 3, u2, t2, 2);
	restore_log(c, 3, 3, u3, t3, 1);
	assert_int_equal(raft_campaign(c->r[1], NULL), RC_OK);
	cl_settle(c);
	assert_int_equal(cl_leader(c), 1);
	raft_status(c->r[1], &s1);
	raft_status(c->r[2], &s2);
	assert_int_equal(s2.last_index, s1.last_index);
	assert_int_equal(raft_entry_at(c->r[2], 11)->term, 2);
	assert_int_equal(c->rejects[2], 1);
	cl_tick(c, 2);
	assert_int_equal(c->applied[2], s1.last_index);
	/* restore_log's entries live in a static array: do not free them */
	for (int i = 1; i <= 3; i++)
		c->st[i].n = 0;
	cl_free(c);
}

static void test_flow_control(void **state)
{
	struct raft_config cfg;
	struct cl *c;
	int l, f;

	(void)state;
	cl_cfg(&cfg, 1);
	cfg.max_inflight_msgs = 2;
	cfg.max_msg_bytes = 8;	/* one entry per APPEND */
	c = cl_new(3, &cfg);
	l = cl_wait_leader(c);
	f = l % 3 + 1;
	propose_str(c, l, "warm");
	cl_settle(c);		/* f is now in replicate state */
	c->blocked[f][l] = 1;	/* f's acknowledgements get lost */
	memset(c->sent_append_to, 0, sizeof(c->sent_append_to));
	for (int k = 0; k < 20; k++)
		propose_str(c, l, "entry-xx");
	cl_settle(c);
	assert_int_equal(c->sent_append_to[f], 2);	/* window full */
	c->blocked[f][l] = 0;
	cl_tick(c, 5);
	assert_int_equal(c->applied[f], c->applied[l]);
	cl_free(c);
}

/* ---- pre-vote and check-quorum ---------------------------------------- */

static void test_prevote_no_disruption(void **state)
{
	struct cl *c = cl_new(3, NULL);		/* pre_vote + check_quorum */
	int l, f;
	uint64_t term;

	(void)state;
	l = cl_wait_leader(c);
	term = term_of(c, l);
	f = l % 3 + 1;
	isolate(c, f, 1);
	cl_tick(c, 100);
	assert_int_equal(term_of(c, f), term);	/* pre-votes failed */
	isolate(c, f, 0);
	cl_tick(c, 5);
	assert_int_equal(cl_leader(c), l);
	assert_int_equal(term_of(c, l), term);
	cl_free(c);
}

static void test_check_quorum_step_down(void **state)
{
	struct cl *c = cl_new(3, NULL);
	int l;
	struct raft_status st;

	(void)state;
	l = cl_wait_leader(c);
	isolate(c, l, 1);
	cl_tick(c, 25);
	raft_status(c->r[l], &st);
	assert_int_not_equal(st.role, RAFT_LEADER);
	cl_free(c);
}

/* ---- snapshots and restart -------------------------------------------- */

static void test_snapshot_catch_up(void **state)
{
	struct cl *c = cl_new(3, NULL);
	int l, f;
	struct raft_status st;
	uint64_t blob[2];

	(void)state;
	l = cl_wait_leader(c);
	f = l % 3 + 1;
	isolate(c, f, 1);
	for (int k = 0; k < 30; k++)
		propose_str(c, l, "s");
	cl_settle(c);
	/* the application compacts at its applied index */
	blob[0] = c->applied[l];
	blob[1] = 77;
	assert_int_equal(raft_compact(c->r[l], c->applied[l] + 1, blob,
				      sizeof(blob), NULL), RC_BAD_INPUT);
	assert_int_equal(raft_compact(c->r[l], c->applied[l], blob,
				      sizeof(blob), NULL), RC_OK);
	raft_status(c->r[l], &st);
	assert_int_equal(st.snapshot_index, c->applied[l]);
	assert_null(raft_entry_at(c->r[l], st.snapshot_index));
	memset(c->sent, 0, sizeof(c->sent));
	isolate(c, f, 0);
	cl_tick(c, 5);
	assert_true(c->sent[l][RAFT_MSG_SNAPSHOT] >= 1);
	assert_true(c->st[f].has_snap);
	assert_int_equal(c->st[f].snap.index, st.snapshot_index);
	assert_memory_equal(c->st[f].snap.data, blob, sizeof(blob));
	assert_int_equal(c->applied[f], c->applied[l]);
	cl_free(c);
}

static void test_restart(void **state)
{
	struct cl *c = cl_new(3, NULL);
	int l, f;
	struct raft_status before, after;

	(void)state;
	l = cl_wait_leader(c);
	f = l % 3 + 1;
	for (int k = 0; k < 5; k++)
		propose_str(c, l, "p");
	cl_settle(c);
	raft_status(c->r[f], &before);
	crash(c, f);
	restart(c, f);
	raft_status(c->r[f], &after);
	assert_int_equal(after.term, before.term);
	assert_int_equal(after.last_index, before.last_index);
	assert_int_equal(after.vote, before.vote);
	cl_settle(c);		/* re-applies from the snapshot on */
	assert_int_equal(c->applied[f], before.applied);
	/* what was not persisted is lost: an entry stepped in but whose
	 * ready was never handled does not survive */
	{
		struct raft_msg m;
		struct raft_entry en = { .term = after.term,
					 .index = after.last_index + 1,
					 .data = "u", .len = 1 };

		memset(&m, 0, sizeof(m));
		m.group = 1;
		m.type = RAFT_MSG_APPEND;
		m.from = (uint64_t)l;
		m.to = (uint64_t)f;
		m.term = after.term;
		m.index = after.last_index;
		m.log_term = raft_entry_at(c->r[f], after.last_index)->term;
		m.entries = &en;
		m.n_entries = 1;
		assert_int_equal(raft_step(c->r[f], &m, NULL), RC_OK);
		raft_status(c->r[f], &before);
		assert_int_equal(before.last_index, after.last_index + 1);
		crash(c, f);
		restart(c, f);
		raft_status(c->r[f], &before);
		assert_int_equal(before.last_index, after.last_index);
	}
	cl_free(c);
}

/* ---- membership -------------------------------------------------------- */

static void test_membership(void **state)
{
	struct cl *c = cl_new(3, NULL);
	int l, nl = 0;
	struct raft_status st;
	uint64_t match = 0;

	(void)state;
	l = cl_wait_leader(c);
	/* node 4 starts empty and is added as a learner */
	c->r[4] = mk(c, 4);
	assert_int_equal(raft_propose_conf(c->r[l], RAFT_CONF_ADD_LEARNER, 4,
					   NULL, NULL), RC_OK);
	assert_int_equal(raft_propose_conf(c->r[l], RAFT_CONF_REMOVE, 2,
					   NULL, NULL), RC_CONFLICT);
	cl_tick(c, 3);
	assert_int_equal(raft_progress(c->r[l], 4, &match, NULL), RC_OK);
	raft_status(c->r[l], &st);
	assert_int_equal(match, st.last_index);
	assert_int_equal(c->applied[4], c->applied[l]);
	raft_status(c->r[4], &st);
	assert_false(raft_conf_is_voter(&st.conf, 4));
	/* a caught-up learner is promoted */
	assert_int_equal(raft_propose_conf(c->r[l], RAFT_CONF_ADD_VOTER, 4,
					   NULL, NULL), RC_OK);
	cl_tick(c, 3);
	raft_status(c->r[4], &st);
	assert_true(raft_conf_is_voter(&st.conf, 4));
	/* the leader removes itself: it steps down once that commits */
	assert_int_equal(raft_propose_conf(c->r[l], RAFT_CONF_REMOVE,
					   (uint64_t)l, NULL, NULL), RC_OK);
	cl_tick(c, 3);
	raft_status(c->r[l], &st);
	assert_int_not_equal(st.role, RAFT_LEADER);
	assert_false(raft_conf_is_member(&st.conf, (uint64_t)l));
	crash(c, l);
	for (int t = 0; t < 100 && nl == 0; t++) {
		cl_tick(c, 1);
		nl = cl_leader(c);
	}
	assert_true(nl != 0 && nl != l);
	propose_str(c, nl, "after");
	cl_settle(c);
	for (int i = 1; i <= 4; i++)
		if (i != l)
			assert_string_equal((char *)c->last_data[i], "after");
	/* bad changes are refused */
	assert_int_equal(raft_propose_conf(c->r[nl], RAFT_CONF_ADD_VOTER,
					   (uint64_t)nl, NULL, NULL),
			 RC_CONFLICT);
	assert_int_equal(raft_propose_conf(c->r[nl], RAFT_CONF_REMOVE, 9,
					   NULL, NULL), RC_CONFLICT);
	assert_int_equal(raft_propose_conf(c->r[nl], 77, 9, NULL, NULL),
			 RC_BAD_INPUT);
	cl_free(c);
}

/* ---- leadership transfer and reads ------------------------------------ */

static void test_transfer(void **state)
{
	struct cl *c = cl_new(3, NULL);
	int l, to;

	(void)state;
	l = cl_wait_leader(c);
	to = l % 3 + 1;
	assert_int_equal(raft_transfer_leader(c->r[l], 9, NULL),
			 RC_BAD_INPUT);
	assert_int_equal(raft_transfer_leader(c->r[l], (uint64_t)to, NULL),
			 RC_OK);
	cl_settle(c);
	assert_int_equal(cl_leader(c), to);
	assert_int_equal(raft_transfer_leader(c->r[l], 1, NULL),
			 RC_NOT_LEADER);
	cl_free(c);
}

static void test_read_index(void **state)
{
	static const int lease[] = { 0, 1 };

	(void)state;
	for (size_t k = 0; k < 2; k++) {
		struct raft_config cfg;
		struct cl *c;
		int l, f;
		struct raft_status st;

		cl_cfg(&cfg, 1);
		cfg.lease_read = lease[k];
		c = cl_new(3, &cfg);
		l = cl_wait_leader(c);
		f = l % 3 + 1;
		propose_str(c, l, "r");
		cl_tick(c, 2);
		raft_status(c->r[l], &st);
		assert_int_equal(raft_read_index(c->r[f], 5, NULL),
				 RC_NOT_LEADER);
		assert_int_equal(raft_read_index(c->r[l], 5, NULL), RC_OK);
		if (lease[k]) {
			/* served at once, no heartbeat round needed */
			cl_ready(c, l);
			assert_int_equal(c->n_reads[l], 1);
		}
		cl_settle(c);
		assert_int_equal(c->n_reads[l], 1);
		assert_int_equal(c->reads[l][0].ctx, 5);
		assert_int_equal(c->reads[l][0].index, st.commit);
		/* an isolated leader cannot confirm a ReadIndex */
		if (!lease[k]) {
			isolate(c, l, 1);
			assert_int_equal(raft_read_index(c->r[l], 6, NULL),
					 RC_OK);
			cl_settle(c);
			assert_int_equal(c->n_reads[l], 1);
		}
		cl_free(c);
	}
}

/* ---- hostile and malformed input --------------------------------------- */

static void test_hostile_table(void **state)
{
	static struct raft_entry bad_idx[1] = { { .term = 1, .index = 7 } };
	static struct raft_entry bad_term[1] = { { .term = 9, .index = 2 } };
	static struct raft_entry no_data[1] = { { .term = 1, .index = 2,
						  .len = 4 } };
	static const struct {
		const char *what;
		struct raft_msg m;
		int rc;
	} t[] = {
		{ "unknown type", { .group = 1, .type = 99, .from = 2,
				    .to = 1, .term = 1 }, RC_BAD_INPUT },
		{ "other group", { .group = 2, .type = RAFT_MSG_HEARTBEAT,
				   .from = 2, .to = 1, .term = 1 },
		  RC_BAD_INPUT },
		{ "other node", { .group = 1, .type = RAFT_MSG_HEARTBEAT,
				  .from = 2, .to = 3, .term = 1 },
		  RC_BAD_INPUT },
		{ "from nobody", { .group = 1, .type = RAFT_MSG_HEARTBEAT,
				   .from = 0, .to = 1, .term = 1 },
		  RC_BAD_INPUT },
		{ "from self", { .group = 1, .type = RAFT_MSG_HEARTBEAT,
				 .from = 1, .to = 1, .term = 1 },
		  RC_BAD_INPUT },
		{ "term 0", { .group = 1, .type = RAFT_MSG_HEARTBEAT,
			      .from = 2, .to = 1, .term = 0 }, RC_BAD_INPUT },
		{ "term overflow", { .group = 1, .type = RAFT_MSG_VOTE,
				     .from = 2, .to = 1,
				     .term = UINT64_MAX }, RC_BAD_INPUT },
		{ "index overflow", { .group = 1, .type = RAFT_MSG_APPEND,
				      .from = 2, .to = 1, .term = 1,
				      .index = UINT64_MAX - 1 },
		  RC_BAD_INPUT },
		{ "gap in entries", { .group = 1, .type = RAFT_MSG_APPEND,
				      .from = 2, .to = 1, .term = 1,
				      .index = 1, .log_term = 1,
				      .entries = bad_idx, .n_entries = 1 },
		  RC_BAD_INPUT },
		{ "entry from the future", { .group = 1,
					     .type = RAFT_MSG_APPEND,
					     .from = 2, .to = 1, .term = 1,
					     .index = 1, .log_term = 1,
					     .entries = bad_term,
					     .n_entries = 1 }, RC_BAD_INPUT },
		{ "entry without data", { .group = 1, .type = RAFT_MSG_APPEND,
					  .from = 2, .to = 1, .term = 1,
					  .index = 1, .log_term = 1,
					  .entries = no_data,
					  .n_entries = 1 }, RC_BAD_INPUT },
		{ "entries on a heartbeat", { .group = 1,
					      .type = RAFT_MSG_HEARTBEAT,
					      .from = 2, .to = 1, .term = 1,
					      .entries = bad_idx,
					      .n_entries = 1 },
		  RC_BAD_INPUT },
		{ "empty snapshot", { .group = 1, .type = RAFT_MSG_SNAPSHOT,
				      .from = 2, .to = 1, .term = 1 },
		  RC_BAD_INPUT },
		/* well-formed but hostile: accepted, and harmless */
		{ "append past the end", { .group = 1,
					   .type = RAFT_MSG_APPEND,
					   .from = 2, .to = 1, .term = 1,
					   .index = 5000, .log_term = 1,
					   .commit = 5000 }, RC_OK },
		{ "unknown sender", { .group = 1, .type = RAFT_MSG_APPEND_RESP,
				      .from = 9, .to = 1, .term = 1,
				      .index = 4000 }, RC_OK },
		{ "far-future vote", { .group = 1, .type = RAFT_MSG_VOTE,
				       .from = 9, .to = 1, .term = 1000000,
				       .index = 0, .log_term = 0 }, RC_OK },
	};

	(void)state;
	for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		struct raft_config cfg;
		struct raft *r;
		struct raft_conf conf = { .n = 3, .m = { { 1, 0 }, { 2, 0 },
							 { 3, 0 } } };
		struct raft_status a, b;
		struct err e;
		int rc;

		cl_cfg(&cfg, 1);
		cfg.check_quorum = 0;
		assert_int_equal(raft_new(&cfg, &r, NULL), RC_OK);
		assert_int_equal(raft_bootstrap(r, &conf, NULL), RC_OK);
		raft_status(r, &a);
		rc = raft_step(r, &t[k].m, &e);
		if (rc != t[k].rc)
			fail_msg("%s: rc %d, want %d", t[k].what, rc, t[k].rc);
		raft_status(r, &b);
		if (rc != RC_OK) {
			assert_true(e.msg[0] != '\0');
			assert_memory_equal(&a, &b, sizeof(a));
		}
		/* never commit or accept what is not there */
		assert_int_equal(b.commit, 1);
		assert_int_equal(b.last_index, 1);
		assert_null(raft_entry_at(r, 5000));
		raft_free(r);
	}
}

/* A follower commits only what it knows matches the leader: up to the
 * last entry of this append, never a stale tail behind it (5.3). */
static void test_follower_commit_bound(void **state)
{
	static const struct {
		uint64_t leader_commit, n_entries, want_commit;
	} t[] = {
		{ 3, 1, 2 },	/* entry 3 (term 4) is not the leader's */
		{ 2, 1, 2 },
		{ 1, 1, 1 },
		{ 9, 0, 1 },	/* an empty append confirms only entry 1 */
	};

	(void)state;
	for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		struct raft_config cfg;
		struct raft *r;
		struct raft_hard_state hs = { 4, 0, 1 };
		struct raft_snapshot snap;
		struct raft_entry ents[2] = {
			{ .term = 2, .index = 2 }, { .term = 4, .index = 3 },
		};
		struct raft_entry msg_ents[1] = { { .term = 2, .index = 2 } };
		struct raft_msg m;
		struct raft_status st;

		memset(&snap, 0, sizeof(snap));
		snap.index = 1;
		snap.term = 1;
		snap.conf.n = 3;
		for (int i = 0; i < 3; i++)
			snap.conf.m[i].id = (uint64_t)i + 1;
		cl_cfg(&cfg, 1);
		assert_int_equal(raft_new(&cfg, &r, NULL), RC_OK);
		assert_int_equal(raft_restore(r, &hs, &snap, ents, 2, NULL),
				 RC_OK);
		memset(&m, 0, sizeof(m));
		m.group = 1;
		m.type = RAFT_MSG_APPEND;
		m.from = 2;
		m.to = 1;
		m.term = 5;
		m.index = 1;
		m.log_term = 1;
		m.commit = t[k].leader_commit;
		m.entries = t[k].n_entries ? msg_ents : NULL;
		m.n_entries = t[k].n_entries;
		assert_int_equal(raft_step(r, &m, NULL), RC_OK);
		raft_status(r, &st);
		assert_int_equal(st.commit, t[k].want_commit);
		assert_int_equal(st.last_index, 3);	/* tail not cut */
		raft_free(r);
	}
}

/* A stale leader hears the new term and steps down. */
static void test_stale_leader(void **state)
{
	struct cl *c = cl_new(3, NULL);
	int l, nl = 0;
	struct raft_status st;

	(void)state;
	l = cl_wait_leader(c);
	isolate(c, l, 1);
	for (int t = 0; t < 60 && nl == 0; t++) {
		for (int i = 1; i <= 3; i++)
			if (i != l)
				raft_tick(c->r[i]);
		cl_settle(c);
		for (int i = 1; i <= 3; i++) {
			raft_status(c->r[i], &st);
			if (i != l && st.role == RAFT_LEADER)
				nl = i;
		}
	}
	assert_true(nl != 0);
	raft_status(c->r[l], &st);
	assert_int_equal(st.role, RAFT_LEADER);	/* has not noticed yet */
	isolate(c, l, 0);
	cl_tick(c, 3);
	raft_status(c->r[l], &st);
	assert_int_equal(st.role, RAFT_FOLLOWER);
	assert_int_equal(st.leader, (uint64_t)nl);
	cl_free(c);
}

/* ---- the API contract ----------------------------------------------- */

static void test_api_contract(void **state)
{
	struct raft_config cfg;
	struct raft *r;
	struct raft_ready rd;
	struct raft_conf conf = { .n = 1, .m = { { 1, 0 } } };
	struct raft_msg m;
	struct err e;
	struct raft_status st;

	(void)state;
	cl_cfg(&cfg, 0);
	assert_int_equal(raft_new(&cfg, &r, &e), RC_BAD_INPUT);
	cl_cfg(&cfg, 1);
	cfg.heartbeat_ticks = 10;
	assert_int_equal(raft_new(&cfg, &r, &e), RC_BAD_INPUT);
	cl_cfg(&cfg, 1);
	cfg.lease_read = 1;
	cfg.check_quorum = 0;
	assert_int_equal(raft_new(&cfg, &r, &e), RC_BAD_INPUT);
	cl_cfg(&cfg, 1);
	cfg.max_inflight_msgs = RAFT_MAX_INFLIGHT + 1;
	assert_int_equal(raft_new(&cfg, &r, &e), RC_BAD_INPUT);

	cl_cfg(&cfg, 1);
	assert_int_equal(raft_new(&cfg, &r, NULL), RC_OK);
	assert_int_equal(raft_bootstrap(r, &conf, NULL), RC_OK);
	assert_int_equal(raft_bootstrap(r, &conf, NULL), RC_CONFLICT);
	assert_true(raft_has_ready(r));
	assert_int_equal(raft_ready(r, &rd, NULL), RC_OK);
	assert_non_null(rd.snapshot);
	assert_int_equal(rd.snapshot->index, 1);
	/* nothing else between ready and advance */
	memset(&m, 0, sizeof(m));
	m.group = 1;
	m.type = RAFT_MSG_HEARTBEAT;
	m.from = 2;
	m.to = 1;
	m.term = 1;
	assert_int_equal(raft_step(r, &m, &e), RC_INTERNAL);
	assert_int_equal(raft_ready(r, &rd, &e), RC_INTERNAL);
	for (int t = 0; t < 30; t++)
		raft_tick(r);	/* deferred, not lost */
	raft_status(r, &st);
	assert_int_equal(st.role, RAFT_FOLLOWER);
	raft_advance(r, &rd);
	raft_status(r, &st);
	assert_int_equal(st.role, RAFT_LEADER);	/* single voter */
	/* the leader commits its own entries only once persisted */
	assert_int_equal(raft_propose(r, "a", 1, NULL, NULL, NULL), RC_OK);
	raft_status(r, &st);
	assert_true(st.commit < st.last_index);
	while (raft_has_ready(r)) {
		assert_int_equal(raft_ready(r, &rd, NULL), RC_OK);
		raft_advance(r, &rd);
	}
	raft_status(r, &st);
	assert_int_equal(st.commit, st.last_index);
	assert_int_equal(st.applied, st.last_index);
	assert_int_equal(raft_propose(r, NULL, 3, NULL, NULL, &e),
			 RC_BAD_INPUT);
	assert_string_equal(raft_msg_type_name(RAFT_MSG_APPEND), "append");
	assert_string_equal(raft_msg_type_name(0), "?");
	assert_string_equal(raft_role_name(RAFT_LEADER), "leader");
	raft_free(r);
	raft_free(NULL);
}

static void test_conf_codec(void **state)
{
	unsigned char buf[RAFT_CONF_ENTRY_LEN];
	int op;
	uint64_t node;
	struct raft_conf c = { .n = 0 };

	(void)state;
	raft_conf_encode(buf, RAFT_CONF_ADD_VOTER, UINT64_C(0x0102030405));
	assert_int_equal(raft_conf_decode(buf, sizeof(buf), &op, &node),
			 RC_OK);
	assert_int_equal(op, RAFT_CONF_ADD_VOTER);
	assert_int_equal(node, UINT64_C(0x0102030405));
	assert_int_equal(raft_conf_decode(buf, 3, &op, &node), RC_BAD_INPUT);
	assert_int_equal(raft_conf_apply(&c, RAFT_CONF_ADD_LEARNER, 5), RC_OK);
	assert_int_equal(raft_conf_apply(&c, RAFT_CONF_ADD_LEARNER, 5),
			 RC_CONFLICT);
	assert_false(raft_conf_is_voter(&c, 5));
	assert_int_equal(raft_conf_apply(&c, RAFT_CONF_ADD_VOTER, 5), RC_OK);
	assert_true(raft_conf_is_voter(&c, 5));
	assert_int_equal(raft_conf_apply(&c, RAFT_CONF_REMOVE, 5),
			 RC_CONFLICT);	/* the last voter stays */
	assert_int_equal(raft_conf_apply(&c, RAFT_CONF_ADD_VOTER, 0),
			 RC_BAD_INPUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_election_table),
		cmocka_unit_test(test_vote_table),
		cmocka_unit_test(test_figure8_table),
		cmocka_unit_test(test_replication),
		cmocka_unit_test(test_lazy_commit),
		cmocka_unit_test(test_fast_backoff),
		cmocka_unit_test(test_flow_control),
		cmocka_unit_test(test_prevote_no_disruption),
		cmocka_unit_test(test_check_quorum_step_down),
		cmocka_unit_test(test_snapshot_catch_up),
		cmocka_unit_test(test_restart),
		cmocka_unit_test(test_membership),
		cmocka_unit_test(test_transfer),
		cmocka_unit_test(test_read_index),
		cmocka_unit_test(test_hostile_table),
		cmocka_unit_test(test_follower_commit_bound),
		cmocka_unit_test(test_stale_leader),
		cmocka_unit_test(test_api_contract),
		cmocka_unit_test(test_conf_codec),
	};

	return cmocka_run_group_tests_name("raft", tests, NULL, NULL);
}
