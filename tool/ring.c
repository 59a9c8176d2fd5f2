// SPDX-License-Identifier: MIT
/*
 * The tool's io_uring set-up: see tool/ring.h.  Buffers go into
 * the table with libdmabuf's dmabuf_register() (lib/buffer.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ring.h"
#include "util.h"

#define RING_OBJ	"io_uring"
#define DISABLED_PATH	"/proc/sys/kernel/io_uring_disabled"

/* Kernel limits (io_uring/rsrc.h, io_uring.c): checked first for a clear message. */
#define MAX_REG_BUFFERS	(1U << 14)	/* slots per table, else -EINVAL */
#define MAX_ENTRIES	32768U		/* SQ entries, else -EINVAL */

/* --- ring set-up --------------------------------------------------------- */

/*
 * Flags the ring can do without: COOP_TASKRUN saves an IPI per completion
 * (5.19+), SINGLE_ISSUER + DEFER_TASKRUN run completions in the issuer's
 * own io_uring_enter() (6.1+).  Older kernels reject them: try with, then
 * without.  IOPOLL, SQPOLL and the big SQEs are what the caller asked for.
 */
static int ring_queue_init(struct db_ring *r, unsigned depth, const struct db_ring_opts *o)
{
	unsigned want = 0, optional = IORING_SETUP_COOP_TASKRUN;
	struct io_uring_params p;
	int ret;

	if (o->big)
		want |= IORING_SETUP_SQE128 | IORING_SETUP_CQE32;
	if (o->iopoll)
		want |= IORING_SETUP_IOPOLL;
	if (o->sqpoll) {
		want |= IORING_SETUP_SQPOLL;
		optional = 0;	/* the SQ thread runs task work itself */
	} else if (o->single_issuer) {
		optional |= IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	}
	for (;;) {
		memset(&p, 0, sizeof(p));
		p.flags = want | optional;
		if (o->sqpoll)
			p.sq_thread_idle = 1000;	/* ms before the thread sleeps */
		ret = io_uring_queue_init_params(depth, &r->ring, &p);
		if (ret != -EINVAL || !optional)
			break;
		/* drop the newest optional flags first */
		optional = optional & IORING_SETUP_SINGLE_ISSUER ? IORING_SETUP_COOP_TASKRUN : 0;
	}
	if (!ret)
		r->setup_flags = p.flags;
	return ret;
}

/* Say why io_uring_setup() was refused when the sysctl is the reason. */
static void detail_io_uring_disabled(struct dmabuf_err *e)
{
	char val[16];

	if (!db_read_line(DISABLED_PATH, val, sizeof(val)) && strcmp(val, "0"))
		db_err_detail(e, "io_uring is disabled for this process: %s is %s",
			      DISABLED_PATH, val);
	else
		db_err_detail(e, "io_uring_setup() was refused; see %s and seccomp policy",
			      DISABLED_PATH);
}

static int ring_init_err(int ret, unsigned depth, const struct db_ring_opts *o,
			 struct dmabuf_err *e)
{
	bool big = o->big;

	switch (-ret) {
	case ENOSYS:
		db_err_set(e, DMABUF_E_UNSUPPORTED, ret, "io_uring_setup", RING_OBJ);
		db_err_detail(e, "this kernel was built without io_uring (CONFIG_IO_URING)");
		break;
	case EPERM:
		db_err_set(e, DMABUF_E_UNSUPPORTED, ret, "io_uring_setup", RING_OBJ);
		detail_io_uring_disabled(e);
		break;
	case EINVAL:
		db_err_set(e, big || o->iopoll || o->sqpoll ? DMABUF_E_UNSUPPORTED : DMABUF_E_USAGE, ret,
			   "io_uring_setup",
			   RING_OBJ " of %u entries", depth);
		if (o->iopoll || o->sqpoll)
			db_err_detail(e, "the kernel refused an %s ring",
				      o->iopoll ? "IORING_SETUP_IOPOLL" : "IORING_SETUP_SQPOLL");
		else if (big)
			db_err_detail(e, "the kernel refused an SQE128/CQE32 ring (needs Linux 5.19+)");
		break;
	default:
		db_err_set(e, db_err_kind_of(ret), ret, "io_uring_setup",
			   RING_OBJ " of %u entries", depth);
		break;
	}
	return ret;
}

static int ring_table_err(int ret, unsigned nr_slots, struct dmabuf_err *e)
{
	switch (-ret) {
	case EINVAL:
		db_err_set(e, DMABUF_E_UNSUPPORTED, ret, "IORING_REGISTER_BUFFERS2",
			   RING_OBJ " sparse buffer table of %u slots", nr_slots);
		db_err_detail(e, "the kernel refused a sparse fixed-buffer table (needs Linux 5.19+)");
		break;
	default:
		db_err_set(e, db_err_kind_of(ret), ret, "IORING_REGISTER_BUFFERS2",
			   RING_OBJ " sparse buffer table of %u slots", nr_slots);
		break;
	}
	return ret;
}

int db_ring_init(struct db_ring *r, unsigned depth, bool big, unsigned nr_slots,
		 struct dmabuf_err *e)
{
	struct db_ring_opts o = { .big = big, .fixed_file = -1 };

	return db_ring_init_opts(r, depth, nr_slots, &o, e);
}

static int ring_extras(struct db_ring *r, const struct db_ring_opts *o, struct dmabuf_err *e)
{
	int ret;

	if (o->fixed_file >= 0) {
		ret = io_uring_register_files(&r->ring, &o->fixed_file, 1);
		if (ret < 0)
			return db_err_set(e, db_err_kind_of(ret), ret, "IORING_REGISTER_FILES",
					  RING_OBJ " file table");
		r->fixed_file = true;
	}
	/* Best effort: the ring works the same without (before 5.18). */
	if (o->reg_ring_fd && io_uring_register_ring_fd(&r->ring) == 1)
		r->reg_ring_fd = true;
	return 0;
}

int db_ring_init_opts(struct db_ring *r, unsigned depth, unsigned nr_slots,
		      const struct db_ring_opts *o, struct dmabuf_err *e)
{
	bool big = o->big;
	int ret;

	memset(r, 0, sizeof(*r));
	if (!depth || depth > MAX_ENTRIES) {
		db_err_set(e, DMABUF_E_USAGE, -EINVAL, "io_uring_setup", RING_OBJ " of %u entries",
			   depth);
		db_err_detail(e, "a ring has 1..%u entries", MAX_ENTRIES);
		return -EINVAL;
	}
	if (nr_slots > MAX_REG_BUFFERS) {
		db_err_set(e, DMABUF_E_USAGE, -EINVAL, "IORING_REGISTER_BUFFERS2",
			   RING_OBJ " sparse buffer table of %u slots", nr_slots);
		db_err_detail(e, "the kernel allows at most %u fixed buffers per ring",
			      MAX_REG_BUFFERS);
		return -EINVAL;
	}
	ret = ring_queue_init(r, depth, o);
	if (ret < 0)
		return ring_init_err(ret, depth, o, e);
	if (nr_slots) {
		ret = io_uring_register_buffers_sparse(&r->ring, nr_slots);
		if (ret < 0) {
			io_uring_queue_exit(&r->ring);
			return ring_table_err(ret, nr_slots, e);
		}
	}
	ret = ring_extras(r, o, e);
	if (ret) {
		io_uring_queue_exit(&r->ring);
		return ret;
	}
	r->depth = r->ring.sq.ring_entries;
	r->big = big;
	r->nr_slots = nr_slots;
	r->live = true;
	return 0;
}

void db_ring_exit(struct db_ring *r)
{
	if (!r->live)
		return;
	io_uring_queue_exit(&r->ring);
	r->live = false;
}

