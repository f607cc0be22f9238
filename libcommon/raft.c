/*
 * raft.c -- the Raft consensus core: a pure state machine (see raft.h).
 *
 * Roles have their own step functions (step_leader, step_candidate,
 * step_follower) after a common term check in raft_step(), as in etcd/raft.
 * Membership is the latest configuration entry in the log, committed or
 * not (Ongaro's dissertation, 4.1), recomputed whenever the log is cut.
 * The leader counts itself in a quorum only up to what the caller has
 * persisted (raft_advance), so an entry is never committed on the strength
 * of a copy that a crash could still erase.  An entry is committed only by
 * counting replicas of an entry of the leader's own term (paper 5.4.2),
 * unless the test-only knob test_commit_old_term is set.
 *
 * Tested in t/unit/raft_test.c and by the simulator t/raftsim/raftsim.c.
 */
#include "raft.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum pr_state { PR_PROBE = 0, PR_REPLICATE, PR_SNAPSHOT };

struct progress {
	uint64_t id;
	int learner;
	uint64_t match, next;
	int state;
	int probe_sent;		/* probe: one APPEND out, wait for a reply */
	uint64_t pending_snapshot;
	unsigned snap_ticks;
	int recent_active;
	uint64_t ack_round;	/* highest heartbeat round acknowledged */
	uint64_t sent_commit;	/* highest commit index sent to it */
	/* in-flight APPENDs (replicate state): ring of last index + bytes */
	uint64_t infl_index[RAFT_MAX_INFLIGHT];
	size_t infl_bytes[RAFT_MAX_INFLIGHT];
	size_t infl_start, infl_count, infl_total;
};

struct pending_read {
	uint64_t ctx;
	uint64_t index;
	uint64_t round;		/* 0: waiting for a commit in this term */
};

#define ROUND_RING 64

struct raft {
	struct raft_config cfg;
	uint64_t rng;

	/* persistent state */
	uint64_t term, vote, commit;

	/* log: snap, then ents[0..n_ents) holding snap.index+1 .. last */
	struct raft_snapshot snap;
	struct raft_entry *ents;
	size_t n_ents, cap_ents;
	uint64_t stable;	/* persisted up to here */
	uint64_t applied;	/* handed out to apply and advanced */
	int snap_unstable;	/* snap must go out in a ready */
	int restored;		/* raft_restore/bootstrap done or input seen */

	struct raft_conf conf;	/* latest in log */
	uint64_t conf_index;

	/* volatile */
	int role;
	uint64_t lead;
	unsigned election_elapsed, heartbeat_elapsed, randomized_timeout;
	int boot_quiet;
	uint64_t now;

	/* candidate */
	uint64_t vote_id[RAFT_MAX_NODES];
	int vote_granted[RAFT_MAX_NODES];
	size_t n_votes;

	/* leader */
	struct progress *prs;	/* RAFT_MAX_NODES, allocated in raft_new */
	size_t n_prs;
	uint64_t transfer_to;
	unsigned transfer_elapsed;
	int lease_revoked;
	uint64_t hb_round;
	uint64_t round_tick[ROUND_RING];
	struct pending_read *preads;
	size_t n_preads, cap_preads;

	/* output */
	struct raft_msg *msgs;
	size_t n_msgs, cap_msgs;
	struct raft_read_state *reads;
	size_t n_reads, cap_reads;
	struct raft_hard_state prev_hs;

	/* between raft_ready and raft_advance */
	int in_ready;
	unsigned deferred_ticks;
	uint64_t rd_stable_to, rd_applied_to;
	int rd_snap;
};

/* ---- small helpers ---------------------------------------------------- */

static void rlog(struct raft *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void rlog(struct raft *r, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	if (r->cfg.log == NULL)
		return;
	n = snprintf(buf, sizeof(buf), "raft %llu/%llu term %llu: ",
		     (unsigned long long)r->cfg.group,
		     (unsigned long long)r->cfg.id,
		     (unsigned long long)r->term);
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	r->cfg.log(r->cfg.log_arg, buf);
}

static uint64_t rng_next(struct raft *r)
{
	/* splitmix64 */
	uint64_t z = (r->rng += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t last_index(const struct raft *r)
{
	return r->snap.index + r->n_ents;
}

static uint64_t first_index(const struct raft *r)
{
	return r->snap.index + 1;
}

/* Term of entry i; 0 when unknown (compacted or past the end). */
static int term_at(const struct raft *r, uint64_t i, uint64_t *t)
{
	if (i == r->snap.index) {
		*t = r->snap.term;
		return 1;
	}
	if (i < r->snap.index || i > last_index(r))
		return 0;
	*t = r->ents[i - first_index(r)].term;
	return 1;
}

static uint64_t last_term(const struct raft *r)
{
	uint64_t t = 0;

	term_at(r, last_index(r), &t);
	return t;
}

static struct raft_entry *entry(struct raft *r, uint64_t i)
{
	return &r->ents[i - first_index(r)];
}

static void le64_put(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t le64_get(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* ---- configurations --------------------------------------------------- */

static int conf_find(const struct raft_conf *c, uint64_t id)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->m[i].id == id)
			return (int)i;
	return -1;
}

int raft_conf_is_member(const struct raft_conf *c, uint64_t id)
{
	return conf_find(c, id) >= 0;
}

int raft_conf_is_voter(const struct raft_conf *c, uint64_t id)
{
	int i = conf_find(c, id);

	return i >= 0 && !c->m[i].learner;
}

static size_t conf_voters(const struct raft_conf *c)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n; i++)
		n += !c->m[i].learner;
	return n;
}

int raft_conf_apply(struct raft_conf *c, int op, uint64_t node)
{
	int i = conf_find(c, node);

	if (node == RAFT_NONE)
		return RC_BAD_INPUT;
	switch (op) {
	case RAFT_CONF_ADD_LEARNER:
		if (i >= 0 || c->n >= RAFT_MAX_NODES)
			return RC_CONFLICT;
		c->m[c->n].id = node;
		c->m[c->n].learner = 1;
		c->n++;
		return RC_OK;
	case RAFT_CONF_ADD_VOTER:
		if (i >= 0) {
			if (!c->m[i].learner)
				return RC_CONFLICT;
			c->m[i].learner = 0;
			return RC_OK;
		}
		if (c->n >= RAFT_MAX_NODES)
			return RC_CONFLICT;
		c->m[c->n].id = node;
		c->m[c->n].learner = 0;
		c->n++;
		return RC_OK;
	case RAFT_CONF_REMOVE:
		if (i < 0)
			return RC_CONFLICT;
		if (!c->m[i].learner && conf_voters(c) == 1)
			/* never remove the last voter */
			return RC_CONFLICT;
		c->m[i] = c->m[c->n - 1];
		c->n--;
		return RC_OK;
	default:
		return RC_BAD_INPUT;
	}
}

void raft_conf_encode(unsigned char out[RAFT_CONF_ENTRY_LEN], int op,
		      uint64_t node)
{
	out[0] = (unsigned char)op;
	le64_put(out + 1, node);
}

int raft_conf_decode(const void *data, size_t len, int *op, uint64_t *node)
{
	const unsigned char *p = data;

	if (data == NULL || len != RAFT_CONF_ENTRY_LEN)
		return RC_BAD_INPUT;
	*op = p[0];
	*node = le64_get(p + 1);
	return RC_OK;
}

static int conf_valid(const struct raft_conf *c)
{
	if (c->n > RAFT_MAX_NODES)
		return 0;
	for (size_t i = 0; i < c->n; i++) {
		if (c->m[i].id == RAFT_NONE)
			return 0;
		for (size_t j = 0; j < i; j++)
			if (c->m[j].id == c->m[i].id)
				return 0;
	}
	return 1;
}

/* Apply a conf entry to r->conf (invalid ones are no-ops everywhere). */
static void conf_apply_entry(struct raft *r, const struct raft_entry *en)
{
	int op;
	uint64_t node;

	if (en->type != RAFT_ENTRY_CONF)
		return;
	r->conf_index = en->index;
	if (raft_conf_decode(en->data, en->len, &op, &node) == RC_OK)
		raft_conf_apply(&r->conf, op, node);
}

static void conf_recompute(struct raft *r)
{
	r->conf = r->snap.conf;
	r->conf_index = r->snap.index;
	for (size_t i = 0; i < r->n_ents; i++)
		conf_apply_entry(r, &r->ents[i]);
}

/* ---- messages out ----------------------------------------------------- */

static void msg_release(struct raft_msg *m)
{
	free(m->entries);	/* entries and their data: one block */
	free(m->snapshot.data);
	m->entries = NULL;
	m->snapshot.data = NULL;
}

/* Queue m (its entries/snapshot already owned by it); on NOMEM drop it:
 * to the protocol that is just a lost message. */
static void msg_send(struct raft *r, struct raft_msg *m)
{
	m->group = r->cfg.group;
	m->from = r->cfg.id;
	if (m->term == 0)
		m->term = r->term;
	if (r->n_msgs == r->cap_msgs) {
		size_t cap = r->cap_msgs ? 2 * r->cap_msgs : 16;
		struct raft_msg *p = realloc(r->msgs, cap * sizeof(*p));

		if (p == NULL) {
			msg_release(m);
			rlog(r, "out of memory: dropping a message");
			return;
		}
		r->msgs = p;
		r->cap_msgs = cap;
	}
	r->msgs[r->n_msgs++] = *m;
}

/* Copy entries lo..hi (inclusive) into one allocation. */
static int copy_entries(struct raft *r, uint64_t lo, uint64_t hi,
			struct raft_entry **out, size_t *n_out)
{
	size_t n = (size_t)(hi - lo + 1);
	size_t bytes = n * sizeof(struct raft_entry);
	struct raft_entry *c;
	unsigned char *p;

	for (uint64_t i = lo; i <= hi; i++)
		bytes += entry(r, i)->len;
	c = malloc(bytes);
	if (c == NULL)
		return RC_NOMEM;
	p = (unsigned char *)(c + n);
	for (size_t k = 0; k < n; k++) {
		const struct raft_entry *src = entry(r, lo + k);

		c[k] = *src;
		c[k].data = src->len ? p : NULL;
		if (src->len)
			memcpy(p, src->data, src->len);
		p += src->len;
	}
	*out = c;
	*n_out = n;
	return RC_OK;
}

/* ---- progress (leader) ------------------------------------------------ */

static struct progress *pr_find(struct raft *r, uint64_t id)
{
	for (size_t i = 0; i < r->n_prs; i++)
		if (r->prs[i].id == id)
			return &r->prs[i];
	return NULL;
}

static void pr_reset(struct raft *r, struct progress *pr, uint64_t id)
{
	memset(pr, 0, sizeof(*pr));
	pr->id = id;
	pr->next = last_index(r) + 1;
	pr->state = PR_PROBE;
	pr->recent_active = 1;
}

static void infl_free_to(struct progress *pr, uint64_t index)
{
	while (pr->infl_count > 0 &&
	       pr->infl_index[pr->infl_start] <= index) {
		pr->infl_total -= pr->infl_bytes[pr->infl_start];
		pr->infl_start = (pr->infl_start + 1) % RAFT_MAX_INFLIGHT;
		pr->infl_count--;
	}
}

static void infl_free_first(struct progress *pr)
{
	if (pr->infl_count > 0)
		infl_free_to(pr, pr->infl_index[pr->infl_start]);
}

static void infl_reset(struct progress *pr)
{
	pr->infl_start = pr->infl_count = pr->infl_total = 0;
}

static int infl_full(const struct raft *r, const struct progress *pr)
{
	return pr->infl_count >= r->cfg.max_inflight_msgs ||
	       (r->cfg.max_inflight_bytes != 0 &&
		pr->infl_total >= r->cfg.max_inflight_bytes);
}

static void pr_become_probe(struct raft *r, struct progress *pr)
{
	if (pr->state == PR_SNAPSHOT) {
		uint64_t ps = pr->pending_snapshot;

		pr->next = (pr->match + 1 > ps + 1) ? pr->match + 1 : ps + 1;
	} else {
		pr->next = pr->match + 1;
	}
	pr->state = PR_PROBE;
	pr->probe_sent = 0;
	pr->pending_snapshot = 0;
	infl_reset(pr);
	(void)r;
}

static void pr_become_replicate(struct progress *pr)
{
	pr->state = PR_REPLICATE;
	pr->next = pr->match + 1;
	pr->probe_sent = 0;
	infl_reset(pr);
}

static int pr_paused(const struct raft *r, const struct progress *pr)
{
	switch (pr->state) {
	case PR_PROBE:
		return pr->probe_sent;
	case PR_REPLICATE:
		return infl_full(r, pr);
	default:
		return 1;
	}
}

/* Make r->prs mirror r->conf (leader only), keeping known progress. */
static void prs_sync(struct raft *r)
{
	struct progress *old = r->prs;
	size_t n_old = r->n_prs;
	size_t k = 0;

	/* first drop the ones that left, compacting in place */
	for (size_t i = 0; i < n_old; i++) {
		int ci = conf_find(&r->conf, old[i].id);

		if (ci < 0)
			continue;
		if (k != i)
			old[k] = old[i];
		old[k].learner = r->conf.m[ci].learner;
		k++;
	}
	r->n_prs = k;
	for (size_t i = 0; i < r->conf.n; i++) {
		if (pr_find(r, r->conf.m[i].id) != NULL)
			continue;
		pr_reset(r, &r->prs[r->n_prs], r->conf.m[i].id);
		r->prs[r->n_prs].learner = r->conf.m[i].learner;
		if (r->conf.m[i].id == r->cfg.id)
			r->prs[r->n_prs].match = r->stable;
		r->n_prs++;
	}
}

/* ---- role changes ----------------------------------------------------- */

static void reset_election_timer(struct raft *r)
{
	unsigned et = r->cfg.election_ticks;

	r->election_elapsed = 0;
	r->randomized_timeout = et + (unsigned)(rng_next(r) % et);
}

static void drop_pending_reads(struct raft *r)
{
	/* the application learns nothing and times out; see docs/RAFT.md */
	r->n_preads = 0;
}

static void become_follower(struct raft *r, uint64_t term, uint64_t lead)
{
	if (term != r->term) {
		r->term = term;
		r->vote = RAFT_NONE;
	}
	if (r->role != RAFT_FOLLOWER || r->lead != lead)
		rlog(r, "follower, leader %llu", (unsigned long long)lead);
	r->role = RAFT_FOLLOWER;
	r->lead = lead;
	r->transfer_to = RAFT_NONE;
	r->n_votes = 0;
	r->heartbeat_elapsed = 0;
	reset_election_timer(r);
	drop_pending_reads(r);
}

static int self_is_voter(const struct raft *r)
{
	return raft_conf_is_voter(&r->conf, r->cfg.id);
}

static void record_vote(struct raft *r, uint64_t id, int granted)
{
	for (size_t i = 0; i < r->n_votes; i++)
		if (r->vote_id[i] == id)
			return;		/* first answer counts */
	if (r->n_votes < RAFT_MAX_NODES) {
		r->vote_id[r->n_votes] = id;
		r->vote_granted[r->n_votes] = granted;
		r->n_votes++;
	}
}

/* 1 won, -1 lost, 0 pending (votes of current voters only) */
static int tally(const struct raft *r)
{
	size_t nv = conf_voters(&r->conf), yes = 0, no = 0;
	size_t q = nv / 2 + 1;

	for (size_t i = 0; i < r->n_votes; i++) {
		if (!raft_conf_is_voter(&r->conf, r->vote_id[i]))
			continue;
		if (r->vote_granted[i])
			yes++;
		else
			no++;
	}
	if (nv == 0)
		return -1;
	if (yes >= q)
		return 1;
	if (no > nv - q)
		return -1;
	return 0;
}

static void become_leader(struct raft *r);
static void bcast_append(struct raft *r, int send_empty);

static void campaign(struct raft *r, int pre, int transfer)
{
	struct raft_msg m;
	uint64_t term;
	int msg_type;

	if (!self_is_voter(r))
		return;
	r->n_votes = 0;
	r->lead = RAFT_NONE;
	r->heartbeat_elapsed = 0;
	reset_election_timer(r);
	drop_pending_reads(r);
	if (pre) {
		r->role = RAFT_PRE_CANDIDATE;
		term = r->term + 1;
		msg_type = RAFT_MSG_PREVOTE;
	} else {
		r->role = RAFT_CANDIDATE;
		r->term++;
		r->vote = r->cfg.id;
		term = r->term;
		msg_type = RAFT_MSG_VOTE;
	}
	rlog(r, "%s campaign", pre ? "pre-vote" : "vote");
	record_vote(r, r->cfg.id, 1);
	if (tally(r) == 1) {
		if (pre)
			campaign(r, 0, transfer);
		else
			become_leader(r);
		return;
	}
	for (size_t i = 0; i < r->conf.n; i++) {
		if (r->conf.m[i].learner || r->conf.m[i].id == r->cfg.id)
			continue;
		memset(&m, 0, sizeof(m));
		m.type = msg_type;
		m.to = r->conf.m[i].id;
		m.term = term;
		m.index = last_index(r);
		m.log_term = last_term(r);
		m.context = transfer ? 1 : 0;
		msg_send(r, &m);
	}
}

/* Append one entry (leader), copying data.  Updates conf if needed. */
static int log_append_local(struct raft *r, int type, const void *data,
			    size_t len)
{
	struct raft_entry *en;
	void *copy = NULL;

	if (r->n_ents == r->cap_ents) {
		size_t cap = r->cap_ents ? 2 * r->cap_ents : 64;
		struct raft_entry *p = realloc(r->ents, cap * sizeof(*p));

		if (p == NULL)
			return RC_NOMEM;
		r->ents = p;
		r->cap_ents = cap;
	}
	if (len > 0) {
		copy = malloc(len);
		if (copy == NULL)
			return RC_NOMEM;
		memcpy(copy, data, len);
	}
	en = &r->ents[r->n_ents++];
	en->term = r->term;
	en->index = last_index(r);
	en->type = type;
	en->data = copy;
	en->len = len;
	if (type == RAFT_ENTRY_CONF) {
		conf_apply_entry(r, en);
		if (r->role == RAFT_LEADER)
			prs_sync(r);
	}
	return RC_OK;
}

static void maybe_commit(struct raft *r);

static void become_leader(struct raft *r)
{
	r->role = RAFT_LEADER;
	r->lead = r->cfg.id;
	r->transfer_to = RAFT_NONE;
	r->lease_revoked = 0;
	r->heartbeat_elapsed = 0;
	r->election_elapsed = 0;
	r->n_prs = 0;
	drop_pending_reads(r);
	prs_sync(r);
	rlog(r, "leader");
	/* the no-op of this term: commits everything before it (5.4.2) */
	if (log_append_local(r, RAFT_ENTRY_NORMAL, NULL, 0) != RC_OK)
		rlog(r, "out of memory appending the leader's no-op");
	bcast_append(r, 1);
	maybe_commit(r);
}

/* ---- replication (leader) --------------------------------------------- */

static void send_snapshot(struct raft *r, struct progress *pr)
{
	struct raft_msg m;

	/* paused from here on; a lost snapshot is resent after snap_ticks */
	pr->state = PR_SNAPSHOT;
	pr->pending_snapshot = r->snap.index;
	pr->snap_ticks = 0;
	infl_reset(pr);
	memset(&m, 0, sizeof(m));
	m.type = RAFT_MSG_SNAPSHOT;
	m.to = pr->id;
	m.snapshot = r->snap;
	m.snapshot.data = NULL;
	if (r->snap.len > 0) {
		m.snapshot.data = malloc(r->snap.len);
		if (m.snapshot.data == NULL)
			return;
		memcpy(m.snapshot.data, r->snap.data, r->snap.len);
	}
	rlog(r, "sending snapshot %llu to %llu",
	     (unsigned long long)r->snap.index, (unsigned long long)pr->id);
	msg_send(r, &m);
}

/* Send what pr lacks; returns 1 if a message went out. */
static int send_append(struct raft *r, struct progress *pr, int send_empty)
{
	struct raft_msg m;
	uint64_t prev, prev_term, last = last_index(r), hi;
	size_t bytes = 0;

	if (pr->id == r->cfg.id || pr_paused(r, pr))
		return 0;
	prev = pr->next - 1;
	if (!term_at(r, prev, &prev_term)) {
		if (prev < r->snap.index) {
			send_snapshot(r, pr);
			return 1;
		}
		/* next past our end (stale optimism): restart probing */
		pr->next = last + 1;
		prev = last;
		prev_term = last_term(r);
	}
	memset(&m, 0, sizeof(m));
	m.type = RAFT_MSG_APPEND;
	m.to = pr->id;
	m.index = prev;
	m.log_term = prev_term;
	m.commit = r->commit;
	if (prev < last) {
		hi = prev + 1;
		bytes = entry(r, hi)->len;
		while (hi < last &&
		       bytes + entry(r, hi + 1)->len <= r->cfg.max_msg_bytes) {
			hi++;
			bytes += entry(r, hi)->len;
		}
		if (copy_entries(r, prev + 1, hi, &m.entries,
				 &m.n_entries) != RC_OK)
			return 0;
	} else if (!send_empty) {
		return 0;
	}
	if (pr->state == PR_REPLICATE) {
		if (m.n_entries > 0) {
			uint64_t li = prev + m.n_entries;
			size_t slot = (pr->infl_start + pr->infl_count) %
				      RAFT_MAX_INFLIGHT;

			pr->next = li + 1;
			pr->infl_index[slot] = li;
			pr->infl_bytes[slot] = bytes;
			pr->infl_count++;
			pr->infl_total += bytes;
		}
	} else {
		pr->probe_sent = 1;
	}
	if (m.commit > pr->sent_commit)
		pr->sent_commit = m.commit;
	msg_send(r, &m);
	return 1;
}

static void bcast_append(struct raft *r, int send_empty)
{
	for (size_t i = 0; i < r->n_prs; i++)
		send_append(r, &r->prs[i], send_empty);
}

static void bcast_heartbeat(struct raft *r)
{
	struct raft_msg m;

	r->hb_round++;
	r->round_tick[r->hb_round % ROUND_RING] = r->now;
	for (size_t i = 0; i < r->n_prs; i++) {
		struct progress *pr = &r->prs[i];

		if (pr->id == r->cfg.id)
			continue;
		memset(&m, 0, sizeof(m));
		m.type = RAFT_MSG_HEARTBEAT;
		m.to = pr->id;
		m.commit = pr->match < r->commit ? pr->match : r->commit;
		m.context = r->hb_round;
		if (m.commit > pr->sent_commit)
			pr->sent_commit = m.commit;
		msg_send(r, &m);
	}
}

/* lazy_commit: does pr still have to be told the commit index? */
static int commit_unsent(const struct raft *r, const struct progress *pr)
{
	return pr->id != r->cfg.id && pr->sent_commit < r->commit &&
	       !pr_paused(r, pr);
}

static int flush_commit(struct raft *r)
{
	int sent = 0;

	for (size_t i = 0; i < r->n_prs; i++)
		if (commit_unsent(r, &r->prs[i]))
			sent |= send_append(r, &r->prs[i], 1);
	return sent;
}

static int cmp_desc(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/* The value a quorum of voters has reached (self: own_value). */
static uint64_t quorum_value(struct raft *r, int which)
{
	uint64_t v[RAFT_MAX_NODES];
	size_t n = 0;

	for (size_t i = 0; i < r->n_prs; i++) {
		struct progress *pr = &r->prs[i];

		if (pr->learner)
			continue;
		if (which == 0)
			v[n++] = pr->id == r->cfg.id ? r->stable : pr->match;
		else
			v[n++] = pr->id == r->cfg.id ? r->hb_round :
				 pr->ack_round;
	}
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(v[0]), cmp_desc);
	return v[n / 2];
}

static int committed_in_term(const struct raft *r)
{
	uint64_t t = 0;

	return term_at(r, r->commit, &t) && t == r->term;
}

static void release_reads(struct raft *r);

static void leader_after_commit(struct raft *r)
{
	/* pending reads that waited for this term's first commit */
	int need_round = 0;

	for (size_t i = 0; i < r->n_preads && committed_in_term(r); i++) {
		if (r->preads[i].round == 0) {
			r->preads[i].index = r->commit;
			r->preads[i].round = r->hb_round + 1;
			need_round = 1;
		}
	}
	if (need_round)
		bcast_heartbeat(r);
	release_reads(r);
	/* a leader removed from the voters steps down once that commits */
	if (!self_is_voter(r) && r->conf_index <= r->commit) {
		struct progress *best = NULL;

		for (size_t i = 0; i < r->n_prs; i++) {
			struct progress *pr = &r->prs[i];

			if (pr->learner || pr->id == r->cfg.id)
				continue;
			if (best == NULL || pr->match > best->match)
				best = pr;
		}
		if (best != NULL && best->match == last_index(r)) {
			struct raft_msg m;

			memset(&m, 0, sizeof(m));
			m.type = RAFT_MSG_TIMEOUT_NOW;
			m.to = best->id;
			msg_send(r, &m);
		}
		rlog(r, "removed from the configuration: stepping down");
		become_follower(r, r->term, RAFT_NONE);
	}
}

static void maybe_commit(struct raft *r)
{
	uint64_t n, t = 0;

	if (r->role != RAFT_LEADER)
		return;
	n = quorum_value(r, 0);
	if (n <= r->commit || !term_at(r, n, &t))
		return;
	if (t != r->term && !r->cfg.test_commit_old_term)
		return;
	r->commit = n;
	if (!r->cfg.lazy_commit)
		bcast_append(r, 1);
	leader_after_commit(r);
}

/* ---- reads ------------------------------------------------------------ */

static int push_read(struct raft *r, uint64_t ctx, uint64_t index)
{
	if (r->n_reads == r->cap_reads) {
		size_t cap = r->cap_reads ? 2 * r->cap_reads : 8;
		struct raft_read_state *p =
			realloc(r->reads, cap * sizeof(*p));

		if (p == NULL)
			return RC_NOMEM;
		r->reads = p;
		r->cap_reads = cap;
	}
	r->reads[r->n_reads].ctx = ctx;
	r->reads[r->n_reads].index = index;
	r->n_reads++;
	return RC_OK;
}

static void release_reads(struct raft *r)
{
	uint64_t qr;
	size_t k = 0;

	if (r->role != RAFT_LEADER || r->n_preads == 0)
		return;
	qr = quorum_value(r, 1);
	for (size_t i = 0; i < r->n_preads; i++) {
		struct pending_read *p = &r->preads[i];

		if (p->round != 0 && p->round <= qr &&
		    push_read(r, p->ctx, p->index) == RC_OK)
			continue;
		r->preads[k++] = *p;
	}
	r->n_preads = k;
}

static int lease_valid(const struct raft *r)
{
	uint64_t qr;

	if (!r->cfg.lease_read || !r->cfg.check_quorum || r->lease_revoked ||
	    r->transfer_to != RAFT_NONE || !committed_in_term(r))
		return 0;
	qr = quorum_value((struct raft *)r, 1);
	if (qr == 0 || r->hb_round - qr >= ROUND_RING)
		return 0;
	return r->now + r->cfg.lease_margin_ticks <
	       r->round_tick[qr % ROUND_RING] + r->cfg.election_ticks;
}

/* ---- receiving -------------------------------------------------------- */

static void respond(struct raft *r, const struct raft_msg *in, int type,
		    uint64_t term, int reject, uint64_t index)
{
	struct raft_msg m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.to = in->from;
	m.term = term;
	m.reject = reject;
	m.index = index;
	msg_send(r, &m);
}

static void commit_to(struct raft *r, uint64_t c)
{
	if (c > last_index(r))
		c = last_index(r);
	if (c > r->commit)
		r->commit = c;
}

/* Largest j <= index whose term <= term (terms grow along the log). */
static uint64_t conflict_by_term(const struct raft *r, uint64_t index,
				 uint64_t term, uint64_t *jt)
{
	uint64_t j = index, t = 0;

	if (j > last_index(r))
		j = last_index(r);
	if (j < r->snap.index) {
		*jt = 0;	/* compacted: unknown, the caller backs off */
		return j;
	}
	while (j > r->snap.index) {
		term_at(r, j, &t);
		if (t <= term) {
			*jt = t;
			return j;
		}
		j--;
	}
	if (r->snap.term <= term) {
		*jt = r->snap.term;
		return r->snap.index;
	}
	/* even our snapshot is too new: the match lies below it */
	*jt = 0;
	return r->snap.index - 1;
}

/* Make room for n more entries. */
static int ents_reserve(struct raft *r, size_t n)
{
	size_t cap;
	struct raft_entry *p;

	if (r->n_ents + n <= r->cap_ents)
		return RC_OK;
	cap = r->cap_ents ? r->cap_ents : 64;
	while (cap < r->n_ents + n)
		cap *= 2;
	p = realloc(r->ents, cap * sizeof(*p));
	if (p == NULL)
		return RC_NOMEM;
	r->ents = p;
	r->cap_ents = cap;
	return RC_OK;
}

static void truncate_from(struct raft *r, uint64_t i)
{
	while (last_index(r) >= i && r->n_ents > 0) {
		free(r->ents[r->n_ents - 1].data);
		r->n_ents--;
	}
	if (r->stable > last_index(r))
		r->stable = last_index(r);
	conf_recompute(r);
}

static void handle_append(struct raft *r, const struct raft_msg *m)
{
	uint64_t t = 0, last_new, jt = 0, j;
	size_t k = 0, n_new;
	void **copies = NULL;

	if (m->index < r->commit) {
		respond(r, m, RAFT_MSG_APPEND_RESP, 0, 0, r->commit);
		return;
	}
	if (!term_at(r, m->index, &t) || t != m->log_term) {
		struct raft_msg out;

		j = conflict_by_term(r, m->index, m->log_term, &jt);
		memset(&out, 0, sizeof(out));
		out.type = RAFT_MSG_APPEND_RESP;
		out.to = m->from;
		out.reject = 1;
		out.index = m->index;
		out.hint = j;
		out.log_term = jt;
		msg_send(r, &out);
		return;
	}
	/* skip what we already have; the first conflict truncates */
	while (k < m->n_entries) {
		const struct raft_entry *en = &m->entries[k];

		if (!term_at(r, en->index, &t) || t != en->term)
			break;
		k++;
	}
	last_new = m->index + m->n_entries;
	n_new = m->n_entries - k;
	if (n_new > 0) {
		uint64_t at = m->entries[k].index;

		if (at <= r->commit) {
			/* would rewrite a committed entry: no real leader
			 * sends that */
			rlog(r, "append from %llu conflicts at committed %llu",
			     (unsigned long long)m->from,
			     (unsigned long long)at);
			return;
		}
		copies = calloc(n_new, sizeof(*copies));
		if (copies == NULL)
			return;
		for (size_t i = 0; i < n_new; i++) {
			const struct raft_entry *en = &m->entries[k + i];

			if (en->len == 0)
				continue;
			copies[i] = malloc(en->len);
			if (copies[i] == NULL)
				goto nomem;
			memcpy(copies[i], en->data, en->len);
		}
		if (at <= last_index(r))
			truncate_from(r, at);
		if (ents_reserve(r, n_new) != RC_OK)
			goto nomem;
		for (size_t i = 0; i < n_new; i++) {
			struct raft_entry *dst = &r->ents[r->n_ents++];

			*dst = m->entries[k + i];
			dst->data = copies[i];
			conf_apply_entry(r, dst);
		}
		free(copies);
	}
	commit_to(r, m->commit < last_new ? m->commit : last_new);
	respond(r, m, RAFT_MSG_APPEND_RESP, 0, 0, last_new);
	return;
nomem:
	for (size_t i = 0; i < n_new; i++)
		free(copies[i]);
	free(copies);
	rlog(r, "out of memory: dropping an append");
}

static void handle_heartbeat(struct raft *r, const struct raft_msg *m)
{
	struct raft_msg out;

	commit_to(r, m->commit);
	memset(&out, 0, sizeof(out));
	out.type = RAFT_MSG_HEARTBEAT_RESP;
	out.to = m->from;
	out.context = m->context;
	msg_send(r, &out);
}

static void handle_snapshot(struct raft *r, const struct raft_msg *m)
{
	const struct raft_snapshot *s = &m->snapshot;
	uint64_t t = 0;
	void *copy = NULL;

	if (s->index <= r->commit) {
		respond(r, m, RAFT_MSG_APPEND_RESP, 0, 0, r->commit);
		return;
	}
	if (term_at(r, s->index, &t) && t == s->term) {
		/* we have it already: just learn that it is committed */
		commit_to(r, s->index);
		respond(r, m, RAFT_MSG_APPEND_RESP, 0, 0, s->index);
		return;
	}
	if (s->len > 0) {
		copy = malloc(s->len);
		if (copy == NULL)
			return;
		memcpy(copy, s->data, s->len);
	}
	rlog(r, "restoring snapshot %llu term %llu",
	     (unsigned long long)s->index, (unsigned long long)s->term);
	for (size_t i = 0; i < r->n_ents; i++)
		free(r->ents[i].data);
	r->n_ents = 0;
	free(r->snap.data);
	r->snap = *s;
	r->snap.data = copy;
	r->snap_unstable = 1;
	r->stable = s->index;
	r->commit = s->index;
	conf_recompute(r);
	respond(r, m, RAFT_MSG_APPEND_RESP, 0, 0, s->index);
}

static int log_up_to_date(const struct raft *r, uint64_t lt, uint64_t li)
{
	uint64_t mt = last_term(r);

	return lt > mt || (lt == mt && li >= last_index(r));
}

static void handle_vote(struct raft *r, const struct raft_msg *m)
{
	int pre = m->type == RAFT_MSG_PREVOTE;
	int resp = pre ? RAFT_MSG_PREVOTE_RESP : RAFT_MSG_VOTE_RESP;
	int can = r->vote == m->from ||
		  (r->vote == RAFT_NONE && r->lead == RAFT_NONE) ||
		  (pre && m->term > r->term);

	if (can && log_up_to_date(r, m->log_term, m->index)) {
		respond(r, m, resp, m->term, 0, 0);
		if (!pre) {
			r->vote = m->from;
			r->election_elapsed = 0;
		}
	} else {
		respond(r, m, resp, r->term, 1, 0);
	}
}

static void send_timeout_now(struct raft *r, uint64_t to)
{
	struct raft_msg m;

	memset(&m, 0, sizeof(m));
	m.type = RAFT_MSG_TIMEOUT_NOW;
	m.to = to;
	r->lease_revoked = 1;	/* the target may now win without waiting */
	msg_send(r, &m);
}

static void step_leader(struct raft *r, const struct raft_msg *m)
{
	struct progress *pr = pr_find(r, m->from);

	if (pr == NULL || pr->id == r->cfg.id)
		return;		/* unknown sender: not ours to track */
	switch (m->type) {
	case RAFT_MSG_APPEND_RESP:
		pr->recent_active = 1;
		if (m->index > last_index(r))
			return;		/* claims entries we never sent */
		if (m->reject) {
			uint64_t jt = 0, k;
			uint64_t hint = m->hint < m->index ? m->hint :
					m->index;

			k = conflict_by_term(r, hint, m->log_term, &jt);
			if (pr->state == PR_REPLICATE) {
				if (m->index <= pr->match)
					return;		/* stale */
				pr_become_probe(r, pr);
			} else if (pr->state == PR_PROBE) {
				uint64_t nx;

				if (pr->next - 1 != m->index)
					return;		/* stale */
				nx = m->index < k + 1 ? m->index : k + 1;
				if (nx < pr->match + 1)
					nx = pr->match + 1;
				pr->next = nx;
				pr->probe_sent = 0;
			} else {
				return;
			}
			send_append(r, pr, 0);
			return;
		}
		{
			int updated = 0;
			int old_paused = pr_paused(r, pr);

			if (m->index > pr->match) {
				pr->match = m->index;
				updated = 1;
			}
			if (pr->next < m->index + 1)
				pr->next = m->index + 1;
			if (pr->state == PR_PROBE &&
			    (updated || pr->match == m->index))
				pr_become_replicate(pr);
			else if (pr->state == PR_SNAPSHOT &&
				 pr->match >= pr->pending_snapshot) {
				pr_become_probe(r, pr);
				pr_become_replicate(pr);
			} else if (pr->state == PR_REPLICATE)
				infl_free_to(pr, m->index);
			if (updated) {
				uint64_t c = r->commit;

				maybe_commit(r);
				if (r->role != RAFT_LEADER)
					return;
				if (c == r->commit)
					while (send_append(r, pr, 0))
						;
			} else if (old_paused) {
				while (send_append(r, pr, 0))
					;
			}
			if (m->from == r->transfer_to &&
			    pr->match == last_index(r))
				send_timeout_now(r, m->from);
		}
		return;
	case RAFT_MSG_HEARTBEAT_RESP:
		pr->recent_active = 1;
		pr->probe_sent = 0;
		if (pr->state == PR_REPLICATE && infl_full(r, pr))
			infl_free_first(pr);
		if (pr->state == PR_SNAPSHOT && pr->match >= r->snap.index)
			pr_become_probe(r, pr);
		/* an empty append, if nothing new: lost or reordered
		 * appends then show up as a rejection and we back off */
		if (pr->match < last_index(r))
			send_append(r, pr, 1);
		if (m->context > pr->ack_round && m->context <= r->hb_round)
			pr->ack_round = m->context;
		release_reads(r);
		return;
	default:
		/* e.g. an APPEND from a would-be second leader */
		return;
	}
}

static void step_candidate(struct raft *r, const struct raft_msg *m)
{
	int want = r->role == RAFT_PRE_CANDIDATE ? RAFT_MSG_PREVOTE_RESP :
		   RAFT_MSG_VOTE_RESP;
	int res;

	switch (m->type) {
	case RAFT_MSG_APPEND:
		become_follower(r, m->term, m->from);
		handle_append(r, m);
		return;
	case RAFT_MSG_HEARTBEAT:
		become_follower(r, m->term, m->from);
		handle_heartbeat(r, m);
		return;
	case RAFT_MSG_SNAPSHOT:
		become_follower(r, m->term, m->from);
		handle_snapshot(r, m);
		return;
	case RAFT_MSG_PREVOTE_RESP:
	case RAFT_MSG_VOTE_RESP:
		if (m->type != want)
			return;
		if (want == RAFT_MSG_PREVOTE_RESP && !m->reject &&
		    m->term != r->term + 1)
			return;
		record_vote(r, m->from, !m->reject);
		res = tally(r);
		if (res == 1) {
			if (r->role == RAFT_PRE_CANDIDATE)
				campaign(r, 0, 0);
			else
				become_leader(r);
		} else if (res == -1) {
			become_follower(r, r->term, RAFT_NONE);
		}
		return;
	default:
		return;
	}
}

static void step_follower(struct raft *r, const struct raft_msg *m)
{
	switch (m->type) {
	case RAFT_MSG_APPEND:
		r->lead = m->from;
		r->election_elapsed = 0;
		handle_append(r, m);
		return;
	case RAFT_MSG_HEARTBEAT:
		r->lead = m->from;
		r->election_elapsed = 0;
		handle_heartbeat(r, m);
		return;
	case RAFT_MSG_SNAPSHOT:
		r->lead = m->from;
		r->election_elapsed = 0;
		handle_snapshot(r, m);
		return;
	case RAFT_MSG_TIMEOUT_NOW:
		rlog(r, "leadership transfer from %llu",
		     (unsigned long long)m->from);
		campaign(r, 0, 1);
		return;
	default:
		return;
	}
}

/* Structural checks: nothing here depends on our state. */
static int msg_validate(const struct raft *r, const struct raft_msg *m,
			struct err *e)
{
	if (m->type < RAFT_MSG_APPEND || m->type >= RAFT_MSG__COUNT)
		return err_set(e, RC_BAD_INPUT, "unknown raft message type %d",
			       m->type);
	if (m->group != r->cfg.group)
		return err_set(e, RC_BAD_INPUT,
			       "raft message for group %llu reached group "
			       "%llu",
			       (unsigned long long)m->group,
			       (unsigned long long)r->cfg.group);
	if (m->to != r->cfg.id)
		return err_set(e, RC_BAD_INPUT,
			       "raft message for node %llu reached node %llu",
			       (unsigned long long)m->to,
			       (unsigned long long)r->cfg.id);
	if (m->from == RAFT_NONE || m->from == r->cfg.id)
		return err_set(e, RC_BAD_INPUT,
			       "raft message with bad sender %llu",
			       (unsigned long long)m->from);
	if (m->term == 0 || m->term >= RAFT_TERM_MAX)
		return err_set(e, RC_BAD_INPUT,
			       "raft message with bad term %llu",
			       (unsigned long long)m->term);
	if (m->index >= RAFT_TERM_MAX || m->snapshot.index >= RAFT_TERM_MAX ||
	    m->n_entries >= RAFT_TERM_MAX)
		return err_set(e, RC_BAD_INPUT,
			       "raft message with an index out of range");
	if (m->n_entries > 0 && (m->type != RAFT_MSG_APPEND ||
				 m->entries == NULL))
		return err_set(e, RC_BAD_INPUT,
			       "raft message carries stray entries");
	for (size_t i = 0; i < m->n_entries; i++) {
		const struct raft_entry *en = &m->entries[i];
		uint64_t pt = i ? m->entries[i - 1].term : m->log_term;

		if (en->index != m->index + 1 + i || en->term < pt ||
		    en->term > m->term ||
		    (en->len > 0 && en->data == NULL) ||
		    (en->type != RAFT_ENTRY_NORMAL &&
		     en->type != RAFT_ENTRY_CONF))
			return err_set(e, RC_BAD_INPUT,
				       "raft append with malformed entry %zu",
				       i);
	}
	if (m->type == RAFT_MSG_APPEND && m->log_term > m->term)
		return err_set(e, RC_BAD_INPUT,
			       "raft append with prev term past its term");
	if (m->type == RAFT_MSG_SNAPSHOT &&
	    (m->snapshot.index == 0 || m->snapshot.term > m->term ||
	     !conf_valid(&m->snapshot.conf) ||
	     (m->snapshot.len > 0 && m->snapshot.data == NULL)))
		return err_set(e, RC_BAD_INPUT, "raft snapshot is malformed");
	if ((m->type == RAFT_MSG_VOTE || m->type == RAFT_MSG_PREVOTE) &&
	    m->log_term > m->term)
		return err_set(e, RC_BAD_INPUT,
			       "raft vote request with last term past its "
			       "term");
	return RC_OK;
}

int raft_step(struct raft *r, const struct raft_msg *m, struct err *e)
{
	int rc;

	if (r->in_ready)
		return err_set(e, RC_INTERNAL,
			       "raft_step between raft_ready and "
			       "raft_advance");
	if (m == NULL)
		return err_set(e, RC_BAD_INPUT, "no raft message");
	rc = msg_validate(r, m, e);
	if (rc != RC_OK)
		return rc;
	r->restored = 1;

	if (m->term > r->term) {
		int vote = m->type == RAFT_MSG_VOTE ||
			   m->type == RAFT_MSG_PREVOTE;

		if (vote) {
			int force = m->type == RAFT_MSG_VOTE &&
				    m->context == 1;
			int heard = r->lead != RAFT_NONE || r->boot_quiet;
			int in_lease = r->cfg.check_quorum && heard &&
				       r->election_elapsed <
				       r->cfg.election_ticks;

			if (!force && in_lease)
				return RC_OK;	/* leader is alive: ignore */
		}
		if (m->type == RAFT_MSG_PREVOTE ||
		    (m->type == RAFT_MSG_PREVOTE_RESP && !m->reject)) {
			/* pre-vote terms are not adopted */
		} else if (m->type == RAFT_MSG_APPEND ||
			   m->type == RAFT_MSG_HEARTBEAT ||
			   m->type == RAFT_MSG_SNAPSHOT) {
			become_follower(r, m->term, m->from);
		} else {
			become_follower(r, m->term, RAFT_NONE);
		}
	} else if (m->term < r->term) {
		if (m->type == RAFT_MSG_APPEND ||
		    m->type == RAFT_MSG_HEARTBEAT ||
		    m->type == RAFT_MSG_SNAPSHOT) {
			/* tell a stale leader about the new term (paper
			 * 5.1); with pre-vote and check-quorum the term can
			 * only have moved on for a real reason */
			respond(r, m, RAFT_MSG_APPEND_RESP, r->term, 0, 0);
		} else if (m->type == RAFT_MSG_PREVOTE) {
			respond(r, m, RAFT_MSG_PREVOTE_RESP, r->term, 1, 0);
		} else if (m->type == RAFT_MSG_VOTE) {
			/* a rejection carrying our term lets the candidate
			 * catch up instead of campaigning below us forever */
			respond(r, m, RAFT_MSG_VOTE_RESP, r->term, 1, 0);
		}
		return RC_OK;
	}

	if (m->type == RAFT_MSG_VOTE || m->type == RAFT_MSG_PREVOTE) {
		handle_vote(r, m);
		return RC_OK;
	}
	switch (r->role) {
	case RAFT_LEADER:
		step_leader(r, m);
		break;
	case RAFT_PRE_CANDIDATE:
	case RAFT_CANDIDATE:
		step_candidate(r, m);
		break;
	default:
		step_follower(r, m);
		break;
	}
	return RC_OK;
}

/* ---- ticks ------------------------------------------------------------ */

static int quorum_active(struct raft *r)
{
	size_t nv = 0, act = 0;

	for (size_t i = 0; i < r->n_prs; i++) {
		struct progress *pr = &r->prs[i];

		if (pr->learner)
			continue;
		nv++;
		if (pr->id == r->cfg.id || pr->recent_active)
			act++;
		if (pr->id != r->cfg.id)
			pr->recent_active = 0;
	}
	return nv > 0 && act >= nv / 2 + 1;
}

static void tick_leader(struct raft *r)
{
	r->heartbeat_elapsed++;
	r->election_elapsed++;
	if (r->election_elapsed >= r->cfg.election_ticks) {
		r->election_elapsed = 0;
		if (r->cfg.check_quorum && !quorum_active(r)) {
			rlog(r, "lost the quorum: stepping down");
			become_follower(r, r->term, RAFT_NONE);
			return;
		}
		if (r->transfer_to != RAFT_NONE) {
			rlog(r, "leadership transfer to %llu timed out",
			     (unsigned long long)r->transfer_to);
			r->transfer_to = RAFT_NONE;
		}
	}
	for (size_t i = 0; i < r->n_prs; i++) {
		struct progress *pr = &r->prs[i];

		if (pr->state == PR_SNAPSHOT &&
		    ++pr->snap_ticks >= r->cfg.election_ticks)
			pr_become_probe(r, pr);	/* snapshot lost? retry */
	}
	if (r->heartbeat_elapsed >= r->cfg.heartbeat_ticks) {
		r->heartbeat_elapsed = 0;
		bcast_heartbeat(r);
		/* followers behind the commit the heartbeat could not tell */
		if (r->cfg.lazy_commit)
			flush_commit(r);
	}
}

static void tick_one(struct raft *r)
{
	r->now++;
	if (r->role == RAFT_LEADER) {
		tick_leader(r);
		return;
	}
	r->election_elapsed++;
	if (r->boot_quiet && r->election_elapsed >= r->cfg.election_ticks)
		r->boot_quiet = 0;
	if (r->election_elapsed >= r->randomized_timeout) {
		reset_election_timer(r);
		if (self_is_voter(r))
			campaign(r, r->cfg.pre_vote, 0);
	}
}

void raft_tick(struct raft *r)
{
	if (r->in_ready) {
		r->deferred_ticks++;
		return;
	}
	tick_one(r);
}

/* ---- application input ------------------------------------------------ */

int raft_campaign(struct raft *r, struct err *e)
{
	if (r->in_ready)
		return err_set(e, RC_INTERNAL,
			       "raft_campaign between ready and advance");
	if (r->role == RAFT_LEADER)
		return RC_OK;
	if (!self_is_voter(r))
		return err_set(e, RC_CONFLICT,
			       "node %llu is not a voter of group %llu",
			       (unsigned long long)r->cfg.id,
			       (unsigned long long)r->cfg.group);
	campaign(r, r->cfg.pre_vote, 0);
	return RC_OK;
}

static int can_propose(struct raft *r, struct err *e)
{
	if (r->in_ready)
		return err_set(e, RC_INTERNAL,
			       "raft proposal between ready and advance");
	if (r->role != RAFT_LEADER)
		return err_set(e, RC_NOT_LEADER,
			       "node %llu is not the leader of group %llu "
			       "(leader %llu)",
			       (unsigned long long)r->cfg.id,
			       (unsigned long long)r->cfg.group,
			       (unsigned long long)r->lead);
	if (r->transfer_to != RAFT_NONE)
		return err_set(e, RC_UNAVAILABLE,
			       "leadership transfer to %llu in progress",
			       (unsigned long long)r->transfer_to);
	return RC_OK;
}

static int propose(struct raft *r, int type, const void *data, size_t len,
		   uint64_t *index, uint64_t *term, struct err *e)
{
	int rc = log_append_local(r, type, data, len);

	if (rc != RC_OK)
		return err_set(e, rc, "out of memory appending to the log");
	if (index)
		*index = last_index(r);
	if (term)
		*term = r->term;
	bcast_append(r, 0);
	maybe_commit(r);	/* conf changes can shrink the quorum */
	return RC_OK;
}

int raft_propose(struct raft *r, const void *data, size_t len,
		 uint64_t *index, uint64_t *term, struct err *e)
{
	int rc = can_propose(r, e);

	if (rc != RC_OK)
		return rc;
	if (len > 0 && data == NULL)
		return err_set(e, RC_BAD_INPUT, "proposal without data");
	return propose(r, RAFT_ENTRY_NORMAL, data, len, index, term, e);
}

int raft_propose_conf(struct raft *r, int op, uint64_t node,
		      uint64_t *index, struct err *e)
{
	unsigned char buf[RAFT_CONF_ENTRY_LEN];
	struct raft_conf c;
	int rc = can_propose(r, e);

	if (rc != RC_OK)
		return rc;
	if (r->conf_index > r->commit)
		return err_set(e, RC_CONFLICT,
			       "a membership change is still pending "
			       "(index %llu)",
			       (unsigned long long)r->conf_index);
	if (!committed_in_term(r))
		return err_set(e, RC_CONFLICT,
			       "leader has not yet committed an entry of "
			       "term %llu", (unsigned long long)r->term);
	c = r->conf;
	rc = raft_conf_apply(&c, op, node);
	if (rc != RC_OK)
		return err_set(e, rc, "cannot apply change %d for node %llu "
			       "to the configuration", op,
			       (unsigned long long)node);
	raft_conf_encode(buf, op, node);
	return propose(r, RAFT_ENTRY_CONF, buf, sizeof(buf), index, NULL, e);
}

int raft_transfer_leader(struct raft *r, uint64_t to, struct err *e)
{
	struct progress *pr;

	if (r->in_ready)
		return err_set(e, RC_INTERNAL,
			       "raft_transfer_leader between ready and "
			       "advance");
	if (r->role != RAFT_LEADER)
		return err_set(e, RC_NOT_LEADER, "node %llu is not the leader",
			       (unsigned long long)r->cfg.id);
	if (to == r->cfg.id)
		return RC_OK;
	pr = pr_find(r, to);
	if (pr == NULL || pr->learner)
		return err_set(e, RC_BAD_INPUT,
			       "cannot transfer leadership to '%llu': not a "
			       "voter", (unsigned long long)to);
	if (r->transfer_to == to)
		return RC_OK;
	r->transfer_to = to;
	r->election_elapsed = 0;	/* the transfer times out in one ET */
	r->lease_revoked = 1;
	if (pr->match == last_index(r))
		send_timeout_now(r, to);
	else
		send_append(r, pr, 0);
	return RC_OK;
}

int raft_read_index(struct raft *r, uint64_t ctx, struct err *e)
{
	struct pending_read *p;

	if (r->in_ready)
		return err_set(e, RC_INTERNAL,
			       "raft_read_index between ready and advance");
	if (r->role != RAFT_LEADER)
		return err_set(e, RC_NOT_LEADER, "node %llu is not the leader",
			       (unsigned long long)r->cfg.id);
	if (lease_valid(r)) {
		if (push_read(r, ctx, r->commit) != RC_OK)
			return err_set(e, RC_NOMEM, "out of memory");
		return RC_OK;
	}
	if (r->n_preads == r->cap_preads) {
		size_t cap = r->cap_preads ? 2 * r->cap_preads : 8;

		p = realloc(r->preads, cap * sizeof(*p));
		if (p == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		r->preads = p;
		r->cap_preads = cap;
	}
	p = &r->preads[r->n_preads++];
	p->ctx = ctx;
	p->index = r->commit;
	p->round = 0;
	if (committed_in_term(r)) {
		p->round = r->hb_round + 1;
		bcast_heartbeat(r);
		release_reads(r);	/* a single voter needs nobody */
	}
	return RC_OK;
}

int raft_flush_commit(struct raft *r)
{
	if (r->in_ready || r->role != RAFT_LEADER)
		return 0;
	return flush_commit(r);
}

int raft_commit_unsent(const struct raft *r)
{
	if (r->role != RAFT_LEADER)
		return 0;
	for (size_t i = 0; i < r->n_prs; i++)
		if (commit_unsent(r, &r->prs[i]))
			return 1;
	return 0;
}

int raft_compact(struct raft *r, uint64_t index, const void *data,
		 size_t len, struct err *e)
{
	void *copy = NULL;
	uint64_t t = 0;
	size_t drop;

	if (r->in_ready)
		return err_set(e, RC_INTERNAL,
			       "raft_compact between ready and advance");
	if (index <= r->snap.index)
		return RC_OK;	/* nothing to do */
	if (index > r->applied)
		return err_set(e, RC_BAD_INPUT,
			       "cannot compact to %llu: applied only to %llu",
			       (unsigned long long)index,
			       (unsigned long long)r->applied);
	if (len > 0 && data == NULL)
		return err_set(e, RC_BAD_INPUT, "snapshot without data");
	if (len > 0) {
		copy = malloc(len);
		if (copy == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		memcpy(copy, data, len);
	}
	term_at(r, index, &t);
	/* the membership as of index: snapshot conf + entries up to index */
	{
		struct raft_conf c = r->snap.conf;

		for (uint64_t i = first_index(r); i <= index; i++) {
			struct raft_entry *en = entry(r, i);
			int op;
			uint64_t node;

			if (en->type == RAFT_ENTRY_CONF &&
			    raft_conf_decode(en->data, en->len, &op,
					     &node) == RC_OK)
				raft_conf_apply(&c, op, node);
		}
		r->snap.conf = c;
	}
	drop = (size_t)(index - r->snap.index);
	for (size_t i = 0; i < drop; i++)
		free(r->ents[i].data);
	memmove(r->ents, r->ents + drop,
		(r->n_ents - drop) * sizeof(*r->ents));
	r->n_ents -= drop;
	free(r->snap.data);
	r->snap.index = index;
	r->snap.term = t;
	r->snap.data = copy;
	r->snap.len = len;
	return RC_OK;
}

/* ---- ready / advance -------------------------------------------------- */

static struct raft_hard_state hard_state(const struct raft *r)
{
	struct raft_hard_state hs = { r->term, r->vote, r->commit };

	return hs;
}

static int hs_equal(const struct raft_hard_state *a,
		    const struct raft_hard_state *b)
{
	return a->term == b->term && a->vote == b->vote &&
	       a->commit == b->commit;
}

int raft_has_ready(const struct raft *r)
{
	struct raft_hard_state hs = hard_state(r);

	if (r->in_ready)
		return 0;
	return r->snap_unstable || r->stable < last_index(r) ||
	       r->applied < r->commit || r->n_msgs > 0 || r->n_reads > 0 ||
	       !hs_equal(&hs, &r->prev_hs);
}

int raft_ready(struct raft *r, struct raft_ready *rd, struct err *e)
{
	memset(rd, 0, sizeof(*rd));
	if (r->in_ready)
		return err_set(e, RC_INTERNAL,
			       "raft_ready twice without raft_advance");
	r->in_ready = 1;
	rd->hs = hard_state(r);
	rd->hs_changed = !hs_equal(&rd->hs, &r->prev_hs);
	r->rd_snap = r->snap_unstable;
	if (r->snap_unstable)
		rd->snapshot = &r->snap;
	if (r->stable < last_index(r)) {
		rd->entries = entry(r, r->stable + 1);
		rd->n_entries = (size_t)(last_index(r) - r->stable);
	}
	r->rd_stable_to = last_index(r);
	rd->must_sync = rd->n_entries > 0 || rd->snapshot != NULL ||
			rd->hs.term != r->prev_hs.term ||
			rd->hs.vote != r->prev_hs.vote;
	rd->msgs = r->msgs;
	rd->n_msgs = r->n_msgs;
	r->rd_applied_to = r->applied;
	if (!r->snap_unstable && r->applied < r->commit) {
		uint64_t from = r->applied + 1;

		if (from < first_index(r))
			from = first_index(r);	/* defensive */
		if (from <= r->commit) {
			rd->committed = entry(r, from);
			rd->n_committed = (size_t)(r->commit - from + 1);
			r->rd_applied_to = r->commit;
		}
	}
	rd->reads = r->reads;
	rd->n_reads = r->n_reads;
	return RC_OK;
}

void raft_advance(struct raft *r, const struct raft_ready *rd)
{
	if (!r->in_ready)
		return;
	for (size_t i = 0; i < r->n_msgs; i++)
		msg_release(&r->msgs[i]);
	r->n_msgs = 0;
	r->n_reads = 0;
	r->prev_hs = rd->hs;
	if (r->rd_snap) {
		r->snap_unstable = 0;
		if (r->applied < r->snap.index)
			r->applied = r->snap.index;
	}
	if (r->rd_stable_to > r->stable)
		r->stable = r->rd_stable_to;
	if (r->rd_applied_to > r->applied)
		r->applied = r->rd_applied_to;
	r->in_ready = 0;
	if (r->role == RAFT_LEADER) {
		struct progress *self = pr_find(r, r->cfg.id);

		if (self != NULL)
			self->match = r->stable;
		maybe_commit(r);
	}
	while (r->deferred_ticks > 0) {
		r->deferred_ticks--;
		tick_one(r);
	}
}

/* ---- lifecycle -------------------------------------------------------- */

void raft_config_default(struct raft_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->election_ticks = 10;
	cfg->heartbeat_ticks = 1;
	cfg->max_msg_bytes = 1 << 20;
	cfg->max_inflight_msgs = 32;
	cfg->max_inflight_bytes = 8 << 20;
	cfg->pre_vote = 1;
	cfg->check_quorum = 1;
	cfg->lease_margin_ticks = 2;
}

int raft_new(const struct raft_config *cfg, struct raft **out,
	     struct err *e)
{
	struct raft *r;

	*out = NULL;
	if (cfg->id == RAFT_NONE)
		return err_set(e, RC_BAD_INPUT, "raft node id must be > 0");
	if (cfg->election_ticks < 2 || cfg->heartbeat_ticks == 0 ||
	    cfg->heartbeat_ticks >= cfg->election_ticks)
		return err_set(e, RC_BAD_INPUT,
			       "raft needs 0 < heartbeat_ticks (%u) < "
			       "election_ticks (%u), election_ticks >= 2",
			       cfg->heartbeat_ticks, cfg->election_ticks);
	if (cfg->max_inflight_msgs == 0 ||
	    cfg->max_inflight_msgs > RAFT_MAX_INFLIGHT)
		return err_set(e, RC_BAD_INPUT,
			       "raft max_inflight_msgs must be 1..%d",
			       RAFT_MAX_INFLIGHT);
	if (cfg->lease_read && !cfg->check_quorum)
		return err_set(e, RC_BAD_INPUT,
			       "raft lease_read needs check_quorum");
	if (cfg->lease_read && cfg->lease_margin_ticks >= cfg->election_ticks)
		return err_set(e, RC_BAD_INPUT,
			       "raft lease_margin_ticks must be below "
			       "election_ticks");
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	r->prs = calloc(RAFT_MAX_NODES, sizeof(*r->prs));
	if (r->prs == NULL) {
		free(r);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	r->cfg = *cfg;
	if (r->cfg.max_msg_bytes == 0)
		r->cfg.max_msg_bytes = 1;
	r->rng = cfg->seed ^ (cfg->id * UINT64_C(0x9e3779b97f4a7c15));
	r->role = RAFT_FOLLOWER;
	/* a fresh process has not heard from anyone: do not vote within
	 * one election timeout (protects leases across restarts) */
	r->boot_quiet = !cfg->no_quiet_start;
	reset_election_timer(r);
	*out = r;
	return RC_OK;
}

void raft_free(struct raft *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n_ents; i++)
		free(r->ents[i].data);
	for (size_t i = 0; i < r->n_msgs; i++)
		msg_release(&r->msgs[i]);
	free(r->ents);
	free(r->msgs);
	free(r->reads);
	free(r->preads);
	free(r->snap.data);
	free(r->prs);
	free(r);
}

int raft_bootstrap(struct raft *r, const struct raft_conf *conf,
		   struct err *e)
{
	if (r->restored || r->in_ready)
		return err_set(e, RC_CONFLICT,
			       "raft_bootstrap after the node started");
	if (!conf_valid(conf) || conf_voters(conf) == 0)
		return err_set(e, RC_BAD_INPUT,
			       "bootstrap configuration needs distinct ids "
			       "and at least one voter");
	r->snap.index = 1;
	r->snap.term = 1;
	r->snap.conf = *conf;
	r->snap_unstable = 1;
	r->stable = 1;
	r->commit = 1;
	r->term = 1;
	r->restored = 1;
	conf_recompute(r);
	return RC_OK;
}

int raft_restore(struct raft *r, const struct raft_hard_state *hs,
		 const struct raft_snapshot *snap,
		 const struct raft_entry *ents, size_t n, struct err *e)
{
	uint64_t base = snap ? snap->index : 0;

	if (r->restored || r->in_ready)
		return err_set(e, RC_CONFLICT,
			       "raft_restore after the node started");
	if (snap != NULL && (!conf_valid(&snap->conf) ||
			     (snap->len > 0 && snap->data == NULL)))
		return err_set(e, RC_CORRUPT, "stored snapshot is malformed");
	for (size_t i = 0; i < n; i++) {
		uint64_t pt = i ? ents[i - 1].term : (snap ? snap->term : 0);

		if (ents[i].index != base + 1 + i || ents[i].term < pt ||
		    (ents[i].len > 0 && ents[i].data == NULL))
			return err_set(e, RC_CORRUPT,
				       "stored raft entry %zu (index %llu) "
				       "does not follow its predecessor", i,
				       (unsigned long long)ents[i].index);
	}
	if (hs->term >= RAFT_TERM_MAX ||
	    (n > 0 && ents[n - 1].term > hs->term))
		return err_set(e, RC_CORRUPT, "stored raft term is invalid");
	if (ents_reserve(r, n) != RC_OK)
		return err_set(e, RC_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		r->ents[i] = ents[i];
		r->ents[i].data = NULL;
		if (ents[i].len > 0) {
			r->ents[i].data = malloc(ents[i].len);
			if (r->ents[i].data == NULL) {
				for (size_t k = 0; k < i; k++)
					free(r->ents[k].data);
				return err_set(e, RC_NOMEM, "out of memory");
			}
			memcpy(r->ents[i].data, ents[i].data, ents[i].len);
		}
	}
	if (snap != NULL) {
		r->snap = *snap;
		r->snap.data = NULL;
		if (snap->len > 0) {
			r->snap.data = malloc(snap->len);
			if (r->snap.data == NULL) {
				for (size_t k = 0; k < n; k++)
					free(r->ents[k].data);
				return err_set(e, RC_NOMEM, "out of memory");
			}
			memcpy(r->snap.data, snap->data, snap->len);
		}
	}
	r->n_ents = n;
	r->term = hs->term;
	r->vote = hs->vote;
	r->commit = hs->commit;
	if (r->commit < r->snap.index)
		r->commit = r->snap.index;
	if (r->commit > last_index(r))
		/* cannot commit what is gone */
		r->commit = last_index(r);
	r->stable = last_index(r);
	r->applied = r->snap.index;
	if (r->cfg.applied > r->applied)
		r->applied = r->cfg.applied < r->commit ? r->cfg.applied :
			     r->commit;
	r->prev_hs = hard_state(r);
	r->restored = 1;
	conf_recompute(r);
	return RC_OK;
}

/* ---- inspection ------------------------------------------------------- */

void raft_status(const struct raft *r, struct raft_status *st)
{
	memset(st, 0, sizeof(*st));
	st->id = r->cfg.id;
	st->role = r->role;
	st->term = r->term;
	st->vote = r->vote;
	st->leader = r->lead;
	st->commit = r->commit;
	st->applied = r->applied;
	st->first_index = first_index(r);
	st->last_index = last_index(r);
	st->stable_index = r->stable;
	st->snapshot_index = r->snap.index;
	st->snapshot_term = r->snap.term;
	st->transfer_to = r->transfer_to;
	st->conf = r->conf;
}

const struct raft_snapshot *raft_snapshot_get(const struct raft *r)
{
	return &r->snap;
}

const struct raft_entry *raft_entry_at(const struct raft *r, uint64_t i)
{
	if (i < first_index(r) || i > last_index(r))
		return NULL;
	return &r->ents[i - first_index(r)];
}

int raft_progress(const struct raft *r, uint64_t id, uint64_t *match,
		  uint64_t *next)
{
	if (r->role != RAFT_LEADER)
		return RC_NOT_LEADER;
	for (size_t i = 0; i < r->n_prs; i++) {
		if (r->prs[i].id != id)
			continue;
		if (match)
			*match = id == r->cfg.id ? r->stable : r->prs[i].match;
		if (next)
			*next = r->prs[i].next;
		return RC_OK;
	}
	return RC_NOT_FOUND;
}

const char *raft_msg_type_name(int type)
{
	static const char *const names[RAFT_MSG__COUNT] = {
		[RAFT_MSG_APPEND] = "append",
		[RAFT_MSG_APPEND_RESP] = "append_resp",
		[RAFT_MSG_HEARTBEAT] = "heartbeat",
		[RAFT_MSG_HEARTBEAT_RESP] = "heartbeat_resp",
		[RAFT_MSG_VOTE] = "vote",
		[RAFT_MSG_VOTE_RESP] = "vote_resp",
		[RAFT_MSG_PREVOTE] = "prevote",
		[RAFT_MSG_PREVOTE_RESP] = "prevote_resp",
		[RAFT_MSG_SNAPSHOT] = "snapshot",
		[RAFT_MSG_TIMEOUT_NOW] = "timeout_now",
	};

	if (type <= 0 || type >= RAFT_MSG__COUNT)
		return "?";
	return names[type];
}

const char *raft_role_name(int role)
{
	switch (role) {
	case RAFT_FOLLOWER:
		return "follower";
	case RAFT_PRE_CANDIDATE:
		return "pre-candidate";
	case RAFT_CANDIDATE:
		return "candidate";
	case RAFT_LEADER:
		return "leader";
	default:
		return "?";
	}
}
