// SPDX-License-Identifier: MIT
/* token-uapi: IOMMU map operations per request (tests/vm/run --iommu). */
#include "token-uapi.h"

/*
 * Someone else's DMA in the same window: a thread writing a page of
 * another file and syncing it, over and over, so that the file system's
 * writeback maps page-cache pages while the token reads run.
 */
struct noise {
	const char *path;
	pthread_t thread;
	volatile bool stop;
	volatile long synced;	/* writes synced so far */
};

static void *noise_run(void *arg)
{
	struct noise *z = arg;
	char page[4096];
	int fd = open(z->path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		die("open %s", z->path);
	memset(page, 0x4e, sizeof(page));
	while (!z->stop) {
		if (pwrite(fd, page, sizeof(page), 0) != (ssize_t)sizeof(page) || fdatasync(fd))
			die("write %s", z->path);
		__atomic_add_fetch(&z->synced, 1, __ATOMIC_RELEASE);
	}
	close(fd);
	return NULL;
}

/* Start @z's writer and wait for its first sync: from then on, the window has foreign maps. */
static void noise_start(struct noise *z)
{
	if (pthread_create(&z->thread, NULL, noise_run, z))
		die("pthread_create");
	while (!__atomic_load_n(&z->synced, __ATOMIC_ACQUIRE))
		usleep(1000);
}

static void noise_stop(struct noise *z)
{
	z->stop = true;
	pthread_join(z->thread, NULL);
}

/*
 * With the emulated IOMMU in strict mode: 10,000 reads of 4 KiB through the
 * pages path (user memory as a fixed buffer) map about once per request;
 * through a token, registered before counting starts, not at all.  Only
 * the maps of the memory under test count (their physical addresses are
 * its frames): the rest of the system maps too (a file system's journal
 * commit, an atime update), at moments no test controls.  With
 * DMABUF_VM_IOMMU_NOISE=FILE a writer syncs FILE all through the token
 * reads, so that the window surely holds maps that are not the token's.  The
 * target is the 4 KiB namespace, or DMABUF_VM_IOMMU_DEV (a partition, a
 * mapped device), or with DMABUF_VM_IOMMU_PASSTHRU=1 the 4 KiB namespace's
 * char device with NVMe Reads.
 */
void case_iommu_maps(void)
{
	bool pt = getenv("DMABUF_VM_IOMMU_PASSTHRU") != NULL;
	const char *dev = getenv("DMABUF_VM_IOMMU_DEV");
	const unsigned n = 10000;
	size_t size = 40000 * 1024ul;
	struct io_uring ring;
	struct noise z = { .path = getenv("DMABUF_VM_IOMMU_NOISE") };
	struct pt_ns ns;
	struct dbuf b;
	long pages_maps, token_maps, reg_maps, pages_all, token_all;
	uint64_t *user_pfns, *buf_pfns;
	size_t n_user, n_buf;
	uint8_t *user;
	struct load l;
	int fd;

	if (access(TRACEFS "/events/iommu/map/enable", W_OK))
		die("no iommu:map tracepoint (CONFIG_IOMMU_API, tracefs)");
	if (pt) {
		pt_ns_open(&ns, "DMABUF_VM_NS4K");
		dev = ns.ng;
		fd = ns.ngfd;
		pt_ring_new(&ring, 64, 2);
	} else {
		if (!dev)
			dev = env_dev("DMABUF_VM_NS4K");
		fd = open_dev(dev);
		ring_new(&ring, 64, 2);
	}
	if (dbuf_new(&b, "udmabuf", size))
		die("udmabuf");
	/* separate user memory: the same pages mapped twice would overlap */
	user = aligned(size);
	memset(user, 0, size);
	if (io_uring_register_buffers_update_tag(&ring, 0,
			&(struct iovec){ .iov_base = user, .iov_len = size }, NULL, 1) != 1)
		die("register user memory");
	n_user = pfns_of(user, size, &user_pfns);
	n_buf = pfns_of(b.cpu, size, &buf_pfns);
	trace_start();
	check_ret(reg_dmabuf(&ring, 1, b.fd, fd), 0, "token registration for %s", dev);
	reg_maps = trace_stop();

	l = (struct load){ .ring = &ring, .fd = fd, .slot = 0, .qd = 16, .bs = 4096,
			   .base = (uintptr_t)user, .size = size, .passthru = pt,
			   .nsid = pt ? ns.nsid : 0, .lbs = pt ? ns.lbs : 0 };
	trace_start();
	load_reads(&l, n);
	pages_all = trace_stop();
	pages_maps = trace_maps_of(user_pfns, n_user);
	check(l.err == 0 && l.ios == n, "pages path: %u reads of 4 KiB (%d)", n, l.err);

	l.slot = 1;
	l.base = 0;
	l.ios = 0;
	trace_start();
	if (z.path)
		noise_start(&z);
	load_reads(&l, n);
	if (z.path)
		noise_stop(&z);
	token_all = trace_stop();
	token_maps = trace_maps_of(buf_pfns, n_buf);
	check(l.err == 0 && l.ios == n, "token path: %u reads of 4 KiB (%d)", n, l.err);

	/* counted: the maps of the memory under test; all: every map in the window */
	printf("# iommu:map events over %u reads of 4 KiB: pages %ld, token %ld "
	       "(token registration of %zu MiB: %ld; all maps in the windows: %ld, %ld) on %s%s\n",
	       n, pages_maps, token_maps, size >> 20, reg_maps, pages_all, token_all, dev,
	       pt ? " (NVMe passthrough)" : "");
	check(pages_maps >= n * 9 / 10,
	      "pages path maps about once per request (%ld for %u)", pages_maps, n);
	check(token_maps == 0, "token path maps nothing after registration (%ld)", token_maps);
	if (z.path)
		check(token_all > 0, "the writer's %ld syncs mapped in the token window too (%ld maps), "
		      "none of them counted", z.synced, token_all);
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	free(user);
	free(user_pfns);
	free(buf_pfns);
	if (pt)
		pt_ns_close(&ns);
	else
		close(fd);
}
