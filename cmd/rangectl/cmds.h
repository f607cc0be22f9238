/*
 * cmds.h -- rangectl's commands: list, locate, nodes, split and
 * transfer-leader, from their arguments to their output.
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
 * An unknown value prints as "-" (null in JSON).  Tested by
 * t/511-rangectl-cli.bats and the rangectl cluster tests.
 */
#ifndef RANGEDB_RANGECTL_CMDS_H
#define RANGEDB_RANGECTL_CMDS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "client.h"
#include "err.h"

/* A parsed command line (the words after the options). */
struct cmds_call {
	const char *verb;		/* "list", "split", ... */
	uint64_t range_id;		/* split, transfer-leader */
	uint64_t node_id;		/* transfer-leader */
	unsigned char *key;		/* locate, split with KEY; malloc'd */
	size_t key_len;
	int has_key;
};

/* The command names, for the usage text and messages. */
#define CMDS_NAMES "list, locate, nodes, split or transfer-leader"

/*
 * Parse argv[0..argc) (argv[0] the command).  On a usage error prints
 * "PROG: ... (see 'PROG --help')" on stderr and returns EXIT_USAGE; else
 * EXIT_OK.  Release the call with cmds_call_release() either way.
 */
int cmds_parse(const char *prog, int argc, char **argv,
	       struct cmds_call *call);
void cmds_call_release(struct cmds_call *call);

/* Run call against the cluster of c, printing to out (JSON with json). */
int cmds_run(const struct cmds_call *call, struct client *c, int json,
	     FILE *out, struct err *e);

#endif
