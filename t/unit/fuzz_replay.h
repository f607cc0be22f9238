/*
 * fuzz_replay.h -- replay a libFuzzer corpus (t/fuzz/<name>/) through its
 * target's own checks, without libFuzzer, from a cmocka test: so every
 * `make check` (and CI's ASan/UBSan pass) re-runs each input the fuzzer
 * ever found interesting.  Header-only: included by one test per target,
 * which also includes the target's source.
 */
#ifndef RANGEDB_FUZZ_REPLAY_H
#define RANGEDB_FUZZ_REPLAY_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Feed every file of t/fuzz/<name>/ to target; at least min_files. */
static void fuzz_replay(const char *name, size_t min_files,
			int (*target)(const uint8_t *, size_t))
{
	const char *src = getenv("RANGEDB_SRCDIR");
	char dir[4096], path[4352];
	struct dirent *de;
	size_t files = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/t/fuzz/%s", src ? src : ".", name);
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
		target(buf, (size_t)n);
		free(buf);
		files++;
	}
	closedir(d);
	/* the corpus must be there: an empty run would prove nothing */
	assert_true(files >= min_files);
}

#endif
