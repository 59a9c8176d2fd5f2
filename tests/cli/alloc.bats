#!/usr/bin/env bats
# alloc: describe memory; --hold shares one buffer across invocations.

load helpers

setup() { scratch_file 4M; }
teardown() {
	[ -n "${HOLDER:-}" ] && kill "$HOLDER" 2>/dev/null
	cleanup_scratch
}

@test "alloc memfd describes the memory as not a dma-buf" {
	run -0 dmabuf --json alloc --mem memfd --size 1M
	assert_equal "$(jq -r .memory.size <<<"$output")" "1048576"
	assert_equal "$(jq -r .memory.dmabuf <<<"$output")" "false"
}

@test "alloc rounds the size up to whole pages" {
	run -0 dmabuf --json alloc --mem memfd --size 5000
	assert_equal "$(jq -r .memory.size <<<"$output")" "8192"
}

@test "alloc without --size exits 2" {
	run -2 --separate-stderr dmabuf alloc --mem memfd
	assert_stderr_first "--size is required"
}

@test "alloc --hold prints PID:FD, the holder keeps the buffer for later commands" {
	run -0 --separate-stderr dmabuf alloc --mem memfd --size 1M --hold --hold-timeout 600
	assert_output --regexp '^[0-9]+:[0-9]+$'
	hold=$output
	HOLDER=${hold%%:*}
	alive "$HOLDER"
	# the held memfd, as the holder has it: /proc/PID/fd/FD opens the same file
	held=/proc/$HOLDER/fd/${hold#*:}
	# a read through the held buffer leaves the disk's bytes in it ...
	run -0 dmabuf write "$TARGET" --mem memfd --blocks 2048 --pattern random:42
	run -0 dmabuf read "$TARGET" --mem "pid:$hold" --blocks 2048
	cmp <(head -c 1M "$held") <(head -c 1M "$TARGET")
	# ... and a write through it leaves there exactly what reached the disk
	run -0 dmabuf write "$TARGET" --mem "pid:$hold" --lba 2048 --blocks 2048 --pattern random:7
	cmp <(head -c 1M "$held") <(tail -c +1048577 "$TARGET" | head -c 1M)
	run ! cmp -s <(head -c 1M "$held") <(head -c 1M "$TARGET")
	kill "$HOLDER"
	# it exits on SIGTERM: wait for that (bounded), not a fixed time
	for _ in $(seq 300); do alive "$HOLDER" || break; sleep 0.1; done
	run ! alive "$HOLDER"
}

@test "alloc --hold returns at once inside \$(...)" {
	# returning before the holder's timeout (600 s) is the point; 60 s only
	# bounds a hang, whatever the machine's speed
	hold=$(timeout 60 "$DMABUF" alloc --mem memfd --size 64k --hold --hold-timeout 600)
	HOLDER=${hold%%:*}
	[[ $hold =~ ^[0-9]+:[0-9]+$ ]]
}

@test "the holder exits by itself after --hold-timeout" {
	hold=$(dmabuf alloc --mem memfd --size 64k --hold --hold-timeout 1)
	HOLDER=${hold%%:*}
	# gone within 30 s (the teardown would kill a holder that ignored it)
	for _ in $(seq 300); do alive "$HOLDER" || break; sleep 0.1; done
	run ! alive "$HOLDER"
}
