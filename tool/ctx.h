/* SPDX-License-Identifier: MIT */
#ifndef DMABUF_CTX_H
#define DMABUF_CTX_H

/*
 * An I/O context ties the parts together: a target, a memory source, a ring
 * and the buffer path that brings the memory to the device.  Every command
 * that moves data opens one.  The memory, the registration and its path
 * (token > pages > bounce for `auto`, with the reasons) are libdmabuf's.
 */

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "err.h"
#include "dmabuf/dmabuf.h"
#include "ring.h"
#include "target.h"

struct db_ctx_opts {
	const char *target;
	bool write;			/* open the target read-write */
	const char *mem;		/* memory source, as dmabuf_mem_open() takes it */
	uint64_t mem_size;		/* bytes */
	const char *name;		/* dma-buf name, may be NULL */
	enum dmabuf_path path;
	bool engine_set;		/* else chosen from the target kind */
	enum db_engine_kind engine;
	unsigned qd;
	uint32_t req_bytes;		/* bytes per request, 0 = default */
	unsigned slots;			/* registered copies of the buffer (register --slots), >= 1 */
};

struct db_ctx {
	struct db_target t;
	struct dmabuf_mem *m;
	char mem_src[300];		/* the memory source as given, for messages */
	uint64_t mem_requested;		/* bytes asked for (o->mem_size); the source may round up */
	struct db_ring r;
	enum db_engine_kind engine;
	enum dmabuf_path path;		/* the path in use */
	char why[768];			/* why better paths were not used ("" if none) */
	struct dmabuf_fixed fx;		/* what the registration made of the memory (every slot alike) */
	struct dmabuf_iobuf buf;	/* slot 0: the memory, &fx, the target's fd */
	unsigned slots;
	unsigned qd;
	uint32_t req_bytes;
	bool registered;
	/* phase timings, ns */
	uint64_t open_ns, alloc_ns, register_ns;
	struct db_xfer xfer;		/* the one transfer of db_ctx_io(); xfer.stats: all its I/O */
	/* invalidate support: hook run between completions, errnos retried */
	int (*between)(void *arg, struct dmabuf_err *e);
	void *between_arg;
	unsigned retry;
};

/*
 * Open a context in two steps, so that the memory can be sized from the
 * target (LBA size, capacity): open and identify the target, then create
 * the memory, set up the ring and register the memory by o->path (auto: the
 * best that works; ctx->why says why better paths were not used).  Both
 * close everything on failure.
 */
int db_ctx_open_target(struct db_ctx *c, const struct db_ctx_opts *o, struct dmabuf_err *e);
int db_ctx_setup(struct db_ctx *c, const struct db_ctx_opts *o, struct dmabuf_err *e);
void db_ctx_close(struct db_ctx *c);

/* (Re-)register / unregister the buffer for the path in use (all slots). */
int db_ctx_register(struct db_ctx *c, struct dmabuf_err *e);
int db_ctx_unregister(struct db_ctx *c, struct dmabuf_err *e);

/*
 * Move @nblocks blocks starting at @lba between the target and the memory
 * at byte @mem_off.  The bounce path's copies are the library's, per
 * request (dmabuf_io_start(), dmabuf_io_done()).  Statistics accumulate in c->stats; a failed request is copied
 * to *@fail when not NULL.
 */
int db_ctx_io(struct db_ctx *c, bool write, uint64_t lba, uint64_t nblocks, uint64_t mem_off,
	      struct db_io_failure *fail, struct dmabuf_err *e);

/*
 * Register the context's memory, by the path in use, in slot 0 of another
 * ring @r (a benchmark job's own ring).  Same errors as db_ctx_register().
 * Writes nothing of @c, but calls dmabuf_register() on its memory, which
 * one thread at a time may do: bench's jobs take turns (tool/bench.c).
 */
int db_ctx_register_ring(const struct db_ctx *c, struct db_ring *r, struct dmabuf_err *e);

/* CPU access to the memory (c->m->map), bracketed for dma-bufs. */
int db_ctx_cpu_begin(struct db_ctx *c, bool cpu_write, struct dmabuf_err *e);
int db_ctx_cpu_end(struct db_ctx *c, bool cpu_write, struct dmabuf_err *e);

#endif
