/*
 * hist.c -- read a JSON Lines operation history (see hist.h and
 * t/check/README for the format).
 *
 * Each line is parsed on its own with jansson; a process may have one
 * operation in flight, and a process whose operation ended "info" may not
 * invoke again (the recorder gives that client a new id).  Every refusal
 * names the file and line.  Tested in t/unit/checker_test.c.
 */
#include "hist.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Process table: p -> what the process is doing. */
#define PROC_IDLE	((size_t)-1)	/* last op ended ok or fail */
#define PROC_RETIRED	((size_t)-2)	/* last op ended info */

struct proc_slot {
	long long p;
	size_t op;		/* op in flight, PROC_IDLE, PROC_RETIRED */
	int used;
};

struct procs {
	struct proc_slot *slots;
	size_t cap, n;
};

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static int procs_grow(struct procs *ps)
{
	size_t ncap = ps->cap ? ps->cap * 2 : 64;
	struct proc_slot *ns = calloc(ncap, sizeof(*ns));
	size_t i;

	if (ns == NULL)
		return RC_NOMEM;
	for (i = 0; i < ps->cap; i++) {
		size_t j;

		if (!ps->slots[i].used)
			continue;
		j = mix64((uint64_t)ps->slots[i].p) & (ncap - 1);
		while (ns[j].used)
			j = (j + 1) & (ncap - 1);
		ns[j] = ps->slots[i];
	}
	free(ps->slots);
	ps->slots = ns;
	ps->cap = ncap;
	return RC_OK;
}

/* The slot of p, created idle when new; NULL when out of memory. */
static struct proc_slot *procs_get(struct procs *ps, long long p)
{
	size_t j;

	if ((ps->n + 1) * 2 > ps->cap && procs_grow(ps) != RC_OK)
		return NULL;
	j = mix64((uint64_t)p) & (ps->cap - 1);
	while (ps->slots[j].used && ps->slots[j].p != p)
		j = (j + 1) & (ps->cap - 1);
	if (!ps->slots[j].used) {
		ps->slots[j].used = 1;
		ps->slots[j].p = p;
		ps->slots[j].op = PROC_IDLE;
		ps->n++;
	}
	return &ps->slots[j];
}

struct reader {
	struct hist *h;
	struct procs procs;
	size_t cap_ops, cap_nemesis;
	int64_t line;
	int have_t0;
	struct err *e;
};

static int bad(struct reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(struct reader *r, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	err_vformat(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(r->e, RC_BAD_INPUT, "%s:%" PRId64 ": %s", r->h->name,
		       r->line, msg);
}

static int nomem(struct reader *r)
{
	return err_set(r->e, RC_NOMEM, "%s:%" PRId64 ": out of memory",
		       r->h->name, r->line);
}

/* Optional string field: RC_OK with *out NULL when absent or null. */
static int get_str(struct reader *r, json_t *o, const char *name,
		   const char **out)
{
	json_t *v = json_object_get(o, name);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return RC_OK;
	if (!json_is_string(v))
		return bad(r, "\"%s\" must be a string", name);
	*out = json_string_value(v);
	return RC_OK;
}

static int get_int(struct reader *r, json_t *o, const char *name,
		   long long *out)
{
	json_t *v = json_object_get(o, name);

	if (v == NULL)
		return bad(r, "\"%s\" is missing", name);
	if (!json_is_integer(v))
		return bad(r, "\"%s\" must be an integer", name);
	*out = json_integer_value(v);
	return RC_OK;
}

static char *dup_or_null(const char *s, int *fail)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		*fail = 1;
	return d;
}

static int read_meta(struct reader *r, json_t *o)
{
	const char *w;
	long long t;
	int rc;

	rc = get_str(r, o, "workload", &w);
	if (rc != RC_OK)
		return rc;
	if (w == NULL || *w == '\0')
		return bad(r, "the meta line has no \"workload\"");
	if (json_object_get(o, "t") != NULL) {
		rc = get_int(r, o, "t", &t);
		if (rc != RC_OK)
			return rc;
		r->h->t0 = t;
		r->have_t0 = 1;
	}
	r->h->meta = json_incref(o);
	r->h->workload = w;
	return RC_OK;
}

static int read_nemesis(struct reader *r, json_t *o)
{
	struct hist *h = r->h;
	struct hist_nemesis *n;
	const char *f;
	long long t;
	int rc;

	rc = get_str(r, o, "f", &f);
	if (rc == RC_OK && f == NULL)
		rc = bad(r, "\"f\" is missing");
	if (rc == RC_OK)
		rc = get_int(r, o, "t", &t);
	if (rc != RC_OK)
		return rc;
	if (h->n_nemesis == r->cap_nemesis) {
		size_t ncap = r->cap_nemesis ? r->cap_nemesis * 2 : 16;
		void *p = realloc(h->nemesis, ncap * sizeof(*h->nemesis));

		if (p == NULL)
			return nomem(r);
		h->nemesis = p;
		r->cap_nemesis = ncap;
	}
	n = &h->nemesis[h->n_nemesis];
	n->f = strdup(f);
	if (n->f == NULL)
		return nomem(r);
	n->t = t;
	n->pos = r->line;
	h->n_nemesis++;
	if (!r->have_t0) {
		h->t0 = t;
		r->have_t0 = 1;
	}
	return RC_OK;
}

static int read_invoke(struct reader *r, struct proc_slot *ps, long long p,
		       const char *f, const char *k, json_t *o, long long t)
{
	struct hist *h = r->h;
	struct hist_op *op;
	json_t *v;
	int fail = 0;

	if (ps->op == PROC_RETIRED)
		return bad(r, "process %lld invokes again after an operation "
			   "that ended \"info\"; the recorder must give the "
			   "client a new process id", p);
	if (ps->op != PROC_IDLE)
		return bad(r, "process %lld invokes while its operation of "
			   "line %" PRId64 " is in flight", p,
			   h->ops[ps->op].pos_invoke);
	if (h->n_ops == r->cap_ops) {
		size_t ncap = r->cap_ops ? r->cap_ops * 2 : 256;
		void *np = realloc(h->ops, ncap * sizeof(*h->ops));

		if (np == NULL)
			return nomem(r);
		h->ops = np;
		r->cap_ops = ncap;
	}
	op = &h->ops[h->n_ops];
	memset(op, 0, sizeof(*op));
	op->id = h->n_ops;
	op->p = p;
	op->f = dup_or_null(f, &fail);
	op->k = dup_or_null(k, &fail);
	v = json_object_get(o, "v");
	op->value = v ? json_incref(v) : NULL;
	op->status = HIST_INFO;
	op->t_invoke = t;
	op->pos_invoke = r->line;
	op->pos_complete = HIST_POS_NONE;
	h->n_ops++;
	if (fail)
		return nomem(r);
	ps->op = op->id;
	return RC_OK;
}

static int read_completion(struct reader *r, struct proc_slot *ps,
			   long long p, const char *type, const char *f,
			   const char *k, json_t *o, long long t)
{
	struct hist_op *op;
	const char *error;
	json_t *v;
	int rc, fail = 0;

	if (ps->op == PROC_IDLE || ps->op == PROC_RETIRED)
		return bad(r, "\"%s\" for process %lld, which has no "
			   "operation in flight", type, p);
	op = &r->h->ops[ps->op];
	if (strcmp(op->f, f) != 0)
		return bad(r, "\"%s\" of \"%s\" for process %lld, whose "
			   "operation in flight (line %" PRId64 ") is \"%s\"",
			   type, f, p, op->pos_invoke, op->f);
	if (k != NULL && (op->k == NULL || strcmp(op->k, k) != 0))
		return bad(r, "\"%s\" for process %lld names key \"%s\", not "
			   "the key of its invoke (line %" PRId64 ")", type, p,
			   k, op->pos_invoke);
	rc = get_str(r, o, "error", &error);
	if (rc != RC_OK)
		return rc;
	v = json_object_get(o, "v");
	op->result = v ? json_incref(v) : NULL;
	op->error = dup_or_null(error, &fail);
	if (fail)
		return nomem(r);
	op->t_complete = t;
	op->pos_complete = r->line;
	if (strcmp(type, "ok") == 0) {
		op->status = HIST_OK;
		ps->op = PROC_IDLE;
	} else if (strcmp(type, "fail") == 0) {
		op->status = HIST_FAIL;
		ps->op = PROC_IDLE;
	} else {
		op->status = HIST_INFO;
		ps->op = PROC_RETIRED;
	}
	return RC_OK;
}

static int read_op(struct reader *r, json_t *o, const char *type)
{
	struct proc_slot *ps;
	const char *f, *k;
	long long p, t;
	int rc;

	rc = get_int(r, o, "p", &p);
	if (rc == RC_OK)
		rc = get_str(r, o, "f", &f);
	if (rc == RC_OK && (f == NULL || *f == '\0'))
		rc = bad(r, "\"f\" is missing");
	if (rc == RC_OK)
		rc = get_str(r, o, "k", &k);
	if (rc == RC_OK)
		rc = get_int(r, o, "t", &t);
	if (rc != RC_OK)
		return rc;
	if (!r->have_t0) {
		r->h->t0 = t;
		r->have_t0 = 1;
	}
	ps = procs_get(&r->procs, p);
	if (ps == NULL)
		return nomem(r);
	if (strcmp(type, "invoke") == 0)
		return read_invoke(r, ps, p, f, k, o, t);
	return read_completion(r, ps, p, type, f, k, o, t);
}

static int read_line(struct reader *r, const char *line, size_t len)
{
	json_error_t je;
	json_t *o;
	const char *type;
	size_t i;
	int rc;

	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			break;
	if (i == len)
		return RC_OK;	/* blank line */
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (o == NULL)
		return bad(r, "malformed JSON at column %d: %s", je.column,
			   je.text);
	if (!json_is_object(o)) {
		json_decref(o);
		return bad(r, "expected a JSON object");
	}
	rc = get_str(r, o, "type", &type);
	if (rc == RC_OK && type == NULL)
		rc = bad(r, "\"type\" is missing");
	if (rc != RC_OK)
		goto out;
	if (r->h->meta == NULL && strcmp(type, "meta") != 0) {
		rc = bad(r, "the first line must be {\"type\":\"meta\","
			 "\"workload\":...}, not \"%s\"", type);
	} else if (strcmp(type, "meta") == 0) {
		if (r->h->meta != NULL)
			rc = bad(r, "a second meta line");
		else
			rc = read_meta(r, o);
	} else if (strcmp(type, "nemesis") == 0) {
		rc = read_nemesis(r, o);
	} else if (strcmp(type, "invoke") == 0 || strcmp(type, "ok") == 0 ||
		   strcmp(type, "fail") == 0 || strcmp(type, "info") == 0) {
		rc = read_op(r, o, type);
	} else {
		rc = bad(r, "unknown type \"%s\" (expected meta, invoke, ok, "
			 "fail, info or nemesis)", type);
	}
out:
	json_decref(o);
	return rc;
}

int hist_read_stream(FILE *in, const char *name, struct hist **out,
		     struct err *e)
{
	struct reader r;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	size_t i;
	int rc = RC_OK;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.e = e;
	r.h = calloc(1, sizeof(*r.h));
	if (r.h == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	r.h->name = strdup(name);
	if (r.h->name == NULL) {
		free(r.h);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	errno = 0;
	while ((len = getline(&line, &cap, in)) >= 0) {
		r.line++;
		if (len > 0 && line[len - 1] == '\n')
			len--;
		if (memchr(line, '\0', (size_t)len) != NULL) {
			rc = bad(&r, "a NUL byte in the line");
			break;
		}
		rc = read_line(&r, line, (size_t)len);
		if (rc != RC_OK)
			break;
	}
	if (rc == RC_OK && ferror(in))
		rc = err_set(e, RC_IO, "cannot read '%s': %s", name,
			     strerror(errno ? errno : EIO));
	if (rc == RC_OK && r.h->meta == NULL)
		rc = err_set(e, RC_BAD_INPUT, "%s: empty history: no meta "
			     "line", name);
	free(line);
	free(r.procs.slots);
	if (rc != RC_OK) {
		hist_free(r.h);
		return rc;
	}
	for (i = 0; i < r.h->n_ops; i++) {
		switch (r.h->ops[i].status) {
		case HIST_OK:
			r.h->n_ok++;
			break;
		case HIST_FAIL:
			r.h->n_fail++;
			break;
		case HIST_INFO:
			r.h->n_info++;
			break;
		}
	}
	*out = r.h;
	return RC_OK;
}

int hist_read_file(const char *path, struct hist **out, struct err *e)
{
	FILE *in;
	int rc;

	*out = NULL;
	in = fopen(path, "r");
	if (in == NULL)
		return err_set(e, RC_IO, "cannot open '%s': %s", path,
			       strerror(errno));
	rc = hist_read_stream(in, path, out, e);
	fclose(in);
	return rc;
}

int hist_read_string(const char *text, const char *name, struct hist **out,
		     struct err *e)
{
	FILE *in;
	int rc;

	*out = NULL;
	if (*text == '\0')
		return err_set(e, RC_BAD_INPUT, "%s: empty history: no meta "
			       "line", name);
	in = fmemopen((void *)text, strlen(text), "r");
	if (in == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	rc = hist_read_stream(in, name, out, e);
	fclose(in);
	return rc;
}

void hist_free(struct hist *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->n_ops; i++) {
		free(h->ops[i].f);
		free(h->ops[i].k);
		free(h->ops[i].error);
		json_decref(h->ops[i].value);
		json_decref(h->ops[i].result);
	}
	for (i = 0; i < h->n_nemesis; i++)
		free(h->nemesis[i].f);
	free(h->ops);
	free(h->nemesis);
	json_decref(h->meta);
	free(h->name);
	free(h);
}

int hist_meta_int(const struct hist *h, const char *name, long long *out,
		  struct err *e)
{
	json_t *v = json_object_get(h->meta, name);

	if (v == NULL || json_is_null(v))
		return err_set(e, RC_NOT_FOUND, "%s:1: the meta line has no "
			       "\"%s\"", h->name, name);
	if (!json_is_integer(v))
		return err_set(e, RC_BAD_INPUT, "%s:1: meta \"%s\" must be an "
			       "integer", h->name, name);
	*out = json_integer_value(v);
	return RC_OK;
}

int hist_op_bad(const struct hist *h, const struct hist_op *op,
		struct err *e, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX];
	va_list ap;
	int64_t line;

	va_start(ap, fmt);
	err_vformat(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	line = op->pos_complete != HIST_POS_NONE ? op->pos_complete
						 : op->pos_invoke;
	return err_set(e, RC_BAD_INPUT, "%s:%" PRId64 ": p%lld %s: %s",
		       h->name, line, op->p, op->f, msg);
}

/* Print a JSON value compactly, at most 200 bytes, "..." when longer. */
static void print_value(const json_t *v, FILE *out)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	if (s == NULL) {
		fputs("(out of memory)", out);
		return;
	}
	if (strlen(s) > 200)
		fprintf(out, "%.197s...", s);
	else
		fputs(s, out);
	free(s);
}

static void print_time(const struct hist *h, int64_t t, FILE *out)
{
	int64_t d = t - h->t0;
	const char *sign = d < 0 ? "-" : "+";
	uint64_t a = d < 0 ? (uint64_t)0 - (uint64_t)d : (uint64_t)d;

	fprintf(out, "%s%" PRIu64 ".%06" PRIu64 "s", sign, a / 1000000000u,
		(a % 1000000000u) / 1000u);
}

static const char *status_name(enum hist_status s)
{
	return s == HIST_OK ? "ok" : s == HIST_FAIL ? "fail" : "info";
}

void hist_op_print(const struct hist *h, const struct hist_op *op,
		   FILE *out)
{
	json_t *k = op->k ? json_string(op->k) : NULL;

	fprintf(out, "p%lld %s", op->p, op->f);
	if (k != NULL) {
		fputc(' ', out);
		print_value(k, out);
		json_decref(k);
	}
	if (op->value != NULL && !json_is_null(op->value)) {
		fputc(' ', out);
		print_value(op->value, out);
	}
	fprintf(out, " -> %s", status_name(op->status));
	if (op->pos_complete == HIST_POS_NONE) {
		fputs(" (no completion)  [", out);
		print_time(h, op->t_invoke, out);
		fprintf(out, "..?, line %" PRId64 "]", op->pos_invoke);
		return;
	}
	/*
	 * The result: what a read returned, null included; for an op with a
	 * value (a write), only a result that says more than the value.
	 */
	if (op->result != NULL &&
	    (op->status == HIST_OK || !json_is_null(op->result)) &&
	    (op->value == NULL || json_is_null(op->value) ||
	     (!json_is_null(op->result) &&
	      !json_equal(op->result, op->value)))) {
		fputc(' ', out);
		print_value(op->result, out);
	}
	if (op->error != NULL) {
		json_t *s = json_string(op->error);

		fputs(" (error ", out);
		if (s != NULL)
			print_value(s, out);
		json_decref(s);
		fputc(')', out);
	}
	fputs("  [", out);
	print_time(h, op->t_invoke, out);
	fputs("..", out);
	print_time(h, op->t_complete, out);
	fprintf(out, ", lines %" PRId64 "..%" PRId64 "]", op->pos_invoke,
		op->pos_complete);
}

json_t *hist_op_json(const struct hist_op *op)
{
	json_t *o = json_object();
	int bad_set = 0;

	if (o == NULL)
		return NULL;
	bad_set |= json_object_set_new(o, "p", json_integer(op->p));
	bad_set |= json_object_set_new(o, "f", json_string(op->f));
	if (op->k != NULL)
		bad_set |= json_object_set_new(o, "k", json_string(op->k));
	bad_set |= json_object_set_new(o, "v", op->value ?
				       json_incref(op->value) : json_null());
	bad_set |= json_object_set_new(o, "status",
				       json_string(status_name(op->status)));
	if (op->result != NULL)
		bad_set |= json_object_set_new(o, "result",
					       json_incref(op->result));
	if (op->error != NULL)
		bad_set |= json_object_set_new(o, "error",
					       json_string(op->error));
	bad_set |= json_object_set_new(o, "t_invoke",
				       json_integer(op->t_invoke));
	bad_set |= json_object_set_new(o, "line_invoke",
				       json_integer(op->pos_invoke));
	if (op->pos_complete != HIST_POS_NONE) {
		bad_set |= json_object_set_new(o, "t_complete",
					       json_integer(op->t_complete));
		bad_set |= json_object_set_new(o, "line_complete",
					       json_integer(op->pos_complete));
	}
	if (bad_set) {
		json_decref(o);
		return NULL;
	}
	return o;
}

void hist_print_counts(const struct hist *h, FILE *out)
{
	fprintf(out, "%s: %zu operations (%zu ok, %zu fail, %zu info)",
		h->workload, h->n_ops, h->n_ok, h->n_fail, h->n_info);
}

json_t *hist_json_counts(const struct hist *h)
{
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}",
			 "workload", h->workload,
			 "operations", (json_int_t)h->n_ops,
			 "ok", (json_int_t)h->n_ok,
			 "fail", (json_int_t)h->n_fail,
			 "info", (json_int_t)h->n_info,
			 "nemesis", (json_int_t)h->n_nemesis);
}

const char *hist_verdict_name(enum hist_verdict v)
{
	return v == HIST_VALID ? "valid" : v == HIST_INVALID ? "invalid"
							     : "unknown";
}
