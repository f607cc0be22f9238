/*
 * faultapi.c -- GET/POST/DELETE /admin/fault (see faultapi.h).
 */
#include "faultapi.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cfg.h"
#include "fault.h"
#include "http.h"

struct faultapi {
	char *secret;			/* NULL: injection off */
};

/* What this process enforces (faultapi_set_kinds); set before serving. */
static const char *fa_service = "this process";
static unsigned fa_kinds = (1u << FAULT_NKINDS) - 1;

void faultapi_set_kinds(const char *service, unsigned kinds)
{
	fa_service = service;
	fa_kinds = kinds & ((1u << FAULT_NKINDS) - 1);
}

/* "skew, slow-disk" into buf: the kinds this process takes. */
static void kinds_text(char *buf, size_t cap)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int k = 0; k < FAULT_NKINDS; k++)
		if (fa_kinds & (1u << k))
			len += (size_t)snprintf(buf + len, cap > len ? cap - len
						: 0, "%s%s", len ? ", " : "",
						fault_kind_name(
						(enum fault_kind)k));
	if (len == 0)
		snprintf(buf, cap, "none");
}

/* Equal strings, in time that depends only on the lengths. */
static int same_secret(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;

	for (size_t i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

static int authorized(const char *secret, const struct http_req *req,
		      struct http_resp *resp)
{
	const char *h = http_req_header(req, "Authorization");

	if (secret == NULL || secret[0] == '\0') {
		http_resp_error(resp, RC_DENIED, "fault injection is off: this "
				"process has no [cluster] secret");
		return 0;
	}
	if (h == NULL || strncmp(h, "Bearer ", 7) != 0 ||
	    !same_secret(h + 7, secret)) {
		http_resp_error(resp, RC_DENIED, "%s", h == NULL ?
				"fault injection needs 'Authorization: Bearer "
				"<[cluster] secret>'" :
				"wrong secret for fault injection");
		return 0;
	}
	return 1;
}

int faultapi_parse_offset(const char *s, int64_t *out)
{
	int neg = 0;
	int64_t v;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (cfg_parse_duration(s, &v) != 0)
		return -1;
	*out = neg ? -v : v;
	return 0;
}

/* A duration field (absent: def); RC_BAD_INPUT with the field named. */
static int get_dur(const json_t *j, const char *key, int64_t def,
		   int64_t *out, struct err *e)
{
	const json_t *v = json_object_get(j, key);

	if (v == NULL) {
		*out = def;
		return RC_OK;
	}
	if (!json_is_string(v) ||
	    cfg_parse_duration(json_string_value(v), out) != 0)
		return err_set(e, RC_BAD_INPUT, "'%s' must be a duration such "
			       "as \"250ms\" or \"1m30s\"", key);
	return RC_OK;
}

static int get_ids(const json_t *j, const char *key, uint64_t *ids,
		   size_t *n, struct err *e)
{
	const json_t *a = json_object_get(j, key), *v;
	size_t i;

	*n = 0;
	if (a == NULL)
		return RC_OK;
	if (!json_is_array(a) || json_array_size(a) > FAULT_MAX_PEERS)
		return err_set(e, RC_BAD_INPUT, "'%s' must be an array of at "
			       "most %d node ids", key, FAULT_MAX_PEERS);
	json_array_foreach(a, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 1)
			return err_set(e, RC_BAD_INPUT, "'%s' must hold node "
				       "ids (integers from 1)", key);
		ids[(*n)++] = (uint64_t)json_integer_value(v);
	}
	return RC_OK;
}

static int only_keys(const json_t *j, const char *const *keys,
		     struct err *e)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)j, k, v) {
		size_t i;

		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(k, keys[i]) == 0)
				break;
		if (keys[i] == NULL)
			return err_set(e, RC_BAD_INPUT, "unknown field '%s'",
				       k);
	}
	return RC_OK;
}

static int inject(const json_t *j, struct err *e)
{
	static const char *const part_keys[] = { "kind", "drop_out",
		"drop_in", "ttl", NULL };
	static const char *const skew_keys[] = { "kind", "offset", "ttl",
		NULL };
	static const char *const slow_keys[] = { "kind", "delay", "ttl",
		NULL };
	const json_t *jk = json_object_get(j, "kind");
	int64_t ttl, v;
	int kind, rc;

	if (!json_is_string(jk) ||
	    (kind = fault_kind_parse(json_string_value(jk))) < 0)
		return err_set(e, RC_BAD_INPUT, "'kind' must be partition, "
			       "skew, slow-disk or slow-net");
	if (!(fa_kinds & (1u << kind))) {
		char took[96];

		kinds_text(took, sizeof(took));
		return err_set(e, RC_BAD_INPUT, "%s does not enforce %s faults "
			       "(it takes: %s); partition the nodes, or use "
			       "contrib/netns-cluster for real packet loss "
			       "between any processes", fa_service,
			       json_string_value(jk), took);
	}
	if ((rc = get_dur(j, "ttl", FAULTAPI_DEFAULT_TTL_MS, &ttl, e)) !=
	    RC_OK)
		return rc;
	if (ttl <= 0)
		return err_set(e, RC_BAD_INPUT, "'ttl' must be positive");
	switch (kind) {
	case FAULT_PARTITION: {
		uint64_t out[FAULT_MAX_PEERS], in[FAULT_MAX_PEERS];
		size_t nout, nin;

		if ((rc = only_keys(j, part_keys, e)) != RC_OK ||
		    (rc = get_ids(j, "drop_out", out, &nout, e)) != RC_OK ||
		    (rc = get_ids(j, "drop_in", in, &nin, e)) != RC_OK)
			return rc;
		return fault_partition(out, nout, in, nin, (uint64_t)ttl, e);
	}
	case FAULT_SKEW: {
		const json_t *o = json_object_get(j, "offset");

		if ((rc = only_keys(j, skew_keys, e)) != RC_OK)
			return rc;
		if (!json_is_string(o) ||
		    faultapi_parse_offset(json_string_value(o), &v) != 0)
			return err_set(e, RC_BAD_INPUT, "'offset' must be a "
				       "signed duration such as \"+5s\" or "
				       "\"-250ms\"");
		return fault_skew(v, (uint64_t)ttl, e);
	}
	default:
		if ((rc = only_keys(j, slow_keys, e)) != RC_OK)
			return rc;
		if (json_object_get(j, "delay") == NULL)
			return err_set(e, RC_BAD_INPUT, "'delay' is missing");
		if ((rc = get_dur(j, "delay", 0, &v, e)) != RC_OK)
			return rc;
		if (v <= 0)
			return err_set(e, RC_BAD_INPUT, "'delay' must be "
				       "positive");
		return kind == FAULT_SLOW_DISK ?
			fault_slow_disk((uint64_t)v, (uint64_t)ttl, e) :
			fault_slow_net((uint64_t)v, (uint64_t)ttl, e);
	}
}

static void answer_status(struct http_resp *resp)
{
	json_t *f = fault_status_json();

	if (f == NULL) {
		http_resp_error(resp, RC_NOMEM, "out of memory");
		return;
	}
	http_resp_json(resp, 200, json_pack("{s:o}", "faults", f));
}

void faultapi_handle(const char *secret, const struct http_req *req,
		     struct http_resp *resp)
{
	struct err e;

	if (!authorized(secret, req, resp))
		return;
	if (strcmp(req->method, "POST") == 0) {
		if (inject(req->json, &e) != RC_OK) {
			http_resp_err(resp, &e);
			return;
		}
	} else if (strcmp(req->method, "DELETE") == 0) {
		const char *k = http_req_query(req, "kind");
		int kind;

		if (k == NULL) {
			fault_heal();
		} else if ((kind = fault_kind_parse(k)) < 0) {
			http_resp_error(resp, RC_BAD_INPUT, "unknown fault "
					"kind '%s'", k);
			return;
		} else {
			fault_clear((enum fault_kind)kind);
		}
	}
	answer_status(resp);
}

static void handle(const struct http_req *req, struct http_resp *resp,
		   void *arg)
{
	struct faultapi *f = arg;

	faultapi_handle(f->secret, req, resp);
}

int faultapi_register(struct http_server *s, const char *secret,
		      struct err *e)
{
	/* lives as long as the process: the server holds it */
	static struct faultapi fa;
	int rc;

	free(fa.secret);
	fa.secret = NULL;
	if (secret != NULL && secret[0] != '\0' &&
	    strlen(secret) < FAULTAPI_MIN_SECRET)
		return err_set(e, RC_BAD_INPUT, "[cluster] secret is too short "
			       "to authenticate anything: use at least %d "
			       "random characters", FAULTAPI_MIN_SECRET);
	if (secret != NULL && secret[0] != '\0' &&
	    (fa.secret = strdup(secret)) == NULL)
		return err_set(e, RC_NOMEM, "out of memory");
	if ((rc = http_server_route(s, "GET", "/admin/fault", 0, 0, handle,
				    &fa, e)) != RC_OK ||
	    (rc = http_server_route(s, "POST", "/admin/fault",
				    HTTP_JSON_BODY, 64 * 1024, handle, &fa,
				    e)) != RC_OK ||
	    (rc = http_server_route(s, "DELETE", "/admin/fault", 0, 0,
				    handle, &fa, e)) != RC_OK)
		return rc;
	return RC_OK;
}
