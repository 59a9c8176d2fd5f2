// SPDX-License-Identifier: MIT
/*
 * mover source: a dma-buf of the kernel's test exporter whose buffers really
 * move (/dev/dmabuf_mover).  Its CPU mapping follows a move (the exporter
 * zaps it and the next access faults in the new pages), and the exporter
 * watches the pages a move gave up: DMA that lands there afterwards is
 * counted as "late" (include/uapi/dmabuf_mover.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "mem.h"
#include "mem-internal.h"
#include "uapi/dmabuf_mover.h"

#define MOVER_DEV	"/dev/dmabuf_mover"
#define MOVER_NEEDS	"CONFIG_DMABUF_MOVER (a test exporter of kernel-patches/)"

static int mover_dev_open(struct dmabuf_err *e)
{
	int fd = open(MOVER_DEV, O_RDWR | O_CLOEXEC);

	return fd >= 0 ? fd : db_mem_dev_err(e, -errno, MOVER_DEV, MOVER_NEEDS);
}

/* One ioctl on the device node; 0 or -errno with @e naming @what. */
static int mover_ioctl(unsigned long req, void *arg, const char *what, const struct dmabuf_mem *m,
		       struct dmabuf_err *e)
{
	int dev = mover_dev_open(e), err = 0;

	if (dev < 0)
		return dev;
	if (ioctl(dev, req, arg))
		err = -errno;
	close(dev);
	if (err)
		db_err_set(e, db_err_kind_of(err), err, what, "%s", m->spec.text);
	return err;
}

static int mover_open(struct dmabuf_mem *m, uint64_t size, struct dmabuf_err *e)
{
	struct dmabuf_mover_alloc a = { .fd_flags = O_RDWR | O_CLOEXEC };
	int ret = db_mem_round(m, size, db_mem_page_size(), &size, e);

	if (ret)
		return ret;
	a.size = size;
	if (m->spec.no_cpu_map)
		a.flags |= DMABUF_MOVER_ALLOC_NO_CPU_MAP;
	if (m->spec.misdirect)
		a.flags |= DMABUF_MOVER_ALLOC_MISDIRECT;
	ret = mover_ioctl(DMABUF_MOVER_IOC_ALLOC, &a, "DMABUF_MOVER_IOC_ALLOC", m, e);
	if (ret == -EOPNOTSUPP && m->spec.misdirect)
		db_err_detail(e, "this kernel's mover was built without "
			      "CONFIG_DMABUF_MOVER_MISDIRECT (fault injection)");
	else if (ret == -EINVAL && a.flags)
		db_err_detail(e, "this kernel's mover predates the nomap/misdirect modes");
	if (ret)
		return ret;
	m->dmabuf_fd = a.fd;
	m->size = size;
	return 0;
}

static int mover_move(struct dmabuf_mem *m, unsigned timeout_ms, uint64_t *wait_ns,
		      struct dmabuf_err *e)
{
	struct dmabuf_mover_move mv = { .fd = m->dmabuf_fd, .timeout_ms = timeout_ms };
	int ret = mover_ioctl(DMABUF_MOVER_IOC_MOVE, &mv, "DMABUF_MOVER_IOC_MOVE", m, e);

	*wait_ns = mv.wait_ns;
	if (ret == -ETIME)
		db_err_detail(e, "the importers' fences did not signal within %u ms: DMA on "
			      "the old mapping still running, nothing moved", timeout_ms);
	else if (ret == -EBUSY)
		db_err_detail(e, "an importer that cannot take move_notify has it pinned");
	return ret;
}

static int mover_stats(struct dmabuf_mem *m, struct dmabuf_mem_move_stats *st, struct dmabuf_err *e)
{
	struct dmabuf_mover_stat s = { .fd = m->dmabuf_fd };
	int ret = mover_ioctl(DMABUF_MOVER_IOC_STAT, &s, "DMABUF_MOVER_IOC_STAT", m, e);

	if (ret)
		return ret;
	st->moves = s.moves;
	st->retired_pages = s.retired_pages;
	st->late_pages = s.late_pages;
	st->pins = s.pins;
	return 0;
}

int db_mem_mover_probe(const char *path, struct dmabuf_err *e)
{
	int fd;

	(void)path;
	fd = mover_dev_open(e);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

const struct db_mem_ops db_mem_mover_ops = {
	.name = "mover",
	.is_dmabuf = true,
	.open = mover_open,
	.move = mover_move,
	.move_stats = mover_stats,
};
