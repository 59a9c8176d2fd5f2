#!/usr/bin/env bats
# What runs in more than one thread: bench's jobs (each its own ring, all
# on one memory, registered in turn) and the watcher that draws the
# progress line from their counters.  In `make check-tsan` $DMABUF is the
# ThreadSanitizer build (build-tsan/dmabuf, TSAN_OPTIONS=halt_on_error=1),
# and a data race ends the command with TSAN's exit status 66 and its
# report on stderr; in the other cli tiers these are plain runs.  Before
# the fix the first case raced (the jobs wrote the shared context as they
# registered) and the third did too (a job's progress counter written
# without an atomic store while the watcher read it).

load helpers

setup() { scratch_file 16M; }
teardown() { cleanup_scratch; }

# bench_ok ARGS...: bench on the scratch file; exit 0, or the report.
bench_ok() {
	run --separate-stderr dmabuf --json bench "$TARGET" --mem memfd --qd 4 --bs 4k "$@"
	[ "$status" -eq 0 ] || fail "bench $* exited $status: $stderr"
}

@test "bench --jobs 3 on the bounce path, reads and writes: every job registers the one memory, no race" {
	bench_ok --path bounce --jobs 3 --rw randrw --ios 600 --force
	assert_equal "$(jq -r .path <<<"$output")" bounce
	assert_equal "$(jq -r '.jobs | length' <<<"$output")" 3
	# --ios counts per job, as fio's number_ios
	assert_equal "$(jq -r '[.jobs[] | .read.total_ios + .write.total_ios] | unique | @csv' <<<"$output")" 600
}

@test "bench --jobs 2 on the pages path: no race" {
	bench_ok --path pages --jobs 2 --rw randread --ios 400
	assert_equal "$(jq -r .path <<<"$output")" pages
	assert_equal "$(jq -r '[.jobs[].read.total_ios] | unique | @csv' <<<"$output")" 400
}

@test "bench --jobs 3 on a terminal: the watcher reads the jobs' counters as they run, no race" {
	printf -v cmd '%q ' "$DMABUF" bench "$TARGET" --mem memfd --path bounce --jobs 3 --qd 4 \
		--bs 4k --ios 3000
	run script -qfec "$cmd" "$SCRATCH_DIR/tty.log"
	[ "$status" -eq 0 ] || fail "exit $status: $(cat "$SCRATCH_DIR/tty.log")"
	run cat "$SCRATCH_DIR/tty.log"
	refute_output --partial "ThreadSanitizer"
	assert_output --partial "randread: bs=4096 qd=4 jobs=3"
}
