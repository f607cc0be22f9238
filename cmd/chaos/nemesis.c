/*
 * nemesis.c -- partitions, skew, slow disks and networks, pause/resume
 * and heal (see nemesis.h).
 */
#include "nemesis.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "drill.h"
#include "http.h"
#include "jx.h"
#include "util.h"

#define NEMESIS_HTTP_MS	2000	/* timeout of one admin request */

struct nemesis {
	struct nemesis_target t[NEMESIS_MAX_TARGETS];
	size_t n;
	char *secret;
	char *dir;		/* the config file's directory (pid files) */
};

size_t nemesis_count(const struct nemesis *n)
{
	return n->n;
}

const struct nemesis_target *nemesis_at(const struct nemesis *n, size_t i)
{
	return i < n->n ? &n->t[i] : NULL;
}

static int add(struct nemesis *n, const char *name, const char *addr,
	       uint64_t id, struct err *e)
{
	struct nemesis_target *t;

	if (n->n == NEMESIS_MAX_TARGETS)
		return err_set(e, RC_TOO_LARGE, "more than %d processes in the "
			       "cluster", NEMESIS_MAX_TARGETS);
	t = &n->t[n->n];
	if (snprintf(t->name, sizeof(t->name), "%s", name) >=
	    (int)sizeof(t->name) ||
	    snprintf(t->addr, sizeof(t->addr), "%s", addr) >=
	    (int)sizeof(t->addr))
		return err_set(e, RC_BAD_INPUT, "name or address too long: "
			       "'%s' at '%s'", name, addr);
	t->node_id = id;
	n->n++;
	return RC_OK;
}

void nemesis_free(struct nemesis *n)
{
	if (n == NULL)
		return;
	free(n->secret);
	free(n->dir);
	free(n);
}

static int load(struct nemesis *n, struct cfg *cfg, const char *path,
		struct err *e)
{
	size_t count = cfg_section_count_prefix(cfg, "node.");
	const char *v;
	char name[32];
	int rc;

	for (size_t i = 0; i < count; i++) {
		const char *sec = cfg_section_name_prefix(cfg, "node.", i);
		const char *addr = cfg_get(cfg, sec, "address");
		uint64_t id;

		if ((rc = util_parse_u64(sec + 5, 1, UINT64_MAX / 2, &id, sec,
					 e)) != RC_OK)
			return err_prefix(e, "%s", path);
		if (addr == NULL)
			return err_set(e, RC_BAD_INPUT, "%s: [%s] has no "
				       "'address'", path, sec);
		snprintf(name, sizeof(name), "node%" PRIu64, id);
		if ((rc = add(n, name, addr, id, e)) != RC_OK)
			return rc;
	}
	if ((v = cfg_get(cfg, "tsod", "listen")) != NULL &&
	    (rc = add(n, "tsod", v, 0, e)) != RC_OK)
		return rc;
	if ((v = cfg_get(cfg, "cluster", "txcoords")) != NULL) {
		char *list = strdup(v), *save = NULL, *a;
		int k = 0;

		if (list == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		for (a = strtok_r(list, ", \t", &save); a != NULL;
		     a = strtok_r(NULL, ", \t", &save)) {
			snprintf(name, sizeof(name), "txcoord%d", ++k);
			if ((rc = add(n, name, a, 0, e)) != RC_OK) {
				free(list);
				return rc;
			}
		}
		free(list);
	}
	if ((v = cfg_get(cfg, "cluster", "secret")) != NULL &&
	    (n->secret = strdup(v)) == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	return RC_OK;
}

int nemesis_open(struct nemesis **out, const char *config_path,
		 struct err *e)
{
	struct nemesis *n = calloc(1, sizeof(*n));
	struct cfg *cfg = NULL;
	char *slash;
	int rc;

	*out = NULL;
	if (n == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	if ((rc = cfg_load(config_path, &cfg, e)) != RC_OK ||
	    (rc = load(n, cfg, config_path, e)) != RC_OK) {
		cfg_free(cfg);
		nemesis_free(n);
		return rc;
	}
	cfg_free(cfg);
	if ((n->dir = realpath(config_path, NULL)) == NULL) {
		rc = err_set(e, RC_IO, "cannot resolve '%s': %s", config_path,
			     strerror(errno));
		nemesis_free(n);
		return rc;
	}
	slash = strrchr(n->dir, '/');
	slash[slash == n->dir] = '\0';
	*out = n;
	return RC_OK;
}

int nemesis_target(struct nemesis *n, const char *name,
		   const struct nemesis_target **out, struct err *e)
{
	char want[40], all[512];
	size_t len = 0;

	if (name[0] != '\0' && strspn(name, "0123456789") == strlen(name))
		snprintf(want, sizeof(want), "node%s", name);
	else if (strcmp(name, "txcoord") == 0)
		snprintf(want, sizeof(want), "txcoord1");
	else
		snprintf(want, sizeof(want), "%.39s", name);
	for (size_t i = 0; i < n->n; i++) {
		if (strcmp(n->t[i].name, want) == 0) {
			*out = &n->t[i];
			return RC_OK;
		}
		if (len < sizeof(all))
			len += (size_t)snprintf(all + len, sizeof(all) - len,
						"%s%s", i ? ", " : "",
						n->t[i].name);
	}
	return err_set(e, RC_NOT_FOUND, "no process '%s' in the cluster "
		       "(there are: %s)", name, n->n ? all : "none");
}

/* ---- the admin endpoint ------------------------------------------------- */

/* One authenticated request to t's /admin/fault; *reply may be NULL. */
static int admin(struct nemesis *n, const struct nemesis_target *t,
		 const char *method, const char *path, json_t *body,
		 json_t **reply, struct err *e)
{
	struct http_client_opts o = { .connect_timeout_ms = NEMESIS_HTTP_MS,
				      .timeout_ms = NEMESIS_HTTP_MS };
	struct http_client *c;
	char auth[512];
	json_t *r = NULL;
	int rc;

	if (reply != NULL)
		*reply = NULL;
	if (n->secret == NULL)
		return err_set(e, RC_BAD_INPUT, "the config has no [cluster] "
			       "secret: fault injection needs one (every "
			       "process reads it from the same file)");
	if ((rc = http_client_new(&c, t->addr, &o, e)) != RC_OK)
		return rc;
	snprintf(auth, sizeof(auth), "Bearer %s", n->secret);
	rc = http_client_add_header(c, "Authorization", auth, e);
	if (rc == RC_OK)
		rc = http_client_json(c, method, path, body, &r, e);
	http_client_free(c);
	if (rc != RC_OK)
		return err_prefix(e, "%s", t->name);
	if (reply != NULL)
		*reply = r;
	else
		json_decref(r);
	return RC_OK;
}

static int inject(struct nemesis *n, const struct nemesis_target *t,
		  json_t *body, struct err *e)
{
	int rc;

	if (body == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	rc = admin(n, t, "POST", "/admin/fault", body, NULL, e);
	json_decref(body);
	return rc;
}

static json_t *ttl_json(uint64_t ttl_ms)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64 "ms", ttl_ms);
	return json_string(buf);
}

int nemesis_skew(struct nemesis *n, const struct nemesis_target *t,
		 int64_t offset_ms, uint64_t ttl_ms, struct err *e)
{
	char off[32];

	snprintf(off, sizeof(off), "%s%" PRId64 "ms", offset_ms < 0 ? "-" :
		 "+", offset_ms < 0 ? -offset_ms : offset_ms);
	return inject(n, t, json_pack("{s:s, s:s, s:o}", "kind", "skew",
				      "offset", off, "ttl", ttl_json(ttl_ms)),
		      e);
}

int nemesis_slow(struct nemesis *n, const struct nemesis_target *t,
		 const char *kind, uint64_t delay_ms, uint64_t ttl_ms,
		 struct err *e)
{
	char d[32];

	snprintf(d, sizeof(d), "%" PRIu64 "ms", delay_ms);
	return inject(n, t, json_pack("{s:s, s:s, s:o}", "kind", kind,
				      "delay", d, "ttl", ttl_json(ttl_ms)),
		      e);
}

/* ---- partitions --------------------------------------------------------- */

#define MAX_GROUPS 8

/* Node ids of spec's groups: group[i] of each node (-1: in none). */
static int parse_groups(struct nemesis *n, const char *spec, int *group,
			int *ngroups, struct err *e)
{
	char buf[1024], *save = NULL, *g;
	int k = 0, rc;

	for (size_t i = 0; i < n->n; i++)
		group[i] = -1;
	if (snprintf(buf, sizeof(buf), "%s", spec) >= (int)sizeof(buf))
		return err_set(e, RC_BAD_INPUT, "partition spec too long");
	for (g = strtok_r(buf, "|", &save); g != NULL;
	     g = strtok_r(NULL, "|", &save), k++) {
		char *s2 = NULL, *name;
		int members = 0;

		if (k == MAX_GROUPS)
			return err_set(e, RC_BAD_INPUT, "at most %d groups",
				       MAX_GROUPS);
		for (name = strtok_r(g, ", \t", &s2); name != NULL;
		     name = strtok_r(NULL, ", \t", &s2)) {
			const struct nemesis_target *t;
			size_t i;

			if ((rc = nemesis_target(n, name, &t, e)) != RC_OK)
				return rc;
			if (t->node_id == 0)
				return err_set(e, RC_BAD_INPUT, "partitions "
					       "cut links between raftd nodes; "
					       "'%s' is not one", name);
			i = (size_t)(t - n->t);
			if (group[i] >= 0)
				return err_set(e, RC_BAD_INPUT, "%s is in two "
					       "groups", t->name);
			group[i] = k;
			members++;
		}
		if (members == 0)
			return err_set(e, RC_BAD_INPUT, "empty group in '%s'",
				       spec);
	}
	if (k < 2)
		return err_set(e, RC_BAD_INPUT, "a partition needs two groups "
			       "or more, as in '1,2|3'");
	*ngroups = k;
	return RC_OK;
}

int nemesis_partition(struct nemesis *n, const char *spec, int one_way,
		      uint64_t ttl_ms, struct err *e)
{
	int group[NEMESIS_MAX_TARGETS], ngroups = 0, rc;

	if ((rc = parse_groups(n, spec, group, &ngroups, e)) != RC_OK)
		return rc;
	if (one_way && ngroups != 2)
		return err_set(e, RC_BAD_INPUT, "--one-way cuts the first of "
			       "two groups from the second");
	for (size_t i = 0; i < n->n; i++) {
		json_t *out, *in;

		if (group[i] < 0)
			continue;
		out = json_array();
		in = json_array();
		for (size_t j = 0; out != NULL && in != NULL && j < n->n;
		     j++) {
			json_t *id;

			if (group[j] < 0 || group[j] == group[i])
				continue;
			id = json_integer((json_int_t)n->t[j].node_id);
			/* symmetric: both ways on both sides; one-way: the
			 * first group stops sending, the second stops
			 * hearing it */
			if (!one_way || group[i] == 0)
				json_array_append(out, id);
			if (!one_way || group[i] == 1)
				json_array_append(in, id);
			json_decref(id);
		}
		if (out == NULL || in == NULL) {
			json_decref(out);
			json_decref(in);
			return err_set(e, RC_NOMEM, "out of memory");
		}
		if ((rc = inject(n, &n->t[i], json_pack("{s:s, s:o, s:o, s:o}",
			"kind", "partition", "drop_out", out, "drop_in", in,
			"ttl", ttl_json(ttl_ms)), e)) != RC_OK)
			return rc;
	}
	return RC_OK;
}

/* ---- pause and resume --------------------------------------------------- */

/* The PID of t: its DIR/NAME.pid file, else its /status. */
static int target_pid(struct nemesis *n, const struct nemesis_target *t,
		      long *pid, struct err *e)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len;
	uint64_t v;
	json_t *st = NULL;
	int64_t p;
	int rc;

	snprintf(path, sizeof(path), "%s/%s.pid", n->dir, t->name);
	if (util_read_file(path, 64, &buf, &len, NULL) == RC_OK) {
		while (len > 0 && isspace((unsigned char)buf[len - 1]))
			buf[--len] = '\0';
		rc = util_parse_u64(buf, 2, INT_MAX, &v, path, e);
		free(buf);
		if (rc != RC_OK)
			return rc;
		*pid = (long)v;
		return RC_OK;
	}
	{
		struct http_client_opts o = { .connect_timeout_ms = 1000,
					      .timeout_ms = 1000 };
		struct http_client *c;

		if ((rc = http_client_new(&c, t->addr, &o, e)) != RC_OK)
			return rc;
		rc = http_client_json(c, "GET", "/status", NULL, &st, e);
		http_client_free(c);
	}
	if (rc != RC_OK)
		return err_prefix(e, "%s: no %s and no /status", t->name, path);
	rc = jx_get_int_range(st, "pid", 2, INT_MAX, &p, e);
	json_decref(st);
	if (rc != RC_OK)
		return err_prefix(e, "/status of %s", t->name);
	*pid = (long)p;
	return RC_OK;
}

/* /proc/PID/stat's start time (field 22): tells a reused PID apart. */
static int start_time(long pid, unsigned long long *out)
{
	char path[64], buf[1024], *p;
	int fd, field;
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	/* after ") " comes field 3 */
	for (field = 3, p += 2; *p != '\0' && field < 22; p++)
		if (*p == ' ')
			field++;
	return sscanf(p, "%llu", out) == 1 ? 0 : -1;
}

/* DIR/NAME.paused: "PID STARTTIME", so heal can resume what we paused. */
static void paused_path(struct nemesis *n, const struct nemesis_target *t,
			char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/%s.paused", n->dir, t->name);
}

/*
 * A detached watcher: after ttl_ms, SIGCONT pid if it is still the same
 * process.  Double fork, so it is nobody's zombie and outlives chaos.
 */
static void resume_later(long pid, unsigned long long st, uint64_t ttl_ms,
			 const char *paused)
{
	pid_t c = fork();

	if (c < 0)
		return;
	if (c > 0) {
		while (waitpid(c, NULL, 0) < 0 && errno == EINTR)
			;
		return;
	}
	setsid();
	if (fork() != 0)
		_exit(0);
	/* let go of the caller's stdin/stdout/stderr: a shell reading
	 * $(chaos pause 2) waits for them to close */
	{
		int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
		for (int i = 3; i < 1024; i++)
			close(i);
	}
	{
		struct timespec ts = { (time_t)(ttl_ms / 1000),
				       (long)(ttl_ms % 1000) * 1000000L };
		unsigned long long now;

		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
		if (start_time(pid, &now) == 0 && now == st) {
			kill((pid_t)pid, SIGCONT);
			unlink(paused);
		}
	}
	_exit(0);
}

int nemesis_pause(struct nemesis *n, const struct nemesis_target *t,
		  uint64_t ttl_ms, struct err *e)
{
	char path[PATH_MAX], line[64];
	unsigned long long st;
	long pid;
	int rc;

	if ((rc = target_pid(n, t, &pid, e)) != RC_OK)
		return rc;
	if (start_time(pid, &st) != 0)
		return err_set(e, RC_NOT_FOUND, "%s: pid %ld does not run here",
			       t->name, pid);
	paused_path(n, t, path, sizeof(path));
	snprintf(line, sizeof(line), "%ld %llu\n", pid, st);
	if ((rc = util_write_file_atomic(path, line, strlen(line), e)) !=
	    RC_OK)
		return rc;
	if (kill((pid_t)pid, SIGSTOP) != 0) {
		rc = err_set(e, RC_IO, "cannot stop %s (pid %ld): %s", t->name,
			     pid, strerror(errno));
		unlink(path);
		return rc;
	}
	resume_later(pid, st, ttl_ms, path);
	return RC_OK;
}

/* SIGCONT what DIR/NAME.paused names, when it is still that process. */
static int resume_file(const char *path, struct err *e)
{
	char *buf = NULL;
	size_t len;
	long pid;
	unsigned long long st, now;
	int rc = RC_OK;

	if (util_read_file(path, 128, &buf, &len, NULL) != RC_OK)
		return RC_OK;		/* nothing paused */
	if (sscanf(buf, "%ld %llu", &pid, &st) == 2 && pid > 1 &&
	    start_time(pid, &now) == 0 && now == st &&
	    kill((pid_t)pid, SIGCONT) != 0)
		rc = err_set(e, RC_IO, "cannot resume pid %ld: %s", pid,
			     strerror(errno));
	free(buf);
	if (rc == RC_OK)
		unlink(path);
	return rc;
}

int nemesis_resume(struct nemesis *n, const struct nemesis_target *t,
		   struct err *e)
{
	char path[PATH_MAX];
	long pid;
	int rc;

	paused_path(n, t, path, sizeof(path));
	if (access(path, F_OK) == 0)
		return resume_file(path, e);
	/* not paused by chaos: resume it anyway (SIGCONT is harmless) */
	if ((rc = target_pid(n, t, &pid, e)) != RC_OK)
		return rc;
	if (kill((pid_t)pid, SIGCONT) != 0)
		return err_set(e, RC_IO, "cannot resume %s (pid %ld): %s",
			       t->name, pid, strerror(errno));
	return RC_OK;
}

/* ---- heal and status ---------------------------------------------------- */

int nemesis_heal(struct nemesis *n, struct err *e)
{
	struct err first;
	int failed = 0;

	err_clear(&first);
	for (size_t i = 0; i < n->n; i++) {
		char path[PATH_MAX];
		struct err e1;

		paused_path(n, &n->t[i], path, sizeof(path));
		if (resume_file(path, &e1) != RC_OK && failed++ == 0)
			first = e1;
	}
	for (size_t i = 0; i < n->n; i++) {
		struct err e1;

		if (admin(n, &n->t[i], "DELETE", "/admin/fault", NULL, NULL,
			  &e1) != RC_OK && failed++ == 0)
			first = e1;
	}
	if (failed == 0)
		return RC_OK;
	return err_set(e, RC_UNAVAILABLE, "%d process%s not healed (first: "
		       "%s)", failed, failed == 1 ? "" : "es", first.msg);
}

int nemesis_status(struct nemesis *n, json_t **out, struct err *e)
{
	json_t *o = json_object();

	if (o == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	for (size_t i = 0; i < n->n; i++) {
		json_t *r = NULL;
		struct err e1;
		char path[PATH_MAX];

		paused_path(n, &n->t[i], path, sizeof(path));
		if (access(path, F_OK) == 0) {
			json_object_set_new(o, n->t[i].name,
					    json_string("paused"));
			continue;
		}
		if (admin(n, &n->t[i], "GET", "/admin/fault", NULL, &r, &e1) !=
		    RC_OK)
			json_object_set_new(o, n->t[i].name, json_string(
				e1.msg));
		else
			json_object_set(o, n->t[i].name,
					json_object_get(r, "faults"));
		json_decref(r);
	}
	*out = o;
	return RC_OK;
}
