/*
 * client.c -- rangectl's cluster access: entry nodes, not_leader hints,
 * meta lookups and /status, each request bounded in time.  See client.h.
 *
 * One http_client per (address, time limit) is kept for the life of the
 * struct client, so the requests of one command reuse their connections.
 * Replies are read with http_client_do() and parsed here, because a
 * not_leader answer's hint ("leader", "leader_addr") is in its body.
 * Tested by t/511-rangectl-cli.bats and the rangectl cluster tests.
 */
#include "client.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "http.h"
#include "jx.h"
#include "util.h"

/* Pages of /meta/ranges followed before the listing counts as looping. */
#define CLIENT_MAX_PAGES	1000000

struct client_peer {
	char *addr;
	long timeout_ms;
	struct http_client *http;
};

struct client_status {
	uint64_t id;
	int rc;
	struct err err;
	json_t *st;
	int64_t mid_wall_ms;
};

struct client {
	char **entry;			/* the entry nodes, in order */
	size_t n_entry;
	size_t current;			/* the entry node that answered last */
	long timeout_ms;
	struct client_peer *peers;
	size_t n_peers, cap_peers;
	struct client_node *nodes;	/* /meta/nodes, once asked */
	size_t n_nodes;
	int have_nodes;
	struct client_status *status;	/* /status per node, once asked */
	size_t n_status, cap_status;
};

/*
 * A reply that is not what the API promises: "WHAT: <reason>", code
 * RC_CORRUPT (the reason is already in e, from a jx getter).
 */
static int client_corrupt(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int client_corrupt(struct err *e, const char *fmt, ...)
{
	char what[ERR_MSG_MAX];
	va_list ap;

	if (e == NULL)
		return RC_CORRUPT;
	va_start(ap, fmt);
	err_vformat(what, sizeof(what), fmt, ap);
	va_end(ap);
	err_prefix(e, "%s", what);
	e->code = RC_CORRUPT;
	return RC_CORRUPT;
}

static void client_nodes_clear(struct client *c);

/* ---- life cycle --------------------------------------------------------- */

int client_new(struct client **out, const char *const *addrs, size_t n,
	       long timeout_ms, struct err *e)
{
	struct client *c;

	*out = NULL;
	if (n == 0)
		return err_set(e, RC_BAD_INPUT, "no node to ask");
	c = calloc(1, sizeof(*c));
	if (c == NULL || (c->entry = calloc(n, sizeof(*c->entry))) == NULL) {
		free(c);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : CLIENT_TIMEOUT_MS;
	for (size_t i = 0; i < n; i++) {
		if ((c->entry[i] = strdup(addrs[i])) == NULL) {
			client_free(c);
			return err_set(e, RC_NOMEM, "out of memory");
		}
		c->n_entry = i + 1;
	}
	*out = c;
	return RC_OK;
}

void client_free(struct client *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n_entry; i++)
		free(c->entry[i]);
	free(c->entry);
	for (size_t i = 0; i < c->n_peers; i++) {
		http_client_free(c->peers[i].http);
		free(c->peers[i].addr);
	}
	free(c->peers);
	client_nodes_clear(c);
	for (size_t i = 0; i < c->n_status; i++)
		json_decref(c->status[i].st);
	free(c->status);
	free(c);
}

/* ---- one request -------------------------------------------------------- */

/*
 * The http_client for addr with this time limit, made on first use; the
 * connection's own limit stays the --timeout, as a dead node answers no
 * faster to a request that may take long.
 */
static int client_peer(struct client *c, const char *addr, long timeout_ms,
		       struct http_client **out, struct err *e)
{
	struct http_client_opts o = {
		.connect_timeout_ms = timeout_ms < c->timeout_ms ?
				      timeout_ms : c->timeout_ms,
		.timeout_ms = timeout_ms
	};
	struct client_peer *p;
	int rc;

	for (size_t i = 0; i < c->n_peers; i++) {
		if (c->peers[i].timeout_ms == timeout_ms &&
		    strcmp(c->peers[i].addr, addr) == 0) {
			*out = c->peers[i].http;
			return RC_OK;
		}
	}
	if (c->n_peers == c->cap_peers) {
		size_t cap = c->cap_peers ? 2 * c->cap_peers : 8;

		p = realloc(c->peers, cap * sizeof(*p));
		if (p == NULL)
			return err_set(e, RC_NOMEM, "out of memory");
		c->peers = p;
		c->cap_peers = cap;
	}
	p = &c->peers[c->n_peers];
	memset(p, 0, sizeof(*p));
	if ((p->addr = strdup(addr)) == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	if ((rc = http_client_new(&p->http, addr, &o, e)) != RC_OK) {
		free(p->addr);
		return rc;
	}
	p->timeout_ms = timeout_ms;
	c->n_peers++;
	*out = p->http;
	return RC_OK;
}

/*
 * A failure before the request reached the server (http.h's "cannot
 * connect to" / "cannot resolve"): safe to send it elsewhere.
 */
static int client_not_sent(int rc, const struct err *e)
{
	return (rc == RC_UNAVAILABLE || rc == RC_TIMEOUT) &&
	       (strncmp(e->msg, "cannot connect to ", 18) == 0 ||
		strncmp(e->msg, "cannot resolve ", 15) == 0);
}

/*
 * A non-2xx reply: the server's code and "ADDR: message"; for not_leader
 * also *hint, the leader's address (malloc'd) when the reply names one.
 */
static int client_error_reply(struct client *c, const char *addr,
			      int status, const char *body, size_t len,
			      char **hint, struct err *e)
{
	json_t *j = NULL, *err;
	const char *code = NULL, *msg = NULL, *laddr = NULL;
	uint64_t leader = 0;
	char ex[100];
	int rc;

	if (len > 0 && jx_parse(body, len, &j, NULL) == RC_OK &&
	    json_is_object(err = json_object_get(j, "error")) &&
	    jx_get_str(err, "code", &code, NULL) == RC_OK &&
	    jx_get_str(err, "message", &msg, NULL) == RC_OK) {
		rc = rc_from_name(code);
		if (rc == RC_OK || strcmp(rc_name(rc), code) != 0)
			rc = status >= 500 ? RC_UNAVAILABLE : RC_INTERNAL;
		if (rc == RC_NOT_LEADER) {
			jx_opt_str(err, "leader_addr", NULL, &laddr, NULL);
			jx_opt_u64(err, "leader", 0, &leader, NULL);
			if ((laddr == NULL || laddr[0] == '\0') && leader != 0)
				laddr = client_node_addr(c, leader);
			if (laddr != NULL && laddr[0] != '\0' &&
			    (*hint = strdup(laddr)) == NULL)
				rc = err_set(e, RC_NOMEM, "out of memory");
		}
		if (rc != RC_NOMEM)
			err_set(e, rc, "%s: %s", addr, msg);
		json_decref(j);
		return rc;
	}
	json_decref(j);
	http_excerpt(body, len, ex, sizeof(ex));
	return err_set(e, status >= 500 ? RC_UNAVAILABLE : RC_INTERNAL,
		       "%s answered HTTP %d%s%s", addr, status,
		       ex[0] ? ": " : "", ex);
}

/*
 * One request to addr.  *answered = 1 when an HTTP reply came back (of
 * any status); *hint as for client_error_reply().
 */
static int client_once(struct client *c, const char *addr, long timeout_ms,
		       const char *method, const char *path, const char *body,
		       size_t blen, json_t **out, int *answered, char **hint,
		       struct err *e)
{
	struct http_client *h = NULL;
	char *resp = NULL;
	size_t rlen = 0;
	int status = 0, rc;
	struct err pe;

	*out = NULL;
	*answered = 0;
	*hint = NULL;
	if ((rc = client_peer(c, addr, timeout_ms, &h, e)) != RC_OK)
		return rc;
	rc = http_client_do(h, method, path,
			    body != NULL ? "application/json" : NULL, body,
			    blen, &status, &resp, &rlen, e);
	if (rc != RC_OK)
		return rc;
	*answered = 1;
	if (status < 200 || status > 299) {
		rc = client_error_reply(c, addr, status, resp, rlen, hint, e);
	} else if (rlen == 0) {
		*out = json_null();
	} else if (jx_parse(resp, rlen, out, &pe) != RC_OK) {
		rc = err_set(e, pe.code == RC_NOMEM ? RC_NOMEM : RC_CORRUPT,
			     "malformed JSON reply from %s to %s %s: %s",
			     addr, method, path, pe.msg);
	}
	free(resp);
	return rc;
}

/*
 * One request starting at addr, following not_leader hints while *hops
 * (shared by the whole call) is below CLIENT_MAX_HOPS.  *answered says
 * whether addr itself replied; *sent whether the request may have reached
 * some server.
 */
static int client_follow(struct client *c, const char *addr, long timeout_ms,
			 const char *method, const char *path,
			 const char *body, size_t blen, int *hops,
			 json_t **out, int *answered, int *sent,
			 struct err *e)
{
	char *cur, *hint = NULL, *prev = NULL;
	int rc, ans;

	*answered = 0;
	*sent = 0;
	if ((cur = strdup(addr)) == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	for (;;) {
		rc = client_once(c, cur, timeout_ms, method, path, body, blen,
				 out, &ans, &hint, e);
		if (prev == NULL)
			*answered = ans;
		if (ans || !client_not_sent(rc, e))
			*sent = 1;
		if (!ans && prev != NULL)
			err_prefix(e, "%s named %s as the leader", prev, cur);
		if (rc != RC_NOT_LEADER || hint == NULL ||
		    *hops >= CLIENT_MAX_HOPS || strcmp(hint, cur) == 0)
			break;
		(*hops)++;
		free(prev);
		prev = cur;
		cur = hint;
		hint = NULL;
	}
	free(hint);
	free(prev);
	free(cur);
	return rc;
}

static int client_dump(const json_t *body, char **s, size_t *len,
		       struct err *e)
{
	*s = NULL;
	*len = 0;
	if (body == NULL)
		return RC_OK;
	return jx_dump(body, s, len, e);
}

/*
 * An answer that refuses without acting because this node cannot serve
 * the request (it holds no leader of the range concerned, or no hint to
 * one): another node may.
 */
static int client_refused(int rc, int answered)
{
	return answered && (rc == RC_UNAVAILABLE || rc == RC_NOT_LEADER ||
			    rc == RC_RANGE_MOVED);
}

/* 1 if addr is one of the entry nodes. */
static int client_is_entry(const struct client *c, const char *addr)
{
	for (size_t i = 0; i < c->n_entry; i++)
		if (strcmp(c->entry[i], addr) == 0)
			return 1;
	return 0;
}

int client_call(struct client *c, const char *method, const char *path,
		const json_t *body, json_t **out, struct err *e)
{
	struct err local_err;
	struct err first = { RC_OK, "" }, refusal = { RC_OK, "" };
	const struct client_node *nodes = NULL;
	size_t n_nodes = 0, n_asked = 0;
	char *b;
	size_t blen;
	int rc, hops = 0;

	if (e == NULL)
		e = &local_err;
	*out = NULL;
	if ((rc = client_dump(body, &b, &blen, e)) != RC_OK)
		return rc;
	/*
	 * The entry nodes from the one that answered last; then, if some
	 * answered but none could serve it (say none holds a replica of
	 * meta), the other nodes of the cluster.
	 */
	for (size_t k = 0;; k++) {
		size_t i = (c->current + k) % c->n_entry;
		const char *addr;
		int answered, sent;

		if (k < c->n_entry) {
			addr = c->entry[i];
		} else if (refusal.code == RC_OK ||
			   strcmp(path, "/meta/nodes") == 0) {
			break;
		} else {
			if (nodes == NULL &&
			    client_meta_nodes(c, &nodes, &n_nodes, NULL) !=
			    RC_OK)
				break;
			if (k - c->n_entry >= n_nodes)
				break;
			addr = nodes[k - c->n_entry].addr;
			if (client_is_entry(c, addr))
				continue;
		}
		n_asked++;
		rc = client_follow(c, addr, c->timeout_ms, method, path, b,
				   blen, &hops, out, &answered, &sent, e);
		if (client_refused(rc, answered)) {
			/* e.g. a node without a replica of meta: next one */
			if (refusal.code == RC_OK)
				refusal = *e;
			continue;
		}
		/* a request that may have acted is never repeated */
		if (answered || rc == RC_NOMEM ||
		    (sent && strcmp(method, "GET") != 0)) {
			if (k < c->n_entry)
				c->current = i;
			free(b);
			return rc;
		}
		if (first.code == RC_OK)
			first = *e;
	}
	free(b);
	if (refusal.code != RC_OK && n_asked == 1)
		return err_set(e, refusal.code, "%s", refusal.msg);
	if (refusal.code != RC_OK)
		return err_set(e, refusal.code, "none of the %zu nodes asked "
			       "can serve %s %s; the first refusal: %s",
			       n_asked, method, path, refusal.msg);
	if (c->n_entry == 1)
		return err_set(e, first.code, "no node answers: %s",
			       first.msg);
	return err_set(e, first.code, "none of the %zu nodes answers; the "
		       "first: %s", c->n_entry, first.msg);
}

int client_range_call(struct client *c, const struct desc *r,
		      const char *path, const json_t *body, long extra_ms,
		      json_t **out, struct err *e)
{
	struct err local_err;
	struct err last = { RC_OK, "" }, refusal = { RC_OK, "" };
	const struct client_node *nodes;
	size_t n_nodes, blen;
	char *b;
	int rc, hops = 0;

	if (e == NULL)
		e = &local_err;
	*out = NULL;
	if (r->n_replicas == 0)
		return err_set(e, RC_CORRUPT, "range %" PRIu64 " has no "
			       "replicas in its descriptor", r->range_id);
	if ((rc = client_meta_nodes(c, &nodes, &n_nodes, e)) != RC_OK)
		return rc;
	if ((rc = client_dump(body, &b, &blen, e)) != RC_OK)
		return rc;
	for (size_t i = 0; i < r->n_replicas; i++) {
		const char *addr = client_node_addr(c, r->replicas[i]);
		int answered, sent;

		if (addr == NULL) {
			err_set(&last, RC_UNAVAILABLE, "node %" PRIu64 ", a "
				"replica of range %" PRIu64 ", is not in "
				"/meta/nodes", r->replicas[i], r->range_id);
			continue;
		}
		rc = client_follow(c, addr, c->timeout_ms + extra_ms, "POST",
				   path, b, blen, &hops, out, &answered,
				   &sent, e);
		/*
		 * Next replica only if this one refused without acting: it
		 * is no leader, does not hold the range, or was not reached.
		 */
		if (rc == RC_OK || rc == RC_NOMEM ||
		    !(rc == RC_NOT_LEADER || rc == RC_NOT_FOUND ||
		      (rc == RC_UNAVAILABLE && answered) || !sent)) {
			free(b);
			return rc;
		}
		last = *e;
		/* what a replica said beats a later one that is down */
		if (sent && refusal.code == RC_OK)
			refusal = *e;
	}
	free(b);
	if (refusal.code != RC_OK)
		return err_set(e, refusal.code, "%s", refusal.msg);
	return err_set(e, last.code, "%s", last.msg);
}

/* ---- meta lookups ------------------------------------------------------- */

/* Free the node table of c (a failed /meta/nodes leaves none). */
static void client_nodes_clear(struct client *c)
{
	for (size_t i = 0; i < c->n_nodes; i++)
		free(c->nodes[i].addr);
	free(c->nodes);
	c->nodes = NULL;
	c->n_nodes = 0;
	c->have_nodes = 0;
}

int client_meta_nodes(struct client *c, const struct client_node **nodes,
		      size_t *n, struct err *e)
{
	struct err local_err;
	json_t *j = NULL, *arr, *v;
	size_t i;
	int rc = RC_OK;

	if (e == NULL)
		e = &local_err;
	*nodes = NULL;
	*n = 0;
	if (c->have_nodes) {
		*nodes = c->nodes;
		*n = c->n_nodes;
		return RC_OK;
	}
	if ((rc = client_call(c, "GET", "/meta/nodes", NULL, &j, e)) != RC_OK)
		return rc;
	if (jx_get_arr(j, "nodes", &arr, e) != RC_OK) {
		json_decref(j);
		return client_corrupt(e, "GET /meta/nodes");
	}
	c->nodes = calloc(json_array_size(arr) + 1, sizeof(*c->nodes));
	if (c->nodes == NULL) {
		json_decref(j);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	json_array_foreach(arr, i, v) {
		const char *addr;
		uint64_t id;

		if (!json_is_object(v)) {
			err_set(e, RC_BAD_INPUT, "not an object");
			rc = client_corrupt(e, "GET /meta/nodes: nodes[%zu]", i);
			break;
		}
		if (jx_get_u64(v, "id", &id, e) != RC_OK ||
		    jx_get_str(v, "address", &addr, e) != RC_OK) {
			rc = client_corrupt(e, "GET /meta/nodes: nodes[%zu]", i);
			break;
		}
		c->nodes[c->n_nodes].id = id;
		if ((c->nodes[c->n_nodes].addr = strdup(addr)) == NULL) {
			rc = err_set(e, RC_NOMEM, "out of memory");
			break;
		}
		c->n_nodes++;
	}
	json_decref(j);
	if (rc != RC_OK) {
		client_nodes_clear(c);
		return rc;
	}
	c->have_nodes = 1;
	*nodes = c->nodes;
	*n = c->n_nodes;
	return RC_OK;
}

const char *client_node_addr(struct client *c, uint64_t id)
{
	for (size_t i = 0; i < c->n_nodes; i++)
		if (c->nodes[i].id == id)
			return c->nodes[i].addr;
	return NULL;
}

/* Append the descriptors of a /meta/ranges page to *v. */
static int client_add_page(const json_t *j, struct desc **v, size_t *n,
			   size_t *cap, struct err *e)
{
	json_t *arr, *d;
	size_t i;

	if (jx_get_arr(j, "ranges", &arr, e) != RC_OK)
		return client_corrupt(e, "GET /meta/ranges");
	json_array_foreach(arr, i, d) {
		char what[64];
		int rc;

		if (*n == *cap) {
			size_t nc = *cap ? 2 * *cap : 64;
			struct desc *p = realloc(*v, nc * sizeof(*p));

			if (p == NULL)
				return err_set(e, RC_NOMEM, "out of memory");
			*v = p;
			*cap = nc;
		}
		snprintf(what, sizeof(what), "GET /meta/ranges: ranges[%zu]",
			 i);
		if ((rc = client_desc(d, &(*v)[*n], what, e)) != RC_OK)
			return rc;
		(*n)++;
	}
	return RC_OK;
}

/* a < b in key order (memcmp, shorter first on a tie) */
static int client_key_less(const unsigned char *a, size_t al,
			   const unsigned char *b, size_t bl)
{
	int d = memcmp(a, b, al < bl ? al : bl);

	return d < 0 || (d == 0 && al < bl);
}

int client_meta_ranges(struct client *c, struct desc **out, size_t *n,
		       struct err *e)
{
	struct err local_err;
	struct desc *v = NULL;
	size_t nv = 0, cap = 0, pages = 0;
	void *start = NULL;
	size_t start_len = 0;
	int rc;

	if (e == NULL)
		e = &local_err;
	*out = NULL;
	*n = 0;
	for (;;) {
		char *path, *q = NULL;
		void *resume;
		size_t resume_len;
		json_t *j;
		bool more;

		if (start != NULL && (rc = format_query_key("start", start,
							    start_len, &q,
							    e)) != RC_OK)
			goto fail;
		if (asprintf(&path, "/meta/ranges%s%s", q ? "?" : "",
			     q ? q : "") < 0) {
			free(q);
			rc = err_set(e, RC_NOMEM, "out of memory");
			goto fail;
		}
		free(q);
		rc = client_call(c, "GET", path, NULL, &j, e);
		free(path);
		if (rc != RC_OK)
			goto fail;
		rc = client_add_page(j, &v, &nv, &cap, e);
		if (rc == RC_OK && jx_opt_bool(j, "more", false, &more, e) !=
		    RC_OK)
			rc = client_corrupt(e, "GET /meta/ranges");
		if (rc != RC_OK || !more) {
			json_decref(j);
			if (rc != RC_OK)
				goto fail;
			break;
		}
		rc = desc_bytes_get(j, "resume", &resume, &resume_len, e);
		json_decref(j);
		if (rc != RC_OK) {
			if (rc == RC_NOT_FOUND)
				err_set(e, RC_CORRUPT, "no resume key");
			if (rc != RC_NOMEM)
				rc = client_corrupt(e, "GET /meta/ranges says "
						    "more");
			goto fail;
		}
		/* each page must start past the previous one */
		if ((start != NULL &&
		     !client_key_less(start, start_len, resume, resume_len)) ||
		    ++pages > CLIENT_MAX_PAGES) {
			free(resume);
			rc = err_set(e, RC_CORRUPT, "GET /meta/ranges does not "
				     "advance: its resume key repeats");
			goto fail;
		}
		free(start);
		start = resume;
		start_len = resume_len;
	}
	free(start);
	*out = v;
	*n = nv;
	return RC_OK;
fail:
	free(start);
	free(v);
	return rc;
}

int client_meta_find(struct client *c, uint64_t range_id, struct desc *out,
		     struct err *e)
{
	struct err local_err;
	struct desc *v;
	size_t n;
	int rc;

	if (e == NULL)
		e = &local_err;
	if ((rc = client_meta_ranges(c, &v, &n, e)) != RC_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (v[i].range_id != range_id)
			continue;
		*out = v[i];
		free(v);
		return RC_OK;
	}
	free(v);
	return err_set(e, RC_NOT_FOUND, "there is no range %" PRIu64
		       " (see 'rangectl list')", range_id);
}

int client_meta_locate(struct client *c, const void *key, size_t len,
		       struct desc *out, uint64_t *leader, struct err *e)
{
	struct err local_err;
	char *q = NULL, *path = NULL;
	json_t *j = NULL, *d;
	int rc;

	if (e == NULL)
		e = &local_err;
	*leader = 0;
	if ((rc = format_query_key("key", key, len, &q, e)) != RC_OK)
		return rc;
	if (asprintf(&path, "/meta/locate?%s", q) < 0) {
		free(q);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	free(q);
	rc = client_call(c, "GET", path, NULL, &j, e);
	free(path);
	if (rc != RC_OK)
		return rc;
	if (jx_get_obj(j, "range", &d, e) != RC_OK ||
	    jx_opt_u64(j, "leader", 0, leader, e) != RC_OK) {
		json_decref(j);
		return client_corrupt(e, "GET /meta/locate");
	}
	rc = client_desc(d, out, "GET /meta/locate", e);
	json_decref(j);
	return rc;
}

/* ---- nodes -------------------------------------------------------------- */

int client_node_status(struct client *c, uint64_t id, const json_t **st,
		       int64_t *mid_wall_ms, struct err *e)
{
	struct err local_err;
	struct client_status *s = NULL;
	const char *addr;
	uint64_t wall0, mono0;
	int answered;
	char *hint = NULL;

	if (e == NULL)
		e = &local_err;
	*st = NULL;
	*mid_wall_ms = 0;
	for (size_t i = 0; i < c->n_status; i++)
		if (c->status[i].id == id)
			s = &c->status[i];
	if (s == NULL) {
		if (c->n_status == c->cap_status) {
			size_t cap = c->cap_status ? 2 * c->cap_status : 8;
			struct client_status *p;

			p = realloc(c->status, cap * sizeof(*p));
			if (p == NULL)
				return err_set(e, RC_NOMEM, "out of memory");
			c->status = p;
			c->cap_status = cap;
		}
		s = &c->status[c->n_status];
		memset(s, 0, sizeof(*s));
		s->id = id;
		addr = client_node_addr(c, id);
		if (addr == NULL) {
			s->rc = err_set(&s->err, RC_NOT_FOUND, "node %" PRIu64
					" is not in /meta/nodes", id);
		} else {
			wall0 = util_wall_ms();
			mono0 = util_mono_ms();
			s->rc = client_once(c, addr, c->timeout_ms, "GET",
					    "/status", NULL, 0, &s->st,
					    &answered, &hint, &s->err);
			free(hint);
			s->mid_wall_ms = (int64_t)(wall0 +
						   (util_mono_ms() - mono0) /
						   2);
			if (s->rc == RC_OK && !json_is_object(s->st)) {
				json_decref(s->st);
				s->st = NULL;
				s->rc = err_set(&s->err, RC_CORRUPT, "%s: GET "
						"/status is not an object",
						addr);
			}
		}
		if (s->rc == RC_NOMEM)
			return err_set(e, RC_NOMEM, "out of memory");
		c->n_status++;
	}
	if (s->rc != RC_OK) {
		*e = s->err;
		return s->rc;
	}
	*st = s->st;
	*mid_wall_ms = s->mid_wall_ms;
	return RC_OK;
}

void client_forget_status(struct client *c)
{
	for (size_t i = 0; i < c->n_status; i++)
		json_decref(c->status[i].st);
	c->n_status = 0;
}

/* ---- descriptors -------------------------------------------------------- */

int client_desc(const json_t *j, struct desc *out, const char *what,
		struct err *e)
{
	int rc = desc_from_json(j, out, e);

	if (rc == RC_OK || rc == RC_NOMEM)
		return rc;
	return client_corrupt(e, "%s", what);
}
