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

#include "dmabuf/engine.h"
#include "engine-internal.h"

#define NVME_CMD_WRITE	0x01
#define NVME_CMD_READ	0x02

/* NLB in CDW12 bits 15:0 is zero-based: one command moves 1..65536 blocks. */
#define NVME_MAX_NLB	65536u

/* The kernel's status value: SC bits 7:0, SCT bits 10:8, then CRD/More/DNR. */
#define NVME_STATUS_MASK 0x7ff

_Static_assert(sizeof(struct nvme_uring_cmd) <= 80,
	       "struct nvme_uring_cmd must fit the 80 command bytes of a 128-byte SQE");

void db_nvme_rw_cmd(struct nvme_uring_cmd *cmd, bool write, uint32_t nsid, uint64_t slba,
		    uint32_t nblocks, uint64_t addr, uint32_t len, uint64_t meta, uint32_t meta_len)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->opcode = write ? NVME_CMD_WRITE : NVME_CMD_READ;
	cmd->nsid = nsid;
	cmd->addr = addr;
	cmd->data_len = len;
	cmd->metadata = meta;
	cmd->metadata_len = meta_len;
	cmd->cdw10 = (uint32_t)slba;
	cmd->cdw11 = (uint32_t)(slba >> 32);
	/* Callers pass 1..65536 blocks; 0 has no encoding. */
	cmd->cdw12 = (nblocks - 1) & 0xffff;
}

struct nvme_status_name {
	uint16_t status;
	const char *str;
};

static const struct nvme_status_name nvme_status_names[] = {
	/* SCT 0: generic command status */
	{ 0x000, "Success" },
	{ 0x001, "Invalid Command Opcode" },
	{ 0x002, "Invalid Field in Command" },
	{ 0x003, "Command ID Conflict" },
	{ 0x004, "Data Transfer Error" },
	{ 0x005, "Commands Aborted due to Power Loss Notification" },
	{ 0x006, "Internal Error" },
	{ 0x007, "Command Abort Requested" },
	{ 0x008, "Command Aborted due to SQ Deletion" },
	{ 0x00b, "Invalid Namespace or Format" },
	{ 0x00c, "Command Sequence Error" },
	{ 0x00d, "Invalid SGL Segment Descriptor" },
	{ 0x00f, "Data SGL Length Invalid" },
	{ 0x015, "Invalid Use of Controller Memory Buffer" },
	{ 0x020, "Namespace is Write Protected" },
	{ 0x021, "Command Interrupted" },
	{ 0x022, "Transient Transport Error" },
	{ 0x080, "LBA Out of Range" },
	{ 0x081, "Capacity Exceeded" },
	{ 0x082, "Namespace Not Ready" },
	{ 0x083, "Reservation Conflict" },
	{ 0x084, "Format In Progress" },
	/* SCT 2: media and data integrity errors */
	{ 0x280, "Write Fault" },
	{ 0x281, "Unrecovered Read Error" },
	{ 0x282, "End-to-end Guard Check Error" },
	{ 0x283, "End-to-end Application Tag Check Error" },
	{ 0x284, "End-to-end Reference Tag Check Error" },
	{ 0x285, "Compare Failure" },
	{ 0x286, "Access Denied" },
	{ 0x287, "Deallocated or Unwritten Logical Block" },
	/* SCT 3: path related; the host codes are set by the Linux driver */
	{ 0x370, "Host Pathing Error" },
	{ 0x371, "Command Aborted by Host" },
};

const char *db_nvme_status_str(uint16_t status)
{
	size_t i;

	status &= NVME_STATUS_MASK;
	for (i = 0; i < sizeof(nvme_status_names) / sizeof(nvme_status_names[0]); i++)
		if (nvme_status_names[i].status == status)
			return nvme_status_names[i].str;
	return "Unknown status";
}

static int passthru_check(const struct db_xfer *x, struct dmabuf_err *e)
{
	const struct db_target *t = x->t;

	if (t->kind != DB_TGT_NVME_CHAR) {
		db_err_set(e, DMABUF_E_USAGE, -EINVAL, "passthru engine", "%s", t->path);
		db_err_detail(e, "NVMe passthrough needs an NVMe generic char device (/dev/ngXnY)");
		return -EINVAL;
	}
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

static void passthru_prep(struct io_uring_sqe *sqe, const struct db_xfer *x,
			  const struct db_io *io)
{
	const struct db_target *t = x->t;

	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = t->fd;
	sqe->cmd_op = NVME_URING_CMD_IO;
	sqe->uring_cmd_flags = IORING_URING_CMD_FIXED;
	sqe->buf_index = x->buf.slot;
	db_nvme_rw_cmd((struct nvme_uring_cmd *)sqe->cmd, io->write, t->nsid, io->lba,
		       io->nblocks, io->addr, io->len, io->meta, io->meta_len);
}

/*
 * res < 0: the kernel failed the command (errno); res > 0: the controller
 * completed it with that NVMe status.  big_cqe[0] holds CQE dword 0, which
 * read and write do not use.
 */
static int passthru_result(const struct io_uring_cqe *cqe, const struct db_io *io,
			   uint16_t *nvme_status)
{
	*nvme_status = 0;
	if (cqe->res < 0)
		return cqe->res;
	if (cqe->res > 0) {
		*nvme_status = cqe->res & NVME_STATUS_MASK;
		return -EIO;
	}
	return io->len;
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
