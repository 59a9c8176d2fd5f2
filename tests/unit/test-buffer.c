// SPDX-License-Identifier: MIT
/*
 * Buffer paths (lib/buffer.c): AUTO's order on plain memory, and the one
 * error dmabuf_register() leaves when every path fails.  Each reason is said once, for all the paths that share
 * it, and the text stays inside struct dmabuf_err's detail, any cut marked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <liburing.h>

#include "buffer.h"
#include "err.h"
#include "mem.h"

#define GiB (1ull << 30)
#define UPDATE_OP "IORING_REGISTER_BUFFERS_UPDATE"
#define CUT "…"

static struct dmabuf_mem mem;

static int setup(void **state)
{
	struct dmabuf_err e;

	(void)state;
	memset(&mem, 0, sizeof(mem));
	assert_int_equal(db_mem_parse("heap", &mem.spec, &e), 0);
	mem.size = 2 * GiB;
	mem.dmabuf_fd = -1;
	mem.mem_fd = -1;
	return 0;
}

static size_t count(const char *haystack, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(haystack, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static bool has(const char *haystack, const char *needle)
{
	if (!strstr(haystack, needle))
		print_error("\"%s\" does not contain \"%s\"\n", haystack, needle);
	return strstr(haystack, needle) != NULL;
}

/* lib/token.c's answer of a kernel with the token uAPI that refuses the dma-buf */
static void token_refused(struct dmabuf_err *e)
{
	db_err_set(e, DMABUF_E_USAGE, -EINVAL, UPDATE_OP,
		   "io_uring slot 0: dma-buf fd 7 (%llu bytes) for /dev/nvme0n1", 2 * GiB);
	db_err_detail(e, "the kernel has the dmabuf token uAPI and refused this "
		      "registration: /dev/nvme0n1's driver does not take dmabuf tokens (the "
		      "upstream series answers EINVAL for that), or this kernel "
		      "limits a token's size below this dma-buf's %llu bytes (the "
		      "series before v6 registers at most 1 GiB, this port under "
		      "4 GiB); registering a smaller dma-buf tells the two apart", 2 * GiB);
}

/* lib/token.c's answer for a fixed buffer over 1 GiB, at @addr */
static void over_1gib(struct dmabuf_err *e, unsigned long addr)
{
	db_err_set(e, DMABUF_E_USAGE, -EINVAL, UPDATE_OP,
		   "io_uring fixed buffer slot 0 (%#lx, %llu bytes)", addr, 2 * GiB);
	db_err_detail(e, "a fixed buffer must be non-empty and at most 1 GiB");
}

/* A reason of @len characters of @c, with a mark at its start. */
static void long_reason(struct dmabuf_err *e, int err, const char *mark, char c, size_t len)
{
	char text[sizeof(e->detail)];

	memset(text, c, sizeof(text));
	text[len < sizeof(text) ? len : sizeof(text) - 1] = '\0';
	memcpy(text, mark, strlen(mark));
	db_err_set(e, DMABUF_E_IO, err, UPDATE_OP, "io_uring fixed buffer slot 0");
	db_err_detail(e, "%s", text);
}

static void assert_bounded(const struct dmabuf_err *e)
{
	assert_true(memchr(e->detail, '\0', sizeof(e->detail)) != NULL);
	assert_true(memchr(e->obj, '\0', sizeof(e->obj)) != NULL);
}

/*
 * The token's long uAPI answer and the 1 GiB of pages and bounce: the
 * 1 GiB once, for both, and the text inside the detail.
 */
static void test_shared_reason_once(void **state)
{
	static const enum dmabuf_path tried[] = {
		DMABUF_PATH_TOKEN, DMABUF_PATH_PAGES, DMABUF_PATH_BOUNCE,
	};
	struct dmabuf_err errs[3], e;
	char msg[2048];

	(void)state;
	token_refused(&errs[0]);
	over_1gib(&errs[1], 0x7f0000000000);
	over_1gib(&errs[2], 0x7f8000000000);
	db_register_failed(&mem, tried, errs, 3, &e);
	assert_bounded(&e);
	dmabuf_err_str(&e, msg, sizeof(msg));
	assert_true(has(msg, "heap (2147483648 bytes)"));
	assert_true(has(e.detail, "no buffer path works for this memory and target"));
	assert_true(has(e.detail, "; token: " UPDATE_OP ": Invalid argument: the kernel has "
			"the dmabuf token uAPI"));
	assert_true(has(e.detail, "; pages, bounce: " UPDATE_OP ": Invalid argument: a fixed "
			"buffer must be non-empty and at most 1 GiB"));
	assert_int_equal(count(e.detail, "non-empty and at most 1 GiB"), 1);
	assert_int_equal(count(e.detail, "pages"), 1);
	assert_int_equal(count(e.detail, "bounce"), 1);
	assert_int_equal(e.kind, DMABUF_E_USAGE);
	/* the 1 GiB, the remedy, is whole: the token's long answer gave way, marked */
	assert_int_equal(count(e.detail, CUT), 1);
	assert_true(has(e.detail, CUT "; pages, bounce: "));
	assert_string_equal(e.detail + strlen(e.detail) - strlen("at most 1 GiB"),
			    "at most 1 GiB");
}

/* Three long reasons, all different: each path named, each cut marked. */
static void test_long_reasons_cut_fairly(void **state)
{
	static const enum dmabuf_path tried[] = {
		DMABUF_PATH_TOKEN, DMABUF_PATH_PAGES, DMABUF_PATH_BOUNCE,
	};
	struct dmabuf_err errs[3], e;

	(void)state;
	long_reason(&errs[0], -EINVAL, "TOKEN-REASON", 't', 400);
	long_reason(&errs[1], -EFAULT, "PAGES-REASON", 'p', 400);
	long_reason(&errs[2], -ENOMEM, "BOUNCE-REASON", 'b', 400);
	db_register_failed(&mem, tried, errs, 3, &e);
	assert_bounded(&e);
	assert_true(has(e.detail, "; token: " UPDATE_OP ": Invalid argument: TOKEN-REASON"));
	assert_true(has(e.detail, "; pages: " UPDATE_OP ": Bad address: PAGES-REASON"));
	assert_true(has(e.detail, "; bounce: " UPDATE_OP ": Cannot allocate memory: "
			"BOUNCE-REASON"));
	assert_int_equal(count(e.detail, CUT), 3);
	/* the room is used, not wasted */
	assert_true(strlen(e.detail) + 1 + 3 * strlen(CUT) >= sizeof(e.detail));
}

/* A short reason keeps all of it; the long one takes what is left, marked. */
static void test_short_reason_whole(void **state)
{
	static const enum dmabuf_path tried[] = { DMABUF_PATH_PAGES, DMABUF_PATH_BOUNCE };
	struct dmabuf_err errs[2], e;
	size_t len;

	(void)state;
	long_reason(&errs[0], -EFAULT, "PAGES-REASON", 'p', 2000);
	over_1gib(&errs[1], 0x7f0000000000);
	db_register_failed(&mem, tried, errs, 2, &e);
	assert_bounded(&e);
	assert_true(has(e.detail, "; bounce: " UPDATE_OP ": Invalid argument: a fixed buffer "
			"must be non-empty and at most 1 GiB"));
	len = strlen(e.detail);
	assert_string_equal(e.detail + len - strlen("at most 1 GiB"), "at most 1 GiB");
	assert_int_equal(count(e.detail, CUT), 1);
	assert_true(has(e.detail, "PAGES-REASON"));
}

/* One reason for every path: said once, in the error itself. */
static void test_same_reason_everywhere(void **state)
{
	static const enum dmabuf_path tried[] = { DMABUF_PATH_PAGES, DMABUF_PATH_BOUNCE };
	struct dmabuf_err errs[2], e;
	char msg[2048];

	(void)state;
	over_1gib(&errs[0], 0x7f0000000000);
	over_1gib(&errs[1], 0x7f8000000000);
	db_register_failed(&mem, tried, errs, 2, &e);
	dmabuf_err_str(&e, msg, sizeof(msg));
	assert_string_equal(msg, "heap (2147483648 bytes) by every buffer path (pages, bounce): "
			    UPDATE_OP ": Invalid argument: a fixed buffer must be non-empty "
			    "and at most 1 GiB");
	assert_int_equal(e.err, -EINVAL);
}

/* Short, different reasons: all of them, uncut. */
static void test_short_reasons_whole(void **state)
{
	static const enum dmabuf_path tried[] = { DMABUF_PATH_PAGES, DMABUF_PATH_BOUNCE };
	struct dmabuf_err errs[2], e;

	(void)state;
	db_err_set(&errs[0], DMABUF_E_UNSUPPORTED, -EFAULT, UPDATE_OP, "slot 0");
	db_err_set(&errs[1], DMABUF_E_IO, -ENOMEM, "mmap", "bounce buffer");
	db_register_failed(&mem, tried, errs, 2, &e);
	assert_string_equal(e.detail, "no buffer path works for this memory and target; "
			    "pages: " UPDATE_OP ": Bad address; bounce: mmap: Cannot allocate memory");
	assert_int_equal(e.kind, DMABUF_E_IO);
	assert_int_equal(e.err, 0);
}

/* An O_DIRECT file of 1 MiB (tmpfs has none: then the current directory), or -1. */
static int direct_file(void)
{
	const char *dirs[] = { "/var/tmp", "." };

	for (unsigned i = 0; i < 2; i++) {
		char path[64];
		int fd;

		snprintf(path, sizeof(path), "%s/dmabuf-buffer-XXXXXX", dirs[i]);
		fd = mkstemp(path);
		if (fd < 0)
			continue;
		unlink(path);
		if (!fcntl(fd, F_SETFL, O_DIRECT) && !ftruncate(fd, 1 << 20))
			return fd;
		close(fd);
	}
	return -1;
}

/*
 * AUTO's order on memory that is no dma-buf: the token is skipped without a
 * word (there was nothing to try), pages is taken; token asked for by name
 * is refused saying why; bounce by name gets a buffer of its own.
 */
static void test_auto_order_for_plain_memory(void **state)
{
	struct dmabuf_err e = { 0 };
	struct dmabuf_fixed fx;
	struct dmabuf_mem *m;
	struct io_uring ring;
	int fd = direct_file();

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(dmabuf_mem_open("memfd", 1 << 20, NULL, &m, &e), 0);
	assert_int_equal(io_uring_queue_init(4, &ring, 0), 0);
	assert_int_equal(io_uring_register_buffers_sparse(&ring, 1), 0);
	assert_int_equal(dmabuf_register(&ring, 0, m, fd, DMABUF_PATH_AUTO, &fx, &e), 0);
	assert_int_equal(fx.path, DMABUF_PATH_PAGES);
	assert_string_equal(fx.why, "");
	assert_int_equal(fx.base, (uintptr_t)dmabuf_mem_addr(m));
	assert_int_equal(fx.len, 1 << 20);
	assert_int_equal(dmabuf_register(&ring, 0, m, fd, DMABUF_PATH_TOKEN, &fx, &e), -EOPNOTSUPP);
	assert_int_equal(e.kind, DMABUF_E_UNSUPPORTED);
	assert_true(has(e.detail, "memfd memory is not a dma-buf"));
	assert_int_equal(dmabuf_register(&ring, 0, m, fd, DMABUF_PATH_BOUNCE, &fx, &e), 0);
	assert_int_equal(fx.path, DMABUF_PATH_BOUNCE);
	assert_true(fx.base != (uintptr_t)dmabuf_mem_addr(m));
	io_uring_queue_exit(&ring);
	dmabuf_mem_close(m);
	close(fd);
}

/* The longest error the struct can hold, and the longest errno text, fit DMABUF_ERR_STR_MAX. */
static void test_whole_error_fits_err_str_max(void **state)
{
	struct dmabuf_err e = { .err = -ENOTRECOVERABLE, .kind = DMABUF_E_IO };
	char buf[DMABUF_ERR_STR_MAX];
	size_t n;

	(void)state;
	memset(e.obj, 'o', sizeof(e.obj) - 1);
	memset(e.op, 'p', sizeof(e.op) - 1);
	memset(e.detail, 'd', sizeof(e.detail) - 2);
	e.detail[sizeof(e.detail) - 2] = 'Z';
	dmabuf_err_str(&e, buf, sizeof(buf));
	n = strlen(buf);
	assert_true(n < sizeof(buf) - 1);	/* room left: nothing was cut */
	assert_int_equal(buf[n - 1], 'Z');
	assert_non_null(strstr(buf, strerror(ENOTRECOVERABLE)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_shared_reason_once, setup),
		cmocka_unit_test(test_whole_error_fits_err_str_max),
		cmocka_unit_test(test_auto_order_for_plain_memory),
		cmocka_unit_test_setup(test_long_reasons_cut_fairly, setup),
		cmocka_unit_test_setup(test_short_reason_whole, setup),
		cmocka_unit_test_setup(test_same_reason_everywhere, setup),
		cmocka_unit_test_setup(test_short_reasons_whole, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
