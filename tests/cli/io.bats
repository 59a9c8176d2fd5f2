#!/usr/bin/env bats
# Data moved through io_uring on the host: memfd (and hugetlb where huge
# pages are reserved) against regular files and loop devices, every buffer
# path that applies, checked byte for byte against tools we did not write.

load helpers

setup() { scratch_file 4M; }
teardown() { cleanup_scratch; }

@test "write --pattern byte reaches the file, as cmp sees it" {
	run -0 dmabuf write "$TARGET" --mem memfd --lba 8 --blocks 64 --pattern byte:0xc3
	run -0 cmp -i 4096:0 -n 32768 "$TARGET" <(printf '\xc3%.0s' $(seq 32768))
	# and nothing before it
	run -0 cmp -n 4096 "$TARGET" /dev/zero
}

@test "read --out gives the bytes dd gives" {
	head -c 1M /dev/urandom > "$SCRATCH_DIR/src"
	dd if="$SCRATCH_DIR/src" of="$TARGET" bs=1M conv=notrunc status=none
	run -0 dmabuf read "$TARGET" --mem memfd --lba 0 --blocks 2048 --out "$SCRATCH_DIR/out"
	assert_equal "$(md5 "$SCRATCH_DIR/out")" "$(md5 "$SCRATCH_DIR/src")"
}

@test "write --in then dd reads back the file" {
	head -c 300032 /dev/urandom > "$SCRATCH_DIR/in"
	run -0 --separate-stderr dmabuf --json write "$TARGET" --mem memfd --in "$SCRATCH_DIR/in" --lba 16
	assert_equal "$(jq -c '[.range.blocks, .source_bytes, .padded_bytes]' <<<"$output")" "[586,300032,null]"
	dd if="$TARGET" of="$SCRATCH_DIR/back" bs=512 skip=16 count=586 status=none
	run -0 cmp "$SCRATCH_DIR/in" "$SCRATCH_DIR/back"
}

@test "write --in of a file shorter than the range exits 2 and writes nothing" {
	head -c 100 /dev/urandom > "$SCRATCH_DIR/in"
	cp "$TARGET" "$SCRATCH_DIR/before"
	run -2 --separate-stderr dmabuf write "$TARGET" --mem memfd --in "$SCRATCH_DIR/in" --length 4k
	assert_equal "$stderr" "dmabuf: $SCRATCH_DIR/in: 100 bytes, the range is 4096 bytes (8 blocks of 512); --pad zero-fills the rest; nothing was written"
	run -0 cmp "$TARGET" "$SCRATCH_DIR/before"
	# without a range, the range is the file rounded up to a block: still short
	run -2 --separate-stderr dmabuf write "$TARGET" --mem memfd --in "$SCRATCH_DIR/in"
	assert_output ""
	[[ "$stderr" == *"100 bytes, the range is 512 bytes (1 blocks of 512)"* ]]
	run -0 cmp "$TARGET" "$SCRATCH_DIR/before"
}

@test "write --in --pad zero-fills past the file and reports the padded bytes" {
	head -c 100 /dev/urandom > "$SCRATCH_DIR/in"
	dd if=/dev/urandom of="$TARGET" bs=4096 count=1 conv=notrunc status=none
	run -0 --separate-stderr dmabuf --json write "$TARGET" --mem memfd --in "$SCRATCH_DIR/in" --length 4k --pad
	assert_equal "$(jq -c '[.source_bytes, .padded_bytes]' <<<"$output")" "[100,3996]"
	run -0 cmp -n 100 "$SCRATCH_DIR/in" "$TARGET"
	run -0 cmp -i 100:0 -n 3996 "$TARGET" /dev/zero
}

@test "write --in from a pipe that ends early exits 2 naming the LBA it reached" {
	# 64 KiB of memory: windows of 128 blocks; the pipe ends inside the 16th
	run -2 --separate-stderr dmabuf write "$TARGET" --mem memfd --size 64k --length 1M \
		--in /dev/stdin < <(head -c 1000000 /dev/zero)
	[[ "$stderr" == *"1000000 bytes, the range is 1048576 bytes (2048 blocks of 512); --pad zero-fills the rest; the blocks before LBA 1920 were written"* ]] ||
		fail "stderr: $stderr"
}

@test "--pad without --in exits 2" {
	run -2 --separate-stderr dmabuf write "$TARGET" --mem memfd --pad
	[[ "$stderr" == *"--pad goes with --in"* ]]
}

@test "verify passes on the pages path and says which path it used" {
	run -0 dmabuf --json verify "$TARGET" --mem memfd --blocks 2048 --path pages
	assert_equal "$(jq -r .path <<<"$output")" "pages"
	assert_equal "$(jq -r .result <<<"$output")" "ok"
	assert_equal "$(jq -r .verify.blocks_checked <<<"$output")" "2048"
}

@test "verify passes on the bounce path" {
	run -0 dmabuf --json verify "$TARGET" --mem memfd --blocks 512 --path bounce
	assert_equal "$(jq -r .path <<<"$output")" "bounce"
	assert_equal "$(jq -r .verify.blocks_bad <<<"$output")" "0"
}

@test "auto picks pages for memfd and gives no reason to explain" {
	run -0 dmabuf --json register "$TARGET" --mem memfd
	assert_equal "$(jq -r .path <<<"$output")" "pages"
	assert_equal "$(jq -r 'has("path_why")' <<<"$output")" "false"
}

@test "verify in windows when the memory is smaller than the range" {
	run -0 dmabuf --json verify "$TARGET" --mem memfd --size 64k --blocks 8192 --qd 4 --bs 8k --passes 2
	assert_equal "$(jq -r .verify.blocks_checked <<<"$output")" "16384"
	# 4 MiB a direction a pass in 8 KiB requests: 512 x 2 directions x 2 passes
	assert_equal "$(jq -r .io.ios <<<"$output")" "2048"
}

@test "verify --read-only finds a flipped bit, with LBA, offset and bytes" {
	run -0 dmabuf write "$TARGET" --mem memfd --blocks 64 --pattern lba
	# flip bit 0 of byte 100 of LBA 5
	off=$((5 * 512 + 100))
	b=$(od -An -tu1 -j $off -N1 "$TARGET" | tr -d ' ')
	printf "\\x$(printf %02x $((b ^ 1)))" | dd of="$TARGET" bs=1 seek=$off conv=notrunc status=none
	run -1 --separate-stderr dmabuf --json verify "$TARGET" --mem memfd --blocks 64 --read-only
	assert_equal "$(jq -r .verify.blocks_bad <<<"$output")" "1"
	assert_equal "$(jq -r '.verify.mismatches[0].lba' <<<"$output")" "5"
	assert_equal "$(jq -r '.verify.mismatches[0].offset' <<<"$output")" "$off"
	assert_equal "$(jq -r '.verify.mismatches[0].kind' <<<"$output")" "flip"
	assert_equal "$(jq -r '.verify.mismatches[0].bits' <<<"$output")" "1"
	assert_error "1 of 64 blocks differ"
}

@test "verify --read-only tells a misplaced block from a stale one" {
	run -0 dmabuf write "$TARGET" --mem memfd --blocks 64 --pattern lba
	# LBA 9 gets a copy of LBA 3: misplaced
	dd if="$TARGET" of="$TARGET" bs=512 skip=3 seek=9 count=1 conv=notrunc status=none
	run -1 --separate-stderr dmabuf --json verify "$TARGET" --mem memfd --blocks 64 --read-only
	assert_equal "$(jq -r '.verify.mismatches[0].kind' <<<"$output")" "misplaced"
	assert_equal "$(jq -r '.verify.mismatches[0].found_lba' <<<"$output")" "3"
}

@test "verify --read-only calls data of another pass stale" {
	# verify leaves pass-1 stamps; write uses pass 0
	run -0 dmabuf verify "$TARGET" --mem memfd --blocks 64
	run -1 --separate-stderr dmabuf --json verify "$TARGET" --mem memfd --blocks 64 --read-only --pass 0
	assert_equal "$(jq -r '.verify.blocks_bad' <<<"$output")" "64"
	assert_equal "$(jq -r '.verify.mismatches[0].kind' <<<"$output")" "stale"
	assert_equal "$(jq -r '.verify.mismatches[0].found_pass' <<<"$output")" "1"
	assert_error "64 of 64 blocks differ from pattern lba pass 0" "64 stale" "--pass 1"
}

@test "verify --read-only checks the pass the data carries: verify's last, or write's 0, and says which" {
	run -0 dmabuf verify "$TARGET" --mem memfd --blocks 64 --passes 3
	run -0 --separate-stderr dmabuf --json verify "$TARGET" --mem memfd --blocks 64 --read-only
	assert_equal "$(jq -r '[.result, .verify.blocks_checked, .verify.blocks_bad] | join(" ")' <<<"$output")" "ok 64 0"
	assert_error "$TARGET" "checked pass 3 of pattern lba" "LBA 0"
	assert_equal "$(jq -c .expected_pass <<<"$output")" '{"pass":3,"from":"first-block","lba":0}'
	run -0 --separate-stderr dmabuf --json verify "$TARGET" --mem memfd --blocks 64 --read-only --pass 3
	assert_equal "$(jq -c .expected_pass <<<"$output")" '{"pass":3,"from":"--pass"}'
	# a pattern without pass stamps has none
	run -0 dmabuf write "$TARGET" --mem memfd --blocks 64 --pattern random:7
	run -0 --separate-stderr dmabuf --json verify "$TARGET" --mem memfd --blocks 64 --read-only --pattern random:7
	assert_equal "$(jq -c .expected_pass <<<"$output")" null
	run -0 dmabuf verify "$TARGET" --mem memfd --blocks 64 --passes 3
	# the text report too
	run -0 --separate-stderr dmabuf verify "$TARGET" --mem memfd --blocks 64 --read-only
	assert_error "checked pass 3"
	# write stamps pass 0, and that is what is checked then
	run -0 dmabuf write "$TARGET" --mem memfd --blocks 64
	run -0 --separate-stderr dmabuf verify "$TARGET" --mem memfd --blocks 64 --read-only
	assert_error "checked pass 0 of pattern lba"
	# --pass is for --read-only and the lba pattern
	run -2 --separate-stderr dmabuf verify "$TARGET" --mem memfd --blocks 64 --pass 2
	assert_error "--pass" "--read-only"
	run -2 --separate-stderr dmabuf verify "$TARGET" --mem memfd --blocks 64 --read-only --pass 2 --pattern random:7
	assert_error "--pass" "random:7"
}

@test "verify reports a zeroed block" {
	run -0 dmabuf write "$TARGET" --mem memfd --blocks 32 --pattern random:7
	dd if=/dev/zero of="$TARGET" bs=512 seek=31 count=1 conv=notrunc status=none
	run -1 --separate-stderr dmabuf --json verify "$TARGET" --mem memfd --blocks 32 --read-only --pattern random:7
	assert_equal "$(jq -r '.verify.mismatches[0].kind' <<<"$output")" "zeroed"
	assert_equal "$(jq -r '.verify.mismatches[0].lba' <<<"$output")" "31"
}

@test "read of a loop device matches dd at qd 1 and qd 32" {
	scratch_loop 8M
	head -c 8M /dev/urandom > "$SCRATCH_DIR/src"
	dd if="$SCRATCH_DIR/src" of="$LOOPDEV" bs=1M oflag=direct status=none
	for qd in 1 32; do
		run -0 dmabuf read "$LOOPDEV" --mem memfd --length 8M --qd $qd --bs 64k --out "$SCRATCH_DIR/out"
		assert_equal "$(md5 "$SCRATCH_DIR/out")" "$(md5 "$SCRATCH_DIR/src")"
	done
}

@test "hugetlb memory verifies where huge pages are reserved" {
	free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
	[ "$free" -ge 2 ] || skip "no free huge pages on this host (the VM tier reserves them)"
	run -0 dmabuf verify "$TARGET" --mem hugetlb --blocks 4096
}

@test "the text report names the path, the range and the throughput" {
	run -0 dmabuf verify "$TARGET" --mem memfd --blocks 256
	assert_line --regexp '^path +: pages$'
	assert_output --partial "mb_per_s"
	assert_output --partial "blocks_checked"
}

@test "read fills memory with the canary first: a read that delivers everything reports none undelivered" {
	run -0 --separate-stderr dmabuf --json read "$TARGET" --mem memfd --blocks 64
	assert_equal "$(jq -r '[.canary, .result, .undelivered.blocks_checked, .undelivered.blocks_bad] | join(" ")' <<<"$output")" "true ok 64 0"
}

@test "verify --scratch-lba: the round trip through the memory passes, the drive checked on its own" {
	run -0 --separate-stderr dmabuf --json verify "$TARGET" --mem memfd --blocks 512 --size 64k --scratch-lba 6000
	assert_equal "$(jq -r '[.mode, .result, .verify.blocks_checked, .verify.blocks_bad, .drive.blocks_checked, .scratch.lba, .scratch.blocks] | join(" ")' <<<"$output")" \
		"round-trip ok 512 0 512 6000 128"
	# the scratch range ends up holding the last window of the range's data
	cmp -s <(dd if="$TARGET" bs=512 skip=384 count=128 status=none) \
		<(dd if="$TARGET" bs=512 skip=6000 count=128 status=none) ||
		fail "the scratch range does not hold the last window"
}

@test "verify --scratch-lba that overlaps the range exits 2, nothing written" {
	local before
	before=$(md5 "$TARGET")
	run -2 --separate-stderr dmabuf verify "$TARGET" --mem memfd --blocks 512 --size 64k --scratch-lba 400
	assert_error "--scratch-lba 400" "overlap the range 0+512"
	assert_equal "$(md5 "$TARGET")" "$before"
}

@test "verify reports mismatch counts by kind, undelivered included" {
	run -0 --separate-stderr dmabuf --json verify "$TARGET" --mem memfd --blocks 64
	assert_equal "$(jq -r '.verify.kinds | [.flip, .corrupt, .zeroed, .misplaced, .stale, .undelivered, .unwritten] | join(" ")' <<<"$output")" "0 0 0 0 0 0 0"
	assert_equal "$(jq -r .mode <<<"$output")" cpu
}

@test "a file's bytes after its last whole block are named when a range reaches them" {
	dd if=/dev/urandom of="$TARGET" bs=1M count=1 status=none
	head -c 100 /dev/urandom >>"$TARGET"	# 1048676 bytes: 2048 blocks, then 100 bytes
	run -0 dmabuf read "$TARGET" --mem memfd --lba 2047 --blocks 1
	run -2 --separate-stderr dmabuf read "$TARGET" --mem memfd --lba 2047 --blocks 2
	assert_error "$TARGET" "LBA range 2047..2048 is past the end of the file (1048676 bytes: 2048 blocks of 512 bytes, then 100 bytes that no whole block holds)"
}

@test "a range past the end of a regular file exits 2 for write, verify and --scratch-lba, nothing written; --extend grows it" {
	dd if=/dev/urandom of="$TARGET" bs=1M count=4 conv=notrunc status=none
	local before size
	before=$(md5 "$TARGET")
	cp "$TARGET" "$SCRATCH_DIR/before"
	size=$(stat -c %s "$TARGET")	# 4194304 bytes: 8192 blocks
	for cmd in "write --lba 200000 --blocks 8" "verify --lba 200000 --blocks 8" \
		   "write --lba 1000000000 --blocks 8" "verify --blocks 64 --scratch-lba 999999999"; do
		read -r -a args <<<"$cmd"
		run -2 --separate-stderr dmabuf "${args[@]:0:1}" "$TARGET" --mem memfd "${args[@]:1}"
		assert_error "$TARGET" "past the end of the file" "4194304 bytes" "--extend"
		assert_equal "$(stat -c %s "$TARGET")" "$size"
		assert_equal "$(md5 "$TARGET")" "$before"
	done
	run -2 --separate-stderr dmabuf write "$TARGET" --mem memfd --lba 200000 --blocks 8
	assert_error "LBA range 200000..200007"
	# read says the same, without a remedy it could not take
	run -2 --separate-stderr dmabuf read "$TARGET" --mem memfd --lba 200000 --blocks 8
	assert_error "$TARGET" "LBA range 200000..200007 is past the end of the file (4194304 bytes"
	[[ $stderr != *--extend* ]] || fail "read offers --extend: $stderr"
	# asked for, the file grows to hold the range
	run -0 dmabuf write "$TARGET" --mem memfd --lba 8192 --blocks 8 --extend
	assert_equal "$(stat -c %s "$TARGET")" $((size + 8 * 512))
	run -0 cmp -n "$size" "$TARGET" "$SCRATCH_DIR/before"
	run -0 dmabuf verify "$TARGET" --mem memfd --lba 8200 --blocks 8 --extend
	assert_equal "$(stat -c %s "$TARGET")" $((size + 16 * 512))
}

@test "--extend on a block device, or with --read-only, is a usage error" {
	run -2 --separate-stderr dmabuf verify "$TARGET" --mem memfd --blocks 8 --read-only --extend
	assert_error "--extend" "--read-only"
	scratch_loop 4M
	before=$(md5 "$LOOPDEV")
	run -2 --separate-stderr dmabuf write "$LOOPDEV" --mem memfd --blocks 8 --extend
	assert_error "$LOOPDEV" "--extend" "regular file"
	assert_equal "$(md5 "$LOOPDEV")" "$before"
}

@test "verify --read-only --scratch-lba exits 2 and writes nothing: the round trip writes the scratch range" {
	run -0 dmabuf write "$TARGET" --mem memfd --blocks 512
	local before
	before=$(md5 "$TARGET")
	run -2 --separate-stderr dmabuf verify "$TARGET" --mem memfd --blocks 512 --size 64k --scratch-lba 6000 --read-only
	assert_error "--read-only" "--scratch-lba" "writes"
	assert_equal "$(md5 "$TARGET")" "$before"
}
