/* SPDX-License-Identifier: MIT */
/*
 * ktest: what the raw-uAPI tests of tests/kernel share (token-uapi for
 * block and char devices, file-tokens for files on ext4 and XFS): the
 * token uAPI spelled out, TAP-like checks, dma-buf sources, registration
 * through the raw io_uring_register(2) call, ring setup, fixed-buffer I/O,
 * the debugfs trigger and counters, the moving test exporter, sysfs and
 * dmsetup helpers, and the case runner.  Nothing of lib/.
 *
 * Output conventions: "ok N - ..." / "not ok N - ..." per check, "# ..."
 * for diagnostics, "Bail out! ..." (exit 1) when a test cannot go on,
 * "1..0 # SKIP ..." (exit 77) when it cannot run here; the plan "1..N"
 * last.  The exit status is 0 only when every check passed.
 */
#ifndef KTEST_H
#define KTEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <liburing.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/types.h>

/* ---- the uAPI under test (doc/token-uapi.md), spelled out here ---- */

#define RSRC_UPDATE_EXTENDED (1U << 1)
enum { REGBUF_EMPTY = 0, REGBUF_UADDR = 1, REGBUF_DMABUF = 2 };

struct regbuf_desc {
	uint32_t type;
	uint32_t flags;
	uint64_t size;
	uint64_t uaddr;
	int32_t dmabuf_fd;
	int32_t target_fd;
	uint64_t resv[6];
};
_Static_assert(sizeof(struct regbuf_desc) == 80, "io_uring_regbuf_desc is 80 bytes");

struct rsrc_update2 {
	uint32_t offset;
	uint32_t flags;
	uint64_t data;
	uint64_t tags;
	uint32_t nr;
	uint32_t resv2;
};
_Static_assert(sizeof(struct rsrc_update2) == 32, "io_uring_rsrc_update2 is 32 bytes");

#define DEBUGFS "/sys/kernel/debug/dmabuf_token"
#define MiB (1024 * 1024)

/* The test exporter whose buffers move (CONFIG_DMABUF_MOVER, /dev/dmabuf_mover). */
struct mover_alloc { uint64_t size; uint32_t fd_flags; int32_t fd; uint32_t flags, pad; };
#define MOVER_ALLOC_SMALL_PIECES	(1U << 0)	/* 512-byte sg entries */
#define MOVER_ALLOC_NO_CPU_MAP		(1U << 1)	/* no mmap, no kernel mapping */
struct mover_move { int32_t fd; uint32_t flags, timeout_ms, pad; uint64_t wait_ns; };
struct mover_stat { int32_t fd; uint32_t pins; uint64_t moves, retired_pages, late_pages; };
#define MOVER_MOVE_NO_WAIT (1U << 0)
#define MOVER_IOC_ALLOC _IOWR('b', 0x40, struct mover_alloc)
#define MOVER_IOC_MOVE  _IOWR('b', 0x41, struct mover_move)
#define MOVER_IOC_STAT  _IOWR('b', 0x42, struct mover_stat)

/* ---- reporting ---- */

__attribute__((format(printf, 2, 3)))
bool check(bool ok, const char *fmt, ...);
/* check that @got (0 or -errno) is @want, naming the operation (printf format) */
__attribute__((format(printf, 3, 4)))
bool check_ret(int got, int want, const char *fmt, ...);
__attribute__((format(printf, 1, 2), noreturn))
void die(const char *fmt, ...);
/* "1..0 # SKIP <why>" and exit 77: the case cannot run here */
__attribute__((format(printf, 1, 2), noreturn))
void skip_all(const char *fmt, ...);
uint64_t now_ns(void);

/* ---- memory sources ---- */

struct dbuf {
	const char *kind;
	int fd;		/* the dma-buf */
	int memfd;	/* udmabuf: its memfd, the CPU's view */
	uint8_t *cpu;	/* CPU mapping (memfd or the dma-buf itself); NULL for mover-nomap */
	size_t size;
};

/* One ioctl @req on the device node @path: 0 or -errno. */
int dev_ioctl(const char *path, int oflags, unsigned long req, void *arg);
/* The vgem card, or -ENODEV. */
int vgem_open(void);
/*
 * A dma-buf of @kind (udmabuf, heap, vgem, mover, mover-small: each page as
 * 8 sg entries, mover-nomap: no CPU mapping at all) of @size bytes, with a
 * CPU mapping except for mover-nomap: 0 or -errno.
 */
int dbuf_new(struct dbuf *b, const char *kind, size_t size);
void dbuf_free(struct dbuf *b);

/* ---- registration through the raw syscall ---- */

int reg_update(struct io_uring *ring, unsigned slot, uint32_t flags, void *data, unsigned nr);
int reg_desc(struct io_uring *ring, unsigned slot, const struct regbuf_desc *d);
int reg_dmabuf(struct io_uring *ring, unsigned slot, int dmabuf_fd, int target_fd);
int reg_empty(struct io_uring *ring, unsigned slot);
/* A ring of @entries with a sparse table of @slots fixed buffers. */
void ring_new(struct io_uring *ring, unsigned entries, unsigned slots);

/* ---- targets ---- */

/* The environment variable @var (a device of the VM); skips (77) when unset. */
const char *env_dev(const char *var);
/* @path opened O_RDWR | O_DIRECT; dies if it cannot be. */
int open_dev(const char *path);

/* ---- I/O ---- */

/* Submit what is prepared, wait for one completion: its res. */
int submit_one(struct io_uring *ring);

/* What a fixed-buffer request may add (rw_fixed_opts()). */
struct rw_opts {
	int rw_flags;		/* RWF_* (sqe->rw_flags), e.g. RWF_DSYNC */
	uint8_t sqe_flags;	/* IOSQE_*, e.g. IOSQE_ASYNC */
	unsigned max_reissue;	/* -EAGAIN answers reissued at most; 0: no bound */
	unsigned reissued;	/* (out) how many were */
};
/*
 * READ_FIXED (WRITE_FIXED with @write) of @len bytes at @pos of @fd, from
 * byte @addr of fixed buffer @slot (a dma-buf offset for a token); an
 * -EAGAIN answer is reissued (doc/token-uapi.md).  Returns cqe->res.
 */
int rw_fixed(struct io_uring *ring, bool write, int fd, unsigned slot, uint64_t addr,
	     unsigned len, uint64_t pos);
int rw_fixed_opts(struct io_uring *ring, bool write, int fd, unsigned slot, uint64_t addr,
		  unsigned len, uint64_t pos, struct rw_opts *o);
/*
 * NVMe passthrough: an NVMe Read or Write (@write) of @len bytes at @lba of
 * namespace @nsid (LBAs of @lbs bytes) through the generic char device
 * @ngfd, as IORING_OP_URING_CMD with NVME_URING_CMD_IO on a ring with
 * 128-byte SQEs.  With @slot >= 0 the data is at byte @addr of that fixed
 * buffer (IORING_URING_CMD_FIXED); else @addr is a user address.  @meta is
 * an optional separate metadata buffer of @meta_len bytes (user memory).
 */
struct pt_cmd {
	int ngfd, slot;
	bool write;
	uint32_t nsid, lbs, len, meta_len;
	uint64_t addr, lba;
	void *meta;
};
void pt_prep(struct io_uring_sqe *sqe, const struct pt_cmd *c);

/*
 * A read load: @bs-byte reads of a @size-byte range at queue depth @qd,
 * each at byte off of @fd into byte @base + off of fixed buffer @slot
 * (@base is 0 for a token: its addresses are dma-buf offsets).  Request i
 * reads block (i * 7919) mod (size / bs): with a block count coprime with
 * 7919, every block, no two neighbours in a row, so the block layer cannot
 * merge them.  With @passthru, NVMe Reads on the char device @fd (namespace
 * @nsid, LBAs of @lbs bytes) instead of READ_FIXED.
 */
struct load {
	struct io_uring *ring;
	int fd;
	unsigned slot, qd, bs;
	uint64_t base;		/* buffer address of offset 0: 0 for a token */
	size_t size;
	uint64_t max_eagain;	/* -EAGAIN answers reissued, in all; 0: no bound */
	bool passthru;
	uint32_t nsid, lbs;
	uint64_t ios, eagain;	/* (out) requests completed, -EAGAIN reissued */
	int err;		/* (out) the first error; -EIO for a short count */
};
/* @total requests of the load @l, waiting for every one. */
void load_reads(struct load *l, uint64_t total);
/* /sys/class/nvme/nvmeX of the namespace @dev, into @out (@len bytes). */
void ctrl_dir(const char *dev, char *out, size_t len);
/*
 * A write of "1" to @dir/@file (a controller's "reset_controller", a PCI
 * device's "remove") from a thread, @delay_us after it starts: poke_thread()
 * is its start routine; @done is set once the write returned.
 */
struct sysfs_poke {
	char dir[PATH_MAX];
	const char *file;
	unsigned delay_us;
	/* optional: a count to read as the write starts and once it returned */
	const volatile uint64_t *watch;
	uint64_t seen_before, seen_after;
	volatile bool done;
};
void *poke_thread(void *arg);

/* pwrite/pread of exactly @len bytes, or die. */
void pio(bool write, int fd, void *buf, size_t len, off_t pos);
/* @len pseudo-random bytes of @seed. */
void fill(uint8_t *p, size_t len, uint64_t seed);
/* @len bytes aligned to 4 KiB, or die. */
void *aligned(size_t len);
/* How many @blk-byte blocks of @a and @b (@len bytes) differ. */
size_t blocks_differ(const uint8_t *a, const uint8_t *b, size_t len, size_t blk);

/* ---- debugfs trigger and counters ---- */

/* @key's value in DEBUGFS/stats (tokens, maps, invalidations, fences), -1 if none. */
long stat_value(const char *key);
/* Write @val to @dir/@file (debugfs, tracefs, sysfs), opened with @flags added. */
void write_file(const char *dir, const char *file, const char *val, int flags);
void debugfs_write(const char *file, const char *val);
void trigger_invalidate(void);
/* Wait up to 30 s for @want live tokens; returns the last count seen. */
long wait_tokens(long want);
/* Until trigger_stop: trigger_invalidate() every 2 ms, counting in *(unsigned long *)arg. */
extern volatile bool trigger_stop;
void *trigger_thread(void *arg);
/* Does /sys/kernel/debug/dma_buf/bufinfo list an attachment of device @name? */
bool dmabuf_attached(const char *name);

/* ---- the moving test exporter ---- */

/* DMABUF_MOVER_IOC_MOVE on @fd: 0 or -errno; *@wait_ns: time waiting on fences. */
int mover_move(int fd, uint32_t flags, uint32_t timeout_ms, uint64_t *wait_ns);
struct mover_stat mover_stat(int fd);
struct mover_arg {
	int fd;
	uint32_t flags;
	unsigned long moves, failed;
	int err;
};
/* A thread that moves @fd every 2 ms until mover_end(). */
void mover_start(pthread_t *th, struct mover_arg *m, int fd, uint32_t flags);
void mover_end(pthread_t th);

/* ---- sysfs, the kernel command line ---- */

/* The kernel command line has a word starting with @prefix and containing @part. */
bool cmdline_has(const char *prefix, const char *part);
/* /sys/class/block/<node of @dev>/@attr as a number. */
uint64_t block_attr(const char *dev, const char *attr);
/* Set @dev's queue/@attr to @val; returns the old value. */
long queue_attr_set(const char *dev, const char *attr, long val);
/* Set @dev's queue/nr_requests to @n (4 the least); returns the old value. */
long set_nr_requests(const char *dev, long n);

/* ---- device-mapper tables (dmsetup) ---- */

__attribute__((format(printf, 2, 3)))
void dmsetup(const char *table, const char *fmt, ...);
/* Create the mapped device @name with @table; its node into @node (skips without dmsetup). */
void dm_create(const char *name, const char *table, char *node, size_t len);
/* Swap in @table: suspend, load, resume. */
void dm_reload(const char *name, const char *table);
void dm_remove(const char *name);

/* ---- the case runner ---- */

struct tcase {
	const char *name;
	void (*fn)(void);
	bool not_in_all;	/* needs a guest or set-up of its own: by name only */
};

/*
 * main() of a test program: runs the cases named in @argv (or "all" of
 * them but those marked not_in_all; "list" names them), then prints the
 * plan.  Returns the exit status: 0 when every check passed, 1 if one
 * failed, 2 for usage errors.  @usage_opts: the program's options before
 * the case names, for the usage line ("" for none).
 */
int ktest_main(int argc, char **argv, const struct tcase *cases, size_t n,
	       const char *usage_opts);

#endif
