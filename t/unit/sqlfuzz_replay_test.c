/*
 * sqlfuzz_replay_test.c -- replays the parser's fuzz corpus
 * (t/fuzz/sqlparse/) through the fuzz target's own checks, without
 * libFuzzer, so every `make check` (and CI's ASan/UBSan pass) re-runs each
 * input the fuzzer ever found interesting: parse, deparse, reparse to the
 * same tree, well-formed errors.  A broken check aborts the test.
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

/* The target itself, compiled into this program (one source file keeps
   the build simple, VPATH and distcheck included). */
#include "../fuzz/sqlparse_fuzz.c"

static void test_corpus(void **state)
{
	(void)state;
	fuzz_replay("sqlparse", 40, LLVMFuzzerTestOneInput);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests_name("sqlfuzz_replay", tests, NULL,
					   NULL);
}
