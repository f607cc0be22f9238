/*
 * cmds.c -- rangectl's commands.  See cmds.h.
 *
 * A range's leader, size and load come from the replicas themselves: the
 * /status of each replica (each node asked once per command; again by a
 * rebalance after it moved replicas) is searched for
 * the range, and the entry of the replica that calls itself leader (the
 * highest term if several do) is the range's view.  Without one, the
 * leader is unknown ("-": a leader that a follower remembers may well be
 * the node that is down), the most advanced replica gives the size, and
 * qps is unknown, as only a leader counts it.  Entries of an
 * older generation than the meta's descriptor (a replica that has not yet
 * applied a split) are skipped.
 *
 * The meta range (range 1) has no descriptor in meta: split,
 * transfer-leader, move and merge of range 1, and rebalance, take its
 * replicas from the /status of the nodes that hold it.  rebalance looks
 * for each range's leader on every up node, not only on meta's replicas,
 * since meta's descriptor lags for a moment behind a move; the leader's
 * voters are the range's replicas.  Tested by t/511-rangectl-cli.bats,
 * t/unit/rangectl_rebalance_test.c (the plan) and the rangectl cluster
 * tests.
 */
#include "cmds.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "desc.h"
#include "format.h"
#include "jx.h"
#include "rebalance.h"
#include "util.h"

#define CMDS_RANGE_HEADER \
	"range_id\tstart\tend\tleader\treplicas\tsize_bytes\tqps\n"
#define CMDS_NODE_HEADER \
	"id\taddress\tstatus\treplicas\tleaders\tclock_offset_ms\n"

#define CMDS_META_RANGE	1	/* the meta range's id, [\x01, \x02) */

/* What the replicas say about one range; NULL / 0 = unknown. */
struct cmds_view {
	uint64_t leader;
	const json_t *entry;	/* the leader's entry in its /status */
	const json_t *size;	/* borrowed from a /status reply */
	const json_t *qps;
};

/* ---- parsing the command line ------------------------------------------- */

enum { V_LIST, V_LOCATE, V_NODES, V_SPLIT, V_TRANSFER, V_MOVE, V_MERGE,
       V_ADD_NODE, V_REBALANCE };

static const struct cmds_verb {
	const char *name;
	int min_args, max_args;
	const char *args;	/* for "needs"/"takes" messages */
} cmds_verbs[] = {
	[V_LIST] = { "list", 0, 0, "no arguments" },
	[V_LOCATE] = { "locate", 1, 1, "a KEY" },
	[V_NODES] = { "nodes", 0, 0, "no arguments" },
	[V_SPLIT] = { "split", 1, 2, "RANGE and an optional KEY" },
	[V_TRANSFER] = { "transfer-leader", 2, 2, "RANGE and NODE" },
	[V_MOVE] = { "move", 1, 1, "RANGE, --from NODE and --to NODE" },
	[V_MERGE] = { "merge", 1, 1, "RANGE" },
	[V_ADD_NODE] = { "add-node", 2, 2, "ID and ADDR" },
	[V_REBALANCE] = { "rebalance", 0, 0, "no arguments" },
};

static int cmds_verb_index(const char *verb)
{
	for (size_t i = 0; i < sizeof(cmds_verbs) / sizeof(cmds_verbs[0]);
	     i++)
		if (strcmp(cmds_verbs[i].name, verb) == 0)
			return (int)i;
	return -1;
}

/* A node id option or argument of v: 1 .. INT64_MAX. */
static int cmds_parse_id(const char *prog, const struct cmds_verb *v,
			 const char *s, const char *what, uint64_t *out)
{
	struct err e;

	if (util_parse_u64(s, 1, INT64_MAX, out, what, &e) == RC_OK)
		return EXIT_OK;
	cli_usage_error(prog, "%s: %s", v->name, e.msg);
	return EXIT_USAGE;
}

/* The command's own options: only with their command, and all it needs. */
static int cmds_parse_opts(const char *prog, int i, const struct cmds_opts *o,
			   struct cmds_call *call)
{
	const struct cmds_verb *v = &cmds_verbs[i];

	if (i != V_MOVE && (o->from != NULL || o->to != NULL)) {
		cli_usage_error(prog, "%s is an option of move, not of %s",
				o->from != NULL ? "--from" : "--to", v->name);
		return EXIT_USAGE;
	}
	if (i != V_REBALANCE && o->dry_run) {
		cli_usage_error(prog, "--dry-run is an option of rebalance, "
				"not of %s", v->name);
		return EXIT_USAGE;
	}
	call->dry_run = o->dry_run;
	if (i != V_MOVE)
		return EXIT_OK;
	if (o->from == NULL || o->to == NULL) {
		cli_usage_error(prog, "move needs %s", o->from != NULL ?
				"--to NODE too" : o->to != NULL ?
				"--from NODE too" :
				"--from NODE and --to NODE");
		return EXIT_USAGE;
	}
	if (cmds_parse_id(prog, v, o->from, "--from", &call->from) !=
	    EXIT_OK ||
	    cmds_parse_id(prog, v, o->to, "--to", &call->to) != EXIT_OK)
		return EXIT_USAGE;
	if (call->from == call->to) {
		cli_usage_error(prog, "move: --from and --to are the same "
				"node, %" PRIu64, call->from);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int cmds_parse(const char *prog, int argc, char **argv,
	       const struct cmds_opts *o, struct cmds_call *call)
{
	static const struct cmds_opts none;
	const struct cmds_verb *v;
	struct err e;
	int i, nargs = argc - 1;

	memset(call, 0, sizeof(*call));
	if (argc < 1) {
		cli_usage_error(prog, "no command given (%s)", CMDS_NAMES);
		return EXIT_USAGE;
	}
	call->verb = argv[0];
	if ((i = cmds_verb_index(argv[0])) < 0) {
		cli_usage_error(prog, "unknown command '%s' (%s)", argv[0],
				CMDS_NAMES);
		return EXIT_USAGE;
	}
	v = &cmds_verbs[i];
	if (nargs < v->min_args || nargs > v->max_args) {
		if (nargs > v->max_args)
			cli_usage_error(prog, "%s takes %s; unexpected '%s'",
					v->name, v->args,
					argv[1 + v->max_args]);
		else
			cli_usage_error(prog, "%s needs %s", v->name,
					v->args);
		return EXIT_USAGE;
	}
	if ((i == V_SPLIT || i == V_TRANSFER || i == V_MOVE ||
	     i == V_MERGE) &&
	    cmds_parse_id(prog, v, argv[1], "RANGE", &call->range_id) !=
	    EXIT_OK)
		return EXIT_USAGE;
	if (i == V_TRANSFER &&
	    cmds_parse_id(prog, v, argv[2], "NODE", &call->node_id) != EXIT_OK)
		return EXIT_USAGE;
	if (i == V_ADD_NODE) {
		if (cmds_parse_id(prog, v, argv[1], "ID", &call->node_id) !=
		    EXIT_OK)
			return EXIT_USAGE;
		if (!format_addr_valid(argv[2])) {
			cli_usage_error(prog, "add-node: ADDR must be "
					"HOST:PORT such as 127.0.0.1:7106, "
					"got '%s'", argv[2]);
			return EXIT_USAGE;
		}
		call->addr = argv[2];
	}
	if (cmds_parse_opts(prog, i, o != NULL ? o : &none, call) != EXIT_OK)
		return EXIT_USAGE;
	if (i == V_LOCATE || (i == V_SPLIT && nargs == 2)) {
		int rc = format_parse_key(argv[nargs], &call->key,
					  &call->key_len, &e);

		if (rc != RC_OK) {
			if (rc == RC_NOMEM)
				fprintf(stderr, "%s: %s\n", prog, e.msg);
			else
				cli_usage_error(prog, "%s: %s", v->name,
						e.msg);
			return rc == RC_NOMEM ? EXIT_FAIL : EXIT_USAGE;
		}
		call->has_key = 1;
	}
	return EXIT_OK;
}

void cmds_call_release(struct cmds_call *call)
{
	free(call->key);
	call->key = NULL;
	call->has_key = 0;
}

/* ---- what the replicas say ---------------------------------------------- */

/* The entry for range_id in a /status reply, or NULL. */
static const json_t *cmds_status_entry(const json_t *st, uint64_t range_id)
{
	const json_t *ranges = json_object_get(st, "ranges"), *r;
	size_t i;

	json_array_foreach(ranges, i, r) {
		uint64_t id;

		if (jx_get_u64(r, "range_id", &id, NULL) == RC_OK &&
		    id == range_id)
			return r;
	}
	return NULL;
}

/* A non-negative number field, or NULL. */
static const json_t *cmds_number(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	if (json_is_integer(v) && json_integer_value(v) >= 0)
		return v;
	if (json_is_real(v) && json_real_value(v) >= 0 &&
	    json_real_value(v) < 9.2e18)
		return v;
	return NULL;
}

/*
 * The view of range r from the /status of nodes ids[0..n) (its replicas,
 * or more when meta may lag behind a change of replicas).
 */
static void cmds_range_view_among(struct client *c, const struct desc *r,
				  const uint64_t *ids, size_t n,
				  struct cmds_view *v)
{
	const json_t *lead = NULL, *best = NULL;
	uint64_t lead_node = 0, lead_term = 0, best_term = 0, best_applied = 0;

	memset(v, 0, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		const json_t *st, *en;
		const char *role = "";
		uint64_t term = 0, applied = 0, gen = 0;
		int64_t mid;

		if (client_node_status(c, ids[i], &st, &mid, NULL) != RC_OK ||
		    (en = cmds_status_entry(st, r->range_id)) == NULL)
			continue;
		jx_opt_str(en, "role", "", &role, NULL);
		jx_opt_u64(en, "term", 0, &term, NULL);
		jx_opt_u64(en, "applied", 0, &applied, NULL);
		if (jx_opt_u64(en, "generation", r->generation, &gen, NULL) ==
		    RC_OK && gen < r->generation)
			continue;	/* has not applied the latest split */
		if (strcmp(role, "leader") == 0 &&
		    (lead == NULL || term > lead_term)) {
			lead = en;
			lead_node = ids[i];
			lead_term = term;
		}
		if (best == NULL || term > best_term ||
		    (term == best_term && applied > best_applied)) {
			best = en;
			best_term = term;
			best_applied = applied;
		}
	}
	if (lead != NULL) {
		v->leader = lead_node;
		v->entry = lead;
		v->size = cmds_number(lead, "size_bytes");
		v->qps = cmds_number(lead, "qps");
	}
	if (v->size == NULL && best != NULL)
		v->size = cmds_number(best, "size_bytes");
}

static void cmds_range_view(struct client *c, const struct desc *r,
			    struct cmds_view *v)
{
	cmds_range_view_among(c, r, r->replicas, r->n_replicas, v);
}

/*
 * The voters of a range from its leader's /status entry into d (in the
 * entry's order); 0 if the entry has no usable list (d unchanged).
 */
static int cmds_led_voters(const json_t *entry, struct desc *d)
{
	const json_t *arr = json_object_get(entry, "replicas"), *v;
	uint64_t ids[DESC_MAX_REPLICAS];
	size_t i, n = json_array_size(arr);

	if (!json_is_array(arr) || n == 0 || n > DESC_MAX_REPLICAS)
		return 0;
	json_array_foreach(arr, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) <= 0)
			return 0;
		ids[i] = (uint64_t)json_integer_value(v);
		for (size_t k = 0; k < i; k++)
			if (ids[k] == ids[i])
				return 0;
	}
	memcpy(d->replicas, ids, n * sizeof(ids[0]));
	d->n_replicas = n;
	return 1;
}

/*
 * The meta range (range 1), which /meta/ranges does not list: its
 * descriptor as the up nodes' /status have it (the entry of a replica that
 * leads it, else of the most advanced one).  0 if no up node has it.
 */
static int cmds_meta_desc(struct client *c, const uint64_t *up, size_t n_up,
			  struct desc *d)
{
	const json_t *best = NULL;
	uint64_t best_term = 0, best_applied = 0;
	int best_leads = 0;
	void *b = NULL;
	size_t len;

	for (size_t i = 0; i < n_up; i++) {
		const json_t *st, *en;
		const char *role = "";
		uint64_t term = 0, applied = 0;
		int64_t mid;
		int leads;

		if (client_node_status(c, up[i], &st, &mid, NULL) != RC_OK ||
		    (en = cmds_status_entry(st, CMDS_META_RANGE)) == NULL)
			continue;
		jx_opt_str(en, "role", "", &role, NULL);
		jx_opt_u64(en, "term", 0, &term, NULL);
		jx_opt_u64(en, "applied", 0, &applied, NULL);
		leads = strcmp(role, "leader") == 0;
		if (best == NULL || leads > best_leads ||
		    (leads == best_leads &&
		     (term > best_term ||
		      (term == best_term && applied > best_applied)))) {
			best = en;
			best_leads = leads;
			best_term = term;
			best_applied = applied;
		}
	}
	memset(d, 0, sizeof(*d));
	if (best == NULL || !cmds_led_voters(best, d))
		return 0;
	d->range_id = CMDS_META_RANGE;
	jx_opt_u64(best, "generation", 0, &d->generation, NULL);
	/* the span is only for messages; [\x01, \x02) unless it says */
	d->start[0] = 0x01;
	d->start_len = 1;
	d->end[0] = 0x02;
	d->end_len = 1;
	if (desc_bytes_get(best, "start", &b, &len, NULL) == RC_OK &&
	    len <= DESC_BOUND_MAX) {
		memcpy(d->start, b, len);
		d->start_len = len;
	}
	free(b);
	b = NULL;
	if (desc_bytes_get(best, "end", &b, &len, NULL) == RC_OK &&
	    len <= DESC_BOUND_MAX) {
		memcpy(d->end, b, len);
		d->end_len = len;
	}
	free(b);
	return 1;
}

/*
 * The descriptor of range id: meta's, or for the meta range, which meta
 * does not list, the one its replicas report in /status.
 */
static int cmds_find(struct client *c, uint64_t id, struct desc *d,
		     struct err *e)
{
	const struct client_node *nodes;
	uint64_t *ids;
	size_t n;
	int rc, found;

	rc = client_meta_find(c, id, d, e);
	if (rc != RC_NOT_FOUND || id != CMDS_META_RANGE)
		return rc;
	if ((rc = client_meta_nodes(c, &nodes, &n, e)) != RC_OK)
		return rc;
	if ((ids = calloc(n + 1, sizeof(*ids))) == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		ids[i] = nodes[i].id;
	found = cmds_meta_desc(c, ids, n, d);
	free(ids);
	if (!found)
		return err_set(e, RC_UNAVAILABLE, "no node that answers "
			       "holds the meta range (range 1)");
	return RC_OK;
}

/* ---- printing ranges ---------------------------------------------------- */

/* A number field for text: whole units, rounded down; "-" if unknown. */
static void cmds_print_number(FILE *out, const json_t *v)
{
	if (json_is_integer(v))
		fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		fprintf(out, "%" PRIu64, (uint64_t)floor(json_real_value(v)));
	else
		fputc('-', out);
}

static int cmds_print_range_text(FILE *out, const struct desc *r,
				 const struct cmds_view *v, struct err *e)
{
	char *start = NULL, *end = NULL;
	int rc;

	if ((rc = format_key(r->start, r->start_len, 0, &start, e)) != RC_OK ||
	    (rc = format_key(r->end, r->end_len, 1, &end, e)) != RC_OK) {
		free(start);
		return rc;
	}
	fprintf(out, "%" PRIu64 "\t%s\t%s\t", r->range_id, start, end);
	free(start);
	free(end);
	if (v->leader != 0)
		fprintf(out, "%" PRIu64, v->leader);
	else
		fputc('-', out);
	fputc('\t', out);
	for (size_t i = 0; i < r->n_replicas; i++)
		fprintf(out, "%s%" PRIu64, i ? "," : "", r->replicas[i]);
	if (r->n_replicas == 0)
		fputc('-', out);
	fputc('\t', out);
	cmds_print_number(out, v->size);
	fputc('\t', out);
	cmds_print_number(out, v->qps);
	fputc('\n', out);
	return RC_OK;
}

static json_t *cmds_u64_or_null(uint64_t v)
{
	return v != 0 ? json_integer((json_int_t)v) : json_null();
}

/* The JSON object of one range, appended to arr. */
static int cmds_range_json(json_t *arr, const struct desc *r,
			   const struct cmds_view *v, struct err *e)
{
	json_t *o = json_object(), *reps = json_array();

	if (o == NULL || reps == NULL ||
	    json_object_set_new(o, "range_id",
				json_integer((json_int_t)r->range_id)) != 0)
		goto nomem;
	if (desc_bytes_set(o, "start", r->start, r->start_len) != 0 ||
	    desc_bytes_set(o, "end", r->end, r->end_len) != 0)
		goto nomem;
	for (size_t i = 0; i < r->n_replicas; i++)
		if (json_array_append_new(reps, json_integer((json_int_t)
							     r->replicas[i])))
			goto nomem;
	if (json_object_set_new(o, "leader", cmds_u64_or_null(v->leader)) ||
	    json_object_set(o, "replicas", reps) ||
	    json_object_set_new(o, "size_bytes", v->size ?
				json_deep_copy(v->size) : json_null()) ||
	    json_object_set_new(o, "qps", v->qps ? json_deep_copy(v->qps) :
				json_null()) ||
	    json_object_set_new(o, "generation",
				json_integer((json_int_t)r->generation)) ||
	    json_array_append(arr, o))
		goto nomem;
	json_decref(reps);
	json_decref(o);
	return RC_OK;
nomem:
	json_decref(reps);
	json_decref(o);
	return err_set(e, RC_NOMEM, "out of memory");
}

/* Print ranges r[0..n) with their views, as text or {"ranges":[...]}. */
static int cmds_print_ranges(FILE *out, int json,
			     const struct desc *r,
			     const struct cmds_view *v, size_t n,
			     struct err *e)
{
	json_t *top, *arr;
	char *s;
	int rc = RC_OK;

	if (!json) {
		fputs(CMDS_RANGE_HEADER, out);
		for (size_t i = 0; i < n && rc == RC_OK; i++)
			rc = cmds_print_range_text(out, &r[i], &v[i], e);
		return rc;
	}
	arr = json_array();
	top = json_object();
	if (arr == NULL || top == NULL ||
	    json_object_set(top, "ranges", arr) != 0) {
		json_decref(arr);
		json_decref(top);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < n && rc == RC_OK; i++)
		rc = cmds_range_json(arr, &r[i], &v[i], e);
	if (rc == RC_OK && (rc = jx_dump_line(top, &s, NULL, e)) == RC_OK) {
		fputs(s, out);
		free(s);
	}
	json_decref(arr);
	json_decref(top);
	return rc;
}

/* ---- the commands ------------------------------------------------------- */

static int cmds_list(struct client *c, int json, FILE *out, struct err *e)
{
	const struct client_node *nodes;
	struct desc *r;
	struct cmds_view *v;
	size_t n, n_nodes;
	int rc;

	if ((rc = client_meta_ranges(c, &r, &n, e)) != RC_OK)
		return rc;
	if ((rc = client_meta_nodes(c, &nodes, &n_nodes, e)) != RC_OK) {
		free(r);
		return rc;
	}
	v = calloc(n + 1, sizeof(*v));
	if (v == NULL) {
		free(r);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		cmds_range_view(c, &r[i], &v[i]);
	rc = cmds_print_ranges(out, json, r, v, n, e);
	free(v);
	free(r);
	return rc;
}

static int cmds_locate(const struct cmds_call *call, struct client *c,
		       int json, FILE *out, struct err *e)
{
	const struct client_node *nodes;
	struct desc r;
	struct cmds_view v;
	uint64_t leader;
	size_t n_nodes;
	int rc;

	if ((rc = client_meta_locate(c, call->key, call->key_len, &r, &leader,
				     e)) != RC_OK)
		return rc;
	if ((rc = client_meta_nodes(c, &nodes, &n_nodes, e)) == RC_OK) {
		/* the leader is the replica that says so, as in list */
		cmds_range_view(c, &r, &v);
		rc = cmds_print_ranges(out, json, &r, &v, 1, e);
	}
	return rc;
}

/* One node's line (or JSON object, appended to arr). */
static int cmds_node(struct client *c, const struct client_node *nd,
		     json_t *arr, FILE *out, struct err *e)
{
	const json_t *st, *ranges, *r;
	int64_t mid = 0, t_ms = 0, offset = 0;
	size_t replicas = 0, leaders = 0, i;
	int up, has_offset = 0;
	json_t *o;

	up = client_node_status(c, nd->id, &st, &mid, NULL) == RC_OK;
	if (up) {
		ranges = json_object_get(st, "ranges");
		replicas = json_array_size(ranges);
		json_array_foreach(ranges, i, r) {
			const char *role = "";

			if (jx_opt_str(r, "role", "", &role, NULL) == RC_OK &&
			    strcmp(role, "leader") == 0)
				leaders++;
		}
		if (json_is_integer(json_object_get(st, "time_ms")) &&
		    jx_get_int(st, "time_ms", &t_ms, NULL) == RC_OK) {
			offset = t_ms - mid;
			has_offset = 1;
		}
	}
	if (arr == NULL) {
		fprintf(out, "%" PRIu64 "\t%s\t%s\t", nd->id, nd->addr,
			up ? "up" : "down");
		if (up)
			fprintf(out, "%zu\t%zu\t", replicas, leaders);
		else
			fputs("-\t-\t", out);
		if (has_offset)
			fprintf(out, "%" PRId64 "\n", offset);
		else
			fputs("-\n", out);
		return RC_OK;
	}
	o = json_pack("{s:I, s:s, s:s, s:o, s:o, s:o}",
		      "id", (json_int_t)nd->id, "address", nd->addr,
		      "status", up ? "up" : "down",
		      "replicas", up ? json_integer((json_int_t)replicas) :
		      json_null(),
		      "leaders", up ? json_integer((json_int_t)leaders) :
		      json_null(),
		      "clock_offset_ms", has_offset ?
		      json_integer((json_int_t)offset) : json_null());
	if (o == NULL || json_array_append_new(arr, o) != 0)
		return err_set(e, RC_NOMEM, "out of memory");
	return RC_OK;
}

static int cmds_nodes(struct client *c, int json, FILE *out, struct err *e)
{
	const struct client_node *nodes;
	json_t *top = NULL, *arr = NULL;
	size_t n;
	char *s;
	int rc;

	if ((rc = client_meta_nodes(c, &nodes, &n, e)) != RC_OK)
		return rc;
	if (json) {
		arr = json_array();
		top = json_pack("{s:O}", "nodes", arr);
		if (arr == NULL || top == NULL) {
			json_decref(arr);
			json_decref(top);
			return err_set(e, RC_NOMEM, "out of memory");
		}
	} else {
		fputs(CMDS_NODE_HEADER, out);
	}
	for (size_t i = 0; i < n && rc == RC_OK; i++)
		rc = cmds_node(c, &nodes[i], arr, out, e);
	if (json && rc == RC_OK &&
	    (rc = jx_dump_line(top, &s, NULL, e)) == RC_OK) {
		fputs(s, out);
		free(s);
	}
	json_decref(arr);
	json_decref(top);
	return rc;
}

/* Print a reply object as one JSON line. */
static int cmds_print_json(FILE *out, const json_t *j, struct err *e)
{
	char *s;
	int rc;

	if ((rc = jx_dump_line(j, &s, NULL, e)) != RC_OK)
		return rc;
	fputs(s, out);
	free(s);
	return RC_OK;
}

/* "RANGE [a, b)" of a descriptor, in a malloc'd string. */
static int cmds_span(const struct desc *r, char **out, struct err *e)
{
	char *a = NULL, *b = NULL;
	int rc;

	*out = NULL;
	if ((rc = format_key(r->start, r->start_len, 0, &a, e)) == RC_OK &&
	    (rc = format_key(r->end, r->end_len, 1, &b, e)) == RC_OK &&
	    asprintf(out, "%" PRIu64 " [%s, %s)", r->range_id, a, b) < 0) {
		*out = NULL;
		rc = err_set(e, RC_NOMEM, "out of memory");
	}
	free(a);
	free(b);
	return rc;
}

static int cmds_split(const struct cmds_call *call, struct client *c,
		      int json, FILE *out, struct err *e)
{
	struct desc r, left, right;
	json_t *req, *reply = NULL, *l, *rt;
	char *ls = NULL, *rs = NULL, *key = NULL;
	int rc;

	if ((rc = cmds_find(c, call->range_id, &r, e)) != RC_OK)
		return rc;
	req = json_pack("{s:I}", "range_id", (json_int_t)call->range_id);
	if (req == NULL || (call->has_key &&
			    desc_bytes_set(req, "key", call->key,
					   call->key_len) != 0)) {
		json_decref(req);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	rc = client_range_call(c, &r, "/admin/split", req, 0, &reply, e);
	json_decref(req);
	if (rc != RC_OK)
		return rc;
	if (json) {
		rc = cmds_print_json(out, reply, e);
		json_decref(reply);
		return rc;
	}
	if (jx_get_obj(reply, "left", &l, e) != RC_OK ||
	    jx_get_obj(reply, "right", &rt, e) != RC_OK) {
		err_prefix(e, "POST /admin/split succeeded, but its reply");
		rc = e->code = RC_CORRUPT;
	} else if ((rc = client_desc(l, &left, "POST /admin/split succeeded, "
				     "but its reply", e)) == RC_OK &&
		   (rc = client_desc(rt, &right, "POST /admin/split "
				     "succeeded, but its reply", e)) ==
		   RC_OK &&
		   (rc = cmds_span(&left, &ls, e)) == RC_OK &&
		   (rc = cmds_span(&right, &rs, e)) == RC_OK &&
		   (rc = format_key(right.start, right.start_len, 0, &key,
				    e)) == RC_OK) {
		fprintf(out, "split %" PRIu64 " at %s: %s and %s\n",
			call->range_id, key, ls, rs);
	}
	free(key);
	free(ls);
	free(rs);
	json_decref(reply);
	return rc;
}

static int cmds_transfer(const struct cmds_call *call, struct client *c,
			 int json, FILE *out, struct err *e)
{
	struct desc r;
	json_t *req, *reply = NULL;
	uint64_t leader = 0;
	int rc;

	if ((rc = cmds_find(c, call->range_id, &r, e)) != RC_OK)
		return rc;
	req = json_pack("{s:I, s:I}", "range_id", (json_int_t)call->range_id,
			"node", (json_int_t)call->node_id);
	if (req == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	rc = client_range_call(c, &r, "/admin/transfer-leader", req,
			       CLIENT_WAIT_EXTRA_MS, &reply, e);
	json_decref(req);
	if (rc != RC_OK)
		return rc;
	if (json)
		rc = cmds_print_json(out, reply, e);
	else if (jx_opt_u64(reply, "leader", call->node_id, &leader, e) !=
		 RC_OK) {
		err_prefix(e, "POST /admin/transfer-leader succeeded, but its "
			   "reply");
		rc = e->code = RC_CORRUPT;
	} else
		fprintf(out, "range %" PRIu64 ": leader is node %" PRIu64
			"\n", call->range_id, leader);
	json_decref(reply);
	return rc;
}

/* A reply's "range" descriptor, or RC_CORRUPT "POST PATH succeeded, ...". */
static int cmds_reply_range(const json_t *reply, const char *path,
			    struct desc *out, struct err *e)
{
	char what[96];
	json_t *d;

	snprintf(what, sizeof(what), "POST %s succeeded, but its reply", path);
	if (jx_get_obj(reply, "range", &d, e) != RC_OK) {
		err_prefix(e, "%s", what);
		return e->code = RC_CORRUPT;
	}
	return client_desc(d, out, what, e);
}

/*
 * POST /admin/move for range r (a copy whose replicas are tried in order)
 * and the range as the leader has it afterwards.  A leader asked to move
 * its own replica hands the lead to another replica and says so with a
 * not_leader hint, which client_range_call() follows.
 */
static int cmds_post_move(struct client *c, const struct desc *r,
			  uint64_t from, uint64_t to, json_t **reply,
			  struct desc *after, struct err *e)
{
	json_t *req;
	int rc;

	*reply = NULL;
	req = json_pack("{s:I, s:I, s:I}", "range_id",
			(json_int_t)r->range_id, "from", (json_int_t)from,
			"to", (json_int_t)to);
	if (req == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	rc = client_range_call(c, r, "/admin/move", req, CLIENT_MOVE_EXTRA_MS,
			       reply, e);
	json_decref(req);
	if (rc == RC_OK &&
	    (rc = cmds_reply_range(*reply, "/admin/move", after, e)) !=
	    RC_OK) {
		json_decref(*reply);
		*reply = NULL;
	}
	return rc;
}

static int cmds_move(const struct cmds_call *call, struct client *c,
		     int json, FILE *out, struct err *e)
{
	struct desc r, after;
	json_t *reply;
	int rc;

	if ((rc = cmds_find(c, call->range_id, &r, e)) != RC_OK)
		return rc;
	if ((rc = cmds_post_move(c, &r, call->from, call->to, &reply, &after,
				 e)) != RC_OK)
		return rc;
	if (json)
		rc = cmds_print_json(out, reply, e);
	else
		fprintf(out, "range %" PRIu64 ": moved replica from node %"
			PRIu64 " to node %" PRIu64 "\n", call->range_id,
			call->from, call->to);
	json_decref(reply);
	return rc;
}

static int cmds_merge(const struct cmds_call *call, struct client *c,
		      int json, FILE *out, struct err *e)
{
	struct desc r, merged;
	json_t *req, *reply = NULL;
	char *span = NULL;
	int rc;

	if ((rc = cmds_find(c, call->range_id, &r, e)) != RC_OK)
		return rc;
	req = json_pack("{s:I}", "range_id", (json_int_t)call->range_id);
	if (req == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	rc = client_range_call(c, &r, "/admin/merge", req,
			       CLIENT_MERGE_EXTRA_MS, &reply, e);
	json_decref(req);
	if (rc != RC_OK)
		return rc;
	if ((rc = cmds_reply_range(reply, "/admin/merge", &merged, e)) ==
	    RC_OK) {
		if (json)
			rc = cmds_print_json(out, reply, e);
		else if ((rc = cmds_span(&merged, &span, e)) == RC_OK)
			fprintf(out, "range %" PRIu64 ": merged with its right "
				"neighbour: %s\n", call->range_id, span);
	}
	free(span);
	json_decref(reply);
	return rc;
}

static int cmds_add_node(const struct cmds_call *call, struct client *c,
			 int json, FILE *out, struct err *e)
{
	json_t *req, *reply = NULL;
	int rc;

	req = json_pack("{s:I, s:s}", "id", (json_int_t)call->node_id,
			"address", call->addr);
	if (req == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	/* the meta range's leader registers it: entry nodes send us there */
	rc = client_call(c, "POST", "/meta/nodes", req, &reply, e);
	json_decref(reply);
	if (rc != RC_OK) {
		json_decref(req);
		/* conflict: the id is another node's, for good (exit 1) */
		if (rc == RC_CONFLICT)
			rc = e->code = RC_BAD_INPUT;
		return rc;
	}
	if (json)
		rc = cmds_print_json(out, req, e);
	else
		fprintf(out, "node %" PRIu64 ": registered at %s\n",
			call->node_id, call->addr);
	json_decref(req);
	return rc;
}

/* ---- rebalance ---------------------------------------------------------- */

/* The cluster as rebalance sees it. */
struct cmds_cluster {
	uint64_t *up;			/* nodes whose /status answers */
	size_t n_up;
	struct desc *d;			/* every range; voters as led */
	struct rebalance_range *r;	/* the same, for the planner */
	size_t n;
};

static void cmds_cluster_free(struct cmds_cluster *k)
{
	free(k->up);
	free(k->d);
	free(k->r);
	memset(k, 0, sizeof(*k));
}

/* Put node first among d's replicas (the one client_range_call asks first). */
static void cmds_ask_first(struct desc *d, uint64_t node)
{
	for (size_t i = 1; i < d->n_replicas; i++) {
		if (d->replicas[i] != node)
			continue;
		memmove(&d->replicas[1], &d->replicas[0],
			i * sizeof(d->replicas[0]));
		d->replicas[0] = node;
		return;
	}
}

static struct desc *cmds_cluster_range(struct cmds_cluster *k, uint64_t id)
{
	for (size_t i = 0; i < k->n; i++)
		if (k->d[i].range_id == id)
			return &k->d[i];
	return NULL;
}

static int cmds_gather(struct client *c, struct cmds_cluster *k,
		       struct err *e)
{
	const struct client_node *nodes;
	size_t n_nodes;
	int rc;

	memset(k, 0, sizeof(*k));
	if ((rc = client_meta_nodes(c, &nodes, &n_nodes, e)) != RC_OK ||
	    (rc = client_meta_ranges(c, &k->d, &k->n, e)) != RC_OK)
		return rc;
	k->up = calloc(n_nodes + 1, sizeof(*k->up));
	k->r = calloc(k->n + 2, sizeof(*k->r));
	if (k->up == NULL || k->r == NULL) {
		cmds_cluster_free(k);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < n_nodes; i++) {
		const json_t *st;
		int64_t mid;

		if (client_node_status(c, nodes[i].id, &st, &mid, NULL) ==
		    RC_OK)
			k->up[k->n_up++] = nodes[i].id;
	}
	/* the meta range is balanced too, though meta does not list it */
	if (cmds_cluster_range(k, CMDS_META_RANGE) == NULL) {
		struct desc *d = realloc(k->d, (k->n + 1) * sizeof(*d));

		if (d == NULL) {
			cmds_cluster_free(k);
			return err_set(e, RC_NOMEM, "out of memory");
		}
		k->d = d;
		if (cmds_meta_desc(c, k->up, k->n_up, &k->d[k->n]))
			k->n++;
	}
	for (size_t i = 0; i < k->n; i++) {
		struct desc *d = &k->d[i];
		struct rebalance_range *r = &k->r[i];
		struct cmds_view v;

		/*
		 * Every up node may lead it: meta's replicas lag behind a
		 * move for a moment.  The leader knows the voters best.
		 */
		cmds_range_view_among(c, d, k->up, k->n_up, &v);
		if (v.leader != 0)
			cmds_led_voters(v.entry, d);
		r->range_id = d->range_id;
		r->leader = v.leader;
		r->n_replicas = d->n_replicas;
		memcpy(r->replicas, d->replicas,
		       d->n_replicas * sizeof(d->replicas[0]));
		if (v.leader != 0)
			cmds_ask_first(d, v.leader);
	}
	return RC_OK;
}

/* "move 7 1 4" or "transfer-leader 7 4". */
static void cmds_action_text(FILE *out, const struct rebalance_action *a)
{
	if (a->op == REBALANCE_MOVE)
		fprintf(out, "move %" PRIu64 " %" PRIu64 " %" PRIu64,
			a->range_id, a->from, a->to);
	else
		fprintf(out, "transfer-leader %" PRIu64 " %" PRIu64,
			a->range_id, a->to);
}

/* Append {"op",...,"result",...,"error"} to arr. */
static int cmds_action_json(json_t *arr, const struct rebalance_action *a,
			    const char *result, const char *error,
			    struct err *e)
{
	json_t *o;

	if (a->op == REBALANCE_MOVE)
		o = json_pack("{s:s, s:I, s:I, s:I}", "op", "move",
			      "range_id", (json_int_t)a->range_id,
			      "from", (json_int_t)a->from,
			      "to", (json_int_t)a->to);
	else
		o = json_pack("{s:s, s:I, s:I}", "op", "transfer-leader",
			      "range_id", (json_int_t)a->range_id,
			      "node", (json_int_t)a->to);
	if (o == NULL ||
	    json_object_set_new(o, "result", json_string(result)) != 0 ||
	    json_object_set_new(o, "error", error ? json_string(error) :
				json_null()) != 0 ||
	    json_array_append_new(arr, o) != 0) {
		json_decref(o);
		return err_set(e, RC_NOMEM, "out of memory");
	}
	return RC_OK;
}

/* Run one action of the plan; the cluster model follows a move. */
static int cmds_act(struct client *c, struct cmds_cluster *k,
		    const struct rebalance_action *a, struct err *e)
{
	struct desc *d = cmds_cluster_range(k, a->range_id), after;
	json_t *req, *reply = NULL;
	int rc;

	if (d == NULL)
		return err_set(e, RC_INTERNAL, "the plan names range %" PRIu64
			       ", which is not in the cluster", a->range_id);
	if (a->op == REBALANCE_MOVE) {
		rc = cmds_post_move(c, d, a->from, a->to, &reply, &after, e);
		json_decref(reply);
		if (rc == RC_OK && after.n_replicas > 0) {
			memcpy(d->replicas, after.replicas,
			       sizeof(d->replicas));
			d->n_replicas = after.n_replicas;
		}
		return rc;
	}
	req = json_pack("{s:I, s:I}", "range_id", (json_int_t)a->range_id,
			"node", (json_int_t)a->to);
	if (req == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	rc = client_range_call(c, d, "/admin/transfer-leader", req,
			       CLIENT_WAIT_EXTRA_MS, &reply, e);
	json_decref(req);
	json_decref(reply);
	if (rc == RC_OK)
		cmds_ask_first(d, a->to);
	return rc;
}

/* How the run of a plan goes: where it prints, what failed. */
struct cmds_progress {
	FILE *out;
	json_t *arr;		/* --json: the actions so far, else NULL */
	int dry_run;
	size_t done, ok, failed;
	struct err first;	/* the first failure */
};

/*
 * Run the actions a[0..n) whose op is op (0: every one), or with dry_run
 * only print them, printing each result as it comes.  A failed action is
 * counted in p and the run goes on; only RC_NOMEM stops it.
 */
static int cmds_run_plan(struct client *c, struct cmds_cluster *k,
			 struct cmds_progress *p,
			 const struct rebalance_action *a, size_t n, int op,
			 struct err *e)
{
	for (size_t i = 0; i < n; i++) {
		struct err ae = { RC_OK, "" };
		int arc = RC_OK;

		if (op != 0 && (int)a[i].op != op)
			continue;
		if (p->arr == NULL) {
			cmds_action_text(p->out, &a[i]);
			fputs(p->dry_run ? "\n" : ": ", p->out);
			fflush(p->out);	/* a move may take a while */
		}
		if (!p->dry_run) {
			p->done++;
			arc = cmds_act(c, k, &a[i], &ae);
			if (arc == RC_NOMEM)
				return err_set(e, RC_NOMEM, "out of memory");
			if (arc == RC_OK)
				p->ok++;
			else if (p->failed++ == 0)
				p->first = ae;
		}
		if (p->arr != NULL) {
			int rc = cmds_action_json(p->arr, &a[i], p->dry_run ?
						  "planned" : arc == RC_OK ?
						  "ok" : "failed", arc ==
						  RC_OK ? NULL : ae.msg, e);

			if (rc != RC_OK)
				return rc;
		} else if (!p->dry_run) {
			if (arc == RC_OK)
				fputs("ok\n", p->out);
			else
				fprintf(p->out, "failed: %s\n", ae.msg);
			fflush(p->out);
		}
	}
	return RC_OK;
}

/*
 * The moves of the plan, then the transfers.  A range whose leader gave
 * up its replica has a new leader that only the cluster knows, so once
 * replicas have moved the leaders are planned again from fresh /status
 * replies (the moves of that second plan, left over from failed moves,
 * wait for the next run).
 */
static int cmds_rebalance(const struct cmds_call *call, struct client *c,
			  int json, FILE *out, int *status, struct err *e)
{
	struct cmds_progress p = { .out = out, .dry_run = call->dry_run };
	struct cmds_cluster k, k2;
	struct rebalance_action *plan = NULL, *plan2 = NULL;
	size_t n_plan = 0, n_plan2 = 0;
	json_t *top = NULL;
	struct err ignored;
	char *s;
	int rc;

	if ((rc = cmds_gather(c, &k, e)) != RC_OK)
		return rc;
	rc = rebalance_plan(k.up, k.n_up, k.r, k.n, &plan, &n_plan, e);
	if (rc == RC_OK && json &&
	    ((p.arr = json_array()) == NULL ||
	     (top = json_pack("{s:O}", "actions", p.arr)) == NULL))
		rc = err_set(e, RC_NOMEM, "out of memory");
	if (rc != RC_OK)
		goto out;
	if (call->dry_run) {
		rc = cmds_run_plan(c, &k, &p, plan, n_plan, 0, e);
		goto print;
	}
	if ((rc = cmds_run_plan(c, &k, &p, plan, n_plan, REBALANCE_MOVE,
				e)) != RC_OK)
		goto out;
	if (p.ok > 0) {
		client_forget_status(c);
		if (cmds_gather(c, &k2, &ignored) == RC_OK) {
			if (rebalance_plan(k2.up, k2.n_up, k2.r, k2.n, &plan2,
					   &n_plan2, &ignored) == RC_OK) {
				/* the fresh view replaces the first */
				cmds_cluster_free(&k);
				k = k2;
				free(plan);
				plan = plan2;
				n_plan = n_plan2;
			} else {
				cmds_cluster_free(&k2);
			}
		}
	}
	rc = cmds_run_plan(c, &k, &p, plan, n_plan, REBALANCE_TRANSFER, e);
print:
	if (rc == RC_OK && json &&
	    (rc = jx_dump_line(top, &s, NULL, e)) == RC_OK) {
		fputs(s, out);
		free(s);
	}
	if (rc == RC_OK && p.failed > 0) {
		rc = err_set(e, p.first.code, "rebalance: %zu of %zu actions "
			     "failed; the first: %s", p.failed, p.done,
			     p.first.msg);
		*status = EXIT_FAIL;
	}
out:
	json_decref(p.arr);
	json_decref(top);
	free(plan);
	cmds_cluster_free(&k);
	return rc;
}

int cmds_run(const struct cmds_call *call, struct client *c, int json,
	     FILE *out, int *status, struct err *e)
{
	struct err local_err;
	int rc, st = -1;

	if (e == NULL)
		e = &local_err;
	switch (cmds_verb_index(call->verb)) {
	case V_LIST:
		rc = cmds_list(c, json, out, e);
		break;
	case V_LOCATE:
		rc = cmds_locate(call, c, json, out, e);
		break;
	case V_NODES:
		rc = cmds_nodes(c, json, out, e);
		break;
	case V_SPLIT:
		rc = cmds_split(call, c, json, out, e);
		break;
	case V_TRANSFER:
		rc = cmds_transfer(call, c, json, out, e);
		break;
	case V_MOVE:
		rc = cmds_move(call, c, json, out, e);
		break;
	case V_MERGE:
		rc = cmds_merge(call, c, json, out, e);
		break;
	case V_ADD_NODE:
		rc = cmds_add_node(call, c, json, out, e);
		break;
	case V_REBALANCE:
		rc = cmds_rebalance(call, c, json, out, &st, e);
		break;
	default:
		rc = err_set(e, RC_INTERNAL, "unknown command '%s'",
			     call->verb);
		break;
	}
	*status = st >= 0 ? st : rc_exit_status(rc);
	return rc;
}
