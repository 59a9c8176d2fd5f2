// SPDX-License-Identifier: MIT
/*
 * The skeleton every data command runs on: see struct io_cmd in
 * cmd/builtin.h.  The order is the contract: nothing is opened before
 * prepare, no report exists before ready, the report is printed once, and
 * the context is closed on every path.  While run moves data, a terminal
 * on stderr shows the progress line (cmd/shared/progress.c).
 */
#include "../builtin.h"

static int open_ctx(const struct io_cmd *cmd, struct io_opts *io, void *args,
		    struct db_ctx *c, struct io_range *rg)
{
	return io_open_slots(io, cmd->slots ? cmd->slots(args) : 1, c, rg);
}

static int report_and_print(const struct io_cmd *cmd, void *args, struct db_ctx *c,
			    const struct io_range *rg)
{
	struct json_object *doc = db_report_new(cmd->name);
	int ret;

	/* on a terminal, the live line while the I/O runs; gone before the report */
	io_progress_begin(cmd, args, c, rg);
	ret = cmd->run(args, c, rg, doc);
	io_progress_end();
	if (!cmd->no_result)
		io_result(doc, ret);
	if (cmd->report)
		cmd->report(args, c, rg, doc, ret);
	else
		io_report(doc, c, rg);
	if (cmd->print)
		cmd->print(args, c, rg, doc);
	else
		db_report_print(doc, g.json, stdout);
	if (cmd->finish)
		ret = cmd->finish(args, c, ret);
	json_object_put(doc);
	return ret;
}

int io_cmd_run(const struct io_cmd *cmd, struct io_opts *io, void *args)
{
	struct io_range rg;
	struct db_ctx c;
	int ret = cmd->prepare ? cmd->prepare(args) : EXIT_OK;

	if (!ret)
		ret = open_ctx(cmd, io, args, &c, &rg);
	if (ret)
		goto out;
	ret = cmd->ready ? cmd->ready(args, &c, &rg) : EXIT_OK;
	if (!ret)
		ret = report_and_print(cmd, args, &c, &rg);
	db_ctx_close(&c);
out:
	if (cmd->cleanup)
		cmd->cleanup(args);
	return ret;
}
