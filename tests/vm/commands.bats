#!/usr/bin/env bats
# The other commands in the VM: check, alloc, register, read, write,
# invalidate, on every source the VM has, and the error answers that only a
# real NVMe device can give.

load helpers

setup() { vm_setup; }
teardown() {
	[ -n "${HOLDER:-}" ] && kill "$HOLDER" 2>/dev/null
	vm_teardown
}

@test "check lists the three namespaces, udmabuf, the system heap and vgem" {
	run -0 dmabuf --json check
	json=$output
	jq_fields "$json" n='.nvme | length' \
		md='.nvme[] | select(.device=="'"$DMABUF_VM_NS4K_MD"'") | .metadata_size' \
		lba='.nvme[] | select(.device=="'"$DMABUF_VM_NS512"'") | .lba_size' \
		udmabuf='.memory[] | select(.source=="udmabuf") | .available' \
		heap='.memory[] | select(.source=="heap:system") | .available' \
		hugetlb='.memory[] | select(.source=="hugetlb") | .available' \
		drm='.drm[0].driver'
	assert_equal "${F[n]}" 3
	assert_equal "${F[md]}" 16
	assert_equal "${F[lba]}" 512
	assert_equal "${F[udmabuf]}" true
	assert_equal "${F[heap]}" true
	assert_equal "${F[hugetlb]}" true
	assert_equal "${F[drm]}" vgem
}

@test "check says tokens work for the block devices and the passthrough char device" {
	run -0 --separate-stderr dmabuf --json check "$DMABUF_VM_NS512" "$DMABUF_VM_NS4K" "$DMABUF_VM_NS512_NG"
	jq_fields "$output" uapi=.dmabuf_token.uapi t0='.targets[0].token.support' \
		t1='.targets[1].token.support' t2='.targets[2].token.support'
	assert_equal "${F[uapi]}" true
	assert_equal "${F[t0]}" "dmabuf tokens work for this target"
	assert_equal "${F[t1]}" "dmabuf tokens work for this target"
	assert_equal "${F[t2]}" "dmabuf tokens work for this target"
	run -0 dmabuf check "$DMABUF_VM_NS512"
	assert_output --partial "dmabuf tokens work for this target"
}

@test "check says which token uAPI it found and what it could tell: trigger, passthrough, size limit" {
	run -0 --separate-stderr dmabuf --json check
	jq_fields "$output" iface=.dmabuf_token.interface trigger=.dmabuf_token.trigger \
		pt=.dmabuf_token.passthrough on=.dmabuf_token.passthrough_probed_on \
		limit=.dmabuf_token.size_limit first='.nvme[0].generic'
	assert_equal "${F[iface]}" "IORING_REGISTER_BUFFERS_UPDATE with IORING_RSRC_UPDATE_EXTENDED, io_uring_regbuf_desc of type DMABUF (2)"
	# this port: the debugfs trigger, and passthrough tokens (probed on the first char device)
	assert_equal "${F[trigger]}" true
	assert_equal "${F[pt]}" true
	assert_equal "${F[on]}" "${F[first]}"
	[[ ${F[limit]} == "not probed"* ]] || fail "size_limit: ${F[limit]}"
	run -0 dmabuf check
	assert_output --regexp 'passthrough +: yes'
}

@test "alloc describes each dma-buf with its exporter's name" {
	declare -A exporter=([udmabuf]=udmabuf [udmabuf:huge]=udmabuf [heap]=system [drm]=drm)
	for src in "${DMABUF_SOURCES[@]}"; do
		run -0 dmabuf --json alloc --mem "$src" --size 4M --name probe
		jq_fields "$output" exporter=.memory.exporter dmabuf=.memory.dmabuf inode=.memory.inode
		assert_equal "${F[exporter]}" "${exporter[$src]}"
		assert_equal "${F[dmabuf]}" true
		[ "${F[inode]}" -gt 0 ]
	done
}

@test "alloc --hold shares one udmabuf across invocations through pid:PID:FD" {
	# the timeout only bounds a holder the teardown failed to kill: as long as the boot's
	hold=$(dmabuf alloc --mem udmabuf --size 2M --hold --hold-timeout 1200)
	HOLDER=${hold%%:*}
	run -0 --separate-stderr dmabuf --json verify "$DMABUF_VM_NS512" --mem "pid:$hold" --length 2M --force
	assert_equal "$(jq -r .memory.exporter <<<"$output")" udmabuf
	# the data stays in the held buffer: a later read fills it, the holder still has it
	run -0 dmabuf read "$DMABUF_VM_NS512" --mem "pid:$hold" --length 2M
	run -0 --separate-stderr dmabuf --json alloc --mem "pid:$hold"
	assert_equal "$(jq -r .memory.size <<<"$output")" $((2 << 20))
}

@test "register reports the path and why, for every source and path" {
	for src in "${SOURCES[@]}"; do
		run -0 --separate-stderr dmabuf --json register "$DMABUF_VM_NS512" --mem "$src" --slots 4
		jq_fields "$output" path=.path slots=.registration.slots
		assert_equal "${F[path]}" "$(auto_path "$src" rw)"
		assert_equal "${F[slots]}" 4
		run -0 --separate-stderr dmabuf --json register "$DMABUF_VM_NS512_NG" --mem "$src" --path bounce
		assert_equal "$(jq -r .path <<<"$output")" bounce
	done
}

@test "register --path token registers every dma-buf source; memfd has none and exits 3" {
	for src in "${DMABUF_SOURCES[@]}"; do
		run -0 --separate-stderr dmabuf --json register "$DMABUF_VM_NS512" --mem "$src" --path token
		assert_equal "$(jq -r .path <<<"$output")" token
	done
	run -3 --separate-stderr dmabuf register "$DMABUF_VM_NS512" --mem memfd --path token
	assert_error "not a dma-buf"
}

@test "register: a dma-buf over 1 GiB registers as a token (no 1 GiB limit in the tool or the VM kernel)" {
	run -0 --separate-stderr dmabuf --json register "$DMABUF_VM_NS512" --mem heap --size 1025M --path token
	assert_equal "$(jq -r '[.path, .memory.size] | @tsv' <<<"$output")" "token	$((1025 << 20))"
}

@test "--path token on the passthrough engine reads through the token" {
	run -0 --separate-stderr dmabuf --json read "$DMABUF_VM_NS512_NG" --mem udmabuf --path token
	assert_equal "$(jq -r .path <<<"$output")" token
}

@test "invalidate --during-io on pages and bounce paths, both engines: every byte verified" {
	for src in "${SOURCES[@]}"; do
		for eng in rw passthru; do
			run -0 --separate-stderr dmabuf --json invalidate "$(dev_for NS512 $eng)" --mem "$src" \
				--path "${UNTOKEN_PATH[$src]}" --lba 50000 --length 1M --bs 4k --qd 32 --cycles 4 --during-io --force
			jq_fields "$output" result=.result completed=.cycles.completed \
				bad=.verify.blocks_bad retried=.cycles.requests_retried
			assert_equal "${F[result]}" ok
			assert_equal "${F[completed]}" 4
			assert_equal "${F[bad]}" 0
			[ "${F[retried]}" -gt 0 ] || fail "$src/$eng: nothing retried"
		done
	done
}

@test "invalidate idle cycles on udmabuf" {
	run -0 --separate-stderr dmabuf --json invalidate "$DMABUF_VM_NS4K" --mem udmabuf --cycles 3 --length 1M --force
	jq_fields "$output" completed=.cycles.completed checked=.verify.blocks_checked
	assert_equal "${F[completed]}" 3
	assert_equal "${F[checked]}" 768
}

@test "an LBA range past the namespace exits 2 naming the capacity" {
	run -2 --separate-stderr dmabuf read "$DMABUF_VM_NS4K" --mem udmabuf --lba 16380 --blocks 8
	assert_error "past the end" "16384"
	run -2 --separate-stderr dmabuf read "$DMABUF_VM_NS4K_NG" --mem udmabuf --lba 16380 --blocks 8
	assert_error "past the end"
}

@test "an offset that is not a multiple of 4096 exits 2 on the 4 KiB namespace" {
	run -2 --separate-stderr dmabuf read "$DMABUF_VM_NS4K" --mem heap --offset 512 --length 4k
	assert_error "not a multiple" "4096"
}

@test "the wrong engine for a device exits 2" {
	run -2 --separate-stderr dmabuf read "$DMABUF_VM_NS512" --mem udmabuf --engine passthru
	assert_error "/dev/ngXnY"
	run -2 --separate-stderr dmabuf read "$DMABUF_VM_NS512_NG" --mem udmabuf --engine rw
	assert_error "$DMABUF_VM_NS512"
}

@test "a namespace carrying ext4 is refused with exit 5 and left unchanged; --force writes" {
	mkfs.ext4 -q -F "$DMABUF_VM_NS4K" 2>/dev/null || mke2fs -q -F -t ext4 "$DMABUF_VM_NS4K"
	before=$(md5 "$DMABUF_VM_NS4K")
	for dev in "$DMABUF_VM_NS4K" "$DMABUF_VM_NS4K_NG"; do
		run -5 --separate-stderr dmabuf write "$dev" --mem udmabuf --blocks 8
		assert_error "ext4" "--force"
	done
	assert_equal "$(md5 "$DMABUF_VM_NS4K")" "$before"
	run -0 dmabuf write "$DMABUF_VM_NS4K" --mem udmabuf --blocks 256 --pattern zero --force
	run -0 dmabuf write "$DMABUF_VM_NS4K" --mem udmabuf --blocks 8 --pattern zero
}

# NVMe fault injection (CONFIG_FAULT_INJECTION_DEBUG_FS): the next command
# on the namespace completes with Unrecovered Read Error (SCT 2, SC 0x81, DNR).
inject_read_error() {
	fi=/sys/kernel/debug/${DMABUF_VM_NS512#/dev/}/fault_inject
	[ -d "$fi" ] || fail "no $fi in the VM kernel"
	echo 0x4281 > "$fi/status"
	echo 1 > "$fi/times"
	echo 100 > "$fi/probability"
}

clear_injection() { echo 0 > "$fi/probability"; }

@test "an NVMe error on passthrough exits 4 naming the LBA and the NVMe status" {
	inject_read_error
	run -4 --separate-stderr dmabuf read "$DMABUF_VM_NS512_NG" --mem udmabuf --lba 1000 --blocks 8 --qd 1
	clear_injection
	assert_error "LBA 1000" "Unrecovered Read Error"
}

@test "an I/O error on the block device exits 4 naming the LBA, and --json has the failure" {
	inject_read_error
	run -4 --separate-stderr dmabuf --json read "$DMABUF_VM_NS512" --mem heap --lba 2000 --blocks 8 --qd 1
	clear_injection
	assert_error "LBA 2000"
	assert_equal "$(jq -r .failure.lba <<<"$output")" 2000
}

@test "a user's suite: the installed bats helper's example passes against a drive, nothing skipped" {
	local root=$PWD/build/install-root
	[ -s "$root/usr/share/dmabuf/bats/example.bats" ] || fail "no installed copy in $root (make install-root)"
	run env PATH="$root/usr/bin:$PATH" LD_LIBRARY_PATH="$root/usr/lib" DMABUF_BATS_DIR="$root/usr/share/dmabuf/bats" \
		DMABUF_TARGET="$DMABUF_VM_NS4K" DMABUF_FORCE=1 bats "$root/usr/share/dmabuf/bats/example.bats"
	assert_success
	assert_line "1..4"
	refute_line --partial "# skip"
}

# build_examples: the installed examples built with pkg-config alone, into $dir.
build_examples() {
	root=$PWD/build/install-root dir=$BATS_TEST_TMPDIR/example
	mkdir -p "$dir"
	cp "$root/usr/share/dmabuf/examples/"* "$dir/"
	run -0 env PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_PATH="$root/usr/lib/pkgconfig" \
		make -s -C "$dir" CFLAGS="-O2 -Wall -Wextra -Werror"
}

@test "a user's program: examples/token-read, built from the installed copy with pkg-config, reads the drive into a heap dma-buf through a token" {
	local root dir
	build_examples
	# known data at a known place, written by the tool
	dmabuf write "$DMABUF_VM_NS4K" --mem heap --lba 64 --blocks 256 --pattern random:0x77 --force
	LD_LIBRARY_PATH=$root/usr/lib "$dir/token-read" "$DMABUF_VM_NS4K" $((64 * 4096)) $((256 * 4096)) \
		>"$dir/out" 2>"$dir/err"
	assert_equal "$(cat "$dir/err")" "token-read: heap:system via token"
	dd if="$DMABUF_VM_NS4K" iflag=direct bs=4096 skip=64 count=256 status=none | cmp - "$dir/out"
	# and the data is the pattern, not just what dd saw
	run -0 dmabuf --json verify "$DMABUF_VM_NS4K" --mem heap --lba 64 --blocks 256 \
		--pattern random:0x77 --read-only
	assert_equal "$(jq -r .verify.blocks_bad <<<"$output")" 0
}

@test "a user's program: examples/nvme-read reads blocks into a heap dma-buf by NVMe passthrough through a token; dd agrees" {
	local root dir
	build_examples
	dmabuf write "$DMABUF_VM_NS4K" --mem heap --lba 128 --blocks 300 --pattern random:0x78 --force
	LD_LIBRARY_PATH=$root/usr/lib "$dir/nvme-read" "$DMABUF_VM_NS4K_NG" 128 300 \
		>"$dir/out" 2>"$dir/err"
	[[ $(cat "$dir/err") =~ ^nvme-read:\ nsid\ [0-9]+,\ 4096-byte\ blocks\;\ heap:system\ via\ token$ ]] ||
		fail "stderr: $(cat "$dir/err")"
	dd if="$DMABUF_VM_NS4K" iflag=direct bs=4096 skip=128 count=300 status=none | cmp - "$dir/out"
	# the block device is no passthrough target
	run -2 env LD_LIBRARY_PATH="$root/usr/lib" "$dir/nvme-read" "$DMABUF_VM_NS4K" 0 1
	assert_output --partial "not an NVMe generic char device"
}

@test "a user's program: examples/write-verify writes and reads back through a token on both engines; dd and dmabuf verify agree" {
	local root dir dev eng lba=4096 fill
	build_examples
	for eng in rw passthru; do
		dev=$(dev_for NS4K $eng)
		for src in heap udmabuf; do
			run -0 --separate-stderr env LD_LIBRARY_PATH="$root/usr/lib" \
				"$dir/write-verify" -m $src "$dev" $lba 96
			assert_output "96 blocks checked, 0 bad"
			[[ $stderr == "write-verify: $src"*" via token, "* ]] || fail "stderr: $stderr"
			# the blocks are the pattern, as the tool reads them
			run -0 --separate-stderr dmabuf --json verify "$DMABUF_VM_NS4K" --mem heap \
				--lba $lba --blocks 96 --pattern lba --read-only
			assert_equal "$(jq -r .verify.blocks_bad <<<"$output")" 0
		done
		# bytes the program cannot have made up: dd against printf's
		run -0 env LD_LIBRARY_PATH="$root/usr/lib" "$dir/write-verify" -P byte:0x5c "$dev" 8192 64
		fill=$(printf '\x5c%.0s' $(seq 4096))
		for i in $(seq 64); do printf '%s' "$fill"; done >"$dir/expect"
		dd if="$DMABUF_VM_NS4K" iflag=direct bs=4096 skip=8192 count=64 status=none | cmp - "$dir/expect"
	done
	# the passthrough engine is taken from the char device, the rw engine from the block device
	run -0 --separate-stderr env LD_LIBRARY_PATH="$root/usr/lib" "$dir/write-verify" "$DMABUF_VM_NS4K_NG" 0 8
	assert_equal "$stderr" "write-verify: heap:system via token, NVMe passthrough"
	run -0 --separate-stderr env LD_LIBRARY_PATH="$root/usr/lib" "$dir/write-verify" "$DMABUF_VM_NS4K" 0 8
	assert_equal "$stderr" "write-verify: heap:system via token, READ_FIXED/WRITE_FIXED"
}
