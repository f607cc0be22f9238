/*
 * raftwire.h -- the JSON wire form of Raft messages (raftd's POST /raft).
 *
 * One HTTP request carries one batch: every message one node sends to one
 * other node, for any number of ranges (the "group" of each message):
 *
 *	{"from": 1, "msgs": [
 *	  {"type": "append", "group": 7, "from": 1, "to": 2, "term": 3,
 *	   "index": 41, "log_term": 3, "commit": 40,
 *	   "entries": [{"term": 3, "index": 42, "data": "aGVsbG8="},
 *	               {"term": 3, "index": 43, "type": "conf",
 *	                "data": "AgMAAAAAAAAA"}]},
 *	  {"type": "snapshot", "group": 9, "from": 1, "to": 2, "term": 3,
 *	   "snapshot": {"index": 90, "term": 2,
 *	                "conf": [{"id": 1}, {"id": 2},
 *	                         {"id": 4, "learner": true}],
 *	                "data": "..."}}]}
 *
 * Field by field (names are those of struct raft_msg in raft.h):
 *  - "type": raft_msg_type_name() of the type ("append", "append_resp",
 *    "heartbeat", "heartbeat_resp", "vote", "vote_resp", "prevote",
 *    "prevote_resp", "snapshot", "timeout_now").  Required.
 *  - "group", "from", "to", "term": required, always written.
 *  - "index", "log_term", "commit", "hint", "context": optional, written
 *    only when not 0; absent (or null) decodes as 0.
 *  - "reject": true or false; written only when set; absent = false.
 *  - "entries": APPEND only; absent = none.  Each entry has "term" and
 *    "index" (required), "type" ("normal" or "conf"; written only for
 *    "conf") and "data" (base64; written only when not empty).  Indexes
 *    are contiguous: entries[i].index == index + 1 + i.
 *  - "snapshot": required in SNAPSHOT messages and refused in others;
 *    "index", "term" (optional, 0 when absent), "conf" (array of members,
 *    order kept, ids > 0 and distinct, at most RAFT_MAX_NODES; "learner"
 *    written only when true) and "data" (base64).
 *
 * Integers.  Jansson's JSON integers are signed 64-bit, so every uint64_t
 * is written as a JSON integer when it is <= INT64_MAX and as a decimal
 * string above ("18446744073709551615").  The decoder accepts, for any
 * u64 field, a JSON integer >= 0 or a canonical decimal string (digits
 * only, no sign, no leading zero, <= UINT64_MAX), so scripts may always
 * use strings.  Negative numbers, reals (even 1.0), booleans and anything
 * else are refused.  Booleans must be JSON true/false.
 *
 * Binary data is standard base64 (RFC 4648 section 4: "+/" alphabet,
 * "=" padding required, no whitespace).  The decoder is strict: a bad
 * character, a bad length or padding, or non-zero trailing bits (which
 * would let two texts decode to the same bytes) are RC_BAD_INPUT.
 *
 * Unknown object members are IGNORED, at every level, so a newer raftd
 * can add a field without breaking older peers.  Everything else is
 * checked: a wrong type, a missing required field, a bad value is
 * RC_BAD_INPUT; exceeding a limit below is RC_TOO_LARGE.  The message
 * names the field, and in a batch the message's position:
 *	msgs[3].entries[0].data: bad base64 (invalid character at offset 4)
 * The encoder refuses (same codes) whatever the decoder would refuse, so a
 * batch that encodes is one the peer can decode.
 *
 * The codec checks structure only; the Raft core's raft_step() still
 * checks meaning (terms, sender, destination, ...).  A batch's messages
 * must all have the batch's "from" (a peer speaks only for itself); that
 * "to" is the receiving node is left to raftd.
 *
 * Memory: decoded entries and data are malloc'd and owned by the caller,
 * released by raftwire_msg_release() / raftwire_batch_release().  On
 * error nothing is left allocated and the outputs are zeroed.  Hostile
 * input never crashes or leaks (t/unit/raftwire_test.c mutates thousands
 * of encoded batches under ASan).  Tested in t/unit/raftwire_test.c.
 */
#ifndef RANGEDB_RAFTWIRE_H
#define RANGEDB_RAFTWIRE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "err.h"
#include "raft.h"

/* ---- limits (RC_TOO_LARGE beyond them) --------------------------------- */

#define RAFTWIRE_MAX_MSGS 65536	/* messages in one batch */
/* entries in one message, and in all messages of one batch together */
#define RAFTWIRE_MAX_ENTRIES 65536
/* decoded bytes of entry and snapshot data, per message and per batch */
#define RAFTWIRE_MAX_DATA ((size_t)64 << 20)

/* ---- one message ------------------------------------------------------- */

/* *out is a new JSON object (a reference the caller owns). */
int raftwire_encode_msg(const struct raft_msg *m, json_t **out,
			struct err *e);
/* Fills *m (zeroed on error); release it with raftwire_msg_release(). */
int raftwire_decode_msg(const json_t *j, struct raft_msg *m, struct err *e);
/* Frees what raftwire_decode_msg allocated and zeroes those fields. */
void raftwire_msg_release(struct raft_msg *m);

/* ---- a batch: {"from": N, "msgs": [...]} ------------------------------- */

/* from must be > 0 and equal every msgs[i].from. */
int raftwire_encode_batch(uint64_t from, const struct raft_msg *msgs,
			  size_t n, json_t **out, struct err *e);
/*
 * *msgs is a malloc'd array of *n decoded messages (NULL when *n is 0);
 * on error *from, *msgs and *n are zeroed and nothing is allocated.
 */
int raftwire_decode_batch(const json_t *j, uint64_t *from,
			  struct raft_msg **msgs, size_t *n, struct err *e);
/* Releases every message and frees the array. */
void raftwire_batch_release(struct raft_msg *msgs, size_t n);

/* ---- the binary form (raftd's transport) -------------------------------- */
/*
 * The same batch, as bytes (Content-Type RAFTWIRE_BIN_TYPE): no JSON
 * objects to build or parse and no base64.  All integers big-endian:
 *
 *	batch := "RRB1" flags:u8 from:u64 clock_ms:u64 epoch:u64 seq:u64
 *		 n:u32 msg*n
 *	msg   := type:u8 reject:u8 group from to term index log_term
 *		 commit hint context (u64 each) n:u32 entry*n
 *		 has_snapshot:u8 [snapshot]
 *	entry := term:u64 index:u64 type:u8 len:u32 data[len]
 *	snapshot := index:u64 term:u64 n:u8 (id:u64 learner:u8)*n
 *		 len:u64 data[len]
 *
 * flags: 0x01 reply, 0x02 resync; the other bits must be 0.  clock_ms,
 * epoch and seq are 0 when absent.  Every rule of the JSON form holds
 * (types, contiguous indexes, snapshot only in snapshot messages and
 * required there, conf members, every message from the batch's from, the
 * limits), and the decoder also refuses truncation, flags or booleans
 * other than 0/1, and bytes after the last message.  Lengths are checked
 * against what is left of the body before anything is allocated.
 */
#define RAFTWIRE_BIN_TYPE "application/x-rangedb-raft"

/* What a batch says besides its messages (the transport's fields). */
struct raftwire_meta {
	uint64_t from;
	uint64_t clock_ms;	/* the sender's wall clock; 0: not sent */
	uint64_t epoch, seq;	/* rxorder's numbering; 0: unnumbered */
	int resync;		/* a batch before this one was lost */
	int reply;		/* the receiver may answer with a batch */
};

/* *out is malloc'd, *out_len bytes. */
int raftwire_encode_bin(const struct raftwire_meta *meta,
			const struct raft_msg *msgs, size_t n, char **out,
			size_t *out_len, struct err *e);
/* As raftwire_decode_batch; *meta zeroed on error. */
int raftwire_decode_bin(const void *buf, size_t len,
			struct raftwire_meta *meta, struct raft_msg **msgs,
			size_t *n, struct err *e);

/* ---- base64 (RFC 4648 section 4, strict) -------------------------------- */

/* *out is a malloc'd NUL-terminated string of *out_len chars. */
int raftwire_base64_encode(const void *data, size_t len, char **out,
			   size_t *out_len, struct err *e);
/*
 * Decode s[0..len); *out is malloc'd (NULL when *out_len is 0).  Errors
 * (RC_BAD_INPUT) read "invalid character at offset 5", "length 7 is not a
 * multiple of 4", "misplaced padding", "non-zero trailing bits".
 */
int raftwire_base64_decode(const char *s, size_t len, void **out,
			   size_t *out_len, struct err *e);

#endif
