#!/usr/bin/env bats
# 510-splitter.bats -- splitter as a pure filter, no cluster: text and JSON
# input from `rangectl list`, the --hot/--large thresholds (sizes with
# units), malformed input (the line is named, exit 1, nothing applied),
# --apply with a fake rangectl that records its arguments, failed splits,
# and usage errors.

bats_require_minimum_version 1.8.0
load helpers/test_helper

PATH="$RANGEDB_BUILDDIR/cmd/splitter:$RANGEDB_BUILDDIR/cmd/rangectl:$PATH"

TAB=$'\t'
HEADER="range_id${TAB}start${TAB}end${TAB}leader${TAB}replicas${TAB}size_bytes${TAB}qps"

# row ID SIZE QPS: one line of `rangectl list` text
row() {
	printf '%s\tk%s\tk%s~\t1\t1,2,3\t%s\t%s\n' "$1" "$1" "$1" "$2" "$3"
}

setup() {
	T="$BATS_TEST_TMPDIR"
	# a list around the default thresholds: 10000 qps and 64MiB (67108864)
	{
		echo "$HEADER"
		printf '1\t\\x01\t\\x02\t1\t1,2,3\t999999999999\t999999\n'
		row 2 100 9999
		row 3 100 10000
		row 4 67108863 0
		row 5 67108864 5
		row 6 70000000 20000
		row 7 - -
		printf '8\tz\\\\a\\xff\t+inf\t-\t2,3\t1048576\t1\n'
	} >"$T/list.txt"
	# a fake rangectl: records its arguments in argv next to it (one
	# line per run, each argument followed by '|') and refuses the
	# ranges listed in the file "fail" there
	cat >"$T/rangectl" <<'EOF'
#!/bin/sh
dir=$(dirname "$0")
for a in "$@"; do printf '%s|' "$a"; done >>"$dir/argv"
echo >>"$dir/argv"
for a in "$@"; do last=$a; done
if grep -qx "$last" "$dir/fail" 2>/dev/null; then
	echo "rangectl: range $last refused" >&2
	exit 1
fi
echo "split $last at kx: done"
EOF
	chmod +x "$T/rangectl"
}

@test "splitter --help, --version and usage errors (exit 2, one line)" {
	run -0 splitter --help
	assert_output --partial "Usage: splitter"
	assert_output --partial "--hot"
	assert_output --partial "--large"
	run -0 splitter --version
	assert_output --regexp '^splitter \(rangedb\) [0-9]+\.[0-9]+'
	local args
	for args in "" "--qps 5" "--hot --bytes 1KiB" "--large --qps 7" \
		"--hot --qps" "--hot --qps 0" "--hot --qps x" "--hot --qps -5" \
		"--large --bytes 1MB" "--large --bytes 12kb" "--large --bytes 0" \
		"--large --bytes 5XiB" "--large --bytes ''" "--hot extra" \
		"--hot --rangectl=" "--bogus"; do
		eval "run -2 --separate-stderr splitter $args" </dev/null
		[ -z "$output" ] || { echo "stdout for '$args': $output"; false; }
		[[ "$stderr" == "splitter: "* ]] || { echo "'$args': $stderr"; false; }
		[ "$(echo "$stderr" | wc -l)" -eq 1 ] || { echo "'$args': $stderr"; false; }
	done
	run -2 splitter </dev/null
	assert_output --partial "--hot, --large or both"
	run -2 splitter --large --bytes 1MB </dev/null
	assert_output --partial "decimal unit"
	run -2 splitter --qps 5 </dev/null
	assert_output --partial "--qps goes with --hot"
}

@test "--hot: qps at or above the threshold (default 10000); range 1 never" {
	run -0 --separate-stderr splitter --hot <"$T/list.txt"
	[ -z "$stderr" ]
	assert_output "3${TAB}-${TAB}hot qps=10000
6${TAB}-${TAB}hot qps=20000"
	run -0 splitter --hot --qps 5 <"$T/list.txt"
	assert_output "2${TAB}-${TAB}hot qps=9999
3${TAB}-${TAB}hot qps=10000
5${TAB}-${TAB}hot qps=5
6${TAB}-${TAB}hot qps=20000"
	run -0 splitter --hot --qps 1000000 <"$T/list.txt"
	assert_output ""
}

@test "--large: size at or above the threshold (default 64MiB), with units" {
	run -0 splitter --large <"$T/list.txt"
	assert_output "5${TAB}-${TAB}large bytes=67108864
6${TAB}-${TAB}large bytes=70000000"
	run -0 splitter --large --bytes 1MiB <"$T/list.txt"
	assert_output "4${TAB}-${TAB}large bytes=67108863
5${TAB}-${TAB}large bytes=67108864
6${TAB}-${TAB}large bytes=70000000
8${TAB}-${TAB}large bytes=1048576"
	# the same threshold spelt in bytes, lower-case units, B suffix
	local b
	for b in 1048576 1mib 1024KiB 1048576B; do
		run -0 splitter --large --bytes "$b" <"$T/list.txt"
		assert_line --index 3 "8${TAB}-${TAB}large bytes=1048576"
	done
	run -0 splitter --large --bytes 1048577 <"$T/list.txt"
	refute_line --partial "8${TAB}"
	run -0 splitter --large --bytes 1GiB <"$T/list.txt"
	assert_output ""
	run -0 splitter --large --bytes 1TiB <"$T/list.txt"
	assert_output ""
}

@test "--hot --large: one line per range, both reasons when both hold" {
	run -0 splitter --hot --large <"$T/list.txt"
	assert_output "3${TAB}-${TAB}hot qps=10000
5${TAB}-${TAB}large bytes=67108864
6${TAB}-${TAB}hot,large qps=20000 bytes=70000000"
}

@test "text input: blank lines and repeated headers are fine, header only is" {
	{ cat "$T/list.txt"; echo; echo "$HEADER"; row 9 1 50000; } >"$T/two.txt"
	run -0 splitter --hot <"$T/two.txt"
	assert_line --index 2 "9${TAB}-${TAB}hot qps=50000"
	echo "$HEADER" >"$T/empty-list.txt"
	run -0 --separate-stderr splitter --hot --large <"$T/empty-list.txt"
	[ -z "$output" ] && [ -z "$stderr" ]
}

@test "JSON input (rangectl list --json) gives the same answer" {
	cat >"$T/list.json" <<'EOF'

  {"ranges":[
   {"range_id":1,"start":"\u0001","end":"\u0002","leader":1,"replicas":[1,2,3],"size_bytes":999999999999,"qps":999999,"generation":1},
   {"range_id":2,"start":"k2","end":"k3","leader":1,"replicas":[1,2,3],"size_bytes":100,"qps":9999.9,"generation":2},
   {"range_id":3,"start":"k3","end":"k4","leader":null,"replicas":[1,2,3],"size_bytes":100,"qps":10000.0,"generation":2},
   {"range_id":5,"start_b64":"awD/","end":"","leader":2,"replicas":[2,3],"size_bytes":67108864,"qps":5,"generation":7},
   {"range_id":6,"start":"k6","end":"k7","leader":2,"replicas":[2,3],"size_bytes":70000000,"qps":20000,"generation":7},
   {"range_id":7,"start":"k7","end":"k8","leader":null,"replicas":[2,3],"size_bytes":null,"qps":null,"generation":7}
  ]}
EOF
	run -0 --separate-stderr splitter --hot --large <"$T/list.json"
	[ -z "$stderr" ]
	assert_output "3${TAB}-${TAB}hot qps=10000
5${TAB}-${TAB}large bytes=67108864
6${TAB}-${TAB}hot,large qps=20000 bytes=70000000"
	# fractions round down: 9999.9 is not 10000
	run -0 splitter --hot --qps 9999 <"$T/list.json"
	assert_line --index 0 "2${TAB}-${TAB}hot qps=9999"
	echo '{"ranges":[]}' >"$T/none.json"
	run -0 splitter --hot <"$T/none.json"
	assert_output ""
}

# bad INPUT MESSAGE [glob]: splitter --hot --large --apply exits 1 with
# MESSAGE (with "glob": matching the pattern MESSAGE) as its one stderr
# line, prints nothing and runs no rangectl
bad() {
	printf '%b' "$1" >"$T/bad.in"
	rm -f "$T/argv"
	run -1 --separate-stderr splitter --hot --large --qps 1 --bytes 1 \
		--apply --rangectl "$T/rangectl" <"$T/bad.in"
	[ -z "$output" ] || { echo "stdout: $output"; return 1; }
	if [ "${3:-}" = glob ]; then
		# shellcheck disable=SC2053
		[[ "$stderr" == "splitter: "$2 ]] || { echo "stderr: $stderr"; echo "wanted: splitter: $2"; return 1; }
	else
		[ "$stderr" = "splitter: $2" ] || { echo "stderr: $stderr"; echo "wanted: splitter: $2"; return 1; }
	fi
	[ ! -e "$T/argv" ] || { echo "rangectl ran: $(cat "$T/argv")"; return 1; }
}

@test "malformed text: the line is named, exit 1, nothing applied" {
	local h="$HEADER\n" ok="2\tk2\tk3\t1\t1,2,3\t100\t100000\n"
	bad "" "empty input: expected the output of 'rangectl list'"
	bad "\n  \n" "empty input: expected the output of 'rangectl list'"
	bad "$ok" "line 1: expected the header line of 'rangectl list' (range_id, start, end, leader, replicas, size_bytes, qps, tab-separated)"
	bad "range_id start end leader replicas size_bytes qps\n$ok" \
		"line 1: expected the header line of 'rangectl list' (range_id, start, end, leader, replicas, size_bytes, qps, tab-separated)"
	# a good line before the bad one is not split either
	bad "$h${ok}3\tk3\tk4\t1\t1,2,3\t100\n" "line 3: expected 7 tab-separated columns, got 6"
	bad "$h${ok}3\tk3\tk4\t1\t1,2,3\t100\t5\t9\n" "line 3: expected 7 tab-separated columns, got 8"
	bad "$h${ok}x\tk3\tk4\t1\t1,2,3\t100\t5\n" "line 3: range_id must be a non-negative integer, got 'x'"
	bad "$h${ok}0\tk3\tk4\t1\t1,2,3\t100\t5\n" "line 3: range_id must be between 1 and 9223372036854775807, got '0'"
	bad "$h${ok}3\tk3\tk4\t1\t1,2,3\t12kb\t5\n" "line 3: size_bytes must be a whole number or '-', got '12kb'"
	bad "$h${ok}3\tk3\tk4\t1\t1,2,3\t100\t-5\n" "line 3: qps must be a whole number or '-', got '-5'"
	bad "$h${ok}3\tk3\tk4\t1\t1,2,3\t100\t1.5\n" "line 3: qps must be a whole number or '-', got '1.5'"
	bad "$h${ok}3\tk3\tk4\tnone\t1,2,3\t100\t5\n" "line 3: leader must be a node id or '-', got 'none'"
	bad "$h${ok}3\tk3\tk4\t1\t1,,3\t100\t5\n" "line 3: replicas must be node ids joined by ',', got '' before ','"
	bad "$h${ok}3\tk3\tk4\t1\t\t100\t5\n" "line 3: replicas is empty"
	bad "$h${ok}3\tk\\\\q\tk4\t1\t1,2,3\t100\t5\n" \
		"line 3: start key 'k\\q' has a bad escape (rangectl writes \\\\ and \\xHH only)"
	bad "$h${ok}3\tk3\tk\\\\x4\t1\t1,2,3\t100\t5\n" \
		"line 3: end key 'k\\x4' has a bad escape (rangectl writes \\\\ and \\xHH only)"
	bad "$h${ok}3\tk3\tk\xc3\xa9\t1\t1,2,3\t100\t5\n" \
		"line 3: end key 'k$(printf '\xc3\xa9')' has a byte that is not printable ASCII (rangectl writes \\xHH)"
	bad "$h${ok}\n\n2\tk5\tk6\t1\t1,2,3\t100\t5\n" "line 5: range 2 appears twice (also on line 2)"
	bad "$h${ok}3\tk3\tk4\t1\t1,2,3\t100\t5\r\n" "line 3: qps must be a whole number or '-', got '5$(printf '\r')'"
	bad "${h}3\tk\0\tk4\t1\t1\t1\t1\n" "line 2: has a NUL byte"
}

@test "malformed JSON: the place is named, exit 1, nothing applied" {
	local r='{"range_id":2,"size_bytes":1,"qps":100000}'
	# (the column and the reason are Jansson's)
	bad '{"ranges":[' "line 1: malformed JSON at column [0-9]*: *" glob
	bad "{\"ranges\":[\n$r,\n$r,,]}" "line 3: malformed JSON at column [0-9]*: unexpected token near ','" glob
	bad "{\"ranges\":[$r]} trailing" "line 1: malformed JSON at column [0-9]*: *'trailing'" glob
	bad '{"ranges":[], "ranges":[]}' "line 1: malformed JSON at column [0-9]*: duplicate object key*" glob
	bad '{"rangez":[]}' "the JSON input has no \"ranges\" array (expected the output of 'rangectl list --json')"
	bad "{\"ranges\":[$r, 7]}" "ranges[1]: not an object"
	bad "{\"ranges\":[$r, {\"range_id\":0,\"size_bytes\":1,\"qps\":1}]}" \
		"ranges[1]: field 'range_id' must be a positive integer"
	bad "{\"ranges\":[$r, {\"range_id\":3,\"qps\":1}]}" \
		"ranges[1] (range 3): missing field 'size_bytes' (is this the output of 'rangectl list --json'?)"
	bad "{\"ranges\":[$r, {\"range_id\":3,\"size_bytes\":1.5,\"qps\":1}]}" \
		"ranges[1] (range 3): field 'size_bytes' must be an integer >= 0 or null"
	bad "{\"ranges\":[$r, {\"range_id\":3,\"size_bytes\":1,\"qps\":\"many\"}]}" \
		"ranges[1] (range 3): field 'qps' must be a number >= 0 or null"
	bad "{\"ranges\":[$r, $r]}" "ranges[1]: range 2 appears twice (also ranges[0])"
}

@test "--apply runs 'rangectl [--config F] [--node A]... split RANGE' per range" {
	run -0 --separate-stderr splitter --hot --qps 5 --apply \
		--rangectl "$T/rangectl" --config "$T/my cluster.conf" \
		--node 127.0.0.1:7101 -n 127.0.0.1:7102 <"$T/list.txt"
	[ -z "$stderr" ] || { echo "$stderr"; false; }
	run -0 cat "$T/argv"
	assert_output "--config|$T/my cluster.conf|--node|127.0.0.1:7101|--node|127.0.0.1:7102|split|2|
--config|$T/my cluster.conf|--node|127.0.0.1:7101|--node|127.0.0.1:7102|split|3|
--config|$T/my cluster.conf|--node|127.0.0.1:7101|--node|127.0.0.1:7102|split|5|
--config|$T/my cluster.conf|--node|127.0.0.1:7101|--node|127.0.0.1:7102|split|6|"
	# each range's plan line, then what rangectl printed
	run -0 splitter --hot --apply --rangectl "$T/rangectl" <"$T/list.txt"
	assert_output "3${TAB}-${TAB}hot qps=10000
split 3 at kx: done
6${TAB}-${TAB}hot qps=20000
split 6 at kx: done"
}

@test "--apply finds rangectl in PATH and passes nothing it was not given" {
	mkdir -p "$T/bin"
	cp "$T/rangectl" "$T/bin/rangectl"
	PATH="$T/bin:$PATH" run -0 --separate-stderr splitter --large --bytes 66MiB --apply <"$T/list.txt"
	assert_output "6${TAB}-${TAB}large bytes=70000000
split 6 at kx: done"
	assert_equal "$stderr" ""
	run -0 cat "$T/bin/argv"
	assert_output "split|6|"
}

@test "--apply: a failed split is reported, the rest still run, exit 1" {
	echo 6 >"$T/fail"
	run -1 --separate-stderr splitter --hot --large --apply \
		--rangectl "$T/rangectl" <"$T/list.txt"
	assert_output "3${TAB}-${TAB}hot qps=10000
split 3 at kx: done
5${TAB}-${TAB}large bytes=67108864
split 5 at kx: done
6${TAB}-${TAB}hot,large qps=20000 bytes=70000000"
	assert_equal "$stderr" "rangectl: range 6 refused
splitter: range 6: '$T/rangectl split 6' failed with exit status 1
splitter: 1 of 3 splits failed"
	run -0 awk -F'|' '{ print $(NF - 1) }' "$T/argv"
	assert_output "3
5
6"
}

@test "--apply: nothing to split runs nothing; no rangectl to run is exit 1" {
	run -0 splitter --hot --qps 1000000 --apply --rangectl "$T/rangectl" <"$T/list.txt"
	assert_output ""
	[ ! -e "$T/argv" ]
	run -1 --separate-stderr splitter --hot --apply --rangectl "$T/no-such-rangectl" <"$T/list.txt"
	assert_output "3${TAB}-${TAB}hot qps=10000"
	assert_equal "$stderr" "splitter: cannot run '$T/no-such-rangectl': No such file or directory"
	run -1 --separate-stderr env PATH="$T/empty" "$(command -v splitter)" --hot --apply <"$T/list.txt"
	assert_equal "$stderr" "splitter: cannot run 'rangectl': No such file or directory"
	# a rangectl killed by a signal counts as failed
	printf '#!/bin/sh\nkill -9 $$\n' >"$T/killed"
	chmod +x "$T/killed"
	run -1 --separate-stderr splitter --hot --apply --rangectl "$T/killed" <"$T/list.txt"
	[[ "$stderr" == "splitter: range 3: '$T/killed split 3' was killed by signal 9"* ]]
}
