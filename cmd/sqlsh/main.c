/*
 * main.c -- sqlsh, rangedb's SQL shell: the command line only.  Finding
 * the gateway is here; the shell is shell.c, the protocol sqlclient.c,
 * the output sqlfmt.c, where statements end sqlsplit.c.
 *
 * Exit status: 0 ok, 1 a statement failed, 2 usage (a bad flag or config
 * file), 3 temporary (the gateway is unreachable or does not answer, or
 * it said to retry).  Tested by the sqlsh BATS tests and t/900-docs.bats.
 */
#include "config.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cli.h"
#include "err.h"
#include "log.h"
#include "shell.h"

#define PROG "sqlsh"

#define SQLSH_DEFAULT_URL	"http://127.0.0.1:7200"
#define SQLSH_URL_ENV		"RANGEDB_URL"
#define SQLSH_MAX_TIMEOUT_MS	(24L * 3600 * 1000)	/* --timeout <= 24h */

static const char usage_text[] =
"Usage: sqlsh [OPTIONS]\n"
"Run SQL on a rangedb cluster: at the terminal, or from -c, -f or stdin.\n"
"\n"
"Options:\n"
"  -c, --command SQL       run SQL (one request, which may hold several\n"
"                          statements); repeat to run more, in order\n"
"  -f, --file FILE         run the statements of FILE ('-' is stdin), one\n"
"                          request each; repeatable, in order with -c\n"
"  -d, --database DB       use database DB (default: defaultdb)\n"
"      --url URL           the SQL gateway, http://HOST:PORT (default:\n"
"                          $RANGEDB_URL, else the config file's [cluster]\n"
"                          txcoords or [txcoord] listen, else\n"
"                          " SQLSH_DEFAULT_URL ")\n"
"      --config FILE       config file that names the gateway (default:\n"
"                          $RANGEDB_CONFIG)\n"
"      --format FMT        table (the default), csv, tsv or json\n"
"  -q, --quiet             print no command tags, row counts or banner\n"
"      --continue          go on after a statement fails (the exit status\n"
"                          is still that of the first failure)\n"
"      --timeout DUR       time limit of each request, such as 30s or 5m\n"
"                          (default: none; Ctrl-C cancels)\n"
"  -h, --help              show this help and exit\n"
"  -V, --version           show the version and exit\n"
"\n"
"Without -c or -f, sqlsh reads SQL from stdin, interactively when it is a\n"
"terminal (type \\? for help).\n"
"\n"
"Exit status: 0 ok, 1 a statement failed, 2 usage, 3 gateway unreachable\n"
"or retry.  See sqlsh(1).\n";

/* sqlsh reads [cluster] and [txcoord]; the other sections are left alone. */
static const char *const sqlsh_keys[] = { NULL };

static const struct cfg_schema sqlsh_schema[] = {
	{ "sqlsh", sqlsh_keys },
	{ "cluster", NULL },
	{ "txcoord", NULL },
	{ "tsod", NULL },
	{ "raftd", NULL },
	{ "node.", NULL },
	{ NULL, NULL }
};

struct sqlsh_opts {
	const char *config;
	const char *url;
	struct shell_opts shell;
	struct shell_item *items;
	char *url_buf;
};

/*
 * A duration such as 500ms, 30s, 5m, 1h or 1m30s (the config file's
 * syntax, cfg_parse_duration); "0" is no limit.  0 ok, -1 otherwise.
 */
static int parse_timeout(const char *s, long *out)
{
	int64_t ms;

	if (cfg_parse_duration(s, &ms) != 0 || ms > SQLSH_MAX_TIMEOUT_MS)
		return -1;
	*out = (long)ms;
	return 0;
}

/* Parse argv into o; -1 = exit 0 (help/version), else an exit status. */
static int parse_args(struct sqlsh_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "command", required_argument, NULL, 'c' },
		{ "file", required_argument, NULL, 'f' },
		{ "database", required_argument, NULL, 'd' },
		{ "url", required_argument, NULL, 1 },
		{ "config", required_argument, NULL, 2 },
		{ "format", required_argument, NULL, 3 },
		{ "quiet", no_argument, NULL, 'q' },
		{ "continue", no_argument, NULL, 4 },
		{ "timeout", required_argument, NULL, 5 },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct shell_opts *s = &o->shell;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:f:d:qhV", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'c':
		case 'f':
			o->items[s->nitems].kind = c == 'c' ?
						   SHELL_ITEM_COMMAND :
						   SHELL_ITEM_FILE;
			o->items[s->nitems++].arg = optarg;
			break;
		case 'd':
			if (*optarg == '\0') {
				cli_usage_error(PROG, "--database needs a "
						"name");
				return EXIT_USAGE;
			}
			s->database = optarg;
			break;
		case 1: o->url = optarg; break;
		case 2: o->config = optarg; break;
		case 3:
			if (sqlfmt_parse_format(optarg, &s->format) != 0) {
				cli_usage_error(PROG, "--format must be "
						"table, csv, tsv or json, "
						"got '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'q': s->quiet = 1; break;
		case 4: s->cont = 1; break;
		case 5:
			if (parse_timeout(optarg, &s->timeout_ms) != 0) {
				cli_usage_error(PROG, "--timeout must be a "
						"duration from 1ms to 24h "
						"such as 500ms or 30s (or 0 "
						"for none), got '%s'",
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
	if (optind < argc) {
		cli_usage_error(PROG, "unexpected argument '%s'",
				argv[optind]);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/*
 * The first address of a comma-separated list, trimmed, into a malloc'd
 * string; NULL when the list has none (or out of memory: *nomem).
 */
static char *first_addr(const char *list, int *nomem)
{
	const char *p = list;

	*nomem = 0;
	while (*p != '\0') {
		size_t n;
		char *a;

		p += strspn(p, " \t,");
		n = strcspn(p, ",");
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n > 0) {
			a = strndup(p, n);
			*nomem = a == NULL;
			return a;
		}
		p += strcspn(p, ",");
	}
	return NULL;
}

/*
 * The gateway: --url, $RANGEDB_URL, the config file's [cluster] txcoords
 * (first address) or [txcoord] listen, else the default; "http://" is
 * added when no scheme is given.  An exit status (EXIT_OK when found).
 */
static int find_url(struct sqlsh_opts *o)
{
	const char *url = o->url, *path, *v;
	char *addr = NULL;
	struct cfg *cfg = NULL;
	struct err e;
	int nomem = 0, rc;

	if (url == NULL && (v = getenv(SQLSH_URL_ENV)) != NULL && *v != '\0')
		url = v;
	if (url == NULL && (path = cfg_default_path(o->config)) != NULL) {
		if ((rc = cfg_load(path, &cfg, &e)) != RC_OK ||
		    (rc = cfg_check(cfg, sqlsh_schema, &e)) != RC_OK) {
			fprintf(stderr, "%s: %s\n", PROG, e.msg);
			cfg_free(cfg);
			return rc == RC_NOMEM ? EXIT_FAIL : EXIT_USAGE;
		}
		if ((v = cfg_get(cfg, "cluster", "txcoords")) != NULL)
			addr = first_addr(v, &nomem);
		if (addr == NULL && !nomem &&
		    (v = cfg_get(cfg, "txcoord", "listen")) != NULL)
			addr = first_addr(v, &nomem);
		cfg_free(cfg);
		if (nomem) {
			fprintf(stderr, "%s: out of memory\n", PROG);
			return EXIT_FAIL;
		}
		url = addr;
	}
	if (url == NULL)
		url = SQLSH_DEFAULT_URL;
	if (strstr(url, "://") != NULL)
		o->url_buf = strdup(url);
	else if (asprintf(&o->url_buf, "http://%s", url) < 0)
		o->url_buf = NULL;
	free(addr);
	if (o->url_buf == NULL) {
		fprintf(stderr, "%s: out of memory\n", PROG);
		return EXIT_FAIL;
	}
	o->shell.url = o->url_buf;
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct sqlsh_opts o;
	int status;

	memset(&o, 0, sizeof(o));
	log_open(PROG, LOG_LEVEL_WARN);
	o.shell.prog = PROG;
	o.shell.version = PACKAGE_VERSION;
	o.shell.format = SQLFMT_TABLE;
	o.items = calloc((size_t)argc + 1, sizeof(*o.items));
	if (o.items == NULL) {
		fprintf(stderr, "%s: out of memory\n", PROG);
		return EXIT_FAIL;
	}
	o.shell.items = o.items;
	status = parse_args(&o, argc, argv);
	if (status != EXIT_OK) {
		free(o.items);
		return status < 0 ? EXIT_OK : status;
	}
	status = find_url(&o);
	if (status == EXIT_OK)
		status = shell_run(&o.shell);
	free(o.url_buf);
	free(o.items);
	return status;
}
