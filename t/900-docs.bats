#!/usr/bin/env bats
# 900-docs.bats -- docs stay true to the programs: every program has a man
# page that groff accepts without warnings, every --flag that --help shows
# is documented in the page, and --help/--version behave the same way in
# every program.

bats_require_minimum_version 1.8.0
load helpers/test_helper

programs() {
	local d
	for d in "$RANGEDB_SRCDIR"/cmd/*/; do
		basename "$d"
	done
}

man_page() {
	ls "$RANGEDB_SRCDIR"/man/"$1".[1-8] 2>/dev/null | head -n 1
}

@test "every program in cmd/ has a man page" {
	local p missing=
	for p in $(programs); do
		[ -n "$(man_page "$p")" ] || missing="$missing $p"
	done
	[ -z "$missing" ] || { echo "no man page for:$missing"; false; }
}

@test "every man page is valid mdoc with no groff warnings" {
	local m out
	for m in "$RANGEDB_SRCDIR"/man/*.[1-8]; do
		out=$(groff -mdoc -ww -z "$m" 2>&1)
		[ -z "$out" ] || { echo "$m: $out"; false; }
	done
}

@test "every --flag in a program's --help is in its man page" {
	local p page flag missing=
	for p in $(programs); do
		page=$(man_page "$p")
		# mdoc writes flags as "Fl \-max\-count"; compare without escapes
		for flag in $("$p" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
			sed 's/\\-/-/g; s/Fl -/--/g; s/Fl /-/g' "$page" |
				grep -q -- "$flag" || missing="$missing $p:$flag"
		done
	done
	[ -z "$missing" ] || { echo "undocumented flags:$missing"; false; }
}

@test "every program answers --help and --version on stdout with exit 0" {
	local p
	for p in $(programs); do
		run -0 "$p" --help
		assert_output --partial "Usage: $p"
		run -0 "$p" --version
		assert_output --regexp "^$p \(rangedb\) "
	done
}

@test "every program rejects an unknown flag with exit 2 and one line on stderr" {
	local p
	for p in $(programs); do
		run -2 --separate-stderr "$p" --no-such-flag
		[ -z "$output" ]
		[[ "$stderr" == "$p: "* ]]
	done
}

@test "the README names the two commands and the layout" {
	grep -q '^    contrib/quickstart' "$RANGEDB_SRCDIR/README"
	[ -x "$RANGEDB_SRCDIR/contrib/quickstart" ]
	grep -q '^    bash .ci/run' "$RANGEDB_SRCDIR/README"
}
