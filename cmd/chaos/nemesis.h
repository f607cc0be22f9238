/*
 * nemesis.h -- the faults of chaos beyond killing: partitions, clock skew,
 * slow disks and networks (through each process's authenticated
 * /admin/fault endpoint, faultapi.h), pause/resume (SIGSTOP/SIGCONT), and
 * heal, which undoes all of them.
 *
 * Targets are named as contrib/local-cluster names its processes: node
 * ids ("2" or "node2"), "tsod", "txcoord" (the first) or "txcoordN".
 * Addresses come from the cluster's config file ([node.N] address,
 * [tsod] listen, [cluster] txcoords) and the secret from [cluster]
 * secret.  Every injected fault carries a time to live, so a drill that
 * dies leaves nothing crippled for long; a paused process gets a detached
 * watcher that resumes it when its time runs out (it checks the process
 * is still the same one first), and heal resumes it at once.
 *
 * Partitions act on the links between raftd nodes: "1,2|3" makes nodes 1
 * and 2 drop every raft message to and from node 3, and node 3 those to
 * and from 1 and 2; --one-way cuts only the first group's messages to the
 * others (each node told what to drop, on both sides).
 * Tested by t/710-nemesis.bats.
 */
#ifndef RANGEDB_NEMESIS_H
#define RANGEDB_NEMESIS_H

#include <stdint.h>

#include <jansson.h>

#include "err.h"

#define NEMESIS_MAX_TARGETS	72
#define NEMESIS_DEFAULT_TTL_MS	(60 * 1000)

struct nemesis;

struct nemesis_target {
	char name[32];			/* "node2", "tsod", "txcoord1" */
	char addr[256];			/* host:port */
	uint64_t node_id;		/* 0 for tsod and txcoords */
};

int nemesis_open(struct nemesis **out, const char *config_path,
		 struct err *e);
void nemesis_free(struct nemesis *n);

/* The target called name; RC_NOT_FOUND with the names there are. */
int nemesis_target(struct nemesis *n, const char *name,
		   const struct nemesis_target **out, struct err *e);

/*
 * Cut the node groups of spec ("1,2|3", node ids or nodeN names, at least
 * two groups, each node in one group) apart for ttl_ms.  Nodes of the
 * cluster named in no group are left alone.
 */
int nemesis_partition(struct nemesis *n, const char *spec, int one_way,
		      uint64_t ttl_ms, struct err *e);
/* Offset t's clock (signed ms) / delay its syncs or messages. */
int nemesis_skew(struct nemesis *n, const struct nemesis_target *t,
		 int64_t offset_ms, uint64_t ttl_ms, struct err *e);
int nemesis_slow(struct nemesis *n, const struct nemesis_target *t,
		 const char *kind, uint64_t delay_ms, uint64_t ttl_ms,
		 struct err *e);
/* SIGSTOP t (resumed after ttl_ms by a watcher) / SIGCONT it. */
int nemesis_pause(struct nemesis *n, const struct nemesis_target *t,
		  uint64_t ttl_ms, struct err *e);
int nemesis_resume(struct nemesis *n, const struct nemesis_target *t,
		   struct err *e);
/*
 * Undo every fault on every target: resume paused processes, then
 * DELETE /admin/fault everywhere.  Targets that do not answer are
 * reported in e (RC_UNAVAILABLE) after all the others were healed.
 */
int nemesis_heal(struct nemesis *n, struct err *e);
/* {"node1": [faults...], ..., "tsod": "unreachable: ..."}. */
int nemesis_status(struct nemesis *n, json_t **out, struct err *e);

/* Iterate the targets (for chaos run's random choices). */
size_t nemesis_count(const struct nemesis *n);
const struct nemesis_target *nemesis_at(const struct nemesis *n, size_t i);

#endif
