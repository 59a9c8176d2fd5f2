#!/usr/bin/env bats
# dma-buf tokens for files on ext4 and XFS (doc/file-tokens.md, issue 24),
# tested by tests/kernel/file-tokens (raw io_uring_register calls, nothing
# of lib/), one bats test per group of cases.  The cases make file systems
# on both namespaces, which must be 512 MiB or more: check-tier boots this
# suite with --ns-size 1G; with smaller namespaces, without mkfs.xfs, or on
# a kernel without file tokens (kernel patches 0027-0031 not in series) the
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
	# every case's TAP lines, kept with the run's logs (tests/vm/run's share)
	[ -z "${DMABUF_VM_SHARE:-}" ] || printf '%s\n' "$output" >> "$DMABUF_VM_SHARE/file-tokens.tap"
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
@test "file tokens: holes and unwritten extents read as zeros into every source, no canary left, also while a move holds the reservation lock; a buffer without a kernel mapping gets -EOPNOTSUPP" { ftest file-holes-udmabuf file-holes-heap file-holes-vgem file-holes-mover file-holes-nomap file-holes-contended; }
@test "file tokens: appends and writes past EOF set the size, gaps read as zeros, reads stop at EOF" { ftest file-extend; }
@test "file tokens: 512-byte writes into holes, unwritten extents and past EOF of 4 KiB and 1 KiB blocks leave zeros around them" { ftest file-subblock; }
@test "file tokens: XFS reflink: writes to a clone leave the source alone; a sub-block write to a shared block is refused, nothing cached" { ftest file-cow; }
@test "file tokens: XFS realtime device on the other controller: bytes where XFS maps them, both devices' tokens made at registration; a loop realtime device refused" { ftest file-rt; }
@test "file tokens: ext4 on dm-linear over both namespaces: a write across the targets lands on both; file token over dm's over the namespaces'" { ftest file-dm; }
@test "file tokens: invalidations and real moves under file reads and writes: every byte, no late DMA, no move refused" { ftest file-mover; }
@test "file tokens: truncate, hole punch, zero range, collapse/insert range and buffered writes racing token I/O: A never reads B's blocks, B never gets A's writes, the page cache stays coherent" { ftest file-race-truncate file-race-punch file-race-zero file-race-shift file-race-buffered; }

# --- the tool on files (dmabuf check, read, write, verify, bench, invalidate) ---------------------------

# fs_mount TYPE DEV [MOUNT-OPTIONS]: a fresh file system of TYPE on DEV,
# mounted at $MNT (under /run/file-tokens, which ft_teardown unmounts);
# $MKFS_EXT4_FEATURES, when set, is given to mkfs.ext4's -O.
fs_mount() {
	MNT=/run/file-tokens/tool-$1
	mkdir -p "$MNT"
	case $1 in
	ext4) mkfs.ext4 -F -q -E nodiscard,lazy_itable_init=1,lazy_journal_init=1 \
		${MKFS_EXT4_FEATURES:+-O "$MKFS_EXT4_FEATURES"} "$2" ;;
	xfs) mkfs.xfs -f -q -K "$2" ;;
	esac || fail "mkfs.$1 $2"
	mount -t "$1" ${3:+-o "$3"} "$2" "$MNT" || fail "mount $2 on $MNT"
}

@test "dmabuf on ext4 and XFS files: check says tokens work; verify, bench and invalidate take the token path and name the file system and the device below" {
	local fs
	for fs in ext4 xfs; do
		fs_mount "$fs" "$DMABUF_VM_NS4K"
		head -c 8M /dev/urandom > "$MNT/data"
		run -0 dmabuf --json check "$MNT/data"
		assert_equal "$(jq -r '.targets[0].token.support' <<<"$output")" "dmabuf tokens work for this target"
		assert_equal "$(jq -r '.targets[0].filesystem | "\(.type) \(.mount) \(.device)"' <<<"$output")" \
			"$fs $MNT $DMABUF_VM_NS4K"
		# a block of a file on the 4 KiB namespace is 4 KiB: its direct I/O alignment
		assert_equal "$(jq -r '.targets[0].lba_size' <<<"$output")" 4096
		jq -e '.targets[0].filesystem | has("token_refused") | not' <<<"$output"
		run -0 dmabuf --json verify "$MNT/data" --mem udmabuf --path token --blocks 2048
		assert_equal "$(jq -r '"\(.result) \(.path) \(.target.filesystem.device)"' <<<"$output")" \
			"ok token $DMABUF_VM_NS4K"
		# auto takes the token for a dma-buf, and reads back what verify wrote
		run -0 --separate-stderr dmabuf --json verify "$MNT/data" --mem heap --blocks 2048 --read-only
		assert_equal "$(jq -r '"\(.result) \(.path)"' <<<"$output")" "ok token"
		# bench and invalidate take the file as well: the token, the file system named
		run -0 --separate-stderr dmabuf --json bench "$MNT/data" --mem udmabuf --path token --bs 64k --ios 256
		assert_equal "$(jq -r '"\(.path) \(.workload.rw) \(.target.filesystem.type)"' <<<"$output")" "token randread $fs"
		run -0 --separate-stderr dmabuf --json invalidate "$MNT/data" --mem mover --path token \
			--length 1M --bs 4k --qd 8 --cycles 2 --during-io --force
		assert_equal "$(jq -r '"\(.result) \(.path) \(.cycles.completed) \(.cycles.exporter_moves) \(.cycles.late_pages) \(.verify.blocks_bad) \(.target.filesystem.type)"' <<<"$output")" \
			"ok token 2 2 0 0 $fs"
		umount "$MNT"
	done
}

# verity_enable FILE: FS_IOC_ENABLE_VERITY with SHA-256 over 4 KiB blocks
# (struct fsverity_enable_arg, 128 bytes; no fsverity-utils needed).
verity_enable() {
	python3 - "$1" <<-'PY'
	import fcntl, os, struct, sys
	FS_IOC_ENABLE_VERITY = (1 << 30) | (128 << 16) | (ord('f') << 8) | 133
	arg = struct.pack("=IIII", 1, 1, 4096, 0) + bytes(112)
	fd = os.open(sys.argv[1], os.O_RDONLY)
	fcntl.ioctl(fd, FS_IOC_ENABLE_VERITY, arg)
	os.close(fd)
	PY
}

@test "dmabuf check FILE says why a file takes no token: data=journal, chattr +j, fs-verity, a loop device below; --path token exits 3 with the reason, auto falls back to pages" {
	fs_mount ext4 "$DMABUF_VM_NS512" data=journal
	head -c 1M /dev/zero > "$MNT/j"
	run -0 dmabuf --json check "$MNT/j"
	assert_equal "$(jq -r '.targets[0].token.support' <<<"$output")" \
		"the kernel supports dmabuf tokens, this target's driver does not"
	assert_regex "$(jq -r '.targets[0].token.detail' <<<"$output")" "mounted with data=journal.*data=ordered"
	run -3 --separate-stderr dmabuf read "$MNT/j" --mem udmabuf --path token --blocks 8
	assert_error "data=journal"
	run -0 dmabuf --json read "$MNT/j" --mem udmabuf --blocks 8
	assert_equal "$(jq -r .path <<<"$output")" pages
	assert_regex "$(jq -r .path_why <<<"$output")" "data=journal"
	umount "$MNT"

	fs_mount ext4 "$DMABUF_VM_NS512" nodelalloc
	head -c 1M /dev/zero > "$MNT/j"
	chattr +j "$MNT/j"
	run -0 dmabuf --json check "$MNT/j"
	assert_regex "$(jq -r '.targets[0].filesystem.token_refused' <<<"$output")" "chattr -j"
	assert_regex "$(jq -r '.targets[0].token.detail' <<<"$output")" "journalled \\(chattr \\+j, on a mount with nodelalloc\\)"
	chattr -j "$MNT/j"
	run -0 dmabuf --json check "$MNT/j"
	assert_equal "$(jq -r '.targets[0].token.support' <<<"$output")" "dmabuf tokens work for this target"
	umount "$MNT"

	MKFS_EXT4_FEATURES=verity fs_mount ext4 "$DMABUF_VM_NS512"
	head -c 1M /dev/urandom > "$MNT/v"
	verity_enable "$MNT/v"
	run -0 dmabuf --json check "$MNT/v"
	assert_regex "$(jq -r '.targets[0].filesystem.token_refused' <<<"$output")" "fs-verity"
	run -3 --separate-stderr dmabuf read "$MNT/v" --mem udmabuf --path token --blocks 8
	assert_error "fs-verity"
	umount "$MNT"

	# ext4 on a loop device: the file is fine, the device below takes no tokens
	truncate -s 64M /run/file-tokens/loop.img
	loop=$(losetup -f --show /run/file-tokens/loop.img)
	fs_mount ext4 "$loop"
	head -c 1M /dev/zero > "$MNT/l"
	run -0 dmabuf --json check "$MNT/l"
	assert_regex "$(jq -r '.targets[0].token.detail' <<<"$output")" "is on $loop, whose driver takes no dmabuf tokens"
	umount "$MNT"
	losetup -d "$loop"
}

@test "dmabuf write to a file stays inside it unless --extend, with or without --force" {
	fs_mount xfs "$DMABUF_VM_NS512"
	head -c 1M /dev/zero > "$MNT/w"
	run -2 --separate-stderr dmabuf write "$MNT/w" --mem udmabuf --path token --lba 2040 --blocks 16
	assert_error "past the end of the file"
	run -2 --separate-stderr dmabuf write "$MNT/w" --mem udmabuf --path token --lba 2040 --blocks 16 --force
	assert_equal "$(stat -c %s "$MNT/w")" 1048576
	run -0 dmabuf --json write "$MNT/w" --mem udmabuf --path token --lba 2040 --blocks 16 --extend
	assert_equal "$(jq -r .path <<<"$output")" token
	assert_equal "$(stat -c %s "$MNT/w")" $(((2040 + 16) * 512))
	umount "$MNT"
}

# Last in this file: it removes the 512 B controller, and its names may change on rescan.
@test "file tokens: the controller removed under a mounted ext4 with token reads in flight: errors, no hang; the token lets go of it; unregistration and umount work" {
	ftest file-remove
	pci_rescan DMABUF0001
}
