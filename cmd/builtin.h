/* SPDX-License-Identifier: MIT */
#ifndef DMABUF_CMD_BUILTIN_H
#define DMABUF_CMD_BUILTIN_H

/*
 * The commands.  cmd/NAME.c holds cmd_NAME(), cmd/shared/ what several share.
 * Each cmd_NAME() gets argv with argv[0] = "NAME", parses it
 * with its own struct argp, and returns the process exit status.
 */

#include <argp.h>
#include <stdbool.h>
#include <stdint.h>

#include "ctx.h"
#include "err.h"
#include "dmabuf/dmabuf.h"
#include "report.h"

/* Exit status (dmabuf(1)). */
enum {
	EXIT_OK = 0,
	EXIT_MISMATCH = 1,
	EXIT_USAGE = 2,
	EXIT_UNSUPPORTED = 3,
	EXIT_IO = 4,
	EXIT_SAFETY = 5,
};

struct global_opts {
	bool json;
	int verbose;
};
extern struct global_opts g;

/*
 * The global options (--json, -v/--verbose, -h as --help) as one argp child
 * that sets g: the top level and every command's argp include it, so they go
 * before or after the command, and each command's --help lists them.  A
 * command with other children adds GLOBAL_OPTIONS_CHILD to its array; one
 * without takes global_children as its children.
 */
extern const struct argp global_opts_argp;
#define GLOBAL_OPTIONS_CHILD \
	{ &global_opts_argp, 0, NULL, 0 }
extern const struct argp_child global_children[];

int cmd_check(int argc, char **argv);
int cmd_alloc(int argc, char **argv);
int cmd_register(int argc, char **argv);
int cmd_read(int argc, char **argv);
int cmd_write(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_invalidate(int argc, char **argv);
int cmd_bench(int argc, char **argv);

/* Print "dmabuf: <error>" to stderr and return the exit status for its kind. */
int fail(const struct dmabuf_err *e);
/* Print a usage error (one line) and return EXIT_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Exit status for an error kind. */
int exit_status(enum dmabuf_err_kind kind);
/* Verbose diagnostics to stderr (-v). */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Options shared by the commands that move data (doc/cli.md), parsed by the
 * argp child io_argp into struct io_opts (pass it as the parent's input;
 * the child finds it through state->input of the parent, see cmd/shared/io.c).
 */
struct io_opts {
	const char *target;
	const char *mem;
	uint64_t size;
	const char *path;
	const char *engine;
	uint64_t lba, blocks, offset, length;
	bool lba_set, blocks_set, offset_set, length_set, size_set;
	uint64_t bs;
	unsigned qd;
	const char *name;
	const char *pattern;
	bool force;
	bool write;		/* the command writes to the target */
	/*
	 * A write refused without --force whatever the target (bench's
	 * scattered writes), NULL for none: io_open() asks it with the
	 * device's own checks, before any memory is set up.
	 */
	const char *always;
	bool extend;		/* --extend: a range past a regular file's end grows it */
	bool extend_opt;	/* the command takes --extend (the range error offers it) */
	bool no_range;		/* register: memory only, no LBA range */
	bool whole;		/* no range given: from --lba to the end of the target */
	uint64_t default_size;	/* memory when neither size nor range is given */
	/* the command's own --help text of a shared option (its defaults), NULL: the shared */
	const char *(*help)(int key);
};

extern struct argp mem_argp;		/* TARGET, --mem, --size, --path, --engine, --name */
extern struct argp io_argp;		/* mem_argp + --lba … --qd */
extern struct argp pattern_argp;	/* --pattern, --force */
/* The children of a command that writes: io_argp + pattern_argp. */
extern const struct argp_child io_pattern_children[];

/* ARGP_KEY_INIT of a command: its children (io/mem, pattern) parse into @io. */
void io_children_init(struct argp_state *state, struct io_opts *io);

/* A number (0 to 2^64 - 1) into @out; a usage error (exit 2) that says why otherwise. */
int parse_num_arg(struct argp_state *state, const char *opt, const char *arg, uint64_t *out);

/* A count option from 1 to @max; a usage error (exit 2) otherwise. */
unsigned parse_count(struct argp_state *state, const char *opt, const char *arg,
		     unsigned max);

/* Seconds (decimals allowed) above 0, or from 0 with @zero_ok, at most 1e6. */
double parse_secs(struct argp_state *state, const char *opt, const char *arg, bool zero_ok);

/* The resolved range of an I/O command, in logical blocks. */
struct io_range {
	uint64_t lba, nblocks;
	uint64_t win_blocks;	/* blocks per window (memory size / LBA size) */
	/* the block device's counters when the context was opened (io_report: the delta) */
	bool dev_ok;
	struct db_devstat dev0;
};

/*
 * Parse the options into context options, open the context and resolve the
 * range against the target.  Enforces the safety rules when o->write and
 * not o->force.  Returns an exit status (EXIT_OK on success).
 */
int io_open(struct io_opts *o, struct db_ctx *c, struct io_range *rg);
/* io_open() registering the memory in @slots buffer slots. */
int io_open_slots(struct io_opts *o, unsigned slots, struct db_ctx *c, struct io_range *rg);

/*
 * Add the "target", "memory", "path", "phases_ms" and "process" objects for
 * @c to @doc, and with @rg the range and, for a block device, "device": the
 * commands that reached it since io_open() (merged requests are not commands).
 */
void io_report(struct json_object *doc, struct db_ctx *c, const struct io_range *rg);

/*
 * What a block device counted (struct db_devstat) as a "device" object:
 * read/write commands, merges (requests merged into them) and bytes.
 */
struct json_object *io_device_obj(const struct db_devstat *d);

/* This process's pinned memory (VmPin of /proc/self/status) in KiB, -1 unknown. */
long io_pinned_kb(void);

/* Parse --pattern (default "lba") into @p; exit status. */
int io_pattern(const struct io_opts *o, struct dmabuf_pattern **p);

/*
 * Transfer @rg window by window.  For each window: @before(arg, lba, n,
 * mem_off) runs first (fill the memory), then the I/O, then @after(…)
 * (check the memory).  Either hook may be NULL.  Returns an exit status.
 */
typedef int (*io_hook)(void *arg, struct db_ctx *c, uint64_t lba, uint64_t nblocks);
int io_windows(struct db_ctx *c, const struct io_range *rg, bool write, io_hook before,
	       io_hook after, void *arg, struct json_object *doc);

/*
 * A signal stopped the I/O (DMABUF_E_INTERRUPTED): add "interrupted" to @doc
 * with the signal's name; returns it, owned by @doc, for the command to add
 * how far it got (io_windows(): "blocks_done" of the range transferred
 * whole before the signal, "next_lba" the first not known to be done).
 */
struct json_object *io_interrupted(struct json_object *doc);

/* "result" of a report from the command's exit status: ok, mismatch, interrupted, error. */
void io_result(struct json_object *doc, int status);

/*
 * The life of a command that moves data, in one place (cmd/shared/run.c):
 *
 *   prepare   before anything is opened (patterns, files; nothing written)
 *   open      the context and the range (io_open(): safety rules, exit 2-5)
 *   ready     checks that need the open target; may refuse before the report
 *   run       the I/O, into the report
 *   report    after "result": what the command reports (default: io_report())
 *   print     the report (default: db_report_print() to stdout)
 *   finish    after the print: messages, late errors; returns the exit status
 *   cleanup   always, last
 *   progress  during run, at most once an interval on a terminal: what the
 *             progress line says (io_progress_begin())
 *
 * Every hook but run may be NULL.  @args is the command's own arguments,
 * handed to every hook; hooks return exit statuses.
 */
struct io_progress;

struct io_cmd {
	const char *name;		/* the report's "command" */
	bool no_result;			/* no "result" member (register) */
	unsigned (*slots)(void *args);	/* buffer slots to register (default 1) */
	int (*prepare)(void *args);
	int (*ready)(void *args, struct db_ctx *c, const struct io_range *rg);
	int (*run)(void *args, struct db_ctx *c, const struct io_range *rg, struct json_object *doc);
	void (*report)(void *args, struct db_ctx *c, const struct io_range *rg,
		       struct json_object *doc, int status);
	void (*print)(void *args, struct db_ctx *c, const struct io_range *rg,
		      struct json_object *doc);
	int (*finish)(void *args, struct db_ctx *c, int status);
	void (*cleanup)(void *args);
	/* the progress line's total and stage, from what is done (default: the range once) */
	void (*progress)(void *args, const struct db_ctx *c, const struct io_range *rg,
			 struct io_progress *p);
};

/* Run @cmd (its options already parsed into @io, inside @args).  Exit status. */
int io_cmd_run(const struct io_cmd *cmd, struct io_opts *io, void *args);

/*
 * The live progress line (cmd/shared/progress.c), one for every command:
 * on stderr when it is a terminal and --json is not given, redrawn in place
 * at most once an interval, and cleared before anything else is printed.
 *   read: 3 s elapsed, 1.2 GiB of 4 GiB (30 %), 410 MB/s, ETA 7 s
 *   verify: pass 2 of 5, 3 s elapsed, ...
 *   bench: 3 s elapsed, 123456 IOPS so far, ETA 7 s
 */
struct progress_figs {
	const char *stage;	/* "pass 2 of 5"; NULL or "": none */
	double elapsed_s;
	bool iops;		/* the IOPS form (bench): @rate is requests a second */
	uint64_t done, total;	/* bytes moved, bytes to move in all (0: not known) */
	double rate;		/* bytes a second (with @iops: requests) */
	double eta_s;		/* seconds left; < 0: not known */
};

/* A terminal on stderr and no --json. */
bool progress_wanted(void);
/* Between two lines: DMABUF_PROGRESS_MS (a testing knob), else a second. */
uint64_t progress_interval_ns(void);
/* Draw @f in place of the line drawn before. */
void progress_draw(const char *cmd, const struct progress_figs *f);
/* Clear the line, when one is drawn: before other output to the terminal. */
void progress_clear(void);

/*
 * The line of a data command, around its run (io_cmd_run()): the engine
 * calls back from its I/O loop (struct db_xfer.progress); done is what the
 * tracked contexts moved since.  The command's progress hook, when it has
 * one, sets the total (preset: the range once), a stage and the ETA.
 */
struct io_progress {
	uint64_t done;		/* bytes the tracked contexts moved in the run */
	double elapsed_s;
	uint64_t total;		/* bytes to move in all, 0 when not known */
	char stage[64];		/* "pass 2 of 5", or "" */
	double eta_s;		/* < 0 (preset): from total, done and the rate */
};
void io_progress_begin(const struct io_cmd *cmd, void *args, struct db_ctx *c,
		       const struct io_range *rg);
/* Another context's I/O counts too (verify's host memory); a no-op without a line. */
void io_progress_track(struct db_ctx *c);
/* Detach from the contexts and clear the line. */
void io_progress_end(void);
/* @n passes of @per bytes each: the total, and "@word P of @n" (none for one pass). */
void io_progress_passes(struct io_progress *p, const char *word, unsigned n, uint64_t per);

/*
 * One transfer of @nblocks blocks at @lba between the target and the start
 * of @c's memory; on failure adds "failure" (and "interrupted", with @done
 * blocks of @rg finished) to @doc.  Returns an exit status.
 */
int io_xfer(struct db_ctx *c, bool write, uint64_t lba, uint64_t nblocks,
	    const struct io_range *rg, uint64_t done, struct json_object *doc);

/* Pattern fill of the memory window, bracketed for the CPU. */
int io_fill(struct db_ctx *c, const struct dmabuf_pattern *p, uint64_t lba, uint64_t nblocks);

/* The canary (dmabuf_canary_fill()) over the first @nblocks blocks of the memory. */
int io_canary(struct db_ctx *c, uint64_t nblocks);

/* A verification: the pattern, what was found, where the range starts. */
struct io_verify {
	struct dmabuf_pattern *pat;	/* owned: dmabuf_pattern_free() */
	struct dmabuf_verify_result v;
	uint64_t range_lba;
};

/* An io_windows() after-hook: compare the window with @arg's (struct io_verify) pattern. */
int io_verify_check(void *arg, struct db_ctx *c, uint64_t lba, uint64_t nblocks);

/*
 * One verify pass over @rg: when @write, fill the memory with @iv's pattern
 * stamped with @pass and write it; then poison the memory, read the range
 * back and compare.  Returns an exit status, EXIT_MISMATCH when blocks differ.
 */
int io_verify_pass(struct db_ctx *c, const struct io_range *rg, struct io_verify *iv,
		   unsigned pass, bool write, struct json_object *doc);

#endif
