/*
 * drill.c -- fault drills: find a leader or a node's PID from /status,
 * SIGKILL it, measure failover with a probe write, restart a node from its
 * recorded command line and measure its catch-up.  See drill.h.
 *
 * All waits poll every DRILL_POLL_MS and are bounded.  Nothing here exits
 * or prints except drill_report_print().  Tested by t/700-chaos.bats.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cfg.h"
#include "drill.h"
#include "http.h"
#include "jx.h"
#include "util.h"

#define DRILL_POLL_MS		20
#define DRILL_STATUS_MS		1000	/* timeout of one GET /status */
#define DRILL_PUT_MS		3000	/* timeout of one probe PUT */
#define DRILL_LEADER_MS		10000	/* bound on finding the leader */
#define DRILL_MAX_ARGS		64
#define DRILL_CMD_MAX		(64 * 1024)

struct drill_node {
	uint64_t id;
	char *addr;
};

struct drill {
	struct drill_node *nodes;
	size_t n_nodes;
	char *dir;		/* directory of the config file */
};

/* One range as a node reports it in /status. */
struct drill_range {
	uint64_t range_id, term, commit, applied, leader;
	int is_leader;
};

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static double secs_since(uint64_t t0_ms)
{
	return (double)(util_mono_ms() - t0_ms) / 1000.0;
}

/* ---- config ------------------------------------------------------------- */

int drill_open(struct drill **out, const char *config_path, struct err *e)
{
	struct drill *d;
	struct cfg *cfg = NULL;
	char *real = NULL, *slash;
	size_t i, n;
	int rc;

	*out = NULL;
	if ((rc = cfg_load(config_path, &cfg, e)) != RC_OK)
		return rc;
	n = cfg_section_count_prefix(cfg, "node.");
	if (n == 0) {
		cfg_free(cfg);
		return err_set(e, RC_BAD_INPUT, "'%s' has no [node.N] sections",
			       config_path);
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL || (d->nodes = calloc(n, sizeof(*d->nodes))) == NULL) {
		free(d);
		cfg_free(cfg);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	for (i = 0; i < n; i++) {
		const char *sec = cfg_section_name_prefix(cfg, "node.", i);
		const char *addr = cfg_get(cfg, sec, "address");
		uint64_t id;

		if (util_parse_u64(sec + 5, 1, UINT64_MAX / 2, &id, sec, e) !=
		    RC_OK) {
			rc = err_prefix(e, "%s: section [%s]", config_path, sec);
			goto fail;
		}
		if (addr == NULL || addr[0] == '\0') {
			rc = err_set(e, RC_BAD_INPUT,
				     "%s: [%s] has no 'address'", config_path,
				     sec);
			goto fail;
		}
		d->nodes[i].id = id;
		if ((d->nodes[i].addr = strdup(addr)) == NULL) {
			rc = err_set(e, RC_NOMEM, "out of memory");
			goto fail;
		}
		d->n_nodes = i + 1;
	}
	real = realpath(config_path, NULL);
	if (real == NULL) {
		rc = err_set(e, RC_IO, "cannot resolve '%s': %s", config_path,
			     strerror(errno));
		goto fail;
	}
	slash = strrchr(real, '/');
	if (slash == real)
		slash[1] = '\0';
	else
		*slash = '\0';
	d->dir = real;
	cfg_free(cfg);
	*out = d;
	return RC_OK;
fail:
	cfg_free(cfg);
	drill_free(d);
	return rc;
}

void drill_free(struct drill *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n_nodes; i++)
		free(d->nodes[i].addr);
	free(d->nodes);
	free(d->dir);
	free(d);
}

static struct drill_node *node_by_id(struct drill *d, uint64_t id)
{
	size_t i;

	for (i = 0; i < d->n_nodes; i++)
		if (d->nodes[i].id == id)
			return &d->nodes[i];
	return NULL;
}

static int node_lookup(struct drill *d, uint64_t id, struct drill_node **out,
		       struct err *e)
{
	*out = node_by_id(d, id);
	if (*out == NULL)
		return err_set(e, RC_NOT_FOUND,
			       "node %" PRIu64 " is not in the config's "
			       "[node.N] sections", id);
	return RC_OK;
}

/* ---- /status ------------------------------------------------------------ */

/* GET /status of addr into *out (caller decrefs). */
static int status_get(const char *addr, long timeout_ms, json_t **out,
		      struct err *e)
{
	struct http_client_opts o = { .connect_timeout_ms = timeout_ms,
				      .timeout_ms = timeout_ms };
	struct http_client *c;
	int rc;

	*out = NULL;
	if ((rc = http_client_new(&c, addr, &o, e)) != RC_OK)
		return rc;
	rc = http_client_json(c, "GET", "/status", NULL, out, e);
	http_client_free(c);
	if (rc == RC_OK && !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return err_set(e, RC_CORRUPT, "%s: /status is not an object",
			       addr);
	}
	return rc;
}

/* The entry for range_id in a /status reply; RC_NOT_FOUND if absent. */
static int status_range(const json_t *st, uint64_t range_id,
			struct drill_range *out, struct err *e)
{
	json_t *ranges = json_object_get(st, "ranges"), *r;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!json_is_array(ranges))
		return err_set(e, RC_CORRUPT, "/status has no 'ranges' array");
	json_array_foreach(ranges, i, r) {
		const char *role = NULL;
		uint64_t id = 0;

		if (jx_opt_u64(r, "range_id", 0, &id, NULL) != RC_OK ||
		    id != range_id)
			continue;
		out->range_id = id;
		if (jx_opt_u64(r, "term", 0, &out->term, e) != RC_OK ||
		    jx_opt_u64(r, "commit", 0, &out->commit, e) != RC_OK ||
		    jx_opt_u64(r, "applied", 0, &out->applied, e) != RC_OK ||
		    jx_opt_u64(r, "leader", 0, &out->leader, e) != RC_OK ||
		    jx_opt_str(r, "role", "", &role, e) != RC_OK)
			return err_prefix(e, "/status of range %" PRIu64,
					  range_id);
		out->is_leader = strcmp(role, "leader") == 0;
		return RC_OK;
	}
	return err_set(e, RC_NOT_FOUND, "no range %" PRIu64 " in /status",
		       range_id);
}

/*
 * Ask every node (except skip) for range_id; the one that says it is the
 * leader, with the highest term, wins.  RC_UNAVAILABLE when none does.
 */
static int find_leader(struct drill *d, uint64_t range_id, uint64_t skip,
		       uint64_t *leader, struct drill_range *lr, long *pid,
		       struct err *e)
{
	size_t i;
	int answered = 0;

	*leader = 0;
	for (i = 0; i < d->n_nodes; i++) {
		struct drill_range r;
		json_t *st;
		int64_t p = 0;

		if (d->nodes[i].id == skip)
			continue;
		if (status_get(d->nodes[i].addr, DRILL_STATUS_MS, &st, NULL) !=
		    RC_OK)
			continue;
		answered++;
		if (status_range(st, range_id, &r, NULL) == RC_OK &&
		    r.is_leader && (*leader == 0 || r.term > lr->term)) {
			*leader = d->nodes[i].id;
			*lr = r;
			jx_opt_int(st, "pid", 0, &p, NULL);
			*pid = (long)p;
		}
		json_decref(st);
	}
	if (*leader != 0)
		return RC_OK;
	if (answered == 0)
		return err_set(e, RC_UNAVAILABLE, "no node of the cluster "
			       "answers GET /status (first: %s)",
			       d->nodes[0].addr);
	return err_set(e, RC_UNAVAILABLE, "no node says it leads range %"
		       PRIu64 " yet", range_id);
}

/* The PID node id reports in /status. */
static int node_pid(struct drill_node *n, long *pid, struct err *e)
{
	json_t *st;
	int64_t p;
	uint64_t id;
	int rc;

	if ((rc = status_get(n->addr, DRILL_STATUS_MS, &st, e)) != RC_OK)
		return err_prefix(e, "node %" PRIu64, n->id);
	rc = jx_get_int_range(st, "pid", 2, INT_MAX, &p, e);
	if (rc == RC_OK)
		rc = jx_get_u64(st, "node", &id, e);
	json_decref(st);
	if (rc != RC_OK)
		return err_prefix(e, "/status of node %" PRIu64 " at %s",
				  n->id, n->addr);
	if (id != n->id)
		return err_set(e, RC_BAD_INPUT, "%s says it is node %" PRIu64
			       ", not node %" PRIu64, n->addr, id, n->id);
	*pid = (long)p;
	return RC_OK;
}

/* ---- killing ------------------------------------------------------------ */

int drill_pid_running(long pid)
{
	char path[64], buf[512], *p;
	int fd;
	ssize_t len;

	if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno != ENOENT;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return 1;
	buf[len] = '\0';
	p = strrchr(buf, ')');
	return !(p != NULL && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'));
}

static int kill_pid(uint64_t id, long pid, struct err *e)
{
	uint64_t t0 = util_mono_ms();

	if (pid < 2)
		return err_set(e, RC_BAD_INPUT, "node %" PRIu64 " reports pid "
			       "%ld; refusing to signal it", id, pid);
	if (kill((pid_t)pid, SIGKILL) != 0)
		return err_set(e, errno == ESRCH ? RC_NOT_FOUND : RC_IO,
			       "cannot kill node %" PRIu64 " (pid %ld): %s "
			       "(is it on this machine?)", id, pid,
			       strerror(errno));
	while (drill_pid_running(pid)) {
		if (util_mono_ms() - t0 > 5000)
			return err_set(e, RC_TIMEOUT, "pid %ld still runs 5 s "
				       "after SIGKILL", pid);
		sleep_ms(DRILL_POLL_MS);
	}
	return RC_OK;
}

int drill_kill_node(struct drill *d, uint64_t id, struct drill_report *r,
		    struct err *e)
{
	struct drill_node *n;
	long pid = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	r->action = "kill-node";
	if ((rc = node_lookup(d, id, &n, e)) != RC_OK ||
	    (rc = node_pid(n, &pid, e)) != RC_OK ||
	    (rc = kill_pid(id, pid, e)) != RC_OK)
		return rc;
	r->killed_node = id;
	r->killed_pid = pid;
	return RC_OK;
}

/* ---- the probe write ---------------------------------------------------- */

/*
 * One PUT of the probe key at addr.  RC_OK and *accepted = the node that
 * committed it; RC_NOT_LEADER with *redirect = the node named as leader
 * (0 unknown); other codes for everything else (retry elsewhere).
 */
static int probe_put_within(struct drill_node *n, long timeout_ms,
			    uint64_t *redirect, struct err *e)
{
	struct http_client_opts o = { .connect_timeout_ms = 500,
				      .timeout_ms = timeout_ms };
	struct http_client *c;
	char value[64], *resp = NULL;
	size_t resp_len = 0;
	int status = 0, rc;

	*redirect = 0;
	snprintf(value, sizeof(value), "chaos %" PRIu64, util_wall_ms());
	if ((rc = http_client_new(&c, n->addr, &o, e)) != RC_OK)
		return rc;
	rc = http_client_do(c, "PUT", "/kv/" DRILL_PROBE_KEY,
			    "application/octet-stream", value, strlen(value),
			    &status, &resp, &resp_len, e);
	http_client_free(c);
	if (rc != RC_OK)
		return rc;
	if (status == 204 || status == 200) {
		free(resp);
		return RC_OK;
	}
	if (status == 307 || status == 421) {
		json_t *j = NULL, *err;

		if (jx_parse_object(resp, resp_len, &j, NULL) == RC_OK &&
		    (err = json_object_get(j, "error")) != NULL)
			jx_opt_u64(err, "leader", 0, redirect, NULL);
		json_decref(j);
		free(resp);
		return err_set(e, RC_NOT_LEADER, "node %" PRIu64 " is not the "
			       "leader", n->id);
	}
	rc = err_set(e, RC_UNAVAILABLE, "node %" PRIu64 " answered %d: %.80s",
		     n->id, status, resp ? resp : "");
	free(resp);
	return rc;
}

static int probe_put(struct drill_node *n, uint64_t *redirect, struct err *e)
{
	return probe_put_within(n, DRILL_PUT_MS, redirect, e);
}

/*
 * Write the probe until a node other than dead commits it; *who = that
 * node.  Starts with the node after dead and follows redirects.
 */
static int probe_until_committed(struct drill *d, uint64_t dead,
				 uint64_t t0, long bound_ms, uint64_t *who,
				 struct err *e)
{
	size_t i = 0;
	uint64_t next = 0;
	struct err last;

	err_set(&last, RC_TIMEOUT, "no answer yet");
	for (;;) {
		struct drill_node *n = next ? node_by_id(d, next) : NULL;
		uint64_t redirect = 0;

		if (n == NULL || n->id == dead) {
			n = &d->nodes[i++ % d->n_nodes];
			if (n->id == dead && d->n_nodes > 1)
				n = &d->nodes[i++ % d->n_nodes];
		}
		next = 0;
		if (probe_put(n, &redirect, &last) == RC_OK) {
			*who = n->id;
			return RC_OK;
		}
		if ((long)(util_mono_ms() - t0) > bound_ms)
			return err_set(e, RC_TIMEOUT, "no write committed "
				       "within %ld s (last: %s)",
				       bound_ms / 1000, last.msg);
		if (redirect != 0 && redirect != dead && redirect != n->id)
			next = redirect;	/* follow at once */
		else
			sleep_ms(DRILL_POLL_MS);
	}
}

/* ---- restarting --------------------------------------------------------- */

/* Read node<ID>.cmd into a NULL-terminated argv (one argument per line). */
static int read_cmd(struct drill *d, uint64_t id, char **buf, char **argv,
		    struct err *e)
{
	char path[PATH_MAX];
	size_t len, argc = 0;
	char *p;
	int rc;

	snprintf(path, sizeof(path), "%s/node%" PRIu64 ".cmd", d->dir, id);
	rc = util_read_file(path, DRILL_CMD_MAX, buf, &len, e);
	if (rc == RC_NOT_FOUND)
		return err_set(e, RC_NOT_FOUND, "cannot restart node %" PRIu64
			       ": no '%s' (written by contrib/local-cluster)",
			       id, path);
	if (rc != RC_OK)
		return rc;
	for (p = *buf; *p != '\0';) {
		char *nl = strchr(p, '\n');

		if (nl != NULL)
			*nl = '\0';
		if (argc == DRILL_MAX_ARGS - 3) {
			free(*buf);
			return err_set(e, RC_TOO_LARGE, "'%s' has over %d "
				       "arguments", path, DRILL_MAX_ARGS - 4);
		}
		argv[argc++] = p;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	argv[argc] = NULL;
	if (argc == 0 || argv[0][0] != '/') {
		free(*buf);
		return err_set(e, RC_BAD_INPUT, "'%s' must start with the "
			       "absolute path of raftd", path);
	}
	return RC_OK;
}

/* In the child: new session, log as stdout/stderr, ready pipe as fd 3. */
static void child_exec(char **argv, const char *log_path, int ready_w)
{
	int fd;

	setsid();
	if (ready_w != 3) {
		if (dup2(ready_w, 3) < 0)
			_exit(127);
		close(ready_w);
	}
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, 0) < 0)
		_exit(127);
	fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(127);
	for (fd = 4; fd < 1024; fd++)
		close(fd);
	execv(argv[0], argv);
	dprintf(2, "chaos: cannot run '%s': %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Wait for "ready ADDR" on fd; RC_UNAVAILABLE if it closes first. */
static int wait_ready(int fd, uint64_t id, long pid, const char *log_path,
		      struct err *e)
{
	char buf[512];
	size_t len = 0;
	uint64_t t0 = util_mono_ms();

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long left = DRILL_READY_MS - (long)(util_mono_ms() - t0);
		ssize_t got;

		if (left <= 0)
			return err_set(e, RC_TIMEOUT, "node %" PRIu64 " (pid "
				       "%ld) not ready within %d s; see '%s'",
				       id, pid, DRILL_READY_MS / 1000,
				       log_path);
		if (poll(&pfd, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			return err_set(e, RC_IO, "poll: %s", strerror(errno));
		}
		got = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return err_set(e, RC_UNAVAILABLE, "node %" PRIu64
				       " (pid %ld) exited before it was "
				       "ready; see '%s'", id, pid, log_path);
		len += (size_t)got;
		buf[len] = '\0';
		if (strchr(buf, '\n') != NULL || len == sizeof(buf) - 1)
			return strncmp(buf, "ready ", 6) == 0 ? RC_OK :
				err_set(e, RC_CORRUPT, "node %" PRIu64 " said "
					"'%.40s' on its ready fd", id, buf);
	}
}

/* Run node<ID>.cmd detached; *pid once it said ready. */
static int spawn_node(struct drill *d, uint64_t id, long *pid, struct err *e)
{
	char *buf = NULL, *argv[DRILL_MAX_ARGS];
	char log_path[PATH_MAX], pid_path[PATH_MAX], pid_text[32];
	int pfd[2], rc;
	size_t argc;
	pid_t child;

	if ((rc = read_cmd(d, id, &buf, argv, e)) != RC_OK)
		return rc;
	for (argc = 0; argv[argc] != NULL; argc++)
		;
	argv[argc++] = "--ready-fd";
	argv[argc++] = "3";
	argv[argc] = NULL;
	snprintf(log_path, sizeof(log_path), "%s/node%" PRIu64 ".log", d->dir,
		 id);
	snprintf(pid_path, sizeof(pid_path), "%s/node%" PRIu64 ".pid", d->dir,
		 id);
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		free(buf);
		return err_set(e, RC_IO, "pipe: %s", strerror(errno));
	}
	child = fork();
	if (child < 0) {
		rc = err_set(e, RC_IO, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		free(buf);
		return rc;
	}
	if (child == 0) {
		close(pfd[0]);
		/* dup2 clears FD_CLOEXEC on the copy at fd 3 */
		if (pfd[1] == 3) {
			int flags = fcntl(3, F_GETFD);

			fcntl(3, F_SETFD, flags & ~FD_CLOEXEC);
		}
		child_exec(argv, log_path, pfd[1]);
	}
	close(pfd[1]);
	free(buf);
	*pid = (long)child;
	snprintf(pid_text, sizeof(pid_text), "%ld\n", (long)child);
	rc = util_write_file_atomic(pid_path, pid_text, strlen(pid_text), e);
	if (rc == RC_OK)
		rc = wait_ready(pfd[0], id, (long)child, log_path, e);
	close(pfd[0]);
	return rc;
}

/* Wait until node n's applied index on range_id reaches target. */
static int wait_caught_up(struct drill_node *n, uint64_t range_id,
			  uint64_t target, struct err *e)
{
	uint64_t t0 = util_mono_ms(), seen = 0;

	for (;;) {
		struct drill_range r;
		json_t *st;

		if (status_get(n->addr, DRILL_STATUS_MS, &st, NULL) == RC_OK) {
			int rc = status_range(st, range_id, &r, NULL);

			json_decref(st);
			if (rc == RC_OK) {
				seen = r.applied;
				if (r.applied >= target)
					return RC_OK;
			}
		}
		if (util_mono_ms() - t0 > DRILL_CATCHUP_MS)
			return err_set(e, RC_TIMEOUT, "node %" PRIu64 " applied "
				       "%" PRIu64 " of %" PRIu64 " on range %"
				       PRIu64 " after %d s", n->id, seen, target,
				       range_id, DRILL_CATCHUP_MS / 1000);
		sleep_ms(DRILL_POLL_MS);
	}
}

/* The data range's commit index at its leader (skip: a node not to ask). */
static int leader_commit(struct drill *d, uint64_t skip, long bound_ms,
			 uint64_t *commit, struct err *e)
{
	uint64_t t0 = util_mono_ms(), leader;
	struct drill_range lr;
	long pid;
	int rc;

	while ((rc = find_leader(d, DRILL_DATA_RANGE, skip, &leader, &lr, &pid,
				 e)) != RC_OK) {
		if ((long)(util_mono_ms() - t0) > bound_ms)
			return rc;
		sleep_ms(DRILL_POLL_MS);
	}
	*commit = lr.commit;
	return RC_OK;
}

/*
 * Restart n and measure.  target 0 = the commit index of the data range's
 * leader among the others now (or, when none leads, of whoever leads
 * after the restart).
 */
static int restart_node(struct drill *d, struct drill_node *n,
			uint64_t target, struct drill_report *r,
			struct err *e)
{
	uint64_t t0;
	long pid = 0;
	int rc;

	if (target == 0)
		leader_commit(d, n->id, 0, &target, NULL);
	t0 = util_mono_ms();
	if ((rc = spawn_node(d, n->id, &pid, e)) != RC_OK)
		return rc;
	r->restarted_node = n->id;
	r->restarted_pid = pid;
	r->ready_s = secs_since(t0);
	t0 = util_mono_ms();
	if (target == 0 &&
	    (rc = leader_commit(d, 0, DRILL_LEADER_MS, &target, e)) != RC_OK)
		return err_prefix(e, "node %" PRIu64 " restarted, but",
				  n->id);
	r->catchup_target = target;
	if ((rc = wait_caught_up(n, DRILL_DATA_RANGE, target, e)) != RC_OK)
		return rc;
	r->catchup_s = secs_since(t0);
	r->caught_up = 1;
	return RC_OK;
}

int drill_restart(struct drill *d, uint64_t id, struct drill_report *r,
		  struct err *e)
{
	struct drill_node *n;
	json_t *st;
	int rc;

	memset(r, 0, sizeof(*r));
	r->action = "restart";
	if ((rc = node_lookup(d, id, &n, e)) != RC_OK)
		return rc;
	if (status_get(n->addr, DRILL_STATUS_MS, &st, NULL) == RC_OK) {
		int64_t pid = 0;

		jx_opt_int(st, "pid", 0, &pid, NULL);
		json_decref(st);
		return err_set(e, RC_BAD_INPUT, "node %" PRIu64 " already runs "
			       "at %s (pid %lld)", id, n->addr,
			       (long long)pid);
	}
	return restart_node(d, n, 0, r, e);
}

/* ---- kill-leader -------------------------------------------------------- */

int drill_kill_leader(struct drill *d, uint64_t range_id, int restart,
		      struct drill_report *r, struct err *e)
{
	struct drill_range lr, dr;
	uint64_t leader = 0, data_leader, t0, who = 0;
	long pid = 0, dpid;
	struct err fe;
	int rc;

	memset(r, 0, sizeof(*r));
	r->action = "kill-leader";
	r->range_id = range_id;
	/* a freshly started or recovering cluster may need a moment */
	t0 = util_mono_ms();
	while ((rc = find_leader(d, range_id, 0, &leader, &lr, &pid, &fe)) !=
	       RC_OK) {
		if (util_mono_ms() - t0 > DRILL_LEADER_MS ||
		    strncmp(fe.msg, "no node of the cluster", 22) == 0)
			return err_set(e, fe.code, "%s", fe.msg);
		sleep_ms(100);
	}
	r->killed_term = lr.term;
	r->commit_at_kill = lr.commit;
	if (range_id != DRILL_DATA_RANGE &&
	    find_leader(d, DRILL_DATA_RANGE, 0, &data_leader, &dr, &dpid,
			NULL) == RC_OK)
		r->commit_at_kill = dr.commit;
	if ((rc = kill_pid(leader, pid, e)) != RC_OK)
		return rc;
	r->killed_node = leader;
	r->killed_pid = pid;
	t0 = util_mono_ms();
	if (range_id == DRILL_DATA_RANGE) {
		rc = probe_until_committed(d, leader, t0, DRILL_FAILOVER_MS,
					   &who, e);
	} else {
		while ((rc = find_leader(d, range_id, leader, &who, &lr, &dpid,
					 e)) != RC_OK &&
		       util_mono_ms() - t0 < DRILL_FAILOVER_MS)
			sleep_ms(DRILL_POLL_MS);
	}
	if (rc != RC_OK)
		return rc;
	r->new_leader = who;
	r->failover_s = secs_since(t0);
	if (!restart)
		return RC_OK;
	return restart_node(d, node_by_id(d, leader), r->commit_at_kill, r, e);
}

/* ---- output ------------------------------------------------------------- */

void drill_report_print(FILE *f, const struct drill_report *r, int json)
{
	if (json) {
		json_t *j = json_object();
		char *s = NULL;

		if (j == NULL)
			return;
		json_object_set_new(j, "action", json_string(r->action));
		if (r->range_id)
			json_object_set_new(j, "range", json_integer(
					    (json_int_t)r->range_id));
		if (r->killed_node) {
			json_object_set_new(j, "killed_node", json_integer(
					    (json_int_t)r->killed_node));
			json_object_set_new(j, "killed_pid",
					    json_integer(r->killed_pid));
		}
		if (r->new_leader) {
			json_object_set_new(j, "old_term", json_integer(
					    (json_int_t)r->killed_term));
			json_object_set_new(j, "new_leader", json_integer(
					    (json_int_t)r->new_leader));
			json_object_set_new(j, "failover_ms", json_integer(
					    (json_int_t)(r->failover_s * 1000.0 + 0.5)));
		}
		if (r->caught_up) {
			json_object_set_new(j, "catchup_index", json_integer(
					    (json_int_t)r->catchup_target));
			json_object_set_new(j, "catchup_ms", json_integer(
					    (json_int_t)(r->catchup_s * 1000.0 + 0.5)));
		}
		if (r->restarted_node) {
			json_object_set_new(j, "restarted_node", json_integer(
					    (json_int_t)r->restarted_node));
			json_object_set_new(j, "restarted_pid",
					    json_integer(r->restarted_pid));
			json_object_set_new(j, "ready_ms", json_integer(
					    (json_int_t)(r->ready_s * 1000.0 + 0.5)));
		}
		if (jx_dump_line(j, &s, NULL, NULL) == RC_OK)
			fputs(s, f);
		free(s);
		json_decref(j);
		return;
	}
	if (r->killed_node && r->range_id)
		fprintf(f, "killed node %" PRIu64 " (pid %ld), leader of range %"
			PRIu64 " in term %" PRIu64 "\n", r->killed_node,
			r->killed_pid, r->range_id, r->killed_term);
	else if (r->killed_node)
		fprintf(f, "killed node %" PRIu64 " (pid %ld)\n",
			r->killed_node, r->killed_pid);
	if (r->new_leader)
		fprintf(f, "new leader: node %" PRIu64 " after %.2f s%s\n",
			r->new_leader, r->failover_s,
			r->range_id == DRILL_DATA_RANGE ?
			" (a write committed)" : "");
	if (r->restarted_node)
		fprintf(f, "restarted node %" PRIu64 " (pid %ld), ready after "
			"%.2f s\n", r->restarted_node, r->restarted_pid,
			r->ready_s);
	if (r->caught_up)
		fprintf(f, "caught up: node %" PRIu64 " applied index %" PRIu64
			" of range %d after %.2f s\n", r->restarted_node,
			r->catchup_target, DRILL_DATA_RANGE, r->catchup_s);
}

/* ---- for chaos run ------------------------------------------------------ */

int drill_probe_write(struct drill *d, uint64_t prefer, long timeout_ms,
		      uint64_t *who, struct err *e)
{
	struct drill_node *n = prefer ? node_by_id(d, prefer) : NULL;
	uint64_t redirect = 0;
	int rc;

	if (n == NULL)
		n = &d->nodes[0];
	rc = probe_put_within(n, timeout_ms, &redirect, e);
	if (rc == RC_NOT_LEADER && redirect != 0 && redirect != n->id &&
	    (n = node_by_id(d, redirect)) != NULL)
		rc = probe_put_within(n, timeout_ms, &redirect, e);
	if (rc == RC_OK)
		*who = n->id;
	return rc;
}

int drill_leader(struct drill *d, uint64_t range_id, uint64_t *leader,
		 struct err *e)
{
	struct drill_range lr;
	long pid = 0;

	return find_leader(d, range_id, 0, leader, &lr, &pid, e);
}
