# Shared set-up for the VM suites (run inside the guest by tests/vm/run,
# which exports DMABUF_VM=1 and DMABUF_VM_NS512[_NG], DMABUF_VM_NS4K[_NG],
# DMABUF_VM_NS4K_MD[_NG]).
bats_require_minimum_version 1.5.0
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
load ../cli/helpers

# Every memory source the VM has; the dma-buf ones; what auto picks for each
# on this (token-less) kernel.
SOURCES=(memfd hugetlb udmabuf udmabuf:huge heap drm)
DMABUF_SOURCES=(udmabuf udmabuf:huge heap drm)
declare -gA AUTO_PATH=([memfd]=pages [hugetlb]=pages [udmabuf]=pages [udmabuf:huge]=pages
	[heap]=bounce [drm]=bounce)

vm_setup() {
	[ "${DMABUF_VM:-}" = 1 ] || skip "needs the VM: run tests/vm/run"
	SCRATCH_DIR=$(mktemp -d /tmp/dmabuf-vm.XXXXXX)
}

vm_teardown() {
	[ -n "${SCRATCH_DIR:-}" ] && rm -rf "$SCRATCH_DIR"
	return 0
}

# The device for an engine: rw → block device, passthru → generic char device.
dev_for() {	# NSVAR ENGINE
	local v=DMABUF_VM_$1
	[ "$2" = passthru ] && v=${v}_NG
	echo "${!v}"
}

# verify_ok SRC DEV ARGS...: dmabuf verify passes; $json holds the report.
verify_ok() {
	local src=$1 dev=$2
	shift 2
	run -0 --separate-stderr dmabuf --json verify "$dev" --mem "$src" --force "$@"
	json=$output
	assert_equal "$(jq -r .result <<<"$json")" ok
	assert_equal "$(jq -r .verify.blocks_bad <<<"$json")" 0
}
