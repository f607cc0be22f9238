/*
 * oracle.c -- the timestamp oracle: HLC + durable window (see oracle.h).
 *
 * Two locks.  `mu` guards the clock and the in-memory window; `persist_mu`
 * serialises window writes so the file only ever moves up.  The request
 * path may take persist_mu while holding mu (a synchronous extension); the
 * background thread takes them one at a time, never nested, so the two
 * cannot deadlock.
 */
#include "oracle.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "util.h"

#define WINDOW_MAGIC "rangedb tsod window v1\n"

struct oracle {
	pthread_mutex_t mu;
	struct hlc clock;
	uint64_t window_end;	/* never hand out a timestamp above this */
	uint64_t window_ms;
	uint64_t resumed_from;
	uint64_t issued;
	uint64_t sync_extensions;

	pthread_mutex_t persist_mu;
	uint64_t persisted;	/* last value written to the file */
	uint64_t persists;
	char path[PATH_MAX];

	pthread_t thread;
	int thread_started;
	pthread_mutex_t stop_mu;
	pthread_cond_t stop_cv;
	int stopping;
};

static int window_read(const char *path, uint64_t *end, struct err *e)
{
	char *text = NULL;
	size_t len = 0;
	const char *p;
	int rc;

	rc = util_read_file(path, 4096, &text, &len, e);
	if (rc == RC_NOT_FOUND) {
		*end = 0;
		return RC_OK;
	}
	if (rc != RC_OK)
		return rc;
	rc = RC_OK;
	if (len < strlen(WINDOW_MAGIC) ||
	    memcmp(text, WINDOW_MAGIC, strlen(WINDOW_MAGIC)) != 0 ||
	    strncmp(text + strlen(WINDOW_MAGIC), "end=", 4) != 0) {
		rc = RC_CORRUPT;
	} else {
		char num[32];
		size_t n;

		p = text + strlen(WINDOW_MAGIC) + 4;
		n = strcspn(p, "\n");
		if (n == 0 || n >= sizeof(num) || p[n] != '\n' ||
		    p[n + 1] != '\0') {
			rc = RC_CORRUPT;
		} else {
			memcpy(num, p, n);
			num[n] = '\0';
			if (util_parse_u64(num, 1, UINT64_MAX, end, "window",
					   NULL) != RC_OK)
				rc = RC_CORRUPT;
		}
	}
	free(text);
	if (rc != RC_OK)
		return err_set(e, RC_CORRUPT,
			       "window file '%s' is corrupt; refusing to start "
			       "because timestamps could go backwards (restore "
			       "it, or write one above every timestamp ever "
			       "issued)", path);
	return RC_OK;
}

/* Caller holds persist_mu. */
static int window_write_locked(struct oracle *o, uint64_t end, struct err *e)
{
	char text[128];
	int n, rc;

	if (end <= o->persisted)
		return RC_OK;
	n = snprintf(text, sizeof(text), WINDOW_MAGIC "end=%" PRIu64 "\n",
		     end);
	rc = util_write_file_atomic(o->path, text, (size_t)n, e);
	if (rc != RC_OK)
		return err_prefix(e, "cannot persist the timestamp window");
	o->persisted = end;
	o->persists++;
	return RC_OK;
}

/* The window we want: window_ms beyond both the wall clock and `last`. */
static uint64_t window_target(struct oracle *o, uint64_t last)
{
	uint64_t wall = o->clock.clock(o->clock.clock_arg);
	uint64_t a = hlc_make(wall + o->window_ms, 0);
	uint64_t b = last + hlc_make(o->window_ms, 0);

	return a > b ? a : b;
}

int oracle_tick(struct oracle *o, struct err *e)
{
	uint64_t wall, floor, target, want_ahead;
	int rc;

	pthread_mutex_lock(&o->mu);
	wall = hlc_make(o->clock.clock(o->clock.clock_arg), 0);
	floor = wall > o->clock.last ? wall : o->clock.last;
	want_ahead = hlc_make(o->window_ms * 2 / 3, 0);
	if (o->window_end > floor && o->window_end - floor >= want_ahead) {
		pthread_mutex_unlock(&o->mu);
		return RC_OK;
	}
	target = window_target(o, o->clock.last);
	pthread_mutex_unlock(&o->mu);

	pthread_mutex_lock(&o->persist_mu);
	rc = window_write_locked(o, target, e);
	target = o->persisted;
	pthread_mutex_unlock(&o->persist_mu);

	pthread_mutex_lock(&o->mu);
	if (target > o->window_end)
		o->window_end = target;
	pthread_mutex_unlock(&o->mu);
	return rc;
}

int oracle_reserve(struct oracle *o, uint64_t count, uint64_t *first,
		   struct err *e)
{
	uint64_t start, last;
	int rc;

	pthread_mutex_lock(&o->mu);
	rc = hlc_reserve(&o->clock, count, &start, e);
	if (rc != RC_OK) {
		pthread_mutex_unlock(&o->mu);
		return rc;
	}
	last = start + count - 1;
	if (last > o->window_end) {
		/* Outran the window: extend it before answering. */
		uint64_t target = window_target(o, last);

		pthread_mutex_lock(&o->persist_mu);
		rc = window_write_locked(o, target, e);
		if (o->persisted > o->window_end)
			o->window_end = o->persisted;
		pthread_mutex_unlock(&o->persist_mu);
		o->sync_extensions++;
		if (rc != RC_OK || last > o->window_end) {
			pthread_mutex_unlock(&o->mu);
			return rc != RC_OK ? rc :
				err_set(e, RC_INTERNAL,
					"window extension fell short");
		}
	}
	o->issued += count;
	pthread_mutex_unlock(&o->mu);
	*first = start;
	return RC_OK;
}

void oracle_get_status(struct oracle *o, struct oracle_status *st)
{
	pthread_mutex_lock(&o->mu);
	st->last = o->clock.last;
	st->window_end = o->window_end;
	st->window_ms = o->window_ms;
	st->resumed_from = o->resumed_from;
	st->issued = o->issued;
	st->sync_extensions = o->sync_extensions;
	pthread_mutex_unlock(&o->mu);
	pthread_mutex_lock(&o->persist_mu);
	st->persists = o->persists;
	pthread_mutex_unlock(&o->persist_mu);
}

static void *oracle_thread(void *arg)
{
	struct oracle *o = arg;
	struct err e;

	pthread_setname_np(pthread_self(), "tsod-oracle");

	pthread_mutex_lock(&o->stop_mu);
	while (!o->stopping) {
		struct timespec until;

		pthread_mutex_unlock(&o->stop_mu);
		if (oracle_tick(o, &e) != RC_OK)
			log_error("msg=\"window extension failed\" error=\"%s\"",
				  e.msg);
		pthread_mutex_lock(&o->stop_mu);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += 50 * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		if (!o->stopping)
			pthread_cond_timedwait(&o->stop_cv, &o->stop_mu,
					       &until);
	}
	pthread_mutex_unlock(&o->stop_mu);
	return NULL;
}

int oracle_open(struct oracle **out, const struct oracle_opts *opts,
		struct err *e)
{
	struct oracle *o;
	pthread_condattr_t ca;
	uint64_t found = 0;
	int n, rc;

	o = calloc(1, sizeof(*o));
	if (o == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	n = snprintf(o->path, sizeof(o->path), "%s/%s", opts->dir,
		     ORACLE_WINDOW_FILE);
	if (n < 0 || (size_t)n >= sizeof(o->path)) {
		free(o);
		return err_set(e, RC_BAD_INPUT, "data dir path too long: '%s'",
			       opts->dir);
	}
	o->window_ms = opts->window_ms ? opts->window_ms :
		ORACLE_DEFAULT_WINDOW_MS;
	hlc_init(&o->clock, 0, opts->clock, opts->clock_arg);
	pthread_mutex_init(&o->mu, NULL);
	pthread_mutex_init(&o->persist_mu, NULL);
	pthread_mutex_init(&o->stop_mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&o->stop_cv, &ca);
	pthread_condattr_destroy(&ca);

	rc = window_read(o->path, &found, e);
	if (rc != RC_OK)
		goto fail;
	/* Resume strictly above anything the old window allowed. */
	o->resumed_from = found;
	o->persisted = found;
	o->window_end = found;
	hlc_floor(&o->clock, found);
	/* A fresh window before the first request. */
	pthread_mutex_lock(&o->persist_mu);
	rc = window_write_locked(o, window_target(o, o->clock.last), e);
	o->window_end = o->persisted;
	pthread_mutex_unlock(&o->persist_mu);
	if (rc != RC_OK)
		goto fail;
	if (opts->background) {
		if (pthread_create(&o->thread, NULL, oracle_thread, o) != 0) {
			rc = err_set(e, RC_IO, "cannot start window thread: %s",
				     strerror(errno));
			goto fail;
		}
		o->thread_started = 1;
	}
	*out = o;
	return RC_OK;
fail:
	pthread_mutex_destroy(&o->mu);
	pthread_mutex_destroy(&o->persist_mu);
	pthread_mutex_destroy(&o->stop_mu);
	pthread_cond_destroy(&o->stop_cv);
	free(o);
	return rc;
}

void oracle_close(struct oracle *o)
{
	if (o == NULL)
		return;
	if (o->thread_started) {
		pthread_mutex_lock(&o->stop_mu);
		o->stopping = 1;
		pthread_cond_signal(&o->stop_cv);
		pthread_mutex_unlock(&o->stop_mu);
		pthread_join(o->thread, NULL);
	}
	pthread_mutex_destroy(&o->mu);
	pthread_mutex_destroy(&o->persist_mu);
	pthread_mutex_destroy(&o->stop_mu);
	pthread_cond_destroy(&o->stop_cv);
	free(o);
}
