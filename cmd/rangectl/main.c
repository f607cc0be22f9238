/*
 * main.c -- rangectl, the admin CLI of a rangedb cluster: the command line
 * only.  Cluster access is client.c, the commands cmds.c, the spelling of
 * keys and addresses format.c, the plan of `rebalance` rebalance.c.
 *
 * Exit status: 0 ok, 1 failed (the cluster said no), 2 usage (a bad flag,
 * argument or config file), 3 temporary (no node answers, a timeout, no
 * leader: retry).  Every error is one line on stderr, "rangectl: ...".
 * Tested by t/511-rangectl-cli.bats and the rangectl cluster tests.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cli.h"
#include "client.h"
#include "cmds.h"
#include "err.h"
#include "format.h"
#include "log.h"
#include "util.h"

#define PROG "rangectl"

#define RANGECTL_MAX_TIMEOUT_MS	(3600 * 1000)	/* --timeout at most 1h */

static const char usage_text[] =
"Usage: rangectl [OPTIONS] COMMAND [ARGS]\n"
"Look at and change the ranges of a rangedb cluster.\n"
"\n"
"Commands:\n"
"  list                    every range: id, keys, leader, replicas, size\n"
"                          and load\n"
"  locate KEY              the range holding KEY\n"
"  nodes                   every node: address, up or down, replicas,\n"
"                          leaders and clock offset\n"
"  split RANGE [KEY]       split range RANGE at KEY (default: near the\n"
"                          median by size, as the leader picks it)\n"
"  transfer-leader RANGE NODE\n"
"                          make node NODE the leader of range RANGE\n"
"  move RANGE --from NODE --to NODE\n"
"                          move range RANGE's replica on node --from to\n"
"                          node --to (waits for it to catch up)\n"
"  merge RANGE             merge range RANGE with its right neighbour\n"
"  add-node ID ADDR        register node ID at ADDR (HOST:PORT)\n"
"  rebalance [--dry-run]   even out replicas, then leaders, over the nodes\n"
"                          that are up; --dry-run prints the plan only\n"
"\n"
"Keys are written as list prints them: printable ASCII as is, '\\\\' for\n"
"a backslash, '\\xHH' for any other byte; '+inf' is the end of the\n"
"keyspace.\n"
"\n"
"Options:\n"
"  -c, --config FILE       cluster config file: its [node.N] sections name\n"
"                          the nodes to ask (default: $RANGEDB_CONFIG)\n"
"  -n, --node ADDR         ask the node at ADDR (HOST:PORT) instead;\n"
"                          repeat for more, tried in order\n"
"      --json              print JSON instead of tab-separated text\n"
"  -t, --timeout DUR       time limit of each request, e.g. 500ms or 10s\n"
"                          (default 5s)\n"
"  -h, --help              show this help and exit\n"
"  -V, --version           show the version and exit\n"
"\n"
"Exit status: 0 ok, 1 failed, 2 usage, 3 temporary.  See rangectl(1).\n";

/* Sections of the shared config file: rangectl reads only [node.N]. */
static const struct cfg_schema rangectl_schema[] = {
	{ "node.", NULL },
	{ "cluster", NULL },
	{ "raftd", NULL },
	{ "tsod", NULL },
	{ "txcoord", NULL },
	{ "sqlsh", NULL },
	{ NULL, NULL }
};

struct rangectl_opts {
	const char *config;
	const char **nodes;		/* --node values, in order */
	size_t n_nodes;
	int json;
	long timeout_ms;
	struct cmds_opts cmd;		/* --from, --to, --dry-run */
};

/*
 * A duration: terms "<n>ms", "<n>s", "<n>m" or "<n>h", chained ("1m30s"),
 * as in the config file.  0 ok, -1 not a duration, -2 out of range.
 */
static int parse_duration_ms(const char *s, long max_ms, long *out)
{
	uint64_t total = 0;

	if (*s == '\0')
		return -1;
	while (*s != '\0') {
		uint64_t n = 0, mul;

		if (*s < '0' || *s > '9')
			return -1;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (n > (UINT64_MAX - 9) / 10)
				return -2;
			n = n * 10 + (uint64_t)(*s - '0');
		}
		if (s[0] == 'm' && s[1] == 's') {
			mul = 1;
			s += 2;
		} else if (*s == 's' || *s == 'm' || *s == 'h') {
			mul = *s == 's' ? 1000 : *s == 'm' ? 60000 : 3600000;
			s++;
		} else {
			return -1;
		}
		if (n > (uint64_t)max_ms / mul ||
		    total + n * mul > (uint64_t)max_ms)
			return -2;
		total += n * mul;
	}
	*out = (long)total;
	return 0;
}

/* Parse argv into o; -1 = exit 0 (help/version), else an exit status. */
static int parse_args(struct rangectl_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "node", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 1 },
		{ "timeout", required_argument, NULL, 't' },
		{ "from", required_argument, NULL, 2 },
		{ "to", required_argument, NULL, 3 },
		{ "dry-run", no_argument, NULL, 4 },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:n:t:hV", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'n':
			if (!format_addr_valid(optarg)) {
				cli_usage_error(PROG, "--node needs HOST:PORT "
						"such as 127.0.0.1:7101, got "
						"'%s'", optarg);
				return EXIT_USAGE;
			}
			o->nodes[o->n_nodes++] = optarg;
			break;
		case 1: o->json = 1; break;
		/* the command's own: cmds_parse() checks them */
		case 2: o->cmd.from = optarg; break;
		case 3: o->cmd.to = optarg; break;
		case 4: o->cmd.dry_run = 1; break;
		case 't':
			r = parse_duration_ms(optarg, RANGECTL_MAX_TIMEOUT_MS,
					      &o->timeout_ms);
			if (r != 0 || o->timeout_ms == 0) {
				cli_usage_error(PROG, "--timeout must be a "
						"duration from 1ms to 1h such "
						"as 500ms or 10s, got '%s'",
						optarg);
				return EXIT_USAGE;
			}
			break;
		default:
			/* --help, --version, usage errors: shared (cli.h) */
			c = cli_common_option(c, PROG, usage_text,
					      PACKAGE_VERSION, argv);
			return c == CLI_EXIT_OK ? -1 : EXIT_USAGE;
		}
	}
	if (o->config != NULL && o->n_nodes > 0) {
		cli_usage_error(PROG, "give --config or --node, not both");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/*
 * The [node.N] addresses of the config file at path, in file order, in
 * a malloc'd array of malloc'd strings.
 */
static int config_nodes(const char *path, char ***out, size_t *n,
			struct err *e)
{
	struct cfg *cfg = NULL;
	char **addrs = NULL;
	size_t count, i;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = cfg_load(path, &cfg, e)) != RC_OK)
		return rc;
	if ((rc = cfg_check(cfg, rangectl_schema, e)) != RC_OK)
		goto out;
	count = cfg_section_count_prefix(cfg, "node.");
	if (count == 0) {
		rc = err_set(e, RC_BAD_INPUT, "'%s' has no [node.N] sections "
			     "naming the cluster's nodes", path);
		goto out;
	}
	addrs = calloc(count, sizeof(*addrs));
	if (addrs == NULL) {
		rc = err_set(e, RC_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < count; i++) {
		const char *sec = cfg_section_name_prefix(cfg, "node.", i);
		const char *addr = cfg_get(cfg, sec, "address");
		char what[64];
		uint64_t id;

		snprintf(what, sizeof(what), "node id in [%s]", sec);
		if ((rc = util_parse_u64(sec + 5, 1, INT64_MAX, &id, what,
					 e)) != RC_OK) {
			err_prefix(e, "%s", path);
			goto out;
		}
		if (addr == NULL || !format_addr_valid(addr)) {
			rc = err_set(e, RC_BAD_INPUT, "%s: [%s] needs "
				     "'address = HOST:PORT'", path, sec);
			goto out;
		}
		if ((addrs[i] = strdup(addr)) == NULL) {
			rc = err_set(e, RC_NOMEM, "out of memory");
			goto out;
		}
	}
	*out = addrs;
	*n = count;
	addrs = NULL;
out:
	if (addrs != NULL)
		for (i = 0; i < count; i++)
			free(addrs[i]);
	free(addrs);
	cfg_free(cfg);
	return rc;
}

/* The client for the nodes of --node or the config file. */
static int open_client(const struct rangectl_opts *o, struct client **c,
		       int *status, struct err *e)
{
	const char *path;
	char **addrs = NULL;
	size_t n = 0;
	int rc;

	*status = EXIT_OK;
	if (o->n_nodes > 0)
		return client_new(c, o->nodes, o->n_nodes, o->timeout_ms, e);
	path = cfg_default_path(o->config);
	if (path == NULL) {
		cli_usage_error(PROG, "no cluster given: give --node ADDR or "
				"--config FILE, or set %s", CFG_ENV);
		*status = EXIT_USAGE;
		return RC_BAD_INPUT;
	}
	if ((rc = config_nodes(path, &addrs, &n, e)) != RC_OK) {
		/* a config file that cannot be used is a usage error */
		*status = rc == RC_NOMEM ? EXIT_FAIL : EXIT_USAGE;
		fprintf(stderr, "%s: %s\n", PROG, e->msg);
		return rc;
	}
	rc = client_new(c, (const char *const *)addrs, n, o->timeout_ms, e);
	for (size_t i = 0; i < n; i++)
		free(addrs[i]);
	free(addrs);
	return rc;
}

int main(int argc, char **argv)
{
	struct rangectl_opts o = { .timeout_ms = CLIENT_TIMEOUT_MS };
	struct cmds_call call;
	struct client *c = NULL;
	struct err e;
	int rc, status;

	log_open(PROG, LOG_LEVEL_WARN);
	o.nodes = calloc((size_t)argc + 1, sizeof(*o.nodes));
	if (o.nodes == NULL) {
		fprintf(stderr, "%s: out of memory\n", PROG);
		return EXIT_FAIL;
	}
	rc = parse_args(&o, argc, argv);
	if (rc != EXIT_OK) {
		free(o.nodes);
		return rc < 0 ? EXIT_OK : rc;
	}
	status = cmds_parse(PROG, argc - optind, argv + optind, &o.cmd,
			    &call);
	if (status != EXIT_OK)
		goto out;
	if ((rc = open_client(&o, &c, &status, &e)) != RC_OK) {
		if (status == EXIT_OK) {
			fprintf(stderr, "%s: %s\n", PROG, e.msg);
			status = rc_exit_status(rc);
		}
		goto out;
	}
	rc = cmds_run(&call, c, o.json, stdout, &status, &e);
	if ((fflush(stdout) != 0 || ferror(stdout)) && rc == RC_OK) {
		rc = err_set(&e, RC_IO, "cannot write the output: %s",
			     strerror(errno));
		status = rc_exit_status(rc);
	}
	if (rc != RC_OK)
		fprintf(stderr, "%s: %s\n", PROG, e.msg);
out:
	client_free(c);
	cmds_call_release(&call);
	free(o.nodes);
	return status;
}
