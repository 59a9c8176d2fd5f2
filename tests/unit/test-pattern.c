// SPDX-License-Identifier: MIT
/* Unit tests: pattern parsing, generation and verification (lib/pattern.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "pattern.h"
#include "util.h"

static const uint32_t lba_sizes[] = { 512, 520, 4096 };

/* --- helpers ----------------------------------------------------------------- */

static void parse_ok(const char *text, struct dmabuf_pattern *p)
{
	struct dmabuf_err e = { 0 };
	int ret = db_pattern_parse(text, p, &e);

	if (ret)
		fail_msg("db_pattern_parse(\"%s\") = %d", text, ret);
}

static uint8_t *fill_new(const struct dmabuf_pattern *p, uint64_t lba, uint64_t n, uint32_t bs)
{
	uint8_t *buf = malloc(n * bs);
	struct dmabuf_err e = { 0 };

	assert_non_null(buf);
	assert_int_equal(dmabuf_pattern_fill(p, buf, lba, n, bs, &e), 0);
	return buf;
}

static int64_t check(const struct dmabuf_pattern *p, const uint8_t *buf, uint64_t lba, uint64_t n,
		     uint32_t bs, uint64_t range_off, struct dmabuf_verify_result *res)
{
	struct dmabuf_err e = { 0 };

	return dmabuf_pattern_check(p, buf, lba, n, bs, range_off, NULL, res, &e);
}

static uint64_t le64_at(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t le32_at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* FNV-1a 64 as the header format specifies it, written out independently. */
static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 14695981039346656037ull;

	while (n--)
		h = (h ^ *p++) * 1099511628211ull;
	return h;
}

static char tmp_path[64];

/* A temporary file of @len bytes, byte i = (i * 7 + 3) & 0xff. */
static const char *make_file(size_t len)
{
	uint8_t *data = malloc(len);
	size_t i;
	int fd;

	assert_non_null(data);
	for (i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 7 + 3);
	snprintf(tmp_path, sizeof(tmp_path), "/tmp/dmabuf-pattern-XXXXXX");
	fd = mkstemp(tmp_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	free(data);
	return tmp_path;
}

/* --- parsing ----------------------------------------------------------------- */

static void test_parse_kinds(void **state)
{
	struct dmabuf_pattern p;

	(void)state;
	parse_ok("zero", &p);
	assert_int_equal(p.kind, DB_PAT_ZERO);
	assert_int_equal(p.fd, -1);
	assert_string_equal(p.text, "zero");
	parse_ok("ones", &p);
	assert_int_equal(p.kind, DB_PAT_ONES);
	parse_ok("lba", &p);
	assert_int_equal(p.kind, DB_PAT_LBA);
	assert_int_equal(p.seed, 0x5eed);
	assert_int_equal(p.pass, 0);
	parse_ok("lba:0x1234", &p);
	assert_int_equal(p.seed, 0x1234);
	parse_ok("random:42", &p);
	assert_int_equal(p.kind, DB_PAT_RANDOM);
	assert_int_equal(p.seed, 42);
	parse_ok("byte:0xa5", &p);
	assert_int_equal(p.kind, DB_PAT_BYTE);
	assert_int_equal(p.byte, 0xa5);
	parse_ok("byte:255", &p);
	assert_int_equal(p.byte, 255);
	assert_string_equal(p.text, "byte:255");
	db_pattern_close(&p);
	assert_int_equal(p.fd, -1);
}

/* `random` without a seed uses the default one, and its name says which. */
static void test_random_default_seed(void **state)
{
	struct dmabuf_pattern p, q;
	uint8_t a[512], b[512];

	(void)state;
	parse_ok("random", &p);
	assert_int_equal(p.kind, DB_PAT_RANDOM);
	assert_int_equal(p.seed, 0x5eed);
	assert_string_equal(dmabuf_pattern_name(&p), "random:0x5eed");
	assert_int_equal(dmabuf_pattern_seed(&p), 0x5eed);
	/* the name parses back to the same data */
	parse_ok(dmabuf_pattern_name(&p), &q);
	assert_int_equal(dmabuf_pattern_fill(&p, a, 7, 1, sizeof(a), NULL), 0);
	assert_int_equal(dmabuf_pattern_fill(&q, b, 7, 1, sizeof(b), NULL), 0);
	assert_memory_equal(a, b, sizeof(a));
	/* a seed given is named as given; lba keeps its name */
	parse_ok("random:7", &p);
	assert_string_equal(dmabuf_pattern_name(&p), "random:7");
	parse_ok("lba", &p);
	assert_string_equal(dmabuf_pattern_name(&p), "lba");
}

static void test_parse_errors(void **state)
{
	static const char *const bad[] = {
		"", "zeros", "zero:1", "ones:", "lba:", "lba:x", "random:-1", "byte",
		"byte:", "byte:256", "byte:0x100", "byte:a5", "file:", "nonsense:1",
		"averyveryverylongpatternname",
	};
	struct dmabuf_pattern p;
	struct dmabuf_err e;
	unsigned i;

	(void)state;
	for (i = 0; i < DB_ARRAY_SIZE(bad); i++) {
		memset(&e, 0, sizeof(e));
		if (db_pattern_parse(bad[i], &p, &e) != -EINVAL)
			fail_msg("\"%s\" was accepted", bad[i]);
		assert_int_equal(e.kind, DMABUF_E_USAGE);
		assert_int_equal(e.err, -EINVAL);
		assert_int_equal(p.fd, -1);
	}
	assert_int_equal(db_pattern_parse(NULL, &p, NULL), -EINVAL);
}

static void test_parse_file(void **state)
{
	const char *path = make_file(1000);
	struct dmabuf_pattern p;
	struct dmabuf_err e = { 0 };
	char text[128];

	(void)state;
	snprintf(text, sizeof(text), "file:%s", path);
	parse_ok(text, &p);
	assert_int_equal(p.kind, DB_PAT_FILE);
	assert_true(p.fd >= 0);
	assert_int_equal(p.file_size, 1000);
	assert_string_equal(p.path, path);
	db_pattern_close(&p);
	assert_int_equal(p.fd, -1);
	unlink(path);

	assert_int_equal(db_pattern_parse(text, &p, &e), -ENOENT);
	assert_int_equal(e.kind, DMABUF_E_USAGE);
	assert_string_equal(e.obj, path);

	path = make_file(0);
	snprintf(text, sizeof(text), "file:%s", path);
	assert_int_equal(db_pattern_parse(text, &p, &e), -EINVAL);
	assert_int_equal(e.kind, DMABUF_E_USAGE);
	assert_non_null(strstr(e.detail, "empty"));
	unlink(path);
}

/* --- generation -------------------------------------------------------------- */

static void test_lba_header_layout(void **state)
{
	struct dmabuf_pattern p;
	uint8_t *buf;

	(void)state;
	parse_ok("lba:0x1122334455667788", &p);
	p.pass = 3;
	buf = fill_new(&p, 0x0102030405060708ull, 2, 512);
	assert_memory_equal(buf, "DMABUFLB", 8);
	assert_true(le64_at(buf + 8) == 0x0102030405060708ull);
	assert_int_equal(le32_at(buf + 16), 3);
	assert_int_equal(le32_at(buf + 20), 0x55667788);
	assert_true(le64_at(buf + 24) == fnv1a(buf, 24));
	/* the next block carries the next LBA */
	assert_memory_equal(buf + 512, "DMABUFLB", 8);
	assert_true(le64_at(buf + 512 + 8) == 0x0102030405060709ull);
	assert_true(le64_at(buf + 512 + 24) == fnv1a(buf + 512, 24));
	/* the rest of the block is a stream, not a constant */
	assert_memory_not_equal(buf + 32, buf + 40, 8);
	assert_memory_not_equal(buf + 32, buf + 512 + 32, 64);
	free(buf);
}

static void test_simple_fills(void **state)
{
	struct dmabuf_pattern p;
	uint8_t *buf;
	unsigned i;

	(void)state;
	parse_ok("zero", &p);
	buf = fill_new(&p, 9, 3, 520);
	for (i = 0; i < 3 * 520; i++)
		assert_int_equal(buf[i], 0);
	free(buf);
	parse_ok("ones", &p);
	buf = fill_new(&p, 9, 3, 520);
	for (i = 0; i < 3 * 520; i++)
		assert_int_equal(buf[i], 0xff);
	free(buf);
	parse_ok("byte:0x5a", &p);
	buf = fill_new(&p, 9, 3, 520);
	for (i = 0; i < 3 * 520; i++)
		assert_int_equal(buf[i], 0x5a);
	free(buf);
}

/* Generating a window on its own gives the same bytes as inside a bigger fill. */
static void window_matches(const char *text, uint32_t bs)
{
	struct dmabuf_pattern p;
	uint8_t *all, *win;

	parse_ok(text, &p);
	all = fill_new(&p, 1000, 40, bs);
	win = fill_new(&p, 1013, 9, bs);
	assert_memory_equal(win, all + 13 * bs, 9 * bs);
	free(win);
	win = fill_new(&p, 1039, 1, bs);
	assert_memory_equal(win, all + 39 * bs, bs);
	free(win);
	free(all);
	db_pattern_close(&p);
}

static void test_windows(void **state)
{
	const char *path = make_file(777);
	char file_text[96];
	const char *texts[] = { "zero", "ones", "lba", "lba:99", "random:7", "byte:0x42", file_text };
	unsigned i, j;

	(void)state;
	snprintf(file_text, sizeof(file_text), "file:%s", path);
	for (i = 0; i < DB_ARRAY_SIZE(lba_sizes); i++)
		for (j = 0; j < DB_ARRAY_SIZE(texts); j++)
			window_matches(texts[j], lba_sizes[i]);
	unlink(path);
}

static void test_random_reproducible(void **state)
{
	struct dmabuf_pattern p, q;
	uint8_t *a, *b;

	(void)state;
	parse_ok("random:12345", &p);
	a = fill_new(&p, 50, 8, 4096);
	b = fill_new(&p, 50, 8, 4096);
	assert_memory_equal(a, b, 8 * 4096);
	/* different LBAs differ, also in their first bytes */
	assert_memory_not_equal(a, a + 4096, 16);
	/* another seed gives other data */
	parse_ok("random:12346", &q);
	free(b);
	b = fill_new(&q, 50, 8, 4096);
	assert_memory_not_equal(a, b, 16);
	/* random:S and lba:S are different streams */
	parse_ok("lba:12345", &q);
	free(b);
	b = fill_new(&q, 50, 1, 4096);
	assert_memory_not_equal(a + 32, b + 32, 64);
	free(a);
	free(b);
}

/* A random block looks random: about half its bits are set. */
static void test_random_balanced(void **state)
{
	struct dmabuf_pattern p;
	uint64_t ones = 0;
	uint8_t *buf;
	unsigned i;

	(void)state;
	parse_ok("random:1", &p);
	buf = fill_new(&p, 0, 64, 512);
	for (i = 0; i < 64 * 512; i++)
		ones += (uint64_t)__builtin_popcount(buf[i]);
	/* 262144 bits: 0.5 +- 1 % is about 5 standard deviations (and the data is fixed) */
	assert_in_range(ones, 129450, 132694);
	free(buf);
}

static void test_lba_pass_changes_stream(void **state)
{
	struct dmabuf_pattern p;
	uint8_t *a, *b;

	(void)state;
	parse_ok("lba", &p);
	p.pass = 1;
	a = fill_new(&p, 7, 1, 512);
	p.pass = 2;
	b = fill_new(&p, 7, 1, 512);
	assert_memory_equal(a, b, 16);
	assert_memory_not_equal(a + 16, b + 16, 4);
	assert_memory_not_equal(a + 32, b + 32, 32);
	free(a);
	free(b);
}

static void test_file_fill(void **state)
{
	const char *path = make_file(1000);
	struct dmabuf_pattern p;
	char text[96];
	uint8_t *buf;
	unsigned i;

	(void)state;
	snprintf(text, sizeof(text), "file:%s", path);
	parse_ok(text, &p);
	/* LBA 3 of 512 bytes starts at byte 1536 of the repeated file = file byte 536 */
	buf = fill_new(&p, 3, 8, 512);
	for (i = 0; i < 8 * 512; i++)
		if (buf[i] != (uint8_t)(((3 * 512 + i) % 1000) * 7 + 3))
			fail_msg("byte %u is 0x%02x", i, buf[i]);
	free(buf);
	/* huge LBA: (lba * lba_size) % size without overflow */
	buf = fill_new(&p, 1ull << 60, 1, 4096);
	{
		unsigned __int128 start = (unsigned __int128)(1ull << 60) * 4096;

		for (i = 0; i < 4096; i++)
			assert_int_equal(buf[i], (uint8_t)((uint64_t)((start + i) % 1000) * 7 + 3));
	}
	free(buf);
	db_pattern_close(&p);
	unlink(path);

	/* a 7-byte file repeated over many blocks */
	path = make_file(7);
	snprintf(text, sizeof(text), "file:%s", path);
	parse_ok(text, &p);
	buf = fill_new(&p, 5, 100, 520);
	for (i = 0; i < 100 * 520; i++)
		if (buf[i] != (uint8_t)(((5 * 520 + i) % 7) * 7 + 3))
			fail_msg("byte %u is 0x%02x", i, buf[i]);
	free(buf);
	db_pattern_close(&p);
	unlink(path);
}

static void test_fill_bad_lba_size(void **state)
{
	struct dmabuf_pattern p;
	struct dmabuf_err e = { 0 };
	uint8_t buf[16];

	(void)state;
	parse_ok("lba", &p);
	assert_int_equal(dmabuf_pattern_fill(&p, buf, 0, 1, 0, &e), -EINVAL);
	assert_int_equal(e.kind, DMABUF_E_USAGE);
}

/* --- verification -------------------------------------------------------------- */

static void round_trip(const char *text, uint32_t bs)
{
	struct dmabuf_verify_result res = { 0 };
	struct dmabuf_pattern p;
	uint8_t *buf;

	parse_ok(text, &p);
	buf = fill_new(&p, 100, 64, bs);
	assert_int_equal(check(&p, buf, 100, 64, bs, 0, &res), 0);
	/* a window of the same data checks clean on its own */
	assert_int_equal(check(&p, buf + 10 * bs, 110, 20, bs, 10 * bs, &res), 0);
	assert_int_equal(res.blocks_checked, 84);
	assert_int_equal(res.blocks_bad, 0);
	assert_int_equal(res.bytes_bad, 0);
	assert_int_equal(res.nr_kept, 0);
	/* the same data checked as other LBAs is bad (unless the pattern ignores LBAs) */
	if (p.kind == DB_PAT_LBA || p.kind == DB_PAT_RANDOM)
		assert_int_equal(check(&p, buf, 101, 64, bs, 0, &res), 64);
	free(buf);
	db_pattern_close(&p);
}

static void test_round_trips(void **state)
{
	const char *path = make_file(4093);
	char file_text[96];
	const char *texts[] = { "zero", "ones", "lba", "random:3", "byte:0", "byte:0x80", file_text };
	unsigned i, j;

	(void)state;
	snprintf(file_text, sizeof(file_text), "file:%s", path);
	for (i = 0; i < DB_ARRAY_SIZE(lba_sizes); i++)
		for (j = 0; j < DB_ARRAY_SIZE(texts); j++)
			round_trip(texts[j], lba_sizes[i]);
	unlink(path);
}

/* Big enough that the check generates the expected data in several chunks. */
static void test_check_many_chunks(void **state)
{
	struct dmabuf_verify_result res = { 0 };
	struct dmabuf_pattern p;
	uint64_t n = 700;	/* 2.8 MiB of 4 KiB blocks */
	uint8_t *buf;

	(void)state;
	parse_ok("lba:5", &p);
	buf = fill_new(&p, 0, n, 4096);
	buf[650 * 4096 + 100] ^= 0x01;
	assert_int_equal(check(&p, buf, 0, n, 4096, 0, &res), 1);
	assert_int_equal(res.blocks_checked, n);
	assert_int_equal(res.first[0].lba, 650);
	assert_int_equal(res.first[0].offset, 650 * 4096 + 100);
	free(buf);
}

static void test_misplaced(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < DB_ARRAY_SIZE(lba_sizes); i++) {
		uint32_t bs = lba_sizes[i];
		struct dmabuf_verify_result res = { 0 };
		struct dmabuf_mismatch *m = &res.first[0];
		struct dmabuf_pattern p;
		uint8_t *buf;

		parse_ok("lba", &p);
		buf = fill_new(&p, 0, 16, bs);
		memcpy(buf + 3 * bs, buf + 7 * bs, bs);
		assert_int_equal(check(&p, buf, 0, 16, bs, 0, &res), 1);
		assert_int_equal(res.blocks_bad, 1);
		assert_int_equal(res.nr_kept, 1);
		assert_int_equal(m->kind, DMABUF_MIS_MISPLACED);
		assert_int_equal(m->lba, 3);
		assert_int_equal(m->found_lba, 7);
		/* the LBA field is the first difference: byte 8 of the block */
		assert_int_equal(m->offset, 3 * bs + 8);
		assert_int_equal(m->expected, 0x03);
		assert_int_equal(m->found, 0x07);
		assert_string_equal(dmabuf_mismatch_kind_str(m->kind), "misplaced");
		free(buf);
	}
}

static void test_stale(void **state)
{
	struct dmabuf_verify_result res = { 0 };
	struct dmabuf_mismatch *m = &res.first[0];
	struct dmabuf_pattern p;
	uint8_t *buf, *old;

	(void)state;
	parse_ok("lba", &p);
	p.pass = 2;
	buf = fill_new(&p, 20, 10, 4096);
	p.pass = 1;
	old = fill_new(&p, 25, 1, 4096);
	memcpy(buf + 5 * 4096, old, 4096);
	p.pass = 2;
	assert_int_equal(check(&p, buf, 20, 10, 4096, 1 << 20, &res), 1);
	assert_int_equal(m->kind, DMABUF_MIS_STALE);
	assert_int_equal(m->lba, 25);
	assert_int_equal(m->found_pass, 1);
	assert_int_equal(m->offset, (1 << 20) + 5 * 4096 + 16);
	assert_int_equal(m->expected, 2);
	assert_int_equal(m->found, 1);
	assert_string_equal(dmabuf_mismatch_kind_str(m->kind), "stale");
	free(old);
	free(buf);
}

static void flip_one_bit(const char *text, uint32_t bs, uint32_t at)
{
	struct dmabuf_verify_result res = { 0 };
	struct dmabuf_mismatch *m = &res.first[0];
	struct dmabuf_pattern p;
	uint8_t *buf, orig;

	parse_ok(text, &p);
	buf = fill_new(&p, 40, 4, bs);
	orig = buf[2 * bs + at];
	buf[2 * bs + at] ^= 0x10;
	assert_int_equal(check(&p, buf, 40, 4, bs, 8192, &res), 1);
	assert_int_equal(m->kind, DMABUF_MIS_FLIP);
	assert_int_equal(m->lba, 42);
	assert_int_equal(m->offset, 8192 + 2 * bs + at);
	assert_int_equal(m->len, 1);
	assert_int_equal(m->bits, 1);
	assert_int_equal(m->expected, orig);
	assert_int_equal(m->found, orig ^ 0x10);
	assert_int_equal(res.bytes_bad, 1);
	free(buf);
}

static void test_bit_flip(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < DB_ARRAY_SIZE(lba_sizes); i++) {
		flip_one_bit("lba", lba_sizes[i], 300);
		flip_one_bit("lba", lba_sizes[i], 2);	/* in the magic: header no longer valid */
		flip_one_bit("lba", lba_sizes[i], 9);	/* in the LBA: hash no longer matches */
		flip_one_bit("random:9", lba_sizes[i], lba_sizes[i] - 1);
		flip_one_bit("zero", lba_sizes[i], 0);
		flip_one_bit("ones", lba_sizes[i], 100);
	}
}

static void test_zeroed(void **state)
{
	struct dmabuf_verify_result res = { 0 };
	struct dmabuf_mismatch *m = &res.first[0];
	struct dmabuf_pattern p;
	uint8_t *buf;

	(void)state;
	parse_ok("lba", &p);
	buf = fill_new(&p, 0, 4, 512);
	memset(buf + 512, 0, 512);
	assert_int_equal(check(&p, buf, 0, 4, 512, 0, &res), 1);
	assert_int_equal(m->kind, DMABUF_MIS_ZEROED);
	assert_int_equal(m->lba, 1);
	assert_int_equal(m->offset, 512);
	assert_int_equal(m->expected, 'D');
	assert_int_equal(m->found, 0);
	assert_true(m->len > 400 && m->len <= 512);
	assert_string_equal(dmabuf_mismatch_kind_str(m->kind), "zeroed");
	free(buf);

	/* a zeroed block of a byte pattern */
	memset(&res, 0, sizeof(res));
	parse_ok("byte:0x0f", &p);
	buf = fill_new(&p, 0, 2, 512);
	memset(buf, 0, 512);
	assert_int_equal(check(&p, buf, 0, 2, 512, 0, &res), 1);
	assert_int_equal(m->kind, DMABUF_MIS_ZEROED);
	assert_int_equal(m->len, 512);
	assert_int_equal(m->bits, 4 * 512);
	free(buf);
}

static void test_corrupt(void **state)
{
	struct dmabuf_verify_result res = { 0 };
	struct dmabuf_mismatch *m = &res.first[0];
	struct dmabuf_pattern p, other;
	uint8_t *buf, *junk;
	unsigned i;

	(void)state;
	parse_ok("lba", &p);
	parse_ok("random:77", &other);
	buf = fill_new(&p, 0, 4, 4096);
	junk = fill_new(&other, 0, 1, 4096);
	memcpy(buf + 3 * 4096 + 1024, junk, 2048);
	assert_int_equal(check(&p, buf, 0, 4, 4096, 0, &res), 1);
	assert_int_equal(m->kind, DMABUF_MIS_CORRUPT);
	assert_int_equal(m->lba, 3);
	assert_true(m->offset >= 3 * 4096 + 1024 && m->offset < 3 * 4096 + 1030);
	assert_true(m->bits > 64);
	assert_true(m->len > 2000 && m->len <= 2048);

	free(buf);

	/* up to 64 flipped bits are "bit flips", 72 are not */
	buf = fill_new(&p, 0, 1, 4096);
	for (i = 0; i < 8; i++)
		buf[200 + i] ^= 0xff;
	memset(&res, 0, sizeof(res));
	assert_int_equal(check(&p, buf, 0, 1, 4096, 0, &res), 1);
	assert_int_equal(m->bits, 64);
	assert_int_equal(m->kind, DMABUF_MIS_FLIP);
	buf[208] ^= 0xff;
	memset(&res, 0, sizeof(res));
	assert_int_equal(check(&p, buf, 0, 1, 4096, 0, &res), 1);
	assert_int_equal(m->bits, 72);
	assert_int_equal(m->len, 9);
	assert_int_equal(m->kind, DMABUF_MIS_CORRUPT);
	free(junk);
	free(buf);
}

static void test_keep_limit_and_accumulate(void **state)
{
	struct dmabuf_verify_result res = { 0 };
	struct dmabuf_pattern p;
	uint8_t *buf;
	unsigned i;

	(void)state;
	parse_ok("random:1", &p);
	buf = fill_new(&p, 0, 30, 512);
	for (i = 0; i < 30; i++)
		buf[i * 512 + i] ^= 0x81;	/* 2 bits in every block */
	assert_int_equal(check(&p, buf, 0, 10, 512, 0, &res), 10);
	assert_int_equal(check(&p, buf + 10 * 512, 10, 20, 512, 10 * 512, &res), 20);
	assert_int_equal(res.blocks_checked, 30);
	assert_int_equal(res.blocks_bad, 30);
	assert_int_equal(res.bytes_bad, 30);
	assert_int_equal(res.nr_kept, DMABUF_MISMATCH_KEEP);
	for (i = 0; i < DMABUF_MISMATCH_KEEP; i++) {
		assert_int_equal(res.first[i].lba, i);
		assert_int_equal(res.first[i].offset, i * 512 + i);
		assert_int_equal(res.first[i].bits, 2);
		assert_int_equal(res.first[i].kind, DMABUF_MIS_FLIP);
	}
	free(buf);
}

static void test_check_args(void **state)
{
	struct dmabuf_verify_result res = { 0 };
	struct dmabuf_pattern p;
	struct dmabuf_err e = { 0 };
	uint8_t buf[512] = { 0 };

	(void)state;
	parse_ok("zero", &p);
	assert_int_equal(dmabuf_pattern_check(&p, buf, 0, 1, 0, 0, NULL, &res, &e), -EINVAL);
	assert_int_equal(dmabuf_pattern_check(&p, buf, 0, 1, 512, 0, NULL, NULL, &e), -EINVAL);
	assert_int_equal(dmabuf_pattern_check(&p, buf, 0, 0, 512, 0, NULL, &res, &e), 0);
	assert_int_equal(res.blocks_checked, 0);
}

static void test_kind_strings(void **state)
{
	(void)state;
	assert_string_equal(dmabuf_mismatch_kind_str(DMABUF_MIS_FLIP), "flip");
	assert_string_equal(dmabuf_mismatch_kind_str(DMABUF_MIS_CORRUPT), "corrupt");
	assert_string_equal(dmabuf_mismatch_kind_str(DMABUF_MIS_ZEROED), "zeroed");
	assert_string_equal(dmabuf_mismatch_kind_str(DMABUF_MIS_MISPLACED), "misplaced");
	assert_string_equal(dmabuf_mismatch_kind_str(DMABUF_MIS_STALE), "stale");
	assert_string_equal(dmabuf_mismatch_kind_str(DMABUF_MIS_UNDELIVERED), "undelivered");
	assert_string_equal(dmabuf_mismatch_kind_str(DMABUF_MIS_UNWRITTEN), "unwritten");
}

/* Blocks a read left alone keep the canary: undelivered, with their memory offset. */
static void test_canary_undelivered(void **state)
{
	static const char *const pats[] = { "lba", "zero", "ones", "byte:0xa5", "random:7" };

	(void)state;
	for (unsigned k = 0; k < DB_ARRAY_SIZE(pats); k++) {
		for (unsigned i = 0; i < DB_ARRAY_SIZE(lba_sizes); i++) {
			uint32_t bs = lba_sizes[i];
			struct dmabuf_verify_result res = { 0 };
			struct dmabuf_pattern p;
			uint8_t *buf, *canary;

			parse_ok(pats[k], &p);
			buf = fill_new(&p, 100, 8, bs);
			canary = malloc(8 * bs);
			assert_non_null(canary);
			dmabuf_canary_fill(canary, 0, 8, bs);
			/* no pattern makes the canary */
			assert_int_equal(db_canary_count(buf, 8 * bs), 0);
			assert_int_equal(db_canary_count(canary, bs), bs / DMABUF_CANARY_PIECE);
			/* blocks 2 and 5 never arrived; block 6 half arrived */
			memcpy(buf + 2 * bs, canary + 2 * bs, bs);
			memcpy(buf + 5 * bs, canary + 5 * bs, bs);
			memcpy(buf + 6 * bs, canary + 6 * bs, DMABUF_CANARY_PIECE);
			assert_int_equal(check(&p, buf, 100, 8, bs, 4096, &res), 3);
			assert_int_equal(res.kinds[DMABUF_MIS_UNDELIVERED], 3);
			assert_int_equal(res.first[0].kind, DMABUF_MIS_UNDELIVERED);
			assert_int_equal(res.first[0].lba, 102);
			assert_int_equal(res.first[0].mem_offset, 2 * bs);
			assert_int_equal(res.first[0].canary_pieces, bs / DMABUF_CANARY_PIECE);
			assert_int_equal(res.first[2].lba, 106);
			assert_int_equal(res.first[2].canary_pieces, 1);
			free(canary);
			free(buf);
		}
	}
}

/* A canary header that lost a bit, or a zeroed block, is not the canary. */
static void test_canary_exact(void **state)
{
	uint8_t piece[DMABUF_CANARY_PIECE * 2];

	(void)state;
	dmabuf_canary_fill(piece, 0, 1, sizeof(piece));
	piece[9] ^= 1;				/* the offset: hash no longer matches */
	assert_int_equal(db_canary_count(piece, sizeof(piece)), 1);
	piece[DMABUF_CANARY_PIECE + 100] = 0;	/* the fill */
	assert_int_equal(db_canary_count(piece, sizeof(piece)), 0);
	/* a short tail is never counted */
	dmabuf_canary_fill(piece, 0, 1, sizeof(piece));
	assert_int_equal(db_canary_count(piece, DMABUF_CANARY_PIECE + 100), 1);
}

/* dmabuf read: blocks with the canary, no pattern. */
static void test_canary_check(void **state)
{
	struct dmabuf_verify_result res = { 0 };
	uint8_t *buf = calloc(4, 4096);

	(void)state;
	assert_non_null(buf);
	dmabuf_canary_fill(buf + 4096, 4096, 1, 4096);
	assert_int_equal(dmabuf_canary_check(buf, 50, 4, 4096, 0, &res), 1);
	assert_int_equal(res.blocks_checked, 4);
	assert_int_equal(res.first[0].lba, 51);
	assert_int_equal(res.first[0].mem_offset, 4096);
	assert_int_equal(res.kinds[DMABUF_MIS_UNDELIVERED], 1);
	free(buf);
}

/*
 * A round trip: the scratch stamp came back (unwritten), the canary or any
 * other block came back (undelivered), a flipped bit stays a flip.
 */
static void test_round_trip_kinds(void **state)
{
	const uint32_t bs = 4096;
	struct dmabuf_verify_result res = { 0 };
	struct dmabuf_pattern p, stamp;
	struct dmabuf_err e = { 0 };
	struct dmabuf_check_how how = { true, &stamp, 5000 };
	uint8_t *buf, *st;

	(void)state;
	parse_ok("lba", &p);
	parse_ok("lba:0x77", &stamp);
	buf = fill_new(&p, 10, 6, bs);
	st = fill_new(&stamp, 5000, 6, bs);
	memcpy(buf + 1 * bs, st + 1 * bs, bs);		/* unwritten */
	dmabuf_canary_fill(buf + 2 * bs, 2 * bs, 1, bs);	/* undelivered: the canary */
	memcpy(buf + 3 * bs, buf + 4 * bs, bs);		/* undelivered: another block */
	buf[5 * bs + 100] ^= 0x10;			/* flip */
	assert_int_equal(dmabuf_pattern_check(&p, buf, 10, 6, bs, 0, &how, &res, &e), 4);
	assert_int_equal(res.first[0].kind, DMABUF_MIS_UNWRITTEN);
	assert_int_equal(res.first[0].lba, 11);
	assert_int_equal(res.first[1].kind, DMABUF_MIS_UNDELIVERED);
	assert_int_equal(res.first[2].kind, DMABUF_MIS_UNDELIVERED);
	assert_int_equal(res.first[3].kind, DMABUF_MIS_FLIP);
	assert_int_equal(res.kinds[DMABUF_MIS_UNDELIVERED], 2);
	assert_int_equal(res.kinds[DMABUF_MIS_UNWRITTEN], 1);
	/* the same data read plainly: the stamp is just another LBA's block */
	memset(&res, 0, sizeof(res));
	assert_int_equal(check(&p, buf, 10, 6, bs, 0, &res), 4);
	assert_int_equal(res.first[0].kind, DMABUF_MIS_MISPLACED);
	assert_int_equal(res.first[2].kind, DMABUF_MIS_MISPLACED);
	free(st);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_kinds),
		cmocka_unit_test(test_random_default_seed),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_file),
		cmocka_unit_test(test_lba_header_layout),
		cmocka_unit_test(test_simple_fills),
		cmocka_unit_test(test_windows),
		cmocka_unit_test(test_random_reproducible),
		cmocka_unit_test(test_random_balanced),
		cmocka_unit_test(test_lba_pass_changes_stream),
		cmocka_unit_test(test_file_fill),
		cmocka_unit_test(test_fill_bad_lba_size),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_check_many_chunks),
		cmocka_unit_test(test_misplaced),
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_bit_flip),
		cmocka_unit_test(test_zeroed),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_keep_limit_and_accumulate),
		cmocka_unit_test(test_check_args),
		cmocka_unit_test(test_kind_strings),
		cmocka_unit_test(test_canary_undelivered),
		cmocka_unit_test(test_canary_exact),
		cmocka_unit_test(test_canary_check),
		cmocka_unit_test(test_round_trip_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
