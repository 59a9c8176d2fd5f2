#!/usr/bin/env bats
# dmabuf verify on real (emulated) NVMe: every memory source x both engines
# x 512-byte and 4 KiB LBAs (and a namespace with separate metadata), with
# the buffer path auto picks and every byte compared.

load helpers

setup() { vm_setup; }
teardown() { vm_teardown; }

verify_matrix() {	# NSVAR LENGTH
	local src eng dev
	for src in "${SOURCES[@]}"; do
		for eng in rw passthru; do
			dev=$(dev_for "$1" $eng)
			verify_ok "$src" "$dev" --length "$2" --lba 64 --qd 8
			assert_equal "${F[engine]}" $eng
			assert_equal "${F[path]}" "$(auto_path "$src" $eng)"
		done
	done
}

@test "every source verifies on the 512-byte namespace through READ/WRITE_FIXED and passthrough" {
	verify_matrix NS512 2M
}

@test "every source verifies on the 4 KiB namespace through both engines" {
	verify_matrix NS4K 4M
}

@test "every source verifies on the namespace with 16-byte separate metadata" {
	verify_matrix NS4K_MD 1M
}

@test "auto on the passthrough engine takes the token for a dma-buf and pages for memfd" {
	verify_ok udmabuf "$DMABUF_VM_NS512_NG" --length 64k
	assert_equal "${F[path]}" token
	assert_equal "${F[path_why]}" null
	verify_ok memfd "$DMABUF_VM_NS512_NG" --length 64k
	assert_equal "${F[path]}" pages
}

@test "the pages path works for udmabuf, memfd and hugetlb and is refused for heap (exit 3)" {
	for src in memfd hugetlb udmabuf udmabuf:huge; do
		verify_ok $src "$DMABUF_VM_NS512" --length 256k --path pages
	done
	run -3 --separate-stderr dmabuf verify "$DMABUF_VM_NS512" --mem heap --length 64k --path pages --force
	assert_error "could not pin"
}

@test "the bounce path works for every dma-buf source on both engines" {
	for src in "${DMABUF_SOURCES[@]}"; do
		for eng in rw passthru; do
			verify_ok $src "$(dev_for NS4K $eng)" --length 512k --path bounce
			assert_equal "${F[path]}" bounce
		done
	done
}

@test "verify in windows: 16 MiB through a 1 MiB udmabuf, 3 passes" {
	verify_ok udmabuf "$DMABUF_VM_NS512" --lba 4096 --length 16M --size 1M --passes 3
	assert_equal "${F[blocks_checked]}" $((3 * 32768))
}

@test "requests are split at MDTS (512 KiB on the emulated controller)" {
	verify_ok hugetlb "$DMABUF_VM_NS4K" --length 8M --bs 1M
	assert_equal "${F[max_transfer]}" 524288
	# 8 MiB in 512 KiB requests, written and read: 32
	assert_equal "${F[ios]}" 32
}

@test "qd 1 and qd 64 give the same data" {
	for qd in 1 64; do
		verify_ok udmabuf "$DMABUF_VM_NS512_NG" --length 2M --bs 4k --qd $qd
	done
}

@test "a block corrupted behind dmabuf's back is found, with its LBA" {
	run -0 dmabuf write "$DMABUF_VM_NS4K" --mem udmabuf --lba 100 --blocks 64 --pattern lba
	dd if=/dev/urandom of="$DMABUF_VM_NS4K" bs=4096 seek=130 count=1 oflag=direct status=none
	run -1 --separate-stderr dmabuf --json verify "$DMABUF_VM_NS4K" --mem heap --lba 100 --blocks 64 --read-only
	jq_fields "$output" bad=.verify.blocks_bad lba='.verify.mismatches[0].lba' kind='.verify.mismatches[0].kind'
	assert_equal "${F[bad]}" 1
	assert_equal "${F[lba]}" 130
	assert_equal "${F[kind]}" corrupt
}
