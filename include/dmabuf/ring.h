/* SPDX-License-Identifier: MIT */
#ifndef DMABUF_RING_H
#define DMABUF_RING_H

/*
 * io_uring set-up and buffer registration, including the dmabuf token uAPI
 * (include/uapi/io_uring_regbuf.h, doc/token-uapi.md).  liburing for
 * everything it has; the raw io_uring_register(2) syscall only for the
 * extended buffer update liburing lacks.
 */

#include <stdbool.h>
#include <stdint.h>
#include <liburing.h>

#include "dmabuf/err.h"

struct db_ring {
	struct io_uring ring;
	unsigned depth;		/* SQ entries */
	bool big;		/* SQE128 + CQE32 (NVMe passthrough) */
	unsigned nr_slots;	/* size of the sparse buffer table */
	bool fixed_file;	/* the target is registered file 0: SQEs use IOSQE_FIXED_FILE */
	unsigned setup_flags;	/* IORING_SETUP_* the kernel accepted */
	bool reg_ring_fd;	/* io_uring_enter() through the registered ring fd */
	bool live;
};

/*
 * How a ring is set up beyond its size: the io_uring modes a benchmark
 * wants (liburing's io_uring_queue_init_params and register calls).
 */
struct db_ring_opts {
	bool big;		/* SQE128 + CQE32 */
	bool iopoll;		/* IORING_SETUP_IOPOLL: completions polled (O_DIRECT, poll queues) */
	bool sqpoll;		/* IORING_SETUP_SQPOLL: a kernel thread submits */
	bool single_issuer;	/* SINGLE_ISSUER + DEFER_TASKRUN (not with sqpoll): only the
				   creating thread may use the ring afterwards */
	bool reg_ring_fd;	/* io_uring_register_ring_fd(): no fdget per enter */
	int fixed_file;		/* fd to register as file 0 (IOSQE_FIXED_FILE), -1 none */
};

/*
 * Create a ring of @depth entries (SQE128/CQE32 when @big) with a sparse
 * fixed-buffer table of @nr_slots slots (IORING_RSRC_REGISTER_SPARSE).
 * Errors: -ENOSYS/-EPERM (io_uring disabled, DB_E_UNSUPPORTED), -ENOMEM.
 */
int db_ring_init(struct db_ring *r, unsigned depth, bool big, unsigned nr_slots,
		 struct db_err *e);
/*
 * db_ring_init() with @o's modes.  A kernel that refuses SINGLE_ISSUER /
 * DEFER_TASKRUN / COOP_TASKRUN gets a ring without them (r->setup_flags
 * says what was accepted); refused IOPOLL or SQPOLL is an error
 * (-EINVAL, DB_E_UNSUPPORTED), as is a failed file registration.
 */
int db_ring_init_opts(struct db_ring *r, unsigned depth, unsigned nr_slots,
		      const struct db_ring_opts *o, struct db_err *e);
void db_ring_exit(struct db_ring *r);

/*
 * Put user memory [@addr, @addr + @len) into slot @slot as an ordinary fixed
 * buffer (the kernel pins the pages).  -EFAULT when the kernel cannot pin the
 * range (e.g. a VM_PFNMAP dma-buf mapping), -ENOMEM (RLIMIT_MEMLOCK), -EINVAL.
 */
int db_ring_register_uaddr(struct db_ring *r, unsigned slot, void *addr, uint64_t len,
			   struct db_err *e);

/*
 * Register dma-buf @dmabuf_fd in slot @slot as a dmabuf token for @target_fd
 * (IORING_REGISTER_BUFFERS_UPDATE with IORING_RSRC_UPDATE_EXTENDED and an
 * IO_REGBUF_TYPE_DMABUF descriptor).  Fixed I/O on that slot must then be
 * issued on @target_fd with addr = byte offset in the dma-buf.  The ring
 * takes its own references; the caller keeps its fds.
 * Errors (kind DB_E_UNSUPPORTED, detail says which): -EINVAL kernel without
 * the extended update; -EOPNOTSUPP kernel built without tokens or target
 * without token support; -E2BIG/-EINVAL dma-buf over 1 GiB.
 */
int db_ring_register_dmabuf(struct db_ring *r, unsigned slot, int dmabuf_fd, int target_fd,
			    struct db_err *e);

/* Empty slot @slot (plain update with a NULL iovec).  In-flight requests finish. */
int db_ring_unregister(struct db_ring *r, unsigned slot, struct db_err *e);

/* Raw extended update of @nr descriptors at @slot: returns the syscall's result. */
struct io_uring_regbuf_desc;
int db_ring_update_ext(struct db_ring *r, unsigned slot,
		       const struct io_uring_regbuf_desc *desc, unsigned nr);

enum db_token_support {
	DB_TOKEN_OK,		/* registration works for this target */
	DB_TOKEN_NO_UAPI,	/* extended update unknown: -EINVAL */
	DB_TOKEN_NOT_BUILT,	/* DMABUF type refused by the kernel: -EOPNOTSUPP */
	DB_TOKEN_NO_TARGET,	/* kernel has it, this target's driver does not */
	DB_TOKEN_ERROR,		/* something else failed: see the error */
	DB_TOKEN_UNTESTED,	/* no target / dma-buf given: only the uAPI was probed */
};

/*
 * Ask the kernel what it supports, without doing I/O:
 *  1. an extended update with an EMPTY descriptor: -EINVAL ⇒ DB_TOKEN_NO_UAPI;
 *  2. a DMABUF descriptor with dmabuf_fd -1: -EOPNOTSUPP ⇒ DB_TOKEN_NOT_BUILT
 *     (-EBADF means the type is known);
 *  3. if @dmabuf_fd and @target_fd are >= 0, a real registration, removed
 *     again: -EOPNOTSUPP ⇒ DB_TOKEN_NO_TARGET.
 * @e gets the error of the failing step; returns the verdict.
 */
enum db_token_support db_token_probe(int target_fd, int dmabuf_fd, struct db_err *e);
const char *db_token_support_str(enum db_token_support s);

/*
 * The token test trigger of kernel-patches/ (CONFIG_DMABUF_TOKEN_DEBUG):
 * DB_TOKEN_DEBUGFS holds "invalidate" (write: every live token's exporter
 * notifies a move, as an exporter migrating the buffer would) and "stats".
 */
#define DB_TOKEN_DEBUGFS "/sys/kernel/debug/dmabuf_token"

struct db_token_stats {
	long tokens;		/* live tokens */
	long maps;		/* token mappings made since boot */
	long invalidations;	/* invalidations since boot */
};

/* Fire the trigger once.  0; -ENOENT (DB_E_UNSUPPORTED) without it; -errno. */
int db_token_trigger(struct db_err *e);
/* Read the trigger's counters.  0; -ENOENT without the trigger; -errno. */
int db_token_stats(struct db_token_stats *s, struct db_err *e);

#endif
