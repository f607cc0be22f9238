/*
 * md5.h -- the MD5 message digest (RFC 1321), written from the RFC.
 *
 * For checksums that must match other tools bit for bit (sqllogictest
 * hashes its result sets with MD5), never for security: MD5 is broken as
 * a cryptographic hash.  No allocation, no failure: a struct md5 lives
 * wherever the caller puts it.
 *
 *	struct md5 m;
 *	char hex[MD5_HEX_LEN + 1];
 *
 *	md5_init(&m);
 *	md5_update(&m, "abc", 3);	(any number of times, any sizes)
 *	md5_hex(&m, hex);		("900150983cd24fb0d6963f7d28e17f72")
 *
 * Tested in t/unit/md5_test.c (the RFC's test suite, chunked input).
 */
#ifndef RANGEDB_MD5_H
#define RANGEDB_MD5_H

#include <stddef.h>
#include <stdint.h>

#define MD5_DIGEST_LEN	16	/* bytes of a digest */
#define MD5_HEX_LEN	32	/* characters of its hex form, no NUL */

/* The fields are private to md5.c; callers only allocate the struct. */
struct md5 {
	uint32_t state[4];	/* A, B, C, D */
	uint64_t nbytes;	/* message length so far, in bytes */
	unsigned char buf[64];	/* the partial block, nbytes % 64 long */
};

/* Start a new digest (also resets a used one). */
void md5_init(struct md5 *m);

/* Append len bytes of data to the message (data may be NULL if len is 0). */
void md5_update(struct md5 *m, const void *data, size_t len);

/*
 * Finish: the 16-byte digest into out.  m must be md5_init()ed again
 * before it is reused.
 */
void md5_final(struct md5 *m, unsigned char out[MD5_DIGEST_LEN]);

/* md5_final(), written as 32 lower-case hex digits and a NUL into hex. */
void md5_hex(struct md5 *m, char hex[MD5_HEX_LEN + 1]);

#endif
