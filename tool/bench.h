/* SPDX-License-Identifier: MIT */
#ifndef DMABUF_BENCH_H
#define DMABUF_BENCH_H

/*
 * Benchmark runs (dmabuf bench): N jobs, each a thread with its own ring and
 * its own registration of the context's memory (a dmabuf token is shared by
 * the kernel per dma-buf and device), running one workload (engine.h) at
 * the same time.  Figures per job and for the whole run: requests, bytes,
 * completion latency, CPU time (getrusage), device commands (the block
 * device's stat file) and IOMMU map operations (the iommu:map tracepoint).
 */

#include <stdbool.h>
#include <stdint.h>

#include "ctx.h"
#include "engine.h"
#include "err.h"
#include "ring.h"
#include "target.h"

#define DB_BENCH_MAX_JOBS 64

struct db_bench_opts {
	struct db_workload wl;	/* every job's; job j runs with seed wl.seed + j */
	unsigned jobs;		/* 1..DB_BENCH_MAX_JOBS */
	uint64_t lba, nblocks;	/* the range, logical blocks */
	uint32_t req_bytes;	/* bytes per request (multiple of the LBA size; the engine
				   clamps it to the device's transfer limit) */
	/* ring modes of every job's ring (big is set from the engine) */
	bool iopoll, sqpoll;
	bool single_issuer;	/* SINGLE_ISSUER + DEFER_TASKRUN where the kernel has them */
	bool reg_ring_fd;	/* registered ring fd */
	bool fixed_file;	/* the target as registered file 0 */
	const char *iolog;	/* each job's requests to this file (".J" added with jobs > 1) */
	/* Called about once a second from the calling thread while jobs run. */
	void (*progress)(void *arg, uint64_t elapsed_ns, uint64_t ios);
	void *progress_arg;
};

struct db_bench_job {
	struct db_workload wl;	/* its results: wl.dir[] */
	struct db_xfer x;	/* x.stats: both directions, x.fail: first failure */
	struct db_ring r;
	uint64_t usr_ns, sys_ns;	/* this thread's CPU time from the ramp's end on */
	uint64_t usr0, sys0;		/* (its CPU time when the ramp ended) */
	uint64_t cpu_ns;	/* the wall time usr_ns and sys_ns were counted over:
				   cpu_t1 - cpu_t0, 0 when it counted no request */
	uint64_t cpu_t0;	/* db_now_ns() when its ramp ended */
	uint64_t cpu_t1;	/* db_now_ns() when its transfer ended */
	int ret;		/* 0 or negative errno; e says what failed */
	struct dmabuf_err e;
	unsigned setup_flags;	/* IORING_SETUP_* the kernel accepted */
	bool reg_ring_fd;	/* the kernel took the registered ring fd */
};

struct db_bench {
	unsigned nr_jobs;
	struct db_bench_job *job;	/* owned: db_bench_free() */
	struct db_io_stats dir[2];	/* all jobs: [0] reads, [1] writes */
	uint32_t req_bytes;	/* bytes per request the engine used (--bs clamped to MDTS) */
	/*
	 * The process, the device and the IOMMU from the ramp's end (the first
	 * counted request of any job) to the last job's end; requests of the
	 * ramp still in flight then are in these too (at most jobs x qd).
	 */
	uint64_t usr_ns, sys_ns;	/* the whole process (RUSAGE_SELF): io_uring's
					   worker and SQPOLL threads included */
	uint64_t cpu_t0;	/* the run's window: the earliest job cpu_t0 ... */
	uint64_t cpu_ns;	/* ... to the latest job cpu_t1, in ns (the union of
				   the jobs' windows, which start together) */
	long iommu_maps;	/* iommu:map events, -1 without the tracepoint */
	bool dev_valid;		/* dev: what the block device counted */
	struct db_devstat dev;
};

/*
 * Run o->jobs jobs of o->wl on context @c (open, memory registered by its
 * path; c->qd requests in flight per job): job j uses bytes
 * [j * qd * req_bytes, (j + 1) * qd * req_bytes) of the memory, so it must
 * hold jobs * qd * req_bytes bytes.  Fills @b;
 * returns 0, or the first job's error (also in @e); other errors -ENOMEM,
 * the ring set-up's and the registration's.  Release @b with db_bench_free().
 */
int db_bench_run(struct db_ctx *c, const struct db_bench_opts *o, struct db_bench *b,
		 struct dmabuf_err *e);
void db_bench_free(struct db_bench *b);

#endif
