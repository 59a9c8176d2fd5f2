// SPDX-License-Identifier: MIT
/*
 * dmabuf check: what this machine supports.  Kernel, io_uring opcodes and
 * features, the dmabuf token uAPI, memory sources, NVMe namespaces, DRM
 * devices and the IOMMU.  With TARGETs, whether each takes dmabuf tokens.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <xf86drm.h>

#include "builtin.h"
#include "dmabuf/mem.h"
#include "dmabuf/ring.h"
#include "dmabuf/target.h"
#include "dmabuf/util.h"

struct check_args {
	char **targets;
	int nr_targets;
};

static error_t check_parse(int key, char *arg, struct argp_state *state)
{
	struct check_args *a = state->input;

	(void)arg;
	switch (key) {
	case ARGP_KEY_ARGS:
		a->targets = state->argv + state->next;
		a->nr_targets = state->argc - state->next;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp check_argp = {
	NULL, check_parse, "[TARGET...]",
	"Report what this machine supports: kernel, io_uring, dmabuf tokens, memory sources, "
	"NVMe namespaces, DRM devices, IOMMU.  With TARGETs, probe dmabuf token registration "
	"on each.",
	NULL, NULL, NULL
};

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	int ret = -1;

	if (!f)
		return -1;
	if (fgets(buf, (int)len, f)) {
		buf[strcspn(buf, "\n")] = '\0';
		ret = 0;
	}
	fclose(f);
	return ret;
}

static struct json_object *kernel_obj(void)
{
	struct json_object *o = json_object_new_object();
	struct utsname u;
	char buf[64];

	if (!uname(&u)) {
		db_jadd_str(o, "release", u.release);
		db_jadd_str(o, "machine", u.machine);
	}
	if (!read_line("/proc/sys/kernel/io_uring_disabled", buf, sizeof(buf)))
		db_jadd_str(o, "io_uring_disabled", buf);
	return o;
}

static const struct { unsigned op; const char *name; } uring_ops[] = {
	{ IORING_OP_READ_FIXED, "READ_FIXED" },
	{ IORING_OP_WRITE_FIXED, "WRITE_FIXED" },
	{ IORING_OP_URING_CMD, "URING_CMD" },
};

static const struct { unsigned bit; const char *name; } uring_feats[] = {
	{ IORING_FEAT_NODROP, "NODROP" },
	{ IORING_FEAT_SUBMIT_STABLE, "SUBMIT_STABLE" },
	{ IORING_FEAT_FAST_POLL, "FAST_POLL" },
	{ IORING_FEAT_EXT_ARG, "EXT_ARG" },
	{ IORING_FEAT_NATIVE_WORKERS, "NATIVE_WORKERS" },
	{ IORING_FEAT_RSRC_TAGS, "RSRC_TAGS" },
	{ IORING_FEAT_CQE_SKIP, "CQE_SKIP" },
	{ IORING_FEAT_LINKED_FILE, "LINKED_FILE" },
};

static struct json_object *uring_obj(void)
{
	struct json_object *o = json_object_new_object(), *ops, *feats;
	struct io_uring_params p = { 0 };
	struct io_uring_probe *probe;
	struct io_uring ring;
	int ret;

	ret = io_uring_queue_init_params(4, &ring, &p);
	db_jadd_bool(o, "available", ret == 0);
	if (ret) {
		db_jadd_str(o, "error", strerror(-ret));
		return o;
	}
	ops = json_object_new_object();
	probe = io_uring_get_probe_ring(&ring);
	for (size_t i = 0; i < DB_ARRAY_SIZE(uring_ops); i++)
		db_jadd_bool(ops, uring_ops[i].name,
			     probe && io_uring_opcode_supported(probe, (int)uring_ops[i].op));
	io_uring_free_probe(probe);
	json_object_object_add(o, "ops", ops);
	feats = json_object_new_array();
	for (size_t i = 0; i < DB_ARRAY_SIZE(uring_feats); i++)
		if (p.features & uring_feats[i].bit)
			json_object_array_add(feats, json_object_new_string(uring_feats[i].name));
	json_object_object_add(o, "features", feats);
	io_uring_queue_exit(&ring);
	/* NVMe passthrough needs big SQEs/CQEs (5.19+) */
	ret = io_uring_queue_init(2, &ring, IORING_SETUP_SQE128 | IORING_SETUP_CQE32);
	db_jadd_bool(o, "sqe128_cqe32", ret == 0);
	if (!ret)
		io_uring_queue_exit(&ring);
	return o;
}

static struct json_object *token_obj(enum db_token_support s, const struct db_err *e)
{
	struct json_object *o = json_object_new_object();
	char buf[1200];

	db_jadd_str(o, "support", db_token_support_str(s));
	db_jadd_bool(o, "uapi", s != DB_TOKEN_NO_UAPI && s != DB_TOKEN_ERROR);
	if (e->err)
		db_jadd_str(o, "detail", db_err_str(e, buf, sizeof(buf)));
	return o;
}

static void add_source(struct json_object *arr, enum db_mem_kind kind, const char *name,
		       const char *path)
{
	struct json_object *o = json_object_new_object();
	struct db_err e = { 0 };
	char buf[1200];
	int ret = db_mem_probe(kind, path, &e);

	db_jadd_str(o, "source", name);
	db_jadd_bool(o, "available", ret == 0);
	db_jadd_str(o, "detail", ret ? db_err_str(&e, buf, sizeof(buf)) : e.detail);
	json_object_array_add(arr, o);
}

static struct json_object *memory_arr(void)
{
	struct json_object *arr = json_object_new_array();
	struct dirent *d;
	DIR *dir;

	add_source(arr, DB_MEM_MEMFD, "memfd", NULL);
	add_source(arr, DB_MEM_HUGETLB, "hugetlb", NULL);
	add_source(arr, DB_MEM_UDMABUF, "udmabuf", NULL);
	dir = opendir("/dev/dma_heap");
	if (!dir) {
		add_source(arr, DB_MEM_HEAP, "heap", "/dev/dma_heap/system");
	} else {
		while ((d = readdir(dir))) {
			char name[300], path[300];

			if (d->d_name[0] == '.')
				continue;
			snprintf(name, sizeof(name), "heap:%s", d->d_name);
			snprintf(path, sizeof(path), "/dev/dma_heap/%s", d->d_name);
			add_source(arr, DB_MEM_HEAP, name, path);
		}
		closedir(dir);
	}
	add_source(arr, DB_MEM_DRM, "drm", NULL);
	add_source(arr, DB_MEM_MOVER, "mover", NULL);
	return arr;
}

static void add_ns(const struct db_nvme_ns_info *ns, void *arg)
{
	struct json_object *o = json_object_new_object();

	db_jadd_str(o, "device", ns->blkdev);
	db_jadd_str(o, "generic", ns->chardev);
	db_jadd_str(o, "controller", ns->ctrl);
	db_jadd_str(o, "model", ns->model);
	db_jadd_u64(o, "nsid", ns->nsid);
	db_jadd_u64(o, "lba_size", ns->lba_size);
	db_jadd_u64(o, "metadata_size", ns->ms);
	db_jadd_u64(o, "blocks", ns->nlba);
	if (ns->max_xfer)
		db_jadd_u64(o, "max_transfer", ns->max_xfer);
	json_object_array_add(arg, o);
}

static int by_device(const void *a, const void *b)
{
	const char *da = json_object_get_string(json_object_object_get(*(struct json_object *const *)a, "device"));
	const char *dbv = json_object_get_string(json_object_object_get(*(struct json_object *const *)b, "device"));

	return strverscmp(da ? da : "", dbv ? dbv : "");
}

static struct json_object *drm_arr(void)
{
	struct json_object *arr = json_object_new_array();
	drmDevicePtr devs[16];
	int n = drmGetDevices2(0, devs, 16);

	for (int i = 0; i < n; i++) {
		struct json_object *o;
		drmVersionPtr v;
		int fd;

		if (!(devs[i]->available_nodes & (1 << DRM_NODE_RENDER)))
			continue;
		o = json_object_new_object();
		db_jadd_str(o, "node", devs[i]->nodes[DRM_NODE_RENDER]);
		fd = open(devs[i]->nodes[DRM_NODE_RENDER], O_RDWR | O_CLOEXEC);
		v = fd >= 0 ? drmGetVersion(fd) : NULL;
		if (v) {
			db_jadd_str(o, "driver", v->name);
			drmFreeVersion(v);
		}
		if (fd >= 0)
			close(fd);
		json_object_array_add(arr, o);
	}
	if (n > 0)
		drmFreeDevices(devs, n);
	return arr;
}

static struct json_object *iommu_obj(void)
{
	struct json_object *o = json_object_new_object();
	unsigned groups = 0, units = 0;
	struct dirent *d;
	char type[64];
	DIR *dir;

	if ((dir = opendir("/sys/class/iommu"))) {
		while ((d = readdir(dir)))
			units += d->d_name[0] != '.';
		closedir(dir);
	}
	if ((dir = opendir("/sys/kernel/iommu_groups"))) {
		while ((d = readdir(dir)))
			groups += d->d_name[0] != '.';
		closedir(dir);
	}
	db_jadd_u64(o, "units", units);
	db_jadd_u64(o, "groups", groups);
	/* the domain type of the first NVMe controller: DMA, DMA-FQ or identity */
	if (!read_line("/sys/class/nvme/nvme0/device/iommu_group/type", type, sizeof(type)))
		db_jadd_str(o, "nvme0_domain", type);
	return o;
}

/* A small dma-buf from the first source that works, to probe targets with. */
static struct db_mem *probe_dmabuf(void)
{
	static const char *const srcs[] = { "udmabuf", "heap", "drm" };

	for (size_t i = 0; i < DB_ARRAY_SIZE(srcs); i++) {
		struct db_mem_spec spec;
		struct db_mem *m;

		if (db_mem_parse(srcs[i], &spec, NULL) == 0 &&
		    db_mem_open(&spec, 1 << 16, NULL, &m, NULL) == 0)
			return m;
	}
	return NULL;
}

static int targets_arr(struct check_args *a, struct json_object *doc)
{
	struct json_object *arr = json_object_new_array();
	struct db_mem *m = probe_dmabuf();
	int ret = EXIT_OK;

	for (int i = 0; i < a->nr_targets; i++) {
		struct db_err e = { 0 };
		struct db_target t = { .fd = -1 };
		struct json_object *o;
		enum db_token_support s;

		if (db_target_open(a->targets[i], false, &t, &e)) {
			ret = fail(&e);
			continue;
		}
		o = json_object_new_object();
		db_jadd_str(o, "path", t.path);
		db_jadd_str(o, "kind", db_target_kind_name(t.kind));
		db_jadd_u64(o, "lba_size", t.lba_size);
		s = db_token_probe(t.fd, m ? m->dmabuf_fd : -1, &e);
		json_object_object_add(o, "token", token_obj(s, &e));
		json_object_array_add(arr, o);
		db_target_close(&t);
	}
	db_mem_close(m);
	json_object_object_add(doc, "targets", arr);
	return ret;
}

int cmd_check(int argc, char **argv)
{
	struct check_args a = { 0 };
	struct json_object *doc, *nvme;
	struct db_err e = { 0 };
	enum db_token_support s;
	int ret = EXIT_OK;

	argp_parse(&check_argp, argc, argv, 0, NULL, &a);
	doc = db_report_new("check");
	json_object_object_add(doc, "kernel", kernel_obj());
	json_object_object_add(doc, "io_uring", uring_obj());
	s = db_token_probe(-1, -1, &e);
	json_object_object_add(doc, "dmabuf_token", token_obj(s, &e));
	json_object_object_add(doc, "memory", memory_arr());
	nvme = json_object_new_array();
	memset(&e, 0, sizeof(e));
	if (db_nvme_scan(add_ns, nvme, &e) < 0)
		note("NVMe scan: %s", e.obj);
	json_object_array_sort(nvme, by_device);
	json_object_object_add(doc, "nvme", nvme);
	json_object_object_add(doc, "drm", drm_arr());
	json_object_object_add(doc, "iommu", iommu_obj());
	if (a.nr_targets)
		ret = targets_arr(&a, doc);
	db_report_print(doc, g.json, stdout);
	json_object_put(doc);
	return ret;
}
