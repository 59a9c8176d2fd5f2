#!/usr/bin/env bats
# GPU memory sources.  There is no GPU in the VM: cuda and hip load a
# stand-in runtime (tests/gpu/stub-runtime.c, on LD_LIBRARY_PATH) whose
# "device memory" is a udmabuf, so the dlopen path, the dma-buf export and
# the host copy kept in step by the runtime's copy calls meet real I/O.
# drm on vgem: the placement it gets is reported.

load helpers

setup() { vm_setup; }
teardown() { vm_teardown; }

STUBS=$PWD/build/tests/gpu

# with_runtime KIND CMD...: CMD with the stand-in runtime of KIND loadable.
with_runtime() {
	local k=$1
	shift
	LD_LIBRARY_PATH=$STUBS/$k "$@"
}

@test "cuda and hip through the stand-in runtime: verify passes through a token on both engines, the CPU working on a host copy" {
	local k eng
	for k in cuda hip; do
		for eng in rw passthru; do
			run -0 --separate-stderr with_runtime $k dmabuf --json verify \
				"$(dev_for NS4K $eng)" --mem $k --length 4M --path token --force
			jq_fields "$output" result=.result path=.path exp=.memory.exporter \
				bad=.verify.blocks_bad size=.memory.size src=.memory.source
			assert_equal "${F[result]}" ok
			assert_equal "${F[path]}" token
			assert_equal "${F[bad]}" 0
			assert_equal "${F[src]}" $k
			# device memory comes in 2 MiB pages; the stand-in exports a udmabuf
			assert_equal "${F[size]}" 4194304
			assert_equal "${F[exp]}" udmabuf
		done
	done
}

@test "cuda without a CPU view: the round trip through a scratch range passes" {
	run -0 --separate-stderr with_runtime cuda dmabuf --json verify "$DMABUF_VM_NS4K" \
		--mem cuda --length 4M --size 2M --scratch-lba 8192 --force
	jq_fields "$output" mode=.mode bad=.verify.blocks_bad drive=.drive.blocks_bad
	assert_equal "${F[mode]}" round-trip
	assert_equal "${F[bad]}" 0
	assert_equal "${F[drive]}" 0
}

@test "cuda: auto takes the token, bounce works through the host copy, pages is refused (exit 3)" {
	run -0 --separate-stderr with_runtime cuda dmabuf --json verify "$DMABUF_VM_NS4K" --mem cuda --length 2M --force
	assert_equal "$(jq -r .path <<<"$output")" token
	run -0 --separate-stderr with_runtime cuda dmabuf --json verify "$DMABUF_VM_NS4K" --mem cuda --length 2M --path bounce --force
	assert_equal "$(jq -r .path <<<"$output")" bounce
	run -3 --separate-stderr with_runtime cuda dmabuf verify "$DMABUF_VM_NS4K" --mem cuda --length 2M --path pages --force
	assert_error "no pages the kernel can pin"
}

@test "cuda: read fills the device memory with the canary first and finds every block delivered" {
	run -0 --separate-stderr with_runtime cuda dmabuf --json read "$DMABUF_VM_NS4K" --mem cuda --blocks 512 --path token
	jq_fields "$output" canary=.canary bad=.undelivered.blocks_bad checked=.undelivered.blocks_checked
	assert_equal "${F[canary]}" true
	assert_equal "${F[bad]}" 0
	assert_equal "${F[checked]}" 512
}

@test "check lists cuda and hip as available with a runtime and a device, and says why not without" {
	run -0 --separate-stderr with_runtime cuda dmabuf --json check
	jq_fields "$output" ok='.memory[]|select(.source=="cuda")|.available' \
		detail='.memory[]|select(.source=="cuda")|.detail' \
		hip='.memory[]|select(.source=="hip")|.available'
	assert_equal "${F[ok]}" true
	[[ ${F[detail]} == *"CUDA device 0 exports dma-bufs"* ]] || fail "detail: ${F[detail]}"
	assert_equal "${F[hip]}" false
	STUB_GPU_DEVICES=0 run -0 --separate-stderr with_runtime hip dmabuf --json check
	jq_fields "$output" ok='.memory[]|select(.source=="hip")|.available' \
		detail='.memory[]|select(.source=="hip")|.detail'
	assert_equal "${F[ok]}" false
	[[ ${F[detail]} == *"no HIP device here"* ]] || fail "detail: ${F[detail]}"
}

@test "cuda on a device that cannot export dma-bufs, and a device that does not exist, exit 3 saying so" {
	STUB_GPU_NO_DMABUF=1 run -3 --separate-stderr with_runtime cuda dmabuf read "$DMABUF_VM_NS4K" --mem cuda --blocks 8
	assert_error "CU_DEVICE_ATTRIBUTE_DMA_BUF_SUPPORTED is 0"
	run -3 --separate-stderr with_runtime cuda dmabuf read "$DMABUF_VM_NS4K" --mem cuda:2 --blocks 8
	assert_error "CUDA has 1 device(s)"
}

@test "drm reports the driver and the placement it got: vgem has dumb buffers, vram and gtt need amdgpu (exit 3)" {
	verify_ok drm "$DMABUF_VM_NS4K" --length 256k
	jq_fields "$json" drv=.memory.driver place=.memory.placement
	assert_equal "${F[drv]}" vgem
	assert_equal "${F[place]}" dumb
	verify_ok drm:dumb "$DMABUF_VM_NS4K" --length 256k
	for p in vram gtt; do
		run -3 --separate-stderr dmabuf verify "$DMABUF_VM_NS4K" --mem drm:$p --length 256k --force
		assert_error "$p placement needs a driver libdrm can place buffers for (amdgpu)" "vgem"
	done
	run -0 --separate-stderr dmabuf --json check
	[[ $(jq -r '.memory[]|select(.source=="drm")|.detail' <<<"$output") == *"vgem: dumb buffers"* ]] ||
		fail "check does not say vgem has dumb buffers: $output"
}

@test "tests/gpu/run against a drive with both stand-in runtimes: every row passes, token on the auto path" {
	run -0 --separate-stderr env LD_LIBRARY_PATH="$STUBS/cuda:$STUBS/hip" \
		tests/gpu/run --target "$DMABUF_VM_NS4K" --length 2M --force
	local k
	for k in cuda:0 hip:0; do
		assert_line --regexp "^$k +alloc +- +pass .*2097152 bytes, exporter udmabuf"
		assert_line --regexp "^$k +verify +bounce +pass +512 +0 +0 "
		assert_line --regexp "^$k +verify +token +pass +512 +0 +0 "
		assert_line --regexp "^$k +round-trip +token +pass +512 +0 +0 .*scratch LBA 512, drive 0 bad"
	done
	assert_line --regexp '^p2p '
	refute_line --regexp ' (FAIL|unsupported|error)'
}

# The bounce path copies between the dma-buf and its bounce buffer in the
# thread that completes the request.  With cuda and hip that copy goes
# through the runtime, whose CUDA context is current per thread, and
# through one host copy that every job shares: each job must copy only
# its own requests' bytes, never the whole buffer over another's.
@test "cuda bounce path, two bench jobs: each job's thread copies only its own requests' bytes, with the context current there" {
	local log=$BATS_TEST_TMPDIR/copies out=$BATS_TEST_TMPDIR/bench.json pid st=0
	# env execs dmabuf: $! is its pid, the main thread's TID
	env STUB_GPU_COPY_LOG="$log" LD_LIBRARY_PATH="$STUBS/cuda" "$DMABUF" --json bench \
		"$DMABUF_VM_NS4K" --mem cuda --path bounce --jobs 2 --qd 4 --bs 4k --rw randrw \
		--ios 400 --force >"$out" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	wait $pid || st=$?
	[ $st -eq 0 ] || fail "bench exit $st: $(cat "$BATS_TEST_TMPDIR/err")"
	json_keep "$(cat "$out")"
	assert_equal "$(jq -r .path "$out")" bounce
	# Lines of the job threads (not the main thread, which may fill the
	# whole buffer before they start): "TID DIR OFFSET BYTES".
	run awk -v main="$pid" -v part=$((4 * 4096)) '
		$1 == main { next }
		{ n++; job = int($3 / part)
		  if ($4 != 4096) bad = bad " " $0 " (not one request)"
		  if (int(($3 + $4 - 1) / part) != job) bad = bad " " $0 " (crosses jobs)"
		  if (($1 in job_of) && job_of[$1] != job) bad = bad " " $0 " (thread in two jobs)"
		  job_of[$1] = job; jobs[job] = 1 }
		END { k = 0; for (j in jobs) k++
		      if (bad != "") { print "bad:" bad; exit 1 }
		      print n " copies by " k " jobs" }' "$log"
	[ "$status" -eq 0 ] || fail "$output (main thread $pid)"
	assert_output --regexp '^[0-9]+ copies by 2 jobs$'
}
