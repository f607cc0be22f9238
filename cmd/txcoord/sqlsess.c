/*
 * sqlsess.c -- the SQL gateway's session table (see sqlsess.h).
 *
 * A hash table keyed by id under one mutex; each session has its own
 * mutex, held by the request using it.  users counts requests holding or
 * waiting for a session, so the reaper never closes one in use, and a
 * session closed while others wait is freed by the last of them.
 */
#include "sqlsess.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "log.h"
#include "util.h"

#define SQLSESS_BUCKETS 1024

struct sqlsess_table {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	struct sqlsess *b[SQLSESS_BUCKETS];
	size_t n;
	unsigned idle_ms;
	sqlsess_destroy_fn destroy;
	void *arg;
	int stop;
	pthread_t reaper;
};

static size_t bucket(const char *id)
{
	size_t h = 5381;

	for (; *id != '\0'; id++)
		h = h * 33 + (unsigned char)*id;
	return h % SQLSESS_BUCKETS;
}

/* Unlink s (t->mu held). */
static void unlink_sess(struct sqlsess_table *t, struct sqlsess *s)
{
	struct sqlsess **p = &t->b[bucket(s->id)];

	while (*p != NULL && *p != s)
		p = &(*p)->next;
	if (*p == s) {
		*p = s->next;
		t->n--;
	}
	s->next = NULL;
}

static void sess_free(struct sqlsess_table *t, struct sqlsess *s)
{
	if (t->destroy != NULL && s->state != NULL)
		t->destroy(s->state, t->arg);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static void *reaper_main(void *arg)
{
	struct sqlsess_table *t = arg;
	unsigned tick = t->idle_ms / 4 < 1000 ? t->idle_ms / 4 + 1 : 1000;

	pthread_setname_np(pthread_self(), "txcoord-sqlgc");

	pthread_mutex_lock(&t->mu);
	while (!t->stop) {
		struct sqlsess *dead = NULL;
		uint64_t now = util_mono_ms();
		struct timespec ts;

		for (size_t i = 0; i < SQLSESS_BUCKETS; i++) {
			struct sqlsess **p = &t->b[i];

			while (*p != NULL) {
				struct sqlsess *s = *p;

				if (s->users > 0 ||
				    now - s->idle_since_ms < t->idle_ms) {
					p = &s->next;
					continue;
				}
				*p = s->next;
				t->n--;
				s->closed = 1;
				s->next = dead;
				dead = s;
			}
		}
		pthread_mutex_unlock(&t->mu);
		while (dead != NULL) {
			struct sqlsess *s = dead;

			dead = s->next;
			log_info("msg=\"idle SQL session closed\" session=%s "
				 "idle_ms=%u", s->id, t->idle_ms);
			sess_free(t, s);
		}
		pthread_mutex_lock(&t->mu);
		if (t->stop)
			break;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += tick / 1000;
		ts.tv_nsec += (long)(tick % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&t->cond, &t->mu, &ts);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

int sqlsess_table_new(struct sqlsess_table **out, unsigned idle_ms,
		      sqlsess_destroy_fn destroy, void *arg, struct err *e)
{
	struct sqlsess_table *t = calloc(1, sizeof(*t));
	pthread_condattr_t ca;
	int rc;

	if (t == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	t->idle_ms = idle_ms > 0 ? idle_ms : SQLSESS_DEFAULT_IDLE_MS;
	t->destroy = destroy;
	t->arg = arg;
	pthread_mutex_init(&t->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cond, &ca);
	pthread_condattr_destroy(&ca);
	if ((rc = pthread_create(&t->reaper, NULL, reaper_main, t)) != 0) {
		pthread_cond_destroy(&t->cond);
		pthread_mutex_destroy(&t->mu);
		free(t);
		return err_set(e, RC_NOMEM, "cannot start the session "
			       "reaper: %s", strerror(rc));
	}
	*out = t;
	return RC_OK;
}

void sqlsess_table_free(struct sqlsess_table *t)
{
	if (t == NULL)
		return;
	pthread_mutex_lock(&t->mu);
	t->stop = 1;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->mu);
	pthread_join(t->reaper, NULL);
	for (size_t i = 0; i < SQLSESS_BUCKETS; i++) {
		while (t->b[i] != NULL) {
			struct sqlsess *s = t->b[i];

			t->b[i] = s->next;
			sess_free(t, s);
		}
	}
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

int sqlsess_create(struct sqlsess_table *t, void *state,
		   struct sqlsess **out, struct err *e)
{
	unsigned char raw[16];
	struct sqlsess *s;
	size_t b;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return err_set(e, RC_IO, "cannot make a session id: "
			       "getrandom: %s", strerror(errno));
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(s->id + 2 * i, 3, "%02x", raw[i]);
	s->state = state;
	s->users = 1;
	s->idle_since_ms = util_mono_ms();
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_lock(&t->mu);
	if (t->n >= SQLSESS_MAX) {
		pthread_mutex_unlock(&t->mu);
		pthread_mutex_destroy(&s->mu);
		free(s);
		return err_set(e, RC_UNAVAILABLE, "too many open SQL sessions "
			       "(%d); close some", SQLSESS_MAX);
	}
	b = bucket(s->id);
	s->next = t->b[b];
	t->b[b] = s;
	t->n++;
	pthread_mutex_unlock(&t->mu);
	pthread_mutex_lock(&s->mu);
	*out = s;
	return RC_OK;
}

int sqlsess_acquire(struct sqlsess_table *t, const char *id,
		    struct sqlsess **out, struct err *e)
{
	struct sqlsess *s;

	pthread_mutex_lock(&t->mu);
	for (s = t->b[bucket(id)]; s != NULL; s = s->next)
		if (strcmp(s->id, id) == 0)
			break;
	if (s != NULL)
		s->users++;
	pthread_mutex_unlock(&t->mu);
	if (s == NULL)
		return err_set(e, RC_NOT_FOUND, "session \"%.40s\" does not "
			       "exist (unknown, closed, or idle for more "
			       "than %u s)", id, t->idle_ms / 1000);
	pthread_mutex_lock(&s->mu);
	if (s->closed) {
		sqlsess_release(t, s, 0);
		return err_set(e, RC_NOT_FOUND, "session \"%.40s\" was just "
			       "closed", id);
	}
	*out = s;
	return RC_OK;
}

void sqlsess_release(struct sqlsess_table *t, struct sqlsess *s, int close)
{
	int last;

	/* Unlock first: once users drops, the reaper may free s. */
	pthread_mutex_unlock(&s->mu);
	pthread_mutex_lock(&t->mu);
	if (close && !s->closed) {
		unlink_sess(t, s);
		s->closed = 1;
	}
	s->users--;
	s->idle_since_ms = util_mono_ms();
	last = s->closed && s->users == 0;
	pthread_mutex_unlock(&t->mu);
	if (last)
		sess_free(t, s);
}

size_t sqlsess_count(struct sqlsess_table *t)
{
	size_t n;

	pthread_mutex_lock(&t->mu);
	n = t->n;
	pthread_mutex_unlock(&t->mu);
	return n;
}
