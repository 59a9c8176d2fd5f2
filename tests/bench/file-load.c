// SPDX-License-Identifier: MIT
/*
 * file-load: one way of loading a file into a dma-buf, measured, for the
 * "load" part of make bench (tests/bench/guest runs it in the VM, one
 * method per run, interleaved rounds; tests/bench/report tables them).
 *
 * Usage: file-load create FILE SIZE       write FILE: SIZE bytes of the pattern
 *        file-load run METHOD FILE RAWDEV  load FILE into a dma-buf by METHOD
 *
 * METHODs (the rows of the 2025 loading table, and the token paths):
 *   buffered         read() into the system heap dma-buf's mmap
 *   odirect-heap     the same with O_DIRECT (GUP of a heap mmap: the errno)
 *   odirect-udmabuf  O_DIRECT read() into a udmabuf's memfd mapping
 *   copy_file_range, sendfile, splice   FILE to the heap dma-buf's fd
 *   pages            READ_FIXED, O_DIRECT, into the udmabuf's pages
 *   token            READ_FIXED through a token of the heap dma-buf for FILE
 *   raw-token        the same bytes (FIEMAP) from RAWDEV through a token
 * The io_uring methods keep QD requests of CHUNK bytes in flight.
 *
 * Prints one JSON object: bytes moved, wall ns and CPU ns of the transfer
 * (every CPU of the guest, /proc/stat: interrupts and kernel workers
 * count), the errno where the method failed, and whether every byte in the
 * buffer is the file's.  Caches are dropped before each run; memory,
 * registration and opens come before the measured window.
 * Exit status: 0 a result was printed (a refusal is a result); 1 set-up
 * failed; 2 usage.
 */
#include "../kernel/ktest.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/dma-buf.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <unistd.h>

#define CHUNK	(1u << 20)	/* bytes per request, and the pattern's unit */
#define QD	8
#define MIN(a, b)	((a) < (b) ? (a) : (b))

/* One request: @len bytes at byte @pos of the file or device into @off of the buffer. */
struct req {
	uint64_t off, pos;
	uint32_t len;
};

struct result {
	uint64_t bytes, ns, cpu_ns;
	int err;		/* negative errno of the method, 0 */
	char what[96];		/* the call that failed */
};

/* Busy time of every CPU since boot, ns (/proc/stat: all but idle and iowait). */
static uint64_t cpu_busy_ns(void)
{
	unsigned long long v[10] = { 0 }, busy = 0;
	FILE *f = fopen("/proc/stat", "re");
	long hz = sysconf(_SC_CLK_TCK);

	if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
			 &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		die("read /proc/stat");
	fclose(f);
	for (int i = 0; i < 8; i++)
		busy += (i == 3 || i == 4) ? 0 : v[i];
	return busy * (1000000000ull / (uint64_t)hz);
}

static void drop_caches(void)
{
	sync();
	write_file("/proc/sys/vm", "drop_caches", "3", 0);
}

static void pattern_chunk(uint8_t *p, uint64_t i, size_t len)
{
	fill(p, len, 1000 + i);
}

/* Every byte of @buf (@size) the pattern's: the file as written by create. */
static bool delivered(const uint8_t *buf, uint64_t size)
{
	uint8_t *want = aligned(CHUNK);
	bool ok = true;

	for (uint64_t off = 0; ok && off < size; off += CHUNK) {
		size_t len = size - off < CHUNK ? size - off : CHUNK;

		pattern_chunk(want, off / CHUNK, len);
		ok = !memcmp(buf + off, want, len);
	}
	free(want);
	return ok;
}

static void create(const char *path, uint64_t size)
{
	uint8_t *p = aligned(CHUNK);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		die("create %s", path);
	for (uint64_t off = 0; off < size; off += CHUNK) {
		size_t len = size - off < CHUNK ? size - off : CHUNK;

		pattern_chunk(p, off / CHUNK, len);
		pio(true, fd, p, len, off);
	}
	if (fsync(fd))
		die("fsync %s", path);
	close(fd);
	free(p);
}

static uint64_t file_size(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		die("fstat");
	return st.st_size;
}

/* The file in CHUNK requests, file offset = buffer offset. */
static size_t file_reqs(uint64_t size, struct req **out)
{
	size_t n = (size + CHUNK - 1) / CHUNK;
	struct req *r = calloc(n, sizeof(*r));

	if (!r)
		die("calloc");
	for (size_t i = 0; i < n; i++) {
		r[i].off = r[i].pos = i * CHUNK;
		r[i].len = size - r[i].off < CHUNK ? size - r[i].off : CHUNK;
	}
	*out = r;
	return n;
}

/* The same bytes on the device below: FIEMAP's extents cut into CHUNK requests. */
static size_t extent_reqs(int fd, uint64_t size, struct req **out)
{
	const unsigned max = 4096;
	struct fiemap *fm = calloc(1, sizeof(*fm) + max * sizeof(struct fiemap_extent));
	struct req *r = NULL;
	size_t n = 0;

	if (!fm)
		die("calloc");
	fm->fm_length = size;
	fm->fm_flags = FIEMAP_FLAG_SYNC;
	fm->fm_extent_count = max;
	if (ioctl(fd, FS_IOC_FIEMAP, fm))
		die("FS_IOC_FIEMAP");
	for (unsigned e = 0; e < fm->fm_mapped_extents; e++) {
		const struct fiemap_extent *x = &fm->fm_extents[e];

		if (x->fe_flags & (FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_UNWRITTEN |
				   FIEMAP_EXTENT_ENCODED | FIEMAP_EXTENT_DATA_INLINE))
			die("extent %u of the file has no plain blocks (flags %#x)", e, x->fe_flags);
		for (uint64_t d = 0; d < x->fe_length && x->fe_logical + d < size; d += CHUNK) {
			uint64_t left = MIN(x->fe_length - d, size - x->fe_logical - d);

			r = realloc(r, (n + 1) * sizeof(*r));
			if (!r)
				die("realloc");
			r[n].off = x->fe_logical + d;
			r[n].pos = x->fe_physical + d;
			/* whole 512 B sectors of the device, as the file's last block */
			r[n].len = (uint32_t)MIN(left, CHUNK);
			r[n].len = (r[n].len + 4095) & ~4095u;
			n++;
		}
	}
	free(fm);
	*out = r;
	return n;
}

/* READ_FIXED of every request, QD in flight: 0 or the first error. */
static int fixed_reads(struct io_uring *ring, int fd, uint64_t base, const struct req *r,
		       size_t n, uint64_t *bytes)
{
	size_t next = 0, done = 0;
	int err = 0;

	while (done < n) {
		struct io_uring_cqe *cqe;
		int ret;

		for (; next < n && next - done < QD; next++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

			io_uring_prep_read_fixed(sqe, fd, (void *)(uintptr_t)(base + r[next].off),
						 r[next].len, r[next].pos, 0);
			sqe->user_data = next;
		}
		ret = io_uring_submit_and_wait(ring, 1);
		if (ret < 0 && ret != -EINTR)
			return ret;
		while (io_uring_peek_cqe(ring, &cqe) == 0) {
			const struct req *q = &r[cqe->user_data];

			if (cqe->res < 0 && !err)
				err = cqe->res;
			else if (cqe->res >= 0)
				*bytes += (uint64_t)cqe->res < q->len ? (uint64_t)cqe->res : q->len;
			io_uring_cqe_seen(ring, cqe);
			done++;
		}
	}
	return err;
}

/* read() of the file into @buf in CHUNK calls: 0 or -errno. */
static int plain_reads(int fd, uint8_t *buf, uint64_t size, uint64_t *bytes)
{
	while (*bytes < size) {
		ssize_t got = read(fd, buf + *bytes, MIN(size - *bytes, (uint64_t)CHUNK));

		if (got < 0)
			return -errno;
		if (got == 0)
			return -ENODATA;
		*bytes += got;
	}
	return 0;
}

static int heap_sync(int fd, uint64_t flags)
{
	struct dma_buf_sync s = { .flags = flags };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &s) ? -errno : 0;
}

/* FILE to the dma-buf's fd by @method: its errno (the kernel's answer) or the bytes. */
static int fd_copy(const char *method, int in, int out, uint64_t size, uint64_t *bytes)
{
	int pfd[2];
	ssize_t got;

	if (!strcmp(method, "copy_file_range")) {
		got = copy_file_range(in, NULL, out, NULL, size, 0);
	} else if (!strcmp(method, "sendfile")) {
		got = sendfile(out, in, NULL, size);
	} else {
		if (pipe(pfd))
			die("pipe");
		got = splice(in, NULL, pfd[1], NULL, CHUNK, 0);
		if (got > 0)
			got = splice(pfd[0], NULL, out, NULL, got, 0);
		close(pfd[0]);
		close(pfd[1]);
	}
	if (got < 0)
		return -errno;
	*bytes = got;
	return 0;
}

#define START(r) do { (r)->cpu_ns = cpu_busy_ns(); (r)->ns = now_ns(); } while (0)
#define STOP(r)  do { (r)->ns = now_ns() - (r)->ns; (r)->cpu_ns = cpu_busy_ns() - (r)->cpu_ns; } while (0)

static bool run(const char *method, const char *path, const char *rawdev, struct result *res)
{
	bool odirect = strcmp(method, "buffered") && strcmp(method, "copy_file_range") &&
		       strcmp(method, "sendfile") && strcmp(method, "splice");
	bool udmabuf = !strcmp(method, "odirect-udmabuf") || !strcmp(method, "pages");
	int fd = open(path, O_RDONLY | O_CLOEXEC | (odirect ? O_DIRECT : 0)), dev = -1;
	uint64_t size, base = 0;
	struct io_uring ring;
	struct req *r = NULL;
	struct dbuf b;
	bool ok;
	size_t n;
	int ret;

	if (fd < 0)
		die("open %s", path);
	size = file_size(fd);
	if (!size || size % 4096)
		die("%s: %" PRIu64 " bytes: create makes whole 4 KiB blocks", path, size);
	if ((ret = dbuf_new(&b, udmabuf ? "udmabuf" : "heap", size)))
		die("%s dma-buf of %" PRIu64 " bytes: %s", udmabuf ? "udmabuf" : "heap", size,
		    strerror(-ret));
	memset(b.cpu, 0xa5, size);		/* a canary: no byte of the pattern run */
	n = !strcmp(method, "raw-token") ? extent_reqs(fd, size, &r) : file_reqs(size, &r);
	if (!strcmp(method, "raw-token")) {
		dev = open(rawdev, O_RDONLY | O_DIRECT | O_CLOEXEC);
		if (dev < 0)
			die("open %s", rawdev);
	}
	if (!strcmp(method, "pages")) {
		struct iovec iov = { .iov_base = b.cpu, .iov_len = size };

		if (io_uring_queue_init(64, &ring, 0) || io_uring_register_buffers(&ring, &iov, 1))
			die("pages: register the udmabuf's memfd mapping");
		base = (uintptr_t)b.cpu;
	} else if (!strcmp(method, "token") || !strcmp(method, "raw-token")) {
		ring_new(&ring, 64, 1);
		ret = reg_dmabuf(&ring, 0, b.fd, dev >= 0 ? dev : fd);
		if (ret) {
			res->err = ret;
			snprintf(res->what, sizeof(res->what), "token registration");
		}
	}
	drop_caches();

	START(res);
	if (res->err) {
		/* refused at registration: nothing to measure */
	} else if (!strcmp(method, "pages") || !strcmp(method, "token") ||
		   !strcmp(method, "raw-token")) {
		res->err = fixed_reads(&ring, dev >= 0 ? dev : fd, base, r, n, &res->bytes);
		snprintf(res->what, sizeof(res->what), "READ_FIXED");
	} else if (!strcmp(method, "odirect-udmabuf")) {
		res->err = plain_reads(fd, b.cpu, size, &res->bytes);
		snprintf(res->what, sizeof(res->what), "read(O_DIRECT)");
	} else if (!strcmp(method, "buffered") || !strcmp(method, "odirect-heap")) {
		res->err = heap_sync(b.fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
		if (!res->err)
			res->err = plain_reads(fd, b.cpu, size, &res->bytes);
		heap_sync(b.fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
		snprintf(res->what, sizeof(res->what), "read(%s) into the heap mmap",
			 odirect ? "O_DIRECT" : "buffered");
	} else {
		res->err = fd_copy(method, fd, b.fd, size, &res->bytes);
		snprintf(res->what, sizeof(res->what), "%s to the dma-buf", method);
	}
	STOP(res);

	if (udmabuf || heap_sync(b.fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ) == 0)
		ok = !res->err && res->bytes >= size && delivered(b.cpu, size);
	else
		ok = false;
	if (!udmabuf)
		heap_sync(b.fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	if (!strcmp(method, "pages") || !strcmp(method, "token") || !strcmp(method, "raw-token"))
		io_uring_queue_exit(&ring);
	dbuf_free(&b);
	free(r);
	if (dev >= 0)
		close(dev);
	close(fd);
	return ok;
}

int main(int argc, char **argv)
{
	struct result res = { 0 };
	bool ok;

	if (argc == 4 && !strcmp(argv[1], "create")) {
		create(argv[2], strtoull(argv[3], NULL, 0));
		return 0;
	}
	if (argc != 5 || strcmp(argv[1], "run")) {
		fprintf(stderr, "usage: file-load create FILE BYTES | file-load run METHOD FILE RAWDEV\n");
		return 2;
	}
	ok = run(argv[2], argv[3], argv[4], &res);
	printf("{\"method\": \"%s\", \"bytes\": %" PRIu64 ", \"ns\": %" PRIu64 ", \"cpu_ns\": %"
	       PRIu64 ", \"errno\": %d, \"error\": \"%s\", \"failed_call\": \"%s\", "
	       "\"delivered\": %s}\n", argv[2], res.bytes, res.ns, res.cpu_ns, -res.err,
	       res.err ? strerrorname_np(-res.err) : "", res.err ? res.what : "",
	       ok ? "true" : "false");
	return 0;
}
