#!/usr/bin/env bats
# The native NVMe multipath head of a namespace shared by two controllers
# (tests/vm/run --multipath), under the emulated IOMMU in strict mode, so
# that each controller is its own PCI device in its own DMA domain: a token
# on the head holds a mapping for each, every request uses the one of the
# path it goes down, and losing a path under I/O loses no byte.
load ../helpers

setup() {
	vm_setup
	[ -n "${DMABUF_VM_NSMP:-}" ] || skip "needs tests/vm/run --multipath"
}
teardown() {
	[ -z "${DMABUF_VM_MP_SUBSYS:-}" ] || echo numa > "$DMABUF_VM_MP_SUBSYS/iopolicy"
	vm_teardown
}

@test "multipath: udmabuf, heap and vgem tokens on the head: a token of each path's controller, both paths carry I/O, every byte right" {
	ktest multipath-udmabuf multipath-heap multipath-vgem
}

@test "multipath: the CLI verifies through the head on the token path, every source, with both paths in use; dd reads what a token wrote" {
	echo round-robin > "$DMABUF_VM_MP_SUBSYS/iopolicy"
	verify_ok udmabuf "$DMABUF_VM_NSMP" --length 1M	# --path auto
	assert_equal "${F[path]}" token
	for src in "${DMABUF_SOURCES[@]}"; do
		verify_ok "$src" "$DMABUF_VM_NSMP" --length 4M --path token
		assert_equal "${F[path]}" token
	done
	head -c 2M /dev/urandom > "$SCRATCH_DIR/in"
	run -0 --separate-stderr dmabuf write "$DMABUF_VM_NSMP" --mem udmabuf --path token \
		--lba 1024 --in "$SCRATCH_DIR/in" --force
	dd if="$DMABUF_VM_NSMP" of="$SCRATCH_DIR/back" bs=1M skip=4 count=2 iflag=direct \
		status=none
	cmp "$SCRATCH_DIR/in" "$SCRATCH_DIR/back"
}

@test "multipath: 10,000 4 KiB reads through the head: pages path maps per request, token path never" {
	grep -q 'intel_iommu=on' /proc/cmdline || skip "needs tests/vm/run --iommu"
	DMABUF_VM_IOMMU_DEV=$DMABUF_VM_NSMP ktest iommu-maps
	assert_output --regexp "iommu:map events over 10000 reads of 4 KiB: pages [0-9]+, token 0 .* on $DMABUF_VM_NSMP"
}

# Last: it removes a controller of the subsystem and rescans the bus.
@test "multipath: a path's controller removed under token reads: I/O goes on over the other, its token is released; rescanned, the path is used again" {
	ktest multipath-remove
}
