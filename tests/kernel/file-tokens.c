// SPDX-License-Identifier: MIT
/*
 * file-tokens: dma-buf tokens for files on ext4 and XFS (doc/file-tokens.md,
 * kernel patches 0027-0031), tested with raw io_uring_register(2) calls
 * and nothing of lib/.
 *
 *   file-tokens [-n ITERATIONS] CASE [CASE...]   "file-tokens list" names them
 *
 * -n: the operations each file-race-* case races against token I/O
 * (default 1000).  Targets come from the VM harness (tests/vm/run):
 * DMABUF_VM_NS512 (512 B LBAs) and DMABUF_VM_NS4K (4 KiB LBAs), each at
 * least 512 MiB (tests/vm/run --ns-size 1G: mkfs.xfs refuses file systems
 * under 300 MB).  The cases make file systems on them (mkfs through
 * system(), mount(2) under /run/file-tokens), so whatever the namespaces
 * held is gone.  Output is TAP-like, as token-uapi's (ktest.h): the exit
 * status is 0 only when every check passed, 77 when the case cannot run
 * here (no VM, namespaces too small, no mkfs.xfs).
 *
 * Every byte a token request moves is compared with what an O_DIRECT read
 * through the pages path (pread into user memory) finds in the same file
 * range, or with the namespace itself where placement is the point.  Each
 * case says which bug it catches.  What the kernel is expected to answer
 * is the errno table of doc/file-tokens.md (2.4, as implemented).
 */
#include "ktest.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/falloc.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/fsverity.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <drm.h>
#include <drm_mode.h>
#include <linux/dma-buf.h>

/* vgem's fences (uapi drm/vgem_drm.h, not among libdrm's headers) */
struct ft_vgem_fence_attach { uint32_t handle, flags, out_fence, pad; };
struct ft_vgem_fence_signal { uint32_t fence, flags; };
#define FT_VGEM_FENCE_WRITE	0x1
#define FT_IOCTL_VGEM_FENCE_ATTACH \
	DRM_IOWR(DRM_COMMAND_BASE + 0x1, struct ft_vgem_fence_attach)
#define FT_IOCTL_VGEM_FENCE_SIGNAL \
	DRM_IOW(DRM_COMMAND_BASE + 0x2, struct ft_vgem_fence_signal)

/* EXT4_IOC_SHUTDOWN and XFS_IOC_GOINGDOWN: one number (uapi linux/ext4.h, xfs_fs.h) */
#define FT_IOC_GOINGDOWN	_IOR('X', 125, uint32_t)
#define FT_GOING_NOLOGFLUSH	0x2

#define FT_ROOT		"/run/file-tokens"
#define FT_BLK		4096u		/* the file systems' block size, and a stamp's */
#define CANARY		0xa5
#define EAGAIN_BOUND	10000		/* -EAGAIN reissues of one request: a hang past it */

/* mkfs commands: no discard, so what earlier cases left on the namespace stays there */
#define MKFS_EXT4	"mkfs.ext4 -F -q -E nodiscard,lazy_itable_init=1,lazy_journal_init=1"
#define MKFS_XFS	"mkfs.xfs -f -q -K"

static unsigned iterations = 1000;	/* -n */

/* ---- shell, tools ---- */

/* Run the shell command of @fmt; its exit status. */
__attribute__((format(printf, 1, 2)))
static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(stdout);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* The case cannot run without @tool (from Debian's @pkg). */
static void need(const char *tool, const char *pkg)
{
	if (sh("command -v %s >/dev/null", tool))
		skip_all("no %s on this root (apt install %s)", tool, pkg);
}

/*
 * Does the kernel have file tokens (kernel patches 0027-0031)?  Asked of
 * /proc/kallsyms (CONFIG_KALLSYMS, in the fragment), not of a registration:
 * a file system's -EOPNOTSUPP is what a broken hook would answer too.
 * Until the patches are in kernel-patches/series the cases skip.
 */
static void need_file_tokens(void)
{
	static const char sym[] = " blk_dmabuf_file_token_create";
	char line[256];
	bool found = false;
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		die("open /proc/kallsyms");
	while (!found && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, sym);

		found = p && (p[sizeof(sym) - 1] == '\n' || p[sizeof(sym) - 1] == '\t');
	}
	fclose(f);
	if (!found)
		skip_all("this kernel has no file tokens (no blk_dmabuf_file_token_create: "
			 "kernel patches 0027-0031 not in kernel-patches/series)");
}

/* The namespace @var, at least 512 MiB, of a kernel with file tokens, else the case cannot run. */
static const char *ns_dev(const char *var)
{
	const char *dev = env_dev(var);
	uint64_t bytes = block_attr(dev, "size") * 512;

	need_file_tokens();

	if (bytes < 512ull * MiB)
		skip_all("%s is %" PRIu64 " MiB: the file cases want 512 MiB or more "
			 "(tests/vm/run --ns-size 1G)", dev, bytes / MiB);
	return dev;
}

/* The node name of @dev (nvme0n1, dm-0, loop0). */
static void dev_name(const char *dev, char *out, size_t len)
{
	char real[PATH_MAX];

	if (!realpath(dev, real))
		die("realpath %s", dev);
	snprintf(out, len, "%s", basename(real));
}

/* The PCI device (its name, as dma_buf/bufinfo lists attachments) of namespace @dev. */
static void pci_of(const char *dev, char *out, size_t len)
{
	char name[64], link[PATH_MAX], real[PATH_MAX];

	dev_name(dev, name, sizeof(name));
	snprintf(link, sizeof(link), "/sys/class/block/%s/device/device", name);
	if (!realpath(link, real))
		die("realpath %s", link);
	snprintf(out, len, "%s", basename(real));
}

/* ---- file systems ---- */

struct fs {
	const char *type;	/* for mount(2): ext4, xfs */
	char dev[PATH_MAX];
	char mnt[PATH_MAX];
	unsigned lbs;		/* the device's logical block size */
	unsigned bsize;		/* the file system's block size */
	char what[128];		/* "ext4 on nvme0n1 (512 B LBAs)", for messages */
};

/* umount(2) @mnt, waiting up to 30 s for files the kernel still holds (a ring's teardown). */
static void umount_wait(const char *mnt)
{
	for (int i = 0; i < 3000; i++) {
		if (!umount2(mnt, 0) || errno == EINVAL || errno == ENOENT)
			return;
		if (errno != EBUSY)
			break;
		usleep(10000);
	}
	die("umount %s", mnt);
}

/* Unmount whatever is mounted under FT_ROOT (an earlier case that bailed out). */
static void umount_all(void)
{
	char mnts[16][PATH_MAX], line[2 * PATH_MAX];
	unsigned n = 0;
	FILE *f = fopen("/proc/self/mounts", "r");

	if (!f)
		die("open /proc/self/mounts");
	while (n < 16 && fgets(line, sizeof(line), f)) {
		char src[PATH_MAX], mnt[PATH_MAX];

		if (sscanf(line, "%4095s %4095s", src, mnt) == 2 &&
		    !strncmp(mnt, FT_ROOT "/", strlen(FT_ROOT "/")))
			snprintf(mnts[n++], PATH_MAX, "%s", mnt);
	}
	fclose(f);
	while (n--)
		umount_wait(mnts[n]);
}

/*
 * A file system made by "@mkfs @dev" (a command line from MKFS_* plus
 * options), mounted as @type with @opts (NULL: none) at FT_ROOT/@name.
 */
static void fs_make(struct fs *f, const char *type, const char *dev, const char *name,
		    const char *mkfs, const char *opts)
{
	struct statvfs sv;
	char node[64];

	memset(f, 0, sizeof(*f));
	f->type = type;
	snprintf(f->dev, sizeof(f->dev), "%s", dev);
	snprintf(f->mnt, sizeof(f->mnt), FT_ROOT "/%s", name);
	if (mkdir(FT_ROOT, 0755) && errno != EEXIST)
		die("mkdir " FT_ROOT);
	if (mkdir(f->mnt, 0755) && errno != EEXIST)
		die("mkdir %s", f->mnt);
	if (sh("%s %s >/dev/null", mkfs, dev))
		die("%s %s failed", mkfs, dev);
	if (mount(dev, f->mnt, type, 0, opts))
		die("mount -t %s -o %s %s %s", type, opts ? opts : "", dev, f->mnt);
	if (statvfs(f->mnt, &sv))
		die("statvfs %s", f->mnt);
	f->bsize = sv.f_bsize;
	f->lbs = block_attr(dev, "queue/logical_block_size");
	dev_name(dev, node, sizeof(node));
	snprintf(f->what, sizeof(f->what), "%s on %s (%u B LBAs, %u B blocks)", type, node,
		 f->lbs, f->bsize);
	printf("# %s: %s %s, mounted at %s%s%s\n", f->what, mkfs, dev, f->mnt,
	       opts ? " with " : "", opts ? opts : "");
}

static void fs_done(struct fs *f)
{
	umount_wait(f->mnt);
}

/* ext4 and XFS, made on @dev at FT_ROOT/@name with 4 KiB blocks. */
static void fs_ext4(struct fs *f, const char *dev, const char *name, const char *opts)
{
	fs_make(f, "ext4", dev, name, MKFS_EXT4 " -b 4096", opts ? opts : "noinit_itable");
}

static void fs_xfs(struct fs *f, const char *dev, const char *name)
{
	fs_make(f, "xfs", dev, name, MKFS_XFS, NULL);
}

/*
 * The two file systems most cases run on, made afresh: @a ext4 and @b XFS,
 * ext4 on the 4 KiB namespace and XFS on the 512 B one when @ext4_4k, else
 * the other way round (fs_done() each).
 */
static void two_fs(struct fs *a, struct fs *b, bool ext4_4k)
{
	const char *ns512 = ns_dev("DMABUF_VM_NS512"), *ns4k = ns_dev("DMABUF_VM_NS4K");

	need("mkfs.xfs", "xfsprogs");
	umount_all();
	fs_ext4(a, ext4_4k ? ns4k : ns512, ext4_4k ? "ns4k" : "ns512", NULL);
	fs_xfs(b, ext4_4k ? ns512 : ns4k, ext4_4k ? "ns512" : "ns4k");
}

/*
 * A case on both filesystems: @fn with buffer @kind on ext4 and on XFS,
 * on the namespaces two_fs() gives them for @ext4_4k.
 */
static void on_two_fs(void (*fn)(const char *kind, struct fs *f), const char *kind,
		      bool ext4_4k)
{
	struct fs a, b;

	two_fs(&a, &b, ext4_4k);
	fn(kind, &a);
	fn(kind, &b);
	fs_done(&a);
	fs_done(&b);
}

/* Open @name on @f with @flags (O_CREAT and O_CLOEXEC added). */
static int ft_open(const struct fs *f, const char *name, int flags)
{
	char path[PATH_MAX + 64];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", f->mnt, name);
	fd = open(path, flags | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		die("open %s", path);
	return fd;
}

static uint64_t file_size(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		die("fstat");
	return st.st_size;
}

/*
 * ext4 spreads each file's blocks over preallocations of its own; files
 * under mb_stream_req blocks share the CPU's group preallocation instead,
 * so interleaved appends to two files interleave on the disk.
 */
static void ext4_share_preallocation(const struct fs *f)
{
	char name[64], dir[128];

	if (strcmp(f->type, "ext4"))
		return;
	dev_name(f->dev, name, sizeof(name));
	snprintf(dir, sizeof(dir), "/sys/fs/ext4/%s", name);
	if (!access(dir, W_OK))
		write_file(dir, "mb_stream_req", "1000000", 0);
}

/* A pages-path read of @len bytes at @pos: the bytes read (short at EOF), or die. */
static size_t pread_pages(int fd, void *buf, size_t len, uint64_t pos)
{
	ssize_t n = pread(fd, buf, len, pos);

	if (n < 0)
		die("pread %zu bytes at %" PRIu64, len, pos);
	return n;
}

/* ---- FIEMAP ---- */

struct extent {
	uint64_t logical, physical, length;
	uint32_t flags;
};

/* Up to @max extents of @fd (synced first) that meet [@start, @start + @len). */
static unsigned fiemap(int fd, uint64_t start, uint64_t len, struct extent *out, unsigned max)
{
	size_t sz = sizeof(struct fiemap) + max * sizeof(struct fiemap_extent);
	struct fiemap *fm = calloc(1, sz);
	unsigned n;

	if (!fm)
		die("calloc");
	fm->fm_start = start;
	fm->fm_length = len;
	fm->fm_flags = FIEMAP_FLAG_SYNC;
	fm->fm_extent_count = max;
	if (ioctl(fd, FS_IOC_FIEMAP, fm))
		die("FS_IOC_FIEMAP");
	n = fm->fm_mapped_extents;
	for (unsigned i = 0; i < n; i++)
		out[i] = (struct extent){ fm->fm_extents[i].fe_logical,
					  fm->fm_extents[i].fe_physical,
					  fm->fm_extents[i].fe_length, fm->fm_extents[i].fe_flags };
	free(fm);
	return n;
}

/*
 * @len bytes of @fd at @pos read straight from its device (@raw, open
 * O_DIRECT), from wherever FIEMAP says each piece is; false if a piece is
 * in a hole.  *@first: where the first byte is.
 */
static bool read_placed(int fd, int raw, uint8_t *out, uint64_t pos, size_t len,
			int64_t *first)
{
	struct extent e[64];
	unsigned n = fiemap(fd, pos, len, e, 64);
	size_t done = 0;

	*first = -1;
	for (unsigned i = 0; i < n && done < len; i++) {
		uint64_t at = pos + done, take;

		if (at < e[i].logical || at >= e[i].logical + e[i].length)
			continue;
		take = e[i].logical + e[i].length - at;
		if (take > len - done)
			take = len - done;
		if (!done)
			*first = e[i].physical + (at - e[i].logical);
		if (pread_pages(raw, out + done, take, e[i].physical + (at - e[i].logical)) != take)
			return false;
		done += take;
	}
	return done == len;
}

/* ---- stamps: every 4 KiB block says whose it is, where, and which write ---- */

#define STAMP_MAGIC 0x706d617473746675ull
enum { FILE_A = 0xa, FILE_B = 0xb };

struct stamp {
	uint64_t magic;
	uint32_t file, gen;
	uint64_t off;
};

static void stamp(uint8_t *p, uint32_t file, uint64_t off, uint32_t gen)
{
	struct stamp s = { STAMP_MAGIC, file, gen, off };

	fill(p, FT_BLK, ((uint64_t)file << 56) ^ ((uint64_t)gen << 24) ^ (off >> 12));
	memcpy(p, &s, sizeof(s));
}

enum seen { SEEN_ZERO, SEEN_OWN, SEEN_OTHER_FILE, SEEN_WRONG_OFF, SEEN_TORN, SEEN_GARBAGE };

/* What block @p is, for file @file at @off: *@gen gets a stamp's generation. */
static enum seen stamp_seen(const uint8_t *p, uint32_t file, uint64_t off, uint32_t *gen)
{
	static const uint8_t zero[FT_BLK];
	uint8_t want[FT_BLK];
	struct stamp s;

	if (!memcmp(p, zero, FT_BLK))
		return SEEN_ZERO;
	memcpy(&s, p, sizeof(s));
	if (s.magic != STAMP_MAGIC)
		return SEEN_GARBAGE;	/* the canary, or bytes of no stamp */
	stamp(want, s.file, s.off, s.gen);
	if (memcmp(want, p, FT_BLK))
		return SEEN_TORN;
	*gen = s.gen;
	if (s.file != file)
		return SEEN_OTHER_FILE;
	return s.off == off ? SEEN_OWN : SEEN_WRONG_OFF;
}

/* ---- small I/O helpers ---- */

/* Bytes of the canary left in @p: runs of 16 or more (data has none). */
static size_t canary_left(const uint8_t *p, size_t len)
{
	size_t n = 0, run = 0;

	for (size_t i = 0; i < len; i++) {
		run = p[i] == CANARY ? run + 1 : 0;
		if (run == 16)
			n += 16;
		else if (run > 16)
			n++;
	}
	return n;
}

/* The first offset where @a and @b differ, or @len. */
static size_t first_diff(const uint8_t *a, const uint8_t *b, size_t len)
{
	size_t i = 0;

	while (i < len && a[i] == b[i])
		i++;
	return i;
}

static int rw_token(struct io_uring *ring, bool write, int fd, unsigned slot, uint64_t addr,
		    unsigned len, uint64_t pos, int rw_flags, uint8_t sqe_flags)
{
	struct rw_opts o = { .rw_flags = rw_flags, .sqe_flags = sqe_flags,
			     .max_reissue = EAGAIN_BOUND };

	return rw_fixed_opts(ring, write, fd, slot, addr, len, pos, &o);
}

/* The end of a case: rings gone (the caller's), every token released, file systems unmounted. */
static void tokens_gone(long before)
{
	long live = wait_tokens(before);	/* before the message: arguments have no order */

	check(live == before, "every token released (%ld live, %ld before)", live, before);
}

/* ======================================================================== */
/* cases */

/* A file of @len bytes of pattern @seed, written through the pages path; its fd (O_DIRECT). */
static int file_with_data(const struct fs *f, const char *name, size_t len, uint64_t seed)
{
	int fd = ft_open(f, name, O_RDWR | O_TRUNC | O_DIRECT);
	uint8_t *p = aligned(len);

	fill(p, len, seed);
	pio(true, fd, p, len, 0);
	free(p);
	return fd;
}

/* FS_IOC_SETFLAGS on @fd: set @set, clear @clear; 0 or -errno. */
static int set_flags(int fd, int set, int clear)
{
	int flags;

	if (ioctl(fd, FS_IOC_GETFLAGS, &flags))
		return -errno;
	flags = (flags | set) & ~clear;
	return ioctl(fd, FS_IOC_SETFLAGS, &flags) ? -errno : 0;
}

/* A token read of @len bytes at 0 into a fresh registration in @slot: its answer. */
static int reg_and_read(struct io_uring *ring, unsigned slot, int dmabuf_fd, int fd, int *reg)
{
	*reg = reg_dmabuf(ring, slot, dmabuf_fd, fd);
	return *reg ? *reg : rw_token(ring, false, fd, slot, 0, 4096, 0, 0, 0);
}

/* A 40-byte file, which ext4 -O inline_data keeps in the inode; its fd (O_DIRECT). */
static int inline_file(const struct fs *f)
{
	int in = ft_open(f, "inline", O_RDWR | O_TRUNC);

	if (pwrite(in, "forty bytes of inline data, no blocks..", 40, 0) != 40 || fsync(in))
		die("write the inline file");
	close(in);
	return ft_open(f, "inline", O_RDWR | O_DIRECT);
}

/* A 64 KiB file with fs-verity enabled (SHA-256, 4 KiB blocks); its fd (O_DIRECT). */
static int verity_file(const struct fs *f)
{
	struct fsverity_enable_arg va = { .version = 1, .block_size = 4096,
					  .hash_algorithm = FS_VERITY_HASH_ALG_SHA256 };
	int v = file_with_data(f, "v", 64 * 1024, 10);

	close(v);	/* verity needs a file nobody has open for writing */
	v = ft_open(f, "v", O_RDONLY);
	if (ioctl(v, FS_IOC_ENABLE_VERITY, &va))
		die("FS_IOC_ENABLE_VERITY");
	close(v);
	return ft_open(f, "v", O_RDONLY | O_DIRECT);
}

/*
 * On an ext4 made with -O @feature on @ns: the file @special makes is
 * refused (-EOPNOTSUPP) and a plain file beside it registers, so the
 * refusal is the file's, not the file system's.
 */
static void refused_beside(int dmabuf_fd, const char *ns, const char *feature,
			   int (*special)(const struct fs *f), const char *what, long before)
{
	char mkfs[160];
	struct io_uring ring;
	struct fs f;
	int fd;

	snprintf(mkfs, sizeof(mkfs), MKFS_EXT4 " -b 4096 -O %s", feature);
	ring_new(&ring, 8, 8);
	fs_make(&f, "ext4", ns, "reg", mkfs, "noinit_itable");
	fd = special(&f);
	check_ret(reg_dmabuf(&ring, 0, dmabuf_fd, fd), -EOPNOTSUPP, "%s, -O %s: %s", f.what,
		  feature, what);
	close(fd);
	fd = file_with_data(&f, "x", 64 * 1024, 9);
	check_ret(reg_dmabuf(&ring, 1, dmabuf_fd, fd), 0, "a 64 KiB file beside it (blocks)");
	close(fd);
	io_uring_queue_exit(&ring);
	tokens_gone(before);
	fs_done(&f);
}

/*
 * Registration on ext4 (doc/file-tokens.md, 2.4): the errno of each
 * row the VM can build, and who shares which token.  Catches a hook that
 * takes a file the CPU would have to copy (a buffered fallback with a
 * dma-buf: -EFAULT or the endless buffered write loop of design 1.5), one
 * that refuses a file it can serve, and a file token shared with the
 * wrong owners (another file system, the namespace's own token).
 */
static void register_ext4(void)
{
	const char *ns4k = ns_dev("DMABUF_VM_NS4K"), *ns512 = ns_dev("DMABUF_VM_NS512");
	long before = stat_value("tokens");
	struct io_uring ring;
	struct dbuf b, b2;
	struct fs f;
	int x, y, xb, nsfd, tmp, ret, reg, flags;

	check(before >= 0, "%s exists (CONFIG_DMABUF_TOKEN_DEBUG)", DEBUGFS "/stats");
	if (dbuf_new(&b, "udmabuf", 1 * MiB) || dbuf_new(&b2, "udmabuf", 1 * MiB))
		die("udmabufs");
	ring_new(&ring, 8, 8);

	/* ext4, default mount options (ordered data, delalloc) */
	fs_ext4(&f, ns4k, "reg", NULL);
	x = file_with_data(&f, "x", 64 * 1024, 1);
	y = file_with_data(&f, "y", 64 * 1024, 2);
	check_ret(reg_dmabuf(&ring, 0, b.fd, x), 0, "%s: a file opened O_DIRECT", f.what);
	check(stat_value("tokens") == before + 2, "two tokens: the file's (stacked) and the "
	      "namespace's below it (%ld)", stat_value("tokens") - before);
	check_ret(reg_dmabuf(&ring, 1, b.fd, y), 0, "another file of the same file system");
	check(stat_value("tokens") == before + 2, "shares both: one file token per dma-buf and "
	      "file system device (%ld)", stat_value("tokens") - before);
	nsfd = open(ns4k, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (nsfd < 0)
		die("open %s", ns4k);
	check_ret(reg_dmabuf(&ring, 2, b.fd, nsfd), 0, "the namespace itself, mounted");
	check(stat_value("tokens") == before + 2, "shares the namespace token the file "
	      "token holds, and is not the file token (%ld)", stat_value("tokens") - before);
	check_ret(reg_dmabuf(&ring, 3, b2.fd, x), 0, "another dma-buf for the first file");
	check(stat_value("tokens") == before + 4, "its own file and namespace tokens (%ld)",
	      stat_value("tokens") - before);
	check_ret(rw_token(&ring, false, x, 0, 0, 4096, 0, 0, 0), 4096, "a read through the "
		  "first registration");
	check_ret(rw_token(&ring, false, y, 0, 0, 4096, 0, 0, 0), -EBADF, "the first file's "
		  "registration used on the second file");

	xb = ft_open(&f, "x", O_RDWR);
	check_ret(reg_dmabuf(&ring, 4, b.fd, xb), -EINVAL, "the file opened without O_DIRECT");
	close(xb);
	tmp = open(FT_ROOT "/tmpfs-file", O_RDWR | O_CREAT | O_DIRECT | O_CLOEXEC, 0644);
	if (tmp < 0)
		tmp = open(FT_ROOT "/tmpfs-file", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (tmp < 0)
		die("open a tmpfs file");
	check_ret(reg_dmabuf(&ring, 4, b.fd, tmp), -EOPNOTSUPP, "a tmpfs file (no hook)");
	close(tmp);
	unlink(FT_ROOT "/tmpfs-file");

	/* O_DIRECT cleared after registration: io_uring refuses the request */
	flags = fcntl(x, F_GETFL);
	if (flags < 0 || fcntl(x, F_SETFL, flags & ~O_DIRECT))
		die("F_SETFL");
	check_ret(rw_token(&ring, false, x, 0, 0, 4096, 0, 0, 0), -EINVAL,
		  "a read once the file's O_DIRECT is cleared (F_SETFL)");
	check_ret(rw_token(&ring, true, x, 0, 0, 4096, 0, 0, 0), -EINVAL, "and a write");
	if (fcntl(x, F_SETFL, flags))
		die("F_SETFL");
	check_ret(rw_token(&ring, false, x, 0, 0, 4096, 0, 0, 0), 4096, "O_DIRECT again: reads");

	/*
	 * chattr +j on a delalloc mount sets the flag, and ext4 goes on
	 * treating the file as ordered data (ext4_inode_journal_mode(): the
	 * flag counts only without delalloc), so direct I/O stays direct and
	 * a registration is right to succeed; the refusal needs nodelalloc,
	 * below.
	 */
	{
		int j = file_with_data(&f, "j-delalloc", 64 * 1024, 3);

		check_ret(set_flags(j, FS_JOURNAL_DATA_FL, 0), 0, "chattr +j on a delalloc mount");
		ret = reg_and_read(&ring, 5, b.fd, j, &reg);
		check_ret(ret, 4096, "registers and reads (registration %d): data journalling "
			  "is not in effect with delalloc", reg);
		check_ret(reg_empty(&ring, 5), 0, "(unregistered)");
		close(j);
	}

	/*
	 * An inode moved to indirect blocks after registration (chattr -e on
	 * a small file): direct I/O could not fill its holes; requests are
	 * refused under i_rwsem (doc/file-tokens.md, 2.4).
	 */
	{
		int m = file_with_data(&f, "migrate", 16 * 1024, 4);

		ret = reg_and_read(&ring, 5, b.fd, m, &reg);
		check_ret(ret, 4096, "a 16 KiB file (one extent) registers and reads "
			  "(registration %d)", reg);
		ret = set_flags(m, 0, FS_EXTENT_FL);
		check_ret(ret, 0, "chattr -e: the file moves to indirect blocks (ext4_ind_migrate)");
		if (!ret) {
			check_ret(rw_token(&ring, false, m, 5, 0, 4096, 0, 0, 0), -EINVAL,
				  "then a read through its registration");
			check_ret(rw_token(&ring, true, m, 5, 0, 4096, 0, 0, 0), -EINVAL,
				  "and a write (never the buffered path)");
		}
		check_ret(reg_empty(&ring, 5), 0, "(unregistered)");
		close(m);
	}

	/* the file system shut down: -EIO, before anything else */
	{
		uint32_t how = FT_GOING_NOLOGFLUSH;
		int s = file_with_data(&f, "shutdown", 4096, 5);

		for (unsigned i = 0; i < 4; i++)
			reg_empty(&ring, i);
		close(x);
		close(y);
		close(nsfd);
		check_ret(ioctl(s, FT_IOC_GOINGDOWN, &how) ? -errno : 0, 0,
			  "EXT4_IOC_SHUTDOWN (no log flush)");
		check_ret(reg_dmabuf(&ring, 5, b.fd, s), -EIO, "a file of a shut-down ext4");
		close(s);
	}
	io_uring_queue_exit(&ring);
	tokens_gone(before);
	fs_done(&f);

	/*
	 * Data journalling: by mount option, and by chattr +j where it counts
	 * (nodelalloc), before and after registration.  ext4 would send direct
	 * I/O through the page cache (ext4_dio_alignment() 0).
	 */
	ring_new(&ring, 8, 8);
	fs_ext4(&f, ns4k, "reg", "data=journal");
	x = file_with_data(&f, "x", 64 * 1024, 6);
	check_ret(reg_dmabuf(&ring, 0, b.fd, x), -EOPNOTSUPP, "%s, data=journal: a file",
		  f.what);
	close(x);
	io_uring_queue_exit(&ring);
	tokens_gone(before);
	fs_done(&f);

	ring_new(&ring, 8, 8);
	fs_ext4(&f, ns4k, "reg", "nodelalloc,noinit_itable");
	x = file_with_data(&f, "x", 64 * 1024, 7);
	y = file_with_data(&f, "y", 64 * 1024, 8);
	check_ret(set_flags(y, FS_JOURNAL_DATA_FL, 0), 0, "nodelalloc: chattr +j on a file");
	check_ret(reg_dmabuf(&ring, 1, b.fd, y), -EOPNOTSUPP, "%s, nodelalloc: that file",
		  f.what);
	check_ret(reg_dmabuf(&ring, 0, b.fd, x), 0, "another file, no +j");
	check_ret(set_flags(x, FS_JOURNAL_DATA_FL, 0), 0, "chattr +j on it after registration");
	/* the request must fail, not hang in the buffered write loop of design 1.5 */
	check_ret(rw_token(&ring, false, x, 0, 0, 4096, 0, 0, 0), -EINVAL, "then a read");
	check_ret(rw_token(&ring, true, x, 0, 0, 4096, 0, 0, 0), -EINVAL, "and a write");
	check_ret(set_flags(x, 0, FS_JOURNAL_DATA_FL), 0, "chattr -j");
	check_ret(rw_token(&ring, false, x, 0, 0, 4096, 0, 0, 0), 4096, "reads again");
	check_ret(rw_token(&ring, true, x, 0, 0, 4096, 4096, 0, 0), 4096, "writes again");
	close(x);
	close(y);
	io_uring_queue_exit(&ring);
	tokens_gone(before);
	fs_done(&f);

	/* inline data: a 40-byte file lives in the inode, a 64 KiB one does not */
	refused_beside(b.fd, ns512, "inline_data", inline_file, "a 40-byte file (inline)", before);
	/* fs-verity: the CPU checks every block read against the Merkle tree */
	refused_beside(b.fd, ns512, "verity", verity_file, "a file with fs-verity enabled",
		       before);

	/* ext3: indirect blocks, which direct I/O cannot fill holes of */
	ring_new(&ring, 8, 8);
	fs_make(&f, "ext4", ns512, "reg", "mkfs.ext3 -F -q -E nodiscard -b 4096", NULL);
	x = file_with_data(&f, "x", 64 * 1024, 10);
	check_ret(reg_dmabuf(&ring, 0, b.fd, x), -EOPNOTSUPP, "%s, made by mkfs.ext3 "
		  "(no extents): a file", f.what);
	close(x);
	io_uring_queue_exit(&ring);
	tokens_gone(before);
	fs_done(&f);

	/* a device without tokens below: a loop device */
	{
		char loop[64] = "", cmd[256];
		FILE *p;
		int img = open(FT_ROOT "/loop.img", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (img < 0 || ftruncate(img, 64 * MiB))
			die("loop image");
		close(img);
		snprintf(cmd, sizeof(cmd), "losetup --find --show %s", FT_ROOT "/loop.img");
		p = popen(cmd, "r");
		if (!p || !fgets(loop, sizeof(loop), p))
			die("%s", cmd);
		pclose(p);
		loop[strcspn(loop, "\n")] = '\0';
		ring_new(&ring, 8, 8);
		fs_ext4(&f, loop, "reg", NULL);
		x = file_with_data(&f, "x", 64 * 1024, 11);
		check_ret(reg_dmabuf(&ring, 0, b.fd, x), -EOPNOTSUPP, "%s: a file (the loop "
			  "device takes no tokens)", f.what);
		close(x);
		io_uring_queue_exit(&ring);
		tokens_gone(before);
		fs_done(&f);
		if (sh("losetup -d %s", loop))
			die("losetup -d %s", loop);
		unlink(FT_ROOT "/loop.img");
	}
	dbuf_free(&b);
	dbuf_free(&b2);
}

/*
 * Registration on XFS: O_DIRECT or -EINVAL, the tokens it makes, -EIO once
 * shut down.  Catches an XFS hook that refuses files it can serve or
 * takes files it cannot, and one that outlives the file system's shutdown.
 */
static void register_xfs(void)
{
	const char *ns512 = ns_dev("DMABUF_VM_NS512");
	long before = stat_value("tokens");
	uint32_t how = FT_GOING_NOLOGFLUSH;
	struct io_uring ring;
	struct dbuf b;
	struct fs f;
	int x, y, xb;

	if (dbuf_new(&b, "heap", 1 * MiB))
		die("heap dma-buf");
	ring_new(&ring, 8, 8);
	fs_xfs(&f, ns512, "reg");
	x = file_with_data(&f, "x", 64 * 1024, 21);
	y = file_with_data(&f, "y", 64 * 1024, 22);
	check_ret(reg_dmabuf(&ring, 0, b.fd, x), 0, "%s: a file opened O_DIRECT", f.what);
	check(stat_value("tokens") == before + 2, "two tokens: the file's and the data "
	      "device's (%ld)", stat_value("tokens") - before);
	check_ret(reg_dmabuf(&ring, 1, b.fd, y), 0, "another file");
	check(stat_value("tokens") == before + 2, "shares them (%ld)",
	      stat_value("tokens") - before);
	check_ret(rw_token(&ring, false, y, 1, 0, 65536, 0, 0, 0), 65536, "a 64 KiB read");
	xb = ft_open(&f, "x", O_RDWR);
	check_ret(reg_dmabuf(&ring, 2, b.fd, xb), -EINVAL, "the file opened without O_DIRECT");
	close(xb);
	check_ret(ioctl(y, FT_IOC_GOINGDOWN, &how) ? -errno : 0, 0,
		  "XFS_IOC_GOINGDOWN (no log flush)");
	check_ret(reg_dmabuf(&ring, 2, b.fd, x), -EIO, "a file of a shut-down XFS");
	check_ret(rw_token(&ring, false, y, 1, 0, 4096, 0, 0, 0), -EIO,
		  "a read through a registration made before the shutdown");
	close(x);
	close(y);
	io_uring_queue_exit(&ring);
	tokens_gone(before);
	fs_done(&f);
	dbuf_free(&b);
}

static void case_register(void)
{
	need("mkfs.xfs", "xfsprogs");
	need("losetup", "util-linux");
	umount_all();
	register_ext4();
	register_xfs();
}

/*
 * Two files made by interleaved O_DIRECT appends of @chunk bytes, so that
 * each is spread over many extents with the other's blocks between them;
 * @a gets @want (@len bytes).  Returns @a's extent count.
 */
static unsigned interleave(const struct fs *f, int a, const uint8_t *want, size_t len,
			   size_t chunk)
{
	int other = ft_open(f, "interleaved", O_RDWR | O_TRUNC | O_DIRECT);
	uint8_t *junk = aligned(chunk);
	struct extent *e = calloc(4096, sizeof(*e));
	unsigned n;

	if (!e)
		die("calloc");
	if (ftruncate(a, 0))
		die("ftruncate");
	for (size_t off = 0; off < len; off += chunk) {
		fill(junk, chunk, off + 7);
		pio(true, a, (void *)(want + off), chunk, off);
		pio(true, other, junk, chunk, off);
	}
	n = fiemap(a, 0, len, e, 4096);
	free(e);
	free(junk);
	close(other);
	return n;
}

/*
 * Token reads and writes of one file at many file offsets, lengths and
 * dma-buf offsets, each compared with the pages path; requests span many
 * extents (interleaved appends) and several bios per extent (2 MiB, over
 * the controller's 512 KiB transfer), writes alternately O_DSYNC (FUA).
 * Catches a bio on the wrong sector or with the wrong dma-buf offset
 * (iomap's per-extent remap and its re-expanded iterator), a lost or
 * doubled piece where a request crosses an extent or a bio boundary, and
 * a mapping made per request (debugfs "maps" must not move).
 */
static void io_fs(const char *kind, struct fs *f)
{
	static const uint64_t offs[] = { 0, 4, 512, 4096 - 512, 4096, 12288 + 512, 65536 + 4,
					 3 * MiB };
	static const unsigned lens[] = { 1, 8, 64, 128, 256, 1024 + 8, 2048, 4096 }; /* x512 */
	const size_t size = 4 * MiB, bsize = 8 * MiB, maxlen = 2 * MiB;
	uint8_t *want = aligned(size), *back = aligned(maxlen);
	int fd = ft_open(f, "data", O_RDWR | O_TRUNC | O_DIRECT), ret, r2;
	long before = stat_value("tokens"), maps0;
	unsigned n = 0, bad = 0, extents;
	struct io_uring ring;
	uint64_t seed = 100;
	struct dbuf b;

	ext4_share_preallocation(f);
	fill(want, size, 99);
	extents = interleave(f, fd, want, size, 64 * 1024);
	check(extents >= 8, "%s: the 4 MiB file is in %u extents, interleaved with another "
	      "file's (8 or more wanted)", f->what, extents);
	if (dbuf_new(&b, kind, bsize))
		die("%s", kind);
	ring_new(&ring, 8, 1);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "%s: %s token registration for the file",
		  f->what, kind);
	maps0 = stat_value("maps");

	for (unsigned i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		for (unsigned j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			unsigned len = lens[j] * 512;
			/* file positions that start inside, and cross, the 64 KiB extents */
			uint64_t off = offs[i], pos = (uint64_t)(n * 61440 + 512) % (size - maxlen);

			pos -= pos % f->lbs;
			if (len % f->lbs || off + len > b.size)
				continue;
			n++;
			/* file → token, compared with file → pages */
			memset(b.cpu + off, CANARY, len);
			ret = rw_token(&ring, false, fd, 0, off, len, pos, 0, 0);
			r2 = pread_pages(fd, back, len, pos);
			if (ret != (int)len || r2 != (int)len || memcmp(back, b.cpu + off, len) ||
			    memcmp(back, want + pos, len)) {
				bad++;
				printf("# %s: read %u at %" PRIu64 " into offset %" PRIu64 ": %d, "
				       "pages %d, first difference at %zu\n", kind, len, pos, off,
				       ret, r2, first_diff(back, b.cpu + off, len));
				continue;
			}
			/* token → file, compared with file → pages; every other one O_DSYNC */
			fill(b.cpu + off, len, seed++);
			ret = rw_token(&ring, true, fd, 0, off, len, pos, n % 2 ? RWF_DSYNC : 0, 0);
			r2 = pread_pages(fd, back, len, pos);
			if (ret != (int)len || r2 != (int)len || memcmp(back, b.cpu + off, len)) {
				bad++;
				printf("# %s: write%s %u at %" PRIu64 " from offset %" PRIu64 ": %d, "
				       "pages %d, first difference at %zu\n", kind,
				       n % 2 ? " (O_DSYNC)" : "", len, pos, off, ret, r2,
				       first_diff(back, b.cpu + off, len));
				continue;
			}
			memcpy(want + pos, back, len);
		}
	}
	check(n >= 40 && bad == 0, "%s, %s: %u reads and %u writes at file offsets across "
	      "extents, dma-buf offsets and lengths up to 2 MiB agree with the pages path "
	      "(%u bad)", f->what, kind, n, n, bad);
	check(stat_value("maps") == maps0, "%s: no mapping made after registration (%ld)",
	      kind, stat_value("maps") - maps0);
	{
		/* and nothing else of the file changed: each write went where it was sent */
		uint8_t *all = aligned(size);
		size_t got = pread_pages(fd, all, size, 0);

		check(got == size && !memcmp(all, want, size), "%s: the whole file is what the "
		      "requests wrote, no byte elsewhere (%zu of %zu blocks of 512 bytes differ)",
		      kind, blocks_differ(all, want, size, 512), size / 512);
		free(all);
	}
	check_ret(rw_token(&ring, false, fd, 0, 0, 4096, size, 0, 0), 0,
		  "%s: a read at EOF (0 bytes)", kind);
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	close(fd);
	tokens_gone(before);
	free(want);
	free(back);
}

static void case_io(const char *kind)
{
	on_two_fs(io_fs, kind, false);
	on_two_fs(io_fs, kind, true);
}

static void io_udmabuf(void) { case_io("udmabuf"); }
static void io_heap(void) { case_io("heap"); }
static void io_vgem(void) { case_io("vgem"); }

/*
 * The holes layout (1 MiB, every region 64 KiB-aligned):
 *   [0, 64K) data, [64K, 192K) hole, [192K, 256K) data,
 *   [256K, 384K) fallocated (unwritten), [384K, 448K) data, [448K, 1M) hole to EOF.
 * @want gets the file's bytes (zeros in holes); returns the fd (O_DIRECT).
 */
#define HOLES_SIZE (1 * MiB)
static int holes_file(const struct fs *f, const char *name, uint8_t *want)
{
	static const struct { uint64_t off, len; } data[] = {
		{ 0, 65536 }, { 192 * 1024, 65536 }, { 384 * 1024, 65536 },
	};
	int fd = ft_open(f, name, O_RDWR | O_TRUNC | O_DIRECT);

	memset(want, 0, HOLES_SIZE);
	if (ftruncate(fd, HOLES_SIZE))
		die("ftruncate");
	if (fallocate(fd, 0, 256 * 1024, 128 * 1024))
		die("fallocate");
	for (unsigned i = 0; i < 3; i++) {
		fill(want + data[i].off, data[i].len, 500 + i);
		pio(true, fd, want + data[i].off, data[i].len, data[i].off);
	}
	return fd;
}

/* Requests of the holes layout: hole alone, unwritten alone, data and hole, all of it. */
static const struct { uint64_t pos, len; const char *what; } hole_reqs[] = {
	{ 64 * 1024, 128 * 1024, "a hole" },
	{ 256 * 1024, 128 * 1024, "an unwritten extent" },
	{ 0, 192 * 1024, "data, then a hole" },
	{ 128 * 1024, 128 * 1024, "a hole, then data" },
	{ 192 * 1024, 256 * 1024, "data, unwritten, data" },
	{ 60 * 1024, 8 * 1024, "the last 4 KiB of data and the first of a hole" },
	{ 0, HOLES_SIZE, "the whole file" },
	{ 512 * 1024, 1 * MiB, "a hole over EOF (short)" },
};

/*
 * Holes and unwritten extents read into a canary-filled buffer, inline and
 * through io-wq (IOSQE_ASYNC): every byte the read reports is the file's
 * (zeros where no device transfers anything), none of the canary left.
 * Catches a hole skipped (the exporter's old bytes stay: "undelivered"),
 * zeros written at the wrong dma-buf offset or length (dmabuf_token_zero()
 * with the iterator's offset), the -EFAULT of a dma-buf iterator in
 * iov_iter_zero(), and a zeroing that fails where it must wait for the
 * reservation lock (IOCB_NOWAIT: the trylock).
 */
static void holes_fs(const char *kind, struct fs *f)
{
	static const uint64_t offs[] = { 0, 4, 4096 + 512, 3 * MiB + 4096 };
	long before = stat_value("tokens");
	uint8_t *want = aligned(HOLES_SIZE), *back = aligned(HOLES_SIZE);
	struct io_uring ring;
	unsigned n = 0, bad = 0;
	struct dbuf b;
	int fd;

	fd = holes_file(f, "holes", want);
	if (dbuf_new(&b, kind, 4 * MiB + HOLES_SIZE))
		die("%s", kind);
	ring_new(&ring, 8, 1);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "%s: %s token registration", f->what,
		  kind);
	for (unsigned i = 0; i < sizeof(hole_reqs) / sizeof(hole_reqs[0]); i++) {
		for (unsigned k = 0; k < 2 * sizeof(offs) / sizeof(offs[0]); k++) {
			uint64_t off = offs[k / 2], pos = hole_reqs[i].pos;
			unsigned len = hole_reqs[i].len;
			bool async = k % 2;
			size_t got = pos < HOLES_SIZE ? HOLES_SIZE - pos : 0;
			int ret, r2;

			if (got > len)
				got = len;
			memset(b.cpu + off, CANARY, len);
			ret = rw_token(&ring, false, fd, 0, off, len, pos, 0,
				       async ? IOSQE_ASYNC : 0);
			r2 = pread_pages(fd, back, len, pos);
			n++;
			if (ret != (int)got || r2 != (int)got || memcmp(b.cpu + off, want + pos, got) ||
			    memcmp(back, want + pos, got)) {
				bad++;
				printf("# %s, %s%s at dma-buf offset %" PRIu64 ": %d of %zu bytes "
				       "(pages %d), first difference at %zu, %zu canary bytes left\n",
				       kind, hole_reqs[i].what, async ? " (io-wq)" : "", off, ret,
				       got, r2, first_diff(b.cpu + off, want + pos, got),
				       canary_left(b.cpu + off, got));
			}
		}
	}
	check(bad == 0, "%s, %s: %u reads of holes, unwritten extents and data around them, "
	      "inline and through io-wq, deliver the file's bytes and zeros, no canary left "
	      "(%u bad)", f->what, kind, n, bad);
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	close(fd);
	tokens_gone(before);
	free(want);
	free(back);
}

static void case_holes(const char *kind)
{
	on_two_fs(holes_fs, kind, false);
}

static void holes_udmabuf(void) { case_holes("udmabuf"); }
static void holes_heap(void) { case_holes("heap"); }
static void holes_vgem(void) { case_holes("vgem"); }
static void holes_mover(void) { case_holes("mover"); }

/*
 * Holes read while the exporter holds the buffer's reservation lock, which
 * the zeroing needs (dmabuf_token_zero(), doc/file-tokens.md 2.3 item 4).
 * A vgem fence that only the test signals is imported into the mover
 * buffer's reservation object; a move then takes the lock, invalidates
 * the token's mappings and waits for the fence with the lock held.
 * Meanwhile: a hole read submitted inline (its IOCB_NOWAIT attempt finds
 * the lock taken: -EAGAIN, retried from io-wq, where it waits), the same
 * through io-wq, and a read of data then a hole (its data bio may already
 * be submitted: a -EAGAIN CQE, which the caller reissues, is the
 * documented answer).  None may complete while the lock is held, except
 * with that -EAGAIN; after the fence, every read delivers the file's bytes
 * and zeros into the moved buffer, no canary left, and no page given up
 * by the move was written.  Catches a zeroing done without the lock (into
 * pages the move is copying away), a NOWAIT attempt that sleeps (the
 * submission would not return before the fence), a request that never
 * completes (the boot's timeout), and zeros written into the old pages.
 *
 * Whether the lock was held while the requests were submitted and looked
 * at is known afterwards, not assumed: the move reports how long it
 * waited for the fence (the lock is taken before that wait), and the
 * signal ioctl answers -ETIMEDOUT when vgem's own 10 s timeout signalled
 * the fence first.  A round where either says the window was missed is
 * void and runs again.  (The debugfs stats cannot say when the move has
 * the lock: reading them waits for that lock.)
 */
struct held_resv {
	int card, dmabuf_fd, move_ret;
	uint32_t fence;
	uint64_t wait_ns, t_end;	/* the move's fence wait, and when its ioctl returned */
	pthread_t th;
};

static void *held_move(void *arg)
{
	struct held_resv *h = arg;

	h->move_ret = mover_move(h->dmabuf_fd, 0, 60000, &h->wait_ns);
	h->t_end = now_ns();
	return NULL;
}

/* A fence of our own on @dmabuf_fd, and a move that will wait for it with the lock held. */
static void resv_hold(struct held_resv *h, int dmabuf_fd)
{
	struct drm_mode_create_dumb c = { .width = 1024, .height = 1, .bpp = 32 };
	struct ft_vgem_fence_attach a = { .flags = FT_VGEM_FENCE_WRITE };
	struct drm_prime_handle p = { .flags = DRM_CLOEXEC | DRM_RDWR };
	struct dma_buf_export_sync_file ex = { .flags = DMA_BUF_SYNC_WRITE, .fd = -1 };
	struct dma_buf_import_sync_file im = { .flags = DMA_BUF_SYNC_WRITE };

	memset(h, 0, sizeof(*h));
	h->card = vgem_open();
	h->dmabuf_fd = dmabuf_fd;
	if (h->card < 0)
		die("no vgem card for a fence");
	if (ioctl(h->card, DRM_IOCTL_MODE_CREATE_DUMB, &c))
		die("vgem dumb buffer");
	a.handle = c.handle;
	if (ioctl(h->card, FT_IOCTL_VGEM_FENCE_ATTACH, &a))
		die("vgem fence attach");
	h->fence = a.out_fence;
	p.handle = c.handle;
	if (ioctl(h->card, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p))
		die("vgem PRIME export");
	if (ioctl(p.fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &ex))
		die("DMA_BUF_IOCTL_EXPORT_SYNC_FILE of the vgem buffer");
	im.fd = ex.fd;
	if (ioctl(dmabuf_fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &im))
		die("DMA_BUF_IOCTL_IMPORT_SYNC_FILE into the mover buffer");
	close(ex.fd);
	close(p.fd);
	if (pthread_create(&h->th, NULL, held_move, h))
		die("pthread_create");
	usleep(100 * 1000);	/* time for the move to take the lock; whether it did is checked after */
}

/*
 * Signal the fence: the move goes on and drops the lock.  True when the
 * lock was held from before @t_sub until now: the test signalled the
 * fence (not vgem's timeout), and the move's wait had begun by @t_sub.
 */
static bool resv_release(struct held_resv *h, uint64_t t_sub)
{
	struct ft_vgem_fence_signal s = { .fence = h->fence };
	bool ours = !ioctl(h->card, FT_IOCTL_VGEM_FENCE_SIGNAL, &s);

	if (!ours && errno != ETIMEDOUT)
		die("vgem fence signal");
	pthread_join(h->th, NULL);
	close(h->card);
	check_ret(h->move_ret, 0, "the move that held the lock finished once the fence signalled");
	/* the wait began at most wait_ns before the ioctl returned, after the lock was taken */
	return ours && h->t_end - h->wait_ns <= t_sub;
}

static const struct { uint64_t pos, len; uint8_t flags; bool eagain_ok; const char *what; }
contended_reqs[] = {
	{ 64 * 1024, 128 * 1024, 0, false, "a hole, inline" },
	{ 256 * 1024, 128 * 1024, IOSQE_ASYNC, false, "an unwritten extent, through io-wq" },
	{ 0, 192 * 1024, 0, true, "data, then a hole, inline" },
};
#define NR_CONTENDED (sizeof(contended_reqs) / sizeof(contended_reqs[0]))

/* One contended round; false when the lock was not held for the whole window (void). */
static bool contended_round(struct fs *f, struct io_uring *ring, struct dbuf *b, int fd,
			    const uint8_t *want)
{
	int res[NR_CONTENDED];
	unsigned early = 0, bad = 0;
	struct held_resv h;
	struct mover_stat st0 = mover_stat(b->fd), st;
	uint64_t t_sub;
	bool held;

	memset(b->cpu, CANARY, b->size);
	resv_hold(&h, b->fd);
	for (unsigned i = 0; i < NR_CONTENDED; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

		io_uring_prep_read_fixed(sqe, fd, NULL, contended_reqs[i].len,
					 contended_reqs[i].pos, 0);
		sqe->addr = i * MiB;	/* the token's addr: a byte offset into the dma-buf */
		sqe->flags |= contended_reqs[i].flags;
		sqe->user_data = i;
		res[i] = INT_MIN;
	}
	t_sub = now_ns();
	if (io_uring_submit(ring) != (int)NR_CONTENDED)
		die("io_uring_submit");
	usleep(200 * 1000);	/* give a wrong completion the time to show; proves nothing by itself */
	for (struct io_uring_cqe *cqe; !io_uring_peek_cqe(ring, &cqe); io_uring_cqe_seen(ring, cqe)) {
		res[cqe->user_data] = cqe->res;
		early++;
	}
	held = resv_release(&h, t_sub);
	if (!held)
		printf("# the move had not begun its wait when the reads were submitted, or vgem's "
		       "fence expired first (move waited %.3f s): this round's held-lock checks are "
		       "void, it runs again\n", h.wait_ns / 1e9);
	for (unsigned i = 0; i < NR_CONTENDED; i++) {
		if (res[i] != INT_MIN && held && !(contended_reqs[i].eagain_ok && res[i] == -EAGAIN)) {
			bad++;
			printf("# %s: completed (%d) while the lock was held\n",
			       contended_reqs[i].what, res[i]);
		}
	}
	for (unsigned n = early; n < NR_CONTENDED; n++) {
		struct io_uring_cqe *cqe;

		if (io_uring_wait_cqe(ring, &cqe))
			die("io_uring_wait_cqe");
		res[cqe->user_data] = cqe->res;
		io_uring_cqe_seen(ring, cqe);
	}
	for (unsigned i = 0; i < NR_CONTENDED; i++) {
		uint64_t pos = contended_reqs[i].pos, len = contended_reqs[i].len;

		if (res[i] == -EAGAIN && contended_reqs[i].eagain_ok)
			res[i] = rw_token(ring, false, fd, 0, i * MiB, len, pos, 0, 0);
		if (res[i] != (int)len || memcmp(b->cpu + i * MiB, want + pos, len)) {
			bad++;
			printf("# %s: %d of %" PRIu64 " bytes, first difference at %zu, "
			       "%zu canary bytes left\n", contended_reqs[i].what, res[i], len,
			       first_diff(b->cpu + i * MiB, want + pos, len),
			       canary_left(b->cpu + i * MiB, len));
		}
	}
	st = mover_stat(b->fd);
	if (!held) {
		check(bad == 0 && st.late_pages == 0, "%s: reads around a move (a void round): every "
		      "byte the file's, no canary (%u bad, late pages %" PRIu64 ")", f->what, bad,
		      st.late_pages);
		return false;
	}
	check(bad == 0 && st.moves == st0.moves + 1 && st.late_pages == 0,
	      "%s: a hole, an unwritten extent and data then a hole, read while a move held "
	      "the reservation lock for %.1f s: nothing completed before the lock was free "
	      "(%u early, -EAGAIN allowed where a bio was out), then every byte the file's, "
	      "zeros in the moved buffer, no canary (%u bad; moves %" PRIu64 ", late pages %"
	      PRIu64 ")", f->what, h.wait_ns / 1e9, early, bad, st.moves - st0.moves,
	      st.late_pages);
	return true;
}

static void holes_contended_fs(const char *kind, struct fs *f)
{
	long before = stat_value("tokens");
	uint8_t *want = aligned(HOLES_SIZE);
	struct io_uring ring;
	struct dbuf b;
	int fd;

	fd = holes_file(f, "holes", want);
	if (dbuf_new(&b, kind, NR_CONTENDED * MiB))
		die("%s", kind);
	ring_new(&ring, 8, 1);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "%s: %s token registration", f->what, kind);
	for (unsigned tries = 0; !contended_round(f, &ring, &b, fd, want); tries++) {
		if (tries == 2)
			die("three rounds void: the lock was never held over the reads");
	}
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	close(fd);
	tokens_gone(before);
	free(want);
}

static void case_holes_contended(void)
{
	on_two_fs(holes_contended_fs, "mover", false);
}

/*
 * An exporter without a kernel mapping (a mover buffer of NO_CPU_MAP): a
 * read that needs zeros fails as a whole with -EOPNOTSUPP, inline and
 * through io-wq; reads of data work, and their bytes (written back to
 * another file through the same buffer) are the file's.  Catches zeros
 * skipped silently (canary delivered as data), a partial success that
 * reports the data before the hole, a ->vmap that fails (the dma-buf
 * core's WARN_ON_ONCE, which the harness catches in the console), and a
 * failed zeroing that leaves the registration unusable.
 */
static void holes_nomap_fs(const char *kind, struct fs *f)
{
	long before = stat_value("tokens");
	uint8_t *want = aligned(HOLES_SIZE), *back = aligned(HOLES_SIZE);
	struct io_uring ring;
	struct dbuf b;
	int fd, out;

	fd = holes_file(f, "holes", want);
	out = ft_open(f, "copy", O_RDWR | O_TRUNC | O_DIRECT);
	if (dbuf_new(&b, kind, HOLES_SIZE))
		die("mover-nomap buffer");
	ring_new(&ring, 8, 2);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "%s: a NO_CPU_MAP mover buffer registers",
		  f->what);
	check_ret(reg_dmabuf(&ring, 1, b.fd, out), 0, "and for a second file");
	for (unsigned i = 0; i < 6; i++) {
		uint64_t pos = hole_reqs[i].pos;
		unsigned len = hole_reqs[i].len;

		if (i == 5)	/* its last 4 KiB of data are fine, the hole is not */
			pos = 64 * 1024, len = 4096;
		check_ret(rw_token(&ring, false, fd, 0, 0, len, pos, 0, 0), -EOPNOTSUPP,
			  "%s: read of %s", f->what, i == 5 ? "4 KiB of a hole" : hole_reqs[i].what);
		check_ret(rw_token(&ring, false, fd, 0, 0, len, pos, 0, IOSQE_ASYNC), -EOPNOTSUPP,
			  "and through io-wq");
	}
	check_ret(rw_token(&ring, false, fd, 0, 0, 65536, 0, 0, 0), 65536,
		  "a read of data only, after those");
	check_ret(rw_token(&ring, false, fd, 0, 65536, 65536, 192 * 1024, 0, 0), 65536,
		  "and of the next data");
	check_ret(rw_token(&ring, true, out, 1, 0, 131072, 0, 0, 0), 131072,
		  "the buffer written to the second file");
	memset(back, 0, 131072);
	check(pread_pages(out, back, 131072, 0) == 131072 && !memcmp(back, want, 65536) &&
	      !memcmp(back + 65536, want + 192 * 1024, 65536), "the second file holds the "
	      "first file's data: the reads delivered it");
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	close(fd);
	close(out);
	tokens_gone(before);
	free(want);
	free(back);
}

static void case_holes_nomap(void)
{
	on_two_fs(holes_nomap_fs, "mover-nomap", true);
}

/*
 * Appends and writes past EOF through a token, and reads at and over EOF:
 * i_size follows the writes, the gap reads as zeros, a read at EOF moves 0
 * bytes and one over it stops there, also at an EOF inside a block.
 * Catches an extending write that loses its size update (ext4 and XFS
 * finish it in ->end_io), a gap left with old bytes, and a read that
 * reports bytes past EOF.
 */
static void extend_fs(const char *kind, struct fs *f)
{
	const size_t max = 2 * MiB;
	long before = stat_value("tokens");
	uint8_t *want = aligned(max), *back = aligned(max);
	int fd = ft_open(f, "grow", O_RDWR | O_TRUNC | O_DIRECT), ret;
	struct io_uring ring;
	uint64_t size = 0;
	struct dbuf b;

	memset(want, 0, max);
	if (dbuf_new(&b, kind, max))
		die("udmabuf");
	ring_new(&ring, 8, 1);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "%s: token registration for an empty "
		  "file", f->what);
	check_ret(rw_token(&ring, false, fd, 0, 0, 4096, 0, 0, 0), 0, "a read of the empty file");
	/* appends: at EOF, from 0 */
	for (unsigned i = 0; i < 3; i++) {
		unsigned len = (i + 1) * 65536;

		fill(b.cpu + size, len, 600 + i);
		ret = rw_token(&ring, true, fd, 0, size, len, size, i == 2 ? RWF_DSYNC : 0, 0);
		memcpy(want + size, b.cpu + size, len);
		size += len;
		check(ret == (int)len && file_size(fd) == size, "append %u of %u KiB%s: %d, the "
		      "file is %" PRIu64 " bytes (want %" PRIu64 ")", i + 1, len >> 10,
		      i == 2 ? " (O_DSYNC)" : "", ret, file_size(fd), size);
	}
	/* past EOF: a gap of holes, then data */
	fill(b.cpu + 1 * MiB, 65536, 610);
	ret = rw_token(&ring, true, fd, 0, 1 * MiB, 65536, 1 * MiB, 0, 0);
	memcpy(want + 1 * MiB, b.cpu + 1 * MiB, 65536);
	size = 1 * MiB + 65536;
	check(ret == 65536 && file_size(fd) == size, "a 64 KiB write at 1 MiB, past EOF: %d, "
	      "the file is %" PRIu64 " bytes", ret, file_size(fd));
	memset(b.cpu, CANARY, size);
	ret = rw_token(&ring, false, fd, 0, 0, size, 0, 0, 0);
	check(ret == (int)size && !memcmp(b.cpu, want, size), "a token read of all of it: "
	      "the appends, zeros in the gap, the data past it (%d; first difference at %zu)",
	      ret, first_diff(b.cpu, want, size));
	check(pread_pages(fd, back, size, 0) == size && !memcmp(back, want, size),
	      "the pages path reads the same");
	check_ret(rw_token(&ring, false, fd, 0, 0, 65536, size, 0, 0), 0, "a read at EOF");
	check_ret(rw_token(&ring, false, fd, 0, 0, 65536, size - 4096, 0, 0), 4096,
		  "a 64 KiB read of the last 4 KiB: stops at EOF");
	/* EOF inside a block: a 4 KiB write, then the file cut to 1000 bytes past the last */
	fill(b.cpu, 4096, 620);
	check_ret(rw_token(&ring, true, fd, 0, 0, 4096, size, 0, 0), 4096, "a 4 KiB append");
	memcpy(want + size, b.cpu, 4096);
	if (ftruncate(fd, size + 1000))
		die("ftruncate");
	memset(b.cpu, CANARY, 8192);
	ret = rw_token(&ring, false, fd, 0, 0, 8192, size, 0, 0);
	check(ret == 1000 && !memcmp(b.cpu, want + size, 1000), "the file cut to 1000 bytes "
	      "into that block: an 8 KiB read there reports 1000 bytes, the file's (%d)", ret);
	size += 1000;
	memset(want + size, 0, 4096 - 1000);
	/* an append at that unaligned EOF must fill the rest of the block with zeros */
	fill(b.cpu, 4096, 630);
	ret = rw_token(&ring, true, fd, 0, 0, 4096, size - 1000 + 4096, 0, 0);
	memcpy(want + size - 1000 + 4096, b.cpu, 4096);
	size = size - 1000 + 8192;
	check(ret == 4096 && file_size(fd) == size && pread_pages(fd, back, 8192, size - 8192) ==
	      8192 && !memcmp(back, want + size - 8192, 8192), "a write in the next block: "
	      "the cut block reads 1000 bytes of data and zeros after them (%d, size %" PRIu64
	      ")", ret, file_size(fd));
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	close(fd);
	tokens_gone(before);
	free(want);
	free(back);
}

static void case_extend(void)
{
	on_two_fs(extend_fs, "udmabuf", true);
}

/*
 * 512-byte token writes on the 512 B namespace into blocks of 4 KiB (and
 * 1 KiB) that hold no data yet: a hole, an unwritten extent, past EOF,
 * and one into written data.  The rest of each block reads as zeros (or
 * its old data), i_size is right.  Catches the sub-block zeroing (iomap's
 * zero-page bios beside the token's) skipped or misplaced, stale bytes of
 * the namespace showing through, and a sub-block write taken to the
 * buffered path.
 */
static void subblock_fs(struct fs *f)
{
	const size_t size = 1 * MiB, bs = f->bsize;
	long before = stat_value("tokens");
	uint8_t *want = aligned(size + 65536), *back = aligned(65536);
	int fd = ft_open(f, "sub", O_RDWR | O_TRUNC | O_DIRECT);
	struct io_uring ring;
	struct dbuf b;
	struct {
		uint64_t pos;
		const char *what;
	} w[] = {
		{ 4096 + 1024 + (bs == 1024 ? 512 : 0), "a hole" },
		{ 256 * 1024 + 512, "an unwritten extent" },
		{ 512 * 1024 + 1536, "written data" },
		{ size + 4096 + 1536, "past EOF" },
	};
	uint64_t end = size;

	memset(want, 0, size + 65536);
	if (ftruncate(fd, size) || fallocate(fd, 0, 256 * 1024, 64 * 1024))
		die("ftruncate, fallocate");
	fill(want + 512 * 1024, 65536, 700);
	pio(true, fd, want + 512 * 1024, 65536, 512 * 1024);
	if (dbuf_new(&b, "udmabuf", 1 * MiB))
		die("udmabuf");
	ring_new(&ring, 8, 1);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "%s: token registration", f->what);
	for (unsigned i = 0; i < 4; i++) {
		uint64_t blk = w[i].pos - w[i].pos % bs;
		size_t span = 2 * bs;	/* its block and the next */
		int ret;

		fill(b.cpu + i * 4096, 512, 710 + i);
		ret = rw_token(&ring, true, fd, 0, i * 4096, 512, w[i].pos, 0, 0);
		memcpy(want + w[i].pos, b.cpu + i * 4096, 512);
		end = w[i].pos + 512 > size ? w[i].pos + 512 : size;
		if (span > end - blk)
			span = end - blk;
		check(ret == 512 && pread_pages(fd, back, span, blk) == span &&
		      !memcmp(back, want + blk, span), "%s: 512 bytes into %s (block of %zu at "
		      "%" PRIu64 "): %d; the block reads those bytes and %s around them",
		      f->what, w[i].what, bs, blk, ret, i == 2 ? "its old data" : "zeros");
		memset(b.cpu + 65536, CANARY, span);
		check(rw_token(&ring, false, fd, 0, 65536, span, blk, 0, 0) == (int)span &&
		      !memcmp(b.cpu + 65536, want + blk, span), "and a token read of it the same");
	}
	check(file_size(fd) == end, "the file is %" PRIu64 " bytes, up to the last write "
	      "(%" PRIu64 ")", file_size(fd), end);
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	close(fd);
	tokens_gone(before);
	free(want);
	free(back);
}

static void case_subblock(void)
{
	const char *ns512 = ns_dev("DMABUF_VM_NS512");
	struct fs f;

	need("mkfs.xfs", "xfsprogs");
	umount_all();
	fs_ext4(&f, ns512, "ns512", NULL);
	subblock_fs(&f);
	fs_done(&f);
	fs_make(&f, "ext4", ns512, "ns512", MKFS_EXT4 " -b 1024", "noinit_itable");
	subblock_fs(&f);
	fs_done(&f);
	fs_xfs(&f, ns512, "ns512");
	subblock_fs(&f);
	fs_done(&f);
}

/* Is any page of [@pos, @pos + @len) of @fd in the page cache? */
static bool cached(int fd, uint64_t pos, size_t len)
{
	size_t pages = (len + 4095) / 4096;
	unsigned char *vec = calloc(pages, 1);
	void *m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, pos);
	bool any = false;

	if (!vec || m == MAP_FAILED || mincore(m, len, vec))
		die("mincore");
	for (size_t i = 0; i < pages; i++)
		any |= vec[i] & 1;
	munmap(m, len);
	free(vec);
	return any;
}

/*
 * XFS reflink: token writes to a clone (FICLONE) go to new blocks and
 * leave the source alone; a sub-block write to a shared file is refused
 * with -EINVAL (XFS cannot unshare part of a block in direct I/O, and a
 * dma-buf cannot go buffered), and nothing reaches the page cache or the
 * file.  Catches a write into the shared blocks (the source changes), a
 * CoW fork left unremapped (the clone reads old data), and the buffered
 * fallback of a sub-block CoW write.
 */
static void case_cow(void)
{
	const char *ns512 = ns_dev("DMABUF_VM_NS512");
	const size_t size = 1 * MiB;
	long before = stat_value("tokens");
	uint8_t *src = aligned(size), *want = aligned(size), *back = aligned(size);
	struct io_uring ring;
	struct dbuf b;
	struct fs f;
	int s, c, u, ret;

	need("mkfs.xfs", "xfsprogs");
	umount_all();
	fs_make(&f, "xfs", ns512, "cow", MKFS_XFS " -m reflink=1", NULL);
	s = file_with_data(&f, "source", size, 800);
	pio(false, s, src, size, 0);
	c = ft_open(&f, "clone", O_RDWR | O_TRUNC | O_DIRECT);
	if (ioctl(c, FICLONE, s))
		die("FICLONE");
	memcpy(want, src, size);
	if (dbuf_new(&b, "udmabuf", size))
		die("udmabuf");
	ring_new(&ring, 8, 2);
	check_ret(reg_dmabuf(&ring, 0, b.fd, c), 0, "%s: token registration for a clone",
		  f.what);
	memset(b.cpu, CANARY, size);
	ret = rw_token(&ring, false, c, 0, 0, size, 0, 0, 0);
	check(ret == (int)size && !memcmp(b.cpu, src, size), "a token read of the clone's "
	      "shared blocks: the source's bytes (%d)", ret);
	fill(b.cpu, 65536, 801);
	ret = rw_token(&ring, true, c, 0, 0, 65536, 128 * 1024, 0, 0);
	memcpy(want + 128 * 1024, b.cpu, 65536);
	fill(b.cpu + 65536, 4096, 802);
	if (ret == 65536)
		ret = rw_token(&ring, true, c, 0, 65536, 4096, 512 * 1024, RWF_DSYNC, 0);
	memcpy(want + 512 * 1024, b.cpu + 65536, 4096);
	check(ret >= 0 && pread_pages(c, back, size, 0) == size && !memcmp(back, want, size),
	      "token writes of 64 KiB and 4 KiB (O_DSYNC) to the clone land in it (%d)", ret);
	check(pread_pages(s, back, size, 0) == size && !memcmp(back, src, size),
	      "the source is unchanged: the writes went to new blocks");
	if (posix_fadvise(c, 0, size, POSIX_FADV_DONTNEED))
		die("fadvise");
	fill(b.cpu, 512, 803);
	check_ret(rw_token(&ring, true, c, 0, 0, 512, 256 * 1024 + 512, 0, 0), -EINVAL,
		  "a 512-byte write into a shared 4 KiB block of the clone");
	check(!cached(c, 256 * 1024, 4096), "no page of it in the page cache: it was not "
	      "written buffered");
	check(pread_pages(c, back, size, 0) == size && !memcmp(back, want, size),
	      "the clone is unchanged by it");
	/* the control: the same write to a file that shares no block works */
	u = file_with_data(&f, "unshared", 65536, 804);
	check_ret(reg_dmabuf(&ring, 1, b.fd, u), 0, "token registration for an unshared file");
	ret = rw_token(&ring, true, u, 1, 0, 512, 512, 0, 0);
	check(ret == 512 && pread_pages(u, back, 4096, 0) == 4096 &&
	      !memcmp(back + 512, b.cpu, 512), "a 512-byte write into its 4 KiB block: "
	      "written (%d), so the -EINVAL above is the clone's sharing", ret);
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	close(s);
	close(c);
	close(u);
	tokens_gone(before);
	fs_done(&f);
	free(src);
	free(want);
	free(back);
}

/* FS_XFLAG_REALTIME on @fd (XFS; the file must be empty): 0 or -errno. */
static int set_realtime(int fd)
{
	struct fsxattr fa;

	if (ioctl(fd, FS_IOC_FSGETXATTR, &fa))
		return -errno;
	fa.fsx_xflags |= FS_XFLAG_REALTIME;
	return ioctl(fd, FS_IOC_FSSETXATTR, &fa) ? -errno : 0;
}

/* A token write of @len bytes at @pos of @fd lands at the file's place on @dev (raw read). */
static void placed(struct io_uring *ring, int fd, unsigned slot, struct dbuf *b, uint64_t off,
		   size_t len, uint64_t pos, const char *dev, const char *what)
{
	uint8_t *back = aligned(len);
	int raw = open(dev, O_RDONLY | O_DIRECT | O_CLOEXEC), ret;
	int64_t phys;
	bool got;

	if (raw < 0)
		die("open %s", dev);
	fill(b->cpu + off, len, pos + 900);
	ret = rw_token(ring, true, fd, slot, off, len, pos, 0, 0);
	got = read_placed(fd, raw, back, pos, len, &phys);
	check(ret == (int)len && got && !memcmp(back, b->cpu + off, len), "%s: a %zu KiB "
	      "token write (%d) is on %s where FIEMAP puts it (from byte %" PRId64 ")", what,
	      len >> 10, ret, dev, phys);
	memset(b->cpu + off, CANARY, len);
	ret = rw_token(ring, false, fd, slot, off, len, pos, 0, 0);
	check(ret == (int)len && !memcmp(back, b->cpu + off, len), "%s: and reads back "
	      "through the token (%d)", what, ret);
	close(raw);
	free(back);
}

/*
 * XFS with a realtime device on the other controller: one dma-buf serves a
 * data file, a realtime file and an empty file made realtime after its
 * registration; each write is on the device XFS mapped it to, the dma-buf
 * is attached to both controllers, both lowers made at registration (no
 * mapping after it).  With the realtime device on a loop device the
 * registration is refused.  Catches a file token with the data device's
 * lower only (rt I/O would map afresh, or fail), bios of an rt file sent
 * to the data device's mapping (nvme-pci 0023 refuses a foreign mapping:
 * -EIO), and data on the wrong device.
 */
static void case_rt(void)
{
	const char *ns512 = ns_dev("DMABUF_VM_NS512"), *ns4k = ns_dev("DMABUF_VM_NS4K");
	char mkfs[512], opts[PATH_MAX + 16], pci512[64], pci4k[64];
	long before = stat_value("tokens"), maps0;
	struct io_uring ring;
	struct dbuf b;
	struct fs f;
	int d, r, e;

	need("mkfs.xfs", "xfsprogs");
	need("losetup", "util-linux");
	umount_all();
	/* the rt device gets the superblock's sector size: 4 KiB for the 4 KiB namespace */
	snprintf(mkfs, sizeof(mkfs), MKFS_XFS " -s size=4096 -m reflink=0 -r rtdev=%s,"
		 "extsize=4096", ns4k);
	snprintf(opts, sizeof(opts), "rtdev=%s", ns4k);
	fs_make(&f, "xfs", ns512, "rt", mkfs, opts);
	d = file_with_data(&f, "data", 1 * MiB, 910);
	r = ft_open(&f, "realtime", O_RDWR | O_TRUNC | O_DIRECT);
	check_ret(set_realtime(r), 0, "FS_XFLAG_REALTIME on an empty file");
	e = ft_open(&f, "later", O_RDWR | O_TRUNC | O_DIRECT);
	if (dbuf_new(&b, "udmabuf", 4 * MiB))
		die("udmabuf");
	ring_new(&ring, 8, 3);
	check_ret(reg_dmabuf(&ring, 0, b.fd, d), 0, "%s, realtime on %s: a data file", f.what,
		  ns4k);
	check(stat_value("tokens") == before + 3, "three tokens: the file's, the data "
	      "device's and the realtime device's (%ld)", stat_value("tokens") - before);
	check_ret(reg_dmabuf(&ring, 1, b.fd, r), 0, "the same dma-buf for the realtime file");
	check_ret(reg_dmabuf(&ring, 2, b.fd, e), 0, "and for an empty data file");
	check(stat_value("tokens") == before + 3, "all share those three (%ld)",
	      stat_value("tokens") - before);
	pci_of(ns512, pci512, sizeof(pci512));
	pci_of(ns4k, pci4k, sizeof(pci4k));
	check(dmabuf_attached(pci512) && dmabuf_attached(pci4k), "the dma-buf is attached to "
	      "both controllers (%s, %s)", pci512, pci4k);
	maps0 = stat_value("maps");
	placed(&ring, d, 0, &b, 0, 256 * 1024, 256 * 1024, ns512, "data file");
	placed(&ring, r, 1, &b, 1 * MiB, 256 * 1024, 0, ns4k, "realtime file");
	placed(&ring, r, 1, &b, 2 * MiB, 1 * MiB, 256 * 1024, ns4k, "realtime file, 1 MiB");
	check_ret(set_realtime(e), 0, "FS_XFLAG_REALTIME on the empty file, after its "
		  "registration");
	placed(&ring, e, 2, &b, 0, 65536, 0, ns4k, "file made realtime since");
	check(stat_value("maps") == maps0, "no mapping made after registration: both devices' "
	      "were made with it (%ld)", stat_value("maps") - maps0);
	io_uring_queue_exit(&ring);
	close(d);
	close(r);
	close(e);
	tokens_gone(before);
	fs_done(&f);

	/* a realtime device that takes no tokens: the registration says so */
	{
		char loop[64] = "";
		FILE *p;
		int img = open(FT_ROOT "/rt.img", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (img < 0 || ftruncate(img, 64 * MiB))
			die("loop image");
		close(img);
		p = popen("losetup --find --show " FT_ROOT "/rt.img", "r");
		if (!p || !fgets(loop, sizeof(loop), p))
			die("losetup");
		pclose(p);
		loop[strcspn(loop, "\n")] = '\0';
		snprintf(mkfs, sizeof(mkfs), MKFS_XFS " -m reflink=0 -r rtdev=%s", loop);
		snprintf(opts, sizeof(opts), "rtdev=%s", loop);
		fs_make(&f, "xfs", ns512, "rt", mkfs, opts);
		d = file_with_data(&f, "data", 65536, 920);
		ring_new(&ring, 8, 1);
		check_ret(reg_dmabuf(&ring, 0, b.fd, d), -EOPNOTSUPP, "%s, realtime on %s: a "
			  "data file (the realtime device takes no tokens)", f.what, loop);
		io_uring_queue_exit(&ring);
		close(d);
		tokens_gone(before);
		fs_done(&f);
		if (sh("losetup -d %s", loop))
			die("losetup -d %s", loop);
		unlink(FT_ROOT "/rt.img");
	}
	dbuf_free(&b);
}

/*
 * ext4 on a dm-linear device over both namespaces (200 MiB of each): a
 * file token over dm's stacked token over the two namespace tokens, one
 * write across the targets' boundary found on both namespaces.  Catches
 * the file token shared with dm's own (same disk, other ops), a clone of
 * a file bio not remapped again by dm, and bytes on the wrong target.
 */
static void case_dm(void)
{
	const char *ns512 = ns_dev("DMABUF_VM_NS512"), *ns4k = ns_dev("DMABUF_VM_NS4K");
	const uint64_t half = 200 * MiB, len = 128 * 1024;
	long before = stat_value("tokens"), maps0;
	char table[512], dm[64];
	struct extent *ext = calloc(256, sizeof(*ext));
	uint8_t *back = aligned(len);
	uint64_t pos = UINT64_MAX;
	struct io_uring ring;
	unsigned n;
	struct dbuf b;
	struct fs f;
	int fd, dmfd, raw512, raw4k, ret;

	if (!ext)
		die("calloc");
	umount_all();
	snprintf(table, sizeof(table), "0 %" PRIu64 " linear %s 0\n%" PRIu64 " %" PRIu64
		 " linear %s 0\n", half / 512, ns512, half / 512, half / 512, ns4k);
	dm_create("dmabuf-ft", table, dm, sizeof(dm));
	fs_ext4(&f, dm, "dm", NULL);
	fd = ft_open(&f, "big", O_RDWR | O_TRUNC | O_DIRECT);
	/* most of the file system, unwritten: some extent crosses byte 200 MiB of the device */
	if (fallocate(fd, 0, 0, 300 * MiB))
		die("fallocate 300 MiB");
	n = fiemap(fd, 0, 300 * MiB, ext, 256);
	for (unsigned i = 0; i < n && pos == UINT64_MAX; i++)
		if (ext[i].physical + len / 2 <= half && ext[i].physical + ext[i].length >=
		    half + len / 2)
			pos = ext[i].logical + (half - len / 2 - ext[i].physical);
	check(pos != UINT64_MAX, "%s: an extent of the file crosses the targets' boundary "
	      "(%u extents)", f.what, n);
	if (pos == UINT64_MAX)
		goto out;
	if (dbuf_new(&b, "heap", 1 * MiB))
		die("heap");
	ring_new(&ring, 8, 2);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "token registration for the file");
	check(stat_value("tokens") == before + 4, "four tokens: the file's, dm's, and the two "
	      "namespaces' (%ld)", stat_value("tokens") - before);
	dmfd = open(dm, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (dmfd < 0)
		die("open %s", dm);
	check_ret(reg_dmabuf(&ring, 1, b.fd, dmfd), 0, "the same dma-buf for the mapped "
		  "device");
	check(stat_value("tokens") == before + 4, "shares dm's token, which is not the "
	      "file's (%ld)", stat_value("tokens") - before);
	maps0 = stat_value("maps");
	fill(b.cpu, len, 930);
	ret = rw_token(&ring, true, fd, 0, 0, len, pos, 0, 0);
	raw512 = open(ns512, O_RDONLY | O_DIRECT | O_CLOEXEC);
	raw4k = open(ns4k, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (raw512 < 0 || raw4k < 0)
		die("open the namespaces");
	check(ret == (int)len && pread_pages(raw512, back, len / 2, half - len / 2) == len / 2 &&
	      pread_pages(raw4k, back + len / 2, len / 2, 0) == len / 2 &&
	      !memcmp(back, b.cpu, len), "a 128 KiB token write at file offset %" PRIu64
	      " (%d): its first half ends the 512 B namespace's target, its second half "
	      "starts the 4 KiB one's", pos, ret);
	memset(b.cpu + 256 * 1024, CANARY, len);
	ret = rw_token(&ring, false, fd, 0, 256 * 1024, len, pos, 0, 0);
	check(ret == (int)len && !memcmp(b.cpu + 256 * 1024, b.cpu, len), "and a token read "
	      "across the boundary brings them back (%d)", ret);
	check(stat_value("maps") == maps0, "no mapping made after registration (%ld)",
	      stat_value("maps") - maps0);
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	close(dmfd);
	close(raw512);
	close(raw4k);
out:
	close(fd);
	tokens_gone(before);
	fs_done(&f);
	dm_remove("dmabuf-ft");
	free(ext);
	free(back);
}

/*
 * Real moves (and trigger invalidations) under file token reads at QD 32
 * with 4 tags, over data, a hole and an unwritten extent, then writes:
 * every byte is the file's, in the pages where the buffer now lives; no
 * move fails (a kernel mapping from hole zeroing never outlives the
 * reservation lock, so the mover never finds one: 0018), no page written
 * after the exporter gave it up, and requests after a move map afresh
 * (the deferred path of blk_dmabuf_submit()).  Catches a file bio that
 * keeps a lower mapping across a move (late DMA), a zeroing that races a
 * move, and a deferred bio lost or failed.
 */
static void mover_fs(const char *kind, struct fs *f)
{
	const size_t size = 4 * MiB, bs = 64 * 1024;
	long before = stat_value("tokens"), maps0, tags;
	uint8_t *want = aligned(size), *back = aligned(size);
	int fd = ft_open(f, "moved", O_RDWR | O_TRUNC | O_DIRECT), ret = 0;
	unsigned long triggers = 0;
	struct mover_arg m;
	struct io_uring ring;
	struct mover_stat st;
	struct dbuf b;
	struct load l;
	pthread_t th;

	fill(want, size, 950);
	pio(true, fd, want, size, 0);
	/* a hole at 1 MiB, an unwritten extent at 2 MiB, 256 KiB each */
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 1 * MiB, 256 * 1024) ||
	    fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 2 * MiB, 256 * 1024) ||
	    fallocate(fd, 0, 2 * MiB, 256 * 1024))
		die("punch, fallocate");
	memset(want + 1 * MiB, 0, 256 * 1024);
	memset(want + 2 * MiB, 0, 256 * 1024);
	if (dbuf_new(&b, kind, size))
		die("mover buffer");
	ring_new(&ring, 64, 1);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "%s: token registration of a mover "
		  "buffer", f->what);
	tags = set_nr_requests(f->dev, 4);

	/* the debugfs trigger: every lower mapping dropped, nothing moves */
	memset(b.cpu, CANARY, size);
	maps0 = stat_value("maps");
	l = (struct load){ .ring = &ring, .fd = fd, .slot = 0, .qd = 32, .bs = 16384,
			   .size = size, .max_eagain = EAGAIN_BOUND * 100 };
	trigger_stop = false;
	pthread_create(&th, NULL, trigger_thread, &triggers);
	for (unsigned r = 0; r < 20 && !l.err && (r < 2 || stat_value("maps") <= maps0); r++)
		load_reads(&l, 1024);
	trigger_stop = true;
	pthread_join(th, NULL);
	check(l.err == 0 && !memcmp(b.cpu, want, size), "%" PRIu64 " reads of 16 KiB at QD 32 "
	      "under %lu invalidations: no error (%d), every byte the file's (%" PRIu64
	      " -EAGAIN reissued)", l.ios, triggers, l.err, l.eagain);
	check(stat_value("maps") > maps0, "requests after an invalidation mapped afresh (%ld)",
	      stat_value("maps") - maps0);

	/* real moves */
	memset(b.cpu, CANARY, size);
	maps0 = stat_value("maps");
	l.ios = l.eagain = 0;
	mover_start(&th, &m, b.fd, 0);
	for (unsigned r = 0; r < 20 && !l.err && (r < 2 || stat_value("maps") <= maps0); r++)
		load_reads(&l, 1024);
	mover_end(th);
	st = mover_stat(b.fd);
	check(l.err == 0 && m.failed == 0, "%" PRIu64 " reads of 16 KiB at QD 32, 4 tags, "
	      "under %lu moves: no read error (%d), no move failed (%lu, last %d)", l.ios,
	      m.moves, l.err, m.failed, m.err);
	check(m.moves > 0 && !memcmp(b.cpu, want, size), "every byte read, zeros of the hole "
	      "and the unwritten extent included, is in the buffer where it now lives "
	      "(first difference at %zu)", first_diff(b.cpu, want, size));
	check(st.late_pages == 0, "no page written after the exporter gave it up (%" PRIu64
	      " of %" PRIu64 ")", st.late_pages, st.retired_pages);
	check(stat_value("maps") > maps0, "requests after a move mapped afresh (%ld)",
	      stat_value("maps") - maps0);

	fill(b.cpu, size, 951);
	memcpy(want, b.cpu, size);
	mover_start(&th, &m, b.fd, 0);
	for (size_t off = 0; off < size && ret >= 0; off += bs)
		ret = rw_token(&ring, true, fd, 0, off, bs, off, 0, 0);
	mover_end(th);
	check(ret == (int)bs && m.failed == 0 && pread_pages(fd, back, size, 0) == size &&
	      !memcmp(back, want, size), "64 token writes of 64 KiB, over the hole and the "
	      "unwritten extent too, under %lu moves: the file holds the buffer's bytes (%d)",
	      m.moves, ret);
	check(mover_stat(b.fd).late_pages == 0, "and no late page");
	set_nr_requests(f->dev, tags);
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	close(fd);
	tokens_gone(before);
	free(want);
	free(back);
}

static void case_mover(void)
{
	on_two_fs(mover_fs, "mover", false);
}

/*
 * The namespace's controller removed (its PCI device) under a mounted ext4
 * with token reads of a file in flight: the reads all end, the last ones
 * with an error, no hang and no crash; the file's token lets go of the
 * controller then (its lower detached while the device can still unmap);
 * unregistration, closing the file and unmounting work afterwards.  The
 * controller is gone: the caller rescans (tests/vm/files.bats).
 */
static void case_remove(void)
{
	const char *ns512 = ns_dev("DMABUF_VM_NS512");
	struct sysfs_poke k = { .file = "remove", .delay_us = 100000 };
	char ctrl[PATH_MAX], link[PATH_MAX + 16];
	const size_t size = 8 * MiB;
	long before = stat_value("tokens");
	struct io_uring ring;
	struct load l;
	struct dbuf b;
	struct fs f;
	pthread_t th;
	int fd, ret;

	umount_all();
	ctrl_dir(ns512, ctrl, sizeof(ctrl));
	snprintf(link, sizeof(link), "%s/device", ctrl);
	if (!realpath(link, k.dir))
		die("realpath %s", link);
	fs_ext4(&f, ns512, "remove", NULL);
	fd = file_with_data(&f, "f", size, 990);
	if (dbuf_new(&b, "udmabuf", size))
		die("udmabuf");
	ring_new(&ring, 64, 1);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "%s: token registration for a file", f.what);
	check(dmabuf_attached(basename(k.dir)), "the dma-buf is attached to the controller "
	      "below the file system (%s)", basename(k.dir));

	l = (struct load){ .ring = &ring, .fd = fd, .slot = 0, .qd = 32, .bs = 16384,
			   .size = size, .max_eagain = EAGAIN_BOUND * 100 };
	pthread_create(&th, NULL, poke_thread, &k);
	/* rounds of reads until the removal returned or the reads failed, then one more */
	while (!k.done && !l.err)
		load_reads(&l, size / l.bs);
	load_reads(&l, size / l.bs);
	pthread_join(th, NULL);
	check(l.err != 0, "%" PRIu64 " token reads of the file at QD 32 as the controller's "
	      "PCI device (%s) goes away: they all end, the last ones with an error (%d)",
	      l.ios, basename(k.dir), l.err);
	check(!dmabuf_attached(basename(k.dir)), "once the device is removed, the file's "
	      "token is detached from it, its registration still in place");
	ret = rw_fixed(&ring, false, fd, 0, 0, 4096, 0);
	check(ret < 0, "a token read of the file after the removal fails (%d)", ret);
	check_ret(reg_empty(&ring, 0), 0, "unregistration after the removal");
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	close(fd);
	tokens_gone(before);
	check_ret(umount2(f.mnt, 0) ? -errno : 0, 0, "umount of the ext4 whose device is gone");
}

/* ---- races: file A under token I/O, an operation on it, file B in the space it frees ---- */

#define RACE_SIZE	(8 * MiB)		/* file A */
#define RACE_BLOCKS	(RACE_SIZE / FT_BLK)
#define LANES		32			/* one request in flight per lane: QD 32 */
#define LANE_SIZE	(RACE_SIZE / LANES)
#define REQ_MAX		(64 * 1024)		/* a request's most bytes; a lane's room in the dma-buf */
#define B_SIZE		(2 * MiB)		/* file B */
#define FREED_MAX	256			/* freed extents of A remembered */

enum race_op { OP_TRUNCATE, OP_PUNCH, OP_ZERO, OP_BUFFERED, OP_SHIFT };
static const char *const op_names[] = { "truncates", "hole punches", "zero ranges",
					"buffered writes", "collapse and insert ranges" };

/* What A's block holds, as far as the requests that completed say. */
struct blk_state {
	uint32_t gen;		/* the last generation written */
	unsigned long seq;	/* the operation count when that write completed */
	bool unsure;		/* an operation ran while that write did */
};

struct lane_req {
	bool busy, write;
	uint64_t pos;
	unsigned len, reissued;
	uint32_t gen;
	unsigned long seq;	/* at submission */
};

struct race {
	enum race_op op;
	struct fs *f;
	struct io_uring ring;
	struct dbuf b;
	int afd, abuf, bfd;	/* A (O_DIRECT, registered), A buffered, B (O_DIRECT) */
	struct blk_state st[RACE_BLOCKS];
	struct lane_req req[LANES];
	/* shared with the threads (atomics) */
	unsigned long seq;	/* operations begun and ended: odd while one runs */
	int lane[LANES];	/* 0 free, 1 a token request in flight, 2 the buffered writer's */
	uint32_t gen;		/* the last generation handed out */
	uint64_t writes_done;
	bool stop, failing;
	/* the operation thread */
	unsigned long ops, buffered_reads, buffered_bad, op_err;
	/* file B's thread, and the space A freed */
	pthread_mutex_t freed_lock;
	struct extent freed[FREED_MAX];
	unsigned nfreed;
	unsigned long b_rounds, b_bad, b_a_stamps;
	uint64_t b_reused;
	/* the main loop */
	uint64_t reads, writes, blocks, zeros, ebusy, errors;
	uint64_t moved;		/* OP_SHIFT: A's blocks seen at another offset while it shifted */
	int first_err;
	uint64_t first_err_pos;
	uint64_t bad[6];	/* by enum seen, plus old generations and zeros where data was due */
	uint64_t old_gen, zero_due;
};

static unsigned long seq_now(struct race *r)
{
	return __atomic_load_n(&r->seq, __ATOMIC_ACQUIRE);
}

static uint32_t next_gen(struct race *r)
{
	return __atomic_add_fetch(&r->gen, 1, __ATOMIC_RELAXED);
}

static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * Judge block @blk of A as a read found it at @p, the read submitted at
 * operation count @s0 and completed at @s1.  Data must be A's own for the
 * block, of the last generation written; zeros only where an operation may
 * have freed the block since that write.  Under OP_SHIFT, A's data moves
 * legitimately while an operation runs (a read between the collapse and
 * the insert sees the collapsed file; a write that waited for the collapse
 * lands where the insert then moves it), so a block an operation touched
 * may hold any of A's blocks: only another file's data, a torn block or the
 * canary are bad there.  Returns false if bad.
 */
static bool judge(struct race *r, unsigned blk, const uint8_t *p, unsigned long s0,
		  unsigned long s1)
{
	struct blk_state *bs = &r->st[blk];
	bool exact = r->op == OP_BUFFERED ||
		     (!bs->unsure && bs->seq == s0 && s0 == s1 && !(s0 & 1));
	uint32_t g = 0;
	enum seen s = stamp_seen(p, FILE_A, (uint64_t)blk * FT_BLK, &g);

	r->blocks++;
	if (s == SEEN_OWN && g == bs->gen)
		return true;
	if (s == SEEN_ZERO && !exact) {
		r->zeros++;
		return true;
	}
	if (r->op == OP_SHIFT && !exact && (s == SEEN_OWN || s == SEEN_WRONG_OFF)) {
		r->moved++;
		return true;
	}
	if (s == SEEN_OWN)
		r->old_gen++;
	else if (s == SEEN_ZERO)
		r->zero_due++;
	else
		r->bad[s]++;
	if (r->old_gen + r->zero_due + r->bad[SEEN_OTHER_FILE] + r->bad[SEEN_WRONG_OFF] +
	    r->bad[SEEN_TORN] + r->bad[SEEN_GARBAGE] <= 5)
		printf("# block %u (offset %u): %s (stamp generation %u, last written %u, "
		       "operations %lu..%lu, written at %lu%s)\n", blk, blk * FT_BLK,
		       s == SEEN_ZERO ? "zeros where data was due" :
		       s == SEEN_OWN ? "an older generation" :
		       s == SEEN_OTHER_FILE ? "another file's stamp (B's)" :
		       s == SEEN_WRONG_OFF ? "A's stamp of another offset" :
		       s == SEEN_TORN ? "a torn stamp" : "neither a stamp nor zeros (canary?)",
		       g, bs->gen, s0, s1, bs->seq, bs->unsure ? ", unsure" : "");
	return false;
}

static void race_fail(struct race *r, int res, uint64_t pos)
{
	if (!r->errors++) {
		r->first_err = res;
		r->first_err_pos = pos;
	}
	if (r->errors > 100)
		__atomic_store_n(&r->failing, true, __ATOMIC_RELEASE);
}

/* Prepare lane @l's request (kept in r->req[l]) as an SQE. */
static void lane_submit(struct race *r, unsigned l)
{
	struct lane_req *q = &r->req[l];
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
	uint64_t addr = (uint64_t)l * REQ_MAX;

	if (!sqe)
		die("no SQE");
	if (q->write)
		io_uring_prep_write_fixed(sqe, r->afd, (void *)(uintptr_t)addr, q->len, q->pos, 0);
	else
		io_uring_prep_read_fixed(sqe, r->afd, (void *)(uintptr_t)addr, q->len, q->pos, 0);
	/* every fourth through io-wq, the others inline (IOCB_NOWAIT first) */
	if ((q->pos / FT_BLK + q->len) % 4 == 0)
		sqe->flags |= IOSQE_ASYNC;
	sqe->user_data = l;
}

/* A new request in lane @l: a read or a write of 1-16 blocks inside it. */
static void lane_new(struct race *r, unsigned l, uint64_t *x)
{
	struct lane_req *q = &r->req[l];
	unsigned nblk = 1 + rnd(x) % (REQ_MAX / FT_BLK);
	unsigned first = rnd(x) % (LANE_SIZE / FT_BLK - nblk + 1);
	uint8_t *p = r->b.cpu + (size_t)l * REQ_MAX;

	*q = (struct lane_req){ .busy = true, .write = rnd(x) % 2,
				.pos = (uint64_t)l * LANE_SIZE + (uint64_t)first * FT_BLK,
				.len = nblk * FT_BLK, .seq = seq_now(r) };
	if (q->write) {
		q->gen = next_gen(r);
		for (unsigned i = 0; i < nblk; i++)
			stamp(p + i * FT_BLK, FILE_A, q->pos + i * FT_BLK, q->gen);
	} else {
		memset(p, CANARY, q->len);
	}
	lane_submit(r, l);
}

/* Lane @l's request completed with @res. */
static void lane_done(struct race *r, unsigned l, int res)
{
	struct lane_req *q = &r->req[l];
	unsigned long s1 = seq_now(r);
	uint8_t *p = r->b.cpu + (size_t)l * REQ_MAX;
	unsigned first = q->pos / FT_BLK;

	if (q->write) {
		r->writes++;
		if (res == (int)q->len) {
			for (unsigned i = 0; i < q->len / FT_BLK; i++)
				r->st[first + i] = (struct blk_state){
					q->gen, s1, q->seq != s1 || (s1 & 1) };
			__atomic_add_fetch(&r->writes_done, 1, __ATOMIC_RELEASE);
		} else if (res == -EBUSY && r->op == OP_BUFFERED) {
			r->ebusy++;	/* the page cache could not be invalidated: nothing written */
		} else {
			race_fail(r, res, q->pos);
		}
	} else {
		r->reads++;
		if (res < 0 || res % FT_BLK) {
			race_fail(r, res, q->pos);
		} else {
			for (unsigned i = 0; i < (unsigned)res / FT_BLK; i++)
				judge(r, first + i, p + i * FT_BLK, q->seq, s1);
			/* short only at EOF, which only a truncate or a collapse moves */
			if (res < (int)q->len && r->op != OP_TRUNCATE && r->op != OP_SHIFT)
				race_fail(r, res, q->pos);
		}
	}
	q->busy = false;
	__atomic_store_n(&r->lane[l], 0, __ATOMIC_RELEASE);
}

/* Token I/O on A at QD 32 until the operation thread is done. */
static void race_main(struct race *r)
{
	unsigned inflight = 0;
	uint64_t x = 0x5eed;

	for (;;) {
		bool stop = __atomic_load_n(&r->stop, __ATOMIC_ACQUIRE);
		struct io_uring_cqe *cqe;
		int ret;

		for (unsigned l = 0; l < LANES && !stop; l++) {
			int free_lane = 0;

			if (r->req[l].busy || !__atomic_compare_exchange_n(&r->lane[l], &free_lane,
					1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				continue;	/* in flight, or the buffered writer's now */
			lane_new(r, l, &x);
			inflight++;
		}
		if (!inflight) {
			if (stop)
				break;
			usleep(1000);	/* every lane is the buffered writer's */
			continue;
		}
		ret = io_uring_submit_and_wait(&r->ring, 1);
		if (ret < 0 && ret != -EINTR)
			die("io_uring_submit_and_wait: %d", ret);
		while (io_uring_peek_cqe(&r->ring, &cqe) == 0) {
			unsigned l = cqe->user_data;
			int res = cqe->res;

			io_uring_cqe_seen(&r->ring, cqe);
			if (res == -EAGAIN && r->req[l].reissued++ < EAGAIN_BOUND) {
				lane_submit(r, l);	/* doc/token-uapi.md: reissue */
				continue;
			}
			lane_done(r, l, res);
			inflight--;
		}
	}
}

/* Remember where A's bytes [@pos, @pos + @len) are, before an operation frees them. */
static void note_freed(struct race *r, uint64_t pos, uint64_t len)
{
	struct extent e[32];
	unsigned n = fiemap(r->afd, pos, len, e, 32);

	pthread_mutex_lock(&r->freed_lock);
	for (unsigned i = 0; i < n; i++)
		r->freed[r->nfreed++ % FREED_MAX] = e[i];
	pthread_mutex_unlock(&r->freed_lock);
}

/* Bytes of @e that A had before an operation freed them. */
static uint64_t freed_overlap(struct race *r, const struct extent *e)
{
	uint64_t n = 0;

	pthread_mutex_lock(&r->freed_lock);
	for (unsigned i = 0; i < FREED_MAX && i < r->nfreed; i++) {
		const struct extent *f = &r->freed[i];
		uint64_t lo = e->physical > f->physical ? e->physical : f->physical;
		uint64_t hi = e->physical + e->length < f->physical + f->length ?
			      e->physical + e->length : f->physical + f->length;

		if (hi > lo)
			n += hi - lo;
	}
	pthread_mutex_unlock(&r->freed_lock);
	return n;
}

/* Wait (up to 30 s) until the token writes have gone round the lanes since @w0. */
static void wait_refill(struct race *r, uint64_t w0)
{
	for (int i = 0; i < 30000 && !__atomic_load_n(&r->failing, __ATOMIC_ACQUIRE); i++) {
		if (__atomic_load_n(&r->writes_done, __ATOMIC_ACQUIRE) >= w0 + LANES)
			return;
		usleep(1000);
	}
}

/* The buffered writer takes lane @l once no token request is in it (up to 30 s). */
static bool lane_take(struct race *r, unsigned l)
{
	for (int i = 0; i < 300000; i++) {
		int free_lane = 0;

		if (__atomic_compare_exchange_n(&r->lane[l], &free_lane, 2, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return true;
		usleep(100);
	}
	return false;
}

/*
 * The buffered writer's turn on lane @l: buffered writes of new stamps to
 * part of it (left dirty in the page cache for the token requests to find),
 * then a buffered read of the whole lane, which must show the last
 * generation of every block, the token writes' included (iomap invalidates
 * the page cache after a direct write).
 */
static void buffered_turn(struct race *r, unsigned l, uint64_t *x)
{
	uint8_t *p = aligned(LANE_SIZE);
	unsigned nblk = 1 + rnd(x) % 16, first = rnd(x) % (LANE_SIZE / FT_BLK - nblk + 1);
	uint64_t base = (uint64_t)l * LANE_SIZE, pos = base + (uint64_t)first * FT_BLK;
	uint32_t g = next_gen(r);

	for (unsigned i = 0; i < nblk; i++)
		stamp(p + i * FT_BLK, FILE_A, pos + i * FT_BLK, g);
	if (pwrite(r->abuf, p, nblk * FT_BLK, pos) != (ssize_t)(nblk * FT_BLK)) {
		r->op_err++;
	} else {
		for (unsigned i = 0; i < nblk; i++)
			r->st[pos / FT_BLK + i] = (struct blk_state){ g, seq_now(r), false };
	}
	if (pread(r->abuf, p, LANE_SIZE, base) != LANE_SIZE) {
		r->op_err++;
	} else {
		r->buffered_reads++;
		for (unsigned i = 0; i < LANE_SIZE / FT_BLK; i++) {
			uint32_t sg = 0;
			unsigned blk = base / FT_BLK + i;

			if (stamp_seen(p + i * FT_BLK, FILE_A, (uint64_t)blk * FT_BLK, &sg) !=
			    SEEN_OWN || sg != r->st[blk].gen) {
				if (!r->buffered_bad++)
					printf("# buffered read of block %u: generation %u, last "
					       "written %u\n", blk, sg, r->st[blk].gen);
			}
		}
	}
	free(p);
}

/* The operation thread: @iterations of the case's operation, each followed by refills. */
static void *op_thread(void *arg)
{
	struct race *r = arg;
	uint64_t x = 0xfeed;

	for (unsigned i = 0; i < iterations && !__atomic_load_n(&r->failing, __ATOMIC_ACQUIRE);
	     i++) {
		uint64_t w0 = __atomic_load_n(&r->writes_done, __ATOMIC_ACQUIRE);
		uint64_t off = rnd(&x) % (RACE_SIZE / 65536) * 65536, len;
		unsigned l;
		int ret = 0;

		switch (r->op) {
		case OP_TRUNCATE:
			/* down to @off and back up: [off, end) is a hole afterwards */
			note_freed(r, off, RACE_SIZE - off);
			__atomic_add_fetch(&r->seq, 1, __ATOMIC_ACQ_REL);
			ret = ftruncate(r->afd, off) || fsync(r->afd) || ftruncate(r->afd, RACE_SIZE);
			__atomic_add_fetch(&r->seq, 1, __ATOMIC_ACQ_REL);
			break;
		case OP_PUNCH:
		case OP_ZERO:
			/*
			 * Zero range leaves unwritten extents (ext4 converts the
			 * blocks, XFS punches and preallocates): the same
			 * blocks, or new ones, that must read as zeros.
			 */
			len = (1 + rnd(&x) % 32) * 65536;
			if (off + len > RACE_SIZE)
				len = RACE_SIZE - off;
			note_freed(r, off, len);
			__atomic_add_fetch(&r->seq, 1, __ATOMIC_ACQ_REL);
			ret = fallocate(r->afd, (r->op == OP_PUNCH ? FALLOC_FL_PUNCH_HOLE :
						 FALLOC_FL_ZERO_RANGE) | FALLOC_FL_KEEP_SIZE,
					off, len) || fsync(r->afd);
			__atomic_add_fetch(&r->seq, 1, __ATOMIC_ACQ_REL);
			break;
		case OP_SHIFT:
			/*
			 * Collapse [off, off + len), which frees its blocks and
			 * moves the rest of the file down, then insert a hole
			 * there, which moves it back: the same size, a hole
			 * where the range was, A's other blocks where they were.
			 * A collapse may not reach EOF.
			 */
			len = (1 + rnd(&x) % 8) * 65536;
			if (off + len >= RACE_SIZE)
				off = RACE_SIZE - len - 65536;
			note_freed(r, off, len);
			__atomic_add_fetch(&r->seq, 1, __ATOMIC_ACQ_REL);
			ret = fallocate(r->afd, FALLOC_FL_COLLAPSE_RANGE, off, len) ||
			      fallocate(r->afd, FALLOC_FL_INSERT_RANGE, off, len) || fsync(r->afd);
			__atomic_add_fetch(&r->seq, 1, __ATOMIC_ACQ_REL);
			break;
		case OP_BUFFERED:
			l = rnd(&x) % LANES;
			if (!lane_take(r, l)) {
				r->op_err++;
				break;
			}
			buffered_turn(r, l, &x);
			__atomic_store_n(&r->lane[l], 0, __ATOMIC_RELEASE);
			/* writeback now and then, racing the token requests of other lanes */
			if (i % 8 == 7)
				ret = fdatasync(r->abuf);
			if (i % 64 == 63)
				ret = ret || posix_fadvise(r->abuf, 0, 0, POSIX_FADV_DONTNEED);
			break;
		}
		if (ret)
			r->op_err++;
		r->ops++;
		if (r->op != OP_BUFFERED)
			wait_refill(r, w0);
	}
	__atomic_store_n(&r->stop, true, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * File B's thread, while A is raced: B emptied, then written anew in 64 KiB
 * pieces (pages path, stamps of B) into whatever space is free, most of it
 * what A's operations freed; read back, every block must be B's own.
 */
static void *b_thread(void *arg)
{
	struct race *r = arg;
	uint8_t *p = aligned(B_SIZE);
	struct extent e[64];
	uint32_t g = 0;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		unsigned n;

		g++;
		if (ftruncate(r->bfd, 0) || fsync(r->bfd))
			die("empty file B");
		for (size_t off = 0; off < B_SIZE; off += FT_BLK)
			stamp(p + off, FILE_B, off, g);
		for (size_t off = 0; off < B_SIZE; off += 65536)
			if (pwrite(r->bfd, p + off, 65536, off) != 65536)
				die("write file B");
		n = fiemap(r->bfd, 0, B_SIZE, e, 64);
		for (unsigned i = 0; i < n; i++)
			r->b_reused += freed_overlap(r, &e[i]);
		memset(p, 0, B_SIZE);
		pio(false, r->bfd, p, B_SIZE, 0);
		for (size_t off = 0; off < B_SIZE; off += FT_BLK) {
			uint32_t sg = 0;
			enum seen s = stamp_seen(p + off, FILE_B, off, &sg);

			if (s == SEEN_OWN && sg == g)
				continue;
			r->b_bad++;
			if (s == SEEN_OTHER_FILE)
				r->b_a_stamps++;
			if (r->b_bad <= 5)
				printf("# file B round %lu, block at %zu: %s\n", r->b_rounds, off,
				       s == SEEN_OTHER_FILE ? "A's stamp" : "not B's own");
		}
		r->b_rounds++;
	}
	free(p);
	return NULL;
}

/* Leave about @slack bytes free on @f: the rest of its space to a filler file. */
static void leave_free(const struct fs *f, uint64_t slack)
{
	struct statvfs sv;
	uint64_t avail;
	int fd;

	if (statvfs(f->mnt, &sv))
		die("statvfs");
	avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	if (avail <= slack)
		return;
	fd = ft_open(f, "filler", O_RDWR | O_TRUNC);
	if (fallocate(fd, 0, 0, (avail - slack) / 65536 * 65536))
		die("fallocate the filler");
	close(fd);
}

/*
 * Each block A's token reads report is A's own for that offset with the
 * last generation written, or zeros where an operation may have freed it;
 * never B's stamp, another offset's, a torn block or the canary.  B's
 * blocks are always B's own.  The bug this catches is the one a file token
 * must not bring: a token caching block addresses, or DMA outliving
 * inode_dio_wait(), so that A reads or writes blocks that the file system
 * has freed and handed to B (design section 3); also stale bytes in blocks
 * allocated to A and not yet written (unwritten extents).  For the
 * buffered writer: data in the page cache that a token read does not
 * flush first, or a page cache a token write leaves stale.
 */
static void race_fs(enum race_op op, struct fs *f)
{
	struct race *r = calloc(1, sizeof(*r));
	long before = stat_value("tokens");
	uint8_t *p = aligned(RACE_SIZE);
	pthread_t to, tb;
	uint64_t bad;

	if (!r)
		die("calloc");
	r->op = op;
	r->f = f;
	pthread_mutex_init(&r->freed_lock, NULL);
	r->afd = ft_open(f, "a", O_RDWR | O_TRUNC | O_DIRECT);
	r->abuf = ft_open(f, "a", O_RDWR);
	r->bfd = ft_open(f, "b", O_RDWR | O_TRUNC | O_DIRECT);
	/* A: every block stamped, generation 1 */
	r->gen = 1;
	for (size_t off = 0; off < RACE_SIZE; off += FT_BLK) {
		stamp(p + off, FILE_A, off, 1);
		r->st[off / FT_BLK] = (struct blk_state){ 1, 0, false };
	}
	pio(true, r->afd, p, RACE_SIZE, 0);
	/* little free space beside what A's operations free: B lands in that */
	if (op != OP_BUFFERED)
		leave_free(f, B_SIZE + 4 * MiB);
	if (dbuf_new(&r->b, "udmabuf", LANES * REQ_MAX))
		die("udmabuf");
	ring_new(&r->ring, 2 * LANES, 1);
	check_ret(reg_dmabuf(&r->ring, 0, r->b.fd, r->afd), 0, "%s: token registration for "
		  "file A", f->what);

	if (op == OP_BUFFERED) {
		/* in order first: a token read finds what a buffered write left dirty ... */
		uint32_t g = next_gen(r);
		int ret;

		stamp(p, FILE_A, 0, g);
		if (pwrite(r->abuf, p, FT_BLK, 0) != FT_BLK)
			die("buffered write");
		r->st[0].gen = g;
		memset(r->b.cpu, CANARY, FT_BLK);
		ret = rw_token(&r->ring, false, r->afd, 0, 0, FT_BLK, 0, 0, 0);
		check(ret == FT_BLK && !memcmp(r->b.cpu, p, FT_BLK), "a token read of a block "
		      "a buffered write left dirty in the page cache gets that write (%d)", ret);
		/* ... and a buffered read what a token write wrote over a cached page */
		g = next_gen(r);
		stamp(r->b.cpu, FILE_A, 0, g);
		ret = rw_token(&r->ring, true, r->afd, 0, 0, FT_BLK, 0, 0, 0);
		r->st[0].gen = g;
		check(ret == FT_BLK && pread(r->abuf, p, FT_BLK, 0) == FT_BLK &&
		      !memcmp(r->b.cpu, p, FT_BLK), "a buffered read after a token write over "
		      "that cached page gets the token's bytes (%d)", ret);
	}

	pthread_create(&to, NULL, op_thread, r);
	if (op != OP_BUFFERED)
		pthread_create(&tb, NULL, b_thread, r);
	race_main(r);
	pthread_join(to, NULL);
	if (op != OP_BUFFERED)
		pthread_join(tb, NULL);

	printf("# %s, %s: %lu operations; %" PRIu64 " token reads (%" PRIu64 " blocks, %"
	       PRIu64 " of them zeros), %" PRIu64 " token writes; file B: %lu rounds, %"
	       PRIu64 " KiB in space A had freed\n", f->what, op_names[op], r->ops, r->reads,
	       r->blocks, r->zeros, r->writes, r->b_rounds, r->b_reused >> 10);
	if (op == OP_SHIFT)
		printf("# %" PRIu64 " blocks read were A's, moved by a collapse or insert\n",
		       r->moved);
	check(r->ops == iterations && r->op_err == 0, "%s: %lu of %u %s ran, %lu failed",
	      f->what, r->ops, iterations, op_names[op], r->op_err);
	check(r->errors == 0, "%s, under %s: no token request failed (%" PRIu64 " failed, "
	      "first %d at %" PRIu64 ")%s", f->what, op_names[op], r->errors, r->first_err,
	      r->first_err_pos, op == OP_BUFFERED ? " but for -EBUSY (invalidation failed)" : "");
	if (op == OP_BUFFERED)
		printf("# %" PRIu64 " token writes answered -EBUSY\n", r->ebusy);
	bad = r->old_gen + r->zero_due + r->bad[SEEN_OTHER_FILE] + r->bad[SEEN_WRONG_OFF] +
	      r->bad[SEEN_TORN] + r->bad[SEEN_GARBAGE];
	check(r->blocks > 0 && bad == 0, "%s, under %s: every block of A's token reads was "
	      "A's own with its last generation, or zeros where freed%s: %" PRIu64 " blocks, %"
	      PRIu64 " bad (B's stamp %" PRIu64 ", other offset %" PRIu64 ", torn %" PRIu64
	      ", canary or stale %" PRIu64 ", older generation %" PRIu64 ", zeros where data "
	      "was due %" PRIu64 ")", f->what, op_names[op],
	      op == OP_SHIFT ? ", or another of A's blocks where one moved" : "", r->blocks, bad,
	      r->bad[SEEN_OTHER_FILE], r->bad[SEEN_WRONG_OFF], r->bad[SEEN_TORN],
	      r->bad[SEEN_GARBAGE], r->old_gen, r->zero_due);
	if (op == OP_BUFFERED) {
		check(r->buffered_reads > 0 && r->buffered_bad == 0, "%lu buffered reads of lanes "
		      "saw every block's last generation, token writes' included (%lu bad)",
		      r->buffered_reads, r->buffered_bad);
	} else {
		check(r->zeros > 0, "the token reads met the holes the %s made (%" PRIu64
		      " zero blocks): the race ran", op_names[op], r->zeros);
		check(r->b_rounds > 0 && r->b_bad == 0, "file B: %lu rounds, every block B's own "
		      "(%lu bad, %lu of them A's stamp)", r->b_rounds, r->b_bad, r->b_a_stamps);
		/*
		 * ext4 converts a zero range to unwritten extents in place:
		 * it frees nothing, so B has no room of A's to land in, and
		 * the race shows only that the zeros are read right.
		 */
		if (op == OP_ZERO && !strcmp(f->type, "ext4"))
			printf("# %s: zero ranges keep their blocks (unwritten in place): B "
			       "wrote %" PRIu64 " KiB in space A had freed\n", f->what,
			       r->b_reused >> 10);
		else
			check(r->b_reused > 0, "file B was written into space A's %s freed (%"
			      PRIu64 " KiB): the race could have shown a late access",
			      op_names[op], r->b_reused >> 10);
	}

	/* at rest: the whole file through the pages path, by the same rules */
	{
		unsigned long s = seq_now(r);
		size_t n = pread_pages(r->afd, p, RACE_SIZE, 0);
		uint64_t bad0 = r->blocks;

		r->blocks = 0;
		memset(r->bad, 0, sizeof(r->bad));
		r->old_gen = r->zero_due = 0;
		for (size_t off = 0; off < n; off += FT_BLK)
			judge(r, off / FT_BLK, p + off, s, s);
		bad = r->old_gen + r->zero_due + r->bad[SEEN_OTHER_FILE] +
		      r->bad[SEEN_WRONG_OFF] + r->bad[SEEN_TORN] + r->bad[SEEN_GARBAGE];
		check(n == RACE_SIZE && bad == 0, "afterwards A reads (pages path) as the "
		      "completed writes say: %zu bytes, %" PRIu64 " bad blocks", n, bad);
		if (op == OP_BUFFERED) {
			n = pread(r->abuf, p, RACE_SIZE, 0) == (ssize_t)RACE_SIZE ? RACE_SIZE : 0;
			r->blocks = 0;
			for (size_t off = 0; off < n; off += FT_BLK)
				judge(r, off / FT_BLK, p + off, s, s);
			bad = r->old_gen + r->zero_due + r->bad[SEEN_OTHER_FILE] +
			      r->bad[SEEN_WRONG_OFF] + r->bad[SEEN_TORN] + r->bad[SEEN_GARBAGE];
			check(n == RACE_SIZE && bad == 0, "and through the page cache (%" PRIu64
			      " bad blocks)", bad);
		}
		r->blocks = bad0;
	}
	io_uring_queue_exit(&r->ring);
	dbuf_free(&r->b);
	close(r->afd);
	close(r->abuf);
	close(r->bfd);
	tokens_gone(before);
	pthread_mutex_destroy(&r->freed_lock);
	free(r);
	free(p);
}

static void case_race(enum race_op op)
{
	const char *ns4k = ns_dev("DMABUF_VM_NS4K");
	struct fs f;

	need("mkfs.xfs", "xfsprogs");
	umount_all();
	/* 4 KiB LBAs: a block is one LBA, which the device writes whole */
	fs_ext4(&f, ns4k, "race", NULL);
	race_fs(op, &f);
	fs_done(&f);
	fs_xfs(&f, ns4k, "race");
	race_fs(op, &f);
	fs_done(&f);
}

static void race_truncate(void) { case_race(OP_TRUNCATE); }
static void race_punch(void) { case_race(OP_PUNCH); }
static void race_zero(void) { case_race(OP_ZERO); }
static void race_buffered(void) { case_race(OP_BUFFERED); }
static void race_shift(void) { case_race(OP_SHIFT); }

static const struct tcase cases[] = {
	{ "file-register", case_register },
	{ "file-io-udmabuf", io_udmabuf },
	{ "file-io-heap", io_heap },
	{ "file-io-vgem", io_vgem },
	{ "file-holes-udmabuf", holes_udmabuf },
	{ "file-holes-heap", holes_heap },
	{ "file-holes-vgem", holes_vgem },
	{ "file-holes-mover", holes_mover },
	{ "file-holes-nomap", case_holes_nomap },
	{ "file-holes-contended", case_holes_contended },
	{ "file-extend", case_extend },
	{ "file-subblock", case_subblock },
	{ "file-cow", case_cow },
	{ "file-rt", case_rt },
	{ "file-dm", case_dm },
	{ "file-mover", case_mover },
	{ "file-race-truncate", race_truncate },
	{ "file-race-punch", race_punch },
	{ "file-race-zero", race_zero },
	{ "file-race-buffered", race_buffered },
	{ "file-race-shift", race_shift },
	{ "file-remove", case_remove, true },	/* removes a controller: not in "all" */
};

int main(int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "+n:")) != -1) {
		char *end;

		switch (opt) {
		case 'n':
			iterations = strtoul(optarg, &end, 10);
			if (*end || !iterations) {
				fprintf(stderr, "%s: -n wants a positive count, got '%s'\n",
					argv[0], optarg);
				return 2;
			}
			break;
		default:
			fprintf(stderr, "usage: %s [-n ITERATIONS] CASE... | list | all\n", argv[0]);
			return 2;
		}
	}
	argv[optind - 1] = argv[0];
	return ktest_main(argc - optind + 1, argv + optind - 1, cases,
			  sizeof(cases) / sizeof(cases[0]), "[-n ITERATIONS] ");
}
