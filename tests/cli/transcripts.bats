#!/usr/bin/env bats
# tests/transcripts, the check that README's and the man pages' transcripts
# are what the commands print (run on them in the VM: tests/vm/docs.bats).
# Here: what it lets vary and what it does not, on commands of the shell.

load helpers

setup() {
	SCRATCH_DIR=$(mktemp -d /var/tmp/dmabuf-cli.XXXXXX)
	DOC=$SCRATCH_DIR/doc.md
	TRANSCRIPTS=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/tests/transcripts
}
teardown() { cleanup_scratch; }

# doc COMMAND EXPECTED-LINE...: one marked block
doc() {
	local cmd=$1
	shift
	{ echo '<!-- transcript -->'; echo '```'; echo "\$ $cmd"; printf '%s\n' "$@"; echo '```'; } >> "$DOC"
}

@test "transcripts: figures vary, blanks widen, a trimmed listing says ..." {
	doc "printf 'result   : ok\nIOPS=4711.5 in 0.52 s\nextra\nlast\n'" \
		'result : ok' 'IOPS=12.3 in 9 s' '...' 'last'
	run -0 "$TRANSCRIPTS" check "$DOC"
	assert_output --partial 'ok 1 '
}

@test "transcripts: a changed word fails, naming the file, the line and both texts" {
	doc "echo 'mechanism : move_notify (kernel test trigger)'" 'mechanism : unregister+register'
	run -1 "$TRANSCRIPTS" check "$DOC"
	assert_output --partial "not ok 1 $DOC:3"
	assert_output --partial "expected 'mechanism : unregister+register', got 'mechanism : move_notify (kernel test trigger)'"
}

@test "transcripts: an exit status alone on its line must be that status" {
	doc 'false; echo $?' '3'
	run -1 "$TRANSCRIPTS" check "$DOC"
	assert_output --partial "expected '3', got '1'"
}

@test "transcripts: a missing column, a missing or an extra line fails" {
	doc "echo 'LBA  OFFSET  MEM_OFFSET  KIND'" 'LBA  OFFSET  KIND'
	doc "echo one" 'one' 'two'
	doc "printf 'one\ntwo\n'" 'one'
	run -1 "$TRANSCRIPTS" check "$DOC"
	assert_line --index 1 --partial 'not ok 1'
	assert_line --partial "not ok 2 $DOC:8"
	assert_line --partial "missing line 'two'"
	assert_line --partial "unexpected line 'two'"
}

@test "transcripts: ... within a line trims columns; a tier picks its own blocks" {
	doc "echo 'GPU  NVME  THROUGH  TURN  VERDICT  REASON'" 'GPU  NVME  ...  VERDICT  REASON'
	{ echo '<!-- transcript p2p -->'; echo '```'; echo '$ echo p2p'; echo 'p2p'; echo '```'; } >> "$DOC"
	run -0 "$TRANSCRIPTS" check "$DOC"
	assert_output $'1..1\nok 1 '"$DOC:3"
	run -0 "$TRANSCRIPTS" check --tier p2p "$DOC"
	assert_output $'1..1\nok 1 '"$DOC:8"
	# a trimmed column still needs the words around it
	doc "echo 'GPU  NVME  THROUGH'" 'GPU  ...  VERDICT'
	run -1 "$TRANSCRIPTS" check "$DOC"
}

@test "transcripts: the docs mark transcripts, and every one has a command" {
	local top
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	run -0 grep -c '^<!-- transcript -->$' "$top/README.md"
	[ "$output" -ge 4 ] || fail "README.md marks $output transcripts"
	# show runs nothing it cannot: here only parse, by running a doc of none
	run -0 "$TRANSCRIPTS" check /dev/null
	assert_output '1..0'
}

@test "transcripts: --as runs the docs' device names as this machine's, and reads them back" {
	# the guest may probe the namespaces in another order than the docs show
	doc "echo /dev/nvme0n1 /dev/nvme0n1p1 /dev/nvme1n1 /dev/nvme10n1" '/dev/nvme0n1 /dev/nvme0n1p1 /dev/nvme1n1 /dev/nvme10n1'
	doc "echo /dev/nvme0n1 | sed s,nvme1,swapped," '/dev/swappedn1'
	run -0 "$TRANSCRIPTS" check --as /dev/nvme0n1=/dev/nvme1n1 --as /dev/nvme1n1=/dev/nvme0n1 "$DOC"
	assert_output --partial 'ok 2 '
	run -1 "$TRANSCRIPTS" check "$DOC"
}

@test "transcripts: commands of one block run in order; a blank line only sets them apart" {
	{ echo '<!-- transcript -->'; echo '```'; echo '$ echo first > '"$SCRATCH_DIR/f"; echo
	  echo '$ cat '"$SCRATCH_DIR/f"; echo 'first'; echo; echo '```'; } >> "$DOC"
	run -0 "$TRANSCRIPTS" check "$DOC"
}
