// SPDX-License-Identifier: MIT
/* token-uapi: failures: failed bios, controller reset, I/O timeout, removal. */
#include "token-uapi.h"

/* fail_make_request: fail the next @times bios submitted to @dev (0: stop). */
/*
 * Arm the fault attribute in debugfs @attr for the next @times requests of
 * the disk @dev (its sysfs switch @knob), or disarm it with 0.
 */
static void fault_inject(const char *attr, const char *knob, const char *dev, int times)
{
	char real[PATH_MAX], dir[PATH_MAX + 32], val[16];

	if (!realpath(dev, real))
		die("realpath %s", dev);
	snprintf(dir, sizeof(dir), "/sys/class/block/%s", basename(real));
	write_file(attr, "interval", "1", 0);
	write_file(attr, "verbose", "0", 0);
	snprintf(val, sizeof(val), "%d", times);
	write_file(attr, "times", val, 0);
	write_file(attr, "probability", times ? "100" : "0", 0);
	write_file(dir, knob, times ? "1" : "0", 0);
}

static void fail_bios(const char *dev, int times)
{
	fault_inject(DEBUGFS_FAIL, "make-it-fail", dev, times);
}

/*
 * Bios that fail before they reach the driver (fail_make_request): a
 * request of two bios with one failed completes with -EIO, not with the
 * other's bytes; failed requests leave the buffer alone; every failed bio
 * gives its mapping back (an invalidation then leaves no fence), and reads
 * work again once the fault is off.
 */
void case_fail_bios(void)
{
	const char *dev = env_dev("DMABUF_VM_NS4K");
	const size_t size = 4 * MiB;
	uint8_t *want = aligned(size), *zero = calloc(1, size);
	int fd = open_dev(dev), ret, eio = 0;
	struct io_uring ring;
	struct dbuf b;

	if (dbuf_new(&b, "udmabuf", size))
		die("udmabuf");
	ring_new(&ring, 16, 1);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "token registration");
	fill(want, size, 251);
	pio(true, fd, want, size, 0);
	memset(b.cpu, 0, size);

	fail_bios(dev, 1);
	ret = rw_fixed(&ring, false, fd, 0, 0, 1 * MiB, 0);
	check(ret == -EIO, "a 1 MiB read, two bios over MDTS, one of them failed: -EIO (%d)",
	      ret);
	fail_bios(dev, 8);
	for (unsigned i = 0; i < 8; i++)
		eio += rw_fixed(&ring, false, fd, 0, 2 * MiB + i * 65536ul, 65536,
				2 * MiB + i * 65536ul) == -EIO;
	fail_bios(dev, 0);
	check(eio == 8 && !memcmp(b.cpu + 2 * MiB, zero, 8 * 65536),
	      "8 reads whose bios failed: all -EIO (%d), the buffer untouched", eio);
	trigger_invalidate();
	check(stat_value("fences") == 0, "the failed bios gave their mapping back: an "
	      "invalidation leaves no unsignalled fence (%ld)", stat_value("fences"));
	ret = rw_fixed(&ring, false, fd, 0, 0, size, 0);
	check(ret == (int)size && !memcmp(b.cpu, want, size),
	      "the fault off, a 4 MiB read gets every byte (%d)", ret);
	case_end(&ring, &b, fd);
	free(want);
	free(zero);
}

/* ---- the controller goes away: reset, removal ---- */

/*
 * A controller reset while token reads are in flight: nvme-pci cancels and
 * requeues them, the PCI device (and so the token's DMA mapping) stays, and
 * every read completes with its data; the registration works on after it.
 */
void case_reset(void)
{
	const char *dev = env_dev("DMABUF_VM_NS512");
	const size_t size = 4 * MiB;
	uint8_t *want = aligned(size);
	struct sysfs_poke k = { .file = "reset_controller", .delay_us = 100000 };
	int fd = open_dev(dev), ret;
	struct io_uring ring;
	struct dbuf b;
	pthread_t th;

	ctrl_dir(dev, k.dir, sizeof(k.dir));
	if (dbuf_new(&b, "udmabuf", size))
		die("udmabuf");
	ring_new(&ring, 64, 1);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "token registration");
	fill(want, size, 241);
	pio(true, fd, want, size, 0);
	memset(b.cpu, 0, size);

	struct load l = { .ring = &ring, .fd = fd, .slot = 0, .qd = 32, .bs = 16384,
			  .size = size };
	pthread_create(&th, NULL, poke_thread, &k);
	load_reads(&l, 8000);
	pthread_join(th, NULL);
	check(l.err == 0 && !memcmp(b.cpu, want, size), "%" PRIu64 " token reads at QD 32 "
	      "across a controller reset: no error (%d), every byte in place", l.ios, l.err);
	memset(b.cpu, 0, 4096);
	ret = rw_fixed(&ring, false, fd, 0, 0, 4096, 0);
	check(ret == 4096 && !memcmp(b.cpu, want, 4096),
	      "after the reset the registration still reads (%d)", ret);
	case_end(&ring, &b, fd);
	free(want);
}

/*
 * Token reads whose completions are lost (fail_io_timeout drops the
 * controller's answer, as a controller that stops answering would): the
 * timeout handler aborts them, then resets the controller, and nvme-pci
 * retries them.  Every read ends (no hang), with its data or with an
 * error; none leaves its mapping behind; the registration reads on.
 */
void case_io_timeout(void)
{
	const char *dev = env_dev("DMABUF_VM_NS512");
	const size_t size = 1 * MiB;
	uint8_t *want = aligned(size);
	int fd = open_dev(dev), ret;
	struct io_uring ring;
	struct dbuf b;
	uint64_t t0;
	long old_ms;

	case_begin(&ring, 16, &b, "udmabuf", fd, want, size, 247);
	memset(b.cpu, 0, size);

	old_ms = queue_attr_set(dev, "io_timeout", 1000);	/* ms */
	fault_inject(DEBUGFS_FAIL_TIMEOUT, "io-timeout-fail", dev, 2);
	struct load l = { .ring = &ring, .fd = fd, .slot = 0, .qd = 4, .bs = 16384,
			  .size = size };
	t0 = now_ns();
	load_reads(&l, 64);
	fault_inject(DEBUGFS_FAIL_TIMEOUT, "io-timeout-fail", dev, 0);
	queue_attr_set(dev, "io_timeout", old_ms);
	check(l.ios == 64, "64 token reads at QD 4, two completions lost: all %" PRIu64
	      " ended, after %" PRIu64 " ms (timeout, abort, reset)", l.ios,
	      (now_ns() - t0) / 1000000);
	check(l.err == 0 && !memcmp(b.cpu, want, size),
	      "retried after the reset, every read has its data (first error %d)", l.err);
	trigger_invalidate();
	check(stat_value("fences") == 0, "the timed-out requests gave their mapping back: an "
	      "invalidation leaves no unsignalled fence (%ld)", stat_value("fences"));
	memset(b.cpu, 0, size);
	ret = rw_fixed(&ring, false, fd, 0, 0, size, 0);
	check(ret == (int)size && !memcmp(b.cpu, want, size),
	      "afterwards a 1 MiB read gets every byte (%d)", ret);
	case_end(&ring, &b, fd);
	free(want);
}

/*
 * The controller's PCI device removed while a token of it is registered
 * and reads are in flight: they end (an error, no hang), new ones fail,
 * and the driver's removal unmaps and detaches the token then, while the
 * device can still unmap, not when the registration goes away later (an
 * IOMMU domain or a DMA-debug entry of a device that no longer exists).
 * Unregistration, closing the ring and the dma-buf leave no token.  The
 * device is gone afterwards: the caller rescans.
 */
void case_remove(void)
{
	const char *dev = env_dev("DMABUF_VM_NS512");
	const size_t size = 4 * MiB;
	struct sysfs_poke k = { .file = "remove", .delay_us = 100000 };
	char ctrl[PATH_MAX], link[PATH_MAX + 16];
	int fd = open_dev(dev), ret;
	struct io_uring ring;
	struct dbuf b;
	pthread_t th;

	ctrl_dir(dev, ctrl, sizeof(ctrl));
	snprintf(link, sizeof(link), "%s/device", ctrl);
	if (!realpath(link, k.dir))
		die("realpath %s", link);
	if (dbuf_new(&b, "udmabuf", size))
		die("udmabuf");
	ring_new(&ring, 64, 1);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "token registration");
	check(dmabuf_attached(basename(k.dir)), "the dma-buf is attached to %s",
	      basename(k.dir));

	struct load l = { .ring = &ring, .fd = fd, .slot = 0, .qd = 32, .bs = 16384,
			  .size = size };
	pthread_create(&th, NULL, poke_thread, &k);
	/*
	 * Rounds of reads until the removal has returned (or the reads failed,
	 * the device going away under them), then one more: some reads are
	 * after the removal, however long it took on this machine.
	 */
	while (!k.done && !l.err)
		load_reads(&l, size / l.bs);
	load_reads(&l, size / l.bs);
	pthread_join(th, NULL);
	check(!dmabuf_attached(basename(k.dir)), "once the device is removed, the token is "
	      "detached from it, its registration still in place");
	check(l.err != 0, "%" PRIu64 " token reads at QD 32 as the controller's PCI device "
	      "(%s) goes away: they all end, the last ones with an error (%d)", l.ios,
	      basename(k.dir), l.err);
	ret = rw_fixed(&ring, false, fd, 0, 0, 4096, 0);
	check(ret <= 0, "a read after the removal fails or, the disk's capacity now 0, reads "
	      "nothing (%d)", ret);
	check_ret(reg_empty(&ring, 0), 0, "unregistration after the removal");
	case_end(&ring, &b, fd);
}
