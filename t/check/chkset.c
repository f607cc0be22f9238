/*
 * chkset.c -- the set checker (see chkset.h).  Adds are indexed by value;
 * every ok read is checked for duplicates, phantoms and failed adds, the
 * final read also for lost adds.  Tested in t/unit/checker_test.c.
 */
#include "chkset.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define SHOW_VALUES	20	/* elements listed per kind */

struct add {
	int64_t v;
	size_t id;
};

static int add_cmp(const void *a, const void *b)
{
	const struct add *x = a, *y = b;

	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int i64_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int pos_cmp(const void *a, const void *b, void *arg)
{
	const struct hist *h = arg;
	int64_t x = h->ops[*(const size_t *)a].pos_complete;
	int64_t y = h->ops[*(const size_t *)b].pos_complete;

	return x < y ? -1 : x > y;
}

const char *chkset_kind_name(enum chkset_kind k)
{
	static const char *names[CHKSET__KINDS] = {
		"lost", "duplicate", "phantom", "unexpected"
	};

	return k < CHKSET__KINDS ? names[k] : "?";
}

static struct add *find_add(struct add *adds, size_t n, int64_t v)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (adds[mid].v < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && adds[lo].v == v ? &adds[lo] : NULL;
}

/* Record one element of kind k; the first one keeps its ops. */
static int note(struct chkset_violation *v, int64_t value, size_t read,
		size_t add)
{
	if (v->n_values % 64 == 0) {
		int64_t *p = realloc(v->values,
				     (v->n_values + 64) * sizeof(*p));

		if (p == NULL)
			return RC_NOMEM;
		v->values = p;
	}
	if (v->n_values == 0) {
		v->value = value;
		v->read = read;
		v->add = add;
	}
	v->values[v->n_values++] = value;
	return RC_OK;
}

/* Sort, deduplicate, count. */
static void settle(struct chkset_violation *v)
{
	size_t i, n = 0;

	if (v->n_values == 0)
		return;
	qsort(v->values, v->n_values, sizeof(*v->values), i64_cmp);
	for (i = 0; i < v->n_values; i++)
		if (n == 0 || v->values[n - 1] != v->values[i])
			v->values[n++] = v->values[i];
	v->n_values = n;
	v->count = n;
}

static int collect(const struct hist *h, struct chkset_result *r,
		   struct add *adds, size_t *n_adds, size_t *reads,
		   size_t *n_reads, struct err *e)
{
	size_t i;

	for (i = 0; i < h->n_ops; i++) {
		const struct hist_op *op = &h->ops[i];

		if (strcmp(op->f, "add") == 0) {
			if (op->value == NULL || !json_is_integer(op->value))
				return hist_op_bad(h, op, e, "an add's \"v\" "
						   "must be an integer");
			adds[*n_adds].v = json_integer_value(op->value);
			adds[(*n_adds)++].id = i;
			if (op->status == HIST_OK)
				r->adds_ok++;
			else if (op->status == HIST_FAIL)
				r->adds_fail++;
			else
				r->adds_info++;
		} else if (strcmp(op->f, "read") == 0) {
			if (op->status != HIST_OK)
				continue;
			if (!json_is_array(op->result))
				return hist_op_bad(h, op, e, "an ok read's "
						   "\"v\" must be an array");
			reads[(*n_reads)++] = i;
		} else {
			return hist_op_bad(h, op, e, "unknown set op "
					   "(expected add or read)");
		}
	}
	qsort(adds, *n_adds, sizeof(*adds), add_cmp);
	for (i = 1; i < *n_adds; i++)
		if (adds[i].v == adds[i - 1].v)
			return hist_op_bad(h, &h->ops[adds[i].id], e,
					   "value %" PRId64 " was already "
					   "added at line %" PRId64, adds[i].v,
					   h->ops[adds[i - 1].id].pos_invoke);
	qsort_r(reads, *n_reads, sizeof(*reads), pos_cmp, (void *)h);
	return RC_OK;
}

/* Check one ok read; mark the adds it holds in present[] when final. */
static int check_read(const struct hist *h, struct chkset_result *r,
		      size_t rid, struct add *adds, size_t n_adds,
		      char *present, struct err *e)
{
	const struct hist_op *op = &h->ops[rid];
	size_t n = json_array_size(op->result), i, j;
	int64_t *el = malloc((n ? n : 1) * sizeof(*el));
	int rc = RC_OK;

	if (el == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	for (i = j = 0; i < n; i++) {
		json_t *x = json_array_get(op->result, i);

		if (json_is_integer(x)) {
			el[j++] = json_integer_value(x);
			continue;
		}
		/* what the database returned that no add wrote */
		if (r->foreign++ == 0)
			r->foreign_read = rid;
	}
	n = j;
	qsort(el, n, sizeof(*el), i64_cmp);
	for (i = 0; i < n && rc == RC_OK; i = j) {
		struct add *a = find_add(adds, n_adds, el[i]);
		size_t aid = a ? a->id : SIZE_MAX;

		for (j = i + 1; j < n && el[j] == el[i]; j++)
			;
		if (rid == r->final_read)
			r->final_size++;
		if (j - i > 1)
			rc = note(&r->v[CHKSET_DUPLICATE], el[i], rid, aid);
		if (rc != RC_OK)
			break;
		if (a == NULL || h->ops[a->id].pos_invoke > op->pos_complete)
			rc = note(&r->v[CHKSET_PHANTOM], el[i], rid, aid);
		else if (h->ops[a->id].status == HIST_FAIL)
			rc = note(&r->v[CHKSET_UNEXPECTED], el[i], rid, aid);
		if (a != NULL && rid == r->final_read)
			present[a - adds] = 1;
	}
	free(el);
	if (rc != RC_OK)
		return err_set(e, RC_NOMEM, "out of memory");
	return RC_OK;
}

int chkset_run(const struct hist *h, struct chkset_result *r,
	       struct err *e)
{
	size_t n = h->n_ops ? h->n_ops : 1, n_adds = 0, n_reads = 0, i;
	struct add *adds = malloc(n * sizeof(*adds));
	size_t *reads = malloc(n * sizeof(*reads));
	char *present = calloc(n, 1);
	int64_t lost_pos = INT64_MAX;
	int rc;

	memset(r, 0, sizeof(*r));
	r->final_read = SIZE_MAX;
	r->foreign_read = SIZE_MAX;
	if (adds == NULL || reads == NULL || present == NULL) {
		rc = err_set(e, RC_NOMEM, "out of memory");
		goto out;
	}
	rc = collect(h, r, adds, &n_adds, reads, &n_reads, e);
	if (rc != RC_OK)
		goto out;
	r->reads_ok = n_reads;
	if (n_reads > 0)
		r->final_read = reads[n_reads - 1];
	for (i = 0; i < n_reads && rc == RC_OK; i++)
		rc = check_read(h, r, reads[i], adds, n_adds, present, e);
	if (rc != RC_OK)
		goto out;
	for (i = 0; i < n_adds && r->final_read != SIZE_MAX; i++) {
		const struct hist_op *a = &h->ops[adds[i].id];
		struct chkset_violation *lost = &r->v[CHKSET_LOST];

		if (present[i]) {
			if (a->status == HIST_INFO)
				r->recovered++;
			continue;
		}
		if (a->status != HIST_OK)
			continue;
		if (a->pos_complete > h->ops[r->final_read].pos_invoke) {
			r->unsure++;
			continue;
		}
		if (note(lost, adds[i].v, r->final_read, a->id) != RC_OK) {
			rc = err_set(e, RC_NOMEM, "out of memory");
			goto out;
		}
		/* the first lost is the earliest to complete */
		if (a->pos_complete < lost_pos) {
			lost_pos = a->pos_complete;
			lost->value = adds[i].v;
			lost->add = a->id;
		}
	}
	r->verdict = r->final_read == SIZE_MAX ? HIST_UNKNOWN : HIST_VALID;
	for (i = 0; i < CHKSET__KINDS; i++) {
		settle(&r->v[i]);
		if (r->v[i].count)
			r->verdict = HIST_INVALID;
	}
	if (r->foreign)
		r->verdict = HIST_INVALID;
out:
	free(adds);
	free(reads);
	free(present);
	if (rc != RC_OK)
		chkset_release(r);
	return rc;
}

void chkset_release(struct chkset_result *r)
{
	size_t i;

	for (i = 0; i < CHKSET__KINDS; i++) {
		free(r->v[i].values);
		r->v[i].values = NULL;
		r->v[i].n_values = 0;
	}
}

static const char *kind_text[CHKSET__KINDS] = {
	"ok adds missing from the final read",
	"elements read more than once",
	"elements read that no add wrote",
	"elements read whose add failed",
};

void chkset_print(const struct hist *h, const struct chkset_result *r,
		  FILE *out)
{
	size_t k, i;

	hist_print_counts(h, out);
	fprintf(out, ", %zu nemesis events: ", h->n_nemesis);
	if (r->verdict == HIST_UNKNOWN) {
		fputs("unknown (no ok read to check the adds against)\n", out);
		return;
	}
	fputs(r->verdict == HIST_VALID ? "valid\n" : "invalid\n", out);
	fprintf(out, "adds: %zu ok, %zu fail, %zu info (%zu recovered); "
		"final read: %zu elements, %zu ok adds concurrent with it "
		"and absent\n", r->adds_ok, r->adds_fail, r->adds_info,
		r->recovered, r->final_size, r->unsure);
	if (r->foreign) {
		fprintf(out, "phantom: %zu elements read that are not "
			"integers, the first in\n    ", r->foreign);
		hist_op_print(h, &h->ops[r->foreign_read], out);
		fputc('\n', out);
	}
	for (k = 0; k < CHKSET__KINDS; k++) {
		const struct chkset_violation *v = &r->v[k];

		if (v->count == 0)
			continue;
		fprintf(out, "%s: %zu %s:", chkset_kind_name(k), v->count,
			kind_text[k]);
		for (i = 0; i < v->n_values && i < SHOW_VALUES; i++)
			fprintf(out, " %" PRId64, v->values[i]);
		fputs(v->n_values > SHOW_VALUES ? " ...\n" : "\n", out);
		fprintf(out, "  the first, %" PRId64 ":\n", v->value);
		if (v->add != SIZE_MAX) {
			fputs("    ", out);
			hist_op_print(h, &h->ops[v->add], out);
			fputc('\n', out);
		}
		fputs("    ", out);
		hist_op_print(h, &h->ops[v->read], out);
		fputc('\n', out);
	}
}

static json_t *violation_json(const struct hist *h,
			      const struct chkset_violation *v)
{
	json_t *o, *vals = json_array();
	size_t i;

	if (vals == NULL)
		return NULL;
	for (i = 0; i < v->n_values; i++)
		if (json_array_append_new(vals, json_integer(v->values[i]))) {
			json_decref(vals);
			return NULL;
		}
	o = json_pack("{s:I, s:o, s:I, s:o?, s:o?}",
		      "count", (json_int_t)v->count,
		      "values", vals,
		      "first", (json_int_t)v->value,
		      "add", v->add != SIZE_MAX ?
			     hist_op_json(&h->ops[v->add]) : NULL,
		      "read", hist_op_json(&h->ops[v->read]));
	return o;
}

int chkset_json(const struct hist *h, const struct chkset_result *r,
		json_t *obj)
{
	const char *verdict = hist_verdict_name(r->verdict);
	size_t k;
	int bad = 0;

	bad |= json_object_set_new(obj, "verdict", json_string(verdict));
	bad |= json_object_set_new(obj, "adds", json_pack(
		"{s:I, s:I, s:I, s:I}", "ok", (json_int_t)r->adds_ok,
		"fail", (json_int_t)r->adds_fail,
		"info", (json_int_t)r->adds_info,
		"recovered", (json_int_t)r->recovered));
	bad |= json_object_set_new(obj, "reads", json_integer(
					   (json_int_t)r->reads_ok));
	bad |= json_object_set_new(obj, "final_size", json_integer(
					   (json_int_t)r->final_size));
	bad |= json_object_set_new(obj, "unsure", json_integer(
					   (json_int_t)r->unsure));
	bad |= json_object_set_new(obj, "not_integers", json_integer(
					   (json_int_t)r->foreign));
	for (k = 0; k < CHKSET__KINDS; k++) {
		json_t *v = r->v[k].count ? violation_json(h, &r->v[k])
					  : json_pack("{s:i}", "count", 0);

		bad |= json_object_set_new(obj, chkset_kind_name(k), v);
	}
	return bad ? RC_NOMEM : RC_OK;
}
