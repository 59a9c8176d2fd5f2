// SPDX-License-Identifier: MIT
/*
 * The dmabuf token uAPI layout (doc/token-uapi.md) and the NVMe
 * passthrough command encoding.  Layout mistakes would talk nonsense to the
 * kernel without any error, so they are pinned at compile time and again at
 * run time (so that a failure also shows up in the test report).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <linux/nvme_ioctl.h>

#include "engine.h"
#include "nvme.h"
#include "uapi/dmabuf_mover.h"
#include "uapi/io_uring_regbuf.h"

#define DESC struct io_uring_regbuf_desc

_Static_assert(sizeof(DESC) == 80, "regbuf desc is 80 bytes");
_Static_assert(offsetof(DESC, type) == 0, "type at 0");
_Static_assert(offsetof(DESC, flags) == 4, "flags at 4");
_Static_assert(offsetof(DESC, size) == 8, "size at 8");
_Static_assert(offsetof(DESC, uaddr) == 16, "uaddr at 16");
_Static_assert(offsetof(DESC, dmabuf_fd) == 24, "dmabuf_fd at 24");
_Static_assert(offsetof(DESC, target_fd) == 28, "target_fd at 28");
_Static_assert(offsetof(DESC, __resv) == 32, "__resv at 32");
_Static_assert(sizeof(((DESC *)0)->__resv) == 48, "__resv is 6 x u64");
_Static_assert(IORING_RSRC_UPDATE_EXTENDED == 2, "IORING_RSRC_UPDATE_EXTENDED is 1 << 1");
_Static_assert(IO_REGBUF_TYPE_EMPTY == 0 && IO_REGBUF_TYPE_UADDR == 1 &&
	       IO_REGBUF_TYPE_DMABUF == 2, "regbuf types 0/1/2");
_Static_assert(sizeof(struct io_uring_rsrc_update2) == 32, "rsrc_update2 is 32 bytes");
_Static_assert(sizeof(struct nvme_uring_cmd) == 72, "nvme_uring_cmd is 72 bytes");

/* The moving test exporter (kernel-patches/0015): the ioctl numbers carry the sizes. */
_Static_assert(sizeof(struct dmabuf_mover_alloc) == 24, "mover alloc is 24 bytes");
_Static_assert(offsetof(struct dmabuf_mover_alloc, fd) == 12, "alloc fd at 12");
_Static_assert(offsetof(struct dmabuf_mover_alloc, flags) == 16, "alloc flags at 16");
_Static_assert(sizeof(struct dmabuf_mover_move) == 24, "mover move is 24 bytes");
_Static_assert(offsetof(struct dmabuf_mover_move, wait_ns) == 16, "move wait_ns at 16");
_Static_assert(sizeof(struct dmabuf_mover_stat) == 32, "mover stat is 32 bytes");
_Static_assert(offsetof(struct dmabuf_mover_stat, late_pages) == 24, "stat late_pages at 24");
_Static_assert(DMABUF_MOVER_IOC_MOVE == 0xc0186241, "MOVE is _IOWR('b', 0x41, 24 bytes)");

static void test_regbuf_desc_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(DESC), 80);
	assert_int_equal(offsetof(DESC, type), 0);
	assert_int_equal(offsetof(DESC, flags), 4);
	assert_int_equal(offsetof(DESC, size), 8);
	assert_int_equal(offsetof(DESC, uaddr), 16);
	assert_int_equal(offsetof(DESC, dmabuf_fd), 24);
	assert_int_equal(offsetof(DESC, target_fd), 28);
	assert_int_equal(offsetof(DESC, __resv), 32);
}

static void test_regbuf_desc_field_sizes(void **state)
{
	DESC d;

	(void)state;
	assert_int_equal(sizeof(d.type), 4);
	assert_int_equal(sizeof(d.flags), 4);
	assert_int_equal(sizeof(d.size), 8);
	assert_int_equal(sizeof(d.uaddr), 8);
	assert_int_equal(sizeof(d.dmabuf_fd), 4);
	assert_int_equal(sizeof(d.target_fd), 4);
	/* fds are signed: -1 must survive */
	d.dmabuf_fd = -1;
	assert_true(d.dmabuf_fd < 0);
}

static void test_update2_flags_word_is_second_u32(void **state)
{
	struct io_uring_rsrc_update2 up;
	uint32_t words[8];

	(void)state;
	memset(&up, 0, sizeof(up));
	assert_int_equal((char *)&IO_RSRC_UPDATE2_FLAGS(&up) - (char *)&up, 4);
	assert_int_equal(sizeof(IO_RSRC_UPDATE2_FLAGS(&up)), 4);
	IO_RSRC_UPDATE2_FLAGS(&up) = IORING_RSRC_UPDATE_EXTENDED;
	memcpy(words, &up, sizeof(words));
	assert_int_equal(words[1], 2);
	assert_int_equal(offsetof(struct io_uring_rsrc_update2, offset), 0);
	assert_int_equal(offsetof(struct io_uring_rsrc_update2, data), 8);
	assert_int_equal(offsetof(struct io_uring_rsrc_update2, nr), 24);
}

static void test_uapi_constants(void **state)
{
	(void)state;
	assert_int_equal(IORING_RSRC_UPDATE_EXTENDED, 2);
	assert_int_equal(IO_REGBUF_TYPE_EMPTY, 0);
	assert_int_equal(IO_REGBUF_TYPE_UADDR, 1);
	assert_int_equal(IO_REGBUF_TYPE_DMABUF, 2);
}

static void check_rw_cmd(bool write, uint32_t nsid, uint64_t slba, uint32_t nblocks,
			 uint32_t lba_size)
{
	struct nvme_uring_cmd cmd;
	uint64_t addr = 0x7f0000001000ULL;

	memset(&cmd, 0xa5, sizeof(cmd));
	dmabuf_nvme_rw_cmd(&cmd, write, nsid, slba, nblocks, addr, nblocks * lba_size, 0, 0);
	assert_int_equal(cmd.opcode, write ? 0x01 : 0x02);
	assert_int_equal(cmd.flags, 0);
	assert_int_equal(cmd.nsid, nsid);
	assert_int_equal(cmd.cdw10, (uint32_t)slba);
	assert_int_equal(cmd.cdw11, (uint32_t)(slba >> 32));
	assert_int_equal(cmd.cdw12 & 0xffff, nblocks - 1);
	assert_int_equal(cmd.cdw12 >> 16, 0);	/* no FUA, PRINFO, LR */
	assert_int_equal(cmd.cdw2, 0);
	assert_int_equal(cmd.cdw3, 0);
	assert_int_equal(cmd.cdw13, 0);
	assert_int_equal(cmd.cdw14, 0);
	assert_int_equal(cmd.cdw15, 0);
	assert_int_equal(cmd.addr, addr);
	assert_int_equal(cmd.data_len, nblocks * lba_size);
	assert_int_equal(cmd.metadata, 0);
	assert_int_equal(cmd.metadata_len, 0);
	assert_int_equal(cmd.timeout_ms, 0);
	assert_int_equal(cmd.rsvd1, 0);
	assert_int_equal(cmd.rsvd2, 0);
}

static void test_nvme_rw_cmd_encoding(void **state)
{
	(void)state;
	check_rw_cmd(false, 1, 0, 1, 512);
	check_rw_cmd(true, 1, 0, 1, 512);
	check_rw_cmd(false, 2, 8, 8, 4096);
	check_rw_cmd(true, 1, 0xffffffffULL, 256, 512);
	check_rw_cmd(false, 1, 1ULL << 32, 32, 4096);
	check_rw_cmd(true, 7, 0x123456789abcULL, 65536, 512);
	check_rw_cmd(false, 0xffffffff, 0xfffffffffffffff0ULL, 16, 512);
}

static void test_nvme_rw_cmd_slba_above_4g(void **state)
{
	struct nvme_uring_cmd cmd;

	(void)state;
	dmabuf_nvme_rw_cmd(&cmd, false, 1, 0x0000000512345678ULL, 65536, 0x1000, 65536u * 512,
		       0, 0);
	assert_int_equal(cmd.cdw10, 0x12345678);
	assert_int_equal(cmd.cdw11, 0x5);
	/* 65536 blocks encode as NLB 0xffff (zero-based) */
	assert_int_equal(cmd.cdw12, 0xffff);
}

static void test_nvme_rw_cmd_metadata(void **state)
{
	struct nvme_uring_cmd cmd;

	(void)state;
	dmabuf_nvme_rw_cmd(&cmd, true, 1, 100, 8, 0x2000, 8 * 512, 0xdead0000ULL, 8 * 8);
	assert_int_equal(cmd.metadata, 0xdead0000ULL);
	assert_int_equal(cmd.metadata_len, 64);
	assert_int_equal(cmd.opcode, 0x01);
}

static void test_nvme_uring_cmd_layout(void **state)
{
	(void)state;
	/* The command sits in the 80 bytes after the first 48 of a 128-byte SQE. */
	assert_true(sizeof(struct nvme_uring_cmd) <= 80);
	assert_int_equal(offsetof(struct nvme_uring_cmd, cdw10), 40);
	assert_int_equal(offsetof(struct io_uring_sqe, cmd), 48);
}

static void test_nvme_status_str(void **state)
{
	(void)state;
	assert_string_equal(db_nvme_status_str(0x000), "Success");
	assert_string_equal(db_nvme_status_str(0x002), "Invalid Field in Command");
	assert_string_equal(db_nvme_status_str(0x080), "LBA Out of Range");
	assert_string_equal(db_nvme_status_str(0x281), "Unrecovered Read Error");
	assert_string_equal(db_nvme_status_str(0x280), "Write Fault");
	assert_string_equal(db_nvme_status_str(0x286), "Access Denied");
	assert_string_equal(db_nvme_status_str(0x00b), "Invalid Namespace or Format");
	/* DNR (bit 14) and More (bit 13) do not change the status */
	assert_string_equal(db_nvme_status_str(0x4000 | 0x281), "Unrecovered Read Error");
	assert_string_equal(db_nvme_status_str(0x1ff), "Unknown status");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regbuf_desc_layout),
		cmocka_unit_test(test_regbuf_desc_field_sizes),
		cmocka_unit_test(test_update2_flags_word_is_second_u32),
		cmocka_unit_test(test_uapi_constants),
		cmocka_unit_test(test_nvme_rw_cmd_encoding),
		cmocka_unit_test(test_nvme_rw_cmd_slba_above_4g),
		cmocka_unit_test(test_nvme_rw_cmd_metadata),
		cmocka_unit_test(test_nvme_uring_cmd_layout),
		cmocka_unit_test(test_nvme_status_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
