#!/usr/bin/env bats
# 530-txn-range.bats -- raftd's transaction endpoints (/txn/*, the range
# side of issue 6; docs/ARCHITECTURE.md section 9, raftd(8) TRANSACTIONS),
# driven directly with curl and jq on real 3-node clusters started with
# contrib/local-cluster (no txcoord):
#   1. one-phase commits write versions at the commit timestamp (absent
#      before it, the value at and after it); a read at a later timestamp
#      pushes a 1PC: refused "retry" with the timestamp to use, or moved
#      there with can_push; read spans that changed fail validation;
#   2. intents and records: a reader at or above an intent's timestamp
#      gets 409 locked naming it, one below does not; plain PUT refuses a
#      locked key; push waits on a live record and names its waiters,
#      then answers the commit; resolve makes the versions; gc; a commit
#      may resolve the intents in its record's range in its own command
#      (only if it commits at that timestamp; a key outside is 421);
#      several transactions' resolutions, and several records'
#      collections, in one request each (a resolver's batch); other
#      transactions' resolutions riding on a write, a 1PC or a record
#      commit (its "ride"), in the same Raft round and applied first;
#   3. a record nobody heartbeats expires and a push aborts it; a missing
#      record (intents laid without one, in another range or the same)
#      is aborted by a push once the intent is old, and that stops its
#      late creation; force aborts a live one;
#   4. refresh: (from, to] exactly, committed versions and foreign
#      intents at or below to, and it moves later writes above to;
#   5. history, intents and records survive a snapshot install (the
#      follower that installed it then leads and reads at the old
#      timestamps) and a split (moved keys, intents and records answer
#      from the new range);
#   6. bad input is 400 in the JSON error shape and proposes nothing;
#   7, 8. a 1PC's read spans, and every key of a write, must be in the
#      range (421 / 400, nothing written);
#   9. timestamps far in the future (reads, a commit at 2^64-1) are
#      refused or harmless: later plain writes are acknowledged, readable
#      by transactions at tsod's time, and no node stops.
#
# Timestamps are HLC values above 2^53: they come from tsod with grep
# (json_int), travel as JSON strings, and jq only compares them as
# strings (jq 1.6 would round them as numbers); arithmetic is bash's
# 64-bit integers.  Each test starts its own cluster; teardown stops it by
# the PIDs local-cluster recorded.  A range's leader starts its timestamp
# cache 1 s in the future (ARCHITECTURE section 9, leader changes), so
# tests that assert exact commit timestamps first wait until a 1PC at a
# fresh timestamp keeps it (warm).

bats_require_minimum_version 1.8.0
load helpers/test_helper

# transaction ids (32 hex digits)
TA=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1
TB=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2
TC=ccccccccccccccccccccccccccccccc3
TD=ddddddddddddddddddddddddddddddd4
TE=eeeeeeeeeeeeeeeeeeeeeeeeeeeeeee5
TF=fffffffffffffffffffffffffffffff6
TX=0123456789abcdef0123456789abcdef
TW=00000000000000000000000000000077	# warm-up writes

setup_file() {
	export T="$BATS_FILE_TMPDIR"
	command -v jq >/dev/null || {
		echo "# t/530-txn-range.bats needs jq" >&3
		return 1
	}
}

teardown() {
	clusters_stop_all
	daemons_stop_all
}

# ---- helpers -----------------------------------------------------------------

# tsod_of DIR: the tsod address of the cluster.
tsod_of() {
	sed -n '/^\[tsod\]/,/^\[/s/^listen = //p' "$1/rangedb.conf"
}

# tso DIR: one fresh timestamp from the cluster's tsod, as exact decimal
# digits (grep, never a JSON number parser).
tso() {
	local t
	t=$(curl -sS --fail --max-time 5 -H 'Content-Type: application/json' \
		-d '{"count":1}' "http://$(tsod_of "$1")/ts" | json_int ts)
	[[ $t =~ ^[1-9][0-9]{15,19}$ ]] || {
		echo "tsod gave no timestamp: '$t'" >&2
		return 1
	}
	echo "$t"
}

# phys TS: the physical part (ms) of an HLC timestamp.
phys() {
	echo $(($1 >> 16))
}

# tx ADDR PATH JSON: POST JSON, following redirects (curl -L sends the
# body again after a 307); sets $code and $body and prints the exchange
# (bats shows it when the test fails).  Fails only when nothing answered.
tx() {
	local out
	out=$(curl -sS -L --max-time 15 -w '\n%{http_code}' \
		-H 'Content-Type: application/json' --data-binary "$3" \
		"http://$1$2" 2>&1) || {
		echo "POST $2 $3: no answer: $out"
		return 1
	}
	code=${out##*$'\n'}
	body=${out%$'\n'*}
	echo "POST $1$2 $3 -> $code $body"
}

# txd ADDR PATH JSON: like tx, but ADDR itself must answer (no redirects).
txd() {
	local out
	out=$(curl -sS --max-time 15 -w '\n%{http_code}' \
		-H 'Content-Type: application/json' --data-binary "$3" \
		"http://$1$2" 2>&1) || {
		echo "POST $2 $3: no answer: $out"
		return 1
	}
	code=${out##*$'\n'}
	body=${out%$'\n'*}
	echo "POST $1$2 $3 -> $code $body"
}

# want STATUS [FILTER [JQ ARGS...]]: the last tx answered STATUS, and the
# jq FILTER (with ARGS, e.g. --arg t "$t") is true of its body.
want() {
	local st=$1 f
	shift
	[ "$code" = "$st" ] || {
		echo "expected status $st, got $code: $body"
		return 1
	}
	(($# > 0)) || return 0
	f=$1
	shift
	jq -e "$@" "$f" <<<"$body" >/dev/null || {
		echo "expected $f ($*) of: $body"
		return 1
	}
}

# want_err STATUS CODE: the last answer is STATUS with the error shape
# {"error":{"code":CODE,"message":"..."}} (more members may follow it).
want_err() {
	want "$1" '(.error | keys) == ["code", "message"] and
		.error.code == $c and (.error.message | length) > 0' --arg c "$2"
}

# want_bad: 400 bad_input, and nothing but the error in the body.
want_bad() {
	want_err 400 bad_input && want 400 'keys == ["error"]'
}

# get ADDR TXN TS KEY: POST /txn/get (tx).
get() {
	tx "$1" /txn/get "{\"txn\":\"$2\",\"ts\":\"$3\",\"key\":\"$4\"}"
}

# found VALUE TS: the last get found VALUE, a version at TS.
found() {
	want 200 '.found == true and .value == $v and .ts == $t' \
		--arg v "$1" --arg t "$2"
}

# absent: the last get found nothing.
absent() {
	want 200 '.found == false'
}

# locked KEY TXN ANCHOR TS: the last answer is 409 locked naming exactly
# that one intent.
locked() {
	want_err 409 locked &&
		want 409 '.intents == [{"key": $k, "txn": $x, "anchor": $a, "ts": $t}]' \
			--arg k "$1" --arg x "$2" --arg a "$3" --arg t "$4"
}

# ops KIND:KEY[:VALUE]...: a JSON "ops" array (put with a value, delete
# without).
ops() {
	local o out='' k v
	for o in "$@"; do
		IFS=: read -r k v <<<"${o#*:}"
		case $o in
		put:*) out+="${out:+,}{\"op\":\"put\",\"key\":\"$k\",\"value\":\"$v\"}" ;;
		delete:*) out+="${out:+,}{\"op\":\"delete\",\"key\":\"$k\"}" ;;
		esac
	done
	echo "[$out]"
}

# record ADDR TXN ANCHOR OP [EXTRA JSON MEMBERS]: POST /txn/record.
record() {
	tx "$1" /txn/record "{\"txn\":\"$2\",\"anchor\":\"$3\",\"op\":\"$4\"${5:+,$5}}"
}

# warm DIR ADDR KEY: wait (10 s at most) until the range of KEY takes a
# 1PC at a fresh timestamp without moving it -- its leader's timestamp
# cache starts 1 s in the future.  Writes KEY.
warm() {
	local t i
	for ((i = 0; i < 50; i++)); do
		t=$(tso "$1") || return 1
		tx "$2" /txn/commit1pc "{\"txn\":\"$TW\",\"ts\":\"$t\",\"ops\":$(ops "put:$3:warm")}" \
			>/dev/null || return 1
		[ "$code" != 200 ] || return 0
		sleep 0.2
	done
	echo "the range of '$3' never took a 1PC at a fresh timestamp: $code $body"
	return 1
}

# leader_addr DIR [RANGE]: the address of RANGE's leader (waits 10 s).
leader_addr() {
	wait_until 10 leader_id "$1" "${2:-2}" || {
		echo "no leader for range ${2:-2}" >&2
		return 1
	}
	node_addr "$1" "$(leader_id "$1" "${2:-2}")"
}

# at_least DIR TS: a fresh timestamp, or TS if that is later (an intent
# laid just after a leader change or a split is stamped up to 1 s ahead).
at_least() {
	local t
	t=$(tso "$1") || return 1
	((t > $2)) || t=$2
	echo "$t"
}

# ms_now: monotonic-enough wall clock in ms.
ms_now() {
	echo $(($(date +%s%N) / 1000000))
}

# range_commit DIR ID RANGE: node ID's commit index of RANGE.
range_commit() {
	node_status_field "$1" "$2" "$3" commit
}

# two_ranges DIR: start a cluster (no automatic splits) and split range 2
# at "m"; sets the caller's a (range 2's leader) and r (the right range).
two_ranges() {
	cluster_start "$1" --raftd auto_split=false
	a=$(leader_addr "$1")
	tx "$a" /admin/split '{"range_id":2,"key":"m"}'
	want 200 || return 1
	r=$(jq -r .right.range_id <<<"$body")
	a=$(leader_addr "$1" 2)
}

# ---- 1 -------------------------------------------------------------------------

@test "1PC: versions at the commit timestamp; a later read moves it (retry or can_push); changed reads fail" {
	local d="$T/onepc" a t0 t1 t3 tw tr tw2 tr2 r w c l f
	cluster_start "$d"
	a=$(leader_addr "$d")
	warm "$d" "$a" w1

	# tsod's timestamps are above 2^53 and read exactly
	t0=$(tso "$d")
	((t0 > 9007199254740992))
	run -0 curl -sS -d '{"count":1}' "http://$(tsod_of "$d")/ts"
	t1=$(json_int ts <<<"$output")
	assert_output --partial "\"ts\":$t1,"
	((t1 > t0))

	# a 1PC of two keys: the version ts is the commit ts asked for
	tx "$a" /txn/commit1pc "{\"txn\":\"$TA\",\"rts\":\"$t1\",\"ts\":\"$t1\",\"ops\":$(ops put:k1:one put:k2:two)}"
	want 200 '.ts == $t and .range_id == 2' --arg t "$t1"
	# absent just before it, there at it and after it
	get "$a" "$TB" $((t1 - 1)) k1
	absent
	get "$a" "$TB" "$t1" k1
	found one "$t1"
	get "$a" "$TB" "$(tso "$d")" k2
	found two "$t1"
	want 200 '.range_id == 2'
	tx "$a" /txn/scan "{\"txn\":\"$TB\",\"ts\":\"$((t1 - 1))\",\"start\":\"k\",\"end\":\"l\"}"
	want 200 '.kvs == [] and .more == false and .range_id == 2'
	tx "$a" /txn/scan "{\"txn\":\"$TB\",\"ts\":\"$t1\",\"start\":\"k\",\"end\":\"l\"}"
	want 200 '.kvs == [{"key":"k1","value":"one","ts":$t},{"key":"k2","value":"two","ts":$t}]
		and .more == false' --arg t "$t1"
	run -0 curl -sS -L --fail "http://$a/kv/k1"
	assert_output one
	# a second version: k1 rewritten, k2 deleted, at t3
	t3=$(tso "$d")
	tx "$a" /txn/commit1pc "{\"txn\":\"$TA\",\"ts\":\"$t3\",\"ops\":$(ops put:k1:uno delete:k2)}"
	want 200 '.ts == $t' --arg t "$t3"
	get "$a" "$TB" $((t3 - 1)) k1
	found one "$t1"
	get "$a" "$TB" "$t3" k1
	found uno "$t3"
	get "$a" "$TB" $((t3 - 1)) k2
	found two "$t1"
	get "$a" "$TB" "$t3" k2
	absent
	run -0 curl -sS -L -o /dev/null -w '%{http_code}' "http://$a/kv/k2"
	assert_output 404

	# a read at a later timestamp came first: a 1PC below it is refused
	# with the timestamp it needs, and nothing is written
	tw=$(tso "$d")
	tr=$(tso "$d")
	get "$a" "$TB" "$tr" k4
	absent
	tx "$a" /txn/commit1pc "{\"txn\":\"$TA\",\"rts\":\"$tw\",\"ts\":\"$tw\",\"ops\":$(ops put:k4:refused)}"
	want_err 409 retry
	want 409 '.ts == $t' --arg t $((tr + 1))
	get "$a" "$TB" "$tr" k4
	absent
	# sent again at that timestamp (after refreshing its reads): taken
	tx "$a" /txn/commit1pc "{\"txn\":\"$TA\",\"rts\":\"$tw\",\"ts\":\"$((tr + 1))\",\"ops\":$(ops put:k4:resent)}"
	want 200 '.ts == $t' --arg t $((tr + 1))
	get "$a" "$TB" "$tr" k4
	absent
	get "$a" "$TB" $((tr + 1)) k4
	found resent $((tr + 1))
	# with can_push the range moves it there by itself
	tw2=$(tso "$d")
	tr2=$(tso "$d")
	get "$a" "$TB" "$tr2" k5
	absent
	tx "$a" /txn/commit1pc "{\"txn\":\"$TA\",\"rts\":\"$tw2\",\"ts\":\"$tw2\",\"can_push\":true,\"ops\":$(ops put:k5:pushed)}"
	want 200 '.ts == $t' --arg t $((tr2 + 1))
	get "$a" "$TB" "$tr2" k5
	absent
	get "$a" "$TB" $((tr2 + 1)) k5
	found pushed $((tr2 + 1))
	# a newer committed version pushes a 1PC the same way (at apply)
	tx "$a" /txn/commit1pc "{\"txn\":\"$TA\",\"rts\":\"$tw2\",\"ts\":\"$((tr2 + 1))\",\"ops\":$(ops put:k5:stale)}"
	want_err 409 retry
	want 409 '.ts == $t' --arg t $((tr2 + 2))
	get "$a" "$TB" "$(tso "$d")" k5
	found pushed $((tr2 + 1))

	# read validation: TC read k6 at r, TB wrote k6 at w > r; TC's 1PC
	# at c that says it read k6 (as a key or in a span) is refused
	r=$(tso "$d")
	get "$a" "$TC" "$r" k6
	absent
	w=$(tso "$d")
	tx "$a" /txn/commit1pc "{\"txn\":\"$TB\",\"ts\":\"$w\",\"ops\":$(ops put:k6:theirs)}"
	want 200 '.ts == $t' --arg t "$w"
	c=$(tso "$d")
	tx "$a" /txn/commit1pc "{\"txn\":\"$TC\",\"rts\":\"$r\",\"ts\":\"$c\",\"reads\":[{\"key\":\"k6\"}],\"ops\":$(ops put:k7:mine)}"
	want_err 409 retry
	want 409 '.error.message | contains("'"'k6'"'") and contains($w)' --arg w "$w"
	tx "$a" /txn/commit1pc "{\"txn\":\"$TC\",\"rts\":\"$r\",\"ts\":\"$c\",\"can_push\":true,\"reads\":[{\"key\":\"k1\"},{\"start\":\"k55\",\"end\":\"k7\"}],\"ops\":$(ops put:k7:mine)}"
	want_err 409 retry
	want 409 '.error.message | contains("'"'k6'"'")'
	# (nothing written: no version at or below c, or the 1PC below at
	# exactly c would have to move; a read at c would move it too)
	get "$a" "$TB" $((c - 1)) k7
	absent
	# the version at rts itself is no change; neither are other keys
	tx "$a" /txn/commit1pc "{\"txn\":\"$TC\",\"rts\":\"$w\",\"ts\":\"$c\",\"reads\":[{\"key\":\"k6\"},{\"start\":\"k1\",\"end\":\"k4\"}],\"ops\":$(ops put:k7:mine)}"
	want 200 '.ts == $t' --arg t "$c"
	get "$a" "$TB" "$c" k7
	found mine "$c"

	# a follower sends /txn/get to the leader: 307, same path
	l=$(leader_id "$d" 2)
	for f in $(node_ids "$d"); do
		[ "$f" = "$l" ] || break
	done
	run -0 curl -sS -D "$d/headers" -w '\nstatus=%{http_code}\n' \
		-d "{\"txn\":\"$TB\",\"ts\":\"$c\",\"key\":\"k7\"}" \
		"http://$(node_addr "$d" "$f")/txn/get"
	assert_line status=307
	assert_output --partial '"code":"not_leader"'
	grep -qi "^Location: http://$a/txn/get" "$d/headers"
}

# ---- 2 -------------------------------------------------------------------------

@test "intents: locked above their ts, not below; plain PUT refused; push waits, then sees the commit; resolve; gc" {
	local d="$T/intents" a t0 w c st el
	cluster_start "$d"
	a=$(leader_addr "$d")
	warm "$d" "$a" w1
	# the committed past
	t0=$(tso "$d")
	tx "$a" /txn/commit1pc "{\"txn\":\"$TB\",\"ts\":\"$t0\",\"ops\":$(ops put:i1:old1 put:i2:old2)}"
	want 200 '.ts == $t' --arg t "$t0"

	# TA lays intents (a put, a delete, a put) and its record at i1
	w=$(tso "$d")
	tx "$a" /txn/write "{\"txn\":\"$TA\",\"ts\":\"$w\",\"anchor\":\"i1\",\"record\":true,\"ops\":$(ops put:i1:new1 delete:i2 put:i3:new3)}"
	want 200 '.ts == $t and .range_id == 2' --arg t "$w"
	# readers at or above the intent's ts meet it
	get "$a" "$TB" "$w" i1
	locked i1 "$TA" i1 "$w"
	get "$a" "$TB" "$(tso "$d")" i2
	locked i2 "$TA" i1 "$w"
	tx "$a" /txn/scan "{\"txn\":\"$TB\",\"ts\":\"$(tso "$d")\",\"start\":\"i\",\"end\":\"j\"}"
	want_err 409 locked
	want 409 '[.intents[] | [.key, .txn, .anchor, .ts]] ==
		[["i1",$x,"i1",$t],["i2",$x,"i1",$t],["i3",$x,"i1",$t]]' --arg x "$TA" --arg t "$w"
	# below it, the committed past
	get "$a" "$TB" $((w - 1)) i1
	found old1 "$t0"
	get "$a" "$TB" $((w - 1)) i2
	found old2 "$t0"
	tx "$a" /txn/scan "{\"txn\":\"$TB\",\"ts\":\"$((w - 1))\",\"start\":\"i\",\"end\":\"j\"}"
	want 200 '[.kvs[] | [.key, .value]] == [["i1","old1"],["i2","old2"]]'
	# the owner's own reads ignore its intents
	get "$a" "$TA" "$(tso "$d")" i1
	found old1 "$t0"
	# plain writes refuse the locked key; plain reads see the committed value
	run -0 http PUT "http://$a/kv/i1" -L --data-binary plain
	assert_line status=409
	assert_output --partial '"code":"conflict"'
	run -0 curl -sS -L --fail "http://$a/kv/i1"
	assert_output old1
	# other transactions' writes meet it too, and write nothing
	tx "$a" /txn/commit1pc "{\"txn\":\"$TB\",\"ts\":\"$(tso "$d")\",\"can_push\":true,\"ops\":$(ops put:i0:x put:i3:theirs)}"
	locked i3 "$TA" i1 "$w"
	tx "$a" /txn/write "{\"txn\":\"$TB\",\"ts\":\"$(tso "$d")\",\"anchor\":\"i0\",\"record\":true,\"ops\":$(ops put:i0:x delete:i2)}"
	locked i2 "$TA" i1 "$w"
	get "$a" "$TC" "$(tso "$d")" i0
	absent
	record "$a" "$TB" i0 query
	want 200 '.status == "missing"'
	# a 1PC that read a locked key fails validation
	tx "$a" /txn/commit1pc "{\"txn\":\"$TB\",\"rts\":\"$t0\",\"ts\":\"$(tso "$d")\",\"can_push\":true,\"reads\":[{\"key\":\"i3\"}],\"ops\":$(ops put:i0:x)}"
	want_err 409 retry
	want 409 '.error.message | contains("'"'i3'"'") and contains($x)' --arg x "$TA"

	# the record: pending, alive, nobody waiting
	record "$a" "$TA" i1 query
	want 200 '.status == "pending" and .expired == false and .waiters == []'
	# a push while it lives waits wait_ms, then names the waiters
	st=$(ms_now)
	tx "$a" /txn/push "{\"pushee\":\"$TA\",\"anchor\":\"i1\",\"pushee_ts\":\"$w\",\"pusher\":\"$TB\",\"wait_ms\":500}"
	el=$(($(ms_now) - st))
	want 200 '.status == "pending" and .waiters == [$b]' --arg b "$TB"
	echo "the push took $el ms"
	((el >= 450))
	# deps wait on the pushee too (transitively)
	tx "$a" /txn/push "{\"pushee\":\"$TA\",\"anchor\":\"i1\",\"pushee_ts\":\"$w\",\"pusher\":\"$TC\",\"deps\":[\"$TD\"],\"wait_ms\":0}"
	want 200 '.status == "pending" and (.waiters | any(. == $c) and any(. == $d))' \
		--arg c "$TC" --arg d "$TD"
	record "$a" "$TA" i1 query
	want 200 '.status == "pending" and (.waiters | any(. == $c) and any(. == $d))' \
		--arg c "$TC" --arg d "$TD"

	# a push that waits sees the commit (it answers pending if its wait
	# ends first)
	c=$(tso "$d")
	tx "$a" /txn/push "{\"pushee\":\"$TA\",\"anchor\":\"i1\",\"pushee_ts\":\"$w\",\"pusher\":\"$TB\",\"wait_ms\":2000}" >"$d/push.out" 3>&- &
	local pid=$!
	sleep 0.3
	record "$a" "$TA" i1 gc
	want_err 409 conflict
	record "$a" "$TA" i1 commit "\"ts\":\"$c\""
	want 200 '. == {"status":"committed","ts":$c}' --arg c "$c"
	wait "$pid"
	cat "$d/push.out"
	grep -q -- "-> 200 {\"status\":\"committed\",\"ts\":\"$c\"}" "$d/push.out"
	# commit is idempotent; abort is refused now
	record "$a" "$TA" i1 commit "\"ts\":\"$c\""
	want 200 '. == {"status":"committed","ts":$c}' --arg c "$c"
	record "$a" "$TA" i1 abort
	want_err 409 conflict
	record "$a" "$TA" i1 query
	want 200 '.status == "committed" and .ts == $c and .expired == false' --arg c "$c"
	# a push answers at once now (not after its 2 s wait)
	st=$(ms_now)
	tx "$a" /txn/push "{\"pushee\":\"$TA\",\"anchor\":\"i1\",\"pushee_ts\":\"$w\",\"pusher\":\"$TB\",\"wait_ms\":2000}"
	el=$(($(ms_now) - st))
	want 200 '.status == "committed" and .ts == $c' --arg c "$c"
	echo "the push took $el ms"
	((el < 1900))
	# the intents are still there until resolved
	get "$a" "$TB" "$c" i1
	locked i1 "$TA" i1 "$w"

	# resolve: only TA's intents, into versions at c
	tx "$a" /txn/resolve "{\"txn\":\"$TB\",\"status\":\"committed\",\"ts\":\"$c\",\"keys\":[\"i1\",\"i2\",\"i3\"]}"
	want 200 '.resolved == 0 and .range_id == 2'
	get "$a" "$TB" "$c" i1
	locked i1 "$TA" i1 "$w"
	tx "$a" /txn/resolve "{\"txn\":\"$TA\",\"status\":\"committed\",\"ts\":\"$c\",\"keys\":[\"i1\",\"i2\",\"i3\",\"i9\"]}"
	want 200 '.resolved == 3 and .range_id == 2'
	tx "$a" /txn/resolve "{\"txn\":\"$TA\",\"status\":\"committed\",\"ts\":\"$c\",\"keys\":[\"i1\",\"i2\",\"i3\"]}"
	want 200 '.resolved == 0'
	get "$a" "$TB" $((c - 1)) i1
	found old1 "$t0"
	get "$a" "$TB" "$c" i1
	found new1 "$c"
	get "$a" "$TB" $((c - 1)) i2
	found old2 "$t0"
	get "$a" "$TB" "$c" i2
	absent
	get "$a" "$TB" "$c" i3
	found new3 "$c"
	run -0 curl -sS -L --fail "http://$a/kv/i1"
	assert_output new1
	run -0 curl -sS -L --fail "http://$a/kv/i3"
	assert_output new3
	run -0 curl -sS -L -o /dev/null -w '%{http_code}' "http://$a/kv/i2"
	assert_output 404
	run -0 curl -sS -L -o /dev/null -w '%{http_code}' -X PUT --data-binary plain "http://$a/kv/i1"
	assert_output 204
	# gc: the record is gone
	record "$a" "$TA" i1 gc
	want 200
	record "$a" "$TA" i1 query
	want 200 '.status == "missing" and .expired == false'
}

@test "a commit resolves its range's intents in its command (not when aborted or at another ts); batched resolve and gc; 421 outside" {
	local d="$T/cres" a r w wa wz c c2
	two_ranges "$d"
	warm "$d" "$a" w1
	# TA: intents on a1, a2 (left range, with its record at a1) and on z1
	w=$(tso "$d")
	tx "$a" /txn/write "{\"txn\":\"$TA\",\"ts\":\"$w\",\"anchor\":\"a1\",\"record\":true,\"ops\":$(ops put:a1:one put:a2:two)}"
	want 200 '.range_id == 2'
	wa=$(jq -r .ts <<<"$body")	# stamped up to 1 s ahead after the split
	tx "$a" /txn/write "{\"txn\":\"$TA\",\"ts\":\"$w\",\"anchor\":\"a1\",\"ops\":$(ops put:z1:zed)}"
	want 200 '.range_id == $r' --argjson r "$r"
	wz=$(jq -r .ts <<<"$body")
	c=$(at_least "$d" $((wa > wz ? wa : wz)))
	# 'resolve' goes with a commit only, and is a non-empty array of keys
	record "$a" "$TA" a1 heartbeat '"resolve":["a1"]'
	want_bad
	record "$a" "$TA" a1 commit "\"ts\":\"$c\",\"resolve\":[]"
	want_bad
	record "$a" "$TA" a1 commit "\"ts\":\"$c\",\"resolve\":\"a1\""
	want_bad
	# a key of another range refuses the whole command: still pending
	record "$a" "$TA" a1 commit "\"ts\":\"$c\",\"resolve\":[\"a1\",\"z1\"]"
	want_err 421 range_moved
	record "$a" "$TA" a1 query
	want 200 '.status == "pending"'
	get "$a" "$TB" "$c" a1
	locked a1 "$TA" a1 "$wa"
	# the commit makes a1 and a2 versions at c in the same command (a9
	# has no intent); z1 is left for a later resolve
	record "$a" "$TA" a1 commit "\"ts\":\"$c\",\"resolve\":[\"a1\",\"a2\",\"a9\"]"
	want 200 '. == {"status":"committed","ts":$c,"resolved":2}' --arg c "$c"
	get "$a" "$TB" "$c" a1
	found one "$c"
	get "$a" "$TB" "$c" a2
	found two "$c"
	get "$a" "$TB" $((c - 1)) a2
	absent
	get "$a" "$TB" "$c" z1
	locked z1 "$TA" a1 "$wz"
	# again: idempotent, nothing left to resolve
	record "$a" "$TA" a1 commit "\"ts\":\"$c\",\"resolve\":[\"a1\",\"a2\"]"
	want 200 '. == {"status":"committed","ts":$c,"resolved":0}' --arg c "$c"

	# TB's record is aborted by a forced push: its commit with resolve is
	# 409 aborted and its intent stays an intent (never a version)
	w=$(tso "$d")
	tx "$a" /txn/write "{\"txn\":\"$TB\",\"ts\":\"$w\",\"anchor\":\"b1\",\"record\":true,\"ops\":$(ops put:b1:bee)}"
	want 200
	w=$(jq -r .ts <<<"$body")
	tx "$a" /txn/push "{\"pushee\":\"$TB\",\"anchor\":\"b1\",\"pushee_ts\":\"$w\",\"force\":true}"
	want 200 '.status == "aborted"'
	c=$(at_least "$d" "$w")
	record "$a" "$TB" b1 commit "\"ts\":\"$c\",\"resolve\":[\"b1\"]"
	want_err 409 aborted
	get "$a" "$TC" "$c" b1
	locked b1 "$TB" b1 "$w"

	# TC's record committed at c: a commit naming another timestamp
	# resolves nothing (its resolutions would be at the wrong one)
	w=$(tso "$d")
	tx "$a" /txn/write "{\"txn\":\"$TC\",\"ts\":\"$w\",\"anchor\":\"c1\",\"record\":true,\"ops\":$(ops put:c1:sea)}"
	want 200
	w=$(jq -r .ts <<<"$body")
	c=$(at_least "$d" "$w")
	record "$a" "$TC" c1 commit "\"ts\":\"$c\""
	want 200 '. == {"status":"committed","ts":$c}' --arg c "$c"
	c2=$((c + 1))
	record "$a" "$TC" c1 commit "\"ts\":\"$c2\",\"resolve\":[\"c1\"]"
	want 200 '. == {"status":"committed","ts":$c,"resolved":0}' --arg c "$c"
	get "$a" "$TD" "$c2" c1
	locked c1 "$TC" c1 "$w"

	# a resolver's batch: several transactions' resolutions in one
	# request (one command), then their records collected in one
	tx "$a" /txn/resolve '{"batch":[]}'
	want_bad
	tx "$a" /txn/resolve "{\"batch\":[{\"txn\":\"$TC\",\"status\":\"committed\",\"ts\":\"$c\",\"keys\":[\"c1\"]},{\"txn\":\"$TA\"}]}"
	want_bad
	want 400 '.error.message | startswith("batch[1]")'
	get "$a" "$TD" "$c2" c1
	locked c1 "$TC" c1 "$w"
	tx "$a" /txn/resolve "{\"batch\":[{\"txn\":\"$TC\",\"status\":\"committed\",\"ts\":\"$c\",\"keys\":[\"c1\"]},{\"txn\":\"$TA\",\"status\":\"committed\",\"ts\":\"$(record "$a" "$TA" a1 query >/dev/null; jq -r .ts <<<"$body")\",\"keys\":[\"z1\"]}]}"
	want_err 421 range_moved		# z1 is in the other range
	tx "$a" /txn/resolve "{\"batch\":[{\"txn\":\"$TC\",\"status\":\"committed\",\"ts\":\"$c\",\"keys\":[\"c1\"]},{\"txn\":\"$TB\",\"status\":\"aborted\",\"keys\":[\"b1\"]}]}"
	want 200 '.resolved == 2 and .range_id == 2'
	get "$a" "$TD" "$c2" c1
	found sea "$c"
	get "$a" "$TD" "$c2" b1
	absent
	# records: TA's and TC's collected, TD's (pending) stays
	tx "$a" /txn/write "{\"txn\":\"$TD\",\"ts\":\"$(tso "$d")\",\"anchor\":\"d1\",\"record\":true,\"ops\":$(ops put:d1:dee)}"
	want 200
	tx "$a" /txn/gc '{"records":[]}'
	want_bad
	tx "$a" /txn/gc "{\"records\":[{\"txn\":\"$TA\",\"anchor\":\"a1\"},{\"txn\":\"$TC\",\"anchor\":\"c1\"},{\"txn\":\"$TD\",\"anchor\":\"d1\"},{\"txn\":\"$TE\",\"anchor\":\"e1\"}]}"
	want 200 '.pending == 1 and .range_id == 2'
	record "$a" "$TA" a1 query
	want 200 '.status == "missing"'
	record "$a" "$TC" c1 query
	want 200 '.status == "missing"'
	record "$a" "$TD" d1 query
	want 200 '.status == "pending"'
}

@test "rides: a write, a 1PC and a record commit carry other transactions' resolutions in their round; a failed ride leaves the command be; a bad one is 400, nothing proposed" {
	local d="$T/ride" a r w wa wz c cb
	two_ranges "$d"
	warm "$d" "$a" w1
	# TA: intents on a1, a2, a3 (left range, record at a1) and z1; committed
	# at c with nothing resolved
	w=$(tso "$d")
	tx "$a" /txn/write "{\"txn\":\"$TA\",\"ts\":\"$w\",\"anchor\":\"a1\",\"record\":true,\"ops\":$(ops put:a1:one put:a2:two put:a3:three)}"
	want 200 '.range_id == 2 and has("ride") == false'
	wa=$(jq -r .ts <<<"$body")
	tx "$a" /txn/write "{\"txn\":\"$TA\",\"ts\":\"$w\",\"anchor\":\"a1\",\"ops\":$(ops put:z1:zed)}"
	want 200 '.range_id == $r' --argjson r "$r"
	wz=$(jq -r .ts <<<"$body")
	c=$(at_least "$d" $((wa > wz ? wa : wz)))
	record "$a" "$TA" a1 commit "\"ts\":\"$c\""
	want 200 '.status == "committed"'
	res() {	# res KEY...: TA's resolution of KEYs, as a ride array
		local k ks=''
		for k in "$@"; do ks+="${ks:+,}\"$k\""; done
		echo "[{\"txn\":\"$TA\",\"status\":\"committed\",\"ts\":\"$c\",\"keys\":[$ks]}]"
	}

	# bad rides: 400, and neither the ride nor the write is proposed
	w=$(tso "$d")
	tx "$a" /txn/write "{\"txn\":\"$TE\",\"ts\":\"$w\",\"anchor\":\"e1\",\"record\":true,\"ops\":$(ops put:e1:eh),\"ride\":\"a1\"}"
	want_bad
	tx "$a" /txn/write "{\"txn\":\"$TE\",\"ts\":\"$w\",\"anchor\":\"e1\",\"record\":true,\"ops\":$(ops put:e1:eh),\"ride\":[]}"
	want_bad
	tx "$a" /txn/write "{\"txn\":\"$TE\",\"ts\":\"$w\",\"anchor\":\"e1\",\"record\":true,\"ops\":$(ops put:e1:eh),\"ride\":[$(res a1 | jq -c '.[0]'),{\"txn\":\"$TA\"}]}"
	want_bad
	want 400 '.error.message | startswith("ride[1]")'
	record "$a" "$TA" a1 heartbeat "\"ride\":$(res a1)"
	want_bad
	record "$a" "$TE" e1 query
	want 200 '.status == "missing"'
	get "$a" "$TD" "$c" e1
	absent
	get "$a" "$TD" "$c" a1
	locked a1 "$TA" a1 "$wa"

	# a write carries the resolution of a1: both in one round
	w=$(tso "$d")
	tx "$a" /txn/write "{\"txn\":\"$TB\",\"ts\":\"$w\",\"anchor\":\"b1\",\"record\":true,\"ops\":$(ops put:b1:bee),\"ride\":$(res a1)}"
	want 200 '.ride == {"resolved": 1} and .range_id == 2'
	get "$a" "$TD" "$c" a1
	found one "$c"
	get "$a" "$TD" "$c" a2
	locked a2 "$TA" a1 "$wa"
	# a 1PC carries a2's
	w=$(at_least "$d" "$c")
	tx "$a" /txn/commit1pc "{\"txn\":\"$TC\",\"ts\":\"$w\",\"can_push\":true,\"ops\":$(ops put:c1:sea),\"ride\":$(res a2)}"
	want 200 '.ride == {"resolved": 1}'
	get "$a" "$TD" "$c" a2
	found two "$c"
	# a record commit carries one that fails (z1 is in the other range):
	# the commit stands, the ride says why it did not
	cb=$(at_least "$d" "$w")
	record "$a" "$TB" b1 commit "\"ts\":\"$cb\",\"ride\":$(res z1)"
	want 200 '.status == "committed" and .ride.error.code == "range_moved"'
	get "$a" "$TD" "$c" z1
	locked z1 "$TA" a1 "$wz"
	# a write that meets an intent whose resolution rides with it goes
	# through: the ride is applied first (b1 is TB's committed intent)
	w=$(at_least "$d" "$cb")
	tx "$a" /txn/write "{\"txn\":\"$TE\",\"ts\":\"$w\",\"anchor\":\"b1\",\"record\":true,\"ops\":$(ops put:b1:again)}"
	want_err 409 locked
	tx "$a" /txn/write "{\"txn\":\"$TE\",\"ts\":\"$w\",\"anchor\":\"b1\",\"record\":true,\"ops\":$(ops put:b1:again),\"ride\":[{\"txn\":\"$TB\",\"status\":\"committed\",\"ts\":\"$cb\",\"keys\":[\"b1\"]}]}"
	want 200 '.ride == {"resolved": 1}'
	get "$a" "$TD" "$cb" b1
	found bee "$cb"
	# a refused command's ride still took effect, but only a 200 says so
	w=$(tso "$d")
	tx "$a" /txn/write "{\"txn\":\"$TF\",\"ts\":\"$w\",\"anchor\":\"b1\",\"record\":true,\"ops\":$(ops put:b1:no),\"ride\":$(res a3)}"
	want_err 409 locked
	want 409 'has("ride") == false'
	get "$a" "$TD" "$c" a3
	found three "$c"
}

# ---- 3 -------------------------------------------------------------------------

# expired DIR ADDR TXN ANCHOR: the record says it expired.
expired() {
	record "$2" "$3" "$4" query && want 200 '.status == "pending" and .expired == true'
}

# older_than DIR TS MS: tsod's clock is more than MS ms past TS.
older_than() {
	local now
	now=$(tso "$1") && (($(phys "$now") > $(phys "$2") + $3))
}

@test "increments: the range adds to the latest committed value; a re-sent write gives the same; no number, overflow, bad by: 400, nothing written" {
	local d="$T/incr" a t1 t2 t3 t4 many i
	cluster_start "$d"
	a=$(leader_addr "$d")
	warm "$d" "$a" w1
	# a 1PC of two increments from nothing: their values come back
	t1=$(tso "$d")
	tx "$a" /txn/commit1pc "{\"txn\":\"$TA\",\"ts\":\"$t1\",\"can_push\":true,\"ops\":[{\"op\":\"incr\",\"key\":\"c1\",\"by\":5},{\"op\":\"put\",\"key\":\"c0\",\"value\":\"x\"},{\"op\":\"incr\",\"key\":\"c2\",\"by\":\"-2\"}]}"
	want 200 '.values == ["5", "-2"] and .ts == $t' --arg t "$t1"
	get "$a" "$TB" "$t1" c1
	found 5 "$t1"
	get "$a" "$TB" "$t1" c2
	found -2 "$t1"
	# an intent of an increment: the same value however often it is sent
	t2=$(tso "$d")
	for i in 1 2; do
		tx "$a" /txn/write "{\"txn\":\"$TB\",\"ts\":\"$t2\",\"anchor\":\"c1\",\"record\":true,\"ops\":[{\"op\":\"incr\",\"key\":\"c1\",\"by\":10}]}"
		want 200 '.values == ["15"] and .ts == $t' --arg t "$t2"
	done
	t3=$(tso "$d")
	txd "$a" /txn/record "{\"txn\":\"$TB\",\"anchor\":\"c1\",\"op\":\"commit\",\"ts\":\"$t2\",\"resolve\":[\"c1\"]}"
	want 200 '.status == "committed"'
	get "$a" "$TC" "$t3" c1
	found 15 "$t2"
	# not a number, an overflow: 400 bad_input naming the key, nothing
	# of the command written
	t4=$(tso "$d")
	tx "$a" /txn/commit1pc "{\"txn\":\"$TA\",\"ts\":\"$t4\",\"ops\":$(ops put:c3:abc put:c4:9223372036854775807)}"
	want 200
	tx "$a" /txn/commit1pc "{\"txn\":\"$TA\",\"ts\":\"$(tso "$d")\",\"can_push\":true,\"ops\":[{\"op\":\"put\",\"key\":\"c5\",\"value\":\"y\"},{\"op\":\"incr\",\"key\":\"c3\",\"by\":1}]}"
	want_bad
	want 400 '.error.message | test("c3.*not a decimal integer")'
	tx "$a" /txn/commit1pc "{\"txn\":\"$TA\",\"ts\":\"$(tso "$d")\",\"can_push\":true,\"ops\":[{\"op\":\"incr\",\"key\":\"c4\",\"by\":1}]}"
	want_bad
	want 400 '.error.message | test("c4.*overflow")'
	get "$a" "$TC" "$(tso "$d")" c5
	absent
	get "$a" "$TC" "$(tso "$d")" c4
	found 9223372036854775807 "$t4"
	# a bad "by", or more increments than a write takes: refused at once
	tx "$a" /txn/commit1pc "{\"txn\":\"$TA\",\"ts\":\"$(tso "$d")\",\"ops\":[{\"op\":\"incr\",\"key\":\"c1\",\"by\":\"two\"}]}"
	want_bad
	tx "$a" /txn/commit1pc "{\"txn\":\"$TA\",\"ts\":\"$(tso "$d")\",\"ops\":[{\"op\":\"incr\",\"key\":\"c1\"}]}"
	want_bad
	many=$(for i in $(seq 1 17); do printf '{"op":"incr","key":"m%d","by":1},' "$i"; done)
	tx "$a" /txn/commit1pc "{\"txn\":\"$TA\",\"ts\":\"$(tso "$d")\",\"ops\":[${many%,}]}"
	want_err 413 too_large
	get "$a" "$TC" "$(tso "$d")" c1
	found 15 "$t2"
}

@test "expiry: an unheartbeated record is aborted by a push; a missing record too, once old, which stops its creation" {
	local d="$T/expiry" a ra r dts ets xts fts
	cluster_start "$d" --raftd auto_split=false
	a=$(leader_addr "$d")
	tx "$a" /admin/split '{"range_id":2,"key":"m"}'
	want 200 '.right.start == "m"'
	r=$(jq -r .right.range_id <<<"$body")
	ra=$(leader_addr "$d" "$r")
	a=$(leader_addr "$d" 2)

	# missing records, laid first (they must age 3 s): TD's intents in
	# the right range name an anchor in the left one; TE's intents and
	# anchor share the left range; neither record is ever created
	tx "$ra" /txn/write "{\"txn\":\"$TD\",\"ts\":\"$(tso "$d")\",\"anchor\":\"danchor\",\"ops\":$(ops put:md1:d1 put:md2:d2)}"
	want 200 '.range_id == $r' --argjson r "$r"
	dts=$(jq -r .ts <<<"$body")
	tx "$a" /txn/write "{\"txn\":\"$TE\",\"ts\":\"$(tso "$d")\",\"anchor\":\"ea\",\"ops\":$(ops put:ea:e1 delete:eb)}"
	want 200 '.range_id == 2'
	ets=$(jq -r .ts <<<"$body")
	get "$ra" "$TB" "$(at_least "$d" "$dts")" md1
	locked md1 "$TD" danchor "$dts"
	get "$ra" "$TB" $((dts - 1)) md1
	absent
	get "$a" "$TB" "$(at_least "$d" "$ets")" eb
	locked eb "$TE" ea "$ets"
	record "$a" "$TD" danchor query
	want 200 '.status == "missing"'
	# young: a push leaves them alone and says "missing" at once (the
	# pusher looks at the intent again: its owner may have resolved it
	# and collected the record)
	tx "$a" /txn/push "{\"pushee\":\"$TD\",\"anchor\":\"danchor\",\"pushee_ts\":\"$dts\",\"pusher\":\"$TB\",\"wait_ms\":0}"
	want 200 '.status == "missing"'
	tx "$a" /txn/push "{\"pushee\":\"$TE\",\"anchor\":\"ea\",\"pushee_ts\":\"$ets\",\"wait_ms\":0}"
	want 200 '.status == "missing"'
	record "$a" "$TD" danchor query
	want 200 '.status == "missing"'

	# a record with a 1 s timeout that nobody heartbeats
	tx "$a" /txn/write "{\"txn\":\"$TX\",\"ts\":\"$(tso "$d")\",\"anchor\":\"x1\",\"record\":true,\"timeout_ms\":1000,\"ops\":$(ops put:x1:gone put:x2:gone)}"
	want 200
	xts=$(jq -r .ts <<<"$body")
	record "$a" "$TX" x1 query
	want 200 '.status == "pending" and .expired == false'
	tx "$a" /txn/push "{\"pushee\":\"$TX\",\"anchor\":\"x1\",\"pushee_ts\":\"$xts\",\"pusher\":\"$TB\",\"wait_ms\":0}"
	want 200 '.status == "pending"'
	sleep 1.5
	wait_until 5 expired "$d" "$a" "$TX" x1
	tx "$a" /txn/push "{\"pushee\":\"$TX\",\"anchor\":\"x1\",\"pushee_ts\":\"$xts\",\"pusher\":\"$TB\",\"wait_ms\":0}"
	want 200 '. == {"status":"aborted"}'
	record "$a" "$TX" x1 query
	want 200 '.status == "aborted" and .expired == false'
	# too late for its coordinator
	record "$a" "$TX" x1 commit "\"ts\":\"$(tso "$d")\""
	want_err 409 aborted
	record "$a" "$TX" x1 heartbeat
	want_err 409 aborted
	tx "$a" /txn/write "{\"txn\":\"$TX\",\"ts\":\"$(tso "$d")\",\"anchor\":\"x1\",\"record\":true,\"ops\":$(ops put:x1:again put:x3:again)}"
	want_err 409 aborted
	record "$a" "$TX" x1 query
	want 200 '.status == "aborted"'
	# its intents stay until resolved as aborted; x3 was never laid
	get "$a" "$TB" "$(at_least "$d" "$xts")" x1
	locked x1 "$TX" x1 "$xts"
	get "$a" "$TB" "$(tso "$d")" x3
	absent
	tx "$a" /txn/resolve "{\"txn\":\"$TX\",\"status\":\"aborted\",\"keys\":[\"x1\",\"x2\",\"x3\"]}"
	want 200 '.resolved == 2'
	get "$a" "$TB" "$(tso "$d")" x1
	absent
	get "$a" "$TB" "$(tso "$d")" x2
	absent
	# the keys are writable again
	run -0 curl -sS -L -o /dev/null -w '%{http_code}' -X PUT --data-binary free "http://$a/kv/x1"
	assert_output 204
	tx "$a" /txn/commit1pc "{\"txn\":\"$TB\",\"ts\":\"$(tso "$d")\",\"can_push\":true,\"ops\":$(ops put:x2:free)}"
	want 200
	run -0 curl -sS -L --fail "http://$a/kv/x2"
	assert_output free
	# gc of the aborted record
	record "$a" "$TX" x1 gc
	want 200
	record "$a" "$TX" x1 query
	want 200 '.status == "missing"'

	# force aborts a live record (the deadlock victim)
	tx "$a" /txn/write "{\"txn\":\"$TF\",\"ts\":\"$(tso "$d")\",\"anchor\":\"f1\",\"record\":true,\"timeout_ms\":600000,\"ops\":$(ops put:f1:v)}"
	want 200
	fts=$(jq -r .ts <<<"$body")
	tx "$a" /txn/push "{\"pushee\":\"$TF\",\"anchor\":\"f1\",\"pushee_ts\":\"$fts\",\"wait_ms\":0}"
	want 200 '.status == "pending"'
	tx "$a" /txn/push "{\"pushee\":\"$TF\",\"anchor\":\"f1\",\"pushee_ts\":\"$fts\",\"force\":true,\"wait_ms\":0}"
	want 200 '. == {"status":"aborted"}'
	record "$a" "$TF" f1 commit "\"ts\":\"$(tso "$d")\""
	want_err 409 aborted

	# the missing records, now old: a push aborts them and writes ABORTED
	wait_until 10 older_than "$d" "$dts" 3500
	wait_until 10 older_than "$d" "$ets" 3500
	tx "$a" /txn/push "{\"pushee\":\"$TD\",\"anchor\":\"danchor\",\"pushee_ts\":\"$dts\",\"pusher\":\"$TB\",\"wait_ms\":0}"
	want 200 '. == {"status":"aborted"}'
	record "$a" "$TD" danchor query
	want 200 '.status == "aborted"'
	tx "$a" /txn/push "{\"pushee\":\"$TE\",\"anchor\":\"ea\",\"pushee_ts\":\"$ets\",\"wait_ms\":0}"
	want 200 '. == {"status":"aborted"}'
	# which stops a late creation, and the intents it would lay
	tx "$a" /txn/write "{\"txn\":\"$TD\",\"ts\":\"$(tso "$d")\",\"anchor\":\"danchor\",\"record\":true,\"ops\":$(ops put:danchor:late)}"
	want_err 409 aborted
	get "$a" "$TB" "$(tso "$d")" danchor
	absent
	tx "$a" /txn/write "{\"txn\":\"$TE\",\"ts\":\"$(tso "$d")\",\"anchor\":\"ea\",\"record\":true,\"ops\":$(ops put:ea:late put:ec:late)}"
	want_err 409 aborted
	get "$a" "$TB" "$(tso "$d")" ec
	absent
	record "$a" "$TD" danchor heartbeat
	want_err 409 aborted
	# the pushers resolve them as aborted, each in its range
	tx "$ra" /txn/resolve "{\"txn\":\"$TD\",\"status\":\"aborted\",\"keys\":[\"md1\",\"md2\"]}"
	want 200 '.resolved == 2 and .range_id == $r' --argjson r "$r"
	tx "$a" /txn/resolve "{\"txn\":\"$TE\",\"status\":\"aborted\",\"keys\":[\"ea\",\"eb\"]}"
	want 200 '.resolved == 2 and .range_id == 2'
	get "$ra" "$TB" "$(tso "$d")" md1
	absent
	get "$a" "$TB" "$(tso "$d")" eb
	absent
}

# ---- 4 -------------------------------------------------------------------------

@test "refresh: ok when nothing changed in (from, to]; retry naming a newer version or a foreign intent at or below to" {
	local d="$T/refresh" a t0 from to w its c
	cluster_start "$d"
	a=$(leader_addr "$d")
	warm "$d" "$a" w1
	t0=$(tso "$d")
	tx "$a" /txn/commit1pc "{\"txn\":\"$TB\",\"ts\":\"$t0\",\"ops\":$(ops put:r1:one)}"
	want 200
	from=$(tso "$d")
	to=$(tso "$d")
	# nothing changed
	tx "$a" /txn/refresh "{\"txn\":\"$TA\",\"from\":\"$from\",\"to\":\"$to\",\"spans\":[{\"key\":\"r1\"},{\"start\":\"r\",\"end\":\"s\"}]}"
	want 200 '. == {"range_id":2}'
	# and it moved later writes in those spans above to
	tx "$a" /txn/commit1pc "{\"txn\":\"$TB\",\"ts\":\"$to\",\"ops\":$(ops put:r5:five)}"
	want_err 409 retry
	want 409 '.ts == $t' --arg t $((to + 1))

	# a version lands in (from, to]
	w=$(tso "$d")
	tx "$a" /txn/commit1pc "{\"txn\":\"$TB\",\"ts\":\"$w\",\"ops\":$(ops put:r2:two)}"
	want 200 '.ts == $t' --arg t "$w"
	tx "$a" /txn/refresh "{\"txn\":\"$TA\",\"from\":\"$from\",\"to\":\"$w\",\"spans\":[{\"start\":\"r\",\"end\":\"s\"}]}"
	want_err 409 retry
	want 409 '.error.message | contains("'"'r2'"'") and contains($w)' --arg w "$w"
	tx "$a" /txn/refresh "{\"txn\":\"$TA\",\"from\":\"$from\",\"to\":\"$w\",\"spans\":[{\"key\":\"r1\"},{\"key\":\"r2\"}]}"
	want_err 409 retry
	want 409 '.error.message | contains("'"'r2'"'")'
	# the bounds: (from, to]
	tx "$a" /txn/refresh "{\"txn\":\"$TA\",\"from\":\"$from\",\"to\":\"$((w - 1))\",\"spans\":[{\"start\":\"r\",\"end\":\"s\"}]}"
	want 200 '. == {"range_id":2}'
	tx "$a" /txn/refresh "{\"txn\":\"$TA\",\"from\":\"$w\",\"to\":\"$(tso "$d")\",\"spans\":[{\"start\":\"r\",\"end\":\"s\"}]}"
	want 200
	# other keys did not change
	tx "$a" /txn/refresh "{\"txn\":\"$TA\",\"from\":\"$from\",\"to\":\"$(tso "$d")\",\"spans\":[{\"key\":\"r1\"},{\"start\":\"r3\",\"end\":\"s\"},{\"start\":\"q\",\"end\":\"r2\"}]}"
	want 200

	# a foreign intent at or below to
	tx "$a" /txn/write "{\"txn\":\"$TC\",\"ts\":\"$(tso "$d")\",\"anchor\":\"r4\",\"ops\":$(ops put:r4:four)}"
	want 200
	its=$(jq -r .ts <<<"$body")
	tx "$a" /txn/refresh "{\"txn\":\"$TA\",\"from\":\"$from\",\"to\":\"$its\",\"spans\":[{\"start\":\"r3\",\"end\":\"s\"}]}"
	want_err 409 retry
	want 409 '.error.message | contains("'"'r4'"'") and contains($x)' --arg x "$TC"
	tx "$a" /txn/refresh "{\"txn\":\"$TA\",\"from\":\"$from\",\"to\":\"$(tso "$d")\",\"spans\":[{\"key\":\"r4\"}]}"
	want_err 409 retry
	want 409 '.error.message | contains("'"'r4'"'") and contains($x)' --arg x "$TC"
	# above to it is not a conflict; nor is one's own intent
	tx "$a" /txn/refresh "{\"txn\":\"$TA\",\"from\":\"$from\",\"to\":\"$((its - 1))\",\"spans\":[{\"start\":\"r3\",\"end\":\"s\"},{\"key\":\"r4\"}]}"
	want 200
	tx "$a" /txn/refresh "{\"txn\":\"$TC\",\"from\":\"$from\",\"to\":\"$(tso "$d")\",\"spans\":[{\"start\":\"r3\",\"end\":\"s\"},{\"key\":\"r4\"}]}"
	want 200
	# resolved as aborted, it is gone: the span is clean again
	tx "$a" /txn/resolve "{\"txn\":\"$TC\",\"status\":\"aborted\",\"keys\":[\"r4\"]}"
	want 200 '.resolved == 1'
	c=$(tso "$d")
	tx "$a" /txn/refresh "{\"txn\":\"$TA\",\"from\":\"$from\",\"to\":\"$c\",\"spans\":[{\"start\":\"r3\",\"end\":\"s\"}]}"
	want 200 '. == {"range_id":2}'
}

# ---- 5 -------------------------------------------------------------------------

@test "history, intents and records survive a snapshot install: the follower that installed it leads and reads at the old timestamps" {
	local d="$T/snap" l f a fa t1 t2 its ct hist snap i c
	cluster_start "$d" --snapshot-entries 50
	l=$(leader_id "$d" 2)
	for f in $(node_ids "$d"); do
		[ "$f" = "$l" ] || break
	done
	a=$(node_addr "$d" "$l")
	fa=$(node_addr "$d" "$f")
	warm "$d" "$a" w1
	# node f is down while the history is written and the log compacted
	run -0 chaos kill-node "$f"
	echo "$output"
	t1=$(tso "$d")
	tx "$a" /txn/commit1pc "{\"txn\":\"$TB\",\"ts\":\"$t1\",\"ops\":$(ops put:h1:v1 put:h2:v1 put:h3:v1)}"
	want 200 '.ts == $t' --arg t "$t1"
	t2=$(tso "$d")
	tx "$a" /txn/commit1pc "{\"txn\":\"$TB\",\"ts\":\"$t2\",\"ops\":$(ops put:h1:v2 delete:h2 put:h3:v2)}"
	want 200 '.ts == $t' --arg t "$t2"
	# an intent of TA (record at h9, pending) and a committed record of TC
	tx "$a" /txn/write "{\"txn\":\"$TA\",\"ts\":\"$(tso "$d")\",\"anchor\":\"h9\",\"record\":true,\"timeout_ms\":600000,\"ops\":$(ops put:h4:four put:h9:nine)}"
	want 200
	its=$(jq -r .ts <<<"$body")
	tx "$a" /txn/write "{\"txn\":\"$TC\",\"ts\":\"$(tso "$d")\",\"anchor\":\"h8\",\"record\":true,\"ops\":$(ops put:h8:eight)}"
	want 200
	ct=$(tso "$d")
	record "$a" "$TC" h8 commit "\"ts\":\"$ct\""
	want 200 '.status == "committed"'
	hist=$(range_commit "$d" "$l" 2)
	for i in $(seq 1 70); do
		put_sure "$d" "z$i" "filler $i"
	done
	# the leader compacted past the history
	snap=$(node_status_field "$d" "$(leader_id "$d" 2)" 2 snapshot_index)
	echo "history up to index $hist, leader's snapshot index $snap"
	((snap > hist))
	run -0 chaos restart "$f"
	echo "$output"
	assert_output --partial "caught up: node $f"
	grep 'snapshot installed' "$d/node$f.log"
	grep -q 'snapshot installed.*range=2' "$d/node$f.log"

	# node f leads range 2 and serves from the state the image gave it
	l=$(leader_id "$d" 2)
	tx "$(node_addr "$d" "$l")" /admin/transfer-leader "{\"range_id\":2,\"node\":$f}"
	want 200 '.leader == $f' --argjson f "$f"
	leads() { [ "$(leader_id "$d" 2)" = "$f" ]; }
	wait_until 10 leads
	for i in 1 2 3; do
		txd "$fa" /txn/get "{\"txn\":\"$TD\",\"ts\":\"$((t1 - 1))\",\"key\":\"h$i\"}"
		absent
		txd "$fa" /txn/get "{\"txn\":\"$TD\",\"ts\":\"$t1\",\"key\":\"h$i\"}"
		found v1 "$t1"
		txd "$fa" /txn/get "{\"txn\":\"$TD\",\"ts\":\"$((t2 - 1))\",\"key\":\"h$i\"}"
		found v1 "$t1"
	done
	txd "$fa" /txn/get "{\"txn\":\"$TD\",\"ts\":\"$t2\",\"key\":\"h1\"}"
	found v2 "$t2"
	txd "$fa" /txn/get "{\"txn\":\"$TD\",\"ts\":\"$t2\",\"key\":\"h2\"}"
	absent
	txd "$fa" /txn/get "{\"txn\":\"$TD\",\"ts\":\"$t2\",\"key\":\"h3\"}"
	found v2 "$t2"
	txd "$fa" /txn/scan "{\"txn\":\"$TD\",\"ts\":\"$t1\",\"start\":\"h\",\"end\":\"h4\"}"
	want 200 '.kvs == [{"key":"h1","value":"v1","ts":$t},{"key":"h2","value":"v1","ts":$t},
		{"key":"h3","value":"v1","ts":$t}]' --arg t "$t1"
	txd "$fa" /txn/scan "{\"txn\":\"$TD\",\"ts\":\"$t2\",\"start\":\"h\",\"end\":\"h4\"}"
	want 200 '.kvs == [{"key":"h1","value":"v2","ts":$t},{"key":"h3","value":"v2","ts":$t}]' --arg t "$t2"
	# the lock table came along: TA's intents and record, TC's record
	txd "$fa" /txn/get "{\"txn\":\"$TD\",\"ts\":\"$(at_least "$d" "$its")\",\"key\":\"h4\"}"
	locked h4 "$TA" h9 "$its"
	txd "$fa" /txn/record "{\"txn\":\"$TA\",\"anchor\":\"h9\",\"op\":\"query\"}"
	want 200 '.status == "pending" and .expired == false'
	txd "$fa" /txn/record "{\"txn\":\"$TC\",\"anchor\":\"h8\",\"op\":\"query\"}"
	want 200 '.status == "committed" and .ts == $t' --arg t "$ct"
	# and TA commits and resolves there
	c=$(tso "$d")
	txd "$fa" /txn/record "{\"txn\":\"$TA\",\"anchor\":\"h9\",\"op\":\"commit\",\"ts\":\"$c\"}"
	want 200 '.status == "committed"'
	txd "$fa" /txn/resolve "{\"txn\":\"$TA\",\"status\":\"committed\",\"ts\":\"$c\",\"keys\":[\"h4\",\"h9\"]}"
	want 200 '.resolved == 2'
	txd "$fa" /txn/get "{\"txn\":\"$TD\",\"ts\":\"$c\",\"key\":\"h4\"}"
	found four "$c"
	txd "$fa" /txn/resolve "{\"txn\":\"$TC\",\"status\":\"committed\",\"ts\":\"$ct\",\"keys\":[\"h8\"]}"
	want 200 '.resolved == 1'
	txd "$fa" /txn/get "{\"txn\":\"$TD\",\"ts\":\"$ct\",\"key\":\"h8\"}"
	found eight "$ct"
	# every replica applied the same
	wait_until 10 cluster_caught_up "$d" 2
}

@test "history, intents and records survive a split: moved keys, intents and records answer from the new range" {
	local d="$T/split" a ra r t1 t2 its bts c c2
	cluster_start "$d" --raftd auto_split=false
	a=$(leader_addr "$d")
	warm "$d" "$a" w1
	t1=$(tso "$d")
	tx "$a" /txn/commit1pc "{\"txn\":\"$TC\",\"ts\":\"$t1\",\"ops\":$(ops put:s1:v1 put:s5:v1 put:s8:v1)}"
	want 200 '.ts == $t' --arg t "$t1"
	t2=$(tso "$d")
	tx "$a" /txn/commit1pc "{\"txn\":\"$TC\",\"ts\":\"$t2\",\"ops\":$(ops put:s1:v2 put:s5:v2 delete:s8)}"
	want 200 '.ts == $t' --arg t "$t2"
	# TA: intents and record right of the split key; TB: record left,
	# an intent on each side
	tx "$a" /txn/write "{\"txn\":\"$TA\",\"ts\":\"$(tso "$d")\",\"anchor\":\"s6\",\"record\":true,\"timeout_ms\":600000,\"ops\":$(ops put:s6:x6 delete:s7)}"
	want 200
	its=$(jq -r .ts <<<"$body")
	tx "$a" /txn/write "{\"txn\":\"$TB\",\"ts\":\"$(tso "$d")\",\"anchor\":\"s2\",\"record\":true,\"timeout_ms\":600000,\"ops\":$(ops put:s2:y2 put:s9:y9)}"
	want 200
	bts=$(jq -r .ts <<<"$body")

	tx "$a" /admin/split '{"range_id":2,"key":"s4"}'
	want 200 '.left.range_id == 2 and .left.end == "s4" and .right.start == "s4"'
	r=$(jq -r .right.range_id <<<"$body")
	ra=$(leader_addr "$d" "$r")
	a=$(leader_addr "$d" 2)
	# the old versions of the moved keys, from the new range
	txd "$ra" /txn/get "{\"txn\":\"$TD\",\"ts\":\"$((t1 - 1))\",\"key\":\"s5\"}"
	want 200 '.found == false and .range_id == $r' --argjson r "$r"
	txd "$ra" /txn/get "{\"txn\":\"$TD\",\"ts\":\"$t1\",\"key\":\"s5\"}"
	found v1 "$t1"
	want 200 '.range_id == $r' --argjson r "$r"
	txd "$ra" /txn/get "{\"txn\":\"$TD\",\"ts\":\"$t2\",\"key\":\"s5\"}"
	found v2 "$t2"
	txd "$ra" /txn/get "{\"txn\":\"$TD\",\"ts\":\"$t1\",\"key\":\"s8\"}"
	found v1 "$t1"
	txd "$ra" /txn/get "{\"txn\":\"$TD\",\"ts\":\"$t2\",\"key\":\"s8\"}"
	absent
	txd "$ra" /txn/scan "{\"txn\":\"$TD\",\"ts\":\"$t1\",\"start\":\"s4\",\"end\":\"s6\"}"
	want 200 '.kvs == [{"key":"s5","value":"v1","ts":$t}] and .range_id == $r' \
		--arg t "$t1" --argjson r "$r"
	# and of the keys that stayed
	txd "$a" /txn/get "{\"txn\":\"$TD\",\"ts\":\"$t1\",\"key\":\"s1\"}"
	found v1 "$t1"
	want 200 '.range_id == 2'
	txd "$a" /txn/get "{\"txn\":\"$TD\",\"ts\":\"$t2\",\"key\":\"s1\"}"
	found v2 "$t2"
	# a scan of the left range stops at the split key
	txd "$a" /txn/scan "{\"txn\":\"$TD\",\"ts\":\"$t1\",\"start\":\"s\",\"end\":\"t\"}"
	want 200 '.kvs == [{"key":"s1","value":"v1","ts":$t}] and .more == true and
		.resume == "s4" and .range_id == 2' --arg t "$t1"

	# intents laid before the split: still there, each in its range
	txd "$ra" /txn/get "{\"txn\":\"$TD\",\"ts\":\"$(at_least "$d" "$its")\",\"key\":\"s6\"}"
	locked s6 "$TA" s6 "$its"
	txd "$ra" /txn/get "{\"txn\":\"$TD\",\"ts\":\"$(at_least "$d" "$its")\",\"key\":\"s7\"}"
	locked s7 "$TA" s6 "$its"
	txd "$ra" /txn/get "{\"txn\":\"$TD\",\"ts\":\"$(at_least "$d" "$bts")\",\"key\":\"s9\"}"
	locked s9 "$TB" s2 "$bts"
	txd "$a" /txn/get "{\"txn\":\"$TD\",\"ts\":\"$(at_least "$d" "$bts")\",\"key\":\"s2\"}"
	locked s2 "$TB" s2 "$bts"
	# a write across the split is refused whole
	tx "$a" /txn/write "{\"txn\":\"$TE\",\"ts\":\"$(tso "$d")\",\"anchor\":\"s3\",\"record\":true,\"ops\":$(ops put:s3:e put:s5:e)}"
	want_err 421 range_moved
	txd "$a" /txn/get "{\"txn\":\"$TD\",\"ts\":\"$(tso "$d")\",\"key\":\"s3\"}"
	absent
	txd "$a" /txn/record "{\"txn\":\"$TE\",\"anchor\":\"s3\",\"op\":\"query\"}"
	want 200 '.status == "missing"'

	# TA's record moved with its anchor: queried and committed there
	txd "$ra" /txn/record "{\"txn\":\"$TA\",\"anchor\":\"s6\",\"op\":\"query\"}"
	want 200 '.status == "pending" and .expired == false'
	c=$(tso "$d")
	txd "$ra" /txn/record "{\"txn\":\"$TA\",\"anchor\":\"s6\",\"op\":\"commit\",\"ts\":\"$c\"}"
	want 200 '. == {"status":"committed","ts":$c}' --arg c "$c"
	txd "$ra" /txn/push "{\"pushee\":\"$TA\",\"anchor\":\"s6\",\"pushee_ts\":\"$its\",\"pusher\":\"$TD\",\"wait_ms\":0}"
	want 200 '.status == "committed" and .ts == $c' --arg c "$c"
	txd "$ra" /txn/resolve "{\"txn\":\"$TA\",\"status\":\"committed\",\"ts\":\"$c\",\"keys\":[\"s6\",\"s7\"]}"
	want 200 '.resolved == 2 and .range_id == $r' --argjson r "$r"
	txd "$ra" /txn/get "{\"txn\":\"$TD\",\"ts\":\"$c\",\"key\":\"s6\"}"
	found x6 "$c"
	txd "$ra" /txn/get "{\"txn\":\"$TD\",\"ts\":\"$c\",\"key\":\"s7\"}"
	absent
	# TB's record stayed left; its intents resolve on both sides
	txd "$a" /txn/record "{\"txn\":\"$TB\",\"anchor\":\"s2\",\"op\":\"query\"}"
	want 200 '.status == "pending"'
	c2=$(tso "$d")
	txd "$a" /txn/record "{\"txn\":\"$TB\",\"anchor\":\"s2\",\"op\":\"commit\",\"ts\":\"$c2\"}"
	want 200 '.status == "committed"'
	txd "$ra" /txn/resolve "{\"txn\":\"$TB\",\"status\":\"committed\",\"ts\":\"$c2\",\"keys\":[\"s9\"]}"
	want 200 '.resolved == 1 and .range_id == $r' --argjson r "$r"
	txd "$a" /txn/resolve "{\"txn\":\"$TB\",\"status\":\"committed\",\"ts\":\"$c2\",\"keys\":[\"s2\"]}"
	want 200 '.resolved == 1 and .range_id == 2'
	txd "$ra" /txn/get "{\"txn\":\"$TD\",\"ts\":\"$c2\",\"key\":\"s9\"}"
	found y9 "$c2"
	txd "$a" /txn/get "{\"txn\":\"$TD\",\"ts\":\"$c2\",\"key\":\"s2\"}"
	found y2 "$c2"
	wait_until 10 cluster_caught_up "$d" 2
	wait_until 10 cluster_caught_up "$d" "$r"
}

# ---- 6 -------------------------------------------------------------------------

@test "bad input: 400 in the error shape, and nothing is proposed" {
	local d="$T/bad" a l t before after p ok
	cluster_start "$d"
	a=$(leader_addr "$d")
	l=$(leader_id "$d" 2)
	t=$(tso "$d")
	tx "$a" /txn/commit1pc "{\"txn\":\"$TA\",\"ts\":\"$t\",\"can_push\":true,\"ops\":$(ops put:b1:one)}"
	want 200
	wait_until 10 cluster_caught_up "$d" 2
	before=$(range_commit "$d" "$l" 2)
	ok=$(printf '[{"op":"put","key":"b1","value":"two"}]')

	# malformed ids
	for p in '"xyz"' '"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"' '"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa0"' \
		'"gaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"' 5 '""' null; do
		tx "$a" /txn/get "{\"txn\":$p,\"ts\":\"$t\",\"key\":\"b1\"}"
		want_bad
		tx "$a" /txn/commit1pc "{\"txn\":$p,\"ts\":\"$t\",\"ops\":$ok}"
		want_bad
		tx "$a" /txn/push "{\"pushee\":$p,\"anchor\":\"b1\",\"pushee_ts\":\"$t\"}"
		want_bad
	done
	tx "$a" /txn/push "{\"pushee\":\"$TA\",\"pusher\":\"q\",\"anchor\":\"b1\",\"pushee_ts\":\"$t\"}"
	want_bad
	tx "$a" /txn/write "{\"ts\":\"$t\",\"anchor\":\"b1\",\"ops\":$ok}"
	want_bad
	# missing or bad timestamps
	tx "$a" /txn/get "{\"txn\":\"$TA\",\"key\":\"b1\"}"
	want_bad
	for p in '"0"' 0 '"-5"' -5 '"12x"' '""' 1.5 '"18446744073709551616"' true; do
		tx "$a" /txn/get "{\"txn\":\"$TA\",\"ts\":$p,\"key\":\"b1\"}"
		want_bad
		tx "$a" /txn/write "{\"txn\":\"$TA\",\"ts\":$p,\"anchor\":\"b1\",\"ops\":$ok}"
		want_bad
		tx "$a" /txn/commit1pc "{\"txn\":\"$TA\",\"ts\":\"$t\",\"rts\":$p,\"ops\":$ok}"
		want_bad
		tx "$a" /txn/record "{\"txn\":\"$TA\",\"anchor\":\"b1\",\"op\":\"commit\",\"ts\":$p}"
		want_bad
		tx "$a" /txn/refresh "{\"txn\":\"$TA\",\"from\":$p,\"to\":\"$t\",\"spans\":[{\"key\":\"b1\"}]}"
		want_bad
		tx "$a" /txn/push "{\"pushee\":\"$TA\",\"anchor\":\"b1\",\"pushee_ts\":$p}"
		want_bad
	done
	tx "$a" /txn/write "{\"txn\":\"$TA\",\"anchor\":\"b1\",\"ops\":$ok}"
	want_bad
	tx "$a" /txn/commit1pc "{\"txn\":\"$TA\",\"rts\":\"$t\",\"ops\":$ok}"
	want_bad
	tx "$a" /txn/resolve "{\"txn\":\"$TA\",\"status\":\"committed\",\"keys\":[\"b1\"]}"
	want_bad
	tx "$a" /txn/record "{\"txn\":\"$TA\",\"anchor\":\"b1\",\"op\":\"commit\"}"
	want_bad
	tx "$a" /txn/push "{\"pushee\":\"$TA\",\"anchor\":\"b1\"}"
	want_bad
	tx "$a" /txn/refresh "{\"txn\":\"$TA\",\"from\":\"$t\",\"spans\":[{\"key\":\"b1\"}]}"
	want_bad
	# rts above ts; from above to
	tx "$a" /txn/commit1pc "{\"txn\":\"$TA\",\"rts\":\"$((t + 1))\",\"ts\":\"$t\",\"ops\":$ok}"
	want_bad
	tx "$a" /txn/refresh "{\"txn\":\"$TA\",\"from\":\"$((t + 1))\",\"to\":\"$t\",\"spans\":[{\"key\":\"b1\"}]}"
	want_bad
	# ops: not an array, non-object, unknown op, an incr without a
	# 64-bit "by", empty, no key, no value
	for p in '{"op":"put","key":"b1","value":"x"}' '"put"' '["put"]' '[5]' '[null]' \
		'[{"op":"incr","key":"b1","by":"one"}]' '[{"op":"incr","key":"b1"}]' '[{"op":"get","key":"b1"}]' '[{"key":"b1","value":"x"}]' \
		'[]' '[{"op":"put","value":"x"}]' '[{"op":"put","key":"","value":"x"}]' \
		'[{"op":"put","key":"b1"}]' '[{"op":"put","key":"b1","value":"x"},{"op":"zap","key":"b2"}]' \
		'[{"op":"put","key":"b1","value":"x"},"put"]'; do
		tx "$a" /txn/write "{\"txn\":\"$TA\",\"ts\":\"$t\",\"anchor\":\"b1\",\"record\":true,\"ops\":$p}"
		want_bad
		tx "$a" /txn/commit1pc "{\"txn\":\"$TA\",\"ts\":\"$t\",\"can_push\":true,\"ops\":$p}"
		want_bad
	done
	tx "$a" /txn/write "{\"txn\":\"$TA\",\"ts\":\"$t\",\"anchor\":\"b1\"}"
	want_bad
	# reads and spans that are not spans
	for p in '{}' '[5]' '["b1"]' '[{}]' '[{"end":"b2"}]'; do
		tx "$a" /txn/commit1pc "{\"txn\":\"$TA\",\"ts\":\"$t\",\"reads\":$p,\"ops\":$ok}"
		want_bad
	done
	for p in '[]' '[5]' '["b1"]' '[{}]' '{"key":"b1"}'; do
		tx "$a" /txn/refresh "{\"txn\":\"$TA\",\"from\":\"$t\",\"to\":\"$t\",\"spans\":$p}"
		want_bad
	done
	# wrong status, op, wait, timeout, anchor, limit
	for p in '"pending"' '"COMMITTED"' '""' 2 null; do
		tx "$a" /txn/resolve "{\"txn\":\"$TA\",\"status\":$p,\"ts\":\"$t\",\"keys\":[\"b1\"]}"
		want_bad
	done
	for p in '[]' '[5]' '"b1"' '[""]'; do
		tx "$a" /txn/resolve "{\"txn\":\"$TA\",\"status\":\"aborted\",\"keys\":$p}"
		want_bad
	done
	for p in '"bogus"' '"COMMIT"' '""' 1; do
		tx "$a" /txn/record "{\"txn\":\"$TA\",\"anchor\":\"b1\",\"op\":$p}"
		want_bad
	done
	tx "$a" /txn/record "{\"txn\":\"$TA\",\"op\":\"heartbeat\"}"
	want_bad
	tx "$a" /txn/write "{\"txn\":\"$TA\",\"ts\":\"$t\",\"ops\":$ok}"
	want_bad
	tx "$a" /txn/write "{\"txn\":\"$TA\",\"ts\":\"$t\",\"anchor\":\"b1\",\"record\":true,\"timeout_ms\":5,\"ops\":$ok}"
	want_bad
	tx "$a" /txn/write "{\"txn\":\"$TA\",\"ts\":\"$t\",\"anchor\":\"b1\",\"record\":\"yes\",\"ops\":$ok}"
	want_bad
	tx "$a" /txn/push "{\"pushee\":\"$TA\",\"anchor\":\"b1\",\"pushee_ts\":\"$t\",\"wait_ms\":5000}"
	want_bad
	tx "$a" /txn/push "{\"pushee\":\"$TA\",\"anchor\":\"b1\",\"pushee_ts\":\"$t\",\"wait_ms\":-1}"
	want_bad
	tx "$a" /txn/push "{\"pushee\":\"$TA\",\"anchor\":\"b1\",\"pushee_ts\":\"$t\",\"deps\":\"x\"}"
	want_bad
	tx "$a" /txn/push "{\"pushee\":\"$TA\",\"pushee_ts\":\"$t\"}"
	want_bad
	tx "$a" /txn/scan "{\"txn\":\"$TA\",\"ts\":\"$t\",\"limit\":0}"
	want_bad
	tx "$a" /txn/get "{\"txn\":\"$TA\",\"ts\":\"$t\"}"
	want_bad
	# reserved keys (0x01 prefix), as the key that routes the request
	tx "$a" /txn/get "{\"txn\":\"$TA\",\"ts\":\"$t\",\"key\":\"\\u0001b\"}"
	want_bad
	tx "$a" /txn/scan "{\"txn\":\"$TA\",\"ts\":\"$t\",\"start\":\"\\u0001\"}"
	want_bad
	tx "$a" /txn/write "{\"txn\":\"$TA\",\"ts\":\"$t\",\"anchor\":\"b1\",\"ops\":$(ops 'put:\u0001b:x' put:b1:x)}"
	want_bad
	tx "$a" /txn/commit1pc "{\"txn\":\"$TA\",\"ts\":\"$t\",\"ops\":$(ops 'put:\u0001b:x')}"
	want_bad
	tx "$a" /txn/resolve "{\"txn\":\"$TA\",\"status\":\"aborted\",\"keys\":[\"\\u0001b\"]}"
	want_bad
	tx "$a" /txn/record "{\"txn\":\"$TA\",\"anchor\":\"\\u0001b\",\"op\":\"heartbeat\"}"
	want_bad
	tx "$a" /txn/push "{\"pushee\":\"$TA\",\"anchor\":\"\\u0001b\",\"pushee_ts\":\"$t\",\"force\":true}"
	want_bad
	tx "$a" /txn/refresh "{\"txn\":\"$TA\",\"from\":\"$t\",\"to\":\"$t\",\"spans\":[{\"key\":\"\\u0001b\"}]}"
	want_bad
	# not JSON, not an object
	tx "$a" /txn/write 'not json'
	want_bad
	tx "$a" /txn/commit1pc '[1,2]'
	want_bad
	run -0 http GET "http://$a/txn/get"
	assert_line status=405
	assert_output --partial '"code":"method_not_allowed"'
	# a timestamp older than the history kept is a retryable refusal
	tx "$a" /txn/get "{\"txn\":\"$TA\",\"ts\":\"1\",\"key\":\"b1\"}"
	want_err 409 retry
	want 409 '.error.message | contains("gc_ttl")'

	# nothing was proposed, nothing changed
	after=$(range_commit "$d" "$l" 2)
	echo "range 2's commit index: $before before, $after after"
	[ "$before" = "$after" ]
	tx "$a" /txn/scan "{\"txn\":\"$TB\",\"ts\":\"$(tso "$d")\",\"start\":\"a\",\"end\":\"c\"}"
	want 200 '[.kvs[] | [.key, .value]] == [["b1","one"]]'
	tx "$a" /txn/record "{\"txn\":\"$TA\",\"anchor\":\"b1\",\"op\":\"query\"}"
	want 200 '.status == "missing"'
	run -0 curl -sS -L --fail "http://$a/kv/b1"
	assert_output one
}

# ---- 7, 8: the range's own keys only ----------------------------------------------

@test "a 1PC whose read spans leave its range is refused (421), nothing written" {
	local d="$T/spans" a r t0 t1
	two_ranges "$d"
	t0=$(tso "$d")
	# zz (right range) changes after t0
	tx "$a" /txn/commit1pc "{\"txn\":\"$TB\",\"ts\":\"$(tso "$d")\",\"can_push\":true,\"ops\":$(ops put:zz:changed)}"
	want 200 '.range_id == $r' --argjson r "$r"
	t1=$(tso "$d")
	# a 1PC in the left range claiming a read of zz cannot validate it
	tx "$a" /txn/commit1pc "{\"txn\":\"$TA\",\"rts\":\"$t0\",\"ts\":\"$t1\",\"can_push\":true,\"reads\":[{\"key\":\"zz\"}],\"ops\":$(ops put:b:x)}"
	want_err 421 range_moved
	tx "$a" /txn/commit1pc "{\"txn\":\"$TA\",\"rts\":\"$t0\",\"ts\":\"$t1\",\"can_push\":true,\"reads\":[{\"start\":\"b\",\"end\":\"\"}],\"ops\":$(ops put:c:x)}"
	want_err 421 range_moved
	get "$a" "$TB" "$(tso "$d")" b
	absent
	get "$a" "$TB" "$(tso "$d")" c
	absent
}

@test "a reserved key anywhere in a write or resolve is 400 and nothing is proposed" {
	local d="$T/reserved" a l t before after cts
	cluster_start "$d"
	a=$(leader_addr "$d")
	l=$(leader_id "$d" 2)
	t=$(tso "$d")
	tx "$a" /txn/commit1pc "{\"txn\":\"$TA\",\"ts\":\"$t\",\"can_push\":true,\"ops\":$(ops put:b1:one)}"
	want 200
	# the commit may have been pushed above tsod's clock (a new leader's
	# timestamp cache starts a second ahead): read at or above it
	cts=$(jq -r .ts <<<"$body")
	wait_until 10 cluster_caught_up "$d" 2
	before=$(range_commit "$d" "$l" 2)
	tx "$a" /txn/write "{\"txn\":\"$TA\",\"ts\":\"$t\",\"anchor\":\"b1\",\"ops\":$(ops put:b1:x 'put:\u0001b:x')}"
	want_bad
	tx "$a" /txn/commit1pc "{\"txn\":\"$TA\",\"ts\":\"$t\",\"can_push\":true,\"ops\":$(ops put:b1:x 'delete:\u0001b')}"
	want_bad
	tx "$a" /txn/resolve "{\"txn\":\"$TA\",\"status\":\"aborted\",\"keys\":[\"b1\",\"\\u0001b\"]}"
	want_bad
	tx "$a" /txn/write "{\"txn\":\"$TA\",\"ts\":\"$t\",\"anchor\":\"\\u0001b\",\"record\":true,\"ops\":$(ops put:b1:x)}"
	want_bad
	# an intent whose anchor no push can reach would lock b1 for good
	tx "$a" /txn/write "{\"txn\":\"$TA\",\"ts\":\"$t\",\"anchor\":\"\\u0001b\",\"ops\":$(ops put:b1:x)}"
	want_bad
	after=$(range_commit "$d" "$l" 2)
	echo "range 2's commit index: $before before, $after after"
	[ "$before" = "$after" ]
	get "$a" "$TB" "$(at_least "$d" "$cts")" b1
	want 200 '.found == true and .value == "one"'
}

# ---- 9 -------------------------------------------------------------------------

@test "timestamps far in the future: refused or harmless, never a stopped cluster" {
	local d="$T/future" a far k v id
	cluster_start "$d"
	a=$(leader_addr "$d")
	# (past the new leader's 1 s, so plain writes land at the clock)
	warm "$d" "$a" w1
	far=$((($(phys "$(tso "$d")") + 3600000) << 16))
	# reads an hour ahead and at the largest timestamps (the answer is
	# not asserted: refusing them is one way to get what follows right)
	get "$a" "$TB" "$far" p1
	get "$a" "$TB" 18446744073709551614 p2
	get "$a" "$TB" 18446744073709551615 p3
	# and a commit at the largest timestamp
	tx "$a" /txn/commit1pc "{\"txn\":\"$TB\",\"ts\":\"18446744073709551615\",\"ops\":$(ops put:p4:big)}"
	# plain writes after them are acknowledged, readable, and seen by a
	# transaction that reads at a timestamp taken after the write
	for k in p2 p3 p4 p1; do
		for v in one two; do
			run -0 curl -sS -L --max-time 10 -o /dev/null -w '%{http_code}' \
				-X PUT --data-binary "$v" "http://$a/kv/$k"
			[ "$output" = 204 ] || {
				echo "PUT /kv/$k $v: $output"
				grep -h 'storage failed' "$d"/node*.log || true
				false
			}
		done
		run -0 curl -sS -L --fail --max-time 5 "http://$a/kv/$k"
		assert_output two
		get "$a" "$TC" "$(tso "$d")" "$k"
		want 200 '.found == true and .value == "two"'
	done
	# every node still serves
	for id in $(node_ids "$d"); do
		run -0 curl -sS --fail --max-time 2 "http://$(node_addr "$d" "$id")/status"
	done
}
