#!/usr/bin/env bats
# dmabuf bench on a regular file (and a loop device where one can be made):
# bad option values, the write safety rule, the JSON report under fio's
# names, exact request counts, the request log (range, alignment, seed,
# sequential wrap), the read/write mix, the data a write workload leaves, and
# the text report.  No timing assertions beyond generous sanity bounds.

load helpers

setup() { scratch_file 4M; }	# 8192 blocks of 512 bytes
teardown() { cleanup_scratch; }

# bench_bad MESSAGE ARGS...: bench on $TARGET with ARGS exits 2, and the first
# line of stderr says MESSAGE.  Parse errors never start a run.
bench_bad() {
	local msg=$1
	shift
	run -2 --separate-stderr timeout 20 "$DMABUF" bench "$TARGET" --mem memfd "$@"
	assert_stderr_first "$msg"
}

# jnum FILTER: the JSON in $output has a number at FILTER.
jnum() {
	jq -e "$1 | type == \"number\"" <<<"$output" >/dev/null ||
		fail "$1 is not a number: $(jq -c "$1" <<<"$output")"
}

# --- bad values: exit 2 and a message naming the option ---------------------

@test "--rw: an unknown mode, a mix over 100 % or on a non-mixed mode exit 2" {
	local rw
	for rw in bogus randrw:101 read:50 randread:50 randrw: randrw:abc; do
		bench_bad "--rw: '$rw' is not read, write, randread, randwrite or randrw[:READ%] (0..100)" --rw "$rw"
	done
}

@test "--runtime: 0, negative, not a number, not finite exit 2" {
	local v
	for v in 0 -1 abc 1s nan inf; do
		bench_bad "--runtime: '$v' is not a number of seconds greater than 0" --runtime "$v"
	done
}

@test "--runtime: over a million seconds exits 2 and says the limit" {
	bench_bad "--runtime: '1e7' is not a number of seconds" --runtime 1e7
	assert_stderr_first "1000000"
}

@test "--runtime under a nanosecond is a short run, not an endless one" {
	# (uint64_t)(1e-10 * 1e9) is 0, which the engine took for "no time limit"
	run -0 --separate-stderr timeout 20 "$DMABUF" --json bench "$TARGET" --mem memfd --runtime 1e-10 --qd 4
	[ "$(jq -r .total.read.total_ios <<<"$output")" -le 4 ]
}

@test "--ios: 0 and not a number exit 2" {
	bench_bad "--ios: '0' is not a count greater than 0" --ios 0
	bench_bad "--ios: 'abc' is not a count greater than 0" --ios abc
}

@test "--ramp: negative or not a number exits 2; 0 is allowed" {
	bench_bad "--ramp: '-1' is not a number of seconds" --ramp -1
	bench_bad "--ramp: 'abc' is not a number of seconds" --ramp abc
	run -0 dmabuf bench "$TARGET" --mem memfd --ramp 0 --ios 4
}

@test "--seed: not a number, or negative, exits 2" {
	bench_bad "--seed: 'abc' is not a number" --seed abc
	bench_bad "--seed: '-1' is not a number" --seed -1
}

@test "--jobs: 0 and 65 exit 2, 1 to 64 are counts" {
	bench_bad "--jobs: '0' is not a count from 1 to 64" --jobs 0
	bench_bad "--jobs: '65' is not a count from 1 to 64" --jobs 65
}

@test "--qd: 0 and 1025 exit 2" {
	bench_bad "--qd: '0' is not a count from 1 to 1024" --qd 0
	bench_bad "--qd: '1025' is not a count from 1 to 1024" --qd 1025
}

@test "--tune: an unknown mode exits 2, alone or in a list" {
	bench_bad "--tune: 'bogus' is not regring, regfile, defer, all or none" --tune bogus
	bench_bad "--tune: 'bogus' is not regring, regfile, defer, all or none" --tune regring,bogus
	bench_bad "--tune: ',' names no mode" --tune ,
}

@test "--runtime and --ios exclude each other" {
	bench_bad "--runtime and --ios exclude each other" --runtime 1 --ios 10
}

@test "--iopoll and --sqpoll exclude each other" {
	bench_bad "--iopoll and --sqpoll: pick one" --iopoll --sqpoll
}

@test "a --bs that is not a multiple of the LBA size exits 2 naming the LBA size" {
	run -2 --separate-stderr dmabuf bench "$TARGET" --mem memfd --bs 1000 --ios 1
	assert_error "--bs 1000" "not a multiple of $TARGET's LBA size (512 bytes)"
}

@test "a range smaller than one request exits 2" {
	run -2 --separate-stderr dmabuf bench "$TARGET" --mem memfd --blocks 4 --bs 4k --ios 1
	assert_stderr_first "the range of 4 blocks is smaller than one request of 8 blocks"
}

@test "memory smaller than jobs x qd x bs exits 2 saying what is needed" {
	run -2 --separate-stderr dmabuf bench "$TARGET" --mem memfd --size 4k --qd 2 --bs 4k --ios 1
	assert_stderr_first "2 requests of 4096 bytes in flight need 8192 bytes of buffer"
}

@test "a write workload refuses patterns that differ from block to block" {
	local p
	for p in lba lba:3 random:7; do
		run -2 --separate-stderr dmabuf bench "$TARGET" --mem memfd --rw randwrite --pattern "$p" --force --ios 1
		assert_error "--pattern $p differs from block to block" "zero, ones or byte:0xNN"
	done
	run -2 --separate-stderr dmabuf bench "$TARGET" --mem memfd --rw write --pattern lba --force --ios 1
	assert_error "--pattern lba differs from block to block"
	# a mix writes too
	run -2 --separate-stderr dmabuf bench "$TARGET" --mem memfd --rw randrw:90 --pattern lba --force --ios 1
	assert_error "--pattern lba differs from block to block"
}

@test "an --iolog that cannot be created exits 2 naming it" {
	run -2 --separate-stderr dmabuf bench "$TARGET" --mem memfd --ios 1 --iolog "$SCRATCH_DIR/no/such/log"
	assert_stderr_first "$SCRATCH_DIR/no/such/log"
	assert_stderr_first "No such file or directory"
}

# --- writes and --force ---------------------------------------------------------

@test "a write workload without --force is refused with exit 5, even on a file, and writes nothing" {
	local rw
	dd if=/dev/urandom of="$TARGET" bs=64k count=1 conv=notrunc status=none
	before=$(md5 "$TARGET")
	for rw in write randwrite randrw randrw:99 randrw:0; do
		run -5 --separate-stderr dmabuf bench "$TARGET" --mem memfd --rw "$rw" --ios 16
		assert_error "bench --rw $rw" "give --force"
	done
	assert_equal "$(md5 "$TARGET")" "$before"
}

@test "a write workload without --force is refused before any memory is set up" {
	# 32 x 128 MiB = 4 GiB: no buffer path registers it (exit 2 with --force);
	# the refusal comes first, with its own exit status and nothing else said
	run -2 --separate-stderr dmabuf bench "$TARGET" --mem memfd --rw randwrite --bs 128M --ios 1 --force
	assert_error "4294967296 bytes"
	run -5 --separate-stderr dmabuf -v bench "$TARGET" --mem memfd --rw randwrite --bs 128M --ios 1
	assert_error "write refused: bench --rw randwrite" "give --force"
	[[ $stderr != *memfd* ]] || fail "memory was set up before the refusal: $stderr"
	# nor a memory source that cannot be opened at all
	run -5 --separate-stderr dmabuf bench "$TARGET" --mem fd:999 --rw write --ios 1
	assert_error "write refused: bench --rw write" "give --force"
}

@test "a read workload needs no --force, and randrw:100 is one" {
	run -0 dmabuf bench "$TARGET" --mem memfd --rw read --ios 4
	run -0 --separate-stderr dmabuf --json bench "$TARGET" --mem memfd --rw randrw:100 --ios 4
	assert_equal "$(jq -r .workload.read_pct <<<"$output")" "100"
	assert_equal "$(jq -r '.workload | has("pattern")' <<<"$output")" "false"
}

@test "bench --rw write --pattern byte:0x3c --force leaves that byte over the range, nothing outside" {
	# LBA 8 + 64 blocks in 8 requests of 4 KiB: every block once
	run -0 dmabuf bench "$TARGET" --mem memfd --rw write --pattern byte:0x3c --force \
		--lba 8 --blocks 64 --bs 4k --qd 4 --ios 8
	run -0 dmabuf verify "$TARGET" --mem memfd --lba 8 --blocks 64 --read-only --pattern byte:0x3c
	run -0 cmp -i 4096:0 -n 32768 "$TARGET" <(printf '\x3c%.0s' $(seq 32768))
	run -0 cmp -n 4096 "$TARGET" /dev/zero
	run -0 cmp -i 36864:0 -n $((4096 * 1024 - 36864)) "$TARGET" /dev/zero
}

@test "the default write pattern is byte:0x5a and the JSON names it" {
	run -0 --separate-stderr dmabuf --json bench "$TARGET" --mem memfd --rw write --force \
		--blocks 8 --bs 4k --ios 1 --qd 1
	assert_equal "$(jq -r .workload.pattern <<<"$output")" "byte:0x5a"
	assert_equal "$(od -An -v -tx1 -N 4096 "$TARGET" | tr -s ' \n' '\n' | sort -u | grep .)" "5a"
}

# --- the JSON report ------------------------------------------------------------

@test "--json: workload, jobs and total are there, under fio's names, as numbers" {
	run -0 --separate-stderr dmabuf --json bench "$TARGET" --mem memfd --ios 500 --qd 8
	assert_equal "$(jq -r .command <<<"$output")" "bench"
	assert_equal "$(jq -r .result <<<"$output")" "ok"
	assert_equal "$(jq -r .workload.rw <<<"$output")" "randread"
	for f in read_pct bs qd jobs ios ramp_s seed; do jnum ".workload.$f"; done
	assert_equal "$(jq -r '[.workload.read_pct, .workload.bs, .workload.qd, .workload.jobs, .workload.ios, .workload.seed] | @tsv' <<<"$output")" \
		"$(printf '100\t4096\t8\t1\t500\t1')"
	assert_equal "$(jq -r '.jobs | length' <<<"$output")" "1"
	assert_equal "$(jq -r '.jobs[0].jobname' <<<"$output")" "job0"
	for o in '.jobs[0]' .total; do
		for d in read write; do
			for f in io_bytes bw_bytes bw iops runtime total_ios clat_ns.min clat_ns.max clat_ns.mean \
				'clat_ns.percentile["1.000000"]' 'clat_ns.percentile["50.000000"]' \
				'clat_ns.percentile["99.000000"]' 'clat_ns.percentile["99.990000"]'; do
				jnum "$o.$d.$f"
			done
		done
		for f in usr_cpu sys_cpu cpu_us_per_io retries; do jnum "$o.$f"; done
	done
	jnum .total.iops
	assert_equal "$(jq -r '.total.read.clat_ns.percentile | keys_unsorted | join(" ")' <<<"$output")" \
		"1.000000 5.000000 10.000000 20.000000 30.000000 40.000000 50.000000 60.000000 70.000000 80.000000 90.000000 95.000000 99.000000 99.500000 99.900000 99.950000 99.990000"
	# what ran was counted; the direction that did not is all zero
	[ "$(jq -r .total.read.total_ios <<<"$output")" -gt 0 ]
	jq -e '.total.read.iops > 0 and .total.read.io_bytes == 500 * 4096' <<<"$output"
	# runtime is the whole milliseconds of the time iops is over
	jq -e '.total.read | .total_ios / .iops * 1000 - .runtime | . > -1e-6 and . < 1 + 1e-6' <<<"$output" ||
		fail "runtime $(jq .total.read.runtime <<<"$output") ms disagrees with $(jq .total.read.total_ios <<<"$output") requests at $(jq .total.read.iops <<<"$output") IOPS"
	jq -e '.total.read.clat_ns.min <= .total.read.clat_ns.percentile["50.000000"] and
	       .total.read.clat_ns.percentile["50.000000"] <= .total.read.clat_ns.percentile["99.000000"] and
	       .total.read.clat_ns.percentile["99.000000"] <= .total.read.clat_ns.max' <<<"$output"
	jq -e '.total.write.total_ios == 0 and .total.write.io_bytes == 0 and .total.write.iops == 0' <<<"$output"
	# bw is KiB/s of bw_bytes
	jq -e '(.total.read.bw - (.total.read.bw_bytes / 1024 | floor)) | fabs <= 1' <<<"$output"
	# the ring modes of --tune all, as the kernel took them: booleans
	jq -e '.jobs[0].ring | [.iopoll, .sqpoll, .single_issuer, .defer_taskrun, .registered_ring_fd, .registered_file] | all(type == "boolean")' <<<"$output"
	jq -e '.jobs[0].ring.iopoll == false and .jobs[0].ring.sqpoll == false and .jobs[0].ring.registered_file == true' <<<"$output"
}

@test "--json --runtime: a timed run has runtime_s and no ios, and a runtime in ms" {
	run -0 --separate-stderr dmabuf --json bench "$TARGET" --mem memfd --runtime 0.3 --qd 4
	jq -e '.workload.runtime_s == 0.3 and (.workload | has("ios") | not)' <<<"$output"
	# the report's figures agree with each other, whatever the machine's speed
	jq -e '.total.read | .io_bytes == .total_ios * 4096 and .iops * .runtime / 1000 <= .total_ios * (1 + 1e-9) and .total_ios <= .iops * (.runtime + 1) / 1000 * (1 + 1e-9)' <<<"$output"
	jq -e '.total.read.runtime == .jobs[0].read.runtime and .total.cpu_window_ns == .jobs[0].cpu_window_ns' <<<"$output"
}

@test "--json --tune none: no registered file, no registered ring fd, no single issuer" {
	run -0 --separate-stderr dmabuf --json bench "$TARGET" --mem memfd --tune none --ios 10
	jq -e '.jobs[0].ring | .registered_file == false and .registered_ring_fd == false and
	       .single_issuer == false and .defer_taskrun == false' <<<"$output"
	run -0 --separate-stderr dmabuf --json bench "$TARGET" --mem memfd --tune regfile --ios 10
	jq -e '.jobs[0].ring | .registered_file == true and .registered_ring_fd == false' <<<"$output"
}

@test "--json: a regular file has no device counters; iommu_maps only with the iommu:map tracepoint" {
	run -0 --separate-stderr dmabuf --json bench "$TARGET" --mem memfd --ios 50
	assert_equal "$(jq -r '.total | has("device")' <<<"$output")" "false"
	if [ -e /sys/kernel/tracing/events/iommu/map ] || [ -e /sys/kernel/debug/tracing/events/iommu/map ]; then
		jnum .total.iommu_maps
		jnum .total.iommu_maps_per_io
	else
		assert_equal "$(jq -r '.total | has("iommu_maps") or has("iommu_maps_per_io")' <<<"$output")" "false"
	fi
}

@test "--json on a loop device: the device's commands and merges over the run" {
	scratch_loop 8M
	run -0 --separate-stderr dmabuf --json bench "$LOOPDEV" --mem memfd --ios 200 --qd 4
	for f in read_commands read_merges read_bytes write_commands write_merges write_bytes; do
		jnum ".total.device.$f"
	done
	# every request reached the device, as a command of its own or merged into one
	jq -e '.total.device.read_commands + .total.device.read_merges >= 200' <<<"$output"
	jq -e '.total.device.read_bytes >= 200 * 4096 and .total.device.write_commands == 0' <<<"$output"
}

@test "a failed run's JSON says error and still has the workload" {
	run -2 --separate-stderr dmabuf --json bench "$TARGET" --mem memfd --blocks 4 --bs 4k --ios 1
	assert_equal "$(jq -r .result <<<"$output")" "error"
	assert_equal "$(jq -r .workload.bs <<<"$output")" "4096"
}

@test "a failed run's JSON has no iommu_maps where the tracepoint is missing" {
	[ ! -e /sys/kernel/tracing/events/iommu/map ] && [ ! -e /sys/kernel/debug/tracing/events/iommu/map ] ||
		skip "this kernel has the iommu:map tracepoint"
	run -2 --separate-stderr dmabuf --json bench "$TARGET" --mem memfd --ios 1 --iolog "$SCRATCH_DIR/no/log"
	assert_equal "$(jq -r '.total | has("iommu_maps")' <<<"$output")" "false"
}

# --- request counts -------------------------------------------------------------

@test "--ios N issues exactly N requests, whatever the queue depth" {
	local n qd
	for n in 1 7 100 1000; do
		for qd in 1 32; do
			run -0 --separate-stderr dmabuf --json bench "$TARGET" --mem memfd --ios $n --qd $qd
			assert_equal "$(jq -r '.total.read.total_ios + .total.write.total_ios' <<<"$output")" "$n"
			assert_equal "$(jq -r '.jobs[0].read.total_ios' <<<"$output")" "$n"
		done
	done
}

@test "--ios N of randrw: reads and writes add up to N" {
	run -0 --separate-stderr dmabuf --json bench "$TARGET" --mem memfd --rw randrw --force --ios 333 --qd 8
	assert_equal "$(jq -r '.total.read.total_ios + .total.write.total_ios' <<<"$output")" "333"
	jq -e '.total.read.total_ios > 0 and .total.write.total_ios > 0' <<<"$output"
	jq -e '.total.read.io_bytes + .total.write.io_bytes == 333 * 4096' <<<"$output"
}

@test "--jobs 2 --ios N: N per job, 2N in total, each job its own ring" {
	run -0 --separate-stderr dmabuf --json bench "$TARGET" --mem memfd --jobs 2 --ios 150 --qd 4
	assert_equal "$(jq -r '.jobs | length' <<<"$output")" "2"
	assert_equal "$(jq -r '[.jobs[].jobname] | join(" ")' <<<"$output")" "job0 job1"
	assert_equal "$(jq -r '[.jobs[].read.total_ios] | join(" ")' <<<"$output")" "150 150"
	assert_equal "$(jq -r '.total.read.total_ios' <<<"$output")" "300"
	# memory: jobs x qd x bs
	assert_equal "$(jq -r '.memory.size' <<<"$output")" "$((2 * 4 * 4096))"
	# the run's window is the longest job's
	jq -e '.total.read.runtime == ([.jobs[].read.runtime] | max)' <<<"$output"
}

@test "--ramp: requests of the ramp are not counted, --ios still counts N" {
	# the log has every request, the ramp's too; a machine that stalls
	# through the whole 0.2 s ramp issues none in it: try a few runs
	for _ in 1 2 3 4 5; do
		run -0 --separate-stderr dmabuf --json bench "$TARGET" --mem memfd --ramp 0.2 --ios 64 --qd 4 \
			--iolog "$SCRATCH_DIR/log"
		assert_equal "$(jq -r .total.read.total_ios <<<"$output")" "64"
		assert_equal "$(jq -r .workload.ramp_s <<<"$output")" "0.2"
		[ "$(wc -l < "$SCRATCH_DIR/log")" -gt 64 ] && break
	done
	[ "$(wc -l < "$SCRATCH_DIR/log")" -gt 64 ] || fail "no request of the ramp logged in 5 runs"
}

# --- the request log ------------------------------------------------------------

# check_log FILE FIRST NBLOCKS REQ: every line is "LBA REQ R|W" with LBA in
# [FIRST, FIRST + NBLOCKS - REQ] and a multiple of REQ from FIRST.
check_log() {
	local why
	why=$(awk -v first="$2" -v n="$3" -v req="$4" '
		NF != 3 || $2 != req || ($3 != "R" && $3 != "W") { print "bad line " NR ": " $0; bad = 1; exit }
		$1 < first || $1 + req > first + n { print "out of range, line " NR ": " $0; bad = 1; exit }
		($1 - first) % req { print "not aligned, line " NR ": " $0; bad = 1; exit }
		END { exit bad }' "$1") || fail "$1: $why"
}

@test "--iolog: every random request lies in the range, aligned to --bs from its start" {
	run -0 dmabuf bench "$TARGET" --mem memfd --lba 3 --blocks 1000 --bs 4k --ios 2000 --qd 8 \
		--iolog "$SCRATCH_DIR/log"
	assert_equal "$(wc -l < "$SCRATCH_DIR/log")" "2000"
	check_log "$SCRATCH_DIR/log" 3 1000 8
	# 125 places of 8 blocks in 1000: a uniform pick of 2000 reaches most of them
	[ "$(cut -d' ' -f1 "$SCRATCH_DIR/log" | sort -u | wc -l)" -gt 100 ]
	# the first and the last whole place, LBA 3 + 124 * 8, among them
	grep -q "^3 8 R$" "$SCRATCH_DIR/log"
	grep -q "^995 8 R$" "$SCRATCH_DIR/log"
}

@test "--iolog: the same --seed gives the same requests, another seed others" {
	local s
	for s in 1a 1b 2; do
		run -0 dmabuf bench "$TARGET" --mem memfd --blocks 4096 --bs 4k --ios 500 --qd 1 \
			--seed "${s%[ab]}" --iolog "$SCRATCH_DIR/log.$s"
	done
	run -0 cmp "$SCRATCH_DIR/log.1a" "$SCRATCH_DIR/log.1b"
	run -1 cmp -s "$SCRATCH_DIR/log.1a" "$SCRATCH_DIR/log.2"
	# the default seed is 1
	run -0 dmabuf bench "$TARGET" --mem memfd --blocks 4096 --bs 4k --ios 500 --qd 1 --iolog "$SCRATCH_DIR/log.d"
	run -0 cmp "$SCRATCH_DIR/log.1a" "$SCRATCH_DIR/log.d"
}

@test "--iolog with --jobs: one log per job, job J seeded with seed + J" {
	run -0 dmabuf bench "$TARGET" --mem memfd --jobs 2 --ios 300 --qd 1 --seed 5 --iolog "$SCRATCH_DIR/log"
	[ ! -e "$SCRATCH_DIR/log" ]
	assert_equal "$(wc -l < "$SCRATCH_DIR/log.0")" "300"
	assert_equal "$(wc -l < "$SCRATCH_DIR/log.1")" "300"
	run -1 cmp -s "$SCRATCH_DIR/log.0" "$SCRATCH_DIR/log.1"
	# job 1 of seed 5 is job 0 of seed 6
	run -0 dmabuf bench "$TARGET" --mem memfd --ios 300 --qd 1 --seed 6 --iolog "$SCRATCH_DIR/log6"
	run -0 cmp "$SCRATCH_DIR/log.1" "$SCRATCH_DIR/log6"
}

@test "--iolog of --rw read: consecutive requests that wrap at the end of the range" {
	# 44 blocks hold 5 whole requests of 8 (0 8 16 24 32); 40..43 is never read
	run -0 dmabuf bench "$TARGET" --mem memfd --rw read --blocks 44 --bs 4k --ios 12 --qd 3 \
		--iolog "$SCRATCH_DIR/log"
	assert_equal "$(cut -d' ' -f1 "$SCRATCH_DIR/log" | tr '\n' ' ')" "0 8 16 24 32 0 8 16 24 32 0 8 "
	check_log "$SCRATCH_DIR/log" 0 44 8
	# from --lba on
	run -0 dmabuf bench "$TARGET" --mem memfd --rw read --lba 100 --blocks 16 --bs 4k --ios 5 --qd 1 \
		--iolog "$SCRATCH_DIR/log"
	assert_equal "$(cut -d' ' -f1 "$SCRATCH_DIR/log" | tr '\n' ' ')" "100 108 100 108 100 "
}

@test "--iolog of --rw write: sequential writes marked W" {
	run -0 dmabuf bench "$TARGET" --mem memfd --rw write --force --blocks 64 --bs 8k --ios 6 --qd 2 \
		--iolog "$SCRATCH_DIR/log"
	assert_equal "$(tr '\n' ';' < "$SCRATCH_DIR/log")" "0 16 W;16 16 W;32 16 W;48 16 W;0 16 W;16 16 W;"
}

@test "randrw:70 mixes about 70 % reads, the same count for the same seed" {
	local reads=() run_no
	for run_no in 1 2; do
		run -0 --separate-stderr dmabuf --json bench "$TARGET" --mem memfd --rw randrw:70 --force \
			--blocks 4096 --bs 4k --ios 2000 --qd 1 --iolog "$SCRATCH_DIR/log.$run_no"
		assert_equal "$(jq -r '.total.read.total_ios + .total.write.total_ios' <<<"$output")" "2000"
		assert_equal "$(jq -r .workload.read_pct <<<"$output")" "70"
		reads+=("$(jq -r .total.read.total_ios <<<"$output")")
		# the log agrees with the report
		assert_equal "$(grep -c ' R$' "$SCRATCH_DIR/log.$run_no")" "${reads[-1]}"
	done
	assert_equal "${reads[0]}" "${reads[1]}"
	# 70 % of 2000 is 1400; the binomial spread is about 20, allow 1250..1550
	[ "${reads[0]}" -ge 1250 ] && [ "${reads[0]}" -le 1550 ] || fail "${reads[0]} reads of 2000"
}

@test "randrw:0 only writes, randrw:100 only reads" {
	run -0 --separate-stderr dmabuf --json bench "$TARGET" --mem memfd --rw randrw:0 --force --ios 50
	jq -e '.total.write.total_ios == 50 and .total.read.total_ios == 0' <<<"$output"
	run -0 --separate-stderr dmabuf --json bench "$TARGET" --mem memfd --rw randrw:100 --ios 50
	jq -e '.total.read.total_ios == 50 and .total.write.total_ios == 0' <<<"$output"
}

# --- time and text --------------------------------------------------------------

@test "--runtime 1: a timed run that ends by itself; its figures agree" {
	# timeout only bounds a hang
	run -0 --separate-stderr timeout 120 "$DMABUF" --json bench "$TARGET" --mem memfd --runtime 1 --qd 4
	json_keep "$output"
	jq -e '.workload.runtime_s == 1 and (.workload | has("ios") | not)' <<<"$output"
	# the report's figures agree with each other, whatever the machine's speed
	jq -e '.total.read | .io_bytes == .total_ios * 4096 and .iops * .runtime / 1000 <= .total_ios * (1 + 1e-9) and .total_ios <= .iops * (.runtime + 1) / 1000 * (1 + 1e-9)' <<<"$output"
	jq -e '.total.read.runtime == .jobs[0].read.runtime and .total.cpu_window_ns == .jobs[0].cpu_window_ns' <<<"$output"
}

@test "the text report has the read line and, stderr not being a terminal, no progress line" {
	run -0 --separate-stderr dmabuf bench "$TARGET" --mem memfd --ios 300 --qd 4
	assert_line --index 0 --partial "$TARGET: file, 512-byte LBAs, LBA 0+8192; memory memfd"
	assert_line --index 1 "randread: bs=4096 qd=4 jobs=1 seed=1"
	assert_line --regexp '^  read : IOPS=[0-9]+, BW=.*, 300 requests in [0-9.]+ s$'
	assert_line --regexp '^         clat \(us\): min=[0-9.]+ p50=[0-9.]+ .* max=[0-9.]+$'
	assert_line --regexp '^  cpu  : usr=[0-9.]+% sys=[0-9.]+%, [0-9.]+ us per request$'
	refute_line --partial "write:"
	[[ $stderr != *ETA* && $stderr != *"IOPS so far"* ]] || fail "progress on a non-terminal stderr: $stderr"
	[ -z "$stderr" ] || fail "stderr: $stderr"
}

@test "the text report of a mix has a read and a write line" {
	run -0 --separate-stderr dmabuf bench "$TARGET" --mem memfd --rw randrw:50 --force --ios 200
	assert_line --index 1 "randrw:50: bs=4096 qd=32 jobs=1 seed=1"
	assert_line --regexp '^  read : IOPS='
	assert_line --regexp '^  write: IOPS='
}

@test "a failed run's text report says the request size asked for, not bs=0" {
	run -2 --separate-stderr dmabuf bench "$TARGET" --mem memfd --blocks 4 --bs 4k --ios 1
	assert_line --index 1 "randread: bs=4096 qd=32 jobs=1 seed=1"
}

# --- CPU time: of the measured window -------------------------------------------------------

@test "a job's CPU time leaves the ramp out: one thread is never over 100 %" {
	run -0 --separate-stderr dmabuf --json bench "$TARGET" --mem memfd --ramp 2 --runtime 0.5 --qd 1
	# getrusage() counts in whole microseconds: two samples can read up to
	# 2 us more than the 0.5 s window (0.0004 %); the ramp would add 400 %
	jq -e '.jobs[0].usr_cpu + .jobs[0].sys_cpu <= 100.01' <<<"$output" ||
		fail "job0 used $(jq '.jobs[0].usr_cpu + .jobs[0].sys_cpu' <<<"$output") % of one CPU"
}

@test "the run's CPU percentages are over the union of the jobs' windows, not the progress poll" {
	run -0 --separate-stderr dmabuf --json bench "$TARGET" --mem memfd --ios 2000 --qd 1 --jobs 2
	# each job counted over a window of its own; the run's starts with the
	# first and ends with the last (not at the watcher's next wake-up)
	jq -e '[.jobs[].cpu_window_ns] as $w
		| ($w | all(.[0] < .[1]))
		and .total.cpu_window_ns == [([$w[][0]] | min), ([$w[][1]] | max)]
		and .total.cpu_window_ns[0] == 0' <<<"$output" ||
		fail "windows: total $(jq -c .total.cpu_window_ns <<<"$output"), jobs $(jq -c '[.jobs[].cpu_window_ns]' <<<"$output")"
	# the shares and the per-request figure come from the same counts
	# (usr + sys) % of the window is the CPU time, over the requests:
	# cpu_us_per_io (a job's few ms can read 0 CPU: the kernel's ticks)
	jq -e 'def agrees: (.read.total_ios + .write.total_ios) as $ios
			| (.cpu_window_ns[1] - .cpu_window_ns[0]) as $ns
			| $ios > 0 and $ns > 0 and
			  ((.usr_cpu + .sys_cpu) / 100 * $ns / 1000 / $ios - .cpu_us_per_io | fabs)
			  <= 1e-9 * .cpu_us_per_io + 1e-12;
		(.total | agrees) and (.jobs | all(agrees))' <<<"$output" ||
		fail "CPU shares and cpu_us_per_io disagree: $(jq -c '[.total, .jobs[]] | map({usr_cpu, sys_cpu, cpu_us_per_io, cpu_window_ns})' <<<"$output")"
}

@test "on a terminal, stderr has the live progress line (elapsed, IOPS so far, ETA) and it is cleared" {
	# script(1) gives the command a pseudo-terminal; stdout and stderr both land in the log
	run -0 script -qfec "$DMABUF bench $TARGET --mem memfd --qd 4 --runtime 2.5" "$SCRATCH_DIR/tty.log"
	run -0 cat "$SCRATCH_DIR/tty.log"
	assert_output --regexp 'bench: +[0-9]+ s elapsed, +[0-9]+ IOPS so far, ETA +[0-9]+ s'
	assert_output --partial $'\r\033[K'
	assert_output --regexp 'read : IOPS=[0-9]+'
	# --json wants no progress, terminal or not
	run -0 script -qfec "$DMABUF --json bench $TARGET --mem memfd --qd 4 --runtime 1.5" "$SCRATCH_DIR/tty2.log"
	run -0 cat "$SCRATCH_DIR/tty2.log"
	refute_output --partial "IOPS so far"
}
