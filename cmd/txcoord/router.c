/*
 * router.c -- range cache and calls to range leaders (see router.h).
 *
 * The cache is an array of entries sorted by end key (an empty end, the
 * last range, sorts after every other), never overlapping: inserting a
 * descriptor first drops every cached one it overlaps, which is stale.  A
 * lookup is one binary search under a read lock.  Each entry also keeps the
 * range's leader (node id and address) as last learnt from /meta/locate, a
 * 307, or the node that gave a final answer.
 *
 * Connections: a pool per address of idle http_clients (each used by one
 * thread at a time, as http.h requires); a call takes one, uses it and
 * puts it back, so connections are kept alive across calls and threads.
 *
 * Tested in t/unit/router_test.c.
 */
#include "fault.h"
#include "router.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "jx.h"
#include "raftwire.h"
#include "util.h"

#define ROUTER_ADDR_MAX		256	/* "HOST:PORT" of a node */
#define ROUTER_MAX_RANGES	10000	/* cached descriptors before a purge */
#define ROUTER_POOL_IDLE	32	/* idle connections kept per address */
#define ROUTER_MAX_HOPS		3	/* 307s followed per attempt */
#define ROUTER_BACKOFF_MS	10	/* first pause between rounds */
#define ROUTER_BACKOFF_MAX_MS	500
#define ROUTER_NODES_MIN_MS	500	/* /meta/nodes asked at most so often */
#define ROUTER_MAX_CAND		(2 * DESC_MAX_REPLICAS + 16)

struct router_entry {
	struct desc d;
	uint64_t leader;			/* node id, 0 = unknown */
	char leader_addr[ROUTER_ADDR_MAX];	/* "" = unknown */
};

struct router_node {
	uint64_t id;
	char addr[ROUTER_ADDR_MAX];
};

struct router_idle {
	struct http_client *http;
	unsigned timeout_ms;
};

struct router_peer {
	char *addr;
	struct router_idle *idle;
	size_t n_idle;
};

struct router {
	char **entry;			/* entry nodes, as given */
	size_t n_entry;
	atomic_uint next_entry;		/* rotation over the entry nodes */
	atomic_uint deadline_ms;

	pthread_rwlock_t mu;		/* guards ranges and nodes */
	struct router_entry **ranges;	/* sorted by end key */
	size_t n_ranges, cap_ranges;
	struct router_node *nodes;	/* from /meta/nodes */
	size_t n_nodes;
	uint64_t nodes_asked_ms;	/* monotonic; 0 = never */

	pthread_mutex_t pool_mu;	/* guards peers */
	struct router_peer *peers;
	size_t n_peers, cap_peers;

	atomic_uint_fast64_t calls, requests, locates, redirects, moved,
			     retries;
};

/* ---- keys --------------------------------------------------------------- */

/* memcmp order, a prefix first */
static int router_cmp(const void *a, size_t al, const void *b, size_t bl)
{
	int d = memcmp(a, b, al < bl ? al : bl);

	if (d != 0)
		return d;
	return al < bl ? -1 : al > bl;
}

/* compare two end keys, empty = +infinity */
static int router_end_cmp(const unsigned char *a, size_t al,
			  const unsigned char *b, size_t bl)
{
	if (al == 0 || bl == 0)
		return (al == 0) - (bl == 0);
	return router_cmp(a, al, b, bl);
}

/* key < end (empty end = +infinity) */
static int router_below_end(const void *key, size_t klen,
			    const unsigned char *end, size_t elen)
{
	return elen == 0 || router_cmp(key, klen, end, elen) < 0;
}

/* A key for messages: printable ASCII as is, else \xNN; cut at ~40. */
static void router_key_text(const void *key, size_t klen, char *out,
			    size_t cap)
{
	const unsigned char *k = key;
	size_t o = 0;

	for (size_t i = 0; i < klen && o + 8 < cap; i++) {
		if (o >= 40) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (k[i] >= 0x20 && k[i] < 0x7f && k[i] != '\'' &&
		    k[i] != '\\')
			out[o++] = (char)k[i];
		else
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x",
					      k[i]);
	}
	out[o] = '\0';
}

/* ---- life cycle --------------------------------------------------------- */

int router_new(struct router **out, const char *const *addrs, size_t n,
	       struct err *e)
{
	struct router *r;

	*out = NULL;
	if (n == 0)
		return err_set(e, RC_BAD_INPUT, "no raftd node to ask: give "
			       "--node HOST:PORT or set 'nodes' in the "
			       "[cluster] section");
	for (size_t i = 0; i < n; i++)
		if (addrs[i] == NULL || addrs[i][0] == '\0' ||
		    strlen(addrs[i]) >= ROUTER_ADDR_MAX)
			return err_set(e, RC_BAD_INPUT, "bad node address "
				       "'%s': expected HOST:PORT",
				       addrs[i] ? addrs[i] : "");
	r = calloc(1, sizeof(*r));
	if (r == NULL || (r->entry = calloc(n, sizeof(*r->entry))) == NULL) {
		free(r);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	pthread_rwlock_init(&r->mu, NULL);
	pthread_mutex_init(&r->pool_mu, NULL);
	atomic_init(&r->deadline_ms, ROUTER_DEADLINE_MS);
	for (size_t i = 0; i < n; i++) {
		if ((r->entry[i] = strdup(addrs[i])) == NULL) {
			router_free(r);
			return err_set(e, RC_NOMEM, "out of memory");
		}
		r->n_entry = i + 1;
	}
	*out = r;
	return RC_OK;
}

void router_free(struct router *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n_entry; i++)
		free(r->entry[i]);
	free(r->entry);
	for (size_t i = 0; i < r->n_ranges; i++)
		free(r->ranges[i]);
	free(r->ranges);
	free(r->nodes);
	for (size_t i = 0; i < r->n_peers; i++) {
		for (size_t j = 0; j < r->peers[i].n_idle; j++)
			http_client_free(r->peers[i].idle[j].http);
		free(r->peers[i].idle);
		free(r->peers[i].addr);
	}
	free(r->peers);
	pthread_rwlock_destroy(&r->mu);
	pthread_mutex_destroy(&r->pool_mu);
	free(r);
}

void router_set_deadline(struct router *r, unsigned ms)
{
	atomic_store(&r->deadline_ms, ms ? ms : ROUTER_DEADLINE_MS);
}

void router_get_stats(struct router *r, struct router_stats *st)
{
	st->calls = atomic_load(&r->calls);
	st->requests = atomic_load(&r->requests);
	st->locates = atomic_load(&r->locates);
	st->redirects = atomic_load(&r->redirects);
	st->moved = atomic_load(&r->moved);
	st->retries = atomic_load(&r->retries);
	pthread_rwlock_rdlock(&r->mu);
	st->cached_ranges = r->n_ranges;
	pthread_rwlock_unlock(&r->mu);
}

/* ---- connection pool ---------------------------------------------------- */

static struct router_peer *router_peer_find(struct router *r,
					    const char *addr)
{
	for (size_t i = 0; i < r->n_peers; i++)
		if (strcmp(r->peers[i].addr, addr) == 0)
			return &r->peers[i];
	return NULL;
}

/* An http_client for addr, for this thread's exclusive use until put. */
static int router_conn_get(struct router *r, const char *addr,
			   unsigned timeout_ms, struct http_client **out,
			   struct err *e)
{
	struct http_client_opts o;
	struct router_peer *p;

	*out = NULL;
	pthread_mutex_lock(&r->pool_mu);
	p = router_peer_find(r, addr);
	while (p != NULL && p->n_idle > 0) {
		struct router_idle it = p->idle[--p->n_idle];

		if (it.timeout_ms == timeout_ms) {
			*out = it.http;
			break;
		}
		http_client_free(it.http);	/* an older deadline */
	}
	pthread_mutex_unlock(&r->pool_mu);
	if (*out != NULL)
		return RC_OK;
	memset(&o, 0, sizeof(o));
	o.timeout_ms = timeout_ms;
	o.connect_timeout_ms = timeout_ms < 1000 ? timeout_ms : 1000;
	return http_client_new(out, addr, &o, e);
}

/* Give h back to addr's pool (or free it when the pool is full). */
static void router_conn_put(struct router *r, const char *addr,
			    unsigned timeout_ms, struct http_client *h)
{
	struct router_peer *p;

	pthread_mutex_lock(&r->pool_mu);
	p = router_peer_find(r, addr);
	if (p == NULL) {
		if (r->n_peers == r->cap_peers) {
			size_t cap = r->cap_peers ? 2 * r->cap_peers : 8;
			struct router_peer *np;

			np = realloc(r->peers, cap * sizeof(*np));
			if (np == NULL)
				goto drop;
			r->peers = np;
			r->cap_peers = cap;
		}
		p = &r->peers[r->n_peers];
		memset(p, 0, sizeof(*p));
		p->idle = calloc(ROUTER_POOL_IDLE, sizeof(*p->idle));
		if (p->idle == NULL || (p->addr = strdup(addr)) == NULL) {
			free(p->idle);
			goto drop;
		}
		r->n_peers++;
	}
	if (p->n_idle == ROUTER_POOL_IDLE)
		goto drop;
	p->idle[p->n_idle].http = h;
	p->idle[p->n_idle].timeout_ms = timeout_ms;
	p->n_idle++;
	pthread_mutex_unlock(&r->pool_mu);
	return;
drop:
	pthread_mutex_unlock(&r->pool_mu);
	http_client_free(h);
}

/*
 * A transport failure that happened before the request reached the
 * server (http.h's "cannot connect to" / "cannot resolve"): safe to send
 * again.
 */
static int router_not_sent(const struct err *e)
{
	return strncmp(e->msg, "cannot connect to ", 18) == 0 ||
	       strncmp(e->msg, "cannot resolve ", 15) == 0;
}

/*
 * One request to addr.  RC_OK: an HTTP answer, *status and the body in
 * *resp (malloc'd).  Else a transport failure; *maybe_sent says whether
 * the server may have got the request.
 */
static int router_send(struct router *r, const char *addr, const char *method,
		       const char *path, const char *body, size_t blen,
		       int *status, char **resp, size_t *rlen, int *maybe_sent,
		       struct err *e)
{
	unsigned timeout_ms = atomic_load(&r->deadline_ms);
	struct http_client *h;
	int rc;

	*maybe_sent = 0;
	*resp = NULL;
	*rlen = 0;
	*status = 0;
	if ((rc = router_conn_get(r, addr, timeout_ms, &h, e)) != RC_OK)
		return rc;
	fault_net_wait();	/* a slow-net drill (chaos) */
	rc = http_client_do(h, method, path,
			    body != NULL ? "application/json" : NULL, body,
			    blen, status, resp, rlen, e);
	/* only a failure to connect or resolve proves it never got there
	   (a NOMEM in http_client_do before sending is the rare exception
	   taken as sent: the safe side) */
	if (rc != RC_OK && !router_not_sent(e))
		*maybe_sent = 1;
	router_conn_put(r, addr, timeout_ms, h);
	return rc;
}

/* ---- the cache ---------------------------------------------------------- */

/* Index of the first entry whose end is above key (caller holds mu). */
static size_t router_search(const struct router *r, const void *key,
			    size_t klen)
{
	size_t lo = 0, hi = r->n_ranges;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct desc *d = &r->ranges[mid]->d;

		if (router_below_end(key, klen, d->end, d->end_len))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* The cached entry holding key, copied; 0 when there is none. */
static int router_cache_get(struct router *r, const void *key, size_t klen,
			    struct router_entry *out)
{
	int found = 0;
	size_t i;

	pthread_rwlock_rdlock(&r->mu);
	i = router_search(r, key, klen);
	if (i < r->n_ranges && desc_contains(&r->ranges[i]->d, key, klen)) {
		*out = *r->ranges[i];
		found = 1;
	}
	pthread_rwlock_unlock(&r->mu);
	return found;
}

/* a and b share a key */
static int router_overlap(const struct desc *a, const struct desc *b)
{
	return router_below_end(a->start, a->start_len, b->end, b->end_len) &&
	       router_below_end(b->start, b->start_len, a->end, a->end_len);
}

/*
 * Cache d (with its leader, if known), dropping whatever it overlaps.  An
 * older generation of the same range never replaces a newer one.
 */
static void router_cache_put(struct router *r, const struct desc *d,
			     uint64_t leader, const char *leader_addr)
{
	struct router_entry *ent;
	size_t i, j, pos;

	ent = malloc(sizeof(*ent));
	if (ent == NULL)
		return;		/* a cache, not a promise: ask again later */
	ent->d = *d;
	ent->leader = leader;
	ent->leader_addr[0] = '\0';
	if (leader_addr != NULL && strlen(leader_addr) < ROUTER_ADDR_MAX)
		strcpy(ent->leader_addr, leader_addr);
	pthread_rwlock_wrlock(&r->mu);
	for (i = 0; i < r->n_ranges; i++) {
		const struct desc *o = &r->ranges[i]->d;

		if (o->range_id == d->range_id &&
		    o->generation > d->generation) {
			pthread_rwlock_unlock(&r->mu);
			free(ent);
			return;
		}
	}
	if (r->n_ranges >= ROUTER_MAX_RANGES) {
		for (i = 0; i < r->n_ranges; i++)
			free(r->ranges[i]);
		r->n_ranges = 0;
	}
	/* drop every overlapped entry, keeping the order */
	for (i = 0, j = 0; i < r->n_ranges; i++) {
		if (router_overlap(&r->ranges[i]->d, d))
			free(r->ranges[i]);
		else
			r->ranges[j++] = r->ranges[i];
	}
	r->n_ranges = j;
	if (r->n_ranges == r->cap_ranges) {
		size_t cap = r->cap_ranges ? 2 * r->cap_ranges : 64;
		struct router_entry **p;

		p = realloc(r->ranges, cap * sizeof(*p));
		if (p == NULL) {
			pthread_rwlock_unlock(&r->mu);
			free(ent);
			return;
		}
		r->ranges = p;
		r->cap_ranges = cap;
	}
	for (pos = 0; pos < r->n_ranges; pos++)
		if (router_end_cmp(d->end, d->end_len, r->ranges[pos]->d.end,
				   r->ranges[pos]->d.end_len) < 0)
			break;
	memmove(&r->ranges[pos + 1], &r->ranges[pos],
		(r->n_ranges - pos) * sizeof(*r->ranges));
	r->ranges[pos] = ent;
	r->n_ranges++;
	pthread_rwlock_unlock(&r->mu);
}

void router_invalidate(struct router *r, uint64_t range_id)
{
	pthread_rwlock_wrlock(&r->mu);
	for (size_t i = 0; i < r->n_ranges; i++) {
		if (r->ranges[i]->d.range_id != range_id)
			continue;
		free(r->ranges[i]);
		memmove(&r->ranges[i], &r->ranges[i + 1],
			(r->n_ranges - i - 1) * sizeof(*r->ranges));
		r->n_ranges--;
		break;
	}
	pthread_rwlock_unlock(&r->mu);
}

/* Remember (or, with addr NULL, forget) the leader of range_id. */
static void router_set_leader(struct router *r, uint64_t range_id,
			      uint64_t leader, const char *addr)
{
	if (addr != NULL && strlen(addr) >= ROUTER_ADDR_MAX)
		return;
	pthread_rwlock_wrlock(&r->mu);
	for (size_t i = 0; i < r->n_ranges; i++) {
		struct router_entry *ent = r->ranges[i];

		if (ent->d.range_id != range_id)
			continue;
		ent->leader = addr != NULL ? leader : 0;
		if (addr != NULL)
			strcpy(ent->leader_addr, addr);
		else
			ent->leader_addr[0] = '\0';
		break;
	}
	pthread_rwlock_unlock(&r->mu);
}

/* Forget the leader of range_id if it is the one at addr. */
static void router_forget_leader(struct router *r, uint64_t range_id,
				 const char *addr)
{
	pthread_rwlock_wrlock(&r->mu);
	for (size_t i = 0; i < r->n_ranges; i++) {
		struct router_entry *ent = r->ranges[i];

		if (ent->d.range_id != range_id)
			continue;
		if (strcmp(ent->leader_addr, addr) == 0) {
			ent->leader = 0;
			ent->leader_addr[0] = '\0';
		}
		break;
	}
	pthread_rwlock_unlock(&r->mu);
}

/* Address of node id from the node table, copied; 0 when unknown. */
static int router_node_addr(struct router *r, uint64_t id, char *out)
{
	int found = 0;

	pthread_rwlock_rdlock(&r->mu);
	for (size_t i = 0; i < r->n_nodes; i++) {
		if (r->nodes[i].id == id) {
			strcpy(out, r->nodes[i].addr);
			found = 1;
			break;
		}
	}
	pthread_rwlock_unlock(&r->mu);
	return found;
}

/* ---- meta lookups ------------------------------------------------------- */

/* "key=..." (percent-encoded text) or "key_b64=..." for the query. */
static int router_query_key(const void *key, size_t klen, char **out,
			    struct err *e)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = key;
	char *b64 = NULL, *q;
	size_t n = klen, o;
	int text = desc_utf8_valid(key, klen);
	int rc;

	if (!text) {
		if ((rc = raftwire_base64_encode(key, klen, &b64, &n, e)) !=
		    RC_OK)
			return rc;
		s = (const unsigned char *)b64;
	}
	q = malloc(3 * n + 16);
	if (q == NULL) {
		free(b64);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	o = (size_t)sprintf(q, "%s=", text ? "key" : "key_b64");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~') {
			q[o++] = (char)c;
		} else {
			q[o++] = '%';
			q[o++] = hex[c >> 4];
			q[o++] = hex[c & 15];
		}
	}
	q[o] = '\0';
	free(b64);
	*out = q;
	return RC_OK;
}

/* error.code / error.message of a reply body (borrowed), or NULLs. */
static void router_error_of(const json_t *j, const char **code,
			    const char **msg)
{
	const json_t *err = json_object_get(j, "error");

	*code = json_string_value(json_object_get(err, "code"));
	*msg = json_string_value(json_object_get(err, "message"));
}

/*
 * "ADDR: the server's message" (or "ADDR answered HTTP N: excerpt") into
 * e, with code rc.
 */
static int router_answer_err(struct err *e, int rc, const char *addr,
			     int status, const json_t *j, const char *body,
			     size_t blen)
{
	const char *code, *msg;
	char ex[100];

	router_error_of(j, &code, &msg);
	if (msg != NULL)
		return err_set(e, rc, "%s: %s", addr, msg);
	http_excerpt(body, blen, ex, sizeof(ex));
	return err_set(e, rc, "%s answered HTTP %d%s%s", addr, status,
		       ex[0] ? ": " : "", ex);
}

/* The leader a 307 or 421 names: error.leader_addr, or error.leader's. */
static int router_hint(struct router *r, const json_t *j, uint64_t *leader,
		       char *addr)
{
	const json_t *err = json_object_get(j, "error");
	const char *a = json_string_value(json_object_get(err,
							  "leader_addr"));
	const json_t *l = json_object_get(err, "leader");

	*leader = json_is_integer(l) && json_integer_value(l) > 0 ?
		  (uint64_t)json_integer_value(l) : 0;
	if (a != NULL && a[0] != '\0' && strlen(a) < ROUTER_ADDR_MAX) {
		strcpy(addr, a);
		return 1;
	}
	return *leader != 0 && router_node_addr(r, *leader, addr);
}

/* Entry nodes, then the known nodes not among them (deduplicated). */
static size_t router_meta_targets(struct router *r,
				  char (*out)[ROUTER_ADDR_MAX], size_t cap)
{
	unsigned first = atomic_fetch_add(&r->next_entry, 1);
	size_t n = 0;

	for (size_t k = 0; k < r->n_entry && n < cap; k++)
		strcpy(out[n++], r->entry[(first + k) % r->n_entry]);
	pthread_rwlock_rdlock(&r->mu);
	for (size_t i = 0; i < r->n_nodes && n < cap; i++) {
		size_t k;

		for (k = 0; k < n; k++)
			if (strcmp(out[k], r->nodes[i].addr) == 0)
				break;
		if (k == n)
			strcpy(out[n++], r->nodes[i].addr);
	}
	pthread_rwlock_unlock(&r->mu);
	return n;
}

/* Sleep up to *backoff ms (never past deadline), and grow *backoff. */
static void router_pause(unsigned *backoff, uint64_t deadline)
{
	uint64_t now = util_mono_ms();
	uint64_t ms = *backoff;

	if (now >= deadline)
		return;
	if (ms > deadline - now)
		ms = deadline - now;
	usleep((useconds_t)(ms * 1000));
	*backoff = *backoff * 2 > ROUTER_BACKOFF_MAX_MS ?
		   ROUTER_BACKOFF_MAX_MS : *backoff * 2;
}

/*
 * GET path from the meta side of the cluster: any node answers (raftd
 * proxies meta reads to the meta leader), so the entry nodes and the known
 * ones are asked in turn, following 307s, with pauses between rounds,
 * until deadline.  *out is the 200 reply.  A final refusal (400, 404...)
 * is returned at once with its code.
 */
static int router_meta_get(struct router *r, const char *path,
			   uint64_t deadline, json_t **out, struct err *e)
{
	char (*targets)[ROUTER_ADDR_MAX];
	struct err last;
	unsigned backoff = ROUTER_BACKOFF_MS;
	size_t nt;
	int rc;

	*out = NULL;
	err_set(&last, RC_UNAVAILABLE, "no node asked");
	targets = malloc(ROUTER_MAX_CAND * sizeof(*targets));
	if (targets == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	for (;;) {
		nt = router_meta_targets(r, targets, ROUTER_MAX_CAND);
		for (size_t k = 0; k < nt; k++) {
			char addr[ROUTER_ADDR_MAX];
			int hops = 0;

			strcpy(addr, targets[k]);
			for (;;) {
				char *body = NULL;
				size_t blen = 0;
				int status = 0, maybe;
				json_t *j = NULL;
				const char *code, *msg;
				uint64_t lid;
				char hint[ROUTER_ADDR_MAX];

				rc = router_send(r, addr, "GET", path, NULL, 0,
						 &status, &body, &blen, &maybe,
						 &last);
				if (rc == RC_NOMEM || rc == RC_TOO_LARGE) {
					free(targets);
					return err_set(e, rc, "%s", last.msg);
				}
				if (rc != RC_OK)
					break;		/* next node */
				if (blen > 0)
					jx_parse(body, blen, &j, NULL);
				if (status == 200 && json_is_object(j)) {
					free(body);
					free(targets);
					*out = j;
					return RC_OK;
				}
				if (status == 307 && hops < ROUTER_MAX_HOPS &&
				    router_hint(r, j, &lid, hint) &&
				    strcmp(hint, addr) != 0) {
					hops++;
					atomic_fetch_add(&r->redirects, 1);
					strcpy(addr, hint);
					json_decref(j);
					free(body);
					continue;
				}
				router_error_of(j, &code, &msg);
				if (status == 200 || (status >= 400 &&
				    status < 500 && status != 421 &&
				    status != 408 && status != 429)) {
					/* a final answer, or a broken one */
					int c = status == 200 ? RC_CORRUPT :
						code ? (int)rc_from_name(code)
						     : RC_INTERNAL;

					if (status == 200)
						err_set(e, c, "%s: malformed "
							"reply to GET %s", addr,
							path);
					else
						router_answer_err(e, c, addr,
								  status, j,
								  body, blen);
					json_decref(j);
					free(body);
					free(targets);
					return c;
				}
				/* 503, 421, 5xx, a 307 without a usable hint */
				router_answer_err(&last, RC_UNAVAILABLE, addr,
						  status, j, body, blen);
				json_decref(j);
				free(body);
				break;
			}
			if (util_mono_ms() >= deadline)
				break;
		}
		if (util_mono_ms() >= deadline)
			break;
		atomic_fetch_add(&r->retries, 1);
		router_pause(&backoff, deadline);
	}
	free(targets);
	return err_set(e, last.code == RC_TIMEOUT ? RC_TIMEOUT :
		       RC_UNAVAILABLE, "no raftd node answers GET %.*s: %s",
		       (int)strcspn(path, "?"), path, last.msg);
}

/* Ask /meta/nodes again (at most every ROUTER_NODES_MIN_MS). */
static void router_refresh_nodes(struct router *r, uint64_t deadline)
{
	struct router_node *nodes = NULL;
	json_t *j = NULL, *arr, *v;
	uint64_t now = util_mono_ms();
	size_t i, n = 0;

	pthread_rwlock_wrlock(&r->mu);
	if (r->nodes_asked_ms != 0 &&
	    now - r->nodes_asked_ms < ROUTER_NODES_MIN_MS) {
		pthread_rwlock_unlock(&r->mu);
		return;
	}
	r->nodes_asked_ms = now;
	pthread_rwlock_unlock(&r->mu);
	/* one round only: this is a hint, the call has its own retries */
	if (deadline > now + 1000)
		deadline = now + 1000;
	if (router_meta_get(r, "/meta/nodes", deadline, &j, NULL) != RC_OK)
		return;
	arr = json_object_get(j, "nodes");
	if (!json_is_array(arr) ||
	    (nodes = calloc(json_array_size(arr) + 1, sizeof(*nodes))) ==
	    NULL) {
		json_decref(j);
		return;
	}
	json_array_foreach(arr, i, v) {
		const char *a = json_string_value(json_object_get(v,
								  "address"));
		const json_t *id = json_object_get(v, "id");

		if (a == NULL || strlen(a) >= ROUTER_ADDR_MAX ||
		    !json_is_integer(id) || json_integer_value(id) <= 0)
			continue;
		nodes[n].id = (uint64_t)json_integer_value(id);
		strcpy(nodes[n].addr, a);
		n++;
	}
	json_decref(j);
	pthread_rwlock_wrlock(&r->mu);
	free(r->nodes);
	r->nodes = nodes;
	r->n_nodes = n;
	pthread_rwlock_unlock(&r->mu);
}

/* GET /meta/locate for key; the answer goes into the cache and *out. */
static int router_meta_locate(struct router *r, const void *key, size_t klen,
			      uint64_t deadline, struct router_entry *out,
			      struct err *e)
{
	char *q = NULL, *path = NULL;
	const char *laddr;
	json_t *j = NULL, *lid;
	struct err de;
	int rc;

	if ((rc = router_query_key(key, klen, &q, e)) != RC_OK)
		return rc;
	if (asprintf(&path, "/meta/locate?%s", q) < 0) {
		free(q);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	free(q);
	atomic_fetch_add(&r->locates, 1);
	rc = router_meta_get(r, path, deadline, &j, e);
	free(path);
	if (rc != RC_OK)
		return rc;
	memset(out, 0, sizeof(*out));
	if ((rc = desc_from_json(json_object_get(j, "range"), &out->d,
				 &de)) != RC_OK) {
		json_decref(j);
		if (rc == RC_NOMEM)
			return err_set(e, rc, "out of memory");
		return err_set(e, RC_CORRUPT, "malformed reply to GET "
			       "/meta/locate: %s", de.msg);
	}
	if (!desc_contains(&out->d, key, klen)) {
		char kt[64];

		json_decref(j);
		router_key_text(key, klen, kt, sizeof(kt));
		return err_set(e, RC_CORRUPT, "GET /meta/locate for '%s' "
			       "answered range %" PRIu64 ", which does not "
			       "hold it", kt, out->d.range_id);
	}
	lid = json_object_get(j, "leader");
	laddr = json_string_value(json_object_get(j, "leader_addr"));
	if (laddr != NULL && laddr[0] != '\0' &&
	    strlen(laddr) < ROUTER_ADDR_MAX) {
		out->leader = json_is_integer(lid) ?
			      (uint64_t)json_integer_value(lid) : 0;
		strcpy(out->leader_addr, laddr);
	}
	json_decref(j);
	router_cache_put(r, &out->d, out->leader,
			 out->leader_addr[0] ? out->leader_addr : NULL);
	return RC_OK;
}

/* The range of key: the cache, else /meta/locate. */
static int router_lookup(struct router *r, const void *key, size_t klen,
			 uint64_t deadline, struct router_entry *out,
			 struct err *e)
{
	if (router_cache_get(r, key, klen, out))
		return RC_OK;
	return router_meta_locate(r, key, klen, deadline, out, e);
}

int router_locate(struct router *r, const void *key, size_t klen,
		  struct desc *d, struct err *e)
{
	struct router_entry *ent;
	int rc;

	/* on the heap: an entry holds two 1 KiB bounds */
	ent = malloc(sizeof(*ent));
	if (ent == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	rc = router_lookup(r, key, klen,
			   util_mono_ms() + atomic_load(&r->deadline_ms), ent,
			   e);
	if (rc == RC_OK)
		*d = ent->d;
	free(ent);
	return rc;
}

/* ---- calls -------------------------------------------------------------- */

/*
 * Where to send a call for ent when its leader is unknown or failed: the
 * replicas but that leader (addresses from the node table, asked again
 * when it lacks one), else the entry nodes.
 */
static size_t router_candidates(struct router *r,
				const struct router_entry *ent,
				uint64_t deadline,
				char (*out)[ROUTER_ADDR_MAX], size_t cap)
{
	size_t n = 0, missing = 0;

	for (int pass = 0; pass < 2; pass++) {
		n = 0;
		missing = 0;
		for (size_t i = 0; i < ent->d.n_replicas && n < cap; i++) {
			char a[ROUTER_ADDR_MAX];
			size_t k;

			if (!router_node_addr(r, ent->d.replicas[i], a)) {
				missing++;
				continue;
			}
			if (strcmp(a, ent->leader_addr) == 0)
				continue;
			for (k = 0; k < n; k++)
				if (strcmp(out[k], a) == 0)
					break;
			if (k == n)
				strcpy(out[n++], a);
		}
		if (missing == 0 || pass == 1)
			break;
		router_refresh_nodes(r, deadline);
	}
	if (n == 0) {
		unsigned first = atomic_fetch_add(&r->next_entry, 1);

		for (size_t k = 0; k < r->n_entry && n < cap; k++) {
			const char *a = r->entry[(first + k) % r->n_entry];

			if (strcmp(a, ent->leader_addr) != 0)
				strcpy(out[n++], a);
		}
	}
	return n;
}

/*
 * The descriptor a 421 carries (error.range, or a top-level "range"), if
 * it parses and holds key.
 */
static int router_moved_desc(const json_t *j, const void *key, size_t klen,
			     struct desc *d)
{
	const json_t *dj = json_object_get(json_object_get(j, "error"),
					   "range");

	if (dj == NULL)
		dj = json_object_get(j, "range");
	return json_is_object(dj) && desc_from_json(dj, d, NULL) == RC_OK &&
	       desc_contains(d, key, klen);
}

/*
 * 1 if a reply names a range ("range_id" at the top or in the error
 * object, as raftd's range-scoped answers and 307s do) other than ent's:
 * the cached descriptor is stale (a split gave the key to a new range).
 */
static int router_other_range(const json_t *j,
			      const struct router_entry *ent)
{
	const json_t *id = json_object_get(j, "range_id");

	if (id == NULL)
		id = json_object_get(json_object_get(j, "error"),
				     "range_id");
	return json_is_integer(id) &&
	       (uint64_t)json_integer_value(id) != ent->d.range_id;
}

/*
 * 1 if a refusal says the request may have taken effect after all:
 * "error":{"ambiguous":true}, or raftd's wording for a proposal whose
 * fate is unknown ("may or may not have taken effect", "leadership
 * lost": a proposal in the old leader's log may still commit).
 */
static int router_ambiguous(const json_t *j)
{
	static const char *const phrases[] = {
		"may or may not", "leadership lost", "outcome unknown"
	};
	const json_t *err = json_object_get(j, "error");
	const char *msg = json_string_value(json_object_get(err, "message"));

	if (json_is_true(json_object_get(err, "ambiguous")))
		return 1;
	for (size_t i = 0; msg != NULL &&
	     i < sizeof(phrases) / sizeof(phrases[0]); i++)
		if (strstr(msg, phrases[i]) != NULL)
			return 1;
	return 0;
}

/* State of one router_call, shared by its helpers. */
struct router_callst {
	const void *key;
	size_t klen;
	const char *path;
	const char *body;
	size_t blen;
	unsigned flags;
	int moved;		/* a 421 was already met */
	struct err last;	/* the latest retryable failure */
};

enum router_step {
	ROUTER_FINAL,		/* an answer for the caller (or an error) */
	ROUTER_NEXT,		/* try the next candidate */
	ROUTER_RESTART		/* the cache changed: start over */
};

/*
 * Send the call to addr, following 307s.  ROUTER_FINAL with *rc (and on
 * RC_OK, *reply and *status) set, or where to go on.
 */
static enum router_step router_try(struct router *r, struct router_callst *c,
				   const struct router_entry *ent,
				   const char *first_addr, json_t **reply,
				   int *status, int *rc, struct err *e)
{
	char addr[ROUTER_ADDR_MAX];
	int hops = 0;

	strcpy(addr, first_addr);
	for (;;) {
		char *resp = NULL, hint[ROUTER_ADDR_MAX];
		size_t rlen = 0;
		int st = 0, maybe = 0, prc;
		json_t *j = NULL;
		uint64_t lid = 0;
		struct desc nd;

		atomic_fetch_add(&r->requests, 1);
		*rc = router_send(r, addr, "POST", c->path, c->body, c->blen,
				  &st, &resp, &rlen, &maybe, &c->last);
		if (*rc == RC_NOMEM || *rc == RC_TOO_LARGE) {
			/* a reply too large (or no memory to read it): the
			   request got there */
			err_set(e, *rc, "%s%s", c->last.msg,
				(c->flags & ROUTER_ONCE) && maybe ?
				" (outcome unknown)" : "");
			return ROUTER_FINAL;
		}
		if (*rc != RC_OK && *rc != RC_TIMEOUT &&
		    *rc != RC_UNAVAILABLE) {
			/* not the network: a bad path, say; no use retrying */
			err_set(e, *rc, "%s", c->last.msg);
			return ROUTER_FINAL;
		}
		if (*rc != RC_OK) {
			if (maybe && (c->flags & ROUTER_ONCE)) {
				err_set(e, *rc, "%s (outcome unknown)",
					c->last.msg);
				return ROUTER_FINAL;
			}
			/* not the leader any more, or a stale hint: forget */
			router_forget_leader(r, ent->d.range_id, addr);
			atomic_fetch_add(&r->retries, 1);
			return ROUTER_NEXT;
		}
		prc = rlen > 0 ? jx_parse(resp, rlen, &j, NULL) : RC_OK;
		if ((st == 307 || st >= 500) && (c->flags & ROUTER_ONCE) &&
		    router_ambiguous(j)) {
			*rc = router_answer_err(e, RC_UNAVAILABLE, addr, st, j,
						resp, rlen);
			err_prefix(e, "outcome unknown");
			json_decref(j);
			free(resp);
			return ROUTER_FINAL;
		}
		if (st == 307) {
			if (hops < ROUTER_MAX_HOPS && router_hint(r, j, &lid,
								  hint) &&
			    strcmp(hint, addr) != 0) {
				atomic_fetch_add(&r->redirects, 1);
				/* the key's range is another: ours is stale */
				if (router_other_range(j, ent))
					router_invalidate(r, ent->d.range_id);
				else
					router_set_leader(r, ent->d.range_id,
							  lid, hint);
				strcpy(addr, hint);
				hops++;
				json_decref(j);
				free(resp);
				continue;
			}
			router_answer_err(&c->last, RC_UNAVAILABLE, addr, st,
					  j, resp, rlen);
			json_decref(j);
			free(resp);
			return ROUTER_NEXT;
		}
		if (st == 421) {
			atomic_fetch_add(&r->moved, 1);
			if (c->moved) {
				*rc = router_answer_err(e, RC_RANGE_MOVED,
							addr, st, j, resp,
							rlen);
				err_prefix(e, "range %" PRIu64 " moved again",
					   ent->d.range_id);
				json_decref(j);
				free(resp);
				return ROUTER_FINAL;
			}
			c->moved = 1;
			router_invalidate(r, ent->d.range_id);
			if (router_moved_desc(j, c->key, c->klen, &nd)) {
				char la[ROUTER_ADDR_MAX];
				int has = router_hint(r, j, &lid, la);

				router_cache_put(r, &nd, has ? lid : 0,
						 has ? la : NULL);
			}
			json_decref(j);
			free(resp);
			return ROUTER_RESTART;
		}
		if (st == 503) {
			atomic_fetch_add(&r->retries, 1);
			router_answer_err(&c->last, RC_UNAVAILABLE, addr, st,
					  j, resp, rlen);
			json_decref(j);
			free(resp);
			return ROUTER_NEXT;
		}
		/* a final answer */
		if (prc != RC_OK || (rlen > 0 && j == NULL)) {
			char ex[100];

			http_excerpt(resp, rlen, ex, sizeof(ex));
			*rc = err_set(e, prc == RC_NOMEM ? RC_NOMEM :
				      RC_CORRUPT, "%s answered POST %s with "
				      "HTTP %d and a body that is not JSON%s: "
				      "%s", addr, c->path, st,
				      (c->flags & ROUTER_ONCE) ?
				      " (outcome unknown)" : "", ex);
			free(resp);
			return ROUTER_FINAL;
		}
		free(resp);
		if (router_other_range(j, ent))
			router_invalidate(r, ent->d.range_id);
		else if ((st == 200 || st == 409) &&
			 strcmp(addr, ent->leader_addr) != 0)
			router_set_leader(r, ent->d.range_id, lid, addr);
		*reply = j != NULL ? j : json_null();
		*status = st;
		*rc = RC_OK;
		return ROUTER_FINAL;
	}
}

int router_call_flags(struct router *r, const void *key, size_t klen,
		      const char *path, const json_t *body, unsigned flags,
		      json_t **reply, int *status, struct err *e)
{
	struct router_callst c;
	struct router_entry *ent = NULL;
	char (*cand)[ROUTER_ADDR_MAX] = NULL;
	char *b = NULL, kt[64];
	unsigned dl = atomic_load(&r->deadline_ms);
	unsigned backoff = ROUTER_BACKOFF_MS, round = 0;
	uint64_t deadline = util_mono_ms() + dl;
	size_t blen = 0;
	int rc;

	*reply = NULL;
	*status = 0;
	atomic_fetch_add(&r->calls, 1);
	memset(&c, 0, sizeof(c));
	if (body != NULL) {
		if ((rc = jx_dump(body, &b, &blen, e)) != RC_OK)
			return rc;
	} else if ((b = strdup("{}")) == NULL) {
		return err_set(e, RC_NOMEM, "out of memory");
	} else {
		blen = 2;
	}
	ent = malloc(sizeof(*ent));
	cand = malloc(ROUTER_MAX_CAND * sizeof(*cand));
	if (ent == NULL || cand == NULL) {
		rc = err_set(e, RC_NOMEM, "out of memory");
		goto out;
	}
	c.key = key;
	c.klen = klen;
	c.path = path;
	c.body = b;
	c.blen = blen;
	c.flags = flags;
	err_set(&c.last, RC_UNAVAILABLE, "no node tried");
	for (;;) {
		enum router_step step = ROUTER_NEXT;
		size_t n;

		if ((rc = router_lookup(r, key, klen, deadline, ent, e)) !=
		    RC_OK)
			goto out;
		/* the cached leader first: no other lookup on that path */
		if (ent->leader_addr[0] != '\0') {
			char leader[ROUTER_ADDR_MAX];

			strcpy(leader, ent->leader_addr);
			step = router_try(r, &c, ent, leader, reply, status,
					  &rc, e);
		}
		if (step == ROUTER_NEXT && util_mono_ms() < deadline) {
			n = router_candidates(r, ent, deadline, cand,
					      ROUTER_MAX_CAND);
			for (size_t i = 0; i < n; i++) {
				step = router_try(r, &c, ent, cand[i], reply,
						  status, &rc, e);
				if (step != ROUTER_NEXT ||
				    util_mono_ms() >= deadline)
					break;
			}
		}
		if (step == ROUTER_FINAL)
			goto out;
		if (step == ROUTER_RESTART)
			continue;
		if (util_mono_ms() >= deadline)
			break;
		/*
		 * Nobody led the range: pause, and every other round look
		 * the range up afresh (it may have moved to other nodes).
		 */
		atomic_fetch_add(&r->retries, 1);
		router_pause(&backoff, deadline);
		if (++round % 2 == 0)
			router_invalidate(r, ent->d.range_id);
		else
			router_set_leader(r, ent->d.range_id, 0, NULL);
	}
	router_key_text(key, klen, kt, sizeof(kt));
	rc = err_set(e, c.last.code == RC_TIMEOUT ? RC_TIMEOUT :
		     RC_UNAVAILABLE, "no leader of range %" PRIu64 " (key "
		     "'%s') answered POST %s within %u ms; last: %s",
		     ent->d.range_id, kt, path, dl, c.last.msg);
out:
	free(cand);
	free(ent);
	free(b);
	return rc;
}

int router_call(struct router *r, const void *key, size_t klen,
		const char *path, const json_t *body, json_t **reply,
		int *status, struct err *e)
{
	return router_call_flags(r, key, klen, path, body, 0, reply, status,
				 e);
}
