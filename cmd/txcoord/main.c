/*
 * main.c -- txcoord, rangedb's transaction coordinator: options, start-up
 * and shutdown, and the /status and /metrics endpoints.
 *
 * txcoord keeps no data: each transaction lives in the one txcoord process
 * that serves it (txn.c), timestamps come from tsod (tso.c) and data from
 * the range leaders (router.c); several may run side by side.  This file
 * reads the configuration (file, then flags on top), wires those modules
 * together, registers the transaction API (api.c) on the HTTP server and
 * runs until SIGTERM.  Tested by t/900-docs.bats (flags, --help, exit
 * codes) and the cluster tests that start it through contrib/local-cluster.
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "cfg.h"
#include "fault.h"
#include "faultapi.h"
#include "cli.h"
#include "daemon.h"
#include "err.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "router.h"
#include "tso.h"
#include "sqlapi.h"
#include "sqlengine.h"
#include "txn.h"
#include "util.h"

#define PROG "txcoord"
#define TXCOORD_DEFAULT_LISTEN	"127.0.0.1:7200"
#define TXCOORD_MAX_NODES	64	/* entry nodes */
#define TXCOORD_NODES_MAX_LEN	4096	/* the joined --node list */

static const char usage_text[] =
"Usage: txcoord [OPTIONS]\n"
"Coordinate serializable transactions over a rangedb cluster.\n"
"\n"
"  -l, --listen ADDR       address to serve on (default 127.0.0.1:7200;\n"
"                          port 0 picks a free port)\n"
"  -c, --config FILE       config file; its [txcoord] section sets defaults\n"
"                          (default: $RANGEDB_CONFIG, else none)\n"
"      --tsod ADDR         the timestamp oracle (default: [cluster] tsod,\n"
"                          else [tsod] listen of the config)\n"
"      --node ADDR         a raftd node to enter the cluster through;\n"
"                          repeat for more (default: [cluster] nodes, else\n"
"                          the [node.N] addresses of the config)\n"
"      --threads N         HTTP worker threads; 0, the default, gives each\n"
"                          connection its own thread\n"
"      --txn-timeout DURATION\n"
"                          a committing transaction's record expires after\n"
"                          this long without a heartbeat (default 3s)\n"
"      --heartbeat DURATION\n"
"                          how often records are heartbeated (default 500ms)\n"
"      --idle-timeout DURATION\n"
"                          an interactive transaction idle this long is\n"
"                          aborted (default 60s)\n"
"      --max-retries N     retries of a one-shot transaction on a conflict\n"
"                          (default 10)\n"
"      --log-level LEVEL   debug, info, warn or error (default info)\n"
"      --ready-fd N        once serving, write \"ready ADDR\" to fd N and\n"
"                          close it\n"
"  -h, --help              show this help and exit\n"
"  -V, --version           show the version and exit\n"
"\n"
"Endpoints: POST /txn/begin, /txn/get, /txn/scan, /txn/put, /txn/delete,\n"
"/txn/commit, /txn/rollback, POST /txn (one-shot), POST /sql,\n"
"POST /sql/session, DELETE /sql/session/ID, GET /status, GET /metrics.\n"
"See txcoord(8).\n";

/* Keys of the [txcoord] section; flags of the same name override them. */
static const char *const txcoord_keys[] = {
	"listen", "tsod", "nodes", "threads", "txn_timeout", "heartbeat",
	"idle_timeout", "max_retries", "log_level", NULL
};

enum {
	K_LISTEN, K_TSOD, K_NODES, K_THREADS, K_TXN_TIMEOUT, K_HEARTBEAT,
	K_IDLE_TIMEOUT, K_MAX_RETRIES, K_LOG_LEVEL, K__COUNT
};

/* What txcoord accepts in a config file shared with the other programs. */
static const struct cfg_schema txcoord_schema[] = {
	{ "txcoord", txcoord_keys },
	{ "cluster", NULL },
	{ "tsod", NULL },
	{ "raftd", NULL },
	{ "node.", NULL },
	{ "sqlsh", NULL },
	{ NULL, NULL }
};

struct txcoord_opts {
	const char *config;
	int ready_fd;
	struct cfg *cfg;
	char nodes_flag[TXCOORD_NODES_MAX_LEN];	/* --node values, joined */
};

/* Parse argv into o; returns -1 to exit 0 (help/version), or an exit code. */
static int parse_args(struct txcoord_opts *o, int argc, char **argv,
		      const char **flag_vals)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "config", required_argument, NULL, 'c' },
		{ "tsod", required_argument, NULL, 1 },
		{ "node", required_argument, NULL, 2 },
		{ "threads", required_argument, NULL, 3 },
		{ "txn-timeout", required_argument, NULL, 4 },
		{ "heartbeat", required_argument, NULL, 5 },
		{ "idle-timeout", required_argument, NULL, 6 },
		{ "max-retries", required_argument, NULL, 7 },
		{ "log-level", required_argument, NULL, 8 },
		{ "ready-fd", required_argument, NULL, 9 },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	size_t used;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":l:c:hV", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'l': flag_vals[K_LISTEN] = optarg; break;
		case 'c': o->config = optarg; break;
		case 1: flag_vals[K_TSOD] = optarg; break;
		case 2:
			if (optarg[0] == '\0' || strchr(optarg, ',') != NULL) {
				cli_usage_error(PROG, "--node takes one "
						"HOST:PORT, got '%s' (repeat "
						"--node for more)", optarg);
				return EXIT_USAGE;
			}
			used = strlen(o->nodes_flag);
			if (used + strlen(optarg) + 2 > sizeof(o->nodes_flag)) {
				cli_usage_error(PROG, "too many --node "
						"addresses");
				return EXIT_USAGE;
			}
			snprintf(o->nodes_flag + used,
				 sizeof(o->nodes_flag) - used, "%s%s",
				 used ? "," : "", optarg);
			flag_vals[K_NODES] = o->nodes_flag;
			break;
		case 3: flag_vals[K_THREADS] = optarg; break;
		case 4: flag_vals[K_TXN_TIMEOUT] = optarg; break;
		case 5: flag_vals[K_HEARTBEAT] = optarg; break;
		case 6: flag_vals[K_IDLE_TIMEOUT] = optarg; break;
		case 7: flag_vals[K_MAX_RETRIES] = optarg; break;
		case 8: flag_vals[K_LOG_LEVEL] = optarg; break;
		case 9:
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
static int load_config(struct txcoord_opts *o, const char **flag_vals,
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
	for (i = 0; txcoord_keys[i] != NULL; i++) {
		if (flag_vals[i] == NULL)
			continue;
		rc = cfg_set(o->cfg, "txcoord", txcoord_keys[i], flag_vals[i],
			     e);
		if (rc != RC_OK)
			return rc;
	}
	return cfg_check(o->cfg, txcoord_schema, e);
}

struct txcoord_settings {
	const char *listen;
	const char *tsod;
	char *nodes[TXCOORD_MAX_NODES];		/* malloc'd */
	size_t n_nodes;
	int64_t threads;
	int64_t txn_timeout_ms;
	int64_t heartbeat_ms;
	int64_t idle_timeout_ms;
	int64_t max_retries;
};

static void settings_release(struct txcoord_settings *s)
{
	for (size_t i = 0; i < s->n_nodes; i++)
		free(s->nodes[i]);
	s->n_nodes = 0;
}

/* 1 if a is HOST:PORT with a port from 1 to 65535. */
static int addr_valid(const char *a)
{
	const char *colon = strrchr(a, ':');
	uint64_t port;

	if (colon == NULL || colon == a || strpbrk(a, "/?#@ \t") != NULL)
		return 0;
	return util_parse_u64(colon + 1, 1, 65535, &port, "port", NULL) ==
	       RC_OK;
}

/*
 * Split list ("a:1, b:2" -- commas and blanks) into s->nodes; where names
 * the origin for messages.
 */
static int add_node_list(struct txcoord_settings *s, const char *list,
			 const char *where, struct err *e)
{
	const char *p = list;

	while (*p != '\0') {
		size_t n;
		char *a;

		p += strspn(p, ", \t");
		n = strcspn(p, ", \t");
		if (n == 0)
			break;
		if (s->n_nodes == TXCOORD_MAX_NODES)
			return err_set(e, RC_BAD_INPUT, "%s: more than %d "
				       "nodes", where, TXCOORD_MAX_NODES);
		if ((a = strndup(p, n)) == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		if (!addr_valid(a)) {
			err_set(e, RC_BAD_INPUT, "%s: bad node address '%s': "
				"expected HOST:PORT", where, a);
			free(a);
			return RC_BAD_INPUT;
		}
		s->nodes[s->n_nodes++] = a;
		p += n;
	}
	return RC_OK;
}

/* The raftd nodes: [txcoord] nodes (or --node), [cluster] nodes, [node.N]. */
static int read_nodes(struct cfg *cfg, struct txcoord_settings *s,
		      struct err *e)
{
	const char *list;
	char where[300];
	size_t count;
	int rc;

	if ((list = cfg_get(cfg, "txcoord", "nodes")) != NULL) {
		cfg_origin(cfg, "txcoord", "nodes", where, sizeof(where));
		rc = add_node_list(s, list, where, e);
	} else if ((list = cfg_get(cfg, "cluster", "nodes")) != NULL) {
		cfg_origin(cfg, "cluster", "nodes", where, sizeof(where));
		rc = add_node_list(s, list, where, e);
	} else {
		rc = RC_OK;
		count = cfg_section_count_prefix(cfg, "node.");
		for (size_t i = 0; i < count && rc == RC_OK; i++) {
			const char *sec = cfg_section_name_prefix(cfg, "node.",
								  i);
			const char *a = cfg_get(cfg, sec, "address");

			if (a == NULL)
				continue;
			if (cfg_origin(cfg, sec, "address", where,
				       sizeof(where)) == NULL)
				snprintf(where, sizeof(where), "[%s]", sec);
			rc = add_node_list(s, a, where, e);
		}
	}
	if (rc != RC_OK)
		return rc;
	if (s->n_nodes == 0)
		return err_set(e, RC_BAD_INPUT, "no raftd node to enter the "
			       "cluster through: give --node HOST:PORT, or set "
			       "'nodes' in the [txcoord] or [cluster] section, "
			       "or [node.N] addresses in the config");
	return RC_OK;
}

/* Read and check every setting; any problem here is a usage error. */
static int read_settings(struct cfg *cfg, struct txcoord_settings *s,
			 struct err *e)
{
	const char *level_name;
	char where[300];
	int rc, level;

	s->listen = cfg_get(cfg, "txcoord", "listen");
	if (s->listen == NULL)
		s->listen = TXCOORD_DEFAULT_LISTEN;
	s->tsod = cfg_get(cfg, "txcoord", "tsod");
	if (s->tsod == NULL)
		s->tsod = cfg_get(cfg, "cluster", "tsod");
	if (s->tsod == NULL)
		s->tsod = cfg_get(cfg, "tsod", "listen");
	if (s->tsod == NULL || s->tsod[0] == '\0')
		return err_set(e, RC_BAD_INPUT, "no tsod address: give --tsod "
			       "HOST:PORT or set 'tsod' in the [txcoord] or "
			       "[cluster] section of the config");
	if (!addr_valid(s->tsod))
		return err_set(e, RC_BAD_INPUT, "bad tsod address '%s': "
			       "expected HOST:PORT", s->tsod);
	if ((rc = read_nodes(cfg, s, e)) != RC_OK)
		return rc;
	level_name = cfg_get(cfg, "txcoord", "log_level");
	if (level_name != NULL) {
		level = log_level_parse(level_name);
		if (level < 0 || level == LOG_LEVEL_OFF)
			return err_set(e, RC_BAD_INPUT,
				       "log level must be debug, info, warn or "
				       "error, got '%s'", level_name);
		log_set_level((enum log_level)level);
	}
	s->threads = 0;
	rc = cfg_get_int(cfg, "txcoord", "threads", 0, 1024, &s->threads, e);
	if (rc != RC_OK && rc != RC_NOT_FOUND)
		return rc;
	s->txn_timeout_ms = TXN_DEFAULT_TIMEOUT_MS;
	rc = cfg_get_duration_ms(cfg, "txcoord", "txn_timeout", 100, 600000,
				 &s->txn_timeout_ms, e);
	if (rc != RC_OK && rc != RC_NOT_FOUND)
		return rc;
	s->heartbeat_ms = TXN_DEFAULT_HEARTBEAT_MS;
	rc = cfg_get_duration_ms(cfg, "txcoord", "heartbeat", 10, 600000,
				 &s->heartbeat_ms, e);
	if (rc != RC_OK && rc != RC_NOT_FOUND)
		return rc;
	s->idle_timeout_ms = TXN_DEFAULT_IDLE_MS;
	rc = cfg_get_duration_ms(cfg, "txcoord", "idle_timeout", 100,
				 86400000, &s->idle_timeout_ms, e);
	if (rc != RC_OK && rc != RC_NOT_FOUND)
		return rc;
	s->max_retries = TXN_DEFAULT_MAX_RETRIES;
	rc = cfg_get_int(cfg, "txcoord", "max_retries", 0, 1000,
			 &s->max_retries, e);
	if (rc != RC_OK && rc != RC_NOT_FOUND)
		return rc;
	/* a record must get a heartbeat well before it expires */
	if (s->heartbeat_ms * 2 > s->txn_timeout_ms) {
		if (cfg_origin(cfg, "txcoord", "heartbeat", where,
			       sizeof(where)) == NULL)
			snprintf(where, sizeof(where), "defaults");
		return err_set(e, RC_BAD_INPUT, "%s: heartbeat (%" PRId64
			       " ms) must be at most half of txn_timeout "
			       "(%" PRId64 " ms), or live transactions count as "
			       "expired", where, s->heartbeat_ms,
			       s->txn_timeout_ms);
	}
	return RC_OK;
}

/* ---- the daemon --------------------------------------------------------- */

struct txcoord {
	const struct txcoord_settings *set;
	char addr[300];			/* where it serves */
	uint64_t started_ms;		/* monotonic */
	struct metrics *reg;
	struct tso *tso;
	struct router *router;
	struct txn_engine *eng;
	struct sqlengine *sql;
	struct sqlapi *sqlapi;
	struct http_server *http;

	/* series updated from module counters when /metrics is rendered */
	pthread_mutex_t render_mu;
	struct metrics_counter *tso_rounds, *tso_requests;
	struct metrics_counter *rt_requests, *rt_locates, *rt_redirects,
			       *rt_moved, *rt_retries, *rode;
	struct metrics_gauge *rt_cached, *uptime;
	uint64_t seen[8];		/* last values added, in that order */
};

static void handle_status(const struct http_req *req, struct http_resp *resp,
			  void *arg)
{
	struct txcoord *x = arg;
	struct router_stats rs;
	struct txn_stats ts;
	uint64_t requests = 0, rounds = 0;
	json_t *j, *nodes;

	memset(&ts, 0, sizeof(ts));
	txn_engine_stats(x->eng, &ts);
	tso_stats(x->tso, &requests, &rounds);
	router_get_stats(x->router, &rs);
	nodes = json_array();
	for (size_t i = 0; nodes != NULL && i < x->set->n_nodes; i++)
		json_array_append_new(nodes, json_string(x->set->nodes[i]));
	j = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:o, "
		      "s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
		      "s:I, "
		      "s:{s:I, s:I}, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I}, "
		      "s:{s:I, s:I, s:I, s:I}}",
		      "service", "txcoord",
		      "version", PACKAGE_VERSION,
		      "id", x->addr,
		      "pid", (json_int_t)getpid(),
		      "uptime_s", (json_int_t)((util_mono_ms() - x->started_ms)
					       / 1000),
		      "tsod", x->set->tsod,
		      "nodes", nodes,
		      "open_txns", (json_int_t)ts.open_txns,
		      "committing", (json_int_t)ts.committing,
		      "commits", (json_int_t)(ts.commits_1pc + ts.commits_2pc +
					      ts.commits_readonly),
		      "commits_1pc", (json_int_t)ts.commits_1pc,
		      "commits_2pc", (json_int_t)ts.commits_2pc,
		      "commits_readonly", (json_int_t)ts.commits_readonly,
		      "aborts", (json_int_t)ts.aborts,
		      "retries", (json_int_t)ts.retries,
		      "unknown_outcomes", (json_int_t)ts.unknown,
		      "pushes", (json_int_t)ts.pushes,
		      "resolve_pending", (json_int_t)ts.resolve_pending,
		      "resolutions_rode", (json_int_t)ts.resolve_rode,
		      "tso",
		      "requests", (json_int_t)requests,
		      "rounds", (json_int_t)rounds,
		      "router",
		      "calls", (json_int_t)rs.calls,
		      "requests", (json_int_t)rs.requests,
		      "locates", (json_int_t)rs.locates,
		      "redirects", (json_int_t)rs.redirects,
		      "moved", (json_int_t)rs.moved,
		      "retries", (json_int_t)rs.retries,
		      "cached_ranges", (json_int_t)rs.cached_ranges,
		      "settings",
		      "txn_timeout_ms", (json_int_t)x->set->txn_timeout_ms,
		      "heartbeat_ms", (json_int_t)x->set->heartbeat_ms,
		      "idle_timeout_ms", (json_int_t)x->set->idle_timeout_ms,
		      "max_retries", (json_int_t)x->set->max_retries);
	if (j == NULL) {
		http_resp_error(resp, RC_NOMEM, "out of memory");
		return;
	}
	http_resp_json(resp, 200, j);
}

/* Add what a module counter grew by since the last render. */
static void metrics_catch_up(struct metrics_counter *c, uint64_t now,
			     uint64_t *seen)
{
	if (now > *seen) {
		metrics_counter_add(c, now - *seen);
		*seen = now;
	}
}

static void handle_metrics(const struct http_req *req, struct http_resp *resp,
			   void *arg)
{
	struct txcoord *x = arg;
	struct router_stats rs;
	struct txn_stats ts;
	uint64_t requests = 0, rounds = 0;
	char *text = NULL;
	size_t len = 0;
	struct err e;

	tso_stats(x->tso, &requests, &rounds);
	router_get_stats(x->router, &rs);
	txn_engine_stats(x->eng, &ts);
	pthread_mutex_lock(&x->render_mu);
	metrics_catch_up(x->tso_rounds, rounds, &x->seen[0]);
	metrics_catch_up(x->tso_requests, requests, &x->seen[1]);
	metrics_catch_up(x->rt_requests, rs.requests, &x->seen[2]);
	metrics_catch_up(x->rt_locates, rs.locates, &x->seen[3]);
	metrics_catch_up(x->rt_redirects, rs.redirects, &x->seen[4]);
	metrics_catch_up(x->rt_moved, rs.moved, &x->seen[5]);
	metrics_catch_up(x->rt_retries, rs.retries, &x->seen[6]);
	metrics_catch_up(x->rode, ts.resolve_rode, &x->seen[7]);
	pthread_mutex_unlock(&x->render_mu);
	metrics_gauge_set(x->rt_cached, (double)rs.cached_ranges);
	metrics_gauge_set(x->uptime,
			  (double)(util_mono_ms() - x->started_ms) / 1000.0);
	if (metrics_render(x->reg, &text, &len, &e) != RC_OK) {
		http_resp_err(resp, &e);
		return;
	}
	resp->status = 200;
	resp->body = text;
	resp->body_len = len;
	resp->content_type = METRICS_CONTENT_TYPE;
}

/* The series this file keeps (the engine registers its own). */
static int register_metrics(struct txcoord *x, struct err *e)
{
	int rc;

#define C(var, name, help) \
	if ((rc = metrics_counter(x->reg, name, help, NULL, NULL, &x->var, \
				  e)) != RC_OK) \
		return rc
	C(tso_rounds, "txcoord_tso_rounds_total",
	  "Round trips to tsod (each serves a batch of callers).");
	C(tso_requests, "txcoord_tso_timestamps_total",
	  "Timestamps taken from tsod.");
	C(rt_requests, "txcoord_router_requests_total",
	  "Requests sent to range leaders.");
	C(rt_locates, "txcoord_router_locates_total",
	  "Range lookups in meta (cache misses).");
	C(rt_redirects, "txcoord_router_redirects_total",
	  "Redirects to a range's leader followed.");
	C(rt_moved, "txcoord_router_range_moved_total",
	  "Answers saying a range moved (421).");
	C(rt_retries, "txcoord_router_retries_total",
	  "Requests retried because no leader answered.");
	C(rode, "txcoord_resolutions_rode_total",
	  "Committed transactions whose intents in another range were "
	  "resolved riding on a later command to that range.");
#undef C
	if ((rc = metrics_gauge(x->reg, "txcoord_router_cached_ranges",
				"Range descriptors in the cache.", NULL, NULL,
				&x->rt_cached, e)) != RC_OK)
		return rc;
	return metrics_gauge(x->reg, "txcoord_uptime_seconds",
			     "Seconds since txcoord started.", NULL, NULL,
			     &x->uptime, e);
}

/* "HOST:PORT" actually served (the port picked when 0 was asked). */
static void served_addr(const char *listen, unsigned port, char *out,
			size_t cap)
{
	const char *colon = strrchr(listen, ':');
	int hostlen = colon ? (int)(colon - listen) : (int)strlen(listen);

	snprintf(out, cap, "%.*s:%u", hostlen, listen, port);
}

static int run(struct txcoord_opts *o, const struct txcoord_settings *s,
	       struct err *e)
{
	struct txcoord x;
	struct txn_engine_opts eo;
	struct http_server_opts ho;
	const char *nodes[TXCOORD_MAX_NODES];
	int rc, sig;

	memset(&x, 0, sizeof(x));
	pthread_mutex_init(&x.render_mu, NULL);
	x.set = s;
	x.started_ms = util_mono_ms();
	for (size_t i = 0; i < s->n_nodes; i++)
		nodes[i] = s->nodes[i];

	if ((rc = daemon_signals_init(e)) != RC_OK)
		goto out;
	if ((rc = metrics_new(&x.reg, e)) != RC_OK ||
	    (rc = register_metrics(&x, e)) != RC_OK)
		goto out;
	if ((rc = tso_new(&x.tso, s->tsod, e)) != RC_OK)
		goto out;
	if ((rc = router_new(&x.router, nodes, s->n_nodes, e)) != RC_OK)
		goto out;

	memset(&eo, 0, sizeof(eo));
	eo.tso = x.tso;
	eo.router = x.router;
	eo.reg = x.reg;
	eo.txn_timeout_ms = (unsigned)s->txn_timeout_ms;
	eo.heartbeat_ms = (unsigned)s->heartbeat_ms;
	eo.idle_timeout_ms = (unsigned)s->idle_timeout_ms;
	eo.max_retries = (unsigned)s->max_retries;
	if ((rc = txn_engine_new(&x.eng, &eo, e)) != RC_OK)
		goto out;

	if ((rc = http_server_new(&x.http, e)) != RC_OK)
		goto out;
	if ((rc = http_server_route(x.http, "GET", "/status", 0, 0,
				    handle_status, &x, e)) != RC_OK ||
	    (rc = http_server_route(x.http, "GET", "/metrics", 0, 0,
				    handle_metrics, &x, e)) != RC_OK)
		goto out;
	/*
	 * ---- HOOK: the transaction API (api.c) ----
	 * Every /txn route is registered here, on the same server, before
	 * it starts; the engine outlives the server (freed after it).
	 */
	/* txcoord keeps no disk, and its peers are not node ids: only
	   slow-net (router.c) applies to it */
	faultapi_set_kinds("txcoord", 1u << FAULT_SLOW_NET);
	if ((rc = txapi_register(x.http, x.eng, e)) != RC_OK ||
	    (rc = faultapi_register(x.http, cfg_get(o->cfg, "cluster",
						    "secret"), e)) != RC_OK)
		goto out;
	/* ---- the SQL gateway (sqlapi.c): POST /sql and sessions ---- */
	if ((rc = sqlengine_new(&x.sql, x.eng, x.router, e)) != RC_OK ||
	    (rc = sqlapi_register(x.http, x.sql, 0, &x.sqlapi, e)) != RC_OK)
		goto out;

	memset(&ho, 0, sizeof(ho));
	ho.listen = s->listen;
	ho.threads = (unsigned)s->threads;
	/* handlers wait on range leaders (pushes up to seconds): by default
	   each connection gets its own thread, so none stalls another */
	ho.thread_per_conn = s->threads == 0;
	if ((rc = http_server_start(x.http, &ho, e)) != RC_OK)
		goto out;
	served_addr(s->listen, http_server_port(x.http), x.addr,
		    sizeof(x.addr));
	log_info("msg=\"serving\" addr=%s tsod=%s nodes=%zu txn_timeout_ms=%"
		 PRId64 " heartbeat_ms=%" PRId64, x.addr, s->tsod, s->n_nodes,
		 s->txn_timeout_ms, s->heartbeat_ms);
	if ((rc = daemon_ready(o->ready_fd, x.addr, e)) != RC_OK)
		goto out;
	sig = daemon_wait_signal();
	log_info("msg=\"shutting down\" signal=%d", sig);
out:
	/* requests first, then what they use */
	http_server_free(x.http);
	sqlapi_free(x.sqlapi);		/* rolls back open SQL sessions */
	sqlengine_free(x.sql);
	txn_engine_free(x.eng);
	router_free(x.router);
	tso_free(x.tso);
	metrics_free(x.reg);
	pthread_mutex_destroy(&x.render_mu);
	return rc;
}

int main(int argc, char **argv)
{
	struct txcoord_opts o;
	const char *flag_vals[K__COUNT] = { NULL };
	struct txcoord_settings settings;
	struct err e;
	int rc;

	memset(&o, 0, sizeof(o));
	o.ready_fd = -1;
	memset(&settings, 0, sizeof(settings));
	log_open(PROG, LOG_LEVEL_INFO);
	rc = parse_args(&o, argc, argv, flag_vals);
	if (rc != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	if (load_config(&o, flag_vals, &e) != RC_OK ||
	    read_settings(o.cfg, &settings, &e) != RC_OK) {
		fprintf(stderr, "txcoord: %s\n", e.msg);
		settings_release(&settings);
		cfg_free(o.cfg);
		return EXIT_USAGE;
	}
	rc = run(&o, &settings, &e);
	settings_release(&settings);
	cfg_free(o.cfg);
	if (rc != RC_OK) {
		fprintf(stderr, "txcoord: %s\n", e.msg);
		return rc_exit_status(rc);
	}
	return EXIT_OK;
}
