#!/usr/bin/env bats
# Did the data arrive?  The canary that fills memory before every read, the
# `undelivered` mismatch kind, verify without a CPU view of the memory
# (--scratch-lba: a round trip through it and a scratch range), and the test
# exporter's fault mode (mover:misdirect, CONFIG_DMABUF_MOVER_MISDIRECT),
# whose device mapping misses the buffer as a translating IOMMU given raw
# bus addresses does: transfers complete and deliver nothing.

load helpers

setup() { vm_setup; }
teardown() { vm_teardown; }

# The dma-buf sources a token serves, and the test exporter.
TOKEN_SOURCES=(udmabuf heap drm mover)

@test "with the fault off every dma-buf source verifies with the canary in place, both engines" {
	local src eng
	for src in "${TOKEN_SOURCES[@]}"; do
		for eng in rw passthru; do
			verify_ok "$src" "$(dev_for NS4K $eng)" --length 256k --path token
			jq_fields "$json" und=.verify.kinds.undelivered mode=.mode
			assert_equal "${F[und]}" 0
			assert_equal "${F[mode]}" cpu
		done
	done
}

@test "a misdirected mapping: verify reports every block undelivered, with LBA and memory offset, and exits 1" {
	local eng
	for eng in rw passthru; do
		run -1 --separate-stderr dmabuf --json verify "$(dev_for NS4K $eng)" \
			--mem mover:misdirect --lba 32 --length 256k --path token --force
		jq_fields "$output" bad=.verify.blocks_bad und=.verify.kinds.undelivered \
			checked=.verify.blocks_checked kind='.verify.mismatches[1].kind' \
			lba='.verify.mismatches[1].lba' mo='.verify.mismatches[1].mem_offset' \
			pieces='.verify.mismatches[1].canary_pieces' path=.path
		assert_equal "${F[path]}" token
		assert_equal "${F[checked]}" 64
		assert_equal "${F[bad]}" 64
		assert_equal "${F[und]}" 64
		assert_equal "${F[kind]}" undelivered
		assert_equal "${F[lba]}" 33
		assert_equal "${F[mo]}" 4096
		assert_equal "${F[pieces]}" 8
		assert_error "64 undelivered: the transfer reported success and the data did not arrive in mover:misdirect"
	done
}

@test "a misdirected mapping on 512-byte blocks: every block undelivered" {
	run -1 --separate-stderr dmabuf --json verify "$DMABUF_VM_NS512" \
		--mem mover:misdirect --length 128k --path token --force
	jq_fields "$output" bad=.verify.blocks_bad und=.verify.kinds.undelivered pieces='.verify.mismatches[0].canary_pieces'
	assert_equal "${F[bad]}" 256
	assert_equal "${F[und]}" 256
	assert_equal "${F[pieces]}" 1
}

@test "the same misdirected buffer passes through the bounce path: only the device's mapping misses" {
	verify_ok mover:misdirect "$DMABUF_VM_NS4K" --length 256k --path bounce
}

@test "dmabuf read of a misdirected buffer counts the undelivered blocks and exits 1" {
	run -1 --separate-stderr dmabuf --json read "$DMABUF_VM_NS4K" --mem mover:misdirect \
		--lba 8 --blocks 16 --path token
	jq_fields "$output" canary=.canary bad=.undelivered.blocks_bad lba='.undelivered.mismatches[0].lba' result=.result
	assert_equal "${F[canary]}" true
	assert_equal "${F[bad]}" 16
	assert_equal "${F[lba]}" 8
	assert_equal "${F[result]}" mismatch
	assert_error "16 of 16 blocks were not delivered into mover:misdirect"
	run -0 --separate-stderr dmabuf --json read "$DMABUF_VM_NS4K" --mem mover --lba 8 --blocks 16 --path token
	jq_fields "$output" canary=.canary bad=.undelivered.blocks_bad
	assert_equal "${F[canary]}" true
	assert_equal "${F[bad]}" 0
}

@test "verify without a CPU view: the round trip passes for every dma-buf source and memfd, both engines" {
	local src eng
	for src in "${TOKEN_SOURCES[@]}" mover:nomap memfd; do
		for eng in rw passthru; do
			verify_ok "$src" "$(dev_for NS4K $eng)" --length 512k --size 128k \
				--scratch-lba 8192
			jq_fields "$json" mode=.mode drive=.drive.blocks_bad checked=.verify.blocks_checked \
				slba=.scratch.lba sblocks=.scratch.blocks
			assert_equal "${F[mode]}" round-trip
			assert_equal "${F[drive]}" 0
			assert_equal "${F[checked]}" 128
			assert_equal "${F[slba]}" 8192
			assert_equal "${F[sblocks]}" 32
		done
	done
}

@test "memory the CPU cannot map: verify says to use --scratch-lba (exit 3), the round trip checks it" {
	run -3 --separate-stderr dmabuf verify "$DMABUF_VM_NS4K" --mem mover:nomap --length 64k --force
	assert_error "mmap" "--scratch-lba"
	verify_ok mover:nomap "$DMABUF_VM_NS4K" --length 64k --scratch-lba 4096 --path token
}

@test "a misdirected mapping fails the round trip too: undelivered, the drive itself right" {
	local eng
	for eng in rw passthru; do
		run -1 --separate-stderr dmabuf --json verify "$(dev_for NS4K $eng)" \
			--mem mover:misdirect --length 256k --scratch-lba 8192 --path token --force
		jq_fields "$output" bad=.verify.blocks_bad und=.verify.kinds.undelivered \
			unw=.verify.kinds.unwritten drive=.drive.blocks_bad mode=.mode
		assert_equal "${F[mode]}" round-trip
		assert_equal "${F[drive]}" 0
		assert_equal "${F[unw]}" 0
		# every page of the mapping is one decoy page: at most the block
		# that reached it last comes back right
		[ "${F[bad]}" -ge 63 ] || fail "only ${F[bad]} of 64 blocks bad"
		assert_equal "${F[und]}" "${F[bad]}"
	done
}
