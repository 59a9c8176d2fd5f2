// SPDX-License-Identifier: MIT
/*
 * token-read: read a byte range of an NVMe block device into a dma-heap
 * dma-buf through a dmabuf token, with liburing and libdmabuf only.
 *
 *   token-read [-p auto|token|pages|bounce] [-m SOURCE] DEVICE OFFSET LENGTH
 *
 * The data goes to stdout; the path used (and why better ones were not)
 * to stderr.  OFFSET and LENGTH are bytes, multiples of the device's LBA
 * size.  Exit status: 0 done, 1 I/O error, 2 bad arguments, 3 something
 * missing here (no heap, no token support: the message says which).
 *
 * Build: cc token-read.c $(pkg-config --cflags --libs dmabuf) -luring
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

#define CHUNK		(256u << 10)	/* bytes per READ_FIXED */
#define QUEUE_DEPTH	4

static int fail(const struct dmabuf_err *e)
{
	char msg[DMABUF_ERR_STR_MAX];

	fprintf(stderr, "token-read: %s\n", dmabuf_err_str(e, msg, sizeof(msg)));
	return e->kind == DMABUF_E_UNSUPPORTED ? 3 : e->kind == DMABUF_E_USAGE ? 2 : 1;
}

/*
 * One READ_FIXED of @len bytes at device byte @off into the buffer at
 * @mem_off.  The library encodes it for whichever path the buffer took and
 * does that path's part (the bounce path's copy into the dma-buf).
 */
static int read_chunk(struct io_uring *ring, const struct dmabuf_iobuf *b, uint64_t mem_off,
		      uint32_t len, uint64_t off, struct dmabuf_err *e)
{
	struct io_uring_cqe *cqe;
	uint16_t status;
	int ret = dmabuf_io_start(b, false, mem_off, len, e);

	if (ret)
		return ret;
	for (;;) {
		ret = dmabuf_prep_rw(io_uring_get_sqe(ring), b, false, mem_off, len, off, e);
		if (ret)
			return ret;
		ret = io_uring_submit_and_wait(ring, 1);
		if (ret >= 0)
			ret = io_uring_wait_cqe(ring, &cqe);
		if (ret < 0)
			return ret;
		ret = dmabuf_io_result(cqe, false, len, &status);
		io_uring_cqe_seen(ring, cqe);
		if (!dmabuf_io_reissue(ret))
			break;
		/* the token was invalidated under the request: issue it again */
	}
	if (ret >= 0 && (uint32_t)ret != len)
		return -EIO;
	return ret < 0 ? ret : dmabuf_io_done(b, false, mem_off, len, e);
}

static int read_range(struct io_uring *ring, const struct dmabuf_iobuf *b, uint64_t off,
		      uint64_t len)
{
	struct dmabuf_err e = { 0 };

	for (uint64_t done = 0; done < len; done += CHUNK) {
		uint32_t n = len - done < CHUNK ? (uint32_t)(len - done) : CHUNK;
		int ret = read_chunk(ring, b, done, n, off + done, &e);

		if (ret && e.err)
			return fail(&e);
		if (ret) {
			fprintf(stderr, "token-read: READ_FIXED at byte %llu: %s\n",
				(unsigned long long)(off + done), strerror(-ret));
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

static int run(const char *dev, const char *source, enum dmabuf_path path, uint64_t off,
	       uint64_t len)
{
	struct dmabuf_err e = { 0 };
	struct dmabuf_fixed fx;
	struct dmabuf_mem *m;
	struct io_uring ring;
	int fd, ret;

	fd = open(dev, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "token-read: %s: open: %s\n", dev, strerror(errno));
		return errno == ENOENT ? 2 : 1;
	}
	ret = dmabuf_mem_open(source, len, "token-read", &m, &e);
	if (ret) {
		close(fd);
		return fail(&e);
	}
	ret = io_uring_queue_init(QUEUE_DEPTH, &ring, 0);
	if (!ret)
		ret = io_uring_register_buffers_sparse(&ring, 1);
	if (ret) {
		fprintf(stderr, "token-read: io_uring set-up: %s\n", strerror(-ret));
		ret = 3;
	} else if (dmabuf_register(&ring, 0, m, fd, path, &fx, &e)) {
		ret = fail(&e);
	} else {
		fprintf(stderr, "token-read: %s via %s%s%s\n", source, dmabuf_path_name(fx.path),
			fx.why[0] ? ": " : "", fx.why);
		struct dmabuf_iobuf b = { .mem = m, .fx = &fx, .slot = 0, .fd = fd };

		ret = read_range(&ring, &b, off, len);
		if (!ret)
			ret = dump(m, len);
		dmabuf_unregister(&ring, 0, NULL);
	}
	io_uring_queue_exit(&ring);
	dmabuf_mem_close(m);
	close(fd);
	return ret;
}

static int usage(void)
{
	fprintf(stderr, "usage: token-read [-p auto|token|pages|bounce] [-m SOURCE] "
		"DEVICE OFFSET LENGTH\n");
	return 2;
}

int main(int argc, char **argv)
{
	enum dmabuf_path path = DMABUF_PATH_TOKEN;
	const char *source = "heap:system";
	unsigned long long off, len;
	char *end;
	int opt;

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
	off = strtoull(argv[optind + 1], &end, 0);
	if (errno || *end)
		return usage();
	len = strtoull(argv[optind + 2], &end, 0);
	if (errno || *end || !len)
		return usage();
	return run(argv[optind], source, path, off, len);
}
