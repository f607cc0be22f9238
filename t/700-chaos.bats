#!/usr/bin/env bats
# 700-chaos.bats -- the chaos drills and contrib/local-cluster as an
# operator meets them: usage errors, kill-leader's figures and the
# cluster's recovery, kill-node then restart, and local-cluster's start,
# status and stop (refusing to start twice, stopping by PID).

bats_require_minimum_version 1.8.0
load helpers/test_helper

setup_file() {
	export T="$BATS_FILE_TMPDIR"
}

teardown() {
	clusters_stop_all
}

@test "chaos --help, --version and usage errors" {
	run -0 chaos --help
	assert_output --partial "Usage: chaos"
	assert_output --partial "kill-leader"
	run -0 chaos --version
	assert_output --regexp '^chaos \(rangedb\) [0-9]+\.[0-9]+'
	run -2 --separate-stderr chaos --bogus
	[ -z "$output" ]
	[[ "$stderr" == "chaos: unknown option '--bogus'"* ]]
	[ "$(echo "$stderr" | wc -l)" -eq 1 ]
	run -2 chaos
	assert_output --partial "no command"
	run -2 chaos --config /dev/null explode
	assert_output --partial "unknown command 'explode'"
	run -2 chaos --config /dev/null kill-node
	assert_output --partial "needs a node id"
	run -2 chaos --config /dev/null kill-node one
	run -2 chaos --config /dev/null restart 1 --restart
	assert_output --partial "kill-leader only"
	run -2 chaos kill-leader --range
	run -2 chaos kill-leader --range 0
	# no config at all
	run -2 env -u RANGEDB_CONFIG chaos kill-leader
	assert_output --partial "--config"
	run -2 chaos --config "$T/missing.conf" kill-leader
	assert_output --partial "missing.conf"
	printf '[tsod]\nlisten = 127.0.0.1:1\n' >"$T/nonodes.conf"
	run -2 chaos --config "$T/nonodes.conf" kill-leader
	assert_output --partial "no [node.N] sections"
	# nobody answers: temporary
	printf '[node.1]\naddress = 127.0.0.1:1\n' >"$T/dead.conf"
	run -3 chaos --config "$T/dead.conf" kill-leader
	run -3 chaos --config "$T/dead.conf" kill-node 1
	run -1 chaos --config "$T/dead.conf" kill-node 7
	assert_output --partial "node 7 is not in"
	run -1 chaos --config "$T/dead.conf" restart 1
	assert_output --partial "node1.cmd"
}

@test "local-cluster: usage, start, refuse a second start, status, stop" {
	run -2 "$LOCAL_CLUSTER"
	run -2 "$LOCAL_CLUSTER" frobnicate "$T/lc"
	run -2 "$LOCAL_CLUSTER" start "$T/lc" --nodes 0
	run -2 "$LOCAL_CLUSTER" start
	run -0 "$LOCAL_CLUSTER" --help
	assert_output --partial "Usage: local-cluster start DIR"
	run -1 "$LOCAL_CLUSTER" status "$T/nothing-here"
	cluster_start "$T/lc"
	run -0 cat "$T/lc/start.out"
	assert_line --regexp '^tsod [0-9]+ 127\.0\.0\.1:[0-9]+$'
	assert_line --regexp '^node1 [0-9]+ 127\.0\.0\.1:[0-9]+$'
	assert_line --regexp '^node3 [0-9]+ 127\.0\.0\.1:[0-9]+$'
	assert_output --partial "RANGEDB_CONFIG=$T/lc/rangedb.conf"
	[ -f "$T/lc/node2.cmd" ] && [ -f "$T/lc/node2.pid" ] && [ -f "$T/lc/node2.log" ]
	# the recorded PIDs are the processes serving the addresses
	[ "$(cat "$T/lc/node2.pid")" = "$(node_pid "$T/lc" 2)" ]
	run -1 "$LOCAL_CLUSTER" start "$T/lc" --bin "$RANGEDB_BUILDDIR"
	assert_output --partial "already runs"
	run -0 "$LOCAL_CLUSTER" status "$T/lc"
	assert_line --regexp '^tsod [0-9]+ up 127\.0\.0\.1:[0-9]+ -$'
	assert_output --regexp 'node1 [0-9]+ up 127\.0\.0\.1:[0-9]+ r1:(leader|follower|candidate|pre-candidate)'
	assert_output --regexp 'r2:leader'
	local pids
	pids=$(cluster_pids "$T/lc")
	run -0 "$LOCAL_CLUSTER" stop "$T/lc"
	assert_output --partial "stopped node1"
	for pid in $pids; do
		! kill -0 "$pid" 2>/dev/null
	done
	[ ! -e "$T/lc/node1.pid" ]
	run -1 "$LOCAL_CLUSTER" status "$T/lc"
}

@test "chaos kill-leader prints the figures and the cluster recovers" {
	cluster_start "$T/kl"
	local old new
	old=$(leader_id "$T/kl")
	run -0 chaos kill-leader
	echo "$output"
	assert_line --regexp "^killed node $old \(pid [0-9]+\), leader of range 2 in term [0-9]+$"
	assert_line --regexp '^new leader: node [0-9]+ after [0-9]+\.[0-9]{2} s \(a write committed\)$'
	new=$(echo "$output" | sed -n 's/^new leader: node \([0-9]*\).*/\1/p')
	[ "$new" != "$old" ]
	[ "$(leader_id "$T/kl")" = "$new" ]
	run -1 "$LOCAL_CLUSTER" status "$T/kl"
	assert_output --partial "node$old - down"
	# bring the old leader back: it catches up
	run -0 chaos restart "$old"
	echo "$output"
	assert_line --regexp "^restarted node $old \(pid [0-9]+\), ready after [0-9.]+ s$"
	assert_output --regexp "caught up: node $old applied index [0-9]+ of range 2"
	run -0 "$LOCAL_CLUSTER" status "$T/kl"
	# a node that runs is not started twice
	run -1 chaos restart "$old"
	assert_output --partial "already runs"
	# --restart and --json in one go
	run -0 chaos --json kill-leader --restart
	echo "$output"
	assert_output --regexp '^\{"action":"kill-leader","range":2,"killed_node":[0-9]+,'
	assert_output --regexp '"failover_ms":[0-9]+'
	assert_output --regexp '"catchup_ms":[0-9]+'
	wait_until 15 cluster_caught_up "$T/kl"
	run -0 "$LOCAL_CLUSTER" status "$T/kl"
}

@test "chaos kill-node then restart; the meta range's leader can be killed too" {
	cluster_start "$T/kn"
	run -0 chaos kill-node 3
	assert_output --regexp '^killed node 3 \(pid [0-9]+\)$'
	run -1 "$LOCAL_CLUSTER" status "$T/kn"
	assert_output --partial "node3 - down"
	# two of three still make a majority
	put_sure "$T/kn" while-down v
	run -0 chaos restart 3
	assert_output --partial "caught up: node 3"
	run -0 chaos kill-leader --range 1 --restart
	assert_output --regexp 'leader of range 1'
	assert_output --regexp 'new leader: node [0-9]+ after'
	wait_until 15 cluster_caught_up "$T/kn"
	run -0 "$LOCAL_CLUSTER" status "$T/kn"
}
