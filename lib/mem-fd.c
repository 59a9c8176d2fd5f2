// SPDX-License-Identifier: MIT
/*
 * Adopted dma-bufs: fd:N (inherited from the parent, e.g. a CUDA or ROCm
 * program) and pid:PID:FD (taken from a holder process with pidfd_getfd()).
 * Both are duplicated, so dmabuf_mem_close() closes our copy like any other.
 * A memfd is adopted too (dmabuf alloc --mem memfd --hold): the baseline
 * must be shareable the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include "mem.h"
#include "mem-internal.h"

/* What the fd is instead, for the message: "pipe:[123]", "/memfd:x (deleted)". */
static void fd_what(int fd, char *buf, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
}

static int not_dmabuf(const struct dmabuf_mem *m, int fd, const char *who, struct dmabuf_err *e)
{
	char what[128];

	fd_what(fd, what, sizeof(what));
	db_err_set(e, DMABUF_E_USAGE, -EINVAL, "adopt", "%s", m->spec.text);
	db_err_detail(e, "%s is not a dma-buf (nor a memfd)%s%s", who, what[0] ? ": it is " : "",
		      what);
	return -EINVAL;
}

static bool is_memfd(int fd)
{
	char what[128];

	fd_what(fd, what, sizeof(what));
	return !strncmp(what, "/memfd:", 7);
}

static bool adoptable(int fd)
{
	return db_mem_fd_is_dmabuf(fd) || is_memfd(fd);
}

/* Take ownership of dma-buf (or memfd) @fd; @size 0 means all of it. */
static int adopt(struct dmabuf_mem *m, int fd, uint64_t size, struct dmabuf_err *e)
{
	off_t end = lseek(fd, 0, SEEK_END);
	int err;

	if (end < 0) {
		err = -errno;
		close(fd);
		return db_err_set(e, db_err_kind_of(err), err, "lseek", "%s", m->spec.text);
	}
	lseek(fd, 0, SEEK_SET);
	if (size > (uint64_t)end) {
		close(fd);
		db_err_set(e, DMABUF_E_USAGE, -EINVAL, "adopt", "%s", m->spec.text);
		db_err_detail(e, "the dma-buf has %lld bytes, %llu asked", (long long)end,
			      (unsigned long long)size);
		return -EINVAL;
	}
	if (db_mem_fd_is_dmabuf(fd))
		m->dmabuf_fd = fd;
	else
		m->mem_fd = fd;
	m->size = size ? size : (uint64_t)end;
	return 0;
}

static int fd_open(struct dmabuf_mem *m, uint64_t size, struct dmabuf_err *e)
{
	char who[32];
	int fd, err;

	if (fcntl(m->spec.fd, F_GETFD) < 0) {
		db_err_set(e, DMABUF_E_USAGE, -EBADF, "adopt", "%s", m->spec.text);
		db_err_detail(e, "fd %d is not open in this process: inherit it from the parent",
			      m->spec.fd);
		return -EBADF;
	}
	snprintf(who, sizeof(who), "fd %d", m->spec.fd);
	if (!adoptable(m->spec.fd))
		return not_dmabuf(m, m->spec.fd, who, e);
	fd = fcntl(m->spec.fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0) {
		err = -errno;
		return db_err_set(e, db_err_kind_of(err), err, "dup", "fd %d", m->spec.fd);
	}
	return adopt(m, fd, size, e);
}

static int pidfd_err(const struct dmabuf_mem *m, const char *op, int err, struct dmabuf_err *e)
{
	pid_t pid = m->spec.pid;

	switch (-err) {
	case ESRCH:
		db_err_set(e, DMABUF_E_USAGE, err, op, "%s", m->spec.text);
		db_err_detail(e, "no such process %d (has the holder exited?)", (int)pid);
		break;
	case EBADF:
		db_err_set(e, DMABUF_E_USAGE, err, op, "%s", m->spec.text);
		db_err_detail(e, "process %d has no fd %d", (int)pid, m->spec.fd);
		break;
	case EPERM:
	case EACCES:
		db_err_set(e, DMABUF_E_UNSUPPORTED, err, op, "%s", m->spec.text);
		db_err_detail(e, "taking an fd from process %d needs ptrace permission over it "
			      "(same user and kernel.yama.ptrace_scope <= 1, or CAP_SYS_PTRACE)",
			      (int)pid);
		break;
	case ENOSYS:
		db_err_set(e, DMABUF_E_UNSUPPORTED, err, op, "%s", m->spec.text);
		db_err_detail(e, "the kernel has no %s (Linux 5.6+)", op);
		break;
	default:
		db_err_set(e, db_err_kind_of(err), err, op, "%s", m->spec.text);
		break;
	}
	return err;
}

/* The holder's fd as one of ours (O_CLOEXEC, as pidfd_getfd() always sets). */
static int pid_getfd(const struct dmabuf_mem *m, struct dmabuf_err *e)
{
	int pidfd, fd, err;

	pidfd = pidfd_open(m->spec.pid, 0);
	if (pidfd < 0)
		return pidfd_err(m, "pidfd_open", -errno, e);
	fd = pidfd_getfd(pidfd, m->spec.fd, 0);
	err = fd < 0 ? -errno : 0;
	close(pidfd);
	if (err)
		return pidfd_err(m, "pidfd_getfd", err, e);
	return fd;
}

static int pid_open(struct dmabuf_mem *m, uint64_t size, struct dmabuf_err *e)
{
	char who[48];
	int fd = pid_getfd(m, e);

	if (fd < 0)
		return fd;
	if (!adoptable(fd)) {
		snprintf(who, sizeof(who), "fd %d of process %d", m->spec.fd, (int)m->spec.pid);
		not_dmabuf(m, fd, who, e);
		close(fd);
		return -EINVAL;
	}
	return adopt(m, fd, size, e);
}

int db_mem_fd_probe(const char *path, struct dmabuf_err *e)
{
	(void)path;
	(void)e;
	return 0;	/* inheriting an fd needs nothing from the kernel */
}

int db_mem_pid_probe(const char *path, struct dmabuf_err *e)
{
	struct dmabuf_mem m = { .spec = { .pid = getpid(), .fd = -1, .text = "pid" } };
	int pidfd, fd, err;

	(void)path;
	pidfd = pidfd_open(m.spec.pid, 0);
	if (pidfd < 0)
		return pidfd_err(&m, "pidfd_open", -errno, e);
	/* taking our own pidfd from ourselves is always allowed */
	fd = pidfd_getfd(pidfd, pidfd, 0);
	err = fd < 0 ? -errno : 0;
	close(pidfd);
	if (err)
		return pidfd_err(&m, "pidfd_getfd", err, e);
	close(fd);
	return 0;
}

const struct db_mem_ops db_mem_fd_ops = {
	.name = "fd",
	.is_dmabuf = true,
	.open = fd_open,
};

const struct db_mem_ops db_mem_pid_ops = {
	.name = "pid",
	.is_dmabuf = true,
	.open = pid_open,
};
