// SPDX-License-Identifier: MIT
/*
 * Requests on a registered buffer: the SQE encodings of READ_FIXED,
 * WRITE_FIXED and NVMe passthrough through whatever path the buffer took,
 * the reading of their CQEs, the bounce path's two copies, and a target's
 * facts.  See "targets and requests" in dmabuf/dmabuf.h.  The tool's
 * engines (tool/engine-rw.c, tool/engine-passthru.c) are built on these:
 * there is one encoding of each request in the tree.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <liburing.h>
#include <linux/nvme_ioctl.h>

#include "dmabuf/dmabuf.h"
#include "err.h"
#include "nvme.h"
#include "target.h"
#include "util.h"

#define NVME_CMD_WRITE	0x01
#define NVME_CMD_READ	0x02

_Static_assert(sizeof(struct nvme_uring_cmd) <= 80,
	       "struct nvme_uring_cmd must fit the 80 command bytes of a 128-byte SQE");

/* Is [@off, @off + @len) inside the registered buffer? */
static int check_range(const struct dmabuf_iobuf *b, uint64_t off, uint64_t len,
		       struct dmabuf_err *e)
{
	uint64_t size = b->fx->len;

	if (off <= size && len <= size - off)
		return 0;
	db_err_set(e, DMABUF_E_USAGE, -EINVAL, "prep", "fixed buffer slot %u", b->slot);
	db_err_detail(e, "%llu bytes at offset %llu do not fit the %llu-byte registered buffer",
		      (unsigned long long)len, (unsigned long long)off,
		      (unsigned long long)size);
	return -EINVAL;
}

int dmabuf_prep_rw(struct io_uring_sqe *sqe, const struct dmabuf_iobuf *b, bool write,
		   uint64_t mem_off, uint32_t len, uint64_t pos, struct dmabuf_err *e)
{
	/* a token's base is 0: the address is the offset into the dma-buf */
	void *addr = (void *)(uintptr_t)(b->fx->base + mem_off);
	int ret = check_range(b, mem_off, len, e);

	if (ret)
		return ret;
	if (write)
		io_uring_prep_write_fixed(sqe, b->fd, addr, len, pos, (int)b->slot);
	else
		io_uring_prep_read_fixed(sqe, b->fd, addr, len, pos, (int)b->slot);
	return 0;
}

void dmabuf_nvme_rw_cmd(struct nvme_uring_cmd *cmd, bool write, uint32_t nsid, uint64_t slba,
			uint32_t nblocks, uint64_t mem_off, uint32_t len, uint64_t meta,
			uint32_t meta_len)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->opcode = write ? NVME_CMD_WRITE : NVME_CMD_READ;
	cmd->nsid = nsid;
	cmd->addr = mem_off;
	cmd->data_len = len;
	cmd->metadata = meta;
	cmd->metadata_len = meta_len;
	cmd->cdw10 = (uint32_t)slba;
	cmd->cdw11 = (uint32_t)(slba >> 32);
	/* Callers pass 1..65536 blocks; 0 has no encoding. */
	cmd->cdw12 = (nblocks - 1) & 0xffff;
}

int dmabuf_prep_nvme_cmd(struct io_uring_sqe *sqe, const struct dmabuf_iobuf *b,
			 const struct nvme_uring_cmd *cmd, struct dmabuf_err *e)
{
	struct nvme_uring_cmd *c = (struct nvme_uring_cmd *)sqe->cmd;
	int ret = check_range(b, cmd->addr, cmd->data_len, e);

	if (ret)
		return ret;
	/* the command lives in the second half of a 128-byte SQE */
	memset(sqe, 0, 2 * sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = b->fd;
	sqe->cmd_op = NVME_URING_CMD_IO;
	sqe->uring_cmd_flags = IORING_URING_CMD_FIXED;
	sqe->buf_index = (uint16_t)b->slot;
	*c = *cmd;
	c->addr = b->fx->base + cmd->addr;
	return 0;
}

int dmabuf_prep_nvme_rw(struct io_uring_sqe *sqe, const struct dmabuf_iobuf *b, bool write,
			const struct dmabuf_target_info *ti, uint64_t slba, uint32_t nblocks,
			uint64_t mem_off, struct dmabuf_err *e)
{
	struct nvme_uring_cmd cmd;

	dmabuf_nvme_rw_cmd(&cmd, write, ti->nsid, slba, nblocks, mem_off,
			   nblocks * ti->lba_size, 0, 0);
	return dmabuf_prep_nvme_cmd(sqe, b, &cmd, e);
}

/*
 * An NVMe command's res: < 0 the kernel failed it (errno), > 0 the
 * controller completed it with that status, 0 success (the whole
 * transfer; big_cqe[0] holds CQE dword 0, which read and write leave unused).
 */
int dmabuf_io_result(const struct io_uring_cqe *cqe, bool nvme, uint32_t len,
		     uint16_t *nvme_status)
{
	*nvme_status = 0;
	if (!nvme || cqe->res < 0)
		return cqe->res;
	if (cqe->res > 0) {
		*nvme_status = cqe->res & DB_NVME_STATUS_MASK;
		return -EIO;
	}
	return (int)len;
}

bool dmabuf_io_reissue(int res)
{
	return res == -EAGAIN;
}

int dmabuf_io_start(const struct dmabuf_iobuf *b, bool write, uint64_t mem_off, uint64_t len,
		    struct dmabuf_err *e)
{
	if (!write || b->fx->path != DMABUF_PATH_BOUNCE)
		return 0;
	return dmabuf_bounce_sync(b->mem, true, mem_off, len, e);
}

int dmabuf_io_done(const struct dmabuf_iobuf *b, bool write, uint64_t mem_off, uint64_t len,
		   struct dmabuf_err *e)
{
	if (write || b->fx->path != DMABUF_PATH_BOUNCE)
		return 0;
	return dmabuf_bounce_sync(b->mem, false, mem_off, len, e);
}

static const uint32_t target_kinds[] = {
	[DB_TGT_NVME_BLK] = DMABUF_TARGET_NVME_BLK,
	[DB_TGT_NVME_CHAR] = DMABUF_TARGET_NVME_CHAR,
	[DB_TGT_BLK] = DMABUF_TARGET_BLK,
	[DB_TGT_FILE] = DMABUF_TARGET_FILE,
};

/*
 * A name that opens @fd's file again: its path when that still names the
 * same file (errors and the sysfs lookups then name it), else the magic
 * link /proc/self/fd/N (a deleted file, another mount namespace).
 */
static int reopen_name(int fd, char *name, size_t size, struct dmabuf_err *e)
{
	struct stat st, now;
	char link[64];
	ssize_t n;

	db_snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if (fstat(fd, &st))
		return db_err_set(e, DMABUF_E_USAGE, -errno, "fstat", "fd %d", fd);
	n = readlink(link, name, size - 1);
	/* a path longer than a target's name is reached through the link too */
	if (n >= 0 && (size_t)n < sizeof(((struct db_target *)0)->path)) {
		name[n] = '\0';
		if (!stat(name, &now) && now.st_dev == st.st_dev && now.st_ino == st.st_ino)
			return 0;
	}
	db_snprintf(name, size, "%s", link);
	return 0;
}

int dmabuf_target_info(int fd, struct dmabuf_target_info *ti, struct dmabuf_err *e)
{
	char path[PATH_MAX];
	struct db_target t;
	int ret;

	memset(ti, 0, sizeof(*ti));
	ret = reopen_name(fd, path, sizeof(path), e);
	if (!ret)
		ret = db_target_open(path, false, &t, e);
	if (ret)
		return ret;
	ti->kind = target_kinds[t.kind];
	ti->lba_size = t.lba_size;
	ti->ms = t.ms;
	ti->dma_align = t.dma_align;
	ti->max_xfer = t.max_xfer;
	ti->nsid = t.nsid;
	ti->nlba = t.nlba;
	ti->flags = t.ext_lba ? DMABUF_TARGET_EXT_LBA : 0;
	db_target_close(&t);
	return 0;
}
