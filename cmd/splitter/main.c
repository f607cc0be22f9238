/*
 * main.c -- splitter, a filter: reads `rangectl list` on stdin, prints the
 * ranges that are hot (qps >= --qps) or large (size_bytes >= --bytes), and
 * with --apply splits each of them with `rangectl split RANGE`.
 *
 * The whole input is read and checked (input.c) before anything is
 * printed or split, so a malformed line changes nothing.  Output, one line
 * per range to split, tab-separated: RANGE_ID SPLIT_KEY REASON, where
 * SPLIT_KEY is "-" (the range's leader picks the median) and REASON is
 * "hot qps=N", "large bytes=N" or "hot,large qps=N bytes=N".  Range 1 (the
 * meta range) never splits and is never printed.
 *
 * Exit status: 0 ok, 1 bad input or a split failed, 2 usage.  Tested by
 * t/510-splitter.bats.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "cli.h"
#include "err.h"
#include "input.h"
#include "log.h"
#include "util.h"

#define PROG "splitter"

#define SPLITTER_DEFAULT_QPS	10000
#define SPLITTER_DEFAULT_BYTES	(UINT64_C(64) << 20)

extern char **environ;

static const char usage_text[] =
"Usage: splitter --hot | --large [OPTIONS] < LIST\n"
"Read the output of 'rangectl list' (text or --json) on standard input and\n"
"print the ranges to split, one per line, tab-separated:\n"
"RANGE_ID SPLIT_KEY REASON (SPLIT_KEY '-': the leader picks the median).\n"
"\n"
"Options:\n"
"      --hot               ranges serving at least --qps requests/s\n"
"      --qps N             threshold of --hot (default 10000)\n"
"      --large             ranges holding at least --bytes of data\n"
"      --bytes N           threshold of --large, in bytes or with a unit\n"
"                          KiB, MiB, GiB or TiB (default 64MiB)\n"
"      --apply             split each range found with 'rangectl split'\n"
"      --rangectl PATH     the rangectl to run (default: rangectl from\n"
"                          $PATH)\n"
"  -c, --config FILE       passed on to rangectl\n"
"  -n, --node ADDR         passed on to rangectl (repeatable)\n"
"  -h, --help              show this help and exit\n"
"  -V, --version           show the version and exit\n"
"\n"
"The whole input is checked before anything is split.\n"
"Exit status: 0 ok, 1 bad input or a split failed, 2 usage.\n"
"See splitter(1).\n";

struct splitter_opts {
	int hot, large, apply;
	int qps_given, bytes_given;
	uint64_t qps, bytes;
	const char *rangectl;
	const char *config;
	const char **nodes;		/* --node values, in order */
	size_t n_nodes;
};

/*
 * A size: a whole number of bytes, or with a unit B, KiB, MiB, GiB or TiB
 * (any case), as in the config file.  0 ok, -1 malformed, -2 decimal unit,
 * -3 too large.
 */
static int parse_size(const char *s, uint64_t *out)
{
	static const struct {
		const char *unit;
		unsigned shift;
	} units[] = {
		{ "", 0 }, { "B", 0 }, { "KiB", 10 }, { "MiB", 20 },
		{ "GiB", 30 }, { "TiB", 40 },
	};
	static const char *const decimal[] = {
		"K", "KB", "M", "MB", "G", "GB", "T", "TB",
	};
	uint64_t n = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (n > (UINT64_MAX - 9) / 10)
			return -3;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(s, units[i].unit) != 0)
			continue;
		if (n > (UINT64_MAX >> units[i].shift))
			return -3;
		*out = n << units[i].shift;
		return 0;
	}
	for (size_t i = 0; i < sizeof(decimal) / sizeof(decimal[0]); i++)
		if (strcasecmp(s, decimal[i]) == 0)
			return -2;
	return -1;
}

/* Parse argv into o; -1 = exit 0 (help/version), else an exit status. */
static int parse_args(struct splitter_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "hot", no_argument, NULL, 1 },
		{ "qps", required_argument, NULL, 2 },
		{ "large", no_argument, NULL, 3 },
		{ "bytes", required_argument, NULL, 4 },
		{ "apply", no_argument, NULL, 5 },
		{ "rangectl", required_argument, NULL, 6 },
		{ "config", required_argument, NULL, 'c' },
		{ "node", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct err e;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:n:hV", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 1: o->hot = 1; break;
		case 2:
			if (util_parse_u64(optarg, 1, UINT64_MAX, &o->qps,
					   "--qps", &e) != RC_OK) {
				cli_usage_error(PROG, "%s", e.msg);
				return EXIT_USAGE;
			}
			o->qps_given = 1;
			break;
		case 3: o->large = 1; break;
		case 4:
			r = parse_size(optarg, &o->bytes);
			if (r == -2) {
				cli_usage_error(PROG, "--bytes: decimal unit in "
						"'%s': write KiB, MiB, GiB or "
						"TiB (powers of 1024) or bytes",
						optarg);
				return EXIT_USAGE;
			}
			if (r != 0 || o->bytes == 0) {
				cli_usage_error(PROG, "--bytes must be a size "
						"of at least 1 byte such as "
						"4096, 512KiB, 64MiB or 1GiB, "
						"got '%s'", optarg);
				return EXIT_USAGE;
			}
			o->bytes_given = 1;
			break;
		case 5: o->apply = 1; break;
		case 6:
			if (optarg[0] == '\0') {
				cli_usage_error(PROG, "--rangectl needs a "
						"program");
				return EXIT_USAGE;
			}
			o->rangectl = optarg;
			break;
		case 'c': o->config = optarg; break;
		case 'n': o->nodes[o->n_nodes++] = optarg; break;
		default:
			/* --help, --version, usage errors: shared (cli.h) */
			c = cli_common_option(c, PROG, usage_text,
					      PACKAGE_VERSION, argv);
			return c == CLI_EXIT_OK ? -1 : EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_usage_error(PROG, "unexpected argument '%s' (the list is "
				"read from standard input)", argv[optind]);
		return EXIT_USAGE;
	}
	if (o->qps_given && !o->hot) {
		cli_usage_error(PROG, "--qps goes with --hot");
		return EXIT_USAGE;
	}
	if (o->bytes_given && !o->large) {
		cli_usage_error(PROG, "--bytes goes with --large");
		return EXIT_USAGE;
	}
	if (!o->hot && !o->large) {
		cli_usage_error(PROG, "say what to look for: --hot, --large "
				"or both");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* Why range r should split, in buf; 0 when it should not. */
static int reason(const struct splitter_opts *o, const struct input_range *r,
		  char *buf, size_t size)
{
	int hot, large;

	if (r->range_id == 1)
		return 0;	/* the meta range never splits */
	hot = o->hot && r->has_qps && r->qps >= o->qps;
	large = o->large && r->has_size && r->size_bytes >= o->bytes;
	if (hot && large)
		snprintf(buf, size, "hot,large qps=%" PRIu64 " bytes=%" PRIu64,
			 r->qps, r->size_bytes);
	else if (hot)
		snprintf(buf, size, "hot qps=%" PRIu64, r->qps);
	else if (large)
		snprintf(buf, size, "large bytes=%" PRIu64, r->size_bytes);
	return hot || large;
}

/*
 * Run "RANGECTL [--config F] [--node A]... split ID", stdin from
 * /dev/null, stdout and stderr ours; *status is its wait status.
 */
static int run_split(const struct splitter_opts *o, uint64_t id,
		     int *status, struct err *e)
{
	posix_spawn_file_actions_t fa;
	const char *prog = o->rangectl ? o->rangectl : "rangectl";
	char **args, idbuf[24];
	size_t k = 0;
	pid_t pid;
	int rc;

	args = calloc(2 * o->n_nodes + 6, sizeof(*args));
	if (args == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	args[k++] = (char *)prog;
	if (o->config != NULL) {
		args[k++] = (char *)"--config";
		args[k++] = (char *)o->config;
	}
	for (size_t i = 0; i < o->n_nodes; i++) {
		args[k++] = (char *)"--node";
		args[k++] = (char *)o->nodes[i];
	}
	snprintf(idbuf, sizeof(idbuf), "%" PRIu64, id);
	args[k++] = (char *)"split";
	args[k++] = idbuf;
	args[k] = NULL;
	if ((rc = posix_spawn_file_actions_init(&fa)) != 0) {
		free(args);
		return err_set(e, RC_NOMEM, "cannot run '%s': %s", prog,
			       strerror(rc));
	}
	rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY,
					      0);
	if (rc == 0)
		rc = strchr(prog, '/') != NULL ?
		     posix_spawn(&pid, prog, &fa, NULL, args, environ) :
		     posix_spawnp(&pid, prog, &fa, NULL, args, environ);
	posix_spawn_file_actions_destroy(&fa);
	free(args);
	if (rc != 0)
		return err_set(e, RC_IO, "cannot run '%s': %s", prog,
			       strerror(rc));
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR)
			return err_set(e, RC_IO, "cannot wait for '%s': %s",
				       prog, strerror(errno));
	}
	return RC_OK;
}

/* Split each range chosen; 1 if any split failed, else 0. */
static int apply(const struct splitter_opts *o,
		 const struct input_range *v, size_t n)
{
	const char *prog = o->rangectl ? o->rangectl : "rangectl";
	size_t failed = 0, done = 0;
	char why[96];
	struct err e;

	for (size_t i = 0; i < n; i++) {
		int status;

		if (!reason(o, &v[i], why, sizeof(why)))
			continue;
		printf("%" PRIu64 "\t-\t%s\n", v[i].range_id, why);
		fflush(stdout);
		if (run_split(o, v[i].range_id, &status, &e) != RC_OK) {
			/* no rangectl to run: the rest would fail alike */
			fprintf(stderr, "%s: %s\n", PROG, e.msg);
			return 1;
		}
		done++;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			continue;
		failed++;
		if (WIFEXITED(status))
			fprintf(stderr, "%s: range %" PRIu64 ": '%s split %"
				PRIu64 "' failed with exit status %d\n", PROG,
				v[i].range_id, prog, v[i].range_id,
				WEXITSTATUS(status));
		else
			fprintf(stderr, "%s: range %" PRIu64 ": '%s split %"
				PRIu64 "' was killed by signal %d\n", PROG,
				v[i].range_id, prog, v[i].range_id,
				WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	}
	if (failed > 0)
		fprintf(stderr, "%s: %zu of %zu splits failed\n", PROG, failed,
			done);
	return failed > 0;
}

int main(int argc, char **argv)
{
	struct splitter_opts o = { .qps = SPLITTER_DEFAULT_QPS,
				   .bytes = SPLITTER_DEFAULT_BYTES };
	struct input_range *v = NULL;
	char *buf = NULL, why[96];
	size_t len, n = 0;
	struct err e;
	int rc, status = EXIT_OK;

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
	if (input_read(stdin, INPUT_MAX_BYTES, &buf, &len, &e) != RC_OK ||
	    input_parse(buf, len, &v, &n, &e) != RC_OK) {
		fprintf(stderr, "%s: %s\n", PROG, e.msg);
		status = EXIT_FAIL;
		goto out;
	}
	if (o.apply) {
		status = apply(&o, v, n) ? EXIT_FAIL : EXIT_OK;
	} else {
		for (size_t i = 0; i < n; i++)
			if (reason(&o, &v[i], why, sizeof(why)))
				printf("%" PRIu64 "\t-\t%s\n", v[i].range_id,
				       why);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write the output: %s\n", PROG,
			strerror(errno));
		status = EXIT_FAIL;
	}
out:
	free(v);
	free(buf);
	free(o.nodes);
	return status;
}
