// SPDX-License-Identifier: MIT
/*
 * Safety rules for destructive writes (doc/safety.md).  A write to a
 * block device is refused, unless the user says --force, when the device or
 * one of its partitions
 *   - is mounted (/proc/self/mountinfo, through libmount),
 *   - has holders (/sys/dev/block/M:m/holders: dm, md, bcache, …),
 *   - is an active swap device (/proc/swaps, through libmount),
 *   - cannot be opened exclusively (the kernel's own "in use" verdict),
 *   - or carries a partition table or a filesystem/RAID/LVM signature
 *     (libblkid).
 * Every writing command asks db_target_check_write(), so each refusal
 * reads the same whichever command met it: the target, "write refused",
 * what was found (the mount point, the holder, the signature) and --force.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <blkid/blkid.h>
#include <libmount/libmount.h>

#include "safety.h"
#include "util.h"

#define FORCE_HINT "give --force to write anyway"

/* A block device checked: the target itself or one of its partitions. */
struct member {
	dev_t devt;
	char name[64];		/* "/dev/nvme0n1p1" (the device: its path as given) */
	char sysdir[PATH_MAX];	/* its sysfs directory */
};

struct members {
	struct member *v;
	unsigned nr, cap;
};

/* What is being checked, for the words of a refusal. */
struct subject {
	const char *target;	/* the target as the user named it: the message's object */
	const char *dev;	/* the block device checked (an ng device's: its nvmeXnY) */
};

static int refuse(struct dmabuf_err *e, const struct subject *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Record a refusal, the one shape of them all: "TARGET: write refused:
 * REASON; give --force to write anyway" (DMABUF_E_SAFETY, -EBUSY).
 */
static int refuse(struct dmabuf_err *e, const struct subject *s, const char *fmt, ...)
{
	char reason[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	db_err_set(e, DMABUF_E_SAFETY, 0, "write refused", "%s", s->target);
	db_err_detail(e, "%s; " FORCE_HINT, reason);
	return -EBUSY;
}

/*
 * The device a reason is about, as its sentence's subject: "it" (the
 * target), "its block device /dev/nvme0n1" (an ng target's), "its partition
 * /dev/loop0p1".
 */
static const char *who(const struct subject *s, const char *dev, bool partition,
		       char *buf, size_t len)
{
	if (partition)
		db_snprintf(buf, len, "its partition %s", dev);
	else if (strcmp(dev, s->target))
		db_snprintf(buf, len, "its block device %s", dev);
	else
		return "it";
	return buf;
}

/* ---- the device and its partitions ---------------------------------------- */

static int members_add(struct members *m, dev_t devt, const char *name, const char *sysdir)
{
	struct member *grown;

	if (m->nr == m->cap) {
		unsigned cap = m->cap ? m->cap * 2 : 8;

		grown = realloc(m->v, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		m->v = grown;
		m->cap = cap;
	}
	m->v[m->nr].devt = devt;
	db_snprintf(m->v[m->nr].name, sizeof(m->v[m->nr].name), "%s", name);
	db_snprintf(m->v[m->nr].sysdir, sizeof(m->v[m->nr].sysdir), "%s", sysdir);
	m->nr++;
	return 0;
}

/* Read "M:m" from @dir/@ent/dev if @ent is a partition of the disk at @dir. */
static bool partition_devt(const char *dir, const char *ent, dev_t *devt)
{
	char path[PATH_MAX], buf[32];
	unsigned ma, mi;
	bool ok;

	if (ent[0] == '.' ||
	    db_snprintf(path, sizeof(path), "%s/%s/partition", dir, ent) ||
	    access(path, F_OK) < 0 ||
	    db_snprintf(path, sizeof(path), "%s/%s/dev", dir, ent))
		return false;
	ok = !db_read_line(path, buf, sizeof(buf)) && sscanf(buf, "%u:%u", &ma, &mi) == 2;
	if (ok)
		*devt = makedev(ma, mi);
	return ok;
}

/* Partitions are subdirectories of the disk's sysfs directory. */
static int members_add_partitions(struct members *m, const char *diskdir)
{
	char name[80], sysdir[PATH_MAX];
	struct dirent *d;
	dev_t devt;
	DIR *dir;
	int ret = 0;

	dir = opendir(diskdir);
	if (!dir)
		return 0;	/* no sysfs: the other checks still run */
	while (!ret && (d = readdir(dir))) {
		if (!partition_devt(diskdir, d->d_name, &devt))
			continue;
		if (db_snprintf(name, sizeof(name), "/dev/%s", d->d_name) ||
		    db_snprintf(sysdir, sizeof(sysdir), "%s/%s", diskdir, d->d_name))
			continue;
		ret = members_add(m, devt, name, sysdir);
	}
	closedir(dir);
	return ret;
}

static int members_collect(struct members *m, const char *dev, dev_t devt)
{
	char link[64], sysdir[PATH_MAX];
	int ret;

	db_snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", major(devt), minor(devt));
	if (!realpath(link, sysdir))
		sysdir[0] = '\0';
	ret = members_add(m, devt, dev, sysdir);
	if (ret || !sysdir[0])
		return ret;
	return members_add_partitions(m, sysdir);
}

static const struct member *members_find(const struct members *m, dev_t devt,
					 const char *source)
{
	unsigned i;

	for (i = 0; i < m->nr; i++) {
		if (m->v[i].devt == devt)
			return &m->v[i];
		/* btrfs and friends show an anonymous dev_t: match the source */
		if (source && !strcmp(source, m->v[i].name))
			return &m->v[i];
	}
	return NULL;
}

/* ---- mounted ------------------------------------------------------------------ */

/*
 * The first entry of a mount or swap table that is a member, with its
 * entry in @fsp.  libmount parses the table (escapes, optional fields).  A
 * mount shows its filesystem's dev_t; a swap entry only its path, which is
 * stat()ed; btrfs and friends show an anonymous dev_t, so the source is
 * matched by name too.
 */
static const struct member *table_find(const struct members *m, struct libmnt_table *tb,
				       struct libmnt_fs **fsp)
{
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	const struct member *hit = NULL;
	const char *src;
	struct stat st;
	dev_t dev;

	while (it && !hit && mnt_table_next_fs(tb, it, fsp) == 0) {
		dev = mnt_fs_get_devno(*fsp);
		src = mnt_fs_get_source(*fsp);
		if (!dev && src && stat(src, &st) == 0 && S_ISBLK(st.st_mode))
			dev = st.st_rdev;
		hit = members_find(m, dev, src);
	}
	mnt_free_iter(it);
	return hit;
}

/* A table libmount could not read: the object is the file it read. */
static int table_err(struct dmabuf_err *e, const char *file, int ret)
{
	return db_err_set(e, DMABUF_E_IO, ret < 0 ? ret : -EINVAL, "parse", "%s", file);
}

static int check_mounted(const struct members *m, const struct subject *s, struct dmabuf_err *e)
{
	struct libmnt_table *tb = mnt_new_table();
	const struct member *hit;
	struct libmnt_fs *fs;
	char sub[96];
	int ret;

	if (!tb)
		return table_err(e, "/proc/self/mountinfo", -ENOMEM);
	ret = mnt_table_parse_file(tb, "/proc/self/mountinfo");
	if (ret)
		ret = table_err(e, "/proc/self/mountinfo", ret);
	else if ((hit = table_find(m, tb, &fs)))
		ret = refuse(e, s, "%s is mounted on %s",
			     who(s, hit->name, hit != m->v, sub, sizeof(sub)),
			     mnt_fs_get_target(fs));
	mnt_unref_table(tb);
	return ret;
}

/* ---- holders ------------------------------------------------------------------- */

/* First holder of @mb (a dm/md/bcache device stacked on it), "" if none. */
static void first_holder(const struct member *mb, char *out, size_t len)
{
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dir;

	out[0] = '\0';
	if (!mb->sysdir[0] || db_snprintf(path, sizeof(path), "%s/holders", mb->sysdir))
		return;
	dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		if (d->d_name[0] != '.') {
			db_snprintf(out, len, "%s", d->d_name);
			break;
		}
	}
	closedir(dir);
}

static int check_holders(const struct members *m, const struct subject *s, struct dmabuf_err *e)
{
	char holder[256], sub[96];
	unsigned i;

	for (i = 0; i < m->nr; i++) {
		first_holder(&m->v[i], holder, sizeof(holder));
		if (holder[0])
			return refuse(e, s, "%s is held by %s (a device stacked on it)",
				      who(s, m->v[i].name, i > 0, sub, sizeof(sub)), holder);
	}
	return 0;
}

/* ---- swap ------------------------------------------------------------------------ */

static int check_swap(const struct members *m, const struct subject *s, struct dmabuf_err *e)
{
	struct libmnt_table *tb;
	const struct member *hit;
	struct libmnt_fs *fs;
	char sub[96];
	int ret;

	if (access("/proc/swaps", F_OK))
		return 0;	/* no swap support: nothing can be swapped on */
	tb = mnt_new_table();
	if (!tb)
		return table_err(e, "/proc/swaps", -ENOMEM);
	ret = mnt_table_parse_swaps(tb, "/proc/swaps");
	if (ret)
		ret = table_err(e, "/proc/swaps", ret);
	else if ((hit = table_find(m, tb, &fs)))
		ret = refuse(e, s, "%s is in use as swap",
			     who(s, hit->name, hit != m->v, sub, sizeof(sub)));
	mnt_unref_table(tb);
	return ret;
}

/* ---- exclusive open ----------------------------------------------------------------- */

/*
 * The kernel refuses O_EXCL on a block device that a filesystem, swap, a
 * stacked driver or another exclusive opener has claimed, including a
 * whole disk one of whose partitions is claimed.  This catches users the
 * other checks cannot see (another mount namespace, a user-space tool).
 */
static int check_exclusive(const struct subject *s, struct dmabuf_err *e)
{
	char sub[96];
	int fd;

	fd = open(s->dev, O_RDONLY | O_EXCL | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno == EBUSY)
		return refuse(e, s, "%s is in use: the kernel refuses to open it exclusively "
			      "(mounted, swap, or claimed by a driver or program)",
			      who(s, s->dev, false, sub, sizeof(sub)));
	return 0;	/* other errors say nothing about users */
}

/* ---- signatures ------------------------------------------------------------------------ */

/* What the probe found, as words for the user. */
static int signature_refusal(blkid_probe pr, const struct subject *s, struct dmabuf_err *e)
{
	const char *type = NULL, *usage = NULL, *it;
	char sub[96];

	it = who(s, s->dev, false, sub, sizeof(sub));
	if (!blkid_probe_lookup_value(pr, "PTTYPE", &type, NULL) && type)
		return refuse(e, s, "%s carries a partition table (%s)", it, type);
	if (!blkid_probe_lookup_value(pr, "TYPE", &type, NULL) && type) {
		if (blkid_probe_lookup_value(pr, "USAGE", &usage, NULL) || !usage)
			usage = "filesystem";
		return refuse(e, s, "%s carries a %s signature (%s)", it, usage, type);
	}
	return refuse(e, s, "%s carries a signature libblkid recognises", it);
}

static int check_signatures(const struct subject *s, struct dmabuf_err *e)
{
	const char *dev = s->dev;
	char sub[96];
	blkid_probe pr;
	int rc, ret = 0;

	errno = 0;
	pr = blkid_new_probe_from_filename(dev);
	if (!pr)
		return db_err_set(e, DMABUF_E_IO, errno ? -errno : -EIO,
				  "blkid_new_probe_from_filename", "%s", dev);
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_USAGE);
	blkid_probe_enable_partitions(pr, 1);
	rc = blkid_do_safeprobe(pr);
	if (rc == 0)
		ret = signature_refusal(pr, s, e);
	else if (rc == -2)
		ret = refuse(e, s, "%s carries more than one signature, and they conflict",
			     who(s, dev, false, sub, sizeof(sub)));
	else if (rc < 0)
		/* cannot tell what is there: do not guess "blank" */
		ret = db_err_set(e, DMABUF_E_IO, -EIO, "blkid_do_safeprobe", "%s", dev);
	blkid_free_probe(pr);
	return ret;
}

/* ---- public ------------------------------------------------------------------------------ */

static int check_block(const struct subject *s, struct dmabuf_err *e)
{
	struct members m = { NULL, 0, 0 };
	const char *dev = s->dev;
	struct stat st;
	int ret;

	if (stat(dev, &st) < 0)
		return db_err_set(e, DMABUF_E_IO, -errno, "stat", "%s", dev);
	if (!S_ISBLK(st.st_mode))
		return 0;
	ret = members_collect(&m, dev, st.st_rdev);
	if (ret) {
		free(m.v);
		return db_err_set(e, DMABUF_E_IO, ret, "safety check", "%s", dev);
	}
	ret = check_mounted(&m, s, e);
	if (!ret)
		ret = check_holders(&m, s, e);
	if (!ret)
		ret = check_swap(&m, s, e);
	free(m.v);
	if (!ret)
		ret = check_exclusive(s, e);
	if (!ret)
		ret = check_signatures(s, e);
	return ret;
}

/* The device's own checks: 0 when nothing was found. */
static int check_device(const struct db_target *t, struct dmabuf_err *e)
{
	struct subject s = { t->path, t->path };

	switch (t->kind) {
	case DB_TGT_FILE:
		return 0;
	case DB_TGT_NVME_CHAR:
		/*
		 * Without a block device nothing can mount, hold or swap on
		 * the namespace, and libblkid cannot read it.
		 */
		if (!t->blkdev[0])
			return 0;
		s.dev = t->blkdev;
		return check_block(&s, e);
	case DB_TGT_NVME_BLK:
	case DB_TGT_BLK:
		return check_block(&s, e);
	}
	return 0;
}

int db_target_check_write(const struct db_target *t, const char *always, struct dmabuf_err *e)
{
	struct subject s = { t->path, t->path };
	int ret = check_device(t, e);

	if (ret || !always)
		return ret;
	return refuse(e, &s, "%s", always);
}

int db_target_check_safe(const struct db_target *t, struct dmabuf_err *e)
{
	return db_target_check_write(t, NULL, e);
}
