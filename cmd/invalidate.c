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
 */
#include <errno.h>
#include <stdio.h>

#include "builtin.h"
#include "dmabuf/util.h"

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

/* A token cycle is one trigger; a pages/bounce cycle, unregister + register. */
static unsigned steps_per_cycle(const struct db_ctx *c)
{
	return c->path == DB_PATH_TOKEN ? 1 : 2;
}

/*
 * One step of a cycle: token, the whole cycle (fire the trigger);
 * pages/bounce, half of it (empty the slot, or fill it again).
 */
static int step(struct inval_args *a, struct db_ctx *c, struct db_err *e)
{
	uint64_t t0 = db_now_ns();
	int ret;

	if (c->path == DB_PATH_TOKEN) {
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
static int between(void *arg, struct db_err *e)
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
		struct db_err e = { 0 };

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

static void report_cycles(struct json_object *doc, const struct inval_args *a,
			  const struct db_ctx *c)
{
	struct json_object *o = json_object_new_object();

	db_jadd_u64(o, "requested", a->cycles);
	db_jadd_u64(o, "completed", a->fired);
	db_jadd_bool(o, "during_io", a->during_io);
	db_jadd_str(o, "mechanism", c->path == DB_PATH_TOKEN ? "move_notify (kernel test trigger)"
						       : "unregister+register");
	if (a->fired && c->path == DB_PATH_TOKEN) {
		struct db_token_stats k1;

		db_jadd_double(o, "trigger_us_avg", a->trigger_ns / 1e3 / a->fired);
		if (!db_token_stats(&k1, NULL)) {
			db_jadd_u64(o, "kernel_invalidations", k1.invalidations - a->k0.invalidations);
			db_jadd_u64(o, "kernel_maps", k1.maps - a->k0.maps);
		}
	} else if (a->fired) {
		db_jadd_double(o, "unregister_us_avg", a->unreg_ns / 1e3 / a->fired);
		db_jadd_double(o, "register_us_avg", a->reg_ns / 1e3 / a->fired);
	}
	db_jadd_u64(o, "requests_retried", c->xfer.stats.retries);
	json_object_object_add(doc, "cycles", o);
}

int cmd_invalidate(int argc, char **argv)
{
	struct inval_args a = { .cycles = 8, .time_limit = DEFAULT_TIME_LIMIT, .iv.pat.fd = -1 };
	struct json_object *doc;
	struct io_range rg;
	struct db_ctx c;
	int ret;

	argp_parse(&inval_argp, argc, argv, 0, NULL, &a);
	a.io.write = true;
	ret = io_pattern(&a.io, &a.iv.pat);
	if (ret)
		return ret;
	ret = io_open(&a.io, &c, &rg);
	if (ret)
		goto out;
	if (c.path == DB_PATH_TOKEN) {
		struct db_err e = { 0 };

		/* no trigger: say so before anything is written */
		if (db_token_stats(&a.k0, &e)) {
			ret = fail(&e);
			db_ctx_close(&c);
			goto out;
		}
	}
	doc = db_report_new("invalidate");
	ret = a.during_io ? run_during_io(&a, &c, &rg, doc) : run_idle(&a, &c, &rg, doc);
	io_result(doc, ret);
	report_cycles(doc, &a, &c);
	io_report(doc, &c, &rg);
	json_object_object_add(doc, "verify", db_report_verify(&a.iv.v, c.t.lba_size));
	db_report_print(doc, g.json, stdout);
	json_object_put(doc);
	db_ctx_close(&c);
out:
	db_pattern_close(&a.iv.pat);
	return ret;
}
