/*
 * schedule.h -- chaos run: a nemesis schedule played against a cluster
 * while a workload runs, with what each fault did to it.
 *
 * A schedule is a list of events "AT COMMAND [ARGS]": AT a duration from
 * the start ("5s", "1m30s"), COMMAND one of chaos's fault commands
 * (partition, skew, slow-disk, slow-net, pause, resume, kill-node,
 * kill-leader, restart, heal).  From a file: one event a line, '#'
 * comments.  Or "random": a fault every interval (partition of one node
 * from the others, skew beyond the maximum offset, slow disk, slow
 * network, pause, kill a node), each healed half an interval later.
 *
 * While it runs, chaos writes a probe key every SCHED_TICK_MS and asks
 * who leads the data range, and reports per fault: the leader before and
 * after and how long the change took, the longest stretch of failed
 * probe writes from the fault until writes succeed again (the
 * unavailability window), and, when --history names the workload's
 * history file, the client operations that failed or ended unknown in
 * that window.  Nemesis events are appended to that file too.  At the
 * end everything is healed and killed nodes are restarted.
 * Tested by t/710-nemesis.bats.
 */
#ifndef RANGEDB_SCHEDULE_H
#define RANGEDB_SCHEDULE_H

#include <stdint.h>
#include <stdio.h>

#include "drill.h"
#include "err.h"
#include "nemesis.h"

#define SCHED_TICK_MS		100
#define SCHED_MAX_EVENTS	1024
#define SCHED_RECOVERY_MS	30000	/* wait for writes after the end */

struct sched_event {
	uint64_t at_ms;
	char cmd[256];			/* "partition 1|2,3" */
};

struct sched {
	struct sched_event ev[SCHED_MAX_EVENTS];
	size_t n;
};

/* Parse a schedule file (events sorted by time on return). */
int sched_load(const char *path, struct sched *s, struct err *e);
/* A random schedule over duration_ms with a fault every interval_ms. */
int sched_random(struct nemesis *nm, uint64_t seed, uint64_t duration_ms,
		 uint64_t interval_ms, struct sched *s, struct err *e);

struct sched_opts {
	uint64_t duration_ms;
	uint64_t ttl_ms;		/* of each injected fault */
	const char *history;		/* NULL: no workload history */
	int json;
};

/*
 * Play s for opts->duration_ms, printing each fault and its figures to
 * out (text, or one JSON object at the end with --json).  RC_OK when the
 * schedule ran and the cluster took writes again at the end.
 */
int sched_run(struct drill *d, struct nemesis *nm, const struct sched *s,
	      const struct sched_opts *opts, FILE *out, struct err *e);

/*
 * Run one fault command (argv[0] the command) as chaos's command line
 * does; desc gets a one-line summary.  Used by sched_run and main.
 */
int sched_command(struct drill *d, struct nemesis *nm, int argc,
		  char **argv, uint64_t ttl_ms, char *desc, size_t cap,
		  struct err *e);

#endif
