// SPDX-License-Identifier: MIT
/*
 * dma-heap source: DMA_HEAP_IOCTL_ALLOC on /dev/dma_heap/NAME ("system" by
 * default) hands back a dma-buf fd.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/dma-heap.h>

#include "mem.h"
#include "mem-internal.h"

#define HEAP_DIR	"/dev/dma_heap"
#define HEAP_DEFAULT	HEAP_DIR "/system"
#define HEAP_NEEDS	"CONFIG_DMABUF_HEAPS and a heap driver " \
			"(CONFIG_DMABUF_HEAPS_SYSTEM for the system heap)"

static const char *heap_path(const char *path)
{
	return path && path[0] ? path : HEAP_DEFAULT;
}

/* "system, cma" into @buf: the heaps this machine has, for the message. */
static int heap_list(char *buf, size_t len)
{
	DIR *d = opendir(HEAP_DIR);
	struct dirent *de;
	size_t used = 0;
	int n = 0;

	buf[0] = '\0';
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		used += snprintf(buf + used, len - used, "%s%s", n++ ? ", " : "", de->d_name);
		if (used >= len)
			break;
	}
	closedir(d);
	return n;
}

static int heap_missing(const char *path, int err, struct dmabuf_err *e)
{
	char heaps[200];
	int n = heap_list(heaps, sizeof(heaps));

	if (n < 0)
		return db_mem_dev_err(e, err, path, HEAP_NEEDS);
	db_err_set(e, DMABUF_E_UNSUPPORTED, err, "open", "%s", path);
	if (!n)
		db_err_detail(e, "no heap in " HEAP_DIR ": the system heap needs " HEAP_NEEDS);
	else
		db_err_detail(e, "no %s here; heaps in " HEAP_DIR ": %s", path, heaps);
	return err;
}

static int heap_dev_open(const char *path, struct dmabuf_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd >= 0)
		return fd;
	err = -errno;
	if (err == -ENOENT)
		return heap_missing(path, err, e);
	return db_mem_dev_err(e, err, path, HEAP_NEEDS);
}

static int heap_alloc(struct dmabuf_mem *m, int heap, const char *path, uint64_t size,
		      struct dmabuf_err *e)
{
	struct dma_heap_allocation_data data = {
		.len = size,
		.fd_flags = O_RDWR | O_CLOEXEC,
		.heap_flags = 0,
	};
	int err;

	if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &data)) {
		err = -errno;
		return db_err_set(e, db_err_kind_of(err), err, "DMA_HEAP_IOCTL_ALLOC", "%s", path);
	}
	m->dmabuf_fd = (int)data.fd;
	m->size = size;
	return 0;
}

static int heap_open(struct dmabuf_mem *m, uint64_t size, struct dmabuf_err *e)
{
	const char *path = heap_path(m->spec.path);
	int heap, ret;

	ret = db_mem_round(m, size, db_mem_page_size(), &size, e);
	if (ret)
		return ret;
	heap = heap_dev_open(path, e);
	if (heap < 0)
		return heap;
	ret = heap_alloc(m, heap, path, size, e);
	close(heap);
	return ret;
}

int db_mem_heap_probe(const char *path, struct dmabuf_err *e)
{
	int fd;

	path = heap_path(path);
	fd = heap_dev_open(path, e);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

const struct db_mem_ops db_mem_heap_ops = {
	.name = "heap",
	.is_dmabuf = true,
	.open = heap_open,
};
