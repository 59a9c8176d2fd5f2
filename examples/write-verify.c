// SPDX-License-Identifier: MIT
/*
 * write-verify: write a pattern to logical blocks of an NVMe namespace from
 * a dma-buf, read them back into the same dma-buf, and check every block,
 * with liburing and libdmabuf only.  TARGET picks the engine: the block
 * device (/dev/nvmeXnY) gets WRITE_FIXED/READ_FIXED, the generic char
 * device (/dev/ngXnY) NVMe Write/Read commands through passthrough; the
 * memory reaches the device as a dmabuf token unless -p says otherwise.
 *
 *   write-verify [-p auto|token|pages|bounce] [-m SOURCE] [-P PATTERN] TARGET LBA NBLOCKS
 *
 * The blocks are overwritten: give a range that holds nothing of value.
 * Between the write and the read the memory is filled with the canary, so
 * a read that reports success but delivers nothing is caught.  One line to
 * stdout: blocks checked and bad.  Exit status: 0 every block came back, 1
 * a block did not or an I/O error, 2 bad arguments, 3 something missing.
 *
 * Build: cc write-verify.c $(pkg-config --cflags --libs dmabuf)
 */
#define _GNU_SOURCE	/* O_DIRECT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <liburing.h>
#include <dmabuf/dmabuf.h>

#define CHUNK_MAX	(128u << 10)	/* bytes per request at most */

struct job {
	struct io_uring ring;
	struct dmabuf_iobuf b;
	struct dmabuf_target_info ti;
	bool nvme;		/* passthrough, else READ_FIXED/WRITE_FIXED */
	uint64_t lba, nblocks;
	const char *target;
};

static int fail(const struct dmabuf_err *e)
{
	char msg[DMABUF_ERR_STR_MAX];

	fprintf(stderr, "write-verify: %s\n", dmabuf_err_str(e, msg, sizeof(msg)));
	return e->kind == DMABUF_E_UNSUPPORTED ? 3 : e->kind == DMABUF_E_USAGE ? 2 : 1;
}

/* Encode one request of @n blocks at @lba, the data at @mem_off, by the job's engine. */
static int prep(struct job *j, bool write, uint64_t lba, uint32_t n, uint64_t mem_off,
		struct dmabuf_err *e)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&j->ring);

	if (j->nvme)
		return dmabuf_prep_nvme_rw(sqe, &j->b, write, &j->ti, lba, n, mem_off, e);
	return dmabuf_prep_rw(sqe, &j->b, write, mem_off, n * j->ti.lba_size,
			      lba * j->ti.lba_size, e);
}

/* One request, issued again after an invalidation; its bytes or -errno. */
static int request(struct job *j, bool write, uint64_t lba, uint32_t n, uint64_t mem_off,
		   uint16_t *status, struct dmabuf_err *e)
{
	uint32_t len = n * j->ti.lba_size;
	struct io_uring_cqe *cqe;
	int ret = dmabuf_io_start(&j->b, write, mem_off, len, e);

	while (!ret) {
		ret = prep(j, write, lba, n, mem_off, e);
		if (!ret)
			ret = io_uring_submit_and_wait(&j->ring, 1);
		if (ret >= 0)
			ret = io_uring_wait_cqe(&j->ring, &cqe);
		if (ret < 0)
			return ret;
		ret = dmabuf_io_result(cqe, j->nvme, len, status);
		io_uring_cqe_seen(&j->ring, cqe);
		if (ret >= 0 && (uint32_t)ret != len)
			return -EIO;	/* short: the range ends inside the target */
		if (ret >= 0)
			return dmabuf_io_done(&j->b, write, mem_off, len, e);
		if (dmabuf_io_reissue(ret))
			ret = 0;
	}
	return ret;
}

/* The whole range, in requests of at most CHUNK_MAX bytes (and the device's limit). */
static int pass(struct job *j, bool write)
{
	uint32_t max = j->ti.max_xfer && j->ti.max_xfer < CHUNK_MAX ? j->ti.max_xfer : CHUNK_MAX;
	uint32_t per = max / j->ti.lba_size ? max / j->ti.lba_size : 1;
	struct dmabuf_err e = { 0 };

	for (uint64_t done = 0; done < j->nblocks; done += per) {
		uint32_t n = j->nblocks - done < per ? (uint32_t)(j->nblocks - done) : per;
		uint16_t status = 0;
		int ret = request(j, write, j->lba + done, n, done * j->ti.lba_size, &status, &e);

		if (ret < 0 && e.err)
			return fail(&e);
		if (ret < 0) {
			fprintf(stderr, "write-verify: %s: %s at LBA %llu: %s", j->target,
				write ? "write" : "read", (unsigned long long)(j->lba + done),
				strerror(-ret));
			if (status)
				fprintf(stderr, " (NVMe status 0x%03x)", status);
			fputc('\n', stderr);
			return 1;
		}
	}
	return 0;
}

enum cpu_step { FILL_PATTERN, FILL_CANARY, CHECK };

/* The CPU's part, inside the exporter's brackets: fill the memory, or check it. */
static int cpu(struct job *j, const struct dmabuf_pattern *p, enum cpu_step what,
	       struct dmabuf_verify_result *res)
{
	struct dmabuf_mem *m = j->b.mem;
	uint32_t lbs = j->ti.lba_size;
	struct dmabuf_err e = { 0 };
	bool write = what != CHECK;
	void *addr;
	int ret = 0;

	if (dmabuf_mem_mmap(m, &addr, &e) || dmabuf_mem_sync_begin(m, write, &e))
		return fail(&e);
	if (what == FILL_PATTERN) {
		ret = dmabuf_pattern_fill(p, addr, j->lba, j->nblocks, lbs, &e);
	} else if (what == FILL_CANARY) {
		dmabuf_canary_fill(addr, 0, j->nblocks, lbs);
	} else {
		/* a block still holding the canary is "undelivered": the device never wrote it */
		int64_t bad = dmabuf_pattern_check(p, addr, j->lba, j->nblocks, lbs, 0, NULL, res, &e);

		ret = bad < 0 ? (int)bad : 0;
	}
	if (ret)
		return fail(&e);
	if (dmabuf_mem_sync_end(m, write, &e))
		return fail(&e);
	return 0;
}

static int verify(struct job *j, const struct dmabuf_pattern *p)
{
	struct dmabuf_verify_result res;
	int ret;

	memset(&res, 0, sizeof(res));
	ret = cpu(j, p, FILL_PATTERN, NULL);
	if (!ret)
		ret = pass(j, true);
	if (!ret)
		ret = cpu(j, p, FILL_CANARY, NULL);
	if (!ret)
		ret = pass(j, false);
	if (!ret)
		ret = cpu(j, p, CHECK, &res);
	if (ret)
		return ret;
	printf("%llu blocks checked, %llu bad\n", (unsigned long long)res.blocks_checked,
	       (unsigned long long)res.blocks_bad);
	for (unsigned i = 0; i < res.nr_kept; i++)
		printf("LBA %llu: %s\n", (unsigned long long)res.first[i].lba,
		       dmabuf_mismatch_kind_str(res.first[i].kind));
	return res.blocks_bad ? 1 : 0;
}

static int run(struct job *j, const char *source, enum dmabuf_path path,
	       const struct dmabuf_pattern *p)
{
	struct dmabuf_err e = { 0 };
	struct dmabuf_fixed fx;
	struct dmabuf_mem *m;
	int ret;

	if (dmabuf_target_info(j->b.fd, &j->ti, &e))
		return fail(&e);
	j->nvme = j->ti.kind == DMABUF_TARGET_NVME_CHAR;
	if (j->nvme && j->ti.ms) {
		fprintf(stderr, "write-verify: %s: LBA format with metadata: not handled here\n",
			j->target);
		return 3;
	}
	if (j->lba > j->ti.nlba || j->nblocks > j->ti.nlba - j->lba) {
		fprintf(stderr, "write-verify: %s: LBAs %llu..+%llu past its %llu blocks\n",
			j->target, (unsigned long long)j->lba, (unsigned long long)j->nblocks,
			(unsigned long long)j->ti.nlba);
		return 2;
	}
	if (dmabuf_mem_open(source, j->nblocks * j->ti.lba_size, "write-verify", &m, &e))
		return fail(&e);
	/* NVMe commands travel in 128-byte SQEs; their completions in 32-byte CQEs */
	ret = io_uring_queue_init(4, &j->ring, j->nvme ? IORING_SETUP_SQE128 | IORING_SETUP_CQE32 : 0);
	if (!ret)
		ret = io_uring_register_buffers_sparse(&j->ring, 1);
	if (ret) {
		fprintf(stderr, "write-verify: io_uring set-up: %s\n", strerror(-ret));
		dmabuf_mem_close(m);
		return 3;
	}
	if (dmabuf_register(&j->ring, 0, m, j->b.fd, path, &fx, &e)) {
		ret = fail(&e);
	} else {
		j->b.mem = m;
		j->b.fx = &fx;
		fprintf(stderr, "write-verify: %s via %s, %s\n", source, dmabuf_path_name(fx.path),
			j->nvme ? "NVMe passthrough" : "READ_FIXED/WRITE_FIXED");
		ret = verify(j, p);
		dmabuf_unregister(&j->ring, 0, NULL);
	}
	io_uring_queue_exit(&j->ring);
	dmabuf_mem_close(m);
	return ret;
}

static int usage(void)
{
	fprintf(stderr, "usage: write-verify [-p auto|token|pages|bounce] [-m SOURCE] "
		"[-P PATTERN] TARGET LBA NBLOCKS\n");
	return 2;
}

static int number(const char *s, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *end || end == s ? -1 : 0;
}

int main(int argc, char **argv)
{
	enum dmabuf_path path = DMABUF_PATH_TOKEN;
	const char *source = "heap:system", *pattern = "lba";
	struct job j = { .b = { .slot = 0, .fd = -1 } };
	struct dmabuf_pattern *p;
	struct dmabuf_err e = { 0 };
	unsigned long long lba, n;
	int opt, ret;

	while ((opt = getopt(argc, argv, "p:m:P:")) != -1) {
		if (opt == 'p' && !dmabuf_path_parse(optarg, &path))
			continue;
		if (opt == 'm' || opt == 'P') {
			*(opt == 'm' ? &source : &pattern) = optarg;
			continue;
		}
		return usage();
	}
	if (argc - optind != 3 || number(argv[optind + 1], &lba) || number(argv[optind + 2], &n) || !n)
		return usage();
	if (dmabuf_pattern_parse(pattern, &p, &e))
		return fail(&e);
	j.target = argv[optind];
	j.lba = lba;
	j.nblocks = n;
	/* a block device with O_DIRECT; a char device (passthrough) as it is */
	j.b.fd = open(j.target, O_RDWR | O_CLOEXEC | O_DIRECT);
	if (j.b.fd < 0 && errno == EINVAL)
		j.b.fd = open(j.target, O_RDWR | O_CLOEXEC);
	if (j.b.fd < 0) {
		fprintf(stderr, "write-verify: %s: open: %s\n", j.target, strerror(errno));
		dmabuf_pattern_free(p);
		return errno == ENOENT ? 2 : 1;
	}
	ret = run(&j, source, path, p);
	close(j.b.fd);
	dmabuf_pattern_free(p);
	return ret;
}
