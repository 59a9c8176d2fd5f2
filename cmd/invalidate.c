// SPDX-License-Identifier: MIT
/*
 * dmabuf invalidate: take the registered buffer away and give it back, idle
 * or while reads and writes are in flight, and prove that no data is lost.
 *
 * pages/bounce: a cycle empties the buffer slot (IORING_REGISTER_BUFFERS_UPDATE
 * with a NULL iovec) and registers the memory again.  With --during-io the
 * two halves fire at different points of the I/O stream: requests already
 * issued finish on the old registration, requests issued into the gap fail
 * with -EFAULT and are reissued once the slot is back.
 *
 * token: a cycle is one write to the kernel's test trigger
 * (DB_TOKEN_DEBUGFS/invalidate), which makes the dma-buf's exporter notify a
 * move: the kernel drops the token's mapping, requests in flight finish on
 * the old one, new requests map afresh (or complete with -EAGAIN and are
 * reissued).  The kernel's own counters, read before and after, show that
 * every cycle reached it.
 *
 * mover memory (any path): a cycle is a real move by the exporter
 * (db_mem_move): move_notify, a wait for the importers' fences, a copy to
 * new pages; the exporter then watches the pages it gave up, and any byte
 * DMA writes there afterwards fails the run.
 */
#include <errno.h>
#include <stdio.h>

#include "builtin.h"
#include "token-debug.h"
#include "util.h"

struct inval_args {
	struct io_opts io;
	unsigned cycles;
	bool during_io;
	double time_limit;	/* --during-io: seconds the cycles may take to fire */
	bool time_limit_set;
	struct io_verify iv;
	/* progress of --during-io */
	unsigned fired;		/* cycles completed */
	bool slot_empty;	/* first half of a cycle done */
	unsigned calls;
	uint64_t reg_ns, unreg_ns, trigger_ns;
	uint64_t move_wait_ns, move_wait_max_ns;	/* mover: exporter's fence waits */
	struct dmabuf_mem_move_stats mv;			/* mover: after the run */
	struct db_token_stats k0;	/* token: kernel counters before */
};

enum { OPT_CYCLES = 0x300, OPT_DURING_IO, OPT_TIME_LIMIT };

#define DEFAULT_TIME_LIMIT 600.0	/* seconds */

static const struct argp_option inval_options[] = {
	{ "cycles", OPT_CYCLES, "N", 0, "invalidation cycles (default 8)", 4 },
	{ "during-io", OPT_DURING_IO, NULL, 0, "fire them while I/O is in flight", 4 },
	{ "time-limit", OPT_TIME_LIMIT, "SECS", 0, "with --during-io: give up if the cycles "
	  "have not all fired after SECS (default 600)", 4 },
	{ 0 }
};

static error_t inval_parse(int key, char *arg, struct argp_state *state)
{
	struct inval_args *a = state->input;

	switch (key) {
	case OPT_CYCLES:
		a->cycles = parse_count(state, "--cycles", arg, 1000000);
		break;
	case OPT_DURING_IO:
		a->during_io = true;
		break;
	case OPT_TIME_LIMIT:
		a->time_limit = parse_secs(state, "--time-limit", arg, false);
		a->time_limit_set = true;
		break;
	case ARGP_KEY_END:
		if (a->time_limit_set && !a->during_io)
			argp_error(state, "--time-limit goes with --during-io");
		break;
	case ARGP_KEY_INIT:
		io_children_init(state, &a->io);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp inval_argp = {
	inval_options, inval_parse, "TARGET",
	"Invalidate the buffer registered for TARGET (idle or while I/O runs) and verify "
	"that every request completed with correct data or failed cleanly and was retried."
	"\vWrites a pattern to the range: refused without --force on a mounted, held or "
	"signed device.",
	io_pattern_children, NULL, NULL
};

/*
 * A cycle is one move (mover memory), one trigger (token), or an
 * unregistration and a registration (pages, bounce).
 */
static unsigned steps_per_cycle(const struct db_ctx *c)
{
	return dmabuf_mem_can_move(c->m) || c->path == DMABUF_PATH_TOKEN ? 1 : 2;
}

static int move_step(struct inval_args *a, struct db_ctx *c, struct dmabuf_err *e)
{
	uint64_t wait_ns;
	int ret = dmabuf_mem_move(c->m, 0, &wait_ns, e);

	a->move_wait_ns += wait_ns;
	if (wait_ns > a->move_wait_max_ns)
		a->move_wait_max_ns = wait_ns;
	a->fired += !ret;
	return ret;
}

/*
 * One step of a cycle: token, the whole cycle (fire the trigger);
 * pages/bounce, half of it (empty the slot, or fill it again).
 */
static int step(struct inval_args *a, struct db_ctx *c, struct dmabuf_err *e)
{
	uint64_t t0 = db_now_ns();
	int ret;

	if (dmabuf_mem_can_move(c->m))
		return move_step(a, c, e);
	if (c->path == DMABUF_PATH_TOKEN) {
		ret = db_token_trigger(e);
		a->trigger_ns += db_now_ns() - t0;
		a->fired += !ret;
		return ret;
	}
	if (!a->slot_empty) {
		ret = db_ctx_unregister(c, e);
		a->unreg_ns += db_now_ns() - t0;
	} else {
		ret = db_ctx_register(c, e);
		a->reg_ns += db_now_ns() - t0;
		a->fired += !ret;
	}
	if (!ret)
		a->slot_empty = !a->slot_empty;
	return ret;
}

struct between_arg {
	struct inval_args *a;
	struct db_ctx *c;
};

/* Called by the engine once per submission while requests are in flight. */
static int between(void *arg, struct dmabuf_err *e)
{
	struct between_arg *b = arg;

	if (b->a->fired >= b->a->cycles && !b->a->slot_empty)
		return 0;
	/* every other batch, so requests land on both sides of each half */
	if (b->a->calls++ % 2)
		return 0;
	return step(b->a, b->c, e);
}

static int run_idle(struct inval_args *a, struct db_ctx *c, const struct io_range *rg,
		    struct json_object *doc)
{
	int ret = EXIT_OK;

	for (unsigned i = 1; i <= a->cycles && !ret; i++) {
		struct dmabuf_err e = { 0 };

		for (unsigned s = 0; s < steps_per_cycle(c); s++)
			if (step(a, c, &e))
				return fail(&e);
		ret = io_verify_pass(c, rg, &a->iv, i, true, doc);
	}
	return ret;
}

/*
 * Verify passes until every cycle has fired: how many passes that takes
 * depends on how many completion batches a pass has, which depends on the
 * machine's speed, so the bound is time, not passes.
 */
static int run_during_io(struct inval_args *a, struct db_ctx *c, const struct io_range *rg,
			 struct json_object *doc)
{
	struct between_arg b = { a, c };
	uint64_t t0 = db_now_ns(), limit_ns = (uint64_t)(a->time_limit * 1e9);
	unsigned n;
	int ret = EXIT_OK;

	c->between = between;
	c->between_arg = &b;
	c->retry = DB_RETRY_EFAULT;
	for (n = 1; !ret && (a->fired < a->cycles || a->slot_empty); n++) {
		if (db_now_ns() - t0 > limit_ns) {
			progress_clear();
			fprintf(stderr, "dmabuf: %s: only %u of %u cycles fired in %u passes over "
				"%g s (--time-limit); every byte of those passes verified\n",
				c->t.path, a->fired, a->cycles, n - 1, a->time_limit);
			db_jadd_bool(doc, "time_limit_hit", true);
			ret = EXIT_IO;
			break;
		}
		ret = io_verify_pass(c, rg, &a->iv, n, true, doc);
	}
	c->between = NULL;
	db_jadd_u64(doc, "passes", n - 1);
	db_jadd_double(doc, "time_limit_s", a->time_limit);
	return ret;
}

static const char *mechanism(const struct db_ctx *c)
{
	if (dmabuf_mem_can_move(c->m))
		return "exporter move (move_notify, fence wait, copy to new pages)";
	return c->path == DMABUF_PATH_TOKEN ? "move_notify (kernel test trigger)"
					: "unregister+register";
}

/* The kernel's token counters, from before the run to now (if it has them). */
static void report_kernel(struct json_object *o, const struct inval_args *a)
{
	struct db_token_stats k1;

	if (a->k0.maps < 0 || db_token_stats(&k1, NULL))
		return;
	db_jadd_u64(o, "kernel_invalidations", k1.invalidations - a->k0.invalidations);
	db_jadd_u64(o, "kernel_maps", k1.maps - a->k0.maps);
}

static void report_moves(struct json_object *o, const struct inval_args *a)
{
	db_jadd_double(o, "move_wait_us_avg", a->move_wait_ns / 1e3 / a->fired);
	db_jadd_double(o, "move_wait_us_max", a->move_wait_max_ns / 1e3);
	db_jadd_u64(o, "exporter_moves", a->mv.moves);
	db_jadd_u64(o, "watched_pages", a->mv.retired_pages);
	db_jadd_u64(o, "late_pages", a->mv.late_pages);
}

static void report_cycles(struct json_object *doc, const struct inval_args *a,
			  const struct db_ctx *c)
{
	struct json_object *o = json_object_new_object();

	db_jadd_u64(o, "requested", a->cycles);
	db_jadd_u64(o, "completed", a->fired);
	db_jadd_bool(o, "during_io", a->during_io);
	db_jadd_str(o, "mechanism", mechanism(c));
	if (a->fired && dmabuf_mem_can_move(c->m)) {
		report_moves(o, a);
		if (c->path == DMABUF_PATH_TOKEN)
			report_kernel(o, a);
	} else if (a->fired && c->path == DMABUF_PATH_TOKEN) {
		db_jadd_double(o, "trigger_us_avg", a->trigger_ns / 1e3 / a->fired);
		report_kernel(o, a);
	} else if (a->fired) {
		db_jadd_double(o, "unregister_us_avg", a->unreg_ns / 1e3 / a->fired);
		db_jadd_double(o, "register_us_avg", a->reg_ns / 1e3 / a->fired);
	}
	db_jadd_u64(o, "requests_retried", c->xfer.stats.retries);
	json_object_object_add(doc, "cycles", o);
}

/*
 * mover: pages the exporter gave up that DMA wrote afterwards mean a
 * request used a mapping after move_notify and its fence: data went to
 * memory that is no longer the buffer.  That fails the run like a mismatch.
 */
static int check_late(struct inval_args *a, struct db_ctx *c, int ret)
{
	struct dmabuf_err e = { 0 };

	if (!dmabuf_mem_can_move(c->m) || !a->fired)
		return ret;
	if (dmabuf_mem_move_stats(c->m, &a->mv, &e))
		return ret ? ret : fail(&e);
	if (!a->mv.late_pages)
		return ret;
	progress_clear();
	fprintf(stderr, "dmabuf: %s: %llu pages the exporter had given up were written after "
		"a move: DMA through a mapping dropped by move_notify\n", c->mem_src,
		(unsigned long long)a->mv.late_pages);
	return ret ? ret : EXIT_MISMATCH;
}

static int inval_prepare(void *arg)
{
	struct inval_args *a = arg;

	a->io.write = true;
	return io_pattern(&a->io, &a->iv.pat);
}

/* The kernel's counters: a bonus for moving memory, required for the token trigger. */
static int inval_ready(void *arg, struct db_ctx *c, const struct io_range *rg)
{
	struct inval_args *a = arg;
	struct dmabuf_err e = { 0 };

	(void)rg;
	if (dmabuf_mem_can_move(c->m)) {
		if (db_token_stats(&a->k0, NULL))
			a->k0.maps = -1;
	} else if (c->path == DMABUF_PATH_TOKEN && db_token_stats(&a->k0, &e)) {
		/* no trigger: say so before anything is written */
		return fail(&e);
	}
	return EXIT_OK;
}

static int inval_run(void *arg, struct db_ctx *c, const struct io_range *rg,
		     struct json_object *doc)
{
	struct inval_args *a = arg;
	int ret = a->during_io ? run_during_io(a, c, rg, doc) : run_idle(a, c, rg, doc);

	return check_late(a, c, ret);
}

/*
 * The progress line: a cycle (or, --during-io, a pass) is a verify pass,
 * which writes the range and reads it back.  --during-io runs passes until
 * every cycle has fired: the total is known once they have, at the end of
 * the pass under way.
 */
static void inval_progress(void *arg, const struct db_ctx *c, const struct io_range *rg,
			   struct io_progress *p)
{
	const struct inval_args *a = arg;
	uint64_t per = 2 * rg->nblocks * c->t.lba_size;
	uint64_t pass = p->done ? (p->done - 1) / per + 1 : 1;

	if (!a->during_io) {
		io_progress_passes(p, "cycle", a->cycles, per);
		return;
	}
	snprintf(p->stage, sizeof(p->stage), "pass %llu, %u of %u cycles fired",
		 (unsigned long long)pass, DB_MIN(a->fired, a->cycles), a->cycles);
	p->total = a->fired >= a->cycles && !a->slot_empty ? pass * per : 0;
}

static void inval_report(void *arg, struct db_ctx *c, const struct io_range *rg,
			 struct json_object *doc, int status)
{
	struct inval_args *a = arg;

	(void)status;
	report_cycles(doc, a, c);
	io_report(doc, c, rg);
	json_object_object_add(doc, "verify", db_report_verify(&a->iv.v, c->t.lba_size));
}

static void inval_cleanup(void *arg)
{
	dmabuf_pattern_free(((struct inval_args *)arg)->iv.pat);
}

static const struct io_cmd inval_cmd = {
	.name = "invalidate",
	.prepare = inval_prepare,
	.ready = inval_ready,
	.run = inval_run,
	.report = inval_report,
	.cleanup = inval_cleanup,
	.progress = inval_progress,
};

int cmd_invalidate(int argc, char **argv)
{
	struct inval_args a = { .cycles = 8, .time_limit = DEFAULT_TIME_LIMIT, .k0.maps = -1 };

	argp_parse(&inval_argp, argc, argv, 0, NULL, &a);
	return io_cmd_run(&inval_cmd, &a.io, &a);
}
