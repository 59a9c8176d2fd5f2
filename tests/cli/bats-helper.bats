#!/usr/bin/env bats
# share/bats/dmabuf.bash, the helper users load in their own suites: run
# from an installed copy as a user's suite would, and its assertions fail
# where they should, with dmabuf's own words.

load helpers

REPO=$BATS_TEST_DIRNAME/../..

setup() {
	scratch_file 16M
	DEST=$SCRATCH_DIR/root
	make -s -C "$REPO" install DESTDIR="$DEST" PREFIX=/usr >/dev/null
	HELPERS=$DEST/usr/share/dmabuf/bats
}
teardown() { cleanup_scratch; }

# user_suite NAME: tests/cli/fixtures/NAME.bats, a suite that loads the
# installed helper, run with bats and the installed binary.
user_suite() {
	run env PATH="$DEST/usr/bin:$PATH" LD_LIBRARY_PATH="$DEST/usr/lib" HELPERS="$HELPERS" TARGET="$TARGET" \
		MEMFILE="$SCRATCH_DIR/mem" bats "$BATS_TEST_DIRNAME/fixtures/$1.bats"
}

@test "the installed example suite runs from the installed copy: every test passes or skips with dmabuf's reason" {
	run env PATH="$DEST/usr/bin:$PATH" LD_LIBRARY_PATH="$DEST/usr/lib" DMABUF_BATS_DIR="$HELPERS" DMABUF_TARGET="$TARGET" \
		bats "$HELPERS/example.bats"
	assert_success
	assert_line "1..4"
	assert_line "ok 4 memfd is no dma-buf: the token path is refused, not faked"
	# a skip carries dmabuf's message (object: operation: errno text: hint)
	local l
	for l in "${lines[@]}"; do
		[[ $l != *"# skip"* ]] || [[ $l == *"# skip "*": "*": "* ]] || fail "a skip without dmabuf's reason: $l"
	done
	run env PATH="$DEST/usr/bin:$PATH" LD_LIBRARY_PATH="$DEST/usr/lib" DMABUF_BATS_DIR="$HELPERS" bats "$HELPERS/example.bats"
	assert_success
	assert_line --partial "# skip set DMABUF_TARGET"
}

@test "assert_dmabuf_ok, _path and _no_mismatch pass on a good run and name what differs on a bad one" {
	user_suite helper-asserts
	assert_failure
	assert_line "ok 1 good"
	assert_line "not ok 2 path"
	assert_line "# dmabuf took the bounce path, expected pages"
	assert_line "not ok 3 mismatch"
	assert_line --regexp '^# dmabuf found mismatches: 128 of 128 blocks bad \(first: [a-z]+ at LBA 0\)$'
	assert_line "not ok 4 exit"
	assert_line --regexp '^# dmabuf exited 1, expected 0 \(ok\): dmabuf: .*differ from pattern'
}

@test "exit 3 skips with dmabuf's reason under dmabuf_run, and is asserted under dmabuf_try; holders are cleaned up" {
	user_suite helper-skips
	assert_success
	assert_line --regexp '^ok 1 skip # skip .*token'
	assert_line "ok 2 try"
	assert_line "ok 3 hold"
	assert_line "ok 4 usage"
	local mem pid
	mem=$(cat "$SCRATCH_DIR/mem")
	pid=${mem#pid:}
	pid=${pid%%:*}
	[[ $pid =~ ^[0-9]+$ ]] || fail "no holder pid in '$mem'"
	# gone, or a zombie its reaper has not collected yet
	for _ in $(seq 300); do
		[ -r "/proc/$pid/stat" ] || return 0
		[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] || return 0
		sleep 0.1
	done
	fail "holder $pid still runs after dmabuf_cleanup"
}
