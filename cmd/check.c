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
#include <unistd.h>

#include "builtin.h"
#include "dmabuf/dmabuf.h"
#include "nvme.h"
#include "p2p.h"
#include "token-debug.h"
#include "probe.h"
#include "ring.h"
#include "target.h"
#include "util.h"

struct check_args {
	char **targets;
	int nr_targets;
	bool p2p;
};

enum { OPT_P2P = 0x200 };

static const struct argp_option check_options[] = {
	{ "p2p", OPT_P2P, NULL, 0, "add the peer-to-peer report: for each GPU and NVMe "
	  "controller, IOMMU groups and domains, the PCI path between them with the ACS "
	  "settings of its ports, and a verdict", 0 },
	{ 0 }
};

static error_t check_parse(int key, char *arg, struct argp_state *state)
{
	struct check_args *a = state->input;

	(void)arg;
	switch (key) {
	case OPT_P2P:
		a->p2p = true;
		break;
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
	check_options, check_parse, "[TARGET...]",
	"Report what this machine supports: kernel, io_uring, dmabuf tokens, memory sources, "
	"NVMe namespaces, DRM devices, IOMMU.  With TARGETs, probe dmabuf token registration "
	"on each.",
	global_children, NULL, NULL
};

static struct json_object *kernel_obj(void)
{
	struct json_object *o = json_object_new_object();
	struct db_probe_kernel k;

	db_probe_kernel(&k);
	if (k.release[0]) {
		db_jadd_str(o, "release", k.release);
		db_jadd_str(o, "machine", k.machine);
	}
	if (k.io_uring_disabled[0])
		db_jadd_str(o, "io_uring_disabled", k.io_uring_disabled);
	return o;
}

static struct json_object *uring_obj(void)
{
	struct json_object *o = json_object_new_object(), *ops, *feats;
	struct db_probe_uring u;
	const char *name;
	unsigned bit;

	db_probe_uring(&u);
	db_jadd_bool(o, "available", u.err == 0);
	if (u.err) {
		db_jadd_str(o, "error", strerror(-u.err));
		return o;
	}
	ops = json_object_new_object();
	for (unsigned i = 0; i < DB_NR_OPS; i++)
		db_jadd_bool(ops, db_uring_op_name(i), u.ops[i]);
	json_object_object_add(o, "ops", ops);
	feats = json_object_new_array();
	for (unsigned i = 0; (name = db_uring_feature_name(i, &bit)); i++)
		if (u.features & bit)
			json_object_array_add(feats, json_object_new_string(name));
	json_object_object_add(o, "features", feats);
	/* NVMe passthrough needs big SQEs/CQEs (5.19+) */
	db_jadd_bool(o, "sqe128_cqe32", u.sqe128_cqe32);
	return o;
}

/* The kernel answered the token uAPI: every answer but "unknown" and a failed probe. */
static bool has_uapi(enum dmabuf_token_support s)
{
	return s != DMABUF_TOKEN_NO_UAPI && s != DMABUF_TOKEN_ERROR;
}

static struct json_object *token_obj(enum dmabuf_token_support s, const struct dmabuf_err *e)
{
	struct json_object *o = json_object_new_object();
	char buf[DMABUF_ERR_STR_MAX];

	db_jadd_str(o, "support", dmabuf_token_support_str(s));
	db_jadd_bool(o, "uapi", has_uapi(s));
	if (e->err)
		db_jadd_str(o, "detail", dmabuf_err_str(e, buf, sizeof(buf)));
	return o;
}

static void add_source(struct json_object *arr, const char *name)
{
	struct json_object *o = json_object_new_object();
	struct dmabuf_err e = { 0 };
	char buf[DMABUF_ERR_STR_MAX];
	int ret = dmabuf_mem_probe(name, &e);

	db_jadd_str(o, "source", name);
	db_jadd_bool(o, "available", ret == 0);
	db_jadd_str(o, "detail", ret ? dmabuf_err_str(&e, buf, sizeof(buf)) : e.detail);
	json_object_array_add(arr, o);
}

static struct json_object *memory_arr(void)
{
	struct json_object *arr = json_object_new_array();
	struct dirent *d;
	DIR *dir;

	add_source(arr, "memfd");
	add_source(arr, "hugetlb");
	add_source(arr, "udmabuf");
	dir = opendir("/dev/dma_heap");
	if (!dir) {
		add_source(arr, "heap");
	} else {
		while ((d = readdir(dir))) {
			char name[300];

			if (d->d_name[0] == '.')
				continue;
			snprintf(name, sizeof(name), "heap:%s", d->d_name);
			add_source(arr, name);
		}
		closedir(dir);
	}
	add_source(arr, "drm");
	add_source(arr, "mover");
	add_source(arr, "cuda");
	add_source(arr, "hip");
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
	struct db_drm_node nodes[16];
	int n = db_drm_render_nodes(nodes, DB_ARRAY_SIZE(nodes));

	for (int i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();

		db_jadd_str(o, "node", nodes[i].path);
		if (nodes[i].driver[0])
			db_jadd_str(o, "driver", nodes[i].driver);
		json_object_array_add(arr, o);
	}
	return arr;
}

static struct json_object *iommu_obj(void)
{
	struct json_object *o = json_object_new_object();
	struct db_probe_iommu m;

	db_probe_iommu(&m);
	db_jadd_u64(o, "units", m.units);
	db_jadd_u64(o, "groups", m.groups);
	/* the domain type of the first NVMe controller: DMA, DMA-FQ or identity */
	if (m.nvme0_domain[0])
		db_jadd_str(o, "nvme0_domain", m.nvme0_domain);
	return o;
}

/* A small dma-buf from the first source that works, to probe targets with. */
static struct dmabuf_mem *probe_dmabuf(void)
{
	static const char *const srcs[] = { "udmabuf", "heap", "drm" };

	for (size_t i = 0; i < DB_ARRAY_SIZE(srcs); i++) {
		struct dmabuf_mem *m;

		if (dmabuf_mem_open(srcs[i], 1 << 16, NULL, &m, NULL) == 0)
			return m;
	}
	return NULL;
}

static int targets_arr(struct check_args *a, struct json_object *doc)
{
	struct json_object *arr = json_object_new_array();
	struct dmabuf_mem *m = probe_dmabuf();
	int ret = EXIT_OK;

	for (int i = 0; i < a->nr_targets; i++) {
		struct dmabuf_err e = { 0 };
		struct db_target t = { .fd = -1 };
		struct json_object *o;
		enum dmabuf_token_support s;

		if (db_target_open(a->targets[i], false, &t, &e)) {
			ret = fail(&e);
			continue;
		}
		o = json_object_new_object();
		db_jadd_str(o, "path", t.path);
		db_jadd_str(o, "kind", db_target_kind_name(t.kind));
		db_jadd_u64(o, "lba_size", t.lba_size);
		if (t.kind == DB_TGT_FILE)
			json_object_object_add(o, "filesystem", db_report_fs(&t.fs));
		s = dmabuf_token_probe(t.fd, m ? dmabuf_mem_fd(m) : -1, &e);
		json_object_object_add(o, "token", token_obj(s, &e));
		json_object_array_add(arr, o);
		db_target_close(&t);
	}
	dmabuf_mem_close(m);
	json_object_object_add(doc, "targets", arr);
	return ret;
}

/*
 * What a token registration on /dev/ngXnY answers: whether this kernel's
 * tokens serve NVMe passthrough (this port's; the upstream series refuses
 * the char device).  Probed on the first namespace's char device with a
 * small dma-buf; NULL (unknown) without either.
 */
static struct json_object *passthrough_obj(struct json_object *nvme, const char **dev)
{
	struct json_object *ns = json_object_array_length(nvme) ?
				 json_object_array_get_idx(nvme, 0) : NULL;
	struct json_object *gen = NULL;
	struct db_target t = { .fd = -1 };
	struct dmabuf_err e = { 0 };
	enum dmabuf_token_support s;
	struct dmabuf_mem *m;

	if (!ns || !json_object_object_get_ex(ns, "generic", &gen) ||
	    db_target_open(json_object_get_string(gen), false, &t, &e))
		return NULL;
	*dev = json_object_get_string(gen);
	m = probe_dmabuf();
	s = m ? dmabuf_token_probe(t.fd, dmabuf_mem_fd(m), &e) : DMABUF_TOKEN_UNTESTED;
	dmabuf_mem_close(m);
	db_target_close(&t);
	if (s == DMABUF_TOKEN_OK || s == DMABUF_TOKEN_NO_TARGET)
		return json_object_new_boolean(s == DMABUF_TOKEN_OK);
	return NULL;
}

/*
 * Beyond "supported": which interface the kernel answered on, whether it
 * has this port's test trigger (kernel-patches/ 0013: debugfs invalidate
 * and stats), whether passthrough char devices take tokens, and the size
 * limit, which is not probed (it takes a dma-buf of that size): the
 * registration reports the kernel's answer.
 */
static void token_facts(struct json_object *o, bool uapi, struct json_object *nvme)
{
	struct db_token_stats st;
	const char *dev = NULL;
	struct json_object *pt;

	if (!uapi)
		return;
	db_jadd_str(o, "interface", "IORING_REGISTER_BUFFERS_UPDATE with IORING_RSRC_UPDATE_EXTENDED, "
		    "io_uring_regbuf_desc of type DMABUF (2)");
	db_jadd_bool(o, "trigger", db_token_stats(&st, NULL) == 0);
	pt = passthrough_obj(nvme, &dev);
	json_object_object_add(o, "passthrough", pt);
	if (dev)
		db_jadd_str(o, "passthrough_probed_on", dev);
	db_jadd_str(o, "size_limit", "not probed (it takes a dma-buf that large); "
		    "a registration reports the kernel's answer");
}

/* --- --p2p ------------------------------------------------------------------------ */

static struct json_object *pci_node_obj(const struct db_pci_node *n)
{
	struct json_object *o = json_object_new_object();
	char id[16];

	db_jadd_str(o, "bdf", n->bdf);
	snprintf(id, sizeof(id), "%04x:%04x", n->vendor, n->device);
	db_jadd_str(o, "id", id);
	if (n->pcie_type >= 0)
		db_jadd_str(o, "type", db_pcie_type_name(n->pcie_type));
	if (!n->acs_known) {
		db_jadd_str(o, "acs", "unknown");
	} else if (n->acs) {
		struct json_object *acs = json_object_new_object();
		static const struct { uint16_t bit; const char *name; } bits[] = {
			{ DB_ACS_SV, "source_validation" }, { DB_ACS_TB, "translation_blocking" },
			{ DB_ACS_RR, "request_redirect" }, { DB_ACS_CR, "completion_redirect" },
			{ DB_ACS_UF, "upstream_forwarding" }, { DB_ACS_EC, "egress_control" },
			{ DB_ACS_DT, "direct_translated" },
		};

		for (size_t i = 0; i < DB_ARRAY_SIZE(bits); i++)
			db_jadd_bool(acs, bits[i].name, n->acs_ctrl & bits[i].bit);
		json_object_object_add(o, "acs", acs);
	} else {
		db_jadd_str(o, "acs", "none");
	}
	return o;
}

static struct json_object *p2p_dev_obj(const struct db_p2p_dev *x)
{
	struct json_object *o = pci_node_obj(&x->pci), *bars = json_object_new_array();
	struct json_object *up = json_object_new_array();

	db_jadd_str(o, "name", x->name);
	db_jadd_str(o, "driver", x->driver);
	db_jadd_str(o, x->role == DB_P2P_GPU ? "drm" : "controller", x->node);
	if (x->iommu_group >= 0) {
		db_jadd_int(o, "iommu_group", x->iommu_group);
		db_jadd_str(o, "iommu_domain", x->domain_type);
	}
	for (unsigned i = 0; i < DB_P2P_NR_BARS; i++) {
		struct json_object *b;

		if (!x->bar_size[i])
			continue;
		b = json_object_new_object();
		db_jadd_u64(b, "index", i);
		db_jadd_u64(b, "size", x->bar_size[i]);
		db_jadd_bool(b, "prefetchable", x->bar_prefetch[i]);
		db_jadd_bool(b, "64bit", x->bar_64[i]);
		json_object_array_add(bars, b);
	}
	json_object_object_add(o, "bars", bars);
	for (unsigned i = 0; i < x->depth; i++)
		json_object_array_add(up, pci_node_obj(&x->up[i]));
	json_object_object_add(o, "upstream", up);
	return o;
}

static struct json_object *p2p_pair_obj(const struct db_p2p_platform *p,
					const struct db_p2p_dev *gpu, const struct db_p2p_dev *nvme)
{
	struct json_object *o = json_object_new_object(), *hops = json_object_new_array();
	struct db_p2p_path path;

	db_p2p_judge(p, gpu, nvme, &path);
	db_jadd_str(o, "gpu", gpu->pci.bdf);
	db_jadd_str(o, "nvme", nvme->pci.bdf);
	db_jadd_str(o, "through", db_p2p_through_name(path.through));
	/* null rather than absent, so that every pair has the same members */
	json_object_object_add(o, "turn", path.turn[0] ?
			       json_object_new_string(path.turn) : NULL);
	db_jadd_u64(o, "distance", path.distance);
	json_object_object_add(o, "acs_redirect", path.redirect[0] ?
			       json_object_new_string(path.redirect) : NULL);
	db_jadd_bool(o, "iommu_translates", path.iommu_translates);
	db_jadd_bool(o, "same_iommu_group", path.same_group);
	for (unsigned i = 0; i < path.nr_hops; i++)
		json_object_array_add(hops, json_object_new_string(path.hops[i]->bdf));
	json_object_object_add(o, "path", hops);
	db_jadd_str(o, "verdict", db_p2p_verdict_name(path.verdict));
	db_jadd_str(o, "reason", path.reason);
	return o;
}

static int p2p_report(struct json_object *doc)
{
	struct json_object *o, *k, *arr;
	struct db_p2p_platform p;
	struct dmabuf_err e = { 0 };

	if (db_p2p_scan(&p, &e))
		return fail(&e);
	o = json_object_new_object();
	k = json_object_new_object();
	if (p.p2pdma >= 0)
		db_jadd_bool(k, "p2pdma", p.p2pdma);
	else
		db_jadd_str(k, "p2pdma", "unknown");
	db_jadd_str(k, "p2pdma_from", p.p2pdma_from);
	db_jadd_u64(k, "iommu_units", p.iommu_units);
	db_jadd_str(k, "iommu_cmdline", p.cmdline_iommu);
	db_jadd_bool(k, "config_space", p.config_readable);
	json_object_object_add(o, "kernel", k);
	if (p.host_bridge.bdf[0])
		json_object_object_add(o, "host_bridge", pci_node_obj(&p.host_bridge));
	arr = json_object_new_array();
	for (unsigned i = 0; i < p.nr_gpu; i++)
		json_object_array_add(arr, p2p_dev_obj(&p.gpu[i]));
	json_object_object_add(o, "gpus", arr);
	arr = json_object_new_array();
	for (unsigned i = 0; i < p.nr_nvme; i++)
		json_object_array_add(arr, p2p_dev_obj(&p.nvme[i]));
	json_object_object_add(o, "nvme", arr);
	arr = json_object_new_array();
	for (unsigned i = 0; i < p.nr_gpu; i++)
		for (unsigned j = 0; j < p.nr_nvme; j++)
			json_object_array_add(arr, p2p_pair_obj(&p, &p.gpu[i], &p.nvme[j]));
	json_object_object_add(o, "pairs", arr);
	if (!p.config_readable)
		note("p2p: not root: ACS settings unknown (config space past 64 bytes is root's)");
	json_object_object_add(doc, "p2p", o);
	db_p2p_free(&p);
	return EXIT_OK;
}

int cmd_check(int argc, char **argv)
{
	struct check_args a = { 0 };
	struct json_object *doc, *nvme, *token;
	struct dmabuf_err e = { 0 };
	enum dmabuf_token_support s;
	int ret = EXIT_OK;

	argp_parse(&check_argp, argc, argv, 0, NULL, &a);
	doc = db_report_new("check");
	json_object_object_add(doc, "kernel", kernel_obj());
	json_object_object_add(doc, "io_uring", uring_obj());
	s = dmabuf_token_probe(-1, -1, &e);
	token = token_obj(s, &e);
	json_object_object_add(doc, "dmabuf_token", token);
	json_object_object_add(doc, "memory", memory_arr());
	nvme = json_object_new_array();
	memset(&e, 0, sizeof(e));
	if (db_nvme_scan(add_ns, nvme, &e) < 0)
		note("NVMe scan: %s", e.obj);
	json_object_array_sort(nvme, by_device);
	token_facts(token, has_uapi(s), nvme);
	json_object_object_add(doc, "nvme", nvme);
	json_object_object_add(doc, "drm", drm_arr());
	json_object_object_add(doc, "iommu", iommu_obj());
	if (a.nr_targets)
		ret = targets_arr(&a, doc);
	if (a.p2p && !ret)
		ret = p2p_report(doc);
	db_report_print(doc, g.json, stdout);
	json_object_put(doc);
	return ret;
}
