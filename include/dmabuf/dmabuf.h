/* SPDX-License-Identifier: MIT */
#ifndef DMABUF_DMABUF_H
#define DMABUF_DMABUF_H

/*
 * libdmabuf: dma-buf memory for io_uring fixed-buffer I/O, above all as a
 * dmabuf token (a dma-buf registered in a ring's buffer table for one
 * target, DMA-mapped once, invalidated when its exporter moves it).
 *
 * The public interface of libdmabuf.so.1.  Every function here carries the
 * symbol version DMABUF_0.1, or DMABUF_0.2 for the request calls and
 * target facts (lib/libdmabuf.map); nothing else is exported.  Every
 * structure the library fills or reads ends in reserved members that are
 * 0, so that a later fact, counter or mismatch kind fits without a change
 * of size (doc/library.md, "ABI rules").
 * Man pages: dmabuf_mem_open(3), dmabuf_register(3), dmabuf_token_probe(3),
 * dmabuf_prep_rw(3), dmabuf_target_info(3), dmabuf_pattern_parse(3),
 * dmabuf_err_str(3).  The kernel interface behind
 * the token calls is described in doc/token-uapi.md of the source tree.
 *
 * Conventions: sizes and offsets are bytes unless a name says blocks; a
 * function that can fail returns 0 (or a count) on success and a negative
 * errno on failure, and fills the struct dmabuf_err it was given (which may
 * be NULL).  The library never prints, never exits and never raises a
 * signal.  Objects are not locked: one thread uses an object at a time
 * (dmabuf_bounce_sync() on disjoint ranges is the exception).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct io_uring;	/* liburing's ring: <liburing.h> */
struct io_uring_sqe;
struct io_uring_cqe;
struct nvme_uring_cmd;	/* the kernel's <linux/nvme_ioctl.h> */

/* The library's version ("0.1-12-gabcdef"); the caller does not free it. */
const char *dmabuf_version(void);

/* --- errors ---------------------------------------------------------------- */

enum dmabuf_err_kind {
	DMABUF_E_NONE = 0,
	DMABUF_E_USAGE,		/* bad input from the caller */
	DMABUF_E_UNSUPPORTED,	/* a kernel, device or source feature missing here */
	DMABUF_E_IO,		/* an I/O or device error */
	DMABUF_E_SAFETY,	/* refused: would destroy data */
	DMABUF_E_MISMATCH,	/* verification found mismatches */
	DMABUF_E_INTERRUPTED,	/* stopped by a signal */
};

/* Which operation failed on which object, and what kind of failure it is. */
struct dmabuf_err {
	int err;			/* negative errno, 0 when none */
	enum dmabuf_err_kind kind;
	char obj[256];			/* the object: "/dev/nvme0n1", "heap:system" */
	char op[64];			/* the operation: "IORING_REGISTER_BUFFERS_UPDATE" */
	char detail[512];		/* why, in words, and what to do; may be empty */
	uint32_t reserved[4];		/* 0 */
};

/*
 * "obj: op: strerror[: detail]" into @buf (@len bytes, truncated to fit).
 * Returns @buf.  DMABUF_ERR_STR_MAX bytes always hold the whole text: the
 * three fields at their longest, an errno text and the separators.
 */
#define DMABUF_ERR_STR_MAX 1200

const char *dmabuf_err_str(const struct dmabuf_err *e, char *buf, size_t len);

/* --- memory sources ---------------------------------------------------------- */

/*
 * A buffer from one memory source, named as on the dmabuf command line:
 *   memfd, hugetlb             plain memory, not dma-bufs (baselines)
 *   udmabuf[:huge]             /dev/udmabuf over a sealed memfd
 *   heap[:NAME]                /dev/dma_heap/NAME (default "system")
 *   drm[:PATH][:vram|gtt|dumb] a DRM buffer exported with PRIME
 *   mover[:nomap][,misdirect]  the moving test exporter (/dev/dmabuf_mover)
 *   cuda[:DEV], hip[:DEV]      GPU memory exported by the vendor runtime
 *   fd:N                       a dma-buf fd this process already holds
 *   pid:PID:FD                 another process's dma-buf, via pidfd_getfd()
 */
struct dmabuf_mem;

/* Check a source name without opening anything.  0 or -EINVAL (usage). */
int dmabuf_mem_check_source(const char *source, struct dmabuf_err *e);

/*
 * Is @source usable on this machine?  0 when it is (e->detail may still
 * say something, such as how many huge pages are free), else -errno with
 * kind DMABUF_E_UNSUPPORTED and a detail naming what is missing.
 */
int dmabuf_mem_probe(const char *source, struct dmabuf_err *e);

/*
 * Create (or for fd:N and pid:PID:FD adopt) a buffer of @size bytes,
 * rounded up to the source's page size; @size 0 is allowed only for fd and
 * pid (the dma-buf's own size).  @name (NULL for none, at most 31 bytes)
 * is set with DMA_BUF_SET_NAME.  On success *@out belongs to the caller,
 * who releases it with dmabuf_mem_close(); fd:N duplicates the fd, so the
 * caller's fd stays its own.
 * Errors: -ENOENT, -ENODEV, -EOPNOTSUPP (DMABUF_E_UNSUPPORTED) when the
 * source does not exist here; -EINVAL (usage); -ENOMEM.
 */
int dmabuf_mem_open(const char *source, uint64_t size, const char *name,
		    struct dmabuf_mem **out, struct dmabuf_err *e);

/* Close the buffer's fds, unmap it, free it.  NULL is a no-op. */
void dmabuf_mem_close(struct dmabuf_mem *m);

/* The buffer's size in bytes. */
uint64_t dmabuf_mem_size(const struct dmabuf_mem *m);

/*
 * The dma-buf fd, or -1 for memfd and hugetlb, which are not dma-bufs.
 * It stays owned by @m: dup() it to keep it past dmabuf_mem_close().
 */
int dmabuf_mem_fd(const struct dmabuf_mem *m);

/* The fd that keeps the memory alive: the dma-buf, else the memfd.  Owned by @m. */
int dmabuf_mem_hold_fd(const struct dmabuf_mem *m);

/* What a buffer is, from the source and the exporter (/proc/self/fdinfo). */
struct dmabuf_mem_info {
	char source[300];		/* the source as given: "heap:system" */
	char kind[16];			/* "heap", "udmabuf", "memfd", … */
	uint64_t size;			/* bytes, as the exporter reports them */
	uint64_t inode;			/* the dma-buf's (or memfd's) inode */
	bool is_dmabuf;
	char exp_name[64];		/* exporter: "system", "udmabuf", "vgem" ("" if none) */
	char name[64];			/* DMA_BUF_SET_NAME name, "" if none */
	char driver[32];		/* drm: the DRM driver; cuda, hip: the runtime */
	char placement[64];		/* drm: where the buffer went: "vram", "gtt", "dumb" */
	uint64_t reserved[8];		/* 0; later facts go here, the struct keeps its size */
};

/* Fill @info.  0 or -errno (fstat, lseek, fdinfo failed). */
int dmabuf_mem_describe(const struct dmabuf_mem *m, struct dmabuf_mem_info *info,
			struct dmabuf_err *e);

/*
 * Map the whole buffer for the CPU (read/write, MAP_SHARED) and put the
 * address in *@addr; cuda and hip get a host copy that the sync calls
 * keep in step.  Idempotent; the mapping lives until dmabuf_mem_close().
 * Errors: -ENODEV, -EOPNOTSUPP (DMABUF_E_UNSUPPORTED) when the exporter
 * has no mmap.
 */
int dmabuf_mem_mmap(struct dmabuf_mem *m, void **addr, struct dmabuf_err *e);

/* The CPU mapping made by dmabuf_mem_mmap(), NULL before it. */
void *dmabuf_mem_addr(const struct dmabuf_mem *m);

/*
 * Bracket CPU access to the mapping (DMA_BUF_IOCTL_SYNC START and END,
 * READ or READ|WRITE by @cpu_write); no-ops for memfd, hugetlb and udmabuf.
 * For cuda and hip, begin copies device memory into the host copy and the
 * end of a CPU write copies it back.  0 or -errno.
 */
int dmabuf_mem_sync_begin(struct dmabuf_mem *m, bool cpu_write, struct dmabuf_err *e);
int dmabuf_mem_sync_end(struct dmabuf_mem *m, bool cpu_write, struct dmabuf_err *e);

/* Can the exporter move this buffer on request (the mover source)? */
bool dmabuf_mem_can_move(const struct dmabuf_mem *m);

/*
 * Move the buffer as an exporter evicting it would: move_notify to every
 * importer, a wait of at most @timeout_ms (0: the exporter's default of
 * 15000) for their fences, a copy to new pages.  *@wait_ns: ns spent
 * waiting for the fences (also on -ETIME).  Errors: -EOPNOTSUPP
 * (DMABUF_E_UNSUPPORTED): this source cannot move; -ETIME: the fences did
 * not signal, nothing moved; -EBUSY: pinned by an importer without
 * move_notify; -EINTR.  The exporter is kernel-patches/0015.
 */
int dmabuf_mem_move(struct dmabuf_mem *m, unsigned timeout_ms, uint64_t *wait_ns,
		    struct dmabuf_err *e);

/* The moving exporter's account of a buffer. */
struct dmabuf_mem_move_stats {
	uint64_t moves;			/* moves done */
	uint64_t retired_pages;		/* pages given up by moves, still watched */
	uint64_t late_pages;		/* of those, written after they were given up: must be 0 */
	unsigned pins;			/* importers that pinned it (it cannot move) */
	uint32_t reserved0;		/* 0 */
	uint64_t reserved[4];		/* 0; later counters go here */
};

/* Read @st.  0, or -EOPNOTSUPP for a source that cannot move, or -errno. */
int dmabuf_mem_move_stats(struct dmabuf_mem *m, struct dmabuf_mem_move_stats *st,
			  struct dmabuf_err *e);

/* --- fixed buffers and dmabuf tokens ----------------------------------------- */

/*
 * How memory reaches the device:
 *   token   the dma-buf registered as a dmabuf token for one target: zero
 *           copy, DMA-mapped once at registration;
 *   pages   the pages behind the buffer as an ordinary fixed buffer: zero
 *           copy, mapped per I/O; only memory with struct pages;
 *   bounce  I/O into an anonymous fixed buffer and a CPU copy to and from
 *           the dma-buf (dmabuf_bounce_sync()).
 */
enum dmabuf_path {
	DMABUF_PATH_AUTO,		/* the best of the three that works */
	DMABUF_PATH_TOKEN,
	DMABUF_PATH_PAGES,
	DMABUF_PATH_BOUNCE,
};

/* "auto", "token", "pages", "bounce"; "?" for anything else. */
const char *dmabuf_path_name(enum dmabuf_path p);
/* The reverse.  0 or -EINVAL. */
int dmabuf_path_parse(const char *name, enum dmabuf_path *p);

/* A registered fixed buffer. */
struct dmabuf_fixed {
	enum dmabuf_path path;		/* the path registered (never AUTO) */
	uint64_t base;			/* the SQE addr of the buffer's byte 0: 0 for a token,
					   whose addr is a byte offset into the dma-buf; the
					   user address for pages and bounce */
	uint64_t len;			/* bytes */
	char why[768];			/* AUTO: why better paths were not used ("" if none) */
	uint64_t reserved[4];		/* 0; later facts go here, the struct keeps its size */
};

/*
 * Register @m in slot @slot of @ring's buffer table by @path, for I/O on
 * @target_fd (an NVMe block device opened O_DIRECT, or its /dev/ngXnY
 * generic char device).  AUTO tries token, pages and bounce in that order
 * (token only for dma-bufs) and says in out->why why each better one was
 * refused.  The ring must have a buffer table that holds @slot (e.g.
 * io_uring_register_buffers_sparse()).  The ring takes its own references;
 * @m and @target_fd stay the caller's, and @m must outlive the slot.  The
 * bounce path keeps one bounce buffer per @m, freed by dmabuf_mem_close().
 * Errors: those of dmabuf_token_register() and of the pages path: -EFAULT
 * (DMABUF_E_UNSUPPORTED) memory the kernel cannot pin (VM_PFNMAP dma-buf
 * mappings), -ENOMEM (RLIMIT_MEMLOCK), -EINVAL (pages and bounce) an empty
 * buffer or one over an ordinary fixed buffer's 1 GiB (io_uring/rsrc.c,
 * 6.12: the kernel says -EFAULT, which would read as unpinnable memory);
 * for the token, whatever the kernel answered (no size is checked there).
 */
int dmabuf_register(struct io_uring *ring, unsigned slot, struct dmabuf_mem *m, int target_fd,
		    enum dmabuf_path path, struct dmabuf_fixed *out, struct dmabuf_err *e);

/* Empty slot @slot (whatever it holds).  Requests in flight finish first.  0 or -errno. */
int dmabuf_unregister(struct io_uring *ring, unsigned slot, struct dmabuf_err *e);

/*
 * Bounce path: copy @len bytes at byte @off between @m and its bounce
 * buffer, bracketed for the exporter: @to_device before a write (dma-buf
 * to bounce), else after a read (bounce to dma-buf).  Only that range is
 * touched (cuda, hip: the runtime copies just those bytes, the device made
 * current in the calling thread), so threads may call it at once for
 * disjoint ranges of one @m: the one exception to one thread an object.
 * -EINVAL when @m has no bounce buffer or the range is outside it.
 */
int dmabuf_bounce_sync(struct dmabuf_mem *m, bool to_device, uint64_t off, uint64_t len,
		       struct dmabuf_err *e);

/*
 * Register dma-buf @dmabuf_fd in slot @slot as a token for @target_fd:
 * IORING_REGISTER_BUFFERS_UPDATE with IORING_RSRC_UPDATE_EXTENDED and one
 * IO_REGBUF_TYPE_DMABUF descriptor (the token series' uAPI; liburing has no
 * call for it).  READ_FIXED/WRITE_FIXED (and this port's NVMe passthrough)
 * on that slot must then be issued on @target_fd, with addr the byte offset
 * into the dma-buf.  The caller keeps both fds.
 * Errors (DMABUF_E_UNSUPPORTED, the detail says which): -EINVAL a kernel
 * without the extended update, or a target not opened O_DIRECT (usage);
 * -EOPNOTSUPP a kernel built without tokens or a driver without them;
 * -E2BIG/-EFBIG the kernel's own size limit (the library has none; kernels
 * of the series before v6 answer -EINVAL over 1 GiB, this port at 4 GiB,
 * and the detail then names both causes); -EXDEV a second controller's
 * attachment of a dma-buf one of whose mappings goes through bounce
 * buffers (this port, doc/token-uapi.md); -EBADF (usage) not a dma-buf.
 */
int dmabuf_token_register(struct io_uring *ring, unsigned slot, int dmabuf_fd, int target_fd,
			  struct dmabuf_err *e);

enum dmabuf_token_support {
	DMABUF_TOKEN_OK,		/* registration works for this target */
	DMABUF_TOKEN_NO_UAPI,		/* the extended update is unknown: -EINVAL */
	DMABUF_TOKEN_NOT_BUILT,		/* the DMABUF type is refused: -EOPNOTSUPP */
	DMABUF_TOKEN_NO_TARGET,		/* the kernel has tokens, the target's driver not */
	DMABUF_TOKEN_ERROR,		/* something else failed: see the error */
	DMABUF_TOKEN_UNTESTED,		/* no target or dma-buf given: only the uAPI probed */
};

/*
 * What the kernel supports, without I/O, on a ring of its own: an extended
 * update with an EMPTY descriptor (-EINVAL: NO_UAPI), a DMABUF descriptor
 * with fd -1 (-EOPNOTSUPP: NOT_BUILT; -EBADF means the type is known), and
 * when @target_fd and @dmabuf_fd are >= 0 a real registration, removed
 * again (-EOPNOTSUPP: NO_TARGET).  @e gets the failing step's error.
 */
enum dmabuf_token_support dmabuf_token_probe(int target_fd, int dmabuf_fd,
					     struct dmabuf_err *e);
/* A sentence for @s. */
const char *dmabuf_token_support_str(enum dmabuf_token_support s);

/* --- targets and requests (DMABUF_0.2) --------------------------------------- */

enum dmabuf_target_kind {
	DMABUF_TARGET_NVME_BLK,		/* /dev/nvmeXnY */
	DMABUF_TARGET_NVME_CHAR,	/* /dev/ngXnY: NVMe passthrough only */
	DMABUF_TARGET_BLK,		/* another block device (partition, dm, loop, …) */
	DMABUF_TARGET_FILE,		/* a regular file */
};

#define DMABUF_TARGET_EXT_LBA	(1u << 0)	/* metadata interleaved with each block's data */

/*
 * What requests on a target must respect.  The block layer's limits come
 * from sysfs (queue/logical_block_size, dma_alignment, max_hw_sectors_kb),
 * which is what the kernel checks a request against; NVMe facts (nsid, LBA
 * format, MDTS) from the controller's Identify data; a file's block from
 * statx(STATX_DIOALIGN).
 */
struct dmabuf_target_info {
	uint32_t kind;			/* enum dmabuf_target_kind */
	uint32_t lba_size;		/* bytes per logical block; a file: its O_DIRECT offset alignment (>= 512) */
	uint32_t ms;			/* metadata bytes per block (NVMe), 0 if none */
	uint32_t dma_align;		/* bytes: every request's buffer address (a token's: its offset) a multiple */
	uint32_t max_xfer;		/* bytes per request at most, 0 when not known */
	uint32_t nsid;			/* NVMe namespace ID, 0 for other targets */
	uint64_t nlba;			/* capacity in logical blocks (a file: whole blocks of its size) */
	uint32_t flags;			/* DMABUF_TARGET_* */
	uint32_t reserved[7];		/* 0; later facts go here, the struct keeps its size */
};

/*
 * Fill @ti for the target open as @fd (the caller's, left as it is: the
 * library identifies it through a read-only open of the same node or file,
 * /proc/self/fd).  Errors: -ENOTSUP (DMABUF_E_USAGE) a char device that is
 * no NVMe generic device, a directory (-EISDIR); -EACCES/-EPERM when the
 * Identify command is refused (the detail says what to change); -errno.
 */
int dmabuf_target_info(int fd, struct dmabuf_target_info *ti, struct dmabuf_err *e);

/*
 * A registered buffer as its requests name it.  The caller fills it after
 * dmabuf_register() and keeps it, @fx and @mem for as long as requests on
 * it are in flight; the library keeps no pointer to it after a call.
 */
struct dmabuf_iobuf {
	struct dmabuf_mem *mem;		/* the memory registered */
	const struct dmabuf_fixed *fx;	/* what dmabuf_register() made of it */
	unsigned slot;			/* the slot it fills */
	int fd;				/* the target it was registered for */
	uint64_t reserved[2];		/* 0 */
};

/*
 * Encode a READ_FIXED (@write false) or WRITE_FIXED of @len bytes at byte
 * @pos of the target, to or from byte @mem_off of the buffer, into @sqe,
 * whatever path the buffer took: a token's address is its offset into the
 * dma-buf, the pages and bounce paths' a user address (fx->base + @mem_off).
 * Like io_uring_prep_read_fixed(3): no system call, no copy; safe to call
 * again for a reissue.  -EINVAL (usage) for a range outside the buffer.
 */
int dmabuf_prep_rw(struct io_uring_sqe *sqe, const struct dmabuf_iobuf *b, bool write,
		   uint64_t mem_off, uint32_t len, uint64_t pos, struct dmabuf_err *e);

/*
 * Encode an NVMe Read (@write false) or Write of @nblocks (1..65536)
 * logical blocks from @slba on namespace @nsid, @len data bytes at byte
 * @mem_off of a registered buffer, separate metadata @meta_len bytes at
 * user address @meta (0, 0 for none), into @cmd (NVMe Base Specification:
 * Read 02h, Write 01h, NLB zero-based in CDW12).  @cmd->addr is then a
 * buffer offset, as dmabuf_prep_nvme_cmd() takes it.
 */
void dmabuf_nvme_rw_cmd(struct nvme_uring_cmd *cmd, bool write, uint32_t nsid, uint64_t slba,
			uint32_t nblocks, uint64_t mem_off, uint32_t len, uint64_t meta,
			uint32_t meta_len);

/*
 * Put NVMe I/O command @cmd into @sqe as IORING_OP_URING_CMD
 * (NVME_URING_CMD_IO) on b->fd, a /dev/ngXnY opened O_RDWR, with the data
 * in the registered buffer (IORING_URING_CMD_FIXED, buffer index b->slot):
 * @cmd->addr is the byte offset into the buffer and becomes the address
 * the path gives it.  The ring needs 128-byte SQEs and 32-byte CQEs
 * (IORING_SETUP_SQE128 | IORING_SETUP_CQE32) and @sqe 128 bytes.  Any
 * command of the NVM command set with a data buffer goes this way.
 * -EINVAL (usage) for data outside the buffer.
 */
int dmabuf_prep_nvme_cmd(struct io_uring_sqe *sqe, const struct dmabuf_iobuf *b,
			 const struct nvme_uring_cmd *cmd, struct dmabuf_err *e);

/* dmabuf_nvme_rw_cmd() and dmabuf_prep_nvme_cmd() without metadata, blocks of @ti. */
int dmabuf_prep_nvme_rw(struct io_uring_sqe *sqe, const struct dmabuf_iobuf *b, bool write,
			const struct dmabuf_target_info *ti, uint64_t slba, uint32_t nblocks,
			uint64_t mem_off, struct dmabuf_err *e);

/*
 * A request's outcome from its CQE: the bytes it moved (READ_FIXED,
 * WRITE_FIXED: cqe->res, which may be short; an NVMe command: @len when
 * the controller reported success), or a negative errno.  An NVMe command
 * the controller failed gives -EIO with *@nvme_status (SCT << 8 | SC, NVMe
 * Base Specification) set; otherwise *@nvme_status is 0.  @nvme is true for
 * commands prepped by dmabuf_prep_nvme_cmd().
 */
int dmabuf_io_result(const struct io_uring_cqe *cqe, bool nvme, uint32_t len,
		     uint16_t *nvme_status);

/*
 * Should a request that completed with @res be issued again, unchanged?
 * True for -EAGAIN: after an invalidation (the exporter moved the memory)
 * a request on a token may complete with it, and the kernel maps the
 * dma-buf again when the request is reissued (doc/token-uapi.md).
 */
bool dmabuf_io_reissue(int res);

/*
 * The two steps of a request that belong to the buffer path, called for
 * every path (no-ops except bounce): dmabuf_io_start() before a request's
 * first submission (bounce: a write's bytes copied from the dma-buf into the
 * bounce buffer), dmabuf_io_done() after it completed in full (bounce: a
 * read's bytes copied into the dma-buf).  @mem_off and @len are the whole
 * request's.  Threads may run them at once for disjoint ranges of one
 * buffer (dmabuf_bounce_sync()).  0 or the copy's -errno.
 */
int dmabuf_io_start(const struct dmabuf_iobuf *b, bool write, uint64_t mem_off, uint64_t len,
		    struct dmabuf_err *e);
int dmabuf_io_done(const struct dmabuf_iobuf *b, bool write, uint64_t mem_off, uint64_t len,
		   struct dmabuf_err *e);

/* --- patterns and verification ----------------------------------------------- */

/*
 * A data pattern: zero, ones, lba[:SEED], random[:SEED], byte:0xNN,
 * file:PATH.  Every byte is a pure function of (pattern, LBA, LBA size,
 * pass), so any window of a range is generated or checked on its own.
 * `lba` (default seed 0x5eed) stamps each block with a 32-byte header
 * (magic "DMABUFLB", LBA, pass, seed, hash) before a keyed pseudo-random
 * stream, so that a block read back from the wrong place says where it
 * came from.
 */
struct dmabuf_pattern;

/* Parse (and for file: open) a pattern.  *@out is the caller's: dmabuf_pattern_free(). */
int dmabuf_pattern_parse(const char *text, struct dmabuf_pattern **out, struct dmabuf_err *e);
void dmabuf_pattern_free(struct dmabuf_pattern *p);
/*
 * The pattern as given, but `random` without a seed is named with the one it
 * uses ("random:0x5eed"), so that the name reproduces the data.
 */
const char *dmabuf_pattern_name(const struct dmabuf_pattern *p);
/* The seed of lba and random (their default 0x5eed when none is given), 0 for the others. */
uint64_t dmabuf_pattern_seed(const struct dmabuf_pattern *p);
/* Does the data differ from block to block (lba, random, file)? */
bool dmabuf_pattern_per_block(const struct dmabuf_pattern *p);
/* The pass number lba stamps into its headers (default 0). */
void dmabuf_pattern_set_pass(struct dmabuf_pattern *p, uint32_t pass);

/* Fill @buf with @nblocks blocks of @lba_size bytes for LBAs from @lba.  0 or -errno. */
int dmabuf_pattern_fill(const struct dmabuf_pattern *p, void *buf, uint64_t lba,
			uint64_t nblocks, uint32_t lba_size, struct dmabuf_err *e);

enum dmabuf_mismatch_kind {
	DMABUF_MIS_FLIP,		/* the right block, a few bits differ */
	DMABUF_MIS_CORRUPT,		/* many bytes differ, no header recognised */
	DMABUF_MIS_ZEROED,		/* the block reads back all zero */
	DMABUF_MIS_MISPLACED,		/* a valid header of another LBA */
	DMABUF_MIS_STALE,		/* a valid header of this LBA, another pass */
	DMABUF_MIS_UNDELIVERED,		/* the read succeeded, the memory kept the canary */
	DMABUF_MIS_UNWRITTEN,		/* round trip: the scratch range kept its stamp */
	DMABUF_MIS_NR_KINDS,		/* the kinds this header knows; a later library may know more */
};

/*
 * Room for kinds in struct dmabuf_verify_result: a later kind takes a free
 * slot of kinds[], and the structure keeps its size.
 */
#define DMABUF_MIS_KINDS_MAX 16
#ifdef __cplusplus
static_assert(DMABUF_MIS_NR_KINDS <= DMABUF_MIS_KINDS_MAX, "kinds[] has room for every kind");
#else
_Static_assert(DMABUF_MIS_NR_KINDS <= DMABUF_MIS_KINDS_MAX, "kinds[] has room for every kind");
#endif

/* "flip", "corrupt", "zeroed", "misplaced", "stale", "undelivered", "unwritten". */
const char *dmabuf_mismatch_kind_str(enum dmabuf_mismatch_kind k);

struct dmabuf_mismatch {
	uint64_t lba;
	uint64_t offset;		/* first differing byte, from the start of the range */
	uint64_t mem_offset;		/* the block's offset in the memory it was read into */
	uint32_t canary_pieces;		/* undelivered: pieces still holding the canary */
	uint32_t len;			/* differing bytes in the block */
	uint32_t bits;			/* differing bits in the block */
	uint8_t expected, found;	/* the first differing byte */
	enum dmabuf_mismatch_kind kind;
	uint64_t found_lba;		/* misplaced: the LBA its header names */
	uint32_t found_pass;		/* stale: the pass its header names */
	uint32_t reserved0;		/* 0 */
	uint64_t reserved[2];		/* 0; later facts about a mismatch go here */
};

/* Mismatches a result keeps in full (its first[]); part of the ABI, never changed. */
#define DMABUF_MISMATCH_KEEP 16

/* What checks found; zero it before the first check, then it accumulates. */
struct dmabuf_verify_result {
	uint64_t blocks_checked;
	uint64_t blocks_bad;
	uint64_t bytes_bad;
	uint64_t kinds[DMABUF_MIS_KINDS_MAX];	/* bad blocks by enum dmabuf_mismatch_kind */
	unsigned nr_kept;			/* mismatches kept in first[] */
	struct dmabuf_mismatch first[DMABUF_MISMATCH_KEEP];
	uint64_t reserved[4];			/* 0; later totals go here */
};

/*
 * How the data being checked reached host memory when not by a plain read
 * into the memory under test.  @round_trip: the range was read into the
 * memory, written from it to a scratch range stamped beforehand with
 * @stamp (from LBA @stamp_lba), and read back into host memory.  A block
 * equal to its stamp is "unwritten", anything else wrong "undelivered".
 */
struct dmabuf_check_how {
	bool round_trip;
	const struct dmabuf_pattern *stamp;
	uint64_t stamp_lba;
	uint64_t reserved[2];		/* 0: later ways of checking go here */
};

/*
 * Compare @nblocks blocks at @buf (LBAs from @lba, @range_off bytes into
 * the verified range) with what @p generates; @how NULL for a plain read.
 * Accumulates into @res.  Returns the bad blocks found by this call, or
 * -errno (file: read errors).
 */
int64_t dmabuf_pattern_check(const struct dmabuf_pattern *p, const void *buf, uint64_t lba,
			     uint64_t nblocks, uint32_t lba_size, uint64_t range_off,
			     const struct dmabuf_check_how *how, struct dmabuf_verify_result *res,
			     struct dmabuf_err *e);

/*
 * The canary: fill memory with it before a read, and a block that still
 * holds it after a read that reported success was never written by the
 * device ("undelivered").  Each DMABUF_CANARY_PIECE bytes carry the magic
 * "DMABUFCY", the piece's offset in the memory, a per-process nonce and a
 * hash; no pattern generates it and another run's canary has another nonce.
 */
#define DMABUF_CANARY_PIECE 512

/* Fill @nblocks blocks of @lba_size bytes at @buf, @mem_off bytes into the memory. */
void dmabuf_canary_fill(void *buf, uint64_t mem_off, uint64_t nblocks, uint32_t lba_size);

/*
 * Record in @res each of the @nblocks blocks at @buf (LBAs from @lba,
 * @range_off bytes into the range) that still holds the canary, as
 * undelivered.  Returns how many did.
 */
uint64_t dmabuf_canary_check(const void *buf, uint64_t lba, uint64_t nblocks,
			     uint32_t lba_size, uint64_t range_off,
			     struct dmabuf_verify_result *res);

#ifdef __cplusplus
}
#endif

#endif
