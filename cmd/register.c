// SPDX-License-Identifier: MIT
/*
 * dmabuf register: register memory as fixed buffer(s) for a target by the
 * chosen path, report which path was used, why better ones were not, and
 * how long registration and unregistration took.
 */
#include <stdio.h>

#include "builtin.h"
#include "util.h"

struct register_args {
	struct io_opts io;
	unsigned slots;
	long pinned_kb;			/* while registered: pages pins, a token does not */
	uint64_t unregister_ns;
	struct dmabuf_err e;		/* the unregistration's error */
};

enum { OPT_SLOTS = 0x400 };

static const struct argp_option register_options[] = {
	{ "slots", OPT_SLOTS, "N", 0, "register the memory in N buffer slots (default 1)", 4 },
	{ 0 }
};

static error_t register_parse(int key, char *arg, struct argp_state *state)
{
	struct register_args *a = state->input;

	switch (key) {
	case OPT_SLOTS:
		a->slots = parse_count(state, "--slots", arg, 16384);
		break;
	case ARGP_KEY_INIT:
		io_children_init(state, &a->io);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child register_children[] = {
	{ &mem_argp, 0, NULL, 0 }, GLOBAL_OPTIONS_CHILD, { 0 }
};

static const struct argp register_argp = {
	register_options, register_parse, "TARGET",
	"Register memory from SRC as fixed buffers for TARGET and report the buffer path."
	"\vThe token path needs a kernel with io_uring dma-buf registered buffers "
	"(kernel-patches/ of this project).",
	register_children, NULL, NULL
};

static unsigned register_slots(void *arg)
{
	return ((struct register_args *)arg)->slots;
}

static int register_prepare(void *arg)
{
	struct register_args *a = arg;

	a->io.no_range = true;
	a->io.default_size = 1 << 20;
	return EXIT_OK;
}

/* io_cmd_run() registered the memory: measure what it holds, then undo it. */
static int register_run(void *arg, struct db_ctx *c, const struct io_range *rg,
			struct json_object *doc)
{
	struct register_args *a = arg;
	uint64_t t0;
	int ret;

	(void)rg;
	(void)doc;
	a->pinned_kb = io_pinned_kb();
	t0 = db_now_ns();
	ret = db_ctx_unregister(c, &a->e);
	a->unregister_ns = db_now_ns() - t0;
	return ret ? exit_status(a->e.kind) : EXIT_OK;
}

static void register_report(void *arg, struct db_ctx *c, const struct io_range *rg,
			    struct json_object *doc, int status)
{
	struct register_args *a = arg;
	struct json_object *reg = json_object_new_object();

	(void)rg;
	(void)status;
	io_report(doc, c, NULL);
	db_jadd_u64(reg, "slots", c->slots);
	db_jadd_double(reg, "register_us", c->register_ns / 1e3);
	db_jadd_double(reg, "register_us_per_slot", c->register_ns / 1e3 / c->slots);
	db_jadd_double(reg, "unregister_us", a->unregister_ns / 1e3);
	if (a->pinned_kb >= 0)
		db_jadd_u64(reg, "pinned_kb", (uint64_t)a->pinned_kb);
	json_object_object_add(doc, "registration", reg);
}

static int register_finish(void *arg, struct db_ctx *c, int status)
{
	struct register_args *a = arg;

	(void)c;
	return status ? fail(&a->e) : EXIT_OK;
}

static const struct io_cmd register_cmd = {
	.name = "register",
	.no_result = true,
	.slots = register_slots,
	.prepare = register_prepare,
	.run = register_run,
	.report = register_report,
	.finish = register_finish,
};

int cmd_register(int argc, char **argv)
{
	struct register_args a = { .slots = 1 };

	argp_parse(&register_argp, argc, argv, 0, NULL, &a);
	return io_cmd_run(&register_cmd, &a.io, &a);
}
