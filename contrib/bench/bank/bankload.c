/*
 * bankload.c -- the load generator of contrib/bench/bank: bank transfers
 * through txcoord's one-shot transaction API (POST /txn, issue 6).
 *
 * Accounts are keys PREFIX + a zero-padded number (acct/000 .. acct/099 for
 * 100 accounts), each holding a balance as decimal text.  "run" starts C
 * client threads, each with one keep-alive HTTP connection to one of the
 * txcoord addresses given (round robin over the threads), and for the
 * duration sends transfers back to back: one POST /txn with two incr ops,
 * -amount on one account and +amount on another.  The accounts are split
 * into G contiguous groups, which the run script makes into ranges: in
 * "single" mode both accounts of a transfer are in one group (one range,
 * txcoord's 1PC path), in "cross" mode in two different groups (2PC).
 *
 * What it guarantees: latency is measured per transaction with
 * CLOCK_MONOTONIC around the whole request, so txcoord's own automatic
 * retries are inside it; only transactions started after the warm-up
 * count; a transfer counts as done only on a 200 reply whose results are
 * well formed, anything else is an error, counted by kind (HTTP status and
 * error code, or the transport error) with its first message on stderr.
 * Before and after the run it reads every account in one transaction (a
 * one-shot scan) and prints whether the total balance is unchanged: the
 * transfers move money, they never create or destroy it.
 *
 * Not part of the main build: contrib/bench/bank/run compiles it with the
 * gcc line in contrib/bench/bank/README.  Tested by hand against a fake
 * txcoord (README) and by the benchmark itself; no unit tests.
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

#define PROG		"bankload"
#define EXIT_OK		0	/* ran; balance unchanged */
#define EXIT_FAIL	1	/* the balance changed, or accounts are wrong */
#define EXIT_USAGE	2	/* bad usage */
#define EXIT_TEMP	3	/* txcoord unreachable or a setup step failed */

#define MAX_ACCOUNTS	9999	/* the check is one scan (limit 10000) */
#define MAX_CLIENTS	1024
#define MAX_ADDRS	64
#define MAX_PREFIX	32
#define MAX_KEY		(MAX_PREFIX + 8)
#define MAX_KINDS	16	/* error kinds remembered per thread */
#define MAX_BODY	(16u << 20)	/* largest reply read */
#define ERROR_PAUSE_NS	10000000ull	/* 10 ms after a failed request */

enum cmd { CMD_RUN, CMD_LOAD, CMD_CHECK, CMD_SPLITS };
enum mode { MODE_SINGLE, MODE_CROSS };

struct opts {
	enum cmd cmd;
	long accounts;
	char prefix[MAX_PREFIX + 1];
	int width;			/* digits of an account number */
	long groups;
	enum mode mode;
	int mode_given;
	long clients;
	double duration_s;
	double warmup_s;
	long amount;			/* transfers move 1..amount */
	long long balance;		/* load: each account's balance */
	long long expect;		/* check: the expected total */
	int expect_given;
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

/* the key of account i into buf (MAX_KEY + 1 bytes) */
static void account_key(const struct opts *o, long i, char *buf)
{
	snprintf(buf, MAX_KEY + 1, "%s%0*ld", o->prefix, o->width, i);
}

/* first account of group g (g == groups: one past the last account) */
static long group_start(const struct opts *o, long g)
{
	return g * o->accounts / o->groups;
}

/* Parse a decimal integer that must fill all of s. */
static int parse_ll(const char *s, long long *out)
{
	char *end;

	if (*s == '\0' || (*s != '-' && (*s < '0' || *s > '9')))
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

/* Set up c for POST http://ADDR/txn; returns 0, or -1 with a message. */
static int http_init(struct http *c, const char *addr, double timeout_s)
{
	memset(c, 0, sizeof(*c));
	if (strncmp(addr, "http://", 7) == 0)
		addr += 7;
	if ((size_t)snprintf(c->url, sizeof(c->url), "http://%s/txn", addr) >=
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

/* The error of a non-200 reply: "CODE: MESSAGE" from the common shape
   {"error":{"code":..,"message":..}}, else the start of the body. */
static void reply_error(const char *body, size_t len, char *code,
			size_t csize, char *msg, size_t msize)
{
	json_t *j, *eo;
	const char *c = NULL, *m = NULL;

	j = json_loadb(body ? body : "", body ? len : 0, 0, NULL);
	eo = json_is_object(j) ? json_object_get(j, "error") : NULL;
	if (json_is_object(eo)) {
		c = json_string_value(json_object_get(eo, "code"));
		m = json_string_value(json_object_get(eo, "message"));
	}
	snprintf(code, csize, "%s", c ? c : "");
	if (m != NULL)
		snprintf(msg, msize, "%s", m);
	else
		snprintf(msg, msize, "%.*s", (int)(len > 150 ? 150 : len),
			 body ? body : "");
	json_decref(j);
}

/* ---- the accounts: load and check --------------------------------------- */

/* POST body on c, retrying a failed transport or a 409/503 answer up to
   5 times over about 5 s.  Returns 0 with the parsed 200 reply in *out, or
   -1 after saying why (what names the step). */
static int post_json(struct http *c, const char *what, const char *body,
		     json_t **out)
{
	long status = 0;
	int try;
	char code[64], msg[300];
	json_error_t je;

	*out = NULL;
	for (try = 1; ; try++) {
		CURLcode rc = http_post(c, body, strlen(body), &status);

		if (rc == CURLE_OK && status == 200) {
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
			code[0] = '\0';
		} else {
			reply_error(c->body, c->len, code, sizeof(code), msg,
				    sizeof(msg));
		}
		if (try >= 5 || (rc == CURLE_OK && status != 409 &&
				 status != 503)) {
			if (rc != CURLE_OK)
				say("%s: %s: %s", what, c->url, msg);
			else
				say("%s: %s answered %ld%s%s: %s", what, c->url,
				    status, code[0] ? " " : "", code, msg);
			return -1;
		}
		sleep_ns(1000000000ull);
	}
}

static int cmd_load(const struct opts *o, struct http *c)
{
	json_t *ops = json_array(), *req = NULL, *reply = NULL;
	char key[MAX_KEY + 1], val[32], *body = NULL;
	const char *ts;
	long i;
	int ret = EXIT_TEMP;

	if (ops == NULL)
		goto nomem;
	snprintf(val, sizeof(val), "%lld", o->balance);
	for (i = 0; i < o->accounts; i++) {
		account_key(o, i, key);
		if (json_array_append_new(ops, json_pack("{s:s,s:s,s:s}", "op",
							 "put", "key", key,
							 "value", val)) != 0)
			goto nomem;
	}
	req = json_pack("{s:O}", "ops", ops);
	if (req == NULL || (body = json_dumps(req, JSON_COMPACT)) == NULL)
		goto nomem;
	if (post_json(c, "load", body, &reply) != 0)
		goto out;
	ts = json_string_value(json_object_get(reply, "ts"));
	printf("loaded %ld accounts %s..%s of %lld each (total %lld) in one "
	       "transaction, ts %s\n", o->accounts, o->prefix, key,
	       o->balance, o->balance * o->accounts, ts ? ts : "?");
	ret = EXIT_OK;
	goto out;
nomem:
	say("out of memory");
out:
	free(body);
	json_decref(req);
	json_decref(ops);
	json_decref(reply);
	return ret;
}

/*
 * Read every key under the prefix in one transaction and add up the
 * balances.  Returns EXIT_OK with *total and *found (the number of
 * accounts); EXIT_FAIL after saying what is wrong with the accounts (a key
 * that is not an account, a balance that is not a number, an account
 * missing); EXIT_TEMP when the scan could not be done.
 */
static int scan_total(const struct opts *o, struct http *c, long long *total,
		      long *found)
{
	char start[MAX_KEY + 1], end[MAX_KEY + 1], body[256];
	json_t *reply = NULL, *res, *kvs, *kv;
	unsigned char *seen = NULL;
	size_t i, plen = strlen(o->prefix);
	long long sum = 0, v;
	long n = 0, missing;
	int ret = EXIT_FAIL;

	snprintf(start, sizeof(start), "%s", o->prefix);
	snprintf(end, sizeof(end), "%s", o->prefix);
	end[plen - 1]++;		/* the prefix's last byte is below '~' */
	snprintf(body, sizeof(body), "{\"ops\":[{\"op\":\"scan\",\"start\":"
		 "\"%s\",\"end\":\"%s\",\"limit\":%d}]}", start, end,
		 MAX_ACCOUNTS + 1);
	if (post_json(c, "balance check", body, &reply) != 0)
		return EXIT_TEMP;
	res = json_array_get(json_object_get(reply, "results"), 0);
	kvs = json_object_get(res, "kvs");
	if (!json_is_array(kvs)) {
		say("balance check: %s: reply has no results[0].kvs array",
		    c->url);
		ret = EXIT_TEMP;
		goto out;
	}
	if (json_is_true(json_object_get(res, "more"))) {
		say("balance check: more than %d keys under '%s'",
		    MAX_ACCOUNTS + 1, o->prefix);
		goto out;
	}
	seen = calloc((size_t)o->accounts, 1);
	if (seen == NULL) {
		say("out of memory");
		ret = EXIT_TEMP;
		goto out;
	}
	json_array_foreach(kvs, i, kv) {
		const char *k = json_string_value(json_object_get(kv, "key"));
		const char *val = json_string_value(json_object_get(kv,
								    "value"));
		long long idx;
		char want[MAX_KEY + 1];

		if (k == NULL) {
			say("balance check: a key under '%s' that is not an "
			    "account (not text)", o->prefix);
			goto out;
		}
		if (strncmp(k, o->prefix, plen) != 0 ||
		    parse_ll(k + plen, &idx) != 0 || idx < 0 ||
		    idx >= o->accounts) {
			say("balance check: '%s' is not one of the %ld "
			    "accounts", k, o->accounts);
			goto out;
		}
		account_key(o, (long)idx, want);
		if (strcmp(want, k) != 0) {
			say("balance check: '%s' is not one of the %ld "
			    "accounts", k, o->accounts);
			goto out;
		}
		if (seen[idx]++) {
			say("balance check: account '%s' returned twice", k);
			goto out;
		}
		if (val == NULL || parse_ll(val, &v) != 0) {
			say("balance check: account '%s' holds no decimal "
			    "balance: '%s'", k, val ? val : "(not text)");
			goto out;
		}
		if (__builtin_add_overflow(sum, v, &sum)) {
			say("balance check: the total overflows");
			goto out;
		}
		n++;
	}
	missing = o->accounts - n;
	if (missing > 0) {
		for (i = 0; i < (size_t)o->accounts && seen[i]; i++)
			;
		account_key(o, (long)i, start);
		say("balance check: %ld of the %ld accounts are missing, the "
		    "first '%s' (load them: bankload load)", missing,
		    o->accounts, start);
		goto out;
	}
	*total = sum;
	*found = n;
	ret = EXIT_OK;
out:
	free(seen);
	json_decref(reply);
	return ret;
}

static int cmd_check(const struct opts *o, struct http *c)
{
	long long total;
	long n;
	int ret = scan_total(o, c, &total, &n);

	if (ret != EXIT_OK)
		return ret;
	printf("accounts=%ld total=%lld", n, total);
	if (o->expect_given) {
		printf(" expected=%lld balance=%s", o->expect,
		       total == o->expect ? "ok" : "CHANGED");
		if (total != o->expect)
			ret = EXIT_FAIL;
	}
	printf("\n");
	return ret;
}

/* ---- the run -------------------------------------------------------------- */

struct kind {
	char what[96];		/* "HTTP 409 retry", "transport: ..." */
	char first[300];	/* the first message of that kind */
	uint64_t count;
};

struct worker {
	pthread_t tid;
	int idx;
	const struct opts *o;
	const char *addr;
	uint64_t rng;
	uint32_t *lat;		/* microseconds, counted transfers */
	size_t nlat, caplat;
	uint64_t ok, errors, retries, onepc, twopc;
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

/* main: wait until n threads are ready (n < 0: do not wait), then open
   the gate after setting the times (abort: call the run off) */
static void gate_start(int n, int abort_run, double warmup_s,
		       double duration_s)
{
	pthread_mutex_lock(&gate_mu);
	while (n >= 0 && gate_ready < n)
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

/* Is s decimal text (an incr's result)? */
static int is_decimal(const char *s)
{
	long long v;

	return s != NULL && parse_ll(s, &v) == 0;
}

/* Check a 200 reply to a transfer; returns NULL and sets *retries and
   *onepc, or what is wrong with it. */
static const char *check_transfer(const char *body, size_t len,
				  json_int_t *retries, int *onepc)
{
	json_t *j = json_loadb(body, len, 0, NULL), *res, *r, *p;
	const char *bad = NULL;

	if (!json_is_object(j)) {
		bad = "reply is not a JSON object";
		goto out;
	}
	res = json_object_get(j, "results");
	if (!json_is_array(res) || json_array_size(res) != 2) {
		bad = "reply has no \"results\" array of 2";
		goto out;
	}
	r = json_array_get(res, 0);
	p = json_array_get(res, 1);
	if (!is_decimal(json_string_value(json_object_get(r, "value"))) ||
	    !is_decimal(json_string_value(json_object_get(p, "value")))) {
		bad = "a result of the reply has no decimal \"value\"";
		goto out;
	}
	r = json_object_get(j, "retries");
	if (!json_is_integer(r) || json_integer_value(r) < 0) {
		bad = "reply has no integer \"retries\"";
		goto out;
	}
	*retries = json_integer_value(r);
	p = json_object_get(j, "1pc");
	if (!json_is_boolean(p)) {
		bad = "reply has no boolean \"1pc\"";
		goto out;
	}
	*onepc = json_is_true(p);
out:
	json_decref(j);
	return bad;
}

/* pick the two accounts of a transfer: from one group (single) or two */
static void pick(struct worker *w, long *from, long *to)
{
	const struct opts *o = w->o;
	long g1, g2, lo, n;

	g1 = rng_below(&w->rng, o->groups);
	if (o->mode == MODE_SINGLE) {
		lo = group_start(o, g1);
		n = group_start(o, g1 + 1) - lo;
		*from = lo + rng_below(&w->rng, n);
		*to = lo + rng_below(&w->rng, n - 1);
		if (*to >= *from)
			(*to)++;
		return;
	}
	g2 = rng_below(&w->rng, o->groups - 1);
	if (g2 >= g1)
		g2++;
	lo = group_start(o, g1);
	*from = lo + rng_below(&w->rng, group_start(o, g1 + 1) - lo);
	lo = group_start(o, g2);
	*to = lo + rng_below(&w->rng, group_start(o, g2 + 1) - lo);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const struct opts *o = w->o;
	struct http c;
	char body[256], ka[MAX_KEY + 1], kb[MAX_KEY + 1], what[96];
	char code[64], msg[300];
	int ready = http_init(&c, w->addr, o->timeout_s) == 0;

	if (!ready)
		w->failed = 1;
	if (gate_wait() != 0)
		ready = 0;
	while (ready && !w->failed) {
		uint64_t t0 = now_ns(), t1;
		long from, to, amount, status = 0;
		int n, counted = t0 >= measure_ns, onepc = 0;
		json_int_t retries = 0;
		const char *bad;
		CURLcode rc;

		if (t0 >= end_ns)
			break;
		pick(w, &from, &to);
		amount = 1 + rng_below(&w->rng, o->amount);
		account_key(o, from, ka);
		account_key(o, to, kb);
		n = snprintf(body, sizeof(body), "{\"ops\":["
			     "{\"op\":\"incr\",\"key\":\"%s\",\"by\":-%ld},"
			     "{\"op\":\"incr\",\"key\":\"%s\",\"by\":%ld}]}",
			     ka, amount, kb, amount);
		if (n < 0 || (size_t)n >= sizeof(body)) {
			say("client %d: request too long", w->idx);
			w->failed = 1;
			break;
		}
		rc = http_post(&c, body, (size_t)n, &status);
		t1 = now_ns();
		if (rc == CURLE_OK && status == 200) {
			bad = check_transfer(c.body, c.len, &retries, &onepc);
			if (bad == NULL) {
				if (!counted)
					continue;
				if (add_latency(w, t1 - t0) != 0) {
					say("client %d: out of memory", w->idx);
					w->failed = 1;
					break;
				}
				w->ok++;
				w->retries += (uint64_t)retries;
				if (onepc)
					w->onepc++;
				else
					w->twopc++;
				continue;
			}
			snprintf(what, sizeof(what), "bad reply (HTTP 200)");
			snprintf(msg, sizeof(msg), "%s: %.150s", bad, c.body);
		} else if (rc != CURLE_OK) {
			snprintf(what, sizeof(what), "transport: %s",
				 curl_easy_strerror(rc));
			snprintf(msg, sizeof(msg), "%s", c.errbuf);
		} else {
			reply_error(c.body, c.len, code, sizeof(code), msg,
				    sizeof(msg));
			snprintf(what, sizeof(what), "HTTP %ld%s%s", status,
				 code[0] ? " " : "", code);
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

static int cmd_run(const struct opts *o, struct http *c)
{
	struct worker *ws;
	long long before, after;
	long found, i;
	int ret, j, started = 0, failed = 0;
	uint64_t last = 0, ok = 0, errors = 0, retries = 0, onepc = 0;
	uint64_t twopc = 0, other = 0;
	uint32_t *all = NULL;
	size_t nall = 0;
	double secs;
	char p50[32] = "-", p99[32] = "-";

	ret = scan_total(o, c, &before, &found);
	if (ret != EXIT_OK)
		return ret;
	ws = calloc((size_t)o->clients, sizeof(*ws));
	if (ws == NULL) {
		say("out of memory");
		return EXIT_TEMP;
	}
	for (i = 0; i < o->clients; i++) {
		struct worker *w = &ws[i];

		w->idx = (int)i;
		w->o = o;
		w->addr = o->addrs[i % o->naddrs];
		w->rng = o->seed * 1000003ull + (uint64_t)i + 1;
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
		retries += w->retries;
		onepc += w->onepc;
		twopc += w->twopc;
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

	ret = scan_total(o, c, &after, &found);
	if (ret != EXIT_OK) {
		say("no balance check after the run");
		goto out;
	}
	secs = last > measure_ns ? (double)(last - measure_ns) / 1e9 : 0;
	if (nall > 0) {
		snprintf(p50, sizeof(p50), "%.3f", pct_ms(all, nall, 50));
		snprintf(p99, sizeof(p99), "%.3f", pct_ms(all, nall, 99));
	}
	printf("mode=%s clients=%ld txcoords=%d seconds=%.2f transfers=%"
	       PRIu64 " tps=%.1f p50_ms=%s p99_ms=%s errors=%" PRIu64
	       " retries=%" PRIu64 " 1pc=%" PRIu64 " 2pc=%" PRIu64
	       " accounts=%ld total_before=%lld total_after=%lld balance=%s"
	       " seed=%" PRIu64 "\n",
	       o->mode == MODE_SINGLE ? "single" : "cross", o->clients,
	       o->naddrs, secs, ok, secs > 0 ? (double)ok / secs : 0.0,
	       p50, p99, errors, retries,
	       onepc, twopc, found, before, after,
	       before == after ? "ok" : "CHANGED", o->seed);
	fflush(stdout);
	if (before != after) {
		say("the total balance changed from %lld to %lld: transfers "
		    "were not atomic", before, after);
		ret = EXIT_FAIL;
	}
out:
	for (j = 0; j < started; j++)
		free(ws[j].lat);
	free(all);
	free(ws);
	return ret;
}

/* ---- command line ---------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: bankload run --mode single|cross [options] ADDR...\n"
"       bankload load [--balance N] [options] ADDR...\n"
"       bankload check [--expect TOTAL] [options] ADDR...\n"
"       bankload splits --groups G [--accounts N] [--prefix P]\n"
"Bank transfers through txcoord's one-shot transactions (POST /txn).\n"
"ADDR is a txcoord's host:port; with several, client threads take them in\n"
"turn.\n"
"\n"
"  run      C client threads, one keep-alive connection each, send\n"
"           transfers (two incr ops: -amount, +amount) back to back for\n"
"           the duration; prints one line: tps, p50/p99 latency, errors,\n"
"           retries (txcoord's), and whether the total balance, read in one\n"
"           transaction before and after, is unchanged\n"
"  load     writes every account with the same balance, in one transaction\n"
"  check    reads every account in one transaction, prints the total\n"
"  splits   prints the first account of groups 2..G, one a line: the keys\n"
"           to split the ranges at so that each group is one range\n"
"\n"
"  -a, --accounts N     accounts, 2..%d (default 100)\n"
"  -p, --prefix P       key prefix, 1..%d of [A-Za-z0-9/_.-] (default acct/)\n"
"  -g, --groups G       account groups = ranges, 1..N/2 (default 1)\n"
"  -m, --mode M         run: single (both accounts in one group) or cross\n"
"                       (two different groups)\n"
"  -c, --clients C      run: client threads, 1..%d (default 1)\n"
"  -d, --duration S     run: seconds measured (default 10)\n"
"  -w, --warmup S       run: seconds run first and not counted (default 0)\n"
"      --amount N       run: transfers move 1..N (default 100)\n"
"      --seed N         run: random seed (default: from the clock)\n"
"  -t, --timeout S      seconds a transfer may take (default 10; a load\n"
"                       or check: this or 30, the larger)\n"
"  -b, --balance N      load: each account's balance (default 1000)\n"
"  -e, --expect TOTAL   check: exit 1 unless the total is TOTAL\n"
"  -h, --help           show this help and exit\n"
"\n"
"Exit status: 0 done (balance unchanged), 1 the balance changed or the\n"
"accounts are not as expected, 2 usage, 3 txcoord unreachable or a request\n"
"of the setup failed.\n", MAX_ACCOUNTS, MAX_PREFIX, MAX_CLIENTS);
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
	fputs("\nTry 'bankload --help'.\n", stderr);
	return EXIT_USAGE;
}

static int valid_prefix(const char *p)
{
	size_t n = strlen(p), i;

	if (n == 0 || n > MAX_PREFIX)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = p[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '/' || ch == '_' ||
		      ch == '.' || ch == '-'))
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
	o->accounts = 100;
	snprintf(o->prefix, sizeof(o->prefix), "acct/");
	o->groups = 1;
	o->clients = 1;
	o->duration_s = 10;
	o->warmup_s = 0;
	o->amount = 100;
	o->balance = 1000;
	o->timeout_s = 10;
	if (argc < 2)
		return usage_error("no command given (run, load, check or "
				   "splits)");
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
	else if (strcmp(argv[1], "splits") == 0)
		o->cmd = CMD_SPLITS;
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
		if (OPT("-a", "--accounts")) {
			NEEDV();
			if (parse_ll(v, &ll) != 0 || ll < 2 ||
			    ll > MAX_ACCOUNTS)
				return usage_error("--accounts '%s' must be a "
						   "number from 2 to %d", v,
						   MAX_ACCOUNTS);
			o->accounts = (long)ll;
		} else if (OPT("-p", "--prefix")) {
			NEEDV();
			if (!valid_prefix(v))
				return usage_error("--prefix '%s' must be 1 to "
						   "%d of A-Z a-z 0-9 / _ . -",
						   v, MAX_PREFIX);
			snprintf(o->prefix, sizeof(o->prefix), "%s", v);
		} else if (OPT("-g", "--groups")) {
			NEEDV();
			if (parse_ll(v, &ll) != 0 || ll < 1 || ll > 5000)
				return usage_error("--groups '%s' must be a "
						   "number from 1", v);
			o->groups = (long)ll;
		} else if (OPT("-m", "--mode")) {
			NEEDV();
			if (strcmp(v, "single") == 0)
				o->mode = MODE_SINGLE;
			else if (strcmp(v, "cross") == 0)
				o->mode = MODE_CROSS;
			else
				return usage_error("--mode '%s' must be single "
						   "or cross", v);
			o->mode_given = 1;
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
		} else if (OPT("--amount", "--amount")) {
			NEEDV();
			if (parse_ll(v, &ll) != 0 || ll < 1 || ll > 1000000)
				return usage_error("--amount '%s' must be a "
						   "number from 1 to 1000000",
						   v);
			o->amount = (long)ll;
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
		} else if (OPT("-b", "--balance")) {
			NEEDV();
			if (parse_ll(v, &ll) != 0 || ll < -1000000000000LL ||
			    ll > 1000000000000LL)
				return usage_error("--balance '%s' must be a "
						   "number of at most 10^12",
						   v);
			o->balance = ll;
		} else if (OPT("-e", "--expect")) {
			NEEDV();
			if (parse_ll(v, &ll) != 0)
				return usage_error("--expect '%s' must be a "
						   "number", v);
			o->expect = ll;
			o->expect_given = 1;
		} else {
			return usage_error("unknown option '%s'", a);
		}
#undef OPT
#undef NEEDV
	}
	o->width = 3;
	for (ll = 1000; ll < o->accounts; ll *= 10)
		o->width++;
	if (o->groups > o->accounts / 2)
		return usage_error("--groups %ld: at most %ld for %ld accounts "
				   "(2 accounts a group)", o->groups,
				   o->accounts / 2, o->accounts);
	if (o->cmd == CMD_SPLITS) {
		if (o->naddrs > 0)
			return usage_error("splits takes no address");
		return -1;
	}
	if (o->naddrs == 0)
		return usage_error("no txcoord address given");
	if (o->cmd == CMD_RUN) {
		if (!o->mode_given)
			return usage_error("run needs --mode single or "
					   "--mode cross");
		if (o->mode == MODE_CROSS && o->groups < 2)
			return usage_error("--mode cross needs --groups 2 or "
					   "more");
	}
	if (!seed_given)
		o->seed = (uint64_t)time(NULL) % 1000000000u;
	return -1;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct http c;
	int ret;
	long g;

	ret = parse_args(&o, argc, argv);
	if (ret != -1)
		return ret;
	if (o.cmd == CMD_SPLITS) {
		char key[MAX_KEY + 1];

		for (g = 1; g < o.groups; g++) {
			account_key(&o, group_start(&o, g), key);
			printf("%s\n", key);
		}
		return EXIT_OK;
	}
	if (curl_global_init(CURL_GLOBAL_ALL) != 0) {
		say("cannot initialize libcurl");
		return EXIT_TEMP;
	}
	/* load and check move every account: give them 30 s at least */
	if (http_init(&c, o.addrs[0], o.timeout_s > 30 ? o.timeout_s : 30)
	    != 0) {
		curl_global_cleanup();
		return EXIT_TEMP;
	}
	switch (o.cmd) {
	case CMD_LOAD:
		ret = cmd_load(&o, &c);
		break;
	case CMD_CHECK:
		ret = cmd_check(&o, &c);
		break;
	default:
		ret = cmd_run(&o, &c);
		break;
	}
	http_free(&c);
	curl_global_cleanup();
	return ret;
}
