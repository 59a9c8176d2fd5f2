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
