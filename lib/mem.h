/* SPDX-License-Identifier: MIT */
#ifndef DMABUF_MEM_H
#define DMABUF_MEM_H

/*
 * Memory sources, inside libdmabuf.  Every source (memfd, hugetlb, udmabuf,
 * dma-heap, DRM, the moving test exporter, inherited fd, another process's
 * fd, the GPU runtimes) sits behind struct db_mem_ops.  Users of the
 * library see only the opaque struct dmabuf_mem and dmabuf/dmabuf.h; this
 * header is for lib/mem*.c, the registration code and the unit tests.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "dmabuf/dmabuf.h"
#include "err.h"

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

struct dmabuf_mem;

struct db_mem_ops {
	const char *name;	/* "memfd", "udmabuf", … */
	bool is_dmabuf;		/* false for memfd/hugetlb */
	/*
	 * Create or adopt the memory.  @size in bytes (0 for fd/pid: take the
	 * dma-buf's size).  Sets m->size, m->dmabuf_fd / m->mem_fd.
	 */
	int (*open)(struct dmabuf_mem *m, uint64_t size, struct dmabuf_err *e);
	void (*close)(struct dmabuf_mem *m);
	/* Sources whose exporter can move the memory (else NULL). */
	int (*move)(struct dmabuf_mem *m, unsigned timeout_ms, uint64_t *wait_ns,
		    struct dmabuf_err *e);
	int (*move_stats)(struct dmabuf_mem *m, struct dmabuf_mem_move_stats *st, struct dmabuf_err *e);
	/*
	 * Sources whose dma-buf cannot be mmapped but whose memory the CPU
	 * reaches another way (cuda, hip: the runtime's copies), else NULL.
	 * cpu_map sets m->map to a host copy of m->size bytes (anonymous
	 * mmap; dmabuf_mem_close() unmaps it); cpu_sync copies bytes [@off,
	 * @off + @len) of it to the device (@to_device) or from it, from any
	 * thread, touching nothing outside the range.
	 */
	int (*cpu_map)(struct dmabuf_mem *m, struct dmabuf_err *e);
	int (*cpu_sync)(struct dmabuf_mem *m, bool to_device, uint64_t off, uint64_t len,
			struct dmabuf_err *e);
};

struct dmabuf_mem {
	const struct db_mem_ops *ops;
	struct db_mem_spec spec;
	uint64_t size;		/* bytes */
	int dmabuf_fd;		/* the dma-buf, -1 for memfd/hugetlb; owned */
	int mem_fd;		/* memfd behind it (memfd, hugetlb, udmabuf), else -1; owned */
	void *map;		/* CPU mapping of size bytes (MAP_SHARED), NULL until db_mem_mmap() */
	void *priv;		/* source private state */
	void *bounce;		/* bounce path: anonymous memory of size bytes (lib/buffer.c), NULL until used */
	char name[64];		/* --name, set on the dma-buf with DMA_BUF_SET_NAME */
	char placement[64];	/* drm: where the buffer went ("vram", "dumb"), "" else */
	char driver[32];	/* drm: the DRM driver; cuda/hip: the runtime, "" else */
};

/*
 * Parse a --mem argument: memfd, hugetlb, udmabuf, udmabuf:huge, heap,
 * heap:NAME, drm[:PATH][:vram|gtt|dumb], mover[:nomap][,misdirect], cuda[:DEV],
 * hip[:DEV], fd:N, pid:PID:FD.  Returns 0 or -EINVAL (kind
 * DMABUF_E_USAGE) naming the bad part.
 */
int db_mem_parse(const char *text, struct db_mem_spec *spec, struct dmabuf_err *e);

/* Name of a kind ("udmabuf"). */
const char *db_mem_kind_name(enum db_mem_kind kind);

/*
 * Create (memfd, hugetlb, udmabuf, heap, drm) or adopt (fd, pid) the memory
 * described by @spec.  @size in bytes, rounded up to the source's page size;
 * 0 is allowed only for fd/pid.  @name (may be NULL) is set on the dma-buf.
 * On success *@out is owned by the caller: release with dmabuf_mem_close().
 * Errors: -ENOENT/-ENODEV/-EOPNOTSUPP with kind DMABUF_E_UNSUPPORTED when the
 * source does not exist here (no /dev/udmabuf, no heap, no huge pages
 * reserved: the detail says what is missing); -ENOMEM; -EINVAL (usage).
 */
int db_mem_open(const struct db_mem_spec *spec, uint64_t size, const char *name,
		struct dmabuf_mem **out, struct dmabuf_err *e);

/*
 * dmabuf_mem_mmap() that leaves the mapping in m->map only.
 */
int db_mem_mmap(struct dmabuf_mem *m, struct dmabuf_err *e);

/*
 * dmabuf_mem_sync_begin()/_end() for bytes [@off, @off + @len) only: the
 * exporter's DMA_BUF_IOCTL_SYNC (which covers the whole dma-buf and which
 * the kernel serialises), or for cuda and hip a copy of just that range.
 * Callable from several threads at once for disjoint ranges.
 */
int db_mem_sync_range_begin(struct dmabuf_mem *m, bool cpu_write, uint64_t off, uint64_t len,
			    struct dmabuf_err *e);
int db_mem_sync_range_end(struct dmabuf_mem *m, bool cpu_write, uint64_t off, uint64_t len,
			  struct dmabuf_err *e);

/*
 * The user address range that can be registered as an ordinary fixed buffer
 * for the `pages` path: memfd/hugetlb: their mapping; udmabuf: a mapping of
 * its backing memfd (the same pages).  For heap/drm/fd/pid: their dma-buf
 * mmap, which the kernel may refuse to pin (VM_PFNMAP) at registration.
 * Maps on demand.  @addr and @len: the range, in bytes.
 */
int db_mem_pages(struct dmabuf_mem *m, void **addr, uint64_t *len, struct dmabuf_err *e);

/* dmabuf_mem_probe() for a parsed source: @path is the spec's path (may be NULL). */
int db_mem_probe(enum db_mem_kind kind, const char *path, struct dmabuf_err *e);

#endif
