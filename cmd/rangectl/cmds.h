/*
 * cmds.h -- rangectl's commands: list, locate, nodes, split,
 * transfer-leader, move, merge, add-node and rebalance, from their
 * arguments to their output.
 *
 * cmds_parse() checks a command line's words before anything is asked of
 * the cluster, so a usage error never costs a request.  cmds_run() asks the
 * cluster (client.h) and prints the result on out, as text (a header line,
 * then tab-separated columns, keys in format.h's readable form) or as one
 * JSON object per command; it prints nothing else and never exits: errors
 * come back as a code and a message for main to print.
 *
 * Output (text):
 *   list, locate  range_id start end leader replicas size_bytes qps
 *   nodes         id address status replicas leaders clock_offset_ms
 *   split         split RANGE at KEY: RANGE [a, b) and NEW [b, c)
 *   transfer-leader  range RANGE: leader is node NODE
 *   move          range RANGE: moved replica from node N to node M
 *   merge         range RANGE: merged with its right neighbour: RANGE [a, c)
 *   add-node      node ID: registered at ADDR
 *   rebalance     one line per action, "move RANGE FROM TO" or
 *                 "transfer-leader RANGE NODE", followed (unless
 *                 --dry-run) by ": ok" or ": failed: MESSAGE"; nothing at
 *                 all when the cluster is balanced
 * An unknown value prints as "-" (null in JSON).
 *
 * rebalance gathers the up nodes (/meta/nodes and each one's /status), the
 * ranges (/meta/ranges, and the meta range from /status) and each range's
 * leader (the up node whose /status says it leads) and voters (the
 * leader's, else meta's), plans with rebalance.h and runs the moves, then
 * the transfers of a fresh plan, going on after a failed action.  Tested
 * by t/511-rangectl-cli.bats (usage errors; every command against a fake
 * cluster), t/unit/rangectl_rebalance_test.c and the cluster tests.
 */
#ifndef RANGEDB_RANGECTL_CMDS_H
#define RANGEDB_RANGECTL_CMDS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "client.h"
#include "err.h"

/*
 * The options that belong to one command, as main's getopt found them
 * anywhere on the line (NULL / 0 when not given).
 */
struct cmds_opts {
	const char *from;		/* move --from NODE */
	const char *to;			/* move --to NODE */
	int dry_run;			/* rebalance --dry-run */
};

/* A parsed command line (the words after the options). */
struct cmds_call {
	const char *verb;		/* "list", "split", ... */
	uint64_t range_id;		/* split, transfer-leader, move, merge */
	uint64_t node_id;		/* transfer-leader, add-node */
	uint64_t from, to;		/* move */
	const char *addr;		/* add-node; borrowed from argv */
	int dry_run;			/* rebalance */
	unsigned char *key;		/* locate, split with KEY; malloc'd */
	size_t key_len;
	int has_key;
};

/* The command names, for the usage text and messages. */
#define CMDS_NAMES "list, locate, nodes, split, transfer-leader, move, " \
	"merge, add-node or rebalance"

/*
 * Parse argv[0..argc) (argv[0] the command) and the command's options o.
 * On a usage error prints "PROG: ... (see 'PROG --help')" on stderr and
 * returns EXIT_USAGE; else EXIT_OK.  Release the call with
 * cmds_call_release() either way.
 */
int cmds_parse(const char *prog, int argc, char **argv,
	       const struct cmds_opts *o, struct cmds_call *call);
void cmds_call_release(struct cmds_call *call);

/*
 * Run call against the cluster of c, printing to out (JSON with json).
 * *status is the exit status: rc_exit_status() of the result, except that
 * a rebalance with a failed action is EXIT_FAIL (its message in e).
 */
int cmds_run(const struct cmds_call *call, struct client *c, int json,
	     FILE *out, int *status, struct err *e);

#endif
