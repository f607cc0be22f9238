/*
 * main.c -- chaos, fault drills against a local rangedb cluster: the
 * command line only.  The drills themselves live in drill.c.
 *
 * Exit status: 0 the drill ran and the cluster recovered, 1 it failed (or
 * the cluster did not recover), 2 usage, 3 temporary (a node unreachable,
 * a wait timed out).  Tested by t/700-chaos.bats.
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cli.h"
#include "drill.h"
#include "err.h"
#include "log.h"
#include "util.h"

#define PROG "chaos"

static const char usage_text[] =
"Usage: chaos [OPTIONS] COMMAND [ARGS]\n"
"Fault drills against a running rangedb cluster on this machine.\n"
"\n"
"Commands:\n"
"  kill-leader [--range N] [--restart]\n"
"                          SIGKILL the leader of range N (default 2) and\n"
"                          measure the time until a new leader commits a\n"
"                          write; with --restart, start the old leader\n"
"                          again and measure its catch-up\n"
"  kill-node ID            SIGKILL node ID\n"
"  restart ID              start node ID again (from DIR/nodeID.cmd, as\n"
"                          written by contrib/local-cluster) and measure\n"
"                          its catch-up\n"
"\n"
"Options:\n"
"  -c, --config FILE       the cluster's config file (default:\n"
"                          $RANGEDB_CONFIG)\n"
"      --range N           kill-leader: the range (default 2)\n"
"      --restart           kill-leader: restart the killed node\n"
"      --json              print the figures as one JSON object\n"
"  -h, --help              show this help and exit\n"
"  -V, --version           show the version and exit\n"
"\n"
"Exit status: 0 ok, 1 failed, 2 usage, 3 temporary.  See chaos(1).\n";

struct chaos_opts {
	const char *config;
	uint64_t range_id;
	int range_given, restart, json;
	const char *command;
	uint64_t node_id;
};

/* Parse argv into o; -1 = exit 0 (help/version), else an exit status. */
static int parse_args(struct chaos_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "range", required_argument, NULL, 1 },
		{ "restart", no_argument, NULL, 2 },
		{ "json", no_argument, NULL, 3 },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct err e;
	int c, nargs;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 1:
			if (util_parse_u64(optarg, 1, UINT64_MAX / 2,
					   &o->range_id, "--range", &e) !=
			    RC_OK) {
				cli_usage_error(PROG, "%s", e.msg);
				return EXIT_USAGE;
			}
			o->range_given = 1;
			break;
		case 2: o->restart = 1; break;
		case 3: o->json = 1; break;
		default:
			/* --help, --version, usage errors: shared (cli.h) */
			c = cli_common_option(c, PROG, usage_text,
					      PACKAGE_VERSION, argv);
			return c == CLI_EXIT_OK ? -1 : EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cli_usage_error(PROG, "no command given (kill-leader, kill-node or "
			    "restart)");
		return EXIT_USAGE;
	}
	o->command = argv[optind++];
	nargs = argc - optind;
	if (strcmp(o->command, "kill-leader") == 0) {
		if (nargs > 0) {
			cli_usage_error(PROG, "unexpected argument '%s'", argv[optind]);
			return EXIT_USAGE;
		}
		return EXIT_OK;
	}
	if (strcmp(o->command, "kill-node") != 0 &&
	    strcmp(o->command, "restart") != 0) {
		cli_usage_error(PROG, "unknown command '%s'", o->command);
		return EXIT_USAGE;
	}
	if (o->range_given || o->restart) {
		cli_usage_error(PROG, "--range and --restart go with kill-leader only");
		return EXIT_USAGE;
	}
	if (nargs != 1) {
		cli_usage_error(PROG, nargs == 0 ? "%s needs a node id" :
			    "%s takes one node id", o->command);
		return EXIT_USAGE;
	}
	if (util_parse_u64(argv[optind], 1, UINT64_MAX / 2, &o->node_id,
			   "node id", &e) != RC_OK) {
		cli_usage_error(PROG, "%s", e.msg);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct chaos_opts o = { .range_id = DRILL_DATA_RANGE };
	struct drill_report report;
	struct drill *d = NULL;
	const char *path;
	struct err e;
	int rc;

	log_open("chaos", LOG_LEVEL_WARN);
	rc = parse_args(&o, argc, argv);
	if (rc != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	path = cfg_default_path(o.config);
	if (path == NULL) {
		cli_usage_error(PROG, "no config file: give --config FILE or set "
			    "RANGEDB_CONFIG");
		return EXIT_USAGE;
	}
	if ((rc = drill_open(&d, path, &e)) != RC_OK) {
		fprintf(stderr, "chaos: %s\n", e.msg);
		return rc == RC_NOMEM ? EXIT_FAIL : EXIT_USAGE;
	}
	memset(&report, 0, sizeof(report));
	if (strcmp(o.command, "kill-leader") == 0)
		rc = drill_kill_leader(d, o.range_id, o.restart, &report, &e);
	else if (strcmp(o.command, "kill-node") == 0)
		rc = drill_kill_node(d, o.node_id, &report, &e);
	else
		rc = drill_restart(d, o.node_id, &report, &e);
	/* what was done is printed even when a later step failed */
	drill_report_print(stdout, &report, o.json);
	fflush(stdout);
	drill_free(d);
	if (rc != RC_OK) {
		fprintf(stderr, "chaos: %s\n", e.msg);
		return rc_exit_status(rc);
	}
	return EXIT_OK;
}
