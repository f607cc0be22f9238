/*
 * md5_test.c -- unit tests for libcommon/md5.c: the test suite of
 * RFC 1321 (appendix A.5), lengths around the padding boundaries, a
 * million bytes, and the same message fed in random chunks (seeded).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "md5.h"

static void hex_of(const void *p, size_t n, char out[MD5_HEX_LEN + 1])
{
	struct md5 m;

	md5_init(&m);
	md5_update(&m, p, n);
	md5_hex(&m, out);
}

static void assert_md5(const char *msg, const char *want)
{
	char hex[MD5_HEX_LEN + 1];

	hex_of(msg, strlen(msg), hex);
	assert_string_equal(hex, want);
}

/* RFC 1321, A.5 "Test suite". */
static void test_rfc_suite(void **state)
{
	(void)state;
	assert_md5("", "d41d8cd98f00b204e9800998ecf8427e");
	assert_md5("a", "0cc175b9c0f1b6a831c399e269772661");
	assert_md5("abc", "900150983cd24fb0d6963f7d28e17f72");
	assert_md5("message digest", "f96b697d7cb7938d525a2f31aaf161d0");
	assert_md5("abcdefghijklmnopqrstuvwxyz",
		   "c3fcd3d76192e4007dfb496cca67e13b");
	assert_md5("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		   "0123456789", "d174ab98d277d9f5a5611c2c9f419d9f");
	assert_md5("1234567890123456789012345678901234567890"
		   "1234567890123456789012345678901234567890",
		   "57edf4a22be3c955ac49da2e2107b67a");
}

/* The binary digest is the hex one; md5_init() resets a used context. */
static void test_final_and_reuse(void **state)
{
	static const unsigned char want[MD5_DIGEST_LEN] = {
		0x90, 0x01, 0x50, 0x98, 0x3c, 0xd2, 0x4f, 0xb0,
		0xd6, 0x96, 0x3f, 0x7d, 0x28, 0xe1, 0x7f, 0x72,
	};
	unsigned char d[MD5_DIGEST_LEN];
	char hex[MD5_HEX_LEN + 1];
	struct md5 m;

	(void)state;
	md5_init(&m);
	md5_update(&m, "junk that is thrown away", 24);
	md5_init(&m);
	md5_update(&m, "ab", 2);
	md5_update(&m, NULL, 0);
	md5_update(&m, "c", 1);
	md5_final(&m, d);
	assert_memory_equal(d, want, sizeof(want));
	md5_init(&m);
	md5_hex(&m, hex);
	assert_string_equal(hex, "d41d8cd98f00b204e9800998ecf8427e");
	assert_int_equal(strlen(hex), MD5_HEX_LEN);
}

/*
 * Messages of n 'x' bytes around the block and padding boundaries (55
 * bytes still fit the length in the same block, 56 do not), checked
 * against md5sum(1).
 */
static void test_padding_boundaries(void **state)
{
	static const struct {
		size_t n;
		const char *hex;
	} cases[] = {
		{ 55, "04364420e25c512fd958a70738aa8f72" },
		{ 56, "668a72d5ba17f08e62dabcafad6db14b" },
		{ 57, "693037871c4a9d3d8685018905cb530a" },
		{ 63, "7dc2ca208106a2f703567bdff99d8981" },
		{ 64, "c1bb4f81d892b2d57947682aeb252456" },
		{ 65, "1bc932052302d074bdec39795fe00cf6" },
		{ 127, "a0b28c1da68705c2ff883fe279b72753" },
		{ 128, "d69cb61a6ee87200676eb0d4b90edbcb" },
		{ 129, "3926841d393c00c3f36260e5ace10dc1" },
	};
	char buf[129], hex[MD5_HEX_LEN + 1];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hex_of(buf, cases[i].n, hex);
		assert_string_equal(hex, cases[i].hex);
	}
}

/* One million 'a': the classic long vector, fed 1000 bytes at a time. */
static void test_million_a(void **state)
{
	char block[1000], hex[MD5_HEX_LEN + 1];
	struct md5 m;

	(void)state;
	memset(block, 'a', sizeof(block));
	md5_init(&m);
	for (int i = 0; i < 1000; i++)
		md5_update(&m, block, sizeof(block));
	md5_hex(&m, hex);
	assert_string_equal(hex, "7707d6ae4e027c70eea2a935c2296f21");
}

/* Any split of a message into chunks gives the one-shot digest. */
static void test_random_chunks(void **state)
{
	enum { N = 20000 };
	unsigned char *msg = malloc(N);
	char whole[MD5_HEX_LEN + 1], chunked[MD5_HEX_LEN + 1];

	(void)state;
	assert_non_null(msg);
	srand(20261124);
	for (size_t i = 0; i < N; i++)
		msg[i] = (unsigned char)(rand() & 0xff);
	for (int trial = 0; trial < 50; trial++) {
		size_t len = (size_t)(rand() % N) + 1, off = 0;
		struct md5 m;

		hex_of(msg, len, whole);
		md5_init(&m);
		while (off < len) {
			size_t take = (size_t)(rand() % 150);

			if (take > len - off)
				take = len - off;
			md5_update(&m, msg + off, take);
			off += take;
		}
		md5_hex(&m, chunked);
		assert_string_equal(chunked, whole);
	}
	free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_suite),
		cmocka_unit_test(test_final_and_reuse),
		cmocka_unit_test(test_padding_boundaries),
		cmocka_unit_test(test_million_a),
		cmocka_unit_test(test_random_chunks),
	};

	return cmocka_run_group_tests_name("md5", tests, NULL, NULL);
}
