/*
 * router_test.c -- unit tests for cmd/txcoord/router.c.
 *
 * Three fake raftd nodes run in this process (libcommon's HTTP server on
 * 127.0.0.1:0).  They share a model of the cluster: the true ranges (span,
 * replicas, leader) that POST /txn/echo obeys the way raftd does -- 421
 * range_moved with the range in the error when the node holds no replica
 * of the key's range, 307 with "leader_addr" from a follower, 503 when no
 * leader is known -- and the meta view that GET /meta/locate answers from,
 * which a test may leave stale on purpose.  GET /meta/nodes lists the
 * nodes at addresses a test may point to a dead port.  A per-node mode
 * makes one node misbehave (503, slow, not JSON, 409, bare 421).  Every
 * request is counted per node, so the tests can see where calls went.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "desc.h"
#include "http.h"
#include "jx.h"
#include "log.h"
#include "raftwire.h"
#include "router.h"
#include "util.h"

#define NN	3		/* fake nodes, ids 1..NN */
#define MAXR	8

enum node_mode {
	M_OK,
	M_503,			/* "no leader for range N yet; retry" */
	M_SLOW,			/* 1.5 s, then an answer */
	M_NOT_JSON,		/* 200 text/plain */
	M_409,			/* 409 locked, with intents */
	M_421_BARE,		/* 421 without a descriptor, always */
	M_AMBIGUOUS		/* 503: "may or may not have taken effect" */
};

struct frange {
	uint64_t id, gen;
	const char *start, *end;	/* "" end = +inf */
	int replicas[NN];		/* node indexes */
	int n_replicas;
	int leader;			/* node index, -1 = none */
};

static struct http_server *srv[NN];
static char addrs[NN][64];		/* where node i listens */
static char listed[NN][64];		/* where /meta/nodes says it is */
static char dead[64];			/* nobody listens here */

static pthread_mutex_t model_mu = PTHREAD_MUTEX_INITIALIZER;
static struct frange truth[MAXR], meta[MAXR];
static int n_truth, n_meta;
static int mode[NN];
static int locate_gives_leader;

static atomic_int posts[NN], locates, nodes_asked;

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int holds(const struct frange *r, const char *key, size_t klen)
{
	size_t sl = strlen(r->start), el = strlen(r->end);
	int c;

	c = memcmp(key, r->start, klen < sl ? klen : sl);
	if (c < 0 || (c == 0 && klen < sl))
		return 0;
	if (el == 0)
		return 1;
	c = memcmp(key, r->end, klen < el ? klen : el);
	return c < 0 || (c == 0 && klen < el);
}

static const struct frange *find(const struct frange *v, int n,
				 const char *key, size_t klen)
{
	for (int i = 0; i < n; i++)
		if (holds(&v[i], key, klen))
			return &v[i];
	return NULL;
}

static json_t *frange_json(const struct frange *r)
{
	struct desc d;

	memset(&d, 0, sizeof(d));
	desc_init(&d, r->id, r->start, strlen(r->start), r->end,
		  strlen(r->end), NULL);
	d.generation = r->gen;
	for (int i = 0; i < r->n_replicas; i++)
		d.replicas[d.n_replicas++] = (uint64_t)r->replicas[i] + 1;
	return desc_to_json(&d);
}

/* ---- fake raftd --------------------------------------------------------- */

static void h_locate(const struct http_req *req, struct http_resp *resp,
		     void *arg)
{
	const char *k = http_req_query(req, "key");
	const char *kb = http_req_query(req, "key_b64");
	const struct frange *r;
	void *key = NULL;
	size_t klen = 0;
	json_t *j;

	atomic_fetch_add(&locates, 1);
	if (kb != NULL) {
		if (raftwire_base64_decode(kb, strlen(kb), &key, &klen,
					   NULL) != RC_OK) {
			http_resp_error(resp, RC_BAD_INPUT, "bad key_b64");
			return;
		}
	} else if (k != NULL) {
		key = strdup(k);
		klen = strlen(k);
	} else {
		http_resp_error(resp, RC_BAD_INPUT, "missing parameter 'key'");
		return;
	}
	pthread_mutex_lock(&model_mu);
	r = find(meta, n_meta, key, klen);
	if (r == NULL) {
		http_resp_error(resp, RC_NOT_FOUND, "no range holds the key");
	} else {
		int l = locate_gives_leader ? r->leader : -1;

		j = json_pack("{s:o,s:o,s:o}", "range", frange_json(r),
			      "leader", l >= 0 ? json_integer(l + 1) :
			      json_null(), "leader_addr", l >= 0 ?
			      json_string(listed[l]) : json_null());
		http_resp_json(resp, 200, j);
	}
	pthread_mutex_unlock(&model_mu);
	free(key);
}

static void h_nodes(const struct http_req *req, struct http_resp *resp,
		    void *arg)
{
	json_t *arr = json_array();

	atomic_fetch_add(&nodes_asked, 1);
	pthread_mutex_lock(&model_mu);
	for (int i = 0; i < NN; i++)
		json_array_append_new(arr, json_pack("{s:i,s:s}", "id", i + 1,
						     "address", listed[i]));
	pthread_mutex_unlock(&model_mu);
	http_resp_json(resp, 200, json_pack("{s:o}", "nodes", arr));
}

static void h_echo(const struct http_req *req, struct http_resp *resp,
		   void *arg)
{
	int self = (int)(intptr_t)arg, m, l = -1, member = 0;
	const struct frange *r;
	const char *key;
	json_t *j;

	atomic_fetch_add(&posts[self], 1);
	key = json_string_value(json_object_get(req->json, "key"));
	if (key == NULL) {
		http_resp_error(resp, RC_BAD_INPUT, "missing field 'key'");
		return;
	}
	pthread_mutex_lock(&model_mu);
	m = mode[self];
	if (m == M_SLOW) {
		pthread_mutex_unlock(&model_mu);
		sleep_ms(1500);
		http_resp_json(resp, 200, json_pack("{s:i}", "node", self + 1));
		return;
	}
	if (m == M_503) {
		pthread_mutex_unlock(&model_mu);
		http_resp_error(resp, RC_UNAVAILABLE, "no leader for range yet; "
				"retry");
		return;
	}
	if (m == M_NOT_JSON) {
		pthread_mutex_unlock(&model_mu);
		http_resp_text(resp, 200, "text/plain", "<html>", 6);
		return;
	}
	if (m == M_AMBIGUOUS) {
		pthread_mutex_unlock(&model_mu);
		http_resp_error(resp, RC_UNAVAILABLE, "replaced by a snapshot; "
				"the write may or may not have taken effect");
		return;
	}
	if (m == M_421_BARE) {
		pthread_mutex_unlock(&model_mu);
		http_resp_error(resp, RC_RANGE_MOVED, "no range on this node "
				"holds the key");
		return;
	}
	r = find(truth, n_truth, key, strlen(key));
	for (int i = 0; r != NULL && i < r->n_replicas; i++)
		member |= r->replicas[i] == self;
	if (r == NULL || !member) {
		/* raftd's range_moved: the range that holds it, in the error */
		j = json_pack("{s:{s:s,s:s}}", "error", "code", "range_moved",
			      "message", "no range on this node holds the key");
		if (r != NULL) {
			json_t *err = json_object_get(j, "error");

			json_object_set_new(err, "range", frange_json(r));
			if (r->leader >= 0) {
				json_object_set_new(err, "leader",
						    json_integer(r->leader + 1));
				json_object_set_new(err, "leader_addr",
					json_string(listed[r->leader]));
			}
		}
		pthread_mutex_unlock(&model_mu);
		http_resp_json(resp, 421, j);
		return;
	}
	l = r->leader;
	if (l != self) {
		if (l < 0) {
			pthread_mutex_unlock(&model_mu);
			http_resp_error(resp, RC_UNAVAILABLE, "no leader for "
					"range yet; retry");
			return;
		}
		snprintf(resp->location, sizeof(resp->location),
			 "http://%s%s", listed[l], req->raw_path);
		j = json_pack("{s:{s:s,s:s,s:i,s:s,s:I}}", "error", "code",
			      "not_leader", "message", "not the leader",
			      "leader", l + 1, "leader_addr", listed[l],
			      "range_id", (json_int_t)r->id);
		pthread_mutex_unlock(&model_mu);
		http_resp_json(resp, 307, j);
		return;
	}
	pthread_mutex_unlock(&model_mu);
	if (m == M_409) {
		http_resp_json(resp, 409, json_pack("{s:{s:s,s:s},s:[{s:s}]}",
			       "error", "code", "locked", "message",
			       "key is locked", "intents", "key", key));
		return;
	}
	http_resp_json(resp, 200, json_pack("{s:i,s:I,s:O}", "node", self + 1,
					    "range_id", (json_int_t)r->id,
					    "got", req->json));
}

/* A port nobody listens on. */
static void dead_addr(char *out, size_t cap)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(fd, (struct sockaddr *)&sa, &len);
	snprintf(out, cap, "127.0.0.1:%u", ntohs(sa.sin_port));
	close(fd);
}

/* Two ranges: 2 = ["", "m") led by node 1, 3 = ["m", +inf) by node 3. */
static void model_reset(void)
{
	static const struct frange r2 = { 2, 1, "", "m", { 0, 1, 2 }, 3, 0 };
	static const struct frange r3 = { 3, 1, "m", "", { 0, 1, 2 }, 3, 2 };

	pthread_mutex_lock(&model_mu);
	truth[0] = r2;
	truth[1] = r3;
	n_truth = 2;
	memcpy(meta, truth, sizeof(truth));
	n_meta = 2;
	for (int i = 0; i < NN; i++) {
		mode[i] = M_OK;
		strcpy(listed[i], addrs[i]);
		atomic_store(&posts[i], 0);
	}
	locate_gives_leader = 1;
	pthread_mutex_unlock(&model_mu);
	atomic_store(&locates, 0);
	atomic_store(&nodes_asked, 0);
}

static int group_setup(void **state)
{
	struct http_server_opts o = { .listen = "127.0.0.1:0", .threads = 4 };
	struct err e;

	for (intptr_t i = 0; i < NN; i++) {
		if (http_server_new(&srv[i], &e) != RC_OK ||
		    http_server_route(srv[i], "GET", "/meta/locate", 0, 0,
				      h_locate, NULL, &e) != RC_OK ||
		    http_server_route(srv[i], "GET", "/meta/nodes", 0, 0,
				      h_nodes, NULL, &e) != RC_OK ||
		    http_server_route(srv[i], "POST", "/txn/echo",
				      HTTP_JSON_BODY, 0, h_echo, (void *)i,
				      &e) != RC_OK ||
		    http_server_start(srv[i], &o, &e) != RC_OK) {
			fprintf(stderr, "fake raftd: %s\n", e.msg);
			return -1;
		}
		snprintf(addrs[i], sizeof(addrs[i]), "127.0.0.1:%u",
			 http_server_port(srv[i]));
	}
	dead_addr(dead, sizeof(dead));
	return 0;
}

static int group_teardown(void **state)
{
	for (int i = 0; i < NN; i++)
		http_server_free(srv[i]);
	return 0;
}

static int setup(void **state)
{
	model_reset();
	return 0;
}

static struct router *new_router(void)
{
	const char *entry[NN] = { addrs[0], addrs[1], addrs[2] };
	struct router *r = NULL;
	struct err e;

	assert_int_equal(router_new(&r, entry, NN, &e), RC_OK);
	return r;
}

/* POST {"key":key,...extra} to key's leader; returns rc. */
static int echo(struct router *r, const char *key, json_t **reply,
		int *status, struct err *e)
{
	json_t *b = json_pack("{s:s}", "key", key);
	int rc;

	rc = router_call(r, key, strlen(key), "/txn/echo", b, reply, status,
			 e);
	json_decref(b);
	return rc;
}

static int reply_node(const json_t *j)
{
	return (int)json_integer_value(json_object_get(j, "node"));
}

/* ---- tests -------------------------------------------------------------- */

/* Locate once per range; later calls go straight to the leader. */
static void test_locate_cache(void **state)
{
	struct router *r = new_router();
	struct router_stats st;
	struct desc d;
	json_t *j;
	int status;
	struct err e;

	assert_int_equal(router_locate(r, "a", 1, &d, &e), RC_OK);
	assert_int_equal(d.range_id, 2);
	assert_int_equal(d.end_len, 1);
	assert_memory_equal(d.end, "m", 1);
	assert_int_equal(d.n_replicas, 3);
	assert_int_equal(atomic_load(&locates), 1);
	assert_int_equal(router_locate(r, "b", 1, &d, &e), RC_OK);
	assert_int_equal(router_locate(r, "", 0, &d, &e), RC_OK);
	assert_int_equal(d.range_id, 2);
	assert_int_equal(atomic_load(&locates), 1);	/* cached */
	for (int i = 0; i < 10; i++) {
		assert_int_equal(echo(r, "k", &j, &status, &e), RC_OK);
		assert_int_equal(status, 200);
		assert_int_equal(reply_node(j), 1);
		json_decref(j);
	}
	assert_int_equal(atomic_load(&locates), 1);
	assert_int_equal(atomic_load(&posts[0]), 10);
	assert_int_equal(atomic_load(&posts[1]) + atomic_load(&posts[2]), 0);
	assert_int_equal(atomic_load(&nodes_asked), 0);
	/* the other range: one more locate, its leader is node 3 */
	assert_int_equal(echo(r, "zz", &j, &status, &e), RC_OK);
	assert_int_equal(reply_node(j), 3);
	json_decref(j);
	assert_int_equal(router_locate(r, "m", 1, &d, &e), RC_OK);
	assert_int_equal(d.range_id, 3);
	assert_int_equal(d.end_len, 0);
	assert_int_equal(atomic_load(&locates), 2);
	router_get_stats(r, &st);
	assert_int_equal(st.cached_ranges, 2);
	assert_int_equal(st.locates, 2);
	assert_int_equal(st.calls, 11);
	assert_int_equal(st.requests, 11);
	/* invalidate: asked again */
	router_invalidate(r, 2);
	router_invalidate(r, 99);
	assert_int_equal(router_locate(r, "a", 1, &d, &e), RC_OK);
	assert_int_equal(atomic_load(&locates), 3);
	router_free(r);
}

/* Keys that are not text travel as key_b64. */
static void test_binary_key(void **state)
{
	static const char key[] = "\xff\xfe\x00z";
	struct router *r = new_router();
	struct desc d;
	struct err e;

	pthread_mutex_lock(&model_mu);
	meta[1].start = "\xff";		/* range 3 = [0xff, +inf) */
	meta[0].end = "\xff";
	pthread_mutex_unlock(&model_mu);
	assert_int_equal(router_locate(r, key, 4, &d, &e), RC_OK);
	assert_int_equal(d.range_id, 3);
	assert_int_equal(router_locate(r, "k", 1, &d, &e), RC_OK);
	assert_int_equal(d.range_id, 2);
	assert_int_equal(atomic_load(&locates), 2);
	router_free(r);
}

/* A follower's 307 is followed with the same body; the leader is kept. */
static void test_redirect(void **state)
{
	struct router *r = new_router();
	json_t *b, *j;
	int status;
	struct err e;

	pthread_mutex_lock(&model_mu);
	truth[0].leader = 1;		/* meta still says node 1 */
	pthread_mutex_unlock(&model_mu);
	b = json_pack("{s:s,s:s,s:[i,i,i],s:s}", "key", "k", "value",
		      "h\xc3\xa9llo \"w\"", "n", 1, 2, 3, "ts",
		      "117671380389724160");
	assert_int_equal(router_call(r, "k", 1, "/txn/echo", b, &j, &status,
				     &e), RC_OK);
	assert_int_equal(status, 200);
	assert_int_equal(reply_node(j), 2);
	assert_true(json_equal(json_object_get(j, "got"), b));
	json_decref(j);
	assert_int_equal(atomic_load(&posts[0]), 1);
	assert_int_equal(atomic_load(&posts[1]), 1);
	/* the leader was remembered: straight to node 2 now */
	assert_int_equal(router_call(r, "k", 1, "/txn/echo", b, &j, &status,
				     &e), RC_OK);
	assert_int_equal(reply_node(j), 2);
	json_decref(j);
	assert_int_equal(atomic_load(&posts[0]), 1);
	assert_int_equal(atomic_load(&posts[1]), 2);
	json_decref(b);
	router_free(r);
}

/* 421 with the new range: one relocation, then success. */
static void test_moved_once(void **state)
{
	static const struct frange r4 = { 4, 1, "g", "m", { 2 }, 1, 2 };
	struct router *r = new_router();
	struct router_stats st;
	struct desc d;
	json_t *j;
	int status;
	struct err e;

	assert_int_equal(router_locate(r, "h", 1, &d, &e), RC_OK);
	assert_int_equal(d.range_id, 2);
	/* range 2 splits at "g"; range 4 lives on node 3 alone */
	pthread_mutex_lock(&model_mu);
	truth[0].end = "g";
	truth[0].gen = 2;
	truth[n_truth++] = r4;
	pthread_mutex_unlock(&model_mu);
	assert_int_equal(echo(r, "h", &j, &status, &e), RC_OK);
	assert_int_equal(status, 200);
	assert_int_equal(reply_node(j), 3);
	assert_int_equal(json_integer_value(json_object_get(j, "range_id")),
			 4);
	json_decref(j);
	/* the 421's descriptor was cached: no locate was needed */
	assert_int_equal(atomic_load(&locates), 1);
	assert_int_equal(router_locate(r, "h", 1, &d, &e), RC_OK);
	assert_int_equal(d.range_id, 4);
	router_get_stats(r, &st);
	assert_int_equal(st.moved, 1);
	router_free(r);
}

/*
 * A split that left the key on the same leader: the answer's range_id
 * shows the cached descriptor is stale, so it is dropped and located
 * afresh next time.
 */
static void test_stale_by_range_id(void **state)
{
	static const struct frange r4 = { 4, 1, "g", "m", { 0, 1, 2 }, 3, 0 };
	struct router *r = new_router();
	struct router_stats st;
	struct desc d;
	json_t *j;
	int status;
	struct err e;

	assert_int_equal(router_locate(r, "h", 1, &d, &e), RC_OK);
	assert_int_equal(d.range_id, 2);
	pthread_mutex_lock(&model_mu);
	truth[0].end = "g";
	truth[n_truth++] = r4;
	meta[0].end = "g";
	meta[n_meta++] = r4;
	pthread_mutex_unlock(&model_mu);
	assert_int_equal(echo(r, "h", &j, &status, &e), RC_OK);
	assert_int_equal(json_integer_value(json_object_get(j, "range_id")),
			 4);
	json_decref(j);
	router_get_stats(r, &st);
	assert_int_equal(st.cached_ranges, 0);
	assert_int_equal(router_locate(r, "h", 1, &d, &e), RC_OK);
	assert_int_equal(d.range_id, 4);
	assert_int_equal(atomic_load(&locates), 2);
	router_free(r);
}

/*
 * The same with a 307 from the new range's leader: followed for this
 * call, but not taken as the leader of the stale cached range.
 */
static void test_stale_by_redirect(void **state)
{
	static const struct frange r4 = { 4, 1, "g", "m", { 0, 1, 2 }, 3, 1 };
	struct router *r = new_router();
	struct desc d;
	json_t *j;
	int status;
	struct err e;

	assert_int_equal(router_locate(r, "h", 1, &d, &e), RC_OK);
	pthread_mutex_lock(&model_mu);
	truth[0].end = "g";
	truth[n_truth++] = r4;
	meta[0].end = "g";
	meta[n_meta++] = r4;
	pthread_mutex_unlock(&model_mu);
	assert_int_equal(echo(r, "h", &j, &status, &e), RC_OK);
	assert_int_equal(reply_node(j), 2);
	json_decref(j);
	assert_int_equal(atomic_load(&posts[0]), 1);	/* the 307 */
	/* range 2 ("a") is still led by node 1: no detour through node 2 */
	assert_int_equal(echo(r, "a", &j, &status, &e), RC_OK);
	assert_int_equal(reply_node(j), 1);
	json_decref(j);
	assert_int_equal(atomic_load(&posts[0]), 2);
	assert_int_equal(atomic_load(&posts[1]), 1);
	router_free(r);
}

/* 421 without a descriptor: located afresh (meta knows by now). */
static void test_moved_relocate(void **state)
{
	static const struct frange r4 = { 4, 1, "g", "m", { 2 }, 1, 2 };
	struct router *r = new_router();
	struct desc d;
	json_t *j;
	int status;
	struct err e;

	assert_int_equal(router_locate(r, "h", 1, &d, &e), RC_OK);
	pthread_mutex_lock(&model_mu);
	mode[0] = M_421_BARE;		/* range 2's leader drops it */
	truth[0].end = "g";
	truth[n_truth++] = r4;
	meta[0].end = "g";
	meta[n_meta++] = r4;
	pthread_mutex_unlock(&model_mu);
	assert_int_equal(echo(r, "h", &j, &status, &e), RC_OK);
	assert_int_equal(reply_node(j), 3);
	json_decref(j);
	assert_int_equal(atomic_load(&locates), 2);
	router_free(r);
}

/* 421 again after the relocation: RC_RANGE_MOVED, after two tries. */
static void test_moved_twice(void **state)
{
	struct router *r = new_router();
	json_t *j = (json_t *)1;
	int status = 7;
	struct err e;

	pthread_mutex_lock(&model_mu);
	mode[0] = M_421_BARE;		/* stale meta keeps naming node 1 */
	pthread_mutex_unlock(&model_mu);
	assert_int_equal(echo(r, "h", &j, &status, &e), RC_RANGE_MOVED);
	assert_null(j);
	assert_int_equal(status, 0);
	assert_non_null(strstr(e.msg, addrs[0]));
	assert_int_equal(atomic_load(&posts[0]), 2);
	router_free(r);
}

/* 503 from the cached leader: another replica serves it. */
static void test_503_then_other(void **state)
{
	struct router *r = new_router();
	struct router_stats st;
	json_t *j;
	int status;
	struct err e;

	pthread_mutex_lock(&model_mu);
	mode[0] = M_503;		/* meta names node 1; it has no leader */
	truth[0].leader = 1;		/* node 2 leads */
	pthread_mutex_unlock(&model_mu);
	assert_int_equal(echo(r, "k", &j, &status, &e), RC_OK);
	assert_int_equal(status, 200);
	assert_int_equal(reply_node(j), 2);
	json_decref(j);
	assert_int_equal(atomic_load(&posts[0]), 1);
	assert_int_equal(atomic_load(&nodes_asked), 1);	/* for replicas */
	router_get_stats(r, &st);
	assert_true(st.retries >= 1);
	router_free(r);
}

/* No leader known anywhere at first: retried with backoff until one is. */
static void *elect_later(void *arg)
{
	sleep_ms(300);
	pthread_mutex_lock(&model_mu);
	truth[0].leader = 2;
	pthread_mutex_unlock(&model_mu);
	return NULL;
}

static void test_no_leader_yet(void **state)
{
	struct router *r = new_router();
	pthread_t th;
	json_t *j;
	int status;
	struct err e;

	pthread_mutex_lock(&model_mu);
	truth[0].leader = -1;
	meta[0].leader = -1;
	pthread_mutex_unlock(&model_mu);
	router_set_deadline(r, 3000);
	assert_int_equal(pthread_create(&th, NULL, elect_later, NULL), 0);
	assert_int_equal(echo(r, "k", &j, &status, &e), RC_OK);
	pthread_join(th, NULL);
	assert_int_equal(status, 200);
	assert_int_equal(reply_node(j), 3);
	json_decref(j);
	router_free(r);
}

/* Every node down: RC_UNAVAILABLE within the deadline. */
static void test_all_down(void **state)
{
	const char *entry[2] = { dead, dead };
	struct router *r;
	uint64_t t0, took;
	json_t *j = (json_t *)1;
	int status = 7;
	struct err e;

	assert_int_equal(router_new(&r, entry, 2, &e), RC_OK);
	router_set_deadline(r, 600);
	t0 = util_mono_ms();
	assert_int_equal(echo(r, "k", &j, &status, &e), RC_UNAVAILABLE);
	took = util_mono_ms() - t0;
	assert_null(j);
	assert_int_equal(status, 0);
	assert_non_null(strstr(e.msg, dead));
	assert_true(took >= 550);
	assert_true(took < 1100);
	router_free(r);
}

/*
 * Located, but every replica's address is dead and the entry nodes have
 * no leader: RC_UNAVAILABLE in time.
 */
static void test_replicas_down(void **state)
{
	struct router *r = new_router();
	uint64_t t0, took;
	json_t *j;
	int status;
	struct err e;

	pthread_mutex_lock(&model_mu);
	for (int i = 0; i < NN; i++) {
		strcpy(listed[i], dead);
		mode[i] = M_503;
	}
	pthread_mutex_unlock(&model_mu);
	router_set_deadline(r, 700);
	t0 = util_mono_ms();
	assert_int_equal(echo(r, "k", &j, &status, &e), RC_UNAVAILABLE);
	took = util_mono_ms() - t0;
	assert_non_null(strstr(e.msg, "range 2"));
	assert_non_null(strstr(e.msg, "'k'"));
	assert_true(took >= 650);
	assert_true(took < 1300);
	router_free(r);
}

/* Final answers other than 200 come back as they are. */
static void test_final_answers(void **state)
{
	struct router *r = new_router();
	json_t *j, *b;
	int status;
	struct err e;

	pthread_mutex_lock(&model_mu);
	mode[0] = M_409;
	pthread_mutex_unlock(&model_mu);
	assert_int_equal(echo(r, "k", &j, &status, &e), RC_OK);
	assert_int_equal(status, 409);
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(j, "error"), "code")), "locked");
	assert_int_equal(json_array_size(json_object_get(j, "intents")), 1);
	json_decref(j);
	/* 400 from the server's own checks (no "key" in the body) */
	b = json_object();
	assert_int_equal(router_call(r, "k", 1, "/txn/echo", b, &j, &status,
				     &e), RC_OK);
	assert_int_equal(status, 400);
	json_decref(j);
	/* NULL body sends {} */
	assert_int_equal(router_call(r, "k", 1, "/txn/echo", NULL, &j,
				     &status, &e), RC_OK);
	assert_int_equal(status, 400);
	json_decref(j);
	json_decref(b);
	/* a reply that is not JSON */
	pthread_mutex_lock(&model_mu);
	mode[0] = M_NOT_JSON;
	pthread_mutex_unlock(&model_mu);
	j = (json_t *)1;
	assert_int_equal(echo(r, "k", &j, &status, &e), RC_CORRUPT);
	assert_null(j);
	assert_non_null(strstr(e.msg, addrs[0]));
	assert_null(strstr(e.msg, "outcome unknown"));
	/* with ROUTER_ONCE the caller learns it may have been applied */
	b = json_pack("{s:s}", "key", "k");
	assert_int_equal(router_call_flags(r, "k", 1, "/txn/echo", b,
					   ROUTER_ONCE, &j, &status, &e),
			 RC_CORRUPT);
	assert_non_null(strstr(e.msg, "outcome unknown"));
	json_decref(b);
	router_free(r);
}

/* ROUTER_ONCE: a request that timed out is not sent again. */
static void test_once(void **state)
{
	struct router *r = new_router();
	json_t *j, *b = json_pack("{s:s}", "key", "k");
	uint64_t t0;
	int status;
	struct err e;

	pthread_mutex_lock(&model_mu);
	mode[0] = M_SLOW;
	pthread_mutex_unlock(&model_mu);
	router_set_deadline(r, 400);
	t0 = util_mono_ms();
	assert_int_equal(router_call_flags(r, "k", 1, "/txn/echo", b,
					   ROUTER_ONCE, &j, &status, &e),
			 RC_TIMEOUT);
	assert_true(util_mono_ms() - t0 < 1000);
	assert_non_null(strstr(e.msg, "outcome unknown"));
	assert_int_equal(atomic_load(&posts[0]), 1);
	assert_int_equal(atomic_load(&posts[1]) + atomic_load(&posts[2]), 0);
	json_decref(b);
	router_free(r);
	sleep_ms(1200);		/* let the slow handler finish */
}

/*
 * A refusal whose outcome is unknown: final with ROUTER_ONCE, retried
 * (until the deadline) without.
 */
static void test_once_ambiguous(void **state)
{
	struct router *r = new_router();
	json_t *j = NULL, *b = json_pack("{s:s}", "key", "k");
	int status;
	struct err e;

	pthread_mutex_lock(&model_mu);
	mode[0] = M_AMBIGUOUS;
	pthread_mutex_unlock(&model_mu);
	router_set_deadline(r, 300);
	assert_int_equal(router_call_flags(r, "k", 1, "/txn/echo", b,
					   ROUTER_ONCE, &j, &status, &e),
			 RC_UNAVAILABLE);
	assert_null(j);
	assert_non_null(strstr(e.msg, "outcome unknown"));
	assert_non_null(strstr(e.msg, "may or may not"));
	assert_int_equal(atomic_load(&posts[0]), 1);
	/* without the flag it is tried again until the deadline */
	assert_int_equal(router_call(r, "k", 1, "/txn/echo", b, &j, &status,
				     &e), RC_UNAVAILABLE);
	assert_true(atomic_load(&posts[0]) > 2);
	json_decref(b);
	router_free(r);
}

/* Meta refusals are final: a 404 from /meta/locate comes back at once. */
static void test_locate_refused(void **state)
{
	struct router *r = new_router();
	struct desc d;
	struct err e;

	pthread_mutex_lock(&model_mu);
	n_meta = 0;
	pthread_mutex_unlock(&model_mu);
	assert_int_equal(router_locate(r, "k", 1, &d, &e), RC_NOT_FOUND);
	assert_non_null(strstr(e.msg, "no range holds the key"));
	assert_int_equal(atomic_load(&locates), 1);
	router_free(r);
}

#define N_THREADS	8
#define N_CALLS		200

struct worker {
	struct router *r;
	unsigned seed;
	int failures;
	int wrong;
	struct err err;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char key[8];

	for (int i = 0; i < N_CALLS; i++) {
		json_t *j;
		int status;

		key[0] = (char)('a' + rand_r(&w->seed) % 26);
		key[1] = (char)('a' + rand_r(&w->seed) % 26);
		key[2] = '\0';
		if (echo(w->r, key, &j, &status, &w->err) != RC_OK ||
		    status != 200) {
			w->failures++;
			continue;
		}
		if (reply_node(j) != (key[0] < 'm' ? 1 : 3))
			w->wrong++;
		json_decref(j);
	}
	return NULL;
}

/* Many threads at once: every call lands at the right leader. */
static void test_threads(void **state)
{
	struct worker w[N_THREADS];
	pthread_t th[N_THREADS];
	struct router *r = new_router();

	for (int i = 0; i < N_THREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].r = r;
		w[i].seed = 1234u + (unsigned)i;
		assert_int_equal(pthread_create(&th[i], NULL, worker_main,
						&w[i]), 0);
	}
	for (int i = 0; i < N_THREADS; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < N_THREADS; i++) {
		if (w[i].failures)
			fprintf(stderr, "worker %d: %s\n", i, w[i].err.msg);
		assert_int_equal(w[i].failures, 0);
		assert_int_equal(w[i].wrong, 0);
	}
	assert_int_equal(atomic_load(&posts[0]) + atomic_load(&posts[2]),
			 N_THREADS * N_CALLS);
	/* at most one locate per thread and range */
	assert_true(atomic_load(&locates) <= 2 * N_THREADS);
	router_free(r);
}

static void test_bad_new(void **state)
{
	const char *bad[1] = { "" };
	struct router *r = (struct router *)1;
	struct err e;

	assert_int_equal(router_new(&r, NULL, 0, &e), RC_BAD_INPUT);
	assert_null(r);
	assert_non_null(strstr(e.msg, "--node"));
	assert_int_equal(router_new(&r, bad, 1, &e), RC_BAD_INPUT);
	router_free(NULL);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, setup)
	const struct CMUnitTest tests[] = {
		T(test_locate_cache),
		T(test_binary_key),
		T(test_redirect),
		T(test_moved_once),
		T(test_moved_relocate),
		T(test_stale_by_range_id),
		T(test_stale_by_redirect),
		T(test_moved_twice),
		T(test_503_then_other),
		T(test_no_leader_yet),
		T(test_all_down),
		T(test_replicas_down),
		T(test_final_answers),
		T(test_once),
		T(test_once_ambiguous),
		T(test_locate_refused),
		T(test_threads),
		T(test_bad_new),
	};
#undef T

	log_open("router_test", LOG_LEVEL_OFF);
	return cmocka_run_group_tests_name("router", tests, group_setup,
					   group_teardown);
}
