/*
 * chkmono.c -- the monotonic checker (see chkmono.h).  Writes are indexed
 * by (key, seq); each process's ok reads are replayed in order keeping
 * the max value read per key and overall.  Tested in
 * t/unit/checker_test.c.
 */
#include "chkmono.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define NULL_SEQ	INT64_MIN	/* a read of an absent key */

struct wr {
	uint32_t key;
	int64_t seq;
	int64_t pos;		/* invoke line */
	size_t id;
};

struct ctx {
	const struct hist *h;
	struct chkmono_result *r;
	const char **keys;	/* sorted, distinct */
	size_t n_keys;
	struct wr *known;	/* writes with a known seq, by (key, seq) */
	size_t n_known;
	struct wr *ok;		/* ok writes, by (key, seq) */
	size_t n_ok;
	int64_t *ok_seqs;	/* every ok seq, sorted */
	int64_t *wild;		/* key: first info write of no seq */
	uint32_t *op_key;	/* hist op id -> key index */
	int64_t *op_val;	/* hist op id -> value (reads, writes) */
};

const char *chkmono_kind_name(enum chkmono_kind k)
{
	static const char *names[CHKMONO__KINDS] = {
		"backwards", "stale", "phantom", "duplicate"
	};

	return k < CHKMONO__KINDS ? names[k] : "?";
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int wr_cmp(const void *a, const void *b)
{
	const struct wr *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int i64_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int read_cmp(const void *a, const void *b, void *arg)
{
	const struct hist *h = arg;
	const struct hist_op *x = &h->ops[*(const size_t *)a];
	const struct hist_op *y = &h->ops[*(const size_t *)b];

	if (x->p != y->p)
		return x->p < y->p ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* First element of w[0..n-1] (sorted) not below (key, seq). */
static size_t wr_lower(const struct wr *w, size_t n, uint32_t key,
		       int64_t seq)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (w[mid].key < key ||
		    (w[mid].key == key && w[mid].seq < seq))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void found(struct chkmono_result *r, enum chkmono_kind k,
		  int64_t pos, size_t read, size_t earlier, size_t write)
{
	struct chkmono_violation *v = &r->v[k];

	v->count++;
	if (pos >= v->pos)
		return;
	v->pos = pos;
	v->read = read;
	v->earlier = earlier;
	v->write = write;
}

static uint32_t key_index(const struct ctx *c, const char *k)
{
	size_t lo = 0, hi = c->n_keys;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(c->keys[mid], k) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (uint32_t)lo;
}

/* Validate the ops, count them, find the keys and values. */
static int scan(struct ctx *c, struct err *e)
{
	const struct hist *h = c->h;
	size_t i, n = 0;

	for (i = 0; i < h->n_ops; i++) {
		const struct hist_op *op = &h->ops[i];
		int is_read = strcmp(op->f, "read") == 0;
		const json_t *v;

		if (!is_read && strcmp(op->f, "write") != 0)
			return hist_op_bad(h, op, e, "unknown monotonic op "
					   "(expected read or write)");
		if (op->k == NULL)
			return hist_op_bad(h, op, e, "a monotonic op needs a "
					   "key \"k\"");
		c->keys[n++] = op->k;
		(is_read ? c->r->reads : c->r->writes)[op->status]++;
		c->op_val[i] = NULL_SEQ;
		v = op->result != NULL && !json_is_null(op->result) ?
		    op->result : op->value;
		if (op->status == HIST_FAIL)
			continue;
		if (is_read && op->status == HIST_OK) {
			if (op->result != NULL && json_is_integer(op->result))
				c->op_val[i] = json_integer_value(op->result);
		} else if (!is_read) {
			if (v != NULL && json_is_integer(v))
				c->op_val[i] = json_integer_value(v);
			else if (op->status == HIST_OK)
				return hist_op_bad(h, op, e, "an ok write's "
						   "\"v\" must be the integer "
						   "seq it wrote");
		}
	}
	qsort(c->keys, n, sizeof(*c->keys), str_cmp);
	c->n_keys = 0;
	for (i = 0; i < n; i++)
		if (c->n_keys == 0 || strcmp(c->keys[c->n_keys - 1],
					     c->keys[i]) != 0)
			c->keys[c->n_keys++] = c->keys[i];
	c->r->n_keys = c->n_keys;
	return RC_OK;
}

static int index_writes(struct ctx *c)
{
	const struct hist *h = c->h;
	size_t i;

	c->wild = malloc((c->n_keys + 1) * sizeof(*c->wild));
	if (c->wild == NULL)
		return RC_NOMEM;
	for (i = 0; i < c->n_keys; i++)
		c->wild[i] = INT64_MAX;
	for (i = 0; i < h->n_ops; i++) {
		const struct hist_op *op = &h->ops[i];
		struct wr w;

		c->op_key[i] = key_index(c, op->k);
		if (strcmp(op->f, "write") != 0 || op->status == HIST_FAIL)
			continue;
		w.key = c->op_key[i];
		w.seq = c->op_val[i];
		w.pos = op->pos_invoke;
		w.id = i;
		if (w.seq == NULL_SEQ) {
			if (op->pos_invoke < c->wild[w.key])
				c->wild[w.key] = op->pos_invoke;
			continue;
		}
		c->known[c->n_known++] = w;
		if (op->status == HIST_OK) {
			c->ok_seqs[c->n_ok] = w.seq;
			c->ok[c->n_ok++] = w;
		}
	}
	qsort(c->known, c->n_known, sizeof(*c->known), wr_cmp);
	qsort(c->ok, c->n_ok, sizeof(*c->ok), wr_cmp);
	qsort(c->ok_seqs, c->n_ok, sizeof(*c->ok_seqs), i64_cmp);
	return RC_OK;
}

static int check_duplicates(struct ctx *c)
{
	const struct hist *h = c->h;
	struct wr *w = malloc((c->n_ok + 1) * sizeof(*w));
	size_t i;

	/* by seq alone: sort a copy with every key mapped to 0 */
	if (w == NULL)
		return RC_NOMEM;
	for (i = 0; i < c->n_ok; i++) {
		w[i] = c->ok[i];
		w[i].key = 0;
		w[i].pos = h->ops[w[i].id].pos_complete;
	}
	qsort(w, c->n_ok, sizeof(*w), wr_cmp);
	for (i = 1; i < c->n_ok; i++)
		if (w[i].seq == w[i - 1].seq)
			found(c->r, CHKMONO_DUPLICATE, w[i].pos, w[i].id,
			      w[i - 1].id, SIZE_MAX);
	free(w);
	return RC_OK;
}

/* Could some write have produced value v of key k before pos? */
static int written(const struct ctx *c, uint32_t k, int64_t v, int64_t pos)
{
	size_t j = wr_lower(c->known, c->n_known, k, v);

	if (j < c->n_known && c->known[j].key == k && c->known[j].seq == v &&
	    c->known[j].pos < pos)
		return 1;
	if (c->wild[k] >= pos)
		return 0;
	/* an info write of unknown seq, unless v is an ok write's seq */
	return bsearch(&v, c->ok_seqs, c->n_ok, sizeof(v), i64_cmp) == NULL;
}

static int check_reads(struct ctx *c)
{
	const struct hist *h = c->h;
	size_t *reads = malloc((h->n_ops + 1) * sizeof(*reads));
	int64_t *last = malloc((c->n_keys + 1) * sizeof(*last));
	size_t *last_op = malloc((c->n_keys + 1) * sizeof(*last_op));
	size_t *stamp = calloc(c->n_keys + 1, sizeof(*stamp));
	size_t n = 0, i, g = 0, m_op = SIZE_MAX;
	int64_t m = NULL_SEQ;
	int rc = RC_NOMEM;

	if (reads == NULL || last == NULL || last_op == NULL || stamp == NULL)
		goto out;
	for (i = 0; i < h->n_ops; i++)
		if (h->ops[i].status == HIST_OK &&
		    strcmp(h->ops[i].f, "read") == 0)
			reads[n++] = i;
	qsort_r(reads, n, sizeof(*reads), read_cmp, (void *)h);
	for (i = 0; i < n; i++) {
		const struct hist_op *op = &h->ops[reads[i]];
		uint32_t k = c->op_key[op->id];
		int64_t v = c->op_val[op->id];

		if (i == 0 || op->p != h->ops[reads[i - 1]].p) {
			g++;
			m = NULL_SEQ;
			m_op = SIZE_MAX;
		}
		if (op->result != NULL && !json_is_null(op->result) &&
		    !json_is_integer(op->result)) {
			/* not an integer (the recorder's string): no write */
			found(c->r, CHKMONO_PHANTOM, op->pos_complete, op->id,
			      SIZE_MAX, SIZE_MAX);
			continue;
		}
		if (stamp[k] == g && last[k] > v) {
			found(c->r, CHKMONO_BACKWARDS, op->pos_complete,
			      op->id, last_op[k], SIZE_MAX);
		} else if (m > v) {
			size_t j = wr_lower(c->ok, c->n_ok, k,
					    v == INT64_MAX ? v : v + 1);

			if (j < c->n_ok && c->ok[j].key == k &&
			    c->ok[j].seq <= m)
				found(c->r, CHKMONO_STALE, op->pos_complete,
				      op->id, m_op, c->ok[j].id);
		}
		if (v != NULL_SEQ && !written(c, k, v, op->pos_complete))
			found(c->r, CHKMONO_PHANTOM, op->pos_complete, op->id,
			      SIZE_MAX, SIZE_MAX);
		if (stamp[k] != g || v > last[k]) {
			stamp[k] = g;
			last[k] = v;
			last_op[k] = op->id;
		}
		if (m_op == SIZE_MAX || v > m) {
			m = v;
			m_op = op->id;
		}
	}
	c->r->n_procs = g;
	rc = RC_OK;
out:
	free(reads);
	free(last);
	free(last_op);
	free(stamp);
	return rc;
}

int chkmono_run(const struct hist *h, struct chkmono_result *r,
		struct err *e)
{
	size_t n = h->n_ops + 1, k;
	struct ctx c;
	int rc;

	memset(r, 0, sizeof(*r));
	for (k = 0; k < CHKMONO__KINDS; k++) {
		r->v[k].pos = INT64_MAX;
		r->v[k].read = r->v[k].earlier = r->v[k].write = SIZE_MAX;
	}
	memset(&c, 0, sizeof(c));
	c.h = h;
	c.r = r;
	c.keys = malloc(n * sizeof(*c.keys));
	c.known = malloc(n * sizeof(*c.known));
	c.ok = malloc(n * sizeof(*c.ok));
	c.ok_seqs = malloc(n * sizeof(*c.ok_seqs));
	c.op_key = malloc(n * sizeof(*c.op_key));
	c.op_val = malloc(n * sizeof(*c.op_val));
	rc = RC_NOMEM;
	if (c.keys && c.known && c.ok && c.ok_seqs && c.op_key && c.op_val) {
		rc = scan(&c, e);
		if (rc == RC_OK)
			rc = index_writes(&c);
		if (rc == RC_OK)
			rc = check_duplicates(&c);
		if (rc == RC_OK)
			rc = check_reads(&c);
	}
	free(c.keys);
	free(c.known);
	free(c.ok);
	free(c.ok_seqs);
	free(c.op_key);
	free(c.op_val);
	free(c.wild);
	if (rc == RC_NOMEM)
		return err_set(e, RC_NOMEM, "out of memory");
	if (rc != RC_OK)
		return rc;
	r->verdict = HIST_VALID;
	r->first = CHKMONO__KINDS;
	for (k = 0; k < CHKMONO__KINDS; k++) {
		if (r->v[k].count == 0)
			continue;
		r->verdict = HIST_INVALID;
		if (r->first == CHKMONO__KINDS ||
		    r->v[k].pos < r->v[r->first].pos)
			r->first = (enum chkmono_kind)k;
	}
	return RC_OK;
}

static void print_op(const struct hist *h, const char *label, size_t id,
		     FILE *out)
{
	if (id == SIZE_MAX)
		return;
	fprintf(out, "    %-9s", label);
	hist_op_print(h, &h->ops[id], out);
	fputc('\n', out);
}

static const char *kind_text[CHKMONO__KINDS] = {
	"a read returned less than an earlier read of the same key by the "
	"same process",
	"a read missed a write to its key that the process had already "
	"seen a later seq than",
	"a read returned a value no write to that key produced",
	"two ok writes got the same seq",
};

void chkmono_print(const struct hist *h, const struct chkmono_result *r,
		   FILE *out)
{
	const struct chkmono_violation *v;
	size_t k;

	hist_print_counts(h, out);
	fprintf(out, ", %zu keys, %zu nemesis events: %s\n", r->n_keys,
		h->n_nemesis, hist_verdict_name(r->verdict));
	fprintf(out, "writes: %zu ok, %zu fail, %zu info; reads: %zu ok, "
		"%zu fail, %zu info, by %zu processes\n", r->writes[HIST_OK],
		r->writes[HIST_FAIL], r->writes[HIST_INFO], r->reads[HIST_OK],
		r->reads[HIST_FAIL], r->reads[HIST_INFO], r->n_procs);
	if (r->verdict != HIST_INVALID)
		return;
	for (k = 0; k < CHKMONO__KINDS; k++)
		if (r->v[k].count)
			fprintf(out, "%s: %zu\n", chkmono_kind_name(k),
				r->v[k].count);
	v = &r->v[r->first];
	fprintf(out, "first violation (%s): %s\n", chkmono_kind_name(r->first),
		kind_text[r->first]);
	switch (r->first) {
	case CHKMONO_BACKWARDS:
		print_op(h, "earlier", v->earlier, out);
		print_op(h, "read", v->read, out);
		break;
	case CHKMONO_STALE:
		print_op(h, "saw", v->earlier, out);
		print_op(h, "missed", v->write, out);
		print_op(h, "read", v->read, out);
		break;
	case CHKMONO_PHANTOM:
		print_op(h, "read", v->read, out);
		break;
	default:
		print_op(h, "first", v->earlier, out);
		print_op(h, "second", v->read, out);
		break;
	}
}

static json_t *op_or_null(const struct hist *h, size_t id)
{
	return id == SIZE_MAX ? json_null() : hist_op_json(&h->ops[id]);
}

int chkmono_json(const struct hist *h, const struct chkmono_result *r,
		 json_t *obj)
{
	size_t k;
	int bad = 0;

	bad |= json_object_set_new(obj, "verdict", json_string(
					   hist_verdict_name(r->verdict)));
	bad |= json_object_set_new(obj, "keys", json_integer(
					   (json_int_t)r->n_keys));
	bad |= json_object_set_new(obj, "writes", json_pack(
		"{s:I, s:I, s:I}", "ok", (json_int_t)r->writes[HIST_OK],
		"fail", (json_int_t)r->writes[HIST_FAIL],
		"info", (json_int_t)r->writes[HIST_INFO]));
	bad |= json_object_set_new(obj, "reads", json_pack(
		"{s:I, s:I, s:I}", "ok", (json_int_t)r->reads[HIST_OK],
		"fail", (json_int_t)r->reads[HIST_FAIL],
		"info", (json_int_t)r->reads[HIST_INFO]));
	for (k = 0; k < CHKMONO__KINDS; k++) {
		const struct chkmono_violation *v = &r->v[k];
		json_t *o = v->count == 0 ? json_pack("{s:i}", "count", 0) :
			json_pack("{s:I, s:o?, s:o?, s:o?}",
				  "count", (json_int_t)v->count,
				  "read", op_or_null(h, v->read),
				  "earlier", op_or_null(h, v->earlier),
				  "write", op_or_null(h, v->write));

		bad |= json_object_set_new(obj, chkmono_kind_name(k), o);
	}
	if (r->verdict == HIST_INVALID)
		bad |= json_object_set_new(obj, "first", json_string(
					   chkmono_kind_name(r->first)));
	return bad ? RC_NOMEM : RC_OK;
}
