/* SPDX-License-Identifier: MIT */
#ifndef DMABUF_MEM_H
#define DMABUF_MEM_H

/*
 * Memory sources.  Every source (memfd, hugetlb, udmabuf, dma-heap, DRM, the
 * moving test exporter, inherited fd, another process's fd) sits behind
 * struct db_mem_ops; the rest of the tool sees only struct db_mem.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "dmabuf/err.h"

enum db_mem_kind {
	DB_MEM_MEMFD,		/* memfd_create(), not a dma-buf: baseline */
	DB_MEM_HUGETLB,		/* memfd_create(MFD_HUGETLB), not a dma-buf */
	DB_MEM_UDMABUF,		/* /dev/udmabuf over a sealed memfd */
	DB_MEM_HEAP,		/* /dev/dma_heap/NAME */
	DB_MEM_DRM,		/* DRM dumb buffer exported with PRIME (libdrm) */
	DB_MEM_MOVER,		/* /dev/dmabuf_mover: a test exporter that really moves */
	DB_MEM_FD,		/* fd:N, a dma-buf fd inherited from the parent */
	DB_MEM_PID,		/* pid:PID:FD, taken with pidfd_getfd() */
	DB_MEM_CUDA,		/* cuda[:DEV]: CUDA device memory exported as a dma-buf */
	DB_MEM_HIP,		/* hip[:DEV]: HIP (ROCm) device memory exported as a dma-buf */
	DB_MEM_NR_KINDS,
};

/*
 * Where a drm buffer is placed: the driver's own choice (amdgpu: VRAM;
 * drivers without a placement helper in libdrm: a dumb buffer), or asked.
 */
enum db_drm_placement {
	DB_DRM_DEFAULT, DB_DRM_DUMB, DB_DRM_VRAM, DB_DRM_GTT,
};

/* A parsed --mem argument. */
struct db_mem_spec {
	enum db_mem_kind kind;
	bool huge;		/* udmabuf:huge: back the udmabuf with hugetlb */
	bool no_cpu_map;	/* mover:nomap: a dma-buf the CPU cannot mmap */
	bool misdirect;		/* mover:misdirect: device mapping misses the buffer */
	char path[256];		/* heap: /dev/dma_heap/NAME; drm: device node ("" = first render node) */
	int fd;			/* fd:N and pid:PID:FD: the fd number */
	int dev;		/* cuda:DEV, hip:DEV: the device ordinal (default 0) */
	enum db_drm_placement placement;	/* drm[:PATH][:vram|gtt|dumb] */
	pid_t pid;		/* pid:PID:FD */
	char text[300];		/* the argument as given, for messages */
};

/* What the exporter says about a dma-buf (/proc/self/fdinfo, fstat). */
struct db_mem_info {
	char exp_name[64];	/* exporter: "udmabuf", "system", "vgem", … ("" if not a dma-buf) */
	char name[64];		/* DMA_BUF_SET_NAME name, "" if none */
	uint64_t size;		/* bytes */
	uint64_t inode;
	bool is_dmabuf;
};

/* A movable source's account of its buffer (db_mem_move_stats()). */
struct db_mem_move_stats {
	uint64_t moves;		/* moves done */
	uint64_t retired_pages;	/* pages given up by moves, still watched */
	uint64_t late_pages;	/* of those, found written after they were given up */
	unsigned pins;		/* importers that pinned it (it cannot move) */
};

struct db_mem;

struct db_mem_ops {
	const char *name;	/* "memfd", "udmabuf", … */
	bool is_dmabuf;		/* false for memfd/hugetlb */
	/*
	 * Create or adopt the memory.  @size in bytes (0 for fd/pid: take the
	 * dma-buf's size).  Sets m->size, m->dmabuf_fd / m->mem_fd.
	 */
	int (*open)(struct db_mem *m, uint64_t size, struct db_err *e);
	void (*close)(struct db_mem *m);
	/* Sources whose exporter can move the memory (else NULL). */
	int (*move)(struct db_mem *m, unsigned timeout_ms, uint64_t *wait_ns,
		    struct db_err *e);
	int (*move_stats)(struct db_mem *m, struct db_mem_move_stats *st, struct db_err *e);
	/*
	 * Sources whose dma-buf cannot be mmapped but whose memory the CPU
	 * reaches another way (cuda, hip: the runtime's copies), else NULL.
	 * cpu_map sets m->map to a host copy of m->size bytes (anonymous
	 * mmap; db_mem_close() unmaps it); cpu_sync copies it to the device
	 * (@to_device) or from it.
	 */
	int (*cpu_map)(struct db_mem *m, struct db_err *e);
	int (*cpu_sync)(struct db_mem *m, bool to_device, struct db_err *e);
};

struct db_mem {
	const struct db_mem_ops *ops;
	struct db_mem_spec spec;
	uint64_t size;		/* bytes */
	int dmabuf_fd;		/* the dma-buf, -1 for memfd/hugetlb; owned */
	int mem_fd;		/* memfd behind it (memfd, hugetlb, udmabuf), else -1; owned */
	void *map;		/* CPU mapping of size bytes (MAP_SHARED), NULL until db_mem_mmap() */
	void *priv;		/* source private state */
	char name[64];		/* --name, set on the dma-buf with DMA_BUF_SET_NAME */
	char placement[64];	/* drm: where the buffer went ("vram", "dumb"), "" else */
	char driver[32];	/* drm: the DRM driver; cuda/hip: the runtime, "" else */
};

/*
 * Parse a --mem argument: memfd, hugetlb, udmabuf, udmabuf:huge, heap,
 * heap:NAME, drm[:PATH][:vram|gtt|dumb], mover[:nomap][,misdirect], cuda[:DEV],
 * hip[:DEV], fd:N, pid:PID:FD.  Returns 0 or -EINVAL (kind
 * DB_E_USAGE) naming the bad part.
 */
int db_mem_parse(const char *text, struct db_mem_spec *spec, struct db_err *e);

/* Name of a kind ("udmabuf"). */
const char *db_mem_kind_name(enum db_mem_kind kind);

/*
 * Create (memfd, hugetlb, udmabuf, heap, drm) or adopt (fd, pid) the memory
 * described by @spec.  @size in bytes, rounded up to the source's page size;
 * 0 is allowed only for fd/pid.  @name (may be NULL) is set on the dma-buf.
 * On success *@out is owned by the caller: release with db_mem_close().
 * Errors: -ENOENT/-ENODEV/-EOPNOTSUPP with kind DB_E_UNSUPPORTED when the
 * source does not exist here (no /dev/udmabuf, no heap, no huge pages
 * reserved: the detail says what is missing); -ENOMEM; -EINVAL (usage).
 */
int db_mem_open(const struct db_mem_spec *spec, uint64_t size, const char *name,
		struct db_mem **out, struct db_err *e);

/* Close fds, unmap, free.  NULL is a no-op. */
void db_mem_close(struct db_mem *m);

/*
 * Map the whole memory for the CPU (MAP_SHARED, read/write) into m->map;
 * for cuda and hip a host copy that the sync brackets keep in step.
 * Idempotent.  -ENODEV/-EOPNOTSUPP (DB_E_UNSUPPORTED) if the exporter has no
 * mmap (some GPU dma-bufs).
 */
int db_mem_mmap(struct db_mem *m, struct db_err *e);

/*
 * Bracket CPU access to a dma-buf mapping with DMA_BUF_IOCTL_SYNC
 * (START/END, READ and/or WRITE per @cpu_write).  No-ops for memfd/hugetlb,
 * and for udmabuf, whose CPU mapping is its memfd (see lib/mem.c).  For
 * cuda and hip: begin copies the device memory into the host copy, end of
 * a CPU write copies it back.
 */
int db_mem_sync_begin(struct db_mem *m, bool cpu_write, struct db_err *e);
int db_mem_sync_end(struct db_mem *m, bool cpu_write, struct db_err *e);

/*
 * The user address range that can be registered as an ordinary fixed buffer
 * for the `pages` path: memfd/hugetlb: their mapping; udmabuf: a mapping of
 * its backing memfd (the same pages).  For heap/drm/fd/pid: their dma-buf
 * mmap, which the kernel may refuse to pin (VM_PFNMAP) at registration.
 * Maps on demand.  @addr and @len: the range, in bytes.
 */
int db_mem_pages(struct db_mem *m, void **addr, uint64_t *len, struct db_err *e);

/* Fill @info from fstat() and /proc/self/fdinfo of the dma-buf fd. */
int db_mem_describe(const struct db_mem *m, struct db_mem_info *info, struct db_err *e);

/*
 * Can the exporter move this memory on request (the mover source)?  Moving
 * is the real thing the debugfs trigger only imitates: the data changes
 * pages while importers are told with move_notify.
 */
bool db_mem_can_move(const struct db_mem *m);

/*
 * Move the memory as an exporter evicting it would: move_notify to every
 * importer, a wait of at most @timeout_ms (0: the exporter's default,
 * 15000) for their fences, a copy to new pages; the CPU mapping follows.
 * *@wait_ns: nanoseconds the exporter waited for the fences (also on
 * -ETIME).  Errors: -EOPNOTSUPP (DB_E_UNSUPPORTED) for a source that cannot
 * move; -ETIME: the fences did not signal in time, nothing moved; -EBUSY:
 * pinned by an importer without move_notify; -EINTR.  Source of the
 * semantics: kernel-patches/0009 (doc/token-uapi.md).
 */
int db_mem_move(struct db_mem *m, unsigned timeout_ms, uint64_t *wait_ns, struct db_err *e);

/*
 * The exporter's account of the buffer: moves, pages it gave up and still
 * watches, and how many of those were written after it gave them up (DMA
 * through a mapping that should have been dropped: must be 0).  0 or
 * -errno; -EOPNOTSUPP for a source that cannot move.
 */
int db_mem_move_stats(struct db_mem *m, struct db_mem_move_stats *st, struct db_err *e);

/* Is the source usable on this machine?  0, or -errno with detail (for `check`). */
int db_mem_probe(enum db_mem_kind kind, const char *path, struct db_err *e);

#endif
