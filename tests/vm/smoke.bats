#!/usr/bin/env bats
# Smoke tests of the VM itself: the devices and tools every other VM suite
# relies on.  Run inside the guest by tests/vm/run (DMABUF_VM=1).

# bats-support and bats-assert, loaded the cheap way (see helpers.bash)
load helpers

setup() {
	if [ "${DMABUF_VM:-}" != 1 ]; then
		skip "needs the VM (tests/vm/run)"
	fi
}

# logical_block_size of a namespace's block device, from sysfs
lbs() {
	cat "/sys/block/${1#/dev/}/queue/logical_block_size"
}

# "ms:N lbads:M" of the LBA format in use, from nvme id-ns
lbaf_in_use() {
	nvme id-ns "$1" | sed -n 's/^lbaf *[0-9]* *: *\(ms:[0-9]*\) *\(lbads:[0-9]*\).*(in use).*/\1 \2/p'
}

@test "the guest runs the tests as root with DMABUF_VM=1 and HOME=/tmp" {
	assert_equal "$(id -u)" 0
	assert_equal "$HOME" /tmp
	run touch "$HOME/smoke-writable"
	assert_success
}

@test "the guest CPU has no 5-level paging, so the debug kernel's KASAN has no early-boot false positive" {
	run -0 grep -m1 '^flags' /proc/cpuinfo
	refute_output --regexp '(^| )la57( |$)'
}

@test "both NVMe controllers are present with their serial numbers" {
	run cat /sys/class/nvme/nvme0/serial /sys/class/nvme/nvme1/serial
	assert_success
	assert_output --partial DMABUF0001
	assert_output --partial DMABUF0002
	assert [ -c "$DMABUF_VM_CTRL_0001" ]
	assert [ -c "$DMABUF_VM_CTRL_0002" ]
}

@test "each namespace has a block device and a generic char device" {
	for v in NS512 NS4K NS4K_MD; do
		blk=DMABUF_VM_$v ng=DMABUF_VM_${v}_NG
		assert [ -n "${!blk}" ]
		assert [ -b "${!blk}" ]
		assert [ -c "${!ng}" ]
	done
}

@test "the DMABUF0001 namespace has 512-byte LBAs and 64 MiB" {
	assert_equal "$(lbs "$DMABUF_VM_NS512")" 512
	assert_equal "$(blockdev --getsize64 "$DMABUF_VM_NS512")" $((64 << 20))
	assert_equal "$(lbaf_in_use "$DMABUF_VM_NS512")" "ms:0 lbads:9"
}

@test "the DMABUF0002 namespace 1 has 4096-byte LBAs and no metadata" {
	assert_equal "$(lbs "$DMABUF_VM_NS4K")" 4096
	assert_equal "$(blockdev --getsize64 "$DMABUF_VM_NS4K")" $((64 << 20))
	assert_equal "$(lbaf_in_use "$DMABUF_VM_NS4K_NG")" "ms:0 lbads:12"
}

@test "the DMABUF0002 namespace 2 has 4096-byte LBAs with 16 bytes of metadata" {
	assert_equal "$(lbs "$DMABUF_VM_NS4K_MD")" 4096
	assert_equal "$(lbaf_in_use "$DMABUF_VM_NS4K_MD_NG")" "ms:16 lbads:12"
	run blockdev --getsize64 "$DMABUF_VM_NS4K_MD"
	assert_success
	assert [ "$output" -gt 0 ]
}

@test "nvme id-ctrl answers for the first controller" {
	run nvme id-ctrl "$DMABUF_VM_CTRL_0001"
	assert_success
	assert_output --regexp 'sn +: DMABUF0001'
	assert_output --regexp 'mdts +: [0-9]+'
}

@test "nvme list shows the three namespaces" {
	run nvme list
	assert_success
	assert_output --partial "$DMABUF_VM_NS512"
	assert_output --partial "$DMABUF_VM_NS4K"
	assert_output --partial "$DMABUF_VM_NS4K_MD"
}

@test "udmabuf, the system dma-heap and vgem's render node exist" {
	assert [ -c /dev/udmabuf ]
	assert [ -c /dev/dma_heap/system ]
	assert [ -c /dev/dri/renderD128 ]
	# vgem is a bare platform device (no driver link)
	run readlink -f /sys/class/drm/renderD128/device
	assert_output --regexp '/vgem$'
}

@test "32 huge pages of 2 MiB are reserved and hugetlbfs is mounted" {
	assert_equal "$(cat /proc/sys/vm/nr_hugepages)" 32
	run grep -E '^(HugePages_Total|Hugepagesize):' /proc/meminfo
	assert_line --regexp '^HugePages_Total: +32$'
	assert_line --regexp '^Hugepagesize: +2048 kB$'
	run grep ' /dev/hugepages hugetlbfs ' /proc/mounts
	assert_success
}

@test "fio reads 4 KiB blocks at random with io_uring and O_DIRECT from the 512 B namespace" {
	run fio --name=smoke --filename="$DMABUF_VM_NS512" --ioengine=io_uring \
		--direct=1 --rw=randread --bs=4k --iodepth=8 --size=64M \
		--io_size=2M --output-format=terse --terse-version=3
	assert_success
	# terse v3: field 5 is the error, field 6 the KiB read
	assert_equal "$(echo "$output" | tail -n 1 | cut -d';' -f5)" 0
	assert_equal "$(echo "$output" | tail -n 1 | cut -d';' -f6)" 2048
}

@test "data written to the 4 KiB namespace with O_DIRECT reads back the same" {
	dd if=/dev/urandom of="$HOME/pattern" bs=4096 count=16 status=none
	run dd if="$HOME/pattern" of="$DMABUF_VM_NS4K" bs=4096 seek=100 oflag=direct conv=notrunc status=none
	assert_success
	run cmp <(dd if="$DMABUF_VM_NS4K" bs=4096 skip=100 count=16 iflag=direct status=none) "$HOME/pattern"
	assert_success
}
