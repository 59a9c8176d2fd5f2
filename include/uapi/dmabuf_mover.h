/* SPDX-License-Identifier: MIT */
/*
 * The test exporter whose dma-bufs move: /dev/dmabuf_mover
 * (CONFIG_DMABUF_MOVER, kernel-patches/0015).
 *
 * Source of these facts: our patch 0015, include/uapi/linux/dmabuf_mover.h
 * there.  The layout must match it bit for bit; doc/token-uapi.md describes
 * the exporter.
 */
#ifndef DMABUF_UAPI_DMABUF_MOVER_H
#define DMABUF_UAPI_DMABUF_MOVER_H

#include <linux/ioctl.h>
#include <linux/types.h>

#ifndef DMABUF_MOVER_IOC_ALLOC
/*
 * ALLOC: each page as 512-byte entries of the sg_table (pieces that
 * are not whole pages, as a sub-allocating exporter hands out).
 */
#define DMABUF_MOVER_ALLOC_SMALL_PIECES	(1U << 0)
/* mmap() fails with -EINVAL: memory the CPU cannot reach (0016). */
#define DMABUF_MOVER_ALLOC_NO_CPU_MAP	(1U << 1)
/*
 * Fault injection, CONFIG_DMABUF_MOVER_MISDIRECT (else -EOPNOTSUPP): every
 * page of the importers' mapping is one decoy page; mmap() shows the buffer
 * (0017).
 */
#define DMABUF_MOVER_ALLOC_MISDIRECT	(1U << 2)

/* ALLOC: a buffer of @size bytes (page-rounded); @fd comes back. */
struct dmabuf_mover_alloc {
	__u64 size;
	__u32 fd_flags;		/* O_CLOEXEC, O_RDWR */
	__s32 fd;
	__u32 flags;		/* DMABUF_MOVER_ALLOC_* */
	__u32 pad;
};

/* MOVE: skip the wait for the importers' fences, as a broken exporter. */
#define DMABUF_MOVER_MOVE_NO_WAIT	(1U << 0)

/*
 * MOVE: move_notify, wait at most @timeout_ms (0: 15000) for the fences,
 * copy to new pages, poison the old.  -ETIME: the wait ran out, nothing
 * moved; -EBUSY: pinned by an importer without move_notify.
 */
struct dmabuf_mover_move {
	__s32 fd;
	__u32 flags;
	__u32 timeout_ms;
	__u32 pad;
	__u64 wait_ns;		/* out, also on -ETIME */
};

/* STAT: the buffer's moves and the old pages found written since given up. */
struct dmabuf_mover_stat {
	__s32 fd;
	__u32 pins;
	__u64 moves;
	__u64 retired_pages;
	__u64 late_pages;
};

#define DMABUF_MOVER_IOC_ALLOC	_IOWR('b', 0x40, struct dmabuf_mover_alloc)
#define DMABUF_MOVER_IOC_MOVE	_IOWR('b', 0x41, struct dmabuf_mover_move)
#define DMABUF_MOVER_IOC_STAT	_IOWR('b', 0x42, struct dmabuf_mover_stat)
#endif

#endif
