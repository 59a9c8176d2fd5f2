// SPDX-License-Identifier: MIT
/*
 * READ_FIXED / WRITE_FIXED engine: block devices and regular files opened
 * O_DIRECT.  The fixed buffer is either user memory (addr = user address) or
 * a dmabuf token (addr = byte offset in the dma-buf): the SQE is the same.
 */
#include <errno.h>

#include "dmabuf/engine.h"
#include "engine-internal.h"

static int rw_check(const struct db_xfer *x, struct dmabuf_err *e)
{
	if (x->t->kind != DB_TGT_NVME_CHAR)
		return 0;
	db_err_set(e, DMABUF_E_USAGE, -EINVAL, "rw engine", "%s", x->t->path);
	db_err_detail(e, "an NVMe generic char device takes only passthrough commands: "
		      "use the passthru engine");
	return -EINVAL;
}

static uint32_t rw_meta_bytes(const struct db_target *t)
{
	(void)t;
	return 0;	/* the block layer handles metadata itself */
}

static void rw_prep(struct io_uring_sqe *sqe, const struct db_xfer *x, const struct db_io *io)
{
	const struct db_target *t = x->t;
	void *buf = (void *)(uintptr_t)io->addr;
	uint64_t pos = io->lba * t->lba_size;

	if (io->write)
		io_uring_prep_write_fixed(sqe, t->fd, buf, io->len, pos, x->buf.slot);
	else
		io_uring_prep_read_fixed(sqe, t->fd, buf, io->len, pos, x->buf.slot);
}

/* res is bytes moved or -errno; the loop handles short transfers. */
static int rw_result(const struct io_uring_cqe *cqe, const struct db_io *io,
		     uint16_t *nvme_status)
{
	(void)io;
	*nvme_status = 0;
	return cqe->res;
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
