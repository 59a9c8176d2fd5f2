// SPDX-License-Identifier: MIT
/*
 * Buffer paths: how a memory source becomes a fixed buffer of a ring.  See
 * dmabuf_register() in dmabuf/dmabuf.h.
 *
 * Preference for AUTO: token (zero copy, DMA-mapped once) > pages (zero
 * copy, mapped per I/O) > bounce (one CPU copy).  Each refused path leaves
 * a sentence in out->why, so a caller can always say what it used and why.
 * When every path is refused the error says each reason once: one, for
 * all of them, when they are the same (the 1 GiB of a fixed buffer,
 * RLIMIT_MEMLOCK), else each path with its own.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "dmabuf/err.h"
#include "dmabuf/util.h"
#include "mem.h"
#include "token.h"

static const char *const path_names[] = {
	[DMABUF_PATH_AUTO] = "auto",
	[DMABUF_PATH_TOKEN] = "token",
	[DMABUF_PATH_PAGES] = "pages",
	[DMABUF_PATH_BOUNCE] = "bounce",
};

const char *dmabuf_path_name(enum dmabuf_path p)
{
	return (unsigned)p < DB_ARRAY_SIZE(path_names) ? path_names[p] : "?";
}

int dmabuf_path_parse(const char *name, enum dmabuf_path *p)
{
	for (unsigned i = 0; i < DB_ARRAY_SIZE(path_names); i++) {
		if (!strcmp(name, path_names[i])) {
			*p = (enum dmabuf_path)i;
			return 0;
		}
	}
	return -EINVAL;
}

static bool is_char_dev(int fd)
{
	struct stat st;

	return !fstat(fd, &st) && S_ISCHR(st.st_mode);
}

static int reg_token(struct io_uring *ring, unsigned slot, struct dmabuf_mem *m, int target_fd,
		     struct dmabuf_err *e)
{
	int ret;

	if (m->dmabuf_fd < 0) {
		db_err_set(e, DMABUF_E_UNSUPPORTED, -EOPNOTSUPP, "token registration", "%s",
			   m->spec.text);
		db_err_detail(e, "%s memory is not a dma-buf", m->ops->name);
		return -EOPNOTSUPP;
	}
	ret = dmabuf_token_register(ring, slot, m->dmabuf_fd, target_fd, e);
	/* doc/token-uapi.md: passthrough tokens are this port's, not upstream's */
	if (ret == -EOPNOTSUPP && is_char_dev(target_fd))
		db_err_detail(e, "a kernel whose tokens serve only READ_FIXED/WRITE_FIXED (as "
			      "the upstream series) refuses NVMe passthrough: use the "
			      "/dev/nvmeXnY block device");
	return ret;
}

static int reg_pages(struct io_uring *ring, unsigned slot, struct dmabuf_mem *m,
		     struct dmabuf_fixed *out, struct dmabuf_err *e)
{
	void *addr;
	uint64_t len;
	int ret = db_mem_pages(m, &addr, &len, e);

	if (ret)
		return ret;
	ret = db_fixed_register_uaddr(ring, slot, addr, len, e);
	if (ret)
		return ret;
	out->base = (uintptr_t)addr;
	return 0;
}

static int reg_bounce(struct io_uring *ring, unsigned slot, struct dmabuf_mem *m,
		      struct dmabuf_fixed *out, struct dmabuf_err *e)
{
	int ret;

	/* The CPU copies to and from the dma-buf's own mapping. */
	ret = db_mem_mmap(m, e);
	if (ret)
		return ret;
	if (!m->bounce) {
		m->bounce = mmap(NULL, m->size, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (m->bounce == MAP_FAILED) {
			m->bounce = NULL;
			return db_err_set(e, DMABUF_E_IO, -errno, "mmap", "bounce buffer");
		}
	}
	ret = db_fixed_register_uaddr(ring, slot, m->bounce, m->size, e);
	if (ret)
		return ret;
	out->base = (uintptr_t)m->bounce;
	return 0;
}

static int reg_one(struct io_uring *ring, unsigned slot, struct dmabuf_mem *m, int target_fd,
		   enum dmabuf_path p, struct dmabuf_fixed *out, struct dmabuf_err *e)
{
	out->path = p;
	out->base = 0;
	out->len = m->size;
	switch (p) {
	case DMABUF_PATH_TOKEN:
		return reg_token(ring, slot, m, target_fd, e);
	case DMABUF_PATH_PAGES:
		return reg_pages(ring, slot, m, out, e);
	case DMABUF_PATH_BOUNCE:
		return reg_bounce(ring, slot, m, out, e);
	default:
		return db_err_set(e, DMABUF_E_USAGE, -EINVAL, "register", "path %d", p);
	}
}

static void why_add(struct dmabuf_fixed *out, enum dmabuf_path p, const struct dmabuf_err *e)
{
	char msg[600];
	size_t used = strlen(out->why);

	snprintf(out->why + used, sizeof(out->why) - used, "%s%s: %s", used ? "; " : "",
		 dmabuf_path_name(p), dmabuf_err_str(e, msg, sizeof(msg)));
}

/* The same reason: the same failure, whatever object (address) it names. */
static bool same_reason(const struct dmabuf_err *a, const struct dmabuf_err *b)
{
	return a->kind == b->kind && a->err == b->err && !strcmp(a->op, b->op) &&
	       !strcmp(a->detail, b->detail);
}

/*
 * Every path tried failed, @tried[0..@n) with @errs: one error for them
 * all, in @e.  Its object is the memory (each path's own buffer address
 * would be noise); the kind and errno are the last path's (the exit status
 * of a caller).  The same reason is said once, for all the paths; different
 * reasons each once, after their path's name.
 */
static void all_failed(const struct dmabuf_mem *m, const enum dmabuf_path *tried,
		       const struct dmabuf_err *errs, unsigned n, struct dmabuf_err *e)
{
	const struct dmabuf_err *last = &errs[n - 1];
	char names[32] = "", msg[600];
	size_t used = 0;
	bool same = true;

	for (unsigned i = 0; i < n; i++) {
		same = same && same_reason(&errs[i], last);
		used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s", i ? ", " : "",
					dmabuf_path_name(tried[i]));
	}
	if (same) {
		db_err_set(e, last->kind, last->err, last->op, "%s (%llu bytes) by every buffer path "
			   "(%s)", m->spec.text, (unsigned long long)m->size, names);
		if (last->detail[0])
			db_err_detail(e, "%s", last->detail);
		return;
	}
	db_err_set(e, last->kind, 0, "register", "%s (%llu bytes)", m->spec.text,
		   (unsigned long long)m->size);
	db_err_detail(e, "no buffer path works for this memory and target");
	for (unsigned i = 0; i < n; i++) {
		struct dmabuf_err why = errs[i];

		why.obj[0] = '\0';	/* the memory, named once above */
		db_err_detail(e, "%s: %s", dmabuf_path_name(tried[i]),
			      dmabuf_err_str(&why, msg, sizeof(msg)));
	}
}

int dmabuf_register(struct io_uring *ring, unsigned slot, struct dmabuf_mem *m, int target_fd,
		    enum dmabuf_path path, struct dmabuf_fixed *out, struct dmabuf_err *e)
{
	static const enum dmabuf_path order[] = {
		DMABUF_PATH_TOKEN, DMABUF_PATH_PAGES, DMABUF_PATH_BOUNCE,
	};
	struct dmabuf_err errs[DB_ARRAY_SIZE(order)];
	enum dmabuf_path tried[DB_ARRAY_SIZE(order)];
	unsigned n = 0;

	memset(out, 0, sizeof(*out));
	if (path != DMABUF_PATH_AUTO)
		return reg_one(ring, slot, m, target_fd, path, out, e);
	for (unsigned i = 0; i < DB_ARRAY_SIZE(order); i++) {
		/* a token needs a dma-buf: memfd and hugetlb skip it silently */
		if (order[i] == DMABUF_PATH_TOKEN && m->dmabuf_fd < 0)
			continue;
		memset(&errs[n], 0, sizeof(errs[n]));
		if (!reg_one(ring, slot, m, target_fd, order[i], out, &errs[n]))
			return 0;
		why_add(out, order[i], &errs[n]);
		tried[n++] = order[i];
	}
	if (e)
		all_failed(m, tried, errs, n, e);
	return errs[n - 1].err ? errs[n - 1].err : -EOPNOTSUPP;
}

int dmabuf_bounce_sync(struct dmabuf_mem *m, bool to_device, uint64_t off, uint64_t len,
		       struct dmabuf_err *e)
{
	char *mem = m->map, *b = m->bounce;
	int ret;

	if (!b || !mem || off > m->size || len > m->size - off)
		return db_err_set(e, DMABUF_E_USAGE, -EINVAL, "bounce copy", "%s", m->spec.text);
	ret = dmabuf_mem_sync_begin(m, !to_device, e);
	if (ret)
		return ret;
	if (to_device)
		memcpy(b + off, mem + off, len);
	else
		memcpy(mem + off, b + off, len);
	return dmabuf_mem_sync_end(m, !to_device, e);
}
