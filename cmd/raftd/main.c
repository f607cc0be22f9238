/*
 * main.c -- raftd, a rangedb storage node: options, start-up, shutdown.
 *
 * The node engine (Raft loop, storage, apply) is node.c, the HTTP
 * interface api.c, the outbound Raft messages transport.c; this file reads
 * the configuration (file, then command-line flags laid over it with
 * cfg_set), locks the data dir and runs the rest until SIGTERM.  Tested by
 * t/100-raftd.bats.
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "cfg.h"
#include "cli.h"
#include "daemon.h"
#include "err.h"
#include "log.h"
#include "metrics.h"
#include "node.h"
#include "shard.h"
#include "util.h"

#define PROG "raftd"

static const char usage_text[] =
"Usage: raftd --id N [OPTIONS]\n"
"Run storage node N of a rangedb cluster: replicate its ranges with Raft\n"
"and serve a key/value API over HTTP.\n"
"\n"
"  -i, --id N                 this node's id: the N of a [node.N] section\n"
"                             of the config file (required)\n"
"  -c, --config FILE          cluster config file (default:\n"
"                             $RANGEDB_CONFIG; one of them is required)\n"
"  -l, --listen ADDR          address to serve on (default: 'address' of\n"
"                             [node.N])\n"
"  -d, --data DIR             data directory, created if missing\n"
"                             (default: 'data' of [node.N])\n"
"  -j, --join ADDR            join the running cluster that node ADDR\n"
"                             belongs to: register there and wait for\n"
"                             replicas (never founds ranges itself)\n"
"      --heartbeat DUR        Raft tick and heartbeat interval (default\n"
"                             100ms)\n"
"      --election-timeout DUR election timeout, at least 2 heartbeats\n"
"                             (default 1s)\n"
"      --snapshot-entries N   compact a range's log into a snapshot after\n"
"                             N applied entries (default 10000)\n"
"      --split-bytes SIZE     split a range once its live data passes SIZE\n"
"                             (default 64MiB)\n"
"      --split-qps N          split a range that serves N requests/s or\n"
"                             more ... (default 10000)\n"
"      --split-qps-duration DUR\n"
"                             ... for this long (default 60s)\n"
"      --auto-split BOOL      split ranges automatically (default true)\n"
"      --dead-node-timeout DUR\n"
"                             re-create elsewhere the replicas of a node\n"
"                             down this long (default 5m)\n"
"      --gc-ttl DUR           MVCC history kept for transactions reading\n"
"                             in the past (default 60s; older ones retry)\n"
"      --log-level LEVEL      debug, info, warn or error (default info)\n"
"      --ready-fd FD          once serving, write \"ready ADDR\" to FD and\n"
"                             close it\n"
"  -h, --help                 show this help and exit\n"
"  -V, --version              show the version and exit\n"
"\n"
"Endpoints: PUT/GET/DELETE /kv/KEY, GET /kv?start=&end=&limit=,\n"
"POST /kv/batch, GET /meta/ranges, GET /meta/locate?key=, POST\n"
"/admin/split, POST /admin/transfer-leader, POST /raft, GET /status,\n"
"GET /metrics.  See raftd(8).\n";

/* Keys of [raftd]; the flags of the same name override them. */
static const char *const raftd_keys[] = {
	"heartbeat", "election_timeout", "snapshot_entries", "log_level",
	"split_bytes", "split_qps", "split_qps_duration", "auto_split",
	"dead_node_timeout", "gc_ttl", "lease_reads", NULL
};

/* Keys of [node.N]: its address and data dir (and an optional listen). */
static const char *const node_keys[] = {
	"address", "data", "listen", NULL
};

/* What raftd accepts in a config file shared with the other programs. */
static const struct cfg_schema raftd_schema[] = {
	{ "raftd", raftd_keys },
	{ "node.", node_keys },
	{ "cluster", NULL },
	{ "tsod", NULL },
	{ "txcoord", NULL },
	{ "sqlsh", NULL },
	{ NULL, NULL }
};

/* Flags that become config values: index into flag_vals. */
enum {
	F_HEARTBEAT, F_ELECTION, F_SNAPSHOT, F_LOG_LEVEL,
	F_SPLIT_BYTES, F_SPLIT_QPS, F_SPLIT_QPS_DUR, F_AUTO_SPLIT, F_DEAD,
	F_GC_TTL, F_LISTEN, F_DATA, F__COUNT
};

struct raftd_opts {
	const char *config;
	const char *config_path;	/* the file actually read */
	uint64_t id;
	const char *join;
	int ready_fd;
	struct cfg *cfg;
	const char *flag_vals[F__COUNT];
};

struct raftd_settings {
	char section[32];		/* "node.N" */
	const char *listen;
	const char *address;
	const char *data;
	int64_t heartbeat_ms;
	int64_t election_ms;
	int64_t snapshot_entries;
	uint64_t split_bytes;
	int64_t split_qps;
	int64_t split_qps_ms;
	int auto_split;
	int lease_reads;		/* [raftd] lease_reads */
	int64_t dead_ms;
	int64_t gc_ttl_ms;
	const char *secret;		/* [cluster] secret */
	int64_t max_offset_ms;		/* [cluster] max_clock_offset */
	struct node_member members[NODE_MAX_PEERS];
	size_t n_members;
};

/* Parse argv into o; returns -1 to exit 0 (help/version), or an exit code. */
static int parse_args(struct raftd_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "id", required_argument, NULL, 'i' },
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "data", required_argument, NULL, 'd' },
		{ "join", required_argument, NULL, 'j' },
		{ "heartbeat", required_argument, NULL, 1 },
		{ "election-timeout", required_argument, NULL, 2 },
		{ "snapshot-entries", required_argument, NULL, 3 },
		{ "log-level", required_argument, NULL, 5 },
		{ "split-bytes", required_argument, NULL, 7 },
		{ "split-qps", required_argument, NULL, 8 },
		{ "split-qps-duration", required_argument, NULL, 9 },
		{ "auto-split", required_argument, NULL, 10 },
		{ "dead-node-timeout", required_argument, NULL, 11 },
		{ "gc-ttl", required_argument, NULL, 12 },
		{ "ready-fd", required_argument, NULL, 6 },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct err e;
	int c, have_id = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:c:l:d:j:hV", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'i':
			if (util_parse_u64(optarg, 1, INT64_MAX, &o->id, "--id",
					   &e) != RC_OK) {
				cli_usage_error(PROG, "%s", e.msg);
				return EXIT_USAGE;
			}
			have_id = 1;
			break;
		case 'c': o->config = optarg; break;
		case 'l': o->flag_vals[F_LISTEN] = optarg; break;
		case 'd': o->flag_vals[F_DATA] = optarg; break;
		case 'j':
			if (strchr(optarg, ':') == NULL) {
				cli_usage_error(PROG, "--join takes HOST:PORT "
						"of a running node, got '%s'",
						optarg);
				return EXIT_USAGE;
			}
			o->join = optarg;
			break;
		case 1: o->flag_vals[F_HEARTBEAT] = optarg; break;
		case 2: o->flag_vals[F_ELECTION] = optarg; break;
		case 3: o->flag_vals[F_SNAPSHOT] = optarg; break;
		case 5: o->flag_vals[F_LOG_LEVEL] = optarg; break;
		case 7: o->flag_vals[F_SPLIT_BYTES] = optarg; break;
		case 8: o->flag_vals[F_SPLIT_QPS] = optarg; break;
		case 9: o->flag_vals[F_SPLIT_QPS_DUR] = optarg; break;
		case 10: o->flag_vals[F_AUTO_SPLIT] = optarg; break;
		case 11: o->flag_vals[F_DEAD] = optarg; break;
		case 12: o->flag_vals[F_GC_TTL] = optarg; break;
		case 6:
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
	if (!have_id) {
		cli_usage_error(PROG, "missing --id N (the node's [node.N] section)");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* Load the config file and lay the flags over it. */
static int load_config(struct raftd_opts *o, struct raftd_settings *s,
		       struct err *e)
{
	static const char *const names[F__COUNT] = {
		"heartbeat", "election_timeout", "snapshot_entries",
		"log_level", "split_bytes", "split_qps", "split_qps_duration",
		"auto_split", "dead_node_timeout", "gc_ttl", "listen", "data"
	};
	int rc;

	o->config_path = cfg_default_path(o->config);
	if (o->config_path == NULL)
		return err_set(e, RC_BAD_INPUT, "no config file: give --config "
			       "FILE or set %s (it names the cluster's "
			       "nodes)", CFG_ENV);
	if ((rc = cfg_load(o->config_path, &o->cfg, e)) != RC_OK)
		return rc;
	snprintf(s->section, sizeof(s->section), "node.%" PRIu64, o->id);
	if (cfg_key_count(o->cfg, s->section) == 0)
		return err_set(e, RC_BAD_INPUT, "node %" PRIu64 " is not in "
			       "[node.N] sections of %s", o->id,
			       o->config_path);
	for (int i = 0; i < F__COUNT; i++) {
		if (o->flag_vals[i] == NULL)
			continue;
		rc = cfg_set(o->cfg, i >= F_LISTEN ? s->section : "raftd",
			     names[i], o->flag_vals[i], e);
		if (rc != RC_OK)
			return rc;
	}
	return cfg_check(o->cfg, raftd_schema, e);
}

/* The cluster's members from the [node.N] sections. */
static int read_members(struct raftd_opts *o, struct raftd_settings *s,
			struct err *e)
{
	size_t count = cfg_section_count_prefix(o->cfg, "node.");

	if (count > NODE_MAX_PEERS)
		return err_set(e, RC_BAD_INPUT, "%s: %zu [node.N] sections; at "
			       "most %d nodes", o->config_path, count,
			       NODE_MAX_PEERS);
	for (size_t i = 0; i < count; i++) {
		const char *sec = cfg_section_name_prefix(o->cfg, "node.", i);
		const char *addr = cfg_get(o->cfg, sec, "address");
		uint64_t id;
		char what[64];

		snprintf(what, sizeof(what), "node id in [%s]", sec);
		if (util_parse_u64(sec + 5, 1, INT64_MAX, &id, what, e) !=
		    RC_OK)
			return err_prefix(e, "%s", o->config_path);
		if (addr == NULL || addr[0] == '\0' ||
		    strchr(addr, ':') == NULL)
			return err_set(e, RC_BAD_INPUT, "%s: [%s] needs "
				       "'address = HOST:PORT'",
				       o->config_path, sec);
		for (size_t k = 0; k < s->n_members; k++)
			if (s->members[k].id == id)
				return err_set(e, RC_BAD_INPUT, "%s: node %"
					       PRIu64 " appears twice",
					       o->config_path, id);
		s->members[s->n_members].id = id;
		s->members[s->n_members].addr = addr;
		s->n_members++;
	}
	return RC_OK;
}

/* Read and check every setting; any problem here is a usage error. */
static int read_settings(struct raftd_opts *o, struct raftd_settings *s,
			 struct err *e)
{
	struct cfg *cfg = o->cfg;
	const char *level_name;
	int rc, level;

	if ((rc = read_members(o, s, e)) != RC_OK)
		return rc;
	s->address = cfg_get(cfg, s->section, "address");
	s->listen = cfg_get(cfg, s->section, "listen");
	if (s->listen == NULL)
		s->listen = s->address;
	s->data = cfg_get(cfg, s->section, "data");
	if (s->data == NULL || s->data[0] == '\0')
		return err_set(e, RC_BAD_INPUT, "no data directory: give "
			       "--data DIR or set 'data' in [%s] of %s",
			       s->section, o->config_path);
	level_name = cfg_get(cfg, "raftd", "log_level");
	if (level_name != NULL) {
		level = log_level_parse(level_name);
		if (level < 0 || level == LOG_LEVEL_OFF)
			return err_set(e, RC_BAD_INPUT, "log level must be "
				       "debug, info, warn or error, got '%s'",
				       level_name);
		log_set_level((enum log_level)level);
	}
	s->heartbeat_ms = 100;
	rc = cfg_get_duration_ms(cfg, "raftd", "heartbeat", 1, 60000,
				 &s->heartbeat_ms, e);
	if (rc != RC_OK && rc != RC_NOT_FOUND)
		return rc;
	s->election_ms = 1000;
	rc = cfg_get_duration_ms(cfg, "raftd", "election_timeout", 2, 600000,
				 &s->election_ms, e);
	if (rc != RC_OK && rc != RC_NOT_FOUND)
		return rc;
	if (s->election_ms < 2 * s->heartbeat_ms)
		return err_set(e, RC_BAD_INPUT, "election timeout (%" PRId64
			       " ms) must be at least 2 heartbeats (%" PRId64
			       " ms each)", s->election_ms, s->heartbeat_ms);
	s->lease_reads = 1;
	rc = cfg_get_bool(cfg, "raftd", "lease_reads", &s->lease_reads, e);
	if (rc != RC_OK && rc != RC_NOT_FOUND)
		return rc;
	s->snapshot_entries = 10000;
	rc = cfg_get_int(cfg, "raftd", "snapshot_entries", 1, INT64_MAX,
			 &s->snapshot_entries, e);
	if (rc != RC_OK && rc != RC_NOT_FOUND)
		return rc;
	s->split_bytes = (uint64_t)64 << 20;
	rc = cfg_get_size(cfg, "raftd", "split_bytes", 1, UINT64_C(1) << 40,
			  &s->split_bytes, e);
	if (rc != RC_OK && rc != RC_NOT_FOUND)
		return rc;
	s->split_qps = 10000;
	rc = cfg_get_int(cfg, "raftd", "split_qps", 1, INT32_MAX,
			 &s->split_qps, e);
	if (rc != RC_OK && rc != RC_NOT_FOUND)
		return rc;
	s->split_qps_ms = 60000;
	rc = cfg_get_duration_ms(cfg, "raftd", "split_qps_duration", 1,
				 INT32_MAX, &s->split_qps_ms, e);
	if (rc != RC_OK && rc != RC_NOT_FOUND)
		return rc;
	s->dead_ms = 300000;
	rc = cfg_get_duration_ms(cfg, "raftd", "dead_node_timeout", 1,
				 INT32_MAX, &s->dead_ms, e);
	if (rc != RC_OK && rc != RC_NOT_FOUND)
		return rc;
	s->gc_ttl_ms = NODE_GC_TTL_MS;
	rc = cfg_get_duration_ms(cfg, "raftd", "gc_ttl", 10000, INT32_MAX,
				 &s->gc_ttl_ms, e);
	if (rc != RC_OK && rc != RC_NOT_FOUND)
		return rc;
	s->auto_split = 1;
	rc = cfg_get_bool(cfg, "raftd", "auto_split", &s->auto_split, e);
	if (rc != RC_OK && rc != RC_NOT_FOUND)
		return rc;
	s->max_offset_ms = RAFTD_MAX_CLOCK_OFFSET_MS;
	rc = cfg_get_duration_ms(cfg, "cluster", "max_clock_offset", 1,
				 3600000, &s->max_offset_ms, e);
	if (rc != RC_OK && rc != RC_NOT_FOUND)
		return rc;
	s->secret = cfg_get(cfg, "cluster", "secret");
	return RC_OK;
}

static int run(struct raftd_opts *o, const struct raftd_settings *s,
	       struct err *e)
{
	struct node_opts no;
	struct raftd_api_opts ao;
	struct metrics *reg = NULL;
	struct node *node = NULL;
	struct raftd_api *api = NULL;
	struct shard_opts so;
	struct shard *shard = NULL;
	char addr[300];
	int lock_fd = -1, rc, sig;

	if ((rc = daemon_signals_init(e)) != RC_OK)
		return rc;
	if ((rc = util_mkdir(s->data, e)) != RC_OK)
		return rc;
	if ((rc = util_lock_dir(s->data, PROG, &lock_fd, e)) != RC_OK)
		return rc;
	if ((rc = metrics_new(&reg, e)) != RC_OK)
		goto out;
	memset(&no, 0, sizeof(no));
	no.id = o->id;
	no.data_dir = s->data;
	no.members = s->members;
	no.n_members = s->n_members;
	no.heartbeat_ms = (unsigned)s->heartbeat_ms;
	no.election_ticks = (unsigned)(s->election_ms / s->heartbeat_ms);
	no.snapshot_entries = (uint64_t)s->snapshot_entries;
	no.split_qps = (double)s->split_qps;
	no.no_bootstrap = o->join != NULL;
	no.no_lease_reads = !s->lease_reads;
	no.gc_ttl_ms = (uint64_t)s->gc_ttl_ms;
	no.reg = reg;
	if ((rc = node_open(&node, &no, e)) != RC_OK)
		goto out;
	memset(&ao, 0, sizeof(ao));
	ao.listen = s->listen;
	ao.address = s->address;
	ao.version = PACKAGE_VERSION;
	ao.reg = reg;
	ao.secret = s->secret;
	ao.max_offset_ms = (uint64_t)s->max_offset_ms;
	if ((rc = raftd_api_start(&api, node, &ao, e)) != RC_OK)
		goto out;
	{
		const char *colon = strrchr(s->listen, ':');
		int hostlen = colon ? (int)(colon - s->listen) :
			(int)strlen(s->listen);

		snprintf(addr, sizeof(addr), "%.*s:%u", hostlen, s->listen,
			 raftd_api_port(api));
	}
	memset(&so, 0, sizeof(so));
	so.auto_split = s->auto_split;
	so.split_bytes = s->split_bytes;
	so.split_qps = (double)s->split_qps;
	so.split_qps_ms = (uint64_t)s->split_qps_ms;
	so.dead_ms = (uint64_t)s->dead_ms;
	so.join = o->join;
	so.self_addr = s->address ? s->address : addr;
	if ((rc = shard_start(&shard, node, &so, e)) != RC_OK)
		goto out;
	log_info("msg=\"serving\" node=%" PRIu64 " addr=%s data=%s "
		 "heartbeat_ms=%" PRId64 " election_ms=%" PRId64, o->id, addr,
		 s->data, s->heartbeat_ms, s->election_ms);
	if ((rc = daemon_ready(o->ready_fd, addr, e)) != RC_OK)
		goto out;
	sig = daemon_wait_signal();
	if (node_failed(node)) {
		rc = err_set(e, RC_IO, "stopped after a storage failure (see "
			     "the log above)");
		goto out;
	}
	log_info("msg=\"shutting down\" signal=%d", sig);
out:
	shard_stop(shard);
	raftd_api_stop(api);
	node_close(node);
	metrics_free(reg);
	if (lock_fd >= 0)
		close(lock_fd);
	return rc;
}

int main(int argc, char **argv)
{
	struct raftd_opts o;
	struct raftd_settings settings;
	struct err e;
	int rc;

	memset(&o, 0, sizeof(o));
	memset(&settings, 0, sizeof(settings));
	o.ready_fd = -1;
	log_open(PROG, LOG_LEVEL_INFO);
	rc = parse_args(&o, argc, argv);
	if (rc != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	if (load_config(&o, &settings, &e) != RC_OK ||
	    read_settings(&o, &settings, &e) != RC_OK) {
		fprintf(stderr, "raftd: %s\n", e.msg);
		cfg_free(o.cfg);
		return EXIT_USAGE;
	}
	rc = run(&o, &settings, &e);
	cfg_free(o.cfg);
	if (rc != RC_OK) {
		fprintf(stderr, "raftd: %s\n", e.msg);
		return rc_exit_status(rc);
	}
	return EXIT_OK;
}
