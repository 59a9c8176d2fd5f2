#!/usr/bin/env bats
# The dmabuf token uAPI of kernel-patches/, tested by tests/kernel/token-uapi
# (raw io_uring_register calls, nothing of lib/), one bats test per case.
# Each case prints its own checks; a failing one shows them all.
load helpers

setup() { vm_setup; }
teardown() { vm_teardown; }

@test "token uAPI: a udmabuf registers as a token and is released on unregistration" { ktest register-udmabuf; }
@test "token uAPI: a system-heap dma-buf registers as a token" { ktest register-heap; }
@test "token uAPI: a vgem dma-buf registers as a token" { ktest register-vgem; }
@test "token uAPI: malformed descriptors, and wrong files get their errno" { ktest errors; }
@test "token uAPI: a dma-buf over 1 GiB registers, and I/O past its first GiB moves the right bytes (block device and passthrough)" { ktest over-1g; }
@test "token uAPI: one dma-buf on two controllers registers twice when nothing is bounced; one namespace's block and char device share one attachment" { ktest bounce-siblings; }
@test "token uAPI: udmabuf I/O at many offsets and lengths matches the pages path" { ktest io-udmabuf; }
@test "token uAPI: heap I/O at many offsets and lengths matches the pages path" { ktest io-heap; }
@test "token uAPI: vgem I/O at many offsets and lengths matches the pages path" { ktest io-vgem; }
@test "token uAPI: udmabuf reads stay correct while the trigger invalidates" { ktest invalidate-udmabuf; }
@test "token uAPI: heap reads stay correct while the trigger invalidates" { ktest invalidate-heap; }
@test "token uAPI: vgem reads stay correct while the trigger invalidates" { ktest invalidate-vgem; }
@test "token uAPI: reads from the moving exporter stay correct while the trigger invalidates (a mapping per invalidation)" { ktest invalidate-mover; }
@test "token uAPI: replacing and emptying a slot with requests in flight" { ktest unregister-inflight; }
@test "token uAPI: ring, dma-buf and target closed in every order with I/O in flight" { ktest close-orders; }
@test "token uAPI: 5000 reads use the one mapping made at registration" { ktest mapped-once; }
@test "token uAPI: reads that continue each other in the buffer merge; reversed ones do not, all land right" { ktest merge; }
@test "token uAPI: udmabuf token reads and writes are the CPU's bytes, and unmapping writes nothing back" { ktest cpu-view-udmabuf; }
@test "token uAPI: vgem token reads and writes are the CPU's bytes, and unmapping writes nothing back" { ktest cpu-view-vgem; }
@test "token uAPI: heap token reads and writes are the CPU's bytes, and unmapping writes nothing back" { ktest cpu-view-heap; }
@test "token uAPI: moving-exporter token reads and writes are the CPU's bytes, and no unmap writes anything back" { ktest cpu-view-mover; }
@test "token uAPI: a read waiting behind a poll holds no mapping and maps afresh when issued" { ktest fence-link; }
@test "token uAPI: reads done but not reaped (DEFER_TASKRUN) hold no mapping" { ktest fence-unreaped; }
@test "token uAPI: two invalidations of mappings in use leave two fences, neither replacing the other" { ktest fence-contexts; }
@test "token uAPI: the host-tier unit tests of the 'no uAPI' answers skip on this kernel, the rest pass" {
	run build/tests/unit/test-token	# cmocka's summary goes to stderr
	echo "$output"
	assert_success
	assert_output --partial "[  SKIPPED ] 4 test(s)"
	assert_output --partial "# skip: this kernel has the dmabuf token uAPI"
}
@test "token uAPI: the moving test exporter keeps bytes across moves, refuses bad moves and pinned buffers" { ktest mover-basics; }
@test "token uAPI: reads and writes while the exporter really moves the buffer: every byte, no late DMA" { ktest mover-token; }
@test "token uAPI: a mapping in use holds off a move until its fence signals; unregistration waits for the move" { ktest mover-in-use; }
@test "token uAPI: a read behind a poll and unreaped reads do not stall the exporter's move" { ktest mover-stall; }
@test "token uAPI: a move that skips the fence wait is caught as DMA into pages given up" { ktest mover-late; }
@test "token uAPI: a read waiting to map behind an exporter's move is cancelled at once, not after the move" { ktest map-cancel; }
@test "token uAPI: a registration waiting behind an exporter's move holds up no other registration" { ktest register-stall; }
@test "token uAPI: a buffer of 512-byte sg entries takes 1 MiB reads and writes at offsets inside a piece" { ktest sgl-pieces; }
@test "token uAPI: bios failed by fail_make_request fail their requests, leave the buffer and give the mapping back" { ktest fail-bios; }
@test "token uAPI: token reads on an IOPOLL ring are polled, as pages reads are: no I/O queue interrupt" { ktest iopoll; }
@test "token uAPI: a controller reset under token reads keeps every byte and the registration" { ktest reset; }
@test "token uAPI: lost completions (fail_io_timeout) end in abort, reset and retry: no hang, no mapping left" { ktest io-timeout; }
@test "token uAPI: NVMe passthrough from udmabuf tokens on every namespace (metadata from user memory), no mapping per command" { ktest passthru-udmabuf; }
@test "token uAPI: NVMe passthrough from heap tokens on every namespace" { ktest passthru-heap; }
@test "token uAPI: NVMe passthrough from vgem tokens on every namespace" { ktest passthru-vgem; }
@test "token uAPI: passthrough refuses another file, ranges outside the dma-buf, misalignment and commands over one request" { ktest passthru-errors; }
@test "token uAPI: passthrough reads under trigger invalidations and real moves: every byte, no late DMA" { ktest passthru-invalidate; }
@test "token uAPI: a passthrough write reissued after -EAGAIN runs its own command, not what the application put in the SQ slot since" { ktest passthru-reissue; }
@test "token uAPI: a passthrough read's metadata lands in fresh user memory, not in the shared zero page" { ktest passthru-meta-fresh; }
@test "token uAPI: udmabuf tokens on dm-linear devices (one namespace, two controllers) land where the table says, no mapping after registration" { ktest dm-linear-udmabuf; }
@test "token uAPI: heap tokens on dm-linear devices land where the table says" { ktest dm-linear-heap; }
@test "token uAPI: vgem tokens on dm-linear devices land where the table says" { ktest dm-linear-vgem; }
@test "token uAPI: dm table reloads under token reads: every byte right, new I/O on the new table; striped and error tables refused" { ktest dm-reload; }
# Last in this file: it removes the 512 B controller, and its names may change on rescan.
@test "token uAPI: removing the controller's PCI device with a token live unmaps and detaches it then" {
	ktest remove
	pci_rescan DMABUF0001
}
