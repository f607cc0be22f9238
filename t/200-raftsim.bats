#!/usr/bin/env bats
# 200-raftsim.bats -- the Raft core under deterministic simulation.
#
# raftsim (t/raftsim/raftsim.c) runs whole 3- and 5-node clusters from a seed
# with drops, delays, duplicates, partitions, crashes, membership changes,
# transfers and snapshots, and checks the Raft safety properties after every
# event.  Over 2,000 seeds run here; a failure prints the seed, the invariant
# and the last events, and `raftsim --seed-start S --seeds 1 --trace` replays
# it.  `make check` puts raftsim on PATH; by hand, RANGEDB_BUILDDIR finds it.
bats_require_minimum_version 1.8.0

setup() {
	if ! command -v raftsim >/dev/null 2>&1; then
		PATH="${RANGEDB_BUILDDIR:-.}/t/raftsim:$PATH"
	fi
}

@test "raftsim: 1500 seeds, 3 nodes (part 1)" {
	run -0 raftsim --seed-start 1 --seeds 1500 --nodes 3 --steps 2000
	[ "${lines[-1]}" = "raftsim: 1500 seeds, 0 failed" ]
}

@test "raftsim: 1500 seeds, 3 nodes (part 2)" {
	run -0 raftsim --seed-start 100001 --seeds 1500 --nodes 3 --steps 2000
	[ "${lines[-1]}" = "raftsim: 1500 seeds, 0 failed" ]
}

@test "raftsim: 1000 seeds, 5 nodes (part 1)" {
	run -0 raftsim --seed-start 1 --seeds 1000 --nodes 5 --steps 2000
	[ "${lines[-1]}" = "raftsim: 1000 seeds, 0 failed" ]
}

@test "raftsim: 1000 seeds, 5 nodes (part 2)" {
	run -0 raftsim --seed-start 200001 --seeds 1000 --nodes 5 --steps 2000
	[ "${lines[-1]}" = "raftsim: 1000 seeds, 0 failed" ]
}

@test "raftsim: long runs, few seeds" {
	run -0 raftsim --seed-start 300001 --seeds 40 --nodes 5 --steps 20000
	[ "${lines[-1]}" = "raftsim: 40 seeds, 0 failed" ]
}

@test "raftsim: the same seed gives a byte-identical run" {
	raftsim --seed-start 4242 --seeds 1 --nodes 5 --trace >"$BATS_TEST_TMPDIR/a"
	raftsim --seed-start 4242 --seeds 1 --nodes 5 --trace >"$BATS_TEST_TMPDIR/b"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/a")" -gt 1000 ]
	cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	raftsim --seed-start 4243 --seeds 1 --nodes 5 --trace >"$BATS_TEST_TMPDIR/c"
	! cmp -s "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/c"
}

@test "raftsim: the checker catches a leader committing an old term (Figure 8)" {
	run -1 raftsim --seed-start 1 --seeds 300 --nodes 3 --break commit-old-term
	[[ "$output" == *"FAILED at step"*"leader-completeness"* ]]
	[[ "$output" == *"raftsim: replay: raftsim --seed-start "* ]]
	[[ "${lines[-1]}" =~ ^raftsim:\ 300\ seeds,\ [1-9][0-9]*\ failed$ ]]
	# and the failure replays: the first failing seed fails alone too
	seed=$(printf '%s\n' "$output" | sed -n 's/^raftsim: seed \([0-9]*\) FAILED.*/\1/p' | head -1)
	run -1 raftsim --seed-start "$seed" --seeds 1 --nodes 3 --break commit-old-term
	[[ "$output" == *"leader-completeness"* ]]
}

@test "raftsim: bad flags exit 2 with a usage line" {
	run -2 --separate-stderr raftsim --bogus
	[[ "$stderr" == *"usage: raftsim"* ]]
	run -2 raftsim --seed-start 1 --seeds 1 --nodes 4
	run -2 raftsim --seed-start x --seeds 1
	run -2 raftsim --seeds 10
	run -2 raftsim --seed-start 1 --seeds 0
	run -2 raftsim --seed-start 1 --seeds 1 --break something-else
	run -2 raftsim --seed-start 1 --seeds 1 --steps
}

@test "raftsim: --bench reports proposals per second" {
	run -0 raftsim --bench --steps 20000
	[[ "$output" == *"proposals/s"* ]]
}
