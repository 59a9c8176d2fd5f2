// SPDX-License-Identifier: MIT
/*
 * Requests on a registered buffer (lib/io.c), through the public API only:
 * the SQE each path gets, the NVMe command in a 128-byte SQE, what a CQE
 * means, the one reissue rule, the bounce path's two copies, a target's
 * facts.  The copies and the facts run for real on a memfd and a file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <liburing.h>
#include <linux/nvme_ioctl.h>

#include "dmabuf/dmabuf.h"

#define MiB (1u << 20)

static void test_prep_rw_addresses_by_path(void **state)
{
	struct dmabuf_fixed tok = { .path = DMABUF_PATH_TOKEN, .base = 0, .len = MiB };
	struct dmabuf_fixed pages = { .path = DMABUF_PATH_PAGES, .base = 0x7f0000000000, .len = MiB };
	struct dmabuf_iobuf b = { .fx = &tok, .slot = 2, .fd = 9 };
	struct io_uring_sqe sqe;

	(void)state;
	memset(&sqe, 0xff, sizeof(sqe));
	assert_int_equal(dmabuf_prep_rw(&sqe, &b, false, 8192, 4096, 1 << 30, NULL), 0);
	assert_int_equal(sqe.opcode, IORING_OP_READ_FIXED);
	assert_int_equal(sqe.fd, 9);
	assert_int_equal(sqe.addr, 8192);	/* a token's address: the offset in the dma-buf */
	assert_int_equal(sqe.len, 4096);
	assert_int_equal(sqe.off, 1 << 30);
	assert_int_equal(sqe.buf_index, 2);
	assert_int_equal(sqe.flags, 0);
	b.fx = &pages;
	assert_int_equal(dmabuf_prep_rw(&sqe, &b, true, 8192, 4096, 0, NULL), 0);
	assert_int_equal(sqe.opcode, IORING_OP_WRITE_FIXED);
	assert_int_equal(sqe.addr, 0x7f0000000000 + 8192);
}

static void test_prep_refuses_ranges_outside_the_buffer(void **state)
{
	struct dmabuf_fixed fx = { .path = DMABUF_PATH_TOKEN, .len = MiB };
	struct dmabuf_iobuf b = { .fx = &fx, .slot = 0, .fd = 3 };
	struct nvme_uring_cmd cmd;
	union { struct io_uring_sqe sqe; uint8_t raw[128]; } u;
	struct dmabuf_err e = { 0 };

	(void)state;
	assert_int_equal(dmabuf_prep_rw(&u.sqe, &b, false, MiB - 4096, 4096, 0, &e), 0);
	assert_int_equal(dmabuf_prep_rw(&u.sqe, &b, false, MiB - 4096, 8192, 0, &e), -EINVAL);
	assert_int_equal(e.kind, DMABUF_E_USAGE);
	assert_non_null(strstr(e.detail, "do not fit the 1048576-byte registered buffer"));
	/* an offset whose sum with the length wraps is outside too */
	assert_int_equal(dmabuf_prep_rw(&u.sqe, &b, false, UINT64_MAX - 10, 4096, 0, &e), -EINVAL);
	dmabuf_nvme_rw_cmd(&cmd, false, 1, 0, 512, MiB - 4096, 512 * 512, 0, 0);
	assert_int_equal(dmabuf_prep_nvme_cmd(&u.sqe, &b, &cmd, &e), -EINVAL);
}

static void test_prep_nvme_cmd_fills_sqe128(void **state)
{
	struct dmabuf_fixed fx = { .path = DMABUF_PATH_BOUNCE, .base = 0x10000000, .len = MiB };
	struct dmabuf_iobuf b = { .fx = &fx, .slot = 4, .fd = 11 };
	struct dmabuf_target_info ti = { .lba_size = 4096, .nsid = 3 };
	union { struct io_uring_sqe sqe; uint8_t raw[128]; } u;
	const struct nvme_uring_cmd *cmd = (const void *)u.sqe.cmd;

	(void)state;
	memset(&u, 0xff, sizeof(u));
	assert_int_equal(dmabuf_prep_nvme_rw(&u.sqe, &b, true, &ti, (1ull << 33) + 9, 16, 0x4000,
					     NULL), 0);
	assert_int_equal(u.sqe.opcode, IORING_OP_URING_CMD);
	assert_int_equal(u.sqe.fd, 11);
	assert_int_equal(u.sqe.cmd_op, NVME_URING_CMD_IO);
	assert_int_equal(u.sqe.uring_cmd_flags, IORING_URING_CMD_FIXED);
	assert_int_equal(u.sqe.buf_index, 4);
	assert_int_equal(u.sqe.flags, 0);
	assert_int_equal(u.sqe.user_data, 0);	/* the rest of the 128 bytes is cleared */
	assert_int_equal(cmd->opcode, 0x01);
	assert_int_equal(cmd->nsid, 3);
	assert_int_equal(cmd->cdw10, 9);
	assert_int_equal(cmd->cdw11, 2);
	assert_int_equal(cmd->cdw12, 15);
	assert_int_equal(cmd->addr, 0x10000000 + 0x4000);	/* the path's address of the offset */
	assert_int_equal(cmd->data_len, 16 * 4096);
	assert_int_equal(cmd->metadata, 0);
}

static void test_io_result_and_reissue(void **state)
{
	struct io_uring_cqe cqe = { 0 };
	uint16_t st = 0xffff;

	(void)state;
	cqe.res = 2048;		/* a short READ_FIXED: what it moved */
	assert_int_equal(dmabuf_io_result(&cqe, false, 4096, &st), 2048);
	assert_int_equal(st, 0);
	cqe.res = 0;		/* an NVMe command the controller completed: the whole transfer */
	assert_int_equal(dmabuf_io_result(&cqe, true, 4096, &st), 4096);
	cqe.res = 0x4281;	/* DNR | Unrecovered Read Error */
	assert_int_equal(dmabuf_io_result(&cqe, true, 4096, &st), -EIO);
	assert_int_equal(st, 0x281);
	cqe.res = -EAGAIN;
	assert_int_equal(dmabuf_io_result(&cqe, true, 4096, &st), -EAGAIN);
	assert_int_equal(st, 0);
	assert_true(dmabuf_io_reissue(-EAGAIN));
	assert_false(dmabuf_io_reissue(-EIO));
	assert_false(dmabuf_io_reissue(-EFAULT));
	assert_false(dmabuf_io_reissue(4096));
}

/* An O_DIRECT file of @size bytes (tmpfs has none: then the current directory). */
static int direct_file(uint64_t size)
{
	const char *dirs[] = { "/var/tmp", "." };

	for (unsigned i = 0; i < 2; i++) {
		char path[64];
		int fd;

		snprintf(path, sizeof(path), "%s/dmabuf-io-XXXXXX", dirs[i]);
		fd = mkstemp(path);
		if (fd < 0)
			continue;
		unlink(path);
		if (!fcntl(fd, F_SETFL, O_DIRECT) && !ftruncate(fd, (off_t)size))
			return fd;
		close(fd);
	}
	return -1;
}

static void test_bounce_copies_only_the_request(void **state)
{
	struct dmabuf_err e = { 0 };
	struct dmabuf_fixed fx;
	struct dmabuf_mem *m;
	struct io_uring ring;
	uint8_t *mem, *bounce;
	int fd = direct_file(MiB);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(dmabuf_mem_open("memfd", MiB, NULL, &m, &e), 0);
	assert_int_equal(io_uring_queue_init(4, &ring, 0), 0);
	assert_int_equal(io_uring_register_buffers_sparse(&ring, 1), 0);
	assert_int_equal(dmabuf_register(&ring, 0, m, fd, DMABUF_PATH_BOUNCE, &fx, &e), 0);
	struct dmabuf_iobuf b = { .mem = m, .fx = &fx, .slot = 0, .fd = fd };

	mem = dmabuf_mem_addr(m);
	bounce = (uint8_t *)(uintptr_t)fx.base;
	assert_non_null(mem);
	assert_ptr_not_equal(mem, bounce);
	memset(mem, 0xaa, MiB);
	memset(bounce, 0x55, MiB);
	/* a write's bytes go to the bounce buffer before it is issued: that range only */
	assert_int_equal(dmabuf_io_start(&b, true, 4096, 8192, &e), 0);
	assert_int_equal(bounce[4095], 0x55);
	assert_int_equal(bounce[4096], 0xaa);
	assert_int_equal(bounce[4096 + 8191], 0xaa);
	assert_int_equal(bounce[4096 + 8192], 0x55);
	/* a read's come back after it completed; a read has nothing to start, a write nothing to finish */
	assert_int_equal(dmabuf_io_start(&b, false, 0, MiB, &e), 0);
	assert_int_equal(dmabuf_io_done(&b, true, 0, MiB, &e), 0);
	assert_int_equal(bounce[0], 0x55);
	assert_int_equal(mem[0], 0xaa);
	assert_int_equal(dmabuf_io_done(&b, false, 65536, 4096, &e), 0);
	assert_int_equal(mem[65535], 0xaa);
	assert_int_equal(mem[65536], 0x55);
	assert_int_equal(mem[65536 + 4095], 0x55);
	assert_int_equal(mem[65536 + 4096], 0xaa);
	/* outside the buffer: refused, nothing copied */
	assert_int_equal(dmabuf_io_done(&b, false, MiB - 4096, 8192, &e), -EINVAL);
	/* the other paths copy nothing */
	fx.path = DMABUF_PATH_PAGES;
	memset(mem, 0xaa, MiB);
	assert_int_equal(dmabuf_io_done(&b, false, 0, MiB, &e), 0);
	assert_int_equal(mem[65536], 0xaa);
	fx.path = DMABUF_PATH_BOUNCE;
	dmabuf_unregister(&ring, 0, NULL);
	io_uring_queue_exit(&ring);
	dmabuf_mem_close(m);
	close(fd);
}

static void test_target_info_of_a_file(void **state)
{
	struct dmabuf_target_info ti;
	struct dmabuf_err e = { 0 };
	int fd = direct_file(MiB + 1000);

	(void)state;
	assert_true(fd >= 0);
	memset(&ti, 0xff, sizeof(ti));
	assert_int_equal(dmabuf_target_info(fd, &ti, &e), 0);
	assert_int_equal(ti.kind, DMABUF_TARGET_FILE);
	assert_true(ti.lba_size >= 512);
	assert_int_equal(ti.lba_size & (ti.lba_size - 1), 0);
	assert_int_equal(ti.nlba, (MiB + 1000) / ti.lba_size);	/* whole blocks only */
	assert_int_equal(ti.nsid, 0);
	assert_int_equal(ti.ms, 0);
	assert_int_equal(ti.flags, 0);
	for (unsigned i = 0; i < sizeof(ti.reserved) / sizeof(ti.reserved[0]); i++)
		assert_int_equal(ti.reserved[i], 0);
	/* the caller's fd is left as it was */
	assert_true(fcntl(fd, F_GETFL) & O_DIRECT);
	close(fd);
	assert_int_equal(dmabuf_target_info(fd, &ti, &e), -EBADF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prep_rw_addresses_by_path),
		cmocka_unit_test(test_prep_refuses_ranges_outside_the_buffer),
		cmocka_unit_test(test_prep_nvme_cmd_fills_sqe128),
		cmocka_unit_test(test_io_result_and_reissue),
		cmocka_unit_test(test_bounce_copies_only_the_request),
		cmocka_unit_test(test_target_info_of_a_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
