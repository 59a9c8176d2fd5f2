#!/usr/bin/env bats
# The live progress line of read, write, verify and invalidate
# (cmd/shared/progress.c, the one bench draws too): on stderr when it is a
# terminal and --json is not given, redrawn in place and cleared before the
# report; nothing otherwise.  script(1) gives the command a pseudo-terminal.
# DMABUF_PROGRESS_MS=0 draws after every batch of completions, so that a run
# of a few milliseconds draws too: nothing here depends on the machine's speed.

load helpers

setup() { scratch_file 4M; }	# 8192 blocks of 512 bytes
teardown() { cleanup_scratch; }

SIZE='[0-9]+(\.[0-9])? (B|KiB|MiB|GiB|TiB)'
RATE='[0-9]+(\.[0-9])? MB/s'

# on_tty [REDIRECTIONS] -- ARGS...: `dmabuf ARGS REDIRECTIONS` with DMABUF_PROGRESS_MS=0
# on a pseudo-terminal; $output: what the terminal got (stdout and stderr
# where not redirected).  The command's exit status is checked by the caller
# through $tty_status.
on_tty() {
	local redir=() cmd
	while [ "$1" != -- ]; do redir+=("$1"); shift; done
	shift
	printf -v cmd '%q ' "$DMABUF" "$@"
	run script -qfec "DMABUF_PROGRESS_MS=0 $cmd ${redir[*]}" "$SCRATCH_DIR/tty.log"
	tty_status=$status
	output=$(cat "$SCRATCH_DIR/tty.log")
}

# lines CMD: the progress lines drawn for CMD, one a line (without the escapes).
lines() {
	grep -aoE "$1: [^"$'\033\r'"]*elapsed[^"$'\033\r'"]*" "$SCRATCH_DIR/tty.log"
}

# cleared WORD: the last line drawn was cleared ("\r\033[K"), then WORD came
# (the report's first line, a message), and no escape after it.
cleared() {
	local after=${output##*elapsed} rest
	rest=${after#*$'\r\033[K'}
	[ "$rest" != "$after" ] && [[ $rest == "$1"* ]] && [[ $rest != *$'\033'* ]] ||
		fail "the last progress line is not cleared before '$1': $(cat -v <<<"$after")"
}

# no_progress: nothing of a progress line in $output.
no_progress() {
	refute_output --partial elapsed
	refute_output --partial $'\033[K'
}

@test "read on a terminal: elapsed, bytes of the range, percent, rate, ETA; cleared before the report" {
	on_tty -- read "$TARGET" --mem memfd --size 1M --blocks 8192
	[ "$tty_status" -eq 0 ] || fail "exit $tty_status: $output"
	assert_output --regexp "read: [0-9]+ s elapsed, $SIZE of 4 MiB \([0-9]+ %\), $RATE, ETA [0-9]+ s"
	# the last line is drawn after the last completion: all of it
	run -0 lines read
	assert_line --index -1 --regexp '^read: [0-9]+ s elapsed, 4 MiB of 4 MiB \(100 %\), .*, ETA 0 s$'
	refute_output --regexp '\((1[0-9][1-9]|[2-9][0-9][0-9]) %\)'
	output=$(cat "$SCRATCH_DIR/tty.log")
	cleared "result "
}

@test "write on a terminal: the same line, cleared before the report" {
	on_tty -- write "$TARGET" --mem memfd --size 1M --blocks 8192
	[ "$tty_status" -eq 0 ] || fail "exit $tty_status: $output"
	assert_output --regexp "write: [0-9]+ s elapsed, $SIZE of 4 MiB \([0-9]+ %\), $RATE, ETA [0-9]+ s"
	cleared "result "
	run -0 lines write
	assert_line --index -1 --regexp '^write: .* 4 MiB of 4 MiB \(100 %\)'
}

@test "verify --passes: the line names the pass; the total counts every pass's writes and reads" {
	on_tty -- verify "$TARGET" --mem memfd --size 1M --blocks 8192 --passes 3
	[ "$tty_status" -eq 0 ] || fail "exit $tty_status: $output"
	assert_output --regexp "verify: pass 1 of 3, [0-9]+ s elapsed, $SIZE of 24 MiB \([0-9]+ %\), $RATE, ETA [0-9]+ s"
	assert_output --regexp "verify: pass 2 of 3, "
	assert_output --regexp "verify: pass 3 of 3, "
	refute_output --partial "pass 4"
	cleared "mode "
	run -0 lines verify
	assert_line --index -1 --regexp '^verify: pass 3 of 3, .* 24 MiB of 24 MiB \(100 %\)'
	# one pass: no pass to name
	on_tty -- verify "$TARGET" --mem memfd --size 1M --blocks 8192
	[ "$tty_status" -eq 0 ] || fail "exit $tty_status: $output"
	assert_output --regexp "verify: [0-9]+ s elapsed, $SIZE of 8 MiB"
	refute_output --partial "pass 1"
}

@test "verify --read-only and --scratch-lba: their passes, counted to 100 %" {
	run -0 "$DMABUF" write "$TARGET" --mem memfd --blocks 8192
	on_tty -- verify "$TARGET" --mem memfd --size 1M --blocks 8192 --read-only --passes 2
	[ "$tty_status" -eq 0 ] || fail "exit $tty_status: $output"
	assert_output --regexp "verify: pass 2 of 2, [0-9]+ s elapsed, $SIZE of 8 MiB"
	cleared "mode "
	# the round trip moves 8 windows' worth a pass: 3 through the memory, 5 through host memory
	on_tty -- verify "$TARGET" --mem memfd --size 256k --blocks 4096 --scratch-lba 6000 --passes 2
	[ "$tty_status" -eq 0 ] || fail "exit $tty_status: $output"
	assert_output --regexp "verify: pass 1 of 2, [0-9]+ s elapsed, $SIZE of 32 MiB"
	run -0 lines verify
	assert_line --index -1 --regexp '^verify: pass 2 of 2, .* 32 MiB of 32 MiB \(100 %\)'
	refute_output --regexp '\((1[0-9][1-9]|[2-9][0-9][0-9]) %\)'
}

@test "invalidate on a terminal: the line names the cycle; --during-io the pass and the cycles fired" {
	on_tty -- invalidate "$TARGET" --mem memfd --blocks 2048 --cycles 3 --path pages
	[ "$tty_status" -eq 0 ] || fail "exit $tty_status: $output"
	assert_output --regexp "invalidate: cycle 1 of 3, [0-9]+ s elapsed, $SIZE of 6 MiB \([0-9]+ %\), $RATE, ETA [0-9]+ s"
	assert_output --regexp "invalidate: cycle 3 of 3, "
	cleared "result "
	on_tty -- invalidate "$TARGET" --mem memfd --blocks 2048 --bs 4k --qd 16 --cycles 3 --during-io --path pages
	[ "$tty_status" -eq 0 ] || fail "exit $tty_status: $output"
	assert_output --regexp "invalidate: pass 1, [0-9]+ of 3 cycles fired, [0-9]+ s elapsed, $SIZE, $RATE"
	cleared "passes "
}

@test "stderr not a terminal: no progress text, on a terminal's stdout or anywhere" {
	# stdout the terminal, stderr a file
	on_tty "2>$SCRATCH_DIR/err" -- read "$TARGET" --mem memfd --size 1M --blocks 8192
	[ "$tty_status" -eq 0 ] || fail "exit $tty_status: $output"
	assert_output --partial "result "
	no_progress
	run -0 cat "$SCRATCH_DIR/err"
	assert_output ""
	on_tty "2>$SCRATCH_DIR/err" -- verify "$TARGET" --mem memfd --size 1M --blocks 8192 --passes 2
	[ "$tty_status" -eq 0 ] || fail "exit $tty_status: $output"
	no_progress
	run -0 cat "$SCRATCH_DIR/err"
	assert_output ""
	# no terminal at all
	DMABUF_PROGRESS_MS=0 run -0 --separate-stderr "$DMABUF" write "$TARGET" --mem memfd --size 1M --blocks 8192
	[ -z "$stderr" ] || fail "stderr: $(cat -v <<<"$stderr")"
	refute_output --partial elapsed
}

@test "stdout redirected, stderr a terminal: the line on the terminal, the report clean" {
	on_tty ">$SCRATCH_DIR/out" -- write "$TARGET" --mem memfd --size 1M --blocks 8192
	[ "$tty_status" -eq 0 ] || fail "exit $tty_status: $output"
	assert_output --regexp "write: [0-9]+ s elapsed, "
	assert_output --partial $'\r\033[K'
	run -0 cat "$SCRATCH_DIR/out"
	assert_line --index 0 --regexp '^result +: ok$'
	no_progress
}

@test "--json: no progress line, terminal or not" {
	local cmd
	for cmd in read write verify invalidate; do
		on_tty -- --json "$cmd" "$TARGET" --mem memfd --size 1M --blocks 8192
		[ "$tty_status" -eq 0 ] || fail "$cmd: exit $tty_status: $output"
		assert_output --partial '"command"'
		no_progress
	done
	on_tty -- verify "$TARGET" --mem memfd --size 1M --blocks 8192 --passes 2 --json
	[ "$tty_status" -eq 0 ] || fail "exit $tty_status: $output"
	no_progress
}

@test "a message during the run starts on a cleared line" {
	# a pipe ends in the second window: the first one was written (and drawn)
	local cmd
	printf -v cmd '%q ' "$DMABUF" write "$TARGET" --mem memfd --size 1M --blocks 8192 --in /dev/stdin
	run script -qfec "head -c 1572864 /dev/zero | DMABUF_PROGRESS_MS=0 $cmd" "$SCRATCH_DIR/tty.log"
	[ "$status" -eq 2 ] || fail "exit $status: $(cat -v "$SCRATCH_DIR/tty.log")"
	output=$(cat "$SCRATCH_DIR/tty.log")
	assert_output --regexp "write: [0-9]+ s elapsed, 1 MiB of 4 MiB \(25 %\)"
	cleared "dmabuf: /dev/stdin: "
}
