// SPDX-License-Identifier: MIT
/*
 * nvme-read: read logical blocks of an NVMe namespace into a dma-buf with
 * NVMe Read commands through io_uring passthrough on the namespace's
 * generic char device, the data landing in a dmabuf token, with liburing
 * and libdmabuf only.
 *
 *   nvme-read [-p auto|token|pages|bounce] [-m SOURCE] /dev/ngXnY SLBA NBLOCKS
 *
 * The blocks go to stdout; the namespace, the path used (and why better
 * ones were not) to stderr.  Exit status: 0 done, 1 I/O error (with the
 * NVMe status when the controller gave one), 2 bad arguments, 3 something
 * missing here (no heap, no token support: the message says which).
 *
 * Build: cc nvme-read.c $(pkg-config --cflags --libs dmabuf)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <liburing.h>
#include <dmabuf/dmabuf.h>

#define CHUNK_MAX	(256u << 10)	/* bytes per command at most */

static int fail(const struct dmabuf_err *e)
{
	char msg[DMABUF_ERR_STR_MAX];

	fprintf(stderr, "nvme-read: %s\n", dmabuf_err_str(e, msg, sizeof(msg)));
	return e->kind == DMABUF_E_UNSUPPORTED ? 3 : e->kind == DMABUF_E_USAGE ? 2 : 1;
}

/* One NVMe Read of @nblocks from @slba into the buffer at @mem_off, reissued after an invalidation. */
static int read_cmd(struct io_uring *ring, const struct dmabuf_iobuf *b,
		    const struct dmabuf_target_info *ti, uint64_t slba, uint32_t nblocks,
		    uint64_t mem_off, uint16_t *status, struct dmabuf_err *e)
{
	uint32_t len = nblocks * ti->lba_size;
	struct io_uring_cqe *cqe;
	int ret = dmabuf_io_start(b, false, mem_off, len, e);

	while (!ret) {
		ret = dmabuf_prep_nvme_rw(io_uring_get_sqe(ring), b, false, ti, slba, nblocks,
					  mem_off, e);
		if (ret)
			return ret;
		ret = io_uring_submit_and_wait(ring, 1);
		if (ret >= 0)
			ret = io_uring_wait_cqe(ring, &cqe);
		if (ret < 0)
			return ret;
		ret = dmabuf_io_result(cqe, true, len, status);
		io_uring_cqe_seen(ring, cqe);
		if (ret >= 0)
			return dmabuf_io_done(b, false, mem_off, len, e);
		if (dmabuf_io_reissue(ret))
			ret = 0;	/* the token was invalidated under it: again */
	}
	return ret;
}

static int read_blocks(struct io_uring *ring, const struct dmabuf_iobuf *b,
		       const struct dmabuf_target_info *ti, uint64_t slba, uint64_t nblocks)
{
	uint32_t chunk = ti->max_xfer && ti->max_xfer < CHUNK_MAX ? ti->max_xfer : CHUNK_MAX;
	uint32_t per = chunk / ti->lba_size ? chunk / ti->lba_size : 1;
	struct dmabuf_err e = { 0 };

	for (uint64_t done = 0; done < nblocks; done += per) {
		uint32_t n = nblocks - done < per ? (uint32_t)(nblocks - done) : per;
		uint16_t status = 0;
		int ret = read_cmd(ring, b, ti, slba + done, n, done * ti->lba_size, &status, &e);

		if (ret && e.err)
			return fail(&e);
		if (ret) {
			fprintf(stderr, "nvme-read: NVMe Read at LBA %llu: %s", (unsigned long long)(slba + done),
				strerror(-ret));
			if (status)
				fprintf(stderr, " (NVMe status 0x%03x)", status);
			fputc('\n', stderr);
			return 1;
		}
	}
	return 0;
}

/* The dma-buf's bytes to stdout, read by the CPU inside sync brackets. */
static int dump(struct dmabuf_mem *m, uint64_t len)
{
	struct dmabuf_err e = { 0 };
	void *addr;
	int ret = 0;

	if (dmabuf_mem_mmap(m, &addr, &e) || dmabuf_mem_sync_begin(m, false, &e))
		return fail(&e);
	if (fwrite(addr, 1, len, stdout) != len || fflush(stdout))
		ret = 1;
	if (dmabuf_mem_sync_end(m, false, &e))
		return fail(&e);
	return ret;
}

static int run(int fd, const char *dev, const char *source, enum dmabuf_path path,
	       uint64_t slba, uint64_t nblocks)
{
	struct dmabuf_target_info ti;
	struct dmabuf_err e = { 0 };
	struct dmabuf_fixed fx;
	struct dmabuf_mem *m;
	struct io_uring ring;
	int ret;

	if (dmabuf_target_info(fd, &ti, &e))
		return fail(&e);
	if (ti.kind != DMABUF_TARGET_NVME_CHAR) {
		fprintf(stderr, "nvme-read: %s: not an NVMe generic char device (/dev/ngXnY)\n", dev);
		return 2;
	}
	if (ti.ms) {
		fprintf(stderr, "nvme-read: %s: LBA format with metadata: not handled here\n", dev);
		return 3;
	}
	if (slba > ti.nlba || nblocks > ti.nlba - slba) {
		fprintf(stderr, "nvme-read: %s: LBAs %llu..+%llu past its %llu blocks\n", dev,
			(unsigned long long)slba, (unsigned long long)nblocks,
			(unsigned long long)ti.nlba);
		return 2;
	}
	if (dmabuf_mem_open(source, nblocks * ti.lba_size, "nvme-read", &m, &e))
		return fail(&e);
	/* NVMe commands travel in 128-byte SQEs; their completions in 32-byte CQEs */
	ret = io_uring_queue_init(4, &ring, IORING_SETUP_SQE128 | IORING_SETUP_CQE32);
	if (!ret)
		ret = io_uring_register_buffers_sparse(&ring, 1);
	if (ret) {
		fprintf(stderr, "nvme-read: io_uring set-up: %s\n", strerror(-ret));
		ret = 3;
	} else if (dmabuf_register(&ring, 0, m, fd, path, &fx, &e)) {
		ret = fail(&e);
	} else {
		struct dmabuf_iobuf b = { .mem = m, .fx = &fx, .slot = 0, .fd = fd };

		fprintf(stderr, "nvme-read: nsid %u, %u-byte blocks; %s via %s%s%s\n", ti.nsid,
			ti.lba_size, source, dmabuf_path_name(fx.path), fx.why[0] ? ": " : "",
			fx.why);
		ret = read_blocks(&ring, &b, &ti, slba, nblocks);
		if (!ret)
			ret = dump(m, nblocks * ti.lba_size);
		dmabuf_unregister(&ring, 0, NULL);
	}
	io_uring_queue_exit(&ring);
	dmabuf_mem_close(m);
	return ret;
}

static int usage(void)
{
	fprintf(stderr, "usage: nvme-read [-p auto|token|pages|bounce] [-m SOURCE] "
		"/dev/ngXnY SLBA NBLOCKS\n");
	return 2;
}

int main(int argc, char **argv)
{
	enum dmabuf_path path = DMABUF_PATH_TOKEN;
	const char *source = "heap:system";
	unsigned long long slba, n;
	char *end;
	int opt, fd, ret;

	while ((opt = getopt(argc, argv, "p:m:")) != -1) {
		if (opt == 'p' && !dmabuf_path_parse(optarg, &path))
			continue;
		if (opt == 'm') {
			source = optarg;
			continue;
		}
		return usage();
	}
	if (argc - optind != 3)
		return usage();
	errno = 0;
	slba = strtoull(argv[optind + 1], &end, 0);
	if (errno || *end)
		return usage();
	n = strtoull(argv[optind + 2], &end, 0);
	if (errno || *end || !n)
		return usage();
	/* passthrough needs the char device open for writing, even to read */
	fd = open(argv[optind], O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "nvme-read: %s: open: %s\n", argv[optind], strerror(errno));
		return errno == ENOENT ? 2 : 1;
	}
	ret = run(fd, argv[optind], source, path, slba, n);
	close(fd);
	return ret;
}
