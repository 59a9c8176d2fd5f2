// SPDX-License-Identifier: MIT
/* dmabuf read: read logical blocks into memory, optionally out to a file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"

struct read_args {
	struct io_opts io;
	const char *out;
	int out_fd;
	bool canary;			/* the memory has a CPU view: canary before each read */
	struct dmabuf_verify_result v;	/* blocks that kept the canary */
	uint64_t range_lba;
};

static const struct argp_option read_options[] = {
	{ "out", 'O', "FILE", 0, "write the data read to FILE ('-' for stdout)", 4 },
	{ 0 }
};

static error_t read_parse(int key, char *arg, struct argp_state *state)
{
	struct read_args *a = state->input;

	switch (key) {
	case 'O':
		a->out = arg;
		break;
	case ARGP_KEY_INIT:
		io_children_init(state, &a->io);
		break;
	case ARGP_KEY_END:
		if (a->out && !strcmp(a->out, "-") && g.json)
			argp_error(state, "--out - and --json both want stdout");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child read_children[] = {
	{ &io_argp, 0, NULL, 0 }, GLOBAL_OPTIONS_CHILD, { 0 }
};

static const struct argp read_argp = {
	read_options, read_parse, "TARGET",
	"Read logical blocks from TARGET into memory from SRC through io_uring."
	"\vExample: dmabuf read /dev/nvme0n1 --mem udmabuf --lba 0 --blocks 256 --out data.bin",
	read_children, NULL, NULL
};

static int write_all(int fd, const char *buf, size_t len, const char *what)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			progress_clear();
			fprintf(stderr, "dmabuf: %s: write: %s\n", what, strerror(errno));
			return EXIT_IO;
		}
		buf += n;
		len -= (size_t)n;
	}
	return EXIT_OK;
}

/* Before each window: the canary, where the CPU can write it. */
static int canary_window(void *arg, struct db_ctx *c, uint64_t lba, uint64_t nblocks)
{
	struct read_args *a = arg;

	(void)lba;
	return a->canary ? io_canary(c, nblocks) : EXIT_OK;
}

/* After each window: count blocks the read left alone, hand the data to --out. */
static int out_window(void *arg, struct db_ctx *c, uint64_t lba, uint64_t nblocks)
{
	struct read_args *a = arg;
	struct dmabuf_err e = { 0 };
	int ret = EXIT_OK;

	if (!a->canary && a->out_fd < 0)
		return EXIT_OK;
	if (db_ctx_cpu_begin(c, false, &e))
		return fail(&e);
	if (a->canary)
		dmabuf_canary_check(dmabuf_mem_addr(c->m), lba, nblocks, c->t.lba_size,
				    (lba - a->range_lba) * c->t.lba_size, &a->v);
	if (a->out_fd >= 0)
		ret = write_all(a->out_fd, dmabuf_mem_addr(c->m), nblocks * c->t.lba_size, a->out);
	if (db_ctx_cpu_end(c, false, &e) && !ret)
		ret = fail(&e);
	return ret;
}

/*
 * The canary needs a CPU view of the memory; a dma-buf without one is read
 * unchecked (and --out needs one anyway).
 */
static void want_canary(struct read_args *a, struct db_ctx *c)
{
	struct dmabuf_err e = { 0 };
	void *addr;

	a->canary = !dmabuf_mem_mmap(c->m, &addr, &e);
	if (!a->canary)
		note("%s: no CPU view of the memory, reading without the canary", c->mem_src);
}

static int open_out(struct read_args *a)
{
	a->out_fd = -1;
	if (!a->out)
		return EXIT_OK;
	if (!strcmp(a->out, "-")) {
		a->out_fd = STDOUT_FILENO;
		return EXIT_OK;
	}
	a->out_fd = open(a->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (a->out_fd < 0) {
		fprintf(stderr, "dmabuf: %s: open: %s\n", a->out, strerror(errno));
		return errno == ENOENT || errno == EISDIR ? EXIT_USAGE : EXIT_IO;
	}
	return EXIT_OK;
}

static int read_ready(void *arg, struct db_ctx *c, const struct io_range *rg)
{
	struct read_args *a = arg;
	int ret = open_out(a);

	if (ret)
		return ret;
	want_canary(a, c);
	a->range_lba = rg->lba;
	return EXIT_OK;
}

static int read_run(void *arg, struct db_ctx *c, const struct io_range *rg, struct json_object *doc)
{
	struct read_args *a = arg;
	int ret = io_windows(c, rg, false, canary_window, out_window, a, doc);

	return !ret && a->v.blocks_bad ? EXIT_MISMATCH : ret;
}

static void read_report(void *arg, struct db_ctx *c, const struct io_range *rg,
			struct json_object *doc, int status)
{
	struct read_args *a = arg;

	io_report(doc, c, rg);
	db_jadd_bool(doc, "canary", a->canary);
	if (a->canary)
		json_object_object_add(doc, "undelivered", db_report_verify(&a->v, c->t.lba_size));
	if (status == EXIT_MISMATCH)
		fprintf(stderr, "dmabuf: %s: %llu of %llu blocks were not delivered into %s: "
			"the read reported success and the memory still holds the canary\n",
			c->t.path, (unsigned long long)a->v.blocks_bad,
			(unsigned long long)a->v.blocks_checked, a->io.mem);
}

/* Data went to stdout: the report goes to stderr. */
static void read_print(void *arg, struct db_ctx *c, const struct io_range *rg,
		       struct json_object *doc)
{
	struct read_args *a = arg;

	(void)c;
	(void)rg;
	db_report_print(doc, g.json, a->out_fd == STDOUT_FILENO ? stderr : stdout);
}

static int read_finish(void *arg, struct db_ctx *c, int status)
{
	struct read_args *a = arg;

	(void)c;
	if (a->out_fd > STDOUT_FILENO && close(a->out_fd) && !status) {
		fprintf(stderr, "dmabuf: %s: close: %s\n", a->out, strerror(errno));
		return EXIT_IO;
	}
	return status;
}

static const struct io_cmd read_cmd = {
	.name = "read",
	.ready = read_ready,
	.run = read_run,
	.report = read_report,
	.print = read_print,
	.finish = read_finish,
};

int cmd_read(int argc, char **argv)
{
	struct read_args a = { .out_fd = -1 };

	argp_parse(&read_argp, argc, argv, 0, NULL, &a);
	return io_cmd_run(&read_cmd, &a.io, &a);
}
