#!/usr/bin/env bats
# Writes to devices honour the safety rules (doc/safety.md): exit 5
# without --force on a mounted, held or signed device, and nothing written.

load helpers

setup() { scratch_loop 8M; }
teardown() { cleanup_scratch; }

@test "a blank loop device is written without --force" {
	run -0 dmabuf write "$LOOPDEV" --mem memfd --blocks 16 --pattern byte:0x5a
	run -0 cmp -n 8192 "$LOOPDEV" <(yes Z | tr -d '\n' | head -c 8192)
}

@test "a loop device with an ext4 signature is refused with exit 5, unchanged" {
	mkfs.ext4 -q -F "$LOOPDEV"
	before=$(md5 "$LOOPDEV")
	run -5 --separate-stderr dmabuf write "$LOOPDEV" --mem memfd --blocks 16
	assert_error "ext4"
	assert_error "--force"
	assert_equal "$(md5 "$LOOPDEV")" "$before"
}

@test "every writing command refuses an ext4 device with exit 5 and one message naming it" {
	mkfs.ext4 -q -F "$LOOPDEV"
	before=$(md5 "$LOOPDEV")
	local c first=
	for c in write verify "bench --rw randwrite --ios 16" invalidate; do
		read -r -a args <<<"$c"
		run -5 --separate-stderr dmabuf "${args[0]}" "$LOOPDEV" "${args[@]:1}" --mem memfd --blocks 16
		assert_error "$LOOPDEV" "ext4" "--force"
		: "${first:=$stderr}"
		[ "$stderr" = "$first" ] || fail "$c says '$stderr', write said '$first'"
	done
	assert_equal "$first" "dmabuf: $LOOPDEV: write refused: it carries a filesystem signature (ext4); give --force to write anyway"
	assert_equal "$(md5 "$LOOPDEV")" "$before"
}

@test "a loop device with a partition table is refused with exit 5" {
	echo 'label: gpt' | sfdisk -q "$LOOPDEV" >/dev/null
	before=$(md5 "$LOOPDEV")
	run -5 --separate-stderr dmabuf verify "$LOOPDEV" --mem memfd --blocks 16
	assert_error "gpt"
	assert_equal "$(md5 "$LOOPDEV")" "$before"
}

@test "a mounted loop device is refused with exit 5 naming the mount point" {
	mkfs.ext4 -q -F "$LOOPDEV"
	MOUNTPOINT=$SCRATCH_DIR/mnt
	mkdir "$MOUNTPOINT"
	mount "$LOOPDEV" "$MOUNTPOINT" 2>/dev/null || skip "mount is not permitted in this container"
	run -5 --separate-stderr dmabuf write "$LOOPDEV" --mem memfd --blocks 16 --lba 4096
	assert_error "mounted"
	assert_error "$MOUNTPOINT"
}

@test "a mount point with a space is named as mounted, unescaped" {
	mkfs.ext4 -q -F "$LOOPDEV"
	MOUNTPOINT="$SCRATCH_DIR/mnt point"
	mkdir "$MOUNTPOINT"
	mount "$LOOPDEV" "$MOUNTPOINT" 2>/dev/null || skip "mount is not permitted in this container"
	run -5 --separate-stderr dmabuf write "$LOOPDEV" --mem memfd --blocks 16 --lba 4096
	assert_error "is mounted on $MOUNTPOINT;"
}

@test "an active swap device is refused with exit 5, unchanged" {
	mkswap -q "$LOOPDEV" >/dev/null
	swapon "$LOOPDEV" 2>/dev/null || skip "swapon is not permitted in this container"
	SWAPDEV=$LOOPDEV
	before=$(md5 "$LOOPDEV")
	run -5 --separate-stderr dmabuf write "$LOOPDEV" --mem memfd --blocks 16 --lba 4096
	assert_error "$LOOPDEV: write refused: it is in use as swap"
	assert_equal "$(md5 "$LOOPDEV")" "$before"
}

@test "--force writes to a signed device" {
	mkfs.ext4 -q -F "$LOOPDEV"
	run -0 dmabuf write "$LOOPDEV" --mem memfd --blocks 16 --pattern zero --force
	run -0 cmp -n 8192 "$LOOPDEV" /dev/zero
}

@test "reads of a signed device need no --force" {
	mkfs.ext4 -q -F "$LOOPDEV"
	run -0 dmabuf read "$LOOPDEV" --mem memfd --blocks 16
}

@test "a write past the end of a loop device exits 2 and writes nothing" {
	before=$(md5 "$LOOPDEV")
	run -2 --separate-stderr dmabuf write "$LOOPDEV" --mem memfd --lba 16380 --blocks 16
	assert_error "past the end"
	assert_equal "$(md5 "$LOOPDEV")" "$before"
}
