// SPDX-License-Identifier: MIT
/*
 * Fixed-buffer slots of a liburing ring: ordinary buffers, dmabuf tokens
 * and the probe that tells kernels apart.  Part of libdmabuf; see
 * dmabuf/dmabuf.h for the public calls and lib/token.h for the rest.
 *
 * liburing does everything except the extended buffer update of the token
 * uAPI (doc/token-uapi.md), which goes through the raw io_uring_register(2)
 * syscall in db_token_update_ext().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <liburing.h>

#include "err.h"
#include "fsinfo.h"
#include "mem-internal.h"
#include "token.h"
#include "uapi/io_uring_regbuf.h"

#define RING_OBJ	"io_uring"
#define UPDATE_OP	"IORING_REGISTER_BUFFERS_UPDATE"


/* --- ordinary fixed buffers ---------------------------------------------- */

static void detail_memlock(struct dmabuf_err *e, uint64_t len)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) || rl.rlim_cur == RLIM_INFINITY) {
		db_err_detail(e, "the kernel is out of memory");
		return;
	}
	db_err_detail(e, "pinning %llu bytes was refused: RLIMIT_MEMLOCK is %llu bytes: "
		      "raise it with ulimit -l", (unsigned long long)len,
		      (unsigned long long)rl.rlim_cur);
}

static int uaddr_err(int ret, unsigned slot, void *addr, uint64_t len, struct dmabuf_err *e)
{
	/* Memory the kernel will not pin is a property of the source. */
	enum dmabuf_err_kind kind = ret == -EFAULT ? DMABUF_E_UNSUPPORTED : db_err_kind_of(ret);

	db_err_set(e, kind, ret, UPDATE_OP, RING_OBJ " fixed buffer slot %u (%p, %llu bytes)",
		   slot, addr, (unsigned long long)len);
	switch (-ret) {
	case EFAULT:
		db_err_detail(e, "the kernel could not pin this memory for a fixed buffer; "
			      "mappings without struct pages (VM_PFNMAP, as many dma-buf "
			      "exporters make) cannot be pinned");
		break;
	case ENOMEM:
		detail_memlock(e, len);
		break;
	case EOPNOTSUPP:
		db_err_detail(e, "the kernel refuses to pin this kind of memory "
			      "(file-backed mappings other than shmem/hugetlbfs)");
		break;
	case ENXIO:
		db_err_detail(e, "the ring has no buffer table");
		break;
	}
	return ret;
}

/* Put one iovec into @slot; an empty iovec empties it.  0 or -errno. */
static int update_iovec(struct io_uring *ring, unsigned slot, void *addr, uint64_t len)
{
	struct iovec iov = { .iov_base = addr, .iov_len = len };
	int ret;

	ret = io_uring_register_buffers_update_tag(ring, slot, &iov, NULL, 1);
	if (ret < 0)
		return ret;
	/* The kernel answers the number of slots it updated. */
	return ret == 1 ? 0 : -EIO;
}

int db_fixed_register_uaddr(struct io_uring *ring, unsigned slot, void *addr, uint64_t len,
			    struct dmabuf_err *e)
{
	int ret;

	if (!addr || !len || len > FIXED_BUF_MAX) {
		db_err_set(e, DMABUF_E_USAGE, -EINVAL, UPDATE_OP,
			   RING_OBJ " fixed buffer slot %u (%p, %llu bytes)", slot, addr,
			   (unsigned long long)len);
		db_err_detail(e, "a fixed buffer must be non-empty and at most 1 GiB");
		return -EINVAL;
	}
	ret = update_iovec(ring, slot, addr, len);
	if (ret)
		return uaddr_err(ret, slot, addr, len, e);
	return 0;
}

int dmabuf_unregister(struct io_uring *ring, unsigned slot, struct dmabuf_err *e)
{
	int ret;

	ret = update_iovec(ring, slot, NULL, 0);
	if (ret)
		return db_err_set(e, db_err_kind_of(ret), ret, UPDATE_OP,
				  RING_OBJ " fixed buffer slot %u (empty)", slot);
	return 0;
}

/* --- dmabuf tokens ------------------------------------------------------- */

int db_token_update_ext(struct io_uring *ring, unsigned slot,
			const struct io_uring_regbuf_desc *desc, unsigned nr)
{
	struct io_uring_rsrc_update2 up;
	long ret;

	memset(&up, 0, sizeof(up));
	up.offset = slot;
	up.data = (uintptr_t)desc;
	up.nr = nr;
	IO_RSRC_UPDATE2_FLAGS(&up) = IORING_RSRC_UPDATE_EXTENDED;
	/* liburing has no call for the extended update: raw syscall. */
	ret = syscall(__NR_io_uring_register, ring->ring_fd, IORING_REGISTER_BUFFERS_UPDATE,
		      &up, sizeof(up));
	return ret < 0 ? -errno : (int)ret;
}

/* "/dev/nvme0n1" for an fd, or "fd N" when /proc does not say. */
static const char *fd_name(int fd, char *buf, size_t len)
{
	char link[32];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, len - 1);
	if (n <= 0)
		snprintf(buf, len, "fd %d", fd);
	else
		buf[n] = '\0';
	return buf;
}

/* A dma-buf's inode carries its size; 0 when fstat does not say. */
static uint64_t dmabuf_size(int fd)
{
	struct stat st;

	if (fstat(fd, &st) || st.st_size <= 0)
		return 0;
	return (uint64_t)st.st_size;
}

static enum dmabuf_err_kind dmabuf_err_kind(int ret)
{
	switch (-ret) {
	case EINVAL:
	case EOPNOTSUPP:
	case E2BIG:
	case EFBIG:
	case EXDEV:
		return DMABUF_E_UNSUPPORTED;
	case EBADF:
		return DMABUF_E_USAGE;
	default:
		return db_err_kind_of(ret);
	}
}

/* Is @fd open for direct I/O?  Tokens are registered for such files only. */
static bool fd_direct(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	return flags >= 0 && (flags & O_DIRECT);
}

/* A regular file: its file system decides, and says why not (lib/fsinfo.c). */
static bool fd_regular(int fd)
{
	struct stat st;

	return !fstat(fd, &st) && S_ISREG(st.st_mode);
}

/*
 * After -EINVAL for an O_DIRECT target: does the ring's kernel know the
 * extended update?  A DMABUF descriptor with dma-buf fd -1 is refused with
 * -EBADF by a kernel that has the uAPI (the fd is looked at only then) and
 * with -EINVAL by one that does not; either way the slot is left as it was.
 */
static bool kernel_has_uapi(struct io_uring *ring, unsigned slot, int target_fd)
{
	struct io_uring_regbuf_desc desc;

	memset(&desc, 0, sizeof(desc));
	desc.type = IO_REGBUF_TYPE_DMABUF;
	desc.dmabuf_fd = -1;
	desc.target_fd = target_fd;
	return db_token_update_ext(ring, slot, &desc, 1) != -EINVAL;
}

/* What -EINVAL meant, asked of the kernel rather than assumed. */
static void detail_einval(struct io_uring *ring, unsigned slot, int dmabuf_fd, int target_fd,
			  uint64_t size, const char *tname, struct dmabuf_err *e)
{
	/* doc/token-uapi.md, "Telling kernels apart": one errno, several causes */
	if (!fd_direct(target_fd))
		db_err_detail(e, "%s is not open with O_DIRECT (tokens serve direct "
			      "I/O only), or this kernel has no dmabuf token support "
			      "(IORING_RSRC_UPDATE_EXTENDED unknown)", tname);
	else if (!kernel_has_uapi(ring, slot, target_fd))
		db_err_detail(e, "this kernel has no dmabuf token support "
			      "(IORING_RSRC_UPDATE_EXTENDED unknown)");
	else if (!db_mem_fd_is_dmabuf(dmabuf_fd))
		/* dma_buf_get() answers -EINVAL for a file that is not one */
		db_err_detail(e, "fd %d is not a dma-buf", dmabuf_fd);
	else
		db_err_detail(e, "the kernel has the dmabuf token uAPI and refused this "
			      "registration: %s's driver does not take dmabuf tokens (the "
			      "upstream series answers EINVAL for that), or this kernel "
			      "limits a token's size below this dma-buf's %llu bytes (the "
			      "series before v6 registers at most 1 GiB, this port under "
			      "4 GiB); registering a smaller dma-buf tells the two apart",
			      tname, (unsigned long long)size);
}

static int dmabuf_err(struct io_uring *ring, int ret, unsigned slot, int dmabuf_fd,
		      int target_fd, struct dmabuf_err *e)
{
	bool direct = fd_direct(target_fd);
	uint64_t size = dmabuf_size(dmabuf_fd);
	char tname[128], why[512];

	fd_name(target_fd, tname, sizeof(tname));
	db_err_set(e, ret == -EINVAL && !direct ? DMABUF_E_USAGE : dmabuf_err_kind(ret), ret,
		   UPDATE_OP, RING_OBJ " slot %u: dma-buf fd %d (%llu bytes) for %s", slot,
		   dmabuf_fd, (unsigned long long)size, tname);
	switch (-ret) {
	case EINVAL:
		detail_einval(ring, slot, dmabuf_fd, target_fd, size, tname, e);
		break;
	case EOPNOTSUPP:
		if (fd_regular(target_fd))
			db_err_detail(e, "%s", db_fsinfo_token_why(target_fd, dmabuf_fd, why,
								 sizeof(why)));
		else
			db_err_detail(e, "kernel built without dmabuf token support, or %s's "
				      "driver does not support dmabuf tokens", tname);
		break;
	case E2BIG:
	case EFBIG:
		db_err_detail(e, "the kernel refused a dma-buf of %llu bytes as too large "
			      "for one registration", (unsigned long long)size);
		break;
	case EBADF:
		db_err_detail(e, "fd %d is not a dma-buf or fd %d is not open", dmabuf_fd,
			      target_fd);
		break;
	case EXDEV:
		/* doc/token-uapi.md, "Bounce buffers and a second attachment" */
		db_err_detail(e, "the dma-buf would be attached to a second controller "
			      "while a mapping of it goes through bounce buffers (swiotlb), "
			      "whose copies the exporter's CPU access would mix; keep the "
			      "I/O on one controller, or use --path pages or bounce");
		break;
	}
	return ret;
}

int dmabuf_token_register(struct io_uring *ring, unsigned slot, int dmabuf_fd, int target_fd,
			  struct dmabuf_err *e)
{
	struct io_uring_regbuf_desc desc;
	int ret;

	/* No size limit of our own: the kernel's answer is the limit (v6 relaxed it). */
	memset(&desc, 0, sizeof(desc));
	desc.type = IO_REGBUF_TYPE_DMABUF;
	desc.dmabuf_fd = dmabuf_fd;
	desc.target_fd = target_fd;
	ret = db_token_update_ext(ring, slot, &desc, 1);
	if (ret < 0)
		return dmabuf_err(ring, ret, slot, dmabuf_fd, target_fd, e);
	return ret == 1 ? 0 : dmabuf_err(ring, -EIO, slot, dmabuf_fd, target_fd, e);
}

/* --- token probe --------------------------------------------------------- */

/* Step 1: does the kernel know the extended update at all? */
static enum dmabuf_token_support probe_uapi(struct io_uring *ring, struct dmabuf_err *e)
{
	struct io_uring_regbuf_desc desc;
	int ret;

	memset(&desc, 0, sizeof(desc));
	desc.type = IO_REGBUF_TYPE_EMPTY;
	ret = db_token_update_ext(ring, 0, &desc, 1);
	if (ret >= 0)
		return DMABUF_TOKEN_UNTESTED;
	db_err_set(e, ret == -EINVAL ? DMABUF_E_UNSUPPORTED : db_err_kind_of(ret), ret, UPDATE_OP,
		   RING_OBJ " extended update (IO_REGBUF_TYPE_EMPTY)");
	if (ret != -EINVAL)
		return DMABUF_TOKEN_ERROR;
	db_err_detail(e, "this kernel has no dmabuf token support "
		      "(IORING_RSRC_UPDATE_EXTENDED unknown)");
	return DMABUF_TOKEN_NO_UAPI;
}

/*
 * Step 2: is the DMABUF type built in?  With dmabuf_fd -1 a kernel that
 * has it fails on the fd (-EBADF); one built without it says -EOPNOTSUPP.
 */
static enum dmabuf_token_support probe_type(struct io_uring *ring, int target_fd, struct dmabuf_err *e)
{
	struct io_uring_regbuf_desc desc;
	int ret;

	memset(&desc, 0, sizeof(desc));
	desc.type = IO_REGBUF_TYPE_DMABUF;
	desc.dmabuf_fd = -1;
	desc.target_fd = target_fd;
	ret = db_token_update_ext(ring, 0, &desc, 1);
	if (ret == -EOPNOTSUPP) {
		db_err_set(e, DMABUF_E_UNSUPPORTED, ret, UPDATE_OP,
			   RING_OBJ " extended update (IO_REGBUF_TYPE_DMABUF)");
		db_err_detail(e, "this kernel knows the dmabuf token uAPI but was built "
			      "without dmabuf token support");
		return DMABUF_TOKEN_NOT_BUILT;
	}
	/* Should not succeed with fd -1; if it did, leave the slot empty. */
	if (ret >= 0)
		dmabuf_unregister(ring, 0, NULL);
	return DMABUF_TOKEN_UNTESTED;
}

/* Step 3: a real registration for this target, removed again. */
static enum dmabuf_token_support probe_target(struct io_uring *ring, int target_fd, int dmabuf_fd,
					  struct dmabuf_err *e)
{
	int ret;

	ret = dmabuf_token_register(ring, 0, dmabuf_fd, target_fd, e);
	/*
	 * This port answers a driver without tokens with -EOPNOTSUPP, the
	 * upstream series with -EINVAL: for an O_DIRECT target whose uAPI
	 * step passed, both mean the same.
	 */
	if (ret == -EOPNOTSUPP || (ret == -EINVAL && fd_direct(target_fd)))
		return DMABUF_TOKEN_NO_TARGET;
	if (ret)
		return DMABUF_TOKEN_ERROR;
	if (dmabuf_unregister(ring, 0, e))
		return DMABUF_TOKEN_ERROR;
	return DMABUF_TOKEN_OK;
}

/* A ring of one entry with a one-slot buffer table, for the probe. */
static int probe_ring(struct io_uring *ring, struct dmabuf_err *e)
{
	int ret = io_uring_queue_init(1, ring, 0);

	if (ret)
		return db_err_set(e, db_err_kind_of(ret), ret, "io_uring_setup", RING_OBJ);
	ret = io_uring_register_buffers_sparse(ring, 1);
	if (ret) {
		io_uring_queue_exit(ring);
		return db_err_set(e, db_err_kind_of(ret), ret, "IORING_REGISTER_BUFFERS2",
				  RING_OBJ " sparse buffer table");
	}
	return 0;
}

enum dmabuf_token_support dmabuf_token_probe(int target_fd, int dmabuf_fd, struct dmabuf_err *e)
{
	enum dmabuf_token_support s;
	struct io_uring ring;

	if (e)
		memset(e, 0, sizeof(*e));
	if (probe_ring(&ring, e))
		return DMABUF_TOKEN_ERROR;
	s = probe_uapi(&ring, e);
	if (s == DMABUF_TOKEN_UNTESTED)
		s = probe_type(&ring, target_fd, e);
	if (s == DMABUF_TOKEN_UNTESTED && target_fd >= 0 && dmabuf_fd >= 0)
		s = probe_target(&ring, target_fd, dmabuf_fd, e);
	io_uring_queue_exit(&ring);
	return s;
}

const char *dmabuf_token_support_str(enum dmabuf_token_support s)
{
	switch (s) {
	case DMABUF_TOKEN_OK:
		return "dmabuf tokens work for this target";
	case DMABUF_TOKEN_NO_UAPI:
		return "the kernel has no dmabuf token uAPI (extended buffer update unknown)";
	case DMABUF_TOKEN_NOT_BUILT:
		return "the kernel knows the dmabuf token uAPI but was built without it";
	case DMABUF_TOKEN_NO_TARGET:
		return "the kernel supports dmabuf tokens, this target's driver does not";
	case DMABUF_TOKEN_ERROR:
		return "the dmabuf token probe failed";
	case DMABUF_TOKEN_UNTESTED:
		return "the kernel supports dmabuf tokens (name a TARGET to try one)";
	}
	return "unknown";
}

