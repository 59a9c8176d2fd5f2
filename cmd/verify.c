// SPDX-License-Identifier: MIT
/*
 * dmabuf verify: per pass, fill the memory with a pattern, write it, poison
 * the memory, read the range back and compare block by block.
 */
#include <stdio.h>

#include "builtin.h"
#include "dmabuf/util.h"

struct verify_args {
	struct io_opts io;
	unsigned passes;
	bool read_only;
	struct io_verify iv;
};

enum { OPT_PASSES = 0x200, OPT_READ_ONLY };

static const struct argp_option verify_options[] = {
	{ "passes", OPT_PASSES, "N", 0, "write/read/compare passes (default 1)", 4 },
	{ "read-only", OPT_READ_ONLY, NULL, 0, "only read and compare data written before", 4 },
	{ 0 }
};

static error_t verify_parse(int key, char *arg, struct argp_state *state)
{
	struct verify_args *a = state->input;

	switch (key) {
	case OPT_PASSES:
		a->passes = parse_count(state, "--passes", arg, 1000000);
		break;
	case OPT_READ_ONLY:
		a->read_only = true;
		break;
	case ARGP_KEY_INIT:
		io_children_init(state, &a->io);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp verify_argp = {
	verify_options, verify_parse, "TARGET",
	"Write a pattern to TARGET through memory from SRC, read it back, compare."
	"\vExit status 1 when blocks differ; the first mismatches are listed with "
	"their LBA, byte offset, expected and found bytes and what kind of damage it is.",
	io_pattern_children, NULL, NULL
};

static int run_passes(struct verify_args *a, struct db_ctx *c, const struct io_range *rg,
		      struct json_object *doc)
{
	int ret = EXIT_OK;

	/* --read-only checks what `dmabuf write` left: pass 0 */
	for (unsigned p = 1; p <= a->passes && !ret; p++)
		ret = io_verify_pass(c, rg, &a->iv, a->read_only ? 0 : p, !a->read_only, doc);
	return ret;
}

int cmd_verify(int argc, char **argv)
{
	struct verify_args a = { .passes = 1, .iv.pat.fd = -1 };
	struct json_object *doc;
	struct io_range rg;
	struct db_ctx c;
	int ret;

	argp_parse(&verify_argp, argc, argv, 0, NULL, &a);
	a.io.write = !a.read_only;
	ret = io_pattern(&a.io, &a.iv.pat);
	if (ret)
		return ret;
	ret = io_open(&a.io, &c, &rg);
	if (ret)
		goto out;
	doc = db_report_new("verify");
	ret = run_passes(&a, &c, &rg, doc);
	db_jadd_str(doc, "pattern", a.iv.pat.text);
	db_jadd_u64(doc, "passes", a.passes);
	io_result(doc, ret);
	io_report(doc, &c, &rg);
	json_object_object_add(doc, "verify", db_report_verify(&a.iv.v, c.t.lba_size));
	db_report_print(doc, g.json, stdout);
	if (ret == EXIT_MISMATCH)
		fprintf(stderr, "dmabuf: %s: %llu of %llu blocks differ from pattern %s\n",
			c.t.path, (unsigned long long)a.iv.v.blocks_bad,
			(unsigned long long)a.iv.v.blocks_checked, a.iv.pat.text);
	json_object_put(doc);
	db_ctx_close(&c);
out:
	db_pattern_close(&a.iv.pat);
	return ret;
}
