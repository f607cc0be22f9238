#!/usr/bin/env bats
# 511-rangectl-cli.bats -- rangectl without a cluster: --help and
# --version, usage errors of every command (exit 2, one line on stderr, no
# request sent), bad config files, and nodes that do not answer (exit 3,
# promptly, one line).  The commands against a live cluster are tested
# elsewhere (t/520-rebalance.bats for rebalance; the plan itself by
# t/unit/rangectl_rebalance_test.c).

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
		"transfer-leader RANGE NODE" "move RANGE --from NODE --to NODE" \
		"merge RANGE" "add-node ID ADDR" "rebalance [--dry-run]" \
		"--config" "--node" "--json" "--timeout"; do
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
	assert_equal "$stderr" "rangectl: unknown command 'frobnicate' (list, locate, nodes, split, transfer-leader, move, merge, add-node or rebalance) (see 'rangectl --help')"
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
	# move RANGE --from NODE --to NODE (the options anywhere)
	one_line 2 $n move
	[[ "$stderr" == *"move needs RANGE, --from NODE and --to NODE"* ]]
	one_line 2 $n move 7
	[[ "$stderr" == *"move needs --from NODE and --to NODE"* ]]
	one_line 2 $n move 7 --from 1
	[[ "$stderr" == *"move needs --to NODE too"* ]]
	one_line 2 $n --to 2 move 7
	[[ "$stderr" == *"move needs --from NODE too"* ]]
	one_line 2 $n move 7 8 --from 1 --to 2
	[[ "$stderr" == *"move takes RANGE, --from NODE and --to NODE; unexpected '8'"* ]]
	one_line 2 $n move seven --from 1 --to 2
	[[ "$stderr" == *"move: RANGE must be a non-negative integer, got 'seven'"* ]]
	one_line 2 $n move 0 --from 1 --to 2
	one_line 2 $n move 7 --from x --to 2
	[[ "$stderr" == *"move: --from must be a non-negative integer, got 'x'"* ]]
	one_line 2 $n move 7 --from 1 --to 0
	[[ "$stderr" == *"move: --to must be between 1 and"* ]]
	one_line 2 $n move 7 --from -1 --to 2
	one_line 2 $n move 7 --from 3 --to 3
	[[ "$stderr" == *"move: --from and --to are the same node, 3"* ]]
	one_line 2 $n move 7 --to 2 --from
	[[ "$stderr" == *"option '--from' needs a value"* ]]
	one_line 2 $n split 7 --from 1
	[[ "$stderr" == *"--from is an option of move, not of split"* ]]
	one_line 2 $n --to 2 list
	[[ "$stderr" == *"--to is an option of move, not of list"* ]]
	# merge RANGE
	one_line 2 $n merge
	[[ "$stderr" == *"merge needs RANGE"* ]]
	one_line 2 $n merge 7 8
	[[ "$stderr" == *"merge takes RANGE; unexpected '8'"* ]]
	one_line 2 $n merge x
	[[ "$stderr" == *"merge: RANGE must be a non-negative integer, got 'x'"* ]]
	one_line 2 $n merge 0
	# add-node ID ADDR
	one_line 2 $n add-node
	[[ "$stderr" == *"add-node needs ID and ADDR"* ]]
	one_line 2 $n add-node 6
	one_line 2 $n add-node 6 127.0.0.1:7106 x
	[[ "$stderr" == *"add-node takes ID and ADDR; unexpected 'x'"* ]]
	one_line 2 $n add-node 0 127.0.0.1:7106
	[[ "$stderr" == *"add-node: ID must be between 1 and"* ]]
	one_line 2 $n add-node six 127.0.0.1:7106
	[[ "$stderr" == *"add-node: ID must be a non-negative integer, got 'six'"* ]]
	local a
	for a in localhost 127.0.0.1: :7106 127.0.0.1:0 127.0.0.1:65536 \
		http://127.0.0.1:7106 127.0.0.1:7106/ "h st:7106"; do
		one_line 2 $n add-node 6 "$a"
		assert_equal "$stderr" "rangectl: add-node: ADDR must be HOST:PORT such as 127.0.0.1:7106, got '$a' (see 'rangectl --help')"
	done
	# rebalance [--dry-run]
	one_line 2 $n rebalance now
	[[ "$stderr" == *"rebalance takes no arguments; unexpected 'now'"* ]]
	one_line 2 $n rebalance --dry-run 1
	one_line 2 $n nodes --dry-run
	[[ "$stderr" == *"--dry-run is an option of rebalance, not of nodes"* ]]
	one_line 2 $n --dry-run move 7 --from 1 --to 2
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
		"split 7 k5" "transfer-leader 7 2" "move 7 --from 1 --to 4" \
		"merge 7" "add-node 6 127.0.0.1:7106" "rebalance" \
		"rebalance --dry-run" "--json rebalance"; do
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

# ---- a fake cluster -------------------------------------------------------

# fake_cluster SCENARIO: serve the JSON scenario as a cluster of fake raftd
# nodes (one port per node of "up"; the nodes of "down" are at
# 127.0.0.1:1), each answering GET /meta/nodes, /meta/ranges and its own
# /status, and POST requests with answers["NODE PATH ID"] (ID: the body's
# range_id, or its id) or else 307 not_leader naming leaders["ID"].  "@N"
# in an answer stands for node N's address.  Nodes in "refuse" answer 503
# to /meta/ranges.  Every POST is logged to $T/posts as "NODE PATH BODY".
# Sets A1, A2 ... to the nodes' addresses.
fake_cluster() {
	command -v python3 >/dev/null || skip "python3 is needed for a fake cluster"
	cat >"$T/fake.py" <<'PY'
import json, re, sys, threading, time
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
sc = json.load(open(sys.argv[1]))
addr, lock = {}, threading.Lock()
def sub(s):
    return re.sub(r'"@(\d+)"', lambda m: json.dumps(addr[int(m.group(1))]), s)
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def reply(self, code, body):
        data = b"" if body is None else sub(json.dumps(body)).encode()
        self.send_response(code)
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        me, p = self.server.nid, self.path.split("?")[0]
        if p == "/meta/nodes":
            self.reply(200, {"nodes": [{"id": i, "address": a}
                                       for i, a in sorted(addr.items())]})
        elif p == "/meta/ranges" and me in sc.get("refuse", []):
            self.reply(503, {"error": {"code": "unavailable", "message":
                             "no leader for range 1 yet; retry"}})
        elif p == "/meta/ranges":
            self.reply(200, {"ranges": sc["ranges"], "more": False})
        elif p == "/status":
            self.reply(200, {"node": me, "time_ms": int(time.time() * 1000),
                             "ranges": sc["status"].get(str(me), [])})
        else:
            self.reply(404, {"error": {"code": "not_found", "message": p}})
    def do_POST(self):
        me = self.server.nid
        n = int(self.headers.get("Content-Length", 0))
        req = json.loads(self.rfile.read(n) or b"{}")
        with lock, open(sys.argv[2], "a") as f:
            f.write("%d %s %s\n" % (me, self.path,
                                    json.dumps(req, sort_keys=True)))
        rid = req.get("range_id", req.get("id", ""))
        key = "%d %s %s" % (me, self.path, rid)
        if key in sc["answers"]:
            self.reply(*sc["answers"][key])
            return
        l = sc["leaders"].get(str(rid), 0)
        self.reply(307, {"error": {"code": "not_leader", "message": "node %d "
                         "is not the leader" % me, "leader": l,
                         "leader_addr": addr.get(l, ""), "range_id": rid}})
servers = []
for nid in sc["up"]:
    s = ThreadingHTTPServer(("127.0.0.1", 0), H)
    s.nid = nid
    addr[nid] = "127.0.0.1:%d" % s.server_address[1]
    servers.append(s)
for nid in sc.get("down", []):
    addr[nid] = "127.0.0.1:1"
for s in servers:
    threading.Thread(target=s.serve_forever, daemon=True).start()
for nid in sorted(addr):
    print(nid, addr[nid], flush=True)
time.sleep(120)
PY
	: >"$T/posts"
	python3 "$T/fake.py" "$1" "$T/posts" >"$T/fake.addrs" 3>&- &
	echo "$!" >>"$RDB_PIDFILE_LIST"
	wait_until 5 grep -q "^5 " "$T/fake.addrs"
	local id a
	while read -r id a; do
		printf -v "A$id" '%s' "$a"
	done <"$T/fake.addrs"
}

# scenario ANSWERS: the fake cluster of the tests below, with the POST
# answers ANSWERS (JSON members).  Nodes 1-4 up, 5 down; meta (range 1)
# and ranges 2 [\x02, k5) and 3 [k5, +inf) on nodes 1-3, led by 2, 1 and 2;
# node 4 is empty; node 3 cannot serve /meta/ranges.
scenario() {
	cat <<JSON
{"up": [1, 2, 3, 4], "down": [5],
 "ranges": [
  {"range_id": 2, "start_b64": "Ag==", "end": "k5", "replicas": [1, 2, 3], "generation": 2},
  {"range_id": 3, "start": "k5", "end": "", "replicas": [1, 2, 3], "generation": 2}],
 "status": {
  "1": [{"range_id": 1, "role": "follower", "term": 2, "applied": 9, "generation": 1, "replicas": [1, 2, 3], "start_b64": "AQ==", "end_b64": "Ag=="},
        {"range_id": 2, "role": "leader", "term": 2, "applied": 9, "generation": 2, "replicas": [1, 2, 3], "size_bytes": 100, "qps": 1.5},
        {"range_id": 3, "role": "follower", "term": 2, "applied": 9, "generation": 2, "replicas": [1, 2, 3]}],
  "2": [{"range_id": 1, "role": "leader", "term": 2, "applied": 9, "generation": 1, "replicas": [1, 2, 3], "start_b64": "AQ==", "end_b64": "Ag=="},
        {"range_id": 2, "role": "follower", "term": 2, "applied": 9, "generation": 2, "replicas": [1, 2, 3]},
        {"range_id": 3, "role": "leader", "term": 2, "applied": 9, "generation": 2, "replicas": [1, 2, 3], "size_bytes": 200, "qps": 0}],
  "3": [{"range_id": 1, "role": "follower", "term": 2, "applied": 9, "generation": 1, "replicas": [1, 2, 3], "start_b64": "AQ==", "end_b64": "Ag=="},
        {"range_id": 2, "role": "follower", "term": 2, "applied": 9, "generation": 2, "replicas": [1, 2, 3]},
        {"range_id": 3, "role": "follower", "term": 2, "applied": 9, "generation": 2, "replicas": [1, 2, 3]}],
  "4": []},
 "leaders": {"1": 2, "2": 1, "3": 2, "6": 2, "7": 2},
 "refuse": [3],
 "answers": {$1}}
JSON
}

@test "rebalance on a fake cluster: the plan, then each action and its result" {
	scenario '
  "2 /admin/move 1": [200, {"range": {"range_id": 1, "start_b64": "AQ==", "end_b64": "Ag==", "replicas": [4, 2, 3], "generation": 3}}],
  "1 /admin/move 2": [400, {"error": {"code": "bad_input", "message": "node 4 is not a member of the cluster"}}],
  "2 /admin/transfer-leader 1": [200, {"range_id": 1, "leader": 3}]' >"$T/sc.json"
	fake_cluster "$T/sc.json"
	# replicas 3,3,3,0 on the up nodes (5 is down): meta (range 1) and
	# range 2 go to node 4; then leaders 1:1 2:2 3:0 4:0
	run -0 --separate-stderr rangectl --node "$A1" rebalance --dry-run
	assert_output "move 1 1 4
move 2 2 4
transfer-leader 1 3"
	[ -z "$stderr" ]
	[ ! -s "$T/posts" ]	# a dry run changes nothing
	run -0 --separate-stderr rangectl --node "$A1" --json rebalance --dry-run
	assert_output '{"actions":[{"op":"move","range_id":1,"from":1,"to":4,"result":"planned","error":null},{"op":"move","range_id":2,"from":2,"to":4,"result":"planned","error":null},{"op":"transfer-leader","range_id":1,"node":3,"result":"planned","error":null}]}'
	[ ! -s "$T/posts" ]
	# each action goes to its range's leader; a failure does not stop it
	run -1 --separate-stderr rangectl --node "$A1" rebalance
	assert_output "move 1 1 4: ok
move 2 2 4: failed: $A1: node 4 is not a member of the cluster
transfer-leader 1 3: ok"
	assert_equal "$stderr" "rangectl: rebalance: 1 of 3 actions failed; the first: $A1: node 4 is not a member of the cluster"
	run cat "$T/posts"
	assert_output '2 /admin/move {"from": 1, "range_id": 1, "to": 4}
1 /admin/move {"from": 2, "range_id": 2, "to": 4}
2 /admin/transfer-leader {"node": 3, "range_id": 1}'
	run -1 --separate-stderr rangectl --node "$A1" --json rebalance
	assert_output '{"actions":[{"op":"move","range_id":1,"from":1,"to":4,"result":"ok","error":null},{"op":"move","range_id":2,"from":2,"to":4,"result":"failed","error":"'"$A1"': node 4 is not a member of the cluster"},{"op":"transfer-leader","range_id":1,"node":3,"result":"ok","error":null}]}'
	[[ "$stderr" == "rangectl: rebalance: 1 of 3 actions failed; the first: "* ]]
}

@test "move, merge and add-node on a fake cluster" {
	scenario '
  "1 /admin/move 2": [307, {"error": {"code": "not_leader", "message": "node 1 handed the lead of range 2 away", "leader": 2, "leader_addr": "@2", "range_id": 2}}],
  "2 /admin/move 2": [200, {"range": {"range_id": 2, "start_b64": "Ag==", "end": "k5", "replicas": [2, 3, 4], "generation": 5}}],
  "1 /admin/merge 2": [200, {"range": {"range_id": 2, "start_b64": "Ag==", "end": "", "replicas": [1, 2, 3], "generation": 6}}],
  "2 /admin/merge 3": [400, {"error": {"code": "bad_input", "message": "range 3 is the last range: it has no right neighbour to merge"}}],
  "2 /admin/merge 1": [400, {"error": {"code": "bad_input", "message": "the meta range never merges"}}],
  "2 /meta/nodes 6": [204, null],
  "2 /meta/nodes 7": [409, {"error": {"code": "conflict", "message": "node 7 is at 127.0.0.1:9 already; node ids are never reused"}}]' >"$T/sc.json"
	fake_cluster "$T/sc.json"
	# moving the leader's own replica: it hands the lead away, and the
	# request follows it to the new leader
	run -0 --separate-stderr rangectl --node "$A1" move 2 --from 1 --to 4
	assert_output "range 2: moved replica from node 1 to node 4"
	run cat "$T/posts"
	assert_output '1 /admin/move {"from": 1, "range_id": 2, "to": 4}
2 /admin/move {"from": 1, "range_id": 2, "to": 4}'
	run -0 --separate-stderr rangectl --node "$A1" --json move 2 --to 4 --from 1
	assert_output '{"range":{"range_id":2,"start_b64":"Ag==","end":"k5","replicas":[2,3,4],"generation":5}}'
	one_line 1 --node "$A1" move 9 --from 1 --to 4
	assert_equal "$stderr" "rangectl: there is no range 9 (see 'rangectl list')"
	# merge: the merged range, or the leader's refusal
	run -0 --separate-stderr rangectl --node "$A1" merge 2
	assert_output 'range 2: merged with its right neighbour: 2 [\x02, +inf)'
	run -0 --separate-stderr rangectl --node "$A1" --json merge 2
	assert_output '{"range":{"range_id":2,"start_b64":"Ag==","end":"","replicas":[1,2,3],"generation":6}}'
	one_line 1 --node "$A1" merge 3
	assert_equal "$stderr" "rangectl: $A2: range 3 is the last range: it has no right neighbour to merge"
	# the meta range is not in /meta/ranges: its replicas say where it is
	one_line 1 --node "$A1" merge 1
	assert_equal "$stderr" "rangectl: $A2: the meta range never merges"
	# add-node: to the meta leader, following the hint
	: >"$T/posts"
	run -0 --separate-stderr rangectl --node "$A1" add-node 6 127.0.0.1:7106
	assert_output "node 6: registered at 127.0.0.1:7106"
	run cat "$T/posts"
	assert_output '1 /meta/nodes {"address": "127.0.0.1:7106", "id": 6}
2 /meta/nodes {"address": "127.0.0.1:7106", "id": 6}'
	run -0 --separate-stderr rangectl --node "$A1" --json add-node 6 127.0.0.1:7106
	assert_output '{"id":6,"address":"127.0.0.1:7106"}'
	# an id that is another node's is refused for good: exit 1
	one_line 1 --node "$A1" add-node 7 127.0.0.1:7107
	assert_equal "$stderr" "rangectl: $A2: node 7 is at 127.0.0.1:9 already; node ids are never reused"
}

@test "a node that cannot serve meta is passed over, for the other nodes" {
	scenario '' >"$T/sc.json"
	fake_cluster "$T/sc.json"
	# node 3 answers /meta/ranges with 503; --node node3 still lists
	run -0 --separate-stderr rangectl --node "$A3" list
	assert_output "range_id	start	end	leader	replicas	size_bytes	qps
2	\\x02	k5	1	1,2,3	100	1
3	k5	+inf	2	1,2,3	200	0"
	run -0 --separate-stderr rangectl --node "$A3" rebalance --dry-run
	assert_line "move 1 1 4"
}

teardown() {
	daemons_stop_all
}
