/*
 * transport_test.c -- tests of cmd/raftd/transport.c.
 *
 * The peers are real HTTP servers (libcommon http) started in this process
 * on 127.0.0.1:0, with a POST /raft route that decodes each request with
 * transport_decode_request() and records what arrived and the
 * X-Rangedb-Node header.  A dead peer is a port nobody listens on; a black
 * hole is a listening socket that never accepts, so a request to it hangs
 * until its timeout.  Deterministic: no randomness, and every wait is for
 * a condition with a deadline.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "jx.h"
#include "metrics.h"
#include "raftwire.h"
#include "rxorder.h"
#include "transport.h"

/* ---- fake peers -------------------------------------------------------- */

struct fake {
	struct http_server *srv;
	char addr[64];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int status;		/* answer with this; 204 by default */
	size_t posts;		/* POST /raft requests decoded */
	size_t bad;		/* requests refused by the decoder */
	size_t bad_header;	/* X-Rangedb-Node missing or wrong */
	char expect_from[24];
	struct raft_msg *msgs;	/* everything received, in order */
	size_t n, cap;
	struct rxorder *rx;	/* puts the two lanes' batches in order */
	/* set: a POST that asks for a reply is answered, as raftd does,
	   with what the handler queues in this transport: a heartbeat
	   answer to each heartbeat */
	struct transport *reply_tp;
	size_t asked_reply;	/* POSTs that said "reply": true */
};

#define MAX_FAKES 4
static struct fake *fakes[MAX_FAKES];
static int sockets[MAX_FAKES];
static size_t n_fakes, n_sockets;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * rxorder's delivery into the fake: append the messages, in order (the
 * transport sends on two connections; raftd puts the batches back in
 * order with rxorder, and so does the fake).
 */
static int fake_deliver(void *arg, uint64_t from, struct raft_msg *msgs,
			size_t n, struct err *e)
{
	struct fake *f = arg;
	struct raft_msg *a;

	(void)from;
	pthread_mutex_lock(&f->mu);
	if (f->n + n > f->cap) {
		size_t cap = (f->n + n) * 2;

		a = realloc(f->msgs, cap * sizeof(*a));
		if (a == NULL) {
			pthread_mutex_unlock(&f->mu);
			raftwire_batch_release(msgs, n);
			return err_set(e, RC_NOMEM, "out of memory");
		}
		f->msgs = a;
		f->cap = cap;
	}
	memcpy(f->msgs + f->n, msgs, n * sizeof(*msgs));
	f->n += n;
	free(msgs);	/* the messages' memory now belongs to f */
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	return RC_OK;
}

/* A POST /raft body, binary (the lanes') or JSON, as raftd reads it. */
static int fake_decode(const struct http_req *req, struct raftwire_meta *m,
		       struct raft_msg **msgs, size_t *n, int *binary,
		       struct err *e)
{
	const char *ct = http_req_header(req, "Content-Type");
	json_t *j = NULL;
	int rc;

	memset(m, 0, sizeof(*m));
	*binary = ct != NULL && strcmp(ct, RAFTWIRE_BIN_TYPE) == 0;
	if (*binary)
		return raftwire_decode_bin(req->body, req->body_len, m, msgs,
					   n, e);
	rc = jx_parse_object(req->body, req->body_len, &j, e);
	if (rc == RC_OK)
		rc = transport_decode_request(j, &m->from, msgs, n, e);
	if (rc == RC_OK) {
		const json_t *je = json_object_get(j, "epoch");
		const json_t *js = json_object_get(j, "seq");

		m->epoch = json_is_integer(je) ?
			   (uint64_t)json_integer_value(je) : 0;
		m->seq = json_is_integer(js) ?
			 (uint64_t)json_integer_value(js) : 0;
		m->resync = json_is_true(json_object_get(j, "resync"));
		m->reply = json_is_true(json_object_get(j, "reply"));
	}
	json_decref(j);
	return rc;
}

/* No cmocka asserts here: handlers run on server threads. */
static void raft_handler(const struct http_req *req, struct http_resp *resp,
			 void *arg)
{
	struct fake *f = arg;
	struct raft_msg *msgs = NULL;
	struct raftwire_meta m;
	size_t n = 0;
	uint64_t from;
	const char *h;
	struct err e;
	int status, binary;

	h = http_req_header(req, "X-Rangedb-Node");
	if (fake_decode(req, &m, &msgs, &n, &binary, &e) != 0) {
		pthread_mutex_lock(&f->mu);
		f->bad++;
		pthread_mutex_unlock(&f->mu);
		http_resp_err(resp, &e);
		return;
	}
	from = m.from;
	pthread_mutex_lock(&f->mu);
	f->posts++;
	if (h == NULL || strcmp(h, f->expect_from) != 0)
		f->bad_header++;
	status = f->status;
	if (m.reply)
		f->asked_reply++;
	pthread_mutex_unlock(&f->mu);
	if (status != 204) {
		raftwire_batch_release(msgs, n);
		http_resp_error(resp, RC_UNAVAILABLE, "told to fail");
		return;
	}
	if (f->reply_tp != NULL && m.reply &&
	    transport_reply_expect(f->reply_tp, from)) {
		/* the "node": answers queued while the handler holds on */
		struct raft_msg ans[64];
		size_t k = 0;
		char *body = NULL;
		size_t len = 0;

		for (size_t i = 0; i < n && k < 64; i++)
			if (msgs[i].type == RAFT_MSG_HEARTBEAT) {
				memset(&ans[k], 0, sizeof(ans[k]));
				ans[k].type = RAFT_MSG_HEARTBEAT_RESP;
				ans[k].group = msgs[i].group;
				ans[k].from = msgs[i].to;
				ans[k].to = from;
				ans[k].term = msgs[i].term;
				ans[k++].context = msgs[i].commit;
			}
		transport_send(f->reply_tp, ans, k);
		raftwire_batch_release(msgs, n);
		if (transport_reply_take(f->reply_tp, from, binary, &body,
					 &len, &e) == RC_OK && body != NULL) {
			resp->status = 200;
			resp->body = body;
			resp->body_len = len;
			if (binary)
				resp->content_type = RAFTWIRE_BIN_TYPE;
			return;
		}
		resp->status = 204;
		return;
	}
	if (rxorder_submit(f->rx, from, m.epoch, m.seq, m.resync, msgs, n,
			   (uint64_t)now_ms(), &e) != RC_OK) {
		http_resp_err(resp, &e);
		return;
	}
	resp->status = 204;
}

static struct fake *fake_start(uint64_t expect_from)
{
	struct http_server_opts so = { .listen = "127.0.0.1:0", .threads = 2 };
	struct fake *f = calloc(1, sizeof(*f));
	struct err e;

	assert_non_null(f);
	assert_true(n_fakes < MAX_FAKES);
	fakes[n_fakes++] = f;
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	f->status = 204;
	assert_int_equal(rxorder_new(&f->rx, fake_deliver, f, &e), RC_OK);
	snprintf(f->expect_from, sizeof(f->expect_from), "%llu",
		 (unsigned long long)expect_from);
	assert_int_equal(http_server_new(&f->srv, &e), 0);
	assert_int_equal(http_server_route(f->srv, "POST", "/raft",
					   0, (size_t)64 << 20,
					   raft_handler, f, &e), 0);
	if (http_server_start(f->srv, &so, &e) != 0)
		fail_msg("%s", e.msg);
	snprintf(f->addr, sizeof(f->addr), "127.0.0.1:%u",
		 http_server_port(f->srv));
	return f;
}

static void fake_set_status(struct fake *f, int status)
{
	pthread_mutex_lock(&f->mu);
	f->status = status;
	pthread_mutex_unlock(&f->mu);
}

/* Wait until f received at least n messages; how many it did. */
static size_t fake_wait(struct fake *f, size_t n, int timeout_ms)
{
	double end = now_ms() + timeout_ms;
	struct timespec ts;
	size_t got;

	pthread_mutex_lock(&f->mu);
	while (f->n < n && now_ms() < end) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 10 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&f->cv, &f->mu, &ts);
	}
	got = f->n;
	pthread_mutex_unlock(&f->mu);
	return got;
}

static size_t fake_posts(struct fake *f)
{
	size_t n;

	pthread_mutex_lock(&f->mu);
	n = f->posts;
	pthread_mutex_unlock(&f->mu);
	return n;
}

static void fake_free(struct fake *f)
{
	http_server_free(f->srv);
	rxorder_free(f->rx);
	raftwire_batch_release(f->msgs, f->n);
	pthread_cond_destroy(&f->cv);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

/* A TCP socket bound to 127.0.0.1:0; its port in *port. */
static int bound_socket(unsigned *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

/* An address where nothing listens: connections are refused. */
static void dead_addr(char *out, size_t cap)
{
	unsigned port;
	int fd = bound_socket(&port);

	close(fd);
	snprintf(out, cap, "127.0.0.1:%u", port);
}

/* An address that accepts connections (backlog) but never answers. */
static void black_hole_addr(char *out, size_t cap)
{
	unsigned port;
	int fd = bound_socket(&port);

	assert_int_equal(listen(fd, 16), 0);
	assert_true(n_sockets < MAX_FAKES);
	sockets[n_sockets++] = fd;
	snprintf(out, cap, "127.0.0.1:%u", port);
}

static int teardown(void **state)
{
	for (size_t i = 0; i < n_fakes; i++)
		fake_free(fakes[i]);
	for (size_t i = 0; i < n_sockets; i++)
		close(sockets[i]);
	n_fakes = n_sockets = 0;
	return 0;
}

/* ---- messages ---------------------------------------------------------- */

static struct raft_msg heartbeat(uint64_t from, uint64_t to, uint64_t index)
{
	struct raft_msg m;

	memset(&m, 0, sizeof(m));
	m.type = RAFT_MSG_HEARTBEAT;
	m.group = 2;
	m.from = from;
	m.to = to;
	m.term = 1;
	m.commit = index;	/* tells the messages apart */
	return m;
}

static struct transport *start(uint64_t self, const struct transport_peer *p,
			       size_t n, const struct transport_opts *o)
{
	struct transport *t;
	struct err e;

	if (transport_new(&t, self, p, n, o, &e) != 0)
		fail_msg("transport_new: %s", e.msg);
	return t;
}

/*
 * Wait until peer's counters show sent >= n: the fake records a batch
 * before it answers, the sender counts it once the answer is read.
 */
static void wait_sent(struct transport *t, uint64_t peer, uint64_t n,
		      struct transport_peer_stats *st)
{
	double end = now_ms() + 5000;

	do {
		transport_stats(t, peer, st);
		if (st->sent >= n)
			return;
		usleep(2000);
	} while (now_ms() < end);
	fail_msg("peer %llu: %llu sent, want %llu", (unsigned long long)peer,
		 (unsigned long long)st->sent, (unsigned long long)n);
}

/* ---- tests ------------------------------------------------------------- */

/* Many messages to two peers arrive, in order, in fewer POSTs. */
static void test_delivery_batching(void **state)
{
	struct fake *a = fake_start(1), *b = fake_start(1);
	struct transport_peer peers[] = {
		{ 1, "127.0.0.1:1" }, { 2, a->addr }, { 3, b->addr } };
	struct transport *t = start(1, peers, 3, NULL);
	struct transport_peer_stats st;
	struct raft_msg m[10];
	size_t per_peer = 1000;

	for (size_t round = 0; round < 2 * per_peer / 10; round++) {
		for (size_t i = 0; i < 10; i++)
			m[i] = heartbeat(1, i % 2 ? 3 : 2,
					 round * 5 + i / 2 + 1);
		transport_send(t, m, 10);
	}
	assert_int_equal(fake_wait(a, per_peer, 10000), per_peer);
	assert_int_equal(fake_wait(b, per_peer, 10000), per_peer);
	for (size_t i = 0; i < per_peer; i++) {
		assert_int_equal(a->msgs[i].commit, i + 1);
		assert_int_equal(a->msgs[i].to, 2);
		assert_int_equal(b->msgs[i].commit, i + 1);
		assert_int_equal(b->msgs[i].to, 3);
		assert_int_equal(a->msgs[i].type, RAFT_MSG_HEARTBEAT);
	}
	/* Each call's 5 messages per peer go out together at least. */
	assert_true(fake_posts(a) <= per_peer / 5);
	assert_true(fake_posts(b) <= per_peer / 5);
	wait_sent(t, 2, per_peer, &st);
	assert_int_equal(st.sent, per_peer);
	assert_int_equal(st.batches, fake_posts(a));
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.errors, 0);
	transport_free(t);
	assert_int_equal(fake_wait(a, per_peer + 1, 50), per_peer);
}

/* What the sending transport hands its hook: batches in answers. */
struct answers {
	pthread_mutex_t mu;
	struct raft_msg msgs[256];
	size_t n, bad;
	uint64_t from;
};

static void answers_hook(void *arg, const struct raftwire_meta *meta,
			 struct raft_msg *msgs, size_t n)
{
	struct answers *a = arg;

	pthread_mutex_lock(&a->mu);
	if (meta->seq == 0 || meta->epoch == 0 || meta->reply ||
	    n > 256 - a->n) {
		a->bad++;
	} else {
		a->from = meta->from;
		for (size_t i = 0; i < n; i++)
			a->msgs[a->n++] = msgs[i];
		free(msgs);
		msgs = NULL;
		n = 0;
	}
	pthread_mutex_unlock(&a->mu);
	raftwire_batch_release(msgs, n);
}

/*
 * A POST asks for a reply; the peer answers with its own messages to us,
 * taken from its queue while its handler held on (no lane of its POSTs
 * them: its only route to us is dead), and our hook gets them, in order.
 * With nothing queued it answers 204 and the hook hears nothing.
 */
static void test_reply_carries_batch(void **state)
{
	struct fake *f = fake_start(1);
	char dead[64];
	struct transport *t, *t2;
	struct transport_peer_stats st;
	struct answers ans;
	struct raft_msg m[5];
	double end;

	(void)state;
	memset(&ans, 0, sizeof(ans));
	pthread_mutex_init(&ans.mu, NULL);
	dead_addr(dead, sizeof(dead));
	{
		struct transport_peer p2[] = { { 1, dead } };
		struct transport_peer p1[] = { { 2, f->addr } };

		t2 = start(2, p2, 1, NULL);
		t = start(1, p1, 1, NULL);
	}
	f->reply_tp = t2;
	transport_set_deliver(t, answers_hook, &ans);
	for (size_t i = 0; i < 5; i++)
		m[i] = heartbeat(1, 2, i + 1);
	transport_send(t, m, 5);
	end = now_ms() + 5000;
	for (;;) {
		pthread_mutex_lock(&ans.mu);
		if (ans.n >= 5 || now_ms() > end) {
			pthread_mutex_unlock(&ans.mu);
			break;
		}
		pthread_mutex_unlock(&ans.mu);
		usleep(2000);
	}
	assert_int_equal(ans.bad, 0);
	assert_int_equal(ans.n, 5);
	assert_int_equal(ans.from, 2);
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(ans.msgs[i].type, RAFT_MSG_HEARTBEAT_RESP);
		assert_int_equal(ans.msgs[i].to, 1);
		assert_int_equal(ans.msgs[i].context, i + 1);
	}
	assert_true(f->asked_reply >= 1);
	/* the answers went in replies, none by t2's own (dead) lane */
	transport_stats(t2, 1, &st);
	assert_int_equal(st.sent, 5);
	assert_true(st.replies >= 1 && st.replies <= 5);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.dropped, 0);
	/* a POST the peer has nothing for: 204, no batch */
	f->reply_tp = NULL;
	m[0] = heartbeat(1, 2, 99);
	transport_send(t, m, 1);
	wait_sent(t, 2, 6, &st);
	assert_int_equal(st.errors, 0);
	pthread_mutex_lock(&ans.mu);
	assert_int_equal(ans.n, 5);
	pthread_mutex_unlock(&ans.mu);
	/* after the hook is unset, answers are dropped quietly */
	transport_set_deliver(t, NULL, NULL);
	transport_free(t);
	transport_free(t2);
	for (size_t i = 0; i < ans.n; i++)
		raftwire_msg_release(&ans.msgs[i]);
	pthread_mutex_destroy(&ans.mu);
}

/* The caller may scribble over and free its buffers right after send. */
static void test_deep_copy(void **state)
{
	struct fake *a = fake_start(5);
	struct transport_peer peers[] = { { 2, a->addr } };
	struct transport *t = start(5, peers, 1, NULL);
	struct raft_msg m[2];
	struct raft_entry *ents;
	char *snap;
	const char *words[] = { "alpha", "", "gamma-gamma" };

	memset(m, 0, sizeof(m));
	ents = calloc(3, sizeof(*ents));
	assert_non_null(ents);
	for (int i = 0; i < 3; i++) {
		ents[i].term = 4;
		ents[i].index = 11 + (uint64_t)i;
		ents[i].len = strlen(words[i]);
		ents[i].data = ents[i].len ? strdup(words[i]) : NULL;
	}
	ents[2].type = RAFT_ENTRY_CONF;
	m[0].type = RAFT_MSG_APPEND;
	m[0].group = 7;
	m[0].from = 5;
	m[0].to = 2;
	m[0].term = 4;
	m[0].index = 10;
	m[0].log_term = 3;
	m[0].commit = 9;
	m[0].entries = ents;
	m[0].n_entries = 3;
	snap = malloc(1000);
	assert_non_null(snap);
	for (int i = 0; i < 1000; i++)
		snap[i] = (char)(i * 7);
	m[1].type = RAFT_MSG_SNAPSHOT;
	m[1].group = 9;
	m[1].from = 5;
	m[1].to = 2;
	m[1].term = 4;
	m[1].snapshot.index = 90;
	m[1].snapshot.term = 3;
	m[1].snapshot.conf.n = 2;
	m[1].snapshot.conf.m[0].id = 2;
	m[1].snapshot.conf.m[1].id = 5;
	m[1].snapshot.data = snap;
	m[1].snapshot.len = 1000;

	transport_send(t, m, 2);
	for (int i = 0; i < 3; i++) {
		if (ents[i].data)
			memset(ents[i].data, 'X', ents[i].len);
		free(ents[i].data);
	}
	memset(ents, 0xff, 3 * sizeof(*ents));
	free(ents);
	memset(snap, 0, 1000);
	free(snap);
	memset(m, 0xee, sizeof(m));

	assert_int_equal(fake_wait(a, 2, 5000), 2);
	assert_int_equal(a->msgs[0].type, RAFT_MSG_APPEND);
	assert_int_equal(a->msgs[0].group, 7);
	assert_int_equal(a->msgs[0].commit, 9);
	assert_int_equal(a->msgs[0].n_entries, 3);
	for (int i = 0; i < 3; i++) {
		struct raft_entry *en = &a->msgs[0].entries[i];

		assert_int_equal(en->index, 11 + i);
		assert_int_equal(en->len, strlen(words[i]));
		if (en->len)
			assert_memory_equal(en->data, words[i], en->len);
	}
	assert_int_equal(a->msgs[0].entries[2].type, RAFT_ENTRY_CONF);
	assert_int_equal(a->msgs[1].type, RAFT_MSG_SNAPSHOT);
	assert_int_equal(a->msgs[1].snapshot.index, 90);
	assert_int_equal(a->msgs[1].snapshot.conf.n, 2);
	assert_int_equal(a->msgs[1].snapshot.conf.m[1].id, 5);
	assert_int_equal(a->msgs[1].snapshot.len, 1000);
	for (int i = 0; i < 1000; i++)
		assert_int_equal((unsigned char)((char *)
			a->msgs[1].snapshot.data)[i], (unsigned char)(i * 7));
	transport_free(t);
}

/* Every POST names the sender in X-Rangedb-Node. */
static void test_header(void **state)
{
	struct fake *a = fake_start(42);
	struct transport_peer peers[] = { { 3, a->addr } };
	struct transport *t = start(42, peers, 1, NULL);
	struct raft_msg m;

	for (uint64_t i = 1; i <= 20; i++) {
		m = heartbeat(42, 3, i);
		transport_send(t, &m, 1);
	}
	assert_int_equal(fake_wait(a, 20, 5000), 20);
	assert_true(fake_posts(a) >= 1);
	assert_int_equal(a->bad_header, 0);
	assert_int_equal(a->bad, 0);
	transport_free(t);

	/* The fake does notice a wrong header: same server, other self. */
	t = start(43, peers, 1, NULL);
	m = heartbeat(43, 3, 21);
	transport_send(t, &m, 1);
	assert_int_equal(fake_wait(a, 21, 5000), 21);
	assert_int_equal(a->bad_header, 1);
	transport_free(t);
}

/* A dead peer and a black hole do not delay the live peer nor the caller. */
static void test_dead_peer(void **state)
{
	struct fake *a = fake_start(1);
	char dead[64], hole[64];
	struct transport_peer peers[3];
	struct transport_opts o = { .connect_timeout_ms = 500,
				    .timeout_ms = 2000 };
	struct transport *t;
	struct transport_peer_stats st;
	struct raft_msg m[3];
	double t0, spent_sending, delivered;

	dead_addr(dead, sizeof(dead));
	black_hole_addr(hole, sizeof(hole));
	peers[0] = (struct transport_peer){ 2, a->addr };
	peers[1] = (struct transport_peer){ 3, dead };
	peers[2] = (struct transport_peer){ 4, hole };
	t = start(1, peers, 3, &o);
	t0 = now_ms();
	for (uint64_t i = 1; i <= 100; i++) {
		m[0] = heartbeat(1, 3, i);
		m[1] = heartbeat(1, 4, i);
		m[2] = heartbeat(1, 2, i);
		transport_send(t, m, 3);
		if (i % 10 == 0)
			usleep(10000);	/* let the dead peer fail often */
	}
	spent_sending = now_ms() - t0;
	assert_int_equal(fake_wait(a, 100, 5000), 100);
	delivered = now_ms() - t0;
	/* Far below the black hole's 2 s timeout. */
	assert_true(spent_sending < 500);
	assert_true(delivered < 1500);
	wait_sent(t, 2, 100, &st);
	assert_int_equal(st.sent, 100);
	assert_int_equal(st.errors, 0);
	transport_stats(t, 3, &st);
	assert_int_equal(st.sent, 0);
	assert_true(st.errors >= 1);
	assert_true(st.dropped >= 1);
	assert_true(st.dropped <= 100);
	transport_stats(t, 4, &st);
	assert_int_equal(st.sent, 0);
	assert_int_equal(st.batches, 0);
	transport_free(t);
}

/*
 * A peer added while running gets messages like the first ones; adding it
 * again is fine, at another address is refused; down_ms tells a peer that
 * does not answer from one that does (a refusal is an answer).
 */
static void test_add_peer_and_down(void **state)
{
	struct fake *a = fake_start(1), *b = fake_start(1);
	struct transport_peer peers[] = { { 2, a->addr } };
	struct transport_peer late = { 3, b->addr }, moved = { 3, a->addr };
	struct transport_peer self = { 1, b->addr }, dead;
	struct transport *t = start(1, peers, 1, NULL);
	struct transport_peer_stats st;
	struct raft_msg m[2];
	char daddr[64];
	struct err e;

	(void)state;
	m[0] = heartbeat(1, 3, 1);
	transport_send(t, m, 1);		/* not a peer yet: dropped */
	transport_stats(t, 3, &st);
	assert_int_equal(st.sent, 0);
	assert_int_equal(transport_add_peer(t, &late, &e), RC_OK);
	assert_int_equal(transport_add_peer(t, &late, &e), RC_OK);
	assert_int_equal(transport_add_peer(t, &moved, &e), RC_CONFLICT);
	assert_int_equal(transport_add_peer(t, &self, &e), RC_BAD_INPUT);
	m[0] = heartbeat(1, 3, 7);
	m[1] = heartbeat(1, 2, 8);
	transport_send(t, m, 2);
	assert_int_equal(fake_wait(b, 1, 5000), 1);
	assert_int_equal(b->msgs[0].commit, 7);
	assert_int_equal(fake_wait(a, 1, 5000), 1);
	wait_sent(t, 3, 1, &st);
	assert_int_equal(transport_peer_down_ms(t, 3), 0);
	/* a peer nobody listens on is down once something was sent */
	dead_addr(daddr, sizeof(daddr));
	dead = (struct transport_peer){ 4, daddr };
	assert_int_equal(transport_add_peer(t, &dead, &e), RC_OK);
	assert_int_equal(transport_peer_down_ms(t, 4), 0);	/* no traffic */
	for (int i = 0; i < 50 && transport_peer_down_ms(t, 4) == 0; i++) {
		m[0] = heartbeat(1, 4, (uint64_t)i + 1);
		transport_send(t, m, 1);
		usleep(20000);
	}
	assert_true(transport_peer_down_ms(t, 4) > 0);
	usleep(30000);
	assert_true(transport_peer_down_ms(t, 4) >= 30);
	assert_int_equal(transport_peer_down_ms(t, 2), 0);
	assert_int_equal(transport_peer_down_ms(t, 99), 0);	/* unknown */
	transport_free(t);
}

/* A full queue drops (and counts) what does not fit; the rest arrives. */
static void test_queue_overflow(void **state)
{
	struct fake *a = fake_start(1);
	struct transport_peer peers[] = { { 2, a->addr } };
	struct transport_opts o = { .max_queue_msgs = 10 };
	struct transport *t = start(1, peers, 1, &o);
	struct transport_peer_stats st;
	struct raft_msg m[25];

	for (uint64_t i = 0; i < 25; i++)
		m[i] = heartbeat(1, 2, i + 1);
	transport_send(t, m, 25);	/* one call: one lock, one queue */
	transport_stats(t, 2, &st);
	assert_int_equal(st.dropped, 15);
	assert_int_equal(fake_wait(a, 10, 5000), 10);
	assert_int_equal(fake_wait(a, 11, 200), 10);
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(a->msgs[i].commit, i + 1);
	wait_sent(t, 2, 10, &st);
	assert_int_equal(st.sent, 10);
	assert_int_equal(st.batches, 1);
	assert_int_equal(st.dropped, 15);
	transport_free(t);
}

/* Messages to self, to non-peers, or with another sender are dropped. */
static void test_unknown_and_self(void **state)
{
	struct fake *a = fake_start(1);
	struct transport_peer peers[] = { { 1, "127.0.0.1:1" },
					  { 2, a->addr } };
	struct transport *t = start(1, peers, 2, NULL);
	struct transport_peer_stats st;
	struct raft_msg m[4];

	m[0] = heartbeat(1, 1, 1);	/* self */
	m[1] = heartbeat(1, 9, 2);	/* not a peer */
	m[2] = heartbeat(3, 2, 3);	/* not from self */
	m[3] = heartbeat(1, 2, 4);
	transport_send(t, m, 4);
	assert_int_equal(fake_wait(a, 1, 5000), 1);
	assert_int_equal(a->msgs[0].commit, 4);
	transport_stats(t, 9, &st);
	assert_int_equal(st.dropped, 2);
	assert_int_equal(st.sent, 0);
	transport_stats(t, 1, &st);
	assert_int_equal(st.dropped, 2);
	wait_sent(t, 2, 1, &st);
	assert_int_equal(st.dropped, 1);
	assert_int_equal(st.sent, 1);
	transport_free(t);
}

/*
 * A failed POST drops its batch and counts an error; the sender backs off
 * (few POSTs while the peer fails) and recovers when the peer does.
 */
static void test_errors_backoff(void **state)
{
	struct fake *a = fake_start(1);
	struct transport_peer peers[] = { { 2, a->addr } };
	struct transport *t = start(1, peers, 1, NULL);
	struct transport_peer_stats st;
	struct raft_msg m;
	size_t posts;

	fake_set_status(a, 503);
	for (uint64_t i = 1; i <= 60; i++) {
		m = heartbeat(1, 2, i);
		transport_send(t, &m, 1);
		usleep(5000);
	}
	/* ~300 ms of failures: backoff 50+100+200 ms allows ~4 POSTs. */
	posts = fake_posts(a);
	assert_true(posts >= 2);
	assert_true(posts <= 8);
	transport_stats(t, 2, &st);
	assert_int_equal(st.sent, 0);
	assert_true(st.errors >= posts - 1);	/* last may be in flight */
	assert_true(st.dropped >= st.errors);
	fake_set_status(a, 204);
	m = heartbeat(1, 2, 1000);
	transport_send(t, &m, 1);
	/* Delivered after at most the current backoff (<= 1 s). */
	assert_true(fake_wait(a, 1, 3000) >= 1);
	wait_sent(t, 2, 1, &st);
	assert_int_equal(a->msgs[a->n - 1].commit, 1000);
	assert_int_equal(st.sent + st.dropped, 61);
	assert_int_equal(st.errors + st.batches, fake_posts(a));
	assert_true(st.batches >= 1);
	transport_free(t);
}

static struct raft_msg big_append(uint64_t index, size_t n_entries)
{
	struct raft_msg m = heartbeat(1, 2, 0);
	struct raft_entry *en = calloc(n_entries, sizeof(*en));

	assert_non_null(en);
	m.type = RAFT_MSG_APPEND;
	m.index = index;
	for (size_t i = 0; i < n_entries; i++) {
		en[i].term = 1;
		en[i].index = index + 1 + i;
	}
	m.entries = en;
	m.n_entries = n_entries;
	return m;
}

/*
 * A batch over raftwire's limits is split into smaller POSTs; a single
 * message over them is dropped and counted.
 */
static void test_split_oversized(void **state)
{
	struct fake *a = fake_start(1);
	struct transport_peer peers[] = { { 2, a->addr } };
	struct transport *t = start(1, peers, 1, NULL);
	struct transport_peer_stats st;
	struct raft_msg m[3];
	size_t per = 30000, total = 0;

	/* 90000 entries together: over RAFTWIRE_MAX_ENTRIES (65536). */
	assert_true(3 * per > RAFTWIRE_MAX_ENTRIES);
	for (size_t i = 0; i < 3; i++)
		m[i] = big_append(1 + i * per, per);
	transport_send(t, m, 3);
	for (size_t i = 0; i < 3; i++)
		free(m[i].entries);
	assert_int_equal(fake_wait(a, 3, 20000), 3);
	assert_int_equal(fake_posts(a), 2);	/* [0] then [1, 2] */
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(a->msgs[i].index, 1 + i * per);
		total += a->msgs[i].n_entries;
	}
	assert_int_equal(total, 3 * per);
	wait_sent(t, 2, 3, &st);
	assert_int_equal(st.sent, 3);
	assert_int_equal(st.batches, 2);
	assert_int_equal(st.dropped, 0);

	/* One message alone over the limit cannot be split: dropped. */
	m[0] = big_append(1, RAFTWIRE_MAX_ENTRIES + 1);
	m[1] = heartbeat(1, 2, 77);
	transport_send(t, m, 2);
	free(m[0].entries);
	assert_int_equal(fake_wait(a, 4, 5000), 4);
	assert_int_equal(a->msgs[3].commit, 77);
	wait_sent(t, 2, 4, &st);
	assert_int_equal(st.sent, 4);
	assert_int_equal(st.dropped, 1);
	assert_int_equal(st.errors, 0);
	transport_free(t);
}

/* transport_free returns at once though a request hangs in a black hole. */
static void test_shutdown_prompt(void **state)
{
	char dead[64], hole[64];
	struct transport_peer peers[2];
	struct transport_opts o = { .connect_timeout_ms = 500,
				    .timeout_ms = 2000 };
	struct transport *t;
	struct raft_msg m[2];
	double t0, took;

	dead_addr(dead, sizeof(dead));
	black_hole_addr(hole, sizeof(hole));
	peers[0] = (struct transport_peer){ 2, dead };
	peers[1] = (struct transport_peer){ 3, hole };
	t = start(1, peers, 2, &o);
	m[0] = heartbeat(1, 2, 1);
	m[1] = heartbeat(1, 3, 1);
	transport_send(t, m, 2);
	usleep(200 * 1000);	/* the POST to the hole is in flight */
	m[0] = heartbeat(1, 2, 2);
	m[1] = heartbeat(1, 3, 2);
	transport_send(t, m, 2);	/* and these wait in the queues */
	t0 = now_ms();
	transport_free(t);
	took = now_ms() - t0;
	/* Not even one 2 s timeout; in practice a few ms. */
	assert_true(took < 1000);
}

static int find_line(const char *text, const char *line)
{
	const char *p = text;
	size_t n = strlen(line);

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return 1;
		p += n;
	}
	return 0;
}

/* The per-peer counters render, including counts made before registering. */
static void test_metrics(void **state)
{
	struct fake *a = fake_start(1);
	struct transport_peer peers[] = { { 2, a->addr } };
	struct transport *t = start(1, peers, 1, NULL);
	struct metrics *reg;
	struct transport_peer_stats st;
	struct raft_msg m[8];
	struct err e;
	char *text;
	size_t len;

	for (uint64_t i = 0; i < 5; i++)
		m[i] = heartbeat(1, 2, i + 1);
	m[5] = heartbeat(1, 9, 6);
	m[6] = heartbeat(1, 1, 7);
	transport_send(t, m, 7);
	assert_int_equal(fake_wait(a, 5, 5000), 5);
	wait_sent(t, 2, 5, &st);	/* counted before registering */

	assert_int_equal(metrics_new(&reg, &e), 0);
	if (transport_register_metrics(t, reg, &e) != 0)
		fail_msg("%s", e.msg);
	m[0] = heartbeat(1, 2, 8);
	transport_send(t, m, 1);
	assert_int_equal(fake_wait(a, 6, 5000), 6);
	wait_sent(t, 2, 6, &st);
	assert_int_equal(metrics_render(reg, &text, &len, &e), 0);
	assert_true(find_line(text,
			"raftd_raft_messages_sent_total{peer=\"2\"} 6"));
	assert_true(find_line(text,
			"raftd_raft_batches_sent_total{peer=\"2\"} 2"));
	assert_true(find_line(text,
			"raftd_raft_send_errors_total{peer=\"2\"} 0"));
	assert_true(find_line(text,
			"raftd_raft_messages_dropped_total{peer=\"2\"} 0"));
	assert_true(find_line(text, "raftd_raft_messages_dropped_total"
			      "{peer=\"unknown\"} 2"));
	assert_true(find_line(text,
			"# TYPE raftd_raft_messages_sent_total counter"));
	free(text);
	transport_free(t);
	metrics_free(reg);
}

static void test_new_errors(void **state)
{
	struct transport *t = (struct transport *)&t;
	struct transport_peer bad_addr[] = { { 2, "127.0.0.1" } };
	struct transport_peer bad_port[] = { { 2, "127.0.0.1:99999" } };
	struct transport_peer twice[] = { { 2, "127.0.0.1:7002" },
					  { 2, "127.0.0.1:7003" } };
	struct transport_peer zero[] = { { 0, "127.0.0.1:7002" } };
	struct transport_peer ok[] = { { 2, "http://127.0.0.1:7002" } };
	struct err e;

	assert_int_equal(transport_new(&t, 1, bad_addr, 1, NULL, &e),
			 RC_BAD_INPUT);
	assert_null(t);
	assert_non_null(strstr(e.msg, "invalid peer address '127.0.0.1'"));
	assert_int_equal(transport_new(&t, 1, bad_port, 1, NULL, &e),
			 RC_BAD_INPUT);
	assert_int_equal(transport_new(&t, 1, twice, 2, NULL, &e),
			 RC_BAD_INPUT);
	assert_non_null(strstr(e.msg, "peer 2 is listed twice"));
	assert_int_equal(transport_new(&t, 1, zero, 1, NULL, &e),
			 RC_BAD_INPUT);
	assert_int_equal(transport_new(&t, 0, ok, 1, NULL, &e),
			 RC_BAD_INPUT);
	assert_int_equal(transport_new(&t, 1, ok, 1, NULL, &e), 0);
	assert_non_null(t);
	transport_free(t);
	assert_int_equal(transport_new(&t, 1, NULL, 0, NULL, &e), 0);
	transport_send(t, NULL, 0);
	transport_free(t);
	transport_free(NULL);
}

static void test_decode_request(void **state)
{
	struct raft_msg m[2], *out;
	json_t *j;
	uint64_t from;
	size_t n;
	struct err e;

	m[0] = heartbeat(3, 1, 5);
	m[1] = heartbeat(3, 2, 6);
	assert_int_equal(raftwire_encode_batch(3, m, 2, &j, &e), 0);
	assert_int_equal(transport_decode_request(j, &from, &out, &n, &e), 0);
	assert_int_equal(from, 3);
	assert_int_equal(n, 2);
	assert_int_equal(out[1].commit, 6);
	raftwire_batch_release(out, n);
	/* A message that speaks for another node. */
	json_object_set_new(json_array_get(json_object_get(j, "msgs"), 1),
			    "from", json_integer(4));
	assert_int_equal(transport_decode_request(j, &from, &out, &n, &e),
			 RC_BAD_INPUT);
	assert_null(out);
	assert_int_equal(n, 0);
	assert_int_equal(from, 0);
	assert_non_null(strstr(e.msg, "msgs[1].from"));
	json_decref(j);
	j = json_pack("{s:i,s:[]}", "from", 0, "msgs");
	assert_int_equal(transport_decode_request(j, &from, &out, &n, &e),
			 RC_BAD_INPUT);
	json_decref(j);
	j = json_pack("[]");
	assert_int_equal(transport_decode_request(j, &from, &out, &n, &e),
			 RC_BAD_INPUT);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_delivery_batching, teardown),
		cmocka_unit_test_teardown(test_reply_carries_batch, teardown),
		cmocka_unit_test_teardown(test_deep_copy, teardown),
		cmocka_unit_test_teardown(test_header, teardown),
		cmocka_unit_test_teardown(test_dead_peer, teardown),
		cmocka_unit_test_teardown(test_queue_overflow, teardown),
		cmocka_unit_test_teardown(test_unknown_and_self, teardown),
		cmocka_unit_test_teardown(test_errors_backoff, teardown),
		cmocka_unit_test_teardown(test_split_oversized, teardown),
		cmocka_unit_test_teardown(test_shutdown_prompt, teardown),
		cmocka_unit_test_teardown(test_metrics, teardown),
		cmocka_unit_test_teardown(test_add_peer_and_down, teardown),
		cmocka_unit_test(test_new_errors),
		cmocka_unit_test(test_decode_request),
	};

	log_open("transport_test", LOG_LEVEL_ERROR);
	return cmocka_run_group_tests_name("transport", tests, NULL, NULL);
}
