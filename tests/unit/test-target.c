// SPDX-License-Identifier: MIT
/*
 * Unit tests: targets (lib/target.c) and the write safety rules
 * (tool/safety.c).  Regular files, paths that are no target, LBA range
 * checks and the NVMe scan run everywhere; block device tests use a loop
 * device over a temporary file and skip, saying why, where loop devices
 * cannot be set up (no /dev/loop-control, not root).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/fs.h>
#include <cmocka.h>

#include "fsinfo.h"
#include "nvme.h"
#include "safety.h"
#include "target.h"

#define FILE_BYTES	(1024 * 1024 + 100)	/* 2048 whole blocks and a tail */
#define LOOP_BYTES	(32 * 1024 * 1024)

/* ---- helpers ---------------------------------------------------------------- */

struct fixture {
	char dir[200];		/* mkdtemp() directory */
	char file[256];	/* a FILE_BYTES regular file in it */
};

static int fixture_setup(void **state)
{
	static struct fixture fx;
	const char *tmp = getenv("TMPDIR");
	int fd;

	snprintf(fx.dir, sizeof(fx.dir), "%s/dmabuf-target-XXXXXX", tmp ? tmp : "/var/tmp");
	if (!mkdtemp(fx.dir))
		return -1;
	snprintf(fx.file, sizeof(fx.file), "%s/data", fx.dir);
	fd = open(fx.file, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, FILE_BYTES) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	*state = &fx;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *fx = *state;

	unlink(fx->file);
	rmdir(fx->dir);
	return 0;
}

/* Run a shell command quietly; its exit status. */
static int run(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return st == -1 ? -1 : WEXITSTATUS(st);
}

/* ---- regular files ---------------------------------------------------------- */

static void test_file_target_reports_512_byte_blocks(void **state)
{
	struct fixture *fx = *state;
	struct dmabuf_err e = { 0 };
	struct db_target t;

	assert_int_equal(db_target_open(fx->file, false, &t, &e), 0);
	assert_int_equal(t.kind, DB_TGT_FILE);
	assert_string_equal(db_target_kind_name(t.kind), "file");
	assert_string_equal(t.path, fx->file);
	assert_true(t.fd >= 0);
	assert_false(t.writable);
	assert_int_equal(t.lba_size, 512);
	assert_int_equal(t.nlba, FILE_BYTES / 512);
	assert_int_equal(t.dma_align, 512);
	assert_int_equal(t.max_xfer, 0);
	assert_int_equal(t.ms, 0);
	assert_int_equal(t.blkdev[0], '\0');
	/* opened O_DIRECT: the engine must not measure the page cache */
	assert_true(fcntl(t.fd, F_GETFL) & O_DIRECT);
	db_target_close(&t);
	assert_int_equal(t.fd, -1);
	db_target_close(&t);	/* twice is harmless */
}

static void test_file_target_opens_for_writing(void **state)
{
	struct fixture *fx = *state;
	struct dmabuf_err e = { 0 };
	struct db_target t;

	assert_int_equal(db_target_open(fx->file, true, &t, &e), 0);
	assert_true(t.writable);
	assert_int_equal(fcntl(t.fd, F_GETFL) & O_ACCMODE, O_RDWR);
	db_target_close(&t);
}

static void test_file_is_always_safe_to_write(void **state)
{
	struct fixture *fx = *state;
	struct dmabuf_err e = { 0 };
	struct db_target t;

	assert_int_equal(db_target_open(fx->file, true, &t, &e), 0);
	assert_int_equal(db_target_check_safe(&t, &e), 0);
	db_target_close(&t);
}

/* ---- paths that are no target ---------------------------------------------------- */

static void test_missing_target_is_usage_error(void **state)
{
	struct fixture *fx = *state;
	struct dmabuf_err e = { 0 };
	struct db_target t;
	char path[512];

	snprintf(path, sizeof(path), "%s/no-such-file", fx->dir);
	assert_int_equal(db_target_open(path, false, &t, &e), -ENOENT);
	assert_int_equal(e.err, -ENOENT);
	assert_int_equal(e.kind, DMABUF_E_USAGE);
	assert_string_equal(e.obj, path);
	assert_string_equal(e.op, "open");
	assert_non_null(strstr(e.detail, "no such target"));
	assert_int_equal(t.fd, -1);
}

static void test_directory_target_is_usage_error(void **state)
{
	struct fixture *fx = *state;
	struct dmabuf_err e = { 0 };
	struct db_target t;

	assert_int_equal(db_target_open(fx->dir, false, &t, &e), -EISDIR);
	assert_int_equal(e.kind, DMABUF_E_USAGE);
	assert_string_equal(e.obj, fx->dir);
	assert_int_equal(t.fd, -1);
}

static void test_dev_null_is_not_an_nvme_char_device(void **state)
{
	struct dmabuf_err e = { 0 };
	struct db_target t;

	(void)state;
	assert_int_equal(db_target_open("/dev/null", true, &t, &e), -ENOTSUP);
	assert_int_equal(e.kind, DMABUF_E_USAGE);
	assert_string_equal(e.obj, "/dev/null");
	assert_non_null(strstr(e.detail, "not an NVMe generic char device (/dev/ngXnY)"));
	assert_int_equal(t.fd, -1);
}

static void test_fifo_is_no_target(void **state)
{
	struct fixture *fx = *state;
	struct dmabuf_err e = { 0 };
	struct db_target t;
	char path[512];

	snprintf(path, sizeof(path), "%s/fifo", fx->dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(db_target_open(path, false, &t, &e), -ENOTSUP);
	assert_int_equal(e.kind, DMABUF_E_USAGE);
	unlink(path);
}

static void test_overlong_path_is_usage_error(void **state)
{
	struct dmabuf_err e = { 0 };
	struct db_target t;
	char path[400];

	(void)state;
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(db_target_open(path, false, &t, &e), -ENAMETOOLONG);
	assert_int_equal(e.kind, DMABUF_E_USAGE);
}

static void test_unreadable_target_says_permission_denied(void **state)
{
	struct fixture *fx = *state;
	struct dmabuf_err e = { 0 };
	struct db_target t;

	pid_t pid;
	int status;

	assert_int_equal(chmod(fx->file, 0), 0);
	/* nobody reaches the file, and its mode refuses */
	assert_int_equal(chmod(fx->dir, 0755), 0);
	/* root reads any file: check as nobody, in a child */
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		bool ok;

		if (geteuid() == 0 && setresuid(65534, 65534, 65534))
			_exit(2);
		/* a regular file: its permissions, not the disk group (that is for devices) */
		ok = db_target_open(fx->file, false, &t, &e) == -EACCES && e.kind == DMABUF_E_IO &&
		     strstr(e.detail, "mode 0000") && strstr(e.detail, "may not read it") &&
		     strstr(e.detail, "chmod") && !strstr(e.detail, "disk");
		_exit(ok ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	chmod(fx->file, 0600);
	chmod(fx->dir, 0700);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(db_target_kind_name(DB_TGT_NVME_BLK), "nvme-blk");
	assert_string_equal(db_target_kind_name(DB_TGT_NVME_CHAR), "nvme-char");
	assert_string_equal(db_target_kind_name(DB_TGT_BLK), "block");
	assert_string_equal(db_target_kind_name(DB_TGT_FILE), "file");
}

/* ---- LBA ranges ----------------------------------------------------------------- */

static struct db_target fake_target(enum db_target_kind kind, uint64_t nlba, uint32_t lba_size)
{
	struct db_target t;

	memset(&t, 0, sizeof(t));
	t.fd = -1;
	t.kind = kind;
	t.nlba = nlba;
	t.lba_size = lba_size;
	snprintf(t.path, sizeof(t.path), "/dev/fake0");
	return t;
}

static void test_range_inside_is_accepted(void **state)
{
	struct db_target t = fake_target(DB_TGT_BLK, 2048, 4096);
	struct dmabuf_err e = { 0 };

	(void)state;
	assert_int_equal(db_target_check_range(&t, 0, 2048, false, &e), 0);
	assert_int_equal(db_target_check_range(&t, 2047, 1, true, &e), 0);
	assert_int_equal(db_target_check_range(&t, 1000, 8, false, &e), 0);
}

static void test_range_past_end_names_capacity(void **state)
{
	struct db_target t = fake_target(DB_TGT_BLK, 2048, 4096);
	struct dmabuf_err e = { 0 };

	(void)state;
	assert_int_equal(db_target_check_range(&t, 2040, 16, false, &e), -ERANGE);
	assert_int_equal(e.kind, DMABUF_E_USAGE);
	assert_string_equal(e.obj, "/dev/fake0");
	assert_string_equal(e.detail, "LBA range 2040..2055 is past the end of /dev/fake0 "
			    "(2048 blocks of 4096 bytes)");
	assert_int_equal(db_target_check_range(&t, 2048, 1, false, &e), -ERANGE);
	/* block devices do not grow */
	assert_int_equal(db_target_check_range(&t, 2048, 1, true, &e), -ERANGE);
}

static void test_range_of_zero_blocks_is_usage_error(void **state)
{
	struct db_target t = fake_target(DB_TGT_BLK, 2048, 512);
	struct dmabuf_err e = { 0 };

	(void)state;
	assert_int_equal(db_target_check_range(&t, 0, 0, false, &e), -EINVAL);
	assert_int_equal(e.kind, DMABUF_E_USAGE);
}

static void test_range_overflow_is_refused(void **state)
{
	struct db_target t = fake_target(DB_TGT_FILE, 2048, 512);
	struct dmabuf_err e = { 0 };

	(void)state;
	assert_int_equal(db_target_check_range(&t, UINT64_MAX, 2, true, &e), -ERANGE);
	assert_int_equal(e.kind, DMABUF_E_USAGE);
	assert_int_equal(db_target_check_range(&t, UINT64_MAX - 1, 1, false, &e), -ERANGE);
	/* fits in 64 bits as blocks, not as a byte offset */
	assert_int_equal(db_target_check_range(&t, UINT64_MAX / 512, 1, true, &e), -ERANGE);
}

static void test_file_grows_on_write_only(void **state)
{
	struct db_target t = fake_target(DB_TGT_FILE, 2048, 512);
	struct dmabuf_err e = { 0 };

	(void)state;
	assert_int_equal(db_target_check_range(&t, 4096, 100, true, &e), 0);
	assert_int_equal(db_target_check_range(&t, 4096, 100, false, &e), -ERANGE);
	assert_non_null(strstr(e.detail, "LBA range 4096..4195 is past the end"));
}

/* ---- a file's file system (lib/fsinfo.c) ----------------------------------------- */

/* findmnt's answer for @path: "FSTYPE TARGET", "" when it has none. */
static void findmnt(const char *path, char *out, size_t len)
{
	char cmd[400];
	FILE *p;

	out[0] = '\0';
	snprintf(cmd, sizeof(cmd), "findmnt -n -o FSTYPE,TARGET -T '%s' 2>/dev/null", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	if (!fgets(out, (int)len, p))
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	pclose(p);
}

static void test_file_target_names_its_file_system(void **state)
{
	struct fixture *fx = *state;
	struct db_target t = { .fd = -1 };
	struct dmabuf_err e = { 0 };
	char want[400], got[400];

	assert_int_equal(db_target_open(fx->file, false, &t, &e), 0);
	findmnt(fx->file, want, sizeof(want));
	/* collapse findmnt's column padding to one space */
	for (char *r = want, *w = want;; r++) {
		if (*r == ' ' && r[1] == ' ')
			continue;
		if (!(*w++ = *r))
			break;
	}
	snprintf(got, sizeof(got), "%s %s", t.fs.fstype, t.fs.mount);
	if (want[0])
		assert_string_equal(got, want);
	assert_true(t.fs.fstype[0]);
	/* a block is the direct I/O alignment statx gives, never under 512 */
	assert_int_equal(t.lba_size, t.fs.dio_offset_align > 512 ? t.fs.dio_offset_align : 512);
	db_target_close(&t);
}

static void test_fsinfo_is_for_regular_files(void **state)
{
	struct fixture *fx = *state;
	struct db_fsinfo fi;
	int fd = open(fx->dir, O_RDONLY | O_DIRECTORY);

	assert_true(fd >= 0);
	assert_int_equal(db_fsinfo_get(fd, &fi), -EINVAL);
	close(fd);
	assert_int_equal(db_fsinfo_get(-1, &fi), -EBADF);
}

/* The reasons, one attribute at a time, in the order the kernel checks them. */
static void test_fsinfo_refusal_names_the_cause(void **state)
{
	static const struct {
		const char *fstype, *options;
		uint32_t flags;
		bool dax, realtime;
		const char *why;	/* a part of the reason; NULL: none */
	} cases[] = {
		{ "ext4", "rw,relatime", FS_EXTENT_FL, false, false, NULL },
		{ "xfs", "rw,rtdev=/dev/nvme1n1", 0, false, true, NULL },
		{ "tmpfs", "rw", 0, false, false, "files on tmpfs take no dmabuf tokens" },
		{ "btrfs", "rw", 0, false, false, "files on btrfs" },
		{ "", "", 0, false, false, "files on this file system" },
		{ "ext4", "rw", FS_EXTENT_FL, true, false, "DAX" },
		{ "xfs", "rw", FS_DAX_FL, false, false, "DAX" },
		{ "ext4", "rw", FS_EXTENT_FL | FS_ENCRYPT_FL, false, false, "fscrypt" },
		{ "ext4", "rw", FS_EXTENT_FL | FS_VERITY_FL, false, false, "fs-verity" },
		{ "ext4", "rw,data=journal", FS_EXTENT_FL, false, false, "data=ordered" },
		{ "ext4", "rw,data=ordered", FS_EXTENT_FL, false, false, NULL },
		{ "ext4", "rw,nodelalloc", FS_EXTENT_FL | FS_JOURNAL_DATA_FL, false, false,
		  "chattr -j" },
		/* with delalloc ext4 ignores the flag: the file is ordered data */
		{ "ext4", "rw", FS_EXTENT_FL | FS_JOURNAL_DATA_FL, false, false, NULL },
		{ "ext4", "rw", FS_INLINE_DATA_FL, false, false, "inline_data" },
		{ "ext3", "rw", 0, false, false, "chattr +e" },
		/* encryption is checked before journalling, as ext4_dmabuf_supported() does */
		{ "ext4", "rw,data=journal", FS_ENCRYPT_FL, false, false, "fscrypt" },
	};
	char buf[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct db_fsinfo fi = { .flags_known = true, .flags = cases[i].flags,
					.dax = cases[i].dax, .realtime = cases[i].realtime };
		const char *why;

		snprintf(fi.fstype, sizeof(fi.fstype), "%s", cases[i].fstype);
		snprintf(fi.options, sizeof(fi.options), "%s", cases[i].options);
		why = db_fsinfo_refusal(&fi, buf, sizeof(buf));
		if (!cases[i].why) {
			assert_null(why);
			continue;
		}
		assert_non_null(why);
		if (!strstr(why, cases[i].why))
			fail_msg("case %zu: '%s' lacks '%s'", i, why, cases[i].why);
	}
}

static void test_fsinfo_device_of_a_realtime_file(void **state)
{
	struct db_fsinfo fi = { .data_dev = "/dev/nvme0n1", .rt_dev = "/dev/nvme1n1" };

	(void)state;
	assert_string_equal(db_fsinfo_device(&fi), "/dev/nvme0n1");
	fi.realtime = true;
	assert_string_equal(db_fsinfo_device(&fi), "/dev/nvme1n1");
}

/* ---- NVMe -------------------------------------------------------------------------- */

static void count_ns(const struct db_nvme_ns_info *ns, void *arg)
{
	int *n = arg;

	assert_true(!strncmp(ns->blkdev, "/dev/nvme", 9));
	assert_true(ns->lba_size >= 512);
	(*n)++;
}

static void test_nvme_scan_counts_what_it_reports(void **state)
{
	struct dmabuf_err e = { 0 };
	int seen = 0, ret;

	(void)state;
	ret = db_nvme_scan(count_ns, &seen, &e);
	assert_true(ret >= 0);
	assert_int_equal(ret, seen);
	assert_int_equal(e.err, 0);
	/* a machine without the nvme driver has none, and that is no error */
	if (access("/sys/class/nvme", F_OK) < 0)
		assert_int_equal(ret, 0);
}

static void test_nvme_char_without_block_device_is_safe(void **state)
{
	struct db_target t = fake_target(DB_TGT_NVME_CHAR, 2048, 512);
	struct dmabuf_err e = { 0 };

	(void)state;
	assert_int_equal(db_target_check_safe(&t, &e), 0);
}

/* ---- block devices: a loop device over a temporary file ------------------------------ */

struct loopfx {
	struct fixture *fx;
	char backing[256];
	char dev[64];		/* "/dev/loopN", "" when none could be set up */
	char why[128];		/* why not */
	char mnt[256];
};

static struct loopfx lfx;

static void loop_attach(struct loopfx *l, bool partscan)
{
	char cmd[PATH_MAX + 64];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "losetup -f --show %s '%s' 2>/dev/null",
		 partscan ? "-P" : "", l->backing);
	p = popen(cmd, "r");
	if (!p || !fgets(l->dev, sizeof(l->dev), p))
		l->dev[0] = '\0';
	if (p && pclose(p) != 0)
		l->dev[0] = '\0';
	l->dev[strcspn(l->dev, "\n")] = '\0';
	if (!l->dev[0])
		snprintf(l->why, sizeof(l->why), "losetup -f could not attach a loop device");
}

static int loop_setup(void **state)
{
	struct loopfx *l = &lfx;
	int fd;

	memset(l, 0, sizeof(*l));
	if (fixture_setup((void **)&l->fx))
		return -1;
	*state = l;
	if (access("/dev/loop-control", F_OK) < 0) {
		snprintf(l->why, sizeof(l->why), "no /dev/loop-control");
		return 0;
	}
	if (geteuid() != 0) {
		snprintf(l->why, sizeof(l->why), "loop devices need root");
		return 0;
	}
	snprintf(l->backing, sizeof(l->backing), "%s/loop.img", l->fx->dir);
	fd = open(l->backing, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, LOOP_BYTES) < 0)
		return -1;
	close(fd);
	return 0;
}

static int loop_teardown(void **state)
{
	struct loopfx *l = *state;

	unlink(l->backing);
	return fixture_teardown((void **)&l->fx);
}

/* Per test: a fresh, blank loop device. */
static int loop_before(void **state)
{
	struct loopfx *l = *state;

	if (!l->backing[0])
		return 0;
	if (truncate(l->backing, 0) < 0 || truncate(l->backing, LOOP_BYTES) < 0)
		return -1;
	loop_attach(l, true);
	return 0;
}

static int loop_after(void **state)
{
	struct loopfx *l = *state;

	if (l->mnt[0]) {
		umount2(l->mnt, MNT_DETACH);
		rmdir(l->mnt);
		l->mnt[0] = '\0';
	}
	if (l->dev[0])
		run("losetup -d %s", l->dev);
	l->dev[0] = '\0';
	return 0;
}

#define NEED_LOOP(l)						\
	do {							\
		if (!(l)->dev[0]) {				\
			printf("skip: %s\n", (l)->why[0] ? (l)->why : "no loop device"); \
			skip();					\
		}						\
	} while (0)

static uint64_t sysfs_u64(const char *dev, const char *attr)
{
	char path[PATH_MAX];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/block/%s/%s", dev + 5, attr);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

static void test_loop_device_is_a_block_target(void **state)
{
	struct loopfx *l = *state;
	struct dmabuf_err e = { 0 };
	struct db_target t;

	NEED_LOOP(l);
	assert_int_equal(db_target_open(l->dev, false, &t, &e), 0);
	assert_int_equal(t.kind, DB_TGT_BLK);
	assert_string_equal(db_target_kind_name(t.kind), "block");
	assert_int_equal(t.lba_size, 512);
	assert_int_equal(t.nlba, LOOP_BYTES / 512);
	assert_int_equal(t.dma_align, sysfs_u64(l->dev, "queue/dma_alignment") + 1);
	assert_int_equal(t.max_xfer, sysfs_u64(l->dev, "queue/max_hw_sectors_kb") * 1024);
	assert_true(fcntl(t.fd, F_GETFL) & O_DIRECT);
	assert_int_equal(t.nsid, 0);
	assert_int_equal(t.model[0], '\0');
	assert_int_equal(db_target_check_range(&t, LOOP_BYTES / 512, 1, true, &e), -ERANGE);
	db_target_close(&t);
}

static void test_blank_loop_device_is_safe_to_write(void **state)
{
	struct loopfx *l = *state;
	struct dmabuf_err e = { 0 };
	struct db_target t;

	NEED_LOOP(l);
	assert_int_equal(db_target_open(l->dev, true, &t, &e), 0);
	assert_int_equal(db_target_check_safe(&t, &e), 0);
	db_target_close(&t);
}

static void assert_refused(const struct db_target *t, const char *reason)
{
	struct dmabuf_err e = { 0 };

	/* one shape for every refusal: no errno text, the reason, the remedy */
	assert_int_equal(db_target_check_safe(t, &e), -EBUSY);
	assert_int_equal(e.kind, DMABUF_E_SAFETY);
	assert_int_equal(e.err, 0);
	assert_string_equal(e.obj, t->path);
	assert_string_equal(e.op, "write refused");
	if (!strstr(e.detail, reason))
		fail_msg("detail \"%s\" lacks \"%s\"", e.detail, reason);
	assert_non_null(strstr(e.detail, "; give --force to write anyway"));
}

static void test_ext4_signature_is_refused(void **state)
{
	struct loopfx *l = *state;
	struct dmabuf_err e = { 0 };
	struct db_target t;
	char want[128];

	NEED_LOOP(l);
	if (run("mkfs.ext4 -q -F %s >/dev/null 2>&1", l->dev))
		skip();
	assert_int_equal(db_target_open(l->dev, true, &t, &e), 0);
	snprintf(want, sizeof(want), "it carries a filesystem signature (ext4)");
	assert_refused(&t, want);
	db_target_close(&t);
}

static void test_gpt_partition_table_is_refused(void **state)
{
	struct loopfx *l = *state;
	struct dmabuf_err e = { 0 };
	struct db_target t;
	char want[128];

	NEED_LOOP(l);
	if (run("echo 'label: gpt' | sfdisk -q %s >/dev/null 2>&1", l->dev)) {
		printf("skip: sfdisk could not write a GPT\n");
		skip();
	}
	assert_int_equal(db_target_open(l->dev, true, &t, &e), 0);
	snprintf(want, sizeof(want), "it carries a partition table (gpt)");
	assert_refused(&t, want);
	db_target_close(&t);
}

static int mount_ext4(struct loopfx *l, const char *dev)
{
	if (run("mkfs.ext4 -q -F %s >/dev/null 2>&1", dev))
		return -1;
	snprintf(l->mnt, sizeof(l->mnt), "%s/mnt", l->fx->dir);
	if (mkdir(l->mnt, 0700) < 0 || mount(dev, l->mnt, "ext4", 0, NULL) < 0) {
		printf("skip: cannot mount %s here: %s\n", dev, strerror(errno));
		rmdir(l->mnt);
		l->mnt[0] = '\0';
		return -1;
	}
	return 0;
}

static void test_mounted_device_is_refused(void **state)
{
	struct loopfx *l = *state;
	struct dmabuf_err e = { 0 };
	struct db_target t;
	char want[512];

	NEED_LOOP(l);
	if (mount_ext4(l, l->dev))
		skip();
	assert_int_equal(db_target_open(l->dev, false, &t, &e), 0);
	snprintf(want, sizeof(want), "it is mounted on %s", l->mnt);
	assert_refused(&t, want);
	db_target_close(&t);
}

static void test_disk_with_mounted_partition_is_refused(void **state)
{
	struct loopfx *l = *state;
	struct dmabuf_err e = { 0 };
	struct db_target t;
	char part[80], want[512];
	int i;

	NEED_LOOP(l);
	snprintf(part, sizeof(part), "%sp1", l->dev);
	if (run("echo 'label: gpt\n,8M' | sfdisk -q %s >/dev/null 2>&1", l->dev)) {
		printf("skip: sfdisk could not partition %s\n", l->dev);
		skip();
	}
	/* some kernels do not rescan loop partitions: add them by hand */
	run("partx -a %s >/dev/null 2>&1", l->dev);
	/* devtmpfs creates the node asynchronously: a poll, up to 10 s on a busy machine */
	for (i = 0; i < 500 && access(part, F_OK) < 0; i++)
		usleep(20000);
	if (access(part, F_OK) < 0) {
		printf("skip: no partition node %s\n", part);
		skip();
	}
	if (mount_ext4(l, part))
		skip();
	assert_int_equal(db_target_open(l->dev, false, &t, &e), 0);
	snprintf(want, sizeof(want), "its partition %s is mounted on %s", part, l->mnt);
	assert_refused(&t, want);
	db_target_close(&t);

	/* the partition itself: a block target, and refused on its own */
	assert_int_equal(db_target_open(part, false, &t, &e), 0);
	assert_int_equal(t.kind, DB_TGT_BLK);
	assert_int_equal(t.nlba, 8 * 1024 * 1024 / 512);
	snprintf(want, sizeof(want), "it is mounted on %s", l->mnt);
	assert_refused(&t, want);
	db_target_close(&t);
}

int main(void)
{
	const struct CMUnitTest file_tests[] = {
		cmocka_unit_test(test_file_target_reports_512_byte_blocks),
		cmocka_unit_test(test_file_target_opens_for_writing),
		cmocka_unit_test(test_file_is_always_safe_to_write),
		cmocka_unit_test(test_missing_target_is_usage_error),
		cmocka_unit_test(test_directory_target_is_usage_error),
		cmocka_unit_test(test_dev_null_is_not_an_nvme_char_device),
		cmocka_unit_test(test_fifo_is_no_target),
		cmocka_unit_test(test_overlong_path_is_usage_error),
		cmocka_unit_test(test_unreadable_target_says_permission_denied),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_range_inside_is_accepted),
		cmocka_unit_test(test_range_past_end_names_capacity),
		cmocka_unit_test(test_range_of_zero_blocks_is_usage_error),
		cmocka_unit_test(test_range_overflow_is_refused),
		cmocka_unit_test(test_file_grows_on_write_only),
		cmocka_unit_test(test_file_target_names_its_file_system),
		cmocka_unit_test(test_fsinfo_is_for_regular_files),
		cmocka_unit_test(test_fsinfo_refusal_names_the_cause),
		cmocka_unit_test(test_fsinfo_device_of_a_realtime_file),
		cmocka_unit_test(test_nvme_scan_counts_what_it_reports),
		cmocka_unit_test(test_nvme_char_without_block_device_is_safe),
	};
	const struct CMUnitTest loop_tests[] = {
		cmocka_unit_test_setup_teardown(test_loop_device_is_a_block_target,
						loop_before, loop_after),
		cmocka_unit_test_setup_teardown(test_blank_loop_device_is_safe_to_write,
						loop_before, loop_after),
		cmocka_unit_test_setup_teardown(test_ext4_signature_is_refused,
						loop_before, loop_after),
		cmocka_unit_test_setup_teardown(test_gpt_partition_table_is_refused,
						loop_before, loop_after),
		cmocka_unit_test_setup_teardown(test_mounted_device_is_refused,
						loop_before, loop_after),
		cmocka_unit_test_setup_teardown(test_disk_with_mounted_partition_is_refused,
						loop_before, loop_after),
	};
	int fails;

	fails = cmocka_run_group_tests_name("target", file_tests, fixture_setup,
					    fixture_teardown);
	fails += cmocka_run_group_tests_name("target-loop", loop_tests, loop_setup,
					     loop_teardown);
	return fails ? 1 : 0;
}
