// SPDX-License-Identifier: MIT
/* token-uapi: registration: descriptors, errnos, sizes over 1 GiB, a dma-buf on two controllers under swiotlb. */
#include "token-uapi.h"

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

void case_errors(void)
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
 * No 1 GiB limit on a token (as upstream since v6; kernel-patches/0012):
 * a dma-buf just over 1 GiB registers, and requests past its first GiB
 * move the right bytes, on the block device and through passthrough.  vgem
 * allocates when the token maps it: 1 GiB of the guest's 2 GiB.  The bound
 * left, 4 GiB (a fixed buffer's 32-bit length), is more than the guest can
 * build, so no case refuses a size.
 */
void case_over_1g(void)
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
 * refused with -EXDEV (kernel-patches/0026), and succeeds once the first
 * is gone; without bouncing, both register.  Either way the block and
 * char devices of one namespace share its controller's one attachment.
 */
void case_bounce_siblings(void)
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

void reg_udmabuf(void) { case_register("udmabuf"); }
void reg_heap(void) { case_register("heap"); }
void reg_vgem(void) { case_register("vgem"); }
