#!/usr/bin/env bats
# 520-rebalance.bats -- replicas that move, on real throwaway clusters
# started with contrib/local-cluster: POST /admin/move to an empty node and
# back (the data follows, the old replica goes, meta follows; moving the
# leader's own replica hands the lead away first); writers lose no
# acknowledged write while ranges split, merge, move and change leaders; a
# node started with --join registers and takes replicas; rangectl rebalance
# spreads replicas and leaders over new nodes while reads and writes go on;
# the replicas of a node killed for good come back on the others; and
# POST /admin/merge refuses what it must and merges what it may.
#
# A node answers the KV API only for ranges it holds (421 range_moved
# otherwise), and a node may be dead: the helpers below try the nodes in
# turn, as rangectl does.  Meta lists its own range (range 1, [0x01, 0x02))
# with the data ranges; "data ranges" below are the others.  Needs jq (1.6
# is enough: the numbers read here are small).
# Background loops stop when their stop file appears; teardown creates the
# stop files and waits for the loops (by PID) before it stops the clusters.

bats_require_minimum_version 1.8.0
load helpers/test_helper

PATH="$RANGEDB_BUILDDIR/cmd/rangectl:$PATH"

setup_file() {
	export T="$BATS_FILE_TMPDIR"
	command -v jq >/dev/null || {
		echo "# t/520-rebalance.bats needs jq" >&3
		return 1
	}
}

teardown() {
	bg_stop_all
	clusters_stop_all
	daemons_stop_all
}

# ---- waiting -------------------------------------------------------------

# wait_secs SECONDS CMD...: like wait_until, but SECONDS of wall-clock
# time however long one try of CMD takes (for checks that ask many nodes).
wait_secs() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		((SECONDS < end)) || return 1
		sleep 0.2
	done
}

# ---- talking to the cluster ------------------------------------------------

# addrs DIR: every node's address, one a line, in id order.
addrs() {
	local id
	for id in $(node_ids "$1"); do
		node_addr "$1" "$id"
	done
}

# node_status DIR ID: node ID's GET /status (fails when it does not answer).
node_status() {
	curl -sS --fail --max-time 2 "http://$(node_addr "$1" "$2")/status" 2>/dev/null
}

# meta_get DIR PATH: GET PATH (/meta/...) from the first node that answers
# it with 200, following redirects; fails when none does.
meta_get() {
	local a
	for a in $(addrs "$1"); do
		curl -sS -L --fail --max-time 3 "http://$a$2" 2>/dev/null && return 0
	done
	return 1
}

# meta_list DIR: every descriptor in meta, one JSON object a line, in key
# order (following "more" and "resume").
meta_list() {
	local start='' page
	while :; do
		page=$(meta_get "$1" "/meta/ranges?start=$start") || return 1
		jq -c '.ranges[]' <<<"$page" || return 1
		[ "$(jq -r .more <<<"$page")" = true ] || return 0
		start=$(jq -r '.resume | @uri' <<<"$page")
	done
}

# meta_data DIR: meta_list without the meta range's own descriptor.
meta_data() {
	local m
	m=$(meta_list "$1") || return 1
	jq -c 'select(.range_id != 1)' <<<"$m"
}

# meta_desc DIR RANGE: RANGE's descriptor in meta (fails if meta has none).
meta_desc() {
	local m
	m=$(meta_list "$1") || return 1
	jq -e -c -s --argjson r "$2" '.[] | select(.range_id == $r)' <<<"$m"
}

# node_range DIR ID RANGE: RANGE's entry in node ID's /status (fails when
# the node does not answer or has no such range).
node_range() {
	local st
	st=$(node_status "$1" "$2") || return 1
	jq -e -c --argjson r "$3" '.ranges[] | select(.range_id == $r)' <<<"$st"
}

# holds DIR ID RANGE KEYS VOTERS: node ID has RANGE with KEYS live keys,
# the voters VOTERS (a sorted JSON array, e.g. [1,2,4]), and knows a leader.
holds() {
	local j
	j=$(node_range "$1" "$2" "$3") || return 1
	jq -e --argjson k "$4" --argjson v "$5" \
		'.keys == $k and (.voters | sort) == $v and (.replicas | sort) == $v
		and .leader > 0' <<<"$j" >/dev/null
}

# lacks DIR ID RANGE: node ID answers and has no replica of RANGE.
lacks() {
	local st
	st=$(node_status "$1" "$2") || return 1
	jq -e --argjson r "$3" 'all(.ranges[]; .range_id != $r)' <<<"$st" >/dev/null
}

# meta_replicas_are DIR RANGE VOTERS: meta's descriptor of RANGE lists the
# replicas VOTERS (sorted JSON array).
meta_replicas_are() {
	local m
	m=$(meta_desc "$1" "$2") || return 1
	jq -e --argjson v "$3" '(.replicas | sort) == $v' <<<"$m" >/dev/null
}

# leader_of DIR RANGE: the id of RANGE's leader (fails when none leads it).
leader_of() {
	leader_id "$1" "$2"
}

# others DIR EXCLUDE...: the node ids of DIR not in EXCLUDE, in id order.
others() {
	local dir=$1 id x skip
	shift
	for id in $(node_ids "$dir"); do
		skip=0
		for x in "$@"; do
			[ "$id" != "$x" ] || skip=1
		done
		((skip)) || echo "$id"
	done
}

# kv_get DIR KEY: KEY's value from the first node that answers 200
# (following redirects); fails when none does.
kv_get() {
	local a
	for a in $(addrs "$1"); do
		curl -sS -L --fail --max-time 3 "http://$a/kv/$2" 2>/dev/null && return 0
	done
	return 1
}

# val_of KEY: the value every test here writes under KEY.
val_of() {
	echo "val-$1"
}

# batch_put DIR PREFIX FROM TO: put PREFIX<FROM>..PREFIX<TO> (three digits)
# with val_of values in one POST /kv/batch (all in one range), through the
# nodes in turn, for up to 10 s.
batch_put() {
	local dir=$1 body a t
	body=$(awk -v p="$2" -v a="$3" -v b="$4" 'BEGIN {
		printf "{\"ops\":["
		for (i = a; i <= b; i++) {
			k = sprintf("%s%03d", p, i)
			printf "%s{\"op\":\"put\",\"key\":\"%s\",\"value\":\"val-%s\"}",
				(i > a ? "," : ""), k, k
		}
		printf "]}"
	}')
	for ((t = 0; t < 50; t++)); do
		for a in $(addrs "$dir"); do
			curl -sS -L --fail --max-time 5 -o /dev/null -d "$body" \
				"http://$a/kv/batch" 2>/dev/null && return 0
		done
		sleep 0.2
	done
	echo "batch $2$3..$2$4 not acknowledged"
	return 1
}

# kv_why DIR KEY: what each node answers to GET /kv/KEY, without and with
# redirects (for a failure's report).
kv_why() {
	local id a
	for id in $(node_ids "$1"); do
		a=$(node_addr "$1" "$id")
		echo "node $id: $(curl -sS --max-time 3 -w ' %{http_code}' "http://$a/kv/$2" 2>&1)"
		echo "node $id -L: $(curl -sS -L --max-time 3 -w ' %{http_code}' "http://$a/kv/$2" 2>&1)"
	done
}

# keys_read DIR PREFIX FROM TO: every PREFIX<FROM>..PREFIX<TO> reads back
# with its value (kv_get); prints the first that does not.
keys_read() {
	local dir=$1 i k v
	for ((i = $3; i <= $4; i++)); do
		printf -v k '%s%03d' "$2" "$i"
		v=$(kv_get "$dir" "$k") || {
			echo "GET $k failed; the nodes answer:"
			kv_why "$dir" "$k"
			return 1
		}
		[ "$v" = "$(val_of "$k")" ] || { echo "GET $k: '$v'"; return 1; }
	done
}

# keys_read_via ADDR PREFIX FROM TO: the same through one node (curl -L).
keys_read_via() {
	local addr=$1 i k v
	for ((i = $3; i <= $4; i++)); do
		printf -v k '%s%03d' "$2" "$i"
		v=$(curl -sS -L --fail --max-time 3 "http://$addr/kv/$k" 2>/dev/null) ||
			{ echo "GET $k through $addr failed"; return 1; }
		[ "$v" = "$(val_of "$k")" ] || { echo "GET $k through $addr: '$v'"; return 1; }
	done
}

# post ADDR PATH JSON [curl args]: POST JSON; prints the body and a last
# line status=NNN (the http helper).
post() {
	local addr=$1 path=$2 body=$3
	shift 3
	http POST "http://$addr$path" -H 'Content-Type: application/json' \
		-d "$body" "$@"
}

# body_of OUTPUT: post/http output without its status line.
body_of() {
	sed '/^status=/d' <<<"$1"
}

# status_of OUTPUT: the NNN of post/http output's status line.
status_of() {
	sed -n 's/^status=//p' <<<"$1" | tail -n 1
}

# admin DIR RANGE PATH JSON: POST JSON to RANGE's leader (found in the
# nodes' /status), following not_leader answers (307 or 421 naming a
# leader_addr) up to 3 times.  Prints the last body and status=NNN
# (status=none when no node leads RANGE).
admin() {
	local dir=$1 r=$2 path=$3 body=$4 l addr out code la hop
	l=$(leader_of "$dir" "$r") || { echo "status=none"; return 0; }
	addr=$(node_addr "$dir" "$l")
	for ((hop = 0; hop < 4; hop++)); do
		out=$(post "$addr" "$path" "$body" --max-time 70 2>/dev/null) ||
			out="status=000"
		code=$(status_of "$out")
		if [ "$code" = 307 ] || [ "$code" = 421 ]; then
			la=$(body_of "$out" | jq -r 'select(.error.code == "not_leader") |
				.error.leader_addr // empty' 2>/dev/null)
			if [ -n "$la" ]; then
				addr=$la
				continue
			fi
		fi
		break
	done
	echo "$out"
}

# admin_retry DIR RANGE PATH JSON: admin, again for up to 20 s while the
# answer is retryable (no leader, 409 conflict, 503, 504, transport).
admin_retry() {
	local out code t
	for ((t = 0; t < 40; t++)); do
		out=$(admin "$@")
		code=$(status_of "$out")
		case $code in none | 000 | 409 | 503 | 504) sleep 0.5 ;; *) break ;; esac
	done
	echo "$out"
}

# split_at DIR KEY: split the range holding KEY at KEY (its leader found
# through meta); prints the new right range's id.
split_at() {
	local dir=$1 key=$2 loc r out t
	for ((t = 0; t < 20; t++)); do
		if loc=$(meta_get "$dir" "/meta/locate?key=$key"); then
			r=$(jq -r .range.range_id <<<"$loc")
			out=$(admin "$dir" "$r" /admin/split "{\"range_id\":$r,\"key\":\"$key\"}")
			if [ "$(status_of "$out")" = 200 ]; then
				body_of "$out" | jq -r .right.range_id
				return 0
			fi
		fi
		sleep 0.5
	done
	echo "split at $key failed: $out" >&2
	return 1
}

# all_led DIR: every range in meta, and meta itself, has a leader.
all_led() {
	local r m
	m=$(meta_list "$1") || return 1
	for r in $( (echo 1; jq -r .range_id <<<"$m") | sort -nu); do
		leader_of "$1" "$r" >/dev/null || return 1
	done
}

# scan_page DIR START: one GET /kv?start=START page, from the first node
# (from a random one on) that answers 200; up to 30 s (a range that has
# just been merged and moved, on a loaded CI machine, may take a while to
# elect; the wait is reported when it passes 5 s).
scan_page() {
	local dir=$1 a all n i end=$((SECONDS + 30)) t0=$SECONDS
	mapfile -t all < <(addrs "$dir")
	n=${#all[@]}
	while ((SECONDS < end)); do
		for ((i = 0; i < n; i++)); do
			a=${all[(i + RANDOM) % n]}
			if curl -sS -L --fail --max-time 5 \
				"http://$a/kv?limit=10000&start=$2" 2>/dev/null; then
				((SECONDS - t0 <= 5)) ||
					echo "scan: start='$2' answered after $((SECONDS - t0)) s" >&2
				return 0
			fi
		done
		sleep 0.2
	done
	echo "scan: no node answered start='$2' within 30 s" >&2
	return 1
}

# scan_all DIR: "KEY<TAB>VALUE" for every key of the keyspace, range after
# range (continuing at "resume" while "more").
scan_all() {
	local dir=$1 start='' page
	while :; do
		page=$(scan_page "$dir" "$start") || return 1
		jq -r '.kvs[] | "\(.key)\t\(.value)"' <<<"$page" || return 1
		[ "$(jq -r .more <<<"$page")" = true ] || return 0
		start=$(jq -r '.resume | @uri' <<<"$page")
		[ -n "$start" ] || { echo "scan: more without resume: $page" >&2; return 1; }
	done
}

# put_any ADDRS_ARRAY_NAME KEY VALUE: PUT through each node in turn (from a
# random one on), following redirects, until one answers 204.
put_any() {
	local -n _a=$1
	local n=${#_a[@]} i k=$RANDOM code
	for ((i = 0; i < n; i++)); do
		code=$(curl -sS -L --max-time 3 -o /dev/null -w '%{http_code}' \
			-X PUT --data-binary "$3" "http://${_a[(k + i) % n]}/kv/$2" \
			2>/dev/null) || true
		[ "$code" != 204 ] || return 0
	done
	return 1
}

# get_any ADDRS_ARRAY_NAME KEY: KEY's value through the first node that
# answers 200.
get_any() {
	local -n _g=$1
	local n=${#_g[@]} i k=$RANDOM
	for ((i = 0; i < n; i++)); do
		curl -sS -L --fail --max-time 3 "http://${_g[(k + i) % n]}/kv/$2" \
			2>/dev/null && return 0
	done
	return 1
}

# ---- 1 ---------------------------------------------------------------------

@test "move a replica to an empty node and back; the data follows" {
	local d="$T/move" l f o out code nl nla want i k v
	cluster_start "$d" --nodes 4 --raftd auto_split=false
	# one batch, then a split through it: range 2's log now holds a
	# command wider than the range, which a new replica must still get
	# the range's half of
	batch_put "$d" m 1 50
	split_at "$d" m026
	wait_secs 20 all_led "$d"
	for i in 1 2 3; do
		wait_until 10 holds "$d" "$i" 2 25 '[1,2,3]'
	done
	# ranges start on the founders 1-3; node 4 is empty
	run -0 node_status "$d" 4
	jq -e '.ranges == []' <<<"$output"
	l=$(leader_of "$d" 2)
	f=$(others "$d" "$l" 4 | head -n 1)	# a founder that does not lead
	o=$(others "$d" "$l" "$f" 4)		# the third founder

	# move f's replica to node 4, asked of the leader
	run -0 post "$(node_addr "$d" "$l")" /admin/move \
		"{\"range_id\":2,\"from\":$f,\"to\":4}" --max-time 70
	echo "$output"
	assert_line status=200
	want=$(jq -c -n --argjson a "$l" --argjson b "$o" '[$a, $b, 4] | sort')
	body_of "$output" | jq -e --argjson v "$want" \
		'.range.range_id == 2 and (.range.replicas | sort) == $v'
	# node 4 has the range with every key; the old node drops its replica
	wait_until 20 holds "$d" 4 2 25 "$want" || {
		echo "node 4: $(node_range "$d" 4 2)"
		false
	}
	wait_until 20 lacks "$d" "$f" 2 || {
		echo "node $f still has range 2: $(node_range "$d" "$f" 2)"
		false
	}
	wait_secs 10 meta_replicas_are "$d" 2 "$want" || {
		meta_desc "$d" 2
		false
	}
	# reads through node 4 see every key
	keys_read_via "$(node_addr "$d" 4)" m 1 25
	# the old node no longer serves the range's keys
	run -0 http GET "http://$(node_addr "$d" "$f")/kv/m001"
	assert_line status=421
	assert_output --partial '"code":"range_moved"'
	# node 4 leads the range and serves it from its own copy
	run -0 admin_retry "$d" 2 /admin/transfer-leader '{"range_id":2,"node":4}'
	assert_line status=200
	for ((i = 1; i <= 25; i++)); do
		printf -v k 'm%03d' "$i"
		v=$(curl -sS --fail --max-time 3 "http://$(node_addr "$d" 4)/kv/$k") || {
			echo "node 4, leading range 2, does not have $k:"
			kv_why "$d" "$k"
			false
		}
		[ "$v" = "$(val_of "$k")" ]
	done
	run -0 curl -sS -o /dev/null -w '%{http_code}' -X PUT \
		--data-binary "$(val_of m000)" "http://$(node_addr "$d" 4)/kv/m000"
	assert_output 204

	# now move the leader's own replica (node 4's) back to f: the
	# leader hands its lead to another replica and sends the client there
	out=$(post "$(node_addr "$d" 4)" /admin/move \
		"{\"range_id\":2,\"from\":4,\"to\":$f}" --max-time 70)
	echo "$out"
	code=$(status_of "$out")
	[ "$code" = 307 ] || [ "$code" = 421 ]
	body_of "$out" | jq -e '.error.code == "not_leader"'
	nl=$(body_of "$out" | jq -r .error.leader)
	nla=$(body_of "$out" | jq -r .error.leader_addr)
	[ "$nl" = "$l" ] || [ "$nl" = "$o" ]
	[ "$nla" = "$(node_addr "$d" "$nl")" ]
	# the new leader does the move (it may still be settling in: retry
	# what is retryable)
	for ((i = 0; i < 20; i++)); do
		out=$(post "$nla" /admin/move "{\"range_id\":2,\"from\":4,\"to\":$f}" \
			--max-time 70)
		case $(status_of "$out") in 409 | 503 | 504) sleep 0.5 ;; *) break ;; esac
	done
	echo "$out"
	[ "$(status_of "$out")" = 200 ]
	body_of "$out" | jq -e '(.range.replicas | sort) == [1,2,3]'
	# f has the range again with all 26 keys; node 4 drops it
	wait_until 30 holds "$d" "$f" 2 26 '[1,2,3]' || {
		echo "node $f: $(node_range "$d" "$f" 2)"
		echo "its log:"
		grep -v 'level=debug' "$d/node$f.log" | tail -n 15
		false
	}
	wait_until 20 lacks "$d" 4 2
	wait_secs 10 meta_replicas_are "$d" 2 '[1,2,3]'
	for i in 1 2 3; do
		wait_until 20 holds "$d" "$i" 2 26 '[1,2,3]'
	done
	# every key intact, through every node that holds the range, and
	# the other half untouched
	for i in 1 2 3; do
		keys_read_via "$(node_addr "$d" "$i")" m 0 25
	done
	keys_read "$d" m 26 50
	[ "$(scan_all "$d" | grep -c $'^m[0-9]*\tval-m[0-9]*$')" = 51 ]
}

# ---- 2 ---------------------------------------------------------------------

# writer DIR PREFIX STOP ACKS ERRS: PUT PREFIX000001, PREFIX000002, ...
# (each through the nodes in turn until one says 204) until STOP exists;
# "KEY<TAB>VALUE" to ACKS on 204, the key to ERRS when no node took it.
writer() {
	local dir=$1 prefix=$2 stop=$3 acks=$4 errs=$5 i=0 key val all
	mapfile -t all < <(addrs "$dir")
	while [ ! -e "$stop" ]; do
		i=$((i + 1))
		printf -v key '%s%06d' "$prefix" "$i"
		val=$(val_of "$key")
		if put_any all "$key" "$val"; then
			printf '%s\t%s\n' "$key" "$val" >>"$acks"
		else
			echo "$key" >>"$errs"
		fi
	done
}

# random_range DIR [FILTER]: a random range id of meta's, the meta range
# included (jq FILTER on the descriptors, e.g. 'select(.end != "")').
random_range() {
	local m ids
	m=$(meta_list "$1") || return 1
	mapfile -t ids < <(jq -r "${2:-.} | .range_id" <<<"$m")
	((${#ids[@]} > 0)) || return 1
	echo "${ids[RANDOM % ${#ids[@]}]}"
}

# op_split DIR: split (at the median) the range holding a random
# acknowledged key; prints the HTTP status.
op_split() {
	local dir=$1 n key loc r
	n=$(cat "$dir"/acks.? | wc -l)
	((n > 0)) || { echo none; return; }
	key=$(cat "$dir"/acks.? | sed -n "$((RANDOM % n + 1))s/\t.*//p")
	loc=$(meta_get "$dir" "/meta/locate?key=$key") || { echo no-meta; return; }
	r=$(jq -r .range.range_id <<<"$loc")
	status_of "$(admin "$dir" "$r" /admin/split "{\"range_id\":$r}")"
}

# op_move DIR: move a random replica of a random range to a node without
# one; prints the HTTP status.
op_move() {
	local dir=$1 r m reps from to cand
	r=$(random_range "$dir") || { echo no-meta; return; }
	m=$(meta_desc "$dir" "$r") || { echo no-meta; return; }
	mapfile -t reps < <(jq -r '.replicas[]' <<<"$m")
	from=${reps[RANDOM % ${#reps[@]}]}
	mapfile -t cand < <(others "$dir" "${reps[@]}")
	((${#cand[@]} > 0)) || { echo no-target; return; }
	to=${cand[RANDOM % ${#cand[@]}]}
	echo "move $r $from -> $to" >&2
	status_of "$(admin "$dir" "$r" /admin/move "{\"range_id\":$r,\"from\":$from,\"to\":$to}")"
}

# op_merge DIR: merge a random data range (not the last) with its right
# neighbour, retrying retryable errors; prints the HTTP status.
op_merge() {
	local dir=$1 r
	r=$(random_range "$dir" 'select(.range_id != 1 and .end != "")') ||
		{ echo no-pair; return; }
	echo "merge $r" >&2
	status_of "$(admin_retry "$dir" "$r" /admin/merge "{\"range_id\":$r}")"
}

# op_transfer DIR: hand a random range's lead to another of its replicas;
# prints the HTTP status.
op_transfer() {
	local dir=$1 r l m to cand
	r=$(random_range "$dir") || { echo no-meta; return; }
	m=$(meta_desc "$dir" "$r") || { echo no-meta; return; }
	l=$(leader_of "$dir" "$r") || { echo no-leader; return; }
	mapfile -t cand < <(jq -r --argjson l "$l" '.replicas[] | select(. != $l)' <<<"$m")
	((${#cand[@]} > 0)) || { echo no-target; return; }
	to=${cand[RANDOM % ${#cand[@]}]}
	status_of "$(admin "$dir" "$r" /admin/transfer-leader "{\"range_id\":$r,\"node\":$to}")"
}

@test "writers keep writing while ranges split, merge and move: every acknowledged write is there" {
	local d="$T/churn" p op round code n_acks n key v
	local -A ok=() tried=()
	RANDOM=520
	cluster_start "$d" --nodes 4 --raftd auto_split=false
	for p in a b; do
		: >"$d/acks.$p"
		bg "$d/stop" writer "$d" "$p" "$d/stop" "$d/acks.$p" "$d/errs.$p"
	done
	sleep 2
	# rounds of split, move, transfer-leader, merge, move, split
	for ((round = 1; round <= 4; round++)); do
		for op in split move transfer merge move split; do
			code=$(op_$op "$d")
			echo "round $round: $op -> $code"
			tried[$op]=$((${tried[$op]:-0} + 1))
			[ "$code" != 200 ] || ok[$op]=$((${ok[$op]:-0} + 1))
			sleep 0.3
		done
	done
	sleep 1
	bg_wait "$d/stop"
	cat "$d"/acks.? | LC_ALL=C sort >"$d/acks"
	n_acks=$(wc -l <"$d/acks")
	echo "acknowledged writes: $n_acks, not taken by any node: $(cat "$d"/errs.? 2>/dev/null | wc -l)"
	for op in split move transfer merge; do
		echo "$op: ${ok[$op]:-0} of ${tried[$op]:-0} succeeded"
	done
	# each kind of change happened, or this proves nothing
	((${ok[split]:-0} >= 3 && ${ok[move]:-0} >= 3 && ${ok[transfer]:-0} >= 2 &&
		${ok[merge]:-0} >= 2)) || { echo "too few changes succeeded"; false; }
	((n_acks >= 200)) || { echo "too few writes acknowledged"; false; }
	# every acknowledged write with its value, in one full scan that
	# returns each key once, in order
	wait_secs 30 all_led "$d"
	scan_all "$d" >"$d/scan"
	cut -f1 "$d/scan" | LC_ALL=C sort -c -u
	LC_ALL=C comm -23 "$d/acks" "$d/scan" >"$d/lost"
	[ ! -s "$d/lost" ] || {
		echo "lost $(wc -l <"$d/lost") acknowledged writes, e.g.:"
		head "$d/lost"
		false
	}
	# a write no node acknowledged may be there or not, but with its value
	run -0 awk -F'\t' '$2 != "val-" $1' "$d/scan"
	assert_output ""
	# and read one by one (a sample), through any node
	for ((n = 0; n < 40; n++)); do
		key=$(sed -n "$((RANDOM % n_acks + 1))s/\t.*//p" "$d/acks")
		v=$(kv_get "$d" "$key") || { echo "GET $key failed"; false; }
		[ "$v" = "$(val_of "$key")" ] || { echo "GET $key: '$v'"; false; }
	done
}

# ---- 3 ---------------------------------------------------------------------

# free_port: a loopback port no socket uses, below the ephemeral range.
free_port() {
	local used p laddr f lo=20000 hi=30000 elo ehi
	used=" $(for f in /proc/net/tcp /proc/net/tcp6; do
		while read -r _ laddr _; do
			[[ $laddr == *:* ]] && echo $((16#${laddr##*:}))
		done <"$f"
	done | tr '\n' ' ') "
	if read -r elo ehi </proc/sys/net/ipv4/ip_local_port_range && ((elo <= hi)); then
		lo=$((ehi + 1)) hi=$((ehi + 10001))
		((hi <= 65000)) || hi=65000
	fi
	while :; do
		p=$((lo + RANDOM % (hi - lo)))
		case $used in *" $p "*) ;; *) echo "$p"; return 0 ;; esac
	done
}

# lists_node DIR ID N ADDR: node ID's GET /meta/nodes names node N at ADDR.
lists_node() {
	local out
	out=$(curl -sS --fail --max-time 2 "http://$(node_addr "$1" "$2")/meta/nodes") || return 1
	jq -e --argjson n "$3" --arg a "$4" 'any(.nodes[]; .id == $n and .address == $a)' \
		<<<"$out" >/dev/null
}

@test "a new node joins with --join and gets replicas" {
	local d="$T/join" port a4 id l f want
	cluster_start "$d" --raftd auto_split=false
	batch_put "$d" j 1 30
	port=$(free_port)
	a4="127.0.0.1:$port"
	printf '\n[node.4]\naddress = %s\ndata = %s\n' "$a4" "$d/n4" >>"$d/rangedb.conf"
	# started by hand; its PID goes to DIR/node4.pid too, so that
	# clusters_stop_all stops it with the rest
	daemon_start node4 "$d/node4" raftd --id 4 --config "$d/rangedb.conf" \
		--join "$(node_addr "$d" 1)"
	cp "$d/node4/pid" "$d/node4.pid"
	[ "$(cat "$d/node4/addr")" = "$a4" ]
	# every node, the new one too, lists node 4 at its address
	for id in 1 2 3 4; do
		wait_until 15 lists_node "$d" "$id" 4 "$a4" || {
			echo "node $id does not list node 4:"
			curl -sS "http://$(node_addr "$d" "$id")/meta/nodes"
			sed 's/^/  /' "$d/node4/log" | tail
			false
		}
	done
	grep -q 'msg="joined the cluster"' "$d/node4/log"
	# it has no replica yet
	run -0 node_status "$d" 4
	jq -e '.node == 4 and .ranges == []' <<<"$output"
	# it answers meta reads without a replica of meta (asking its leader)
	run -0 curl -sS -L --fail --max-time 5 "http://$a4/meta/locate?key=j001"
	jq -e '.range.range_id == 2' <<<"$output"
	run -0 curl -sS -L --fail --max-time 5 "http://$a4/meta/ranges"
	jq -e '[.ranges[].range_id] == [1, 2]' <<<"$output"
	# node ids are never reused for another address
	run -0 post "$(node_addr "$d" "$(leader_of "$d" 1)")" /meta/nodes \
		'{"id":4,"address":"127.0.0.1:1"}'
	assert_line status=409
	assert_output --partial '"code":"conflict"'
	# move a follower's replica of range 2 to it
	l=$(leader_of "$d" 2)
	f=$(others "$d" "$l" 4 | head -n 1)
	run -0 admin_retry "$d" 2 /admin/move "{\"range_id\":2,\"from\":$f,\"to\":4}"
	echo "$output"
	assert_line status=200
	want=$(others "$d" "$f" | jq -s -c 'sort')
	wait_until 20 holds "$d" 4 2 30 "$want" || {
		node_range "$d" 4 2
		false
	}
	wait_until 20 lacks "$d" "$f" 2
	wait_secs 10 meta_replicas_are "$d" 2 "$want"
	# it serves: reads and writes through it, then as the leader itself
	keys_read_via "$a4" j 1 30
	run -0 curl -sS -L -o /dev/null -w '%{http_code}' -X PUT \
		--data-binary "$(val_of j031)" "http://$a4/kv/j031"
	assert_output 204
	run -0 admin_retry "$d" 2 /admin/transfer-leader '{"range_id":2,"node":4}'
	assert_line status=200
	run -0 curl -sS --fail "http://$a4/kv/j031"
	assert_output "$(val_of j031)"
	run -0 curl -sS -o /dev/null -w '%{http_code}' -X PUT \
		--data-binary "$(val_of j032)" "http://$a4/kv/j032"
	assert_output 204
	keys_read "$d" j 1 32
}

# ---- 4 ---------------------------------------------------------------------

# rw_loop DIR STOP LOG: until STOP exists, PUT a new key (spread over the
# r000..r159 ranges) then GET it back, each through any node; one line per
# operation to LOG: "START_S END_S ok|fail OP KEY".
rw_loop() {
	local dir=$1 stop=$2 log=$3 i=0 key t0 v all
	mapfile -t all < <(addrs "$dir")
	while [ ! -e "$stop" ]; do
		i=$((i + 1))
		printf -v key 'r%03d-rw%05d' $((RANDOM % 160)) "$i"
		t0=$EPOCHREALTIME
		if put_any all "$key" "$(val_of "$key")"; then
			echo "$t0 $EPOCHREALTIME ok put $key" >>"$log"
		else
			echo "$t0 $EPOCHREALTIME fail put $key" >>"$log"
			continue
		fi
		t0=$EPOCHREALTIME
		v=$(get_any all "$key") || v=
		if [ "$v" = "$(val_of "$key")" ]; then
			echo "$t0 $EPOCHREALTIME ok get $key" >>"$log"
		else
			echo "$t0 $EPOCHREALTIME fail get $key" >>"$log"
		fi
	done
}

# longest_outage LOG: the longest time (s) from the start of a failed
# operation to the end of the next one that succeeded (to the end of the
# log when none did).
longest_outage() {
	awk '$3 == "fail" && f == 0 { f = $1 }
		$3 == "ok" && f > 0 { if ($2 - f > m) m = $2 - f; f = 0 }
		{ last = $2 }
		END { if (f > 0 && last - f > m) m = last - f; printf "%.1f\n", m }' "$1"
}

# spread DIR: "ID REPLICAS REPLICAS_DATA LEADERS" for every node: replicas
# of every range (meta included) and of the data ranges only, as meta
# lists them, and the ranges the node says it leads.
spread() {
	local dir=$1 m id st
	m=$(meta_list "$dir") || return 1
	for id in $(node_ids "$dir"); do
		st=$(node_status "$dir" "$id") || return 1
		jq -r -s --argjson id "$id" --argjson st "$st" '
			[.[] | select(.replicas | index($id))] as $mine |
			"\($id) \($mine | length) \([$mine[] | select(.range_id != 1)] |
			length) \([$st.ranges[] | select(.role == "leader")] | length)"' \
			<<<"$m" || return 1
	done
}

# balanced DIR: every node holds a replica of a data range and leads a
# range; replica counts (of every range: rangectl rebalance moves the meta
# range like any other) and leader counts differ by at most 1.
balanced() {
	local s
	s=$(spread "$1") || return 1
	awk '{ a[NR] = $2; b[NR] = $3; c[NR] = $4 }
		function span(x,  i, lo, hi) { lo = hi = x[1]
			for (i = 2; i <= NR; i++) { if (x[i] < lo) lo = x[i]; if (x[i] > hi) hi = x[i] }
			return hi - lo }
		function least(x,  i, lo) { lo = x[1]
			for (i = 2; i <= NR; i++) if (x[i] < lo) lo = x[i]
			return lo }
		END { exit !(NR > 0 && least(b) >= 1 && least(c) >= 1 &&
			span(a) <= 1 && span(c) <= 1) }' <<<"$s"
}

@test "start a 4th and 5th node, rangectl rebalance spreads replicas and leaders; reads and writes keep working" {
	command -v rangectl >/dev/null || skip "rangectl is not built"
	local d="$T/rebal" k right n outage actions tab=$'\t'
	cluster_start "$d" --nodes 5 --raftd auto_split=false
	batch_put "$d" r 0 159
	# eight data ranges: [\x02, r020), [r020, r040) ... [r140, +inf)
	for k in 020 040 060 080 100 120 140; do
		right=$(split_at "$d" "r$k")
		echo "split at r$k: new range $right"
	done
	wait_secs 20 all_led "$d"
	n=$(meta_data "$d" | wc -l)
	[ "$n" = 8 ]
	# nodes 4 and 5 hold nothing yet
	spread "$d"
	run -0 rangectl nodes
	echo "$output"
	assert_line --regexp "^4${tab}[^${tab}]+${tab}up${tab}0${tab}0${tab}"
	assert_line --regexp "^5${tab}[^${tab}]+${tab}up${tab}0${tab}0${tab}"
	# the plan: one line per action, nothing done yet
	run -0 --separate-stderr rangectl rebalance --dry-run
	echo "$output"
	[ -n "$output" ]
	[ -z "$(grep -vE '^(move [0-9]+ [0-9]+ [0-9]+|transfer-leader [0-9]+ [0-9]+)$' \
		<<<"$output")" ]
	grep -qE '^move [0-9]+ [0-9]+ [45]$' <<<"$output"
	[ "$(spread "$d" | awk '$1 >= 4 { n += $2 } END { print n + 0 }')" = 0 ]

	# rebalance with a reader/writer running
	bg "$d/stop" rw_loop "$d" "$d/stop" "$d/rw.log"
	sleep 2
	run -0 --separate-stderr timeout 300 rangectl rebalance
	echo "$output"
	echo "$stderr"
	actions=$output
	sleep 2
	bg_wait "$d/stop"
	# one line per action, each ": ok"; it had to move replicas onto 4 and 5
	[ -n "$actions" ]
	[ -z "$(grep -vE '^(move [0-9]+ [0-9]+ [0-9]+|transfer-leader [0-9]+ [0-9]+): ok$' \
		<<<"$actions")" ]
	grep -qE '^move [0-9]+ [0-9]+ [45]: ok$' <<<"$actions"
	# balanced: on rebalance's own terms (nothing left to do) and by count
	wait_secs 30 balanced "$d" || {
		echo "not balanced (id replicas data-replicas leaders):"
		spread "$d"
		false
	}
	spread "$d"
	run -0 --separate-stderr rangectl rebalance --dry-run
	echo "$output"
	assert_output ""
	# reads and writes never stopped for longer than an election or so
	echo "operations: $(grep -c ' ok ' "$d/rw.log") ok, $(grep -c ' fail ' "$d/rw.log") failed"
	n=$(grep -c ' ok ' "$d/rw.log")
	((n >= 20)) ||
		{ echo "too few operations succeeded"; false; }
	outage=$(longest_outage "$d/rw.log")
	echo "longest outage: $outage s"
	awk -v o="$outage" 'BEGIN { exit !(o <= 10) }' || {
		grep ' fail ' "$d/rw.log" | head -20
		false
	}
	# every key, and every write the loop saw acknowledged
	keys_read "$d" r 0 159
	grep ' ok put ' "$d/rw.log" | while read -r _ _ _ _ k; do
		[ "$(kv_get "$d" "$k")" = "$(val_of "$k")" ] || { echo "lost $k"; exit 1; }
	done
	put_sure "$d" r999 after-rebalance
}

# ---- 5 ---------------------------------------------------------------------

# replaced DIR DEAD: every range in meta and the meta range list three
# replicas, none of them DEAD, and every live node holds exactly those
# ranges (every range, with three live nodes) with those replicas.
replaced() {
	local dir=$1 dead=$2 m want id st
	m=$(meta_list "$dir") || return 1
	jq -e -s --argjson x "$dead" \
		'length > 0 and all(.[]; (.replicas | length) == 3 and
		(.replicas | index($x)) == null)' <<<"$m" >/dev/null || return 1
	want=$( (echo 1; jq -r .range_id <<<"$m") | sort -nu | tr '\n' ' ')
	for id in $(others "$dir" "$dead"); do
		st=$(node_status "$dir" "$id") || return 1
		[ "$(jq -r '.ranges[].range_id' <<<"$st" | sort -n | tr '\n' ' ')" = "$want" ] ||
			return 1
		jq -e --argjson x "$dead" 'all(.ranges[]; (.replicas | length) == 3 and
			(.replicas | index($x)) == null and (.voters | index($x)) == null
			and .leader > 0)' <<<"$st" >/dev/null || return 1
	done
}

@test "kill a node for good: its ranges return to 3 replicas on the others" {
	local d="$T/dead" k victim pid i
	cluster_start "$d" --nodes 4 --raftd dead_node_timeout=3s --raftd auto_split=false
	batch_put "$d" x 0 89
	for k in 030 060; do
		split_at "$d" "x$k"
	done
	wait_secs 20 all_led "$d"
	[ "$(meta_data "$d" | wc -l)" = 3 ]
	# the victim: the founder leading meta (every founder holds meta and
	# every range)
	victim=$(leader_of "$d" 1)
	pid=$(cat "$d/node$victim.pid")
	[ "$pid" = "$(node_pid "$d" "$victim")" ]
	kill -KILL "$pid"
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	run ! kill -0 "$pid"
	rm -f "$d/node$victim.pid"
	# within the timeout and a few passes: three replicas again, on the
	# live nodes only, as meta and every live node see it
	wait_secs 60 replaced "$d" "$victim" || {
		echo "not replaced; meta:"
		meta_list "$d"
		for i in $(others "$d" "$victim"); do
			echo "node $i: $(node_status "$d" "$i" | jq -c '[.ranges[] | {range_id, replicas, leader}]')"
		done
		grep -h 'replac' "$d"/node*.log | tail
		false
	}
	grep -h 'msg="replacing a dead replica"' "$d"/node*.log
	# all data readable; writes go on
	keys_read "$d" x 0 89
	put_sure "$d" x999 after-the-loss
	run -0 kv_get "$d" x999
	assert_output after-the-loss
}

# ---- 6 ---------------------------------------------------------------------

@test "merge refuses what it must" {
	local d="$T/merge" r l la before after gen0
	cluster_start "$d" --raftd auto_split=false
	batch_put "$d" g 1 40
	r=$(split_at "$d" g021)
	wait_secs 20 all_led "$d"
	run -0 meta_data "$d"
	[ "${#lines[@]}" = 2 ]
	gen0=$(meta_desc "$d" 2 | jq .generation)
	before=$(meta_list "$d")

	# the last range has no right neighbour
	run -0 admin_retry "$d" "$r" /admin/merge "{\"range_id\":$r}"
	echo "$output"
	assert_line status=400
	assert_output --partial '"code":"bad_input"'
	# the meta range never merges
	run -0 admin_retry "$d" 1 /admin/merge '{"range_id":1}'
	echo "$output"
	assert_line status=400
	assert_output --partial '"code":"bad_input"'
	# no such range; no range_id; a follower sends the client on
	l=$(leader_of "$d" 2)
	la=$(node_addr "$d" "$l")
	run -0 post "$la" /admin/merge '{"range_id":999}'
	assert_line status=404
	assert_output --partial '"code":"not_found"'
	run -0 post "$la" /admin/merge '{}'
	assert_line status=400
	assert_output --partial '"code":"bad_input"'
	run -0 post "$(node_addr "$d" "$(others "$d" "$l" | head -n 1)")" /admin/merge \
		'{"range_id":2}'
	assert_line status=307
	assert_output --partial '"code":"not_leader"'
	assert_output --partial "\"leader\":$l"
	# nothing changed
	after=$(meta_list "$d")
	[ "$before" = "$after" ]
	keys_read "$d" g 1 40

	# merging 2 with its neighbour works: one range for the union
	run -0 admin_retry "$d" 2 /admin/merge '{"range_id":2}'
	echo "$output"
	assert_line status=200
	body_of "$output" | jq -e --argjson g "$gen0" '.range.range_id == 2 and
		.range.start == "\u0002" and .range.end == "" and .range.generation > $g'
	one_range() {
		local m
		m=$(meta_data "$d") || return 1
		jq -e -s --argjson g "$gen0" 'length == 1 and .[0].range_id == 2 and
			.[0].start == "\u0002" and .[0].end == "" and .[0].generation > $g' \
			<<<"$m" >/dev/null
	}
	wait_secs 10 one_range || {
		meta_list "$d"
		false
	}
	# every replica holds both halves' keys; the absorbed range is gone
	for l in $(node_ids "$d"); do
		wait_until 20 holds "$d" "$l" 2 40 '[1,2,3]' || {
			node_range "$d" "$l" 2
			false
		}
		wait_until 20 lacks "$d" "$l" "$r"
	done
	run -0 meta_get "$d" "/meta/locate?key=g030"
	jq -e '.range.range_id == 2' <<<"$output"
	# one scan of range 2 returns all 40, and says it is the last range
	run -0 scan_page "$d" g
	jq -e '[.kvs[].key] | length == 40' <<<"$output"
	jq -e '.more == false and .range_id == 2 and .kvs[0].key == "g001" and
		.kvs[39].key == "g040"' <<<"$output"
	keys_read "$d" g 1 40
	# the absorbed half takes writes again, in range 2
	put_sure "$d" g041 "$(val_of g041)"
	keys_read "$d" g 41 41
	# and the merged range is now the last one: nothing to merge with
	run -0 admin_retry "$d" 2 /admin/merge '{"range_id":2}'
	assert_line status=400
	assert_output --partial '"code":"bad_input"'
}
