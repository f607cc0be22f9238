/*
 * raft.h -- a pure, I/O-free Raft consensus state machine (etcd/raft shape).
 *
 * One struct raft is one replica of one Raft group.  It never touches a
 * socket, a file, a clock or a thread and never calls rand(): time is the
 * caller's raft_tick(), randomness is a seed in struct raft_config, and the
 * log callback (optional) is the only way out.  Any number of instances may
 * live in one process; nothing is global.  Messages carry the group id so the
 * caller can route them (raftd routes by range id).
 *
 * THE CALLER'S CONTRACT (as in etcd/raft's README "Usage"):
 *
 *  1. Feed input: raft_tick() at a fixed interval, raft_step() for every
 *     message received, raft_propose*() / raft_read_index() /
 *     raft_transfer_leader() / raft_compact() when the application wants.
 *  2. When raft_has_ready(), call raft_ready(r, &rd) and then, IN ORDER:
 *     a. persist: if rd.snapshot, replace the stored log by that snapshot
 *        (and install its data into the state machine); then write
 *        rd.entries (an entry at index i replaces any stored entry >= i);
 *        then write rd.hs if rd.hs_changed.  Sync if rd.must_sync.
 *     b. send every message in rd.msgs (any order, may be lost; the core
 *        copes with loss, duplication and reordering);
 *     c. apply rd.committed[] in order to the state machine, and answer
 *        rd.reads[] once the applied index reaches each read's index;
 *     d. call raft_advance(r, &rd).
 *  3. Between raft_ready() and raft_advance() call nothing else on r
 *     (raft_step/propose/... return RC_INTERNAL, raft_tick is deferred).
 *     Everything rd points to is lent by r until raft_advance().
 *  4. On restart: raft_new(), then raft_restore() with the persisted hard
 *     state, snapshot and entries, before any other call.  A brand-new
 *     cluster member instead calls raft_bootstrap() (all initial members
 *     with the same configuration) or nothing at all (a node about to be
 *     added: it waits, empty, for the leader's snapshot).
 *  5. Compaction is the application's decision: after applying index i it
 *     may call raft_compact(r, i', data, len) for i' <= i with its state
 *     machine's snapshot at i'.  The core keeps the log in memory from the
 *     last compaction point to the end, plus one copy of that snapshot (sent
 *     to followers that are too far behind).
 *
 * Guarantees (given the contract): election safety, log matching, leader
 * completeness and state machine safety of the Raft paper, under any loss,
 * duplication, reordering or delay of messages and crashes that lose only
 * what was not yet persisted.  Hostile input (far-future terms, indexes past
 * the log end, unknown senders, malformed entries) never crashes the core;
 * malformed messages are refused with RC_BAD_INPUT and change nothing.
 *
 * Tested in t/unit/raft_test.c (figures of the paper, each feature and each
 * rejection path) and by t/raftsim/raftsim.c (deterministic simulation of
 * 3- and 5-node clusters, driven by t/200-raftsim.bats).  See docs/RAFT.md.
 */
#ifndef RANGEDB_RAFT_H
#define RANGEDB_RAFT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define RAFT_NONE 0		/* no node: node ids are > 0 */
#define RAFT_MAX_NODES 16	/* voters + learners in one group */
#define RAFT_MAX_INFLIGHT 64	/* cap of raft_config.max_inflight_msgs */
#define RAFT_TERM_MAX (UINT64_C(1) << 62)	/* larger terms are refused */

/* ---- log entries ------------------------------------------------------ */

enum raft_entry_type {
	RAFT_ENTRY_NORMAL = 0,	/* application data (len 0: leader no-op) */
	RAFT_ENTRY_CONF = 1	/* membership change, see raft_conf_decode */
};

struct raft_entry {
	uint64_t term;
	uint64_t index;
	int type;		/* enum raft_entry_type */
	void *data;
	size_t len;
};

/* ---- membership ------------------------------------------------------- */

enum raft_conf_op {
	RAFT_CONF_ADD_LEARNER = 1,	/* non-member -> learner */
	RAFT_CONF_ADD_VOTER = 2,	/* non-member or learner -> voter */
	/* member -> gone (may be the leader) */
	RAFT_CONF_REMOVE = 3
};

#define RAFT_CONF_ENTRY_LEN 9	/* op byte + little-endian node id */

struct raft_member {
	uint64_t id;
	int learner;		/* 1: receives the log, never votes */
};

struct raft_conf {
	size_t n;
	struct raft_member m[RAFT_MAX_NODES];
};

/* ---- snapshots and persistent state ----------------------------------- */

struct raft_snapshot {
	uint64_t index;		/* last index covered */
	uint64_t term;		/* its term */
	struct raft_conf conf;	/* membership as of index */
	void *data;		/* application state machine image */
	size_t len;
};

struct raft_hard_state {
	uint64_t term;
	uint64_t vote;
	uint64_t commit;
};

/* ---- messages --------------------------------------------------------- */

enum raft_msg_type {
	/* index/log_term: prev entry; entries; commit */
	RAFT_MSG_APPEND = 1,
	RAFT_MSG_APPEND_RESP,	/* ok: index = match; reject: index = rejected
				 * prev, hint/log_term = follower's guess */
	RAFT_MSG_HEARTBEAT,	/* commit; context = heartbeat round */
	RAFT_MSG_HEARTBEAT_RESP,	/* context echoed */
	RAFT_MSG_VOTE,		/* index/log_term: candidate's last entry;
				 * context 1 = forced by leadership transfer */
	RAFT_MSG_VOTE_RESP,	/* reject */
	RAFT_MSG_PREVOTE,	/* term = candidate's term + 1, not adopted */
	RAFT_MSG_PREVOTE_RESP,
	RAFT_MSG_SNAPSHOT,	/* snapshot */
	RAFT_MSG_TIMEOUT_NOW,	/* leadership transfer: campaign now */
	RAFT_MSG__COUNT
};

struct raft_msg {
	uint64_t group;		/* raft_config.group of the sender */
	int type;		/* enum raft_msg_type */
	uint64_t from, to;
	uint64_t term;
	uint64_t index;
	uint64_t log_term;
	uint64_t commit;
	uint64_t hint;
	uint64_t context;
	int reject;
	struct raft_entry *entries;
	size_t n_entries;
	struct raft_snapshot snapshot;	/* RAFT_MSG_SNAPSHOT only */
};

/* ---- configuration ---------------------------------------------------- */

struct raft_config {
	uint64_t id;		/* this node, > 0 */
	uint64_t group;		/* range id, copied into every message */
	unsigned election_ticks;	/* default 10; timeout is random in
					 * [election, 2*election) */
	unsigned heartbeat_ticks;	/* default 1; < election_ticks */
	size_t max_msg_bytes;	/* batch bound of one APPEND (>= 1 entry) */
	/* per follower, <= RAFT_MAX_INFLIGHT */
	size_t max_inflight_msgs;
	size_t max_inflight_bytes;	/* per follower, 0 = unbounded */
	int pre_vote;		/* PreVote phase before real elections */
	int check_quorum;	/* leader steps down without a live quorum */
	int lease_read;		/* serve reads from a lease (needs
				 * check_quorum; see docs/RAFT.md) */
	/* lease = election - margin, default 2 */
	unsigned lease_margin_ticks;
	uint64_t seed;		/* randomized timeouts; any value */
	uint64_t applied;	/* on restart: index already applied by the
				 * app (0 = the snapshot's index) */
	/*
	 * 1: vote from the start.  By default a fresh instance ignores vote
	 * requests for one election timeout (it may be a restart inside a
	 * leader's lease); a group created just now (a range split off
	 * another) has no lease to protect and wants its leader at once.
	 */
	int no_quiet_start;
	/*
	 * 1: a leader whose commit index moves does not at once send each
	 * follower an empty append to say so.  The new commit rides on the
	 * next append or heartbeat to that follower, or goes out when the
	 * caller calls raft_flush_commit() (raftd: a few ms later, so that
	 * under load it rides along with the next command's append; every
	 * heartbeat tick also flushes).  0 (default): etcd/raft's eager
	 * broadcast.  Followers apply later; nothing else changes.
	 */
	int lazy_commit;
	/* optional debug log */
	void (*log)(void *arg, const char *msg);
	void *log_arg;
	/*
	 * TEST ONLY.  Breaks Raft on purpose: the leader commits an entry of
	 * an older term as soon as a majority stores it (Figure 8).  Exists so
	 * raftsim can show that its checker catches a real safety bug.
	 */
	int test_commit_old_term;
};

/* ---- output ----------------------------------------------------------- */

enum raft_role {
	RAFT_FOLLOWER = 0,
	RAFT_PRE_CANDIDATE,
	RAFT_CANDIDATE,
	RAFT_LEADER
};

struct raft_read_state {
	uint64_t ctx;		/* as given to raft_read_index */
	uint64_t index;		/* serve the read once applied >= index */
};

struct raft_ready {
	int hs_changed;
	struct raft_hard_state hs;
	/* NULL or to persist+install */
	const struct raft_snapshot *snapshot;
	const struct raft_entry *entries;	/* to persist */
	size_t n_entries;
	int must_sync;
	const struct raft_msg *msgs;		/* to send after persisting */
	size_t n_msgs;
	const struct raft_entry *committed;	/* to apply, in order */
	size_t n_committed;
	const struct raft_read_state *reads;
	size_t n_reads;
};

struct raft_status {
	uint64_t id;
	int role;		/* enum raft_role */
	uint64_t term, vote, leader;
	uint64_t commit, applied;
	/* first entry in memory (snapshot index + 1) */
	uint64_t first_index;
	uint64_t last_index;
	uint64_t stable_index;	/* last index handed out to persist and
				 * acknowledged by raft_advance */
	uint64_t snapshot_index, snapshot_term;
	uint64_t transfer_to;	/* leader: transfer in progress to */
	struct raft_conf conf;	/* latest configuration in the log */
};

/* ---- lifecycle -------------------------------------------------------- */

struct raft;

/* Fill cfg with defaults; the caller then sets id, group and seed. */
void raft_config_default(struct raft_config *cfg);

int raft_new(const struct raft_config *cfg, struct raft **out,
	     struct err *e);
void raft_free(struct raft *r);

/* A founding member: same conf on every founder; writes index 1 term 1. */
int raft_bootstrap(struct raft *r, const struct raft_conf *conf,
		   struct err *e);

/* Restart from persisted state (snapshot and entries may be empty). */
int raft_restore(struct raft *r, const struct raft_hard_state *hs,
		 const struct raft_snapshot *snap,
		 const struct raft_entry *ents, size_t n, struct err *e);

/* ---- input ------------------------------------------------------------ */

void raft_tick(struct raft *r);
int raft_step(struct raft *r, const struct raft_msg *m, struct err *e);
int raft_campaign(struct raft *r, struct err *e);
int raft_propose(struct raft *r, const void *data, size_t len,
		 uint64_t *index, uint64_t *term, struct err *e);
int raft_propose_conf(struct raft *r, int op, uint64_t node,
		      uint64_t *index, struct err *e);
int raft_transfer_leader(struct raft *r, uint64_t to, struct err *e);
int raft_read_index(struct raft *r, uint64_t ctx, struct err *e);
int raft_compact(struct raft *r, uint64_t index, const void *data,
		 size_t len, struct err *e);
/*
 * Leader: tell every follower that has not yet been sent the current
 * commit index (and is not paused) what it is, with an empty append if
 * nothing else is due to it.  Returns 1 if a message went out.  A no-op
 * for non-leaders and between raft_ready() and raft_advance().
 */
int raft_flush_commit(struct raft *r);
/* Leader: 1 if a follower raft_flush_commit() would tell exists. */
int raft_commit_unsent(const struct raft *r);

/* ---- output ----------------------------------------------------------- */

int raft_has_ready(const struct raft *r);
int raft_ready(struct raft *r, struct raft_ready *rd, struct err *e);
void raft_advance(struct raft *r, const struct raft_ready *rd);

/* ---- inspection ------------------------------------------------------- */

void raft_status(const struct raft *r, struct raft_status *st);
/* The latest snapshot (after raft_compact: persist it); a borrow. */
const struct raft_snapshot *raft_snapshot_get(const struct raft *r);
/* Entry i if it is in memory, else NULL; a borrow until the next call. */
const struct raft_entry *raft_entry_at(const struct raft *r, uint64_t i);
/* Leader only: what it knows of node id's log; RC_NOT_FOUND otherwise. */
int raft_progress(const struct raft *r, uint64_t id, uint64_t *match,
		  uint64_t *next);

/* ---- helpers ---------------------------------------------------------- */

const char *raft_msg_type_name(int type);	/* "append", ...; "?" */
const char *raft_role_name(int role);		/* "leader", ... */
void raft_conf_encode(unsigned char out[RAFT_CONF_ENTRY_LEN], int op,
		      uint64_t node);
int raft_conf_decode(const void *data, size_t len, int *op, uint64_t *node);
/* Apply one change to a configuration (what a committed entry does). */
int raft_conf_apply(struct raft_conf *c, int op, uint64_t node);
int raft_conf_is_voter(const struct raft_conf *c, uint64_t id);
int raft_conf_is_member(const struct raft_conf *c, uint64_t id);

#endif
