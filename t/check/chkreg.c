/*
 * chkreg.c -- the register checker (see chkreg.h): converts the history's
 * ops to linear_op, partitions them by key, runs linear_check() on each
 * key and reports the earliest violation.  Tested in
 * t/unit/checker_test.c.
 */
#include "chkreg.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX_TAIL	8	/* prefix ops shown before a violation */

/*
 * A read's result that is neither an integer nor null: the recorder
 * writes what the database returned that way (e.g. a string), and no
 * write produced it.
 */
static int is_foreign(const struct hist_op *op)
{
	return strcmp(op->f, "read") == 0 && op->status == HIST_OK &&
	       op->result != NULL && !json_is_null(op->result) &&
	       !json_is_integer(op->result);
}

/* An int64 or null: RC_OK, or RC_BAD_INPUT. */
static int get_val(const json_t *j, struct linear_val *out)
{
	if (j == NULL || json_is_null(j)) {
		out->is_null = 1;
		out->v = 0;
		return RC_OK;
	}
	if (!json_is_integer(j))
		return RC_BAD_INPUT;
	out->is_null = 0;
	out->v = json_integer_value(j);
	return RC_OK;
}

/*
 * Fill lo from op; *skip when the op takes no part (fail, info read).
 */
static int convert(const struct hist *h, const struct hist_op *op,
		   struct linear_op *lo, int *skip, struct err *e)
{
	memset(lo, 0, sizeof(*lo));
	*skip = op->status == HIST_FAIL;
	lo->info = op->status == HIST_INFO;
	lo->inv = op->pos_invoke;
	lo->ret = op->pos_complete;
	if (op->k == NULL)
		return hist_op_bad(h, op, e, "a register op needs a key "
				   "\"k\"");
	if (strcmp(op->f, "read") == 0) {
		lo->f = LINEAR_READ;
		if (lo->info)
			*skip = 1;
		if (*skip)
			return RC_OK;
		if (is_foreign(op))
			lo->a.is_null = 1;	/* checked apart */
		else
			get_val(op->result, &lo->a);
	} else if (strcmp(op->f, "write") == 0) {
		lo->f = LINEAR_WRITE;
		if (op->value == NULL || !json_is_integer(op->value))
			return hist_op_bad(h, op, e, "a write's \"v\" must be "
					   "an integer");
		lo->a.v = json_integer_value(op->value);
	} else if (strcmp(op->f, "cas") == 0) {
		lo->f = LINEAR_CAS;
		if (!json_is_array(op->value) ||
		    json_array_size(op->value) != 2 ||
		    get_val(json_array_get(op->value, 0), &lo->a) != RC_OK ||
		    get_val(json_array_get(op->value, 1), &lo->b) != RC_OK)
			return hist_op_bad(h, op, e, "a cas's \"v\" must be "
					   "[expected, new], integers or "
					   "null");
	} else {
		return hist_op_bad(h, op, e, "unknown register op (expected "
				   "read, write or cas)");
	}
	return RC_OK;
}

static int by_key(const void *a, const void *b, void *arg)
{
	const struct hist *h = arg;
	const struct hist_op *x = &h->ops[*(const size_t *)a];
	const struct hist_op *y = &h->ops[*(const size_t *)b];
	int c = strcmp(x->k, y->k);

	if (c != 0)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Where in the history a failed key's violation shows. */
static int64_t violation_pos(const struct hist *h, const struct chkreg_key *k)
{
	if (k->lr.n_stuck == 0)
		return INT64_MAX;
	return h->ops[k->ids[k->lr.stuck[0]]].pos_complete;
}

static int check_key(const struct hist *h, const size_t *idx, size_t n,
		     uint64_t budget, struct chkreg_key *k, struct err *e)
{
	struct linear_op *lops = malloc((n ? n : 1) * sizeof(*lops));
	size_t i, m = 0, foreign = SIZE_MAX;
	int rc = RC_OK;

	k->key = h->ops[idx[0]].k;
	k->ids = malloc((n ? n : 1) * sizeof(*k->ids));
	if (lops == NULL || k->ids == NULL) {
		free(lops);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	for (i = 0; i < n; i++) {
		const struct hist_op *op = &h->ops[idx[i]];
		int skip;

		rc = convert(h, op, &lops[m], &skip, e);
		if (rc != RC_OK)
			break;
		if (skip)
			continue;
		if (is_foreign(op) && (foreign == SIZE_MAX ||
				       op->pos_complete <
				       h->ops[k->ids[foreign]].pos_complete))
			foreign = m;
		k->ids[m++] = idx[i];
	}
	k->n_ops = m;
	if (rc == RC_OK && foreign != SIZE_MAX) {
		/* a read of something no write wrote: no need to search */
		k->lr.verdict = LINEAR_FAIL;
		k->lr.never_written = 1;
		k->lr.prefix_state.is_null = 1;
		k->lr.stuck = malloc(sizeof(*k->lr.stuck));
		if (k->lr.stuck == NULL)
			rc = err_set(e, RC_NOMEM, "out of memory");
		else
			k->lr.stuck[k->lr.n_stuck++] = foreign;
	} else if (rc == RC_OK) {
		rc = linear_check(lops, m, budget, &k->lr, e);
		if (rc != RC_OK)
			err_prefix(e, "key \"%s\"", k->key);
	}
	free(lops);
	return rc;
}

int chkreg_run(const struct hist *h, uint64_t budget,
	       struct chkreg_result *r, struct err *e)
{
	size_t *idx, n = 0, i, j, cap_keys = 0;
	int rc = RC_OK;

	memset(r, 0, sizeof(*r));
	r->budget = budget;
	r->first_invalid = r->first_unknown = SIZE_MAX;
	idx = malloc((h->n_ops ? h->n_ops : 1) * sizeof(*idx));
	if (idx == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	for (i = 0; i < h->n_ops; i++) {
		if (h->ops[i].k == NULL) {
			free(idx);
			return hist_op_bad(h, &h->ops[i], e, "a register op "
					   "needs a key \"k\"");
		}
		idx[n++] = i;
	}
	qsort_r(idx, n, sizeof(*idx), by_key, (void *)h);
	for (i = 0; i < n; i = j) {
		struct chkreg_key *k;

		for (j = i + 1; j < n; j++)
			if (strcmp(h->ops[idx[i]].k, h->ops[idx[j]].k) != 0)
				break;
		if (r->n_keys == cap_keys) {
			size_t nc = cap_keys ? cap_keys * 2 : 16;
			void *p = realloc(r->keys, nc * sizeof(*r->keys));

			if (p == NULL) {
				rc = err_set(e, RC_NOMEM, "out of memory");
				break;
			}
			r->keys = p;
			cap_keys = nc;
		}
		k = &r->keys[r->n_keys++];
		memset(k, 0, sizeof(*k));
		rc = check_key(h, idx + i, j - i, budget, k, e);
		if (rc != RC_OK)
			break;
		r->configs += k->lr.configs;
		if (k->lr.verdict == LINEAR_FAIL) {
			size_t fi = r->first_invalid;

			r->n_invalid++;
			if (fi == SIZE_MAX || violation_pos(h, k) <
					      violation_pos(h, &r->keys[fi]))
				r->first_invalid = r->n_keys - 1;
		} else if (k->lr.verdict == LINEAR_UNKNOWN) {
			r->n_unknown++;
			if (r->first_unknown == SIZE_MAX)
				r->first_unknown = r->n_keys - 1;
		}
	}
	free(idx);
	if (rc != RC_OK) {
		chkreg_release(r);
		return rc;
	}
	r->verdict = r->n_invalid ? HIST_INVALID :
		     r->n_unknown ? HIST_UNKNOWN : HIST_VALID;
	return RC_OK;
}

void chkreg_release(struct chkreg_result *r)
{
	size_t i;

	for (i = 0; i < r->n_keys; i++) {
		free(r->keys[i].ids);
		linear_result_release(&r->keys[i].lr);
	}
	free(r->keys);
	r->keys = NULL;
	r->n_keys = 0;
}

static void print_val(struct linear_val v, FILE *out)
{
	if (v.is_null)
		fputs("null", out);
	else
		fprintf(out, "%" PRId64, v.v);
}

/* Why op could not follow the prefix, for a person. */
static void print_why(const struct hist *h, const struct hist_op *op,
		      struct linear_val s, FILE *out)
{
	struct linear_op lo;
	struct linear_val next;
	int skip;

	if (convert(h, op, &lo, &skip, NULL) != RC_OK)
		return;
	if (linear_step(&lo, s, &next)) {
		fputs("      possible here, but then the rest of the history "
		      "has no valid order\n", out);
		return;
	}
	fputs(lo.f == LINEAR_READ ? "      reads " : "      expects ", out);
	print_val(lo.a, out);
	fputs(", but the register holds ", out);
	print_val(s, out);
	fputc('\n', out);
}

static void print_violation(const struct hist *h, const struct chkreg_key *k,
			    FILE *out)
{
	const struct linear_result *lr = &k->lr;
	const struct hist_op *op;
	size_t i, from;

	if (lr->never_written) {
		struct linear_op lo;
		int skip;

		op = &h->ops[k->ids[lr->stuck[0]]];
		fprintf(out, "key \"%s\": a value no write produced:\n    ",
			k->key);
		hist_op_print(h, op, out);
		fputc('\n', out);
		if (is_foreign(op)) {
			fputs("      reads something that is not an integer: "
			      "no write wrote it\n", out);
		} else if (convert(h, op, &lo, &skip, NULL) == RC_OK) {
			fputs(lo.f == LINEAR_READ ? "      reads " :
			      "      expects ", out);
			print_val(lo.a, out);
			fputs(", but no write of it was invoked before this "
			      "completed\n", out);
		}
		return;
	}
	fprintf(out, "key \"%s\": not linearizable (%zu operations checked, "
		"%" PRIu64 " configurations explored)\n", k->key, k->n_ops,
		lr->configs);
	fprintf(out, "  longest linearizable prefix: %zu operations",
		lr->n_prefix);
	from = lr->n_prefix > PREFIX_TAIL ? lr->n_prefix - PREFIX_TAIL : 0;
	if (from > 0)
		fprintf(out, ", the last %d", PREFIX_TAIL);
	fputs(lr->n_prefix ? ":\n" : "\n", out);
	for (i = from; i < lr->n_prefix; i++) {
		fputs("    ", out);
		hist_op_print(h, &h->ops[k->ids[lr->prefix[i]]], out);
		fputc('\n', out);
	}
	fputs("  after which the register holds ", out);
	print_val(lr->prefix_state, out);
	fputs(" and none of these could be linearized next:\n", out);
	for (i = 0; i < lr->n_stuck; i++) {
		op = &h->ops[k->ids[lr->stuck[i]]];
		fputs("    ", out);
		hist_op_print(h, op, out);
		fputc('\n', out);
		print_why(h, op, lr->prefix_state, out);
	}
}

void chkreg_print(const struct hist *h, const struct chkreg_result *r,
		  FILE *out)
{
	hist_print_counts(h, out);
	fprintf(out, ", %zu keys, %zu nemesis events: ", r->n_keys,
		h->n_nemesis);
	switch (r->verdict) {
	case HIST_VALID:
		fputs("linearizable\n", out);
		return;
	case HIST_INVALID:
		fprintf(out, "not linearizable (%zu of %zu keys", r->n_invalid,
			r->n_keys);
		if (r->n_unknown)
			fprintf(out, ", %zu more unknown", r->n_unknown);
		fputs(")\n", out);
		print_violation(h, &r->keys[r->first_invalid], out);
		return;
	case HIST_UNKNOWN:
		fprintf(out, "unknown (%zu of %zu keys)\n", r->n_unknown,
			r->n_keys);
		fprintf(out, "key \"%s\": the search budget of %" PRIu64
			" configurations ran out (%zu operations); try a "
			"larger --budget\n", r->keys[r->first_unknown].key,
			r->budget, r->keys[r->first_unknown].n_ops);
		return;
	}
}

static json_t *val_json(struct linear_val v)
{
	return v.is_null ? json_null() : json_integer(v.v);
}

static json_t *ops_json(const struct hist *h, const struct chkreg_key *k,
			const size_t *list, size_t from, size_t n)
{
	json_t *a = json_array();
	size_t i;

	if (a == NULL)
		return NULL;
	for (i = from; i < n; i++)
		if (json_array_append_new(a,
				hist_op_json(&h->ops[k->ids[list[i]]])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *violation_json(const struct hist *h,
			      const struct chkreg_key *k)
{
	const struct linear_result *lr = &k->lr;
	size_t from = lr->n_prefix > PREFIX_TAIL ? lr->n_prefix - PREFIX_TAIL
						 : 0;

	return json_pack("{s:s, s:s, s:I, s:o?, s:I, s:o?, s:o?}",
			 "key", k->key,
			 "kind", lr->never_written ? "never_written"
						   : "not_linearizable",
			 "operations", (json_int_t)k->n_ops,
			 "state", val_json(lr->prefix_state),
			 "prefix_length", (json_int_t)lr->n_prefix,
			 "prefix_tail", ops_json(h, k, lr->prefix, from,
						 lr->n_prefix),
			 "stuck", ops_json(h, k, lr->stuck, 0, lr->n_stuck));
}

static json_t *keys_json(const struct chkreg_result *r,
			 enum linear_verdict which)
{
	json_t *a = json_array();
	size_t i;

	if (a == NULL)
		return NULL;
	for (i = 0; i < r->n_keys; i++)
		if (r->keys[i].lr.verdict == which &&
		    json_array_append_new(a, json_string(r->keys[i].key))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

int chkreg_json(const struct hist *h, const struct chkreg_result *r,
		json_t *obj)
{
	const char *verdict = r->verdict == HIST_VALID ? "linearizable" :
			      r->verdict == HIST_INVALID ? "not linearizable"
							 : "unknown";
	int bad = 0;

	bad |= json_object_set_new(obj, "verdict", json_string(verdict));
	bad |= json_object_set_new(obj, "keys", json_integer(
					   (json_int_t)r->n_keys));
	bad |= json_object_set_new(obj, "budget", json_integer(
					   (json_int_t)r->budget));
	bad |= json_object_set_new(obj, "configs", json_integer(
					   (json_int_t)r->configs));
	bad |= json_object_set_new(obj, "invalid_keys",
				   keys_json(r, LINEAR_FAIL));
	bad |= json_object_set_new(obj, "unknown_keys",
				   keys_json(r, LINEAR_UNKNOWN));
	if (r->first_invalid != SIZE_MAX)
		bad |= json_object_set_new(obj, "violation", violation_json(h,
					   &r->keys[r->first_invalid]));
	return bad ? RC_NOMEM : RC_OK;
}
