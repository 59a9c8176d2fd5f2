// SPDX-License-Identifier: MIT
/* token-uapi: NVMe passthrough (uring_cmd) from a token. */
#include "token-uapi.h"

/* ---- NVMe passthrough (uring_cmd) from a token ---- */

/*
 * One namespace, one @kind dma-buf registered for its char device: NVMe
 * Reads and Writes through the token at offsets across the buffer (0
 * included, and one only dword aligned), every byte checked against the
 * block device (pages path), no mapping made after registration; with the
 * namespace's metadata, if it has any, in user memory beside the token's
 * data.  The metadata buffers are fresh (never written by the process), as
 * a program's often are.
 */
static void pt_io_ns(const char *kind, const char *devvar)
{
	const size_t size = 2 * MiB, chunk = 128 * 1024;
	uint8_t *disk = aligned(size), *back = aligned(size);
	struct io_uring ring;
	struct pt_ns n;
	struct dbuf b;
	long maps0;
	int bad = 0, ret;

	pt_ns_open(&n, devvar);
	const size_t meta_size = size / n.lbs * n.ms, meta_chunk = chunk / n.lbs * n.ms;
	uint8_t *meta = aligned(meta_size + 1), *meta_back = aligned(meta_size + 1);
	uint8_t *meta_scratch = aligned(meta_chunk + 1);

	if (dbuf_new(&b, kind, size))
		die("%s", kind);
	pt_ring_new(&ring, 8, 1);
	ret = reg_dmabuf(&ring, 0, b.fd, n.ngfd);
	if (!check_ret(ret, 0, "token registration for the char device"))
		goto out;
	maps0 = stat_value("maps");

	fill(disk, size, 301);
	pio(true, n.fd, disk, size, 0);
	memset(b.cpu, 0, size);
	for (size_t off = 0; off < size; off += chunk) {
		struct pt_cmd c = pt_cmd_of(&n, false, off, chunk, off / n.lbs, meta_scratch);

		bad += pt_io(&ring, &c) != 0;
	}
	check(!bad && !memcmp(b.cpu, disk, size), "%s, %s (%u B LBAs): %zu NVMe Reads of "
	      "128 KiB through the token, from buffer offset 0 on, land in the buffer (%d "
	      "failed)", kind, n.ng, n.lbs, size / chunk, bad);
	{
		struct pt_cmd c = pt_cmd_of(&n, false, 4, n.lbs, 7, meta_scratch);

		memset(b.cpu, 0, 2 * n.lbs);
		ret = pt_io(&ring, &c);
		check(ret == 0 && !memcmp(b.cpu + 4, disk + 7 * n.lbs, n.lbs) &&
		      !b.cpu[0] && !b.cpu[n.lbs + 4], "%s: an NVMe Read at buffer offset 4 "
		      "(dword aligned) fills those bytes and no others (%d)", kind, ret);
	}

	fill(b.cpu, size, 302);
	fill(meta, meta_size, 303);
	bad = 0;
	for (size_t off = 0; off < size; off += chunk) {
		struct pt_cmd c = pt_cmd_of(&n, true, off, chunk, (size + off) / n.lbs,
					    meta + off / chunk * meta_chunk);

		bad += pt_io(&ring, &c) != 0;
	}
	pio(false, n.fd, back, size, size);
	check(!bad && !memcmp(back, b.cpu, size), "%s: NVMe Writes of 128 KiB through the "
	      "token%s send the buffer's bytes (%d failed)", kind,
	      n.ms ? ", with metadata from user memory," : "", bad);
	if (n.ms) {
		/* read back: data into the token, metadata into fresh user memory */
		memset(b.cpu, 0, size);
		bad = 0;
		for (size_t off = 0; off < size; off += chunk) {
			struct pt_cmd c = pt_cmd_of(&n, false, off, chunk, (size + off) / n.lbs,
						    meta_back + off / chunk * meta_chunk);

			bad += pt_io(&ring, &c) != 0;
		}
		check(!bad && !memcmp(b.cpu, back, size) && !memcmp(meta, meta_back, meta_size),
		      "%s: NVMe Reads through the token bring back the data, and the "
		      "%u-byte metadata of each LBA into user memory (%d failed; %zu data "
		      "blocks, %zu of %zu metadata blocks differ)", kind, n.ms, bad,
		      blocks_differ(b.cpu, back, size, n.lbs),
		      blocks_differ(meta, meta_back, meta_size, n.ms), meta_size / n.ms);
	}
	check(stat_value("maps") == maps0, "%s: no mapping made for any of the commands "
	      "(%ld new): the one made at registration serves them", kind,
	      stat_value("maps") - maps0);
	check_ret(reg_empty(&ring, 0), 0, "unregistration");
out:
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	pt_ns_close(&n);
	free(disk);
	free(back);
	free(meta);
	free(meta_back);
	free(meta_scratch);
	check(wait_tokens(0) == 0, "no token left");
}

/* @len bytes of fresh anonymous memory: never written, so not yet backed. */
static uint8_t *fresh_pages(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap %zu bytes", len);
	return p;
}

/*
 * A passthrough read's metadata into memory the process has not written:
 * the kernel must pin it for writing, or it pins the shared zero page and
 * the controller writes the metadata there, for every process (the pages
 * path, with user memory: not a token case; kernel-patches/0002).
 */
void case_passthru_meta_fresh(void)
{
	const size_t len = 512 * 1024;
	struct io_uring ring;
	struct pt_ns n;

	pt_ns_open(&n, "DMABUF_VM_NS4K_MD");
	const size_t meta_len = len / n.lbs * n.ms;
	uint8_t *data = aligned(len), *meta = aligned(meta_len);
	uint8_t *fresh = fresh_pages(meta_len), *zeros = calloc(1, meta_len);
	struct pt_cmd w = pt_cmd_of(&n, true, (uintptr_t)data, len, 4096, meta);
	struct pt_cmd r = pt_cmd_of(&n, false, (uintptr_t)data, len, 4096, fresh);
	int rw, rr;

	if (!zeros)
		die("calloc");
	pt_ring_new(&ring, 8, 1);
	w.slot = r.slot = -1;	/* user addresses, not a fixed buffer */
	fill(data, len, 321);
	fill(meta, meta_len, 322);
	rw = pt_io(&ring, &w);
	rr = pt_io(&ring, &r);
	check(rw == 0 && rr == 0 && !memcmp(fresh, meta, meta_len), "an NVMe Read's %zu bytes "
	      "of metadata land in user memory never written before (%d, %d; %zu of %zu "
	      "blocks differ)", meta_len, rw, rr, blocks_differ(fresh, meta, meta_len, n.ms),
	      meta_len / n.ms);
	munmap(fresh, meta_len);
	fresh = fresh_pages(meta_len);
	check(!memcmp(fresh, zeros, meta_len), "and fresh memory still reads as zeros "
	      "(the shared zero page was not written)");
	munmap(fresh, meta_len);
	io_uring_queue_exit(&ring);
	pt_ns_close(&n);
	free(data);
	free(meta);
	free(zeros);
}

static void case_passthru(const char *kind)
{
	pt_io_ns(kind, "DMABUF_VM_NS512");
	pt_io_ns(kind, "DMABUF_VM_NS4K");
	pt_io_ns(kind, "DMABUF_VM_NS4K_MD");
}

/*
 * What passthrough from a token refuses, as READ_FIXED does: another file,
 * a range outside the dma-buf, a misaligned offset or length; and what it
 * cannot do that the block path can: split a command larger than one
 * request.
 */
void case_passthru_errors(void)
{
	const size_t size = 4 * MiB;
	struct io_uring ring;
	struct pt_ns n, o;
	struct dbuf b;
	int other;

	pt_ns_open(&n, "DMABUF_VM_NS4K");
	pt_ns_open(&o, "DMABUF_VM_NS512");
	if (dbuf_new(&b, "udmabuf", size))
		die("udmabuf");
	pt_ring_new(&ring, 8, 2);
	check_ret(reg_dmabuf(&ring, 0, b.fd, n.ngfd), 0, "token registration for the char device");
	other = open(n.ng, O_RDWR | O_CLOEXEC);
	if (other < 0)
		die("open %s", n.ng);

	struct pt_cmd c = { .ngfd = n.ngfd, .slot = 0, .nsid = n.nsid, .lbs = n.lbs,
			    .len = n.lbs };
#define PT(field, val, want, what) do {				\
		struct pt_cmd x = c;					\
		x.field = (val);					\
		check_ret(pt_io(&ring, &x), want, what);		\
	} while (0)
	PT(lba, 0, 0, "an NVMe Read of one LBA into buffer offset 0");
	PT(ngfd, other, -EBADF, "the same command on another open of the char device");
	PT(ngfd, o.ngfd, -EBADF, "on another namespace's char device");
	PT(addr, size - n.lbs / 2, -EFAULT, "data past the end of the dma-buf");
	PT(addr, 2, -EINVAL, "a dma-buf offset that is not dword aligned");
	PT(len, n.lbs + 512, -EINVAL, "a length that is not a whole number of LBAs");
	PT(len, n.max_bytes + n.lbs, -EINVAL, "more than one command can carry "
	   "(max_hw_sectors_kb): nothing splits a passthrough command");
	PT(len, n.max_bytes, 0, "exactly max_hw_sectors_kb");
	PT(slot, 1, -EFAULT, "an empty slot");
#undef PT
	check_ret(reg_dmabuf(&ring, 1, b.fd, n.fd), 0, "the same dma-buf registered for the "
		  "namespace's block device");
	check(stat_value("tokens") == 1, "shares the char device's token (%ld live)",
	      stat_value("tokens"));
	check_ret(rw_fixed(&ring, false, n.fd, 1, 0, n.lbs, 0), (int)n.lbs,
		  "and READ_FIXED works through it");
	check_ret(reg_empty(&ring, 1), 0, "the block device's slot emptied");
	check_ret(reg_empty(&ring, 0), 0, "unregistration");
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	close(other);
	pt_ns_close(&n);
	pt_ns_close(&o);
	check(wait_tokens(0) == 0, "no token left");
}

/*
 * A passthrough command that finds no mapping when issued inline gets
 * -EAGAIN and is reissued from io-wq.  io_uring copies its SQE at that
 * moment, and the reissue must read the copy: once io_uring_submit() has
 * returned, the application owns the SQ slot again and may fill it.  6.12
 * kept reading the slot (kernel-patches/0003).  Each round invalidates the
 * token, submits an NVMe Write of a fresh pattern to LBA X from a one-entry
 * SQ ring, and at once fills the same slot with a Write of other bytes to
 * LBA Y, which it never submits (it becomes a NOP afterwards).  X must hold
 * each round's pattern, Y never be written.
 */
void case_passthru_reissue(void)
{
	const unsigned rounds = 300, len = 4096;
	uint8_t *back = aligned(len), *zero = aligned(len);
	unsigned lost = 0, decoys = 0;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	struct pt_ns n;
	struct dbuf b;
	long maps0;

	pt_ns_open(&n, "DMABUF_VM_NS512");
	struct pt_cmd c = pt_cmd_of(&n, true, 0, len, 4 * MiB / n.lbs, NULL);
	struct pt_cmd decoy = pt_cmd_of(&n, true, len, len, c.lba + 64, NULL);

	memset(zero, 0, len);
	pio(true, n.fd, zero, len, decoy.lba * n.lbs);
	if (dbuf_new(&b, "udmabuf", 1 * MiB))
		die("udmabuf");
	pt_ring_new(&ring, 1, 1);
	check_ret(reg_dmabuf(&ring, 0, b.fd, n.ngfd), 0, "token registration");
	fill(b.cpu + len, len, 7);
	maps0 = stat_value("maps");
	for (unsigned r = 0; r < rounds; r++) {
		fill(b.cpu, len, 1000 + r);
		trigger_invalidate();	/* the inline issue finds no mapping */
		pt_prep(io_uring_get_sqe(&ring), &c);
		if (io_uring_submit(&ring) != 1)
			die("submit");
		sqe = io_uring_get_sqe(&ring);	/* the same slot, ours again */
		if (!sqe)
			die("the one-entry SQ ring has no free slot after submit");
		pt_prep(sqe, &decoy);
		if (io_uring_wait_cqe(&ring, &cqe))
			die("wait cqe");
		if (cqe->res)
			die("NVMe Write through the token: %d", cqe->res);
		io_uring_cqe_seen(&ring, cqe);
		io_uring_prep_nop(sqe);		/* the decoy never runs */
		if (submit_one(&ring))
			die("NOP");
		pio(false, n.fd, back, len, c.lba * n.lbs);
		lost += !!memcmp(back, b.cpu, len);
		pio(false, n.fd, back, len, decoy.lba * n.lbs);
		if (memcmp(back, zero, len)) {
			decoys++;
			pio(true, n.fd, zero, len, decoy.lba * n.lbs);
		}
	}
	check(stat_value("maps") - maps0 >= rounds, "every round mapped afresh after its "
	      "invalidation (%ld mappings for %u rounds)", stat_value("maps") - maps0, rounds);
	check(lost == 0 && decoys == 0, "%u writes reissued after -EAGAIN: each wrote its own "
	      "LBA (%u lost), none ran the command the application put in the slot after "
	      "submitting (%u ran)", rounds, lost, decoys);
	case_end(&ring, &b, n.fd);
	close(n.ngfd);
	free(back);
	free(zero);
}

/*
 * NVMe Reads at QD 32 through a token while it is invalidated every 2 ms
 * (debugfs trigger: nothing moves) and while the moving exporter really
 * moves the buffer: every byte lands where the buffer now lives, and no
 * page the exporter gave up is written.
 */
void case_passthru_invalidate(void)
{
	const size_t size = 4 * MiB;
	uint8_t *want = aligned(size);
	unsigned long triggers = 0;
	struct io_uring ring;
	struct mover_arg m;
	struct pt_ns n;
	struct dbuf b;
	pthread_t th;
	long maps0;

	pt_ns_open(&n, "DMABUF_VM_NS512");
	fill(want, size, 311);
	pio(true, n.fd, want, size, 0);
	for (int pass = 0; pass < 2; pass++) {
		const char *kind = pass ? "mover" : "udmabuf";

		if (dbuf_new(&b, kind, size))
			die("%s", kind);
		pt_ring_new(&ring, 64, 1);
		check_ret(reg_dmabuf(&ring, 0, b.fd, n.ngfd), 0, "token registration");
		memset(b.cpu, 0, size);
		maps0 = stat_value("maps");

		struct load l = { .ring = &ring, .fd = n.ngfd, .slot = 0, .qd = 32,
				  .bs = 16384, .size = size, .passthru = true,
				  .nsid = n.nsid, .lbs = n.lbs };
		if (pass) {
			mover_start(&th, &m, b.fd, 0);
		} else {
			trigger_stop = false;
			pthread_create(&th, NULL, trigger_thread, &triggers);
		}
		reads_until_remapped(&l, 4000, maps0);
		if (pass) {
			mover_end(th);
		} else {
			trigger_stop = true;
			pthread_join(th, NULL);
		}
		check(l.err == 0, "%s: %" PRIu64 " NVMe Reads of 16 KiB at QD 32 under %lu %s: "
		      "none failed (%d)", kind, l.ios, pass ? m.moves : triggers,
		      pass ? "moves" : "invalidations", l.err);
		check(!memcmp(want, b.cpu, size), "%s: every byte read is in the buffer", kind);
		check(stat_value("maps") - maps0 >= 1, "%s: commands after an invalidation "
		      "mapped afresh (%ld new mappings)", kind, stat_value("maps") - maps0);
		if (pass)
			check(m.failed == 0 && mover_stat(b.fd).late_pages == 0,
			      "mover: no move failed (%lu), no page written after the "
			      "exporter gave it up", m.failed);
		io_uring_queue_exit(&ring);
		dbuf_free(&b);
		check(wait_tokens(0) == 0, "no token left");
	}
	pt_ns_close(&n);
	free(want);
}

void pt_udmabuf(void) { case_passthru("udmabuf"); }
void pt_heap(void) { case_passthru("heap"); }
void pt_vgem(void) { case_passthru("vgem"); }
