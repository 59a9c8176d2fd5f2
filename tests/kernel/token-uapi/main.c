// SPDX-License-Identifier: MIT
/*
 * token-uapi: the dmabuf token uAPI of kernel-patches/, tested with raw
 * io_uring_register(2) calls and nothing of lib/.
 *
 *   token-uapi CASE [CASE...]     run cases; "token-uapi list" names them
 *
 * Targets come from the VM harness's environment: DMABUF_VM_NS512 (512 B
 * LBAs), DMABUF_VM_NS4K (4 KiB LBAs) and their _NG char devices.  The cases
 * write to those namespaces.  Output is TAP-like: "ok"/"not ok" per check,
 * and the exit status is 0 only when every check passed (77: cannot run).
 *
 * Facts checked are those of doc/token-uapi.md and kernel-patches/README.md: the extended buffer
 * update, the errors for malformed descriptors, I/O at byte offsets in the
 * dma-buf compared with the pages path, invalidation (debugfs trigger) under
 * load, unregistration in flight and every close order of ring, dma-buf and
 * target with I/O in flight.  The helpers it shares with file-tokens.c
 * (sources, registration, checks, the runner) are in ktest.c.
 *
 * One file a topic: register.c, io.c, invalidate.c, fence.c, mover.c,
 * faults.c, stack.c (partitions, dm-linear, multipath), passthru.c,
 * iommu.c; common.c the helpers several use; token-uapi.h what they
 * share; this file the table of cases.
 */
#include "token-uapi.h"

static const struct tcase cases[] = {
	{ "register-udmabuf", reg_udmabuf },
	{ "register-heap", reg_heap },
	{ "register-vgem", reg_vgem },
	{ "errors", case_errors },
	{ "over-1g", case_over_1g },
	{ "bounce-siblings", case_bounce_siblings },
	{ "io-udmabuf", io_udmabuf },
	{ "io-heap", io_heap },
	{ "io-vgem", io_vgem },
	{ "invalidate-udmabuf", inv_udmabuf },
	{ "invalidate-heap", inv_heap },
	{ "invalidate-vgem", inv_vgem },
	{ "invalidate-mover", inv_mover },
	{ "unregister-inflight", case_unregister_inflight },
	{ "close-orders", case_close_orders },
	{ "mapped-once", case_mapped_once },
	{ "merge", case_merge },
	{ "cpu-view-udmabuf", cpu_udmabuf },
	{ "cpu-view-heap", cpu_heap },
	{ "cpu-view-vgem", cpu_vgem },
	{ "cpu-view-mover", cpu_mover },
	{ "fence-link", case_fence_link },
	{ "fence-unreaped", case_fence_unreaped },
	{ "fence-contexts", case_fence_contexts },
	{ "mover-basics", case_mover_basics },
	{ "mover-token", case_mover_token },
	{ "mover-in-use", case_mover_in_use },
	{ "mover-stall", case_mover_stall },
	{ "map-cancel", case_map_cancel },
	{ "register-stall", case_register_stall },
	{ "mover-late", case_mover_late },
	{ "sgl-pieces", case_sgl_pieces },
	{ "fail-bios", case_fail_bios },
	{ "iopoll", case_iopoll },
	{ "reset", case_reset },
	{ "io-timeout", case_io_timeout },
	{ "passthru-udmabuf", pt_udmabuf },
	{ "passthru-heap", pt_heap },
	{ "passthru-vgem", pt_vgem },
	{ "passthru-errors", case_passthru_errors },
	{ "passthru-invalidate", case_passthru_invalidate },
	{ "passthru-reissue", case_passthru_reissue },
	{ "passthru-meta-fresh", case_passthru_meta_fresh },
	{ "dm-linear-udmabuf", dm_linear_udmabuf },
	{ "dm-linear-heap", dm_linear_heap },
	{ "dm-linear-vgem", dm_linear_vgem },
	{ "dm-reload", case_dm_reload },
	{ "partition", case_partition, true },	/* needs DMABUF_VM_PART: not in "all" */
	{ "remove", case_remove, true },		/* removes a controller: not in "all" */
	{ "multipath-udmabuf", mp_udmabuf, true },	/* needs tests/vm/run --multipath */
	{ "multipath-heap", mp_heap, true },
	{ "multipath-vgem", mp_vgem, true },
	{ "multipath-remove", case_mp_remove, true },
	{ "iommu-maps", case_iommu_maps, true },	/* needs tests/vm/run --iommu */
};

int main(int argc, char **argv)
{
	return ktest_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]), "");
}
