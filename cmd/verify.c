// SPDX-License-Identifier: MIT
/*
 * dmabuf verify: per pass, fill the memory with a pattern, write it, fill
 * the memory with the canary, read the range back and compare block by
 * block.
 *
 * With --scratch-lba the CPU never touches the memory under test: the
 * pattern is written from host memory, and each window makes a round trip
 * through the memory (read into it, written from it to a scratch range)
 * before host memory reads it back for the compare.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "builtin.h"
#include "util.h"

/* The scratch range's stamp: the `lba` pattern under another seed. */
#define STAMP_SEED_XOR 0x5c7a7c45ull

struct round_trip {
	bool on;
	uint64_t lba;			/* --scratch-lba */
	struct db_ctx host;		/* host memory (memfd) on the same target */
	struct io_range hrg;
	struct dmabuf_pattern *stamp;	/* owned */
	struct dmabuf_verify_result drive;	/* the range read straight into host memory */
};

struct verify_args {
	struct io_opts io;
	unsigned passes;
	bool read_only;
	uint32_t pass;		/* --read-only: the pass whose stamps are expected */
	bool pass_set;		/* --pass */
	bool pass_known;	/* given, or looked for in the range's first block */
	bool pass_found;	/* found there: the stamp of LBA pass_lba */
	bool pass_failed;	/* LBA pass_lba is stamped with pass_stamped, yet differs under it */
	uint32_t pass_stamped;
	uint64_t pass_lba;
	struct io_verify iv;
	struct round_trip rt;
};

enum { OPT_PASSES = 0x200, OPT_READ_ONLY, OPT_SCRATCH, OPT_EXTEND, OPT_PASS };

static const struct argp_option verify_options[] = {
	{ "passes", OPT_PASSES, "N", 0, "write/read/compare passes (default 1)", 4 },
	{ "read-only", OPT_READ_ONLY, NULL, 0, "only read and compare data written before", 4 },
	{ "pass", OPT_PASS, "N", 0, "with --read-only: expect the lba stamps of pass N (default: "
	  "the pass the range's first block carries)", 4 },
	{ "scratch-lba", OPT_SCRATCH, "LBA", 0, "check without CPU access to the memory: "
	  "round-trip each window through it and the scratch range at LBA (overwritten)", 4 },
	{ "extend", OPT_EXTEND, NULL, 0, "let a range (or scratch range) past the end of a "
	  "regular file grow it", 4 },
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
	case OPT_PASS: {
		uint64_t v;

		if (db_parse_u64(arg, &v) || v > UINT32_MAX)
			argp_error(state, "--pass: '%s' is not a pass number from 0 to %u", arg,
				   UINT32_MAX);
		a->pass = (uint32_t)v;
		a->pass_set = true;
		break;
	}
	case OPT_SCRATCH:
		parse_num_arg(state, "--scratch-lba", arg, &a->rt.lba);
		a->rt.on = true;
		break;
	case OPT_EXTEND:
		a->io.extend = true;
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
	"their LBA, byte offset, offset in the memory, expected and found bytes and "
	"what kind of damage it is (undelivered: the read succeeded and the memory "
	"kept the canary).  --scratch-lba checks memory the CPU cannot map.",
	io_pattern_children, NULL, NULL
};

/* Does the pattern stamp its blocks with the pass (lba, lba:SEED)? */
static bool stamps_pass(const struct dmabuf_pattern *p)
{
	const char *name = dmabuf_pattern_name(p);

	return !strncmp(name, "lba", 3) && (!name[3] || name[3] == ':');
}

/* --- --read-only ----------------------------------------------------------------- */

/* Block @lba, first in the memory, against the pattern stamped with @pass.  Exit status. */
static int check_first(struct verify_args *a, struct db_ctx *c, uint64_t lba, uint32_t pass,
		       struct dmabuf_verify_result *v)
{
	struct dmabuf_err e = { 0 };
	int64_t bad;

	memset(v, 0, sizeof(*v));
	dmabuf_pattern_set_pass(a->iv.pat, pass);
	if (db_ctx_cpu_begin(c, false, &e))
		return fail(&e);
	bad = dmabuf_pattern_check(a->iv.pat, dmabuf_mem_addr(c->m), lba, 1, c->t.lba_size, 0,
				   NULL, v, &e);
	if (db_ctx_cpu_end(c, false, bad < 0 ? NULL : &e) && bad >= 0)
		bad = -1;
	return bad < 0 ? fail(&e) : EXIT_OK;
}

/*
 * Without --pass: `dmabuf write` stamps pass 0, verify's pass N stamps N,
 * so the range's first block says which pass wrote it.  When it is intact
 * under its own pass (the right LBA, seed and data), that pass is checked;
 * else write's, 0.
 */
static int find_pass(struct verify_args *a, struct db_ctx *c, uint64_t lba)
{
	struct dmabuf_verify_result v;
	int ret;

	a->pass_known = true;
	if (!stamps_pass(a->iv.pat))
		return EXIT_OK;
	ret = check_first(a, c, lba, 0, &v);
	if (!ret && v.blocks_bad && v.first[0].kind == DMABUF_MIS_STALE) {
		a->pass = v.first[0].found_pass;
		ret = check_first(a, c, lba, a->pass, &v);
		if (v.blocks_bad) {
			a->pass_failed = true;
			a->pass_stamped = a->pass;
			a->pass = 0;
		}
	}
	a->pass_found = !v.blocks_bad;
	a->pass_lba = lba;
	dmabuf_pattern_set_pass(a->iv.pat, a->pass);
	return ret;
}

static int ro_canary(void *arg, struct db_ctx *c, uint64_t lba, uint64_t nblocks)
{
	(void)arg;
	(void)lba;
	return io_canary(c, nblocks);
}

/* After each window is read: the pass (first window), then the compare. */
static int ro_check(void *arg, struct db_ctx *c, uint64_t lba, uint64_t nblocks)
{
	struct verify_args *a = arg;
	int ret = a->pass_known ? EXIT_OK : find_pass(a, c, lba);

	return ret ? ret : io_verify_check(&a->iv, c, lba, nblocks);
}

static int run_passes(struct verify_args *a, struct db_ctx *c, const struct io_range *rg,
		      struct json_object *doc)
{
	int ret = EXIT_OK;

	if (!a->read_only) {
		for (unsigned p = 1; p <= a->passes && !ret; p++)
			ret = io_verify_pass(c, rg, &a->iv, p, true, doc);
		return ret;
	}
	a->iv.range_lba = rg->lba;
	dmabuf_pattern_set_pass(a->iv.pat, a->pass);
	for (unsigned p = 1; p <= a->passes && !ret; p++) {
		ret = io_windows(c, rg, false, ro_canary, ro_check, a, doc);
		if (!ret && a->iv.v.blocks_bad)
			ret = EXIT_MISMATCH;
	}
	return ret;
}

/* --- the round trip ------------------------------------------------------------ */

/*
 * The scratch range holds one window and lies inside the target (or, with
 * --extend, grows a file), off the range.
 */
static int rt_check_scratch(const struct verify_args *a, const struct db_ctx *c,
			    const struct io_range *rg)
{
	const struct round_trip *rt = &a->rt;
	struct dmabuf_err e = { 0 };

	if (db_target_check_range(&c->t, rt->lba, rg->win_blocks, a->io.extend, &e)) {
		db_err_detail(&e, "it is the scratch range of --scratch-lba %llu",
			      (unsigned long long)rt->lba);
		if (c->t.kind == DB_TGT_FILE && !a->io.extend && !e.err)
			db_err_detail(&e, "--extend grows the file to hold it");
		return fail(&e);
	}
	if (rt->lba < rg->lba + rg->nblocks && rg->lba < rt->lba + rg->win_blocks)
		return usage_error("--scratch-lba %llu: its %llu blocks overlap the range %llu+%llu",
				   (unsigned long long)rt->lba,
				   (unsigned long long)rg->win_blocks,
				   (unsigned long long)rg->lba, (unsigned long long)rg->nblocks);
	return EXIT_OK;
}

/* Host memory on the same target, one window of it, registered as pages. */
static int rt_open(struct verify_args *a, const struct db_ctx *c, const struct io_range *rg)
{
	struct io_opts o = a->io;
	struct dmabuf_err e = { 0 };
	char text[64];
	int ret;

	o.mem = "memfd";
	o.path = "pages";
	o.name = NULL;
	o.size = rg->win_blocks * c->t.lba_size;
	o.size_set = true;
	ret = io_open(&o, &a->rt.host, &a->rt.hrg);
	if (ret)
		return ret;
	io_progress_track(&a->rt.host);
	snprintf(text, sizeof(text), "lba:0x%llx",
		 (unsigned long long)(dmabuf_pattern_seed(a->iv.pat) ^ STAMP_SEED_XOR));
	if (dmabuf_pattern_parse(text, &a->rt.stamp, &e))
		return fail(&e);
	return EXIT_OK;
}

static int host_check(struct round_trip *rt, const struct dmabuf_pattern *p, uint64_t lba,
		      uint64_t n, uint64_t range_off, const struct dmabuf_check_how *how,
		      struct dmabuf_verify_result *v)
{
	struct dmabuf_err e = { 0 };

	if (dmabuf_pattern_check(p, dmabuf_mem_addr(rt->host.m), lba, n, rt->host.t.lba_size, range_off,
				 how, v, &e) < 0)
		return fail(&e);
	return EXIT_OK;
}

/*
 * One window: the drive's data straight into host memory (is the drive
 * right?); the canary into the memory through the scratch range; the stamp
 * on the scratch range; the range into the memory; the memory out to the
 * scratch range; the scratch range into host memory, compared.
 */
static int rt_window(struct verify_args *a, struct db_ctx *c, const struct io_range *rg,
		     uint64_t lba, uint64_t n, struct json_object *doc)
{
	struct round_trip *rt = &a->rt;
	struct db_ctx *h = &rt->host;
	struct dmabuf_check_how how = { true, rt->stamp, rt->lba };
	uint64_t done = lba - rg->lba, off = done * c->t.lba_size;
	int ret;

	if ((ret = io_xfer(h, false, lba, n, rg, done, doc)) ||
	    (ret = host_check(rt, a->iv.pat, lba, n, off, NULL, &rt->drive)) ||
	    (ret = io_canary(h, n)) ||
	    (ret = io_xfer(h, true, rt->lba, n, rg, done, doc)) ||
	    (ret = io_xfer(c, false, rt->lba, n, rg, done, doc)) ||
	    (ret = io_fill(h, rt->stamp, rt->lba, n)) ||
	    (ret = io_xfer(h, true, rt->lba, n, rg, done, doc)) ||
	    (ret = io_xfer(c, false, lba, n, rg, done, doc)) ||
	    (ret = io_xfer(c, true, rt->lba, n, rg, done, doc)) ||
	    (ret = io_xfer(h, false, rt->lba, n, rg, done, doc)))
		return ret;
	return host_check(rt, a->iv.pat, lba, n, off, &how, &a->iv.v);
}

static int rt_pass(struct verify_args *a, struct db_ctx *c, const struct io_range *rg,
		   unsigned pass, struct json_object *doc)
{
	struct db_ctx *h = &a->rt.host;
	uint64_t done;
	int ret;

	dmabuf_pattern_set_pass(a->iv.pat, pass);
	dmabuf_pattern_set_pass(a->rt.stamp, pass);
	for (done = 0; done < rg->nblocks; done += rg->win_blocks) {
		uint64_t lba = rg->lba + done, n = DB_MIN(rg->win_blocks, rg->nblocks - done);

		if ((ret = io_fill(h, a->iv.pat, lba, n)) ||
		    (ret = io_xfer(h, true, lba, n, rg, done, doc)))
			return ret;
	}
	for (done = 0; done < rg->nblocks; done += rg->win_blocks) {
		uint64_t lba = rg->lba + done, n = DB_MIN(rg->win_blocks, rg->nblocks - done);

		ret = rt_window(a, c, rg, lba, n, doc);
		if (ret)
			return ret;
	}
	return a->iv.v.blocks_bad || a->rt.drive.blocks_bad ? EXIT_MISMATCH : EXIT_OK;
}

static int rt_run(struct verify_args *a, struct db_ctx *c, const struct io_range *rg,
		  struct json_object *doc)
{
	int ret = rt_open(a, c, rg);

	for (unsigned p = 1; p <= a->passes && !ret; p++)
		ret = rt_pass(a, c, rg, p, doc);
	return ret;
}

static void rt_report(struct verify_args *a, const struct db_ctx *c, const struct io_range *rg,
		      struct json_object *doc)
{
	struct json_object *o = json_object_new_object();

	db_jadd_u64(o, "lba", a->rt.lba);
	db_jadd_u64(o, "blocks", rg->win_blocks);
	db_jadd_str(o, "stamp", dmabuf_pattern_name(a->rt.stamp));
	json_object_object_add(doc, "scratch", o);
	json_object_object_add(doc, "drive", db_report_verify(&a->rt.drive, c->t.lba_size));
}

/* --- the command --------------------------------------------------------------- */

/* The CPU fills and compares: say what to do when the memory has no CPU view. */
static int cpu_view(struct db_ctx *c)
{
	struct dmabuf_err e = { 0 };
	void *addr;

	if (!dmabuf_mem_mmap(c->m, &addr, &e))
		return EXIT_OK;
	db_err_detail(&e, "to verify memory the CPU cannot map, use --scratch-lba LBA "
		      "(a round trip through the memory and a scratch range)");
	return fail(&e);
}

/* --read-only of the lba pattern: which pass was expected, and why that one. */
static void print_pass(const struct verify_args *a)
{
	fprintf(stderr, " pass %" PRIu32, a->pass);
	if (a->pass_found)
		fprintf(stderr, " (the pass LBA %" PRIu64 " carries)", a->pass_lba);
}

/* --read-only: blocks of another pass, and how to check that pass instead. */
static void print_stale(const struct verify_args *a)
{
	const struct dmabuf_verify_result *v = &a->iv.v;

	for (unsigned i = 0; i < v->nr_kept; i++) {
		const struct dmabuf_mismatch *m = &v->first[i];

		if (m->kind != DMABUF_MIS_STALE)
			continue;
		fprintf(stderr, "; %llu stale: LBA %llu holds pass %" PRIu32,
			(unsigned long long)v->kinds[DMABUF_MIS_STALE], (unsigned long long)m->lba,
			m->found_pass);
		if (a->pass_failed && a->pass_stamped == m->found_pass)
			fprintf(stderr, " and LBA %llu differs under that pass too: written with "
				"another seed or pattern?", (unsigned long long)a->pass_lba);
		else
			fprintf(stderr, ", --pass %" PRIu32 " checks that pass", m->found_pass);
		return;
	}
}

static void print_mismatch(const struct verify_args *a, const struct db_ctx *c)
{
	const struct dmabuf_verify_result *v = &a->iv.v;
	bool ro_lba = a->read_only && stamps_pass(a->iv.pat);

	if (a->rt.on && a->rt.drive.blocks_bad)
		fprintf(stderr, "dmabuf: %s: %llu of %llu blocks read into host memory differ "
			"from pattern %s: the drive, not the memory\n", c->t.path,
			(unsigned long long)a->rt.drive.blocks_bad,
			(unsigned long long)a->rt.drive.blocks_checked,
			dmabuf_pattern_name(a->iv.pat));
	if (!v->blocks_bad)
		return;
	fprintf(stderr, "dmabuf: %s: %llu of %llu blocks differ from pattern %s", c->t.path,
		(unsigned long long)v->blocks_bad, (unsigned long long)v->blocks_checked,
		dmabuf_pattern_name(a->iv.pat));
	if (ro_lba)
		print_pass(a);
	if (v->kinds[DMABUF_MIS_UNDELIVERED])
		fprintf(stderr, "; %llu undelivered: the transfer reported success and the data "
			"did not arrive in %s", (unsigned long long)v->kinds[DMABUF_MIS_UNDELIVERED],
			a->io.mem);
	if (v->kinds[DMABUF_MIS_UNWRITTEN])
		fprintf(stderr, "; %llu unwritten: the write from %s did not reach the scratch "
			"range", (unsigned long long)v->kinds[DMABUF_MIS_UNWRITTEN], a->io.mem);
	if (ro_lba)
		print_stale(a);
	fputc('\n', stderr);
}

static int verify_prepare(void *arg)
{
	struct verify_args *a = arg;

	int ret;

	if (a->read_only && a->io.extend)
		return usage_error("verify: --extend and --read-only exclude each other: a read "
				   "does not grow the file; give a range inside it");
	/* --read-only promises nothing is written; the round trip writes the scratch range */
	if (a->read_only && a->rt.on)
		return usage_error("verify: --read-only and --scratch-lba exclude each other: the "
				   "round trip writes the scratch range; check the data with memory "
				   "the CPU can map (--mem memfd), or drop --read-only");
	if (a->pass_set && !a->read_only)
		return usage_error("verify: --pass %" PRIu32 " goes with --read-only: a verify "
				   "that writes checks the passes it writes (--passes)", a->pass);
	a->io.write = !a->read_only;
	a->io.extend_opt = !a->read_only;
	a->pass_known = a->pass_set;
	ret = io_pattern(&a->io, &a->iv.pat);
	if (!ret && a->pass_set && !stamps_pass(a->iv.pat)) {
		ret = usage_error("verify: --pass %" PRIu32 ": pattern %s stamps no pass, only lba "
				  "does; drop --pass", a->pass, dmabuf_pattern_name(a->iv.pat));
	}
	return ret;
}

static int verify_ready(void *arg, struct db_ctx *c, const struct io_range *rg)
{
	struct verify_args *a = arg;

	return a->rt.on ? rt_check_scratch(a, c, rg) : cpu_view(c);
}

static int verify_run(void *arg, struct db_ctx *c, const struct io_range *rg,
		      struct json_object *doc)
{
	struct verify_args *a = arg;
	int ret = a->rt.on ? rt_run(a, c, rg, doc) : run_passes(a, c, rg, doc);

	db_jadd_str(doc, "mode", a->rt.on ? "round-trip" : "cpu");
	db_jadd_str(doc, "pattern", dmabuf_pattern_name(a->iv.pat));
	db_jadd_u64(doc, "passes", a->passes);
	return ret;
}

/*
 * The progress line: the bytes a pass moves, through the memory and host
 * memory, and which pass.  A pass writes the range and reads it back, or
 * (--read-only) reads it; the round trip moves 8 windows' worth a window:
 * the pattern out of host memory, then 4 transfers of host memory and 3 of
 * the memory (rt_pass(), rt_window()).
 */
static void verify_progress(void *arg, const struct db_ctx *c, const struct io_range *rg,
			    struct io_progress *p)
{
	const struct verify_args *a = arg;
	unsigned k = a->rt.on ? 8 : a->read_only ? 1 : 2;

	io_progress_passes(p, "pass", a->passes, k * rg->nblocks * c->t.lba_size);
}

static void verify_report(void *arg, struct db_ctx *c, const struct io_range *rg,
			  struct json_object *doc, int status)
{
	struct verify_args *a = arg;

	(void)status;
	io_report(doc, c, rg);
	if (a->read_only && a->pass_known && stamps_pass(a->iv.pat)) {
		struct json_object *o = json_object_new_object();

		/* which pass's stamps were expected, and where that came from */
		db_jadd_u64(o, "pass", a->pass);
		db_jadd_str(o, "from", a->pass_set ? "--pass" : a->pass_found ? "first-block" : "default");
		if (a->pass_found)
			db_jadd_u64(o, "lba", a->pass_lba);
		json_object_object_add(doc, "expected_pass", o);
	}
	json_object_object_add(doc, "verify", db_report_verify(&a->iv.v, c->t.lba_size));
	if (a->rt.on)
		rt_report(a, c, rg, doc);
}

static int verify_finish(void *arg, struct db_ctx *c, int status)
{
	struct verify_args *a = arg;

	if (status == EXIT_MISMATCH)
		print_mismatch(a, c);
	else if (status == EXIT_OK && a->pass_found)
		fprintf(stderr, "dmabuf: %s: checked pass %" PRIu32 " of pattern %s, the pass LBA %"
			PRIu64 " carries; --pass N checks another\n", c->t.path, a->pass,
			dmabuf_pattern_name(a->iv.pat), a->pass_lba);
	if (a->rt.host.m)
		db_ctx_close(&a->rt.host);
	return status;
}

static void verify_cleanup(void *arg)
{
	struct verify_args *a = arg;

	dmabuf_pattern_free(a->rt.stamp);
	dmabuf_pattern_free(a->iv.pat);
}

static const struct io_cmd verify_cmd = {
	.name = "verify",
	.prepare = verify_prepare,
	.ready = verify_ready,
	.run = verify_run,
	.report = verify_report,
	.finish = verify_finish,
	.cleanup = verify_cleanup,
	.progress = verify_progress,
};

int cmd_verify(int argc, char **argv)
{
	struct verify_args a = { .passes = 1 };

	argp_parse(&verify_argp, argc, argv, 0, NULL, &a);
	return io_cmd_run(&verify_cmd, &a.io, &a);
}
