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
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The target itself, compiled into this program (one source file keeps
   the build simple, VPATH and distcheck included). */
#include "../fuzz/sqlparse_fuzz.c"

static void test_corpus(void **state)
{
	const char *src = getenv("RANGEDB_SRCDIR");
	char dir[4096], path[4352];
	struct dirent *de;
	size_t files = 0;
	DIR *d;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/t/fuzz/sqlparse", src ? src : ".");
	d = opendir(dir);
	if (d == NULL)
		fail_msg("cannot open the corpus '%s' (set RANGEDB_SRCDIR)",
			 dir);
	while ((de = readdir(d)) != NULL) {
		FILE *f;
		uint8_t *buf;
		long n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "rb");
		assert_non_null(f);
		assert_int_equal(fseek(f, 0, SEEK_END), 0);
		n = ftell(f);
		assert_true(n >= 0);
		rewind(f);
		buf = malloc((size_t)n + 1);
		assert_non_null(buf);
		assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, (size_t)n);
		free(buf);
		files++;
	}
	closedir(d);
	/* the corpus must be there: an empty run would prove nothing */
	assert_true(files >= 40);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests_name("sqlfuzz_replay", tests, NULL,
					   NULL);
}
