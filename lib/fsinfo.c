// SPDX-License-Identifier: MIT
/*
 * Regular files on file systems: what a dmabuf token for a file depends
 * on, and why the kernel refused one.  See lib/fsinfo.h and
 * doc/file-tokens.md.
 *
 * The reasons follow the checks of the file systems' token hooks (kernel
 * patches 0030 for ext4, 0031 for XFS), in their order, so that the text
 * names what the kernel looked at: the library asks the same questions of
 * the same attributes from user space.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/fs.h>

#include <blkid/blkid.h>
#include <libmount/libmount.h>

#include "dmabuf/dmabuf.h"
#include "fsinfo.h"
#include "util.h"

/* Copy option @name of the option string @opts into @out ("" if absent). */
static void opt_value(const char *opts, const char *name, char *out, size_t len)
{
	char *val = NULL;
	size_t n = 0;

	out[0] = '\0';
	if (!opts || mnt_optstr_get_option(opts, name, &val, &n) != 0)
		return;
	snprintf(out, len, "%.*s", (int)n, val ? val : "");
}

static bool opt_has(const char *opts, const char *name)
{
	char *val;
	size_t n;

	return opts && mnt_optstr_get_option(opts, name, &val, &n) == 0;
}

/*
 * The mount of @fd: the mount point its path lies under when that mount is
 * of @dev (bind mounts, overlays), else the last mount of @dev.
 */
static void mount_facts(int fd, dev_t dev, struct db_fsinfo *fi)
{
	struct libmnt_table *tb = mnt_new_table();
	struct libmnt_fs *fs = NULL;
	char link[64], path[PATH_MAX];
	const char *s;
	ssize_t n;

	if (!tb)
		return;
	if (mnt_table_parse_file(tb, "/proc/self/mountinfo"))
		goto out;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n > 0 && path[0] == '/') {
		path[n] = '\0';
		fs = mnt_table_find_mountpoint(tb, path, MNT_ITER_BACKWARD);
		if (fs && mnt_fs_get_devno(fs) != dev)
			fs = NULL;
	}
	if (!fs)
		fs = mnt_table_find_devno(tb, dev, MNT_ITER_BACKWARD);
	if (!fs)
		goto out;
	if ((s = mnt_fs_get_fstype(fs)))
		snprintf(fi->fstype, sizeof(fi->fstype), "%s", s);
	if ((s = mnt_fs_get_target(fs)))
		snprintf(fi->mount, sizeof(fi->mount), "%s", s);
	if ((s = mnt_fs_get_fs_options(fs)))
		snprintf(fi->options, sizeof(fi->options), "%s", s);
	opt_value(fi->options, "rtdev", fi->rt_dev, sizeof(fi->rt_dev));
out:
	mnt_unref_table(tb);
}

int db_fsinfo_get(int fd, struct db_fsinfo *fi)
{
	struct fsxattr fsx;
	struct statx stx;
	struct stat st;
	unsigned int flags;
	char *name;

	memset(fi, 0, sizeof(*fi));
	if (fstat(fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	mount_facts(fd, st.st_dev, fi);
	name = blkid_devno_to_devname(st.st_dev);
	if (name) {
		snprintf(fi->data_dev, sizeof(fi->data_dev), "%s", name);
		free(name);
	}
	if (!statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx)) {
		fi->dax = (stx.stx_attributes_mask & STATX_ATTR_DAX) &&
			  (stx.stx_attributes & STATX_ATTR_DAX);
		if (stx.stx_mask & STATX_DIOALIGN) {
			fi->dio_offset_align = stx.stx_dio_offset_align;
			fi->dio_mem_align = stx.stx_dio_mem_align;
		}
	}
	if (!ioctl(fd, FS_IOC_GETFLAGS, &flags)) {
		fi->flags_known = true;
		fi->flags = flags;
	}
	if (!ioctl(fd, FS_IOC_FSGETXATTR, &fsx))
		fi->realtime = fsx.fsx_xflags & FS_XFLAG_REALTIME;
	return 0;
}

const char *db_fsinfo_device(const struct db_fsinfo *fi)
{
	return fi->realtime && fi->rt_dev[0] ? fi->rt_dev : fi->data_dev;
}

static bool is_ext(const char *fstype)
{
	return !strcmp(fstype, "ext4") || !strcmp(fstype, "ext3") || !strcmp(fstype, "ext2");
}

/* ext4_dmabuf_supported() (0030), in its order, from user space. */
static const char *ext4_refusal(const struct db_fsinfo *fi)
{
	char data[32];

	if (fi->dax || (fi->flags & FS_DAX_FL))
		return "the file is DAX (direct access to persistent memory): its I/O never "
		       "reaches the block device a token maps memory for; mount without -o dax";
	if (fi->flags & FS_ENCRYPT_FL)
		return "the file is encrypted (fscrypt): the CPU would have to encrypt and "
		       "decrypt its data, and a dma-buf gives it no address to do that at; "
		       "keep the file outside encrypted directories";
	if (fi->flags & FS_VERITY_FL)
		return "the file has fs-verity: the CPU verifies every block read; use a copy "
		       "of it without verity";
	opt_value(fi->options, "data", data, sizeof(data));
	if (!strcmp(data, "journal"))
		return "the file system is mounted with data=journal: the CPU copies file data "
		       "through the journal; mount it with data=ordered";
	/* ext4_inode_journal_mode(): the inode flag counts only without delalloc */
	if ((fi->flags & FS_JOURNAL_DATA_FL) && opt_has(fi->options, "nodelalloc"))
		return "the file's data is journalled (chattr +j, on a mount with nodelalloc): "
		       "the CPU copies it through the journal; run chattr -j on the file";
	if (fi->flags & FS_INLINE_DATA_FL)
		return "the file's data is stored inline in its inode (ext4 inline_data): "
		       "there is no block to move it to or from; copy it to a file system "
		       "made without -O inline_data";
	if (fi->flags_known && !(fi->flags & FS_EXTENT_FL))
		return "the file maps its blocks indirectly (the ext2/ext3 layout), not by "
		       "extents; chattr +e converts it where the file system has the extent "
		       "feature";
	return NULL;
}

const char *db_fsinfo_refusal(const struct db_fsinfo *fi, char *buf, size_t len)
{
	const char *why = NULL;

	if (is_ext(fi->fstype)) {
		why = ext4_refusal(fi);
	} else if (!strcmp(fi->fstype, "xfs")) {
		if (fi->dax || (fi->flags & FS_DAX_FL))
			why = "the file is DAX (direct access to persistent memory): its I/O "
			      "never reaches the block device a token maps memory for; mount "
			      "without -o dax";
	} else {
		snprintf(buf, len, "files on %s take no dmabuf tokens: tokens reach files "
			 "on ext4 and XFS", fi->fstype[0] ? fi->fstype : "this file system");
		return buf;
	}
	if (!why)
		return NULL;
	snprintf(buf, len, "%s", why);
	return buf;
}

/*
 * Does the device @dev (a file system's data or realtime device) take a
 * token of @dmabuf_fd?  1 yes, 0 no, -errno when it could not be asked.
 */
static int device_takes_tokens(const char *dev, int dmabuf_fd)
{
	enum dmabuf_token_support s;
	int fd = open(dev, O_RDONLY | O_DIRECT | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	s = dmabuf_token_probe(fd, dmabuf_fd, NULL);
	close(fd);
	if (s == DMABUF_TOKEN_OK)
		return 1;
	return s == DMABUF_TOKEN_NO_TARGET ? 0 : -EIO;
}

const char *db_fsinfo_token_why(int fd, int dmabuf_fd, char *buf, size_t len)
{
	const char *devs[2];
	struct db_fsinfo fi;
	int nr = 0, ret;

	if (db_fsinfo_get(fd, &fi)) {
		snprintf(buf, len, "the file's file system could not be examined");
		return buf;
	}
	if (db_fsinfo_refusal(&fi, buf, len))
		return buf;
	/* registration makes a token of every device the file system can reach */
	if (fi.data_dev[0])
		devs[nr++] = fi.data_dev;
	if (fi.rt_dev[0])
		devs[nr++] = fi.rt_dev;
	for (int i = 0; i < nr && dmabuf_fd >= 0; i++) {
		ret = device_takes_tokens(devs[i], dmabuf_fd);
		if (ret == 0) {
			snprintf(buf, len, "the %s file system is on %s, whose driver takes no "
				 "dmabuf tokens (an NVMe namespace, a partition of one, dm-linear "
				 "or a multipath head over them do)", fi.fstype, devs[i]);
			return buf;
		}
		if (ret < 0)
			nr = 0;		/* not asked: say less below */
	}
	if (nr)
		snprintf(buf, len, "%s takes dmabuf tokens, but this kernel's %s does not: "
			 "tokens for files are kernel patches 0027-0031 of this project's port",
			 fi.data_dev, fi.fstype);
	else
		snprintf(buf, len, "this kernel's %s takes no dmabuf tokens, or the device "
			 "below it (%s) does not", fi.fstype, fi.data_dev[0] ? fi.data_dev : "unknown");
	return buf;
}
