/*
 * sqlfilt_replay_test.c -- replays the pushed-filter fuzz corpus
 * (t/fuzz/sqlfilt/) through the fuzz target's own checks, without
 * libFuzzer: every WHERE text compiles or fails with a message, and every
 * compiled filter answers 0 or 1 on every stored row, the same twice.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_replay.h"

/* The target itself, compiled into this program. */
#include "../fuzz/sqlfilt_fuzz.c"

static void test_corpus(void **state)
{
	(void)state;
	fuzz_replay("sqlfilt", 40, LLVMFuzzerTestOneInput);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests_name("sqlfilt_replay", tests, NULL,
					   NULL);
}
