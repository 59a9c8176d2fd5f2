// SPDX-License-Identifier: MIT
/* token-uapi: invalidation under load, unregistration in flight, every close order, one mapping for many reads. */
#include "token-uapi.h"

/* ---- load: QD requests in flight over the whole dma-buf ---- */

static void case_invalidate(const char *kind)
{
	const char *dev = env_dev("DMABUF_VM_NS512");
	size_t size = 4 * MiB;
	int fd = open_dev(dev);
	uint8_t *want = aligned(size);
	unsigned long triggers = 0;
	struct io_uring ring;
	struct dbuf b;
	pthread_t th;
	long maps0, inv0;
	unsigned rounds;
	int ret;

	if (dbuf_new(&b, kind, size))
		die("%s", kind);
	ring_new(&ring, 64, 1);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "token registration");
	/* the device holds a pattern; the dma-buf starts zeroed */
	fill(want, size, 77);
	if (pwrite(fd, want, size, 0) != (ssize_t)size)
		die("pwrite pattern");
	memset(b.cpu, 0, size);
	maps0 = stat_value("maps");
	inv0 = stat_value("invalidations");

	struct load l = { .ring = &ring, .fd = fd, .slot = 0, .qd = 32, .bs = 16384,
			  .size = size };
	trigger_stop = false;
	pthread_create(&th, NULL, trigger_thread, &triggers);
	rounds = reads_until_remapped(&l, 4000, maps0);
	trigger_stop = true;
	pthread_join(th, NULL);

	check(l.err == 0, "%s: %" PRIu64 " reads of 16 KiB at QD 32 (%u rounds of 4000) under %lu "
	      "invalidations: no error (%d), %" PRIu64 " -EAGAIN reissued", kind, l.ios, rounds,
	      triggers, l.err, l.eagain);
	check(!memcmp(want, b.cpu, size), "%s: every byte read through the token matches",
	      kind);
	check(stat_value("invalidations") - inv0 >= (long)triggers,
	      "the trigger invalidated the token each time (%ld for %lu triggers)",
	      stat_value("invalidations") - inv0, triggers);
	check(stat_value("maps") - maps0 >= 1,
	      "requests after an invalidation mapped afresh (%ld new mappings)",
	      stat_value("maps") - maps0);
	/* an idle token after invalidation: the next request maps again */
	trigger_invalidate();
	memset(b.cpu, 0, 4096);
	ret = rw_fixed(&ring, false, fd, 0, 0, 4096, 0);
	check(ret == 4096 && !memcmp(want, b.cpu, 4096),
	      "a read after an idle invalidation gets the data (%d)", ret);
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	free(want);
	close(fd);
	check(wait_tokens(0) == 0, "no token left once the ring is gone");
}

/* Unregister (and replace) the slot while its requests are in flight. */
void case_unregister_inflight(void)
{
	const char *dev = env_dev("DMABUF_VM_NS512");
	size_t size = 4 * MiB;
	int fd = open_dev(dev);
	struct io_uring ring;
	struct dbuf b, b2;
	unsigned done = 0, ok = 0;

	if (dbuf_new(&b, "udmabuf", size) || dbuf_new(&b2, "heap", size))
		die("dma-bufs");
	ring_new(&ring, 128, 1);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "token registration");
	for (unsigned i = 0; i < 128; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		io_uring_prep_read_fixed(sqe, fd, (void *)(uintptr_t)(i * 32768ul), 32768,
					 i * 32768ul, 0);
	}
	check(io_uring_submit(&ring) == 128, "128 reads of 32 KiB submitted");
	check_ret(reg_dmabuf(&ring, 0, b2.fd, fd), 0,
		  "the slot is replaced by another token while they run");
	check_ret(reg_empty(&ring, 0), 0, "then emptied while they run");
	dbuf_free(&b);
	dbuf_free(&b2);
	while (done < 128) {
		struct io_uring_cqe *cqe;

		if (io_uring_wait_cqe(&ring, &cqe))
			die("wait");
		ok += cqe->res == 32768;
		done++;
		io_uring_cqe_seen(&ring, cqe);
	}
	check(ok == 128, "every request in flight completed with its data (%u of 128)", ok);
	check(wait_tokens(0) == 0, "both tokens released after their last request");
	io_uring_queue_exit(&ring);
	close(fd);
}

/* Close ring, dma-buf and target in every order with I/O in flight. */
void case_close_orders(void)
{
	static const char *const names[] = { "ring", "dma-buf", "target" };
	static const int orders[6][3] = {
		{ 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 }, { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 },
	};
	const char *dev = env_dev("DMABUF_VM_NS512");
	static const char *const kinds[] = { "udmabuf", "heap", "vgem" };

	for (unsigned o = 0; o < 6; o++) {
		const char *kind = kinds[o % 3];
		struct io_uring ring;
		struct dbuf b;
		int fd = open_dev(dev);

		if (dbuf_new(&b, kind, 2 * MiB))
			die("%s", kind);
		ring_new(&ring, 64, 1);
		if (reg_dmabuf(&ring, 0, b.fd, fd))
			die("register");
		for (unsigned i = 0; i < 64; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

			if (i % 2)
				io_uring_prep_read_fixed(sqe, fd, (void *)(uintptr_t)(i * 32768ul),
							 32768, i * 32768ul, 0);
			else
				io_uring_prep_write_fixed(sqe, fd, (void *)(uintptr_t)(i * 32768ul),
							  32768, (64 + i) * 32768ul, 0);
		}
		io_uring_submit(&ring);
		for (unsigned k = 0; k < 3; k++) {
			switch (orders[o][k]) {
			case 0:
				io_uring_queue_exit(&ring);
				break;
			case 1:
				if (b.cpu)
					munmap(b.cpu, b.size);
				b.cpu = NULL;
				dbuf_free(&b);
				break;
			case 2:
				close(fd);
				break;
			}
		}
		check(wait_tokens(0) == 0, "%s, 64 requests in flight, closed %s, %s, %s: "
		      "the token is released", kind, names[orders[o][0]], names[orders[o][1]],
		      names[orders[o][2]]);
	}
}

/* Many small reads: the mapping count does not grow with the I/O count. */
void case_mapped_once(void)
{
	const char *dev = env_dev("DMABUF_VM_NS4K");
	int fd = open_dev(dev);
	struct io_uring ring;
	struct dbuf b;
	long maps0;

	if (dbuf_new(&b, "udmabuf", 4 * MiB))
		die("udmabuf");
	ring_new(&ring, 64, 1);
	maps0 = stat_value("maps");
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "token registration");
	struct load l = { .ring = &ring, .fd = fd, .slot = 0, .qd = 16, .bs = 4096,
			  .size = b.size };
	uint64_t t0 = now_ns();

	load_reads(&l, 5000);
	check(l.err == 0 && l.ios == 5000, "5000 reads of 4 KiB (%d) in %.2f s", l.err,
	      (now_ns() - t0) / 1e9);
	check(stat_value("maps") - maps0 == 1, "one mapping for registration and 5000 reads "
	      "(%ld)", stat_value("maps") - maps0);
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	close(fd);
}

void inv_udmabuf(void) { case_invalidate("udmabuf"); }
void inv_heap(void) { case_invalidate("heap"); }
void inv_vgem(void) { case_invalidate("vgem"); }
void inv_mover(void) { case_invalidate("mover"); }
