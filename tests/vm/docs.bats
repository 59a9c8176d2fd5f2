#!/usr/bin/env bats
# The transcripts README.md and the man pages show (blocks marked
# `<!-- transcript -->` or `; transcript`) are what the commands print in
# this guest, words and layout; figures may vary (tests/transcripts).  To
# see what they print now: tests/vm/run -- tests/transcripts show README.md
# (with --as as docs_as below gives, where the guest probed the namespaces
# in another order)
load helpers

setup() { vm_setup; }
teardown() { vm_teardown; }

# The docs call the 512 B namespace /dev/nvme0n1 (/dev/ng0n1) and the 4 KiB
# one /dev/nvme1n1 (/dev/ng1n1); the guest probes them in either order.
docs_as() {
	echo --as "/dev/nvme0n1=$DMABUF_VM_NS512" --as "/dev/ng0n1=$DMABUF_VM_NS512_NG" \
		--as "/dev/nvme1n1=$DMABUF_VM_NS4K" --as "/dev/ng1n1=$DMABUF_VM_NS4K_NG"
}

@test "docs: README's and the man pages' transcripts are what the commands print" {
	local top
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	cd "$top"
	PATH=$(cd "$(dirname "$DMABUF")" && pwd):$PATH run tests/transcripts check $(docs_as) README.md man/*.scd
	[ "$status" -eq 0 ] || fail "$output"
	[[ $output == *"ok 1 "* ]] || fail "no transcript ran: $output"
}
