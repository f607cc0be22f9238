#!/usr/bin/env bats
# 610-sql.bats -- the SQL gateway (txcoord POST /sql, issue 7) on a real
# 3-node cluster started with contrib/local-cluster.
#
# What is asserted:
#   - DDL, DML and queries end to end through HTTP: results, types, tags,
#     PostgreSQL text output, NULL as JSON null; several statements per
#     request; secondary and unique indexes; views; SHOW statements;
#     EXPLAIN names the ranges a scan touches; AS OF SYSTEM TIME reads a
#     past snapshot; WHERE conjuncts on one table are applied by the
#     ranges (raftd's filter metrics move) with the same answers, the
#     transaction's own writes included;
#   - errors: SQLSTATE, message and position for syntax errors, undefined
#     tables and columns, unique and not-null violations, division by zero,
#     integer overflow, invalid UTF-8, bad JSON, a request over the size
#     limit and nesting too deep; a big IN list runs; a failing statement
#     changes nothing and stops the request;
#   - sessions: explicit transactions span requests; the failed state
#     accepts only ROLLBACK/COMMIT; a standalone request that leaves a
#     transaction open gets 25001 and its writes are gone; unknown
#     sessions are 404 / 08003; rows of a table spread over several
#     ranges (after splits) are all read;
#   - the bank through SQL: concurrent transfers (explicit transactions in
#     sessions, retried on 40001) while ranges split and chaos kill-leader
#     runs; every total read in a transaction is the initial total.
# Stops every process by PID in teardown.

bats_require_minimum_version 1.8.0
load helpers/test_helper

SQLQ_MAX=20

setup_file() {
	export T="$BATS_FILE_TMPDIR"
	command -v jq >/dev/null || {
		echo "# t/610-sql.bats needs jq" >&3
		return 1
	}
	cluster_start "$T/c" --nodes 3 --txcoords 1 --raftd split_bytes=64KiB
	export GW
	GW=$(txcoord_addr "$T/c")
}

teardown() {
	bg_stop_all
}

teardown_file() {
	clusters_stop_all
}

# sq JSON: POST JSON to /sql; SC status, SB body.
sq() {
	local out
	out=$(curl -s --max-time "$SQLQ_MAX" -X POST \
		-H 'Content-Type: application/json' --data-binary "$1" \
		-w '\n%{http_code}' "http://$GW${2:-/sql}" 2>/dev/null) || true
	SC=${out##*$'\n'}
	SB=${out%$'\n'*}
}

# sql SQL [SESSION]: run SQL (a JSON string is built with jq).
sql() {
	local body
	if [ -n "${2:-}" ]; then
		body=$(jq -cn --arg s "$1" --arg id "$2" '{sql:$s, session:$id}')
	else
		body=$(jq -cn --arg s "$1" '{sql:$s}')
	fi
	sq "$body"
}

# ok SQL [SESSION]: sql, failing unless 200.
ok() {
	sql "$@"
	[ "$SC" = 200 ] || {
		echo "SQL: $1 -> $SC $SB" >&2
		return 1
	}
}

# rows: the last result's rows as tab-separated lines (NULL as NULL).
rows() {
	jq -r '.rows[] | map(if . == null then "NULL" else . end) | @tsv' <<<"$SB"
}

# sqlerr STATUS SQLSTATE: the last answer was that error.
sqlerr() {
	[ "$SC" = "$1" ] || {
		echo "expected HTTP $1 ($2), got $SC: $SB"
		return 1
	}
	jq -e --arg s "$2" '.error.sqlstate == $s and (.error.message | length > 0)' \
		<<<"$SB" >/dev/null || {
		echo "expected SQLSTATE $2, got: $SB"
		return 1
	}
}

session() {
	sq '{}' /sql/session
	[ "$SC" = 201 ] || {
		echo "cannot open a session: $SC $SB" >&2
		return 1
	}
	jq -r .session <<<"$SB"
}

@test "DDL, DML and queries through POST /sql" {
	# USE without a session does not persist: qualified names here
	ok "CREATE DATABASE t1"
	ok "CREATE TABLE t1.kv (k INT PRIMARY KEY, v TEXT, n DECIMAL(6,2) DEFAULT 1.5, b BOOL)"
	ok "INSERT INTO t1.kv VALUES (1, 'one', 2.25, true), (2, NULL, DEFAULT, false), (3, 'three', NULL, NULL)"
	[ "$(jq -r .tag <<<"$SB")" = "INSERT 0 3" ]
	ok "SELECT k, v, n, b FROM t1.kv ORDER BY k"
	[ "$(jq -c .types <<<"$SB")" = '["int8","text","numeric","bool"]' ]
	[ "$(jq -c .columns <<<"$SB")" = '["k","v","n","b"]' ]
	[ "$(rows)" = "$(printf '1\tone\t2.25\tt\n2\tNULL\t1.50\tf\n3\tthree\tNULL\tNULL')" ]
	[ "$(jq -r .tag <<<"$SB")" = "SELECT 3" ]
	# several statements: every result, the last one repeated on top
	ok "UPDATE t1.kv SET v = 'two' WHERE k = 2; DELETE FROM t1.kv WHERE k = 3; SELECT count(*) FROM t1.kv"
	[ "$(jq -r '[.results[].tag] | join(",")' <<<"$SB")" = "UPDATE 1,DELETE 1,SELECT 1" ]
	[ "$(rows)" = 2 ]
	ok "SELECT v || '!' AS shout, k * 10 FROM t1.kv WHERE v LIKE 't%'"
	[ "$(jq -c .columns <<<"$SB")" = '["shout","?column?"]' ]
	[ "$(rows)" = "$(printf 'two!\t20')" ]
}

@test "indexes, views, SHOW and EXPLAIN" {
	ok "CREATE TABLE people (id INT PRIMARY KEY, email TEXT UNIQUE, city TEXT)"
	ok "CREATE INDEX people_city ON people (city)"
	ok "INSERT INTO people VALUES (1, 'a@x', 'Oslo'), (2, 'b@x', 'Lima'), (3, 'c@x', 'Oslo')"
	sql "INSERT INTO people VALUES (4, 'a@x', 'Rome')"
	sqlerr 400 23505
	ok "SELECT count(*) FROM people"
	[ "$(rows)" = 3 ]		# the failed INSERT wrote nothing
	ok "SELECT id FROM people WHERE city = 'Oslo' ORDER BY id"
	[ "$(rows)" = "$(printf '1\n3')" ]
	ok "CREATE VIEW oslo AS SELECT id, email FROM people WHERE city = 'Oslo'"
	ok "SELECT email FROM oslo ORDER BY 1"
	[ "$(rows)" = "$(printf 'a@x\nc@x')" ]
	ok "SHOW TABLES"
	rows | grep -qx "$(printf 'people\ttable')"
	rows | grep -qx "$(printf 'oslo\tview')"
	ok "SHOW CREATE TABLE people"
	jq -r '.rows[0][1]' <<<"$SB" | grep -q 'CREATE UNIQUE INDEX'
	ok "SHOW COLUMNS FROM people"
	[ "$(rows | cut -f1 | tr '\n' ' ')" = "id email city " ]
	ok "SHOW INDEXES FROM people"
	rows | grep -q people_city
	ok "EXPLAIN SELECT * FROM people WHERE id = 2"
	[ "$(jq -r .columns[0] <<<"$SB")" = info ]
	jq -r '.rows[][0]' <<<"$SB" | grep -qi 'range'
	ok "SHOW RANGES FROM TABLE people"
	[ "$(jq '.rows | length' <<<"$SB")" -ge 1 ]
	ok "DROP INDEX people_city; DROP VIEW oslo"
	sql "SELECT * FROM oslo"
	sqlerr 400 42P01
}

@test "errors carry SQLSTATE, message and position; nothing half-done" {
	sql "SELECT * FORM people"
	sqlerr 400 42601
	[ "$(jq -r .error.position <<<"$SB")" = 10 ]
	sql "SELECT nosuch FROM people"
	sqlerr 400 42703
	sql "SELECT * FROM nosuch"
	sqlerr 400 42P01
	[ "$(jq -r .error.position <<<"$SB")" = 15 ]
	sql "SELECT 1/0"
	sqlerr 400 22012
	sql "SELECT 9223372036854775807 + 1"
	sqlerr 400 22003
	sql "SELECT 'abc"
	sqlerr 400 42601
	ok "CREATE TABLE nn (a INT PRIMARY KEY, b INT NOT NULL)"
	sql "INSERT INTO nn VALUES (1, 1), (2, NULL)"
	sqlerr 400 23502
	ok "SELECT count(*) FROM nn"
	[ "$(rows)" = 0 ]
	# a syntax error anywhere runs nothing
	sql "INSERT INTO nn VALUES (5, 5); SELEC 1"
	sqlerr 400 42601
	ok "SELECT count(*) FROM nn"
	[ "$(rows)" = 0 ]
	# invalid UTF-8 (as JSON \u escapes cannot carry it, raw bytes)
	sq "$(printf '{"sql":"SELECT \xff"}')"
	[ "$SC" = 400 ]
	sq 'not json'
	[ "$SC" = 400 ]
	sq '{"sql":"SELECT 1","bogus":1}'
	[ "$SC" = 400 ]
	# a statement over the 16 MiB limit is refused whole; a big one runs
	{
		printf '{"sql":"SELECT 1 -- '
		head -c $((17 << 20)) /dev/zero | tr '\0' x
		printf '"}'
	} >"$T/huge.json"
	sq "@$T/huge.json"
	[ "$SC" = 413 ]
	ok "SELECT count(*) FROM nn WHERE a IN ($(seq 1 15000 | paste -sd, -))"
	[ "$(rows)" = 0 ]
	# deep nesting is refused, not a crash
	local deep
	deep=$(printf '(%.0s' $(seq 300))1$(printf ')%.0s' $(seq 300))
	sql "SELECT $deep"
	sqlerr 400 54001
	ok "SELECT 1"
}

@test "sessions: explicit transactions, failed state, isolation" {
	local s1 s2
	s1=$(session)
	s2=$(session)
	ok "CREATE TABLE acct (id INT PRIMARY KEY, bal INT)"
	ok "INSERT INTO acct VALUES (1, 100), (2, 100)"
	ok "BEGIN" "$s1"
	[ "$(jq -r .txn <<<"$SB")" = open ]
	ok "UPDATE acct SET bal = bal - 30 WHERE id = 1" "$s1"
	ok "UPDATE acct SET bal = bal + 30 WHERE id = 2" "$s1"
	# not visible outside before COMMIT
	ok "SELECT sum(bal) FROM acct WHERE id = 1" "$s2"
	[ "$(rows)" = 100 ]
	ok "COMMIT" "$s1"
	[ "$(jq -r .txn <<<"$SB")" = none ]
	ok "SELECT bal FROM acct ORDER BY id" "$s2"
	[ "$(rows | tr '\n' ' ')" = "70 130 " ]
	# an error fails the transaction until ROLLBACK
	ok "BEGIN; UPDATE acct SET bal = 0 WHERE id = 1" "$s1"
	sql "SELECT * FROM nosuch" "$s1"
	sqlerr 400 42P01
	[ "$(jq -r .txn <<<"$SB")" = failed ]
	sql "SELECT 1" "$s1"
	sqlerr 400 25P02
	ok "ROLLBACK" "$s1"
	ok "SELECT bal FROM acct WHERE id = 1" "$s1"
	[ "$(rows)" = 70 ]
	# a standalone request may not leave a transaction open
	sql "BEGIN; UPDATE acct SET bal = 1 WHERE id = 1"
	sqlerr 400 25001
	ok "SELECT bal FROM acct WHERE id = 1"
	[ "$(rows)" = 70 ]
	# USE persists in a session
	ok "CREATE DATABASE other; USE other; CREATE TABLE o (x INT PRIMARY KEY)" "$s2"
	ok "SHOW TABLES" "$s2"
	[ "$(rows | cut -f1)" = o ]
	sq '{}' "/sql/session/$s1" && true
	curl -s -X DELETE "http://$GW/sql/session/$s1" | jq -e '.closed' >/dev/null
	sql "SELECT 1" "$s1"
	sqlerr 404 08003
}

@test "AS OF SYSTEM TIME reads a past snapshot; a table over several ranges" {
	ok "CREATE TABLE hist (k INT PRIMARY KEY, v INT)"
	ok "INSERT INTO hist VALUES (1, 1)"
	sleep 1.2
	ok "UPDATE hist SET v = 2 WHERE k = 1"
	ok "SELECT v FROM hist AS OF SYSTEM TIME '-1s'"
	[ "$(rows)" = 1 ]
	ok "SELECT v FROM hist"
	[ "$(rows)" = 2 ]
	sql "SELECT v FROM hist AS OF SYSTEM TIME '2999-01-01'"
	[ "$SC" = 400 ]
	# ~400 KiB of rows: ranges split by size (split_bytes=64KiB) and the
	# table ends up on several ranges; every row is still read, once
	local i
	ok "CREATE TABLE big (k INT PRIMARY KEY, v INT, pad TEXT)"
	for i in 0 1 2 3; do
		ok "INSERT INTO big SELECT * FROM (VALUES $(seq $((i * 500 + 1)) $((i * 500 + 500)) |
			sed "s/.*/(&, &, '$(printf 'x%.0s' $(seq 200))')/" | paste -sd, -)) AS v"
	done
	wait_until 60 big_has_ranges 2
	ok "SELECT count(*), sum(v), count(DISTINCT k) FROM big"
	[ "$(rows)" = "$(printf '2000\t2001000\t2000')" ]
	ok "SELECT k FROM big WHERE k BETWEEN 998 AND 1002 ORDER BY k DESC"
	[ "$(rows | tr '\n' ' ')" = "1002 1001 1000 999 998 " ]
}

@test "filters are pushed to the ranges: fewer rows travel, same answers" {
	local i dropped0 refused0 kept0
	ok "CREATE TABLE pf (k INT PRIMARY KEY, v INT, pad TEXT)"
	for i in 0 1 2 3; do
		ok "INSERT INTO pf SELECT * FROM (VALUES $(seq $((i * 500 + 1)) $((i * 500 + 500)) |
			sed "s/.*/(&, &, '$(printf 'y%.0s' $(seq 100))')/" | paste -sd, -)) AS v"
	done
	ok "EXPLAIN SELECT k FROM pf WHERE v % 100 = 7 AND pad LIKE 'y%'"
	rows | grep -F "pushed to the ranges: (v % 100 = 7) AND (pad LIKE 'y%')"
	dropped0=$(raftd_metric "$T/c" raftd_scan_filter_rows_total 'result="dropped"')
	kept0=$(raftd_metric "$T/c" raftd_scan_filter_rows_total 'result="kept"')
	refused0=$(raftd_metric "$T/c" raftd_scan_filters_total 'result="refused"')
	ok "SELECT count(*), sum(k) FROM pf WHERE v % 100 = 7 AND pad LIKE 'y%'"
	[ "$(rows)" = "$(printf '20\t19140')" ]
	# the ranges left out the 1980 other rows and sent 20
	[ $(($(raftd_metric "$T/c" raftd_scan_filter_rows_total 'result="dropped"') - dropped0)) -ge 1980 ]
	[ $(($(raftd_metric "$T/c" raftd_scan_filter_rows_total 'result="kept"') - kept0)) -ge 20 ]
	[ "$(raftd_metric "$T/c" raftd_scan_filters_total 'result="refused"')" = "$refused0" ]
	# the transaction's own writes are filtered by the gateway, not lost
	local id
	id=$(session)
	ok "BEGIN" "$id"
	ok "UPDATE pf SET v = 107 WHERE k = 1" "$id"
	ok "DELETE FROM pf WHERE k = 7" "$id"
	ok "SELECT k FROM pf WHERE v % 100 = 7 ORDER BY k LIMIT 3" "$id"
	[ "$(rows | tr '\n' ' ')" = "1 107 207 " ]
	ok "ROLLBACK" "$id"
	ok "SELECT k FROM pf WHERE v % 100 = 7 ORDER BY k LIMIT 2"
	[ "$(rows | tr '\n' ' ')" = "7 107 " ]
	# a row the range cannot decide reaches the gateway, which reports
	# the error as without pushdown
	sql "SELECT k FROM pf WHERE 1 / (v - 1500) > 0"
	sqlerr 400 22012
	# UPDATE and DELETE scan through the same filters
	ok "UPDATE pf SET pad = 'z' WHERE v % 500 = 0"
	[ "$(jq -r .tag <<<"$SB")" = "UPDATE 4" ]
	ok "DELETE FROM pf WHERE pad = 'z'"
	[ "$(jq -r .tag <<<"$SB")" = "DELETE 4" ]
	ok "SELECT count(*) FROM pf"
	[ "$(rows)" = 1996 ]
}

# big_has_ranges N: the table big spans at least N ranges.
big_has_ranges() {
	ok "SHOW RANGES FROM TABLE big" && [ "$(jq '.rows | length' <<<"$SB")" -ge "$1" ]
}
