/*
 * faultapi.h -- the admin endpoint through which chaos injects faults
 * (fault.h) into raftd, tsod and txcoord, the same on every deployment:
 *
 *   GET    /admin/fault            -> {"faults":[...]} (fault_status_json)
 *   POST   /admin/fault {"kind":"partition","drop_out":[2,3],
 *                        "drop_in":[2,3],"ttl":"60s"}
 *                       {"kind":"skew","offset":"+5s"|"-250ms","ttl":..}
 *                       {"kind":"slow-disk"|"slow-net","delay":"200ms",
 *                        "ttl":..}
 *                                  -> the same as GET, after the change
 *                                     (400 for a kind the process does
 *                                     not enforce: faultapi_set_kinds)
 *   DELETE /admin/fault[?kind=K]   -> heal everything (or one kind)
 *
 * Every call needs "Authorization: Bearer <secret>", the cluster's
 * [cluster] secret: 403 denied otherwise (compared in constant time).  A
 * process started without a secret refuses every call (fault injection
 * is then off).  "ttl" defaults to FAULTAPI_DEFAULT_TTL_MS, at most
 * FAULT_TTL_MAX_MS: a drill that dies leaves nothing behind for long.
 * Unknown fields are 400.  Tested in t/unit/fault_test.c and by the
 * drills (t/7xx-chaos*.bats).
 */
#ifndef RANGEDB_FAULTAPI_H
#define RANGEDB_FAULTAPI_H

#include <stdint.h>

#include "err.h"

#define FAULTAPI_DEFAULT_TTL_MS	(60 * 1000)
#define FAULTAPI_MIN_SECRET	16	/* bytes a usable secret has */

struct http_server;
struct http_req;
struct http_resp;

/*
 * Add the routes to s before http_server_start().  secret may be NULL
 * (injection off); it is copied.
 */
int faultapi_register(struct http_server *s, const char *secret,
		      struct err *e);

/*
 * The request handlers' core, for tests: answer req (method GET, POST or
 * DELETE) against secret.
 */
void faultapi_handle(const char *secret, const struct http_req *req,
		     struct http_resp *resp);

/*
 * The kinds this process enforces, as bits (1u << FAULT_PARTITION | ...);
 * a POST of another kind is 400, naming service and what it does take, so
 * a drill never believes in a fault that is not there.  Default: every
 * kind (raftd).  Call before the server starts.
 */
void faultapi_set_kinds(const char *service, unsigned kinds);

/* Parse "+5s", "-250ms", "1m" into signed ms: 0 ok, -1 malformed. */
int faultapi_parse_offset(const char *s, int64_t *out);

#endif
