// SPDX-License-Identifier: MIT
/*
 * udmabuf source: a dma-buf made from a sealed memfd by /dev/udmabuf.
 * The memfd stays open as m->mem_fd: the CPU mapping and the `pages` path
 * use it, because the udmabuf's own mmap is VM_PFNMAP on newer kernels and
 * cannot be pinned for an ordinary fixed buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/udmabuf.h>

#include "mem.h"
#include "util.h"
#include "mem-internal.h"

#define UDMABUF_DEV	"/dev/udmabuf"
#define UDMABUF_NEEDS	"CONFIG_UDMABUF (modprobe udmabuf)"
#define UDMABUF_LIMIT	"/sys/module/udmabuf/parameters/size_limit_mb"

static int udmabuf_dev_open(struct dmabuf_err *e)
{
	int fd = open(UDMABUF_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return db_mem_dev_err(e, -errno, UDMABUF_DEV, UDMABUF_NEEDS);
	return fd;
}

/* The module's per-buffer cap in bytes (default 64 MiB); 0 if unknown. */
static uint64_t udmabuf_limit(void)
{
	uint64_t mb;

	return db_read_u64(UDMABUF_LIMIT, &mb) ? 0 : mb << 20;
}

/* udmabuf answers a buffer over its cap with a bare -EINVAL: say why first. */
static int udmabuf_check_limit(const struct dmabuf_mem *m, uint64_t size, struct dmabuf_err *e)
{
	uint64_t limit = udmabuf_limit();

	if (!limit || size <= limit)
		return 0;
	db_err_set(e, DMABUF_E_UNSUPPORTED, -E2BIG, "UDMABUF_CREATE", "%s", m->spec.text);
	db_err_detail(e, "udmabuf takes at most %llu MiB per buffer here: raise it with "
		      "echo MB > " UDMABUF_LIMIT " (or modprobe udmabuf size_limit_mb=MB)",
		      (unsigned long long)(limit >> 20));
	return -E2BIG;
}

/* udmabuf refuses memfds that could shrink under it: F_SEAL_SHRINK is required. */
static int udmabuf_seal(const struct dmabuf_mem *m, struct dmabuf_err *e)
{
	int err;

	if (!fcntl(m->mem_fd, F_ADD_SEALS, F_SEAL_SHRINK))
		return 0;
	err = -errno;
	return db_err_set(e, db_err_kind_of(err), err, "F_ADD_SEALS", "memfd of %s", m->spec.text);
}

static int udmabuf_create_err(const struct dmabuf_mem *m, int err, struct dmabuf_err *e)
{
	db_err_set(e, db_err_kind_of(err), err, "UDMABUF_CREATE", "%s", m->spec.text);
	if (err == -EINVAL && m->spec.huge)
		db_err_detail(e, "this kernel's udmabuf may not take hugetlb memfds");
	else if (err == -EINVAL)
		db_err_detail(e, "udmabuf refused the memfd (size limit " UDMABUF_LIMIT "?)");
	return err;
}

static int udmabuf_create(struct dmabuf_mem *m, int dev, struct dmabuf_err *e)
{
	struct udmabuf_create create = {
		.memfd = (__u32)m->mem_fd,
		.flags = UDMABUF_FLAGS_CLOEXEC,
		.offset = 0,
		.size = m->size,
	};
	int fd = ioctl(dev, UDMABUF_CREATE, &create);

	if (fd < 0)
		return udmabuf_create_err(m, -errno, e);
	m->dmabuf_fd = fd;
	return 0;
}

/* The sealed memfd behind the udmabuf, as m->mem_fd. */
static int udmabuf_memfd(struct dmabuf_mem *m, struct dmabuf_err *e)
{
	int ret = 0;

	if (m->spec.huge)
		ret = db_mem_hugetlb_check(m->size, e);
	if (ret)
		return ret;
	ret = db_mem_memfd_new(m->name[0] ? m->name : "udmabuf", m->spec.huge, true,
			       m->size, e);
	if (ret < 0)
		return ret;
	m->mem_fd = ret;
	return udmabuf_seal(m, e);
}

static int udmabuf_open(struct dmabuf_mem *m, uint64_t size, struct dmabuf_err *e)
{
	uint64_t align = m->spec.huge ? DB_HUGE_PAGE_SIZE : db_mem_page_size();
	int dev, ret;

	ret = db_mem_round(m, size, align, &size, e);
	if (!ret)
		ret = udmabuf_check_limit(m, size, e);
	if (ret)
		return ret;
	/* the device first: a missing module is the answer, not huge pages */
	dev = udmabuf_dev_open(e);
	if (dev < 0)
		return dev;
	m->size = size;
	ret = udmabuf_memfd(m, e);
	if (!ret)
		ret = udmabuf_create(m, dev, e);
	close(dev);
	return ret;
}

int db_mem_udmabuf_probe(const char *path, struct dmabuf_err *e)
{
	uint64_t limit;
	int fd;

	(void)path;
	fd = udmabuf_dev_open(e);
	if (fd < 0)
		return fd;
	close(fd);
	limit = udmabuf_limit();
	db_err_set(e, DMABUF_E_NONE, 0, "probe", UDMABUF_DEV);
	if (limit)
		db_err_detail(e, "buffers up to %llu MiB (size_limit_mb)",
			      (unsigned long long)(limit >> 20));
	return 0;
}

const struct db_mem_ops db_mem_udmabuf_ops = {
	.name = "udmabuf",
	.is_dmabuf = true,
	.open = udmabuf_open,
};
