/* SPDX-License-Identifier: MIT */
#ifndef DMABUF_ENGINE_H
#define DMABUF_ENGINE_H

/*
 * Engines move a range of logical blocks between a target and a registered
 * buffer, keeping up to qd requests in flight.  One loop (engine.c) for
 * submission, completion, reissue and statistics; an engine only says how to
 * encode a request into an SQE and how to read its CQE, with the library's
 * calls (dmabuf_prep_rw(), dmabuf_prep_nvme_cmd(), dmabuf_io_result()); the
 * bounce path's copies are the library's too (dmabuf_io_start(),
 * dmabuf_io_done(), per request):
 *   rw        IORING_OP_READ_FIXED / WRITE_FIXED on an O_DIRECT fd
 *   passthru  IORING_OP_URING_CMD, NVME_URING_CMD_IO on /dev/ngXnY
 *             (SQE128/CQE32 ring, IORING_URING_CMD_FIXED)
 */

#include <stdbool.h>
#include <stdint.h>
#include <liburing.h>

#include "dmabuf/dmabuf.h"
#include "err.h"
#include "ring.h"
#include "target.h"

enum db_engine_kind { DB_ENGINE_RW, DB_ENGINE_PASSTHRU };

const char *db_engine_name(enum db_engine_kind k);
/* "rw" / "passthru" → kind; -EINVAL otherwise. */
int db_engine_parse(const char *s, enum db_engine_kind *k);

/*
 * Does engine @k fit target @t?  passthru needs /dev/ngXnY, and rw
 * anything but it.  0 or -EINVAL (usage) naming the node to use.  The one
 * check of that rule: contexts run it at set-up, before any memory is
 * made, and every transfer again.
 */
int db_engine_check_target(enum db_engine_kind k, const struct db_target *t,
			   struct dmabuf_err *e);


/*
 * The request defaults of every I/O command but bench (which has its own,
 * cmd/bench.c).  The help text of --bs and --qd is made from these, so
 * that what --help says is what runs.
 */
#define DB_DEFAULT_QD		16
#define DB_DEFAULT_REQ_KIB	128	/* a request, when --bs is not given (capped by MDTS) */
#define DB_DEFAULT_REQ_BYTES	(DB_DEFAULT_REQ_KIB * 1024u)

/*
 * Latencies, ns, in a log-linear histogram (tool/stats.c): exact below 128 ns,
 * within 1/128 of the true value above; fixed size, so a run of any length
 * and any number of merged runs take the same memory.  min, max and sum
 * are exact.
 */
#define DB_LAT_SUB_BITS	6
#define DB_LAT_BUCKETS	2304	/* 128 exact + 64 per power of two up to 2^41 ns */

struct db_lat_hist {
	uint64_t n, min, max, sum;
	uint64_t bucket[DB_LAT_BUCKETS];
};

void db_lat_add(struct db_lat_hist *h, uint64_t ns);
double db_lat_mean(const struct db_lat_hist *h);

/* Per-run statistics. */
struct db_io_stats {
	uint64_t ios;		/* requests completed successfully */
	uint64_t bytes;
	uint64_t retries;	/* reissues after -EAGAIN (or a retried errno) */
	uint64_t errors;	/* requests that failed for good */
	uint64_t ns;		/* wall time of the run */
	struct db_lat_hist lat;	/* completion latency of each request */
};

/* Reset @s to empty (it owns no memory). */
void db_io_stats_free(struct db_io_stats *s);
/* Merge @src into @dst (sums; histograms added).  Returns 0. */
int db_io_stats_add(struct db_io_stats *dst, const struct db_io_stats *src);
/* Latency percentile @p (0..100) in ns: db_lat_pct() of s->lat. */
uint64_t db_io_stats_pct(struct db_io_stats *s, double p);

/* The first request that failed for good. */
struct db_io_failure {
	bool failed;
	uint64_t lba;		/* first LBA of the request */
	uint32_t nblocks;
	int res;		/* negative errno, or 0 with nvme_status set */
	uint16_t nvme_status;	/* NVMe status (SCT << 8 | SC), passthru only */
};

/*
 * A benchmark workload (dmabuf bench) instead of one pass over the range:
 * requests of the transfer's request size at sequential (wrapping) or
 * uniformly random block-aligned offsets of [lba, lba + nblocks), reads and
 * writes mixed by @read_pct, until @runtime_ns has passed after the ramp or
 * @max_ios requests were counted.  Request slot i of the run uses bytes
 * [buf_off + i * req_bytes, ...) of the buffer, so the buffer needs
 * qd * req_bytes bytes and the data of every request is what that part of
 * the buffer holds.
 */
struct db_workload {
	bool random;		/* uniform random offsets, else sequential */
	unsigned read_pct;	/* 0..100: share of reads */
	uint64_t seed;		/* the random offsets and the mix; same seed, same requests */
	uint64_t ramp_ns;	/* requests issued before this are run but not counted */
	uint64_t runtime_ns;	/* issue for this long after the ramp; 0 = no limit */
	uint64_t max_ios;	/* counted requests to issue; 0 = no limit (runtime_ns set) */
	void *iolog;		/* FILE *: each request as it is generated, "LBA BLOCKS R|W", or NULL */
	/* Called once, as the first counted request is generated (the ramp is over). */
	void (*on_count)(void *arg);
	void *on_count_arg;
	/* results, counted requests only */
	uint32_t req_bytes;	/* bytes per request the engine used */
	struct db_io_stats dir[2];	/* [0] reads, [1] writes; ns is the measured window */
	uint64_t progress;	/* counted completions so far, readable by other threads */
};

struct db_xfer {
	/* what */
	const struct db_target *t;
	struct db_ring *r;
	enum db_engine_kind engine;
	bool write;
	uint64_t lba;		/* first logical block */
	uint64_t nblocks;	/* logical blocks */
	/* where: block @lba lands at byte @buf_off of @buf (the run sets buf.fd to t->fd) */
	struct dmabuf_iobuf buf;
	uint64_t buf_off;
	/* how */
	uint32_t req_bytes;	/* bytes per request (--bs); clamped to max_xfer; 0 = DB_DEFAULT_REQ_BYTES */
	unsigned qd;		/* requests in flight, <= ring depth */
	/* errnos besides -EAGAIN that are reissued (mask of DB_RETRY_*) */
	unsigned retry;
	unsigned max_retries;	/* per request, 0 = 10000 */
	/*
	 * Called once per submission while requests are in flight, before
	 * their completions are reaped (so at least once per batch, however
	 * the completions bunch up); used to unregister/re-register or
	 * invalidate under load.  A negative return aborts the run with that
	 * error.
	 */
	int (*between)(void *arg, struct dmabuf_err *e);
	void *between_arg;
	/* A workload instead of one pass over the range (dmabuf bench), or NULL. */
	struct db_workload *wl;
	/*
	 * Progress, when set: called from the I/O loop, after a batch of
	 * completions, with stats.bytes once the clock (db_now_ns()) has
	 * reached @progress_at, which the loop then moves to @progress_ns
	 * later (0: after every batch).  The clock is read once per batch,
	 * and only with a hook.  These stay from run to run (a context's one
	 * transfer): the caller sets progress_at once, e.g. to its start +
	 * progress_ns (a hook shared by several transfers may move the
	 * others').  The library prints nothing: the hook draws.
	 */
	void (*progress)(void *arg, uint64_t bytes);
	void *progress_arg;
	uint64_t progress_ns;
	uint64_t progress_at;
	/* stats accumulate over runs (a context's one transfer), else each run resets them */
	bool accumulate;
	/* results */
	struct db_io_stats stats;
	struct db_io_failure fail;
};

#define DB_RETRY_EFAULT	(1u << 0)	/* slot emptied by a concurrent unregister */
#define DB_RETRY_ECANCELED (1u << 1)

/*
 * Run @x to completion (or, with x->wl, until the workload's limit).
 * Returns 0 when every request completed; otherwise
 * stops issuing, drains what is in flight, fills x->fail and returns the
 * first error (-EIO for an NVMe status, DMABUF_E_IO).  -EINVAL (DMABUF_E_USAGE) for a
 * misaligned buffer, a request size that is not a multiple of the LBA size,
 * or a range outside the buffer.
 */
int db_xfer_run(struct db_xfer *x, struct dmabuf_err *e);

/*
 * Ask every running and later transfer to stop: no request is issued any
 * more, those in flight complete (the ring drains), and db_xfer_run()
 * returns -EINTR with @e of kind DMABUF_E_INTERRUPTED naming the signal.
 * Async-signal-safe (a SIGINT/SIGTERM handler calls it); @signo is the
 * signal's number, 0 clears the request.
 */
void db_xfer_interrupt(int signo);

/* The signal number db_xfer_interrupt() was given, 0 when none. */
int db_xfer_interrupted(void);

#endif
