#!/usr/bin/env bats
# dmabuf bench on the emulated NVMe namespaces: the workload does what it
# says (range, alignment, seed, runtime, jobs, data), on every path and
# engine, with the io_uring modes.  Figures are never asserted: only counts.
load helpers

setup() { vm_setup; }
teardown() { vm_teardown; }

# bench_ok DEV ARGS...: dmabuf --json bench succeeds; $json holds the report.
bench_ok() {
	local dev=$1
	shift
	run -0 --separate-stderr dmabuf --json bench "$dev" "$@"
	json=$output
	assert_equal "$(jq -r .result <<<"$json")" ok
}

@test "bench: random offsets stay in the range, aligned to --bs, and the device read exactly them" {
	bench_ok "$DMABUF_VM_NS4K" --mem udmabuf --rw randread --bs 16k --qd 8 --lba 1000 \
		--blocks 4096 --ios 1500 --iolog "$SCRATCH_DIR/log"
	assert_equal "$(wc -l < "$SCRATCH_DIR/log")" 1500
	run -0 awk '$1 < 1000 || $1 + $2 > 5096 || ($1 - 1000) % 4 || $2 != 4 || $3 != "R"' \
		"$SCRATCH_DIR/log"
	assert_output ""
	# spread over the range: many distinct places, both halves
	assert [ "$(cut -d' ' -f1 "$SCRATCH_DIR/log" | sort -u | wc -l)" -gt 600 ]
	assert [ "$(awk '$1 < 3048' "$SCRATCH_DIR/log" | wc -l)" -gt 600 ]
	assert [ "$(awk '$1 >= 3048' "$SCRATCH_DIR/log" | wc -l)" -gt 600 ]
	assert_equal "$(jq .total.read.total_ios <<<"$json")" 1500
	assert_equal "$(jq .total.device.read_bytes <<<"$json")" $((1500 * 16384))
	assert_equal "$(jq .total.device.write_commands <<<"$json")" 0
	assert_equal "$(jq -r .path <<<"$json")" token
}

@test "bench: the same --seed gives the same requests, another seed others" {
	for s in 7 7 8; do
		bench_ok "$DMABUF_VM_NS512" --mem heap --rw randrw:60 --qd 4 --ios 500 \
			--blocks 100000 --seed $s --iolog "$SCRATCH_DIR/log.$s.$((n++))" --force
	done
	run -0 cmp "$SCRATCH_DIR/log.7.0" "$SCRATCH_DIR/log.7.1"
	run -1 cmp -s "$SCRATCH_DIR/log.7.0" "$SCRATCH_DIR/log.8.2"
	reads=$(grep -c ' R$' "$SCRATCH_DIR/log.7.0")
	assert [ "$reads" -gt 250 ] && assert [ "$reads" -lt 350 ]
}

@test "bench: --runtime is a timed run that ends by itself; its window and its counts agree" {
	bench_ok "$DMABUF_VM_NS4K" --mem udmabuf --rw randread --runtime 2 --ramp 0.5
	# how long the window was and how much fit in it is the machine's;
	# what the report says about them is the tool's
	jq -e '.workload.runtime_s == 2 and .workload.ramp_s == 0.5 and (.workload | has("ios") | not)' \
		<<<"$json"
	# one job: the run's window is the job's
	jq -e '.total.read.runtime == .jobs[0].read.runtime and
		.total.read.total_ios == .jobs[0].read.total_ios and
		.total.cpu_window_ns == .jobs[0].cpu_window_ns' <<<"$json"
	# runtime is the window in whole ms, iops the count over the window in ns
	jq -e '.total.read | .io_bytes == .total_ios * 4096 and
		.iops * .runtime / 1000 <= .total_ios * (1 + 1e-9) and
		.total_ios <= .iops * (.runtime + 1) / 1000 * (1 + 1e-9)' <<<"$json"
	# every request counted reached the device, on its own or merged (the
	# ramp's last ones may add to the device's counts, never take away)
	jq -e '.total.device.read_commands + .total.device.read_merges >= .total.read.total_ios and
		.total.device.read_bytes >= .total.read.io_bytes' <<<"$json"
}

@test "bench: --jobs 2 runs two rings and sums them" {
	bench_ok "$DMABUF_VM_NS4K" --mem udmabuf --jobs 2 --qd 8 --ios 700
	assert_equal "$(jq '.jobs | length' <<<"$json")" 2
	assert_equal "$(jq '.jobs[0].read.total_ios' <<<"$json")" 700
	assert_equal "$(jq '.jobs[1].read.total_ios' <<<"$json")" 700
	assert_equal "$(jq '.total.read.total_ios' <<<"$json")" 1400
	assert_equal "$(jq '.total.read.io_bytes' <<<"$json")" $((1400 * 4096))
	# both jobs' rings carry the same (shared) token
	assert_equal "$(jq -r .path <<<"$json")" token
}

@test "bench: data written by --rw write reads back as its pattern, on every path and engine" {
	for row in "udmabuf rw token" "udmabuf rw pages" "udmabuf rw bounce" "heap rw bounce" \
		   "udmabuf passthru token" "memfd passthru pages" "heap passthru bounce"; do
		read -r src eng path <<<"$row"
		dev=$(dev_for NS4K "$eng")
		# sequential, whole requests: 512 blocks / 4 per request, each written once
		bench_ok "$dev" --mem "$src" --path "$path" --rw write --bs 16k --qd 4 --lba 512 \
			--blocks 512 --ios 128 --pattern byte:0x3c --force
		assert_equal "$(jq -r .path <<<"$json")" "$path"
		verify_ok udmabuf "$DMABUF_VM_NS4K" --read-only --lba 512 --blocks 512 --pattern byte:0x3c
		# back to zeros, so the next row cannot pass on this row's data
		bench_ok "$dev" --mem "$src" --path "$path" --rw write --bs 16k --qd 4 --lba 512 \
			--blocks 512 --ios 128 --pattern zero --force
	done
}

@test "bench: every path x engine reads, with the figures fio's readers expect" {
	for row in "udmabuf rw token" "udmabuf rw pages" "udmabuf rw bounce" "heap rw token" \
		   "memfd rw pages" "udmabuf passthru token" "udmabuf passthru pages" \
		   "heap passthru bounce"; do
		read -r src eng path <<<"$row"
		bench_ok "$(dev_for NS512 "$eng")" --mem "$src" --path "$path" --ios 500 --qd 16
		assert_equal "$(jq -r .path <<<"$json")" "$path"
		assert_equal "$(jq -r .target.engine <<<"$json")" "$eng"
		assert_equal "$(jq .total.read.total_ios <<<"$json")" 500
		for k in iops bw_bytes bw runtime io_bytes; do
			assert [ "$(jq ".total.read.$k | type" <<<"$json")" = '"number"' ]
		done
		# the figures are the machine's; how they relate is not
		jq -e '.total.read.clat_ns | .min <= .percentile["50.000000"] and
			.percentile["50.000000"] <= .percentile["99.000000"] and
			.percentile["99.000000"] <= .max and .min <= .mean and .mean <= .max' <<<"$json"
		# CPU per request and the CPU shares come from the same counts over the window
		jq -e '.total | ((.usr_cpu + .sys_cpu) / 100 * (.cpu_window_ns[1] - .cpu_window_ns[0])
			/ 1e3 / .read.total_ios - .cpu_us_per_io | fabs) <= 1e-6 * (1 + .cpu_us_per_io)' \
			<<<"$json"
	done
}

@test "bench: sequential 4 KiB reads merge on the pages and the token path alike" {
	for path in pages token; do
		bench_ok "$DMABUF_VM_NS4K" --mem udmabuf --path $path --rw read --qd 32 --ios 2048 \
			--blocks 2048
		merges=$(jq .total.device.read_merges <<<"$json")
		cmds=$(jq .total.device.read_commands <<<"$json")
		assert_equal "$(( merges + cmds ))" 2048
		assert [ "$merges" -gt 0 ]
		assert_equal "$(jq .total.device.read_bytes <<<"$json")" $((2048 * 4096))
	done
}

@test "bench: --iopoll polls on the poll queues, block device and passthrough" {
	for eng in rw passthru; do
		bench_ok "$(dev_for NS4K $eng)" --mem udmabuf --iopoll --ios 1000 --qd 8
		assert_equal "$(jq .jobs[0].ring.iopoll <<<"$json")" true
		assert_equal "$(jq .total.read.total_ios <<<"$json")" 1000
	done
}

@test "bench: --sqpoll and --tune none run too, and say which ring modes were used" {
	bench_ok "$DMABUF_VM_NS4K" --mem udmabuf --sqpoll --ios 1000
	assert_equal "$(jq .jobs[0].ring.sqpoll <<<"$json")" true
	assert_equal "$(jq .jobs[0].ring.defer_taskrun <<<"$json")" false
	bench_ok "$DMABUF_VM_NS4K" --mem udmabuf --tune none --ios 1000
	assert_equal "$(jq -c '.jobs[0].ring | [.registered_ring_fd, .registered_file, .defer_taskrun]' <<<"$json")" \
		'[false,false,false]'
	bench_ok "$DMABUF_VM_NS4K" --mem udmabuf --ios 1000
	assert_equal "$(jq -c '.jobs[0].ring | [.registered_ring_fd, .registered_file, .defer_taskrun]' <<<"$json")" \
		'[true,true,true]'
}

@test "bench: a write workload without --force is refused before any write" {
	before=$(awk '{print $5}' "/sys/class/block/$(basename "$DMABUF_VM_NS4K")/stat")
	run -5 --separate-stderr dmabuf bench "$DMABUF_VM_NS4K" --mem udmabuf --rw randwrite --ios 10

	[[ "$stderr" == *"give --force"* ]]
	assert_equal "$(awk '{print $5}' "/sys/class/block/$(basename "$DMABUF_VM_NS4K")/stat")" "$before"
}

@test "read, write and verify report device commands beside requests" {
	run -0 --separate-stderr dmabuf --json read "$DMABUF_VM_NS4K" --mem udmabuf --path pages \
		--length 4M --bs 4k --qd 32
	reqs=$(jq .io.ios <<<"$output")
	cmds=$(jq .device.read_commands <<<"$output")
	merges=$(jq .device.read_merges <<<"$output")
	assert_equal "$reqs" 1024
	assert_equal "$(( cmds + merges ))" 1024
}
