/*
 * drill.h -- fault drills against a running rangedb cluster: kill the leader
 * of a range, kill or restart one node, and measure what the cluster does.
 *
 * A drill reads the cluster's configuration (the [node.N] sections give
 * every node's id and address) and asks the nodes themselves (GET /status)
 * who leads a range and which PID serves a node, so it needs no state of
 * its own.  Killing is SIGKILL to the PID a node reports, on this machine.
 *
 * Restarting needs the node's command line: contrib/local-cluster records
 * it next to the config file as node<ID>.cmd (one argument per line).  A
 * restart runs it detached in its own session with --ready-fd on a pipe,
 * stdout and stderr appended to node<ID>.log, and writes the new PID to
 * node<ID>.pid, exactly as local-cluster does.
 *
 * Figures:
 *   failover  time from the SIGKILL until a write (PUT of the probe key
 *             DRILL_PROBE_KEY, sent to any surviving node and following
 *             not_leader answers to the leader they name) is committed;
 *             the node that accepts it is the new leader.  For a range
 *             other than the data range (2), the time until a surviving
 *             node reports itself leader in /status.
 *   catch-up  time from the restarted node's readiness until its applied
 *             index on the data range reaches the leader's commit index
 *             recorded at the time of the kill (or of the restart).
 *
 * Every wait is bounded (DRILL_*_MS); running out is RC_TIMEOUT.
 * Tested by t/700-chaos.bats (and used by t/100-raftd.bats) against a real
 * local cluster.
 */
#ifndef RANGEDB_DRILL_H
#define RANGEDB_DRILL_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"

#define DRILL_PROBE_KEY		"_chaos/probe"
#define DRILL_DATA_RANGE	2
#define DRILL_FAILOVER_MS	30000	/* bound on waiting for a new leader */
#define DRILL_READY_MS		20000	/* bound on a restarted node's start */
#define DRILL_CATCHUP_MS	60000	/* bound on a restarted node's catch-up */

struct drill;

/* What a drill did and measured; fields not measured stay 0. */
struct drill_report {
	const char *action;		/* "kill-leader", "kill-node", "restart" */
	uint64_t range_id;		/* kill-leader: the range */
	uint64_t killed_node;		/* 0 = none killed */
	long killed_pid;
	uint64_t killed_term;		/* kill-leader: term of the old leader */
	uint64_t commit_at_kill;	/* data range commit index before kill */
	uint64_t new_leader;		/* kill-leader: who took over */
	double failover_s;
	uint64_t restarted_node;	/* 0 = no restart */
	long restarted_pid;
	double ready_s;			/* exec to "ready" */
	uint64_t catchup_target;	/* applied index waited for */
	double catchup_s;
	int caught_up;			/* applied reached catchup_target */
};

/* Read the config at path (the [node.N] sections); at least one node. */
int drill_open(struct drill **out, const char *config_path, struct err *e);
void drill_free(struct drill *d);

/* SIGKILL the leader of range_id; with restart, start it again after. */
int drill_kill_leader(struct drill *d, uint64_t range_id, int restart,
		      struct drill_report *r, struct err *e);

/* SIGKILL node id (RC_NOT_FOUND if not in the config). */
int drill_kill_node(struct drill *d, uint64_t id, struct drill_report *r,
		    struct err *e);

/* Start node id again from its .cmd file and measure its catch-up. */
int drill_restart(struct drill *d, uint64_t id, struct drill_report *r,
		  struct err *e);

/* ---- for chaos run (nemesis.c) ------------------------------------------ */

/*
 * One probe write of the data range, to node prefer (0: the first) and,
 * when it names another leader, to that one: RC_OK with *who the node that
 * committed it.  Each request is bounded by timeout_ms.
 */
int drill_probe_write(struct drill *d, uint64_t prefer, long timeout_ms,
		      uint64_t *who, struct err *e);
/* The leader of range_id as the nodes report it; RC_UNAVAILABLE if none. */
int drill_leader(struct drill *d, uint64_t range_id, uint64_t *leader,
		 struct err *e);
/* True while pid exists and is not a zombie. */
int drill_pid_running(long pid);

/* Print the report: text lines for people, or one JSON object. */
void drill_report_print(FILE *f, const struct drill_report *r, int json);

#endif
