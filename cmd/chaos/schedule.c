/*
 * schedule.c -- chaos run: play a nemesis schedule and measure what each
 * fault did (see schedule.h).
 */
#include "schedule.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cfg.h"
#include "fault.h"
#include "faultapi.h"
#include "util.h"

#define MAX_ARGS	8
#define MAX_KILLED	16

static void nap(uint64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000),
			       (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Split s (copied into buf) on blanks into argv; returns argc. */
static int split(const char *s, char *buf, size_t cap, char **argv)
{
	int argc = 0;
	char *save = NULL, *w;

	snprintf(buf, cap, "%s", s);
	for (w = strtok_r(buf, " \t", &save); w != NULL && argc < MAX_ARGS;
	     w = strtok_r(NULL, " \t", &save))
		argv[argc++] = w;
	return argc;
}

/* ---- one command -------------------------------------------------------- */

static int need(int argc, int want, const char *usage, struct err *e)
{
	if (argc != want)
		return err_set(e, RC_BAD_INPUT, "usage: %s", usage);
	return RC_OK;
}

static int target(struct nemesis *nm, const char *name,
		  const struct nemesis_target **t, struct err *e)
{
	return nemesis_target(nm, name, t, e);
}

/*
 * "leader" as a target is the data range's leader now; in a partition
 * spec, "leader" is that node and "rest" every other node.  Rewrites
 * argv[1] into buf.
 */
static int resolve_leader(struct drill *d, struct nemesis *nm, char **argv,
			  int partition, char *buf, size_t cap, struct err *e)
{
	char *lp = strstr(argv[1], "leader"), *rp = strstr(argv[1], "rest");
	uint64_t leader;
	size_t len = 0;
	int rc;

	if (lp == NULL && (!partition || rp == NULL))
		return RC_OK;
	if ((rc = drill_leader(d, DRILL_DATA_RANGE, &leader, e)) != RC_OK)
		return err_prefix(e, "cannot tell who leads");
	if (!partition) {
		if (strcmp(argv[1], "leader") != 0)
			return RC_OK;
		snprintf(buf, cap, "%" PRIu64, leader);
		argv[1] = buf;
		return RC_OK;
	}
	for (const char *p = argv[1]; *p != '\0' && len + 24 < cap;) {
		if (strncmp(p, "leader", 6) == 0) {
			len += (size_t)snprintf(buf + len, cap - len, "%" PRIu64,
						leader);
			p += 6;
		} else if (strncmp(p, "rest", 4) == 0) {
			int k = 0;

			for (size_t i = 0; i < nemesis_count(nm); i++) {
				uint64_t id = nemesis_at(nm, i)->node_id;

				if (id != 0 && id != leader)
					len += (size_t)snprintf(buf + len,
						cap - len, "%s%" PRIu64,
						k++ ? "," : "", id);
			}
			p += 4;
		} else {
			buf[len++] = *p++;
			buf[len] = '\0';
		}
	}
	argv[1] = buf;
	return RC_OK;
}

int sched_command(struct drill *d, struct nemesis *nm, int argc,
		  char **args, uint64_t ttl_ms, char *desc, size_t cap,
		  struct err *e)
{
	const struct nemesis_target *t = NULL;
	const char *c = args[0];
	struct drill_report r;
	char resolved[256], *argv[MAX_ARGS];
	int64_t v;
	uint64_t id;
	int rc;

	if (argc > MAX_ARGS)
		return err_set(e, RC_BAD_INPUT, "%s: too many arguments", c);
	for (int i = 0; i < argc; i++)
		argv[i] = args[i];	/* "leader" may be rewritten */
	snprintf(desc, cap, "%s", c);
	memset(&r, 0, sizeof(r));
	if (argc >= 2 && strcmp(c, "heal") != 0 &&
	    (rc = resolve_leader(d, nm, argv, strcmp(c, "partition") == 0,
				 resolved, sizeof(resolved), e)) != RC_OK)
		return rc;
	if (strcmp(c, "partition") == 0) {
		int one_way = argc == 3 && strcmp(argv[2], "--one-way") == 0;

		if (argc != 2 && !one_way)
			return err_set(e, RC_BAD_INPUT, "usage: partition "
				       "GROUP|GROUP... [--one-way]");
		snprintf(desc, cap, "partition %s%s", argv[1],
			 one_way ? " (one-way)" : "");
		return nemesis_partition(nm, argv[1], one_way, ttl_ms, e);
	}
	if (strcmp(c, "heal") == 0) {
		if ((rc = need(argc, 1, "heal", e)) != RC_OK)
			return rc;
		return nemesis_heal(nm, e);
	}
	if (strcmp(c, "skew") == 0) {
		if ((rc = need(argc, 3, "skew TARGET +5s", e)) != RC_OK ||
		    (rc = target(nm, argv[1], &t, e)) != RC_OK)
			return rc;
		if (faultapi_parse_offset(argv[2], &v) != 0)
			return err_set(e, RC_BAD_INPUT, "skew: '%s' is not a "
				       "signed duration such as +5s or -250ms",
				       argv[2]);
		snprintf(desc, cap, "skew %s %s", t->name, argv[2]);
		return nemesis_skew(nm, t, v, ttl_ms, e);
	}
	if (strcmp(c, "slow-disk") == 0 || strcmp(c, "slow-net") == 0) {
		if ((rc = need(argc, 3, strcmp(c, "slow-disk") == 0 ?
			       "slow-disk TARGET 200ms" :
			       "slow-net TARGET 50ms", e)) != RC_OK ||
		    (rc = target(nm, argv[1], &t, e)) != RC_OK)
			return rc;
		if (cfg_parse_duration(argv[2], &v) != 0 || v <= 0)
			return err_set(e, RC_BAD_INPUT, "%s: '%s' is not a "
				       "delay such as 200ms", c, argv[2]);
		snprintf(desc, cap, "%s %s %s", c, t->name, argv[2]);
		return nemesis_slow(nm, t, c, (uint64_t)v, ttl_ms, e);
	}
	if (strcmp(c, "pause") == 0 || strcmp(c, "resume") == 0) {
		if ((rc = need(argc, 2, strcmp(c, "pause") == 0 ?
			       "pause TARGET" : "resume TARGET", e)) != RC_OK ||
		    (rc = target(nm, argv[1], &t, e)) != RC_OK)
			return rc;
		snprintf(desc, cap, "%s %s", c, t->name);
		return strcmp(c, "pause") == 0 ?
			nemesis_pause(nm, t, ttl_ms, e) :
			nemesis_resume(nm, t, e);
	}
	if (strcmp(c, "kill-leader") == 0) {
		if ((rc = need(argc, 1, "kill-leader", e)) != RC_OK)
			return rc;
		rc = drill_kill_leader(d, DRILL_DATA_RANGE, 0, &r, e);
		snprintf(desc, cap, "kill-leader (node %" PRIu64 ")",
			 r.killed_node);
		return rc;
	}
	if (strcmp(c, "kill-node") == 0 || strcmp(c, "restart") == 0) {
		if ((rc = need(argc, 2, strcmp(c, "restart") == 0 ?
			       "restart ID" : "kill-node ID", e)) != RC_OK ||
		    (rc = target(nm, argv[1], &t, e)) != RC_OK)
			return rc;
		if ((id = t->node_id) == 0)
			return err_set(e, RC_BAD_INPUT, "%s takes a node, not "
				       "%s", c, t->name);
		snprintf(desc, cap, "%s %s", c, t->name);
		return strcmp(c, "restart") == 0 ?
			drill_restart(d, id, &r, e) :
			drill_kill_node(d, id, &r, e);
	}
	return err_set(e, RC_BAD_INPUT, "unknown fault command '%s'", c);
}

/* ---- schedules ---------------------------------------------------------- */

static int by_time(const void *a, const void *b)
{
	const struct sched_event *x = a, *y = b;

	return x->at_ms < y->at_ms ? -1 : x->at_ms > y->at_ms;
}

int sched_load(const char *path, struct sched *s, struct err *e)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len;
	int rc, lineno = 0;

	s->n = 0;
	if ((rc = util_read_file(path, 1 << 20, &buf, &len, e)) != RC_OK)
		return rc;
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *p = line + strspn(line, " \t"), *at, *rest;
		int64_t ms;

		lineno++;
		if (*p == '\0' || *p == '#')
			continue;
		at = p;
		rest = p + strcspn(p, " \t");
		if (*rest != '\0')
			*rest++ = '\0';
		rest += strspn(rest, " \t");
		if (cfg_parse_duration(at, &ms) != 0 || *rest == '\0') {
			rc = err_set(e, RC_BAD_INPUT, "%s: a line is 'AT "
				     "COMMAND [ARGS]' with AT a duration such as "
				     "5s (line '%s')", path, line);
			goto out;
		}
		if (s->n == SCHED_MAX_EVENTS) {
			rc = err_set(e, RC_TOO_LARGE, "%s: more than %d events",
				     path, SCHED_MAX_EVENTS);
			goto out;
		}
		if (snprintf(s->ev[s->n].cmd, sizeof(s->ev[s->n].cmd), "%s",
			     rest) >= (int)sizeof(s->ev[s->n].cmd)) {
			rc = err_set(e, RC_BAD_INPUT, "%s: command too long: "
				     "'%.40s...'", path, rest);
			goto out;
		}
		s->ev[s->n++].at_ms = (uint64_t)ms;
	}
	qsort(s->ev, s->n, sizeof(s->ev[0]), by_time);
	rc = RC_OK;
out:
	free(buf);
	(void)lineno;
	return rc;
}

/* xorshift64*: a seeded, reproducible schedule. */
static uint64_t rnd(uint64_t *st)
{
	*st ^= *st >> 12;
	*st ^= *st << 25;
	*st ^= *st >> 27;
	return *st * 0x2545F4914F6CDD1DULL;
}

int sched_random(struct nemesis *nm, uint64_t seed, uint64_t duration_ms,
		 uint64_t interval_ms, struct sched *s, struct err *e)
{
	uint64_t nodes[NEMESIS_MAX_TARGETS], st = seed ? seed : 1;
	size_t nn = 0;

	s->n = 0;
	for (size_t i = 0; i < nemesis_count(nm); i++)
		if (nemesis_at(nm, i)->node_id != 0)
			nodes[nn++] = nemesis_at(nm, i)->node_id;
	if (nn < 2)
		return err_set(e, RC_BAD_INPUT, "a random schedule needs two "
			       "nodes or more");
	if (interval_ms < 2 * SCHED_TICK_MS)
		return err_set(e, RC_BAD_INPUT, "the interval is too short");
	for (uint64_t at = interval_ms / 2; at + interval_ms / 2 <=
	     duration_ms && s->n + 2 <= SCHED_MAX_EVENTS; at += interval_ms) {
		uint64_t victim = nodes[rnd(&st) % nn];
		char *cmd = s->ev[s->n].cmd;
		size_t cap = sizeof(s->ev[s->n].cmd), len = 0;

		switch (rnd(&st) % 6) {
		case 0:		/* one node cut from the others */
			len = (size_t)snprintf(cmd, cap, "partition %" PRIu64
					       "|", victim);
			for (size_t i = 0, k = 0; i < nn; i++)
				if (nodes[i] != victim)
					len += (size_t)snprintf(cmd + len,
						cap - len, "%s%" PRIu64,
						k++ ? "," : "", nodes[i]);
			break;
		case 1:		/* beyond the maximum offset */
			snprintf(cmd, cap, "skew %" PRIu64 " %s2s", victim,
				 rnd(&st) % 2 ? "+" : "-");
			break;
		case 2:
			snprintf(cmd, cap, "slow-disk %" PRIu64 " 100ms",
				 victim);
			break;
		case 3:
			snprintf(cmd, cap, "slow-net %" PRIu64 " 50ms", victim);
			break;
		case 4:
			snprintf(cmd, cap, "pause %" PRIu64, victim);
			break;
		default:
			snprintf(cmd, cap, "kill-node %" PRIu64, victim);
			break;
		}
		s->ev[s->n++].at_ms = at;
		snprintf(s->ev[s->n].cmd, sizeof(s->ev[s->n].cmd), "heal");
		s->ev[s->n++].at_ms = at + interval_ms / 2;
	}
	return RC_OK;
}

/* ---- running ------------------------------------------------------------ */

struct fault_rec {
	char desc[256];
	char error[ERR_MSG_MAX];
	uint64_t start_ms, end_ms;	/* monotonic; end 0: still on */
	uint64_t start_ns, end_ns;	/* realtime, for the history */
	uint64_t leader_before, leader_after;
	double leader_change_s;		/* < 0: no change seen */
	double unavailable_s;		/* longest run of failed probes */
	int recovered;			/* a probe succeeded after the end */
	long client_fail, client_info;
};

static void history_append(const char *path, const char *what)
{
	json_t *j;
	char *line;
	int fd;

	if (path == NULL)
		return;
	j = json_pack("{s:s, s:s, s:I}", "type", "nemesis", "f", what, "t",
		      (json_int_t)realtime_ns());
	if (j == NULL || (line = json_dumps(j, JSON_COMPACT)) == NULL) {
		json_decref(j);
		return;
	}
	json_decref(j);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		size_t n = strlen(line);

		line[n] = '\n';		/* one write: atomic with O_APPEND */
		if (write(fd, line, n + 1) < 0) {
			/* the figures are still printed */
		}
		close(fd);
	}
	free(line);
}

/* Count the history's failed/unknown completions inside each fault. */
static void history_count(const char *path, struct fault_rec *f, size_t n)
{
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;

	if (path == NULL || (fp = fopen(path, "r")) == NULL)
		return;
	while (getline(&line, &cap, fp) > 0) {
		json_t *j = json_loads(line, 0, NULL);
		const char *type = json_string_value(json_object_get(j, "type"));
		const char *why = json_string_value(json_object_get(j,
								    "error"));
		json_int_t t = json_integer_value(json_object_get(j, "t"));

		/* a compare-and-set that found another value failed as it
		 * should: an answer, not an error */
		if (why != NULL && strncmp(why, "compare failed", 14) == 0)
			type = NULL;
		if (type != NULL && (strcmp(type, "fail") == 0 ||
				     strcmp(type, "info") == 0))
			for (size_t i = 0; i < n; i++)
				if ((uint64_t)t >= f[i].start_ns &&
				    (f[i].end_ns == 0 ||
				     (uint64_t)t <= f[i].end_ns +
				     (uint64_t)SCHED_RECOVERY_MS * 1000000u)) {
					if (type[0] == 'f')
						f[i].client_fail++;
					else
						f[i].client_info++;
				}
		json_decref(j);
	}
	free(line);
	fclose(fp);
}

static void print_fault(FILE *out, const struct fault_rec *f, uint64_t t0)
{
	fprintf(out, "%7.1fs  %s", (double)(f->start_ms - t0) / 1000,
		f->desc);
	if (f->error[0] != '\0') {
		fprintf(out, ": FAILED: %s\n", f->error);
		return;
	}
	if (f->end_ms != 0)
		fprintf(out, " for %.1fs", (double)(f->end_ms - f->start_ms) /
			1000);
	fprintf(out, "\n          leader %" PRIu64, f->leader_before);
	if (f->leader_change_s >= 0)
		fprintf(out, " -> %" PRIu64 " after %.2fs", f->leader_after,
			f->leader_change_s);
	else
		fprintf(out, " kept");
	fprintf(out, "; writes unavailable %.2fs%s", f->unavailable_s,
		f->recovered ? "" : " (not recovered)");
	fprintf(out, "; client errors %ld fail, %ld unknown\n",
		f->client_fail, f->client_info);
}

static json_t *fault_json(const struct fault_rec *f, uint64_t t0)
{
	json_t *j = json_pack("{s:s, s:f, s:I, s:b, s:f, s:I, s:I}",
		"fault", f->desc, "at_s", (double)(f->start_ms - t0) / 1000,
		"leader_before", (json_int_t)f->leader_before,
		"recovered", f->recovered, "unavailable_s", f->unavailable_s,
		"client_fail", (json_int_t)f->client_fail,
		"client_unknown", (json_int_t)f->client_info);

	if (j == NULL)
		return NULL;
	if (f->end_ms != 0)
		json_object_set_new(j, "duration_s", json_real(
			(double)(f->end_ms - f->start_ms) / 1000));
	if (f->leader_change_s >= 0) {
		json_object_set_new(j, "leader_after",
				    json_integer((json_int_t)f->leader_after));
		json_object_set_new(j, "leader_change_s",
				    json_real(f->leader_change_s));
	}
	if (f->error[0] != '\0')
		json_object_set_new(j, "error", json_string(f->error));
	return j;
}

struct run_state {
	struct fault_rec *f;
	size_t nf;
	uint64_t leader;		/* last seen */
	uint64_t last_ok_ms;		/* last successful probe */
	uint64_t fail_since;		/* 0: the last probe succeeded */
	uint64_t killed[MAX_KILLED];
	size_t nkilled;
};

/* One probe and (every 5th tick) a leader poll; update the open faults. */
static void tick(struct drill *d, struct run_state *rs, unsigned k)
{
	uint64_t who = 0, now;
	struct err e;

	if (drill_probe_write(d, rs->leader, 500, &who, &e) == RC_OK) {
		rs->leader = who;
		rs->fail_since = 0;
		rs->last_ok_ms = util_mono_ms();
	} else if (rs->fail_since == 0) {
		rs->fail_since = util_mono_ms();
	}
	if (k % 5 == 0) {
		uint64_t l = 0;

		if (drill_leader(d, DRILL_DATA_RANGE, &l, NULL) == RC_OK)
			rs->leader = l;
	}
	now = util_mono_ms();
	for (size_t i = 0; i < rs->nf; i++) {
		struct fault_rec *f = &rs->f[i];

		if (f->error[0] != '\0' || f->recovered)
			continue;
		if (f->leader_change_s < 0 && rs->leader != 0 &&
		    rs->leader != f->leader_before) {
			f->leader_after = rs->leader;
			f->leader_change_s = (double)(now - f->start_ms) / 1000;
		}
		if (rs->fail_since != 0) {
			uint64_t from = rs->fail_since > f->start_ms ?
				rs->fail_since : f->start_ms;
			double gap = (double)(now - from) / 1000;

			if (gap > f->unavailable_s)
				f->unavailable_s = gap;
		} else if (f->end_ms != 0) {
			f->recovered = 1;	/* writes again after it */
		}
	}
}

static void restart_killed(struct drill *d, struct run_state *rs)
{
	for (size_t i = 0; i < rs->nkilled; i++) {
		struct drill_report r;
		struct err e;

		memset(&r, 0, sizeof(r));
		if (drill_restart(d, rs->killed[i], &r, &e) != RC_OK)
			fprintf(stderr, "chaos: restarting node %" PRIu64
				": %s\n", rs->killed[i], e.msg);
	}
	rs->nkilled = 0;
}

static void close_faults(struct run_state *rs, uint64_t now)
{
	for (size_t i = 0; i < rs->nf; i++)
		if (rs->f[i].end_ms == 0) {
			rs->f[i].end_ms = now;
			rs->f[i].end_ns = realtime_ns();
		}
}

int sched_run(struct drill *d, struct nemesis *nm, const struct sched *s,
	      const struct sched_opts *opts, FILE *out, struct err *e)
{
	struct run_state rs;
	uint64_t t0 = util_mono_ms(), ttl;
	size_t next = 0;
	unsigned k = 0;
	int rc = RC_OK;

	memset(&rs, 0, sizeof(rs));
	if ((rs.f = calloc(s->n + 1, sizeof(*rs.f))) == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	ttl = opts->ttl_ms ? opts->ttl_ms : opts->duration_ms + 30000;
	if (ttl > (uint64_t)FAULT_TTL_MAX_MS)
		ttl = FAULT_TTL_MAX_MS;
	drill_leader(d, DRILL_DATA_RANGE, &rs.leader, NULL);
	if (!opts->json)
		fprintf(out, "chaos run: %zu events over %.0fs\n", s->n,
			(double)opts->duration_ms / 1000);
	while (util_mono_ms() - t0 < opts->duration_ms) {
		uint64_t el = util_mono_ms() - t0;

		while (next < s->n && s->ev[next].at_ms <= el) {
			char buf[256], *argv[MAX_ARGS], desc[256];
			int argc = split(s->ev[next].cmd, buf, sizeof(buf),
					 argv);
			struct fault_rec *f;
			struct err e1;
			int heal = argc > 0 && strcmp(argv[0], "heal") == 0;

			next++;
			if (argc == 0)
				continue;
			if (heal || strcmp(argv[0], "resume") == 0 ||
			    strcmp(argv[0], "restart") == 0)
				close_faults(&rs, util_mono_ms());
			if (heal)
				restart_killed(d, &rs);
			f = heal ? NULL : &rs.f[rs.nf];
			if (f != NULL) {
				memset(f, 0, sizeof(*f));
				f->start_ms = util_mono_ms();
				f->start_ns = realtime_ns();
				f->leader_before = rs.leader;
				f->leader_change_s = -1;
			}
			if (sched_command(d, nm, argc, argv, ttl, desc,
					  sizeof(desc), &e1) != RC_OK) {
				if (f == NULL)
					fprintf(stderr, "chaos: %s: %s\n",
						desc, e1.msg);
				else
					snprintf(f->error, sizeof(f->error),
						 "%s", e1.msg);
			} else if (rs.nkilled < MAX_KILLED) {
				/* restarted at the next heal; desc names the
				 * node ("leader" is resolved by then) */
				const struct nemesis_target *t;
				unsigned long long kid;

				if (strncmp(desc, "kill-node ", 10) == 0 &&
				    nemesis_target(nm, desc + 10, &t, NULL) ==
				    RC_OK)
					rs.killed[rs.nkilled++] = t->node_id;
				else if (sscanf(desc, "kill-leader (node %llu)",
						&kid) == 1 && kid != 0)
					rs.killed[rs.nkilled++] = kid;
			}
			history_append(opts->history, desc);
			if (f != NULL) {
				snprintf(f->desc, sizeof(f->desc), "%s", desc);
				/* resume/restart are not faults of their own */
				if (strcmp(argv[0], "resume") != 0 &&
				    strcmp(argv[0], "restart") != 0)
					rs.nf++;
			}
		}
		tick(d, &rs, k++);
		nap(SCHED_TICK_MS);
	}
	/* the end: heal everything, restart the dead, wait for writes */
	close_faults(&rs, util_mono_ms());
	{
		struct err e1;

		if (nemesis_heal(nm, &e1) != RC_OK)
			fprintf(stderr, "chaos: heal: %s\n", e1.msg);
		history_append(opts->history, "heal");
	}
	restart_killed(d, &rs);
	{
		uint64_t until = util_mono_ms() + SCHED_RECOVERY_MS;

		do {
			tick(d, &rs, k++);
			if (rs.fail_since == 0)
				break;
			nap(SCHED_TICK_MS);
		} while (util_mono_ms() < until);
		if (rs.fail_since != 0)
			rc = err_set(e, RC_UNAVAILABLE, "the cluster takes no "
				     "writes %d s after the schedule ended",
				     SCHED_RECOVERY_MS / 1000);
	}
	history_count(opts->history, rs.f, rs.nf);
	if (opts->json) {
		json_t *a = json_array(), *j;
		char *txt;

		for (size_t i = 0; a != NULL && i < rs.nf; i++)
			json_array_append_new(a, fault_json(&rs.f[i], t0));
		j = json_pack("{s:o*, s:f, s:b}", "faults", a, "duration_s",
			      (double)opts->duration_ms / 1000, "recovered",
			      rc == RC_OK);
		if (j != NULL && (txt = json_dumps(j, JSON_COMPACT)) != NULL) {
			fprintf(out, "%s\n", txt);
			free(txt);
		}
		json_decref(j);
	} else {
		for (size_t i = 0; i < rs.nf; i++)
			print_fault(out, &rs.f[i], t0);
		fprintf(out, "end: %s\n", rc == RC_OK ? "healed; the cluster "
			"takes writes" : e->msg);
	}
	free(rs.f);
	return rc;
}
