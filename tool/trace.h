/* SPDX-License-Identifier: MIT */
#ifndef DMABUF_TRACE_H
#define DMABUF_TRACE_H

/*
 * Counting the kernel's iommu:map tracepoint (include/trace/events/iommu.h:
 * one event per iommu_map() call, i.e. per IOMMU page-table update of a DMA
 * mapping) over a stretch of time, through tracefs.  The count is
 * tracefs' "entries-written", which keeps counting when the ring buffer
 * wraps.  The tracing state is global: one counter at a time per machine.
 */

/* Start counting.  0; -ENOENT without tracefs or the event; -errno (root needed). */
int db_trace_iommu_begin(void);
/* The events since begin, counting on, or a negative errno. */
long db_trace_iommu_read(void);
/* Stop and return the events since begin, or a negative errno. */
long db_trace_iommu_end(void);

#endif
