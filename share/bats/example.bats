# A user's suite: dmabuf's bats helper against a drive you can overwrite.
#
#   DMABUF_TARGET=/dev/nvme0n1 bats example.bats
#
# The first 8 MiB of DMABUF_TARGET are overwritten (dmabuf refuses a
# mounted, held or signed device; DMABUF_FORCE=1 passes --force).  Tests
# whose memory source or path this machine lacks skip with dmabuf's reason.

load "${DMABUF_BATS_DIR:-/usr/share/dmabuf/bats}/dmabuf"

setup() {
	[ -n "${DMABUF_TARGET:-}" ] || skip "set DMABUF_TARGET to a drive whose first 8 MiB may be lost"
	FORCE=()
	if [ "${DMABUF_FORCE:-0}" = 1 ]; then
		FORCE=(--force)
	fi
}

teardown() { dmabuf_cleanup; }

@test "a heap dma-buf verifies through a dmabuf token" {
	dmabuf_run verify "$DMABUF_TARGET" --mem heap --length 4M --path token "${FORCE[@]}"
	assert_dmabuf_ok
	assert_dmabuf_path token
	assert_dmabuf_no_mismatch
}

@test "a read into udmabuf delivers every block" {
	dmabuf_run read "$DMABUF_TARGET" --mem udmabuf --length 1M
	assert_dmabuf_ok
	[ "$(dmabuf_field .canary)" = true ]
	assert_dmabuf_no_mismatch
}

@test "a buffer held between commands is written and read back" {
	dmabuf_hold udmabuf 2M
	dmabuf_run verify "$DMABUF_TARGET" --mem "$dmabuf_mem" --length 2M "${FORCE[@]}"
	assert_dmabuf_ok
	assert_dmabuf_no_mismatch
}

@test "memfd is no dma-buf: the token path is refused, not faked" {
	dmabuf_try verify "$DMABUF_TARGET" --mem memfd --length 64k --path token "${FORCE[@]}"
	assert_dmabuf_exit unsupported
}
