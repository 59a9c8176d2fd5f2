// SPDX-License-Identifier: MIT
/*
 * libdmabuf's ABI (doc/library.md, "ABI rules"): the size and layout of
 * every public structure of soname libdmabuf.so.1 on LP64, pinned, so
 * that a member added anywhere but in place of a reserved one fails here
 * instead of breaking programs built against the header; and the library
 * leaves the reserved members 0 in what it fills.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <dmabuf/dmabuf.h>

#ifndef __LP64__
#error "the pinned layouts are LP64's"
#endif

/* A public structure: its size and where its reserved members start. */
struct layout {
	const char *name;
	size_t size, reserved_at, size_pinned, reserved_pinned;
};

#define LAYOUT(T, size_, at_) { #T, sizeof(struct T), offsetof(struct T, reserved), size_, at_ }

static const struct layout layouts[] = {
	LAYOUT(dmabuf_err, 856, 840),
	LAYOUT(dmabuf_mem_info, 632, 568),
	LAYOUT(dmabuf_mem_move_stats, 64, 32),
	LAYOUT(dmabuf_fixed, 824, 792),
	LAYOUT(dmabuf_target_info, 64, 36),
	LAYOUT(dmabuf_iobuf, 40, 24),
	LAYOUT(dmabuf_mismatch, 80, 64),
	LAYOUT(dmabuf_verify_result, 1472, 1440),
	LAYOUT(dmabuf_check_how, 40, 24),
};

static void test_public_structures_keep_their_layout(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		const struct layout *l = &layouts[i];

		if (l->size != l->size_pinned || l->reserved_at != l->reserved_pinned)
			fail_msg("struct %s: %zu bytes, reserved at %zu; soname 1 has %zu and %zu "
				 "(take a reserved member instead, doc/library.md)", l->name,
				 l->size, l->reserved_at, l->size_pinned, l->reserved_pinned);
	}
}

/* A new mismatch kind takes a free entry of kinds[]: first[] never moves. */
static void test_verify_result_has_room_for_kinds(void **state)
{
	(void)state;
	assert_int_equal(DMABUF_MIS_KINDS_MAX, 16);
	assert_true(DMABUF_MIS_NR_KINDS <= DMABUF_MIS_KINDS_MAX);
	assert_int_equal(offsetof(struct dmabuf_verify_result, kinds), 24);
	assert_int_equal(offsetof(struct dmabuf_verify_result, nr_kept), 24 + 8 * DMABUF_MIS_KINDS_MAX);
	assert_int_equal(offsetof(struct dmabuf_verify_result, first), 160);
	assert_int_equal(DMABUF_MISMATCH_KEEP, 16);
	/* the kinds keep their numbers */
	assert_int_equal(DMABUF_MIS_FLIP, 0);
	assert_int_equal(DMABUF_MIS_UNWRITTEN, 6);
}

static bool zero(const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

/* What the library fills, it fills whole: reserved members come back 0. */
static void test_the_library_leaves_reserved_zero(void **state)
{
	struct dmabuf_verify_result res;
	struct dmabuf_mem_info info;
	struct dmabuf_pattern *p;
	struct dmabuf_mem *m;
	struct dmabuf_err e;
	uint8_t buf[4096];

	(void)state;
	memset(&e, 0xff, sizeof(e));
	assert_true(dmabuf_mem_open("nonsense:x", 4096, NULL, &m, &e) < 0);
	assert_true(zero(e.reserved, sizeof(e.reserved)));

	assert_int_equal(dmabuf_mem_open("memfd", 4096, NULL, &m, &e), 0);
	memset(&info, 0xff, sizeof(info));
	assert_int_equal(dmabuf_mem_describe(m, &info, &e), 0);
	assert_true(zero(info.reserved, sizeof(info.reserved)));
	dmabuf_mem_close(m);

	/* a mismatch kept in first[]: its reserved members too */
	assert_int_equal(dmabuf_pattern_parse("lba", &p, &e), 0);
	assert_int_equal(dmabuf_pattern_fill(p, buf, 0, 8, 512, &e), 0);
	buf[700] ^= 1;
	memset(&res, 0, sizeof(res));
	assert_int_equal(dmabuf_pattern_check(p, buf, 0, 8, 512, 0, NULL, &res, &e), 1);
	assert_int_equal(res.nr_kept, 1);
	assert_int_equal(res.kinds[DMABUF_MIS_FLIP], 1);
	assert_true(zero(&res.first[0].reserved0, sizeof(res.first[0].reserved0)));
	assert_true(zero(res.first[0].reserved, sizeof(res.first[0].reserved)));
	assert_true(zero(res.reserved, sizeof(res.reserved)));
	dmabuf_pattern_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_public_structures_keep_their_layout),
		cmocka_unit_test(test_verify_result_has_room_for_kinds),
		cmocka_unit_test(test_the_library_leaves_reserved_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
