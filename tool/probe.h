/* SPDX-License-Identifier: MIT */
#ifndef DMABUF_PROBE_H
#define DMABUF_PROBE_H

/*
 * What this machine has, for `check`: the kernel, io_uring's opcodes and
 * features, the DRM render nodes and the IOMMU.  The memory sources and
 * the token uAPI are libdmabuf's to probe (dmabuf_mem_probe(),
 * dmabuf_token_probe()); NVMe namespaces are db_nvme_scan()'s.
 */

#include <stdbool.h>

#include "drm.h"

struct db_probe_kernel {
	char release[65];		/* uname -r */
	char machine[65];		/* uname -m */
	char io_uring_disabled[16];	/* /proc/sys/kernel/io_uring_disabled, "" if absent */
};

/* The io_uring opcodes and IORING_FEAT_* bits the tool reports. */
enum db_uring_op { DB_OP_READ_FIXED, DB_OP_WRITE_FIXED, DB_OP_URING_CMD, DB_NR_OPS };

struct db_probe_uring {
	int err;			/* io_uring_setup()'s -errno, 0 when a ring was made */
	bool ops[DB_NR_OPS];		/* supported, from IORING_REGISTER_PROBE */
	unsigned features;		/* IORING_FEAT_* of the ring's params */
	bool sqe128_cqe32;		/* big SQEs and CQEs (NVMe passthrough, 5.19+) */
};

struct db_probe_iommu {
	unsigned units;			/* /sys/class/iommu entries */
	unsigned groups;		/* /sys/kernel/iommu_groups entries */
	char nvme0_domain[64];		/* DMA, DMA-FQ or identity for nvme0's group; "" if none */
};

void db_probe_kernel(struct db_probe_kernel *k);
void db_probe_uring(struct db_probe_uring *u);
/* "READ_FIXED" … for an op; the name of each reported IORING_FEAT_ bit (NULL past the last). */
const char *db_uring_op_name(enum db_uring_op op);
const char *db_uring_feature_name(unsigned i, unsigned *bit);
void db_probe_iommu(struct db_probe_iommu *m);

#endif
