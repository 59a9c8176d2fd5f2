// SPDX-License-Identifier: MIT
/* token-uapi: helpers the cases share: passthrough commands, threads seen from outside, rings and reads, the iommu:map tracepoint, a namespace as a passthrough target. */
#include "token-uapi.h"

/* ---- I/O ---- */

/* Run one passthrough command: cqe->res (0, an NVMe status, or -errno). */
int pt_io(struct io_uring *ring, const struct pt_cmd *c)
{
	pt_prep(io_uring_get_sqe(ring), c);
	return submit_one(ring);
}

/* A ring for passthrough (128-byte SQEs, 32-byte CQEs), @slots empty slots. */
void pt_ring_new(struct io_uring *ring, unsigned entries, unsigned slots)
{
	int ret = io_uring_queue_init(entries, ring, IORING_SETUP_SQE128 |
				      IORING_SETUP_CQE32);

	if (ret || io_uring_register_buffers_sparse(ring, slots))
		die("SQE128 ring (%d)", ret);
}

/* ---- helper threads: what they are doing, seen from outside ---- */

void mark_running(struct thread_mark *t)
{
	__atomic_store_n(&t->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
}

void mark_done(struct thread_mark *t)
{
	__atomic_store_n(&t->done, true, __ATOMIC_RELEASE);
}

bool is_done(struct thread_mark *t)
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
bool wait_asleep_in(struct thread_mark *t, long nr)
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

/* ---- IOMMU map operations (tracepoint iommu:map) ---- */

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

void trace_start(void)
{
	tracefs_write("tracing_on", "0");
	tracefs_write("buffer_size_kb", "4096");
	tracefs_write("events/enable", "0");
	tracefs_write("events/iommu/map/enable", "1");
	tracefs_write("trace", "");
	tracefs_write("tracing_on", "1");
}

long trace_stop(void)
{
	tracefs_write("tracing_on", "0");
	tracefs_write("events/iommu/map/enable", "0");
	return iommu_maps_written();
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

size_t pfns_of(const void *addr, size_t len, uint64_t **out)
{
	const size_t pg = 4096, n = len / pg;
	uint64_t *pfns = calloc(n, sizeof(*pfns));
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (!pfns || fd < 0)
		die("pagemap");
	for (size_t i = 0; i < n; i++) {
		const volatile uint8_t *p = (const uint8_t *)addr + i * pg;
		uint64_t e;

		(void)*p;	/* present, so that it has a frame */
		if (pread(fd, &e, sizeof(e), (off_t)(((uintptr_t)p / pg) * sizeof(e))) != sizeof(e))
			die("pagemap read");
		/* bit 63 present, bits 0-54 the frame (0 without CAP_SYS_ADMIN) */
		if (!(e >> 63) || !(e & ((1ull << 55) - 1)))
			die("pagemap: no frame for page %zu (not root?)", i);
		pfns[i] = e & ((1ull << 55) - 1);
	}
	close(fd);
	qsort(pfns, n, sizeof(*pfns), cmp_u64);
	*out = pfns;
	return n;
}

/* Does [paddr, paddr + size) hold a frame of @pfns (sorted, @n)? */
static bool meets(const uint64_t *pfns, size_t n, uint64_t paddr, uint64_t size)
{
	uint64_t first = paddr / 4096, last = (paddr + (size ? size : 1) - 1) / 4096;
	size_t lo = 0, hi = n;

	while (lo < hi) {	/* the first frame >= first */
		size_t mid = (lo + hi) / 2;

		if (pfns[mid] < first)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && pfns[lo] <= last;
}

long trace_maps_of(const uint64_t *pfns, size_t n)
{
	FILE *f = fopen(TRACEFS "/trace", "r");
	char line[512];
	long hits = 0;

	if (!f)
		die("open " TRACEFS "/trace");
	while (fgets(line, sizeof(line), f)) {
		unsigned long long paddr, size;
		const char *p = strstr(line, " paddr=");

		if (line[0] == '#' || !p || sscanf(p, " paddr=%llx size=%llu", &paddr, &size) != 2)
			continue;
		hits += meets(pfns, n, paddr, size);
	}
	fclose(f);
	return hits;
}

void pt_ns_open(struct pt_ns *n, const char *devvar)
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
struct pt_cmd pt_cmd_of(const struct pt_ns *n, bool write, uint64_t addr,
			uint32_t len, uint64_t lba, uint8_t *meta)
{
	return (struct pt_cmd){ .ngfd = n->ngfd, .slot = 0, .write = write,
				.nsid = n->nsid, .lbs = n->lbs, .len = len, .addr = addr,
				.lba = lba, .meta = n->ms ? meta : NULL,
				.meta_len = n->ms ? len / n->lbs * n->ms : 0 };
}

void pt_ns_close(struct pt_ns *n)
{
	close(n->fd);
	close(n->ngfd);
}

/*
 * Read requests of @dev the block layer is through with: commands the
 * device completed (counted once their bios have ended) and requests merged
 * into one (counted as they are submitted).
 */
long reads_finished(const char *dev)
{
	unsigned long long ios, merges;

	read_stat(dev, &ios, &merges);
	return (long)(ios + merges);
}

/* @dev's read commands completed and read requests merged so far (stat fields 1, 2). */
void read_stat(const char *dev, unsigned long long *ios, unsigned long long *merges)
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

/*
 * Wait until @n more read requests of @dev than @base (reads_finished()
 * before they were submitted) are finished, every command sent for them
 * completed by the device, up to 30 s; false if they are not.  A poll on
 * the device's own count, where a fixed sleep would guess how long a busy
 * machine takes.
 */
bool wait_reads_finished(const char *dev, long base, long n)
{
	for (int i = 0; i < 3000; i++) {
		if (reads_finished(dev) - base >= n)
			return true;
		usleep(10000);
	}
	return false;
}

/*
 * Rounds of @per reads (load_reads) beside a thread that invalidates or
 * moves the buffer, until a read after an invalidation has mapped it
 * afresh (the "maps" count passed @maps0), or a read failed.  When the
 * thread first fires while reads are in flight depends on how the two are
 * scheduled, so the bound is rounds (20), not time.  Returns the rounds.
 */
unsigned reads_until_remapped(struct load *l, uint64_t per, long maps0)
{
	unsigned rounds = 0;

	do
		load_reads(l, per);
	while (++rounds < 20 && !l->err && stat_value("maps") <= maps0);
	return rounds;
}

/* A READ_FIXED of 4 KiB at @addr, linked behind a POLL_ADD on @pipe_rd. */
void read_behind_poll(struct io_uring *ring, int pipe_rd, int fd, uint64_t addr)
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
void defer_ring_new(struct io_uring *ring)
{
	struct io_uring_params pr = {
		.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
	};
	int ret = io_uring_queue_init_params(16, ring, &pr);

	if (ret || io_uring_register_buffers_sparse(ring, 1))
		die("DEFER_TASKRUN ring (%d)", ret);
}

/* Submit @n READ_FIXED of 4 KiB, block i of the device into block i of slot 0. */
void submit_reads(struct io_uring *ring, int fd, unsigned n)
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
unsigned reap_4k(struct io_uring *ring, unsigned n, uint64_t only)
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
void case_begin(struct io_uring *ring, unsigned entries, struct dbuf *b,
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
void case_end(struct io_uring *ring, struct dbuf *b, int fd)
{
	io_uring_queue_exit(ring);
	dbuf_free(b);
	close(fd);
	check(wait_tokens(0) == 0, "no token left");
}
