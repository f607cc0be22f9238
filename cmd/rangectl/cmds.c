/*
 * cmds.c -- rangectl's commands.  See cmds.h.
 *
 * A range's leader, size and load come from the replicas themselves: the
 * /status of each replica (each node asked once per run) is searched for
 * the range, and the entry of the replica that calls itself leader (the
 * highest term if several do) is the range's view.  Without one, the
 * leader is unknown ("-": a leader that a follower remembers may well be
 * the node that is down), the most advanced replica gives the size, and
 * qps is unknown, as only a leader counts it.  Entries of an
 * older generation than the meta's descriptor (a replica that has not yet
 * applied a split) are skipped.  Tested by t/511-rangectl-cli.bats and the
 * rangectl cluster tests.
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
#include "util.h"

#define CMDS_RANGE_HEADER \
	"range_id\tstart\tend\tleader\treplicas\tsize_bytes\tqps\n"
#define CMDS_NODE_HEADER \
	"id\taddress\tstatus\treplicas\tleaders\tclock_offset_ms\n"

/* What the replicas say about one range; NULL / 0 = unknown. */
struct cmds_view {
	uint64_t leader;
	const json_t *size;	/* borrowed from a /status reply */
	const json_t *qps;
};

/* ---- parsing the command line ------------------------------------------- */

enum { V_LIST, V_LOCATE, V_NODES, V_SPLIT, V_TRANSFER };

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
};

static int cmds_verb_index(const char *verb)
{
	for (size_t i = 0; i < sizeof(cmds_verbs) / sizeof(cmds_verbs[0]);
	     i++)
		if (strcmp(cmds_verbs[i].name, verb) == 0)
			return (int)i;
	return -1;
}

int cmds_parse(const char *prog, int argc, char **argv,
	       struct cmds_call *call)
{
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
	if (i == V_SPLIT || i == V_TRANSFER) {
		if (util_parse_u64(argv[1], 1, INT64_MAX, &call->range_id,
				   "RANGE", &e) != RC_OK) {
			cli_usage_error(prog, "%s: %s", v->name, e.msg);
			return EXIT_USAGE;
		}
	}
	if (i == V_TRANSFER &&
	    util_parse_u64(argv[2], 1, INT64_MAX, &call->node_id, "NODE",
			   &e) != RC_OK) {
		cli_usage_error(prog, "%s: %s", v->name, e.msg);
		return EXIT_USAGE;
	}
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

static void cmds_range_view(struct client *c, const struct desc *r,
			    struct cmds_view *v)
{
	const json_t *lead = NULL, *best = NULL;
	uint64_t lead_node = 0, lead_term = 0, best_term = 0, best_applied = 0;

	memset(v, 0, sizeof(*v));
	for (size_t i = 0; i < r->n_replicas; i++) {
		const json_t *st, *en;
		const char *role = "";
		uint64_t term = 0, applied = 0, gen = 0;
		int64_t mid;

		if (client_node_status(c, r->replicas[i], &st, &mid, NULL) !=
		    RC_OK ||
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
			lead_node = r->replicas[i];
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
		v->size = cmds_number(lead, "size_bytes");
		v->qps = cmds_number(lead, "qps");
	}
	if (v->size == NULL && best != NULL)
		v->size = cmds_number(best, "size_bytes");
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

	if ((rc = client_meta_find(c, call->range_id, &r, e)) != RC_OK)
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

	if ((rc = client_meta_find(c, call->range_id, &r, e)) != RC_OK)
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

int cmds_run(const struct cmds_call *call, struct client *c, int json,
	     FILE *out, struct err *e)
{
	struct err local_err;

	if (e == NULL)
		e = &local_err;
	switch (cmds_verb_index(call->verb)) {
	case V_LIST:
		return cmds_list(c, json, out, e);
	case V_LOCATE:
		return cmds_locate(call, c, json, out, e);
	case V_NODES:
		return cmds_nodes(c, json, out, e);
	case V_SPLIT:
		return cmds_split(call, c, json, out, e);
	case V_TRANSFER:
		return cmds_transfer(call, c, json, out, e);
	default:
		return err_set(e, RC_INTERNAL, "unknown command '%s'",
			       call->verb);
	}
}
