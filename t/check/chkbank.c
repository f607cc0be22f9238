/*
 * chkbank.c -- the bank checker (see chkbank.h): every ok read must show
 * every account exactly once and the fixed total.  Tested in
 * t/unit/checker_test.c.
 */
#include "chkbank.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ACCOUNTS	1000000

const char *chkbank_kind_name(enum chkbank_kind k)
{
	static const char *names[CHKBANK__KINDS] = {
		"wrong_total", "missing", "unexpected", "garbled"
	};

	return k < CHKBANK__KINDS ? names[k] : "?";
}

/* Account index of a read's key ("0".."N-1", canonical), or -1. */
static long long account_of(const char *s, long long n)
{
	long long v = 0;
	const char *p;

	if (*s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
		if (v >= n)
			return -1;
	}
	return v;
}

struct read_check {
	size_t missing, unexpected, garbled;
	long long sum;
	char detail[128];
};

/* Append ", item" to d without cutting silently ("..." once full). */
static void detail_add(char *d, size_t cap, const char *item)
{
	size_t len = strlen(d);

	if (len + strlen(item) + 6 >= cap) {
		if (len < 3 || strcmp(d + len - 3, "...") != 0)
			snprintf(d + len, cap - len, "%s",
				 len ? ", ..." : "...");
		return;
	}
	snprintf(d + len, cap - len, "%s%s", len ? ", " : "", item);
}

/* s as a JSON string in buf, cut with "..." when too long. */
static const char *quoted(const char *s, char *buf, size_t cap)
{
	json_t *js = json_string(s);
	char *q = js ? json_dumps(js, JSON_ENCODE_ANY) : NULL;

	json_decref(js);
	snprintf(buf, cap, "%s", q ? q : "?");
	if (q != NULL && strlen(q) >= cap)
		memcpy(buf + cap - 4, "...", 4);
	free(q);
	return buf;
}

static int check_read(const struct hist *h, const struct hist_op *op,
		      long long n, char *present, struct read_check *rc_,
		      struct err *e)
{
	const char *key;
	json_t *val;
	char item[64];
	long long i;

	memset(rc_, 0, sizeof(*rc_));
	memset(present, 0, (size_t)n);
	if (!json_is_object(op->result))
		return hist_op_bad(h, op, e, "an ok read's \"v\" must be an "
				   "object {\"<account>\": balance, ...}");
	json_object_foreach(op->result, key, val) {
		long long a = account_of(key, n);

		if (json_is_null(val))
			continue;
		if (a < 0 || !json_is_integer(val)) {
			size_t *cnt = a < 0 ? &rc_->unexpected : &rc_->garbled;

			if (rc_->unexpected && a >= 0)
				continue;	/* the worse kind only */
			if (a < 0 && rc_->unexpected == 0)
				rc_->detail[0] = '\0';
			(*cnt)++;
			detail_add(rc_->detail, sizeof(rc_->detail),
				   quoted(key, item, sizeof(item)));
			continue;
		}
		present[a] = 1;
		if (__builtin_add_overflow(rc_->sum, json_integer_value(val),
					   &rc_->sum))
			return hist_op_bad(h, op, e, "the balances overflow "
					   "64 bits");
	}
	if (rc_->unexpected || rc_->garbled)
		return RC_OK;
	for (i = 0; i < n; i++) {
		if (present[i])
			continue;
		rc_->missing++;
		snprintf(item, sizeof(item), "%lld", i);
		detail_add(rc_->detail, sizeof(rc_->detail), item);
	}
	return RC_OK;
}

static int read_meta(const struct hist *h, struct chkbank_result *r,
		     struct err *e)
{
	struct err me;
	int rc = hist_meta_int(h, "accounts", &r->accounts, &me);

	if (rc == RC_OK)
		rc = hist_meta_int(h, "total", &r->total, &me);
	if (rc != RC_OK)
		return err_set(e, RC_BAD_INPUT, "%s (the bank workload needs "
			       "\"accounts\" and \"total\")", me.msg);
	if (r->accounts < 1 || r->accounts > MAX_ACCOUNTS)
		return err_set(e, RC_BAD_INPUT, "%s:1: meta \"accounts\" must "
			       "be 1..%d", h->name, MAX_ACCOUNTS);
	return RC_OK;
}

int chkbank_run(const struct hist *h, struct chkbank_result *r,
		struct err *e)
{
	int64_t first_pos = INT64_MAX;
	char *present;
	size_t i;
	int rc;

	memset(r, 0, sizeof(*r));
	r->first_read = SIZE_MAX;
	rc = read_meta(h, r, e);
	if (rc != RC_OK)
		return rc;
	present = malloc((size_t)r->accounts);
	if (present == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	for (i = 0; i < h->n_ops && rc == RC_OK; i++) {
		const struct hist_op *op = &h->ops[i];
		struct read_check c;
		enum chkbank_kind k;

		if (strcmp(op->f, "transfer") == 0) {
			if (!json_is_object(op->value))
				rc = hist_op_bad(h, op, e, "a transfer's "
						 "\"v\" must be {\"from\":i,"
						 "\"to\":j,\"amount\":n}");
			r->transfers[op->status]++;
			continue;
		}
		if (strcmp(op->f, "read") != 0) {
			rc = hist_op_bad(h, op, e, "unknown bank op (expected "
					 "transfer or read)");
			break;
		}
		r->reads[op->status]++;
		if (op->status != HIST_OK)
			continue;
		rc = check_read(h, op, r->accounts, present, &c, e);
		if (rc != RC_OK)
			break;
		if (c.unexpected)
			k = CHKBANK_UNEXPECTED;
		else if (c.garbled)
			k = CHKBANK_GARBLED;
		else if (c.missing)
			k = CHKBANK_MISSING;
		else if (c.sum != r->total)
			k = CHKBANK_WRONG_TOTAL;
		else
			continue;
		r->bad_reads++;
		r->count[k]++;
		if (op->pos_complete < first_pos) {
			first_pos = op->pos_complete;
			r->first_read = i;
			r->first_kind = k;
			r->first_sum = c.sum;
			memcpy(r->first_detail, c.detail, sizeof(c.detail));
		}
	}
	free(present);
	if (rc != RC_OK)
		return rc;
	r->verdict = r->bad_reads ? HIST_INVALID : HIST_VALID;
	return RC_OK;
}

void chkbank_print(const struct hist *h, const struct chkbank_result *r,
		   FILE *out)
{
	size_t k;

	hist_print_counts(h, out);
	fprintf(out, ", %lld accounts, %zu nemesis events: %s\n", r->accounts,
		h->n_nemesis, hist_verdict_name(r->verdict));
	fprintf(out, "reads: %zu ok (%zu bad), %zu fail, %zu info; "
		"transfers: %zu ok, %zu fail, %zu info\n", r->reads[HIST_OK],
		r->bad_reads, r->reads[HIST_FAIL], r->reads[HIST_INFO],
		r->transfers[HIST_OK], r->transfers[HIST_FAIL],
		r->transfers[HIST_INFO]);
	if (r->verdict != HIST_INVALID)
		return;
	for (k = 0; k < CHKBANK__KINDS; k++)
		if (r->count[k])
			fprintf(out, "%s: %zu reads\n", chkbank_kind_name(k),
				r->count[k]);
	fprintf(out, "first bad read (%s): ",
		chkbank_kind_name(r->first_kind));
	switch (r->first_kind) {
	case CHKBANK_WRONG_TOTAL:
		fprintf(out, "the balances add up to %lld, not %lld\n",
			r->first_sum, r->total);
		break;
	case CHKBANK_MISSING:
		fprintf(out, "no balance for accounts %s\n", r->first_detail);
		break;
	case CHKBANK_GARBLED:
		fprintf(out, "balances that are not integers: accounts %s\n",
			r->first_detail);
		break;
	default:
		fprintf(out, "accounts outside 0..%lld: %s\n",
			r->accounts - 1, r->first_detail);
		break;
	}
	fputs("    ", out);
	hist_op_print(h, &h->ops[r->first_read], out);
	fputc('\n', out);
}

int chkbank_json(const struct hist *h, const struct chkbank_result *r,
		 json_t *obj)
{
	int bad = 0;

	bad |= json_object_set_new(obj, "verdict", json_string(
					   hist_verdict_name(r->verdict)));
	bad |= json_object_set_new(obj, "accounts", json_integer(r->accounts));
	bad |= json_object_set_new(obj, "total", json_integer(r->total));
	bad |= json_object_set_new(obj, "transfers", json_pack(
		"{s:I, s:I, s:I}", "ok", (json_int_t)r->transfers[HIST_OK],
		"fail", (json_int_t)r->transfers[HIST_FAIL],
		"info", (json_int_t)r->transfers[HIST_INFO]));
	bad |= json_object_set_new(obj, "reads", json_pack(
		"{s:I, s:I, s:I, s:I}", "ok", (json_int_t)r->reads[HIST_OK],
		"fail", (json_int_t)r->reads[HIST_FAIL],
		"info", (json_int_t)r->reads[HIST_INFO],
		"bad", (json_int_t)r->bad_reads));
	bad |= json_object_set_new(obj, "violations", json_pack(
		"{s:I, s:I, s:I, s:I}",
		"wrong_total", (json_int_t)r->count[CHKBANK_WRONG_TOTAL],
		"missing", (json_int_t)r->count[CHKBANK_MISSING],
		"unexpected", (json_int_t)r->count[CHKBANK_UNEXPECTED],
		"garbled", (json_int_t)r->count[CHKBANK_GARBLED]));
	if (r->first_read != SIZE_MAX)
		bad |= json_object_set_new(obj, "first", json_pack(
			"{s:s, s:I, s:s, s:o?}",
			"kind", chkbank_kind_name(r->first_kind),
			"sum", (json_int_t)r->first_sum,
			"detail", r->first_detail,
			"read", hist_op_json(&h->ops[r->first_read])));
	return bad ? RC_NOMEM : RC_OK;
}
