// SPDX-License-Identifier: MIT
/*
 * Targets: open a path and find out what it is and what its limits are.
 *
 * NVMe facts (LBA format, metadata, capacity, MDTS, model) come from
 * libnvme's identify calls; the block layer's own limits (max_hw_sectors_kb,
 * dma_alignment) come from sysfs, because for the block device path they
 * are what the kernel enforces.  See lib/target.h.
 */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <linux/fs.h>

#include <libnvme.h>

#include "fsinfo.h"
#include "nvme.h"
#include "target.h"
#include "util.h"

#define SYSFS_PATH_MAX	PATH_MAX

/* The controller page size Linux assumes when CAP.MPSMIN is not visible. */
#define NVME_MIN_PAGE	4096u

/* ---- small sysfs helpers ---------------------------------------------- */


int db_target_devstat(const struct db_target *t, struct db_devstat *s)
{
	unsigned long long v[8];
	char path[96], buf[256];
	struct stat st;
	int ret;

	if (t->kind == DB_TGT_FILE)
		return -ENOENT;
	if (t->kind == DB_TGT_NVME_CHAR ? (!t->blkdev[0] || stat(t->blkdev, &st)) :
	    fstat(t->fd, &st))
		return t->kind == DB_TGT_NVME_CHAR && !t->blkdev[0] ? -ENOENT : -errno;
	if (!S_ISBLK(st.st_mode))
		return -ENOENT;
	if (db_snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/stat", major(st.st_rdev),
			minor(st.st_rdev)))
		return -ENAMETOOLONG;
	ret = db_read_line(path, buf, sizeof(buf));
	if (ret)
		return ret;
	/* reads, merges, sectors, ticks, then the same four for writes */
	if (sscanf(buf, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]) != 8)
		return -EINVAL;
	*s = (struct db_devstat){
		.read_ios = v[0], .read_merges = v[1], .read_sectors = v[2],
		.write_ios = v[4], .write_merges = v[5], .write_sectors = v[6],
	};
	return 0;
}

void db_devstat_sub(const struct db_devstat *after, const struct db_devstat *before,
		    struct db_devstat *d)
{
	d->read_ios = after->read_ios - before->read_ios;
	d->read_merges = after->read_merges - before->read_merges;
	d->read_sectors = after->read_sectors - before->read_sectors;
	d->write_ios = after->write_ios - before->write_ios;
	d->write_merges = after->write_merges - before->write_merges;
	d->write_sectors = after->write_sectors - before->write_sectors;
}

/* Canonical sysfs directory of device @rdev ("/sys/devices/…/nvme0n1"). */
static int sysfs_dev_dir(bool block, dev_t rdev, char *out)
{
	char link[64];

	db_snprintf(link, sizeof(link), "/sys/dev/%s/%u:%u", block ? "block" : "char",
		 major(rdev), minor(rdev));
	if (!realpath(link, out))
		return -errno;
	return 0;
}

/* Basename of the target of @dir/@name, a sysfs symlink ("subsystem"). */
static int sysfs_link_name(const char *dir, const char *name, char *out, size_t len)
{
	char path[SYSFS_PATH_MAX], real[PATH_MAX];

	if (db_snprintf(path, sizeof(path), "%s/%s", dir, name))
		return -ENAMETOOLONG;
	if (!realpath(path, real))
		return -errno;
	db_snprintf(out, len, "%s", basename(real));
	return 0;
}

static bool sysfs_has(const char *dir, const char *name)
{
	char path[SYSFS_PATH_MAX];

	if (db_snprintf(path, sizeof(path), "%s/%s", dir, name))
		return false;
	return access(path, F_OK) == 0;
}

/* Is @name a controller ("nvme0"), not a namespace or a subsystem? */
static bool is_ctrl_name(const char *name)
{
	unsigned inst;
	int end = 0;

	return sscanf(name, "nvme%u%n", &inst, &end) == 1 && name[end] == '\0';
}

/*
 * Name of the controller a namespace device hangs off.  Its sysfs parent
 * ("device") is the controller itself, or with native multipath the
 * subsystem, which links to its controllers: take the first by name.
 */
static void ctrl_of(const char *sysdir, char *out, size_t len)
{
	char path[SYSFS_PATH_MAX], parent[64];
	struct dirent **ents;
	int i, n;

	out[0] = '\0';
	if (sysfs_link_name(sysdir, "device", parent, sizeof(parent)))
		return;
	if (is_ctrl_name(parent)) {
		db_snprintf(out, len, "%s", parent);
		return;
	}
	if (db_snprintf(path, sizeof(path), "%s/device", sysdir))
		return;
	n = scandir(path, &ents, NULL, versionsort);
	if (n < 0)
		return;
	for (i = 0; i < n; i++) {
		if (!out[0] && is_ctrl_name(ents[i]->d_name))
			db_snprintf(out, len, "%s", ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
}

/* Copy a space-padded identify string, dropping the padding. */
/* Smaller of two limits where 0 means "no limit known". */
static uint32_t min_limit(uint64_t a, uint64_t b)
{
	uint64_t m;

	if (!a)
		m = b;
	else if (!b)
		m = a;
	else
		m = a < b ? a : b;
	return m > UINT32_MAX ? UINT32_MAX : (uint32_t)m;
}

/* ---- errors ------------------------------------------------------------- */

/*
 * What to change when this user may not open @t: a device's group (disk),
 * a regular file's permissions, or a directory on the way it cannot search.
 */
static void access_hint(const struct db_target *t, struct dmabuf_err *e)
{
	struct stat st;

	if (stat(t->path, &st) < 0)
		db_err_detail(e, "a directory on its path does not let this user (uid %u) search "
			      "it: give that directory search (x) permission, or use a path this "
			      "user can reach", (unsigned)geteuid());
	else if (S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode))
		db_err_detail(e, "run as root or add yourself to the disk group");
	else
		db_err_detail(e, "the file is mode %04o, owner uid %u, and this user (uid %u) may "
			      "not %s it: change its permissions (chmod) or run as a user who may",
			      (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid,
			      (unsigned)geteuid(), t->writable ? "write" : "read");
}

static int open_error(struct db_target *t, int err, struct dmabuf_err *e)
{
	switch (err) {
	case ENOENT:
		db_err_set(e, DMABUF_E_USAGE, -err, "open", "%s", t->path);
		db_err_detail(e, "no such target");
		break;
	case EACCES:
	case EPERM:
		db_err_set(e, DMABUF_E_IO, -err, "open", "%s", t->path);
		access_hint(t, e);
		break;
	case EBUSY:
		/*
		 * A kernel built without BLK_DEV_WRITE_MOUNTED refuses to open a
		 * mounted or claimed block device for writing: a safety refusal,
		 * but one that --force cannot lift.
		 */
		db_err_set(e, t->writable ? DMABUF_E_SAFETY : DMABUF_E_IO, -err, "open", "%s", t->path);
		db_err_detail(e, "the device is in use (mounted or claimed by a driver) and the "
			      "kernel refuses to open it%s", t->writable ? " for writing" : "");
		break;
	case EROFS:
		db_err_set(e, DMABUF_E_IO, -err, "open", "%s", t->path);
		db_err_detail(e, "the target is read-only; it can only be read");
		break;
	default:
		db_err_set(e, db_err_kind_of(-err), -err, "open", "%s", t->path);
		break;
	}
	return -err;
}

static int open_target_fd(struct db_target *t, int flags, struct dmabuf_err *e)
{
	flags |= (t->writable ? O_RDWR : O_RDONLY) | O_CLOEXEC;
	t->fd = open(t->path, flags);
	if (t->fd < 0)
		return open_error(t, errno, e);
	return 0;
}

/* ---- NVMe identify ------------------------------------------------------ */

/* An identify call returns -1 with errno, or a positive NVMe status. */
static int identify_error(struct db_target *t, const char *op, int ret, struct dmabuf_err *e)
{
	int err = ret < 0 ? errno : EIO;

	if (err == EACCES || err == EPERM) {
		db_err_set(e, DMABUF_E_IO, -err, op, "%s", t->path);
		db_err_detail(e, "run as root or add yourself to the disk group");
		return -err;
	}
	db_err_set(e, DMABUF_E_IO, -err, op, "%s", t->path);
	if (ret > 0)
		db_err_detail(e, "the controller answered NVMe status 0x%x", ret);
	return -err;
}

/* LBA format in use: data size, metadata size and placement, capacity. */
static int identify_ns(struct db_target *t, struct dmabuf_err *e)
{
	struct nvme_id_ns id;
	struct nvme_lbaf *f;
	__u8 idx;
	int ret;

	memset(&id, 0, sizeof(id));
	ret = nvme_identify_ns(t->fd, t->nsid, &id);
	if (ret)
		return identify_error(t, "nvme_identify_ns", ret, e);
	nvme_id_ns_flbas_to_lbaf_inuse(id.flbas, &idx);
	if (idx >= sizeof(id.lbaf) / sizeof(id.lbaf[0]))
		idx = 0;
	f = &id.lbaf[idx];
	/* ds is a power of two; below 9 (512 B) the format is not usable */
	if (f->ds < 9 || f->ds > 31) {
		db_err_set(e, DMABUF_E_UNSUPPORTED, -ENOTSUP, "nvme_identify_ns", "%s", t->path);
		db_err_detail(e, "LBA format %u has data size 2^%u, which is not supported",
			      idx, f->ds);
		return -ENOTSUP;
	}
	t->lba_size = 1u << f->ds;
	t->ms = le16toh(f->ms);
	t->ext_lba = t->ms && (id.flbas & NVME_NS_FLBAS_META_EXT);
	t->nlba = le64toh(id.nsze);
	return 0;
}

/*
 * Controller strings and MDTS.  MDTS is in units of CAP.MPSMIN, which
 * only the controller's registers show; Linux runs NVMe with 4 KiB pages,
 * and the block layer's max_hw_sectors_kb (computed by the driver from
 * the real MPSMIN) caps the result anyway.  Returns the MDTS in bytes,
 * 0 for "no limit".
 */
static int identify_ctrl(struct db_target *t, uint64_t *mdts_bytes, struct dmabuf_err *e)
{
	struct nvme_id_ctrl id;
	int ret;

	memset(&id, 0, sizeof(id));
	ret = nvme_identify_ctrl(t->fd, &id);
	if (ret)
		return identify_error(t, "nvme_identify_ctrl", ret, e);
	db_nvme_id_str(t->model, sizeof(t->model), id.mn, sizeof(id.mn));
	db_nvme_id_str(t->serial, sizeof(t->serial), id.sn, sizeof(id.sn));
	db_nvme_id_str(t->firmware, sizeof(t->firmware), id.fr, sizeof(id.fr));
	/* 2^20 pages is 4 GiB: past what a 32-bit max_xfer can say */
	if (!id.mdts || id.mdts >= 20)
		*mdts_bytes = 0;
	else
		*mdts_bytes = (uint64_t)NVME_MIN_PAGE << id.mdts;
	return 0;
}

static int nvme_identify_target(struct db_target *t, uint64_t *mdts_bytes, struct dmabuf_err *e)
{
	int ret;

	if (nvme_get_nsid(t->fd, &t->nsid) < 0)
		return db_err_set(e, DMABUF_E_IO, -errno, "NVME_IOCTL_ID", "%s", t->path);
	ret = identify_ns(t, e);
	if (ret)
		return ret;
	return identify_ctrl(t, mdts_bytes, e);
}

/* ---- block layer limits --------------------------------------------------- */

struct queue_limits {
	uint64_t max_hw_bytes;	/* 0 if unknown */
	uint32_t dma_align;	/* 0 if unknown */
};

static void read_queue_limits(const char *diskdir, struct queue_limits *q)
{
	char path[SYSFS_PATH_MAX];
	uint64_t v;

	q->max_hw_bytes = 0;
	q->dma_align = 0;
	if (!db_snprintf(path, sizeof(path), "%s/queue/max_hw_sectors_kb", diskdir) &&
	    !db_read_u64(path, &v))
		q->max_hw_bytes = v * 1024;
	/* the attribute is a mask: 511 means 512-byte alignment */
	if (!db_snprintf(path, sizeof(path), "%s/queue/dma_alignment", diskdir) &&
	    !db_read_u64(path, &v) && v < UINT32_MAX)
		q->dma_align = (uint32_t)v + 1;
}

/* ---- regular files ------------------------------------------------------ */

static int open_file(struct db_target *t, const struct stat *st, struct dmabuf_err *e)
{
	t->fd = open(t->path, (t->writable ? O_RDWR : O_RDONLY) | O_DIRECT | O_CLOEXEC);
	if (t->fd < 0 && errno == EINVAL) {
		/* honest failure: buffered I/O would measure the page cache */
		db_err_set(e, DMABUF_E_UNSUPPORTED, -EINVAL, "open(O_DIRECT)", "%s", t->path);
		db_err_detail(e, "this filesystem refuses O_DIRECT, which dmabuf requires; "
			      "put the file on a filesystem with direct I/O (ext4, xfs, btrfs)");
		return -EINVAL;
	}
	if (t->fd < 0)
		return open_error(t, errno, e);
	t->kind = DB_TGT_FILE;
	db_fsinfo_get(t->fd, &t->fs);
	/*
	 * A block is the file's direct I/O offset alignment (statx DIOALIGN:
	 * the logical block size of the device below, 4096 on a 4 KiB
	 * namespace), at least 512: a smaller request would be -EINVAL.
	 */
	t->lba_size = DB_MAX(512u, t->fs.dio_offset_align);
	t->nlba = (uint64_t)st->st_size / t->lba_size;
	t->max_xfer = 0;
	t->dma_align = 512;
	return 0;
}

/* ---- block devices ------------------------------------------------------ */

/*
 * sysfs directory of the whole disk behind @rdev: the device's own for a
 * disk, its parent for a partition (whose queue limits are the disk's).
 * "" when sysfs is not there.
 */
static void blk_disk_dir(dev_t rdev, char *disk)
{
	char dir[PATH_MAX];

	disk[0] = '\0';
	if (sysfs_dev_dir(true, rdev, dir))
		return;
	if (sysfs_has(dir, "partition"))
		db_snprintf(disk, PATH_MAX, "%s", dirname(dir));
	else
		db_snprintf(disk, PATH_MAX, "%s", dir);
}

/*
 * NVMe namespace?  sysfs knows without sending the device anything: the
 * disk's parent is an NVMe controller or (native multipath) subsystem.
 * Only when sysfs cannot say, ask the driver with NVME_IOCTL_ID.
 */
static bool blk_is_nvme(const struct db_target *t, const char *diskdir)
{
	char cls[64];
	__u32 nsid;

	if (diskdir[0] && !sysfs_link_name(diskdir, "device/subsystem", cls, sizeof(cls)))
		return !strcmp(cls, "nvme") || !strcmp(cls, "nvme-subsystem");
	if (diskdir[0] && sysfs_has(diskdir, "dev"))
		return false;	/* a disk with no parent device: loop, zram, … */
	return nvme_get_nsid(t->fd, &nsid) == 0;
}

static int blk_geometry(struct db_target *t, struct dmabuf_err *e)
{
	uint64_t bytes;
	int ssz;

	if (ioctl(t->fd, BLKSSZGET, &ssz) < 0)
		return db_err_set(e, DMABUF_E_IO, -errno, "BLKSSZGET", "%s", t->path);
	if (ioctl(t->fd, BLKGETSIZE64, &bytes) < 0)
		return db_err_set(e, DMABUF_E_IO, -errno, "BLKGETSIZE64", "%s", t->path);
	if (ssz <= 0) {
		db_err_set(e, DMABUF_E_IO, -EINVAL, "BLKSSZGET", "%s", t->path);
		db_err_detail(e, "the device reports a logical block size of %d", ssz);
		return -EINVAL;
	}
	t->lba_size = (uint32_t)ssz;
	t->nlba = bytes / (uint32_t)ssz;
	return 0;
}

static int open_blk(struct db_target *t, const struct stat *st, struct dmabuf_err *e)
{
	char diskdir[PATH_MAX];
	struct queue_limits q;
	uint64_t mdts = 0;
	int ret;

	ret = open_target_fd(t, O_DIRECT, e);
	if (ret)
		return ret;
	blk_disk_dir(st->st_rdev, diskdir);
	read_queue_limits(diskdir, &q);
	t->kind = DB_TGT_BLK;
	if (blk_is_nvme(t, diskdir)) {
		t->kind = DB_TGT_NVME_BLK;
		ret = nvme_identify_target(t, &mdts, e);
		if (ret)
			return ret;
		if (diskdir[0])
			ctrl_of(diskdir, t->ctrl, sizeof(t->ctrl));
	}
	/*
	 * The block layer's size and block size win over identify's: they are
	 * what I/O through this node is checked against (a partition is
	 * smaller than its namespace; a format the driver cannot use has
	 * capacity 0).
	 */
	ret = blk_geometry(t, e);
	if (ret)
		return ret;
	t->max_xfer = min_limit(mdts, q.max_hw_bytes);
	t->dma_align = q.dma_align ? q.dma_align : t->lba_size;
	return 0;
}

/* ---- NVMe generic char devices --------------------------------------------- */

/*
 * The namespace's block device has the same instance numbers as its
 * generic device (ngXnY ↔ nvmeXnY, with or without native multipath);
 * trust the name only when that disk also reports the same NSID.
 */
static void chr_find_blkdev(struct db_target *t, const char *ngname, char *diskdir)
{
	char path[SYSFS_PATH_MAX], name[32];
	unsigned a, b;
	uint64_t nsid;

	diskdir[0] = '\0';
	if (sscanf(ngname, "ng%un%u", &a, &b) != 2)
		return;
	db_snprintf(name, sizeof(name), "nvme%un%u", a, b);
	db_snprintf(path, sizeof(path), "/sys/class/block/%s/nsid", name);
	if (db_read_u64(path, &nsid) || nsid != t->nsid)
		return;
	db_snprintf(path, sizeof(path), "/sys/class/block/%s", name);
	if (!realpath(path, diskdir)) {
		diskdir[0] = '\0';
		return;
	}
	db_snprintf(t->blkdev, sizeof(t->blkdev), "/dev/%s", name);
}

/* Is char device @rdev an NVMe generic device?  Also names it. */
static int chr_check_generic(struct db_target *t, dev_t rdev, char *sysdir, char *ngname,
			     struct dmabuf_err *e)
{
	char cls[64] = "";
	char *copy;

	if (sysfs_dev_dir(false, rdev, sysdir) == 0) {
		sysfs_link_name(sysdir, "subsystem", cls, sizeof(cls));
		db_snprintf(ngname, 64, "%s", basename(sysdir));
	} else {
		/* no sysfs (a container?): go by the node's name */
		sysdir[0] = '\0';
		copy = strdupa(t->path);
		db_snprintf(ngname, 64, "%s", basename(copy));
		if (!strncmp(ngname, "ng", 2))
			db_snprintf(cls, sizeof(cls), "nvme-generic");
	}
	if (!strcmp(cls, "nvme-generic"))
		return 0;
	db_err_set(e, DMABUF_E_USAGE, -ENOTSUP, "open", "%s", t->path);
	if (!strcmp(cls, "nvme"))
		db_err_detail(e, "this is an NVMe controller, not a namespace: "
			      "use /dev/nvmeXnY or /dev/ngXnY");
	else
		db_err_detail(e, "not an NVMe generic char device (/dev/ngXnY)");
	return -ENOTSUP;
}

static int open_chr(struct db_target *t, const struct stat *st, struct dmabuf_err *e)
{
	char sysdir[PATH_MAX], diskdir[PATH_MAX], ngname[64];
	struct queue_limits q = { 0, 0 };
	uint64_t mdts = 0;
	int ret;

	ret = chr_check_generic(t, st->st_rdev, sysdir, ngname, e);
	if (ret)
		return ret;
	ret = open_target_fd(t, 0, e);
	if (ret)
		return ret;
	t->kind = DB_TGT_NVME_CHAR;
	ret = nvme_identify_target(t, &mdts, e);
	if (ret)
		return ret;
	if (sysdir[0])
		ctrl_of(sysdir, t->ctrl, sizeof(t->ctrl));
	chr_find_blkdev(t, ngname, diskdir);
	if (diskdir[0])
		read_queue_limits(diskdir, &q);
	/* passthrough requests go through the namespace's queue and its limits */
	t->max_xfer = min_limit(mdts, q.max_hw_bytes);
	/* NVMe itself asks only for dword-aligned data pointers */
	t->dma_align = q.dma_align ? q.dma_align : 4;
	return 0;
}

/* ---- public --------------------------------------------------------------- */

static void target_reset(struct db_target *t)
{
	memset(t, 0, sizeof(*t));
	t->fd = -1;
}

static int target_open_kind(struct db_target *t, struct dmabuf_err *e)
{
	struct stat st;

	if (stat(t->path, &st) < 0)
		return open_error(t, errno, e);
	if (S_ISDIR(st.st_mode)) {
		db_err_set(e, DMABUF_E_USAGE, -EISDIR, "open", "%s", t->path);
		db_err_detail(e, "a directory is no target: give a device or a file");
		return -EISDIR;
	}
	if (S_ISREG(st.st_mode))
		return open_file(t, &st, e);
	if (S_ISBLK(st.st_mode))
		return open_blk(t, &st, e);
	if (S_ISCHR(st.st_mode))
		return open_chr(t, &st, e);
	db_err_set(e, DMABUF_E_USAGE, -ENOTSUP, "open", "%s", t->path);
	db_err_detail(e, "not a block device, NVMe generic char device or regular file");
	return -ENOTSUP;
}

int db_target_open(const char *path, bool write, struct db_target *t, struct dmabuf_err *e)
{
	int ret;

	target_reset(t);
	if (strlen(path) >= sizeof(t->path))
		return db_err_set(e, DMABUF_E_USAGE, -ENAMETOOLONG, "open", "%.64s…", path);
	db_snprintf(t->path, sizeof(t->path), "%s", path);
	t->writable = write;
	ret = target_open_kind(t, e);
	if (ret) {
		db_target_close(t);
		target_reset(t);
	}
	return ret;
}

void db_target_close(struct db_target *t)
{
	if (t && t->fd >= 0) {
		close(t->fd);
		t->fd = -1;
	}
}

const char *db_target_kind_name(enum db_target_kind kind)
{
	switch (kind) {
	case DB_TGT_NVME_BLK:
		return "nvme-blk";
	case DB_TGT_NVME_CHAR:
		return "nvme-char";
	case DB_TGT_BLK:
		return "block";
	case DB_TGT_FILE:
		return "file";
	}
	return "unknown";
}

/* Why @lba..@end-1 is past the end of file @t: its size, whole blocks and tail. */
static void file_past_end(const struct db_target *t, uint64_t lba, uint64_t end,
			  struct dmabuf_err *e)
{
	uint64_t bytes = t->nlba * t->lba_size;
	char tail[96] = "";
	struct stat st;

	if (t->fd >= 0 && !fstat(t->fd, &st) && (uint64_t)st.st_size > bytes) {
		db_snprintf(tail, sizeof(tail), ", then %llu bytes that no whole block holds",
			    (unsigned long long)st.st_size - bytes);
		bytes = (uint64_t)st.st_size;
	}
	db_err_detail(e, "LBA range %llu..%llu is past the end of the file (%llu bytes: "
		      "%llu blocks of %u bytes%s)", (unsigned long long)lba,
		      (unsigned long long)(end - 1), (unsigned long long)bytes,
		      (unsigned long long)t->nlba, t->lba_size, tail);
}

int db_target_check_range(const struct db_target *t, uint64_t lba, uint64_t nblocks,
			  bool extend, struct dmabuf_err *e)
{
	uint64_t end;

	if (!nblocks) {
		db_err_set(e, DMABUF_E_USAGE, -EINVAL, "check LBA range", "%s", t->path);
		db_err_detail(e, "the range is empty: give at least one block");
		return -EINVAL;
	}
	/* the byte offset of the end must fit in off_t as well */
	if (lba > UINT64_MAX - nblocks ||
	    (t->lba_size && lba + nblocks > (uint64_t)INT64_MAX / t->lba_size)) {
		db_err_set(e, DMABUF_E_USAGE, -ERANGE, "check LBA range", "%s", t->path);
		db_err_detail(e, "LBA %llu + %llu blocks overflows the byte offset",
			      (unsigned long long)lba, (unsigned long long)nblocks);
		return -ERANGE;
	}
	end = lba + nblocks;
	if (end <= t->nlba || (t->kind == DB_TGT_FILE && extend))
		return 0;	/* a file grows only when the caller asks */
	db_err_set(e, DMABUF_E_USAGE, 0, NULL, "%s", t->path);
	if (t->kind == DB_TGT_FILE)
		file_past_end(t, lba, end, e);
	else
		db_err_detail(e, "LBA range %llu..%llu is past the end of %s (%llu blocks of %u bytes)",
			      (unsigned long long)lba, (unsigned long long)(end - 1), t->path,
			      (unsigned long long)t->nlba, t->lba_size);
	return -ERANGE;
}
