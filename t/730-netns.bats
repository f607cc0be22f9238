#!/usr/bin/env bats
# t/730-netns.bats -- a cluster on real (virtual) networks: every process
# in its own network namespace (contrib/netns-cluster), three simulated
# regions with latency between them (tc netem, or the netdelay relay where
# the kernel has no netem), and partitions that are real packet loss
# (nftables drops).
#
# What is asserted: each process runs in its own namespace with its
# region's address; traffic between namespaces goes through the latency
# layer; writes commit through every region's txcoord; with the leader
# cut off by nftables the others elect a new one and keep taking writes
# while the cut-off node cannot reach them; heal brings it back; the
# register checker finds every history linearizable through real
# partitions; down leaves no namespace, link or process.  No timing is
# asserted (contrib/bench/regions measures the latencies).
#
# Needs root, network namespaces, veth, a bridge and nftables: when
# `netns-cluster check` says they are missing, every test but the first
# is skipped with its reason.

bats_require_minimum_version 1.8.0
load helpers/test_helper

NETNS="$RANGEDB_SRCDIR/contrib/netns-cluster"

setup_file() {
	export T="$BATS_FILE_TMPDIR"
	export WORKLOAD="$RANGEDB_BUILDDIR/t/check/workload"
	export CHECKER="$RANGEDB_BUILDDIR/t/check/checker"
	export NETNS_SKIP=''
	if ! NETNS_SKIP=$("$NETNS" check 2>&1 >/dev/null); then
		export NETNS_SKIP="${NETNS_SKIP#netns-cluster: }"
		return 0
	fi
	# the namespaces' cluster is stopped by teardown_file, like the others
	mkdir -p "$T/c"
	echo "$T/c" >>"$RDB_CLUSTER_LIST"
	"$NETNS" up "$T/c" --bin "$RANGEDB_BUILDDIR" --regions 3 \
		--rtt-intra 1ms --rtt-inter 20,40,60 >"$T/up.out" 2>&1 3>&- || {
		echo "# netns-cluster up failed:" >&3
		sed 's/^/#   /' "$T/up.out" >&3
		return 1
	}
}

setup() {
	[ -z "$NETNS_SKIP" ] || [ "$BATS_TEST_NUMBER" = 1 ] || skip "$NETNS_SKIP"
	export RANGEDB_CONFIG="$T/c/rangedb.conf"
}

teardown() {
	bg_stop_all
	[ -n "$NETNS_SKIP" ] || "$NETNS" heal "$T/c" >/dev/null 2>&1 || true
}

teardown_file() {
	clusters_stop_all
	[ ! -f "$T/c/netns.layout" ] || "$NETNS" down "$T/c" >/dev/null 2>&1 3>&- || true
}

# lay NAME FIELD(2=namespace 4=address 5=region)
lay() {
	awk -v n="$1" -v f="$2" '$1 == n { print $f }' "$T/c/netns.layout"
}

# write_via TXCOORD KEY: one write through that txcoord, from inside its
# namespace, retried for 20 s.
write_via() {
	local a code i
	a=$(lay "$1" 4):7100
	for ((i = 0; i < 40; i++)); do
		code=$("$NETNS" exec "$T/c" "$1" curl -sS --max-time 5 -o /dev/null \
			-w '%{http_code}' -X POST \
			-d "{\"ops\":[{\"op\":\"put\",\"key\":\"$2\",\"value\":\"v\"}]}" \
			"http://$a/txn" 2>/dev/null) || true
		[ "$code" != 200 ] || return 0
		sleep 0.5
	done
	echo "write $2 via $1 not acknowledged within 20 s (last: ${code:-none})"
	return 1
}

@test "netns-cluster: usage errors, and check says what this machine can do" {
	run -2 "$NETNS"
	assert_output --partial "no command given"
	run -2 "$NETNS" up
	assert_output --partial "no directory"
	run -2 "$NETNS" up "$T/x" --regions 0
	run -2 "$NETNS" up "$T/x" --regions 3 --rtt-inter 10,20
	assert_output --partial "needs 1 or 3 values"
	run -2 "$NETNS" up "$T/x" --rtt-intra fast
	run -2 "$NETNS" partition "$T/x"
	assert_output --partial "partition needs the groups"
	run -2 "$NETNS" exec "$T/x" node1
	run -2 "$NETNS" heal "$T/x" --one-way
	run -1 "$NETNS" down "$T/nothing"
	run "$NETNS" check
	if [ -n "$NETNS_SKIP" ]; then
		[ "$status" -eq 1 ]
		assert_output --partial "unavailable"
	else
		[ "$status" -eq 0 ]
	fi
}

@test "every process in its own namespace, at its region's address, behind the latency layer" {
	local n pid ns mode
	mode=$(awk '$1 == "net" { print $6 }' "$T/c/netns.layout")
	for n in tsod node1 node2 node3 txcoord1 txcoord2 txcoord3; do
		pid=$(cat "$T/c/$n.pid")
		ns=$(lay "$n" 2)
		# the process's network namespace is the one named for it
		[ "$(readlink "/proc/$pid/ns/net")" = "$(ip netns exec "$ns" readlink /proc/self/ns/net)" ]
		[ "$(readlink "/proc/$pid/ns/net")" != "$(readlink /proc/self/ns/net)" ]
		ip netns exec "$ns" ip -o -4 addr show dev eth0 | grep -qF " $(lay "$n" 4)/16"
		if [ "$mode" = netem ]; then
			ip netns exec "$ns" tc qdisc show dev eth0 | grep -q netem
		else
			kill -0 "$(cat "$T/c/$n.delay.pid")"
			ip netns exec "$ns" nft list table ip rangedb_delay | grep -q 'redirect to :7999'
		fi
	done
	# regions as documented: tsod and node1 in r1, node i in region i
	[ "$(lay tsod 5)" = 1 ] && [ "$(lay node2 5)" = 2 ] && [ "$(lay txcoord3 5)" = 3 ]
	# the cluster answers through the bridge from here
	run -0 rangectl list
	assert_output --partial "1,2,3"
	if [ "$mode" = relay ]; then
		# raft traffic went through the relays: a leader's relay holds
		# its connections to the other nodes (its own carry mark 82).
		# Only a node that POSTs has them: a follower's answers ride
		# back on its leader's POSTs, so look at every node's.
		write_via txcoord1 lat1
		local relayed=0
		for n in node1 node2 node3; do
			if ip netns exec "$(lay "$n" 2)" ss -tnp | grep -q netdelay; then
				relayed=$((relayed + 1))
			fi
		done
		[ "$relayed" -ge 1 ]
	fi
}

@test "writes commit through every region's txcoord, read back from each" {
	local t a
	for t in txcoord1 txcoord2 txcoord3; do
		write_via "$t" "r-$t"
	done
	for t in txcoord1 txcoord2 txcoord3; do
		a=$(lay "$t" 4):7100
		run -0 "$NETNS" exec "$T/c" "$t" curl -sS --max-time 10 -X POST \
			-d '{"ops":[{"op":"get","key":"r-txcoord3"},{"op":"get","key":"r-txcoord1"}]}' \
			"http://$a/txn"
		echo "$output" | jq -e '[.results[].value] == ["v", "v"]'
	done
}

@test "real partition: the leader cut off by nftables, the others elect one and take writes; heal" {
	local old others id t
	write_via txcoord1 p0
	wait_until 10 leader_id "$T/c" >/dev/null
	old=$(leader_id "$T/c")
	others=$(for id in 1 2 3; do [ "$id" = "$old" ] || echo "node$id"; done | paste -sd,)
	run -0 "$NETNS" partition "$T/c" "node$old|$others,tsod,txcoord1,txcoord2,txcoord3"
	assert_output --partial "partitioned node$old"
	ip netns exec "$(lay "node$old" 2)" nft list table inet rangedb | grep -q drop
	# packets are really lost: the cut-off node reaches none of its peers
	for id in 1 2 3; do
		[ "$id" != "$old" ] || continue
		run ! "$NETNS" exec "$T/c" "node$old" curl -sS --max-time 1 \
			"http://$(node_addr "$T/c" "$id")/status"
	done
	# the majority elects a new leader and commits
	wait_until 20 leader_other_than "$old"
	for t in txcoord1 txcoord2 txcoord3; do
		[ "$(lay "$t" 5)" != "$(lay "node$old" 5)" ] || continue
		write_via "$t" "p-$t"
	done
	run -0 "$NETNS" heal "$T/c"
	run ! ip netns exec "$(lay "node$old" 2)" nft list table inet rangedb
	# the old leader hears the new term and catches up
	wait_until 30 cluster_caught_up "$T/c"
	# and reaches its peers again
	id=$((old % 3 + 1))
	run -0 "$NETNS" exec "$T/c" "node$old" curl -sS --max-time 2 \
		"http://$(node_addr "$T/c" "$id")/status"
}

# leader_other_than ID: range 2 has a leader, and it is not ID.
leader_other_than() {
	local l
	l=$(leader_id "$T/c") && [ "$l" != "$1" ]
}

@test "register: linearizable through real partitions (nftables) and a one-way cut" {
	local hist="$T/reg.jsonl" i
	bg "$T/reg.stop" "$WORKLOAD" register --config "$RANGEDB_CONFIG" \
		--duration 16s --clients 6 --timeout 3s --keys 4 --out "$hist"
	for ((i = 0; i < 100; i++)); do
		[ -s "$hist" ] && break
		sleep 0.1
	done
	sleep 2
	"$NETNS" partition "$T/c" "1|2,3" --history "$hist" >/dev/null
	sleep 4
	"$NETNS" heal "$T/c" --history "$hist" >/dev/null
	sleep 2
	"$NETNS" partition "$T/c" "2,tsod|1,3" --history "$hist" >/dev/null
	sleep 3
	"$NETNS" heal "$T/c" --history "$hist" >/dev/null
	"$NETNS" partition "$T/c" "3|1,2" --one-way --history "$hist" >/dev/null
	sleep 3
	"$NETNS" heal "$T/c" --history "$hist" >/dev/null
	bg_wait "$T/reg.stop"
	run -0 "$CHECKER" "$hist"
	echo "# register: ${lines[0]}" >&3
	assert_output --partial "linearizable"
	assert_output --partial "6 nemesis events"
	# ok operations were recorded on both sides of the faults
	[ "$(grep -c '"type":"ok"' "$hist")" -gt 20 ]
}

@test "down removes the namespaces, links, relays and processes" {
	local ns pids pid
	ns=$(awk '$1 != "net" { print $2 }' "$T/c/netns.layout")
	pids=$(cat "$T/c"/*.pid)
	run -0 "$NETNS" down "$T/c"
	for n in $ns; do
		run ! ip netns exec "$n" true
	done
	for pid in $pids; do
		! kill -0 "$pid" 2>/dev/null
	done
	[ ! -e "$T/c/netns.layout" ]
	run -1 "$NETNS" down "$T/c"
	assert_output --partial "no netns cluster"
}
