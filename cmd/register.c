// SPDX-License-Identifier: MIT
/*
 * dmabuf register: register memory as fixed buffer(s) for a target by the
 * chosen path, report which path was used, why better ones were not, and
 * how long registration and unregistration took.
 */
#include <stdio.h>

#include "builtin.h"
#include "dmabuf/util.h"

struct register_args {
	struct io_opts io;
	unsigned slots;
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

static const struct argp_child register_children[] = { { &mem_argp, 0, NULL, 0 }, { 0 } };

static const struct argp register_argp = {
	register_options, register_parse, "TARGET",
	"Register memory from SRC as fixed buffers for TARGET and report the buffer path."
	"\vThe token path needs a kernel with io_uring dma-buf registered buffers "
	"(kernel-patches/ of this project).",
	register_children, NULL, NULL
};

int cmd_register(int argc, char **argv)
{
	struct register_args a = { .slots = 1 };
	struct json_object *doc, *reg;
	struct dmabuf_err e = { 0 };
	struct io_range rg;
	struct db_ctx c;
	uint64_t t0, unreg_ns;
	long pinned;
	int ret;

	argp_parse(&register_argp, argc, argv, 0, NULL, &a);
	a.io.no_range = true;
	a.io.default_size = 1 << 20;
	/* io_open() registers; the slot count rides on the context options */
	ret = io_open_slots(&a.io, a.slots, &c, &rg);
	if (ret)
		return ret;
	pinned = io_pinned_kb();	/* while registered: pages pins, token does not */
	t0 = db_now_ns();
	ret = db_ctx_unregister(&c, &e);
	unreg_ns = db_now_ns() - t0;

	doc = db_report_new("register");
	io_report(doc, &c, NULL);
	reg = json_object_new_object();
	db_jadd_u64(reg, "slots", c.slots);
	db_jadd_double(reg, "register_us", c.register_ns / 1e3);
	db_jadd_double(reg, "register_us_per_slot", c.register_ns / 1e3 / c.slots);
	db_jadd_double(reg, "unregister_us", unreg_ns / 1e3);
	if (pinned >= 0)
		db_jadd_u64(reg, "pinned_kb", (uint64_t)pinned);
	json_object_object_add(doc, "registration", reg);
	db_report_print(doc, g.json, stdout);
	json_object_put(doc);
	db_ctx_close(&c);
	return ret ? fail(&e) : EXIT_OK;
}
