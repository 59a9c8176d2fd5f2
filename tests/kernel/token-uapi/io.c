// SPDX-License-Identifier: MIT
/* token-uapi: data through a token: offsets and lengths against the pages path, merging, the CPU's view, small sg pieces, IOPOLL. */
#include "token-uapi.h"

/*
 * Offsets and lengths: data written through the token reads back through
 * the pages path (user memory) and the other way round.
 */
static void io_matrix(const char *kind, const char *devvar, unsigned lba)
{
	static const uint64_t offs[] = { 0, 4, 512, 4096 - 512, 4096, 12288 + 512, 65536 + 4,
					 3 * MiB };
	static const unsigned lens[] = { 1, 8, 64, 128, 256, 1024 + 8, 2048 };	/* in 512 B */
	const char *dev = env_dev(devvar);
	size_t size = 8 * MiB, maxlen = 2048 * 512;
	int fd = open_dev(dev);
	uint8_t *user = aligned(maxlen), *back = aligned(maxlen);
	struct io_uring ring;
	struct dbuf b;
	unsigned bad = 0, n = 0;
	uint64_t seed = 1;

	if (dbuf_new(&b, kind, size))
		die("%s", kind);
	ring_new(&ring, 8, 2);
	if (io_uring_register_buffers_update_tag(&ring, 0,
			&(struct iovec){ .iov_base = user, .iov_len = maxlen }, NULL, 1) != 1)
		die("register user memory");
	check_ret(reg_dmabuf(&ring, 1, b.fd, fd), 0, "token registration");

	for (unsigned i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		for (unsigned j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			unsigned len = lens[j] * 512;
			uint64_t off = offs[i], pos = (uint64_t)(n % 64) * maxlen;
			int r1, r2;

			if (len % lba)
				continue;
			if (off + len > b.size)
				continue;
			n++;
			/* token → device, device → user memory: same bytes */
			fill(b.cpu + off, len, seed++);
			r1 = rw_fixed(&ring, true, fd, 1, off, len, pos);
			memset(user, 0xa5, len);
			r2 = rw_fixed(&ring, false, fd, 0, (uintptr_t)user, len, pos);
			if (r1 != (int)len || r2 != (int)len || memcmp(user, b.cpu + off, len)) {
				bad++;
				printf("# %s: write token off %" PRIu64 " len %u: %d, read pages: %d%s\n",
				       kind, off, len, r1, r2,
				       r1 == (int)len && r2 == (int)len ? ", data differs" : "");
				continue;
			}
			/* user memory → device, device → token: same bytes */
			fill(user, len, seed++);
			memcpy(back, user, len);
			r1 = rw_fixed(&ring, true, fd, 0, (uintptr_t)user, len, pos);
			memset(b.cpu + off, 0x5a, len);
			r2 = rw_fixed(&ring, false, fd, 1, off, len, pos);
			if (r1 != (int)len || r2 != (int)len || memcmp(back, b.cpu + off, len)) {
				bad++;
				printf("# %s: write pages: %d, read token off %" PRIu64 " len %u: %d%s\n",
				       kind, r1, off, len, r2,
				       r1 == (int)len && r2 == (int)len ? ", data differs" : "");
			}
		}
	}
	check(n >= 20 && bad == 0, "%s on %s: %u offset/length pairs, token and pages agree "
	      "both ways (%u bad)", kind, dev, n, bad);
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	free(user);
	free(back);
	close(fd);
}

void io_udmabuf(void)
{
	io_matrix("udmabuf", "DMABUF_VM_NS512", 512);
	io_matrix("udmabuf", "DMABUF_VM_NS4K", 4096);
}
void io_heap(void)
{
	io_matrix("heap", "DMABUF_VM_NS512", 512);
	io_matrix("heap", "DMABUF_VM_NS4K", 4096);
}
void io_vgem(void)
{
	io_matrix("vgem", "DMABUF_VM_NS512", 512);
	io_matrix("vgem", "DMABUF_VM_NS4K", 4096);
}
/* ---- merging: token bios that continue each other in the mapping ---- */

/* Read requests the block layer merged for @dev so far (stat field 2). */
static long read_merges(const char *dev)
{
	unsigned long long ios, merges;

	read_stat(dev, &ios, &merges);
	return (long)merges;
}

/*
 * 64 reads of one 4 KiB block each, LBA i into buffer block @place(i), all
 * submitted at once (one plug); every one must complete with its block.
 */
static void merge_round(struct io_uring *ring, int fd, const struct dbuf *b,
			const uint8_t *want, bool reversed)
{
	const unsigned n = 64, bs = 4096;
	struct io_uring_cqe *cqe;
	unsigned i, ok = 0, right = 0;

	memset(b->cpu, 0xa5, n * bs);
	for (i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
		unsigned place = reversed ? n - 1 - i : i;

		io_uring_prep_read_fixed(sqe, fd, (void *)(uintptr_t)(place * bs), bs,
					 (uint64_t)i * bs, 0);
	}
	if (io_uring_submit_and_wait(ring, n) != (int)n)
		die("submit %u reads", n);
	for (i = 0; i < n; i++) {
		if (io_uring_wait_cqe(ring, &cqe))
			die("wait cqe");
		ok += cqe->res == (int)bs;
		io_uring_cqe_seen(ring, cqe);
	}
	for (i = 0; i < n; i++) {
		unsigned place = reversed ? n - 1 - i : i;

		right += !memcmp(b->cpu + (size_t)place * bs, want + (size_t)i * bs, bs);
	}
	check(ok == n, "%s: %u of %u reads complete whole", reversed ? "reversed" : "in order",
	      ok, n);
	check(right == n, "%s: %u of %u blocks landed where their request asked",
	      reversed ? "reversed" : "in order", right, n);
}

/*
 * Token bios merge when they continue each other in the mapping as on the
 * disk (kernel-patches/0014): 64 sequential 4 KiB reads into consecutive
 * buffer blocks become fewer commands; the same reads into the buffer
 * blocks in reverse order continue each other on the disk only, and must
 * not merge (a merged request is one range of the mapping: its data would
 * land in the wrong places).
 */
void case_merge(void)
{
	const char *dev = env_dev("DMABUF_VM_NS4K");
	const size_t len = 64 * 4096;
	int fd = open_dev(dev);
	uint8_t *want = aligned(len);
	struct io_uring ring;
	struct dbuf b;
	long m0, m1, m2;

	fill(want, len, 77);
	if (pwrite(fd, want, len, 0) != (ssize_t)len)
		die("pwrite %s", dev);
	if (dbuf_new(&b, "udmabuf", 1 * MiB))
		die("udmabuf");
	ring_new(&ring, 128, 1);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "token registration");
	m0 = read_merges(dev);
	merge_round(&ring, fd, &b, want, false);
	m1 = read_merges(dev);
	check(m1 - m0 > 0, "in order: the block layer merged %ld of 64 requests", m1 - m0);
	merge_round(&ring, fd, &b, want, true);
	m2 = read_merges(dev);
	check(m2 - m1 == 0, "reversed in the buffer: no merge (%ld)", m2 - m1);
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	free(want);
	close(fd);
}

/* ---- the CPU's view: bounce buffers (swiotlb) and non-coherent DMA ---- */

/*
 * Every byte a token request moves is the CPU's byte: a read lands in the
 * pages the CPU sees, a write sends what the CPU wrote just before it, and
 * no unmap (after an invalidation, at unregistration) writes anything back
 * over the CPU's bytes.  Where the
 * device needs bounce buffers (swiotlb=force) these hold only if the driver
 * syncs each request's range; elsewhere they hold trivially.
 */
static bool cpu_view(const char *kind, size_t size)
{
	const char *dev = env_dev("DMABUF_VM_NS4K");
	const size_t blk = 4096;
	bool bounce_refused = false;
	uint8_t *disk = aligned(size), *want = aligned(size), *back = aligned(size);
	int fd = open_dev(dev), ret;
	struct io_uring ring;
	struct dbuf b;

	if (dbuf_new(&b, kind, size))
		die("%s", kind);
	fill(disk, size, 101);
	pio(true, fd, disk, size, 0);
	fill(b.cpu, size, 102);
	ring_new(&ring, 8, 1);
	ret = reg_dmabuf(&ring, 0, b.fd, fd);
	if (ret == -EIO && !strcmp(kind, "heap") && cmdline_has("swiotlb=", "force")) {
		/* its 1 MiB pieces are larger than one bounce buffer (256 KiB) */
		check(true, "heap under swiotlb=force: the exporter cannot map its "
		      "1 MiB pieces, registration fails with -EIO");
		bounce_refused = true;
		goto out;
	}
	if (!check_ret(ret, 0, "token registration"))
		goto out;

	ret = rw_fixed(&ring, false, fd, 0, 0, size, 0);
	check(ret == (int)size && !memcmp(b.cpu, disk, size),
	      "%s: a %zu KiB token read is in the CPU's view of the buffer (%d)", kind,
	      size / 1024, ret);

	fill(b.cpu, size, 103);
	memcpy(want, b.cpu, size);
	memcpy(want + 3 * blk, disk + 16 * blk, blk);
	ret = rw_fixed(&ring, false, fd, 0, 3 * blk, blk, 16 * blk);
	check(ret == (int)blk && !memcmp(b.cpu, want, size),
	      "%s: a 4 KiB read at buffer offset 12 KiB changes those bytes and no "
	      "others (%d)", kind, ret);

	fill(b.cpu, size, 104);
	ret = rw_fixed(&ring, true, fd, 0, 0, size, size);
	pio(false, fd, back, size, size);
	check(ret == (int)size && !memcmp(back, b.cpu, size),
	      "%s: a %zu KiB token write sends the bytes the CPU wrote before it (%d)", kind,
	      size / 1024, ret);

	/*
	 * The CPU writes again, then an invalidation drops the mapping and a
	 * read maps the buffer afresh.  Neither unmap (the dropped mapping's,
	 * the new one's at unregistration) may copy a bounce buffer back: the
	 * requests synced what they moved, and a copy-back would put the
	 * bytes of the last write over the CPU's newer ones.
	 */
	fill(b.cpu, size, 105);
	memcpy(want, b.cpu, size);
	trigger_invalidate();
	memcpy(want + 5 * blk, disk + 20 * blk, blk);
	ret = rw_fixed(&ring, false, fd, 0, 5 * blk, blk, 20 * blk);
	check(ret == (int)blk && !memcmp(b.cpu + 5 * blk, disk + 20 * blk, blk),
	      "%s: a read after an invalidation maps afresh and lands (%d)", kind, ret);
	check_ret(reg_empty(&ring, 0), 0, "unregistration");
	check(wait_tokens(0) == 0 && !blocks_differ(b.cpu, want, size, blk),
	      "%s: unmapping the token's mappings (the one the invalidation dropped and "
	      "the one made after it) leaves the CPU's later bytes alone (%zu of %zu "
	      "blocks differ)", kind, blocks_differ(b.cpu, want, size, blk), size / blk);
out:
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	close(fd);
	free(disk);
	free(want);
	free(back);
	check(wait_tokens(0) == 0, "no token left");
	return bounce_refused;
}

/*
 * The system heap's exporter syncs the whole buffer at its final unmap,
 * which copies a bounce buffer back: under swiotlb, a buffer of 64 KiB
 * pieces (which it can bounce) shows that nvme-pci gives the bounce buffer
 * the CPU's bytes first.
 */
static void case_cpu_view(const char *kind)
{
	if (cpu_view(kind, 1 * MiB))
		cpu_view(kind, 256 * 1024);
}

void cpu_udmabuf(void) { case_cpu_view("udmabuf"); }
void cpu_heap(void) { case_cpu_view("heap"); }
void cpu_vgem(void) { case_cpu_view("vgem"); }
void cpu_mover(void) { case_cpu_view("mover"); }
/*
 * Pieces smaller than a page: a mover buffer whose sg_table gives each page
 * as eight 512-byte entries.  Under swiotlb=force (the swiotlb tier) each is
 * bounced on its own, keeping its offset in the page, so the pieces start
 * and end mid-page: PRPs cannot say them, SGLs take a descriptor a piece
 * and 256 to a request, while a request of swiotlb's 256 KiB spans 512
 * pieces.  Reads and a write of 1 MiB that start inside a piece stay within
 * the driver's bound request by request, and every byte is the CPU's.
 * Before, such requests failed with -EIO.  (Without bouncing the pieces
 * join into pages.)
 */
void case_sgl_pieces(void)
{
	const char *dev = env_dev("DMABUF_VM_NS4K");
	const size_t size = 4 * MiB, len = 1 * MiB;
	uint8_t *want = aligned(size), *back = aligned(len);
	int fd = open_dev(dev), ret;
	struct io_uring ring;
	struct dbuf b;

	case_begin(&ring, 8, &b, "mover-small", fd, want, size, 239);
	memset(b.cpu, 0, size);
	ret = rw_fixed(&ring, false, fd, 0, 256, len, 0);
	check(ret == (int)len && !memcmp(b.cpu + 256, want, len),
	      "a 1 MiB read into dma-buf offset 256 (inside a piece) lands whole (%d)", ret);
	ret = rw_fixed(&ring, false, fd, 0, 3 * 1024 + 128, len, 3 * MiB);
	check(ret == (int)len && !memcmp(b.cpu + 3 * 1024 + 128, want + 3 * MiB, len),
	      "and one into offset 3 KiB + 128 from LBA 768 (%d)", ret);
	fill(b.cpu + 2 * MiB + 1600, len, 238);
	ret = rw_fixed(&ring, true, fd, 0, 2 * MiB + 1600, len, 2 * MiB);
	pio(false, fd, back, len, 2 * MiB);
	check(ret == (int)len && !memcmp(back, b.cpu + 2 * MiB + 1600, len),
	      "a 1 MiB write from offset 2 MiB + 1600 is what the disk holds (%d)", ret);
	case_end(&ring, &b, fd);
	free(want);
	free(back);
}

/* Interrupts so far of the I/O queues (nvmeXqN, N > 0) of @dev's controller. */
static long queue_irqs(const char *dev)
{
	char ctrl[PATH_MAX], prefix[64], line[1024];
	long total = 0;
	FILE *f = fopen("/proc/interrupts", "r");

	ctrl_dir(dev, ctrl, sizeof(ctrl));
	snprintf(prefix, sizeof(prefix), "%sq", basename(ctrl));
	if (!f)
		die("open /proc/interrupts");
	while (fgets(line, sizeof(line), f)) {
		char *name = strstr(line, prefix), *p = strchr(line, ':'), *end;

		if (!name || !p || atoi(name + strlen(prefix)) == 0)
			continue;
		/* the per-CPU counts: the numbers after "IRQ:" */
		for (p++;; p = end) {
			long v = strtol(p, &end, 10);

			if (end == p)
				break;
			total += v;
		}
	}
	fclose(f);
	return total;
}

/*
 * IORING_SETUP_IOPOLL: a token read of one bio goes to a poll queue and is
 * completed by polling, as a pages read is; the controller's I/O queues
 * raise no interrupt for it.  (Before, token requests ignored IOCB_HIPRI:
 * each completed by interrupt on a default queue while the ring spun.)
 */
void case_iopoll(void)
{
	const char *dev = env_dev("DMABUF_VM_NS4K");
	struct io_uring_params pr = { .flags = IORING_SETUP_IOPOLL };
	const size_t size = 1 * MiB, n = 2000;
	uint8_t *want = aligned(size), *pages = aligned(size);
	int fd = open_dev(dev), ret = 0;
	struct iovec iov = { pages, size };
	struct io_uring ring;
	struct dbuf b;
	long irq0, irq_pages, irq_token;

	if (dbuf_new(&b, "udmabuf", size))
		die("udmabuf");
	ret = io_uring_queue_init_params(16, &ring, &pr);
	if (ret || io_uring_register_buffers_sparse(&ring, 2))
		die("IOPOLL ring (%d)", ret);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "token registration, IOPOLL ring");
	if (io_uring_register_buffers_update_tag(&ring, 1, &iov, NULL, 1) != 1)
		die("register the pages buffer");
	fill(want, size, 261);
	pio(true, fd, want, size, 0);

	irq0 = queue_irqs(dev);
	for (size_t i = 0; i < n && ret >= 0; i++)
		ret = rw_fixed(&ring, false, fd, 1, (uintptr_t)pages + i % 256 * 4096, 4096,
			       i % 256 * 4096);
	irq_pages = queue_irqs(dev) - irq0;
	for (size_t i = 0; i < n && ret >= 0; i++)
		ret = rw_fixed(&ring, false, fd, 0, i % 256 * 4096, 4096, i % 256 * 4096);
	irq_token = queue_irqs(dev) - irq0 - irq_pages;
	check(ret == 4096 && !memcmp(b.cpu, want, size) && !memcmp(pages, want, size),
	      "%zu polled reads of 4 KiB on each path, every byte in place (%d)", n, ret);
	check(irq_pages < (long)n / 10, "the pages path polls: %ld I/O queue interrupts for "
	      "%zu reads", irq_pages, n);
	check(irq_token < (long)n / 10, "the token path polls too: %ld I/O queue interrupts "
	      "for %zu reads", irq_token, n);
	case_end(&ring, &b, fd);
	free(want);
	free(pages);
}
