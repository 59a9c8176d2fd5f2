// SPDX-License-Identifier: MIT
/*
 * READ_FIXED / WRITE_FIXED engine: block devices and regular files opened
 * O_DIRECT.  The fixed buffer is either user memory (addr = user address) or
 * a dmabuf token (addr = byte offset in the dma-buf): dmabuf_prep_rw() of
 * the library knows which.
 */
#include <errno.h>

#include "engine.h"
#include "engine-internal.h"

static int rw_check(const struct db_xfer *x, struct dmabuf_err *e)
{
	return db_engine_check_target(DB_ENGINE_RW, x->t, e);
}

static uint32_t rw_meta_bytes(const struct db_target *t)
{
	(void)t;
	return 0;	/* the block layer handles metadata itself */
}

static int rw_prep(struct io_uring_sqe *sqe, const struct db_xfer *x, const struct db_io *io)
{
	return dmabuf_prep_rw(sqe, &x->buf, io->write, io->mem_off, io->len,
			      io->lba * x->t->lba_size, NULL);
}

/* res is bytes moved or -errno; the loop handles short transfers. */
static int rw_result(const struct io_uring_cqe *cqe, const struct db_io *io,
		     uint16_t *nvme_status)
{
	return dmabuf_io_result(cqe, false, io->len, nvme_status);
}

const struct db_engine_ops db_engine_rw_ops = {
	.name = "rw",
	.read_op = "READ_FIXED",
	.write_op = "WRITE_FIXED",
	.check = rw_check,
	.meta_bytes = rw_meta_bytes,
	.prep = rw_prep,
	.result = rw_result,
};
