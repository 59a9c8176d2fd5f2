// SPDX-License-Identifier: MIT
/* Unit tests: size and number parsing, human sizes (lib/util.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "util.h"

struct size_case {
	const char *text;
	int ret;
	uint64_t value;
};

static const struct size_case size_cases[] = {
	{ "0", 0, 0 },
	{ "1", 0, 1 },
	{ "512", 0, 512 },
	{ "512B", 0, 512 },
	{ "4k", 0, 4096 },
	{ "4K", 0, 4096 },
	{ "4KiB", 0, 4096 },
	{ "4kB", 0, 4096 },
	{ "1M", 0, 1048576 },
	{ "1MiB", 0, 1048576 },
	{ "2G", 0, 2147483648ull },
	{ "3g", 0, 3ull << 30 },
	{ "1T", 0, 1ull << 40 },
	{ "1TiB", 0, 1ull << 40 },
	{ "0x1000", 0, 4096 },
	{ "0X10k", 0, 16384 },
	{ "0x1B", 0, 0x1b },		/* B is a hex digit here, not "bytes" */
	{ "0xffffffffffffffff", 0, UINT64_MAX },
	{ "18446744073709551615", 0, UINT64_MAX },
	{ "16777215T", 0, 16777215ull << 40 },
	{ "", -EINVAL, 0 },
	{ "k", -EINVAL, 0 },
	{ "B", -EINVAL, 0 },
	{ "4x", -EINVAL, 0 },
	{ "1.5M", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ " 4k", -EINVAL, 0 },
	{ "4k ", -EINVAL, 0 },
	{ "4 k", -EINVAL, 0 },
	{ "+4", -EINVAL, 0 },
	{ "4kk", -EINVAL, 0 },
	{ "4iB", -EINVAL, 0 },
	{ "4kiBB", -EINVAL, 0 },
	{ "4kb", -EINVAL, 0 },
	{ "0x", -EINVAL, 0 },
	{ "0xg", -EINVAL, 0 },
	{ "18446744073709551616", -ERANGE, 0 },
	{ "0x10000000000000000", -ERANGE, 0 },
	{ "16777216T", -ERANGE, 0 },
	{ "17179869184G", -ERANGE, 0 },
};

static void test_parse_size_table(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < DB_ARRAY_SIZE(size_cases); i++) {
		const struct size_case *c = &size_cases[i];
		uint64_t v = 0xdeadbeef;
		int ret = db_parse_size(c->text, &v);

		if (ret != c->ret)
			fail_msg("db_parse_size(\"%s\") = %d, want %d", c->text, ret, c->ret);
		if (!c->ret && v != c->value)
			fail_msg("db_parse_size(\"%s\") = %llu, want %llu", c->text,
				 (unsigned long long)v, (unsigned long long)c->value);
		if (c->ret && v != 0xdeadbeef)
			fail_msg("db_parse_size(\"%s\") wrote its output on error", c->text);
	}
}

static void test_parse_size_null(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(db_parse_size(NULL, &v), -EINVAL);
}

static void test_parse_u64(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(db_parse_u64("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(db_parse_u64("12345", &v), 0);
	assert_int_equal(v, 12345);
	assert_int_equal(db_parse_u64("0x5eed", &v), 0);
	assert_int_equal(v, 0x5eed);
	assert_int_equal(db_parse_u64("0xFFFFFFFFFFFFFFFF", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(db_parse_u64("4k", &v), -EINVAL);
	assert_int_equal(db_parse_u64("512B", &v), -EINVAL);
	assert_int_equal(db_parse_u64("", &v), -EINVAL);
	assert_int_equal(db_parse_u64("-3", &v), -EINVAL);
	assert_int_equal(db_parse_u64("12 ", &v), -EINVAL);
	assert_int_equal(db_parse_u64(NULL, &v), -EINVAL);
	assert_int_equal(db_parse_u64("18446744073709551616", &v), -ERANGE);
}

/* The reason a value was refused names the maximum when it is too big. */
static void test_parse_why(void **state)
{
	char max[32];
	uint64_t v;

	(void)state;
	snprintf(max, sizeof(max), "%llu", (unsigned long long)UINT64_MAX);
	assert_int_equal(db_parse_u64("99999999999999999999", &v), -ERANGE);
	assert_non_null(strstr(db_parse_why(-ERANGE, false), "is too big: at most "));
	assert_non_null(strstr(db_parse_why(-ERANGE, false), max));
	assert_int_equal(db_parse_size("16777216T", &v), -ERANGE);
	assert_non_null(strstr(db_parse_why(-ERANGE, true), max));
	assert_non_null(strstr(db_parse_why(-ERANGE, true), "bytes (16 EiB - 1)"));
	assert_string_equal(db_parse_why(-EINVAL, false), "is not a number");
	assert_string_equal(db_parse_why(-EINVAL, true), "is not a size (e.g. 4096, 4k, 1M, 2G)");
}

static void test_fmt_size(void **state)
{
	static const struct { uint64_t bytes; const char *text; } cases[] = {
		{ 0, "0 B" },
		{ 1, "1 B" },
		{ 512, "512 B" },
		{ 1023, "1023 B" },
		{ 1024, "1 KiB" },
		{ 4096, "4 KiB" },
		{ 1536, "1.5 KiB" },
		{ 1048576, "1 MiB" },
		{ 1572864, "1.5 MiB" },
		{ 1048575, "1.0 MiB" },		/* not "1024.0 KiB" */
		{ 3ull << 30, "3 GiB" },
		{ 1ull << 40, "1 TiB" },
		{ 5ull << 50, "5 PiB" },
		{ UINT64_MAX, "16.0 EiB" },
	};
	char buf[32];
	unsigned i;

	(void)state;
	for (i = 0; i < DB_ARRAY_SIZE(cases); i++)
		assert_string_equal(db_fmt_size(cases[i].bytes, buf, sizeof(buf)), cases[i].text);
}

static void test_fmt_size_truncates(void **state)
{
	char buf[4];

	(void)state;
	assert_ptr_equal(db_fmt_size(4096, buf, sizeof(buf)), buf);
	assert_string_equal(buf, "4 K");
}

static void test_fmt_parse_round_trip(void **state)
{
	static const uint64_t sizes[] = { 512, 4096, 1ull << 20, 7ull << 30, 1ull << 40 };
	char buf[32], text[32];
	unsigned i;
	uint64_t v;

	(void)state;
	/* "4 KiB" → "4KiB": what a user would paste back into --size. */
	for (i = 0; i < DB_ARRAY_SIZE(sizes); i++) {
		char *sp;

		snprintf(text, sizeof(text), "%s", db_fmt_size(sizes[i], buf, sizeof(buf)));
		sp = strchr(text, ' ');
		memmove(sp, sp + 1, strlen(sp));
		assert_int_equal(db_parse_size(text, &v), 0);
		assert_true(v == sizes[i]);
	}
}

static void test_sig_name(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(db_sig_name(SIGINT, buf, sizeof(buf)), "SIGINT");
	assert_string_equal(db_sig_name(SIGTERM, buf, sizeof(buf)), "SIGTERM");
	assert_string_equal(db_sig_name(0, buf, sizeof(buf)), "SIG?");
	assert_ptr_equal(db_sig_name(SIGINT, buf, 4), buf);
	assert_string_equal(buf, "SIG");	/* truncated, terminated */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size_table),
		cmocka_unit_test(test_parse_size_null),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_parse_why),
		cmocka_unit_test(test_fmt_size),
		cmocka_unit_test(test_fmt_size_truncates),
		cmocka_unit_test(test_fmt_parse_round_trip),
		cmocka_unit_test(test_sig_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
