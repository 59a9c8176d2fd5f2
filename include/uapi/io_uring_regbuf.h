/* SPDX-License-Identifier: MIT */
/*
 * io_uring dma-buf registered-buffer uAPI ("dmabuf tokens").
 *
 * Source of these facts: the io_uring dma-buf registered-buffer series posted
 * upstream (v3, April 2026) and our port in kernel-patches/.  The layout below
 * must stay bit-for-bit identical to it: the same binary runs on a kernel
 * carrying the upstream series and on the VM kernel built from our port.
 *
 * System headers that already carry the feature win: everything here is
 * guarded by IORING_RSRC_UPDATE_EXTENDED.
 */
#ifndef DMABUF_UAPI_IO_URING_REGBUF_H
#define DMABUF_UAPI_IO_URING_REGBUF_H

#include <liburing.h>
#include <linux/types.h>

#ifndef IORING_RSRC_UPDATE_EXTENDED
/*
 * In struct io_uring_rsrc_update2 the second __u32 (called resv by older
 * headers) is the update's flags word.  With this flag set, ->data points to
 * an array of struct io_uring_regbuf_desc instead of struct iovec.
 */
#define IORING_RSRC_UPDATE_EXTENDED (1U << 1)
#define IO_RSRC_UPDATE2_FLAGS(up) ((up)->resv)

enum io_uring_regbuf_type {
	IO_REGBUF_TYPE_EMPTY = 0,	/* leave (or make) the slot empty */
	IO_REGBUF_TYPE_UADDR = 1,	/* user memory, like a struct iovec */
	IO_REGBUF_TYPE_DMABUF = 2,	/* a dma-buf, mapped for target_fd */
};

struct io_uring_regbuf_desc {
	__u32 type;		/* enum io_uring_regbuf_type */
	__u32 flags;		/* none defined: must be 0 */
	__u64 size;		/* bytes; UADDR only, 0 for DMABUF */
	__u64 uaddr;		/* UADDR only, 0 for DMABUF */
	__s32 dmabuf_fd;	/* DMABUF only */
	__s32 target_fd;	/* DMABUF only: the file I/O will be issued on */
	__u64 __resv[6];	/* must be 0 */
};
#else
#define IO_RSRC_UPDATE2_FLAGS(up) ((up)->flags)
#endif

#endif
