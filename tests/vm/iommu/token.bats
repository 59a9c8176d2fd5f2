#!/usr/bin/env bats
# Under the emulated Intel IOMMU in strict mode (tests/vm/run --iommu): the
# token path does no per-I/O DMA mapping, and token I/O stays correct when
# the IOMMU hands the NVMe controller one contiguous IOVA range per dma-buf
# (which nvme-pci then describes with SGLs).
load ../helpers

setup() {
	vm_setup
	grep -q 'intel_iommu=on' /proc/cmdline || skip "needs tests/vm/run --iommu"
}
teardown() {
	! mountpoint -q /run/iommu-fs || umount /run/iommu-fs || echo "teardown: umount /run/iommu-fs failed"
	vm_teardown
}

@test "iommu: 10,000 4 KiB reads map once per I/O on the pages path, never on the token path" {
	ktest iommu-maps
	assert_output --regexp "iommu:map events over 10000 reads of 4 KiB: pages [0-9]+, token 0"
}

@test "iommu: 10,000 4 KiB reads through a partition, a dm-linear device and NVMe passthrough: pages path maps per request, token path never" {
	# 48 MiB at 1 MiB of the 4 KiB namespace (sfdisk counts its 4 KiB sectors)
	part=$(partition "$DMABUF_VM_NS4K" 256 12288)
	DMABUF_VM_IOMMU_DEV=$part ktest iommu-maps
	assert_output --regexp "iommu:map events over 10000 reads of 4 KiB: pages [0-9]+, token 0 .* on $part"
	dm=$(dm_linear iommu "0 98304 linear $DMABUF_VM_NS4K 2048")
	DMABUF_VM_IOMMU_DEV=$dm ktest iommu-maps
	assert_output --regexp "iommu:map events over 10000 reads of 4 KiB: pages [0-9]+, token 0 .* on $dm"
	DMABUF_VM_IOMMU_PASSTHRU=1 ktest iommu-maps
	assert_output --regexp "iommu:map events over 10000 reads of 4 KiB: pages [0-9]+, token 0 .*NVMe passthrough"
}

@test "iommu: 10,000 4 KiB reads of a file on ext4: pages path maps per request, token path never" {
	# a file token (kernel patches 0027-0031): ext4 maps each request to
	# blocks, and the bios take the namespace's one mapping
	[ -e /sys/module/ext4 ] || grep -qw ext4 /proc/filesystems || skip "this kernel has no ext4"
	mkdir -p /run/iommu-fs
	mkfs.ext4 -F -q -E nodiscard,lazy_itable_init=1,lazy_journal_init=1 "$DMABUF_VM_NS4K"
	mount "$DMABUF_VM_NS4K" /run/iommu-fs
	# written, not sparse: holes would be zeroed by the CPU and map nothing either
	dd if=/dev/urandom of=/run/iommu-fs/data bs=1M count=40 oflag=direct status=none
	# a writer syncs another file all the while: its maps are not the token's
	DMABUF_VM_IOMMU_DEV=/run/iommu-fs/data DMABUF_VM_IOMMU_NOISE=/run/iommu-fs/noise ktest iommu-maps
	assert_output --regexp "iommu:map events over 10000 reads of 4 KiB: pages [0-9]+, token 0 .* on /run/iommu-fs/data"
	# the pages path did map: the count is the kernel's, not a missing tracepoint
	[[ $output =~ pages\ ([0-9]+), ]] && [ "${BASH_REMATCH[1]}" -ge 10000 ]
}

@test "iommu: the NVMe controller is in a DMA-translated IOMMU group" {
	dev=$(basename "$DMABUF_VM_NS4K")
	assert_equal "$(cat "/sys/block/$dev/device/device/iommu_group/type")" DMA
}

@test "iommu: token I/O at many offsets and lengths matches the pages path" {
	ktest io-udmabuf
	ktest io-heap
	ktest io-vgem
}

@test "iommu: dmabuf verify on the token path, every dma-buf source" {
	for src in "${DMABUF_SOURCES[@]}"; do
		verify_ok "$src" "$DMABUF_VM_NS4K" --length 4M --path token
	done
}

@test "iommu: token invalidation during I/O keeps every byte" {
	run -0 --separate-stderr dmabuf --json invalidate "$DMABUF_VM_NS512" --mem udmabuf \
		--path token --during-io --cycles 8 --length 2M --force
	jq_fields "$output" result=.result invalidations=.cycles.kernel_invalidations
	assert_equal "${F[result]}" ok
	assert_equal "${F[invalidations]}" 8
}

@test "iommu: the exporter really moves the buffer under token I/O: every byte, no late DMA; a move that skips the wait is caught" {
	ktest mover-token mover-late
}

# Last in this file: it removes the 512 B controller, and its names may change on rescan.
@test "iommu: removing the controller's PCI device with a token live unmaps it before the IOMMU lets the device go" {
	ktest remove
	pci_rescan DMABUF0001
}
