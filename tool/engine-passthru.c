// SPDX-License-Identifier: MIT
/*
 * NVMe passthrough engine: IORING_OP_URING_CMD with NVME_URING_CMD_IO on an
 * NVMe generic char device (/dev/ngXnY).  The ring has 128-byte SQEs (the
 * command lives in the SQE's last 80 bytes) and 32-byte CQEs.  The data
 * buffer is the ring's fixed buffer (IORING_URING_CMD_FIXED), so a dmabuf
 * token works here as with READ_FIXED.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <linux/nvme_ioctl.h>

#include "engine.h"
#include "engine-internal.h"

/* NLB in CDW12 bits 15:0 is zero-based: one command moves 1..65536 blocks. */
#define NVME_MAX_NLB	65536u

static int passthru_check(const struct db_xfer *x, struct dmabuf_err *e)
{
	const struct db_target *t = x->t;
	int ret = db_engine_check_target(DB_ENGINE_PASSTHRU, t, e);

	if (ret)
		return ret;
	if (!x->r->big) {
		db_err_set(e, DMABUF_E_USAGE, -EINVAL, "passthru engine", "io_uring");
		db_err_detail(e, "NVMe passthrough needs a ring with 128-byte SQEs and 32-byte CQEs");
		return -EINVAL;
	}
	/*
	 * With metadata interleaved the data buffer would hold lba_size + ms
	 * bytes per block, which the buffer layout here does not describe.
	 */
	if (t->ms && t->ext_lba) {
		db_err_set(e, DMABUF_E_UNSUPPORTED, -EOPNOTSUPP, "passthru engine", "%s", t->path);
		db_err_detail(e, "LBA formats with metadata interleaved with data "
			      "(extended LBAs) are not supported");
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * Separate metadata must have a buffer of its own: without one the
 * controller would transfer it to address 0.
 */
static uint32_t passthru_meta_bytes(const struct db_target *t)
{
	return t->ext_lba ? 0 : t->ms;
}

static int passthru_prep(struct io_uring_sqe *sqe, const struct db_xfer *x,
			 const struct db_io *io)
{
	struct nvme_uring_cmd cmd;

	dmabuf_nvme_rw_cmd(&cmd, io->write, x->t->nsid, io->lba, io->nblocks, io->mem_off,
			   io->len, io->meta, io->meta_len);
	return dmabuf_prep_nvme_cmd(sqe, &x->buf, &cmd, NULL);
}

static int passthru_result(const struct io_uring_cqe *cqe, const struct db_io *io,
			   uint16_t *nvme_status)
{
	return dmabuf_io_result(cqe, true, io->len, nvme_status);
}

const struct db_engine_ops db_engine_passthru_ops = {
	.name = "passthru",
	.read_op = "NVMe Read",
	.write_op = "NVMe Write",
	.max_blocks = NVME_MAX_NLB,
	.check = passthru_check,
	.meta_bytes = passthru_meta_bytes,
	.prep = passthru_prep,
	.result = passthru_result,
};
