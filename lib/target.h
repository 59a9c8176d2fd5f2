/* SPDX-License-Identifier: MIT */
#ifndef DMABUF_TARGET_H
#define DMABUF_TARGET_H

/*
 * Targets: what I/O goes to.  An NVMe namespace block device (/dev/nvmeXnY),
 * its generic char device (/dev/ngXnY), any other block device, or a regular
 * file.  NVMe facts come from libnvme's identify calls.
 */

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "fsinfo.h"

enum db_target_kind {
	DB_TGT_NVME_BLK,	/* /dev/nvmeXnY */
	DB_TGT_NVME_CHAR,	/* /dev/ngXnY: uring_cmd passthrough */
	DB_TGT_BLK,		/* other block device (loop, …) */
	DB_TGT_FILE,		/* regular file */
};

struct db_target {
	char path[256];
	int fd;			/* O_DIRECT (block/file) or O_RDWR char; owned */
	enum db_target_kind kind;
	bool writable;		/* opened for writing */
	uint32_t lba_size;	/* bytes per logical block (files: their direct I/O alignment, >= 512) */
	uint32_t ms;		/* metadata bytes per block (NVMe), 0 if none */
	bool ext_lba;		/* metadata interleaved with data (FLBAS bit 4) */
	uint64_t nlba;		/* capacity in logical blocks */
	uint32_t max_xfer;	/* bytes per command: MDTS / max_hw_sectors_kb, 0 = no limit known */
	uint32_t dma_align;	/* required buffer address alignment in bytes */
	/* NVMe only */
	uint32_t nsid;
	char ctrl[32];		/* "nvme0" */
	char model[41];
	char serial[21];
	char firmware[9];
	char blkdev[64];	/* matching block device of an ng char device, "" if none */
	/* regular files only */
	struct db_fsinfo fs;	/* its file system, the devices below, its attributes */
};

/*
 * Open @path and identify it.  @write opens read-write.  Block devices and
 * files are opened O_DIRECT.  Errors: -ENOENT (no such target, DMABUF_E_USAGE),
 * -EISDIR (directory, DMABUF_E_USAGE), -EACCES, -ENOTSUP (a kind of file that is
 * no target, e.g. a char device that is not an NVMe generic device).
 * On success @t owns the fd: release with db_target_close().
 */
int db_target_open(const char *path, bool write, struct db_target *t, struct dmabuf_err *e);
void db_target_close(struct db_target *t);

/* "nvme-blk", "nvme-char", "block", "file" */
const char *db_target_kind_name(enum db_target_kind kind);

/*
 * Check that [lba, lba + nblocks) lies inside the target.  A regular file
 * may grow past its end only when @extend.  -ERANGE (DMABUF_E_USAGE) naming
 * the capacity.
 */
int db_target_check_range(const struct db_target *t, uint64_t lba, uint64_t nblocks,
			  bool extend, struct dmabuf_err *e);

/*
 * What the block layer counted for a block device (/sys/dev/block/M:m/stat,
 * Documentation/block/stat.rst): requests that reached the driver, and the
 * requests merged into them before.  A merged request is not a command.
 */
struct db_devstat {
	uint64_t read_ios, read_merges, read_sectors;	/* sectors of 512 bytes */
	uint64_t write_ios, write_merges, write_sectors;
};

/*
 * Read the counters of @t's block device: the target itself, or for an ng
 * char device its namespace's block device (which counts passthrough
 * commands only when its queue/iostats_passthrough is 1).  0; -ENOENT for
 * a file or when sysfs lacks the file; -errno.
 */
int db_target_devstat(const struct db_target *t, struct db_devstat *s);
/* @after - @before, field by field, into @d. */
void db_devstat_sub(const struct db_devstat *after, const struct db_devstat *before,
		    struct db_devstat *d);

#endif
