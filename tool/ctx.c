// SPDX-License-Identifier: MIT
/*
 * I/O context: target + memory + ring + buffer path.  See tool/ctx.h.
 *
 * The path itself is chosen by libdmabuf's dmabuf_register(): the context
 * keeps its answer (c->path, c->why) and registers every slot the same way.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "util.h"
#include "token.h"

/* How the commands size their memory: --size; bench's is jobs x qd x bs. */
#define BENCH_MEMORY "(bench: a smaller --bs, --qd or --jobs)"


/*
 * Memory the buffer paths refused for its size: the way out in the
 * commands' words, said once after the library's reason.
 */
static void detail_less_memory(const struct db_ctx *c, int ret, struct dmabuf_err *e)
{
	/* lib/token.c's reason names the limit and ulimit -l */
	if (ret == -ENOMEM && strstr(e->detail, "RLIMIT_MEMLOCK"))
		db_err_detail(e, "or pin less: a --size under the limit " BENCH_MEMORY);
	else if (ret == -EINVAL && dmabuf_mem_size(c->m) > FIXED_BUF_MAX)
		db_err_detail(e, "use less memory: a smaller --size " BENCH_MEMORY);
}

/*
 * Register the context's memory in slot @slot of @r by @want, with the
 * commands' advice on a refused size.  Writes nothing of @c.
 */
static int register_into(const struct db_ctx *c, struct db_ring *r, unsigned slot,
			 enum dmabuf_path want, struct dmabuf_fixed *fx, struct dmabuf_err *e)
{
	int ret = dmabuf_register(&r->ring, slot, c->m, c->t.fd, want, fx, e);

	/* a token's size is the kernel's to judge: no 1 GiB advice for it */
	if (ret && e && want != DMABUF_PATH_TOKEN)
		detail_less_memory(c, ret, e);
	return ret;
}

/* Slot @slot of the context's ring by @want; the path taken becomes the context's. */
static int reg_slot(struct db_ctx *c, unsigned slot, enum dmabuf_path want,
		    struct dmabuf_err *e)
{
	struct dmabuf_fixed fx;
	int ret = register_into(c, &c->r, slot, want, &fx, e);

	if (want == DMABUF_PATH_AUTO)
		snprintf(c->why, sizeof(c->why), "%s", fx.why);
	if (ret)
		return ret;
	c->path = fx.path;
	c->fx = fx;
	return 0;
}

static int register_slots(struct db_ctx *c, enum dmabuf_path want, struct dmabuf_err *e)
{
	uint64_t t0 = db_now_ns();

	for (unsigned s = 0; s < c->slots; s++) {
		int ret = reg_slot(c, s, s ? c->path : want, e);

		if (ret) {
			while (s--)
				dmabuf_unregister(&c->r.ring, s, NULL);
			return ret;
		}
	}
	c->register_ns = db_now_ns() - t0;
	c->registered = true;
	return 0;
}

int db_ctx_register(struct db_ctx *c, struct dmabuf_err *e)
{
	return register_slots(c, c->path, e);
}

int db_ctx_register_ring(const struct db_ctx *c, struct db_ring *r, struct dmabuf_err *e)
{
	struct dmabuf_fixed fx;

	return register_into(c, r, 0, c->path, &fx, e);
}

int db_ctx_unregister(struct db_ctx *c, struct dmabuf_err *e)
{
	int ret = 0;

	for (unsigned s = 0; s < c->slots; s++) {
		int r = dmabuf_unregister(&c->r.ring, s, e);

		if (r && !ret)
			ret = r;
	}
	c->registered = false;
	return ret;
}

static enum db_engine_kind default_engine(const struct db_target *t)
{
	return t->kind == DB_TGT_NVME_CHAR ? DB_ENGINE_PASSTHRU : DB_ENGINE_RW;
}

int db_ctx_open_target(struct db_ctx *c, const struct db_ctx_opts *o, struct dmabuf_err *e)
{
	uint64_t t0 = db_now_ns();
	int ret;

	memset(c, 0, sizeof(*c));
	c->t.fd = -1;
	c->qd = o->qd ? o->qd : DB_DEFAULT_QD;
	c->req_bytes = o->req_bytes;
	c->slots = o->slots ? o->slots : 1;
	ret = db_target_open(o->target, o->write, &c->t, e);
	if (ret)
		return ret;
	c->engine = o->engine_set ? o->engine : default_engine(&c->t);
	ret = db_engine_check_target(c->engine, &c->t, e);
	if (ret) {
		db_ctx_close(c);
		return ret;
	}
	c->open_ns = db_now_ns() - t0;
	return 0;
}

int db_ctx_setup(struct db_ctx *c, const struct db_ctx_opts *o, struct dmabuf_err *e)
{
	uint64_t t0 = db_now_ns();
	int ret;

	snprintf(c->mem_src, sizeof(c->mem_src), "%s", o->mem ? o->mem : "");
	c->mem_requested = o->mem_size;
	ret = dmabuf_mem_open(o->mem, o->mem_size, o->name, &c->m, e);
	if (ret)
		goto fail;
	c->alloc_ns = db_now_ns() - t0;

	ret = db_ring_init(&c->r, DB_MAX(c->qd, 8u), c->engine == DB_ENGINE_PASSTHRU,
			   c->slots, e);
	if (ret)
		goto fail;
	c->buf = (struct dmabuf_iobuf){ .mem = c->m, .fx = &c->fx, .slot = 0, .fd = c->t.fd };
	ret = register_slots(c, o->path, e);
	if (ret)
		goto fail;
	return 0;
fail:
	db_ctx_close(c);
	return ret;
}

void db_ctx_close(struct db_ctx *c)
{
	if (c->r.live)
		db_ring_exit(&c->r);
	dmabuf_mem_close(c->m);
	c->m = NULL;
	if (c->t.fd >= 0)
		db_target_close(&c->t);
	c->t.fd = -1;
	db_io_stats_free(&c->xfer.stats);
}

int db_ctx_cpu_begin(struct db_ctx *c, bool cpu_write, struct dmabuf_err *e)
{
	void *addr;
	int ret = dmabuf_mem_mmap(c->m, &addr, e);

	return ret ? ret : dmabuf_mem_sync_begin(c->m, cpu_write, e);
}

int db_ctx_cpu_end(struct db_ctx *c, bool cpu_write, struct dmabuf_err *e)
{
	return dmabuf_mem_sync_end(c->m, cpu_write, e);
}

int db_ctx_io(struct db_ctx *c, bool write, uint64_t lba, uint64_t nblocks, uint64_t mem_off,
	      struct db_io_failure *fail, struct dmabuf_err *e)
{
	uint64_t len = nblocks * c->t.lba_size;
	struct db_xfer *x = &c->xfer;
	int ret;

	if (mem_off + len > dmabuf_mem_size(c->m))
		return db_err_set(e, DMABUF_E_USAGE, -EINVAL, "I/O window", "%s", c->mem_src);
	/* One transfer for the context's life: its statistics add up in place. */
	x->t = &c->t;
	x->r = &c->r;
	x->engine = c->engine;
	x->write = write;
	x->lba = lba;
	x->nblocks = nblocks;
	x->buf = c->buf;
	x->buf_off = mem_off;
	x->req_bytes = c->req_bytes;
	x->qd = c->qd;
	x->retry = c->retry;
	x->between = c->between;
	x->between_arg = c->between_arg;
	x->accumulate = true;
	ret = db_xfer_run(x, e);
	if (fail)
		*fail = x->fail;
	return ret;
}
