#!/usr/bin/env bats
# 600-txn.bats -- distributed transactions through txcoord (issue 6) on
# real 3-node clusters started with contrib/local-cluster --txcoords N.
#
# What is asserted (txcoord's HTTP API, docs: the spec of issue 6, §5):
#   - local-cluster starts, lists, restarts and stops txcoords; a one-range
#     transaction commits in one phase ("1pc":true), a multi-range one in
#     two, and /metrics counts both;
#   - the API: begin/get/scan/put/delete/commit/rollback and the one-shot
#     POST /txn; reads see the transaction's own writes and a snapshot at
#     its read timestamp; errors (unknown id 404, malformed JSON 400, incr
#     of a non-number 400 with nothing written, too large 413, rollback
#     then commit 404) in the JSON error shape;
#   - write skew (two doctors on call) and lost update, driven interleaved
#     through the interactive API so the outcome is determined: exactly
#     one of the two commits, the other gets 409 retry / SQLSTATE 40001;
#     then concurrent increments end at exactly the committed count;
#   - the bank: 100 accounts over >= 4 ranges, concurrent one-shot and
#     interactive transfers and whole-bank reads while ranges split and
#     chaos kill-leader runs; every read sums to the total, every transfer
#     is all-or-nothing (each writes a marker key in the same transaction:
#     the balances must equal the initial ones plus the markers' deltas),
#     every acknowledged transfer is there and no refused one;
#   - kill -9 of a txcoord mid-transaction and mid-commit, and of the
#     leader of the range holding the transaction records: the other
#     coordinator's transactions go on past the locks the dead one left
#     (after the record timeout), every acknowledged transaction is
#     visible, none is half-visible (each transaction increments four hot
#     counters on four ranges and writes four markers: counters == number
#     of transactions visible, and each transaction's markers are all
#     there or none);
#   - a transaction over 20 keys on 10 ranges: concurrent readers see all
#     of it or none, and raftd's own versions (POST /txn/scan) carry the
#     commit timestamp txcoord reported, on every key.
#
# Outcomes a client cannot know (no answer, 5xx) are logged as unknown and
# only held to all-or-nothing.  Timing: only generous bounds on progress.
# Needs jq (timestamps travel as decimal strings, so jq 1.6's doubles never
# see them).  Background clients stop when their stop file appears (each
# request has a $TXQ_MAX s limit); teardown waits for them (by PID), then
# stops the clusters by PID.  Faults (kill -9, chaos kill-leader, splits)
# run in the foreground of the test, so nothing restarts a process after
# teardown.

bats_require_minimum_version 1.8.0
load helpers/test_helper

TXQ_MAX=12		# seconds one txcoord request may take in a client
INIT=1000		# each account's initial balance
ACCTS=100
export LC_ALL=C		# sort and comm agree on byte order

setup_file() {
	export T="$BATS_FILE_TMPDIR"
	command -v jq >/dev/null || {
		echo "# t/600-txn.bats needs jq" >&3
		return 1
	}
	[ -x "$RANGEDB_BUILDDIR/cmd/txcoord/txcoord" ] || {
		echo "# t/600-txn.bats needs txcoord: no $RANGEDB_BUILDDIR/cmd/txcoord/txcoord" >&3
		return 1
	}
}

teardown() {
	bg_stop_all
	clusters_stop_all
}

# ---- talking to txcoord ------------------------------------------------------

# txq ADDR PATH JSON: POST JSON (or @FILE) to the txcoord at ADDR.  Sets
# TXC to the HTTP status ("000": no answer within $TXQ_MAX s, or no
# connection), TXB to the body and TXE to curl's exit status.  A client
# loop sets TXQ_STOP to its stop file: once that exists, txq sends nothing
# and answers 000 (curl status -1), so the loop ends within one request.
txq() {
	local out
	TXE=0
	if [ -n "${TXQ_STOP:-}" ] && [ -e "$TXQ_STOP" ]; then
		TXC=000 TXB='' TXE=-1
		return 0
	fi
	out=$(curl -s --max-time "$TXQ_MAX" -X POST \
		-H 'Content-Type: application/json' --data-binary "$3" \
		-w '\n%{http_code}' "http://$1$2" 2>/dev/null) || TXE=$?
	TXC=${out##*$'\n'}
	TXB=${out%$'\n'*}
	if ! [[ $TXC =~ ^[0-9]{3}$ ]] || [ "$TXC" = 000 ]; then
		TXC=000 TXB=
	fi
}

# txok ADDR PATH JSON: txq, failing (with the answer shown) unless 200.
txok() {
	txq "$@"
	[ "$TXC" = 200 ] || {
		# on stderr: callers capture stdout in $(...)
		echo "POST $2 ${3:0:300} -> $TXC (curl $TXE) $TXB" >&2
		return 1
	}
}

# txerr HTTP CODE: the last answer was HTTP with error code CODE in the
# common error shape (and, for "retry", SQLSTATE 40001).
txerr() {
	[ "$TXC" = "$1" ] || {
		echo "expected HTTP $1 ($2), got $TXC: $TXB"
		return 1
	}
	jq -e --arg c "$2" '.error.code == $c and (.error.message | type == "string" and length > 0)' \
		<<<"$TXB" >/dev/null || {
		echo "expected error code '$2' with a message, got: $TXB"
		return 1
	}
	if [ "$2" = retry ]; then
		jq -e '.error.sqlstate == "40001"' <<<"$TXB" >/dev/null || {
			echo "a retry error without sqlstate 40001: $TXB"
			return 1
		}
	fi
}

# jb FILTER: jq -r FILTER on the last body.
jb() {
	jq -r "$1" <<<"$TXB"
}

# begin ADDR: begin a transaction; sets TXID (and TXRTS, its read ts).
begin() {
	txok "$1" /txn/begin '{}' || return 1
	TXID=$(jb .txn)
	TXRTS=$(jb .ts)
	[[ $TXID =~ ^[0-9a-f]{32}$ && $TXRTS =~ ^[0-9]+$ ]] || {
		echo "begin: bad txn id or ts: $TXB"
		return 1
	}
}

# j_get ID KEY, j_put ID KEY VALUE, j_del ID KEY, j_id ID: request bodies.
j_get() { jq -nc --arg t "$1" --arg k "$2" '{txn:$t,key:$k}'; }
j_put() { jq -nc --arg t "$1" --arg k "$2" --arg v "$3" '{txn:$t,key:$k,value:$v}'; }
j_id() { jq -nc --arg t "$1" '{txn:$t}'; }

# get_in ADDR ID KEY: get in a transaction; prints the value, or "<none>"
# when not found; fails unless 200.
get_in() {
	txok "$1" /txn/get "$(j_get "$2" "$3")" || return 1
	if [ "$(jb .found)" = true ]; then jb .value; else echo '<none>'; fi
}

# put1 ADDR KEY VALUE: a one-shot transaction writing KEY.
put1() {
	txok "$1" /txn "$(jq -nc --arg k "$2" --arg v "$3" '{ops:[{op:"put",key:$k,value:$v}]}')"
}

# get1 ADDR KEY: a one-shot read of KEY; prints the value or "<none>".
get1() {
	txok "$1" /txn "$(jq -nc --arg k "$2" '{ops:[{op:"get",key:$k}]}')" || return 1
	if [ "$(jb '.results[0].found')" = true ]; then jb '.results[0].value'; else echo '<none>'; fi
}

# NEXT_PAGE: jq filter, on a scan's answer, giving the start of the next
# page: {"start": resume}, or {"start_b64": resume_b64} for a key that is
# not text (the API's rule for keys in JSON).
NEXT_PAGE='if .resume_b64 then {start_b64: .resume_b64} else {start: .resume} end'

# scan_all ADDR START END OUT: one transaction scanning [START, END) page
# by page (limit 1000, following "more"/"resume"); its kvs, one JSON
# object a line, in OUT.  Fails if any step fails (the rollback is tried).
scan_all() {
	local addr=$1 end=$3 out=$4 id req pages=0
	: >"$out"
	txq "$addr" /txn/begin '{}'
	[ "$TXC" = 200 ] || return 1
	id=$(jb .txn)
	req=$(jq -nc --arg t "$id" --arg s "$2" --arg e "$end" '{txn:$t,start:$s,end:$e,limit:1000}')
	while :; do
		txq "$addr" /txn/scan "$req"
		if [ "$TXC" != 200 ]; then
			txq "$addr" /txn/rollback "$(j_id "$id")"
			return 1
		fi
		jq -c '.kvs[]' <<<"$TXB" >>"$out"
		[ "$(jb .more)" = true ] || break
		req=$(jq -c --arg t "$id" --arg e "$end" "{txn:\$t,end:\$e,limit:1000} + ($NEXT_PAGE)" <<<"$TXB")
		pages=$((pages + 1))
		((pages < 1000)) || return 1
	done
	txq "$addr" /txn/commit "$(j_id "$id")"
	[ "$TXC" = 200 ]
}

# ---- the cluster's ranges ----------------------------------------------------

# range_of DIR KEY: id of the range holding KEY.
range_of() {
	rangectl --config "$1/rangedb.conf" --json locate "$2" 2>/dev/null |
		jq -er '.ranges[0].range_id'
}

# split_at DIR KEY...: make each KEY the first key of a range (rangectl
# split), trying each for up to 30 s.
split_at() {
	local dir=$1 key loc r start end
	shift
	for key in "$@"; do
		end=$((SECONDS + 30))
		while :; do
			if loc=$(rangectl --config "$dir/rangedb.conf" --json locate "$key" 2>/dev/null); then
				r=$(jq -r '.ranges[0].range_id' <<<"$loc")
				start=$(jq -r '.ranges[0].start' <<<"$loc")
				[ "$start" != "$key" ] || break
				rangectl --config "$dir/rangedb.conf" split "$r" "$key" >/dev/null 2>&1 || true
			fi
			((SECONDS < end)) || {
				echo "cannot make '$key' start a range within 30 s"
				return 1
			}
			sleep 0.2
		done
	done
}

# distinct_ranges DIR KEY...: how many different ranges hold the KEYs.
distinct_ranges() {
	local dir=$1 k
	shift
	for k in "$@"; do
		range_of "$dir" "$k" || return 1
	done | sort -u | wc -l
}

# raw_scan DIR START END TS: raftd's own view -- POST /txn/scan at TS, range
# by range, over [START, END), under a fresh transaction id: one line
# "KEY VALUE VERSION_TS" per key.  Fails unless every range answers 200
# (a foreign intent at or below TS is a 409).
raw_scan() {
	local dir=$1 end=$3 ts=$4 id body out page n pages=0
	id=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	body=$(jq -nc --arg t "$id" --arg ts "$ts" --arg s "$2" --arg e "$end" \
		'{txn:$t,ts:$ts,start:$s,end:$e,limit:1000}')
	while :; do
		page=
		for n in $(node_ids "$dir"); do
			out=$(curl -s -L --max-time 10 -H 'Content-Type: application/json' \
				-d "$body" -w '\n%{http_code}' \
				"http://$(node_addr "$dir" "$n")/txn/scan" 2>/dev/null) || continue
			[ "${out##*$'\n'}" = 200 ] || continue
			page=${out%$'\n'*}
			break
		done
		[ -n "$page" ] || return 1
		jq -r '.kvs[] | "\(.key) \(.value) \(.ts)"' <<<"$page"
		[ "$(jq -r .more <<<"$page")" = true ] || return 0
		body=$(jq -c --arg t "$id" --arg ts "$ts" --arg e "$end" \
			"{txn:\$t,ts:\$ts,end:\$e,limit:1000} + ($NEXT_PAGE)" <<<"$page")
		pages=$((pages + 1))
		((pages < 1000)) || return 1
	done
}

# gone PID: no such process, or a zombie.
gone() {
	! kill -0 "$1" 2>/dev/null ||
		[ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# kill9 PID: SIGKILL PID and wait (10 s at most) until it is gone.
kill9() {
	kill -KILL "$1" 2>/dev/null || true
	wait_until 10 gone "$1"
}

# ---- client logs ----------------------------------------------------------------
#
# Each client appends one line per transaction to its log:
#   C ID DETAIL   acknowledged (200)
#   A ID DETAIL   refused (409, or the commit was never sent): not committed
#   U ID curl=N HTTP   outcome unknown (no answer, or 5xx)
#   E ID ...      an answer the test does not allow (fails the test)
#   R COUNT SUM   a whole-bank read (readers)

# outcome LOG ID DETAIL: log the answer to a commit or one-shot request
# (nothing when txq did not send it: the client is stopping).
outcome() {
	[ "$TXE" != -1 ] || return 0
	case $TXC in
	200) echo "C $2 $3" >>"$1" ;;
	409) echo "A $2 $3" >>"$1" ;;
	000 | 5??) echo "U $2 curl=$TXE $TXC" >>"$1" ;;
	*) echo "E $2 $TXC $TXB" >>"$1" ;;
	esac
}

# count TYPE GLOB...: lines of that type in the logs.  The GLOBs are
# expanded here, at each call (give them quoted: "$d/log.*"), so that a
# wait_until sees the logs that appear later.
count() {
	local t=$1 g f
	shift
	for g in "$@"; do
		for f in $g; do
			[ ! -f "$f" ] || cat "$f"
		done
	done | grep -c "^$t " || true
}

# more_than N TYPE GLOB...: more than N lines of TYPE.
more_than() {
	local n=$1
	shift
	(($(count "$@") > n))
}

# no_errors GLOB: no "E" line in the logs.
no_errors() {
	local f
	for f in $1; do
		if grep '^E ' "$f"; then
			echo "(answers the API does not allow, above, in $f)"
			return 1
		fi
	done
}

# pick WORDS: sets PICK to one of the words, at random.
pick() {
	local a
	read -r -a a <<<"$1"
	PICK=${a[RANDOM % ${#a[@]}]}
}

@test "local-cluster runs txcoords: listed, restarted, stopped; 1PC and 2PC commits are counted" {
	local d="$T/lc" a1 a2 pid1 pid2 n
	cluster_start "$d" --txcoords 2
	run -0 cat "$d/start.out"
	assert_line --regexp '^txcoord1 [0-9]+ 127\.0\.0\.1:[0-9]+$'
	assert_line --regexp '^txcoord2 [0-9]+ 127\.0\.0\.1:[0-9]+$'
	a1=$(txcoord_addr "$d" 1)
	a2=$(txcoord_addr "$d" 2)
	[ "$a1" != "$a2" ]
	[ "$(txcoord_count "$d")" = 2 ]
	assert_line "txcoord1 $(cat "$d/txcoord1.pid") $a1"
	[ -f "$d/txcoord2.cmd" ] && [ -f "$d/txcoord2.log" ]
	grep -qxF -- --listen "$d/txcoord1.cmd"
	grep -qxF "$a1" "$d/txcoord1.cmd"
	grep -qxF "$d/rangedb.conf" "$d/txcoord1.cmd"
	run -0 "$LOCAL_CLUSTER" status "$d"
	assert_line --regexp "^txcoord1 [0-9]+ up $a1 -\$"
	assert_line --regexp "^txcoord2 [0-9]+ up $a2 -\$"
	run -0 curl -sS --fail --max-time 5 "http://$a1/status"
	echo "$output" | jq -e '(.open_txns | type) == "number" and (.commits | type) == "number"'

	# one range: 1PC; keys on two ranges: 2PC -- through either txcoord
	split_at "$d" m
	txok "$a1" /txn '{"ops":[{"op":"put","key":"a1","value":"x"}]}'
	[ "$(jb '.["1pc"]')" = true ]
	[[ "$(jb .ts)" =~ ^[0-9]+$ ]]
	txok "$a2" /txn '{"ops":[{"op":"put","key":"a2","value":"y"},{"op":"put","key":"z2","value":"z"}]}'
	[ "$(jb '.["1pc"]')" = false ]
	[ "$(get1 "$a1" z2)" = z ]
	[ "$(get1 "$a2" a1)" = x ]
	run -0 curl -sS --fail --max-time 5 "http://$a1/metrics"
	n=$(echo "$output" | sed -n 's/^txcoord_commits_total{kind="1pc"} \([0-9]*\)$/\1/p')
	[ "${n:-0}" -ge 1 ]
	assert_output --partial 'txcoord_retries_total'
	n=$(curl -sS --max-time 5 "http://$a2/metrics" |
		sed -n 's/^txcoord_commits_total{kind="2pc"} \([0-9]*\)$/\1/p')
	[ "${n:-0}" -ge 1 ]

	# kill -9 one, restart it from its .cmd: same address, new PID
	pid1=$(cluster_proc_pid "$d" txcoord1)
	kill9 "$pid1"
	run -1 "$LOCAL_CLUSTER" status "$d"
	assert_line "txcoord1 - down $a1 -"
	cluster_restart "$d" txcoord1
	pid2=$(cluster_proc_pid "$d" txcoord1)
	[ "$pid2" != "$pid1" ]
	kill -0 "$pid2"
	run -0 "$LOCAL_CLUSTER" status "$d"
	[ "$(get1 "$a1" a2)" = y ]
	run -1 "$LOCAL_CLUSTER" restart "$d" txcoord1
	assert_output --partial "already runs"
	run -1 "$LOCAL_CLUSTER" restart "$d" txcoord3

	# stop: every process, txcoords too, by PID
	local pids
	pids=$(cluster_pids "$d")
	[ "$(echo "$pids" | wc -l)" = 6 ]
	run -0 "$LOCAL_CLUSTER" stop "$d"
	assert_output --partial "stopped txcoord2"
	for pid in $pids; do
		! kill -0 "$pid" 2>/dev/null
	done
	# a cluster without txcoords has none in its config
	cluster_start "$T/lc0" --txcoords 0
	[ "$(txcoord_count "$T/lc0")" = 0 ]
	run -1 txcoord_addr "$T/lc0"
	run -0 "$LOCAL_CLUSTER" status "$T/lc0"
	refute_output --partial txcoord
}

@test "the API: own writes, snapshots, one-shot ops, and errors in the JSON shape" {
	local d="$T/api" a id t2 big rts1
	cluster_start "$d" --txcoords 1
	a=$(txcoord_addr "$d")
	split_at "$d" m

	# an interactive transaction reads its own buffered writes ...
	put1 "$a" k/old before
	begin "$a"
	id=$TXID rts1=$TXRTS
	[ "$(get_in "$a" "$id" k/old)" = before ]
	[ "$(get_in "$a" "$id" k/new)" = '<none>' ]
	txok "$a" /txn/put "$(j_put "$id" k/new fresh)"
	[ "$TXB" = '{}' ] || jq -e '. == {}' <<<"$TXB"
	txok "$a" /txn/put "$(j_put "$id" k/old after)"
	txok "$a" /txn/put "$(j_put "$id" z/far "other range")"
	[ "$(get_in "$a" "$id" k/new)" = fresh ]
	[ "$(get_in "$a" "$id" k/old)" = after ]
	txok "$a" /txn/delete "$(j_get "$id" k/new)"
	[ "$(get_in "$a" "$id" k/new)" = '<none>' ]
	txok "$a" /txn/put "$(j_put "$id" k/new again)"
	# ... its scans merge them, across ranges and in key order
	txok "$a" /txn/scan "$(jq -nc --arg t "$id" '{txn:$t,start:"k/",end:"z0"}')"
	[ "$(jb '[.kvs[] | "\(.key)=\(.value)"] | join(",")')" = "k/new=again,k/old=after,z/far=other range" ]
	[ "$(jb .more)" = false ]
	# ... and nobody else sees them before the commit
	[ "$(get1 "$a" k/old)" = before ]
	[ "$(get1 "$a" k/new)" = '<none>' ]
	# a transaction that began before the commit keeps its snapshot
	begin "$a"
	t2=$TXID
	[ "$(get_in "$a" "$t2" z/far)" = '<none>' ]
	txok "$a" /txn/commit "$(j_id "$id")"
	[ "$(jb .committed)" = true ]
	[ "$(jb '.["1pc"]')" = false ]
	[[ $(jb .ts) =~ ^[0-9]+$ ]]
	# it committed above its own read ts, and above T2's read of z/far
	(($(jb .ts) >= rts1 && $(jb .ts) > TXRTS))
	[ "$(get_in "$a" "$t2" k/old)" = before ]
	[ "$(get_in "$a" "$t2" k/new)" = '<none>' ]
	txok "$a" /txn/rollback "$(j_id "$t2")"
	# and everybody after it sees all of it
	[ "$(get1 "$a" k/old)" = after ]
	[ "$(get1 "$a" k/new)" = again ]
	[ "$(get1 "$a" z/far)" = "other range" ]

	# one-shot: results in op order, reads see earlier writes of the request
	txok "$a" /txn '{"ops":[{"op":"put","key":"o/a","value":"1"},{"op":"get","key":"o/a"},
		{"op":"incr","key":"o/n","by":5},{"op":"incr","key":"o/n","by":-2},
		{"op":"delete","key":"o/a"},{"op":"get","key":"o/a"},
		{"op":"scan","start":"o/","end":"o0","limit":10}]}'
	jb . | jq -e '(.results | length) == 7 and .results[0] == {} and
		.results[1].found == true and .results[1].value == "1" and
		.results[2].value == "5" and .results[3].value == "3" and
		.results[5].found == false and
		(.results[6].kvs | map({key, value})) == [{"key":"o/n","value":"3"}] and
		(.ts | test("^[0-9]+$")) and (.retries | type) == "number"'
	[ "$(get1 "$a" o/n)" = 3 ]

	# unknown transaction: 404 not_found on every call
	id=0123456789abcdef0123456789abcdef
	txq "$a" /txn/get "$(j_get "$id" k/old)"
	txerr 404 not_found
	txq "$a" /txn/put "$(j_put "$id" k/old x)"
	txerr 404 not_found
	txq "$a" /txn/delete "$(j_get "$id" k/old)"
	txerr 404 not_found
	txq "$a" /txn/scan "$(jq -nc --arg t "$id" '{txn:$t,start:"a",end:"b"}')"
	txerr 404 not_found
	txq "$a" /txn/commit "$(j_id "$id")"
	txerr 404 not_found
	txq "$a" /txn/rollback "$(j_id "$id")"
	txerr 404 not_found

	# rollback, then commit or get: 404, and nothing of it is written
	begin "$a"
	id=$TXID
	txok "$a" /txn/put "$(j_put "$id" rb/key doomed)"
	txok "$a" /txn/rollback "$(j_id "$id")"
	txq "$a" /txn/commit "$(j_id "$id")"
	txerr 404 not_found
	txq "$a" /txn/get "$(j_get "$id" rb/key)"
	txerr 404 not_found
	[ "$(get1 "$a" rb/key)" = '<none>' ]

	# malformed requests: 400 bad_input
	txq "$a" /txn '{"ops":[{"op":"put","key":"x"'
	txerr 400 bad_input
	txq "$a" /txn/begin 'not json'
	txerr 400 bad_input
	txq "$a" /txn/get '{"key":"k/old"}'
	txerr 400 bad_input
	txq "$a" /txn '{"ops":"put"}'
	txerr 400 bad_input
	txq "$a" /txn '{"ops":[{"op":"frobnicate","key":"x"}]}'
	txerr 400 bad_input
	txq "$a" /txn '{"ops":[{"op":"put","key":"x"}]}'
	txerr 400 bad_input
	txq "$a" /txn '{"ops":[{"op":"incr","key":"o/n","by":"two"}]}'
	txerr 400 bad_input
	[ "$(get1 "$a" o/n)" = 3 ]

	# incr of a value that is not a decimal integer: 400, nothing written
	put1 "$a" n/text abc
	txq "$a" /txn '{"ops":[{"op":"put","key":"n/other","value":"1"},{"op":"put","key":"z/other","value":"1"},{"op":"incr","key":"n/text","by":1}]}'
	txerr 400 bad_input
	[ "$(get1 "$a" n/other)" = '<none>' ]
	[ "$(get1 "$a" z/other)" = '<none>' ]
	[ "$(get1 "$a" n/text)" = abc ]

	# a value over 1 MiB (raftd's limit of one value): 413, nothing written
	head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' v |
		jq -Rsc '{ops:[{op:"put",key:"big/1",value:.},{op:"put",key:"big/0",value:"small"}]}' >"$d/big.json"
	txq "$a" /txn "@$d/big.json"
	txerr 413 too_large
	[ "$(get1 "$a" big/0)" = '<none>' ]
	[ "$(get1 "$a" big/1)" = '<none>' ]
	# ... also buffered in an interactive transaction
	begin "$a"
	head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' v |
		jq -Rsc --arg t "$TXID" '{txn:$t,key:"big/2",value:.}' >"$d/big2.json"
	txq "$a" /txn/put "@$d/big2.json"
	if [ "$TXC" = 200 ]; then
		# refused at the commit at the latest
		txq "$a" /txn/commit "$(j_id "$TXID")"
		txerr 413 too_large
	else
		txerr 413 too_large
		txok "$a" /txn/rollback "$(j_id "$TXID")"
	fi
	[ "$(get1 "$a" big/2)" = '<none>' ]
	# a key over 64 KiB (mvcc's limit) is refused too
	head -c $((64 * 1024 + 1)) /dev/zero | tr '\0' k |
		jq -Rsc '{ops:[{op:"put",key:.,value:"v"}]}' >"$d/bigkey.json"
	txq "$a" /txn "@$d/bigkey.json"
	[[ $TXC == 400 || $TXC == 413 ]] || {
		echo "a 64 KiB + 1 key: $TXC $TXB"
		false
	}
	# a 64 KiB value round-trips
	big=$(head -c 65536 /dev/urandom | base64 -w0 | head -c 65536)
	put1 "$a" big/ok "$big"
	[ "$(get1 "$a" big/ok)" = "$big" ]
	# and txcoord still serves
	[ "$(get1 "$a" k/old)" = after ]
}

# two_doctors A1 A2 ALICE BOB: both on call; T1 (on A1) and T2 (on A2)
# each read both, then T1 takes ALICE off, T2 takes BOB off, T1 commits,
# T2 commits.  Exactly one commit succeeds, the other is a 409 retry.
two_doctors() {
	local a1=$1 a2=$2 alice=$3 bob=$4 t1 t2 c1 c2 b2
	txok "$a1" /txn "$(jq -nc --arg a "$alice" --arg b "$bob" \
		'{ops:[{op:"put",key:$a,value:"on"},{op:"put",key:$b,value:"on"}]}')"
	begin "$a1"
	t1=$TXID
	begin "$a2"
	t2=$TXID
	[ "$(get_in "$a1" "$t1" "$alice")" = on ]
	[ "$(get_in "$a1" "$t1" "$bob")" = on ]
	[ "$(get_in "$a2" "$t2" "$alice")" = on ]
	[ "$(get_in "$a2" "$t2" "$bob")" = on ]
	txok "$a1" /txn/put "$(j_put "$t1" "$alice" off)"
	txok "$a2" /txn/put "$(j_put "$t2" "$bob" off)"
	txq "$a1" /txn/commit "$(j_id "$t1")"
	c1=$TXC
	txq "$a2" /txn/commit "$(j_id "$t2")"
	c2=$TXC b2=$TXB
	echo "write skew on $alice/$bob: T1 $c1, T2 $c2 $b2"
	[ "$c1" = 200 ]
	TXC=$c2 TXB=$b2 txerr 409 retry
	# T1's write is there, T2's is not: one doctor still on call
	[ "$(get1 "$a1" "$alice")" = off ]
	[ "$(get1 "$a2" "$bob")" = on ]
}

@test "write skew: of two doctors going off call at once, one transaction aborts (40001)" {
	local d="$T/skew" a1 a2 t1 t2
	cluster_start "$d" --txcoords 2
	a1=$(txcoord_addr "$d" 1)
	a2=$(txcoord_addr "$d" 2)
	split_at "$d" ws2/bob
	# both doctors on one range (1PC commits), then on two (2PC)
	two_doctors "$a1" "$a2" ws1/alice ws1/bob
	[ "$(distinct_ranges "$d" ws2/alice ws2/bob)" = 2 ]
	two_doctors "$a1" "$a2" ws2/alice ws2/bob
	# transactions that do not overlap both commit (no false conflict)
	put1 "$a1" ws3/alice on
	put1 "$a1" ws3/bob on
	begin "$a1"
	t1=$TXID
	begin "$a2"
	t2=$TXID
	[ "$(get_in "$a1" "$t1" ws3/alice)" = on ]
	[ "$(get_in "$a2" "$t2" ws3/bob)" = on ]
	txok "$a1" /txn/put "$(j_put "$t1" ws3/alice off)"
	txok "$a2" /txn/put "$(j_put "$t2" ws3/bob off)"
	txok "$a1" /txn/commit "$(j_id "$t1")"
	txok "$a2" /txn/commit "$(j_id "$t2")"
	[ "$(get1 "$a1" ws3/alice)" = off ]
	[ "$(get1 "$a1" ws3/bob)" = off ]
}

# incr_interactive ADDR NAME STOP LOG N: N increments of counter "lu/c", each
# a read-then-put transaction retried on 409; logs C/A/U/E.
incr_interactive() {
	set +e
	local addr=$1 name=$2 stop=$3 log=$4 n=$5 done=0 seq=0 id v TXQ_STOP=$3
	while ((done < n)) && [ ! -e "$stop" ]; do
		seq=$((seq + 1))
		txq "$addr" /txn/begin '{}'
		[ "$TXC" = 200 ] || { outcome "$log" "$name-$seq" begin; continue; }
		id=$(jb .txn)
		txq "$addr" /txn/get "$(j_get "$id" lu/c)"
		if [ "$TXC" != 200 ]; then
			outcome "$log" "$name-$seq" get
			txq "$addr" /txn/rollback "$(j_id "$id")"
			continue
		fi
		v=0
		[ "$(jb .found)" != true ] || v=$(jb .value)
		txq "$addr" /txn/put "$(j_put "$id" lu/c $((v + 1)))"
		[ "$TXC" = 200 ] || { outcome "$log" "$name-$seq" put; continue; }
		txq "$addr" /txn/commit "$(j_id "$id")"
		outcome "$log" "$name-$seq" $((v + 1))
		[ "$TXC" != 200 ] || done=$((done + 1))
	done
}

# incr_oneshot ADDR NAME STOP LOG N: N one-shot incr of "lu/c".
incr_oneshot() {
	set +e
	local addr=$1 name=$2 stop=$3 log=$4 n=$5 done=0 seq=0 TXQ_STOP=$3
	while ((done < n)) && [ ! -e "$stop" ]; do
		seq=$((seq + 1))
		txq "$addr" /txn '{"ops":[{"op":"incr","key":"lu/c","by":1}]}'
		outcome "$log" "$name-$seq" "$(jb '.results[0].value' 2>/dev/null)"
		[ "$TXC" != 200 ] || done=$((done + 1))
	done
}

@test "lost update: concurrent read-then-write increments end at exactly the committed count" {
	local d="$T/lost" a1 a2 t1 t2 c n
	cluster_start "$d" --txcoords 2
	a1=$(txcoord_addr "$d" 1)
	a2=$(txcoord_addr "$d" 2)
	# interleaved: both read 0, both write 1; the second commit must fail
	begin "$a1"
	t1=$TXID
	begin "$a2"
	t2=$TXID
	[ "$(get_in "$a1" "$t1" lu/x)" = '<none>' ]
	[ "$(get_in "$a2" "$t2" lu/x)" = '<none>' ]
	txok "$a1" /txn/put "$(j_put "$t1" lu/x 1)"
	txok "$a2" /txn/put "$(j_put "$t2" lu/x 1)"
	txok "$a1" /txn/commit "$(j_id "$t1")"
	txq "$a2" /txn/commit "$(j_id "$t2")"
	txerr 409 retry
	[ "$(get1 "$a1" lu/x)" = 1 ]

	# 4 interactive and 2 one-shot clients, 12 increments each
	for n in 1 2 3 4; do
		pick "$a1 $a2"
		bg "$d/stop" incr_interactive "$PICK" "i$n" "$d/stop" "$d/log.i$n" 12
	done
	bg "$d/stop" incr_oneshot "$a1" o1 "$d/stop" "$d/log.o1" 12
	bg "$d/stop" incr_oneshot "$a2" o2 "$d/stop" "$d/log.o2" 12
	wait_until 240 more_than 71 C "$d/log.*" || {
		echo "only $(count C "$d/log.*") of 72 increments committed within 240 s"
		false
	}
	bg_wait "$d/stop"
	no_errors "$d/log.*"
	c=$(count C "$d/log.*")
	echo "committed $c, refused $(count A "$d/log.*"), unknown $(count U "$d/log.*")"
	[ "$(count U "$d/log.*")" = 0 ]
	[ "$c" = 72 ]
	[ "$(get1 "$a1" lu/c)" = "$c" ]
	# serializable: the committed increments wrote 1, 2, ..., 72, each once
	# (interactive ones log the value they wrote, one-shot ones incr's
	# result)
	[ "$(grep -h '^C ' "$d"/log.* | awk '{ print $3 }' | sort -n | paste -sd ' ')" = "$(seq 1 72 | paste -sd ' ')" ]
}

# ---- the bank ------------------------------------------------------------------

# acct N: the key of account N.
acct() { printf 'acct/%03d' "$1"; }

# pick_pair: sets PA, PB (two accounts) and PAMT (1..50).
pick_pair() {
	local a b
	a=$((RANDOM % ACCTS))
	b=$(((a + 1 + RANDOM % (ACCTS - 1)) % ACCTS))
	PA=$(acct "$a") PB=$(acct "$b") PAMT=$((RANDOM % 50 + 1))
}

# xfer_oneshot ADDRS NAME STOP LOG SEED: random transfers, each one POST
# /txn: incr PA by -amt, incr PB by +amt, and a marker PA/x/ID = "PA PB amt"
# in the same transaction.
xfer_oneshot() {
	set +e
	local addrs=$1 name=$2 stop=$3 log=$4 seq=0 id body TXQ_STOP=$3
	RANDOM=$5
	while [ ! -e "$stop" ]; do
		seq=$((seq + 1))
		id=$name-$seq
		pick_pair
		body=$(printf '{"ops":[{"op":"incr","key":"%s","by":-%d},{"op":"incr","key":"%s","by":%d},{"op":"put","key":"%s/x/%s","value":"%s %s %d"}]}' \
			"$PA" "$PAMT" "$PB" "$PAMT" "$PA" "$id" "$PA" "$PB" "$PAMT")
		pick "$addrs"
		txq "$PICK" /txn "$body"
		outcome "$log" "$id" "$PA $PB $PAMT"
		[ "$TXC" != 000 ] || sleep 0.2
	done
}

# xfer_interactive ADDRS NAME STOP LOG SEED: the same transfers, read then
# written through begin/get/put/commit; a transfer that would overdraw is
# rolled back and not logged.
xfer_interactive() {
	set +e
	local addrs=$1 name=$2 stop=$3 log=$4 seq=0 id txn addr va vb TXQ_STOP=$3
	RANDOM=$5
	while [ ! -e "$stop" ]; do
		seq=$((seq + 1))
		id=$name-$seq
		pick_pair
		pick "$addrs"
		addr=$PICK
		txq "$addr" /txn/begin '{}'
		if [ "$TXC" != 200 ]; then
			[ "$TXC" != 000 ] || sleep 0.2
			continue
		fi
		txn=$(jb .txn)
		if ! xi_get "$addr" "$txn" "$PA" || ! va=$XV || ! xi_get "$addr" "$txn" "$PB"; then
			echo "A $id $PA $PB $PAMT get:$TXC" >>"$log"
			[ "$XV" != E ] || echo "E $id get $PA/$PB: $TXC $TXB" >>"$log"
			txq "$addr" /txn/rollback "$(j_id "$txn")"
			continue
		fi
		vb=$XV
		if ((va < PAMT)); then
			txq "$addr" /txn/rollback "$(j_id "$txn")"
			continue
		fi
		if ! xi_put "$addr" "$txn" "$PA" $((va - PAMT)) ||
			! xi_put "$addr" "$txn" "$PB" $((vb + PAMT)) ||
			! xi_put "$addr" "$txn" "$PA/x/$id" "$PA $PB $PAMT"; then
			echo "A $id $PA $PB $PAMT put:$TXC" >>"$log"
			txq "$addr" /txn/rollback "$(j_id "$txn")"
			continue
		fi
		txq "$addr" /txn/commit "$(j_id "$txn")"
		outcome "$log" "$id" "$PA $PB $PAMT"
	done
}

# xi_get ADDR TXN KEY: XV = KEY's integer value; fails on a non-200 (XV
# empty) or an account that is missing or not a number (XV = E).
xi_get() {
	XV=
	txq "$1" /txn/get "$(j_get "$2" "$3")"
	[ "$TXC" = 200 ] || return 1
	XV=$(jb 'if .found then .value else "E" end')
	[[ $XV =~ ^-?[0-9]+$ ]] || { XV=E; return 1; }
}

xi_put() {
	txq "$1" /txn/put "$(j_put "$2" "$3" "$4")"
	[ "$TXC" = 200 ]
}

# bank_reads_sum: jq filter over kvs (an array): "COUNT SUM" of the
# accounts (markers skipped).
BANK_SUM='[.[] | select(.key | test("^acct/[0-9]{3}$")) | .value | tonumber] | "\(length) \(add)"'

# reader ADDRS NAME STOP LOG SEED: whole-bank reads, alternately in an
# interactive transaction (scans page by page) and one-shot (one scan op);
# logs "R COUNT SUM" for each read that completed.
reader() {
	set +e
	local addrs=$1 name=$2 stop=$3 log=$4 r kvs="${4%/*}/kvs.$2" TXQ_STOP=$3
	RANDOM=$5
	while [ ! -e "$stop" ]; do
		if ((RANDOM % 2)); then
			pick "$addrs"
			scan_all "$PICK" acct/ acct0 "$kvs" || continue
			r=$(jq -rs "$BANK_SUM" "$kvs") || r="bad $(head -c 200 "$kvs")"
			echo "R $r interactive" >>"$log"
		else
			pick "$addrs"
			txq "$PICK" /txn '{"ops":[{"op":"scan","start":"acct/","end":"acct0","limit":10000}]}'
			if [ "$TXC" != 200 ] || [ "$(jb '.results[0].more')" != false ]; then
				continue
			fi
			r=$(jb ".results[0].kvs | $BANK_SUM") || r="bad"
			echo "R $r oneshot" >>"$log"
		fi
	done
}

# bank_verify DIR ADDR: the final state against the clients' logs.
bank_verify() {
	local d=$1 a=$2 bad
	wait_until 60 scan_all "$a" acct/ acct0 "$d/final.kvs" || {
		echo "no whole-bank read within 60 s: $TXC $TXB"
		return 1
	}
	jq -r 'select(.key | test("^acct/[0-9]{3}$")) | "\(.key) \(.value)"' "$d/final.kvs" >"$d/final.accts"
	jq -r 'select(.key | test("^acct/[0-9]{3}/x/")) | "\(.key | sub("^.*/x/"; "")) \(.value)"' \
		"$d/final.kvs" | sort >"$d/final.markers"
	echo "final: $(wc -l <"$d/final.accts") accounts, $(wc -l <"$d/final.markers") transfers visible"
	[ "$(wc -l <"$d/final.accts")" = "$ACCTS" ]
	[ "$(awk '{ s += $2 } END { print s }' "$d/final.accts")" = $((ACCTS * INIT)) ]
	# every marker's key names its source account, and says "A B AMT"
	bad=$(awk 'NF != 4 || $4 !~ /^[0-9]+$/' "$d/final.markers")
	[ -z "$bad" ] || { echo "malformed markers: $bad"; return 1; }
	# acknowledged transfers are visible, with what the client sent;
	# refused ones are not
	grep -h '^C ' "$d"/log.* | awk '{ print $2, $3, $4, $5 }' | sort >"$d/acked"
	bad=$(comm -23 "$d/acked" "$d/final.markers")
	[ -z "$bad" ] || { echo "acknowledged transfers missing: $bad"; return 1; }
	grep -h '^A ' "$d"/log.* | awk '{ print $2 }' | sort >"$d/refused" || true
	bad=$(awk '{ print $1 }' "$d/final.markers" | comm -12 - "$d/refused")
	[ -z "$bad" ] || { echo "refused transfers visible: $bad"; return 1; }
	# the balances are exactly the initial ones plus the visible transfers:
	# no transfer half-applied, none applied twice
	awk -v init="$INIT" -v n="$ACCTS" '
		FILENAME == ARGV[1] { want[$2] -= $4; want[$3] += $4; next }
		{ got[$1] = $2 }
		END {
			for (i = 0; i < n; i++) {
				k = sprintf("acct/%03d", i)
				if (got[k] != init + want[k]) {
					printf "%s: balance %s, expected %d\n", k, got[k], init + want[k]
					bad = 1
				}
			}
			exit bad
		}' "$d/final.markers" "$d/final.accts"
}

@test "crossing writers deadlock and one is chosen: every commit answers, the survivor's writes are whole" {
	local d="$T/deadlock" a1 a2 i t1 t2 c1 c2 ok=0 aborted=0 va vz
	cluster_start "$d" --txcoords 2
	a1=$(txcoord_addr "$d" 1)
	a2=$(txcoord_addr "$d" 2)
	split_at "$d" dl/m
	[ "$(distinct_ranges "$d" dl/a dl/z)" = 2 ]
	for i in $(seq 1 12); do
		begin "$a1"
		t1=$TXID
		begin "$a2"
		t2=$TXID
		# T1 writes a then z, T2 z then a: their intents, laid in
		# parallel at commit, may each hold one key the other needs
		txok "$a1" /txn/put "$(j_put "$t1" dl/a "t1-$i")"
		txok "$a1" /txn/put "$(j_put "$t1" dl/z "t1-$i")"
		txok "$a2" /txn/put "$(j_put "$t2" dl/z "t2-$i")"
		txok "$a2" /txn/put "$(j_put "$t2" dl/a "t2-$i")"
		curl -s --max-time 30 -o "$d/c1.body" -w '%{http_code}' -X POST \
			--data-binary "$(j_id "$t1")" "http://$a1/txn/commit" \
			>"$d/c1.code" 2>/dev/null &
		curl -s --max-time 30 -o "$d/c2.body" -w '%{http_code}' -X POST \
			--data-binary "$(j_id "$t2")" "http://$a2/txn/commit" \
			>"$d/c2.code" 2>/dev/null &
		wait
		c1=$(cat "$d/c1.code")
		c2=$(cat "$d/c2.code")
		echo "round $i: T1 $c1 $(cat "$d/c1.body"), T2 $c2 $(cat "$d/c2.body")"
		# nobody hangs, and an answer is a commit or a retryable abort
		for c in "$c1" "$c2"; do
			[ "$c" = 200 ] || [ "$c" = 409 ]
		done
		[ "$c1" = 409 ] && jq -e '.error.sqlstate == "40001"' "$d/c1.body" >/dev/null
		[ "$c2" = 409 ] && jq -e '.error.sqlstate == "40001"' "$d/c2.body" >/dev/null
		# at least one goes through: a deadlock aborts one, not both
		[ "$c1" = 200 ] || [ "$c2" = 200 ]
		[ "$c1" = 200 ] && [ "$c2" = 200 ] && ok=$((ok + 1)) || aborted=$((aborted + 1))
		# both keys hold the values of one and the same transaction
		va=$(get1 "$a1" dl/a)
		vz=$(get1 "$a1" dl/z)
		[ "$va" = "$vz" ]
		case $va in t1-"$i") [ "$c1" = 200 ] ;; t2-"$i") [ "$c2" = 200 ] ;; *) false ;; esac
	done
	echo "rounds where both committed: $ok; where one was aborted: $aborted"
}

@test "bank: transfers over 4+ ranges while ranges split and leaders die; money is never made or lost" {
	local d="$T/bank" a1 a2 addrs round r out node c0 splits rounds=3
	cluster_start "$d" --txcoords 2
	a1=$(txcoord_addr "$d" 1)
	a2=$(txcoord_addr "$d" 2)
	addrs="$a1 $a2"
	split_at "$d" acct/025 acct/050 acct/075
	[ "$(distinct_ranges "$d" acct/000 acct/030 acct/060 acct/099)" = 4 ]

	# open the accounts in one transaction (2PC over four ranges)
	jq -nc --argjson n "$ACCTS" --arg v "$INIT" \
		'{ops:[range(0; $n) | {op:"put",key:("acct/" + (tostring | ("00" + .)[-3:])),value:$v}]}' \
		>"$d/open.json"
	txok "$a1" /txn "@$d/open.json"
	[ "$(jb '.["1pc"]')" = false ]
	scan_all "$a2" acct/ acct0 "$d/open.kvs"
	[ "$(jq -rs "$BANK_SUM" "$d/open.kvs")" = "$ACCTS $((ACCTS * INIT))" ]

	bg "$d/stop" xfer_oneshot "$addrs" o1 "$d/stop" "$d/log.o1" 601
	bg "$d/stop" xfer_oneshot "$addrs" o2 "$d/stop" "$d/log.o2" 602
	bg "$d/stop" xfer_interactive "$addrs" i1 "$d/stop" "$d/log.i1" 603
	bg "$d/stop" xfer_interactive "$addrs" i2 "$d/stop" "$d/log.i2" 604
	bg "$d/stop" reader "$addrs" r1 "$d/stop" "$d/log.r1" 605
	bg "$d/stop" reader "$addrs" r2 "$d/stop" "$d/log.r2" 606
	wait_until 60 more_than 10 C "$d/log.*" || {
		echo "no progress: $(count C "$d/log.*") transfers in 60 s"
		false
	}

	# meanwhile: split ranges, and kill -9 the leader of a range holding
	# accounts (chaos kill-leader), then start that node again
	splits=(acct/012 acct/037 acct/062 acct/087 acct/006 acct/044)
	# (not $i: bats' run would clobber it)
	for ((round = 0; round < rounds; round++)); do
		split_at "$d" "${splits[2 * round]}" "${splits[2 * round + 1]}"
		r=$(range_of "$d" "$(acct $((RANDOM % ACCTS)))")
		run -0 chaos --config "$d/rangedb.conf" kill-leader --range "$r"
		echo "$output"
		node=$(echo "$output" | sed -n 's/^killed node \([0-9]*\) .*/\1/p')
		[ -n "$node" ]
		c0=$(count C "$d/log.*")
		wait_until 60 more_than $((c0 + 10)) C "$d/log.*" || {
			echo "no transfers after killing node $node: $(count C "$d/log.*") (was $c0)"
			false
		}
		cluster_restart "$d" "node$node"
		c0=$(count C "$d/log.*")
		wait_until 60 more_than $((c0 + 10)) C "$d/log.*"
	done
	wait_until 60 more_than 5 R "$d/log.r*"
	bg_wait "$d/stop"
	run -0 "$LOCAL_CLUSTER" status "$d"

	echo "transfers: $(count C "$d/log.*") acknowledged, $(count A "$d/log.*") refused," \
		"$(count U "$d/log.*") unknown; $(count R "$d/log.*") whole-bank reads"
	no_errors "$d/log.*"
	# the one-shot and the interactive form both did work
	more_than 0 C "$d/log.o1" "$d/log.o2"
	more_than 0 C "$d/log.i1" "$d/log.i2"
	# every whole-bank read saw every account and the exact total
	out=$(grep -h '^R ' "$d"/log.r* | awk -v n="$ACCTS" -v s=$((ACCTS * INIT)) '$2 != n || $3 != s')
	[ -z "$out" ] || { echo "reads that saw money made or lost: $out"; false; }
	bank_verify "$d" "$a1"
}

# ---- coordinator and leader failures ---------------------------------------------
#
# Every transaction of these tests adds 1 to the four counters ka/hot,
# kg/hot, kn/hot, kt/hot (four ranges) and writes ka/ID, kg/ID, kn/ID, kt/ID
# = ID.  Its record lives with its anchor, ka/ID or ka/hot: in range [ka/,
# kg/).  So: each ID is visible on all four ranges or none, each counter
# equals the number of IDs visible, and each acknowledged ID is visible.

ATOM_PREFIXES="ka kg kn kt"

# atom_body ID: the one-shot request of transaction ID.
atom_body() {
	local p ops=
	for p in $ATOM_PREFIXES; do
		ops+="{\"op\":\"incr\",\"key\":\"$p/hot\",\"by\":1},{\"op\":\"put\",\"key\":\"$p/$1\",\"value\":\"$1\"},"
	done
	echo "{\"ops\":[${ops%,}]}"
}

# atom_oneshot ADDR NAME STOP LOG: one-shot transactions, one after another.
atom_oneshot() {
	set +e
	local addr=$1 name=$2 stop=$3 log=$4 seq=0 TXQ_STOP=$3
	while [ ! -e "$stop" ]; do
		seq=$((seq + 1))
		txq "$addr" /txn "$(atom_body "$name-$seq")"
		outcome "$log" "$name-$seq" -
		[ "$TXC" != 000 ] || sleep 0.2
	done
}

# atom_interactive ADDR NAME STOP LOG: the same through begin, get (the
# counters), put, a pause with the transaction open, commit.
atom_interactive() {
	set +e
	local addr=$1 name=$2 stop=$3 log=$4 seq=0 id txn p ok TXQ_STOP=$3
	while [ ! -e "$stop" ]; do
		seq=$((seq + 1))
		id=$name-$seq
		txq "$addr" /txn/begin '{}'
		if [ "$TXC" != 200 ]; then
			[ "$TXC" != 000 ] || sleep 0.2
			continue
		fi
		txn=$(jb .txn)
		ok=1
		for p in $ATOM_PREFIXES; do
			txq "$addr" /txn/get "$(j_get "$txn" "$p/hot")"
			[ "$TXC" = 200 ] || { ok=0; break; }
			XV=$(jb 'if .found then .value else "0" end')
			if ! xi_put "$addr" "$txn" "$p/hot" $((XV + 1)) ||
				! xi_put "$addr" "$txn" "$p/$id" "$id"; then
				ok=0
				break
			fi
		done
		if ((!ok)); then
			echo "A $id - $TXC" >>"$log"
			txq "$addr" /txn/rollback "$(j_id "$txn")"
			continue
		fi
		sleep 0.1
		txq "$addr" /txn/commit "$(j_id "$txn")"
		if [ "$TXC" = 404 ]; then
			# begun on a coordinator that died since: its successor
			# never saw the commit
			echo "A $id - 404" >>"$log"
			continue
		fi
		outcome "$log" "$id" -
	done
}

# atom_open ADDR ID: begin a transaction of ID and buffer all its writes,
# reading the counters first -- and leave it open (sets TXID).
atom_open() {
	local p
	begin "$1"
	for p in $ATOM_PREFIXES; do
		get_in "$1" "$TXID" "$p/hot" >/dev/null
		txok "$1" /txn/put "$(j_put "$TXID" "$p/hot" 1000000)"
		txok "$1" /txn/put "$(j_put "$TXID" "$p/$2" "$2")"
	done
}

# atom_after ADDR ID LOG: a transaction through ADDR commits within 60 s
# (retried, as ID-1, ID-2...: it may wait out the locks of a dead
# coordinator first).
atom_after() {
	local end=$((SECONDS + 60)) n=0
	while ((SECONDS < end)); do
		n=$((n + 1))
		TXQ_MAX=30 txq "$1" /txn "$(atom_body "$2-$n")"
		outcome "$3" "$2-$n" -
		[ "$TXC" != 200 ] || return 0
		sleep 0.5
	done
	echo "transaction $2 did not commit within 60 s; last: $TXC $TXB"
	return 1
}

# atom_verify DIR ADDR: the final state against the logs in DIR/log.*.
atom_verify() {
	local d=$1 a=$2 bad p n
	wait_until 60 scan_all "$a" k l "$d/final.kvs" || {
		echo "no whole read within 60 s: $TXC $TXB"
		return 1
	}
	jq -r 'select(.key | test("^k[a-z]/") and (test("/hot$") | not)) |
		"\(.key | sub("^[a-z]+/"; "")) \(.key | sub("/.*"; "")) \(.value)"' \
		"$d/final.kvs" | sort >"$d/final.markers"
	bad=$(awk '$1 != $3' "$d/final.markers")
	[ -z "$bad" ] || { echo "markers with a foreign value: $bad"; return 1; }
	awk '{ print $1 }' "$d/final.markers" | uniq -c | awk '{ print $2, $1 }' >"$d/final.ids"
	n=$(wc -l <"$d/final.ids")
	echo "$n transactions visible; $(count C "$d/log.*") acknowledged," \
		"$(count A "$d/log.*") refused, $(count U "$d/log.*") unknown"
	# all or nothing
	bad=$(awk '$2 != 4' "$d/final.ids")
	[ -z "$bad" ] || { echo "half-visible transactions (ID, keys seen of 4): $bad"; return 1; }
	# every counter counts exactly the visible transactions
	for p in $ATOM_PREFIXES; do
		jq -se --arg k "$p/hot" --arg n "$n" 'map(select(.key == $k)) | length == 1 and .[0].value == $n' \
			"$d/final.kvs" >/dev/null || {
			echo "counter $p/hot is $(jq -r --arg k "$p/hot" 'select(.key == $k) | .value' "$d/final.kvs"), not $n"
			return 1
		}
	done
	# acknowledged: visible; refused: not
	grep -h '^C ' "$d"/log.* | awk '{ print $2 }' | sort >"$d/acked"
	bad=$(awk '{ print $1 }' "$d/final.ids" | comm -13 - "$d/acked")
	[ -z "$bad" ] || { echo "acknowledged but not visible: $bad"; return 1; }
	grep -h '^A ' "$d"/log.* | awk '{ print $2 }' | sort >"$d/refused" || true
	bad=$(awk '{ print $1 }' "$d/final.ids" | comm -12 - "$d/refused")
	[ -z "$bad" ] || { echo "refused but visible: $bad"; return 1; }
	no_errors "$d/log.*"
}

@test "kill -9 a txcoord mid-transaction and mid-commit: others go on, nothing acknowledged is lost, nothing is half-visible" {
	local d="$T/killtx" a1 a2 round pid c0
	cluster_start "$d" --txcoords 2
	a1=$(txcoord_addr "$d" 1)
	a2=$(txcoord_addr "$d" 2)
	split_at "$d" ka/ kg/ kn/ kt/ l
	[ "$(distinct_ranges "$d" ka/x kg/x kn/x kt/x)" = 4 ]
	# three clients on the txcoord that dies, two on the one that lives
	bg "$d/stop" atom_oneshot "$a1" d1 "$d/stop" "$d/log.d1"
	bg "$d/stop" atom_oneshot "$a1" d2 "$d/stop" "$d/log.d2"
	bg "$d/stop" atom_interactive "$a1" d3 "$d/stop" "$d/log.d3"
	bg "$d/stop" atom_oneshot "$a2" l1 "$d/stop" "$d/log.l1"
	bg "$d/stop" atom_interactive "$a2" l2 "$d/stop" "$d/log.l2"
	wait_until 60 more_than 5 C "$d/log.d*"
	for round in 1 2; do
		# a transaction left open (its writes buffered, its reads done)
		atom_open "$a1" "open-$round"
		echo "A open-$round - never committed" >>"$d/log.open"
		pid=$(cluster_proc_pid "$d" txcoord1)
		kill9 "$pid"
		# the other coordinator's transactions go on, through the
		# counters the dead one's commits may have locked
		atom_after "$a2" "after-$round" "$d/log.after"
		c0=$(count C "$d/log.l*")
		wait_until 60 more_than $((c0 + 3)) C "$d/log.l*"
		# and the open transaction's id is gone with its coordinator
		cluster_restart "$d" txcoord1
		txq "$a1" /txn/commit "$(j_id "$TXID")"
		txerr 404 not_found
		c0=$(count C "$d/log.d*")
		wait_until 60 more_than $((c0 + 3)) C "$d/log.d*"
	done
	bg_wait "$d/stop"
	echo "requests to txcoord1 cut off by its death: $(cat "$d"/log.d* | grep -c '^U [^ ]* curl=5[26] ' || true)"
	atom_verify "$d" "$a1"
	atom_verify "$d" "$a2"
}

@test "kill -9 the leader of the range holding the transaction records during commits: same guarantees" {
	local d="$T/killrec" a1 a2 round r l pid c0
	cluster_start "$d" --txcoords 2
	a1=$(txcoord_addr "$d" 1)
	a2=$(txcoord_addr "$d" 2)
	split_at "$d" ka/ kg/ kn/ kt/ l
	bg "$d/stop" atom_oneshot "$a1" o1 "$d/stop" "$d/log.o1"
	bg "$d/stop" atom_oneshot "$a2" o2 "$d/stop" "$d/log.o2"
	bg "$d/stop" atom_interactive "$a1" i1 "$d/stop" "$d/log.i1"
	bg "$d/stop" atom_interactive "$a2" i2 "$d/stop" "$d/log.i2"
	wait_until 60 more_than 10 C "$d/log.*"
	for round in 1 2; do
		r=$(range_of "$d" ka/)
		wait_until 30 leader_id "$d" "$r"
		l=$(leader_id "$d" "$r")
		pid=$(cluster_proc_pid "$d" "node$l")
		echo "round $round: kill -9 node $l (pid $pid), leader of range $r"
		kill9 "$pid"
		c0=$(count C "$d/log.*")
		wait_until 60 more_than $((c0 + 5)) C "$d/log.*" || {
			echo "no commits after killing the records' leader: $(count C "$d/log.*") (was $c0)"
			false
		}
		cluster_restart "$d" "node$l"
		c0=$(count C "$d/log.*")
		wait_until 60 more_than $((c0 + 5)) C "$d/log.*"
	done
	bg_wait "$d/stop"
	run -0 "$LOCAL_CLUSTER" status "$d"
	atom_verify "$d" "$a1"
}

# ---- one transaction, many ranges ----------------------------------------------

MANY_KEYS=$(seq -f 'm/%02g' 0 19 | paste -sd ' ')

# many_reader ADDR NAME STOP LOG: read the 20 keys in one transaction (a
# scan, or 20 gets) and log the values: "R v v v ... v".
many_reader() {
	set +e
	local addr=$1 name=$2 stop=$3 log=$4 k vals txn ok kvs="${4%/*}/kvs.$2" TXQ_STOP=$3
	while [ ! -e "$stop" ]; do
		if ((RANDOM % 2)); then
			scan_all "$addr" m/ m0 "$kvs" || continue
			echo "R $(jq -r .value "$kvs" | paste -sd ' ') scan" >>"$log"
		else
			txq "$addr" /txn/begin '{}'
			[ "$TXC" = 200 ] || continue
			txn=$(jb .txn) vals='' ok=1
			for k in $MANY_KEYS; do
				txq "$addr" /txn/get "$(j_get "$txn" "$k")"
				[ "$TXC" = 200 ] || { ok=0; break; }
				vals+=" $(jb 'if .found then .value else "-" end')"
			done
			txq "$addr" /txn/commit "$(j_id "$txn")"
			((ok)) && echo "R$vals gets" >>"$log"
		fi
	done
}

@test "a transaction over 20 keys on 10 ranges commits atomically, at one timestamp" {
	local d="$T/many" a1 a2 g n cts out prev
	# the checks at the end read every generation's versions, the first
	# one minutes old on a loaded machine: keep history that long (the
	# default gc_ttl of 60 s refuses such reads as too old)
	cluster_start "$d" --txcoords 2 --raftd gc_ttl=10m
	a1=$(txcoord_addr "$d" 1)
	a2=$(txcoord_addr "$d" 2)
	# shellcheck disable=SC2086
	split_at "$d" $(seq -f 'm/%02g' 2 2 18) m0
	# shellcheck disable=SC2086
	[ "$(distinct_ranges "$d" $MANY_KEYS)" = 10 ]
	many_put() {
		jq -nc --arg g "$1" '{ops:[range(0; 20) | {op:"put",key:("m/" + ("0" + tostring)[-2:]),value:$g}]}'
	}
	txok "$a1" /txn "$(many_put 0)"
	echo "0 $(jb .ts)" >"$d/cts"
	bg "$d/stop" many_reader "$a1" r1 "$d/stop" "$d/log.r1"
	bg "$d/stop" many_reader "$a2" r2 "$d/stop" "$d/log.r2"
	# each generation waits for a read to end after it: reads and commits
	# interleave
	for g in $(seq 1 15); do
		n=$(count R "$d/log.r*")
		pick "$a1 $a2"
		txok "$PICK" /txn "$(many_put "$g")"
		[ "$(jb '.["1pc"]')" = false ]
		echo "$g $(jb .ts)" >>"$d/cts"
		wait_until 60 more_than "$n" R "$d/log.r*"
	done
	bg_wait "$d/stop"
	# every read saw the 20 keys of one generation
	out=$(grep -h '^R ' "$d"/log.r* | awk '{ for (i = 3; i <= 21; i++) if ($i != $2) { print; next } if (NF != 22) print }')
	[ -z "$out" ] || { echo "reads that saw a transaction in part: $out"; false; }
	echo "$(count R "$d/log.r*") reads, generations seen: $(grep -h '^R ' "$d"/log.r* | awk '{ print $2 }' | sort -nu | paste -sd ' ')"
	# commit timestamps increase with the generations
	sort -n -k2,2 "$d/cts" | awk '{ print $1 }' | paste -sd ' ' >"$d/order"
	[ "$(cat "$d/order")" = "$(seq 0 15 | paste -sd ' ')" ]
	# raftd's versions: at each commit ts every key holds that generation,
	# written at exactly that ts; just below it, the previous one (intents
	# are resolved asynchronously: wait for them)
	prev=
	while read -r g cts; do
		wait_until 30 raw_scan "$d" m/ m0 "$cts" || {
			echo "raftd's /txn/scan at $cts did not answer 200 within 30 s"
			false
		}
		out=$(raw_scan "$d" m/ m0 "$cts" | awk -v g="$g" -v ts="$cts" '$2 != g || $3 != ts')
		[ -z "$out" ] || { echo "generation $g committed at $cts, but raftd has: $out"; false; }
		[ "$(raw_scan "$d" m/ m0 "$cts" | wc -l)" = 20 ]
		if [ -n "$prev" ]; then
			out=$(raw_scan "$d" m/ m0 $((cts - 1)) | awk -v g="$((g - 1))" -v ts="$prev" '$2 != g || $3 != ts')
			[ -z "$out" ] || { echo "just below $cts, raftd has: $out"; false; }
		fi
		prev=$cts
	done <"$d/cts"
}
