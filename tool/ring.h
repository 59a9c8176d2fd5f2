/* SPDX-License-Identifier: MIT */
#ifndef DMABUF_RING_H
#define DMABUF_RING_H

/*
 * The tool's io_uring set-up: a liburing ring in the modes a command or a
 * benchmark job asks for, with a sparse buffer table that
 * dmabuf_register() (libdmabuf) fills.
 */

#include <stdbool.h>
#include <stdint.h>
#include <liburing.h>

#include "err.h"

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
 * Errors: -ENOSYS/-EPERM (io_uring disabled, DMABUF_E_UNSUPPORTED), -ENOMEM.
 */
int db_ring_init(struct db_ring *r, unsigned depth, bool big, unsigned nr_slots,
		 struct dmabuf_err *e);
/*
 * db_ring_init() with @o's modes.  A kernel that refuses SINGLE_ISSUER /
 * DEFER_TASKRUN / COOP_TASKRUN gets a ring without them (r->setup_flags
 * says what was accepted); refused IOPOLL or SQPOLL is an error
 * (-EINVAL, DMABUF_E_UNSUPPORTED), as is a failed file registration.
 */
int db_ring_init_opts(struct db_ring *r, unsigned depth, unsigned nr_slots,
		      const struct db_ring_opts *o, struct dmabuf_err *e);
void db_ring_exit(struct db_ring *r);

#endif
