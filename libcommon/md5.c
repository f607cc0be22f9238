/*
 * md5.c -- the MD5 message digest, from RFC 1321 (sections 3.1 to 3.5).
 *
 * The message is processed in 64-byte blocks of sixteen little-endian
 * 32-bit words; each block goes through four rounds of sixteen steps
 * a = b + ((a + F(b,c,d) + X[k] + T[i]) <<< s).  The 64 steps are written
 * as one loop: the RFC's rotating register names (ABCD, DABC, CDAB, BCDA)
 * become a shift of the four registers after every step.  Padding (3.1,
 * 3.2): a 0x80 byte, zeros up to 56 mod 64, then the bit length as a
 * little-endian 64-bit number.  Tested in t/unit/md5_test.c.
 */
#include "md5.h"

#include <string.h>

/* T[i] = floor(4294967296 * abs(sin(i + 1))), the RFC's table (3.4). */
static const uint32_t md5_t[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee,
	0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
	0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
	0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
	0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa,
	0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
	0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
	0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
	0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
	0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05,
	0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039,
	0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
	0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
	0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

/* The shift amounts s of each step, four per round. */
static const unsigned char md5_s[4][4] = {
	{ 7, 12, 17, 22 },
	{ 5, 9, 14, 20 },
	{ 4, 11, 16, 23 },
	{ 6, 10, 15, 21 },
};

static uint32_t md5_rotl(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

/* Process one 64-byte block into the state (RFC 1321, 3.4). */
static void md5_block(uint32_t state[4], const unsigned char *p)
{
	uint32_t x[16];
	uint32_t a = state[0], b = state[1], c = state[2], d = state[3];

	for (int j = 0; j < 16; j++)
		x[j] = (uint32_t)p[4 * j] | (uint32_t)p[4 * j + 1] << 8 |
		       (uint32_t)p[4 * j + 2] << 16 |
		       (uint32_t)p[4 * j + 3] << 24;
	for (int i = 0; i < 64; i++) {
		int round = i / 16;
		uint32_t f, tmp;
		int k;

		switch (round) {
		case 0:		/* F(X,Y,Z) = XY v not(X) Z */
			f = (b & c) | (~b & d);
			k = i;
			break;
		case 1:		/* G(X,Y,Z) = XZ v Y not(Z) */
			f = (b & d) | (c & ~d);
			k = (1 + 5 * i) % 16;
			break;
		case 2:		/* H(X,Y,Z) = X xor Y xor Z */
			f = b ^ c ^ d;
			k = (5 + 3 * i) % 16;
			break;
		default:	/* I(X,Y,Z) = Y xor (X v not(Z)) */
			f = c ^ (b | ~d);
			k = (7 * i) % 16;
			break;
		}
		tmp = d;
		d = c;
		c = b;
		b = b + md5_rotl(a + f + x[k] + md5_t[i],
				 md5_s[round][i % 4]);
		a = tmp;
	}
	state[0] += a;
	state[1] += b;
	state[2] += c;
	state[3] += d;
}

void md5_init(struct md5 *m)
{
	/* RFC 1321, 3.3: word A: 01 23 45 67 (low-order byte first), ... */
	m->state[0] = 0x67452301;
	m->state[1] = 0xefcdab89;
	m->state[2] = 0x98badcfe;
	m->state[3] = 0x10325476;
	m->nbytes = 0;
	memset(m->buf, 0, sizeof(m->buf));
}

void md5_update(struct md5 *m, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t have = (size_t)(m->nbytes % 64);

	if (len == 0)
		return;		/* data may be NULL */
	m->nbytes += len;
	if (have > 0) {
		size_t take = 64 - have < len ? 64 - have : len;

		memcpy(m->buf + have, p, take);
		p += take;
		len -= take;
		if (have + take < 64)
			return;
		md5_block(m->state, m->buf);
	}
	for (; len >= 64; p += 64, len -= 64)
		md5_block(m->state, p);
	if (len > 0)
		memcpy(m->buf, p, len);
}

void md5_final(struct md5 *m, unsigned char out[MD5_DIGEST_LEN])
{
	static const unsigned char pad[64] = { 0x80 };
	unsigned char lenle[8];
	uint64_t bits = m->nbytes * 8;
	size_t have = (size_t)(m->nbytes % 64);

	for (int i = 0; i < 8; i++)
		lenle[i] = (unsigned char)(bits >> (8 * i));
	/* 3.1: pad to 56 mod 64 (always at least one byte, 0x80). */
	md5_update(m, pad, have < 56 ? 56 - have : 120 - have);
	/* 3.2: the length before padding, low-order word first. */
	md5_update(m, lenle, 8);
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			out[4 * i + j] =
				(unsigned char)(m->state[i] >> (8 * j));
}

void md5_hex(struct md5 *m, char hex[MD5_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char d[MD5_DIGEST_LEN];

	md5_final(m, d);
	for (int i = 0; i < MD5_DIGEST_LEN; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 0xf];
	}
	hex[MD5_HEX_LEN] = '\0';
}
