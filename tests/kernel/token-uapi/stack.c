// SPDX-License-Identifier: MIT
/* token-uapi: stacked devices: partitions, dm-linear tables and reloads, the NVMe multipath head. */
#include "token-uapi.h"

/*
 * A token on a partition of the 512 B namespace (DMABUF_VM_PART, made by
 * tests/vm/token.bats).  Its device is the disk's, so the same dma-buf
 * registered for the partition and for the whole disk is one token.  I/O
 * offsets are the partition's and land at its start on the disk; at and
 * past its end reads stop and writes fail, as on the pages path; the
 * partition's registration serves no other file.
 */
void case_partition(void)
{
	const char *part = env_dev("DMABUF_VM_PART"), *disk = env_dev("DMABUF_VM_NS512");
	const size_t len = 1 * MiB;
	const uint64_t start = block_attr(part, "start") * 512;
	const uint64_t end = block_attr(part, "size") * 512;
	uint8_t *back = aligned(len), *want = aligned(len);
	int pfd = open_dev(part), dfd = open_dev(disk), ret;
	struct io_uring ring;
	struct dbuf b;

	if (dbuf_new(&b, "udmabuf", len))
		die("udmabuf");
	ring_new(&ring, 8, 2);
	check_ret(reg_dmabuf(&ring, 0, b.fd, pfd), 0, "token registration for the partition");
	check_ret(reg_dmabuf(&ring, 1, b.fd, dfd), 0, "the same dma-buf for the whole disk");
	check(stat_value("tokens") == 1, "one token for both: the same device (%ld)",
	      stat_value("tokens"));

	fill(b.cpu, len, 227);
	ret = rw_fixed(&ring, true, pfd, 0, 0, len, 4 * MiB);
	pio(false, dfd, back, len, start + 4 * MiB);
	check(ret == (int)len && !memcmp(back, b.cpu, len), "a 1 MiB write at partition "
	      "offset 4 MiB is on the disk at the partition's start + 4 MiB (%d)", ret);
	fill(want, len, 226);
	pio(true, dfd, want, len, start + 8 * MiB);
	memset(b.cpu, 0, len);
	ret = rw_fixed(&ring, false, pfd, 0, 0, len, 8 * MiB);
	check(ret == (int)len && !memcmp(b.cpu, want, len),
	      "a read at partition offset 8 MiB gets what the disk holds there (%d)", ret);
	check_ret(rw_fixed(&ring, false, dfd, 0, 0, 4096, 0), -EBADF,
		  "the partition's registration on the whole disk's file");

	check_ret(rw_fixed(&ring, false, pfd, 0, 0, 4096, end), 0,
		  "a read at the partition's end (0 bytes, as for pages)");
	check_ret(rw_fixed(&ring, false, pfd, 0, 0, len, end - 65536), 65536,
		  "a 1 MiB read over the end stops there");
	check_ret(rw_fixed(&ring, true, pfd, 0, 0, 4096, end), -ENOSPC,
		  "a write at the partition's end");
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	close(dfd);
	close(pfd);
	check(wait_tokens(0) == 0, "no token left");
	free(back);
	free(want);
}

/* ---- device-mapper linear tables (dmsetup) ---- */

/*
 * The 512 B namespace's bytes [@off, @off + @len) hold what @via, a
 * token on a mapped device, wrote from @b; then @b reads back what the
 * namespace holds there.  @at is the byte offset on the mapped device.
 */
static void dm_check_io(const char *what, struct io_uring *ring, int dmfd, struct dbuf *b,
			size_t len, uint64_t at, int disk1, uint64_t off1, int disk2,
			uint64_t off2, size_t split)
{
	uint8_t *back = aligned(len), *want = aligned(len);
	int ret;

	fill(b->cpu, len, at + 17);
	ret = rw_fixed(ring, true, dmfd, 0, 0, len, at);
	pio(false, disk1, back, split, off1);
	if (split < len)
		pio(false, disk2, back + split, len - split, off2);
	check(ret == (int)len && !memcmp(back, b->cpu, len),
	      "%s: a %zu KiB token write is where dd finds it below (%d)", what, len >> 10, ret);
	fill(want, len, at + 18);
	pio(true, disk1, want, split, off1);
	if (split < len)
		pio(true, disk2, want + split, len - split, off2);
	memset(b->cpu, 0, len);
	ret = rw_fixed(ring, false, dmfd, 0, 0, len, at);
	check(ret == (int)len && !memcmp(b->cpu, want, len),
	      "%s: a %zu KiB token read gets what is below (%d)", what, len >> 10, ret);
	free(back);
	free(want);
}

/*
 * Tokens on dm-linear devices: a table of one target on the 512 B
 * namespace, and one of two targets on both controllers.  Each mapped
 * device's token is stacked: it holds a token of each namespace below, the
 * same one a registration on the namespace itself gets.  Data lands where
 * the table says, a request over the boundary of two targets too, and no
 * mapping is made after registration.
 */
static void dm_linear(const char *kind)
{
	const char *ns512 = env_dev("DMABUF_VM_NS512"), *ns4k = env_dev("DMABUF_VM_NS4K");
	const size_t len = 16 * MiB;
	char table[512], dm1[64], dm2[64], what[64];
	int d512 = open_dev(ns512), d4k = open_dev(ns4k), fd1, fd2;
	long tokens = stat_value("tokens"), maps;
	struct io_uring ring;
	uint8_t *below;
	struct dbuf b;
	struct load l;

	/* 16 MiB at 1 MiB of the 512 B namespace */
	snprintf(table, sizeof(table), "0 32768 linear %s 2048\n", ns512);
	dm_create("dmabuf-lin1", table, dm1, sizeof(dm1));
	/* 8 MiB at 32 MiB of the 512 B namespace, then 8 MiB at 8 MiB of the 4 KiB one */
	snprintf(table, sizeof(table), "0 16384 linear %s 65536\n16384 16384 linear %s 16384\n",
		 ns512, ns4k);
	dm_create("dmabuf-lin2", table, dm2, sizeof(dm2));
	fd1 = open_dev(dm1);
	fd2 = open_dev(dm2);
	if (dbuf_new(&b, kind, len))
		die("%s", kind);
	ring_new(&ring, 64, 3);

	check_ret(reg_dmabuf(&ring, 0, b.fd, fd1), 0, "%s: token registration for %s "
		  "(linear on one namespace)", kind, dm1);
	check(stat_value("tokens") == tokens + 2, "%s: two tokens: the mapped device's and "
	      "the namespace's (%ld)", kind, stat_value("tokens") - tokens);
	check_ret(reg_dmabuf(&ring, 2, b.fd, d512), 0, "%s: the same dma-buf for the "
		  "namespace itself", kind);
	check(stat_value("tokens") == tokens + 2, "%s: shares the namespace's token", kind);
	snprintf(what, sizeof(what), "%s one device", kind);
	dm_check_io(what, &ring, fd1, &b, 1 * MiB, 4 * MiB, d512, 1 * MiB + 4 * MiB, -1, 0,
		    1 * MiB);
	check_ret(rw_fixed(&ring, false, fd1, 0, 0, 4096, len), 0,
		  "%s: a read at the mapped device's end (0 bytes)", kind);

	maps = stat_value("maps");
	l = (struct load){ .ring = &ring, .fd = fd1, .slot = 0, .qd = 32, .bs = 65536,
			   .size = len };
	load_reads(&l, 1000);
	check(l.err == 0 && l.ios == 1000, "%s: 1000 reads of 64 KiB at QD 32 (%d)", kind,
	      l.err);
	below = aligned(len);
	pio(false, d512, below, len, 1 * MiB);
	check(!memcmp(b.cpu, below, len), "%s: every byte is what dd reads below", kind);
	free(below);
	check(stat_value("maps") == maps, "%s: no mapping made after registration (%ld)", kind,
	      stat_value("maps") - maps);

	check_ret(reg_dmabuf(&ring, 1, b.fd, fd2), 0, "%s: token registration for %s "
		  "(linear on two controllers)", kind, dm2);
	check(stat_value("tokens") == tokens + 4, "%s: one more mapped device, one more "
	      "namespace (%ld)", kind, stat_value("tokens") - tokens);
	/* slot 1 is this table's: dm_check_io() uses slot 0, so swap them */
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd2), 0, "%s: slot 0 for %s too", kind, dm2);
	snprintf(what, sizeof(what), "%s two devices", kind);
	dm_check_io(what, &ring, fd2, &b, 2 * MiB, 7 * MiB, d512, 32 * MiB + 7 * MiB, d4k,
		    8 * MiB, 1 * MiB);
	check_ret(rw_fixed(&ring, false, fd1, 0, 0, 4096, 0), -EBADF,
		  "%s: %s's registration on %s's file", kind, dm2, dm1);

	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	close(fd1);
	close(fd2);
	check(wait_tokens(tokens) == tokens, "%s: no token left", kind);
	dm_remove("dmabuf-lin1");
	dm_remove("dmabuf-lin2");
	close(d512);
	close(d4k);
}

void dm_linear_udmabuf(void) { dm_linear("udmabuf"); }
void dm_linear_heap(void) { dm_linear("heap"); }
void dm_linear_vgem(void) { dm_linear("vgem"); }

struct dm_flip {
	const char *name, *tables[2];
	unsigned long n;
};

static void *dm_flip_thread(void *arg)
{
	struct dm_flip *f = arg;

	while (!trigger_stop) {
		dm_reload(f->name, f->tables[++f->n % 2]);
		usleep(20000);
	}
	return NULL;
}

/*
 * Table reloads under token reads: the mapped device flips between two
 * places of the 512 B namespace that hold the same bytes, so every read
 * has one right answer.  Each swap releases the old table's tokens and
 * later clones take them again; no read fails, every byte is right, and
 * after the last swap I/O goes to the new place only.  A table with a
 * target that remaps blocks (striped) or touches data (error) is refused
 * at registration, and token I/O through it fails; a linear table swapped
 * back in serves the same registration again.
 */
void case_dm_reload(void)
{
	const char *ns512 = env_dev("DMABUF_VM_NS512");
	const size_t len = 16 * MiB;
	char ta[128], tb[128], tstripe[256], dm[64];
	uint8_t *want = aligned(len), *back = aligned(len);
	int disk = open_dev(ns512), fd, ret;
	struct dm_flip f = { .name = "dmabuf-flip" };
	long maps, tokens = stat_value("tokens");
	struct io_uring ring, other;
	unsigned long n0;
	time_t start;
	pthread_t t;
	struct dbuf b;
	struct load l;

	snprintf(ta, sizeof(ta), "0 32768 linear %s 2048\n", ns512);
	snprintf(tb, sizeof(tb), "0 32768 linear %s 81920\n", ns512);
	snprintf(tstripe, sizeof(tstripe), "0 32768 striped 2 128 %s 2048 %s 81920\n", ns512,
		 ns512);
	f.tables[0] = ta;
	f.tables[1] = tb;
	fill(want, len, 61);
	pio(true, disk, want, len, 1 * MiB);
	pio(true, disk, want, len, 40 * MiB);
	dm_create(f.name, ta, dm, sizeof(dm));
	fd = open_dev(dm);
	if (dbuf_new(&b, "udmabuf", len))
		die("udmabuf");
	ring_new(&ring, 64, 1);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "token registration for %s", dm);
	maps = stat_value("maps");

	trigger_stop = false;
	if (pthread_create(&t, NULL, dm_flip_thread, &f))
		die("pthread_create");
	l = (struct load){ .ring = &ring, .fd = fd, .slot = 0, .qd = 32, .bs = 16384,
			   .size = len };
	/*
	 * Rounds of 1024 reads (each reads every block) until there were at
	 * least 4000, two reloads began after the reads did (so the first of
	 * them began and ended under the reads) and a read made the namespace's
	 * mapping again: how many reloads a round sees depends on the machine,
	 * so the rounds go on until the events happened.  10 reloads (about a
	 * second each here) when they come within 2 minutes; 5 minutes bound a
	 * hang.
	 */
	n0 = f.n;
	start = time(NULL);
	for (;;) {
		bool seen;

		load_reads(&l, len / l.bs);
		seen = l.ios >= 4000 && f.n - n0 >= 2 && stat_value("maps") > maps;
		if (l.err || time(NULL) - start >= 300 ||
		    (seen && (f.n >= 10 || time(NULL) - start >= 120)))
			break;
	}
	trigger_stop = true;
	pthread_join(t, NULL);
	check(l.err == 0 && l.ios >= 4000, "%" PRIu64 " reads of 16 KiB at QD 32 under %lu "
	      "table reloads: no error (%d)", l.ios, f.n, l.err);
	check(f.n - n0 >= 2, "a table reload began and ended under the reads (%lu of %lu "
	      "reloads began after them)", f.n - n0, f.n);
	check(!memcmp(b.cpu, want, len), "every byte read is right");
	check(stat_value("maps") > maps, "reloads made the namespace's mapping again (%ld "
	      "mappings)", stat_value("maps") - maps);

	dm_reload(f.name, tb);
	fill(b.cpu, 1 * MiB, 62);
	ret = rw_fixed(&ring, true, fd, 0, 0, 1 * MiB, 0);
	pio(false, disk, back, 1 * MiB, 40 * MiB);
	check(ret == (int)MiB && !memcmp(back, b.cpu, MiB),
	      "after the last reload a write lands in the new table's place (%d)", ret);
	pio(false, disk, back, 1 * MiB, 1 * MiB);
	check(!memcmp(back, want, MiB), "and the old place is untouched");
	check(wait_tokens(tokens + 2) == tokens + 2, "two tokens, the old table's "
	      "namespace token released (%ld)", stat_value("tokens") - tokens);

	dm_reload(f.name, tstripe);
	check_ret(rw_fixed(&ring, false, fd, 0, 0, 65536, 0), -EOPNOTSUPP,
		  "a token read through a striped table loaded since");
	ring_new(&other, 8, 1);
	check_ret(reg_dmabuf(&other, 0, b.fd, fd), -EOPNOTSUPP,
		  "registration for a striped table (it remaps blocks)");
	dm_reload(f.name, "0 32768 error\n");
	check_ret(reg_dmabuf(&other, 0, b.fd, fd), -EOPNOTSUPP,
		  "registration for an error table");
	io_uring_queue_exit(&other);
	dm_reload(f.name, ta);
	memset(b.cpu, 0, 1 * MiB);
	ret = rw_fixed(&ring, false, fd, 0, 0, 1 * MiB, 0);
	check(ret == (int)MiB && !memcmp(b.cpu, want, MiB),
	      "a linear table back: the same registration reads again (%d)", ret);

	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	close(fd);
	check(wait_tokens(tokens) == tokens, "no token left");
	dm_remove(f.name);
	close(disk);
	free(want);
	free(back);
}

/* ---- the NVMe multipath head (tests/vm/run --multipath) ---- */

/* The head's paths, hidden disks "nvmeXcYnZ" of head "nvmeXnZ": up to @max names. */
static unsigned mp_paths(const char *head, char names[][32], unsigned max)
{
	const char *h = basename((char *)head);
	unsigned sub, ns, n = 0;
	struct dirent *e;
	DIR *d;

	if (sscanf(h, "nvme%un%u", &sub, &ns) != 2)
		die("not a multipath head: %s", head);
	d = opendir("/sys/block");
	if (!d)
		die("opendir /sys/block");
	while ((e = readdir(d)) && n < max) {
		unsigned a, c, b;
		int end = 0;

		if (sscanf(e->d_name, "nvme%uc%un%u%n", &a, &c, &b, &end) == 3 &&
		    !e->d_name[end] && a == sub && b == ns)
			snprintf(names[n++], 32, "%.31s", e->d_name);
	}
	closedir(d);
	return n;
}

/* Reads completed so far on the hidden path disk @name. */
static uint64_t path_reads(const char *name)
{
	char path[96];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/block/%s/stat", name);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%llu", &v) != 1)
		die("read %s", path);
	fclose(f);
	return v;
}

/* The PCI device name of controller @ctrl (/dev/nvmeX) into @out. */
static void ctrl_pci(const char *ctrl, char *out, size_t len)
{
	char link[96], real[PATH_MAX];

	snprintf(link, sizeof(link), "/sys/class/nvme/%s/device", basename((char *)ctrl));
	if (!realpath(link, real))
		die("realpath %s", link);
	snprintf(out, len, "%s", real);
}

static void mp_iopolicy(const char *policy)
{
	write_file(env_dev("DMABUF_VM_MP_SUBSYS"), "iopolicy", policy, 0);
}

/* The controllers of the head's subsystem, from DMABUF_VM_MP_CTRLS: 2 of them. */
static void mp_ctrls(char ctrls[2][32])
{
	const char *v = env_dev("DMABUF_VM_MP_CTRLS");

	if (sscanf(v, "%31s %31s", ctrls[0], ctrls[1]) != 2)
		die("DMABUF_VM_MP_CTRLS '%s': want two controllers", v);
}

/*
 * A token on the multipath head of a namespace shared by two controllers:
 * one token of each path's controller (each its own PCI device and DMA
 * domain), each request on the mapping of the path the selector chose
 * (round-robin here, so both carry I/O), every byte as the head reads it
 * with pages, and no mapping made after registration.
 */
static void mp_io(const char *kind)
{
	const char *head = env_dev("DMABUF_VM_NSMP");
	const size_t len = 8 * MiB;
	char paths[4][32], ctrls[2][32], pci[PATH_MAX];
	uint64_t before[4], after;
	uint8_t *want = aligned(len);
	long tokens = stat_value("tokens"), maps;
	int fd = open_dev(head), ret;
	unsigned np = mp_paths(head, paths, 4);
	struct io_uring ring;
	struct dbuf b;
	struct load l;

	check(np == 2, "%s: the head %s has two paths (%u)", kind, head, np);
	mp_ctrls(ctrls);
	mp_iopolicy("round-robin");
	if (dbuf_new(&b, kind, len))
		die("%s", kind);
	ring_new(&ring, 64, 1);
	check_ret(reg_dmabuf(&ring, 0, b.fd, fd), 0, "%s: token registration for the head %s",
		  kind, head);
	check(stat_value("tokens") == tokens + 3, "%s: three tokens: the head's and one of "
	      "each path's controller (%ld)", kind, stat_value("tokens") - tokens);
	for (unsigned i = 0; i < 2; i++) {
		ctrl_pci(ctrls[i], pci, sizeof(pci));
		check(dmabuf_attached(basename(pci)), "%s: the dma-buf is attached to %s (%s)",
		      kind, basename(pci), ctrls[i]);
	}

	fill(b.cpu, len, 71);
	ret = rw_fixed(&ring, true, fd, 0, 0, len, 0);
	pio(false, fd, want, len, 0);
	check(ret == (int)len && !memcmp(want, b.cpu, len),
	      "%s: an 8 MiB token write through the head is what it reads with pages (%d)",
	      kind, ret);
	fill(want, len, 72);
	pio(true, fd, want, len, 0);
	memset(b.cpu, 0, len);
	maps = stat_value("maps");
	for (unsigned i = 0; i < np; i++)
		before[i] = path_reads(paths[i]);
	l = (struct load){ .ring = &ring, .fd = fd, .slot = 0, .qd = 32, .bs = 16384,
			   .size = len };
	load_reads(&l, 2048);
	check(l.err == 0 && l.ios == 2048, "%s: 2048 token reads of 16 KiB at QD 32 (%d)",
	      kind, l.err);
	check(!memcmp(b.cpu, want, len), "%s: every byte is what the head reads with pages",
	      kind);
	for (unsigned i = 0; i < np; i++) {
		after = path_reads(paths[i]);
		check(after > before[i], "%s: path %s carried %" PRIu64 " of them", kind,
		      paths[i], after - before[i]);
	}
	check(stat_value("maps") == maps, "%s: no mapping made after registration (%ld)", kind,
	      stat_value("maps") - maps);
	mp_iopolicy("numa");
	free(want);
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	close(fd);
	check(wait_tokens(tokens) == tokens, "%s: no token left", kind);
}

void mp_udmabuf(void) { mp_io("udmabuf"); }
void mp_heap(void) { mp_io("heap"); }
void mp_vgem(void) { mp_io("vgem"); }

/* Wait up to 30 s for the head to have @want paths again. */
static unsigned mp_wait_paths(const char *head, unsigned want, char paths[][32])
{
	unsigned n = 0;

	for (int i = 0; i < 300 && (n = mp_paths(head, paths, 4)) != want; i++)
		usleep(100000);
	return n;
}

/*
 * Path loss under token reads: one controller's PCI device is removed
 * while reads at QD 32 run through the head.  The reads go on on the other
 * path, none fails, every byte is right; the removed controller's token is
 * released and the dma-buf detached from it, the other path's stays.  After
 * a PCI rescan the path is back, and the same registration's reads reach it
 * with a token made for it by its first request.
 */
void case_mp_remove(void)
{
	const char *head = env_dev("DMABUF_VM_NSMP");
	const size_t len = 8 * MiB;
	struct sysfs_poke k = { .file = "remove", .delay_us = 200000 };
	char paths[4][32], ctrls[2][32], keep[PATH_MAX];
	uint8_t *want = aligned(len);
	long tokens = stat_value("tokens");
	int fd = open_dev(head), ret;
	uint64_t reads[4];
	struct io_uring ring;
	unsigned np, rounds;
	pthread_t th;
	struct dbuf b;
	struct load l;

	mp_ctrls(ctrls);
	ctrl_pci(ctrls[0], keep, sizeof(keep));
	ctrl_pci(ctrls[1], k.dir, sizeof(k.dir));
	mp_iopolicy("round-robin");
	case_begin(&ring, 64, &b, "udmabuf", fd, want, len, 81);
	check(stat_value("tokens") == tokens + 3, "three tokens (%ld)",
	      stat_value("tokens") - tokens);

	l = (struct load){ .ring = &ring, .fd = fd, .slot = 0, .qd = 32, .bs = 16384,
			   .size = len };
	k.watch = &l.ios;
	pthread_create(&th, NULL, poke_thread, &k);
	/* rounds of reads until the removal has returned, then one more */
	while (!k.done && !l.err)
		load_reads(&l, len / l.bs);
	load_reads(&l, len / l.bs);
	pthread_join(th, NULL);
	check(l.err == 0, "%" PRIu64 " token reads at QD 32 while %s (%s) is removed: none "
	      "fails (%d)", l.ios, basename(k.dir), ctrls[1], l.err);
	check(k.seen_before > 0 && l.ios > k.seen_after, "the removal began with %" PRIu64
	      " reads done and the reads went on after it (%" PRIu64 " more)",
	      k.seen_before, l.ios - k.seen_after);
	check(!memcmp(b.cpu, want, len), "every byte is right");
	np = mp_wait_paths(head, 1, paths);
	check(np == 1, "one path left (%u)", np);
	check(!dmabuf_attached(basename(k.dir)), "the dma-buf is no longer attached to the "
	      "removed %s", basename(k.dir));
	check(dmabuf_attached(basename(keep)), "and still attached to %s", basename(keep));
	check(wait_tokens(tokens + 2) == tokens + 2, "the removed path's token is released: "
	      "the head's and one controller's left (%ld)", stat_value("tokens") - tokens);
	memset(b.cpu, 0, len);
	ret = rw_fixed(&ring, false, fd, 0, 0, 1 * MiB, 0);
	check(ret == (int)MiB && !memcmp(b.cpu, want, MiB),
	      "the registration reads on over the path left (%d)", ret);

	write_file("/sys/bus/pci", "rescan", "1", 0);
	np = mp_wait_paths(head, 2, paths);
	check(np == 2, "after a PCI rescan the head has two paths again (%u)", np);
	/*
	 * The new path takes I/O once it is live (its ANA state read), which
	 * takes a while after the rescan: rounds of 512 reads until both paths
	 * carried some, at most 100.
	 */
	for (unsigned i = 0; i < np; i++)
		reads[i] = path_reads(paths[i]);
	l.ios = 0;
	for (rounds = 1;; rounds++) {
		bool all = true;

		memset(b.cpu, 0, len);
		load_reads(&l, 512);
		for (unsigned i = 0; i < np; i++)
			all &= path_reads(paths[i]) > reads[i];
		if (all || l.err || rounds == 100)
			break;
	}
	check(l.err == 0 && l.ios == 512ull * rounds && !memcmp(b.cpu, want, len),
	      "%" PRIu64 " reads after the rescan (%u rounds of 512), every byte right (%d)",
	      l.ios, rounds, l.err);
	for (unsigned i = 0; i < np; i++)
		check(path_reads(paths[i]) > reads[i], "path %s carried some of them", paths[i]);
	check(stat_value("tokens") == tokens + 3, "the new path's controller has a token "
	      "(%ld)", stat_value("tokens") - tokens);
	mp_iopolicy("numa");
	free(want);
	io_uring_queue_exit(&ring);
	dbuf_free(&b);
	close(fd);
	check(wait_tokens(tokens) == tokens, "no token left");
}
