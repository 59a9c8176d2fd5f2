#!/usr/bin/env bats
# Cross-checks with tools nobody here wrote: what dmabuf writes, nvme-cli and
# dd read back; what they write, dmabuf reads back.  Every dma-buf source,
# both engines.

load helpers

setup() {
	vm_setup
	head -c 1M /dev/urandom > "$SCRATCH_DIR/data"
}
teardown() { vm_teardown; }

# LBA ranges per source so one test's data cannot satisfy another's check.
declare -gA BASE=([memfd]=0 [hugetlb]=4096 [udmabuf]=8192 [udmabuf:huge]=12288 [heap]=16384 [drm]=20480)

@test "dmabuf write, then dd iflag=direct reads the same bytes (512-byte LBAs)" {
	for src in "${SOURCES[@]}"; do
		for eng in rw passthru; do
			lba=${BASE[$src]}
			run -0 dmabuf write "$(dev_for NS512 $eng)" --mem "$src" --lba "$lba" --in "$SCRATCH_DIR/data"
			dd if="$DMABUF_VM_NS512" of="$SCRATCH_DIR/back" bs=512 skip="$lba" count=2048 iflag=direct status=none
			cmp "$SCRATCH_DIR/data" "$SCRATCH_DIR/back" || fail "$src/$eng: dd read different bytes"
		done
	done
}

@test "dmabuf write, then nvme read (nvme-cli) gets the same bytes (4 KiB LBAs)" {
	for src in "${DMABUF_SOURCES[@]}"; do
		for eng in rw passthru; do
			run -0 dmabuf write "$(dev_for NS4K $eng)" --mem "$src" --lba 512 --in "$SCRATCH_DIR/data"
			# two commands of 128 blocks (MDTS is 512 KiB); nvme-cli counts from zero
			for half in 0 1; do
				nvme read "$DMABUF_VM_NS4K" --start-block=$((512 + half * 128)) --block-count=127 \
					--data-size=$((512 << 10)) --data="$SCRATCH_DIR/back.$half" >/dev/null 2>&1 ||
					fail "nvme read failed"
			done
			cat "$SCRATCH_DIR/back.0" "$SCRATCH_DIR/back.1" > "$SCRATCH_DIR/back"
			cmp "$SCRATCH_DIR/data" "$SCRATCH_DIR/back" || fail "$src/$eng: nvme read different bytes"
		done
	done
}

@test "dd oflag=direct writes, dmabuf read --out returns the same bytes" {
	for src in "${SOURCES[@]}"; do
		for eng in rw passthru; do
			head -c 1M /dev/urandom > "$SCRATCH_DIR/data"
			dd if="$SCRATCH_DIR/data" of="$DMABUF_VM_NS4K" bs=1M seek=20 oflag=direct status=none
			run -0 dmabuf read "$(dev_for NS4K $eng)" --mem "$src" --offset 20M --length 1M \
				--out "$SCRATCH_DIR/back"
			cmp "$SCRATCH_DIR/data" "$SCRATCH_DIR/back" || fail "$src/$eng: dmabuf read different bytes"
		done
	done
}

@test "nvme write (nvme-cli) writes, dmabuf read --out - streams the same bytes" {
	for src in "${DMABUF_SOURCES[@]}"; do
		for eng in rw passthru; do
			head -c 256k /dev/urandom > "$SCRATCH_DIR/data"
			nvme write "$DMABUF_VM_NS512" --start-block=30000 --block-count=511 \
				--data-size=$((256 << 10)) --data="$SCRATCH_DIR/data" >/dev/null 2>&1 ||
				fail "nvme write failed"
			dmabuf read "$(dev_for NS512 $eng)" --mem "$src" --lba 30000 --blocks 512 --out - \
				2>/dev/null > "$SCRATCH_DIR/back"
			cmp "$SCRATCH_DIR/data" "$SCRATCH_DIR/back" || fail "$src/$eng: dmabuf read different bytes"
		done
	done
}

@test "fio verifies what fio wrote, after dmabuf wrote around it (no stray writes)" {
	run -0 dmabuf write "$DMABUF_VM_NS512" --mem udmabuf --lba 40000 --blocks 2048 --pattern zero
	fio --name=x --filename="$DMABUF_VM_NS512" --ioengine=io_uring --direct=1 --rw=write \
		--bs=4k --offset=$((40000 * 512 + 65536)) --size=64k --verify=crc32c \
		--do_verify=1 --output=/dev/null
	# dmabuf's zero blocks outside fio's 64 KiB are still zero
	dd if="$DMABUF_VM_NS512" of="$SCRATCH_DIR/z" bs=512 skip=40000 count=128 iflag=direct status=none
	cmp -n 65536 "$SCRATCH_DIR/z" /dev/zero
}
