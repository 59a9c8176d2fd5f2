// SPDX-License-Identifier: MIT
/*
 * token-uapi: the dmabuf token uAPI of kernel-patches/, tested with raw
 * io_uring_register(2) calls and nothing of lib/.
 *
 *   token-uapi CASE [CASE...]     run cases; "token-uapi list" names them
 *
 * Targets come from the VM harness's environment: DMABUF_VM_NS512 (512 B
 * LBAs), DMABUF_VM_NS4K (4 KiB LBAs) and their _NG char devices.  The cases
 * write to those namespaces.  Output is TAP-like: "ok"/"not ok" per check,
 * and the exit status is 0 only when every check passed (77: cannot run).
 *
 * Facts checked are those of doc/token-uapi.md and kernel-patches/README.md: the extended buffer
 * update, the errors for malformed descriptors, I/O at byte offsets in the
 * dma-buf compared with the pages path, invalidation (debugfs trigger) under
 * load, unregistration in flight and every close order of ring, dma-buf and
 * target with I/O in flight.  The helpers it shares with file-tokens.c
 * (sources, registration, checks, the runner) are in ktest.c.
 */
#include "ktest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <liburing.h>
#include <linux/dma-heap.h>
#include <linux/nvme_ioctl.h>
#include <linux/udmabuf.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <drm.h>
#include <drm_mode.h>

#define DEBUGFS_FAIL "/sys/kernel/debug/fail_make_request"
#define DEBUGFS_FAIL_TIMEOUT "/sys/kernel/debug/fail_io_timeout"

/* ---- I/O ---- */

/* Run one passthrough command: cqe->res (0, an NVMe status, or -errno). */
static int pt_io(struct io_uring *ring, const struct pt_cmd *c)
{
	pt_prep(io_uring_get_sqe(ring), c);
	return submit_one(ring);
}

/* A ring for passthrough (128-byte SQEs, 32-byte CQEs), @slots empty slots. */
static void pt_ring_new(struct io_uring *ring, unsigned entries, unsigned slots)
{
	int ret = io_uring_queue_init(entries, ring, IORING_SETUP_SQE128 |
				      IORING_SETUP_CQE32);

	if (ret || io_uring_register_buffers_sparse(ring, slots))
		die("SQE128 ring (%d)", ret);
}

/* ---- helper threads: what they are doing, seen from outside ---- */

/* A helper thread's id (set as it starts) and whether its call returned. */
struct thread_mark {
	pid_t tid;
	bool done;
};

static void mark_running(struct thread_mark *t)
{
	__atomic_store_n(&t->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
}

static void mark_done(struct thread_mark *t)
{
	__atomic_store_n(&t->done, true, __ATOMIC_RELEASE);
}

static bool is_done(struct thread_mark *t)
{
	return __atomic_load_n(&t->done, __ATOMIC_ACQUIRE);
}

/*
 * Wait until the thread of @t sleeps in system call @nr, up to 30 s: the
 * kernel names the call a thread is in (/proc/self/task/TID/syscall) only
 * while it sleeps there, and says "running" otherwise.  False if it never
 * did, or its call returned first.  A poll on the state, where a fixed
 * sleep would guess how long a busy machine takes to get there.
 */
static bool wait_asleep_in(struct thread_mark *t, long nr)
{
	for (int i = 0; i < 3000 && !is_done(t); i++) {
		pid_t tid = __atomic_load_n(&t->tid, __ATOMIC_ACQUIRE);
		char path[64], line[64] = "";
		bool in = false;
		FILE *f;

		if (tid) {
			snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
			f = fopen(path, "r");
			if (f) {
				in = fgets(line, sizeof(line), f) && line[0] >= '0' &&
				     line[0] <= '9' && strtol(line, NULL, 10) == nr;
				fclose(f);
			}
		}
		if (in)
			return true;
		usleep(10000);
	}
	return false;
}

/* ======================================================================== */
/* cases */

static void case_register(const char *kind)
{
	const char *dev = env_dev("DMABUF_VM_NS4K");
	struct io_uring ring;
	struct dbuf b;
	long before = stat_value("tokens");
	int fd = open_dev(dev), ret;

	check(before >= 0, "%s exists (CONFIG_DMABUF_TOKEN_DEBUG)", DEBUGFS "/stats");
	if (dbuf_new(&b, kind, 4 * MiB))
		die("%s dma-buf", kind);
	ring_new(&ring, 8, 4);
	ret = reg_dmabuf(&ring, 1, b.fd, fd);
	check_ret(ret, 0, "register a 4 MiB dma-buf as a token for the block device");
	check(stat_value("tokens") == before + 1, "one more live token");
	ret = reg_dmabuf(&ring, 2, b.fd, fd);
	check_ret(ret, 0, "register the same dma-buf again in another slot");
	check(stat_value("tokens") == before + 1,
	      "the same dma-buf for the same device shares the token (one mapping)");
	/* the dma-buf fd can go: the token holds its own reference */
	dbuf_free(&b);
	ret = reg_empty(&ring, 1);
	check_ret(ret, 0, "unregister by updating the slot to EMPTY");
	check(stat_value("tokens") == before + 1, "the other slot keeps the token");
	ret = reg_empty(&ring, 2);
	check_ret(ret, 0, "unregister the other slot");
	check(wait_tokens(before) == before, "the token is released after unregistration");
	io_uring_queue_exit(&ring);
	close(fd);
}

static void case_errors(void)
{
	const char *dev = env_dev("DMABUF_VM_NS4K");
	const char *ng = env_dev("DMABUF_VM_NS4K_NG");
	struct io_uring ring;
	struct regbuf_desc d;
	struct dbuf b;
	int fd = open_dev(dev), ngfd = open(ng, O_RDWR), memfd, nullfd, tmpfd;
	char tmpl[] = "/tmp/token-uapi.XXXXXX";

	if (ngfd < 0)
		die("open %s", ng);
	if (dbuf_new(&b, "udmabuf", 1 * MiB))
		die("udmabuf");
	ring_new(&ring, 8, 4);

#define DESC(...) (d = (struct regbuf_desc){ __VA_ARGS__ }, &d)
	check_ret(reg_desc(&ring, 0, DESC(.type = REGBUF_DMABUF, .dmabuf_fd = b.fd,
					 .target_fd = fd, .resv = { [5] = 1 })),
		  -EINVAL, "non-zero __resv[5]");
	check_ret(reg_desc(&ring, 0, DESC(.type = REGBUF_DMABUF, .flags = 1,
					 .dmabuf_fd = b.fd, .target_fd = fd)),
		  -EINVAL, "non-zero descriptor flags");
	check_ret(reg_desc(&ring, 0, DESC(.type = 3, .dmabuf_fd = b.fd, .target_fd = fd)),
		  -EINVAL, "unknown descriptor type 3");
	check_ret(reg_desc(&ring, 0, DESC(.type = REGBUF_DMABUF, .uaddr = (uintptr_t)b.cpu,
					 .dmabuf_fd = b.fd, .target_fd = fd)),
		  -EINVAL, "DMABUF with uaddr set");
	check_ret(reg_desc(&ring, 0, DESC(.type = REGBUF_DMABUF, .size = b.size,
					 .dmabuf_fd = b.fd, .target_fd = fd)),
		  -EINVAL, "DMABUF with size set");
	check_ret(reg_update(&ring, 0, 1U << 5, DESC(.type = REGBUF_EMPTY), 1), -EINVAL,
		  "unknown update flag 1<<5");
	{
		struct rsrc_update2 up = { .flags = RSRC_UPDATE_EXTENDED, .data = (uintptr_t)&d,
					   .nr = 1 };
		int ret;

		d = (struct regbuf_desc){ .type = REGBUF_EMPTY };
		ret = syscall(__NR_io_uring_register, ring.ring_fd, IORING_REGISTER_FILES_UPDATE2,
			      &up, sizeof(up));
		check_ret(ret < 0 ? -errno : ret, -EINVAL, "EXTENDED on a file table update");
	}
	check_ret(reg_dmabuf(&ring, 0, -1, fd), -EBADF, "dmabuf_fd -1");
	memfd = memfd_create("not-a-dmabuf", MFD_CLOEXEC);
	check_ret(reg_dmabuf(&ring, 0, memfd, fd), -EINVAL, "dmabuf_fd that is a memfd");
	check_ret(reg_dmabuf(&ring, 0, b.fd, -1), -EBADF, "target_fd -1");
	nullfd = open("/dev/null", O_RDWR);
	check_ret(reg_dmabuf(&ring, 0, b.fd, nullfd), -EOPNOTSUPP, "target /dev/null");
	tmpfd = mkstemp(tmpl);
	unlink(tmpl);
	check_ret(reg_dmabuf(&ring, 0, b.fd, tmpfd), -EOPNOTSUPP, "target a tmpfs file");
	check_ret(reg_dmabuf(&ring, 0, b.fd, ngfd), 0,
		  "target the NVMe generic char device (passthrough)");
	check_ret(reg_empty(&ring, 0), 0, "and its slot emptied");
	check_ret(reg_dmabuf(&ring, 4, b.fd, fd), -EINVAL, "slot past the table");

	/* the EMPTY/UADDR descriptors work like iovecs */
	check_ret(reg_desc(&ring, 0, DESC(.type = REGBUF_EMPTY, .size = 4096)), -EFAULT,
		  "EMPTY with size set (-EFAULT, as an iovec with a length and no base)");
	check_ret(reg_desc(&ring, 0, DESC(.type = REGBUF_EMPTY, .uaddr = (uintptr_t)b.cpu)),
		  -EFAULT, "EMPTY with uaddr set");
	check_ret(reg_desc(&ring, 0, DESC(.type = REGBUF_EMPTY, .target_fd = fd)), -EINVAL,
		  "EMPTY with target_fd set");
	check_ret(reg_desc(&ring, 0, DESC(.type = REGBUF_UADDR, .uaddr = (uintptr_t)b.cpu,
					 .size = b.size)),
		  0, "UADDR descriptor registers user memory");
	check_ret(rw_fixed(&ring, false, fd, 0, (uintptr_t)b.cpu, 4096, 0), 4096,
		  "READ_FIXED through a UADDR descriptor");
	check_ret(reg_desc(&ring, 0, DESC(.type = REGBUF_UADDR, .uaddr = (uintptr_t)b.cpu,
					 .size = b.size, .target_fd = fd)),
		  -EINVAL, "UADDR with target_fd set");
	check_ret(reg_empty(&ring, 0), 0, "EMPTY descriptor clears the slot");
	check_ret(rw_fixed(&ring, false, fd, 0, (uintptr_t)b.cpu, 4096, 0), -EFAULT,
		  "READ_FIXED on the cleared slot");

	/* I/O on a token, the wrong ways */
	check_ret(reg_dmabuf(&ring, 1, b.fd, fd), 0, "register a token in slot 1");
	{
		int other = open_dev(dev);
		int buffered = open(dev, O_RDWR | O_CLOEXEC);

		check_ret(rw_fixed(&ring, false, other, 1, 0, 4096, 0), -EBADF,
			  "READ_FIXED on another open file of the same device");
		check_ret(rw_fixed(&ring, false, buffered, 1, 0, 4096, 0), -EBADF,
			  "READ_FIXED on a buffered open of the device");
		check_ret(reg_dmabuf(&ring, 2, b.fd, buffered), -EINVAL,
			  "registration for a target not opened O_DIRECT (as upstream)");
		close(other);
		close(buffered);
	}
	{
		int flags = fcntl(fd, F_GETFL);

		/* O_DIRECT can be cleared after registration: I/O checks it again */
		if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_DIRECT))
			die("F_SETFL");
		check_ret(rw_fixed(&ring, false, fd, 1, 0, 4096, 0), -EINVAL,
			  "READ_FIXED once the target's O_DIRECT is cleared (F_SETFL)");
		if (fcntl(fd, F_SETFL, flags))
			die("F_SETFL");
		check_ret(rw_fixed(&ring, false, fd, 1, 0, 4096, 0), 4096,
			  "and again once it is set");
	}
	check_ret(rw_fixed(&ring, false, fd, 1, 0, 0, 0), -EFAULT,
		  "READ_FIXED of 0 bytes (-EFAULT, as upstream)");
	check_ret(rw_fixed(&ring, false, fd, 1, b.size - 4096, 8192, 0), -EFAULT,
		  "READ_FIXED past the end of the dma-buf");
	check_ret(rw_fixed(&ring, false, fd, 1, 2, 4096, 0), -EINVAL,
		  "READ_FIXED at a misaligned dma-buf offset");
	check_ret(rw_fixed(&ring, false, fd, 1, 0, 4096 + 512, 0), -EINVAL,
		  "READ_FIXED of a length that is not a whole number of 4 KiB LBAs");
	{
		/* the namespace of DMABUF_VM_NS4K is nsid 1 of its controller */
		struct pt_cmd c = { .ngfd = ngfd, .slot = 0, .nsid = 1, .lbs = 4096,
				    .len = 4096, .addr = 4096 };

		/* uring_cmd passthrough with the block device's token buffer */
		io_uring_queue_exit(&ring);
		pt_ring_new(&ring, 8, 2);
		check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "token on a SQE128 ring");
		check_ret(pt_io(&ring, &c), -EBADF, "NVMe passthrough (uring_cmd) on the char "
			  "device with the block device's token buffer: another file");
	}
#undef DESC
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	close(memfd);
	close(nullfd);
	close(tmpfd);
	close(ngfd);
	close(fd);
}

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

/* ---- load: QD requests in flight over the whole dma-buf ---- */

/*
 * Rounds of @per reads (load_reads) beside a thread that invalidates or
 * moves the buffer, until a read after an invalidation has mapped it
 * afresh (the "maps" count passed @maps0), or a read failed.  When the
 * thread first fires while reads are in flight depends on how the two are
 * scheduled, so the bound is rounds (20), not time.  Returns the rounds.
 */
static unsigned reads_until_remapped(struct load *l, uint64_t per, long maps0)
{
	unsigned rounds = 0;

	do
		load_reads(l, per);
	while (++rounds < 20 && !l->err && stat_value("maps") <= maps0);
	return rounds;
}

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
static void case_unregister_inflight(void)
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
static void case_close_orders(void)
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
static void case_mapped_once(void)
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

/* ---- merging: token bios that continue each other in the mapping ---- */

/* @dev's read commands completed and read requests merged so far (stat fields 1, 2). */
static void read_stat(const char *dev, unsigned long long *ios, unsigned long long *merges)
{
	char real[PATH_MAX], path[PATH_MAX + 32];
	FILE *f;

	if (!realpath(dev, real))
		die("realpath %s", dev);
	snprintf(path, sizeof(path), "/sys/class/block/%s/stat", basename(real));
	f = fopen(path, "r");
	if (!f || fscanf(f, "%llu %llu", ios, merges) != 2)
		die("read %s", path);
	fclose(f);
}

/* Read requests the block layer merged for @dev so far (stat field 2). */
static long read_merges(const char *dev)
{
	unsigned long long ios, merges;

	read_stat(dev, &ios, &merges);
	return (long)merges;
}

/*
 * Read requests of @dev the block layer is through with: commands the
 * device completed (counted once their bios have ended) and requests merged
 * into one (counted as they are submitted).
 */
static long reads_finished(const char *dev)
{
	unsigned long long ios, merges;

	read_stat(dev, &ios, &merges);
	return (long)(ios + merges);
}

/*
 * Wait until @n more read requests of @dev than @base (reads_finished()
 * before they were submitted) are finished, every command sent for them
 * completed by the device, up to 30 s; false if they are not.  A poll on
 * the device's own count, where a fixed sleep would guess how long a busy
 * machine takes.
 */
static bool wait_reads_finished(const char *dev, long base, long n)
{
	for (int i = 0; i < 3000; i++) {
		if (reads_finished(dev) - base >= n)
			return true;
		usleep(10000);
	}
	return false;
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
 * disk (kernel-patches/0008): 64 sequential 4 KiB reads into consecutive
 * buffer blocks become fewer commands; the same reads into the buffer
 * blocks in reverse order continue each other on the disk only, and must
 * not merge (a merged request is one range of the mapping: its data would
 * land in the wrong places).
 */
static void case_merge(void)
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

/* ---- IOMMU map operations (tracepoint iommu:map) ---- */

#define TRACEFS "/sys/kernel/tracing"

static void tracefs_write(const char *file, const char *val)
{
	write_file(TRACEFS, file, val, O_TRUNC);
}

/* iommu:map events written since the last clear ("entries-written"). */
static long iommu_maps_written(void)
{
	char line[256];
	long in = -1, written = -1;
	FILE *f = fopen(TRACEFS "/trace", "r");

	if (!f)
		die("open " TRACEFS "/trace");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "# entries-in-buffer/entries-written: %ld/%ld", &in, &written) == 2)
			break;
	}
	fclose(f);
	return written;
}

static void trace_start(void)
{
	tracefs_write("tracing_on", "0");
	tracefs_write("buffer_size_kb", "4096");
	tracefs_write("events/enable", "0");
	tracefs_write("events/iommu/map/enable", "1");
	tracefs_write("trace", "");
	tracefs_write("tracing_on", "1");
}

static long trace_stop(void)
{
	tracefs_write("tracing_on", "0");
	tracefs_write("events/iommu/map/enable", "0");
	return iommu_maps_written();
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

/* ---- fences: signalled when the DMA is done, one per mapping ---- */

/* A READ_FIXED of 4 KiB at @addr, linked behind a POLL_ADD on @pipe_rd. */
static void read_behind_poll(struct io_uring *ring, int pipe_rd, int fd, uint64_t addr)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	io_uring_prep_poll_add(sqe, pipe_rd, POLLIN);
	sqe->flags |= IOSQE_IO_LINK;
	sqe->user_data = 1;
	sqe = io_uring_get_sqe(ring);
	io_uring_prep_read_fixed(sqe, fd, (void *)(uintptr_t)addr, 4096, addr, 0);
	sqe->user_data = 2;
	if (io_uring_submit(ring) != 2)
		die("submit a read linked behind a poll");
}

/* A DEFER_TASKRUN ring (completions run only when the task enters it), one slot. */
static void defer_ring_new(struct io_uring *ring)
{
	struct io_uring_params pr = {
		.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
	};
	int ret = io_uring_queue_init_params(16, ring, &pr);

	if (ret || io_uring_register_buffers_sparse(ring, 1))
		die("DEFER_TASKRUN ring (%d)", ret);
}

/* Submit @n READ_FIXED of 4 KiB, block i of the device into block i of slot 0. */
static void submit_reads(struct io_uring *ring, int fd, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

		io_uring_prep_read_fixed(sqe, fd, (void *)(uintptr_t)(i * 4096ul), 4096,
					 i * 4096ul, 0);
	}
	if (io_uring_submit(ring) != (int)n)
		die("submit %u reads", n);
}

/* Reap @n CQEs; count those that moved 4 KiB (with user_data @only, if not 0). */
static unsigned reap_4k(struct io_uring *ring, unsigned n, uint64_t only)
{
	unsigned good = 0;

	for (unsigned i = 0; i < n; i++) {
		struct io_uring_cqe *cqe;

		if (io_uring_wait_cqe(ring, &cqe))
			die("wait");
		good += (!only || cqe->user_data == only) && cqe->res == 4096;
		io_uring_cqe_seen(ring, cqe);
	}
	return good;
}

/*
 * The start of a case: @disk (@size bytes of pattern @seed) written at LBA 0
 * of @fd, a @kind dma-buf of @size bytes registered as a token in slot 0 of
 * a new ring of @entries.
 */
static void case_begin(struct io_uring *ring, unsigned entries, struct dbuf *b,
		       const char *kind, int fd, uint8_t *disk, size_t size, uint64_t seed)
{
	if (dbuf_new(b, kind, size))
		die("%s buffer", kind);
	fill(disk, size, seed);
	pio(true, fd, disk, size, 0);
	ring_new(ring, entries, 1);
	check_ret(reg_dmabuf(ring, 0, b->fd, fd), 0, "token registration");
}

/* The end of a case: ring, buffer and device gone, and so is every token. */
static void case_end(struct io_uring *ring, struct dbuf *b, int fd)
{
	io_uring_queue_exit(ring);
	dbuf_free(b);
	close(fd);
	check(wait_tokens(0) == 0, "no token left");
}

/*
 * A request that waits before it is issued (here behind a POLL_ADD that
 * has not fired) holds no mapping: an invalidation then leaves no fence for
 * an exporter to wait on, and the request takes the mapping of the moment it
 * is issued.  The series before took the mapping at prep and kept it to the
 * request's cleanup: the fence stayed unsignalled for as long as the link
 * waited, and the read used the mapping the invalidation had dropped.
 */
static void case_fence_link(void)
{
	const char *dev = env_dev("DMABUF_VM_NS4K");
	int fd = open_dev(dev), p[2];
	struct io_uring ring;
	struct dbuf b;
	long maps;

	if (pipe(p))
		die("pipe");
	if (dbuf_new(&b, "udmabuf", 1 * MiB))
		die("udmabuf");
	ring_new(&ring, 16, 1);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "token registration");
	read_behind_poll(&ring, p[0], fd, 0);
	maps = stat_value("maps");
	trigger_invalidate();
	check(stat_value("fences") == 0, "a read waiting behind a poll holds no mapping: the "
	      "invalidation leaves no unsignalled fence (%ld)", stat_value("fences"));
	if (write(p[1], "x", 1) != 1)
		die("write the pipe");
	check(reap_4k(&ring, 2, 2) == 1, "the poll fires and the read completes with 4 KiB");
	check(stat_value("maps") - maps == 1, "the read mapped the buffer afresh when issued, "
	      "after the invalidation (%ld new mappings)", stat_value("maps") - maps);
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	close(p[0]);
	close(p[1]);
	close(fd);
	check(wait_tokens(0) == 0, "no token left");
}

/*
 * Reads completed by the device but not reaped (DEFER_TASKRUN runs their
 * completions only when the task enters the ring) hold no mapping either.
 */
static void case_fence_unreaped(void)
{
	const char *dev = env_dev("DMABUF_VM_NS4K");
	int fd = open_dev(dev);
	struct io_uring ring;
	struct dbuf b;
	long done0;

	if (dbuf_new(&b, "udmabuf", 1 * MiB))
		die("udmabuf");
	defer_ring_new(&ring);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "token registration");
	done0 = reads_finished(dev);
	submit_reads(&ring, fd, 8);
	check(wait_reads_finished(dev, done0, 8), "the device finished the 8 reads (%ld of 8)",
	      reads_finished(dev) - done0);
	trigger_invalidate();
	check(stat_value("fences") == 0, "8 reads done by the device but not reaped hold no "
	      "mapping: no unsignalled fence (%ld)", stat_value("fences"));
	check(reap_4k(&ring, 8, 0) == 8, "then they are reaped, all with their data");
	case_end(&ring, &b, fd);
}

/*
 * Two invalidations, each while the mapping it drops is still in use (the
 * trigger's "hold" keeps it, as DMA in flight would): both fences stay in
 * the reservation object, unsignalled, until their mappings are released.
 * With one fence context per token, the second fence (a later seqno of the
 * same context) replaced the first, and an exporter waiting on the
 * reservation object would have moved memory under the first DMA.
 */
static void case_fence_contexts(void)
{
	const char *dev = env_dev("DMABUF_VM_NS4K");
	int fd = open_dev(dev);
	struct io_uring ring;
	struct dbuf b;

	if (dbuf_new(&b, "udmabuf", 1 * MiB))
		die("udmabuf");
	ring_new(&ring, 8, 1);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "token registration");
	check(stat_value("fences") == 0, "no fence before an invalidation (%ld)",
	      stat_value("fences"));
	debugfs_write("hold", "1");
	trigger_invalidate();
	check(stat_value("fences") == 1, "an invalidation of a mapping in use leaves its fence, "
	      "unsignalled (%ld)", stat_value("fences"));
	check_ret(rw_fixed(&ring, false, fd, 0, 0, 4096, 0), 4096, "a read maps afresh");
	debugfs_write("hold", "1");
	trigger_invalidate();
	check(stat_value("fences") == 2, "a second one, the new mapping in use too, leaves 2: "
	      "neither fence replaces the other (%ld)", stat_value("fences"));
	debugfs_write("hold", "0");
	check(stat_value("fences") == 0, "released, both signal (%ld left)", stat_value("fences"));
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	close(fd);
	check(wait_tokens(0) == 0, "no token left");
}

/* ---- an exporter that really moves: dmabuf_mover ---- */

/*
 * The exporter itself, no importer: a move keeps the bytes (the CPU mapping
 * faults in the new pages), retires the old pages and finds them untouched;
 * malformed moves and a buffer pinned by an importer that cannot take
 * move_notify (a vgem PRIME import) are refused.
 */
static void case_mover_basics(void)
{
	const size_t size = 1 * MiB;
	struct drm_prime_handle imp = { 0 };
	struct dbuf b, u;
	struct mover_stat st;
	uint8_t *want = aligned(size);
	int card;

	if (dbuf_new(&b, "mover", size))
		die("mover buffer");
	fill(b.cpu, size, 201);
	memcpy(want, b.cpu, size);
	check_ret(mover_move(b.fd, 0, 0, NULL), 0, "an idle buffer moves");
	st = mover_stat(b.fd);
	check(st.moves == 1 && st.retired_pages == size / 4096 && st.late_pages == 0,
	      "one move, its %zu old pages watched, none written since (moves %" PRIu64
	      ", retired %" PRIu64 ", late %" PRIu64 ")", size / 4096, st.moves,
	      st.retired_pages, st.late_pages);
	check(!memcmp(b.cpu, want, size), "the CPU mapping sees the same bytes after the move");
	fill(b.cpu, size, 202);
	memcpy(want, b.cpu, size);
	check_ret(mover_move(b.fd, 0, 0, NULL), 0, "a second move");
	check(!memcmp(b.cpu, want, size) && mover_stat(b.fd).late_pages == 0,
	      "bytes written through the remapped CPU mapping moved with it, and the old "
	      "pages stay untouched");

	check_ret(mover_move(b.fd, 1U << 1, 0, NULL), -EINVAL, "unknown move flag");
	check_ret(mover_move(-1, 0, 0, NULL), -EBADF, "move of a closed fd");
	if (dbuf_new(&u, "udmabuf", size))
		die("udmabuf");
	check_ret(mover_move(u.fd, 0, 0, NULL), -EINVAL, "move of another exporter's dma-buf");
	dbuf_free(&u);

	card = vgem_open();
	if (card < 0)
		die("no vgem card");
	imp.fd = b.fd;
	if (ioctl(card, DRM_IOCTL_PRIME_FD_TO_HANDLE, &imp))
		die("vgem PRIME import of a mover buffer");
	check(mover_stat(b.fd).pins == 1, "a vgem import pins the buffer (it cannot take "
	      "move_notify)");
	check_ret(mover_move(b.fd, 0, 0, NULL), -EBUSY, "a pinned buffer does not move");
	close(card);
	check(mover_stat(b.fd).pins == 0, "the import gone, the pin is gone");
	check_ret(mover_move(b.fd, 0, 0, NULL), 0, "and the buffer moves again");
	check(!memcmp(b.cpu, want, size), "with its bytes");
	dbuf_free(&b);
	free(want);
}

/*
 * Token reads and writes while the exporter really moves the buffer every
 * 2 ms: each move waits for the fences of the mappings still in use, so no
 * byte lands in, or is sent from, pages the exporter gave up.
 */
static void case_mover_token(void)
{
	const char *dev = env_dev("DMABUF_VM_NS512");
	const size_t size = 4 * MiB, bs = 64 * 1024;
	uint8_t *want = aligned(size), *back = aligned(size);
	int fd = open_dev(dev), ret = 0;
	struct mover_arg m;
	struct io_uring ring;
	struct mover_stat st;
	struct dbuf b;
	pthread_t th;
	long maps0, tags;
	unsigned rounds;

	if (dbuf_new(&b, "mover", size))
		die("mover buffer");
	ring_new(&ring, 64, 1);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "token registration of a mover buffer");
	fill(want, size, 211);
	pio(true, fd, want, size, 0);
	memset(b.cpu, 0, size);
	maps0 = stat_value("maps");

	struct load l = { .ring = &ring, .fd = fd, .slot = 0, .qd = 32, .bs = 16384,
			  .size = size };
	tags = set_nr_requests(dev, 4);
	mover_start(&th, &m, b.fd, 0);
	rounds = reads_until_remapped(&l, 4000, maps0);
	mover_end(th);
	set_nr_requests(dev, tags);
	st = mover_stat(b.fd);
	check(l.err == 0 && m.failed == 0, "%" PRIu64 " reads of 16 KiB at QD 32 (%u rounds of "
	      "4000), 4 tags, under %lu moves: no read error (%d), no move failed (%lu, last %d)",
	      l.ios, rounds, m.moves, l.err, m.failed, m.err);
	check(m.moves > 0 && !memcmp(b.cpu, want, size),
	      "every byte read is in the buffer where it now lives");
	check(st.late_pages == 0, "no page written after the exporter gave it up "
	      "(%" PRIu64 " late of %" PRIu64 " watched)", st.late_pages, st.retired_pages);
	check(stat_value("maps") - maps0 >= 1, "requests after a move mapped afresh "
	      "(%ld new mappings)", stat_value("maps") - maps0);

	fill(b.cpu, size, 212);
	memcpy(want, b.cpu, size);
	mover_start(&th, &m, b.fd, 0);
	for (size_t off = 0; off < size && ret >= 0; off += bs)
		ret = rw_fixed(&ring, true, fd, 0, off, bs, size + off);
	mover_end(th);
	pio(false, fd, back, size, size);
	check(ret == (int)bs && m.failed == 0 && !memcmp(back, want, size),
	      "64 token writes of 64 KiB under %lu moves send the buffer's bytes (%d)",
	      m.moves, ret);
	check(mover_stat(b.fd).late_pages == 0, "and no late page");
	case_end(&ring, &b, fd);
	free(want);
	free(back);
}

struct waiter {
	int fd, ret;
	struct io_uring *ring;
	struct thread_mark m;
};

/*
 * The longest a move waits for the fences here: only a hang reaches it, as
 * the cases release the mapping that holds the move up as soon as they
 * have seen what they look for.
 */
#define MOVE_WAIT_MS 30000

static void *move_waiter(void *arg)
{
	struct waiter *w = arg;

	mark_running(&w->m);
	w->ret = mover_move(w->fd, 0, MOVE_WAIT_MS, NULL);
	mark_done(&w->m);
	return NULL;
}

static void *unregister_waiter(void *arg)
{
	struct waiter *w = arg;

	mark_running(&w->m);
	w->ret = reg_empty(w->ring, 0);
	mark_done(&w->m);
	return NULL;
}

/*
 * A mapping in use (debugfs "hold", as DMA in flight) keeps the exporter
 * from moving: its bounded wait for the fence ends in -ETIME and the buffer
 * stays where it is; released, the move goes through.  Unregistration
 * waits for a move in progress (it needs the reservation lock to unmap), and
 * the move waits only for the DMA, never for the ring.
 */
static void case_mover_in_use(void)
{
	const char *dev = env_dev("DMABUF_VM_NS4K");
	const size_t size = 1 * MiB;
	uint8_t *disk = aligned(size);
	int fd = open_dev(dev), ret;
	struct io_uring ring;
	struct dbuf b;
	uint64_t wait_ns = 0;

	case_begin(&ring, 8, &b, "mover", fd, disk, size, 221);
	debugfs_write("hold", "1");
	ret = mover_move(b.fd, 0, 300, &wait_ns);
	check(ret == -ETIME && mover_stat(b.fd).moves == 0,
	      "with the mapping in use the move waits for its fence, gives up after 300 ms "
	      "(%d after %" PRIu64 " ms) and does not move", ret, wait_ns / 1000000);
	debugfs_write("hold", "0");
	check_ret(mover_move(b.fd, 0, 0, NULL), 0, "released, the buffer moves");
	memset(b.cpu, 0, size);
	ret = rw_fixed(&ring, false, fd, 0, 0, size, 0);
	check(ret == (int)size && !memcmp(b.cpu, disk, size),
	      "a read after the move lands in the new pages (%d)", ret);
	check(mover_stat(b.fd).late_pages == 0, "no late page");

	/* unregistration (under the ring's lock) while the exporter waits */
	struct waiter w = { .fd = b.fd }, u = { .ring = &ring };
	pthread_t th, tu;

	debugfs_write("hold", "1");
	pthread_create(&th, NULL, move_waiter, &w);
	/* the move waits for the fence, holding the lock (whatever the order, both must go through) */
	(void)wait_asleep_in(&w.m, SYS_ioctl);
	pthread_create(&tu, NULL, unregister_waiter, &u);
	(void)wait_asleep_in(&u.m, __NR_io_uring_register);	/* and waits for the move */
	debugfs_write("hold", "0");
	pthread_join(th, NULL);
	pthread_join(tu, NULL);
	check(w.ret == 0 && u.ret == 0, "a move waiting on a fence, and an unregistration "
	      "waiting on the move: the last use ends, both go through (move %d, "
	      "unregistration %d)", w.ret, u.ret);
	case_end(&ring, &b, fd);
	free(disk);
}

/*
 * A read that must map afresh waits for the reservation lock, which a
 * TTM-style exporter holds for as long as its fence wait lasts (up to its
 * timeout, MOVE_WAIT_MS here, 15 s in TTM).  The wait is interruptible:
 * cancelling the read (IORING_OP_ASYNC_CANCEL signals the io-wq worker that
 * waits) ends it while the move still waits, rather than when the move ends.
 */
static void case_map_cancel(void)
{
	const char *dev = env_dev("DMABUF_VM_NS4K");
	const size_t size = 1 * MiB;
	uint8_t *disk = aligned(size);
	int fd = open_dev(dev), ret, res = 0;
	struct waiter w = { .ret = -1 };
	/* past the move's own bound: a read the cancel missed ends with the move */
	struct __kernel_timespec ts = { .tv_sec = 2 * MOVE_WAIT_MS / 1000 };
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	struct dbuf b;
	uint64_t t0, ms = 0;
	bool done = false, moving = false;
	pthread_t th;

	case_begin(&ring, 8, &b, "mover", fd, disk, size, 233);

	/* the mapping in use: the move drops it, then waits under the lock */
	debugfs_write("hold", "1");
	w.fd = b.fd;
	pthread_create(&th, NULL, move_waiter, &w);
	check(wait_asleep_in(&w.m, SYS_ioctl), "the move waits for the fence of the mapping in "
	      "use, holding the lock");
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read_fixed(sqe, fd, NULL, 4096, 0, 0);
	sqe->user_data = 1;
	io_uring_submit(&ring);
	/*
	 * Punted to io-wq, waiting for the lock; or still queued there on a
	 * busy machine: the cancel ends the read either way.
	 */
	usleep(300000);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_cancel64(sqe, 1, 0);
	sqe->user_data = 2;
	t0 = now_ns();
	io_uring_submit(&ring);
	while (!done) {
		ret = io_uring_wait_cqe_timeout(&ring, &cqe, &ts);
		if (ret)
			break;
		if (cqe->user_data == 1) {
			res = cqe->res;
			ms = (now_ns() - t0) / 1000000;
			moving = !is_done(&w.m);
			done = true;
		}
		io_uring_cqe_seen(&ring, cqe);
	}
	/* not how soon (the machine's speed), but before the move ended */
	check(done && (res == -EINTR || res == -ECANCELED) && moving,
	      "a read waiting to map while the exporter holds the lock is cancelled while the "
	      "move still waits (%s: %d after %" PRIu64 " ms, the move %s)",
	      done ? "ended" : "still waiting", res, ms, moving ? "still waiting" : "over");
	debugfs_write("hold", "0");
	pthread_join(th, NULL);
	check_ret(w.ret, 0, "released, the move goes through");
	if (!done)	/* reap the read the cancel did not end */
		reap_4k(&ring, 1, 0);
	memset(b.cpu, 0, size);
	ret = rw_fixed(&ring, false, fd, 0, 0, size, 0);
	check(ret == (int)size && !memcmp(b.cpu, disk, size),
	      "a read after the move lands in the new pages (%d)", ret);
	case_end(&ring, &b, fd);
	free(disk);
}

struct reg_waiter {
	struct io_uring ring;
	int dmabuf_fd, target_fd, ret;
	struct thread_mark m;
};

static void *register_waiter(void *arg)
{
	struct reg_waiter *r = arg;

	mark_running(&r->m);
	r->ret = reg_dmabuf(&r->ring, 0, r->dmabuf_fd, r->target_fd);
	mark_done(&r->m);
	return NULL;
}

/*
 * Registration does not hold a global lock while it waits: one that must
 * map a buffer whose exporter holds the reservation lock for its fence
 * wait (a move of a mover buffer with its mapping in use, MOVE_WAIT_MS bound),
 * here for the second controller, leaves every other registration alone.
 * Before, the token core held its share lock across the wait, and a
 * udmabuf registration for the first controller waited for the move.
 */
static void case_register_stall(void)
{
	const char *dev4k = env_dev("DMABUF_VM_NS4K"), *dev512 = env_dev("DMABUF_VM_NS512");
	const size_t size = 1 * MiB;
	uint8_t *disk = aligned(size);
	int fd = open_dev(dev4k), fd512 = open_dev(dev512), ret;
	struct waiter w = { .ret = -1 };
	struct reg_waiter r = { .ret = -1 };
	struct io_uring ring, other;
	struct dbuf b, u;
	pthread_t tm, tr;
	uint64_t t0, ms;
	bool moving;

	case_begin(&ring, 8, &b, "mover", fd, disk, size, 229);
	if (dbuf_new(&u, "udmabuf", size))
		die("udmabuf");
	debugfs_write("hold", "1");
	w.fd = b.fd;
	pthread_create(&tm, NULL, move_waiter, &w);
	check(wait_asleep_in(&w.m, SYS_ioctl), "the move waits for the fence of the mapping in "
	      "use, holding the lock");
	ring_new(&r.ring, 8, 1);
	r.dmabuf_fd = b.fd;
	r.target_fd = fd512;
	pthread_create(&tr, NULL, register_waiter, &r);
	/* that registration waits for the lock (or, if it does not wait, is done) */
	(void)wait_asleep_in(&r.m, __NR_io_uring_register);
	ring_new(&other, 8, 1);
	t0 = now_ns();
	ret = reg_dmabuf(&other, 0, u.fd, fd);
	ms = (now_ns() - t0) / 1000000;
	moving = !is_done(&w.m);
	/* not how soon (the machine's speed), but before the move ended */
	check(ret == 0 && moving, "meanwhile a udmabuf registers while the move still waits "
	      "(%d after %" PRIu64 " ms, the move %s)", ret, ms,
	      moving ? "still waiting" : "over");
	debugfs_write("hold", "0");
	pthread_join(tm, NULL);
	pthread_join(tr, NULL);
	check(w.ret == 0 && r.ret == 0, "released, the move and the waiting registration go "
	      "through (move %d, registration %d)", w.ret, r.ret);
	check_ret(rw_fixed(&r.ring, false, fd512, 0, 0, 4096, 0), 4096,
		  "the buffer reads through the second controller's token");
	io_uring_queue_exit(&r.ring);
	io_uring_queue_exit(&other);
	dbuf_free(&u);
	close(fd512);
	case_end(&ring, &b, fd);
	free(disk);
}

/*
 * The exporter stall of a fence tied to request cleanup: a TTM-style move
 * (bounded wait on the reservation object's fences) of a buffer with a read
 * linked behind a poll that has not fired, and with reads done but not
 * reaped on a DEFER_TASKRUN ring.  Neither holds a mapping, so the move
 * does not wait for them.  (A 2 s bound: past it the move fails -ETIME.)
 */
static void case_mover_stall(void)
{
	const char *dev = env_dev("DMABUF_VM_NS4K");
	const size_t size = 1 * MiB;
	uint8_t *disk = aligned(size);
	int fd = open_dev(dev), p[2];
	struct io_uring ring;
	struct dbuf b;
	long done0;

	if (pipe(p))
		die("pipe");
	case_begin(&ring, 16, &b, "mover", fd, disk, size, 231);
	memset(b.cpu, 0, size);
	read_behind_poll(&ring, p[0], fd, 0);
	check_ret(mover_move(b.fd, 0, 2000, NULL), 0,
		  "a read waiting behind a poll does not hold up a move");
	if (write(p[1], "x", 1) != 1)
		die("write the pipe");
	check(reap_4k(&ring, 2, 2) == 1 && !memcmp(b.cpu, disk, 4096),
	      "the poll fires; the read lands in the moved buffer");
	io_uring_queue_exit(&ring);
	close(p[0]);
	close(p[1]);

	defer_ring_new(&ring);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "token registration, DEFER_TASKRUN ring");
	memset(b.cpu, 0, size);
	done0 = reads_finished(dev);
	submit_reads(&ring, fd, 8);
	check(wait_reads_finished(dev, done0, 8), "the device finished the 8 reads (%ld of 8)",
	      reads_finished(dev) - done0);
	check_ret(mover_move(b.fd, 0, 2000, NULL), 0,
		  "8 reads done but not reaped do not hold up a move");
	check(reap_4k(&ring, 8, 0) == 8 && !memcmp(b.cpu, disk, 8 * 4096),
	      "reaped, all 8 moved with the buffer");
	check(mover_stat(b.fd).late_pages == 0, "no late page");
	case_end(&ring, &b, fd);
	free(disk);
}

/*
 * The check that makes the others mean something: an exporter that moves
 * without waiting for the fences (DMABUF_MOVER_MOVE_NO_WAIT) while reads
 * are in flight gets DMA into pages it gave up, and the exporter sees it.
 */
static void case_mover_late(void)
{
	const char *dev = env_dev("DMABUF_VM_NS512");
	const size_t size = 4 * MiB;
	int fd = open_dev(dev);
	struct mover_arg m;
	struct io_uring ring;
	struct mover_stat st = { 0 };
	struct dbuf b;
	pthread_t th;
	unsigned rounds;
	long tags;

	if (dbuf_new(&b, "mover", size))
		die("mover buffer");
	ring_new(&ring, 64, 1);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "token registration");

	struct load l = { .ring = &ring, .fd = fd, .slot = 0, .qd = 32, .bs = 16384,
			  .size = size };
	tags = set_nr_requests(dev, 4);
	mover_start(&th, &m, b.fd, MOVER_MOVE_NO_WAIT);
	for (rounds = 0; rounds < 20 && !st.late_pages; rounds++) {
		load_reads(&l, 1000);
		st = mover_stat(b.fd);
	}
	mover_end(th);
	set_nr_requests(dev, tags);
	st = mover_stat(b.fd);
	check(st.late_pages > 0, "moves that do not wait for the fences, under reads at QD 32 "
	      "with 4 tags: the exporter finds %" PRIu64 " pages written after it gave them up "
	      "(%lu moves, %u rounds of 1000 reads)", st.late_pages, m.moves, rounds);
	case_end(&ring, &b, fd);
}

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
static void case_fail_bios(void)
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
static void case_sgl_pieces(void)
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

/*
 * A token on a partition of the 512 B namespace (DMABUF_VM_PART, made by
 * tests/vm/token.bats).  Its device is the disk's, so the same dma-buf
 * registered for the partition and for the whole disk is one token.  I/O
 * offsets are the partition's and land at its start on the disk; at and
 * past its end reads stop and writes fail, as on the pages path; the
 * partition's registration serves no other file.
 */
static void case_partition(void)
{
	const char *part = env_dev("DMABUF_VM_PART"), *disk = env_dev("DMABUF_VM_NS512");
	const size_t len = 1 * MiB;
	const uint64_t start = block_attr(part, "start") * 512;
	const uint64_t end = block_attr(part, "size") * 512;
	uint8_t *back = aligned(len), *want = aligned(len);
	int pfd = open_dev(part), dfd = open_dev(disk), ret;
	struct io_uring ring;
	struct dbuf b;

	if (dbuf_new(&b, "udmabuf", len))
		die("udmabuf");
	ring_new(&ring, 8, 2);
	check_ret(reg_dmabuf(&ring, 0, b.fd, pfd), 0, "token registration for the partition");
	check_ret(reg_dmabuf(&ring, 1, b.fd, dfd), 0, "the same dma-buf for the whole disk");
	check(stat_value("tokens") == 1, "one token for both: the same device (%ld)",
	      stat_value("tokens"));

	fill(b.cpu, len, 227);
	ret = rw_fixed(&ring, true, pfd, 0, 0, len, 4 * MiB);
	pio(false, dfd, back, len, start + 4 * MiB);
	check(ret == (int)len && !memcmp(back, b.cpu, len), "a 1 MiB write at partition "
	      "offset 4 MiB is on the disk at the partition's start + 4 MiB (%d)", ret);
	fill(want, len, 226);
	pio(true, dfd, want, len, start + 8 * MiB);
	memset(b.cpu, 0, len);
	ret = rw_fixed(&ring, false, pfd, 0, 0, len, 8 * MiB);
	check(ret == (int)len && !memcmp(b.cpu, want, len),
	      "a read at partition offset 8 MiB gets what the disk holds there (%d)", ret);
	check_ret(rw_fixed(&ring, false, dfd, 0, 0, 4096, 0), -EBADF,
		  "the partition's registration on the whole disk's file");

	check_ret(rw_fixed(&ring, false, pfd, 0, 0, 4096, end), 0,
		  "a read at the partition's end (0 bytes, as for pages)");
	check_ret(rw_fixed(&ring, false, pfd, 0, 0, len, end - 65536), 65536,
		  "a 1 MiB read over the end stops there");
	check_ret(rw_fixed(&ring, true, pfd, 0, 0, 4096, end), -ENOSPC,
		  "a write at the partition's end");
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	close(dfd);
	close(pfd);
	check(wait_tokens(0) == 0, "no token left");
	free(back);
	free(want);
}

/* ---- device-mapper linear tables (dmsetup) ---- */

/*
 * The 512 B namespace's bytes [@off, @off + @len) hold what @via, a
 * token on a mapped device, wrote from @b; then @b reads back what the
 * namespace holds there.  @at is the byte offset on the mapped device.
 */
static void dm_check_io(const char *what, struct io_uring *ring, int dmfd, struct dbuf *b,
			size_t len, uint64_t at, int disk1, uint64_t off1, int disk2,
			uint64_t off2, size_t split)
{
	uint8_t *back = aligned(len), *want = aligned(len);
	int ret;

	fill(b->cpu, len, at + 17);
	ret = rw_fixed(ring, true, dmfd, 0, 0, len, at);
	pio(false, disk1, back, split, off1);
	if (split < len)
		pio(false, disk2, back + split, len - split, off2);
	check(ret == (int)len && !memcmp(back, b->cpu, len),
	      "%s: a %zu KiB token write is where dd finds it below (%d)", what, len >> 10, ret);
	fill(want, len, at + 18);
	pio(true, disk1, want, split, off1);
	if (split < len)
		pio(true, disk2, want + split, len - split, off2);
	memset(b->cpu, 0, len);
	ret = rw_fixed(ring, false, dmfd, 0, 0, len, at);
	check(ret == (int)len && !memcmp(b->cpu, want, len),
	      "%s: a %zu KiB token read gets what is below (%d)", what, len >> 10, ret);
	free(back);
	free(want);
}

/*
 * Tokens on dm-linear devices: a table of one target on the 512 B
 * namespace, and one of two targets on both controllers.  Each mapped
 * device's token is stacked: it holds a token of each namespace below, the
 * same one a registration on the namespace itself gets.  Data lands where
 * the table says, a request over the boundary of two targets too, and no
 * mapping is made after registration.
 */
static void dm_linear(const char *kind)
{
	const char *ns512 = env_dev("DMABUF_VM_NS512"), *ns4k = env_dev("DMABUF_VM_NS4K");
	const size_t len = 16 * MiB;
	char table[512], dm1[64], dm2[64], what[64];
	int d512 = open_dev(ns512), d4k = open_dev(ns4k), fd1, fd2;
	long tokens = stat_value("tokens"), maps;
	struct io_uring ring;
	uint8_t *below;
	struct dbuf b;
	struct load l;

	/* 16 MiB at 1 MiB of the 512 B namespace */
	snprintf(table, sizeof(table), "0 32768 linear %s 2048\n", ns512);
	dm_create("dmabuf-lin1", table, dm1, sizeof(dm1));
	/* 8 MiB at 32 MiB of the 512 B namespace, then 8 MiB at 8 MiB of the 4 KiB one */
	snprintf(table, sizeof(table), "0 16384 linear %s 65536\n16384 16384 linear %s 16384\n",
		 ns512, ns4k);
	dm_create("dmabuf-lin2", table, dm2, sizeof(dm2));
	fd1 = open_dev(dm1);
	fd2 = open_dev(dm2);
	if (dbuf_new(&b, kind, len))
		die("%s", kind);
	ring_new(&ring, 64, 3);

	check_ret(reg_dmabuf(&ring, 0, b.fd, fd1), 0, "%s: token registration for %s "
		  "(linear on one namespace)", kind, dm1);
	check(stat_value("tokens") == tokens + 2, "%s: two tokens: the mapped device's and "
	      "the namespace's (%ld)", kind, stat_value("tokens") - tokens);
	check_ret(reg_dmabuf(&ring, 2, b.fd, d512), 0, "%s: the same dma-buf for the "
		  "namespace itself", kind);
	check(stat_value("tokens") == tokens + 2, "%s: shares the namespace's token", kind);
	snprintf(what, sizeof(what), "%s one device", kind);
	dm_check_io(what, &ring, fd1, &b, 1 * MiB, 4 * MiB, d512, 1 * MiB + 4 * MiB, -1, 0,
		    1 * MiB);
	check_ret(rw_fixed(&ring, false, fd1, 0, 0, 4096, len), 0,
		  "%s: a read at the mapped device's end (0 bytes)", kind);

	maps = stat_value("maps");
	l = (struct load){ .ring = &ring, .fd = fd1, .slot = 0, .qd = 32, .bs = 65536,
			   .size = len };
	load_reads(&l, 1000);
	check(l.err == 0 && l.ios == 1000, "%s: 1000 reads of 64 KiB at QD 32 (%d)", kind,
	      l.err);
	below = aligned(len);
	pio(false, d512, below, len, 1 * MiB);
	check(!memcmp(b.cpu, below, len), "%s: every byte is what dd reads below", kind);
	free(below);
	check(stat_value("maps") == maps, "%s: no mapping made after registration (%ld)", kind,
	      stat_value("maps") - maps);

	check_ret(reg_dmabuf(&ring, 1, b.fd, fd2), 0, "%s: token registration for %s "
		  "(linear on two controllers)", kind, dm2);
	check(stat_value("tokens") == tokens + 4, "%s: one more mapped device, one more "
	      "namespace (%ld)", kind, stat_value("tokens") - tokens);
	/* slot 1 is this table's: dm_check_io() uses slot 0, so swap them */
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd2), 0, "%s: slot 0 for %s too", kind, dm2);
	snprintf(what, sizeof(what), "%s two devices", kind);
	dm_check_io(what, &ring, fd2, &b, 2 * MiB, 7 * MiB, d512, 32 * MiB + 7 * MiB, d4k,
		    8 * MiB, 1 * MiB);
	check_ret(rw_fixed(&ring, false, fd1, 0, 0, 4096, 0), -EBADF,
		  "%s: %s's registration on %s's file", kind, dm2, dm1);

	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	close(fd1);
	close(fd2);
	check(wait_tokens(tokens) == tokens, "%s: no token left", kind);
	dm_remove("dmabuf-lin1");
	dm_remove("dmabuf-lin2");
	close(d512);
	close(d4k);
}

static void dm_linear_udmabuf(void) { dm_linear("udmabuf"); }
static void dm_linear_heap(void) { dm_linear("heap"); }
static void dm_linear_vgem(void) { dm_linear("vgem"); }

struct dm_flip {
	const char *name, *tables[2];
	unsigned long n;
};

static void *dm_flip_thread(void *arg)
{
	struct dm_flip *f = arg;

	while (!trigger_stop) {
		dm_reload(f->name, f->tables[++f->n % 2]);
		usleep(20000);
	}
	return NULL;
}

/*
 * Table reloads under token reads: the mapped device flips between two
 * places of the 512 B namespace that hold the same bytes, so every read
 * has one right answer.  Each swap releases the old table's tokens and
 * later clones take them again; no read fails, every byte is right, and
 * after the last swap I/O goes to the new place only.  A table with a
 * target that remaps blocks (striped) or touches data (error) is refused
 * at registration, and token I/O through it fails; a linear table swapped
 * back in serves the same registration again.
 */
static void case_dm_reload(void)
{
	const char *ns512 = env_dev("DMABUF_VM_NS512");
	const size_t len = 16 * MiB;
	char ta[128], tb[128], tstripe[256], dm[64];
	uint8_t *want = aligned(len), *back = aligned(len);
	int disk = open_dev(ns512), fd, ret;
	struct dm_flip f = { .name = "dmabuf-flip" };
	long maps, tokens = stat_value("tokens");
	struct io_uring ring, other;
	unsigned long n0;
	time_t start;
	pthread_t t;
	struct dbuf b;
	struct load l;

	snprintf(ta, sizeof(ta), "0 32768 linear %s 2048\n", ns512);
	snprintf(tb, sizeof(tb), "0 32768 linear %s 81920\n", ns512);
	snprintf(tstripe, sizeof(tstripe), "0 32768 striped 2 128 %s 2048 %s 81920\n", ns512,
		 ns512);
	f.tables[0] = ta;
	f.tables[1] = tb;
	fill(want, len, 61);
	pio(true, disk, want, len, 1 * MiB);
	pio(true, disk, want, len, 40 * MiB);
	dm_create(f.name, ta, dm, sizeof(dm));
	fd = open_dev(dm);
	if (dbuf_new(&b, "udmabuf", len))
		die("udmabuf");
	ring_new(&ring, 64, 1);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "token registration for %s", dm);
	maps = stat_value("maps");

	trigger_stop = false;
	if (pthread_create(&t, NULL, dm_flip_thread, &f))
		die("pthread_create");
	l = (struct load){ .ring = &ring, .fd = fd, .slot = 0, .qd = 32, .bs = 16384,
			   .size = len };
	/*
	 * Rounds of 1024 reads (each reads every block) until there were at
	 * least 4000, two reloads began after the reads did (so the first of
	 * them began and ended under the reads) and a read made the namespace's
	 * mapping again: how many reloads a round sees depends on the machine,
	 * so the rounds go on until the events happened.  10 reloads (about a
	 * second each here) when they come within 2 minutes; 5 minutes bound a
	 * hang.
	 */
	n0 = f.n;
	start = time(NULL);
	for (;;) {
		bool seen;

		load_reads(&l, len / l.bs);
		seen = l.ios >= 4000 && f.n - n0 >= 2 && stat_value("maps") > maps;
		if (l.err || time(NULL) - start >= 300 ||
		    (seen && (f.n >= 10 || time(NULL) - start >= 120)))
			break;
	}
	trigger_stop = true;
	pthread_join(t, NULL);
	check(l.err == 0 && l.ios >= 4000, "%" PRIu64 " reads of 16 KiB at QD 32 under %lu "
	      "table reloads: no error (%d)", l.ios, f.n, l.err);
	check(f.n - n0 >= 2, "a table reload began and ended under the reads (%lu of %lu "
	      "reloads began after them)", f.n - n0, f.n);
	check(!memcmp(b.cpu, want, len), "every byte read is right");
	check(stat_value("maps") > maps, "reloads made the namespace's mapping again (%ld "
	      "mappings)", stat_value("maps") - maps);

	dm_reload(f.name, tb);
	fill(b.cpu, 1 * MiB, 62);
	ret = rw_fixed(&ring, true, fd, 0, 0, 1 * MiB, 0);
	pio(false, disk, back, 1 * MiB, 40 * MiB);
	check(ret == (int)MiB && !memcmp(back, b.cpu, MiB),
	      "after the last reload a write lands in the new table's place (%d)", ret);
	pio(false, disk, back, 1 * MiB, 1 * MiB);
	check(!memcmp(back, want, MiB), "and the old place is untouched");
	check(wait_tokens(tokens + 2) == tokens + 2, "two tokens, the old table's "
	      "namespace token released (%ld)", stat_value("tokens") - tokens);

	dm_reload(f.name, tstripe);
	check_ret(rw_fixed(&ring, false, fd, 0, 0, 65536, 0), -EOPNOTSUPP,
		  "a token read through a striped table loaded since");
	ring_new(&other, 8, 1);
	check_ret(reg_dmabuf(&other, 0, b.fd, fd), -EOPNOTSUPP,
		  "registration for a striped table (it remaps blocks)");
	dm_reload(f.name, "0 32768 error\n");
	check_ret(reg_dmabuf(&other, 0, b.fd, fd), -EOPNOTSUPP,
		  "registration for an error table");
	io_uring_queue_exit(&other);
	dm_reload(f.name, ta);
	memset(b.cpu, 0, 1 * MiB);
	ret = rw_fixed(&ring, false, fd, 0, 0, 1 * MiB, 0);
	check(ret == (int)MiB && !memcmp(b.cpu, want, MiB),
	      "a linear table back: the same registration reads again (%d)", ret);

	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	close(fd);
	check(wait_tokens(tokens) == tokens, "no token left");
	dm_remove(f.name);
	close(disk);
	free(want);
	free(back);
}

/* ---- the controller goes away: reset, removal ---- */

/* ---- NVMe passthrough (uring_cmd) from a token ---- */

/* The namespace @devvar (a DMABUF_VM_NS* variable) as a passthrough target. */
struct pt_ns {
	const char *dev, *ng;
	int fd, ngfd;		/* block device (O_DIRECT), char device */
	uint32_t nsid, lbs, ms;	/* namespace, LBA bytes, metadata bytes per LBA */
	size_t max_bytes;	/* one command's most data bytes (max_hw_sectors_kb) */
};

static void pt_ns_open(struct pt_ns *n, const char *devvar)
{
	char ngvar[64];
	int nsid;

	snprintf(ngvar, sizeof(ngvar), "%s_NG", devvar);
	n->dev = env_dev(devvar);
	n->ng = env_dev(ngvar);
	n->fd = open_dev(n->dev);
	n->ngfd = open(n->ng, O_RDWR | O_CLOEXEC);
	if (n->ngfd < 0)
		die("open %s", n->ng);
	nsid = ioctl(n->ngfd, NVME_IOCTL_ID);
	if (nsid <= 0)
		die("NVME_IOCTL_ID %s", n->ng);
	n->nsid = nsid;
	n->lbs = block_attr(n->dev, "queue/logical_block_size");
	n->ms = block_attr(n->dev, "metadata_bytes");
	n->max_bytes = block_attr(n->dev, "queue/max_hw_sectors_kb") * 1024;
}

/*
 * A command of @len bytes at @lba on @n, data at byte @addr of slot 0.  A
 * namespace with metadata gets its metadata buffer, @meta (in user memory,
 * @len / lbs * ms bytes): the controller transfers metadata on every
 * command, and without a buffer it would use address 0.
 */
static struct pt_cmd pt_cmd_of(const struct pt_ns *n, bool write, uint64_t addr,
			       uint32_t len, uint64_t lba, uint8_t *meta)
{
	return (struct pt_cmd){ .ngfd = n->ngfd, .slot = 0, .write = write,
				.nsid = n->nsid, .lbs = n->lbs, .len = len, .addr = addr,
				.lba = lba, .meta = n->ms ? meta : NULL,
				.meta_len = n->ms ? len / n->lbs * n->ms : 0 };
}

static void pt_ns_close(struct pt_ns *n)
{
	close(n->fd);
	close(n->ngfd);
}

/*
 * One namespace, one @kind dma-buf registered for its char device: NVMe
 * Reads and Writes through the token at offsets across the buffer (0
 * included, and one only dword aligned), every byte checked against the
 * block device (pages path), no mapping made after registration; with the
 * namespace's metadata, if it has any, in user memory beside the token's
 * data.  The metadata buffers are fresh (never written by the process), as
 * a program's often are.
 */
static void pt_io_ns(const char *kind, const char *devvar)
{
	const size_t size = 2 * MiB, chunk = 128 * 1024;
	uint8_t *disk = aligned(size), *back = aligned(size);
	struct io_uring ring;
	struct pt_ns n;
	struct dbuf b;
	long maps0;
	int bad = 0, ret;

	pt_ns_open(&n, devvar);
	const size_t meta_size = size / n.lbs * n.ms, meta_chunk = chunk / n.lbs * n.ms;
	uint8_t *meta = aligned(meta_size + 1), *meta_back = aligned(meta_size + 1);
	uint8_t *meta_scratch = aligned(meta_chunk + 1);

	if (dbuf_new(&b, kind, size))
		die("%s", kind);
	pt_ring_new(&ring, 8, 1);
	ret = reg_dmabuf(&ring, 0, b.fd, n.ngfd);
	if (!check_ret(ret, 0, "token registration for the char device"))
		goto out;
	maps0 = stat_value("maps");

	fill(disk, size, 301);
	pio(true, n.fd, disk, size, 0);
	memset(b.cpu, 0, size);
	for (size_t off = 0; off < size; off += chunk) {
		struct pt_cmd c = pt_cmd_of(&n, false, off, chunk, off / n.lbs, meta_scratch);

		bad += pt_io(&ring, &c) != 0;
	}
	check(!bad && !memcmp(b.cpu, disk, size), "%s, %s (%u B LBAs): %zu NVMe Reads of "
	      "128 KiB through the token, from buffer offset 0 on, land in the buffer (%d "
	      "failed)", kind, n.ng, n.lbs, size / chunk, bad);
	{
		struct pt_cmd c = pt_cmd_of(&n, false, 4, n.lbs, 7, meta_scratch);

		memset(b.cpu, 0, 2 * n.lbs);
		ret = pt_io(&ring, &c);
		check(ret == 0 && !memcmp(b.cpu + 4, disk + 7 * n.lbs, n.lbs) &&
		      !b.cpu[0] && !b.cpu[n.lbs + 4], "%s: an NVMe Read at buffer offset 4 "
		      "(dword aligned) fills those bytes and no others (%d)", kind, ret);
	}

	fill(b.cpu, size, 302);
	fill(meta, meta_size, 303);
	bad = 0;
	for (size_t off = 0; off < size; off += chunk) {
		struct pt_cmd c = pt_cmd_of(&n, true, off, chunk, (size + off) / n.lbs,
					    meta + off / chunk * meta_chunk);

		bad += pt_io(&ring, &c) != 0;
	}
	pio(false, n.fd, back, size, size);
	check(!bad && !memcmp(back, b.cpu, size), "%s: NVMe Writes of 128 KiB through the "
	      "token%s send the buffer's bytes (%d failed)", kind,
	      n.ms ? ", with metadata from user memory," : "", bad);
	if (n.ms) {
		/* read back: data into the token, metadata into fresh user memory */
		memset(b.cpu, 0, size);
		bad = 0;
		for (size_t off = 0; off < size; off += chunk) {
			struct pt_cmd c = pt_cmd_of(&n, false, off, chunk, (size + off) / n.lbs,
						    meta_back + off / chunk * meta_chunk);

			bad += pt_io(&ring, &c) != 0;
		}
		check(!bad && !memcmp(b.cpu, back, size) && !memcmp(meta, meta_back, meta_size),
		      "%s: NVMe Reads through the token bring back the data, and the "
		      "%u-byte metadata of each LBA into user memory (%d failed; %zu data "
		      "blocks, %zu of %zu metadata blocks differ)", kind, n.ms, bad,
		      blocks_differ(b.cpu, back, size, n.lbs),
		      blocks_differ(meta, meta_back, meta_size, n.ms), meta_size / n.ms);
	}
	check(stat_value("maps") == maps0, "%s: no mapping made for any of the commands "
	      "(%ld new): the one made at registration serves them", kind,
	      stat_value("maps") - maps0);
	check_ret(reg_empty(&ring, 0), 0, "unregistration");
out:
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	pt_ns_close(&n);
	free(disk);
	free(back);
	free(meta);
	free(meta_back);
	free(meta_scratch);
	check(wait_tokens(0) == 0, "no token left");
}

/* @len bytes of fresh anonymous memory: never written, so not yet backed. */
static uint8_t *fresh_pages(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap %zu bytes", len);
	return p;
}

/*
 * A passthrough read's metadata into memory the process has not written:
 * the kernel must pin it for writing, or it pins the shared zero page and
 * the controller writes the metadata there, for every process (the pages
 * path, with user memory: not a token case; kernel-patches/0011).
 */
static void case_passthru_meta_fresh(void)
{
	const size_t len = 512 * 1024;
	struct io_uring ring;
	struct pt_ns n;

	pt_ns_open(&n, "DMABUF_VM_NS4K_MD");
	const size_t meta_len = len / n.lbs * n.ms;
	uint8_t *data = aligned(len), *meta = aligned(meta_len);
	uint8_t *fresh = fresh_pages(meta_len), *zeros = calloc(1, meta_len);
	struct pt_cmd w = pt_cmd_of(&n, true, (uintptr_t)data, len, 4096, meta);
	struct pt_cmd r = pt_cmd_of(&n, false, (uintptr_t)data, len, 4096, fresh);
	int rw, rr;

	if (!zeros)
		die("calloc");
	pt_ring_new(&ring, 8, 1);
	w.slot = r.slot = -1;	/* user addresses, not a fixed buffer */
	fill(data, len, 321);
	fill(meta, meta_len, 322);
	rw = pt_io(&ring, &w);
	rr = pt_io(&ring, &r);
	check(rw == 0 && rr == 0 && !memcmp(fresh, meta, meta_len), "an NVMe Read's %zu bytes "
	      "of metadata land in user memory never written before (%d, %d; %zu of %zu "
	      "blocks differ)", meta_len, rw, rr, blocks_differ(fresh, meta, meta_len, n.ms),
	      meta_len / n.ms);
	munmap(fresh, meta_len);
	fresh = fresh_pages(meta_len);
	check(!memcmp(fresh, zeros, meta_len), "and fresh memory still reads as zeros "
	      "(the shared zero page was not written)");
	munmap(fresh, meta_len);
	io_uring_queue_exit(&ring);
	pt_ns_close(&n);
	free(data);
	free(meta);
	free(zeros);
}

static void case_passthru(const char *kind)
{
	pt_io_ns(kind, "DMABUF_VM_NS512");
	pt_io_ns(kind, "DMABUF_VM_NS4K");
	pt_io_ns(kind, "DMABUF_VM_NS4K_MD");
}

/*
 * What passthrough from a token refuses, as READ_FIXED does: another file,
 * a range outside the dma-buf, a misaligned offset or length; and what it
 * cannot do that the block path can: split a command larger than one
 * request.
 */
static void case_passthru_errors(void)
{
	const size_t size = 4 * MiB;
	struct io_uring ring;
	struct pt_ns n, o;
	struct dbuf b;
	int other;

	pt_ns_open(&n, "DMABUF_VM_NS4K");
	pt_ns_open(&o, "DMABUF_VM_NS512");
	if (dbuf_new(&b, "udmabuf", size))
		die("udmabuf");
	pt_ring_new(&ring, 8, 2);
	check_ret(reg_dmabuf(&ring, 0, b.fd, n.ngfd), 0, "token registration for the char device");
	other = open(n.ng, O_RDWR | O_CLOEXEC);
	if (other < 0)
		die("open %s", n.ng);

	struct pt_cmd c = { .ngfd = n.ngfd, .slot = 0, .nsid = n.nsid, .lbs = n.lbs,
			    .len = n.lbs };
#define PT(field, val, want, what) do {				\
		struct pt_cmd x = c;					\
		x.field = (val);					\
		check_ret(pt_io(&ring, &x), want, what);		\
	} while (0)
	PT(lba, 0, 0, "an NVMe Read of one LBA into buffer offset 0");
	PT(ngfd, other, -EBADF, "the same command on another open of the char device");
	PT(ngfd, o.ngfd, -EBADF, "on another namespace's char device");
	PT(addr, size - n.lbs / 2, -EFAULT, "data past the end of the dma-buf");
	PT(addr, 2, -EINVAL, "a dma-buf offset that is not dword aligned");
	PT(len, n.lbs + 512, -EINVAL, "a length that is not a whole number of LBAs");
	PT(len, n.max_bytes + n.lbs, -EINVAL, "more than one command can carry "
	   "(max_hw_sectors_kb): nothing splits a passthrough command");
	PT(len, n.max_bytes, 0, "exactly max_hw_sectors_kb");
	PT(slot, 1, -EFAULT, "an empty slot");
#undef PT
	check_ret(reg_dmabuf(&ring, 1, b.fd, n.fd), 0, "the same dma-buf registered for the "
		  "namespace's block device");
	check(stat_value("tokens") == 1, "shares the char device's token (%ld live)",
	      stat_value("tokens"));
	check_ret(rw_fixed(&ring, false, n.fd, 1, 0, n.lbs, 0), (int)n.lbs,
		  "and READ_FIXED works through it");
	check_ret(reg_empty(&ring, 1), 0, "the block device's slot emptied");
	check_ret(reg_empty(&ring, 0), 0, "unregistration");
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	close(other);
	pt_ns_close(&n);
	pt_ns_close(&o);
	check(wait_tokens(0) == 0, "no token left");
}

/*
 * A passthrough command that finds no mapping when issued inline gets
 * -EAGAIN and is reissued from io-wq.  io_uring copies its SQE at that
 * moment, and the reissue must read the copy: once io_uring_submit() has
 * returned, the application owns the SQ slot again and may fill it.  6.12
 * kept reading the slot (kernel-patches/0021).  Each round invalidates the
 * token, submits an NVMe Write of a fresh pattern to LBA X from a one-entry
 * SQ ring, and at once fills the same slot with a Write of other bytes to
 * LBA Y, which it never submits (it becomes a NOP afterwards).  X must hold
 * each round's pattern, Y never be written.
 */
static void case_passthru_reissue(void)
{
	const unsigned rounds = 300, len = 4096;
	uint8_t *back = aligned(len), *zero = aligned(len);
	unsigned lost = 0, decoys = 0;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	struct pt_ns n;
	struct dbuf b;
	long maps0;

	pt_ns_open(&n, "DMABUF_VM_NS512");
	struct pt_cmd c = pt_cmd_of(&n, true, 0, len, 4 * MiB / n.lbs, NULL);
	struct pt_cmd decoy = pt_cmd_of(&n, true, len, len, c.lba + 64, NULL);

	memset(zero, 0, len);
	pio(true, n.fd, zero, len, decoy.lba * n.lbs);
	if (dbuf_new(&b, "udmabuf", 1 * MiB))
		die("udmabuf");
	pt_ring_new(&ring, 1, 1);
	check_ret(reg_dmabuf(&ring, 0, b.fd, n.ngfd), 0, "token registration");
	fill(b.cpu + len, len, 7);
	maps0 = stat_value("maps");
	for (unsigned r = 0; r < rounds; r++) {
		fill(b.cpu, len, 1000 + r);
		trigger_invalidate();	/* the inline issue finds no mapping */
		pt_prep(io_uring_get_sqe(&ring), &c);
		if (io_uring_submit(&ring) != 1)
			die("submit");
		sqe = io_uring_get_sqe(&ring);	/* the same slot, ours again */
		if (!sqe)
			die("the one-entry SQ ring has no free slot after submit");
		pt_prep(sqe, &decoy);
		if (io_uring_wait_cqe(&ring, &cqe))
			die("wait cqe");
		if (cqe->res)
			die("NVMe Write through the token: %d", cqe->res);
		io_uring_cqe_seen(&ring, cqe);
		io_uring_prep_nop(sqe);		/* the decoy never runs */
		if (submit_one(&ring))
			die("NOP");
		pio(false, n.fd, back, len, c.lba * n.lbs);
		lost += !!memcmp(back, b.cpu, len);
		pio(false, n.fd, back, len, decoy.lba * n.lbs);
		if (memcmp(back, zero, len)) {
			decoys++;
			pio(true, n.fd, zero, len, decoy.lba * n.lbs);
		}
	}
	check(stat_value("maps") - maps0 >= rounds, "every round mapped afresh after its "
	      "invalidation (%ld mappings for %u rounds)", stat_value("maps") - maps0, rounds);
	check(lost == 0 && decoys == 0, "%u writes reissued after -EAGAIN: each wrote its own "
	      "LBA (%u lost), none ran the command the application put in the slot after "
	      "submitting (%u ran)", rounds, lost, decoys);
	case_end(&ring, &b, n.fd);
	close(n.ngfd);
	free(back);
	free(zero);
}

/*
 * NVMe Reads at QD 32 through a token while it is invalidated every 2 ms
 * (debugfs trigger: nothing moves) and while the moving exporter really
 * moves the buffer: every byte lands where the buffer now lives, and no
 * page the exporter gave up is written.
 */
static void case_passthru_invalidate(void)
{
	const size_t size = 4 * MiB;
	uint8_t *want = aligned(size);
	unsigned long triggers = 0;
	struct io_uring ring;
	struct mover_arg m;
	struct pt_ns n;
	struct dbuf b;
	pthread_t th;
	long maps0;

	pt_ns_open(&n, "DMABUF_VM_NS512");
	fill(want, size, 311);
	pio(true, n.fd, want, size, 0);
	for (int pass = 0; pass < 2; pass++) {
		const char *kind = pass ? "mover" : "udmabuf";

		if (dbuf_new(&b, kind, size))
			die("%s", kind);
		pt_ring_new(&ring, 64, 1);
		check_ret(reg_dmabuf(&ring, 0, b.fd, n.ngfd), 0, "token registration");
		memset(b.cpu, 0, size);
		maps0 = stat_value("maps");

		struct load l = { .ring = &ring, .fd = n.ngfd, .slot = 0, .qd = 32,
				  .bs = 16384, .size = size, .passthru = true,
				  .nsid = n.nsid, .lbs = n.lbs };
		if (pass) {
			mover_start(&th, &m, b.fd, 0);
		} else {
			trigger_stop = false;
			pthread_create(&th, NULL, trigger_thread, &triggers);
		}
		reads_until_remapped(&l, 4000, maps0);
		if (pass) {
			mover_end(th);
		} else {
			trigger_stop = true;
			pthread_join(th, NULL);
		}
		check(l.err == 0, "%s: %" PRIu64 " NVMe Reads of 16 KiB at QD 32 under %lu %s: "
		      "none failed (%d)", kind, l.ios, pass ? m.moves : triggers,
		      pass ? "moves" : "invalidations", l.err);
		check(!memcmp(want, b.cpu, size), "%s: every byte read is in the buffer", kind);
		check(stat_value("maps") - maps0 >= 1, "%s: commands after an invalidation "
		      "mapped afresh (%ld new mappings)", kind, stat_value("maps") - maps0);
		if (pass)
			check(m.failed == 0 && mover_stat(b.fd).late_pages == 0,
			      "mover: no move failed (%lu), no page written after the "
			      "exporter gave it up", m.failed);
		io_uring_queue_exit(&ring);
		dbuf_free(&b);
		check(wait_tokens(0) == 0, "no token left");
	}
	pt_ns_close(&n);
	free(want);
}

/*
 * A controller reset while token reads are in flight: nvme-pci cancels and
 * requeues them, the PCI device (and so the token's DMA mapping) stays, and
 * every read completes with its data; the registration works on after it.
 */
static void case_reset(void)
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
static void case_io_timeout(void)
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
static void case_remove(void)
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

/* ---- the NVMe multipath head (tests/vm/run --multipath) ---- */

/* The head's paths, hidden disks "nvmeXcYnZ" of head "nvmeXnZ": up to @max names. */
static unsigned mp_paths(const char *head, char names[][32], unsigned max)
{
	const char *h = basename((char *)head);
	unsigned sub, ns, n = 0;
	struct dirent *e;
	DIR *d;

	if (sscanf(h, "nvme%un%u", &sub, &ns) != 2)
		die("not a multipath head: %s", head);
	d = opendir("/sys/block");
	if (!d)
		die("opendir /sys/block");
	while ((e = readdir(d)) && n < max) {
		unsigned a, c, b;
		int end = 0;

		if (sscanf(e->d_name, "nvme%uc%un%u%n", &a, &c, &b, &end) == 3 &&
		    !e->d_name[end] && a == sub && b == ns)
			snprintf(names[n++], 32, "%.31s", e->d_name);
	}
	closedir(d);
	return n;
}

/* Reads completed so far on the hidden path disk @name. */
static uint64_t path_reads(const char *name)
{
	char path[96];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/block/%s/stat", name);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%llu", &v) != 1)
		die("read %s", path);
	fclose(f);
	return v;
}

/* The PCI device name of controller @ctrl (/dev/nvmeX) into @out. */
static void ctrl_pci(const char *ctrl, char *out, size_t len)
{
	char link[96], real[PATH_MAX];

	snprintf(link, sizeof(link), "/sys/class/nvme/%s/device", basename((char *)ctrl));
	if (!realpath(link, real))
		die("realpath %s", link);
	snprintf(out, len, "%s", real);
}

static void mp_iopolicy(const char *policy)
{
	write_file(env_dev("DMABUF_VM_MP_SUBSYS"), "iopolicy", policy, 0);
}

/* The controllers of the head's subsystem, from DMABUF_VM_MP_CTRLS: 2 of them. */
static void mp_ctrls(char ctrls[2][32])
{
	const char *v = env_dev("DMABUF_VM_MP_CTRLS");

	if (sscanf(v, "%31s %31s", ctrls[0], ctrls[1]) != 2)
		die("DMABUF_VM_MP_CTRLS '%s': want two controllers", v);
}

/*
 * A token on the multipath head of a namespace shared by two controllers:
 * one token of each path's controller (each its own PCI device and DMA
 * domain), each request on the mapping of the path the selector chose
 * (round-robin here, so both carry I/O), every byte as the head reads it
 * with pages, and no mapping made after registration.
 */
static void mp_io(const char *kind)
{
	const char *head = env_dev("DMABUF_VM_NSMP");
	const size_t len = 8 * MiB;
	char paths[4][32], ctrls[2][32], pci[PATH_MAX];
	uint64_t before[4], after;
	uint8_t *want = aligned(len);
	long tokens = stat_value("tokens"), maps;
	int fd = open_dev(head), ret;
	unsigned np = mp_paths(head, paths, 4);
	struct io_uring ring;
	struct dbuf b;
	struct load l;

	check(np == 2, "%s: the head %s has two paths (%u)", kind, head, np);
	mp_ctrls(ctrls);
	mp_iopolicy("round-robin");
	if (dbuf_new(&b, kind, len))
		die("%s", kind);
	ring_new(&ring, 64, 1);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "%s: token registration for the head %s",
		  kind, head);
	check(stat_value("tokens") == tokens + 3, "%s: three tokens: the head's and one of "
	      "each path's controller (%ld)", kind, stat_value("tokens") - tokens);
	for (unsigned i = 0; i < 2; i++) {
		ctrl_pci(ctrls[i], pci, sizeof(pci));
		check(dmabuf_attached(basename(pci)), "%s: the dma-buf is attached to %s (%s)",
		      kind, basename(pci), ctrls[i]);
	}

	fill(b.cpu, len, 71);
	ret = rw_fixed(&ring, true, fd, 0, 0, len, 0);
	pio(false, fd, want, len, 0);
	check(ret == (int)len && !memcmp(want, b.cpu, len),
	      "%s: an 8 MiB token write through the head is what it reads with pages (%d)",
	      kind, ret);
	fill(want, len, 72);
	pio(true, fd, want, len, 0);
	memset(b.cpu, 0, len);
	maps = stat_value("maps");
	for (unsigned i = 0; i < np; i++)
		before[i] = path_reads(paths[i]);
	l = (struct load){ .ring = &ring, .fd = fd, .slot = 0, .qd = 32, .bs = 16384,
			   .size = len };
	load_reads(&l, 2048);
	check(l.err == 0 && l.ios == 2048, "%s: 2048 token reads of 16 KiB at QD 32 (%d)",
	      kind, l.err);
	check(!memcmp(b.cpu, want, len), "%s: every byte is what the head reads with pages",
	      kind);
	for (unsigned i = 0; i < np; i++) {
		after = path_reads(paths[i]);
		check(after > before[i], "%s: path %s carried %" PRIu64 " of them", kind,
		      paths[i], after - before[i]);
	}
	check(stat_value("maps") == maps, "%s: no mapping made after registration (%ld)", kind,
	      stat_value("maps") - maps);
	mp_iopolicy("numa");
	free(want);
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	close(fd);
	check(wait_tokens(tokens) == tokens, "%s: no token left", kind);
}

static void mp_udmabuf(void) { mp_io("udmabuf"); }
static void mp_heap(void) { mp_io("heap"); }
static void mp_vgem(void) { mp_io("vgem"); }

/* Wait up to 30 s for the head to have @want paths again. */
static unsigned mp_wait_paths(const char *head, unsigned want, char paths[][32])
{
	unsigned n = 0;

	for (int i = 0; i < 300 && (n = mp_paths(head, paths, 4)) != want; i++)
		usleep(100000);
	return n;
}

/*
 * Path loss under token reads: one controller's PCI device is removed
 * while reads at QD 32 run through the head.  The reads go on on the other
 * path, none fails, every byte is right; the removed controller's token is
 * released and the dma-buf detached from it, the other path's stays.  After
 * a PCI rescan the path is back, and the same registration's reads reach it
 * with a token made for it by its first request.
 */
static void case_mp_remove(void)
{
	const char *head = env_dev("DMABUF_VM_NSMP");
	const size_t len = 8 * MiB;
	struct sysfs_poke k = { .file = "remove", .delay_us = 200000 };
	char paths[4][32], ctrls[2][32], keep[PATH_MAX];
	uint8_t *want = aligned(len);
	long tokens = stat_value("tokens");
	int fd = open_dev(head), ret;
	uint64_t reads[4];
	struct io_uring ring;
	unsigned np, rounds;
	pthread_t th;
	struct dbuf b;
	struct load l;

	mp_ctrls(ctrls);
	ctrl_pci(ctrls[0], keep, sizeof(keep));
	ctrl_pci(ctrls[1], k.dir, sizeof(k.dir));
	mp_iopolicy("round-robin");
	case_begin(&ring, 64, &b, "udmabuf", fd, want, len, 81);
	check(stat_value("tokens") == tokens + 3, "three tokens (%ld)",
	      stat_value("tokens") - tokens);

	l = (struct load){ .ring = &ring, .fd = fd, .slot = 0, .qd = 32, .bs = 16384,
			   .size = len };
	k.watch = &l.ios;
	pthread_create(&th, NULL, poke_thread, &k);
	/* rounds of reads until the removal has returned, then one more */
	while (!k.done && !l.err)
		load_reads(&l, len / l.bs);
	load_reads(&l, len / l.bs);
	pthread_join(th, NULL);
	check(l.err == 0, "%" PRIu64 " token reads at QD 32 while %s (%s) is removed: none "
	      "fails (%d)", l.ios, basename(k.dir), ctrls[1], l.err);
	check(k.seen_before > 0 && l.ios > k.seen_after, "the removal began with %" PRIu64
	      " reads done and the reads went on after it (%" PRIu64 " more)",
	      k.seen_before, l.ios - k.seen_after);
	check(!memcmp(b.cpu, want, len), "every byte is right");
	np = mp_wait_paths(head, 1, paths);
	check(np == 1, "one path left (%u)", np);
	check(!dmabuf_attached(basename(k.dir)), "the dma-buf is no longer attached to the "
	      "removed %s", basename(k.dir));
	check(dmabuf_attached(basename(keep)), "and still attached to %s", basename(keep));
	check(wait_tokens(tokens + 2) == tokens + 2, "the removed path's token is released: "
	      "the head's and one controller's left (%ld)", stat_value("tokens") - tokens);
	memset(b.cpu, 0, len);
	ret = rw_fixed(&ring, false, fd, 0, 0, 1 * MiB, 0);
	check(ret == (int)MiB && !memcmp(b.cpu, want, MiB),
	      "the registration reads on over the path left (%d)", ret);

	write_file("/sys/bus/pci", "rescan", "1", 0);
	np = mp_wait_paths(head, 2, paths);
	check(np == 2, "after a PCI rescan the head has two paths again (%u)", np);
	/*
	 * The new path takes I/O once it is live (its ANA state read), which
	 * takes a while after the rescan: rounds of 512 reads until both paths
	 * carried some, at most 100.
	 */
	for (unsigned i = 0; i < np; i++)
		reads[i] = path_reads(paths[i]);
	l.ios = 0;
	for (rounds = 1;; rounds++) {
		bool all = true;

		memset(b.cpu, 0, len);
		load_reads(&l, 512);
		for (unsigned i = 0; i < np; i++)
			all &= path_reads(paths[i]) > reads[i];
		if (all || l.err || rounds == 100)
			break;
	}
	check(l.err == 0 && l.ios == 512ull * rounds && !memcmp(b.cpu, want, len),
	      "%" PRIu64 " reads after the rescan (%u rounds of 512), every byte right (%d)",
	      l.ios, rounds, l.err);
	for (unsigned i = 0; i < np; i++)
		check(path_reads(paths[i]) > reads[i], "path %s carried some of them", paths[i]);
	check(stat_value("tokens") == tokens + 3, "the new path's controller has a token "
	      "(%ld)", stat_value("tokens") - tokens);
	mp_iopolicy("numa");
	free(want);
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	close(fd);
	check(wait_tokens(tokens) == tokens, "no token left");
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
static void case_iopoll(void)
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

/*
 * No 1 GiB limit on a token (as upstream since v6; kernel-patches/0006):
 * a dma-buf just over 1 GiB registers, and requests past its first GiB
 * move the right bytes, on the block device and through passthrough.  vgem
 * allocates when the token maps it: 1 GiB of the guest's 2 GiB.  The bound
 * left, 4 GiB (a fixed buffer's 32-bit length), is more than the guest can
 * build, so no case refuses a size.
 */
static void case_over_1g(void)
{
	const size_t size = (1ull << 30) + 64 * 1024, len = 32 * 1024;
	const uint64_t off = 1ull << 30, lba = 4096;
	struct io_uring ring, pt;
	uint8_t *want = aligned(len);
	struct pt_cmd c;
	struct pt_ns n;
	struct dbuf b;
	int ret;

	pt_ns_open(&n, "DMABUF_VM_NS4K");
	c = pt_cmd_of(&n, false, size - len, len, lba, NULL);
	if (dbuf_new(&b, "vgem", size))
		die("vgem dma-buf of %zu bytes", size);
	ring_new(&ring, 8, 4);
	pt_ring_new(&pt, 8, 4);
	check_ret(reg_dmabuf(&ring, 0, b.fd, n.fd), 0,
		  "a dma-buf of 1 GiB + 64 KiB registers for the block device");
	check_ret(reg_dmabuf(&pt, 0, b.fd, n.ngfd), 0, "and for the generic char device");

	fill(want, len, 1031);
	memcpy(b.cpu + off + 4096, want, len);
	ret = rw_fixed(&ring, true, n.fd, 0, off + 4096, len, lba * n.lbs);
	check_ret(ret, (int)len, "WRITE_FIXED from byte 1 GiB + 4 KiB of the dma-buf");
	memset(b.cpu + off, 0, size - off);
	ret = rw_fixed(&ring, false, n.fd, 0, off + 32 * 1024, len, lba * n.lbs);
	check(ret == (int)len && !memcmp(b.cpu + off + 32 * 1024, want, len),
	      "READ_FIXED into byte 1 GiB + 32 KiB brings the same bytes back (%d)", ret);
	memset(b.cpu + off, 0, size - off);
	ret = pt_io(&pt, &c);
	check(ret == 0 && !memcmp(b.cpu + size - len, want, len),
	      "an NVMe Read through the token into the dma-buf's last 32 KiB: the same "
	      "bytes (%d)", ret);
	io_uring_queue_exit(&pt);
	close(n.ngfd);
	case_end(&ring, &b, n.fd);
	free(want);
}

/*
 * One dma-buf, two attachments (a namespace of each controller): with
 * bounce buffers, each has its own copy of the buffer, and the system
 * heap's begin_cpu_access copies every copy back whole, the last over the
 * others.  Under swiotlb=force the second controller's registration is
 * refused with -EXDEV (kernel-patches/0020), and succeeds once the first
 * is gone; without bouncing, both register.  Either way the block and
 * char devices of one namespace share its controller's one attachment.
 */
static void case_bounce_siblings(void)
{
	const char *dev = env_dev("DMABUF_VM_NS4K");
	int fd = open_dev(dev), other = open_dev(env_dev("DMABUF_VM_NS512"));
	int ngfd = open(env_dev("DMABUF_VM_NS4K_NG"), O_RDWR);
	bool bounced = cmdline_has("swiotlb=", "force");
	long before = stat_value("tokens");
	struct io_uring ring;
	struct dbuf b;

	if (ngfd < 0)
		die("open the generic char device of %s", dev);
	if (dbuf_new(&b, "udmabuf", 1 * MiB))
		die("udmabuf");
	ring_new(&ring, 8, 4);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "a token for one controller's namespace");
	check_ret(reg_dmabuf(&ring, 1, b.fd, ngfd), 0,
		  "the same dma-buf for its char device: the same attachment");
	check(stat_value("tokens") == before + 1, "one token for the two device nodes");
	check_ret(reg_dmabuf(&ring, 2, b.fd, other), bounced ? -EXDEV : 0,
		  bounced ? "the same dma-buf for the other controller, a second bounced "
			    "attachment: -EXDEV" :
			    "the same dma-buf for the other controller: a second attachment");
	check_ret(reg_empty(&ring, 0), 0, "the first controller's slots emptied");
	check_ret(reg_empty(&ring, 1), 0, "(both)");
	if (bounced) {
		check(wait_tokens(before) == before, "no token of the dma-buf left");
		check_ret(reg_dmabuf(&ring, 2, b.fd, other), 0,
			  "the other controller alone: one attachment, registered");
	}
	check_ret(reg_empty(&ring, 2), 0, "and unregistered");
	close(ngfd);
	close(other);
	case_end(&ring, &b, fd);
}

static void reg_udmabuf(void) { case_register("udmabuf"); }
static void reg_heap(void) { case_register("heap"); }
static void reg_vgem(void) { case_register("vgem"); }
static void io_udmabuf(void)
{
	io_matrix("udmabuf", "DMABUF_VM_NS512", 512);
	io_matrix("udmabuf", "DMABUF_VM_NS4K", 4096);
}
static void io_heap(void)
{
	io_matrix("heap", "DMABUF_VM_NS512", 512);
	io_matrix("heap", "DMABUF_VM_NS4K", 4096);
}
static void io_vgem(void)
{
	io_matrix("vgem", "DMABUF_VM_NS512", 512);
	io_matrix("vgem", "DMABUF_VM_NS4K", 4096);
}
static void inv_udmabuf(void) { case_invalidate("udmabuf"); }
static void inv_heap(void) { case_invalidate("heap"); }
static void inv_vgem(void) { case_invalidate("vgem"); }
static void inv_mover(void) { case_invalidate("mover"); }
static void cpu_udmabuf(void) { case_cpu_view("udmabuf"); }
static void cpu_heap(void) { case_cpu_view("heap"); }
static void cpu_vgem(void) { case_cpu_view("vgem"); }
static void cpu_mover(void) { case_cpu_view("mover"); }
static void pt_udmabuf(void) { case_passthru("udmabuf"); }
static void pt_heap(void) { case_passthru("heap"); }
static void pt_vgem(void) { case_passthru("vgem"); }

/*
 * With the emulated IOMMU in strict mode: 10,000 reads of 4 KiB through the
 * pages path (user memory as a fixed buffer) map about once per request;
 * through a token, registered before counting starts, not at all.  The
 * target is the 4 KiB namespace, or DMABUF_VM_IOMMU_DEV (a partition, a
 * mapped device), or with DMABUF_VM_IOMMU_PASSTHRU=1 the 4 KiB namespace's
 * char device with NVMe Reads.
 */
static void case_iommu_maps(void)
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

static const struct tcase cases[] = {
	{ "register-udmabuf", reg_udmabuf },
	{ "register-heap", reg_heap },
	{ "register-vgem", reg_vgem },
	{ "errors", case_errors },
	{ "over-1g", case_over_1g },
	{ "bounce-siblings", case_bounce_siblings },
	{ "io-udmabuf", io_udmabuf },
	{ "io-heap", io_heap },
	{ "io-vgem", io_vgem },
	{ "invalidate-udmabuf", inv_udmabuf },
	{ "invalidate-heap", inv_heap },
	{ "invalidate-vgem", inv_vgem },
	{ "invalidate-mover", inv_mover },
	{ "unregister-inflight", case_unregister_inflight },
	{ "close-orders", case_close_orders },
	{ "mapped-once", case_mapped_once },
	{ "merge", case_merge },
	{ "cpu-view-udmabuf", cpu_udmabuf },
	{ "cpu-view-heap", cpu_heap },
	{ "cpu-view-vgem", cpu_vgem },
	{ "cpu-view-mover", cpu_mover },
	{ "fence-link", case_fence_link },
	{ "fence-unreaped", case_fence_unreaped },
	{ "fence-contexts", case_fence_contexts },
	{ "mover-basics", case_mover_basics },
	{ "mover-token", case_mover_token },
	{ "mover-in-use", case_mover_in_use },
	{ "mover-stall", case_mover_stall },
	{ "map-cancel", case_map_cancel },
	{ "register-stall", case_register_stall },
	{ "mover-late", case_mover_late },
	{ "sgl-pieces", case_sgl_pieces },
	{ "fail-bios", case_fail_bios },
	{ "iopoll", case_iopoll },
	{ "reset", case_reset },
	{ "io-timeout", case_io_timeout },
	{ "passthru-udmabuf", pt_udmabuf },
	{ "passthru-heap", pt_heap },
	{ "passthru-vgem", pt_vgem },
	{ "passthru-errors", case_passthru_errors },
	{ "passthru-invalidate", case_passthru_invalidate },
	{ "passthru-reissue", case_passthru_reissue },
	{ "passthru-meta-fresh", case_passthru_meta_fresh },
	{ "dm-linear-udmabuf", dm_linear_udmabuf },
	{ "dm-linear-heap", dm_linear_heap },
	{ "dm-linear-vgem", dm_linear_vgem },
	{ "dm-reload", case_dm_reload },
	{ "partition", case_partition, true },	/* needs DMABUF_VM_PART: not in "all" */
	{ "remove", case_remove, true },		/* removes a controller: not in "all" */
	{ "multipath-udmabuf", mp_udmabuf, true },	/* needs tests/vm/run --multipath */
	{ "multipath-heap", mp_heap, true },
	{ "multipath-vgem", mp_vgem, true },
	{ "multipath-remove", case_mp_remove, true },
	{ "iommu-maps", case_iommu_maps, true },	/* needs tests/vm/run --iommu */
};

int main(int argc, char **argv)
{
	return ktest_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]), "");
}
