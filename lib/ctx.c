// SPDX-License-Identifier: MIT
/*
 * I/O context: target + memory + ring + buffer path.  See dmabuf/ctx.h.
 *
 * Path preference for `auto`: token (zero copy, mapped once) > pages (zero
 * copy, mapped per I/O) > bounce (one CPU copy).  Each rejected path leaves a
 * sentence in ctx->why, so the user always learns what was used and why.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "dmabuf/ctx.h"
#include "dmabuf/util.h"
#include "uapi/io_uring_regbuf.h"

static const char *const path_names[] = {
	[DB_PATH_AUTO] = "auto",
	[DB_PATH_TOKEN] = "token",
	[DB_PATH_PAGES] = "pages",
	[DB_PATH_BOUNCE] = "bounce",
};

const char *db_path_name(enum db_path p)
{
	return (unsigned)p < DB_ARRAY_SIZE(path_names) ? path_names[p] : "?";
}

int db_path_parse(const char *s, enum db_path *p)
{
	for (unsigned i = 0; i < DB_ARRAY_SIZE(path_names); i++) {
		if (!strcmp(s, path_names[i])) {
			*p = (enum db_path)i;
			return 0;
		}
	}
	return -EINVAL;
}

static void why_add(struct db_ctx *c, enum db_path p, const struct db_err *e)
{
	char msg[600];
	size_t used = strlen(c->why);

	snprintf(c->why + used, sizeof(c->why) - used, "%s%s: %s", used ? "; " : "",
		 db_path_name(p), db_err_str(e, msg, sizeof(msg)));
}

/* --- registration per path ---------------------------------------------- */

static int reg_token(struct db_ctx *c, struct db_ring *r, unsigned slot, struct db_err *e)
{
	int ret;

	if (c->m->dmabuf_fd < 0) {
		db_err_set(e, DB_E_UNSUPPORTED, -EOPNOTSUPP, "token registration", "%s",
			   c->m->spec.text);
		db_err_detail(e, "%s memory is not a dma-buf", c->m->ops->name);
		return -EOPNOTSUPP;
	}
	if (c->m->size > IO_REGBUF_DMABUF_MAX) {
		db_err_set(e, DB_E_USAGE, -E2BIG, "token registration", "%s", c->m->spec.text);
		db_err_detail(e, "dma-bufs over 1 GiB cannot be registered as a token");
		return -E2BIG;
	}
	ret = db_ring_register_dmabuf(r, slot, c->m->dmabuf_fd, c->t.fd, e);
	/* doc/token-uapi.md: passthrough tokens are this port's, not upstream's */
	if (ret == -EOPNOTSUPP && c->t.kind == DB_TGT_NVME_CHAR)
		db_err_detail(e, "a kernel whose tokens serve only READ_FIXED/WRITE_FIXED (as "
			      "the upstream series) refuses NVMe passthrough: use the "
			      "/dev/nvmeXnY block device");
	return ret;
}

static int reg_pages(struct db_ctx *c, struct db_ring *r, unsigned slot, struct db_err *e)
{
	void *addr;
	uint64_t len;
	int ret = db_mem_pages(c->m, &addr, &len, e);

	if (ret)
		return ret;
	ret = db_ring_register_uaddr(r, slot, addr, len, e);
	if (ret)
		return ret;
	c->buf.base = (uintptr_t)addr;
	return 0;
}

static int reg_bounce(struct db_ctx *c, struct db_ring *r, unsigned slot, struct db_err *e)
{
	int ret;

	/* The CPU copies to and from the dma-buf's own mapping. */
	ret = db_mem_mmap(c->m, e);
	if (ret)
		return ret;
	if (!c->bounce) {
		c->bounce_len = c->m->size;
		c->bounce = mmap(NULL, c->bounce_len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (c->bounce == MAP_FAILED) {
			c->bounce = NULL;
			return db_err_set(e, DB_E_IO, -errno, "mmap", "bounce buffer");
		}
	}
	ret = db_ring_register_uaddr(r, slot, c->bounce, c->bounce_len, e);
	if (ret)
		return ret;
	c->buf.base = (uintptr_t)c->bounce;
	return 0;
}

static int reg_one(struct db_ctx *c, struct db_ring *r, enum db_path p, unsigned slot,
		   struct db_err *e)
{
	switch (p) {
	case DB_PATH_TOKEN:
		c->buf.base = 0;
		return reg_token(c, r, slot, e);
	case DB_PATH_PAGES:
		return reg_pages(c, r, slot, e);
	case DB_PATH_BOUNCE:
		return reg_bounce(c, r, slot, e);
	default:
		return db_err_set(e, DB_E_USAGE, -EINVAL, "register", "path %d", p);
	}
}

int db_ctx_register(struct db_ctx *c, struct db_err *e)
{
	uint64_t t0 = db_now_ns();

	for (unsigned s = 0; s < c->slots; s++) {
		int ret = reg_one(c, &c->r, c->path, s, e);

		if (ret) {
			while (s--)
				db_ring_unregister(&c->r, s, NULL);
			return ret;
		}
	}
	c->register_ns = db_now_ns() - t0;
	c->registered = true;
	return 0;
}

int db_ctx_register_ring(struct db_ctx *c, struct db_ring *r, struct db_err *e)
{
	return reg_one(c, r, c->path, 0, e);
}

int db_ctx_unregister(struct db_ctx *c, struct db_err *e)
{
	int ret = 0;

	for (unsigned s = 0; s < c->slots; s++) {
		int r = db_ring_unregister(&c->r, s, e);

		if (r && !ret)
			ret = r;
	}
	c->registered = false;
	return ret;
}

/* auto: try each path from the best down, collect the reasons. */
static int choose_path(struct db_ctx *c, enum db_path want, struct db_err *e)
{
	static const enum db_path order[] = { DB_PATH_TOKEN, DB_PATH_PAGES, DB_PATH_BOUNCE };
	struct db_err tmp = { 0 };

	if (want != DB_PATH_AUTO) {
		c->path = want;
		return db_ctx_register(c, e);
	}
	for (unsigned i = 0; i < DB_ARRAY_SIZE(order); i++) {
		/* token needs a dma-buf: memfd/hugetlb skip it silently */
		if (order[i] == DB_PATH_TOKEN && c->m->dmabuf_fd < 0)
			continue;
		c->path = order[i];
		memset(&tmp, 0, sizeof(tmp));
		if (!db_ctx_register(c, &tmp))
			return 0;
		why_add(c, order[i], &tmp);
	}
	*e = tmp;
	db_err_detail(e, "no buffer path works for this memory and target (%s)", c->why);
	return tmp.err ? tmp.err : -EOPNOTSUPP;
}

static enum db_engine_kind default_engine(const struct db_target *t)
{
	return t->kind == DB_TGT_NVME_CHAR ? DB_ENGINE_PASSTHRU : DB_ENGINE_RW;
}

static int check_engine(struct db_ctx *c, struct db_err *e)
{
	if (c->engine == DB_ENGINE_PASSTHRU && c->t.kind != DB_TGT_NVME_CHAR) {
		db_err_set(e, DB_E_USAGE, -EINVAL, "--engine passthru", "%s", c->t.path);
		db_err_detail(e, "NVMe passthrough needs the generic char device /dev/ngXnY");
		return -EINVAL;
	}
	if (c->engine == DB_ENGINE_RW && c->t.kind == DB_TGT_NVME_CHAR) {
		db_err_set(e, DB_E_USAGE, -EINVAL, "--engine rw", "%s", c->t.path);
		db_err_detail(e, "READ_FIXED/WRITE_FIXED need the block device%s%s",
			      c->t.blkdev[0] ? " " : "", c->t.blkdev);
		return -EINVAL;
	}
	return 0;
}

int db_ctx_open_target(struct db_ctx *c, const struct db_ctx_opts *o, struct db_err *e)
{
	uint64_t t0 = db_now_ns();
	int ret;

	memset(c, 0, sizeof(*c));
	c->t.fd = -1;
	c->qd = o->qd ? o->qd : 16;
	c->req_bytes = o->req_bytes;
	c->slots = o->slots ? o->slots : 1;
	ret = db_target_open(o->target, o->write, &c->t, e);
	if (ret)
		return ret;
	c->engine = o->engine_set ? o->engine : default_engine(&c->t);
	ret = check_engine(c, e);
	if (ret) {
		db_ctx_close(c);
		return ret;
	}
	c->open_ns = db_now_ns() - t0;
	return 0;
}

int db_ctx_setup(struct db_ctx *c, const struct db_ctx_opts *o, struct db_err *e)
{
	uint64_t t0 = db_now_ns();
	int ret;

	ret = db_mem_open(&o->mem, o->mem_size, o->name, &c->m, e);
	if (ret)
		goto fail;
	c->alloc_ns = db_now_ns() - t0;

	ret = db_ring_init(&c->r, DB_MAX(c->qd, 8u), c->engine == DB_ENGINE_PASSTHRU,
			   c->slots, e);
	if (ret)
		goto fail;
	c->buf.slot = 0;
	c->buf.len = c->m->size;
	ret = choose_path(c, o->path, e);
	if (ret)
		goto fail;
	return 0;
fail:
	db_ctx_close(c);
	return ret;
}

int db_ctx_open(struct db_ctx *c, const struct db_ctx_opts *o, struct db_err *e)
{
	int ret = db_ctx_open_target(c, o, e);

	return ret ? ret : db_ctx_setup(c, o, e);
}

void db_ctx_close(struct db_ctx *c)
{
	if (c->r.live)
		db_ring_exit(&c->r);
	if (c->bounce)
		munmap(c->bounce, c->bounce_len);
	c->bounce = NULL;
	db_mem_close(c->m);
	c->m = NULL;
	if (c->t.fd >= 0)
		db_target_close(&c->t);
	c->t.fd = -1;
	db_io_stats_free(&c->xfer.stats);
}

int db_ctx_cpu_begin(struct db_ctx *c, bool cpu_write, struct db_err *e)
{
	int ret = db_mem_mmap(c->m, e);

	return ret ? ret : db_mem_sync_begin(c->m, cpu_write, e);
}

int db_ctx_cpu_end(struct db_ctx *c, bool cpu_write, struct db_err *e)
{
	return db_mem_sync_end(c->m, cpu_write, e);
}

/* bounce: dma-buf ↔ bounce buffer copy, bracketed for the exporter. */
static int bounce_copy(struct db_ctx *c, bool to_bounce, uint64_t off, uint64_t len,
		       struct db_err *e)
{
	char *mem = (char *)c->m->map + off, *b = (char *)c->bounce + off;
	int ret = db_mem_sync_begin(c->m, !to_bounce, e);

	if (ret)
		return ret;
	if (to_bounce)
		memcpy(b, mem, len);
	else
		memcpy(mem, b, len);
	return db_mem_sync_end(c->m, !to_bounce, e);
}

int db_ctx_stage(void *arg, bool write, uint64_t off, uint32_t len, struct db_err *e)
{
	return bounce_copy(arg, write, off, len, e);
}

int db_ctx_io(struct db_ctx *c, bool write, uint64_t lba, uint64_t nblocks, uint64_t mem_off,
	      struct db_io_failure *fail, struct db_err *e)
{
	uint64_t len = nblocks * c->t.lba_size;
	struct db_xfer *x = &c->xfer;
	int ret;

	if (mem_off + len > c->m->size)
		return db_err_set(e, DB_E_USAGE, -EINVAL, "I/O window", "%s", c->m->spec.text);
	if (c->path == DB_PATH_BOUNCE && write) {
		ret = bounce_copy(c, true, mem_off, len, e);
		if (ret)
			return ret;
	}
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
	if (!ret && c->path == DB_PATH_BOUNCE && !write)
		ret = bounce_copy(c, false, mem_off, len, e);
	return ret;
}
