/*
 * wlhist.c -- the workload history writer (see wlhist.h): JSON lines built
 * with Jansson, each written with one write(2) on an O_APPEND descriptor
 * under a mutex that also reads the clock.  Tested in
 * t/unit/wlhist_test.c.
 */
#include "wlhist.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct wlhist {
	int fd;
	int own_fd;		/* 0 for stdout */
	char *path;
	pthread_mutex_t mu;
	struct err failed;	/* sticky write error; code RC_OK if none */
	struct wlhist_counts counts;
};

const char *wlhist_outcome_name(enum wlhist_outcome o)
{
	switch (o) {
	case WLHIST_OK: return "ok";
	case WLHIST_FAIL: return "fail";
	default: return "info";
	}
}

int64_t wlhist_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* obj[name] = a new string s; RC_BAD_INPUT when s is not UTF-8. */
static int set_str(json_t *obj, const char *name, const char *s,
		   struct err *e)
{
	json_t *j = json_string(s);

	if (j == NULL)
		return err_set(e, RC_BAD_INPUT, "%s '%.64s' is not valid "
			       "UTF-8", name, s);
	if (json_object_set_new(obj, name, j) != 0)
		return err_set(e, RC_NOMEM, "out of memory");
	return RC_OK;
}

/* Compact dump of obj plus '\n' (members in insertion order). */
static int dump_line(const json_t *obj, char **out, size_t *len,
		     struct err *e)
{
	char *s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER), *l;
	size_t n;

	if (s == NULL)
		return err_set(e, RC_NOMEM, "cannot encode a history line: "
			       "out of memory");
	n = strlen(s);
	if ((l = realloc(s, n + 2)) == NULL) {
		free(s);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	l[n] = '\n';
	l[n + 1] = '\0';
	*out = l;
	if (len != NULL)
		*len = n + 1;
	return RC_OK;
}

int wlhist_format(const char *type, int64_t p, const char *f,
		  const char *k, const json_t *v, int64_t t,
		  const char *error, char **out, size_t *len, struct err *e)
{
	json_t *obj = json_object();
	int rc;

	*out = NULL;
	if (obj == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	if ((rc = set_str(obj, "type", type, e)) != RC_OK)
		goto out;
	if (json_object_set_new(obj, "p", json_integer(p)) != 0) {
		rc = err_set(e, RC_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = set_str(obj, "f", f, e)) != RC_OK ||
	    (k != NULL && (rc = set_str(obj, "k", k, e)) != RC_OK))
		goto out;
	if (json_object_set_new(obj, "v", v != NULL ? json_deep_copy(v) :
				json_null()) != 0 ||
	    json_object_set_new(obj, "t", json_integer(t)) != 0) {
		rc = err_set(e, RC_NOMEM, "out of memory");
		goto out;
	}
	if (error != NULL && *error != '\0' &&
	    (rc = set_str(obj, "error", error, e)) != RC_OK)
		goto out;
	rc = dump_line(obj, out, len, e);
out:
	json_decref(obj);
	return rc;
}

int wlhist_open(const char *path, struct wlhist **out, struct err *e)
{
	struct wlhist *h;
	struct stat st;

	*out = NULL;
	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (h->path = strdup(path)) == NULL) {
		free(h);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	if (strcmp(path, "-") == 0) {
		h->fd = STDOUT_FILENO;
	} else {
		h->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			     0644);
		if (h->fd < 0) {
			int rc = err_set(e, errno == ENOENT ? RC_NOT_FOUND :
					 RC_IO, "cannot open '%s': %s", path,
					 strerror(errno));

			free(h->path);
			free(h);
			return rc;
		}
		h->own_fd = 1;
		if (fstat(h->fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_size > 0) {
			close(h->fd);
			free(h->path);
			free(h);
			return err_set(e, RC_BAD_INPUT, "history '%s' is not "
				       "empty (remove it, or choose another "
				       "--out)", path);
		}
	}
	pthread_mutex_init(&h->mu, NULL);
	err_clear(&h->failed);
	*out = h;
	return RC_OK;
}

void wlhist_close(struct wlhist *h)
{
	if (h == NULL)
		return;
	if (h->own_fd)
		close(h->fd);
	pthread_mutex_destroy(&h->mu);
	free(h->path);
	free(h);
}

/* Write all of buf (h->mu held); the sticky error on failure. */
static int write_all(struct wlhist *h, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(h->fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return err_set(&h->failed, RC_IO, "cannot write the "
				       "history '%s': %s", h->path,
				       n < 0 ? strerror(errno) :
				       "nothing written");
		buf += n;
		len -= (size_t)n;
	}
	return RC_OK;
}

/* Format an event stamped now and write it; count it under type. */
static int write_event(struct wlhist *h, const char *type, uint64_t *count,
		       int64_t p, const char *f, const char *k,
		       const json_t *v, const char *error, struct err *e)
{
	char *line;
	size_t len;
	int rc;

	pthread_mutex_lock(&h->mu);
	if (h->failed.code != RC_OK) {
		rc = (int)h->failed.code;
		if (e != NULL)
			*e = h->failed;
		pthread_mutex_unlock(&h->mu);
		return rc;
	}
	rc = wlhist_format(type, p, f, k, v, wlhist_now_ns(), error, &line,
			   &len, e);
	if (rc == RC_OK) {
		if ((rc = write_all(h, line, len)) != RC_OK) {
			if (e != NULL)
				*e = h->failed;
		} else {
			(*count)++;
		}
		free(line);
	}
	pthread_mutex_unlock(&h->mu);
	return rc;
}

int wlhist_meta(struct wlhist *h, const json_t *fields, struct err *e)
{
	json_t *obj = json_object();
	const char *name;
	json_t *v;
	char *line = NULL;
	size_t len;
	int rc;

	if (obj == NULL || json_object_set_new(obj, "type",
					       json_string("meta")) != 0) {
		json_decref(obj);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	json_object_foreach((json_t *)fields, name, v) {
		if (strcmp(name, "type") != 0 &&
		    json_object_set(obj, name, v) != 0) {
			json_decref(obj);
			return err_set(e, RC_NOMEM, "out of memory");
		}
	}
	rc = dump_line(obj, &line, &len, e);
	json_decref(obj);
	if (rc != RC_OK)
		return rc;
	pthread_mutex_lock(&h->mu);
	rc = h->failed.code != RC_OK ? (int)h->failed.code :
		write_all(h, line, len);
	if (rc != RC_OK && e != NULL)
		*e = h->failed;
	pthread_mutex_unlock(&h->mu);
	free(line);
	return rc;
}

int wlhist_invoke(struct wlhist *h, int64_t p, const char *f, const char *k,
		  const json_t *v, struct err *e)
{
	return write_event(h, "invoke", &h->counts.invoke, p, f, k, v, NULL,
			   e);
}

int wlhist_complete(struct wlhist *h, enum wlhist_outcome o, int64_t p,
		    const char *f, const char *k, const json_t *v,
		    const char *error, struct err *e)
{
	uint64_t *count = o == WLHIST_OK ? &h->counts.ok :
		o == WLHIST_FAIL ? &h->counts.fail : &h->counts.info;

	return write_event(h, wlhist_outcome_name(o), count, p, f, k, v,
			   o == WLHIST_OK ? NULL : error, e);
}

void wlhist_get_counts(struct wlhist *h, struct wlhist_counts *out)
{
	pthread_mutex_lock(&h->mu);
	*out = h->counts;
	pthread_mutex_unlock(&h->mu);
}
