// SPDX-License-Identifier: MIT
/*
 * memfd and hugetlb sources: anonymous shared memory that is not a dma-buf.
 * They are the baselines (the `pages` path) and the backing of udmabuf.
 */
#include <linux/memfd.h>	/* MFD_HUGE_2MB; before sys/mman.h, which skips what it sees */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mem.h"
#include "util.h"
#include "mem-internal.h"

#define HUGE_SYSFS "/sys/kernel/mm/hugepages/hugepages-2048kB/"
#define HUGE_HOWTO "echo N > /proc/sys/vm/nr_hugepages"

/* --- huge page accounting ------------------------------------------------- */

/*
 * 2 MiB pages a new mapping can get: free minus those promised to other
 * mappings already.  @grow: the kernel may allocate surplus pages beyond
 * the pool (nr_overcommit_hugepages), so a short pool is not final.
 */
static int hugetlb_avail(uint64_t *avail, bool *grow)
{
	uint64_t free_pages = 0, resv = 0, over = 0;
	int ret;

	ret = db_read_u64(HUGE_SYSFS "free_hugepages", &free_pages);
	if (ret)
		return ret == -ENOENT ? -EOPNOTSUPP : ret;
	db_read_u64(HUGE_SYSFS "resv_hugepages", &resv);
	db_read_u64(HUGE_SYSFS "nr_overcommit_hugepages", &over);
	*avail = free_pages > resv ? free_pages - resv : 0;
	*grow = over > 0;
	return 0;
}

static int hugetlb_no_kernel(struct dmabuf_err *e)
{
	db_err_set(e, DMABUF_E_UNSUPPORTED, -EOPNOTSUPP, "memfd_create", "hugetlb");
	db_err_detail(e, "this kernel has no 2 MiB huge pages: it needs CONFIG_HUGETLBFS");
	return -EOPNOTSUPP;
}

/* @avail < 0: unknown (the kernel said no when asked); @need 0: not for a buffer. */
static int hugetlb_short(uint64_t need, long long avail, struct dmabuf_err *e)
{
	db_err_set(e, DMABUF_E_UNSUPPORTED, -ENOMEM, "allocate huge pages", "hugetlb");
	if (!avail)
		db_err_detail(e, "no free 2 MiB huge pages: reserve some with " HUGE_HOWTO);
	else if (avail > 0)
		db_err_detail(e, "%lld free 2 MiB huge pages, too few: reserve more with "
			      HUGE_HOWTO, avail);
	else
		db_err_detail(e, "not enough free 2 MiB huge pages: reserve more with " HUGE_HOWTO);
	if (need)
		db_err_detail(e, "this buffer needs %llu", (unsigned long long)need);
	return -ENOMEM;
}

int db_mem_hugetlb_check(uint64_t size, struct dmabuf_err *e)
{
	uint64_t need = (size + DB_HUGE_PAGE_SIZE - 1) / DB_HUGE_PAGE_SIZE, avail;
	bool grow;
	int ret;

	ret = hugetlb_avail(&avail, &grow);
	if (ret == -EOPNOTSUPP)
		return hugetlb_no_kernel(e);
	if (ret || grow || avail >= need)
		return 0;	/* enough, or we cannot tell: fallocate() decides */
	return hugetlb_short(need, (long long)avail, e);
}

/* --- memfd -------------------------------------------------------------------- */

static int memfd_create_err(const char *label, bool huge, struct dmabuf_err *e)
{
	int err = -errno;

	/* no hugetlbfs, or no 2 MiB hstate: EINVAL / ENODEV / ENOENT */
	if (huge && (err == -EINVAL || err == -ENODEV || err == -ENOENT))
		return hugetlb_no_kernel(e);
	if (err == -ENOSYS) {
		db_err_set(e, DMABUF_E_UNSUPPORTED, err, "memfd_create", "%s", label);
		db_err_detail(e, "the kernel has no memfd_create (CONFIG_MEMFD_CREATE)");
		return err;
	}
	return db_err_set(e, db_err_kind_of(err), err, "memfd_create", "%s", label);
}

static int memfd_size(int fd, const char *label, bool huge, uint64_t size, struct dmabuf_err *e)
{
	int err;

	if (ftruncate(fd, (off_t)size)) {
		err = -errno;
		return db_err_set(e, db_err_kind_of(err), err, "ftruncate", "%s", label);
	}
	if (!huge)
		return 0;	/* shmem pages come on first touch; no pool to run dry */
	if (!fallocate(fd, 0, 0, (off_t)size))
		return 0;
	err = -errno;
	if (err == -ENOSPC || err == -ENOMEM)
		return hugetlb_short(size / DB_HUGE_PAGE_SIZE, -1, e);
	return db_err_set(e, db_err_kind_of(err), err, "fallocate", "%s", label);
}

int db_mem_memfd_new(const char *label, bool huge, bool sealable, uint64_t size,
		     struct dmabuf_err *e)
{
	unsigned flags = MFD_CLOEXEC;
	int fd, ret;

	if (sealable)
		flags |= MFD_ALLOW_SEALING;
	if (huge)
		flags |= MFD_HUGETLB | MFD_HUGE_2MB;
	fd = memfd_create(label, flags);
	if (fd < 0)
		return memfd_create_err(label, huge, e);
	ret = memfd_size(fd, label, huge, size, e);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

/* The memfd's name shows in /proc/PID/maps: --name, else the source. */
static const char *memfd_label(const struct dmabuf_mem *m)
{
	return m->name[0] ? m->name : m->ops->name;
}

static int memfd_open(struct dmabuf_mem *m, uint64_t size, struct dmabuf_err *e)
{
	int ret = db_mem_round(m, size, db_mem_page_size(), &size, e);

	if (ret)
		return ret;
	ret = db_mem_memfd_new(memfd_label(m), false, false, size, e);
	if (ret < 0)
		return ret;
	m->mem_fd = ret;
	m->size = size;
	return 0;
}

static int hugetlb_open(struct dmabuf_mem *m, uint64_t size, struct dmabuf_err *e)
{
	int ret = db_mem_round(m, size, DB_HUGE_PAGE_SIZE, &size, e);

	if (!ret)
		ret = db_mem_hugetlb_check(size, e);
	if (ret)
		return ret;
	ret = db_mem_memfd_new(memfd_label(m), true, false, size, e);
	if (ret < 0)
		return ret;
	m->mem_fd = ret;
	m->size = size;
	return 0;
}

int db_mem_memfd_probe(const char *path, struct dmabuf_err *e)
{
	int fd = memfd_create("dmabuf-probe", MFD_CLOEXEC);

	(void)path;
	if (fd < 0)
		return memfd_create_err("memfd", false, e);
	close(fd);
	return 0;
}

int db_mem_hugetlb_probe(const char *path, struct dmabuf_err *e)
{
	uint64_t avail;
	bool grow;
	int ret;

	(void)path;
	ret = hugetlb_avail(&avail, &grow);
	if (ret == -EOPNOTSUPP)
		return hugetlb_no_kernel(e);
	if (ret)
		return db_err_set(e, DMABUF_E_IO, ret, "read", HUGE_SYSFS "free_hugepages");
	if (!avail && !grow)
		return hugetlb_short(0, 0, e);
	db_err_set(e, DMABUF_E_NONE, 0, "probe", "hugetlb");
	db_err_detail(e, "%llu free 2 MiB huge pages%s", (unsigned long long)avail,
		      grow ? ", more on demand (nr_overcommit_hugepages)" : "");
	return 0;
}

const struct db_mem_ops db_mem_memfd_ops = {
	.name = "memfd",
	.is_dmabuf = false,
	.open = memfd_open,
};

const struct db_mem_ops db_mem_hugetlb_ops = {
	.name = "hugetlb",
	.is_dmabuf = false,
	.open = hugetlb_open,
};
