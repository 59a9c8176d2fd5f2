// SPDX-License-Identifier: MIT
/*
 * The engines' I/O loop (tool/engine*.c) on the host's own io_uring, on
 * the shared fixture (fixture.h): a temporary regular file opened O_DIRECT
 * and page-aligned user memory registered as fixed buffers.  The ring's
 * set-up is test-ring.c's, the token uAPI test-token.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <cmocka.h>
#include <linux/nvme_ioctl.h>

#include "engine.h"
#include "engine-internal.h"
#include "fixture.h"
#include "token.h"

static struct db_xfer xfer(struct fx *f, bool write, uint64_t lba, uint64_t nblocks,
			   uint64_t buf_off, uint32_t req_bytes, unsigned qd)
{
	struct db_xfer x = {
		.t = &f->t, .r = &f->r, .engine = DB_ENGINE_RW, .write = write,
		.lba = lba, .nblocks = nblocks,
		.buf = fx_iobuf(f, write ? SLOT_W : SLOT_R), .buf_off = buf_off,
		.req_bytes = req_bytes, .qd = qd,
	};
	return x;
}

static void xfer_free(struct db_xfer *x)
{
	db_io_stats_free(&x->stats);
}

/* Every byte depends on its LBA, its offset and a seed: no two runs alike. */
static void fill_pattern(uint8_t *p, uint64_t lba, uint64_t nblocks, unsigned seed)
{
	uint64_t i;

	for (i = 0; i < nblocks * LBS; i++)
		p[i] = (uint8_t)((lba + i / LBS) * 131 + (i % LBS) * 7 + seed);
}

/* Write @nblocks from the write buffer and read them back; compare. */
static void roundtrip(struct fx *f, uint64_t lba, uint64_t nblocks, uint64_t woff,
		      uint64_t roff, uint32_t req_bytes, unsigned qd, unsigned seed)
{
	struct dmabuf_err e = { 0 };
	struct db_xfer x;
	uint64_t bytes = nblocks * LBS;

	fill_pattern(f->wbuf + woff, lba, nblocks, seed);
	memset(f->rbuf, 0xee, BUF_BYTES);

	x = xfer(f, true, lba, nblocks, woff, req_bytes, qd);
	assert_int_equal(db_xfer_run(&x, &e), 0);
	assert_false(x.fail.failed);
	assert_int_equal(x.stats.bytes, bytes);
	assert_int_equal(x.stats.errors, 0);
	assert_int_equal(x.stats.lat.n, x.stats.ios);
	xfer_free(&x);

	x = xfer(f, false, lba, nblocks, roff, req_bytes, qd);
	assert_int_equal(db_xfer_run(&x, &e), 0);
	assert_int_equal(x.stats.bytes, bytes);
	assert_true(x.stats.ns > 0);
	xfer_free(&x);

	assert_memory_equal(f->rbuf + roff, f->wbuf + woff, bytes);
	/* Nothing written outside the range. */
	if (roff)
		assert_int_equal(f->rbuf[roff - 1], 0xee);
	if (roff + bytes < BUF_BYTES)
		assert_int_equal(f->rbuf[roff + bytes], 0xee);
}

/* --- round trips ----------------------------------------------------------- */

static void test_rw_roundtrip_qd_and_request_sizes(void **state)
{
	static const unsigned qds[] = { 1, 4, 32 };
	static const uint32_t reqs[] = { 512, 4096, 12288, 65536, 0 };
	struct fx *f = *state;
	unsigned i, j, seed = 1;

	for (i = 0; i < sizeof(qds) / sizeof(qds[0]); i++)
		for (j = 0; j < sizeof(reqs) / sizeof(reqs[0]); j++)
			/* 1000 blocks: a multiple of none of the request sizes */
			roundtrip(f, 7, 1000, 0, 0, reqs[j], qds[i], seed++);
}

static void test_rw_roundtrip_nonzero_buffer_offsets(void **state)
{
	struct fx *f = *state;

	roundtrip(f, 0, 333, 1536, 8192, 4096, 4, 11);
	roundtrip(f, 100, 1, 512, 4096 * 3 + 512, 0, 1, 12);
	roundtrip(f, FILE_BLOCKS - 64, 64, 65536, 512, 8192, 32, 13);
}

static void test_rw_stats_count_requests(void **state)
{
	struct fx *f = *state;
	struct dmabuf_err e = { 0 };
	struct db_xfer x = xfer(f, false, 0, 1000, 0, 4096, 8);

	assert_int_equal(db_xfer_run(&x, &e), 0);
	assert_int_equal(x.stats.ios, 125);	/* 1000 blocks / 8 per request */
	assert_int_equal(x.stats.bytes, 1000 * LBS);
	assert_int_equal(x.stats.lat.n, 125);
	assert_int_equal(x.stats.retries, 0);
	xfer_free(&x);
}

static void test_rw_default_request_size_and_max_xfer(void **state)
{
	struct fx *f = *state;
	struct dmabuf_err e = { 0 };
	struct db_xfer x;

	/* default: 128 KiB per request */
	x = xfer(f, false, 0, 1024, 0, 0, 4);
	assert_int_equal(db_xfer_run(&x, &e), 0);
	assert_int_equal(x.stats.ios, 4);
	xfer_free(&x);

	/* default, limited by the device */
	f->t.max_xfer = 16384;
	x = xfer(f, false, 0, 1024, 0, 0, 4);
	assert_int_equal(db_xfer_run(&x, &e), 0);
	assert_int_equal(x.stats.ios, 32);
	xfer_free(&x);

	/* an explicit size is clamped to the device limit too */
	f->t.max_xfer = 8192;
	x = xfer(f, false, 0, 1024, 0, 65536, 4);
	assert_int_equal(db_xfer_run(&x, &e), 0);
	assert_int_equal(x.stats.ios, 64);
	xfer_free(&x);
	f->t.max_xfer = 0;
}

static void test_rw_zero_blocks_is_a_no_op(void **state)
{
	struct fx *f = *state;
	struct dmabuf_err e = { 0 };
	struct db_xfer x = xfer(f, false, 0, 0, 0, 4096, 1);

	assert_int_equal(db_xfer_run(&x, &e), 0);
	assert_int_equal(x.stats.ios, 0);
	xfer_free(&x);
}

/* --- usage errors ---------------------------------------------------------- */

static void expect_usage(struct db_xfer *x, int err)
{
	struct dmabuf_err e = { 0 };

	assert_int_equal(db_xfer_run(x, &e), err);
	assert_int_equal(e.err, err);
	assert_int_equal(e.kind, DMABUF_E_USAGE);
	assert_true(e.detail[0] != '\0');
	assert_int_equal(x->stats.ios, 0);
	xfer_free(x);
}

static void test_req_bytes_not_multiple_of_lba_is_usage(void **state)
{
	struct fx *f = *state;
	struct db_xfer x = xfer(f, false, 0, 8, 0, 1000, 1);

	expect_usage(&x, -EINVAL);
}

static void test_misaligned_buffer_is_usage(void **state)
{
	struct fx *f = *state;
	struct db_xfer x = xfer(f, false, 0, 8, 100, 4096, 1);

	expect_usage(&x, -EINVAL);
	x = xfer(f, true, 0, 8, 256, 4096, 1);
	expect_usage(&x, -EINVAL);
}

static void test_range_outside_buffer_is_usage(void **state)
{
	struct fx *f = *state;
	struct db_xfer x = xfer(f, false, 0, BUF_BYTES / LBS + 1, 0, 4096, 1);

	expect_usage(&x, -EINVAL);
	x = xfer(f, false, 0, 8, BUF_BYTES - 2048, 4096, 1);
	expect_usage(&x, -EINVAL);
	x = xfer(f, false, 0, 1, (uint64_t)BUF_BYTES + 512, 4096, 1);
	expect_usage(&x, -EINVAL);
}

static void test_queue_depth_outside_ring_is_usage(void **state)
{
	struct fx *f = *state;
	struct db_xfer x = xfer(f, false, 0, 8, 0, 4096, 0);

	expect_usage(&x, -EINVAL);
	x = xfer(f, false, 0, 8, 0, 4096, DEPTH + 1);
	expect_usage(&x, -EINVAL);
}

static void test_write_to_read_only_target_is_refused(void **state)
{
	struct fx *f = *state;
	struct db_xfer x = xfer(f, true, 0, 8, 0, 4096, 1);

	f->t.writable = false;
	expect_usage(&x, -EBADF);
	f->t.writable = true;
}

static void test_passthru_needs_nvme_char_and_big_ring(void **state)
{
	struct fx *f = *state;
	struct db_xfer x = xfer(f, false, 0, 8, 0, 4096, 1);

	x.engine = DB_ENGINE_PASSTHRU;
	expect_usage(&x, -EINVAL);		/* a regular file */
	f->t.kind = DB_TGT_NVME_CHAR;
	x = xfer(f, false, 0, 8, 0, 4096, 1);
	x.engine = DB_ENGINE_PASSTHRU;
	expect_usage(&x, -EINVAL);		/* ring without SQE128/CQE32 */
	f->t.kind = DB_TGT_FILE;
}

static void test_rw_on_nvme_char_is_usage(void **state)
{
	struct fx *f = *state;
	struct db_xfer x = xfer(f, false, 0, 8, 0, 4096, 1);

	f->t.kind = DB_TGT_NVME_CHAR;
	expect_usage(&x, -EINVAL);
	f->t.kind = DB_TGT_FILE;
}

/* --- I/O failures ---------------------------------------------------------- */

static void test_io_on_unregistered_slot_fails_with_efault(void **state)
{
	struct fx *f = *state;
	struct dmabuf_err e = { 0 };
	struct db_xfer x = xfer(f, false, 40, 64, 0, 4096, 4);

	assert_int_equal(dmabuf_unregister(&f->r.ring, SLOT_R, &e), 0);
	assert_int_equal(db_xfer_run(&x, &e), -EFAULT);
	assert_true(x.fail.failed);
	assert_int_equal(x.fail.res, -EFAULT);
	assert_int_equal(x.fail.lba, 40);
	assert_int_equal(x.fail.nblocks, 8);
	assert_int_equal(x.fail.nvme_status, 0);
	assert_true(x.stats.errors >= 1);
	assert_int_equal(e.kind, DMABUF_E_IO);
	assert_string_equal(e.op, "READ_FIXED at LBA 40");
	assert_string_equal(e.obj, f->t.path);
	assert_non_null(strstr(e.detail, "slot 1"));
	xfer_free(&x);
	assert_int_equal(db_fixed_register_uaddr(&f->r.ring, SLOT_R, f->rbuf, BUF_BYTES, &e), 0);
}

static void test_read_past_end_of_file_is_eio(void **state)
{
	struct fx *f = *state;
	struct dmabuf_err e = { 0 };
	struct db_xfer x = xfer(f, false, FILE_BLOCKS - 6, 16, 0, 4096, 1);

	assert_int_equal(db_xfer_run(&x, &e), -EIO);
	assert_true(x.fail.failed);
	assert_int_equal(x.fail.res, -EIO);
	/* the first request moved its 6 blocks, the rest of it hit the end */
	assert_int_equal(x.fail.lba, FILE_BLOCKS);
	assert_int_equal(x.fail.nblocks, 2);
	assert_int_equal(x.stats.bytes, 6 * LBS);
	assert_int_equal(e.kind, DMABUF_E_IO);
	assert_string_equal(e.detail, "read past end of file");
	xfer_free(&x);
}

static void test_passthru_on_a_non_nvme_file_fails_with_errno(void **state)
{
	struct fx *f = *state;
	struct dmabuf_err e = { 0 };
	struct db_ring big;
	struct db_xfer x;

	assert_int_equal(db_ring_init(&big, 8, true, 1, &e), 0);
	assert_true(big.big);
	assert_int_equal(db_fixed_register_uaddr(&big.ring, 0, f->rbuf, BUF_BYTES, &e), 0);
	/* a file posing as /dev/ngXnY, with separate metadata: the file has no uring_cmd */
	f->t.kind = DB_TGT_NVME_CHAR;
	f->t.ms = 8;
	f->t.nsid = 1;
	x = xfer(f, false, 0, 64, 0, 4096, 4);
	x.r = &big;
	x.buf.slot = 0;
	x.engine = DB_ENGINE_PASSTHRU;
	assert_true(db_xfer_run(&x, &e) < 0);
	assert_true(x.fail.failed);
	assert_true(x.fail.res < 0);
	assert_int_equal(x.fail.nvme_status, 0);
	assert_int_equal(e.kind, DMABUF_E_IO);
	assert_non_null(strstr(e.op, "NVMe Read at LBA "));
	xfer_free(&x);

	/* interleaved metadata is not described by the buffer layout */
	f->t.ext_lba = true;
	x = xfer(f, false, 0, 64, 0, 4096, 4);
	x.r = &big;
	x.engine = DB_ENGINE_PASSTHRU;
	assert_int_equal(db_xfer_run(&x, &e), -EOPNOTSUPP);
	assert_int_equal(e.kind, DMABUF_E_UNSUPPORTED);
	xfer_free(&x);

	f->t.kind = DB_TGT_FILE;
	f->t.ms = 0;
	f->t.ext_lba = false;
	db_ring_exit(&big);
}

/* --- the between hook ---------------------------------------------------- */

struct hook {
	struct fx *f;
	unsigned calls;
	unsigned abort_at;	/* call that fails, 0 = never */
	bool flap;		/* empty the read slot on call 1, refill it on call 2 */
	int ret1;		/* result of the slot changes */
	int ret2;
};

static int hook_fn(void *arg, struct dmabuf_err *e)
{
	struct hook *h = arg;
	struct fx *f = h->f;

	h->calls++;
	if (h->flap && h->calls == 1)
		h->ret1 = dmabuf_unregister(&f->r.ring, SLOT_R, e);
	if (h->flap && h->calls == 2)
		h->ret2 = db_fixed_register_uaddr(&f->r.ring, SLOT_R, f->rbuf, BUF_BYTES, e);
	if (h->abort_at && h->calls == h->abort_at)
		return db_err_set(e, DMABUF_E_USAGE, -EINTR, "hook", "test");
	return 0;
}

static void test_between_hook_is_called_during_a_run(void **state)
{
	struct fx *f = *state;
	struct dmabuf_err e = { 0 };
	struct hook h = { .f = f };
	struct db_xfer x = xfer(f, false, 0, 1024, 0, 4096, 4);

	x.between = hook_fn;
	x.between_arg = &h;
	assert_int_equal(db_xfer_run(&x, &e), 0);
	assert_true(h.calls >= 1);
	assert_true(h.calls <= x.stats.ios);
	assert_int_equal(x.stats.ios, 128);
	xfer_free(&x);
}

static void test_between_hook_error_aborts_the_run(void **state)
{
	struct fx *f = *state;
	struct dmabuf_err e = { 0 };
	struct hook h = { .f = f, .abort_at = 2 };
	struct db_xfer x = xfer(f, false, 0, 1024, 0, 4096, 2);

	x.between = hook_fn;
	x.between_arg = &h;
	assert_int_equal(db_xfer_run(&x, &e), -EINTR);
	assert_int_equal(h.calls, 2);
	assert_string_equal(e.op, "hook");
	assert_false(x.fail.failed);
	assert_true(x.stats.ios < 128);
	xfer_free(&x);
}

static void test_efault_is_reissued_when_asked(void **state)
{
	struct fx *f = *state;
	struct dmabuf_err e = { 0 };
	struct hook h = { .f = f, .flap = true };
	struct db_xfer x;

	fill_pattern(f->wbuf, 0, 1024, 77);
	x = xfer(f, true, 0, 1024, 0, 4096, 4);
	assert_int_equal(db_xfer_run(&x, &e), 0);
	xfer_free(&x);

	memset(f->rbuf, 0, BUF_BYTES);
	x = xfer(f, false, 0, 1024, 0, 4096, 4);
	x.retry = DB_RETRY_EFAULT;
	x.between = hook_fn;
	x.between_arg = &h;
	assert_int_equal(db_xfer_run(&x, &e), 0);
	assert_int_equal(h.ret1, 0);
	assert_int_equal(h.ret2, 0);
	assert_true(h.calls >= 2);
	assert_true(x.stats.retries >= 1);
	assert_int_equal(x.stats.ios, 128);
	assert_false(x.fail.failed);
	assert_memory_equal(f->rbuf, f->wbuf, 1024 * LBS);
	xfer_free(&x);
}

static void test_efault_fails_without_retry(void **state)
{
	struct fx *f = *state;
	struct dmabuf_err e = { 0 };
	struct hook h = { .f = f, .flap = true };
	struct db_xfer x = xfer(f, false, 0, 1024, 0, 4096, 4);

	x.between = hook_fn;
	x.between_arg = &h;
	assert_int_equal(db_xfer_run(&x, &e), -EFAULT);
	assert_true(x.fail.failed);
	assert_int_equal(x.fail.res, -EFAULT);
	assert_int_equal(x.stats.retries, 0);
	xfer_free(&x);
	/* leave the slot as the fixture expects it */
	if (h.calls < 2)
		assert_int_equal(db_fixed_register_uaddr(&f->r.ring, SLOT_R, f->rbuf, BUF_BYTES,
							&e), 0);
}

static void test_retries_are_bounded(void **state)
{
	struct fx *f = *state;
	struct dmabuf_err e = { 0 };
	struct db_xfer x = xfer(f, false, 0, 8, 0, 4096, 1);

	assert_int_equal(dmabuf_unregister(&f->r.ring, SLOT_R, &e), 0);
	x.retry = DB_RETRY_EFAULT;
	x.max_retries = 3;
	assert_int_equal(db_xfer_run(&x, &e), -EFAULT);
	assert_int_equal(x.stats.retries, 3);
	assert_int_equal(x.stats.errors, 1);
	xfer_free(&x);
	assert_int_equal(db_fixed_register_uaddr(&f->r.ring, SLOT_R, f->rbuf, BUF_BYTES, &e), 0);
}

/* --- engines in isolation ----------------------------------------------------- */

static void test_engine_names(void **state)
{
	enum db_engine_kind k;

	(void)state;
	assert_string_equal(db_engine_name(DB_ENGINE_RW), "rw");
	assert_string_equal(db_engine_name(DB_ENGINE_PASSTHRU), "passthru");
	assert_int_equal(db_engine_parse("rw", &k), 0);
	assert_int_equal(k, DB_ENGINE_RW);
	assert_int_equal(db_engine_parse("passthru", &k), 0);
	assert_int_equal(k, DB_ENGINE_PASSTHRU);
	assert_int_equal(db_engine_parse("RW", &k), -EINVAL);
	assert_int_equal(db_engine_parse("", &k), -EINVAL);
}

static void test_passthru_prep_fills_sqe128(void **state)
{
	struct db_target t = { .fd = 42, .kind = DB_TGT_NVME_CHAR, .lba_size = 4096, .nsid = 3 };
	struct db_ring r = { .big = true, .live = true, .depth = 8 };
	/* a token: the data address is the offset into the dma-buf */
	struct dmabuf_fixed fx = { .path = DMABUF_PATH_TOKEN, .base = 0, .len = 1 << 20 };
	struct db_xfer x = { .t = &t, .r = &r, .write = true,
			     .buf = { .fx = &fx, .slot = 5, .fd = 42 } };
	struct db_io io = { .write = true, .lba = (1ULL << 33) + 9, .nblocks = 16, .len = 16 * 4096,
			    .mem_off = 0x10000, .meta = 0x20000, .meta_len = 128 };
	union { struct io_uring_sqe sqe; uint8_t raw[128]; } u;
	const struct nvme_uring_cmd *cmd = (const void *)u.sqe.cmd;

	(void)state;
	memset(&u, 0, sizeof(u));
	assert_int_equal(db_engine_passthru_ops.prep(&u.sqe, &x, &io), 0);
	assert_int_equal(u.sqe.opcode, IORING_OP_URING_CMD);
	assert_int_equal(u.sqe.fd, 42);
	assert_int_equal(u.sqe.cmd_op, NVME_URING_CMD_IO);
	assert_int_equal(u.sqe.uring_cmd_flags, IORING_URING_CMD_FIXED);
	assert_int_equal(u.sqe.buf_index, 5);
	assert_int_equal(u.sqe.flags, 0);
	assert_int_equal(cmd->opcode, 0x01);
	assert_int_equal(cmd->nsid, 3);
	assert_int_equal(cmd->cdw10, 9);
	assert_int_equal(cmd->cdw11, 2);
	assert_int_equal(cmd->cdw12, 15);
	assert_int_equal(cmd->addr, 0x10000);
	assert_int_equal(cmd->data_len, 16 * 4096);
	assert_int_equal(cmd->metadata, 0x20000);
	assert_int_equal(cmd->metadata_len, 128);
}

static void test_passthru_result_decodes_cqe(void **state)
{
	struct db_io io = { .len = 8192 };
	struct io_uring_cqe cqe = { 0 };
	uint16_t st = 0xffff;

	(void)state;
	cqe.res = 0;
	assert_int_equal(db_engine_passthru_ops.result(&cqe, &io, &st), 8192);
	assert_int_equal(st, 0);
	cqe.res = -EAGAIN;
	assert_int_equal(db_engine_passthru_ops.result(&cqe, &io, &st), -EAGAIN);
	assert_int_equal(st, 0);
	cqe.res = 0x4281;	/* DNR | Unrecovered Read Error */
	assert_int_equal(db_engine_passthru_ops.result(&cqe, &io, &st), -EIO);
	assert_int_equal(st, 0x281);
	cqe.res = 0x80;
	assert_int_equal(db_engine_passthru_ops.result(&cqe, &io, &st), -EIO);
	assert_int_equal(st, 0x80);
}

static void test_rw_prep_fills_sqe(void **state)
{
	struct db_target t = { .fd = 7, .kind = DB_TGT_FILE, .lba_size = 512 };
	struct db_ring r = { .live = true, .depth = 8 };
	/* pages: the address is the buffer's user address plus the offset */
	struct dmabuf_fixed fx = { .path = DMABUF_PATH_PAGES, .base = 0x7000, .len = 1 << 20 };
	struct db_xfer x = { .t = &t, .r = &r, .write = false,
			     .buf = { .fx = &fx, .slot = 3, .fd = 7 } };
	struct db_io io = { .lba = 100, .nblocks = 8, .len = 4096, .mem_off = 0x1000 };
	struct io_uring_sqe sqe;

	(void)state;
	memset(&sqe, 0, sizeof(sqe));
	assert_int_equal(db_engine_rw_ops.prep(&sqe, &x, &io), 0);
	assert_int_equal(sqe.opcode, IORING_OP_READ_FIXED);
	assert_int_equal(sqe.fd, 7);
	assert_int_equal(sqe.off, 100 * 512);
	assert_int_equal(sqe.addr, 0x8000);
	assert_int_equal(sqe.len, 4096);
	assert_int_equal(sqe.buf_index, 3);
	io.write = true;	/* the direction is the request's */
	assert_int_equal(db_engine_rw_ops.prep(&sqe, &x, &io), 0);
	assert_int_equal(sqe.opcode, IORING_OP_WRITE_FIXED);
	/* a request past the buffer's end is refused, nothing encoded for it */
	io.mem_off = (1 << 20) - 2048;
	assert_int_equal(db_engine_rw_ops.prep(&sqe, &x, &io), -EINVAL);
}

/* One rule, one message, wherever it is checked: at context set-up and at every run. */
static void test_engine_target_rule(void **state)
{
	struct db_target file = { .kind = DB_TGT_FILE, .path = "/var/tmp/f" };
	struct db_target ng = { .kind = DB_TGT_NVME_CHAR, .path = "/dev/ng0n1",
				.blkdev = "/dev/nvme0n1" };
	struct db_ring r = { .live = true, .depth = 8 };
	struct db_xfer x = { .t = &ng, .r = &r };
	struct dmabuf_err e = { 0 }, run_e = { 0 };

	(void)state;
	assert_int_equal(db_engine_check_target(DB_ENGINE_RW, &file, &e), 0);
	assert_int_equal(db_engine_check_target(DB_ENGINE_PASSTHRU, &ng, &e), 0);
	assert_int_equal(db_engine_check_target(DB_ENGINE_PASSTHRU, &file, &e), -EINVAL);
	assert_int_equal(e.kind, DMABUF_E_USAGE);
	assert_non_null(strstr(e.detail, "/dev/ngXnY"));
	assert_int_equal(db_engine_check_target(DB_ENGINE_RW, &ng, &e), -EINVAL);
	assert_non_null(strstr(e.detail, "need the block device /dev/nvme0n1"));
	/* the rw engine's own check is the same words */
	assert_int_equal(db_engine_rw_ops.check(&x, &run_e), -EINVAL);
	assert_string_equal(run_e.detail, e.detail);
	assert_string_equal(run_e.op, e.op);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_names),
		cmocka_unit_test(test_engine_target_rule),
		cmocka_unit_test(test_passthru_prep_fills_sqe128),
		cmocka_unit_test(test_passthru_result_decodes_cqe),
		cmocka_unit_test(test_rw_prep_fills_sqe),
		FX(test_rw_roundtrip_qd_and_request_sizes),
		FX(test_rw_roundtrip_nonzero_buffer_offsets),
		FX(test_rw_stats_count_requests),
		FX(test_rw_default_request_size_and_max_xfer),
		FX(test_rw_zero_blocks_is_a_no_op),
		FX(test_req_bytes_not_multiple_of_lba_is_usage),
		FX(test_misaligned_buffer_is_usage),
		FX(test_range_outside_buffer_is_usage),
		FX(test_queue_depth_outside_ring_is_usage),
		FX(test_write_to_read_only_target_is_refused),
		FX(test_passthru_needs_nvme_char_and_big_ring),
		FX(test_rw_on_nvme_char_is_usage),
		FX(test_io_on_unregistered_slot_fails_with_efault),
		FX(test_read_past_end_of_file_is_eio),
		FX(test_passthru_on_a_non_nvme_file_fails_with_errno),
		FX(test_between_hook_is_called_during_a_run),
		FX(test_between_hook_error_aborts_the_run),
		FX(test_efault_is_reissued_when_asked),
		FX(test_efault_fails_without_retry),
		FX(test_retries_are_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
