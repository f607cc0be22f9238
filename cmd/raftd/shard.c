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

#include "http.h"
#include "jx.h"
#include "log.h"
#include "raft.h"
#include "util.h"

#define SHARD_PERIOD_MS		500
#define SHARD_RETRY_MS		10000	/* after a failed split of a range */
#define SHARD_MAX_TRACKED	4096
#define META_TIMEOUT_MS		3000

struct published {
	uint64_t range_id;
	uint64_t generation;	/* last one written to meta */
	uint64_t retry_ms;	/* no split attempt before */
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
};

static void put_be64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

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
static int meta_post(struct node *n, const char *path, json_t *body,
		     json_t **out, struct err *e)
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
		if (rc == RC_OK)
			rc = http_client_json(c, "POST", path, body, out, e);
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
	rc = meta_post(n, "/meta/descriptor", j, NULL, e);
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
		put_be64(one, 1);
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
	rc = meta_post(n, "/meta/alloc-range-id", NULL, &out, e);
	if (rc == RC_OK)
		rc = jx_get_u64(out, "range_id", id, e);
	json_decref(out);
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
		json_t *dj;

		if (desc_decode(res.items[i].val, res.items[i].vlen, &d, e) !=
		    RC_OK) {
			log_warn("msg=\"bad descriptor in meta\" error=\"%s\"",
				 e->msg);
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
		rc = err_set(e, RC_NOT_FOUND, "meta has no range for the key "
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
	put_be64(val, new_id);
	put_be64(val + 8, d.generation);
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

		if (node_range_status(n, i, &st) != RC_OK ||
		    st.role != RAFT_LEADER ||
		    st.range_id == NODE_META_RANGE)
			continue;
		if (node_range_desc(n, st.range_id, &d, &e) != RC_OK)
			continue;
		p = pub_find(s, st.range_id);
		if (p == NULL)
			continue;
		if (p->generation < d.generation) {
			if (shard_meta_put(n, &d, &e) == RC_OK)
				p->generation = d.generation;
			else
				log_debug("msg=\"cannot update meta\" range=%"
					  PRIu64 " error=\"%s\"", d.range_id,
					  e.msg);
		}
		if (!s->o.auto_split || now < p->retry_ms)
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

	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		pthread_mutex_unlock(&s->mu);
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
