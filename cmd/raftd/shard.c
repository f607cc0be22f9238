/*
 * shard.c -- splits, the meta client and the shard thread (see shard.h).
 */
#include "shard.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "jx.h"
#include "log.h"
#include "raft.h"
#include "raftwire.h"
#include "util.h"

#define SHARD_PERIOD_MS		500
#define SHARD_RETRY_MS		10000	/* after a failed split of a range */
#define SHARD_MAX_TRACKED	4096
#define META_TIMEOUT_MS		3000
#define GC_AFTER_MS		5000	/* leaderless this long: ask meta */
#define SHARD_MERGE_MAX		((size_t)16 << 20)	/* image bytes */
/*
 * A merge gives up unless its command is proposed within MERGE_BUDGET_MS
 * of the freeze; a range frozen THAW_AFTER_MS that meta still shows is a
 * merge that died, and is thawed.  The gap keeps a thaw from ever racing
 * a merge that is still going.
 */
#define MERGE_BUDGET_MS		20000
#define THAW_AFTER_MS		60000

struct published {
	uint64_t range_id;
	uint64_t generation;	/* last one written to meta */
	uint64_t retry_ms;	/* no split attempt before */
	uint64_t leaderless_ms;	/* since when no leader is known */
	uint64_t frozen_ms;	/* since when seen frozen (0: not) */
	uint64_t check_ms;	/* next frozen check */
};

struct shard {
	struct node *node;
	struct shard_opts o;
	pthread_t thread;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	struct published *pub;	/* thread only */
	size_t n_pub, cap_pub;
	int joined;		/* --join: registered with the cluster */
	uint64_t next_sync_ms;	/* node registry */
};


static int bytes_cmp(const void *a, size_t al, const void *b, size_t bl)
{
	size_t k = al < bl ? al : bl;
	int c = k ? memcmp(a, b, k) : 0;

	if (c != 0)
		return c;
	return al < bl ? -1 : al > bl;
}

/* ---- talking to the meta range's leader --------------------------------- */

/*
 * POST body to path on the meta range's leader (another node).  Tries the
 * leader this node knows of, else every member in turn: a member that
 * does not lead meta answers not_leader, and the next one is tried.
 */
static int meta_call(struct node *n, const char *method, const char *path,
		     json_t *body, json_t **out, struct err *e)
{
	const char *addr = NULL;
	uint64_t leader = node_leader(n, NODE_META_RANGE, &addr);
	struct http_client_opts ho = { 1000, META_TIMEOUT_MS, 0 };
	const char *tried[NODE_MAX_PEERS + 1];
	uint64_t ids[NODE_MAX_PEERS];
	size_t n_tried = 0, n_ids = node_member_ids(n, ids, NODE_MAX_PEERS);
	int rc = err_set(e, RC_UNAVAILABLE, "no leader of the meta range is "
			 "known; retry");

	if (leader != RAFT_NONE && addr != NULL)
		tried[n_tried++] = addr;
	for (size_t i = 0; i < n_ids && n_tried <= NODE_MAX_PEERS; i++) {
		const char *a = node_member_addr(n, ids[i]);

		if (a != NULL && ids[i] != node_id(n) &&
		    (addr == NULL || strcmp(a, addr) != 0))
			tried[n_tried++] = a;
	}
	for (size_t i = 0; i < n_tried; i++) {
		struct http_client *c = NULL;

		if (out != NULL)
			*out = NULL;
		rc = http_client_new(&c, tried[i], &ho, e);
		/* a node without meta must not pass it on again: no loops */
		if (rc == RC_OK)
			rc = http_client_add_header(c, SHARD_PROXIED_HEADER,
						    "1", e);
		if (rc == RC_OK)
			rc = http_client_json(c, method, path, body, out, e);
		http_client_free(c);
		if (rc == RC_OK || (rc != RC_NOT_LEADER &&
				    rc != RC_UNAVAILABLE && rc != RC_TIMEOUT))
			return rc;
	}
	return rc;
}

static int meta_is_local_leader(struct node *n)
{
	return node_leader(n, NODE_META_RANGE, NULL) == node_id(n);
}

int shard_meta_put(struct node *n, const struct desc *d, struct err *e)
{
	struct node_op op;
	char *dj = NULL;
	size_t dl = 0;
	json_t *j;
	int rc;

	if (meta_is_local_leader(n)) {
		if ((rc = desc_encode(d, &dj, &dl, e)) != RC_OK)
			return rc;
		memset(&op, 0, sizeof(op));
		op.kind = NODE_OP_DESC_PUT;
		op.val = dj;
		op.vlen = dl;
		rc = node_write(n, NODE_META_RANGE, &op, 1, NULL, e);
		free(dj);
		if (rc != RC_NOT_LEADER)
			return rc;
	}
	j = desc_to_json(d);
	if (j == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	rc = meta_call(n, "POST", "/meta/descriptor", j, NULL, e);
	json_decref(j);
	return rc;
}

int shard_alloc_range_id(struct node *n, uint64_t *id, struct err *e)
{
	unsigned char one[8];
	struct node_op op;
	uint64_t v = 0;
	json_t *out = NULL;
	int rc;

	if (meta_is_local_leader(n)) {
		util_put_be64(one, 1);
		memset(&op, 0, sizeof(op));
		op.kind = NODE_OP_INCR;
		op.key = DESC_META_COUNTER;
		op.klen = strlen(DESC_META_COUNTER);
		op.val = one;
		op.vlen = 8;
		rc = node_write(n, NODE_META_RANGE, &op, 1, &v, e);
		if (rc == RC_OK) {
			/* ids 1 and 2 exist from the start */
			*id = v + NODE_DATA_RANGE;
			return RC_OK;
		}
		if (rc != RC_NOT_LEADER)
			return rc;
	}
	rc = meta_call(n, "POST", "/meta/alloc-range-id", NULL, &out, e);
	if (rc == RC_OK)
		rc = jx_get_u64(out, "range_id", id, e);
	json_decref(out);
	return rc;
}

int shard_meta_get(struct node *n, const char *path, json_t **out,
		   struct err *e)
{
	return meta_call(n, "GET", path, NULL, out, e);
}

int shard_register_node(struct node *n, uint64_t id, const char *addr,
			struct err *e)
{
	unsigned char key[10];
	struct node_op op;
	json_t *j;
	char *txt;
	int rc;

	j = json_pack("{s:I, s:s}", "id", (json_int_t)id, "address", addr);
	if (j == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	if (meta_is_local_leader(n)) {
		txt = json_dumps(j, JSON_COMPACT);
		if (txt == NULL) {
			json_decref(j);
			return err_set(e, RC_NOMEM, "out of memory");
		}
		memcpy(key, DESC_META_NODE, 2);
		util_put_be64(key + 2, id);
		memset(&op, 0, sizeof(op));
		op.kind = NODE_OP_PUT;
		op.key = key;
		op.klen = sizeof(key);
		op.val = txt;
		op.vlen = strlen(txt);
		rc = node_write(n, NODE_META_RANGE, &op, 1, NULL, e);
		free(txt);
		if (rc != RC_NOT_LEADER) {
			json_decref(j);
			return rc;
		}
	}
	rc = meta_call(n, "POST", "/meta/nodes", j, NULL, e);
	json_decref(j);
	return rc;
}

/* Add every node in a {"nodes":[{"id","address"}...]} reply. */
static void add_nodes(struct node *n, const json_t *nodes)
{
	size_t i;
	json_t *v;
	struct err e;

	json_array_foreach(nodes, i, v) {
		uint64_t id;
		const char *addr;

		if (jx_get_u64(v, "id", &id, &e) != RC_OK ||
		    jx_get_str(v, "address", &addr, &e) != RC_OK)
			continue;
		if (node_add_member(n, id, addr, &e) != RC_OK)
			log_warn("msg=\"cannot add a node\" node=%" PRIu64
				 " error=\"%s\"", id, e.msg);
	}
}

/*
 * Learn the nodes in meta's registry: from this node's own meta replica
 * when it has one (a slightly stale read is fine), else from any member.
 */
static void sync_nodes(struct node *n)
{
	struct mvcc_scan_result res;
	struct desc d;
	struct err e;
	json_t *out = NULL;

	/* our own replica, if it is live (a removed one is stale) */
	if (node_range_desc(n, NODE_META_RANGE, &d, NULL) == RC_OK &&
	    desc_has_member(&d, node_id(n)) &&
	    node_leader(n, NODE_META_RANGE, NULL) != RAFT_NONE) {
		if (node_scan(n, NODE_META_RANGE, DESC_META_NODE, 2,
			      DESC_META_NODE_END, 2, 1000, &res, &e) != RC_OK) {
			mvcc_scan_result_release(&res);
			return;
		}
		for (size_t i = 0; i < res.n; i++) {
			json_t *v = json_loadb(res.items[i].val,
					       res.items[i].vlen, 0, NULL);
			json_t *arr = json_array();

			if (v != NULL && arr != NULL &&
			    json_array_append(arr, v) == 0)
				add_nodes(n, arr);
			json_decref(arr);
			json_decref(v);
		}
		mvcc_scan_result_release(&res);
		return;
	}
	if (meta_call(n, "GET", "/meta/nodes", NULL, &out, &e) == RC_OK)
		add_nodes(n, json_object_get(out, "nodes"));
	json_decref(out);
}

/* raftd --join ADDR: register with the cluster through ADDR, learn it. */
static int join_cluster(struct shard *s, struct err *e)
{
	struct http_client_opts ho = { 1000, META_TIMEOUT_MS, 0 };
	struct http_client *c = NULL;
	json_t *j, *out = NULL;
	int rc;

	j = json_pack("{s:I, s:s}", "id", (json_int_t)node_id(s->node),
		      "address", s->o.self_addr);
	if (j == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	rc = http_client_new(&c, s->o.join, &ho, e);
	if (rc == RC_OK)
		rc = http_client_json(c, "GET", "/meta/nodes", NULL, &out, e);
	if (rc == RC_OK)
		add_nodes(s->node, json_object_get(out, "nodes"));
	json_decref(out);
	/* through a member that knows the meta leader */
	if (rc == RC_OK)
		rc = shard_register_node(s->node, node_id(s->node),
					 s->o.self_addr, e);
	http_client_free(c);
	json_decref(j);
	return rc;
}

/* ---- reading meta (on the meta leader) ---------------------------------- */

/* PREFIX + key + NUL: just past the record of a range ending at key. */
static unsigned char *meta_seek(const void *key, size_t klen, size_t *len)
{
	unsigned char *s = malloc(klen + 3);

	if (s == NULL)
		return NULL;
	memcpy(s, DESC_META_PREFIX, 2);
	if (klen > 0)
		memcpy(s + 2, key, klen);
	s[2 + klen] = '\0';
	*len = klen + 3;
	return s;
}

int shard_meta_scan(struct node *n, const void *start, size_t slen,
		    size_t limit, json_t **out, struct err *e)
{
	struct mvcc_scan_result res;
	unsigned char *seek;
	size_t seeklen;
	json_t *ranges, *j;
	int rc;

	*out = NULL;
	if (start == NULL) {
		start = "";
		slen = 0;
	}
	seek = meta_seek(start, slen, &seeklen);
	if (seek == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	if (slen == 0)
		seeklen = 2;	/* from the very first descriptor */
	rc = node_scan(n, NODE_META_RANGE, seek, seeklen, DESC_META_END,
		       strlen(DESC_META_END), limit, &res, e);
	free(seek);
	if (rc != RC_OK) {
		mvcc_scan_result_release(&res);
		return rc;
	}
	ranges = json_array();
	j = json_object();
	if (ranges == NULL || j == NULL)
		goto nomem;
	for (size_t i = 0; i < res.n; i++) {
		struct desc d;
		struct err de;
		json_t *dj;

		if (desc_decode(res.items[i].val, res.items[i].vlen, &d,
				&de) != RC_OK) {
			log_warn("msg=\"bad descriptor in meta\" error=\"%s\"",
				 de.msg);
			continue;
		}
		dj = desc_to_json(&d);
		if (dj == NULL || json_array_append_new(ranges, dj) != 0)
			goto nomem;
	}
	json_object_set_new(j, "ranges", ranges);
	json_object_set_new(j, "more", json_boolean(res.more));
	mvcc_scan_result_release(&res);
	*out = j;
	return RC_OK;
nomem:
	json_decref(ranges);
	json_decref(j);
	mvcc_scan_result_release(&res);
	return err_set(e, RC_NOMEM, "out of memory");
}

int shard_meta_locate(struct node *n, const void *key, size_t klen,
		      struct desc *d, struct err *e)
{
	struct mvcc_scan_result res;
	unsigned char *seek;
	size_t seeklen;
	int rc;

	seek = meta_seek(key, klen, &seeklen);
	if (seek == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	rc = node_scan(n, NODE_META_RANGE, seek, seeklen, DESC_META_END,
		       strlen(DESC_META_END), 1, &res, e);
	free(seek);
	if (rc == RC_OK && res.n == 0)
		rc = err_set(e, RC_UNAVAILABLE, "meta has no range for the key "
			     "yet; retry");
	if (rc == RC_OK)
		rc = desc_decode(res.items[0].val, res.items[0].vlen, d, e);
	if (rc == RC_OK && !desc_contains(d, key, klen))
		rc = err_set(e, RC_UNAVAILABLE, "meta is catching up with a "
			     "split of range %" PRIu64 "; retry", d->range_id);
	mvcc_scan_result_release(&res);
	return rc;
}

/* ---- splitting ---------------------------------------------------------- */

/*
 * The approximate median of range d by size: the first key at which the
 * keys and values before it reach half the total.  Two passes over the
 * range, a page at a time.  RC_BAD_INPUT with fewer than two keys.
 */
static int median_key(struct node *n, const struct desc *d, void **key,
		      size_t *klen, struct err *e)
{
	struct mvcc_scan_result res;
	uint64_t total = 0, keys = 0, acc = 0;
	void *start = NULL;
	size_t slen = 0;
	int pass, rc = RC_OK, found = 0;

	*key = NULL;
	for (pass = 0; pass < 2 && !found; pass++) {
		free(start);
		start = NULL;
		slen = 0;
		for (;;) {
			rc = node_scan(n, d->range_id, start, slen, d->end,
				       d->end_len, 1000, &res, e);
			if (rc != RC_OK)
				break;
			for (size_t i = 0; i < res.n && !found; i++) {
				uint64_t sz = res.items[i].klen +
					      res.items[i].vlen;

				if (pass == 0) {
					total += sz;
					keys++;
					continue;
				}
				/* never the first key: the left half keeps
				 * at least one */
				if (acc > 0 && 2 * acc >= total) {
					*key = malloc(res.items[i].klen + 1);
					if (*key == NULL) {
						rc = err_set(e, RC_NOMEM, "out "
							     "of memory");
						break;
					}
					memcpy(*key, res.items[i].key,
					       res.items[i].klen);
					*klen = res.items[i].klen;
					found = 1;
				}
				acc += sz;
			}
			free(start);
			start = NULL;
			/* within this range only: stop at its end */
			if (rc != RC_OK || found || !res.more ||
			    (d->end_len > 0 && res.resume_klen == d->end_len &&
			     memcmp(res.resume_key, d->end, d->end_len) == 0))
				break;
			start = res.resume_key;
			slen = res.resume_klen;
			res.resume_key = NULL;
			mvcc_scan_result_release(&res);
		}
		mvcc_scan_result_release(&res);
		if (rc != RC_OK)
			break;
		if (pass == 0 && keys < 2) {
			rc = err_set(e, RC_BAD_INPUT, "range %" PRIu64 " has "
				     "%" PRIu64 " key%s: nothing to split",
				     d->range_id, keys, keys == 1 ? "" : "s");
			break;
		}
	}
	free(start);
	if (rc == RC_OK && !found)
		rc = err_set(e, RC_CONFLICT, "range %" PRIu64 " changed while "
			     "looking for its median key; retry",
			     d->range_id);
	if (rc != RC_OK) {
		free(*key);
		*key = NULL;
	}
	return rc;
}

int shard_split(struct node *n, uint64_t range_id, const void *key,
		size_t klen, struct desc *left, struct desc *right,
		struct err *e)
{
	unsigned char val[16];
	struct node_op op;
	struct desc d, l, r;
	void *mkey = NULL;
	uint64_t new_id = 0;
	struct err pe;
	int rc;

	if (range_id == NODE_META_RANGE)
		return err_set(e, RC_BAD_INPUT, "the meta range (range 1) "
			       "never splits");
	if ((rc = node_range_desc(n, range_id, &d, e)) != RC_OK)
		return rc;
	if (node_leader(n, range_id, NULL) != node_id(n))
		return err_set(e, RC_NOT_LEADER, "node %" PRIu64 " is not the "
			       "leader of range %" PRIu64, node_id(n),
			       range_id);
	if (key == NULL) {
		if ((rc = median_key(n, &d, &mkey, &klen, e)) != RC_OK)
			return rc;
		key = mkey;
		/* a long key: split at a prefix of it, still above start */
		if (klen > DESC_BOUND_MAX)
			klen = DESC_BOUND_MAX;
	}
	if (klen > DESC_BOUND_MAX) {
		rc = err_set(e, RC_BAD_INPUT, "a split key has at most %d "
			     "bytes", DESC_BOUND_MAX);
		goto out;
	}
	if (bytes_cmp(key, klen, d.start, d.start_len) <= 0 ||
	    !desc_contains(&d, key, klen)) {
		rc = err_set(e, RC_BAD_INPUT, "split key is not inside range "
			     "%" PRIu64 " (keys above its start, below its "
			     "end)", range_id);
		goto out;
	}
	if ((rc = shard_alloc_range_id(n, &new_id, e)) != RC_OK) {
		err_prefix(e, "allocating a range id");
		goto out;
	}
	util_put_be64(val, new_id);
	util_put_be64(val + 8, d.generation);
	memset(&op, 0, sizeof(op));
	op.kind = NODE_OP_SPLIT;
	op.key = key;
	op.klen = klen;
	op.val = val;
	op.vlen = sizeof(val);
	if ((rc = node_write(n, range_id, &op, 1, NULL, e)) != RC_OK)
		goto out;
	/* applied here: both halves exist on this node now */
	if ((rc = node_range_desc(n, range_id, &l, e)) != RC_OK ||
	    (rc = node_range_desc(n, new_id, &r, e)) != RC_OK)
		goto out;
	log_info("msg=\"split\" range=%" PRIu64 " new_range=%" PRIu64
		 " generation=%" PRIu64, range_id, new_id, l.generation);
	/* best effort: the shard thread writes them anyway */
	if (shard_meta_put(n, &l, &pe) != RC_OK ||
	    shard_meta_put(n, &r, &pe) != RC_OK)
		log_info("msg=\"meta update deferred\" range=%" PRIu64
			 " error=\"%s\"", range_id, pe.msg);
	if (left != NULL)
		*left = l;
	if (right != NULL)
		*right = r;
out:
	free(mkey);
	return rc;
}

/* ---- the shard thread --------------------------------------------------- */

static struct published *pub_find(struct shard *s, uint64_t id)
{
	struct published *p;

	for (size_t i = 0; i < s->n_pub; i++)
		if (s->pub[i].range_id == id)
			return &s->pub[i];
	if (s->n_pub >= SHARD_MAX_TRACKED)
		return NULL;
	if (s->n_pub == s->cap_pub) {
		size_t cap = s->cap_pub ? 2 * s->cap_pub : 64;

		p = realloc(s->pub, cap * sizeof(*p));
		if (p == NULL)
			return NULL;
		s->pub = p;
		s->cap_pub = cap;
	}
	p = &s->pub[s->n_pub++];
	memset(p, 0, sizeof(*p));
	p->range_id = id;
	return p;
}

/* The descriptor of the range holding key, from meta wherever it is. */
int shard_locate_any(struct node *n, const void *key, size_t klen,
		    struct desc *d, struct err *e)
{
	char *b64 = NULL, path[4200];
	size_t bl;
	json_t *out = NULL, *r;
	int rc;

	if (node_leader(n, NODE_META_RANGE, NULL) == node_id(n) &&
	    node_read_barrier(n, NODE_META_RANGE, e) == RC_OK)
		return shard_meta_locate(n, key, klen, d, e);
	if ((rc = raftwire_base64_encode(key, klen, &b64, &bl, e)) != RC_OK)
		return rc;
	/* base64 may hold '+', '/', '=': escape them for the query */
	{
		size_t o = 0;

		o = (size_t)snprintf(path, sizeof(path),
				     "/meta/locate?key_b64=");
		for (size_t i = 0; i < bl && o + 4 < sizeof(path); i++) {
			if (b64[i] == '+' || b64[i] == '/' || b64[i] == '=')
				o += (size_t)snprintf(path + o,
						      sizeof(path) - o,
						      "%%%02X",
						      (unsigned char)b64[i]);
			else
				path[o++] = b64[i];
		}
		path[o] = '\0';
	}
	free(b64);
	rc = meta_call(n, "GET", path, NULL, &out, e);
	if (rc == RC_OK) {
		r = json_object_get(out, "range");
		rc = desc_from_json(r, d, e);
	}
	json_decref(out);
	return rc;
}

/*
 * A replica that has heard of no leader for GC_AFTER_MS: if meta holds a
 * newer descriptor of its range without this node (it was removed while
 * away and never learnt it), or a newer range covering its span (merged
 * away), drop it.
 */
static void replica_gc(struct shard *s, const struct desc *d)
{
	struct node *n = s->node;
	struct desc m;
	struct err e;

	if (shard_locate_any(n, d->start, d->start_len, &m, &e) != RC_OK) {
		log_debug("msg=\"replica check: meta unreachable\" range=%"
			  PRIu64 " error=\"%s\"", d->range_id, e.msg);
		return;
	}
	if (m.range_id == d->range_id) {
		/* removed: meta, at least as new as we are, omits us */
		if (desc_has_member(&m, node_id(n)) ||
		    m.generation < d->generation ||
		    (m.generation == d->generation &&
		     desc_has_member(d, node_id(n))))
			return;
	} else if (m.generation <= d->generation ||
		   !desc_contains(&m, d->start, d->start_len)) {
		return;		/* merged away: a newer range covers us */
	}
	log_info("msg=\"removing a stale replica\" range=%" PRIu64
		 " generation=%" PRIu64 " meta_range=%" PRIu64
		 " meta_generation=%" PRIu64, d->range_id, d->generation,
		 m.range_id, m.generation);
	if (node_remove_replica(n, d->range_id, m.generation, &e) != RC_OK)
		log_warn("msg=\"cannot remove a stale replica\" range=%"
			 PRIu64 " error=\"%s\"", d->range_id, e.msg);
}

/*
 * A voter of d (led here) that has not answered for dead_ms: move its
 * replica to a node that answers and has none of d; spread by range id.
 */
static int replace_dead(struct shard *s, const struct desc *d, struct err *e)
{
	struct node *n = s->node;
	uint64_t ids[NODE_MAX_PEERS], cand[NODE_MAX_PEERS], dead = 0;
	size_t k = node_member_ids(n, ids, NODE_MAX_PEERS), nc = 0;

	for (size_t i = 0; i < d->n_replicas && dead == 0; i++)
		if (d->replicas[i] != node_id(n) &&
		    node_peer_down_ms(n, d->replicas[i]) >= s->o.dead_ms)
			dead = d->replicas[i];
	if (dead == 0)
		return RC_OK;
	for (size_t i = 0; i < k; i++)
		if (!desc_has_replica(d, ids[i]) &&
		    node_peer_down_ms(n, ids[i]) == 0)
			cand[nc++] = ids[i];
	if (nc == 0) {
		log_debug("msg=\"no node to replace a dead replica on\" "
			  "range=%" PRIu64 " dead=%" PRIu64, d->range_id,
			  dead);
		return RC_OK;
	}
	/* a learner already being added wins; else spread by range id */
	{
		uint64_t to = cand[d->range_id % nc];

		for (size_t i = 0; i < d->n_learners; i++)
			for (size_t c = 0; c < nc; c++)
				if (cand[c] == d->learners[i])
					to = cand[c];
		log_info("msg=\"replacing a dead replica\" range=%" PRIu64
			 " dead=%" PRIu64 " to=%" PRIu64, d->range_id, dead,
			 to);
		return shard_move(n, d->range_id, dead, to, e);
	}
}

/*
 * A range frozen for a while: if meta shows a newer range over its span,
 * it was merged and its retire was lost: drop it here.  If meta still
 * shows this range, the merge died before its command: the leader thaws
 * it so it takes writes again.
 */
static void frozen_check(struct shard *s, const struct desc *d, int leader)
{
	struct node *n = s->node;
	unsigned char val[9];
	struct node_op op;
	struct desc m;
	struct err e;

	if (shard_locate_any(n, d->start, d->start_len, &m, &e) != RC_OK)
		return;
	if (m.range_id != d->range_id) {
		replica_gc(s, d);
		return;
	}
	if (!leader || m.generation != d->generation)
		return;
	util_put_be64(val, d->generation);
	val[8] = 0;
	memset(&op, 0, sizeof(op));
	op.kind = NODE_OP_FREEZE;
	op.val = val;
	op.vlen = sizeof(val);
	log_warn("msg=\"thawing a range left frozen by a failed merge\" "
		 "range=%" PRIu64, d->range_id);
	if (node_write(n, d->range_id, &op, 1, NULL, &e) != RC_OK)
		log_warn("msg=\"cannot thaw\" range=%" PRIu64 " error=\"%s\"",
			 d->range_id, e.msg);
}

/* One pass over the ranges this node leads. */
static void shard_pass(struct shard *s)
{
	struct node *n = s->node;
	size_t count = node_range_count(n);
	uint64_t now = util_mono_ms();

	for (size_t i = 0; i < count; i++) {
		struct node_range_status st;
		struct published *p;
		struct desc d;
		struct err e;
		const char *why = NULL;

		if (node_range_status(n, i, &st) != RC_OK)
			continue;
		if (node_range_desc(n, st.range_id, &d, &e) != RC_OK)
			continue;
		p = pub_find(s, st.range_id);
		if (p == NULL)
			continue;
		if (!d.frozen) {
			p->frozen_ms = 0;
		} else if (p->frozen_ms == 0) {
			p->frozen_ms = now;
		} else if (now - p->frozen_ms >= GC_AFTER_MS &&
			   now >= p->check_ms) {
			p->check_ms = now + GC_AFTER_MS;
			/* merged away (retire lost)? or a merge that died
			 * half way (then its leader thaws it) */
			frozen_check(s, &d, st.role == RAFT_LEADER &&
				     now - p->frozen_ms >= THAW_AFTER_MS);
			continue;
		}
		if (st.role != RAFT_LEADER) {
			/*
			 * Suspect: no leader heard of, or our own copy of
			 * the descriptor says we were removed (a removed
			 * replica may go on believing in its old leader).
			 */
			if (st.leader != RAFT_NONE &&
			    desc_has_member(&d, node_id(n))) {
				p->leaderless_ms = 0;
			} else if (p->leaderless_ms == 0) {
				p->leaderless_ms = now;
			} else if (now - p->leaderless_ms >= GC_AFTER_MS) {
				p->leaderless_ms = now;
				replica_gc(s, &d);
			}
			continue;
		}
		p->leaderless_ms = 0;
		if (now >= p->retry_ms && replace_dead(s, &d, &e) != RC_OK) {
			log_warn("msg=\"cannot replace a dead replica\" "
				 "range=%" PRIu64 " error=\"%s\"", d.range_id,
				 e.msg);
			p->retry_ms = now + SHARD_RETRY_MS;
			continue;
		}
		if (p->generation < d.generation) {
			if (shard_meta_put(n, &d, &e) == RC_OK)
				p->generation = d.generation;
			else
				log_debug("msg=\"cannot update meta\" range=%"
					  PRIu64 " error=\"%s\"", d.range_id,
					  e.msg);
		}
		if (!s->o.auto_split || now < p->retry_ms ||
		    st.range_id == NODE_META_RANGE)	/* never splits */
			continue;
		if (st.size_bytes >= s->o.split_bytes)
			why = "size";
		else if (st.hot_s * 1000.0 >= (double)s->o.split_qps_ms)
			why = "load";
		if (why == NULL)
			continue;
		log_info("msg=\"splitting\" range=%" PRIu64 " reason=%s "
			 "size_bytes=%" PRIu64 " qps=%.0f", st.range_id, why,
			 st.size_bytes, st.qps);
		if (shard_split(n, st.range_id, NULL, 0, NULL, NULL, &e) !=
		    RC_OK) {
			log_warn("msg=\"automatic split failed\" range=%"
				 PRIu64 " error=\"%s\"", st.range_id, e.msg);
			p->retry_ms = now + SHARD_RETRY_MS;
		} else {
			/* let the size counts catch up before the next one */
			p->retry_ms = now + 2 * SHARD_PERIOD_MS;
		}
	}
}

static void *shard_main(void *arg)
{
	struct shard *s = arg;
	struct timespec ts;
	struct err e;

	pthread_setname_np(pthread_self(), "raftd-shard");

	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		pthread_mutex_unlock(&s->mu);
		if (s->o.join != NULL && !s->joined) {
			if (join_cluster(s, &e) == RC_OK) {
				s->joined = 1;
				log_info("msg=\"joined the cluster\" via=%s",
					 s->o.join);
			} else {
				log_warn("msg=\"cannot join yet\" via=%s "
					 "error=\"%s\"", s->o.join, e.msg);
			}
		}
		if (util_mono_ms() >= s->next_sync_ms) {
			sync_nodes(s->node);
			s->next_sync_ms = util_mono_ms() + 2000;
		}
		shard_pass(s);
		pthread_mutex_lock(&s->mu);
		if (s->stop)
			break;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += SHARD_PERIOD_MS * 1000000L;
		while (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->cv, &s->mu, &ts);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

int shard_start(struct shard **out, struct node *n,
		const struct shard_opts *o, struct err *e)
{
	struct shard *s = calloc(1, sizeof(*s));
	pthread_condattr_t ca;

	*out = NULL;
	if (s == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	s->node = n;
	s->o = *o;
	if (s->o.split_bytes == 0)
		s->o.split_bytes = (uint64_t)64 << 20;
	if (s->o.split_qps <= 0)
		s->o.split_qps = 10000;
	if (s->o.split_qps_ms == 0)
		s->o.split_qps_ms = 60000;
	if (s->o.dead_ms == 0)
		s->o.dead_ms = 300000;
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&s->thread, NULL, shard_main, s) != 0) {
		shard_stop(s);
		return err_set(e, RC_NOMEM, "cannot start the shard thread");
	}
	s->started = 1;
	*out = s;
	return RC_OK;
}

void shard_stop(struct shard *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	if (s->started)
		pthread_join(s->thread, NULL);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s->pub);
	free(s);
}

/* ---- moving replicas ---------------------------------------------------- */

/* POST the descriptor to node `to`'s /admin/replica: create it there. */
static int ask_create(struct node *n, uint64_t to, const struct desc *d,
		      struct err *e)
{
	const char *addr = node_member_addr(n, to);
	struct http_client_opts ho = { 1000, META_TIMEOUT_MS, 0 };
	struct http_client *c = NULL;
	json_t *j;
	int rc;

	if (addr == NULL)
		return err_set(e, RC_BAD_INPUT, "node %" PRIu64 " is not a "
			       "member of the cluster", to);
	j = desc_to_json(d);
	if (j == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	rc = http_client_new(&c, addr, &ho, e);
	if (rc == RC_OK)
		rc = http_client_json(c, "POST", "/admin/replica", j, NULL, e);
	http_client_free(c);
	json_decref(j);
	if (rc != RC_OK)
		err_prefix(e, "creating a replica of range %" PRIu64 " on node "
			   "%" PRIu64, d->range_id, to);
	return rc;
}

/* The status of range_id on this node. */
static int range_status_of(struct node *n, uint64_t range_id,
			   struct node_range_status *st)
{
	size_t count = node_range_count(n);

	for (size_t i = 0; i < count; i++)
		if (node_range_status(n, i, st) == RC_OK &&
		    st->range_id == range_id)
			return RC_OK;
	return RC_NOT_FOUND;
}

/* Wait until node `to` has every entry this leader had committed. */
static int wait_caught_up(struct node *n, uint64_t range_id, uint64_t to,
			  uint64_t timeout_ms, struct err *e)
{
	uint64_t deadline = util_mono_ms() + timeout_ms, target = 0;
	struct node_range_status st;

	while (util_mono_ms() < deadline) {
		if (range_status_of(n, range_id, &st) != RC_OK)
			return err_set(e, RC_NOT_FOUND, "range %" PRIu64 " is "
				       "gone from this node", range_id);
		if (st.role != RAFT_LEADER)
			return err_set(e, RC_NOT_LEADER, "node %" PRIu64 " lost "
				       "the lead of range %" PRIu64 " while "
				       "moving a replica", node_id(n),
				       range_id);
		if (target == 0)
			target = st.commit;
		for (size_t i = 0; i < st.n_progress; i++)
			if (st.progress[i].id == to &&
			    st.progress[i].match >= target)
				return RC_OK;
		usleep(50000);
	}
	return err_set(e, RC_TIMEOUT, "node %" PRIu64 " did not catch up "
		       "with range %" PRIu64 " within %" PRIu64 " ms", to,
		       range_id, timeout_ms);
}

/* Compact range_id's log here now; wait until the snapshot covers it. */
static int compact_for_move(struct node *n, uint64_t range_id,
			    struct err *e)
{
	struct node_range_status st;
	uint64_t deadline = util_mono_ms() + 20000, target;
	int rc;

	if ((rc = range_status_of(n, range_id, &st)) != RC_OK)
		return err_set(e, RC_NOT_FOUND, "no range %" PRIu64 " here",
			       range_id);
	target = st.applied;
	/* index 1 is a bootstrap's empty snapshot, not an image */
	if (st.snapshot_index > 1 && st.snapshot_index + 1000 >= target)
		return RC_OK;	/* recent enough: the rest is log */
	if ((rc = node_compact(n, range_id, e)) != RC_OK)
		return rc;
	while (util_mono_ms() < deadline) {
		if (range_status_of(n, range_id, &st) != RC_OK)
			break;
		if (st.snapshot_index >= target)
			return RC_OK;
		usleep(20000);
	}
	return err_set(e, RC_TIMEOUT, "range %" PRIu64 " was not compacted "
		       "in time to send a new replica a snapshot; retry",
		       range_id);
}

/* Hand range_id's lead to a voter other than `avoid` and self. */
static int lead_elsewhere(struct node *n, const struct desc *d,
			  uint64_t avoid, struct err *e)
{
	uint64_t deadline;

	for (size_t i = 0; i < d->n_replicas; i++) {
		uint64_t v = d->replicas[i];

		if (v == avoid || v == node_id(n))
			continue;
		if (node_transfer_leader(n, d->range_id, v, e) != RC_OK)
			continue;
		deadline = util_mono_ms() + NODE_WAIT_MS;
		while (util_mono_ms() < deadline) {
			if (node_leader(n, d->range_id, NULL) == v)
				return RC_OK;
			usleep(20000);
		}
	}
	return err_set(e, RC_UNAVAILABLE, "could not hand the lead of range "
		       "%" PRIu64 " to another replica; retry", d->range_id);
}

int shard_move(struct node *n, uint64_t range_id, uint64_t from, uint64_t to,
	       struct err *e)
{
	struct desc d;
	int rc;

	if ((rc = node_range_desc(n, range_id, &d, e)) != RC_OK)
		return rc;
	if (node_leader(n, range_id, NULL) != node_id(n))
		return err_set(e, RC_NOT_LEADER, "node %" PRIu64 " is not the "
			       "leader of range %" PRIu64, node_id(n),
			       range_id);
	if (from == to)
		return err_set(e, RC_BAD_INPUT, "--from and --to are the same "
			       "node");
	if (node_member_addr(n, to) == NULL)
		return err_set(e, RC_BAD_INPUT, "node %" PRIu64 " is not a "
			       "member of the cluster", to);
	if (node_member_addr(n, from) == NULL)
		return err_set(e, RC_BAD_INPUT, "node %" PRIu64 " is not a "
			       "member of the cluster", from);
	/* from gone and to a voter: a finished move, nothing to do */
	if (!desc_has_replica(&d, from) && !desc_has_replica(&d, to))
		return err_set(e, RC_BAD_INPUT, "node %" PRIu64 " has no "
			       "replica of range %" PRIu64, from, range_id);
	if (desc_has_replica(&d, from) && from == node_id(n)) {
		/* the leader does not remove itself: lead from elsewhere */
		if ((rc = lead_elsewhere(n, &d, to, e)) != RC_OK)
			return rc;
		return err_set(e, RC_NOT_LEADER, "node %" PRIu64 " handed the "
			       "lead of range %" PRIu64 " away to move its own "
			       "replica; ask the new leader", node_id(n),
			       range_id);
	}
	/*
	 * 0. a snapshot to send: an empty replica starts from one, never by
	 * replaying the log from its start (see node.c)
	 */
	if (!desc_has_member(&d, to) &&
	    (rc = compact_for_move(n, range_id, e)) != RC_OK)
		return rc;
	/* 1. learner (unless it is one, or a voter already) */
	if (!desc_has_member(&d, to) &&
	    (rc = node_change_replicas(n, range_id, RAFT_CONF_ADD_LEARNER,
				       to, e)) != RC_OK)
		return err_prefix(e, "adding node %" PRIu64 " as a learner",
				  to);
	/* 2. an empty replica there, caught up by snapshot */
	if ((rc = node_range_desc(n, range_id, &d, e)) != RC_OK)
		return rc;
	if (!desc_has_replica(&d, to)) {
		if ((rc = ask_create(n, to, &d, e)) != RC_OK)
			return rc;
		if ((rc = wait_caught_up(n, range_id, to, 60000, e)) != RC_OK)
			return rc;
		/* 3. promote */
		if ((rc = node_change_replicas(n, range_id,
					       RAFT_CONF_ADD_VOTER, to, e)) !=
		    RC_OK)
			return err_prefix(e, "promoting node %" PRIu64, to);
	}
	/* 4. remove the old replica */
	if ((rc = node_range_desc(n, range_id, &d, e)) != RC_OK)
		return rc;
	if (desc_has_member(&d, from) &&
	    (rc = node_change_replicas(n, range_id, RAFT_CONF_REMOVE, from,
				       e)) != RC_OK)
		return err_prefix(e, "removing node %" PRIu64, from);
	log_info("msg=\"replica moved\" range=%" PRIu64 " from=%" PRIu64
		 " to=%" PRIu64, range_id, from, to);
	return RC_OK;
}

/* ---- merging ------------------------------------------------------------ */

/*
 * A JSON request to the leader of range d, wherever it is: each replica in
 * turn (a follower answers not_leader and the next one is tried).
 */
static int range_call(struct node *n, const struct desc *d,
		      const char *method, const char *path, json_t *body,
		      json_t **out, struct err *e)
{
	struct http_client_opts ho = { 1000, NODE_WAIT_MS + 3000, 0 };
	int rc = err_set(e, RC_UNAVAILABLE, "range %" PRIu64 " has no "
			 "replica this node can reach", d->range_id);

	for (size_t i = 0; i < d->n_replicas; i++) {
		const char *addr = node_member_addr(n, d->replicas[i]);
		struct http_client *c = NULL;

		if (addr == NULL)
			continue;
		if (out != NULL)
			*out = NULL;
		rc = http_client_new(&c, addr, &ho, e);
		if (rc == RC_OK)
			rc = http_client_json(c, method, path, body, out, e);
		http_client_free(c);
		if (rc == RC_OK || (rc != RC_NOT_LEADER &&
				    rc != RC_UNAVAILABLE && rc != RC_TIMEOUT))
			return rc;
	}
	return rc;
}

/* The frozen image of range d from its leader (GET /admin/image). */
static int range_image(struct node *n, const struct desc *d, void **img,
		       size_t *len, struct err *e)
{
	struct http_client_opts ho = { 1000, NODE_WAIT_MS + 3000,
				       SHARD_MERGE_MAX + 4096 };
	char path[64];
	int rc = err_set(e, RC_UNAVAILABLE, "no replica of range %" PRIu64
			 " gave its image", d->range_id);

	snprintf(path, sizeof(path), "/admin/image?range_id=%" PRIu64,
		 d->range_id);
	for (size_t i = 0; i < d->n_replicas; i++) {
		const char *addr = node_member_addr(n, d->replicas[i]);
		struct http_client *c = NULL;
		char *body = NULL;
		size_t bl = 0;
		int status = 0;

		if (addr == NULL)
			continue;
		rc = http_client_new(&c, addr, &ho, e);
		if (rc == RC_OK)
			rc = http_client_do(c, "GET", path, NULL, NULL, 0,
					    &status, &body, &bl, e);
		http_client_free(c);
		if (rc == RC_OK && status == 200) {
			*img = body;
			*len = bl;
			return RC_OK;
		}
		if (rc == RC_OK) {
			char ex[200];

			http_excerpt(body, bl, ex, sizeof(ex));
			rc = err_set(e, status == 413 ? RC_TOO_LARGE :
				     RC_UNAVAILABLE, "%s answered GET %s with "
				     "HTTP %d: %s", addr, path, status, ex);
			if (status == 413)
				i = d->n_replicas;	/* final */
		}
		free(body);
	}
	return rc;
}

static json_t *gen_body(const struct desc *d, int on)
{
	return on < 0 ? json_pack("{s:I, s:I}", "range_id",
				  (json_int_t)d->range_id, "generation",
				  (json_int_t)d->generation) :
		json_pack("{s:I, s:I, s:b}", "range_id",
			  (json_int_t)d->range_id, "generation",
			  (json_int_t)d->generation, "frozen", on);
}

int shard_merge(struct node *n, uint64_t range_id, struct desc *merged,
		struct err *e)
{
	unsigned char *key = NULL;
	struct node_op op;
	struct desc l, r;
	void *img = NULL;
	size_t img_len = 0;
	char *rj = NULL;
	size_t rl = 0;
	json_t *body;
	struct err ue;
	uint64_t t0;
	int rc, frozen = 0;

	if (range_id == NODE_META_RANGE)
		return err_set(e, RC_BAD_INPUT, "the meta range never merges");
	if ((rc = node_range_desc(n, range_id, &l, e)) != RC_OK)
		return rc;
	if (node_leader(n, range_id, NULL) != node_id(n))
		return err_set(e, RC_NOT_LEADER, "node %" PRIu64 " is not the "
			       "leader of range %" PRIu64, node_id(n),
			       range_id);
	if (l.end_len == 0)
		return err_set(e, RC_BAD_INPUT, "range %" PRIu64 " is the last "
			       "range: it has no right neighbour to merge",
			       range_id);
	if ((rc = shard_locate_any(n, l.end, l.end_len, &r, e)) != RC_OK)
		return err_prefix(e, "finding the right neighbour");
	if (r.start_len != l.end_len || memcmp(r.start, l.end, l.end_len))
		return err_set(e, RC_UNAVAILABLE, "meta does not show range %"
			       PRIu64 "'s right neighbour yet; retry",
			       range_id);
	/* 1. freeze the right neighbour: no more writes there */
	body = gen_body(&r, 1);
	rc = body ? range_call(n, &r, "POST", "/admin/freeze", body, NULL, e)
		: err_set(e, RC_NOMEM, "out of memory");
	json_decref(body);
	if (rc != RC_OK)
		return err_prefix(e, "freezing range %" PRIu64, r.range_id);
	frozen = 1;
	t0 = util_mono_ms();
	/* 2. its image, final now */
	if ((rc = range_image(n, &r, &img, &img_len, e)) != RC_OK)
		goto fail;
	/* 3. one command in our log takes its keys and span */
	if ((rc = desc_encode(&r, &rj, &rl, e)) != RC_OK)
		goto fail;
	key = malloc(8 + rl);
	if (key == NULL) {
		rc = err_set(e, RC_NOMEM, "out of memory");
		goto fail;
	}
	util_put_be64(key, l.generation);
	memcpy(key + 8, rj, rl);
	memset(&op, 0, sizeof(op));
	op.kind = NODE_OP_MERGE;
	op.key = key;
	op.klen = 8 + rl;
	op.val = img;
	op.vlen = img_len;
	if (util_mono_ms() - t0 > MERGE_BUDGET_MS) {
		rc = err_set(e, RC_TIMEOUT, "merge of range %" PRIu64 " took "
			     "too long; retry", range_id);
		goto fail;
	}
	if ((rc = node_write(n, range_id, &op, 1, NULL, e)) != RC_OK) {
		/* refused: R can thaw; outcome unknown (timeout, lost
		 * lead): leave R frozen, the shard thread settles it */
		if (rc != RC_CONFLICT && rc != RC_BAD_INPUT &&
		    rc != RC_TOO_LARGE)
			frozen = 0;
		goto fail;
	}
	frozen = 0;	/* done: no going back */
	if ((rc = node_range_desc(n, range_id, &l, e)) != RC_OK)
		goto out;
	log_info("msg=\"merged\" range=%" PRIu64 " absorbed=%" PRIu64
		 " generation=%" PRIu64 " bytes=%zu", range_id, r.range_id,
		 l.generation, img_len);
	if (shard_meta_put(n, &l, &ue) != RC_OK)
		log_info("msg=\"meta update deferred\" range=%" PRIu64
			 " error=\"%s\"", range_id, ue.msg);
	/* 4. the old range drops itself (else its replicas find meta) */
	body = gen_body(&r, -1);
	if (body == NULL ||
	    range_call(n, &r, "POST", "/admin/retire", body, NULL, &ue) !=
	    RC_OK)
		log_info("msg=\"retire deferred\" range=%" PRIu64 " error=\"%s\"",
			 r.range_id, body ? ue.msg : "out of memory");
	json_decref(body);
	if (merged != NULL)
		*merged = l;
	goto out;
fail:
	if (frozen) {
		body = gen_body(&r, 0);
		if (body == NULL || range_call(n, &r, "POST", "/admin/freeze",
					       body, NULL, &ue) != RC_OK)
			log_warn("msg=\"cannot unfreeze after a failed "
				 "merge\" range=%" PRIu64, r.range_id);
		json_decref(body);
	}
out:
	free(key);
	free(rj);
	free(img);
	return rc;
}
