#!/usr/bin/env bats
# tests/vm/console-check, the check tests/vm/run makes of every guest's
# console, on consoles of real debug-kernel boots (tests/harness/fixtures/console/,
# cut from boots of this tree): what fails a boot, what is accepted, and that
# a failure shows the whole first report wherever it is in the console.

load helpers

CHECK=$BATS_TEST_DIRNAME/../vm/console-check
CONSOLES=$BATS_TEST_DIRNAME/fixtures/console

# check [OPTIONS] NAME: console-check on fixture NAME.log; stdout and stderr
# apart ($output, $stderr).
check() {
	local name=${*: -1}
	run --separate-stderr "$CHECK" "${@:1:$#-1}" "$CONSOLES/$name.log" "$BATS_TEST_TMPDIR/checked"
}

# console NAME LINES...: a made-up console, written to $BATS_TEST_TMPDIR/NAME.log
console() {
	local name=$1
	shift
	printf '%s\n' "$@" > "$BATS_TEST_TMPDIR/$name.log"
}

@test "an early-boot KASAN report fails the check and is shown whole, though 180 console lines follow it" {
	check kasan-early
	assert_failure 1
	assert_output 0
	[[ $stderr == *"kernel problems in the guest console:"* ]]
	[[ $stderr == *"BUG: KASAN: wild-memory-access in do_raw_spin_lock+0x130/0x1de"* ]]
	# the report from its opening line of "=" to its closing one: the
	# access, the IRQ stack, the interrupted start_kernel
	[[ $stderr == *"lines 13-) ----"* ]]
	[[ $stderr == *"Write of size 4 at addr ff1100000016a8a8 by task swapper/0/0"* ]]
	[[ $stderr == *"handle_edge_irq+0x2d/0x2a0"* ]]
	[[ $stderr == *"start_kernel+0x2de/0x333"* ]]
	[[ $stderr == *"common_startup_64+0x13b/0x148"* ]]
	# and nothing after its end
	[[ $stderr != *"Disabling lock debugging"* ]]
	[[ $stderr != *"Run /init as init process"* ]]
}

@test "the report a failure shows is the first problem's, not the last 60 lines" {
	# the line tests/vm/run used to end on: the console's last 60 lines
	# hold none of the report
	run ! grep -q 'do_raw_spin_lock' <(tail -n 60 "$CONSOLES/kasan-early.log")
	check kasan-early
	assert_failure 1
	[ "$(grep -c 'do_raw_spin_lock' <<< "$stderr")" -ge 3 ]
}

@test "a dma-debug overlap report fails a boot that did not ask for it, and is shown from cut here to end trace" {
	check overlap
	assert_failure 1
	[[ $stderr == *"WARNING: CPU: 0 PID: 524 at kernel/dma/debug.c:601 add_dma_entry+0x37c/0x3ba"* ]]
	[[ $stderr == *"------------[ cut here ]------------"* ]]
	[[ $stderr == *"blk_dmabuf_lower_map+0x15c/0x359"* ]]
	[[ $stderr == *"---[ end trace 0000000000000000 ]---"* ]]
	[[ $stderr != *"DMA-API: Mapped at:"* ]]
}

@test "--accept-dma-overlap accepts that report: one accepted, only its WARNING line dropped" {
	check --accept-dma-overlap overlap
	assert_success
	assert_output 1
	[ -z "$stderr" ]
	[ "$(wc -l < "$BATS_TEST_TMPDIR/checked")" = $(($(wc -l < "$CONSOLES/overlap.log") - 1)) ]
	run ! grep -q 'WARNING:' "$BATS_TEST_TMPDIR/checked"
	grep -q 'cacheline tracking EEXIST' "$BATS_TEST_TMPDIR/checked"
}

@test "a KASAN line inside an accepted report still fails the boot" {
	sed '/system_heap_map_dma_buf/a [  194.742100] BUG: KASAN: slab-use-after-free in __map_dma_buf+0x10/0x1ac' \
		"$CONSOLES/overlap.log" > "$BATS_TEST_TMPDIR/overlap-kasan.log"
	run --separate-stderr "$CHECK" --accept-dma-overlap "$BATS_TEST_TMPDIR/overlap-kasan.log" "$BATS_TEST_TMPDIR/checked"
	assert_failure 1
	assert_output 1
	[[ $stderr == *"  [  194.742100] BUG: KASAN: slab-use-after-free"* ]]
}

@test "an overlap report from another stack is not accepted" {
	sed 's/blk_dmabuf_lower_map/blk_other_map/' "$CONSOLES/overlap.log" > "$BATS_TEST_TMPDIR/other.log"
	run --separate-stderr "$CHECK" --accept-dma-overlap "$BATS_TEST_TMPDIR/other.log" "$BATS_TEST_TMPDIR/checked"
	assert_failure 1
	assert_output 0
}

@test "the mover's alias report: accepted with --accept-dma-alias only" {
	check --accept-dma-alias alias
	assert_success
	assert_output 1
	check --accept-dma-overlap alias
	assert_failure 1
	assert_output 0
	[[ $stderr == *"DMA-API: exceeded 7 overlapping mappings of cacheline 0x000000000026e800"* ]]
	sed 's/mover_map/udmabuf_map/' "$CONSOLES/alias.log" > "$BATS_TEST_TMPDIR/udmabuf.log"
	run --separate-stderr "$CHECK" --accept-dma-alias "$BATS_TEST_TMPDIR/udmabuf.log" "$BATS_TEST_TMPDIR/checked"
	assert_failure 1
}

@test "more dma-debug errors counted than printed fails, naming both counts" {
	check --accept-dma-overlap --dma-errors-counted 1 overlap
	assert_success
	check --accept-dma-overlap --dma-errors-counted 2 overlap
	assert_failure 1
	[[ $stderr == *"dma-debug counted 2 errors but printed 1"* ]]
}

@test "each kind of kernel report fails the check, shown from its first line" {
	local line
	for line in 'WARNING: CPU: 1 PID: 7 at fs/iomap/direct-io.c:10 iomap_dio_bio_iter+0x1/0x2' \
		'WARNING: possible circular locking dependency detected' \
		'INFO: task kworker/0:1:12 blocked for more than 120 seconds.' \
		'Oops: general protection fault, probably for non-canonical address 0xdead: 0000 [#1] SMP KASAN' \
		'BUG: kernel NULL pointer dereference, address: 0000000000000008' \
		'Kernel panic - not syncing: Fatal exception'; do
		console made-up '[    1.0] nvme nvme0: 2/0/2 default/read/poll queues' "[    2.0] $line" '[    3.0]  dump_stack_lvl+0x69/0x90'
		run --separate-stderr "$CHECK" "$BATS_TEST_TMPDIR/made-up.log" "$BATS_TEST_TMPDIR/checked"
		assert_failure 1
		[[ $stderr == *"(${BATS_TEST_TMPDIR}/checked, lines 2-) ----"$'\n'"[    2.0] $line"$'\n'"[    3.0]  dump_stack_lvl"* ]]
	done
}

@test "a clean console passes, and the checked copy is the console" {
	console clean '[    1.0] nvme nvme0: 2/0/2 default/read/poll queues' 'vm-init: running the command'
	run --separate-stderr "$CHECK" "$BATS_TEST_TMPDIR/clean.log" "$BATS_TEST_TMPDIR/checked"
	assert_success
	assert_output 0
	cmp "$BATS_TEST_TMPDIR/clean.log" "$BATS_TEST_TMPDIR/checked"
}

@test "bad usage is exit 2 with the usage line, and no console checked" {
	run --separate-stderr "$CHECK" "$CONSOLES/overlap.log"
	assert_failure 2
	[[ $stderr == *"Usage: tests/vm/console-check"* ]]
	run --separate-stderr "$CHECK" --dma-errors-counted x "$CONSOLES/overlap.log" "$BATS_TEST_TMPDIR/checked"
	assert_failure 2
	run --separate-stderr "$CHECK" "$BATS_TEST_TMPDIR/none.log" "$BATS_TEST_TMPDIR/checked"
	assert_failure 2
	[[ $stderr == *"none.log: cannot read"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/checked" ]
}

@test "a console with thousands of problem lines: 20 of them listed, the first report shown, exit 1" {
	# grep | head once ended the check with SIGPIPE (exit 141) here, before
	# the first report and the dma-debug count
	local i
	for i in $(seq 3000); do echo "[ $i.0] WARNING: CPU: 0 PID: $i at mm/slub.c:1 x+0x1/0x2"; done > "$BATS_TEST_TMPDIR/noisy.log"
	run --separate-stderr "$CHECK" --dma-errors-counted 5 "$BATS_TEST_TMPDIR/noisy.log" "$BATS_TEST_TMPDIR/checked"
	assert_failure 1
	[ "$(grep -c '^  \[ [0-9]*\.0\] WARNING' <<<"$stderr")" = 20 ]
	[[ $stderr == *"---- the first report ("* ]]
	[[ $stderr == *"dma-debug counted 5 errors but printed 0"* ]]
}
