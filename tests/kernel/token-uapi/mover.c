// SPDX-License-Identifier: MIT
/* token-uapi: an exporter that really moves (dmabuf_mover): moves under I/O, in-use mappings, cancelled waits, late DMA. */
#include "token-uapi.h"

/* ---- an exporter that really moves: dmabuf_mover ---- */

/*
 * The exporter itself, no importer: a move keeps the bytes (the CPU mapping
 * faults in the new pages), retires the old pages and finds them untouched;
 * malformed moves and a buffer pinned by an importer that cannot take
 * move_notify (a vgem PRIME import) are refused.
 */
void case_mover_basics(void)
{
	const size_t size = 1 * MiB;
	struct drm_prime_handle imp = { 0 };
	struct dbuf b, u;
	struct mover_stat st;
	uint8_t *want = aligned(size);
	int card;

	if (dbuf_new(&b, "mover", size))
		die("mover buffer");
	fill(b.cpu, size, 201);
	memcpy(want, b.cpu, size);
	check_ret(mover_move(b.fd, 0, 0, NULL), 0, "an idle buffer moves");
	st = mover_stat(b.fd);
	check(st.moves == 1 && st.retired_pages == size / 4096 && st.late_pages == 0,
	      "one move, its %zu old pages watched, none written since (moves %" PRIu64
	      ", retired %" PRIu64 ", late %" PRIu64 ")", size / 4096, st.moves,
	      st.retired_pages, st.late_pages);
	check(!memcmp(b.cpu, want, size), "the CPU mapping sees the same bytes after the move");
	fill(b.cpu, size, 202);
	memcpy(want, b.cpu, size);
	check_ret(mover_move(b.fd, 0, 0, NULL), 0, "a second move");
	check(!memcmp(b.cpu, want, size) && mover_stat(b.fd).late_pages == 0,
	      "bytes written through the remapped CPU mapping moved with it, and the old "
	      "pages stay untouched");

	check_ret(mover_move(b.fd, 1U << 1, 0, NULL), -EINVAL, "unknown move flag");
	check_ret(mover_move(-1, 0, 0, NULL), -EBADF, "move of a closed fd");
	if (dbuf_new(&u, "udmabuf", size))
		die("udmabuf");
	check_ret(mover_move(u.fd, 0, 0, NULL), -EINVAL, "move of another exporter's dma-buf");
	dbuf_free(&u);

	card = vgem_open();
	if (card < 0)
		die("no vgem card");
	imp.fd = b.fd;
	if (ioctl(card, DRM_IOCTL_PRIME_FD_TO_HANDLE, &imp))
		die("vgem PRIME import of a mover buffer");
	check(mover_stat(b.fd).pins == 1, "a vgem import pins the buffer (it cannot take "
	      "move_notify)");
	check_ret(mover_move(b.fd, 0, 0, NULL), -EBUSY, "a pinned buffer does not move");
	close(card);
	check(mover_stat(b.fd).pins == 0, "the import gone, the pin is gone");
	check_ret(mover_move(b.fd, 0, 0, NULL), 0, "and the buffer moves again");
	check(!memcmp(b.cpu, want, size), "with its bytes");
	dbuf_free(&b);
	free(want);
}

/*
 * Token reads and writes while the exporter really moves the buffer every
 * 2 ms: each move waits for the fences of the mappings still in use, so no
 * byte lands in, or is sent from, pages the exporter gave up.
 */
void case_mover_token(void)
{
	const char *dev = env_dev("DMABUF_VM_NS512");
	const size_t size = 4 * MiB, bs = 64 * 1024;
	uint8_t *want = aligned(size), *back = aligned(size);
	int fd = open_dev(dev), ret = 0;
	struct mover_arg m;
	struct io_uring ring;
	struct mover_stat st;
	struct dbuf b;
	pthread_t th;
	long maps0, tags;
	unsigned rounds;

	if (dbuf_new(&b, "mover", size))
		die("mover buffer");
	ring_new(&ring, 64, 1);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "token registration of a mover buffer");
	fill(want, size, 211);
	pio(true, fd, want, size, 0);
	memset(b.cpu, 0, size);
	maps0 = stat_value("maps");

	struct load l = { .ring = &ring, .fd = fd, .slot = 0, .qd = 32, .bs = 16384,
			  .size = size };
	tags = set_nr_requests(dev, 4);
	mover_start(&th, &m, b.fd, 0);
	rounds = reads_until_remapped(&l, 4000, maps0);
	mover_end(th);
	set_nr_requests(dev, tags);
	st = mover_stat(b.fd);
	check(l.err == 0 && m.failed == 0, "%" PRIu64 " reads of 16 KiB at QD 32 (%u rounds of "
	      "4000), 4 tags, under %lu moves: no read error (%d), no move failed (%lu, last %d)",
	      l.ios, rounds, m.moves, l.err, m.failed, m.err);
	check(m.moves > 0 && !memcmp(b.cpu, want, size),
	      "every byte read is in the buffer where it now lives");
	check(st.late_pages == 0, "no page written after the exporter gave it up "
	      "(%" PRIu64 " late of %" PRIu64 " watched)", st.late_pages, st.retired_pages);
	check(stat_value("maps") - maps0 >= 1, "requests after a move mapped afresh "
	      "(%ld new mappings)", stat_value("maps") - maps0);

	fill(b.cpu, size, 212);
	memcpy(want, b.cpu, size);
	mover_start(&th, &m, b.fd, 0);
	for (size_t off = 0; off < size && ret >= 0; off += bs)
		ret = rw_fixed(&ring, true, fd, 0, off, bs, size + off);
	mover_end(th);
	pio(false, fd, back, size, size);
	check(ret == (int)bs && m.failed == 0 && !memcmp(back, want, size),
	      "64 token writes of 64 KiB under %lu moves send the buffer's bytes (%d)",
	      m.moves, ret);
	check(mover_stat(b.fd).late_pages == 0, "and no late page");
	case_end(&ring, &b, fd);
	free(want);
	free(back);
}

struct waiter {
	int fd, ret;
	struct io_uring *ring;
	struct thread_mark m;
};

/*
 * The longest a move waits for the fences here: only a hang reaches it, as
 * the cases release the mapping that holds the move up as soon as they
 * have seen what they look for.
 */
#define MOVE_WAIT_MS 30000

static void *move_waiter(void *arg)
{
	struct waiter *w = arg;

	mark_running(&w->m);
	w->ret = mover_move(w->fd, 0, MOVE_WAIT_MS, NULL);
	mark_done(&w->m);
	return NULL;
}

static void *unregister_waiter(void *arg)
{
	struct waiter *w = arg;

	mark_running(&w->m);
	w->ret = reg_empty(w->ring, 0);
	mark_done(&w->m);
	return NULL;
}

/*
 * A mapping in use (debugfs "hold", as DMA in flight) keeps the exporter
 * from moving: its bounded wait for the fence ends in -ETIME and the buffer
 * stays where it is; released, the move goes through.  Unregistration
 * waits for a move in progress (it needs the reservation lock to unmap), and
 * the move waits only for the DMA, never for the ring.
 */
void case_mover_in_use(void)
{
	const char *dev = env_dev("DMABUF_VM_NS4K");
	const size_t size = 1 * MiB;
	uint8_t *disk = aligned(size);
	int fd = open_dev(dev), ret;
	struct io_uring ring;
	struct dbuf b;
	uint64_t wait_ns = 0;

	case_begin(&ring, 8, &b, "mover", fd, disk, size, 221);
	debugfs_write("hold", "1");
	ret = mover_move(b.fd, 0, 300, &wait_ns);
	check(ret == -ETIME && mover_stat(b.fd).moves == 0,
	      "with the mapping in use the move waits for its fence, gives up after 300 ms "
	      "(%d after %" PRIu64 " ms) and does not move", ret, wait_ns / 1000000);
	debugfs_write("hold", "0");
	check_ret(mover_move(b.fd, 0, 0, NULL), 0, "released, the buffer moves");
	memset(b.cpu, 0, size);
	ret = rw_fixed(&ring, false, fd, 0, 0, size, 0);
	check(ret == (int)size && !memcmp(b.cpu, disk, size),
	      "a read after the move lands in the new pages (%d)", ret);
	check(mover_stat(b.fd).late_pages == 0, "no late page");

	/* unregistration (under the ring's lock) while the exporter waits */
	struct waiter w = { .fd = b.fd }, u = { .ring = &ring };
	pthread_t th, tu;

	debugfs_write("hold", "1");
	pthread_create(&th, NULL, move_waiter, &w);
	/* the move waits for the fence, holding the lock (whatever the order, both must go through) */
	(void)wait_asleep_in(&w.m, SYS_ioctl);
	pthread_create(&tu, NULL, unregister_waiter, &u);
	(void)wait_asleep_in(&u.m, __NR_io_uring_register);	/* and waits for the move */
	debugfs_write("hold", "0");
	pthread_join(th, NULL);
	pthread_join(tu, NULL);
	check(w.ret == 0 && u.ret == 0, "a move waiting on a fence, and an unregistration "
	      "waiting on the move: the last use ends, both go through (move %d, "
	      "unregistration %d)", w.ret, u.ret);
	case_end(&ring, &b, fd);
	free(disk);
}

/*
 * A read that must map afresh waits for the reservation lock, which a
 * TTM-style exporter holds for as long as its fence wait lasts (up to its
 * timeout, MOVE_WAIT_MS here, 15 s in TTM).  The wait is interruptible:
 * cancelling the read (IORING_OP_ASYNC_CANCEL signals the io-wq worker that
 * waits) ends it while the move still waits, rather than when the move ends.
 */
void case_map_cancel(void)
{
	const char *dev = env_dev("DMABUF_VM_NS4K");
	const size_t size = 1 * MiB;
	uint8_t *disk = aligned(size);
	int fd = open_dev(dev), ret, res = 0;
	struct waiter w = { .ret = -1 };
	/* past the move's own bound: a read the cancel missed ends with the move */
	struct __kernel_timespec ts = { .tv_sec = 2 * MOVE_WAIT_MS / 1000 };
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	struct dbuf b;
	uint64_t t0, ms = 0;
	bool done = false, moving = false;
	pthread_t th;

	case_begin(&ring, 8, &b, "mover", fd, disk, size, 233);

	/* the mapping in use: the move drops it, then waits under the lock */
	debugfs_write("hold", "1");
	w.fd = b.fd;
	pthread_create(&th, NULL, move_waiter, &w);
	check(wait_asleep_in(&w.m, SYS_ioctl), "the move waits for the fence of the mapping in "
	      "use, holding the lock");
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read_fixed(sqe, fd, NULL, 4096, 0, 0);
	sqe->user_data = 1;
	io_uring_submit(&ring);
	/*
	 * Punted to io-wq, waiting for the lock; or still queued there on a
	 * busy machine: the cancel ends the read either way.
	 */
	usleep(300000);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_cancel64(sqe, 1, 0);
	sqe->user_data = 2;
	t0 = now_ns();
	io_uring_submit(&ring);
	while (!done) {
		ret = io_uring_wait_cqe_timeout(&ring, &cqe, &ts);
		if (ret)
			break;
		if (cqe->user_data == 1) {
			res = cqe->res;
			ms = (now_ns() - t0) / 1000000;
			moving = !is_done(&w.m);
			done = true;
		}
		io_uring_cqe_seen(&ring, cqe);
	}
	/* not how soon (the machine's speed), but before the move ended */
	check(done && (res == -EINTR || res == -ECANCELED) && moving,
	      "a read waiting to map while the exporter holds the lock is cancelled while the "
	      "move still waits (%s: %d after %" PRIu64 " ms, the move %s)",
	      done ? "ended" : "still waiting", res, ms, moving ? "still waiting" : "over");
	debugfs_write("hold", "0");
	pthread_join(th, NULL);
	check_ret(w.ret, 0, "released, the move goes through");
	if (!done)	/* reap the read the cancel did not end */
		reap_4k(&ring, 1, 0);
	memset(b.cpu, 0, size);
	ret = rw_fixed(&ring, false, fd, 0, 0, size, 0);
	check(ret == (int)size && !memcmp(b.cpu, disk, size),
	      "a read after the move lands in the new pages (%d)", ret);
	case_end(&ring, &b, fd);
	free(disk);
}

struct reg_waiter {
	struct io_uring ring;
	int dmabuf_fd, target_fd, ret;
	struct thread_mark m;
};

static void *register_waiter(void *arg)
{
	struct reg_waiter *r = arg;

	mark_running(&r->m);
	r->ret = reg_dmabuf(&r->ring, 0, r->dmabuf_fd, r->target_fd);
	mark_done(&r->m);
	return NULL;
}

/*
 * Registration does not hold a global lock while it waits: one that must
 * map a buffer whose exporter holds the reservation lock for its fence
 * wait (a move of a mover buffer with its mapping in use, MOVE_WAIT_MS bound),
 * here for the second controller, leaves every other registration alone.
 * Before, the token core held its share lock across the wait, and a
 * udmabuf registration for the first controller waited for the move.
 */
void case_register_stall(void)
{
	const char *dev4k = env_dev("DMABUF_VM_NS4K"), *dev512 = env_dev("DMABUF_VM_NS512");
	const size_t size = 1 * MiB;
	uint8_t *disk = aligned(size);
	int fd = open_dev(dev4k), fd512 = open_dev(dev512), ret;
	struct waiter w = { .ret = -1 };
	struct reg_waiter r = { .ret = -1 };
	struct io_uring ring, other;
	struct dbuf b, u;
	pthread_t tm, tr;
	uint64_t t0, ms;
	bool moving;

	case_begin(&ring, 8, &b, "mover", fd, disk, size, 229);
	if (dbuf_new(&u, "udmabuf", size))
		die("udmabuf");
	debugfs_write("hold", "1");
	w.fd = b.fd;
	pthread_create(&tm, NULL, move_waiter, &w);
	check(wait_asleep_in(&w.m, SYS_ioctl), "the move waits for the fence of the mapping in "
	      "use, holding the lock");
	ring_new(&r.ring, 8, 1);
	r.dmabuf_fd = b.fd;
	r.target_fd = fd512;
	pthread_create(&tr, NULL, register_waiter, &r);
	/* that registration waits for the lock (or, if it does not wait, is done) */
	(void)wait_asleep_in(&r.m, __NR_io_uring_register);
	ring_new(&other, 8, 1);
	t0 = now_ns();
	ret = reg_dmabuf(&other, 0, u.fd, fd);
	ms = (now_ns() - t0) / 1000000;
	moving = !is_done(&w.m);
	/* not how soon (the machine's speed), but before the move ended */
	check(ret == 0 && moving, "meanwhile a udmabuf registers while the move still waits "
	      "(%d after %" PRIu64 " ms, the move %s)", ret, ms,
	      moving ? "still waiting" : "over");
	debugfs_write("hold", "0");
	pthread_join(tm, NULL);
	pthread_join(tr, NULL);
	check(w.ret == 0 && r.ret == 0, "released, the move and the waiting registration go "
	      "through (move %d, registration %d)", w.ret, r.ret);
	check_ret(rw_fixed(&r.ring, false, fd512, 0, 0, 4096, 0), 4096,
		  "the buffer reads through the second controller's token");
	io_uring_queue_exit(&r.ring);
	io_uring_queue_exit(&other);
	dbuf_free(&u);
	close(fd512);
	case_end(&ring, &b, fd);
	free(disk);
}

/*
 * The exporter stall of a fence tied to request cleanup: a TTM-style move
 * (bounded wait on the reservation object's fences) of a buffer with a read
 * linked behind a poll that has not fired, and with reads done but not
 * reaped on a DEFER_TASKRUN ring.  Neither holds a mapping, so the move
 * does not wait for them.  (A 2 s bound: past it the move fails -ETIME.)
 */
void case_mover_stall(void)
{
	const char *dev = env_dev("DMABUF_VM_NS4K");
	const size_t size = 1 * MiB;
	uint8_t *disk = aligned(size);
	int fd = open_dev(dev), p[2];
	struct io_uring ring;
	struct dbuf b;
	long done0;

	if (pipe(p))
		die("pipe");
	case_begin(&ring, 16, &b, "mover", fd, disk, size, 231);
	memset(b.cpu, 0, size);
	read_behind_poll(&ring, p[0], fd, 0);
	check_ret(mover_move(b.fd, 0, 2000, NULL), 0,
		  "a read waiting behind a poll does not hold up a move");
	if (write(p[1], "x", 1) != 1)
		die("write the pipe");
	check(reap_4k(&ring, 2, 2) == 1 && !memcmp(b.cpu, disk, 4096),
	      "the poll fires; the read lands in the moved buffer");
	io_uring_queue_exit(&ring);
	close(p[0]);
	close(p[1]);

	defer_ring_new(&ring);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "token registration, DEFER_TASKRUN ring");
	memset(b.cpu, 0, size);
	done0 = reads_finished(dev);
	submit_reads(&ring, fd, 8);
	check(wait_reads_finished(dev, done0, 8), "the device finished the 8 reads (%ld of 8)",
	      reads_finished(dev) - done0);
	check_ret(mover_move(b.fd, 0, 2000, NULL), 0,
		  "8 reads done but not reaped do not hold up a move");
	check(reap_4k(&ring, 8, 0) == 8 && !memcmp(b.cpu, disk, 8 * 4096),
	      "reaped, all 8 moved with the buffer");
	check(mover_stat(b.fd).late_pages == 0, "no late page");
	case_end(&ring, &b, fd);
	free(disk);
}

/*
 * The check that makes the others mean something: an exporter that moves
 * without waiting for the fences (DMABUF_MOVER_MOVE_NO_WAIT) while reads
 * are in flight gets DMA into pages it gave up, and the exporter sees it.
 */
void case_mover_late(void)
{
	const char *dev = env_dev("DMABUF_VM_NS512");
	const size_t size = 4 * MiB;
	int fd = open_dev(dev);
	struct mover_arg m;
	struct io_uring ring;
	struct mover_stat st = { 0 };
	struct dbuf b;
	pthread_t th;
	unsigned rounds;
	long tags;

	if (dbuf_new(&b, "mover", size))
		die("mover buffer");
	ring_new(&ring, 64, 1);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "token registration");

	struct load l = { .ring = &ring, .fd = fd, .slot = 0, .qd = 32, .bs = 16384,
			  .size = size };
	tags = set_nr_requests(dev, 4);
	mover_start(&th, &m, b.fd, MOVER_MOVE_NO_WAIT);
	for (rounds = 0; rounds < 20 && !st.late_pages; rounds++) {
		load_reads(&l, 1000);
		st = mover_stat(b.fd);
	}
	mover_end(th);
	set_nr_requests(dev, tags);
	st = mover_stat(b.fd);
	check(st.late_pages > 0, "moves that do not wait for the fences, under reads at QD 32 "
	      "with 4 tags: the exporter finds %" PRIu64 " pages written after it gave them up "
	      "(%lu moves, %u rounds of 1000 reads)", st.late_pages, m.moves, rounds);
	case_end(&ring, &b, fd);
}
