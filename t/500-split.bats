#!/usr/bin/env bats
# 500-split.bats -- ranges that split, on real 3-node clusters started with
# contrib/local-cluster: 100,000 keys loaded with a small split_bytes end up
# in many ranges, every key exactly once and in order (also in scans taken
# while the ranges split), meta's descriptors tile the keyspace and every
# node agrees with them; writers lose no acknowledged write while ranges
# split by hand and by size; POST /admin/split at a key, and its refusals,
# which change nothing; a range hot with reads splits by load;
# transfer-leader moves a range's leadership; rangectl list and splitter
# --hot --apply (skipped until both programs are built).
#
# Needs jq (1.6 is enough: the numbers read here are small).  Background
# loops stop when $T/NAME/stop appears; teardown creates those files and
# waits for the loops (by PID) before it stops the clusters.

bats_require_minimum_version 1.8.0
load helpers/test_helper

PATH="$RANGEDB_BUILDDIR/cmd/rangectl:$RANGEDB_BUILDDIR/cmd/splitter:$PATH"

setup_file() {
	export T="$BATS_FILE_TMPDIR"
	command -v jq >/dev/null || {
		echo "# t/500-split.bats needs jq" >&3
		return 1
	}
}

teardown() {
	bg_stop_all
	clusters_stop_all
	daemons_stop_all
}

# ---- talking to the cluster ------------------------------------------------

# any_addr DIR: the address of a node picked at random.
any_addr() {
	local ids
	mapfile -t ids < <(node_ids "$1")
	node_addr "$1" "${ids[RANDOM % ${#ids[@]}]}"
}

# meta_list DIR [LIMIT]: every data range's descriptor in meta, one JSON
# object a line, in key order (pages of LIMIT, following "more" and
# "resume"); fails when meta does not answer.  Meta also lists itself
# (range 1, first); meta_self checks that line.
meta_list() {
	local m
	m=$(meta_all "$@") || return 1
	grep -v '^{"range_id":1,' <<<"$m" || true
}

# meta_self DIR: meta lists range 1 over [0x01, 0x02).
meta_self() {
	meta_all "$1" | head -1 |
		jq -e '.range_id == 1 and .start == "\u0001" and .end == "\u0002"' >/dev/null
}

meta_all() {
	local addr start= page
	addr=$(any_addr "$1")
	while :; do
		page=$(curl -sS -L --fail --max-time 5 \
			"http://$addr/meta/ranges?limit=${2:-}&start=$start" 2>/dev/null) || return 1
		jq -c '.ranges[]' <<<"$page" || return 1
		[ "$(jq -r .more <<<"$page")" = true ] || return 0
		start=$(jq -r '.resume | @uri' <<<"$page")
	done
}

# meta_count DIR: how many ranges meta lists.
meta_count() {
	local m
	m=$(meta_list "$1") || return 1
	grep -c . <<<"$m"
}

# meta_count_at_least DIR N: meta lists N ranges or more.
meta_count_at_least() {
	local n
	n=$(meta_count "$1") && ((n >= $2))
}

# meta_tiles: stdin (meta_list output) covers the user keyspace without
# gap or overlap: the first start is 0x02, each end is the next start, the
# last end is "" (+infinity).  Prints what is wrong otherwise.
meta_tiles() {
	local m
	m=$(cat)
	jq -s -e '
		length > 0 and .[0].start == "\u0002" and .[-1].end == "" and
		(. as $r | all(range(1; $r | length); $r[. - 1].end == $r[.].start))' \
		<<<"$m" >/dev/null || {
		echo "meta does not tile the keyspace:"
		echo "$m"
		return 1
	}
}

# meta_settled DIR SECONDS: within SECONDS, meta tiles the keyspace and
# stays the same for 3 s (no split under way).
meta_settled() {
	local dir=$1 end=$((SECONDS + $2)) m1 m2
	while ((SECONDS < end)); do
		if m1=$(meta_list "$dir") && meta_tiles <<<"$m1" >/dev/null; then
			sleep 3
			m2=$(meta_list "$dir") && [ "$m1" = "$m2" ] && return 0
		else
			sleep 0.5
		fi
	done
	echo "meta did not settle within $2 s; last:"
	meta_list "$dir"
	return 1
}

# desc_lines: "range_id generation start end" of each range in stdin
# (meta_list output or /status ranges), sorted.
desc_lines() {
	jq -r '"\(.range_id) \(.generation) \(.start // .start_b64) \(.end // .end_b64)"' | sort
}

# status_lines DIR ID: desc_lines of node ID's data ranges (not meta's).
status_lines() {
	local st
	st=$(curl -sS --fail --max-time 2 "http://$(node_addr "$1" "$2")/status") || return 1
	jq -c '.ranges[] | select(.range_id != 1)' <<<"$st" | desc_lines
}

# nodes_agree DIR: every node has exactly meta's ranges, with the same
# generation and bounds, and knows a leader for each.
nodes_agree() {
	local dir=$1 want id st
	want=$(meta_list "$dir" | desc_lines) || return 1
	[ -n "$want" ] || return 1
	for id in $(node_ids "$dir"); do
		[ "$(status_lines "$dir" "$id")" = "$want" ] || return 1
		st=$(curl -sS --fail --max-time 2 "http://$(node_addr "$dir" "$id")/status") || return 1
		jq -e 'all(.ranges[]; .leader > 0)' <<<"$st" >/dev/null || return 1
	done
}

# ranges_under DIR BYTES: every data range's leader reports a size_bytes
# under BYTES (what the size splitter looks at).
ranges_under() {
	local id st
	for id in $(node_ids "$1"); do
		st=$(curl -sS --fail --max-time 2 "http://$(node_addr "$1" "$id")/status") || return 1
		jq -e --argjson max "$2" 'all(.ranges[] | select(.role == "leader" and
			.range_id != 1); .size_bytes < $max)' <<<"$st" >/dev/null || return 1
	done
}

# scan_all ADDR: "KEY<TAB>VALUE" for every key of the keyspace, range after
# range (GET /kv, continuing at "resume" while "more").  A page that fails
# is asked again for up to 10 s (a range may be without a leader for a
# moment after a split); then scan_all fails.
scan_all() {
	local addr=$1 start= page out ctl tries
	while :; do
		tries=0
		until page=$(curl -sS -L --fail --max-time 5 \
			"http://$addr/kv?limit=10000&start=$start" 2>/dev/null); do
			((tries++ < 100)) || {
				echo "scan: no answer for start='$start'" >&2
				return 1
			}
			sleep 0.1
		done
		out=$(jq -r '(.kvs[] | "\(.key)\t\(.value)"),
			(if .more then "\u0001more\t\(.resume | @uri)" else "\u0001end" end)' \
			<<<"$page") || { echo "scan: bad page: $page" >&2; return 1; }
		ctl=${out##*$'\n'}
		[ "$ctl" = "$out" ] || printf '%s\n' "${out%$'\n'*}"
		case $ctl in
		$'\x01end') return 0 ;;
		$'\x01more\t'?*) start=${ctl#*$'\t'} ;;
		*) echo "scan: more without resume: $page" >&2; return 1 ;;
		esac
	done
}

# batch_json FROM TO: a /kv/batch body putting kFROM..kTO (5 digits),
# value v-NNNNN-abcdef (20 bytes of key and value).
batch_json() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		printf "{\"ops\":["
		for (i = a; i <= b; i++)
			printf "%s{\"op\":\"put\",\"key\":\"k%05d\",\"value\":\"v-%05d-abcdef\"}",
				(i > a ? "," : ""), i, i
		printf "]}"
	}'
}

# load_keys DIR FROM TO: put kFROM..kTO in one batch through a random node;
# a batch refused for spanning two ranges is cut where the other range
# begins (the refusal names ops[i]) and both parts are sent; other
# failures are retried for a while.
load_keys() {
	local dir=$1 from=$2 to=$3 tries=0 out code body i
	while ((tries++ < 100)); do
		out=$(batch_json "$from" "$to" |
			curl -sS -L --max-time 10 -w '\n%{http_code}' \
				--data-binary @- "http://$(any_addr "$dir")/kv/batch" 2>&1) ||
			{ sleep 0.1; continue; }
		code=${out##*$'\n'}
		body=${out%$'\n'*}
		case $code in
		200) return 0 ;;
		400)
			i=$(sed -n 's/.*"ops\[\([0-9]*\)\]: its key is in range.*/\1/p' <<<"$body")
			if [ -z "$i" ] || ((i == 0)); then
				echo "batch k$from..k$to refused: $body" >&2
				return 1
			fi
			load_keys "$dir" "$from" $((from + i - 1)) || return 1
			load_keys "$dir" $((from + i)) "$to"
			return ;;
		*) sleep 0.1 ;;
		esac
	done
	echo "batch k$from..k$to not acknowledged: $code $body" >&2
	return 1
}

# scanner DIR STOP OUT: full scans through random nodes until STOP exists;
# scan N goes to OUT.N (keys only), its exit status to OUT.N.rc.
scanner() {
	local dir=$1 stop=$2 out=$3 n=0
	while [ ! -e "$stop" ]; do
		n=$((n + 1))
		scan_all "$(any_addr "$dir")" 2>"$out.$n.err" | cut -f1 >"$out.$n"
		echo "${PIPESTATUS[0]}" >"$out.$n.rc"
	done
}

# scans_complete OUT N: scanner has finished N whole scans (rc 0).
scans_complete() {
	(($(cat "$1".*.rc 2>/dev/null | grep -c '^0$') >= $2))
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

# ---- 1 ---------------------------------------------------------------------

@test "load 100K keys with a small split threshold: many ranges, every key exactly once, in order" {
	local d="$T/load" b n rc bad=0 complete=0 f
	cluster_start "$d" --raftd split_bytes=64KiB
	seq -f 'k%05g' 0 99999 >"$d/expected"
	bg "$d/stop" scanner "$d" "$d/stop" "$d/scan"
	# 100 batches of 1000 keys, in a shuffled (seeded) order so that
	# batches land in every range, and span ranges that split
	for b in $(awk 'BEGIN { srand(500); for (i = 0; i < 100; i++) a[i] = i
		for (i = 99; i > 0; i--) { j = int(rand() * (i + 1)); t = a[i]; a[i] = a[j]; a[j] = t }
		for (i = 0; i < 100; i++) print a[i] }'); do
		load_keys "$d" $((b * 1000)) $((b * 1000 + 999))
	done
	# the splits go on after the last batch: keep scanning until they come
	# to rest (every range under 64 KiB), so the scans overlap the splits
	# however fast this machine loads
	wait_until 60 ranges_under "$d" 65536
	wait_until 120 scans_complete "$d/scan" 2
	bg_wait "$d/stop"
	# every scan taken while loading: strictly increasing, no duplicate,
	# nothing that was never written
	for f in "$d"/scan.*.rc; do
		n=${f%.rc}
		rc=$(cat "$f")
		if ! LC_ALL=C sort -c -u "$n"; then
			echo "scan $n is out of order or has a duplicate"
			bad=1
		fi
		if [ -n "$(LC_ALL=C comm -23 "$n" "$d/expected" | head -3)" ]; then
			echo "scan $n has keys never written"
			bad=1
		fi
		if [ "$rc" = 0 ]; then
			complete=$((complete + 1))
		else
			echo "scan $n gave up (rc $rc): $(cat "$n.err")"
		fi
		echo "scan $n: $(wc -l <"$n") keys, rc $rc"
	done
	((bad == 0))
	# at least two whole scans ran while the ranges split (the scanner runs
	# from before the first batch until every range is under 64 KiB)
	((complete >= 2)) || { echo "only $complete complete scans during the splits"; false; }
	# meta tiles the keyspace
	meta_settled "$d" 90
	meta_list "$d" >"$d/meta"
	meta_tiles <"$d/meta"
	meta_self "$d"
	# the same in pages of 7
	meta_list "$d" 7 | cmp - "$d/meta"
	n=$(wc -l <"$d/meta")
	echo "ranges: $n"
	# 2,000,000 bytes of keys and values, no range over 64 KiB: 31 at least
	((n >= 31)) || { echo "only $n ranges"; false; }
	# a full scan now: exactly the 100,000 keys, in order
	scan_all "$(any_addr "$d")" | cut -f1 >"$d/final"
	cmp "$d/expected" "$d/final" || {
		diff "$d/expected" "$d/final" | head -20
		false
	}
	# a sample of the values
	run -0 curl -sS -L --fail "http://$(any_addr "$d")/kv/k04242"
	assert_output v-04242-abcdef
	# every node has exactly meta's ranges, same generations and bounds
	wait_until 30 nodes_agree "$d" || {
		desc_lines <"$d/meta" >"$d/meta.lines"
		for f in $(node_ids "$d"); do
			echo "node $f differs from meta:"
			status_lines "$d" "$f" | diff "$d/meta.lines" - | head
		done
		false
	}
}

# ---- 2 ---------------------------------------------------------------------

# the padding of writer's values: 150 bytes
PAD=$(printf '%0150d' 0)

# writer DIR PREFIX STOP ACKS ERRS: PUT PREFIX000001, PREFIX000002, ...
# (value "val-KEY-$PAD") through random nodes until STOP exists;
# "KEY<TAB>VALUE" to ACKS on 204, "KEY<TAB>STATUS" to ERRS otherwise.
writer() {
	local dir=$1 prefix=$2 stop=$3 acks=$4 errs=$5 i=0 key val code
	while [ ! -e "$stop" ]; do
		i=$((i + 1))
		printf -v key '%s%06d' "$prefix" "$i"
		val="val-$key-$PAD"
		code=$(curl -sS -L --max-time 5 -o /dev/null -w '%{http_code}' \
			-X PUT --data-binary "$val" "http://$(any_addr "$dir")/kv/$key" \
			2>/dev/null) || true
		if [ "$code" = 204 ]; then
			printf '%s\t%s\n' "$key" "$val" >>"$acks"
		else
			printf '%s\t%s\n' "$key" "${code:-none}" >>"$errs"
		fi
	done
}

# split_at_random DIR ACKS: POST /admin/split (median) to the leader of the
# range holding a random acknowledged key; prints the HTTP status.
split_at_random() {
	local dir=$1 n key loc r la
	n=$(wc -l <"$2")
	((n > 0)) || { echo none; return; }
	key=$(sed -n "$((RANDOM % n + 1))s/\t.*//p" "$2")
	loc=$(curl -sS -L --fail --max-time 5 "http://$(any_addr "$dir")/meta/locate?key=$key" 2>/dev/null) ||
		{ echo locate-failed; return; }
	r=$(jq -r .range.range_id <<<"$loc")
	la=$(jq -r '.leader_addr // empty' <<<"$loc")
	[ -n "$la" ] || { echo no-leader; return; }
	curl -sS -L --max-time 10 -o /dev/null -w '%{http_code}' \
		-H 'Content-Type: application/json' -d "{\"range_id\":$r}" \
		"http://$la/admin/split" 2>/dev/null || echo transport-error
}

@test "writers keep writing while ranges split: every acknowledged write is there" {
	local d="$T/write" p code ok=0 tries n_acks n key v letters=(a b c)
	RANDOM=502
	cluster_start "$d" --raftd split_bytes=8KiB
	: >"$d/acks.a" && : >"$d/acks.b" && : >"$d/acks.c"
	for p in a b c; do
		bg "$d/stop" writer "$d" "$p" "$d/stop" "$d/acks.$p" "$d/errs.$p"
	done
	sleep 2
	# split by hand, at the median, ranges the writers write to
	for ((tries = 0; tries < 60 && ok < 8; tries++)); do
		p=${letters[RANDOM % 3]}
		code=$(split_at_random "$d" "$d/acks.$p")
		echo "manual split: $code"
		[ "$code" != 200 ] || ok=$((ok + 1))
		sleep 0.7
	done
	# the size splitter splits too (the writers keep filling the last
	# range of each prefix)
	size_split() { grep -q 'msg="splitting".*reason=size' "$d"/node*.log; }
	wait_until 40 size_split || { echo "no range split by size"; false; }
	sleep 1
	bg_wait "$d/stop"
	cat "$d"/acks.? | LC_ALL=C sort >"$d/acks"
	cat "$d"/errs.? 2>/dev/null | LC_ALL=C sort >"$d/errs"
	n_acks=$(wc -l <"$d/acks")
	echo "acknowledged writes: $n_acks, failed: $(wc -l <"$d/errs"), manual splits: $ok"
	cut -f2 "$d/errs" | sort | uniq -c
	grep -h 'msg="splitting"' "$d"/node*.log
	((ok >= 5)) || { echo "too few manual splits succeeded"; false; }
	((n_acks >= 200)) || { echo "too few writes acknowledged"; false; }
	meta_settled "$d" 60
	n=$(meta_count "$d")
	echo "ranges: $n"
	# each split that said 200 made a range
	((n >= ok + 1)) || { echo "only $n ranges after $ok manual splits"; false; }
	# every acknowledged write with its value, in one ordered scan
	scan_all "$(any_addr "$d")" >"$d/scan"
	cut -f1 "$d/scan" | LC_ALL=C sort -c -u
	LC_ALL=C comm -23 "$d/acks" "$d/scan" >"$d/lost"
	[ ! -s "$d/lost" ] || { echo "lost:"; head "$d/lost"; false; }
	# a failed write may be there or not, but with the value it was given
	run -0 awk -F'\t' '$2 != "val-" $1 "-" pad' pad="$PAD" "$d/scan"
	assert_output ""
	# and each one, read by itself, through any node (a sample)
	for ((tries = 0; tries < 30; tries++)); do
		key=$(sed -n "$((RANDOM % n_acks + 1))s/\t.*//p" "$d/acks")
		v=$(curl -sS -L --fail --max-time 5 "http://$(any_addr "$d")/kv/$key")
		[ "$v" = "val-$key-$PAD" ] || { echo "GET $key: '$v'"; false; }
	done
	wait_until 30 nodes_agree "$d"
}

# ---- 3 ---------------------------------------------------------------------

# meta_snapshot DIR: meta and every node's view of its ranges, to compare.
meta_snapshot() {
	local id
	meta_list "$1" || return 1
	for id in $(node_ids "$1"); do
		echo "node $id:"
		status_lines "$1" "$id" || return 1
	done
}

@test "manual split at a key and at the median; bad split requests" {
	local d="$T/manual" l la f fa r ml before after i ops=
	cluster_start "$d" --raftd auto_split=false
	for i in $(seq -w 1 20); do
		ops+="${ops:+,}{\"op\":\"put\",\"key\":\"m$i\",\"value\":\"value $i\"}"
	done
	l=$(leader_id "$d" 2)
	la=$(node_addr "$d" "$l")
	run -0 curl -sS -L --fail -d "{\"ops\":[$ops]}" "http://$la/kv/batch"
	wait_until 10 nodes_agree "$d"

	# split range 2 at m10: [0x02, m10) keeps id 2, [m10, +inf) is new
	run -0 post "$la" /admin/split '{"range_id":2,"key":"m10"}'
	echo "$output"
	assert_line status=200
	body_of "$output" >"$d/split1"
	jq -e '.left.range_id == 2 and .left.start == "\u0002" and .left.end == "m10"
		and .left.generation > 1 and .left.replicas == [1,2,3]' "$d/split1"
	jq -e '.right.range_id > 2 and .right.start == "m10" and .right.end == ""
		and .right.replicas == [1,2,3]' "$d/split1"
	r=$(jq -r .right.range_id "$d/split1")
	# meta shows both, and so does every node
	wait_until 10 nodes_agree "$d"
	meta_list "$d" >"$d/meta1"
	[ "$(wc -l <"$d/meta1")" = 2 ]
	meta_tiles <"$d/meta1"
	jq -e -s ".[0].range_id == 2 and .[0].end == \"m10\" and .[1].range_id == $r" "$d/meta1"
	run -0 curl -sS -L --fail "http://$la/meta/locate?key=m15"
	[ "$(jq -r .range.range_id <<<"$output")" = "$r" ]
	run -0 curl -sS -L --fail "http://$la/meta/locate?key=m09"
	[ "$(jq -r .range.range_id <<<"$output")" = 2 ]
	# keys on both sides, through every node
	for i in $(node_ids "$d"); do
		run -0 curl -sS -L --fail "http://$(node_addr "$d" "$i")/kv/m05"
		assert_output "value 05"
		run -0 curl -sS -L --fail "http://$(node_addr "$d" "$i")/kv/m15"
		assert_output "value 15"
	done
	# a scan across the boundary: range 2 stops at m10 and says where to
	# go on; the next page comes from the new range
	run -0 curl -sS -L --fail "http://$la/kv?start=m&end=n"
	jq -e "[.kvs[].key] == [\"m01\",\"m02\",\"m03\",\"m04\",\"m05\",\"m06\",\"m07\",\"m08\",\"m09\"]
		and .more == true and .resume == \"m10\" and .range_id == 2" <<<"$output"
	run -0 curl -sS -L --fail "http://$la/kv?start=m10&end=n"
	jq -e "([.kvs[].key] | length) == 11 and .kvs[0].key == \"m10\" and
		.kvs[10].key == \"m20\" and .more == false and .range_id == $r" <<<"$output"
	# writes still go to the right range
	put_sure "$d" m095 left
	put_sure "$d" m105 right
	run -0 curl -sS -L --fail "http://$la/kv?start=m09&end=m11"
	jq -e '[.kvs[].key] == ["m09","m095"]' <<<"$output"

	# split the new range at the median (m15 or so), through its leader
	wait_until 10 leader_id "$d" "$r"
	ml=$(node_addr "$d" "$(leader_id "$d" "$r")")
	run -0 post "$ml" /admin/split "{\"range_id\":$r}"
	echo "$output"
	assert_line status=200
	body_of "$output" >"$d/split2"
	jq -e ".left.range_id == $r and .left.start == \"m10\" and
		.left.end > \"m105\" and .left.end < \"m20\" and
		.right.start == .left.end and .right.end == \"\"" "$d/split2"
	wait_until 10 nodes_agree "$d"
	# and the rightmost range, which holds m13.. or so, at "y": [y, +inf)
	# is empty
	local rr
	rr=$(jq -r .right.range_id "$d/split2")
	wait_until 10 leader_id "$d" "$rr"
	run -0 post "$(node_addr "$d" "$(leader_id "$d" "$rr")")" /admin/split \
		"{\"range_id\":$rr,\"key\":\"y\"}"
	assert_line status=200
	local empty
	empty=$(body_of "$output" | jq -r .right.range_id)
	wait_until 10 nodes_agree "$d"
	wait_until 10 leader_id "$d" "$empty"
	[ "$(meta_count "$d")" = 4 ]

	# ---- refusals: each a clear error, and nothing changes
	wait_until 10 leader_id "$d" 1
	before=$(meta_snapshot "$d")
	la=$(node_addr "$d" "$(leader_id "$d" 2)")
	ml=$(node_addr "$d" "$(leader_id "$d" "$r")")
	# at the range's start, at its end, outside it
	run -0 post "$ml" /admin/split "{\"range_id\":$r,\"key\":\"m10\"}"
	assert_line status=400
	assert_output --partial '"code":"bad_input"'
	run -0 post "$la" /admin/split '{"range_id":2,"key":"m10"}'
	assert_line status=400
	assert_output --partial '"code":"bad_input"'
	run -0 post "$la" /admin/split '{"range_id":2,"key":"z"}'
	assert_line status=400
	assert_output --partial '"code":"bad_input"'
	run -0 post "$la" /admin/split '{"range_id":2,"key":"\u0002"}'
	assert_line status=400
	assert_output --partial '"code":"bad_input"'
	# an empty key; no range_id; a range_id that is not a number
	run -0 post "$la" /admin/split '{"range_id":2,"key":""}'
	assert_line status=400
	assert_output --partial '"code":"bad_input"'
	run -0 post "$la" /admin/split '{"key":"m05"}'
	assert_line status=400
	assert_output --partial '"code":"bad_input"'
	run -0 post "$la" /admin/split '{"range_id":"two"}'
	assert_line status=400
	assert_output --partial '"code":"bad_input"'
	# the meta range never splits (asked of its leader)
	run -0 post "$(node_addr "$d" "$(leader_id "$d" 1)")" /admin/split \
		'{"range_id":1,"key":"\u0001x"}'
	assert_line status=400
	assert_output --partial '"code":"bad_input"'
	# a range with no key has no median
	run -0 post "$(node_addr "$d" "$(leader_id "$d" "$empty")")" /admin/split \
		"{\"range_id\":$empty}"
	assert_line status=400
	assert_output --partial '"code":"bad_input"'
	# no such range
	run -0 post "$la" /admin/split '{"range_id":999,"key":"m05"}'
	assert_line status=404
	assert_output --partial '"code":"not_found"'
	# a follower sends the client to the leader
	l=$(leader_id "$d" 2)
	for f in $(node_ids "$d"); do
		[ "$f" = "$l" ] || break
	done
	fa=$(node_addr "$d" "$f")
	run -0 post "$fa" /admin/split '{"range_id":2,"key":"m05"}' -D "$d/headers"
	echo "$output"
	assert_line status=307
	assert_output --partial '"code":"not_leader"'
	assert_output --partial "\"leader\":$l"
	grep -qi "^Location: http://$(node_addr "$d" "$l")/admin/split" "$d/headers"
	# nothing changed, in meta or on any node
	sleep 1
	after=$(meta_snapshot "$d")
	[ "$before" = "$after" ] || {
		diff <(echo "$before") <(echo "$after")
		false
	}
	[ "$(meta_count "$d")" = 4 ]
}

# ---- 4 ---------------------------------------------------------------------

# reader ADDR STOP PREFIX N: GET PREFIX0..PREFIX(N-1) from ADDR, round and
# round, until STOP exists.
reader() {
	local addr=$1 stop=$2 prefix=$3 n=$4 i=0
	while [ ! -e "$stop" ]; do
		curl -sS -L -o /dev/null --max-time 2 "http://$addr/kv/$prefix$((i % n))" 2>/dev/null || true
		i=$((i + 1))
	done
}

@test "a hot range splits by load" {
	local d="$T/hot" i ops= la
	cluster_start "$d" --raftd split_qps=20 --raftd split_qps_duration=3s \
		--raftd split_bytes=1GiB
	for ((i = 0; i < 200; i++)); do
		ops+="${ops:+,}{\"op\":\"put\",\"key\":\"h$i\",\"value\":\"hot $i\"}"
	done
	la=$(node_addr "$d" "$(leader_id "$d" 2)")
	run -0 curl -sS -L --fail -d "{\"ops\":[$ops]}" "http://$la/kv/batch"
	# not hot yet: it stays whole
	wait_until 10 nodes_agree "$d"
	sleep 4
	[ "$(meta_count "$d")" = 1 ]
	# reads on range 2's keys, to its leader, faster than 20/s
	bg "$d/stop" reader "$la" "$d/stop" h 200
	wait_until 60 meta_count_at_least "$d" 2 || {
		echo "range 2 did not split under load; its status on the leader:"
		curl -sS "http://$la/status" | jq -c '.ranges[] | select(.range_id == 2)'
		false
	}
	# the load stops (within a second of the split)
	bg_wait "$d/stop"
	grep -h 'msg="splitting"' "$d"/node*.log
	grep -q 'msg="splitting" range=2 reason=load' "$d"/node*.log
	run -1 grep -q 'msg="splitting".*reason=size' "$d"/node*.log
	# with no load, nothing is hot for split_qps_duration again: neither
	# half splits any more (each half has to be hot for 3 s by itself)
	sleep 6
	meta_settled "$d" 30
	run -0 grep -h 'msg="splitting"' "$d"/node*.log
	echo "$output"
	[ "${#lines[@]}" = 1 ] || {
		echo "ranges went on splitting for load after the load stopped"
		meta_list "$d"
		false
	}
	[ "$(meta_count "$d")" = 2 ]
	wait_until 10 nodes_agree "$d"
	# every key still there
	run -0 scan_all "$la"
	[ "$(grep -c $'^h[0-9]*\thot [0-9]*$' <<<"$output")" = 200 ]
}

# ---- 5 ---------------------------------------------------------------------

@test "transfer-leader moves a range's leadership" {
	local d="$T/transfer" l m id la
	cluster_start "$d"
	l=$(leader_id "$d" 2)
	for m in $(node_ids "$d"); do
		[ "$m" = "$l" ] || break
	done
	la=$(node_addr "$d" "$l")
	# refusals first: a node with no replica, a follower, no such range
	run -0 post "$la" /admin/transfer-leader '{"range_id":2,"node":9}'
	assert_line status=400
	assert_output --partial '"code":"bad_input"'
	run -0 post "$(node_addr "$d" "$m")" /admin/transfer-leader \
		"{\"range_id\":2,\"node\":$m}"
	assert_line status=307
	assert_output --partial '"code":"not_leader"'
	run -0 post "$la" /admin/transfer-leader "{\"range_id\":999,\"node\":$m}"
	assert_line status=404
	[ "$(leader_id "$d" 2)" = "$l" ]
	# the transfer
	run -0 post "$la" /admin/transfer-leader "{\"range_id\":2,\"node\":$m}"
	echo "$output"
	assert_line status=200
	body_of "$output" | jq -e ".range_id == 2 and .leader == $m"
	# every node names the new leader
	check_leader() {
		local id
		for id in $(node_ids "$d"); do
			[ "$(node_status_field "$d" "$id" 2 leader)" = "$m" ] || return 1
		done
		[ "$(node_status_field "$d" "$m" 2 role)" = leader ]
	}
	wait_until 10 check_leader
	[ "$(leader_id "$d" 2)" = "$m" ]
	# writes still work, through the old leader too
	run -0 curl -sS -L -o /dev/null -w '%{http_code}' -X PUT --data-binary moved \
		"http://$la/kv/after-transfer"
	assert_output 204
	run -0 curl -sS --fail "http://$(node_addr "$d" "$m")/kv/after-transfer"
	assert_output moved
	# the meta range moves too, and meta still answers
	l=$(leader_id "$d" 1)
	for m in $(node_ids "$d"); do
		[ "$m" = "$l" ] || break
	done
	run -0 post "$(node_addr "$d" "$l")" /admin/transfer-leader \
		"{\"range_id\":1,\"node\":$m}"
	assert_line status=200
	leads_meta() { [ "$(leader_id "$d" 1)" = "$m" ]; }
	wait_until 10 leads_meta
	wait_until 10 meta_count "$d"
}

# ---- 6 ---------------------------------------------------------------------

@test "rangectl list names every range; splitter --hot --apply splits the hot one" {
	command -v rangectl >/dev/null && command -v splitter >/dev/null ||
		skip "rangectl and splitter are not built"
	local d="$T/ctl" i ops= la r before n ids_meta ids_list
	cluster_start "$d" --raftd auto_split=false --raftd split_qps=20 \
		--raftd split_qps_duration=3s
	for ((i = 0; i < 100; i++)); do
		ops+="${ops:+,}{\"op\":\"put\",\"key\":\"c$i\",\"value\":\"ctl $i\"}"
	done
	la=$(node_addr "$d" "$(leader_id "$d" 2)")
	run -0 curl -sS -L --fail -d "{\"ops\":[$ops]}" "http://$la/kv/batch"
	# two ranges: [0x02, c5) and [c5, +inf)
	run -0 post "$la" /admin/split '{"range_id":2,"key":"c5"}'
	assert_line status=200
	r=$(body_of "$output" | jq -r .right.range_id)
	wait_until 10 nodes_agree "$d"
	wait_until 10 leader_id "$d" "$r"

	# rangectl list: the header, then one line per range of meta
	run -0 --separate-stderr rangectl --config "$d/rangedb.conf" list
	echo "$output"
	[ "${lines[0]}" = $'range_id\tstart\tend\tleader\treplicas\tsize_bytes\tqps' ]
	[ "${#lines[@]}" = 4 ]	# and range 1
	ids_meta=$(meta_all "$d" | jq -r .range_id | sort)
	ids_list=$(printf '%s\n' "${lines[@]:1}" | cut -f1 | sort)
	[ "$ids_meta" = "$ids_list" ]
	local tab=$'\t'
	assert_line --regexp "^2${tab}\\\\x02${tab}c5${tab}[1-3]${tab}1,2,3${tab}[0-9]+${tab}[0-9.]+\$"
	assert_line --regexp "^$r${tab}c5${tab}\\+inf${tab}[1-3]${tab}1,2,3${tab}[0-9]+${tab}[0-9.]+\$"

	# range r gets hot (reads of c90..c99, all above c5); splitter finds
	# it, and only it
	bg "$d/stop" reader "$(node_addr "$d" "$(leader_id "$d" "$r")")" "$d/stop" c9 10
	hot_found() {
		rangectl --config "$d/rangedb.conf" list | splitter --hot --qps 10 >"$d/hot"
		grep -q "^$r"$'\t' "$d/hot"
	}
	wait_until 30 hot_found || {
		rangectl --config "$d/rangedb.conf" list
		false
	}
	cat "$d/hot"
	[ "$(wc -l <"$d/hot")" = 1 ]
	run -0 cat "$d/hot"
	assert_output --regexp "^$r${tab}-${tab}hot qps=[0-9.]+\$"
	# auto_split=false: nothing split it by itself
	before=$(meta_count "$d")
	[ "$before" = 2 ]
	run -0 bash -c "rangectl --config '$d/rangedb.conf' list | splitter --hot --qps 10 --apply --config '$d/rangedb.conf'"
	echo "$output"
	bg_wait "$d/stop"
	wait_until 10 nodes_agree "$d"
	n=$(meta_count "$d")
	[ "$n" = $((before + 1)) ]
	# the new range shows up in rangectl list (header, range 1, the rest)
	run -0 rangectl --config "$d/rangedb.conf" list
	[ "${#lines[@]}" = $((n + 2)) ]
}
