// SPDX-License-Identifier: MIT
/* token-uapi: IOMMU map operations per request (tests/vm/run --iommu). */
#include "token-uapi.h"

/*
 * With the emulated IOMMU in strict mode: 10,000 reads of 4 KiB through the
 * pages path (user memory as a fixed buffer) map about once per request;
 * through a token, registered before counting starts, not at all.  The
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
	struct pt_ns ns;
	struct dbuf b;
	long pages_maps, token_maps, reg_maps;
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
	trace_start();
	check_ret(reg_dmabuf(&ring, 1, b.fd, fd), 0, "token registration for %s", dev);
	reg_maps = trace_stop();

	l = (struct load){ .ring = &ring, .fd = fd, .slot = 0, .qd = 16, .bs = 4096,
			   .base = (uintptr_t)user, .size = size, .passthru = pt,
			   .nsid = pt ? ns.nsid : 0, .lbs = pt ? ns.lbs : 0 };
	trace_start();
	load_reads(&l, n);
	pages_maps = trace_stop();
	check(l.err == 0 && l.ios == n, "pages path: %u reads of 4 KiB (%d)", n, l.err);

	l.slot = 1;
	l.base = 0;
	l.ios = 0;
	trace_start();
	load_reads(&l, n);
	token_maps = trace_stop();
	check(l.err == 0 && l.ios == n, "token path: %u reads of 4 KiB (%d)", n, l.err);

	printf("# iommu:map events over %u reads of 4 KiB: pages %ld, token %ld "
	       "(token registration of %zu MiB: %ld) on %s%s\n", n, pages_maps, token_maps,
	       size >> 20, reg_maps, dev, pt ? " (NVMe passthrough)" : "");
	check(pages_maps >= n * 9 / 10,
	      "pages path maps about once per request (%ld for %u)", pages_maps, n);
	check(token_maps == 0, "token path maps nothing after registration (%ld)", token_maps);
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	free(user);
	if (pt)
		pt_ns_close(&ns);
	else
		close(fd);
}
