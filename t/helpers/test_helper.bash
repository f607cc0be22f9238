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
PATH="$RANGEDB_BUILDDIR/cmd/tsod:$RANGEDB_BUILDDIR/t/raftsim:$PATH"
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
