#!/usr/bin/env bats
# dmabuf check --p2p on an emulated topology with a translating IOMMU
# (tests/vm/run --p2p --iommu): q35 + intel-iommu in strict mode, a PCIe
# switch with an NVMe controller and a PCI GPU (bochs-display) behind its
# two downstream ports, and NVMe controllers on the root complex.  The
# kernel enables ACS redirect on the root port, so traffic from the GPU to
# a root-complex controller meets the IOMMU.
load ../helpers

setup() {
	vm_setup
	p2p_report
}
teardown() { vm_teardown; }

@test "p2p with an IOMMU: the kernel has P2PDMA, one IOMMU unit, the GPU in a DMA domain with its 16 MiB BAR" {
	jq_fields "$json" p2pdma=.p2p.kernel.p2pdma units=.p2p.kernel.iommu_units \
		cmdline=.p2p.kernel.iommu_cmdline \
		$(printf 'drm=.p2p.gpus[]|select(.bdf=="%s")|.drm ' "$P2P_GPU") \
		$(printf 'dom=.p2p.gpus[]|select(.bdf=="%s")|.iommu_domain ' "$P2P_GPU") \
		$(printf 'bar0=.p2p.gpus[]|select(.bdf=="%s")|.bars[0].size ' "$P2P_GPU") \
		$(printf 'pf=.p2p.gpus[]|select(.bdf=="%s")|.bars[0].prefetchable ' "$P2P_GPU") \
		$(printf 'ups=.p2p.gpus[]|select(.bdf=="%s")|[.upstream[].type]|join(",") ' "$P2P_GPU")
	assert_equal "${F[p2pdma]}" true
	assert_equal "${F[units]}" 1
	assert_equal "${F[cmdline]}" "intel_iommu=on iommu.strict=1"
	[[ ${F[drm]} == card* ]] || fail "GPU has no DRM node: ${F[drm]}"
	assert_equal "${F[dom]}" DMA
	assert_equal "${F[bar0]}" 16777216
	assert_equal "${F[pf]}" true
	assert_equal "${F[ups]}" "switch downstream port,switch upstream port,root port"
}

@test "p2p with an IOMMU: GPU and drive behind one switch turn at its upstream port: ok" {
	p2p_pair "$P2P_SW"
	assert_equal "${F[through]}" switch
	assert_equal "${F[verdict]}" ok
	assert_equal "${F[distance]}" 4
	assert_equal "${F[hops]}" 5
	assert_equal "${F[translates]}" true
	[[ ${F[reason]} == *"does not translate them"* ]] || fail "reason: ${F[reason]}"
	# QEMU's switch puts each device behind it in its own group
	assert_equal "${F[same_group]}" false
	jq_fields "$json" $(printf 'type=.p2p.nvme[]|select(.bdf=="%s")|.upstream[1].type ' "$P2P_SW") \
		$(printf 'bdf=.p2p.nvme[]|select(.bdf=="%s")|.upstream[1].bdf ' "$P2P_SW")
	assert_equal "${F[type]}" "switch upstream port"
	p2p_pair "$P2P_SW"
	assert_equal "${F[turn]}" "$(jq -r --arg b "$P2P_SW" '.p2p.nvme[]|select(.bdf==$b)|.upstream[1].bdf' <<<"$json")"
}

@test "p2p with an IOMMU: to a drive on the root complex the root port's ACS redirect meets the IOMMU: unsafe for raw bus addresses" {
	p2p_pair "$P2P_RC"
	assert_equal "${F[through]}" host-bridge
	assert_equal "${F[verdict]}" unsafe
	assert_equal "${F[translates]}" true
	[[ ${F[reason]} == *"raw bus addresses"* ]] || fail "reason: ${F[reason]}"
	# the redirecting port is the root port above the switch, with RR and CR on
	jq_fields "$json" $(printf 'rp=.p2p.gpus[]|select(.bdf=="%s")|.upstream[2].bdf ' "$P2P_GPU") \
		$(printf 'rr=.p2p.gpus[]|select(.bdf=="%s")|.upstream[2].acs.request_redirect ' "$P2P_GPU") \
		$(printf 'cr=.p2p.gpus[]|select(.bdf=="%s")|.upstream[2].acs.completion_redirect ' "$P2P_GPU")
	local rp=${F[rp]}
	assert_equal "${F[rr]}" true
	assert_equal "${F[cr]}" true
	p2p_pair "$P2P_RC"
	assert_equal "${F[redirect]}" "$rp"
}

@test "p2p with an IOMMU: the report agrees with lspci on the switch ports and the root port's ACS" {
	local rp
	rp=$(jq -r --arg b "$P2P_GPU" '.p2p.gpus[]|select(.bdf==$b)|.upstream[2].bdf' <<<"$json")
	run -0 lspci -vvv -s "$rp"
	assert_output --regexp "ACSCtl:.*ReqRedir\\+ CmpltRedir\\+"
	run -0 lspci -s "$(jq -r --arg b "$P2P_GPU" '.p2p.gpus[]|select(.bdf==$b)|.upstream[1].bdf' <<<"$json")" -vv
	assert_output --partial "Upstream Port"
}

@test "p2p with an IOMMU: the drive behind the switch verifies through a token" {
	verify_ok udmabuf "$DMABUF_VM_NSP2P" --length 1M --path token
}

@test "p2p text report names each pair's verdict" {
	run -0 --separate-stderr dmabuf check --p2p
	assert_output --partial "VERDICT"
	assert_output --partial "unsafe"
	assert_output --partial "switch upstream port"
}
