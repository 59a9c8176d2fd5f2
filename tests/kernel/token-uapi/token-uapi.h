/* SPDX-License-Identifier: MIT */
#ifndef DMABUF_TOKEN_UAPI_H
#define DMABUF_TOKEN_UAPI_H

/*
 * token-uapi: what its files share (tests/kernel/token-uapi/): the
 * includes, the structures and the helpers of common.c, and the cases
 * main.c's table runs, one file a topic.
 */
#include "ktest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <liburing.h>
#include <linux/dma-heap.h>
#include <linux/nvme_ioctl.h>
#include <linux/udmabuf.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <drm.h>
#include <drm_mode.h>

#define DEBUGFS_FAIL "/sys/kernel/debug/fail_make_request"
#define DEBUGFS_FAIL_TIMEOUT "/sys/kernel/debug/fail_io_timeout"
#define TRACEFS "/sys/kernel/tracing"

/* A helper thread's id (set as it starts) and whether its call returned. */
struct thread_mark {
	pid_t tid;
	bool done;
};

/* The namespace @devvar (a DMABUF_VM_NS* variable) as a passthrough target. */
struct pt_ns {
	const char *dev, *ng;
	int fd, ngfd;		/* block device (O_DIRECT), char device */
	uint32_t nsid, lbs, ms;	/* namespace, LBA bytes, metadata bytes per LBA */
	size_t max_bytes;	/* one command's most data bytes (max_hw_sectors_kb) */
};

/* common.c */
int pt_io(struct io_uring *ring, const struct pt_cmd *c);
void pt_ring_new(struct io_uring *ring, unsigned entries, unsigned slots);
void mark_running(struct thread_mark *t);
void mark_done(struct thread_mark *t);
bool is_done(struct thread_mark *t);
bool wait_asleep_in(struct thread_mark *t, long nr);
void trace_start(void);
long trace_stop(void);
/*
 * The page frames behind @len bytes at @addr of this process, sorted, in
 * *@out (the caller frees it); the pages are touched first.  Needs root
 * (/proc/self/pagemap shows frames only to CAP_SYS_ADMIN).  Returns the count.
 */
size_t pfns_of(const void *addr, size_t len, uint64_t **out);
/*
 * Of the iommu:map events the last trace_start()..trace_stop() window
 * recorded, how many mapped a frame of @pfns (sorted, @n): the maps of the
 * memory under test, not the file system's or anyone else's.
 */
long trace_maps_of(const uint64_t *pfns, size_t n);
void pt_ns_open(struct pt_ns *n, const char *devvar);
struct pt_cmd pt_cmd_of(const struct pt_ns *n, bool write, uint64_t addr,
			uint32_t len, uint64_t lba, uint8_t *meta);
void pt_ns_close(struct pt_ns *n);
long reads_finished(const char *dev);
void read_stat(const char *dev, unsigned long long *ios, unsigned long long *merges);
bool wait_reads_finished(const char *dev, long base, long n);
unsigned reads_until_remapped(struct load *l, uint64_t per, long maps0);
void read_behind_poll(struct io_uring *ring, int pipe_rd, int fd, uint64_t addr);
void defer_ring_new(struct io_uring *ring);
void submit_reads(struct io_uring *ring, int fd, unsigned n);
unsigned reap_4k(struct io_uring *ring, unsigned n, uint64_t only);
void case_begin(struct io_uring *ring, unsigned entries, struct dbuf *b,
		const char *kind, int fd, uint8_t *disk, size_t size, uint64_t seed);
void case_end(struct io_uring *ring, struct dbuf *b, int fd);

/* faults.c: cases */
void case_fail_bios(void);
void case_reset(void);
void case_io_timeout(void);
void case_remove(void);

/* fence.c: cases */
void case_fence_link(void);
void case_fence_unreaped(void);
void case_fence_contexts(void);

/* invalidate.c: cases */
void case_unregister_inflight(void);
void case_close_orders(void);
void case_mapped_once(void);
void inv_udmabuf(void);
void inv_heap(void);
void inv_vgem(void);
void inv_mover(void);

/* io.c: cases */
void io_udmabuf(void);
void io_heap(void);
void io_vgem(void);
void case_merge(void);
void cpu_udmabuf(void);
void cpu_heap(void);
void cpu_vgem(void);
void cpu_mover(void);
void case_sgl_pieces(void);
void case_iopoll(void);

/* iommu.c: cases */
void case_iommu_maps(void);

/* mover.c: cases */
void case_mover_basics(void);
void case_mover_token(void);
void case_mover_in_use(void);
void case_map_cancel(void);
void case_register_stall(void);
void case_mover_stall(void);
void case_mover_late(void);

/* passthru.c: cases */
void case_passthru_meta_fresh(void);
void case_passthru_errors(void);
void case_passthru_reissue(void);
void case_passthru_invalidate(void);
void pt_udmabuf(void);
void pt_heap(void);
void pt_vgem(void);

/* register.c: cases */
void case_errors(void);
void case_over_1g(void);
void case_bounce_siblings(void);
void reg_udmabuf(void);
void reg_heap(void);
void reg_vgem(void);

/* stack.c: cases */
void case_partition(void);
void dm_linear_udmabuf(void);
void dm_linear_heap(void);
void dm_linear_vgem(void);
void case_dm_reload(void);
void mp_udmabuf(void);
void mp_heap(void);
void mp_vgem(void);
void case_mp_remove(void);

#endif
