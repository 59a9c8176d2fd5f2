#!/usr/bin/env bats
# The transcripts of this tier's guest (a PCIe switch, the emulated IOMMU)
# that README.md and dmabuf-check(1) show: `<!-- transcript p2p -->` and
# `; transcript p2p` blocks (tests/transcripts).
load ../helpers

setup() { vm_setup; }

@test "docs: the check --p2p transcripts are what the command prints in this guest" {
	local top
	top=$(cd "$BATS_TEST_DIRNAME/../../.." && pwd)
	cd "$top"
	PATH=$(cd "$(dirname "$DMABUF")" && pwd):$PATH run tests/transcripts check --tier p2p README.md man/*.scd
	[ "$status" -eq 0 ] || fail "$output"
	[[ $output == *"ok 1 "* ]] || fail "no transcript ran: $output"
}
