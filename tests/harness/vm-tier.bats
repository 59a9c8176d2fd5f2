#!/usr/bin/env bats
# tests/vm/check-tier's scheduling and counting, with a stand-in for
# tests/vm/run (tests/harness/fixtures/fake-vm-run) that boots nothing: boots
# run DMABUF_VM_JOBS at a time, each boot's output is printed whole, every
# test is counted once in its tier, a failed or skipped boot counts as such.

load helpers

REPO=$BATS_TEST_DIRNAME/../..

# tier [VAR=VALUE...] [-- CHECK-TIER-ARGS...]: check-tier with the
# stand-in, on no kernel.
tier() {
	local env=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do env+=("$1"); shift; done
	[ $# -eq 0 ] || shift
	run --separate-stderr env -u DMABUF_FILE_RACE_ITERATIONS -u DMABUF_VM_TIMEOUT_SCALE -u DMABUF_VM_JOBS \
		DMABUF_VM_RUN="$BATS_TEST_DIRNAME/fixtures/fake-vm-run" \
		DMABUF_VM_KERNEL=/nonexistent FAKE_LOG="$BATS_TEST_TMPDIR/boots.log" \
		TMPDIR="$BATS_TEST_TMPDIR" DMABUF_SUMMARY="$BATS_TEST_TMPDIR/summary" "${env[@]}" \
		timeout 600 "$REPO/tests/vm/check-tier" "$@"
}

# count TIER: the tests of the tier's suites, as bats counts them.
count() {
	local dir=$REPO/tests/vm
	[ "$1" = vm ] || dir=$REPO/tests/vm/${1#vm-}
	(cd "$REPO" && bats --count "${dir#"$REPO"/}"/*.bats)
}

# counted: every tier's count line in the summary is its suites' tests, all
# passed.
counted() {
	local t
	for t in vm vm-iommu vm-swiotlb vm-multipath vm-p2p vm-p2p-direct; do
		grep -qx "$t: $(count "$t") passed, 0 failed, 0 skipped" "$BATS_TEST_TMPDIR/summary" ||
			fail "$t: $(grep "^$t:" "$BATS_TEST_TMPDIR/summary")"
	done
}

# in_flight: the most boots the log shows running at once.
in_flight() {
	awk '/^start/ { n++; if (n > max) max = n } /^end/ { n-- } END { print max }' "$BATS_TEST_TMPDIR/boots.log"
}

@test "two boots at a time: every boot runs once, two at once and never more; each boot's output whole; every test counted once" {
	tier DMABUF_VM_JOBS=2 FAKE_BARRIER=2
	assert_success
	assert_line "2 boot(s) at a time"
	# all passed: the boots' directory is gone
	[ -z "$(compgen -G "$BATS_TEST_TMPDIR/dmabuf-vm-tier.*")" ]
	local boots
	boots=$(grep -c '^start ' "$BATS_TEST_TMPDIR/boots.log")
	[ "$(grep -c '^end ' "$BATS_TEST_TMPDIR/boots.log")" = "$boots" ]
	[ "$(grep -c ': booting (timeout' <<<"$output")" = "$boots" ]
	[ "$(grep -c '^check-tier: started tests/vm/.* of 2 running)$' <<<"$output")" = "$boots" ]
	[ "$(sort "$BATS_TEST_TMPDIR/boots.log" | uniq -d)" = "" ]
	# the first two boots waited for each other
	[ "$(in_flight)" = 2 ]
	counted
	# every TAP line lies between its boot's "booting" line and its count
	run awk '
	/: booting \(timeout/ { if (cur != "") bad = bad "\n" $0; cur = $0; sub(/: booting.*/, "", cur); next }
	cur != "" && index($0, cur ": ") == 1 && / passed, / { cur = ""; next }
	cur == "" && /^(not )?ok / { bad = bad "\n" $0 }
	END { printf "%s", bad }' <<<"$output"
	assert_output ""
}

@test "one boot at a time counts the same" {
	tier DMABUF_VM_JOBS=1
	assert_success
	[ "$(in_flight)" = 1 ]
	counted
}

@test "a failed boot fails its tier and the run, names itself in the recap; the other boots still run" {
	tier DMABUF_VM_JOBS=2 FAKE_FAIL=tests/vm/bench.bats
	assert_failure
	grep -qx "vm: $(($(count vm) - 1)) passed, 1 failed, 0 skipped" "$BATS_TEST_TMPDIR/summary"
	grep -qx "vm-iommu: $(count vm-iommu) passed, 0 failed, 0 skipped" "$BATS_TEST_TMPDIR/summary"
	assert_line --regexp '^vm: tests/vm/bench.bats: FAIL: 1 failed, [0-9]+ of [0-9]+ ran, [0-9]+ s \(timeout 1300 s\)$'
	# a failed run keeps every boot's directory, and says where
	assert_line --regexp "^2 boot\\(s\\) at a time; logs of each boot under $BATS_TEST_TMPDIR/dmabuf-vm-tier\\.[A-Za-z0-9]+/\$"
	[ -s "$(compgen -G "$BATS_TEST_TMPDIR/dmabuf-vm-tier.*")/0/out" ]
}

@test "a boot that dies before it counts: its tests count as failed, the recap says so, the others still run" {
	tier DMABUF_VM_JOBS=2 FAKE_KILL=tests/vm/token.bats
	assert_failure
	grep -qx "vm: $(($(count vm) - $(cd "$REPO" && bats --count tests/vm/token.bats))) passed, $(cd "$REPO" && bats --count tests/vm/token.bats) failed, 0 skipped" "$BATS_TEST_TMPDIR/summary"
	grep -qx "vm-iommu: $(count vm-iommu) passed, 0 failed, 0 skipped" "$BATS_TEST_TMPDIR/summary"
	assert_line "vm: tests/vm/token.bats: FAIL: the boot left no result (see its output above), ? s (timeout ? s)"
}

@test "QEMU that cannot run skips every tier's tests, booting the others no more, saying it once" {
	tier DMABUF_VM_JOBS=2 FAKE_STATUS=77
	assert_success
	assert_line "vm: SKIP: qemu-system-x86_64 cannot run here"
	[ "$(grep -c 'SKIP: qemu' <<<"$output")" = 1 ]
	refute_line --partial "the VM boots"
	for t in vm vm-iommu vm-p2p; do
		grep -qx "$t: 0 passed, 0 failed, $(count "$t") skipped" "$BATS_TEST_TMPDIR/summary"
	done
}

@test "the file races: 250 operations in make check, the guest's default (1000) on the debug kernel, the caller's when given" {
	local files=(--suites tests/vm/files.bats)
	tier DMABUF_VM_JOBS=1 -- "${files[@]}"
	assert_success
	grep -qx 'start tests/vm/files.bats races=250' "$BATS_TEST_TMPDIR/boots.log"
	rm "$BATS_TEST_TMPDIR/boots.log"
	tier DMABUF_VM_JOBS=1 -- "${files[@]}" --debug
	assert_success
	grep -qx 'start tests/vm/files.bats races=unset' "$BATS_TEST_TMPDIR/boots.log"
	rm "$BATS_TEST_TMPDIR/boots.log"
	tier DMABUF_VM_JOBS=1 DMABUF_FILE_RACE_ITERATIONS=40 -- "${files[@]}"
	assert_success
	grep -qx 'start tests/vm/files.bats races=40' "$BATS_TEST_TMPDIR/boots.log"
}

@test "by default at most one boot per two cores (fewer if memory is short), never none" {
	tier
	assert_success
	local most=$(($(nproc) / 2)) n
	[ "$most" -ge 1 ] || most=1
	n=$(sed -n 's/^\([0-9]*\) boot(s) at a time$/\1/p' <<<"$output")
	[ "$n" -ge 1 ] && [ "$n" -le "$most" ] || fail "$n boot(s) at a time on $(nproc) cores"
	[ "$(in_flight)" -le "$n" ]
}

@test "DMABUF_VM_JOBS that is no number above 0 is refused before any boot" {
	for j in 0 x -1; do
		tier DMABUF_VM_JOBS=$j
		assert_failure 2
		[[ $stderr == *"DMABUF_VM_JOBS wants a number of boots above 0, got '$j'"* ]]
		[ ! -e "$BATS_TEST_TMPDIR/boots.log" ]
	done
}
