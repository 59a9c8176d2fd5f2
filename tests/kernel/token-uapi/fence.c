// SPDX-License-Identifier: MIT
/* token-uapi: fences: one per mapping, signalled when the DMA is done. */
#include "token-uapi.h"

/* ---- fences: signalled when the DMA is done, one per mapping ---- */

/*
 * A request that waits before it is issued (here behind a POLL_ADD that
 * has not fired) holds no mapping: an invalidation then leaves no fence for
 * an exporter to wait on, and the request takes the mapping of the moment it
 * is issued.  The series before took the mapping at prep and kept it to the
 * request's cleanup: the fence stayed unsignalled for as long as the link
 * waited, and the read used the mapping the invalidation had dropped.
 */
void case_fence_link(void)
{
	const char *dev = env_dev("DMABUF_VM_NS4K");
	int fd = open_dev(dev), p[2];
	struct io_uring ring;
	struct dbuf b;
	long maps;

	if (pipe(p))
		die("pipe");
	if (dbuf_new(&b, "udmabuf", 1 * MiB))
		die("udmabuf");
	ring_new(&ring, 16, 1);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "token registration");
	read_behind_poll(&ring, p[0], fd, 0);
	maps = stat_value("maps");
	trigger_invalidate();
	check(stat_value("fences") == 0, "a read waiting behind a poll holds no mapping: the "
	      "invalidation leaves no unsignalled fence (%ld)", stat_value("fences"));
	if (write(p[1], "x", 1) != 1)
		die("write the pipe");
	check(reap_4k(&ring, 2, 2) == 1, "the poll fires and the read completes with 4 KiB");
	check(stat_value("maps") - maps == 1, "the read mapped the buffer afresh when issued, "
	      "after the invalidation (%ld new mappings)", stat_value("maps") - maps);
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	close(p[0]);
	close(p[1]);
	close(fd);
	check(wait_tokens(0) == 0, "no token left");
}

/*
 * Reads completed by the device but not reaped (DEFER_TASKRUN runs their
 * completions only when the task enters the ring) hold no mapping either.
 */
void case_fence_unreaped(void)
{
	const char *dev = env_dev("DMABUF_VM_NS4K");
	int fd = open_dev(dev);
	struct io_uring ring;
	struct dbuf b;
	long done0;

	if (dbuf_new(&b, "udmabuf", 1 * MiB))
		die("udmabuf");
	defer_ring_new(&ring);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "token registration");
	done0 = reads_finished(dev);
	submit_reads(&ring, fd, 8);
	check(wait_reads_finished(dev, done0, 8), "the device finished the 8 reads (%ld of 8)",
	      reads_finished(dev) - done0);
	trigger_invalidate();
	check(stat_value("fences") == 0, "8 reads done by the device but not reaped hold no "
	      "mapping: no unsignalled fence (%ld)", stat_value("fences"));
	check(reap_4k(&ring, 8, 0) == 8, "then they are reaped, all with their data");
	case_end(&ring, &b, fd);
}

/*
 * Two invalidations, each while the mapping it drops is still in use (the
 * trigger's "hold" keeps it, as DMA in flight would): both fences stay in
 * the reservation object, unsignalled, until their mappings are released.
 * With one fence context per token, the second fence (a later seqno of the
 * same context) replaced the first, and an exporter waiting on the
 * reservation object would have moved memory under the first DMA.
 */
void case_fence_contexts(void)
{
	const char *dev = env_dev("DMABUF_VM_NS4K");
	int fd = open_dev(dev);
	struct io_uring ring;
	struct dbuf b;

	if (dbuf_new(&b, "udmabuf", 1 * MiB))
		die("udmabuf");
	ring_new(&ring, 8, 1);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "token registration");
	check(stat_value("fences") == 0, "no fence before an invalidation (%ld)",
	      stat_value("fences"));
	debugfs_write("hold", "1");
	trigger_invalidate();
	check(stat_value("fences") == 1, "an invalidation of a mapping in use leaves its fence, "
	      "unsignalled (%ld)", stat_value("fences"));
	check_ret(rw_fixed(&ring, false, fd, 0, 0, 4096, 0), 4096, "a read maps afresh");
	debugfs_write("hold", "1");
	trigger_invalidate();
	check(stat_value("fences") == 2, "a second one, the new mapping in use too, leaves 2: "
	      "neither fence replaces the other (%ld)", stat_value("fences"));
	debugfs_write("hold", "0");
	check(stat_value("fences") == 0, "released, both signal (%ld left)", stat_value("fences"));
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	close(fd);
	check(wait_tokens(0) == 0, "no token left");
}
