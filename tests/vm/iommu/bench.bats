#!/usr/bin/env bats
# dmabuf bench under the emulated IOMMU (strict): the report's IOMMU map
# count, from the iommu:map tracepoint, tells the token path (mapped once,
# at registration) from the pages path (mapped per request).
load ../helpers

setup() { vm_setup; [ "${DMABUF_VM_IOMMU:-0}" = 1 ] || skip "needs tests/vm/run --iommu"; }
teardown() { vm_teardown; }

@test "bench (iommu): token path makes no IOMMU maps per request, pages path at least one" {
	run -0 --separate-stderr dmabuf --json bench "$DMABUF_VM_NS4K" --mem udmabuf --path token \
		--rw randread --ios 2000 --qd 16
	assert_equal "$(jq .total.iommu_maps <<<"$output")" 0
	assert_equal "$(jq .total.read.total_ios <<<"$output")" 2000
	run -0 --separate-stderr dmabuf --json bench "$DMABUF_VM_NS4K" --mem udmabuf --path pages \
		--rw randread --ios 2000 --qd 16
	assert [ "$(jq .total.iommu_maps <<<"$output")" -ge 2000 ]
	assert [ "$(jq '.total.iommu_maps_per_io >= 1' <<<"$output")" = true ]
}
