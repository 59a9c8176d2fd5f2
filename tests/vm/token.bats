#!/usr/bin/env bats
# The CLI on the token path (kernel-patches/ dmabuf tokens), for every
# dma-buf source the VM has: udmabuf (4 KiB and huge pages), the system
# heap and vgem (drm).
load helpers

setup() { vm_setup; }
teardown() {
	[ -z "${SGL_THRESHOLD_WAS:-}" ] || echo "$SGL_THRESHOLD_WAS" > /sys/module/nvme/parameters/sgl_threshold
	vm_teardown
}

kstat() { awk -v k="$1" '$1 == k { print $2 }' /sys/kernel/debug/dmabuf_token/stats; }

@test "token: every dma-buf source verifies on the 512 B, 4 KiB and metadata namespaces, block device and passthrough" {
	for src in "${DMABUF_SOURCES[@]}"; do
		for ns in NS512 NS4K NS4K_MD; do
			for eng in rw passthru; do
				verify_ok "$src" "$(dev_for $ns $eng)" --length 2M --lba 128 --path token
				assert_equal "${F[path]}" token
				assert_equal "${F[engine]}" $eng
			done
		done
	done
}

@test "token: auto picks the token for every dma-buf on the block device and the passthrough char device" {
	for src in "${DMABUF_SOURCES[@]}"; do
		for eng in rw passthru; do
			verify_ok "$src" "$(dev_for NS4K $eng)" --length 256k
			assert_equal "${F[path]}" token
			assert_equal "${F[path_why]}" null
		done
	done
}

@test "token: passthrough through a token: a read on /dev/ngXnY is what dd wrote, a write is what dd reads" {
	head -c 1M /dev/urandom > "$SCRATCH_DIR/in"
	dd if="$SCRATCH_DIR/in" of="$DMABUF_VM_NS4K" bs=4096 seek=3072 oflag=direct status=none
	for src in "${DMABUF_SOURCES[@]}"; do
		run -0 --separate-stderr dmabuf read "$DMABUF_VM_NS4K_NG" --mem "$src" --path token \
			--lba 3072 --length 1M --out "$SCRATCH_DIR/out"
		cmp "$SCRATCH_DIR/in" "$SCRATCH_DIR/out"
	done
	head -c 1M /dev/urandom > "$SCRATCH_DIR/in2"
	run -0 --separate-stderr dmabuf write "$DMABUF_VM_NS512_NG" --mem udmabuf --path token \
		--lba 4096 --in "$SCRATCH_DIR/in2" --force
	dd if="$DMABUF_VM_NS512" of="$SCRATCH_DIR/dd" bs=512 skip=4096 count=2048 iflag=direct status=none
	cmp "$SCRATCH_DIR/in2" "$SCRATCH_DIR/dd"
}

@test "token: requests over MDTS (1 and 2 MiB) are split by the kernel and verify" {
	for bs in 1M 2M; do
		verify_ok udmabuf "$DMABUF_VM_NS4K" --length 8M --bs $bs --path token
		assert_equal "${F[max_transfer]}" 524288
	done
}

# nvme-pci describes token I/O with PRPs, or with SGLs when the controller
# has them and the pieces average sgl_threshold bytes or more; threshold 1
# sends every multi-page request of the emulated controller (SGLs
# supported) through the SGL builder.
@test "token: I/O described with SGLs (sgl_threshold=1) matches the pages path" {
	p=/sys/module/nvme/parameters/sgl_threshold
	[ -w $p ] || fail "no writable $p"
	SGL_THRESHOLD_WAS=$(cat $p)	# teardown puts it back, pass or fail
	echo 1 > $p
	ktest io-udmabuf io-heap
}

@test "token: qd 1 and qd 64 with 4 KiB requests give the same data" {
	for qd in 1 64; do
		verify_ok heap "$DMABUF_VM_NS512" --length 2M --bs 4k --qd $qd --path token
	done
}

@test "token: write then read --out round-trips a file through each dma-buf source" {
	head -c 1M /dev/urandom > "$SCRATCH_DIR/in"
	for src in "${DMABUF_SOURCES[@]}"; do
		run -0 --separate-stderr dmabuf write "$DMABUF_VM_NS512" --mem "$src" --path token \
			--lba 2048 --in "$SCRATCH_DIR/in" --force
		run -0 --separate-stderr dmabuf read "$DMABUF_VM_NS512" --mem "$src" --path token \
			--lba 2048 --length 1M --out "$SCRATCH_DIR/out"
		cmp "$SCRATCH_DIR/in" "$SCRATCH_DIR/out"
		# and the device holds it, as dd sees it
		dd if="$DMABUF_VM_NS512" of="$SCRATCH_DIR/dd" bs=512 skip=2048 count=2048 iflag=direct status=none
		cmp "$SCRATCH_DIR/in" "$SCRATCH_DIR/dd"
	done
}

@test "token: one mapping per dma-buf and device, however many requests and slots" {
	before=$(kstat maps)
	run -0 --separate-stderr dmabuf --json verify "$DMABUF_VM_NS4K" --mem udmabuf --path token \
		--length 4M --bs 4k --force
	jq_fields "$output" result=.result ios=.io.ios
	assert_equal "${F[result]}" ok
	[ "${F[ios]}" -ge 2048 ]
	assert_equal $(( $(kstat maps) - before )) 1
	# the same dma-buf in four slots: one token, one mapping
	before=$(kstat maps)
	run -0 --separate-stderr dmabuf --json register "$DMABUF_VM_NS4K" --mem heap --path token --slots 4
	assert_equal "$(jq -r .registration.slots <<<"$output")" 4
	assert_equal $(( $(kstat maps) - before )) 1
}

@test "token: invalidate --during-io fires the kernel trigger and every byte verifies, every source" {
	for src in "${DMABUF_SOURCES[@]}"; do
		run -0 --separate-stderr dmabuf --json invalidate "$DMABUF_VM_NS512" --mem "$src" \
			--path token --lba 50000 --length 1M --bs 4k --qd 32 --cycles 6 --during-io --force
		jq_fields "$output" result=.result completed=.cycles.completed mechanism=.cycles.mechanism \
			invalidations=.cycles.kernel_invalidations maps=.cycles.kernel_maps bad=.verify.blocks_bad
		assert_equal "${F[result]}" ok
		assert_equal "${F[completed]}" 6
		assert_equal "${F[mechanism]}" "move_notify (kernel test trigger)"
		assert_equal "${F[invalidations]}" 6
		[ "${F[maps]}" -ge 1 ] || fail "$src: nothing remapped"
		assert_equal "${F[bad]}" 0
	done
}

# mover: the kernel's test exporter whose buffers really move (patch 0015);
# a cycle is a move: move_notify, the wait for the fences, a copy to new
# pages, the old ones poisoned and watched.
@test "token: invalidate --mem mover --during-io moves the buffer for real; every byte verifies, no late DMA" {
	for path in token bounce; do
		run -0 --separate-stderr dmabuf --json invalidate "$DMABUF_VM_NS512" --mem mover \
			--path $path --lba 60000 --length 1M --bs 4k --qd 32 --cycles 6 --during-io --force
		jq_fields "$output" result=.result path=.path completed=.cycles.completed \
			mechanism=.cycles.mechanism moves=.cycles.exporter_moves late=.cycles.late_pages \
			watched=.cycles.watched_pages bad=.verify.blocks_bad
		assert_equal "${F[result]}" ok
		assert_equal "${F[path]}" $path
		assert_equal "${F[completed]}" 6
		assert_equal "${F[mechanism]}" "exporter move (move_notify, fence wait, copy to new pages)"
		assert_equal "${F[moves]}" 6
		assert_equal "${F[late]}" 0
		[ "${F[watched]}" -gt 0 ] || fail "$path: no old page watched"
		assert_equal "${F[bad]}" 0
	done
	assert [ "$(jq .cycles.kernel_maps <<<"$output")" = null ]
}

@test "token: mover memory verifies on the token path, auto picks it, and idle moves remap" {
	run -0 dmabuf --json check
	assert_equal "$(jq -r '.memory[] | select(.source=="mover") | .available' <<<"$output")" true
	verify_ok mover "$DMABUF_VM_NS4K" --length 1M
	assert_equal "${F[path]}" token
	# its CPU mapping has no struct pages to pin
	run -3 dmabuf verify "$DMABUF_VM_NS4K" --mem mover --path pages --length 64k --force
	assert_output --partial "cannot be pinned"
	before=$(kstat maps)
	run -0 --separate-stderr dmabuf --json invalidate "$DMABUF_VM_NS4K" --mem mover --path token \
		--cycles 3 --length 1M --force
	jq_fields "$output" maps=.cycles.kernel_maps moves=.cycles.exporter_moves late=.cycles.late_pages
	assert_equal "${F[moves]}" 3
	assert_equal "${F[late]}" 0
	assert_equal "${F[maps]}" 3
	[ $(( $(kstat maps) - before )) -ge 4 ]
}

@test "token: idle invalidation cycles remap and verify" {
	run -0 --separate-stderr dmabuf --json invalidate "$DMABUF_VM_NS4K" --mem drm --path token \
		--cycles 3 --length 1M --force
	jq_fields "$output" maps=.cycles.kernel_maps checked=.verify.blocks_checked
	assert_equal "${F[maps]}" 3
	assert_equal "${F[checked]}" 768
}

@test "token: no token is left behind once the commands exit" {
	run -0 dmabuf verify "$DMABUF_VM_NS512" --mem heap --length 256k --path token --force
	# freed from a work item: a poll, up to 30 s on a busy or debug guest
	for _ in $(seq 300); do [ "$(kstat tokens)" = 0 ] && break; sleep 0.1; done
	assert_equal "$(kstat tokens)" 0
}

@test "token: sequential 4 KiB requests merge into fewer device commands and the data verifies" {
	run -0 --separate-stderr dmabuf --json write "$DMABUF_VM_NS4K" --mem udmabuf --path token \
		--lba 0 --length 8M --bs 4k --qd 32 --pattern lba --force
	assert [ "$(jq .device.write_merges <<<"$output")" -gt 0 ]
	assert_equal "$(jq '.device.write_commands + .device.write_merges' <<<"$output")" 2048
	verify_ok udmabuf "$DMABUF_VM_NS4K" --path token --read-only --lba 0 --length 8M --bs 4k --qd 32
	assert [ "$(jq .device.read_merges <<<"$json")" -gt 0 ]
	assert_equal "$(jq '.device.read_commands + .device.read_merges' <<<"$json")" 2048
}

@test "token: dm-linear devices, on one namespace and across two controllers: verify on the token path, data where dd finds it below" {
	one=$(dm_linear one "0 32768 linear $DMABUF_VM_NS512 2048")
	two=$(dm_linear two "0 16384 linear $DMABUF_VM_NS512 65536
16384 16384 linear $DMABUF_VM_NS4K 16384")
	verify_ok udmabuf "$two" --length 1M	# --path auto
	assert_equal "${F[path]}" token
	for src in "${DMABUF_SOURCES[@]}"; do
		verify_ok "$src" "$one" --length 4M --path token
		assert_equal "${F[path]}" token
		verify_ok "$src" "$two" --length 12M --lba 512 --path token
		assert_equal "${F[path]}" token
	done
	# a token write over the boundary of the two targets: its first MiB is
	# at 39 MiB of the 512 B namespace, its second at 8 MiB of the 4 KiB one
	head -c 2M /dev/urandom > "$SCRATCH_DIR/in"
	run -0 --separate-stderr dmabuf write "$two" --mem heap --path token --lba $((7 * 256)) \
		--in "$SCRATCH_DIR/in" --force
	dd if="$DMABUF_VM_NS512" of="$SCRATCH_DIR/back" bs=1M skip=39 count=1 iflag=direct \
		status=none
	dd if="$DMABUF_VM_NS4K" of="$SCRATCH_DIR/back" bs=1M skip=8 count=1 iflag=direct \
		oflag=append conv=notrunc status=none
	cmp "$SCRATCH_DIR/in" "$SCRATCH_DIR/back"
	# and what dd writes below is what a token read of the mapped device gets
	dd if=/dev/urandom of="$DMABUF_VM_NS512" bs=1M seek=5 count=1 oflag=direct status=none
	dd if="$DMABUF_VM_NS512" of="$SCRATCH_DIR/want" bs=1M skip=5 count=1 iflag=direct \
		status=none
	run -0 --separate-stderr dmabuf read "$one" --mem udmabuf --path token --lba 8192 \
		--length 1M --out "$SCRATCH_DIR/got"
	cmp "$SCRATCH_DIR/want" "$SCRATCH_DIR/got"
}

@test "token: a partition's token uses its offsets, shares the disk's token, stops at its end" {
	part=$(partition "$DMABUF_VM_NS512")
	DMABUF_VM_PART=$part ktest partition
	verify_ok udmabuf "$part" --length 4M --path token
	assert_equal "${F[path]}" token
	# a token write into the partition is where dd finds it on the whole disk
	head -c 1M /dev/urandom > "$SCRATCH_DIR/in"
	run -0 --separate-stderr dmabuf write "$part" --mem heap --path token --lba 4096 \
		--in "$SCRATCH_DIR/in" --force
	dd if="$DMABUF_VM_NS512" of="$SCRATCH_DIR/back" bs=512 skip=$((2048 + 4096)) count=2048 \
		iflag=direct status=none
	cmp "$SCRATCH_DIR/in" "$SCRATCH_DIR/back"
	# and the range past the partition's end is refused before any I/O
	run -2 --separate-stderr dmabuf verify "$part" --mem udmabuf --path token --lba 32768 \
		--length 4k --force
}
