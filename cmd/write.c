// SPDX-License-Identifier: MIT
/* dmabuf write: write logical blocks from a pattern or a file. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builtin.h"
#include "util.h"

struct write_args {
	struct io_opts io;
	const char *in;
	int in_fd;
	bool pad;		/* --pad: zero-fill the range past the file's end */
	int64_t in_size;	/* bytes, -1 when the file's length is unknown (a pipe) */
	uint64_t in_bytes;	/* bytes of the file written so far */
	uint64_t padded;	/* zero bytes written after them */
	uint64_t range_bytes;
	struct dmabuf_pattern *pat;
};

enum { OPT_PAD = 0x100, OPT_EXTEND };

static const struct argp_option write_options[] = {
	{ "in", 'i', "FILE", 0, "write the bytes of FILE (it must fill the range)", 4 },
	{ "pad", OPT_PAD, NULL, 0, "with --in: zero-fill the range past the end of FILE", 4 },
	{ "extend", OPT_EXTEND, NULL, 0, "let a range past the end of a regular file grow it", 4 },
	{ 0 }
};

static error_t write_parse(int key, char *arg, struct argp_state *state)
{
	struct write_args *a = state->input;

	switch (key) {
	case 'i':
		a->in = arg;
		break;
	case OPT_PAD:
		a->pad = true;
		break;
	case OPT_EXTEND:
		a->io.extend = true;
		break;
	case ARGP_KEY_INIT:
		io_children_init(state, &a->io);
		break;
	case ARGP_KEY_END:
		if (a->in && a->io.pattern)
			argp_error(state, "--in and --pattern exclude each other");
		if (a->pad && !a->in)
			argp_error(state, "--pad goes with --in");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp write_argp = {
	write_options, write_parse, "TARGET",
	"Write logical blocks to TARGET from memory from SRC, filled with a pattern or a file."
	"\vRefused (exit 5) without --force when TARGET is mounted, held or carries a "
	"partition table or filesystem signature.",
	io_pattern_children, NULL, NULL
};

static int fill_pattern(void *arg, struct db_ctx *c, uint64_t lba, uint64_t nblocks)
{
	struct write_args *a = arg;

	return io_fill(c, a->pat, lba, nblocks);
}

/* FILE ended inside the range and --pad was not given: nothing more is written. */
static int short_in(const struct write_args *a, const struct db_ctx *c, uint64_t range_bytes,
		    bool some_written, uint64_t lba)
{
	progress_clear();
	fprintf(stderr, "dmabuf: %s: %" PRIu64 " bytes, the range is %" PRIu64 " bytes "
		"(%" PRIu64 " blocks of %u); --pad zero-fills the rest",
		a->in, a->in_bytes, range_bytes, range_bytes / c->t.lba_size, c->t.lba_size);
	if (some_written)
		fprintf(stderr, "; the blocks before LBA %" PRIu64 " were written (FILE is "
			"not a regular file: its length was known only at its end)", lba);
	else
		fprintf(stderr, "; nothing was written");
	fputc('\n', stderr);
	return EXIT_USAGE;
}

static int fill_file(void *arg, struct db_ctx *c, uint64_t lba, uint64_t nblocks)
{
	struct write_args *a = arg;
	uint64_t want = nblocks * c->t.lba_size, got = 0;
	struct dmabuf_err e = { 0 };
	char *p;

	/* maps the memory for the CPU on first use (the token path never has) */
	if (db_ctx_cpu_begin(c, true, &e))
		return fail(&e);
	p = dmabuf_mem_addr(c->m);
	while (got < want) {
		ssize_t n = read(a->in_fd, p + got, want - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			progress_clear();
			fprintf(stderr, "dmabuf: %s: read: %s\n", a->in, strerror(errno));
			db_ctx_cpu_end(c, true, NULL);
			return EXIT_IO;
		}
		if (n == 0)
			break;
		got += (uint64_t)n;
	}
	a->in_bytes += got;
	/* a pipe's length is known only here; a regular file's was checked before */
	if (got < want && !a->pad) {
		db_ctx_cpu_end(c, true, NULL);
		return short_in(a, c, a->range_bytes, a->in_bytes > got, lba);
	}
	memset(p + got, 0, want - got);
	a->padded += want - got;
	if (db_ctx_cpu_end(c, true, &e))
		return fail(&e);
	return EXIT_OK;
}

/* --in without a range: the file's length, rounded up to whole blocks later. */
static int open_in(struct write_args *a)
{
	struct stat st;

	a->in_fd = open(a->in, O_RDONLY | O_CLOEXEC);
	if (a->in_fd < 0 || fstat(a->in_fd, &st)) {
		fprintf(stderr, "dmabuf: %s: open --in: %s\n", a->in, strerror(errno));
		return EXIT_USAGE;
	}
	/* open() takes a directory, read() would fail mid-run: bad input, before anything */
	if (S_ISDIR(st.st_mode)) {
		fprintf(stderr, "dmabuf: %s: open --in: %s: give a file, a device or a pipe "
			"to write from\n", a->in, strerror(EISDIR));
		return EXIT_USAGE;
	}
	a->in_size = S_ISREG(st.st_mode) ? st.st_size : -1;
	if (!a->io.blocks_set && !a->io.length_set) {
		if (!st.st_size) {
			fprintf(stderr, "dmabuf: %s: file is empty\n", a->in);
			return EXIT_USAGE;
		}
		a->io.default_size = (uint64_t)st.st_size;
	}
	return EXIT_OK;
}

static int write_prepare(void *arg)
{
	struct write_args *a = arg;

	a->io.write = true;
	a->io.extend_opt = true;
	return a->in ? open_in(a) : io_pattern(&a->io, &a->pat);
}

/* --in sized the range in bytes: whole blocks hold it, or --pad fills them. */
static int write_ready(void *arg, struct db_ctx *c, const struct io_range *rg)
{
	struct write_args *a = arg;

	a->range_bytes = rg->nblocks * c->t.lba_size;
	if (a->in && !a->pad && a->in_size >= 0 && (uint64_t)a->in_size < a->range_bytes) {
		a->in_bytes = (uint64_t)a->in_size;
		return short_in(a, c, a->range_bytes, false, rg->lba);
	}
	return EXIT_OK;
}

static int write_run(void *arg, struct db_ctx *c, const struct io_range *rg,
		     struct json_object *doc)
{
	struct write_args *a = arg;

	return io_windows(c, rg, true, a->in ? fill_file : fill_pattern, NULL, a, doc);
}

static void write_report(void *arg, struct db_ctx *c, const struct io_range *rg,
			 struct json_object *doc, int status)
{
	struct write_args *a = arg;

	(void)status;
	if (a->in) {
		db_jadd_str(doc, "source", a->in);
		db_jadd_u64(doc, "source_bytes", a->in_bytes);
		if (a->pad)
			db_jadd_u64(doc, "padded_bytes", a->padded);
	} else {
		db_jadd_str(doc, "pattern", dmabuf_pattern_name(a->pat));
	}
	io_report(doc, c, rg);
}

static void write_cleanup(void *arg)
{
	struct write_args *a = arg;

	if (a->in_fd >= 0)
		close(a->in_fd);
	dmabuf_pattern_free(a->pat);
}

static const struct io_cmd write_cmd = {
	.name = "write",
	.prepare = write_prepare,
	.ready = write_ready,
	.run = write_run,
	.report = write_report,
	.cleanup = write_cleanup,
};

int cmd_write(int argc, char **argv)
{
	struct write_args a = { .in_fd = -1 };

	argp_parse(&write_argp, argc, argv, 0, NULL, &a);
	return io_cmd_run(&write_cmd, &a.io, &a);
}
