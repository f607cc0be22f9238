/*
 * main.c -- tsod, the timestamp oracle: options, start-up and shutdown.
 *
 * Everything tsod knows how to do lives in oracle.c (durable HLC window)
 * and api.c (HTTP endpoints); this file only reads the configuration
 * (file, then command-line flags on top) and runs them until SIGTERM.
 */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "cfg.h"
#include "fault.h"
#include "cli.h"
#include "daemon.h"
#include "err.h"
#include "log.h"
#include "oracle.h"
#include "util.h"

#define PROG "tsod"

static const char usage_text[] =
"Usage: tsod [OPTIONS]\n"
"Serve strictly increasing hybrid-logical-clock timestamps over HTTP.\n"
"\n"
"  -l, --listen ADDR       address to serve on (default 127.0.0.1:7000;\n"
"                          port 0 picks a free port)\n"
"  -d, --data DIR          data directory, created if missing (required)\n"
"  -c, --config FILE       config file; its [tsod] section sets defaults\n"
"                          (default: $RANGEDB_CONFIG, else none)\n"
"      --window DURATION   how far ahead of the clock the durable window\n"
"                          runs, e.g. 3s or 500ms (default 3s)\n"
"      --max-count N       largest batch one request may reserve\n"
"                          (default 65536)\n"
"      --threads N         HTTP worker threads (default: number of CPUs)\n"
"      --log-level LEVEL   debug, info, warn or error (default info)\n"
"      --ready-fd N        once serving, write \"ready ADDR\" to fd N and\n"
"                          close it\n"
"      --clock-skew-ms N   fault drill: shift this process's wall clock by\n"
"                          N milliseconds (may be negative)\n"
"  -h, --help              show this help and exit\n"
"  -V, --version           show the version and exit\n"
"\n"
"Endpoints: POST /ts {\"count\":N}, GET /ts[?count=N], GET /status,\n"
"GET /metrics.  See tsod(8).\n";

/* Keys of the [tsod] section; flags of the same name override them. */
static const char *const tsod_keys[] = {
	"listen", "data", "window", "max_count", "threads", "log_level",
	"clock_skew_ms", NULL
};

/* What tsod accepts in a config file shared with the other programs. */
static const struct cfg_schema tsod_schema[] = {
	{ "tsod", tsod_keys },
	{ "cluster", NULL },
	{ "raftd", NULL },
	{ "node.", NULL },
	{ "txcoord", NULL },
	{ "sqlsh", NULL },
	{ NULL, NULL }
};

struct tsod_opts {
	const char *config;
	int ready_fd;
	struct cfg *cfg;
};

static int64_t clock_skew_ms;

static uint64_t skewed_clock(void *arg)
{
	int64_t ms = (int64_t)util_wall_ms() + clock_skew_ms +
		fault_skew_ms();	/* and a skew drill's (chaos) */

	(void)arg;
	return ms < 0 ? 0 : (uint64_t)ms;
}

/* Parse argv into o; returns -1 to exit 0 (help/version), or an exit code. */
static int parse_args(struct tsod_opts *o, int argc, char **argv,
		      const char **flag_vals)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "data", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "window", required_argument, NULL, 1 },
		{ "max-count", required_argument, NULL, 2 },
		{ "threads", required_argument, NULL, 3 },
		{ "log-level", required_argument, NULL, 4 },
		{ "ready-fd", required_argument, NULL, 5 },
		{ "clock-skew-ms", required_argument, NULL, 6 },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":l:d:c:hV", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'l': flag_vals[0] = optarg; break;
		case 'd': flag_vals[1] = optarg; break;
		case 1: flag_vals[2] = optarg; break;
		case 2: flag_vals[3] = optarg; break;
		case 3: flag_vals[4] = optarg; break;
		case 4: flag_vals[5] = optarg; break;
		case 6: flag_vals[6] = optarg; break;
		case 'c': o->config = optarg; break;
		case 5:
			if (cli_ready_fd(PROG, optarg, &o->ready_fd) != 0)
				return EXIT_USAGE;
			break;
		default:
			/* --help, --version, usage errors: shared (cli.h) */
			c = cli_common_option(c, PROG, usage_text,
					      PACKAGE_VERSION, argv);
			return c == CLI_EXIT_OK ? -1 : EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_usage_error(PROG, "unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* Load the config file (if any) and lay the flags over it. */
static int load_config(struct tsod_opts *o, const char **flag_vals,
		       struct err *e)
{
	const char *path = cfg_default_path(o->config);
	int i, rc;

	if (path != NULL)
		rc = cfg_load(path, &o->cfg, e);
	else
		rc = cfg_new("(no config file)", &o->cfg, e);
	if (rc != RC_OK)
		return rc;
	for (i = 0; tsod_keys[i] != NULL; i++) {
		if (flag_vals[i] == NULL)
			continue;
		rc = cfg_set(o->cfg, "tsod", tsod_keys[i], flag_vals[i], e);
		if (rc != RC_OK)
			return rc;
	}
	return cfg_check(o->cfg, tsod_schema, e);
}

struct tsod_settings {
	const char *listen;
	const char *data;
	int64_t window_ms;
	int64_t max_count;
	int64_t threads;
};

/* Read and check every setting; any problem here is a usage error. */
static int read_settings(struct cfg *cfg, struct tsod_settings *s,
			 struct err *e)
{
	const char *level_name;
	int rc, level;

	s->listen = cfg_get(cfg, "tsod", "listen");
	if (s->listen == NULL)
		s->listen = "127.0.0.1:7000";
	s->data = cfg_get(cfg, "tsod", "data");
	if (s->data == NULL || s->data[0] == '\0')
		return err_set(e, RC_BAD_INPUT,
			       "no data directory: give --data DIR or set "
			       "'data' in the [tsod] section of the config");
	level_name = cfg_get(cfg, "tsod", "log_level");
	if (level_name != NULL) {
		level = log_level_parse(level_name);
		if (level < 0 || level == LOG_LEVEL_OFF)
			return err_set(e, RC_BAD_INPUT,
				       "log level must be debug, info, warn or "
				       "error, got '%s'", level_name);
		log_set_level((enum log_level)level);
	}
	s->window_ms = ORACLE_DEFAULT_WINDOW_MS;
	rc = cfg_get_duration_ms(cfg, "tsod", "window", 100, 600000,
				 &s->window_ms, e);
	if (rc != RC_OK && rc != RC_NOT_FOUND)
		return rc;
	s->max_count = ORACLE_DEFAULT_MAX_COUNT;
	rc = cfg_get_int(cfg, "tsod", "max_count", 1, 1 << 20, &s->max_count,
			 e);
	if (rc != RC_OK && rc != RC_NOT_FOUND)
		return rc;
	s->threads = 0;
	rc = cfg_get_int(cfg, "tsod", "threads", 1, 256, &s->threads, e);
	if (rc != RC_OK && rc != RC_NOT_FOUND)
		return rc;
	rc = cfg_get_int(cfg, "tsod", "clock_skew_ms", -86400000LL * 365,
			 86400000LL * 365, &clock_skew_ms, e);
	if (rc != RC_OK && rc != RC_NOT_FOUND)
		return rc;
	return RC_OK;
}

static int run(struct tsod_opts *o, const struct tsod_settings *s,
	       struct err *e)
{
	struct oracle_opts oo;
	struct tsod_api_opts ao;
	struct oracle *oracle = NULL;
	struct tsod_api *api = NULL;
	const char *data = s->data;
	char addr[300];
	int lock_fd = -1, rc, sig;

	memset(&oo, 0, sizeof(oo));
	memset(&ao, 0, sizeof(ao));
	ao.listen = s->listen;
	if (clock_skew_ms != 0)
		log_warn("msg=\"fault drill: wall clock skewed\" skew_ms=%lld",
			 (long long)clock_skew_ms);

	if ((rc = daemon_signals_init(e)) != RC_OK)
		return rc;
	if ((rc = util_mkdir(data, e)) != RC_OK)
		return rc;
	if ((rc = util_lock_dir(data, PROG, &lock_fd, e)) != RC_OK)
		return rc;

	oo.dir = data;
	oo.window_ms = (uint64_t)s->window_ms;
	oo.clock = skewed_clock;
	oo.background = 1;
	if ((rc = oracle_open(&oracle, &oo, e)) != RC_OK)
		goto out;
	ao.threads = (unsigned)s->threads;
	ao.max_count = (uint64_t)s->max_count;
	ao.version = PACKAGE_VERSION;
	ao.secret = cfg_get(o->cfg, "cluster", "secret");
	if ((rc = tsod_api_start(&api, oracle, &ao, e)) != RC_OK)
		goto out;
	{
		const char *colon = strrchr(ao.listen, ':');
		int hostlen = colon ? (int)(colon - ao.listen) :
			(int)strlen(ao.listen);

		snprintf(addr, sizeof(addr), "%.*s:%u", hostlen, ao.listen,
			 tsod_api_port(api));
	}
	log_info("msg=\"serving\" addr=%s data=%s window_ms=%llu", addr, data,
		 (unsigned long long)s->window_ms);
	if ((rc = daemon_ready(o->ready_fd, addr, e)) != RC_OK)
		goto out;
	sig = daemon_wait_signal();
	log_info("msg=\"shutting down\" signal=%d", sig);
out:
	tsod_api_stop(api);
	oracle_close(oracle);
	if (lock_fd >= 0)
		close(lock_fd);
	return rc;
}

int main(int argc, char **argv)
{
	struct tsod_opts o = { .config = NULL, .ready_fd = -1, .cfg = NULL };
	const char *flag_vals[8] = { NULL };
	struct tsod_settings settings;
	struct err e;
	int rc;

	log_open(PROG, LOG_LEVEL_INFO);
	rc = parse_args(&o, argc, argv, flag_vals);
	if (rc != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	if (load_config(&o, flag_vals, &e) != RC_OK ||
	    read_settings(o.cfg, &settings, &e) != RC_OK) {
		fprintf(stderr, "tsod: %s\n", e.msg);
		cfg_free(o.cfg);
		return EXIT_USAGE;
	}
	rc = run(&o, &settings, &e);
	cfg_free(o.cfg);
	if (rc != RC_OK) {
		fprintf(stderr, "tsod: %s\n", e.msg);
		return rc_exit_status(rc);
	}
	return EXIT_OK;
}
