// SPDX-License-Identifier: MIT
/*
 * io_uring set-up and fixed-buffer registration: see include/dmabuf/ring.h.
 *
 * liburing does everything except the extended buffer update of the dmabuf
 * token uAPI (doc/token-uapi.md), which goes through the raw
 * io_uring_register(2) syscall in db_ring_update_ext().
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

#include "dmabuf/ring.h"
#include "uapi/io_uring_regbuf.h"

#define RING_OBJ	"io_uring"
#define UPDATE_OP	"IORING_REGISTER_BUFFERS_UPDATE"
#define DISABLED_PATH	"/proc/sys/kernel/io_uring_disabled"

/* Kernel limits (io_uring/rsrc.h, io_uring.c): checked first for a clear message. */
#define FIXED_BUF_MAX	(1ULL << 30)	/* bytes per fixed buffer, else -EFAULT */
#define MAX_REG_BUFFERS	(1U << 14)	/* slots per table, else -EINVAL */
#define MAX_ENTRIES	32768U		/* SQ entries, else -EINVAL */

/* --- ring set-up --------------------------------------------------------- */

/*
 * Flags the ring can do without: COOP_TASKRUN saves an IPI per completion
 * (5.19+), SINGLE_ISSUER + DEFER_TASKRUN run completions in the issuer's
 * own io_uring_enter() (6.1+).  Older kernels reject them: try with, then
 * without.  IOPOLL, SQPOLL and the big SQEs are what the caller asked for.
 */
static int ring_queue_init(struct db_ring *r, unsigned depth, const struct db_ring_opts *o)
{
	unsigned want = 0, optional = IORING_SETUP_COOP_TASKRUN;
	struct io_uring_params p;
	int ret;

	if (o->big)
		want |= IORING_SETUP_SQE128 | IORING_SETUP_CQE32;
	if (o->iopoll)
		want |= IORING_SETUP_IOPOLL;
	if (o->sqpoll) {
		want |= IORING_SETUP_SQPOLL;
		optional = 0;	/* the SQ thread runs task work itself */
	} else if (o->single_issuer) {
		optional |= IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	}
	for (;;) {
		memset(&p, 0, sizeof(p));
		p.flags = want | optional;
		if (o->sqpoll)
			p.sq_thread_idle = 1000;	/* ms before the thread sleeps */
		ret = io_uring_queue_init_params(depth, &r->ring, &p);
		if (ret != -EINVAL || !optional)
			break;
		/* drop the newest optional flags first */
		optional = optional & IORING_SETUP_SINGLE_ISSUER ? IORING_SETUP_COOP_TASKRUN : 0;
	}
	if (!ret)
		r->setup_flags = p.flags;
	return ret;
}

/* Say why io_uring_setup() was refused when the sysctl is the reason. */
static void detail_io_uring_disabled(struct db_err *e)
{
	char val[16] = "";
	FILE *f = fopen(DISABLED_PATH, "re");

	if (f) {
		if (!fgets(val, sizeof(val), f))
			val[0] = '\0';
		fclose(f);
		val[strcspn(val, "\n")] = '\0';
	}
	if (val[0] && strcmp(val, "0"))
		db_err_detail(e, "io_uring is disabled for this process: %s is %s",
			      DISABLED_PATH, val);
	else
		db_err_detail(e, "io_uring_setup() was refused; see %s and seccomp policy",
			      DISABLED_PATH);
}

static int ring_init_err(int ret, unsigned depth, const struct db_ring_opts *o,
			 struct db_err *e)
{
	bool big = o->big;

	switch (-ret) {
	case ENOSYS:
		db_err_set(e, DB_E_UNSUPPORTED, ret, "io_uring_setup", RING_OBJ);
		db_err_detail(e, "this kernel was built without io_uring (CONFIG_IO_URING)");
		break;
	case EPERM:
		db_err_set(e, DB_E_UNSUPPORTED, ret, "io_uring_setup", RING_OBJ);
		detail_io_uring_disabled(e);
		break;
	case EINVAL:
		db_err_set(e, big || o->iopoll || o->sqpoll ? DB_E_UNSUPPORTED : DB_E_USAGE, ret,
			   "io_uring_setup",
			   RING_OBJ " of %u entries", depth);
		if (o->iopoll || o->sqpoll)
			db_err_detail(e, "the kernel refused an %s ring",
				      o->iopoll ? "IORING_SETUP_IOPOLL" : "IORING_SETUP_SQPOLL");
		else if (big)
			db_err_detail(e, "the kernel refused an SQE128/CQE32 ring (needs Linux 5.19+)");
		break;
	default:
		db_err_set(e, db_err_kind_of(ret), ret, "io_uring_setup",
			   RING_OBJ " of %u entries", depth);
		break;
	}
	return ret;
}

static int ring_table_err(int ret, unsigned nr_slots, struct db_err *e)
{
	switch (-ret) {
	case EINVAL:
		db_err_set(e, DB_E_UNSUPPORTED, ret, "IORING_REGISTER_BUFFERS2",
			   RING_OBJ " sparse buffer table of %u slots", nr_slots);
		db_err_detail(e, "the kernel refused a sparse fixed-buffer table (needs Linux 5.19+)");
		break;
	default:
		db_err_set(e, db_err_kind_of(ret), ret, "IORING_REGISTER_BUFFERS2",
			   RING_OBJ " sparse buffer table of %u slots", nr_slots);
		break;
	}
	return ret;
}

int db_ring_init(struct db_ring *r, unsigned depth, bool big, unsigned nr_slots,
		 struct db_err *e)
{
	struct db_ring_opts o = { .big = big, .fixed_file = -1 };

	return db_ring_init_opts(r, depth, nr_slots, &o, e);
}

static int ring_extras(struct db_ring *r, const struct db_ring_opts *o, struct db_err *e)
{
	int ret;

	if (o->fixed_file >= 0) {
		ret = io_uring_register_files(&r->ring, &o->fixed_file, 1);
		if (ret < 0)
			return db_err_set(e, db_err_kind_of(ret), ret, "IORING_REGISTER_FILES",
					  RING_OBJ " file table");
		r->fixed_file = true;
	}
	/* Best effort: the ring works the same without (before 5.18). */
	if (o->reg_ring_fd && io_uring_register_ring_fd(&r->ring) == 1)
		r->reg_ring_fd = true;
	return 0;
}

int db_ring_init_opts(struct db_ring *r, unsigned depth, unsigned nr_slots,
		      const struct db_ring_opts *o, struct db_err *e)
{
	bool big = o->big;
	int ret;

	memset(r, 0, sizeof(*r));
	if (!depth || depth > MAX_ENTRIES) {
		db_err_set(e, DB_E_USAGE, -EINVAL, "io_uring_setup", RING_OBJ " of %u entries",
			   depth);
		db_err_detail(e, "a ring has 1..%u entries", MAX_ENTRIES);
		return -EINVAL;
	}
	if (nr_slots > MAX_REG_BUFFERS) {
		db_err_set(e, DB_E_USAGE, -EINVAL, "IORING_REGISTER_BUFFERS2",
			   RING_OBJ " sparse buffer table of %u slots", nr_slots);
		db_err_detail(e, "the kernel allows at most %u fixed buffers per ring",
			      MAX_REG_BUFFERS);
		return -EINVAL;
	}
	ret = ring_queue_init(r, depth, o);
	if (ret < 0)
		return ring_init_err(ret, depth, o, e);
	if (nr_slots) {
		ret = io_uring_register_buffers_sparse(&r->ring, nr_slots);
		if (ret < 0) {
			io_uring_queue_exit(&r->ring);
			return ring_table_err(ret, nr_slots, e);
		}
	}
	ret = ring_extras(r, o, e);
	if (ret) {
		io_uring_queue_exit(&r->ring);
		return ret;
	}
	r->depth = r->ring.sq.ring_entries;
	r->big = big;
	r->nr_slots = nr_slots;
	r->live = true;
	return 0;
}

void db_ring_exit(struct db_ring *r)
{
	if (!r->live)
		return;
	io_uring_queue_exit(&r->ring);
	r->live = false;
}

/* --- ordinary fixed buffers ---------------------------------------------- */

static int check_slot(struct db_ring *r, unsigned slot, struct db_err *e)
{
	if (!r->live) {
		db_err_set(e, DB_E_USAGE, -EINVAL, UPDATE_OP, RING_OBJ " fixed buffer slot %u",
			   slot);
		db_err_detail(e, "the ring is not set up");
		return -EINVAL;
	}
	if (slot >= r->nr_slots) {
		db_err_set(e, DB_E_USAGE, -EINVAL, UPDATE_OP, RING_OBJ " fixed buffer slot %u",
			   slot);
		db_err_detail(e, "the ring's buffer table has %u slots", r->nr_slots);
		return -EINVAL;
	}
	return 0;
}

static void detail_memlock(struct db_err *e, uint64_t len)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) || rl.rlim_cur == RLIM_INFINITY) {
		db_err_detail(e, "the kernel is out of memory");
		return;
	}
	db_err_detail(e, "pinning %llu bytes was refused: RLIMIT_MEMLOCK is %llu KiB "
		      "(raise it with ulimit -l)",
		      (unsigned long long)len, (unsigned long long)rl.rlim_cur / 1024);
}

static int uaddr_err(int ret, unsigned slot, void *addr, uint64_t len, struct db_err *e)
{
	/* Memory the kernel will not pin is a property of the source. */
	enum db_err_kind kind = ret == -EFAULT ? DB_E_UNSUPPORTED : db_err_kind_of(ret);

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
static int update_iovec(struct db_ring *r, unsigned slot, void *addr, uint64_t len)
{
	struct iovec iov = { .iov_base = addr, .iov_len = len };
	int ret;

	ret = io_uring_register_buffers_update_tag(&r->ring, slot, &iov, NULL, 1);
	if (ret < 0)
		return ret;
	/* The kernel answers the number of slots it updated. */
	return ret == 1 ? 0 : -EIO;
}

int db_ring_register_uaddr(struct db_ring *r, unsigned slot, void *addr, uint64_t len,
			   struct db_err *e)
{
	int ret;

	ret = check_slot(r, slot, e);
	if (ret)
		return ret;
	if (!addr || !len || len > FIXED_BUF_MAX) {
		db_err_set(e, DB_E_USAGE, -EINVAL, UPDATE_OP,
			   RING_OBJ " fixed buffer slot %u (%p, %llu bytes)", slot, addr,
			   (unsigned long long)len);
		db_err_detail(e, "a fixed buffer must be non-empty and at most 1 GiB");
		return -EINVAL;
	}
	ret = update_iovec(r, slot, addr, len);
	if (ret)
		return uaddr_err(ret, slot, addr, len, e);
	return 0;
}

int db_ring_unregister(struct db_ring *r, unsigned slot, struct db_err *e)
{
	int ret;

	ret = check_slot(r, slot, e);
	if (ret)
		return ret;
	ret = update_iovec(r, slot, NULL, 0);
	if (ret)
		return db_err_set(e, db_err_kind_of(ret), ret, UPDATE_OP,
				  RING_OBJ " fixed buffer slot %u (empty)", slot);
	return 0;
}

/* --- dmabuf tokens ------------------------------------------------------- */

int db_ring_update_ext(struct db_ring *r, unsigned slot,
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
	ret = syscall(__NR_io_uring_register, r->ring.ring_fd, IORING_REGISTER_BUFFERS_UPDATE,
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

static enum db_err_kind dmabuf_err_kind(int ret)
{
	switch (-ret) {
	case EINVAL:
	case EOPNOTSUPP:
	case E2BIG:
	case EFBIG:
		return DB_E_UNSUPPORTED;
	case EBADF:
		return DB_E_USAGE;
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

static int dmabuf_err(int ret, unsigned slot, int dmabuf_fd, int target_fd,
		      struct db_err *e)
{
	bool direct = fd_direct(target_fd);
	char tname[128];

	fd_name(target_fd, tname, sizeof(tname));
	db_err_set(e, ret == -EINVAL && !direct ? DB_E_USAGE : dmabuf_err_kind(ret), ret,
		   UPDATE_OP, RING_OBJ " slot %u: dma-buf fd %d for %s", slot, dmabuf_fd, tname);
	switch (-ret) {
	case EINVAL:
		/* doc/token-uapi.md, "Telling kernels apart": one errno, several causes */
		if (!direct)
			db_err_detail(e, "%s is not open with O_DIRECT (tokens serve direct "
				      "I/O only), or this kernel has no dmabuf token support "
				      "(IORING_RSRC_UPDATE_EXTENDED unknown)", tname);
		else
			db_err_detail(e, "this kernel has no dmabuf token support "
				      "(IORING_RSRC_UPDATE_EXTENDED unknown), or %s's driver "
				      "does not support dmabuf tokens (the upstream series "
				      "answers EINVAL for that)", tname);
		break;
	case EOPNOTSUPP:
		db_err_detail(e, "kernel built without dmabuf token support, or %s's driver "
			      "does not support dmabuf tokens", tname);
		break;
	case E2BIG:
	case EFBIG:
		db_err_detail(e, "the kernel accepts dma-bufs of at most 1 GiB per registration");
		break;
	case EBADF:
		db_err_detail(e, "fd %d is not a dma-buf or fd %d is not open", dmabuf_fd,
			      target_fd);
		break;
	}
	return ret;
}

int db_ring_register_dmabuf(struct db_ring *r, unsigned slot, int dmabuf_fd, int target_fd,
			    struct db_err *e)
{
	struct io_uring_regbuf_desc desc;
	uint64_t size;
	int ret;

	ret = check_slot(r, slot, e);
	if (ret)
		return ret;
	/*
	 * The series answers an oversized dma-buf with an error that old
	 * kernels also use for "unknown flag": check first so the two are
	 * told apart.
	 */
	size = dmabuf_size(dmabuf_fd);
	if (size > IO_REGBUF_DMABUF_MAX)
		return dmabuf_err(-E2BIG, slot, dmabuf_fd, target_fd, e);

	memset(&desc, 0, sizeof(desc));
	desc.type = IO_REGBUF_TYPE_DMABUF;
	desc.dmabuf_fd = dmabuf_fd;
	desc.target_fd = target_fd;
	ret = db_ring_update_ext(r, slot, &desc, 1);
	if (ret < 0)
		return dmabuf_err(ret, slot, dmabuf_fd, target_fd, e);
	return ret == 1 ? 0 : dmabuf_err(-EIO, slot, dmabuf_fd, target_fd, e);
}

/* --- token probe --------------------------------------------------------- */

/* Step 1: does the kernel know the extended update at all? */
static enum db_token_support probe_uapi(struct db_ring *r, struct db_err *e)
{
	struct io_uring_regbuf_desc desc;
	int ret;

	memset(&desc, 0, sizeof(desc));
	desc.type = IO_REGBUF_TYPE_EMPTY;
	ret = db_ring_update_ext(r, 0, &desc, 1);
	if (ret >= 0)
		return DB_TOKEN_UNTESTED;
	db_err_set(e, ret == -EINVAL ? DB_E_UNSUPPORTED : db_err_kind_of(ret), ret, UPDATE_OP,
		   RING_OBJ " extended update (IO_REGBUF_TYPE_EMPTY)");
	if (ret != -EINVAL)
		return DB_TOKEN_ERROR;
	db_err_detail(e, "this kernel has no dmabuf token support "
		      "(IORING_RSRC_UPDATE_EXTENDED unknown)");
	return DB_TOKEN_NO_UAPI;
}

/*
 * Step 2: is the DMABUF type built in?  With dmabuf_fd -1 a kernel that
 * has it fails on the fd (-EBADF); one built without it says -EOPNOTSUPP.
 */
static enum db_token_support probe_type(struct db_ring *r, int target_fd, struct db_err *e)
{
	struct io_uring_regbuf_desc desc;
	int ret;

	memset(&desc, 0, sizeof(desc));
	desc.type = IO_REGBUF_TYPE_DMABUF;
	desc.dmabuf_fd = -1;
	desc.target_fd = target_fd;
	ret = db_ring_update_ext(r, 0, &desc, 1);
	if (ret == -EOPNOTSUPP) {
		db_err_set(e, DB_E_UNSUPPORTED, ret, UPDATE_OP,
			   RING_OBJ " extended update (IO_REGBUF_TYPE_DMABUF)");
		db_err_detail(e, "this kernel knows the dmabuf token uAPI but was built "
			      "without dmabuf token support");
		return DB_TOKEN_NOT_BUILT;
	}
	/* Should not succeed with fd -1; if it did, leave the slot empty. */
	if (ret >= 0)
		db_ring_unregister(r, 0, NULL);
	return DB_TOKEN_UNTESTED;
}

/* Step 3: a real registration for this target, removed again. */
static enum db_token_support probe_target(struct db_ring *r, int target_fd, int dmabuf_fd,
					  struct db_err *e)
{
	int ret;

	ret = db_ring_register_dmabuf(r, 0, dmabuf_fd, target_fd, e);
	/*
	 * This port answers a driver without tokens with -EOPNOTSUPP, the
	 * upstream series with -EINVAL: for an O_DIRECT target whose uAPI
	 * step passed, both mean the same.
	 */
	if (ret == -EOPNOTSUPP || (ret == -EINVAL && fd_direct(target_fd)))
		return DB_TOKEN_NO_TARGET;
	if (ret)
		return DB_TOKEN_ERROR;
	if (db_ring_unregister(r, 0, e))
		return DB_TOKEN_ERROR;
	return DB_TOKEN_OK;
}

enum db_token_support db_token_probe(int target_fd, int dmabuf_fd, struct db_err *e)
{
	enum db_token_support s;
	struct db_ring r;

	if (e)
		memset(e, 0, sizeof(*e));
	if (db_ring_init(&r, 1, false, 1, e))
		return DB_TOKEN_ERROR;
	s = probe_uapi(&r, e);
	if (s == DB_TOKEN_UNTESTED)
		s = probe_type(&r, target_fd, e);
	if (s == DB_TOKEN_UNTESTED && target_fd >= 0 && dmabuf_fd >= 0)
		s = probe_target(&r, target_fd, dmabuf_fd, e);
	db_ring_exit(&r);
	return s;
}

const char *db_token_support_str(enum db_token_support s)
{
	switch (s) {
	case DB_TOKEN_OK:
		return "dmabuf tokens work for this target";
	case DB_TOKEN_NO_UAPI:
		return "the kernel has no dmabuf token uAPI (extended buffer update unknown)";
	case DB_TOKEN_NOT_BUILT:
		return "the kernel knows the dmabuf token uAPI but was built without it";
	case DB_TOKEN_NO_TARGET:
		return "the kernel supports dmabuf tokens, this target's driver does not";
	case DB_TOKEN_ERROR:
		return "the dmabuf token probe failed";
	case DB_TOKEN_UNTESTED:
		return "the kernel supports dmabuf tokens (name a TARGET to try one)";
	}
	return "unknown";
}

/* --- token test trigger -------------------------------------------------- */

static int trigger_missing(struct db_err *e, int err, const char *file)
{
	db_err_set(e, err == -ENOENT ? DB_E_UNSUPPORTED : DB_E_IO, err, "open", "%s", file);
	if (err == -ENOENT)
		db_err_detail(e, "token invalidation needs the kernel's test trigger "
			      "(CONFIG_DMABUF_TOKEN_DEBUG, debugfs mounted on /sys/kernel/debug)");
	return err;
}

int db_token_trigger(struct db_err *e)
{
	const char *file = DB_TOKEN_DEBUGFS "/invalidate";
	int fd = open(file, O_WRONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return trigger_missing(e, -errno, file);
	if (write(fd, "1", 1) != 1)
		ret = db_err_set(e, DB_E_IO, -errno, "write", "%s", file);
	close(fd);
	return ret;
}

int db_token_stats(struct db_token_stats *s, struct db_err *e)
{
	const char *file = DB_TOKEN_DEBUGFS "/stats";
	FILE *f = fopen(file, "re");
	char key[32];
	long v;

	s->tokens = s->maps = s->invalidations = -1;
	if (!f)
		return trigger_missing(e, -errno, file);
	while (fscanf(f, "%31s %ld", key, &v) == 2) {
		if (!strcmp(key, "tokens"))
			s->tokens = v;
		else if (!strcmp(key, "maps"))
			s->maps = v;
		else if (!strcmp(key, "invalidations"))
			s->invalidations = v;
	}
	fclose(f);
	return 0;
}
