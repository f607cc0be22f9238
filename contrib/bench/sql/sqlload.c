/*
 * sqlload.c -- the load generator of contrib/bench/sql: SQL statements
 * through txcoord's SQL gateway (POST /sql, issue 7).
 *
 * The table is TABLE(id INT PRIMARY KEY, k INT, c TEXT) with ROWS rows,
 * id 1..ROWS, k = id * 7919 % 100000 and c a 60-character text.  "load"
 * creates it with multi-row INSERT statements (or, with --print, prints
 * those statements, so that PostgreSQL is loaded with the very same
 * ones).  "run" starts C client threads, each with one keep-alive HTTP
 * connection to one of the txcoord addresses given (round robin over the
 * threads), which for the duration send one statement per request, back
 * to back, outside any explicit transaction:
 *
 *   point   SELECT id, k, c FROM TABLE WHERE id = R        (R uniform)
 *   insert  INSERT INTO TABLE (id, k, c) VALUES (N, K, '...')   (N new)
 *   mixed   the SELECT, or with probability --write-pct percent
 *           UPDATE TABLE SET k = k + 1 WHERE id = R
 *
 * What it guarantees: latency is measured per statement with
 * CLOCK_MONOTONIC around the whole request (so txcoord's automatic
 * retries of a 40001 are inside it); only statements started after the
 * warm-up count; a statement counts as done only on a 200 reply whose
 * result is the expected one (the SELECT returns exactly the row asked
 * for, the INSERT's tag is "INSERT 0 1", the UPDATE's "UPDATE 1");
 * anything else is an error, counted by kind (HTTP status and SQLSTATE,
 * a transport error, or a wrong reply) with its first message on stderr.
 * Before and after the run it reads count(*), sum(k) and max(id) of the
 * table and checks that the writes done (warm-up included) account for
 * the change exactly: rows added by the inserts, k raised by the updates,
 * nothing for reads.  A write whose outcome is unknown (a transport error,
 * a timeout, 40003, a 5xx) widens the range accepted.
 *
 * Not part of the main build: contrib/bench/sql/run compiles it with the
 * gcc line in contrib/bench/sql/README.  Tested by hand against a fake
 * gateway (README) and by the benchmark itself; no unit tests.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#define PROG		"sqlload"
#define EXIT_OK		0	/* ran; the table changed as the writes say */
#define EXIT_FAIL	1	/* the table did not change as it should */
#define EXIT_USAGE	2	/* bad usage */
#define EXIT_TEMP	3	/* txcoord unreachable or a setup step failed */

#define MAX_ROWS	10000000L
#define MAX_BATCH	5000L
#define MAX_CLIENTS	1024
#define MAX_ADDRS	64
#define MAX_TABLE	32
#define MAX_KINDS	16	/* error kinds remembered per thread */
#define MAX_BODY	(16u << 20)	/* largest reply read */
#define ERROR_PAUSE_NS	10000000ull	/* 10 ms after a failed statement */
#define C_LEN		60	/* characters of column c */
#define K_MOD		100000	/* k of a loaded row: id * 7919 % K_MOD */
#define MAX_ID		2147483647LL	/* PostgreSQL's INT is 4 bytes */

/* column c of the rows INSERTed by the insert workload: C_LEN characters
   (contrib/bench/sql/run reads this line for PostgreSQL's script) */
#define INSERT_C "inserted by contrib/bench/sql: sixty characters of text....."
_Static_assert(sizeof(INSERT_C) - 1 == C_LEN, "INSERT_C must be C_LEN long");

enum cmd { CMD_RUN, CMD_LOAD, CMD_CHECK };
enum workload { WL_POINT, WL_INSERT, WL_MIXED };
static const char *const wl_names[] = { "point", "insert", "mixed" };

struct opts {
	enum cmd cmd;
	long rows;
	long batch;
	char table[MAX_TABLE + 1];
	enum workload wl;
	int wl_given;
	long write_pct;
	long clients;
	double duration_s;
	double warmup_s;
	long long id_base;		/* insert: first id; 0 = max(id) + 1 */
	int print;			/* load: print the statements */
	uint64_t seed;
	double timeout_s;
	const char *addrs[MAX_ADDRS];
	int naddrs;
};

/* ---- small helpers ------------------------------------------------------ */

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull),
			       (long)(ns % 1000000000ull) };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* splitmix64: a small, good, seedable generator, one per thread */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* uniform in [0, n), n > 0 (the modulo bias is below 2^-40 here) */
static long rng_below(uint64_t *s, long n)
{
	return (long)(rng_next(s) % (uint64_t)n);
}

/* Parse a decimal integer that must fill all of s. */
static int parse_ll(const char *s, long long *out)
{
	char *end;

	if (s == NULL || *s == '\0' ||
	    (*s != '-' && (*s < '0' || *s > '9')))
		return -1;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return (errno != 0 || *end != '\0') ? -1 : 0;
}

static int parse_num(const char *s, double lo, double hi, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(*out >= lo) ||
	    !(*out <= hi))
		return -1;
	return 0;
}

/* k and c of loaded row id; c gets C_LEN characters and a NUL */
static long row_k(long id)
{
	return (long)((long long)id * 7919 % K_MOD);
}

static void row_c(long id, char *c)
{
	int n = snprintf(c, C_LEN + 1, "row %ld ", id);

	if (n < 0)
		n = 0;
	for (; n < C_LEN; n++)
		c[n] = '.';
	c[C_LEN] = '\0';
}

/* ---- HTTP ---------------------------------------------------------------- */

/* One connection (a curl easy handle, kept alive) and its reply buffer. */
struct http {
	CURL *h;
	struct curl_slist *hdrs;
	char url[300];
	char *body;
	size_t len, cap;
	int too_big;		/* the reply went over MAX_BODY */
	int nomem;		/* no memory for the reply */
	char errbuf[CURL_ERROR_SIZE];
};

static size_t http_write(char *p, size_t size, size_t n, void *arg)
{
	struct http *c = arg;
	size_t add = size * n, cap;
	char *nb;

	if (c->len + add + 1 > MAX_BODY) {
		c->too_big = 1;
		return 0;		/* curl stops: CURLE_WRITE_ERROR */
	}
	if (c->len + add + 1 > c->cap) {
		cap = c->cap ? c->cap : 4096;
		while (cap < c->len + add + 1)
			cap *= 2;
		nb = realloc(c->body, cap);
		if (nb == NULL) {
			c->nomem = 1;
			return 0;
		}
		c->body = nb;
		c->cap = cap;
	}
	memcpy(c->body + c->len, p, add);
	c->len += add;
	c->body[c->len] = '\0';
	return add;
}

/* Set up c for POST http://ADDR/sql; returns 0, or -1 with a message. */
static int http_init(struct http *c, const char *addr, double timeout_s)
{
	memset(c, 0, sizeof(*c));
	if (strncmp(addr, "http://", 7) == 0)
		addr += 7;
	if ((size_t)snprintf(c->url, sizeof(c->url), "http://%s/sql", addr) >=
	    sizeof(c->url)) {
		say("address '%s' is too long", addr);
		return -1;
	}
	c->cap = 4096;
	c->body = malloc(c->cap);
	c->h = c->body ? curl_easy_init() : NULL;
	if (c->h == NULL) {
		free(c->body);
		c->body = NULL;
		say("cannot create a curl handle");
		return -1;
	}
	c->body[0] = '\0';
	c->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	if (c->hdrs != NULL) {
		struct curl_slist *t = curl_slist_append(c->hdrs, "Expect:");

		if (t == NULL) {
			curl_slist_free_all(c->hdrs);
			c->hdrs = NULL;
		} else {
			c->hdrs = t;
		}
	}
	if (c->hdrs == NULL) {
		curl_easy_cleanup(c->h);
		c->h = NULL;
		free(c->body);
		c->body = NULL;
		say("out of memory");
		return -1;
	}
	curl_easy_setopt(c->h, CURLOPT_URL, c->url);
	curl_easy_setopt(c->h, CURLOPT_POST, 1L);
	curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, c->hdrs);
	curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, http_write);
	curl_easy_setopt(c->h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->h, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->h, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(c->h, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, (long)(timeout_s * 1000));
	return 0;
}

static void http_free(struct http *c)
{
	if (c->h != NULL)
		curl_easy_cleanup(c->h);
	curl_slist_free_all(c->hdrs);
	free(c->body);
	memset(c, 0, sizeof(*c));
}

/* POST body; on an HTTP answer (any status) returns CURLE_OK with *status
   and the reply in c->body (NUL-terminated, c->len bytes); else the curl
   error, with the details in c->errbuf. */
static CURLcode http_post(struct http *c, const char *body, size_t len,
			  long *status)
{
	CURLcode rc;

	c->len = 0;
	c->too_big = 0;
	c->nomem = 0;
	c->errbuf[0] = '\0';
	c->body[0] = '\0';
	curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	rc = curl_easy_perform(c->h);
	if (rc != CURLE_OK) {
		if (c->too_big)
			snprintf(c->errbuf, sizeof(c->errbuf),
				 "reply larger than %u bytes", MAX_BODY);
		else if (c->nomem)
			snprintf(c->errbuf, sizeof(c->errbuf),
				 "out of memory for the reply");
		else if (c->errbuf[0] == '\0')
			snprintf(c->errbuf, sizeof(c->errbuf), "%s",
				 curl_easy_strerror(rc));
		return rc;
	}
	curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, status);
	return CURLE_OK;
}

/* The error of a non-200 reply, {"error":{"code":..,"sqlstate":..,
   "message":..}}: the SQLSTATE (else the code, else "") and the message
   (else the start of the body). */
static void reply_error(const char *body, size_t len, char *state,
			size_t ssize, char *msg, size_t msize)
{
	json_t *j, *eo;
	const char *s = NULL, *m = NULL;

	j = json_loadb(body ? body : "", body ? len : 0, 0, NULL);
	eo = json_is_object(j) ? json_object_get(j, "error") : NULL;
	if (json_is_object(eo)) {
		s = json_string_value(json_object_get(eo, "sqlstate"));
		if (s == NULL)
			s = json_string_value(json_object_get(eo, "code"));
		m = json_string_value(json_object_get(eo, "message"));
	}
	snprintf(state, ssize, "%s", s ? s : "");
	if (m != NULL)
		snprintf(msg, msize, "%s", m);
	else
		snprintf(msg, msize, "%.*s", (int)(len > 150 ? 150 : len),
			 body ? body : "");
	json_decref(j);
}

/* POST {"sql": sql} on c, retrying a failed transport or a 409/503
   answer up to 5 times over about 5 s.  Returns 0 with the parsed 200
   reply in *out, or -1 after saying why (what names the step). */
static int post_sql(struct http *c, const char *what, const char *sql,
		    json_t **out)
{
	long status = 0;
	int try;
	char state[64], msg[300], *body;
	json_t *req;
	json_error_t je;

	*out = NULL;
	req = json_pack("{s:s}", "sql", sql);
	body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (body == NULL) {
		say("%s: out of memory", what);
		return -1;
	}
	for (try = 1; ; try++) {
		CURLcode rc = http_post(c, body, strlen(body), &status);

		if (rc == CURLE_OK && status == 200) {
			free(body);
			*out = json_loadb(c->body, c->len, 0, &je);
			if (*out == NULL || !json_is_object(*out)) {
				say("%s: %s: reply is not a JSON object: %s",
				    what, c->url, *out ? "" : je.text);
				json_decref(*out);
				*out = NULL;
				return -1;
			}
			return 0;
		}
		if (rc != CURLE_OK) {
			snprintf(msg, sizeof(msg), "%s", c->errbuf);
			state[0] = '\0';
		} else {
			reply_error(c->body, c->len, state, sizeof(state), msg,
				    sizeof(msg));
		}
		if (try >= 5 || (rc == CURLE_OK && status != 409 &&
				 status != 503)) {
			if (rc != CURLE_OK)
				say("%s: %s: %s", what, c->url, msg);
			else
				say("%s: %s answered %ld%s%s: %s", what, c->url,
				    status, state[0] ? " " : "", state, msg);
			free(body);
			return -1;
		}
		sleep_ns(1000000000ull);
	}
}

/* ---- the table: load and check ------------------------------------------- */

/* The multi-row INSERT of rows first..last into a (big enough) buf. */
static size_t insert_batch(const struct opts *o, long first, long last,
			   char *buf, size_t size)
{
	char c[C_LEN + 1];
	size_t n;
	long id;

	n = (size_t)snprintf(buf, size, "INSERT INTO %s (id, k, c) VALUES ",
			     o->table);
	for (id = first; id <= last && n < size; id++) {
		row_c(id, c);
		n += (size_t)snprintf(buf + n, size - n, "%s(%ld, %ld, '%s')",
				      id > first ? ", " : "", id, row_k(id),
				      c);
	}
	return n;
}

/* the CREATE TABLE statement */
static void create_stmt(const struct opts *o, char *buf, size_t size)
{
	snprintf(buf, size, "CREATE TABLE %s (id INT PRIMARY KEY, k INT, "
		 "c TEXT)", o->table);
}

struct stats {
	long long rows, sum_k, max_id;
};

/* SELECT count(*), sum(k), max(id): 0, or -1 after saying why */
static int table_stats(const struct opts *o, struct http *c, const char *what,
		       struct stats *st)
{
	char sql[128];
	json_t *reply = NULL, *row;
	const char *v[3];
	int i, ret = -1;

	snprintf(sql, sizeof(sql), "SELECT count(*), sum(k), max(id) FROM %s",
		 o->table);
	if (post_sql(c, what, sql, &reply) != 0)
		return -1;
	row = json_array_get(json_object_get(reply, "rows"), 0);
	if (!json_is_array(row) || json_array_size(row) != 3 ||
	    json_array_size(json_object_get(reply, "rows")) != 1) {
		say("%s: the reply to '%s' has no rows: [[count, sum, max]]",
		    what, sql);
		goto out;
	}
	for (i = 0; i < 3; i++)
		v[i] = json_string_value(json_array_get(row, (size_t)i));
	if (parse_ll(v[0], &st->rows) != 0) {
		say("%s: count(*) is not an integer: '%s'", what,
		    v[0] ? v[0] : "(not text)");
		goto out;
	}
	/* an empty table: sum and max are NULL */
	st->sum_k = st->max_id = 0;
	if (st->rows > 0 && (parse_ll(v[1], &st->sum_k) != 0 ||
			     parse_ll(v[2], &st->max_id) != 0)) {
		say("%s: sum(k) or max(id) is not an integer: '%s', '%s'",
		    what, v[1] ? v[1] : "(not text)",
		    v[2] ? v[2] : "(not text)");
		goto out;
	}
	ret = 0;
out:
	json_decref(reply);
	return ret;
}

static int cmd_load(const struct opts *o)
{
	struct http c;
	struct stats st;
	json_t *reply = NULL;
	size_t size = 128 + (size_t)o->batch * (C_LEN + 48);
	char *buf = malloc(size);
	long first, last;
	int ret = EXIT_TEMP;
	uint64_t t0 = now_ns();

	if (buf == NULL) {
		say("out of memory");
		return EXIT_TEMP;
	}
	create_stmt(o, buf, size);
	if (o->print) {
		printf("%s;\n", buf);
		for (first = 1; first <= o->rows; first += o->batch) {
			last = first + o->batch - 1;
			if (last > o->rows)
				last = o->rows;
			if (insert_batch(o, first, last, buf, size) >= size) {
				say("statement buffer too small");
				goto out_free;
			}
			printf("%s;\n", buf);
		}
		ret = fflush(stdout) == 0 ? EXIT_OK : EXIT_TEMP;
		goto out_free;
	}
	/* load and check move many rows: give them 60 s at least */
	if (http_init(&c, o->addrs[0], o->timeout_s > 60 ? o->timeout_s : 60)
	    != 0)
		goto out_free;
	if (post_sql(&c, "create table", buf, &reply) != 0)
		goto out;
	json_decref(reply);
	for (first = 1; first <= o->rows; first += o->batch) {
		last = first + o->batch - 1;
		if (last > o->rows)
			last = o->rows;
		if (insert_batch(o, first, last, buf, size) >= size) {
			say("statement buffer too small");
			goto out;
		}
		/* (a retry of an INSERT whose first try did commit fails
		   with 23505: the load stops, nothing is loaded twice) */
		if (post_sql(&c, "load", buf, &reply) != 0)
			goto out;
		json_decref(reply);
	}
	if (table_stats(o, &c, "load check", &st) != 0)
		goto out;
	if (st.rows != o->rows || st.max_id != o->rows) {
		say("load check: %s holds %lld rows up to id %lld, not %ld",
		    o->table, st.rows, st.max_id, o->rows);
		ret = EXIT_FAIL;
		goto out;
	}
	printf("loaded %ld rows into %s in %ld statements of up to %ld rows, "
	       "%.1f s; rows=%lld sum_k=%lld max_id=%lld\n", o->rows, o->table,
	       (o->rows + o->batch - 1) / o->batch, o->batch,
	       (double)(now_ns() - t0) / 1e9, st.rows, st.sum_k, st.max_id);
	ret = EXIT_OK;
out:
	http_free(&c);
out_free:
	free(buf);
	return ret;
}

static int cmd_check(const struct opts *o)
{
	struct http c;
	struct stats st;
	int ret = EXIT_TEMP;

	if (http_init(&c, o->addrs[0], o->timeout_s > 60 ? o->timeout_s : 60)
	    != 0)
		return EXIT_TEMP;
	if (table_stats(o, &c, "check", &st) == 0) {
		printf("rows=%lld sum_k=%lld max_id=%lld\n", st.rows, st.sum_k,
		       st.max_id);
		ret = EXIT_OK;
	}
	http_free(&c);
	return ret;
}

/* ---- the run -------------------------------------------------------------- */

struct kind {
	char what[96];		/* "HTTP 409 40001", "transport: ..." */
	char first[300];	/* the first message of that kind */
	uint64_t count;
};

struct worker {
	pthread_t tid;
	int idx;
	const struct opts *o;
	const char *addr;
	uint64_t rng;
	long long next_id;	/* insert: the next id of this thread */
	uint32_t *lat;		/* microseconds, counted statements */
	size_t nlat, caplat;
	uint64_t ok, errors, reads, writes;	/* counted (after warm-up) */
	uint64_t writes_all;	/* writes done, warm-up included */
	uint64_t writes_unknown;	/* writes of unknown outcome, all */
	uint64_t requests;	/* requests sent, all */
	uint64_t reconnects;	/* requests after the first on a new
				   connection, all */
	struct kind kinds[MAX_KINDS];
	int nkinds;
	uint64_t other_kinds;	/* errors beyond MAX_KINDS kinds */
	uint64_t end_ns;
	int failed;		/* could not run at all (setup, memory) */
};

/* The start gate: every thread reports ready, then waits until main has
   set the times and opens the gate (or calls the run off). */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_ready, gate_open, gate_abort;
static uint64_t measure_ns, end_ns;	/* set before the gate opens */

/* a thread: count itself ready, wait for the gate; 0 = go, -1 = abort */
static int gate_wait(void)
{
	int ab;

	pthread_mutex_lock(&gate_mu);
	gate_ready++;
	pthread_cond_broadcast(&gate_cv);
	while (!gate_open)
		pthread_cond_wait(&gate_cv, &gate_mu);
	ab = gate_abort;
	pthread_mutex_unlock(&gate_mu);
	return ab ? -1 : 0;
}

/* main: wait until n threads are ready, then open the gate after setting
   the times (abort: call the run off) */
static void gate_start(int n, int abort_run, double warmup_s,
		       double duration_s)
{
	pthread_mutex_lock(&gate_mu);
	while (gate_ready < n)
		pthread_cond_wait(&gate_cv, &gate_mu);
	measure_ns = now_ns() + (uint64_t)(warmup_s * 1e9);
	end_ns = measure_ns + (uint64_t)(duration_s * 1e9);
	gate_abort = abort_run;
	gate_open = 1;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
}

static void note_error(struct worker *w, const char *what, const char *msg)
{
	int i;

	w->errors++;
	for (i = 0; i < w->nkinds; i++)
		if (strcmp(w->kinds[i].what, what) == 0) {
			w->kinds[i].count++;
			return;
		}
	if (w->nkinds == MAX_KINDS) {
		w->other_kinds++;
		return;
	}
	snprintf(w->kinds[i].what, sizeof(w->kinds[i].what), "%s", what);
	snprintf(w->kinds[i].first, sizeof(w->kinds[i].first), "%s", msg);
	w->kinds[i].count = 1;
	w->nkinds++;
}

static int add_latency(struct worker *w, uint64_t ns)
{
	uint64_t us = ns / 1000;

	if (w->nlat == w->caplat) {
		size_t cap = w->caplat ? w->caplat * 2 : 65536;
		uint32_t *nl = realloc(w->lat, cap * sizeof(*nl));

		if (nl == NULL)
			return -1;
		w->lat = nl;
		w->caplat = cap;
	}
	w->lat[w->nlat++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
	return 0;
}

enum op { OP_SELECT, OP_INSERT, OP_UPDATE };

/* Check a 200 reply to one statement; returns NULL, or what is wrong. */
static const char *check_reply(const char *body, size_t len, enum op op,
			       long long id)
{
	json_t *j = json_loadb(body, len, 0, NULL), *rows, *row;
	const char *bad = NULL, *tag, *want;
	long long got;

	if (!json_is_object(j)) {
		bad = "reply is not a JSON object";
		goto out;
	}
	tag = json_string_value(json_object_get(j, "tag"));
	want = op == OP_SELECT ? "SELECT 1" :
	       op == OP_INSERT ? "INSERT 0 1" : "UPDATE 1";
	if (tag == NULL || strcmp(tag, want) != 0) {
		bad = op == OP_SELECT ? "tag is not \"SELECT 1\"" :
		      op == OP_INSERT ? "tag is not \"INSERT 0 1\"" :
					"tag is not \"UPDATE 1\"";
		goto out;
	}
	if (op != OP_SELECT)
		goto out;
	rows = json_object_get(j, "rows");
	row = json_array_get(rows, 0);
	if (!json_is_array(rows) || json_array_size(rows) != 1 ||
	    !json_is_array(row) || json_array_size(row) != 3) {
		bad = "reply has no \"rows\" of one row of 3 columns";
		goto out;
	}
	if (parse_ll(json_string_value(json_array_get(row, 0)), &got) != 0 ||
	    got != id) {
		bad = "the row read is not the one asked for";
		goto out;
	}
	if (!json_is_string(json_array_get(row, 1)) ||
	    !json_is_string(json_array_get(row, 2)))
		bad = "k or c of the row read is not text";
out:
	json_decref(j);
	return bad;
}

/* Is the outcome of a failed write unknown (it may have committed)?  A
   400, 404 or a 409 40001 certainly changed nothing. */
static int outcome_unknown(CURLcode rc, long status, const char *state)
{
	if (rc != CURLE_OK)
		return 1;
	if (status == 400 || status == 404)
		return 0;
	if (status == 409 && strcmp(state, "40001") == 0)
		return 0;
	return 1;
}

/* the request body of the next statement; returns its length or -1 */
static int next_stmt(struct worker *w, char *body, size_t size, enum op *op,
		     long long *id)
{
	const struct opts *o = w->o;
	int n;

	switch (o->wl) {
	case WL_INSERT:
		*op = OP_INSERT;
		*id = w->next_id;
		w->next_id += o->clients;
		n = snprintf(body, size, "{\"sql\":\"INSERT INTO %s (id, k, c) "
			     "VALUES (%lld, %ld, '%s')\"}", o->table, *id,
			     rng_below(&w->rng, K_MOD), INSERT_C);
		break;
	case WL_MIXED:
		*id = 1 + rng_below(&w->rng, o->rows);
		if (rng_below(&w->rng, 100) < o->write_pct) {
			*op = OP_UPDATE;
			n = snprintf(body, size, "{\"sql\":\"UPDATE %s SET "
				     "k = k + 1 WHERE id = %lld\"}", o->table,
				     *id);
			break;
		}
		/* fall through */
	default:
		if (o->wl != WL_MIXED)
			*id = 1 + rng_below(&w->rng, o->rows);
		*op = OP_SELECT;
		n = snprintf(body, size, "{\"sql\":\"SELECT id, k, c FROM %s "
			     "WHERE id = %lld\"}", o->table, *id);
		break;
	}
	return (n < 0 || (size_t)n >= size) ? -1 : n;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const struct opts *o = w->o;
	struct http c;
	char body[512], what[96], state[64], msg[300];
	int ready = http_init(&c, w->addr, o->timeout_s) == 0;

	if (!ready)
		w->failed = 1;
	if (gate_wait() != 0)
		ready = 0;
	while (ready && !w->failed) {
		uint64_t t0 = now_ns(), t1;
		long status = 0, nconn = 0;
		long long id;
		int n, counted = t0 >= measure_ns, resent;
		enum op op;
		const char *bad;
		CURLcode rc;

		if (t0 >= end_ns)
			break;
		n = next_stmt(w, body, sizeof(body), &op, &id);
		if (n < 0) {
			say("client %d: statement too long", w->idx);
			w->failed = 1;
			break;
		}
		if (op == OP_INSERT && id > MAX_ID) {
			say("client %d: ids above %lld: the table is full",
			    w->idx, MAX_ID);
			w->failed = 1;
			break;
		}
		rc = http_post(&c, body, (size_t)n, &status);
		t1 = now_ns();
		/* libcurl sends a request again, once, on a new connection
		   when a kept-alive one closes before any answer: a write
		   sent on a new connection may have been done twice */
		resent = 0;
		if (curl_easy_getinfo(c.h, CURLINFO_NUM_CONNECTS, &nconn) ==
		    CURLE_OK && nconn > 0 && w->requests > 0) {
			w->reconnects++;
			resent = 1;
		}
		w->requests++;
		if (rc == CURLE_OK && status == 200) {
			bad = check_reply(c.body, c.len, op, id);
			if (bad == NULL) {
				if (op != OP_SELECT) {
					w->writes_all++;
					if (resent)
						w->writes_unknown++;
				}
				if (!counted)
					continue;
				if (add_latency(w, t1 - t0) != 0) {
					say("client %d: out of memory", w->idx);
					w->failed = 1;
					break;
				}
				w->ok++;
				if (op == OP_SELECT)
					w->reads++;
				else
					w->writes++;
				continue;
			}
			/* a write answered 200 did commit, whatever the
			   reply says */
			if (op != OP_SELECT)
				w->writes_unknown++;
			snprintf(what, sizeof(what), "bad reply (HTTP 200)");
			snprintf(msg, sizeof(msg), "%s: %.150s", bad, c.body);
		} else {
			if (rc != CURLE_OK) {
				state[0] = '\0';
				snprintf(what, sizeof(what), "transport: %s",
					 curl_easy_strerror(rc));
				snprintf(msg, sizeof(msg), "%s", c.errbuf);
			} else {
				reply_error(c.body, c.len, state, sizeof(state),
					    msg, sizeof(msg));
				snprintf(what, sizeof(what), "HTTP %ld%s%s",
					 status, state[0] ? " " : "", state);
			}
			if (op != OP_SELECT &&
			    (resent || outcome_unknown(rc, status, state)))
				w->writes_unknown++;
		}
		if (counted)
			note_error(w, what, msg);
		sleep_ns(ERROR_PAUSE_NS);
	}
	w->end_ns = now_ns();
	http_free(&c);
	return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* nearest-rank percentile (p in (0,100]) of sorted v[n], in ms */
static double pct_ms(const uint32_t *v, size_t n, double p)
{
	size_t r;

	if (n == 0)
		return 0;
	r = (size_t)((p / 100.0) * (double)n + 0.999999);
	if (r < 1)
		r = 1;
	if (r > n)
		r = n;
	return v[r - 1] / 1000.0;
}

/* Do the table's figures after the run match the writes done?  Sets msg
   to what is wrong; returns 1 when they match. */
static int check_change(const struct opts *o, const struct stats *b,
			const struct stats *a, uint64_t done, uint64_t unknown,
			char *msg, size_t size)
{
	long long lo = (long long)done, hi = (long long)(done + unknown);
	long long d;

	msg[0] = '\0';
	if (o->wl == WL_INSERT) {
		d = a->rows - b->rows;
		if (d < lo || d > hi) {
			snprintf(msg, size, "%lld rows added, but %llu inserts "
				 "done (and %llu of unknown outcome)", d,
				 (unsigned long long)done,
				 (unsigned long long)unknown);
			return 0;
		}
		return 1;
	}
	if (a->rows != b->rows) {
		snprintf(msg, size, "the row count changed from %lld to %lld",
			 b->rows, a->rows);
		return 0;
	}
	d = a->sum_k - b->sum_k;
	if (o->wl == WL_POINT)
		lo = hi = 0;
	if (d < lo || d > hi) {
		snprintf(msg, size, "sum(k) went up by %lld, but %llu updates "
			 "of k + 1 done (and %llu of unknown outcome)", d,
			 (unsigned long long)done, (unsigned long long)unknown);
		return 0;
	}
	return 1;
}

static int cmd_run(const struct opts *o)
{
	struct worker *ws;
	struct http c;
	struct stats before, after;
	long i;
	int ret, j, started = 0, failed = 0, ok_change;
	uint64_t last = 0, ok = 0, errors = 0, reads = 0, writes = 0;
	uint64_t writes_all = 0, unknown = 0, other = 0, reconnects = 0;
	uint32_t *all = NULL;
	size_t nall = 0;
	double secs;
	long long base;
	char p50[32] = "-", p99[32] = "-", why[300];

	if (http_init(&c, o->addrs[0], o->timeout_s > 60 ? o->timeout_s : 60)
	    != 0)
		return EXIT_TEMP;
	if (table_stats(o, &c, "before the run", &before) != 0) {
		http_free(&c);
		return EXIT_TEMP;
	}
	if (o->wl != WL_INSERT && before.rows < o->rows) {
		say("%s holds %lld rows, fewer than --rows %ld (load it: "
		    "sqlload load)", o->table, before.rows, o->rows);
		http_free(&c);
		return EXIT_TEMP;
	}
	base = o->id_base ? o->id_base : before.max_id + 1;
	ws = calloc((size_t)o->clients, sizeof(*ws));
	if (ws == NULL) {
		say("out of memory");
		http_free(&c);
		return EXIT_TEMP;
	}
	for (i = 0; i < o->clients; i++) {
		struct worker *w = &ws[i];

		w->idx = (int)i;
		w->o = o;
		w->addr = o->addrs[i % o->naddrs];
		w->rng = o->seed * 1000003ull + (uint64_t)i + 1;
		w->next_id = base + i;
		errno = pthread_create(&w->tid, NULL, worker_main, w);
		if (errno != 0) {
			say("cannot start client thread %ld: %s", i,
			    strerror(errno));
			failed = 1;
			break;
		}
		started++;
	}
	gate_start(started, failed, o->warmup_s, o->duration_s);
	for (j = 0; j < started; j++)
		pthread_join(ws[j].tid, NULL);

	for (j = 0; j < started; j++) {
		struct worker *w = &ws[j];

		failed |= w->failed;
		if (w->end_ns > last)
			last = w->end_ns;
		ok += w->ok;
		errors += w->errors;
		reads += w->reads;
		writes += w->writes;
		writes_all += w->writes_all;
		unknown += w->writes_unknown;
		reconnects += w->reconnects;
		other += w->other_kinds;
		nall += w->nlat;
	}
	if (failed) {
		say("a client thread could not run; no figures");
		ret = EXIT_TEMP;
		goto out;
	}
	all = malloc((nall ? nall : 1) * sizeof(*all));
	if (all == NULL) {
		say("out of memory");
		ret = EXIT_TEMP;
		goto out;
	}
	nall = 0;
	for (j = 0; j < started; j++) {
		if (ws[j].nlat == 0)
			continue;
		memcpy(all + nall, ws[j].lat, ws[j].nlat * sizeof(*all));
		nall += ws[j].nlat;
	}
	qsort(all, nall, sizeof(*all), cmp_u32);

	/* error kinds, merged over the threads, on stderr */
	for (j = 0; j < started; j++) {
		int k, m;

		for (k = 0; k < ws[j].nkinds; k++) {
			struct kind *kd = &ws[j].kinds[k];
			uint64_t cnt = kd->count;

			if (kd->count == 0)
				continue;
			for (m = j + 1; m < started; m++) {
				int q;

				for (q = 0; q < ws[m].nkinds; q++)
					if (strcmp(ws[m].kinds[q].what,
						   kd->what) == 0) {
						cnt += ws[m].kinds[q].count;
						ws[m].kinds[q].count = 0;
					}
			}
			say("errors: %" PRIu64 " x %s (first: %s)", cnt,
			    kd->what, kd->first);
		}
	}
	if (other > 0)
		say("errors: %" PRIu64 " of other kinds", other);

	if (table_stats(o, &c, "after the run", &after) != 0) {
		say("no check of the table after the run");
		ret = EXIT_TEMP;
		goto out;
	}
	ok_change = check_change(o, &before, &after, writes_all, unknown, why,
				 sizeof(why));
	secs = last > measure_ns ? (double)(last - measure_ns) / 1e9 : 0;
	if (nall > 0) {
		snprintf(p50, sizeof(p50), "%.3f", pct_ms(all, nall, 50));
		snprintf(p99, sizeof(p99), "%.3f", pct_ms(all, nall, 99));
	}
	printf("workload=%s clients=%ld txcoords=%d seconds=%.2f statements=%"
	       PRIu64 " sps=%.1f p50_ms=%s p99_ms=%s errors=%" PRIu64
	       " reads=%" PRIu64 " writes=%" PRIu64 " writes_all=%" PRIu64
	       " writes_unknown=%" PRIu64 " reconnects=%" PRIu64
	       " rows_before=%lld rows_after=%lld"
	       " sum_k_before=%lld sum_k_after=%lld check=%s seed=%" PRIu64
	       "\n", wl_names[o->wl], o->clients, o->naddrs, secs, ok,
	       secs > 0 ? (double)ok / secs : 0.0, p50, p99, errors, reads,
	       writes, writes_all, unknown, reconnects, before.rows, after.rows,
	       before.sum_k, after.sum_k, ok_change ? "ok" : "MISMATCH",
	       o->seed);
	fflush(stdout);
	ret = EXIT_OK;
	if (!ok_change) {
		say("the table did not change as the statements say: %s", why);
		ret = EXIT_FAIL;
	}
out:
	for (j = 0; j < started; j++)
		free(ws[j].lat);
	free(all);
	free(ws);
	http_free(&c);
	return ret;
}

/* ---- command line ---------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: sqlload run --workload point|insert|mixed [options] ADDR...\n"
"       sqlload load [--rows N] [--batch B] [--print] [options] [ADDR]\n"
"       sqlload check [options] ADDR\n"
"SQL statements through txcoord's SQL gateway (POST /sql), on a table\n"
"TABLE(id INT PRIMARY KEY, k INT, c TEXT).  ADDR is a txcoord's\n"
"host:port; with several, client threads take them in turn.\n"
"\n"
"  run      C client threads, one keep-alive connection each, send one\n"
"           statement per request back to back for the duration:\n"
"             point   SELECT id, k, c FROM TABLE WHERE id = R\n"
"             insert  INSERT INTO TABLE (id, k, c) VALUES (NEW, K, '...')\n"
"             mixed   the SELECT, or (--write-pct percent of them)\n"
"                     UPDATE TABLE SET k = k + 1 WHERE id = R\n"
"           with R uniform in 1..ROWS; prints one line: statements/s,\n"
"           p50/p99 latency, errors, and whether count(*) and sum(k),\n"
"           read before and after, changed exactly as the writes say\n"
"  load     CREATE TABLE, then rows 1..ROWS (k = id * 7919 %% %d, c 60\n"
"           characters) in multi-row INSERTs of B rows; --print prints\n"
"           the statements (one a line, with ';') instead of sending them\n"
"  check    prints count(*), sum(k) and max(id) of the table\n"
"\n"
"  -r, --rows N         rows loaded / read, 1..%ld (default 10000)\n"
"  -b, --batch B        load: rows per INSERT, 1..%ld (default 500)\n"
"  -T, --table NAME     the table, [a-z_][a-z0-9_]* (default bench)\n"
"  -W, --workload W     run: point, insert or mixed\n"
"      --write-pct P    run, mixed: percent of UPDATEs, 0..100 (default 20)\n"
"  -c, --clients C      run: client threads, 1..%d (default 1)\n"
"  -d, --duration S     run: seconds measured (default 10)\n"
"  -w, --warmup S       run: seconds run first and not counted (default 0)\n"
"      --id-base N      run, insert: first new id (default max(id) + 1)\n"
"      --seed N         run: random seed (default: from the clock)\n"
"  -t, --timeout S      seconds a statement may take (default 10; load\n"
"                       and check: this or 60, the larger)\n"
"      --print          load: print the statements, send nothing\n"
"  -h, --help           show this help and exit\n"
"\n"
"Exit status: 0 done, 1 the table did not change as the statements say\n"
"(or the load did not leave ROWS rows), 2 usage, 3 txcoord unreachable\n"
"or a request of the setup failed.\n", K_MOD, MAX_ROWS, MAX_BATCH,
		MAX_CLIENTS);
}

static int usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'sqlload --help'.\n", stderr);
	return EXIT_USAGE;
}

static int valid_table(const char *p)
{
	size_t n = strlen(p), i;

	if (n == 0 || n > MAX_TABLE || (p[0] >= '0' && p[0] <= '9'))
		return 0;
	for (i = 0; i < n; i++) {
		char ch = p[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		      ch == '_'))
			return 0;
	}
	return 1;
}

/* an address: host:port or http://host:port */
static int add_addr(struct opts *o, const char *a)
{
	const char *h = strncmp(a, "http://", 7) == 0 ? a + 7 : a;

	if (o->naddrs == MAX_ADDRS)
		return usage_error("at most %d addresses", MAX_ADDRS);
	if (h[0] == '\0' || strlen(h) > 200 || strpbrk(h, " \t\n/") ||
	    strchr(h, ':') == NULL)
		return usage_error("'%s' is not a txcoord address "
				   "(host:port)", a);
	o->addrs[o->naddrs++] = a;
	return 0;
}

/* parse argv into o; returns -1 when done (ok), else an exit status */
static int parse_args(struct opts *o, int argc, char **argv)
{
	int i, seed_given = 0;
	double d;
	long long ll;

	memset(o, 0, sizeof(*o));
	o->rows = 10000;
	o->batch = 500;
	snprintf(o->table, sizeof(o->table), "bench");
	o->write_pct = 20;
	o->clients = 1;
	o->duration_s = 10;
	o->warmup_s = 0;
	o->timeout_s = 10;
	if (argc < 2)
		return usage_error("no command given (run, load or check)");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "run") == 0)
		o->cmd = CMD_RUN;
	else if (strcmp(argv[1], "load") == 0)
		o->cmd = CMD_LOAD;
	else if (strcmp(argv[1], "check") == 0)
		o->cmd = CMD_CHECK;
	else
		return usage_error("unknown command '%s'", argv[1]);

	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *v = NULL, *eq;
		char name[32];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return EXIT_OK;
		}
		if (a[0] != '-') {
			if (add_addr(o, a) != 0)
				return EXIT_USAGE;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			for (i++; i < argc; i++)
				if (add_addr(o, argv[i]) != 0)
					return EXIT_USAGE;
			break;
		}
		eq = strchr(a, '=');
		if (a[1] == '-' && eq != NULL) {
			if ((size_t)(eq - a) >= sizeof(name))
				return usage_error("unknown option '%s'", a);
			memcpy(name, a, (size_t)(eq - a));
			name[eq - a] = '\0';
			v = eq + 1;
		} else {
			snprintf(name, sizeof(name), "%s", a);
		}
#define OPT(s, l) (strcmp(name, s) == 0 || strcmp(name, l) == 0)
#define NEEDV()								\
	do {								\
		if (v == NULL) {					\
			if (i + 1 >= argc)				\
				return usage_error("option '%s' needs a " \
						   "value", name);	\
			v = argv[++i];					\
		}							\
	} while (0)
		if (OPT("-r", "--rows")) {
			NEEDV();
			if (parse_ll(v, &ll) != 0 || ll < 1 || ll > MAX_ROWS)
				return usage_error("--rows '%s' must be a "
						   "number from 1 to %ld", v,
						   MAX_ROWS);
			o->rows = (long)ll;
		} else if (OPT("-b", "--batch")) {
			NEEDV();
			if (parse_ll(v, &ll) != 0 || ll < 1 || ll > MAX_BATCH)
				return usage_error("--batch '%s' must be a "
						   "number from 1 to %ld", v,
						   MAX_BATCH);
			o->batch = (long)ll;
		} else if (OPT("-T", "--table")) {
			NEEDV();
			if (!valid_table(v))
				return usage_error("--table '%s' must be 1 to "
						   "%d of a-z 0-9 _, not "
						   "starting with a digit", v,
						   MAX_TABLE);
			snprintf(o->table, sizeof(o->table), "%s", v);
		} else if (OPT("-W", "--workload")) {
			NEEDV();
			if (strcmp(v, "point") == 0)
				o->wl = WL_POINT;
			else if (strcmp(v, "insert") == 0)
				o->wl = WL_INSERT;
			else if (strcmp(v, "mixed") == 0)
				o->wl = WL_MIXED;
			else
				return usage_error("--workload '%s' must be "
						   "point, insert or mixed", v);
			o->wl_given = 1;
		} else if (OPT("--write-pct", "--write-pct")) {
			NEEDV();
			if (parse_ll(v, &ll) != 0 || ll < 0 || ll > 100)
				return usage_error("--write-pct '%s' must be a "
						   "number from 0 to 100", v);
			o->write_pct = (long)ll;
		} else if (OPT("-c", "--clients")) {
			NEEDV();
			if (parse_ll(v, &ll) != 0 || ll < 1 ||
			    ll > MAX_CLIENTS)
				return usage_error("--clients '%s' must be a "
						   "number from 1 to %d", v,
						   MAX_CLIENTS);
			o->clients = (long)ll;
		} else if (OPT("-d", "--duration")) {
			NEEDV();
			if (parse_num(v, 0.1, 86400, &d) != 0)
				return usage_error("--duration '%s' must be "
						   "seconds from 0.1 to 86400",
						   v);
			o->duration_s = d;
		} else if (OPT("-w", "--warmup")) {
			NEEDV();
			if (parse_num(v, 0, 3600, &d) != 0)
				return usage_error("--warmup '%s' must be "
						   "seconds from 0 to 3600", v);
			o->warmup_s = d;
		} else if (OPT("--id-base", "--id-base")) {
			NEEDV();
			if (parse_ll(v, &ll) != 0 || ll < 1 || ll > MAX_ID)
				return usage_error("--id-base '%s' must be a "
						   "number from 1 to %lld", v,
						   MAX_ID);
			o->id_base = ll;
		} else if (OPT("--seed", "--seed")) {
			NEEDV();
			if (parse_ll(v, &ll) != 0 || ll < 0)
				return usage_error("--seed '%s' must be a "
						   "number from 0", v);
			o->seed = (uint64_t)ll;
			seed_given = 1;
		} else if (OPT("-t", "--timeout")) {
			NEEDV();
			if (parse_num(v, 0.01, 3600, &d) != 0)
				return usage_error("--timeout '%s' must be "
						   "seconds from 0.01 to 3600",
						   v);
			o->timeout_s = d;
		} else if (OPT("--print", "--print")) {
			if (v != NULL)
				return usage_error("--print takes no value");
			o->print = 1;
		} else {
			return usage_error("unknown option '%s'", a);
		}
#undef OPT
#undef NEEDV
	}
	if (o->cmd == CMD_LOAD && o->print) {
		if (o->naddrs > 0)
			return usage_error("load --print takes no address");
		return -1;
	}
	if (o->naddrs == 0)
		return usage_error("no txcoord address given");
	if (o->cmd != CMD_RUN && o->naddrs > 1)
		return usage_error("load and check take one address");
	if (o->cmd == CMD_RUN && !o->wl_given)
		return usage_error("run needs --workload point, insert or "
				   "mixed");
	if (!seed_given)
		o->seed = (uint64_t)time(NULL) % 1000000000u;
	return -1;
}

int main(int argc, char **argv)
{
	struct opts o;
	int ret;

	ret = parse_args(&o, argc, argv);
	if (ret != -1)
		return ret;
	if (o.cmd == CMD_LOAD && o.print)
		return cmd_load(&o);
	if (curl_global_init(CURL_GLOBAL_ALL) != 0) {
		say("cannot initialize libcurl");
		return EXIT_TEMP;
	}
	switch (o.cmd) {
	case CMD_LOAD:
		ret = cmd_load(&o);
		break;
	case CMD_CHECK:
		ret = cmd_check(&o);
		break;
	default:
		ret = cmd_run(&o);
		break;
	}
	curl_global_cleanup();
	return ret;
}
