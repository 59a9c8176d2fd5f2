// SPDX-License-Identifier: MIT
/*
 * The common I/O loop: keep up to qd requests in flight, reissue what the
 * kernel asks to be reissued, continue short transfers, stop at the first
 * hard failure and drain.  Engines (engine-rw.c, engine-passthru.c) only
 * encode SQEs and decode CQEs.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "nvme.h"
#include "util.h"
#include "engine-internal.h"

#define DEFAULT_MAX_RETRIES	10000u
#define META_ALIGN		4096u

enum { IO_FREE, IO_PENDING, IO_INFLIGHT };

struct run {
	struct db_xfer *x;
	const struct db_engine_ops *ops;
	struct db_io *io;		/* qd request slots */
	uint8_t *meta;			/* qd metadata buffers of meta_each bytes, or NULL */
	uint32_t meta_each;
	uint32_t req_blocks;		/* blocks per new request */
	uint64_t next_lba;		/* first block not yet handed to a request */
	uint64_t end_lba;
	unsigned max_retries;
	unsigned inflight;
	bool stop;			/* no more issuing: failure or abort */
	int err;			/* first error, 0 if none */
	/* a workload (x->wl) */
	struct db_workload *wl;
	uint64_t rng;			/* random state */
	uint64_t nplaces;		/* request-sized places in the range */
	uint64_t t_count, t_stop;	/* ns: end of the ramp; end of issuing (0: none) */
	uint64_t t_first, t_last;	/* ns: first counted issue, last counted completion */
	uint64_t counted;		/* counted requests issued */
	bool issue_done;		/* the workload's limit was reached */
};

const char *db_engine_name(enum db_engine_kind k)
{
	switch (k) {
	case DB_ENGINE_RW:
		return "rw";
	case DB_ENGINE_PASSTHRU:
		return "passthru";
	}
	return "unknown";
}

int db_engine_parse(const char *s, enum db_engine_kind *k)
{
	if (!strcmp(s, "rw"))
		*k = DB_ENGINE_RW;
	else if (!strcmp(s, "passthru"))
		*k = DB_ENGINE_PASSTHRU;
	else
		return -EINVAL;
	return 0;
}

int db_engine_check_target(enum db_engine_kind k, const struct db_target *t,
			   struct dmabuf_err *e)
{
	bool nvme_char = t->kind == DB_TGT_NVME_CHAR;

	if (k == DB_ENGINE_PASSTHRU && !nvme_char) {
		db_err_set(e, DMABUF_E_USAGE, -EINVAL, "passthru engine", "%s", t->path);
		db_err_detail(e, "NVMe passthrough needs the generic char device /dev/ngXnY");
		return -EINVAL;
	}
	if (k == DB_ENGINE_RW && nvme_char) {
		db_err_set(e, DMABUF_E_USAGE, -EINVAL, "rw engine", "%s", t->path);
		db_err_detail(e, "an NVMe generic char device takes only passthrough commands; "
			      "READ_FIXED/WRITE_FIXED need the block device%s%s",
			      t->blkdev[0] ? " " : "", t->blkdev);
		return -EINVAL;
	}
	return 0;
}

static const struct db_engine_ops *engine_ops(enum db_engine_kind k)
{
	return k == DB_ENGINE_PASSTHRU ? &db_engine_passthru_ops : &db_engine_rw_ops;
}

/* --- validation ---------------------------------------------------------- */

static int usage(struct dmabuf_err *e, const char *obj, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int usage(struct dmabuf_err *e, const char *obj, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	db_err_set(e, DMABUF_E_USAGE, -EINVAL, "transfer", "%s", obj);
	db_err_detail(e, "%s", why);
	return -EINVAL;
}

/* Bytes per request: the default, or the caller's, clamped to the limits. */
static int pick_req_bytes(const struct db_xfer *x, const struct db_engine_ops *ops,
			  uint32_t *out, struct dmabuf_err *e)
{
	const struct db_target *t = x->t;
	uint32_t lbs = t->lba_size;
	uint64_t req = x->req_bytes;

	if (!req)
		req = t->max_xfer ? DB_MIN(t->max_xfer, DB_DEFAULT_REQ_BYTES) : DB_DEFAULT_REQ_BYTES;
	else if (req % lbs)
		return usage(e, t->path, "request size %u is not a multiple of the %u-byte "
			     "logical block", x->req_bytes, lbs);
	if (t->max_xfer && req > t->max_xfer)
		req = t->max_xfer;
	if (ops->max_blocks && req / lbs > ops->max_blocks)
		req = (uint64_t)ops->max_blocks * lbs;
	req -= req % lbs;
	/* A device limit below one block cannot be honoured: move one block. */
	*out = req ? (uint32_t)req : lbs;
	return 0;
}

/*
 * The device DMAs to base + offset: a token's base is 0, so its offset must
 * be aligned just like a user address.
 */
static int check_align(const struct db_xfer *x, struct dmabuf_err *e)
{
	uint64_t start = x->buf.fx->base + x->buf_off;
	uint32_t align = x->t->dma_align ? x->t->dma_align : 1;
	char obj[48];

	snprintf(obj, sizeof(obj), "fixed buffer slot %u", x->buf.slot);
	if (start % align)
		return usage(e, obj, "address 0x%llx is not aligned to the target's "
			     "%u-byte DMA alignment", (unsigned long long)start, align);
	return 0;
}

static int check_buffer(const struct db_xfer *x, struct dmabuf_err *e)
{
	uint64_t bytes = x->nblocks * x->t->lba_size;
	char obj[48];

	snprintf(obj, sizeof(obj), "fixed buffer slot %u", x->buf.slot);
	if (x->buf_off > x->buf.fx->len || bytes > x->buf.fx->len - x->buf_off)
		return usage(e, obj, "%llu bytes at offset %llu do not fit the "
			     "%llu-byte registered buffer", (unsigned long long)bytes,
			     (unsigned long long)x->buf_off, (unsigned long long)x->buf.fx->len);
	return check_align(x, e);
}

static int check_xfer(struct db_xfer *x, const struct db_engine_ops *ops, uint32_t *req,
		      struct dmabuf_err *e)
{
	const struct db_target *t = x->t;
	int ret;

	if (!t || !x->r || !x->r->live || !t->lba_size)
		return usage(e, t ? t->path : "target", "%s",
			     t && t->lba_size ? "the ring is not set up" :
			     "no target or no logical block size");
	if (!x->buf.fx)
		return usage(e, t->path, "no registered buffer");
	/* requests go to the target's fd, whatever the buffer was registered with */
	x->buf.fd = t->fd;
	if (x->nblocks > UINT64_MAX / t->lba_size || x->lba > UINT64_MAX - x->nblocks)
		return usage(e, t->path, "%llu blocks at LBA %llu overflow",
			     (unsigned long long)x->nblocks, (unsigned long long)x->lba);
	if (!x->qd || x->qd > x->r->depth)
		return usage(e, "io_uring", "queue depth %u is outside 1..%u (the ring's size)",
			     x->qd, x->r->depth);
	if (x->write && !t->writable) {
		db_err_set(e, DMABUF_E_USAGE, -EBADF, "transfer", "%s", t->path);
		db_err_detail(e, "the target was opened read-only");
		return -EBADF;
	}
	ret = ops->check(x, e);
	if (ret)
		return ret;
	/* A workload's requests use qd places of the buffer: wl_init checks those. */
	ret = x->wl ? check_align(x, e) : check_buffer(x, e);
	if (ret)
		return ret;
	return pick_req_bytes(x, ops, req, e);
}

/* --- set-up -------------------------------------------------------------- */

/* Each slot gets its own metadata buffer: requests in flight overlap. */
static int meta_init(struct run *run, uint32_t ms, struct dmabuf_err *e)
{
	unsigned qd = run->x->qd, i;
	size_t total;

	run->meta_each = DB_ROUND_UP(run->req_blocks * ms, META_ALIGN);
	total = (size_t)run->meta_each * qd;
	if (posix_memalign((void **)&run->meta, META_ALIGN, total))
		return db_err_set(e, DMABUF_E_IO, -ENOMEM, "posix_memalign",
				  "%u metadata buffers of %u bytes", qd, run->meta_each);
	/*
	 * Written before use, not only for determinism: Linux 6.12 pins a
	 * passthrough read's metadata buffer without FOLL_WRITE, so a page
	 * never written would be the shared zero page, and the controller
	 * would write the metadata there (kernel-patches/README.md, 0002).
	 */
	memset(run->meta, 0, total);
	for (i = 0; i < qd; i++)
		run->io[i].meta = (uintptr_t)(run->meta + (size_t)i * run->meta_each);
	return 0;
}

/* --- workload ------------------------------------------------------------ */

/* splitmix64: small, fast, and the same sequence for the same seed everywhere. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n): the high half of a 64 x 64-bit product. */
static uint64_t rng_below(uint64_t *s, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)rng_next(s) * n) >> 64);
}

static int wl_init(struct run *run, uint32_t req_bytes, struct dmabuf_err *e)
{
	struct db_xfer *x = run->x;
	struct db_workload *wl = x->wl;
	uint64_t need = (uint64_t)x->qd * req_bytes, now = db_now_ns(), len = x->buf.fx->len;

	if (x->buf_off > len || need > len - x->buf_off)
		return usage(e, "workload", "%u requests of %u bytes in flight need %llu bytes of "
			     "buffer, the registered buffer has %llu", x->qd, req_bytes,
			     (unsigned long long)need,
			     (unsigned long long)(len - DB_MIN(x->buf_off, len)));
	run->nplaces = x->nblocks / run->req_blocks;
	if (!run->nplaces)
		return usage(e, x->t->path, "the range of %llu blocks is smaller than one "
			     "request of %u blocks", (unsigned long long)x->nblocks,
			     run->req_blocks);
	if (wl->read_pct > 100)
		return usage(e, "workload", "read share %u%% is over 100%%", wl->read_pct);
	memset(wl->dir, 0, sizeof(wl->dir));
	__atomic_store_n(&wl->progress, 0, __ATOMIC_RELAXED);	/* bench's watcher reads it */
	wl->req_bytes = req_bytes;
	run->wl = wl;
	run->rng = wl->seed;
	run->t_count = now + wl->ramp_ns;
	run->t_stop = wl->runtime_ns ? run->t_count + wl->runtime_ns : 0;
	return 0;
}

/* The next request of the workload into slot @idx of the run. */
static void wl_next(struct run *run, struct db_io *io, unsigned idx)
{
	struct db_xfer *x = run->x;
	struct db_workload *wl = run->wl;
	uint64_t lba;

	if (wl->random) {
		lba = x->lba + rng_below(&run->rng, run->nplaces) * run->req_blocks;
	} else {
		if (run->next_lba + run->req_blocks > run->end_lba)
			run->next_lba = x->lba;	/* wrap: whole requests only */
		lba = run->next_lba;
		run->next_lba += run->req_blocks;
	}
	if (wl->read_pct == 100 || wl->read_pct == 0)
		io->write = wl->read_pct == 0;
	else
		io->write = rng_below(&run->rng, 100) >= wl->read_pct;
	io->lba = lba;
	io->nblocks = run->req_blocks;
	io->len = run->req_blocks * x->t->lba_size;
	io->mem_off = x->buf_off + (uint64_t)idx * io->len;
	io->meta_len = run->meta ? io->nblocks * run->ops->meta_bytes(x->t) : 0;
	io->counted = io->t_submit >= run->t_count;
	if (io->counted) {
		if (!run->counted++) {
			run->t_first = io->t_submit;
			if (wl->on_count)
				wl->on_count(wl->on_count_arg);
		}
		if (wl->max_ios && run->counted >= wl->max_ios)
			run->issue_done = true;
	}
	if (wl->iolog)
		fprintf(wl->iolog, "%llu %u %c\n", (unsigned long long)lba, io->nblocks,
			io->write ? 'W' : 'R');
}

/* Workload: stop issuing once its time is up (checked once per fill). */
static void wl_tick(struct run *run)
{
	if (run->wl && run->t_stop && db_now_ns() >= run->t_stop)
		run->issue_done = true;
}

static bool more_to_issue(const struct run *run)
{
	return run->wl ? !run->issue_done : run->next_lba < run->end_lba;
}

static int run_init(struct run *run, struct db_xfer *x, const struct db_engine_ops *ops,
		    uint32_t req_bytes, struct dmabuf_err *e)
{
	uint32_t ms = ops->meta_bytes(x->t);
	int ret;

	memset(run, 0, sizeof(*run));
	run->x = x;
	run->ops = ops;
	run->req_blocks = req_bytes / x->t->lba_size;
	run->next_lba = x->lba;
	run->end_lba = x->lba + x->nblocks;
	run->max_retries = x->max_retries ? x->max_retries : DEFAULT_MAX_RETRIES;
	run->io = calloc(x->qd, sizeof(*run->io));
	if (!run->io)
		return db_err_set(e, DMABUF_E_IO, -ENOMEM, "calloc", "%u request slots", x->qd);
	if (ms) {
		ret = meta_init(run, ms, e);
		if (ret)
			return ret;
	}
	return x->wl ? wl_init(run, req_bytes, e) : 0;
}

static void run_free(struct run *run)
{
	free(run->io);
	free(run->meta);
}

/* Fresh results: the run's stats replace the previous ones, unless accumulated. */
static void reset_results(struct db_xfer *x)
{
	if (!x->accumulate)
		db_io_stats_free(&x->stats);
	memset(&x->fail, 0, sizeof(x->fail));
}

/* --- issue --------------------------------------------------------------- */

static void io_set_range(struct run *run, struct db_io *io, uint64_t lba, uint32_t nblocks)
{
	const struct db_xfer *x = run->x;

	io->lba = lba;
	io->nblocks = nblocks;
	io->len = nblocks * x->t->lba_size;
	io->mem_off = x->buf_off + (lba - x->lba) * x->t->lba_size;
	io->meta_len = run->meta ? nblocks * run->ops->meta_bytes(x->t) : 0;
}

/* Hand the next request (of the range, or of the workload) to free slot @idx. */
static int io_new(struct run *run, unsigned idx, struct dmabuf_err *e)
{
	struct db_xfer *x = run->x;
	struct db_io *io = &run->io[idx];
	uint64_t left = run->end_lba - run->next_lba;
	uint32_t n = left < run->req_blocks ? (uint32_t)left : run->req_blocks;

	io->retries = 0;
	io->t_submit = db_now_ns();
	if (run->wl) {
		wl_next(run, io, idx);
	} else {
		io_set_range(run, io, run->next_lba, n);
		run->next_lba += n;
		io->write = x->write;
		io->counted = true;
	}
	io->state = IO_PENDING;
	io->req_off = io->mem_off;
	io->req_len = io->len;
	/* the bounce path copies a write's bytes in now, once per request */
	return dmabuf_io_start(&x->buf, io->write, io->req_off, io->req_len, e);
}

/* 1 issued, 0 no SQE free, or the prep's -errno (e names it; nothing issued). */
static int io_issue(struct run *run, unsigned idx, struct dmabuf_err *e)
{
	struct db_ring *r = run->x->r;
	/* A 128-byte SQE carries the NVMe command in its second half. */
	size_t size = r->big ? 2 * sizeof(struct io_uring_sqe) : sizeof(struct io_uring_sqe);
	union {
		struct io_uring_sqe sqe;
		uint8_t raw[2 * sizeof(struct io_uring_sqe)];
	} u;
	struct io_uring_sqe *sqe;
	int ret;

	if (!io_uring_sq_space_left(&r->ring))
		return 0;
	/* encoded aside first: liburing cannot take back an SQE it handed out */
	memset(&u, 0, size);
	ret = run->ops->prep(&u.sqe, run->x, &run->io[idx]);
	if (ret < 0)
		return db_err_set(e, DMABUF_E_USAGE, ret, "prep", "request at LBA %llu",
				  (unsigned long long)run->io[idx].lba);
	sqe = io_uring_get_sqe(&r->ring);
	memcpy(sqe, &u, size);
	if (r->fixed_file) {
		/* The target is file 0 of the ring's table: no fget per request. */
		sqe->fd = 0;
		sqe->flags |= IOSQE_FIXED_FILE;
	}
	io_uring_sqe_set_data64(sqe, idx);
	run->io[idx].state = IO_INFLIGHT;
	run->inflight++;
	return 1;
}

/* Issue pending requests (reissues, continuations) and start new ones, up to qd. */
static void io_fail(struct run *run, struct db_io *io, int res, uint16_t nvme_status,
		    const char *why, struct dmabuf_err *e);

static void fill(struct run *run, struct dmabuf_err *e)
{
	unsigned i;

	wl_tick(run);
	for (i = 0; i < run->x->qd && !run->stop; i++) {
		struct db_io *io = &run->io[i];

		if (io->state == IO_FREE && more_to_issue(run)) {
			int ret = io_new(run, i, e);

			if (ret) {
				/* staging failed: e names it; nothing was issued */
				run->stop = true;
				run->err = ret;
				io->state = IO_FREE;
				break;
			}
		}
		if (io->state == IO_PENDING) {
			int ret = io_issue(run, i, e);

			if (ret < 0) {
				/* the loop checked every range: a bug if it happens */
				run->stop = true;
				run->err = ret;
				io->state = IO_FREE;
			}
			if (ret <= 0)
				break;
		}
	}
}

static bool work_left(const struct run *run)
{
	unsigned i;

	if (run->inflight)
		return true;
	if (run->stop)
		return false;
	if (more_to_issue(run))
		return true;
	for (i = 0; i < run->x->qd; i++)
		if (run->io[i].state == IO_PENDING)
			return true;
	return false;
}

/* --- completion ---------------------------------------------------------- */

static bool retryable(const struct run *run, int res)
{
	if (dmabuf_io_reissue(res))
		return true;
	if (res == -EFAULT)
		return run->x->retry & DB_RETRY_EFAULT;
	if (res == -ECANCELED)
		return run->x->retry & DB_RETRY_ECANCELED;
	return false;
}

/* The first hard failure: record it, name it, stop issuing. */
static void io_fail(struct run *run, struct db_io *io, int res, uint16_t nvme_status,
		    const char *why, struct dmabuf_err *e)
{
	struct db_xfer *x = run->x;
	const char *op = io->write ? run->ops->write_op : run->ops->read_op;
	char opbuf[64];

	x->stats.errors++;
	run->stop = true;
	if (x->fail.failed)
		return;
	x->fail = (struct db_io_failure){
		.failed = true,
		.lba = io->lba,
		.nblocks = io->nblocks,
		.res = nvme_status ? 0 : res,
		.nvme_status = nvme_status,
	};
	if (run->err)
		return;		/* an abort (between hook, staging) came first */
	run->err = res;
	snprintf(opbuf, sizeof(opbuf), "%s at LBA %llu", op, (unsigned long long)io->lba);
	db_err_set(e, DMABUF_E_IO, res, opbuf, "%s", x->t->path);
	if (nvme_status)
		db_err_detail(e, "NVMe status 0x%03x: %s", nvme_status,
			      db_nvme_status_str(nvme_status));
	else if (why)
		db_err_detail(e, "%s", why);
	else if (res == -EFAULT)
		db_err_detail(e, "fixed buffer slot %u is empty or does not cover the request",
			      x->buf.slot);
}

static void stat_done(struct db_io_stats *s, uint32_t len, uint64_t lat)
{
	s->ios++;
	s->bytes += len;
	db_lat_add(&s->lat, lat);
}

static void io_done(struct run *run, struct db_io *io, struct dmabuf_err *e)
{
	struct db_xfer *x = run->x;
	uint64_t now;
	int ret;

	/* The copy out of the bounce buffer is part of the request's cost. */
	ret = dmabuf_io_done(&x->buf, io->write, io->req_off, io->req_len, e);
	if (ret) {
		io_fail(run, io, ret, 0, NULL, e);
		io->state = IO_FREE;
		return;
	}
	now = db_now_ns();
	io->state = IO_FREE;
	if (!io->counted)
		return;
	stat_done(&x->stats, io->len, now - io->t_submit);
	if (run->wl) {
		stat_done(&run->wl->dir[io->write], io->len, now - io->t_submit);
		run->t_last = now;
	}
}

static const char *short_why(const struct db_xfer *x, const struct db_io *io)
{
	if (io->write)
		return "write made no progress";
	return x->t->kind == DB_TGT_FILE ? "read past end of file" : "read past end of device";
}

/*
 * O_DIRECT moves whole blocks except at the end of a file; continue after
 * the last whole block moved.  Nothing moved means the end of the file or
 * device was reached.
 */
static void io_short(struct run *run, struct db_io *io, uint32_t moved, struct dmabuf_err *e)
{
	uint32_t blocks = moved / run->x->t->lba_size;

	if (!blocks) {
		io_fail(run, io, -EIO, 0, short_why(run->x, io), e);
		io->state = IO_FREE;
		return;
	}
	/* The rest of the request continues where the moved blocks ended. */
	if (io->counted)
		run->x->stats.bytes += (uint64_t)blocks * run->x->t->lba_size;
	io->lba += blocks;
	io->nblocks -= blocks;
	io->len = io->nblocks * run->x->t->lba_size;
	io->mem_off += (uint64_t)blocks * run->x->t->lba_size;
	if (run->meta)
		io->meta_len = io->nblocks * run->ops->meta_bytes(run->x->t);
	io->state = IO_PENDING;
}

static void complete(struct run *run, const struct io_uring_cqe *cqe, struct dmabuf_err *e)
{
	struct db_io *io = &run->io[cqe->user_data];
	uint16_t nvme_status = 0;
	int res;

	run->inflight--;
	res = run->ops->result(cqe, io, &nvme_status);
	if (res >= 0 && (uint32_t)res >= io->len) {
		io_done(run, io, e);
	} else if (res >= 0) {
		io_short(run, io, (uint32_t)res, e);
	} else if (retryable(run, res) && io->retries < run->max_retries) {
		io->retries++;
		run->x->stats.retries++;
		io->state = IO_PENDING;
	} else {
		io_fail(run, io, res, nvme_status, NULL, e);
		io->state = IO_FREE;
	}
	/* A request that cannot be issued any more is dropped. */
	if (run->stop && io->state == IO_PENDING)
		io->state = IO_FREE;
}

static unsigned reap(struct run *run, struct dmabuf_err *e)
{
	struct io_uring *ring = &run->x->r->ring;
	struct io_uring_cqe *cqe;
	unsigned head, n = 0;

	io_uring_for_each_cqe(ring, head, cqe) {
		complete(run, cqe, e);
		n++;
	}
	io_uring_cq_advance(ring, n);
	if (run->wl)
		__atomic_store_n(&run->wl->progress, run->wl->dir[0].ios + run->wl->dir[1].ios,
				 __ATOMIC_RELAXED);
	return n;
}

/* --- interruption ------------------------------------------------------- */

static volatile sig_atomic_t interrupt_signo;

void db_xfer_interrupt(int signo)
{
	interrupt_signo = signo;
}

int db_xfer_interrupted(void)
{
	return interrupt_signo;
}

/* A signal asked to stop: issue nothing more; what is in flight drains. */
static void check_interrupt(struct run *run, struct dmabuf_err *e)
{
	int signo = interrupt_signo;
	char name[32];

	if (!signo || run->stop)
		return;
	run->stop = true;
	run->err = db_err_set(e, DMABUF_E_INTERRUPTED, -EINTR, "interrupted", "%s", run->x->t->path);
	db_err_detail(e, "stopped by %s (signal %d); the requests in flight completed",
		      db_sig_name(signo, name, sizeof(name)), signo);
}

/* --- the loop ------------------------------------------------------------ */

/*
 * The caller's hook, once per submission while requests are in flight
 * (before their completions are reaped), so that it runs at least once per
 * batch however the completions bunch up: under emulation a whole batch
 * can complete at once, and a hook run only between reaps would then never
 * see a request in flight.
 */
static void between(struct run *run, struct dmabuf_err *e)
{
	struct db_xfer *x = run->x;
	int ret;

	if (!x->between || run->stop || !work_left(run))
		return;
	ret = x->between(x->between_arg, e);
	if (ret < 0) {
		run->stop = true;
		run->err = ret;
	}
}

static int submit_wait(struct run *run, struct dmabuf_err *e)
{
	int ret = io_uring_submit_and_wait(&run->x->r->ring, 1);

	/*
	 * Interrupted, or the kernel is short of resources / the CQ is full:
	 * what was prepared stays queued; reap and try again.
	 */
	if (ret >= 0 || ret == -EINTR || ret == -EAGAIN || ret == -EBUSY)
		return 0;
	return db_err_set(e, DMABUF_E_IO, ret, "io_uring_enter", "%s", run->x->t->path);
}

/* The caller's progress hook, when its time has come: one clock read a batch. */
static void progress_tick(struct db_xfer *x)
{
	uint64_t now = db_now_ns();

	if (now < x->progress_at)
		return;
	x->progress(x->progress_arg, x->stats.bytes);
	x->progress_at = now + x->progress_ns;
}

static int run_loop(struct run *run, struct dmabuf_err *e)
{
	int ret;

	while (work_left(run)) {
		check_interrupt(run, e);
		fill(run, e);
		if (!run->inflight)
			continue;	/* everything left was dropped by a stop */
		ret = submit_wait(run, e);
		/* The ring is unusable: nothing more can be drained. */
		if (ret)
			return ret;
		between(run, e);
		reap(run, e);
		if (run->x->progress)
			progress_tick(run->x);
	}
	return run->err;
}

/* The measured window: first counted issue to last counted completion. */
static void wl_finish(struct run *run)
{
	struct db_workload *wl = run->wl;
	uint64_t ns = run->t_last > run->t_first ? run->t_last - run->t_first : 0;

	run->x->stats.ns = ns;
	wl->dir[0].ns = wl->dir[1].ns = ns;
	__atomic_store_n(&wl->progress, wl->dir[0].ios + wl->dir[1].ios, __ATOMIC_RELAXED);
}

int db_xfer_run(struct db_xfer *x, struct dmabuf_err *e)
{
	const struct db_engine_ops *ops = engine_ops(x->engine);
	uint32_t req_bytes = 0;
	struct run run;
	uint64_t t0;
	int ret;

	reset_results(x);
	ret = check_xfer(x, ops, &req_bytes, e);
	if (ret)
		return ret;
	if (!x->nblocks)
		return 0;
	ret = run_init(&run, x, ops, req_bytes, e);
	if (!ret) {
		t0 = db_now_ns();
		ret = run_loop(&run, e);
		x->stats.ns += db_now_ns() - t0;
		if (run.wl)
			wl_finish(&run);
	}
	run_free(&run);
	return ret;
}
