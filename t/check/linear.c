/*
 * linear.c -- WGL linearizability search for one register (see linear.h).
 *
 * Layout of the search:
 *  - ok ops become a call and a return entry in a doubly linked list in
 *    real-time order; linearizing an op lifts both entries (Lowe), and
 *    backtracking puts them back.  The candidates at a configuration are
 *    the calls before the first return entry still in the list.
 *  - info ops have no return entry: they are candidates once invoked
 *    before that first return, tried after the ok candidates.  Info ops
 *    with the same effect (write v, or cas a->b) form a group and are
 *    linearized in invoke order only (any valid order can be rewritten
 *    so: the earlier-invoked twin can take the later one's place), so a
 *    group's state is a count.
 *  - An info op is only linearized right before an op that observes its
 *    value (a read of it, or a cas expecting it): in a valid order, an
 *    info op followed by a write can be left out.  So the info
 *    candidates are the ready groups whose value a candidate expects
 *    (directly, or through a chain of info cas ops), a write may not
 *    directly follow an info op, and the configuration right after an
 *    info op is skipped when the same one without that restriction was
 *    seen.
 *  - A configuration is (register value, set of linearized ops, "right
 *    after an info op").  A group is dead once every ok op that could
 *    observe its value is linearized (below "base", the first
 *    unlinearized ok rank); dead groups are neither tried nor remembered
 *    (taking effect or not, they make no difference any more).
 *  - Configurations are remembered by a 128-bit fingerprint: two 64-bit
 *    Zobrist hashes, XORs of one random word per linearized ok op, per
 *    live (group, count) and for the header (register value, flag),
 *    each kept up to date in O(1) per step.  This keeps memory at about
 *    40 bytes per configuration whatever the history.  Two distinct
 *    configurations sharing a fingerprint would make the search skip
 *    one: with n configurations the chance is about n^2 / 2^129, below
 *    10^-20 for n = 10^9.
 *  - t/unit/checker_test.c also compares the verdicts with a brute-force
 *    search on thousands of small random histories.
 * Tested in t/unit/checker_test.c.
 */
#include "linear.h"

#include <stdlib.h>
#include <string.h>

struct entry {
	struct entry *prev, *next;
	struct entry *match;	/* call: its return entry */
	uint32_t op;		/* ok rank */
	int is_call;
	int64_t pos;
};

struct frame {
	uint32_t op;		/* ok rank, or info member */
	int is_info;
	uint32_t ci;		/* info frames: index in icand[] */
	struct linear_val prev;
	int64_t stop;		/* info frames: their candidates' bound */
};

struct fp {
	uint64_t a, b;
};

/* Open addressing set of fingerprints; {0, 0} marks an empty slot. */
struct cache {
	struct fp *slots;
	size_t cap, n;
};

struct search {
	const struct linear_op *ops;
	uint32_t *okv;		/* ok rank -> index in ops */
	uint32_t n_ok;
	struct entry *ents;	/* 2 * n_ok, sorted */
	struct entry **call_of;	/* ok rank -> its call entry */
	struct entry head;
	uint64_t *lin_ok;
	uint32_t base, n_lin_ok;
	struct fp *z_ok;	/* ok rank -> its random words */
	struct fp acc_ok;	/* XOR of z_ok over the linearized ok ops */
	/*
	 * Info members, ordered by group then invoke: infv[m] is the index
	 * in ops, grp[m] the group.  Groups are ordered by deadline dl[g]:
	 * 1 + the highest ok rank that may observe the group's value
	 * (UINT32_MAX when an info cas may); the group is dead once base
	 * reaches it.  Group g's members are gstart[g]..gstart[g+1]-1, of
	 * which the first gcnt[g] are linearized.
	 */
	uint32_t *infv, *grp, n_inf;
	uint32_t *gstart, *gcnt, *dl, n_grp;
	struct fp *zg;
	struct linear_val *gval; /* group -> the value it writes */
	uint32_t *byval;	/* groups by value */
	/*
	 * Fingerprint words of the groups: acc_grp of all of them, acc_dead
	 * of those below dead_fl (kept equal to first_live() lazily).
	 */
	struct fp acc_grp, acc_dead;
	uint32_t dead_fl;
	uint32_t *icand;	/* scratch: info candidates */
	struct linear_val *ev;	/* scratch: values candidates expect */
	struct linear_val state;
	struct frame *stack;
	size_t depth;
	struct frame *best;
	size_t n_best;
	size_t best_low;	/* stack[0..best_low-1] == best[] still */
	uint32_t best_ok;
	struct linear_val best_state;
	struct cache c;
	uint64_t budget;
};

enum { PUSH_NO, PUSH_YES, PUSH_BUDGET };

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* A second mixer, independent of the first (splitmix64's finalizer). */
static uint64_t mix64b(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t splitmix(uint64_t *s)
{
	return mix64b(*s += 0x9e3779b97f4a7c15ULL);
}

static int val_eq(struct linear_val a, struct linear_val b)
{
	return a.is_null == b.is_null && (a.is_null || a.v == b.v);
}

static int val_cmp(struct linear_val a, struct linear_val b)
{
	if (a.is_null || b.is_null)
		return b.is_null - a.is_null;
	return a.v < b.v ? -1 : a.v > b.v;
}

static int val_qcmp(const void *a, const void *b)
{
	return val_cmp(*(const struct linear_val *)a,
		       *(const struct linear_val *)b);
}

static struct linear_val val_norm(struct linear_val a)
{
	if (a.is_null)
		a.v = 0;
	return a;
}

int linear_step(const struct linear_op *op, struct linear_val s,
		struct linear_val *next)
{
	switch (op->f) {
	case LINEAR_READ:
		*next = s;
		return val_eq(s, op->a);
	case LINEAR_WRITE:
		*next = val_norm(op->a);
		return 1;
	case LINEAR_CAS:
		*next = val_norm(op->b);
		return val_eq(s, op->a);
	}
	return 0;
}

static int bit_get(const uint64_t *b, uint32_t i)
{
	return (int)((b[i / 64] >> (i % 64)) & 1);
}

static void bit_set(uint64_t *b, uint32_t i)
{
	b[i / 64] |= (uint64_t)1 << (i % 64);
}

static void bit_clear(uint64_t *b, uint32_t i)
{
	b[i / 64] &= ~((uint64_t)1 << (i % 64));
}

/* ---- the configuration cache ---- */

static int fp_empty(struct fp f)
{
	return f.a == 0 && f.b == 0;
}

static int cache_grow(struct cache *c)
{
	size_t ncap = c->cap ? c->cap * 2 : 1024;
	struct fp *ns = calloc(ncap, sizeof(*ns));
	size_t i;

	if (ns == NULL)
		return RC_NOMEM;
	for (i = 0; i < c->cap; i++) {
		size_t j;

		if (fp_empty(c->slots[i]))
			continue;
		j = c->slots[i].a & (ncap - 1);
		while (!fp_empty(ns[j]))
			j = (j + 1) & (ncap - 1);
		ns[j] = c->slots[i];
	}
	free(c->slots);
	c->slots = ns;
	c->cap = ncap;
	return RC_OK;
}

static struct fp fp_fix(struct fp f)
{
	f.a += fp_empty(f);
	return f;
}

static int cache_find(const struct cache *c, struct fp f)
{
	size_t j;

	if (c->cap == 0)
		return 0;
	f = fp_fix(f);
	for (j = f.a & (c->cap - 1); !fp_empty(c->slots[j]);
	     j = (j + 1) & (c->cap - 1))
		if (c->slots[j].a == f.a && c->slots[j].b == f.b)
			return 1;
	return 0;
}

/* Add f, known to be absent; the table stays at most 70% full. */
static int cache_add(struct cache *c, struct fp f)
{
	size_t j;

	if ((c->n + 1) * 10 > c->cap * 7 && cache_grow(c) != RC_OK)
		return RC_NOMEM;
	f = fp_fix(f);
	for (j = f.a & (c->cap - 1); !fp_empty(c->slots[j]);
	     j = (j + 1) & (c->cap - 1))
		;
	c->slots[j] = f;
	c->n++;
	return RC_OK;
}

/* ---- configurations ---- */

static void fp_xor(struct fp *f, struct fp g)
{
	f->a ^= g.a;
	f->b ^= g.b;
}

/* The words of group g with count n (0: nothing). */
static struct fp group_fp(const struct search *s, uint32_t g, uint32_t n)
{
	struct fp f = { 0, 0 };

	if (n > 0) {
		f.a = mix64(s->zg[g].a + n);
		f.b = mix64b(s->zg[g].b + n);
	}
	return f;
}

/* Group g's count goes from gcnt[g] to n. */
static void group_count(struct search *s, uint32_t g, uint32_t n)
{
	struct fp d = group_fp(s, g, s->gcnt[g]);

	fp_xor(&d, group_fp(s, g, n));
	fp_xor(&s->acc_grp, d);
	if (g < s->dead_fl)
		fp_xor(&s->acc_dead, d);
	s->gcnt[g] = n;
}

static void lin_set(struct search *s, int is_info, uint32_t r)
{
	if (is_info) {
		uint32_t g = s->grp[r];

		group_count(s, g, s->gcnt[g] + 1);
		return;
	}
	bit_set(s->lin_ok, r);
	s->n_lin_ok++;
	fp_xor(&s->acc_ok, s->z_ok[r]);
	while (s->base < s->n_ok && bit_get(s->lin_ok, s->base))
		s->base++;
}

static void lin_clear(struct search *s, int is_info, uint32_t r)
{
	if (is_info) {
		uint32_t g = s->grp[r];

		group_count(s, g, s->gcnt[g] - 1);
		return;
	}
	bit_clear(s->lin_ok, r);
	s->n_lin_ok--;
	fp_xor(&s->acc_ok, s->z_ok[r]);
	if (r < s->base)
		s->base = r;
}

/* First group whose deadline is above base: the live ones. */
static uint32_t first_live(const struct search *s)
{
	uint32_t lo = 0, hi = s->n_grp;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (s->dl[mid] <= s->base)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The words of the header: the register and the after-info flag. */
static struct fp header_fp(struct linear_val v, int after_info)
{
	uint64_t w = (uint64_t)(v.is_null | after_info << 1) + 1;
	struct fp f;

	f.a = mix64((uint64_t)v.v ^ mix64(w));
	f.b = mix64b((uint64_t)v.v + w * 0x9e3779b97f4a7c15ULL);
	return f;
}

/*
 * The fingerprint of the current configuration.  Dead groups are left
 * out: moving dead_fl to first_live() moves them in and out of acc_dead,
 * which cancels them in acc_grp.
 */
static struct fp fingerprint(struct search *s, int after_info)
{
	struct fp f = header_fp(s->state, after_info);
	uint32_t fl = first_live(s), g;

	while (s->dead_fl < fl) {
		g = s->dead_fl++;
		fp_xor(&s->acc_dead, group_fp(s, g, s->gcnt[g]));
	}
	while (s->dead_fl > fl) {
		g = --s->dead_fl;
		fp_xor(&s->acc_dead, group_fp(s, g, s->gcnt[g]));
	}
	fp_xor(&f, s->acc_ok);
	fp_xor(&f, s->acc_grp);
	fp_xor(&f, s->acc_dead);
	return f;
}

/*
 * Right after an info op, a configuration is dominated by the same one
 * reached otherwise (no restriction on what comes next).
 */
static int after_info_dominated(const struct search *s, struct fp f)
{
	fp_xor(&f, header_fp(s->state, 1));
	fp_xor(&f, header_fp(s->state, 0));
	return cache_find(&s->c, f);
}

/*
 * Linearize op (ok rank or info member) next, moving the register to ns,
 * unless that configuration (or one that dominates it) was seen already.
 */
static int try_push(struct search *s, int is_info, uint32_t r, uint32_t ci,
		    struct linear_val ns, int64_t stop, int *rc)
{
	struct linear_val old = s->state;
	struct frame *f;
	struct fp fp;

	lin_set(s, is_info, r);
	s->state = ns;
	fp = fingerprint(s, is_info);
	if (cache_find(&s->c, fp))
		goto no;
	if (is_info && after_info_dominated(s, fp))
		goto no;
	if (s->c.n >= s->budget)
		return PUSH_BUDGET;
	*rc = cache_add(&s->c, fp);
	if (*rc != RC_OK)
		return PUSH_BUDGET;
	f = &s->stack[s->depth++];
	f->op = r;
	f->is_info = is_info;
	f->ci = ci;
	f->prev = old;
	f->stop = stop;
	if (s->n_lin_ok > s->best_ok) {
		s->best_ok = s->n_lin_ok;
		memcpy(s->best + s->best_low, s->stack + s->best_low,
		       (s->depth - s->best_low) * sizeof(*s->stack));
		s->n_best = s->depth;
		s->best_low = s->depth;
		s->best_state = s->state;
	}
	return PUSH_YES;
no:
	lin_clear(s, is_info, r);
	s->state = old;
	return PUSH_NO;
}

static void lift(struct entry *e)
{
	struct entry *m = e->match;

	e->prev->next = e->next;
	e->next->prev = e->prev;
	m->prev->next = m->next;
	m->next->prev = m->prev;
}

static void unlift(struct entry *e)
{
	struct entry *m = e->match;

	m->prev->next = m;
	m->next->prev = m;
	e->prev->next = e;
	e->next->prev = e;
}

/* Group g's next op, if it can be linearized now (ignoring the value). */
static int group_ready(const struct search *s, uint32_t g, int64_t stop,
		       uint32_t *m)
{
	*m = s->gstart[g] + s->gcnt[g];
	return *m < s->gstart[g + 1] && s->dl[g] > s->base &&
	       s->ops[s->infv[*m]].inv < stop;
}

/* Does ev[0..n-1] hold v? */
static int ev_has(const struct linear_val *ev, size_t n, struct linear_val v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (val_eq(ev[i], v))
			return 1;
	return 0;
}

static int member_cmp(const void *a, const void *b, void *arg)
{
	const struct search *s = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int64_t ix = s->ops[s->infv[x]].inv, iy = s->ops[s->infv[y]].inv;

	if (ix != iy)
		return ix < iy ? -1 : 1;
	return x < y ? -1 : x > y;
}

/*
 * The info candidates at the current configuration, in s->icand, oldest
 * first: the next op of each ready group whose value is expected by an
 * ok candidate, or by a ready info cas whose own value is (a chain of
 * info ops ends at an ok op that observes the last one).  An op that
 * writes the value the register already holds changes nothing and is
 * left out.  Deterministic, so that it can be rebuilt when the search
 * comes back to the configuration.
 */
static uint32_t info_cands(struct search *s, int64_t stop)
{
	const struct entry *e;
	size_t ne = 0, i, j;
	uint32_t n = 0, m;

	for (e = s->head.next; e != &s->head && e->is_call; e = e->next) {
		const struct linear_op *op = &s->ops[s->okv[e->op]];

		if (op->f != LINEAR_WRITE && !ev_has(s->ev, ne, op->a))
			s->ev[ne++] = val_norm(op->a);
	}
	for (i = 0; i < ne; i++) {
		struct linear_val v = s->ev[i];
		size_t lo = 0, hi = s->n_grp;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (val_cmp(s->gval[s->byval[mid]], v) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (j = lo; j < s->n_grp && val_eq(s->gval[s->byval[j]], v);
		     j++) {
			const struct linear_op *op;

			if (!group_ready(s, s->byval[j], stop, &m))
				continue;
			if (!val_eq(v, s->state))
				s->icand[n++] = m;
			op = &s->ops[s->infv[m]];
			if (op->f == LINEAR_CAS && !ev_has(s->ev, ne, op->a))
				s->ev[ne++] = val_norm(op->a);
		}
	}
	qsort_r(s->icand, n, sizeof(*s->icand), member_cmp, s);
	return n;
}

/*
 * Was the last op linearized an info op?  Then the next one must observe
 * its value (a read, or a cas expecting it): a write would hide it, and
 * a linearization where an info op is overwritten unseen is still valid
 * without it.  So every info op is placed right before an op that sees it.
 */
static int after_info(const struct search *s)
{
	return s->depth > 0 && s->stack[s->depth - 1].is_info;
}

/* The search proper: LINEAR_OK, LINEAR_FAIL or LINEAR_UNKNOWN, or *rc. */
static enum linear_verdict search_run(struct search *s, int *rc)
{
	struct entry *cur = s->head.next;
	int in_infos = 0;
	uint32_t ii = 0, n_ic = 0;
	int64_t stop = 0;
	struct linear_val ns;
	int pushed;

	if (s->n_ok == 0)
		return LINEAR_OK;
	for (;;) {
		if (!in_infos) {
			if (cur->is_call) {
				const struct linear_op *op =
					&s->ops[s->okv[cur->op]];

				pushed = PUSH_NO;
				if (!(op->f == LINEAR_WRITE &&
				      after_info(s)) &&
				    linear_step(op, s->state, &ns))
					pushed = try_push(s, 0, cur->op, 0, ns,
							  0, rc);
				if (pushed == PUSH_BUDGET)
					return LINEAR_UNKNOWN;
				if (pushed == PUSH_NO) {
					cur = cur->next;
					continue;
				}
				lift(cur);
				if (s->n_lin_ok == s->n_ok)
					return LINEAR_OK;
				cur = s->head.next;
				continue;
			}
			/* the first return: no ok op left to try here */
			stop = cur->pos;
			in_infos = 1;
			ii = 0;
			n_ic = info_cands(s, stop);
		}
		pushed = PUSH_NO;
		for (; ii < n_ic; ii++) {
			uint32_t m = s->icand[ii];
			const struct linear_op *op = &s->ops[s->infv[m]];

			if ((op->f == LINEAR_WRITE && after_info(s)) ||
			    !linear_step(op, s->state, &ns))
				continue;
			pushed = try_push(s, 1, m, ii, ns, stop, rc);
			if (pushed != PUSH_NO)
				break;
		}
		if (pushed == PUSH_BUDGET)
			return LINEAR_UNKNOWN;
		if (pushed == PUSH_YES) {
			in_infos = 0;
			cur = s->head.next;
			continue;
		}
		/* backtrack */
		if (s->depth == 0)
			return LINEAR_FAIL;
		{
			struct frame *f = &s->stack[--s->depth];

			if (s->depth < s->best_low)
				s->best_low = s->depth;
			lin_clear(s, f->is_info, f->op);
			s->state = f->prev;
			if (f->is_info) {
				ii = f->ci + 1;
				stop = f->stop;
				n_ic = info_cands(s, stop);
			} else {
				struct entry *e = s->call_of[f->op];

				unlift(e);
				cur = e->next;
				in_infos = 0;
			}
		}
	}
}

/* ---- preparation ---- */

struct vpos {
	struct linear_val v;
	int64_t pos;
	size_t op;
};

static int vpos_cmp(const void *a, const void *b)
{
	const struct vpos *x = a, *y = b;
	int c = val_cmp(x->v, y->v);

	if (c != 0)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* First element of sorted a[0..n-1] with value v, or n. */
static size_t vpos_lower(const struct vpos *a, size_t n, struct linear_val v)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (val_cmp(a[mid].v, v) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct linear_val new_value(const struct linear_op *op)
{
	return val_norm(op->f == LINEAR_CAS ? op->b : op->a);
}

/*
 * A read or cas of a value no write invoked before its completion could
 * have produced: the index of the one completing first, or n.
 */
static int check_written(const struct linear_op *ops, size_t n, size_t *bad)
{
	struct vpos *w = malloc((n ? n : 1) * sizeof(*w));
	size_t nw = 0, i, j;
	int64_t bad_ret = INT64_MAX;

	*bad = n;
	if (w == NULL)
		return RC_NOMEM;
	for (i = 0; i < n; i++) {
		if (ops[i].f == LINEAR_READ)
			continue;
		w[nw].v = new_value(&ops[i]);
		w[nw].pos = ops[i].inv;
		w[nw].op = i;
		nw++;
	}
	qsort(w, nw, sizeof(*w), vpos_cmp);
	for (i = 0; i < n; i++) {
		const struct linear_op *o = &ops[i];
		int found = 0;

		if (o->info || o->f == LINEAR_WRITE || o->a.is_null)
			continue;
		for (j = vpos_lower(w, nw, o->a); j < nw; j++) {
			if (!val_eq(w[j].v, o->a) || w[j].pos >= o->ret)
				break;
			if (w[j].op != i) {
				found = 1;
				break;
			}
		}
		if (!found && o->ret < bad_ret) {
			bad_ret = o->ret;
			*bad = i;
		}
	}
	free(w);
	return RC_OK;
}

/*
 * keep[i]: op i takes part in the search.  Info reads never do; an info
 * write or cas only when some op that may follow it expects its value.
 */
static int select_ops(const struct linear_op *ops, size_t n, char *keep,
		      size_t *dropped)
{
	struct vpos *obs = malloc((n ? n : 1) * sizeof(*obs));
	size_t nobs = 0, i;

	*dropped = 0;
	if (obs == NULL)
		return RC_NOMEM;
	for (i = 0; i < n; i++) {
		if (ops[i].f == LINEAR_WRITE)
			continue;
		if (ops[i].info && ops[i].f == LINEAR_READ)
			continue;
		obs[nobs].v = val_norm(ops[i].a);
		obs[nobs].pos = ops[i].info ? INT64_MAX : ops[i].ret;
		nobs++;
	}
	qsort(obs, nobs, sizeof(*obs), vpos_cmp);
	for (i = 0; i < n; i++) {
		struct linear_val v;
		size_t j;

		keep[i] = 1;
		if (!ops[i].info)
			continue;
		keep[i] = 0;
		if (ops[i].f != LINEAR_READ) {
			/* the last observer of the value: the largest pos */
			v = new_value(&ops[i]);
			j = vpos_lower(obs, nobs, v);
			while (j < nobs && val_eq(obs[j].v, v))
				j++;
			keep[i] = j > 0 && val_eq(obs[j - 1].v, v) &&
				  obs[j - 1].pos > ops[i].inv;
		}
		if (!keep[i])
			(*dropped)++;
	}
	free(obs);
	return RC_OK;
}

static int rank_cmp(const void *a, const void *b, void *arg)
{
	const struct linear_op *ops = arg;
	const struct linear_op *x = &ops[*(const uint32_t *)a];
	const struct linear_op *y = &ops[*(const uint32_t *)b];

	if (x->inv != y->inv)
		return x->inv < y->inv ? -1 : 1;
	return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->pos != y->pos)
		return x->pos < y->pos ? -1 : 1;
	/* calls first on a tie: the two ops are then concurrent */
	if (x->is_call != y->is_call)
		return y->is_call - x->is_call;
	return x->op < y->op ? -1 : x->op > y->op;
}

/* An ok op that may observe a value: a read, or a cas's expectation. */
struct obs {
	struct linear_val v;
	uint32_t rank;
	int64_t ret;
};

static int obs_cmp(const void *a, const void *b)
{
	const struct obs *x = a, *y = b;
	int c = val_cmp(x->v, y->v);

	if (c != 0)
		return c;
	return x->rank > y->rank ? -1 : x->rank < y->rank;
}


/* 1 + the highest ok rank that may observe v written at inv. */
static uint32_t deadline(const struct obs *ob, size_t nob,
			 const struct linear_val *casv, size_t ncas,
			 struct linear_val v, int64_t inv)
{
	size_t lo = 0, hi = nob;

	if (bsearch(&v, casv, ncas, sizeof(*casv), val_qcmp) != NULL)
		return UINT32_MAX;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (val_cmp(ob[mid].v, v) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* highest rank first: the first that completes after inv */
	for (; lo < nob && val_eq(ob[lo].v, v); lo++)
		if (ob[lo].ret > inv)
			return ob[lo].rank + 1;
	return 0;
}

struct member {
	uint32_t op;		/* index in ops */
	uint32_t dl;
	uint32_t g;
	int64_t inv;
};

static int same_effect(const struct linear_op *x, const struct linear_op *y)
{
	return x->f == y->f && val_eq(x->a, y->a) &&
	       (x->f != LINEAR_CAS || val_eq(x->b, y->b));
}

/* Same effect (write v, or cas a->b), then invoke order. */
static int effect_cmp(const void *a, const void *b, void *arg)
{
	const struct linear_op *ops = arg;
	const struct member *mx = a, *my = b;
	const struct linear_op *x = &ops[mx->op], *y = &ops[my->op];
	int c;

	if (x->f != y->f)
		return x->f < y->f ? -1 : 1;
	c = val_cmp(x->a, y->a);
	if (c == 0 && x->f == LINEAR_CAS)
		c = val_cmp(x->b, y->b);
	if (c != 0)
		return c;
	if (mx->inv != my->inv)
		return mx->inv < my->inv ? -1 : 1;
	return mx->op < my->op ? -1 : mx->op > my->op;
}

static int group_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;

	if (x->g != y->g)
		return x->g < y->g ? -1 : 1;
	if (x->inv != y->inv)
		return x->inv < y->inv ? -1 : 1;
	return x->op < y->op ? -1 : x->op > y->op;
}

/* Groups by provisional id: (deadline, first invoke) order. */
struct gsort {
	uint32_t dl;
	int64_t inv;
	uint32_t id;
};

static int gsort_cmp(const void *a, const void *b)
{
	const struct gsort *x = a, *y = b;

	if (x->dl != y->dl)
		return x->dl < y->dl ? -1 : 1;
	if (x->inv != y->inv)
		return x->inv < y->inv ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int byval_cmp(const void *a, const void *b, void *arg)
{
	const struct search *s = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int c = val_cmp(s->gval[x], s->gval[y]);

	if (c != 0)
		return c;
	return x < y ? -1 : x > y;
}

/* Each member's deadline, from the ok observers and the info cas ops. */
static int member_deadlines(struct search *s, struct member *mem)
{
	const struct linear_op *ops = s->ops;
	struct obs *ob = malloc((s->n_ok + 1) * sizeof(*ob));
	struct linear_val *casv = malloc((s->n_inf + 1) * sizeof(*casv));
	size_t nob = 0, ncas = 0;
	uint32_t r;

	if (ob == NULL || casv == NULL) {
		free(ob);
		free(casv);
		return RC_NOMEM;
	}
	for (r = 0; r < s->n_ok; r++) {
		const struct linear_op *op = &ops[s->okv[r]];

		if (op->f == LINEAR_WRITE)
			continue;
		ob[nob].v = val_norm(op->a);
		ob[nob].rank = r;
		ob[nob++].ret = op->ret;
	}
	for (r = 0; r < s->n_inf; r++)
		if (ops[mem[r].op].f == LINEAR_CAS)
			casv[ncas++] = val_norm(ops[mem[r].op].a);
	qsort(ob, nob, sizeof(*ob), obs_cmp);
	qsort(casv, ncas, sizeof(*casv), val_qcmp);
	for (r = 0; r < s->n_inf; r++)
		mem[r].dl = deadline(ob, nob, casv, ncas,
				     new_value(&ops[mem[r].op]), mem[r].inv);
	free(ob);
	free(casv);
	return RC_OK;
}

/* Group the info ops (mem[] in any order) and fill the group arrays. */
static int group_infos(struct search *s, struct member *mem)
{
	struct gsort *gs = malloc((s->n_inf + 1) * sizeof(*gs));
	uint32_t *newid = malloc((s->n_inf + 1) * sizeof(*newid));
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	uint32_t m, g;

	if (gs == NULL || newid == NULL || member_deadlines(s, mem) != RC_OK) {
		free(gs);
		free(newid);
		return RC_NOMEM;
	}
	qsort_r(mem, s->n_inf, sizeof(*mem), effect_cmp, (void *)s->ops);
	s->n_grp = 0;
	for (m = 0; m < s->n_inf; m++) {
		if (m == 0 || !same_effect(&s->ops[mem[m - 1].op],
					   &s->ops[mem[m].op])) {
			gs[s->n_grp].dl = 0;
			gs[s->n_grp].inv = mem[m].inv;
			gs[s->n_grp].id = s->n_grp;
			s->n_grp++;
		}
		mem[m].g = s->n_grp - 1;
		if (mem[m].dl > gs[mem[m].g].dl)
			gs[mem[m].g].dl = mem[m].dl;
	}
	qsort(gs, s->n_grp, sizeof(*gs), gsort_cmp);
	for (g = 0; g < s->n_grp; g++)
		newid[gs[g].id] = g;
	for (m = 0; m < s->n_inf; m++)
		mem[m].g = newid[mem[m].g];
	qsort(mem, s->n_inf, sizeof(*mem), group_cmp);
	for (g = 0; g < s->n_grp; g++) {
		s->dl[g] = gs[g].dl;
		s->zg[g].a = splitmix(&seed);
		s->zg[g].b = splitmix(&seed);
	}
	for (m = 0; m < s->n_inf; m++) {
		s->infv[m] = mem[m].op;
		s->grp[m] = mem[m].g;
		if (m == 0 || mem[m].g != mem[m - 1].g)
			s->gstart[mem[m].g] = m;
	}
	s->gstart[s->n_grp] = s->n_inf;
	for (g = 0; g < s->n_grp; g++) {
		const struct linear_op *op = &s->ops[s->infv[s->gstart[g]]];

		s->gval[g] = new_value(op);
		s->byval[g] = g;
	}
	qsort_r(s->byval, s->n_grp, sizeof(*s->byval), byval_cmp, s);
	free(gs);
	free(newid);
	return RC_OK;
}

static void search_release(struct search *s)
{
	free(s->okv);
	free(s->ents);
	free(s->call_of);
	free(s->lin_ok);
	free(s->z_ok);
	free(s->infv);
	free(s->grp);
	free(s->gstart);
	free(s->gcnt);
	free(s->dl);
	free(s->zg);
	free(s->gval);
	free(s->byval);
	free(s->icand);
	free(s->ev);
	free(s->stack);
	free(s->best);
	free(s->c.slots);
}

static int search_alloc(struct search *s)
{
	size_t total = (size_t)s->n_ok + s->n_inf + 1;

	s->okv = malloc((s->n_ok + 1) * sizeof(*s->okv));
	s->ents = calloc(2 * (size_t)s->n_ok + 1, sizeof(*s->ents));
	s->call_of = malloc((s->n_ok + 1) * sizeof(*s->call_of));
	s->lin_ok = calloc(s->n_ok / 64 + 1, sizeof(*s->lin_ok));
	s->z_ok = malloc((s->n_ok + 1) * sizeof(*s->z_ok));
	s->infv = malloc((s->n_inf + 1) * sizeof(*s->infv));
	s->grp = malloc((s->n_inf + 1) * sizeof(*s->grp));
	s->gstart = malloc((s->n_inf + 2) * sizeof(*s->gstart));
	s->gcnt = calloc(s->n_inf + 1, sizeof(*s->gcnt));
	s->dl = malloc((s->n_inf + 1) * sizeof(*s->dl));
	s->zg = malloc((s->n_inf + 1) * sizeof(*s->zg));
	s->gval = malloc((s->n_inf + 1) * sizeof(*s->gval));
	s->byval = malloc((s->n_inf + 1) * sizeof(*s->byval));
	s->icand = malloc((s->n_inf + 1) * sizeof(*s->icand));
	s->ev = malloc(((size_t)s->n_ok + s->n_inf + 1) * sizeof(*s->ev));
	s->stack = malloc(total * sizeof(*s->stack));
	s->best = malloc(total * sizeof(*s->best));
	if (!s->okv || !s->ents || !s->call_of || !s->lin_ok || !s->z_ok ||
	    !s->infv || !s->grp || !s->gstart || !s->gcnt || !s->dl ||
	    !s->zg || !s->stack || !s->best ||
	    !s->gval || !s->byval || !s->icand || !s->ev)
		return RC_NOMEM;
	return RC_OK;
}

static int search_init(struct search *s, const struct linear_op *ops,
		       size_t n, const char *keep)
{
	uint64_t seed = 0x2545f4914f6cdd1dULL;
	struct member *mem;
	size_t i;
	uint32_t r;
	int rc;

	s->ops = ops;
	for (i = 0; i < n; i++) {
		if (!keep[i])
			continue;
		if (ops[i].info)
			s->n_inf++;
		else
			s->n_ok++;
	}
	if (search_alloc(s) != RC_OK)
		return RC_NOMEM;
	mem = malloc((s->n_inf + 1) * sizeof(*mem));
	if (mem == NULL)
		return RC_NOMEM;
	s->n_ok = s->n_inf = 0;
	for (i = 0; i < n; i++) {
		if (!keep[i])
			continue;
		if (ops[i].info) {
			mem[s->n_inf].op = (uint32_t)i;
			mem[s->n_inf++].inv = ops[i].inv;
		} else {
			s->okv[s->n_ok++] = (uint32_t)i;
		}
	}
	qsort_r(s->okv, s->n_ok, sizeof(*s->okv), rank_cmp, (void *)ops);
	rc = group_infos(s, mem);
	free(mem);
	if (rc != RC_OK)
		return rc;
	for (r = 0; r < s->n_ok; r++) {
		struct entry *c = &s->ents[2 * r], *ret = &s->ents[2 * r + 1];

		c->op = ret->op = r;
		c->is_call = 1;
		c->pos = ops[s->okv[r]].inv;
		ret->pos = ops[s->okv[r]].ret;
		s->z_ok[r].a = splitmix(&seed);
		s->z_ok[r].b = splitmix(&seed);
	}
	qsort(s->ents, 2 * (size_t)s->n_ok, sizeof(*s->ents), entry_cmp);
	/* link the list and the calls to their returns */
	s->head.next = s->head.prev = &s->head;
	for (i = 0; i < 2 * (size_t)s->n_ok; i++) {
		struct entry *e = &s->ents[i];

		e->prev = s->head.prev;
		e->next = &s->head;
		s->head.prev->next = e;
		s->head.prev = e;
		if (e->is_call)
			s->call_of[e->op] = e;
		else
			s->call_of[e->op]->match = e;
	}
	s->state.is_null = 1;
	s->state.v = 0;
	return RC_OK;
}

/* After LINEAR_FAIL: the longest prefix and the ops stuck after it. */
static int explain(struct search *s, struct linear_result *res)
{
	uint64_t *lin = calloc(s->n_ok / 64 + 1, sizeof(*lin));
	struct entry *blocker = NULL;
	size_t i;
	uint32_t r;

	res->prefix = malloc((s->n_best + 1) * sizeof(*res->prefix));
	res->stuck = malloc((s->n_ok + 1) * sizeof(*res->stuck));
	if (lin == NULL || res->prefix == NULL || res->stuck == NULL) {
		free(lin);
		return RC_NOMEM;
	}
	for (i = 0; i < s->n_best; i++) {
		const struct frame *f = &s->best[i];

		res->prefix[i] = f->is_info ? s->infv[f->op] : s->okv[f->op];
		if (!f->is_info)
			bit_set(lin, f->op);
	}
	res->n_prefix = s->n_best;
	res->prefix_state = s->n_best ? s->best_state : s->state;
	for (i = 0; i < 2 * (size_t)s->n_ok && blocker == NULL; i++)
		if (!s->ents[i].is_call && !bit_get(lin, s->ents[i].op))
			blocker = &s->ents[i];
	if (blocker != NULL) {
		res->stuck[res->n_stuck++] = s->okv[blocker->op];
		for (r = 0; r < s->n_ok; r++) {
			if (s->ops[s->okv[r]].inv >= blocker->pos)
				break;
			if (!bit_get(lin, r) && r != blocker->op)
				res->stuck[res->n_stuck++] = s->okv[r];
		}
	}
	free(lin);
	return RC_OK;
}

int linear_check(const struct linear_op *ops, size_t n, uint64_t budget,
		 struct linear_result *res, struct err *e)
{
	struct search s;
	char *keep = NULL;
	size_t i, bad;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&s, 0, sizeof(s));
	if (n >= UINT32_MAX / 4)
		return err_set(e, RC_TOO_LARGE, "%zu operations on one key is "
			       "too many", n);
	for (i = 0; i < n; i++)
		if (!ops[i].info && ops[i].ret <= ops[i].inv)
			return err_set(e, RC_BAD_INPUT, "operation %zu "
				       "completes before it is invoked", i);
	rc = check_written(ops, n, &bad);
	if (rc != RC_OK)
		goto nomem;
	if (bad < n) {
		res->verdict = LINEAR_FAIL;
		res->never_written = 1;
		res->stuck = malloc(sizeof(*res->stuck));
		if (res->stuck == NULL)
			goto nomem;
		res->stuck[0] = bad;
		res->n_stuck = 1;
		res->prefix_state.is_null = 1;
		return RC_OK;
	}
	keep = malloc(n ? n : 1);
	if (keep == NULL)
		goto nomem;
	rc = select_ops(ops, n, keep, &res->n_dropped_info);
	if (rc == RC_OK)
		rc = search_init(&s, ops, n, keep);
	if (rc != RC_OK)
		goto nomem;
	s.budget = budget;
	res->verdict = search_run(&s, &rc);
	res->configs = s.c.n;
	if (rc != RC_OK)
		goto nomem;
	if (res->verdict == LINEAR_FAIL && explain(&s, res) != RC_OK)
		goto nomem;
	search_release(&s);
	free(keep);
	return RC_OK;
nomem:
	search_release(&s);
	free(keep);
	linear_result_release(res);
	return err_set(e, RC_NOMEM, "out of memory checking linearizability");
}

void linear_result_release(struct linear_result *r)
{
	free(r->prefix);
	free(r->stuck);
	r->prefix = r->stuck = NULL;
	r->n_prefix = r->n_stuck = 0;
}
