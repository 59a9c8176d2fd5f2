// SPDX-License-Identifier: MIT
/*
 * dmabuf alloc: allocate memory from a source and describe it.  With --hold
 * a background holder keeps it alive and PID:FD is printed, so separate
 * invocations can share one buffer through --mem pid:PID:FD.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "builtin.h"
#include "dmabuf/dmabuf.h"
#include "util.h"

struct alloc_args {
	const char *mem;
	uint64_t size;
	const char *name;
	bool hold;
	uint64_t hold_timeout;	/* seconds, 0 = until SIGTERM */
};

enum { OPT_HOLD = 0x500, OPT_HOLD_TIMEOUT };

static const struct argp_option alloc_options[] = {
	{ "mem", 'm', "SRC", 0, "memory source (see dmabuf(1))", 0 },
	{ "size", 's', "SIZE", 0, "bytes to allocate (k/M/G suffixes)", 0 },
	{ "name", 'N', "NAME", 0, "name set on the dma-buf", 0 },
	{ "hold", OPT_HOLD, NULL, 0, "keep the buffer in a background holder, print PID:FD", 0 },
	{ "hold-timeout", OPT_HOLD_TIMEOUT, "SECS", 0, "holder exits after SECS (default: never)", 0 },
	{ 0 }
};

static error_t alloc_parse(int key, char *arg, struct argp_state *state)
{
	struct alloc_args *a = state->input;

	switch (key) {
	case 'm':
		a->mem = arg;
		break;
	case 's': {
		int ret = db_parse_size(arg, &a->size);

		if (ret == -ERANGE)
			argp_error(state, "--size: '%s' %s", arg, db_parse_why(ret, true));
		if (ret || !a->size)
			argp_error(state, "--size: '%s' is not a size above 0 (e.g. 4k, 1M)", arg);
		break;
	}
	case 'N':
		a->name = arg;
		break;
	case OPT_HOLD:
		a->hold = true;
		break;
	case OPT_HOLD_TIMEOUT:
		if (db_parse_u64(arg, &a->hold_timeout))
			argp_error(state, "--hold-timeout: '%s' is not a number of seconds", arg);
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	case ARGP_KEY_END:
		if (!a->mem)
			argp_error(state, "--mem is required");
		if (!a->size && strncmp(a->mem, "fd:", 3) && strncmp(a->mem, "pid:", 4))
			argp_error(state, "--size is required");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp alloc_argp = {
	alloc_options, alloc_parse, NULL,
	"Allocate memory from a source and describe it (exporter, size, inode, name)."
	"\vExample: h=$(dmabuf alloc --mem udmabuf --size 8M --hold); "
	"dmabuf verify /dev/nvme0n1 --mem pid:$h; kill ${h%%:*}",
	global_children, NULL, NULL
};

/*
 * The holder: a child in its own session that keeps the fd open until
 * SIGTERM/SIGINT or the timeout.  It lets any process of the same user take
 * the fd with pidfd_getfd() (Yama would otherwise allow only its parent).
 */
static void hold(uint64_t timeout)
{
	struct timespec ts = { .tv_sec = (time_t)timeout };
	sigset_t set;
	int nul;

	setsid();
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	/* Let go of the caller's stdio: $(dmabuf alloc --hold) must return. */
	nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (nul >= 0) {
		dup2(nul, STDIN_FILENO);
		dup2(nul, STDOUT_FILENO);
		dup2(nul, STDERR_FILENO);
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	while (sigtimedwait(&set, NULL, timeout ? &ts : NULL) < 0 && errno == EINTR)
		;
	_exit(0);
}

static int start_holder(const struct alloc_args *a, struct dmabuf_mem *m, struct json_object *doc)
{
	int fd = dmabuf_mem_hold_fd(m);
	struct json_object *h;
	pid_t pid;

	/* The holder's copy of the fd must survive its exec-free life; CLOEXEC is fine. */
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "dmabuf: holder: fork: %s\n", strerror(errno));
		return EXIT_IO;
	}
	if (!pid)
		hold(a->hold_timeout);
	h = json_object_new_object();
	db_jadd_int(h, "pid", pid);
	db_jadd_int(h, "fd", fd);
	{
		char ref[64];

		snprintf(ref, sizeof(ref), "pid:%d:%d", (int)pid, fd);
		db_jadd_str(h, "mem", ref);
	}
	db_jadd_u64(h, "timeout_s", a->hold_timeout);
	json_object_object_add(doc, "holder", h);
	if (!g.json)
		printf("%d:%d\n", (int)pid, fd);
	return EXIT_OK;
}

int cmd_alloc(int argc, char **argv)
{
	struct alloc_args a = { 0 };
	struct dmabuf_err e = { 0 };
	struct json_object *doc;
	struct dmabuf_mem *m;
	uint64_t t0;
	int ret = EXIT_OK;

	argp_parse(&alloc_argp, argc, argv, 0, NULL, &a);
	if (dmabuf_mem_check_source(a.mem, &e))
		return fail(&e);
	t0 = db_now_ns();
	if (dmabuf_mem_open(a.mem, a.size, a.name, &m, &e))
		return fail(&e);
	doc = db_report_new("alloc");
	json_object_object_add(doc, "memory", db_report_mem(m, a.size));
	db_jadd_double(doc, "alloc_ms", (db_now_ns() - t0) / 1e6);
	if (a.hold)
		ret = start_holder(&a, m, doc);
	/* --hold in text mode prints only PID:FD, for $(…) in scripts. */
	if (!ret && (g.json || !a.hold))
		db_report_print(doc, g.json, stdout);
	json_object_put(doc);
	dmabuf_mem_close(m);
	return ret;
}
