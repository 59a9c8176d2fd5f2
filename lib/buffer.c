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
 * RLIMIT_MEMLOCK), else each after the names of the paths that gave it
 * ("token: …; pages, bounce: …").  Texts longer than their buffer are cut,
 * each reason to its fair share, and the cut is marked "…".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "err.h"
#include "util.h"
#include "buffer.h"
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

/* Paths tried at most: token, pages, bounce. */
#define PATHS_MAX	3
/* The mark of a text cut short. */
#define CUT		"…"

/*
 * Append @text to the string in @buf (@size bytes), at most @room bytes of
 * it and never past @buf's end.  A text that does not fit is cut at a
 * character boundary and ends in CUT; where not even CUT fits, nothing is
 * appended.
 */
static void append_cut(char *buf, size_t size, size_t room, const char *text)
{
	size_t used = strlen(buf), len = strlen(text), mark = strlen(CUT), cut;

	if (used + 1 >= size)
		return;
	if (room > size - 1 - used)
		room = size - 1 - used;
	if (len <= room) {
		memcpy(buf + used, text, len + 1);
		return;
	}
	if (room < mark + 1)
		return;
	/* back off to the first byte of a UTF-8 sequence */
	for (cut = room - mark; cut && ((unsigned char)text[cut] & 0xc0) == 0x80; cut--)
		;
	memcpy(buf + used, text, cut);
	memcpy(buf + used + cut, CUT, mark + 1);
}

/*
 * Append @texts[0..@n) to the string in @buf (@size bytes).  What does not
 * fit is shared fairly: a text shorter than its share keeps all of it, the
 * longer ones split what is left, each cut marked.  Each keeps its start
 * (the path's name).
 */
static void append_fair(char *buf, size_t size, char (*texts)[1024], unsigned n)
{
	size_t len[PATHS_MAX], room[PATHS_MAX], left;
	bool fixed[PATHS_MAX] = { false };
	unsigned open = n;

	left = size - 1 - strlen(buf);
	for (unsigned i = 0; i < n; i++)
		len[i] = strlen(texts[i]);
	while (open) {
		size_t fair = left / open;
		unsigned was = open;

		for (unsigned i = 0; i < n; i++) {
			if (!fixed[i] && len[i] <= fair) {
				room[i] = len[i];
				left -= len[i];
				fixed[i] = true;
				open--;
			}
		}
		if (open == was) {
			for (unsigned i = 0; i < n; i++)
				if (!fixed[i])
					room[i] = fair;
			break;
		}
	}
	for (unsigned i = 0; i < n; i++)
		append_cut(buf, size, room[i], texts[i]);
}

/* The same reason: the same failure, whatever object (address) it names. */
static bool same_reason(const struct dmabuf_err *a, const struct dmabuf_err *b)
{
	return a->kind == b->kind && a->err == b->err && !strcmp(a->op, b->op) &&
	       !strcmp(a->detail, b->detail);
}

/*
 * AUTO's out->why: why each better path was refused ("token: …; pages: …"),
 * @tried[0..@n) with @errs, inside out->why.
 */
static void why_set(struct dmabuf_fixed *out, const enum dmabuf_path *tried,
		    const struct dmabuf_err *errs, unsigned n)
{
	char texts[PATHS_MAX][1024], msg[1024];

	for (unsigned i = 0; i < n; i++)
		snprintf(texts[i], sizeof(texts[i]), "%s%s: %s", i ? "; " : "",
			 dmabuf_path_name(tried[i]), dmabuf_err_str(&errs[i], msg, sizeof(msg)));
	out->why[0] = '\0';
	append_fair(out->why, sizeof(out->why), texts, n);
}

/* "token, pages, bounce": the paths of @tried[0..@n) whose reason is @errs[@first]'s. */
static void names_of(char *buf, size_t size, const enum dmabuf_path *tried,
		     const struct dmabuf_err *errs, unsigned n, unsigned first)
{
	buf[0] = '\0';
	for (unsigned i = first; i < n; i++) {
		if (same_reason(&errs[i], &errs[first])) {
			if (buf[0])
				append_cut(buf, size, size, ", ");
			append_cut(buf, size, size, dmabuf_path_name(tried[i]));
		}
	}
}

void db_register_failed(const struct dmabuf_mem *m, const enum dmabuf_path *tried,
			const struct dmabuf_err *errs, unsigned n, struct dmabuf_err *e)
{
	const struct dmabuf_err *last = &errs[n - 1];
	char names[64], texts[PATHS_MAX][1024], msg[1024];
	unsigned groups = 0;
	bool same = true;

	for (unsigned i = 0; i < n; i++)
		same = same && same_reason(&errs[i], last);
	if (same) {
		names_of(names, sizeof(names), tried, errs, n, 0);
		db_err_set(e, last->kind, last->err, last->op, "%s (%llu bytes) by every "
			   "buffer path (%s)", m->spec.text, (unsigned long long)m->size, names);
		if (last->detail[0])
			db_err_detail(e, "%s", last->detail);
		return;
	}
	db_err_set(e, last->kind, 0, "register", "%s (%llu bytes)", m->spec.text,
		   (unsigned long long)m->size);
	db_err_detail(e, "no buffer path works for this memory and target");
	/* one text a reason, after the names of every path that gave it */
	for (unsigned i = 0; i < n; i++) {
		struct dmabuf_err why = errs[i];
		bool seen = false;

		for (unsigned j = 0; j < i; j++)
			seen = seen || same_reason(&errs[j], &errs[i]);
		if (seen)
			continue;
		why.obj[0] = '\0';	/* the memory, named once above */
		names_of(names, sizeof(names), tried, errs, n, i);
		snprintf(texts[groups++], sizeof(texts[0]), "; %s: %s", names,
			 dmabuf_err_str(&why, msg, sizeof(msg)));
	}
	append_fair(e->detail, sizeof(e->detail), texts, groups);
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
		tried[n] = order[i];
		why_set(out, tried, errs, ++n);
	}
	if (e)
		db_register_failed(m, tried, errs, n, e);
	return errs[n - 1].err ? errs[n - 1].err : -EOPNOTSUPP;
}

int dmabuf_bounce_sync(struct dmabuf_mem *m, bool to_device, uint64_t off, uint64_t len,
		       struct dmabuf_err *e)
{
	char *mem = m->map, *b = m->bounce;
	int ret;

	if (!b || !mem || off > m->size || len > m->size - off)
		return db_err_set(e, DMABUF_E_USAGE, -EINVAL, "bounce copy", "%s", m->spec.text);
	/* only this range, so that threads on disjoint ranges stay apart */
	ret = db_mem_sync_range_begin(m, !to_device, off, len, e);
	if (ret)
		return ret;
	if (to_device)
		memcpy(b + off, mem + off, len);
	else
		memcpy(mem + off, b + off, len);
	return db_mem_sync_range_end(m, !to_device, off, len, e);
}
