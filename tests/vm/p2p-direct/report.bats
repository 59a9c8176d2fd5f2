#!/usr/bin/env bats
# dmabuf check --p2p on the emulated switch without an IOMMU (tests/vm/run
# --p2p): q35, a PCIe switch with an NVMe controller and a PCI GPU behind
# it, NVMe controllers on the root complex; no IOMMU groups, no ACS
# redirect, so only the host bridge decides for the root-complex pairs.
load ../helpers

setup() {
	vm_setup
	p2p_report
}
teardown() { vm_teardown; }

@test "p2p without an IOMMU: no IOMMU unit, no groups, the GPU found with its driver and BARs" {
	jq_fields "$json" units=.p2p.kernel.iommu_units p2pdma=.p2p.kernel.p2pdma \
		$(printf 'grp=.p2p.gpus[]|select(.bdf=="%s")|.iommu_group ' "$P2P_GPU") \
		$(printf 'bars=.p2p.gpus[]|select(.bdf=="%s")|[.bars[].size]|join(",") ' "$P2P_GPU") \
		nvme='[.p2p.nvme[].controller]|sort|join(",")'
	assert_equal "${F[units]}" 0
	assert_equal "${F[p2pdma]}" true
	assert_equal "${F[grp]}" null
	assert_equal "${F[bars]}" "16777216,4096"
	[[ ${F[nvme]} == *"${DMABUF_VM_CTRL_0004#/dev/}"* ]] || fail "controllers: ${F[nvme]}"
}

@test "p2p without an IOMMU: behind one switch: ok, nothing redirected" {
	p2p_pair "$P2P_SW"
	assert_equal "${F[through]}" switch
	assert_equal "${F[verdict]}" ok
	assert_equal "${F[redirect]}" null
	assert_equal "${F[translates]}" false
}

@test "p2p without an IOMMU: to a drive on the root complex the host bridge decides, and the report names it" {
	p2p_pair "$P2P_RC"
	assert_equal "${F[through]}" host-bridge
	assert_equal "${F[verdict]}" host-bridge
	assert_equal "${F[redirect]}" null
	host=$(jq -r '.p2p.host_bridge.id' <<<"$json")
	[[ ${F[reason]} == *"$host"* ]] || fail "reason does not name host bridge $host: ${F[reason]}"
}
