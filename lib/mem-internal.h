/* SPDX-License-Identifier: MIT */
#ifndef DMABUF_MEM_INTERNAL_H
#define DMABUF_MEM_INTERNAL_H

/*
 * Private interface between lib/mem.c (the generic half: dispatch, parse,
 * mmap, sync, describe) and the per-source files lib/mem-*.c.
 */

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "mem.h"

/* hugetlb, udmabuf:huge: the size MFD_HUGE_2MB asks for. */
#define DB_HUGE_PAGE_SIZE (2ull << 20)

/* One per source file; mem.c indexes them by enum db_mem_kind. */
extern const struct db_mem_ops db_mem_memfd_ops;
extern const struct db_mem_ops db_mem_hugetlb_ops;
extern const struct db_mem_ops db_mem_udmabuf_ops;
extern const struct db_mem_ops db_mem_heap_ops;
extern const struct db_mem_ops db_mem_drm_ops;
extern const struct db_mem_ops db_mem_mover_ops;
extern const struct db_mem_ops db_mem_fd_ops;
extern const struct db_mem_ops db_mem_pid_ops;
extern const struct db_mem_ops db_mem_cuda_ops;
extern const struct db_mem_ops db_mem_hip_ops;

/*
 * Probes for `check`: 0 when the source is usable (e->detail may still say
 * something, e.g. how many huge pages are free), else -errno with @e filled.
 * @path is the spec's path ("" or NULL for the default device).
 */
int db_mem_memfd_probe(const char *path, struct dmabuf_err *e);
int db_mem_hugetlb_probe(const char *path, struct dmabuf_err *e);
int db_mem_udmabuf_probe(const char *path, struct dmabuf_err *e);
int db_mem_heap_probe(const char *path, struct dmabuf_err *e);
int db_mem_drm_probe(const char *path, struct dmabuf_err *e);
int db_mem_mover_probe(const char *path, struct dmabuf_err *e);
int db_mem_fd_probe(const char *path, struct dmabuf_err *e);
int db_mem_pid_probe(const char *path, struct dmabuf_err *e);
int db_mem_cuda_probe(const char *path, struct dmabuf_err *e);
int db_mem_hip_probe(const char *path, struct dmabuf_err *e);

/* --- helpers in mem.c ------------------------------------------------- */

/* Round @size up to @align (a power of two); -EINVAL (usage) on overflow. */
int db_mem_round(const struct dmabuf_mem *m, uint64_t size, uint64_t align, uint64_t *out,
		 struct dmabuf_err *e);

/* The CPU page size. */
uint64_t db_mem_page_size(void);

/*
 * Fill @e for a device node that could not be opened: a missing node
 * (ENOENT/ENODEV/ENXIO) or one we may not open (EACCES/EPERM) is
 * DMABUF_E_UNSUPPORTED, with a detail naming @path and @needs (the kernel
 * option or module that provides it).  Returns @err.
 */
int db_mem_dev_err(struct dmabuf_err *e, int err, const char *path, const char *needs);

/* Is @fd a dma-buf?  (dma-buf filesystem magic, else an fdinfo exp_name.) */
bool db_mem_fd_is_dmabuf(int fd);

/* --- helpers in mem-memfd.c ------------------------------------------- */

/*
 * memfd_create(@label) sized to @size bytes.  @huge: 2 MiB hugetlb pages,
 * allocated now (fallocate) so a shortage fails here and not as SIGBUS on
 * first touch.  @sealable: MFD_ALLOW_SEALING (udmabuf needs seals).
 * Returns the fd or -errno with @e filled.
 */
int db_mem_memfd_new(const char *label, bool huge, bool sealable, uint64_t size,
		     struct dmabuf_err *e);

/*
 * Are there enough free 2 MiB huge pages for @size bytes?  0, or -ENOMEM
 * (DMABUF_E_UNSUPPORTED, detail says how to reserve some), or -EOPNOTSUPP when
 * the kernel has no 2 MiB hugetlb pages at all.
 */
int db_mem_hugetlb_check(uint64_t size, struct dmabuf_err *e);

#endif
