// SPDX-License-Identifier: MIT
/* What this machine has, for `check`: see tool/probe.h. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <liburing.h>

#include "probe.h"
#include "util.h"

void db_probe_kernel(struct db_probe_kernel *k)
{
	struct utsname u;

	memset(k, 0, sizeof(*k));
	if (!uname(&u)) {
		snprintf(k->release, sizeof(k->release), "%s", u.release);
		snprintf(k->machine, sizeof(k->machine), "%s", u.machine);
	}
	if (db_read_line("/proc/sys/kernel/io_uring_disabled", k->io_uring_disabled,
			 sizeof(k->io_uring_disabled)))
		k->io_uring_disabled[0] = '\0';
}

static const struct { unsigned op; const char *name; } uring_ops[DB_NR_OPS] = {
	[DB_OP_READ_FIXED] = { IORING_OP_READ_FIXED, "READ_FIXED" },
	[DB_OP_WRITE_FIXED] = { IORING_OP_WRITE_FIXED, "WRITE_FIXED" },
	[DB_OP_URING_CMD] = { IORING_OP_URING_CMD, "URING_CMD" },
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

const char *db_uring_op_name(enum db_uring_op op)
{
	return (unsigned)op < DB_NR_OPS ? uring_ops[op].name : "?";
}

const char *db_uring_feature_name(unsigned i, unsigned *bit)
{
	if (i >= DB_ARRAY_SIZE(uring_feats))
		return NULL;
	*bit = uring_feats[i].bit;
	return uring_feats[i].name;
}

void db_probe_uring(struct db_probe_uring *u)
{
	struct io_uring_params p = { 0 };
	struct io_uring_probe *probe;
	struct io_uring ring;

	memset(u, 0, sizeof(*u));
	u->err = io_uring_queue_init_params(4, &ring, &p);
	if (u->err)
		return;
	probe = io_uring_get_probe_ring(&ring);
	for (unsigned i = 0; i < DB_NR_OPS; i++)
		u->ops[i] = probe && io_uring_opcode_supported(probe, (int)uring_ops[i].op);
	io_uring_free_probe(probe);
	u->features = p.features;
	io_uring_queue_exit(&ring);
	if (!io_uring_queue_init(2, &ring, IORING_SETUP_SQE128 | IORING_SETUP_CQE32)) {
		u->sqe128_cqe32 = true;
		io_uring_queue_exit(&ring);
	}
}

static unsigned dir_entries(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *d;
	unsigned n = 0;

	if (!dir)
		return 0;
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n;
}

void db_probe_iommu(struct db_probe_iommu *m)
{
	memset(m, 0, sizeof(*m));
	m->units = dir_entries("/sys/class/iommu");
	m->groups = dir_entries("/sys/kernel/iommu_groups");
	if (db_read_line("/sys/class/nvme/nvme0/device/iommu_group/type", m->nvme0_domain,
			 sizeof(m->nvme0_domain)))
		m->nvme0_domain[0] = '\0';
}
