/* SPDX-License-Identifier: MIT */
#ifndef DMABUF_TOKEN_H
#define DMABUF_TOKEN_H

/*
 * Fixed-buffer slot updates inside libdmabuf (lib/token.c): the calls the
 * public dmabuf_register(), dmabuf_unregister() and dmabuf_token_*() are
 * built from, and that the unit tests drive directly.
 */

#include <stdint.h>

#include "dmabuf/dmabuf.h"

struct io_uring;
struct io_uring_regbuf_desc;

/* io_uring/rsrc.c (6.12): bytes per ordinary fixed buffer; over it, -EFAULT */
#define FIXED_BUF_MAX	(1ULL << 30)

/*
 * Put user memory [@addr, @addr + @len) into slot @slot of @ring as an
 * ordinary fixed buffer (the kernel pins the pages).  -EFAULT
 * (DMABUF_E_UNSUPPORTED) when the kernel cannot pin the range (a VM_PFNMAP
 * dma-buf mapping), -ENOMEM (RLIMIT_MEMLOCK), -EINVAL (empty, over 1 GiB,
 * or a slot outside the table).
 */
int db_fixed_register_uaddr(struct io_uring *ring, unsigned slot, void *addr, uint64_t len,
			    struct dmabuf_err *e);

/*
 * The raw extended update (IORING_RSRC_UPDATE_EXTENDED) of @nr descriptors
 * at @slot: the syscall's result, slots updated or -errno.
 */
int db_token_update_ext(struct io_uring *ring, unsigned slot,
			const struct io_uring_regbuf_desc *desc, unsigned nr);

#endif
