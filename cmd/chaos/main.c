/*
 * main.c -- chaos, fault drills against a rangedb cluster: the command
 * line only.  Killing and restarting live in drill.c, the other faults in
 * nemesis.c, schedules (chaos run) in schedule.c.
 *
 * Exit status: 0 the drill ran and the cluster recovered, 1 it failed (or
 * the cluster did not recover), 2 usage, 3 temporary (a node unreachable,
 * a wait timed out).  Tested by t/700-chaos.bats and t/710-nemesis.bats.
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cfg.h"
#include "cli.h"
#include "drill.h"
#include "err.h"
#include "faultapi.h"
#include "log.h"
#include "nemesis.h"
#include "schedule.h"
#include "util.h"

#define PROG "chaos"
#define NEG_MARK '\x01'	/* see parse_args */

static const char usage_text[] =
"Usage: chaos [OPTIONS] COMMAND [ARGS]\n"
"Fault drills against a running rangedb cluster.\n"
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
"  partition A,B|C [--one-way]\n"
"                          cut raftd node groups apart (one-way: only\n"
"                          A,B's messages to C are lost)\n"
"  skew TARGET +5s         offset TARGET's clock (either sign)\n"
"  slow-disk TARGET 200ms  delay every sync of TARGET\n"
"  slow-net TARGET 50ms    delay every message TARGET sends\n"
"  pause TARGET            SIGSTOP TARGET (the zombie-leader case)\n"
"  resume TARGET           SIGCONT it\n"
"  heal                    undo every fault on every process\n"
"  status                  the faults in force, per process (JSON)\n"
"  run SCHEDULE --duration DUR [--history FILE]\n"
"                          play a schedule (a file of 'AT COMMAND ARGS'\n"
"                          lines, or 'random') and report per fault the\n"
"                          leader change, the write unavailability and\n"
"                          the client errors in the history\n"
"TARGET: a node id (2 or node2), tsod, txcoord, txcoordN, or leader (of\n"
"the data range, now); in a partition 'leader|rest' cuts it off.\n"
"\n"
"Options:\n"
"  -c, --config FILE       the cluster's config file (default:\n"
"                          $RANGEDB_CONFIG); its [cluster] secret\n"
"                          authenticates fault injection\n"
"      --range N           kill-leader: the range (default 2)\n"
"      --restart           kill-leader: restart the killed node\n"
"      --one-way           partition: one direction only\n"
"      --ttl DUR           faults undo themselves after DUR (default 60s;\n"
"                          run: the duration plus 30s)\n"
"      --duration DUR      run: how long (required)\n"
"      --interval DUR      run random: a fault this often (default 10s)\n"
"      --seed N            run random: the schedule's seed (default 1)\n"
"      --history FILE      run: the workload's history (t/check): nemesis\n"
"                          events are appended, client errors counted\n"
"      --json              print the figures as one JSON object\n"
"  -h, --help              show this help and exit\n"
"  -V, --version           show the version and exit\n"
"\n"
"Exit status: 0 ok, 1 failed, 2 usage, 3 temporary.  See chaos(1).\n";

struct chaos_opts {
	const char *config;
	uint64_t range_id;
	int range_given, restart, json, one_way;
	int64_t ttl_ms, duration_ms, interval_ms;
	uint64_t seed;
	const char *history;
	const char *command;
	char **args;			/* after the command */
	int nargs;
};

static int dur_opt(const char *flag, const char *v, int64_t *out)
{
	if (cfg_parse_duration(v, out) != 0 || *out <= 0) {
		cli_usage_error(PROG, "%s: '%s%s' is not a duration such as "
				"10s", flag, v[0] == NEG_MARK ? "-" : "",
				v + (v[0] == NEG_MARK));
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* Options anywhere on the line; the rest is the command and its args. */
static int parse_args(struct chaos_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "range", required_argument, NULL, 1 },
		{ "restart", no_argument, NULL, 2 },
		{ "json", no_argument, NULL, 3 },
		{ "one-way", no_argument, NULL, 4 },
		{ "ttl", required_argument, NULL, 5 },
		{ "duration", required_argument, NULL, 6 },
		{ "interval", required_argument, NULL, 7 },
		{ "seed", required_argument, NULL, 8 },
		{ "history", required_argument, NULL, 9 },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct err e;
	int c, rc;

	/*
	 * "skew 2 -250ms": a negative offset is an argument, not options
	 * -2, -5, ...: hide its dash from getopt (restored below).
	 */
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1] >= '0' && argv[i][1] <= '9')
			argv[i][0] = NEG_MARK;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:hV", longopts, NULL)) != -1) {
		rc = EXIT_OK;
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
		case 4: o->one_way = 1; break;
		case 5: rc = dur_opt("--ttl", optarg, &o->ttl_ms); break;
		case 6: rc = dur_opt("--duration", optarg, &o->duration_ms);
			break;
		case 7: rc = dur_opt("--interval", optarg, &o->interval_ms);
			break;
		case 8:
			if (util_parse_u64(optarg, 0, UINT64_MAX, &o->seed,
					   "--seed", &e) != RC_OK) {
				cli_usage_error(PROG, "%s", e.msg);
				return EXIT_USAGE;
			}
			break;
		case 9: o->history = optarg; break;
		default:
			/* --help, --version, usage errors: shared (cli.h) */
			c = cli_common_option(c, PROG, usage_text,
					      PACKAGE_VERSION, argv);
			return c == CLI_EXIT_OK ? -1 : EXIT_USAGE;
		}
		if (rc != EXIT_OK)
			return rc;
	}
	if (optind >= argc) {
		cli_usage_error(PROG, "no command given (see --help)");
		return EXIT_USAGE;
	}
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == NEG_MARK)
			argv[i][0] = '-';
	o->command = argv[optind++];
	o->args = argv + optind;
	o->nargs = argc - optind;
	return EXIT_OK;
}

/* Argument counts and option combinations, per command. */
static int check_usage(const struct chaos_opts *o)
{
	static const struct {
		const char *cmd;
		int nargs;
		const char *what;
	} cmds[] = {
		{ "kill-leader", 0, "" }, { "kill-node", 1, "a node id" },
		{ "restart", 1, "a node id" },
		{ "partition", 1, "node groups such as 1,2|3" },
		{ "skew", 2, "a target and an offset such as +5s" },
		{ "slow-disk", 2, "a target and a delay such as 200ms" },
		{ "slow-net", 2, "a target and a delay such as 50ms" },
		{ "pause", 1, "a target" }, { "resume", 1, "a target" },
		{ "heal", 0, "" }, { "status", 0, "" },
		{ "run", 1, "a schedule file or 'random'" },
	};
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(o->command, cmds[i].cmd) == 0)
			break;
	if (i == sizeof(cmds) / sizeof(cmds[0])) {
		cli_usage_error(PROG, "unknown command '%s'", o->command);
		return EXIT_USAGE;
	}
	if (o->nargs < cmds[i].nargs) {
		cli_usage_error(PROG, "%s needs %s", o->command, cmds[i].what);
		return EXIT_USAGE;
	}
	if (o->nargs > cmds[i].nargs) {
		cli_usage_error(PROG, "%s: unexpected argument '%s'",
				o->command, o->args[cmds[i].nargs]);
		return EXIT_USAGE;
	}
	if (strcmp(o->command, "kill-node") == 0 ||
	    strcmp(o->command, "restart") == 0) {
		uint64_t id;
		struct err e;

		if (util_parse_u64(o->args[0], 1, UINT64_MAX / 2, &id,
				   "node id", &e) != RC_OK) {
			cli_usage_error(PROG, "%s", e.msg);
			return EXIT_USAGE;
		}
	}
	if (strcmp(o->command, "skew") == 0) {
		int64_t v;

		if (faultapi_parse_offset(o->args[1], &v) != 0) {
			cli_usage_error(PROG, "skew: '%s' is not a signed "
					"duration such as +5s or -250ms",
					o->args[1]);
			return EXIT_USAGE;
		}
	}
	if (strncmp(o->command, "slow-", 5) == 0) {
		int64_t v;

		if (cfg_parse_duration(o->args[1], &v) != 0 || v <= 0) {
			cli_usage_error(PROG, "%s: '%s' is not a delay such "
					"as 200ms", o->command, o->args[1]);
			return EXIT_USAGE;
		}
	}
	if ((o->range_given || o->restart) &&
	    strcmp(o->command, "kill-leader") != 0) {
		cli_usage_error(PROG, "--range and --restart go with "
				"kill-leader only");
		return EXIT_USAGE;
	}
	if (o->one_way && strcmp(o->command, "partition") != 0) {
		cli_usage_error(PROG, "--one-way goes with partition only");
		return EXIT_USAGE;
	}
	if (strcmp(o->command, "run") == 0) {
		if (o->duration_ms == 0) {
			cli_usage_error(PROG, "run needs --duration");
			return EXIT_USAGE;
		}
	} else if (o->duration_ms || o->interval_ms || o->seed ||
		   o->history) {
		cli_usage_error(PROG, "--duration, --interval, --seed and "
				"--history go with run only");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* kill-leader, kill-node, restart: the drill report. */
static int do_drill(struct drill *d, const struct chaos_opts *o,
		    struct err *e)
{
	struct drill_report report;
	uint64_t id = 0;
	int rc;

	memset(&report, 0, sizeof(report));
	if (o->nargs == 1 && util_parse_u64(o->args[0], 1, UINT64_MAX / 2,
					    &id, "node id", e) != RC_OK)
		return RC_BAD_INPUT;	/* checked before: not reached */
	if (strcmp(o->command, "kill-leader") == 0)
		rc = drill_kill_leader(d, o->range_id, o->restart, &report, e);
	else if (strcmp(o->command, "kill-node") == 0)
		rc = drill_kill_node(d, id, &report, e);
	else
		rc = drill_restart(d, id, &report, e);
	/* what was done is printed even when a later step failed */
	drill_report_print(stdout, &report, o->json);
	return rc;
}

static int do_run(struct drill *d, struct nemesis *nm,
		  const struct chaos_opts *o, struct err *e)
{
	struct sched_opts so;
	struct sched *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	if (strcmp(o->args[0], "random") == 0)
		rc = sched_random(nm, o->seed ? o->seed : 1,
				  (uint64_t)o->duration_ms, o->interval_ms ?
				  (uint64_t)o->interval_ms : 10000, s, e);
	else
		rc = sched_load(o->args[0], s, e);
	if (rc == RC_OK) {
		memset(&so, 0, sizeof(so));
		so.duration_ms = (uint64_t)o->duration_ms;
		so.ttl_ms = (uint64_t)o->ttl_ms;
		so.history = o->history;
		so.json = o->json;
		rc = sched_run(d, nm, s, &so, stdout, e);
	}
	free(s);
	return rc;
}

static int do_fault(struct drill *d, struct nemesis *nm,
		    const struct chaos_opts *o, struct err *e)
{
	char *argv[4], desc[256];
	int argc = 0, rc;

	if (strcmp(o->command, "status") == 0) {
		json_t *j;
		char *txt;

		if ((rc = nemesis_status(nm, &j, e)) != RC_OK)
			return rc;
		txt = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
		json_decref(j);
		if (txt == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		printf("%s\n", txt);
		free(txt);
		return RC_OK;
	}
	argv[argc++] = (char *)o->command;
	for (int i = 0; i < o->nargs; i++)
		argv[argc++] = o->args[i];
	if (o->one_way)
		argv[argc++] = "--one-way";
	rc = sched_command(d, nm, argc, argv, o->ttl_ms ?
			   (uint64_t)o->ttl_ms : NEMESIS_DEFAULT_TTL_MS, desc,
			   sizeof(desc), e);
	if (rc == RC_OK && !o->json) {
		printf("%s: done\n", desc);
	} else if (rc == RC_OK) {
		json_t *j = json_pack("{s:s, s:b}", "fault", desc, "ok", 1);
		char *txt = j ? json_dumps(j, JSON_COMPACT) : NULL;

		json_decref(j);
		if (txt == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		printf("%s\n", txt);
		free(txt);
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct chaos_opts o = { .range_id = DRILL_DATA_RANGE };
	struct drill *d = NULL;
	struct nemesis *nm = NULL;
	const char *path;
	struct err e;
	int rc;

	log_open("chaos", LOG_LEVEL_WARN);
	rc = parse_args(&o, argc, argv);
	if (rc == EXIT_OK)
		rc = check_usage(&o);
	if (rc != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	path = cfg_default_path(o.config);
	if (path == NULL) {
		cli_usage_error(PROG, "no config file: give --config FILE or "
				"set RANGEDB_CONFIG");
		return EXIT_USAGE;
	}
	if ((rc = drill_open(&d, path, &e)) != RC_OK ||
	    (rc = nemesis_open(&nm, path, &e)) != RC_OK) {
		fprintf(stderr, "chaos: %s\n", e.msg);
		drill_free(d);
		return rc == RC_NOMEM ? EXIT_FAIL : EXIT_USAGE;
	}
	if (strcmp(o.command, "kill-leader") == 0 ||
	    strcmp(o.command, "kill-node") == 0 ||
	    strcmp(o.command, "restart") == 0)
		rc = do_drill(d, &o, &e);
	else if (strcmp(o.command, "run") == 0)
		rc = do_run(d, nm, &o, &e);
	else
		rc = do_fault(d, nm, &o, &e);
	fflush(stdout);
	nemesis_free(nm);
	drill_free(d);
	if (rc != RC_OK) {
		fprintf(stderr, "chaos: %s\n", e.msg);
		return rc_exit_status(rc);
	}
	return EXIT_OK;
}
