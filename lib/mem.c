// SPDX-License-Identifier: MIT
/*
 * Memory sources, the generic half: parse --mem, dispatch to the source's
 * ops (lib/mem-*.c), and everything that is the same for every source once
 * it exists: naming, mmap, DMA_BUF_IOCTL_SYNC, the `pages` range, describe.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <linux/magic.h>

#include "mem.h"
#include "util.h"
#include "mem-internal.h"

#define MEM_FORMS "memfd, hugetlb, udmabuf, udmabuf:huge, heap, heap:NAME, drm, drm:PATH, " \
		  "drm[:PATH]:vram|gtt|dumb, " \
		  "mover, mover:nomap, mover:misdirect, cuda, cuda:DEV, hip, hip:DEV, fd:N, pid:PID:FD"
#define HEAP_DIR "/dev/dma_heap/"

struct mem_source {
	const struct db_mem_ops *ops;
	int (*probe)(const char *path, struct dmabuf_err *e);
	bool adopts;		/* fd/pid: take an existing dma-buf, size 0 allowed */
};

static const struct mem_source sources[DB_MEM_NR_KINDS] = {
	[DB_MEM_MEMFD]	 = { &db_mem_memfd_ops,	  db_mem_memfd_probe,	false },
	[DB_MEM_HUGETLB] = { &db_mem_hugetlb_ops, db_mem_hugetlb_probe, false },
	[DB_MEM_UDMABUF] = { &db_mem_udmabuf_ops, db_mem_udmabuf_probe, false },
	[DB_MEM_HEAP]	 = { &db_mem_heap_ops,	  db_mem_heap_probe,	false },
	[DB_MEM_DRM]	 = { &db_mem_drm_ops,	  db_mem_drm_probe,	false },
	[DB_MEM_MOVER]	 = { &db_mem_mover_ops,	  db_mem_mover_probe,	false },
	[DB_MEM_FD]	 = { &db_mem_fd_ops,	  db_mem_fd_probe,	true },
	[DB_MEM_PID]	 = { &db_mem_pid_ops,	  db_mem_pid_probe,	true },
	[DB_MEM_CUDA]	 = { &db_mem_cuda_ops,	  db_mem_cuda_probe,	false },
	[DB_MEM_HIP]	 = { &db_mem_hip_ops,	  db_mem_hip_probe,	false },
};

const char *db_mem_kind_name(enum db_mem_kind kind)
{
	if ((unsigned)kind >= DB_MEM_NR_KINDS)
		return "unknown";
	return sources[kind].ops->name;
}

/* --- parse ------------------------------------------------------------ */

static int parse_bad(struct dmabuf_err *e, const char *text, const char *why)
{
	db_err_set(e, DMABUF_E_USAGE, -EINVAL, "parse memory source", "%s", text);
	db_err_detail(e, "%s", why);
	db_err_detail(e, "valid forms: " MEM_FORMS);
	return -EINVAL;
}

/* A plain decimal number in [0, INT_MAX]: no sign, no suffix, no blanks. */
static int parse_int(const char *s, size_t len, int *out)
{
	long long v = 0;
	size_t i;

	if (!len || len > 10)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	if (v > INT_MAX)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

static int parse_heap(const char *text, const char *arg, struct db_mem_spec *spec,
		      struct dmabuf_err *e)
{
	if (!arg)
		arg = "system";
	if (!*arg || strchr(arg, '/') || !strcmp(arg, ".") || !strcmp(arg, ".."))
		return parse_bad(e, text,
				 "heap:NAME wants a heap name from /dev/dma_heap, without slashes");
	if (strlen(HEAP_DIR) + strlen(arg) >= sizeof(spec->path))
		return parse_bad(e, text, "heap name too long");
	snprintf(spec->path, sizeof(spec->path), HEAP_DIR "%s", arg);
	return 0;
}

static int parse_placement(const char *text, const char *s, struct db_mem_spec *spec,
			   struct dmabuf_err *e)
{
	static const char *const names[] = {
		[DB_DRM_DUMB] = "dumb", [DB_DRM_VRAM] = "vram", [DB_DRM_GTT] = "gtt",
	};

	for (unsigned i = DB_DRM_DUMB; i < DB_ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i])) {
			spec->placement = i;
			return 0;
		}
	return parse_bad(e, text, "drm placements are vram, gtt and dumb");
}

/* drm[:PATH][:PLACEMENT]: "" = the first render node, the driver's placement. */
static int parse_drm(const char *text, const char *arg, struct db_mem_spec *spec,
		     struct dmabuf_err *e)
{
	const char *colon;
	size_t n;

	if (!arg)
		return 0;
	if (*arg != '/')
		return parse_placement(text, arg, spec, e);
	colon = strchr(arg, ':');
	n = colon ? (size_t)(colon - arg) : strlen(arg);
	if (n >= sizeof(spec->path))
		return parse_bad(e, text, "device path too long");
	memcpy(spec->path, arg, n);
	spec->path[n] = '\0';
	return colon ? parse_placement(text, colon + 1, spec, e) : 0;
}

static int parse_fd(const char *text, const char *arg, struct db_mem_spec *spec,
		    struct dmabuf_err *e)
{
	if (!arg || parse_int(arg, strlen(arg), &spec->fd))
		return parse_bad(e, text, "fd:N wants a file descriptor number");
	return 0;
}

static int parse_pid(const char *text, const char *arg, struct db_mem_spec *spec,
		     struct dmabuf_err *e)
{
	const char *colon = arg ? strchr(arg, ':') : NULL;
	int pid;

	if (!colon || parse_int(arg, colon - arg, &pid) || pid <= 0 ||
	    parse_int(colon + 1, strlen(colon + 1), &spec->fd))
		return parse_bad(e, text,
				 "pid:PID:FD wants a process id and a file descriptor number");
	spec->pid = pid;
	return 0;
}

/* mover[:OPT[,OPT]]: nomap, misdirect (the test exporter's modes). */
static int parse_mover(const char *text, const char *arg, struct db_mem_spec *spec,
		       struct dmabuf_err *e)
{
	while (arg) {
		size_t n = strcspn(arg, ",");

		if (n == 5 && !strncmp(arg, "nomap", n))
			spec->no_cpu_map = true;
		else if (n == 9 && !strncmp(arg, "misdirect", n))
			spec->misdirect = true;
		else
			return parse_bad(e, text, "mover takes nomap and/or misdirect, "
					 "comma-separated");
		arg = arg[n] ? arg + n + 1 : NULL;
	}
	return 0;
}

/* cuda[:DEV], hip[:DEV]: a device ordinal, default 0. */
static int parse_gpu(const char *text, const char *arg, struct db_mem_spec *spec,
		     struct dmabuf_err *e)
{
	if (arg && (parse_int(arg, strlen(arg), &spec->dev) || spec->dev < 0))
		return parse_bad(e, text, "cuda:DEV and hip:DEV want a device number");
	return 0;
}

static int parse_kind(const char *text, size_t n, enum db_mem_kind *kind)
{
	unsigned k;

	for (k = 0; k < DB_MEM_NR_KINDS; k++) {
		const char *name = sources[k].ops->name;

		if (strlen(name) == n && !strncmp(text, name, n)) {
			*kind = k;
			return 0;
		}
	}
	return -EINVAL;
}

int db_mem_parse(const char *text, struct db_mem_spec *spec, struct dmabuf_err *e)
{
	const char *arg;
	size_t n;

	memset(spec, 0, sizeof(*spec));
	spec->fd = -1;
	if (!text || !*text)
		return parse_bad(e, "--mem", "empty memory source");
	if (strlen(text) >= sizeof(spec->text))
		return parse_bad(e, "--mem", "memory source too long");
	strcpy(spec->text, text);

	arg = strchr(text, ':');
	n = arg ? (size_t)(arg - text) : strlen(text);
	if (arg)
		arg++;
	if (parse_kind(text, n, &spec->kind))
		return parse_bad(e, text, "unknown memory source");

	switch (spec->kind) {
	case DB_MEM_MEMFD:
	case DB_MEM_HUGETLB:
		if (arg)
			return parse_bad(e, text, "memfd and hugetlb take no argument");
		return 0;
	case DB_MEM_MOVER:
		return parse_mover(text, arg, spec, e);
	case DB_MEM_CUDA:
	case DB_MEM_HIP:
		return parse_gpu(text, arg, spec, e);
	case DB_MEM_UDMABUF:
		if (arg && strcmp(arg, "huge"))
			return parse_bad(e, text, "udmabuf takes no argument but \"huge\"");
		spec->huge = arg != NULL;
		return 0;
	case DB_MEM_HEAP:
		return parse_heap(text, arg, spec, e);
	case DB_MEM_DRM:
		return parse_drm(text, arg, spec, e);
	case DB_MEM_FD:
		return parse_fd(text, arg, spec, e);
	case DB_MEM_PID:
		return parse_pid(text, arg, spec, e);
	default:
		return parse_bad(e, text, "unknown memory source");
	}
}

/* --- helpers for the sources ------------------------------------------- */

uint64_t db_mem_page_size(void)
{
	long ps = sysconf(_SC_PAGESIZE);

	return ps > 0 ? (uint64_t)ps : 4096;
}

int db_mem_round(const struct dmabuf_mem *m, uint64_t size, uint64_t align, uint64_t *out,
		 struct dmabuf_err *e)
{
	/* off_t and the kernel's loff_t are signed: stay below INT64_MAX */
	if (size > (uint64_t)INT64_MAX - align) {
		db_err_set(e, DMABUF_E_USAGE, -EINVAL, "size", "%s", m->spec.text);
		db_err_detail(e, "size %llu is too large", (unsigned long long)size);
		return -EINVAL;
	}
	*out = (size + align - 1) & ~(align - 1);
	return 0;
}

int db_mem_dev_err(struct dmabuf_err *e, int err, const char *path, const char *needs)
{
	switch (-err) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		db_err_set(e, DMABUF_E_UNSUPPORTED, err, "open", "%s", path);
		db_err_detail(e, "no %s on this machine: it needs %s", path, needs);
		break;
	case EACCES:
	case EPERM:
		db_err_set(e, DMABUF_E_UNSUPPORTED, err, "open", "%s", path);
		db_err_detail(e, "no permission to open %s: run as root or get access to it", path);
		break;
	default:
		db_err_set(e, db_err_kind_of(err), err, "open", "%s", path);
		break;
	}
	return err;
}

/* "key:\tvalue\n" → value without the blanks around it. */
static bool fdinfo_value(const char *line, const char *key, char *val, size_t len)
{
	size_t klen = strlen(key), n;

	if (strncmp(line, key, klen))
		return false;
	line += klen;
	line += strspn(line, " \t");
	n = strcspn(line, "\n");
	while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(val, line, n);
	val[n] = '\0';
	return true;
}

/*
 * Parse /proc/self/fdinfo/@fd into @info (size, exp_name, name); sets
 * info->is_dmabuf when an exporter name is present.  0 or -errno.
 */
static int mem_fdinfo(int fd, struct dmabuf_mem_info *info)
{
	char path[64], line[256], num[32];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (fdinfo_value(line, "size:", num, sizeof(num)))
			info->size = strtoull(num, NULL, 10);
		else if (fdinfo_value(line, "exp_name:", info->exp_name, sizeof(info->exp_name)))
			info->is_dmabuf = true;
		else
			fdinfo_value(line, "name:", info->name, sizeof(info->name));
	}
	fclose(f);
	return 0;
}

bool db_mem_fd_is_dmabuf(int fd)
{
	struct dmabuf_mem_info info = { 0 };
	struct statfs sfs;

	/* dma-bufs live on their own pseudo filesystem since Linux 5.3 */
	if (!fstatfs(fd, &sfs) && sfs.f_type == DMA_BUF_MAGIC)
		return true;
	/* older kernels use an anon inode; only the exporter name tells */
	return !mem_fdinfo(fd, &info) && info.is_dmabuf;
}

/* --- open / close ------------------------------------------------------- */

static int mem_check_args(const struct db_mem_spec *spec, uint64_t size, const char *name,
			  struct dmabuf_err *e)
{
	if ((unsigned)spec->kind >= DB_MEM_NR_KINDS)
		return db_err_set(e, DMABUF_E_USAGE, -EINVAL, "open", "memory source %d",
				  (int)spec->kind);
	if (!size && !sources[spec->kind].adopts) {
		db_err_set(e, DMABUF_E_USAGE, -EINVAL, "open", "%s", spec->text);
		db_err_detail(e, "size must be > 0");
		return -EINVAL;
	}
	if (name && strlen(name) >= DMA_BUF_NAME_LEN) {
		db_err_set(e, DMABUF_E_USAGE, -EINVAL, "DMA_BUF_SET_NAME", "%s", spec->text);
		db_err_detail(e, "name \"%s\" is longer than %d bytes", name, DMA_BUF_NAME_LEN - 1);
		return -EINVAL;
	}
	return 0;
}

static int mem_set_name(struct dmabuf_mem *m, struct dmabuf_err *e)
{
	int err;

	if (m->dmabuf_fd < 0 || !m->name[0])
		return 0;	/* memfd/hugetlb took the name at memfd_create() */
	if (!ioctl(m->dmabuf_fd, DMA_BUF_SET_NAME_B, m->name))
		return 0;
	if (errno == ENOTTY)
		return 0;	/* kernel older than 5.2: names are cosmetic, go on */
	err = -errno;
	return db_err_set(e, db_err_kind_of(err), err, "DMA_BUF_SET_NAME", "%s", m->spec.text);
}

int db_mem_open(const struct db_mem_spec *spec, uint64_t size, const char *name,
		struct dmabuf_mem **out, struct dmabuf_err *e)
{
	struct dmabuf_mem *m;
	int ret;

	*out = NULL;
	ret = mem_check_args(spec, size, name, e);
	if (ret)
		return ret;
	m = calloc(1, sizeof(*m));
	if (!m)
		return db_err_set(e, DMABUF_E_IO, -ENOMEM, "allocate", "%s", spec->text);
	m->ops = sources[spec->kind].ops;
	m->spec = *spec;
	m->dmabuf_fd = -1;
	m->mem_fd = -1;
	if (name)
		snprintf(m->name, sizeof(m->name), "%s", name);

	ret = m->ops->open(m, size, e);
	if (!ret)
		ret = mem_set_name(m, e);
	if (ret) {
		dmabuf_mem_close(m);
		return ret;
	}
	/* a fallback that worked (drm: render node → card node) leaves no stale error */
	if (e)
		memset(e, 0, sizeof(*e));
	*out = m;
	return 0;
}

int dmabuf_mem_check_source(const char *source, struct dmabuf_err *e)
{
	struct db_mem_spec spec;

	return db_mem_parse(source, &spec, e);
}

int dmabuf_mem_open(const char *source, uint64_t size, const char *name,
		    struct dmabuf_mem **out, struct dmabuf_err *e)
{
	struct db_mem_spec spec;
	int ret;

	*out = NULL;
	ret = db_mem_parse(source, &spec, e);
	return ret ? ret : db_mem_open(&spec, size, name, out, e);
}

uint64_t dmabuf_mem_size(const struct dmabuf_mem *m)
{
	return m->size;
}

int dmabuf_mem_fd(const struct dmabuf_mem *m)
{
	return m->dmabuf_fd;
}

int dmabuf_mem_hold_fd(const struct dmabuf_mem *m)
{
	return m->dmabuf_fd >= 0 ? m->dmabuf_fd : m->mem_fd;
}

void dmabuf_mem_close(struct dmabuf_mem *m)
{
	if (!m)
		return;
	if (m->map)
		munmap(m->map, m->size);
	if (m->bounce)
		munmap(m->bounce, m->size);
	if (m->ops && m->ops->close)
		m->ops->close(m);
	if (m->dmabuf_fd >= 0)
		close(m->dmabuf_fd);
	if (m->mem_fd >= 0)
		close(m->mem_fd);
	free(m);
}

/* --- CPU access ----------------------------------------------------------- */

static int mmap_err(struct dmabuf_mem *m, int err, struct dmabuf_err *e)
{
	struct dmabuf_mem_info info = { 0 };

	/*
	 * dma_buf_mmap_internal() answers -EINVAL when the exporter has no
	 * mmap (our length never exceeds the dma-buf): call that unsupported.
	 */
	if (m->mem_fd < 0 && (err == -EINVAL || err == -ENODEV || err == -EOPNOTSUPP)) {
		mem_fdinfo(m->dmabuf_fd, &info);
		db_err_set(e, DMABUF_E_UNSUPPORTED, -EOPNOTSUPP, "mmap", "%s", m->spec.text);
		db_err_detail(e, "the exporter (%s) does not let the CPU map this dma-buf",
			      info.exp_name[0] ? info.exp_name : "unknown");
		return -EOPNOTSUPP;
	}
	return db_err_set(e, db_err_kind_of(err), err, "mmap", "%s", m->spec.text);
}

int db_mem_mmap(struct dmabuf_mem *m, struct dmabuf_err *e)
{
	/* udmabuf: map its memfd, the same pages without the exporter's fault path */
	int fd = m->mem_fd >= 0 ? m->mem_fd : m->dmabuf_fd;
	void *p;

	if (m->map)
		return 0;
	if (m->ops->cpu_map)
		return m->ops->cpu_map(m, e);
	p = mmap(NULL, m->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return mmap_err(m, -errno, e);
	m->map = p;
	return 0;
}

int dmabuf_mem_mmap(struct dmabuf_mem *m, void **addr, struct dmabuf_err *e)
{
	int ret = db_mem_mmap(m, e);

	*addr = ret ? NULL : m->map;
	return ret;
}

void *dmabuf_mem_addr(const struct dmabuf_mem *m)
{
	return m->map;
}

static int mem_sync(struct dmabuf_mem *m, uint64_t flags, struct dmabuf_err *e)
{
	struct dma_buf_sync sync = { .flags = flags };
	int err;

	/*
	 * The brackets are for CPU access through the dma-buf's own mapping.
	 * A udmabuf is touched through its memfd (db_mem_mmap), the pages
	 * themselves: bracketing there is not needed, and harmful, because
	 * udmabuf's begin_cpu_access keeps a streaming DMA mapping of every
	 * page on its misc device until the buffer dies, overlapping each
	 * NVMe mapping of the same pages (CONFIG_DMA_API_DEBUG reports
	 * "cacheline tracking EEXIST, overlapping mappings").
	 */
	if (m->dmabuf_fd < 0 || m->mem_fd >= 0)
		return 0;
	/* the exporter may be interrupted while waiting for fences: retry */
	while (ioctl(m->dmabuf_fd, DMA_BUF_IOCTL_SYNC, &sync)) {
		if (errno == EINTR || errno == EAGAIN)
			continue;
		err = -errno;
		return db_err_set(e, db_err_kind_of(err), err, "DMA_BUF_IOCTL_SYNC", "%s",
				  m->spec.text);
	}
	return 0;
}

int db_mem_sync_range_begin(struct dmabuf_mem *m, bool cpu_write, uint64_t off, uint64_t len,
			    struct dmabuf_err *e)
{
	/* the host copy's range, also before a write that fills only part of it */
	if (m->ops->cpu_sync)
		return m->ops->cpu_sync(m, false, off, len, e);
	return mem_sync(m, DMA_BUF_SYNC_START |
			(cpu_write ? DMA_BUF_SYNC_RW : DMA_BUF_SYNC_READ), e);
}

int db_mem_sync_range_end(struct dmabuf_mem *m, bool cpu_write, uint64_t off, uint64_t len,
			  struct dmabuf_err *e)
{
	if (m->ops->cpu_sync)
		return cpu_write ? m->ops->cpu_sync(m, true, off, len, e) : 0;
	return mem_sync(m, DMA_BUF_SYNC_END |
			(cpu_write ? DMA_BUF_SYNC_RW : DMA_BUF_SYNC_READ), e);
}

int dmabuf_mem_sync_begin(struct dmabuf_mem *m, bool cpu_write, struct dmabuf_err *e)
{
	return db_mem_sync_range_begin(m, cpu_write, 0, m->size, e);
}

int dmabuf_mem_sync_end(struct dmabuf_mem *m, bool cpu_write, struct dmabuf_err *e)
{
	return db_mem_sync_range_end(m, cpu_write, 0, m->size, e);
}

int db_mem_pages(struct dmabuf_mem *m, void **addr, uint64_t *len, struct dmabuf_err *e)
{
	int ret;

	/* its CPU view is a copy: registering that would move data elsewhere */
	if (m->ops->cpu_map) {
		db_err_set(e, DMABUF_E_UNSUPPORTED, -EOPNOTSUPP, "pages", "%s", m->spec.text);
		db_err_detail(e, "%s memory is device memory with no pages the kernel can pin",
			      m->ops->name);
		return -EOPNOTSUPP;
	}
	ret = db_mem_mmap(m, e);

	if (ret)
		return ret;
	*addr = m->map;
	*len = m->size;
	return 0;
}

/* --- moving ------------------------------------------------------------------ */

bool dmabuf_mem_can_move(const struct dmabuf_mem *m)
{
	return m && m->ops->move;
}

static int move_unsupported(struct dmabuf_mem *m, struct dmabuf_err *e)
{
	db_err_set(e, DMABUF_E_UNSUPPORTED, -EOPNOTSUPP, "move", "%s", m->spec.text);
	db_err_detail(e, "%s memory does not move; the mover source does", m->ops->name);
	return -EOPNOTSUPP;
}

int dmabuf_mem_move(struct dmabuf_mem *m, unsigned timeout_ms, uint64_t *wait_ns, struct dmabuf_err *e)
{
	*wait_ns = 0;
	if (!dmabuf_mem_can_move(m))
		return move_unsupported(m, e);
	return m->ops->move(m, timeout_ms, wait_ns, e);
}

int dmabuf_mem_move_stats(struct dmabuf_mem *m, struct dmabuf_mem_move_stats *st, struct dmabuf_err *e)
{
	*st = (struct dmabuf_mem_move_stats){ 0 };
	if (!dmabuf_mem_can_move(m))
		return move_unsupported(m, e);
	return m->ops->move_stats(m, st, e);
}

/* --- describe / probe ------------------------------------------------------ */

static int describe_dmabuf(const struct dmabuf_mem *m, struct dmabuf_mem_info *info, struct dmabuf_err *e)
{
	int fd = m->dmabuf_fd, err;
	off_t end;

	/* a dma-buf's llseek knows SEEK_END (its size) and offset 0, nothing else */
	end = lseek(fd, 0, SEEK_END);
	if (end < 0) {
		err = -errno;
		return db_err_set(e, db_err_kind_of(err), err, "lseek", "%s", m->spec.text);
	}
	lseek(fd, 0, SEEK_SET);
	err = mem_fdinfo(fd, info);
	if (err)
		return db_err_set(e, DMABUF_E_IO, err, "read", "/proc/self/fdinfo/%d", fd);
	info->size = (uint64_t)end;
	info->is_dmabuf = true;
	return 0;
}

int dmabuf_mem_describe(const struct dmabuf_mem *m, struct dmabuf_mem_info *info, struct dmabuf_err *e)
{
	int fd = m->dmabuf_fd >= 0 ? m->dmabuf_fd : m->mem_fd;
	struct stat st;
	int err;

	memset(info, 0, sizeof(*info));
	snprintf(info->source, sizeof(info->source), "%s", m->spec.text);
	snprintf(info->kind, sizeof(info->kind), "%s", m->ops->name);
	snprintf(info->driver, sizeof(info->driver), "%s", m->driver);
	snprintf(info->placement, sizeof(info->placement), "%s", m->placement);
	if (fstat(fd, &st)) {
		err = -errno;
		return db_err_set(e, db_err_kind_of(err), err, "fstat", "%s", m->spec.text);
	}
	info->inode = st.st_ino;
	if (m->dmabuf_fd >= 0)
		return describe_dmabuf(m, info, e);
	/* memfd/hugetlb: not a dma-buf, the file size is the buffer */
	info->size = (uint64_t)st.st_size;
	return 0;
}

int db_mem_probe(enum db_mem_kind kind, const char *path, struct dmabuf_err *e)
{
	if ((unsigned)kind >= DB_MEM_NR_KINDS)
		return db_err_set(e, DMABUF_E_USAGE, -EINVAL, "probe", "memory source %d", (int)kind);
	return sources[kind].probe(path ? path : "", e);
}

int dmabuf_mem_probe(const char *source, struct dmabuf_err *e)
{
	struct db_mem_spec spec;
	int ret = db_mem_parse(source, &spec, e);

	return ret ? ret : db_mem_probe(spec.kind, spec.path, e);
}
