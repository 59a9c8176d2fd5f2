// SPDX-License-Identifier: MIT
/*
 * NVMe facts the tool needs in more than one place: status names for
 * reports, identify strings, and the scan of this machine's namespaces
 * (libnvme).  The read/write command is the library's (lib/io.c).  See
 * lib/nvme.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* libnvme carries the kernel's nvme_ioctl.h definitions (struct nvme_uring_cmd) */
#include <libnvme.h>

#include "nvme.h"
#include "util.h"

/* --- commands and status ---------------------------------------------------- */

struct nvme_status_name {
	uint16_t status;
	const char *str;
};

static const struct nvme_status_name nvme_status_names[] = {
	/* SCT 0: generic command status */
	{ 0x000, "Success" },
	{ 0x001, "Invalid Command Opcode" },
	{ 0x002, "Invalid Field in Command" },
	{ 0x003, "Command ID Conflict" },
	{ 0x004, "Data Transfer Error" },
	{ 0x005, "Commands Aborted due to Power Loss Notification" },
	{ 0x006, "Internal Error" },
	{ 0x007, "Command Abort Requested" },
	{ 0x008, "Command Aborted due to SQ Deletion" },
	{ 0x00b, "Invalid Namespace or Format" },
	{ 0x00c, "Command Sequence Error" },
	{ 0x00d, "Invalid SGL Segment Descriptor" },
	{ 0x00f, "Data SGL Length Invalid" },
	{ 0x015, "Invalid Use of Controller Memory Buffer" },
	{ 0x020, "Namespace is Write Protected" },
	{ 0x021, "Command Interrupted" },
	{ 0x022, "Transient Transport Error" },
	{ 0x080, "LBA Out of Range" },
	{ 0x081, "Capacity Exceeded" },
	{ 0x082, "Namespace Not Ready" },
	{ 0x083, "Reservation Conflict" },
	{ 0x084, "Format In Progress" },
	/* SCT 2: media and data integrity errors */
	{ 0x280, "Write Fault" },
	{ 0x281, "Unrecovered Read Error" },
	{ 0x282, "End-to-end Guard Check Error" },
	{ 0x283, "End-to-end Application Tag Check Error" },
	{ 0x284, "End-to-end Reference Tag Check Error" },
	{ 0x285, "Compare Failure" },
	{ 0x286, "Access Denied" },
	{ 0x287, "Deallocated or Unwritten Logical Block" },
	/* SCT 3: path related; the host codes are set by the Linux driver */
	{ 0x370, "Host Pathing Error" },
	{ 0x371, "Command Aborted by Host" },
};

const char *db_nvme_status_str(uint16_t status)
{
	size_t i;

	status &= DB_NVME_STATUS_MASK;
	for (i = 0; i < sizeof(nvme_status_names) / sizeof(nvme_status_names[0]); i++)
		if (nvme_status_names[i].status == status)
			return nvme_status_names[i].str;
	return "Unknown status";
}

void db_nvme_id_str(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	size_t n = srclen < dstlen - 1 ? srclen : dstlen - 1;

	memcpy(dst, src, n);
	dst[n] = '\0';
	while (n && (dst[n - 1] == ' ' || dst[n - 1] == '\0'))
		dst[--n] = '\0';
}

/* --- namespace scan ---------------------------------------------------------- */

struct scan_ctx {
	void (*cb)(const struct db_nvme_ns_info *ns, void *arg);
	void *arg;
	char (*seen)[64];
	int nr_seen, cap_seen;
};

/* Has namespace @name been reported already?  If not, remember it. */
static int scan_seen(struct scan_ctx *sc, const char *name, bool *seen)
{
	char (*grown)[64];
	int i;

	for (i = 0; i < sc->nr_seen; i++) {
		if (!strcmp(sc->seen[i], name)) {
			*seen = true;
			return 0;
		}
	}
	*seen = false;
	if (sc->nr_seen == sc->cap_seen) {
		int cap = sc->cap_seen ? sc->cap_seen * 2 : 16;

		grown = realloc(sc->seen, (size_t)cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		sc->seen = grown;
		sc->cap_seen = cap;
	}
	db_snprintf(sc->seen[sc->nr_seen++], 64, "%s", name);
	return 0;
}

static void scan_fill_generic(struct db_nvme_ns_info *info, nvme_ns_t n, const char *name)
{
	const char *gen = nvme_ns_get_generic_name(n);
	char derived[32];
	unsigned a, b;

	if (!gen && sscanf(name, "nvme%un%u", &a, &b) == 2) {
		db_snprintf(derived, sizeof(derived), "ng%un%u", a, b);
		gen = derived;
	}
	if (!gen)
		return;
	/* the node exists only on kernels with generic devices (5.13+) */
	db_snprintf(info->chardev, sizeof(info->chardev), "/dev/%s", gen);
	if (access(info->chardev, F_OK) < 0)
		info->chardev[0] = '\0';
}

static void scan_fill(struct db_nvme_ns_info *info, nvme_subsystem_t s, nvme_ctrl_t c,
		      nvme_ns_t n, const char *name)
{
	char path[PATH_MAX];
	const char *model = nvme_ns_get_model(n);
	uint64_t kb;

	memset(info, 0, sizeof(*info));
	db_snprintf(info->blkdev, sizeof(info->blkdev), "/dev/%s", name);
	scan_fill_generic(info, n, name);
	/* a multipath namespace belongs to the subsystem: name its first controller */
	if (!c)
		c = nvme_subsystem_first_ctrl(s);
	if (c && nvme_ctrl_get_name(c))
		db_snprintf(info->ctrl, sizeof(info->ctrl), "%s", nvme_ctrl_get_name(c));
	if (!model && c)
		model = nvme_ctrl_get_model(c);
	if (model)
		db_nvme_id_str(info->model, sizeof(info->model), model, strlen(model));
	info->nsid = (uint32_t)nvme_ns_get_nsid(n);
	info->lba_size = (uint32_t)nvme_ns_get_lba_size(n);
	info->ms = (uint32_t)nvme_ns_get_meta_size(n);
	info->nlba = nvme_ns_get_lba_count(n);
	db_snprintf(path, sizeof(path), "/sys/class/block/%s/queue/max_hw_sectors_kb", name);
	if (!db_read_u64(path, &kb))
		info->max_xfer = kb > UINT32_MAX / 1024 ? UINT32_MAX : (uint32_t)(kb * 1024);
}

static int scan_one(struct scan_ctx *sc, nvme_subsystem_t s, nvme_ctrl_t c, nvme_ns_t n)
{
	struct db_nvme_ns_info info;
	const char *name = nvme_ns_get_name(n);
	unsigned a, b, d;
	bool seen;
	int ret;

	/* nvmeXcYnZ is a hidden multipath path, not a device node */
	if (!name || sscanf(name, "nvme%uc%un%u", &a, &b, &d) == 3)
		return 0;
	ret = scan_seen(sc, name, &seen);
	if (ret || seen)
		return ret;
	scan_fill(&info, s, c, n, name);
	if (sc->cb)
		sc->cb(&info, sc->arg);
	return 0;
}

static int scan_subsystem(struct scan_ctx *sc, nvme_subsystem_t s)
{
	nvme_ctrl_t c;
	nvme_ns_t n;
	int ret;

	/* multipath heads hang off the subsystem, private namespaces off a controller */
	nvme_subsystem_for_each_ns(s, n) {
		ret = scan_one(sc, s, NULL, n);
		if (ret)
			return ret;
	}
	nvme_subsystem_for_each_ctrl(s, c) {
		nvme_ctrl_for_each_ns(c, n) {
			ret = scan_one(sc, s, c, n);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int scan_tree(struct scan_ctx *sc, nvme_root_t r)
{
	nvme_subsystem_t s;
	nvme_host_t h;
	int ret;

	nvme_for_each_host(r, h) {
		nvme_for_each_subsystem(h, s) {
			ret = scan_subsystem(sc, s);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int db_nvme_scan(void (*cb)(const struct db_nvme_ns_info *ns, void *arg), void *arg,
		 struct dmabuf_err *e)
{
	struct scan_ctx sc = { cb, arg, NULL, 0, 0 };
	nvme_root_t r;
	FILE *quiet;
	int ret;

	/* no nvme driver loaded: no namespaces, not an error */
	if (access("/sys/class/nvme", F_OK) < 0)
		return errno == ENOENT ? 0 :
			db_err_set(e, DMABUF_E_IO, -errno, "access", "/sys/class/nvme");
	/* lib/ never prints: give libnvme's log a sink and the lowest level */
	quiet = fopen("/dev/null", "we");
	r = nvme_create_root(quiet, LOG_EMERG);
	if (!r) {
		ret = db_err_set(e, DMABUF_E_IO, -ENOMEM, "nvme_create_root", "libnvme");
		goto out;
	}
	errno = 0;
	if (nvme_scan_topology(r, NULL, NULL) < 0 && errno != ENOENT) {
		ret = db_err_set(e, DMABUF_E_IO, errno ? -errno : -EIO, "nvme_scan_topology",
				 "/sys/class/nvme");
		goto out_tree;
	}
	ret = scan_tree(&sc, r);
	if (ret)
		db_err_set(e, DMABUF_E_IO, ret, "nvme_scan_topology", "/sys/class/nvme");
	else
		ret = sc.nr_seen;
out_tree:
	nvme_free_tree(r);
out:
	free(sc.seen);
	if (quiet)
		fclose(quiet);
	return ret;
}
