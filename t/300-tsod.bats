#!/usr/bin/env bats
# 300-tsod.bats -- the timestamp oracle as a user and an operator meet it:
# uniqueness under concurrency, no going back across kill -9 (even with the
# wall clock set back), every kind of bad input, config file handling,
# status, metrics and clean shutdown.

bats_require_minimum_version 1.8.0
load helpers/test_helper

setup_file() {
	export T="$BATS_FILE_TMPDIR"
}

teardown() {
	daemons_stop_all
}

@test "tsod --help and --version exit 0 and describe the program" {
	run -0 tsod --help
	assert_output --partial "Usage: tsod [OPTIONS]"
	assert_output --partial "--ready-fd"
	run -0 tsod --version
	assert_output --regexp '^tsod \(rangedb\) [0-9]+\.[0-9]+'
}

@test "tsod rejects bad command lines with exit 2 and one clear line" {
	run -2 tsod --bogus
	assert_output --partial "unknown option '--bogus'"
	run -2 tsod --listen 127.0.0.1:0
	assert_output --partial "no data directory"
	run -2 tsod --data "$T/x" --max-count 0
	assert_output --partial "max_count"
	run -2 tsod --data "$T/x" --window forever
	assert_output --partial "window"
	run -2 tsod --data "$T/x" --log-level loud
	assert_output --partial "log level"
	run -2 tsod --data "$T/x" --ready-fd nine
	assert_output --partial "ready-fd"
	run -2 tsod --data "$T/x" extra
	assert_output --partial "unexpected argument 'extra'"
	# nothing was created for any of them
	[ ! -e "$T/x" ]
}

@test "GET /ts and POST /ts hand out increasing timestamps" {
	tsod_start "$T/a"
	run -0 curl -sS "http://$TSOD/ts"
	assert_output --regexp '^\{"ts":[0-9]+,"count":1,"hlc":"[0-9]+\.[0-9]{5}"\}$'
	first=$(echo "$output" | json_int ts)
	run -0 curl -sS -d '{"count": 100}' "http://$TSOD/ts"
	second=$(echo "$output" | json_int ts)
	assert_output --partial '"count":100'
	(( second > first ))
	run -0 curl -sS "http://$TSOD/ts?count=5"
	third=$(echo "$output" | json_int ts)
	# the batch of 100 owns second .. second+99
	(( third >= second + 100 ))
}

@test "8 parallel clients x 1000 requests: unique, increasing per client" {
	tsod_start "$T/b"
	local i pids=()
	for i in 1 2 3 4 5 6 7 8; do
		# one connection per client, 1000 requests on it
		curl -sS --fail -d '{"count":1}' \
			"http://$TSOD/ts?req=[1-1000]" >"$T/b/client$i" &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in 1 2 3 4 5 6 7 8; do
		json_all=$(grep -o '"ts":[0-9]*' "$T/b/client$i" | cut -d: -f2)
		n=$(echo "$json_all" | wc -l)
		[ "$n" -eq 1000 ] || { echo "client $i got $n replies"; false; }
		# strictly increasing per client (sort compares integers exactly;
		# awk would use doubles and cannot tell 2^57-sized values apart)
		echo "$json_all" | sort -C -u -n
	done
	total=$(cat "$T"/b/client* | grep -o '"ts":[0-9]*' | sort -u | wc -l)
	[ "$total" -eq 8000 ]
}

@test "concurrent batches never overlap" {
	tsod_start "$T/c"
	local i pids=()
	for i in 1 2 3 4; do
		curl -sS --fail -d '{"count":37}' \
			"http://$TSOD/ts?req=[1-200]" >"$T/c/batch$i" &
		pids+=($!)
	done
	wait "${pids[@]}"
	cat "$T"/c/batch* | grep -o '"ts":[0-9]*' | cut -d: -f2 | sort -n >"$T/c/starts"
	[ "$(wc -l <"$T/c/starts")" -eq 800 ]
	# consecutive batch starts are at least 37 apart: [ts, ts+36] disjoint
	local prev=0 ts
	while read -r ts; do
		if ((prev != 0 && ts - prev < 37)); then
			echo "overlap: batches at $prev and $ts"
			return 1
		fi
		prev=$ts
	done <"$T/c/starts"
}

@test "kill -9 and restart: the next timestamp is above every earlier one" {
	tsod_start "$T/d"
	curl -sS --fail "http://$TSOD/ts?count=1&r=[1-300]" >"$T/d/before"
	max=$(grep -o '"ts":[0-9]*' "$T/d/before" | cut -d: -f2 | sort -n | tail -n 1)
	daemon_stop "$T/d" KILL
	tsod_start "$T/d"
	run -0 curl -sS "http://$TSOD/ts"
	next=$(echo "$output" | json_int ts)
	(( next > max ))
	run -0 curl -sS "http://$TSOD/status"
	resumed=$(echo "$output" | json_int resumed_from_ts)
	(( resumed >= max ))
}

@test "kill -9 and restart with the wall clock set back an hour: still above" {
	tsod_start "$T/e"
	curl -sS --fail -d '{"count":1000}' "http://$TSOD/ts?r=[1-50]" >"$T/e/before"
	max=$(grep -o '"ts":[0-9]*' "$T/e/before" | cut -d: -f2 | sort -n | tail -n 1)
	max=$((max + 999))
	daemon_stop "$T/e" KILL
	tsod_start "$T/e" --clock-skew-ms -3600000
	curl -sS --fail "http://$TSOD/ts?r=[1-100]" >"$T/e/after"
	grep -o '"ts":[0-9]*' "$T/e/after" | cut -d: -f2 >"$T/e/after.ts"
	[ "$(wc -l <"$T/e/after.ts")" -eq 100 ]
	sort -C -u -n "$T/e/after.ts"
	local first
	first=$(head -n 1 "$T/e/after.ts")
	((first > max)) || { echo "went back: $first <= $max"; false; }
}

# bad METHOD PATH EXPECTED_STATUS EXPECTED_CODE [curl args]
bad() {
	local method=$1 path=$2 want_status=$3 want_code=$4
	shift 4
	run -0 http "$method" "http://$TSOD$path" "$@"
	assert_line "status=$want_status"
	assert_output --regexp "^\{\"error\":\{\"code\":\"$want_code\",\"message\":\"[^\"]+"
}

@test "every bad input gets a 4xx in the JSON error shape and changes nothing" {
	tsod_start "$T/f"
	run -0 curl -sS "http://$TSOD/status"
	issued_before=$(echo "$output" | json_int timestamps_issued)

	bad POST /ts 400 bad_input -d '{"count":0}'
	assert_output --partial "from 1 to 65536"
	bad POST /ts 400 bad_input -d '{"count":-5}'
	bad POST /ts 400 bad_input -d '{"count":65537}'
	bad POST /ts 400 bad_input -d '{"count":1.5}'
	assert_output --partial "must be an integer"
	bad POST /ts 400 bad_input -d '{"count":"5"}'
	bad POST /ts 400 bad_input -d '{"count":99999999999999999999999}'
	bad POST /ts 400 bad_input -d '{"count":5'
	bad POST /ts 400 bad_input -d '[1,2]'
	bad POST /ts 400 bad_input -d '{"cnt":5}'
	assert_output --partial "unknown field 'cnt'"
	bad POST /ts 400 bad_input -d '{}'
	assert_output --partial "missing field 'count'"
	bad GET '/ts?count=abc' 400 bad_input
	bad GET '/ts?count=0' 400 bad_input
	bad GET '/ts?count=-1' 400 bad_input
	head -c 5000000 /dev/zero | tr '\0' 'x' >"$T/f/huge"
	bad POST /ts 413 too_large --data-binary "@$T/f/huge"
	bad PUT /ts 405 method_not_allowed -d '{"count":1}'
	bad DELETE /status 405 method_not_allowed
	bad GET /nope 404 not_found
	bad GET / 404 not_found

	# still serving, and none of the above handed anything out
	run -0 curl -sS "http://$TSOD/status"
	issued_after=$(echo "$output" | json_int timestamps_issued)
	[ "$issued_after" -eq "$issued_before" ]
	run -0 curl -sS --fail "http://$TSOD/ts"
	kill -0 "$(cat "$T/f/pid")"
}

@test "a 405 names the allowed methods" {
	tsod_start "$T/g"
	run -0 curl -sS -i -X PUT "http://$TSOD/ts"
	assert_output --regexp "Allow: (GET, POST|POST, GET)"
}

@test "GET /status reports uptime, last timestamp and window" {
	tsod_start "$T/h"
	curl -sS --fail "http://$TSOD/ts?count=10" >/dev/null
	run -0 curl -sS "http://$TSOD/status"
	assert_output --partial '"service":"tsod"'
	assert_output --partial '"uptime_s":'
	assert_output --partial '"window":{'
	last=$(echo "$output" | json_int last_ts)
	end=$(echo "$output" | json_int end_ts)
	(( last > 0 && end > last ))
	[ "$(echo "$output" | json_int timestamps_issued)" -eq 10 ]
}

@test "GET /metrics is Prometheus text with the documented families" {
	tsod_start "$T/i"
	curl -sS --fail "http://$TSOD/ts?count=3" >/dev/null
	curl -sS "http://$TSOD/ts?count=0" >/dev/null
	run -0 curl -sS -i "http://$TSOD/metrics"
	assert_output --partial "Content-Type: text/plain; version=0.0.4"
	assert_line '# TYPE tsod_ts_requests_total counter'
	assert_line 'tsod_ts_requests_total{result="ok"} 1'
	assert_line 'tsod_ts_requests_total{result="bad_input"} 1'
	assert_line 'tsod_timestamps_issued_total 3'
	assert_line '# TYPE tsod_ts_request_duration_seconds histogram'
	assert_output --partial 'tsod_ts_request_duration_seconds_bucket{le="+Inf"} 1'
	assert_output --regexp 'tsod_window_persists_total [1-9]'
}

@test "SIGTERM shuts down cleanly with exit 0" {
	tsod_start "$T/j"
	daemon_stop "$T/j" TERM
	[ "$(cat "$T/j/status")" -eq 0 ]
	grep -q 'shutting down' "$T/j/log"
}

@test "a second tsod on the same data dir is refused" {
	tsod_start "$T/k"
	run -3 tsod --listen 127.0.0.1:0 --data "$T/k/data"
	assert_output --partial "in use by another tsod (pid $(cat "$T/k/pid"))"
}

@test "a corrupt window file stops tsod from starting, with the reason" {
	mkdir -p "$T/l/data"
	printf 'garbage\n' >"$T/l/data/tsod.window"
	run -1 tsod --listen 127.0.0.1:0 --data "$T/l/data"
	assert_output --partial "tsod.window' is corrupt"
	# and the file is left alone for the operator
	[ "$(cat "$T/l/data/tsod.window")" = garbage ]
}

@test "a port in use is reported clearly" {
	tsod_start "$T/m"
	run tsod --listen "$TSOD" --data "$T/m2"
	[ "$status" -ne 0 ]
	assert_output --partial "cannot listen on $TSOD"
}

@test "the config file sets defaults and flags override it" {
	mkdir -p "$T/n"
	cat >"$T/n/rangedb.conf" <<-CONF
	[tsod]
	listen = 127.0.0.1:0
	data = $T/n/fromconf
	max_count = 10
	CONF
	daemon_start tsod "$T/n" tsod --config "$T/n/rangedb.conf"
	TSOD=$(cat "$T/n/addr")
	[ -f "$T/n/fromconf/tsod.window" ]
	run -0 http GET "http://$TSOD/ts?count=11"
	assert_line "status=400"
	daemon_stop "$T/n"
	# RANGEDB_CONFIG works too, and a flag beats the file
	RANGEDB_CONFIG="$T/n/rangedb.conf" daemon_start tsod "$T/n" tsod --max-count 20
	TSOD=$(cat "$T/n/addr")
	run -0 http GET "http://$TSOD/ts?count=11"
	assert_line "status=200"
}

@test "a config file with an unknown key or bad syntax is refused with file:line" {
	mkdir -p "$T/o"
	printf '[tsod]\nlisten = 127.0.0.1:0\nmax_cuont = 5\n' >"$T/o/typo.conf"
	run -2 tsod --config "$T/o/typo.conf" --data "$T/o/d"
	assert_output --partial "typo.conf:3"
	assert_output --partial "max_count"
	printf '[tsod\n' >"$T/o/broken.conf"
	run -2 tsod --config "$T/o/broken.conf" --data "$T/o/d"
	assert_output --partial "broken.conf:1"
	run -2 tsod --config "$T/o/missing.conf" --data "$T/o/d"
	assert_output --partial "missing.conf"
	[ ! -e "$T/o/d" ]
}
