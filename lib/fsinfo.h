/* SPDX-License-Identifier: MIT */
#ifndef DMABUF_FSINFO_H
#define DMABUF_FSINFO_H

/*
 * Regular files on file systems: the facts a dmabuf token for a file
 * depends on (doc/file-tokens.md): the file system and its mount, the
 * block devices the file's data can reach, and the file's attributes.
 * Mount facts come from libmount (/proc/self/mountinfo), device names from
 * libblkid, attributes from statx(2) and the FS_IOC_GETFLAGS and
 * FS_IOC_FSGETXATTR ioctls.  Built into libdmabuf and the tool.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db_fsinfo {
	char fstype[32];	/* "ext4", "xfs": the mount's type; "" unknown */
	char mount[256];	/* its mount point; "" unknown */
	char options[512];	/* the file system's options (mountinfo's super options) */
	char data_dev[64];	/* the device st_dev names: "/dev/nvme0n1"; "" unknown */
	char rt_dev[256];	/* XFS realtime device (the rtdev= option); "" none */
	bool realtime;		/* XFS: the file's data is on the realtime device */
	bool dax;		/* statx STATX_ATTR_DAX: direct access, no block I/O */
	bool flags_known;	/* @flags was read */
	uint32_t flags;		/* FS_IOC_GETFLAGS: linux/fs.h FS_*_FL */
	uint32_t dio_offset_align;	/* statx STATX_DIOALIGN, bytes; 0 unknown */
	uint32_t dio_mem_align;		/* the same for buffer addresses */
};

/*
 * Fill @fi for the regular file open as @fd (descriptor not taken).  What
 * cannot be found stays "" or 0.  0, or -errno of fstat(2) (-EINVAL: not a
 * regular file).
 */
int db_fsinfo_get(int fd, struct db_fsinfo *fi);

/*
 * The device @fi's data goes to: the realtime device for an XFS realtime
 * file, else the data device; "" unknown.
 */
const char *db_fsinfo_device(const struct db_fsinfo *fi);

/*
 * Why a dmabuf token registration on this file is refused, from what the
 * file system's token hook checks (kernel patches 0030 ext4, 0031 XFS;
 * doc/file-tokens.md, "What is refused"): a file system without tokens, a
 * DAX file, fs-verity, data journalling (mount option or chattr +j),
 * inline data, fscrypt, an ext4 file without extents.  The reason, with
 * its remedy, in @buf (@len bytes) and returned; NULL when none of these
 * applies (the device below, or the kernel, is the reason).
 */
const char *db_fsinfo_refusal(const struct db_fsinfo *fi, char *buf, size_t len);

/*
 * Why the kernel refused a token for the regular file @fd: the file's own
 * reason (db_fsinfo_refusal()), else the answer of the device below,
 * probed with @dmabuf_fd, else "this kernel's FSTYPE takes no tokens".
 * Into @buf (@len bytes); returns @buf.
 */
const char *db_fsinfo_token_why(int fd, int dmabuf_fd, char *buf, size_t len);

#endif
