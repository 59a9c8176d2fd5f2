// SPDX-License-Identifier: MIT
/*
 * The tool's ring set-up (tool/ring.c) and user memory as a fixed buffer
 * (lib/token.c's db_fixed_register_uaddr, dmabuf_unregister), on the host's
 * own io_uring.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "fixture.h"
#include "token.h"

static void test_register_uaddr_errors(void **state)
{
	struct fx *f = *state;
	struct dmabuf_err e = { 0 };
	long pg = sysconf(_SC_PAGESIZE);
	void *hole;

	assert_int_equal(db_fixed_register_uaddr(&f->r.ring, 4, f->rbuf, 4096, &e), -EINVAL);
	assert_int_equal(e.kind, DMABUF_E_USAGE);
	assert_int_equal(db_fixed_register_uaddr(&f->r.ring, SLOT_SPARE, f->rbuf, 0, &e), -EINVAL);
	assert_int_equal(db_fixed_register_uaddr(&f->r.ring, SLOT_SPARE, f->rbuf, (1ULL << 30) + 4096,
						&e), -EINVAL);

	/* an address range with nothing mapped cannot be pinned */
	hole = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(hole != MAP_FAILED);
	munmap(hole, 4 * pg);
	assert_int_equal(db_fixed_register_uaddr(&f->r.ring, SLOT_SPARE, hole, 4 * pg, &e), -EFAULT);
	assert_string_equal(e.op, "IORING_REGISTER_BUFFERS_UPDATE");
	assert_non_null(strstr(e.detail, "could not pin"));

	assert_int_equal(dmabuf_unregister(&f->r.ring, 9, &e), -EINVAL);
	assert_int_equal(dmabuf_unregister(&f->r.ring, SLOT_SPARE, &e), 0);
}

static void test_ring_init_big_and_sizes(void **state)
{
	struct dmabuf_err e = { 0 };
	struct db_ring r;

	(void)state;
	assert_int_equal(db_ring_init(&r, 16, true, 8, &e), 0);
	assert_true(r.live);
	assert_true(r.big);
	assert_int_equal(r.nr_slots, 8);
	assert_true(r.depth >= 16);
	assert_true(r.ring.flags & IORING_SETUP_SQE128);
	assert_true(r.ring.flags & IORING_SETUP_CQE32);
	db_ring_exit(&r);
	assert_false(r.live);
	db_ring_exit(&r);	/* idempotent */

	assert_int_equal(db_ring_init(&r, 0, false, 1, &e), -EINVAL);
	assert_int_equal(e.kind, DMABUF_E_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_init_big_and_sizes),
		FX(test_register_uaddr_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
