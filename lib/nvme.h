/* SPDX-License-Identifier: MIT */
#ifndef DMABUF_NVME_H
#define DMABUF_NVME_H

/*
 * NVMe facts: status names, identify strings, the
 * namespace scan.  Facts from the NVMe Base Specification 2.0 (I/O command
 * set: Read 02h, Write 01h, NLB zero-based in CDW12; status SCT/SC) and the
 * kernel's struct nvme_uring_cmd (include/uapi/linux/nvme_ioctl.h).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct nvme_uring_cmd;

/* The kernel's status value: SC bits 7:0, SCT bits 10:8, then CRD/More/DNR. */
#define DB_NVME_STATUS_MASK 0x7ff

/* "Invalid Field in Command" etc. for a status (SCT << 8 | SC; DNR/More ignored). */
const char *db_nvme_status_str(uint16_t status);

/* An identify string (space padded, not terminated) of @srclen bytes, trimmed, into @dst. */
void db_nvme_id_str(char *dst, size_t dstlen, const char *src, size_t srclen);

/* An NVMe namespace found on this machine, for `check`. */
struct db_nvme_ns_info {
	char blkdev[64];	/* /dev/nvme0n1 */
	char chardev[64];	/* /dev/ng0n1, "" if absent */
	char ctrl[32];
	char model[41];
	uint32_t nsid, lba_size, ms;
	uint64_t nlba;
	uint32_t max_xfer;
};

/*
 * Enumerate NVMe namespaces (libnvme topology scan).  Calls @cb for each;
 * returns the count or a negative errno.
 */
int db_nvme_scan(void (*cb)(const struct db_nvme_ns_info *ns, void *arg), void *arg,
		 struct dmabuf_err *e);

#endif
