/*
 * desc.h -- range descriptors: what a range is (id, key span, replicas,
 * generation), their JSON form, and where the meta range stores them.
 *
 * A range holds the keys in [start, end); an empty end means "to the end of
 * the keyspace".  generation grows by one at every change of span or
 * replicas (split, merge, membership change), so of two descriptors of one
 * range the higher generation is the newer.
 *
 * JSON form (what raftd answers, what the meta range stores):
 *	{"range_id":7, "start":"k0500", "end":"k0750",
 *	 "replicas":[1,2,3], "generation":4}
 * plus "learners":[4] while replicas are being added (omitted when none).
 * A key that is not valid UTF-8 (or holds a NUL) is written as
 * "start_b64"/"end_b64" (base64) instead; desc_bytes_set/get implement that
 * convention for any field, so every byte string in rangedb's JSON has one
 * shape.
 *
 * Meta addressing: the meta range (range 1, keys [0x01, 0x02)) stores each
 * descriptor under DESC_META_PREFIX + its end key, and the last range (empty
 * end) under DESC_META_LAST, which sorts after every other descriptor.  The
 * range holding key K is then the first meta record whose key is above
 * DESC_META_PREFIX + K: one forward seek.
 *
 * Tested in t/unit/desc_test.c.
 */
#ifndef RANGEDB_DESC_H
#define RANGEDB_DESC_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "err.h"

#define DESC_MAX_REPLICAS	16
#define DESC_BOUND_MAX		1024	/* bytes of a range boundary key */

/* Meta range keys (all start with 0x01, the meta span). */
#define DESC_META_PREFIX	"\x01" "d"	/* + end key */
#define DESC_META_LAST		"\x01" "e"	/* the range with empty end */
#define DESC_META_END		"\x01" "f"	/* past every descriptor */
#define DESC_META_COUNTER	"\x01" "c"	/* last range id handed out */
#define DESC_META_NODE		"\x01" "n"	/* + BE64 id: a node's address */
#define DESC_META_NODE_END	"\x01" "o"

struct desc {
	uint64_t range_id;
	unsigned char start[DESC_BOUND_MAX];
	size_t start_len;
	unsigned char end[DESC_BOUND_MAX];
	size_t end_len;		/* 0: +infinity */
	uint64_t replicas[DESC_MAX_REPLICAS];	/* voters */
	size_t n_replicas;
	uint64_t learners[DESC_MAX_REPLICAS];	/* catching up, no vote */
	size_t n_learners;
	uint64_t generation;
	int frozen;		/* being merged away: takes no writes */
};

/* Set d to id with span [start, end); RC_TOO_LARGE for a long bound. */
int desc_init(struct desc *d, uint64_t id, const void *start, size_t slen,
	      const void *end, size_t elen, struct err *e);

/* 1 if key lies in [start, end). */
int desc_contains(const struct desc *d, const void *key, size_t klen);

/* 1 if d has node as a replica (a voter). */
int desc_has_replica(const struct desc *d, uint64_t node);

/* 1 if node is a voter or a learner of d. */
int desc_has_member(const struct desc *d, uint64_t node);

/*
 * Apply a membership change to d's replica lists: op is 1 add learner,
 * 2 add voter (or promote a learner), 3 remove (raft_conf_op values).
 * Returns 1 if d changed (the caller bumps the generation), 0 if not.
 */
int desc_apply_change(struct desc *d, int op, uint64_t node);

/* JSON object of d (NULL when out of memory). */
json_t *desc_to_json(const struct desc *d);

/* Parse a JSON object into d; RC_BAD_INPUT names the bad field. */
int desc_from_json(const json_t *j, struct desc *d, struct err *e);

/*
 * (JSON: "frozen": true only when set.)
 * Compact JSON text of d, malloc'd (NUL-terminated).
 */
int desc_encode(const struct desc *d, char **out, size_t *len,
		struct err *e);
int desc_decode(const void *buf, size_t len, struct desc *d, struct err *e);

/* The meta key of d (DESC_META_PREFIX + end, or DESC_META_LAST); malloc'd. */
int desc_meta_key(const struct desc *d, unsigned char **out, size_t *len,
		  struct err *e);

/*
 * Byte strings in JSON: obj[name] = text when p[0..n) is valid UTF-8
 * without NUL, else obj[name_b64] = base64.  0 on success, -1 when out of
 * memory.
 */
int desc_bytes_set(json_t *obj, const char *name, const void *p, size_t n);

/*
 * Read obj[name] (a string) or obj[name_b64] (base64) into a malloc'd
 * buffer (*p NUL-terminated, *n its length).  Both present, a wrong type or
 * bad base64: RC_BAD_INPUT naming the field.  Neither present: RC_NOT_FOUND
 * (*p NULL), which the caller treats as missing or optional.
 */
int desc_bytes_get(const json_t *obj, const char *name, void **p, size_t *n,
		   struct err *e);

/* 1 if p[0..n) is valid UTF-8 without NUL bytes. */
int desc_utf8_valid(const void *p, size_t n);

#endif
