#!/usr/bin/env bats
# 630-slt.bats -- SQL conformance (issue 7): the sqllogictest files of
# ../shared/conformance/slt/ (SQLite's public corpus, run as engine
# postgresql) and our own files in t/sql/, each through t/slt/slt against
# a real 3-node cluster, one test per file.  Every record must pass; the
# runner skips only records marked onlyif/skipif for another engine.
# The last test checks that every WHERE conjunct pushed to the ranges
# during the run compiled there.
# Where the corpus lives: $RANGEDB_SLT_DIR, else ../shared/conformance/slt
# beside the source tree, else /work/shared/conformance/slt.

bats_require_minimum_version 1.8.0
load helpers/test_helper

slt_dir() {
	local d
	for d in "${RANGEDB_SLT_DIR:-}" "$RANGEDB_SRCDIR/../shared/conformance/slt" \
		/work/shared/conformance/slt; do
		[ -n "$d" ] && [ -f "$d/select1.test" ] && {
			echo "$d"
			return 0
		}
	done
	return 1
}

setup_file() {
	export T="$BATS_FILE_TMPDIR"
	cluster_start "$T/c" --nodes 3 --txcoords 1
	export SLT="$RANGEDB_BUILDDIR/t/slt/slt"
}

teardown_file() {
	clusters_stop_all
}

# run_slt FILE [ENGINE]: the file passes in full, run as engine ENGINE
# (default postgresql: the corpus's records are written for it; our own
# files in t/sql are run as rangedb, where they mark what differs).
run_slt() {
	run "$SLT" --config "$T/c/rangedb.conf" --engine "${2:-postgresql}" \
		--timeout 60s "$1"
	echo "$output" | tail -n 40
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} == *" 0 failed"* ]]
}

corpus() {
	local d
	d=$(slt_dir) || {
		echo "the sqllogictest corpus is missing: set RANGEDB_SLT_DIR" >&2
		return 1
	}
	echo "$d/$1"
}

@test "slt: select1.test" { run_slt "$(corpus select1.test)"; }
@test "slt: select2.test" { run_slt "$(corpus select2.test)"; }
@test "slt: evidence/in1.test" { run_slt "$(corpus evidence/in1.test)"; }
@test "slt: evidence/in2.test" { run_slt "$(corpus evidence/in2.test)"; }
@test "slt: evidence/slt_lang_createview.test" { run_slt "$(corpus evidence/slt_lang_createview.test)"; }
@test "slt: evidence/slt_lang_dropindex.test" { run_slt "$(corpus evidence/slt_lang_dropindex.test)"; }
@test "slt: evidence/slt_lang_droptable.test" { run_slt "$(corpus evidence/slt_lang_droptable.test)"; }
@test "slt: evidence/slt_lang_dropview.test" { run_slt "$(corpus evidence/slt_lang_dropview.test)"; }
@test "slt: evidence/slt_lang_replace.test" { run_slt "$(corpus evidence/slt_lang_replace.test)"; }
@test "slt: evidence/slt_lang_update.test" { run_slt "$(corpus evidence/slt_lang_update.test)"; }
@test "slt: index/between/1/slt_good_0.test" { run_slt "$(corpus index/between/1/slt_good_0.test)"; }
@test "slt: index/commute/10/slt_good_0.test" { run_slt "$(corpus index/commute/10/slt_good_0.test)"; }
@test "slt: random/aggregates/slt_good_0.test" { run_slt "$(corpus random/aggregates/slt_good_0.test)"; }
@test "slt: random/select/slt_good_0.test" { run_slt "$(corpus random/select/slt_good_0.test)"; }
@test "slt: our own files, t/sql/*.test" {
	local f n=0
	for f in "$RANGEDB_SRCDIR"/t/sql/*.test; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		run_slt "$f" rangedb
	done
	[ "$n" -gt 0 ]
}

# Last: the corpus's WHERE clauses pushed to the ranges (sqlfilt.h) all
# compiled there -- the deparser and the ranges' planner agree on them.
@test "slt: every filter pushed to the ranges compiled there" {
	[ "$(raftd_metric "$T/c" raftd_scan_filters_total 'result="applied"')" -gt 0 ]
	[ "$(raftd_metric "$T/c" raftd_scan_filters_total 'result="refused"')" = 0 ]
}
