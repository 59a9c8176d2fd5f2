# Shared set-up for the VM suites (run inside the guest by tests/vm/run,
# which exports DMABUF_VM=1 and DMABUF_VM_NS512[_NG], DMABUF_VM_NS4K[_NG],
# DMABUF_VM_NS4K_MD[_NG]).
bats_require_minimum_version 1.5.0
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
load "$(dirname "${BASH_SOURCE[0]}")/../cli/helpers"	# from tests/vm/iommu/ too

# Every memory source the VM has; the dma-buf ones; the best path without
# a token: pages where the kernel can pin the memory, else bounce.
SOURCES=(memfd hugetlb udmabuf udmabuf:huge heap drm)
DMABUF_SOURCES=(udmabuf udmabuf:huge heap drm)
declare -gA UNTOKEN_PATH=([memfd]=pages [hugetlb]=pages [udmabuf]=pages [udmabuf:huge]=pages
	[heap]=bounce [drm]=bounce)

# What auto picks on the VM kernel (kernel-patches/ has dmabuf tokens): a
# token for every dma-buf on the block device (READ/WRITE_FIXED); the
# passthrough engine cannot use tokens.
auto_path() {	# SOURCE ENGINE
	if [ "$2" = rw ] && [ "${UNTOKEN_PATH[$1]}" != "" ] &&
	   [[ " ${DMABUF_SOURCES[*]} " == *" $1 "* ]]; then
		echo token
	else
		echo "${UNTOKEN_PATH[$1]}"
	fi
}

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
