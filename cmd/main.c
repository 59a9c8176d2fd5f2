// SPDX-License-Identifier: MIT
/*
 * dmabuf: move data between NVMe drives and dma-buf memory through io_uring.
 * The command table and global options; each command lives in cmd/NAME.c.
 */
#include <argp.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "engine.h"

#ifndef DMABUF_VERSION
#define DMABUF_VERSION "0.1"
#endif

struct global_opts g;

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct cmd commands[] = {
	{ "check", cmd_check, "what this machine supports (kernel, io_uring, tokens, memory, NVMe)" },
	{ "alloc", cmd_alloc, "allocate memory from a source, describe it, optionally hold it" },
	{ "register", cmd_register, "register memory as fixed buffers for a target and report the path" },
	{ "read", cmd_read, "read logical blocks into memory" },
	{ "write", cmd_write, "write logical blocks from memory (a pattern or a file)" },
	{ "verify", cmd_verify, "write a pattern, read it back, compare" },
	{ "invalidate", cmd_invalidate, "invalidate the registered buffer while I/O runs, verify the data" },
	{ "bench", cmd_bench, "measure IOPS, bandwidth, latency and CPU per I/O, with fio's names" },
};

static const struct cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* --- exit status and messages shared by all commands ---------------------- */

int exit_status(enum dmabuf_err_kind kind)
{
	switch (kind) {
	case DMABUF_E_NONE:
		return EXIT_OK;
	case DMABUF_E_MISMATCH:
		return EXIT_MISMATCH;
	case DMABUF_E_USAGE:
		return EXIT_USAGE;
	case DMABUF_E_UNSUPPORTED:
		return EXIT_UNSUPPORTED;
	case DMABUF_E_SAFETY:
		return EXIT_SAFETY;
	case DMABUF_E_INTERRUPTED:
		return 128 + db_xfer_interrupted();	/* as a shell reports a signal */
	case DMABUF_E_IO:
	default:
		return EXIT_IO;
	}
}

int fail(const struct dmabuf_err *e)
{
	char buf[DMABUF_ERR_STR_MAX];

	progress_clear();	/* a message mid-run starts on a line of its own */
	fprintf(stderr, "dmabuf: %s\n", dmabuf_err_str(e, buf, sizeof(buf)));
	return exit_status(e->kind);
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	progress_clear();
	fputs("dmabuf: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

void note(const char *fmt, ...)
{
	va_list ap;

	if (!g.verbose)
		return;
	fputs("dmabuf: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* --- global options --------------------------------------------------------- */

/* The library is found at run time: say which one, so a mismatch shows. */
static void print_version(FILE *f, struct argp_state *state)
{
	(void)state;
	fprintf(f, "dmabuf %s (libdmabuf %s)\n", DMABUF_VERSION, dmabuf_version());
}

void (*argp_program_version_hook)(FILE *, struct argp_state *) = print_version;
const char *argp_program_bug_address = "the dmabuf issue tracker";

/*
 * The global options, one argp child: the top level parses them before the
 * command, and every command's argp includes the same child (global_children,
 * GLOBAL_OPTIONS_CHILD) so that they work after the command too, as nvme-cli's
 * -o json and fio's options do.  They set g, whatever the parser's input.
 * The key of --json is apart from the commands' own (0x100 and up).
 */
enum { OPT_JSON = 0x1000 };

static const struct argp_option global_options[] = {
	{ NULL, 0, NULL, 0, "Global options (before or after the command):", -2 },
	{ "json", OPT_JSON, NULL, 0, "Print one JSON document on stdout", -2 },
	{ "verbose", 'v', NULL, 0, "Print diagnostics on stderr", -2 },
	{ NULL, 'h', NULL, 0, "Give this help list (as -?, --help)", -2 },
	{ 0 }
};

static error_t global_opts_parse(int key, char *arg, struct argp_state *state)
{
	(void)arg;
	switch (key) {
	case OPT_JSON:
		g.json = true;
		break;
	case 'v':
		g.verbose++;
		break;
	case 'h':
		/* what argp does for -?: the help of this parse (the command's), exit 0 */
		argp_state_help(state, state->out_stream, ARGP_HELP_STD_HELP);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp global_opts_argp = {
	global_options, global_opts_parse, NULL, NULL, NULL, NULL, NULL
};

const struct argp_child global_children[] = { GLOBAL_OPTIONS_CHILD, { 0 } };

struct main_args {
	int cmd_index;		/* argv index of the command, 0 if none */
};

static error_t global_parse(int key, char *arg, struct argp_state *state)
{
	struct main_args *a = state->input;

	(void)arg;
	switch (key) {
	case ARGP_KEY_ARG:
		/* The command: stop here, the rest belongs to it. */
		a->cmd_index = state->next - 1;
		state->next = state->argc;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static char *global_help(int key, const char *text, void *input)
{
	char *buf;
	size_t len;
	FILE *f;

	(void)input;
	if (key != ARGP_KEY_HELP_POST_DOC)
		return (char *)text;
	f = open_memstream(&buf, &len);
	if (!f)
		return (char *)text;
	fputs("Commands:\n", f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].help);
	fputs("\n'dmabuf help COMMAND' or 'dmabuf COMMAND --help' shows a command's options.\n"
	      "Exit status: 0 ok, 1 mismatches, 2 usage, 3 unsupported here, 4 I/O error, "
	      "5 refused for safety.", f);
	fclose(f);
	return buf;
}

static const struct argp global_argp = {
	NULL, global_parse, "COMMAND [ARGS...]",
	"Move data between NVMe drives and dma-buf memory through io_uring."
	"\vsee dmabuf(1)", global_children, global_help, NULL
};

/*
 * SIGINT/SIGTERM: the first stops the I/O (nothing more is issued, what is in
 * flight completes, registrations are released as the command unwinds, and
 * the report says how far it got); a second one ends the process at once.
 */
static void on_stop_signal(int signo)
{
	if (db_xfer_interrupted()) {
		signal(signo, SIG_DFL);
		raise(signo);
		return;
	}
	db_xfer_interrupt(signo);
}

static void catch_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };

	/* no SA_RESTART: a blocking io_uring_enter() returns to the loop */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int run_cmd(const struct cmd *c, int argc, char **argv)
{
	char name[64];
	int ret;

	/* argp names the program after argv[0]: "dmabuf read: …", "Usage: dmabuf read …" */
	snprintf(name, sizeof(name), "dmabuf %s", c->name);
	argv[0] = name;
	catch_stop_signals();
	ret = c->fn(argc, argv);

	if (fflush(stdout) || ferror(stdout)) {
		perror("dmabuf: stdout");
		return ret ? ret : EXIT_IO;
	}
	return ret;
}

static int help_cmd(int argc, char **argv)
{
	const struct cmd *c;
	char *args[] = { NULL, "--help", NULL };

	if (argc < 2) {
		argp_help(&global_argp, stdout, ARGP_HELP_STD_HELP, "dmabuf");
		return EXIT_OK;
	}
	c = find_cmd(argv[1]);
	if (!c)
		return usage_error("help: unknown command '%s' (see 'dmabuf --help')", argv[1]);
	args[0] = (char *)c->name;
	return run_cmd(c, 2, args);
}

int main(int argc, char **argv)
{
	struct main_args a = { 0 };
	const struct cmd *c;

	argp_err_exit_status = EXIT_USAGE;
	if (getenv("DMABUF_DEBUG"))
		g.verbose = 1;
	argp_parse(&global_argp, argc, argv, ARGP_IN_ORDER, NULL, &a);
	if (!a.cmd_index)
		return usage_error("no command given (see 'dmabuf --help')");
	argc -= a.cmd_index;
	argv += a.cmd_index;
	if (!strcmp(argv[0], "help"))
		return help_cmd(argc, argv);
	c = find_cmd(argv[0]);
	if (!c)
		return usage_error("'%s' is not a dmabuf command (see 'dmabuf --help')", argv[0]);
	return run_cmd(c, argc, argv);
}
