/*
 * workload.c -- t/check/workload, the Jepsen-style workload recorder:
 * the command line only.  The run is wlrun.c, the operations wlops.c,
 * requests and their outcomes wlclient.c, the history wlhist.c.
 *
 * Exit status: 0 the run completed (whatever its operations' outcomes),
 * 1 it could not run, 2 usage.  Usage in t/check/README.workload; the
 * pieces are tested in t/unit/wlhist_test.c.
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "cli.h"
#include "err.h"
#include "log.h"
#include "util.h"
#include "wlclient.h"
#include "wlhist.h"
#include "wlops.h"
#include "wlrun.h"

#define PROG "workload"

#define WL_MAX_CLIENTS		1024
#define WL_MAX_KEYS		100000
#define WL_MAX_RATE		10000000
#define WL_MAX_DURATION_MS	(24LL * 3600 * 1000)
#define WL_MAX_TIMEOUT_MS	(3600LL * 1000)

static const char usage_text[] =
"Usage: workload WORKLOAD --url ADDR[,ADDR...] [OPTIONS]\n"
"       workload WORKLOAD --config FILE [OPTIONS]\n"
"Run a Jepsen-style workload against rangedb's transaction API (txcoord)\n"
"with concurrent clients and record every operation in a history file\n"
"(JSON Lines) for the checker.\n"
"\n"
"Workloads:\n"
"  register                reads, writes and compare-and-sets of --keys\n"
"                          integer registers\n"
"  set                     adds of unique elements, then one read of them\n"
"                          all\n"
"  monotonic               writers bump a sequence and write it into a\n"
"                          random key, readers read one key at a time\n"
"  bank                    transfers between --accounts accounts, and\n"
"                          reads of all of them\n"
"\n"
"Options:\n"
"  -u, --url ADDR[,ADDR]   the txcoords (HOST:PORT); clients are spread\n"
"                          round robin over them\n"
"  -c, --config FILE       take the txcoords from FILE's [cluster]\n"
"                          txcoords (default: $RANGEDB_CONFIG, when no\n"
"                          --url is given)\n"
"  -n, --clients N         concurrent clients, one thread and connection\n"
"                          each (default 5)\n"
"  -d, --duration DUR      how long to run, such as 30s or 2m (default 10s)\n"
"  -o, --out FILE          the history; it must be new or empty (default\n"
"                          '-', stdout)\n"
"  -s, --seed N            seed of the random choices (default: from the\n"
"                          clock); keys are under chk/SEED-MS/ either way\n"
"  -k, --keys K            register and monotonic keys (default 8)\n"
"      --accounts N        bank accounts, 100 each at the start (default 5)\n"
"      --rate OPS          at most OPS operations a second over all\n"
"                          clients (default 0: as fast as they go)\n"
"      --timeout DUR       time limit of each request (default 5s)\n"
"  -h, --help              show this help and exit\n"
"  -V, --version           show the version and exit\n"
"\n"
"The summary line goes to stdout (stderr when the history does).  SIGINT\n"
"or SIGTERM stops the run early, every operation completed.\n"
"\n"
"Exit status: 0 the run completed, 1 it could not run, 2 usage.\n";

struct wl_cli {
	struct wlrun_opts run;
	const char *url;
	const char *config;
};

/* A strict unsigned flag value in [min, max]; 0 or EXIT_USAGE. */
static int flag_u64(const char *flag, const char *arg, uint64_t min,
		    uint64_t max, uint64_t *out)
{
	struct err e;

	if (util_parse_u64(arg, min, max, out, flag, &e) != RC_OK) {
		cli_usage_error(PROG, "%s", e.msg);
		return EXIT_USAGE;
	}
	return 0;
}

/* A duration flag ("500ms", "30s", "1m30s") in [1 ms, max]. */
static int flag_duration(const char *flag, const char *arg, int64_t max,
			 int64_t *out)
{
	if (cfg_parse_duration(arg, out) != 0 || *out <= 0 || *out > max) {
		cli_usage_error(PROG, "%s must be a duration such as 500ms, "
				"30s or 2m, at most %" PRId64 " s, got '%s'",
				flag, max / 1000, arg);
		return EXIT_USAGE;
	}
	return 0;
}

/* One option (not a shared one); 0 or EXIT_USAGE. */
static int parse_one(struct wl_cli *o, int c, const char *arg)
{
	uint64_t v = 0;
	int rc = 0;

	switch (c) {
	case 'u': o->url = arg; break;
	case 'c': o->config = arg; break;
	case 'o': o->run.out = arg; break;
	case 'd':
		return flag_duration("--duration", arg, WL_MAX_DURATION_MS,
				     &o->run.duration_ms);
	case 1: {
		int64_t ms;

		rc = flag_duration("--timeout", arg, WL_MAX_TIMEOUT_MS, &ms);
		o->run.timeout_ms = (long)ms;
		return rc;
	}
	case 'n':
		rc = flag_u64("--clients", arg, 1, WL_MAX_CLIENTS, &v);
		o->run.clients = (unsigned)v;
		return rc;
	case 's':
		return flag_u64("--seed", arg, 0, INT64_MAX, &o->run.seed);
	case 'k':
		rc = flag_u64("--keys", arg, 1, WL_MAX_KEYS, &v);
		o->run.keys = (unsigned)v;
		return rc;
	case 2:
		rc = flag_u64("--accounts", arg, 2, WLOPS_MAX_ACCOUNTS, &v);
		o->run.accounts = (unsigned)v;
		return rc;
	case 3:
		return flag_u64("--rate", arg, 0, WL_MAX_RATE, &o->run.rate);
	}
	return 0;
}

/* Parse argv into o; -1 = exit 0 (help/version), else an exit status. */
static int parse_args(struct wl_cli *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "config", required_argument, NULL, 'c' },
		{ "clients", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 's' },
		{ "keys", required_argument, NULL, 'k' },
		{ "timeout", required_argument, NULL, 1 },
		{ "accounts", required_argument, NULL, 2 },
		{ "rate", required_argument, NULL, 3 },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c, kind;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":u:c:n:d:o:s:k:hV", longopts,
				NULL)) != -1) {
		if ((c > 3 && strchr("ucndosk", c) != NULL) ||
		    (c >= 1 && c <= 3)) {
			if (parse_one(o, c, optarg) != 0)
				return EXIT_USAGE;
			continue;
		}
		/* --help, --version, usage errors: shared (cli.h) */
		c = cli_common_option(c, PROG, usage_text, PACKAGE_VERSION,
				      argv);
		return c == CLI_EXIT_OK ? -1 : EXIT_USAGE;
	}
	if (optind >= argc) {
		cli_usage_error(PROG, "no workload given (register, set, "
				"monotonic or bank)");
		return EXIT_USAGE;
	}
	if ((kind = wlops_kind_parse(argv[optind])) < 0) {
		cli_usage_error(PROG, "unknown workload '%s' (register, set, "
				"monotonic or bank)", argv[optind]);
		return EXIT_USAGE;
	}
	o->run.kind = (enum wlops_kind)kind;
	if (optind + 1 < argc) {
		cli_usage_error(PROG, "unexpected argument '%s'",
				argv[optind + 1]);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/*
 * The txcoords: --url, else the config file's [cluster] txcoords (or
 * [txcoord] listen).  An exit status.
 */
static int find_addrs(struct wl_cli *o)
{
	const char *path, *list = o->url;
	struct cfg *cfg = NULL;
	struct err e;
	int rc;

	if (list == NULL && (path = cfg_default_path(o->config)) != NULL) {
		if (cfg_load(path, &cfg, &e) != RC_OK) {
			fprintf(stderr, "%s: %s\n", PROG, e.msg);
			return EXIT_USAGE;
		}
		if ((list = cfg_get(cfg, "cluster", "txcoords")) == NULL)
			list = cfg_get(cfg, "txcoord", "listen");
		if (list == NULL) {
			fprintf(stderr, "%s: '%s' names no txcoord ([cluster] "
				"txcoords)\n", PROG, path);
			cfg_free(cfg);
			return EXIT_USAGE;
		}
	}
	if (list == NULL) {
		cli_usage_error(PROG, "no txcoord: give --url ADDR or --config "
				"FILE");
		return EXIT_USAGE;
	}
	rc = wlrun_split_addrs(list, &o->run.addrs, &o->run.naddrs, &e);
	cfg_free(cfg);
	for (size_t i = 0; rc == RC_OK && i < o->run.naddrs; i++)
		rc = wlclient_check_addr(o->run.addrs[i], &e);
	if (rc != RC_OK) {
		wlrun_addrs_free(o->run.addrs, o->run.naddrs);
		o->run.addrs = NULL;
		fprintf(stderr, "%s: %s\n", PROG, e.msg);
		return rc == RC_NOMEM ? EXIT_FAIL : EXIT_USAGE;
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct wl_cli o = {
		.run = {
			.clients = 5, .duration_ms = 10000, .out = "-",
			.keys = 8, .accounts = 5, .timeout_ms = 5000,
			.seed = (util_wall_ms() * 1000003u ^
				 (uint64_t)getpid()) & INT64_MAX,
		},
	};
	int status;

	log_open(PROG, LOG_LEVEL_WARN);
	if ((status = parse_args(&o, argc, argv)) != EXIT_OK)
		return status < 0 ? EXIT_OK : status;
	if ((status = find_addrs(&o)) != EXIT_OK)
		return status;
	status = wlrun_run(&o.run);
	wlrun_addrs_free(o.run.addrs, o.run.naddrs);
	return status;
}
