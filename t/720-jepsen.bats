#!/usr/bin/env bats
# 720-jepsen.bats -- Jepsen-style verification (issue 8): a workload
# (t/check/workload) records every operation of several concurrent
# clients spread over two txcoords while `chaos run` plays a nemesis
# schedule, and the checker (t/check/checker) proves from the history
# that the cluster stayed correct:
#   - register: linearizable per key (WGL search), timed-out operations
#     included (they may or may not have happened);
#   - set: every acknowledged add is in the final read, nothing twice,
#     nothing never added;
#   - monotonic: no session reads a value older than one it saw before,
#     per key and across keys;
#   - bank: every read of all accounts sums to the total;
#   - clock skew: a node skewed beyond the maximum offset is refused by
#     its peers and reported, and the register history stays
#     linearizable; within the offset nothing is refused.
# Short schedules in CI; RANGEDB_CHECK_DURATION=2m (say) runs them longer.
# Each test prints the checker's summary and chaos's figures (fd 3).
# Stops every process by PID in teardown.

bats_require_minimum_version 1.8.0
load helpers/test_helper

setup_file() {
	export T="$BATS_FILE_TMPDIR"
	export DUR="${RANGEDB_CHECK_DURATION:-12s}"
	export WORKLOAD="$RANGEDB_BUILDDIR/t/check/workload"
	export CHECKER="$RANGEDB_BUILDDIR/t/check/checker"
	cluster_start "$T/c" --nodes 3 --txcoords 2
}

setup() {
	export RANGEDB_CONFIG="$T/c/rangedb.conf"
}

teardown() {
	bg_stop_all
	chaos heal >/dev/null 2>&1 || true
}

teardown_file() {
	resume_paused "$T/c"
	clusters_stop_all
}

# drill NAME WORKLOAD SCHEDULE [WORKLOAD ARGS...]: run the workload and
# the schedule side by side for $DUR, then check the history.  Sets
# HIST (the history) and CHAOS (chaos run's JSON).
drill() {
	local name=$1 w=$2 sched=$3 i
	shift 3
	HIST="$T/$name.jsonl"
	CHAOS="$T/$name.chaos.json"
	rm -f "$HIST"
	bg "$T/$name.stop" "$WORKLOAD" "$w" --config "$RANGEDB_CONFIG" \
		--duration "$DUR" --clients 6 --timeout 3s --out "$HIST" "$@"
	# the workload creates the history; chaos appends to it
	for ((i = 0; i < 100; i++)); do
		[ -s "$HIST" ] && break
		sleep 0.1
	done
	[ -s "$HIST" ]
	run -0 chaos run "$sched" --duration "$DUR" --interval 4s --history "$HIST" --json
	echo "$output" >"$CHAOS"
	bg_wait "$T/$name.stop"
	# the workload ended on its own: every invoke has its completion
	run -0 "$CHECKER" "$HIST"
	echo "# $name: ${lines[0]}" >&3
	jq -r '.faults[] | "#   \(.fault): unavailable \(.unavailable_s)s, clients \(.client_fail) fail / \(.client_unknown) unknown"' \
		"$CHAOS" >&3
	jq -e '.recovered == true' "$CHAOS" >/dev/null
}

# skew_refusals ID...: raftd_clock_skew_refusals_total summed over nodes.
skew_refusals() {
	local id n=0 v
	for id in "$@"; do
		v=$(curl -sS "http://$(node_addr "$T/c" "$id")/metrics" |
			awk '$1 == "raftd_clock_skew_refusals_total" { print $2 }')
		n=$((n + ${v:-0}))
	done
	echo "$n"
}

@test "register: linearizable through partitions, pauses, kills and slow nodes" {
	drill register register random --keys 6
	[ "$(jq '.faults | length' "$CHAOS")" -gt 0 ]
	grep -q '"type":"nemesis"' "$HIST"
	assert_output --partial "linearizable"
}

@test "set: every acknowledged add survives the nemesis" {
	cat >"$T/set.sched" <<-'EOF'
	1s   partition 1|2,3
	4s   heal
	5s   kill-node 2
	8s   heal
	9s   pause 3
	11s  heal
	EOF
	drill set set "$T/set.sched"
}

@test "monotonic: no session goes back in time" {
	drill monotonic monotonic random --keys 4
}

@test "bank: every read sums to the total under every nemesis" {
	drill bank bank random --accounts 8
}

@test "clock skew: beyond the offset refused and reported, within it no anomaly" {
	local refused0
	# node 3 talks to whichever nodes lead the ranges it follows (or to
	# all, if it leads): count refusals on both of the others
	refused0=$(skew_refusals 1 2)
	cat >"$T/skew.sched" <<-'EOF'
	1s   skew 3 +2s
	6s   heal
	7s   skew 2 -300ms
	EOF
	drill skew register "$T/skew.sched" --keys 4
	assert_output --partial "linearizable"
	# node 3's messages were refused while it was skewed, and reported
	[ "$(skew_refusals 1 2)" -gt "$refused0" ]
	cat "$T/c/node1.log" "$T/c/node2.log" |
		grep -q 'peer=3 offset_ms=2[0-9][0-9][0-9]'
	# 300 ms behind is within the 500 ms maximum: node 2 refused nobody
	# (it saw its peers 300 ms ahead) and nobody refused it
	! grep -q 'clock offset over the maximum' "$T/c/node2.log"
	! cat "$T/c/node1.log" "$T/c/node3.log" | grep -q 'peer=2 offset_ms'
}

@test "the checker finds violations in broken histories" {
	# a stale read after a write completed: not linearizable
	run -1 "$CHECKER" "$RANGEDB_SRCDIR/t/check/testdata/register-stale.jsonl"
	assert_output --partial "not linearizable"
	# a bank read that lost money
	printf '%s\n' '{"type":"meta","workload":"bank","accounts":2,"total":20}' \
		'{"type":"invoke","p":0,"f":"read","v":null,"t":1}' \
		'{"type":"ok","p":0,"f":"read","v":{"0":10,"1":9},"t":2}' >"$T/bad-bank.jsonl"
	run -1 "$CHECKER" "$T/bad-bank.jsonl"
	# an acknowledged add that vanished
	printf '%s\n' '{"type":"meta","workload":"set"}' \
		'{"type":"invoke","p":0,"f":"add","v":1,"t":1}' \
		'{"type":"ok","p":0,"f":"add","v":1,"t":2}' \
		'{"type":"invoke","p":0,"f":"read","v":null,"t":3}' \
		'{"type":"ok","p":0,"f":"read","v":[],"t":4}' >"$T/bad-set.jsonl"
	run -1 "$CHECKER" "$T/bad-set.jsonl"
	run -2 "$CHECKER" "$T/nope.jsonl"
}
