// SPDX-License-Identifier: MIT
/*
 * dmabuf bench: a timed or counted workload (sequential or random, reads,
 * writes or a mix) on N jobs, reported with fio's names and units so that
 * scripts reading fio's JSON read this too.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <liburing.h>

#include "builtin.h"
#include "bench.h"
#include "util.h"

/* bench's request defaults; bench_help() and bench_argp's epilogue are made from them */
#define DEFAULT_BS_KIB	4
#define DEFAULT_BS	(DEFAULT_BS_KIB * 1024u)
#define DEFAULT_QD	32
#define DEFAULT_RUNTIME_S	10
#define DEFAULT_RUNTIME	((double)DEFAULT_RUNTIME_S)	/* when neither --runtime nor --ios */
#define DEFAULT_SEED	1u
#define DEFAULT_PATTERN	"byte:0x5a"

/* The io_uring modes --tune switches; all on by default. */
enum { TUNE_REGRING = 1u << 0, TUNE_REGFILE = 1u << 1, TUNE_DEFER = 1u << 2 };
static const struct { const char *name; unsigned bit; } tunes[] = {
	{ "regring", TUNE_REGRING }, { "regfile", TUNE_REGFILE }, { "defer", TUNE_DEFER },
};
#define TUNE_ALL (TUNE_REGRING | TUNE_REGFILE | TUNE_DEFER)

struct progress {
	double total_s;		/* expected length, 0 if counted by requests */
	uint64_t ios;		/* requests to do, 0 if timed */
};

struct bench_args {
	struct io_opts io;
	const char *rw;
	bool random;
	unsigned read_pct;
	double runtime, ramp;	/* seconds */
	bool runtime_set;
	uint64_t ios, seed;
	unsigned jobs;
	bool iopoll, sqpoll;
	unsigned tune;
	const char *iolog;
	char always[80];		/* a write workload's refusal without --force (io.always) */
	/* the run */
	struct dmabuf_pattern *pat;	/* write workloads: what the memory holds; owned */
	struct db_bench_opts bo;
	struct progress pr;
	struct db_bench b;
};

enum {
	OPT_RW = 0x300, OPT_RUNTIME, OPT_IOS, OPT_RAMP, OPT_SEED, OPT_JOBS, OPT_IOPOLL,
	OPT_SQPOLL, OPT_TUNE, OPT_IOLOG,
};

static const struct argp_option bench_options[] = {
	{ NULL, 0, NULL, 0, "Workload:", 4 },
	{ "rw", OPT_RW, "MODE", 0, "read, write, randread (default), randwrite, "
	  "randrw[:READ%] (default 50)", 4 },
	{ "runtime", OPT_RUNTIME, "SECS", 0, "issue for SECS seconds after the ramp "
	  "(default 10 unless --ios)", 4 },
	{ "ios", OPT_IOS, "N", 0, "issue N measured requests instead", 4 },
	{ "ramp", OPT_RAMP, "SECS", 0, "run SECS seconds first without measuring (default 0)", 4 },
	{ "seed", OPT_SEED, "N", 0, "seed of the random offsets and mix (default 1); job J uses N+J", 4 },
	{ "jobs", OPT_JOBS, "N", 0, "N threads, each with its own ring (default 1)", 4 },
	{ "iopoll", OPT_IOPOLL, NULL, 0, "poll for completions (IORING_SETUP_IOPOLL; "
	  "needs NVMe poll queues)", 4 },
	{ "sqpoll", OPT_SQPOLL, NULL, 0, "a kernel thread submits (IORING_SETUP_SQPOLL)", 4 },
	{ "tune", OPT_TUNE, "LIST", 0, "io_uring modes: regring,regfile,defer, all (default) "
	  "or none", 4 },
	{ "iolog", OPT_IOLOG, "FILE", 0, "write each request (LBA BLOCKS R|W) to FILE "
	  "(FILE.J per job with --jobs)", 4 },
	{ 0 }
};

/* read | write | randread | randwrite | randrw[:PCT] */
static int parse_rw(struct bench_args *a, const char *s)
{
	const char *mix = strchr(s, ':');
	size_t n = mix ? (size_t)(mix - s) : strlen(s);
	uint64_t pct;

	a->rw = s;
	a->random = !strncmp(s, "rand", 4);
	if ((n == 4 && !strncmp(s, "read", 4)) || (n == 8 && !strncmp(s, "randread", 8)))
		a->read_pct = 100;
	else if ((n == 5 && !strncmp(s, "write", 5)) || (n == 9 && !strncmp(s, "randwrite", 9)))
		a->read_pct = 0;
	else if (n == 6 && !strncmp(s, "randrw", 6))
		a->read_pct = 50;
	else
		return -1;
	if (!mix)
		return 0;
	if (a->read_pct != 50 || db_parse_u64(mix + 1, &pct) || pct > 100)
		return -1;
	a->read_pct = (unsigned)pct;
	return 0;
}

static unsigned parse_tune(struct argp_state *state, const char *arg)
{
	char buf[128], *tok, *save = NULL;
	unsigned bits = 0;

	if (!strcmp(arg, "all"))
		return TUNE_ALL;
	if (!strcmp(arg, "none"))
		return 0;
	snprintf(buf, sizeof(buf), "%s", arg);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned i;

		for (i = 0; i < DB_ARRAY_SIZE(tunes) && strcmp(tok, tunes[i].name); i++)
			;
		if (i == DB_ARRAY_SIZE(tunes))
			argp_error(state, "--tune: '%s' is not regring, regfile, defer, all or none",
				   tok);
		bits |= tunes[i].bit;
	}
	if (!bits)
		argp_error(state, "--tune: '%s' names no mode (regring, regfile, defer, all or none)",
			   arg);
	return bits;
}

static error_t bench_parse(int key, char *arg, struct argp_state *state)
{
	struct bench_args *a = state->input;
	uint64_t v;
	int ret;

	switch (key) {
	case OPT_RW:
		if (parse_rw(a, arg))
			argp_error(state, "--rw: '%s' is not read, write, randread, randwrite "
				   "or randrw[:READ%%] (0..100)", arg);
		break;
	case OPT_RUNTIME:
		a->runtime = parse_secs(state, "--runtime", arg, false);
		a->runtime_set = true;
		break;
	case OPT_IOS:
		ret = db_parse_u64(arg, &v);
		if (ret == -ERANGE)
			argp_error(state, "--ios: '%s' %s", arg, db_parse_why(ret, false));
		if (ret || !v)
			argp_error(state, "--ios: '%s' is not a count greater than 0", arg);
		a->ios = v;
		break;
	case OPT_RAMP:
		a->ramp = parse_secs(state, "--ramp", arg, true);
		break;
	case OPT_SEED:
		ret = db_parse_u64(arg, &a->seed);
		if (ret)
			argp_error(state, "--seed: '%s' %s", arg, db_parse_why(ret, false));
		break;
	case OPT_JOBS:
		a->jobs = parse_count(state, "--jobs", arg, DB_BENCH_MAX_JOBS);
		break;
	case OPT_IOPOLL:
		a->iopoll = true;
		break;
	case OPT_SQPOLL:
		a->sqpoll = true;
		break;
	case OPT_TUNE:
		a->tune = parse_tune(state, arg);
		break;
	case OPT_IOLOG:
		a->iolog = arg;
		break;
	case ARGP_KEY_INIT:
		io_children_init(state, &a->io);
		break;
	case ARGP_KEY_END:
		if (a->runtime_set && a->ios)
			argp_error(state, "--runtime and --ios exclude each other");
		if (a->iopoll && a->sqpoll)
			argp_error(state, "--iopoll and --sqpoll: pick one");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp bench_argp = {
	bench_options, bench_parse, "TARGET",
	"Measure a workload on TARGET with memory from SRC: IOPS, bandwidth, completion "
	"latency percentiles, CPU time per I/O, device commands and IOMMU maps per I/O."
	"\vbench's own defaults: --bs " DB_XSTR(DEFAULT_BS_KIB) "k, --qd " DB_XSTR(DEFAULT_QD)
	", --rw randread, --runtime " DB_XSTR(DEFAULT_RUNTIME_S) ".  "
	"The range defaults to the whole target; memory to jobs x qd x bs.  Writes "
	"need --force and use one block-invariant --pattern (zero, ones, byte:0xNN; "
	"default " DEFAULT_PATTERN ").  --json uses fio's names and units (iops, bw_bytes, "
	"clat_ns with its percentile map, usr_cpu/sys_cpu).",
	io_pattern_children, NULL, NULL
};

/* The shared options' --help with bench's defaults (struct io_opts.help). */
static const char *bench_help(int key)
{
	switch (key) {
	case 's':
		return "bytes of memory (default: jobs x qd x bs)";
	case 'n':
		return "logical blocks (default: the whole target from --lba)";
	case 'b':
		return "bytes per request (default " DB_XSTR(DEFAULT_BS_KIB) "k, capped by MDTS)";
	case 'q':
		return "requests in flight (default " DB_XSTR(DEFAULT_QD) ")";
	case 'P':
		return "zero, ones or byte:0xNN, what write workloads write (default "
		       DEFAULT_PATTERN ")";
	default:
		return NULL;
	}
}

/* --- the run ---------------------------------------------------------------- */

/* Writes put one buffer at many LBAs: only a pattern every block shares fits. */
static int bench_pattern(struct bench_args *a, struct dmabuf_pattern **p)
{
	int ret;

	if (!a->io.pattern)
		a->io.pattern = DEFAULT_PATTERN;
	ret = io_pattern(&a->io, p);
	if (ret)
		return ret;
	if (dmabuf_pattern_per_block(*p)) {
		ret = usage_error("bench: --pattern %s differs from block to block; bench writes "
				  "one buffer to many LBAs: use zero, ones or byte:0xNN",
				  dmabuf_pattern_name(*p));
		dmabuf_pattern_free(*p);
		*p = NULL;
		return ret;
	}
	return EXIT_OK;
}

/* The progress line of every command (cmd/shared/progress.c), in its IOPS form. */
static void show_progress(void *arg, uint64_t elapsed_ns, uint64_t ios)
{
	const struct progress *p = arg;
	double el = (double)elapsed_ns / 1e9;
	double iops = el > 0 ? (double)ios / el : 0;
	double eta = p->total_s > 0 ? p->total_s - el : (p->ios && iops > 0 ?
			(double)(p->ios - DB_MIN(ios, p->ios)) / iops : 0);
	struct progress_figs f = { .elapsed_s = el, .iops = true, .rate = iops,
				   .eta_s = eta > 0 ? eta : 0 };

	progress_draw("bench", &f);
}

static void fill_opts(const struct bench_args *a, const struct io_range *rg, struct db_bench_opts *bo,
		      struct progress *pr)
{
	memset(bo, 0, sizeof(*bo));
	bo->wl.random = a->random;
	bo->wl.read_pct = a->read_pct;
	bo->wl.seed = a->seed;
	bo->wl.ramp_ns = (uint64_t)(a->ramp * 1e9);
	bo->wl.max_ios = a->ios;
	/* at least 1 ns: 0 would tell the engine there is no time limit */
	bo->wl.runtime_ns = a->ios ? 0 : DB_MAX((uint64_t)((a->runtime_set ? a->runtime :
							      DEFAULT_RUNTIME) * 1e9), 1);
	bo->jobs = a->jobs;
	bo->lba = rg->lba;
	bo->nblocks = rg->nblocks;
	bo->req_bytes = (uint32_t)a->io.bs;
	bo->iopoll = a->iopoll;
	bo->sqpoll = a->sqpoll;
	bo->reg_ring_fd = a->tune & TUNE_REGRING;
	bo->fixed_file = a->tune & TUNE_REGFILE;
	bo->single_issuer = a->tune & TUNE_DEFER;
	bo->iolog = a->iolog;
	pr->total_s = a->ios ? 0 : a->ramp + (double)bo->wl.runtime_ns / 1e9;
	pr->ios = a->ios;
	if (progress_wanted()) {
		bo->progress = show_progress;
		bo->progress_arg = pr;
	}
}

/* --- the report --------------------------------------------------------------- */

static const double fio_pcts[] = {
	1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.5, 99.9, 99.95, 99.99,
};

/* fio's clat_ns: min, max, mean, and the percentile map keyed "%f". */
static struct json_object *clat_obj(struct db_io_stats *s)
{
	struct json_object *o = json_object_new_object(), *p = json_object_new_object();
	char key[32];

	db_jadd_u64(o, "min", s->lat.min);
	db_jadd_u64(o, "max", s->lat.max);
	db_jadd_double(o, "mean", db_lat_mean(&s->lat));
	for (unsigned i = 0; i < DB_ARRAY_SIZE(fio_pcts); i++) {
		snprintf(key, sizeof(key), "%f", fio_pcts[i]);
		db_jadd_u64(p, key, db_io_stats_pct(s, fio_pcts[i]));
	}
	json_object_object_add(o, "percentile", p);
	return o;
}

/* fio's per-direction object: io_bytes, bw_bytes, bw (KiB/s), iops, runtime (ms). */
static struct json_object *dir_obj(struct db_io_stats *s)
{
	struct json_object *o = json_object_new_object();
	double secs = (double)s->ns / 1e9;

	db_jadd_u64(o, "io_bytes", s->bytes);
	db_jadd_u64(o, "bw_bytes", secs > 0 ? (uint64_t)((double)s->bytes / secs) : 0);
	db_jadd_u64(o, "bw", secs > 0 ? (uint64_t)((double)s->bytes / secs / 1024) : 0);
	db_jadd_double(o, "iops", secs > 0 ? (double)s->ios / secs : 0.0);
	db_jadd_u64(o, "runtime", s->ns / 1000000);
	db_jadd_u64(o, "total_ios", s->ios);
	json_object_object_add(o, "clat_ns", clat_obj(s));
	return o;
}

/* usr_cpu / sys_cpu in percent of @ns, and CPU µs per request. */
static void cpu_fields(struct json_object *o, uint64_t usr, uint64_t sys, uint64_t ns, uint64_t ios)
{
	db_jadd_double(o, "usr_cpu", ns ? 100.0 * (double)usr / (double)ns : 0.0);
	db_jadd_double(o, "sys_cpu", ns ? 100.0 * (double)sys / (double)ns : 0.0);
	db_jadd_double(o, "cpu_us_per_io", ios ? (double)(usr + sys) / 1e3 / (double)ios : 0.0);
}

static struct json_object *ring_obj(const struct db_bench_job *j)
{
	struct json_object *o = json_object_new_object();
	unsigned f = j->setup_flags;

	db_jadd_bool(o, "iopoll", f & IORING_SETUP_IOPOLL);
	db_jadd_bool(o, "sqpoll", f & IORING_SETUP_SQPOLL);
	db_jadd_bool(o, "single_issuer", f & IORING_SETUP_SINGLE_ISSUER);
	db_jadd_bool(o, "defer_taskrun", f & IORING_SETUP_DEFER_TASKRUN);
	db_jadd_bool(o, "registered_ring_fd", j->reg_ring_fd);
	db_jadd_bool(o, "registered_file", j->r.fixed_file);
	return o;
}

/* [start, end] in ns from the run's window start: the window CPU shares are of. */
static struct json_object *window_obj(uint64_t run_t0, uint64_t t0, uint64_t ns)
{
	struct json_object *a = json_object_new_array();

	json_object_array_add(a, json_object_new_int64(ns ? (int64_t)(t0 - run_t0) : 0));
	json_object_array_add(a, json_object_new_int64(ns ? (int64_t)(t0 - run_t0 + ns) : 0));
	return a;
}

static struct json_object *job_obj(const struct db_bench *b, struct db_bench_job *j, unsigned idx)
{
	struct json_object *o = json_object_new_object();
	uint64_t ios = j->wl.dir[0].ios + j->wl.dir[1].ios;
	char name[16];

	snprintf(name, sizeof(name), "job%u", idx);
	db_jadd_str(o, "jobname", name);
	json_object_object_add(o, "read", dir_obj(&j->wl.dir[0]));
	json_object_object_add(o, "write", dir_obj(&j->wl.dir[1]));
	cpu_fields(o, j->usr_ns, j->sys_ns, j->cpu_ns, ios);
	json_object_object_add(o, "cpu_window_ns", window_obj(b->cpu_t0, j->cpu_t0, j->cpu_ns));
	db_jadd_u64(o, "retries", j->x.stats.retries);
	json_object_object_add(o, "ring", ring_obj(j));
	return o;
}

static struct json_object *total_obj(struct db_bench *b)
{
	struct json_object *o = json_object_new_object();
	uint64_t ios = b->dir[0].ios + b->dir[1].ios;

	json_object_object_add(o, "read", dir_obj(&b->dir[0]));
	json_object_object_add(o, "write", dir_obj(&b->dir[1]));
	db_jadd_double(o, "iops", (b->dir[0].ns ? (double)b->dir[0].ios * 1e9 / (double)b->dir[0].ns : 0) +
		       (b->dir[1].ns ? (double)b->dir[1].ios * 1e9 / (double)b->dir[1].ns : 0));
	cpu_fields(o, b->usr_ns, b->sys_ns, b->cpu_ns, ios);
	json_object_object_add(o, "cpu_window_ns", window_obj(b->cpu_t0, b->cpu_t0, b->cpu_ns));
	db_jadd_u64(o, "retries", b->dir[0].retries);
	if (b->iommu_maps >= 0) {
		db_jadd_u64(o, "iommu_maps", (uint64_t)b->iommu_maps);
		db_jadd_double(o, "iommu_maps_per_io", ios ? (double)b->iommu_maps / (double)ios : 0.0);
	}
	if (b->dev_valid)
		json_object_object_add(o, "device", io_device_obj(&b->dev));
	return o;
}

static struct json_object *workload_obj(const struct bench_args *a, const struct db_bench_opts *bo,
					const struct db_bench *b, const struct dmabuf_pattern *pat)
{
	struct json_object *o = json_object_new_object();

	db_jadd_str(o, "rw", a->rw);
	db_jadd_u64(o, "read_pct", a->read_pct);
	db_jadd_u64(o, "bs", b->req_bytes ? b->req_bytes : bo->req_bytes);
	db_jadd_u64(o, "qd", a->io.qd);
	db_jadd_u64(o, "jobs", a->jobs);
	if (bo->wl.max_ios)
		db_jadd_u64(o, "ios", bo->wl.max_ios);
	else
		db_jadd_double(o, "runtime_s", (double)bo->wl.runtime_ns / 1e9);
	db_jadd_double(o, "ramp_s", a->ramp);
	db_jadd_u64(o, "seed", a->seed);
	if (a->read_pct < 100)
		db_jadd_str(o, "pattern", dmabuf_pattern_name(pat));
	return o;
}

/* --- text: a few lines a person reads, like fio's own ------------------------ */

static void text_dir(const char *name, struct db_io_stats *s)
{
	double secs = (double)s->ns / 1e9;
	char sz[32];

	if (!s->ios)
		return;
	printf("  %-5s: IOPS=%.0f, BW=%s/s (%.1f MB/s), %llu requests in %.3f s\n", name,
	       (double)s->ios / secs, db_fmt_size((uint64_t)((double)s->bytes / secs), sz,
						  sizeof(sz)),
	       (double)s->bytes / secs / 1e6, (unsigned long long)s->ios, secs);
	printf("         clat (us): min=%.1f p50=%.1f p90=%.1f p99=%.1f p99.9=%.1f "
	       "p99.99=%.1f max=%.1f\n", s->lat.min / 1e3, db_io_stats_pct(s, 50) / 1e3,
	       db_io_stats_pct(s, 90) / 1e3, db_io_stats_pct(s, 99) / 1e3,
	       db_io_stats_pct(s, 99.9) / 1e3, db_io_stats_pct(s, 99.99) / 1e3, s->lat.max / 1e3);
}

static void text_report(const struct bench_args *a, const struct db_ctx *c,
			const struct io_range *rg, struct db_bench *b)
{
	uint64_t ios = b->dir[0].ios + b->dir[1].ios, size = dmabuf_mem_size(c->m);
	char sz[32], asked[64] = "";

	/* as memory.requested_size: the source rounded --size up */
	if (c->mem_requested && c->mem_requested != size) {
		char req[32];

		snprintf(asked, sizeof(asked), ", rounded up from %s",
			 db_fmt_size(c->mem_requested, req, sizeof(req)));
	}
	printf("%s: %s, %u-byte LBAs, LBA %llu+%llu; memory %s (%s%s), path %s, engine %s\n",
	       c->t.path, db_target_kind_name(c->t.kind), c->t.lba_size,
	       (unsigned long long)rg->lba, (unsigned long long)rg->nblocks, c->mem_src,
	       db_fmt_size(size, sz, sizeof(sz)), asked, dmabuf_path_name(c->path),
	       db_engine_name(c->engine));
	if (c->why[0])
		printf("  (%s)\n", c->why);
	/* as workload.bs: what the engine used, what was asked if no job ran */
	printf("%s: bs=%u qd=%u jobs=%u seed=%llu%s%s\n", a->rw,
	       b->req_bytes ? b->req_bytes : (uint32_t)a->io.bs, a->io.qd, a->jobs,
	       (unsigned long long)a->seed, a->iopoll ? " iopoll" : "", a->sqpoll ? " sqpoll" : "");
	text_dir("read", &b->dir[0]);
	text_dir("write", &b->dir[1]);
	printf("  cpu  : usr=%.1f%% sys=%.1f%%, %.2f us per request\n",
	       b->cpu_ns ? 100.0 * (double)b->usr_ns / (double)b->cpu_ns : 0.0,
	       b->cpu_ns ? 100.0 * (double)b->sys_ns / (double)b->cpu_ns : 0.0,
	       ios ? (double)(b->usr_ns + b->sys_ns) / 1e3 / (double)ios : 0.0);
	if (b->iommu_maps >= 0)
		printf("  iommu: %ld map operations, %.3f per request\n", b->iommu_maps,
		       ios ? (double)b->iommu_maps / (double)ios : 0.0);
	if (b->dev_valid)
		printf("  disk : %llu read commands (%llu requests merged), %llu write commands "
		       "(%llu merged)\n", (unsigned long long)b->dev.read_ios,
		       (unsigned long long)b->dev.read_merges, (unsigned long long)b->dev.write_ios,
		       (unsigned long long)b->dev.write_merges);
	if (b->dir[0].retries)
		printf("  retries: %llu\n", (unsigned long long)b->dir[0].retries);
}

/* Before a write workload: the whole memory holds the pattern. */
static int fill_memory(struct db_ctx *c, const struct dmabuf_pattern *p)
{
	return io_fill(c, p, 0, dmabuf_mem_size(c->m) / c->t.lba_size);
}

static int bench_prepare(void *arg)
{
	struct bench_args *a = arg;

	a->io.write = a->read_pct < 100;
	a->io.whole = true;
	if (!a->io.bs)
		a->io.bs = DEFAULT_BS;
	if (!a->io.qd)
		a->io.qd = DEFAULT_QD;
	if (!a->io.size_set) {
		a->io.size = (uint64_t)a->jobs * a->io.qd * a->io.bs;
		a->io.size_set = true;
	}
	if (!a->io.write)
		return EXIT_OK;
	/*
	 * A write workload scatters one buffer over the whole range: never
	 * without --force, on any target.  io_open() asks it with the device's
	 * own checks (the same message), before any memory is set up.
	 */
	snprintf(a->always, sizeof(a->always), "bench --rw %s overwrites LBAs across the range",
		 a->rw);
	a->io.always = a->always;
	return bench_pattern(a, &a->pat);
}

static int bench_ready(void *arg, struct db_ctx *c, const struct io_range *rg)
{
	struct bench_args *a = arg;

	(void)rg;
	return a->io.write ? fill_memory(c, a->pat) : EXIT_OK;
}

/*
 * A polled request the device cannot poll fails with EOPNOTSUPP: the device
 * (for a file, the filesystem's) has no poll queues.  Unsupported here, and
 * the message says what would poll.
 */
static void iopoll_hint(const struct db_ctx *c, struct dmabuf_err *e)
{
	e->kind = DMABUF_E_UNSUPPORTED;
	if (c->t.kind == DB_TGT_FILE)
		db_err_detail(e, "--iopoll (IORING_SETUP_IOPOLL) needs a device with poll queues, "
			      "e.g. an NVMe namespace with nvme poll_queues=N, and this regular "
			      "file's filesystem sits on one without them: run without --iopoll, "
			      "or on such a device");
	else
		db_err_detail(e, "--iopoll (IORING_SETUP_IOPOLL) needs a device with poll queues "
			      "and %s has none: load nvme with poll_queues=N (queue/io_poll "
			      "then reads 1), or run without --iopoll", c->t.path);
}

static int bench_run(void *arg, struct db_ctx *c, const struct io_range *rg,
		     struct json_object *doc)
{
	struct bench_args *a = arg;
	struct dmabuf_err e = { 0 };
	int ret;

	fill_opts(a, rg, &a->bo, &a->pr);
	ret = db_bench_run(c, &a->bo, &a->b, &e);
	progress_clear();
	if (!ret)
		return EXIT_OK;
	/* as the other commands: the first failed request, in the document */
	for (unsigned i = 0; i < a->b.nr_jobs; i++) {
		if (a->b.job[i].x.fail.failed) {
			json_object_object_add(doc, "failure", db_report_failure(&a->b.job[i].x.fail));
			break;
		}
	}
	if (a->iopoll && e.err == -EOPNOTSUPP)
		iopoll_hint(c, &e);
	return fail(&e);
}

static void bench_report(void *arg, struct db_ctx *c, const struct io_range *rg,
			 struct json_object *doc, int status)
{
	struct bench_args *a = arg;
	struct json_object *jobs = json_object_new_array();
	struct io_range r = *rg;

	if (status > 128)
		io_interrupted(doc);
	r.dev_ok = false;	/* total.device counts the measured run only */
	io_report(doc, c, &r);
	json_object_object_add(doc, "workload", workload_obj(a, &a->bo, &a->b, a->pat));
	for (unsigned i = 0; i < a->b.nr_jobs; i++)
		json_object_array_add(jobs, job_obj(&a->b, &a->b.job[i], i));
	json_object_object_add(doc, "jobs", jobs);
	json_object_object_add(doc, "total", total_obj(&a->b));
}

/* Text output is a table of its own, fio-like; JSON is the report. */
static void bench_print(void *arg, struct db_ctx *c, const struct io_range *rg,
			struct json_object *doc)
{
	struct bench_args *a = arg;

	if (g.json)
		db_report_print(doc, true, stdout);
	else
		text_report(a, c, rg, &a->b);
}

/* The jobs' rings go before the context's memory does. */
static int bench_finish(void *arg, struct db_ctx *c, int status)
{
	(void)c;
	db_bench_free(&((struct bench_args *)arg)->b);
	return status;
}

static void bench_cleanup(void *arg)
{
	dmabuf_pattern_free(((struct bench_args *)arg)->pat);
}

static const struct io_cmd bench_cmd = {
	.name = "bench",
	.prepare = bench_prepare,
	.ready = bench_ready,
	.run = bench_run,
	.report = bench_report,
	.print = bench_print,
	.finish = bench_finish,
	.cleanup = bench_cleanup,
};

int cmd_bench(int argc, char **argv)
{
	struct bench_args a = { .seed = DEFAULT_SEED, .jobs = 1, .tune = TUNE_ALL,
				.io.help = bench_help };

	parse_rw(&a, "randread");
	argp_parse(&bench_argp, argc, argv, 0, NULL, &a);
	return io_cmd_run(&bench_cmd, &a.io, &a);
}
