// SPDX-License-Identifier: MIT
/*
 * ktest: the helpers tests/kernel/token-uapi/ and file-tokens.c share
 * (ktest.h says what each is for).  Raw syscalls and liburing only,
 * nothing of lib/.
 */
#include "ktest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/dma-heap.h>
#include <linux/nvme_ioctl.h>
#include <linux/udmabuf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <drm.h>
#include <drm_mode.h>

/* ---- reporting ---- */

static int ktest_checks, ktest_failures;

bool check(bool ok, const char *fmt, ...)
{
	va_list ap;

	ktest_checks++;
	printf("%s %d - ", ok ? "ok" : "not ok", ktest_checks);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		ktest_failures++;
	return ok;
}

/* A result's words: the errno's text, "ok" for 0, "bytes" for a count. */
static const char *ret_text(int ret)
{
	return ret < 0 ? strerror(-ret) : ret ? "bytes" : "ok";
}

bool check_ret(int got, int want, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return check(got == want, "%s: got %d (%s), want %d (%s)", what, got, ret_text(got),
		     want, ret_text(want));
}

void die(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (%s)\n", strerror(errno));
	exit(1);
}

void skip_all(const char *fmt, ...)
{
	va_list ap;

	printf("1..0 # SKIP ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(77);
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* ---- memory sources ---- */

/* What every source fills in: the dma-buf, its kind, its size in bytes. */
static int dbuf_set(struct dbuf *b, int fd, const char *kind, size_t size)
{
	b->fd = fd;
	b->kind = kind;
	b->size = size;
	return 0;
}

static int udmabuf_new(struct dbuf *b, size_t size)
{
	struct udmabuf_create c = { 0 };
	int dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);

	if (dev < 0)
		return -errno;
	b->memfd = memfd_create("ktest", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (b->memfd < 0 || ftruncate(b->memfd, size) ||
	    fcntl(b->memfd, F_ADD_SEALS, F_SEAL_SHRINK))
		die("memfd for udmabuf");
	c.memfd = b->memfd;
	c.flags = UDMABUF_FLAGS_CLOEXEC;
	c.size = size;
	b->fd = ioctl(dev, UDMABUF_CREATE, &c);
	close(dev);
	if (b->fd < 0)
		return -errno;
	return dbuf_set(b, b->fd, "udmabuf", size);
}

/* One ioctl @req on the device node @path: 0 or -errno. */
int dev_ioctl(const char *path, int oflags, unsigned long req, void *arg)
{
	int dev = open(path, oflags | O_CLOEXEC), ret = 0;

	if (dev < 0)
		return -errno;
	if (ioctl(dev, req, arg))
		ret = -errno;
	close(dev);
	return ret;
}

static int heap_new(struct dbuf *b, size_t size)
{
	struct dma_heap_allocation_data a = {
		.len = size, .fd_flags = O_RDWR | O_CLOEXEC,
	};
	int ret = dev_ioctl("/dev/dma_heap/system", O_RDONLY, DMA_HEAP_IOCTL_ALLOC, &a);

	if (ret)
		return ret;
	return dbuf_set(b, a.fd, "heap", size);
}

/* The vgem card, or -ENODEV. */
int vgem_open(void)
{
	for (int i = 0; i < 8; i++) {
		struct drm_version v = { 0 };
		char name[16] = "", path[64];
		int card;

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		card = open(path, O_RDWR | O_CLOEXEC);
		if (card < 0)
			continue;
		v.name = name;
		v.name_len = sizeof(name) - 1;
		if (!ioctl(card, DRM_IOCTL_VERSION, &v) && !strcmp(name, "vgem"))
			return card;
		close(card);
	}
	return -ENODEV;
}

/* vgem dumb buffer exported through PRIME (pages allocated lazily). */
static int vgem_new(struct dbuf *b, size_t size)
{
	/* 4 KiB rows: the kernel computes width * bpp in 32 bits */
	struct drm_mode_create_dumb c = { .width = 1024, .height = size / 4096, .bpp = 32 };
	struct drm_prime_handle p = { .flags = DRM_CLOEXEC | DRM_RDWR };
	int card = vgem_open();

	if (card < 0)
		return card;
	if (ioctl(card, DRM_IOCTL_MODE_CREATE_DUMB, &c))
		die("vgem dumb buffer of %zu bytes", size);
	p.handle = c.handle;
	if (ioctl(card, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p))
		die("vgem PRIME export");
	close(card);	/* the dma-buf keeps the object */
	return dbuf_set(b, p.fd, "vgem", c.size);
}

/* A buffer of the moving test exporter; its CPU mapping follows moves. */
static int mover_new(struct dbuf *b, size_t size, uint32_t flags)
{
	struct mover_alloc a = { .size = size, .fd_flags = O_RDWR | O_CLOEXEC, .flags = flags };
	int ret = dev_ioctl("/dev/dmabuf_mover", O_RDWR, MOVER_IOC_ALLOC, &a);

	if (ret)
		return ret;
	return dbuf_set(b, a.fd, "mover", size);
}

/* A dma-buf of @kind with a CPU mapping: a udmabuf's memfd, else its own. */
int dbuf_new(struct dbuf *b, const char *kind, size_t size)
{
	int ret;

	memset(b, 0, sizeof(*b));
	b->memfd = -1;
	if (!strcmp(kind, "udmabuf"))
		ret = udmabuf_new(b, size);
	else if (!strcmp(kind, "heap"))
		ret = heap_new(b, size);
	else if (!strcmp(kind, "mover"))
		ret = mover_new(b, size, 0);
	else if (!strcmp(kind, "mover-small"))	/* each page as 8 sg entries */
		ret = mover_new(b, size, MOVER_ALLOC_SMALL_PIECES);
	else if (!strcmp(kind, "mover-nomap"))	/* no CPU mapping, user or kernel */
		ret = mover_new(b, size, MOVER_ALLOC_NO_CPU_MAP);
	else
		ret = vgem_new(b, size);
	if (ret)
		return ret;
	if (!strcmp(kind, "mover-nomap")) {
		b->kind = "mover-nomap";
		return 0;
	}
	b->cpu = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      b->memfd >= 0 ? b->memfd : b->fd, 0);
	if (b->cpu == MAP_FAILED)
		die("mmap %s", b->kind);
	return 0;
}

void dbuf_free(struct dbuf *b)
{
	if (b->cpu)
		munmap(b->cpu, b->size);
	if (b->fd >= 0)
		close(b->fd);
	if (b->memfd >= 0)
		close(b->memfd);
	b->fd = b->memfd = -1;
	b->cpu = NULL;
}

/* ---- registration through the raw syscall ---- */

int reg_update(struct io_uring *ring, unsigned slot, uint32_t flags, void *data,
		      unsigned nr)
{
	struct rsrc_update2 up = {
		.offset = slot, .flags = flags, .data = (uintptr_t)data, .nr = nr,
	};
	int ret = syscall(__NR_io_uring_register, ring->ring_fd,
			  IORING_REGISTER_BUFFERS_UPDATE, &up, sizeof(up));

	return ret < 0 ? -errno : ret;
}

int reg_desc(struct io_uring *ring, unsigned slot, const struct regbuf_desc *d)
{
	int ret = reg_update(ring, slot, RSRC_UPDATE_EXTENDED, (void *)d, 1);

	return ret == 1 ? 0 : ret;
}

int reg_dmabuf(struct io_uring *ring, unsigned slot, int dmabuf_fd, int target_fd)
{
	struct regbuf_desc d = {
		.type = REGBUF_DMABUF, .dmabuf_fd = dmabuf_fd, .target_fd = target_fd,
	};

	return reg_desc(ring, slot, &d);
}

int reg_empty(struct io_uring *ring, unsigned slot)
{
	struct regbuf_desc d = { .type = REGBUF_EMPTY };

	return reg_desc(ring, slot, &d);
}

void ring_new(struct io_uring *ring, unsigned entries, unsigned slots)
{
	int ret = io_uring_queue_init(entries, ring, 0);

	if (ret) {
		errno = -ret;
		die("io_uring_queue_init");
	}
	ret = io_uring_register_buffers_sparse(ring, slots);
	if (ret) {
		errno = -ret;
		die("sparse buffer table");
	}
}

/* ---- targets ---- */

const char *env_dev(const char *var)
{
	const char *p = getenv(var);

	if (!p || !*p) {
		printf("1..0 # SKIP %s not set: run inside the VM (tests/vm/run)\n", var);
		exit(77);
	}
	return p;
}

int open_dev(const char *path)
{
	int fd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);

	if (fd < 0)
		die("open %s", path);
	return fd;
}

/* ---- I/O ---- */

/* Submit what is prepared, wait for one completion: its res. */
int submit_one(struct io_uring *ring)
{
	struct io_uring_cqe *cqe;
	int ret = io_uring_submit_and_wait(ring, 1);

	if (ret < 0)
		return ret;
	if (io_uring_wait_cqe(ring, &cqe))
		die("wait cqe");
	ret = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return ret;
}

int rw_fixed(struct io_uring *ring, bool write, int fd, unsigned slot, uint64_t addr,
	     unsigned len, uint64_t pos)
{
	return rw_fixed_opts(ring, write, fd, slot, addr, len, pos, NULL);
}

static void rw_fixed_prep(struct io_uring *ring, bool write, int fd, unsigned slot,
			  uint64_t addr, unsigned len, uint64_t pos, const struct rw_opts *o)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (write)
		io_uring_prep_write_fixed(sqe, fd, (void *)(uintptr_t)addr, len, pos, slot);
	else
		io_uring_prep_read_fixed(sqe, fd, (void *)(uintptr_t)addr, len, pos, slot);
	if (o) {
		sqe->rw_flags = o->rw_flags;
		sqe->flags |= o->sqe_flags;
	}
}

int rw_fixed_opts(struct io_uring *ring, bool write, int fd, unsigned slot, uint64_t addr,
		  unsigned len, uint64_t pos, struct rw_opts *o)
{
	int ret;

	if (o)
		o->reissued = 0;
	for (;;) {
		rw_fixed_prep(ring, write, fd, slot, addr, len, pos, o);
		ret = submit_one(ring);
		if (ret != -EAGAIN)
			return ret;
		/* reissue after an invalidation (doc/token-uapi.md), up to the bound */
		if (o && o->max_reissue && o->reissued >= o->max_reissue)
			return ret;
		if (o)
			o->reissued++;
	}
}

void fill(uint8_t *p, size_t len, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;

	for (size_t i = 0; i < len; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(p + i, &x, len - i < 8 ? len - i : 8);
	}
}

void *aligned(size_t len)
{
	void *p = NULL;

	if (posix_memalign(&p, 4096, len))
		die("posix_memalign");
	return p;
}

/* ---- debugfs trigger ---- */

long stat_value(const char *key)
{
	char line[128];
	long v = -1;
	FILE *f = fopen(DEBUGFS "/stats", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		size_t k = strlen(key);

		if (!strncmp(line, key, k) && line[k] == ' ')
			v = strtol(line + k + 1, NULL, 10);
	}
	fclose(f);
	return v;
}

/* Write @val to @dir/@file (debugfs, tracefs), opened with @flags added. */
void write_file(const char *dir, const char *file, const char *val, int flags)
{
	char path[2 * PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | flags);
	if (fd < 0 || write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		die("write %s to %s", val, path);
	close(fd);
}

void debugfs_write(const char *file, const char *val)
{
	write_file(DEBUGFS, file, val, 0);
}

void trigger_invalidate(void)
{
	debugfs_write("invalidate", "1");
}

/*
 * Tokens are freed from a work item: wait for @want live tokens, up to 30 s
 * (a bound for a hang; a busy or debug guest takes longer than the usual
 * few milliseconds).
 */
long wait_tokens(long want)
{
	long v = -1;

	for (int i = 0; i < 3000; i++) {
		v = stat_value("tokens");
		if (v == want)
			break;
		usleep(10000);
	}
	return v;
}

volatile bool trigger_stop;

void *trigger_thread(void *arg)
{
	unsigned long *n = arg;

	while (!trigger_stop) {
		trigger_invalidate();
		(*n)++;
		usleep(2000);
	}
	return NULL;
}

/* The kernel command line has a word starting with @prefix and containing @part. */
bool cmdline_has(const char *prefix, const char *part)
{
	char line[4096] = "";
	FILE *f = fopen("/proc/cmdline", "r");
	bool found = false;

	if (f) {
		if (fgets(line, sizeof(line), f))
			for (char *t = strtok(line, " \n"); t && !found; t = strtok(NULL, " \n"))
				found = !strncmp(t, prefix, strlen(prefix)) && strstr(t, part);
		fclose(f);
	}
	return found;
}

void pt_prep(struct io_uring_sqe *sqe, const struct pt_cmd *c)
{
	struct nvme_uring_cmd *cmd = (struct nvme_uring_cmd *)sqe->cmd;

	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, c->ngfd, NULL, 0, 0);
	sqe->cmd_op = NVME_URING_CMD_IO;
	if (c->slot >= 0) {
		sqe->uring_cmd_flags = IORING_URING_CMD_FIXED;
		sqe->buf_index = c->slot;
	}
	memset(cmd, 0, sizeof(*cmd));
	cmd->opcode = c->write ? 0x01 : 0x02;
	cmd->nsid = c->nsid;
	cmd->addr = c->addr;
	cmd->data_len = c->len;
	cmd->metadata = (uintptr_t)c->meta;
	cmd->metadata_len = c->meta_len;
	cmd->cdw10 = (uint32_t)c->lba;
	cmd->cdw11 = c->lba >> 32;
	cmd->cdw12 = c->len / c->lbs - 1;	/* NLB, 0's based */
}

/* A read of l->bs bytes at byte @off of the device into byte @off of the buffer. */
static void load_prep(struct load *l, uint64_t off)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(l->ring);

	if (l->passthru) {
		struct pt_cmd c = { .ngfd = l->fd, .slot = l->slot, .nsid = l->nsid,
				    .lbs = l->lbs, .len = l->bs, .addr = l->base + off,
				    .lba = off / l->lbs };

		pt_prep(sqe, &c);
	} else {
		io_uring_prep_read_fixed(sqe, l->fd, (void *)(uintptr_t)(l->base + off),
					 l->bs, off, l->slot);
	}
	sqe->user_data = off;
}

/* Reap what completed: reissue -EAGAIN (within the bound), count the rest. */
static unsigned load_reap(struct load *l)
{
	struct io_uring_cqe *cqe;
	unsigned done = 0;

	while (io_uring_peek_cqe(l->ring, &cqe) == 0) {
		uint64_t off = cqe->user_data;
		int res = cqe->res;

		io_uring_cqe_seen(l->ring, cqe);
		if (res == -EAGAIN && (!l->max_eagain || l->eagain < l->max_eagain)) {
			l->eagain++;
			load_prep(l, off);
			continue;
		}
		if (res != (l->passthru ? 0 : (int)l->bs) && !l->err)
			l->err = res < 0 ? res : -EIO;
		l->ios++;
		done++;
	}
	return done;
}

void load_reads(struct load *l, uint64_t total)
{
	uint64_t blocks = l->size / l->bs, issued = 0;
	unsigned inflight = 0;
	int ret;

	while (issued < total || inflight) {
		for (; issued < total && inflight < l->qd; issued++, inflight++)
			load_prep(l, issued * 7919 % blocks * l->bs);
		ret = io_uring_submit_and_wait(l->ring, 1);
		if (ret == -EINTR)
			continue;
		if (ret < 0) {
			l->err = ret;
			return;
		}
		inflight -= load_reap(l);
	}
}

/* /sys/class/nvme/nvmeX of the namespace @dev, into @out. */
void ctrl_dir(const char *dev, char *out, size_t len)
{
	char real[PATH_MAX], link[PATH_MAX + 32], ctrl[PATH_MAX];

	if (!realpath(dev, real))
		die("realpath %s", dev);
	snprintf(link, sizeof(link), "/sys/class/block/%s/device", basename(real));
	if (!realpath(link, ctrl))
		die("realpath %s", link);
	snprintf(out, len, "/sys/class/nvme/%s", basename(ctrl));
}


void *poke_thread(void *arg)
{
	struct sysfs_poke *k = arg;

	usleep(k->delay_us);
	/* and, watching a count, until it moved: the reads have begun (up to 30 s) */
	for (int i = 0; k->watch && !*k->watch && i < 3000; i++)
		usleep(10000);
	if (k->watch)
		k->seen_before = *k->watch;
	write_file(k->dir, k->file, "1", 0);
	if (k->watch)
		k->seen_after = *k->watch;
	k->done = true;
	return NULL;
}

void pio(bool write, int fd, void *buf, size_t len, off_t pos)
{
	ssize_t n = write ? pwrite(fd, buf, len, pos) : pread(fd, buf, len, pos);

	if (n != (ssize_t)len)
		die("%s of %zu bytes at %lld", write ? "pwrite" : "pread", len, (long long)pos);
}

/* How many @blk-byte blocks of @a and @b (@len bytes) differ. */
size_t blocks_differ(const uint8_t *a, const uint8_t *b, size_t len, size_t blk)
{
	size_t n = 0;

	for (size_t off = 0; off < len; off += blk)
		n += memcmp(a + off, b + off, blk) != 0;
	return n;
}

/* DMABUF_MOVER_IOC_MOVE on @fd: 0 or -errno; *@wait_ns: time waiting on fences. */
int mover_move(int fd, uint32_t flags, uint32_t timeout_ms, uint64_t *wait_ns)
{
	struct mover_move m = { .fd = fd, .flags = flags, .timeout_ms = timeout_ms };
	int ret = dev_ioctl("/dev/dmabuf_mover", O_RDWR, MOVER_IOC_MOVE, &m);

	if (wait_ns)
		*wait_ns = m.wait_ns;
	return ret;
}

/* Set @dev's queue/@attr to @val; returns the old value. */
long queue_attr_set(const char *dev, const char *attr, long val)
{
	char real[PATH_MAX], dir[PATH_MAX + 32], path[PATH_MAX + 64], buf[32];
	long old = -1;
	FILE *f;

	if (!realpath(dev, real))
		die("realpath %s", dev);
	snprintf(dir, sizeof(dir), "/sys/class/block/%s/queue", basename(real));
	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%ld", &old) != 1)
		die("read %s", path);
	fclose(f);
	snprintf(buf, sizeof(buf), "%ld", val);
	write_file(dir, attr, buf, 0);
	return old;
}

/*
 * Set @dev's queue/nr_requests to @n (4 is the least the block layer
 * takes); returns the old value.  With fewer tags than requests in flight,
 * bios wait in the block layer, each holding the mapping it was issued
 * with, and reach the device later.
 */
long set_nr_requests(const char *dev, long n)
{
	return queue_attr_set(dev, "nr_requests", n);
}

struct mover_stat mover_stat(int fd)
{
	struct mover_stat st = { .fd = fd };

	if (dev_ioctl("/dev/dmabuf_mover", O_RDWR, MOVER_IOC_STAT, &st))
		die("DMABUF_MOVER_IOC_STAT");
	return st;
}

static volatile bool mover_stop;

static void *mover_thread(void *arg)
{
	struct mover_arg *m = arg;

	while (!mover_stop) {
		int ret = mover_move(m->fd, m->flags, 0, NULL);

		if (ret) {
			m->failed++;
			m->err = ret;
		} else {
			m->moves++;
		}
		usleep(2000);
	}
	return NULL;
}

void mover_start(pthread_t *th, struct mover_arg *m, int fd, uint32_t flags)
{
	*m = (struct mover_arg){ .fd = fd, .flags = flags };
	mover_stop = false;
	pthread_create(th, NULL, mover_thread, m);
}

void mover_end(pthread_t th)
{
	mover_stop = true;
	pthread_join(th, NULL);
}

/* /sys/class/block/<node of @dev>/@attr as a number. */
uint64_t block_attr(const char *dev, const char *attr)
{
	char real[PATH_MAX], path[PATH_MAX + 64];
	unsigned long long v;
	FILE *f;

	if (!realpath(dev, real))
		die("realpath %s", dev);
	snprintf(path, sizeof(path), "/sys/class/block/%s/%s", basename(real), attr);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%llu", &v) != 1)
		die("read %s", path);
	fclose(f);
	return v;
}

/*
 * Run "dmsetup ARGS", @table (lines of "START LEN TARGET ARGS") on its
 * standard input when given; dies if it fails.  No udev runs in the VM:
 * --noudevsync, and the devices are used through devtmpfs's /dev/dm-N.
 */
void dmsetup(const char *table, const char *fmt, ...)
{
	char args[512], cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "printf '%s' | dmsetup --noudevsync %s", table ? table : "",
		 args);
	if (system(cmd))
		die("%s", cmd);
}

/* Create the mapped device @name with @table; its node into @node. */
void dm_create(const char *name, const char *table, char *node, size_t len)
{
	char cmd[256], dm[64] = "";
	FILE *f;

	if (system("command -v dmsetup >/dev/null")) {
		printf("1..0 # SKIP no dmsetup on this root (apt install dmsetup)\n");
		exit(77);
	}
	snprintf(cmd, sizeof(cmd), "dmsetup remove --noudevsync %s 2>/dev/null", name);
	if (system(cmd)) {
		/* nothing was left from an earlier run */
	}
	dmsetup(table, "create %s", name);
	snprintf(cmd, sizeof(cmd), "dmsetup info -c --noheadings -o blkdevname %s", name);
	f = popen(cmd, "r");
	if (!f || !fgets(dm, sizeof(dm), f))
		die("%s", cmd);
	pclose(f);
	dm[strcspn(dm, " \n")] = '\0';
	snprintf(node, len, "/dev/%s", dm);
}

/* Swap in @table: suspend, load, resume, as "dmsetup reload" users do. */
void dm_reload(const char *name, const char *table)
{
	dmsetup(NULL, "suspend %s", name);
	dmsetup(table, "reload %s", name);
	dmsetup(NULL, "resume %s", name);
}

void dm_remove(const char *name)
{
	dmsetup(NULL, "remove %s", name);
}

/* Does /sys/kernel/debug/dma_buf/bufinfo list an attachment of device @name? */
bool dmabuf_attached(const char *name)
{
	char line[256];
	bool found = false;
	FILE *f = fopen("/sys/kernel/debug/dma_buf/bufinfo", "r");

	if (!f)
		die("open /sys/kernel/debug/dma_buf/bufinfo");
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		found |= !strcmp(line + strspn(line, "\t "), name);
	}
	fclose(f);
	return found;
}
/* ---- the case runner ---- */

int ktest_main(int argc, char **argv, const struct tcase *cases, size_t n,
	       const char *usage_opts)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s %sCASE... | list | all\n", argv[0], usage_opts);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		bool found = false;

		for (size_t c = 0; c < n; c++) {
			if (!strcmp(argv[i], "list")) {
				puts(cases[c].name);
				found = true;
			} else if ((!strcmp(argv[i], "all") && !cases[c].not_in_all) ||
				   !strcmp(argv[i], cases[c].name)) {
				printf("# %s\n", cases[c].name);
				cases[c].fn();
				found = true;
			}
		}
		if (!found) {
			fprintf(stderr, "%s: unknown case '%s'\n", argv[0], argv[i]);
			return 2;
		}
	}
	if (ktest_checks)
		printf("1..%d\n", ktest_checks);
	return ktest_failures ? 1 : 0;
}
