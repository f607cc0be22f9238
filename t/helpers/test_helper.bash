# test_helper.bash -- shared setup for rangedb's BATS tests.
#
# Daemons are started on 127.0.0.1 port 0 (the kernel picks a free port) in
# a per-file temp dir, with --ready-fd on a FIFO: the test learns the bound
# address from the "ready ADDR" line, and a daemon that dies at start-up
# closes the FIFO so the test fails at once, with the daemon's log.  Every
# daemon's PID is recorded; daemons_stop_all (called from teardown) stops
# them by PID, with SIGKILL after a grace period, even when a test failed.

bats_load_library bats-support
bats_load_library bats-assert

: "${RANGEDB_BUILDDIR:=$(cd "$BATS_TEST_DIRNAME/.." && pwd)}"
: "${RANGEDB_SRCDIR:=$(cd "$BATS_TEST_DIRNAME/.." && pwd)}"
PATH="$RANGEDB_BUILDDIR/cmd/tsod:$RANGEDB_BUILDDIR/cmd/raftd:$RANGEDB_BUILDDIR/cmd/chaos:$RANGEDB_BUILDDIR/cmd/rangectl:$RANGEDB_BUILDDIR/cmd/splitter:$RANGEDB_BUILDDIR/cmd/txcoord:$RANGEDB_BUILDDIR/t/raftsim:$PATH"
export PATH RANGEDB_BUILDDIR RANGEDB_SRCDIR
unset RANGEDB_CONFIG

# pids of every daemon this file started
RDB_PIDFILE_LIST="${BATS_FILE_TMPDIR:-/tmp}/daemon-pids"

# daemon_start NAME DIR PROGRAM [ARGS...]
# Starts PROGRAM with --ready-fd, waits for readiness, and sets
# $DIR/pid, $DIR/addr, $DIR/log.  Returns non-zero (printing the log) if the
# daemon does not become ready within 10 s.
daemon_start() {
	local name=$1 dir=$2 prog=$3
	shift 3
	mkdir -p "$dir"
	rm -f "$dir/ready" "$dir/addr"
	mkfifo "$dir/ready"
	"$prog" "$@" --ready-fd 4 4>"$dir/ready" 2>>"$dir/log" 3>&- &
	local pid=$!
	echo "$pid" >"$dir/pid"
	echo "$pid" >>"$RDB_PIDFILE_LIST"
	local word addr
	if ! read -t 10 -r word addr <"$dir/ready" || [ "$word" != ready ]; then
		echo "# $name (pid $pid) did not become ready; its log:" >&3
		sed 's/^/#   /' "$dir/log" >&3
		return 1
	fi
	echo "$addr" >"$dir/addr"
}

# tsod_start DIR [ARGS...]: start tsod with its data in DIR/data.
tsod_start() {
	local dir=$1
	shift
	daemon_start tsod "$dir" tsod --listen 127.0.0.1:0 --data "$dir/data" "$@"
	TSOD=$(cat "$dir/addr")
}

# daemon_stop DIR [SIGNAL]: stop the daemon whose pid is in DIR/pid.
# Waits up to 10 s, then SIGKILLs.  Leaves the exit status in DIR/status.
daemon_stop() {
	local dir=$1 sig=${2:-TERM} pid i
	[ -f "$dir/pid" ] || return 0
	pid=$(cat "$dir/pid")
	kill -"$sig" "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	local st=0
	wait "$pid" 2>/dev/null || st=$?
	echo "$st" >"$dir/status"
	rm -f "$dir/pid"
}

# Stop every daemon this test file started (by PID), whatever happened.
daemons_stop_all() {
	[ -f "$RDB_PIDFILE_LIST" ] || return 0
	local pid
	while read -r pid; do
		kill -TERM "$pid" 2>/dev/null || true
	done <"$RDB_PIDFILE_LIST"
	sleep 0.2
	while read -r pid; do
		kill -KILL "$pid" 2>/dev/null || true
	done <"$RDB_PIDFILE_LIST"
	rm -f "$RDB_PIDFILE_LIST"
}

# wait_until SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
wait_until() {
	local t=$(($1 * 10))
	shift
	until "$@" >/dev/null 2>&1; do
		((t-- > 0)) || return 1
		sleep 0.1
	done
}

# http METHOD URL [curl args...]: prints the body, then a last line
# "status=NNN".  Never fails on HTTP errors; fails on transport errors.
http() {
	local method=$1 url=$2
	shift 2
	curl -sS -X "$method" -w '\nstatus=%{http_code}\n' "$@" "$url"
}

# json_int FIELD: first integer value of "FIELD": in stdin (no jq: JSON
# tools that use doubles lose precision on 64-bit timestamps).
json_int() {
	grep -o "\"$1\":-\?[0-9]*" | head -n 1 | cut -d: -f2
}

# ---- local clusters (contrib/local-cluster) --------------------------------
#
# cluster_start DIR [ARGS...] starts tsod + raftd nodes (+ txcoords, when
# ARGS say --txcoords N) with contrib/local-cluster and records DIR;
# clusters_stop_all (call it from teardown) stops every recorded cluster by
# the PIDs in DIR/*.pid, after SIGCONT (a test may have SIGSTOPped a node),
# whatever happened.  A new cluster gets no txcoord unless ARGS ask for
# some (local-cluster's default is 1): the tests of the KV layer neither
# need nor wait for one.  Starting an existing DIR again starts what its
# config lists.

RDB_CLUSTER_LIST="${BATS_FILE_TMPDIR:-/tmp}/cluster-dirs"
LOCAL_CLUSTER="$RANGEDB_SRCDIR/contrib/local-cluster"

cluster_start() {
	local dir=$1 a tx=(--txcoords 0)
	shift
	mkdir -p "$dir"
	grep -qxF "$dir" "$RDB_CLUSTER_LIST" 2>/dev/null ||
		echo "$dir" >>"$RDB_CLUSTER_LIST"
	for a in "$@"; do
		[ "$a" != --txcoords ] || tx=()
	done
	[ ! -f "$dir/rangedb.conf" ] || tx=()
	"$LOCAL_CLUSTER" start "$dir" --bin "$RANGEDB_BUILDDIR" "${tx[@]}" "$@" \
		>"$dir/start.out" 2>&1 3>&- || {
		echo "# local-cluster start $dir failed:" >&3
		sed 's/^/#   /' "$dir/start.out" >&3
		return 1
	}
	export RANGEDB_CONFIG="$dir/rangedb.conf"
}

# cluster_pids DIR: PIDs recorded in DIR/*.pid.
cluster_pids() {
	cat "$1"/*.pid 2>/dev/null | grep -E '^[0-9]+$' || true
}

cluster_stop() {
	local dir=$1 pid
	for pid in $(cluster_pids "$dir"); do
		kill -CONT "$pid" 2>/dev/null || true
	done
	"$LOCAL_CLUSTER" stop "$dir" >/dev/null 2>&1 3>&- || true
	# whatever local-cluster did not recognise as its own still goes
	for pid in $(cluster_pids "$dir"); do
		kill -KILL "$pid" 2>/dev/null || true
	done
}

clusters_stop_all() {
	[ -f "$RDB_CLUSTER_LIST" ] || return 0
	local dir
	while read -r dir; do
		cluster_stop "$dir"
	done <"$RDB_CLUSTER_LIST"
	rm -f "$RDB_CLUSTER_LIST"
}

# node_addr DIR ID: address of [node.ID] in DIR/rangedb.conf.
node_addr() {
	sed -n "/^\[node\.$2\]/,/^\[/s/^address = //p" "$1/rangedb.conf"
}

# node_ids DIR: every node id of the cluster.
node_ids() {
	sed -n 's/^\[node\.\([0-9]*\)\]$/\1/p' "$1/rangedb.conf"
}

# resume_paused DIR: SIGCONT what chaos pause left paused in DIR (a test
# that failed mid-drill must not leave a stopped process behind).
resume_paused() {
	local f
	for f in "$1"/*.paused; do
		[ -f "$f" ] && kill -CONT "$(cut -d' ' -f1 "$f")" 2>/dev/null
	done
	return 0
}

# raftd_metric DIR NAME LABELS: one series summed over the cluster's nodes
# (raftd_metric "$d" raftd_scan_filters_total 'result="refused"').
raftd_metric() {
	local id sum=0 v
	for id in $(node_ids "$1"); do
		v=$(curl -sS --max-time 5 "http://$(node_addr "$1" "$id")/metrics" |
			awk -v s="$2{$3}" '$1 == s { print $2 }')
		sum=$((sum + ${v:-0}))
	done
	echo "$sum"
}

# txcoord_addrs DIR: the address of every txcoord of the cluster ([cluster]
# txcoords, comma-separated), one a line.
txcoord_addrs() {
	sed -n '/^\[cluster\]/,/^\[/s/^txcoords = //p' "$1/rangedb.conf" |
		tr ',' '\n' | grep . || true
}

# txcoord_addr DIR [N]: the address of txcoordN (default 1); fails when the
# cluster has no such txcoord.
txcoord_addr() {
	local a
	a=$(txcoord_addrs "$1" | sed -n "${2:-1}p")
	[ -n "$a" ] || {
		echo "no txcoord${2:-1} in $1/rangedb.conf" >&2
		return 1
	}
	echo "$a"
}

# txcoord_count DIR: how many txcoords the cluster has.
txcoord_count() {
	txcoord_addrs "$1" | grep -c . || true
}

# cluster_proc_pid DIR NAME: the PID local-cluster recorded for NAME (tsod,
# nodeI, txcoordI); fails when there is none.
cluster_proc_pid() {
	local pid
	pid=$(cat "$1/$2.pid" 2>/dev/null) && [[ $pid =~ ^[0-9]+$ ]] || return 1
	echo "$pid"
}

# cluster_restart DIR NAME...: start the named processes of the cluster in
# DIR again from DIR/NAME.cmd (local-cluster restart), with their PIDs in
# DIR/NAME.pid so that clusters_stop_all stops them.
cluster_restart() {
	local dir=$1
	shift
	"$LOCAL_CLUSTER" restart "$dir" "$@" >"$dir/restart.out" 2>&1 3>&- || {
		echo "# local-cluster restart $dir $* failed:" >&3
		sed 's/^/#   /' "$dir/restart.out" >&3
		return 1
	}
}

# range_field JSON RANGE FIELD: FIELD ("role", "leader", "applied", ...)
# of range RANGE in a /status reply (jansson keeps key order: range_id
# comes first in each range object).
range_field() {
	echo "$1" | grep -oE '"(range_id|role|leader|term|commit|applied|snapshot_index)"[[:space:]]*:[[:space:]]*("[a-z_-]*"|[0-9]+)' | tr -d ' \t' |
		awk -F: -v r="$2" -v f="\"$3\"" '
			$1 == "\"range_id\"" { cur = $2; next }
			cur == r && $1 == f { gsub(/"/, "", $2); print $2; exit }'
}

# leader_id DIR [RANGE]: id of the node that says it leads RANGE (default
# 2); fails when none does.
leader_id() {
	local dir=$1 range=${2:-2} id st
	for id in $(node_ids "$dir"); do
		st=$(curl -sS --max-time 1 "http://$(node_addr "$dir" "$id")/status" 2>/dev/null) ||
			continue
		if [ "$(range_field "$st" "$range" role)" = leader ]; then
			echo "$id"
			return 0
		fi
	done
	return 1
}

# node_status_field DIR ID RANGE FIELD
node_status_field() {
	local st
	st=$(curl -sS --max-time 1 "http://$(node_addr "$1" "$2")/status") || return 1
	range_field "$st" "$3" "$4"
}

# node_pid DIR ID: the pid node ID reports in /status.
node_pid() {
	curl -sS --max-time 1 "http://$(node_addr "$1" "$2")/status" | json_int pid
}

# cluster_caught_up DIR [RANGE]: every running node's applied index on RANGE
# equals the leader's commit index.
cluster_caught_up() {
	local dir=$1 range=${2:-2} leader commit id applied
	leader=$(leader_id "$dir" "$range") || return 1
	commit=$(node_status_field "$dir" "$leader" "$range" commit) || return 1
	[ -n "$commit" ] || return 1
	for id in $(node_ids "$dir"); do
		applied=$(node_status_field "$dir" "$id" "$range" applied) || return 1
		[ "$applied" = "$commit" ] || return 1
	done
}

# put_sure DIR KEY VALUE: PUT through any node of the cluster in DIR,
# following redirects and retrying for up to 10 s (a leader may be
# changing); fails unless some answer is 204.
put_sure() {
	local dir=$1 t=100 id code=
	while ((t-- > 0)); do
		for id in $(node_ids "$dir"); do
			code=$(curl -sS -L --max-time 5 -o /dev/null -w '%{http_code}' \
				-X PUT --data-binary "$3" \
				"http://$(node_addr "$dir" "$id")/kv/$2" 2>/dev/null) || true
			[ "$code" != 204 ] || return 0
		done
		sleep 0.1
	done
	echo "PUT $2 not acknowledged within 10 s (last answer: ${code:-none})"
	return 1
}

# ---- background loops (stopped by their stop file, then by PID) -----------

RDB_BG_LIST="${BATS_FILE_TMPDIR:-/tmp}/bg-pids"

# bg STOPFILE CMD...: run CMD in the background (it must end soon after
# STOPFILE exists); recorded for bg_stop_all.
bg() {
	local stop=$1
	shift
	"$@" 3>&- &
	echo "$! $stop" >>"$RDB_BG_LIST"
}

# bg_stop_all: create every stop file, wait up to 15 s for the loops, then
# SIGKILL what is left (by PID).
bg_stop_all() {
	[ -f "$RDB_BG_LIST" ] || return 0
	local pid stop i
	while read -r pid stop; do
		touch "$stop"
	done <"$RDB_BG_LIST"
	while read -r pid stop; do
		for ((i = 0; i < 150; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done <"$RDB_BG_LIST"
	rm -f "$RDB_BG_LIST"
}

# bg_wait STOPFILE: stop the loops of STOPFILE and wait for them.
bg_wait() {
	local pid stop
	touch "$1"
	while read -r pid stop; do
		[ "$stop" = "$1" ] || continue
		wait "$pid" 2>/dev/null || true
	done <"$RDB_BG_LIST"
}
