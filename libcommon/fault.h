/*
 * fault.h -- faults a process injects into itself when a drill asks
 * (chaos, issue 8): network partitions, clock skew, slow disks, slow
 * networks.
 *
 * The state is process-wide (one process is one node, one tsod or one
 * txcoord).  The code paths that talk to peers, sync to disk or read the
 * clock ask it:
 *   - fault_drop_to(peer) / fault_drop_from(peer): raftd's transport drops
 *     a message to / from that node (a partition; one-way when only one
 *     side of it is told to drop);
 *   - fault_net_wait(): sleeps the slow-net delay before a message goes;
 *   - fault_disk_wait(): sleeps the slow-disk delay before each sync;
 *   - fault_wall_ms(): the wall clock plus the skew (an hlc_clock_fn).
 * Guarantees:
 *   - every fault carries a time to live (at most FAULT_TTL_MAX_MS) and
 *     undoes itself when it runs out, so a drill that dies leaves no
 *     process crippled; fault_heal() undoes them all at once;
 *   - setting a fault of a kind replaces the previous one of that kind;
 *   - queries are lock-free and cost one atomic load while no fault is
 *     set; all functions are thread-safe.
 * Tested in t/unit/fault_test.c; the drills in t/7xx-chaos*.bats.
 */
#ifndef RANGEDB_FAULT_H
#define RANGEDB_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

#define FAULT_MAX_PEERS		64
#define FAULT_TTL_MAX_MS	(3600 * 1000)	/* an hour */
#define FAULT_DELAY_MAX_MS	(60 * 1000)	/* a minute per sync/message */
#define FAULT_SKEW_MAX_MS	(24 * 3600 * 1000)	/* a day either way */

enum fault_kind {
	FAULT_PARTITION = 0,
	FAULT_SKEW,
	FAULT_SLOW_DISK,
	FAULT_SLOW_NET,
	FAULT_NKINDS
};

/* "partition", "skew", "slow-disk", "slow-net"; -1 when unknown. */
int fault_kind_parse(const char *name);
const char *fault_kind_name(enum fault_kind k);

/*
 * Drop messages to the peers out[0..nout) and from in[0..nin) for ttl_ms.
 * Both empty is RC_BAD_INPUT (say heal).  Peers are node ids (> 0).
 */
int fault_partition(const uint64_t *out, size_t nout, const uint64_t *in,
		    size_t nin, uint64_t ttl_ms, struct err *e);
/* Offset this process's wall clock by offset_ms (either sign). */
int fault_skew(int64_t offset_ms, uint64_t ttl_ms, struct err *e);
/* Delay every sync / every outgoing message by delay_ms (> 0). */
int fault_slow_disk(uint64_t delay_ms, uint64_t ttl_ms, struct err *e);
int fault_slow_net(uint64_t delay_ms, uint64_t ttl_ms, struct err *e);

/* Undo one kind, or every fault. */
void fault_clear(enum fault_kind k);
void fault_heal(void);

/* ---- queries (hot paths) ------------------------------------------------ */

bool fault_drop_to(uint64_t peer);
bool fault_drop_from(uint64_t peer);
int64_t fault_skew_ms(void);
uint64_t fault_disk_delay_ms(void);
uint64_t fault_net_delay_ms(void);
/* Sleep the current delay (nothing when none). */
void fault_disk_wait(void);
void fault_net_wait(void);
/* CLOCK_REALTIME in ms plus the skew; arg unused (an hlc_clock_fn). */
uint64_t fault_wall_ms(void *arg);

/*
 * The faults in force: [{"kind":"partition","drop_out":[..],"drop_in":[..],
 * "ttl_ms":N}, {"kind":"skew","offset_ms":N,"ttl_ms":N}, ...] (ttl_ms is
 * what remains).  NULL when out of memory.
 */
json_t *fault_status_json(void);

#endif
