// SPDX-License-Identifier: MIT
/*
 * Memory sources (lib/mem*.c).  memfd, fd and pid run everywhere; udmabuf,
 * dma-heaps, DRM and hugetlb are asserted to work where the machine has
 * them and to fail as DMABUF_E_UNSUPPORTED, naming what is missing, where not.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"
#include "mem-internal.h"

#define KiB 1024ull
#define MiB (1024ull * KiB)

static uint64_t page(void)
{
	return (uint64_t)sysconf(_SC_PAGESIZE);
}

/* The lowest free fd: equal before and after a call means nothing leaked. */
static int lowest_free_fd(void)
{
	int fd = dup(0);

	close(fd);
	return fd;
}

static bool has(const char *haystack, const char *needle)
{
	if (!strstr(haystack, needle))
		print_error("\"%s\" does not contain \"%s\"\n", haystack, needle);
	return strstr(haystack, needle) != NULL;
}

static int open_text(const char *text, uint64_t size, const char *name, struct dmabuf_mem **m,
		     struct dmabuf_err *e)
{
	struct db_mem_spec spec;
	int ret;

	memset(e, 0, sizeof(*e));
	ret = db_mem_parse(text, &spec, e);
	assert_int_equal(ret, 0);
	return db_mem_open(&spec, size, name, m, e);
}

/* --- parse ---------------------------------------------------------------- */

static void test_parse_valid(void **state)
{
	static const struct {
		const char *text;
		enum db_mem_kind kind;
		bool huge;
		const char *path;
		int fd;
		pid_t pid;
	} t[] = {
		{ "memfd", DB_MEM_MEMFD, false, "", -1, 0 },
		{ "hugetlb", DB_MEM_HUGETLB, false, "", -1, 0 },
		{ "udmabuf", DB_MEM_UDMABUF, false, "", -1, 0 },
		{ "udmabuf:huge", DB_MEM_UDMABUF, true, "", -1, 0 },
		{ "heap", DB_MEM_HEAP, false, "/dev/dma_heap/system", -1, 0 },
		{ "heap:system", DB_MEM_HEAP, false, "/dev/dma_heap/system", -1, 0 },
		{ "heap:reserved", DB_MEM_HEAP, false, "/dev/dma_heap/reserved", -1, 0 },
		{ "drm", DB_MEM_DRM, false, "", -1, 0 },
		{ "drm:/dev/dri/renderD128", DB_MEM_DRM, false, "/dev/dri/renderD128", -1, 0 },
		{ "mover", DB_MEM_MOVER, false, "", -1, 0 },
		{ "fd:0", DB_MEM_FD, false, "", 0, 0 },
		{ "fd:17", DB_MEM_FD, false, "", 17, 0 },
		{ "fd:2147483647", DB_MEM_FD, false, "", 2147483647, 0 },
		{ "pid:1234:5", DB_MEM_PID, false, "", 5, 1234 },
		{ "pid:1:0", DB_MEM_PID, false, "", 0, 1 },
	};
	struct db_mem_spec spec;
	struct dmabuf_err e;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&e, 0, sizeof(e));
		assert_int_equal(db_mem_parse(t[i].text, &spec, &e), 0);
		assert_int_equal(spec.kind, t[i].kind);
		assert_int_equal(spec.huge, t[i].huge);
		assert_string_equal(spec.path, t[i].path);
		assert_int_equal(spec.fd, t[i].fd);
		assert_int_equal(spec.pid, t[i].pid);
		assert_string_equal(spec.text, t[i].text);
		assert_int_equal(e.kind, DMABUF_E_NONE);
	}
}

static void test_parse_invalid(void **state)
{
	static const char *const bad[] = {
		"", "foo", "MEMFD", "memfdx", "mem", "memfd:", "memfd:x", "hugetlb:1",
		"udmabuf:", "udmabuf:big", "udmabuf:huge:x", "heap:", "heap:a/b", "heap:..",
		"heap:/dev/dma_heap/system", "drm:", "fd", "fd:", "fd:x", "fd:-1", "fd:+1",
		"fd: 1", "fd:1 ", "fd:0x3", "fd:2147483648", "fd:99999999999", "pid", "pid:1",
		"pid:1:", "pid::3", "pid:0:3", "pid:-1:3", "pid:x:3", "pid:1:2:3", "pid:1:x",
		":memfd", "mover:", "mover:x",
	};
	struct db_mem_spec spec;
	struct dmabuf_err e;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&e, 0, sizeof(e));
		if (db_mem_parse(bad[i], &spec, &e) != -EINVAL)
			fail_msg("\"%s\" parsed", bad[i]);
		assert_int_equal(e.kind, DMABUF_E_USAGE);
		assert_int_equal(e.err, -EINVAL);
		assert_true(has(e.detail, "valid forms: memfd, hugetlb, udmabuf"));
	}
	/* the bad argument is named */
	db_mem_parse("udmabuf:big", &spec, &e);
	assert_string_equal(e.obj, "udmabuf:big");
	assert_int_equal(db_mem_parse(NULL, &spec, &e), -EINVAL);
}

static void test_parse_too_long(void **state)
{
	char text[400];
	struct db_mem_spec spec;
	struct dmabuf_err e = { 0 };

	(void)state;
	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	memcpy(text, "drm:/", 5);
	assert_int_equal(db_mem_parse(text, &spec, &e), -EINVAL);
	assert_int_equal(e.kind, DMABUF_E_USAGE);
	/* fits in text but not in path */
	text[290] = '\0';
	memcpy(text, "heap:", 5);
	assert_int_equal(db_mem_parse(text, &spec, &e), -EINVAL);
	assert_true(has(e.detail, "too long"));
	memcpy(text, "drm:/", 5);
	assert_int_equal(db_mem_parse(text, &spec, &e), -EINVAL);
	assert_true(has(e.detail, "too long"));
}

static void test_kind_names(void **state)
{
	struct db_mem_spec spec;
	struct dmabuf_err e;
	int k;

	(void)state;
	assert_string_equal(db_mem_kind_name(DB_MEM_MEMFD), "memfd");
	assert_string_equal(db_mem_kind_name(DB_MEM_UDMABUF), "udmabuf");
	assert_string_equal(db_mem_kind_name(DB_MEM_PID), "pid");
	assert_string_equal(db_mem_kind_name(DB_MEM_NR_KINDS), "unknown");
	/* every plain name parses back to its kind */
	for (k = DB_MEM_MEMFD; k <= DB_MEM_HEAP; k++) {
		assert_int_equal(db_mem_parse(db_mem_kind_name(k), &spec, &e), 0);
		assert_int_equal(spec.kind, k);
	}
}

/* --- memfd --------------------------------------------------------------- */

/* Write through the mapping, read back through the fd: same pages. */
static void check_cpu_roundtrip(struct dmabuf_mem *m, int fd)
{
	struct dmabuf_err e = { 0 };
	unsigned char buf[256];
	void *addr;
	uint64_t len;
	size_t i;

	assert_int_equal(db_mem_mmap(m, &e), 0);
	assert_non_null(m->map);
	addr = m->map;
	assert_int_equal(db_mem_mmap(m, &e), 0);	/* idempotent */
	assert_ptr_equal(m->map, addr);

	assert_int_equal(dmabuf_mem_sync_begin(m, true, &e), 0);
	for (i = 0; i < sizeof(buf); i++)
		((unsigned char *)m->map)[m->size - sizeof(buf) + i] = (unsigned char)(i ^ 0x5a);
	assert_int_equal(dmabuf_mem_sync_end(m, true, &e), 0);

	if (fd >= 0) {
		assert_int_equal(pread(fd, buf, sizeof(buf), (off_t)(m->size - sizeof(buf))),
				 sizeof(buf));
		for (i = 0; i < sizeof(buf); i++)
			assert_int_equal(buf[i], (unsigned char)(i ^ 0x5a));
	}

	assert_int_equal(db_mem_pages(m, &addr, &len, &e), 0);
	assert_ptr_equal(addr, m->map);
	assert_int_equal(len, m->size);
}

static void test_memfd_roundtrip(void **state)
{
	struct dmabuf_mem *m = NULL;
	struct dmabuf_err e;
	int low = lowest_free_fd();

	(void)state;
	assert_int_equal(open_text("memfd", 64 * KiB, NULL, &m, &e), 0);
	assert_non_null(m);
	assert_int_equal(m->size, 64 * KiB);
	assert_int_equal(m->dmabuf_fd, -1);
	assert_true(m->mem_fd >= 0);
	assert_false(m->ops->is_dmabuf);
	assert_null(m->map);
	check_cpu_roundtrip(m, m->mem_fd);
	dmabuf_mem_close(m);
	assert_int_equal(lowest_free_fd(), low);
}

/* Only the mover source moves; asking another one is unsupported, by name. */
static void test_move_unsupported(void **state)
{
	struct dmabuf_mem_move_stats st = { .moves = 7 };
	struct dmabuf_mem *m = NULL;
	uint64_t wait_ns = 1;
	struct dmabuf_err e;

	(void)state;
	assert_int_equal(open_text("memfd", 64 * KiB, NULL, &m, &e), 0);
	assert_false(dmabuf_mem_can_move(m));
	assert_int_equal(dmabuf_mem_move(m, 0, &wait_ns, &e), -EOPNOTSUPP);
	assert_int_equal(e.kind, DMABUF_E_UNSUPPORTED);
	assert_int_equal(wait_ns, 0);
	assert_true(has(e.detail, "memfd memory does not move"));
	assert_int_equal(dmabuf_mem_move_stats(m, &st, &e), -EOPNOTSUPP);
	assert_int_equal(st.moves, 0);
	dmabuf_mem_close(m);
	assert_false(dmabuf_mem_can_move(NULL));
}

static void test_memfd_rounding(void **state)
{
	static const uint64_t sizes[][2] = {
		{ 1, 1 }, { 4095, 1 }, { 4096, 1 }, { 4097, 2 }, { 1 * MiB + 1, 257 },
	};
	struct dmabuf_mem *m;
	struct dmabuf_err e;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t want = (sizes[i][0] + page() - 1) / page() * page();

		assert_int_equal(open_text("memfd", sizes[i][0], NULL, &m, &e), 0);
		assert_int_equal(m->size, want);
		if (page() == 4096)
			assert_int_equal(m->size, sizes[i][1] * 4096);
		dmabuf_mem_close(m);
	}
	/* sizes near the top of the range are refused, not wrapped */
	assert_int_equal(open_text("memfd", UINT64_MAX, NULL, &m, &e), -EINVAL);
	assert_int_equal(e.kind, DMABUF_E_USAGE);
	assert_null(m);
}

static void test_memfd_name(void **state)
{
	char link[64], target[256];
	struct dmabuf_mem *m;
	struct dmabuf_err e;
	ssize_t n;

	(void)state;
	assert_int_equal(open_text("memfd", 4096, "scratch", &m, &e), 0);
	assert_string_equal(m->name, "scratch");
	snprintf(link, sizeof(link), "/proc/self/fd/%d", m->mem_fd);
	n = readlink(link, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_true(has(target, "memfd:scratch"));
	dmabuf_mem_close(m);
}

static void test_memfd_describe(void **state)
{
	struct dmabuf_mem_info info;
	struct dmabuf_mem *m;
	struct dmabuf_err e;
	struct stat st;

	(void)state;
	assert_int_equal(open_text("memfd", 3 * page(), NULL, &m, &e), 0);
	memset(&info, 0xff, sizeof(info));
	assert_int_equal(dmabuf_mem_describe(m, &info, &e), 0);
	assert_false(info.is_dmabuf);
	assert_string_equal(info.exp_name, "");
	assert_string_equal(info.name, "");
	assert_int_equal(info.size, 3 * page());
	assert_int_equal(fstat(m->mem_fd, &st), 0);
	assert_int_equal(info.inode, st.st_ino);
	assert_false(db_mem_fd_is_dmabuf(m->mem_fd));
	dmabuf_mem_close(m);
}

static void test_size_zero(void **state)
{
	static const char *const creating[] = {
		"memfd", "hugetlb", "udmabuf", "udmabuf:huge", "heap", "drm",
	};
	struct dmabuf_mem *m;
	struct dmabuf_err e;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(creating) / sizeof(creating[0]); i++) {
		assert_int_equal(open_text(creating[i], 0, NULL, &m, &e), -EINVAL);
		assert_null(m);
		assert_int_equal(e.kind, DMABUF_E_USAGE);
		assert_true(has(e.detail, "size must be > 0"));
	}
}

static void test_name_too_long(void **state)
{
	struct dmabuf_mem *m;
	struct dmabuf_err e;

	(void)state;
	assert_int_equal(open_text("memfd", 4096, "0123456789012345678901234567890123", &m, &e),
			 -EINVAL);
	assert_int_equal(e.kind, DMABUF_E_USAGE);
	assert_true(has(e.detail, "longer than 31 bytes"));
	/* 31 bytes is the most DMA_BUF_SET_NAME takes */
	assert_int_equal(open_text("memfd", 4096, "0123456789012345678901234567890", &m, &e), 0);
	dmabuf_mem_close(m);
}

static void test_close_null(void **state)
{
	(void)state;
	dmabuf_mem_close(NULL);
}

/* --- fd:N and pid:PID:FD ---------------------------------------------------- */

static void expect_not_dmabuf(const char *text, const char *what)
{
	struct dmabuf_mem *m = (struct dmabuf_mem *)1;
	struct dmabuf_err e;
	int low = lowest_free_fd();

	assert_int_equal(open_text(text, 0, NULL, &m, &e), -EINVAL);
	assert_null(m);
	assert_int_equal(e.kind, DMABUF_E_USAGE);
	assert_true(has(e.detail, "is not a dma-buf (nor a memfd)"));
	assert_true(has(e.detail, what));
	assert_int_equal(lowest_free_fd(), low);
}

static void test_fd_not_dmabuf(void **state)
{
	char text[32];
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	snprintf(text, sizeof(text), "fd:%d", p[0]);
	expect_not_dmabuf(text, "pipe:");

	assert_false(db_mem_fd_is_dmabuf(p[1]));
	close(p[0]);
	close(p[1]);
}

/* A memfd is adopted as plain memory (alloc --mem memfd --hold shares it). */
static void test_fd_memfd_adopted(void **state)
{
	struct dmabuf_mem *m = NULL;
	struct dmabuf_err e;
	char text[32];
	int mfd;

	(void)state;
	mfd = memfd_create("held-memfd", MFD_CLOEXEC);
	assert_true(mfd >= 0);
	assert_int_equal(ftruncate(mfd, 65536), 0);
	snprintf(text, sizeof(text), "fd:%d", mfd);
	assert_int_equal(open_text(text, 0, NULL, &m, &e), 0);
	assert_int_equal(m->dmabuf_fd, -1);
	assert_true(m->mem_fd >= 0 && m->mem_fd != mfd);
	assert_int_equal(m->size, 65536);
	dmabuf_mem_close(m);
	close(mfd);
}

static void test_fd_not_open(void **state)
{
	struct dmabuf_mem *m;
	struct dmabuf_err e;
	char text[32];
	int fd = lowest_free_fd();

	(void)state;
	snprintf(text, sizeof(text), "fd:%d", fd + 100);
	assert_int_equal(open_text(text, 0, NULL, &m, &e), -EBADF);
	assert_int_equal(e.kind, DMABUF_E_USAGE);
	assert_true(has(e.detail, "is not open"));
}

static void test_pid_no_process(void **state)
{
	unsigned long pid_max = 4194304;
	struct dmabuf_mem *m;
	struct dmabuf_err e;
	char text[64];
	FILE *f;
	int ret;

	(void)state;
	/* pids are always below pid_max: pid_max itself never exists */
	f = fopen("/proc/sys/kernel/pid_max", "r");
	if (f) {
		assert_int_equal(fscanf(f, "%lu", &pid_max), 1);
		fclose(f);
	}
	snprintf(text, sizeof(text), "pid:%lu:3", pid_max);
	ret = open_text(text, 0, NULL, &m, &e);
	if (ret == -ENOSYS)
		skip();
	assert_int_equal(ret, -ESRCH);
	assert_int_equal(e.kind, DMABUF_E_USAGE);
	assert_string_equal(e.op, "pidfd_open");
	assert_true(has(e.detail, "no such process"));
}

static void test_pid_self(void **state)
{
	struct dmabuf_mem *m;
	struct dmabuf_err e;
	char text[64];
	int p[2], ret;

	(void)state;
	assert_int_equal(pipe(p), 0);
	snprintf(text, sizeof(text), "pid:%d:%d", (int)getpid(), p[0]);
	ret = open_text(text, 0, NULL, &m, &e);
	if (ret == -ENOSYS || ret == -EPERM) {
		assert_int_equal(e.kind, DMABUF_E_UNSUPPORTED);
		close(p[0]);
		close(p[1]);
		skip();
	}
	expect_not_dmabuf(text, "pipe:");

	/* a closed fd of a live process */
	snprintf(text, sizeof(text), "pid:%d:%d", (int)getpid(), lowest_free_fd() + 100);
	assert_int_equal(open_text(text, 0, NULL, &m, &e), -EBADF);
	assert_int_equal(e.kind, DMABUF_E_USAGE);
	assert_true(has(e.detail, "has no fd"));
	close(p[0]);
	close(p[1]);
}

/* --- dma-buf sources: work here, or say what is missing -------------------- */

/* Adopt @m's dma-buf as fd:N: the same buffer, its own fd. */
static void check_adopt(struct dmabuf_mem *m)
{
	struct dmabuf_mem_info a, b;
	struct dmabuf_mem *f;
	struct dmabuf_err e;
	char text[64];

	snprintf(text, sizeof(text), "fd:%d", m->dmabuf_fd);
	assert_int_equal(open_text(text, 0, NULL, &f, &e), 0);
	assert_int_not_equal(f->dmabuf_fd, m->dmabuf_fd);
	assert_int_equal(f->size, m->size);
	assert_int_equal(dmabuf_mem_describe(m, &a, &e), 0);
	assert_int_equal(dmabuf_mem_describe(f, &b, &e), 0);
	assert_int_equal(a.inode, b.inode);
	dmabuf_mem_close(f);
	/* asking for more than the dma-buf has is a usage error */
	assert_int_equal(open_text(text, m->size + page(), NULL, &f, &e), -EINVAL);
	assert_int_equal(e.kind, DMABUF_E_USAGE);

	snprintf(text, sizeof(text), "pid:%d:%d", (int)getpid(), m->dmabuf_fd);
	if (!open_text(text, 0, NULL, &f, &e)) {
		assert_int_equal(f->size, m->size);
		dmabuf_mem_close(f);
	}
}

static void check_dmabuf(struct dmabuf_mem *m, const char *exp_name)
{
	struct dmabuf_mem_info info;
	struct dmabuf_err e;

	assert_true(m->dmabuf_fd >= 0);
	assert_true(m->ops->is_dmabuf);
	assert_true(db_mem_fd_is_dmabuf(m->dmabuf_fd));
	assert_int_equal(dmabuf_mem_describe(m, &info, &e), 0);
	assert_true(info.is_dmabuf);
	assert_true(info.size >= m->size);
	if (exp_name)
		assert_string_equal(info.exp_name, exp_name);
	assert_string_equal(info.name, m->name);
	check_cpu_roundtrip(m, m->mem_fd);
	check_adopt(m);
}

static void expect_unsupported(int ret, const struct dmabuf_err *e, const char *what)
{
	char buf[1024];

	if (ret >= 0)
		fail_msg("expected DMABUF_E_UNSUPPORTED mentioning %s, got success", what);
	if (e->kind != DMABUF_E_UNSUPPORTED)
		fail_msg("expected DMABUF_E_UNSUPPORTED, got %s", dmabuf_err_str(e, buf, sizeof(buf)));
	assert_int_equal(ret, e->err);
	assert_true(has(e->detail, what));
}

static void test_udmabuf(void **state)
{
	struct dmabuf_mem *m;
	struct dmabuf_err e;
	int ret;

	(void)state;
	ret = open_text("udmabuf", 100 * KiB, "test-udmabuf", &m, &e);
	if (access("/dev/udmabuf", F_OK)) {
		expect_unsupported(ret, &e, "/dev/udmabuf");
		assert_true(has(e.detail, "CONFIG_UDMABUF"));
		assert_int_equal(ret, -ENOENT);
		assert_null(m);
		return;
	}
	assert_int_equal(ret, 0);
	assert_int_equal(m->size, (100 * KiB + page() - 1) / page() * page());
	assert_true(m->mem_fd >= 0);
	check_dmabuf(m, "udmabuf");
	dmabuf_mem_close(m);
}

static void test_udmabuf_huge(void **state)
{
	struct dmabuf_mem *m;
	struct dmabuf_err e;
	int ret;

	(void)state;
	ret = open_text("udmabuf:huge", 1, NULL, &m, &e);
	if (access("/dev/udmabuf", F_OK)) {
		expect_unsupported(ret, &e, "/dev/udmabuf");
		return;
	}
	if (ret) {
		expect_unsupported(ret, &e, "nr_hugepages");
		return;
	}
	assert_int_equal(m->size, 2 * MiB);
	check_dmabuf(m, "udmabuf");
	dmabuf_mem_close(m);
}

static void test_hugetlb(void **state)
{
	struct dmabuf_mem *m;
	struct dmabuf_err e;
	int ret;

	(void)state;
	ret = open_text("hugetlb", 1, NULL, &m, &e);
	if (ret) {
		expect_unsupported(ret, &e, "huge pages");
		if (ret == -ENOMEM)
			assert_true(has(e.detail, "nr_hugepages"));
		return;
	}
	assert_int_equal(m->size, 2 * MiB);
	assert_int_equal(m->dmabuf_fd, -1);
	check_cpu_roundtrip(m, -1);
	dmabuf_mem_close(m);
}

static void test_heap(void **state)
{
	struct dmabuf_mem *m;
	struct dmabuf_err e;
	int ret;

	(void)state;
	ret = open_text("heap", 64 * KiB, "test-heap", &m, &e);
	if (access("/dev/dma_heap/system", F_OK)) {
		expect_unsupported(ret, &e, "/dev/dma_heap");
		assert_int_equal(ret, -ENOENT);
		return;
	}
	assert_int_equal(ret, 0);
	assert_int_equal(m->mem_fd, -1);
	check_dmabuf(m, "system");
	dmabuf_mem_close(m);
}

static void test_heap_missing(void **state)
{
	struct dmabuf_mem *m;
	struct dmabuf_err e;
	int ret;

	(void)state;
	ret = open_text("heap:no-such-heap", 4096, NULL, &m, &e);
	expect_unsupported(ret, &e, "/dev/dma_heap");
	assert_string_equal(e.obj, "/dev/dma_heap/no-such-heap");
}

static bool have_render_node(void)
{
	struct dirent *de;
	bool found = false;
	DIR *d = opendir("/dev/dri");

	if (!d)
		return false;
	while ((de = readdir(d)))
		found |= !strncmp(de->d_name, "renderD", 7);
	closedir(d);
	return found;
}

static void test_drm(void **state)
{
	struct dmabuf_mem *m;
	struct dmabuf_err e;
	int ret;

	(void)state;
	ret = open_text("drm", 64 * KiB, NULL, &m, &e);
	if (!have_render_node()) {
		expect_unsupported(ret, &e, "vgem");
		assert_int_equal(ret, -ENODEV);
		return;
	}
	if (ret) {
		char buf[1024];

		fail_msg("drm: %s", dmabuf_err_str(&e, buf, sizeof(buf)));
	}
	assert_int_equal(m->size, 64 * KiB);
	check_dmabuf(m, NULL);
	dmabuf_mem_close(m);
}

static void test_drm_missing_node(void **state)
{
	struct dmabuf_mem *m;
	struct dmabuf_err e;
	int ret;

	(void)state;
	ret = open_text("drm:/dev/dri/no-such-node", 4096, NULL, &m, &e);
	expect_unsupported(ret, &e, "/dev/dri/no-such-node");
	assert_int_equal(ret, -ENOENT);
}

/* --- probe ------------------------------------------------------------------ */

static void test_probe(void **state)
{
	struct dmabuf_err e;
	int ret;

	(void)state;
	memset(&e, 0, sizeof(e));
	assert_int_equal(db_mem_probe(DB_MEM_MEMFD, NULL, &e), 0);
	assert_int_equal(db_mem_probe(DB_MEM_FD, NULL, &e), 0);
	assert_int_equal(db_mem_probe(DB_MEM_NR_KINDS, NULL, &e), -EINVAL);

	ret = db_mem_probe(DB_MEM_UDMABUF, NULL, &e);
	if (access("/dev/udmabuf", F_OK))
		expect_unsupported(ret, &e, "CONFIG_UDMABUF");
	else
		assert_int_equal(ret, 0);

	ret = db_mem_probe(DB_MEM_HEAP, "", &e);
	if (access("/dev/dma_heap/system", F_OK))
		expect_unsupported(ret, &e, "/dev/dma_heap");
	else
		assert_int_equal(ret, 0);

	ret = db_mem_probe(DB_MEM_DRM, NULL, &e);
	if (!have_render_node())
		expect_unsupported(ret, &e, "vgem");
	else
		assert_int_equal(ret, 0);

	ret = db_mem_probe(DB_MEM_MOVER, NULL, &e);
	if (access("/dev/dmabuf_mover", F_OK))
		expect_unsupported(ret, &e, "CONFIG_DMABUF_MOVER");
	else
		assert_int_equal(ret, 0);

	memset(&e, 0, sizeof(e));
	ret = db_mem_probe(DB_MEM_HUGETLB, NULL, &e);
	if (ret)
		expect_unsupported(ret, &e, "huge pages");
	else
		assert_true(has(e.detail, "free 2 MiB huge pages"));

	ret = db_mem_probe(DB_MEM_PID, NULL, &e);
	if (ret)
		assert_int_equal(e.kind, DMABUF_E_UNSUPPORTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_invalid),
		cmocka_unit_test(test_move_unsupported),
		cmocka_unit_test(test_parse_too_long),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_memfd_roundtrip),
		cmocka_unit_test(test_memfd_rounding),
		cmocka_unit_test(test_memfd_name),
		cmocka_unit_test(test_memfd_describe),
		cmocka_unit_test(test_size_zero),
		cmocka_unit_test(test_name_too_long),
		cmocka_unit_test(test_close_null),
		cmocka_unit_test(test_fd_not_dmabuf),
		cmocka_unit_test(test_fd_memfd_adopted),
		cmocka_unit_test(test_fd_not_open),
		cmocka_unit_test(test_pid_no_process),
		cmocka_unit_test(test_pid_self),
		cmocka_unit_test(test_udmabuf),
		cmocka_unit_test(test_udmabuf_huge),
		cmocka_unit_test(test_hugetlb),
		cmocka_unit_test(test_heap),
		cmocka_unit_test(test_heap_missing),
		cmocka_unit_test(test_drm),
		cmocka_unit_test(test_drm_missing_node),
		cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
