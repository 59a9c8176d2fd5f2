#!/usr/bin/env bats
# SIGINT and SIGTERM during I/O: the requests in flight complete, the
# command reports how far it got and exits 128 + the signal, as a shell
# reports a process a signal ended.

load helpers

setup() { scratch_file 256M; }
teardown() { cleanup_scratch; }

# Start "dmabuf --json ARGS..." in the background (it would run for
# minutes), send SIGNAL, wait: $status, $output, $stderr.  READY is a jq
# test on the report that the I/O had begun when the signal came; on a
# machine too busy for that within the wait, the run is tried again with
# twice the wait (0.5 s to 8 s), so no figure of the machine's is assumed.
interrupt() {	# SIGNAL READY ARGS...
	local sig=$1 ready=$2 pid delay
	shift 2
	for delay in 0.5 1 2 4 8; do
		"$DMABUF" --json "$@" > "$SCRATCH_DIR/out" 2> "$SCRATCH_DIR/err" &
		pid=$!
		sleep "$delay"
		kill -"$sig" "$pid"
		status=0
		wait "$pid" || status=$?
		output=$(cat "$SCRATCH_DIR/out")
		jq -e "$ready" <<<"$output" >/dev/null 2>&1 && break
	done
	json_keep "$output"
	stderr=$(cat "$SCRATCH_DIR/err")
}

@test "SIGINT during verify: exit 130, the report says interrupted and how far it got" {
	interrupt INT '.io.ios > 0' verify "$TARGET" --mem memfd --size 1M --length 256M --bs 4k --qd 8 --passes 1000
	assert_equal "$status" 130
	assert_equal "$(jq -r .result <<<"$output")" interrupted
	assert_equal "$(jq -r .interrupted.signal <<<"$output")" SIGINT
	jq -e '.interrupted.next_lba == .interrupted.blocks_done and .io.ios > 0 and .io.errors == 0' <<<"$output" ||
		fail "report: $output"
	# what was checked before the signal was checked right
	assert_equal "$(jq -r .verify.blocks_bad <<<"$output")" 0
	[[ "$stderr" == "dmabuf: $TARGET: interrupted: Interrupted system call: stopped by SIGINT (signal 2); the requests in flight completed" ]] ||
		fail "stderr: $stderr"
}

@test "SIGTERM during bench: exit 143, the figures of the run so far" {
	interrupt TERM '(.jobs | length) == 2 and all(.jobs[]; .read.total_ios > 0)' \
		bench "$TARGET" --mem memfd --runtime 600 --jobs 2
	assert_equal "$status" 143
	assert_equal "$(jq -r .result <<<"$output")" interrupted
	assert_equal "$(jq -r .interrupted.signal <<<"$output")" SIGTERM
	jq -e '.total.read.total_ios > 0 and (.jobs | length) == 2 and .jobs[1].read.total_ios > 0' <<<"$output" ||
		fail "report: $output"
	jq -e '.total.read.total_ios == ([.jobs[].read.total_ios] | add)' <<<"$output"
}

@test "SIGINT during write: exit 130, blocks before next_lba were written" {
	interrupt INT '.interrupted.blocks_done > 0' write "$TARGET" --mem memfd --size 64k --length 256M --bs 4k --qd 1 --pattern byte:0xa5
	assert_equal "$status" 130
	n=$(jq -r .interrupted.blocks_done <<<"$output")
	[ "$n" -gt 0 ] && [ "$n" -lt 524288 ] || fail "blocks_done $n"
	cmp -n $((n * 512)) "$TARGET" <(head -c $((n * 512)) /dev/zero | tr '\0' '\245')
}
