// SPDX-License-Identifier: MIT
/*
 * What the data-moving commands share: the I/O options (one argp child),
 * opening the context, the range, the window loop, pattern fill/check and
 * the report of target, memory and path.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "../builtin.h"
#include "engine.h"
#include "safety.h"
#include "util.h"

#define DEFAULT_BLOCK_BYTES (1u << 20)	/* range when nothing says otherwise */
#define MAX_AUTO_MEM (64ull << 20)	/* memory sized from the range, at most */

enum {
	OPT_LBA = 'l', OPT_BLOCKS = 'n', OPT_OFFSET = 'o', OPT_LENGTH = 'L',
};

static const struct argp_option mem_options[] = {
	{ NULL, 0, NULL, 0, "Target and memory:", 1 },
	{ "mem", 'm', "SRC", 0, "memory source: memfd, hugetlb, udmabuf[:huge], heap[:NAME], "
	  "drm[:PATH][:vram|gtt|dumb], mover[:nomap][,misdirect], cuda[:DEV], hip[:DEV], "
	  "fd:N, pid:PID:FD", 1 },
	{ "size", 's', "SIZE", 0, "bytes of memory (default: the transfer up to 64M; register: 1M)", 1 },
	{ "path", 'p', "PATH", 0, "token, pages, bounce or auto (default)", 1 },
	{ "engine", 'e', "ENGINE", 0, "rw or passthru (default: by target)", 1 },
	{ "name", 'N', "NAME", 0, "name set on the dma-buf", 1 },
	{ 0 }
};

static const struct argp_option range_options[] = {
	{ NULL, 0, NULL, 0, "Range and queueing:", 2 },
	{ "lba", OPT_LBA, "LBA", 0, "first logical block (default 0)", 2 },
	{ "blocks", OPT_BLOCKS, "N", 0, "logical blocks (default: --size worth or 1 MiB)", 2 },
	{ "offset", OPT_OFFSET, "BYTES", 0, "first byte instead of --lba", 2 },
	{ "length", OPT_LENGTH, "BYTES", 0, "bytes instead of --blocks", 2 },
	{ "bs", 'b', "SIZE", 0,
	  "bytes per request (default " DB_XSTR(DB_DEFAULT_REQ_KIB) "k, capped by MDTS)", 2 },
	{ "qd", 'q', "N", 0, "requests in flight (default " DB_XSTR(DB_DEFAULT_QD) ")", 2 },
	{ 0 }
};

static int parse_size_arg(struct argp_state *state, const char *opt, const char *arg,
			  uint64_t *out)
{
	int ret = db_parse_size(arg, out);

	if (ret)
		argp_error(state, "%s: '%s' %s", opt, arg, db_parse_why(ret, true));
	return 0;
}

int parse_num_arg(struct argp_state *state, const char *opt, const char *arg, uint64_t *out)
{
	int ret = db_parse_u64(arg, out);

	if (ret)
		argp_error(state, "%s: '%s' %s", opt, arg, db_parse_why(ret, false));
	return 0;
}

unsigned parse_count(struct argp_state *state, const char *opt, const char *arg,
		     unsigned max)
{
	uint64_t v;

	if (db_parse_u64(arg, &v) || !v || v > max)
		argp_error(state, "%s: '%s' is not a count from 1 to %u", opt, arg, max);
	return (unsigned)v;
}

double parse_secs(struct argp_state *state, const char *opt, const char *arg, bool zero_ok)
{
	char *end;
	double v = strtod(arg, &end);

	if (end == arg || *end || !isfinite(v) || v < 0 || (!zero_ok && v == 0) || v > 1e6)
		argp_error(state, "%s: '%s' is not a number of seconds %s 1000000", opt, arg,
			   zero_ok ? "from 0 to" : "greater than 0, at most");
	return v;
}

void io_children_init(struct argp_state *state, struct io_opts *io)
{
	for (unsigned i = 0; state->root_argp->children && state->root_argp->children[i].argp; i++)
		state->child_inputs[i] = io;
}

/* TARGET and the memory: every command that opens a context. */
static error_t mem_parse(int key, char *arg, struct argp_state *state)
{
	struct io_opts *o = state->input;

	switch (key) {
	case 'm':
		o->mem = arg;
		break;
	case 's':
		parse_size_arg(state, "--size", arg, &o->size);
		if (!o->size)
			argp_error(state, "--size must be greater than 0");
		o->size_set = true;
		break;
	case 'p':
		o->path = arg;
		break;
	case 'e':
		o->engine = arg;
		break;
	case 'N':
		o->name = arg;
		break;
	case ARGP_KEY_ARG:
		if (o->target)
			argp_error(state, "unexpected argument '%s'", arg);
		o->target = arg;
		break;
	case ARGP_KEY_END:
		if (!o->target)
			argp_error(state, "no TARGET given");
		if (!o->mem)
			argp_error(state, "--mem is required");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* The LBA range and the queueing: the commands that move data. */
static error_t range_parse(int key, char *arg, struct argp_state *state)
{
	struct io_opts *o = state->input;

	switch (key) {
	case OPT_LBA:
		parse_num_arg(state, "--lba", arg, &o->lba);
		o->lba_set = true;
		break;
	case OPT_BLOCKS:
		parse_num_arg(state, "--blocks", arg, &o->blocks);
		if (!o->blocks)
			argp_error(state, "--blocks must be greater than 0");
		o->blocks_set = true;
		break;
	case OPT_OFFSET:
		parse_size_arg(state, "--offset", arg, &o->offset);
		o->offset_set = true;
		break;
	case OPT_LENGTH:
		parse_size_arg(state, "--length", arg, &o->length);
		if (!o->length)
			argp_error(state, "--length must be greater than 0");
		o->length_set = true;
		break;
	case 'b':
		parse_size_arg(state, "--bs", arg, &o->bs);
		if (!o->bs || o->bs > UINT32_MAX)
			argp_error(state, "--bs: '%s' is out of range: from one logical block to "
				   "%u bytes (4 GiB - 1)", arg, UINT32_MAX);
		break;
	case 'q':
		o->qd = parse_count(state, "--qd", arg, 1024);
		break;
	case ARGP_KEY_END:
		if (o->lba_set && o->offset_set)
			argp_error(state, "--lba and --offset exclude each other");
		if (o->blocks_set && o->length_set)
			argp_error(state, "--blocks and --length exclude each other");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/*
 * --help of the shared options: a command with defaults of its own (bench)
 * gives its text for them (struct io_opts.help); argp frees what is not @text.
 */
static char *io_help_filter(int key, const char *text, void *input)
{
	const struct io_opts *o = input;
	const char *own = o && o->help ? o->help(key) : NULL;

	return own ? strdup(own) : (char *)text;
}

struct argp mem_argp = { mem_options, mem_parse, NULL, NULL, NULL, io_help_filter, NULL };
static struct argp range_argp = { range_options, range_parse, NULL, NULL, NULL, io_help_filter,
				  NULL };

/* io_argp = mem_argp + range_argp, both parsing into the same struct io_opts. */
static const struct argp_child io_children[] = {
	{ &mem_argp, 0, NULL, 0 }, { &range_argp, 0, NULL, 0 }, { 0 }
};

static error_t io_parse(int key, char *arg, struct argp_state *state)
{
	(void)arg;
	if (key != ARGP_KEY_INIT)
		return ARGP_ERR_UNKNOWN;
	state->child_inputs[0] = state->input;
	state->child_inputs[1] = state->input;
	return 0;
}

struct argp io_argp = { NULL, io_parse, NULL, NULL, io_children, NULL, NULL };

static const struct argp_option pattern_options[] = {
	{ NULL, 0, NULL, 0, "Data:", 3 },
	{ "pattern", 'P', "P", 0, "zero, ones, lba[:SEED], random[:SEED], byte:0xNN, file:PATH "
	  "(default lba)", 3 },
	{ "force", 'f', NULL, 0, "write even to a mounted, held or signed device", 3 },
	{ 0 }
};

static error_t pattern_parse(int key, char *arg, struct argp_state *state)
{
	struct io_opts *o = state->input;

	switch (key) {
	case 'P':
		o->pattern = arg;
		break;
	case 'f':
		o->force = true;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

struct argp pattern_argp = { pattern_options, pattern_parse, NULL, NULL, NULL, io_help_filter,
			     NULL };

const struct argp_child io_pattern_children[] = {
	{ &io_argp, 0, NULL, 0 }, { &pattern_argp, 0, NULL, 0 }, GLOBAL_OPTIONS_CHILD, { 0 }
};

/* --- opening ------------------------------------------------------------------ */

static int ctx_opts(const struct io_opts *o, struct db_ctx_opts *co, struct dmabuf_err *e)
{
	memset(co, 0, sizeof(*co));
	co->target = o->target;
	co->write = o->write;
	co->name = o->name;
	co->qd = o->qd;
	co->req_bytes = (uint32_t)o->bs;
	co->mem = o->mem;
	if (dmabuf_mem_check_source(o->mem, e))
		return -EINVAL;
	if (o->path && dmabuf_path_parse(o->path, &co->path)) {
		db_err_set(e, DMABUF_E_USAGE, 0, NULL, "--path '%s'", o->path);
		db_err_detail(e, "use token, pages, bounce or auto");
		return -EINVAL;
	}
	if (o->engine && db_engine_parse(o->engine, &co->engine)) {
		db_err_set(e, DMABUF_E_USAGE, 0, NULL, "--engine '%s'", o->engine);
		db_err_detail(e, "use rw or passthru");
		return -EINVAL;
	}
	co->engine_set = o->engine != NULL;
	return 0;
}

static int in_blocks(const struct db_target *t, const char *opt, uint64_t bytes, uint64_t *out,
		     struct dmabuf_err *e)
{
	if (bytes % t->lba_size) {
		db_err_set(e, DMABUF_E_USAGE, 0, NULL, "%s %llu", opt, (unsigned long long)bytes);
		db_err_detail(e, "not a multiple of %s's LBA size (%u bytes)", t->path, t->lba_size);
		return -EINVAL;
	}
	*out = bytes / t->lba_size;
	return 0;
}

static int resolve_range(struct io_opts *o, const struct db_target *t, struct io_range *rg,
			 uint64_t *mem_size, struct dmabuf_err *e)
{
	uint64_t lbs = t->lba_size;

	rg->lba = o->lba;
	if (o->offset_set && in_blocks(t, "--offset", o->offset, &rg->lba, e))
		return -EINVAL;
	if (o->blocks_set)
		rg->nblocks = o->blocks;
	else if (o->length_set) {
		if (in_blocks(t, "--length", o->length, &rg->nblocks, e))
			return -EINVAL;
	} else if (o->whole) {
		rg->nblocks = t->nlba > rg->lba ? t->nlba - rg->lba : 0;
		if (!rg->nblocks) {
			db_err_set(e, DMABUF_E_USAGE, -ERANGE, NULL, "%s", t->path);
			db_err_detail(e, "LBA %llu is at or past the end (%llu blocks)",
				      (unsigned long long)rg->lba, (unsigned long long)t->nlba);
			return -ERANGE;
		}
	} else {
		/* --size: whole blocks that fit; a default (file length): blocks that hold it */
		rg->nblocks = o->size_set ? o->size / lbs : (o->default_size + lbs - 1) / lbs;
		rg->nblocks = DB_MAX(rg->nblocks, 1);
	}
	if (o->extend && t->kind != DB_TGT_FILE) {
		db_err_set(e, DMABUF_E_USAGE, 0, "--extend", "%s", t->path);
		db_err_detail(e, "only a regular file grows, and this target is not one (%s): "
			      "give a range inside it", db_target_kind_name(t->kind));
		return -EINVAL;
	}
	if (db_target_check_range(t, rg->lba, rg->nblocks, o->extend, e)) {
		if (t->kind == DB_TGT_FILE && o->extend_opt && !o->extend && !e->err)
			db_err_detail(e, "--extend grows the file to hold it");
		return -ERANGE;
	}
	if (o->bs && o->bs % lbs) {
		db_err_set(e, DMABUF_E_USAGE, 0, NULL, "--bs %llu", (unsigned long long)o->bs);
		db_err_detail(e, "not a multiple of %s's LBA size (%u bytes)", t->path, t->lba_size);
		return -EINVAL;
	}
	*mem_size = o->size_set ? o->size : DB_MIN(rg->nblocks * lbs, MAX_AUTO_MEM);
	if (*mem_size < lbs) {
		db_err_set(e, DMABUF_E_USAGE, 0, NULL, "--size %llu", (unsigned long long)*mem_size);
		db_err_detail(e, "smaller than one logical block (%u bytes)", t->lba_size);
		return -EINVAL;
	}
	rg->win_blocks = DB_MIN(*mem_size / lbs, rg->nblocks);
	return 0;
}

int io_open(struct io_opts *o, struct db_ctx *c, struct io_range *rg)
{
	return io_open_slots(o, 1, c, rg);
}

int io_open_slots(struct io_opts *o, unsigned slots, struct db_ctx *c, struct io_range *rg)
{
	struct db_ctx_opts co;
	struct dmabuf_err e = { 0 };

	if (!o->default_size)
		o->default_size = DEFAULT_BLOCK_BYTES;
	if (ctx_opts(o, &co, &e))
		return fail(&e);
	co.slots = slots;
	if (db_ctx_open_target(c, &co, &e))
		return fail(&e);
	if (o->no_range) {
		co.mem_size = o->size_set ? o->size : o->default_size;
		memset(rg, 0, sizeof(*rg));
	} else if (resolve_range(o, &c->t, rg, &co.mem_size, &e)) {
		goto out;
	}
	/* refused before the memory exists: nothing allocated, nothing registered */
	if (o->write && !o->force && db_target_check_write(&c->t, o->always, &e))
		goto out;
	note("%s: %s, %u-byte LBAs, %llu blocks; range %llu+%llu", c->t.path,
	     db_target_kind_name(c->t.kind), c->t.lba_size, (unsigned long long)c->t.nlba,
	     (unsigned long long)rg->lba, (unsigned long long)rg->nblocks);
	/* db_ctx_setup() closes the context on failure */
	if (db_ctx_setup(c, &co, &e))
		return fail(&e);
	rg->dev_ok = !o->no_range && !db_target_devstat(&c->t, &rg->dev0);
	note("memory %s: %llu bytes; path %s%s%s", o->mem, (unsigned long long)dmabuf_mem_size(c->m),
	     dmabuf_path_name(c->path), c->why[0] ? " — " : "", c->why);
	return EXIT_OK;
out:
	db_ctx_close(c);
	return fail(&e);
}

int io_pattern(const struct io_opts *o, struct dmabuf_pattern **p)
{
	struct dmabuf_err e = { 0 };

	if (dmabuf_pattern_parse(o->pattern ? o->pattern : "lba", p, &e))
		return fail(&e);
	return EXIT_OK;
}

/* --- report ------------------------------------------------------------------ */

static struct json_object *target_obj(const struct db_ctx *c)
{
	const struct db_target *t = &c->t;
	struct json_object *o = json_object_new_object();

	db_jadd_str(o, "path", t->path);
	db_jadd_str(o, "kind", db_target_kind_name(t->kind));
	db_jadd_str(o, "engine", db_engine_name(c->engine));
	db_jadd_u64(o, "lba_size", t->lba_size);
	db_jadd_u64(o, "capacity_blocks", t->nlba);
	if (t->kind == DB_TGT_NVME_BLK || t->kind == DB_TGT_NVME_CHAR) {
		db_jadd_u64(o, "nsid", t->nsid);
		db_jadd_u64(o, "metadata_size", t->ms);
		db_jadd_str(o, "controller", t->ctrl);
		db_jadd_str(o, "model", t->model);
	}
	if (t->max_xfer)
		db_jadd_u64(o, "max_transfer", t->max_xfer);
	if (t->kind == DB_TGT_FILE)
		json_object_object_add(o, "filesystem", db_report_fs(&t->fs));
	return o;
}

struct json_object *io_device_obj(const struct db_devstat *d)
{
	struct json_object *o = json_object_new_object();

	db_jadd_u64(o, "read_commands", d->read_ios);
	db_jadd_u64(o, "read_merges", d->read_merges);
	db_jadd_u64(o, "read_bytes", d->read_sectors * 512);
	db_jadd_u64(o, "write_commands", d->write_ios);
	db_jadd_u64(o, "write_merges", d->write_merges);
	db_jadd_u64(o, "write_bytes", d->write_sectors * 512);
	return o;
}

/* What the block layer sent to the device during the command. */
static struct json_object *device_obj(const struct db_ctx *c, const struct io_range *rg)
{
	struct db_devstat now, d;

	if (!rg->dev_ok || db_target_devstat(&c->t, &now))
		return NULL;
	db_devstat_sub(&now, &rg->dev0, &d);
	return io_device_obj(&d);
}

long io_pinned_kb(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	unsigned long long kb;
	char line[128];
	long ret = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %llu kB", &kb) == 1)
			ret = (long)kb;
	if (f)
		fclose(f);
	return ret;
}

/* Peak resident memory and pinned memory (fixed buffers pin their pages). */
static struct json_object *process_obj(void)
{
	struct json_object *o = json_object_new_object();
	long pinned = io_pinned_kb();
	struct rusage ru;

	if (!getrusage(RUSAGE_SELF, &ru))
		db_jadd_u64(o, "max_rss_kb", (uint64_t)ru.ru_maxrss);
	if (pinned >= 0)
		db_jadd_u64(o, "pinned_kb", (uint64_t)pinned);
	return o;
}

void io_report(struct json_object *doc, struct db_ctx *c, const struct io_range *rg)
{
	struct json_object *ph = json_object_new_object();

	json_object_object_add(doc, "target", target_obj(c));
	json_object_object_add(doc, "memory", db_report_mem(c->m, c->mem_requested));
	db_jadd_str(doc, "path", dmabuf_path_name(c->path));
	if (c->why[0])
		db_jadd_str(doc, "path_why", c->why);
	if (rg) {
		struct json_object *r = json_object_new_object();

		db_jadd_u64(r, "lba", rg->lba);
		db_jadd_u64(r, "blocks", rg->nblocks);
		db_jadd_u64(r, "bytes", rg->nblocks * c->t.lba_size);
		json_object_object_add(doc, "range", r);
	}
	db_jadd_double(ph, "open", c->open_ns / 1e6);
	db_jadd_double(ph, "alloc", c->alloc_ns / 1e6);
	db_jadd_double(ph, "register", c->register_ns / 1e6);
	if (c->xfer.stats.ns)
		db_jadd_double(ph, "io", c->xfer.stats.ns / 1e6);
	json_object_object_add(doc, "phases_ms", ph);
	if (c->xfer.stats.ios || c->xfer.stats.errors)
		json_object_object_add(doc, "io", db_report_stats(&c->xfer.stats));
	if (rg) {
		struct json_object *dev = device_obj(c, rg);

		if (dev)
			json_object_object_add(doc, "device", dev);
	}
	json_object_object_add(doc, "process", process_obj());
}

/* --- windows, fill, check ------------------------------------------------------ */

struct json_object *io_interrupted(struct json_object *doc)
{
	struct json_object *o = json_object_new_object();
	char sig[32];

	db_jadd_str(o, "signal", db_sig_name(db_xfer_interrupted(), sig, sizeof(sig)));
	json_object_object_add(doc, "interrupted", o);
	return o;
}

void io_result(struct json_object *doc, int status)
{
	const char *r = status == EXIT_OK ? "ok" : status == EXIT_MISMATCH ? "mismatch" :
			status > 128 ? "interrupted" : "error";

	db_jadd_str(doc, "result", r);
}

int io_xfer(struct db_ctx *c, bool write, uint64_t lba, uint64_t nblocks,
	    const struct io_range *rg, uint64_t done, struct json_object *doc)
{
	struct db_io_failure f = { 0 };
	struct dmabuf_err e = { 0 };

	if (!db_ctx_io(c, write, lba, nblocks, 0, &f, &e))
		return EXIT_OK;
	progress_clear();	/* the message starts on a line of its own */
	if (f.failed && doc)
		json_object_object_add(doc, "failure", db_report_failure(&f));
	if (e.kind == DMABUF_E_INTERRUPTED && doc) {
		struct json_object *o = io_interrupted(doc);

		db_jadd_u64(o, "blocks_done", done);
		db_jadd_u64(o, "next_lba", rg->lba + done);
	}
	return fail(&e);
}

int io_windows(struct db_ctx *c, const struct io_range *rg, bool write, io_hook before,
	       io_hook after, void *arg, struct json_object *doc)
{
	uint64_t done = 0;

	while (done < rg->nblocks) {
		uint64_t lba = rg->lba + done, n = DB_MIN(rg->win_blocks, rg->nblocks - done);
		int ret;

		if (before && (ret = before(arg, c, lba, n)))
			return ret;
		ret = io_xfer(c, write, lba, n, rg, done, doc);
		if (ret)
			return ret;
		if (after && (ret = after(arg, c, lba, n)))
			return ret;
		done += n;
	}
	return EXIT_OK;
}

int io_fill(struct db_ctx *c, const struct dmabuf_pattern *p, uint64_t lba, uint64_t nblocks)
{
	struct dmabuf_err e = { 0 };
	int ret;

	if (db_ctx_cpu_begin(c, true, &e))
		return fail(&e);
	ret = dmabuf_pattern_fill(p, dmabuf_mem_addr(c->m), lba, nblocks, c->t.lba_size, &e);
	if (db_ctx_cpu_end(c, true, ret ? NULL : &e) && !ret)
		ret = -1;
	return ret ? fail(&e) : EXIT_OK;
}

int io_canary(struct db_ctx *c, uint64_t nblocks)
{
	struct dmabuf_err e = { 0 };

	if (db_ctx_cpu_begin(c, true, &e))
		return fail(&e);
	/* Not zero, not any pattern: a read that moved nothing cannot pass. */
	dmabuf_canary_fill(dmabuf_mem_addr(c->m), 0, nblocks, c->t.lba_size);
	if (db_ctx_cpu_end(c, true, &e))
		return fail(&e);
	return EXIT_OK;
}

static int io_check(struct db_ctx *c, const struct dmabuf_pattern *p, uint64_t lba,
		    uint64_t nblocks, uint64_t range_off, struct dmabuf_verify_result *v)
{
	struct dmabuf_err e = { 0 };
	int64_t bad;

	if (db_ctx_cpu_begin(c, false, &e))
		return fail(&e);
	bad = dmabuf_pattern_check(p, dmabuf_mem_addr(c->m), lba, nblocks, c->t.lba_size, range_off,
				   NULL, v, &e);
	if (db_ctx_cpu_end(c, false, bad < 0 ? NULL : &e) && bad >= 0)
		bad = -1;
	return bad < 0 ? fail(&e) : EXIT_OK;
}

static int verify_fill(void *arg, struct db_ctx *c, uint64_t lba, uint64_t nblocks)
{
	return io_fill(c, ((struct io_verify *)arg)->pat, lba, nblocks);
}

static int verify_canary(void *arg, struct db_ctx *c, uint64_t lba, uint64_t nblocks)
{
	(void)arg;
	(void)lba;
	return io_canary(c, nblocks);
}

int io_verify_check(void *arg, struct db_ctx *c, uint64_t lba, uint64_t nblocks)
{
	struct io_verify *iv = arg;

	return io_check(c, iv->pat, lba, nblocks, (lba - iv->range_lba) * c->t.lba_size, &iv->v);
}

int io_verify_pass(struct db_ctx *c, const struct io_range *rg, struct io_verify *iv,
		   unsigned pass, bool write, struct json_object *doc)
{
	int ret = EXIT_OK;

	iv->range_lba = rg->lba;
	dmabuf_pattern_set_pass(iv->pat, pass);
	if (write)
		ret = io_windows(c, rg, true, verify_fill, NULL, iv, doc);
	if (!ret)
		ret = io_windows(c, rg, false, verify_canary, io_verify_check, iv, doc);
	if (!ret && iv->v.blocks_bad)
		ret = EXIT_MISMATCH;
	return ret;
}
