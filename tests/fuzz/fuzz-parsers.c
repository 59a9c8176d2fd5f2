// SPDX-License-Identifier: MIT
/*
 * fuzz-parsers: libFuzzer target for the parsers of what a user types:
 * sizes, counts, --mem sources (with the fd:N and pid:PID:FD forms),
 * --pattern, --path and --engine.  The first byte of an input picks the
 * parser; the rest is the text, cut at the first NUL.  A parsed pattern is
 * also filled into a block and verified against itself, so the pattern code
 * behind a parse that succeeded runs too.  Crashes and sanitizer reports
 * are the failures; the return values are checked for what the parsers
 * promise (0 or a negative errno, and a filled-in result on success).
 *
 *   make fuzz [FUZZ_SECS=N]     runs it on tests/fuzz/corpus for N seconds
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "engine.h"
#include "err.h"
#include "mem.h"
#include "pattern.h"
#include "util.h"

#define TEXT_MAX 512

/* Not a failure the fuzzer could find otherwise: a broken promise. */
static void expect(int cond)
{
	if (!cond)
		abort();
}

static void fuzz_size(const char *s)
{
	uint64_t v = 0;
	int ret = db_parse_size(s, &v);

	expect(ret == 0 || ret == -EINVAL || ret == -ERANGE);
}

static void fuzz_u64(const char *s)
{
	uint64_t v = 0;
	int ret = db_parse_u64(s, &v);

	expect(ret == 0 || ret == -EINVAL || ret == -ERANGE);
}

static void fuzz_mem(const char *s)
{
	struct db_mem_spec spec;
	struct dmabuf_err e = { 0 };
	int ret = db_mem_parse(s, &spec, &e);

	expect(ret == 0 || (ret == -EINVAL && e.kind == DMABUF_E_USAGE));
	if (!ret)
		expect(db_mem_kind_name(spec.kind) != NULL);
}

static void fuzz_pattern(const char *s)
{
	static uint8_t block[2][4096];
	struct dmabuf_pattern p = { .fd = -1 };
	struct dmabuf_verify_result v = { 0 };
	struct dmabuf_err e = { 0 };
	int ret;

	/* file:PATH opens a file: keep the fuzzer to parsing */
	if (!strncmp(s, "file:", 5))
		return;
	ret = db_pattern_parse(s, &p, &e);
	expect(ret == 0 || e.kind == DMABUF_E_USAGE);
	if (ret)
		return;
	expect(!dmabuf_pattern_fill(&p, block[0], 7, 8, 512, &e));
	expect(dmabuf_pattern_check(&p, block[0], 7, 8, 512, 0, NULL, &v, &e) == 0);
	expect(v.blocks_checked == 8 && v.blocks_bad == 0);
	/* one flipped byte is one bad block */
	memcpy(block[1], block[0], sizeof(block[1]));
	block[1][1000] ^= 0x10;
	expect(dmabuf_pattern_check(&p, block[1], 7, 8, 512, 0, NULL, &v, &e) == 1);
	db_pattern_close(&p);
}

static void fuzz_path_engine(const char *s)
{
	enum db_engine_kind k;
	enum dmabuf_path path;
	int r1 = dmabuf_path_parse(s, &path), r2 = db_engine_parse(s, &k);

	expect(r1 == 0 || r1 == -EINVAL);
	expect(r2 == 0 || r2 == -EINVAL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static void (*const parsers[])(const char *) = {
		fuzz_size, fuzz_u64, fuzz_mem, fuzz_pattern, fuzz_path_engine,
	};
	char text[TEXT_MAX + 1];
	size_t n;

	if (!size)
		return 0;
	n = size - 1 < TEXT_MAX ? size - 1 : TEXT_MAX;
	memcpy(text, data + 1, n);
	text[n] = '\0';
	parsers[data[0] % (sizeof(parsers) / sizeof(parsers[0]))](text);
	return 0;
}
