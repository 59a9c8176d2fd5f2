// SPDX-License-Identifier: MIT
/*
 * The token uAPI as the library meets it (lib/token.c): the extended
 * buffer update, the registration's answers and their explanations, the
 * probe.  On a kernel without the uAPI (the host) the "no uAPI" answers are
 * checked; on one with it (the VM's, tests/vm/kernel.bats runs this there)
 * those cases skip and the rest must pass.
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
#include "uapi/io_uring_regbuf.h"

/*
 * Whether this kernel takes IORING_RSRC_UPDATE_EXTENDED: an EMPTY descriptor
 * updates one slot (1) on a kernel with the token uAPI, -EINVAL elsewhere.
 * The tests of the "no uAPI" answers skip where the uAPI is there (the VM's
 * kernel, or a later upstream kernel on the host).
 */
static int update_ext_empty(struct fx *f)
{
	struct io_uring_regbuf_desc desc = { .type = IO_REGBUF_TYPE_EMPTY };

	return db_token_update_ext(&f->r.ring, SLOT_SPARE, &desc, 1);
}

#define SKIP_IF_TOKEN_UAPI(f)                                                           \
	do {                                                                            \
		if (update_ext_empty(f) >= 0) {                                         \
			print_message("# skip: this kernel has the dmabuf token uAPI\n");  \
			skip();                                                         \
		}                                                                       \
	} while (0)

static void test_update_ext_unknown_on_this_kernel(void **state)
{
	struct fx *f = *state;
	int ret = update_ext_empty(f);

	if (ret >= 0) {
		assert_int_equal(ret, 1);	/* the uAPI: one slot updated */
		print_message("# skip: this kernel has the dmabuf token uAPI\n");
		skip();
	}
	assert_int_equal(ret, -EINVAL);
}

static void test_register_dmabuf_says_no_uapi(void **state)
{
	struct fx *f = *state;
	struct dmabuf_err e = { 0 };
	int fd;

	SKIP_IF_TOKEN_UAPI(f);
	fd = memfd_create("not-a-dmabuf", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(dmabuf_token_register(&f->r.ring, SLOT_SPARE, fd, f->t.fd, &e), -EINVAL);
	assert_int_equal(e.kind, DMABUF_E_UNSUPPORTED);
	assert_string_equal(e.op, "IORING_REGISTER_BUFFERS_UPDATE");
	assert_non_null(strstr(e.detail, "IORING_RSRC_UPDATE_EXTENDED unknown"));
	close(fd);
}

/* -EINVAL on a target without O_DIRECT names that cause too (doc/token-uapi.md). */
static void test_register_dmabuf_names_o_direct(void **state)
{
	struct fx *f = *state;
	struct dmabuf_err e = { 0 };
	int fd, target;

	SKIP_IF_TOKEN_UAPI(f);
	fd = memfd_create("not-a-dmabuf", MFD_CLOEXEC);
	target = memfd_create("buffered-target", MFD_CLOEXEC);
	assert_true(fd >= 0 && target >= 0);
	assert_int_equal(dmabuf_token_register(&f->r.ring, SLOT_SPARE, fd, target, &e), -EINVAL);
	assert_int_equal(e.kind, DMABUF_E_USAGE);
	assert_non_null(strstr(e.detail, "is not open with O_DIRECT"));
	close(target);
	close(fd);
}

/*
 * The library has no size limit of its own: a 2 GiB buffer goes to the
 * kernel, whose answer is reported, with the size, and explained by asking
 * the kernel again (a kernel without the token uAPI: -EINVAL, and the
 * follow-up question says so; with it, the memfd is no dma-buf, and the
 * detail says that).  Any kernel: a sparse memfd stands in.
 */
static void test_register_dmabuf_size_is_the_kernels_to_judge(void **state)
{
	struct fx *f = *state;
	struct dmabuf_err e = { 0 };
	int fd = memfd_create("big", MFD_CLOEXEC);
	int ret;

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)(2ULL << 30)), 0);
	ret = dmabuf_token_register(&f->r.ring, SLOT_SPARE, fd, f->t.fd, &e);
	assert_int_not_equal(ret, 0);
	assert_int_not_equal(ret, -E2BIG);
	assert_int_equal(ret, e.err);
	assert_non_null(strstr(e.obj, "(2147483648 bytes)"));
	/* without the uAPI that is what is said; with it, that a memfd is no dma-buf */
	if (ret == -EINVAL && !strstr(e.detail, "no dmabuf token support"))
		assert_non_null(strstr(e.detail, "is not a dma-buf"));
	close(fd);
}

static void test_token_probe_reports_no_uapi(void **state)
{
	struct fx *f = *state;
	struct dmabuf_err e;
	int fd;

	SKIP_IF_TOKEN_UAPI(f);
	fd = memfd_create("not-a-dmabuf", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(dmabuf_token_probe(-1, -1, &e), DMABUF_TOKEN_NO_UAPI);
	assert_int_equal(e.err, -EINVAL);
	assert_int_equal(e.kind, DMABUF_E_UNSUPPORTED);
	assert_true(e.detail[0] != '\0');
	assert_int_equal(dmabuf_token_probe(f->t.fd, fd, &e), DMABUF_TOKEN_NO_UAPI);
	assert_int_equal(dmabuf_token_probe(f->t.fd, fd, NULL), DMABUF_TOKEN_NO_UAPI);
	close(fd);
}

static void test_token_support_strings(void **state)
{
	enum dmabuf_token_support s;

	(void)state;
	for (s = DMABUF_TOKEN_OK; s <= DMABUF_TOKEN_UNTESTED; s++) {
		assert_non_null(dmabuf_token_support_str(s));
		assert_true(strlen(dmabuf_token_support_str(s)) > 10);
		assert_null(strchr(dmabuf_token_support_str(s), '\n'));
	}
	assert_string_not_equal(dmabuf_token_support_str(DMABUF_TOKEN_NO_UAPI),
				dmabuf_token_support_str(DMABUF_TOKEN_NOT_BUILT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_support_strings),
		FX(test_update_ext_unknown_on_this_kernel),
		FX(test_register_dmabuf_says_no_uapi),
		FX(test_register_dmabuf_size_is_the_kernels_to_judge),
		FX(test_register_dmabuf_names_o_direct),
		FX(test_token_probe_reports_no_uapi),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
