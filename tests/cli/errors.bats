#!/usr/bin/env bats
# Bad input and missing features: the documented exit code, a one-line
# message naming the problem, and nothing written.

load helpers

setup() { scratch_file 1M; }
teardown() { cleanup_scratch; }

@test "a target that does not exist exits 2 and names it" {
	run -2 --separate-stderr dmabuf read /nonexistent/disk --mem memfd
	assert_error "/nonexistent/disk"
	assert_error "No such file or directory"
}

@test "a target that is a directory exits 2" {
	run -2 --separate-stderr dmabuf read "$SCRATCH_DIR" --mem memfd
	assert_error "$SCRATCH_DIR"
	assert_error "Is a directory"
}

@test "a char device that is not an NVMe generic device exits 2" {
	run -2 --separate-stderr dmabuf read /dev/null --mem memfd
	assert_error "/dev/null"
}

@test "an LBA range past the capacity exits 2 and names the capacity" {
	# 1 MiB file = 2048 blocks of 512 bytes
	run -2 --separate-stderr dmabuf read "$TARGET" --mem memfd --lba 2040 --blocks 16
	assert_error "past the end"
	assert_error "2048"
}

@test "an unaligned --offset exits 2 and names the LBA size" {
	run -2 --separate-stderr dmabuf read "$TARGET" --mem memfd --offset 100 --length 4k
	assert_equal "$stderr" "dmabuf: --offset 100: not a multiple of $TARGET's LBA size (512 bytes)"
}

@test "an unaligned --length exits 2" {
	run -2 --separate-stderr dmabuf read "$TARGET" --mem memfd --offset 0 --length 1000
	assert_error "--length 1000: not a multiple"
}

@test "a --bs that is not a multiple of the LBA size exits 2" {
	run -2 --separate-stderr dmabuf read "$TARGET" --mem memfd --bs 1000
	assert_error "--bs 1000"
}

@test "udmabuf where /dev/udmabuf is missing exits 3 naming it" {
	[ ! -e /dev/udmabuf ] || skip "this host has /dev/udmabuf: the unsupported answer cannot be seen"
	run -3 --separate-stderr dmabuf read "$TARGET" --mem udmabuf
	assert_error "/dev/udmabuf"
}

@test "a dma-heap that does not exist exits 3 naming it" {
	run -3 --separate-stderr dmabuf read "$TARGET" --mem heap:nosuchheap
	assert_error "/dev/dma_heap/nosuchheap"
}

@test "drm without a render node exits 3" {
	ls /dev/dri/renderD* >/dev/null 2>&1 && skip "this host has a DRM render node"
	run -3 --separate-stderr dmabuf read "$TARGET" --mem drm
	assert_error "DRM"
}

@test "mover without the test exporter exits 3 naming its kernel option" {
	[ ! -e /dev/dmabuf_mover ] || skip "this host has /dev/dmabuf_mover"
	run -3 --separate-stderr dmabuf read "$TARGET" --mem mover
	assert_error "CONFIG_DMABUF_MOVER"
}

@test "mover takes only its modes: nomap, misdirect" {
	local m
	for m in mover:x mover: mover:nomap, mover:nomap,,misdirect; do
		run -2 --separate-stderr dmabuf read "$TARGET" --mem "$m"
		assert_error "mover takes nomap and/or misdirect"
	done
	# a valid mode gets as far as the device
	run -3 --separate-stderr dmabuf read "$TARGET" --mem mover:nomap,misdirect
	assert_error "CONFIG_DMABUF_MOVER"
}

@test "hugetlb without reserved huge pages exits 3 and says how to reserve them" {
	[ "$(cat /proc/sys/vm/nr_hugepages)" -eq 0 ] || skip "huge pages are reserved on this host"
	run -3 --separate-stderr dmabuf read "$TARGET" --mem hugetlb
	assert_error "nr_hugepages"
}

@test "--path token on a kernel without the token uAPI exits 3 and says so" {
	run dmabuf check
	echo "$output" | grep -q "no dmabuf token" || skip "this kernel knows the token uAPI"
	# memfd is not a dma-buf: token is refused for that reason first
	run -3 --separate-stderr dmabuf read "$TARGET" --mem memfd --path token
	assert_error "not a dma-buf"
}

@test "fd:N that is not a dma-buf exits 2" {
	run -2 --separate-stderr dmabuf read "$TARGET" --mem fd:0 </dev/null
	assert_error "not a dma-buf"
}

@test "pid:PID:FD of a process that does not exist fails naming the pid" {
	run --separate-stderr dmabuf read "$TARGET" --mem pid:999999:3
	[ "$status" -ne 0 ]
	assert_error "999999"
}

@test "--engine passthru on a regular file exits 2" {
	run -2 --separate-stderr dmabuf read "$TARGET" --mem memfd --engine passthru
	assert_error "/dev/ngXnY"
}

# The same bad input given to write, on a target it could write: the exit
# status is the documented one and not a byte of the target changed.  (A
# write past the end of a regular file grows it, by design; past the end of
# a block device it is refused: safety.bats, on a loop device.)
@test "bad input to write exits non-zero and leaves a writable target unchanged" {
	dd if=/dev/urandom of="$TARGET" bs=1M count=1 conv=notrunc status=none
	before=$(md5sum < "$TARGET")
	head -c 100 /dev/urandom > "$SCRATCH_DIR/short"
	cases=(
		"2|--offset 100 --length 4k"
		"2|--offset 0 --length 1000"
		"2|--bs 1000"
		"2|--mem memfd --pattern nosuchpattern"
		"2|--mem memfd --in $SCRATCH_DIR/nosuchfile"
		"2|--mem memfd --in $SCRATCH_DIR/short --length 4k"
		"2|--mem fd:0"
		"2|--mem memfd --engine passthru"
		"3|--mem heap:nosuchheap"
	)
	for c in "${cases[@]}"; do
		want=${c%%|*}
		read -r -a args <<<"${c#*|}"
		[[ " ${args[*]} " == *" --mem "* ]] || args+=(--mem memfd)
		run --separate-stderr dmabuf write "$TARGET" "${args[@]}" </dev/null
		[ "$status" -eq "$want" ] || fail "write ${args[*]}: exit $status, not $want ($stderr)"
		[ -n "$stderr" ] || fail "write ${args[*]}: no message"
		[ "$(md5sum < "$TARGET")" = "$before" ] || fail "write ${args[*]} changed the target"
	done
	run --separate-stderr dmabuf write "$TARGET" --mem pid:999999:3
	[ "$status" -ne 0 ] && [ "$(md5sum < "$TARGET")" = "$before" ]
}

@test "cuda and hip without their runtime exit 3 naming the library (or, with one, the missing device)" {
	local k lib
	for k in cuda hip cuda:1 hip:0; do
		run -3 --separate-stderr dmabuf read "$TARGET" --mem "$k"
		lib=libcuda.so.1
		[[ $k == hip* ]] && lib=libamdhip64.so
		[[ $stderr == *"$lib"* || $stderr == *"device"* ]] || fail "stderr names neither $lib nor a device: $stderr"
		assert_equal "${#stderr_lines[@]}" 1
	done
}

@test "cuda:DEV wants a device number" {
	run -2 --separate-stderr dmabuf read "$TARGET" --mem cuda:gpu0
	assert_error "cuda:DEV and hip:DEV want a device number"
}

@test "drm placements are vram, gtt and dumb" {
	run -2 --separate-stderr dmabuf read "$TARGET" --mem drm:lmem
	assert_error "drm placements are vram, gtt and dumb"
	run -2 --separate-stderr dmabuf read "$TARGET" --mem drm:/dev/dri/renderD128:sram
	assert_error "drm placements are vram, gtt and dumb"
}

# count SUBSTR TEXT: how many times SUBSTR occurs in TEXT.
count() { grep -oF -- "$1" <<<"$2" | wc -l; }

@test "memory over a fixed buffer's 1 GiB on every buffer path: the reason once, with the remedy" {
	# bench's memory is jobs x qd x bs: 32 x 128 MiB = 4 GiB, for pages and bounce alike
	run -2 --separate-stderr dmabuf bench "$TARGET" --mem memfd --bs 128M --ios 1
	assert_error "4294967296 bytes" "--size" "--bs" "--qd"
	assert_equal "$(count "at most 1 GiB" "$stderr")" 1
	assert_equal "$(count "IORING_REGISTER_BUFFERS_UPDATE" "$stderr")" 1
	assert_equal "$(count "Invalid argument" "$stderr")" 1
}

@test "pinning over RLIMIT_MEMLOCK on every buffer path: the limit once, in bytes, with the remedy" {
	# io_uring charges pinned pages to RLIMIT_MEMLOCK only without
	# CAP_IPC_LOCK: drop every capability, keep root's files
	command -v setpriv >/dev/null && command -v prlimit >/dev/null || skip "no setpriv or prlimit"
	truncate -s 64M "$TARGET"
	local limit=8388608 nocaps=(prlimit --memlock=8388608:8388608 setpriv --inh-caps=-all --bounding-set=-all)
	run -4 --separate-stderr "${nocaps[@]}" "$DMABUF" verify "$TARGET" --mem memfd --length 64M
	assert_error "RLIMIT_MEMLOCK is $limit bytes" "ulimit -l" "--size"
	assert_equal "$(count "RLIMIT_MEMLOCK" "$stderr")" 1
	assert_equal "$(count "Cannot allocate memory" "$stderr")" 1
	[ "${#stderr}" -le 400 ] || fail "a ${#stderr}-character message: $stderr"
	# the remedy works: memory under the limit, the range in windows
	run -0 "${nocaps[@]}" "$DMABUF" verify "$TARGET" --mem memfd --length 64M --size 4M
}
