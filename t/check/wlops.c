/*
 * wlops.c -- the workloads' operations (see wlops.h): choose, invoke,
 * send, classify, complete.  Requests go through wlclient.c, lines
 * through wlhist.c.
 */
#include "wlops.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

#define WLOPS_RECENT		4	/* register values kept per key */
#define WLOPS_KEY_MAX		(WLOPS_PREFIX_MAX + 64)
#define WLOPS_TXN_ID_MAX	128
#define WLOPS_SCAN_LIMIT	1000	/* keys per page of the final read */
#define WLOPS_MAX_PAGES		100000	/* bound on following "resume" */
#define WLOPS_RETRY_MS		20	/* pause before a txn attempt again */
#define WLOPS_FINISH_PAUSE_MS	500	/* between final read attempts */
#define WLOPS_SETUP_PAUSE_MS	200	/* between bank set-up attempts */
#define WLOPS_MAX_AMOUNT	5	/* bank transfers move 1..5 */

struct wlops {
	struct wlops_params p;
	char prefix[WLOPS_PREFIX_MAX + 1];
	struct wlhist *h;
	atomic_llong next_pid;
	atomic_llong next_add;		/* set: the next element */
	atomic_llong *next_val;		/* register: per key, from 1 */
	pthread_mutex_t mu;		/* guards recent and n_recent */
	int64_t *recent;		/* keys * WLOPS_RECENT */
	uint64_t *n_recent;		/* values remembered per key */
};

/* One operation as the history records it. */
struct op {
	const char *f;
	const char *k;			/* NULL: key-less */
	json_t *v;			/* the invoke's value (owned) */
	json_t *result;			/* the completion's, NULL = v */
	enum wlhist_outcome outcome;
	int conflict;			/* the failure was a 409 retry */
	int is_read;			/* unknown counts as fail */
	char error[WLCLIENT_ERROR_MAX];
};

static const char *const kind_names[] = {
	"register", "set", "monotonic", "bank"
};

int wlops_kind_parse(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, kind_names[i]) == 0)
			return i;
	return -1;
}

const char *wlops_kind_name(enum wlops_kind k)
{
	return (unsigned)k < 4 ? kind_names[k] : "?";
}

/* ---- small helpers ------------------------------------------------------ */

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* splitmix64: a client's reproducible random choices. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rng_below(uint64_t *s, uint64_t n)
{
	return n > 0 ? rng_next(s) % n : 0;
}

/* PREFIX KIND/I (the prefix length is checked in wlops_new). */
static void key_of(const struct wlops *w, char *buf, const char *kind,
		   long long i)
{
	snprintf(buf, WLOPS_KEY_MAX, "%s%s/%lld", w->prefix, kind, i);
}

static void key_seq(const struct wlops *w, char *buf)
{
	snprintf(buf, WLOPS_KEY_MAX, "%smono/seq", w->prefix);
}

static void op_error(struct op *op, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void op_error(struct op *op, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vformat(op->error, sizeof(op->error), fmt, ap);
	va_end(ap);
}

static void op_init(struct op *op, const char *f, const char *k, json_t *v)
{
	memset(op, 0, sizeof(*op));
	op->f = f;
	op->k = k;
	op->v = v;
	op->outcome = WLHIST_FAIL;
}

static void op_release(struct op *op)
{
	json_decref(op->v);
	json_decref(op->result);
}

/* The completion value (stolen; NULL keeps the invoke's). */
static void op_result(struct op *op, json_t *v)
{
	json_decref(op->result);
	op->result = v;
}

int64_t wlops_pids_used(const struct wlops *w)
{
	return atomic_load(&((struct wlops *)w)->next_pid);
}

static int op_invoke(struct wlops_client *cl, struct op *op, struct err *e)
{
	if (op->v == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	return wlhist_invoke(cl->w->h, cl->pid, op->f, op->k, op->v, e);
}

/* The completion line; after an info the client is a new process. */
static int op_complete(struct wlops_client *cl, struct op *op,
		       enum wlhist_outcome *outcome, struct err *e)
{
	int rc;

	if (op->is_read && op->outcome == WLHIST_INFO)
		op->outcome = WLHIST_FAIL;
	rc = wlhist_complete(cl->w->h, op->outcome, cl->pid, op->f, op->k,
			     op->result != NULL ? op->result : op->v,
			     op->error, e);
	if (op->outcome == WLHIST_INFO)
		cl->pid = atomic_fetch_add(&cl->w->next_pid, 1);
	if (outcome != NULL)
		*outcome = op->outcome;
	return rc;
}

/* ---- requests ----------------------------------------------------------- */

/* POST req (stolen; NULL = could not build it) and classify. */
static enum wlhist_outcome call(struct wlops_client *cl, const char *path,
				json_t *req, struct wlclient_reply *r)
{
	if (req == NULL) {
		memset(r, 0, sizeof(*r));
		r->outcome = WLHIST_FAIL;
		snprintf(r->error, sizeof(r->error), "not sent: out of memory");
		return r->outcome;
	}
	wlclient_post(cl->http, path, req, r);
	json_decref(req);
	cl->transport_error = r->status == 0;
	return r->outcome;
}

/* Record a failed step on op: "STEP: why", its outcome and conflict. */
static enum wlhist_outcome step_failed(struct op *op, const char *step,
				       const struct wlclient_reply *r)
{
	op_error(op, "%s: %s", step, r->error);
	op->conflict = r->status == 409;
	op->outcome = r->outcome;
	return r->outcome;
}

/*
 * The value of a get result {"found":B,"value":V}: null, an integer, or
 * the text when it is not one (the checker sees what was read).  NULL
 * when the result is malformed or memory ran out.
 */
static json_t *get_value(const json_t *res)
{
	json_t *found = json_object_get(res, "found");
	const char *s;
	int64_t n;

	if (!json_is_boolean(found))
		return NULL;
	if (!json_is_true(found))
		return json_null();
	if ((s = json_string_value(json_object_get(res, "value"))) == NULL) {
		s = json_string_value(json_object_get(res, "value_b64"));
		return s != NULL ? json_sprintf("b64:%s", s) : NULL;
	}
	if (util_parse_i64(s, INT64_MIN, INT64_MAX, &n, "value", NULL) ==
	    RC_OK)
		return json_integer(n);
	return json_string(s);
}

/* results[i] of a one-shot reply (borrowed; NULL if absent). */
static json_t *oneshot_result(const struct wlclient_reply *r, size_t i)
{
	return json_array_get(json_object_get(r->body, "results"), i);
}

static json_t *get_op(const char *key)
{
	return json_pack("{s:s, s:s}", "op", "get", "key", key);
}

/* A one-shot transaction of ops (stolen). */
static enum wlhist_outcome oneshot(struct wlops_client *cl, json_t *ops,
				   struct wlclient_reply *r)
{
	return call(cl, "/txn", ops != NULL ? json_pack("{s:o}", "ops", ops) :
		    NULL, r);
}

/* ---- explicit transactions ---------------------------------------------- */

static enum wlhist_outcome tx_begin(struct wlops_client *cl, struct op *op,
				    char id[WLOPS_TXN_ID_MAX])
{
	struct wlclient_reply r;
	const char *s;

	if (call(cl, "/txn/begin", json_object(), &r) != WLHIST_OK) {
		step_failed(op, "begin", &r);
		wlclient_reply_release(&r);
		return op->outcome = WLHIST_FAIL;  /* nothing can commit it */
	}
	s = json_string_value(json_object_get(r.body, "txn"));
	if (s == NULL || strlen(s) >= WLOPS_TXN_ID_MAX) {
		op_error(op, "begin: reply without a transaction id");
		wlclient_reply_release(&r);
		return op->outcome = WLHIST_FAIL;
	}
	strcpy(id, s);
	wlclient_reply_release(&r);
	return WLHIST_OK;
}

/* Best effort: the transaction expires anyway if this is lost. */
static void tx_rollback(struct wlops_client *cl, const char *id)
{
	struct wlclient_reply r;
	int transport_error = cl->transport_error;

	call(cl, "/txn/rollback", json_pack("{s:s}", "txn", id), &r);
	wlclient_reply_release(&r);
	cl->transport_error = transport_error;
}

/* Get key: *value as get_value() gives it (owned). */
static enum wlhist_outcome tx_get(struct wlops_client *cl, struct op *op,
				  const char *id, const char *key,
				  json_t **value)
{
	struct wlclient_reply r;

	*value = NULL;
	if (call(cl, "/txn/get", json_pack("{s:s, s:s}", "txn", id, "key",
					   key), &r) != WLHIST_OK) {
		step_failed(op, "get", &r);
		wlclient_reply_release(&r);
		return op->outcome = WLHIST_FAIL;
	}
	*value = get_value(r.body);
	wlclient_reply_release(&r);
	if (*value == NULL) {
		op_error(op, "get: reply not understood");
		return op->outcome = WLHIST_FAIL;
	}
	return WLHIST_OK;
}

/* An integer value of an explicit get; -1 and the error on op if not. */
static int tx_get_int(struct wlops_client *cl, struct op *op, const char *id,
		      const char *key, int absent_ok, int64_t *out)
{
	json_t *v;

	if (tx_get(cl, op, id, key, &v) != WLHIST_OK)
		return -1;
	if (json_is_null(v) && absent_ok) {
		*out = 0;
	} else if (json_is_integer(v)) {
		*out = json_integer_value(v);
	} else {
		char *s = json_dumps(v, JSON_ENCODE_ANY);

		op_error(op, "'%s' holds %s, not an integer", key,
			 s != NULL ? s : "?");
		free(s);
		json_decref(v);
		op->outcome = WLHIST_FAIL;
		return -1;
	}
	json_decref(v);
	return 0;
}

static enum wlhist_outcome tx_put(struct wlops_client *cl, struct op *op,
				  const char *id, const char *key,
				  int64_t value)
{
	struct wlclient_reply r;
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, value);
	if (call(cl, "/txn/put", json_pack("{s:s, s:s, s:s}", "txn", id,
					   "key", key, "value", buf), &r) !=
	    WLHIST_OK) {
		step_failed(op, "put", &r);
		wlclient_reply_release(&r);
		return op->outcome = WLHIST_FAIL;	/* not committed */
	}
	wlclient_reply_release(&r);
	return WLHIST_OK;
}

/* The commit: its outcome is the op's (ok, fail or info). */
static enum wlhist_outcome tx_commit(struct wlops_client *cl, struct op *op,
				     const char *id)
{
	struct wlclient_reply r;

	if (call(cl, "/txn/commit", json_pack("{s:s}", "txn", id), &r) ==
	    WLHIST_OK) {
		op->outcome = WLHIST_OK;
		op->error[0] = '\0';
	} else {
		step_failed(op, "commit", &r);
	}
	wlclient_reply_release(&r);
	return op->outcome;
}

/*
 * Run attempt(cl, op, arg) until it does not fail with a 409, at most
 * WLOPS_TXN_ATTEMPTS times.  attempt leaves its outcome in op.
 */
static void tx_attempts(struct wlops_client *cl, struct op *op,
			void (*attempt)(struct wlops_client *, struct op *,
					void *), void *arg)
{
	for (int i = 1;; i++) {
		op->conflict = 0;
		op->outcome = WLHIST_FAIL;
		attempt(cl, op, arg);
		if (op->outcome != WLHIST_FAIL || !op->conflict ||
		    i >= WLOPS_TXN_ATTEMPTS)
			return;
		sleep_ms(WLOPS_RETRY_MS * i);
	}
}

/* ---- register ----------------------------------------------------------- */

static void remember(struct wlops *w, unsigned k, int64_t v)
{
	pthread_mutex_lock(&w->mu);
	w->recent[k * WLOPS_RECENT + w->n_recent[k] % WLOPS_RECENT] = v;
	w->n_recent[k]++;
	pthread_mutex_unlock(&w->mu);
}

/*
 * An old value for cas: half the time the value last read or written,
 * else one of the last WLOPS_RECENT; 1..4 before any is known.
 */
static int64_t pick_recent(struct wlops_client *cl, unsigned k)
{
	struct wlops *w = cl->w;
	int64_t v;

	pthread_mutex_lock(&w->mu);
	if (w->n_recent[k] == 0) {
		v = 1 + (int64_t)rng_below(&cl->rng, 4);
	} else if (rng_below(&cl->rng, 2) == 0) {
		/* the latest: most likely the value now, so cas can swap */
		v = w->recent[k * WLOPS_RECENT +
			      (w->n_recent[k] - 1) % WLOPS_RECENT];
	} else {
		uint64_t n = w->n_recent[k] < WLOPS_RECENT ? w->n_recent[k] :
			WLOPS_RECENT;

		v = w->recent[k * WLOPS_RECENT + rng_below(&cl->rng, n)];
	}
	pthread_mutex_unlock(&w->mu);
	return v;
}

/*
 * Read op->k in a one-shot transaction: the op's outcome and result.
 * Returns the value read (owned by op's result) or NULL when the read did
 * not succeed or found no integer.
 */
static const json_t *read_key(struct wlops_client *cl, struct op *op)
{
	struct wlclient_reply r;
	json_t *ops = json_array();
	const json_t *got = NULL;

	op->is_read = 1;
	if (ops != NULL && json_array_append_new(ops, get_op(op->k)) != 0) {
		json_decref(ops);
		ops = NULL;
	}
	if (oneshot(cl, ops, &r) != WLHIST_OK) {
		step_failed(op, "read", &r);
	} else {
		json_t *v = get_value(oneshot_result(&r, 0));

		if (v == NULL) {
			op_error(op, "read: reply not understood");
		} else {
			op->outcome = WLHIST_OK;
			op_result(op, v);
			got = op->result;
		}
	}
	wlclient_reply_release(&r);
	return got;
}

static void register_read(struct wlops_client *cl, struct op *op,
			  unsigned k)
{
	const json_t *v = read_key(cl, op);

	if (json_is_integer(v))
		remember(cl->w, k, json_integer_value(v));
}

static void register_write(struct wlops_client *cl, struct op *op,
			   unsigned k, int64_t v)
{
	struct wlclient_reply r;
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	if (oneshot(cl, json_pack("[{s:s, s:s, s:s}]", "op", "put", "key",
				  op->k, "value", buf), &r) == WLHIST_OK) {
		op->outcome = WLHIST_OK;
		remember(cl->w, k, v);
	} else {
		step_failed(op, "write", &r);
	}
	wlclient_reply_release(&r);
}

struct cas_arg {
	unsigned k;
	int64_t old, new;
};

static void cas_attempt(struct wlops_client *cl, struct op *op, void *arg)
{
	struct cas_arg *a = arg;
	char id[WLOPS_TXN_ID_MAX];
	json_t *cur;

	if (tx_begin(cl, op, id) != WLHIST_OK)
		return;
	if (tx_get(cl, op, id, op->k, &cur) != WLHIST_OK) {
		tx_rollback(cl, id);
		return;
	}
	if (!json_is_integer(cur) || json_integer_value(cur) != a->old) {
		char *s = json_dumps(cur, JSON_ENCODE_ANY);

		op_error(op, "compare failed: the value is %s",
			 s != NULL ? s : "?");
		free(s);
		json_decref(cur);
		tx_rollback(cl, id);
		op->outcome = WLHIST_FAIL;
		return;
	}
	json_decref(cur);
	if (tx_put(cl, op, id, op->k, a->new) != WLHIST_OK) {
		tx_rollback(cl, id);
		return;
	}
	if (tx_commit(cl, op, id) == WLHIST_OK)
		remember(cl->w, a->k, a->new);
}

static int register_step(struct wlops_client *cl,
			 enum wlhist_outcome *outcome, struct err *e)
{
	struct wlops *w = cl->w;
	unsigned k = (unsigned)rng_below(&cl->rng, w->p.keys);
	uint64_t which = rng_below(&cl->rng, 3);
	char key[WLOPS_KEY_MAX];
	struct cas_arg a = { .k = k };
	struct op op;
	int rc;

	key_of(w, key, "reg", k);
	if (which == 0) {
		op_init(&op, "read", key, json_null());
	} else if (which == 1) {
		a.new = atomic_fetch_add(&w->next_val[k], 1);
		op_init(&op, "write", key, json_integer(a.new));
	} else {
		a.old = pick_recent(cl, k);
		a.new = atomic_fetch_add(&w->next_val[k], 1);
		op_init(&op, "cas", key, json_pack("[I, I]", (json_int_t)a.old,
						   (json_int_t)a.new));
	}
	if ((rc = op_invoke(cl, &op, e)) == RC_OK) {
		if (which == 0)
			register_read(cl, &op, k);
		else if (which == 1)
			register_write(cl, &op, k, a.new);
		else
			tx_attempts(cl, &op, cas_attempt, &a);
		rc = op_complete(cl, &op, outcome, e);
	}
	op_release(&op);
	return rc;
}

/* ---- set ---------------------------------------------------------------- */

static int set_step(struct wlops_client *cl, enum wlhist_outcome *outcome,
		    struct err *e)
{
	struct wlops *w = cl->w;
	int64_t v = atomic_fetch_add(&w->next_add, 1);
	char key[WLOPS_KEY_MAX], buf[24];
	struct wlclient_reply r;
	struct op op;
	int rc;

	key_of(w, key, "set", v);
	snprintf(buf, sizeof(buf), "%" PRId64, v);
	op_init(&op, "add", NULL, json_integer(v));
	if ((rc = op_invoke(cl, &op, e)) == RC_OK) {
		if (oneshot(cl, json_pack("[{s:s, s:s, s:s}]", "op", "put",
					  "key", key, "value", buf), &r) ==
		    WLHIST_OK)
			op.outcome = WLHIST_OK;
		else
			step_failed(&op, "add", &r);
		wlclient_reply_release(&r);
		rc = op_complete(cl, &op, outcome, e);
	}
	op_release(&op);
	return rc;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Elements seen by the final read: integers, and any key that is not. */
struct set_seen {
	int64_t *v;
	size_t n, cap;
	json_t *odd;		/* array of the keys' texts */
};

/* Add one scanned key (PREFIX set/V) to s; -1 out of memory. */
static int set_seen_add(struct set_seen *s, const char *key, size_t plen)
{
	int64_t v;

	if (strlen(key) > plen && util_parse_i64(key + plen, INT64_MIN,
						 INT64_MAX, &v, "element",
						 NULL) == RC_OK) {
		if (s->n == s->cap) {
			size_t cap = s->cap ? 2 * s->cap : 1024;
			int64_t *p = realloc(s->v, cap * sizeof(*p));

			if (p == NULL)
				return -1;
			s->v = p;
			s->cap = cap;
		}
		s->v[s->n++] = v;
		return 0;
	}
	return json_array_append_new(s->odd, json_string(key)) == 0 ? 0 : -1;
}

/* One page of the final read from *start; -1 with the error on op. */
static int set_scan_page(struct wlops_client *cl, struct op *op,
			 const char *id, char **start, const char *end,
			 size_t plen, struct set_seen *seen, int *more)
{
	struct wlclient_reply r;
	json_t *kvs, *kv;
	const char *resume;
	size_t i;

	if (call(cl, "/txn/scan", json_pack("{s:s, s:s, s:s, s:i}", "txn", id,
					    "start", *start, "end", end,
					    "limit", WLOPS_SCAN_LIMIT), &r) !=
	    WLHIST_OK) {
		step_failed(op, "scan", &r);
		wlclient_reply_release(&r);
		return -1;
	}
	kvs = json_object_get(r.body, "kvs");
	*more = json_is_true(json_object_get(r.body, "more"));
	resume = json_string_value(json_object_get(r.body, "resume"));
	if (!json_is_array(kvs) || (*more && resume == NULL)) {
		op_error(op, "scan: reply not understood");
		wlclient_reply_release(&r);
		return -1;
	}
	json_array_foreach(kvs, i, kv) {
		const char *k = json_string_value(json_object_get(kv, "key"));

		if (k == NULL) {
			op_error(op, "scan: a key that is not text");
			wlclient_reply_release(&r);
			return -1;
		}
		if (set_seen_add(seen, k, plen) != 0) {
			op_error(op, "scan: out of memory");
			wlclient_reply_release(&r);
			return -1;
		}
	}
	if (*more) {
		free(*start);
		if ((*start = strdup(resume)) == NULL) {
			op_error(op, "scan: out of memory");
			wlclient_reply_release(&r);
			return -1;
		}
	}
	wlclient_reply_release(&r);
	return 0;
}

/* The final read: scan PREFIX set/ in one transaction, then commit. */
static void set_read(struct wlops_client *cl, struct op *op)
{
	char id[WLOPS_TXN_ID_MAX], lo[WLOPS_KEY_MAX], hi[WLOPS_KEY_MAX];
	struct set_seen seen = { .odd = json_array() };
	char *start = NULL;
	json_t *arr = NULL;
	int more = 1, pages = 0;

	op->is_read = 1;
	snprintf(lo, sizeof(lo), "%sset/", cl->w->prefix);
	snprintf(hi, sizeof(hi), "%sset0", cl->w->prefix);  /* '/' + 1 */
	if (seen.odd == NULL || (start = strdup(lo)) == NULL) {
		op_error(op, "out of memory");
		goto out;
	}
	if (tx_begin(cl, op, id) != WLHIST_OK)
		goto out;
	while (more && pages++ < WLOPS_MAX_PAGES)
		if (set_scan_page(cl, op, id, &start, hi, strlen(lo), &seen,
				  &more) != 0) {
			tx_rollback(cl, id);
			goto out;
		}
	if (more) {
		op_error(op, "scan: more than %d pages", WLOPS_MAX_PAGES);
		tx_rollback(cl, id);
		goto out;
	}
	if (tx_commit(cl, op, id) != WLHIST_OK)
		goto out;
	qsort(seen.v, seen.n, sizeof(*seen.v), cmp_i64);
	if ((arr = json_array()) == NULL)
		goto nomem;
	for (size_t i = 0; i < seen.n; i++)
		if (json_array_append_new(arr, json_integer(seen.v[i])) != 0)
			goto nomem;
	if (json_array_extend(arr, seen.odd) != 0)
		goto nomem;
	op_result(op, arr);
	arr = NULL;
	goto out;
nomem:
	op_error(op, "out of memory");
	op->outcome = WLHIST_FAIL;
out:
	json_decref(arr);
	json_decref(seen.odd);
	free(seen.v);
	free(start);
}

int wlops_finish(struct wlops *w, struct wlclient *const *c, size_t nc,
		 uint64_t deadline_ms, const atomic_int *stop,
		 struct err *e)
{
	struct wlops_client cl;
	char last[WLCLIENT_ERROR_MAX] = "";
	int rc;

	if (w->p.kind != WLOPS_SET)
		return RC_OK;
	wlops_client_init(&cl, w, c[0], 0);
	cl.pid = atomic_fetch_add(&w->next_pid, 1);
	for (size_t i = 0;; i++) {
		enum wlhist_outcome o = WLHIST_FAIL;
		struct op op;

		cl.http = c[i % nc];
		op_init(&op, "read", NULL, json_null());
		if ((rc = op_invoke(&cl, &op, e)) == RC_OK) {
			set_read(&cl, &op);
			rc = op_complete(&cl, &op, &o, e);
		}
		snprintf(last, sizeof(last), "%s", op.error);
		op_release(&op);
		if (rc != RC_OK)
			return rc;
		if (o == WLHIST_OK)
			return RC_OK;
		if (util_mono_ms() >= deadline_ms || atomic_load(stop) >= 2)
			return err_set(e, RC_TIMEOUT, "the final read of the "
				       "set did not succeed (%zu attempts; "
				       "last: %s)", i + 1, last);
		sleep_ms(WLOPS_FINISH_PAUSE_MS);
	}
}

/* ---- monotonic ---------------------------------------------------------- */

static void mono_write_attempt(struct wlops_client *cl, struct op *op,
			       void *arg)
{
	char id[WLOPS_TXN_ID_MAX], seq[WLOPS_KEY_MAX];
	int64_t cur;

	(void)arg;
	op_result(op, NULL);
	key_seq(cl->w, seq);
	if (tx_begin(cl, op, id) != WLHIST_OK)
		return;
	if (tx_get_int(cl, op, id, seq, 1, &cur) != 0) {
		tx_rollback(cl, id);
		return;
	}
	if (cur == INT64_MAX) {
		op_error(op, "'%s' holds %" PRId64 ": cannot add 1", seq, cur);
		tx_rollback(cl, id);
		return;
	}
	/* the value this attempt writes, known from here on */
	op_result(op, json_integer(cur + 1));
	if (op->result == NULL) {
		op_error(op, "out of memory");
		tx_rollback(cl, id);
		return;
	}
	if (tx_put(cl, op, id, seq, cur + 1) != WLHIST_OK ||
	    tx_put(cl, op, id, op->k, cur + 1) != WLHIST_OK) {
		tx_rollback(cl, id);
		return;
	}
	tx_commit(cl, op, id);
}

static void mono_read(struct wlops_client *cl, struct op *op)
{
	read_key(cl, op);
}

static int monotonic_step(struct wlops_client *cl,
			  enum wlhist_outcome *outcome, struct err *e)
{
	struct wlops *w = cl->w;
	unsigned k = (unsigned)rng_below(&cl->rng, w->p.keys);
	/*
	 * The first half write: with clients spread round robin over the
	 * txcoords, both roles then meet every txcoord (even/odd would put
	 * all writers on one of two).
	 */
	int writer = w->p.clients == 1 ? (int)rng_below(&cl->rng, 2) :
		cl->index < (w->p.clients + 1) / 2;
	char key[WLOPS_KEY_MAX];
	struct op op;
	int rc;

	key_of(w, key, "mono", k);
	op_init(&op, writer ? "write" : "read", key, json_null());
	if ((rc = op_invoke(cl, &op, e)) == RC_OK) {
		if (writer)
			tx_attempts(cl, &op, mono_write_attempt, NULL);
		else
			mono_read(cl, &op);
		rc = op_complete(cl, &op, outcome, e);
	}
	op_release(&op);
	return rc;
}

/* ---- bank --------------------------------------------------------------- */

struct transfer {
	unsigned from, to;
	int64_t amount;
};

static void transfer_attempt(struct wlops_client *cl, struct op *op,
			     void *arg)
{
	const struct transfer *t = arg;
	char id[WLOPS_TXN_ID_MAX], kf[WLOPS_KEY_MAX], kt[WLOPS_KEY_MAX];
	int64_t bf, bt;

	key_of(cl->w, kf, "acct", t->from);
	key_of(cl->w, kt, "acct", t->to);
	if (tx_begin(cl, op, id) != WLHIST_OK)
		return;
	if (tx_get_int(cl, op, id, kf, 0, &bf) != 0 ||
	    tx_get_int(cl, op, id, kt, 0, &bt) != 0) {
		tx_rollback(cl, id);
		return;
	}
	if (bf < INT64_MIN + t->amount || bt > INT64_MAX - t->amount) {
		op_error(op, "a balance would overflow (%" PRId64 ", %" PRId64
			 ")", bf, bt);
		tx_rollback(cl, id);
		return;
	}
	if (tx_put(cl, op, id, kf, bf - t->amount) != WLHIST_OK ||
	    tx_put(cl, op, id, kt, bt + t->amount) != WLHIST_OK) {
		tx_rollback(cl, id);
		return;
	}
	tx_commit(cl, op, id);
}

/* The same transfer as one one-shot transaction of two incr ops. */
static void transfer_oneshot(struct wlops_client *cl, struct op *op,
			     const struct transfer *t)
{
	char kf[WLOPS_KEY_MAX], kt[WLOPS_KEY_MAX];
	struct wlclient_reply r;

	key_of(cl->w, kf, "acct", t->from);
	key_of(cl->w, kt, "acct", t->to);
	if (oneshot(cl, json_pack("[{s:s, s:s, s:I}, {s:s, s:s, s:I}]",
				  "op", "incr", "key", kf, "by",
				  (json_int_t)-t->amount, "op", "incr", "key",
				  kt, "by", (json_int_t)t->amount), &r) ==
	    WLHIST_OK)
		op->outcome = WLHIST_OK;
	else
		step_failed(op, "transfer", &r);
	wlclient_reply_release(&r);
}

/* Every account in one one-shot transaction: {"<i>":balance,...}. */
static void bank_read(struct wlops_client *cl, struct op *op)
{
	unsigned n = cl->w->p.accounts;
	char key[WLOPS_KEY_MAX], name[16];
	struct wlclient_reply r;
	json_t *ops = json_array(), *v;

	op->is_read = 1;
	for (unsigned i = 0; ops != NULL && i < n; i++) {
		key_of(cl->w, key, "acct", i);
		if (json_array_append_new(ops, get_op(key)) != 0) {
			json_decref(ops);
			ops = NULL;
		}
	}
	if (oneshot(cl, ops, &r) != WLHIST_OK) {
		step_failed(op, "read", &r);
		wlclient_reply_release(&r);
		return;
	}
	if ((v = json_object()) == NULL) {
		op_error(op, "out of memory");
		wlclient_reply_release(&r);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		json_t *b = get_value(oneshot_result(&r, i));

		if (b == NULL) {
			op_error(op, "read: reply not understood");
			json_decref(v);
			wlclient_reply_release(&r);
			return;
		}
		snprintf(name, sizeof(name), "%u", i);
		/* a missing account is left out: the checker reports it */
		if (!json_is_null(b) && json_object_set(v, name, b) != 0) {
			op_error(op, "out of memory");
			json_decref(b);
			json_decref(v);
			wlclient_reply_release(&r);
			return;
		}
		json_decref(b);
	}
	op->outcome = WLHIST_OK;
	op_result(op, v);
	wlclient_reply_release(&r);
}

static int bank_step(struct wlops_client *cl, enum wlhist_outcome *outcome,
		     struct err *e)
{
	struct wlops *w = cl->w;
	int read = rng_below(&cl->rng, 2) == 0;
	int one_shot = rng_below(&cl->rng, 2) == 0;
	struct transfer t;
	struct op op;
	int rc;

	t.from = (unsigned)rng_below(&cl->rng, w->p.accounts);
	t.to = (t.from + 1 + (unsigned)rng_below(&cl->rng,
						 w->p.accounts - 1)) %
		w->p.accounts;
	t.amount = 1 + (int64_t)rng_below(&cl->rng, WLOPS_MAX_AMOUNT);
	if (read)
		op_init(&op, "read", NULL, json_null());
	else
		op_init(&op, "transfer", NULL,
			json_pack("{s:i, s:i, s:I}", "from", (int)t.from,
				  "to", (int)t.to, "amount",
				  (json_int_t)t.amount));
	if ((rc = op_invoke(cl, &op, e)) == RC_OK) {
		if (read)
			bank_read(cl, &op);
		else if (one_shot)
			transfer_oneshot(cl, &op, &t);
		else
			tx_attempts(cl, &op, transfer_attempt, &t);
		rc = op_complete(cl, &op, outcome, e);
	}
	op_release(&op);
	return rc;
}

int wlops_setup(struct wlops *w, struct wlclient *const *c, size_t nc,
		uint64_t deadline_ms, struct err *e)
{
	char key[WLOPS_KEY_MAX], buf[24];
	struct wlops_client cl;

	if (w->p.kind != WLOPS_BANK)
		return RC_OK;
	snprintf(buf, sizeof(buf), "%" PRId64, w->p.balance);
	wlops_client_init(&cl, w, c[0], 0);
	/*
	 * Putting the opening balances again is harmless, even when an
	 * earlier attempt of unknown outcome lands late: it keeps the total.
	 */
	for (size_t i = 0;; i++) {
		struct wlclient_reply r;
		json_t *ops = json_array();
		enum wlhist_outcome o;

		for (unsigned a = 0; ops != NULL && a < w->p.accounts; a++) {
			key_of(w, key, "acct", a);
			if (json_array_append_new(ops, json_pack(
				"{s:s, s:s, s:s}", "op", "put", "key", key,
				"value", buf)) != 0) {
				json_decref(ops);
				ops = NULL;
			}
		}
		if (ops == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		cl.http = c[i % nc];
		o = oneshot(&cl, ops, &r);
		wlclient_reply_release(&r);	/* r.error stays */
		if (o == WLHIST_OK)
			return RC_OK;
		if (util_mono_ms() >= deadline_ms)
			return err_set(e, RC_UNAVAILABLE, "cannot open the "
				       "bank accounts: %s", r.error);
		sleep_ms(WLOPS_SETUP_PAUSE_MS);
	}
}

/* ---- the run ------------------------------------------------------------ */

int wlops_new(const struct wlops_params *p, struct wlhist *h,
	      struct wlops **out, struct err *e)
{
	struct wlops *w;
	unsigned nk = p->keys ? p->keys : 1;

	*out = NULL;
	if (strlen(p->prefix) > WLOPS_PREFIX_MAX)
		return err_set(e, RC_BAD_INPUT, "key prefix '%s' is longer "
			       "than %d bytes", p->prefix, WLOPS_PREFIX_MAX);
	if (p->clients == 0 || p->keys == 0)
		return err_set(e, RC_BAD_INPUT, "clients and keys must be "
			       "positive");
	if (p->kind == WLOPS_BANK && (p->accounts < 2 ||
				      p->accounts > WLOPS_MAX_ACCOUNTS))
		return err_set(e, RC_BAD_INPUT, "accounts must be from 2 to "
			       "%d", WLOPS_MAX_ACCOUNTS);
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->next_val = calloc(nk, sizeof(*w->next_val))) == NULL ||
	    (w->recent = calloc((size_t)nk * WLOPS_RECENT,
				sizeof(*w->recent))) == NULL ||
	    (w->n_recent = calloc(nk, sizeof(*w->n_recent))) == NULL) {
		if (w != NULL) {
			free(w->next_val);
			free(w->recent);
		}
		free(w);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	w->p = *p;
	snprintf(w->prefix, sizeof(w->prefix), "%s", p->prefix);
	w->p.prefix = w->prefix;
	w->h = h;
	atomic_init(&w->next_pid, (long long)p->clients);
	atomic_init(&w->next_add, 0);
	for (unsigned i = 0; i < nk; i++)
		atomic_init(&w->next_val[i], 1);
	pthread_mutex_init(&w->mu, NULL);
	*out = w;
	return RC_OK;
}

void wlops_free(struct wlops *w)
{
	if (w == NULL)
		return;
	pthread_mutex_destroy(&w->mu);
	free(w->next_val);
	free(w->recent);
	free(w->n_recent);
	free(w);
}

int wlops_meta(const struct wlops *w, json_t **out, struct err *e)
{
	json_t *m = json_pack("{s:s, s:s, s:I, s:i}", "workload",
			      wlops_kind_name(w->p.kind), "prefix", w->prefix,
			      "seed", (json_int_t)w->p.seed,
			      "clients", (int)w->p.clients);
	int bad = m == NULL;

	if (!bad && (w->p.kind == WLOPS_REGISTER ||
		     w->p.kind == WLOPS_MONOTONIC))
		bad = json_object_set_new(m, "keys",
					  json_integer(w->p.keys)) != 0;
	if (!bad && w->p.kind == WLOPS_BANK)
		bad = json_object_set_new(m, "accounts",
					  json_integer(w->p.accounts)) != 0 ||
			json_object_set_new(m, "total", json_integer(
				w->p.balance * (json_int_t)w->p.accounts)) != 0;
	if (bad) {
		json_decref(m);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	*out = m;
	return RC_OK;
}

void wlops_client_init(struct wlops_client *cl, struct wlops *w,
		       struct wlclient *http, unsigned index)
{
	memset(cl, 0, sizeof(*cl));
	cl->w = w;
	cl->http = http;
	cl->index = index;
	cl->pid = index;
	cl->rng = w->p.seed ^ (0x9e3779b97f4a7c15ULL * (index + 1));
}

int wlops_step(struct wlops_client *cl, enum wlhist_outcome *outcome,
	       struct err *e)
{
	switch (cl->w->p.kind) {
	case WLOPS_REGISTER: return register_step(cl, outcome, e);
	case WLOPS_SET: return set_step(cl, outcome, e);
	case WLOPS_MONOTONIC: return monotonic_step(cl, outcome, e);
	default: return bank_step(cl, outcome, e);
	}
}
