/*
 * slt.c -- the sqllogictest runner: the command line only.  Scripts are
 * read by sltparse.c, run by sltrun.c, results printed and checked by
 * sltfmt.c; the engine is a rangedb gateway (sltsql.c) or, to check the
 * runner itself, PostgreSQL through psql (sltpsql.c).
 *
 * Prints per file "FILE: N passed, M failed, K skipped" (with --tap, one
 * TAP line per file), the first failures of each file before it.
 * Exit status: 0 nothing failed, 1 something failed, 2 usage, 3 the
 * engine is unreachable.  See t/slt/README.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "cli.h"
#include "err.h"
#include "sltdb.h"
#include "sltpsql.h"
#include "sltrun.h"
#include "sltsql.h"

#define PROG "slt"

#define SLT_DEFAULT_URL		"http://127.0.0.1:7200"
#define SLT_DEFAULT_ENGINE	"postgresql"
#define SLT_DEFAULT_TIMEOUT_MS	60000
#define SLT_MAX_TIMEOUT_MS	(24L * 3600 * 1000)

static const char usage_text[] =
"Usage: slt [OPTIONS] FILE...\n"
"Run sqllogictest scripts against a rangedb gateway (POST /sql), or\n"
"against PostgreSQL through psql to check the scripts and the runner.\n"
"Each file runs in a fresh database, dropped afterwards.\n"
"\n"
"Options:\n"
"  -u, --url URL           the gateway (default: $RANGEDB_URL, else the\n"
"                          config file's first [cluster] txcoords address\n"
"                          or [txcoord] listen, else " SLT_DEFAULT_URL ")\n"
"  -c, --config FILE       config file (default: $RANGEDB_CONFIG)\n"
"      --psql CMD          run on PostgreSQL through the shell command CMD,\n"
"                          e.g. \"psql -X -h /tmp/pg -p 54329 -U postgres\"\n"
"  -e, --engine NAME       engine name for skipif/onlyif (default\n"
"                          " SLT_DEFAULT_ENGINE ")\n"
"  -t, --timeout DUR       time limit of each statement, e.g. 500ms, 30s,\n"
"                          2m (default 60s)\n"
"  -v, --verbose           describe every failure in full (default: the\n"
"                          first 5 of each file)\n"
"      --stop              stop at the first failure\n"
"      --tap               print TAP: one test line per file\n"
"      --keep              keep each file's database (named slt_PID_N)\n"
"  -h, --help              show this help and exit\n"
"  -V, --version           show the version and exit\n"
"\n"
"Exit status: 0 nothing failed, 1 something failed, 2 usage, 3 the engine\n"
"is unreachable.\n";

struct slt_opts {
	const char *url;
	const char *config;
	const char *psql;
	const char *engine;
	long timeout_ms;
	int verbose, stop, tap, keep;
};

/* "<n>ms", "<n>s" or "<n>m", at most SLT_MAX_TIMEOUT_MS; -1 if not. */
static long parse_duration_ms(const char *s)
{
	unsigned long long n = 0, mul;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (unsigned long long)(*p - '0');
		if (n > (unsigned long long)SLT_MAX_TIMEOUT_MS)
			return -1;
	}
	if (strcmp(p, "ms") == 0)
		mul = 1;
	else if (strcmp(p, "s") == 0)
		mul = 1000;
	else if (strcmp(p, "m") == 0)
		mul = 60000;
	else
		return -1;
	if (n == 0 || n * mul > (unsigned long long)SLT_MAX_TIMEOUT_MS)
		return -1;
	return (long)(n * mul);
}

/* Parse argv into o; -1 = exit 0 (help/version), else an exit status. */
static int parse_args(struct slt_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "config", required_argument, NULL, 'c' },
		{ "psql", required_argument, NULL, 1 },
		{ "engine", required_argument, NULL, 'e' },
		{ "timeout", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "stop", no_argument, NULL, 2 },
		{ "tap", no_argument, NULL, 3 },
		{ "keep", no_argument, NULL, 4 },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->engine = SLT_DEFAULT_ENGINE;
	o->timeout_ms = SLT_DEFAULT_TIMEOUT_MS;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":u:c:e:t:vhV", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'u':
			o->url = optarg;
			break;
		case 'c':
			o->config = optarg;
			break;
		case 1:
			o->psql = optarg;
			break;
		case 'e':
			if (optarg[0] == '\0') {
				cli_usage_error(PROG, "--engine needs a name");
				return EXIT_USAGE;
			}
			o->engine = optarg;
			break;
		case 't':
			o->timeout_ms = parse_duration_ms(optarg);
			if (o->timeout_ms < 0) {
				cli_usage_error(PROG, "--timeout must be a "
						"duration from 1ms to 24h such "
						"as 500ms, 30s or 2m, got '%s'",
						optarg);
				return EXIT_USAGE;
			}
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 2:
			o->stop = 1;
			break;
		case 3:
			o->tap = 1;
			break;
		case 4:
			o->keep = 1;
			break;
		default:
			c = cli_common_option(c, PROG, usage_text,
					      PACKAGE_VERSION, argv);
			return c == CLI_EXIT_OK ? -1 : EXIT_USAGE;
		}
	}
	if (optind == argc) {
		cli_usage_error(PROG, "no test file given");
		return EXIT_USAGE;
	}
	if (o->psql != NULL && (o->url != NULL || o->config != NULL)) {
		cli_usage_error(PROG,
				"give --psql or --url/--config, not both");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/*
 * The gateway address: --url, $RANGEDB_URL, the config file's first
 * [cluster] txcoords address or its [txcoord] listen, the default.
 * Written to buf; RC_OK or an error for an unreadable config file.
 */
static int gateway_url(const struct slt_opts *o, char *buf, size_t cap,
		       struct err *e)
{
	const char *env = getenv("RANGEDB_URL"), *path, *v;
	struct cfg *cfg;
	int rc;

	if (o->url != NULL) {
		snprintf(buf, cap, "%s", o->url);
		return RC_OK;
	}
	if (env != NULL && env[0] != '\0') {
		snprintf(buf, cap, "%s", env);
		return RC_OK;
	}
	snprintf(buf, cap, "%s", SLT_DEFAULT_URL);
	path = cfg_default_path(o->config);
	if (path == NULL)
		return RC_OK;
	rc = cfg_load(path, &cfg, e);
	if (rc != RC_OK)
		return rc;
	v = cfg_get(cfg, "cluster", "txcoords");
	if (v != NULL) {
		size_t skip = strspn(v, " \t"), len = strcspn(v + skip, ", \t");

		if (len > 0)
			snprintf(buf, cap, "%.*s", (int)len, v + skip);
	} else if ((v = cfg_get(cfg, "txcoord", "listen")) != NULL &&
		   v[0] != '\0') {
		snprintf(buf, cap, "%s", v);
	}
	cfg_free(cfg);
	return RC_OK;
}

static int open_engine(const struct slt_opts *o, struct sltdb **db,
		       struct err *e)
{
	char url[512];
	int rc;

	if (o->psql != NULL)
		return sltpsql_open(o->psql, o->timeout_ms, db, e);
	rc = gateway_url(o, url, sizeof(url), e);
	if (rc != RC_OK)
		return rc;
	return sltsql_open(url, o->timeout_ms, db, e);
}

int main(int argc, char **argv)
{
	unsigned long tot_pass = 0, tot_fail = 0, tot_skip = 0;
	struct slt_opts o;
	struct sltdb *db = NULL;
	struct err e;
	int rc, status = EXIT_OK, nfiles;

	rc = parse_args(&o, argc, argv);
	if (rc != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	nfiles = argc - optind;
	err_clear(&e);
	rc = open_engine(&o, &db, &e);
	if (rc != RC_OK) {
		fprintf(stderr, "%s: %s\n", PROG, e.msg);
		if (o.tap)
			printf("Bail out! %s\n", e.msg);
		if (rc == RC_UNAVAILABLE || rc == RC_TIMEOUT)
			return EXIT_TEMP;
		/* a bad --url or config file is usage; the rest a failure */
		return rc == RC_IO || rc == RC_NOMEM || rc == RC_CORRUPT ||
		       rc == RC_INTERNAL ? EXIT_FAIL : EXIT_USAGE;
	}
	if (o.tap)
		printf("1..%d\n", nfiles);
	for (int i = 0; i < nfiles; i++) {
		const char *path = argv[optind + i];
		struct sltrun_opts ro = {
			.engine = o.engine,
			.keep = o.keep,
			.verbose = o.verbose,
			.stop = o.stop,
			.out = stdout,
			.prefix = o.tap ? "# " : "",
		};
		struct sltrun_stats st;
		char dbname[64];
		int failed;

		snprintf(dbname, sizeof(dbname), "slt_%ld_%d", (long)getpid(),
			 i + 1);
		ro.dbname = dbname;
		err_clear(&e);
		rc = sltrun_file(db, path, &ro, &st, &e);
		tot_pass += st.passed;
		tot_fail += st.failed;
		tot_skip += st.skipped;
		failed = rc != RC_OK || st.failed > 0;
		if (rc != RC_OK)
			fprintf(o.tap ? stdout : stderr, "%s%s: %s: %s\n",
				o.tap ? "# " : "", PROG, path, e.msg);
		if (o.keep)
			fprintf(stderr, "%s: %s: database %s kept\n", PROG,
				path, dbname);
		if (o.tap)
			printf("%sok %d - ", failed ? "not " : "", i + 1);
		printf("%s: %lu passed, %lu failed, %lu skipped%s\n", path,
		       st.passed, st.failed, st.skipped,
		       rc != RC_OK ? " (did not finish)" : "");
		fflush(stdout);
		if (failed)
			status = EXIT_FAIL;
		if (rc == RC_UNAVAILABLE || rc == RC_TIMEOUT) {
			if (o.tap)
				printf("Bail out! %s\n", e.msg);
			status = EXIT_TEMP;
			break;
		}
		if (failed && o.stop) {
			for (int j = i + 1; o.tap && j < nfiles; j++)
				printf("ok %d - %s # SKIP --stop\n", j + 1,
				       argv[optind + j]);
			break;
		}
	}
	if (!o.tap && nfiles > 1)
		printf("total: %lu passed, %lu failed, %lu skipped\n",
		       tot_pass, tot_fail, tot_skip);
	sltdb_free(db);
	return status;
}
