#!/usr/bin/env bats
# invalidate on the pages and bounce paths: the buffer slot is emptied and
# registered again, idle or under I/O, and every byte is verified.

load helpers

setup() { scratch_file 8M; }
teardown() { cleanup_scratch; }

@test "idle cycles on the pages path verify after every cycle" {
	run -0 dmabuf --json invalidate "$TARGET" --mem memfd --blocks 1024 --cycles 3 --path pages
	assert_equal "$(jq -r .cycles.completed <<<"$output")" "3"
	assert_equal "$(jq -r .result <<<"$output")" "ok"
	assert_equal "$(jq -r .verify.blocks_checked <<<"$output")" "3072"
}

@test "--during-io cycles fire under load, requests are retried, data is intact" {
	run -0 dmabuf --json invalidate "$TARGET" --mem memfd --blocks 4096 --bs 4k --qd 32 \
		--cycles 6 --during-io --path pages
	assert_equal "$(jq -r .cycles.completed <<<"$output")" "6"
	assert_equal "$(jq -r .cycles.during_io <<<"$output")" "true"
	assert_equal "$(jq -r .verify.blocks_bad <<<"$output")" "0"
	assert_equal "$(jq -r .io.errors <<<"$output")" "0"
	# requests issued while the slot was empty failed with EFAULT and were reissued
	[ "$(jq -r .cycles.requests_retried <<<"$output")" -gt 0 ]
}

@test "--during-io on the bounce path" {
	run -0 dmabuf --json invalidate "$TARGET" --mem memfd --blocks 2048 --bs 4k --qd 16 \
		--cycles 4 --during-io --path bounce
	assert_equal "$(jq -r .cycles.completed <<<"$output")" "4"
	assert_equal "$(jq -r .result <<<"$output")" "ok"
}

# One request per pass completes in one batch: a hook run only between
# completion batches never saw it in flight, and the cycles never fired.
@test "--during-io fires when each pass is a single request, at least one step per pass" {
	run -0 --separate-stderr dmabuf --json invalidate "$TARGET" --mem memfd --blocks 8 --bs 4k \
		--cycles 20 --during-io --path pages
	assert_equal "$(jq -r .cycles.completed <<<"$output")" "20"
	assert_equal "$(jq -r .result <<<"$output")" "ok"
	# two steps a cycle (empty the slot, fill it), one step a pass at least
	[ "$(jq -r .passes <<<"$output")" -le 40 ] || fail "$(jq -r .passes <<<"$output") passes"
}

@test "--during-io goes on until every cycle fired; --time-limit ends it with exit 4" {
	run -4 --separate-stderr dmabuf --json invalidate "$TARGET" --mem memfd --blocks 2048 \
		--cycles 1000000 --during-io --time-limit 0.3
	assert_equal "$(jq -r .time_limit_hit <<<"$output")" "true"
	assert_equal "$(jq -r .time_limit_s <<<"$output")" "0.3"
	assert_equal "$(jq -r .verify.blocks_bad <<<"$output")" "0"
	[[ "$stderr" == *"cycles fired in"*"passes over 0.3 s (--time-limit); every byte of those passes verified"* ]] ||
		fail "stderr: $stderr"
}

@test "--time-limit without --during-io exits 2" {
	run -2 --separate-stderr dmabuf invalidate "$TARGET" --mem memfd --time-limit 5
	[[ "$stderr" == *"--time-limit goes with --during-io"* ]]
}
