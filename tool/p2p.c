// SPDX-License-Identifier: MIT
/*
 * Peer-to-peer platform report: see tool/p2p.h.  libpci reads
 * identity, BARs, capabilities and the parent chain; the few facts libpci
 * does not give (an IOMMU group's default domain type, the DRM and NVMe
 * names, CONFIG_PCI_P2PDMA) come from sysfs and procfs.
 */
#include <dirent.h>
#include <errno.h>
#include <pci/pci.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "p2p.h"
#include "util.h"

#define PCI_CLASS_NVME		0x0108	/* mass storage, non-volatile memory */
#define PCI_BASE_DISPLAY	0x03
#define PCI_BASE_ACCEL		0x12	/* processing accelerators */
#define ACS_CAP_OFF		4	/* ACS Capability register */
#define ACS_CTRL_OFF		6	/* ACS Control register */
#define SYS_PCI			"/sys/bus/pci/devices/"

const char *db_pcie_type_name(int type)
{
	switch (type) {
	case DB_PCIE_ENDPOINT:		return "endpoint";
	case DB_PCIE_LEGACY_ENDPOINT:	return "legacy endpoint";
	case DB_PCIE_ROOT_PORT:		return "root port";
	case DB_PCIE_UPSTREAM:		return "switch upstream port";
	case DB_PCIE_DOWNSTREAM:	return "switch downstream port";
	case DB_PCIE_PCI_BRIDGE:	return "PCIe to PCI bridge";
	case DB_PCIE_PCIE_BRIDGE:	return "PCI to PCIe bridge";
	case DB_PCIE_ROOT_INT_EP:	return "root complex integrated endpoint";
	case DB_PCIE_ROOT_EC:		return "root complex event collector";
	}
	return "";
}

const char *db_p2p_verdict_name(enum db_p2p_verdict v)
{
	static const char *const names[] = {
		[DB_P2P_OK] = "ok", [DB_P2P_HOST_BRIDGE] = "host-bridge",
		[DB_P2P_UNSAFE] = "unsafe", [DB_P2P_NO] = "no",
	};

	return (unsigned)v < DB_ARRAY_SIZE(names) ? names[v] : "unknown";
}

const char *db_p2p_through_name(enum db_p2p_through t)
{
	static const char *const names[] = {
		[DB_P2P_THROUGH_SWITCH] = "switch", [DB_P2P_THROUGH_HOST] = "host-bridge",
		[DB_P2P_THROUGH_NONE] = "none",
	};

	return (unsigned)t < DB_ARRAY_SIZE(names) ? names[t] : "unknown";
}

/* --- the platform ------------------------------------------------------------------ */

static void bdf_of(const struct pci_dev *d, char *buf, size_t len)
{
	snprintf(buf, len, "%04x:%02x:%02x.%d", (unsigned)d->domain, d->bus, d->dev, d->func);
}

/* Identity, PCIe port type and ACS of @d. */
static void fill_node(struct pci_dev *d, bool cfg_ok, struct db_pci_node *n)
{
	struct pci_cap *c;

	memset(n, 0, sizeof(*n));
	pci_fill_info(d, PCI_FILL_IDENT | PCI_FILL_CLASS | PCI_FILL_CAPS | PCI_FILL_EXT_CAPS);
	bdf_of(d, n->bdf, sizeof(n->bdf));
	n->vendor = d->vendor_id;
	n->device = d->device_id;
	n->class_id = d->device_class;
	n->pcie_type = -1;
	c = pci_find_cap(d, PCI_CAP_ID_EXP, PCI_CAP_NORMAL);
	if (c)
		n->pcie_type = (pci_read_word(d, c->addr + PCI_EXP_FLAGS) & PCI_EXP_FLAGS_TYPE) >> 4;
	n->acs_known = cfg_ok;
	c = cfg_ok ? pci_find_cap(d, PCI_EXT_CAP_ID_ACS, PCI_CAP_EXTENDED) : NULL;
	if (c) {
		n->acs = true;
		n->acs_cap = pci_read_word(d, c->addr + ACS_CAP_OFF);
		n->acs_ctrl = pci_read_word(d, c->addr + ACS_CTRL_OFF);
	}
}

/* The first entry of a sysfs directory of @bdf ("drm" → "card0"), or "". */
static void first_entry(const char *bdf, const char *sub, const char *prefix, char *out,
			size_t len)
{
	char path[128];
	struct dirent *de;
	DIR *dir;

	out[0] = '\0';
	if (db_snprintf(path, sizeof(path), SYS_PCI "%s/%s", bdf, sub) ||
	    !(dir = opendir(path)))
		return;
	while ((de = readdir(dir)))
		if (!strncmp(de->d_name, prefix, strlen(prefix)) && strlen(de->d_name) < len &&
		    (!out[0] || strverscmp(de->d_name, out) < 0))
			strcpy(out, de->d_name);
	closedir(dir);
}

static void fill_iommu(struct pci_dev *d, struct db_p2p_dev *x)
{
	char *grp = pci_get_string_property(d, PCI_FILL_IOMMU_GROUP);
	char path[96];

	x->iommu_group = -1;
	x->domain_type[0] = '\0';
	if (!grp || !*grp)
		return;
	x->iommu_group = atoi(grp);
	if (!db_snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/type", grp))
		db_read_line(path, x->domain_type, sizeof(x->domain_type));
}

static void fill_bars(struct pci_dev *d, struct db_p2p_dev *x)
{
	for (unsigned i = 0; i < DB_P2P_NR_BARS; i++) {
		pciaddr_t base = d->base_addr[i];

		x->bar_size[i] = d->size[i];
		if (!d->size[i] || (base & PCI_BASE_ADDRESS_SPACE_IO))
			continue;
		x->bar_prefetch[i] = base & PCI_BASE_ADDRESS_MEM_PREFETCH;
		x->bar_64[i] = (base & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64;
	}
}

static void fill_dev(struct pci_access *pa, struct pci_dev *d, enum db_p2p_role role,
		     bool cfg_ok, struct db_p2p_dev *x)
{
	char *drv;

	memset(x, 0, sizeof(*x));
	x->role = role;
	pci_fill_info(d, PCI_FILL_SIZES | PCI_FILL_BASES | PCI_FILL_PARENT | PCI_FILL_DRIVER |
		      PCI_FILL_IOMMU_GROUP);
	fill_node(d, cfg_ok, &x->pci);
	x->domain = d->domain;
	if (!pci_lookup_name(pa, x->name, sizeof(x->name), PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS,
			     d->vendor_id, d->device_id))
		x->name[0] = '\0';
	drv = pci_get_string_property(d, PCI_FILL_DRIVER);
	snprintf(x->driver, sizeof(x->driver), "%s", drv ? drv : "");
	if (role == DB_P2P_GPU)
		first_entry(x->pci.bdf, "drm", "card", x->node, sizeof(x->node));
	else
		first_entry(x->pci.bdf, "nvme", "nvme", x->node, sizeof(x->node));
	fill_iommu(d, x);
	fill_bars(d, x);
	for (struct pci_dev *b = d->parent; b && x->depth < DB_P2P_MAX_DEPTH; b = b->parent) {
		fill_node(b, cfg_ok, &x->up[x->depth++]);
		pci_fill_info(b, PCI_FILL_PARENT);
	}
}

static int role_of(const struct pci_dev *d, enum db_p2p_role *role)
{
	unsigned base = d->device_class >> 8;

	if (d->device_class == PCI_CLASS_NVME) {
		*role = DB_P2P_NVME;
		return 0;
	}
	if (base == PCI_BASE_DISPLAY || base == PCI_BASE_ACCEL) {
		*role = DB_P2P_GPU;
		return 0;
	}
	return -1;
}

/*
 * CONFIG_PCI_P2PDMA: the running kernel's config where the distribution
 * keeps it, else a symbol only that option builds.
 */
static int config_says(const char *path, struct db_p2p_platform *p)
{
	char line[256];
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	p->p2pdma = 0;
	while (fgets(line, sizeof(line), f))
		if (!strcmp(line, "CONFIG_PCI_P2PDMA=y\n"))
			p->p2pdma = 1;
	fclose(f);
	snprintf(p->p2pdma_from, sizeof(p->p2pdma_from), "%s", path);
	return 0;
}

/* @line of /proc/kallsyms names @sym ("ADDR TYPE NAME[\tMODULE]"). */
static bool names(const char *line, const char *sym)
{
	const char *s = strstr(line, sym);
	size_t n = strlen(sym);

	return s && s > line && s[-1] == ' ' && (s[n] == '\n' || s[n] == '\t');
}

/* A symbol only CONFIG_PCI_P2PDMA builds; unknown when the list is hidden. */
static int symbol_says(struct db_p2p_platform *p)
{
	bool any = false, found = false;
	char line[256];
	FILE *f = fopen("/proc/kallsyms", "re");

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f)) {
		any = any || names(line, "_stext");
		found = names(line, "pci_p2pdma_distance_many");
	}
	fclose(f);
	if (!any && !found)
		return -1;
	p->p2pdma = found;
	snprintf(p->p2pdma_from, sizeof(p->p2pdma_from), "/proc/kallsyms");
	return 0;
}

static void find_p2pdma(struct db_p2p_platform *p)
{
	char rel[128] = "", path[160];

	p->p2pdma = -1;
	db_read_line("/proc/sys/kernel/osrelease", rel, sizeof(rel));
	if (!db_snprintf(path, sizeof(path), "/boot/config-%s", rel) && !config_says(path, p))
		return;
	symbol_says(p);
}

/* The IOMMU options of the kernel command line, as given. */
static void find_cmdline(struct db_p2p_platform *p)
{
	char line[4096], *tok, *save = NULL;
	size_t used = 0;

	if (db_read_line("/proc/cmdline", line, sizeof(line)))
		return;
	for (tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (!strstr(tok, "iommu"))
			continue;
		used += (size_t)snprintf(p->cmdline_iommu + used, sizeof(p->cmdline_iommu) - used,
					 "%s%s", used ? " " : "", tok);
		if (used >= sizeof(p->cmdline_iommu))
			break;
	}
}

static unsigned count_entries(const char *dir_path)
{
	struct dirent *de;
	unsigned n = 0;
	DIR *dir = opendir(dir_path);

	while (dir && (de = readdir(dir)))
		n += de->d_name[0] != '.';
	if (dir)
		closedir(dir);
	return n;
}

static int add_dev(struct db_p2p_dev **arr, unsigned *nr, struct db_p2p_dev *x)
{
	struct db_p2p_dev *n = realloc(*arr, (*nr + 1) * sizeof(**arr));

	if (!n)
		return -ENOMEM;
	n[(*nr)++] = *x;
	*arr = n;
	return 0;
}

static void pci_quiet(char *msg, ...)
{
	(void)msg;
}

static int by_bdf(const void *a, const void *b)
{
	return strcmp(((const struct db_p2p_dev *)a)->pci.bdf, ((const struct db_p2p_dev *)b)->pci.bdf);
}

int db_p2p_scan(struct db_p2p_platform *p, struct dmabuf_err *e)
{
	struct pci_access *pa;
	struct pci_dev *d;
	int ret = 0;

	memset(p, 0, sizeof(*p));
	find_p2pdma(p);
	find_cmdline(p);
	p->iommu_units = count_entries("/sys/class/iommu");
	/* beyond the first 64 bytes, config space is root's */
	p->config_readable = geteuid() == 0;
	pa = pci_alloc();
	if (!pa)
		return db_err_set(e, DMABUF_E_IO, -ENOMEM, "pci_alloc", "libpci");
	pa->warning = pci_quiet;
	pci_init(pa);
	pci_scan_bus(pa);
	for (d = pa->devices; d && !ret; d = d->next) {
		struct db_p2p_dev x;
		enum db_p2p_role role;

		pci_fill_info(d, PCI_FILL_IDENT | PCI_FILL_CLASS);
		if (!d->domain && !d->bus && !d->dev && !d->func)
			fill_node(d, p->config_readable, &p->host_bridge);
		if (role_of(d, &role))
			continue;
		fill_dev(pa, d, role, p->config_readable, &x);
		ret = role == DB_P2P_GPU ? add_dev(&p->gpu, &p->nr_gpu, &x) :
					   add_dev(&p->nvme, &p->nr_nvme, &x);
	}
	pci_cleanup(pa);
	if (ret) {
		db_p2p_free(p);
		return db_err_set(e, DMABUF_E_IO, ret, "scan PCI devices", "libpci");
	}
	if (p->gpu)
		qsort(p->gpu, p->nr_gpu, sizeof(*p->gpu), by_bdf);
	if (p->nvme)
		qsort(p->nvme, p->nr_nvme, sizeof(*p->nvme), by_bdf);
	return 0;
}

void db_p2p_free(struct db_p2p_platform *p)
{
	free(p->gpu);
	free(p->nvme);
	p->gpu = p->nvme = NULL;
	p->nr_gpu = p->nr_nvme = 0;
}

/* --- the judgement ------------------------------------------------------------------ */

static void reason(struct db_p2p_path *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void reason(struct db_p2p_path *o, const char *fmt, ...)
{
	size_t used = strlen(o->reason);
	va_list ap;

	if (used >= sizeof(o->reason) - 3)
		return;
	if (used)
		used += (size_t)snprintf(o->reason + used, sizeof(o->reason) - used, "; ");
	va_start(ap, fmt);
	vsnprintf(o->reason + used, sizeof(o->reason) - used, fmt, ap);
	va_end(ap);
}

/* Index of the bridge @bdf above @x, or -1. */
static int up_index(const struct db_p2p_dev *x, const char *bdf)
{
	for (unsigned i = 0; i < x->depth; i++)
		if (!strcmp(x->up[i].bdf, bdf))
			return (int)i;
	return -1;
}

/* The nearest bridge above @a that is also above @b: its index in a->up, or -1. */
static int common_bridge(const struct db_p2p_dev *a, const struct db_p2p_dev *b, int *ib)
{
	for (unsigned i = 0; i < a->depth; i++) {
		int j = up_index(b, a->up[i].bdf);

		if (j >= 0) {
			*ib = j;
			return (int)i;
		}
	}
	return -1;
}

/* Ports below the turn (or all, when it turns at the root complex) that redirect. */
static void check_acs(const struct db_p2p_dev *x, int below, struct db_p2p_path *o)
{
	for (int i = 0; i < below; i++) {
		const struct db_pci_node *n = &x->up[i];

		if (!n->acs_known)
			o->acs_unknown = true;
		else if (n->acs && (n->acs_ctrl & DB_ACS_REDIRECT) && !o->redirect[0])
			snprintf(o->redirect, sizeof(o->redirect), "%s", n->bdf);
	}
}

/* The hops from the GPU up to the turn and down to the NVMe controller. */
static void lay_hops(const struct db_p2p_dev *g, int ig, const struct db_p2p_dev *n, int in,
		     struct db_p2p_path *o)
{
	int i;

	o->hops[o->nr_hops++] = &g->pci;
	for (i = 0; i < ig; i++)
		o->hops[o->nr_hops++] = &g->up[i];
	if (ig < (int)g->depth && in >= 0)
		o->hops[o->nr_hops++] = &g->up[ig];	/* the turn */
	for (i = in - 1; i >= 0; i--)
		o->hops[o->nr_hops++] = &n->up[i];
	o->hops[o->nr_hops++] = &n->pci;
}

static bool translating(const char *type)
{
	return !strcmp(type, "DMA") || !strcmp(type, "DMA-FQ");
}

static void judge_host(const struct db_p2p_platform *p, struct db_p2p_path *o)
{
	const struct db_pci_node *hb = &p->host_bridge;

	if (o->iommu_translates) {
		o->verdict = DB_P2P_UNSAFE;
		reason(o, "peer requests cross the root complex, where the NVMe controller's "
			  "translating IOMMU domain sees them: a dma-buf exporter that hands out "
			  "raw bus addresses has every peer write dropped without an error (the "
			  "transfer completes, nothing arrives); only an exporter that maps the "
			  "peer memory for the importer through the IOMMU works; check with "
			  "dmabuf verify, which reports such blocks undelivered");
		return;
	}
	o->verdict = DB_P2P_HOST_BRIDGE;
	if (hb->bdf[0])
		reason(o, "through the root complex: the kernel allows P2PDMA there only for host "
			  "bridges it knows (AMD Zen and later, some Intel Xeon); this one is "
			  "%04x:%04x", hb->vendor, hb->device);
	else
		reason(o, "through the root complex: the kernel allows P2PDMA there only for host "
			  "bridges it knows");
}

void db_p2p_judge(const struct db_p2p_platform *p, const struct db_p2p_dev *gpu,
		  const struct db_p2p_dev *nvme, struct db_p2p_path *o)
{
	int ig, in = -1;

	memset(o, 0, sizeof(*o));
	o->iommu_translates = translating(nvme->domain_type);
	o->same_group = gpu->iommu_group >= 0 && gpu->iommu_group == nvme->iommu_group;
	if (gpu->domain != nvme->domain) {
		o->through = DB_P2P_THROUGH_NONE;
		o->verdict = DB_P2P_NO;
		reason(o, "different PCI domains (%04x, %04x): no path between them",
		       (unsigned)gpu->domain, (unsigned)nvme->domain);
		return;
	}
	ig = common_bridge(gpu, nvme, &in);
	lay_hops(gpu, ig < 0 ? (int)gpu->depth : ig, nvme, ig < 0 ? (int)nvme->depth : in, o);
	if (ig >= 0) {
		o->through = DB_P2P_THROUGH_SWITCH;
		snprintf(o->turn, sizeof(o->turn), "%s", gpu->up[ig].bdf);
		o->distance = (unsigned)(ig + 1 + in + 1);
		check_acs(gpu, ig, o);
		check_acs(nvme, in, o);
	} else {
		o->through = DB_P2P_THROUGH_HOST;
		o->distance = gpu->depth + nvme->depth + 2;
		check_acs(gpu, (int)gpu->depth, o);
		check_acs(nvme, (int)nvme->depth, o);
	}

	if (p->p2pdma == 0) {
		o->verdict = DB_P2P_NO;
		reason(o, "the kernel has no CONFIG_PCI_P2PDMA (%s)", p->p2pdma_from);
		return;
	}
	if (o->through == DB_P2P_THROUGH_SWITCH && !o->redirect[0]) {
		o->verdict = DB_P2P_OK;
		reason(o, "peer requests turn at %s without reaching the root complex%s",
		       o->turn, o->iommu_translates ? ", so the IOMMU does not translate them: "
		       "bus addresses are right" : "");
		if (o->same_group)
			reason(o, "both are in IOMMU group %d: nothing isolates them from each "
				  "other", gpu->iommu_group);
		if (o->acs_unknown)
			reason(o, "the ACS settings of the ports could not be read (run as root): "
				  "a redirect would send them up");
	} else {
		if (o->redirect[0])
			reason(o, "ACS on %s redirects peer requests up to the root complex",
			       o->redirect);
		judge_host(p, o);
	}
	if (p->p2pdma < 0)
		reason(o, "whether the kernel has CONFIG_PCI_P2PDMA is unknown");
}
