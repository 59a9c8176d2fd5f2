// SPDX-License-Identifier: MIT
/* Unit tests: JSON/text reports (tool/report.c) and I/O statistics (tool/stats.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "report.h"
#include "util.h"

/* --- helpers ----------------------------------------------------------------- */

/* db_report_print() into a malloc'ed string. */
static char *render(struct json_object *doc, bool json)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	assert_non_null(f);
	db_report_print(doc, json, f);
	fclose(f);
	return text;
}

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no \"%s\" in %s", key, json_object_to_json_string(o));
	return v;
}

static bool has(struct json_object *o, const char *key)
{
	return json_object_object_get_ex(o, key, NULL);
}

static void assert_str_member(struct json_object *o, const char *key, const char *want)
{
	struct json_object *v = member(o, key);

	assert_true(json_object_is_type(v, json_type_string));
	assert_string_equal(json_object_get_string(v), want);
}

static void assert_u64_member(struct json_object *o, const char *key, uint64_t want)
{
	struct json_object *v = member(o, key);

	assert_true(json_object_is_type(v, json_type_int));
	if (json_object_get_uint64(v) != want)
		fail_msg("\"%s\" is %s, want %llu", key, json_object_to_json_string(v),
			 (unsigned long long)want);
}

static void assert_double_member(struct json_object *o, const char *key, double want)
{
	struct json_object *v = member(o, key);
	double got = json_object_get_double(v);

	assert_true(json_object_is_type(v, json_type_double));
	if (got < want - 1e-9 || got > want + 1e-9)
		fail_msg("\"%s\" is %.12g, want %.12g", key, got, want);
}

/* Serialise with db_report_print(--json) and parse back. */
static struct json_object *round_trip(struct json_object *doc)
{
	char *text = render(doc, true);
	struct json_object *back = json_tokener_parse(text);

	assert_non_null(back);
	assert_int_equal(text[strlen(text) - 1], '\n');
	free(text);
	return back;
}

/* Latencies 1..n µs (in ns), added out of order. */
static void stats_with_samples(struct db_io_stats *s, uint64_t n)
{
	uint64_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < n; i++)
		db_lat_add(&s->lat, ((i * 7919) % n + 1) * 1000);
}

/* Within the histogram's bound: half a bucket, 1/128 of the value. */
static void assert_near(uint64_t got, uint64_t want)
{
	uint64_t d = got > want ? got - want : want - got;

	if (d * 128 > want)
		fail_msg("%llu is not within 1/128 of %llu", (unsigned long long)got,
			 (unsigned long long)want);
}

/* --- stats ------------------------------------------------------------------- */

static void test_pct_nearest_rank(void **state)
{
	uint64_t v[] = { 50, 15, 40, 20, 35 };
	struct db_io_stats s = { 0 };
	unsigned i;

	(void)state;
	for (i = 0; i < 5; i++)
		db_lat_add(&s.lat, v[i]);
	/* the textbook nearest-rank example: 15 20 35 40 50 (exact below 128 ns) */
	assert_int_equal(db_io_stats_pct(&s, 0), 15);
	assert_int_equal(db_io_stats_pct(&s, 5), 15);
	assert_int_equal(db_io_stats_pct(&s, 20), 15);
	assert_int_equal(db_io_stats_pct(&s, 30), 20);
	assert_int_equal(db_io_stats_pct(&s, 40), 20);
	assert_int_equal(db_io_stats_pct(&s, 50), 35);
	assert_int_equal(db_io_stats_pct(&s, 100), 50);
	assert_int_equal(db_io_stats_pct(&s, 250), 50);
	assert_int_equal(db_io_stats_pct(&s, -1), 15);
	assert_int_equal(s.lat.n, 5);
	assert_int_equal(s.lat.sum, 160);
	assert_true(db_lat_mean(&s.lat) == 32.0);
}

static void test_pct_large_set(void **state)
{
	struct db_io_stats s;

	(void)state;
	stats_with_samples(&s, 1000);
	assert_near(db_io_stats_pct(&s, 50), 500000);
	assert_near(db_io_stats_pct(&s, 90), 900000);
	assert_near(db_io_stats_pct(&s, 99), 990000);
	/* 99.9 % of 1000 is rank 999, despite 99.9 not being exact in binary */
	assert_near(db_io_stats_pct(&s, 99.9), 999000);
	assert_true(db_io_stats_pct(&s, 99.9) < 1000000);
	/* min and max are exact */
	assert_int_equal(db_io_stats_pct(&s, 0), 1000);
	assert_int_equal(db_io_stats_pct(&s, 100), 1000000);
	db_io_stats_free(&s);
}

/* Every value from 1 ns to 2^40 ns is reported within 1/128, and order is kept. */
static void test_pct_bucket_bound(void **state)
{
	struct db_io_stats s = { 0 };
	uint64_t v, prev = 0;

	(void)state;
	for (v = 1; v < (1ull << 40); v = v * 9 / 8 + 1) {
		uint64_t got;

		db_io_stats_free(&s);
		db_lat_add(&s.lat, 1);
		db_lat_add(&s.lat, v);
		db_lat_add(&s.lat, v);
		db_lat_add(&s.lat, 1ull << 41);
		got = db_io_stats_pct(&s, 50);
		assert_near(got, v);
		assert_true(got >= prev);
		prev = got;
	}
	/* past the last bucket: still counted, max exact */
	db_io_stats_free(&s);
	db_lat_add(&s.lat, UINT64_MAX / 2);
	assert_int_equal(db_io_stats_pct(&s, 100), UINT64_MAX / 2);
	assert_int_equal(db_io_stats_pct(&s, 50), UINT64_MAX / 2);
}

static void test_pct_empty_and_single(void **state)
{
	struct db_io_stats s = { 0 };

	(void)state;
	assert_int_equal(db_io_stats_pct(&s, 50), 0);
	db_lat_add(&s.lat, 777);
	assert_int_equal(db_io_stats_pct(&s, 0), 777);
	assert_int_equal(db_io_stats_pct(&s, 99.9), 777);
}

static void test_stats_add(void **state)
{
	struct db_io_stats a = { 0 }, b = { 0 };
	uint64_t i;

	(void)state;
	for (i = 0; i < 100; i++) {
		struct db_io_stats one = { .ios = 1, .bytes = 4096, .ns = 10 };

		db_lat_add(&one.lat, i);
		assert_int_equal(db_io_stats_add(&a, &one), 0);
	}
	assert_int_equal(a.ios, 100);
	assert_int_equal(a.bytes, 409600);
	assert_int_equal(a.ns, 1000);
	assert_int_equal(a.lat.n, 100);
	assert_int_equal(a.lat.min, 0);
	assert_int_equal(a.lat.max, 99);
	assert_int_equal(db_io_stats_pct(&a, 50), 49);

	b.retries = 2;
	b.errors = 1;
	assert_int_equal(db_io_stats_add(&a, &b), 0);	/* no samples to add */
	assert_int_equal(a.retries, 2);
	assert_int_equal(a.errors, 1);
	assert_int_equal(a.lat.n, 100);
	assert_int_equal(a.lat.min, 0);

	/* merging a run into itself doubles it */
	assert_int_equal(db_io_stats_add(&a, &a), 0);
	assert_int_equal(a.ios, 200);
	assert_int_equal(a.lat.n, 200);
	assert_int_equal(a.lat.bucket[50], 2);
	assert_int_equal(db_io_stats_pct(&a, 100), 99);
	assert_int_equal(db_io_stats_pct(&a, 50), 49);

	db_io_stats_free(&a);
	assert_int_equal(a.lat.n, 0);
	assert_int_equal(a.ios, 0);
	db_io_stats_free(&a);	/* twice is harmless */
}

static void test_report_stats(void **state)
{
	struct json_object *o, *back, *lat;
	struct db_io_stats s;

	(void)state;
	stats_with_samples(&s, 1000);
	s.ios = 1000;
	s.bytes = 4096000;
	s.ns = 2000000000;
	s.retries = 4;
	s.errors = 1;
	o = db_report_stats(&s);
	back = round_trip(o);
	assert_u64_member(back, "ios", 1000);
	assert_u64_member(back, "bytes", 4096000);
	assert_double_member(back, "seconds", 2.0);
	assert_double_member(back, "iops", 500.0);
	assert_double_member(back, "mb_per_s", 2.048);
	assert_u64_member(back, "retries", 4);
	assert_u64_member(back, "errors", 1);
	lat = member(back, "latency_us");
	assert_double_member(lat, "min", 1.0);
	/* percentiles come from the histogram: within 1/128 */
	assert_near((uint64_t)(json_object_get_double(member(lat, "p50")) * 1000), 500000);
	assert_near((uint64_t)(json_object_get_double(member(lat, "p90")) * 1000), 900000);
	assert_near((uint64_t)(json_object_get_double(member(lat, "p99")) * 1000), 990000);
	assert_near((uint64_t)(json_object_get_double(member(lat, "p999")) * 1000), 999000);
	assert_double_member(lat, "max", 1000.0);
	json_object_put(back);
	json_object_put(o);
	db_io_stats_free(&s);

	/* no samples, no time: no latency block, no division by zero */
	o = db_report_stats(&s);
	assert_false(has(o, "latency_us"));
	assert_double_member(o, "iops", 0.0);
	assert_double_member(o, "mb_per_s", 0.0);
	json_object_put(o);
}

/* --- building ---------------------------------------------------------------- */

static void test_report_new(void **state)
{
	struct json_object *o, *back;

	(void)state;
	o = db_report_new("read");
	back = round_trip(o);
	assert_str_member(back, "command", "read");
	/*
	 * The value is `git describe` when lib/report.o was built, which an
	 * incremental build may not share with this file: only ask for one.
	 */
	assert_true(json_object_is_type(member(back, "version"), json_type_string));
	assert_true(strlen(json_object_get_string(member(back, "version"))) > 0);
	assert_u64_member(back, "schema", DB_REPORT_SCHEMA);
	assert_int_equal(json_object_object_length(back), 3);
	json_object_put(back);
	json_object_put(o);
}

static void test_jadd(void **state)
{
	struct json_object *o = json_object_new_object(), *back;
	char *text;

	(void)state;
	db_jadd_str(o, "s", "/dev/nvme0n1");
	db_jadd_str(o, "nul", NULL);
	db_jadd_u64(o, "big", UINT64_MAX);
	db_jadd_int(o, "neg", -22);
	db_jadd_bool(o, "yes", true);
	db_jadd_bool(o, "no", false);
	db_jadd_double(o, "tenth", 0.1);
	db_jadd_double(o, "two", 2.0);
	db_jadd_double(o, "nan", 0.0 / 0.0);
	text = render(o, true);
	/* slashes unescaped, short doubles, floating values stay floating */
	assert_non_null(strstr(text, "\"/dev/nvme0n1\""));
	assert_non_null(strstr(text, "\"tenth\":0.1,"));
	assert_non_null(strstr(text, "\"two\":2.0,"));
	assert_non_null(strstr(text, "\"big\":18446744073709551615"));
	free(text);

	back = round_trip(o);
	assert_str_member(back, "s", "/dev/nvme0n1");
	assert_null(member(back, "nul"));
	assert_true(json_object_get_uint64(member(back, "big")) == UINT64_MAX);
	assert_int_equal(json_object_get_int64(member(back, "neg")), -22);
	assert_true(json_object_get_boolean(member(back, "yes")));
	assert_false(json_object_get_boolean(member(back, "no")));
	assert_double_member(back, "tenth", 0.1);
	assert_double_member(back, "two", 2.0);
	assert_null(member(back, "nan"));
	json_object_put(back);
	json_object_put(o);
}

static void fill_verify(struct dmabuf_verify_result *v)
{
	memset(v, 0, sizeof(*v));
	v->blocks_checked = 1024;
	v->blocks_bad = 20;
	v->bytes_bad = 9000;
	v->kinds[DMABUF_MIS_MISPLACED] = 12;
	v->kinds[DMABUF_MIS_STALE] = 7;
	v->kinds[DMABUF_MIS_UNDELIVERED] = 1;
	v->nr_kept = 4;
	v->first[3] = (struct dmabuf_mismatch){ .lba = 901, .offset = 3690496, .mem_offset = 8192,
		.len = 4096, .expected = 0xa5, .found = 0xa5, .kind = DMABUF_MIS_UNDELIVERED,
		.canary_pieces = 8 };
	v->first[0] = (struct dmabuf_mismatch){ .lba = 3, .offset = 12296, .len = 1, .bits = 1,
		.expected = 0x03, .found = 0x07, .kind = DMABUF_MIS_MISPLACED, .found_lba = 7 };
	v->first[1] = (struct dmabuf_mismatch){ .lba = 5, .offset = 20496, .len = 1, .bits = 2,
		.expected = 0x02, .found = 0x01, .kind = DMABUF_MIS_STALE, .found_pass = 1 };
	v->first[2] = (struct dmabuf_mismatch){ .lba = 900, .offset = 3686500, .len = 1, .bits = 1,
		.expected = 0xa5, .found = 0xb5, .kind = DMABUF_MIS_FLIP };
}

static void test_report_verify(void **state)
{
	struct json_object *o, *back, *arr, *m;
	struct dmabuf_verify_result v;

	(void)state;
	fill_verify(&v);
	o = db_report_verify(&v, 4096);
	back = round_trip(o);
	assert_u64_member(back, "lba_size", 4096);
	assert_u64_member(back, "blocks_checked", 1024);
	assert_u64_member(back, "blocks_bad", 20);
	assert_u64_member(back, "bytes_bad", 9000);
	arr = member(back, "mismatches");
	assert_true(json_object_is_type(arr, json_type_array));
	assert_int_equal(json_object_array_length(arr), 4);
	m = json_object_array_get_idx(arr, 3);
	assert_string_equal(json_object_get_string(member(m, "kind")), "undelivered");
	assert_u64_member(m, "mem_offset", 8192);
	assert_u64_member(m, "canary_pieces", 8);
	assert_u64_member(member(back, "kinds"), "undelivered", 1);
	assert_u64_member(member(back, "kinds"), "misplaced", 12);
	assert_u64_member(member(back, "kinds"), "unwritten", 0);

	m = json_object_array_get_idx(arr, 0);
	assert_u64_member(m, "lba", 3);
	assert_u64_member(m, "offset", 12296);
	assert_str_member(m, "kind", "misplaced");
	assert_str_member(m, "expected", "0x03");
	assert_str_member(m, "found", "0x07");
	assert_u64_member(m, "bytes", 1);
	assert_u64_member(m, "bits", 1);
	assert_u64_member(m, "found_lba", 7);
	assert_false(has(m, "found_pass"));

	m = json_object_array_get_idx(arr, 1);
	assert_str_member(m, "kind", "stale");
	assert_u64_member(m, "found_pass", 1);
	assert_false(has(m, "found_lba"));

	m = json_object_array_get_idx(arr, 2);
	assert_str_member(m, "kind", "flip");
	assert_str_member(m, "expected", "0xa5");
	assert_str_member(m, "found", "0xb5");
	assert_false(has(m, "found_lba"));
	assert_false(has(m, "found_pass"));
	json_object_put(back);
	json_object_put(o);

	/* a clean run still has an (empty) mismatch list */
	memset(&v, 0, sizeof(v));
	o = db_report_verify(&v, 512);
	assert_int_equal(json_object_array_length(member(o, "mismatches")), 0);
	json_object_put(o);
}

static void test_report_failure(void **state)
{
	struct db_io_failure f = { .failed = true, .lba = 4096, .nblocks = 8, .res = -EIO };
	struct json_object *o;
	const char *err;

	(void)state;
	o = db_report_failure(&f);
	assert_u64_member(o, "lba", 4096);
	assert_u64_member(o, "blocks", 8);
	assert_str_member(o, "error", strerror(EIO));
	assert_u64_member(o, "errno", EIO);
	assert_u64_member(o, "nvme_status", 0);
	json_object_put(o);

	f.res = 0;
	f.nvme_status = 0x2;
	o = db_report_failure(&f);
	err = json_object_get_string(member(o, "error"));
	/* the status name is added only when the passthrough engine is linked in */
	assert_true(!strncmp(err, "NVMe status 0x002", 17));
	assert_u64_member(o, "nvme_status", 2);
	assert_false(has(o, "errno"));
	json_object_put(o);
}

/* --- text rendering ------------------------------------------------------------ */

static void test_text_scalars_and_blocks(void **state)
{
	struct json_object *doc = db_report_new("read"), *sub, *arr;
	const char *want =
		"target    : /dev/nvme0n1\n"
		"zero_copy : yes\n"
		"retried   : no\n"
		"blocks    : 256\n"
		"ratio     : 0.125\n"
		"seconds   : 2.50\n"
		"mb_per_s  : 1234.6\n"
		"paths     : token, pages, bounce\n"
		"none      : none\n"
		"nothing   : -\n"
		"memory:\n"
		"  source : udmabuf\n"
		"  size   : 1048576\n"
		"  inner:\n"
		"    depth : 2\n";
	char *text;

	(void)state;
	db_jadd_str(doc, "target", "/dev/nvme0n1");
	db_jadd_bool(doc, "zero_copy", true);
	db_jadd_bool(doc, "retried", false);
	db_jadd_u64(doc, "blocks", 256);
	db_jadd_double(doc, "ratio", 0.125);
	db_jadd_double(doc, "seconds", 2.5);
	db_jadd_double(doc, "mb_per_s", 1234.56);
	arr = json_object_new_array();
	json_object_array_add(arr, json_object_new_string("token"));
	json_object_array_add(arr, json_object_new_string("pages"));
	json_object_array_add(arr, json_object_new_string("bounce"));
	json_object_object_add(doc, "paths", arr);
	json_object_object_add(doc, "none", json_object_new_array());
	db_jadd_str(doc, "nothing", NULL);
	sub = json_object_new_object();
	db_jadd_str(sub, "source", "udmabuf");
	db_jadd_u64(sub, "size", 1048576);
	json_object_object_add(doc, "memory", sub);
	arr = json_object_new_object();
	db_jadd_int(arr, "depth", 2);
	json_object_object_add(sub, "inner", arr);

	text = render(doc, false);
	assert_string_equal(text, want);
	/* the identity lines are for JSON consumers only */
	assert_null(strstr(text, "command"));
	assert_null(strstr(text, "version"));
	free(text);
	json_object_put(doc);
}

static void test_text_table(void **state)
{
	struct json_object *doc = db_report_new("verify");
	struct dmabuf_verify_result v;
	const char *want =
		"verify:\n"
		"  lba_size       : 4096\n"
		"  blocks_checked : 1024\n"
		"  blocks_bad     : 20\n"
		"  bytes_bad      : 9000\n"
		"  kinds:\n"
		"    flip        : 0\n"
		"    corrupt     : 0\n"
		"    zeroed      : 0\n"
		"    misplaced   : 12\n"
		"    stale       : 7\n"
		"    undelivered : 1\n"
		"    unwritten   : 0\n"
		"  mismatches:\n"
		"    LBA   OFFSET  MEM_OFFSET  KIND         EXPECTED  FOUND  BYTES  BITS  FOUND_LBA  FOUND_PASS  CANARY_PIECES\n"
		"      3    12296           0  misplaced    0x03      0x07       1     1          7           -              -\n"
		"      5    20496           0  stale        0x02      0x01       1     2          -           1              -\n"
		"    900  3686500           0  flip         0xa5      0xb5       1     1          -           -              -\n"
		"    901  3690496        8192  undelivered  0xa5      0xa5    4096     0          -           -              8\n";
	char *text;

	(void)state;
	fill_verify(&v);
	json_object_object_add(doc, "verify", db_report_verify(&v, 4096));
	text = render(doc, false);
	assert_string_equal(text, want);
	free(text);
	json_object_put(doc);
}

/* Rows holding objects or tables are printed as records, blocks nested. */
static void test_text_records(void **state)
{
	struct json_object *doc = db_report_new("check");
	struct json_object *rows = json_object_new_array(), *r, *bars, *bar;
	const char *want =
		"gpus:\n"
		"  -\n"
		"    bdf : 0000:04:00.0\n"
		"    bars:\n"
		"      INDEX      SIZE\n"
		"          0  16777216\n"
		"  -\n"
		"    bdf  : 0000:05:00.0\n"
		"    bars : none\n"
		"flat:\n"
		"  A  B\n"
		"  1  x\n";
	char *text;

	(void)state;
	r = json_object_new_object();
	db_jadd_str(r, "bdf", "0000:04:00.0");
	bars = json_object_new_array();
	bar = json_object_new_object();
	db_jadd_u64(bar, "index", 0);
	db_jadd_u64(bar, "size", 16777216);
	json_object_array_add(bars, bar);
	json_object_object_add(r, "bars", bars);
	json_object_array_add(rows, r);
	r = json_object_new_object();
	db_jadd_str(r, "bdf", "0000:05:00.0");
	json_object_object_add(r, "bars", json_object_new_array());
	json_object_array_add(rows, r);
	json_object_object_add(doc, "gpus", rows);
	rows = json_object_new_array();
	r = json_object_new_object();
	db_jadd_u64(r, "a", 1);
	db_jadd_str(r, "b", "x");
	json_object_array_add(rows, r);
	json_object_object_add(doc, "flat", rows);
	text = render(doc, false);
	assert_string_equal(text, want);
	free(text);
	json_object_put(doc);
}

static void test_text_stats(void **state)
{
	struct json_object *doc = db_report_new("read");
	struct db_io_stats s;
	char *text;

	(void)state;
	stats_with_samples(&s, 1000);
	s.ios = 1000;
	s.bytes = 4096000;
	s.ns = 2000000000;
	json_object_object_add(doc, "stats", db_report_stats(&s));
	text = render(doc, false);
	assert_non_null(strstr(text, "stats:\n  ios      : 1000\n"));
	assert_non_null(strstr(text, "\n  iops     : 500\n"));
	assert_non_null(strstr(text, "\n  mb_per_s : 2.05\n"));
	assert_non_null(strstr(text, "\n  latency_us:\n    min  : 1\n"));
	assert_non_null(strstr(text, "\n    max  : 1000\n"));
	free(text);
	json_object_put(doc);
	db_io_stats_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pct_nearest_rank),
		cmocka_unit_test(test_pct_large_set),
		cmocka_unit_test(test_pct_bucket_bound),
		cmocka_unit_test(test_pct_empty_and_single),
		cmocka_unit_test(test_stats_add),
		cmocka_unit_test(test_report_stats),
		cmocka_unit_test(test_report_new),
		cmocka_unit_test(test_jadd),
		cmocka_unit_test(test_report_verify),
		cmocka_unit_test(test_report_failure),
		cmocka_unit_test(test_text_scalars_and_blocks),
		cmocka_unit_test(test_text_table),
		cmocka_unit_test(test_text_records),
		cmocka_unit_test(test_text_stats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
