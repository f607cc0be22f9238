#!/usr/bin/env bats
# 710-nemesis.bats -- chaos's faults beyond killing (issue 8) on a real
# 3-node cluster: partitions (symmetric and one-way), clock skew beyond
# and within the maximum offset, slow disks and networks, pause/resume
# (the zombie leader), heal and time-to-live expiry, the authenticated
# /admin/fault endpoint, and chaos run with a scripted schedule.
#
# What is asserted: each fault is in force where it should be (GET
# /admin/fault, raftd /status), the cluster keeps taking writes through a
# majority while a minority is cut off, paused or skewed, a skewed node is
# refused by its peers and reported, heal and the TTL undo everything,
# and no request without the cluster's secret changes anything.
# Stops every process by PID in teardown (paused ones are resumed first).

bats_require_minimum_version 1.8.0
load helpers/test_helper

setup_file() {
	export T="$BATS_FILE_TMPDIR"
	cluster_start "$T/c" --nodes 3 --txcoords 1
}

setup() {
	export RANGEDB_CONFIG="$T/c/rangedb.conf"
}

teardown() {
	chaos heal >/dev/null 2>&1 || true
}

teardown_file() {
	resume_paused "$T/c"
	clusters_stop_all
}

# write KEY: one write through txcoord (POST /txn), retried for 15 s.
write() {
	local gw i code
	gw=$(txcoord_addr "$T/c")
	for ((i = 0; i < 150; i++)); do
		code=$(curl -sS --max-time 3 -o /dev/null -w '%{http_code}' -X POST \
			-d "{\"ops\":[{\"op\":\"put\",\"key\":\"$1\",\"value\":\"v\"}]}" \
			"http://$gw/txn" 2>/dev/null) || true
		[ "$code" != 200 ] || return 0
		sleep 0.1
	done
	echo "write $1 not acknowledged within 15 s (last: ${code:-none})"
	return 1
}

# faults_of NAME: the faults in force on one process, as chaos status says.
faults_of() {
	chaos status | jq -c --arg n "$1" '.[$n]'
}

# leader_other_than ID: a node other than ID says it leads range 2.
leader_other_than() {
	local id
	for id in $(node_ids "$T/c"); do
		[ "$id" != "$1" ] || continue
		[ "$(node_status_field "$T/c" "$id" 2 role)" != leader ] || return 0
	done
	return 1
}

# stopped PID: the process is stopped (SIGSTOP).
stopped() {
	[ "$(ps -o stat= -p "$1" | cut -c1)" = T ]
}

# offset_refused DIR OF_NODE BY_NODE: BY_NODE reports OF_NODE's clock
# refused.
offset_refused() {
	curl -sS --max-time 2 "http://$(node_addr "$1" "$3")/status" |
		jq -e --arg p "$2" '.clock_offsets[$p].refused == true' >/dev/null
}

@test "usage errors, and faults need the cluster's secret" {
	run -2 chaos partition
	assert_output --partial "partition needs node groups"
	run -2 chaos skew 1 5
	assert_output --partial "signed duration"
	run -2 chaos slow-disk 1 fast
	run -2 chaos pause
	run -2 chaos run random
	assert_output --partial "--duration"
	run -2 chaos heal now
	assert_output --partial "unexpected argument 'now'"
	run -2 chaos --one-way heal
	run -1 chaos skew node9 +1s
	assert_output --partial "no process 'node9'"
	assert_output --partial "node1, node2, node3, tsod, txcoord1"
	run -1 chaos partition "1|1"
	assert_output --partial "in two groups"
	run -1 chaos partition "1,2"
	assert_output --partial "two groups"
	run -1 chaos partition "1|tsod"
	assert_output --partial "not one"
	# a fault a process does not enforce is refused, not pretended
	run -1 chaos slow-disk txcoord1 10ms
	assert_output --partial "txcoord does not enforce slow-disk faults"
	run -1 chaos skew txcoord1 +1s
	assert_output --partial "it takes: slow-net"
	[ "$(faults_of txcoord1)" = "[]" ]
	# without the secret: refused, nothing changed
	grep -v '^secret' "$T/c/rangedb.conf" >"$T/nosecret.conf"
	run -1 chaos --config "$T/nosecret.conf" skew 1 +5s
	assert_output --partial "no [cluster] secret"
	sed 's/^secret = .*/secret = 0000000000000000000000000/' "$T/c/rangedb.conf" >"$T/wrong.conf"
	run -1 chaos --config "$T/wrong.conf" skew 1 +5s
	assert_output --partial "wrong secret"
	run -0 curl -sS -X POST -d '{"kind":"skew","offset":"+5s"}' \
		-w '\n%{http_code}' "http://$(node_addr "$T/c" 1)/admin/fault"
	assert_line 403
	[ "$(faults_of node1)" = "[]" ]
}

@test "partition: the leader cut off, a new one takes writes; heal" {
	local old others
	write p0
	old=$(leader_id "$T/c")
	others=$(node_ids "$T/c" | grep -vx "$old" | paste -sd, -)
	# "leader" and "rest" name the data range's leader and the others
	run -0 chaos partition 'leader|rest'
	assert_output "partition $old|$others: done"
	faults_of "node$old" | jq -e '.[0].kind == "partition" and (.[0].drop_out | length) == 2'
	# the majority elects another leader and commits
	write p1
	wait_until 15 leader_other_than "$old"
	# the cut-off node does not lead any more (it cannot reach a quorum)
	wait_until 15 eval '[ "$(node_status_field "$T/c" "$old" 2 role)" != leader ]'
	run -0 chaos heal
	[ "$(faults_of "node$old")" = "[]" ]
	write p2
	wait_until 20 cluster_caught_up "$T/c"
}

@test "one-way partition and expiry by time to live" {
	run -0 chaos partition "1|2,3" --one-way --ttl 2s
	faults_of node1 | jq -e '.[0].drop_out == [2,3] and .[0].drop_in == []'
	faults_of node2 | jq -e '.[0].drop_out == [] and .[0].drop_in == [1]'
	write w1
	sleep 2.5
	# gone by themselves
	[ "$(faults_of node1)" = "[]" ]
	[ "$(faults_of node2)" = "[]" ]
	write w2
	wait_until 20 cluster_caught_up "$T/c"
}

@test "clock skew beyond the maximum offset: refused by the peers and reported" {
	local victim peer
	# A follower talks only to its leader (and to everyone when it
	# campaigns): the peer that must see the skewed clock is the leader of
	# range 2, the victim one of its followers.  (A fixed pair was flaky:
	# with a third node leading every range, the two never exchange a
	# message.)
	wait_until 10 leader_id "$T/c" >/dev/null
	peer=$(leader_id "$T/c")
	victim=$(( peer % 3 + 1 ))
	run -0 chaos skew "$victim" +3s
	faults_of "node$victim" | jq -e '.[0].kind == "skew" and .[0].offset_ms == 3000'
	# the node's clock (in /status) runs ahead
	wait_until 10 offset_refused "$T/c" "$victim" "$peer"
	[ "$(curl -sS "http://$(node_addr "$T/c" $peer)/metrics" |
		awk '$1 == "raftd_clock_skew_refusals_total" { print $2 }')" -gt 0 ]
	grep -q "clock offset over the maximum" "$T/c/node$peer.log"
	# the two others still commit
	write s1
	# behind: the skewed node sees its peers ahead and refuses them
	run -0 chaos skew "$victim" -3s
	wait_until 10 offset_refused "$T/c" "$peer" "$victim"
	write s1b
	# within the offset: accepted both ways
	run -0 chaos skew "$victim" -200ms
	wait_until 10 eval '! offset_refused "$T/c" "$victim" "$peer" &&
		! offset_refused "$T/c" "$peer" "$victim"'
	run -0 chaos heal
	write s2
	wait_until 20 cluster_caught_up "$T/c"
}

@test "slow disk and slow network: in force, writes still commit, heal clears" {
	run -0 chaos slow-disk 2 100ms
	run -0 chaos slow-net 2 30ms
	run -0 chaos slow-net tsod 10ms
	faults_of node2 | jq -e 'map(.kind) | sort == ["slow-disk", "slow-net"]'
	faults_of tsod | jq -e '.[0].delay_ms == 10'
	curl -sS "http://$(node_addr "$T/c" 2)/status" | jq -e '.faults | length == 2'
	write d1
	write d2
	run -0 chaos heal
	[ "$(faults_of node2)" = "[]" ]
	[ "$(faults_of tsod)" = "[]" ]
}

@test "pause the leader (zombie leader): another takes over; resume and by TTL" {
	local old pid
	write z0
	old=$(leader_id "$T/c")
	pid=$(cat "$T/c/node$old.pid")
	# (run waits for chaos's output to close: the watcher it leaves
	# behind must not hold it, or this takes the whole TTL)
	run -0 timeout 10 chaos pause "$old"
	wait_until 5 stopped "$pid"	# SIGSTOP lands asynchronously
	[ "$(faults_of "node$old")" = '"paused"' ]
	write z1
	run -0 chaos resume "$old"
	wait_until 5 eval '! stopped "$pid"'
	[ ! -e "$T/c/node$old.paused" ]
	# the woken zombie learns the new term and follows
	wait_until 20 cluster_caught_up "$T/c"
	[ "$(leader_id "$T/c")" != "" ]
	# the watcher resumes a paused node when its time runs out
	run -0 chaos pause 1 --ttl 1s
	pid=$(cat "$T/c/node1.pid")
	wait_until 5 stopped "$pid"
	wait_until 10 eval '! stopped "$pid"'
	wait_until 5 eval '[ ! -e "$T/c/node1.paused" ]'
}

@test "a leader stopped inside its lease never answers a read from it once resumed" {
	local old pid a i code=
	put_sure "$T/c" lease v1
	wait_until 10 leader_id "$T/c" >/dev/null
	old=$(leader_id "$T/c")
	pid=$(cat "$T/c/node$old.pid")
	a=$(node_addr "$T/c" "$old")
	# stopped while its lease runs; the others wait out the election
	# timeout, elect a leader and commit v2
	kill -STOP "$pid"
	wait_until 20 leader_other_than "$old"
	for i in 1 2 3; do
		[ "$i" = "$old" ] && continue
		code=$(curl -sS -L --max-time 3 -o /dev/null -w '%{http_code}' -X PUT \
			--data-binary v2 "http://$(node_addr "$T/c" "$i")/kv/lease") || true
		[ "$code" = 204 ] && break
	done
	[ "$code" = 204 ]
	# a read sent to the stopped leader waits in its socket; it is the
	# first thing the node sees when it runs again, before any tick
	curl -sS --max-time 10 -o "$T/lease.out" -w '%{http_code}' \
		"http://$a/kv/lease" >"$T/lease.code" 2>/dev/null &
	local cpid=$!
	sleep 0.5
	kill -CONT "$pid"
	wait "$cpid" || true
	# v1 would be a stale read: the old lease ran out while it slept
	echo "answered $(cat "$T/lease.code"): $(cat "$T/lease.out")"
	[ "$(cat "$T/lease.out")" != v1 ]
	# it counted the ticks it missed
	[ "$(curl -sS "http://$a/metrics" |
		awk '$1 == "raftd_ticks_missed_total" { print $2 }')" -gt 0 ]
	wait_until 20 cluster_caught_up "$T/c"
}

@test "chaos run: a scripted schedule, figures per fault, history events" {
	cat >"$T/sched" <<-'EOF'
	# at  fault
	1s    partition 1|2,3
	3s    heal
	4s    pause 2
	6s    heal
	7s    slow-disk 3 50ms
	8s    heal
	EOF
	: >"$T/hist.jsonl"
	run -0 chaos run "$T/sched" --duration 10s --history "$T/hist.jsonl" --json
	echo "$output"
	jq -e '.recovered == true and (.faults | length) == 3' <<<"$output"
	jq -e '.faults[0].fault == "partition 1|2,3" and .faults[0].duration_s > 1' <<<"$output"
	jq -e '.faults | map(has("unavailable_s") and has("client_fail")) | all' <<<"$output"
	# the nemesis events went into the history, one line each
	[ "$(jq -r 'select(.type == "nemesis") | .f' "$T/hist.jsonl" | head -2 | paste -sd'|' -)" = "partition 1|2,3|heal" ]
	run -0 chaos run "$T/sched" --duration 3s
	assert_output --partial "partition 1|2,3 for"
	assert_output --partial "end: healed"
	# a bad schedule is refused before anything happens
	echo "soon partition 1|2" >"$T/bad"
	run -1 chaos run "$T/bad" --duration 1s
	assert_output --partial "AT COMMAND"
	[ "$(faults_of node1)" = "[]" ]
}
