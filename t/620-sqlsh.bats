#!/usr/bin/env bats
# 620-sqlsh.bats -- sqlsh, the SQL shell (issue 7), against a real 3-node
# cluster: scripted use (-c, -f, stdin), output formats, exit statuses
# (every error path exits non-zero with the SQLSTATE message), and an
# interactive session driven through a pseudo-terminal (tmux): multi-line
# statements, the transaction prompt, Ctrl-C, history, \d, \x, \timing,
# \i and \q.  Also the bank through SQL with sqlsh scripts, while the
# table's ranges split and chaos kill-leader runs.
# tmux runs on its own socket in the test's temp dir and is ended with
# kill-server on that socket; the cluster is stopped by PID.

bats_require_minimum_version 1.8.0
load helpers/test_helper

setup_file() {
	export T="$BATS_FILE_TMPDIR"
	cluster_start "$T/c" --nodes 3 --txcoords 1 --raftd split_bytes=32KiB
	export SQLSH_HISTORY="$T/history"
}

# test_helper unsets RANGEDB_CONFIG when it loads, in every test
setup() {
	export RANGEDB_CONFIG="$T/c/rangedb.conf"
}

teardown() {
	[ ! -S "$T/tmux.sock" ] || tmux -S "$T/tmux.sock" kill-server 2>/dev/null || true
	bg_stop_all
}

teardown_file() {
	clusters_stop_all
}

@test "scripted: -c, -f, stdin, formats and tags" {
	run sqlsh -c "CREATE TABLE s (id INT PRIMARY KEY, name TEXT, score DECIMAL(5,1))"
	[ "$status" -eq 0 ]
	[ "$output" = "CREATE TABLE" ]
	cat >"$T/load.sql" <<-'EOF'
		-- comments and multi-line statements
		INSERT INTO s VALUES
		    (1, 'ann', 9.5),
		    (2, 'bob', NULL);
		INSERT INTO s VALUES (3, 'tab	and "quote"', 7);
	EOF
	run sqlsh -f "$T/load.sql"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'INSERT 0 2\nINSERT 0 1')" ]
	run sqlsh -c "SELECT id, name, score FROM s ORDER BY id"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = " id |        name         | score " ]
	[ "${lines[2]}" = "  1 | ann                 |   9.5" ]
	[ "${lines[4]}" = '  3 | tab     and "quote" |   7.0' ]
	[ "${lines[5]}" = "(3 rows)" ]
	run sqlsh --format csv -c "SELECT id, name, score FROM s ORDER BY id"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'id,name,score\n1,ann,9.5\n2,bob,\n3,"tab\tand ""quote""",7.0')" ]
	run sqlsh --format tsv -c "SELECT name FROM s WHERE id = 3"
	[ "$output" = "$(printf 'name\ntab\\tand "quote"')" ]
	run sqlsh --format json -c "SELECT id, score FROM s WHERE id = 2"
	[ "$output" = '{"id":"2","score":null}' ]
	# SQL on stdin when it is not a terminal
	run sqlsh -q <<<"SELECT count(*) FROM s;"
	[ "$status" -eq 0 ]
	echo "$output" | grep -qx ' *3'
}

@test "errors exit non-zero with the SQLSTATE message" {
	run sqlsh -c "SELEC 1"
	[ "$status" -eq 1 ]
	[[ $output == *"ERROR:  syntax error at or near \"SELEC\""* ]]
	[[ $output == *"42601"* ]]
	run sqlsh -c "SELECT * FROM nosuch"
	[ "$status" -eq 1 ]
	[[ $output == *42P01* ]]
	# a script stops at the first error; --continue goes on
	printf 'SELECT 1/0;\nCREATE TABLE after_err (a INT PRIMARY KEY);\n' >"$T/bad.sql"
	run sqlsh -f "$T/bad.sql"
	[ "$status" -eq 1 ]
	[[ $output == *22012* ]]
	run sqlsh -c "SELECT count(*) FROM after_err"
	[ "$status" -eq 1 ]
	run sqlsh --continue -f "$T/bad.sql"
	[ "$status" -eq 1 ]
	run sqlsh -c "SELECT count(*) FROM after_err"
	[ "$status" -eq 0 ]
	# usage errors: 2; an unreachable gateway: 3
	run sqlsh --format nope -c "SELECT 1"
	[ "$status" -eq 2 ]
	run sqlsh --url http://127.0.0.1:1 -c "SELECT 1"
	[ "$status" -eq 3 ]
	# BEGIN and COMMIT in separate -c requests share the session
	run sqlsh -c "BEGIN" -c "INSERT INTO after_err VALUES (1)" -c "ROLLBACK" \
		-c "SELECT count(*) FROM after_err"
	[ "$status" -eq 0 ]
	[[ $output == *" 0"* ]]
}

# tx KEYS...: send keys to the tmux session; txl TEXT: type TEXT
# literally (tmux would read a ';' as a command separator) and Enter;
# screen: the session's current content.
tx() {
	tmux -S "$T/tmux.sock" send-keys -t sh "$@"
}

txl() {
	local text=$1
	# a ';' ending an argument separates tmux commands: escape it
	[[ $text != *';' ]] || text="${text%;}\\;"
	tmux -S "$T/tmux.sock" send-keys -t sh -l "$text"
	tx Enter
}

screen() {
	tmux -S "$T/tmux.sock" capture-pane -p -t sh
}

# last_line_is_prompt: the last non-empty line is a fresh main prompt.
last_line_is_prompt() {
	[ "$(screen | grep -v '^ *$' | tail -n 1)" = "defaultdb=>" ]
}

screen_has() {
	screen | grep -qF -- "$1"
}

@test "interactive session through a pseudo-terminal" {
	command -v tmux >/dev/null || skip "tmux is not installed"
	rm -f "$SQLSH_HISTORY"
	tmux -S "$T/tmux.sock" new-session -d -s sh -x 120 -y 40 \
		"env RANGEDB_CONFIG=$RANGEDB_CONFIG SQLSH_HISTORY=$SQLSH_HISTORY PATH=$PATH sqlsh; sleep 30"
	wait_until 20 screen_has "defaultdb=>"
	# a statement over two lines
	txl "CREATE TABLE inter (k INT PRIMARY KEY,"
	wait_until 10 screen_has "defaultdb->"
	txl "v TEXT);"
	wait_until 10 screen_has "CREATE TABLE"
	# the prompt shows the open transaction
	txl "BEGIN;"
	wait_until 10 screen_has "defaultdb=*>"
	txl "INSERT INTO inter VALUES (1, 'x');"
	wait_until 10 screen_has "INSERT 0 1"
	txl "COMMIT;"
	wait_until 10 screen_has "COMMIT"
	# Ctrl-C drops the input line, not the shell
	txl "SELECT 'never"
	wait_until 10 screen_has "defaultdb'>"
	tx C-c
	wait_until 10 last_line_is_prompt
	txl "SELECT k, v FROM inter;"
	wait_until 10 screen_has "(1 row)"
	txl '\x'
	wait_until 10 screen_has "Expanded display is on"
	txl "SELECT k, v FROM inter;"
	wait_until 10 screen_has "-[ RECORD 1 ]"
	txl '\x'
	txl '\timing'
	wait_until 10 screen_has "Timing is on"
	txl "SELECT 1;"
	wait_until 10 screen_has "Time:"
	txl '\d inter'
	wait_until 10 screen_has "is_nullable"
	printf 'SELECT 41 + 1 AS answer;\n' >"$T/inc.sql"
	txl "\\i $T/inc.sql"
	wait_until 10 screen_has " 42"
	txl '\q'
	wait_until 10 bash -c "grep -q 'FROM inter' '$SQLSH_HISTORY'"
	# history: the next shell finds the statements typed before
	grep -q "CREATE TABLE inter" "$SQLSH_HISTORY"
}

@test "bank through SQL: transfers keep the total while ranges split and leaders die" {
	local n=60 r node round out
	# fat rows, so the table splits by size (split_bytes=32KiB) over
	# several ranges
	run sqlsh -q -c "CREATE TABLE bank (id INT PRIMARY KEY, bal INT NOT NULL, pad TEXT)"
	[ "$status" -eq 0 ]
	# ~180 KiB of rows (too long for one argument: through a file)
	{
		printf 'INSERT INTO bank VALUES\n'
		seq 1 $n | sed "s/.*/(&, 100, '$(printf 'p%.0s' $(seq 3000))')/" | paste -sd, -
		printf ';\n'
	} >"$T/bank.sql"
	run sqlsh -q -f "$T/bank.sql"
	[ "$status" -eq 0 ]
	wait_until 90 bank_ranges_at_least 3
	rm -f "$T/bank.stop"
	for c in 1 2 3 4; do
		bg "$T/bank.stop" bank_client "$c" "$n" "$T/client$c"
	done
	# kill -9 the leader of one of the table's ranges, twice, restarting
	# the node each time; the total read in one statement stays exact
	for round in 1 2; do
		bank_reads_ok "$n"
		r=$(sqlsh -q --format csv -c "SHOW RANGES FROM TABLE bank" | sed -n "$((round + 1))p" | cut -d, -f3)
		[ -n "$r" ]
		run -0 chaos --config "$RANGEDB_CONFIG" kill-leader --range "$r"
		node=$(echo "$output" | sed -n 's/^killed node \([0-9]*\) .*/\1/p')
		[ -n "$node" ]
		wait_until 60 bank_reads_ok "$n"
		cluster_restart "$T/c" "node$node"
		wait_until 60 bank_reads_ok "$n"
	done
	until [ -f "$T/client1.done" ] && [ -f "$T/client2.done" ] &&
		[ -f "$T/client3.done" ] && [ -f "$T/client4.done" ]; do
		bank_reads_ok "$n"
		sleep 0.2
	done
	bg_wait "$T/bank.stop"
	bank_reads_ok "$n"
	for c in 1 2 3 4; do
		out=$(cat "$T/client$c.done")
		[ "$out" = 25 ] || {
			echo "client $c committed $out of 25 transfers"
			tail -n 5 "$T/client$c.err"
			false
		}
	done
}

# bank_ranges_at_least N: the table bank spans N ranges or more.
bank_ranges_at_least() {
	local c
	c=$(sqlsh -q --format csv -c "SHOW RANGES FROM TABLE bank" | tail -n +2 | grep -c .)
	[ "$c" -ge "$1" ]
}

# bank_client ID N OUT: 25 committed transfers between random accounts.
bank_client() {
	local id=$1 n=$2 out=$3 ndone=0 a b tries
	RANDOM=$id
	while ((ndone < 25)) && [ ! -f "$T/bank.stop" ]; do
		a=$((RANDOM % n + 1))
		b=$((RANDOM % n + 1))
		[ "$a" != "$b" ] || continue
		for tries in $(seq 1 40); do
			if sqlsh -q --timeout 20s -c "BEGIN" \
				-c "UPDATE bank SET bal = bal - 7 WHERE id = $a" \
				-c "UPDATE bank SET bal = bal + 7 WHERE id = $b" \
				-c "COMMIT" >/dev/null 2>"$out.err"; then
				ndone=$((ndone + 1))
				break
			fi
			sleep 0.$((RANDOM % 5))
		done
	done
	echo "$ndone" >"$out.done"
}

# bank_reads_ok N: the balances, read in one statement, sum to N * 100.
bank_reads_ok() {
	local sum
	sum=$(sqlsh -q --timeout 30s --format csv -c "SELECT sum(bal), count(*) FROM bank" | tail -n 1)
	[ "$sum" = "$(($1 * 100)),$1" ] || {
		echo "bank total read: $sum, expected $(($1 * 100)),$1"
		return 1
	}
}
