#!/usr/bin/env bats
# dma-buf tokens for files on ext4 and XFS (doc/file-tokens.md, issue 24),
# tested by tests/kernel/file-tokens (raw io_uring_register calls, nothing
# of lib/), one bats test per group of cases.  The cases make file systems
# on both namespaces, which must be 512 MiB or more: check-tier boots this
# suite with --ns-size 1G; with smaller namespaces, without mkfs.xfs, or on
# a kernel without file tokens (kernel patches 0022-0027 not in series) the
# tests skip, saying why.  DMABUF_FILE_RACE_ITERATIONS sets the races'
# operation count (file-tokens -n, default 1000).
load helpers

setup() { vm_setup; }
teardown() { ft_teardown; vm_teardown; }

# ftest CASE...: tests/kernel/file-tokens runs the cases; every check
# passed.  Its TAP lines are printed, so a failing test shows them all; its
# exit status 77 (cannot run here) skips the test with its reason.
ftest() {
	local n=() why
	[ -z "${DMABUF_FILE_RACE_ITERATIONS:-}" ] || n=(-n "$DMABUF_FILE_RACE_ITERATIONS")
	run --separate-stderr build/tests/kernel/file-tokens "${n[@]}" "$@"
	echo "$output"
	[ -z "$stderr" ] || echo "stderr: $stderr"
	if [ "$status" -eq 77 ]; then
		why=${output#*"1..0 # SKIP "}
		skip "${why%%$'\n'*}"
	fi
	assert_success
	refute_output --partial "not ok"
}

# What a case that bailed out left: mounts under /run/file-tokens (before
# vm_teardown removes a mapped device one of them may be on) and loop
# devices of its images.  Read with builtins: each exec costs under TCG.
ft_teardown() {
	local src mnt rest img line mnts=() i
	while read -r src mnt rest; do
		[[ $mnt == /run/file-tokens/* ]] && mnts+=("$mnt")
	done < /proc/self/mounts
	for ((i = ${#mnts[@]} - 1; i >= 0; i--)); do
		umount "${mnts[$i]}" || echo "teardown: umount ${mnts[$i]} failed"
	done
	for img in /run/file-tokens/loop.img /run/file-tokens/rt.img; do
		[ -e "$img" ] || continue
		while IFS= read -r line; do
			losetup -d "${line%%:*}" || echo "teardown: losetup -d ${line%%:*} failed"
		done < <(losetup -j "$img")
		rm -f "$img"
	done
	return 0
}

@test "file tokens: registration on ext4 and XFS: O_DIRECT, data journalling, inline data, ext3, a loop device, shutdown; files of one file system share its tokens" { ftest file-register; }
@test "file tokens: udmabuf, heap and vgem I/O on fragmented ext4 and XFS files, both namespaces, matches the pages path with no mapping per request" { ftest file-io-udmabuf file-io-heap file-io-vgem; }
@test "file tokens: holes and unwritten extents read as zeros into every source, no canary left; a buffer without a kernel mapping gets -EOPNOTSUPP" { ftest file-holes-udmabuf file-holes-heap file-holes-vgem file-holes-mover file-holes-nomap; }
@test "file tokens: appends and writes past EOF set the size, gaps read as zeros, reads stop at EOF" { ftest file-extend; }
@test "file tokens: 512-byte writes into holes, unwritten extents and past EOF of 4 KiB and 1 KiB blocks leave zeros around them" { ftest file-subblock; }
@test "file tokens: XFS reflink: writes to a clone leave the source alone; a sub-block write to a shared block is refused, nothing cached" { ftest file-cow; }
@test "file tokens: XFS realtime device on the other controller: bytes where XFS maps them, both devices' tokens made at registration; a loop realtime device refused" { ftest file-rt; }
@test "file tokens: ext4 on dm-linear over both namespaces: a write across the targets lands on both; file token over dm's over the namespaces'" { ftest file-dm; }
@test "file tokens: invalidations and real moves under file reads and writes: every byte, no late DMA, no move refused" { ftest file-mover; }
@test "file tokens: truncate, hole punch and buffered writes racing token I/O: A never reads B's blocks, B never gets A's writes, the page cache stays coherent" { ftest file-race-truncate file-race-punch file-race-buffered; }
