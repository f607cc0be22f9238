#!/usr/bin/env bats
# 511-rangectl-cli.bats -- rangectl without a cluster: --help and
# --version, usage errors (exit 2, one line on stderr, no request sent),
# bad config files, and nodes that do not answer (exit 3, promptly, one
# line).  The commands against a live cluster are tested elsewhere.

bats_require_minimum_version 1.8.0
load helpers/test_helper

PATH="$RANGEDB_BUILDDIR/cmd/rangectl:$RANGEDB_BUILDDIR/cmd/splitter:$PATH"

setup() {
	T="$BATS_TEST_TMPDIR"
}

# one_line CODE ARGS...: rangectl ARGS exits CODE with nothing on stdout
# and exactly one line on stderr, starting "rangectl: "
one_line() {
	local code=$1
	shift
	run "-$code" --separate-stderr rangectl "$@"
	[ -z "$output" ] || { echo "stdout of rangectl $*: $output"; return 1; }
	[[ "$stderr" == "rangectl: "* ]] || { echo "stderr of rangectl $*: $stderr"; return 1; }
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] ||
		{ echo "stderr of rangectl $*: $stderr"; return 1; }
}

@test "rangectl --help and --version" {
	run -0 rangectl --help
	assert_output --partial "Usage: rangectl [OPTIONS] COMMAND [ARGS]"
	local c
	for c in "list" "locate KEY" "nodes" "split RANGE [KEY]" \
		"transfer-leader RANGE NODE" "--config" "--node" "--json" \
		"--timeout"; do
		assert_output --partial "$c"
	done
	run -0 rangectl -h
	assert_output --partial "Usage: rangectl"
	run -0 rangectl --version
	assert_output --regexp '^rangectl \(rangedb\) [0-9]+\.[0-9]+'
	run -0 rangectl -V
	assert_output --regexp '^rangectl \(rangedb\) [0-9]+\.[0-9]+'
}

@test "usage errors: exit 2, one line, before any request" {
	# 127.0.0.1:1 never answers: a usage error must not get that far
	local n="--node 127.0.0.1:1"
	one_line 2 --bogus
	assert_equal "$stderr" "rangectl: unknown option '--bogus' (see 'rangectl --help')"
	one_line 2 $n
	[[ "$stderr" == *"no command given"* ]]
	one_line 2 $n frobnicate 1 2
	[[ "$stderr" == *"unknown command 'frobnicate'"* ]]
	one_line 2 $n list extra
	[[ "$stderr" == *"list takes no arguments; unexpected 'extra'"* ]]
	one_line 2 $n nodes 1
	one_line 2 $n locate
	[[ "$stderr" == *"locate needs a KEY"* ]]
	one_line 2 $n locate a b
	one_line 2 $n split
	[[ "$stderr" == *"split needs RANGE"* ]]
	one_line 2 $n split seven
	[[ "$stderr" == *"RANGE must be a non-negative integer, got 'seven'"* ]]
	one_line 2 $n split 0
	one_line 2 $n split -- -3
	one_line 2 $n split 7 k1 k2
	one_line 2 $n transfer-leader 7
	[[ "$stderr" == *"transfer-leader needs RANGE and NODE"* ]]
	one_line 2 $n transfer-leader 7 x
	[[ "$stderr" == *"NODE must be"* ]]
	# keys: "\\" and "\xHH" are the only escapes; "+inf" is no key
	one_line 2 $n locate 'a\q'
	[[ "$stderr" == *"bad escape at offset 1 of key 'a\\q'"* ]]
	one_line 2 $n locate 'a\x4'
	one_line 2 $n split 7 'tail\'
	one_line 2 $n locate +inf
	[[ "$stderr" == *"'+inf' is the end of the keyspace"* ]]
	# options
	one_line 2 $n --timeout 0 list
	one_line 2 $n --timeout 5 list
	[[ "$stderr" == *"--timeout must be a duration"* ]]
	one_line 2 $n --timeout 2h list
	one_line 2 $n --timeout soon list
	one_line 2 --node localhost list
	[[ "$stderr" == *"--node needs HOST:PORT"* ]]
	one_line 2 --node 127.0.0.1:70000 list
	one_line 2 --node 127.0.0.1: list
	one_line 2 --node http://127.0.0.1:7101/ list
	one_line 2 $n --config "$T/x.conf" list
	[[ "$stderr" == *"give --config or --node, not both"* ]]
	one_line 2 $n --json
	one_line 2 $n list --timeout
	[[ "$stderr" == *"option '--timeout' needs a value"* ]]
}

@test "config files: missing, unusable or without nodes is exit 2" {
	run -2 --separate-stderr env -u RANGEDB_CONFIG rangectl list
	[[ "$stderr" == "rangectl: no cluster given: give --node ADDR or --config FILE, or set RANGEDB_CONFIG"* ]]
	one_line 2 --config "$T/missing.conf" list
	[[ "$stderr" == *"missing.conf"* ]]
	RANGEDB_CONFIG="$T/missing.conf" one_line 2 list
	[[ "$stderr" == *"missing.conf"* ]]
	printf '[tsod]\nlisten = 127.0.0.1:1\n' >"$T/nonodes.conf"
	one_line 2 --config "$T/nonodes.conf" list
	[[ "$stderr" == *"has no [node.N] sections"* ]]
	printf '[node.1]\naddress = 127.0.0.1:1\n[nod.2]\naddress = 127.0.0.1:2\n' >"$T/typo.conf"
	one_line 2 --config "$T/typo.conf" list
	[[ "$stderr" == *"unknown section [nod.2]"* ]]
	printf '[node.1]\ndata = /tmp/x\n' >"$T/noaddr.conf"
	one_line 2 --config "$T/noaddr.conf" list
	[[ "$stderr" == *"[node.1] needs 'address = HOST:PORT'"* ]]
	printf '[node.one]\naddress = 127.0.0.1:1\n' >"$T/badid.conf"
	one_line 2 --config "$T/badid.conf" list
	[[ "$stderr" == *"node id in [node.one]"* ]]
	printf '[node.1]\naddress = 127.0.0.1:1\naddress = 127.0.0.1:2\n' >"$T/twice.conf"
	one_line 2 --config "$T/twice.conf" list
	# --node wins over $RANGEDB_CONFIG (a file that would be refused)
	RANGEDB_CONFIG="$T/typo.conf" one_line 3 --node 127.0.0.1:1 list
}

@test "a node that does not answer: exit 3 at once, one line" {
	local c start
	for c in "list" "list --json" "nodes" "locate k1" "split 7" \
		"split 7 k5" "transfer-leader 7 2"; do
		start=$SECONDS
		# shellcheck disable=SC2086
		one_line 3 --node 127.0.0.1:1 $c
		assert_equal "$stderr" "rangectl: no node answers: cannot connect to 127.0.0.1:1: Connection refused"
		(( SECONDS - start <= 2 ))
	done
	# every node of the config file is tried; the first failure is named
	printf '[node.1]\naddress = 127.0.0.1:1\n\n[node.2]\naddress = 127.0.0.1:2\n' >"$T/dead.conf"
	one_line 3 --config "$T/dead.conf" list
	assert_equal "$stderr" "rangectl: none of the 2 nodes answers; the first: cannot connect to 127.0.0.1:1: Connection refused"
	RANGEDB_CONFIG="$T/dead.conf" one_line 3 nodes
	one_line 3 --node 127.0.0.1:1 --node 127.0.0.1:2 --node 127.0.0.1:3 split 4
	[[ "$stderr" == *"none of the 3 nodes answers"* ]]
}

@test "a node that accepts but never answers: exit 3 after --timeout" {
	command -v python3 >/dev/null || skip "python3 is needed for a silent listener"
	python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
print(s.getsockname()[1], flush=True)
time.sleep(60)
' >"$T/port" 3>&- &
	local pid=$! start
	echo "$pid" >>"$RDB_PIDFILE_LIST"
	wait_until 5 test -s "$T/port"
	start=$SECONDS
	one_line 3 --node "127.0.0.1:$(cat "$T/port")" --timeout 300ms list
	assert_equal "$stderr" "rangectl: no node answers: no answer from 127.0.0.1:$(cat "$T/port") within 300 ms"
	(( SECONDS - start <= 2 ))
	kill "$pid"
}

teardown() {
	daemons_stop_all
}
