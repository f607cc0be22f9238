/*
 * wlrun.c -- one run of the workload recorder (see wlrun.h): threads,
 * pacing, stopping, the summary.
 */
#include "wlrun.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "util.h"
#include "wlclient.h"
#include "wlhist.h"

#define PROG			"workload"
#define WLRUN_PROBE_MS		10000	/* wait for a txcoord at start */
#define WLRUN_SETUP_MS		30000	/* bank: opening the accounts */
#define WLRUN_FINISH_MS		60000	/* set: the final read */
#define WLRUN_BACKOFF_MIN_MS	100
#define WLRUN_BACKOFF_MAX_MS	1000
#define WLRUN_TICK_MS		50	/* longest sleep between stop checks */

/* Signals seen (a second one also cuts the final read short). */
static atomic_int stop_signals;

static void on_signal(int sig)
{
	(void)sig;
	atomic_fetch_add(&stop_signals, 1);
}

struct run {
	const struct wlrun_opts *o;
	struct wlops *w;
	uint64_t t0_ms, end_ms;
	double interval_ms;	/* between one client's ops; 0 = none */
	atomic_int failed;	/* a client could not write the history */
};

struct worker {
	pthread_t tid;
	struct run *run;
	struct wlops_client cl;
	int rc;
	struct err err;
};

/* ---- addresses ---------------------------------------------------------- */

void wlrun_addrs_free(char **addrs, size_t n)
{
	for (size_t i = 0; addrs != NULL && i < n; i++)
		free(addrs[i]);
	free(addrs);
}

int wlrun_split_addrs(const char *list, char ***out, size_t *n,
		      struct err *e)
{
	size_t cap = 1, k = 0;
	char **a;

	*out = NULL;
	*n = 0;
	for (const char *p = list; *p != '\0'; p++)
		cap += *p == ',';
	if ((a = calloc(cap, sizeof(*a))) == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	for (const char *p = list;; p++) {
		size_t len = strcspn(p, ","), lead = strspn(p, " \t");

		while (len > lead && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len <= lead) {
			wlrun_addrs_free(a, k);
			return err_set(e, RC_BAD_INPUT, "empty address in "
				       "'%s'", list);
		}
		if ((a[k] = strndup(p + lead, len - lead)) == NULL) {
			wlrun_addrs_free(a, k);
			return err_set(e, RC_NOMEM, "out of memory");
		}
		k++;
		p += strcspn(p, ",");
		if (*p == '\0')
			break;
	}
	*out = a;
	*n = k;
	return RC_OK;
}

/* ---- pacing ------------------------------------------------------------- */

static int stopping(struct run *r)
{
	return atomic_load(&stop_signals) > 0 || atomic_load(&r->failed);
}

/* Sleep until until_ms (CLOCK_MONOTONIC), waking to check for a stop. */
static void pause_until(struct run *r, uint64_t until_ms)
{
	uint64_t now;

	while (!stopping(r) && (now = util_mono_ms()) < until_ms) {
		uint64_t ms = until_ms - now;
		struct timespec ts;

		if (ms > WLRUN_TICK_MS)
			ms = WLRUN_TICK_MS;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)ms * 1000000L;
		nanosleep(&ts, NULL);
	}
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	struct run *r = wk->run;
	uint64_t backoff = 0;
	double next = (double)r->t0_ms + r->interval_ms * wk->cl.index /
		r->o->clients;

	for (;;) {
		uint64_t now = util_mono_ms();
		enum wlhist_outcome outcome;

		if (now >= r->end_ms || stopping(r))
			break;
		if (r->interval_ms > 0 && (double)now < next) {
			pause_until(r, (uint64_t)next < r->end_ms ?
				    (uint64_t)next : r->end_ms);
			continue;
		}
		if ((wk->rc = wlops_step(&wk->cl, &outcome, &wk->err)) !=
		    RC_OK) {
			atomic_store(&r->failed, 1);
			break;
		}
		if (r->interval_ms > 0) {
			next += r->interval_ms;
			if (next < (double)now)
				next = (double)now;	/* fell behind */
		}
		if (wk->cl.transport_error) {
			backoff = backoff == 0 ? WLRUN_BACKOFF_MIN_MS :
				backoff * 2;
			if (backoff > WLRUN_BACKOFF_MAX_MS)
				backoff = WLRUN_BACKOFF_MAX_MS;
			pause_until(r, util_mono_ms() + backoff);
		} else {
			backoff = 0;
		}
	}
	return NULL;
}

/* ---- the steps of a run ------------------------------------------------- */

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* The meta line: the workload's fields, the txcoords, the duration. */
static int write_meta(struct wlhist *h, struct wlops *w,
		      const struct wlrun_opts *o, struct err *e)
{
	json_t *m, *tx = json_array();
	int rc;

	if ((rc = wlops_meta(w, &m, e)) != RC_OK) {
		json_decref(tx);
		return rc;
	}
	for (size_t i = 0; tx != NULL && i < o->naddrs; i++)
		if (json_array_append_new(tx, json_string(o->addrs[i])) != 0) {
			json_decref(tx);
			tx = NULL;
		}
	if (tx == NULL || json_object_set_new(m, "txcoords", tx) != 0 ||
	    json_object_set_new(m, "duration_ms",
				json_integer(o->duration_ms)) != 0 ||
	    json_object_set_new(m, "timeout_ms",
				json_integer(o->timeout_ms)) != 0) {
		json_decref(m);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	rc = wlhist_meta(h, m, e);
	json_decref(m);
	return rc;
}

/* Until one txcoord answers a read, or WLRUN_PROBE_MS pass. */
static int probe(struct wlclient *const *c, size_t n, const char *prefix,
		 struct err *e)
{
	uint64_t deadline = util_mono_ms() + WLRUN_PROBE_MS;
	char key[WLOPS_PREFIX_MAX + 16];
	json_t *req;
	int rc = RC_UNAVAILABLE;

	snprintf(key, sizeof(key), "%sprobe", prefix);
	req = json_pack("{s:[{s:s, s:s}]}", "ops", "op", "get", "key", key);
	if (req == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	for (;;) {
		char last[WLCLIENT_ERROR_MAX] = "";

		for (size_t i = 0; i < n; i++) {
			struct wlclient_reply r;

			if (wlclient_post(c[i], "/txn", req, &r) == WLHIST_OK)
				rc = RC_OK;
			else
				snprintf(last, sizeof(last), "%s", r.error);
			wlclient_reply_release(&r);
		}
		if (rc == RC_OK || util_mono_ms() >= deadline ||
		    atomic_load(&stop_signals) > 0) {
			if (rc != RC_OK)
				err_set(e, rc, "no txcoord answers (%s)", last);
			break;
		}
		for (int t = 0; t < 10 && atomic_load(&stop_signals) == 0; t++)
			nanosleep(&(struct timespec){ 0, WLRUN_TICK_MS *
						      1000000L }, NULL);
	}
	json_decref(req);
	return rc;
}

static void free_clients(struct wlclient **c, size_t n)
{
	for (size_t i = 0; c != NULL && i < n; i++)
		wlclient_free(c[i]);
	free(c);
}

/* n clients, client i on txcoord i mod naddrs. */
static int new_clients(const struct wlrun_opts *o, size_t n,
		       struct wlclient ***out, struct err *e)
{
	struct wlclient_opts co = { .timeout_ms = o->timeout_ms };
	struct wlclient **c = calloc(n, sizeof(*c));
	int rc;

	*out = NULL;
	if (c == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		if ((rc = wlclient_new(o->addrs[i % o->naddrs], &co, &c[i], e))
		    != RC_OK) {
			free_clients(c, n);
			return rc;
		}
	*out = c;
	return RC_OK;
}

/* Run the client threads until the end; RC_OK unless one failed. */
static int run_clients(struct run *r, struct wlclient **c, struct err *e)
{
	unsigned n = r->o->clients, started = 0;
	struct worker *wk = calloc(n, sizeof(*wk));
	int rc = RC_OK;

	if (wk == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	r->t0_ms = util_mono_ms();
	r->end_ms = r->t0_ms + (uint64_t)r->o->duration_ms;
	for (; started < n; started++) {
		wk[started].run = r;
		wlops_client_init(&wk[started].cl, r->w, c[started], started);
		if ((errno = pthread_create(&wk[started].tid, NULL,
					    worker_main, &wk[started])) != 0) {
			rc = err_set(e, RC_INTERNAL, "cannot start client "
				     "%u: %s", started, strerror(errno));
			atomic_store(&r->failed, 1);
			break;
		}
	}
	for (unsigned i = 0; i < started; i++) {
		pthread_join(wk[i].tid, NULL);
		if (wk[i].rc != RC_OK && rc == RC_OK) {
			rc = wk[i].rc;
			if (e != NULL)
				*e = wk[i].err;
		}
	}
	free(wk);
	return rc;
}

static void print_summary(const struct wlrun_opts *o, struct wlhist *h,
			  double secs)
{
	struct wlhist_counts n;
	FILE *f = strcmp(o->out, "-") == 0 ? stderr : stdout;
	uint64_t ops;

	wlhist_get_counts(h, &n);
	ops = n.ok + n.fail + n.info;
	fprintf(f, "%s: %s: %" PRIu64 " ops (%" PRIu64 " ok, %" PRIu64
		" fail, %" PRIu64 " info) in %.1f s, %.1f ops/s, %u clients "
		"on %zu txcoords, history %s\n", PROG,
		wlops_kind_name(o->kind), ops, n.ok, n.fail, n.info, secs,
		secs > 0 ? (double)ops / secs : 0.0, o->clients, o->naddrs,
		o->out);
	fflush(f);
}

/* Everything after the history is open; an exit status. */
static int run_open(const struct wlrun_opts *o, struct wlhist *h,
		    const char *prefix)
{
	struct wlops_params p = {
		.kind = o->kind, .prefix = prefix, .clients = o->clients,
		.keys = o->keys, .accounts = o->accounts, .balance = 100,
		.seed = o->seed
	};
	struct run r = { .o = o };
	struct wlclient **setup = NULL, **c = NULL;
	struct wlops *w = NULL;
	struct err e;
	int rc;

	if ((rc = wlops_new(&p, h, &w, &e)) != RC_OK ||
	    (rc = write_meta(h, w, o, &e)) != RC_OK ||
	    (rc = new_clients(o, o->naddrs, &setup, &e)) != RC_OK ||
	    (rc = new_clients(o, o->clients, &c, &e)) != RC_OK ||
	    (rc = probe(setup, o->naddrs, prefix, &e)) != RC_OK ||
	    (rc = wlops_setup(w, setup, o->naddrs, util_mono_ms() +
			      WLRUN_SETUP_MS, &e)) != RC_OK)
		goto out;
	r.w = w;
	r.interval_ms = o->rate > 0 ? 1000.0 * o->clients / (double)o->rate :
		0;
	atomic_init(&r.failed, 0);
	rc = run_clients(&r, c, &e);
	if (rc == RC_OK)
		rc = wlops_finish(w, setup, o->naddrs, util_mono_ms() +
				  WLRUN_FINISH_MS, &stop_signals, &e);
	print_summary(o, h, (double)(util_mono_ms() - r.t0_ms) / 1000.0);
out:
	if (rc != RC_OK)
		fprintf(stderr, "%s: %s\n", PROG, e.msg);
	free_clients(c, o->clients);
	free_clients(setup, o->naddrs);
	wlops_free(w);
	return rc == RC_OK ? EXIT_OK : EXIT_FAIL;
}

int wlrun_run(const struct wlrun_opts *o)
{
	char prefix[WLOPS_PREFIX_MAX + 1];
	struct wlhist *h;
	struct err e;
	int status;

	install_signals();
	/* unique per run, even when --seed repeats an earlier one */
	snprintf(prefix, sizeof(prefix), "chk/%" PRIu64 "-%" PRIu64 "/",
		 o->seed, util_wall_ms());
	if (wlclient_global_init(&e) != RC_OK) {
		fprintf(stderr, "%s: %s\n", PROG, e.msg);
		return EXIT_FAIL;
	}
	if (wlhist_open(o->out, &h, &e) != RC_OK) {
		fprintf(stderr, "%s: %s\n", PROG, e.msg);
		wlclient_global_cleanup();
		return EXIT_FAIL;
	}
	status = run_open(o, h, prefix);
	wlhist_close(h);
	wlclient_global_cleanup();
	return status;
}
